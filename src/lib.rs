//! # taapit-capture
//!
//! Keeps the Taapit tracking id from the landing URL (`?ta_tid=…`) in a first-party `ta_tid`
//! cookie, with the right expiry and domain, so the site's backend can report a lead or a
//! sale with it days later.
//!
//! In a Rust web app (wasm32, feature `web`, on by default): [`capture`] on every page load,
//! [`tracking_id`] when the visitor signs up, [`Options`] to change a default. The calls
//! compile on every target (a Leptos or Yew component is also rendered on a server); off
//! wasm32 they do nothing.
//!
//! ```
//! use taapit_capture::{capture, tracking_id, Options};
//! let outcome = capture(&Options::default());
//! // Later, when the visitor signs up: send this to the backend.
//! let id: Option<String> = tracking_id();
//! ```
//!
//! The rules themselves are the `taapit-core` crate's (its types are re-exported here); this
//! crate is their web-sys shell (`src/web/`) and the Leptos and Yew components (features
//! `leptos`, `yew`). ARCHITECTURE.md in the repository has the whole map.
#![deny(missing_docs)]
// The browser API's links point at wasm32-only items in places; docs.rs documents the crate
// for wasm32.
#![cfg_attr(not(target_arch = "wasm32"), allow(rustdoc::broken_intra_doc_links))]

extern crate alloc;

/// The `alloc` names std's prelude gives: `use crate::prelude::*;`.
#[allow(unused_imports)]
mod prelude {
    pub use alloc::borrow::ToOwned;
    pub use alloc::string::String;
    pub use alloc::vec;
    pub use alloc::vec::Vec;
}

#[cfg(feature = "web")]
mod api;
#[cfg(all(target_arch = "wasm32", feature = "web"))]
mod web;

#[cfg(feature = "leptos")]
pub mod leptos;
#[cfg(feature = "yew")]
pub mod yew;

#[cfg(feature = "web")]
pub use crate::api::{
    capture, clear, decorate_url, grant_consent, revoke_consent, tracking_id, tracking_id_named,
};
pub use taapit_core::{
    is_valid_id, Attribution, Capture, Consent, DomainOption, Options, SameSite, Secure, Source,
    Storage,
};
