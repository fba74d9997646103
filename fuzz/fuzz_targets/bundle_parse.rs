#![no_main]
//! Fuzz target `bundle_parse`: see `vouch_fuzz::checks::check_bundle_parse`.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| vouch_fuzz::checks::check_bundle_parse(data));
