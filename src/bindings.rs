//! The JavaScript API: `#[wasm_bindgen]` exports over the Rust API, and reading a plain JS
//! options object into [`Options`].
//!
//! Options are read with `Reflect.get` and checked here, not deserialised with serde: the
//! script build is budgeted at a few kilobytes and serde would weigh more than the module.

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;

use crate::core::capture::{self, Capture, Page};
use crate::core::cookie::is_valid_name;
use crate::core::options::{
    clamp_days, parse_bool, parse_params, Attribution, Consent, DomainOption, Options, SameSite,
    Secure,
};
use crate::core::outbound::{self, parse_patterns};
use crate::core::text::{concat, join};

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
   * or `"*.example.org"` (the domain and every subdomain). Default none. The script tag
   * applies it at click time; elsewhere, pass link URLs through `decorateUrl()`.
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
  /** When what this call wrote expires (Unix milliseconds), or `null`. */
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

const KNOWN: [&str; 12] = [
    "params",
    "cookieName",
    "expiresInDays",
    "domain",
    "attribution",
    "sameSite",
    "secure",
    "consent",
    "stripParam",
    "storageFallback",
    "debug",
    "outbound",
];

/// Reads the tracking id from the page URL and stores it by the capture rules.
#[wasm_bindgen(unchecked_return_type = "CaptureResult")]
pub fn capture(
    #[wasm_bindgen(unchecked_param_type = "CaptureOptions")] options: JsValue,
) -> JsValue {
    let options = read_options(&options);
    to_js(&crate::capture(&options))
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
    for key in object_keys(js).iter().flat_map(Array::iter) {
        let key = key.as_string().unwrap_or_default();
        if !KNOWN.contains(&key.as_str()) {
            say(&[&key, ": no such option (ignored)"]);
        }
    }
    let read = |key: &str, expected: &str, apply: &mut dyn FnMut(&JsValue) -> bool| {
        let value = get(key);
        if !value.is_undefined() && !value.is_null() && !apply(&value) {
            say(&[key, ": expected ", expected, "; using the default"]);
        }
    };
    read("params", "a list of parameter names", &mut |v| {
        set(&mut parsed.params, read_params(v))
    });
    read(
        "cookieName",
        "a cookie name (letters, digits, !#$%&'*+-.^_`|~)",
        &mut |v| {
            set(
                &mut parsed.cookie_name,
                v.as_string().filter(|n| is_valid_name(n)),
            )
        },
    );
    read("expiresInDays", "a number of days (1-400)", &mut |v| {
        set(&mut parsed.expires_in_days, read_days(v))
    });
    read("domain", "\"auto\", \"host\" or a domain name", &mut |v| {
        set(
            &mut parsed.domain,
            v.as_string().and_then(|t| DomainOption::parse(&t)),
        )
    });
    read(
        "attribution",
        "\"last-click\" or \"first-click\"",
        &mut |v| {
            set(
                &mut parsed.attribution,
                v.as_string().and_then(|t| Attribution::parse(&t)),
            )
        },
    );
    read("sameSite", "\"lax\", \"strict\" or \"none\"", &mut |v| {
        set(
            &mut parsed.same_site,
            v.as_string().and_then(|t| SameSite::parse(&t)),
        )
    });
    read("secure", "\"auto\", true or false", &mut |v| {
        let secure = match v.as_bool() {
            Some(true) => Some(Secure::Always),
            Some(false) => Some(Secure::Never),
            None => v.as_string().and_then(|t| Secure::parse(&t)),
        };
        set(&mut parsed.secure, secure)
    });
    read("consent", "\"granted\" or \"pending\"", &mut |v| {
        set(
            &mut parsed.consent,
            v.as_string().and_then(|t| Consent::parse(&t)),
        )
    });
    read("stripParam", "true or false", &mut |v| {
        set(&mut parsed.strip_param, read_bool(v))
    });
    read("storageFallback", "true or false", &mut |v| {
        set(&mut parsed.storage_fallback, read_bool(v))
    });
    read(
        "outbound",
        "host names or *.domain patterns (\"shop.example.net, *.example.org\")",
        &mut |v| set(&mut parsed.outbound, read_outbound(v)),
    );
    if let Some(days) = read_days(&get("expiresInDays")) {
        if clamp_days(days) != days {
            say(&["expiresInDays: clamped to 1-400 days"]);
        }
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

/// An array of names, or names separated by commas.
fn read_params(value: &JsValue) -> Option<Vec<String>> {
    if is_array(value).unwrap_or(false) {
        let names: Option<Vec<String>> = array_from(value)
            .ok()?
            .iter()
            .map(|n| n.as_string())
            .collect();
        return names.and_then(|n| parse_params(&join(n.iter().map(String::as_str), ",")));
    }
    value.as_string().and_then(|t| parse_params(&t))
}

/// An array of host patterns, or patterns separated by commas.
fn read_outbound(value: &JsValue) -> Option<Vec<String>> {
    if is_array(value).unwrap_or(false) {
        let items: Option<Vec<String>> = array_from(value)
            .ok()?
            .iter()
            .map(|n| n.as_string())
            .collect();
        return items.and_then(|n| parse_patterns(&join(n.iter().map(String::as_str), ",")));
    }
    value.as_string().and_then(|t| parse_patterns(&t))
}

/// A number of days, given as a number or as text (`data-` attributes); rounded, and at
/// least 0 (the 1–400 clamp comes after, so `0` means the shortest lifetime, not the default).
fn read_days(value: &JsValue) -> Option<u32> {
    let number = match value.as_string() {
        Some(text) if text.trim().is_empty() => return None,
        Some(text) => JsValue::from_str(&text).unchecked_into_f64(),
        None => value.as_f64()?,
    };
    number
        .is_finite()
        .then(|| number.round().clamp(0.0, f64::from(u32::MAX)) as u32)
}
