//! Tests that run the built `vouch` binary against temporary files.

use std::path::Path;

use serde_json::Value;

mod common;

use common::{Env, run_in};

impl Env {
    /// artifact.bin + statement.json naming it.
    fn statement(&self) {
        self.write("artifact.bin", "the artifact\n");
        self.write("other.bin", "something else\n");
        self.ok(&[
            "statement",
            "--subject",
            "artifact.bin",
            "--builder-id",
            "https://ci.example/b",
            "--commit",
            "abc123",
            "--out",
            "statement.json",
        ]);
    }
}

fn assert_schema(v: &Value) {
    for k in [
        "verified",
        "error",
        "payloadType",
        "keys",
        "statement",
        "subjects",
    ] {
        assert!(v.get(k).is_some(), "missing {k} in {v}");
    }
    assert!(v["verified"].is_boolean());
    // `ok` is the verdict too, as in every command's JSON.
    assert_eq!(v["ok"], v["verified"], "{v}");
    assert!(v["keys"].is_array() && v["subjects"].is_array());
    if v["verified"] == true {
        assert!(v["error"].is_null());
    } else {
        assert!(
            v["error"]["code"].is_string() && v["error"]["message"].is_string(),
            "{v}"
        );
    }
}

#[test]
fn round_trip_both_algorithms() {
    for alg in ["ed25519", "ecdsa-p256"] {
        let e = Env::new();
        let fp = e.keygen(alg, "k");
        assert!(fp.starts_with("sha256:") && fp.len() == 71, "{fp}");
        assert!(e.read("k.pub").starts_with("-----BEGIN PUBLIC KEY-----"));
        assert!(e.read("k.key").starts_with("-----BEGIN PRIVATE KEY-----"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(e.path("k.key"))
                .unwrap()
                .permissions()
                .mode()
                & 0o777;
            assert_eq!(mode, 0o600);
        }
        e.statement();
        e.sign(&["k.key"], &[], "statement.json", "env.json");
        let r = e.run(&[
            "verify",
            "env.json",
            "--key",
            "k.pub",
            "--artifact",
            "artifact.bin",
        ]);
        assert_eq!(r.code, 0, "{alg}: {}", r.stderr);
        assert!(r.stdout.starts_with("verified:"), "{}", r.stdout);
        let (code, v, _) = e.json(&[
            "verify",
            "env.json",
            "--key",
            "k.pub",
            "--artifact",
            "artifact.bin",
        ]);
        assert_eq!(code, 0);
        assert_schema(&v);
        assert_eq!(v["verified"], true);
        assert_eq!(v["keys"][0], fp);
        assert_eq!(v["statement"]["builderId"], "https://ci.example/b");
        assert_eq!(v["subjects"][0]["name"], "artifact.bin");
    }
}

#[test]
fn keygen_refuses_to_overwrite() {
    let e = Env::new();
    e.keygen("ed25519", "k");
    let r = e.run(&["keygen", "--algorithm", "ed25519", "--out", "k"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("exists"), "{}", r.stderr);
}

#[test]
fn failure_classes_exit_codes_and_json() {
    let e = Env::new();
    e.keygen("ecdsa-p256", "a");
    e.keygen("ed25519", "b");
    e.statement();
    e.sign(&["a.key"], &[], "statement.json", "env.json");

    // Wrong key: 1, invalid-signature.
    let v = e.fails(
        &["verify", "env.json", "--key", "b.pub"],
        1,
        "invalid-signature",
    );
    assert_schema(&v);
    let r = e.run(&["verify", "env.json", "--key", "b.pub"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("invalid-signature"), "{}", r.stderr);

    // Artifact matching no subject: 1, subject-mismatch, signature still reported.
    let v = e.fails(
        &[
            "verify",
            "env.json",
            "--key",
            "a.pub",
            "--artifact",
            "other.bin",
        ],
        1,
        "subject-mismatch",
    );
    assert_eq!(v["keys"].as_array().unwrap().len(), 1);
    assert_schema(&v);

    // Builder and predicate type expectations.
    e.fails(
        &[
            "verify",
            "env.json",
            "--key",
            "a.pub",
            "--builder-id",
            "https://evil",
        ],
        1,
        "builder-id-mismatch",
    );
    e.fails(
        &[
            "verify",
            "env.json",
            "--key",
            "a.pub",
            "--predicate-type",
            "https://x/y",
        ],
        1,
        "predicate-type-mismatch",
    );

    // Malformed envelope: 1.
    e.write("bad.json", "{\"payload\": \"\", \"payload\": \"\"}");
    let v = e.fails(
        &["verify", "bad.json", "--key", "a.pub"],
        1,
        "duplicate-key",
    );
    assert_schema(&v);

    // Payload type not allowed.
    e.fails(
        &[
            "verify",
            "env.json",
            "--key",
            "a.pub",
            "--payload-type",
            "text/plain",
        ],
        1,
        "payload-type-not-allowed",
    );

    // Usage / environment: 2.
    let v = e.fails(&["verify", "missing.json", "--key", "a.pub"], 2, "io-error");
    assert_schema(&v);
    e.fails(&["verify", "env.json"], 2, "usage");
    e.write("junk.pub", "not a key");
    e.fails(
        &["verify", "env.json", "--key", "junk.pub"],
        2,
        "key-invalid",
    );
    e.fails(
        &["verify", "env.json", "--key", "a.pub", "--no-such-flag"],
        2,
        "usage",
    );
    let r = e.run(&["verify", "env.json", "--key", "a.pub", "--threshold", "x"]);
    assert_eq!(r.code, 2);
}

#[test]
fn stdin_envelope() {
    let e = Env::new();
    e.keygen("ed25519", "k");
    e.statement();
    e.sign(&["k.key"], &[], "statement.json", "env.json");
    let env = std::fs::read(e.path("env.json")).unwrap();
    let r = e.run_stdin(
        &[
            "verify",
            "-",
            "--key",
            "k.pub",
            "--artifact",
            "artifact.bin",
        ],
        &env,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = e.run_stdin(&["verify", "-", "--key", "k.pub"], b"{}");
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("malformed-envelope"), "{}", r.stderr);
}

#[test]
fn multi_signature_thresholds() {
    let e = Env::new();
    e.keygen("ed25519", "a");
    e.keygen("ecdsa-p256", "b");
    e.keygen("ed25519", "c");
    e.statement();
    e.sign(&["a.key", "b.key"], &[], "statement.json", "two.json");
    e.sign(&["a.key", "a.key"], &[], "statement.json", "same.json");
    let keys = ["--key", "a.pub", "--key", "b.pub", "--key", "c.pub"];
    let mut args = vec!["verify", "two.json", "--threshold", "2"];
    args.extend(keys);
    let (c, v, _) = e.json(&args);
    assert_eq!(c, 0, "{v}");
    assert_eq!(v["keys"].as_array().unwrap().len(), 2);
    // One key signing twice does not make two.
    let mut args = vec!["verify", "same.json", "--threshold", "2"];
    args.extend(keys);
    let (c, v, _) = e.json(&args);
    assert_eq!(
        (c, v["error"]["code"].as_str()),
        (1, Some("threshold-not-met"))
    );
    // Three required, two signed.
    let mut args = vec!["verify", "two.json", "--threshold", "3"];
    args.extend(keys);
    let (c, v, _) = e.json(&args);
    assert_eq!(
        (c, v["error"]["code"].as_str()),
        (1, Some("threshold-not-met"))
    );
    // Policy threshold.
    e.policy(
        "p.json",
        "enforce",
        &[("a", "a.pub", ""), ("b", "b.pub", ""), ("c", "c.pub", "")],
        ", \"threshold\": 2",
    );
    let (c, v, _) = e.json(&["verify", "two.json", "--policy", "p.json"]);
    assert_eq!(c, 0, "{v}");
    assert_eq!(v["keys"], serde_json::json!(["a", "b"]));
    let (c, _, _) = e.json(&["verify", "same.json", "--policy", "p.json"]);
    assert_eq!(c, 1);
}

#[test]
fn rotation_windows_revocation_and_expiry() {
    let e = Env::new();
    e.keygen("ecdsa-p256", "old");
    e.keygen("ecdsa-p256", "new");
    e.keygen("ed25519", "leak");
    e.statement();
    e.sign(&["old.key"], &[], "statement.json", "by-old.json");
    e.sign(&["new.key"], &[], "statement.json", "by-new.json");
    e.sign(&["leak.key"], &[], "statement.json", "by-leak.json");
    e.policy(
        "p.json",
        "enforce",
        &[
            (
                "old",
                "old.pub",
                ", \"validUntil\": \"2126-02-01T00:00:00Z\"",
            ),
            (
                "new",
                "new.pub",
                ", \"validFrom\": \"2126-01-01T00:00:00Z\"",
            ),
            ("leak", "leak.pub", ", \"revoked\": true"),
        ],
        ", \"expires\": \"2130-01-01T00:00:00Z\"",
    );
    let at = |t: &str, env: &str| e.json(&["verify", env, "--policy", "p.json", "--at", t]);
    // Before the overlap: only the old key.
    assert_eq!(at("2125-12-01T00:00:00Z", "by-old.json").0, 0);
    let (c, v, _) = at("2125-12-01T00:00:00Z", "by-new.json");
    assert_eq!(
        (c, v["error"]["code"].as_str()),
        (1, Some("key-not-yet-valid"))
    );
    // During the overlap both count.
    assert_eq!(at("2126-01-15T00:00:00Z", "by-old.json").0, 0);
    assert_eq!(at("2126-01-15T00:00:00Z", "by-new.json").0, 0);
    // After: only the new key.
    let (c, v, _) = at("2126-03-01T00:00:00Z", "by-old.json");
    assert_eq!((c, v["error"]["code"].as_str()), (1, Some("key-expired")));
    assert_eq!(at("2126-03-01T00:00:00Z", "by-new.json").0, 0);
    // A revoked key never counts.
    let (c, v, _) = at("2126-01-15T00:00:00Z", "by-leak.json");
    assert_eq!((c, v["error"]["code"].as_str()), (1, Some("key-revoked")));
    // Policy expiry.
    let (c, v, _) = at("2130-01-01T00:00:00Z", "by-new.json");
    assert_eq!(
        (c, v["error"]["code"].as_str()),
        (1, Some("policy-expired"))
    );
    // policy check shows status at a time.
    let (c, v, _) = e.json(&["policy", "check", "p.json", "--at", "2126-03-01T00:00:00Z"]);
    assert_eq!(c, 0);
    let st: Vec<&str> = v["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["status"].as_str().unwrap())
        .collect();
    assert_eq!(st, ["key-expired", "active", "key-revoked"]);
}

/// `--at` may move the verification time forward only: a key whose window has ended stays
/// expired, and a past `--at` that would count it again is a usage error (P-POL-5).
#[test]
fn a_past_verification_time_is_refused() {
    let e = Env::new();
    e.keygen("ed25519", "old");
    e.statement();
    e.sign(&["old.key"], &[], "statement.json", "by-old.json");
    e.policy(
        "p.json",
        "enforce",
        &[(
            "old",
            "old.pub",
            ", \"validUntil\": \"2026-02-01T00:00:00Z\"",
        )],
        "",
    );
    e.fails(
        &["verify", "by-old.json", "--policy", "p.json"],
        1,
        "key-expired",
    );
    let v = e.fails(
        &[
            "verify",
            "by-old.json",
            "--policy",
            "p.json",
            "--at",
            "2026-01-15T00:00:00Z",
        ],
        2,
        "usage",
    );
    let msg = v["error"]["message"].as_str().unwrap();
    assert!(msg.contains("earlier than the clock"), "{msg}");
    // A later time is a tightening and is taken.
    e.fails(
        &[
            "verify",
            "by-old.json",
            "--policy",
            "p.json",
            "--at",
            "2126-01-15T00:00:00Z",
        ],
        1,
        "key-expired",
    );
    // Not an RFC 3339 time at all.
    e.fails(
        &[
            "verify",
            "by-old.json",
            "--policy",
            "p.json",
            "--at",
            "yesterday",
        ],
        2,
        "usage",
    );
}

#[test]
fn policy_errors_point_at_line_and_column() {
    let e = Env::new();
    e.keygen("ed25519", "k");
    let pem = serde_json::to_string(&e.read("k.pub")).unwrap();
    e.write("typo.json", &format!("{{\n  \"allowedIssuers\": [\n    {{\"keyId\": \"k\", \"publicKey\": {pem},\n     \"revokd\": true}}]\n}}\n"));
    let r = e.run(&["policy", "check", "typo.json"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("policy-invalid") && r.stderr.contains("typo.json:4:"),
        "{}",
        r.stderr
    );
    e.write(
        "badkey.json",
        "{\"allowedIssuers\": [\n {\"keyId\": \"k\",\n  \"publicKey\": \"xyz\"}]}",
    );
    let r = e.run(&["policy", "check", "badkey.json"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("badkey.json:3:16: allowedIssuers[0].publicKey"),
        "{}",
        r.stderr
    );
    // The same failure from verify, in JSON.
    e.keygen("ed25519", "j");
    e.statement();
    e.sign(&["j.key"], &[], "statement.json", "env.json");
    let v = e.fails(
        &["verify", "env.json", "--policy", "badkey.json"],
        2,
        "policy-invalid",
    );
    assert_schema(&v);
}

#[test]
fn envelope_only_and_non_statement_payloads() {
    let e = Env::new();
    e.keygen("ed25519", "k");
    e.write("note.txt", "not json at all");
    let r = e.run(&[
        "sign",
        "--key",
        "k.key",
        "--payload-type",
        "text/plain",
        "note.txt",
        "--out",
        "env.json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let (c, v, _) = e.json(&[
        "verify",
        "env.json",
        "--key",
        "k.pub",
        "--payload-type",
        "text/plain",
    ]);
    assert_eq!(c, 0, "{v}");
    assert!(v["statement"].is_null());
    // An in-toto typed payload that is not a statement fails unless --envelope-only.
    let r = e.run(&["sign", "--key", "k.key", "note.txt", "--out", "intoto.json"]);
    assert_eq!(r.code, 0);
    e.fails(
        &["verify", "intoto.json", "--key", "k.pub"],
        1,
        "invalid-json",
    );
    let (c, _, _) = e.json(&["verify", "intoto.json", "--key", "k.pub", "--envelope-only"]);
    assert_eq!(c, 0);
}

#[test]
fn registry_statement_format() {
    let e = Env::new();
    e.keygen("ed25519", "k");
    e.write("m.json", "{\"urn\": \"urn:x\"}");
    let r = e.run(&[
        "statement",
        "--subject",
        "m.json",
        "--builder-id",
        "https://b",
        "--commit",
        "deadbeef",
        "--material",
        "git+https://x@sha1:deadbeef",
        "--statement-format",
        "registry",
        "--out",
        "s.json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let s: Value = serde_json::from_str(&e.read("s.json")).unwrap();
    assert_eq!(s["_type"], "https://in-toto.io/Statement/v0.1");
    assert!(s.get("predicateType").is_none());
    assert_eq!(s["metadata"]["commit"], "deadbeef");
    assert_eq!(s["materials"][0]["digest"]["sha1"], "deadbeef");
    let r = e.run(&["sign", "--key", "k.key", "s.json", "--out", "env.json"]);
    assert_eq!(r.code, 0);
    let (c, v, _) = e.json(&[
        "verify",
        "env.json",
        "--key",
        "k.pub",
        "--artifact",
        "m.json",
        "--builder-id",
        "https://b",
    ]);
    assert_eq!(c, 0, "{v}");
    assert_eq!(v["statement"]["provenance"], "registry");
    // Registry format needs a commit.
    let r = e.run(&[
        "statement",
        "--subject",
        "m.json",
        "--builder-id",
        "b",
        "--statement-format",
        "registry",
    ]);
    assert_eq!(r.code, 2);
}

#[test]
fn shipped_example_verifies() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let r = run_in(
        &root,
        &[
            "verify",
            "examples/hello/envelope.json",
            "--policy",
            "examples/hello/policy.json",
            "--artifact",
            "examples/hello/hello.txt",
        ],
        None,
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
}

#[test]
fn readme_documents_every_error_code() {
    // Every code the host side can emit is a variant of `Code`: the core's rows carry their C ABI
    // number, the host's are listed by their string.
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md"))
            .unwrap();
    for e in vouch_core::Error::ALL {
        let row = format!("| {} | `{}` |", e.number(), e.code());
        assert!(readme.contains(&row), "README lacks {row}");
    }
    for code in vouch_cli::error::Code::HOST {
        let cell = format!("`{}`", code.as_str());
        assert!(
            readme
                .lines()
                .any(|l| l.starts_with("| ") && l.contains(&cell)),
            "README's error tables lack {cell}"
        );
    }
}

#[test]
fn help_shows_examples() {
    for sub in [
        vec!["--help"],
        vec!["verify", "--help"],
        vec!["sign", "--help"],
        vec!["keygen", "--help"],
        vec!["statement", "--help"],
        vec!["policy", "check", "--help"],
    ] {
        let r = run_in(Path::new("."), &sub, None, &[]);
        assert_eq!(r.code, 0);
        assert!(r.stdout.contains("Example"), "{sub:?}");
    }
    let r = run_in(Path::new("."), &["verify", "--help"], None, &[]);
    assert!(r.stdout.contains("Exit codes"));
}

#[test]
fn dsse_spec_vector() {
    // The DSSE specification's own worked example (raw r||s ECDSA P-256), see
    // tests/vectors/dsse-spec/SOURCE.md.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors/dsse-spec");
    let ok = run_in(
        &dir,
        &[
            "verify",
            "envelope.json",
            "--key",
            "key.pem",
            "--payload-type",
            "http://example.com/HelloWorld",
            "--format",
            "json",
        ],
        None,
        &[],
    );
    assert_eq!(ok.code, 0, "{}", ok.stdout);
    let v: Value = serde_json::from_str(ok.stdout.trim()).unwrap();
    assert_eq!(v["payloadType"], "http://example.com/HelloWorld");
    assert!(v["statement"].is_null());
    // Its payloadType is not an in-toto type, so the default list refuses it.
    let r = run_in(
        &dir,
        &["verify", "envelope.json", "--key", "key.pem"],
        None,
        &[],
    );
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("payload-type-not-allowed"),
        "{}",
        r.stderr
    );
    // The same signature over a changed payload fails.
    let env = std::fs::read_to_string(dir.join("envelope.json")).unwrap();
    let tampered = env.replace("aGVsbG8gd29ybGQ=", "aGVsbG8gd29ybGQh");
    let r = run_in(
        &dir,
        &[
            "verify",
            "-",
            "--key",
            "key.pem",
            "--payload-type",
            "http://example.com/HelloWorld",
        ],
        Some(tampered.as_bytes()),
        &[],
    );
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("invalid-signature"), "{}", r.stderr);
}

/// Several envelopes in one call: each gets its own report, in the order given, whatever order
/// the workers finish in; the exit code is the worst of them (2 for an unreadable file, else 1
/// if any did not verify).
#[test]
fn many_envelopes_in_one_call() {
    let e = Env::new();
    e.keygen("ed25519", "k");
    e.keygen("ecdsa-p256", "other");
    e.statement();
    e.sign(&["k.key"], &[], "statement.json", "good.json");
    e.sign(&["other.key"], &[], "statement.json", "foreign.json");
    let good = e.read("good.json");
    // A copy whose payload text uses JSON escapes (`\/` for `/`, `\u0041` for `A`): the CLI then
    // decodes the payload into a buffer of its own instead of in place; same verdict.
    let escaped = good
        .replacen("\"payload\":\"", "\"payload\":\"\\u0065", 1)
        .replacen("\"payload\":\"\\u0065e", "\"payload\":\"\\u0065", 1);
    assert_ne!(escaped, good, "the escape was inserted");
    e.write("escaped.json", &escaped);
    let names = [
        "good.json",
        "foreign.json",
        "escaped.json",
        "good.json",
        "foreign.json",
    ];
    let mut args = vec!["verify"];
    args.extend(names);
    args.extend(["--key", "k.pub", "--artifact", "artifact.bin"]);
    let (code, v, _) = e.json(&args);
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["verified"], false);
    let list = v["envelopes"].as_array().expect("envelopes");
    assert_eq!(list.len(), names.len());
    for (r, name) in list.iter().zip(names) {
        assert_schema(r);
        assert_eq!(r["envelope"], name);
        if name == "foreign.json" {
            assert_eq!(r["error"]["code"], "invalid-signature", "{r}");
        } else {
            assert_eq!(r["verified"], true, "{r}");
            assert_eq!(r["subjects"][0]["name"], "artifact.bin");
        }
    }
    // All good: exit 0. One missing file: exit 2, the others still reported.
    let (code, v, _) = e.json(&["verify", "good.json", "escaped.json", "--key", "k.pub"]);
    assert_eq!((code, &v["verified"]), (0, &Value::Bool(true)), "{v}");
    let (code, v, _) = e.json(&["verify", "good.json", "missing.json", "--key", "k.pub"]);
    assert_eq!(code, 2, "{v}");
    assert_eq!(v["envelopes"][0]["verified"], true);
    assert_eq!(v["envelopes"][1]["error"]["code"], "io-error");
    // Human output names each envelope.
    let r = e.run(&["verify", "good.json", "foreign.json", "--key", "k.pub"]);
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains("verified: good.json"), "{}", r.stdout);
    assert!(r.stderr.contains("[foreign.json]"), "{}", r.stderr);
}

/// Flags may tighten a policy, never loosen it: a looser `--threshold`, a `--payload-type` the
/// policy does not allow, or a `--key` outside the policy is a usage error naming the policy's value.
#[test]
fn flags_may_tighten_but_never_loosen_a_policy() {
    let e = Env::new();
    e.keygen("ed25519", "a");
    e.keygen("ecdsa-p256", "b");
    e.keygen("ed25519", "c");
    e.statement();
    e.sign(&["a.key", "b.key"], &[], "statement.json", "two.json");
    e.sign(&["a.key"], &[], "statement.json", "by-a.json");
    e.sign(&["b.key"], &[], "statement.json", "by-b.json");
    e.policy(
        "p2.json",
        "enforce",
        &[("a", "a.pub", ""), ("b", "b.pub", "")],
        ", \"threshold\": 2, \"payloadTypes\": [\"application/vnd.in-toto+json\"]",
    );
    e.policy(
        "p1.json",
        "enforce",
        &[("a", "a.pub", ""), ("b", "b.pub", "")],
        "",
    );
    let verify = |args: &[&str]| {
        let mut a = vec!["verify"];
        a.extend(args);
        e.json(&a)
    };
    // A lower threshold than the policy's: refused, naming the policy's value.
    let (c, v, _) = verify(&["two.json", "--policy", "p2.json", "--threshold", "1"]);
    assert_eq!((c, v["error"]["code"].as_str()), (2, Some("usage")), "{v}");
    let msg = v["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains("threshold 2") && msg.contains("never loosen"),
        "{msg}"
    );
    // The same single-signature envelope that a lowered threshold would have let through.
    let (c, v, _) = verify(&["by-a.json", "--policy", "p2.json", "--threshold", "1"]);
    assert_eq!((c, v["error"]["code"].as_str()), (2, Some("usage")), "{v}");
    // Equal or higher thresholds tighten.
    assert_eq!(
        verify(&["two.json", "--policy", "p2.json", "--threshold", "2"]).0,
        0
    );
    let (c, v, _) = verify(&["by-a.json", "--policy", "p1.json", "--threshold", "2"]);
    assert_eq!(
        (c, v["error"]["code"].as_str()),
        (1, Some("threshold-not-met"))
    );
    // A payload type outside the policy's list, or outside the in-toto default of a policy
    // without one.
    for p in ["p2.json", "p1.json"] {
        let (c, v, _) = verify(&[
            "by-a.json",
            "--policy",
            p,
            "--payload-type",
            "application/octet-stream",
        ]);
        assert_eq!(
            (c, v["error"]["code"].as_str()),
            (2, Some("usage")),
            "{p}: {v}"
        );
        assert!(
            v["error"]["message"].as_str().unwrap().contains("payload"),
            "{v}"
        );
    }
    // A payload type the policy allows is fine.
    let (c, v, _) = verify(&[
        "by-a.json",
        "--policy",
        "p1.json",
        "--payload-type",
        "application/vnd.in-toto+json",
    ]);
    assert_eq!(c, 0, "{v}");
    // A key the policy does not trust cannot be added to it.
    let (c, v, _) = verify(&["by-a.json", "--policy", "p1.json", "--key", "c.pub"]);
    assert_eq!((c, v["error"]["code"].as_str()), (2, Some("usage")), "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("allowedIssuers")
    );
    // A key of the policy narrows it to that key.
    assert_eq!(
        verify(&["by-a.json", "--policy", "p1.json", "--key", "a.pub"]).0,
        0
    );
    let (c, v, _) = verify(&["by-b.json", "--policy", "p1.json", "--key", "a.pub"]);
    assert_eq!(
        (c, v["error"]["code"].as_str()),
        (1, Some("invalid-signature"))
    );
    // Human output: one usage error on stderr, exit 2.
    let r = e.run(&[
        "verify",
        "by-a.json",
        "--policy",
        "p2.json",
        "--threshold",
        "1",
    ]);
    assert_eq!(r.code, 2);
    assert_eq!(r.stderr.matches("vouch: usage:").count(), 1, "{}", r.stderr);
}

/// Envelopes are read up to a bound (default 256 MiB, `--max-envelope-size`): past it the verdict
/// is `envelope-too-large`, found without reading the rest (an endless stream ends too).
#[test]
fn envelope_reads_are_bounded() {
    let e = Env::new();
    e.keygen("ed25519", "a");
    e.statement();
    e.sign(&["a.key"], &[], "statement.json", "env.json");
    let size = std::fs::metadata(e.path("env.json")).unwrap().len();
    let limit = (size - 1).to_string();
    e.fails(
        &[
            "verify",
            "env.json",
            "--key",
            "a.pub",
            "--max-envelope-size",
            &limit,
        ],
        1,
        "envelope-too-large",
    );
    let exact = size.to_string();
    let (c, v, _) = e.json(&[
        "verify",
        "env.json",
        "--key",
        "a.pub",
        "--max-envelope-size",
        &exact,
    ]);
    assert_eq!(c, 0, "{v}");
    // An endless stream, with a small limit and with the default one.
    e.fails(
        &[
            "verify",
            "/dev/zero",
            "--key",
            "a.pub",
            "--max-envelope-size",
            "1K",
        ],
        1,
        "envelope-too-large",
    );
    let v = e.fails(
        &["verify", "/dev/zero", "--key", "a.pub"],
        1,
        "envelope-too-large",
    );
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("268435456"),
        "{v}"
    );
    // Standard input is bounded the same way.
    let big = vec![b' '; 4096];
    let r = e.run_stdin(
        &[
            "verify",
            "-",
            "--key",
            "a.pub",
            "--max-envelope-size",
            "1K",
            "--format",
            "json",
        ],
        &big,
    );
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains("envelope-too-large"), "{}", r.stdout);
    // A size that is not one is a usage error.
    for bad in ["12X", "0", "-1", "K", "99999999999999999999G"] {
        let r = e.run(&[
            "verify",
            "env.json",
            "--key",
            "a.pub",
            "--max-envelope-size",
            bad,
        ]);
        assert_eq!(r.code, 2, "{bad}: {}", r.stderr);
    }
}

/// A setup error (here a missing policy) is one error, not one per envelope.
#[test]
fn setup_error_is_one_error_for_several_envelopes() {
    let e = Env::new();
    e.keygen("ed25519", "a");
    e.statement();
    e.sign(&["a.key"], &[], "statement.json", "x.json");
    e.sign(&["a.key"], &[], "statement.json", "y.json");
    let r = e.run(&["verify", "x.json", "y.json", "--policy", "missing.json"]);
    assert_eq!(r.code, 2);
    assert_eq!(r.stderr.matches("io-error").count(), 1, "{}", r.stderr);
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    let (c, v, _) = e.json(&["verify", "x.json", "y.json", "--policy", "missing.json"]);
    assert_eq!(c, 2);
    assert_eq!(v["error"]["code"], "io-error", "{v}");
    assert!(
        v.get("envelopes").is_none(),
        "a setup error lists no envelopes: {v}"
    );
    assert_schema(&v);
}

/// RSA public keys are another algorithm whatever their size (RSA-2048 used to be reported as a
/// malformed key because its PEM is larger than any supported key).
#[test]
fn rsa_key_files_are_unsupported_key_types() {
    let e = Env::new();
    e.keygen("ed25519", "a");
    e.statement();
    e.sign(&["a.key"], &[], "statement.json", "x.json");
    let keys = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors/keys");
    for name in ["rsa1024.pub", "rsa2048.pub", "rsa4096.pub"] {
        let k = keys.join(name);
        let (c, v, _) = e.json(&["verify", "x.json", "--key", k.to_str().unwrap()]);
        assert_eq!(
            (c, v["error"]["code"].as_str()),
            (2, Some("key-invalid")),
            "{name}: {v}"
        );
        let msg = v["error"]["message"].as_str().unwrap();
        assert!(msg.contains("unsupported-key-type"), "{name}: {msg}");
    }
}

/// Every subject of a large Statement is reported, in both formats, straight from the payload.
#[test]
fn many_subjects_are_all_reported() {
    let e = Env::new();
    e.keygen("ed25519", "a");
    let n = 3000;
    let subjects: Vec<String> = (0..n)
        .map(|i| {
            format!(
                "{{\"name\": \"f{i}\", \"digest\": {{\"sha256\": \"{:064x}\"}}}}",
                i
            )
        })
        .collect();
    e.write(
        "statement.json",
        &format!(
            "{{\"_type\": \"https://in-toto.io/Statement/v1\", \"subject\": [{}], \"predicateType\": \"https://example.com/p\", \"predicate\": {{}}}}",
            subjects.join(",")
        ),
    );
    e.sign(&["a.key"], &[], "statement.json", "env.json");
    let (c, v, _) = e.json(&["verify", "env.json", "--key", "a.pub"]);
    assert_eq!(c, 0, "{v}");
    let s = v["subjects"].as_array().unwrap();
    assert_eq!(s.len(), n);
    assert_eq!(s[2999]["name"], "f2999");
    assert_eq!(s[7]["digest"]["sha256"], format!("{:064x}", 7));
    let r = e.run(&["verify", "env.json", "--key", "a.pub"]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("subjects f0, f1, f2,") && r.stdout.contains(", f2999\n"));
}

/// Messages name what is wrong: the payload (not the envelope), the right flag, the policy field;
/// usage errors in JSON keep their whole text; keygen labels its fingerprint.
#[test]
fn messages_name_what_is_wrong() {
    let e = Env::new();
    e.keygen("ed25519", "a");
    // An in-toto envelope whose payload is not JSON: the payload is at fault, not the envelope.
    e.write("statement.json", "not json at all");
    e.sign(&["a.key"], &[], "statement.json", "env.json");
    let v = e.fails(&["verify", "env.json", "--key", "a.pub"], 1, "invalid-json");
    let msg = v["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains("payload") && msg.contains("not the envelope"),
        "{msg}"
    );
    // The registry statement format needs --commit, and says which flag chose it.
    e.write("artifact.bin", "x");
    let r = e.run(&[
        "statement",
        "--subject",
        "artifact.bin",
        "--builder-id",
        "https://b",
        "--statement-format",
        "registry",
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("--statement-format registry needs --commit"),
        "{}",
        r.stderr
    );
    // A usage error in JSON mode keeps clap's whole message.
    let v = e.fails(&["verify"], 2, "usage");
    let msg = v["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains("required arguments") && msg.contains("Usage:"),
        "{msg}"
    );
    // Policy type errors name the field.
    let pem = serde_json::to_string(&e.read("a.pub")).unwrap();
    e.write("t.json", r#"{"threshold": "2", "allowedIssuers": []}"#);
    e.write(
        "r.json",
        &format!(
            r#"{{"allowedIssuers": [{{"keyId": "a", "publicKey": {pem}, "revoked": "yes"}}]}}"#
        ),
    );
    for (file, field) in [
        ("t.json", "threshold: "),
        ("r.json", "allowedIssuers[0].revoked: "),
    ] {
        let v = e.fails(&["policy", "check", file], 2, "policy-invalid");
        let msg = v["error"]["message"].as_str().unwrap();
        assert!(msg.contains(field) && msg.contains("invalid type"), "{msg}");
    }
    // keygen's human output labels the fingerprint (the helper insists on the label too).
    let r = e.run(&["keygen", "--algorithm", "ed25519", "--out", "b"]);
    assert!(r.stdout.starts_with("fingerprint sha256:"), "{}", r.stdout);
}

/// The policy's own lists refuse what they do not name (profile P-POL-6), in-toto predicate types
/// are in-toto types by default and near misses are not (P-TYPE-1), every artifact must match
/// (P-ST-8), and one key given twice is a configuration error (P-KEY-5).
#[test]
fn policy_lists_artifacts_and_types() {
    let e = Env::new();
    e.keygen("ed25519", "a");
    e.statement();
    e.sign(&["a.key"], &[], "statement.json", "env.json");
    let lists = [
        (
            ", \"predicateTypes\": [\"https://example.com/other\"]",
            "predicate-type-mismatch",
        ),
        (
            ", \"builderIds\": [\"https://ci.example/other\"]",
            "builder-id-mismatch",
        ),
        (
            ", \"payloadTypes\": [\"text/plain\"]",
            "payload-type-not-allowed",
        ),
    ];
    for (extra, code) in lists {
        e.policy("p.json", "enforce", &[("a", "a.pub", "")], extra);
        let (c, v, _) = e.json(&["verify", "env.json", "--policy", "p.json"]);
        assert_eq!(
            (c, v["error"]["code"].as_str()),
            (1, Some(code)),
            "{extra}: {v}"
        );
    }
    // The lists accept what they name.
    e.policy("ok.json", "enforce",
        &[("a", "a.pub", "")],
        ", \"predicateTypes\": [\"https://slsa.dev/provenance/v1\"], \"builderIds\": [\"https://ci.example/b\"]",
    );
    assert_eq!(e.json(&["verify", "env.json", "--policy", "ok.json"]).0, 0);
    // A Statement without predicateType (the registry format) against a policy that lists some.
    let r = e.run(&[
        "statement",
        "--subject",
        "artifact.bin",
        "--builder-id",
        "https://ci.example/b",
        "--commit",
        "abc",
        "--statement-format",
        "registry",
        "--out",
        "nopt.json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = e.run(&["sign", "--key", "a.key", "nopt.json", "--out", "nopt.dsse"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    e.policy(
        "pt.json",
        "enforce",
        &[("a", "a.pub", "")],
        ", \"predicateTypes\": [\"https://slsa.dev/provenance/v1\"]",
    );
    e.fails(
        &["verify", "nopt.dsse", "--policy", "pt.json"],
        1,
        "missing-predicate-type",
    );

    // application/vnd.in-toto.<predicate>+json is in-toto by default; near misses are not.
    for (ty, ok) in [
        ("application/vnd.in-toto.provenance+json", true),
        ("application/vnd.in-toto+json", true),
        ("application/vnd.in-toto.+json", false),
        ("application/vnd.in-toto.a/b+json", false),
        ("application/vnd.in-toto.provenance+jsonx", false),
        ("application/vnd.in-totoX+json", false),
    ] {
        let r = e.run(&[
            "sign",
            "--key",
            "a.key",
            "--payload-type",
            ty,
            "statement.json",
            "--out",
            "t.json",
        ]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let (c, v, _) = e.json(&["verify", "t.json", "--key", "a.pub"]);
        if ok {
            assert_eq!(c, 0, "{ty}: {v}");
        } else {
            assert_eq!(
                (c, v["error"]["code"].as_str()),
                (1, Some("payload-type-not-allowed")),
                "{ty}"
            );
        }
    }

    // Several artifacts: each must match a subject.
    let v = e.fails(
        &[
            "verify",
            "env.json",
            "--key",
            "a.pub",
            "--artifact",
            "artifact.bin",
            "--artifact",
            "other.bin",
        ],
        1,
        "subject-mismatch",
    );
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("other.bin"),
        "{v}"
    );

    // One key given twice.
    std::fs::copy(e.path("a.pub"), e.path("a-copy.pub")).unwrap();
    e.fails(
        &[
            "verify",
            "env.json",
            "--key",
            "a.pub",
            "--key",
            "a-copy.pub",
        ],
        2,
        "duplicate-trusted-key",
    );
}

/// Malformed policies, each refused as `policy-invalid` naming the field (profile P-POL-7).
#[test]
fn malformed_policies_are_refused() {
    let e = Env::new();
    e.keygen("ed25519", "a");
    e.keygen("ed25519", "b");
    let pem = |f: &str| serde_json::to_string(&e.read(f)).unwrap();
    let (a, b) = (pem("a.pub"), pem("b.pub"));
    let issuer = |id: &str, key: &str, more: &str| {
        format!("{{\"keyId\": \"{id}\", \"publicKey\": {key}{more}}}")
    };
    let mut many = Vec::new();
    for i in 0..17 {
        e.keygen("ed25519", &format!("k{i}"));
        many.push(issuer(&format!("k{i}"), &pem(&format!("k{i}.pub")), ""));
    }
    let cases = [
        (
            format!("{{\"allowedIssuers\": [{}]}}", many.join(",")),
            "allowedIssuers",
        ),
        (
            format!(
                "{{\"allowedIssuers\": [{}, {}]}}",
                issuer("a", &a, ""),
                issuer("a", &b, "")
            ),
            "keyId",
        ),
        (
            format!("{{\"allowedIssuers\": [{}]}}", issuer("", &a, "")),
            "keyId",
        ),
        (
            format!(
                "{{\"allowedIssuers\": [{}]}}",
                issuer(
                    "a",
                    &a,
                    ", \"validFrom\": \"2026-02-01T00:00:00Z\", \"validUntil\": \"2026-01-01T00:00:00Z\""
                )
            ),
            "valid",
        ),
        (
            format!(
                "{{\"payloadTypes\": [], \"allowedIssuers\": [{}]}}",
                issuer("a", &a, "")
            ),
            "payloadTypes",
        ),
        (
            format!(
                "{{\"predicateTypes\": [], \"allowedIssuers\": [{}]}}",
                issuer("a", &a, "")
            ),
            "predicateTypes",
        ),
        (
            format!(
                "{{\"builderIds\": [\"\"], \"allowedIssuers\": [{}]}}",
                issuer("a", &a, "")
            ),
            "builderIds",
        ),
    ];
    for (text, field) in cases {
        e.write("bad.json", &text);
        let (c, v, _) = e.json(&["policy", "check", "bad.json"]);
        assert_eq!(
            (c, v["error"]["code"].as_str()),
            (2, Some("policy-invalid")),
            "{text}"
        );
        let msg = v["error"]["message"].as_str().unwrap();
        assert!(msg.contains(field), "{field} not named: {msg}");
    }
}

/// The order of checks when an input breaks two rules (profile P-ORD-1): the policy's expiry
/// before the envelope's structure, the payload type before the signatures.
#[test]
fn order_of_checks_with_two_faults() {
    let e = Env::new();
    e.keygen("ed25519", "a");
    e.statement();
    e.policy(
        "exp.json",
        "enforce",
        &[("a", "a.pub", "")],
        ", \"expires\": \"2126-01-01T00:00:00Z\"",
    );
    e.write("garbage.json", "{\"payload\": 3}");
    e.fails(
        &[
            "verify",
            "garbage.json",
            "--policy",
            "exp.json",
            "--at",
            "2126-06-01T00:00:00Z",
        ],
        1,
        "policy-expired",
    );
    // A disallowed payload type and a signature by an unknown key.
    e.keygen("ed25519", "stranger");
    let r = e.run(&[
        "sign",
        "--key",
        "stranger.key",
        "--payload-type",
        "text/plain",
        "statement.json",
        "--out",
        "odd.json",
    ]);
    assert_eq!(r.code, 0);
    e.fails(
        &["verify", "odd.json", "--key", "a.pub"],
        1,
        "payload-type-not-allowed",
    );
}
