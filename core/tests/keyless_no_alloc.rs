//! The keyless foundations never touch the heap: a counting global allocator watches trusted
//! root parsing, certificate decoding and parsing, chain and leaf signature checks (P-384 over
//! SHA-384), SAN and Fulcio claim reading, path validation at a time (V3), embedded SCTs (V4),
//! identity matching (V5), RFC 3161 timestamps (V2 a), and refusals, and must see zero
//! allocations.
//! One test in this file, so that no other test thread allocates while the region is open.
#![cfg(feature = "keyless")]

use std::alloc::System;

use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use vouch_core::chain::{path_scratch_len, verify_leaf_path};
use vouch_core::identity::{IdentityPolicy, Matcher, check_identity};
use vouch_core::sct::verify_embedded_scts;
use vouch_core::timestamp::{timestamp_scratch_len, verify_timestamp};
use vouch_core::trusted_root::TrustedRoot;
use vouch_core::x509::{Certificate, fulcio};
use vouch_core::{Error, base64, json};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors/sigstore/");

#[test]
fn keyless_foundations_perform_no_heap_allocation() {
    // --- Set-up (allocates freely) ---------------------------------------------------------
    let root_doc = std::fs::read(format!(
        "{VECTORS}trusted_roots/production-sigstore-go-testing.json"
    ))
    .unwrap();
    let bundle = std::fs::read(format!(
        "{VECTORS}cases/go--sigstorejs-2.0.0-provenance-exact/bundle.sigstore.json"
    ))
    .unwrap();
    let broken_root = String::from_utf8(root_doc.clone())
        .unwrap()
        .replace("\"start\"", "\"begin\"");
    // A real RFC 3161 timestamp (staging, Rekor v2 case), its root and the bundle signature.
    let ts_case = "py--staging-rekor-v2";
    let ts_root_doc = std::fs::read(format!(
        "{VECTORS}trusted_roots/staging-sigstore-python.json"
    ))
    .unwrap();
    let ts_bundle: serde_json::Value = serde_json::from_slice(
        &std::fs::read(format!("{VECTORS}cases/{ts_case}/bundle.sigstore.json")).unwrap(),
    )
    .unwrap();
    let b64 = |v: &serde_json::Value| -> Vec<u8> {
        use base64ct::{Base64, Encoding};
        Base64::decode_vec(v.as_str().unwrap()).unwrap()
    };
    let token = b64(
        &ts_bundle["verificationMaterial"]["timestampVerificationData"]["rfc3161Timestamps"][0]["signedTimestamp"],
    );
    let ts_signature = b64(&ts_bundle["messageSignature"]["signature"]);

    // Sanity: the counter does see allocations.
    let region = Region::new(GLOBAL);
    let v = core::hint::black_box(vec![1u8; 100]);
    assert!(region.change().allocations >= 1);
    drop(v);

    // --- Measured -------------------------------------------------------------------------
    let region = Region::new(GLOBAL);
    let mut a = [0u8; 4096];
    let mut b = [0u8; 4096];
    let mut leaf_buf = [0u8; 4096];

    let root = TrustedRoot::parse(&root_doc, &mut a).unwrap();
    let mut links = 0;
    for auth in root
        .certificate_authorities()
        .chain(root.timestamp_authorities())
    {
        let n = auth.chain_len();
        for i in 0..n {
            let child = auth.certificate(i, &mut a).unwrap();
            let parent = auth.certificate((i + 1).min(n - 1), &mut b).unwrap();
            child.verify_issued_by(&parent).unwrap();
            links += 1;
        }
    }
    assert_eq!(links, 6);
    for log in root.tlogs().chain(root.ctlogs()) {
        log.public_key().unwrap();
        assert!(root.find_tlog(&log.log_id).is_some() || root.find_ctlog(&log.log_id).is_some());
    }

    let doc = json::parse(&bundle).unwrap();
    let b64 = doc
        .get("verificationMaterial")
        .and_then(|v| v.get("x509CertificateChain"))
        .and_then(|v| v.get("certificates"))
        .and_then(|v| v.elements().next())
        .and_then(|v| v.get("rawBytes"))
        .and_then(|v| v.as_str())
        .unwrap();
    let n = base64::decode_json_str(&b64, &mut leaf_buf).unwrap();
    let leaf = Certificate::parse(&leaf_buf[..n]).unwrap();
    let ca = root.certificate_authorities().nth(1).unwrap();
    let intermediate = ca.certificate(0, &mut b).unwrap();
    leaf.verify_issued_by(&intermediate).unwrap();
    assert!(leaf.subject_alt_names().any(|s| s.identity().is_some()));
    assert!(leaf.fulcio_issuer().is_some());
    assert!(
        leaf.fulcio_claim(fulcio::GITHUB_WORKFLOW_REPOSITORY)
            .unwrap()
            .is_some()
    );
    assert!(leaf.has_code_signing_eku());
    assert!(leaf.sct_list().is_some());
    assert_eq!(leaf.unknown_critical_extensions().count(), 0);

    // V3, V4, V5 on the real leaf.
    let mut path_scratch = [0u8; 8192];
    assert!(path_scratch_len(&root) <= path_scratch.len());
    let path = verify_leaf_path(&leaf, &root, leaf.not_before(), &mut path_scratch).unwrap();
    assert_eq!(
        verify_embedded_scts(&leaf, &path.issuer_spki_sha256, &root),
        Ok(1)
    );
    let policy = IdentityPolicy {
        identity: Matcher::Exact(
            "https://github.com/sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/main",
        ),
        issuer: Matcher::Exact("https://token.actions.githubusercontent.com"),
    };
    check_identity(&leaf, &policy).unwrap();
    assert_eq!(
        verify_leaf_path(&leaf, &root, leaf.not_after() + 1, &mut path_scratch),
        Err(Error::CertNotValidAtTime)
    );
    let mut wrong = path.issuer_spki_sha256;
    wrong[0] ^= 1;
    assert_eq!(
        verify_embedded_scts(&leaf, &wrong, &root),
        Err(Error::SctSignatureInvalid)
    );
    let prefix = IdentityPolicy {
        identity: Matcher::Exact("https://github.com/sigstore/sigstore-js/"),
        issuer: Matcher::Exact("https://token.actions.githubusercontent.com"),
    };
    assert_eq!(
        check_identity(&leaf, &prefix).err(),
        Some(Error::IdentityMismatch)
    );

    // V2 (a) on the real timestamp.
    let ts_root = TrustedRoot::parse(&ts_root_doc, &mut a).unwrap();
    let mut ts_scratch = [0u8; 8192];
    assert!(timestamp_scratch_len(&ts_root) <= ts_scratch.len());
    let ts = verify_timestamp(&token, &ts_signature, &ts_root, &mut ts_scratch).unwrap();
    assert_eq!(ts.time, 1_749_470_258);
    assert_eq!(
        verify_timestamp(&token, &ts_signature[1..], &ts_root, &mut ts_scratch),
        Err(Error::TimestampImprintMismatch)
    );
    assert_eq!(
        verify_timestamp(&token, &ts_signature, &root, &mut ts_scratch),
        Err(Error::TimestampUntrusted)
    );

    // Refusals.
    assert_eq!(
        Certificate::parse(&leaf_buf[..n - 1]).err(),
        Some(Error::DerTruncated)
    );
    assert_eq!(
        TrustedRoot::parse(broken_root.as_bytes(), &mut a).err(),
        Some(Error::TrustedRootMissingStart)
    );
    assert_eq!(
        TrustedRoot::parse(&root_doc, &mut a[..100]).err(),
        Some(Error::BufferTooSmall)
    );

    let stats = region.change();
    assert_eq!(stats.allocations, 0, "{stats:?}");
    assert_eq!(stats.reallocations, 0, "{stats:?}");
    assert_eq!(stats.bytes_allocated, 0, "{stats:?}");
}
