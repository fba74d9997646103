//! Writes the committed seed corpus, `fuzz/seeds/<target>/`, deterministically.
//!
//! Run from anywhere: `cargo run --manifest-path fuzz/Cargo.toml --bin make_corpus` (stable works
//! too with `RUSTC_BOOTSTRAP=1` unset: this binary does not use libFuzzer). It deletes and
//! rewrites every `seeds/<target>/` directory; re-run it after changing the input formats in
//! `src/checks.rs` and commit the result. Regression files live elsewhere
//! (`fuzz/regressions/<target>/`) and are never touched.

use std::fs;
use std::path::Path;

use vouch_core::testkit::{
    self, B64, EnvelopeBuilder, ed25519_key, ed25519_sig, p256_key, p256_sig_der, p256_sig_raw,
    statement_for,
};
use vouch_core::{IN_TOTO_PAYLOAD_TYPE, PublicKey};
use vouch_fuzz::checks::pem_of;

fn write(target: &str, seeds: &[Vec<u8>]) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("seeds")
        .join(target);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("create seed dir");
    for (i, s) in seeds.iter().enumerate() {
        fs::write(dir.join(format!("seed-{i:03}")), s).expect("write seed");
    }
    println!("{target}: {} seeds", seeds.len());
}

/// Deterministic pseudo-random bytes (xorshift), for the structured target.
fn noise(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

fn statements() -> Vec<String> {
    let d = testkit::hex(&[0xab; 32]);
    let d512 = testkit::hex(&[0xcd; 64]);
    vec![
        statement_for(b"firmware image"),
        format!(
            concat!(
                "{{\"_type\":\"https://in-toto.io/Statement/v0.1\",\"predicateType\":",
                "\"https://slsa.dev/provenance/v0.2\",\"subject\":[{{\"name\":\"a\",\"digest\":",
                "{{\"sha256\":\"{}\",\"sha512\":\"{}\"}}}},{{\"name\":\"b\",\"digest\":{{\"sha1\":\"00\"}}}}],",
                "\"predicate\":{{\"builder\":{{\"id\":\"https://ci.example/b\"}},\"buildType\":\"x\"}}}}"
            ),
            d, d512
        ),
        concat!(
            "{\"_type\":\"https://in-toto.io/Statement/v0.1\",\"buildType\":\"make\",",
            "\"builder\":{\"id\":\"reg\"},\"materials\":[],\"metadata\":{\"commit\":\"abc\"}}"
        )
        .into(),
        format!(
            concat!(
                "{{\"_type\":\"https://in-toto.io/Statement/v1\",\"predicateType\":\"https://example.com/p\",",
                "\"subject\":[{{\"name\":\"\\u0061\",\"digest\":{{\"sha\\u0032\\u00356\":\"{}\"}}}}],\"predicate\":{{}}}}"
            ),
            d
        ),
        "{\"_type\":\"https://in-toto.io/Statement/v1\",\"subject\":[]}".into(),
        "{\"_type\":\"https://in-toto.io/Statement/v1\",\"predicateType\":\"https://slsa.dev/provenance/v1\",\"subject\":[{\"name\":\"a\",\"digest\":{\"sha256\":\"AB\"}}],\"predicate\":{\"runDetails\":{\"builder\":{\"id\":\"\"}}}}".into(),
    ]
}

/// The keyless seeds: every distinct certificate of the real Sigstore trusted roots and bundles
/// in `tests/vectors/sigstore/`, and the trusted roots themselves.
fn keyless_seeds() -> (Vec<Vec<u8>>, Vec<Vec<u8>>) {
    use base64ct::{Base64, Encoding};
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors/sigstore");
    let sorted = |d: std::path::PathBuf| {
        let mut v: Vec<_> = fs::read_dir(d)
            .expect("vector dir")
            .map(|e| e.expect("entry").path())
            .collect();
        v.sort();
        v
    };
    let json = |p: &Path| -> serde_json::Value {
        serde_json::from_slice(&fs::read(p).expect("read vector")).expect("vector JSON")
    };
    let b64 = |v: &serde_json::Value| Base64::decode_vec(v.as_str().expect("base64")).expect("b64");
    let mut roots = Vec::new();
    let mut certs: Vec<Vec<u8>> = Vec::new();
    for f in sorted(dir.join("trusted_roots")) {
        let r = json(&f);
        for kind in ["certificateAuthorities", "timestampAuthorities"] {
            for a in r[kind].as_array().into_iter().flatten() {
                for c in a["certChain"]["certificates"].as_array().expect("chain") {
                    certs.push(b64(&c["rawBytes"]));
                }
            }
        }
        roots.push(fs::read(&f).expect("read root"));
    }
    for d in sorted(dir.join("cases")) {
        let vm = json(&d.join("bundle.sigstore.json"))["verificationMaterial"].clone();
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
    }
    let mut distinct: Vec<Vec<u8>> = Vec::new();
    for c in certs {
        if !distinct.contains(&c) {
            distinct.push(c);
        }
    }
    (distinct, roots)
}

/// Seeds of the bundle targets: every real bundle as shipped (`bundle_parse`), every distinct
/// real checkpoint note (`checkpoint_parse`), and for `bundle_verify` a few change scripts
/// (`checks::check_bundle_verify`): none, one bit flipped, one byte inserted, two bytes set.
fn bundle_seeds() -> (Vec<Vec<u8>>, Vec<Vec<u8>>, Vec<Vec<u8>>) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors/sigstore/cases");
    let mut cases: Vec<_> = fs::read_dir(dir)
        .expect("cases")
        .map(|e| e.expect("entry").path())
        .collect();
    cases.sort();
    let mut bundles = Vec::new();
    let mut checkpoints: Vec<Vec<u8>> = Vec::new();
    for c in cases {
        let bytes = fs::read(c.join("bundle.sigstore.json")).expect("bundle");
        let v: serde_json::Value = serde_json::from_slice(&bytes).expect("bundle JSON");
        for e in v["verificationMaterial"]["tlogEntries"]
            .as_array()
            .into_iter()
            .flatten()
        {
            if let Some(n) = e["inclusionProof"]["checkpoint"]["envelope"].as_str() {
                let n = n.as_bytes().to_vec();
                if !checkpoints.contains(&n) {
                    checkpoints.push(n);
                }
            }
        }
        bundles.push(bytes);
    }
    let mutations = vec![
        vec![0],
        vec![1, 0x34, 0x12, 0x01, 0],
        vec![1, 0x00, 0x02, b'x', 3],
        vec![2, 0x10, 0x00, b'"', 1, 0x20, 0x00, b'0', 1],
    ];
    (bundles, checkpoints, mutations)
}

/// The distinct real RFC 3161 timestamps of the bundles in `tests/vectors/sigstore/cases`.
fn timestamp_seeds() -> Vec<Vec<u8>> {
    use base64ct::{Base64, Encoding};
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors/sigstore/cases");
    let mut cases: Vec<_> = fs::read_dir(dir)
        .expect("vector dir")
        .map(|e| e.expect("entry").path())
        .collect();
    cases.sort();
    let mut out: Vec<Vec<u8>> = Vec::new();
    for d in cases {
        let b: serde_json::Value =
            serde_json::from_slice(&fs::read(d.join("bundle.sigstore.json")).expect("read"))
                .expect("bundle JSON");
        let list = &b["verificationMaterial"]["timestampVerificationData"]["rfc3161Timestamps"];
        for t in list.as_array().into_iter().flatten() {
            let raw =
                Base64::decode_vec(t["signedTimestamp"].as_str().expect("base64")).expect("b64");
            if !out.contains(&raw) {
                out.push(raw);
            }
        }
    }
    out
}

fn main() {
    let (certs, roots) = keyless_seeds();
    write("x509_parse", &certs);
    write("trusted_root_parse", &roots);
    let (bundles, checkpoints, mutations) = bundle_seeds();
    write("bundle_parse", &bundles);
    write("checkpoint_parse", &checkpoints);
    write("bundle_verify", &mutations);
    write("timestamp_verify", &timestamp_seeds());

    let ed = ed25519_key(1);
    let ed2 = ed25519_key(2);
    let p = p256_key(1);
    let stmt = statement_for(b"firmware image");
    let t = IN_TOTO_PAYLOAD_TYPE;
    let s = stmt.as_bytes();

    // Envelopes: real signatures, every base64 form, P-256 raw and DER, several signatures.
    let mut envelopes: Vec<Vec<u8>> = Vec::new();
    for form in [B64::Std, B64::StdUnpadded, B64::Url, B64::UrlUnpadded] {
        let mut e = EnvelopeBuilder::new(t, s).sig(Some("k0"), ed25519_sig(&ed, t, s), form);
        e.payload_b64 = form;
        envelopes.push(e.to_json().into_bytes());
    }
    envelopes.push(
        EnvelopeBuilder::new(t, s)
            .sig(None, p256_sig_der(&p, t, s), B64::Std)
            .sig(Some("p"), p256_sig_raw(&p, t, s), B64::Url)
            .sig(Some("e2"), ed25519_sig(&ed2, t, s), B64::StdUnpadded)
            .to_json()
            .into_bytes(),
    );
    envelopes.push(testkit::sign_ed25519(&ed, "text/plain", b"hello").into_bytes());
    envelopes.push(
        br#"{"payload":"aGk\/","payloadType":"text\/plain","signatures":[{"keyid":null,"sig":"AA=="}],"x":{}}"#
            .to_vec(),
    );
    envelopes.push(br#"{"payload":"","payloadType":"","signatures":[]}"#.to_vec());
    envelopes.push(br#"{"payload":"+_","payloadType":"t","signatures":[{"sig":""}]}"#.to_vec());
    envelopes.push(
        br#"{"payload":"","payload":"","payloadType":"t","signatures":[{"sig":""}]}"#.to_vec(),
    );
    write("envelope_parse", &envelopes);

    let b64: Vec<Vec<u8>> = [
        "",
        "Zg==",
        "Zg",
        "Zm8=",
        "Zm8",
        "Zm9v",
        "+/+/",
        "-_-_",
        "-_8",
        "Zh==",
        "Zm9=",
        "Zg=",
        "Zg===",
        "====",
        "Zm9v\n",
        "+_",
        "SGVsbG8sIERTU0UhIGJhc2U2NCBzdHJlYW1pbmcgdGVzdA",
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .chain([
        testkit::b64(s, B64::Std).into_bytes(),
        testkit::b64(&[0xff; 61], B64::Url).into_bytes(),
    ])
    .collect();
    write("base64_decode", &b64);

    // pae input: two u64 lengths, a u16 split point, then payloadType||body.
    let pae_seed = |x: u64, y: u64, ty: &str, body: &[u8]| {
        let mut v = x.to_le_bytes().to_vec();
        v.extend_from_slice(&y.to_le_bytes());
        v.extend_from_slice(&(ty.len() as u16).to_le_bytes());
        v.extend_from_slice(ty.as_bytes());
        v.extend_from_slice(body);
        v
    };
    write(
        "pae",
        &[
            pae_seed(29, 11, "http://example.com/HelloWorld", b"hello world"),
            pae_seed(0, 0, "", b""),
            pae_seed(u64::MAX, 1, t, s),
            pae_seed(u64::MAX / 2, u64::MAX / 2, "é😀", b"x"),
        ],
    );

    let mut stmts: Vec<Vec<u8>> = statements().into_iter().map(String::into_bytes).collect();
    stmts.push(b"[]".to_vec());
    write("statement_parse", &stmts);

    let verify: Vec<Vec<u8>> = (1..=24)
        .map(|i| noise(i, 24 + (i as usize * 37) % 400))
        .collect();
    write("verify_envelope", &verify);

    let mut docs: Vec<Vec<u8>> = [
        "{}",
        "[]",
        " {\"a\": [1, -0, 0.5, 1e3, -2.5E-7, true, false, null, \"x\"]} ",
        "\"\\u00e9\\ud83d\\ude00\\/\\\\\\\"\\b\\f\\n\\r\\t\"",
        "{\"a\":1,\"\\u0061\":2}",
        "[1e400, 123456789012345678901234567890, -0.0e-0]",
        "{\"a\":{\"b\":{\"c\":[[[{}]]]}}}",
        "[1,]",
        "\"\\ud800\"",
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect();
    docs.push(envelopes[4].clone());
    docs.extend(statements().into_iter().take(3).map(String::into_bytes));
    write("json_differential", &docs);

    let mut keys: Vec<Vec<u8>> = Vec::new();
    let mut der = [0u8; 128];
    let edpk = PublicKey::parse(ed.pk.as_ref()).expect("key");
    let n = edpk.spki_der(&mut der).expect("fits");
    keys.push(ed.pk.as_ref().to_vec());
    keys.push(der[..n].to_vec());
    keys.push(pem_of(&der[..n]).into_bytes());
    let vk = p.verifying_key();
    let unc = vk.to_sec1_point(false).as_bytes().to_vec();
    let cmp = vk.to_sec1_point(true).as_bytes().to_vec();
    let ppk = PublicKey::parse(&unc).expect("key");
    let n = ppk.spki_der(&mut der).expect("fits");
    keys.extend([unc, cmp, der[..n].to_vec(), pem_of(&der[..n]).into_bytes()]);
    keys.push(b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n".to_vec());
    keys.push(vec![0x30, 0x03, 0x02, 0x01, 0x00]);
    write("key_parse", &keys);

    // ffi_verify: an even first byte = a structured case (as verify_envelope), odd = raw bytes
    // used as an envelope and as a key.
    let mut ffi: Vec<Vec<u8>> = (1..=8u8)
        .map(|i| {
            [
                vec![i * 2 + 40],
                noise(u64::from(i) + 100, 60 + usize::from(i) * 29),
            ]
            .concat()
        })
        .collect();
    ffi.extend(
        envelopes
            .iter()
            .take(6)
            .map(|e| [vec![1], e.clone()].concat()),
    );
    ffi.extend(keys.iter().take(4).map(|k| [vec![3], k.clone()].concat()));
    write("ffi_verify", &ffi);

    // policy_parse: CLI policy files (PEM keys as JSON strings).
    let pem_json = |k: &[u8]| testkit::json_string(std::str::from_utf8(k).expect("PEM is ASCII"));
    let (ed_pem, p_pem) = (pem_json(&keys[2]), pem_json(&keys[6]));
    let policies = [
        format!("{{\"allowedIssuers\":[{{\"keyId\":\"ci\",\"publicKey\":{ed_pem}}}]}}"),
        format!(
            concat!(
                "{{\"mode\":\"permissive\",\"threshold\":2,\"allowedIssuers\":[",
                "{{\"keyId\":\"a\",\"publicKey\":{},\"description\":\"ed\",",
                "\"validFrom\":\"2024-01-01T00:00:00Z\",\"validUntil\":\"2030-01-01T00:00:00+02:00\"}},",
                "{{\"keyId\":\"b\",\"publicKey\":{},\"revoked\":true}}],",
                "\"payloadTypes\":[\"application/vnd.in-toto+json\"],",
                "\"predicateTypes\":[\"https://slsa.dev/provenance/v1\"],",
                "\"builderIds\":[\"https://example.com/builder\"],\"expires\":\"2031-12-31T23:59:59Z\"}}"
            ),
            ed_pem, p_pem
        ),
        format!(
            "{{\"allowedIssuers\":[{{\"keyId\":\"a\",\"publicKey\":{ed_pem}}},{{\"keyId\":\"b\",\"publicKey\":{ed_pem}}}]}}"
        ),
        "{\"allowedIssuers\":[],\"threshold\":0}".into(),
    ];
    write(
        "policy_parse",
        &policies
            .iter()
            .map(|p| p.as_bytes().to_vec())
            .collect::<Vec<_>>(),
    );
}
