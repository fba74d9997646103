//! Internals exposed for vouch's own tests, fuzz targets and benchmarks. **Not part of the
//! public API: no stability promise** — anything here may change or disappear in any release,
//! patch releases included, and is hidden from the documentation (`#[doc(hidden)]`), in the
//! manner of RustCrypto's `hazmat` modules and rustls's `internal`.
//!
//! What lives here, and why it is not public API:
//!
//! * [`verify_raw`] and [`verify_pae`] check *one* signature with *one* key. They skip what a
//!   [`Verifier`](crate::Verifier) guarantees — the payload-type allowlist, the threshold over
//!   distinct keys, the keyid hints, envelope parsing — and [`verify_raw`] does not even apply
//!   DSSE's pre-authentication encoding. They exist so that signature test vectors (Project
//!   Wycheproof signs raw messages) and fuzz targets can reach the per-algorithm code directly.
//!   A DSSE envelope is verified with [`Verifier`](crate::Verifier), never with these.
//! * [`Base64Decoder`] is the exact, streaming base64 state machine behind
//!   [`base64::decode_into`](crate::base64::decode_into) and friends, and
//!   [`validate_base64_json_str`] the check-only path the envelope parser runs. The tests and
//!   fuzz targets compare them, split at arbitrary points, with the fast block path and with a
//!   reference decoder; a caller outside vouch wants the whole-field functions in
//!   [`base64`](crate::base64) instead.
//!
//! Every item here forwards to the code the public API runs (nothing is a second copy), so what
//! the tests observe through this module is what a verification does.
//!
//! The items are reachable only through this module, not through their home modules:
//!
//! ```compile_fail
//! // The exact decoder is not public in `base64`.
//! let _ = vouch_core::base64::Decoder::new();
//! ```
//!
//! ```compile_fail
//! // Nor is the raw-message check a method of `PublicKey` outside the crate.
//! fn raw(k: &vouch_core::PublicKey) -> bool { k.verify_raw(b"m", b"s") }
//! ```
//!
//! ```
//! use vouch_core::{PublicKey, hazmat};
//! # use ed25519_compact::{KeyPair, Seed};
//! # let kp = KeyPair::from_seed(Seed::new([7; 32]));
//! # let signature = kp.sk.sign(b"raw message", None);
//! let key = PublicKey::parse(kp.pk.as_ref())?;
//! // A signature over the raw message checks as one ...
//! assert!(hazmat::verify_raw(&key, b"raw message", signature.as_ref()));
//! // ... and is not a DSSE signature over PAE(type, message).
//! assert!(!hazmat::verify_pae(&key, b"t", b"raw message", signature.as_ref(), &mut None));
//! # Ok::<(), vouch_core::Error>(())
//! ```

use crate::{Error, PublicKey, json::JsonStr};

/// Checks `signature` over `message` itself — no PAE — with `key`'s per-algorithm code (the code
/// a [`Verifier`](crate::Verifier) runs over a PAE). For test vectors that sign raw messages;
/// never for envelopes.
pub fn verify_raw(key: &PublicKey, message: &[u8], signature: &[u8]) -> bool {
    key.verify_raw(message, signature)
}

/// Checks `signature` over `PAE(payload_type, payload)` with `key` alone: no payload-type
/// allowlist, no threshold, no keyid.
///
/// `p256_prehash` caches SHA-256 of the PAE across keys and signatures of one envelope (it does
/// not depend on the key); pass `&mut None` when there is nothing to share.
pub fn verify_pae(
    key: &PublicKey,
    payload_type: &[u8],
    payload: &[u8],
    signature: &[u8],
    p256_prehash: &mut Option<[u8; 32]>,
) -> bool {
    key.verify_pae(payload_type, payload, signature, p256_prehash)
}

/// Checks that a JSON string holds valid base64 and returns its decoded length, writing nothing
/// (the path [`Envelope::parse`](crate::Envelope::parse) runs over each field).
pub fn validate_base64_json_str(s: &JsonStr<'_>) -> Result<usize, Error> {
    crate::base64::validate_json_str(s)
}

/// The exact, streaming, strict base64 decoder (either alphabet) that every decoding path of
/// [`base64`](crate::base64) ends in, fed in pieces of any size.
#[derive(Clone, Debug, Default)]
pub struct Base64Decoder(crate::base64::Decoder);

impl Base64Decoder {
    /// A decoder at the start of a field.
    pub const fn new() -> Self {
        Base64Decoder(crate::base64::Decoder::new())
    }

    /// Feeds more characters; decoded bytes go to `sink` in pieces. A `sink` error is passed
    /// through; a base64 error is reported (as [`Error::InvalidBase64`]) by
    /// [`Base64Decoder::finish`] and also returned here as `Ok(false)` so the caller may stop
    /// early.
    pub fn feed<E>(
        &mut self,
        input: &[u8],
        sink: &mut impl FnMut(&[u8]) -> Result<(), E>,
    ) -> Result<bool, E> {
        self.0.feed(input, sink)
    }

    /// Ends the field: checks the final quantum and flushes the last bytes.
    pub fn finish<E: From<Error>>(
        self,
        sink: &mut impl FnMut(&[u8]) -> Result<(), E>,
    ) -> Result<(), E> {
        self.0.finish(sink)
    }
}
