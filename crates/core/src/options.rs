//! Capture options, their defaults and their bounds.
//!
//! Every option has a default that is right for most sites, so `Options::default()` is a
//! complete configuration. Values from JavaScript arrive as text or numbers and go through
//! the `parse` functions here; a value they refuse leaves the default in place.

use crate::prelude::*;

use super::cookie::{is_valid_name, SameSite};
use super::note::Note;
use super::outbound::parse_patterns;
use super::text::{all_bytes, parse_list, split_byte, split_once_byte};

/// The URL parameter and cookie name Taapit deeplinks use.
pub const DEFAULT_NAME: &str = "ta_tid";
/// Default cookie lifetime, in days.
pub const DEFAULT_EXPIRES_IN_DAYS: u32 = 90;
/// Shortest accepted lifetime, in days.
pub const MIN_EXPIRES_IN_DAYS: u32 = 1;
/// Longest accepted lifetime, in days (browsers cap cookies at 400 days).
pub const MAX_EXPIRES_IN_DAYS: u32 = 400;

/// Which `Domain` the cookie is written for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum DomainOption {
    /// The shortest parent domain the browser accepts; host-only on `localhost`, IPs and
    /// single-label hosts.
    #[default]
    Auto,
    /// Host-only: no `Domain` attribute.
    Host,
    /// This domain, when it is the page's host or a parent of it (stored without a leading
    /// dot, in lower case); otherwise `Auto` applies.
    Explicit(String),
}

impl DomainOption {
    /// Reads `"auto"`, `"host"` or a domain name.
    #[inline]
    pub fn parse(text: &str) -> Option<Self> {
        let domain = super::domain::normalize(text);
        match domain.as_str() {
            "" => None,
            "auto" => Some(Self::Auto),
            "host" => Some(Self::Host),
            d if all_bytes(d.as_bytes(), |b| {
                b.is_ascii_alphanumeric() || b == b'-' || b == b'.'
            }) =>
            {
                Some(Self::Explicit(domain))
            }
            _ => None,
        }
    }
}

/// Which id wins when the URL brings one and another is already stored.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Attribution {
    /// The id in the URL replaces the stored one (`"last-click"`).
    #[default]
    LastClick,
    /// A stored valid id is kept (`"first-click"`).
    FirstClick,
}

impl Attribution {
    /// Reads `"last-click"` or `"first-click"`.
    #[inline]
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "last-click" => Some(Self::LastClick),
            "first-click" => Some(Self::FirstClick),
            _ => None,
        }
    }

    /// Whether a stored valid id wins over the URL's (first-click).
    #[inline]
    pub fn keeps_stored(self) -> bool {
        self == Self::FirstClick
    }

    /// The id that wins between the URL's and the stored one: the one rule, which the
    /// capture applies in the browser ([`capture`](crate::capture::capture)) and the server's
    /// cookie re-issue (`taapit-server`) applies to a request.
    ///
    /// ```
    /// use taapit_core::Attribution;
    /// assert_eq!(Attribution::LastClick.choose(Some("url"), Some("stored")), Some("url"));
    /// assert_eq!(Attribution::FirstClick.choose(Some("url"), Some("stored")), Some("stored"));
    /// assert_eq!(Attribution::FirstClick.choose(Some("url"), None), Some("url"));
    /// ```
    #[inline]
    pub fn choose<T>(self, from_url: Option<T>, stored: Option<T>) -> Option<T> {
        if self.keeps_stored() {
            stored.or(from_url)
        } else {
            from_url.or(stored)
        }
    }
}

/// When the cookie gets `Secure`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Secure {
    /// On `https:` pages (and always with `SameSite=None`).
    #[default]
    Auto,
    /// Always.
    Always,
    /// Never, unless `SameSite=None` requires it.
    Never,
}

impl Secure {
    /// Reads `"auto"`, or a boolean as [`parse_bool`] does (`"true"`, `"false"`, and `""`
    /// for a bare `data-secure` attribute, which means true).
    #[inline]
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "auto" => Some(Self::Auto),
            _ => parse_bool(text).map(|on| if on { Self::Always } else { Self::Never }),
        }
    }

    /// Whether a cookie written from a page on `https` (or not) gets `Secure`.
    #[inline]
    pub fn applies(self, https: bool, same_site: SameSite) -> bool {
        same_site == SameSite::None
            || match self {
                Self::Auto => https,
                Self::Always => true,
                Self::Never => false,
            }
    }
}

/// Whether the visitor has agreed to the id being stored.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Consent {
    /// Store it (`"granted"`).
    #[default]
    Granted,
    /// Keep it in memory until `grant_consent` (`"pending"`).
    Pending,
}

impl Consent {
    /// Reads `"granted"` or `"pending"`.
    #[inline]
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "granted" => Some(Self::Granted),
            "pending" => Some(Self::Pending),
            _ => None,
        }
    }
}

/// How the tracking id is found and kept: the defaults ([`Options::default`]) with the
/// builder's setters, one per field, each named as its field. `#[non_exhaustive]`: a new
/// option is no breaking change (the fields stay readable and assignable).
///
/// ```
/// use taapit_core::{Attribution, Options};
/// let options = Options::default()
///     .expires_in_days(30)
///     .attribution(Attribution::FirstClick);
/// assert_eq!(options.cookie_name, "ta_tid");
/// assert_eq!(options.expires_in_days, 30);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Options {
    /// URL parameters that carry the id, tried in order (default `["ta_tid"]`).
    pub params: Vec<String>,
    /// Cookie name (default `"ta_tid"`); it also keys the `localStorage` mirror.
    pub cookie_name: String,
    /// Cookie lifetime in days (default 90); clamped to 1–400 when used.
    pub expires_in_days: u32,
    /// Cookie domain (default automatic).
    pub domain: DomainOption,
    /// First- or last-click attribution (default last-click).
    pub attribution: Attribution,
    /// `SameSite` (default `Lax`).
    pub same_site: SameSite,
    /// `Secure` (default: on `https:` pages).
    pub secure: Secure,
    /// Consent state at capture (default granted).
    pub consent: Consent,
    /// Remove the tracking parameters from the address bar (default `false`).
    pub strip_param: bool,
    /// Keep the id in `localStorage` when cookies cannot be written (default `true`).
    pub storage_fallback: bool,
    /// Log to the console why an id was not stored (default `false`).
    pub debug: bool,
    /// Hosts whose links get the id added at click time (`shop.example.net`, `*.example.org`;
    /// see [`outbound`](super::outbound)). Default none. Applied by the JS click listener of
    /// the script tag and the npm entry.
    pub outbound: Vec<String>,
}

impl Default for Options {
    #[inline]
    fn default() -> Self {
        Options {
            params: vec![DEFAULT_NAME.to_owned()],
            cookie_name: DEFAULT_NAME.to_owned(),
            expires_in_days: DEFAULT_EXPIRES_IN_DAYS,
            domain: DomainOption::Auto,
            attribution: Attribution::LastClick,
            same_site: SameSite::Lax,
            secure: Secure::Auto,
            consent: Consent::Granted,
            strip_param: false,
            storage_fallback: true,
            debug: false,
            outbound: Vec::new(),
        }
    }
}

/// The builder: `Options::default().expires_in_days(30)`.
impl Options {
    /// Sets [`params`](Self::params): URL parameters that carry the id, tried in order.
    #[inline]
    #[must_use]
    pub fn params(mut self, params: Vec<String>) -> Self {
        self.params = params;
        self
    }

    /// Sets [`cookie_name`](Self::cookie_name): The cookie name.
    #[inline]
    #[must_use]
    pub fn cookie_name(mut self, cookie_name: String) -> Self {
        self.cookie_name = cookie_name;
        self
    }

    /// Sets [`expires_in_days`](Self::expires_in_days): The cookie lifetime in days (clamped to 1–400 when used).
    #[inline]
    #[must_use]
    pub fn expires_in_days(mut self, expires_in_days: u32) -> Self {
        self.expires_in_days = expires_in_days;
        self
    }

    /// Sets [`domain`](Self::domain): The cookie domain.
    #[inline]
    #[must_use]
    pub fn domain(mut self, domain: DomainOption) -> Self {
        self.domain = domain;
        self
    }

    /// Sets [`attribution`](Self::attribution): First- or last-click attribution.
    #[inline]
    #[must_use]
    pub fn attribution(mut self, attribution: Attribution) -> Self {
        self.attribution = attribution;
        self
    }

    /// Sets [`same_site`](Self::same_site): `SameSite`.
    #[inline]
    #[must_use]
    pub fn same_site(mut self, same_site: SameSite) -> Self {
        self.same_site = same_site;
        self
    }

    /// Sets [`secure`](Self::secure): When the cookie gets `Secure`.
    #[inline]
    #[must_use]
    pub fn secure(mut self, secure: Secure) -> Self {
        self.secure = secure;
        self
    }

    /// Sets [`consent`](Self::consent): Consent state at capture.
    #[inline]
    #[must_use]
    pub fn consent(mut self, consent: Consent) -> Self {
        self.consent = consent;
        self
    }

    /// Sets [`strip_param`](Self::strip_param): Whether to remove the tracking parameters from the address bar.
    #[inline]
    #[must_use]
    pub fn strip_param(mut self, strip_param: bool) -> Self {
        self.strip_param = strip_param;
        self
    }

    /// Sets [`storage_fallback`](Self::storage_fallback): Whether to keep the id in `localStorage` when cookies cannot be written.
    #[inline]
    #[must_use]
    pub fn storage_fallback(mut self, storage_fallback: bool) -> Self {
        self.storage_fallback = storage_fallback;
        self
    }

    /// Sets [`debug`](Self::debug): Whether to log to the console why an id was not stored.
    #[inline]
    #[must_use]
    pub fn debug(mut self, debug: bool) -> Self {
        self.debug = debug;
        self
    }

    /// Sets [`outbound`](Self::outbound): The hosts whose links get the id added.
    #[inline]
    #[must_use]
    pub fn outbound(mut self, outbound: Vec<String>) -> Self {
        self.outbound = outbound;
        self
    }
}

impl Options {
    /// The cookie lifetime in seconds, with `expires_in_days` clamped to 1–400.
    #[inline]
    pub fn max_age_secs(&self) -> u64 {
        u64::from(clamp_days(self.expires_in_days)) * 86_400
    }

    /// The cookie name to use: `cookie_name` if it is a valid cookie name, else `"ta_tid"`.
    #[inline]
    pub fn valid_cookie_name(&self) -> &str {
        if is_valid_name(&self.cookie_name) {
            &self.cookie_name
        } else {
            DEFAULT_NAME
        }
    }
}

/// Clamps a lifetime in days to 1–400.
#[inline]
pub fn clamp_days(days: u32) -> u32 {
    days.clamp(MIN_EXPIRES_IN_DAYS, MAX_EXPIRES_IN_DAYS)
}

/// Reads a parameter list: names separated by commas (`"ta_tid, ref"`). Empty names are
/// dropped; `None` if none is left.
#[inline]
pub fn parse_params(text: &str) -> Option<Vec<String>> {
    parse_list(text, |name| Some(name.to_owned()))
}

/// Reads a boolean written as text: `"true"`, `"false"`, or `""` (a bare attribute) for true.
#[inline]
pub fn parse_bool(text: &str) -> Option<bool> {
    match text {
        "true" | "" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

/// Reads one option's text into `options`; `false` if the text is refused.
type Parser = fn(&mut Options, &str) -> bool;

/// Puts a parsed value in its slot; `false` (slot untouched) when it did not parse.
#[inline]
fn put<T>(slot: &mut T, value: Option<T>) -> bool {
    value.map(|v| *slot = v).is_some()
}

/// Every option a page can pass as text, each name beside its parser. (What a valid value of
/// each looks like is in the README's options table; the `.wasm` does not carry those texts.)
const OPTIONS: [(&str, Parser); 12] = [
    ("debug", |o, text| put(&mut o.debug, parse_bool(text))),
    ("params", |o, text| put(&mut o.params, parse_params(text))),
    ("cookieName", |o, text| {
        put(
            &mut o.cookie_name,
            is_valid_name(text).then(|| text.to_owned()),
        )
    }),
    // Outside 1–400 days, it is reported once the list is read.
    ("expiresInDays", |o, text| {
        put(&mut o.expires_in_days, parse_days(text))
    }),
    ("domain", |o, text| {
        put(&mut o.domain, DomainOption::parse(text))
    }),
    ("attribution", |o, text| {
        put(&mut o.attribution, Attribution::parse(text))
    }),
    ("sameSite", |o, text| {
        put(&mut o.same_site, SameSite::parse(text))
    }),
    ("secure", |o, text| put(&mut o.secure, Secure::parse(text))),
    ("consent", |o, text| {
        put(&mut o.consent, Consent::parse(text))
    }),
    ("stripParam", |o, text| {
        put(&mut o.strip_param, parse_bool(text))
    }),
    ("storageFallback", |o, text| {
        put(&mut o.storage_fallback, parse_bool(text))
    }),
    ("outbound", |o, text| {
        put(&mut o.outbound, parse_patterns(text))
    }),
];

/// The name of every option a page can pass (`capture(options)`, the script tag's `data-`
/// attributes), as [`Options::read`] knows them: `crates/wasm/tests/contract.rs` checks the
/// contract's option declarations (types and defaults for JavaScript) against this list.
#[inline]
pub fn names() -> impl Iterator<Item = &'static str> {
    OPTIONS.iter().map(|(name, _)| *name)
}

/// Separates the entries of an option list.
pub const ENTRY_SEPARATOR: u8 = 0;
/// Separates an entry's name from its value.
pub const VALUE_SEPARATOR: u8 = 1;

impl Options {
    /// Reads an option list, the form in which JavaScript options reach the module: entries
    /// `name\u{1}value` separated by `\u{0}`, in any order, each value as text (`String(v)`;
    /// a list joined with commas). An entry without `\u{1}` names an option whose value
    /// could not be turned into text (an object, say): it is refused like a malformed one.
    ///
    /// A missing option keeps its default, and so does a refused one. Each refusal (and each
    /// unknown name, and a clamped lifetime) is passed to `say` as the parts of one message,
    /// when the list turns `debug` on; `say` is never called otherwise.
    ///
    /// ```
    /// use taapit_core::{Attribution, Options};
    /// let mut said = Vec::new();
    /// let options = Options::read(
    ///     "expiresInDays\u{1}60\0attribution\u{1}first-click\0debug\u{1}true\0colour\u{1}red",
    ///     |parts| said.push(parts.concat()),
    /// );
    /// assert_eq!(options.expires_in_days, 60);
    /// assert_eq!(options.attribution, Attribution::FirstClick);
    /// assert_eq!(said, ["colour: no such option (ignored)"]);
    /// ```
    #[inline]
    pub fn read(list: &str, mut say: impl FnMut(&[&str])) -> Self {
        Self::read_noting(list, |note, details| {
            let said = note.fill(details);
            say(&[said.strip_prefix("option ").unwrap_or(&said)]);
        })
    }

    /// [`Options::read`], each report a [`Note`] with its details (the option's name, and the
    /// refused value): the shipped `.wasm` hands those to its loader, so the words are not in
    /// it.
    #[inline]
    pub fn read_noting(list: &str, mut say: impl FnMut(Note, &[&str])) -> Self {
        Self::read_reporting_to(list, &mut say)
    }

    /// [`Options::read_noting`], with one copy in the `.wasm` whoever calls it: `say` behind a
    /// pointer, not a type of its own for each caller.
    #[inline]
    fn read_reporting_to(list: &str, say: &mut dyn FnMut(Note, &[&str])) -> Self {
        let entries = || {
            split_byte(list, ENTRY_SEPARATOR)
                .filter(|entry| !entry.is_empty())
                .map(|entry| match split_once_byte(entry, VALUE_SEPARATOR) {
                    Some((name, value)) => (name, Some(value)),
                    None => (entry, None),
                })
        };
        let mut options = Options::default();
        // Read once in silence; when that turned `debug` on, read again (each entry puts
        // the same value in the same slot) and report. One loop, so one copy of it in the
        // `.wasm`, and `debug` applies to the entries before it too.
        let mut report = false;
        loop {
            for (name, value) in entries() {
                let Some((_, parse)) = OPTIONS.iter().find(|(known, _)| *known == name) else {
                    if report {
                        say(Note::OptionUnknown, &[name]);
                    }
                    continue;
                };
                match value {
                    Some(value) if parse(&mut options, value) => {}
                    _ if !report => {}
                    Some(value) => say(Note::OptionRefused, &[name, value]),
                    None => say(Note::OptionNotText, &[name]),
                }
            }
            if report || !options.debug {
                break;
            }
            report = true;
        }
        // The default lifetime is within bounds: one outside them came from the list.
        if report && clamp_days(options.expires_in_days) != options.expires_in_days {
            say(Note::DaysClamped, &[]);
        }
        options
    }
}

/// Reads a number of days written as JavaScript writes a number (`"60"`, `"7.5"`, `"-1"`,
/// with spaces around it allowed as `Number()` allows them): rounded half up, at least 0
/// (the 1–400 clamp comes after, so `0` means the shortest lifetime, not the default), and
/// `u32::MAX` when too large. `None` for anything else (`"soon"`, `""`, `"NaN"`, `"1e3"`).
///
/// ```
/// use taapit_core::options::parse_days;
/// assert_eq!(parse_days("60"), Some(60));
/// assert_eq!(parse_days(" 7.5 "), Some(8));
/// assert_eq!(parse_days("-3"), Some(0));
/// assert_eq!(parse_days("12abc"), None);
/// ```
#[inline]
pub fn parse_days(text: &str) -> Option<u32> {
    let text = text.trim_ascii();
    let (negative, number) = match text.strip_prefix("-") {
        Some(number) => (true, number),
        None => (false, text.strip_prefix("+").unwrap_or(text)),
    };
    // One pass: the whole part, then only the first digit after the `.` counts (rounding).
    let mut days: u32 = 0;
    let mut any_digit = false;
    // `None` before the `.`; after it, whether the first fraction digit was seen.
    let mut fraction: Option<bool> = None;
    for b in number.bytes() {
        match (b, fraction) {
            (b'.', None) => fraction = Some(false),
            (b'0'..=b'9', None) => {
                days = days.saturating_mul(10).saturating_add(u32::from(b - b'0'));
            }
            (b'0'..=b'9', Some(false)) => {
                if b >= b'5' {
                    days = days.saturating_add(1);
                }
                fraction = Some(true);
            }
            (b'0'..=b'9', Some(true)) => {}
            _ => return None,
        }
        any_digit |= b != b'.';
    }
    any_digit.then_some(if negative { 0 } else { days })
}

#[cfg(test)]
mod tests {
    extern crate std;

    use super::*;
    use crate::SameSite;
    use std::prelude::rust_2021::*;
    use std::{format, panic, vec};

    #[test]
    fn defaults_follow_the_contract() {
        let o = Options::default();
        assert_eq!(o.params, ["ta_tid"]);
        assert_eq!(o.cookie_name, "ta_tid");
        assert_eq!(o.expires_in_days, 90);
        assert_eq!(o.max_age_secs(), 90 * 86_400);
        assert_eq!(o.domain, DomainOption::Auto);
        assert_eq!(o.attribution, Attribution::LastClick);
        assert_eq!(o.same_site, SameSite::Lax);
        assert_eq!(o.secure, Secure::Auto);
        assert_eq!(o.consent, Consent::Granted);
        assert!(!o.strip_param);
        assert!(o.storage_fallback);
        assert!(!o.debug);
    }

    #[test]
    fn lifetime_is_clamped_to_1_through_400_days() {
        for (days, expected) in [
            (0, 1),
            (1, 1),
            (30, 30),
            (400, 400),
            (401, 400),
            (u32::MAX, 400),
        ] {
            assert_eq!(clamp_days(days), expected);
            let o = Options::default().expires_in_days(days);
            assert_eq!(o.max_age_secs(), u64::from(expected) * 86_400);
        }
    }

    #[test]
    fn an_invalid_cookie_name_falls_back_to_ta_tid() {
        for (name, used) in [
            ("my_tid", "my_tid"),
            ("a b", "ta_tid"),
            ("", "ta_tid"),
            ("a;b", "ta_tid"),
        ] {
            let o = Options::default().cookie_name(name.to_string());
            assert_eq!(o.valid_cookie_name(), used);
        }
    }

    #[test]
    fn secure_applies_on_https_and_always_with_samesite_none() {
        use SameSite::{Lax, None, Strict};
        for (secure, https, same_site, expected) in [
            (Secure::Auto, true, Lax, true),
            (Secure::Auto, false, Lax, false),
            (Secure::Auto, false, Strict, false),
            (Secure::Always, false, Lax, true),
            (Secure::Never, true, Lax, false),
            (Secure::Never, true, None, true),
            (Secure::Never, false, None, true),
            (Secure::Auto, false, None, true),
        ] {
            assert_eq!(
                secure.applies(https, same_site),
                expected,
                "{secure:?} https={https} {same_site:?}"
            );
        }
    }

    #[test]
    fn option_texts_parse_and_refuse_unknown_values() {
        assert_eq!(DomainOption::parse("auto"), Some(DomainOption::Auto));
        assert_eq!(DomainOption::parse("host"), Some(DomainOption::Host));
        assert_eq!(
            DomainOption::parse(" .Example.COM"),
            Some(DomainOption::Explicit("example.com".into()))
        );
        assert_eq!(DomainOption::parse(""), None);
        assert_eq!(DomainOption::parse("exa mple.com"), None);
        assert_eq!(DomainOption::parse("example.com;x"), None);

        assert_eq!(
            Attribution::parse("first-click"),
            Some(Attribution::FirstClick)
        );
        assert_eq!(
            Attribution::parse("last-click"),
            Some(Attribution::LastClick)
        );
        assert_eq!(Attribution::parse("first"), None);

        assert_eq!(SameSite::parse("STRICT"), Some(SameSite::Strict));
        assert_eq!(SameSite::parse("none"), Some(SameSite::None));
        assert_eq!(SameSite::parse("Lax"), Some(SameSite::Lax));
        assert_eq!(SameSite::parse("no"), None);

        assert_eq!(Secure::parse("true"), Some(Secure::Always));
        assert_eq!(Secure::parse("false"), Some(Secure::Never));
        assert_eq!(Secure::parse("auto"), Some(Secure::Auto));
        assert_eq!(
            Secure::parse(""),
            Some(Secure::Always),
            "a bare data-secure attribute"
        );
        assert_eq!(Secure::parse("yes"), None);

        assert_eq!(Consent::parse("pending"), Some(Consent::Pending));
        assert_eq!(Consent::parse("granted"), Some(Consent::Granted));
        assert_eq!(Consent::parse("denied"), None);

        assert_eq!(
            parse_params(" ta_tid, ref ,,"),
            Some(vec!["ta_tid".into(), "ref".into()])
        );
        assert_eq!(parse_params(" , "), None);

        assert_eq!(parse_bool(""), Some(true));
        assert_eq!(parse_bool("true"), Some(true));
        assert_eq!(parse_bool("false"), Some(false));
        assert_eq!(parse_bool("1"), None);
    }

    // The option list: how JavaScript options (the npm entry's object, the script tag's `data-`
    // attributes) reach the module as text, and how `Options::read` turns them into options.

    /// The list the loader sends for `pairs` (`None`: a value that is not text, sent bare).
    fn list(pairs: &[(&str, Option<&str>)]) -> String {
        let entries: Vec<String> = pairs
            .iter()
            .map(|(name, value)| match value {
                Some(value) => format!("{name}\u{1}{value}"),
                None => name.to_string(),
            })
            .collect();
        entries.join("\0")
    }

    fn read(pairs: &[(&str, Option<&str>)]) -> (Options, Vec<String>) {
        let mut said = Vec::new();
        let options = Options::read(&list(pairs), |parts| said.push(parts.concat()));
        (options, said)
    }

    #[test]
    fn an_empty_list_is_the_defaults() {
        let (options, said) = read(&[]);
        assert_eq!(options, Options::default());
        assert!(said.is_empty());
        assert_eq!(
            Options::read("\0\0", |_| panic!("nothing to say")),
            Options::default()
        );
    }

    #[test]
    fn every_option_is_read_from_its_text_form() {
        let (options, said) = read(&[
            ("params", Some("ref, ta_tid")),
            ("cookieName", Some("tid")),
            ("expiresInDays", Some("60")),
            ("domain", Some(".Example.COM")),
            ("attribution", Some("first-click")),
            ("sameSite", Some("Strict")),
            ("secure", Some("true")),
            ("consent", Some("pending")),
            ("stripParam", Some("")),
            ("storageFallback", Some("false")),
            ("debug", Some("true")),
            ("outbound", Some("shop.example.net, *.example.org")),
        ]);
        assert!(said.is_empty(), "{said:?}");
        assert_eq!(
            options,
            Options::default()
                .params(vec!["ref".into(), "ta_tid".into()])
                .cookie_name("tid".into())
                .expires_in_days(60)
                .domain(DomainOption::Explicit("example.com".into()))
                .attribution(Attribution::FirstClick)
                .same_site(SameSite::Strict)
                .secure(Secure::Always)
                .consent(Consent::Pending)
                .strip_param(true)
                .storage_fallback(false)
                .debug(true)
                .outbound(vec!["shop.example.net".into(), "*.example.org".into()])
        );
    }

    #[test]
    fn a_refused_value_keeps_the_default_and_debug_says_which() {
        let pairs = [
            ("debug", Some("true")),
            ("expiresInDays", Some("soon")),
            ("cookieName", Some("ta;tid")),
            ("params", Some(" , ")),
            ("sameSite", Some("sometimes")),
            ("outbound", Some("https://shop.example.net/")),
            ("attribution", None),
        ];
        let (options, said) = read(&pairs);
        assert_eq!(options, Options::default().debug(true));
        assert_eq!(
            said,
            [
                "expiresInDays: refused \"soon\"; using the default",
                "cookieName: refused \"ta;tid\"; using the default",
                "params: refused \" , \"; using the default",
                "sameSite: refused \"sometimes\"; using the default",
                "outbound: refused \"https://shop.example.net/\"; using the default",
                "attribution: refused (not text); using the default",
            ]
        );
    }

    #[test]
    fn without_debug_nothing_is_said() {
        let (options, said) = read(&[("expiresInDays", Some("soon")), ("colour", Some("red"))]);
        assert_eq!(options, Options::default());
        assert!(said.is_empty(), "{said:?}");
        // A debug value that is not a boolean leaves debug off.
        let (options, said) = read(&[("debug", Some("yes")), ("colour", Some("red"))]);
        assert!(!options.debug);
        assert!(said.is_empty(), "{said:?}");
    }

    #[test]
    fn debug_is_read_first_wherever_it_is_in_the_list() {
        let (options, said) = read(&[("colour", Some("red")), ("debug", Some(""))]);
        assert!(options.debug, "a bare data-debug attribute means true");
        assert_eq!(said, ["colour: no such option (ignored)"]);
    }

    #[test]
    fn a_clamped_lifetime_is_kept_clamped_and_reported() {
        let (options, said) = read(&[("debug", Some("true")), ("expiresInDays", Some("1000"))]);
        assert_eq!(options.max_age_secs(), 400 * 86_400);
        assert_eq!(said, ["expiresInDays: clamped to 1-400 days"]);
        let (options, _) = read(&[("expiresInDays", Some("0"))]);
        assert_eq!(
            options.max_age_secs(),
            86_400,
            "0 means the shortest lifetime"
        );
    }

    #[test]
    fn the_last_of_repeated_entries_wins() {
        let (options, _) = read(&[("expiresInDays", Some("7")), ("expiresInDays", Some("9"))]);
        assert_eq!(options.expires_in_days, 9);
    }

    #[test]
    fn days_are_read_as_javascript_writes_numbers() {
        for (text, days) in [
            ("60", Some(60)),
            ("+60", Some(60)),
            (" 60\n", Some(60)),
            ("7.5", Some(8)),
            ("7.49", Some(7)),
            (".6", Some(1)),
            ("5.", Some(5)),
            ("-1", Some(0)),
            ("-0.5", Some(0)),
            ("99999999999999999999", Some(u32::MAX)),
            ("", None),
            (".", None),
            ("-", None),
            ("12abc", None),
            ("0x10", None),
            ("1e3", None),
            ("NaN", None),
            ("Infinity", None),
            ("6 0", None),
            ("1.2.3", None),
            ("7.5x", None),
        ] {
            assert_eq!(parse_days(text), days, "{text:?}");
        }
    }
}
