//! The data shipped in `examples/c/data` is exactly what `examples/gen_example_data.rs` generates
//! (real, reproducible signatures; no unverifiable blobs), and it verifies with vouch.

#[path = "../examples/gen_example_data.rs"]
mod generator;

use vouch_core::{
    ArtifactHasher, Checks, IN_TOTO_PAYLOAD_TYPE, PublicKey, Statement, TrustedKey, Verifier,
};

#[test]
fn committed_example_data_is_reproducible() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/c/data");
    for (name, bytes) in generator::example_files() {
        let committed = std::fs::read(dir.join(name)).unwrap_or_default();
        assert!(
            committed == bytes,
            "examples/c/data/{name} differs from the generator: run \
             `cargo run -p vouch-ffi --example gen_example_data -- examples/c/data`"
        );
    }
}

#[test]
fn example_data_verifies_and_tampering_is_caught() {
    let files = generator::example_files();
    let get = |n: &str| {
        files
            .iter()
            .find(|(name, _)| *name == n)
            .map(|(_, b)| b.clone())
            .expect(n)
    };
    let key = PublicKey::parse(&get("policy-key.pem")).expect("key");
    let types = [IN_TOTO_PAYLOAD_TYPE];
    let trusted = [TrustedKey { key, keyid: None }];
    let v = Verifier::new(&trusted, 1, &types).expect("verifier");
    let env = get("firmware.bin.dsse.json");
    let mut scratch = vec![0u8; env.len()];
    let verified = v.verify(&env, &mut scratch).expect("verifies");
    let statement = Statement::parse(verified.payload).expect("statement");
    let digest = |b: &[u8]| {
        let mut h = ArtifactHasher::new(true, false);
        h.update(b);
        h.finalize()
    };
    let good = digest(&get("firmware.bin"));
    let bad = digest(&get("firmware-tampered.bin"));
    let checks = |a| Checks {
        builder_id: Some("https://example.com/builder"),
        artifact: Some(a),
        ..Checks::default()
    };
    assert_eq!(statement.check(&checks(&good)), Ok(Some(0)));
    assert_eq!(
        statement.check(&checks(&bad)),
        Err(vouch_core::Error::SubjectMismatch)
    );
}

/// The keyless example's data (`examples/c/data/keyless`) is the repository's real Sigstore test
/// data, byte for byte, and the artifact is the file the bundle signed.
#[test]
fn keyless_example_data_is_the_vectors_and_the_artifact_is_signed() {
    use sha2::{Digest, Sha256};
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let read = |p: &str| std::fs::read(root.join(p)).unwrap_or_else(|e| panic!("{p}: {e}"));
    let case = "tests/vectors/sigstore/cases/py--bundle-v03-staging";
    for (example, vector) in [
        (
            "examples/c/data/keyless/artifact.txt.sigstore.json",
            format!("{case}/bundle.sigstore.json"),
        ),
        (
            "examples/c/data/keyless/trusted_root.json",
            "tests/vectors/sigstore/trusted_roots/staging-sigstore-python.json".to_string(),
        ),
        (
            "examples/c/data/keyless/LICENSE",
            "tests/vectors/sigstore/LICENSE".to_string(),
        ),
    ] {
        assert!(
            read(example) == read(&vector),
            "{example} differs from {vector}"
        );
    }
    let meta = String::from_utf8(read(&format!("{case}/case.json"))).expect("utf-8");
    let digest: String = Sha256::digest(read("examples/c/data/keyless/artifact.txt"))
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert!(
        meta.contains(&format!("\"artifact_digest\": \"sha256:{digest}\"")),
        "artifact.txt is not the file the bundle signed"
    );
    let tampered = read("examples/c/data/keyless/artifact-tampered.txt");
    assert_ne!(Sha256::digest(&tampered).as_slice(), hex_bytes(&digest));
}

fn hex_bytes(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).expect("hex"))
        .collect()
}
