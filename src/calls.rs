//! The Rust API's calls for code that also compiles for the server: a Leptos or Yew component
//! is built natively for server rendering too, so its event handlers must compile there. These
//! do what [`crate::clear`], [`crate::grant_consent`] and [`crate::revoke_consent`] do in the
//! browser (and fire `taapit:change`, which [`use_tracking_id`](crate::leptos::use_tracking_id)
//! follows), and nothing outside wasm32, where no page exists (event handlers never run on a
//! server).

#[cfg(not(target_arch = "wasm32"))]
use crate::Capture;

/// Removes the id everywhere it was kept ([`crate::clear`]); nothing outside wasm32.
///
/// ```no_run
/// // In a click handler of a component that is also rendered on the server:
/// # #[cfg(feature = "leptos")]
/// taapit_capture::leptos::clear(); // or taapit_capture::yew::clear()
/// ```
pub fn clear() {
    #[cfg(target_arch = "wasm32")]
    crate::clear();
}

/// Records consent and stores the id held while consent was pending
/// ([`crate::grant_consent`]); outside wasm32, an empty outcome.
///
/// ```no_run
/// // When the visitor accepts the consent banner:
/// # #[cfg(feature = "leptos")]
/// let outcome = taapit_capture::leptos::grant_consent(); // or taapit_capture::yew::…
/// ```
pub fn grant_consent() -> crate::Capture {
    #[cfg(target_arch = "wasm32")]
    return crate::grant_consent();
    #[cfg(not(target_arch = "wasm32"))]
    Capture::default()
}

/// Withdraws consent ([`crate::revoke_consent`]); nothing outside wasm32.
///
/// ```no_run
/// // When the visitor withdraws consent:
/// # #[cfg(feature = "leptos")]
/// taapit_capture::leptos::revoke_consent(); // or taapit_capture::yew::…
/// ```
pub fn revoke_consent() {
    #[cfg(target_arch = "wasm32")]
    crate::revoke_consent();
}
