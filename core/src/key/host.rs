//! The host backend (feature `fast`; std, never firmware): the arithmetic of ECDSA P-256 / P-384
//! verification from AWS-LC (through `aws-lc-rs`: assembly for x86_64 and aarch64), and Ed25519's
//! verification equation from `curve25519-dalek` with the message hashed by the `sha2` crate's
//! SHA-512 (hardware-accelerated where the CPU has it; ed25519-compact's own SHA-512 is portable).
//!
//! The backend only ever sees values vouch has already decoded and checked with RustCrypto /
//! ed25519-compact, exactly as without it: a validated public key (on the curve, never the
//! identity; for Ed25519 canonical and not of small order), a signature whose `r` and `s` are in
//! `1..n` (re-encoded here as strict DER), and a prehash. For Ed25519 it makes ed25519-compact's
//! checks of `S` and `R` itself (see [`verify_ed25519`]). So the verdicts are the same with or
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

/// One ECDSA verification with a key parsed for it (the plain, one-shot path). Through
/// `UnparsedPublicKey`, which (unlike [`Table`]'s `ParsedPublicKey`) keeps no copy of the key on
/// the Rust heap: AWS-LC's own structures live on the C heap, so the no-allocation tests
/// (`tests/no_alloc.rs`, `tests/keyless_no_alloc.rs`, Rust's global allocator) still hold.
pub(crate) fn verify_ecdsa(
    curve: Curve,
    sec1: &[u8],
    prehash: &[u8],
    der_signature: &[u8],
) -> bool {
    let Some((alg, digest)) = algorithm(curve, prehash.len()) else {
        return false;
    };
    Digest::import_less_safe(prehash, digest).is_ok_and(|d| {
        signature::UnparsedPublicKey::new(alg, sec1)
            .verify_digest(&d, der_signature)
            .is_ok()
    })
}

/// Ed25519 with ed25519-compact's rules: `S` must be canonical (`< L`) and `R` a canonical
/// encoding of a point not of small order (the key was validated by ed25519-compact when it was
/// parsed, by the same rule); then `k = SHA-512(R || A || M) mod L` with `M` streamed by
/// `message`, and ed25519-compact's own (cofactored) equation `[8]([S]B - [k]A - R) = 0`, with
/// curve25519-dalek's double-scalar multiplication.
///
/// ed25519-compact calls an encoding canonical when `y < p` and it is not a "negative zero"
/// (`x = 0` with the sign bit set); the only points with `x = 0` are `(0, 1)` and `(0, -1)`, both
/// of small order and so refused anyway, which leaves `y < p` to check on the bytes.
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
    let (Ok(r_bytes), Ok(s_bytes)) = (<[u8; 32]>::try_from(r_bytes), <[u8; 32]>::try_from(s_bytes))
    else {
        return false;
    };
    let Some(s) = Option::<Scalar>::from(Scalar::from_canonical_bytes(s_bytes)) else {
        return false;
    };
    if !y_below_p(&r_bytes) {
        return false;
    }
    let (Some(a), Some(r)) = (
        CompressedEdwardsY(*public_key).decompress(),
        CompressedEdwardsY(r_bytes).decompress(),
    ) else {
        return false;
    };
    if r.is_small_order() {
        return false;
    }
    let mut h = sha2::Sha512::new();
    h.update(r_bytes);
    h.update(public_key);
    message(&mut |c| h.update(c));
    let hash: [u8; 64] = h.finalize().into();
    let k = Scalar::from_bytes_mod_order_wide(&hash);
    let sum = EdwardsPoint::vartime_double_scalar_mul_basepoint(&k, &-a, &s);
    (sum - r).mul_by_cofactor().is_identity()
}

/// Whether the `y` of an encoded point (its low 255 bits, little-endian) is below
/// `p = 2^255 - 19`: the values not below it are `0x7fff...ffed` to `0x7fff...ffff`.
fn y_below_p(encoded: &[u8; 32]) -> bool {
    let mut y = *encoded;
    if let Some(top) = y.last_mut() {
        *top &= 0x7f;
    }
    let (first, rest) = y.split_first().unwrap_or((&0, &[]));
    let (last, middle) = rest.split_last().unwrap_or((&0, &[]));
    !(*last == 0x7f && middle.iter().all(|&b| b == 0xff) && *first >= 0xed)
}

#[cfg(test)]
mod tests {
    use super::y_below_p;

    /// `p - 1` and smaller are canonical; `p` to `2^255 - 1` are not, with either sign bit.
    #[test]
    fn y_below_p_boundaries() {
        let enc = |low: u8, sign: bool| {
            let mut b = [0xffu8; 32];
            b[0] = low;
            b[31] = if sign { 0xff } else { 0x7f };
            b
        };
        for sign in [false, true] {
            assert!(y_below_p(&enc(0xec, sign)), "p - 1");
            assert!(y_below_p(&enc(0x00, sign)));
            for low in 0xed..=0xff {
                assert!(!y_below_p(&enc(low, sign)), "p + {}", low - 0xed);
            }
            let mut one_less = enc(0xff, sign);
            one_less[17] = 0xfe;
            assert!(y_below_p(&one_less));
        }
        assert!(y_below_p(&[0; 32]));
    }
}
