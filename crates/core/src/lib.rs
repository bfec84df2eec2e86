//! # taapit-core
//!
//! The rules of Taapit tracking-id capture, as plain functions over plain data: what a valid
//! id is, where it is in a landing URL, the `Set-Cookie` string that keeps it, the `Domain`
//! candidates for a host, the options with their defaults and bounds, the attribution and
//! one-copy decisions, and the reader of a `Cookie:` header. `no_std` (with `alloc`), no
//! browser API: the browser module (`taapit-capture`, and the `.wasm` that its npm package and
//! script tag ship) and the backend (`taapit-server`) both build on it, so the two halves keep
//! the same cookie byte for byte.
//!
//! ```
//! use taapit_core::{is_valid_id, tracking_id_in, SameSite, SetCookie};
//! assert!(is_valid_id("rLnWe1uz9t282v7g"));
//! assert_eq!(tracking_id_in("a=1; ta_tid=abc", "ta_tid"), Some("abc"));
//! let cookie = SetCookie::new("ta_tid", "abc").same_site(SameSite::Lax).http_only(true).build();
//! assert!(cookie.ends_with("; HttpOnly"));
//! ```
//!
//! The modules, one concern each:
//!
//! | file | concern |
//! | --- | --- |
//! | [`id`] | what a valid tracking id is |
//! | [`query`] | finding the id in `search` and `hash`, stripping it from the address |
//! | [`domain`] | host kinds and the `Domain` candidates for a host |
//! | [`cookie`] | building `Set-Cookie` strings, parsing `document.cookie` |
//! | [`mirror`] | the `localStorage` fallback entry |
//! | [`options`] | options, defaults and bounds |
//! | [`note`] | what `debug` says: codes, and their words |
//! | [`event`] | the page's `taapit:change` event: its name, its detail's fields, its calls |
//! | [`outbound`] | adding the id to links to the site's other domains |
//! | [`capture`] | the rules themselves, over the [`capture::Page`] interface |
//! | [`text`] | string building without `core::fmt` (`concat`, `join`), byte splits and trims |

//!
//! Every function is `#[inline]`: the shipped `.wasm` (crates/wasm) then compiles the rules it
//! calls in its own crate, optimized as one unit with its shell, as they were before the rules
//! had a crate of their own; compiled here alone, the same code weighed more in the script tag
//! (bench/SIZE_STEPS.md, "the rules as a crate").
#![no_std]
#![deny(missing_docs)]

extern crate alloc;
#[cfg(test)]
extern crate std;

/// The `alloc` names std's prelude gives, for the `no_std` build: `use crate::prelude::*;`.
mod prelude {
    pub use alloc::borrow::ToOwned;
    pub use alloc::string::String;
    pub use alloc::vec;
    pub use alloc::vec::Vec;
}

pub mod capture;
pub mod cookie;
pub mod domain;
pub mod event;
pub mod id;
pub mod mirror;
pub mod note;
pub mod options;
pub mod outbound;
pub mod query;
pub mod text;

pub use capture::{Capture, Location, Page, Session, Source, Storage};
pub use cookie::{tracking_id_in, tracking_id_in_headers, SameSite, SetCookie};
pub use id::is_valid_id;
pub use options::{Attribution, Consent, DomainOption, Options, Secure};
