#![no_main]
//! Fuzz target `pae`: see `vouch_fuzz::checks::check_pae`.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| vouch_fuzz::checks::check_pae(data));
