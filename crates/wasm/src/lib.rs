//! The `.wasm` that the npm package and the script tag ship (built by `scripts/build.sh`,
//! never published): the rules of `taapit-core` behind plain exports and imports for its own
//! small loader, no wasm-bindgen, no std. Everything that build has and a Rust app must not is
//! here:
//! - `exports`: the functions the loader (`js/package/loader.js`) calls;
//! - `host`: the [`Page`](taapit_core::capture::Page) over the loader's imports;
//! - `allocator`: an arena that each call gives back whole, instead of std's dlmalloc;
//! - [`contract`]: every code that crosses between the module and its loader;
//! - [`state`]: the page's session as text, which the loader keeps between calls;
//! - the panic handler, a trap.
//!
//! Why its own allocator and panic handler: std's dlmalloc weighs 7 KB more than the arena,
//! and std's panic handler formats its message (~4 KB of `core::fmt`).
//!
//! [`contract`] and [`state`] are pure, compiled everywhere and tested natively (`tests/`).
//! The panic handler and `no_std` apply only to the wasm32 library build (not `cfg(test)`):
//! a program that links std (a test target) cannot have a second panic handler, so check
//! this build with `--lib`.
#![cfg_attr(all(target_arch = "wasm32", not(test)), no_std)]
#![deny(missing_docs)]

extern crate alloc;

/// The `alloc` names std's prelude gives, for the `no_std` build: `use crate::prelude::*;`.
#[allow(unused_imports)]
mod prelude {
    pub use alloc::borrow::ToOwned;
    pub use alloc::string::String;
    pub use alloc::vec;
    pub use alloc::vec::Vec;
}

pub mod contract;
pub mod state;

// The arena and its cell assume one thread, as does everything a page's loader calls.
#[cfg(target_feature = "atomics")]
compile_error!("the shipped .wasm is single-threaded: build it without the atomics feature");

#[cfg(target_arch = "wasm32")]
mod allocator;
#[cfg(target_arch = "wasm32")]
mod exports;
#[cfg(target_arch = "wasm32")]
mod host;

/// The panic handler: a trap. Nothing in the module is meant to panic (it reports failures
/// as values), but `Vec`/`String` growth keeps a capacity-overflow or allocation-failure
/// panic path; std's handler would format that message, and the formatting code
/// (`core::fmt`, `u32` Display for the line number) weighs ~4 KB.
#[cfg(all(target_arch = "wasm32", not(test)))]
#[panic_handler]
fn panic(_: &::core::panic::PanicInfo) -> ! {
    ::core::arch::wasm32::unreachable()
}
