//! Snapshot tests (insta) of what each subcommand prints, in human form (stdout and stderr) and
//! with `--format json`, on its main success case and its main failure cases. Snapshots live in
//! `tests/snapshots/`; after an intended output change, review them with `cargo insta review` (or
//! rerun with `INSTA_UPDATE=always` and read the diff). In CI (`CI=true`) a missing or changed
//! snapshot fails.
//!
//! Outputs are made deterministic where the CLI allows: committed test-only keys
//! (`tests/fixtures/`), fixed statement timestamps (`--timestamp`), fixed `--at` times and git
//! commits with a fixed identity and dates (so commit hashes are stable). What cannot be fixed is
//! replaced by filters: the temporary directory, the time a record was stored (`recordedAt`), and
//! the fingerprint of a freshly generated key.

mod common;

use std::path::Path;

use common::{BUILDER, BUILT, COMMIT, Env, Run};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
/// Author and committer date of every test commit.
const COMMITTED: &str = "2026-01-02T03:04:05+00:00";
const MANIFEST_V1: &str = "{\"urn\": \"urn:example:app\", \"version\": 1}\n";
const MANIFEST_V2: &str = "{\"urn\": \"urn:example:app\", \"version\": 2}\n";

/// A work directory with the fixture keys (`ci`, `rogue`), an enforcing policy trusting `ci`
/// (`policy.json`), `artifact.bin` and `other.bin`, a statement for `artifact.bin`
/// (`statement.json`) signed by `ci` (`envelope.json`) and by `rogue` (`foreign.json`), and a
/// manifest (`manifest.json`) with registry provenance signed by `ci` (`manifest.dsse`) and by
/// `rogue` (`manifest.rogue.dsse`).
fn work() -> Env {
    let e = Env::new();
    for (fixture, name) in [("test-only-ci", "ci"), ("test-only-rogue", "rogue")] {
        for ext in ["key", "pub"] {
            std::fs::copy(
                Path::new(FIXTURES).join(format!("{fixture}.{ext}")),
                e.path(&format!("{name}.{ext}")),
            )
            .unwrap();
        }
    }
    e.policy("policy.json", "enforce", &[("ci", "ci.pub", "")], "");
    e.write("artifact.bin", "the artifact\n");
    e.write("other.bin", "something else\n");
    e.ok(&[
        "statement",
        "--subject",
        "artifact.bin",
        "--builder-id",
        BUILDER,
        "--commit",
        COMMIT,
        "--timestamp",
        BUILT,
        "--out",
        "statement.json",
    ]);
    e.sign(&["ci.key"], &["ci"], "statement.json", "envelope.json");
    e.sign(&["rogue.key"], &["rogue"], "statement.json", "foreign.json");
    e.write("manifest.json", MANIFEST_V1);
    registry_provenance(&e, ".", "manifest.json", "manifest");
    e.sign(
        &["rogue.key"],
        &["rogue"],
        "manifest.statement",
        "manifest.rogue.dsse",
    );
    e
}

/// Registry-format provenance for `artifact` (relative to `dir`), signed by `ci`, in
/// `{name}.statement` / `{name}.dsse` of the work directory.
fn registry_provenance(e: &Env, dir: &str, artifact: &str, name: &str) {
    let st = format!("{name}.statement");
    e.registry_statement(dir, artifact, &[], &st);
    e.sign(&["ci.key"], &["ci"], &st, &format!("{name}.dsse"));
}

/// [`work`] with `manifest.json` stored under `urn:example:app` in `store.db`.
fn stored() -> Env {
    let e = work();
    let put = e.put(
        "store.db",
        "urn:example:app",
        "manifest.json",
        Some("manifest.dsse"),
        "policy.json",
    );
    assert_eq!(put.code, 0, "{}", put.stderr);
    e
}

/// Git in the work directory's `repo/`, with fixed commit dates.
fn git(e: &Env, args: &[&str]) -> String {
    common::git(
        &e.path("repo"),
        args,
        &[
            ("GIT_AUTHOR_DATE", COMMITTED),
            ("GIT_COMMITTER_DATE", COMMITTED),
        ],
    )
}

/// [`work`] with a git repository `repo/` whose one commit adds `manifests/app.json`, recorded
/// in `store.db` with valid provenance.
fn gated() -> Env {
    let e = work();
    e.write("repo/manifests/app.json", MANIFEST_V1);
    git(&e, &["init", "-q"]);
    git(&e, &["add", "-A"]);
    git(&e, &["commit", "-q", "-m", "app 1"]);
    registry_provenance(&e, "repo", "manifests/app.json", "app");
    let args = common::put_args(
        "../store.db",
        "urn:example:app",
        "manifests/app.json",
        Some("../app.dsse"),
        "../policy.json",
    );
    let put = common::run_in(&e.path("repo"), &args, None, &[]);
    assert_eq!(put.code, 0, "{}", put.stderr);
    e
}

/// [`gated`] with a second commit that changes the manifest (no provenance for it).
fn gated_changed() -> Env {
    let e = gated();
    e.write("repo/manifests/app.json", MANIFEST_V2);
    git(&e, &["commit", "-q", "-a", "-m", "app 2"]);
    e
}

/// `vouch attest-verify` in `repo/`.
const GATE: &[&str] = &[
    "attest-verify",
    "--db",
    "../store.db",
    "--policy",
    "../policy.json",
    "--manifests",
    "manifests/**/*.json",
];

/// Compact JSON re-indented (two spaces, `": "`), members in the order printed.
fn reindent(json: &str) -> String {
    fn newline(out: &mut String, depth: usize) {
        out.push('\n');
        out.push_str(&"  ".repeat(depth));
    }
    let chars: Vec<char> = json.chars().collect();
    let (mut out, mut depth, mut in_str, mut esc) = (String::new(), 0, false, false);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        if in_str {
            out.push(c);
            if esc {
                esc = false;
            } else if c == '\\' {
                esc = true;
            } else if c == '"' {
                in_str = false;
            }
            continue;
        }
        match c {
            '"' => {
                in_str = true;
                out.push(c);
            }
            '{' | '[' => {
                out.push(c);
                let close = if c == '{' { '}' } else { ']' };
                if chars.get(i) == Some(&close) {
                    out.push(close);
                    i += 1;
                } else {
                    depth += 1;
                    newline(&mut out, depth);
                }
            }
            '}' | ']' => {
                depth -= 1;
                newline(&mut out, depth);
                out.push(c);
            }
            ',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            c if c.is_whitespace() => {}
            c => out.push(c),
        }
    }
    out
}

/// The snapshot text of one run: the command, the exit code and both streams. JSON on stdout
/// must be one JSON value; printed on one line it is shown re-indented (and said to be).
fn render(args: &[&str], r: &Run, json: bool) -> String {
    let mut s = format!("$ vouch {}\nexit: {}\n", args.join(" "), r.code);
    if json && !r.stdout.is_empty() {
        r.json();
        let body = r.stdout.strip_suffix('\n').unwrap_or(&r.stdout);
        if body.contains('\n') {
            s.push_str(&format!("--- stdout (JSON, as printed)\n{}", r.stdout));
        } else {
            s.push_str(&format!(
                "--- stdout (JSON on one line, re-indented here)\n{}\n",
                reindent(body)
            ));
        }
    } else {
        s.push_str(&format!("--- stdout\n{}", r.stdout));
    }
    s.push_str(&format!("--- stderr\n{}", r.stderr));
    s
}

/// Escapes `text` for a regular expression.
fn regex_escape(text: &str) -> String {
    let mut s = String::new();
    for c in text.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            s.push('\\');
        }
        s.push(c);
    }
    s
}

/// Runs `vouch args` in `dir` (relative to the work directory) of a fresh `setup()`, once as
/// is and once with `--format json` (again in a fresh `setup()`), and checks both against the
/// snapshots `{name}__human` and `{name}__json`. `filters` are added to the common ones.
fn check_in(name: &str, setup: fn() -> Env, dir: &str, args: &[&str], filters: &[(&str, &str)]) {
    for json in [false, true] {
        let e = setup();
        let mut a = args.to_vec();
        if json {
            a.extend(["--format", "json"]);
        }
        let r = common::run_in(
            &e.path(dir),
            &a,
            None,
            &[(
                "GIT_CEILING_DIRECTORIES",
                e.dir.path().to_str().expect("UTF-8 temporary directory"),
            )],
        );
        let text = render(&a, &r, json);
        let mut settings = insta::Settings::clone_current();
        settings.set_prepend_module_to_snapshot(false);
        settings.add_filter(&regex_escape(&e.dir.path().display().to_string()), "[TMP]");
        // The time a record was stored: JSON, `store get` and `store history`.
        settings.add_filter(
            r#""recordedAt": "[^"]*""#,
            r#""recordedAt": "[RECORDED_AT]""#,
        );
        settings.add_filter(r"(?m)^(  recorded +)\S+$", "${1}[RECORDED_AT]");
        settings.add_filter(
            r"(?m)^  \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ  sha256:",
            "  [RECORDED_AT]  sha256:",
        );
        for (re, with) in filters {
            settings.add_filter(re, *with);
        }
        let snap = format!("{name}__{}", if json { "json" } else { "human" });
        settings.bind(|| insta::assert_snapshot!(snap, text));
    }
}

/// [`check_in`] in the work directory itself.
fn check(name: &str, setup: fn() -> Env, args: &[&str]) {
    check_in(name, setup, ".", args, &[]);
}

// keygen

#[test]
fn keygen_writes_a_key_pair() {
    // A new key every time: its fingerprint is filtered.
    check_in(
        "keygen__written",
        work,
        ".",
        &["keygen", "--algorithm", "ed25519", "--out", "new"],
        &[("sha256:[0-9a-f]{64}", "sha256:[FINGERPRINT]")],
    );
}

#[test]
fn keygen_refuses_to_overwrite() {
    check(
        "keygen__exists",
        work,
        &["keygen", "--algorithm", "ed25519", "--out", "ci"],
    );
}

// statement

const STATEMENT: &[&str] = &[
    "statement",
    "--subject",
    "artifact.bin",
    "--builder-id",
    "https://ci.example/builder",
    "--commit",
    "0123abcd",
    "--timestamp",
    BUILT,
];

#[test]
fn statement_to_a_file() {
    let mut a = STATEMENT.to_vec();
    a.extend(["--out", "new.statement"]);
    check("statement__out", work, &a);
}

#[test]
fn statement_to_stdout() {
    check("statement__stdout", work, STATEMENT);
}

#[test]
fn statement_registry_needs_a_commit() {
    check(
        "statement__registry_without_commit",
        work,
        &[
            "statement",
            "--subject",
            "manifest.json",
            "--builder-id",
            "https://ci.example/builder",
            "--statement-format",
            "registry",
        ],
    );
}

#[test]
fn statement_of_a_missing_subject() {
    check(
        "statement__missing_subject",
        work,
        &[
            "statement",
            "--subject",
            "missing.bin",
            "--builder-id",
            "https://ci.example/builder",
            "--out",
            "new.statement",
        ],
    );
}

// sign

#[test]
fn sign_to_a_file() {
    check(
        "sign__out",
        work,
        &[
            "sign",
            "--key",
            "ci.key",
            "--keyid",
            "ci",
            "statement.json",
            "--out",
            "new.dsse",
        ],
    );
}

#[test]
fn sign_with_a_public_key() {
    check(
        "sign__public_key",
        work,
        &[
            "sign",
            "--key",
            "ci.pub",
            "statement.json",
            "--out",
            "new.dsse",
        ],
    );
}

// verify

#[test]
fn verify_verified() {
    check(
        "verify__verified",
        work,
        &[
            "verify",
            "envelope.json",
            "--key",
            "ci.pub",
            "--artifact",
            "artifact.bin",
        ],
    );
}

#[test]
fn verify_subject_mismatch() {
    check(
        "verify__subject_mismatch",
        work,
        &[
            "verify",
            "envelope.json",
            "--key",
            "ci.pub",
            "--artifact",
            "other.bin",
        ],
    );
}

#[test]
fn verify_invalid_signature() {
    check(
        "verify__invalid_signature",
        work,
        &["verify", "foreign.json", "--key", "ci.pub"],
    );
}

#[test]
fn verify_usage_error_no_trusted_key() {
    check("verify__usage_no_key", work, &["verify", "envelope.json"]);
}

#[test]
fn verify_usage_error_unknown_flag() {
    check(
        "verify__usage_unknown_flag",
        work,
        &[
            "verify",
            "envelope.json",
            "--key",
            "ci.pub",
            "--no-such-flag",
        ],
    );
}

#[test]
fn verify_several_envelopes() {
    check(
        "verify__several",
        work,
        &[
            "verify",
            "envelope.json",
            "foreign.json",
            "--policy",
            "policy.json",
        ],
    );
}

// policy check

#[test]
fn policy_check_valid() {
    check(
        "policy_check__valid",
        work,
        &["policy", "check", "policy.json", "--at", BUILT],
    );
}

#[test]
fn policy_check_invalid() {
    fn bad() -> Env {
        let e = work();
        e.write(
            "bad.json",
            "{\"mode\": \"enforce\", \"allowedIssuers\": [\n  {\"keyId\": \"ci\", \"publicKey\": \"xyz\"}]}\n",
        );
        e
    }
    check(
        "policy_check__invalid",
        bad,
        &["policy", "check", "bad.json"],
    );
}

// store put

/// `vouch store put` of `manifest.json` under the work directory's policy.
fn put(envelope: Option<&str>) -> Vec<&str> {
    common::put_args(
        "store.db",
        "urn:example:app",
        "manifest.json",
        envelope,
        "policy.json",
    )
}

#[test]
fn store_put_stored() {
    check("store_put__stored", work, &put(Some("manifest.dsse")));
}

#[test]
fn store_put_refused_missing_provenance() {
    check("store_put__missing_provenance", work, &put(None));
}

#[test]
fn store_put_refused_invalid_provenance() {
    // The manifest's provenance, signed by a key the policy does not trust.
    check(
        "store_put__invalid_provenance",
        work,
        &put(Some("manifest.rogue.dsse")),
    );
}

// store get / history

#[test]
fn store_get_found() {
    check(
        "store_get__found",
        stored,
        &[
            "store",
            "get",
            "--db",
            "store.db",
            "--urn",
            "urn:example:app",
        ],
    );
}

#[test]
fn store_get_not_found() {
    check(
        "store_get__not_found",
        stored,
        &[
            "store",
            "get",
            "--db",
            "store.db",
            "--urn",
            "urn:example:none",
        ],
    );
}

#[test]
fn store_history_found() {
    check(
        "store_history__found",
        stored,
        &[
            "store",
            "history",
            "--db",
            "store.db",
            "--urn",
            "urn:example:app",
        ],
    );
}

#[test]
fn store_history_not_found() {
    check(
        "store_history__not_found",
        stored,
        &[
            "store",
            "history",
            "--db",
            "store.db",
            "--urn",
            "urn:example:none",
        ],
    );
}

// attest-verify

#[test]
fn attest_verify_passed() {
    check_in("attest_verify__passed", gated, "repo", GATE, &[]);
}

#[test]
fn attest_verify_blocked() {
    check_in("attest_verify__blocked", gated_changed, "repo", GATE, &[]);
}
