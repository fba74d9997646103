//! Keyless check V4 (embedded SCTs over the reconstructed precertificate): every real leaf, and
//! one refusal per rule with forged leaves and CT logs (`support::pki`).
#![cfg(feature = "keyless")]

mod support;

use support::pki::{
    CtLog, Key, LogEntry, SctSpec, World, issue_with_scts, sct_list, with_sct_list,
};
use vouch_core::Error;
use vouch_core::chain::{path_scratch_len, verify_leaf_path};
use vouch_core::sct::{parse_list, verify_embedded_scts};
use vouch_core::trusted_root::TrustedRoot;
use vouch_core::x509::Certificate;

const T: i64 = 1_700_000_000;
const T_MS: u64 = T as u64 * 1000;

/// Path (V3) then SCTs (V4), as the keyless verification runs them.
fn check(root_json: &str, leaf: &[u8]) -> Result<usize, Error> {
    let mut s = vec![0u8; 8192];
    let root = TrustedRoot::parse(root_json.as_bytes(), &mut s).unwrap();
    let mut scratch = vec![0u8; path_scratch_len(&root)];
    let leaf = Certificate::parse(leaf).unwrap();
    let path = verify_leaf_path(&leaf, &root, T, &mut scratch)?;
    verify_embedded_scts(&leaf, &path.issuer_spki_sha256, &root)
}

#[test]
fn real_leaves_have_verifying_scts() {
    let mut verified = 0;
    for case in support::cases::all() {
        let Some(der) = case.leaf() else { continue };
        if case.name.starts_with("go--othername") {
            continue; // RSA scaffolding root: the path cannot be verified (rsa-unsupported).
        }
        let leaf = Certificate::parse(&der).unwrap();
        let mut s = vec![0u8; 8192];
        let mut doc = case.trusted_root.clone();
        if matches!(
            case.name.as_str(),
            "py--no-log-entry" | "py--v03-no-signed-time"
        ) {
            // Production leaves paired upstream with the staging root (see keyless_chain.rs).
            doc = std::fs::read(format!(
                "{}trusted_roots/production-sigstore-go-testing.json",
                support::cases::VECTORS
            ))
            .unwrap();
        }
        let root = TrustedRoot::parse(&doc, &mut s).unwrap();
        let mut scratch = vec![0u8; path_scratch_len(&root)];
        let path = verify_leaf_path(&leaf, &root, leaf.not_before(), &mut scratch)
            .unwrap_or_else(|e| panic!("{}: {e:?}", case.name));
        let n = verify_embedded_scts(&leaf, &path.issuer_spki_sha256, &root)
            .unwrap_or_else(|e| panic!("{}: {e:?}", case.name));
        assert_eq!(n, 1, "{}", case.name);
        // Another issuer key hash: the signature no longer verifies.
        let mut wrong = path.issuer_spki_sha256;
        wrong[0] ^= 1;
        assert_eq!(
            verify_embedded_scts(&leaf, &wrong, &root),
            Err(Error::SctSignatureInvalid),
            "{}",
            case.name
        );
        verified += 1;
    }
    assert!(verified >= 18, "{verified}");
}

#[test]
fn forged_sct_verifies_wherever_the_extension_sits() {
    let w = World::new(T);
    let root = w.root().to_json();
    let spec = w.leaf_spec();
    for position in 0..=spec.extensions.len() {
        let leaf = issue_with_scts(
            &spec,
            &w.fulcio.intermediate_key,
            &w.fulcio.intermediate_spec.spki,
            &[(&w.ct, SctSpec::at(T_MS))],
            position,
        );
        assert_eq!(check(&root, &leaf), Ok(1), "{position}");
    }
}

#[test]
fn forged_sct_as_the_only_extension() {
    // The precertificate then has no extensions at all: its TBS has no [3] wrapper.
    let w = World::new(T);
    let mut spec = w.leaf_spec();
    spec.extensions.clear();
    let leaf = issue_with_scts(
        &spec,
        &w.fulcio.intermediate_key,
        &w.fulcio.intermediate_spec.spki,
        &[(&w.ct, SctSpec::at(T_MS))],
        0,
    );
    let mut s = vec![0u8; 8192];
    let json = w.root().to_json();
    let root = TrustedRoot::parse(json.as_bytes(), &mut s).unwrap();
    let cert = Certificate::parse(&leaf).unwrap();
    use sha2::Digest;
    let h = sha2::Sha256::digest(&w.fulcio.intermediate_spec.spki);
    assert_eq!(verify_embedded_scts(&cert, &h.into(), &root), Ok(1));
}

#[test]
fn distinct_logs_are_counted_once() {
    let w = World::new(T);
    let ct2 = CtLog::new(20);
    let root = w
        .root()
        .ctlog(LogEntry::ecdsa(
            &ct2.key,
            "https://ct2.example",
            T - 86_400,
            None,
        ))
        .to_json();
    let spec = w.leaf_spec();
    let two_logs = w.fulcio.issue(&spec, &[(&w.ct, T_MS), (&ct2, T_MS + 5)]);
    assert_eq!(check(&root, &two_logs), Ok(2));
    let same_log_twice = w.fulcio.issue(&spec, &[(&w.ct, T_MS), (&w.ct, T_MS + 5)]);
    assert_eq!(check(&root, &same_log_twice), Ok(1));
    // One unknown log and one known: the known one suffices.
    let unknown = CtLog::new(21);
    let mixed = w.fulcio.issue(&spec, &[(&unknown, T_MS), (&w.ct, T_MS)]);
    assert_eq!(check(&root, &mixed), Ok(1));
}

#[test]
fn sct_over_a_different_tbs() {
    let w = World::new(T);
    // The SCT list of one leaf embedded in another (different serial).
    let a = Certificate::parse(&w.leaf())
        .unwrap()
        .sct_list()
        .unwrap()
        .to_vec();
    let mut spec = w.leaf_spec();
    spec.serial += 1;
    let b = with_sct_list(&spec, &w.fulcio.intermediate_key, &a, 3);
    assert_eq!(
        check(&w.root().to_json(), &b),
        Err(Error::SctSignatureInvalid)
    );
    // The SCT extension itself may sit anywhere (it is removed), but the other extensions'
    // order is part of the signed TBS.
    let spec = w.leaf_spec();
    let moved = with_sct_list(&spec, &w.fulcio.intermediate_key, &a, 0);
    assert_eq!(check(&w.root().to_json(), &moved), Ok(1));
    let mut reordered = w.leaf_spec();
    reordered.extensions.swap(0, 1);
    let swapped = with_sct_list(&reordered, &w.fulcio.intermediate_key, &a, 3);
    assert_eq!(
        check(&w.root().to_json(), &swapped),
        Err(Error::SctSignatureInvalid)
    );
    // SCT signed over another issuer's key hash.
    let other = Key::p384(77);
    let leaf = issue_with_scts(
        &spec,
        &w.fulcio.intermediate_key,
        &other.spki_der(),
        &[(&w.ct, SctSpec::at(T_MS))],
        3,
    );
    assert_eq!(
        check(&w.root().to_json(), &leaf),
        Err(Error::SctSignatureInvalid)
    );
    // A flipped signature byte.
    let leaf_der = w.leaf();
    let mut list = Certificate::parse(&leaf_der)
        .unwrap()
        .sct_list()
        .unwrap()
        .to_vec();
    let last = list.len() - 3;
    list[last] ^= 0x01;
    let bad = with_sct_list(&spec, &w.fulcio.intermediate_key, &list, 3);
    assert_eq!(
        check(&w.root().to_json(), &bad),
        Err(Error::SctSignatureInvalid)
    );
}

#[test]
fn sct_from_an_unknown_ct_log() {
    let w = World::new(T);
    let mut root = w.root();
    root.ctlogs.clear();
    assert_eq!(check(&root.to_json(), &w.leaf()), Err(Error::SctUnknownLog));
    let stranger = CtLog::new(33);
    let leaf = w.fulcio.issue(&w.leaf_spec(), &[(&stranger, T_MS)]);
    assert_eq!(check(&w.root().to_json(), &leaf), Err(Error::SctUnknownLog));
}

#[test]
fn sct_timestamp_outside_the_log_window() {
    let w = World::new(T);
    let root = w.root();
    let spec = w.leaf_spec();
    let before = w
        .fulcio
        .issue(&spec, &[(&w.ct, (T as u64 - 86_401) * 1000)]);
    assert_eq!(
        check(&root.to_json(), &before),
        Err(Error::SctOutsideLogValidity)
    );
    let after = w
        .fulcio
        .issue(&spec, &[(&w.ct, (T as u64 + 86_400) * 1000 + 1)]);
    assert_eq!(
        check(&root.to_json(), &after),
        Err(Error::SctOutsideLogValidity)
    );
    // Closed window: its first and last millisecond-aligned seconds are inside.
    for ts in [(T as u64 - 86_400) * 1000, (T as u64 + 86_400) * 1000] {
        let edge = w.fulcio.issue(&spec, &[(&w.ct, ts)]);
        assert_eq!(check(&root.to_json(), &edge), Ok(1));
    }
}

#[test]
fn no_sct() {
    let w = World::new(T);
    let leaf = w.fulcio.issue(&w.leaf_spec(), &[]);
    assert_eq!(check(&w.root().to_json(), &leaf), Err(Error::SctMissing));
}

#[test]
fn malformed_and_unsupported_scts() {
    let w = World::new(T);
    let spec = w.leaf_spec();
    let good_der = w.leaf();
    let good = Certificate::parse(&good_der)
        .unwrap()
        .sct_list()
        .unwrap()
        .to_vec();
    let sct = good[4..].to_vec();
    let embed = |list: &[u8]| with_sct_list(&spec, &w.fulcio.intermediate_key, list, 3);
    let root = w.root().to_json();
    // Empty list, list length off by one, trailing byte, truncated SCT, empty SCT.
    let mut cases: Vec<Vec<u8>> = vec![vec![0, 0], sct_list(&[vec![]])];
    let mut long = good.clone();
    long[1] += 1;
    cases.push(long);
    let mut trailing = good.clone();
    trailing.push(0);
    cases.push(trailing);
    cases.push(sct_list(&[sct[..sct.len() - 1].to_vec()]));
    let mut extra_byte = sct.clone();
    extra_byte.push(0);
    cases.push(sct_list(&[extra_byte]));
    for (i, list) in cases.iter().enumerate() {
        assert_eq!(
            check(&root, &embed(list)),
            Err(Error::SctMalformed),
            "case {i}"
        );
        assert!(
            parse_list(list).map_or(true, |mut l| l.any(|s| s.is_err())),
            "case {i}"
        );
    }
    // Too many SCTs.
    let many = sct_list(&vec![sct.clone(); 17]);
    assert_eq!(check(&root, &embed(&many)), Err(Error::SctMalformed));
    // Version 2.
    let mut v2 = sct.clone();
    v2[0] = 1;
    assert_eq!(
        check(&root, &embed(&sct_list(&[v2.clone()]))),
        Err(Error::SctUnsupported)
    );
    // An SCT of an unknown version, or a malformed one, beside a good one: the good one counts.
    let truncated = sct[..sct.len() - 1].to_vec();
    for other in [v2, truncated] {
        assert_eq!(
            check(&root, &embed(&sct_list(&[other.clone(), sct.clone()]))),
            Ok(1)
        );
    }
    // Hash algorithm SHA-384 (5) and signature algorithm RSA (1) bytes.
    let alg_at = 1 + 32 + 8 + 2;
    for (off, v) in [(0, 5u8), (1, 1u8)] {
        let mut s = sct.clone();
        s[alg_at + off] = v;
        assert_eq!(
            check(&root, &embed(&sct_list(&[s]))),
            Err(Error::SctUnsupported)
        );
    }
    // A P-384 CT log key.
    let p384_log = CtLog { key: Key::p384(40) };
    let leaf = w.fulcio.issue(&spec, &[(&p384_log, T_MS)]);
    let root384 = w
        .root()
        .ctlog(LogEntry::ecdsa(
            &p384_log.key,
            "https://ct384.example",
            T - 86_400,
            None,
        ))
        .to_json();
    assert_eq!(check(&root384, &leaf), Err(Error::SctUnsupported));
}

#[test]
fn sct_from_an_rsa_ct_log_is_a_named_refusal() {
    use base64ct::{Base64, Encoding};
    // The staging root lists an RSA CT log; an SCT naming it cannot be verified.
    let doc = std::fs::read(format!(
        "{}trusted_roots/staging-sigstore-python.json",
        support::cases::VECTORS
    ))
    .unwrap();
    let mut s = vec![0u8; 8192];
    let root = TrustedRoot::parse(&doc, &mut s).unwrap();
    let rsa_id = Base64::decode_vec("G3wUKk6ZK6ffHh/FdCRUE2wVekyzHEEIpSG4savnv0w=").unwrap();
    let w = World::new(T);
    let leaf_der = w.leaf();
    let mut sct = Certificate::parse(&leaf_der).unwrap().sct_list().unwrap()[4..].to_vec();
    sct[1..33].copy_from_slice(&rsa_id);
    let leaf = with_sct_list(
        &w.leaf_spec(),
        &w.fulcio.intermediate_key,
        &sct_list(&[sct]),
        3,
    );
    let cert = Certificate::parse(&leaf).unwrap();
    assert_eq!(
        verify_embedded_scts(&cert, &[0; 32], &root),
        Err(Error::RsaUnsupported)
    );
}
