//! Precomputed fixed-base tables for ECDSA P-256 verification (feature `fast`, host only).
//!
//! ECDSA verification computes `R = u1·G + u2·Q` and accepts when `x(R) mod n == r`. The base point
//! `G` is fixed, and a prepared [`crate::Verifier`] knows its trusted keys `Q` in advance, so both
//! multiplications can use tables of multiples built once: with signed radix-2⁷ digits, a 256-bit
//! scalar is 37 digits `dⱼ ∈ [-64, 63]` and `k·P = Σ dⱼ·2⁷ʲ·P`, so each multiplication is at most
//! 37 mixed additions of table points and no doublings at all (plain double-and-add needs about
//! 256 doublings and 50 additions per scalar).
//!
//! Each table holds `m·2⁷ʲ·P` for `m = 1..=64` and `j = 0..37`: 2368 affine points, about 150 KiB;
//! it takes about a millisecond to build. The table of `G` is built once and shared by the
//! process; a key's table is built by [`crate::Verifier::precompute`].
//!
//! Everything here operates on public values (keys, signatures, messages), so variable time is fine.

extern crate alloc;
extern crate std;

use alloc::vec::Vec;
use p256::elliptic_curve::BatchNormalize;
use p256::elliptic_curve::group::Group;
use p256::elliptic_curve::ops::{Invert, Reduce};
use p256::elliptic_curve::point::AffineCoordinates;
use p256::{AffinePoint, FieldBytes, ProjectivePoint, Scalar};

/// Bits per digit.
const W: usize = 7;
/// Digits per scalar: enough for 256 bits plus the carry of the signed recoding.
const DIGITS: usize = 37;
/// Table entries per digit position (the multiples `1..=2^(W-1)`).
const PER_DIGIT: usize = 1 << (W - 1);

/// Multiples of one point for fixed-base multiplication.
#[derive(Clone)]
pub(crate) struct Table {
    /// `points[j * PER_DIGIT + m - 1] = m · 2^(W·j) · P`.
    points: Vec<AffinePoint>,
}

impl core::fmt::Debug for Table {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Table")
            .field("points", &self.points.len())
            .finish()
    }
}

impl Table {
    /// Builds the table of `p`.
    pub(crate) fn new(p: &ProjectivePoint) -> Self {
        let mut proj = Vec::with_capacity(DIGITS * PER_DIGIT);
        let mut base = *p;
        for _ in 0..DIGITS {
            let mut acc = base;
            proj.push(acc);
            for _ in 1..PER_DIGIT {
                acc += base;
                proj.push(acc);
            }
            // acc = 2^(W-1)·base; the next position's base is 2^W·base.
            base = acc.double();
        }
        let points =
            <ProjectivePoint as BatchNormalize<[ProjectivePoint]>>::batch_normalize(&proj[..]);
        Table { points }
    }

    /// `k·P` (variable time).
    fn mul(&self, k: &Scalar) -> ProjectivePoint {
        let mut acc = ProjectivePoint::IDENTITY;
        for (j, d) in recode(k).into_iter().enumerate() {
            let m = usize::from(d.unsigned_abs());
            if m == 0 {
                continue;
            }
            if let Some(p) = self.points.get(j * PER_DIGIT + m - 1) {
                if d > 0 {
                    acc += p;
                } else {
                    acc += -p;
                }
            }
        }
        acc
    }
}

/// Signed radix-2^W digits of `k` (least significant first), each in `[-2^(W-1), 2^(W-1))`.
fn recode(k: &Scalar) -> [i8; DIGITS] {
    let bytes: FieldBytes = k.to_bytes();
    // Little-endian 64-bit limbs, plus a zero limb so that windows may run past bit 255.
    let mut limbs = [0u64; 5];
    for (limb, chunk) in limbs.iter_mut().zip(bytes.rchunks_exact(8)) {
        let mut b = [0u8; 8];
        b.copy_from_slice(chunk);
        *limb = u64::from_be_bytes(b);
    }
    let mut digits = [0i8; DIGITS];
    let mut carry = 0u64;
    for (j, d) in digits.iter_mut().enumerate() {
        let bit = j * W;
        let lo = limbs.get(bit / 64).copied().unwrap_or(0) >> (bit % 64);
        let hi = match bit % 64 {
            0 => 0,
            s => limbs.get(bit / 64 + 1).copied().unwrap_or(0) << (64 - s),
        };
        let w = ((lo | hi) & ((1 << W) - 1)) + carry;
        if w >= (1 << (W - 1)) as u64 {
            *d = (w as i64 - (1 << W)) as i8;
            carry = 1;
        } else {
            *d = w as i8;
            carry = 0;
        }
    }
    digits
}

/// The table of the base point, built on first use.
fn generator_table() -> &'static Table {
    static G: std::sync::OnceLock<Table> = std::sync::OnceLock::new();
    G.get_or_init(|| Table::new(&ProjectivePoint::generator()))
}

/// Builds the base point's table now (so that no later verification allocates).
pub(crate) fn init() {
    generator_table();
}

/// ECDSA P-256 verification of `sig` over the SHA-256 `prehash` with the key whose table is `q`:
/// `R = u1·G + u2·Q` with `u1 = z/s`, `u2 = r/s`; valid iff `R` is not the point at infinity and
/// `x(R) mod n == r`. (`r` and `s` are in `[1, n)`: [`p256::ecdsa::Signature`] refuses anything
/// else when parsed.)
pub(crate) fn verify(q: &Table, prehash: &[u8; 32], sig: &p256::ecdsa::Signature) -> bool {
    let (r, s) = sig.split_scalars();
    let z = <Scalar as Reduce<FieldBytes>>::reduce(&FieldBytes::from(*prehash));
    let s_inv = *s.invert_vartime();
    let u1 = z * s_inv;
    let u2 = *r * s_inv;
    let big_r = generator_table().mul(&u1) + q.mul(&u2);
    if bool::from(big_r.is_identity()) {
        return false;
    }
    let x = big_r.to_affine().x();
    *r == <Scalar as Reduce<FieldBytes>>::reduce(&x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_mul_matches_plain_mul() {
        let mut seed = 1u64;
        let mut next = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            seed
        };
        let p = ProjectivePoint::generator() * Scalar::from(12345u64);
        let t = Table::new(&p);
        let mut scalars = std::vec![Scalar::ZERO, Scalar::ONE, -Scalar::ONE, Scalar::from(64u64)];
        for _ in 0..64 {
            let mut b = [0u8; 32];
            for c in b.chunks_mut(8) {
                c.copy_from_slice(&next().to_le_bytes());
            }
            scalars.push(<Scalar as Reduce<FieldBytes>>::reduce(&FieldBytes::from(b)));
        }
        for k in scalars {
            assert_eq!(t.mul(&k), p * k);
            assert_eq!(generator_table().mul(&k), ProjectivePoint::generator() * k);
        }
    }

    /// Every Wycheproof ECDSA P-256/SHA-256 vector (DER and P1363) through the table path, with
    /// the same signature decoding as the envelope path (64 bytes = `r||s`, else strict DER).
    #[test]
    fn wycheproof_through_tables() {
        use p256::ecdsa::Signature;
        use sha2::{Digest, Sha256};
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors/wycheproof/");
        let unhex = |s: &str| -> std::vec::Vec<u8> {
            (0..s.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
                .collect()
        };
        let mut count = 0;
        for file in [
            "ecdsa_secp256r1_sha256_test.json",
            "ecdsa_secp256r1_sha256_p1363_test.json",
        ] {
            let text = std::fs::read(std::format!("{dir}{file}")).unwrap();
            let doc: serde_json::Value = serde_json::from_slice(&text).unwrap();
            for group in doc["testGroups"].as_array().unwrap() {
                let unc = unhex(group["publicKey"]["uncompressed"].as_str().unwrap());
                let Ok(vk) = p256::ecdsa::VerifyingKey::from_sec1_bytes(&unc) else {
                    continue;
                };
                let table = Table::new(&vk.as_affine().into());
                for t in group["tests"].as_array().unwrap() {
                    let msg = unhex(t["msg"].as_str().unwrap());
                    let sig = unhex(t["sig"].as_str().unwrap());
                    let digest: [u8; 32] = Sha256::digest(&msg).into();
                    let parsed = if sig.len() == 64 {
                        Signature::from_slice(&sig)
                    } else {
                        Signature::from_der(&sig)
                    };
                    let got = parsed.is_ok_and(|s| verify(&table, &digest, &s));
                    let want = t["result"] == "valid";
                    assert_eq!(got, want, "{file} tcId {}", t["tcId"]);
                    count += 1;
                }
            }
        }
        assert!(count > 400, "only {count} vectors");
    }
}
