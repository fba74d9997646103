//! DSSE envelopes end to end: PAE, base64 per field, strict JSON, keys, signatures and thresholds,
//! checked against the verification profile (`docs/profile.md`, rules P-JSON-*, P-ENV-*,
//! P-B64-*, P-TYPE-1, P-PAE-*, P-SIG-*, P-THR-*, P-KEY-*). Every envelope is signed here, by keys
//! derived from fixed seeds (`vouch_core::testkit`), never pasted.

use base64ct::{Base64, Encoding};
use ed25519_compact::KeyPair;
use p256::ecdsa::SigningKey;
use sha2::{Digest, Sha256};
use vouch_core::testkit::{
    B64, EnvelopeBuilder, b64, ed25519_key, ed25519_sig, json_string, p256_key, p256_sig_der,
    p256_sig_raw,
};
use vouch_core::{
    Algorithm, Envelope, Error, IN_TOTO_PAYLOAD_TYPE, MAX_SIGNATURES, MAX_TRUSTED_KEYS, PublicKey,
    TrustedKey, Verifier, hazmat, pae,
};

const T: &str = IN_TOTO_PAYLOAD_TYPE;
const TYPES: &[&str] = &[T];
const ALL_FORMS: [B64; 4] = [B64::Std, B64::StdUnpadded, B64::Url, B64::UrlUnpadded];

// ---------------------------------------------------------------------------------------------
// Helpers

fn ed_pub(kp: &KeyPair) -> PublicKey {
    PublicKey::from_ed25519_raw(kp.pk.as_ref()).expect("ed25519 key")
}

fn sec1(sk: &SigningKey, compressed: bool) -> Vec<u8> {
    sk.verifying_key()
        .to_sec1_point(compressed)
        .as_bytes()
        .to_vec()
}

fn p256_pub(sk: &SigningKey) -> PublicKey {
    PublicKey::from_sec1(&sec1(sk, false)).expect("p256 key")
}

fn spki(key: &PublicKey) -> Vec<u8> {
    let mut out = [0u8; 128];
    let n = key.spki_der(&mut out).expect("spki");
    out[..n].to_vec()
}

fn pem(der: &[u8], eol: &str) -> String {
    let text = Base64::encode_string(der);
    let mut out = format!("-----BEGIN PUBLIC KEY-----{eol}");
    for line in text.as_bytes().chunks(64) {
        out.push_str(core::str::from_utf8(line).unwrap());
        out.push_str(eol);
    }
    out.push_str(&format!("-----END PUBLIC KEY-----{eol}"));
    out
}

/// The keys as trusted keys without keyids, leaked for the life of the test process (a verifier
/// borrows its keys).
fn trusted(keys: &[PublicKey]) -> &'static [TrustedKey<'static>] {
    let v: Vec<TrustedKey<'static>> = keys
        .iter()
        .map(|k| TrustedKey {
            key: k.clone(),
            keyid: None,
        })
        .collect();
    Vec::leak(v)
}

fn verifier(keys: &[PublicKey], threshold: usize) -> Verifier<'static> {
    Verifier::new(trusted(keys), threshold, TYPES).expect("verifier")
}

/// What a successful verification handed out, copied.
#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    payload: Vec<u8>,
    payload_type: String,
    keys: u32,
}

/// Verifies through `Verifier::verify` and checks that the other two ways agree on every input:
/// `Envelope::parse` + `verify_parsed_streaming` (no payload buffer: same verdict, same error),
/// and, on success, decoding the payload text in place gives the same bytes.
fn verify(v: &Verifier<'_>, envelope: &str) -> Result<Outcome, Error> {
    let mut scratch = vec![0u8; envelope.len()];
    let got = v
        .verify(envelope.as_bytes(), &mut scratch)
        .map(|ok| Outcome {
            payload: ok.payload.to_vec(),
            payload_type: ok.payload_type.to_string(),
            keys: ok.keys.bits(),
        });
    let streamed = Envelope::parse(envelope.as_bytes()).and_then(|env| {
        v.verify_parsed_streaming(&env)
            .map(|ok| (ok.payload_type.to_string(), ok.keys.bits()))
    });
    assert_eq!(
        streamed,
        got.as_ref()
            .map(|o| (o.payload_type.clone(), o.keys))
            .map_err(|e| *e),
        "streaming verification disagrees on {}",
        &envelope[..envelope.len().min(300)]
    );
    if let Ok(o) = &got {
        let env = Envelope::parse(envelope.as_bytes()).expect("parsed");
        if !env.payload.has_escapes() {
            let mut buf = env.payload.raw().to_vec();
            let n = vouch_core::base64::decode_in_place(&mut buf).expect("in place");
            assert_eq!(&buf[..n], &o.payload[..], "in-place decode differs");
        }
    }
    got
}

fn ok(payload: &[u8], keys: u32) -> Result<Outcome, Error> {
    Ok(Outcome {
        payload: payload.to_vec(),
        payload_type: T.to_string(),
        keys,
    })
}

/// An envelope from pre-rendered JSON pieces: `payload` and each sig are base64 text as it
/// should appear between the quotes, `ptype` a JSON literal.
fn envelope(payload: &str, ptype: &str, sigs: &[&str]) -> String {
    let sigs: Vec<String> = sigs
        .iter()
        .map(|s| format!("{{\"sig\":\"{s}\"}}"))
        .collect();
    format!(
        "{{\"payload\":\"{payload}\",\"payloadType\":{ptype},\"signatures\":[{}]}}",
        sigs.join(",")
    )
}

/// A payload whose base64 uses both `+` and `/` (so the alphabets differ) and needs padding.
const PAYLOAD: &[u8] = b"\xfb\xff\xbf{\"hello\":\"world\"}\xfb\xef";

/// An Ed25519 key pair and a payload whose signature's standard base64 holds `+` or `/`, so the
/// standard and URL-safe encodings of both fields differ.
fn distinguishing_ed25519() -> (KeyPair, Vec<u8>, Vec<u8>) {
    let kp = ed25519_key(1);
    for i in 0u8..=255 {
        let mut payload = PAYLOAD.to_vec();
        payload.push(i);
        payload.push(0xfb);
        let sig = ed25519_sig(&kp, T, &payload);
        if b64(&sig, B64::Std) != b64(&sig, B64::Url)
            && b64(&payload, B64::Std) != b64(&payload, B64::Url)
        {
            return (kp, payload, sig);
        }
    }
    unreachable!("some payload gives a signature with + or /")
}

// ---------------------------------------------------------------------------------------------
// PAE

#[test]
fn pae_spec_examples_byte_for_byte() {
    let cases: [(&str, &[u8], &[u8]); 4] = [
        // DSSE protocol.md worked example.
        (
            "http://example.com/HelloWorld",
            b"hello world",
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world",
        ),
        // Non-ASCII payloadType: LEN is the UTF-8 byte count (2 + 4 + 1 = 7), not 3 characters.
        (
            "\u{e9}\u{1f600}x",
            b"x",
            "DSSEv1 7 \u{e9}\u{1f600}x 1 x".as_bytes(),
        ),
        // Empty payload.
        (T, b"", b"DSSEv1 28 application/vnd.in-toto+json 0 "),
        // Both empty.
        ("", b"", b"DSSEv1 0  0 "),
    ];
    for (ty, body, expected) in cases {
        assert_eq!(pae::len(ty.len(), body.len()), Some(expected.len()));
        let mut out = vec![0u8; expected.len()];
        assert_eq!(
            pae::write_into(ty.as_bytes(), body, &mut out),
            Ok(expected.len())
        );
        assert_eq!(out, expected);
        let mut streamed = Vec::new();
        pae::stream(ty.as_bytes(), body, |c| streamed.extend_from_slice(c));
        assert_eq!(streamed, expected);
        // One byte short.
        let mut short = vec![0u8; expected.len() - 1];
        assert_eq!(
            pae::write_into(ty.as_bytes(), body, &mut short),
            Err(Error::BufferTooSmall)
        );

        // The envelope path: sign the literal expected bytes and verify through the Verifier.
        let kp = ed25519_key(2);
        let sig = kp.sk.sign(expected, None).to_vec();
        let env = EnvelopeBuilder::new(ty, body)
            .sig(None, sig, B64::Std)
            .to_json();
        let types = [ty];
        let v = Verifier::new(trusted(&[ed_pub(&kp)]), 1, &types).unwrap();
        let mut scratch = vec![0u8; body.len()];
        let got = v.verify(env.as_bytes(), &mut scratch).expect(ty);
        assert_eq!(got.payload, body);
        assert_eq!(got.payload_type, ty);
        assert_eq!(got.keys.bits(), 1);

        // ECDSA too (prehash of the streamed PAE).
        let sk = p256_key(2);
        let sig: p256::ecdsa::Signature = p256::ecdsa::signature::Signer::sign(&sk, expected);
        let env = EnvelopeBuilder::new(ty, body)
            .sig(None, sig.to_der().as_bytes().to_vec(), B64::Url)
            .to_json();
        let v = Verifier::new(trusted(&[p256_pub(&sk)]), 1, &types).unwrap();
        let got = v.verify(env.as_bytes(), &mut scratch).expect(ty);
        assert_eq!(got.payload, body);
    }
}

#[test]
fn non_ascii_payload_type_through_the_envelope_with_escapes() {
    let ty = "application/vnd.\u{e9}\u{1f600}+json";
    let kp = ed25519_key(3);
    let payload = b"{}";
    let sig = ed25519_sig(&kp, ty, payload);
    let sig_b64 = b64(&sig, B64::Std);
    let types = [ty];
    let v = Verifier::new(trusted(&[ed_pub(&kp)]), 1, &types).unwrap();
    // Raw UTF-8, \u escapes for the BMP character and a surrogate pair for the emoji.
    for literal in [
        json_string(ty),
        "\"application/vnd.\\u00e9\\ud83d\\ude00+json\"".to_string(),
        "\"application\\/vnd.\\u00E9\\uD83D\\uDE00\\u002bjson\"".to_string(),
    ] {
        let env = envelope(&b64(payload, B64::Std), &literal, &[&sig_b64]);
        let got = verify(&v, &env).unwrap_or_else(|e| panic!("{literal}: {e:?}"));
        assert_eq!(got.payload_type, ty);
    }
    // A signature over the character-counting PAE (the bug of several Python implementations)
    // does not verify.
    let wrong_pae = format!("DSSEv1 {} {ty} 2 {{}}", ty.chars().count());
    let bad = kp.sk.sign(wrong_pae.as_bytes(), None).to_vec();
    let env = envelope(
        &b64(payload, B64::Std),
        &json_string(ty),
        &[&b64(&bad, B64::Std)],
    );
    assert_eq!(verify(&v, &env), Err(Error::InvalidSignature));
}

#[test]
fn empty_payload_is_legal() {
    let kp = ed25519_key(4);
    let env = EnvelopeBuilder::new(T, b"")
        .sig(None, ed25519_sig(&kp, T, b""), B64::Std)
        .to_json();
    assert!(env.starts_with("{\"payload\":\"\","));
    let v = verifier(&[ed_pub(&kp)], 1);
    let mut scratch = [0u8; 0];
    let got = v.verify(env.as_bytes(), &mut scratch).unwrap();
    assert!(got.payload.is_empty());
    assert_eq!(
        Envelope::parse(env.as_bytes()).unwrap().payload_len(),
        Ok(0)
    );
}

// ---------------------------------------------------------------------------------------------
// Base64 per field

#[test]
fn both_alphabets_and_paddings_in_every_field_combination() {
    let (kp, payload, sig) = distinguishing_ed25519();
    let sk = p256_key(5);
    let der = p256_sig_der(&sk, T, &payload);
    let raw = p256_sig_raw(&sk, T, &payload);
    let v_ed = verifier(&[ed_pub(&kp)], 1);
    let v_p = verifier(&[p256_pub(&sk)], 1);
    for pf in ALL_FORMS {
        for sf in ALL_FORMS {
            let env = EnvelopeBuilder {
                payload_b64: pf,
                ..EnvelopeBuilder::new(T, &payload)
            }
            .sig(None, sig.clone(), sf)
            .to_json();
            assert_eq!(verify(&v_ed, &env), ok(&payload, 1), "{pf:?}/{sf:?}");
            for s in [&der, &raw] {
                let env = EnvelopeBuilder {
                    payload_b64: pf,
                    ..EnvelopeBuilder::new(T, &payload)
                }
                .sig(None, s.clone(), sf)
                .to_json();
                assert_eq!(verify(&v_p, &env), ok(&payload, 1), "{pf:?}/{sf:?}");
            }
        }
    }
}

#[test]
fn google_cloud_build_style_standard_payload_url_safe_signature() {
    // Standard padded payload, URL-safe DER ECDSA signature: what Google Cloud Build emits.
    let sk = p256_key(6);
    let v = verifier(&[p256_pub(&sk)], 1);
    let mut found = false;
    for i in 0u8..=255 {
        let mut payload = PAYLOAD.to_vec();
        payload.push(i);
        let sig = p256_sig_der(&sk, T, &payload);
        if b64(&sig, B64::Url) == b64(&sig, B64::Std) {
            continue;
        }
        found = true;
        for sf in [B64::Url, B64::UrlUnpadded] {
            let env = EnvelopeBuilder::new(T, &payload)
                .sig(None, sig.clone(), sf)
                .to_json();
            assert!(env.contains('+') || env.contains('/'));
            assert!(env.contains('-') || env.contains('_'));
            assert_eq!(verify(&v, &env), ok(&payload, 1));
        }
        break;
    }
    assert!(found);
}

#[test]
fn different_forms_across_signatures_of_one_envelope() {
    let (a, payload, sig_a) = distinguishing_ed25519();
    let b = p256_key(7);
    let env = EnvelopeBuilder {
        payload_b64: B64::UrlUnpadded,
        ..EnvelopeBuilder::new(T, &payload)
    }
    .sig(None, sig_a, B64::Std)
    .sig(None, p256_sig_der(&b, T, &payload), B64::Url)
    .to_json();
    assert_eq!(
        verify(&verifier(&[ed_pub(&a), p256_pub(&b)], 2), &env),
        ok(&payload, 0b11)
    );
}

/// Injects `text` as the payload, or as the only signature, of an otherwise valid envelope.
fn with_payload_text(text: &str) -> String {
    let kp = ed25519_key(8);
    let sig = b64(&ed25519_sig(&kp, T, b"A"), B64::Std);
    envelope(text, &json_string(T), &[&sig])
}
fn with_sig_text(text: &str) -> String {
    envelope(&b64(b"A", B64::Std), &json_string(T), &[text])
}

#[test]
fn base64_rejections_in_each_field() {
    let bad = [
        "+/+_",        // both alphabets in one field
        "-_+/",        // both alphabets, the other way round
        "+/8=_-8=",    // padding in the middle
        "QQ== ",       // trailing space
        " QQ==",       // leading space
        "QU JD",       // inner space
        "QUJD\\n",     // escaped newline
        "QUJD\\r\\n",  // escaped CRLF
        "QU\\tJD",     // escaped tab
        "Q",           // impossible length (one character in the last quantum)
        "QUJDR",       // impossible length
        "QQ=",         // incomplete padding
        "QQ===",       // too much padding
        "Q===",        // padding where data must be
        "====",        // padding only
        "=QQ=",        // leading padding
        "QR==",        // non-zero trailing bits (padded)
        "QR",          // non-zero trailing bits (unpadded)
        "QUJ=",        // non-zero trailing bits, two bytes
        "QUJ",         // non-zero trailing bits, two bytes unpadded
        "QQ*=",        // outside the alphabet
        "QQ.=",        // outside the alphabet
        "QUJD\\u0000", // NUL via escape
        "\\u00e9QUI",  // non-ASCII via escape
        "QUJD\u{e9}",  // non-ASCII raw
    ];
    for text in bad {
        let e1 = Envelope::parse(with_payload_text(text).as_bytes()).err();
        assert_eq!(e1, Some(Error::InvalidBase64), "payload {text:?}");
        let e2 = Envelope::parse(with_sig_text(text).as_bytes()).err();
        assert_eq!(e2, Some(Error::InvalidBase64), "sig {text:?}");
    }
    // An invalid signature field is fatal even next to a valid signature.
    let kp = ed25519_key(8);
    let good = b64(&ed25519_sig(&kp, T, b"A"), B64::Std);
    let env = envelope(&b64(b"A", B64::Std), &json_string(T), &[&good, "QR=="]);
    assert_eq!(
        verify(&verifier(&[ed_pub(&kp)], 1), &env),
        Err(Error::InvalidBase64)
    );
    // A raw (unescaped) newline is not even JSON.
    assert_eq!(
        Envelope::parse(with_payload_text("QQ==\n").as_bytes()).err(),
        Some(Error::InvalidJson)
    );
}

#[test]
fn base64_edge_values_accepted() {
    // The accepted spellings of one payload "A" (0x41) and "AB" (0x41 0x42).
    let kp = ed25519_key(8);
    let v = verifier(&[ed_pub(&kp)], 1);
    for (text, bytes) in [
        ("QQ==", b"A".as_slice()),
        ("QQ", b"A"),
        ("QUI=", b"AB"),
        ("QUI", b"AB"),
        ("QUJD", b"ABC"),
        ("", b""),
    ] {
        let sig = b64(&ed25519_sig(&kp, T, bytes), B64::Std);
        let env = envelope(text, &json_string(T), &[&sig]);
        assert_eq!(verify(&v, &env), ok(bytes, 1), "{text}");
    }
}

#[test]
fn json_escapes_in_payload_type_payload_and_signature() {
    let (kp, payload, sig) = distinguishing_ed25519();
    let v = verifier(&[ed_pub(&kp)], 1);
    let escape = |s: &str| s.replace('/', "\\/").replace('+', "\\u002b");
    let p = b64(&payload, B64::Std);
    let s = b64(&sig, B64::Std);
    assert!(escape(&p) != p && escape(&s) != s);
    for ptype in [
        "\"application\\/vnd.in-toto+json\"",
        "\"application/vnd.in-toto\\u002bjson\"",
        "\"\\u0061pplication/vnd.in-toto+json\"",
    ] {
        let env = envelope(&escape(&p), ptype, &[&escape(&s)]);
        assert_eq!(verify(&v, &env), ok(&payload, 1), "{ptype}");
    }
    // Escaped base64 characters still count towards the alphabet: `\u005f` is '_'.
    let mixed = p.replacen('/', "\\u005f", 1);
    assert!(mixed.contains('+') || mixed.contains('/'));
    let env = envelope(&mixed, &json_string(T), &[&s]);
    assert_eq!(verify(&v, &env), Err(Error::InvalidBase64));
}

// ---------------------------------------------------------------------------------------------
// Strict JSON and envelope shape

fn signed_parts() -> (KeyPair, String, String) {
    let kp = ed25519_key(9);
    let sig = b64(&ed25519_sig(&kp, T, b"payload"), B64::Std);
    (kp, b64(b"payload", B64::Std), sig)
}

#[test]
fn duplicate_keys_rejected_at_every_level() {
    let (kp, p, s) = signed_parts();
    let v = verifier(&[ed_pub(&kp)], 1);
    let tj = json_string(T);
    let good = format!(r#"{{"payload":"{p}","payloadType":{tj},"signatures":[{{"sig":"{s}"}}]}}"#);
    assert_eq!(verify(&v, &good), ok(b"payload", 1));
    let cases = [
        // Top level: same value twice, another value, escaped spelling of the key.
        format!(
            r#"{{"payload":"{p}","payload":"{p}","payloadType":{tj},"signatures":[{{"sig":"{s}"}}]}}"#
        ),
        format!(
            r#"{{"payload":"{p}","payloadType":{tj},"payloadType":"text/plain","signatures":[{{"sig":"{s}"}}]}}"#
        ),
        format!(
            r#"{{"payload":"{p}","p\u0061yload":"QQ==","payloadType":{tj},"signatures":[{{"sig":"{s}"}}]}}"#
        ),
        format!(
            r#"{{"payload":"{p}","payloadType":{tj},"signatures":[{{"sig":"{s}"}}],"signatures":[]}}"#
        ),
        // Inside a signature object.
        format!(
            r#"{{"payload":"{p}","payloadType":{tj},"signatures":[{{"sig":"{s}","sig":"{s}"}}]}}"#
        ),
        format!(
            r#"{{"payload":"{p}","payloadType":{tj},"signatures":[{{"keyid":"a","sig":"{s}","keyid":"b"}}]}}"#
        ),
        // Inside an ignored field, at depth.
        format!(
            r#"{{"payload":"{p}","payloadType":{tj},"signatures":[{{"sig":"{s}"}}],"x":{{"y":[{{"z":1,"z":2}}]}}}}"#
        ),
        format!(
            r#"{{"payload":"{p}","payloadType":{tj},"signatures":[{{"sig":"{s}","cert":{{"a":1,"\u0061":1}}}}]}}"#
        ),
    ];
    for env in &cases {
        assert_eq!(verify(&v, env), Err(Error::DuplicateKey), "{env}");
    }
}

#[test]
fn nesting_depth_is_bounded() {
    let (kp, p, s) = signed_parts();
    let v = verifier(&[ed_pub(&kp)], 1);
    let tj = json_string(T);
    let with_extra = |extra: &str| {
        format!(
            r#"{{"payload":"{p}","payloadType":{tj},"signatures":[{{"sig":"{s}"}}],"x":{extra}}}"#
        )
    };
    let nest = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
    // The envelope object is depth 1, so 31 more levels are the most allowed.
    assert_eq!(verify(&v, &with_extra(&nest(31))), ok(b"payload", 1));
    assert_eq!(verify(&v, &with_extra(&nest(32))), Err(Error::JsonTooDeep));
    // A depth bomb (unterminated, too) fails fast with the specific error.
    let bomb = with_extra(&"[".repeat(100_000));
    assert_eq!(verify(&v, &bomb), Err(Error::JsonTooDeep));
    let objects = with_extra(&format!("{}1{}", "{\"a\":".repeat(50), "}".repeat(50)));
    assert_eq!(verify(&v, &objects), Err(Error::JsonTooDeep));
    // Inside a signature entry.
    let in_sig = format!(
        r#"{{"payload":"{p}","payloadType":{tj},"signatures":[{{"sig":"{s}","cert":{}}}]}}"#,
        nest(40)
    );
    assert_eq!(verify(&v, &in_sig), Err(Error::JsonTooDeep));
}

#[test]
fn invalid_utf8_rejected() {
    let (kp, p, s) = signed_parts();
    let v = verifier(&[ed_pub(&kp)], 1);
    let tj = json_string(T);
    for bad in [
        &b"\xff"[..],
        b"\xc0\xaf",         // overlong '/'
        b"\xed\xa0\x80",     // UTF-16 surrogate encoded in UTF-8
        b"\xe2\x82",         // truncated sequence
        b"\xf4\x90\x80\x80", // above U+10FFFF
    ] {
        let mut env =
            format!(r#"{{"payload":"{p}","payloadType":{tj},"signatures":[{{"sig":"{s}"}}],"x":"#)
                .into_bytes();
        env.push(b'"');
        env.extend_from_slice(bad);
        env.extend_from_slice(b"\"}");
        let mut scratch = vec![0u8; env.len()];
        assert_eq!(
            v.verify(&env, &mut scratch).err(),
            Some(Error::InvalidUtf8),
            "{bad:?}"
        );
    }
    // A lone surrogate written as an escape is valid UTF-8 but not valid JSON.
    let env =
        format!(r#"{{"payload":"{p}","payloadType":"a\ud800","signatures":[{{"sig":"{s}"}}]}}"#);
    assert_eq!(verify(&v, &env), Err(Error::InvalidJson));
}

#[test]
fn invalid_json_rejected() {
    let (kp, p, s) = signed_parts();
    let v = verifier(&[ed_pub(&kp)], 1);
    let tj = json_string(T);
    let good = format!(r#"{{"payload":"{p}","payloadType":{tj},"signatures":[{{"sig":"{s}"}}]}}"#);
    for env in [
        String::new(),
        " ".into(),
        "nope".into(),
        format!("{good} x"),
        format!("{good}{good}"),
        good.replace("]}", "],}"),
        good.replace("\"}]", "\",}]"),
        good.replacen(':', " ", 1),
        good.replacen("{", "{'", 1),
        good[..good.len() - 1].to_string(),
    ] {
        assert_eq!(verify(&v, &env), Err(Error::InvalidJson), "{env}");
    }
    // Whitespace between tokens is fine.
    let spaced = format!(
        " \n{{ \"payload\" : \"{p}\" ,\r\n\t\"payloadType\" : {tj} , \"signatures\" : [ {{ \"sig\" : \"{s}\" }} ] }}\n"
    );
    assert_eq!(verify(&v, &spaced), ok(b"payload", 1));
}

#[test]
fn missing_and_mistyped_fields() {
    let (kp, p, s) = signed_parts();
    let v = verifier(&[ed_pub(&kp)], 1);
    let tj = json_string(T);
    let sigs = format!(r#"[{{"sig":"{s}"}}]"#);
    let cases = [
        "[]".to_string(),
        "\"envelope\"".to_string(),
        "null".to_string(),
        "{}".to_string(),
        format!(r#"{{"payloadType":{tj},"signatures":{sigs}}}"#),
        format!(r#"{{"payload":"{p}","signatures":{sigs}}}"#),
        format!(r#"{{"payload":"{p}","payloadType":{tj}}}"#),
        format!(r#"{{"payload":null,"payloadType":{tj},"signatures":{sigs}}}"#),
        format!(r#"{{"payload":12,"payloadType":{tj},"signatures":{sigs}}}"#),
        format!(r#"{{"payload":["{p}"],"payloadType":{tj},"signatures":{sigs}}}"#),
        format!(r#"{{"payload":"{p}","payloadType":null,"signatures":{sigs}}}"#),
        format!(r#"{{"payload":"{p}","payloadType":{{}},"signatures":{sigs}}}"#),
        format!(r#"{{"payload":"{p}","payloadType":{tj},"signatures":{{"sig":"{s}"}}}}"#),
        format!(r#"{{"payload":"{p}","payloadType":{tj},"signatures":"{s}"}}"#),
        format!(r#"{{"payload":"{p}","payloadType":{tj},"signatures":null}}"#),
        format!(r#"{{"payload":"{p}","payloadType":{tj},"signatures":["{s}"]}}"#),
        format!(r#"{{"payload":"{p}","payloadType":{tj},"signatures":[null]}}"#),
        format!(r#"{{"payload":"{p}","payloadType":{tj},"signatures":[{{}}]}}"#),
        format!(r#"{{"payload":"{p}","payloadType":{tj},"signatures":[{{"keyid":"k"}}]}}"#),
        format!(r#"{{"payload":"{p}","payloadType":{tj},"signatures":[{{"sig":null}}]}}"#),
        format!(r#"{{"payload":"{p}","payloadType":{tj},"signatures":[{{"sig":1}}]}}"#),
        format!(
            r#"{{"payload":"{p}","payloadType":{tj},"signatures":[{{"sig":"{s}","keyid":7}}]}}"#
        ),
        format!(
            r#"{{"payload":"{p}","payloadType":{tj},"signatures":[{{"sig":"{s}","keyid":{{}}}}]}}"#
        ),
        // A bad entry after a good one still makes the envelope malformed.
        format!(
            r#"{{"payload":"{p}","payloadType":{tj},"signatures":[{{"sig":"{s}"}},{{"Sig":"{s}"}}]}}"#
        ),
        // Field names are case-sensitive.
        format!(r#"{{"Payload":"{p}","payloadType":{tj},"signatures":{sigs}}}"#),
    ];
    for env in &cases {
        assert_eq!(verify(&v, env), Err(Error::MalformedEnvelope), "{env}");
    }
}

#[test]
fn signature_count_limits() {
    let kp = ed25519_key(10);
    let v = verifier(&[ed_pub(&kp)], 1);
    let empty = EnvelopeBuilder::new(T, b"x").to_json();
    assert!(empty.ends_with("\"signatures\":[]}"));
    assert_eq!(verify(&v, &empty), Err(Error::NoSignatures));

    // MAX_SIGNATURES entries, the valid one last: accepted.
    let junk = vec![0x55u8; 64];
    let mut b = EnvelopeBuilder::new(T, b"x");
    for _ in 0..MAX_SIGNATURES - 1 {
        b = b.sig(None, junk.clone(), B64::Std);
    }
    let full = b.sig(None, ed25519_sig(&kp, T, b"x"), B64::Std);
    assert_eq!(verify(&v, &full.to_json()), ok(b"x", 1));
    // One more: refused, whatever the signatures.
    let over = full.sig(None, ed25519_sig(&kp, T, b"x"), B64::Std);
    assert_eq!(over.signatures.len(), MAX_SIGNATURES + 1);
    assert_eq!(verify(&v, &over.to_json()), Err(Error::TooManySignatures));
}

#[test]
fn unknown_fields_are_ignored() {
    let (kp, p, s) = signed_parts();
    let v = verifier(&[ed_pub(&kp)], 1);
    let tj = json_string(T);
    let cert = "-----BEGIN CERTIFICATE-----\\nMIIB...\\n-----END CERTIFICATE-----\\n";
    let env = format!(
        r#"{{"extra":{{"nested":[1,2.5e3,true,false,null,"s"]}},"payload":"{p}","payloadType":{tj},"signatures":[{{"cert":"{cert}","sig":"{s}","keyid":"","extension":{{"kind":"x","ext":[{{}}]}}}}],"z":-0.0}}"#
    );
    assert_eq!(verify(&v, &env), ok(b"payload", 1));
}

#[test]
fn payload_type_must_be_allowed() {
    let kp = ed25519_key(11);
    let v = verifier(&[ed_pub(&kp)], 1);
    for ty in [
        "text/plain",
        "application/vnd.in-toto+JSON",
        "application/vnd.in-toto+json ",
        "",
    ] {
        let env = EnvelopeBuilder::new(ty, b"x")
            .sig(None, ed25519_sig(&kp, ty, b"x"), B64::Std)
            .to_json();
        assert_eq!(
            verify(&v, &env),
            Err(Error::PayloadTypeNotAllowed),
            "{ty:?}"
        );
    }
    // Several allowed types: the Verified names the one that matched.
    let types = ["text/plain", T];
    let v2 = Verifier::new(trusted(&[ed_pub(&kp)]), 1, &types).unwrap();
    let env = EnvelopeBuilder::new("text/plain", b"x")
        .sig(None, ed25519_sig(&kp, "text/plain", b"x"), B64::Std)
        .to_json();
    let mut scratch = [0u8; 8];
    assert_eq!(
        v2.verify(env.as_bytes(), &mut scratch)
            .unwrap()
            .payload_type,
        "text/plain"
    );
}

// ---------------------------------------------------------------------------------------------
// Signatures

/// Signs `(payload_type, payload)` over the PAE.
type Sign = Box<dyn Fn(&str, &[u8]) -> Vec<u8>>;

fn all_signers() -> Vec<(&'static str, PublicKey, Sign)> {
    let kp = ed25519_key(12);
    let sk = p256_key(12);
    let sk2 = sk.clone();
    vec![
        (
            "ed25519",
            ed_pub(&kp),
            Box::new(move |t: &str, p: &[u8]| ed25519_sig(&kp, t, p)),
        ),
        (
            "p256 der",
            p256_pub(&sk),
            Box::new(move |t: &str, p: &[u8]| p256_sig_der(&sk, t, p)),
        ),
        (
            "p256 raw",
            p256_pub(&sk2),
            Box::new(move |t: &str, p: &[u8]| p256_sig_raw(&sk2, t, p)),
        ),
    ]
}

#[test]
fn tampering_is_detected() {
    let payload = b"{\"_type\":\"https://in-toto.io/Statement/v1\"}".to_vec();
    let types = [T, "text/plain"];
    for (name, key, sign) in all_signers() {
        let v = Verifier::new(trusted(&[key]), 1, &types).unwrap();
        let sig = sign(T, &payload);
        let good = EnvelopeBuilder::new(T, &payload).sig(None, sig.clone(), B64::Std);
        assert_eq!(verify(&v, &good.to_json()), ok(&payload, 1), "{name}");

        // Tampered payload (every byte position would do; flip a few).
        for i in [0, payload.len() / 2, payload.len() - 1] {
            let mut bad = good.clone();
            bad.payload[i] ^= 0x01;
            assert_eq!(
                verify(&v, &bad.to_json()),
                Err(Error::InvalidSignature),
                "{name} p{i}"
            );
        }
        // Payload extended or truncated.
        let mut longer = good.clone();
        longer.payload.push(b' ');
        assert_eq!(
            verify(&v, &longer.to_json()),
            Err(Error::InvalidSignature),
            "{name}"
        );
        let mut shorter = good.clone();
        shorter.payload.pop();
        assert_eq!(
            verify(&v, &shorter.to_json()),
            Err(Error::InvalidSignature),
            "{name}"
        );

        // Tampered signature: a flipped bit anywhere, a truncated or extended signature.
        for i in [0, sig.len() / 2, sig.len() - 1] {
            let mut bad = sig.clone();
            bad[i] ^= 0x80;
            let env = EnvelopeBuilder::new(T, &payload).sig(None, bad, B64::Std);
            assert_eq!(
                verify(&v, &env.to_json()),
                Err(Error::InvalidSignature),
                "{name} s{i}"
            );
        }
        let mut trailing = sig.clone();
        trailing.push(0);
        let env = EnvelopeBuilder::new(T, &payload).sig(None, trailing, B64::Std);
        assert_eq!(
            verify(&v, &env.to_json()),
            Err(Error::InvalidSignature),
            "{name}"
        );
        let env =
            EnvelopeBuilder::new(T, &payload).sig(None, sig[..sig.len() - 1].to_vec(), B64::Std);
        assert_eq!(
            verify(&v, &env.to_json()),
            Err(Error::InvalidSignature),
            "{name}"
        );

        // payloadType swapped: signed as T, presented as another allowed type (and back).
        let swapped = EnvelopeBuilder::new("text/plain", &payload).sig(None, sig.clone(), B64::Std);
        assert_eq!(
            verify(&v, &swapped.to_json()),
            Err(Error::InvalidSignature),
            "{name}"
        );
        let other = sign("text/plain", &payload);
        let swapped = EnvelopeBuilder::new(T, &payload).sig(None, other, B64::Std);
        assert_eq!(
            verify(&v, &swapped.to_json()),
            Err(Error::InvalidSignature),
            "{name}"
        );
    }
}

#[test]
fn raw_payload_signatures_are_not_dsse_signatures() {
    // Google Cloud Build regional keys sign the payload itself, not the PAE: such "envelopes" fail.
    let payload = b"{\"_type\":\"https://in-toto.io/Statement/v0.1\"}";
    let kp = ed25519_key(13);
    let sk = p256_key(13);
    let ed_raw = kp.sk.sign(payload, None).to_vec();
    let p_raw: p256::ecdsa::Signature = p256::ecdsa::signature::Signer::sign(&sk, payload);
    let v = verifier(&[ed_pub(&kp), p256_pub(&sk)], 1);
    for sig in [
        ed_raw,
        p_raw.to_der().as_bytes().to_vec(),
        p_raw.to_bytes().to_vec(),
    ] {
        let env = EnvelopeBuilder::new(T, payload).sig(None, sig.clone(), B64::Url);
        assert_eq!(verify(&v, &env.to_json()), Err(Error::InvalidSignature));
        // The same key's raw-message check accepts it: the signature is genuine, just not DSSE.
        assert!(
            hazmat::verify_raw(&ed_pub(&kp), payload, &sig)
                || hazmat::verify_raw(&p256_pub(&sk), payload, &sig)
        );
    }
}

/// `n - s` for the P-256 group order `n`: turns a low-S signature into its high-S twin.
fn negate_s(raw: &[u8]) -> Vec<u8> {
    const N: [u8; 32] = [
        0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63,
        0x25, 0x51,
    ];
    let (r, s) = raw.split_at(32);
    let mut out = [0u8; 32];
    let mut borrow = 0i16;
    for i in (0..32).rev() {
        let d = i16::from(N[i]) - i16::from(s[i]) - borrow;
        out[i] = d.rem_euclid(256) as u8;
        borrow = i16::from(d < 0);
    }
    assert_eq!(borrow, 0);
    [r, &out[..]].concat()
}

#[test]
fn ecdsa_der_raw_and_high_s() {
    let sk = p256_key(14);
    let payload = b"ecdsa payload";
    let v = verifier(&[p256_pub(&sk)], 1);
    let raw = p256_sig_raw(&sk, T, payload);
    let der = p256_sig_der(&sk, T, payload);
    assert_eq!(raw.len(), 64);
    assert_ne!(der.len(), 64);
    assert_eq!(
        p256::ecdsa::Signature::from_der(&der)
            .unwrap()
            .to_bytes()
            .to_vec(),
        raw
    );
    let high = negate_s(&raw);
    let low = p256::ecdsa::Signature::from_slice(&raw).unwrap();
    let high_sig = p256::ecdsa::Signature::from_slice(&high).unwrap();
    // Exactly one of the pair is high-S; normalising the high one gives the low one.
    let (lo, hi) = if low.normalize_s() == low {
        (low, high_sig)
    } else {
        (high_sig, low)
    };
    assert_eq!(hi.normalize_s(), lo);
    assert_ne!(hi, lo);
    for sig in [
        raw.clone(),
        der.clone(),
        hi.to_bytes().to_vec(),
        hi.to_der().as_bytes().to_vec(),
        lo.to_bytes().to_vec(),
        lo.to_der().as_bytes().to_vec(),
    ] {
        let env = EnvelopeBuilder::new(T, payload).sig(None, sig, B64::Std);
        assert_eq!(verify(&v, &env.to_json()), ok(payload, 1));
    }
    // Not strict DER: trailing byte, BER long-form length, padded integer.
    let mut trailing = der.clone();
    trailing.push(0);
    let mut long_form = vec![0x30, 0x81];
    long_form.extend_from_slice(&der[1..]);
    let mut padded = vec![0x30, der[1] + 1, 0x02, der[3] + 1, 0x00];
    padded.extend_from_slice(&der[4..]);
    assert_eq!(padded.len(), der.len() + 1);
    for bad in [trailing, long_form, padded] {
        let env = EnvelopeBuilder::new(T, payload).sig(None, bad, B64::Std);
        assert_eq!(verify(&v, &env.to_json()), Err(Error::InvalidSignature));
    }
    // r||s with r and s swapped, or zero.
    let swapped = [&raw[32..], &raw[..32]].concat();
    for bad in [swapped, vec![0u8; 64]] {
        let env = EnvelopeBuilder::new(T, payload).sig(None, bad, B64::Std);
        assert_eq!(verify(&v, &env.to_json()), Err(Error::InvalidSignature));
    }
}

#[test]
fn the_key_decides_the_algorithm() {
    // An Ed25519 signature presented to a P-256 key and vice versa never verifies.
    let kp = ed25519_key(15);
    let sk = p256_key(15);
    let payload = b"which key?";
    let ed = ed25519_sig(&kp, T, payload);
    let raw = p256_sig_raw(&sk, T, payload);
    assert_eq!(ed.len(), raw.len());
    let v_ed = verifier(&[ed_pub(&kp)], 1);
    let v_p = verifier(&[p256_pub(&sk)], 1);
    let env_ed = EnvelopeBuilder::new(T, payload)
        .sig(None, ed, B64::Std)
        .to_json();
    let env_p = EnvelopeBuilder::new(T, payload)
        .sig(None, raw, B64::Std)
        .to_json();
    assert_eq!(verify(&v_ed, &env_p), Err(Error::InvalidSignature));
    assert_eq!(verify(&v_p, &env_ed), Err(Error::InvalidSignature));
    assert_eq!(verify(&v_ed, &env_ed), ok(payload, 1));
    assert_eq!(verify(&v_p, &env_p), ok(payload, 1));
}

// ---------------------------------------------------------------------------------------------
// keyid and thresholds

#[test]
fn keyid_is_only_a_hint() {
    let a = ed25519_key(16);
    let b = p256_key(16);
    let payload = b"keyids";
    let keys = [
        TrustedKey {
            key: ed_pub(&a),
            keyid: Some("key-a"),
        },
        TrustedKey {
            key: p256_pub(&b),
            keyid: Some("key-b"),
        },
    ];
    let v1 = Verifier::new(&keys, 1, TYPES).unwrap();
    let v2 = Verifier::new(&keys, 2, TYPES).unwrap();
    let sa = ed25519_sig(&a, T, payload);
    let sb = p256_sig_der(&b, T, payload);
    // Absent, null, empty, right, lying (names the other key), unknown: all the same.
    let keyid_json = [
        None,
        Some("null".to_string()),
        Some("\"\"".to_string()),
        Some("\"key-a\"".to_string()),
        Some("\"key-b\"".to_string()),
        Some("\"somebody-else\"".to_string()),
        Some("\"key-\\u0061\"".to_string()),
    ];
    for kid in &keyid_json {
        let entry = |sig: &[u8]| match kid {
            None => format!("{{\"sig\":\"{}\"}}", b64(sig, B64::Std)),
            Some(k) => format!("{{\"keyid\":{k},\"sig\":\"{}\"}}", b64(sig, B64::Std)),
        };
        let env1 = format!(
            "{{\"payload\":\"{}\",\"payloadType\":{},\"signatures\":[{}]}}",
            b64(payload, B64::Std),
            json_string(T),
            entry(&sa)
        );
        assert_eq!(verify(&v1, &env1), ok(payload, 0b01), "{kid:?}");
        let env2 = format!(
            "{{\"payload\":\"{}\",\"payloadType\":{},\"signatures\":[{},{}]}}",
            b64(payload, B64::Std),
            json_string(T),
            entry(&sb),
            entry(&sa)
        );
        assert_eq!(verify(&v2, &env2), ok(payload, 0b11), "{kid:?}");
        // A keyid never makes an invalid signature count.
        let env_bad = format!(
            "{{\"payload\":\"{}\",\"payloadType\":{},\"signatures\":[{}]}}",
            b64(payload, B64::Std),
            json_string(T),
            entry(&[7u8; 64])
        );
        assert_eq!(
            verify(&v1, &env_bad),
            Err(Error::InvalidSignature),
            "{kid:?}"
        );
    }
    // Envelope::parse: absent, null and empty keyids are all None.
    for kid in ["", "\"keyid\":null,", "\"keyid\":\"\","] {
        let env = format!(
            "{{\"payload\":\"\",\"payloadType\":\"t\",\"signatures\":[{{{kid}\"sig\":\"\"}}]}}"
        );
        let parsed = Envelope::parse(env.as_bytes()).unwrap();
        assert!(parsed.signatures[0].keyid.is_none(), "{kid}");
    }
}

#[test]
fn threshold_counts_distinct_keys() {
    let a = ed25519_key(17);
    let b = p256_key(17);
    let c = ed25519_key(18);
    let payload = b"threshold";
    let keys = [ed_pub(&a), p256_pub(&b), ed_pub(&c)];
    let sa = ed25519_sig(&a, T, payload);
    let sb_der = p256_sig_der(&b, T, payload);
    let sb_raw = p256_sig_raw(&b, T, payload);
    let sc = ed25519_sig(&c, T, payload);
    let env = |sigs: &[&Vec<u8>]| {
        sigs.iter()
            .fold(EnvelopeBuilder::new(T, payload), |e, s| {
                e.sig(None, s.to_vec(), B64::Std)
            })
            .to_json()
    };
    let v2 = verifier(&keys, 2);
    let v3 = verifier(&keys, 3);
    // Two distinct keys pass threshold 2, in any order.
    assert_eq!(verify(&v2, &env(&[&sa, &sb_der])), ok(payload, 0b011));
    assert_eq!(verify(&v2, &env(&[&sc, &sa])), ok(payload, 0b101));
    assert_eq!(verify(&v3, &env(&[&sc, &sb_raw, &sa])), ok(payload, 0b111));
    // One key signing twice counts once: same bytes twice, or DER and raw of one key.
    assert_eq!(verify(&v2, &env(&[&sa, &sa])), Err(Error::ThresholdNotMet));
    assert_eq!(
        verify(&v2, &env(&[&sb_der, &sb_raw, &sb_der])),
        Err(Error::ThresholdNotMet)
    );
    assert_eq!(
        verify(&v3, &env(&[&sa, &sb_der, &sb_raw, &sa])),
        Err(Error::ThresholdNotMet)
    );
    // Failing signatures are skipped when the others meet the threshold.
    let junk64 = vec![0x42u8; 64];
    let junk72 = vec![0x30u8; 72];
    let empty = Vec::new();
    let untrusted = ed25519_sig(&ed25519_key(99), T, payload);
    let mut bad_a = sa.clone();
    bad_a[10] ^= 1;
    assert_eq!(
        verify(
            &v2,
            &env(&[&junk64, &bad_a, &empty, &untrusted, &junk72, &sb_raw, &sa])
        ),
        ok(payload, 0b011)
    );
    assert_eq!(
        verify(&v2, &env(&[&junk64, &bad_a, &sb_raw])),
        Err(Error::ThresholdNotMet)
    );
    assert_eq!(
        verify(&v2, &env(&[&junk64, &bad_a, &untrusted, &empty])),
        Err(Error::InvalidSignature)
    );
    // A signature of a length vouch does not verify (e.g. a 512-byte RSA-4096 one) is skipped.
    let long = vec![0xa5u8; 512];
    let v1 = verifier(&keys, 1);
    assert_eq!(verify(&v1, &env(&[&long, &sc])), ok(payload, 0b100));
    assert_eq!(verify(&v1, &env(&[&long])), Err(Error::InvalidSignature));
    assert_eq!(
        verify(&v2, &env(&[&long, &sa, &long, &sb_der])),
        ok(payload, 0b011)
    );
}

#[test]
fn verifier_configuration_errors() {
    let a = ed25519_key(19);
    let b = p256_key(19);
    let ka = ed_pub(&a);
    let kb = p256_pub(&b);
    let der_a = spki(&ka);
    // The same key material in different encodings (and with different keyids) is one key.
    let encodings_a = [
        PublicKey::parse(a.pk.as_ref()).unwrap(),
        PublicKey::parse(&der_a).unwrap(),
        PublicKey::parse(pem(&der_a, "\n").as_bytes()).unwrap(),
    ];
    let encodings_b = [
        PublicKey::parse(&sec1(&b, false)).unwrap(),
        PublicKey::parse(&sec1(&b, true)).unwrap(),
        PublicKey::parse(&spki(&kb)).unwrap(),
        PublicKey::parse(pem(&spki(&kb), "\r\n").as_bytes()).unwrap(),
    ];
    for (group, other) in [(&encodings_a[..], &kb), (&encodings_b[..], &ka)] {
        for x in group {
            for y in group {
                let keys = [
                    TrustedKey {
                        key: x.clone(),
                        keyid: Some("one"),
                    },
                    TrustedKey {
                        key: other.clone(),
                        keyid: Some("other"),
                    },
                    TrustedKey {
                        key: y.clone(),
                        keyid: Some("two"),
                    },
                ];
                assert_eq!(
                    Verifier::new(&keys, 1, TYPES).err(),
                    Some(Error::DuplicateTrustedKey)
                );
            }
        }
    }
    assert_eq!(
        Verifier::new(&[], 1, TYPES).err(),
        Some(Error::NoTrustedKeys)
    );
    let two = trusted(&[ka.clone(), kb.clone()]);
    assert_eq!(
        Verifier::new(two, 0, TYPES).err(),
        Some(Error::InvalidThreshold)
    );
    assert_eq!(
        Verifier::new(two, 3, TYPES).err(),
        Some(Error::InvalidThreshold)
    );
    assert!(Verifier::new(two, 2, TYPES).is_ok());
    let many: Vec<PublicKey> = (0..=MAX_TRUSTED_KEYS as u8)
        .map(|i| ed_pub(&ed25519_key(100 + i)))
        .collect();
    assert!(Verifier::new(trusted(&many[..MAX_TRUSTED_KEYS]), 1, TYPES).is_ok());
    assert_eq!(
        Verifier::new(trusted(&many), 1, TYPES).err(),
        Some(Error::TooManyKeys)
    );
    // The last of MAX_TRUSTED_KEYS keys verifies (bit MAX_TRUSTED_KEYS - 1).
    let v = verifier(&many[..MAX_TRUSTED_KEYS], 1);
    let last = ed25519_key(100 + MAX_TRUSTED_KEYS as u8 - 1);
    let env = EnvelopeBuilder::new(T, b"k")
        .sig(None, ed25519_sig(&last, T, b"k"), B64::Std)
        .to_json();
    assert_eq!(verify(&v, &env), ok(b"k", 1 << (MAX_TRUSTED_KEYS - 1)));
}

// ---------------------------------------------------------------------------------------------
// Keys

#[test]
fn every_key_encoding_gives_one_fingerprint() {
    let kp = ed25519_key(20);
    let sk = p256_key(20);
    let payload = b"encodings";
    let ed_der = spki(&ed_pub(&kp));
    let p_der = spki(&p256_pub(&sk));
    assert_eq!(ed_der.len(), vouch_core::key::ED25519_SPKI_LEN);
    assert_eq!(p_der.len(), vouch_core::key::P256_SPKI_LEN);
    // (name, encoded key, algorithm, canonical SPKI DER, a signature by the key)
    type Case<'a> = (&'a str, Vec<u8>, Algorithm, &'a Vec<u8>, Vec<u8>);
    let cases: Vec<Case<'_>> = vec![
        (
            "ed25519 raw",
            kp.pk.to_vec(),
            Algorithm::Ed25519,
            &ed_der,
            ed25519_sig(&kp, T, payload),
        ),
        (
            "ed25519 spki der",
            ed_der.clone(),
            Algorithm::Ed25519,
            &ed_der,
            ed25519_sig(&kp, T, payload),
        ),
        (
            "ed25519 pem",
            pem(&ed_der, "\n").into_bytes(),
            Algorithm::Ed25519,
            &ed_der,
            ed25519_sig(&kp, T, payload),
        ),
        (
            "ed25519 pem crlf",
            pem(&ed_der, "\r\n").into_bytes(),
            Algorithm::Ed25519,
            &ed_der,
            ed25519_sig(&kp, T, payload),
        ),
        (
            "p256 sec1 uncompressed",
            sec1(&sk, false),
            Algorithm::EcdsaP256Sha256,
            &p_der,
            p256_sig_der(&sk, T, payload),
        ),
        (
            "p256 sec1 compressed",
            sec1(&sk, true),
            Algorithm::EcdsaP256Sha256,
            &p_der,
            p256_sig_der(&sk, T, payload),
        ),
        (
            "p256 spki der",
            p_der.clone(),
            Algorithm::EcdsaP256Sha256,
            &p_der,
            p256_sig_der(&sk, T, payload),
        ),
        (
            "p256 pem",
            pem(&p_der, "\n").into_bytes(),
            Algorithm::EcdsaP256Sha256,
            &p_der,
            p256_sig_raw(&sk, T, payload),
        ),
    ];
    for (name, bytes, alg, der, sig) in cases {
        let key = PublicKey::parse(&bytes).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert_eq!(key.algorithm(), alg, "{name}");
        // The fingerprint is SHA-256 of the canonical SPKI DER (what openssl would hash).
        let fp: [u8; 32] = Sha256::digest(der).into();
        assert_eq!(key.fingerprint(), fp, "{name}");
        assert_eq!(&spki(&key), der, "{name}");
        // The specific constructor agrees with the autodetection.
        let specific = match name {
            n if n.ends_with("raw") => PublicKey::from_ed25519_raw(&bytes),
            n if n.contains("sec1") => PublicKey::from_sec1(&bytes),
            n if n.contains("der") => PublicKey::from_spki_der(&bytes),
            _ => PublicKey::from_pem(&bytes),
        }
        .unwrap();
        assert_eq!(specific.fingerprint(), fp, "{name}");
        // And the key verifies an envelope its private key signed.
        let env = EnvelopeBuilder::new(T, payload)
            .sig(None, sig, B64::Std)
            .to_json();
        assert_eq!(verify(&verifier(&[key], 1), &env), ok(payload, 1), "{name}");
    }
    // spki_der into a buffer one byte short.
    let mut short = [0u8; 90];
    assert_eq!(
        p256_pub(&sk).spki_der(&mut short),
        Err(Error::BufferTooSmall)
    );
    let mut short = [0u8; 43];
    assert_eq!(ed_pub(&kp).spki_der(&mut short), Err(Error::BufferTooSmall));
}

#[test]
fn bad_keys_rejected() {
    let kp = ed25519_key(21);
    let ed_der = spki(&ed_pub(&kp));
    let sk = p256_key(21);
    let p_der = spki(&p256_pub(&sk));
    // P-384 SPKI (header only matters; the point is never read).
    let mut p384 = vec![
        0x30, 0x76, 0x30, 0x10, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x05,
        0x2b, 0x81, 0x04, 0x00, 0x22, 0x03, 0x62, 0x00, 0x04,
    ];
    p384.extend_from_slice(&[0x11; 96]);
    // An RSA SPKI header with a junk key.
    let mut rsa = vec![
        0x30, 0x1c, 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01,
        0x05, 0x00, 0x03, 0x0b, 0x00,
    ];
    rsa.extend_from_slice(&[0x30, 0x08, 0x02, 0x01, 0x05, 0x02, 0x03, 0x01, 0x00, 0x01]);
    assert_eq!(
        PublicKey::parse(&p384).err(),
        Some(Error::UnsupportedKeyType)
    );
    assert_eq!(
        PublicKey::parse(&rsa).err(),
        Some(Error::UnsupportedKeyType)
    );
    let mut ed_trailing = ed_der.clone();
    ed_trailing.push(0);
    let mut p_bad_point = p_der.clone();
    let last = p_bad_point.len() - 1;
    p_bad_point[last] ^= 1;
    let pem_private = pem(&ed_der, "\n").replace("PUBLIC KEY", "PRIVATE KEY");
    let bad: Vec<(&str, Vec<u8>)> = vec![
        ("empty", vec![]),
        ("31 bytes", vec![1; 31]),
        ("33 bytes not sec1", vec![5; 33]),
        ("64 bytes", vec![4; 64]),
        (
            "sec1 compressed off curve",
            [vec![2], vec![0xff; 32]].concat(),
        ),
        ("sec1 uncompressed off curve", p_bad_point[26..].to_vec()),
        ("spki trailing byte", ed_trailing),
        ("spki point off curve", p_bad_point),
        ("spki truncated", p_der[..p_der.len() - 1].to_vec()),
        ("pem wrong label", pem_private.into_bytes()),
        (
            "pem truncated",
            pem(&ed_der, "\n").as_bytes()[..40].to_vec(),
        ),
    ];
    for (name, bytes) in bad {
        assert_eq!(
            PublicKey::parse(&bytes).err(),
            Some(Error::InvalidKey),
            "{name}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Scratch buffer

#[test]
fn scratch_must_hold_the_payload() {
    let kp = ed25519_key(22);
    let v = verifier(&[ed_pub(&kp)], 1);
    for len in [1usize, 2, 3, 100, 1000] {
        let payload = vec![0xabu8; len];
        let env = EnvelopeBuilder::new(T, &payload)
            .sig(None, ed25519_sig(&kp, T, &payload), B64::Std)
            .to_json();
        assert_eq!(
            Envelope::parse(env.as_bytes()).unwrap().payload_len(),
            Ok(len)
        );
        let mut exact = vec![0u8; len];
        assert_eq!(
            v.verify(env.as_bytes(), &mut exact).unwrap().payload,
            &payload[..]
        );
        let mut short = vec![0u8; len - 1];
        assert_eq!(
            v.verify(env.as_bytes(), &mut short).err(),
            Some(Error::BufferTooSmall),
            "{len}"
        );
    }
}

/// Payloads of megabytes take the host fast paths (base64-simd in 4 KiB groups, the lazy
/// alphabet check, and for P-256 the two-thread decode-while-hashing path above 1 MiB of text):
/// every alphabet and padding form verifies with the exact payload, and a fault planted near the
/// end — a tampered byte, a foreign character, the other alphabet's character, padding inside —
/// gives the same error as on a small envelope. `verify` cross-checks the streaming path too.
#[test]
fn large_payloads_through_the_fast_paths() {
    let payload: Vec<u8> = (0..1_600_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    // (Debug builds hash slowly: every form and fault for P-256, whose two-thread path is the
    // new one; Ed25519 in the standard form.)
    for (name, key, sign) in all_signers().into_iter().filter(|(n, ..)| *n != "p256 raw") {
        let v = verifier(&[key], 1);
        let sig = b64(&sign(T, &payload), B64::Std);
        for form in [B64::Std, B64::StdUnpadded, B64::Url, B64::UrlUnpadded] {
            if name == "ed25519" && form != B64::Std {
                continue;
            }
            let text = b64(&payload, form);
            let env = envelope(&text, &json_string(T), &[&sig]);
            assert_eq!(verify(&v, &env), ok(&payload, 1), "{name} {form:?}");
            let url = matches!(form, B64::Url | B64::UrlUnpadded);
            let n = text.len();
            // The other alphabet's character, a foreign one, and padding: all near the end, and
            // one right at the start with a late character of the other alphabet.
            let other = if url { b'+' } else { b'-' };
            let first = if url { b'_' } else { b'/' };
            for (at, c) in [(n - 100, other), (n - 5000, b'*'), (n - 10, b'=')] {
                let mut bad = text.clone().into_bytes();
                bad[at] = c;
                let env = envelope(std::str::from_utf8(&bad).unwrap(), &json_string(T), &[&sig]);
                assert_eq!(
                    verify(&v, &env),
                    Err(Error::InvalidBase64),
                    "{name} {form:?} {at}"
                );
            }
            let mut mixed = text.clone().into_bytes();
            mixed[0] = first;
            mixed[n - 3000] = other;
            let env = envelope(
                std::str::from_utf8(&mixed).unwrap(),
                &json_string(T),
                &[&sig],
            );
            assert_eq!(
                verify(&v, &env),
                Err(Error::InvalidBase64),
                "{name} {form:?} mixed"
            );
        }
        // A changed payload byte near the end (valid base64, other bytes): wrong signature.
        let mut other_payload = payload.clone();
        other_payload[1_599_000] ^= 1;
        let env = envelope(&b64(&other_payload, B64::Std), &json_string(T), &[&sig]);
        assert_eq!(verify(&v, &env), Err(Error::InvalidSignature), "{name}");
    }
}

/// The streaming verifications decode a payload of a megabyte in pieces for the hash: every signer
/// of a large envelope is found (Ed25519 streams the payload once per attempt, P-256 once for all
/// keys), also when the payload text holds JSON escapes (`\/` for every `/`), and one changed
/// payload byte is a wrong signature.
#[test]
fn large_payloads_through_the_streaming_verifications() {
    let payload: Vec<u8> = (0..1_100_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8)
        .collect();
    let (a, b, c) = (ed25519_key(51), p256_key(51), ed25519_key(52));
    let keys = [ed_pub(&a), p256_pub(&b), ed_pub(&c)];
    let v = verifier(&keys, 3);
    let sigs = [
        b64(&ed25519_sig(&c, T, &payload), B64::Std),
        b64(&p256_sig_der(&b, T, &payload), B64::Std),
        b64(&ed25519_sig(&a, T, &payload), B64::Std),
    ];
    let sigs: Vec<&str> = sigs.iter().map(String::as_str).collect();
    let text = b64(&payload, B64::Std);
    assert!(text.contains('/'), "the escaped form must differ");
    for text in [text.clone(), text.replace('/', "\\/")] {
        let json = envelope(&text, &json_string(T), &sigs);
        let env = Envelope::parse(json.as_bytes()).unwrap();
        assert_eq!(env.payload.has_escapes(), text.contains('\\'));
        assert_eq!(v.signers_streaming(&env).map(|s| s.keys.bits()), Ok(0b111));
        assert_eq!(
            v.verify_parsed_streaming(&env).map(|s| s.keys.bits()),
            Ok(0b111)
        );
        // The in-buffer path agrees (and hands out the exact payload).
        assert_eq!(verify(&v, &json), ok(&payload, 0b111));
    }
    let mut changed = payload.clone();
    changed[1_099_990] ^= 0x40;
    let json = envelope(&b64(&changed, B64::Std), &json_string(T), &sigs);
    let env = Envelope::parse(json.as_bytes()).unwrap();
    assert_eq!(v.signers_streaming(&env).map(|s| s.keys.bits()), Ok(0));
    assert_eq!(
        v.verify_parsed_streaming(&env).map(|s| s.keys.bits()),
        Err(Error::InvalidSignature)
    );
}

/// `signers_streaming` reports every trusted key that signed, with no threshold: past the point
/// where `verify_parsed_streaming` stops, and an empty set (not an error) when no trusted key
/// signed; parsing, payload type and base64 errors are the same as verification's.
#[test]
fn signers_are_every_trusted_key_that_signed() {
    let a = ed25519_key(41);
    let b = p256_key(41);
    let c = ed25519_key(42);
    let payload = b"who signed";
    let keys = [ed_pub(&a), p256_pub(&b), ed_pub(&c)];
    let v1 = verifier(&keys, 1);
    let signers = |json: &str| {
        let env = Envelope::parse(json.as_bytes()).unwrap();
        v1.signers_streaming(&env).map(|s| s.keys.bits())
    };
    let env = |sigs: &[Vec<u8>]| {
        sigs.iter()
            .fold(EnvelopeBuilder::new(T, payload), |e, s| {
                e.sig(None, s.clone(), B64::Std)
            })
            .to_json()
    };
    let (sa, sb, sc) = (
        ed25519_sig(&a, T, payload),
        p256_sig_der(&b, T, payload),
        ed25519_sig(&c, T, payload),
    );
    let all = env(&[sc.clone(), sa.clone(), sb.clone()]);
    // Threshold 1 verification stops at the first key; the signers are all three.
    let parsed = Envelope::parse(all.as_bytes()).unwrap();
    assert_eq!(v1.verify_parsed_streaming(&parsed).unwrap().keys.count(), 1);
    assert_eq!(signers(&all), Ok(0b111));
    // One key twice is one signer; an untrusted signature is no signer.
    let untrusted = ed25519_sig(&ed25519_key(99), T, payload);
    assert_eq!(
        signers(&env(&[sb.clone(), sb.clone(), untrusted.clone()])),
        Ok(0b010)
    );
    assert_eq!(signers(&env(&[untrusted])), Ok(0));
    // The same refusals as verification.
    let other_type = EnvelopeBuilder::new("text/plain", payload)
        .sig(None, sa.clone(), B64::Std)
        .to_json();
    assert_eq!(signers(&other_type), Err(Error::PayloadTypeNotAllowed));
    // A signature too long for any supported algorithm is skipped, not fatal.
    let long = env(&[vec![0x30; 100], sa.clone()]);
    assert_eq!(signers(&long), Ok(0b001));
}

/// `Envelope::payload_span` locates the payload's text in the document (so a host decodes the
/// verified payload in place without pointer arithmetic), and declines text with escapes.
#[test]
fn payload_span_locates_the_payload_text() {
    let payload = b"{\"hello\": \"span\"}";
    let text = Base64::encode_string(payload);
    let doc = format!(
        "{{ \"signatures\" : [{{\"sig\":\"AAAA\"}}],\n  \"payload\" :\t\"{text}\", \"payloadType\": \"x\"}}"
    );
    let span = Envelope::parse(doc.as_bytes())
        .unwrap()
        .payload_span()
        .unwrap();
    assert_eq!(&doc.as_bytes()[span.clone()], text.as_bytes());
    let mut copy = doc.into_bytes();
    let n = vouch_core::base64::decode_in_place(&mut copy[span.clone()]).unwrap();
    assert_eq!(&copy[span.start..span.start + n], payload);
    // The same text with its first character written as a JSON escape: no span.
    let first = text.as_bytes()[0];
    let escaped = format!(
        "{{\"payload\": \"\\u{first:04x}{}\", \"payloadType\": \"x\", \"signatures\": [{{\"sig\": \"AAAA\"}}]}}",
        &text[1..]
    );
    let env = Envelope::parse(escaped.as_bytes()).unwrap();
    assert_eq!(env.payload_span(), None);
    assert_eq!(env.payload_len(), Ok(payload.len()));
}
