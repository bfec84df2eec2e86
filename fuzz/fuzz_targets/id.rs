#![no_main]
//! Fuzz target `id`: the checks are `taapit_capture_fuzz::id` (src/lib.rs).

libfuzzer_sys::fuzz_target!(|data: &[u8]| taapit_capture_fuzz::id(data));
