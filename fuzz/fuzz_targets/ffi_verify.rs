#![no_main]
//! Fuzz target `ffi_verify`: see `vouch_fuzz::ffi::check_ffi`.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| vouch_fuzz::ffi::check_ffi(data));
