#![no_main]
//! Fuzz target `json_differential`: see `vouch_fuzz::serde_diff::check_json_differential`.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| vouch_fuzz::serde_diff::check_json_differential(data));
