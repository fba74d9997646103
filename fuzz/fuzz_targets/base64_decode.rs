#![no_main]
//! Fuzz target `base64_decode`: see `vouch_fuzz::checks::check_base64`.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| vouch_fuzz::checks::check_base64(data));
