//! The capture rules: what to read, what to write, what to return.
//!
//! The rules run against [`Page`], the few things a page can do (read the URL, read and
//! write `document.cookie`, use `localStorage`, replace the address). The browser shell
//! implements it with web-sys; the native tests implement it with a fake jar that behaves
//! like a browser's, so every rule here is checked both ways.

use crate::prelude::*;

use super::cookie::SameSite;
use super::cookie::{tracking_id_in, values_of, SetCookie};
use super::domain::{candidates, covers, host_kind, HostKind};
use super::mirror;
use super::note::Note;
use super::options::{Consent, DomainOption, Options};
use super::query::{find_id, strip_params, UrlPart};

/// The parts of the page address the rules look at.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Location {
    /// `location.hostname`: lower case, IPv6 in brackets.
    pub host: String,
    /// `location.pathname`.
    pub path: String,
    /// `location.search`, with its `?`.
    pub search: String,
    /// `location.hash`, with its `#`.
    pub hash: String,
    /// Whether the page is on `https:`.
    pub https: bool,
}

/// What the rules need from a page. Every method reports failure instead of throwing.
pub trait Page {
    /// The page address.
    fn location(&self) -> Location;
    /// `document.cookie`, or `None` when cookies cannot be read (sandboxed frame, `file:`).
    fn cookies(&self) -> Option<String>;
    /// Assigns `document.cookie`; `false` when that threw.
    fn set_cookie(&mut self, cookie: &str) -> bool;
    /// `localStorage.getItem`, `None` when absent or unavailable.
    fn storage_get(&self, key: &str) -> Option<String>;
    /// `localStorage.setItem`; `false` when unavailable or full.
    fn storage_set(&mut self, key: &str, value: &str) -> bool;
    /// `localStorage.removeItem`.
    fn storage_remove(&mut self, key: &str);
    /// `history.replaceState` to `url` (path, query and hash).
    fn replace_url(&mut self, url: &str) -> bool;
    /// The time, as Unix milliseconds.
    fn now_ms(&self) -> u64;
    /// Writes a debug line to the console.
    fn log(&self, message: &str);
    /// Reports `note` with its details (with `debug`): by default the line
    /// `[taapit] <the note's words>` through [`log`](Self::log); the shipped `.wasm` hands the
    /// code and the details to its loader instead, so that the words are no bytes of it.
    #[inline]
    fn note(&self, note: Note, details: &[&str]) {
        self.log(&super::text::concat(&["[taapit] ", &note.fill(details)]));
    }
    /// `location.hostname` alone: a link click needs none of the other location texts.
    #[inline]
    fn hostname(&self) -> String {
        self.location().host
    }
    /// A text no other page's call has at the same time (random digits): it names the
    /// domain probe cookie, so two pages of one site probing at once (two tabs landing on
    /// two hosts) never read, overwrite or remove each other's probe.
    fn nonce(&self) -> String;
    /// Appends the IMF-fixdate of Unix time `secs`, for a cookie's `Expires`: by default
    /// [`push_http_date`](super::cookie::push_http_date); the shipped `.wasm` asks the
    /// browser's `Date` instead, which saves the `.wasm` the calendar code.
    #[inline]
    fn push_http_date(&self, out: &mut String, secs: u64) {
        super::cookie::push_http_date(out, secs);
    }
}

/// Assigns `cookie` to `document.cookie`, its `Expires` written by the page.
#[inline]
fn write_cookie(page: &mut impl Page, cookie: SetCookie) {
    let text = cookie.build_with(|out, secs| page.push_http_date(out, secs));
    page.set_cookie(&text);
}

/// Where the id returned by a capture came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// `location.search`.
    Search,
    /// The query part of `location.hash`.
    Hash,
    /// Already stored before this capture (cookie or mirror).
    Stored,
}

impl Source {
    /// `"search"`, `"hash"` or `"stored"`.
    #[inline]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Search => "search",
            Self::Hash => "hash",
            Self::Stored => "stored",
        }
    }
}

impl From<UrlPart> for Source {
    #[inline]
    fn from(part: UrlPart) -> Self {
        match part {
            UrlPart::Search => Self::Search,
            UrlPart::Hash => Self::Hash,
        }
    }
}

/// Where the id is kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Storage {
    /// The first-party cookie.
    Cookie,
    /// The `localStorage` mirror (cookies unavailable).
    LocalStorage,
    /// Only in memory, for the life of the page (consent pending, or nothing else works).
    Memory,
}

impl Storage {
    /// `"cookie"`, `"localStorage"` or `"memory"`.
    #[inline]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cookie => "cookie",
            Self::LocalStorage => "localStorage",
            Self::Memory => "memory",
        }
    }
}

/// What a capture did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Capture {
    /// The tracking id now in effect, if any.
    pub tracking_id: Option<String>,
    /// Where it came from.
    pub source: Option<Source>,
    /// Where it is kept.
    pub storage: Option<Storage>,
    /// The cookie's `Domain` when this call wrote one (`None`: host-only, or not written).
    pub domain: Option<String>,
    /// When the kept id expires (Unix milliseconds): what this call wrote, or the mirror's
    /// expiry for an id read back from it; `None` when unknown (a stored cookie, memory).
    pub expires_at_ms: Option<u64>,
}

/// What the module remembers for the life of the page.
#[derive(Clone, Debug, Default)]
pub struct Session {
    /// The options of the last capture (defaults before the first).
    pub options: Options,
    /// The id captured on this page: the last resort of [`tracking_id`].
    pub captured: Option<String>,
    /// An id held in memory until consent is granted.
    pub held: Option<(String, Source)>,
    /// Consent was revoked on this page: later captures keep ids in memory until it is granted.
    pub revoked: bool,
    /// `strip_param` waits for consent: the address keeps the held id until it is stored.
    pub strip_pending: bool,
}

/// With `debug`, reports `note` with `detail` (an id, a name, a domain, or nothing) to the
/// page ([`Page::note`]; the README's "What `debug` says" explains each).
#[inline]
fn debug(page: &impl Page, options: &Options, note: Note, detail: &str) {
    if options.debug {
        page.note(note, &[detail]);
    }
}

/// Runs the capture rules on `page` and remembers the outcome in `session`.
#[inline]
pub fn capture(page: &mut impl Page, session: &mut Session, options: &Options) -> Capture {
    capture_owned(page, session, options.clone())
}

/// [`capture`] with options the caller gives away: the JS export reads a fresh `Options`
/// and moves it into the session, so no `Options::clone` is in the `.wasm`.
#[inline]
pub fn capture_owned(page: &mut impl Page, session: &mut Session, options: Options) -> Capture {
    session.options = options;
    // A strip that waited for consent belongs to the capture before: this one decides again.
    session.strip_pending = false;
    if session.revoked {
        session.options.consent = Consent::Pending;
    }
    let options = &session.options;
    let location = page.location();
    let found = find_id(&location.search, &location.hash, &options.params);
    if found.rejected > 0 {
        debug(page, options, Note::InvalidId, "");
    }
    let Some((id, part)) = found.id else {
        // Nothing valid to keep: any tracking parameter can leave the address at once.
        if options.strip_param {
            strip_address(page, options, &location);
        }
        return stored_or_captured(page, session);
    };
    let outcome = decide(page, session, &location, id, part.into());
    if session.options.strip_param {
        if kept_beyond_page(&outcome) {
            strip_address(page, &session.options, &location);
        } else if session.held.is_some() {
            // Consent pending: the address keeps the id until grantConsent() stores it.
            session.strip_pending = true;
        }
        // Otherwise the id lives only in memory: a reload must still find it in the URL.
    }
    outcome
}

/// Whether the outcome's id survives a reload (cookie or mirror).
#[inline]
fn kept_beyond_page(outcome: &Capture) -> bool {
    matches!(
        outcome.storage,
        Some(Storage::Cookie | Storage::LocalStorage)
    )
}

/// Removes the tracking parameters from the address bar, keeping the rest of the address.
#[inline]
fn strip_address(page: &mut impl Page, options: &Options, location: &Location) {
    let Some(url) = strip_params(
        &location.path,
        &location.search,
        &location.hash,
        &options.params,
    ) else {
        return;
    };
    if !page.replace_url(&url) {
        debug(page, options, Note::StripFailed, "");
    }
}

/// Stores `id` unless the attribution or consent rules say otherwise.
#[inline]
fn decide(
    page: &mut impl Page,
    session: &mut Session,
    location: &Location,
    id: String,
    source: Source,
) -> Capture {
    // Borrowed field by field, not cloned: `captured` and `held` are set beside it.
    let options = &session.options;
    // The attribution rule (`Attribution::choose`): the URL's id wins unless a stored one
    // is kept.
    if options.attribution.keeps_stored() {
        if let Some(stored) = stored(page, options) {
            if stored.tracking_id.as_deref() != Some(&id) {
                debug(page, options, Note::FirstClickIgnored, &id);
            }
            session.held = None;
            // Kept in the mirror while cookies failed: move it to the cookie the backend
            // reads, now that cookies work (persist removes the mirror).
            if let (Some(Storage::LocalStorage), Some(kept)) = (stored.storage, &stored.tracking_id)
            {
                if page.cookies().is_some() && options.consent == Consent::Granted {
                    let kept = kept.clone();
                    return persist(page, options, location, kept, Source::Stored);
                }
            }
            return stored;
        }
        // Held in memory until consent: the visit's first id, kept as a stored one is. (A
        // grant comes with the id it held, taken out of `held`.)
        if let Some((first, first_source)) = session.held.as_ref().filter(|held| held.0 != id) {
            debug(page, options, Note::FirstClickIgnored, &id);
            return Capture {
                tracking_id: Some(first.clone()),
                source: Some(*first_source),
                storage: Some(Storage::Memory),
                ..Capture::default()
            };
        }
    }
    session.captured = Some(id.clone());
    if options.consent == Consent::Pending {
        debug(page, options, Note::ConsentPending, &id);
        session.held = Some((id.clone(), source));
        return Capture {
            tracking_id: Some(id),
            source: Some(source),
            storage: Some(Storage::Memory),
            ..Capture::default()
        };
    }
    session.held = None;
    persist(page, options, location, id, source)
}

/// The stored id (cookie, then mirror), else the one captured on this page.
#[inline]
fn stored_or_captured(page: &impl Page, session: &Session) -> Capture {
    stored(page, &session.options).unwrap_or_else(|| Capture {
        storage: session.captured.as_ref().map(|_| Storage::Memory),
        tracking_id: session.captured.clone(),
        ..Capture::default()
    })
}

/// The id already stored: a valid cookie, else an unexpired valid mirror.
#[inline]
fn stored(page: &impl Page, options: &Options) -> Option<Capture> {
    let name = options.valid_cookie_name();
    let from_cookie = page
        .cookies()
        .and_then(|jar| tracking_id_in(&jar, name).map(str::to_owned))
        .map(|id| (id, Storage::Cookie, None));
    let from_mirror = || {
        let text = page.storage_get(&mirror::key(name))?;
        let (id, expires) = mirror::decode(&text, page.now_ms())?;
        Some((id.to_owned(), Storage::LocalStorage, Some(expires)))
    };
    let (id, storage, expires_at_ms) =
        from_cookie.or_else(|| options.storage_fallback.then(from_mirror).flatten())?;
    Some(Capture {
        tracking_id: Some(id),
        source: Some(Source::Stored),
        storage: Some(storage),
        domain: None,
        expires_at_ms,
    })
}

/// The tracking id to report: a valid cookie, else an unexpired mirror, else the id captured
/// on this page. Never an invalid value.
#[inline]
pub fn tracking_id(page: &impl Page, session: &Session) -> Option<String> {
    stored_or_captured(page, session).tracking_id
}

/// Writes `id` to the cookie (or, failing that, the mirror) and reports where it went.
#[inline]
fn persist(
    page: &mut impl Page,
    options: &Options,
    location: &Location,
    id: String,
    source: Source,
) -> Capture {
    let name = options.valid_cookie_name();
    let now_ms = page.now_ms();
    let max_age = options.max_age_secs();
    let expires_at_ms = now_ms + max_age * 1000;
    let secure = options.secure.applies(location.https, options.same_site);
    if options.same_site == SameSite::None && !location.https {
        debug(page, options, Note::SameSiteNoneNeedsHttps, "");
    }
    let mut outcome = Capture {
        tracking_id: Some(id.clone()),
        source: Some(source),
        storage: Some(Storage::Memory),
        domain: None,
        expires_at_ms: None,
    };
    if let Some(before) = page.cookies() {
        let domain = cookie_domain(page, options, location, secure);
        let cookie = SetCookie::new(name, &id)
            .domain(domain.as_deref())
            .max_age(max_age, now_ms / 1000)
            .same_site(options.same_site)
            .secure(secure);
        write_cookie(page, cookie);
        // One read tells both whether the write shows and whether stale copies on other
        // levels are visible; only after expiring those is a second read needed. Copies of
        // the same id on other levels look like the new write, so when there were several,
        // a refused write only shows once they are expired. (With one such copy and a
        // refused write, the id is still kept, in that copy, but the reported domain and
        // expiry are those of the refused write.) `before`, read before the domain probes,
        // tells a write another page replaced from a refused one (see `visible`).
        let (mut count, mut kept) = visible(page, name, &id, Some(&before));
        if kept && must_expire_other_levels(count) {
            remove_levels(page, name, location, options, Some(domain.as_deref()));
            (count, kept) = visible(page, name, &id, Some(&before));
        }
        // `kept` also when another page replaced the write (see `visible`): the later
        // landing's id is then in effect, and no mirror of this one is left to outlive it.
        if kept {
            if count > 1 {
                debug(page, options, Note::ShadowedByOtherPath, name);
            }
            page.storage_remove(&mirror::key(name));
            outcome.storage = Some(Storage::Cookie);
            outcome.domain = domain;
            outcome.expires_at_ms = Some(expires_at_ms);
            return outcome;
        }
        debug(page, options, Note::CookieRefused, name);
    } else {
        debug(page, options, Note::CookiesUnavailable, "");
    }
    if options.storage_fallback {
        if page.storage_set(&mirror::key(name), &mirror::encode(&id, expires_at_ms)) {
            outcome.storage = Some(Storage::LocalStorage);
            outcome.expires_at_ms = Some(expires_at_ms);
            return outcome;
        }
        debug(page, options, Note::StorageUnavailable, "");
    } else {
        debug(page, options, Note::FallbackOff, "");
    }
    outcome
}

/// How many cookies called `name` the page sees, and whether the write of `value` went
/// through: one of them holds `value`, or, given the jar read `before` the call wrote
/// anything, one holds a value the jar did not hold then. In the second case another page of
/// the site (a second tab landing at the same moment on another host) replaced the cookie
/// between the write and this read: a refused write, and this call's own removals, only
/// leave values that were there before. (Counted, not collected: no list of strings to
/// build.)
#[inline]
fn visible(page: &impl Page, name: &str, value: &str, before: Option<&str>) -> (usize, bool) {
    let jar = page.cookies().unwrap_or_default();
    let (mut count, mut found) = (0, false);
    for v in values_of(&jar, name) {
        count += 1;
        found |= v == value || before.is_some_and(|old| !values_of(old, name).any(|o| o == v));
    }
    (count, found)
}

/// The `Domain` to write: `None` for host-only. `secure`: whether the cookie gets `Secure`
/// (the probes get it too).
#[inline]
fn cookie_domain(
    page: &mut impl Page,
    options: &Options,
    location: &Location,
    secure: bool,
) -> Option<String> {
    let host = location.host.as_str();
    match &options.domain {
        DomainOption::Host => None,
        DomainOption::Explicit(domain) if covers(domain, host) => {
            if host_kind(host) != HostKind::Named {
                None
            } else if accepts(page, options, domain, secure) {
                Some(domain.clone())
            } else {
                debug(page, options, Note::DomainRefused, domain);
                auto_domain(page, options, host, secure)
            }
        }
        DomainOption::Explicit(domain) => {
            debug(page, options, Note::HostNotUnder, domain);
            auto_domain(page, options, host, secure)
        }
        DomainOption::Auto => auto_domain(page, options, host, secure),
    }
}

/// The shortest candidate domain the browser accepts (the browser holds the public suffix list).
#[inline]
fn auto_domain(
    page: &mut impl Page,
    options: &Options,
    host: &str,
    secure: bool,
) -> Option<String> {
    candidates(host)
        .find(|domain| accepts(page, options, domain, secure))
        .map(str::to_owned)
}

/// Whether the browser keeps a cookie with `Domain=domain`: writes a short-lived probe
/// under a name of its own (the cookie name, `_p` and the page's [`Page::nonce`]),
/// reads it back and removes it. A fixed name would let a page probing at the same moment
/// overwrite or expire this one, and a domain the browser accepts would be taken as refused.
/// The probe is `Secure` when the cookie will be: a `__Secure-` name (which the probe's name
/// starts with too) is refused without it, and every domain would look refused.
#[inline]
fn accepts(page: &mut impl Page, options: &Options, domain: &str, secure: bool) -> bool {
    let nonce = page.nonce();
    let name = super::text::concat(&[options.valid_cookie_name(), "_p", &nonce]);
    let probe = SetCookie::new(&name, "1")
        .domain(Some(domain))
        .max_age(10, page.now_ms() / 1000)
        .secure(secure);
    write_cookie(page, probe);
    let kept = visible(page, &name, "1", None).1;
    if kept {
        write_cookie(page, SetCookie::removal(&name, Some(domain)).secure(secure));
    }
    kept
}

/// The `one copy` rule (ARCHITECTURE.md, "Capture rules"): after a write, exactly one cookie
/// of the id's name may be visible. `visible`: how many the page shows once the id is
/// written (the browser reads its jar again; a server predicts it with
/// [`visible_after_write`]). `true`: the copies on every other level must be expired
/// ([`cookie_levels`] but the one written).
///
/// ```
/// use taapit_core::capture::must_expire_other_levels;
/// assert!(!must_expire_other_levels(1));
/// assert!(must_expire_other_levels(2));
/// ```
#[inline]
pub fn must_expire_other_levels(visible: usize) -> bool {
    visible > 1
}

/// How many cookies called the id's name a page shows once `written` is written, from the
/// values it showed `before` the write: what a server knows (a request's `Cookie` header)
/// when it cannot read the jar after its response. A cookie header has no levels, so one copy
/// holding `written` is taken to be on the level written (replaced), every other copy to be on
/// another level (still visible). Feed it to [`must_expire_other_levels`].
///
/// ```
/// use taapit_core::capture::visible_after_write;
/// assert_eq!(visible_after_write([], "new"), 1);
/// assert_eq!(visible_after_write(["new"], "new"), 1);
/// assert_eq!(visible_after_write(["old"], "new"), 2);
/// assert_eq!(visible_after_write(["new", "new"], "new"), 2);
/// ```
#[inline]
pub fn visible_after_write<'a>(before: impl IntoIterator<Item = &'a str>, written: &str) -> usize {
    let (mut count, mut replaced) = (0, false);
    for value in before {
        count += 1;
        replaced |= value == written;
    }
    if replaced {
        count
    } else {
        count + 1
    }
}

/// Every level a copy of a cookie can have on `host`: host-only (`None`), each [`candidates`]
/// domain, then `explicit` (a `domain` option that covers the host). The one-copy rule
/// expires all of them but the one written. An explicit domain that is also a candidate comes
/// twice: expiring it twice is harmless, and cheaper in the `.wasm` than looking for it among
/// the candidates.
///
/// ```
/// use taapit_core::capture::cookie_levels;
/// let levels: Vec<_> = cookie_levels("app.example.com", None).collect();
/// assert_eq!(levels, [None, Some("example.com"), Some("app.example.com")]);
/// let levels: Vec<_> = cookie_levels("localhost", None).collect();
/// assert_eq!(levels, [None]);
/// ```
#[inline]
pub fn cookie_levels<'a>(
    host: &'a str,
    explicit: Option<&'a str>,
) -> impl Iterator<Item = Option<&'a str>> {
    core::iter::once(None).chain(candidates(host).chain(explicit).map(Some))
}

/// Expires the cookie on every `Domain` a copy of it could have on this host
/// ([`cookie_levels`], with the explicit domain option); all but `keep`, when given. One loop
/// for both callers, and no list of `Option<String>`.
#[inline]
fn remove_levels(
    page: &mut impl Page,
    name: &str,
    location: &Location,
    options: &Options,
    keep: Option<Option<&str>>,
) {
    let host = location.host.as_str();
    let explicit = match &options.domain {
        DomainOption::Explicit(domain) if covers(domain, host) => Some(domain.as_str()),
        _ => None,
    };
    for level in cookie_levels(host, explicit) {
        if Some(level) != keep {
            write_cookie(page, SetCookie::removal(name, level).secure(location.https));
        }
    }
}

/// Removes the id from every place it was kept: the cookie on every domain level, the mirror,
/// and memory.
#[inline]
pub fn clear(page: &mut impl Page, session: &mut Session) {
    let location = page.location();
    let options = &session.options;
    let name = options.valid_cookie_name();
    if page.cookies().is_some() {
        remove_levels(page, name, &location, options, None);
    }
    page.storage_remove(&mirror::key(name));
    session.captured = None;
    session.held = None;
    session.strip_pending = false;
}

/// Records consent and stores an id held back while it was pending.
#[inline]
pub fn grant_consent(page: &mut impl Page, session: &mut Session) -> Capture {
    session.options.consent = Consent::Granted;
    session.revoked = false;
    let Some((id, source)) = session.held.take() else {
        return stored_or_captured(page, session);
    };
    let location = page.location();
    let outcome = decide(page, session, &location, id, source);
    if session.strip_pending && kept_beyond_page(&outcome) {
        session.strip_pending = false;
        strip_address(page, &session.options, &location);
    }
    outcome
}

/// `href` with the id added when it is a link to one of the `outbound` hosts of the last
/// capture (see [`outbound`](super::outbound)); `None` when the link is left alone, when
/// consent is pending or revoked, or when there is no id. `link_host` is the link's host as
/// the browser's URL parser gives it, so the host checked is the one the browser will go to.
#[inline]
pub fn decorate_link(
    page: &impl Page,
    session: &Session,
    href: &str,
    link_host: &str,
) -> Option<String> {
    let options = &session.options;
    if options.outbound.is_empty() || options.consent == Consent::Pending {
        return None;
    }
    let id = tracking_id(page, session)?;
    let param = options
        .params
        .first()
        .map_or(super::options::DEFAULT_NAME, String::as_str);
    let current = page.hostname();
    super::outbound::decorate_link(href, link_host, &current, &options.outbound, param, &id)
}

/// Withdraws consent: clears the id everywhere, and keeps later captures on this page in memory.
#[inline]
pub fn revoke_consent(page: &mut impl Page, session: &mut Session) {
    clear(page, session);
    session.options.consent = Consent::Pending;
    session.revoked = true;
}
