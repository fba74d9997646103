#![no_main]
//! Fuzz target `checkpoint_parse`: see `vouch_fuzz::checks::check_checkpoint_parse`.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| vouch_fuzz::checks::check_checkpoint_parse(data));
