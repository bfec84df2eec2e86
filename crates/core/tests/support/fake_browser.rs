//! A page whose cookie jar behaves like a browser's, for running the capture rules natively.
//!
//! The jar follows RFC 6265 the way current browsers apply it to `document.cookie`:
//! - the assigned string is parsed as a `Set-Cookie` header (`name=value; Path; Domain;
//!   Max-Age; Expires; SameSite; Secure`), with `Max-Age` winning over `Expires` and
//!   lifetimes capped at 400 days;
//! - a cookie without `Domain` is host-only; a `Domain` the host does not domain-match, or
//!   that is a public suffix (other than the host itself), makes the browser drop the cookie;
//! - cookies are keyed by (name, domain, host-only, path): a host-only `ta_tid` and a
//!   `Domain=example.com` `ta_tid` on `example.com` are two cookies, as in Chrome and Firefox;
//! - `Secure` from an `http:` page, and `SameSite=None` without `Secure`, are refused; an
//!   `http:` page cannot overwrite a `Secure` cookie; a `__Secure-` name without `Secure`, and
//!   a `__Host-` name without `Secure`, with a `Domain` or another path, are refused;
//! - `Max-Age<=0` (or an `Expires` in the past) deletes;
//! - reading gives the visible cookies as `name=value; name2=value2`, longest path first,
//!   then oldest first.
//!
//! It also has a `localStorage`, a clock, an address bar (`replace_url`) and a console.

use std::cell::RefCell;
use std::collections::HashMap;

use taapit_core::capture::{Location, Page};

/// The time every fake page starts at: Tue, 14 Nov 2023 22:13:20 GMT.
pub const T0_MS: u64 = 1_700_000_000_000;
/// One day in milliseconds.
pub const DAY_MS: u64 = 86_400_000;
/// Browsers cap a cookie's lifetime at 400 days.
pub const MAX_LIFETIME_MS: u64 = 400 * DAY_MS;

/// The public suffixes this fake browser knows (a small part of the real list).
pub const PUBLIC_SUFFIXES: &[&str] = &[
    "com",
    "net",
    "org",
    "io",
    "dev",
    "app",
    "de",
    "fr",
    "jp",
    "co.jp",
    "au",
    "com.au",
    "uk",
    "co.uk",
    "org.uk",
    "ac.uk",
    "test",
    "example",
    "localhost",
    "github.io",
    "gitlab.io",
    "vercel.app",
    "netlify.app",
    "pages.dev",
    "herokuapp.com",
    "blogspot.com",
];

/// Whether `domain` is on [`PUBLIC_SUFFIXES`].
pub fn is_public_suffix(domain: &str) -> bool {
    PUBLIC_SUFFIXES.contains(&domain)
}

/// What `document.cookie` does on this page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CookieMode {
    /// A normal jar.
    Enabled,
    /// `document.cookie` throws (sandboxed iframe, `file:`): the getter gives `None` and the
    /// setter reports failure.
    Unavailable,
    /// Cookies blocked by the visitor's settings: reads give `""`, writes are silently
    /// ignored.
    Ignored,
    /// A browser (privacy mode, extension) that drops every cookie with a `Domain` attribute
    /// but keeps host-only ones.
    DomainRefused,
    /// A consent manager's `document.cookie` wrapper that drops every write: reads show the
    /// jar as it was.
    WritesDropped,
    /// A tracking-cookie filter (an extension) that refuses every value written to `ta_tid`
    /// and lets removals and cookies of other names through.
    TrackingCookieRefused,
}

/// One `Set-Cookie` string, parsed the way a browser parses it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetCookieLine {
    /// The cookie name.
    pub name: String,
    /// The cookie value, verbatim.
    pub value: String,
    /// `Path`, when it starts with `/`.
    pub path: Option<String>,
    /// `Domain`, lower case, without its leading dot.
    pub domain: Option<String>,
    /// `Max-Age`, in seconds.
    pub max_age: Option<i64>,
    /// `Expires`, as written.
    pub expires: Option<String>,
    /// `SameSite`: `"Lax"`, `"Strict"` or `"None"`.
    pub same_site: Option<&'static str>,
    /// `Secure`.
    pub secure: bool,
    /// `HttpOnly` (which `document.cookie` may not set).
    pub http_only: bool,
}

/// Parses a `Set-Cookie` string; `None` when it has no `name=value` pair.
pub fn parse_set_cookie(line: &str) -> Option<SetCookieLine> {
    let mut parts = line.split(';');
    let (name, value) = parts.next()?.split_once('=')?;
    let name = name.trim();
    if name.is_empty() {
        return None;
    }
    let mut cookie = SetCookieLine {
        name: name.to_owned(),
        value: value.trim().to_owned(),
        path: None,
        domain: None,
        max_age: None,
        expires: None,
        same_site: None,
        secure: false,
        http_only: false,
    };
    for attribute in parts {
        let (key, value) = attribute.split_once('=').unwrap_or((attribute, ""));
        let value = value.trim();
        match key.trim().to_ascii_lowercase().as_str() {
            "path" if value.starts_with('/') => cookie.path = Some(value.to_owned()),
            "path" => cookie.path = None,
            "domain" => {
                let domain = value.trim_start_matches('.').to_ascii_lowercase();
                if !domain.is_empty() {
                    cookie.domain = Some(domain);
                }
            }
            "max-age" => {
                if let Some(age) = parse_max_age(value) {
                    cookie.max_age = Some(age);
                }
            }
            "expires" => cookie.expires = Some(value.to_owned()),
            "samesite" => {
                cookie.same_site = match value.to_ascii_lowercase().as_str() {
                    "lax" => Some("Lax"),
                    "strict" => Some("Strict"),
                    "none" => Some("None"),
                    _ => cookie.same_site,
                }
            }
            "secure" => cookie.secure = true,
            "httponly" => cookie.http_only = true,
            _ => {}
        }
    }
    Some(cookie)
}

/// RFC 6265 §5.2.2: an optional `-` then digits; anything else is ignored.
fn parse_max_age(text: &str) -> Option<i64> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(text.parse().unwrap_or(if text.starts_with('-') {
        i64::MIN
    } else {
        i64::MAX
    }))
}

const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Days since 1970-01-01 of a civil date (an independent implementation, for checking).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(year: i64, month: i64) -> i64 {
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Unix seconds of a strict IMF-fixdate (`Tue, 14 Nov 2023 22:13:20 GMT`). `None` when the
/// text is not exactly in that form, names a day that does not exist, or its weekday is wrong.
pub fn http_date_secs(text: &str) -> Option<u64> {
    let fields: Vec<&str> = text.split(' ').collect();
    let [weekday, day, month, year, time, "GMT"] = fields[..] else {
        return None;
    };
    let weekday = weekday.strip_suffix(',')?;
    let number = |s: &str, len: usize| -> Option<i64> {
        (s.len() == len && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok())?
    };
    let day = number(day, 2)?;
    let month = MONTHS.iter().position(|m| *m == month)? as i64 + 1;
    let year = number(year, 4)?;
    let clock: Vec<&str> = time.split(':').collect();
    let [h, m, s] = clock[..] else {
        return None;
    };
    let (h, m, s) = (number(h, 2)?, number(m, 2)?, number(s, 2)?);
    if year < 1970 || day < 1 || day > days_in_month(year, month) || h > 23 || m > 59 || s > 59 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    if WEEKDAYS[days.rem_euclid(7) as usize] != weekday {
        return None;
    }
    u64::try_from(days * 86_400 + h * 3600 + m * 60 + s).ok()
}

/// A cookie in the jar, with every attribute the browser keeps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredCookie {
    /// The name.
    pub name: String,
    /// The value.
    pub value: String,
    /// The host (host-only) or the `Domain` attribute.
    pub domain: String,
    /// No `Domain` attribute: sent to this exact host only.
    pub host_only: bool,
    /// The path.
    pub path: String,
    /// When it expires (Unix ms); `None` for a session cookie.
    pub expires_ms: Option<u64>,
    /// `Secure`.
    pub secure: bool,
    /// `SameSite` as written (`None` when absent: browsers then apply `Lax`).
    pub same_site: Option<&'static str>,
    created: u64,
}

impl StoredCookie {
    fn same_key(&self, other: &StoredCookie) -> bool {
        self.name == other.name
            && self.domain == other.domain
            && self.host_only == other.host_only
            && self.path == other.path
    }

    fn alive_at(&self, now_ms: u64) -> bool {
        self.expires_ms.map_or(true, |e| e > now_ms)
    }
}

fn is_ip(host: &str) -> bool {
    host.starts_with('[')
        || (host.split('.').count() == 4
            && host
                .split('.')
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())))
}

/// RFC 6265 §5.1.3.
pub fn domain_matches(host: &str, domain: &str) -> bool {
    host == domain
        || (!is_ip(host)
            && host.len() > domain.len()
            && host.ends_with(domain)
            && host.as_bytes()[host.len() - domain.len() - 1] == b'.')
}

/// RFC 6265 §5.1.4.
fn path_matches(request: &str, cookie: &str) -> bool {
    request == cookie
        || (request.starts_with(cookie)
            && (cookie.ends_with('/') || request[cookie.len()..].starts_with('/')))
}

/// RFC 6265 §5.1.4: the directory of the request path.
fn default_path(request: &str) -> String {
    match request.rfind('/') {
        Some(i) if request.starts_with('/') && i > 0 => request[..i].to_owned(),
        _ => "/".to_owned(),
    }
}

/// Splits `path?search#hash` the way `location` reports it (`"?"` alone gives `""`).
fn split_address(address: &str) -> (String, String, String) {
    let (rest, hash) = match address.find('#') {
        Some(i) => (&address[..i], &address[i..]),
        None => (address, ""),
    };
    let (path, search) = match rest.find('?') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let path = if path.is_empty() { "/" } else { path };
    let search = if search == "?" { "" } else { search };
    let hash = if hash == "#" { "" } else { hash };
    (path.to_owned(), search.to_owned(), hash.to_owned())
}

/// A fake browser tab: address, cookie jar, `localStorage`, clock, history and console.
#[derive(Debug)]
pub struct FakeBrowser {
    location: Location,
    cookie_mode: CookieMode,
    storage_available: bool,
    replace_fails: bool,
    jar: Vec<StoredCookie>,
    storage: HashMap<String, String>,
    now_ms: u64,
    next_created: u64,
    writes: Vec<String>,
    replaced: Vec<String>,
    logs: RefCell<Vec<String>>,
    /// The last [`Page::nonce`] given: each call gets the next number.
    nonces: std::cell::Cell<u64>,
    /// Another tab's write, applied right after this page's next value write of that cookie
    /// name (see [`FakeBrowser::another_tab_writes_after`]).
    interleaved: Option<(String, String)>,
}

impl FakeBrowser {
    /// A tab showing `url` (`https://shop.example.com/landing?ta_tid=abc#top`) at [`T0_MS`].
    /// A `file:` URL has no host and no cookies.
    pub fn new(url: &str) -> Self {
        let mut browser = FakeBrowser {
            location: Location::default(),
            cookie_mode: CookieMode::Enabled,
            storage_available: true,
            replace_fails: false,
            jar: Vec::new(),
            storage: HashMap::new(),
            now_ms: T0_MS,
            nonces: std::cell::Cell::new(0),
            interleaved: None,
            next_created: 0,
            writes: Vec::new(),
            replaced: Vec::new(),
            logs: RefCell::new(Vec::new()),
        };
        browser.navigate(url);
        browser
    }

    /// Loads `url` in the same browser profile: the jar and `localStorage` are kept.
    pub fn navigate(&mut self, url: &str) {
        let (scheme, rest) = url.split_once("://").expect("absolute URL");
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let authority = &rest[..end];
        let host = if authority.starts_with('[') {
            let close = authority.find(']').expect("closing bracket");
            &authority[..=close]
        } else {
            authority.split(':').next().unwrap_or("")
        };
        let (path, search, hash) = split_address(&rest[end..]);
        self.location = Location {
            host: host.to_ascii_lowercase(),
            path,
            search,
            hash,
            https: scheme.eq_ignore_ascii_case("https"),
        };
        if scheme.eq_ignore_ascii_case("file") {
            self.cookie_mode = CookieMode::Unavailable;
        }
    }

    /// The page address, to set `search` or `hash` to text no URL parser would produce.
    pub fn location_mut(&mut self) -> &mut Location {
        &mut self.location
    }

    /// The address bar, as `path?search#hash`.
    pub fn address(&self) -> String {
        let l = &self.location;
        format!("{}{}{}", l.path, l.search, l.hash)
    }

    /// Changes how `document.cookie` behaves.
    pub fn set_cookie_mode(&mut self, mode: CookieMode) {
        self.cookie_mode = mode;
    }

    /// Makes `localStorage` available or not (private mode, storage disabled).
    pub fn set_storage_available(&mut self, available: bool) {
        self.storage_available = available;
    }

    /// Makes `history.replaceState` throw.
    pub fn set_replace_fails(&mut self, fails: bool) {
        self.replace_fails = fails;
    }

    /// Sets the clock (Unix ms).
    pub fn set_now_ms(&mut self, now_ms: u64) {
        self.now_ms = now_ms;
    }

    /// Moves the clock forward.
    pub fn advance_ms(&mut self, ms: u64) {
        self.now_ms += ms;
    }

    /// Stores a cookie as an earlier page would have written it (not recorded in
    /// [`writes`](Self::writes)). The browser rules apply, so it must be a cookie this page
    /// could set.
    pub fn plant_cookie(&mut self, set_cookie: &str) {
        let kept = self.store(set_cookie);
        assert!(
            kept,
            "the fake browser refused the planted cookie {set_cookie:?}"
        );
    }

    /// Another tab of the same profile writes `set_cookie` right after this page's next
    /// write of a value to the cookie `name`, before the page reads the jar again: the race
    /// of two tabs landing at once on two hosts of one site. (Not recorded in
    /// [`writes`](Self::writes); the browser rules of this page's host apply.)
    pub fn another_tab_writes_after(&mut self, name: &str, set_cookie: &str) {
        self.interleaved = Some((name.to_owned(), set_cookie.to_owned()));
    }

    /// Sets a `localStorage` item directly.
    pub fn plant_storage(&mut self, key: &str, value: &str) {
        self.storage.insert(key.to_owned(), value.to_owned());
    }

    /// A `localStorage` item, whether or not storage is currently available to the page.
    pub fn storage_item(&self, key: &str) -> Option<&str> {
        self.storage.get(key).map(String::as_str)
    }

    /// Every unexpired cookie in the jar, visible to this page or not.
    pub fn jar(&self) -> Vec<&StoredCookie> {
        self.jar
            .iter()
            .filter(|c| c.alive_at(self.now_ms))
            .collect()
    }

    /// Every unexpired cookie called `name` in the jar.
    pub fn stored(&self, name: &str) -> Vec<&StoredCookie> {
        self.jar().into_iter().filter(|c| c.name == name).collect()
    }

    /// The only unexpired cookie called `name`; panics when there are none or several.
    pub fn only(&self, name: &str) -> &StoredCookie {
        let stored = self.stored(name);
        assert_eq!(
            stored.len(),
            1,
            "expected one {name} cookie, jar: {stored:#?}"
        );
        stored[0]
    }

    /// The values of `name` that `document.cookie` shows this page, in its order.
    pub fn visible_values(&self, name: &str) -> Vec<String> {
        self.visible()
            .into_iter()
            .filter(|c| c.name == name)
            .map(|c| c.value.clone())
            .collect()
    }

    /// Every string assigned to `document.cookie`, in order (planted cookies excluded).
    pub fn writes(&self) -> &[String] {
        &self.writes
    }

    /// The writes whose cookie is called `name`.
    pub fn writes_of(&self, name: &str) -> Vec<SetCookieLine> {
        self.writes
            .iter()
            .filter_map(|w| parse_set_cookie(w))
            .filter(|c| c.name == name)
            .collect()
    }

    /// The writes that set `name` to a value (not deletions).
    pub fn value_writes_of(&self, name: &str) -> Vec<SetCookieLine> {
        self.writes_of(name)
            .into_iter()
            .filter(|c| c.max_age.map_or(true, |a| a > 0))
            .collect()
    }

    /// Forgets the recorded writes.
    pub fn clear_writes(&mut self) {
        self.writes.clear();
    }

    /// Every address given to `history.replaceState`.
    pub fn replaced_urls(&self) -> &[String] {
        &self.replaced
    }

    /// Every console line.
    pub fn logs(&self) -> Vec<String> {
        self.logs.borrow().clone()
    }

    /// Whether a console line contains `needle`.
    pub fn logged(&self, needle: &str) -> bool {
        self.logs.borrow().iter().any(|l| l.contains(needle))
    }

    fn visible(&self) -> Vec<&StoredCookie> {
        let l = &self.location;
        let mut visible: Vec<&StoredCookie> = self
            .jar
            .iter()
            .filter(|c| c.alive_at(self.now_ms))
            .filter(|c| {
                if c.host_only {
                    c.domain == l.host
                } else {
                    domain_matches(&l.host, &c.domain)
                }
            })
            .filter(|c| path_matches(&l.path, &c.path))
            .filter(|c| !c.secure || l.https)
            .collect();
        visible.sort_by(|a, b| {
            b.path
                .len()
                .cmp(&a.path.len())
                .then(a.created.cmp(&b.created))
        });
        visible
    }

    /// Applies a `Set-Cookie` string to the jar; `false` when the browser ignored it.
    fn store(&mut self, line: &str) -> bool {
        let Some(cookie) = parse_set_cookie(line) else {
            return false;
        };
        let host = self.location.host.clone();
        let https = self.location.https;
        if cookie.http_only || host.is_empty() {
            return false;
        }
        if self.cookie_mode == CookieMode::TrackingCookieRefused
            && cookie.name == "ta_tid"
            && cookie.max_age != Some(0)
        {
            return false;
        }
        let (domain, host_only) = match cookie.domain {
            None => (host.clone(), true),
            Some(_) if self.cookie_mode == CookieMode::DomainRefused => return false,
            Some(d) if is_public_suffix(&d) => {
                if d == host {
                    (host.clone(), true)
                } else {
                    return false;
                }
            }
            Some(d) if domain_matches(&host, &d) => (d, false),
            Some(_) => return false,
        };
        if cookie.secure && !https {
            return false;
        }
        if cookie.same_site == Some("None") && !cookie.secure {
            return false;
        }
        // Cookie prefixes (RFC 6265bis §4.1.3): `__Secure-` needs `Secure`, `__Host-` also
        // no `Domain` and `Path=/`.
        if cookie.name.starts_with("__Secure-") && !cookie.secure {
            return false;
        }
        if cookie.name.starts_with("__Host-")
            && (!cookie.secure || !host_only || cookie.path.as_deref() != Some("/"))
        {
            return false;
        }
        let path = cookie
            .path
            .clone()
            .unwrap_or_else(|| default_path(&self.location.path));
        let now = self.now_ms;
        let expires_ms = match (
            cookie.max_age,
            cookie.expires.as_deref().map(http_date_lenient),
        ) {
            (Some(age), _) if age <= 0 => Some(0),
            (Some(age), _) => Some(now.saturating_add((age as u64).saturating_mul(1000))),
            (None, Some(Some(secs))) => Some(secs.saturating_mul(1000)),
            (None, _) => None,
        }
        .map(|e| e.min(now + MAX_LIFETIME_MS));
        // Strict secure cookies: an insecure page may not touch a Secure cookie of that name.
        if !https
            && self.jar.iter().any(|c| {
                c.secure
                    && c.name == cookie.name
                    && c.alive_at(now)
                    && (domain_matches(&c.domain, &domain) || domain_matches(&domain, &c.domain))
                    && path_matches(&path, &c.path)
            })
        {
            return false;
        }
        let new = StoredCookie {
            name: cookie.name,
            value: cookie.value,
            domain,
            host_only,
            path,
            expires_ms,
            secure: cookie.secure,
            same_site: cookie.same_site,
            created: self.next_created,
        };
        let existing = self.jar.iter().position(|c| c.same_key(&new));
        if expires_ms.is_some_and(|e| e <= now) {
            if let Some(i) = existing {
                self.jar.remove(i);
            }
            return true;
        }
        match existing {
            Some(i) => {
                let created = self.jar[i].created;
                self.jar[i] = StoredCookie { created, ..new };
            }
            None => {
                self.next_created += 1;
                self.jar.push(new);
            }
        }
        true
    }
}

/// `Expires` as a browser reads it: the weekday is not checked.
fn http_date_lenient(text: &str) -> Option<u64> {
    let (_, rest) = text.split_once(", ")?;
    WEEKDAYS
        .iter()
        .find_map(|w| http_date_secs(&format!("{w}, {rest}")))
}

impl Page for FakeBrowser {
    fn location(&self) -> Location {
        self.location.clone()
    }

    fn cookies(&self) -> Option<String> {
        match self.cookie_mode {
            CookieMode::Unavailable => None,
            CookieMode::Ignored => Some(String::new()),
            CookieMode::Enabled
            | CookieMode::DomainRefused
            | CookieMode::WritesDropped
            | CookieMode::TrackingCookieRefused => Some(
                self.visible()
                    .iter()
                    .map(|c| format!("{}={}", c.name, c.value))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
        }
    }

    fn set_cookie(&mut self, cookie: &str) -> bool {
        self.writes.push(cookie.to_owned());
        match self.cookie_mode {
            CookieMode::Unavailable => false,
            CookieMode::Ignored | CookieMode::WritesDropped => true,
            CookieMode::Enabled | CookieMode::DomainRefused | CookieMode::TrackingCookieRefused => {
                self.store(cookie);
                // The name of a value write (a removal has `Max-Age=0`): another tab's write
                // waiting on it lands now.
                let written = parse_set_cookie(cookie)
                    .filter(|c| c.max_age != Some(0))
                    .map(|c| c.name);
                if let Some((_, line)) = self
                    .interleaved
                    .take_if(|(name, _)| written.as_ref() == Some(name))
                {
                    assert!(
                        self.store(&line),
                        "the other tab's write was refused: {line}"
                    );
                }
                true
            }
        }
    }

    fn storage_get(&self, key: &str) -> Option<String> {
        if !self.storage_available {
            return None;
        }
        self.storage.get(key).cloned()
    }

    fn storage_set(&mut self, key: &str, value: &str) -> bool {
        if !self.storage_available {
            return false;
        }
        self.storage.insert(key.to_owned(), value.to_owned());
        true
    }

    fn storage_remove(&mut self, key: &str) {
        if self.storage_available {
            self.storage.remove(key);
        }
    }

    fn replace_url(&mut self, url: &str) -> bool {
        self.replaced.push(url.to_owned());
        if self.replace_fails {
            return false;
        }
        let (path, search, hash) = split_address(url);
        self.location.path = path;
        self.location.search = search;
        self.location.hash = hash;
        true
    }

    fn nonce(&self) -> String {
        self.nonces.set(self.nonces.get() + 1);
        self.nonces.get().to_string()
    }

    fn now_ms(&self) -> u64 {
        self.now_ms
    }

    fn log(&self, message: &str) {
        self.logs.borrow_mut().push(message.to_owned());
    }
}
