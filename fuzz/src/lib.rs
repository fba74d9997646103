//! Fuzz checks for vouch. The invariants live in [`checks`] (shared with the stable replay test
//! `core/tests/fuzz_replay.rs`); [`serde_diff`] adds the serde_json differential, which only the
//! fuzz crate can build.

pub mod checks;
pub mod ffi;
pub mod serde_diff;
