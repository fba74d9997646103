//! # vouch-core
//!
//! Verification of DSSE envelopes and in-toto / SLSA statements for targets without a heap:
//! `#![no_std]`, no `alloc`, no `unsafe`, no panics on any input.
//!
//! The verification profile (what "valid" means, every rule with its source, error code and
//! tests) is `docs/profile.md` in the repository; the main rules:
//!
//! * envelopes are strict RFC 8259 JSON: no duplicate keys at any depth, nesting at most
//!   [`json::MAX_DEPTH`], escapes handled, unknown fields ignored, 1 to [`MAX_SIGNATURES`]
//!   signatures;
//! * each base64 field is decoded on its own and may use either alphabet, padded or not
//!   ([`base64`]);
//! * signatures cover `PAE(payloadType, payload)` ([`pae`]), and the key decides the algorithm;
//! * the threshold counts distinct trusted keys (by [fingerprint](PublicKey::fingerprint)); keyids
//!   are only hints; failing signatures are skipped;
//! * the verified payload bytes go to the [`Statement`] checks: `_type`, subjects, artifact digest,
//!   predicateType, builder id.
//!
//! With the `keyless` feature (default; off in the DSSE-only firmware configurations) it also
//! verifies Sigstore bundles offline: [`keyless::verify_bundle`] runs every check (bundle bounds
//! [`bundle`], Rekor logs [`rekor`], RFC 3161 timestamps [`timestamp`], the certificate path
//! [`chain`], SCTs [`sct`], identity [`identity`], the signature and the Statement) over the
//! foundations [`der`], [`x509`], [`pkix`] and [`trusted_root`] (see `docs/keyless.md`).
//!
//! ```
//! use vouch_core::{PublicKey, TrustedKey, Verifier, Statement, Checks, ArtifactHasher, IN_TOTO_PAYLOAD_TYPE};
//! # use ed25519_compact::{KeyPair, Seed};
//! # let kp = KeyPair::from_seed(Seed::new([7; 32]));
//! # let artifact = b"firmware image";
//! # let statement = vouch_core::testkit::statement_for(artifact);
//! # let envelope = vouch_core::testkit::sign_ed25519(&kp, IN_TOTO_PAYLOAD_TYPE, statement.as_bytes());
//! # let key_bytes = kp.pk.as_ref();
//! let key = PublicKey::parse(key_bytes)?;
//! let types = [IN_TOTO_PAYLOAD_TYPE];
//! let trusted = [TrustedKey { key, keyid: None }];
//! let verifier = Verifier::new(&trusted, 1, &types)?;
//!
//! let mut scratch = [0u8; 4096];
//! let verified = verifier.verify(envelope.as_bytes(), &mut scratch)?;
//!
//! let mut hasher = ArtifactHasher::new(true, false);
//! for chunk in artifact.chunks(4) {
//!     hasher.update(chunk);
//! }
//! let digest = hasher.finalize();
//! let statement = Statement::parse(verified.payload)?;
//! statement.check(&Checks { artifact: Some(&digest), ..Checks::default() })?;
//! # Ok::<(), vouch_core::Error>(())
//! ```
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]
// No panics in library code: no unwrap/expect/panic/unreachable and no indexing that can go out of
// bounds (tests and the std-only testkit are exempt).
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::unreachable,
        clippy::todo,
        clippy::unimplemented
    )
)]

#[cfg(not(any(feature = "ed25519", feature = "p256")))]
compile_error!("vouch-core needs at least one of the features `ed25519` and `p256`");

#[cfg(all(not(test), feature = "testkit"))]
extern crate std;

pub mod base64;
#[cfg(feature = "keyless")]
pub mod bundle;
#[cfg(feature = "keyless")]
pub mod chain;
#[cfg(feature = "keyless")]
pub mod der;
pub mod envelope;
mod error;
#[doc(hidden)]
pub mod hazmat;
pub mod json;
pub mod key;
#[cfg(feature = "keyless")]
pub mod keyless;
pub mod pae;
#[cfg(feature = "parallel")]
mod parallel;
#[cfg(feature = "keyless")]
pub mod pkix;
#[cfg(feature = "keyless")]
pub mod rekor;
pub mod statement;
#[cfg(feature = "testkit")]
#[allow(clippy::unreachable, clippy::indexing_slicing)]
pub mod testkit;
pub mod verifier;

#[cfg(feature = "keyless")]
pub mod identity;
#[cfg(feature = "keyless")]
pub mod sct;
#[cfg(feature = "keyless")]
mod time;
#[cfg(feature = "keyless")]
pub mod timestamp;
#[cfg(feature = "keyless")]
pub mod trusted_root;
#[cfg(feature = "keyless")]
pub mod x509;

pub use envelope::{Envelope, SignatureEntry};
pub use error::Error;
pub use key::{Algorithm, PublicKey};
pub use statement::{
    ArtifactDigest, ArtifactHasher, Checks, Provenance, Statement, StatementVersion,
};
pub use verifier::{KeySet, TrustedKey, Verified, VerifiedSignatures, Verifier};

/// Most signatures one envelope may carry; more gives [`Error::TooManySignatures`].
pub const MAX_SIGNATURES: usize = 16;
/// Most trusted keys one [`Verifier`] may hold; more gives [`Error::TooManyKeys`].
pub const MAX_TRUSTED_KEYS: usize = 16;
/// The in-toto payload type.
pub const IN_TOTO_PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";

/// The library version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
