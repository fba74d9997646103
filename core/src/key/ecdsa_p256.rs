//! ECDSA P-256 / SHA-256 signature verification over a prehash, with RustCrypto's p256.

use super::Table;

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
    use p256::ecdsa::signature::hazmat::PrehashVerifier;
    let sig = if signature.len() == 64 {
        Signature::from_slice(signature)
    } else {
        Signature::from_der(signature)
    };
    let Ok(sig) = sig else {
        return false;
    };
    #[cfg(feature = "fast")]
    if let Some(t) = table {
        return crate::p256_tables::verify(t, prehash, &sig);
    }
    let _ = table;
    vk.verify_prehash(prehash, &sig).is_ok()
}
