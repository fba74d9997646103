//! The host backend (feature `fast`; std, never firmware): the arithmetic of ECDSA P-256 / P-384
//! verification from AWS-LC (through `aws-lc-rs`: assembly for x86_64 and aarch64), and Ed25519's
//! verification equation from `curve25519-dalek` with the message hashed by the `sha2` crate's
//! SHA-512 (hardware-accelerated where the CPU has it; ed25519-compact's own SHA-512 is portable).
//!
//! The backend only ever sees values vouch has already decoded and checked with RustCrypto /
//! ed25519-compact, exactly as without it: a validated public key (on the curve, never the
//! identity; for Ed25519 canonical and not of small order), a signature whose `r` and `s` are in
//! `1..n` (re-encoded here as strict DER), or an Ed25519 signature whose `S` is canonical and whose
//! `R` is canonical and not of small order, and a prehash. So the verdicts are the same with or
//! without it; `core/tests/backend_differential.rs` and the `backend_differential` fuzz target
//! compare both on random and corrupted inputs, and every Wycheproof vector runs through it.

use aws_lc_rs::digest::{self, Digest};
use aws_lc_rs::signature::{self, EcdsaVerificationAlgorithm, ParsedPublicKey};

/// A NIST curve of the ECDSA backend.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Curve {
    /// P-256.
    P256,
    /// P-384 (keyless certificate chains).
    #[cfg_attr(not(feature = "keyless"), allow(dead_code))]
    P384,
}

/// The backend's algorithm for `curve` with a prehash of `digest_len` bytes (SHA-256, SHA-384 or
/// SHA-512 output); `None` for any other length.
fn algorithm(
    curve: Curve,
    digest_len: usize,
) -> Option<(
    &'static EcdsaVerificationAlgorithm,
    &'static digest::Algorithm,
)> {
    Some(match (curve, digest_len) {
        (Curve::P256, 32) => (&signature::ECDSA_P256_SHA256_ASN1, &digest::SHA256),
        (Curve::P256, 48) => (&signature::ECDSA_P256_SHA384_ASN1, &digest::SHA384),
        (Curve::P256, 64) => (&signature::ECDSA_P256_SHA512_ASN1, &digest::SHA512),
        (Curve::P384, 32) => (&signature::ECDSA_P384_SHA256_ASN1, &digest::SHA256),
        (Curve::P384, 48) => (&signature::ECDSA_P384_SHA384_ASN1, &digest::SHA384),
        (Curve::P384, 64) => (&signature::ECDSA_P384_SHA512_ASN1, &digest::SHA512),
        _ => return None,
    })
}

/// A public key parsed by the backend for one curve and prehash length: what
/// [`crate::Verifier::precompute`] prepares for each trusted P-256 key, so that a verification
/// does not parse the point again.
#[derive(Clone, Debug)]
pub(crate) struct Table {
    key: ParsedPublicKey,
    digest: &'static digest::Algorithm,
}

impl Table {
    /// Parses an uncompressed SEC1 point (already validated by RustCrypto) for verifications over
    /// prehashes of `digest_len` bytes.
    pub(crate) fn new(curve: Curve, sec1: &[u8], digest_len: usize) -> Option<Self> {
        let (alg, digest) = algorithm(curve, digest_len)?;
        let key = ParsedPublicKey::new(alg, sec1).ok()?;
        Some(Table { key, digest })
    }

    /// Checks a strict-DER ECDSA signature over `prehash` (of the length the key was parsed for).
    pub(crate) fn verify(&self, prehash: &[u8], der_signature: &[u8]) -> bool {
        Digest::import_less_safe(prehash, self.digest)
            .is_ok_and(|d| self.key.verify_digest_sig(&d, der_signature).is_ok())
    }
}

/// One ECDSA verification with a key parsed for it (the plain, one-shot path).
pub(crate) fn verify_ecdsa(
    curve: Curve,
    sec1: &[u8],
    prehash: &[u8],
    der_signature: &[u8],
) -> bool {
    Table::new(curve, sec1, prehash.len()).is_some_and(|t| t.verify(prehash, der_signature))
}

/// Ed25519: what is left once ed25519-compact has refused a non-canonical `S`, a non-canonical
/// or small-order `R` (and, when the key was parsed, a non-canonical or small-order `A`):
/// `k = SHA-512(R || A || M) mod L` with `M` streamed by `message`, then ed25519-compact's own
/// (cofactored) equation `[8]([S]B - [k]A - R) = 0`, with curve25519-dalek's double-scalar
/// multiplication.
pub(crate) fn verify_ed25519(
    public_key: &[u8; 32],
    signature: &[u8; 64],
    message: &mut super::Message<'_>,
) -> bool {
    use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
    use curve25519_dalek::scalar::Scalar;
    use curve25519_dalek::traits::IsIdentity;
    use sha2::Digest as _;
    let (r_bytes, s_bytes) = signature.split_at(32);
    let mut h = sha2::Sha512::new();
    h.update(r_bytes);
    h.update(public_key);
    message(&mut |c| h.update(c));
    let hash: [u8; 64] = h.finalize().into();
    let k = Scalar::from_bytes_mod_order_wide(&hash);
    let Ok(s_bytes) = <[u8; 32]>::try_from(s_bytes) else {
        return false;
    };
    let Ok(r_bytes) = <[u8; 32]>::try_from(r_bytes) else {
        return false;
    };
    let Some(s) = Option::<Scalar>::from(Scalar::from_canonical_bytes(s_bytes)) else {
        return false;
    };
    let (Some(a), Some(r)) = (
        CompressedEdwardsY(*public_key).decompress(),
        CompressedEdwardsY(r_bytes).decompress(),
    ) else {
        return false;
    };
    let sum = EdwardsPoint::vartime_double_scalar_mul_basepoint(&k, &-a, &s);
    (sum - r).mul_by_cofactor().is_identity()
}
