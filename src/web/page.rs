//! The page as the rules see it ([`Page`]), over web-sys. Each page access catches what the
//! browser throws (sandboxed frames, blocked storage, `file:` pages) and reports it as a
//! plain failure, so nothing escapes into the host page.

use js_sys::Reflect;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{HtmlDocument, Window};

use taapit_core::{Location, Page};

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
        taapit_core::cookie::push_u64(&mut nonce, (js_sys::Math::random() * 9e15) as u64);
        nonce
    }

    fn push_http_date(&self, out: &mut String, secs: u64) {
        // The browser's `Date` writes the IMF-fixdate (`toUTCString`), as the shipped `.wasm`
        // asks it to: the core's calendar code then stays out of the app's `.wasm`.
        let date = js_sys::Date::new(&JsValue::from_f64(secs as f64 * 1000.0));
        out.push_str(&String::from(date.to_utc_string()));
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
    pub(crate) static WINDOW: Option<JsValue>;

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
