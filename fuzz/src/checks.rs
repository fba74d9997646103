//! The checks behind vouch's fuzz targets, shared by two harnesses:
//!
//! * the cargo-fuzz targets in `fuzz/fuzz_targets/` (nightly, libFuzzer), through the
//!   `vouch-fuzz` library;
//! * `core/tests/fuzz_replay.rs`, which includes this file with `#[path]` and replays the committed
//!   seed corpus and every regression file on plain stable `cargo test`.
//!
//! So this file may use only vouch-core and the crates vouch-core's tests already have
//! (`base64ct`, `sha2`, `ed25519_compact`, `p256`); no `arbitrary`, no `serde_json`. Every check
//! panics (with a message saying which invariant broke) on a bug and returns normally otherwise.

use core::str;
use std::sync::OnceLock;

use sha2::{Digest, Sha256};
use vouch_core::testkit::{self, B64, EnvelopeBuilder};
use vouch_core::{
    ArtifactDigest, Checks, Envelope, Error, IN_TOTO_PAYLOAD_TYPE, MAX_SIGNATURES, PublicKey,
    Statement, TrustedKey, Verifier, base64, hazmat, json, pae,
};

// ---------------------------------------------------------------------------------------------
// A small byte reader that turns fuzz input into structured choices (like `arbitrary`, but
// available on stable without extra crates, so the replay test decodes inputs the same way).
// ---------------------------------------------------------------------------------------------

/// Reads structured choices from raw fuzz bytes; reads past the end give zeros.
pub struct Input<'a> {
    data: &'a [u8],
}

impl<'a> Input<'a> {
    /// A reader over `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Input { data }
    }
    /// The next byte (0 once exhausted).
    pub fn u8(&mut self) -> u8 {
        match self.data.split_first() {
            Some((b, rest)) => {
                self.data = rest;
                *b
            }
            None => 0,
        }
    }
    /// The next two bytes, little-endian.
    pub fn u16(&mut self) -> u16 {
        u16::from(self.u8()) | (u16::from(self.u8()) << 8)
    }
    /// The next eight bytes, little-endian.
    pub fn u64(&mut self) -> u64 {
        (0..8).fold(0u64, |acc, i| acc | (u64::from(self.u8()) << (8 * i)))
    }
    /// A length-prefixed byte string of at most `max` bytes.
    pub fn bytes(&mut self, max: usize) -> &'a [u8] {
        let want = usize::from(self.u16()) % (max + 1);
        let n = want.min(self.data.len());
        let (head, rest) = self.data.split_at(n);
        self.data = rest;
        head
    }
    /// Everything not read yet.
    pub fn rest(self) -> &'a [u8] {
        self.data
    }
}

fn b64_form(n: u8) -> B64 {
    match n % 4 {
        0 => B64::Std,
        1 => B64::StdUnpadded,
        2 => B64::Url,
        _ => B64::UrlUnpadded,
    }
}

/// The other alphabet, and the other padding choice.
fn other_form(f: B64) -> B64 {
    match f {
        B64::Std => B64::UrlUnpadded,
        B64::StdUnpadded => B64::Url,
        B64::Url => B64::StdUnpadded,
        B64::UrlUnpadded => B64::Std,
    }
}

// ---------------------------------------------------------------------------------------------
// Reference models (they may allocate; they aim to be obviously right, not fast).
// ---------------------------------------------------------------------------------------------

/// Reference strict base64 decoder: either alphabet (not both), padded or not, canonical
/// trailing bits. `None` = invalid.
pub fn ref_base64(text: &[u8]) -> Option<Vec<u8>> {
    let has_std = text.iter().any(|&c| c == b'+' || c == b'/');
    let has_url = text.iter().any(|&c| c == b'-' || c == b'_');
    if has_std && has_url {
        return None;
    }
    let pads = text.iter().rev().take_while(|&&c| c == b'=').count();
    if pads > 0 && (!text.len().is_multiple_of(4) || pads > 2) {
        return None;
    }
    let data = &text[..text.len() - pads];
    if data.len() % 4 == 1 {
        return None;
    }
    let mut bits: u32 = 0;
    let mut nbits = 0;
    let mut out = Vec::new();
    for &c in data {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        bits = (bits << 6) | u32::from(v);
        nbits += 6;
        if nbits >= 8 {
            nbits -= 8;
            out.push((bits >> nbits) as u8);
            bits &= (1 << nbits) - 1;
        }
    }
    if bits != 0 {
        return None;
    }
    Some(out)
}

/// Reference PAE: builds the whole byte string.
pub fn ref_pae(payload_type: &[u8], body: &[u8]) -> Vec<u8> {
    let mut v = format!("DSSEv1 {} ", payload_type.len()).into_bytes();
    v.extend_from_slice(payload_type);
    v.extend_from_slice(format!(" {} ", body.len()).as_bytes());
    v.extend_from_slice(body);
    v
}

/// Reference JSON string unescaper over the raw text between the quotes of a string that the
/// validator accepted.
pub fn ref_unescape(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0;
    let hex = |s: &[u8]| u32::from_str_radix(str::from_utf8(s).expect("hex is ASCII"), 16);
    while i < raw.len() {
        if raw[i] != b'\\' {
            out.push(raw[i]);
            i += 1;
            continue;
        }
        let e = raw[i + 1];
        i += 2;
        let c = match e {
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let hi = hex(&raw[i..i + 4]).expect("validated \\u escape");
                i += 4;
                let cp = if (0xD800..0xDC00).contains(&hi) {
                    let lo = hex(&raw[i + 2..i + 6]).expect("validated low surrogate");
                    i += 6;
                    0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                } else {
                    hi
                };
                char::from_u32(cp).expect("validated code point")
            }
            other => char::from(other),
        };
        let mut buf = [0u8; 4];
        out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
    }
    out
}

/// The unescaped bytes of a JSON string, through vouch's own chunked unescaper.
pub fn unescaped(s: &json::JsonStr<'_>) -> Vec<u8> {
    let mut v = Vec::new();
    s.for_each_chunk(|c| {
        v.extend_from_slice(c);
        Ok::<(), ()>(())
    })
    .expect("collecting cannot fail");
    v
}

/// Whether `raw` is a number by the RFC 8259 grammar.
fn is_json_number(raw: &[u8]) -> bool {
    let mut i = 0;
    let digits = |i: &mut usize| {
        let s = *i;
        while raw.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - s
    };
    if raw.first() == Some(&b'-') {
        i += 1;
    }
    match raw.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => {
            digits(&mut i);
        }
        _ => return false,
    }
    if raw.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    }
    if matches!(raw.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(raw.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == raw.len()
}

// ---------------------------------------------------------------------------------------------
// base64_decode
// ---------------------------------------------------------------------------------------------

fn decode_whole(text: &[u8]) -> Result<Vec<u8>, Error> {
    let mut out = vec![0u8; base64::decoded_len_bound(text.len())];
    let n = base64::decode_into(text, &mut out)?;
    out.truncate(n);
    Ok(out)
}

/// The base64ct decoding of `text` with the engine its shape calls for (non-mixed input only).
fn base64ct_decode(text: &[u8]) -> Option<Vec<u8>> {
    use base64ct::{Base64, Base64Unpadded, Base64Url, Base64UrlUnpadded, Encoding};
    let url = text.iter().any(|&c| c == b'-' || c == b'_');
    let padded = text.ends_with(b"=") || text.len().is_multiple_of(4);
    let s = str::from_utf8(text).ok()?;
    match (url, padded) {
        (false, true) => Base64::decode_vec(s).ok(),
        (false, false) => Base64Unpadded::decode_vec(s).ok(),
        (true, true) => Base64Url::decode_vec(s).ok(),
        (true, false) => Base64UrlUnpadded::decode_vec(s).ok(),
    }
}

/// `base64_decode`: vouch's decoder (whole, streamed in pieces, from an escaped JSON string)
/// against [`ref_base64`], and against base64ct for input that does not mix alphabets.
pub fn check_base64(data: &[u8]) {
    let want = ref_base64(data);
    let got = decode_whole(data);
    match (&want, &got) {
        (Some(w), Ok(g)) => assert_eq!(w, g, "decoded bytes differ from the model"),
        (None, Err(Error::InvalidBase64)) => {}
        _ => panic!("vouch {got:?} but model {want:?} for {data:?}"),
    }
    if let Some(w) = &want {
        assert!(w.len() <= base64::decoded_len_bound(data.len()));
        let mut exact = vec![0u8; w.len()];
        assert_eq!(base64::decode_into(data, &mut exact), Ok(w.len()));
        assert_eq!(&exact, w);
        if !w.is_empty() {
            let mut small = vec![0u8; w.len() - 1];
            assert_eq!(
                base64::decode_into(data, &mut small),
                Err(Error::BufferTooSmall)
            );
        }
    }

    // base64ct as a second model, where its rules are the same as vouch's (one alphabet).
    let mixed = data.iter().any(|&c| c == b'+' || c == b'/')
        && data.iter().any(|&c| c == b'-' || c == b'_');
    if !mixed && !data.is_empty() {
        assert_eq!(
            base64ct_decode(data),
            want,
            "base64ct disagrees on {data:?}"
        );
    }

    // Streaming: split into three pieces at input-derived points.
    let a = data.first().map_or(0, |&b| usize::from(b)) % (data.len() + 1);
    let b = a + data.last().map_or(0, |&b| usize::from(b)) % (data.len() - a + 1);
    let mut streamed = Vec::new();
    let mut sink = |c: &[u8]| {
        streamed.extend_from_slice(c);
        Ok::<(), Error>(())
    };
    let mut dec = hazmat::Base64Decoder::new();
    for piece in [&data[..a], &data[a..b], &data[b..]] {
        let ok = dec.feed(piece, &mut sink).expect("sink never fails");
        if !ok {
            assert!(want.is_none(), "feed stopped early on valid input");
        }
    }
    let fin = dec.finish(&mut sink);
    match &want {
        Some(w) => {
            assert_eq!(fin, Ok(()));
            assert_eq!(&streamed, w, "streamed decode differs");
        }
        None => assert_eq!(fin, Err(Error::InvalidBase64)),
    }

    // In place, in the text's own buffer.
    let mut buf = data.to_vec();
    let in_place = base64::decode_in_place(&mut buf).map(|n| buf[..n].to_vec());
    match (&want, &in_place) {
        (Some(w), Ok(g)) => assert_eq!(w, g, "in-place decode differs"),
        (None, Err(Error::InvalidBase64)) => {}
        _ => panic!("in place {in_place:?} but model {want:?} for {data:?}"),
    }

    // Through a JSON string with escapes (`\/`, `\u00XX`), when the text can be one.
    if let Ok(text) = str::from_utf8(data)
        && text.chars().all(|c| c >= ' ')
    {
        let mut doc = String::from("\"");
        for (i, c) in text.chars().enumerate() {
            match c {
                '"' | '\\' => doc.push_str(&format!("\\u{:04x}", c as u32)),
                '/' if i % 2 == 0 => doc.push_str("\\/"),
                c if i % 3 == 1 && c.is_ascii() => doc.push_str(&format!("\\u{:04X}", c as u32)),
                c => doc.push(c),
            }
        }
        doc.push('"');
        let v = json::parse(doc.as_bytes()).expect("escaped string is valid JSON");
        let s = v.as_str().expect("a string");
        assert_eq!(unescaped(&s), data);
        let mut out = vec![0u8; base64::decoded_len_bound(data.len())];
        let r = base64::decode_json_str(&s, &mut out).map(|n| out[..n].to_vec());
        assert_eq!(r.ok(), want, "decode_json_str differs");
        assert_eq!(
            hazmat::validate_base64_json_str(&s).ok(),
            want.as_ref().map(Vec::len),
            "validate_json_str differs"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// pae
// ---------------------------------------------------------------------------------------------

fn decimal_len(n: u64) -> u128 {
    n.to_string().len() as u128
}

/// `pae`: `pae::len`, `pae::write_into` and `pae::stream` against [`ref_pae`]; the length
/// arithmetic also for huge lengths.
pub fn check_pae(data: &[u8]) {
    let mut inp = Input::new(data);
    // Length arithmetic for arbitrary (huge) lengths, against u128 arithmetic.
    let (x, y) = (inp.u64(), inp.u64());
    let total = 7 + decimal_len(x) + 1 + 1 + decimal_len(y) + 1 + u128::from(x) + u128::from(y);
    if let (Ok(xs), Ok(ys)) = (usize::try_from(x), usize::try_from(y)) {
        let want = usize::try_from(total).ok();
        assert_eq!(pae::len(xs, ys), want, "pae::len({x}, {y})");
    }

    let split = usize::from(inp.u16());
    let rest = inp.rest();
    let (t, b) = rest.split_at(split % (rest.len() + 1));
    let model = ref_pae(t, b);
    assert_eq!(pae::len(t.len(), b.len()), Some(model.len()));

    let mut exact = vec![0u8; model.len()];
    assert_eq!(pae::write_into(t, b, &mut exact), Ok(model.len()));
    assert_eq!(exact, model, "write_into differs from the model");

    let mut bigger = vec![0xA5u8; model.len() + 9];
    assert_eq!(pae::write_into(t, b, &mut bigger), Ok(model.len()));
    assert_eq!(&bigger[..model.len()], &model[..]);
    assert!(
        bigger[model.len()..].iter().all(|&c| c == 0xA5),
        "wrote past the PAE"
    );

    let mut small = vec![0u8; model.len() - 1];
    assert_eq!(
        pae::write_into(t, b, &mut small),
        Err(Error::BufferTooSmall)
    );

    let mut streamed = Vec::new();
    pae::stream(t, b, |c| streamed.extend_from_slice(c));
    assert_eq!(streamed, model, "stream differs from the model");
}

// ---------------------------------------------------------------------------------------------
// Fixed keys (shared by envelope_parse and verify_envelope)
// ---------------------------------------------------------------------------------------------

/// One key of the fixed pool: its signer and its parsed public key.
pub struct PoolKey {
    /// Ed25519 signer (when the key is Ed25519).
    pub ed: Option<ed25519_compact::KeyPair>,
    /// P-256 signer (when the key is P-256).
    pub p256: Option<p256::ecdsa::SigningKey>,
    /// The public key as vouch parsed it.
    pub public: PublicKey,
}

/// Number of Ed25519 keys in the pool (indices `0..POOL_ED25519`, then P-256).
pub const POOL_ED25519: usize = 4;
/// Number of keys in the pool.
pub const POOL_LEN: usize = 7;

/// The fixed key pool: Ed25519 seeds 1..=4, P-256 seeds 1..=3 (testkit).
pub fn pool() -> &'static [PoolKey] {
    static POOL: OnceLock<Vec<PoolKey>> = OnceLock::new();
    POOL.get_or_init(|| {
        let mut v = Vec::new();
        for s in 1..=POOL_ED25519 as u8 {
            let kp = testkit::ed25519_key(s);
            let public = PublicKey::parse(kp.pk.as_ref()).expect("valid Ed25519 key");
            v.push(PoolKey {
                ed: Some(kp),
                p256: None,
                public,
            });
        }
        for s in 1..=(POOL_LEN - POOL_ED25519) as u8 {
            let sk = testkit::p256_key(s);
            let point = sk.verifying_key().to_sec1_point(false);
            let public = PublicKey::parse(point.as_bytes()).expect("valid P-256 key");
            v.push(PoolKey {
                ed: None,
                p256: Some(sk),
                public,
            });
        }
        v
    })
}

impl PoolKey {
    /// A fresh signature over `PAE(payload_type, payload)`; P-256 as raw `r||s` or DER.
    pub fn sign(&self, payload_type: &str, payload: &[u8], p256_raw: bool) -> Vec<u8> {
        match (&self.ed, &self.p256) {
            (Some(kp), _) => testkit::ed25519_sig(kp, payload_type, payload),
            (_, Some(sk)) if p256_raw => testkit::p256_sig_raw(sk, payload_type, payload),
            (_, Some(sk)) => testkit::p256_sig_der(sk, payload_type, payload),
            _ => unreachable!("a pool key has a signer"),
        }
    }

    /// Reference signature check, straight through the signature crates on [`ref_pae`].
    pub fn model_verifies(&self, payload_type: &[u8], payload: &[u8], sig: &[u8]) -> bool {
        let msg = ref_pae(payload_type, payload);
        match (&self.ed, &self.p256) {
            (Some(kp), _) => ed25519_compact::Signature::from_slice(sig)
                .is_ok_and(|s| kp.pk.verify(&msg, &s).is_ok()),
            (_, Some(sk)) => {
                use p256::ecdsa::Signature;
                use p256::ecdsa::signature::Verifier as _;
                let s = if sig.len() == 64 {
                    Signature::from_slice(sig)
                } else {
                    Signature::from_der(sig)
                };
                s.is_ok_and(|s| sk.verifying_key().verify(&msg, &s).is_ok())
            }
            _ => false,
        }
    }
}

const ALLOWED_TYPES: [&str; 2] = [IN_TOTO_PAYLOAD_TYPE, "text/plain"];

// ---------------------------------------------------------------------------------------------
// envelope_parse
// ---------------------------------------------------------------------------------------------

/// `envelope_parse`: arbitrary bytes through [`Envelope::parse`] and the verifier; an accepted
/// envelope is checked field by field against the models, a rejected one must be rejected with
/// the same error by [`Verifier::verify`].
pub fn check_envelope(data: &[u8]) {
    let pool = pool();
    let trusted = [
        TrustedKey {
            key: pool[0].public.clone(),
            keyid: Some("k0"),
        },
        TrustedKey {
            key: pool[POOL_ED25519].public.clone(),
            keyid: None,
        },
    ];
    let verifier = Verifier::new(&trusted, 1, &ALLOWED_TYPES).expect("valid verifier");
    match Envelope::parse(data) {
        Err(e) => {
            assert!(
                matches!(
                    e,
                    Error::InvalidUtf8
                        | Error::InvalidJson
                        | Error::JsonTooDeep
                        | Error::DuplicateKey
                        | Error::JsonObjectTooLarge
                        | Error::MalformedEnvelope
                        | Error::TooManySignatures
                        | Error::NoSignatures
                        | Error::InvalidBase64
                ),
                "unexpected envelope error {e:?}"
            );
            let mut scratch = vec![0u8; data.len()];
            assert_eq!(
                verifier.verify(data, &mut scratch).err(),
                Some(e),
                "verify and parse disagree"
            );
        }
        Ok(env) => {
            assert!(json::parse(data).is_ok());
            assert!((1..=MAX_SIGNATURES).contains(&env.signatures.len()));
            let payload = ref_base64(&unescaped(&env.payload)).expect("accepted payload base64");
            assert_eq!(env.payload_len(), Ok(payload.len()));
            let mut out = vec![0u8; payload.len()];
            assert_eq!(
                base64::decode_json_str(&env.payload, &mut out),
                Ok(payload.len())
            );
            assert_eq!(out, payload);
            for s in &env.signatures {
                assert!(
                    ref_base64(&unescaped(&s.sig)).is_some(),
                    "accepted a bad signature"
                );
                if let Some(k) = &s.keyid {
                    assert!(!k.raw().is_empty(), "empty keyid not mapped to None");
                }
            }
            let pt = unescaped(&env.payload_type);
            let pt_str = str::from_utf8(&pt).expect("JSON strings are UTF-8");
            assert!(env.payload_type.eq_str(pt_str));

            let mut scratch = vec![0u8; payload.len()];
            let r = verifier.verify(data, &mut scratch);
            let allowed = ALLOWED_TYPES.contains(&pt_str);
            match r {
                Ok(v) => {
                    assert!(allowed);
                    assert_eq!(v.payload, &payload[..]);
                    let sig_ok = env.signatures.iter().any(|s| {
                        let sig = ref_base64(&unescaped(&s.sig)).unwrap_or_default();
                        trusted.iter().enumerate().any(|(i, _)| {
                            let k = if i == 0 {
                                &pool[0]
                            } else {
                                &pool[POOL_ED25519]
                            };
                            k.model_verifies(&pt, &payload, &sig)
                        })
                    });
                    assert!(sig_ok, "verified without a valid signature");
                }
                Err(Error::PayloadTypeNotAllowed) => assert!(!allowed),
                Err(Error::InvalidSignature) => assert!(allowed),
                Err(e) => panic!("unexpected verify error {e:?}"),
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// statement_parse
// ---------------------------------------------------------------------------------------------

fn hex_bytes(hex: &[u8]) -> Vec<u8> {
    hex.chunks(2)
        .map(|p| u8::from_str_radix(str::from_utf8(p).expect("ASCII"), 16).expect("hex"))
        .collect()
}

/// `statement_parse`: arbitrary bytes as a verified payload through [`Statement::parse`] and
/// every check, with the digests the Statement itself lists.
pub fn check_statement(data: &[u8]) {
    let st = match Statement::parse(data) {
        Ok(st) => st,
        Err(e) => {
            assert!(
                matches!(
                    e,
                    Error::InvalidUtf8
                        | Error::InvalidJson
                        | Error::JsonTooDeep
                        | Error::DuplicateKey
                        | Error::JsonObjectTooLarge
                        | Error::MalformedStatement
                        | Error::UnsupportedStatementType
                        | Error::MissingPredicateType
                        | Error::MissingBuilderId
                        | Error::MissingMaterials
                        | Error::MissingCommit
                        | Error::MissingSubject
                        | Error::InvalidDigest
                ),
                "unexpected statement error {e:?}"
            );
            return;
        }
    };
    let root = json::parse(data).expect("an accepted Statement is valid JSON");
    assert_eq!(root.kind(), json::Kind::Object);

    match st.predicate_type() {
        Some(pt) => {
            let s = String::from_utf8(unescaped(&pt)).expect("UTF-8");
            assert_eq!(st.check_predicate_type(&s), Ok(()));
            assert_eq!(
                st.check_predicate_type(&format!("{s}x")),
                Err(Error::PredicateTypeMismatch)
            );
        }
        None => assert_eq!(
            st.check_predicate_type("x"),
            Err(Error::MissingPredicateType)
        ),
    }
    match st.builder_id() {
        Some(id) => {
            let s = String::from_utf8(unescaped(&id)).expect("UTF-8");
            assert!(!s.is_empty(), "empty builder id accepted");
            assert_eq!(st.check_builder_id(&s), Ok(()));
            assert_eq!(
                st.check_builder_id(&format!("{s}x")),
                Err(Error::BuilderIdMismatch)
            );
            let c = Checks {
                builder_id: Some(&s),
                ..Checks::default()
            };
            assert_eq!(st.check(&c), Ok(None));
        }
        None => {
            assert_eq!(st.provenance(), vouch_core::Provenance::Other);
            assert_eq!(st.check_builder_id("x"), Err(Error::MissingBuilderId));
        }
    }
    if !st.has_subjects() {
        assert_eq!(st.provenance(), vouch_core::Provenance::Registry);
    }

    assert_eq!(
        st.match_artifact(&ArtifactDigest::default()),
        Err(Error::NoArtifactDigest)
    );
    // The digest of the input itself almost never matches; it must not crash either way.
    let own = ArtifactDigest {
        sha256: Some(Sha256::digest(data).into()),
        sha512: None,
    };
    match st.match_artifact(&own) {
        Ok(_) | Err(Error::SubjectMismatch) => assert!(st.has_subjects()),
        Err(Error::UnboundProvenance) => assert!(!st.has_subjects()),
        Err(e) => panic!("unexpected match error {e:?}"),
    }

    // Every digest a subject lists must find that subject (or an earlier one).
    for (i, sub) in st.subjects().enumerate() {
        for (alg, val) in sub.digest.members() {
            let hex = unescaped(&val.as_str().expect("digest values are strings"));
            let mut art = ArtifactDigest::default();
            if alg.eq_str("sha256") {
                art.sha256 = Some(hex_bytes(&hex).try_into().expect("32 bytes"));
            } else if alg.eq_str("sha512") {
                art.sha512 = Some(hex_bytes(&hex).try_into().expect("64 bytes"));
            } else {
                continue;
            }
            let j = st.match_artifact(&art).expect("own digest matches");
            assert!(j <= i, "matched a later subject");
            let c = Checks {
                artifact: Some(&art),
                ..Checks::default()
            };
            assert_eq!(st.check(&c), Ok(Some(j)));
        }
    }
    let _ = st.subjects().map(|s| s.name.unescaped_len()).sum::<usize>();
    let _ = st.root().members().count();
}

// ---------------------------------------------------------------------------------------------
// key_parse
// ---------------------------------------------------------------------------------------------

/// A `PUBLIC KEY` PEM document around `der`.
pub fn pem_of(der: &[u8]) -> String {
    use base64ct::{Base64, Encoding};
    let b = Base64::encode_string(der);
    let mut s = String::from("-----BEGIN PUBLIC KEY-----\n");
    for line in b.as_bytes().chunks(64) {
        s.push_str(str::from_utf8(line).expect("ASCII"));
        s.push('\n');
    }
    s.push_str("-----END PUBLIC KEY-----\n");
    s
}

fn same_key(a: &PublicKey, b: &PublicKey) {
    assert_eq!(a.fingerprint(), b.fingerprint(), "fingerprint changed");
    assert_eq!(a.algorithm(), b.algorithm(), "algorithm changed");
}

/// `key_parse`: every key entry point on arbitrary bytes; an accepted key re-encoded in every
/// form (SPKI DER, PEM, raw / SEC1 compressed and uncompressed) parses to the same key.
pub fn check_key(data: &[u8]) {
    let key_err = |r: &Result<PublicKey, Error>| {
        if let Err(e) = r {
            assert!(
                matches!(e, Error::InvalidKey | Error::UnsupportedKeyType),
                "unexpected key error {e:?}"
            );
        }
    };
    let parsed = PublicKey::parse(data);
    let pem = PublicKey::from_pem(data);
    let der = PublicKey::from_spki_der(data);
    let raw = PublicKey::from_ed25519_raw(data);
    let sec1 = PublicKey::from_sec1(data);
    for r in [&parsed, &pem, &der, &raw, &sec1] {
        key_err(r);
    }
    if let Ok(k) = &der {
        // DER is read strictly; a DER key is what PEM wraps.
        let via_pem = PublicKey::from_pem(pem_of(data).as_bytes()).expect("PEM of valid DER");
        same_key(k, &via_pem);
    }
    let Ok(k) = parsed else { return };
    let mut spki = [0u8; 128];
    let n = k.spki_der(&mut spki).expect("fits");
    let spki = &spki[..n];
    assert_eq!(
        k.spki_der(&mut vec![0u8; n - 1]),
        Err(Error::BufferTooSmall)
    );
    assert_eq!(
        <[u8; 32]>::from(Sha256::digest(spki)),
        k.fingerprint(),
        "fingerprint is not SHA-256 of the SPKI DER"
    );
    same_key(&k, &PublicKey::from_spki_der(spki).expect("own SPKI"));
    same_key(&k, &PublicKey::parse(spki).expect("own SPKI"));
    same_key(
        &k,
        &PublicKey::parse(pem_of(spki).as_bytes()).expect("own PEM"),
    );
    match k.algorithm() {
        vouch_core::Algorithm::Ed25519 => {
            assert_eq!(n, 44);
            same_key(
                &k,
                &PublicKey::from_ed25519_raw(&spki[12..]).expect("own raw"),
            );
        }
        vouch_core::Algorithm::EcdsaP256Sha256 => {
            assert_eq!(n, 91);
            let point = &spki[26..];
            assert_eq!(point[0], 4);
            same_key(&k, &PublicKey::from_sec1(point).expect("own SEC1"));
            let mut compressed = point[..33].to_vec();
            compressed[0] = 2 | (point[64] & 1);
            same_key(&k, &PublicKey::parse(&compressed).expect("own compressed"));
        }
        // An algorithm added to the core: its own encodings get their own checks.
        _ => {}
    }
    // A signature check on arbitrary bytes must not panic, whatever it answers.
    let sig = &data[..data.len().min(72)];
    let _ = hazmat::verify_pae(&k, b"t", data, sig, &mut None);
}

// ---------------------------------------------------------------------------------------------
// json (the part of json_differential that needs no serde_json)
// ---------------------------------------------------------------------------------------------

/// The vouch-only half of `json_differential`: a rejected document fails with a JSON error; an
/// accepted one is walked completely and every navigation result is checked against the models
/// and against itself. Returns whether vouch accepted.
pub fn check_json_self(data: &[u8]) -> bool {
    match json::parse(data) {
        Err(e) => {
            assert!(
                matches!(
                    e,
                    Error::InvalidUtf8
                        | Error::InvalidJson
                        | Error::JsonTooDeep
                        | Error::DuplicateKey
                        | Error::JsonObjectTooLarge
                ),
                "unexpected JSON error {e:?}"
            );
            if e == Error::InvalidUtf8 {
                assert!(str::from_utf8(data).is_err());
            }
            false
        }
        Ok(v) => {
            assert_eq!(
                v.raw(),
                data.trim_ascii(),
                "top-level raw() is not the document"
            );
            walk(v, 0);
            true
        }
    }
}

fn walk(v: json::Value<'_>, depth: usize) {
    use json::Kind;
    let raw = v.raw();
    let sub = json::parse(raw).expect("a value of a valid document is a valid document");
    assert_eq!(sub.kind(), v.kind());
    assert_eq!(v.as_str().is_some(), v.kind() == Kind::String);
    assert_eq!(v.as_bool().is_some(), v.kind() == Kind::Bool);
    assert_eq!(v.is_null(), v.kind() == Kind::Null);
    if v.kind() != Kind::Object {
        assert_eq!(v.members().count(), 0);
        assert!(v.get("").is_none());
    }
    if v.kind() != Kind::Array {
        assert_eq!(v.elements().count(), 0);
    }
    match v.kind() {
        Kind::Object => {
            assert!(depth < json::MAX_DEPTH, "too deep");
            let mut keys: Vec<Vec<u8>> = Vec::new();
            for (k, val) in v.members() {
                let kb = unescaped(&k);
                assert!(!keys.contains(&kb), "duplicate key accepted");
                let ks = str::from_utf8(&kb).expect("keys are UTF-8");
                let got = v.get(ks).expect("get finds every member");
                assert_eq!(got.raw().as_ptr(), val.raw().as_ptr(), "get found another");
                check_str(&k);
                keys.push(kb);
                walk(val, depth + 1);
            }
            assert!(keys.len() <= json::MAX_OBJECT_MEMBERS);
        }
        Kind::Array => {
            assert!(depth < json::MAX_DEPTH, "too deep");
            for el in v.elements() {
                walk(el, depth + 1);
            }
        }
        Kind::String => {
            let s = v.as_str().expect("a string");
            assert_eq!(raw.len(), s.raw().len() + 2);
            check_str(&s);
        }
        Kind::Bool => {
            let b = v.as_bool().expect("a bool");
            assert_eq!(raw, if b { &b"true"[..] } else { b"false" });
        }
        Kind::Null => assert_eq!(raw, b"null"),
        Kind::Number => {
            assert!(is_json_number(raw), "bad number {raw:?}");
            let text = str::from_utf8(raw).expect("ASCII");
            assert!(text.parse::<f64>().is_ok());
        }
    }
}

fn check_str(s: &json::JsonStr<'_>) {
    let want = ref_unescape(s.raw());
    let got = unescaped(s);
    assert_eq!(got, want, "unescaping differs from the model");
    let text = str::from_utf8(&want).expect("unescaped strings are UTF-8");
    assert_eq!(s.unescaped_len(), want.len());
    assert!(s.eq_str(text));
    assert!(!s.eq_bytes(&[want.as_slice(), b"x"].concat()));
    if !want.is_empty() {
        assert!(!s.eq_bytes(&want[..want.len() - 1]));
    }
    let mut buf = vec![0u8; want.len()];
    assert_eq!(s.unescape_into(&mut buf), Ok(text));
    if !want.is_empty() {
        assert_eq!(
            s.unescape_into(&mut vec![0u8; want.len() - 1]),
            Err(Error::BufferTooSmall)
        );
    }
    assert_eq!(s.has_escapes(), s.raw().contains(&b'\\'));
    match s.as_plain_str() {
        Some(p) => assert_eq!(p.as_bytes(), s.raw()),
        None => assert!(s.has_escapes()),
    }
}

// ---------------------------------------------------------------------------------------------
// verify_envelope (structure-aware)
// ---------------------------------------------------------------------------------------------

struct SigSpec {
    bytes: Vec<u8>,
    form: B64,
    keyid: Option<String>,
    keyid_null: bool,
}

struct Case {
    trusted: Vec<usize>,
    keyids: Vec<Option<String>>,
    threshold: usize,
    payload_type: String,
    payload: Vec<u8>,
    payload_form: B64,
    sigs: Vec<SigSpec>,
    style: u8,
    short_scratch: bool,
    flip: u16,
    flip_xor: u8,
}

fn decode_case(data: &[u8]) -> Case {
    let mut inp = Input::new(data);
    let mask = inp.u8() as usize % (1 << POOL_LEN);
    let mask = if mask == 0 { 1 } else { mask };
    let rot = inp.u8() as usize;
    let mut trusted: Vec<usize> = (0..POOL_LEN).filter(|i| mask & (1 << i) != 0).collect();
    let r = rot % trusted.len();
    trusted.rotate_left(r);
    let keyids = trusted
        .iter()
        .map(|i| match inp.u8() % 3 {
            0 => None,
            1 => Some(format!("k{i}")),
            _ => Some("shared".into()),
        })
        .collect();
    let threshold = 1 + inp.u8() as usize % trusted.len();
    let payload_type = match inp.u8() % 5 {
        0 | 1 => IN_TOTO_PAYLOAD_TYPE.into(),
        2 => "text/plain".into(),
        3 => "application/x-other".into(),
        _ => String::from_utf8_lossy(inp.bytes(40)).into_owned(),
    };
    let payload = inp.bytes(600).to_vec();
    let payload_form = b64_form(inp.u8());
    let nsigs = 1 + inp.u8() as usize % 6;
    let mut sigs = Vec::new();
    for _ in 0..nsigs {
        let kind = inp.u8();
        let form = b64_form(kind >> 4);
        let signer = match kind % 8 {
            7 => None,
            k => Some(k as usize),
        };
        let raw = kind & 0x40 != 0;
        let mut bytes = match signer {
            Some(k) => pool()[k].sign(&payload_type, &payload, raw),
            None => inp.bytes(80).to_vec(),
        };
        let hint = inp.u8();
        let keyid = match hint % 4 {
            0 => None,
            1 => signer.map(|k| format!("k{k}")),
            2 => Some(format!("k{}", hint as usize % POOL_LEN)),
            _ => Some("shared".into()),
        };
        let corrupt = inp.u8();
        if corrupt.is_multiple_of(6) && !bytes.is_empty() {
            let at = usize::from(inp.u16()) % bytes.len();
            bytes[at] ^= 1 | (corrupt >> 3);
        }
        sigs.push(SigSpec {
            bytes,
            form,
            keyid,
            keyid_null: hint & 0x80 != 0,
        });
    }
    let style = inp.u8();
    let short_scratch = inp.u8().is_multiple_of(16);
    let flip = inp.u16();
    let flip_xor = inp.u8() | 1;
    Case {
        trusted,
        keyids,
        threshold,
        payload_type,
        payload,
        payload_form,
        sigs,
        style,
        short_scratch,
        flip,
        flip_xor,
    }
}

/// A JSON string literal with optional escaping of ordinary characters (`\/`, `\u00XX`).
fn json_str_styled(s: &str, escape: bool) -> String {
    if !escape {
        return testkit::json_string(s);
    }
    let mut out = String::from("\"");
    for (i, c) in s.chars().enumerate() {
        match c {
            '/' => out.push_str("\\/"),
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 || (i % 2 == 0 && c.is_ascii()) => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Renders the case's envelope; `style` bits choose escapes, whitespace, field order and extra
/// unknown fields (none of which may change the outcome).
fn render(case: &Case, payload_type: &str, payload: &[u8], sigs: &[SigSpec]) -> String {
    let st = case.style;
    let esc = st & 1 != 0;
    let ws = if st & 2 != 0 { " \n\t" } else { "" };
    let sig_objs: Vec<String> = sigs
        .iter()
        .map(|s| {
            let sig = format!(
                "\"sig\"{ws}:{ws}{}",
                json_str_styled(&testkit::b64(&s.bytes, s.form), esc)
            );
            let kid = match (&s.keyid, s.keyid_null) {
                (Some(k), _) => Some(format!("\"keyid\":{}", json_str_styled(k, esc))),
                (None, true) => Some("\"keyid\":null".into()),
                (None, false) => None,
            };
            match (kid, st & 4 != 0) {
                (Some(k), false) => format!("{{{k},{ws}{sig}}}"),
                (Some(k), true) => format!("{{{sig},{k},\"x\":[{{}}]}}"),
                (None, _) => format!("{{{sig}}}"),
            }
        })
        .collect();
    let fields = [
        format!(
            "\"payload\":{ws}{}",
            json_str_styled(&testkit::b64(payload, case.payload_form), esc)
        ),
        format!("\"payloadType\":{}", json_str_styled(payload_type, esc)),
        format!("\"signatures\":{ws}[{}]", sig_objs.join(&format!(",{ws}"))),
        "\"unknown\":{\"payload\":1,\"signatures\":[]}".into(),
    ];
    let order: &[usize] = match (st >> 3) % 4 {
        0 => &[0, 1, 2],
        1 => &[2, 1, 0],
        2 => &[1, 3, 2, 0],
        _ => &[3, 0, 2, 1],
    };
    let body: Vec<&str> = order.iter().map(|&i| fields[i].as_str()).collect();
    format!("{ws}{{{}}}{ws}", body.join(&format!(",{ws}")))
}

/// Model outcome: `Ok(bits)` (verifier key indices) or the error vouch must return.
fn model_verify(
    case: &Case,
    allowed: &[&str],
    payload_type: &str,
    payload: &[u8],
    sigs: &[SigSpec],
    short: bool,
) -> Result<u32, Error> {
    if !allowed.contains(&payload_type) {
        return Err(Error::PayloadTypeNotAllowed);
    }
    if short && !payload.is_empty() {
        return Err(Error::BufferTooSmall);
    }
    let pool = pool();
    let mut bits = 0u32;
    for s in sigs {
        if bits.count_ones() as usize >= case.threshold {
            break;
        }
        if s.bytes.len() > 72 {
            continue;
        }
        for (i, &k) in case.trusted.iter().enumerate() {
            if bits & (1 << i) == 0
                && pool[k].model_verifies(payload_type.as_bytes(), payload, &s.bytes)
            {
                bits |= 1 << i;
                break;
            }
        }
    }
    match bits.count_ones() as usize {
        0 => Err(Error::InvalidSignature),
        c if c < case.threshold => Err(Error::ThresholdNotMet),
        _ => Ok(bits),
    }
}

fn run_verify(
    verifier: &Verifier<'_>,
    doc: &str,
    payload_len: usize,
    short: bool,
) -> Result<(Vec<u8>, u32), Error> {
    let mut scratch = vec![
        0u8;
        if short {
            payload_len.saturating_sub(1)
        } else {
            payload_len
        }
    ];
    let got = verifier
        .verify(doc.as_bytes(), &mut scratch)
        .map(|v| (v.payload.to_vec(), v.keys.bits()));
    // The streaming path (no payload buffer) must reach the same verdict, keys and error
    // whenever the scratch was big enough; and the in-place decode must give the same payload.
    if !short {
        let streamed = vouch_core::Envelope::parse(doc.as_bytes())
            .and_then(|env| verifier.verify_parsed_streaming(&env))
            .map(|v| v.keys.bits());
        assert_eq!(
            streamed,
            got.as_ref().map(|(_, k)| *k).map_err(|e| *e),
            "streaming verification disagrees"
        );
    }
    if let Ok((payload, _)) = &got {
        let env = vouch_core::Envelope::parse(doc.as_bytes()).expect("verified, so it parses");
        if !env.payload.has_escapes() {
            let mut buf = env.payload.raw().to_vec();
            let n = base64::decode_in_place(&mut buf).expect("valid payload");
            assert_eq!(&buf[..n], &payload[..], "in-place decode differs");
        }
    }
    let (payload, keys) = got?;
    assert!(keys.count_ones() as usize >= verifier.threshold());
    Ok((payload, keys))
}

/// `verify_envelope`: envelopes with real signatures from the fixed pool (valid, corrupted,
/// garbage; any trusted subset, threshold, keyids, payload type, base64 forms and JSON styles)
/// against [`model_verify`]; then the round-trip invariants on every verified envelope:
/// re-encoded in the other base64 form and re-signed it verifies again, and a flipped signed
/// byte (payload or payload type) makes it fail.
pub fn check_verify(data: &[u8]) {
    let case = decode_case(data);
    let pool = pool();
    let trusted: Vec<TrustedKey<'_>> = case
        .trusted
        .iter()
        .zip(&case.keyids)
        .map(|(&k, id)| TrustedKey {
            key: pool[k].public.clone(),
            keyid: id.as_deref(),
        })
        .collect();
    let verifier = Verifier::new(&trusted, case.threshold, &ALLOWED_TYPES).expect("valid");
    let doc = render(&case, &case.payload_type, &case.payload, &case.sigs);
    let got = run_verify(&verifier, &doc, case.payload.len(), case.short_scratch);
    let want = model_verify(
        &case,
        &ALLOWED_TYPES,
        &case.payload_type,
        &case.payload,
        &case.sigs,
        case.short_scratch,
    );
    match (&got, &want) {
        (Ok((p, bits)), Ok(wbits)) => {
            assert_eq!(p, &case.payload, "verified payload differs");
            assert_eq!(bits, wbits, "verified key set differs from the model");
        }
        (Err(e), Err(w)) => assert_eq!(e, w, "error differs from the model"),
        _ => panic!("vouch {got:?}, model {want:?}; envelope {doc}"),
    }
    let Ok((_, bits)) = got else { return };

    // Re-encoded in the other base64 form and re-signed by the keys that verified.
    let mut env = EnvelopeBuilder::new(&case.payload_type, &case.payload);
    env.payload_b64 = other_form(case.payload_form);
    for (i, &k) in case.trusted.iter().enumerate() {
        if bits & (1 << i) != 0 {
            let sig = pool[k].sign(&case.payload_type, &case.payload, i % 2 == 0);
            env = env.sig(None, sig, other_form(b64_form(i as u8)));
        }
    }
    let again = run_verify(&verifier, &env.to_json(), case.payload.len(), false);
    assert_eq!(
        again.map(|(_, b)| b),
        Ok(bits),
        "re-signed envelope does not verify"
    );

    // Any change to the signed bytes makes it fail: a payload byte ...
    if !case.payload.is_empty() {
        let mut payload = case.payload.clone();
        let at = usize::from(case.flip) % payload.len();
        payload[at] ^= case.flip_xor;
        let doc = render(&case, &case.payload_type, &payload, &case.sigs);
        assert_eq!(
            run_verify(&verifier, &doc, payload.len(), false).err(),
            Some(Error::InvalidSignature),
            "flipped payload byte {at} still verifies"
        );
    }
    // ... or a payload type byte (the changed type allowed, so the signature is what fails).
    let mut pt = case.payload_type.clone().into_bytes();
    let at = usize::from(case.flip) % pt.len().max(1);
    if pt.get(at).is_some_and(|&c| (0x20..0x7f).contains(&c)) {
        pt[at] ^= 1;
        let pt = String::from_utf8(pt).expect("ASCII flip keeps UTF-8");
        let types = [pt.as_str()];
        let v2 = Verifier::new(&trusted, case.threshold, &types).expect("valid");
        let doc = render(&case, &pt, &case.payload, &case.sigs);
        let mut scratch = vec![0u8; case.payload.len()];
        let r = v2.verify(doc.as_bytes(), &mut scratch).map(|v| v.keys);
        assert_eq!(
            r.err(),
            Some(Error::InvalidSignature),
            "flipped payloadType byte {at} still verifies"
        );
    }
}

/// For other harnesses of the same inputs (`ffi_verify`): the case's trusted pool indices,
/// threshold, allowed payload types and rendered envelope, exactly as [`check_verify`] builds them.
pub fn case_envelope(data: &[u8]) -> (Vec<usize>, usize, [&'static str; 2], String) {
    let case = decode_case(data);
    let doc = render(&case, &case.payload_type, &case.payload, &case.sigs);
    (case.trusted, case.threshold, ALLOWED_TYPES, doc)
}

// ---------------------------------------------------------------------------------------------
// keyless: X.509 certificates and Sigstore trusted roots (vouch-core feature `keyless`)
// ---------------------------------------------------------------------------------------------

/// Whether `inner` lies inside `outer` (both borrowed from one buffer).
fn within(outer: &[u8], inner: &[u8]) -> bool {
    let (o, i) = (outer.as_ptr() as usize, inner.as_ptr() as usize);
    i >= o && i + inner.len() <= o + outer.len()
}

/// `x509_parse`: a refused certificate fails with a DER or certificate error (100-109); an
/// accepted one hands out only sub-slices of its input, each extension found at its offset in the
/// TBS and no OID twice, every accessor answers without panicking, and the input cut by one byte
/// or followed by one more is refused with the specific error.
pub fn check_certificate(data: &[u8]) {
    use vouch_core::x509::{Certificate, GeneralName, MAX_EXTENSIONS};
    let c = match Certificate::parse(data) {
        Ok(c) => c,
        Err(e) => {
            assert!(
                (100..=109).contains(&e.number()),
                "unexpected certificate error {e:?}"
            );
            return;
        }
    };
    assert_eq!(c.raw(), data);
    let tbs = c.tbs();
    assert!(within(data, tbs), "TBS outside the input");
    for part in [c.issuer(), c.subject(), c.spki(), c.serial()] {
        assert!(within(tbs, part), "a TBS field outside the TBS");
    }
    assert!(within(data, c.signature()) && !within(tbs, c.signature()));
    let exts: Vec<_> = c.extensions().collect();
    assert!(exts.len() <= MAX_EXTENSIONS);
    for (i, e) in exts.iter().enumerate() {
        assert_eq!(
            &tbs[e.offset..e.offset + e.raw.len()],
            e.raw,
            "extension offset"
        );
        assert!(
            exts[..i].iter().all(|o| o.oid != e.oid),
            "duplicate extension accepted"
        );
        assert_eq!(
            c.extension(e.oid).map(|x| x.raw),
            exts.iter().find(|x| x.oid == e.oid).map(|x| x.raw)
        );
    }
    for n in c.subject_alt_names() {
        if let GeneralName::Email(s) | GeneralName::Uri(s) | GeneralName::Dns(s) = n {
            assert!(s.is_ascii());
        }
    }
    assert_eq!(c.valid_at(c.not_before()), c.not_before() <= c.not_after());
    let _ = (
        c.signature_algorithm(),
        c.fulcio_issuer(),
        c.sct_list(),
        c.is_ca(),
    );
    for claim in 1..=22 {
        let _ = c.fulcio_claim(claim);
    }
    let _ = c.unknown_critical_extensions().count();
    let _ = c.extended_key_usages().count();
    if let Ok(k) = c.public_key() {
        let _ = c.verify_signed_by(&k);
    }
    assert_eq!(
        Certificate::parse(&data[..data.len() - 1]).err(),
        Some(Error::DerTruncated)
    );
    let mut longer = data.to_vec();
    longer.push(0);
    assert_eq!(
        Certificate::parse(&longer).err(),
        Some(Error::DerTrailingData)
    );
    check_keyless_leaf(&c);
}

/// The real production trusted root (its CAs issued most real leaves of the seeds).
const PRODUCTION_ROOT: &[u8] = include_bytes!(
    "../../tests/vectors/sigstore/trusted_roots/production-sigstore-go-testing.json"
);
/// The real staging trusted root (its TSA signed the real timestamps of the seeds).
const STAGING_ROOT: &[u8] =
    include_bytes!("../../tests/vectors/sigstore/trusted_roots/staging-sigstore-python.json");

fn keyless_error(e: Error) -> bool {
    (100..=179).contains(&e.number()) || e == Error::InvalidKey || e == Error::UnsupportedKeyType
}

/// Path (V3), SCTs (V4) and identity (V5) of any parsed certificate against the production
/// root: never a panic, only keyless errors, and a path that verifies implies the leaf rules.
fn check_keyless_leaf(c: &vouch_core::x509::Certificate<'_>) {
    use vouch_core::chain::{path_scratch_len, verify_leaf_path};
    use vouch_core::identity::{IdentityPolicy, Matcher, check_identity};
    use vouch_core::sct::verify_embedded_scts;
    use vouch_core::trusted_root::TrustedRoot;
    let mut s = vec![0u8; 4096];
    let root = TrustedRoot::parse(PRODUCTION_ROOT, &mut s).expect("the real root parses");
    let mut scratch = vec![0u8; path_scratch_len(&root)];
    let path = verify_leaf_path(c, &root, c.not_before(), &mut scratch);
    match path {
        Ok(p) => {
            assert!(c.valid_at(c.not_before()) && !c.is_ca() && c.has_code_signing_eku());
            assert!(c.unknown_critical_extensions().next().is_none());
            match verify_embedded_scts(c, &p.issuer_spki_sha256, &root) {
                Ok(n) => assert!(n >= 1),
                Err(e) => assert!(keyless_error(e), "unexpected SCT error {e:?}"),
            }
        }
        Err(e) => assert!(keyless_error(e), "unexpected path error {e:?}"),
    }
    if let Err(e) = verify_embedded_scts(c, &[0; 32], &root) {
        assert!(keyless_error(e), "unexpected SCT error {e:?}");
    }
    let any = |_: &str| true;
    let policy = IdentityPolicy {
        identity: Matcher::Custom(&any),
        issuer: Matcher::Custom(&any),
    };
    match check_identity(c, &policy) {
        Ok(m) => {
            let exact = IdentityPolicy {
                identity: Matcher::Exact(m.san.identity().expect("an identity form")),
                issuer: Matcher::Exact(m.issuer),
            };
            assert_eq!(check_identity(c, &exact).map(|x| x.issuer), Ok(m.issuer));
        }
        Err(e) => assert!(
            matches!(
                e,
                Error::IdentityMismatch | Error::MissingOidcIssuer | Error::IssuerMismatch
            ),
            "unexpected identity error {e:?}"
        ),
    }
}

/// `timestamp_verify`: the input is an RFC 3161 token, verified against the real staging root
/// with the two real bundle signatures its TSA timestamped. Never a panic; only keyless errors;
/// at most one signature's imprint matches; a verified time lies in its authority's window.
pub fn check_timestamp(data: &[u8]) {
    use base64ct::{Base64, Encoding};
    use vouch_core::timestamp::{timestamp_scratch_len, verify_timestamp};
    use vouch_core::trusted_root::TrustedRoot;
    let mut s = vec![0u8; 4096];
    let root = TrustedRoot::parse(STAGING_ROOT, &mut s).expect("the real root parses");
    let mut scratch = vec![0u8; timestamp_scratch_len(&root)];
    let mut verified = 0;
    for sig in [
        "MEUCIAZ6T8AUZSCBZaKJksLlSilNqEEOt4ZyGMGepUpKp7VGAiEAs/X0kMJTnEOuz/DLWxTL4wBVNkiWIUDF36EED70396A=",
        "MEUCIQCQQ11nsoTaO52/MC48g07mjATdxD86ywdu3NxJUjH7yAIgWGc+MR3eIAoWu8JE1QM2YDslpoFAzMVWpN115fCKuqg=",
    ] {
        let sig = Base64::decode_vec(sig).expect("base64");
        match verify_timestamp(data, &sig, &root, &mut scratch) {
            Ok(t) => {
                verified += 1;
                let auth = root
                    .timestamp_authorities()
                    .nth(t.authority_index)
                    .expect("the authority exists");
                assert!(auth.valid_for.contains(t.time));
            }
            Err(e) => assert!(
                keyless_error(e) && e != Error::BufferTooSmall,
                "unexpected timestamp error {e:?}"
            ),
        }
    }
    assert!(verified <= 1, "one token verified for two signatures");
    let _ = vouch_core::sct::parse_list(data).map(|l| l.count());
}

/// `trusted_root_parse`: a refused root fails with a JSON, base64, key, DER / certificate or
/// trusted-root error; an accepted one has only usable supported log keys, windows that do not
/// end before they start, logs found by their own ids, and certificates that decode again.
pub fn check_trusted_root(data: &[u8]) {
    use vouch_core::trusted_root::{LogKeyType, TrustedRoot};
    let mut scratch = vec![0u8; 4096];
    let root = match TrustedRoot::parse(data, &mut scratch) {
        Ok(r) => r,
        Err(e) => {
            assert!(
                (1..=5).contains(&e.number())
                    || matches!(
                        e,
                        Error::InvalidBase64
                            | Error::BufferTooSmall
                            | Error::InvalidKey
                            | Error::UnsupportedKeyType
                    )
                    || (100..=119).contains(&e.number()),
                "unexpected trusted root error {e:?}"
            );
            return;
        }
    };
    assert!(root.max_certificate_len() <= scratch.len());
    for log in root.tlogs().chain(root.ctlogs()) {
        assert!(log.valid_for.end.is_none_or(|e| e >= log.valid_for.start));
        let key = log.public_key();
        if log.key_type == LogKeyType::Unsupported {
            assert!(key.is_err());
        } else {
            key.expect("a validated supported log key");
        }
        let found = root
            .find_tlog(&log.log_id)
            .or_else(|| root.find_ctlog(&log.log_id))
            .expect("a log is found by its id");
        assert_eq!(found.log_id, log.log_id);
    }
    for auth in root
        .certificate_authorities()
        .chain(root.timestamp_authorities())
    {
        assert!(auth.valid_for.end.is_none_or(|e| e >= auth.valid_for.start));
        let n = auth.chain_len();
        assert!(n >= 1);
        for i in 0..n {
            auth.certificate(i, &mut scratch)
                .expect("a validated certificate");
        }
        assert!(auth.certificate(n, &mut scratch).is_err());
    }
}

/// `bundle_parse`: a refused bundle fails with a JSON, base64, hash-algorithm or bundle error
/// (120–149); an accepted one keeps its bounds (1–32 tlog entries, at most 32 timestamps, at
/// most 64 hashes per proof, each decoding to 32 bytes), the version rules hold for every entry,
/// and `keyless::scratch_len` answers for it against a real trusted root.
pub fn check_bundle_parse(data: &[u8]) {
    use vouch_core::bundle::{
        Bundle, BundleVersion, MAX_PROOF_HASHES, MAX_TIMESTAMPS, MAX_TLOG_ENTRIES,
    };
    let b = match Bundle::parse(data) {
        Ok(b) => b,
        Err(e) => {
            assert!(
                (1..=5).contains(&e.number())
                    || matches!(e, Error::InvalidBase64 | Error::UnsupportedHashAlgorithm)
                    || (120..=149).contains(&e.number()),
                "unexpected bundle error {e:?}"
            );
            return;
        }
    };
    assert!((1..=MAX_TLOG_ENTRIES).contains(&b.tlog_len()));
    assert_eq!(b.tlog_entries().count(), b.tlog_len());
    assert!(b.timestamp_len() <= MAX_TIMESTAMPS);
    assert_eq!(b.timestamps().count(), b.timestamp_len());
    for e in b.tlog_entries() {
        assert!(!e.log_id.as_bytes().is_empty() && e.log_id.as_bytes().len() <= 32);
        match b.version {
            BundleVersion::V0_1 => assert!(e.inclusion_promise.is_some()),
            _ => assert!(e.inclusion_proof.is_some()),
        }
        if e.inclusion_promise.is_some() {
            assert!(e.integrated_time.is_some());
        }
        if let Some(p) = e.inclusion_proof {
            assert!(p.hash_count <= MAX_PROOF_HASHES);
            assert_eq!(p.hashes().count(), p.hash_count);
        }
    }
    let root = real_root();
    let mut scratch = vec![0u8; 8192];
    let root = vouch_core::trusted_root::TrustedRoot::parse(root, &mut scratch).expect("real root");
    if let Ok(n) = vouch_core::keyless::scratch_len(data, &root) {
        assert!(
            n <= 4 * data.len() + 16 * 1024,
            "scratch {n} for {} bytes",
            data.len()
        );
    }
}

/// `checkpoint_parse`: a refused note fails with `checkpoint-malformed`; an accepted one has a
/// signed text ending in a newline that is a prefix of the note, at least one signature line,
/// and checking it against a real log key (v1 ECDSA and v2 Ed25519) never panics.
pub fn check_checkpoint_parse(data: &[u8]) {
    use vouch_core::rekor::{self, Checkpoint};
    let cp = match Checkpoint::parse(data) {
        Ok(c) => c,
        Err(e) => {
            assert_eq!(e, Error::CheckpointMalformed);
            return;
        }
    };
    let text = cp.signed_text();
    assert!(data.starts_with(text) && text.ends_with(b"\n"));
    assert!(data.get(text.len()) == Some(&b'\n'));
    assert!(cp.signatures().count() >= 1);
    assert!(!cp.origin.is_empty());
    let root = real_root();
    let mut scratch = vec![0u8; 8192];
    let root = vouch_core::trusted_root::TrustedRoot::parse(root, &mut scratch).expect("real root");
    for log in root.tlogs() {
        if let Ok(key) = log.public_key() {
            let r = rekor::verify_checkpoint(&cp, &log, &key);
            assert!(matches!(
                r,
                Ok(()) | Err(Error::CheckpointSignatureInvalid) | Err(Error::CheckpointMismatch)
            ));
        }
    }
}

/// The staging trusted root of the real vectors (Rekor v1 and v2 logs, CAs, a TSA).
fn real_root() -> &'static [u8] {
    include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/vectors/sigstore/trusted_roots/staging-sigstore-python.json"
    ))
}

/// `bundle_verify`: a valid real bundle (v0.3, staging, message signature) changed by the fuzz
/// input (byte flips, sets, inserts, deletes) goes through the whole keyless verification:
/// never a panic; with no change it verifies; whatever verifies still names the same identity,
/// issuer and trusted time.
pub fn check_bundle_verify(data: &[u8]) {
    use vouch_core::identity::{IdentityPolicy, Matcher};
    use vouch_core::keyless::{self, Options, Policy};
    let original: &[u8] = include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/vectors/sigstore/cases/py--bundle-v03-staging/bundle.sigstore.json"
    ));
    let mut bundle = original.to_vec();
    let mut input = Input::new(data);
    let ops = input.u8() % 8;
    for _ in 0..ops {
        if bundle.is_empty() {
            break;
        }
        let pos = usize::from(input.u16()) % bundle.len();
        let v = input.u8();
        match input.u8() % 4 {
            0 => bundle[pos] ^= 1 << (v % 8),
            1 => bundle[pos] = v,
            2 => {
                bundle.remove(pos);
            }
            _ => bundle.insert(pos, v),
        }
    }
    let mut scratch = vec![0u8; 8192];
    let root =
        vouch_core::trusted_root::TrustedRoot::parse(real_root(), &mut scratch).expect("real root");
    let mut digest = ArtifactDigest::default();
    let mut d = [0u8; 32];
    for (i, o) in d.iter_mut().enumerate() {
        let h = "5e6ae9de58c1177bea615b4fcbfb2fd688e8c4b51c2e56b6a38e817833ec24a2";
        *o = u8::from_str_radix(&h[2 * i..2 * i + 2], 16).expect("hex");
    }
    digest.sha256 = Some(d);
    let options = Options {
        policy: Policy::Identity(IdentityPolicy {
            identity: Matcher::Exact("william@yossarian.net"),
            issuer: Matcher::Exact("https://github.com/login/oauth"),
        }),
        artifact: &digest,
        predicate_type: None,
        builder_id: None,
    };
    let need = keyless::scratch_len(&bundle, &root).unwrap_or(0);
    let mut work = vec![0u8; need];
    match keyless::verify_bundle(&bundle, &root, &options, &mut work) {
        Ok(v) => {
            let id = v.identity.expect("an identity");
            assert_eq!(id.san.identity(), Some("william@yossarian.net"));
            assert_eq!(id.issuer, "https://github.com/login/oauth");
            assert_eq!(v.times.count, 1);
            assert_eq!(v.times.earliest.map(|t| t.time), Some(1_712_085_549));
        }
        Err(e) => assert!(bundle != original, "the valid bundle failed: {e:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// backend_differential
// ---------------------------------------------------------------------------------------------

/// The order `L` of Ed25519's base point, little-endian.
const ED25519_L: [u8; 32] = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
];

/// Encodings of points that Ed25519 must refuse as `R` or `A`: small-order points (the
/// identity, the point of order 2, one of order 4 and one of order 8) and non-canonical `y`
/// (`p`, `p + 1`: `y >= p`).
const ED25519_BAD_POINTS: [[u8; 32]; 6] = {
    let mut p = [[0u8; 32]; 6];
    p[0][0] = 1; // identity
    let mut i = 0;
    while i < 32 {
        p[1][i] = 0xff; // y = -1 (order 2): p - 1 = 0x7fff..ffec
        p[4][i] = 0xff; // y = p: non-canonical 0
        p[5][i] = 0xff; // y = p + 1: non-canonical 1
        i += 1;
    }
    p[1][0] = 0xec;
    p[1][31] = 0x7f;
    // (0, 1)'s order-4 neighbours have y = 0.
    p[2][0] = 0;
    // An order-8 point (y = 0x2632...c7a5e05fac5: the standard small-order table's entry).
    p[3] = [
        0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67,
        0x0f, 0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac,
        0x03, 0x7a,
    ];
    p[4][0] = 0xed;
    p[4][31] = 0x7f;
    p[5][0] = 0xee;
    p[5][31] = 0x7f;
    p
};

/// Corrupts `sig` as choice `how` says (0: left alone), reading positions and bytes from `input`.
/// `n` is the curve order (big-endian) for the ECDSA boundary cases.
fn corrupt(sig: &mut Vec<u8>, how: u8, input: &mut Input<'_>, half: usize, n: &[u8]) {
    let pos = usize::from(input.u16());
    match how % 8 {
        0 => {}
        1 if !sig.is_empty() => {
            let i = pos % sig.len();
            sig[i] ^= 1 << (input.u8() % 8);
        }
        2 => *sig = input.bytes(2 * half + 16).to_vec(),
        3 if sig.len() == 2 * half => {
            // r or s set to 0, 1, n - 1, n, n + 1 or all ones.
            let at = if pos % 2 == 0 { 0 } else { half };
            let field = &mut sig[at..at + half];
            match input.u8() % 6 {
                0 => field.fill(0),
                1 => {
                    field.fill(0);
                    field[half - 1] = 1;
                }
                2 => {
                    field.copy_from_slice(n);
                    field[half - 1] = field[half - 1].wrapping_sub(1);
                }
                3 => field.copy_from_slice(n),
                4 => {
                    field.copy_from_slice(n);
                    field[half - 1] = field[half - 1].wrapping_add(1);
                }
                _ => field.fill(0xff),
            }
        }
        4 if !sig.is_empty() => sig.truncate(pos % sig.len()),
        5 => sig.extend_from_slice(input.bytes(8)),
        _ => {}
    }
}

/// `backend_differential`: with the host backend (vouch-core feature `fast`: AWS-LC for ECDSA,
/// curve25519-dalek + sha2 for Ed25519), vouch's verdict on a signature equals RustCrypto's
/// (p256 / p384) or ed25519-compact's own, for keys derived from the input, messages from the
/// input, genuine signatures and signatures corrupted in the ways signature bugs hide (bit
/// flips, random bytes, `r`/`s` at the range boundaries, truncation, trailing bytes; for Ed25519
/// also `S + L`, and small-order or non-canonical `R`), over both signature encodings and every
/// prehash length keyless uses. Returns the verdict (the same on both sides).
pub fn check_backend(data: &[u8]) -> bool {
    let mut input = Input::new(data);
    let alg = input.u8() % 3;
    let seed: [u8; 32] = core::array::from_fn(|_| input.u8());
    let how = input.u8();
    let flags = input.u8();
    let msg = input.bytes(4096).to_vec();
    match alg {
        0 => check_backend_p256(&seed, how, flags, &msg, &mut input),
        1 => check_backend_p384(&seed, how, flags, &msg, &mut input),
        _ => check_backend_ed25519(&seed, how, flags, &msg, &mut input),
    }
}

/// A scalar from `seed` for curve order `n`: the seed when it is in `1..n`, else a SHA-256 chain.
fn scalar_seed(seed: &[u8; 32], ok: impl Fn(&[u8]) -> bool) -> Vec<u8> {
    let mut s = seed.to_vec();
    while !ok(&s) {
        s = Sha256::digest(&s).to_vec();
    }
    s
}

fn check_backend_p256(
    seed: &[u8; 32],
    how: u8,
    flags: u8,
    msg: &[u8],
    input: &mut Input<'_>,
) -> bool {
    use p256::ecdsa::signature::hazmat::{PrehashSigner, PrehashVerifier};
    use p256::ecdsa::{Signature, SigningKey};
    const N: [u8; 32] = [
        0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63,
        0x25, 0x51,
    ];
    let sk = SigningKey::from_slice(&scalar_seed(seed, |s| SigningKey::from_slice(s).is_ok()))
        .expect("valid scalar");
    let vk = *sk.verifying_key();
    let digest: [u8; 32] = Sha256::digest(msg).into();
    let sig: Signature = sk.sign_prehash(&digest).expect("signs");
    let mut bytes = if flags & 1 == 0 {
        sig.to_bytes().to_vec()
    } else {
        sig.to_der().as_bytes().to_vec()
    };
    corrupt(&mut bytes, how, input, 32, &N);
    let mut message = msg.to_vec();
    if flags & 2 != 0 {
        message.push(0);
    }
    let reference = if bytes.len() == 64 {
        Signature::from_slice(&bytes)
    } else {
        Signature::from_der(&bytes)
    }
    .is_ok_and(|s| {
        vk.verify_prehash(&<[u8; 32]>::from(Sha256::digest(&message)), &s)
            .is_ok()
    });
    let public = PublicKey::parse(vk.to_sec1_point(flags & 4 != 0).as_bytes()).expect("P-256 key");
    let ours = vouch_core::hazmat::verify_raw(&public, &message, &bytes);
    assert_eq!(ours, reference, "P-256 verdicts differ: sig {bytes:02x?}");
    // The DSSE path (prepared and plain verifier) agrees too.
    let mut pre = None;
    assert_eq!(
        vouch_core::hazmat::verify_pae(&public, b"t", &message, &bytes, &mut pre),
        {
            let m = ref_pae(b"t", &message);
            if bytes.len() == 64 {
                Signature::from_slice(&bytes)
            } else {
                Signature::from_der(&bytes)
            }
            .is_ok_and(|s| {
                vk.verify_prehash(&<[u8; 32]>::from(Sha256::digest(&m)), &s)
                    .is_ok()
            })
        },
        "P-256 PAE verdicts differ"
    );
    // A key carrying the backend's parse of itself (`PublicKey::prepared`) agrees too.
    let mut pre = None;
    assert_eq!(
        vouch_core::hazmat::verify_pae(
            &public.clone().prepared(),
            b"t",
            &message,
            &bytes,
            &mut pre
        ),
        vouch_core::hazmat::verify_pae(&public, b"t", &message, &bytes, &mut None),
        "prepared P-256 key differs"
    );
    #[cfg(feature = "keyless")]
    {
        let key = vouch_core::pkix::VerifyKey::p256_from_sec1(vk.to_sec1_point(false).as_bytes())
            .expect("P-256 key");
        let enc = if bytes.len() == 64 {
            vouch_core::pkix::SigEncoding::P1363
        } else {
            vouch_core::pkix::SigEncoding::Der
        };
        let d = Sha256::digest(&message);
        assert_eq!(
            key.verify_prehash(&d, &bytes, enc),
            reference,
            "pkix P-256 differs"
        );
    }
    reference
}

#[cfg(feature = "keyless")]
fn check_backend_p384(
    seed: &[u8; 32],
    how: u8,
    flags: u8,
    msg: &[u8],
    input: &mut Input<'_>,
) -> bool {
    use p384::ecdsa::signature::hazmat::{PrehashSigner, PrehashVerifier};
    use p384::ecdsa::{Signature, SigningKey};
    use vouch_core::pkix::{SigEncoding, VerifyKey};
    const N: [u8; 48] = [
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xc7, 0x63, 0x4d, 0x81, 0xf4, 0x37,
        0x2d, 0xdf, 0x58, 0x1a, 0x0d, 0xb2, 0x48, 0xb0, 0xa7, 0x7a, 0xec, 0xec, 0x19, 0x6a, 0xcc,
        0xc5, 0x29, 0x73,
    ];
    let mut wide = seed.to_vec();
    wide.extend_from_slice(&seed[..16]);
    let ok = |s: &[u8]| SigningKey::from_slice(s).is_ok();
    while !ok(&wide) {
        let mut next = Sha256::digest(&wide).to_vec();
        next.extend_from_slice(&wide[..16]);
        wide = next;
    }
    let sk = SigningKey::from_slice(&wide).expect("valid scalar");
    let vk = *sk.verifying_key();
    let digest: Vec<u8> = match flags >> 4 & 3 {
        0 => sha2::Sha256::digest(msg).to_vec(),
        1 => sha2::Sha512::digest(msg).to_vec(),
        _ => sha2::Sha384::digest(msg).to_vec(),
    };
    let sig: Signature = sk.sign_prehash(&digest).expect("signs");
    let (mut bytes, enc) = if flags & 1 == 0 {
        (sig.to_bytes().to_vec(), SigEncoding::P1363)
    } else {
        (sig.to_der().as_bytes().to_vec(), SigEncoding::Der)
    };
    corrupt(&mut bytes, how, input, 48, &N);
    let mut d = digest.clone();
    if flags & 2 != 0 {
        d[0] ^= 0x80;
    }
    let reference = match enc {
        SigEncoding::P1363 => Signature::from_slice(&bytes),
        SigEncoding::Der => Signature::from_der(&bytes),
    }
    .is_ok_and(|s| vk.verify_prehash(&d, &s).is_ok());
    let key =
        VerifyKey::p384_from_sec1(vk.to_sec1_point(flags & 4 != 0).as_bytes()).expect("P-384 key");
    assert_eq!(
        key.verify_prehash(&d, &bytes, enc),
        reference,
        "P-384 verdicts differ: digest {} bytes, sig {bytes:02x?}",
        d.len()
    );
    reference
}

#[cfg(not(feature = "keyless"))]
fn check_backend_p384(_: &[u8; 32], _: u8, _: u8, _: &[u8], _: &mut Input<'_>) -> bool {
    false
}

fn check_backend_ed25519(
    seed: &[u8; 32],
    how: u8,
    flags: u8,
    msg: &[u8],
    input: &mut Input<'_>,
) -> bool {
    // ed25519-compact refuses the all-zero seed (found by this target): use 1 instead.
    let mut seed = *seed;
    if seed == [0; 32] {
        seed[0] = 1;
    }
    let kp = ed25519_compact::KeyPair::from_seed(ed25519_compact::Seed::new(seed));
    let mut bytes = kp.sk.sign(msg, None).to_vec();
    match how % 12 {
        // S + L: the same scalar, not canonical.
        8 => {
            let mut carry = 0u16;
            for (b, l) in bytes[32..].iter_mut().zip(ED25519_L) {
                let v = u16::from(*b) + u16::from(l) + carry;
                *b = v as u8;
                carry = v >> 8;
            }
        }
        // R replaced by a small-order or non-canonical encoding.
        9 | 10 => {
            let p = ED25519_BAD_POINTS[usize::from(input.u8()) % ED25519_BAD_POINTS.len()];
            bytes[..32].copy_from_slice(&p);
        }
        11 => bytes[63] |= 0xe0,
        // (Ed25519's S is little-endian; the boundaries are then just more corrupted values.)
        _ => corrupt(&mut bytes, how, input, 32, &ED25519_L),
    }
    let mut message = msg.to_vec();
    if flags & 2 != 0 {
        message.push(0);
    }
    // A small-order or non-canonical public key: refused by both at parse time.
    let pk_bytes = if flags & 0x40 != 0 {
        ED25519_BAD_POINTS[usize::from(flags >> 3) % ED25519_BAD_POINTS.len()]
    } else {
        *kp.pk
    };
    let pk = ed25519_compact::PublicKey::new(pk_bytes);
    let Ok(public) = PublicKey::parse(&pk_bytes) else {
        assert!(pk.validate().is_err(), "vouch refused a valid Ed25519 key");
        return false;
    };
    assert!(
        pk.validate().is_ok(),
        "vouch accepted an invalid Ed25519 key"
    );
    let reference = ed25519_compact::Signature::from_slice(&bytes)
        .is_ok_and(|s| pk.verify(&message, &s).is_ok());
    assert_eq!(
        vouch_core::hazmat::verify_raw(&public, &message, &bytes),
        reference,
        "Ed25519 verdicts differ: sig {bytes:02x?}"
    );
    let mut pre = None;
    let m = ref_pae(b"t", &message);
    let pae_ref =
        ed25519_compact::Signature::from_slice(&bytes).is_ok_and(|s| pk.verify(&m, &s).is_ok());
    assert_eq!(
        vouch_core::hazmat::verify_pae(&public, b"t", &message, &bytes, &mut pre),
        pae_ref,
        "Ed25519 PAE verdicts differ"
    );
    #[cfg(feature = "keyless")]
    {
        let key = vouch_core::pkix::VerifyKey::ed25519_from_raw(&pk_bytes).expect("Ed25519 key");
        assert_eq!(
            key.verify_message(
                vouch_core::pkix::HashAlgorithm::Sha256,
                &message,
                &bytes,
                vouch_core::pkix::SigEncoding::Der
            ),
            reference,
            "pkix Ed25519 differs"
        );
    }
    reference
}
