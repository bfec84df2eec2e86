//! The standalone `.wasm` that the npm package and the script tag ship (feature
//! `standalone`, built by `scripts/build.sh` with `--no-default-features`): no wasm-bindgen,
//! no std. Everything that build has and a Rust app must not is here, behind the one
//! `cfg(all(target_arch = "wasm32", feature = "standalone"))` on this module:
//! - [`exports`]: the functions the loader (`pkg-template/loader.js`) calls;
//! - [`host`]: the [`Page`](crate::core::capture::Page) over the loader's imports;
//! - [`allocator`]: a small global allocator instead of std's dlmalloc;
//! - the panic handler, a trap.
//!
//! The panic handler and `no_std` apply only to the library build (not `cfg(test)`): a
//! program that links std (a test target, a Rust app) cannot have a second panic handler,
//! so check this build with `--lib`. The allocator needs one thread (no `atomics`).

mod exports;
mod host;

#[cfg(not(target_feature = "atomics"))]
mod allocator;

/// The panic handler: a trap. Nothing in the module is meant to panic (it reports failures
/// as values), but `Vec`/`String` growth keeps a capacity-overflow or allocation-failure
/// panic path; std's handler would format that message, and the formatting code
/// (`core::fmt`, `u32` Display for the line number) weighs ~4 KB.
#[cfg(all(not(test), not(target_feature = "atomics")))]
#[panic_handler]
fn panic(_: &::core::panic::PanicInfo) -> ! {
    ::core::arch::wasm32::unreachable()
}
