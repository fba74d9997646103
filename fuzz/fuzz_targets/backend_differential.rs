#![no_main]
//! Fuzz target `backend_differential`: see `vouch_fuzz::checks::check_backend`.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    vouch_fuzz::checks::check_backend(data);
});
