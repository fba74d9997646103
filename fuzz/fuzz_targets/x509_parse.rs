#![no_main]
//! Fuzz target `x509_parse`: see `vouch_fuzz::checks::check_certificate`.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| vouch_fuzz::checks::check_certificate(data));
