//! Decoding and hashing a large payload on two cores (feature `parallel`, host only).
//!
//! For ECDSA P-256 the PAE is hashed once with SHA-256, and that hash is sequential; decoding the
//! base64 is not on its critical path. So for large payloads a scoped thread decodes group after
//! group into the caller's scratch buffer and hands each finished piece over a channel, while the
//! calling thread hashes the pieces in order. The result is the same as the one-thread fused path
//! ([`crate::base64::decode_fast`] with the hash as its consumer): same decoder, same bytes, same
//! order. When the fast decoder declines the text (an escape, an invalid or mixed character) the
//! caller falls back to the exact decoder, which gives the precise error.

extern crate std;

use sha2::{Digest, Sha256};

use crate::{base64, pae};

/// Payload texts shorter than this (in characters) are not worth a thread.
pub(crate) const MIN_TEXT: usize = 1 << 20;

/// Decodes `raw` (payload base64 without escapes) into `scratch` on a second thread while this
/// one computes SHA-256 of `PAE(payload_type, payload)`; `None` if the fast decoder declined.
pub(crate) fn decode_and_hash(
    payload_type: &[u8],
    raw: &[u8],
    scratch: &mut [u8],
) -> Option<(usize, [u8; 32])> {
    let len = base64::decoded_len_if_valid(raw);
    std::thread::scope(|s| {
        let (tx, rx) = std::sync::mpsc::channel::<&[u8]>();
        let decoder = s.spawn(move || {
            base64::decode_fast(raw, scratch, |piece| {
                // The receiver lives until the end of the scope; a send cannot fail before.
                let _ = tx.send(piece);
            })
        });
        let mut h = Sha256::new();
        pae::stream_header(payload_type, len, |c| h.update(c));
        // Ends when the decoder finishes (its sender is dropped with its closure).
        for piece in rx {
            h.update(piece);
        }
        let n = decoder.join().ok()??;
        (n == len).then(|| (n, h.finalize().into()))
    })
}
