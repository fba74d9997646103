#![no_main]
//! Fuzz target `key_parse`: see `vouch_fuzz::checks::check_key`.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| vouch_fuzz::checks::check_key(data));
