//! Sigstore trusted roots: the four real snapshots in `tests/vectors/sigstore/trusted_roots/`
//! and refusals made by editing them (keyless check V1, `docs/keyless.md`).
#![cfg(feature = "keyless")]

use base64ct::{Base64, Encoding};
use serde_json::{Value, json};
use sha2::Digest;
use vouch_core::Error;
use vouch_core::pkix::KeyAlgorithm;
use vouch_core::trusted_root::{LogKeyType, TrustedRoot, Window};

const DIR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/vectors/sigstore/trusted_roots/"
);
const SNAPSHOTS: [&str; 4] = [
    "production-sigstore-go-testing.json",
    "production-sigstore-python.json",
    "scaffolding-sigstore-go-testing.json",
    "staging-sigstore-python.json",
];

fn load(name: &str) -> Vec<u8> {
    std::fs::read(format!("{DIR}{name}")).unwrap()
}

fn json_of(name: &str) -> Value {
    serde_json::from_slice(&load(name)).unwrap()
}

fn parse(doc: &[u8]) -> Result<TrustedRoot<'_>, Error> {
    let mut scratch = vec![0u8; 4096];
    TrustedRoot::parse(doc, &mut scratch)
}

/// Parses a root edited by `f` (from the staging snapshot, the richest one).
fn edited(f: impl FnOnce(&mut Value)) -> Result<(), Error> {
    edited_from("staging-sigstore-python.json", f)
}

fn edited_from(name: &str, f: impl FnOnce(&mut Value)) -> Result<(), Error> {
    let mut v = json_of(name);
    f(&mut v);
    let bytes = serde_json::to_vec(&v).unwrap();
    parse(&bytes).map(|_| ())
}

fn len(v: &Value, key: &str) -> usize {
    v[key].as_array().map_or(0, |a| a.len())
}

#[test]
fn real_snapshots_parse() {
    for name in SNAPSHOTS {
        let doc = load(name);
        let v = json_of(name);
        let root = parse(&doc).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert_eq!(root.tlogs().count(), len(&v, "tlogs"), "{name}");
        assert_eq!(root.ctlogs().count(), len(&v, "ctlogs"), "{name}");
        assert_eq!(
            root.certificate_authorities().count(),
            len(&v, "certificateAuthorities"),
            "{name}"
        );
        assert_eq!(
            root.timestamp_authorities().count(),
            len(&v, "timestampAuthorities"),
            "{name}"
        );
        assert!(root.max_certificate_len() > 400, "{name}");
        // Every log is found by its id, and its key is what keyDetails says.
        for log in root.tlogs().chain(root.ctlogs()) {
            let found = root
                .find_tlog(&log.log_id)
                .or_else(|| root.find_ctlog(&log.log_id))
                .unwrap();
            assert_eq!(found.log_id, log.log_id);
            match (log.key_type, log.public_key()) {
                (LogKeyType::EcdsaP256Sha256, Ok(k)) => {
                    assert_eq!(k.algorithm(), KeyAlgorithm::EcdsaP256);
                    // RFC 6962 / Rekor v1 log id: SHA-256 of the PKIX DER key.
                    let mut der = [0u8; 128];
                    let n = log.public_key_der(&mut der).unwrap();
                    assert_eq!(sha2::Sha256::digest(&der[..n])[..], log.log_id[..]);
                }
                (LogKeyType::Ed25519, Ok(k)) => assert_eq!(k.algorithm(), KeyAlgorithm::Ed25519),
                (LogKeyType::Unsupported, Err(Error::RsaUnsupported)) => {
                    assert!(name.starts_with("staging"), "{name}")
                }
                other => panic!("{name}: {other:?}"),
            }
        }
    }
}

#[test]
fn windows_and_lookups() {
    let doc = load("production-sigstore-go-testing.json");
    let root = parse(&doc).unwrap();
    let cas: Vec<_> = root.certificate_authorities().collect();
    // "2021-03-07T03:20:29.000Z" .. "2022-12-31T23:59:59.999Z" (fraction rounded inwards).
    assert_eq!(
        cas[0].valid_for,
        Window {
            start: 1_615_087_229,
            end: Some(1_672_531_199)
        }
    );
    // "2022-04-13T20:06:15.000Z", open.
    assert_eq!(
        cas[1].valid_for,
        Window {
            start: 1_649_880_375,
            end: None
        }
    );
    let w = cas[0].valid_for;
    assert!(w.contains(w.start) && w.contains(w.end.unwrap()));
    assert!(!w.contains(w.start - 1) && !w.contains(w.end.unwrap() + 1));
    assert!(cas[1].valid_for.contains(i64::MAX));
    assert_eq!(cas[1].chain_len(), 2);
    assert!(cas[0].uri.unwrap().eq_str("https://fulcio.sigstore.dev"));
    // Rekor v1 production key id.
    let id = Base64::decode_vec("wNI9atQGlz+VWfO6LRygH4QUfY/8W4RFwiT5i5WRgB0=").unwrap();
    let rekor = root.find_tlog(&id).unwrap();
    assert!(rekor.base_url.eq_str("https://rekor.sigstore.dev"));
    assert_eq!(rekor.valid_for.start, 1_610_452_407);
    assert!(root.find_ctlog(&id).is_none());
    assert!(root.find_tlog(&[0u8; 32]).is_none());
}

/// Every chain of every snapshot, read through the trusted root's own accessors, verifies link
/// by link (intermediate under root), and the root under itself.
#[test]
fn chains_verify_through_the_root() {
    let mut links = 0;
    for name in SNAPSHOTS {
        let doc = load(name);
        let root = parse(&doc).unwrap();
        for auth in root
            .certificate_authorities()
            .chain(root.timestamp_authorities())
        {
            let n = auth.chain_len();
            for i in 0..n {
                let (mut a, mut b) = (vec![0u8; 4096], vec![0u8; 4096]);
                let child = auth.certificate(i, &mut a).unwrap();
                let parent = auth.certificate((i + 1).min(n - 1), &mut b).unwrap();
                match child.verify_issued_by(&parent) {
                    Ok(()) => links += 1,
                    Err(Error::RsaUnsupported) => assert!(name.starts_with("scaffolding")),
                    Err(e) => panic!("{name}: {e:?}"),
                }
            }
            assert_eq!(
                auth.certificate(n, &mut [0u8; 4096]).err(),
                Some(Error::TrustedRootMalformed)
            );
        }
    }
    // production (go): 1 + 2 + 3; production (python): 1 + 2 + 2; staging: 2 + 2; scaffolding: RSA.
    assert_eq!(links, 15);
}

#[test]
fn rekor_v2_log_ids_are_signed_note_key_ids() {
    let doc = load("staging-sigstore-python.json");
    let root = parse(&doc).unwrap();
    let mut v2 = 0;
    for log in root.tlogs().filter(|l| l.key_type == LogKeyType::Ed25519) {
        let mut der = [0u8; 128];
        let n = log.public_key_der(&mut der).unwrap();
        assert_ne!(sha2::Sha256::digest(&der[..n])[..], log.log_id[..]);
        let url = std::str::from_utf8(log.base_url.raw()).unwrap();
        let mut h = sha2::Sha256::new();
        h.update(url.strip_prefix("https://").unwrap());
        h.update([0x0a, 0x01]);
        h.update(&der[n - 32..n]);
        assert_eq!(h.finalize()[..], log.log_id[..]);
        v2 += 1;
    }
    assert_eq!(v2, 3);
    // Another origin: the id no longer matches.
    assert_eq!(
        edited(|v| v["tlogs"][1]["baseUrl"] = json!("https://log2025-alpha1.rekor.example")),
        Err(Error::LogIdMismatch)
    );
    // A trailing slash on the base URL is not part of the origin.
    assert_eq!(
        edited(|v| v["tlogs"][1]["baseUrl"] = json!("https://log2025-alpha1.rekor.sigstage.dev/")),
        Ok(())
    );
}

#[test]
fn checkpoint_key_id_is_read_and_found() {
    let doc = serde_json::to_vec(&{
        let mut v = json_of("production-sigstore-python.json");
        v["tlogs"][1]["checkpointKeyId"] = json!({"keyId": Base64::encode_string(&[1, 2, 3, 4])});
        v
    })
    .unwrap();
    let root = parse(&doc).unwrap();
    let log = root.find_tlog(&[1, 2, 3, 4]).unwrap();
    assert_eq!(log.checkpoint_key_id.unwrap().as_bytes(), &[1, 2, 3, 4]);
    assert!(log.base_url.eq_str("https://log2025-1.rekor.sigstore.dev"));
    assert!(root.find_ctlog(&[1, 2, 3, 4]).is_none());
    assert_eq!(
        edited_from("production-sigstore-python.json", |v| {
            v["tlogs"][1]["checkpointKeyId"] = json!({"keyId": ""})
        }),
        Err(Error::TrustedRootMalformed)
    );
}

#[test]
fn validity_windows_need_a_start() {
    assert_eq!(
        edited(|v| {
            v["tlogs"][0]["publicKey"]["validFor"]
                .as_object_mut()
                .unwrap()
                .remove("start");
        }),
        Err(Error::TrustedRootMissingStart)
    );
    assert_eq!(
        edited(|v| {
            v["ctlogs"][1]["publicKey"]
                .as_object_mut()
                .unwrap()
                .remove("validFor");
        }),
        Err(Error::TrustedRootMissingStart)
    );
    assert_eq!(
        edited(|v| {
            v["certificateAuthorities"][0]
                .as_object_mut()
                .unwrap()
                .remove("validFor");
        }),
        Err(Error::TrustedRootMissingStart)
    );
    assert_eq!(
        edited(|v| {
            v["timestampAuthorities"][0]["validFor"] = json!({"end": "2030-01-01T00:00:00Z"});
        }),
        Err(Error::TrustedRootMissingStart)
    );
}

#[test]
fn bad_times() {
    for (start, end, err) in [
        ("2022-04-14T21:38:40", None, Error::TrustedRootInvalidTime),
        ("2022-04-14 21:38:40Z", None, Error::TrustedRootInvalidTime),
        ("2022-02-30T21:38:40Z", None, Error::TrustedRootInvalidTime),
        (
            "2022-04-14T21:38:40Z",
            Some("2022-04-14T21:38:39Z"),
            Error::TrustedRootInvalidTime,
        ),
    ] {
        assert_eq!(
            edited(|v| {
                let mut w = json!({"start": start});
                if let Some(e) = end {
                    w["end"] = json!(e);
                }
                v["certificateAuthorities"][0]["validFor"] = w;
            }),
            Err(err),
            "{start} {end:?}"
        );
    }
    // A one-second window is fine (closed at both ends).
    assert_eq!(
        edited(|v| {
            v["certificateAuthorities"][0]["validFor"] =
                json!({"start": "2022-04-14T21:38:40Z", "end": "2022-04-14T21:38:40Z"});
        }),
        Ok(())
    );
    assert_eq!(
        edited(|v| v["certificateAuthorities"][0]["validFor"]["start"] = json!(1650000000)),
        Err(Error::TrustedRootMalformed)
    );
}

#[test]
fn log_refusals() {
    // logId of another log.
    assert_eq!(
        edited(|v| v["ctlogs"][1]["logId"] = v["ctlogs"][2]["logId"].clone()),
        Err(Error::LogIdMismatch)
    );
    // Two logs with one id (and one key): ambiguous.
    assert_eq!(
        edited(|v| {
            let l = v["tlogs"][0].clone();
            v["tlogs"].as_array_mut().unwrap().push(l);
        }),
        Err(Error::TrustedRootMalformed)
    );
    // A P-256 key labelled Ed25519 or P-384; an Ed25519 key labelled P-256.
    assert_eq!(
        edited(|v| v["tlogs"][0]["publicKey"]["keyDetails"] = json!("PKIX_ED25519")),
        Err(Error::KeyDetailsMismatch)
    );
    assert_eq!(
        edited(|v| v["tlogs"][0]["publicKey"]["keyDetails"] = json!("PKIX_ECDSA_P384_SHA_384")),
        Err(Error::KeyDetailsMismatch)
    );
    assert_eq!(
        edited(|v| v["tlogs"][1]["publicKey"]["keyDetails"] = json!("PKIX_ECDSA_P256_SHA_256")),
        Err(Error::KeyDetailsMismatch)
    );
    // Hash algorithm.
    assert_eq!(
        edited(|v| v["tlogs"][0]["hashAlgorithm"] = json!("SHA2_384")),
        Err(Error::UnsupportedHashAlgorithm)
    );
    assert_eq!(
        edited(|v| {
            v["ctlogs"][0]
                .as_object_mut()
                .unwrap()
                .remove("hashAlgorithm");
        }),
        Err(Error::UnsupportedHashAlgorithm)
    );
    // A logId that is not 32 bytes, a key that is not base64, a key that is not a key.
    assert_eq!(
        edited(|v| v["tlogs"][0]["logId"]["keyId"] = json!("AAAA")),
        Err(Error::TrustedRootMalformed)
    );
    assert_eq!(
        edited(|v| v["tlogs"][0]["publicKey"]["rawBytes"] = json!("not base64!")),
        Err(Error::InvalidBase64)
    );
    assert_eq!(
        edited(|v| v["ctlogs"][0]["publicKey"]["rawBytes"] = json!("not base64!")),
        Err(Error::InvalidBase64)
    );
    assert_eq!(
        edited(|v| v["tlogs"][0]["publicKey"]["rawBytes"] = json!("MAA=")),
        Err(Error::DerUnexpectedTag)
    );
    // A P-256 point off the curve (last byte changed).
    assert_eq!(
        edited(|v| {
            let mut k =
                Base64::decode_vec(v["tlogs"][0]["publicKey"]["rawBytes"].as_str().unwrap())
                    .unwrap();
            *k.last_mut().unwrap() ^= 1;
            v["tlogs"][0]["publicKey"]["rawBytes"] = json!(Base64::encode_string(&k));
        }),
        Err(Error::InvalidKey)
    );
    // Missing fields.
    for field in ["baseUrl", "publicKey", "logId"] {
        assert_eq!(
            edited(|v| {
                v["tlogs"][0].as_object_mut().unwrap().remove(field);
            }),
            Err(Error::TrustedRootMalformed),
            "{field}"
        );
    }
    // More than 64 logs.
    assert_eq!(
        edited(|v| {
            let l = v["ctlogs"][0].clone();
            let list = v["ctlogs"].as_array_mut().unwrap();
            while list.len() <= 64 {
                list.push(l.clone());
            }
        }),
        Err(Error::TrustedRootMalformed)
    );
}

#[test]
fn authority_refusals() {
    assert_eq!(
        edited(|v| v["certificateAuthorities"][0]["certChain"]["certificates"] = json!([])),
        Err(Error::TrustedRootMalformed)
    );
    assert_eq!(
        edited(|v| {
            v["certificateAuthorities"][0]
                .as_object_mut()
                .unwrap()
                .remove("certChain");
        }),
        Err(Error::TrustedRootMalformed)
    );
    assert_eq!(
        edited(|v| {
            v["certificateAuthorities"][0]["certChain"]["certificates"][0]["rawBytes"] =
                json!("@@@@")
        }),
        Err(Error::InvalidBase64)
    );
    // A certificate cut short, or with a byte after it.
    let cert = |v: &Value| {
        Base64::decode_vec(
            v["certificateAuthorities"][0]["certChain"]["certificates"][0]["rawBytes"]
                .as_str()
                .unwrap(),
        )
        .unwrap()
    };
    assert_eq!(
        edited(|v| {
            let c = cert(v);
            v["certificateAuthorities"][0]["certChain"]["certificates"][0]["rawBytes"] =
                json!(Base64::encode_string(&c[..c.len() - 1]));
        }),
        Err(Error::DerTruncated)
    );
    assert_eq!(
        edited(|v| {
            let mut c = cert(v);
            c.push(0);
            v["timestampAuthorities"][0]["certChain"]["certificates"][0]["rawBytes"] =
                json!(Base64::encode_string(&c));
        }),
        Err(Error::DerTrailingData)
    );
    assert_eq!(
        edited(|v| v["certificateAuthorities"][0]["uri"] = json!(5)),
        Err(Error::TrustedRootMalformed)
    );
    assert_eq!(
        edited(|v| v["certificateAuthorities"] = json!({})),
        Err(Error::TrustedRootMalformed)
    );
}

#[test]
fn document_refusals() {
    assert_eq!(
        edited(
            |v| v["mediaType"] = json!("application/vnd.dev.sigstore.trustedroot+json;version=0.2")
        ),
        Err(Error::TrustedRootMediaType)
    );
    assert_eq!(
        edited(|v| {
            v.as_object_mut().unwrap().remove("mediaType");
        }),
        Err(Error::TrustedRootMediaType)
    );
    assert_eq!(parse(b"[]").err(), Some(Error::TrustedRootMalformed));
    assert_eq!(parse(b"{").err(), Some(Error::InvalidJson));
    // Duplicate keys are refused by the strict JSON parser.
    let doc = load("production-sigstore-go-testing.json");
    let text = String::from_utf8(doc.clone()).unwrap();
    let dup = text.replacen("\"tlogs\"", "\"tlogs\": [], \"tlogs\"", 1);
    assert_eq!(parse(dup.as_bytes()).err(), Some(Error::DuplicateKey));
    // Too little scratch for the certificates.
    assert_eq!(
        TrustedRoot::parse(&doc, &mut [0u8; 256]).err(),
        Some(Error::BufferTooSmall)
    );
    // Empty lists and unknown members are fine.
    assert_eq!(
        parse(br#"{"mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1", "x": 1}"#)
            .map(|r| r.tlogs().count()),
        Ok(0)
    );
}

#[test]
fn truncated_documents_do_not_panic() {
    let doc = load("staging-sigstore-python.json");
    for n in (0..doc.len()).step_by(7) {
        assert!(parse(&doc[..n]).is_err(), "{n}");
    }
}
