#![no_main]
//! Fuzz target `cookie_jar`: the checks are `taapit_capture_fuzz::cookie_jar` (src/lib.rs).

libfuzzer_sys::fuzz_target!(|data: &[u8]| taapit_capture_fuzz::cookie_jar(data));
