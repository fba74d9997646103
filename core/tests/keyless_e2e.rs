//! Whole synthetic keyless bundles through `keyless::verify_bundle`: a Fulcio-like CA, CT log
//! and TSA from the certificate forge (`support/pki.rs`) and a Rekor log from
//! `support/rekor.rs`. Each test changes one thing in an otherwise valid bundle and asserts the
//! specific error.
#![cfg(feature = "keyless")]

mod support;

use serde_json::{Value, json};
use support::pki::{self, AuthorityEntry, Curve, Fulcio, LogEntry, San, World};
use support::rekor::{self as rk, RekorV1, RekorV2, b64, pem, sha256};
use vouch_core::identity::{IdentityPolicy, Matcher};
use vouch_core::keyless::{self, Options, Policy, TimeSource, VerifiedBundle};
use vouch_core::trusted_root::TrustedRoot;
use vouch_core::{ArtifactDigest, Error};

const T: i64 = 1_700_000_000;
const ARTIFACT: &[u8] = b"synthetic keyless artifact";

/// A keyless bundle and its trusted root, built from parts a test may change.
struct Setup {
    world: World,
    leaf: Vec<u8>,
    /// Extra certificates after the leaf (makes a v0.1 `x509CertificateChain` bundle).
    chain_extra: Vec<Vec<u8>>,
    log: RekorV1,
    integrated_time: i64,
    /// RFC 3161 timestamps (DER tokens).
    timestamps: Vec<Vec<u8>>,
    /// Rekor v2 instead of v1.
    rekor_v2: bool,
    /// A DSSE bundle (intoto 0.0.2) instead of a message signature.
    dsse: bool,
}

impl Setup {
    fn new() -> Setup {
        let world = World::new(T);
        let leaf = world.leaf();
        Setup {
            world,
            leaf,
            chain_extra: vec![],
            log: RekorV1::new(3),
            integrated_time: T,
            timestamps: vec![],
            rekor_v2: false,
            dsse: false,
        }
    }

    fn payload(&self) -> Vec<u8> {
        rk::statement(&sha256(ARTIFACT), "https://slsa.dev/provenance/v1")
    }

    fn signature(&self) -> Vec<u8> {
        if self.dsse {
            // The key's own hash over PAE (SHA-256 for P-256, SHA-384 for P-384).
            self.world
                .leaf_key
                .sign(&rk::pae("application/vnd.in-toto+json", &self.payload()))
        } else {
            self.world.leaf_key.sign_prehash(&sha256(ARTIFACT))
        }
    }

    /// (bundle bytes, trusted root bytes)
    fn build(&mut self) -> (Vec<u8>, Vec<u8>) {
        let digest = sha256(ARTIFACT);
        let sig = self.signature();
        let mut root = self.world.root();
        let entry = if self.rekor_v2 {
            // Rekor v2 logs a DSSE envelope as the hash of its PAE.
            let logged = if self.dsse {
                sha256(&rk::pae("application/vnd.in-toto+json", &self.payload()))
            } else {
                digest
            };
            let mut v2 = RekorV2::new(40);
            v2.leaves.push(b"other".to_vec());
            v2.leaves
                .push(rk::hashedrekord_v002(&logged, &sig, &self.leaf, true));
            root = root.tlog(LogEntry::raw(
                &v2.spki(),
                "PKIX_ED25519",
                &v2.note_key_id(),
                &format!("https://{}", v2.origin),
                T - 86_400,
                None,
            ));
            v2.entry(1)
        } else {
            let cert_pem = pem("CERTIFICATE", &self.leaf);
            let (body, kind, version) = if self.dsse {
                let pt = "application/vnd.in-toto+json";
                let body = rk::intoto_v002(pt, &self.payload(), &[(&sig, &cert_pem)]);
                (body, "intoto", "0.0.2")
            } else {
                let body = rk::hashedrekord_v001(&digest, &sig, &cert_pem);
                (body, "hashedrekord", "0.0.1")
            };
            self.log.leaves.clear();
            let idx = self.log.append(&body, 5);
            root = root.tlog(LogEntry::raw(
                &self.log.spki,
                "PKIX_ECDSA_P256_SHA_256",
                &self.log.log_id,
                "https://rekor3.example",
                T - 86_400,
                None,
            ));
            self.log
                .entry(idx, kind, version, self.integrated_time, true, true)
        };
        let mut vm = json!({"tlogEntries": [entry]});
        let media = if self.chain_extra.is_empty() {
            vm["certificate"] = json!({"rawBytes": b64(&self.leaf)});
            "application/vnd.dev.sigstore.bundle.v0.3+json"
        } else {
            let mut certs = vec![json!({"rawBytes": b64(&self.leaf)})];
            certs.extend(self.chain_extra.iter().map(|c| json!({"rawBytes": b64(c)})));
            vm["x509CertificateChain"] = json!({"certificates": certs});
            "application/vnd.dev.sigstore.bundle+json;version=0.1"
        };
        if !self.timestamps.is_empty() {
            let ts: Vec<Value> = self
                .timestamps
                .iter()
                .map(|t| json!({"signedTimestamp": b64(t)}))
                .collect();
            vm["timestampVerificationData"] = json!({"rfc3161Timestamps": ts});
        }
        let mut bundle = json!({
            "mediaType": media,
            "verificationMaterial": vm,
        });
        if self.dsse {
            bundle["dsseEnvelope"] = json!({
                "payload": b64(&self.payload()),
                "payloadType": "application/vnd.in-toto+json",
                "signatures": [{"sig": b64(&sig), "keyid": ""}],
            });
        } else {
            bundle["messageSignature"] = json!({
                "messageDigest": {"algorithm": "SHA2_256", "digest": b64(&digest)},
                "signature": b64(&sig),
            });
        }
        (
            serde_json::to_vec(&bundle).unwrap(),
            root.to_json().into_bytes(),
        )
    }
}

fn verify_parts<T>(
    bundle: &[u8],
    root_doc: &[u8],
    identity: &str,
    f: impl FnOnce(&VerifiedBundle<'_>) -> T,
) -> Result<T, Error> {
    let mut rs = vec![0u8; 8192];
    let root = TrustedRoot::parse(root_doc, &mut rs)?;
    let digest = ArtifactDigest {
        sha256: Some(sha256(ARTIFACT)),
        sha512: None,
    };
    let options = Options {
        policy: Policy::Identity(IdentityPolicy {
            identity: Matcher::Exact(identity),
            issuer: Matcher::Exact("https://issuer.example.com"),
        }),
        artifact: &digest,
        predicate_type: None,
        builder_id: None,
    };
    let mut scratch = vec![0u8; keyless::scratch_len(bundle, &root)?];
    let v = keyless::verify_bundle(bundle, &root, &options, &mut scratch)?;
    Ok(f(&v))
}

/// (count, earliest, latest, logs that gave a time, TSAs that gave a time).
type Times = (usize, (i64, TimeSource), (i64, TimeSource), usize, usize);

fn times_of(v: &VerifiedBundle<'_>) -> Times {
    let pair = |t: Option<keyless::TrustedTime>| t.map(|t| (t.time, t.source)).unwrap();
    (
        v.times.count,
        pair(v.times.earliest),
        pair(v.times.latest),
        v.timed_tlogs.count(),
        v.timestamp_authorities.count(),
    )
}

fn verify(s: &mut Setup) -> Result<(), Error> {
    let (b, r) = s.build();
    verify_parts(&b, &r, "signer@example.com", |_| ())
}

#[test]
fn synthetic_keyless_bundle_verifies() {
    let mut s = Setup::new();
    let (b, r) = s.build();
    let (times, ct, cas, id) = verify_parts(&b, &r, "signer@example.com", |v| {
        (
            times_of(v),
            v.ct_logs,
            v.certificate_authorities.count(),
            v.identity
                .map(|m| (m.san.identity().unwrap().to_string(), m.issuer.to_string())),
        )
    })
    .unwrap();
    assert_eq!(
        times,
        (1, (T, TimeSource::Log(0)), (T, TimeSource::Log(0)), 1, 0)
    );
    assert_eq!(ct, 1);
    assert_eq!(cas, 1);
    assert_eq!(
        id,
        Some((
            "signer@example.com".to_string(),
            "https://issuer.example.com".to_string()
        ))
    );
}

#[test]
fn identity_that_is_a_prefix_of_the_real_one_is_refused() {
    let mut s = Setup::new();
    let (b, r) = s.build();
    for id in ["signer@example.co", "signer@", "", "signer@example.com "] {
        assert_eq!(
            verify_parts(&b, &r, id, |_| ()),
            Err(Error::IdentityMismatch),
            "{id:?}"
        );
    }
}

#[test]
fn root_certificate_inside_the_bundle_is_refused() {
    // The real chain (intermediate and root of the trusted root) beside the leaf: accepted, but
    // never used (old bundles carry it).
    let mut s = Setup::new();
    s.chain_extra = s.world.fulcio.chain();
    assert_eq!(verify(&mut s), Ok(()));
    // A leaf from a CA the trusted root does not hold, with that CA's root in the bundle.
    let mut s = Setup::new();
    let rogue = Fulcio::new(9, Curve::P384, T - 86_400, T + 86_400);
    let spec = rogue.leaf_spec(&s.world.leaf_key, T - 60, T + 540);
    s.leaf = rogue.issue(&spec, &[(&s.world.ct, T as u64 * 1000)]);
    s.chain_extra = rogue.chain();
    assert_eq!(verify(&mut s), Err(Error::BundleRootCertificate));
    // Without its root in the bundle, the path does not reach the trusted root.
    s.chain_extra = vec![rogue.intermediate.clone()];
    assert_eq!(verify(&mut s), Err(Error::UntrustedIssuer));
    // The trusted root's own root certificate used as the leaf.
    let mut s = Setup::new();
    s.leaf = s.world.fulcio.root.clone();
    assert_eq!(verify(&mut s), Err(Error::BundleRootCertificate));
}

#[test]
fn intermediate_expired_at_signing_time_is_refused() {
    let mut s = Setup::new();
    let mut spec = s.world.fulcio.intermediate_spec.clone();
    spec.not_after = T - 1;
    s.world.fulcio.reissue_intermediate(spec);
    s.leaf = s.world.leaf();
    // The leaf itself is valid at T.
    assert_eq!(verify(&mut s), Err(Error::CertNotValidAtTime));
}

#[test]
fn integrated_time_outside_the_leaf_validity_is_refused() {
    let mut s = Setup::new();
    s.integrated_time = T + 541;
    assert_eq!(verify(&mut s), Err(Error::SigningTimeOutsideValidity));
    s.integrated_time = T + 540;
    assert_eq!(verify(&mut s), Ok(()));
    s.integrated_time = T - 61;
    assert_eq!(verify(&mut s), Err(Error::SigningTimeOutsideValidity));
}

#[test]
fn othername_is_not_matched_as_an_email() {
    let mut s = Setup::new();
    let spec = s
        .world
        .leaf_spec()
        .with_san(&[San::Username("signer!example.com".into())]);
    s.leaf = s.world.issue(&spec);
    let (b, r) = s.build();
    assert_eq!(
        verify_parts(&b, &r, "signer@example.com", |_| ()),
        Err(Error::IdentityMismatch)
    );
    assert_eq!(verify_parts(&b, &r, "signer!example.com", |_| ()), Ok(()));
}

#[test]
fn leaf_without_sct_is_refused() {
    let mut s = Setup::new();
    s.leaf = s.world.fulcio.issue(&s.world.leaf_spec(), &[]);
    assert_eq!(verify(&mut s), Err(Error::SctMissing));
}

#[test]
fn log_entry_for_another_certificate_is_refused() {
    // The bundle names the valid leaf; the log entry another leaf of the same key.
    let mut s = Setup::new();
    let (b, r) = s.build();
    let mut other = s.world.leaf_spec();
    other.serial += 1;
    let other_leaf = s.world.issue(&other);
    let text = String::from_utf8(b).unwrap();
    let swapped = text.replace(&b64(&s.leaf), &b64(&other_leaf));
    assert_ne!(swapped, text);
    // The bundle now carries the other leaf, the entry still the first.
    assert_eq!(
        verify_parts(swapped.as_bytes(), &r, "signer@example.com", |_| ()),
        Err(Error::TlogBodyKeyMismatch)
    );
}

#[test]
fn no_certificate_authority_valid_at_the_time_is_refused() {
    let mut s = Setup::new();
    let (b, _) = s.build();
    let root = s.world.root();
    let mut root = root;
    root.cas[0] = AuthorityEntry::new(s.world.fulcio.chain(), T + 1, None);
    let root = root
        .tlog(LogEntry::raw(
            &s.log.spki,
            "PKIX_ECDSA_P256_SHA_256",
            &s.log.log_id,
            "https://rekor3.example",
            T - 86_400,
            None,
        ))
        .to_json();
    let got = verify_parts(&b, root.as_bytes(), "signer@example.com", |_| ());
    assert!(
        matches!(
            got,
            Err(Error::AuthorityOutsideValidity | Error::UntrustedIssuer)
        ),
        "{got:?}"
    );
    let _ = pki::rfc3339(T);
}

#[test]
fn rekor_v2_with_timestamp_verifies_and_without_fails() {
    let mut s = Setup::new();
    s.rekor_v2 = true;
    assert_eq!(verify(&mut s), Err(Error::NoTrustedTime));
    let token = s.world.tsa.token(&s.signature(), &pki::TokenSpec::at(T));
    s.timestamps = vec![token];
    let (b, r) = s.build();
    let times = verify_parts(&b, &r, "signer@example.com", times_of);
    assert_eq!(
        times,
        Ok((
            1,
            (T, TimeSource::Timestamp(0)),
            (T, TimeSource::Timestamp(0)),
            0,
            1
        ))
    );
    // A timestamp over another signature fails the bundle.
    let token = s.world.tsa.token(b"another", &pki::TokenSpec::at(T));
    s.timestamps = vec![token];
    assert_eq!(verify(&mut s), Err(Error::TimestampImprintMismatch));
}

#[test]
fn one_trusted_time_per_timestamp_authority() {
    let mut s = Setup::new();
    let t1 = s.world.tsa.token(&s.signature(), &pki::TokenSpec::at(T));
    let t2 = s
        .world
        .tsa
        .token(&s.signature(), &pki::TokenSpec::at(T + 5));
    s.timestamps = vec![t1, t2];
    let (b, r) = s.build();
    let times = verify_parts(&b, &r, "signer@example.com", times_of);
    // Two times (one from the log, one from the TSA; the TSA's second token does not count);
    // equal times keep the first found.
    assert_eq!(
        times,
        Ok((2, (T, TimeSource::Log(0)), (T, TimeSource::Log(0)), 1, 1))
    );
}

#[test]
fn p384_leaf_signs_sha256_message_digests() {
    // Six old public-good leaves are P-384 keys signing SHA-256 digests.
    let mut s = Setup::new();
    s.world.leaf_key = pki::Key::p384(5);
    s.leaf = s.world.leaf();
    assert_eq!(verify(&mut s), Ok(()));
}

#[test]
fn keyless_dsse_bundles_verify_with_p256_and_p384_leaves() {
    for key in [pki::Key::p256(6), pki::Key::p384(7)] {
        let mut s = Setup::new();
        s.dsse = true;
        s.world.leaf_key = key;
        s.leaf = s.world.leaf();
        let (b, r) = s.build();
        let payload = verify_parts(&b, &r, "signer@example.com", |v| {
            v.payload.map(|(t, p)| (t.to_vec(), p.to_vec()))
        });
        assert_eq!(
            payload,
            Ok(Some((
                b"application/vnd.in-toto+json".to_vec(),
                s.payload()
            )))
        );
        // Rekor v2 (hashedrekord 0.0.2 over PAE) with a timestamp.
        s.rekor_v2 = true;
        s.timestamps = vec![s.world.tsa.token(&s.signature(), &pki::TokenSpec::at(T))];
        assert_eq!(verify(&mut s), Ok(()));
    }
}
