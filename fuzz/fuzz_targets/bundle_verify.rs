#![no_main]
//! Fuzz target `bundle_verify`: see `vouch_fuzz::checks::check_bundle_verify`.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| vouch_fuzz::checks::check_bundle_verify(data));
