//! The core's rules and the standalone `.wasm`'s contract, for this crate's own native tests
//! and fuzz targets only: not a public API, and free to change in any release.

pub use crate::core::{capture, cookie, domain, id, mirror, options, outbound, query};

// The contract is the standalone shell's, but pure data: compiled everywhere, so the native
// tests can check the loader's copy against it.
#[path = "standalone/contract.rs"]
pub mod contract;

// The session's text form, which the standalone `.wasm` hands its loader between calls: pure
// too, so the native tests can check that it gives back the session it was given.
#[path = "standalone/state.rs"]
pub mod state;

// The web shell's read of a cookie by name, whatever the last capture's options: what the
// Leptos hook shows first. Tested in the browsers (tests/browser.rs).
#[cfg(all(target_arch = "wasm32", feature = "web"))]
pub use crate::web::tracking_id_named;
