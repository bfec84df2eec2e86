//! The page's change event: after each `capture`, `clear`, `grant_consent` and
//! `revoke_consent` of the Rust API, `taapit:change` is dispatched on `window` with
//! `event.detail = { trackingId: string | null }`, the id in effect after the call. Every
//! surface (script tag, npm entry, Rust) fires the same event, so a listener (React's
//! `useTrackingId`, the Leptos and Yew hooks of this crate) follows changes made by any of them.

use js_sys::{Object, Reflect};
use wasm_bindgen::JsValue;
use web_sys::{CustomEvent, CustomEventInit};

/// The event's name.
pub const EVENT: &str = "taapit:change";
/// The field of `event.detail` that holds the id (a string, or `null`).
pub const DETAIL_FIELD: &str = "trackingId";

/// Dispatches `taapit:change` on `window` with `tracking_id`. Does nothing without a window
/// (a worker); a failure (a page that replaced `CustomEvent`, say) is dropped, since it must
/// not reach the caller. Listeners that throw do not either: `dispatchEvent` reports their
/// exceptions to the page and returns.
pub fn dispatch(tracking_id: Option<&str>) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let detail = Object::new();
    let id = tracking_id.map_or(JsValue::NULL, JsValue::from_str);
    if Reflect::set(&detail, &JsValue::from_str(DETAIL_FIELD), &id).is_err() {
        return;
    }
    let init = CustomEventInit::new();
    init.set_detail(&detail);
    if let Ok(event) = CustomEvent::new_with_event_init_dict(EVENT, &init) {
        let _ = window.dispatch_event(&event);
    }
}

/// The id in effect that a `taapit:change` event announces: `detail.trackingId` when it is a
/// valid id or `null`. Anything else (no detail, an invalid or hostile value from a page that
/// dispatches its own event) is not believed: the id is then read again from the page, so an
/// app never shows what the module would refuse to store.
#[cfg(any(feature = "leptos", feature = "yew"))]
pub fn tracking_id_after(event: &web_sys::Event) -> Option<String> {
    use wasm_bindgen::JsCast;
    let announced = event
        .dyn_ref::<CustomEvent>()
        .map(CustomEvent::detail)
        .and_then(|detail| Reflect::get(&detail, &JsValue::from_str(DETAIL_FIELD)).ok());
    match announced {
        Some(value) if value.is_null() => None,
        Some(value) => match value.as_string() {
            Some(id) if crate::core::id::is_valid_id(&id) => Some(id),
            _ => crate::tracking_id(),
        },
        None => crate::tracking_id(),
    }
}
