//! ECDSA P-256 / SHA-256 signature verification over a prehash, with RustCrypto's p256, or on
//! Cortex-M with the `p256-cm4` backend (feature `p256-cm4`).
//!
//! On the host with feature `fast`, the arithmetic is AWS-LC's (`host.rs`). Every way, vouch decodes
//! everything itself first: the key is RustCrypto's validated
//! `VerifyingKey` (SEC1 / SPKI parsing, on-curve check, never the point at infinity), the
//! signature is RustCrypto's `Signature` (exactly 64 bytes of `r||s`, or strict DER; `r` and `s`
//! each in `1..n`), and the prehash is SHA-256 of the PAE. Only the arithmetic differs.

use super::Table;

#[cfg(all(
    feature = "p256-cm4",
    not(all(target_arch = "arm", target_os = "none"))
))]
compile_error!(
    "vouch-core's `p256-cm4` feature is for Cortex-M (ARMv7E-M: Cortex-M4 / M7 / M33) firmware \
     targets such as thumbv7em-none-eabihf only; build this target without it (RustCrypto p256 \
     is used)"
);

/// ECDSA P-256 over a SHA-256 prehash; the signature is raw `r||s` when exactly 64 bytes, strict
/// DER otherwise. High-S signatures are valid.
#[inline(never)]
pub(super) fn verify_p256(
    vk: &p256::ecdsa::VerifyingKey,
    prehash: &[u8; 32],
    signature: &[u8],
    table: Option<&Table>,
) -> bool {
    use p256::ecdsa::Signature;
    let sig = if signature.len() == 64 {
        Signature::from_slice(signature)
    } else {
        Signature::from_der(signature)
    };
    let Ok(sig) = sig else {
        return false;
    };
    #[cfg(feature = "fast")]
    {
        let der = sig.to_der();
        match table {
            Some(t) => t.verify(prehash, der.as_bytes()),
            None => super::host::verify_ecdsa(
                super::host::Curve::P256,
                vk.to_sec1_point(false).as_bytes(),
                prehash,
                der.as_bytes(),
            ),
        }
    }
    #[cfg(not(feature = "fast"))]
    {
        let _ = table;
        #[cfg(all(feature = "p256-cm4", target_arch = "arm", target_os = "none"))]
        return cm4::verify(vk, prehash, &sig);
        #[cfg(not(all(feature = "p256-cm4", target_arch = "arm", target_os = "none")))]
        {
            use p256::ecdsa::signature::hazmat::PrehashVerifier;
            vk.verify_prehash(prehash, &sig).is_ok()
        }
    }
}

/// The `p256-cm4` backend: RustCrypto's decoded key and signature handed to p256-cm4's
/// verification (Emil Lenngren's P256-Cortex-M4 assembly, in Rust by Alex Martens; MIT).
#[cfg(all(feature = "p256-cm4", target_arch = "arm", target_os = "none"))]
mod cm4 {
    use p256::elliptic_curve::ops::Reduce;
    use p256::{FieldBytes, Scalar};

    /// A 32-byte big-endian integer as p256-cm4's eight little-endian 32-bit words.
    fn words(be: &[u8]) -> [u32; 8] {
        let mut w = [0u32; 8];
        for (word, bytes) in w.iter_mut().zip(be.rchunks_exact(4)) {
            let mut b = [0u8; 4];
            b.copy_from_slice(bytes);
            *word = u32::from_be_bytes(b);
        }
        w
    }

    /// Verifies with p256-cm4. What it receives is already valid: `r` and `s` in `1..n`
    /// (RustCrypto's `Signature` guarantees it), the key an affine point on the curve (a
    /// `VerifyingKey` is never the identity), and the prehash reduced mod `n` exactly as
    /// RustCrypto reduces it (SHA-256 can exceed `n`; one Wycheproof vector per file has such a
    /// hash). p256-cm4 copes with an unreduced hash too, but documents no such promise, so vouch
    /// does not rely on it. p256-cm4 checks the ranges and the curve equation again, and refuses
    /// a sum `u1·G + u2·Q` at infinity, as RustCrypto does.
    pub(super) fn verify(
        vk: &p256::ecdsa::VerifyingKey,
        prehash: &[u8; 32],
        sig: &p256::ecdsa::Signature,
    ) -> bool {
        let point = vk.to_sec1_point(false);
        let (Some(x), Some(y)) = (point.x(), point.y()) else {
            return false;
        };
        let z = <Scalar as Reduce<FieldBytes>>::reduce(&FieldBytes::from(*prehash)).to_bytes();
        let (r, s) = sig.split_bytes();
        p256_cm4::verify(&words(x), &words(y), &z, &words(&r), &words(&s))
    }
}
