//! Writes the synthetic managed-key bundle the CLI tests use for npm's publish attestation
//! (`host-cli/tests/fixtures/keyless/`): a DSSE bundle signed by a test-only P-256 key, with the
//! predicate type of npm's publish attestation and the subject of the real `sigstore@2.0.0`
//! provenance bundle (so that one npm attestations document holds both), logged in a test Rekor
//! log (`support/rekor.rs`). Deterministic (fixed seeds, RFC 6979 signatures). Run with
//! `cargo test -p vouch-core --test keyless_emit_fixtures -- --ignored` to regenerate.
#![cfg(feature = "keyless")]

mod support;

use serde_json::json;
use support::rekor::*;

#[test]
#[ignore = "writes fixtures; run on purpose"]
fn emit_npm_publish_fixture() {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../host-cli/tests/fixtures/keyless"
    );
    std::fs::create_dir_all(dir).unwrap();
    let signer = p256_key(21);
    let spki = p256_spki(signer.verifying_key());
    let payload = json!({
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"name": "pkg:npm/sigstore@2.0.0", "digest": {"sha512": "46d4e2f74c4877316640000a6fdf8a8b59f1e0847667973e9859f774dd31b8f1e0937813b777fb66a2ac67d50540fe34640966eee9fc2ccca387082b4c85cd3c"}}],
        "predicateType": "https://github.com/npm/attestation/tree/main/specs/publish/v0.1",
        "predicate": {"name": "sigstore", "version": "2.0.0", "registry": "https://registry.npmjs.org"},
    })
    .to_string()
    .into_bytes();
    let pt = "application/vnd.in-toto+json";
    let sig = p256_sign(&signer, &pae(pt, &payload));
    let pem_text = pem("PUBLIC KEY", &spki);
    let body = intoto_v002(pt, &payload, &[(&sig, &pem_text)]);
    let mut log = RekorV1::new(22);
    let index = log.append(&body, 3);
    let entry = log.entry(index, "intoto", "0.0.2", TIME, true, true);
    let bundle = json!({
        "mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
        "verificationMaterial": {"publicKey": {"hint": "test-only npm publish key"}, "tlogEntries": [entry]},
        "dsseEnvelope": {"payload": b64(&payload), "payloadType": pt, "signatures": [{"sig": b64(&sig), "keyid": ""}]},
    });
    std::fs::write(
        format!("{dir}/npm-publish.sigstore.json"),
        bundle.to_string(),
    )
    .unwrap();
    std::fs::write(format!("{dir}/npm-publish.pub"), pem_text).unwrap();
    let tlog = log.trusted_root_entry("2023-01-01T00:00:00Z", None);
    std::fs::write(format!("{dir}/npm-publish-tlog.json"), tlog.to_string()).unwrap();
}
