//! `ffi_verify`: the same inputs as `verify_envelope`, `envelope_parse` and `key_parse`, through
//! the C ABI (`vouch-ffi`), which must agree with vouch-core result for result.

use vouch::vouch_result;
use vouch_core::{Envelope, Error, PublicKey, TrustedKey, Verifier};

use crate::checks;

fn code(r: vouch_result) -> u32 {
    r as u32
}

fn core_code<T>(r: &Result<T, Error>) -> u32 {
    match r {
        Ok(_) => 0,
        Err(e) => e.number(),
    }
}

/// Storage of `size` bytes, aligned to 8 (`VOUCH_STORAGE_ALIGN`).
fn storage(size: usize) -> Vec<u64> {
    assert!(vouch::vouch_storage_align() <= 8);
    vec![0u64; size.div_ceil(8)]
}

/// A key handle through `vouch_key_parse`.
fn ffi_key(bytes: &[u8], store: &mut [u64]) -> Result<*const vouch::vouch_key, vouch_result> {
    let mut out = core::ptr::null();
    // SAFETY: valid input slice, storage of the advertised size and alignment, valid out pointer.
    let r = unsafe {
        vouch::vouch_key_parse(
            bytes.as_ptr(),
            bytes.len(),
            store.as_mut_ptr().cast(),
            store.len() * 8,
            &mut out,
        )
    };
    if r == vouch_result::VOUCH_OK {
        Ok(out)
    } else {
        Err(r)
    }
}

/// Verifies `envelope` through the C ABI; returns (result, payload, key bits).
fn ffi_verify(
    keys: &[&[u8]],
    threshold: usize,
    types: &[&str],
    envelope: &[u8],
    scratch_len: usize,
) -> (u32, Vec<u8>, u32) {
    let mut stores: Vec<Vec<u64>> = keys
        .iter()
        .map(|_| storage(vouch::vouch_key_storage_size()))
        .collect();
    let handles: Vec<_> = keys
        .iter()
        .zip(&mut stores)
        .map(|(k, s)| ffi_key(k, s).expect("pool keys parse"))
        .collect();
    let strs: Vec<vouch::vouch_str> = types
        .iter()
        .map(|t| vouch::vouch_str {
            data: t.as_ptr().cast(),
            len: t.len(),
        })
        .collect();
    let mut vstore = storage(vouch::vouch_verifier_storage_size());
    let mut verifier = core::ptr::null();
    // SAFETY: arrays and storage valid for the given lengths; out pointer valid.
    let r = unsafe {
        vouch::vouch_verifier_init(
            handles.as_ptr(),
            handles.len(),
            threshold,
            strs.as_ptr(),
            strs.len(),
            vstore.as_mut_ptr().cast(),
            vstore.len() * 8,
            &mut verifier,
        )
    };
    assert_eq!(r, vouch_result::VOUCH_OK, "verifier init");
    let mut scratch = vec![0u8; scratch_len.max(1)];
    let (mut p, mut plen, mut bits) = (core::ptr::null(), 0usize, 0u32);
    // SAFETY: verifier from init; envelope and scratch valid and disjoint; out pointers valid.
    let r = unsafe {
        vouch::vouch_verifier_verify(
            verifier,
            envelope.as_ptr(),
            envelope.len(),
            scratch.as_mut_ptr(),
            scratch_len,
            &mut p,
            &mut plen,
            &mut bits,
        )
    };
    let payload = if r == vouch_result::VOUCH_OK {
        assert!(plen <= scratch_len);
        // SAFETY: on success the payload points into `scratch`, `plen` bytes long.
        unsafe { core::slice::from_raw_parts(p, plen) }.to_vec()
    } else {
        Vec::new()
    };
    (code(r), payload, bits)
}

fn core_verify(
    keys: &[&[u8]],
    threshold: usize,
    types: &[&str],
    envelope: &[u8],
    scratch_len: usize,
) -> (u32, Vec<u8>, u32) {
    let trusted: Vec<TrustedKey<'_>> = keys
        .iter()
        .map(|k| TrustedKey {
            key: PublicKey::parse(k).expect("pool keys parse"),
            keyid: None,
        })
        .collect();
    let v = Verifier::new(&trusted, threshold, types).expect("valid verifier");
    let mut scratch = vec![0u8; scratch_len];
    match v.verify(envelope, &mut scratch) {
        Ok(ok) => (0, ok.payload.to_vec(), ok.keys.bits()),
        Err(e) => (e.number(), Vec::new(), 0),
    }
}

fn pool_bytes(i: usize) -> Vec<u8> {
    let mut der = [0u8; 128];
    let n = checks::pool()[i].public.spki_der(&mut der).expect("fits");
    der[..n].to_vec()
}

/// `ffi_verify`: first byte picks the mode. Structured envelopes (as `verify_envelope` builds
/// them; keyids are not passed, the C ABI has none) and raw bytes as an envelope both verify
/// through the C ABI exactly as through vouch-core (result number, payload, key bits); raw bytes
/// as a key parse the same, and `vouch_envelope_payload_len` agrees with `Envelope::parse`.
pub fn check_ffi(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode % 2 == 0 {
        let (trusted, threshold, types, doc) = checks::case_envelope(rest);
        let keys: Vec<Vec<u8>> = trusted.iter().map(|&i| pool_bytes(i)).collect();
        let keys: Vec<&[u8]> = keys.iter().map(Vec::as_slice).collect();
        let scratch = usize::from(mode) * 3;
        let a = ffi_verify(&keys, threshold, &types, doc.as_bytes(), scratch);
        let b = core_verify(&keys, threshold, &types, doc.as_bytes(), scratch);
        assert_eq!(a, b, "C ABI and core disagree on {doc}");
        return;
    }
    // Raw bytes: as an envelope ...
    let keys = [pool_bytes(0), pool_bytes(checks::POOL_ED25519)];
    let keys: Vec<&[u8]> = keys.iter().map(Vec::as_slice).collect();
    let types = ["application/vnd.in-toto+json", "text/plain"];
    let a = ffi_verify(&keys, 1, &types, rest, rest.len());
    let b = core_verify(&keys, 1, &types, rest, rest.len());
    assert_eq!(a, b, "C ABI and core disagree on a raw envelope");
    let mut n = usize::MAX;
    // SAFETY: valid input slice and out pointer.
    let r = unsafe { vouch::vouch_envelope_payload_len(rest.as_ptr(), rest.len(), &mut n) };
    let want = Envelope::parse(rest).and_then(|e| e.payload_len());
    assert_eq!(code(r), core_code(&want), "payload_len result");
    if let Ok(len) = want {
        assert_eq!(n, len);
    }
    // ... and as a key.
    let mut store = storage(vouch::vouch_key_storage_size());
    let a = ffi_key(rest, &mut store);
    let b = PublicKey::parse(rest);
    assert_eq!(
        a.map(|_| 0).unwrap_or_else(code),
        core_code(&b),
        "key parse result"
    );
    if let (Ok(h), Ok(k)) = (a, b) {
        let mut fp = [0u8; 32];
        // SAFETY: handle from vouch_key_parse; 32-byte output.
        let r = unsafe { vouch::vouch_key_fingerprint(h, fp.as_mut_ptr(), fp.len()) };
        assert_eq!(r, vouch_result::VOUCH_OK);
        assert_eq!(fp, k.fingerprint());
    }
}
