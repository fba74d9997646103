//! in-toto Statements and SLSA provenance checks (`docs/profile.md`, rules P-ST-1 to P-ST-12):
//! Statement v0.1 and v1, SLSA v0.1/v0.2/v1 builder ids, the registry format, subject
//! matching over every subject with sha256 and sha512, and every error with its specific variant.

use serde_json::{Value, json};
use sha2::{Digest, Sha256, Sha512};
use vouch_core::statement::{
    SLSA_PROVENANCE_V01, SLSA_PROVENANCE_V1, SLSA_PROVENANCE_V02, STATEMENT_V01, STATEMENT_V1,
};
use vouch_core::testkit::{
    B64, EnvelopeBuilder, ed25519_key, ed25519_sig, hex, p256_key, p256_sig_der,
};
use vouch_core::{
    ArtifactDigest, ArtifactHasher, Checks, Error, IN_TOTO_PAYLOAD_TYPE, Provenance, PublicKey,
    Statement, StatementVersion, TrustedKey, Verifier,
};

const BUILDER: &str = "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/builder_go_slsa3.yml@refs/tags/v2.0.0";
const ARTIFACT: &[u8] = b"firmware image v1.2.3";

fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}
fn sha512_hex(data: &[u8]) -> String {
    hex(&Sha512::digest(data))
}

fn digest_of(data: &[u8], sha256: bool, sha512: bool) -> ArtifactDigest {
    let mut h = ArtifactHasher::new(sha256, sha512);
    h.update(data);
    h.finalize()
}

fn slsa_v1() -> Value {
    json!({
        "_type": STATEMENT_V1,
        "subject": [{"name": "fw.bin", "digest": {"sha256": sha256_hex(ARTIFACT)}}],
        "predicateType": SLSA_PROVENANCE_V1,
        "predicate": {
            "buildDefinition": {"buildType": "https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1"},
            "runDetails": {"builder": {"id": BUILDER}, "metadata": {"invocationId": "1"}}
        }
    })
}

fn slsa_v02() -> Value {
    json!({
        "_type": STATEMENT_V01,
        "subject": [{"name": "fw.bin", "digest": {"sha256": sha256_hex(ARTIFACT)}}],
        "predicateType": SLSA_PROVENANCE_V02,
        "predicate": {
            "builder": {"id": BUILDER},
            "buildType": "https://github.com/slsa-framework/slsa-github-generator/go@v1",
            "materials": []
        }
    })
}

/// The minimal registry format: Statement v0.1 `_type`, no predicateType, top-level buildType,
/// builder.id, materials and metadata.commit.
fn registry() -> Value {
    json!({
        "_type": STATEMENT_V01,
        "subject": [{"name": "pkg-1.0.tgz", "digest": {"sha512": sha512_hex(ARTIFACT)}}],
        "buildType": "ossp-manifest-v1",
        "builder": {"id": "https://registry.example/builder"},
        "materials": [{"uri": "git+https://example.com/pkg", "digest": {"sha1": "0123456789abcdef0123456789abcdef01234567"}}],
        "metadata": {"commit": "0123456789abcdef0123456789abcdef01234567"}
    })
}

fn text(v: &Value) -> Vec<u8> {
    serde_json::to_vec(v).unwrap()
}

fn parse_err(v: &Value) -> Option<Error> {
    Statement::parse(&text(v)).err()
}

/// Removes the member at a `/`-separated path.
fn without(mut v: Value, path: &str) -> Value {
    let (parent, key) = path.rsplit_once('/').unwrap_or(("", path));
    let target = if parent.is_empty() {
        &mut v
    } else {
        v.pointer_mut(&format!("/{parent}")).expect(path)
    };
    target.as_object_mut().expect(path).remove(key).expect(path);
    v
}

/// Sets the value at a `/`-separated path.
fn with(mut v: Value, path: &str, value: Value) -> Value {
    let (parent, key) = path.rsplit_once('/').unwrap_or(("", path));
    let target = if parent.is_empty() {
        &mut v
    } else {
        v.pointer_mut(&format!("/{parent}")).expect(path)
    };
    target
        .as_object_mut()
        .expect(path)
        .insert(key.into(), value);
    v
}

#[test]
fn statement_v1_with_slsa_v1() {
    let doc = text(&slsa_v1());
    let s = Statement::parse(&doc).unwrap();
    assert_eq!(s.version(), StatementVersion::V1);
    assert_eq!(s.provenance(), Provenance::SlsaV1);
    assert!(s.builder_id().unwrap().eq_str(BUILDER));
    assert!(s.predicate_type().unwrap().eq_str(SLSA_PROVENANCE_V1));
    let d = digest_of(ARTIFACT, true, true);
    let checks = Checks {
        predicate_type: Some(SLSA_PROVENANCE_V1),
        builder_id: Some(BUILDER),
        artifact: Some(&d),
    };
    assert_eq!(s.check(&checks), Ok(Some(0)));
    assert_eq!(s.check(&Checks::default()), Ok(None));
    let names: Vec<&[u8]> = s.subjects().map(|sub| sub.name.raw()).collect();
    assert_eq!(names, [b"fw.bin".as_slice()]);
}

#[test]
fn statement_v01_with_slsa_v02_and_v01() {
    for pt in [SLSA_PROVENANCE_V02, SLSA_PROVENANCE_V01] {
        let doc = text(&with(slsa_v02(), "predicateType", json!(pt)));
        let s = Statement::parse(&doc).unwrap();
        assert_eq!(s.version(), StatementVersion::V01);
        assert_eq!(s.provenance(), Provenance::SlsaV0);
        let d = digest_of(ARTIFACT, true, false);
        assert_eq!(
            s.check(&Checks {
                predicate_type: Some(pt),
                builder_id: Some(BUILDER),
                artifact: Some(&d),
            }),
            Ok(Some(0))
        );
    }
    // Either Statement version carries either SLSA version.
    let v1_v02 = with(slsa_v02(), "_type", json!(STATEMENT_V1));
    assert_eq!(
        Statement::parse(&text(&v1_v02)).unwrap().provenance(),
        Provenance::SlsaV0
    );
    let v01_v1 = with(slsa_v1(), "_type", json!(STATEMENT_V01));
    let doc = text(&v01_v1);
    let s = Statement::parse(&doc).unwrap();
    assert_eq!(s.version(), StatementVersion::V01);
    assert_eq!(s.provenance(), Provenance::SlsaV1);
}

#[test]
fn builder_id_locations_are_not_interchangeable() {
    // SLSA v1 with the id only where v0.2 keeps it, and the reverse: no builder id.
    let v1_at_v02 = without(
        with(slsa_v1(), "predicate/builder", json!({"id": BUILDER})),
        "predicate/runDetails",
    );
    assert_eq!(parse_err(&v1_at_v02), Some(Error::MissingBuilderId));
    let v02_at_v1 = without(
        with(
            slsa_v02(),
            "predicate/runDetails",
            json!({"builder": {"id": BUILDER}}),
        ),
        "predicate/builder",
    );
    assert_eq!(parse_err(&v02_at_v1), Some(Error::MissingBuilderId));
}

#[test]
fn every_subject_is_examined() {
    let other = sha256_hex(b"something else");
    let st = with(
        slsa_v1(),
        "subject",
        json!([
            {"name": "a", "digest": {"sha256": other}},
            {"name": "b", "digest": {"sha512": sha512_hex(b"b")}},
            {"name": "c", "digest": {"sha256": sha256_hex(ARTIFACT)}},
            {"name": "d", "digest": {"sha256": sha256_hex(ARTIFACT)}}
        ]),
    );
    let doc = text(&st);
    let s = Statement::parse(&doc).unwrap();
    assert_eq!(s.subjects().count(), 4);
    let d = digest_of(ARTIFACT, true, true);
    assert_eq!(s.match_artifact(&d), Ok(2));
    assert_eq!(
        s.check(&Checks {
            artifact: Some(&d),
            ..Checks::default()
        }),
        Ok(Some(2))
    );
    assert_eq!(
        s.match_artifact(&digest_of(b"nope", true, true)),
        Err(Error::SubjectMismatch)
    );
    assert_eq!(s.match_artifact(&digest_of(b"b", true, true)), Ok(1));
}

#[test]
fn sha512_only_subjects() {
    let st = with(
        slsa_v1(),
        "subject",
        json!([{"name": "pkg", "digest": {"sha512": sha512_hex(ARTIFACT)}}]),
    );
    let doc = text(&st);
    let s = Statement::parse(&doc).unwrap();
    assert_eq!(s.match_artifact(&digest_of(ARTIFACT, true, true)), Ok(0));
    assert_eq!(s.match_artifact(&digest_of(ARTIFACT, false, true)), Ok(0));
    // No algorithm in common: no match.
    assert_eq!(
        s.match_artifact(&digest_of(ARTIFACT, true, false)),
        Err(Error::SubjectMismatch)
    );
    assert_eq!(
        s.match_artifact(&digest_of(b"other", false, true)),
        Err(Error::SubjectMismatch)
    );
}

#[test]
fn one_equal_shared_algorithm_is_enough() {
    // docs/profile.md P-ST-8: a subject matches when at least one algorithm both sides know gives
    // equal digests. sha256 matches here while sha512 names another artifact: still a match.
    let st = with(
        slsa_v1(),
        "subject",
        json!([{"name": "x", "digest": {"sha256": sha256_hex(ARTIFACT), "sha512": sha512_hex(b"evil")}}]),
    );
    let doc = text(&st);
    let s = Statement::parse(&doc).unwrap();
    assert_eq!(s.match_artifact(&digest_of(ARTIFACT, true, true)), Ok(0));
    assert_eq!(s.match_artifact(&digest_of(ARTIFACT, true, false)), Ok(0));
    // Only the disagreeing algorithm computed: no match.
    assert_eq!(
        s.match_artifact(&digest_of(ARTIFACT, false, true)),
        Err(Error::SubjectMismatch)
    );
}

#[test]
fn unknown_digest_algorithms_are_ignored() {
    let st = with(
        slsa_v1(),
        "subject",
        json!([
            {"name": "only-unknown", "digest": {"sha1": "NOT HEX AT ALL", "gitCommit": "xyz", "blake2b": ""}},
            {"name": "mixed", "digest": {"sha1": "ABCDEF", "sha256": sha256_hex(ARTIFACT), "dirHash": "zz"}}
        ]),
    );
    let doc = text(&st);
    let s = Statement::parse(&doc).unwrap();
    assert_eq!(s.match_artifact(&digest_of(ARTIFACT, true, true)), Ok(1));
    // A subject with only unknown algorithms matches nothing.
    let only = with(
        slsa_v1(),
        "subject",
        json!([{"name": "u", "digest": {"sha1": "abc", "md5": "def"}}]),
    );
    let doc = text(&only);
    let s = Statement::parse(&doc).unwrap();
    assert_eq!(
        s.match_artifact(&digest_of(ARTIFACT, true, true)),
        Err(Error::SubjectMismatch)
    );
    // An empty digest map too.
    let empty = with(slsa_v1(), "subject", json!([{"name": "e", "digest": {}}]));
    let doc = text(&empty);
    assert_eq!(
        Statement::parse(&doc)
            .unwrap()
            .match_artifact(&digest_of(ARTIFACT, true, true)),
        Err(Error::SubjectMismatch)
    );
}

#[test]
fn digests_must_be_lowercase_hex_of_the_right_length() {
    let good256 = sha256_hex(ARTIFACT);
    let good512 = sha512_hex(ARTIFACT);
    let bad: Vec<(&str, String)> = vec![
        ("sha256", good256.to_uppercase()),
        ("sha256", format!("{}A", &good256[..63])),
        ("sha256", good256[..62].to_string()),
        ("sha256", good256[..63].to_string()),
        ("sha256", format!("{good256}00")),
        ("sha256", format!("{}g", &good256[..63])),
        ("sha256", format!("{} ", &good256[..63])),
        ("sha256", String::new()),
        ("sha256", format!("0x{}", &good256[..62])),
        ("sha512", good512.to_uppercase()),
        ("sha512", good256.clone()),
        ("sha512", good512[..126].to_string()),
    ];
    for (alg, value) in bad {
        let st = with(
            slsa_v1(),
            "subject",
            json!([{"name": "x", "digest": {alg: value}}]),
        );
        assert_eq!(parse_err(&st), Some(Error::InvalidDigest), "{alg} {value}");
        // Also when the bad subject is not the first one.
        let st = with(
            slsa_v1(),
            "subject",
            json!([{"name": "ok", "digest": {"sha256": good256}}, {"name": "x", "digest": {alg: value}}]),
        );
        assert_eq!(parse_err(&st), Some(Error::InvalidDigest), "{alg} {value}");
    }
    // A digest that is not a string is malformed.
    let st = with(
        slsa_v1(),
        "subject",
        json!([{"name": "x", "digest": {"sha256": 1}}]),
    );
    assert_eq!(parse_err(&st), Some(Error::MalformedStatement));
    // JSON escapes inside the hex are unescaped first: `\u0061` is 'a'.
    let escaped = format!("\\u00{:x}{}", good256.as_bytes()[0], &good256[1..]);
    let doc = String::from_utf8(text(&slsa_v1()))
        .unwrap()
        .replace(&good256, &escaped);
    assert!(doc.contains("\\u00"));
    let s = Statement::parse(doc.as_bytes()).unwrap();
    assert_eq!(s.match_artifact(&digest_of(ARTIFACT, true, false)), Ok(0));
}

#[test]
fn statement_type_must_be_in_toto_v01_or_v1() {
    assert_eq!(
        parse_err(&without(slsa_v1(), "_type")),
        Some(Error::UnsupportedStatementType)
    );
    for ty in [
        json!("https://in-toto.io/Statement/v2"),
        json!("https://in-toto.io/Statement/v1/"),
        json!("http://in-toto.io/Statement/v1"),
        json!("https://in-toto.io/Statement/V1"),
        json!("https://in-toto.io/Statement/v0.2"),
        json!("https://in-toto.io/Statement/v1 "),
        json!(""),
        json!(1),
        json!(null),
        json!([STATEMENT_V1]),
    ] {
        assert_eq!(
            parse_err(&with(slsa_v1(), "_type", ty.clone())),
            Some(Error::UnsupportedStatementType),
            "{ty}"
        );
    }
}

#[test]
fn missing_subject() {
    assert_eq!(
        parse_err(&without(slsa_v1(), "subject")),
        Some(Error::MissingSubject)
    );
    assert_eq!(
        parse_err(&with(slsa_v1(), "subject", json!([]))),
        Some(Error::MissingSubject)
    );
    assert_eq!(
        parse_err(&with(slsa_v02(), "subject", json!([]))),
        Some(Error::MissingSubject)
    );
    // A non-provenance predicate needs subjects too.
    let other = with(
        slsa_v1(),
        "predicateType",
        json!("https://in-toto.io/attestation/vulns/v0.1"),
    );
    assert_eq!(
        parse_err(&without(other, "subject")),
        Some(Error::MissingSubject)
    );
}

#[test]
fn missing_predicate_type() {
    // Statement v1 requires predicateType.
    assert_eq!(
        parse_err(&without(slsa_v1(), "predicateType")),
        Some(Error::MissingPredicateType)
    );
    // A registry-shaped Statement with a v1 _type is not the registry format.
    assert_eq!(
        parse_err(&with(registry(), "_type", json!(STATEMENT_V1))),
        Some(Error::MissingPredicateType)
    );
    // The registry format has none: expecting one fails.
    let doc = text(&registry());
    let s = Statement::parse(&doc).unwrap();
    assert_eq!(
        s.check_predicate_type(SLSA_PROVENANCE_V1),
        Err(Error::MissingPredicateType)
    );
}

#[test]
fn missing_builder_id() {
    let cases = [
        without(slsa_v1(), "predicate"),
        without(slsa_v1(), "predicate/runDetails"),
        without(slsa_v1(), "predicate/runDetails/builder"),
        without(slsa_v1(), "predicate/runDetails/builder/id"),
        with(slsa_v1(), "predicate/runDetails/builder/id", json!("")),
        without(slsa_v02(), "predicate"),
        without(slsa_v02(), "predicate/builder"),
        without(slsa_v02(), "predicate/builder/id"),
        with(slsa_v02(), "predicate/builder/id", json!("")),
        without(registry(), "builder"),
        without(registry(), "builder/id"),
        with(registry(), "builder/id", json!("")),
    ];
    for st in &cases {
        assert_eq!(parse_err(st), Some(Error::MissingBuilderId), "{st}");
    }
    // A predicate that is not provenance has no builder id to check.
    let other = with(
        slsa_v1(),
        "predicateType",
        json!("https://spdx.dev/Document"),
    );
    let doc = text(&other);
    let s = Statement::parse(&doc).unwrap();
    assert_eq!(s.provenance(), Provenance::Other);
    assert!(s.builder_id().is_none());
    assert_eq!(s.check_builder_id(BUILDER), Err(Error::MissingBuilderId));
    assert_eq!(
        s.check(&Checks {
            builder_id: Some(BUILDER),
            ..Checks::default()
        }),
        Err(Error::MissingBuilderId)
    );
}

#[test]
fn predicate_type_and_builder_mismatch() {
    let doc = text(&slsa_v1());
    let s = Statement::parse(&doc).unwrap();
    let d = digest_of(ARTIFACT, true, false);
    assert_eq!(
        s.check(&Checks {
            predicate_type: Some(SLSA_PROVENANCE_V02),
            ..Checks::default()
        }),
        Err(Error::PredicateTypeMismatch)
    );
    assert_eq!(
        s.check_predicate_type("https://slsa.dev/provenance/v1/"),
        Err(Error::PredicateTypeMismatch)
    );
    assert_eq!(
        s.check(&Checks {
            builder_id: Some("https://github.com/attacker/builder"),
            ..Checks::default()
        }),
        Err(Error::BuilderIdMismatch)
    );
    // A prefix of the expected builder id is not the builder id.
    assert_eq!(
        s.check_builder_id(&BUILDER[..BUILDER.len() - 1]),
        Err(Error::BuilderIdMismatch)
    );
    // The checks run in a fixed order: predicateType, builder id, artifact.
    let other = digest_of(b"other", true, false);
    assert_eq!(
        s.check(&Checks {
            predicate_type: Some("x"),
            builder_id: Some("y"),
            artifact: Some(&other),
        }),
        Err(Error::PredicateTypeMismatch)
    );
    assert_eq!(
        s.check(&Checks {
            predicate_type: Some(SLSA_PROVENANCE_V1),
            builder_id: Some("y"),
            artifact: Some(&other),
        }),
        Err(Error::BuilderIdMismatch)
    );
    assert_eq!(
        s.check(&Checks {
            predicate_type: Some(SLSA_PROVENANCE_V1),
            builder_id: Some(BUILDER),
            artifact: Some(&other),
        }),
        Err(Error::SubjectMismatch)
    );
    assert_eq!(
        s.check(&Checks {
            predicate_type: Some(SLSA_PROVENANCE_V1),
            builder_id: Some(BUILDER),
            artifact: Some(&d),
        }),
        Ok(Some(0))
    );
    // Escaped spellings compare by their unescaped value.
    let doc = String::from_utf8(doc).unwrap().replace(
        "https://slsa.dev/provenance/v1",
        "https:\\/\\/slsa.dev\\/provenance\\/v1",
    );
    let s = Statement::parse(doc.as_bytes()).unwrap();
    assert_eq!(s.check_predicate_type(SLSA_PROVENANCE_V1), Ok(()));
}

#[test]
fn registry_provenance_format() {
    let doc = text(&registry());
    let s = Statement::parse(&doc).unwrap();
    assert_eq!(s.version(), StatementVersion::V01);
    assert_eq!(s.provenance(), Provenance::Registry);
    assert!(s.predicate_type().is_none());
    assert!(
        s.builder_id()
            .unwrap()
            .eq_str("https://registry.example/builder")
    );
    let d = digest_of(ARTIFACT, false, true);
    assert_eq!(
        s.check(&Checks {
            builder_id: Some("https://registry.example/builder"),
            artifact: Some(&d),
            ..Checks::default()
        }),
        Ok(Some(0))
    );
    assert_eq!(
        s.check_builder_id("https://registry.example/other"),
        Err(Error::BuilderIdMismatch)
    );
    // buildType is optional; empty materials are fine.
    assert!(Statement::parse(&text(&without(registry(), "buildType"))).is_ok());
    assert!(Statement::parse(&text(&with(registry(), "materials", json!([])))).is_ok());
    // Without subject it parses, but cannot bind an artifact.
    let doc = text(&without(registry(), "subject"));
    let s = Statement::parse(&doc).unwrap();
    assert!(!s.has_subjects());
    assert_eq!(s.check(&Checks::default()), Ok(None));
    assert_eq!(
        s.check(&Checks {
            artifact: Some(&d),
            ..Checks::default()
        }),
        Err(Error::UnboundProvenance)
    );
    // Each required part missing has its own error.
    assert_eq!(
        parse_err(&without(registry(), "materials")),
        Some(Error::MissingMaterials)
    );
    assert_eq!(
        parse_err(&without(registry(), "metadata")),
        Some(Error::MissingCommit)
    );
    assert_eq!(
        parse_err(&without(registry(), "metadata/commit")),
        Some(Error::MissingCommit)
    );
    assert_eq!(
        parse_err(&with(registry(), "metadata/commit", json!(""))),
        Some(Error::MissingCommit)
    );
    assert_eq!(
        parse_err(&without(registry(), "builder")),
        Some(Error::MissingBuilderId)
    );
    // Mistyped parts are malformed.
    for (path, value) in [
        ("materials", json!({})),
        ("materials", json!("none")),
        ("metadata", json!("abc")),
        ("metadata/commit", json!(123)),
        ("builder", json!("https://registry.example/builder")),
        ("builder/id", json!(1)),
        ("buildType", json!(1)),
    ] {
        assert_eq!(
            parse_err(&with(registry(), path, value.clone())),
            Some(Error::MalformedStatement),
            "{path} = {value}"
        );
    }
}

#[test]
fn malformed_statements() {
    let cases = [
        json!([]),
        json!("statement"),
        with(slsa_v1(), "subject", json!({"name": "x"})),
        with(slsa_v1(), "subject", json!(["x"])),
        with(
            slsa_v1(),
            "subject",
            json!([{"digest": {"sha256": sha256_hex(ARTIFACT)}}]),
        ),
        with(slsa_v1(), "subject", json!([{"name": 1, "digest": {}}])),
        with(slsa_v1(), "subject", json!([{"name": "x"}])),
        with(slsa_v1(), "subject", json!([{"name": "x", "digest": []}])),
        with(
            slsa_v1(),
            "subject",
            json!([{"name": "x", "digest": "sha256:00"}]),
        ),
        with(slsa_v1(), "predicate", json!("provenance")),
        with(slsa_v1(), "predicate", json!([])),
        with(slsa_v1(), "predicateType", json!(1)),
        with(slsa_v1(), "predicateType", json!(null)),
        with(slsa_v1(), "predicate/runDetails", json!("x")),
        with(slsa_v1(), "predicate/runDetails/builder", json!(BUILDER)),
        with(
            slsa_v1(),
            "predicate/runDetails/builder/id",
            json!({"id": BUILDER}),
        ),
        with(slsa_v02(), "predicate/builder", json!([BUILDER])),
        with(slsa_v02(), "predicate/builder/id", json!(null)),
    ];
    for st in &cases {
        assert_eq!(parse_err(st), Some(Error::MalformedStatement), "{st}");
    }
}

#[test]
fn strict_json_in_the_statement() {
    let good = String::from_utf8(text(&slsa_v1())).unwrap();
    let sub = format!("{{\"sha256\":\"{}\"}}", sha256_hex(ARTIFACT));
    assert!(good.contains(&sub));
    let cases = [
        // Two _type values: one verifier could read v1, another something else.
        good.replacen('{', "{\"_type\":\"https://in-toto.io/Statement/v0.1\",", 1),
        // Two digests for one algorithm: the first could match for one parser, the last for another.
        good.replace(
            &sub,
            &format!(
                "{{\"sha256\":\"{}\",\"sha256\":\"{}\"}}",
                sha256_hex(b"x"),
                sha256_hex(ARTIFACT)
            ),
        ),
        // Escaped duplicate inside the predicate.
        good.replace(
            "\"builder\":{\"id\":",
            "\"builder\":{\"\\u0069d\":\"https://evil\",\"id\":",
        ),
    ];
    for doc in &cases {
        assert_ne!(doc, &good);
        assert_eq!(
            Statement::parse(doc.as_bytes()).err(),
            Some(Error::DuplicateKey),
            "{doc}"
        );
    }
    let deep = good.replacen(
        '{',
        &format!("{{\"x\":{}{},", "[".repeat(40), "]".repeat(40)),
        1,
    );
    assert_eq!(
        Statement::parse(deep.as_bytes()).err(),
        Some(Error::JsonTooDeep)
    );
    assert_eq!(
        Statement::parse(&good.as_bytes()[..good.len() - 1]).err(),
        Some(Error::InvalidJson)
    );
    let mut bad_utf8 = good.clone().into_bytes();
    let pos = bad_utf8.iter().position(|&b| b == b'f').unwrap();
    bad_utf8[pos] = 0xff;
    assert_eq!(Statement::parse(&bad_utf8).err(), Some(Error::InvalidUtf8));
}

#[test]
fn no_artifact_digest() {
    let doc = text(&slsa_v1());
    let s = Statement::parse(&doc).unwrap();
    let none = digest_of(ARTIFACT, false, false);
    assert_eq!(none, ArtifactDigest::default());
    assert_eq!(s.match_artifact(&none), Err(Error::NoArtifactDigest));
}

#[test]
fn artifact_hasher_streams_in_chunks() {
    let data: Vec<u8> = (0..10_000u32).map(|i| (i * 7 + 3) as u8).collect();
    let whole = digest_of(&data, true, true);
    assert_eq!(
        whole.sha256.unwrap().as_slice(),
        Sha256::digest(&data).as_slice()
    );
    assert_eq!(
        whole.sha512.unwrap().as_slice(),
        Sha512::digest(&data).as_slice()
    );
    for chunk in [1usize, 7, 64, 1000, 4096] {
        let mut h = ArtifactHasher::default();
        for c in data.chunks(chunk) {
            h.update(c);
        }
        assert_eq!(h.finalize(), whole, "{chunk}");
    }
    assert_eq!(digest_of(&data, true, false).sha512, None);
    assert_eq!(digest_of(&data, false, true).sha256, None);
}

/// The whole flow: a signed envelope, verified; the verified payload bytes parsed and checked.
#[test]
fn end_to_end_through_a_signed_envelope() {
    let kp = ed25519_key(40);
    let sk = p256_key(40);
    let keys = [
        TrustedKey {
            key: PublicKey::from_ed25519_raw(kp.pk.as_ref()).unwrap(),
            keyid: None,
        },
        TrustedKey {
            key: PublicKey::from_sec1(sk.verifying_key().to_sec1_point(true).as_bytes()).unwrap(),
            keyid: None,
        },
    ];
    let types = [IN_TOTO_PAYLOAD_TYPE];
    let verifier = Verifier::new(&keys, 2, &types).unwrap();
    for statement in [slsa_v1(), slsa_v02(), registry()] {
        let payload = text(&statement);
        let env = EnvelopeBuilder::new(IN_TOTO_PAYLOAD_TYPE, &payload)
            .sig(
                None,
                ed25519_sig(&kp, IN_TOTO_PAYLOAD_TYPE, &payload),
                B64::Std,
            )
            .sig(
                None,
                p256_sig_der(&sk, IN_TOTO_PAYLOAD_TYPE, &payload),
                B64::UrlUnpadded,
            )
            .to_json();
        let mut scratch = vec![0u8; payload.len()];
        let verified = verifier.verify(env.as_bytes(), &mut scratch).unwrap();
        assert_eq!(verified.keys.count(), 2);
        assert_eq!(verified.payload, &payload[..]);
        let s = Statement::parse(verified.payload).unwrap();
        let mut hasher = ArtifactHasher::new(true, true);
        for c in ARTIFACT.chunks(5) {
            hasher.update(c);
        }
        let d = hasher.finalize();
        assert_eq!(
            s.check(&Checks {
                artifact: Some(&d),
                ..Checks::default()
            }),
            Ok(Some(0))
        );
        assert_eq!(
            s.match_artifact(&digest_of(b"tampered firmware", true, true)),
            Err(Error::SubjectMismatch)
        );
    }
    // A signed payload that is not a Statement fails at the Statement layer, never "verified".
    let payload = b"{\"hello\":\"world\"}";
    let env = EnvelopeBuilder::new(IN_TOTO_PAYLOAD_TYPE, payload)
        .sig(
            None,
            ed25519_sig(&kp, IN_TOTO_PAYLOAD_TYPE, payload),
            B64::Std,
        )
        .sig(
            None,
            p256_sig_der(&sk, IN_TOTO_PAYLOAD_TYPE, payload),
            B64::Std,
        )
        .to_json();
    let mut scratch = [0u8; 64];
    let verified = verifier.verify(env.as_bytes(), &mut scratch).unwrap();
    assert_eq!(
        Statement::parse(verified.payload).err(),
        Some(Error::UnsupportedStatementType)
    );
}

/// `Statement::build_facts` reads each fact where its kind of provenance keeps it, and nothing
/// from the places another kind uses.
#[test]
fn build_facts_by_provenance_kind() {
    let s = |v: &Option<vouch_core::json::JsonStr<'_>>| {
        v.map(|x| String::from_utf8(x.raw().to_vec()).unwrap())
    };
    // SLSA v1.
    let v1 = with(
        with(
            with(
                slsa_v1(),
                "predicate/runDetails/metadata/finishedOn",
                json!("2026-01-02T03:04:05Z"),
            ),
            "predicate/runDetails/builder/version",
            json!({"gh": "2.0"}),
        ),
        "predicate/buildDefinition/resolvedDependencies",
        json!([{"uri": "git+x"}]),
    );
    let doc = text(&v1);
    let st = Statement::parse(&doc).unwrap();
    let f = st.build_facts();
    assert_eq!(s(&f.builder_id).as_deref(), Some(BUILDER));
    assert_eq!(s(&f.finished_on).as_deref(), Some("2026-01-02T03:04:05Z"));
    assert_eq!(f.build_tool.unwrap().raw(), br#"{"gh":"2.0"}"#);
    assert_eq!(f.materials.unwrap().elements().count(), 1);
    assert!(f.commit.is_none());
    // SLSA v0.2: predicate.metadata.buildFinishedOn and predicate.materials; no build tool.
    let v02 = with(
        slsa_v02(),
        "predicate/metadata",
        json!({"buildFinishedOn": "2025-05-05T00:00:00Z", "buildTool": "ignored"}),
    );
    let doc = text(&v02);
    let st = Statement::parse(&doc).unwrap();
    let f = st.build_facts();
    assert_eq!(s(&f.finished_on).as_deref(), Some("2025-05-05T00:00:00Z"));
    assert!(f.build_tool.is_none() && f.commit.is_none());
    assert_eq!(f.materials.unwrap().elements().count(), 0);
    // Registry format: top-level metadata and materials, and the commit.
    let reg = with(
        registry(),
        "metadata",
        json!({"commit": "abc", "timestamp": "2024-04-04T00:00:00Z", "buildTool": "tool 1"}),
    );
    let doc = text(&reg);
    let st = Statement::parse(&doc).unwrap();
    let f = st.build_facts();
    assert_eq!(s(&f.commit).as_deref(), Some("abc"));
    assert_eq!(s(&f.finished_on).as_deref(), Some("2024-04-04T00:00:00Z"));
    assert_eq!(f.build_tool.unwrap().raw(), br#""tool 1""#);
    assert_eq!(f.materials.unwrap().elements().count(), 1);
    // Another predicate type: no facts, even where a SLSA predicate would keep them.
    let other = with(
        with(
            slsa_v02(),
            "predicateType",
            json!("https://example.com/other"),
        ),
        "predicate/metadata",
        json!({"buildFinishedOn": "2025-05-05T00:00:00Z"}),
    );
    let doc = text(&other);
    let f = Statement::parse(&doc).unwrap().build_facts();
    assert!(f.builder_id.is_none() && f.finished_on.is_none() && f.materials.is_none());
    // A fact of the wrong JSON type is absent, not an error.
    let wrong = with(
        slsa_v1(),
        "predicate/runDetails/metadata/finishedOn",
        json!(7),
    );
    let doc = text(&wrong);
    assert!(
        Statement::parse(&doc)
            .unwrap()
            .build_facts()
            .finished_on
            .is_none()
    );
}
