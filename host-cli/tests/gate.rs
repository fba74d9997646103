//! `vouch attest-verify`: the release gate, run against temporary git repositories.

use std::path::{Path, PathBuf};

use serde_json::Value;

mod common;
#[path = "common/sigstore.rs"]
mod sigstore;
#[path = "../../core/tests/support/mod.rs"]
mod support;

use common::pg::{Backend, Stores};
use common::{Env, Run, sha256_hex};

/// Runs vouch in `dir` with `envs`; git looks for no repository above `dir`'s parent.
fn vouch_in(dir: &Path, args: &[&str], envs: &[(&str, &str)]) -> Run {
    let ceiling = dir.parent().unwrap_or(dir).to_str().unwrap();
    let mut all = vec![("GIT_CEILING_DIRECTORIES", ceiling)];
    all.extend(envs);
    common::run_in(dir, args, None, &all)
}

/// A work directory (keys, policies, store) holding a git repository in `repo/`.
struct Repo {
    work: Env,
    /// The stores (a PostgreSQL cluster of the test's own on that engine).
    stores: Stores,
    /// The `--db` value of the store, as vouch sees it from inside the repository.
    db: String,
}

impl Repo {
    fn new(b: Backend) -> Self {
        let work = Env::new();
        let stores = b.stores(work.dir.path());
        let db = match b {
            Backend::Sqlite => "../store.db".to_string(),
            Backend::Postgres => stores.db("store.db"),
        };
        let e = Repo { work, stores, db };
        std::fs::create_dir(e.repo()).unwrap();
        e.git(&["init", "-q"]);
        for k in ["ci", "rogue"] {
            e.work.keygen("ed25519", k);
        }
        e.policy("policy.json", "enforce", "");
        e.policy("revoked.json", "enforce", ", \"revoked\": true");
        e
    }
    fn repo(&self) -> PathBuf {
        self.work.path("repo")
    }
    fn path(&self, name: &str) -> PathBuf {
        self.work.path(name)
    }
    fn git(&self, args: &[&str]) -> String {
        common::git(&self.repo(), args, &[])
    }
    fn commit(&self, msg: &str) {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "-m", msg]);
    }
    /// Runs vouch in the repository.
    fn vouch(&self, args: &[&str]) -> Run {
        vouch_in(&self.repo(), args, &[])
    }
    /// Writes a file of the repository's work tree.
    fn write(&self, rel: &str, data: &str) {
        self.work.write(&format!("repo/{rel}"), data);
    }
    /// Writes a policy trusting ci.pub under keyId "ci" (`more`: more members of the issuer).
    fn policy(&self, name: &str, mode: &str, more: &str) {
        self.work.policy(name, mode, &[("ci", "ci.pub", more)], "");
    }
    /// Makes provenance for a repository file with `key` and puts it in the store under `urn`
    /// with the given policy; returns the put's exit code.
    fn record(&self, rel: &str, urn: &str, key: &str, policy: &str) -> i32 {
        let tag = rel.replace('/', "_");
        let (st, env) = (format!("{tag}.statement"), format!("{tag}.dsse"));
        self.work.registry_statement("repo", rel, &[], &st);
        self.work.sign(&[&format!("{key}.key")], &[], &st, &env);
        let (env, policy) = (format!("../{env}"), format!("../{policy}"));
        let args = common::put_args(&self.db, urn, rel, Some(&env), &policy);
        self.vouch(&args).code
    }
    /// `manifests/app.json` and `manifests/other.json` (not committed), the forged keyless
    /// world's trusted root as `../root.json` and two enforcing policies over it:
    /// `../keyless.json` trusting the forge's identity, `../other.json` another one. Returns the
    /// two manifests' bytes.
    fn keyless_setup(&self) -> (Vec<u8>, Vec<u8>) {
        std::fs::create_dir_all(self.repo().join("manifests")).unwrap();
        self.write("manifests/app.json", "{\"name\": \"app\"}\n");
        self.write("manifests/other.json", "{\"name\": \"other\"}\n");
        let app = std::fs::read(self.repo().join("manifests/app.json")).unwrap();
        let other = std::fs::read(self.repo().join("manifests/other.json")).unwrap();
        std::fs::write(self.path("root.json"), sigstore::dsse_bundle(&app).root).unwrap();
        self.work.write(
            "keyless.json",
            &sigstore::policy("enforce", "root.json", sigstore::IDENTITY),
        );
        self.work.write(
            "other.json",
            &sigstore::policy("enforce", "root.json", "someone@example.com"),
        );
        (app, other)
    }
    /// `attest-verify --db DB --policy ../policy.json` and `extra`, in the repository.
    fn attest(&self, extra: &[&str]) -> Run {
        self.attest_with(extra, &[])
    }
    /// [`Repo::attest`] with `envs` added.
    fn attest_with(&self, extra: &[&str], envs: &[(&str, &str)]) -> Run {
        let mut a = vec![
            "attest-verify",
            "--db",
            &self.db,
            "--policy",
            "../policy.json",
        ];
        a.extend(extra);
        vouch_in(&self.repo(), &a, envs)
    }
    /// `attest-verify --policy POLICY --manifests GLOB --format json`: the exit code and the
    /// JSON report.
    fn gate_json(&self, policy: &str, manifests: &str) -> (i32, Value) {
        let r = self.vouch(&[
            "attest-verify",
            "--db",
            &self.db,
            "--policy",
            policy,
            "--manifests",
            manifests,
            "--format",
            "json",
        ]);
        let v: Value = serde_json::from_str(&r.stdout).unwrap();
        (r.code, v)
    }
    /// The gate over `manifests` judges the stored bundle of `urn` again: valid under
    /// `../keyless.json`, invalid (`identity-mismatch`) under `../other.json`, a policy trusting
    /// another identity.
    fn bundle_judged_again(&self, manifests: &str, urn: &str) {
        let (code, v) = self.gate_json("../keyless.json", manifests);
        assert_eq!(code, 0, "{v}");
        assert_eq!(urns(&v, "valid"), [urn]);
        let (code, v) = self.gate_json("../other.json", manifests);
        assert_eq!(code, 1, "{v}");
        assert_eq!(v["invalid"][0]["urn"], urn);
        assert_eq!(v["invalid"][0]["reason"], "identity-mismatch", "{v}");
        assert!(urns(&v, "valid").is_empty(), "{v}");
    }
    /// `attest-verify` with the manifest glob and a report; returns (exit, report, run).
    fn gate(&self, extra: &[&str]) -> (i32, Option<Value>, Run) {
        let _ = std::fs::remove_file(self.path("report.json"));
        let mut a = vec![
            "--manifests",
            "manifests/**/*.json",
            "--output",
            "../report.json",
        ];
        a.extend(extra);
        let r = self.attest(&a);
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

both_backends!(
    gate_follows_manifests_through_commits,
    invalid_provenance_and_revoked_keys,
    fatal_errors_exit_2,
    non_json_manifests_use_path_urns_and_debug_shows_steps,
    dangling_symlink_manifest_is_blocked,
    symlink_to_directory_is_blocked,
    symlink_to_dev_null_is_blocked,
    symlink_to_a_recorded_file_is_blocked,
    submodule_at_manifest_path_is_blocked,
    directory_at_manifest_path_is_blocked,
    non_utf8_paths_are_blocked_not_skipped,
    control_characters_in_paths_cannot_forge_output,
    glob_characters_in_names_are_literal,
    deleted_only_when_absent_at_the_revision,
    working_tree_changes_are_not_judged,
    rev_names_the_release_commit,
    rev_that_is_not_a_commit_is_bad_ref,
    past_at_is_refused,
    large_manifests_keep_their_urn,
    deeply_nested_manifests_keep_their_urn,
    bom_manifests_keep_their_urn,
    too_deep_manifest_is_refused,
    non_string_or_empty_urn_is_refused,
    duplicate_urn_is_refused,
    non_json_and_urnless_manifests_use_the_path_urn,
    oversized_json_manifest_is_refused,
    unreadable_manifest_blob_is_a_git_error,
    stored_keyless_bundles_are_verified_again,
    stored_keyless_dsse_bundles_are_verified_again,
);

const APP: &str = "{\"urn\": \"urn:example:app\", \"version\": 1}\n";

fn gate_follows_manifests_through_commits(b: Backend) {
    let e = Repo::new(b);
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
    // The one JSON shape: `ok` (the verdict), digests `sha256:<hex>`, one line.
    assert_eq!(rep["ok"], false);
    let app_digest = format!("sha256:{}", sha256_hex(APP.as_bytes()));
    assert_eq!(rep["valid"][0]["digest"], app_digest.as_str());
    let text = e.work.read("report.json");
    assert_eq!(text.lines().count(), 1, "{text}");
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

    // An uncommitted edit is not released: the gate judges the content committed at --rev
    // (HEAD), so the committed version's provenance still passes.
    e.write(
        "manifests/app.json",
        "{\"urn\": \"urn:example:app\", \"version\": 3}\n",
    );
    let (code, rep, r) = e.gate(&[]);
    assert_eq!(code, 0, "{}", r.stdout);
    assert_eq!(urns(rep.as_ref().unwrap(), "valid"), ["urn:example:app"]);
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

fn invalid_provenance_and_revoked_keys(b: Backend) {
    let e = Repo::new(b);
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
        &e.db,
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
        &e.db,
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

fn fatal_errors_exit_2(b: Backend) {
    let e = Repo::new(b);
    e.write("manifests/a.json", "{\"urn\": \"urn:example:a\"}\n");
    e.commit("one");
    assert_eq!(
        e.record("manifests/a.json", "urn:example:a", "ci", "policy.json"),
        0
    );
    let (code, _, _) = e.gate(&[]);
    assert_eq!(code, 0);

    // Not a git repository.
    let r = vouch_in(
        e.work.dir.path(),
        &[
            "attest-verify",
            "--db",
            if b == Backend::Sqlite {
                "store.db"
            } else {
                &e.db
            },
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
    match b {
        Backend::Sqlite => {
            bad_db("../none.db", "store-not-found");
            std::fs::write(e.path("text.db"), "not a database\n").unwrap();
            bad_db("../text.db", "not-a-vouch-db");
        }
        Backend::Postgres => {
            bad_db(&e.stores.missing("none.db"), "store-not-found");
            let other = e.stores.db("other.db");
            e.stores
                .pg()
                .client("other_db")
                .batch_execute("CREATE TABLE t (x INTEGER)")
                .unwrap();
            bad_db(&other, "not-a-vouch-db");
            bad_db("host=/nonexistent dbname=x", "store-unavailable");
        }
    }
    // A bad policy.
    std::fs::write(e.path("bad.json"), "{\"mode\": \"enforce\",").unwrap();
    let r = e.vouch(&["attest-verify", "--db", &e.db, "--policy", "../bad.json"]);
    assert_eq!(r.code, 2);
    let r = e.attest(&["--format", "json", "--since", "nope"]);
    assert_eq!(r.code, 2);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["error"]["code"], "bad-ref");
    // A bad glob.
    let (code, _, r) = e.gate(&["--manifests", "[z-a"]);
    assert_eq!(code, 2, "{}", r.stderr);
}

fn non_json_manifests_use_path_urns_and_debug_shows_steps(b: Backend) {
    let e = Repo::new(b);
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
    // A duplicated top-level urn cannot be trusted: the manifest is blocked, never given its
    // path URN (which silently left it missing forever) nor either urn.
    for urn in ["urn:x", "urn:y"] {
        assert_eq!(e.record("manifests/bad.json", urn, "ci", "policy.json"), 0);
    }
    for envs in [&[][..], &[("VOUCH_LOG", "debug")][..]] {
        let mut args = vec![
            "attest-verify",
            "--db",
            &e.db,
            "--policy",
            "../policy.json",
            "--manifests",
            "manifests/*",
        ];
        if envs.is_empty() {
            args.push("-v");
        }
        let r = vouch_in(&e.repo(), &args, envs);
        assert_eq!(r.code, 1, "{}", r.stdout);
        assert!(
            r.stdout
                .contains("valid    urn:vouch:path:manifests/app.yaml"),
            "{}",
            r.stdout
        );
        assert!(
            r.stdout
                .contains("BLOCKED  manifests/bad.json: duplicate-manifest-urn: "),
            "{}",
            r.stdout
        );
        for urn in ["urn:x", "urn:y"] {
            assert!(!r.stdout.contains(urn), "{}", r.stdout);
        }
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
    let r = e.attest(&[]);
    assert!(!r.stderr.contains("debug:"), "{}", r.stderr);
    // `*` stays within a directory.
    e.write("manifests/deep/x.json", "{}\n");
    e.commit("two");
    let r = e.attest(&["--manifests", "manifests/*"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(r.stdout.contains("0 changed manifest(s)"), "{}", r.stdout);
}

/// `(path, reason)` of each `blocked` entry of a report.
fn blocked(v: &Value) -> Vec<(String, String)> {
    v["blocked"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["path"].as_str().unwrap().to_string(),
                e["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Runs the gate on a repository whose last commit added one thing at `path`, and checks that it
/// is blocked (exit 1, `BLOCKED`) for `reason` and not reported deleted; returns the report.
fn assert_blocked(e: &Repo, path: &str, reason: &str) -> Value {
    let (code, rep, r) = e.gate(&[]);
    assert_eq!(code, 1, "{} {}", r.stdout, r.stderr);
    let rep = rep.unwrap();
    assert_eq!(
        blocked(&rep),
        [(path.to_string(), reason.to_string())],
        "{rep}"
    );
    assert_eq!(rep["deleted"], serde_json::json!([]), "{rep}");
    assert_eq!(rep["checked"], 1, "{rep}");
    assert!(
        r.stdout.contains(&format!("BLOCKED  {path}: {reason}: ")),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("release gate: BLOCKED"), "{}", r.stdout);
    assert!(r.stdout.contains(", 1 blocked"), "{}", r.stdout);
    rep
}

/// A repository whose first commit holds a README only, so later commits are compared with it,
/// and a store with the README's provenance.
fn env_with_base(b: Backend) -> Repo {
    let e = Repo::new(b);
    e.write("README.md", "base\n");
    e.commit("base");
    assert_eq!(
        e.record("README.md", "urn:example:readme", "ci", "policy.json"),
        0
    );
    e
}

#[cfg(unix)]
fn dangling_symlink_manifest_is_blocked(b: Backend) {
    let e = env_with_base(b);
    std::fs::create_dir_all(e.repo().join("manifests")).unwrap();
    std::os::unix::fs::symlink("nowhere.json", e.repo().join("manifests/gone.json")).unwrap();
    e.commit("dangling");
    let rep = assert_blocked(&e, "manifests/gone.json", "not-a-regular-file");
    let msg = rep["blocked"][0]["message"].as_str().unwrap();
    assert!(msg.contains("mode 120000"), "{msg}");
    assert!(msg.contains("symbolic link"), "{msg}");
}

#[cfg(unix)]
fn symlink_to_directory_is_blocked(b: Backend) {
    let e = env_with_base(b);
    e.write("docs/a.txt", "a\n");
    std::fs::create_dir_all(e.repo().join("manifests")).unwrap();
    std::os::unix::fs::symlink("../docs", e.repo().join("manifests/dir.json")).unwrap();
    e.git(&["add", "manifests/dir.json"]);
    e.git(&["commit", "-q", "-m", "link"]);
    assert_blocked(&e, "manifests/dir.json", "not-a-regular-file");
}

#[cfg(unix)]
fn symlink_to_dev_null_is_blocked(b: Backend) {
    let e = env_with_base(b);
    std::fs::create_dir_all(e.repo().join("manifests")).unwrap();
    std::os::unix::fs::symlink("/dev/null", e.repo().join("manifests/null.json")).unwrap();
    e.commit("null");
    assert_blocked(&e, "manifests/null.json", "not-a-regular-file");
}

#[cfg(unix)]
fn symlink_to_a_recorded_file_is_blocked(b: Backend) {
    // The link's target has valid provenance under the URN the link would claim: still blocked.
    let e = env_with_base(b);
    e.write("manifests/real.json", APP);
    e.commit("real");
    assert_eq!(
        e.record(
            "manifests/real.json",
            "urn:example:app",
            "ci",
            "policy.json"
        ),
        0
    );
    std::os::unix::fs::symlink("real.json", e.repo().join("manifests/link.json")).unwrap();
    e.commit("link");
    assert_blocked(&e, "manifests/link.json", "not-a-regular-file");
}

fn submodule_at_manifest_path_is_blocked(b: Backend) {
    let e = env_with_base(b);
    let head = e.git(&["rev-parse", "HEAD"]);
    e.git(&[
        "update-index",
        "--add",
        "--cacheinfo",
        &format!("160000,{head},manifests/sub.json"),
    ]);
    e.git(&["commit", "-q", "-m", "gitlink"]);
    let rep = assert_blocked(&e, "manifests/sub.json", "not-a-regular-file");
    let msg = rep["blocked"][0]["message"].as_str().unwrap();
    assert!(msg.contains("mode 160000"), "{msg}");
    assert!(msg.contains("submodule"), "{msg}");
    // A gitlink is a change even when git is told to ignore submodules.
    let r = e.attest_with(
        &["--manifests", "manifests/*"],
        &[
            ("GIT_CONFIG_COUNT", "1"),
            ("GIT_CONFIG_KEY_0", "diff.ignoreSubmodules"),
            ("GIT_CONFIG_VALUE_0", "all"),
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        r.stdout
            .contains("BLOCKED  manifests/sub.json: not-a-regular-file"),
        "{}",
        r.stdout
    );
}

fn directory_at_manifest_path_is_blocked(b: Backend) {
    let e = env_with_base(b);
    e.write("manifests/x.json", "{\"urn\": \"urn:example:x\"}\n");
    e.commit("file");
    assert_eq!(
        e.record("manifests/x.json", "urn:example:x", "ci", "policy.json"),
        0
    );
    // The manifest becomes a directory: git lists the old path as changed, and it is a tree now.
    std::fs::remove_file(e.repo().join("manifests/x.json")).unwrap();
    e.write("manifests/x.json/inner.txt", "inner\n");
    e.commit("tree");
    let rep = assert_blocked(&e, "manifests/x.json", "not-a-regular-file");
    let msg = rep["blocked"][0]["message"].as_str().unwrap();
    assert!(msg.contains("mode 040000"), "{msg}");
}

#[cfg(unix)]
fn non_utf8_paths_are_blocked_not_skipped(b: Backend) {
    use std::os::unix::ffi::OsStrExt;
    let e = env_with_base(b);
    std::fs::create_dir_all(e.repo().join("manifests")).unwrap();
    let name = std::ffi::OsStr::from_bytes(b"manifests/\xff.json");
    std::fs::write(e.repo().join(name), "{\"urn\": \"urn:example:ff\"}\n").unwrap();
    e.commit("ff");
    let rep = assert_blocked(&e, "manifests/\\xff.json", "non-utf8-path");
    assert_eq!(rep["valid"], serde_json::json!([]));
    assert_eq!(rep["missing"], serde_json::json!([]));
    // Without --manifests every changed path is checked: blocked too.
    let r = e.attest(&[]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        r.stdout
            .contains("BLOCKED  manifests/\\xff.json: non-utf8-path"),
        "{}",
        r.stdout
    );
    // Globs cannot judge a path that is not text: outside the manifest directory it blocks too.
    std::fs::remove_file(e.repo().join(name)).unwrap();
    std::fs::write(
        e.repo().join(std::ffi::OsStr::from_bytes(b"x\xfe.txt")),
        "x\n",
    )
    .unwrap();
    e.commit("move");
    let (code, rep, r) = e.gate(&[]);
    assert_eq!(code, 1, "{}", r.stdout);
    let rep = rep.unwrap();
    assert_eq!(
        blocked(&rep),
        [("x\\xfe.txt".into(), "non-utf8-path".into())]
    );
    // Absent at the revision: deleted, shown escaped.
    assert_eq!(rep["deleted"], serde_json::json!(["manifests/\\xff.json"]));
    std::fs::remove_file(e.repo().join(std::ffi::OsStr::from_bytes(b"x\xfe.txt"))).unwrap();
    e.commit("gone");
    let (code, rep, r) = e.gate(&[]);
    assert_eq!(code, 0, "{}", r.stdout);
    let rep = rep.unwrap();
    assert_eq!(rep["deleted"], serde_json::json!(["x\\xfe.txt"]));
    assert!(
        r.stdout.contains("deleted  x\\xfe.txt (skipped)"),
        "{}",
        r.stdout
    );
}

fn control_characters_in_paths_cannot_forge_output(b: Backend) {
    let e = env_with_base(b);
    e.write("manifests/a\nrelease gate: PASSED\n.json", "{}\n");
    e.write("manifests/back\\slash.json", "{}\n");
    e.commit("odd names");
    let (code, rep, r) = e.gate(&[]);
    assert_eq!(code, 1, "{}", r.stdout);
    assert!(
        !r.stdout
            .lines()
            .any(|l| l.starts_with("release gate: PASSED")),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("(manifests/a\\x0arelease gate: PASSED\\x0a.json)"),
        "{}",
        r.stdout
    );
    let rep = rep.unwrap();
    let mut paths: Vec<&str> = rep["missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["path"].as_str().unwrap())
        .collect();
    paths.sort();
    assert_eq!(
        paths,
        [
            "manifests/a\\x0arelease gate: PASSED\\x0a.json",
            "manifests/back\\\\slash.json"
        ]
    );
}

fn glob_characters_in_names_are_literal(b: Backend) {
    let e = env_with_base(b);
    e.write("manifests/[ab].json", "{\"urn\": \"urn:example:ab\"}\n");
    e.write("manifests/a.json", "{\"urn\": \"urn:example:a\"}\n");
    e.commit("globby");
    assert_eq!(
        e.record("manifests/[ab].json", "urn:example:ab", "ci", "policy.json"),
        0
    );
    assert_eq!(
        e.record("manifests/a.json", "urn:example:a", "ci", "policy.json"),
        0
    );
    let (code, rep, r) = e.gate(&[]);
    assert_eq!(code, 0, "{} {}", r.stdout, r.stderr);
    assert_eq!(
        urns(rep.as_ref().unwrap(), "valid"),
        ["urn:example:a", "urn:example:ab"]
    );
    // The caller's pathspec settings do not change how the gate asks git about a path.
    for var in ["GIT_GLOB_PATHSPECS", "GIT_ICASE_PATHSPECS"] {
        let r = e.attest_with(&["--manifests", "manifests/*"], &[(var, "1")]);
        assert_eq!(r.code, 0, "{var}: {} {}", r.stdout, r.stderr);
    }
}

fn deleted_only_when_absent_at_the_revision(b: Backend) {
    let e = env_with_base(b);
    e.write("manifests/a.json", "{\"urn\": \"urn:example:a\"}\n");
    e.write("manifests/b.json", "{\"urn\": \"urn:example:b\"}\n");
    e.commit("add");
    assert_eq!(
        e.record("manifests/a.json", "urn:example:a", "ci", "policy.json"),
        0
    );
    // b is committed but deleted from the working tree only: it is still released, so checked
    // (and missing), never 'deleted'.
    std::fs::remove_file(e.repo().join("manifests/b.json")).unwrap();
    let (code, rep, r) = e.gate(&[]);
    assert_eq!(code, 1, "{}", r.stdout);
    let rep = rep.unwrap();
    assert_eq!(rep["checked"], 2);
    assert_eq!(urns(&rep, "valid"), ["urn:example:a"]);
    assert_eq!(urns(&rep, "missing"), ["urn:example:b"]);
    assert_eq!(rep["deleted"], serde_json::json!([]));
    // Deleted in a commit (and a file of the same name left in the working tree): deleted.
    e.commit("drop b");
    e.write("manifests/b.json", "{\"urn\": \"urn:example:b\"}\n");
    let (code, rep, r) = e.gate(&[]);
    assert_eq!(code, 0, "{}", r.stdout);
    let rep = rep.unwrap();
    assert_eq!(rep["checked"], 0);
    assert_eq!(rep["deleted"], serde_json::json!(["manifests/b.json"]));
    assert!(r.stdout.contains("release gate: PASSED"), "{}", r.stdout);
}

#[cfg(unix)]
fn working_tree_changes_are_not_judged(b: Backend) {
    let e = env_with_base(b);
    e.write("manifests/a.json", "{\"urn\": \"urn:example:a\"}\n");
    e.commit("add");
    assert_eq!(
        e.record("manifests/a.json", "urn:example:a", "ci", "policy.json"),
        0
    );
    // Edited after the commit: the committed content is what is released, and it is recorded.
    e.write(
        "manifests/a.json",
        "{\"urn\": \"urn:example:a\", \"v\": 2}\n",
    );
    let (code, rep, r) = e.gate(&[]);
    assert_eq!(code, 0, "{} {}", r.stdout, r.stderr);
    let rep = rep.unwrap();
    assert_eq!(urns(&rep, "valid"), ["urn:example:a"]);
    let committed = e.git(&["show", "HEAD:manifests/a.json"]);
    assert!(!committed.contains("\"v\""));
    // Replaced by a symlink in the working tree only: still the committed regular file.
    std::fs::remove_file(e.repo().join("manifests/a.json")).unwrap();
    std::os::unix::fs::symlink("/dev/null", e.repo().join("manifests/a.json")).unwrap();
    let (code, rep, r) = e.gate(&[]);
    assert_eq!(code, 0, "{} {}", r.stdout, r.stderr);
    assert_eq!(urns(rep.as_ref().unwrap(), "valid"), ["urn:example:a"]);
    // An uncommitted new manifest is not part of the release either.
    e.write("manifests/new.json", "{\"urn\": \"urn:example:new\"}\n");
    let (code, rep, _) = e.gate(&[]);
    assert_eq!(code, 0);
    assert_eq!(rep.unwrap()["checked"], 1);
}

fn rev_names_the_release_commit(b: Backend) {
    let e = env_with_base(b);
    let base = e.git(&["rev-parse", "HEAD"]);
    e.write(
        "manifests/a.json",
        "{\"urn\": \"urn:example:a\", \"v\": 1}\n",
    );
    e.commit("v1");
    let v1 = e.git(&["rev-parse", "HEAD"]);
    assert_eq!(
        e.record("manifests/a.json", "urn:example:a", "ci", "policy.json"),
        0
    );
    e.write(
        "manifests/a.json",
        "{\"urn\": \"urn:example:a\", \"v\": 2}\n",
    );
    e.commit("v2");
    // HEAD (v2) has no provenance.
    let (code, rep, _) = e.gate(&[]);
    assert_eq!(code, 1);
    let rep = rep.unwrap();
    assert_eq!(rep["rev"], "HEAD");
    assert_eq!(rep["since"], "HEAD~1");
    assert_eq!(urns(&rep, "missing"), ["urn:example:a"]);
    // The previous commit (v1) does: --rev judges its content; --since defaults to its parent.
    let (code, rep, r) = e.gate(&["--rev", "HEAD~1"]);
    assert_eq!(code, 0, "{} {}", r.stdout, r.stderr);
    let rep = rep.unwrap();
    assert_eq!(rep["rev"], "HEAD~1");
    assert_eq!(rep["revCommit"], v1.as_str());
    assert_eq!(rep["since"], "HEAD~1~1");
    assert_eq!(rep["sinceCommit"], base.as_str());
    assert_eq!(urns(&rep, "valid"), ["urn:example:a"]);
    // Explicit --since with --rev.
    let (code, rep, _) = e.gate(&["--rev", &v1, "--since", &base]);
    assert_eq!(code, 0);
    assert_eq!(rep.unwrap()["checked"], 1);
    // The root commit as --rev: every file is new, compared with the empty tree.
    let (code, rep, r) = e.gate(&["--rev", &base]);
    assert_eq!(code, 0, "{}", r.stdout);
    assert_eq!(rep.unwrap()["checked"], 0);
    assert!(r.stdout.contains("no previous commit"), "{}", r.stdout);
}

fn rev_that_is_not_a_commit_is_bad_ref(b: Backend) {
    let e = env_with_base(b);
    let tree = e.git(&["rev-parse", "HEAD^{tree}"]);
    let blob = e.git(&["rev-parse", "HEAD:README.md"]);
    for rev in ["no-such-branch", tree.as_str(), blob.as_str(), "-x", ""] {
        let arg = format!("--rev={rev}");
        let (code, rep, r) = e.gate(&[&arg]);
        assert_eq!(code, 2, "{rev}: {} {}", r.stdout, r.stderr);
        assert!(r.stderr.contains("bad-ref"), "{rev}: {}", r.stderr);
        assert!(rep.is_none());
    }
    let r = e.attest(&["--format", "json", "--rev", "nope"]);
    assert_eq!(r.code, 2);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["error"]["code"], "bad-ref");
}

/// `--at` before the clock would judge the release with keys and policies that have since expired:
/// refused as a usage error before anything is judged; a later `--at` is taken.
fn past_at_is_refused(b: Backend) {
    let e = env_with_base(b);
    let r = e.attest(&["--format", "json", "--at", "2020-01-01T00:00:00Z"]);
    assert_eq!(r.code, 2, "{} {}", r.stdout, r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["error"]["code"], "usage");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("earlier than the clock"),
        "{v}"
    );
    // A later time is taken: the gate runs and judges the change (README.md has no record).
    let r = e.attest(&["--format", "json", "--at", "2126-01-01T00:00:00Z"]);
    assert_eq!(r.code, 1, "{} {}", r.stdout, r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(
        (v["checked"].as_u64(), urns(&v, "missing").len()),
        (Some(1), 1)
    );
}

/// Commits `manifests/<name>` with `body`, records its provenance under `urn` and runs the gate.
fn gate_one(b: Backend, body: &[u8], urn: &str) -> (i32, Value, Run) {
    let e = env_with_base(b);
    let p = e.repo().join("manifests/m.json");
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, body).unwrap();
    e.commit("manifest");
    assert_eq!(e.record("manifests/m.json", urn, "ci", "policy.json"), 0);
    let (code, rep, r) = e.gate(&[]);
    (code, rep.unwrap(), r)
}

fn nested(depth: usize) -> String {
    format!(
        "{{\"urn\": \"urn:example:m\", \"deep\": {}1{}}}\n",
        "[".repeat(depth - 1),
        "]".repeat(depth - 1)
    )
}

fn large_manifests_keep_their_urn(b: Backend) {
    // More than 1,024 members.
    let mut body = String::from("{\"urn\": \"urn:example:m\"");
    for i in 0..1025 {
        body.push_str(&format!(", \"k{i}\": {i}"));
    }
    body.push_str("}\n");
    let (code, rep, r) = gate_one(b, body.as_bytes(), "urn:example:m");
    assert_eq!(code, 0, "{} {}", r.stdout, r.stderr);
    assert_eq!(urns(&rep, "valid"), ["urn:example:m"]);
}

fn deeply_nested_manifests_keep_their_urn(b: Backend) {
    let (code, rep, r) = gate_one(b, nested(40).as_bytes(), "urn:example:m");
    assert_eq!(code, 0, "{} {}", r.stdout, r.stderr);
    assert_eq!(urns(&rep, "valid"), ["urn:example:m"]);
}

fn bom_manifests_keep_their_urn(b: Backend) {
    let body = b"\xef\xbb\xbf{\"urn\": \"urn:example:m\"}\n";
    let (code, rep, r) = gate_one(b, body, "urn:example:m");
    assert_eq!(code, 0, "{} {}", r.stdout, r.stderr);
    assert_eq!(urns(&rep, "valid"), ["urn:example:m"]);
}

fn too_deep_manifest_is_refused(b: Backend) {
    // Recorded under its path URN, the silent fallback would pass: it must not.
    let (code, rep, r) = gate_one(b, nested(200).as_bytes(), "urn:vouch:path:manifests/m.json");
    assert_eq!(code, 1, "{}", r.stdout);
    assert_eq!(
        blocked(&rep),
        [("manifests/m.json".into(), "manifest-too-deep".into())]
    );
    // Nesting inside the urn's own value: the same refusal.
    let deep_urn = format!("{{\"urn\": {}\"x\"{}}}", "[".repeat(200), "]".repeat(200));
    let (code, rep, _) = gate_one(b, deep_urn.as_bytes(), "urn:vouch:path:manifests/m.json");
    assert_eq!(code, 1);
    assert_eq!(
        blocked(&rep),
        [("manifests/m.json".into(), "manifest-too-deep".into())]
    );
    assert_eq!(rep["valid"], serde_json::json!([]));
    assert!(
        rep["blocked"][0]["digest"]
            .as_str()
            .is_some_and(|d| d.starts_with("sha256:") && d.len() == 71),
        "{rep}"
    );
    assert!(r.stdout.contains("release gate: BLOCKED"), "{}", r.stdout);
}

fn non_string_or_empty_urn_is_refused(b: Backend) {
    for body in [
        "{\"urn\": 7}\n",
        "{\"urn\": null}\n",
        "{\"urn\": [\"urn:example:m\"]}\n",
        "{\"urn\": {\"id\": \"urn:example:m\"}}\n",
        "{\"urn\": 1e400}\n",
        "{\"urn\": \"\"}\n",
    ] {
        let (code, rep, r) = gate_one(b, body.as_bytes(), "urn:vouch:path:manifests/m.json");
        assert_eq!(code, 1, "{body}: {}", r.stdout);
        let b = blocked(&rep);
        assert_eq!(b.len(), 1, "{body}: {rep}");
        let want = if body.contains("1e400") {
            "unsupported-manifest-json"
        } else {
            "invalid-manifest-urn"
        };
        assert_eq!(b[0].1, want, "{body}: {rep}");
    }
}

fn duplicate_urn_is_refused(b: Backend) {
    for body in [
        "{\"urn\": \"urn:example:m\", \"urn\": \"urn:example:m\"}\n",
        "{\"urn\": \"urn:example:x\", \"a\": 1, \"\\u0075rn\": \"urn:example:m\"}\n",
    ] {
        let (code, rep, r) = gate_one(b, body.as_bytes(), "urn:example:m");
        assert_eq!(code, 1, "{body}: {}", r.stdout);
        assert_eq!(
            blocked(&rep),
            [("manifests/m.json".into(), "duplicate-manifest-urn".into())],
            "{body}"
        );
    }
    // Duplicates elsewhere do not matter.
    let (code, rep, r) = gate_one(
        b,
        b"{\"urn\": \"urn:example:m\", \"a\": 1, \"a\": 2}\n",
        "urn:example:m",
    );
    assert_eq!(code, 0, "{}", r.stdout);
    assert_eq!(urns(&rep, "valid"), ["urn:example:m"]);
}

fn non_json_and_urnless_manifests_use_the_path_urn(b: Backend) {
    for body in [
        "name: app\n",
        "{ not json, \"urn\": \"urn:example:m\"\n",
        "[\"urn\", \"urn:example:m\"]\n",
        "\"urn:example:m\"\n",
        "{\"name\": \"m\", \"inner\": {\"urn\": \"urn:example:m\"}}\n",
    ] {
        let (code, rep, r) = gate_one(b, body.as_bytes(), "urn:vouch:path:manifests/m.json");
        assert_eq!(code, 0, "{body}: {} {}", r.stdout, r.stderr);
        assert_eq!(
            urns(&rep, "valid"),
            ["urn:vouch:path:manifests/m.json"],
            "{body}"
        );
    }
}

fn oversized_json_manifest_is_refused(b: Backend) {
    let e = env_with_base(b);
    // Recorded under its path URN, a silent fallback would pass: it must not.
    let mut json = vec![b' '; (64 << 20) + 1];
    json[0] = b'{';
    std::fs::create_dir_all(e.repo().join("manifests")).unwrap();
    std::fs::write(e.repo().join("manifests/big.json"), &json).unwrap();
    e.commit("big");
    let (code, rep, r) = e.gate(&[]);
    assert_eq!(code, 1, "{}", r.stdout);
    assert_eq!(
        blocked(&rep.unwrap()),
        [("manifests/big.json".into(), "manifest-too-large".into())]
    );
}

/// Runs the gate with `--output out` and checks it is refused before anything is written.
fn assert_output_refused(e: &Repo, out: &str) {
    let before = (
        std::fs::read(e.path("store.db")).unwrap(),
        std::fs::read(e.path("policy.json")).unwrap(),
    );
    let r = e.attest(&["--output", out, "--format", "json"]);
    assert_eq!(r.code, 2, "{out}: {} {}", r.stdout, r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["error"]["code"], "usage", "{out}: {v}");
    let after = (
        std::fs::read(e.path("store.db")).unwrap(),
        std::fs::read(e.path("policy.json")).unwrap(),
    );
    assert!(before == after, "{out}: the store or the policy changed");
}

#[test]
fn output_cannot_overwrite_the_store_or_the_policy() {
    let e = env_with_base(Backend::Sqlite);
    e.write("manifests/a.json", "{\"urn\": \"urn:example:a\"}\n");
    e.commit("a");
    assert_eq!(
        e.record("manifests/a.json", "urn:example:a", "ci", "policy.json"),
        0
    );
    assert_output_refused(&e, &e.db);
    assert_output_refused(&e, "../policy.json");
    assert_output_refused(&e, "./../store.db");
    assert_output_refused(&e, &e.path("policy.json").display().to_string());
    assert_output_refused(&e, "../store.db-wal");
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(e.path("store.db"), e.path("store-link")).unwrap();
        assert_output_refused(&e, "../store-link");
        std::fs::hard_link(e.path("policy.json"), e.path("policy-hard.json")).unwrap();
        assert_output_refused(&e, "../policy-hard.json");
    }
    // Any other path is written.
    let (code, rep, r) = e.gate(&[]);
    assert_eq!(code, 0, "{} {}", r.stdout, r.stderr);
    assert!(rep.is_some());
}

fn unreadable_manifest_blob_is_a_git_error(b: Backend) {
    let e = env_with_base(b);
    e.write("manifests/a.json", "{\"urn\": \"urn:example:a\"}\n");
    e.commit("a");
    assert_eq!(
        e.record("manifests/a.json", "urn:example:a", "ci", "policy.json"),
        0
    );
    let (code, _, _) = e.gate(&[]);
    assert_eq!(code, 0);
    // The committed blob goes missing from the object store: fatal, never skipped or hashed empty.
    let oid = e.git(&["rev-parse", "HEAD:manifests/a.json"]);
    let obj = e
        .repo()
        .join(".git/objects")
        .join(&oid[..2])
        .join(&oid[2..]);
    std::fs::remove_file(obj).unwrap();
    let (code, rep, r) = e.gate(&[]);
    assert_eq!(code, 2, "{} {}", r.stdout, r.stderr);
    assert!(r.stderr.contains("git-error"), "{}", r.stderr);
    assert!(rep.is_none());
}

/// A message-signature Sigstore bundle (sigstore-python's v0.3 staging case) put for a
/// repository file, then judged by the gate under its policy and under one trusting another
/// identity.
fn stored_keyless_bundles_are_verified_again(b: Backend) {
    let e = Repo::new(b);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let case = root.join("tests/vectors/sigstore/cases/py--bundle-v03-staging");
    std::fs::copy(case.join("bundle.sigstore.json"), e.path("bundle.json")).unwrap();
    std::fs::copy(
        root.join("tests/vectors/sigstore/trusted_roots/staging-sigstore-python.json"),
        e.path("root.json"),
    )
    .unwrap();
    std::fs::create_dir_all(e.repo().join("manifests")).unwrap();
    std::fs::copy(case.join("artifact"), e.repo().join("manifests/app.bin")).unwrap();
    e.commit("blob");
    for (name, identity, more) in [
        ("keyless.json", "william@yossarian.net", ""),
        ("other.json", "someone@example.com", ""),
        (
            "revoked-keyless.json",
            "william@yossarian.net",
            ", \"revoked\": true",
        ),
    ] {
        e.work.write(
            name,
            &format!(
                "{{\"mode\": \"enforce\", \"trustedRoot\": \"root.json\", \"allowedIssuers\": [{{\"keyId\": \"k\", \"certificateIdentity\": \"{identity}\", \"certificateOidcIssuer\": \"https://github.com/login/oauth\"{more}}}]}}"
            ),
        );
    }
    let urn = "urn:vouch:path:manifests/app.bin";
    let put = common::put_args(
        &e.db,
        urn,
        "manifests/app.bin",
        Some("../bundle.json"),
        "../keyless.json",
    );
    let r = e.vouch(&put);
    assert_eq!(r.code, 0, "{} {}", r.stdout, r.stderr);
    // Valid; and once the identity is no longer allowed, invalid with the core's code.
    e.bundle_judged_again("manifests/*", urn);
    let gate = |policy: &str| e.gate_json(policy, "manifests/*");
    // The issuer is revoked since the put: invalid, key-revoked.
    let (code, v) = gate("../revoked-keyless.json");
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["invalid"][0]["reason"], "key-revoked", "{v}");
}

/// A keyless DSSE bundle (forged, tests/common/sigstore.rs) whose in-toto Statement names a
/// repository file as its subject: `store put` verifies and stores it (a file the Statement does
/// not name is refused with the core's code, nothing written), `store get` shows it with its
/// signer and the Statement's facts, and the gate verifies it again (under a policy trusting
/// another identity: invalid, identity-mismatch).
fn stored_keyless_dsse_bundles_are_verified_again(b: Backend) {
    let e = Repo::new(b);
    let (app, _) = e.keyless_setup();
    e.commit("manifests");
    let k = sigstore::dsse_bundle(&app);
    std::fs::write(e.path("bundle.json"), &k.bundle).unwrap();
    let urn = "urn:vouch:path:manifests/app.json";
    let put = |rel: &str, urn: &str| {
        let mut a = common::put_args(&e.db, urn, rel, Some("../bundle.json"), "../keyless.json");
        a.extend(["--format", "json"]);
        let r = e.vouch(&a);
        let v: Value = serde_json::from_str(&r.stdout).unwrap();
        (r.code, v)
    };
    // Not the Statement's subject: refused with the core's code, nothing stored.
    let (code, v) = put(
        "manifests/other.json",
        "urn:vouch:path:manifests/other.json",
    );
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["stored"], false, "{v}");
    assert_eq!(v["error"]["code"], "invalid_provenance", "{v}");
    assert_eq!(v["error"]["reason"], "subject-mismatch", "{v}");
    let (code, v) = put("manifests/app.json", urn);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["record"]["verified"], true, "{v}");

    let r = e.vouch(&[
        "store", "get", "--db", &e.db, "--urn", urn, "--format", "json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    let rec = &v["record"];
    assert_eq!(rec["digest"], format!("sha256:{}", sha256_hex(&app)), "{v}");
    assert_eq!(rec["builder"], sigstore::BUILDER, "{v}");
    assert_eq!(rec["payloadType"], sigstore::PAYLOAD_TYPE, "{v}");
    assert_eq!(
        rec["outputs"][0]["digest"]["sha256"],
        sha256_hex(&app).as_str(),
        "{v}"
    );
    assert_eq!(rec["signer"]["certificate"]["identity"], sigstore::IDENTITY);
    assert_eq!(rec["signer"]["certificate"]["issuer"], sigstore::ISSUER);
    assert_eq!(rec["signer"]["tlog"][0]["kind"], "intoto 0.0.2", "{v}");
    assert_eq!(
        rec["envelope"].as_str(),
        Some(String::from_utf8(k.bundle.clone()).unwrap().as_str())
    );
    // Only the subject's record was stored.
    let r = e.vouch(&[
        "store",
        "get",
        "--db",
        &e.db,
        "--urn",
        "urn:vouch:path:manifests/other.json",
    ]);
    assert_ne!(r.code, 0, "{}", r.stdout);

    e.bundle_judged_again("manifests/app.json", urn);

    // Two stored bundles in one run: the trusted root, loaded and parsed at the first, judges
    // the second as well (valid under one policy, each refused under the other).
    let other = std::fs::read(e.repo().join("manifests/other.json")).unwrap();
    let k2 = sigstore::dsse_bundle(&other);
    assert_eq!(
        k2.root, k.root,
        "the forge is deterministic: one root for both"
    );
    std::fs::write(e.path("bundle2.json"), &k2.bundle).unwrap();
    let other_urn = "urn:vouch:path:manifests/other.json";
    let mut a = common::put_args(
        &e.db,
        other_urn,
        "manifests/other.json",
        Some("../bundle2.json"),
        "../keyless.json",
    );
    a.extend(["--format", "json"]);
    let r = e.vouch(&a);
    assert_eq!(r.code, 0, "{}", r.stdout);
    let (code, v) = e.gate_json("../keyless.json", "manifests/*.json");
    assert_eq!(code, 0, "{v}");
    assert_eq!(urns(&v, "valid"), [urn, other_urn]);
    let (code, v) = e.gate_json("../other.json", "manifests/*.json");
    assert_eq!(code, 1, "{v}");
    assert!(urns(&v, "valid").is_empty(), "{v}");
    assert_eq!(urns(&v, "invalid"), [urn, other_urn]);
    for i in 0..2 {
        assert_eq!(v["invalid"][i]["reason"], "identity-mismatch", "{v}");
    }
}

/// `vouch store put-bulk` with Sigstore bundles: the policy's trusted root is loaded and parsed
/// at the first bundle and serves the others; a bundle that does not sign its artifact is refused
/// with its own code; a policy without `trustedRoot` is the operator's error (exit 2) as for a
/// single put.
#[test]
fn bulk_puts_of_bundles_share_one_trusted_root() {
    let e = Repo::new(Backend::Sqlite);
    let (app, other) = e.keyless_setup();
    let (k1, k2) = (sigstore::dsse_bundle(&app), sigstore::dsse_bundle(&other));
    assert_eq!(
        k1.root, k2.root,
        "the forge is deterministic: one root for both"
    );
    std::fs::write(e.path("b1.json"), &k1.bundle).unwrap();
    std::fs::write(e.path("b2.json"), &k2.bundle).unwrap();
    e.work.write(
        "list.tsv",
        "urn:a\tmanifests/app.json\t../b1.json\n\
         urn:o\tmanifests/other.json\t../b2.json\n\
         urn:x\tmanifests/app.json\t../b2.json\n",
    );
    let bulk = |policy: &str| {
        e.vouch(&[
            "store",
            "put-bulk",
            "--db",
            &e.db,
            "--policy",
            policy,
            "--list",
            "../list.tsv",
            "--format",
            "json",
        ])
    };
    let r = bulk("../keyless.json");
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["stored"], 2, "{v}");
    assert_eq!(v["refused"], 1, "{v}");
    assert!(
        r.stderr.contains("urn:x") && r.stderr.contains("subject-mismatch"),
        "{}",
        r.stderr
    );
    for urn in ["urn:a", "urn:o"] {
        let g = e.vouch(&[
            "store", "get", "--db", &e.db, "--urn", urn, "--format", "json",
        ]);
        assert_eq!(g.code, 0, "{urn}: {}", g.stderr);
        let v: Value = serde_json::from_str(&g.stdout).unwrap();
        assert_eq!(v["record"]["verified"], true, "{v}");
        assert_eq!(
            v["record"]["signer"]["certificate"]["identity"],
            sigstore::IDENTITY
        );
    }
    let g = e.vouch(&["store", "get", "--db", &e.db, "--urn", "urn:x"]);
    assert_ne!(g.code, 0, "{}", g.stdout);

    // A policy of key issuers only cannot judge a bundle: exit 2, policy-invalid.
    e.policy("keys.json", "enforce", "");
    let r = bulk("../keys.json");
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["error"]["code"], "policy-invalid", "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("trustedRoot"),
        "{v}"
    );
}
