//! Ed25519 (pure, RFC 8032) signature verification over a streamed message, with
//! ed25519-compact: non-canonical S, A and R and small-order keys are refused by the crate. With
//! the host backend (feature `fast`) the key is still validated by ed25519-compact when parsed,
//! and `host.rs` applies ed25519-compact's rules to `S` and `R` and computes the message hash and
//! the equation with `sha2` and `curve25519-dalek`.

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
    #[cfg(feature = "fast")]
    {
        // The key was checked at parse time (canonical, not of small order); `host.rs` refuses a
        // non-canonical `S` and a non-canonical or small-order `R` exactly as ed25519-compact's
        // `verify_incremental` does (core/tests/backend_differential.rs compares the two).
        super::host::verify_ed25519(pk, &sig, message)
    }
    #[cfg(not(feature = "fast"))]
    {
        // S canonical, A and R canonical and not of small order: ed25519-compact's checks.
        let Ok(mut state) = pk.verify_incremental(&sig) else {
            return false;
        };
        message(&mut |c| state.absorb(c));
        state.verify().is_ok()
    }
}
