//! Refusal paths of V0 (bundle parsing and bounds), V6 (Rekor: SET, inclusion proof,
//! checkpoint, body binding), V2 (b) and V7 on synthetic bundles built with the test Rekor logs of
//! `support/rekor.rs`: each test changes one thing in an otherwise valid bundle and asserts the
//! specific error. The bundles are managed-key bundles (`publicKey`), so every stage but the
//! certificate ones (V3–V5, tested with the certificate forge) runs end to end through
//! `keyless::verify_bundle`.
#![cfg(feature = "keyless")]

mod support;

use serde_json::{Value, json};
use support::rekor::*;
use vouch_core::Error;
use vouch_core::bundle::{Bundle, MAX_BUNDLE_LEN};
use vouch_core::keyless::{self, Options, Policy, TimeSource};
use vouch_core::trusted_root::{TrustedRoot, Window};
use vouch_core::{ArtifactDigest, ArtifactHasher};

fn digest_of(artifact: &[u8]) -> ArtifactDigest {
    let mut h = ArtifactHasher::new(true, true);
    h.update(artifact);
    h.finalize()
}

/// Runs the whole verification on a synthetic managed-key bundle.
fn verify_with(
    mb: &ManagedBundle,
    bundle: &[u8],
    artifact: &[u8],
    predicate_type: Option<&str>,
) -> Result<usize, Error> {
    let mut rs = vec![0u8; 4096];
    let root = TrustedRoot::parse(&mb.root, &mut rs)?;
    let digest = digest_of(artifact);
    let options = Options {
        policy: Policy::Key {
            spki_der: &mb.signer_spki,
            valid_for: Window {
                start: TIME - 86_400,
                end: Some(TIME + 86_400),
            },
        },
        artifact: &digest,
        predicate_type,
        builder_id: None,
    };
    let need = keyless::scratch_len(bundle, &root)?;
    let mut scratch = vec![0u8; need];
    let v = keyless::verify_bundle(bundle, &root, &options, &mut scratch)?;
    let first = v.times.earliest.unwrap();
    assert_eq!(first.time, TIME);
    assert_eq!(first.source, TimeSource::Log(0));
    assert_eq!(v.times.latest, Some(first));
    assert!(v.tlogs.contains(0));
    assert!(v.identity.is_none());
    Ok(v.times.count)
}

fn verify(mb: &ManagedBundle) -> Result<usize, Error> {
    verify_with(mb, &mb.json(), &mb.artifact, None)
}

#[test]
fn synthetic_bundles_verify() {
    assert_eq!(verify(&ManagedBundle::message()), Ok(1));
    assert_eq!(
        verify_with(
            &ManagedBundle::dsse("https://slsa.dev/provenance/v1"),
            &ManagedBundle::dsse("https://slsa.dev/provenance/v1").json(),
            b"hello, dsse artifact",
            Some("https://slsa.dev/provenance/v1")
        ),
        Ok(1)
    );
}

// --- V0 ---------------------------------------------------------------------------------------

#[test]
fn bad_media_types_are_refused() {
    for mt in [
        json!("application/vnd.dev.sigstore.bundle+json;version=0.4"),
        json!("application/vnd.dev.sigstore.bundle+json"),
        json!("application/vnd.dev.sigstore.bundle.v0.3+json "),
        json!("APPLICATION/vnd.dev.sigstore.bundle.v0.3+json"),
        json!("application/vnd.dev.sigstore.bundle.v0.2+json"),
        json!(3),
        json!(null),
    ] {
        let mut mb = ManagedBundle::message();
        mb.bundle["mediaType"] = mt.clone();
        assert_eq!(verify(&mb), Err(Error::BundleMediaType), "{mt}");
    }
    let mut mb = ManagedBundle::message();
    mb.bundle.as_object_mut().unwrap().remove("mediaType");
    assert_eq!(verify(&mb), Err(Error::BundleMediaType));
}

#[test]
fn bundle_over_the_size_cap_is_refused() {
    let mb = ManagedBundle::message();
    let mut bytes = mb.json();
    // Whitespace padding keeps the JSON valid.
    bytes.resize(MAX_BUNDLE_LEN, b' ');
    assert_eq!(verify_with(&mb, &bytes, &mb.artifact, None), Ok(1));
    bytes.push(b' ');
    assert_eq!(
        verify_with(&mb, &bytes, &mb.artifact, None),
        Err(Error::BundleTooLarge)
    );
}

#[test]
fn more_than_32_tlog_entries_or_timestamps_are_refused() {
    let mut mb = ManagedBundle::message();
    let first = mb.entry().clone();
    let mut entries = vec![];
    for i in 0..33u64 {
        let mut e = first.clone();
        e["logIndex"] = json!((1000 + i).to_string());
        entries.push(e);
    }
    mb.bundle["verificationMaterial"]["tlogEntries"] = json!(entries[..32].to_vec());
    // 32 entries parse (they fail later, their SETs being for index 5).
    assert_eq!(
        Bundle::parse(&mb.json()).map(|b| b.tlog_len()).ok(),
        Some(32)
    );
    mb.bundle["verificationMaterial"]["tlogEntries"] = json!(entries);
    assert_eq!(verify(&mb), Err(Error::BundleTooManyEntries));

    let mut mb = ManagedBundle::message();
    let ts = json!({"signedTimestamp": b64(b"not a token")});
    mb.bundle["verificationMaterial"]["timestampVerificationData"] =
        json!({"rfc3161Timestamps": vec![ts; 33]});
    assert_eq!(verify(&mb), Err(Error::BundleTooManyEntries));
}

#[test]
fn duplicate_log_entries_are_refused() {
    let mut mb = ManagedBundle::message();
    let e = mb.entry().clone();
    mb.bundle["verificationMaterial"]["tlogEntries"] = json!([e.clone(), e]);
    assert_eq!(verify(&mb), Err(Error::TlogDuplicateEntry));
}

#[test]
fn negative_log_index_is_refused() {
    let mut mb = ManagedBundle::message();
    mb.entry()["logIndex"] = json!("-1");
    assert_eq!(verify(&mb), Err(Error::BundleNegativeLogIndex));
    let mut mb = ManagedBundle::message();
    mb.entry()["inclusionProof"]["logIndex"] = json!(-5);
    assert_eq!(verify(&mb), Err(Error::BundleNegativeLogIndex));
    // Not an integer at all.
    let mut mb = ManagedBundle::message();
    mb.entry()["logIndex"] = json!("05");
    assert_eq!(verify(&mb), Err(Error::BundleMalformed));
}

#[test]
fn version_rules_are_enforced() {
    // v0.1 without a SET.
    let mut mb = ManagedBundle::message();
    mb.bundle["mediaType"] = json!("application/vnd.dev.sigstore.bundle+json;version=0.1");
    assert_eq!(verify(&mb), Ok(1));
    mb.entry()
        .as_object_mut()
        .unwrap()
        .remove("inclusionPromise");
    assert_eq!(verify(&mb), Err(Error::BundleMissingInclusionPromise));
    // v0.2 / v0.3 without an inclusion proof.
    for mt in [
        "application/vnd.dev.sigstore.bundle+json;version=0.2",
        "application/vnd.dev.sigstore.bundle+json;version=0.3",
        "application/vnd.dev.sigstore.bundle.v0.3+json",
    ] {
        let mut mb = ManagedBundle::message();
        mb.bundle["mediaType"] = json!(mt);
        assert_eq!(verify(&mb), Ok(1), "{mt}");
        mb.entry().as_object_mut().unwrap().remove("inclusionProof");
        assert_eq!(verify(&mb), Err(Error::BundleMissingInclusionProof), "{mt}");
    }
    // An inclusion proof without a checkpoint.
    let mut mb = ManagedBundle::message();
    mb.entry()["inclusionProof"]
        .as_object_mut()
        .unwrap()
        .remove("checkpoint");
    assert_eq!(verify(&mb), Err(Error::BundleMissingCheckpoint));
    let mut mb = ManagedBundle::message();
    mb.entry()["inclusionProof"]["checkpoint"]["envelope"] = json!("");
    assert_eq!(verify(&mb), Err(Error::BundleMissingCheckpoint));
    // v0.3 with an x509CertificateChain.
    let mut mb = ManagedBundle::message();
    let vm = &mut mb.bundle["verificationMaterial"];
    vm.as_object_mut().unwrap().remove("publicKey");
    vm["x509CertificateChain"] = json!({"certificates": [{"rawBytes": b64(b"cert")}]});
    assert_eq!(verify(&mb), Err(Error::BundleChainNotAllowed));
    // v0.1 with an empty chain.
    mb.bundle["mediaType"] = json!("application/vnd.dev.sigstore.bundle+json;version=0.1");
    mb.bundle["verificationMaterial"]["x509CertificateChain"] = json!({"certificates": []});
    assert_eq!(verify(&mb), Err(Error::BundleEmptyCertificateChain));
}

#[test]
fn content_and_material_must_be_exactly_one() {
    // A DSSE bundle with two signatures, and with none.
    let mut mb = ManagedBundle::dsse("https://slsa.dev/provenance/v1");
    let s = mb.bundle["dsseEnvelope"]["signatures"][0].clone();
    mb.bundle["dsseEnvelope"]["signatures"] = json!([s.clone(), s]);
    assert_eq!(verify(&mb), Err(Error::DsseSignatureCount));
    mb.bundle["dsseEnvelope"]["signatures"] = json!([]);
    assert_eq!(verify(&mb), Err(Error::DsseSignatureCount));
    // Both contents.
    let mut mb = ManagedBundle::message();
    mb.bundle["dsseEnvelope"] = ManagedBundle::dsse("x").bundle["dsseEnvelope"].clone();
    assert_eq!(verify(&mb), Err(Error::BundleMalformed));
    // Neither.
    let mut mb = ManagedBundle::message();
    mb.bundle
        .as_object_mut()
        .unwrap()
        .remove("messageSignature");
    assert_eq!(verify(&mb), Err(Error::BundleMalformed));
    // No tlog entries.
    let mut mb = ManagedBundle::message();
    mb.bundle["verificationMaterial"]["tlogEntries"] = json!([]);
    assert_eq!(verify(&mb), Err(Error::BundleNoTlogEntries));
    // A certificate and a public key.
    let mut mb = ManagedBundle::message();
    mb.bundle["verificationMaterial"]["certificate"] = json!({"rawBytes": b64(b"x")});
    assert_eq!(verify(&mb), Err(Error::BundleMalformed));
    // Bad base64 anywhere.
    let mut mb = ManagedBundle::message();
    mb.entry()["canonicalizedBody"] = json!("not base64!");
    assert_eq!(verify(&mb), Err(Error::InvalidBase64));
    // Duplicate keys (strict JSON).
    let mb = ManagedBundle::message();
    let text = String::from_utf8(mb.json()).unwrap();
    let dup = text.replacen("{\"mediaType\"", "{\"mediaType\":\"x\",\"mediaType\"", 1);
    assert_eq!(
        verify_with(&mb, dup.as_bytes(), &mb.artifact, None),
        Err(Error::DuplicateKey)
    );
}

#[test]
fn too_many_proof_hashes_are_refused() {
    let mut mb = ManagedBundle::message();
    let h = b64(&[0u8; 32]);
    mb.entry()["inclusionProof"]["hashes"] = json!(vec![h; 65]);
    assert_eq!(verify(&mb), Err(Error::BundleTooManyEntries));
}

// --- V6: SET and trusted time ----------------------------------------------------------------

#[test]
fn integrated_time_without_a_valid_set_is_refused() {
    // Another integrated time than the SET covers.
    let mut mb = ManagedBundle::message();
    mb.entry()["integratedTime"] = json!((TIME + 1).to_string());
    assert_eq!(verify(&mb), Err(Error::TlogSetInvalid));
    // A SET over another log index.
    let mut mb = ManagedBundle::message();
    let body = mb.log.leaves[5].clone();
    let set = mb.log.set(&body, TIME, 6);
    mb.entry()["inclusionPromise"]["signedEntryTimestamp"] = json!(b64(&set));
    assert_eq!(verify(&mb), Err(Error::TlogSetInvalid));
    // A SET signed by another key.
    let mut mb = ManagedBundle::message();
    let other = RekorV1::new(9);
    let set = other.set(&mb.log.leaves[5].clone(), TIME, 5);
    mb.entry()["inclusionPromise"]["signedEntryTimestamp"] = json!(b64(&set));
    assert_eq!(verify(&mb), Err(Error::TlogSetInvalid));
    // Garbage.
    let mut mb = ManagedBundle::message();
    mb.entry()["inclusionPromise"]["signedEntryTimestamp"] = json!(b64(&[0x30, 0x00]));
    assert_eq!(verify(&mb), Err(Error::TlogSetInvalid));
    // A SET but no integrated time.
    let mut mb = ManagedBundle::message();
    mb.entry().as_object_mut().unwrap().remove("integratedTime");
    assert_eq!(verify(&mb), Err(Error::BundleMalformed));
    // An integrated time without any SET (v0.3 allows it) is not trusted: no trusted time.
    let mut mb = ManagedBundle::message();
    mb.entry()
        .as_object_mut()
        .unwrap()
        .remove("inclusionPromise");
    assert_eq!(verify(&mb), Err(Error::NoTrustedTime));
}

#[test]
fn log_key_must_be_valid_at_the_integrated_time() {
    let mut mb = ManagedBundle::message();
    mb.root =
        trusted_root(vec![mb.log.trusted_root_entry(
            "2023-01-01T00:00:00Z",
            Some("2023-12-31T23:59:59Z"),
        )]);
    assert_eq!(verify(&mb), Err(Error::TlogKeyNotValid));
    mb.root = trusted_root(vec![
        mb.log.trusted_root_entry("2024-01-01T00:00:01Z", None),
    ]);
    assert_eq!(verify(&mb), Err(Error::TlogKeyNotValid));
    // Closed window: the exact second counts.
    mb.root =
        trusted_root(vec![mb.log.trusted_root_entry(
            "2023-01-01T00:00:00Z",
            Some("2024-01-01T00:00:00Z"),
        )]);
    assert_eq!(verify(&mb), Ok(1));
}

#[test]
fn managed_key_window_is_enforced() {
    let mb = ManagedBundle::message();
    let mut rs = vec![0u8; 4096];
    let root = TrustedRoot::parse(&mb.root, &mut rs).unwrap();
    let digest = digest_of(&mb.artifact);
    let bundle = mb.json();
    for (window, want) in [
        (
            Window {
                start: TIME,
                end: Some(TIME),
            },
            Ok(()),
        ),
        (
            Window {
                start: TIME + 1,
                end: None,
            },
            Err(Error::SigningTimeOutsideValidity),
        ),
        (
            Window {
                start: 0,
                end: Some(TIME - 1),
            },
            Err(Error::SigningTimeOutsideValidity),
        ),
    ] {
        let options = Options {
            policy: Policy::Key {
                spki_der: &mb.signer_spki,
                valid_for: window,
            },
            artifact: &digest,
            predicate_type: None,
            builder_id: None,
        };
        let mut scratch = vec![0u8; keyless::scratch_len(&bundle, &root).unwrap()];
        let got = keyless::verify_bundle(&bundle, &root, &options, &mut scratch).map(|_| ());
        assert_eq!(got, want, "{window:?}");
    }
}

#[test]
fn one_trusted_time_per_log() {
    // Two entries of the same log, each with a valid SET: one trusted time.
    let mut mb = ManagedBundle::message();
    let body = mb.log.leaves[5].clone();
    let idx = mb.log.append(&body, 0);
    let e2 = mb
        .log
        .entry(idx, "hashedrekord", "0.0.1", TIME + 10, true, false);
    let e1 = mb.log.entry(5, "hashedrekord", "0.0.1", TIME, true, false);
    mb.bundle["mediaType"] = json!("application/vnd.dev.sigstore.bundle+json;version=0.1");
    mb.bundle["verificationMaterial"]["tlogEntries"] = json!([e1, e2]);
    assert_eq!(verify(&mb), Ok(1));
}

#[test]
fn unknown_logs_do_not_count() {
    let mut mb = ManagedBundle::message();
    let other = RekorV1::new(11);
    mb.root = trusted_root(vec![other.trusted_root_entry("2023-01-01T00:00:00Z", None)]);
    assert_eq!(verify(&mb), Err(Error::TlogNoTrustedLog));
    // An unknown log beside a known one is skipped.
    let mut mb = ManagedBundle::message();
    let mut e = mb.entry().clone();
    e["logId"]["keyId"] = json!(b64(&[7u8; 32]));
    mb.bundle["verificationMaterial"]["tlogEntries"]
        .as_array_mut()
        .unwrap()
        .push(e);
    assert_eq!(verify(&mb), Ok(1));
}

// --- V6: inclusion proof and checkpoint ----------------------------------------------------

fn set_proof(mb: &mut ManagedBundle, f: impl FnOnce(&mut Value)) {
    f(&mut mb.entry()["inclusionProof"]);
}

#[test]
fn wrong_inclusion_proofs_are_refused() {
    type Change = Box<dyn Fn(&mut Value)>;
    let cases: Vec<(&str, Change)> = vec![
        (
            "index",
            Box::new(|p: &mut Value| p["logIndex"] = json!("4")),
        ),
        (
            "index past the tree",
            Box::new(|p: &mut Value| p["logIndex"] = json!("6")),
        ),
        (
            "tree size",
            Box::new(|p: &mut Value| p["treeSize"] = json!("7")),
        ),
        (
            "root",
            Box::new(|p: &mut Value| p["rootHash"] = json!(b64(&[1u8; 32]))),
        ),
        (
            "one hash less",
            Box::new(|p: &mut Value| {
                p["hashes"].as_array_mut().unwrap().pop();
            }),
        ),
        (
            "one hash more",
            Box::new(|p: &mut Value| {
                p["hashes"]
                    .as_array_mut()
                    .unwrap()
                    .push(json!(b64(&[2u8; 32])));
            }),
        ),
        (
            "a hash changed",
            Box::new(|p: &mut Value| p["hashes"][0] = json!(b64(&[3u8; 32]))),
        ),
        (
            "hashes swapped",
            Box::new(|p: &mut Value| {
                p["hashes"].as_array_mut().unwrap().swap(0, 1);
            }),
        ),
    ];
    for (what, f) in cases {
        let mut mb = ManagedBundle::message();
        set_proof(&mut mb, f);
        assert_eq!(verify(&mb), Err(Error::TlogInclusionProofInvalid), "{what}");
    }
}

#[test]
fn inclusion_proofs_verify_at_every_position() {
    // Every index of trees of 1..=20 leaves, through the bundle's proof JSON.
    for size in 1..=20usize {
        let leaves: Vec<Vec<u8>> = (0..size).map(|i| vec![i as u8; 3]).collect();
        let root = merkle_root(&leaves);
        for m in 0..size {
            let proof = merkle_proof(m, &leaves);
            let leaf = vouch_core::rekor::leaf_hash(&leaves[m]);
            assert_eq!(
                vouch_core::rekor::verify_inclusion(
                    m as u64,
                    size as u64,
                    &leaf,
                    proof.clone(),
                    &root
                ),
                Ok(())
            );
            // Another index or size with the same path fails.
            if size > 1 {
                let other = (m + 1) % size;
                assert!(
                    vouch_core::rekor::verify_inclusion(
                        other as u64,
                        size as u64,
                        &leaf,
                        proof.clone(),
                        &root
                    )
                    .is_err()
                );
            }
            // Another root fails. (Another tree size with the same path can verify when both
            // sizes need the same path: the signed checkpoint binds the size.)
            let mut other_root = root;
            other_root[0] ^= 1;
            assert!(
                vouch_core::rekor::verify_inclusion(
                    m as u64,
                    size as u64,
                    &leaf,
                    proof,
                    &other_root
                )
                .is_err()
            );
        }
    }
}

#[test]
fn checkpoint_signed_by_a_witness_only_is_refused() {
    let mut mb = ManagedBundle::message();
    let root = merkle_root(&mb.log.leaves);
    let text = mb.log.checkpoint_text(mb.log.leaves.len(), &root);
    let witness = RekorV1::new(20);
    let line = witness.sign_line(&text);
    mb.entry()["inclusionProof"]["checkpoint"]["envelope"] = json!(format!("{text}\n{line}"));
    assert_eq!(verify(&mb), Err(Error::CheckpointSignatureInvalid));
    // A witness line claiming the log's name and key hint, with the witness's signature.
    let mut blob = mb.log.log_id[..4].to_vec();
    blob.extend(p256_sign(&witness.key, text.as_bytes()));
    let forged = format!("\u{2014} {} {}\n", mb.log.name, b64(&blob));
    mb.entry()["inclusionProof"]["checkpoint"]["envelope"] = json!(format!("{text}\n{forged}"));
    assert_eq!(verify(&mb), Err(Error::CheckpointSignatureInvalid));
}

#[test]
fn witness_cosignatures_in_any_position_are_ignored() {
    let w1 = RekorV1::new(21);
    let w2 = RekorV2::new(22);
    let mut mb = ManagedBundle::message();
    let root = merkle_root(&mb.log.leaves);
    let text = mb.log.checkpoint_text(mb.log.leaves.len(), &root);
    let lines = [
        w1.sign_line(&text),
        w2.sign_line_as("witness.example", &[1, 2, 3, 4], &text),
    ];
    for (before, after) in [
        (&lines[..], &[][..]),
        (&[][..], &lines[..]),
        (&lines[..1], &lines[1..]),
    ] {
        let proof = mb.log.proof_json(5, before, after);
        mb.entry()["inclusionProof"] = proof;
        assert_eq!(verify(&mb), Ok(1));
    }
}

#[test]
fn checkpoint_for_another_tree_is_refused() {
    // A checkpoint that the log signed, but for a larger tree than the proof's.
    let mut mb = ManagedBundle::message();
    let proof = mb.log.proof_json(5, &[], &[]);
    mb.log.append(b"later entry", 0);
    let later = mb.log.checkpoint(&[], &[]);
    mb.entry()["inclusionProof"] = proof;
    mb.entry()["inclusionProof"]["checkpoint"]["envelope"] = json!(later);
    assert_eq!(verify(&mb), Err(Error::CheckpointMismatch));
}

#[test]
fn malformed_checkpoints_are_refused() {
    let mb0 = ManagedBundle::message();
    let good = mb0.log.checkpoint(&[], &[]);
    let root = merkle_root(&mb0.log.leaves);
    let text = mb0.log.checkpoint_text(mb0.log.leaves.len(), &root);
    let sig = mb0.log.sign_line(&text);
    let many = (0..70).map(|_| sig.clone()).collect::<String>();
    let bad: Vec<(&str, String)> = vec![
        ("no final newline", good.trim_end().to_string()),
        ("no blank line", format!("{text}{sig}")),
        ("no signature", format!("{text}\n")),
        (
            "empty origin",
            format!("\n{}", &good[good.find('\n').unwrap() + 1..]),
        ),
        (
            "size with leading zero",
            good.replacen("\n6\n", "\n06\n", 1),
        ),
        ("size not a number", good.replacen("\n6\n", "\nsix\n", 1)),
        ("root not base64", good.replacen(&b64(&root), "!!!!", 1)),
        (
            "root of 31 bytes",
            good.replacen(&b64(&root), &b64(&root[..31]), 1),
        ),
        (
            "signature line without dash",
            good.replacen('\u{2014}', "-", 1),
        ),
        (
            "signature without base64",
            format!("{text}\n\u{2014} name \n"),
        ),
        (
            "signature of 4 bytes",
            format!("{text}\n\u{2014} name {}\n", b64(&[1, 2, 3, 4])),
        ),
        (
            "name with a space",
            format!("{text}\n\u{2014} a b {}\n", b64(&[1; 9])),
        ),
        ("empty line after signatures", format!("{good}\n")),
        ("control character", good.replacen("rekor", "rek\u{7}or", 1)),
        ("too many lines", format!("{text}\n{many}")),
        ("carriage return", good.replacen('\n', "\r\n", 1)),
    ];
    for (what, note) in bad {
        let mut mb = ManagedBundle::message();
        mb.entry()["inclusionProof"]["checkpoint"]["envelope"] = json!(note);
        assert_eq!(verify(&mb), Err(Error::CheckpointMalformed), "{what}");
    }
    // Extension lines are allowed.
    let mut mb = ManagedBundle::message();
    let ext_text = format!("{text}Timestamp: 1\n");
    let note = format!("{ext_text}\n{}", mb.log.sign_line(&ext_text));
    mb.entry()["inclusionProof"]["checkpoint"]["envelope"] = json!(note);
    assert_eq!(verify(&mb), Ok(1));
}

// --- V6: body ↔ bundle --------------------------------------------------------------------------

/// Replaces the logged body (re-logging it properly: valid SET and proof), so that only the
/// binding can fail.
fn relog(mb: &mut ManagedBundle, body: Vec<u8>, kind: &str, version: &str) {
    let mut log = RekorV1 {
        key: mb.log.key.clone(),
        spki: mb.log.spki.clone(),
        log_id: mb.log.log_id,
        origin: mb.log.origin.clone(),
        name: mb.log.name.clone(),
        leaves: vec![],
    };
    let index = log.append(&body, 5);
    let entry = log.entry(index, kind, version, TIME, true, true);
    mb.log = log;
    *mb.entry() = entry;
}

#[test]
fn log_entry_for_another_artifact_signature_or_key_is_refused() {
    let mb0 = ManagedBundle::message();
    let digest = sha256(&mb0.artifact);
    let sig = p256_sign_digest(&mb0.signer, &digest);
    let key_pem = pem("PUBLIC KEY", &mb0.signer_spki);
    let other_key = p256_spki(p256_key(99).verifying_key());
    let cases = [
        (
            "another artifact",
            hashedrekord_v001(&sha256(b"other"), &sig, &key_pem),
            Error::TlogBodyArtifactMismatch,
        ),
        (
            "another signature",
            hashedrekord_v001(&digest, &p256_sign_digest(&mb0.signer, &[1; 32]), &key_pem),
            Error::TlogBodySignatureMismatch,
        ),
        (
            "another key",
            hashedrekord_v001(&digest, &sig, &pem("PUBLIC KEY", &other_key)),
            Error::TlogBodyKeyMismatch,
        ),
        (
            "a certificate label",
            hashedrekord_v001(&digest, &sig, &pem("CERTIFICATE", &mb0.signer_spki)),
            Error::TlogBodyKeyMismatch,
        ),
    ];
    for (what, body, err) in cases {
        let mut mb = ManagedBundle::message();
        relog(&mut mb, body, "hashedrekord", "0.0.1");
        assert_eq!(verify(&mb), Err(err), "{what}");
    }
    // The untouched body re-logged verifies (the helper is sound).
    let mut mb = ManagedBundle::message();
    relog(
        &mut mb,
        hashedrekord_v001(&digest, &sig, &key_pem),
        "hashedrekord",
        "0.0.1",
    );
    assert_eq!(verify(&mb), Ok(1));
}

#[test]
fn kind_and_version_must_match_and_be_supported() {
    let mb0 = ManagedBundle::message();
    let digest = sha256(&mb0.artifact);
    let sig = p256_sign_digest(&mb0.signer, &digest);
    let body = hashedrekord_v001(&digest, &sig, &pem("PUBLIC KEY", &mb0.signer_spki));
    // kindVersion says intoto, the body says hashedrekord.
    let mut mb = ManagedBundle::message();
    relog(&mut mb, body.clone(), "intoto", "0.0.2");
    assert_eq!(verify(&mb), Err(Error::TlogBodyMalformed));
    // A kind vouch does not bind.
    let text = String::from_utf8(body.clone())
        .unwrap()
        .replace("hashedrekord", "rekord");
    let mut mb = ManagedBundle::message();
    relog(&mut mb, text.into_bytes(), "rekord", "0.0.1");
    assert_eq!(verify(&mb), Err(Error::TlogKindUnsupported));
    // A DSSE kind for a message signature.
    let mut mb = ManagedBundle::message();
    let dsse = dsse_v001(b"payload", &sig, &pem("PUBLIC KEY", &mb0.signer_spki));
    relog(&mut mb, dsse, "dsse", "0.0.1");
    assert_eq!(verify(&mb), Err(Error::TlogKindUnsupported));
    // Not JSON.
    let mut mb = ManagedBundle::message();
    relog(&mut mb, b"{not json".to_vec(), "hashedrekord", "0.0.1");
    assert_eq!(verify(&mb), Err(Error::TlogBodyMalformed));
    // A field missing.
    let mut mb = ManagedBundle::message();
    let text = String::from_utf8(body)
        .unwrap()
        .replace("\"publicKey\"", "\"publicKeyX\"");
    relog(&mut mb, text.into_bytes(), "hashedrekord", "0.0.1");
    assert_eq!(verify(&mb), Err(Error::TlogBodyMalformed));
}

#[test]
fn dsse_entries_bind_payload_signature_and_key() {
    let pt = "application/vnd.in-toto+json";
    let mb0 = ManagedBundle::dsse("https://slsa.dev/provenance/v1");
    let payload = statement(&sha256(&mb0.artifact), "https://slsa.dev/provenance/v1");
    let sig = p256_sign(&mb0.signer, &pae(pt, &payload));
    let key_pem = pem("PUBLIC KEY", &mb0.signer_spki);
    let run = |mb: &ManagedBundle| {
        verify_with(
            mb,
            &mb.json(),
            &mb.artifact,
            Some("https://slsa.dev/provenance/v1"),
        )
    };
    // dsse 0.0.1 verifies, and refuses another payload, signature, key, or two signatures.
    let mut mb = ManagedBundle::dsse("https://slsa.dev/provenance/v1");
    relog(
        &mut mb,
        dsse_v001(&payload, &sig, &key_pem),
        "dsse",
        "0.0.1",
    );
    assert_eq!(run(&mb), Ok(1));
    relog(
        &mut mb,
        dsse_v001(b"other", &sig, &key_pem),
        "dsse",
        "0.0.1",
    );
    assert_eq!(run(&mb), Err(Error::TlogBodyArtifactMismatch));
    relog(
        &mut mb,
        dsse_v001(&payload, &sig[1..], &key_pem),
        "dsse",
        "0.0.1",
    );
    assert_eq!(run(&mb), Err(Error::TlogBodySignatureMismatch));
    let other = pem("PUBLIC KEY", &p256_spki(p256_key(98).verifying_key()));
    relog(&mut mb, dsse_v001(&payload, &sig, &other), "dsse", "0.0.1");
    assert_eq!(run(&mb), Err(Error::TlogBodyKeyMismatch));
    // intoto 0.0.2: two signatures, another payload type, another signature, another key.
    let two = intoto_v002(pt, &payload, &[(&sig, &key_pem), (&sig, &key_pem)]);
    relog(&mut mb, two, "intoto", "0.0.2");
    assert_eq!(run(&mb), Err(Error::TlogBodySignatureMismatch));
    relog(
        &mut mb,
        intoto_v002("text/plain", &payload, &[(&sig, &key_pem)]),
        "intoto",
        "0.0.2",
    );
    assert_eq!(run(&mb), Err(Error::TlogBodyArtifactMismatch));
    relog(
        &mut mb,
        intoto_v002(pt, &payload, &[(&sig[2..], &key_pem)]),
        "intoto",
        "0.0.2",
    );
    assert_eq!(run(&mb), Err(Error::TlogBodySignatureMismatch));
    relog(
        &mut mb,
        intoto_v002(pt, &payload, &[(&sig, &other)]),
        "intoto",
        "0.0.2",
    );
    assert_eq!(run(&mb), Err(Error::TlogBodyKeyMismatch));
    // hashedrekord 0.0.1 for a DSSE bundle: kind not for this content.
    relog(
        &mut mb,
        hashedrekord_v001(&sha256(&payload), &sig, &key_pem),
        "hashedrekord",
        "0.0.1",
    );
    assert_eq!(run(&mb), Err(Error::TlogKindUnsupported));
}

// --- Rekor v2 ---------------------------------------------------------------------------------

/// A Rekor v2 message-signature bundle. Rekor v2 has no integrated time: without an RFC 3161
/// timestamp such a bundle has no trusted time.
fn rekor_v2_bundle(
    mutate: impl FnOnce(&mut RekorV2, &mut Vec<u8>),
) -> (ManagedBundle, Result<usize, Error>) {
    let mut mb = ManagedBundle::message();
    let digest = sha256(&mb.artifact);
    let sig = p256_sign_digest(&mb.signer, &digest);
    let mut body = hashedrekord_v002(&digest, &sig, &mb.signer_spki, false);
    let mut log = RekorV2::new(30);
    mutate(&mut log, &mut body);
    log.leaves.push(b"first".to_vec());
    log.leaves.push(body);
    let entry = log.entry(1);
    *mb.entry() = entry;
    mb.root = trusted_root(vec![log.trusted_root_entry("2023-01-01T00:00:00Z")]);
    let r = verify(&mb);
    (mb, r)
}

#[test]
fn rekor_v2_entries_verify_but_give_no_time() {
    let (_, r) = rekor_v2_bundle(|_, _| {});
    // Everything verified except that there is no trusted time.
    assert_eq!(r, Err(Error::NoTrustedTime));
    // Its body binds the artifact, the signature and the key.
    let (_, r) = rekor_v2_bundle(|_, body| {
        let t = String::from_utf8(body.clone()).unwrap();
        let d = b64(&sha256(b"hello, artifact"));
        *body = t.replace(&d, &b64(&[0u8; 32])).into_bytes();
    });
    assert_eq!(r, Err(Error::TlogBodyArtifactMismatch));
    let (_, r) = rekor_v2_bundle(|_, body| {
        let t = String::from_utf8(body.clone()).unwrap();
        *body = t.replace("publicKey", "x509Certificate").into_bytes();
    });
    assert_eq!(r, Err(Error::TlogBodyKeyMismatch));
}

#[test]
fn rekor_v2_checkpoint_rules() {
    // Signed under another name than the log's origin.
    let mut mb = ManagedBundle::message();
    let digest = sha256(&mb.artifact);
    let sig = p256_sign_digest(&mb.signer, &digest);
    let body = hashedrekord_v002(&digest, &sig, &mb.signer_spki, false);
    let mut log = RekorV2::new(31);
    log.leaves.push(body);
    let root = merkle_root(&log.leaves);
    let text = format!("{}\n1\n{}\n", log.origin, b64(&root));
    let id = log.note_key_id();
    mb.root = trusted_root(vec![log.trusted_root_entry("2023-01-01T00:00:00Z")]);
    let mut entry = log.entry(0);
    for (note, want) in [
        (
            format!("{text}\n{}", log.sign_line_as(&log.origin, &id[..4], &text)),
            Error::NoTrustedTime,
        ),
        (
            format!(
                "{text}\n{}",
                log.sign_line_as("other.name", &id[..4], &text)
            ),
            Error::CheckpointSignatureInvalid,
        ),
        (
            format!(
                "{text}\n{}",
                log.sign_line_as(&log.origin, &[0, 0, 0, 0], &text)
            ),
            Error::CheckpointSignatureInvalid,
        ),
        (
            // The origin line is not the log's.
            {
                let t2 = text.replacen(&log.origin, "other.origin", 1);
                format!("{t2}\n{}", log.sign_line_as(&log.origin, &id[..4], &t2))
            },
            Error::CheckpointMismatch,
        ),
    ] {
        entry["inclusionProof"]["checkpoint"]["envelope"] = json!(note);
        *mb.entry() = entry.clone();
        assert_eq!(verify(&mb), Err(want));
    }
}

// --- V7 -----------------------------------------------------------------------------------------

#[test]
fn message_signature_and_digest_are_checked() {
    // The artifact is not the signed one: the log entry is for another artifact.
    let mb = ManagedBundle::message();
    assert_eq!(
        verify_with(&mb, &mb.json(), b"another artifact", None),
        Err(Error::MessageDigestMismatch)
    );
    // messageDigest differs from the artifact's.
    let mut mb = ManagedBundle::message();
    mb.bundle["messageSignature"]["messageDigest"]["digest"] = json!(b64(&[0u8; 32]));
    assert_eq!(verify(&mb), Err(Error::MessageDigestMismatch));
    // Without messageDigest, the artifact's SHA-256 is what the log entry must name.
    let mut mb = ManagedBundle::message();
    mb.bundle["messageSignature"]
        .as_object_mut()
        .unwrap()
        .remove("messageDigest");
    assert_eq!(verify(&mb), Ok(1));
    assert_eq!(
        verify_with(&mb, &mb.json(), b"another artifact", None),
        Err(Error::TlogBodyArtifactMismatch)
    );
    // A signature by another key, logged consistently: the log binds it, V7 refuses it.
    let mut mb = ManagedBundle::message();
    let digest = sha256(&mb.artifact);
    let bad_sig = p256_sign_digest(&p256_key(50), &digest);
    let body = hashedrekord_v001(&digest, &bad_sig, &pem("PUBLIC KEY", &mb.signer_spki));
    relog(&mut mb, body, "hashedrekord", "0.0.1");
    mb.bundle["messageSignature"]["signature"] = json!(b64(&bad_sig));
    assert_eq!(verify(&mb), Err(Error::InvalidSignature));
}

#[test]
fn dsse_statement_checks_run() {
    let pt = "https://slsa.dev/provenance/v1";
    let mb = ManagedBundle::dsse(pt);
    // Wrong predicate type.
    assert_eq!(
        verify_with(
            &mb,
            &mb.json(),
            &mb.artifact,
            Some("https://slsa.dev/provenance/v0.2")
        ),
        Err(Error::PredicateTypeMismatch)
    );
    // Wrong subject.
    assert_eq!(
        verify_with(&mb, &mb.json(), b"other artifact", Some(pt)),
        Err(Error::SubjectMismatch)
    );
    // Another payload type.
    let mut mb = ManagedBundle::dsse(pt);
    mb.bundle["dsseEnvelope"]["payloadType"] = json!("application/json");
    assert_eq!(verify(&mb), Err(Error::PayloadTypeNotAllowed));
    // A payload changed after signing (and logged as changed): the signature fails.
    let mut mb = ManagedBundle::dsse(pt);
    let payload = statement(&sha256(&mb.artifact), "https://slsa.dev/provenance/v1 ");
    let sig = p256_sign(
        &p256_key(51),
        &pae("application/vnd.in-toto+json", &payload),
    );
    let key_pem = pem("PUBLIC KEY", &mb.signer_spki);
    relog(
        &mut mb,
        intoto_v002(
            "application/vnd.in-toto+json",
            &payload,
            &[(&sig, &key_pem)],
        ),
        "intoto",
        "0.0.2",
    );
    mb.bundle["dsseEnvelope"]["payload"] = json!(b64(&payload));
    mb.bundle["dsseEnvelope"]["signatures"][0]["sig"] = json!(b64(&sig));
    assert_eq!(verify(&mb), Err(Error::InvalidSignature));
}

#[test]
fn policy_must_fit_the_signer() {
    let mb = ManagedBundle::message();
    let mut rs = vec![0u8; 4096];
    let root = TrustedRoot::parse(&mb.root, &mut rs).unwrap();
    let digest = digest_of(&mb.artifact);
    let options = Options {
        policy: Policy::Identity(vouch_core::identity::IdentityPolicy {
            identity: vouch_core::identity::Matcher::Exact("a@b"),
            issuer: vouch_core::identity::Matcher::Exact("https://issuer"),
        }),
        artifact: &digest,
        predicate_type: None,
        builder_id: None,
    };
    let bundle = mb.json();
    let mut scratch = vec![0u8; 65536];
    assert_eq!(
        keyless::verify_bundle(&bundle, &root, &options, &mut scratch).map(|_| ()),
        Err(Error::KeylessPolicyMismatch)
    );
}

#[test]
fn scratch_len_is_enough_and_tight() {
    let mb = ManagedBundle::dsse("https://slsa.dev/provenance/v1");
    let mut rs = vec![0u8; 4096];
    let root = TrustedRoot::parse(&mb.root, &mut rs).unwrap();
    let bundle = mb.json();
    let need = keyless::scratch_len(&bundle, &root).unwrap();
    let digest = digest_of(&mb.artifact);
    let options = Options {
        policy: Policy::Key {
            spki_der: &mb.signer_spki,
            valid_for: Window {
                start: 0,
                end: None,
            },
        },
        artifact: &digest,
        predicate_type: None,
        builder_id: None,
    };
    let mut scratch = vec![0u8; need];
    let v = keyless::verify_bundle(&bundle, &root, &options, &mut scratch).unwrap();
    assert_eq!(v.payload.unwrap().0, b"application/vnd.in-toto+json");
    assert_eq!(v.subject_index, Some(0));
    // Much less scratch is refused with buffer-too-small, never a panic.
    for len in [0, 10, need / 4, need / 2] {
        let mut scratch = vec![0u8; len];
        assert_eq!(
            keyless::verify_bundle(&bundle, &root, &options, &mut scratch).map(|_| ()),
            Err(Error::BufferTooSmall),
            "{len}"
        );
    }
}
