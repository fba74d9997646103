#![no_main]
//! Fuzz target `trusted_root_parse`: see `vouch_fuzz::checks::check_trusted_root`.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| vouch_fuzz::checks::check_trusted_root(data));
