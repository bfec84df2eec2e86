#![no_main]
//! Fuzz target `capture`: the checks are `taapit_capture_fuzz::capture` (src/lib.rs).

libfuzzer_sys::fuzz_target!(|data: &[u8]| taapit_capture_fuzz::capture(data));
