#![no_main]
//! Fuzz target `options`: the checks are `taapit_capture_fuzz::options` (src/lib.rs).

libfuzzer_sys::fuzz_target!(|data: &[u8]| taapit_capture_fuzz::options(data));
