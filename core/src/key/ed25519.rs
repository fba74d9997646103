//! Ed25519 (pure, RFC 8032) signature verification over a streamed message, with
//! ed25519-compact: non-canonical S, A and R and small-order keys are refused by the crate. With
//! the host backend (feature `fast`), ed25519-compact still makes every one of those checks and
//! the message hash and the equation are computed by `sha2` and `curve25519-dalek` (see
//! `host.rs`).

/// Checks `signature` over the message that `message` streams into the sink it is given.
#[inline(never)]
pub(crate) fn verify_ed25519(
    pk: &ed25519_compact::PublicKey,
    signature: &[u8],
    message: &mut super::Message<'_>,
) -> bool {
    let Ok(sig) = ed25519_compact::Signature::from_slice(signature) else {
        return false;
    };
    // S canonical, A and R canonical and not of small order: ed25519-compact's checks.
    let Ok(mut state) = pk.verify_incremental(&sig) else {
        return false;
    };
    #[cfg(feature = "fast")]
    {
        let _ = &mut state;
        super::host::verify_ed25519(pk, &sig, message)
    }
    #[cfg(not(feature = "fast"))]
    {
        message(&mut |c| state.absorb(c));
        state.verify().is_ok()
    }
}
