#![no_main]
//! Fuzz target `statement_parse`: see `vouch_fuzz::checks::check_statement`.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| vouch_fuzz::checks::check_statement(data));
