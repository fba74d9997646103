//! Decoding and hashing a large payload on two cores (feature `parallel`, host only).
//!
//! The hash of the PAE (SHA-256 for ECDSA P-256, SHA-512 for Ed25519) is sequential; decoding the
//! base64 is not on its critical path. So for large payloads a scoped thread decodes and hands
//! each finished piece over a channel, while the calling thread hashes the pieces in order:
//! [`decode_and_hash`] decodes into the caller's scratch buffer ([`crate::Verifier::verify`]),
//! [`stream_decoded`] into a few recycled buffers of its own (the streaming verifications, which
//! hold no payload-sized buffer: [`crate::Verifier::verify_parsed_streaming`] and
//! [`crate::Verifier::signers_streaming`], used by the CLI). The result is the same as the one-thread fused path
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

/// Bytes per piece handed from the decoding thread to the hashing one (small enough to still be
/// in cache when hashed).
const PIECE: usize = 64 << 10;
/// Pieces in flight at most (so at most `SLOTS + 2` buffers of [`PIECE`] bytes exist at once,
/// whatever the payload's size).
const SLOTS: usize = 4;

/// Streams the decoded bytes of the base64 JSON string `text` to `sink` in order, decoding on a
/// second thread while `sink` (a hash) runs on this one; returns the decoded length. Same decoder,
/// bytes and errors as [`base64::stream_json_str`] (on invalid text `sink` may have seen a
/// prefix of the output, as there). Memory: a few [`PIECE`]-sized buffers, recycled.
pub(crate) fn stream_decoded(
    text: &crate::json::JsonStr<'_>,
    sink: &mut dyn FnMut(&[u8]),
) -> Result<usize, crate::Error> {
    use std::sync::mpsc::{channel, sync_channel};
    use std::vec::Vec;
    std::thread::scope(|s| {
        let (full_tx, full_rx) = sync_channel::<Vec<u8>>(SLOTS);
        let (empty_tx, empty_rx) = channel::<Vec<u8>>();
        let decoder = s.spawn(move || {
            let mut buf = Vec::with_capacity(PIECE);
            let r = base64::stream_json_str(text, |mut c| {
                while !c.is_empty() {
                    let (now, later) = c.split_at(c.len().min(PIECE - buf.len()));
                    buf.extend_from_slice(now);
                    c = later;
                    if buf.len() == PIECE {
                        let mut next = empty_rx
                            .try_recv()
                            .unwrap_or_else(|_| Vec::with_capacity(PIECE));
                        next.clear();
                        // The receiver lives until the end of the scope; a send cannot fail before.
                        let _ = full_tx.send(core::mem::replace(&mut buf, next));
                    }
                }
            });
            if !buf.is_empty() {
                let _ = full_tx.send(buf);
            }
            r
        });
        // Ends when the decoder finishes (its sender is dropped with its closure).
        for piece in full_rx {
            sink(&piece);
            let _ = empty_tx.send(piece);
        }
        // A decoder thread that panicked (it cannot: no panicking code) would be a refusal.
        decoder.join().unwrap_or(Err(crate::Error::InvalidBase64))
    })
}
