//! The page's change event, both halves: every surface (script tag, npm entry, this crate's
//! Rust API) fires `taapit:change` on `window` after each capture, clear and consent change,
//! with `event.detail.trackingId` the id then in effect (a string or `null`); the Leptos and
//! Yew hooks listen to it.

use js_sys::Reflect;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::CustomEvent;

use taapit_core::Capture;

use super::page::WINDOW;

// The event's name, its detail's fields and its calls: `taapit_core::event`, the one
// declaration every surface is checked against (crates/wasm/tests/contract.rs).
use taapit_core::event::detail;
pub use taapit_core::event::CHANGE_EVENT as EVENT;
/// The field of `event.detail` that holds the id (a string, or `null`).
const DETAIL_FIELD: &str = detail::TRACKING_ID;

/// The id in effect that a `taapit:change` event announces: `detail.trackingId` when it is a
/// valid id or `null`. Anything else (no detail, an invalid or hostile value from a page that
/// dispatches its own event) is not believed: the id is then read again from the page by
/// `read_again`, so an app never shows what the module would refuse to store.
#[cfg_attr(not(any(feature = "leptos", feature = "yew")), allow(dead_code))]
pub fn tracking_id_after(
    event: &web_sys::Event,
    read_again: impl FnOnce() -> Option<String>,
) -> Option<String> {
    let announced = event
        .dyn_ref::<CustomEvent>()
        .map(CustomEvent::detail)
        .and_then(|detail| Reflect::get(&detail, &JsValue::from_str(DETAIL_FIELD)).ok());
    match announced {
        Some(value) if value.is_null() => None,
        Some(value) => match value.as_string() {
            Some(id) if taapit_core::is_valid_id(&id) => Some(id),
            _ => read_again(),
        },
        None => read_again(),
    }
}

/// Fires `taapit:change` on `window` after `call` (`"capture"`, `"clear"`, `"grant"`,
/// `"revoke"`), as the npm entry and the script tag do (`js/package/wrapper.js`):
/// `detail.trackingId` is the id now in effect, `detail.call` the call, and a capture's or a
/// grant's `source`, `storage`, `domain` and `expiresAt` come with it. Hooks in Rust apps and
/// React's `useTrackingId` listen to the same event. A listener that throws is reported by
/// the browser, not here: `dispatchEvent` does not throw for it.
pub fn changed(call: &str, outcome: Option<&Capture>) {
    let Some(window) = WINDOW.with(|w| w.clone()) else {
        return;
    };
    let detail = js_sys::Object::new();
    let set = |name: &str, value: JsValue| {
        let _ = Reflect::set(&detail, &JsValue::from_str(name), &value);
    };
    let text = |value: Option<&str>| value.map_or(JsValue::NULL, JsValue::from_str);
    set(DETAIL_FIELD, text(crate::tracking_id().as_deref()));
    set(detail::CALL, JsValue::from_str(call));
    if let Some(outcome) = outcome {
        set(detail::SOURCE, text(outcome.source.map(|s| s.as_str())));
        set(detail::STORAGE, text(outcome.storage.map(|s| s.as_str())));
        set(detail::DOMAIN, text(outcome.domain.as_deref()));
        let expires = outcome
            .expires_at_ms
            .map_or(JsValue::NULL, |ms| JsValue::from_f64(ms as f64));
        set(detail::EXPIRES_AT, expires);
    }
    let init = web_sys::CustomEventInit::new();
    init.set_detail(&detail);
    if let Ok(event) = web_sys::CustomEvent::new_with_event_init_dict(EVENT, &init) {
        let target: &web_sys::EventTarget = window.unchecked_ref();
        let _ = target.dispatch_event(&event);
    }
}
