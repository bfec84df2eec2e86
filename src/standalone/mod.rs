//! The standalone `.wasm` that the npm package and the script tag ship (feature
//! `standalone`, built by `scripts/build.sh` with `--no-default-features`): no wasm-bindgen,
//! no std. Everything that build has and a Rust app must not is here, behind the one
//! `cfg(all(target_arch = "wasm32", feature = "standalone"))` on this module:
//! - [`exports`]: the functions the loader (`pkg-template/loader.js`) calls;
//! - [`host`]: the [`Page`](crate::core::capture::Page) over the loader's imports;
//! - [`allocator`]: an arena that each call gives back whole, instead of std's dlmalloc;
//! - `state.rs`: the page's session as text, which the loader keeps between calls (pure, so
//!   compiled everywhere as `internal::state`, like `contract.rs`);
//! - the panic handler, a trap.
//!
//! The panic handler and `no_std` apply only to the library build (not `cfg(test)`): a
//! program that links std (a test target, a Rust app) cannot have a second panic handler,
//! so check this build with `--lib`.

// The arena and its cell assume one thread, as does everything a page's loader calls.
#[cfg(target_feature = "atomics")]
compile_error!("the standalone .wasm is single-threaded: build it without the atomics feature");

mod allocator;
mod exports;
mod host;

/// The panic handler: a trap. Nothing in the module is meant to panic (it reports failures
/// as values), but `Vec`/`String` growth keeps a capacity-overflow or allocation-failure
/// panic path; std's handler would format that message, and the formatting code
/// (`core::fmt`, `u32` Display for the line number) weighs ~4 KB.
#[cfg(not(test))]
#[panic_handler]
fn panic(_: &::core::panic::PanicInfo) -> ! {
    ::core::arch::wasm32::unreachable()
}
