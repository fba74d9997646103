//! The harness the CLI tests share (`mod common;` in each test file): running the built `vouch`
//! binary, a temporary work directory with the file, key, statement, signing and policy helpers
//! every suite needs, and git with a fixed identity. Helpers only one suite uses stay in its file
//! (as an `impl Env` block of its own, or as free functions).

// Each test file uses its own subset of the harness.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

pub mod pg;

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_vouch");

/// One finished run of the binary.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Stdout parsed as exactly one JSON value (panics with both streams otherwise).
    pub fn json(&self) -> Value {
        serde_json::from_str(self.stdout.trim()).unwrap_or_else(|e| {
            panic!(
                "not one JSON object ({e}): {:?} / {:?}",
                self.stdout, self.stderr
            )
        })
    }
}

/// `vouch args` in `dir`, not started yet: `VOUCH_LOG` unset, standard input empty and closed,
/// stdout and stderr piped. [`run_in`] runs it to the end; a test that needs the process while it
/// runs (a server, concurrent writers) spawns it.
pub fn command(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.current_dir(dir)
        .args(args)
        .env_remove("VOUCH_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// Runs `vouch args` in `dir` ([`command`]) with `envs` added and `stdin` as standard input
/// (none: standard input is empty and closed).
pub fn run_in(dir: &Path, args: &[&str], stdin: Option<&[u8]>, envs: &[(&str, &str)]) -> Run {
    let mut cmd = command(dir, args);
    if stdin.is_some() {
        cmd.stdin(Stdio::piped());
    }
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("spawn vouch");
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input).unwrap();
    }
    let out = child.wait_with_output().expect("run vouch");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into(),
        stderr: String::from_utf8_lossy(&out.stderr).into(),
    }
}

/// The arguments of `vouch store put` (`envelope` none: a put without provenance).
pub fn put_args<'a>(
    db: &'a str,
    urn: &'a str,
    artifact: &'a str,
    envelope: Option<&'a str>,
    policy: &'a str,
) -> Vec<&'a str> {
    let mut a = vec![
        "store",
        "put",
        "--db",
        db,
        "--urn",
        urn,
        "--artifact",
        artifact,
        "--policy",
        policy,
    ];
    if let Some(env) = envelope {
        a.extend(["--envelope", env]);
    }
    a
}

/// The builder id of the test Statements.
pub const BUILDER: &str = "https://ci.example/builder";
/// The commit the test Statements name.
pub const COMMIT: &str = "0123abcd";
/// When the builds of the test Statements finished.
pub const BUILT: &str = "2026-01-02T03:04:05Z";

/// SHA-256 of `data` in lowercase hex.
pub fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The git identity of test commits.
pub const GIT_NAME: &str = "vouch test";
/// The git e-mail of test commits.
pub const GIT_EMAIL: &str = "test@vouch.invalid";

/// Runs `git args` in `dir` with a fixed identity, no system or global configuration, no
/// signing, `main` as the default branch and `envs` added; it must succeed. Returns its trimmed
/// stdout.
pub fn git(dir: &Path, args: &[&str], envs: &[(&str, &str)]) -> String {
    let mut cmd = Command::new("git");
    cmd.current_dir(dir)
        .args([
            "-c",
            &format!("user.name={GIT_NAME}"),
            "-c",
            &format!("user.email={GIT_EMAIL}"),
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A temporary work directory; `vouch` runs in it and file names are relative to it.
pub struct Env {
    pub dir: tempfile::TempDir,
}

impl Env {
    pub fn new() -> Self {
        Env {
            dir: tempfile::tempdir().unwrap(),
        }
    }
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    pub fn run(&self, args: &[&str]) -> Run {
        run_in(self.dir.path(), args, None, &[])
    }
    /// Runs with `stdin` as standard input.
    pub fn run_stdin(&self, args: &[&str], stdin: &[u8]) -> Run {
        run_in(self.dir.path(), args, Some(stdin), &[])
    }
    /// Runs; the exit code must be 0.
    pub fn ok(&self, args: &[&str]) -> Run {
        let r = self.run(args);
        assert_eq!(r.code, 0, "{args:?}: {} / {}", r.stdout, r.stderr);
        r
    }
    /// Runs with `--format json`; stdout must be exactly one JSON object. Returns the exit code,
    /// that object and stderr.
    pub fn json(&self, args: &[&str]) -> (i32, Value, String) {
        let mut a = args.to_vec();
        a.extend(["--format", "json"]);
        let r = self.run(&a);
        let v = r.json();
        (r.code, v, r.stderr)
    }
    /// Runs with `--format json` a command that must fail: exit code `exit`, `"ok": false` and
    /// the error code `code`. Returns the JSON object.
    pub fn fails(&self, args: &[&str], exit: i32, code: &str) -> Value {
        let (c, v, stderr) = self.json(args);
        assert_eq!(
            (c, v["error"]["code"].as_str()),
            (exit, Some(code)),
            "{args:?}: {v} / {stderr}"
        );
        assert_eq!(v["ok"], false, "{args:?}: {v}");
        v
    }
    /// Writes `data` to `name`, creating missing parent directories.
    pub fn write(&self, name: &str, data: &str) {
        let p = self.path(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, data).unwrap();
    }
    pub fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name)).unwrap()
    }
    /// `vouch keygen` into `prefix.key` / `prefix.pub`; returns the labelled fingerprint.
    pub fn keygen(&self, alg: &str, prefix: &str) -> String {
        let r = self.ok(&["keygen", "--algorithm", alg, "--out", prefix]);
        let line = r.stdout.trim();
        line.strip_prefix("fingerprint ")
            .unwrap_or_else(|| panic!("unlabelled fingerprint: {line:?}"))
            .to_string()
    }
    /// `vouch sign` of `statement` into `out` with each of `keys`, recording `keyids` (in order,
    /// at most one per key); it must succeed.
    pub fn sign(&self, keys: &[&str], keyids: &[&str], statement: &str, out: &str) {
        let mut args = vec!["sign"];
        for k in keys {
            args.extend(["--key", k]);
        }
        for id in keyids {
            args.extend(["--keyid", id]);
        }
        args.extend([statement, "--out", out]);
        self.ok(&args);
    }
    /// `vouch store put` ([`put_args`]).
    pub fn put(
        &self,
        db: &str,
        urn: &str,
        artifact: &str,
        envelope: Option<&str>,
        policy: &str,
    ) -> Run {
        self.run(&put_args(db, urn, artifact, envelope, policy))
    }
    /// `vouch store put --format json` ([`put_args`]): exit code, the JSON object, stderr.
    pub fn put_json(
        &self,
        db: &str,
        urn: &str,
        artifact: &str,
        envelope: Option<&str>,
        policy: &str,
    ) -> (i32, Value, String) {
        self.json(&put_args(db, urn, artifact, envelope, policy))
    }
    /// A registry-format Statement for `artifact` (a path relative to `dir`, a directory of the
    /// work directory: `"."` for itself) by [`BUILDER`] at [`COMMIT`], finished at [`BUILT`], with
    /// `materials` (`URI@ALG:HEX`), written to `out` in the work directory.
    pub fn registry_statement(&self, dir: &str, artifact: &str, materials: &[&str], out: &str) {
        let out = self.path(out);
        let mut args = vec![
            "statement",
            "--subject",
            artifact,
            "--builder-id",
            BUILDER,
            "--commit",
            COMMIT,
            "--statement-format",
            "registry",
            "--timestamp",
            BUILT,
            "--out",
            out.to_str().expect("UTF-8 temporary directory"),
        ];
        for m in materials {
            args.extend(["--material", m]);
        }
        let r = run_in(&self.path(dir), &args, None, &[]);
        assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
    }
    /// Writes a policy file: `mode`, then `extra` (more top-level members, each starting with
    /// `, `), then the issuers `(keyId, public key file, more members of the issuer)`.
    pub fn policy(&self, name: &str, mode: &str, issuers: &[(&str, &str, &str)], extra: &str) {
        let list: Vec<String> = issuers
            .iter()
            .map(|(id, pubfile, more)| {
                let pem = serde_json::to_string(&self.read(pubfile)).unwrap();
                format!("{{\"keyId\": \"{id}\", \"publicKey\": {pem}{more}}}")
            })
            .collect();
        self.write(
            name,
            &format!(
                "{{\"mode\": \"{mode}\"{extra}, \"allowedIssuers\": [{}]}}",
                list.join(",\n")
            ),
        );
    }
    /// Copies the real Sigstore case [`KEYLESS_CASE`] into the work directory: its artifact
    /// (`artifact.bin`), its message-signature bundle (`bundle.json`) and its trusted root
    /// (`root.json`).
    pub fn keyless_files(&self) {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let case = repo.join("tests/vectors/sigstore/cases").join(KEYLESS_CASE);
        std::fs::copy(case.join("artifact"), self.path("artifact.bin")).unwrap();
        std::fs::copy(case.join("bundle.sigstore.json"), self.path("bundle.json")).unwrap();
        std::fs::copy(
            repo.join("tests/vectors/sigstore/trusted_roots/staging-sigstore-python.json"),
            self.path("root.json"),
        )
        .unwrap();
    }
    /// Writes a keyless policy `name` in `mode` trusting `identity` from [`KEYLESS_ISSUER`], with
    /// the trusted root `root.json` ([`Env::keyless_files`]).
    pub fn keyless_policy(&self, name: &str, mode: &str, identity: &str) {
        self.write(
            name,
            &format!(
                "{{\"mode\": \"{mode}\", \"trustedRoot\": \"root.json\", \"allowedIssuers\": [{{\"keyId\": \"william\", \"certificateIdentity\": \"{identity}\", \"certificateOidcIssuer\": \"{KEYLESS_ISSUER}\"}}]}}"
            ),
        );
    }
}

/// The real Sigstore case whose message-signature bundle the keyless store and service tests
/// put ([`Env::keyless_files`]): sigstore-python's v0.3 staging bundle.
pub const KEYLESS_CASE: &str = "py--bundle-v03-staging";
/// The signer identity of [`KEYLESS_CASE`].
pub const KEYLESS_IDENTITY: &str = "william@yossarian.net";
/// The OIDC issuer of [`KEYLESS_CASE`]'s signer.
pub const KEYLESS_ISSUER: &str = "https://github.com/login/oauth";
