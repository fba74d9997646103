//! The X.509 reader on real Sigstore certificates, against `x509-cert` as a differential oracle,
//! and on hostile inputs made from them.
//!
//! Certificates: every certificate of every certificate authority and timestamp authority of the
//! four trusted-root snapshots in `tests/vectors/sigstore/trusted_roots/`, and every certificate
//! in the verification material of the 23 real bundles in `tests/vectors/sigstore/cases/`.
#![cfg(feature = "keyless")]

use base64ct::{Base64, Encoding};
use serde_json::Value;
use vouch_core::Error;
use vouch_core::pkix::KeyAlgorithm;
use vouch_core::x509::{self, Certificate, GeneralName, SignatureAlgorithm};
use x509_cert::der::{Decode, Encode};

const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors/sigstore/");

fn read_json(path: &str) -> Value {
    let text = std::fs::read(path).unwrap_or_else(|e| panic!("read {path}: {e}"));
    serde_json::from_slice(&text).unwrap_or_else(|e| panic!("parse {path}: {e}"))
}

fn b64(v: &Value) -> Vec<u8> {
    Base64::decode_vec(v.as_str().expect("base64 string")).expect("base64")
}

/// The chains of one trusted root: `(authority kind, certificates)`.
type Chains = Vec<(&'static str, Vec<Vec<u8>>)>;

/// `(trusted root file, its chains)`.
fn root_chains() -> Vec<(String, Chains)> {
    let mut out = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(format!("{VECTORS}trusted_roots"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for f in files {
        let root = read_json(f.to_str().unwrap());
        let mut chains = Vec::new();
        for kind in ["certificateAuthorities", "timestampAuthorities"] {
            for ca in root[kind].as_array().into_iter().flatten() {
                let chain = ca["certChain"]["certificates"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| b64(&c["rawBytes"]))
                    .collect();
                chains.push((kind, chain));
            }
        }
        out.push((
            f.file_name().unwrap().to_string_lossy().into_owned(),
            chains,
        ));
    }
    out
}

/// `(case name, certificates of its verification material, leaf first)`.
fn bundle_certs() -> Vec<(String, Vec<Vec<u8>>)> {
    let mut out = Vec::new();
    let mut dirs: Vec<_> = std::fs::read_dir(format!("{VECTORS}cases"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    dirs.sort();
    for d in dirs {
        let b = read_json(d.join("bundle.sigstore.json").to_str().unwrap());
        let vm = &b["verificationMaterial"];
        let mut certs = Vec::new();
        if let Some(c) = vm.get("certificate") {
            certs.push(b64(&c["rawBytes"]));
        }
        for c in vm["x509CertificateChain"]["certificates"]
            .as_array()
            .into_iter()
            .flatten()
        {
            certs.push(b64(&c["rawBytes"]));
        }
        out.push((d.file_name().unwrap().to_string_lossy().into_owned(), certs));
    }
    out
}

/// Every certificate, named, deduplicated.
fn all_certs() -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = Vec::new();
    for (file, chains) in root_chains() {
        for (i, (kind, chain)) in chains.into_iter().enumerate() {
            for (j, c) in chain.into_iter().enumerate() {
                out.push((format!("{file} {kind}[{i}] cert {j}"), c));
            }
        }
    }
    for (case, certs) in bundle_certs() {
        for (j, c) in certs.into_iter().enumerate() {
            out.push((format!("bundle {case} cert {j}"), c));
        }
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|(_, c)| seen.insert(c.clone()));
    out
}

/// Fulcio leaves (from bundles, with a SAN).
fn leaves() -> Vec<(String, Vec<u8>)> {
    bundle_certs()
        .into_iter()
        .filter_map(|(case, certs)| certs.into_iter().next().map(|c| (case, c)))
        .collect()
}

#[test]
fn every_certificate_parses() {
    let certs = all_certs();
    // 4 snapshots hold 9 distinct CA / TSA certificates or more; the bundles add their leaves.
    assert_eq!(certs.len(), 29, "distinct certificates");
    let (mut rsa_keys, mut rsa_signed) = (0, 0);
    for (name, der) in &certs {
        let c = Certificate::parse(der).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert_eq!(c.raw(), &der[..]);
        assert!(der.windows(c.tbs().len()).any(|w| w == c.tbs()), "{name}");
        assert!(c.not_before() < c.not_after(), "{name}");
        assert!(
            c.valid_at(c.not_before()) && c.valid_at(c.not_after()),
            "{name}"
        );
        assert!(!c.valid_at(c.not_before() - 1) && !c.valid_at(c.not_after() + 1));
        match c.public_key() {
            Ok(k) => assert!(matches!(
                k.algorithm(),
                KeyAlgorithm::EcdsaP256 | KeyAlgorithm::EcdsaP384
            )),
            Err(Error::RsaUnsupported) => rsa_keys += 1,
            Err(e) => panic!("{name}: key: {e:?}"),
        }
        match c.signature_algorithm() {
            Ok(_) => {}
            Err(Error::RsaUnsupported) => rsa_signed += 1,
            Err(e) => panic!("{name}: signature algorithm: {e:?}"),
        }
        assert_eq!(c.unknown_critical_extensions().count(), 0, "{name}");
    }
    // The scaffolding instance's root is RSA, and signed itself and the leaf the two otherName
    // cases share.
    assert_eq!(rsa_keys, 1);
    assert_eq!(rsa_signed, 2);
    eprintln!("{} distinct certificates", certs.len());
}

#[test]
fn trusted_root_chains_verify() {
    let mut links = 0;
    let mut self_signed = 0;
    for (file, chains) in root_chains() {
        for (kind, chain) in chains {
            let certs: Vec<Certificate<'_>> = chain
                .iter()
                .map(|d| Certificate::parse(d).unwrap())
                .collect();
            for pair in certs.windows(2) {
                let (child, parent) = (&pair[0], &pair[1]);
                assert_eq!(child.issuer(), parent.subject(), "{file} {kind}");
                child
                    .verify_issued_by(parent)
                    .unwrap_or_else(|e| panic!("{file} {kind}: {e:?}"));
                assert!(parent.is_ca(), "{file} {kind}: issuer is not a CA");
                let (ku, _) = parent.key_usage().expect("CA key usage");
                assert!(ku & x509::key_usage::KEY_CERT_SIGN != 0);
                links += 1;
                // Negative: the child does not verify under itself, nor does the signature
                // verify over another TBS.
                if child.issuer() != child.subject() {
                    assert_eq!(
                        child.verify_issued_by(child),
                        Err(Error::CertSignatureInvalid)
                    );
                }
            }
            let root = certs.last().unwrap();
            assert_eq!(
                root.issuer(),
                root.subject(),
                "{file} {kind}: root not self-issued"
            );
            match root.verify_issued_by(root) {
                Ok(()) => self_signed += 1,
                Err(Error::RsaUnsupported) => {
                    assert!(file.starts_with("scaffolding"), "{file}")
                }
                Err(e) => panic!("{file} {kind}: root: {e:?}"),
            }
        }
    }
    assert!(links >= 6, "{links} links");
    assert!(self_signed >= 8, "{self_signed} self-signed roots");
}

/// Each bundle's leaf verifies under an intermediate of its trusted root (the one whose subject
/// is the leaf's issuer), with the signature algorithm the leaf names.
#[test]
fn bundle_leaves_verify_under_their_ca() {
    let chains: Vec<Vec<u8>> = root_chains()
        .into_iter()
        .flat_map(|(_, c)| c.into_iter().map(|(_, chain)| chain[0].clone()))
        .collect();
    let mut verified = 0;
    for (case, leaf) in leaves() {
        let leaf = Certificate::parse(&leaf).unwrap();
        let issuers: Vec<_> = chains
            .iter()
            .map(|d| Certificate::parse(d).unwrap())
            .filter(|c| c.subject() == leaf.issuer())
            .collect();
        if issuers.is_empty() {
            continue;
        }
        let results: Vec<_> = issuers.iter().map(|i| leaf.verify_issued_by(i)).collect();
        if results.iter().all(|r| *r == Err(Error::RsaUnsupported)) {
            // Issued by the scaffolding instance's RSA root: named, not verified.
            assert!(case.starts_with("go--othername"), "{case}");
            continue;
        }
        assert!(
            results.iter().any(|r| r.is_ok()),
            "{case}: leaf verifies under no issuer of that name: {results:?}"
        );
        assert!(!leaf.is_ca(), "{case}");
        assert!(leaf.has_code_signing_eku(), "{case}");
        assert!(!leaf.has_time_stamping_eku(), "{case}");
        let (ku, _) = leaf.key_usage().unwrap();
        assert!(ku & x509::key_usage::DIGITAL_SIGNATURE != 0, "{case}");
        assert!(leaf.sct_list().is_some(), "{case}: no SCT list");
        assert!(leaf.fulcio_issuer().is_some(), "{case}: no issuer");
        assert!(
            leaf.subject_alt_names().any(|n| n.identity().is_some()),
            "{case}"
        );
        verified += 1;
    }
    eprintln!("{verified} leaves verified");
    assert_eq!(verified, 20, "leaves verified");
}

/// What the cases' policies expect is in the leaves: the identity among the SAN values and the
/// issuer from the Fulcio extensions (only cases with an exact identity and issuer).
#[test]
fn leaves_carry_the_expected_identity() {
    let mut checked = 0;
    for (case, leaf) in leaves() {
        let meta = read_json(&format!("{VECTORS}cases/{case}/case.json"));
        let (Some(id), Some(iss)) = (meta["identity"].as_str(), meta["issuer"].as_str()) else {
            continue;
        };
        if meta["expect"] != "pass" {
            continue;
        }
        let c = Certificate::parse(&leaf).unwrap();
        assert!(
            c.subject_alt_names().any(|n| n.identity() == Some(id)),
            "{case}: {id} not in SAN"
        );
        assert_eq!(c.fulcio_issuer(), Some(iss.as_bytes()), "{case}");
        checked += 1;
    }
    assert!(checked >= 5, "{checked}");
}

#[test]
fn fulcio_claims_are_exposed() {
    let mut github = 0;
    for (case, leaf) in leaves() {
        let c = Certificate::parse(&leaf).unwrap();
        // .1.8 when present is the issuer; .1.1 agrees with it when both are present.
        if let (Some(v2), Some(v1)) = (
            c.fulcio_claim(x509::fulcio::ISSUER_V2).unwrap(),
            c.fulcio_claim(x509::fulcio::ISSUER_V1).unwrap(),
        ) {
            assert_eq!(v1, v2, "{case}");
            assert_eq!(c.fulcio_issuer(), Some(v2.as_bytes()));
        }
        if let Some(repo) = c
            .fulcio_claim(x509::fulcio::GITHUB_WORKFLOW_REPOSITORY)
            .unwrap()
        {
            assert!(repo.contains('/'), "{case}: {repo}");
            let sha = c
                .fulcio_claim(x509::fulcio::GITHUB_WORKFLOW_SHA)
                .unwrap()
                .unwrap();
            assert_eq!(sha.len(), 40, "{case}");
            assert!(
                c.fulcio_claim(x509::fulcio::GITHUB_WORKFLOW_REF)
                    .unwrap()
                    .is_some()
            );
            assert!(
                c.fulcio_claim(x509::fulcio::GITHUB_WORKFLOW_NAME)
                    .unwrap()
                    .is_some()
            );
            github += 1;
        }
    }
    assert!(github >= 3, "{github} GitHub Actions leaves");
    // The otherName username SAN (Fulcio .1.7) is read as such, never as an email.
    let other = leaves()
        .into_iter()
        .find(|(c, _)| c == "go--othername-san")
        .unwrap()
        .1;
    let c = Certificate::parse(&other).unwrap();
    let names: Vec<_> = c.subject_alt_names().collect();
    assert!(
        names
            .iter()
            .any(|n| matches!(n, GeneralName::FulcioUsername(_))),
        "{names:?}"
    );
    assert!(!names.iter().any(|n| matches!(n, GeneralName::Email(_))));
}

// ---------------------------------------------------------------------------------------------
// Differential: x509-cert 0.3 reads the same fields.

fn san_strings(c: &x509_cert::Certificate) -> Vec<String> {
    let mut out = Vec::new();
    for e in c.tbs_certificate().extensions().into_iter().flatten() {
        if e.extn_id.to_string() != "2.5.29.17" {
            continue;
        }
        let san = x509_cert::ext::pkix::SubjectAltName::from_der(e.extn_value.as_bytes()).unwrap();
        for n in san.0 {
            use x509_cert::ext::pkix::name::GeneralName as G;
            out.push(match n {
                G::Rfc822Name(s) => format!("email:{}", s.as_str()),
                G::DnsName(s) => format!("dns:{}", s.as_str()),
                G::UniformResourceIdentifier(s) => format!("uri:{}", s.as_str()),
                G::IpAddress(o) => format!("ip:{:?}", o.as_bytes()),
                G::OtherName(o) => {
                    if o.type_id.to_string() == "1.3.6.1.4.1.57264.1.7" {
                        let s: x509_cert::der::asn1::Utf8StringRef<'_> =
                            o.value.decode_as().unwrap();
                        format!("username:{}", s.as_str())
                    } else {
                        format!("other:{}:{:?}", o.type_id, o.value.to_der().unwrap())
                    }
                }
                other => format!("{other:?}"),
            });
        }
    }
    out
}

fn vouch_san_strings(c: &Certificate<'_>) -> Vec<String> {
    c.subject_alt_names()
        .map(|n| match n {
            GeneralName::Email(s) => format!("email:{s}"),
            GeneralName::Dns(s) => format!("dns:{s}"),
            GeneralName::Uri(s) => format!("uri:{s}"),
            GeneralName::Ip(b) => format!("ip:{b:?}"),
            GeneralName::FulcioUsername(s) => format!("username:{s}"),
            GeneralName::OtherName { type_id, value } => {
                let oid = x509_cert::der::asn1::ObjectIdentifier::from_bytes(type_id).unwrap();
                format!("other:{oid}:{value:?}")
            }
            GeneralName::Other { tag, .. } => format!("tag {tag:#x}"),
        })
        .collect()
}

/// Compares every field both readers expose; panics with `name` on a difference.
fn differential(name: &str, der: &[u8]) {
    let ours = Certificate::parse(der).unwrap_or_else(|e| panic!("{name}: vouch: {e:?}"));
    let theirs =
        x509_cert::Certificate::from_der(der).unwrap_or_else(|e| panic!("{name}: x509-cert: {e}"));
    let tbs = theirs.tbs_certificate();
    assert_eq!(ours.tbs(), &tbs.to_der().unwrap()[..], "{name}: TBS");
    assert_eq!(
        ours.issuer(),
        &tbs.issuer().to_der().unwrap()[..],
        "{name}: issuer"
    );
    assert_eq!(
        ours.subject(),
        &tbs.subject().to_der().unwrap()[..],
        "{name}: subject"
    );
    assert_eq!(
        ours.serial(),
        tbs.serial_number().as_bytes(),
        "{name}: serial"
    );
    assert_eq!(
        ours.spki(),
        &tbs.subject_public_key_info().to_der().unwrap()[..],
        "{name}: SPKI"
    );
    assert_eq!(
        ours.not_before(),
        tbs.validity().not_before.to_unix_duration().as_secs() as i64,
        "{name}: notBefore"
    );
    assert_eq!(
        ours.not_after(),
        tbs.validity().not_after.to_unix_duration().as_secs() as i64,
        "{name}: notAfter"
    );
    assert_eq!(
        ours.signature_algorithm_der(),
        &theirs.signature_algorithm().to_der().unwrap()[..],
        "{name}: signature algorithm"
    );
    assert_eq!(
        ours.signature(),
        theirs.signature().raw_bytes(),
        "{name}: signature"
    );
    let their_exts: Vec<(Vec<u8>, bool, Vec<u8>)> = tbs
        .extensions()
        .into_iter()
        .flatten()
        .map(|e| {
            (
                e.extn_id.as_bytes().to_vec(),
                e.critical,
                e.extn_value.as_bytes().to_vec(),
            )
        })
        .collect();
    let our_exts: Vec<(Vec<u8>, bool, Vec<u8>)> = ours
        .extensions()
        .map(|e| (e.oid.to_vec(), e.critical, e.value.to_vec()))
        .collect();
    assert_eq!(our_exts, their_exts, "{name}: extensions");
    // Each extension's `raw` lies at `offset` in the TBS.
    for e in ours.extensions() {
        assert_eq!(
            &ours.tbs()[e.offset..e.offset + e.raw.len()],
            e.raw,
            "{name}"
        );
    }
    assert_eq!(
        vouch_san_strings(&ours),
        san_strings(&theirs),
        "{name}: SAN"
    );
    match ours.signature_algorithm() {
        Ok(SignatureAlgorithm::EcdsaWithSha256) => {
            assert_eq!(
                theirs.signature_algorithm().oid.to_string(),
                "1.2.840.10045.4.3.2"
            )
        }
        Ok(SignatureAlgorithm::EcdsaWithSha384) => {
            assert_eq!(
                theirs.signature_algorithm().oid.to_string(),
                "1.2.840.10045.4.3.3"
            )
        }
        Err(e) => {
            assert_eq!(e, Error::RsaUnsupported);
            assert!(
                theirs
                    .signature_algorithm()
                    .oid
                    .to_string()
                    .starts_with("1.2.840.113549.1.1.")
            );
        }
    }
    // BasicConstraints agree.
    let bc = tbs
        .get_extension::<x509_cert::ext::pkix::BasicConstraints>()
        .unwrap()
        .map(|(crit, bc)| (bc.ca, bc.path_len_constraint.map(u32::from), crit));
    assert_eq!(
        ours.basic_constraints()
            .map(|b| (b.ca, b.path_len, b.critical)),
        bc,
        "{name}: BasicConstraints"
    );
}

#[test]
fn differential_against_x509_cert() {
    let certs = all_certs();
    for (name, der) in &certs {
        differential(name, der);
    }
}

// ---------------------------------------------------------------------------------------------
// Hostile inputs.

/// A DER tree for re-encoding mutated certificates (constructed elements are expanded).
#[derive(Clone, Debug)]
enum Node {
    Prim {
        tag: u8,
        value: Vec<u8>,
        long: bool,
    },
    Cons {
        tag: u8,
        children: Vec<Node>,
        long: bool,
    },
}

fn parse_tree(mut der: &[u8]) -> Vec<Node> {
    let mut out = Vec::new();
    while !der.is_empty() {
        let tag = der[0];
        let (len, hdr) = if der[1] < 0x80 {
            (der[1] as usize, 2)
        } else {
            let n = (der[1] & 0x7f) as usize;
            (
                der[2..2 + n]
                    .iter()
                    .fold(0usize, |a, &b| (a << 8) | b as usize),
                2 + n,
            )
        };
        let value = &der[hdr..hdr + len];
        out.push(if tag & 0x20 != 0 {
            Node::Cons {
                tag,
                children: parse_tree(value),
                long: false,
            }
        } else {
            Node::Prim {
                tag,
                value: value.to_vec(),
                long: false,
            }
        });
        der = &der[hdr + len..];
    }
    out
}

fn encode(n: &Node) -> Vec<u8> {
    let (tag, content, long) = match n {
        Node::Prim { tag, value, long } => (*tag, value.clone(), *long),
        Node::Cons {
            tag,
            children,
            long,
        } => (*tag, children.iter().flat_map(encode).collect(), *long),
    };
    let mut out = vec![tag];
    let len = content.len();
    if long {
        // One byte more than needed: non-minimal.
        out.extend([0x83, (len >> 16) as u8, (len >> 8) as u8, len as u8]);
    } else if len < 0x80 {
        out.push(len as u8);
    } else if len < 0x100 {
        out.extend([0x81, len as u8]);
    } else {
        out.extend([0x82, (len >> 8) as u8, len as u8]);
    }
    out.extend(content);
    out
}

fn tree(der: &[u8]) -> Node {
    let mut t = parse_tree(der);
    assert_eq!(t.len(), 1);
    let n = t.remove(0);
    assert_eq!(encode(&n), der, "tree round trip");
    n
}

fn children(n: &mut Node) -> &mut Vec<Node> {
    match n {
        Node::Cons { children, .. } => children,
        Node::Prim { .. } => panic!("not constructed"),
    }
}

/// Visits every node in pre-order with its index.
fn count_nodes(n: &Node) -> usize {
    1 + match n {
        Node::Cons { children, .. } => children.iter().map(count_nodes).sum(),
        Node::Prim { .. } => 0,
    }
}

fn set_long(n: &mut Node, target: usize, i: &mut usize) {
    if *i == target {
        match n {
            Node::Prim { long, .. } | Node::Cons { long, .. } => *long = true,
        }
    }
    *i += 1;
    if let Node::Cons { children, .. } = n {
        for c in children {
            set_long(c, target, i);
        }
    }
}

/// A Fulcio leaf with SAN, KeyUsage, EKU, BasicConstraints, SCTs and Fulcio claims.
fn sample_leaf() -> Vec<u8> {
    leaves()
        .into_iter()
        .find(|(c, _)| c == "go--sigstorejs-2.0.0-provenance-exact")
        .unwrap()
        .1
}

/// The issuer of [`sample_leaf`] from the production snapshot.
fn sample_issuer() -> Vec<u8> {
    root_chains()
        .into_iter()
        .find(|(f, _)| f == "production-sigstore-go-testing.json")
        .unwrap()
        .1
        .into_iter()
        .find(|(k, c)| *k == "certificateAuthorities" && c.len() == 2)
        .unwrap()
        .1[0]
        .clone()
}

#[test]
fn sample_leaf_chains() {
    let leaf = sample_leaf();
    let issuer = sample_issuer();
    let l = Certificate::parse(&leaf).unwrap();
    let i = Certificate::parse(&issuer).unwrap();
    l.verify_issued_by(&i).unwrap();
    assert_eq!(
        l.signature_algorithm(),
        Ok(SignatureAlgorithm::EcdsaWithSha384)
    );
}

#[test]
fn truncated_at_every_length() {
    for der in [sample_leaf(), sample_issuer()] {
        for n in 0..der.len() {
            let expected = if n == 0 {
                Error::DerUnexpectedTag
            } else {
                Error::DerTruncated
            };
            assert_eq!(
                Certificate::parse(&der[..n]).err(),
                Some(expected),
                "length {n}"
            );
        }
        let mut long = der.clone();
        long.push(0);
        assert_eq!(
            Certificate::parse(&long).err(),
            Some(Error::DerTrailingData)
        );
    }
}

/// Every element's length re-encoded one byte longer than needed: not DER.
#[test]
fn non_minimal_length_at_every_element() {
    let der = sample_leaf();
    let t = tree(&der);
    let n = count_nodes(&t);
    assert!(n > 50);
    for target in 0..n {
        let mut m = t.clone();
        set_long(&mut m, target, &mut 0);
        let bytes = encode(&m);
        let r = Certificate::parse(&bytes);
        // Elements inside an extension value (an OCTET STRING's contents) are not expanded by
        // the tree, so every target is an element the walker reads.
        assert_eq!(r.err(), Some(Error::DerNonCanonical), "element {target}");
    }
}

/// Each length byte of every element increased and decreased by one: refused, never a panic.
#[test]
fn flipped_length_bytes() {
    let der = sample_leaf();
    // Positions of length octets: walk the tree and record where each header is.
    fn headers(der: &[u8], base: usize, out: &mut Vec<usize>) {
        let mut pos = 0;
        while pos < der.len() {
            let tag = der[pos];
            let (len, hdr) = if der[pos + 1] < 0x80 {
                (der[pos + 1] as usize, 2)
            } else {
                let n = (der[pos + 1] & 0x7f) as usize;
                (
                    der[pos + 2..pos + 2 + n]
                        .iter()
                        .fold(0usize, |a, &b| (a << 8) | b as usize),
                    2 + n,
                )
            };
            for k in 1..hdr {
                out.push(base + pos + k);
            }
            if tag & 0x20 != 0 {
                headers(&der[pos + hdr..pos + hdr + len], base + pos + hdr, out);
            }
            pos += hdr + len;
        }
    }
    let mut pos = Vec::new();
    headers(&der, 0, &mut pos);
    assert!(pos.len() > 50);
    let mut seen = std::collections::BTreeMap::new();
    for &p in &pos {
        for delta in [1u8, 0xff] {
            let mut m = der.clone();
            m[p] = m[p].wrapping_add(delta);
            let e = Certificate::parse(&m).expect_err("a changed length was accepted");
            // A wrong length shows as a structural DER error, or, where the shifted bytes still
            // form elements, as the refusal of what they now say.
            assert!(
                matches!(
                    e,
                    Error::DerTruncated
                        | Error::DerNonCanonical
                        | Error::DerTrailingData
                        | Error::DerUnexpectedTag
                        | Error::CertInvalidTime
                        | Error::CertMalformedExtension
                        | Error::CertUnsupportedVersion
                ),
                "length byte at {p}: {e:?}"
            );
            *seen.entry(format!("{e:?}")).or_insert(0) += 1;
        }
    }
    // The outermost length (a two-byte long form, `30 82 hh ll`): longer runs past the input,
    // shorter leaves a byte after the certificate; its low byte decides exactly.
    assert_eq!(der[1], 0x82);
    let mut longer = der.clone();
    longer[3] = longer[3].wrapping_add(1);
    let mut shorter = der.clone();
    shorter[3] = shorter[3].wrapping_sub(1);
    if der[3] != 0xff && der[3] != 0 {
        assert_eq!(Certificate::parse(&longer).err(), Some(Error::DerTruncated));
        assert_eq!(
            Certificate::parse(&shorter).err(),
            Some(Error::DerTrailingData)
        );
    }
    // The length-of-length byte changed: 0x83 reads three length bytes (`hh ll 30`), far more
    // than the input holds; 0x81 reads one (`hh`, below 128), which DER writes in short form.
    assert!(der[2] != 0 && der[2] < 0x80);
    let mut form = der.clone();
    form[1] = 0x83;
    assert_eq!(Certificate::parse(&form).err(), Some(Error::DerTruncated));
    form[1] = 0x81;
    assert_eq!(
        Certificate::parse(&form).err(),
        Some(Error::DerNonCanonical)
    );
    // Every kind of structural refusal occurs among the mutations.
    for kind in [
        "DerTruncated",
        "DerNonCanonical",
        "DerTrailingData",
        "DerUnexpectedTag",
    ] {
        assert!(seen.contains_key(kind), "{kind} never seen: {seen:?}");
    }
}

/// Any single byte changed: either refused, or (where the change lands in a value) parsed but no
/// longer signed by the issuer. Whatever vouch accepts, x509-cert accepts with the same fields.
#[test]
fn every_byte_flipped() {
    let der = sample_leaf();
    let issuer_der = sample_issuer();
    let issuer = Certificate::parse(&issuer_der).unwrap();
    let key = issuer.public_key().unwrap();
    let mut parsed = 0;
    for p in 0..der.len() {
        let mut m = der.clone();
        m[p] ^= 0x5a;
        if let Ok(c) = Certificate::parse(&m) {
            parsed += 1;
            assert!(
                c.verify_signed_by(&key).is_err(),
                "byte {p}: still verifies"
            );
            if x509_cert::Certificate::from_der(&m).is_ok() {
                differential(&format!("byte {p}"), &m);
            }
        }
    }
    assert!(parsed > 100, "{parsed}");
}

fn extensions_of(t: &mut Node) -> &mut Vec<Node> {
    let tbs = &mut children(t)[0];
    let ctx3 = children(tbs)
        .iter_mut()
        .find(|n| matches!(n, Node::Cons { tag: 0xa3, .. }))
        .unwrap();
    children(&mut children(ctx3)[0])
}

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    encode(&Node::Prim {
        tag,
        value: content.to_vec(),
        long: false,
    })
}

/// An Extension element: OID contents, critical flag (encoded when `Some`), value.
fn extension(oid: &[u8], critical: Option<bool>, value: &[u8]) -> Node {
    let mut c = vec![Node::Prim {
        tag: 0x06,
        value: oid.to_vec(),
        long: false,
    }];
    if let Some(b) = critical {
        c.push(Node::Prim {
            tag: 0x01,
            value: vec![if b { 0xff } else { 0 }],
            long: false,
        });
    }
    c.push(Node::Prim {
        tag: 0x04,
        value: value.to_vec(),
        long: false,
    });
    Node::Cons {
        tag: 0x30,
        children: c,
        long: false,
    }
}

fn parse_mutated(f: impl FnOnce(&mut Node)) -> Result<(), Error> {
    let mut t = tree(&sample_leaf());
    f(&mut t);
    let bytes = encode(&t);
    Certificate::parse(&bytes).map(|_| ())
}

#[test]
fn duplicate_extension() {
    assert_eq!(
        parse_mutated(|t| {
            let exts = extensions_of(t);
            let first = exts[0].clone();
            exts.push(first);
        }),
        Err(Error::CertDuplicateExtension)
    );
    // The same OID with another value and criticality is still a duplicate.
    assert_eq!(
        parse_mutated(|t| {
            extensions_of(t).push(extension(
                x509::oid::KEY_USAGE,
                Some(true),
                &[3, 2, 7, 0x80],
            ))
        }),
        Err(Error::CertDuplicateExtension)
    );
}

#[test]
fn extension_refusals() {
    let unknown = [0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x01];
    // An encoded DEFAULT FALSE.
    assert_eq!(
        parse_mutated(|t| extensions_of(t).push(extension(&unknown, Some(false), &[5, 0]))),
        Err(Error::DerNonCanonical)
    );
    // Too many extensions.
    assert_eq!(
        parse_mutated(|t| {
            let exts = extensions_of(t);
            for i in 0..64u8 {
                let mut oid = unknown.to_vec();
                oid.push(i);
                exts.push(extension(&oid, None, &[5, 0]));
            }
        }),
        Err(Error::CertTooManyExtensions)
    );
    // An empty SubjectAltName, an email that is not ASCII, an empty EKU list.
    let replace = |oid: &'static [u8], value: Vec<u8>| {
        move |t: &mut Node| {
            let exts = extensions_of(t);
            let i = exts
                .iter()
                .position(|e| matches!(e, Node::Cons { children, .. } if matches!(&children[0], Node::Prim { value, .. } if value == oid)))
                .unwrap();
            exts[i] = extension(oid, None, &value);
        }
    };
    assert_eq!(
        parse_mutated(replace(x509::oid::SUBJECT_ALT_NAME, vec![0x30, 0])),
        Err(Error::CertMalformedExtension)
    );
    assert_eq!(
        parse_mutated(replace(
            x509::oid::SUBJECT_ALT_NAME,
            tlv(0x30, &tlv(0x81, "é@x".as_bytes()))
        )),
        Err(Error::CertMalformedExtension)
    );
    assert_eq!(
        parse_mutated(replace(x509::oid::EXT_KEY_USAGE, vec![0x30, 0])),
        Err(Error::CertMalformedExtension)
    );
    // KeyUsage with a trailing zero bit (digitalSignature as `03 02 06 80`) and with no bit.
    assert_eq!(
        parse_mutated(replace(x509::oid::KEY_USAGE, vec![3, 2, 6, 0x80])),
        Err(Error::DerNonCanonical)
    );
    assert_eq!(
        parse_mutated(replace(x509::oid::KEY_USAGE, vec![3, 1, 0])),
        Err(Error::CertMalformedExtension)
    );
    // The Fulcio issuer (.1.8) must be a DER UTF8String.
    let mut issuer_oid = x509::oid::FULCIO_ARC.to_vec();
    issuer_oid.push(8);
    let issuer_oid: &'static [u8] = issuer_oid.leak();
    assert_eq!(
        parse_mutated(replace(issuer_oid, b"https://example".to_vec())),
        Err(Error::DerUnexpectedTag)
    );
    // A directoryName in primitive form (it is constructed: `[4] EXPLICIT Name`).
    assert_eq!(
        parse_mutated(replace(
            x509::oid::SUBJECT_ALT_NAME,
            tlv(0x30, &tlv(0x84, b"x"))
        )),
        Err(Error::CertMalformedExtension)
    );
    // A SAN with trailing bytes after the SEQUENCE.
    let mut san = tlv(0x30, &tlv(0x86, b"https://x"));
    san.push(0);
    assert_eq!(
        parse_mutated(replace(x509::oid::SUBJECT_ALT_NAME, san)),
        Err(Error::DerTrailingData)
    );
}

#[test]
fn unknown_critical_extension_is_reported() {
    let mut t = tree(&sample_leaf());
    let unknown = [0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x01, 0x01];
    extensions_of(&mut t).push(extension(&unknown, Some(true), &[5, 0]));
    extensions_of(&mut t).push(extension(x509::oid::CT_POISON, Some(true), &[5, 0]));
    let bytes = encode(&t);
    let c = Certificate::parse(&bytes).unwrap();
    let found: Vec<_> = c
        .unknown_critical_extensions()
        .map(|e| e.oid.to_vec())
        .collect();
    assert_eq!(found, vec![unknown.to_vec(), x509::oid::CT_POISON.to_vec()]);
    // The real leaf's extensions are all known or non-critical.
    assert_eq!(
        Certificate::parse(&sample_leaf())
            .unwrap()
            .unknown_critical_extensions()
            .count(),
        0
    );
}

#[test]
fn structural_refusals() {
    // No version (v1).
    assert_eq!(
        parse_mutated(|t| {
            children(&mut children(t)[0]).remove(0);
        }),
        Err(Error::CertUnsupportedVersion)
    );
    // Version v2.
    assert_eq!(
        parse_mutated(|t| {
            children(&mut children(t)[0])[0] = Node::Cons {
                tag: 0xa0,
                children: vec![Node::Prim {
                    tag: 2,
                    value: vec![1],
                    long: false,
                }],
                long: false,
            };
        }),
        Err(Error::CertUnsupportedVersion)
    );
    // Inner signature algorithm differs from the outer one.
    assert_eq!(
        parse_mutated(|t| {
            let sha256 = tree(&tlv(0x30, &tlv(0x06, x509::oid::ECDSA_WITH_SHA256)));
            children(&mut children(t)[0])[2] = sha256;
        }),
        Err(Error::CertAlgorithmMismatch)
    );
    // A byte after the extensions, inside the TBS.
    assert_eq!(
        parse_mutated(|t| children(&mut children(t)[0]).push(Node::Prim {
            tag: 5,
            value: vec![],
            long: false
        })),
        Err(Error::DerTrailingData)
    );
    // notBefore without seconds.
    assert_eq!(
        parse_mutated(|t| {
            let validity = &mut children(&mut children(t)[0])[4];
            children(validity)[0] = Node::Prim {
                tag: 0x17,
                value: b"2103070320Z".to_vec(),
                long: false,
            };
        }),
        Err(Error::CertInvalidTime)
    );
    // notBefore as GeneralizedTime with a fraction.
    assert_eq!(
        parse_mutated(|t| {
            let validity = &mut children(&mut children(t)[0])[4];
            children(validity)[0] = Node::Prim {
                tag: 0x18,
                value: b"20210307032029.5Z".to_vec(),
                long: false,
            };
        }),
        Err(Error::CertInvalidTime)
    );
    // Validity holding an INTEGER.
    assert_eq!(
        parse_mutated(|t| {
            let validity = &mut children(&mut children(t)[0])[4];
            children(validity)[0] = Node::Prim {
                tag: 2,
                value: vec![1],
                long: false,
            };
        }),
        Err(Error::DerUnexpectedTag)
    );
    // The signature BIT STRING with unused bits.
    assert_eq!(
        parse_mutated(|t| {
            if let Node::Prim { value, .. } = &mut children(t)[2] {
                value[0] = 1;
                *value.last_mut().unwrap() &= 0xfe;
            }
        }),
        Err(Error::DerNonCanonical)
    );
}

/// An RSA key and RSA signature algorithm parse, and are named when used.
#[test]
fn rsa_is_named() {
    let rsa_oid = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b]; // sha256WithRSAEncryption
    let rsa_alg = tree(&tlv(0x30, &[tlv(0x06, &rsa_oid), vec![5, 0]].concat()));
    let mut modulus = vec![0x00, 0xc0];
    modulus.extend([0x11u8; 127]);
    let key = tlv(0x30, &[tlv(0x02, &modulus), tlv(0x02, &[1, 0, 1])].concat());
    let mut bits = vec![0];
    bits.extend(&key);
    let rsa_spki = tree(&tlv(
        0x30,
        &[
            tlv(
                0x30,
                &[
                    tlv(
                        0x06,
                        &rsa_oid[..8].iter().copied().chain([1]).collect::<Vec<_>>(),
                    ),
                    vec![5, 0],
                ]
                .concat(),
            ),
            tlv(0x03, &bits),
        ]
        .concat(),
    ));
    let mut t = tree(&sample_leaf());
    children(&mut children(&mut t)[0])[6] = rsa_spki;
    children(&mut children(&mut t)[0])[2] = rsa_alg.clone();
    children(&mut t)[1] = rsa_alg;
    let bytes = encode(&t);
    let c = Certificate::parse(&bytes).unwrap();
    assert_eq!(c.public_key().err(), Some(Error::RsaUnsupported));
    assert_eq!(c.signature_algorithm(), Err(Error::RsaUnsupported));
    let issuer = Certificate::parse(&bytes).unwrap();
    assert_eq!(c.verify_issued_by(&issuer), Err(Error::RsaUnsupported));
    // A real RSA certificate (the scaffolding root) behaves the same.
    let scaffolding = root_chains()
        .into_iter()
        .find(|(f, _)| f.starts_with("scaffolding"))
        .unwrap()
        .1[0]
        .1[0]
        .clone();
    let s = Certificate::parse(&scaffolding).unwrap();
    assert_eq!(s.public_key().err(), Some(Error::RsaUnsupported));
    assert_eq!(s.verify_issued_by(&s), Err(Error::RsaUnsupported));
    // An ECDSA certificate's signature checked with an RSA issuer: named too.
    let leaf_der = sample_leaf();
    let leaf = Certificate::parse(&leaf_der).unwrap();
    assert_eq!(leaf.verify_issued_by(&s), Err(Error::RsaUnsupported));
}

/// Random garbage and random splices never panic.
#[test]
fn random_inputs_do_not_panic() {
    let der = sample_leaf();
    let mut state = 0x1234_5678_9abc_def0u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..20_000 {
        let mut m = der.clone();
        for _ in 0..(next() % 4 + 1) {
            let p = (next() as usize) % m.len();
            match next() % 3 {
                0 => m[p] = next() as u8,
                1 => {
                    m.remove(p);
                }
                _ => m.insert(p, next() as u8),
            }
        }
        if let Ok(c) = Certificate::parse(&m) {
            let _ = c.public_key();
            let _ = c.subject_alt_names().count();
            let _ = c.fulcio_claim(5);
            let _ = c.extended_key_usages().count();
        }
    }
}
