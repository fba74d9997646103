//! Keyless check V3 (certificate path at a trusted time): every real leaf against its trusted
//! root, and one refusal per rule with forged chains (`support::pki`).
#![cfg(feature = "keyless")]

mod support;

use sha2::{Digest, Sha256};
use support::pki::{self, AuthorityEntry, Curve, Ext, Fulcio, San, World, key_usage, oids};
use vouch_core::Error;
use vouch_core::chain::{VerifiedPath, path_scratch_len, verify_leaf_path};
use vouch_core::trusted_root::TrustedRoot;
use vouch_core::x509::Certificate;

const T: i64 = 1_700_000_000;

/// The path's verdict; the same with the root's chain signatures checked once beforehand
/// (`TrustedRoot::precompute_chains`), which every test here therefore covers too.
fn verify(root_json: &str, leaf: &[u8], at: i64) -> Result<VerifiedPath, Error> {
    let mut parse_scratch = vec![0u8; 8192];
    let root = TrustedRoot::parse(root_json.as_bytes(), &mut parse_scratch).unwrap();
    let mut scratch = vec![0u8; path_scratch_len(&root)];
    let leaf = Certificate::parse(leaf).unwrap();
    let plain = verify_leaf_path(&leaf, &root, at, &mut scratch);
    let precomputed = root.precompute_chains(&mut scratch);
    assert_eq!(
        verify_leaf_path(&leaf, &precomputed, at, &mut scratch),
        plain,
        "precomputed chains changed the verdict"
    );
    plain
}

#[test]
fn real_leaves_verify_at_their_not_before() {
    let mut verified = 0;
    let mut rsa = 0;
    let mut foreign = Vec::new();
    for case in support::cases::all() {
        let Some(der) = case.leaf() else { continue };
        let leaf = Certificate::parse(&der).unwrap();
        let mut s = vec![0u8; 8192];
        let mut root_doc = case.trusted_root.clone();
        {
            let own = TrustedRoot::parse(&root_doc, &mut s).unwrap();
            let mut scratch = vec![0u8; path_scratch_len(&own)];
            if verify_leaf_path(&leaf, &own, leaf.not_before(), &mut scratch)
                == Err(Error::UntrustedIssuer)
            {
                // Upstream pairs a few failing cases with a root whose CAs did not issue their
                // leaf: the leaf must then verify under another instance's root.
                assert_eq!(case.str("expect"), Some("fail"), "{}", case.name);
                foreign.push(case.name.clone());
                root_doc = std::fs::read(format!(
                    "{}trusted_roots/production-sigstore-go-testing.json",
                    support::cases::VECTORS
                ))
                .unwrap();
            }
        }
        let root = TrustedRoot::parse(&root_doc, &mut s).unwrap();
        let mut scratch = vec![0u8; path_scratch_len(&root)];
        for at in [leaf.not_before(), leaf.not_after()] {
            match verify_leaf_path(&leaf, &root, at, &mut scratch) {
                Ok(p) => {
                    let auth = root
                        .certificate_authorities()
                        .nth(p.authority_index)
                        .unwrap();
                    let mut b = vec![0u8; 8192];
                    let issuer = auth.certificate(0, &mut b).unwrap();
                    assert_eq!(
                        p.issuer_spki_sha256,
                        <[u8; 32]>::from(Sha256::digest(issuer.spki())),
                        "{}",
                        case.name
                    );
                    leaf.verify_issued_by(&issuer).unwrap();
                    verified += 1;
                }
                // The scaffolding instance's root CA is RSA.
                Err(Error::RsaUnsupported) if case.name.starts_with("go--othername") => rsa += 1,
                Err(e) => panic!("{}: {e:?}", case.name),
            }
        }
        // One second outside the leaf's validity: refused (not for RSA chains, refused anyway).
        for at in [leaf.not_before() - 1, leaf.not_after() + 1] {
            let got = verify_leaf_path(&leaf, &root, at, &mut scratch);
            if !case.name.starts_with("go--othername") {
                assert_eq!(got, Err(Error::CertNotValidAtTime), "{}", case.name);
            }
        }
    }
    assert_eq!(rsa, 4);
    assert_eq!(foreign, ["py--no-log-entry", "py--v03-no-signed-time"]);
    assert!(verified >= 36, "{verified}");
}

#[test]
fn real_leaf_refused_under_another_instance_root() {
    // A production leaf against the staging root: no trusted CA issued it.
    let cases = support::cases::all();
    let prod = cases
        .iter()
        .find(|c| c.name == "py--github-release-wheel-production")
        .unwrap();
    let staging = cases
        .iter()
        .find(|c| c.name == "py--bundle-v03-staging")
        .unwrap();
    let der = prod.leaf().unwrap();
    let leaf = Certificate::parse(&der).unwrap();
    let root_json = String::from_utf8(staging.trusted_root.clone()).unwrap();
    assert_eq!(
        verify(&root_json, &der, leaf.not_before()),
        Err(Error::UntrustedIssuer)
    );
}

#[test]
fn forged_chains_verify_p384_and_p256() {
    for curve in [Curve::P384, Curve::P256] {
        let mut w = World::new(T);
        w.fulcio = Fulcio::new(1, curve, T - 86_400, T + 86_400);
        let leaf = w.leaf();
        let p = verify(&w.root().to_json(), &leaf, T).unwrap();
        assert_eq!(p.authority_index, 0);
        assert_eq!(
            p.issuer_spki_sha256,
            <[u8; 32]>::from(Sha256::digest(w.fulcio.intermediate_key.spki_der()))
        );
        // Closed windows: the ends of every validity and of validFor are inside.
        assert!(verify(&w.root().to_json(), &leaf, T - 60).is_ok());
        assert!(verify(&w.root().to_json(), &leaf, T + 540).is_ok());
    }
}

#[test]
fn the_issuing_authority_is_found_among_several() {
    let w = World::new(T);
    let other = Fulcio::new(7, Curve::P384, T - 86_400, T + 86_400);
    let root = w
        .root()
        .ca(AuthorityEntry::new(other.chain(), T - 86_400, None));
    let mut root2 = root.clone();
    root2.cas.reverse();
    let leaf = w.leaf();
    assert_eq!(
        verify(&root.to_json(), &leaf, T).unwrap().authority_index,
        0
    );
    assert_eq!(
        verify(&root2.to_json(), &leaf, T).unwrap().authority_index,
        1
    );
    // A chain of the root CA alone: a leaf issued directly by a root verifies too.
    let direct = pki::World {
        fulcio: Fulcio {
            intermediate_key: w.fulcio.root_key.clone(),
            intermediate_spec: w.fulcio.root_spec.clone(),
            ..w.fulcio.clone()
        },
        ..w.clone()
    };
    let leaf = direct.leaf();
    let root = pki::RootBuilder::new().ca(AuthorityEntry::new(
        vec![w.fulcio.root.clone()],
        T - 86_400,
        None,
    ));
    assert!(verify(&root.to_json(), &leaf, T).is_ok());
}

#[test]
fn intermediate_expired_at_t_while_the_leaf_is_valid() {
    let mut w = World::new(T);
    let spec = pki::CertSpec {
        not_after: T - 1,
        ..w.fulcio.intermediate_spec.clone()
    };
    w.fulcio.reissue_intermediate(spec);
    let leaf = w.leaf();
    assert!(Certificate::parse(&leaf).unwrap().valid_at(T));
    assert_eq!(
        verify(&w.root().to_json(), &leaf, T),
        Err(Error::CertNotValidAtTime)
    );
    // And not yet valid.
    let mut w = World::new(T);
    let spec = pki::CertSpec {
        not_before: T + 1,
        ..w.fulcio.intermediate_spec.clone()
    };
    w.fulcio.reissue_intermediate(spec);
    assert_eq!(
        verify(&w.root().to_json(), &w.leaf(), T),
        Err(Error::CertNotValidAtTime)
    );
}

#[test]
fn root_expired_at_t() {
    let mut w = World::new(T);
    let spec = pki::CertSpec {
        not_after: T - 1,
        ..w.fulcio.root_spec.clone()
    };
    w.fulcio.reissue_root(spec);
    assert_eq!(
        verify(&w.root().to_json(), &w.leaf(), T),
        Err(Error::CertNotValidAtTime)
    );
}

#[test]
fn leaf_not_valid_at_t() {
    let w = World::new(T);
    let leaf = w.leaf();
    assert_eq!(
        verify(&w.root().to_json(), &leaf, T - 61),
        Err(Error::CertNotValidAtTime)
    );
    assert_eq!(
        verify(&w.root().to_json(), &leaf, T + 541),
        Err(Error::CertNotValidAtTime)
    );
}

#[test]
fn ca_outside_its_valid_for() {
    let w = World::new(T);
    let mut root = w.root();
    root.cas[0].end = Some(T - 1);
    assert_eq!(
        verify(&root.to_json(), &w.leaf(), T),
        Err(Error::AuthorityOutsideValidity)
    );
    let mut root = w.root();
    root.cas[0].start = T + 1;
    root.cas[0].end = None;
    assert_eq!(
        verify(&root.to_json(), &w.leaf(), T),
        Err(Error::AuthorityOutsideValidity)
    );
    // The window's own ends are inside (closed).
    let mut root = w.root();
    root.cas[0].start = T;
    root.cas[0].end = Some(T);
    assert!(verify(&root.to_json(), &w.leaf(), T).is_ok());
}

#[test]
fn leaf_signed_by_an_untrusted_ca() {
    let w = World::new(T);
    let rogue = Fulcio::new(9, Curve::P384, T - 86_400, T + 86_400);
    let mut spec = w.leaf_spec();
    // Same names as the trusted intermediate: only the key differs.
    spec.issuer = w.fulcio.intermediate_spec.subject.clone();
    let leaf = rogue.issue(&spec, &[(&w.ct, T as u64 * 1000)]);
    assert_eq!(
        verify(&w.root().to_json(), &leaf, T),
        Err(Error::UntrustedIssuer)
    );
    // A trusted root with no certificate authority at all.
    let mut root = w.root();
    root.cas.clear();
    assert_eq!(
        verify(&root.to_json(), &w.leaf(), T),
        Err(Error::UntrustedIssuer)
    );
}

#[test]
fn issuer_name_mismatch() {
    let w = World::new(T);
    let mut spec = w.leaf_spec();
    spec.issuer = pki::name("sigstore.dev", "somebody-else");
    assert_eq!(
        verify(&w.root().to_json(), &w.issue(&spec), T),
        Err(Error::NameChainingMismatch)
    );
    // Between intermediate and root.
    let mut w = World::new(T);
    let mut spec = w.fulcio.intermediate_spec.clone();
    spec.issuer = pki::name("sigstore.dev", "another-root");
    w.fulcio.reissue_intermediate(spec);
    assert_eq!(
        verify(&w.root().to_json(), &w.leaf(), T),
        Err(Error::NameChainingMismatch)
    );
}

#[test]
fn issuer_without_ca_true() {
    for bc in [Some(Ext::basic_constraints(false, None)), None] {
        let mut w = World::new(T);
        let mut spec = w.fulcio.intermediate_spec.clone();
        spec = match &bc {
            Some(e) => spec.with_ext(e.clone()),
            None => spec.without_ext(oids::BASIC_CONSTRAINTS),
        };
        w.fulcio.reissue_intermediate(spec);
        assert_eq!(
            verify(&w.root().to_json(), &w.leaf(), T),
            Err(Error::IssuerNotCa),
            "{bc:?}"
        );
    }
    // The root too.
    let mut w = World::new(T);
    let spec = w
        .fulcio
        .root_spec
        .clone()
        .without_ext(oids::BASIC_CONSTRAINTS);
    w.fulcio.reissue_root(spec);
    assert_eq!(
        verify(&w.root().to_json(), &w.leaf(), T),
        Err(Error::IssuerNotCa)
    );
}

#[test]
fn issuer_key_usage_without_key_cert_sign() {
    let mut w = World::new(T);
    let spec = w
        .fulcio
        .intermediate_spec
        .clone()
        .with_ext(Ext::key_usage(key_usage::DIGITAL_SIGNATURE));
    w.fulcio.reissue_intermediate(spec);
    assert_eq!(
        verify(&w.root().to_json(), &w.leaf(), T),
        Err(Error::IssuerKeyUsage)
    );
    // Without KeyUsage at all, an issuer is accepted (RFC 5280 §4.2.1.3 applies when present).
    let mut w = World::new(T);
    let spec = w
        .fulcio
        .intermediate_spec
        .clone()
        .without_ext(oids::KEY_USAGE);
    w.fulcio.reissue_intermediate(spec);
    assert!(verify(&w.root().to_json(), &w.leaf(), T).is_ok());
}

#[test]
fn path_length_exceeded() {
    // Root pathLen 0 with one intermediate below it.
    let mut w = World::new(T);
    let spec = w
        .fulcio
        .root_spec
        .clone()
        .with_ext(Ext::basic_constraints(true, Some(0)));
    w.fulcio.reissue_root(spec);
    assert_eq!(
        verify(&w.root().to_json(), &w.leaf(), T),
        Err(Error::PathLengthExceeded)
    );
    // pathLen 0 on the intermediate itself is fine (no CA below it).
    let w = World::new(T);
    assert!(verify(&w.root().to_json(), &w.leaf(), T).is_ok());
}

#[test]
fn unknown_critical_extension_anywhere_on_the_path() {
    let unknown = Ext::raw(oids::UNKNOWN, true, &pki::der::null());
    // Leaf.
    let w = World::new(T);
    let spec = w.leaf_spec().with_ext(unknown.clone());
    assert_eq!(
        verify(&w.root().to_json(), &w.issue(&spec), T),
        Err(Error::UnknownCriticalExtension)
    );
    // Not critical: fine.
    let spec = w
        .leaf_spec()
        .with_ext(Ext::raw(oids::UNKNOWN, false, &pki::der::null()));
    assert!(verify(&w.root().to_json(), &w.issue(&spec), T).is_ok());
    // Intermediate.
    let mut w = World::new(T);
    let spec = w.fulcio.intermediate_spec.clone().with_ext(unknown.clone());
    w.fulcio.reissue_intermediate(spec);
    assert_eq!(
        verify(&w.root().to_json(), &w.leaf(), T),
        Err(Error::UnknownCriticalExtension)
    );
    // Root.
    let mut w = World::new(T);
    let spec = w.fulcio.root_spec.clone().with_ext(unknown);
    w.fulcio.reissue_root(spec);
    assert_eq!(
        verify(&w.root().to_json(), &w.leaf(), T),
        Err(Error::UnknownCriticalExtension)
    );
}

#[test]
fn leaf_without_code_signing() {
    let w = World::new(T);
    for spec in [
        w.leaf_spec()
            .with_ext(Ext::eku(&[oids::KP_TIME_STAMPING], false)),
        w.leaf_spec().without_ext(oids::EXT_KEY_USAGE),
    ] {
        assert_eq!(
            verify(&w.root().to_json(), &w.issue(&spec), T),
            Err(Error::LeafExtendedKeyUsage)
        );
    }
}

#[test]
fn leaf_without_digital_signature() {
    let w = World::new(T);
    for spec in [
        w.leaf_spec()
            .with_ext(Ext::key_usage(key_usage::CONTENT_COMMITMENT)),
        w.leaf_spec().without_ext(oids::KEY_USAGE),
    ] {
        assert_eq!(
            verify(&w.root().to_json(), &w.issue(&spec), T),
            Err(Error::LeafKeyUsage)
        );
    }
}

#[test]
fn leaf_that_is_a_ca() {
    let w = World::new(T);
    let spec = w.leaf_spec().with_ext(Ext::basic_constraints(true, None));
    assert_eq!(
        verify(&w.root().to_json(), &w.issue(&spec), T),
        Err(Error::LeafIsCa)
    );
    // The CA certificates themselves are never leaves.
    assert_eq!(
        verify(&w.root().to_json(), &w.fulcio.intermediate, T),
        Err(Error::LeafIsCa)
    );
    // cA false is a leaf.
    let spec = w.leaf_spec().with_ext(Ext::basic_constraints(false, None));
    assert!(verify(&w.root().to_json(), &w.issue(&spec), T).is_ok());
}

#[test]
fn scratch_too_small() {
    let w = World::new(T);
    let json = w.root().to_json();
    let mut s = vec![0u8; 8192];
    let root = TrustedRoot::parse(json.as_bytes(), &mut s).unwrap();
    let leaf_der = w.leaf();
    let leaf = Certificate::parse(&leaf_der).unwrap();
    let mut scratch = vec![0u8; path_scratch_len(&root) - 1];
    assert_eq!(
        verify_leaf_path(&leaf, &root, T, &mut scratch),
        Err(Error::BufferTooSmall)
    );
}

#[test]
fn forge_leaf_names_parse_as_written() {
    // The forge writes what vouch's reader reads (URI, email, username SANs, issuer).
    let w = World::new(T);
    let spec = w.leaf_spec().with_san(&[
        San::Uri("https://example.com/wf".into()),
        San::Username("alice!example.com".into()),
    ]);
    let der = w.issue(&spec);
    let leaf = Certificate::parse(&der).unwrap();
    let names: Vec<_> = leaf.subject_alt_names().collect();
    assert_eq!(names.len(), 2);
    assert_eq!(
        leaf.fulcio_issuer(),
        Some(&b"https://issuer.example.com"[..])
    );
    assert!(leaf.sct_list().is_some());
}

#[test]
fn real_leaf_with_bytes_flipped_never_verifies() {
    let case = support::cases::all()
        .into_iter()
        .find(|c| c.name == "go--sigstorejs-2.0.0-provenance-exact")
        .unwrap();
    let der = case.leaf().unwrap();
    let t = Certificate::parse(&der).unwrap().not_before();
    let mut s = vec![0u8; 8192];
    let root = TrustedRoot::parse(&case.trusted_root, &mut s).unwrap();
    let mut scratch = vec![0u8; path_scratch_len(&root)];
    let mut refused_after_parse = 0;
    for i in (0..der.len()).step_by(5) {
        let mut d = der.clone();
        d[i] ^= 0x04;
        let Ok(leaf) = Certificate::parse(&d) else {
            continue;
        };
        let got = verify_leaf_path(&leaf, &root, t, &mut scratch);
        assert!(got.is_err(), "flip at {i} verified");
        refused_after_parse += 1;
    }
    assert!(refused_after_parse > 100, "{refused_after_parse}");
}

#[test]
fn forged_certificates_are_valid_der_for_x509_cert() {
    // The forge's hand-written DER is what an independent parser reads too.
    use x509_cert::der::{Decode, Encode};
    let w = World::new(T);
    let leaf = w.leaf();
    for der in [
        &w.fulcio.root,
        &w.fulcio.intermediate,
        &leaf,
        &w.tsa.root,
        &w.tsa.leaf,
    ] {
        let c = x509_cert::Certificate::from_der(der).expect("x509-cert parses the forged DER");
        assert_eq!(&c.to_der().unwrap(), der);
        let ours = Certificate::parse(der).unwrap();
        assert_eq!(ours.tbs(), c.tbs_certificate().to_der().unwrap());
    }
}

/// `TrustedRoot::precompute_chains` remembers exactly the links whose signature verifies (one bit
/// per link, four per authority), and a link it could not verify is still refused for every
/// bundle: an intermediate that names the root as its issuer but was signed by another key is
/// `cert-signature-invalid` with or without the precomputation.
#[test]
fn precomputed_chain_links_are_only_those_that_verify() {
    let w = World::new(T);
    let good = w.root().to_json();
    let mut s = vec![0u8; 8192];
    let root = TrustedRoot::parse(good.as_bytes(), &mut s).unwrap();
    assert_eq!(root.verified_links(), 0);
    let mut scratch = vec![0u8; path_scratch_len(&root)];
    assert_eq!(root.precompute_chains(&mut scratch).verified_links(), 0b1);
    // Too little scratch: nothing remembered (and nothing skipped).
    assert_eq!(
        root.precompute_chains(&mut scratch[..100]).verified_links(),
        0
    );
    assert!(verify(&good, &w.leaf(), T).is_ok());

    // Two authorities: the second's link is bit 4.
    let other = Fulcio::new(9, Curve::P384, T - 86_400, T + 86_400);
    let two = w
        .root()
        .ca(AuthorityEntry::new(
            other.chain(),
            T - 86_400,
            Some(T + 86_400),
        ))
        .to_json();
    let root2 = TrustedRoot::parse(two.as_bytes(), &mut s).unwrap();
    let mut scratch = vec![0u8; path_scratch_len(&root2)];
    assert_eq!(
        root2.precompute_chains(&mut scratch).verified_links(),
        0b1_0001
    );

    // The intermediate signed by a key that is not the root's.
    let mut bad = World::new(T);
    let forger = pki::Key::new(Curve::P384, 77);
    bad.fulcio.intermediate = bad.fulcio.intermediate_spec.sign(&forger);
    let doc = bad.root().to_json();
    let root3 = TrustedRoot::parse(doc.as_bytes(), &mut s).unwrap();
    let mut scratch = vec![0u8; path_scratch_len(&root3)];
    assert_eq!(root3.precompute_chains(&mut scratch).verified_links(), 0);
    assert_eq!(
        verify(&doc, &bad.leaf(), T),
        Err(Error::CertSignatureInvalid)
    );
}
