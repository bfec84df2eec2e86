//! # taapit-capture
//!
//! Keeps the Taapit tracking id from the landing URL (`?ta_tid=…`) in a first-party `ta_tid`
//! cookie, with the right expiry and domain, so the site's backend can report a lead or a
//! sale with it days later.
//!
//! The crate is a pure core and a thin shell for each way it runs:
//! - [`core`]: every capture rule as plain Rust, tested natively;
//! - `browser` (wasm32, feature `web`, on by default): the page I/O over web-sys, behind the
//!   Rust API below, for Rust web apps (Leptos, Yew, …);
//! - `host` and `exports` (wasm32, feature `standalone`): the `.wasm` the npm package and
//!   the script tag ship, with no wasm-bindgen: the page I/O through a few imports that its
//!   small JavaScript loader (`pkg-template/taapit_capture.js`) provides, and plain exports
//!   that the loader turns into the JavaScript API.
//!
//! In a Rust web app (wasm32):
//!
//! ```no_run
//! # #[cfg(target_arch = "wasm32")] {
//! use taapit_capture::{capture, tracking_id, Options};
//! let outcome = capture(&Options::default());
//! // Later, when the visitor signs up: send this to the backend.
//! let id: Option<String> = tracking_id();
//! # }
//! ```
#![deny(missing_docs)]
// The shipped `.wasm` (feature `standalone`) links no std: see `panic` below.
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

pub mod core;

/// The `alloc` names std's prelude gives, for the `no_std` build: `use crate::prelude::*;`.
mod prelude {
    pub use alloc::borrow::ToOwned;
    pub use alloc::string::String;
    pub use alloc::vec;
    pub use alloc::vec::Vec;
}

/// The standalone `.wasm`'s panic handler: a trap. Nothing in the module is meant to panic
/// (it reports failures as values), but `Vec`/`String` growth keeps a capacity-overflow or
/// allocation-failure panic path; std's handler would format that message, and the
/// formatting code (`core::fmt`, `u32` Display for the line number) weighs ~4 KB.
#[cfg(all(
    target_arch = "wasm32",
    feature = "standalone",
    not(test),
    not(target_feature = "atomics")
))]
#[panic_handler]
fn panic(_: &::core::panic::PanicInfo) -> ! {
    ::core::arch::wasm32::unreachable()
}

#[cfg(all(
    target_arch = "wasm32",
    feature = "tiny-alloc",
    not(target_feature = "atomics")
))]
mod allocator;
#[cfg(all(target_arch = "wasm32", feature = "web"))]
mod browser;
#[cfg(all(target_arch = "wasm32", feature = "web"))]
mod change;
#[cfg(all(target_arch = "wasm32", feature = "standalone"))]
mod exports;
#[cfg(all(target_arch = "wasm32", feature = "standalone"))]
mod host;
#[cfg(all(target_arch = "wasm32", any(feature = "web", feature = "standalone")))]
mod session;

#[cfg(any(feature = "leptos", feature = "yew"))]
mod calls;
#[cfg(feature = "leptos")]
pub mod leptos;
#[cfg(feature = "yew")]
pub mod yew;

pub use crate::core::capture::{Capture, Source, Storage};
pub use crate::core::options::{Attribution, Consent, DomainOption, Options, SameSite, Secure};

/// Reads the tracking id from the page URL and stores it by the capture rules.
///
/// ```no_run
/// use taapit_capture::{capture, Options};
/// let outcome = capture(&Options { expires_in_days: 60, ..Options::default() });
/// if let Some(id) = outcome.tracking_id {
///     // stored in outcome.storage, for outcome.domain
/// }
/// ```
#[cfg(all(target_arch = "wasm32", feature = "web"))]
pub fn capture(options: &Options) -> Capture {
    let outcome =
        browser::with_page(|page, session| core::capture::capture(page, session, options));
    change::dispatch(tracking_id().as_deref());
    outcome
}

/// The tracking id to send to the backend: the cookie, else the `localStorage` mirror, else
/// the id captured on this page. Never an invalid value.
///
/// ```no_run
/// let id: Option<String> = taapit_capture::tracking_id();
/// ```
#[cfg(all(target_arch = "wasm32", feature = "web"))]
pub fn tracking_id() -> Option<prelude::String> {
    browser::with_page(|page, session| core::capture::tracking_id(page, session))
}

/// Removes the id everywhere it was kept: the cookie on every domain level, the mirror, memory.
///
/// ```no_run
/// taapit_capture::clear();
/// assert_eq!(taapit_capture::tracking_id(), None);
/// ```
#[cfg(all(target_arch = "wasm32", feature = "web"))]
pub fn clear() {
    browser::with_page(core::capture::clear);
    change::dispatch(tracking_id().as_deref());
}

/// Records consent and stores the id held in memory while consent was pending.
///
/// ```no_run
/// use taapit_capture::{capture, grant_consent, Consent, Options};
/// capture(&Options { consent: Consent::Pending, ..Options::default() });
/// // ... the visitor accepts in the consent banner:
/// let outcome = grant_consent();
/// ```
#[cfg(all(target_arch = "wasm32", feature = "web"))]
pub fn grant_consent() -> Capture {
    let outcome = browser::with_page(core::capture::grant_consent);
    change::dispatch(tracking_id().as_deref());
    outcome
}

/// Withdraws consent: deletes the cookie (every domain level) and the mirror, and keeps later
/// captures on this page in memory until [`grant_consent`].
///
/// ```no_run
/// taapit_capture::revoke_consent();
/// ```
#[cfg(all(target_arch = "wasm32", feature = "web"))]
pub fn revoke_consent() {
    browser::with_page(core::capture::revoke_consent);
    change::dispatch(tracking_id().as_deref());
}
