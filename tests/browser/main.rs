#![cfg(target_arch = "wasm32")]
//! The capture rules against a real browser: the real `document.cookie`, `localStorage` and
//! `history`, in Chromium, Firefox and WebKit (`scripts/test-browsers.sh` runs all three).
//!
//! The page is the test runner's, on `http://127.0.0.1:<port>/`, so the cookie is host-only.
//! Each test sets the landing URL with `history.replaceState`, runs the public Rust API and
//! reads what the browser really kept. Tests share one page and run one after another:
//! every test starts and ends with [`reset`], which undoes the page overrides and removes
//! every cookie, the `localStorage` entries, the module's memory and the URL's query.
//!
//! Browsers ration `history.replaceState`: WebKit throws after 100 calls in 10 seconds and
//! Chromium silently ignores calls past 200. Each test names how many address changes it
//! makes ([`fresh`]) and waits, if need be, until the page may make them.
//!
//! The JavaScript API is the shipped `.wasm` (crates/wasm, not this test binary's
//! build) behind its loader, so its tests load `pkg/loader.js` and
//! `pkg/taapit_capture.wasm` into the page, a new instance each: `scripts/test-browsers.sh`
//! builds `pkg/` and passes the loader's URL at compile time in `TAAPIT_LOADER`. Without it
//! those tests fail, saying how to run them.
//!
//! This file holds the page helpers; the tests are in one module per subject beside it, and
//! the page side they call (overrides a hostile page would make, readers of what the browser
//! kept) is the plain JavaScript module `page.js`.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Array, Function, Object, Promise, Reflect};
use taapit_capture::{
    capture, clear, grant_consent, revoke_consent, tracking_id, Attribution, Capture, Consent,
    DomainOption, Options, SameSite, Secure, Source, Storage,
};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use web_sys::HtmlDocument;

wasm_bindgen_test_configure!(run_in_browser);

const MIRROR_KEY: &str = "taapit:ta_tid";
const DAY_MS: u64 = 86_400_000;

#[wasm_bindgen(module = "/tests/browser/page.js")]
extern "C" {
    fn url_budget_wait_ms(needed: u32) -> u32;
    fn sleep(ms: u32) -> Promise;
    fn block_cookies(mode: &str);
    fn block_local_storage();
    fn fill_local_storage();
    fn on_replace_state(callback: &Function);
    fn record_warnings();
    fn recorded_warnings() -> Array;
    fn break_console();
    fn restore_page();
    fn cookies_of_page() -> String;
    fn record_cookie_writes();
    fn recorded_cookie_writes() -> Array;
    #[wasm_bindgen(catch)]
    fn load_module(url: &str) -> Result<Promise, JsValue>;
    #[wasm_bindgen(catch, js_name = load_module)]
    fn load_module_as(url: &str, how: &str) -> Result<Promise, JsValue>;
    fn cookie_store() -> JsValue;
    fn weird_options() -> Array;
    fn record_changes();
    fn recorded_changes() -> Array;
}

// ----- page helpers -----

fn document() -> HtmlDocument {
    web_sys::window()
        .and_then(|w| w.document())
        .expect("a document")
        .unchecked_into()
}

fn local_storage() -> web_sys::Storage {
    web_sys::window()
        .expect("a window")
        .local_storage()
        .expect("localStorage is allowed")
        .expect("localStorage exists")
}

/// `document.cookie` as the browser gives it, even while the page overrides it.
fn jar() -> String {
    cookies_of_page()
}

/// Every value of cookie `name` the page sees, in `document.cookie` order.
fn cookie_values(name: &str) -> Vec<String> {
    jar()
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(|(n, _)| *n == name)
        .map(|(_, v)| v.to_owned())
        .collect()
}

fn set_raw_cookie(cookie: &str) {
    document()
        .set_cookie(cookie)
        .expect("document.cookie takes a write");
}

fn mirror() -> Option<String> {
    local_storage().get_item(MIRROR_KEY).expect("getItem")
}

fn set_mirror(value: &str) {
    local_storage()
        .set_item(MIRROR_KEY, value)
        .expect("setItem");
}

fn history() -> web_sys::History {
    web_sys::window()
        .expect("a window")
        .history()
        .expect("history")
}

/// The address bar: path, query and hash.
fn url() -> String {
    let location = web_sys::window().expect("a window").location();
    [
        location.pathname().unwrap_or_default(),
        location.search().unwrap_or_default(),
        location.hash().unwrap_or_default(),
    ]
    .concat()
}

/// Puts `target` (path, query and hash) in the address bar, as a landing page would have it.
fn set_url(target: &str) {
    let before = url();
    if before == target {
        return;
    }
    history()
        .replace_state_with_url(&JsValue::NULL, "", Some(target))
        .unwrap_or_else(|e| panic!("replaceState({target}) threw (rate limit?): {e:?}"));
    assert_ne!(
        url(),
        before,
        "replaceState({target}) was ignored (rate limit?)"
    );
}

fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

/// Removes every cookie the page sees (host-only, `Path=/`: all that these tests write).
fn expire_all_cookies() {
    let names: Vec<String> = jar()
        .split(';')
        .filter_map(|pair| pair.trim().split_once('=').map(|(n, _)| n.to_owned()))
        .collect();
    for name in names {
        set_raw_cookie(&format!("{name}=; Path=/; Max-Age=0"));
    }
}

/// Undoes every override, forgets the module's memory and empties the cookie jar, the
/// `localStorage` and the URL's query and hash.
fn reset() {
    restore_page();
    set_url("/");
    // No id in the URL: this only puts the default options back into the module's memory.
    let _ = capture(&Options::default());
    clear();
    // Ends a revocation left by a test; nothing is held, so nothing is stored.
    let _ = grant_consent();
    clear();
    expire_all_cookies();
    local_storage().clear().expect("localStorage.clear");
    assert_eq!(jar(), "", "cookies left over");
    assert_eq!(tracking_id(), None, "an id left over");
}

/// Resets the page when dropped (a test that panics leaves that to the next test's start).
struct Fresh;

impl Drop for Fresh {
    fn drop(&mut self) {
        reset();
    }
}

/// A clean page, once `url_changes` address changes (the test's own, the module's strips
/// and the resets) fit in the browsers' `replaceState` rations.
#[must_use]
async fn fresh(url_changes: u32) -> Fresh {
    let wait = url_budget_wait_ms(url_changes + 2);
    if wait > 0 {
        JsFuture::from(sleep(wait)).await.expect("sleep");
    }
    reset();
    Fresh
}

fn capture_at(url: &str, options: &Options) -> Capture {
    set_url(url);
    capture(options)
}

fn landing(url: &str) -> Capture {
    capture_at(url, &Options::default())
}

/// Asserts `outcome.expires_at_ms` is `days` from a moment between `before` and now.
fn assert_expires_in(outcome: &Capture, days: u64, before: u64) {
    let at = outcome.expires_at_ms.expect("an expiry");
    let after = now_ms();
    assert!(
        (before + days * DAY_MS..=after + days * DAY_MS).contains(&at),
        "expires at {at}, expected {days} days after {before}..{after}"
    );
}

fn is_valid_id(id: &str) -> bool {
    (1..=128).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.~".contains(&b))
}

// ----- the tests, one module per subject -----

mod attribution;
mod clear;
mod consent;
mod cookie;
mod debug;
mod fallback;
mod hostile_ids;
mod javascript_api;
mod one_copy;
mod reading;
mod reentry;
mod strip;
