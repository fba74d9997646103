//! V0 and V6 on the real bundles of `tests/vectors/sigstore/cases`: every bundle parses (or is
//! refused with its specific V0 error), and every tlog entry of a log in its trusted root
//! verifies — SET, inclusion proof, signed checkpoint and body ↔ bundle binding — while a
//! change to any part is refused.
#![cfg(feature = "keyless")]

use vouch_core::Error;
use vouch_core::base64;
use vouch_core::bundle::{Bundle, Content, SignerMaterial};
use vouch_core::pkix::HashAlgorithm;
use vouch_core::rekor::{self, Checkpoint, Expected, Signed, Signer};
use vouch_core::trusted_root::TrustedRoot;

const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors/sigstore/");

struct Case {
    name: String,
    bundle: Vec<u8>,
    root: Vec<u8>,
    digest_alg: String,
    digest: Vec<u8>,
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The trusted root snapshot a case names (by sha256 in PROVENANCE.tsv).
fn root_for(case: &str) -> Vec<u8> {
    let prov = std::fs::read_to_string(format!("{VECTORS}PROVENANCE.tsv")).unwrap();
    let sha = prov
        .lines()
        .find(|l| l.split('\t').nth(1) == Some(&format!("cases/{case}/trusted_root.json")))
        .unwrap()
        .split('\t')
        .next()
        .unwrap()
        .to_string();
    for f in std::fs::read_dir(format!("{VECTORS}trusted_roots")).unwrap() {
        let bytes = std::fs::read(f.unwrap().path()).unwrap();
        if sha256_hex(&bytes) == sha {
            return bytes;
        }
    }
    panic!("no snapshot for {case}");
}

fn cases() -> Vec<Case> {
    let mut names: Vec<_> = std::fs::read_dir(format!("{VECTORS}cases"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names.len(), 23);
    names
        .into_iter()
        .map(|name| {
            let meta: serde_json::Value = serde_json::from_slice(
                &std::fs::read(format!("{VECTORS}cases/{name}/case.json")).unwrap(),
            )
            .unwrap();
            let (alg, hexd) = meta["artifact_digest"]
                .as_str()
                .unwrap()
                .split_once(':')
                .unwrap();
            Case {
                bundle: std::fs::read(format!("{VECTORS}cases/{name}/bundle.sigstore.json"))
                    .unwrap(),
                root: root_for(&name),
                digest_alg: alg.to_string(),
                digest: hex(hexd),
                name,
            }
        })
        .collect()
}

fn decode(s: &vouch_core::json::JsonStr<'_>) -> Vec<u8> {
    let mut out = vec![0u8; s.raw().len()];
    let n = base64::decode_json_str(s, &mut out).unwrap();
    out.truncate(n);
    out
}

/// What V0 refuses among the real cases, and why (see docs/keyless.md).
fn expected_v0(name: &str) -> Option<Error> {
    match name {
        "go--dsse-2sigs" => Some(Error::DsseSignatureCount),
        "py--cpython-3.12.5-missing-checkpoint" => Some(Error::BundleMissingCheckpoint),
        "py--v02-inclusion-proof-without-checkpoint" => Some(Error::BundleMissingCheckpoint),
        "py--empty-cert-chain-v01" => Some(Error::BundleEmptyCertificateChain),
        "py--invalid-bundle-version" => Some(Error::BundleMediaType),
        "py--no-log-entry" => Some(Error::BundleNoTlogEntries),
        _ => None,
    }
}

struct Owned {
    signature: Vec<u8>,
    leaf: Vec<u8>,
    payload: Vec<u8>,
    payload_type: Vec<u8>,
    dsse: bool,
}

fn owned(b: &Bundle<'_>) -> Owned {
    let leaf = match b.signer {
        SignerMaterial::PublicKey(_) => panic!("no managed-key bundle among the real cases"),
        _ => decode(&b.leaf_certificate().unwrap()),
    };
    match b.content {
        Content::MessageSignature { signature, .. } => Owned {
            signature: decode(&signature),
            leaf,
            payload: vec![],
            payload_type: vec![],
            dsse: false,
        },
        Content::Dsse {
            payload_type,
            payload,
            signature,
        } => Owned {
            signature: decode(&signature),
            leaf,
            payload: decode(&payload),
            payload_type: payload_type.raw().to_vec(),
            dsse: true,
        },
    }
}

fn expected<'x>(o: &'x Owned, c: &'x Case) -> Expected<'x> {
    let signed = if o.dsse {
        Signed::Dsse {
            payload_type: &o.payload_type,
            payload: &o.payload,
        }
    } else {
        assert_eq!(c.digest_alg, "sha256");
        Signed::Message {
            algorithm: HashAlgorithm::Sha256,
            digest: &c.digest,
        }
    };
    Expected {
        signed,
        signature: &o.signature,
        signer: Signer::Certificate(&o.leaf),
    }
}

#[test]
fn every_real_bundle_parses_or_gets_its_v0_error() {
    for c in cases() {
        let got = Bundle::parse(&c.bundle).err();
        assert_eq!(got, expected_v0(&c.name), "{}", c.name);
    }
}

#[test]
fn every_real_tlog_entry_verifies_against_its_root() {
    let mut verified = 0;
    let mut with_set = 0;
    let mut with_proof = 0;
    let mut unknown = 0;
    for c in cases() {
        let Ok(b) = Bundle::parse(&c.bundle) else {
            continue;
        };
        let mut rs = vec![0u8; 8192];
        let root = TrustedRoot::parse(&c.root, &mut rs).unwrap();
        let o = owned(&b);
        let exp = expected(&o, &c);
        for e in b.tlog_entries() {
            let mut scratch = vec![0u8; rekor::entry_scratch_len(&e)];
            let got = rekor::verify_entry(&e, &root, &exp, &mut scratch);
            if c.name == "py--cve-2022-36056-inconsistent-entry" {
                // The log entry is valid but for another artifact (CVE-2022-36056).
                // Its data hash is the artifact's, but the signature is another one.
                assert_eq!(got, Err(Error::TlogBodySignatureMismatch), "{}", c.name);
                continue;
            }
            let Some(v) = got.unwrap_or_else(|e| panic!("{}: {e:?}", c.name)) else {
                // Logged in production, paired upstream with the staging root: the log is
                // unknown to that root, so the entry does not count.
                assert_eq!(c.name, "py--v03-no-signed-time");
                unknown += 1;
                continue;
            };
            assert_eq!(v.integrated_time.is_some(), e.inclusion_promise.is_some());
            if let Some(t) = v.integrated_time {
                assert_eq!(Some(t), e.integrated_time);
                with_set += 1;
            }
            with_proof += usize::from(e.inclusion_proof.is_some());
            verified += 1;
        }
    }
    // 17 bundles pass V0, one entry each; one is the CVE case.
    assert_eq!(unknown, 1);
    assert_eq!(verified, 15);
    assert_eq!(with_set, 12);
    assert_eq!(with_proof, 14);
}

#[test]
fn real_checkpoints_parse_and_verify_including_witnessed_ones() {
    let mut witnessed = 0;
    for c in cases() {
        let Ok(b) = Bundle::parse(&c.bundle) else {
            continue;
        };
        let mut rs = vec![0u8; 8192];
        let root = TrustedRoot::parse(&c.root, &mut rs).unwrap();
        for e in b.tlog_entries() {
            let Some(p) = e.inclusion_proof else { continue };
            let mut buf = vec![0u8; 8192];
            let note = p.checkpoint.unescape_into(&mut buf).unwrap().to_string();
            let cp = Checkpoint::parse(note.as_bytes()).unwrap();
            assert_eq!(cp.size, p.tree_size);
            assert_eq!(cp.root_hash, p.root_hash);
            let Some(log) = root.find_tlog(e.log_id.as_bytes()) else {
                assert_eq!(c.name, "py--v03-no-signed-time");
                continue;
            };
            let key = log.public_key().unwrap();
            rekor::verify_checkpoint(&cp, &log, &key).unwrap();
            if cp.signatures().count() > 1 {
                witnessed += 1;
            }
            // Another log's key does not verify it.
            for other in root.tlogs().filter(|l| l.log_id != log.log_id) {
                let Ok(k) = other.public_key() else { continue };
                let r = rekor::verify_checkpoint(&cp, &other, &k);
                assert!(
                    matches!(
                        r,
                        Err(Error::CheckpointSignatureInvalid | Error::CheckpointMismatch)
                    ),
                    "{}: {r:?}",
                    c.name
                );
            }
            // The checkpoint's text is what is signed: change the origin.
            let tampered = format!("X{note}");
            let cp = Checkpoint::parse(tampered.as_bytes()).unwrap();
            assert!(rekor::verify_checkpoint(&cp, &log, &key).is_err());
        }
    }
    assert!(witnessed >= 1);
}

#[test]
fn real_entries_refuse_any_change() {
    for c in cases() {
        let Ok(b) = Bundle::parse(&c.bundle) else {
            continue;
        };
        if c.name == "py--cve-2022-36056-inconsistent-entry" || c.name == "py--v03-no-signed-time" {
            continue;
        }
        let mut rs = vec![0u8; 8192];
        let root = TrustedRoot::parse(&c.root, &mut rs).unwrap();
        let o = owned(&b);
        let e = b.tlog_entries().next().unwrap();
        let mut scratch = vec![0u8; rekor::entry_scratch_len(&e)];
        // Another signature.
        let mut o2 = Owned {
            signature: o.signature.clone(),
            leaf: o.leaf.clone(),
            payload: o.payload.clone(),
            payload_type: o.payload_type.clone(),
            dsse: o.dsse,
        };
        *o2.signature.last_mut().unwrap() ^= 1;
        assert_eq!(
            rekor::verify_entry(&e, &root, &expected(&o2, &c), &mut scratch),
            Err(Error::TlogBodySignatureMismatch),
            "{}",
            c.name
        );
        o2.signature = o.signature.clone();
        // Another certificate.
        let n = o2.leaf.len();
        o2.leaf[n - 1] ^= 1;
        assert_eq!(
            rekor::verify_entry(&e, &root, &expected(&o2, &c), &mut scratch),
            Err(Error::TlogBodyKeyMismatch),
            "{}",
            c.name
        );
        o2.leaf = o.leaf.clone();
        // Another artifact / payload.
        let mut c2 = Case {
            name: c.name.clone(),
            bundle: vec![],
            root: vec![],
            digest_alg: c.digest_alg.clone(),
            digest: c.digest.clone(),
        };
        if o.dsse {
            o2.payload.push(b' ');
        } else {
            c2.digest[0] ^= 1;
        }
        assert_eq!(
            rekor::verify_entry(&e, &root, &expected(&o2, &c2), &mut scratch),
            Err(Error::TlogBodyArtifactMismatch),
            "{}",
            c.name
        );
        // Too little scratch.
        let mut small = vec![0u8; e.body_len / 2];
        assert_eq!(
            rekor::verify_entry(&e, &root, &expected(&o, &c), &mut small),
            Err(Error::BufferTooSmall)
        );
    }
}
