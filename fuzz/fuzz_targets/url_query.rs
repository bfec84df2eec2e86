#![no_main]
//! Fuzz target `url_query`: the checks are `taapit_capture_fuzz::url_query` (src/lib.rs).

libfuzzer_sys::fuzz_target!(|data: &[u8]| taapit_capture_fuzz::url_query(data));
