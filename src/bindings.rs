//! The JavaScript API: `#[wasm_bindgen]` exports over the Rust API, and reading a plain JS
//! options object into [`Options`].
//!
//! Options are read with `Reflect.get` and checked here, not deserialised with serde: the
//! script build is budgeted at a few kilobytes and serde would weigh more than the module.

use crate::prelude::*;

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;

use crate::core::capture::{self, Capture, Page};
use crate::core::cookie::is_valid_name;
use crate::core::options::{
    clamp_days, parse_bool, parse_params, Attribution, Consent, DomainOption, Options, SameSite,
    Secure,
};
use crate::core::outbound::{self, parse_patterns};
use crate::core::text::concat;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &str = r#"
/** Options of `capture()`. Every field is optional; a bad value falls back to its default. */
export interface CaptureOptions {
  /** URL parameters carrying the id, tried in order. Default `["ta_tid"]`. */
  params?: string[] | string;
  /** Cookie name. Default `"ta_tid"`. */
  cookieName?: string;
  /** Cookie lifetime in days, clamped to 1–400. Default 90. */
  expiresInDays?: number;
  /** `"auto"` (default), `"host"` (host-only), or a domain the host is or belongs to. */
  domain?: string;
  /** Default `"last-click"`. */
  attribution?: "last-click" | "first-click";
  /** Default `"lax"`. `"none"` forces `Secure`. */
  sameSite?: "lax" | "strict" | "none";
  /** Default `"auto"`: `Secure` on https pages. */
  secure?: "auto" | boolean;
  /** `"pending"` keeps the id in memory until `grantConsent()`. Default `"granted"`. */
  consent?: "granted" | "pending";
  /** Remove the tracking parameters from the address bar. Default `false`. */
  stripParam?: boolean;
  /** Keep the id in localStorage when cookies cannot be written. Default `true`. */
  storageFallback?: boolean;
  /** Log to the console why an id was not stored or an option was refused. Default `false`. */
  debug?: boolean;
  /**
   * Hosts whose links get `ta_tid=<id>` added when followed: `"shop.example.net"` (that host)
   * or `"*.example.org"` (the domain and every subdomain). Default none. Links are decorated
   * at click time by one delegated listener; for `window.open` or redirects made in JS, pass
   * the URL through `decorateUrl()`.
   */
  outbound?: string[] | string;
}

/** What `capture()` or `grantConsent()` did. */
export interface CaptureResult {
  /** The tracking id now in effect, or `null`. */
  trackingId: string | null;
  /** Where it came from. */
  source: "search" | "hash" | "stored" | null;
  /** Where it is kept. */
  storage: "cookie" | "localStorage" | "memory" | null;
  /** The cookie's `Domain` when this call wrote one; `null` for host-only or no write. */
  domain: string | null;
  /** When the kept id expires (Unix milliseconds): what this call wrote, or the mirror's
   * expiry for an id read back from it; `null` when unknown (a stored cookie, memory). */
  expiresAt: number | null;
}
"#;

#[wasm_bindgen]
extern "C" {
    // The js-sys versions do not catch: an options object that is a revoked Proxy, or has a
    // throwing `ownKeys` trap, getter or iterator, would throw through `capture()`.
    #[wasm_bindgen(catch, js_namespace = Object, js_name = keys)]
    fn object_keys(object: &JsValue) -> Result<Array, JsValue>;
    #[wasm_bindgen(catch, js_namespace = Array, js_name = isArray)]
    fn is_array(value: &JsValue) -> Result<bool, JsValue>;
    #[wasm_bindgen(catch, js_namespace = Array, js_name = from)]
    fn array_from(value: &JsValue) -> Result<Array, JsValue>;
}

/// The options `read_options` reads in its loop, in order, with what a valid value looks like
/// (for the `debug` message). `debug` is read first, on its own, and is not in the list.
const FIELDS: [(&str, &str); 11] = [
    ("params", "a list of parameter names"),
    (
        "cookieName",
        "a cookie name (letters, digits, !#$%&'*+-.^_`|~)",
    ),
    ("expiresInDays", "a number of days (1-400)"),
    ("domain", "\"auto\", \"host\" or a domain name"),
    ("attribution", "\"last-click\" or \"first-click\""),
    ("sameSite", "\"lax\", \"strict\" or \"none\""),
    ("secure", "\"auto\", true or false"),
    ("consent", "\"granted\" or \"pending\""),
    ("stripParam", "true or false"),
    ("storageFallback", "true or false"),
    (
        "outbound",
        "host names or *.domain patterns (\"shop.example.net, *.example.org\")",
    ),
];

/// Reads the tracking id from the page URL and stores it by the capture rules.
#[wasm_bindgen(unchecked_return_type = "CaptureResult")]
pub fn capture(
    #[wasm_bindgen(unchecked_param_type = "CaptureOptions")] options: JsValue,
) -> JsValue {
    let options = read_options(&options);
    to_js(&crate::browser::with_page(|page, session| {
        capture::capture_owned(page, session, options)
    }))
}

/// The tracking id to send to the backend, or `null`.
#[wasm_bindgen(js_name = getTrackingId, unchecked_return_type = "string | null")]
pub fn get_tracking_id() -> JsValue {
    crate::tracking_id().map_or(JsValue::NULL, |id| JsValue::from_str(&id))
}

/// Removes the id from the cookie (every domain level), the localStorage mirror and memory.
#[wasm_bindgen(js_name = clearTrackingId)]
pub fn clear_tracking_id() {
    crate::clear()
}

/// Records consent and stores the id held in memory while consent was pending.
#[wasm_bindgen(js_name = grantConsent, unchecked_return_type = "CaptureResult")]
pub fn grant_consent() -> JsValue {
    to_js(&crate::grant_consent())
}

/// Deletes the id everywhere and keeps later captures on this page in memory.
#[wasm_bindgen(js_name = revokeConsent)]
pub fn revoke_consent() {
    crate::revoke_consent()
}

/// `href` with the tracking id added (`?ta_tid=<id>`) when it links to a host of the
/// `outbound` option other than this page's, and lacks the parameter; otherwise `null`.
/// Never while consent is pending or revoked.
#[wasm_bindgen(js_name = decorateUrl, unchecked_return_type = "string | null")]
pub fn decorate_url(#[wasm_bindgen(unchecked_param_type = "string")] href: JsValue) -> JsValue {
    let decorated = href.as_string().and_then(|href| {
        crate::browser::with_page(|page, session| {
            let options = &session.options;
            if options.outbound.is_empty() || options.consent == Consent::Pending {
                return None;
            }
            let id = capture::tracking_id(page, session)?;
            let param = options.params.first().map_or("ta_tid", String::as_str);
            outbound::decorate(&href, &page.location().host, &options.outbound, param, &id)
        })
    });
    decorated.map_or(JsValue::NULL, |url| JsValue::from_str(&url))
}

fn to_js(outcome: &Capture) -> JsValue {
    let object = Object::new();
    let set = |key: &str, value: JsValue| {
        let _ = Reflect::set(&object, &JsValue::from_str(key), &value);
    };
    let text = |value: Option<&str>| value.map_or(JsValue::NULL, JsValue::from_str);
    set("trackingId", text(outcome.tracking_id.as_deref()));
    set("source", text(outcome.source.map(capture::Source::as_str)));
    set(
        "storage",
        text(outcome.storage.map(capture::Storage::as_str)),
    );
    set("domain", text(outcome.domain.as_deref()));
    set(
        "expiresAt",
        outcome
            .expires_at_ms
            .map_or(JsValue::NULL, |ms| JsValue::from_f64(ms as f64)),
    );
    object.into()
}

/// Reads a JS options object. A missing field keeps its default; a bad one keeps its default
/// and, with `debug`, says so on the console.
///
/// One loop over [`FIELDS`] with one `Reflect.get` and one message, rather than a closure per
/// option: each closure was its own function in the `.wasm`.
fn read_options(js: &JsValue) -> Options {
    if js.is_undefined() || js.is_null() {
        return Options::default();
    }
    let get = |key: &str| Reflect::get(js, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED);
    let debug = read_bool(&get("debug")).unwrap_or(false);
    let mut parsed = Options {
        debug,
        ..Options::default()
    };
    let say = |parts: &[&str]| {
        if debug {
            let mut message = String::from("[taapit] option ");
            message.push_str(&concat(parts));
            crate::browser::warn(&message);
        }
    };
    if !js.is_object() {
        say(&["object expected; using the defaults"]);
        return parsed;
    }
    // Unknown names only matter to the debug message, so only `debug` lists the keys.
    if debug {
        for key in object_keys(js).iter().flat_map(Array::iter) {
            let key = key.as_string().unwrap_or_default();
            if key != "debug" && !FIELDS.iter().any(|(known, _)| *known == key) {
                say(&[&key, ": no such option (ignored)"]);
            }
        }
    }
    let mut clamped = false;
    for (key, expected) in FIELDS {
        let value = get(key);
        if value.is_undefined() || value.is_null() {
            continue;
        }
        let text = value.as_string();
        let text = text.as_deref();
        let o = &mut parsed;
        let ok = match key {
            "params" => set(&mut o.params, read_list(&value, parse_params)),
            "cookieName" => set(
                &mut o.cookie_name,
                text.filter(|n| is_valid_name(n)).map(String::from),
            ),
            "expiresInDays" => {
                let days = read_days(&value);
                clamped = days.is_some_and(|d| clamp_days(d) != d);
                set(&mut o.expires_in_days, days)
            }
            "domain" => set(&mut o.domain, text.and_then(DomainOption::parse)),
            "attribution" => set(&mut o.attribution, text.and_then(Attribution::parse)),
            "sameSite" => set(&mut o.same_site, text.and_then(SameSite::parse)),
            "secure" => {
                let secure = match value.as_bool() {
                    Some(true) => Some(Secure::Always),
                    Some(false) => Some(Secure::Never),
                    None => text.and_then(Secure::parse),
                };
                set(&mut o.secure, secure)
            }
            "consent" => set(&mut o.consent, text.and_then(Consent::parse)),
            "stripParam" => set(&mut o.strip_param, read_bool(&value)),
            "storageFallback" => set(&mut o.storage_fallback, read_bool(&value)),
            // "outbound", the last of FIELDS.
            _ => set(&mut o.outbound, read_list(&value, parse_patterns)),
        };
        if !ok {
            say(&[key, ": expected ", expected, "; using the default"]);
        }
    }
    if clamped {
        say(&["expiresInDays: clamped to 1-400 days"]);
    }
    parsed
}

/// Stores `value` in `slot` if there is one; says whether there was.
fn set<T>(slot: &mut T, value: Option<T>) -> bool {
    value.map(|v| *slot = v).is_some()
}

fn read_bool(value: &JsValue) -> Option<bool> {
    value
        .as_bool()
        .or_else(|| value.as_string().and_then(|t| parse_bool(&t)))
}

/// A list (`params`, `outbound`): an array of strings, or one string of items separated by
/// commas, read by `parse` either way (the array joined with commas).
fn read_list(value: &JsValue, parse: fn(&str) -> Option<Vec<String>>) -> Option<Vec<String>> {
    if !is_array(value).unwrap_or(false) {
        return parse(&value.as_string()?);
    }
    let mut text = String::new();
    for (i, item) in array_from(value).ok()?.iter().enumerate() {
        if i > 0 {
            text.push(',');
        }
        text.push_str(&item.as_string()?);
    }
    parse(&text)
}

/// A number of days, given as a number or as text (`data-` attributes); rounded, and at
/// least 0 (the 1–400 clamp comes after, so `0` means the shortest lifetime, not the default).
fn read_days(value: &JsValue) -> Option<u32> {
    let number = match value.as_string() {
        Some(text) if text.trim().is_empty() => return None,
        Some(text) => JsValue::from_str(&text).unchecked_into_f64(),
        None => value.as_f64()?,
    };
    // Rounded half away from zero (`f64::round`, which is std, not core): the cast saturates
    // (negative → 0, too large → `u32::MAX`) and the fraction below 2^32 is exact.
    number.is_finite().then(|| {
        let whole = number as u32;
        whole.saturating_add(u32::from(number - f64::from(whole) >= 0.5))
    })
}
