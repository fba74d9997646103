//! Project Wycheproof ECDSA vectors through the keyless signature path
//! ([`vouch_core::pkix::VerifyKey`]): every test of the three P-384 files (SHA-384 with DER and
//! with P1363 signatures, SHA-256 with DER signatures) and, again, of the two P-256 files, since
//! keyless verification checks P-256 signatures over a given digest (message signatures, SCTs,
//! SETs) with this code rather than the DSSE path.
//!
//! Keys come from `publicKeyDer` through [`VerifyKey::from_spki_der`] (and, as a cross-check, the
//! uncompressed SEC1 point through `p384_from_sec1` / `p256_from_sec1`); each message is hashed
//! by the test with the file's hash and the digest handed to [`VerifyKey::verify_prehash`] with
//! the file's encoding. `valid` must verify, `invalid` must not; these files have no `acceptable`
//! vector, and the test fails if one appears.
#![cfg(feature = "keyless")]

use serde_json::Value;
use sha2::Digest;
use vouch_core::Error;
use vouch_core::pkix::{HashAlgorithm, KeyAlgorithm, SigEncoding, VerifyKey};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors/wycheproof/");

fn load(name: &str) -> Value {
    let path = format!("{DIR}{name}");
    let text = std::fs::read(&path).unwrap_or_else(|e| panic!("read {path}: {e}"));
    serde_json::from_slice(&text).unwrap_or_else(|e| panic!("parse {path}: {e}"))
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

fn hash(alg: HashAlgorithm, msg: &[u8]) -> Vec<u8> {
    match alg {
        HashAlgorithm::Sha256 => sha2::Sha256::digest(msg).to_vec(),
        HashAlgorithm::Sha384 => sha2::Sha384::digest(msg).to_vec(),
        HashAlgorithm::Sha512 => sha2::Sha512::digest(msg).to_vec(),
    }
}

fn group_key(group: &Value, curve: KeyAlgorithm) -> Result<VerifyKey, Error> {
    let der = unhex(group["publicKeyDer"].as_str().unwrap());
    let from_der = VerifyKey::from_spki_der(&der);
    let unc = unhex(group["publicKey"]["uncompressed"].as_str().unwrap());
    let from_sec1 = match curve {
        KeyAlgorithm::EcdsaP256 => VerifyKey::p256_from_sec1(&unc),
        KeyAlgorithm::EcdsaP384 => VerifyKey::p384_from_sec1(&unc),
        KeyAlgorithm::Ed25519 => unreachable!(),
    };
    assert_eq!(from_der, from_sec1, "SPKI DER and SEC1 disagree");
    if let Ok(k) = &from_der {
        assert_eq!(k.algorithm(), curve);
    }
    from_der
}

/// Runs every vector of `name`; returns the number run.
fn run(name: &str, curve: KeyAlgorithm, sha: &str, alg: HashAlgorithm, enc: SigEncoding) -> usize {
    let doc = load(name);
    let mut count = 0;
    let mut wrong = Vec::new();
    for group in doc["testGroups"].as_array().unwrap() {
        assert_eq!(group["sha"], sha, "{name}: hash of a group");
        let key = group_key(group, curve);
        for t in group["tests"].as_array().unwrap() {
            count += 1;
            let msg = unhex(t["msg"].as_str().unwrap());
            let sig = unhex(t["sig"].as_str().unwrap());
            let digest = hash(alg, &msg);
            let verdict = key
                .as_ref()
                .is_ok_and(|k| k.verify_prehash(&digest, &sig, enc));
            // The message path hashes the same way.
            if let Ok(k) = &key {
                assert_eq!(verdict, k.verify_message(alg, &msg, &sig, enc));
            }
            let expected = match t["result"].as_str().unwrap() {
                "valid" => true,
                "invalid" => false,
                other => panic!("{name} tcId {}: unexpected result {other}", t["tcId"]),
            };
            if verdict != expected {
                wrong.push(format!(
                    "{name} tcId {} ({}): expected {expected}, vouch {verdict}",
                    t["tcId"], t["comment"]
                ));
            }
        }
    }
    assert_eq!(count as u64, doc["numberOfTests"].as_u64().unwrap());
    assert!(
        wrong.is_empty(),
        "{} wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    count
}

#[test]
fn p384_sha384_der() {
    let n = run(
        "ecdsa_secp384r1_sha384_test.json",
        KeyAlgorithm::EcdsaP384,
        "SHA-384",
        HashAlgorithm::Sha384,
        SigEncoding::Der,
    );
    assert_eq!(n, 504);
}

#[test]
fn p384_sha384_p1363() {
    let n = run(
        "ecdsa_secp384r1_sha384_p1363_test.json",
        KeyAlgorithm::EcdsaP384,
        "SHA-384",
        HashAlgorithm::Sha384,
        SigEncoding::P1363,
    );
    assert_eq!(n, 280);
}

#[test]
fn p384_sha256_der() {
    let n = run(
        "ecdsa_secp384r1_sha256_test.json",
        KeyAlgorithm::EcdsaP384,
        "SHA-256",
        HashAlgorithm::Sha256,
        SigEncoding::Der,
    );
    assert_eq!(n, 472);
}

#[test]
fn p256_sha256_der_as_digest() {
    let n = run(
        "ecdsa_secp256r1_sha256_test.json",
        KeyAlgorithm::EcdsaP256,
        "SHA-256",
        HashAlgorithm::Sha256,
        SigEncoding::Der,
    );
    assert_eq!(n, 484);
}

#[test]
fn p256_sha256_p1363_as_digest() {
    let n = run(
        "ecdsa_secp256r1_sha256_p1363_test.json",
        KeyAlgorithm::EcdsaP256,
        "SHA-256",
        HashAlgorithm::Sha256,
        SigEncoding::P1363,
    );
    assert_eq!(n, 262);
}

/// A valid vector must fail once tampered, and must not verify in the other encoding or under
/// another digest length: guards against a verify function that accepts too much.
#[test]
fn tampering_flips_the_verdict() {
    for (name, curve, alg, enc) in [
        (
            "ecdsa_secp384r1_sha384_test.json",
            KeyAlgorithm::EcdsaP384,
            HashAlgorithm::Sha384,
            SigEncoding::Der,
        ),
        (
            "ecdsa_secp384r1_sha384_p1363_test.json",
            KeyAlgorithm::EcdsaP384,
            HashAlgorithm::Sha384,
            SigEncoding::P1363,
        ),
        (
            "ecdsa_secp256r1_sha256_test.json",
            KeyAlgorithm::EcdsaP256,
            HashAlgorithm::Sha256,
            SigEncoding::Der,
        ),
    ] {
        let doc = load(name);
        let group = &doc["testGroups"][0];
        let key = group_key(group, curve).unwrap();
        let t = group["tests"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["result"] == "valid")
            .unwrap();
        let msg = unhex(t["msg"].as_str().unwrap());
        let sig = unhex(t["sig"].as_str().unwrap());
        let digest = hash(alg, &msg);
        assert!(key.verify_prehash(&digest, &sig, enc), "{name}");
        let mut d2 = digest.clone();
        d2[0] ^= 1;
        assert!(!key.verify_prehash(&d2, &sig, enc), "{name}: other digest");
        let mut s2 = sig.clone();
        *s2.last_mut().unwrap() ^= 1;
        assert!(
            !key.verify_prehash(&digest, &s2, enc),
            "{name}: flipped bit"
        );
        let other = match enc {
            SigEncoding::Der => SigEncoding::P1363,
            SigEncoding::P1363 => SigEncoding::Der,
        };
        assert!(
            !key.verify_prehash(&digest, &sig, other),
            "{name}: other encoding"
        );
        assert!(
            !key.verify_prehash(&digest[..20], &sig, enc),
            "{name}: short digest"
        );
    }
}

#[test]
fn spki_refusals() {
    // RSA (rsaEncryption, NULL parameters) is named.
    let mut modulus = vec![0x00, 0xc0];
    modulus.extend([0x11u8; 63]);
    let rsa_key = tlv(0x30, &[tlv(0x02, &modulus), tlv(0x02, &[1, 0, 1])].concat());
    let mut bits = vec![0];
    bits.extend(&rsa_key);
    let rsa = tlv(
        0x30,
        &[
            tlv(
                0x30,
                &[tlv(0x06, &unhex("2a864886f70d010101")), tlv(0x05, &[])].concat(),
            ),
            tlv(0x03, &bits),
        ]
        .concat(),
    );
    assert_eq!(
        VerifyKey::from_spki_der(&rsa).err(),
        Some(Error::RsaUnsupported)
    );
    // secp256k1 (1.3.132.0.10): another curve.
    let mut k1 = unhex("3056301006072a8648ce3d020106052b8104000a034200");
    k1.push(4);
    k1.extend([1u8; 64]);
    assert_eq!(
        VerifyKey::from_spki_der(&k1).err(),
        Some(Error::UnsupportedKeyType)
    );
    // A P-256 SPKI whose point is not on the curve.
    let mut bad = unhex("3059301306072a8648ce3d020106082a8648ce3d030107034200");
    bad.push(4);
    bad.extend([1u8; 64]);
    assert_eq!(
        VerifyKey::from_spki_der(&bad).err(),
        Some(Error::InvalidKey)
    );
    // Trailing byte after the SPKI.
    let doc = load("ecdsa_secp384r1_sha384_test.json");
    let mut der = unhex(doc["testGroups"][0]["publicKeyDer"].as_str().unwrap());
    assert!(VerifyKey::from_spki_der(&der).is_ok());
    der.push(0);
    assert_eq!(
        VerifyKey::from_spki_der(&der).err(),
        Some(Error::DerTrailingData)
    );
}

/// A DER element (short or long length form, as DER requires).
fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let n = content.len();
    if n < 0x80 {
        out.push(n as u8);
    } else if n < 0x100 {
        out.extend([0x81, n as u8]);
    } else {
        out.extend([0x82, (n >> 8) as u8, n as u8]);
    }
    out.extend_from_slice(content);
    out
}

/// Digest lengths other than the curve's: a P-256 key over a SHA-384 digest and a P-384 key
/// over a SHA-256 digest verify by the ECDSA rule (the digest's leftmost bits); the digest is
/// not silently hashed again or cut anywhere else.
#[test]
fn cross_length_digests() {
    use p256::ecdsa::signature::hazmat::PrehashSigner;
    let d384 = sha2::Sha384::digest(b"cross");
    let sk = p256::ecdsa::SigningKey::from_slice(&[7u8; 32]).unwrap();
    let sig: p256::ecdsa::Signature = sk.sign_prehash(&d384).unwrap();
    let vk = VerifyKey::p256_from_sec1(sk.verifying_key().to_sec1_point(false).as_bytes()).unwrap();
    let der = sig.to_der();
    assert!(vk.verify_prehash(&d384, der.as_bytes(), SigEncoding::Der));
    assert!(vk.verify_prehash(&d384, &sig.to_bytes(), SigEncoding::P1363));
    // Only the first 32 bytes count for P-256 (ECDSA bits2int), so the other 16 do not...
    let mut tail = d384;
    tail[40] ^= 1;
    assert!(vk.verify_prehash(&tail, der.as_bytes(), SigEncoding::Der));
    // ...but the first 32 do.
    let mut head = d384;
    head[3] ^= 1;
    assert!(!vk.verify_prehash(&head, der.as_bytes(), SigEncoding::Der));
    // The truncated digest is the same value for P-256.
    assert!(vk.verify_prehash(&d384[..32], der.as_bytes(), SigEncoding::Der));
}
