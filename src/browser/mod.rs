//! The browser shell: the only code that touches the page. Each method catches what the
//! browser throws (sandboxed frames, blocked storage, `file:` pages) and reports it as a
//! plain failure, so nothing escapes into the host page.

use std::cell::Cell;

use js_sys::{Function, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{HtmlDocument, Window};

use crate::core::capture::{Location, Page, Session};

/// The current page, seen through `window`.
pub struct BrowserPage {
    window: Option<Window>,
}

impl BrowserPage {
    /// The page this code runs in (`window` may be absent, in a worker for instance).
    pub fn current() -> Self {
        BrowserPage {
            window: web_sys::window(),
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
        Location {
            host: location.hostname().unwrap_or_default(),
            path: location.pathname().unwrap_or_default(),
            search: location.search().unwrap_or_default(),
            hash: location.hash().unwrap_or_default(),
            https: location.protocol().is_ok_and(|p| p == "https:"),
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

    fn log(&self, message: &str) {
        warn(message);
    }
}

/// Writes `message` to the console as a warning, if the page lets it: web-sys's
/// `console::warn_1` lets through what a `console.warn` made to throw (by a test setup that
/// fails on warnings, say) throws.
pub fn warn(message: &str) {
    let Ok(console) = Reflect::get(&js_sys::global(), &JsValue::from_str("console")) else {
        return;
    };
    let Ok(warn) = Reflect::get(&console, &JsValue::from_str("warn")) else {
        return;
    };
    if let Some(warn) = warn.dyn_ref::<Function>() {
        let _ = warn.call1(&console, &JsValue::from_str(message));
    }
}

thread_local! {
    // A `Cell`, not a `RefCell`: taking the value out cannot fail, so no borrow panic (and
    // none of the panic formatting it brings) is in the `.wasm`. `None` until the first call,
    // so the initialiser is `const` and needs no lazy-init code.
    static SESSION: Cell<Option<Session>> = const { Cell::new(None) };
}

/// Runs `f` with the current page and the page's session.
///
/// The session is taken out for the call, not borrowed: page code that `f` runs (a router's
/// `history.replaceState` wrapper, say) may call back into the module, which then sees a
/// fresh session instead of panicking on a borrowed one.
pub fn with_page<R>(f: impl FnOnce(&mut BrowserPage, &mut Session) -> R) -> R {
    let mut page = BrowserPage::current();
    // `try_with`, not `with`: it fails only while the thread is torn down, which a page never
    // sees, and `with` would bring its panic message into the `.wasm`.
    let mut session = SESSION
        .try_with(Cell::take)
        .ok()
        .flatten()
        .unwrap_or_default();
    let out = f(&mut page, &mut session);
    let _ = SESSION.try_with(|cell| cell.set(Some(session)));
    out
}
