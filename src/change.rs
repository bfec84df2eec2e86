//! The listening side of the page's change event for the Leptos and Yew hooks: every surface
//! (script tag, npm entry, this crate's Rust API in src/web/) fires `taapit:change` on `window`
//! after each capture, clear and consent change, with `event.detail.trackingId` the id then in
//! effect (a string or `null`).

use js_sys::Reflect;
use wasm_bindgen::JsValue;
use web_sys::CustomEvent;

/// The event's name.
pub const EVENT: &str = "taapit:change";
/// The field of `event.detail` that holds the id (a string, or `null`).
const DETAIL_FIELD: &str = "trackingId";

/// The id in effect that a `taapit:change` event announces: `detail.trackingId` when it is a
/// valid id or `null`. Anything else (no detail, an invalid or hostile value from a page that
/// dispatches its own event) is not believed: the id is then read again from the page by
/// `read_again`, so an app never shows what the module would refuse to store.
pub fn tracking_id_after(
    event: &web_sys::Event,
    read_again: impl FnOnce() -> Option<String>,
) -> Option<String> {
    use wasm_bindgen::JsCast;
    let announced = event
        .dyn_ref::<CustomEvent>()
        .map(CustomEvent::detail)
        .and_then(|detail| Reflect::get(&detail, &JsValue::from_str(DETAIL_FIELD)).ok());
    match announced {
        Some(value) if value.is_null() => None,
        Some(value) => match value.as_string() {
            Some(id) if crate::core::id::is_valid_id(&id) => Some(id),
            _ => read_again(),
        },
        None => read_again(),
    }
}
