//! Ed25519 (pure, RFC 8032) signature verification over a streamed message, with
//! ed25519-compact: non-canonical S, A and R and small-order keys are refused by the crate.

#[inline(never)]
pub(super) fn verify_ed25519(
    pk: &ed25519_compact::PublicKey,
    signature: &[u8],
    message: &mut dyn FnMut(&mut ed25519_compact::VerifyingState),
) -> bool {
    let Ok(sig) = ed25519_compact::Signature::from_slice(signature) else {
        return false;
    };
    let Ok(mut state) = pk.verify_incremental(&sig) else {
        return false;
    };
    message(&mut state);
    state.verify().is_ok()
}
