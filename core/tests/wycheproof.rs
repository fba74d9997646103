//! Project Wycheproof vectors through vouch's own key and signature code.
//!
//! Every test of `ed25519_test.json`, `ecdsa_secp256r1_sha256_test.json` (DER signatures) and
//! `ecdsa_secp256r1_sha256_p1363_test.json` (raw `r||s`) is run. Keys are parsed with vouch's
//! parsers (raw / SEC1 compressed and uncompressed / SPKI DER / PEM, each through both the specific
//! constructor and the autodetecting [`PublicKey::parse`]); all encodings must give the same key.
//! Signatures are checked with [`PublicKey::verify_raw`], which runs the very per-algorithm
//! functions the envelope path uses ([`PublicKey::verify_pae`]) on the raw message, since Wycheproof
//! signs raw messages, not DSSE PAE. The DER and P1363 files go through the same signature decoder
//! the envelope path has: exactly 64 bytes is `r||s`, anything else must be strict DER.
//!
//! Expected verdicts: `valid` must verify, `invalid` must not. `acceptable` vectors (either answer
//! is allowed) are listed with vouch's decision in [`ACCEPTABLE`] and in
//! `tests/vectors/wycheproof/ACCEPTABLE.md`; the test asserts that list, so a change of decision
//! (or new acceptable vectors in an updated copy of the files) is noticed.

use serde_json::Value;
use vouch_core::hazmat::{verify_pae, verify_raw};
use vouch_core::{Algorithm, Error, PublicKey};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors/wycheproof/");

/// `(file, tcId, vouch accepts)` for every `acceptable` vector. The vendored snapshot (C2SP
/// wycheproof `testvectors_v1`, see `SOURCE.md`) has no `acceptable` vector in these three files, so
/// the list is empty; the test fails if that changes, and the new entries must then be decided and
/// documented here and in `ACCEPTABLE.md`.
const ACCEPTABLE: &[(&str, u64, bool)] = &[];

fn load(name: &str) -> Value {
    let path = format!("{DIR}{name}");
    let text = std::fs::read(&path).unwrap_or_else(|e| panic!("read {path}: {e}"));
    serde_json::from_slice(&text).unwrap_or_else(|e| panic!("parse {path}: {e}"))
}

fn unhex(s: &str) -> Vec<u8> {
    assert!(s.len().is_multiple_of(2), "odd hex length: {s}");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

fn field<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("missing string field {key}"))
}

/// Outcome of running one file.
#[derive(Default)]
struct Run {
    /// Tests run.
    count: usize,
    /// Human-readable descriptions of wrong verdicts.
    wrong: Vec<String>,
    /// `(tcId, flags, decision)` of every acceptable vector.
    acceptable: Vec<(u64, String, bool)>,
}

/// Parses every encoding the group offers and checks they are one key; returns that key, or the
/// error if the group's key is refused (then every test in the group must be invalid).
fn group_key(group: &Value, alg: Algorithm) -> Result<PublicKey, Error> {
    let mut keys: Vec<(&str, Result<PublicKey, Error>)> = Vec::new();
    let der = unhex(field(group, "publicKeyDer"));
    let pem = field(group, "publicKeyPem");
    keys.push(("spki der", PublicKey::from_spki_der(&der)));
    keys.push(("spki der (parse)", PublicKey::parse(&der)));
    keys.push(("pem", PublicKey::from_pem(pem.as_bytes())));
    keys.push(("pem (parse)", PublicKey::parse(pem.as_bytes())));
    let pk = &group["publicKey"];
    match alg {
        Algorithm::Ed25519 => {
            let raw = unhex(field(pk, "pk"));
            keys.push(("raw", PublicKey::from_ed25519_raw(&raw)));
            keys.push(("raw (parse)", PublicKey::parse(&raw)));
        }
        Algorithm::EcdsaP256Sha256 => {
            let unc = unhex(field(pk, "uncompressed"));
            assert_eq!(unc.len(), 65);
            let mut comp = vec![2 | (unc[64] & 1)];
            comp.extend_from_slice(&unc[1..33]);
            keys.push(("sec1 uncompressed", PublicKey::from_sec1(&unc)));
            keys.push(("sec1 uncompressed (parse)", PublicKey::parse(&unc)));
            keys.push(("sec1 compressed", PublicKey::from_sec1(&comp)));
            keys.push(("sec1 compressed (parse)", PublicKey::parse(&comp)));
        }
        other => panic!("no Wycheproof vectors for {other:?}"),
    }
    let (_, first) = &keys[0];
    for (name, k) in &keys {
        match (first, k) {
            (Ok(a), Ok(b)) => {
                assert_eq!(a.fingerprint(), b.fingerprint(), "{name}: other key");
                assert_eq!(b.algorithm(), alg, "{name}: wrong algorithm");
                // The fingerprint is SHA-256 of the canonical SPKI DER, which is the DER given.
                let mut out = [0u8; 128];
                let n = b.spki_der(&mut out).expect("spki");
                assert_eq!(&out[..n], &der[..], "{name}: canonical SPKI differs");
            }
            (Err(a), Err(b)) => assert_eq!(a, b, "{name}: other error"),
            _ => panic!("{name}: encodings of one key disagree: {first:?} vs {k:?}"),
        }
    }
    keys.swap_remove(0).1
}

fn run_file(name: &str, alg: Algorithm) -> Run {
    let doc = load(name);
    let mut run = Run::default();
    for group in doc["testGroups"].as_array().expect("testGroups") {
        let key = group_key(group, alg);
        if alg == Algorithm::EcdsaP256Sha256 {
            assert_eq!(field(group, "sha"), "SHA-256");
        }
        for t in group["tests"].as_array().expect("tests") {
            run.count += 1;
            let id = t["tcId"].as_u64().expect("tcId");
            let msg = unhex(field(t, "msg"));
            let sig = unhex(field(t, "sig"));
            let verdict = match &key {
                Ok(k) => verify_raw(k, &msg, &sig),
                Err(_) => false,
            };
            let flags = t["flags"].to_string();
            let result = field(t, "result");
            let describe = || {
                format!(
                    "{name} tcId {id} ({}; flags {flags}): expected {result}, vouch {} (key: {:?})",
                    field(t, "comment"),
                    if verdict { "accepts" } else { "rejects" },
                    key.as_ref().map(|_| "ok").map_err(|e| *e),
                )
            };
            match result {
                "valid" if !verdict => run.wrong.push(describe()),
                "invalid" if verdict => run.wrong.push(describe()),
                "valid" | "invalid" => {}
                "acceptable" => run.acceptable.push((id, flags, verdict)),
                other => panic!("unknown result {other}"),
            }
        }
    }
    let declared = doc["numberOfTests"].as_u64().expect("numberOfTests");
    assert_eq!(run.count as u64, declared, "{name}: not every test ran");
    run
}

fn check(name: &str, alg: Algorithm, expected_count: usize) {
    let run = run_file(name, alg);
    assert_eq!(run.count, expected_count, "{name}: vector count changed");
    assert!(
        run.wrong.is_empty(),
        "{} wrong verdict(s):\n{}",
        run.wrong.len(),
        run.wrong.join("\n")
    );
    let documented: Vec<(u64, bool)> = ACCEPTABLE
        .iter()
        .filter(|(f, _, _)| *f == name)
        .map(|&(_, id, d)| (id, d))
        .collect();
    let actual: Vec<(u64, bool)> = run.acceptable.iter().map(|(id, _, d)| (*id, *d)).collect();
    assert_eq!(
        actual, documented,
        "{name}: acceptable vectors or vouch's decisions changed; document them in ACCEPTABLE and \
         ACCEPTABLE.md: {:?}",
        run.acceptable
    );
}

#[test]
fn ed25519() {
    check("ed25519_test.json", Algorithm::Ed25519, 151);
}

#[test]
fn ecdsa_p256_sha256_der() {
    check(
        "ecdsa_secp256r1_sha256_test.json",
        Algorithm::EcdsaP256Sha256,
        484,
    );
}

#[test]
fn ecdsa_p256_sha256_p1363() {
    check(
        "ecdsa_secp256r1_sha256_p1363_test.json",
        Algorithm::EcdsaP256Sha256,
        262,
    );
}

/// Tampering with a valid vector must flip the verdict: guards against a verify function that
/// accepts everything (which would pass the `valid` vectors).
#[test]
fn valid_vectors_fail_when_tampered() {
    for (name, alg) in [
        ("ed25519_test.json", Algorithm::Ed25519),
        (
            "ecdsa_secp256r1_sha256_test.json",
            Algorithm::EcdsaP256Sha256,
        ),
        (
            "ecdsa_secp256r1_sha256_p1363_test.json",
            Algorithm::EcdsaP256Sha256,
        ),
    ] {
        let doc = load(name);
        let group = &doc["testGroups"][0];
        let key = group_key(group, alg).expect("first group key");
        let t = group["tests"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["result"] == "valid")
            .expect("a valid vector");
        let msg = unhex(field(t, "msg"));
        let sig = unhex(field(t, "sig"));
        assert!(verify_raw(&key, &msg, &sig), "{name}");
        let mut other = msg.clone();
        other.push(0);
        assert!(!verify_raw(&key, &other, &sig), "{name}: other message");
        let mut bad = sig.clone();
        let last = bad.len() - 1;
        bad[last] ^= 1;
        assert!(!verify_raw(&key, &msg, &bad), "{name}: flipped bit");
        // The raw-message signature is not a DSSE signature over the PAE of that message.
        assert!(
            !verify_pae(&key, b"application/octet-stream", &msg, &sig, &mut None),
            "{name}: raw signature accepted as PAE signature"
        );
    }
}
