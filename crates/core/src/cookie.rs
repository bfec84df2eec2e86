//! Cookie strings: building the one written to `document.cookie`, and reading the
//! `name=value; name2=value2` list it gives back.
//!
//! Everything here is plain string work with no formatting machinery, so it costs little in
//! the `.wasm`, and the parser takes any input without panicking.

use crate::prelude::*;

use super::text::{all_bytes, split_byte, split_once_byte};

/// The cookie's `SameSite` attribute.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SameSite {
    /// `SameSite=Lax`: sent on top-level navigations from other sites.
    #[default]
    Lax,
    /// `SameSite=Strict`: sent only from the site itself.
    Strict,
    /// `SameSite=None`: sent everywhere; forces `Secure`.
    None,
}

impl SameSite {
    /// Reads `"lax"`, `"strict"` or `"none"` (any case).
    #[inline]
    pub fn parse(text: &str) -> Option<Self> {
        match text.to_ascii_lowercase().as_str() {
            "lax" => Some(Self::Lax),
            "strict" => Some(Self::Strict),
            "none" => Some(Self::None),
            _ => None,
        }
    }

    /// The attribute value as written in the cookie.
    #[inline]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Lax => "Lax",
            Self::Strict => "Strict",
            Self::None => "None",
        }
    }
}

/// The attributes of one cookie write, in the order they appear in the string.
///
/// ```
/// use taapit_core::cookie::SetCookie;
/// use taapit_core::SameSite;
/// let cookie = SetCookie::new("ta_tid", "abc")
///     .domain(Some("example.com"))
///     .max_age(86_400, 0)
///     .same_site(SameSite::Lax)
///     .secure(true);
/// assert_eq!(
///     cookie.build(),
///     "ta_tid=abc; Path=/; Domain=example.com; Max-Age=86400; \
///      Expires=Fri, 02 Jan 1970 00:00:00 GMT; SameSite=Lax; Secure",
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetCookie<'a> {
    name: &'a str,
    value: &'a str,
    domain: Option<&'a str>,
    max_age: u64,
    now_secs: u64,
    same_site: SameSite,
    secure: bool,
    http_only: bool,
}

impl<'a> SetCookie<'a> {
    /// A cookie `name=value` with `Path=/`, expiring at once until [`max_age`](Self::max_age)
    /// says otherwise.
    #[inline]
    pub fn new(name: &'a str, value: &'a str) -> Self {
        SetCookie {
            name,
            value,
            domain: None,
            max_age: 0,
            now_secs: 0,
            same_site: SameSite::Lax,
            secure: false,
            http_only: false,
        }
    }

    /// The cookie that deletes `name` on `domain` (or the host-only one for `None`).
    #[inline]
    pub fn removal(name: &'a str, domain: Option<&'a str>) -> Self {
        SetCookie::new(name, "").domain(domain)
    }

    /// `Domain=…`; `None` makes a host-only cookie.
    #[inline]
    pub fn domain(mut self, domain: Option<&'a str>) -> Self {
        self.domain = domain;
        self
    }

    /// `Max-Age=seconds`, and the matching `Expires`, counted from `now_secs` (Unix time).
    #[inline]
    pub fn max_age(mut self, seconds: u64, now_secs: u64) -> Self {
        self.max_age = seconds;
        self.now_secs = now_secs;
        self
    }

    /// `SameSite=…`.
    #[inline]
    pub fn same_site(mut self, same_site: SameSite) -> Self {
        self.same_site = same_site;
        self
    }

    /// `Secure`.
    #[inline]
    pub fn secure(mut self, secure: bool) -> Self {
        self.secure = secure;
        self
    }

    /// `HttpOnly`: a cookie set by a server that the page's scripts cannot read. Never from
    /// the browser (`document.cookie` ignores a write that has it).
    #[inline]
    pub fn http_only(mut self, http_only: bool) -> Self {
        self.http_only = http_only;
        self
    }
}

impl core::fmt::Display for SetCookie<'_> {
    #[inline]
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.build())
    }
}

impl SetCookie<'_> {
    /// The string to assign to `document.cookie`.
    #[inline]
    pub fn build(&self) -> String {
        self.build_with(push_http_date)
    }

    /// [`build`](Self::build), with `push_date` writing the `Expires` date of a Unix time (as
    /// [`push_http_date`] does): the shipped `.wasm` has the browser's `Date` write it.
    #[inline]
    pub fn build_with(&self, push_date: impl FnOnce(&mut String, u64)) -> String {
        let mut s = String::with_capacity(160);
        s.push_str(self.name);
        s.push('=');
        s.push_str(self.value);
        s.push_str("; Path=/");
        if let Some(domain) = self.domain {
            s.push_str("; Domain=");
            s.push_str(domain);
        }
        s.push_str("; Max-Age=");
        push_u64(&mut s, self.max_age);
        s.push_str("; Expires=");
        // A removal (Max-Age=0) is dated at the epoch, so no clock skew can revive it.
        let expires = if self.max_age == 0 {
            0
        } else {
            self.now_secs + self.max_age
        };
        push_date(&mut s, expires);
        s.push_str("; SameSite=");
        s.push_str(self.same_site.as_str());
        if self.secure {
            s.push_str("; Secure");
        }
        if self.http_only {
            s.push_str("; HttpOnly");
        }
        s
    }
}

/// The values of every cookie called `name` in a `document.cookie` string, in its order.
///
/// Never panics: pairs without `=` are skipped, white space around names and values is
/// ignored, and a value in double quotes is unquoted.
///
/// ```
/// use taapit_core::cookie::values_of;
/// let jar = "a=1; ta_tid=abc; junk; ta_tid=\"def\"";
/// assert_eq!(values_of(jar, "ta_tid").collect::<Vec<_>>(), ["abc", "def"]);
/// ```
#[inline]
pub fn values_of<'a>(jar: &'a str, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    split_byte(jar, b';').filter_map(move |pair| {
        let (n, v) = split_once_byte(pair, b'=')?;
        if n.trim_ascii() != name {
            return None;
        }
        let v = v.trim_ascii();
        Some(
            v.strip_prefix("\"")
                .and_then(|v| v.strip_suffix("\""))
                .unwrap_or(v),
        )
    })
}

/// The tracking id a cookie jar holds under `name`: the first of its values that is a valid
/// id ([`is_valid_id`](super::id::is_valid_id)), so a hostile or broken cookie is skipped.
/// Reads a `document.cookie` string or a request's `Cookie` header alike (the server-side
/// hooks of the Leptos and Yew features read the request with it).
///
/// ```
/// use taapit_core::cookie::tracking_id_in;
/// assert_eq!(tracking_id_in("a=1; ta_tid=a%3Bb; ta_tid=abc", "ta_tid"), Some("abc"));
/// assert_eq!(tracking_id_in("ta_tid=<script>", "ta_tid"), None);
/// ```
#[inline]
pub fn tracking_id_in<'a>(jar: &'a str, name: &'a str) -> Option<&'a str> {
    values_of(jar, name).find(|v| super::id::is_valid_id(v))
}

/// Calls `each` with the value of every cookie called `name` in a request's `Cookie` headers
/// (HTTP/2 may split the jar into several), in order, until it returns true; whether it did.
/// Each header is read with its bytes outside UTF-8 replaced, not refused whole: browsers
/// send other cookies' values as raw UTF-8 (`city=Zürich`), which is no reason to lose the id
/// beside them. The one reader of the header, for the server crate and the server-side hooks.
///
/// ```
/// use taapit_core::cookie::header_values;
/// let headers: [&[u8]; 2] = [b"a=1; ta_tid=x", b"city=Z\xfcrich; ta_tid=abc"];
/// let mut seen = Vec::new();
/// header_values(headers, "ta_tid", |value| {
///     seen.push(value.to_owned());
///     false
/// });
/// assert_eq!(seen, ["x", "abc"]);
/// ```
#[inline]
pub fn header_values<'h>(
    headers: impl IntoIterator<Item = &'h [u8]>,
    name: &str,
    mut each: impl FnMut(&str) -> bool,
) -> bool {
    for header in headers {
        let jar = String::from_utf8_lossy(header);
        for value in values_of(&jar, name) {
            if each(value) {
                return true;
            }
        }
    }
    false
}

/// The tracking id in a request's `Cookie` headers: the first valid value of a cookie called
/// `name` ([`header_values`], [`tracking_id_in`]).
///
/// ```
/// use taapit_core::cookie::tracking_id_in_headers;
/// let headers: [&[u8]; 2] = [b"ta_tid=a b", b"ta_tid=abc"];
/// assert_eq!(tracking_id_in_headers(headers, "ta_tid").as_deref(), Some("abc"));
/// ```
#[inline]
pub fn tracking_id_in_headers<'h>(
    headers: impl IntoIterator<Item = &'h [u8]>,
    name: &str,
) -> Option<String> {
    let mut found = None;
    header_values(headers, name, |value| {
        if super::id::is_valid_id(value) {
            found = Some(value.to_owned());
        }
        found.is_some()
    });
    found
}

/// Whether `name` can be a cookie name (an RFC 6265 token).
#[inline]
pub fn is_valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && all_bytes(name.as_bytes(), |b| {
            // `matches!` compiles to a bit test; `b"!#$…".contains(&b)`, to a loop.
            b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'!' | b'#'
                        | b'$'
                        | b'%'
                        | b'&'
                        | b'\''
                        | b'*'
                        | b'+'
                        | b'-'
                        | b'.'
                        | b'^'
                        | b'_'
                        | b'`'
                        | b'|'
                        | b'~'
                )
        })
}

/// Appends `n` in decimal.
#[inline]
pub fn push_u64(s: &mut String, n: u64) {
    // Most significant digit first, by recursion (at most 20 deep): no digit buffer to index,
    // so no bounds check (and its panic path) in the `.wasm`.
    if n >= 10 {
        push_u64(s, n / 10);
    }
    s.push(char::from(b'0' + (n % 10) as u8));
}

#[inline]
fn push_2(s: &mut String, n: u64) {
    s.push((b'0' + (n / 10 % 10) as u8) as char);
    s.push((b'0' + (n % 10) as u8) as char);
}

/// Appends the IMF-fixdate of Unix time `secs` (`Thu, 01 Jan 1970 00:00:00 GMT`).
#[inline]
pub fn push_http_date(s: &mut String, secs: u64) {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = secs / 86_400;
    let (year, month, day) = civil_from_days(days);
    s.push_str(DAYS[(days % 7) as usize]);
    s.push_str(", ");
    push_2(s, day);
    s.push(' ');
    s.push_str(MONTHS[(month - 1) as usize % 12]);
    s.push(' ');
    push_u64(s, year);
    s.push(' ');
    let rem = secs % 86_400;
    push_2(s, rem / 3600);
    s.push(':');
    push_2(s, rem / 60 % 60);
    s.push(':');
    push_2(s, rem % 60);
    s.push_str(" GMT");
}

/// (year, month 1–12, day 1–31) of a day count since 1970-01-01 (Howard Hinnant's algorithm).
#[inline]
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    extern crate std;

    use super::*;
    use crate::SameSite;
    use std::format;
    use std::prelude::rust_2021::*;

    #[test]
    fn http_dates_match_known_dates() {
        let cases = [
            (0, "Thu, 01 Jan 1970 00:00:00 GMT"),
            (86_399, "Thu, 01 Jan 1970 23:59:59 GMT"),
            (86_400, "Fri, 02 Jan 1970 00:00:00 GMT"),
            (68_169_600, "Tue, 29 Feb 1972 00:00:00 GMT"),
            (946_684_799, "Fri, 31 Dec 1999 23:59:59 GMT"),
            (946_684_800, "Sat, 01 Jan 2000 00:00:00 GMT"),
            (951_782_400, "Tue, 29 Feb 2000 00:00:00 GMT"),
            (1_234_567_890, "Fri, 13 Feb 2009 23:31:30 GMT"),
            (1_700_000_000, "Tue, 14 Nov 2023 22:13:20 GMT"),
            (1_707_776_000, "Mon, 12 Feb 2024 22:13:20 GMT"),
            (1_709_164_800, "Thu, 29 Feb 2024 00:00:00 GMT"),
            (4_107_456_000, "Sun, 28 Feb 2100 00:00:00 GMT"),
            (4_107_542_400, "Mon, 01 Mar 2100 00:00:00 GMT"),
            (253_402_300_799, "Fri, 31 Dec 9999 23:59:59 GMT"),
        ];
        for (secs, expected) in cases {
            let mut s = String::new();
            push_http_date(&mut s, secs);
            assert_eq!(s, expected, "{secs}");
        }
    }

    #[test]
    fn push_u64_writes_decimal() {
        for n in [0u64, 7, 10, 86_400, 1_700_000_000_000, u64::MAX] {
            let mut s = String::from("x");
            push_u64(&mut s, n);
            assert_eq!(s, format!("x{n}"));
        }
    }

    #[test]
    fn set_cookie_builds_every_attribute_in_order() {
        let cookie = SetCookie::new("ta_tid", "abc").max_age(7_776_000, 1_700_000_000);
        assert_eq!(
            cookie.build(),
            "ta_tid=abc; Path=/; Max-Age=7776000; Expires=Mon, 12 Feb 2024 22:13:20 GMT; SameSite=Lax"
        );
        let cookie = SetCookie::new("ta_tid", "abc")
            .domain(Some("example.co.uk"))
            .max_age(86_400, 1_700_000_000)
            .same_site(SameSite::None)
            .secure(true);
        assert_eq!(
            cookie.to_string(),
            "ta_tid=abc; Path=/; Domain=example.co.uk; Max-Age=86400; \
             Expires=Wed, 15 Nov 2023 22:13:20 GMT; SameSite=None; Secure"
        );
    }

    #[test]
    fn removal_expires_at_the_epoch() {
        assert_eq!(
            SetCookie::removal("ta_tid", Some("example.com")).build(),
            "ta_tid=; Path=/; Domain=example.com; Max-Age=0; \
             Expires=Thu, 01 Jan 1970 00:00:00 GMT; SameSite=Lax"
        );
        assert_eq!(
            SetCookie::removal("ta_tid", None).secure(true).build(),
            "ta_tid=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; SameSite=Lax; Secure"
        );
    }

    #[test]
    fn values_of_reads_document_cookie_lists() {
        let jar = " a=1;ta_tid = abc ; junk; ta_tid=\"def\"; xta_tid=no; ta_tid_probe=no; ta_tid=a=b; ta_tid=";
        assert_eq!(
            values_of(jar, "ta_tid").collect::<Vec<_>>(),
            ["abc", "def", "a=b", ""]
        );
        assert_eq!(values_of("", "ta_tid").count(), 0);
        assert_eq!(values_of("ta_tid", "ta_tid").count(), 0);
        assert_eq!(values_of("ta_tid=\"", "ta_tid").collect::<Vec<_>>(), ["\""]);
    }

    #[test]
    fn cookie_names_are_rfc_tokens() {
        assert!(is_valid_name("ta_tid"));
        assert!(is_valid_name(&"n".repeat(64)));
        for bad in ["", "a b", "a;b", "a=b", "a,b", "é", "a\"b", "a(b"] {
            assert!(!is_valid_name(bad), "{bad:?}");
        }
        assert!(!is_valid_name(&"n".repeat(65)));
    }
}
