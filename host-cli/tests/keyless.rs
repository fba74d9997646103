//! `vouch verify --bundle` through the binary: every real case of `tests/vectors/sigstore/cases`
//! in both output formats, usage and environment errors (exit 2), regexp search semantics, JSON
//! Lines and npm attestation documents, and snapshots of the output.

mod common;

use std::path::{Path, PathBuf};

use common::{Env, Run};
use serde_json::{Value, json};

/// The repository root (the binary runs there, so that paths in the output are stable).
fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

const VECTORS: &str = "tests/vectors/sigstore";
const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

fn run(args: &[&str]) -> Run {
    common::run_in(&repo(), args, None, &[])
}

fn run_json(args: &[&str]) -> (i32, Value, String) {
    let mut a = args.to_vec();
    a.extend(["--format", "json"]);
    let r = run(&a);
    let v = r.json();
    (r.code, v, r.stderr)
}

/// One real case: its directory name and `case.json`.
struct Case {
    name: String,
    case: Value,
}

impl Case {
    fn str(&self, k: &str) -> Option<&str> {
        self.case[k].as_str()
    }
    fn bundle(&self) -> String {
        format!("{VECTORS}/cases/{}/bundle.sigstore.json", self.name)
    }
    fn root(&self) -> String {
        // The sigstore-go examples root is byte-identical to its testing root (vectors README).
        let src = self.str("trusted_root_source").unwrap().replace(
            "production-sigstore-go-examples",
            "production-sigstore-go-testing",
        );
        format!("{VECTORS}/{src}")
    }
    /// The arguments of `vouch verify` for this case.
    fn args(&self) -> Vec<String> {
        let mut a: Vec<String> = vec![
            "verify".into(),
            "--bundle".into(),
            self.bundle(),
            "--trusted-root".into(),
            self.root(),
        ];
        match (self.str("identity"), self.str("identity_regexp")) {
            (Some(id), _) => a.extend(["--certificate-identity".into(), id.into()]),
            (None, Some(re)) => a.extend(["--certificate-identity-regexp".into(), re.into()]),
            _ => panic!("{}: no identity", self.name),
        }
        match (self.str("issuer"), self.str("issuer_regexp")) {
            (Some(i), _) => a.extend(["--certificate-oidc-issuer".into(), i.into()]),
            (None, Some(re)) => a.extend(["--certificate-oidc-issuer-regexp".into(), re.into()]),
            _ => panic!("{}: no issuer", self.name),
        }
        a.extend([
            "--artifact-digest".into(),
            self.str("artifact_digest").unwrap().into(),
        ]);
        a
    }
}

fn cases() -> Vec<Case> {
    let dir = repo().join(VECTORS).join("cases");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|name| {
            let case =
                serde_json::from_slice(&std::fs::read(dir.join(&name).join("case.json")).unwrap())
                    .unwrap();
            Case { name, case }
        })
        .collect()
}

/// The code each expected failure gives (reasons in docs/keyless.md), and the one pass that
/// vouch refuses by name (the scaffolding CA is RSA).
fn expected_code(name: &str) -> Option<&'static str> {
    Some(match name {
        "go--othername-san" => "rsa-unsupported",
        "go--dsse-2sigs" => "dsse-signature-count",
        "go--othername-san-email-mismatch" => "identity-mismatch",
        "go--sigstorejs-2.0.0-provenance-bad-digest" => "subject-mismatch",
        "go--sigstorejs-2.0.0-provenance-bad-san" => "identity-mismatch",
        "py--bundle-v01-wrong-identity" => "identity-mismatch",
        "py--cpython-3.12.5-missing-checkpoint" => "bundle-missing-checkpoint",
        "py--v02-inclusion-proof-without-checkpoint" => "bundle-missing-checkpoint",
        "py--cve-2022-36056-inconsistent-entry" => "tlog-body-signature-mismatch",
        "py--dsse-staging-rekor-v2-wrong-subject" => "subject-mismatch",
        "py--empty-cert-chain-v01" => "bundle-empty-certificate-chain",
        "py--invalid-bundle-version" => "bundle-media-type",
        "py--no-log-entry" => "bundle-no-tlog-entries",
        "py--v03-no-signed-time" => "tlog-no-trusted-log",
        _ => return None,
    })
}

#[test]
fn every_real_case_in_both_formats() {
    let all = cases();
    assert_eq!(all.len(), 23);
    let mut passed = 0;
    for c in &all {
        let args = c.args();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let human = run(&args);
        let (code, v, _) = run_json(&args);
        assert_eq!(human.code, code, "{}", c.name);
        let bundle = c.bundle();
        assert_eq!(v["bundle"], bundle.as_str(), "{}", c.name);
        match expected_code(&c.name) {
            None => {
                assert_eq!(c.str("expect"), Some("pass"), "{}", c.name);
                assert_eq!(code, 0, "{}: {} {}", c.name, human.stdout, human.stderr);
                assert_eq!(
                    (v["ok"].clone(), v["verified"].clone()),
                    (json!(true), json!(true))
                );
                assert_eq!(v["error"], Value::Null);
                assert_eq!(v["certificate"]["issuer"], c.str("issuer").unwrap());
                if let Some(id) = c.str("identity") {
                    assert_eq!(v["certificate"]["identity"], id, "{}", c.name);
                    assert!(human.stdout.contains(&format!("signed by {id} (issuer ")));
                }
                assert!(!v["tlog"].as_array().unwrap().is_empty(), "{}", c.name);
                assert!(
                    human
                        .stdout
                        .starts_with(&format!("verified: {bundle} signed by ")),
                    "{}: {}",
                    c.name,
                    human.stdout
                );
                assert!(human.stdout.contains(" at 20"), "{}", human.stdout);
                // DSSE bundles show their Statement, message signatures say so.
                let dsse = v["payloadType"].is_string();
                assert_eq!(v["statement"].is_object(), dsse, "{}", c.name);
                assert_eq!(human.stdout.contains(", statement predicateType "), dsse);
                // Rekor v2 bundles are timed by their RFC 3161 timestamp.
                if c.name.contains("rekor-v2") {
                    assert_eq!(v["timestamps"].as_array().unwrap().len(), 1, "{}", c.name);
                    assert!(human.stdout.contains("timestamped by "), "{}", human.stdout);
                }
                passed += 1;
            }
            Some(want) => {
                assert_eq!(code, 1, "{}: {}", c.name, human.stderr);
                assert_eq!(v["ok"], false);
                assert_eq!(v["verified"], false);
                assert_eq!(v["error"]["code"], want, "{}: {}", c.name, v["error"]);
                assert!(
                    human.stderr.starts_with(&format!("NOT verified: {want}: ")),
                    "{}: {}",
                    c.name,
                    human.stderr
                );
                assert!(human.stdout.is_empty());
            }
        }
    }
    assert_eq!(passed, 9);
}

#[test]
fn failures_say_what_was_seen() {
    let all = cases();
    let c = all
        .iter()
        .find(|c| c.name == "py--bundle-v01-wrong-identity")
        .unwrap();
    let args = c.args();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, v, _) = run_json(&args);
    assert_eq!(code, 1);
    let msg = v["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains("wanted \"bad@ident.example.com\"") && msg.contains("\"a@tny.town\""),
        "{msg}"
    );
    // The certificate as read (not verified) is in the report.
    assert_eq!(v["certificate"]["identities"], json!(["a@tny.town"]));

    // The issuer: what was wanted and what the certificate has.
    let mut a = args.clone();
    let i = a
        .iter()
        .position(|x| *x == "bad@ident.example.com")
        .unwrap();
    a[i] = "a@tny.town";
    let j = a
        .iter()
        .position(|x| *x == "https://github.com/login/oauth")
        .unwrap();
    a[j] = "https://github.com/login/oauth/";
    let (code, v, _) = run_json(&a);
    assert_eq!(code, 1);
    assert_eq!(v["error"]["code"], "issuer-mismatch");
    let msg = v["error"]["message"].as_str().unwrap();
    assert!(msg.contains("wanted \"https://github.com/login/oauth/\", the certificate has \"https://github.com/login/oauth\""), "{msg}");
}

/// The npm provenance bundle of sigstore 2.0.0 (DSSE, sha512 subject) and its policy.
const NPM_CASE: &str = "go--sigstorejs-2.0.0-provenance-exact";
const NPM_ID: &str =
    "https://github.com/sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/main";
const GH_ISSUER: &str = "https://token.actions.githubusercontent.com";
const NPM_DIGEST: &str = "sha512:46d4e2f74c4877316640000a6fdf8a8b59f1e0847667973e9859f774dd31b8f1e0937813b777fb66a2ac67d50540fe34640966eee9fc2ccca387082b4c85cd3c";
const PROD_ROOT: &str = "tests/vectors/sigstore/trusted_roots/production-sigstore-go-testing.json";

fn npm_bundle() -> String {
    format!("{VECTORS}/cases/{NPM_CASE}/bundle.sigstore.json")
}

/// `verify --bundle B --trusted-root R` with `more` and the npm artifact digest.
fn npm_args<'a>(bundle: &'a str, more: &[&'a str]) -> Vec<&'a str> {
    let mut a = vec!["verify", "--bundle", bundle, "--trusted-root", PROD_ROOT];
    a.extend_from_slice(more);
    a.extend(["--artifact-digest", NPM_DIGEST]);
    a
}

#[test]
fn regexp_has_search_semantics_with_a_warning() {
    let b = npm_bundle();
    // Unanchored: matches a substring of the identity, and warns.
    let (code, v, stderr) = run_json(&npm_args(
        &b,
        &[
            "--certificate-identity-regexp",
            "sigstore-js/.github",
            "--certificate-oidc-issuer",
            GH_ISSUER,
        ],
    ));
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["certificate"]["identity"], NPM_ID);
    assert!(
        stderr.contains(
            "warning: --certificate-identity-regexp \"sigstore-js/.github\" does not start with ^"
        ),
        "{stderr}"
    );
    // Anchored at both ends: a prefix of the identity is refused, and there is no warning.
    let (code, v, stderr) = run_json(&npm_args(
        &b,
        &[
            "--certificate-identity-regexp",
            "^https://github\\.com/sigstore/sigstore-js$",
            "--certificate-oidc-issuer",
            GH_ISSUER,
        ],
    ));
    assert_eq!(code, 1);
    assert_eq!(v["error"]["code"], "identity-mismatch");
    assert!(stderr.is_empty(), "{stderr}");
    // Anchored at the start only: the prefix matches (RE2 search).
    let (code, _, stderr) = run_json(&npm_args(
        &b,
        &[
            "--certificate-identity-regexp",
            "^https://github\\.com/sigstore/sigstore-js/",
            "--certificate-oidc-issuer-regexp",
            "^https://token\\.actions\\.githubusercontent\\.com$",
        ],
    ));
    assert_eq!(code, 0);
    assert!(stderr.is_empty(), "{stderr}");
    // An issuer regexp that does not match.
    let (code, v, _) = run_json(&npm_args(
        &b,
        &[
            "--certificate-identity",
            NPM_ID,
            "--certificate-oidc-issuer-regexp",
            "^https://accounts\\.google\\.com$",
        ],
    ));
    assert_eq!(
        (code, v["error"]["code"].clone()),
        (1, json!("issuer-mismatch"))
    );
    // An exact identity never matches a prefix.
    let (code, v, _) = run_json(&npm_args(
        &b,
        &[
            "--certificate-identity",
            "https://github.com/sigstore/sigstore-js/",
            "--certificate-oidc-issuer",
            GH_ISSUER,
        ],
    ));
    assert_eq!(
        (code, v["error"]["code"].clone()),
        (1, json!("identity-mismatch"))
    );
}

/// Runs with `--format json`; asserts exit 2 and the error code.
fn usage(args: &[&str], want: &str) -> String {
    let (code, v, _) = run_json(args);
    assert_eq!(code, 2, "{args:?}: {v}");
    assert_eq!(v["ok"], false);
    // (A flag conflict is refused by the argument parser, in the shape of every usage error.)
    assert_ne!(v["verified"], true);
    assert_eq!(v["error"]["code"], want, "{args:?}: {v}");
    // Human form: the error line on stderr, exit 2.
    let r = run(args);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains(&format!("vouch: {want}: ")) || r.stderr.contains("error:"),
        "{}",
        r.stderr
    );
    v["error"]["message"].as_str().unwrap().to_string()
}

#[test]
fn usage_and_environment_errors_exit_2() {
    let b = npm_bundle();
    let id = ["--certificate-identity", NPM_ID];
    let iss = ["--certificate-oidc-issuer", GH_ISSUER];
    // A missing identity or issuer criterion is never "any".
    let m = usage(&npm_args(&b, &iss), "usage");
    assert!(m.contains("identity criterion"), "{m}");
    let m = usage(&npm_args(&b, &id), "usage");
    assert!(m.contains("issuer criterion"), "{m}");
    let m = usage(&npm_args(&b, &[]), "usage");
    assert!(m.contains("--certificate-identity"), "{m}");
    // Exact and regexp together.
    usage(
        &npm_args(
            &b,
            &[
                id[0],
                id[1],
                "--certificate-identity-regexp",
                "^x",
                iss[0],
                iss[1],
            ],
        ),
        "usage",
    );
    usage(
        &npm_args(
            &b,
            &[
                id[0],
                id[1],
                iss[0],
                iss[1],
                "--certificate-oidc-issuer-regexp",
                "^x",
            ],
        ),
        "usage",
    );
    // An invalid regexp.
    let m = usage(
        &npm_args(
            &b,
            &[
                "--certificate-identity-regexp",
                "^(unclosed",
                iss[0],
                iss[1],
            ],
        ),
        "usage",
    );
    assert!(m.contains("not a valid regexp"), "{m}");
    // No trusted root given.
    let m = usage(
        &[
            "verify",
            "--bundle",
            &b,
            id[0],
            id[1],
            iss[0],
            iss[1],
            "--artifact-digest",
            NPM_DIGEST,
        ],
        "usage",
    );
    assert!(m.contains("--trusted-root"), "{m}");
    // No artifact.
    let m = usage(
        &[
            "verify",
            "--bundle",
            &b,
            "--trusted-root",
            PROD_ROOT,
            id[0],
            id[1],
            iss[0],
            iss[1],
        ],
        "usage",
    );
    assert!(m.contains("--artifact"), "{m}");
    // A malformed digest.
    let mut a = vec![
        "verify",
        "--bundle",
        &b,
        "--trusted-root",
        PROD_ROOT,
        id[0],
        id[1],
        iss[0],
        iss[1],
    ];
    a.extend(["--artifact-digest", "sha256:abc"]);
    usage(&a, "usage");
    // Envelope flags do not apply.
    let mut a = npm_args(&b, &[id[0], id[1], iss[0], iss[1]]);
    a.extend(["--at", "2024-01-01T00:00:00Z"]);
    usage(&a, "usage");

    // A missing trusted root file, a missing bundle file.
    let e = Env::new();
    let missing = e.path("nope.json");
    let missing = missing.to_str().unwrap();
    let mut a = vec![
        "verify",
        "--bundle",
        &b,
        "--trusted-root",
        missing,
        id[0],
        id[1],
        iss[0],
        iss[1],
    ];
    a.extend(["--artifact-digest", NPM_DIGEST]);
    usage(&a, "io-error");
    let a = npm_args(missing, &[id[0], id[1], iss[0], iss[1]]);
    usage(&a, "io-error");
    // Malformed trusted roots: not JSON; another media type; a log without validFor.start.
    e.write("garbage.json", "not json at all");
    e.write("other.json", "{\"mediaType\": \"application/json\"}");
    let root: Value =
        serde_json::from_slice(&std::fs::read(repo().join(PROD_ROOT)).unwrap()).unwrap();
    let mut no_start = root.clone();
    no_start["tlogs"][0]["publicKey"]["validFor"]
        .as_object_mut()
        .unwrap()
        .remove("start");
    e.write("nostart.json", &no_start.to_string());
    for (file, want) in [
        ("garbage.json", "trusted-root-malformed"),
        ("other.json", "trusted-root-media-type"),
        ("nostart.json", "trusted-root-missing-start"),
    ] {
        let p = e.path(file);
        let p = p.to_str().unwrap();
        let mut a = vec![
            "verify",
            "--bundle",
            &b,
            "--trusted-root",
            p,
            id[0],
            id[1],
            iss[0],
            iss[1],
        ];
        a.extend(["--artifact-digest", NPM_DIGEST]);
        let m = usage(&a, want);
        assert!(m.contains(p), "{m}");
    }
}

#[test]
fn artifact_file_is_hashed() {
    // A message-signature bundle and a file that is not its artifact.
    let e = Env::new();
    e.write("artifact", "not the signed artifact\n");
    let art = e.path("artifact");
    let (code, v, _) = run_json(&[
        "verify",
        "--bundle",
        &format!("{VECTORS}/cases/py--bundle-v03-staging/bundle.sigstore.json"),
        "--trusted-root",
        &format!("{VECTORS}/trusted_roots/staging-sigstore-python.json"),
        "--certificate-identity",
        "william@yossarian.net",
        "--certificate-oidc-issuer",
        "https://github.com/login/oauth",
        "--artifact",
        art.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert_eq!(v["error"]["code"], "message-digest-mismatch", "{v}");
}

/// A bundle file on one line.
fn one_line(path: &str) -> String {
    let v: Value = serde_json::from_slice(&std::fs::read(repo().join(path)).unwrap()).unwrap();
    v.to_string()
}

#[test]
fn json_lines_each_bundle_gets_its_verdict() {
    let e = Env::new();
    let good = one_line(&npm_bundle());
    let bad = one_line(&format!(
        "{VECTORS}/cases/go--dsse-2sigs/bundle.sigstore.json"
    ));
    e.write("bundles.jsonl", &format!("{good}\n{bad}\n"));
    let p = e.path("bundles.jsonl");
    let p = p.to_str().unwrap();
    let args = npm_args(
        p,
        &[
            "--certificate-identity",
            NPM_ID,
            "--certificate-oidc-issuer",
            GH_ISSUER,
        ],
    );
    let (code, v, _) = run_json(&args);
    assert_eq!(code, 1);
    assert_eq!(
        (v["ok"].clone(), v["verified"].clone()),
        (json!(false), json!(false))
    );
    let list = v["bundles"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["verified"], true);
    assert_eq!(list[0]["bundle"], format!("{p}#1"));
    assert_eq!(list[1]["verified"], false);
    assert_eq!(list[1]["bundle"], format!("{p}#2"));
    assert_eq!(list[1]["error"]["code"], "dsse-signature-count");
    let r = run(&args);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout
            .starts_with(&format!("verified: {p}#1 signed by {NPM_ID}")),
        "{}",
        r.stdout
    );
    assert!(
        r.stderr.starts_with("NOT verified: dsse-signature-count: "),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains(&format!("[{p}#2]")));

    // Both good: exit 0.
    e.write("good.jsonl", &format!("{good}\n\n{good}\n"));
    let p = e.path("good.jsonl");
    let (code, v, _) = run_json(&npm_args(
        p.to_str().unwrap(),
        &[
            "--certificate-identity",
            NPM_ID,
            "--certificate-oidc-issuer",
            GH_ISSUER,
        ],
    ));
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["bundles"].as_array().unwrap().len(), 2);
    // The second is on line 3 (blank lines are skipped).
    assert_eq!(
        v["bundles"][1]["bundle"],
        format!("{}#3", p.to_str().unwrap())
    );
}

#[test]
fn npm_attestations_document() {
    let e = Env::new();
    let bundle = one_line(&npm_bundle());
    let doc = |pt: &str| {
        format!("{{\"attestations\": [{{\"predicateType\": \"{pt}\", \"bundle\": {bundle}}}]}}")
    };
    e.write("ok.json", &doc("https://slsa.dev/provenance/v1"));
    e.write(
        "mislabelled.json",
        &doc("https://github.com/npm/attestation/tree/main/specs/publish/v0.1"),
    );
    let crit = [
        "--certificate-identity",
        NPM_ID,
        "--certificate-oidc-issuer",
        GH_ISSUER,
    ];
    let p = e.path("ok.json");
    let p = p.to_str().unwrap();
    let (code, v, _) = run_json(&npm_args(p, &crit));
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["bundles"][0]["bundle"], format!("{p}#1"));
    assert_eq!(
        v["bundles"][0]["statement"]["predicateType"],
        "https://slsa.dev/provenance/v1"
    );
    // The document's predicateType label must be the Statement's.
    let p = e.path("mislabelled.json");
    let (code, v, _) = run_json(&npm_args(p.to_str().unwrap(), &crit));
    assert_eq!(code, 1);
    assert_eq!(
        v["bundles"][0]["error"]["code"], "predicate-type-mismatch",
        "{v}"
    );
    // A keyless bundle with only a managed key given: the policy does not fit the bundle.
    let key = format!("{FIXTURES}/test-only-ci.pub");
    let p = e.path("ok.json");
    let (code, v, _) = run_json(&npm_args(p.to_str().unwrap(), &["--key", &key]));
    assert_eq!(code, 1);
    assert_eq!(
        v["bundles"][0]["error"]["code"], "keyless-policy-mismatch",
        "{v}"
    );
    assert!(
        v["bundles"][0]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("--certificate-identity")
    );
    // --predicate-type is checked for every bundle.
    let mut a = npm_args(p.to_str().unwrap(), &crit);
    a.extend(["--predicate-type", "https://example.com/other"]);
    let (code, v, _) = run_json(&a);
    assert_eq!(
        (code, v["bundles"][0]["error"]["code"].clone()),
        (1, json!("predicate-type-mismatch"))
    );
}

/// Human output: stdout, then `--- stderr ---` and stderr, then the exit code.
fn human(r: &Run) -> String {
    format!(
        "{}--- stderr ---\n{}--- exit {} ---\n",
        r.stdout, r.stderr, r.code
    )
}

/// JSON output, pretty-printed, then the exit code.
fn pretty(r: &Run) -> String {
    format!(
        "{}\n--- exit {} ---\n",
        serde_json::to_string_pretty(&r.json()).unwrap(),
        r.code
    )
}

#[test]
fn snapshots() {
    let cases = cases();
    for (snap, case) in [
        ("verified", "go--sigstorejs-2.0.0-provenance-exact"),
        (
            "identity_mismatch",
            "go--sigstorejs-2.0.0-provenance-bad-san",
        ),
    ] {
        let c = cases.iter().find(|c| c.name == case).unwrap();
        let args = c.args();
        let mut args: Vec<&str> = args.iter().map(String::as_str).collect();
        insta::assert_snapshot!(format!("verify_bundle__{snap}__human"), human(&run(&args)));
        args.extend(["--format", "json"]);
        insta::assert_snapshot!(format!("verify_bundle__{snap}__json"), pretty(&run(&args)));
    }
}

/// A policy with keyless issuers in `e`: `policy.json` next to `root.json` (the production root);
/// `issuers` are the members of `allowedIssuers`, `extra` more top-level members (each starting
/// with `, `).
fn keyless_policy(e: &Env, issuers: &[&str], extra: &str) -> String {
    std::fs::copy(repo().join(PROD_ROOT), e.path("root.json")).unwrap();
    e.write(
        "policy.json",
        &format!(
            "{{\"trustedRoot\": \"root.json\"{extra},\n \"allowedIssuers\": [\n  {}\n ]}}",
            issuers.join(",\n  ")
        ),
    );
    e.path("policy.json").to_str().unwrap().to_string()
}

/// The keyless issuer of the npm bundle, with `more` members.
fn npm_issuer(key_id: &str, more: &str) -> String {
    format!(
        "{{\"keyId\": \"{key_id}\", \"certificateIdentityRegexp\": \"^https://github\\\\.com/sigstore/sigstore-js/\\\\.github/workflows/release\\\\.yml@refs/heads/main$\", \"certificateOidcIssuer\": \"{GH_ISSUER}\"{more}}}"
    )
}

fn policy_args<'a>(policy: &'a str, more: &[&'a str]) -> Vec<String> {
    let b = npm_bundle();
    let mut a: Vec<String> = ["verify", "--bundle", &b, "--policy", policy]
        .iter()
        .map(|s| s.to_string())
        .collect();
    a.extend(more.iter().map(|s| s.to_string()));
    a.extend(["--artifact-digest".to_string(), NPM_DIGEST.to_string()]);
    a
}

fn run_policy(policy: &str, more: &[&str]) -> (i32, Value, String) {
    let a = policy_args(policy, more);
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    run_json(&a)
}

#[test]
fn policy_keyless_issuers() {
    let other = "{\"keyId\": \"other\", \"certificateIdentity\": \"https://github.com/x/y/.github/workflows/r.yml@refs/heads/main\", \"certificateOidcIssuer\": \"https://token.actions.githubusercontent.com\"}";
    // Verified by the second issuer: reported under its keyId.
    let e = Env::new();
    let p = keyless_policy(&e, &[other, &npm_issuer("sigstore-js", "")], "");
    let (code, v, stderr) = run_policy(&p, &[]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["keys"], json!(["sigstore-js"]));
    assert!(stderr.is_empty(), "{stderr}");
    // An unanchored regexp in a policy is warned about too.
    let unanchored = "{\"keyId\": \"loose\", \"certificateIdentityRegexp\": \"sigstore-js/\", \"certificateOidcIssuer\": \"https://token.actions.githubusercontent.com\"}";
    let e2 = Env::new();
    let p2 = keyless_policy(&e2, &[unanchored], "");
    let (code, v, stderr) = run_policy(&p2, &[]);
    assert_eq!((code, v["keys"].clone()), (0, json!(["loose"])));
    assert!(
        stderr.contains("allowedIssuers[0].certificateIdentityRegexp \"sigstore-js/\" (keyId \"loose\") does not start with ^"),
        "{stderr}"
    );
    // Windows are judged at the bundle's verified signing time (2023-08-18T16:05:35Z).
    for (more, want) in [
        (
            ", \"validUntil\": \"2023-08-18T16:05:35Z\"",
            Some("key-expired"),
        ),
        (", \"validUntil\": \"2023-08-18T16:05:36Z\"", None),
        (
            ", \"validFrom\": \"2023-08-18T16:05:36Z\"",
            Some("key-not-yet-valid"),
        ),
        (", \"validFrom\": \"2023-08-18T16:05:35Z\"", None),
        (", \"revoked\": true", Some("key-revoked")),
    ] {
        let e = Env::new();
        let p = keyless_policy(&e, &[&npm_issuer("sigstore-js", more)], "");
        let (code, v, _) = run_policy(&p, &[]);
        match want {
            Some(c) => {
                assert_eq!(
                    (code, v["error"]["code"].clone()),
                    (1, json!(c)),
                    "{more}: {v}"
                );
                assert!(
                    v["error"]["message"]
                        .as_str()
                        .unwrap()
                        .contains("\"sigstore-js\"")
                );
            }
            None => assert_eq!(code, 0, "{more}: {v}"),
        }
    }
    // No issuer matches: identity-mismatch, naming what the certificate has.
    let e = Env::new();
    let p = keyless_policy(&e, &[other], "");
    let (code, v, _) = run_policy(&p, &[]);
    assert_eq!(
        (code, v["error"]["code"].clone()),
        (1, json!("identity-mismatch"))
    );
    let m = v["error"]["message"].as_str().unwrap();
    assert!(
        m.contains("no keyless issuer") && m.contains("sigstore-js/.github"),
        "{m}"
    );
    // The policy's lists apply to the Statement.
    let e = Env::new();
    let p = keyless_policy(
        &e,
        &[&npm_issuer("sigstore-js", "")],
        ", \"predicateTypes\": [\"https://example.com/other\"]",
    );
    let (code, v, _) = run_policy(&p, &[]);
    assert_eq!(
        (code, v["error"]["code"].clone()),
        (1, json!("predicate-type-mismatch"))
    );
    let e = Env::new();
    let p = keyless_policy(
        &e,
        &[&npm_issuer("sigstore-js", "")],
        ", \"builderIds\": [\"https://github.com/actions/runner/github-hosted\"], \"predicateTypes\": [\"https://slsa.dev/provenance/v1\"]",
    );
    assert_eq!(run_policy(&p, &[]).0, 0);
    // An expired policy.
    let e = Env::new();
    let p = keyless_policy(
        &e,
        &[&npm_issuer("sigstore-js", "")],
        ", \"expires\": \"2020-01-01T00:00:00Z\"",
    );
    let (code, v, _) = run_policy(&p, &[]);
    assert_eq!(
        (code, v["error"]["code"].clone()),
        (1, json!("policy-expired"))
    );
    // A policy of key issuers only, for a certificate bundle.
    let e = Env::new();
    let pem = serde_json::to_string(
        &std::fs::read_to_string(format!("{FIXTURES}/test-only-ci.pub")).unwrap(),
    )
    .unwrap();
    let p = keyless_policy(
        &e,
        &[&format!("{{\"keyId\": \"ci\", \"publicKey\": {pem}}}")],
        "",
    );
    let (code, v, _) = run_policy(&p, &[]);
    assert_eq!(
        (code, v["error"]["code"].clone()),
        (1, json!("keyless-policy-mismatch")),
        "{v}"
    );
}

#[test]
fn policy_usage_errors_exit_2() {
    let e = Env::new();
    let p = keyless_policy(&e, &[&npm_issuer("sigstore-js", "")], "");
    // The issuers and the trusted root come from the policy.
    for flag in [
        vec!["--certificate-identity", NPM_ID],
        vec!["--certificate-oidc-issuer", GH_ISSUER],
        vec!["--trusted-root", PROD_ROOT],
    ] {
        let (code, v, _) = run_policy(&p, &flag);
        assert_eq!(
            (code, v["error"]["code"].clone()),
            (2, json!("usage")),
            "{flag:?}"
        );
    }
    // Malformed policies name the file, line and column.
    let bad_regexp = "{\"keyId\": \"a\", \"certificateIdentityRegexp\": \"(\", \"certificateOidcIssuer\": \"x\"}";
    let p = keyless_policy(&e, &[bad_regexp], "");
    let (code, v, _) = run_policy(&p, &[]);
    assert_eq!(
        (code, v["error"]["code"].clone()),
        (2, json!("policy-invalid"))
    );
    let m = v["error"]["message"].as_str().unwrap();
    assert!(
        m.contains("policy.json:3:47: allowedIssuers[0].certificateIdentityRegexp"),
        "{m}"
    );
    // trustedRoot is relative to the policy file; a missing one is an environment error.
    e.write(
        "sub/policy.json",
        &format!(
            "{{\"trustedRoot\": \"nope.json\", \"allowedIssuers\": [{}]}}",
            npm_issuer("a", "")
        ),
    );
    let p = e.path("sub/policy.json");
    let (code, v, _) = run_policy(p.to_str().unwrap(), &[]);
    assert_eq!((code, v["error"]["code"].clone()), (2, json!("io-error")));
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("sub/nope.json"),
        "{v}"
    );
    // A policy of key issuers only names no trusted root: it cannot judge a bundle (the check
    // `vouch store put` and the gate share, keyless::policy_trusted_root).
    e.keygen("ed25519", "ci");
    e.policy("keys.json", "enforce", &[("ci", "ci.pub", "")], "");
    let p = e.path("keys.json");
    let (code, v, _) = run_policy(p.to_str().unwrap(), &[]);
    assert_eq!(
        (code, v["error"]["code"].clone()),
        (2, json!("policy-invalid"))
    );
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .ends_with("keys.json: trustedRoot: needed to verify Sigstore bundles (a Sigstore trusted_root.json, relative to the policy file)"),
        "{v}"
    );
}

#[test]
fn policy_check_lists_keyless_issuers() {
    let e = Env::new();
    let p = keyless_policy(&e, &[&npm_issuer("sigstore-js", ", \"revoked\": true")], "");
    let (code, v, _) = run_json(&["policy", "check", &p]);
    assert_eq!(code, 0, "{v}");
    let k = &v["keys"][0];
    assert_eq!(k["algorithm"], "keyless");
    assert_eq!(k["keyId"], "sigstore-js");
    assert_eq!(k["certificateOidcIssuer"], json!({"exact": GH_ISSUER}));
    assert!(
        k["certificateIdentity"]["regexp"]
            .as_str()
            .unwrap()
            .starts_with("^https://github")
    );
    assert_eq!(k["status"], "key-revoked");
    assert!(k["trustedRoot"].as_str().unwrap().ends_with("root.json"));
    let r = run(&["policy", "check", &p]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("1 issuer(s)"), "{}", r.stdout);
    assert!(
        r.stdout
            .contains("sigstore-js          keyless identity regexp "),
        "{}",
        r.stdout
    );
}

/// The synthetic managed-key bundle standing in for npm's publish attestation (written by
/// `core/tests/keyless_emit_fixtures.rs`: a test-only key, a test Rekor log).
const PUBLISH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/keyless/npm-publish.sigstore.json"
);
const PUBLISH_KEY: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/keyless/npm-publish.pub"
);

#[test]
fn npm_document_with_provenance_and_publish_attestations() {
    let e = Env::new();
    // The production root with the test log added (the real publish attestation's entry is in the
    // public Rekor log; the synthetic one is in a test log).
    let mut root: Value =
        serde_json::from_slice(&std::fs::read(repo().join(PROD_ROOT)).unwrap()).unwrap();
    let tlog: Value = serde_json::from_slice(
        &std::fs::read(format!("{FIXTURES}/keyless/npm-publish-tlog.json")).unwrap(),
    )
    .unwrap();
    root["tlogs"].as_array_mut().unwrap().push(tlog);
    e.write("root.json", &root.to_string());
    let publish = std::fs::read_to_string(PUBLISH).unwrap();
    e.write(
        "attestations.json",
        &format!(
            "{{\"attestations\": [\n {{\"predicateType\": \"https://github.com/npm/attestation/tree/main/specs/publish/v0.1\", \"bundle\": {publish}}},\n {{\"predicateType\": \"https://slsa.dev/provenance/v1\", \"bundle\": {}}}]}}",
            one_line(&npm_bundle())
        ),
    );
    let doc = e.path("attestations.json");
    let doc = doc.to_str().unwrap();
    let root = e.path("root.json");
    let root = root.to_str().unwrap();
    let args = |key: Option<&str>| {
        let mut a: Vec<String> = [
            "verify",
            "--bundle",
            doc,
            "--trusted-root",
            root,
            "--certificate-identity",
            NPM_ID,
            "--certificate-oidc-issuer",
            GH_ISSUER,
            "--artifact-digest",
            NPM_DIGEST,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        if let Some(k) = key {
            a.extend(["--key".to_string(), k.to_string()]);
        }
        a
    };
    // Both verify: the publish attestation with the key, the provenance keylessly.
    let a = args(Some(PUBLISH_KEY));
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    let (code, v, _) = run_json(&a);
    assert_eq!(code, 0, "{v}");
    let b = &v["bundles"];
    assert_eq!(
        b[0]["keys"][0].as_str().unwrap().len(),
        "sha256:".len() + 64
    );
    assert_eq!(
        b[0]["statement"]["predicateType"],
        "https://github.com/npm/attestation/tree/main/specs/publish/v0.1"
    );
    assert_eq!(b[0]["certificate"], Value::Null);
    assert_eq!(b[1]["certificate"]["identity"], NPM_ID);
    let r = run(&a);
    assert_eq!(r.code, 0);
    assert!(
        r.stdout
            .contains(&format!("verified: {doc}#1 signed by key sha256:")),
        "{}",
        r.stdout
    );
    // Without --key the publish attestation cannot be judged: not verified, exit 1.
    let a = args(None);
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    let (code, v, _) = run_json(&a);
    assert_eq!(code, 1);
    assert_eq!(v["bundles"][0]["error"]["code"], "keyless-policy-mismatch");
    assert_eq!(v["bundles"][1]["verified"], true);
    // Another key: the logged entry names the real signer's key.
    let other = format!("{FIXTURES}/test-only-ci.pub");
    let a = args(Some(&other));
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    let (code, v, _) = run_json(&a);
    assert_eq!(code, 1);
    assert_eq!(
        v["bundles"][0]["error"]["code"], "tlog-body-key-mismatch",
        "{v}"
    );
}

#[test]
fn policy_key_issuers_for_managed_key_bundles() {
    let e = Env::new();
    let mut root: Value =
        serde_json::from_slice(&std::fs::read(repo().join(PROD_ROOT)).unwrap()).unwrap();
    let tlog: Value = serde_json::from_slice(
        &std::fs::read(format!("{FIXTURES}/keyless/npm-publish-tlog.json")).unwrap(),
    )
    .unwrap();
    root["tlogs"].as_array_mut().unwrap().push(tlog);
    e.write("root.json", &root.to_string());
    let pem = serde_json::to_string(&std::fs::read_to_string(PUBLISH_KEY).unwrap()).unwrap();
    for (more, want) in [
        ("", None),
        // The synthetic entry's signing time is 2024-01-01T00:00:00Z.
        (
            ", \"validUntil\": \"2024-01-01T00:00:00Z\"",
            Some("key-expired"),
        ),
        (", \"revoked\": true", Some("key-revoked")),
    ] {
        e.write(
            "policy.json",
            &format!(
                "{{\"trustedRoot\": \"root.json\", \"allowedIssuers\": [{}, {{\"keyId\": \"npm-publish\", \"publicKey\": {pem}{more}}}]}}",
                npm_issuer("provenance", "")
            ),
        );
        let p = e.path("policy.json");
        let (code, v, _) = run_json(&[
            "verify",
            "--bundle",
            PUBLISH,
            "--policy",
            p.to_str().unwrap(),
            "--artifact-digest",
            NPM_DIGEST,
        ]);
        match want {
            None => {
                assert_eq!(code, 0, "{v}");
                assert_eq!(v["keys"], json!(["npm-publish"]));
            }
            Some(c) => assert_eq!((code, v["error"]["code"].clone()), (1, json!(c)), "{v}"),
        }
    }
}

const STAGING_ROOT: &str = "tests/vectors/sigstore/trusted_roots/staging-sigstore-python.json";
const PROD_PY_ROOT: &str = "tests/vectors/sigstore/trusted_roots/production-sigstore-python.json";

/// A trusted root file of the repository as one compact JSON line.
fn root_line(path: &str) -> String {
    one_line(path)
}

/// `vouch verify` of the staging message-signature case `py--bundle-v03-staging` against the
/// trusted root file `root` (JSON output).
fn verify_staging(root: &str) -> (i32, Value, String) {
    let c = cases()
        .into_iter()
        .find(|c| c.name == "py--bundle-v03-staging")
        .unwrap();
    let mut args = c.args();
    let at = args.iter().position(|a| a == "--trusted-root").unwrap() + 1;
    args[at] = root.to_string();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    run_json(&args)
}

/// `vouch verify` of the npm provenance bundle (production) against the trusted root file `root`.
fn verify_npm(root: &str) -> (i32, Value, String) {
    let b = npm_bundle();
    let mut a = vec![
        "verify",
        "--bundle",
        &b,
        "--trusted-root",
        root,
        "--certificate-identity",
        NPM_ID,
        "--certificate-oidc-issuer",
        GH_ISSUER,
    ];
    a.extend(["--artifact-digest", NPM_DIGEST]);
    run_json(&a)
}

#[test]
fn several_trusted_roots_one_a_line() {
    let e = Env::new();
    let staging = root_line(STAGING_ROOT);
    let prod = root_line(PROD_ROOT);
    // Both orders of two real roots (staging: Sigstore's staging instance; production: the
    // public-good instance), as `gh attestation trusted-root` prints them: each bundle verifies
    // against the root of the instance that signed it, and the report names that root.
    e.write("sp.jsonl", &format!("{staging}\n{prod}\n"));
    e.write("ps.jsonl", &format!("{prod}\n\n  \n{staging}\n"));
    let sp = e.path("sp.jsonl");
    let sp = sp.to_str().unwrap();
    let ps = e.path("ps.jsonl");
    let ps = ps.to_str().unwrap();
    for (file, staging_at, prod_at) in [(sp, (1, 1), (2, 2)), (ps, (2, 4), (1, 1))] {
        let (code, v, _) = verify_staging(file);
        assert_eq!(code, 0, "{file}: {v}");
        assert_eq!(
            v["trustedRoot"],
            json!({"index": staging_at.0, "line": staging_at.1}),
            "{file}"
        );
        let (code, v, _) = verify_npm(file);
        assert_eq!(code, 0, "{file}: {v}");
        assert_eq!(
            v["trustedRoot"],
            json!({"index": prod_at.0, "line": prod_at.1}),
            "{file}"
        );
    }
    // The human line names the root when the file holds several.
    let c = cases()
        .into_iter()
        .find(|c| c.name == "py--bundle-v03-staging")
        .unwrap();
    let mut args = c.args();
    let at = args.iter().position(|a| a == "--trusted-root").unwrap() + 1;
    args[at] = ps.to_string();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let r = run(&args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .trim_end()
            .ends_with(&format!("against trusted root 2 (line 4) of {ps}")),
        "{}",
        r.stdout
    );
    // A file of one root (pretty-printed, many lines) is one root: index 1, line 1.
    let (code, v, _) = verify_staging(STAGING_ROOT);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["trustedRoot"], json!({"index": 1, "line": 1}));

    // No root of the file knows the staging instance: every root says so
    // (tlog-no-trusted-log), and the first root's error is reported, exit 1.
    let prod_py = root_line(PROD_PY_ROOT);
    e.write("prods.jsonl", &format!("{prod}\n{prod_py}\n"));
    let (code, v, _) = verify_staging(e.path("prods.jsonl").to_str().unwrap());
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["error"]["code"], "tlog-no-trusted-log", "{v}");
    assert_eq!(v["trustedRoot"], json!({"index": 1, "line": 1}));

    // The root that knows the bundle's log but refuses it is the one reported, whatever its
    // place: the staging root with its log keys' windows moved before the entry's time.
    let mut expired: Value = serde_json::from_str(&staging).unwrap();
    for log in expired["tlogs"].as_array_mut().unwrap() {
        log["publicKey"]["validFor"] =
            json!({"start": "2000-01-01T00:00:00Z", "end": "2000-01-02T00:00:00Z"});
    }
    let (code, v, _) = {
        e.write("expired.json", &expired.to_string());
        verify_staging(e.path("expired.json").to_str().unwrap())
    };
    assert_eq!(code, 1, "{v}");
    let own = v["error"]["code"].as_str().unwrap().to_string();
    assert_ne!(own, "tlog-no-trusted-log");
    for (file, first, at) in [("pe.jsonl", &prod, 2), ("ep.jsonl", &prod, 1)] {
        let lines = if at == 2 {
            format!("{first}\n{expired}\n")
        } else {
            format!("{expired}\n{first}\n")
        };
        e.write(file, &lines);
        let (code, v, _) = verify_staging(e.path(file).to_str().unwrap());
        assert_eq!(code, 1, "{file}: {v}");
        assert_eq!(v["error"]["code"], own.as_str(), "{file}: {v}");
        assert_eq!(v["trustedRoot"], json!({"index": at, "line": at}), "{file}");
    }

    // Roots are never mixed: one root with the staging CA and the production logs, another
    // with the production CA and the staging logs. Together they hold everything the bundle
    // needs, but neither root alone does: not verified (the first root's error).
    let s: Value = serde_json::from_str(&staging).unwrap();
    let p: Value = serde_json::from_str(&prod).unwrap();
    let mut ca_only = s.clone();
    ca_only["tlogs"] = p["tlogs"].clone();
    let mut logs_only = s.clone();
    logs_only["certificateAuthorities"] = p["certificateAuthorities"].clone();
    e.write("split.jsonl", &format!("{ca_only}\n{logs_only}\n"));
    let (code, v, _) = verify_staging(e.path("split.jsonl").to_str().unwrap());
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["error"]["code"], "tlog-no-trusted-log", "{v}");
    e.write("split2.jsonl", &format!("{logs_only}\n{ca_only}\n"));
    let (code, v, _) = verify_staging(e.path("split2.jsonl").to_str().unwrap());
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["error"]["code"], "untrusted-issuer", "{v}");
}

#[test]
fn several_trusted_roots_refusals_exit_2() {
    let e = Env::new();
    let staging = root_line(STAGING_ROOT);
    // A malformed second line: the trusted root error, naming the file and line 2.
    for (file, second, want) in [
        ("bad2.jsonl", "not json", "trusted-root-malformed"),
        (
            "media2.jsonl",
            "{\"mediaType\": \"application/json\"}",
            "trusted-root-media-type",
        ),
    ] {
        e.write(file, &format!("{staging}\n{second}\n"));
        let p = e.path(file);
        let p = p.to_str().unwrap();
        let (code, v, _) = verify_staging(p);
        assert_eq!(code, 2, "{v}");
        assert_eq!(v["error"]["code"], want, "{v}");
        let m = v["error"]["message"].as_str().unwrap();
        assert!(m.contains(&format!("trusted root {p} line 2: ")), "{m}");
    }
    // At most 8 roots: 8 verify, 9 are refused before any bundle is judged.
    e.write("eight.jsonl", &format!("{staging}\n").repeat(8));
    let (code, v, _) = verify_staging(e.path("eight.jsonl").to_str().unwrap());
    assert_eq!(code, 0, "{v}");
    e.write("nine.jsonl", &format!("{staging}\n").repeat(9));
    let p = e.path("nine.jsonl");
    let p = p.to_str().unwrap();
    let (code, v, _) = verify_staging(p);
    assert_eq!(code, 2, "{v}");
    assert_eq!(v["error"]["code"], "trusted-root-malformed", "{v}");
    let m = v["error"]["message"].as_str().unwrap();
    assert!(
        m.contains("holds 9 trusted roots") && m.contains("at most 8"),
        "{m}"
    );
    // A pretty-printed root whose first line is not a JSON value alone is one document: a
    // broken one is reported without a line.
    let pretty = std::fs::read_to_string(repo().join(STAGING_ROOT)).unwrap();
    e.write("cut.json", &pretty[..pretty.len() / 2]);
    let p = e.path("cut.json");
    let (code, v, _) = verify_staging(p.to_str().unwrap());
    assert_eq!(code, 2, "{v}");
    assert_eq!(v["error"]["code"], "trusted-root-malformed", "{v}");
    assert!(
        !v["error"]["message"].as_str().unwrap().contains(" line "),
        "{v}"
    );
}

#[test]
fn policy_trusted_root_of_several_roots() {
    let e = Env::new();
    let staging = root_line(STAGING_ROOT);
    let prod = root_line(PROD_ROOT);
    let policy = keyless_policy(&e, &[&npm_issuer("npm-release", "")], "");
    // The policy's trustedRoot (root.json, relative to it) holds both roots, the production
    // one second.
    e.write("root.json", &format!("{staging}\n{prod}\n"));
    let (code, v, _) = run_policy(&policy, &[]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["keys"], json!(["npm-release"]));
    assert_eq!(v["trustedRoot"], json!({"index": 2, "line": 2}));
    // Only the staging root: the bundle's log is unknown to it.
    e.write("root.json", &format!("{staging}\n{staging}\n"));
    let (code, v, _) = run_policy(&policy, &[]);
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["error"]["code"], "tlog-no-trusted-log", "{v}");
    // A malformed second line: exit 2, naming the line.
    e.write("root.json", &format!("{prod}\nnot json\n"));
    let (code, v, _) = run_policy(&policy, &[]);
    assert_eq!(code, 2, "{v}");
    assert_eq!(v["error"]["code"], "trusted-root-malformed", "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains(" line 2: "),
        "{v}"
    );
}
