#![no_main]
//! Fuzz target `mirror`: the checks are `taapit_capture_fuzz::mirror` (src/lib.rs).

libfuzzer_sys::fuzz_target!(|data: &[u8]| taapit_capture_fuzz::mirror(data));
