#![no_main]
//! Fuzz target `envelope_parse`: see `vouch_fuzz::checks::check_envelope`.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| vouch_fuzz::checks::check_envelope(data));
