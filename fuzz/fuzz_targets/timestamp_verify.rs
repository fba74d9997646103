#![no_main]
//! Fuzz target `timestamp_verify`: see `vouch_fuzz::checks::check_timestamp`.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| vouch_fuzz::checks::check_timestamp(data));
