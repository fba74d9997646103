#![no_main]
//! Fuzz target `verify_envelope`: see `vouch_fuzz::checks::check_verify`.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| vouch_fuzz::checks::check_verify(data));
