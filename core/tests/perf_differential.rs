//! Differential tests for the fast paths (no timing here; see `benches/verify.rs`).
//!
//! * base64: the block decoder ([`base64::decode_into`], [`base64::validate_json_str`] through
//!   [`Envelope::parse`]) against vouch's exact streaming [`base64::Decoder`] fed one character at
//!   a time, and against base64ct, over long random texts in both alphabets, padded or not, and
//!   mutated (bad characters at any position, mixed alphabets, stray padding, escapes, non-zero
//!   trailing bits);
//! * envelopes: [`Verifier::verify`] (fused decode + SHA-256 of the PAE, and with feature `fast`
//!   the precomputed P-256 tables) against p256's own `verify_prehash` of the same PAE, over valid,
//!   high-S, boundary (`r` or `s` = 0, 1, n-1, n, n+1, 2^256-1), wrong-key, corrupted and random
//!   signatures, DER and raw.

use base64ct::Encoding;
use p256::ecdsa::signature::hazmat::PrehashVerifier;
use p256::ecdsa::{Signature, VerifyingKey};
use sha2::{Digest, Sha256};
use vouch_core::testkit::{B64, EnvelopeBuilder, b64, p256_key, p256_sig_der, pae};
use vouch_core::{Error, IN_TOTO_PAYLOAD_TYPE as T, PublicKey, TrustedKey, Verifier, base64};

/// A small deterministic generator (xorshift64*).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

/// The exact streaming decoder, one character at a time.
fn reference(text: &[u8]) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    let mut sink = |c: &[u8]| {
        out.extend_from_slice(c);
        Ok::<(), Error>(())
    };
    let mut d = vouch_core::hazmat::Base64Decoder::new();
    for c in text.chunks(1) {
        d.feed(c, &mut sink)?;
    }
    d.finish(&mut sink)?;
    Ok(out)
}

fn fast(text: &[u8]) -> Result<Vec<u8>, Error> {
    let mut out = vec![0u8; base64::decoded_len_bound(text.len())];
    let n = base64::decode_into(text, &mut out)?;
    out.truncate(n);
    Ok(out)
}

/// base64ct's verdict: either alphabet, padded or not (it does not allow mixing either).
fn base64ct_decode(text: &[u8]) -> Option<Vec<u8>> {
    let s = std::str::from_utf8(text).ok()?;
    base64ct::Base64::decode_vec(s)
        .or_else(|_| base64ct::Base64Unpadded::decode_vec(s))
        .or_else(|_| base64ct::Base64Url::decode_vec(s))
        .or_else(|_| base64ct::Base64UrlUnpadded::decode_vec(s))
        .ok()
}

fn mutate(rng: &mut Rng, text: &mut Vec<u8>) {
    if text.is_empty() {
        text.push(b'=');
        return;
    }
    let at = rng.below(text.len());
    const ODD: &[u8] = b"=+/-_ \n\\\"!\x00\xff.A";
    match rng.below(4) {
        0 => text[at] = ODD[rng.below(ODD.len())],
        1 => text.insert(at, ODD[rng.below(ODD.len())]),
        2 => {
            text.remove(at);
        }
        _ => {
            // Flip low bits of the last data character (trailing-bit malleability).
            let last = text.iter().rposition(|&c| c != b'=').unwrap_or(0);
            text[last] = match text[last] {
                b'A' => b'B',
                b'Q' => b'R',
                b'g' => b'h',
                b'w' => b'x',
                c => c ^ 1,
            };
        }
    }
}

#[test]
fn base64_fast_path_matches_streaming_decoder_and_base64ct() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut accepted = 0;
    let mut rejected = 0;
    for round in 0..6000 {
        let len = match round % 3 {
            0 => rng.below(80),
            1 => rng.below(400),
            _ => 1000 + rng.below(9000),
        };
        let data = rng.bytes(len);
        let style = [B64::Std, B64::StdUnpadded, B64::Url, B64::UrlUnpadded][rng.below(4)];
        let mut text = b64(&data, style).into_bytes();
        let mutated = rng.below(2) == 0;
        if mutated {
            for _ in 0..1 + rng.below(2) {
                mutate(&mut rng, &mut text);
            }
        }
        let want = reference(&text);
        let got = fast(&text);
        assert_eq!(
            got,
            want,
            "round {round}: {:?}",
            String::from_utf8_lossy(&text)
        );
        if !mutated {
            assert_eq!(got.as_deref(), Ok(&data[..]), "round {round}");
        }
        // Same accept/reject verdict and bytes as base64ct (the reference model).
        assert_eq!(got.clone().ok(), base64ct_decode(&text), "round {round}");
        // Validation through an envelope (fast validator) agrees too, and so does verify's
        // fused decode (it must reject the same texts with the same error).
        let plain_json = |b: &u8| (0x20..0x7f).contains(b) && *b != b'"' && *b != b'\\';
        let s = std::str::from_utf8(&text)
            .ok()
            .filter(|s| s.bytes().all(|b| plain_json(&b)));
        if let Some(s) = s {
            let env =
                format!(r#"{{"payload":"{s}","payloadType":"{T}","signatures":[{{"sig":"AA"}}]}}"#);
            let parsed = vouch_core::Envelope::parse(env.as_bytes()).map(|e| e.payload_len());
            match &want {
                Ok(d) => assert_eq!(parsed, Ok(Ok(d.len())), "round {round}"),
                Err(e) => assert_eq!(parsed.err(), Some(*e), "round {round}"),
            }
        }
        match want {
            Ok(_) => accepted += 1,
            Err(_) => rejected += 1,
        }
    }
    assert!(
        accepted > 2000 && rejected > 1000,
        "{accepted} / {rejected}"
    );
}

#[test]
fn buffer_too_small_and_escapes_on_long_texts() {
    let mut rng = Rng(7);
    let data = rng.bytes(3000);
    let text = b64(&data, B64::Std);
    let mut small = vec![0u8; 2999];
    assert_eq!(
        base64::decode_into(text.as_bytes(), &mut small),
        Err(Error::BufferTooSmall)
    );
    let mut bad = text.clone().into_bytes();
    bad[2000] = b'!';
    assert_eq!(
        base64::decode_into(&bad, &mut small),
        Err(Error::InvalidBase64)
    );
    // A long payload with JSON escapes (`\/`, `\u002b`) goes through the escape-aware path.
    let escaped = text.replace('/', "\\/").replace('+', "\\u002b");
    assert_ne!(escaped, text);
    let kp = vouch_core::testkit::ed25519_key(3);
    let sig = vouch_core::testkit::ed25519_sig(&kp, T, &data);
    let env = EnvelopeBuilder::new(T, &data)
        .sig(None, sig, B64::Std)
        .to_json();
    let env = env.replace(&text, &escaped);
    assert!(env.contains("\\u002b"));
    let key = PublicKey::from_ed25519_raw(kp.pk.as_ref()).unwrap();
    let types = [T];
    let trusted = [TrustedKey { key, keyid: None }];
    let v = Verifier::new(&trusted, 1, &types).unwrap();
    let mut scratch = vec![0u8; data.len()];
    assert_eq!(
        v.verify(env.as_bytes(), &mut scratch).unwrap().payload,
        &data[..]
    );
}

/// P-256 group order n, big-endian.
const N: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
];

fn add_small(x: &[u8; 32], d: i64) -> [u8; 32] {
    // x + d modulo 2^256, big-endian, as two 128-bit halves with carry/borrow.
    let lo = u128::from_be_bytes(x[16..].try_into().unwrap());
    let hi = u128::from_be_bytes(x[..16].try_into().unwrap());
    let (lo, hi) = if d >= 0 {
        let (l, carry) = lo.overflowing_add(d as u128);
        (l, hi.wrapping_add(u128::from(carry)))
    } else {
        let (l, borrow) = lo.overflowing_sub(d.unsigned_abs() as u128);
        (l, hi.wrapping_sub(u128::from(borrow)))
    };
    let mut out = [0u8; 32];
    out[..16].copy_from_slice(&hi.to_be_bytes());
    out[16..].copy_from_slice(&lo.to_be_bytes());
    out
}

fn sub_from_n(s: &[u8]) -> [u8; 32] {
    // n - s (s < n), big-endian.
    let mut out = [0u8; 32];
    let mut borrow = 0i32;
    for i in (0..32).rev() {
        let mut d = N[i] as i32 - s[i] as i32 - borrow;
        borrow = 0;
        if d < 0 {
            d += 256;
            borrow = 1;
        }
        out[i] = d as u8;
    }
    out
}

/// p256's own verdict on a signature (64 bytes = raw, else DER), over SHA-256 of the PAE.
fn p256_verdict(vk: &VerifyingKey, pae: &[u8], sig: &[u8]) -> bool {
    let digest = Sha256::digest(pae);
    let parsed = if sig.len() == 64 {
        Signature::from_slice(sig)
    } else {
        Signature::from_der(sig)
    };
    parsed.is_ok_and(|s| vk.verify_prehash(&digest, &s).is_ok())
}

#[test]
fn p256_envelopes_match_p256_verify_prehash() {
    let mut rng = Rng(42);
    let keys: Vec<_> = (0..3).map(|i| p256_key(10 + i)).collect();
    let types = [T];
    let trusted = |i: usize| {
        let vk = keys[i].verifying_key();
        PublicKey::from_sec1(vk.to_sec1_point(false).as_bytes()).unwrap()
    };
    let one = [TrustedKey {
        key: trusted(0),
        keyid: None,
    }];
    let plain = Verifier::new(&one, 1, &types).unwrap();
    // With feature `fast`, the precomputed-table path; otherwise the same plain verifier twice.
    #[cfg(feature = "fast")]
    let tabled = plain.clone().precompute();
    #[cfg(not(feature = "fast"))]
    let tabled = plain.clone();
    // With feature `fast`, a key that carries its own parse (`PublicKey::prepared`, what the
    // registry service keeps per policy load) in a fresh verifier.
    #[cfg(feature = "fast")]
    let one_prepared = [TrustedKey {
        key: trusted(0).prepared(),
        keyid: None,
    }];
    #[cfg(not(feature = "fast"))]
    let one_prepared = [TrustedKey {
        key: trusted(0),
        keyid: None,
    }];
    let prepared = Verifier::new(&one_prepared, 1, &types).unwrap();
    let mut agreed_valid = 0;
    let mut agreed_invalid = 0;
    for round in 0..400 {
        let len = [0, 1, 100, 1024, 5000][round % 5] + rng.below(3);
        let payload = rng.bytes(len);
        let signer = if round % 7 == 6 { 1 } else { 0 };
        let der = p256_sig_der(&keys[signer], T, &payload);
        let sig = Signature::from_der(&der).unwrap();
        let raw: [u8; 64] = sig.to_bytes().into();
        let (r, s): ([u8; 32], [u8; 32]) =
            (raw[..32].try_into().unwrap(), raw[32..].try_into().unwrap());
        let join = |r: &[u8; 32], s: &[u8; 32]| [&r[..], &s[..]].concat();
        let mut candidates: Vec<Vec<u8>> = vec![der.clone(), raw.to_vec()];
        // High-S form of the same signature (valid for P-256): raw and DER.
        let high = join(&r, &sub_from_n(&s));
        candidates.push(high.clone());
        if let Ok(h) = Signature::from_slice(&high) {
            candidates.push(h.to_der().as_bytes().to_vec());
        }
        let zero = [0u8; 32];
        let one = add_small(&zero, 1);
        let n_minus_1 = add_small(&N, -1);
        let n_plus_1 = add_small(&N, 1);
        for edge in [zero, one, n_minus_1, N, n_plus_1, [0xff; 32]] {
            candidates.push(join(&edge, &s));
            candidates.push(join(&r, &edge));
        }
        // Corruptions and random junk.
        let mut flipped = raw.to_vec();
        flipped[rng.below(64)] ^= 1 << rng.below(8);
        candidates.push(flipped);
        let mut der_flip = der.clone();
        let at = rng.below(der_flip.len());
        der_flip[at] ^= 1 << rng.below(8);
        candidates.push(der_flip);
        candidates.push(rng.bytes(64));
        candidates.push([&der[..], &[0][..]].concat());
        let pae_bytes = pae(T, &payload);
        let vk0 = keys[0].verifying_key();
        for (ci, cand) in candidates.iter().enumerate() {
            let want = p256_verdict(vk0, &pae_bytes, cand);
            let style = [B64::Std, B64::Url, B64::StdUnpadded, B64::UrlUnpadded][ci % 4];
            let env = EnvelopeBuilder::new(T, &payload)
                .sig(None, cand.clone(), style)
                .to_json();
            let mut scratch = vec![0u8; payload.len()];
            let got = tabled.verify(env.as_bytes(), &mut scratch);
            let mut scratch2 = vec![0u8; payload.len()];
            let got_plain = plain.verify(env.as_bytes(), &mut scratch2).map(|v| v.keys);
            assert_eq!(got_plain, got.as_ref().map(|v| v.keys).map_err(|e| *e));
            let mut scratch3 = vec![0u8; payload.len()];
            let got_prepared = prepared.verify(env.as_bytes(), &mut scratch3);
            assert_eq!(got_plain, got_prepared.map(|v| v.keys));
            assert_eq!(got.is_ok(), want, "round {round} candidate {ci}: {got:?}");
            if !want {
                assert!(
                    matches!(got, Err(Error::InvalidSignature)),
                    "round {round} candidate {ci}: {got:?}"
                );
                agreed_invalid += 1;
            } else {
                assert_eq!(got.unwrap().payload, &payload[..]);
                agreed_valid += 1;
            }
        }
    }
    assert!(
        agreed_valid > 600 && agreed_invalid > 4000,
        "{agreed_valid} / {agreed_invalid}"
    );

    // Several keys: each signature is attributed to the right key, whatever the order.
    let three = [2, 1, 0].map(|i| TrustedKey {
        key: trusted(i),
        keyid: None,
    });
    let v3 = Verifier::new(&three, 2, &types).unwrap();
    #[cfg(feature = "fast")]
    let v3 = v3.precompute();
    let payload = b"two of three".to_vec();
    let env = EnvelopeBuilder::new(T, &payload)
        .sig(None, p256_sig_der(&keys[0], T, &payload), B64::Std)
        .sig(None, p256_sig_der(&keys[1], T, &payload), B64::Url)
        .to_json();
    let mut scratch = vec![0u8; payload.len()];
    let ok = v3.verify(env.as_bytes(), &mut scratch).unwrap();
    assert_eq!(ok.keys.iter().collect::<Vec<_>>(), vec![1, 2]);
}

/// A prepared key (feature `fast`) is the same key: equal to the plain one, same fingerprint and
/// algorithm, refused as a duplicate next to it; an Ed25519 key is unchanged by it.
#[cfg(feature = "fast")]
#[test]
fn prepared_keys_are_the_same_keys() {
    let vk = *p256_key(10).verifying_key();
    let plain = PublicKey::from_sec1(vk.to_sec1_point(true).as_bytes()).unwrap();
    let prepared = plain.clone().prepared();
    assert_eq!(prepared, plain);
    assert_eq!(prepared.fingerprint(), plain.fingerprint());
    assert_eq!(prepared.algorithm(), plain.algorithm());
    let types = [T];
    let both = [
        TrustedKey {
            key: plain.clone(),
            keyid: None,
        },
        TrustedKey {
            key: prepared.clone(),
            keyid: Some("other"),
        },
    ];
    assert_eq!(
        Verifier::new(&both, 1, &types).err(),
        Some(Error::DuplicateTrustedKey)
    );
    // A prepared key in a verifier that also precomputes: the same verdicts.
    let payload = b"prepared";
    let der = p256_sig_der(&p256_key(10), T, payload);
    let env = EnvelopeBuilder::new(T, payload)
        .sig(None, der.clone(), B64::Std)
        .to_json();
    let one = [TrustedKey {
        key: prepared,
        keyid: None,
    }];
    let v = Verifier::new(&one, 1, &types).unwrap().precompute();
    let mut scratch = vec![0u8; payload.len()];
    assert_eq!(
        v.verify(env.as_bytes(), &mut scratch).unwrap().payload,
        payload
    );
    let mut bad = der;
    let last = bad.len() - 1;
    bad[last] ^= 1;
    let env = EnvelopeBuilder::new(T, payload)
        .sig(None, bad, B64::Std)
        .to_json();
    assert_eq!(
        v.verify(env.as_bytes(), &mut scratch).err(),
        Some(Error::InvalidSignature)
    );

    let kp = vouch_core::testkit::ed25519_key(3);
    let ed = PublicKey::from_ed25519_raw(kp.pk.as_ref()).unwrap();
    assert_eq!(ed.clone().prepared(), ed);
}
