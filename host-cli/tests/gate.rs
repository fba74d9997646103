//! `vouch attest-verify`: the release gate, run against temporary git repositories.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_vouch");

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run_in(dir: &Path, args: &[&str], envs: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(BIN);
    cmd.current_dir(dir)
        .args(args)
        .env_remove("VOUCH_LOG")
        .env("GIT_CEILING_DIRECTORIES", dir.parent().unwrap_or(dir))
        .stdin(Stdio::null());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run vouch");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into(),
        stderr: String::from_utf8_lossy(&out.stderr).into(),
    }
}

/// A work directory (keys, policies, store) holding a git repository in `repo/`.
struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Self {
        let e = Env {
            dir: tempfile::tempdir().unwrap(),
        };
        std::fs::create_dir(e.repo()).unwrap();
        e.git(&["init", "-q"]);
        for k in ["ci", "rogue"] {
            let r = e.vouch(&[
                "keygen",
                "--algorithm",
                "ed25519",
                "--out",
                &format!("../{k}"),
            ]);
            assert_eq!(r.code, 0, "{}", r.stderr);
        }
        e.policy("policy.json", "enforce", "");
        e.policy("revoked.json", "enforce", ", \"revoked\": true");
        e
    }
    fn repo(&self) -> PathBuf {
        self.dir.path().join("repo")
    }
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    fn git(&self, args: &[&str]) -> String {
        let out = Command::new("git")
            .current_dir(self.repo())
            .args([
                "-c",
                "user.name=vouch test",
                "-c",
                "user.email=test@vouch.invalid",
                "-c",
                "commit.gpgsign=false",
                "-c",
                "init.defaultBranch=main",
            ])
            .args(args)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .output()
            .expect("git");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }
    fn commit(&self, msg: &str) {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "-m", msg]);
    }
    /// Runs vouch in the repository.
    fn vouch(&self, args: &[&str]) -> Run {
        run_in(&self.repo(), args, &[])
    }
    fn write(&self, rel: &str, data: &str) {
        let p = self.repo().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, data).unwrap();
    }
    fn policy(&self, name: &str, mode: &str, more: &str) {
        let pem =
            serde_json::to_string(&std::fs::read_to_string(self.path("ci.pub")).unwrap()).unwrap();
        std::fs::write(
            self.path(name),
            format!(
                "{{\"mode\": \"{mode}\", \"allowedIssuers\": [{{\"keyId\": \"ci\", \"publicKey\": {pem}{more}}}]}}"
            ),
        )
        .unwrap();
    }
    /// Makes provenance for a repository file with `key` and puts it in the store under `urn`
    /// with the given policy; returns the put's exit code.
    fn record(&self, rel: &str, urn: &str, key: &str, policy: &str) -> i32 {
        let tag = rel.replace('/', "_");
        let st = format!("../{tag}.statement");
        let env = format!("../{tag}.dsse");
        let r = self.vouch(&[
            "statement",
            "--subject",
            rel,
            "--builder-id",
            "https://ci.example/builder",
            "--commit",
            "0123abcd",
            "--statement-format",
            "registry",
            "--out",
            &st,
        ]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let r = self.vouch(&[
            "sign",
            "--key",
            &format!("../{key}.key"),
            &st,
            "--out",
            &env,
        ]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let r = self.vouch(&[
            "store",
            "put",
            "--db",
            "../store.db",
            "--urn",
            urn,
            "--artifact",
            rel,
            "--envelope",
            &env,
            "--policy",
            &format!("../{policy}"),
        ]);
        r.code
    }
    /// `attest-verify` with the manifest glob and a report; returns (exit, report, run).
    fn gate(&self, extra: &[&str]) -> (i32, Option<Value>, Run) {
        let _ = std::fs::remove_file(self.path("report.json"));
        let mut a = vec![
            "attest-verify",
            "--db",
            "../store.db",
            "--policy",
            "../policy.json",
            "--manifests",
            "manifests/**/*.json",
            "--output",
            "../report.json",
        ];
        a.extend(extra);
        let r = self.vouch(&a);
        let report = std::fs::read_to_string(self.path("report.json"))
            .ok()
            .map(|s| serde_json::from_str(&s).unwrap());
        (r.code, report, r)
    }
}

fn urns(v: &Value, key: &str) -> Vec<String> {
    let mut u: Vec<String> = v[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["urn"].as_str().unwrap().to_string())
        .collect();
    u.sort();
    u
}

const APP: &str = "{\"urn\": \"urn:example:app\", \"version\": 1}\n";

#[test]
fn gate_follows_manifests_through_commits() {
    let e = Env::new();
    // Commit 1 adds two manifests (one with a URN, one without) and a non-manifest file.
    e.write("manifests/app.json", APP);
    e.write("manifests/sub/lib.json", "{\"name\": \"lib\"}\n");
    e.write("README.md", "hello\n");
    e.commit("one");
    assert_eq!(
        e.record("manifests/app.json", "urn:example:app", "ci", "policy.json"),
        0
    );

    // One commit only: everything counts as added. lib has no provenance yet.
    let (code, rep, r) = e.gate(&[]);
    assert_eq!(code, 1, "{} {}", r.stdout, r.stderr);
    let rep = rep.unwrap();
    assert_eq!(rep["since"], "HEAD~1");
    assert_eq!(rep["checked"], 2);
    assert_eq!(urns(&rep, "valid"), ["urn:example:app"]);
    assert_eq!(
        urns(&rep, "missing"),
        ["urn:vouch:path:manifests/sub/lib.json"]
    );
    assert_eq!(rep["invalid"], serde_json::json!([]));
    assert_eq!(rep["missing"][0]["path"], "manifests/sub/lib.json");
    assert!(r.stdout.contains("BLOCKED"), "{}", r.stdout);
    assert!(
        r.stdout
            .contains("MISSING  urn:vouch:path:manifests/sub/lib.json"),
        "{}",
        r.stdout
    );

    // Recording lib under its path-derived URN lets the release through.
    assert_eq!(
        e.record(
            "manifests/sub/lib.json",
            "urn:vouch:path:manifests/sub/lib.json",
            "ci",
            "policy.json"
        ),
        0
    );
    let (code, rep, r) = e.gate(&[]);
    assert_eq!(code, 0, "{} {}", r.stdout, r.stderr);
    assert_eq!(rep.as_ref().unwrap()["checked"], 2);
    assert!(r.stdout.contains("PASSED"), "{}", r.stdout);

    // Commit 2 changes app after its provenance was recorded and leaves lib alone.
    let first = e.git(&["rev-parse", "HEAD"]);
    e.write(
        "manifests/app.json",
        "{\"urn\": \"urn:example:app\", \"version\": 2}\n",
    );
    e.write("README.md", "hello again\n");
    e.commit("two");
    let (code, rep, r) = e.gate(&[]);
    assert_eq!(code, 1, "{}", r.stdout);
    let rep = rep.unwrap();
    assert_eq!(rep["checked"], 1);
    assert_eq!(urns(&rep, "missing"), ["urn:example:app"]);
    assert_eq!(rep["valid"], serde_json::json!([]));
    assert!(
        rep["missing"][0]["message"]
            .as_str()
            .unwrap()
            .contains("other digests"),
        "{rep}"
    );
    // An explicit --since covering both commits sees both manifests; app is still missing.
    let (code, rep, _) = e.gate(&["--since", &first]);
    assert_eq!(code, 1);
    let rep = rep.unwrap();
    assert_eq!(rep["since"], first.as_str());
    assert_eq!(rep["sinceCommit"], first.as_str());
    assert_eq!(rep["checked"], 1);
    let root = e.git(&["rev-list", "--max-parents=0", "HEAD"]);
    assert_eq!(root, first);

    // New provenance for the new version: valid again.
    assert_eq!(
        e.record("manifests/app.json", "urn:example:app", "ci", "policy.json"),
        0
    );
    let (code, rep, _) = e.gate(&[]);
    assert_eq!(code, 0);
    assert_eq!(urns(rep.as_ref().unwrap(), "valid"), ["urn:example:app"]);

    // An uncommitted edit is seen too: the gate checks the files as they are now.
    e.write(
        "manifests/app.json",
        "{\"urn\": \"urn:example:app\", \"version\": 3}\n",
    );
    let (code, rep, _) = e.gate(&[]);
    assert_eq!(code, 1);
    assert_eq!(urns(rep.as_ref().unwrap(), "missing"), ["urn:example:app"]);
    e.git(&["checkout", "-q", "--", "manifests/app.json"]);

    // Commit 3 deletes lib: it is skipped, nothing is left to check.
    std::fs::remove_file(e.repo().join("manifests/sub/lib.json")).unwrap();
    e.commit("three");
    let (code, rep, r) = e.gate(&[]);
    assert_eq!(code, 0, "{}", r.stdout);
    let rep = rep.unwrap();
    assert_eq!(rep["checked"], 0);
    assert_eq!(
        rep["deleted"],
        serde_json::json!(["manifests/sub/lib.json"])
    );
    assert!(
        r.stdout.contains("deleted  manifests/sub/lib.json"),
        "{}",
        r.stdout
    );
}

#[test]
fn invalid_provenance_and_revoked_keys() {
    let e = Env::new();
    e.write("manifests/a.json", "{\"urn\": \"urn:example:a\"}\n");
    e.write("manifests/b.json", "{\"urn\": \"urn:example:b\"}\n");
    e.write("manifests/c.json", "{\"urn\": \"urn:example:c\"}\n");
    e.commit("one");
    // a: good; b: signed by an untrusted key (stored under a permissive policy);
    // c: recorded under the policy but without an envelope.
    e.policy("permissive.json", "permissive", "");
    assert_eq!(
        e.record("manifests/a.json", "urn:example:a", "ci", "policy.json"),
        0
    );
    assert_eq!(
        e.record("manifests/b.json", "urn:example:b", "rogue", "policy.json"),
        1
    );
    assert_eq!(
        e.record(
            "manifests/b.json",
            "urn:example:b",
            "rogue",
            "permissive.json"
        ),
        0
    );
    let r = e.vouch(&[
        "store",
        "put",
        "--db",
        "../store.db",
        "--urn",
        "urn:example:c",
        "--artifact",
        "manifests/c.json",
        "--policy",
        "../permissive.json",
    ]);
    assert_eq!(r.code, 0);

    let (code, rep, r) = e.gate(&["--format", "json"]);
    assert_eq!(code, 1);
    let rep = rep.unwrap();
    let stdout: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(stdout, rep);
    assert_eq!(rep["checked"], 3);
    assert_eq!(urns(&rep, "valid"), ["urn:example:a"]);
    assert_eq!(urns(&rep, "missing"), ["urn:example:c"]);
    assert_eq!(rep["invalid"][0]["urn"], "urn:example:b");
    assert_eq!(rep["invalid"][0]["reason"], "invalid-signature");
    assert!(rep["invalid"][0]["message"].is_string());

    // The key is revoked after the records were made: nothing verifies any more.
    let r = e.vouch(&[
        "attest-verify",
        "--db",
        "../store.db",
        "--policy",
        "../revoked.json",
        "--manifests",
        "manifests/a.json",
        "--output",
        "../report.json",
    ]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    let rep: Value =
        serde_json::from_str(&std::fs::read_to_string(e.path("report.json")).unwrap()).unwrap();
    assert_eq!(rep["checked"], 1);
    assert_eq!(rep["invalid"][0]["reason"], "key-revoked");
    assert!(r.stdout.contains("INVALID  urn:example:a"), "{}", r.stdout);
}

#[test]
fn fatal_errors_exit_2() {
    let e = Env::new();
    e.write("manifests/a.json", "{\"urn\": \"urn:example:a\"}\n");
    e.commit("one");
    assert_eq!(
        e.record("manifests/a.json", "urn:example:a", "ci", "policy.json"),
        0
    );
    let (code, _, _) = e.gate(&[]);
    assert_eq!(code, 0);

    // Not a git repository.
    let r = run_in(
        e.dir.path(),
        &[
            "attest-verify",
            "--db",
            "store.db",
            "--policy",
            "policy.json",
        ],
        &[],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("not-a-git-repo"), "{}", r.stderr);
    // A ref that does not exist.
    let (code, rep, r) = e.gate(&["--since", "no-such-branch"]);
    assert_eq!(code, 2);
    assert!(r.stderr.contains("bad-ref"), "{}", r.stderr);
    assert!(rep.is_none());
    // An unreadable database: missing, and not a vouch database.
    let bad_db = |db: &str, want: &str| {
        let r = e.vouch(&["attest-verify", "--db", db, "--policy", "../policy.json"]);
        assert_eq!(r.code, 2, "{db}");
        assert!(r.stderr.contains(want), "{db}: {}", r.stderr);
    };
    bad_db("../none.db", "store-not-found");
    std::fs::write(e.path("text.db"), "not a database\n").unwrap();
    bad_db("../text.db", "not-a-vouch-db");
    // A bad policy.
    std::fs::write(e.path("bad.json"), "{\"mode\": \"enforce\",").unwrap();
    let r = e.vouch(&[
        "attest-verify",
        "--db",
        "../store.db",
        "--policy",
        "../bad.json",
    ]);
    assert_eq!(r.code, 2);
    let r = e.vouch(&[
        "attest-verify",
        "--db",
        "../store.db",
        "--policy",
        "../policy.json",
        "--format",
        "json",
        "--since",
        "nope",
    ]);
    assert_eq!(r.code, 2);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["error"]["code"], "bad-ref");
    // A bad glob.
    let (code, _, r) = e.gate(&["--manifests", "[z-a"]);
    assert_eq!(code, 2, "{}", r.stderr);
}

#[test]
fn non_json_manifests_use_path_urns_and_debug_shows_steps() {
    let e = Env::new();
    e.write("manifests/app.yaml", "name: app\n");
    e.write(
        "manifests/bad.json",
        "{\"urn\": \"urn:x\", \"urn\": \"urn:y\"}\n",
    );
    e.commit("one");
    assert_eq!(
        e.record(
            "manifests/app.yaml",
            "urn:vouch:path:manifests/app.yaml",
            "ci",
            "policy.json"
        ),
        0
    );
    // A duplicate-key JSON document has no trustworthy top-level urn: its path is used.
    assert_eq!(
        e.record("manifests/bad.json", "urn:x", "ci", "policy.json"),
        0
    );
    for envs in [&[][..], &[("VOUCH_LOG", "debug")][..]] {
        let mut args = vec![
            "attest-verify",
            "--db",
            "../store.db",
            "--policy",
            "../policy.json",
            "--manifests",
            "manifests/*",
        ];
        if envs.is_empty() {
            args.push("-v");
        }
        let r = run_in(&e.repo(), &args, envs);
        assert_eq!(r.code, 1, "{}", r.stdout);
        assert!(
            r.stdout
                .contains("valid    urn:vouch:path:manifests/app.yaml"),
            "{}",
            r.stdout
        );
        assert!(
            r.stdout
                .contains("MISSING  urn:vouch:path:manifests/bad.json"),
            "{}",
            r.stdout
        );
        for step in [
            "debug: git rev-parse --show-toplevel",
            "debug: git diff --name-only",
            "debug: manifests/app.yaml: urn urn:vouch:path:manifests/app.yaml",
            "debug: manifests/app.yaml: valid",
        ] {
            assert!(r.stderr.contains(step), "{step} not in {}", r.stderr);
        }
    }
    // Without -v or VOUCH_LOG nothing is logged.
    let r = e.vouch(&[
        "attest-verify",
        "--db",
        "../store.db",
        "--policy",
        "../policy.json",
    ]);
    assert!(!r.stderr.contains("debug:"), "{}", r.stderr);
    // `*` stays within a directory.
    e.write("manifests/deep/x.json", "{}\n");
    e.commit("two");
    let r = e.vouch(&[
        "attest-verify",
        "--db",
        "../store.db",
        "--policy",
        "../policy.json",
        "--manifests",
        "manifests/*",
    ]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(r.stdout.contains("0 changed manifest(s)"), "{}", r.stdout);
}
