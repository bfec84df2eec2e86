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

#[wasm_bindgen(inline_js = r#"
// Every replaceState call of the page (these tests' and the module's), for the rate limits.
const urlChanges = [];
const replaceState = History.prototype.replaceState;
History.prototype.replaceState = function (...args) {
  urlChanges.push(performance.now());
  return replaceState.apply(this, args);
};

export function url_budget_wait_ms(needed) {
  const limit = 90;
  const span = 10500;
  const now = performance.now();
  while (urlChanges.length > 0 && urlChanges[0] <= now - span) urlChanges.shift();
  const excess = urlChanges.length + needed - limit;
  return excess <= 0 ? 0 : Math.ceil(urlChanges[Math.min(excess, urlChanges.length) - 1] + span - now);
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const fail = () => { throw new DOMException('The operation is insecure.', 'SecurityError'); };
let savedStorage;
let savedSetItem;
let savedWarn;
let warnings;

export function block_cookies(mode) {
  const accessor = mode === 'throw'
    ? { get: fail, set: fail }
    : { get: () => '', set: () => {} };
  Object.defineProperty(document, 'cookie', { configurable: true, ...accessor });
}

// As in a sandboxed frame: reading window.localStorage throws. WebKit may keep serving the
// real object to a hot call site after the property is redefined (seen once the suite has
// warmed up), so its methods fail as well: either way, there is no storage.
export function block_local_storage() {
  if (!savedStorage) {
    savedStorage = { own: Object.getOwnPropertyDescriptor(window, 'localStorage'), methods: {} };
    for (const name of ['getItem', 'setItem', 'removeItem']) {
      savedStorage.methods[name] = Storage.prototype[name];
      Storage.prototype[name] = fail;
    }
  }
  Object.defineProperty(window, 'localStorage', { configurable: true, get: fail });
}

export function fill_local_storage() {
  if (!savedSetItem) savedSetItem = Storage.prototype.setItem;
  Storage.prototype.setItem = function () {
    throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
  };
}

export function on_replace_state(callback) {
  history.replaceState = function (...args) {
    callback();
    return History.prototype.replaceState.apply(this, args);
  };
}

function saveWarn() {
  if (!savedWarn) savedWarn = Object.getOwnPropertyDescriptor(console, 'warn');
}

export function record_warnings() {
  saveWarn();
  warnings = [];
  const previous = console.warn;
  console.warn = function (...args) {
    warnings.push(args.map(String).join(' '));
    return previous.apply(this, args);
  };
}

export function recorded_warnings() {
  return (warnings || []).slice();
}

export function break_console() {
  saveWarn();
  console.warn = () => { throw new Error('console.warn is not allowed here'); };
}

export function restore_page() {
  delete document.cookie;
  if (savedStorage) {
    if (savedStorage.own) Object.defineProperty(window, 'localStorage', savedStorage.own);
    else delete window.localStorage;
    Object.assign(Storage.prototype, savedStorage.methods);
    savedStorage = undefined;
  }
  if (savedSetItem) {
    Storage.prototype.setItem = savedSetItem;
    savedSetItem = undefined;
  }
  delete history.replaceState;
  if (savedWarn) {
    Object.defineProperty(console, 'warn', savedWarn);
    savedWarn = undefined;
  }
  warnings = undefined;
}

// The browser's own document.cookie, whatever the page defined over it.
export function cookies_of_page() {
  return Object.getOwnPropertyDescriptor(Document.prototype, 'cookie').get.call(document);
}

// The shipped loader's API over a new instance of the shipped .wasm beside it, given to
// the loader as `how`: 'bytes', an ArrayBuffer; 'view', a Uint8Array over part of a larger
// buffer (as a page might hold it); 'promise', which is not bytes, so the loader throws.
export async function load_module(url, how = 'bytes') {
  const loader = await import(url);
  const response = await fetch(new URL(url.replace(/[^/]*$/, 'taapit_capture.wasm'), location.origin));
  const bytes = await response.arrayBuffer();
  if (how === 'bytes') return loader.instantiate(bytes);
  if (how === 'view') {
    const larger = new Uint8Array(bytes.byteLength + 16);
    larger.set(new Uint8Array(bytes), 8);
    return loader.instantiate(larger.subarray(8, 8 + bytes.byteLength));
  }
  return loader.instantiate(Promise.resolve(bytes));
}

// Records every taapit:change on window as "call:trackingId" (null as "null").
export function record_changes() {
  window.__changes = [];
  window.addEventListener('taapit:change', (e) => {
    window.__changes.push(e.detail.call + ':' + e.detail.trackingId + ':' + (e.detail.storage ?? '-'));
  });
}
export function recorded_changes() {
  const changes = window.__changes || [];
  window.__changes = [];
  return changes;
}

export function cookie_store() {
  return typeof cookieStore === 'undefined' ? null : cookieStore;
}

export function weird_options() {
  const revoked = Proxy.revocable({}, {});
  revoked.revoke();
  const throwing = () => { throw new Error('hostile option'); };
  return [
    ['undefined', undefined],
    ['null', null],
    ['zero', 0],
    ['number', 42],
    ['NaN', NaN],
    ['string', 'expiresInDays=9'],
    ['empty string', ''],
    ['true', true],
    ['symbol', Symbol('options')],
    ['bigint', 10n],
    ['function', function () {}],
    ['array', ['ta_tid']],
    ['empty object', {}],
    ['null prototype', Object.create(null)],
    ['date', new Date()],
    ['map', new Map([['params', ['ta_tid']]])],
    ['frozen', Object.freeze({ expiresInDays: 3 })],
    ['symbol keys', { [Symbol('x')]: 1, debug: true }],
    ['unknown keys', { nope: 1, debug: true }],
    ['params number', { params: 5 }],
    ['params empty', { params: [] }],
    ['params junk', { params: [1, null, {}, undefined] }],
    ['params commas', { params: ' , ,, ' }],
    ['params nested', { params: [['ta_tid']] }],
    ['params sparse', { params: new Array(3) }],
    ['params huge', { params: new Array(10000).fill('p') }],
    ['cookieName space', { cookieName: 'a b' }],
    ['cookieName empty', { cookieName: '' }],
    ['cookieName long', { cookieName: 'x'.repeat(100000) }],
    ['cookieName semicolon', { cookieName: 'ta;tid' }],
    ['cookieName object', { cookieName: { toString: throwing } }],
    ['expires negative', { expiresInDays: -1 }],
    ['expires NaN', { expiresInDays: NaN }],
    ['expires Infinity', { expiresInDays: Infinity }],
    ['expires huge', { expiresInDays: 1e308 }],
    ['expires tiny', { expiresInDays: 1e-300 }],
    ['expires text', { expiresInDays: '12abc' }],
    ['expires hex text', { expiresInDays: '0x10' }],
    ['expires bigint', { expiresInDays: 10n }],
    ['expires object', { expiresInDays: { valueOf: throwing } }],
    ['domain number', { domain: 5 }],
    ['domain dots', { domain: '...' }],
    ['domain unicode', { domain: 'ünïcode.com' }],
    ['domain injection', { domain: 'a.com; Path=/x' }],
    ['domain IP', { domain: '127.0.0.1' }],
    ['domain other', { domain: 'example.com' }],
    ['domain host', { domain: 'host' }],
    ['attribution junk', { attribution: 'middle-click' }],
    ['sameSite upper', { sameSite: 'NONE' }],
    ['sameSite junk', { sameSite: 'lax; Secure' }],
    ['secure junk', { secure: 'yes' }],
    ['secure true', { secure: true }],
    ['consent number', { consent: 1 }],
    ['stripParam junk', { stripParam: 'maybe' }],
    ['storageFallback null', { storageFallback: null }],
    ['debug text', { debug: 'true' }],
    ['throwing getters', {
      get params() { throwing(); }, get debug() { throwing(); }, get expiresInDays() { throwing(); },
    }],
    ['throwing get trap', new Proxy({}, { get: throwing, has: throwing })],
    ['throwing ownKeys trap', new Proxy({}, { ownKeys: throwing })],
    ['throwing descriptor trap', new Proxy({ debug: true }, { getOwnPropertyDescriptor: throwing })],
    ['revoked proxy', revoked.proxy],
    ['params revoked proxy', { params: revoked.proxy }],
    ['params throwing array', { params: new Proxy(['ta_tid'], { get: throwing }) }],
    ['params throwing iterator', { params: Object.assign(['ta_tid'], { [Symbol.iterator]: throwing }) }],
  ];
}
"#)]
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

// ----- the cookie -----

#[wasm_bindgen_test]
async fn capture_writes_a_host_only_cookie_the_page_reads_back() {
    let _page = fresh(1).await;
    let before = now_ms();
    let outcome = landing("/?ta_tid=rLnWe1uz9t282v7g");
    assert_eq!(outcome.tracking_id.as_deref(), Some("rLnWe1uz9t282v7g"));
    assert_eq!(outcome.source, Some(Source::Search));
    assert_eq!(outcome.storage, Some(Storage::Cookie));
    assert_eq!(outcome.domain, None, "127.0.0.1 gets a host-only cookie");
    assert_expires_in(&outcome, 90, before);
    // Exactly the one cookie: no probe or other cookie left behind.
    assert_eq!(jar(), "ta_tid=rLnWe1uz9t282v7g");
    assert_eq!(mirror(), None, "no mirror when the cookie is kept");
    assert_eq!(tracking_id().as_deref(), Some("rLnWe1uz9t282v7g"));
}

#[wasm_bindgen_test]
async fn capture_reads_the_query_of_a_hash_route() {
    let _page = fresh(1).await;
    let outcome = landing("/#/landing?utm_source=x&ta_tid=fromHash_1");
    assert_eq!(outcome.tracking_id.as_deref(), Some("fromHash_1"));
    assert_eq!(outcome.source, Some(Source::Hash));
    assert_eq!(outcome.storage, Some(Storage::Cookie));
    assert_eq!(cookie_values("ta_tid"), ["fromHash_1"]);
}

#[wasm_bindgen_test]
async fn the_search_wins_over_the_hash_and_params_are_tried_in_order() {
    let _page = fresh(4).await;
    let outcome = landing("/?ta_tid=inSearch#/l?ta_tid=inHash");
    assert_eq!(outcome.tracking_id.as_deref(), Some("inSearch"));
    assert_eq!(cookie_values("ta_tid"), ["inSearch"]);

    let options = Options::default().params(vec!["ref".into(), "ta_tid".into()]);
    let outcome = capture_at("/?ta_tid=second&ref=first", &options);
    assert_eq!(outcome.tracking_id.as_deref(), Some("first"));
    assert_eq!(cookie_values("ta_tid"), ["first"]);
    // An invalid value under the first name does not hide a valid one under the next.
    let outcome = capture_at("/?ref=bad%3Bvalue&ta_tid=valid3", &options);
    assert_eq!(outcome.tracking_id.as_deref(), Some("valid3"));
    assert_eq!(cookie_values("ta_tid"), ["valid3"]);
}

#[wasm_bindgen_test]
async fn an_encoded_parameter_name_counts_and_names_are_case_sensitive() {
    let _page = fresh(2).await;
    // `%74a_tid` is `ta_tid` once decoded, as URLSearchParams reads it.
    assert_eq!(
        landing("/?%74a_tid=encodedName").tracking_id.as_deref(),
        Some("encodedName")
    );
    clear();
    assert_eq!(landing("/?TA_TID=upper").tracking_id, None);
    assert_eq!(jar(), "");
}

#[wasm_bindgen_test]
async fn a_custom_cookie_name_is_written_and_read() {
    let _page = fresh(2).await;
    let options = Options::default().cookie_name("shop_tid".into());
    let outcome = capture_at("/?ta_tid=custom1", &options);
    assert_eq!(outcome.storage, Some(Storage::Cookie));
    assert_eq!(jar(), "shop_tid=custom1");
    assert_eq!(tracking_id().as_deref(), Some("custom1"));
    clear();
    assert_eq!(jar(), "");

    // A name that cannot be a cookie name falls back to `ta_tid`.
    let options = Options::default().cookie_name("bad name;".into());
    capture_at("/?ta_tid=custom2", &options);
    assert_eq!(jar(), "ta_tid=custom2");
}

#[wasm_bindgen_test]
async fn a_cookie_read_by_name_is_that_cookie_whatever_the_last_capture() {
    let _page = fresh(1).await;
    set_raw_cookie("ta_tid=legacyDefault");
    set_raw_cookie("my_tid=customName");
    // No capture under `my_tid` yet (the session has the defaults), as when a hook that names
    // its cookie renders first.
    assert_eq!(
        taapit_capture::tracking_id_named("my_tid").as_deref(),
        Some("customName")
    );
    assert_eq!(tracking_id().as_deref(), Some("legacyDefault"));
    assert_eq!(
        taapit_capture::tracking_id_named("other_tid"),
        None,
        "no such cookie: nothing, not the default cookie's id"
    );

    // Once a capture used that name, the same read, with the id captured on this page behind
    // the cookie.
    let options = Options::default().cookie_name("my_tid".into());
    capture_at("/?ta_tid=fromUrl", &options);
    assert_eq!(
        taapit_capture::tracking_id_named("my_tid").as_deref(),
        Some("fromUrl")
    );
}

#[wasm_bindgen_test]
async fn decorate_url_adds_the_id_for_outbound_hosts_written_as_javascript_would_accept_them() {
    let _page = fresh(1).await;
    // As a Rust app may write them: case, spaces, a trailing dot; and one that is no host.
    let options = Options::default().outbound(vec![
        " Shop.Example.NET. ".into(),
        "*.Example.org".into(),
        "https://bad/".into(),
    ]);
    capture_at("/?ta_tid=outbound1", &options);
    assert_eq!(
        taapit_capture::decorate_url("https://shop.example.net/cart?x=1#h").as_deref(),
        Some("https://shop.example.net/cart?x=1&ta_tid=outbound1#h")
    );
    assert_eq!(
        taapit_capture::decorate_url("https://www.example.org/").as_deref(),
        Some("https://www.example.org/?ta_tid=outbound1")
    );
    assert_eq!(taapit_capture::decorate_url("https://elsewhere.net/"), None);
    assert_eq!(
        taapit_capture::decorate_url("mailto:a@shop.example.net"),
        None
    );
}

#[wasm_bindgen_test]
async fn expiry_days_are_clamped_to_1_and_400() {
    let _page = fresh(1).await;
    for (days, expected) in [(0, 1), (1, 1), (30, 30), (400, 400), (100_000, 400)] {
        let before = now_ms();
        let outcome = capture_at("/?ta_tid=days", &Options::default().expires_in_days(days));
        assert_eq!(outcome.storage, Some(Storage::Cookie), "{days} days");
        assert_expires_in(&outcome, expected, before);
        assert_eq!(cookie_values("ta_tid"), ["days"]);
    }
}

#[wasm_bindgen_test]
async fn domain_options_on_an_ip_host_stay_host_only() {
    let _page = fresh(1).await;
    for domain in [
        DomainOption::Auto,
        DomainOption::Host,
        DomainOption::Explicit("127.0.0.1".into()),
        DomainOption::Explicit("0.1".into()),
        DomainOption::Explicit("example.com".into()),
    ] {
        let outcome = capture_at(
            "/?ta_tid=ipHost",
            &Options::default().domain(domain.clone()),
        );
        assert_eq!(outcome.storage, Some(Storage::Cookie), "{domain:?}");
        assert_eq!(outcome.domain, None, "{domain:?}");
        assert_eq!(jar(), "ta_tid=ipHost", "{domain:?}");
    }
}

/// The cookie store API shows the attributes `document.cookie` hides.
#[wasm_bindgen_test]
async fn cookie_attributes_as_the_browser_stored_them() {
    let _page = fresh(1).await;
    let before = now_ms();
    let outcome = capture_at("/?ta_tid=attrs", &Options::default().expires_in_days(30));
    assert_eq!(outcome.storage, Some(Storage::Cookie));
    let store = cookie_store();
    if store.is_null() {
        console_log!("cookieStore: not in this engine; attributes not checked");
        return;
    }
    let get: Function = Reflect::get(&store, &"get".into())
        .expect("cookieStore.get")
        .unchecked_into();
    let promise: Promise = get
        .call1(&store, &"ta_tid".into())
        .expect("cookieStore.get()")
        .unchecked_into();
    let cookie = JsFuture::from(promise).await.expect("cookieStore.get");
    assert!(cookie.is_object(), "cookieStore sees the cookie");
    let field = |name: &str| Reflect::get(&cookie, &name.into()).unwrap_or(JsValue::UNDEFINED);
    assert_eq!(field("value").as_string().as_deref(), Some("attrs"));
    // Firefox and WebKit give only name and value.
    if field("expires").is_undefined() {
        console_log!("cookieStore: name and value only in this engine; attributes not checked");
        return;
    }
    let expires = field("expires")
        .as_f64()
        .expect("a persistent cookie (Max-Age/Expires kept)") as u64;
    let after = now_ms();
    // Browsers keep whole seconds.
    assert!(
        (before + 30 * DAY_MS - 1000..=after + 30 * DAY_MS + 1000).contains(&expires),
        "expires {expires}, captured between {before} and {after}"
    );
    for (name, expected) in [("path", "/"), ("sameSite", "lax")] {
        let value = field(name);
        if !value.is_undefined() {
            assert_eq!(value.as_string().as_deref(), Some(expected), "{name}");
        }
    }
    let domain = field("domain");
    assert!(
        domain.is_null() || domain.is_undefined(),
        "host-only, got {domain:?}"
    );
    let secure = field("secure");
    assert!(
        secure.is_undefined() || secure == JsValue::FALSE,
        "no Secure on http:"
    );
    console_log!(
        "cookieStore: expires in {} s, path {:?}, sameSite {:?}, domain {:?}, secure {:?}",
        (expires - before) / 1000,
        field("path"),
        field("sameSite"),
        domain,
        secure
    );
}

// ----- reading -----

#[wasm_bindgen_test]
async fn tracking_id_reads_cookie_then_mirror_then_this_page() {
    let _page = fresh(1).await;
    // Held in memory only (consent pending): the id captured on this page.
    let outcome = capture_at(
        "/?ta_tid=inMemory",
        &Options::default().consent(Consent::Pending),
    );
    assert_eq!(outcome.storage, Some(Storage::Memory));
    assert_eq!(tracking_id().as_deref(), Some("inMemory"));

    let future = now_ms() + 3_600_000;
    set_mirror(&format!("inMirror|{future}"));
    assert_eq!(
        tracking_id().as_deref(),
        Some("inMirror"),
        "mirror before memory"
    );

    set_raw_cookie("ta_tid=inCookie; Path=/");
    assert_eq!(tracking_id().as_deref(), Some("inCookie"), "cookie first");

    // An invalid cookie is never returned; the next source is.
    for bad in [
        "bad%3Bcookie".to_string(),
        "\"a b\"".to_string(),
        "x".repeat(129),
        String::new(),
    ] {
        set_raw_cookie(&format!("ta_tid={bad}; Path=/"));
        assert_eq!(tracking_id().as_deref(), Some("inMirror"), "cookie {bad:?}");
    }
    set_raw_cookie("ta_tid=; Path=/; Max-Age=0");

    // An expired or tampered mirror is never returned.
    for bad in [
        format!("inMirror|{}", now_ms() - 1000),
        format!("a;b|{future}"),
        "inMirror|soon".to_string(),
        "inMirror".to_string(),
    ] {
        set_mirror(&bad);
        assert_eq!(tracking_id().as_deref(), Some("inMemory"), "mirror {bad:?}");
    }

    clear();
    assert_eq!(tracking_id(), None);
}

#[wasm_bindgen_test]
async fn a_quoted_cookie_value_is_read_without_its_quotes() {
    let _page = fresh(0).await;
    set_raw_cookie("ta_tid=\"quoted1\"; Path=/");
    assert_eq!(tracking_id().as_deref(), Some("quoted1"));
}

// ----- attribution -----

#[wasm_bindgen_test]
async fn last_click_replaces_the_stored_id() {
    let _page = fresh(2).await;
    landing("/?ta_tid=firstClick");
    let outcome = landing("/?ta_tid=secondClick");
    assert_eq!(outcome.tracking_id.as_deref(), Some("secondClick"));
    assert_eq!(outcome.source, Some(Source::Search));
    assert_eq!(outcome.storage, Some(Storage::Cookie));
    assert_eq!(cookie_values("ta_tid"), ["secondClick"]);
    assert_eq!(tracking_id().as_deref(), Some("secondClick"));
}

#[wasm_bindgen_test]
async fn first_click_keeps_the_stored_id() {
    let _page = fresh(4).await;
    let first_click = Options::default().attribution(Attribution::FirstClick);
    let outcome = capture_at("/?ta_tid=firstClick", &first_click);
    assert_eq!(outcome.storage, Some(Storage::Cookie), "nothing stored yet");
    let outcome = capture_at("/?ta_tid=secondClick", &first_click);
    assert_eq!(outcome.tracking_id.as_deref(), Some("firstClick"));
    assert_eq!(outcome.source, Some(Source::Stored));
    assert_eq!(outcome.storage, Some(Storage::Cookie));
    assert_eq!(cookie_values("ta_tid"), ["firstClick"]);
    assert_eq!(tracking_id().as_deref(), Some("firstClick"));

    // An invalid stored value is no first click.
    set_raw_cookie("ta_tid=not%20valid; Path=/");
    let outcome = capture_at("/?ta_tid=thirdClick", &first_click);
    assert_eq!(outcome.tracking_id.as_deref(), Some("thirdClick"));
    assert_eq!(cookie_values("ta_tid"), ["thirdClick"]);
}

#[wasm_bindgen_test]
async fn first_click_keeps_a_mirrored_id_when_cookies_are_blocked() {
    let _page = fresh(2).await;
    block_cookies("throw");
    let first_click = Options::default().attribution(Attribution::FirstClick);
    let outcome = capture_at("/?ta_tid=mirroredFirst", &first_click);
    assert_eq!(outcome.storage, Some(Storage::LocalStorage));
    let outcome = capture_at("/?ta_tid=mirroredSecond", &first_click);
    assert_eq!(outcome.tracking_id.as_deref(), Some("mirroredFirst"));
    assert_eq!(outcome.storage, Some(Storage::LocalStorage));
    assert!(mirror().unwrap().starts_with("mirroredFirst|"));
}

// ----- hostile ids -----

/// Values, as typed in the URL, that are not valid ids.
const HOSTILE: [&str; 20] = [
    "bad%3Bid",
    "bad;id",
    "a%20b",
    "a+b",
    "a b",
    "a=b",
    "a%3Db",
    "",
    "%E2%82%AC",
    "%C3%A9t%C3%A9",
    "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "a%00b",
    "%",
    "%zz",
    "a%0D%0ASet-Cookie:%20x=y",
    "ab,cd",
    "%22quoted%22",
    "slash%2Fid",
    "tab%09id",
    "a%2525",
];

/// One query holding every hostile value (and a 129-character id): the first valid value
/// would win, so nothing stored means every one was refused.
fn hostile_query() -> String {
    HOSTILE
        .iter()
        .map(|v| v.to_string())
        .chain([
            "a".repeat(129),
            // Reaches 128 characters only once decoded wrongly (`%41` is one character).
            format!("{}%41", "a".repeat(128)),
        ])
        .map(|v| format!("ta_tid={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

#[wasm_bindgen_test]
async fn hostile_ids_are_never_written() {
    let _page = fresh(4).await;
    let query = hostile_query();
    for url in [format!("/?{query}"), format!("/#/landing?{query}")] {
        let outcome = landing(&url);
        assert_eq!(outcome.tracking_id, None, "{}", self::url());
        assert_eq!(outcome.storage, None);
        assert_eq!(jar(), "", "nothing written");
        assert_eq!(mirror(), None);
        assert_eq!(tracking_id(), None);
    }
    // Cookies blocked: nothing reaches the mirror either.
    block_cookies("throw");
    let outcome = landing(&format!("/?x=1&{query}"));
    assert_eq!(outcome.tracking_id, None);
    assert_eq!(local_storage().length().unwrap(), 0);
    assert_eq!(tracking_id(), None);
}

#[wasm_bindgen_test]
async fn hostile_ids_never_overwrite_a_stored_id() {
    let _page = fresh(5).await;
    let query = hostile_query();
    landing("/?ta_tid=keepMe");
    for url in [format!("/?{query}"), format!("/#/landing?{query}")] {
        let outcome = landing(&url);
        assert_eq!(outcome.tracking_id.as_deref(), Some("keepMe"));
        assert_eq!(outcome.source, Some(Source::Stored));
        assert_eq!(jar(), "ta_tid=keepMe");
        assert_eq!(tracking_id().as_deref(), Some("keepMe"));
    }
    // Nor a mirrored one.
    clear();
    block_cookies("throw");
    landing("/?ta_tid=keepMirror");
    let kept = mirror().expect("mirrored");
    landing(&format!("/?{query}"));
    assert_eq!(mirror(), Some(kept));
    assert_eq!(tracking_id().as_deref(), Some("keepMirror"));
}

#[wasm_bindgen_test]
async fn the_longest_valid_id_and_every_allowed_character_are_kept() {
    let _page = fresh(4).await;
    let longest = "a".repeat(128);
    assert_eq!(
        landing(&format!("/?ta_tid={longest}")).tracking_id,
        Some(longest.clone())
    );
    assert_eq!(cookie_values("ta_tid"), [longest]);
    let every = "AZaz09-_.~";
    landing(&format!("/?ta_tid={every}"));
    assert_eq!(cookie_values("ta_tid"), [every]);
    // Escaped allowed characters are decoded first.
    landing("/?ta_tid=%41b%2Dc");
    assert_eq!(cookie_values("ta_tid"), ["Ab-c"]);
    // A valid id after a hostile one is taken.
    assert_eq!(
        landing("/?ta_tid=bad%3B&ta_tid=goodAfter")
            .tracking_id
            .as_deref(),
        Some("goodAfter")
    );
    assert_eq!(jar(), "ta_tid=goodAfter");
}

#[wasm_bindgen_test]
async fn weird_urls_never_panic() {
    let long_query = (0..2000)
        .map(|i| format!("p{i}=v{i}"))
        .collect::<Vec<_>>()
        .join("&");
    let cases = [
        ("/?&&&=&==&=x&ta_tid&ta_tid=&ta_tid", None),
        (
            "/?ta_tid=%E0%A4%A&ta_tid=%FF%FE&%FF=x&ta_tid=okAfterJunk",
            Some("okAfterJunk"),
        ),
        ("/#", None),
        ("/#?", None),
        ("/#ta_tid=notAQuery", None),
        ("/#/a?b?ta_tid=x?y", None),
        ("/#/%E2%82%AC?ta_tid=unicodeRoute", Some("unicodeRoute")),
        ("/d%C3%A9j%C3%A0/?ta_tid=unicodePath", Some("unicodePath")),
        ("/?ta_tid=é", None),
        (
            &format!("/?{long_query}&ta_tid=afterLongQuery"),
            Some("afterLongQuery"),
        ),
        (&format!("/?ta_tid={}", "%".repeat(5000)), None),
    ];
    let _page = fresh(cases.len() as u32).await;
    for (url, expected) in cases {
        let outcome = landing(url);
        let short: String = url.chars().take(60).collect();
        assert_eq!(outcome.tracking_id.as_deref(), expected, "{short}");
        match expected {
            Some(id) => assert_eq!(cookie_values("ta_tid"), [id], "{short}"),
            None => assert_eq!(jar(), "", "{short}"),
        }
        assert_eq!(tracking_id().as_deref(), expected, "{short}");
        clear();
    }
}

// ----- consent -----

#[wasm_bindgen_test]
async fn consent_pending_then_granted_then_revoked() {
    let _page = fresh(2).await;
    let pending = Options::default().consent(Consent::Pending);
    let outcome = capture_at("/?ta_tid=consent1", &pending);
    assert_eq!(outcome.tracking_id.as_deref(), Some("consent1"));
    assert_eq!(outcome.storage, Some(Storage::Memory));
    assert_eq!(outcome.expires_at_ms, None);
    assert_eq!(
        jar(),
        "",
        "nothing in document.cookie while consent is pending"
    );
    assert_eq!(mirror(), None);
    assert_eq!(
        tracking_id().as_deref(),
        Some("consent1"),
        "readable from memory"
    );

    let before = now_ms();
    let granted = grant_consent();
    assert_eq!(granted.tracking_id.as_deref(), Some("consent1"));
    assert_eq!(granted.source, Some(Source::Search));
    assert_eq!(granted.storage, Some(Storage::Cookie));
    assert_expires_in(&granted, 90, before);
    assert_eq!(jar(), "ta_tid=consent1");
    // Granting again changes nothing.
    assert_eq!(grant_consent().tracking_id.as_deref(), Some("consent1"));
    assert_eq!(jar(), "ta_tid=consent1");

    revoke_consent();
    assert_eq!(jar(), "", "cookie gone");
    assert_eq!(mirror(), None);
    assert_eq!(tracking_id(), None);

    // After a revocation even a capture with default options keeps the id in memory...
    let outcome = landing("/?ta_tid=consent2");
    assert_eq!(outcome.storage, Some(Storage::Memory));
    assert_eq!(jar(), "");
    assert_eq!(tracking_id().as_deref(), Some("consent2"));
    // ...until consent is granted again.
    assert_eq!(grant_consent().storage, Some(Storage::Cookie));
    assert_eq!(jar(), "ta_tid=consent2");
}

#[wasm_bindgen_test]
async fn revoking_consent_deletes_cookie_and_mirror() {
    let _page = fresh(1).await;
    landing("/?ta_tid=revokeMe");
    set_mirror(&format!("revokeMe|{}", now_ms() + 3_600_000));
    revoke_consent();
    assert_eq!(jar(), "");
    assert_eq!(mirror(), None);
    assert_eq!(tracking_id(), None);
}

#[wasm_bindgen_test]
async fn granting_consent_with_cookies_blocked_uses_the_mirror() {
    let _page = fresh(1).await;
    capture_at(
        "/?ta_tid=grantMirror",
        &Options::default().consent(Consent::Pending),
    );
    assert_eq!(local_storage().length().unwrap(), 0);
    block_cookies("ignore");
    let granted = grant_consent();
    assert_eq!(granted.storage, Some(Storage::LocalStorage));
    assert!(mirror().unwrap().starts_with("grantMirror|"));
    assert_eq!(jar(), "");
}

// ----- clear -----

#[wasm_bindgen_test]
async fn clear_removes_cookie_mirror_and_memory() {
    let _page = fresh(2).await;
    landing("/?ta_tid=clearMe");
    set_mirror(&format!("clearMe|{}", now_ms() + 3_600_000));
    clear();
    assert_eq!(jar(), "");
    assert_eq!(mirror(), None);
    assert_eq!(tracking_id(), None, "the id in the URL is not read again");

    capture_at(
        "/?ta_tid=clearMemory",
        &Options::default().consent(Consent::Pending),
    );
    clear();
    assert_eq!(tracking_id(), None, "memory cleared");
    assert_eq!(
        grant_consent().tracking_id,
        None,
        "nothing held after clear"
    );
    assert_eq!(jar(), "");
}

// ----- one copy -----

#[wasm_bindgen_test]
async fn an_existing_cookie_is_replaced_and_one_copy_remains() {
    let _page = fresh(2).await;
    set_raw_cookie("ta_tid=staleValue; Path=/; Max-Age=3600; SameSite=Strict");
    set_raw_cookie("other=kept; Path=/");
    let outcome = landing("/?ta_tid=freshValue");
    assert_eq!(outcome.storage, Some(Storage::Cookie));
    assert_eq!(cookie_values("ta_tid"), ["freshValue"]);
    assert_eq!(cookie_values("other"), ["kept"], "other cookies untouched");

    // A hostile stale value is replaced too.
    set_raw_cookie("ta_tid=x%3By; Path=/");
    landing("/?ta_tid=freshAgain");
    assert_eq!(cookie_values("ta_tid"), ["freshAgain"]);
}

#[wasm_bindgen_test]
async fn a_successful_cookie_write_removes_a_stale_mirror() {
    let _page = fresh(2).await;
    block_cookies("throw");
    assert_eq!(
        landing("/?ta_tid=wasMirrored").storage,
        Some(Storage::LocalStorage)
    );
    restore_page();
    let outcome = landing("/?ta_tid=nowCookie");
    assert_eq!(outcome.storage, Some(Storage::Cookie));
    assert_eq!(
        mirror(),
        None,
        "one copy: the mirror goes once the cookie sticks"
    );
    assert_eq!(jar(), "ta_tid=nowCookie");
}

// ----- fallback -----

#[wasm_bindgen_test]
async fn throwing_cookies_fall_back_to_the_local_storage_mirror() {
    let _page = fresh(2).await;
    block_cookies("throw");
    let before = now_ms();
    let outcome = landing("/?ta_tid=mirror1");
    assert_eq!(outcome.tracking_id.as_deref(), Some("mirror1"));
    assert_eq!(outcome.storage, Some(Storage::LocalStorage));
    assert_eq!(outcome.storage.map(Storage::as_str), Some("localStorage"));
    assert_eq!(outcome.domain, None);
    assert_expires_in(&outcome, 90, before);
    let expires = outcome.expires_at_ms.unwrap();
    assert_eq!(mirror(), Some(format!("mirror1|{expires}")));
    assert_eq!(tracking_id().as_deref(), Some("mirror1"));
    let later = landing("/");
    assert_eq!(
        later.tracking_id.as_deref(),
        Some("mirror1"),
        "a later capture reports it"
    );
    assert_eq!(later.source, Some(Source::Stored));
    assert_eq!(later.storage, Some(Storage::LocalStorage));
    restore_page();
    assert_eq!(jar(), "", "the real jar got nothing");
}

#[wasm_bindgen_test]
async fn silently_ignored_cookies_fall_back_to_the_mirror() {
    let _page = fresh(1).await;
    // Cookies disabled: document.cookie reads "" and drops writes without throwing.
    block_cookies("ignore");
    let outcome = landing("/?ta_tid=mirror2");
    assert_eq!(outcome.storage, Some(Storage::LocalStorage));
    assert!(mirror().unwrap().starts_with("mirror2|"));
    assert_eq!(tracking_id().as_deref(), Some("mirror2"));
}

#[wasm_bindgen_test]
async fn no_cookies_and_no_local_storage_keep_the_id_in_memory() {
    let _page = fresh(1).await;
    block_cookies("throw");
    block_local_storage();
    let outcome = landing("/?ta_tid=memory1");
    assert_eq!(outcome.tracking_id.as_deref(), Some("memory1"));
    assert_eq!(outcome.storage, Some(Storage::Memory));
    assert_eq!(outcome.storage.map(Storage::as_str), Some("memory"));
    assert_eq!(outcome.expires_at_ms, None);
    assert_eq!(tracking_id().as_deref(), Some("memory1"));
    // Clearing and consent work without any storage, too.
    revoke_consent();
    assert_eq!(tracking_id(), None);
    assert_eq!(grant_consent().tracking_id, None);
    restore_page();
    assert_eq!(jar(), "");
    assert_eq!(local_storage().length().unwrap(), 0);
}

#[wasm_bindgen_test]
async fn a_full_local_storage_keeps_the_id_in_memory() {
    let _page = fresh(1).await;
    block_cookies("ignore");
    fill_local_storage();
    let outcome = landing("/?ta_tid=memory2");
    assert_eq!(outcome.storage, Some(Storage::Memory));
    assert_eq!(tracking_id().as_deref(), Some("memory2"));
    restore_page();
    assert_eq!(local_storage().length().unwrap(), 0);
}

#[wasm_bindgen_test]
async fn storage_fallback_off_keeps_the_id_in_memory() {
    let _page = fresh(1).await;
    block_cookies("throw");
    let outcome = capture_at(
        "/?ta_tid=memory3",
        &Options::default().storage_fallback(false),
    );
    assert_eq!(outcome.storage, Some(Storage::Memory));
    assert_eq!(mirror(), None);
    assert_eq!(tracking_id().as_deref(), Some("memory3"));
}

/// `Secure` on an http: page: whether the browser keeps it differs (127.0.0.1 is a
/// "potentially trustworthy" origin); the outcome must say where the id really went.
#[wasm_bindgen_test]
async fn secure_cookies_on_http_are_reported_where_they_really_went() {
    let _page = fresh(1).await;
    for (label, options) in [
        ("Secure", Options::default().secure(Secure::Always)),
        (
            "SameSite=None",
            Options::default()
                .same_site(SameSite::None)
                .secure(Secure::Never),
        ),
    ] {
        let outcome = capture_at("/?ta_tid=secureId", &options);
        match outcome.storage {
            Some(Storage::Cookie) => {
                assert_eq!(cookie_values("ta_tid"), ["secureId"], "{label}");
                assert_eq!(mirror(), None, "{label}");
            }
            Some(Storage::LocalStorage) => {
                assert_eq!(jar(), "", "{label}");
                assert!(mirror().unwrap().starts_with("secureId|"), "{label}");
            }
            other => panic!("{label}: kept in {other:?}"),
        }
        assert_eq!(tracking_id().as_deref(), Some("secureId"), "{label}");
        console_log!(
            "{label} cookie written from http://127.0.0.1: kept in {:?}",
            outcome.storage
        );
        clear();
        expire_all_cookies();
    }
}

// ----- strip -----

#[wasm_bindgen_test]
async fn strip_param_removes_only_the_tracking_parameter() {
    let cases = [
        (
            "/shop/item?a=1&ta_tid=strip1&b=2#section",
            "/shop/item?a=1&b=2#section",
        ),
        ("/p?ta_tid=strip2#top", "/p#top"),
        ("/?x=1#/landing?ta_tid=strip3&utm=y", "/?x=1#/landing?utm=y"),
        ("/#/landing?ta_tid=strip4", "/#/landing"),
        (
            "/?ta_tid=strip5&keep=%20space+plus&%74a_tid=again&z=9",
            "/?keep=%20space+plus&z=9",
        ),
        // Invalid ids leave the address too, and are not stored.
        ("/?ta_tid=bad%3B&k=v", "/?k=v"),
    ];
    let _page = fresh(2 * cases.len() as u32).await;
    let strip = Options::default().strip_param(true);
    for (before, after) in cases {
        capture_at(before, &strip);
        assert_eq!(url(), after, "{before}");
    }
    assert_eq!(cookie_values("ta_tid"), ["strip5"]);
}

#[wasm_bindgen_test]
async fn strip_param_keeps_the_router_state_and_is_off_by_default() {
    let _page = fresh(2).await;
    let history = history();
    let state = Object::new();
    Reflect::set(&state, &"route".into(), &"landing".into()).unwrap();
    history
        .replace_state_with_url(&state, "", Some("/r?ta_tid=stateful&q=1"))
        .unwrap();
    capture(&Options::default());
    assert_eq!(
        url(),
        "/r?ta_tid=stateful&q=1",
        "stripParam is off by default"
    );
    let length = history.length().unwrap();
    capture(&Options::default().strip_param(true));
    assert_eq!(url(), "/r?q=1");
    let kept = Reflect::get(&history.state().unwrap(), &"route".into()).unwrap();
    assert_eq!(kept.as_string().as_deref(), Some("landing"));
    assert_eq!(history.length().unwrap(), length, "no history entry added");
}

// ----- the page calling back into the module -----

/// Routers and analytics tools wrap `history.replaceState`; their listener may ask for the
/// id while `stripParam` rewrites the address.
#[wasm_bindgen_test]
async fn a_replace_state_listener_may_read_the_id() {
    let _page = fresh(4).await;
    landing("/?ta_tid=storedBefore");
    set_url("/?ta_tid=storedAfter&x=1");
    let seen: Rc<RefCell<Vec<Option<String>>>> = Rc::default();
    let record = seen.clone();
    let listener = Closure::<dyn FnMut()>::new(move || record.borrow_mut().push(tracking_id()));
    on_replace_state(listener.as_ref().unchecked_ref());
    let outcome = capture(&Options::default().strip_param(true));
    restore_page();
    assert_eq!(outcome.tracking_id.as_deref(), Some("storedAfter"));
    assert_eq!(url(), "/?x=1");
    // The listener ran while the address changed, which is only once the new id is kept
    // (the parameter stays in the address until then, so a reload could still find it).
    assert_eq!(*seen.borrow(), [Some("storedAfter".to_string())]);
    assert_eq!(cookie_values("ta_tid"), ["storedAfter"]);
    assert_eq!(tracking_id().as_deref(), Some("storedAfter"));
}

#[wasm_bindgen_test]
async fn strip_keeps_a_path_that_starts_with_two_slashes() {
    let _page = fresh(3).await;
    // (`//landing` itself cannot be set: it would be another host.)
    set_url("/.//landing?ta_tid=slashes&x=1");
    assert_eq!(url(), "//landing?ta_tid=slashes&x=1");
    let outcome = capture(&Options::default().strip_param(true));
    assert_eq!(outcome.tracking_id.as_deref(), Some("slashes"));
    assert_eq!(url(), "//landing?x=1", "the path kept, the parameter gone");
}

// ----- debug -----

#[wasm_bindgen_test]
async fn debug_says_why_nothing_was_stored_and_is_quiet_otherwise() {
    let _page = fresh(4).await;
    record_warnings();
    landing("/?ta_tid=bad%3B");
    block_cookies("throw");
    block_local_storage();
    landing("/?ta_tid=quiet");
    let quiet = recorded_warnings();
    assert_eq!(quiet.length(), 0, "{quiet:?}");

    let debug = Options::default().debug(true);
    capture_at("/?ta_tid=bad%3B", &debug);
    capture_at("/?ta_tid=loud", &debug);
    let said: Vec<String> = recorded_warnings()
        .iter()
        .filter_map(|w| w.as_string())
        .collect();
    assert!(said.iter().all(|w| w.starts_with("[taapit]")), "{said:?}");
    for reason in [
        "an id that is not valid",
        "cookies unavailable",
        "localStorage unavailable",
    ] {
        assert!(
            said.iter().any(|w| w.contains(reason)),
            "{reason}: {said:?}"
        );
    }
}

// ----- the JavaScript exports -----

/// The URL of the shipped loader, which `scripts/test-browsers.sh` passes at build time.
/// Without it the JavaScript API tests fail (rather than pass without testing anything).
fn loader_url() -> &'static str {
    match option_env!("TAAPIT_LOADER") {
        Some(url) => url,
        None => panic!(
            "TAAPIT_LOADER is unset: the JavaScript API tests need the built pkg/; run them with \
             `bash scripts/test-browsers.sh` (or `bash scripts/build.sh`, then \
             `TAAPIT_LOADER=/pkg/loader.js cargo test --target wasm32-unknown-unknown`)"
        ),
    }
}

/// The JavaScript API over a new instance of the shipped `.wasm`.
async fn glue() -> JsValue {
    let promise = load_module(loader_url()).expect("load_module");
    JsFuture::from(promise)
        .await
        .expect("the shipped module loads")
}

/// The loader compiles the `.wasm` synchronously from its bytes, as an ArrayBuffer or as a
/// typed array over part of a buffer: each gives a working API. Anything else (a promise of
/// the bytes) is refused with an exception, which its callers (wrapper.js) catch.
#[wasm_bindgen_test]
async fn the_loader_takes_bytes_as_a_buffer_or_a_view() {
    let url = loader_url();
    let _page = fresh(3).await;
    // Each is a new instance; the id each captures replaces the one before (last-click).
    for how in ["bytes", "view"] {
        set_url(&format!("/?ta_tid=via-{how}"));
        let promise = load_module_as(url, how).expect("load_module");
        let glue = JsFuture::from(promise).await.expect(how);
        let result = call(&glue, "capture", &[]).expect("capture does not throw");
        let expected = format!("via-{how}");
        assert_eq!(
            check_result(&result, how).as_deref(),
            Some(expected.as_str())
        );
        assert_eq!(jar(), format!("ta_tid={expected}"), "{how}");
    }
    let promise = load_module_as(url, "promise").expect("load_module");
    assert!(
        JsFuture::from(promise).await.is_err(),
        "a promise is not bytes: the loader throws"
    );
}

/// Calls export `name`; `Err` if it threw.
fn call(glue: &JsValue, name: &str, args: &[JsValue]) -> Result<JsValue, JsValue> {
    let function: Function = Reflect::get(glue, &name.into())?.dyn_into()?;
    function.apply(&JsValue::NULL, &args.iter().collect::<Array>())
}

fn field(object: &JsValue, name: &str) -> JsValue {
    Reflect::get(object, &name.into()).unwrap_or(JsValue::UNDEFINED)
}

fn text(object: &JsValue, name: &str) -> Option<String> {
    field(object, name).as_string()
}

/// Checks a `CaptureResult` has its five fields with the right types; returns its id.
fn check_result(result: &JsValue, context: &str) -> Option<String> {
    assert!(result.is_object(), "{context}: {result:?}");
    let id = field(result, "trackingId");
    assert!(
        id.is_null() || id.is_string(),
        "{context}: trackingId {id:?}"
    );
    for (name, allowed) in [
        ("source", &["search", "hash", "stored"][..]),
        ("storage", &["cookie", "localStorage", "memory"][..]),
    ] {
        let value = field(result, name);
        assert!(
            value.is_null() || allowed.contains(&value.as_string().unwrap_or_default().as_str()),
            "{context}: {name} {value:?}"
        );
    }
    let domain = field(result, "domain");
    assert!(
        domain.is_null() || domain.is_string(),
        "{context}: domain {domain:?}"
    );
    let expires = field(result, "expiresAt");
    assert!(
        expires.is_null() || expires.as_f64().is_some(),
        "{context}: expiresAt {expires:?}"
    );
    let id = id.as_string();
    if let Some(id) = &id {
        assert!(is_valid_id(id), "{context}: invalid id {id:?} returned");
    }
    id
}

fn js_options(pairs: &[(&str, JsValue)]) -> JsValue {
    let object = Object::new();
    for (key, value) in pairs {
        Reflect::set(&object, &(*key).into(), value).unwrap();
    }
    object.into()
}

#[wasm_bindgen_test]
async fn js_exports_capture_read_clear_and_consent() {
    let _page = fresh(4).await;
    let glue = glue().await;
    set_url("/landing?ta_tid=fromJs&keep=1#h");
    let before = now_ms();
    let options = js_options(&[("expiresInDays", 30.into()), ("stripParam", true.into())]);
    let result = call(&glue, "capture", &[options]).expect("capture does not throw");
    assert_eq!(check_result(&result, "capture").as_deref(), Some("fromJs"));
    assert_eq!(text(&result, "source").as_deref(), Some("search"));
    assert_eq!(text(&result, "storage").as_deref(), Some("cookie"));
    assert!(field(&result, "domain").is_null());
    let expires = field(&result, "expiresAt").as_f64().unwrap() as u64;
    assert!((before + 30 * DAY_MS..=now_ms() + 30 * DAY_MS).contains(&expires));
    assert_eq!(url(), "/landing?keep=1#h");
    assert_eq!(jar(), "ta_tid=fromJs");

    let id = call(&glue, "getTrackingId", &[]).unwrap();
    assert_eq!(id.as_string().as_deref(), Some("fromJs"));
    assert!(call(&glue, "clearTrackingId", &[]).unwrap().is_undefined());
    assert_eq!(jar(), "");
    // No id is `null`, as ARCHITECTURE.md's *Capture rules* say, from the raw export too.
    let none = call(&glue, "getTrackingId", &[]).unwrap();
    assert!(none.is_null(), "{none:?}");

    // Options as the script tag's data- attributes give them: all text.
    set_url("/?ta_tid=pendingJs");
    let options = js_options(&[
        ("consent", "pending".into()),
        ("expiresInDays", "60".into()),
        ("stripParam", "false".into()),
        ("params", "ref, ta_tid".into()),
    ]);
    let result = call(&glue, "capture", &[options]).unwrap();
    assert_eq!(text(&result, "storage").as_deref(), Some("memory"));
    assert_eq!(jar(), "");
    let result = call(&glue, "grantConsent", &[]).unwrap();
    assert_eq!(
        check_result(&result, "grantConsent").as_deref(),
        Some("pendingJs")
    );
    assert_eq!(text(&result, "storage").as_deref(), Some("cookie"));
    let expires = field(&result, "expiresAt").as_f64().unwrap() as u64;
    assert!(expires > now_ms() + 59 * DAY_MS && expires <= now_ms() + 60 * DAY_MS);
    assert_eq!(jar(), "ta_tid=pendingJs");
    assert!(call(&glue, "revokeConsent", &[]).unwrap().is_undefined());
    assert_eq!(jar(), "");
    let none = call(&glue, "getTrackingId", &[]).unwrap();
    assert!(none.is_null(), "{none:?}");

    // No options at all: the defaults.
    set_url("/?ta_tid=defaultsJs");
    let _ = call(&glue, "grantConsent", &[]).unwrap();
    let result = call(&glue, "capture", &[]).unwrap();
    assert_eq!(
        check_result(&result, "capture()").as_deref(),
        Some("defaultsJs")
    );
    assert_eq!(text(&result, "storage").as_deref(), Some("cookie"));
    let result = call(&glue, "capture", &[JsValue::UNDEFINED]).unwrap();
    assert_eq!(text(&result, "storage").as_deref(), Some("cookie"));
    call(&glue, "clearTrackingId", &[]).unwrap();
}

#[wasm_bindgen_test]
async fn js_exports_never_throw_on_weird_options() {
    let _page = fresh(4).await;
    let glue = glue().await;
    let mut threw = Vec::new();
    for url in ["/?ta_tid=weirdOk", "/?ta_tid=bad%3B", "/"] {
        set_url(url);
        for case in weird_options().iter() {
            let case: Array = case.unchecked_into();
            let label = case.get(0).as_string().unwrap_or_default();
            match call(&glue, "capture", &[case.get(1)]) {
                Ok(result) => {
                    let id = check_result(&result, &label);
                    if url != "/?ta_tid=weirdOk" {
                        assert_eq!(id, None, "{url} {label}");
                    }
                }
                Err(error) => threw.push(format!("{url} capture({label}): {error:?}")),
            }
            for name in ["getTrackingId", "grantConsent", "clearTrackingId"] {
                if let Err(error) = call(&glue, name, &[]) {
                    threw.push(format!("{url} {label}, then {name}: {error:?}"));
                }
            }
            assert!(!jar().contains("bad"), "{label}");
            expire_all_cookies();
            local_storage().clear().unwrap();
        }
    }
    let threw: Vec<String> = threw
        .iter()
        .map(|e| e.lines().next().unwrap_or_default().to_owned())
        .collect();
    assert!(
        threw.is_empty(),
        "exceptions escaped:\n{}",
        threw.join("\n")
    );
}

#[wasm_bindgen_test]
async fn js_exports_never_throw_when_the_page_is_hostile() {
    let _page = fresh(2).await;
    let glue = glue().await;
    let calls = [
        ("capture", vec![js_options(&[("debug", true.into())])]),
        ("getTrackingId", vec![]),
        ("grantConsent", vec![]),
        ("revokeConsent", vec![]),
        ("grantConsent", vec![]),
        ("clearTrackingId", vec![]),
    ];
    let mut threw = Vec::new();
    set_url("/?ta_tid=hostilePage");
    for hostile in [
        "cookies throw",
        "cookies ignored",
        "all storage blocked",
        "storage full",
        "console.warn throws",
    ] {
        restore_page();
        match hostile {
            "cookies throw" => block_cookies("throw"),
            "cookies ignored" => block_cookies("ignore"),
            "all storage blocked" => {
                block_cookies("throw");
                block_local_storage();
            }
            "storage full" => {
                block_cookies("ignore");
                fill_local_storage();
            }
            _ => {
                block_cookies("throw");
                break_console();
            }
        }
        for (name, args) in &calls {
            match call(&glue, name, args) {
                Ok(result) if *name == "capture" => {
                    let id = check_result(&result, hostile);
                    assert_eq!(id.as_deref(), Some("hostilePage"), "{hostile}");
                }
                Ok(_) => {}
                Err(error) => threw.push(format!(
                    "{hostile}: {name}: {}",
                    format!("{error:?}").lines().next().unwrap_or_default()
                )),
            }
        }
    }
    restore_page();
    // The module still works once the page behaves.
    let result = call(&glue, "capture", &[]).expect("capture after a hostile page");
    assert_eq!(text(&result, "storage").as_deref(), Some("cookie"));
    assert_eq!(jar(), "ta_tid=hostilePage");
    call(&glue, "clearTrackingId", &[]).unwrap();
    assert!(
        threw.is_empty(),
        "exceptions escaped:\n{}",
        threw.join("\n")
    );
}

/// An analytics listener on `history.replaceState` asks the JS API for the id while
/// `stripParam` rewrites the address.
#[wasm_bindgen_test]
async fn js_exports_survive_a_replace_state_listener_that_reads_the_id() {
    let _page = fresh(2).await;
    let glue = glue().await;
    let seen: Rc<RefCell<Vec<Result<JsValue, JsValue>>>> = Rc::default();
    let record = seen.clone();
    let reader = glue.clone();
    let listener = Closure::<dyn FnMut()>::new(move || {
        record
            .borrow_mut()
            .push(call(&reader, "getTrackingId", &[]));
    });
    set_url("/?ta_tid=listened&x=1");
    on_replace_state(listener.as_ref().unchecked_ref());
    let options = js_options(&[("stripParam", true.into())]);
    let result = call(&glue, "capture", &[options]);
    restore_page();
    let result = result.expect("capture does not throw");
    assert_eq!(
        check_result(&result, "capture").as_deref(),
        Some("listened")
    );
    assert_eq!(url(), "/?x=1");
    let seen = seen.borrow();
    assert_eq!(seen.len(), 1);
    let first = seen[0]
        .as_ref()
        .map_err(|e| format!("{e:?}").lines().next().map(str::to_owned));
    assert!(
        first.is_ok(),
        "getTrackingId threw inside the listener: {first:?}"
    );
    // The module still works afterwards.
    let id = call(&glue, "getTrackingId", &[]).expect("getTrackingId after the listener");
    assert_eq!(id.as_string().as_deref(), Some("listened"));
    call(&glue, "clearTrackingId", &[]).unwrap();
}

/// The Rust API fires the page's `taapit:change` after each capture, clear, grant and revoke,
/// with the id then in effect, as the npm entry and the script tag do.
#[wasm_bindgen_test]
async fn the_rust_api_fires_taapit_change() {
    let _page = fresh(2).await;
    record_changes();
    set_url("/?ta_tid=evented");
    capture(&Options::default().consent(Consent::Pending));
    grant_consent();
    clear();
    capture(&Options::default());
    revoke_consent();
    let seen: Vec<String> = recorded_changes()
        .iter()
        .map(|v| v.as_string().unwrap())
        .collect();
    assert_eq!(
        seen,
        [
            "capture:evented:memory",
            "grant:evented:cookie",
            "clear:null:-",
            "capture:evented:cookie",
            "revoke:null:-",
        ]
    );
}
