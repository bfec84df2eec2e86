#![no_main]
//! Fuzz target `outbound`: the checks are `taapit_capture_fuzz::outbound` (src/lib.rs).

libfuzzer_sys::fuzz_target!(|data: &[u8]| taapit_capture_fuzz::outbound(data));
