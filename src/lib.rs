//! # taapit-capture
//!
//! Keeps the Taapit tracking id from the landing URL (`?ta_tid=…`) in a first-party `ta_tid`
//! cookie, with the right expiry and domain, so the site's backend can report a lead or a
//! sale with it days later.
//!
//! In a Rust web app (wasm32, feature `web`, on by default): [`capture`] on every page load,
//! [`tracking_id`] when the visitor signs up, [`Options`] to change a default.
//!
//! ```
//! # #[cfg(target_arch = "wasm32")] {
//! use taapit_capture::{capture, tracking_id, Options};
//! let outcome = capture(&Options::default());
//! // Later, when the visitor signs up: send this to the backend.
//! let id: Option<String> = tracking_id();
//! # }
//! ```
//!
//! The crate is a pure core and one thin shell for each way it runs (ARCHITECTURE.md in the
//! repository has the whole map): the rules (`src/core/`, private, tested natively), the
//! web-sys shell behind this API (`src/web/`, feature `web`), and the standalone `.wasm` that
//! the npm package and the script tag ship (`src/standalone/`, feature `standalone`).
#![deny(missing_docs)]
// The crate's documentation is about the browser API, which exists on wasm32 only; a native
// build (the rules alone, as `taapit-server` uses them) keeps the same text, whose links to that
// API have nothing to point at there. docs.rs documents the crate for wasm32.
#![cfg_attr(not(target_arch = "wasm32"), allow(rustdoc::broken_intra_doc_links))]
// The shipped `.wasm` (feature `standalone`) links no std: see `src/standalone/mod.rs`.
#![cfg_attr(
    all(
        target_arch = "wasm32",
        feature = "standalone",
        not(test),
        not(target_feature = "atomics")
    ),
    no_std
)]

extern crate alloc;

mod core;

#[doc(hidden)]
pub mod internal;

/// The `alloc` names std's prelude gives, for the `no_std` build: `use crate::prelude::*;`.
mod prelude {
    pub use alloc::borrow::ToOwned;
    pub use alloc::string::String;
    pub use alloc::vec;
    pub use alloc::vec::Vec;
}

#[cfg(all(target_arch = "wasm32", feature = "web"))]
mod session;
#[cfg(all(target_arch = "wasm32", feature = "standalone"))]
mod standalone;
#[cfg(all(target_arch = "wasm32", feature = "web"))]
mod web;

#[cfg(any(feature = "leptos", feature = "yew"))]
mod calls;
#[cfg(all(target_arch = "wasm32", any(feature = "leptos", feature = "yew")))]
mod change;
#[cfg(feature = "leptos")]
pub mod leptos;
#[cfg(feature = "yew")]
pub mod yew;

pub use crate::core::capture::{Capture, Source, Storage};

/// Whether `id` is a valid Taapit tracking id: 1–128 characters of `A–Z a–z 0–9 - _ . ~`
/// (already URL-decoded). The one definition of the rule, for the capture module and for the
/// server crate (`taapit-server`), which checks ids found in requests with it.
///
/// ```
/// assert!(taapit_capture::is_valid_id("rLnWe1uz9t282v7g"));
/// assert!(!taapit_capture::is_valid_id(""));
/// assert!(!taapit_capture::is_valid_id("a;b"));
/// ```
pub fn is_valid_id(id: &str) -> bool {
    crate::core::id::is_valid_id(id)
}
pub use crate::core::cookie::SameSite;
pub use crate::core::options::{Attribution, Consent, DomainOption, Options, Secure};
#[cfg(all(target_arch = "wasm32", feature = "web"))]
pub use crate::web::{capture, clear, decorate_url, grant_consent, revoke_consent, tracking_id};
