//! The web-sys shell (feature `web`): the Rust API for Rust web apps, over the page. Each
//! page access catches what the browser throws (sandboxed frames, blocked storage, `file:`
//! pages) and reports it as a plain failure, so nothing escapes into the host page.

use js_sys::Reflect;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{HtmlDocument, Window};

use crate::core::capture::{self as rules, Capture, Location, Page, Session};
use crate::core::options::{DomainOption, Options};
use crate::core::outbound::parse_pattern;
use crate::prelude::*;

/// The current page, seen through `window`.
pub(crate) struct BrowserPage {
    window: Option<Window>,
}

impl BrowserPage {
    /// The page this code runs in (`window` may be absent, in a worker for instance).
    pub fn current() -> Self {
        BrowserPage {
            window: WINDOW.with(|w| w.clone().and_then(|w| w.dyn_into().ok())),
        }
    }

    fn document(&self) -> Option<HtmlDocument> {
        // `cookie` lives on every HTML document; no instanceof check is needed.
        Some(self.window.as_ref()?.document()?.unchecked_into())
    }

    fn storage(&self) -> Option<web_sys::Storage> {
        self.window.as_ref()?.local_storage().ok()?
    }
}

impl Page for BrowserPage {
    fn location(&self) -> Location {
        let Some(location) = self.window.as_ref().map(Window::location) else {
            return Location::default();
        };
        // One `Reflect.get` call site for the five fields instead of five getters, each
        // with its own copy of the string passing.
        let field = |name: &str| {
            Reflect::get(&location, &JsValue::from_str(name))
                .ok()
                .and_then(|value| value.as_string())
                .unwrap_or_default()
        };
        Location {
            host: field("hostname"),
            path: field("pathname"),
            search: field("search"),
            hash: field("hash"),
            https: field("protocol") == "https:",
        }
    }

    fn cookies(&self) -> Option<String> {
        self.document()?.cookie().ok()
    }

    fn set_cookie(&mut self, cookie: &str) -> bool {
        self.document()
            .is_some_and(|d| d.set_cookie(cookie).is_ok())
    }

    fn storage_get(&self, key: &str) -> Option<String> {
        self.storage()?.get_item(key).ok()?
    }

    fn storage_set(&mut self, key: &str, value: &str) -> bool {
        self.storage()
            .is_some_and(|s| s.set_item(key, value).is_ok())
    }

    fn storage_remove(&mut self, key: &str) {
        if let Some(storage) = self.storage() {
            let _ = storage.remove_item(key);
        }
    }

    fn replace_url(&mut self, url: &str) -> bool {
        let Some(history) = self.window.as_ref().and_then(|w| w.history().ok()) else {
            return false;
        };
        // Keep the router's state object: SPA routers store theirs in history.state.
        let state = history.state().unwrap_or(JsValue::NULL);
        history
            .replace_state_with_url(&state, "", Some(url))
            .is_ok()
    }

    fn now_ms(&self) -> u64 {
        js_sys::Date::now() as u64
    }

    fn nonce(&self) -> String {
        // 2^53 possible values: two pages landing together never draw the same.
        let mut nonce = String::new();
        crate::core::cookie::push_u64(&mut nonce, (js_sys::Math::random() * 9e15) as u64);
        nonce
    }

    fn log(&self, message: &str) {
        warn(message);
    }
}

#[wasm_bindgen]
extern "C" {
    // `window`, if there is one (not in a worker). `web_sys::window()` does the same
    // `instanceof Window` check on `js_sys::global()`, which first probes four globals.
    #[wasm_bindgen(thread_local_v2, js_name = window)]
    static WINDOW: Option<JsValue>;

    // `catch`: web-sys's `console::warn_1` lets through what a `console.warn` made to throw
    // (by a test setup that fails on warnings, say) throws, or a missing `console`. (And
    // this import is lighter than `js_sys::global()` + two `Reflect.get`s.)
    #[wasm_bindgen(catch, js_namespace = console, js_name = warn)]
    fn console_warn(message: &str) -> Result<(), JsValue>;
}

/// Writes `message` to the console as a warning, if the page lets it.
fn warn(message: &str) {
    let _ = console_warn(message);
}

/// Runs `f` with the current page and the page's session ([`crate::session::with_page`]).
fn with_page<R>(f: impl FnOnce(&mut BrowserPage, &mut Session) -> R) -> R {
    crate::session::with_page(BrowserPage::current(), f)
}

/// Reads the tracking id from the page URL and stores it by the capture rules.
///
/// ```
/// use taapit_capture::{capture, Options};
/// let outcome = capture(&Options { expires_in_days: 60, ..Options::default() });
/// if let Some(id) = outcome.tracking_id {
///     // stored in outcome.storage, for outcome.domain
/// }
/// ```
pub fn capture(options: &Options) -> Capture {
    let options = as_read(options);
    let outcome = with_page(|page, session| rules::capture_owned(page, session, options));
    changed("capture", Some(&outcome));
    outcome
}

/// `options` as the JavaScript surfaces' option list gives them (`Options::read`): `outbound`
/// patterns trimmed, in lower case, without a trailing dot (a malformed one dropped), an
/// explicit `domain` without a leading dot, in lower case (one that is no domain name: `Auto`).
/// A Rust app builds `Options` by hand, and `Shop.Example.net` or `.shop.example.com` must
/// mean what they mean from JavaScript (the rules compare them as they are).
fn as_read(options: &Options) -> Options {
    let mut options = options.clone();
    options.outbound = options
        .outbound
        .iter()
        .filter_map(|pattern| parse_pattern(pattern))
        .collect();
    if let DomainOption::Explicit(domain) = &options.domain {
        options.domain = DomainOption::parse(domain).unwrap_or_default();
    }
    options
}

/// The tracking id to send to the backend: the cookie, else the `localStorage` mirror, else
/// the id captured on this page. Never an invalid value.
///
/// ```
/// let id: Option<String> = taapit_capture::tracking_id();
/// ```
pub fn tracking_id() -> Option<String> {
    with_page(|page, session| rules::tracking_id(page, session))
}

/// [`tracking_id`] of the cookie named `cookie_name`, whatever the options of the page's last
/// capture (the defaults before the first): for hooks that name their cookie and read it
/// before any capture ran (the Leptos `use_tracking_id_with_options`, the Yew
/// `use_tracking_id_named`).
pub fn tracking_id_named(cookie_name: &str) -> Option<String> {
    with_page(|page, session| {
        let options = Options {
            cookie_name: cookie_name.to_owned(),
            ..session.options.clone()
        };
        // Both names as capture takes them (`Options::cookie_name`: an invalid one is `ta_tid`).
        if options.cookie_name() == session.options.cookie_name() {
            return rules::tracking_id(page, session);
        }
        // Not the last capture's cookie: this cookie's id (or its mirror's) alone; the id
        // captured on this page went to the other one.
        let named = Session {
            options,
            ..Session::default()
        };
        rules::tracking_id(page, &named)
    })
}

/// Removes the id everywhere it was kept: the cookie on every domain level, the mirror, memory.
///
/// ```
/// taapit_capture::clear();
/// assert_eq!(taapit_capture::tracking_id(), None);
/// ```
pub fn clear() {
    with_page(rules::clear);
    changed("clear", None);
}

/// Records consent and stores the id held in memory while consent was pending.
///
/// ```
/// use taapit_capture::{capture, grant_consent, Consent, Options};
/// capture(&Options { consent: Consent::Pending, ..Options::default() });
/// // ... the visitor accepts in the consent banner:
/// let outcome = grant_consent();
/// ```
pub fn grant_consent() -> Capture {
    let outcome = with_page(rules::grant_consent);
    changed("grant", Some(&outcome));
    outcome
}

/// Withdraws consent: deletes the cookie (every domain level) and the mirror, and keeps later
/// captures on this page in memory until [`grant_consent`].
///
/// ```
/// taapit_capture::revoke_consent();
/// ```
pub fn revoke_consent() {
    with_page(rules::revoke_consent);
    changed("revoke", None);
}

/// `href` with `ta_tid=<id>` (the first of `params`) added when it is an absolute `http(s)`
/// link to one of the hosts in the last capture's [`Options::outbound`], else `None`: for a
/// `window.open` or a redirect made from Rust. (Links the visitor clicks are decorated by
/// the same rule when the npm entry or the script tag is on the page.) The link's host comes
/// from the browser's URL parser, the host the browser will go to.
///
/// ```
/// use taapit_capture::{capture, decorate_url, Options};
/// capture(&Options { outbound: vec!["shop.example.net".into()], ..Options::default() });
/// let href = decorate_url("https://shop.example.net/cart");
/// // Some("https://shop.example.net/cart?ta_tid=…") once an id is stored
/// ```
pub fn decorate_url(href: &str) -> Option<String> {
    let url = web_sys::Url::new(href).ok()?;
    if !matches!(url.protocol().as_str(), "http:" | "https:") {
        return None;
    }
    let link_host = url.hostname();
    with_page(|page, session| rules::decorate_link(page, session, href, &link_host))
}

/// Fires `taapit:change` on `window` after `call` (`"capture"`, `"clear"`, `"grant"`,
/// `"revoke"`), as the npm entry and the script tag do (`pkg-template/wrapper.js`):
/// `detail.trackingId` is the id now in effect, `detail.call` the call, and a capture's or a
/// grant's `source`, `storage`, `domain` and `expiresAt` come with it. Hooks in Rust apps and
/// React's `useTrackingId` listen to the same event. A listener that throws is reported by
/// the browser, not here: `dispatchEvent` does not throw for it.
fn changed(call: &str, outcome: Option<&Capture>) {
    let Some(window) = WINDOW.with(|w| w.clone()) else {
        return;
    };
    let detail = js_sys::Object::new();
    let set = |name: &str, value: JsValue| {
        let _ = Reflect::set(&detail, &JsValue::from_str(name), &value);
    };
    let text = |value: Option<&str>| value.map_or(JsValue::NULL, JsValue::from_str);
    set("trackingId", text(tracking_id().as_deref()));
    set("call", JsValue::from_str(call));
    if let Some(outcome) = outcome {
        set("source", text(outcome.source.map(|s| s.as_str())));
        set("storage", text(outcome.storage.map(|s| s.as_str())));
        set("domain", text(outcome.domain.as_deref()));
        let expires = outcome
            .expires_at_ms
            .map_or(JsValue::NULL, |ms| JsValue::from_f64(ms as f64));
        set("expiresAt", expires);
    }
    let init = web_sys::CustomEventInit::new();
    init.set_detail(&detail);
    if let Ok(event) = web_sys::CustomEvent::new_with_event_init_dict("taapit:change", &init) {
        let target: &web_sys::EventTarget = window.unchecked_ref();
        let _ = target.dispatch_event(&event);
    }
}
