//! Keyless check V2 (a): RFC 3161 timestamps — the real ones of the cases, and one refusal per
//! rule with a forged TSA (`support::pki`).
#![cfg(feature = "keyless")]

mod support;

use support::pki::{
    self, AuthorityEntry, Curve, Ext, Hash, TokenSpec, Tsa, World, key_usage, oids,
};
use vouch_core::Error;
use vouch_core::timestamp::{TrustedTimestamp, timestamp_scratch_len, verify_timestamp};
use vouch_core::trusted_root::TrustedRoot;

const T: i64 = 1_700_000_000;
const SIG: &[u8] = b"\x30\x45 the raw bundle signature bytes";

fn verify(root_json: &str, token: &[u8], signature: &[u8]) -> Result<TrustedTimestamp, Error> {
    let mut s = vec![0u8; 8192];
    let root = TrustedRoot::parse(root_json.as_bytes(), &mut s).unwrap();
    let mut scratch = vec![0u8; timestamp_scratch_len(&root)];
    verify_timestamp(token, signature, &root, &mut scratch)
}

fn world() -> World {
    World::new(T)
}

fn token(w: &World, spec: &TokenSpec) -> Vec<u8> {
    w.tsa.token(SIG, spec)
}

#[test]
fn real_timestamps_verify() {
    let mut verified = Vec::new();
    for case in support::cases::all() {
        let tokens = case.rfc3161_timestamps();
        if tokens.is_empty() {
            continue;
        }
        let mut s = vec![0u8; 8192];
        let root = TrustedRoot::parse(&case.trusted_root, &mut s).unwrap();
        let mut scratch = vec![0u8; timestamp_scratch_len(&root)];
        let signature = case.signature();
        for token in &tokens {
            let ts = verify_timestamp(token, &signature, &root, &mut scratch)
                .unwrap_or_else(|e| panic!("{}: {e:?}", case.name));
            verified.push((case.name.clone(), ts.time));
            // Another signature: the imprint no longer matches.
            let mut other = signature.clone();
            other[0] ^= 1;
            assert_eq!(
                verify_timestamp(token, &other, &root, &mut scratch),
                Err(Error::TimestampImprintMismatch)
            );
            // Under a root without that TSA: untrusted.
            let prod = std::fs::read(format!(
                "{}trusted_roots/production-sigstore-python.json",
                support::cases::VECTORS
            ))
            .unwrap();
            let mut s2 = vec![0u8; 8192];
            let prod = TrustedRoot::parse(&prod, &mut s2).unwrap();
            let mut scratch2 = vec![0u8; timestamp_scratch_len(&prod)];
            assert_eq!(
                verify_timestamp(token, &signature, &prod, &mut scratch2),
                Err(Error::TimestampUntrusted)
            );
        }
    }
    let names: Vec<&str> = verified.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "py--dsse-staging-rekor-v2",
            "py--dsse-staging-rekor-v2-wrong-subject",
            "py--staging-rekor-v2"
        ]
    );
    // staging-rekor-v2: genTime 2025-06-09T11:57:38Z.
    assert_eq!(verified[2].1, 1_749_470_258);
}

#[test]
fn forged_tokens_verify() {
    let w = world();
    let root = w.root().to_json();
    let ok = |spec: &TokenSpec| verify(&root, &token(&w, spec), SIG);
    let expect = Ok(TrustedTimestamp {
        time: T,
        authority_index: 0,
    });
    assert_eq!(ok(&TokenSpec::at(T)), expect);
    assert_eq!(
        ok(&TokenSpec {
            bare_content_info: true,
            ..TokenSpec::at(T)
        }),
        expect
    );
    assert_eq!(
        ok(&TokenSpec {
            include_certificates: false,
            ..TokenSpec::at(T)
        }),
        expect
    );
    assert_eq!(
        ok(&TokenSpec {
            fraction: ".25".into(),
            ..TokenSpec::at(T)
        }),
        expect
    );
    for (imprint, digest) in [(Hash::Sha384, Hash::Sha512), (Hash::Sha512, Hash::Sha384)] {
        assert_eq!(
            ok(&TokenSpec {
                imprint_hash: imprint,
                digest,
                ..TokenSpec::at(T)
            }),
            expect
        );
    }
    // A P-256 TSA root; the second authority of the root.
    let mut w2 = world();
    w2.tsa = Tsa::new(8, Curve::P256, T - 86_400, T + 86_400);
    let root2 = w
        .root()
        .tsa(AuthorityEntry::new(w2.tsa.chain(), T - 86_400, None))
        .to_json();
    assert_eq!(
        verify(&root2, &token(&w2, &TokenSpec::at(T)), SIG),
        Ok(TrustedTimestamp {
            time: T,
            authority_index: 1
        })
    );
}

#[test]
fn wrong_imprint() {
    let w = world();
    let root = w.root().to_json();
    let t = token(
        &w,
        &TokenSpec {
            imprint_override: Some(vec![0x55; 32]),
            ..TokenSpec::at(T)
        },
    );
    assert_eq!(verify(&root, &t, SIG), Err(Error::TimestampImprintMismatch));
    // The right token for another signature.
    let t = token(&w, &TokenSpec::at(T));
    assert_eq!(
        verify(&root, &t, b"another signature"),
        Err(Error::TimestampImprintMismatch)
    );
}

#[test]
fn untrusted_tsa() {
    let w = world();
    let mut root = w.root();
    root.tsas.clear();
    let t = token(&w, &TokenSpec::at(T));
    assert_eq!(
        verify(&root.to_json(), &t, SIG),
        Err(Error::TimestampUntrusted)
    );
    // A rogue TSA with the very same names and serial but its own keys: its token names its own
    // certificate (signingCertificateV2), not the trusted one.
    let mut rogue = world();
    rogue.tsa = Tsa::new(3, Curve::P384, T - 86_400, T + 86_400);
    rogue.tsa.leaf_key = pki::Key::p256(99);
    let spec = pki::CertSpec {
        spki: rogue.tsa.leaf_key.spki_der(),
        ..rogue.tsa.leaf_spec.clone()
    };
    rogue.tsa.reissue_leaf(spec);
    let t = token(&rogue, &TokenSpec::at(T));
    assert_eq!(
        verify(&w.root().to_json(), &t, SIG),
        Err(Error::TimestampUntrusted)
    );
    // The certificate hash of signingCertificateV2 names another certificate than the trusted
    // one (same issuer, serial and key, other validity).
    let mut renewed = world();
    let spec = pki::CertSpec {
        not_after: T + 7 * 86_400,
        ..renewed.tsa.leaf_spec.clone()
    };
    renewed.tsa.reissue_leaf(spec);
    let t = token(&w, &TokenSpec::at(T));
    assert_eq!(
        verify(&renewed.root().to_json(), &t, SIG),
        Err(Error::TimestampUntrusted)
    );
}

#[test]
fn tsa_leaf_without_critical_time_stamping() {
    let variants = [
        Ext::eku(&[oids::KP_TIME_STAMPING], false),
        Ext::eku(&[oids::KP_CODE_SIGNING], true),
        Ext::basic_constraints(true, None),
        Ext::key_usage(key_usage::KEY_CERT_SIGN),
    ];
    for ext in variants {
        let mut w = world();
        let spec = w.tsa.leaf_spec.clone().with_ext(ext.clone());
        w.tsa.reissue_leaf(spec);
        let t = token(&w, &TokenSpec::at(T));
        assert_eq!(
            verify(&w.root().to_json(), &t, SIG),
            Err(Error::TsaNotTimestamping),
            "{ext:?}"
        );
    }
    let mut w = world();
    let spec = w.tsa.leaf_spec.clone().without_ext(oids::EXT_KEY_USAGE);
    w.tsa.reissue_leaf(spec);
    assert_eq!(
        verify(&w.root().to_json(), &token(&w, &TokenSpec::at(T)), SIG),
        Err(Error::TsaNotTimestamping)
    );
    // An unknown critical extension on the TSA leaf.
    let mut w = world();
    let spec = w
        .tsa
        .leaf_spec
        .clone()
        .with_ext(Ext::raw(oids::UNKNOWN, true, &pki::der::null()));
    w.tsa.reissue_leaf(spec);
    assert_eq!(
        verify(&w.root().to_json(), &token(&w, &TokenSpec::at(T)), SIG),
        Err(Error::UnknownCriticalExtension)
    );
}

#[test]
fn gen_time_outside_valid_for() {
    let w = world();
    let t = token(&w, &TokenSpec::at(T));
    let mut root = w.root();
    root.tsas[0].end = Some(T - 1);
    assert_eq!(
        verify(&root.to_json(), &t, SIG),
        Err(Error::TimestampOutsideTsaValidity)
    );
    let mut root = w.root();
    root.tsas[0].start = T + 1;
    root.tsas[0].end = None;
    assert_eq!(
        verify(&root.to_json(), &t, SIG),
        Err(Error::TimestampOutsideTsaValidity)
    );
    // Closed: a window ending at genTime contains it; a fraction after the end does not.
    let mut root = w.root();
    root.tsas[0].end = Some(T);
    assert!(verify(&root.to_json(), &t, SIG).is_ok());
    let frac = token(
        &w,
        &TokenSpec {
            fraction: ".5".into(),
            ..TokenSpec::at(T)
        },
    );
    assert_eq!(
        verify(&root.to_json(), &frac, SIG),
        Err(Error::TimestampOutsideTsaValidity)
    );
}

#[test]
fn tsa_chain_not_valid_at_gen_time() {
    // The TSA leaf expired before genTime.
    let mut w = world();
    let spec = pki::CertSpec {
        not_after: T - 1,
        ..w.tsa.leaf_spec.clone()
    };
    w.tsa.reissue_leaf(spec);
    assert_eq!(
        verify(&w.root().to_json(), &token(&w, &TokenSpec::at(T)), SIG),
        Err(Error::CertNotValidAtTime)
    );
    // The TSA root expired before genTime (the leaf still valid).
    let mut w = world();
    let spec = pki::CertSpec {
        not_after: T - 1,
        ..w.tsa.root_spec.clone()
    };
    w.tsa.root = spec.sign(&w.tsa.root_key);
    assert_eq!(
        verify(&w.root().to_json(), &token(&w, &TokenSpec::at(T)), SIG),
        Err(Error::CertNotValidAtTime)
    );
    // The leaf under another root than the one listed: the chain link fails.
    let mut w = world();
    let other = Tsa::new(30, Curve::P384, T - 86_400, T + 86_400);
    w.tsa.root = other.root.clone();
    assert_eq!(
        verify(&w.root().to_json(), &token(&w, &TokenSpec::at(T)), SIG),
        Err(Error::CertSignatureInvalid)
    );
}

#[test]
fn tampered_signed_attributes() {
    let w = world();
    let root = w.root().to_json();
    let t = token(
        &w,
        &TokenSpec {
            tamper_signed_attrs: true,
            ..TokenSpec::at(T)
        },
    );
    assert_eq!(
        verify(&root, &t, SIG),
        Err(Error::TimestampSignatureInvalid)
    );
    // messageDigest not the TSTInfo's hash; contentType not TSTInfo.
    for spec in [
        TokenSpec {
            message_digest_override: Some(vec![0; 32]),
            ..TokenSpec::at(T)
        },
        TokenSpec {
            content_type: Some(oids::DATA.to_vec()),
            ..TokenSpec::at(T)
        },
    ] {
        assert_eq!(
            verify(&root, &token(&w, &spec), SIG),
            Err(Error::TimestampContentDigestMismatch)
        );
    }
    // One byte of the TSTInfo changed (the nonce): its hash is no longer the messageDigest.
    let mut t = token(&w, &TokenSpec::at(T));
    let nonce = [0x02, 0x04, 0x12, 0x34, 0x56, 0x78];
    let pos = t.windows(6).position(|x| x == nonce).unwrap();
    t[pos + 5] ^= 1;
    assert_eq!(
        verify(&root, &t, SIG),
        Err(Error::TimestampContentDigestMismatch)
    );
    // The signature value itself.
    let mut t = token(&w, &TokenSpec::at(T));
    let n = t.len();
    t[n - 3] ^= 1;
    assert_eq!(
        verify(&root, &t, SIG),
        Err(Error::TimestampSignatureInvalid)
    );
}

#[test]
fn rsa_tsa() {
    // An RSA signature algorithm in the token.
    let w = world();
    let t = token(
        &w,
        &TokenSpec {
            signature_algorithm: Some(pki::der::seq(&[
                &pki::der::oid(oids::RSA_SHA256),
                &pki::der::null(),
            ])),
            ..TokenSpec::at(T)
        },
    );
    assert_eq!(
        verify(&w.root().to_json(), &t, SIG),
        Err(Error::RsaUnsupported)
    );
    // A TSA certificate with an RSA key (rsaEncryption, a made-up 2048-bit modulus).
    let mut w = world();
    let rsa_oid = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
    let mut modulus = vec![0xc3; 256];
    modulus[255] = 0x01;
    let rsa_key = pki::der::seq(&[&pki::der::int_bytes(&modulus), &pki::der::uint(65537)]);
    let spki = pki::der::seq(&[
        &pki::der::seq(&[&pki::der::oid(&rsa_oid), &pki::der::null()]),
        &pki::der::bits(&rsa_key),
    ]);
    let spec = pki::CertSpec {
        spki,
        ..w.tsa.leaf_spec.clone()
    };
    w.tsa.reissue_leaf(spec);
    assert_eq!(
        verify(&w.root().to_json(), &token(&w, &TokenSpec::at(T)), SIG),
        Err(Error::RsaUnsupported)
    );
}

#[test]
fn malformed_and_unsupported_tokens() {
    let w = world();
    let root = w.root().to_json();
    let good = token(&w, &TokenSpec::at(T));
    // Rejected status (2), garbage, truncation, trailing byte.
    let rejected = token(
        &w,
        &TokenSpec {
            status: 2,
            ..TokenSpec::at(T)
        },
    );
    let mut trailing = good.clone();
    trailing.push(0);
    for bad in [
        rejected,
        b"not a token".to_vec(),
        good[..good.len() - 1].to_vec(),
        trailing,
        vec![],
    ] {
        assert_eq!(verify(&root, &bad, SIG), Err(Error::TimestampMalformed));
    }
    // Fractions with a trailing zero or no digits are not DER genTimes.
    for fraction in [".50", "."] {
        let t = token(
            &w,
            &TokenSpec {
                fraction: fraction.into(),
                ..TokenSpec::at(T)
            },
        );
        assert_eq!(
            verify(&root, &t, SIG),
            Err(Error::TimestampMalformed),
            "{fraction}"
        );
    }
    // SHA-1 imprint.
    let t = token(
        &w,
        &TokenSpec {
            imprint_algorithm_override: Some(pki::der::seq(&[&pki::der::oid(oids::SHA1)])),
            imprint_override: Some(vec![0; 20]),
            ..TokenSpec::at(T)
        },
    );
    assert_eq!(
        verify(&root, &t, SIG),
        Err(Error::TimestampUnsupportedAlgorithm)
    );
    // Scratch too small.
    let mut s = vec![0u8; 8192];
    let r = TrustedRoot::parse(root.as_bytes(), &mut s).unwrap();
    let mut scratch = vec![0u8; timestamp_scratch_len(&r) - 1];
    assert_eq!(
        verify_timestamp(&good, SIG, &r, &mut scratch),
        Err(Error::BufferTooSmall)
    );
}

#[test]
fn real_token_with_any_byte_flipped() {
    // Every byte of the real staging token flipped: refused, except in the parts RFC 3161 / CMS
    // leave unsigned and vouch does not use (the PKIStatus value granted/grantedWithMods, the
    // SignedData digestAlgorithms hint, the certificates carried in the token — also when their
    // [0] tag becomes the [1] of CRLs, equally unused).
    let case = support::cases::all()
        .into_iter()
        .find(|c| c.name == "py--staging-rekor-v2")
        .unwrap();
    let token = case.rfc3161_timestamps().remove(0);
    let signature = case.signature();
    let mut s = vec![0u8; 8192];
    let root = TrustedRoot::parse(&case.trusted_root, &mut s).unwrap();
    let mut scratch = vec![0u8; timestamp_scratch_len(&root)];
    let good = verify_timestamp(&token, &signature, &root, &mut scratch).unwrap();
    // Offsets from `openssl asn1parse` of this token.
    let unused = |i: usize| i == 8 || (37..50).contains(&i) || (248..783).contains(&i);
    let mut still_ok = 0;
    for i in 0..token.len() {
        let mut t = token.clone();
        t[i] ^= 0x01;
        match verify_timestamp(&t, &signature, &root, &mut scratch) {
            Ok(ts) => {
                assert!(unused(i), "flip at {i} still verifies");
                assert_eq!(ts, good);
                still_ok += 1;
            }
            Err(e) => assert!((100..180).contains(&e.number()), "{i}: {e:?}"),
        }
    }
    assert!(still_ok > 0);
}
