//! `vouch attest-verify`: the release gate.
//!
//! 1. The files changed between `--since` (default `HEAD~1`) and the working tree, from
//!    `git diff --name-only --no-renames`, filtered by the `--manifests` globs (all changed files
//!    when none is given). A rename counts as the new path; deleted files are skipped (listed under
//!    `deleted` in the report).
//! 2. Each file's URN: the top-level `"urn"` string of a JSON object, else
//!    `urn:vouch:path:<repo-relative path>`.
//! 3. The store's record for that URN at the SHA-256 of the file as it is now; none is `missing`.
//! 4. The record's envelope is verified again against the policy (keys may have been revoked since)
//!    and the file; a failure is `invalid` with the reason code.
//!
//! Exit codes: 0 every changed manifest has valid provenance; 1 some are missing or invalid;
//! 2 fatal (no git repository, bad ref, unreadable store, bad policy).

use std::path::{Path, PathBuf};
use std::process::Command;

use clap::Args;
use serde::Serialize;
use serde_json::json;

use crate::error::{CliError, EXIT_NOT_VERIFIED, EXIT_OK};
use crate::log::Log;
use crate::policy::Policy;
use crate::store::{OpenMode, Store, manifest_urn};
use crate::util::{hash_file, hex, parse_time};
use crate::verify;

/// The prefix of a path-derived URN.
pub const PATH_URN_PREFIX: &str = "urn:vouch:path:";

/// `vouch attest-verify` arguments.
#[derive(Args, Debug)]
pub struct AttestVerifyArgs {
    /// The attestation store.
    #[arg(long)]
    db: PathBuf,
    /// The policy the recorded envelopes must still satisfy.
    #[arg(long)]
    policy: PathBuf,
    /// Check files changed since this git revision (default: the previous commit; in a repository
    /// with a single commit, every file).
    #[arg(long)]
    since: Option<String>,
    /// Glob of manifest paths, relative to the repository root (repeatable; `*` stays within a
    /// directory, `**` crosses them). Default: every changed file.
    #[arg(long = "manifests")]
    manifests: Vec<String>,
    /// Write the JSON report here.
    #[arg(long)]
    output: Option<PathBuf>,
    /// Verify as of this time (RFC 3339) instead of now.
    #[arg(long)]
    at: Option<String>,
    /// Show each step on stderr (also VOUCH_LOG=debug).
    #[arg(short, long)]
    verbose: bool,
}

/// A manifest with valid provenance, or with none.
#[derive(Clone, Debug, Serialize)]
pub struct Entry {
    /// Its URN.
    pub urn: String,
    /// Its repository-relative path.
    pub path: String,
    /// SHA-256 of the file now (hex).
    pub digest: String,
    /// Why it is missing (absent for valid entries).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// A manifest whose recorded provenance no longer verifies.
#[derive(Clone, Debug, Serialize)]
pub struct Invalid {
    /// Its URN.
    pub urn: String,
    /// The reason code (a vouch-core or policy code, e.g. `key-revoked`).
    pub reason: String,
    /// Human explanation.
    pub message: String,
    /// Its repository-relative path.
    pub path: String,
    /// SHA-256 of the file now (hex).
    pub digest: String,
}

/// The gate's report (the `--output` JSON).
#[derive(Clone, Debug, Serialize)]
pub struct GateReport {
    /// The `--since` revision as given.
    pub since: String,
    /// The commit it resolved to.
    #[serde(rename = "sinceCommit")]
    pub since_commit: String,
    /// How many changed manifests were checked.
    pub checked: usize,
    /// Manifests with valid provenance.
    pub valid: Vec<Entry>,
    /// Manifests with no record at their current digest.
    pub missing: Vec<Entry>,
    /// Manifests whose record no longer verifies.
    pub invalid: Vec<Invalid>,
    /// Changed manifest paths that no longer exist (not checked).
    pub deleted: Vec<String>,
    /// Whether `sinceCommit` is the empty tree (the default `HEAD~1` in a single-commit history).
    #[serde(skip)]
    pub empty_tree: bool,
}

fn git(dir: &Path, args: &[&str], log: &Log) -> Result<std::process::Output, CliError> {
    log.debug(format_args!("git {}", args.join(" ")));
    Command::new("git")
        .current_dir(dir)
        .args(args)
        .output()
        .map_err(|e| CliError::usage("git-error", format!("cannot run git: {e}")))
}

fn stdout_line(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

fn stderr_line(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr)
        .lines()
        .next()
        .unwrap_or("")
        .to_string()
}

/// The path-derived URN of a repository-relative path.
pub fn path_urn(path: &str) -> String {
    format!("{PATH_URN_PREFIX}{path}")
}

/// Runs the gate; returns the exit status.
pub fn run(a: AttestVerifyArgs, json_out: bool) -> u8 {
    match gate(&a, json_out) {
        Ok(code) => code,
        Err(e) => {
            if json_out {
                let v = json!({"ok": false, "error": {"code": e.code, "message": e.message}});
                println!("{v}");
            } else {
                eprintln!("vouch: {}: {}", e.code, e.message);
            }
            e.exit
        }
    }
}

fn gate(a: &AttestVerifyArgs, json_out: bool) -> Result<u8, CliError> {
    let log = Log::new(a.verbose);
    let at =
        a.at.as_deref()
            .map(|s| parse_time(s).map_err(|e| CliError::usage("usage", format!("--at: {e}"))))
            .transpose()?;
    let policy = Policy::load(&a.policy)?;
    log.debug(format_args!(
        "policy {}: {} issuer(s), threshold {}",
        a.policy.display(),
        policy.issuers.len(),
        policy.threshold
    ));
    let opts = glob::MatchOptions {
        case_sensitive: true,
        require_literal_separator: true,
        require_literal_leading_dot: false,
    };
    let globs = a
        .manifests
        .iter()
        .map(|g| {
            glob::Pattern::new(g)
                .map_err(|e| CliError::usage("usage", format!("--manifests {g:?}: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;

    let cwd = std::env::current_dir()
        .map_err(|e| CliError::usage("io-error", format!("current directory: {e}")))?;
    let top = git(&cwd, &["rev-parse", "--show-toplevel"], &log)?;
    if !top.status.success() {
        return Err(CliError::usage(
            "not-a-git-repo",
            format!("{}: {}", cwd.display(), stderr_line(&top)),
        ));
    }
    let root = PathBuf::from(stdout_line(&top));
    log.debug(format_args!("repository {}", root.display()));

    let since = a.since.clone().unwrap_or_else(|| "HEAD~1".into());
    let rev = git(
        &root,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{since}^{{commit}}"),
        ],
        &log,
    )?;
    let empty_tree = !rev.status.success() && a.since.is_none();
    let since_commit = if rev.status.success() {
        stdout_line(&rev)
    } else if a.since.is_none() {
        // A single commit: compare with the empty tree, so every file counts as added.
        let empty = git(&root, &["hash-object", "-t", "tree", "/dev/null"], &log)?;
        if !empty.status.success() {
            return Err(CliError::usage("git-error", stderr_line(&empty)));
        }
        log.debug(format_args!(
            "no previous commit: comparing with the empty tree"
        ));
        stdout_line(&empty)
    } else {
        return Err(CliError::usage(
            "bad-ref",
            format!("--since {since:?} is not a commit in {}", root.display()),
        ));
    };
    log.debug(format_args!("since {since} = {since_commit}"));

    let diff = git(
        &root,
        &[
            "diff",
            "--name-only",
            "-z",
            "--no-renames",
            &since_commit,
            "--",
        ],
        &log,
    )?;
    if !diff.status.success() {
        return Err(CliError::usage("git-error", stderr_line(&diff)));
    }
    let changed: Vec<String> = diff
        .stdout
        .split(|&b| b == 0)
        .filter(|p| !p.is_empty())
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect();
    log.debug(format_args!("{} changed file(s)", changed.len()));

    let store = Store::open(&a.db, OpenMode::Read)?;
    log.debug(format_args!("store {}: open", a.db.display()));

    let mut report = GateReport {
        since: since.clone(),
        since_commit,
        checked: 0,
        valid: Vec::new(),
        missing: Vec::new(),
        invalid: Vec::new(),
        deleted: Vec::new(),
        empty_tree,
    };
    for path in changed {
        if !globs.is_empty() && !globs.iter().any(|g| g.matches_with(&path, opts)) {
            log.debug(format_args!(
                "{path}: not a manifest (no --manifests glob matches)"
            ));
            continue;
        }
        let full = root.join(&path);
        if !full.is_file() {
            log.debug(format_args!("{path}: deleted; skipped"));
            report.deleted.push(path);
            continue;
        }
        report.checked += 1;
        let bytes = std::fs::read(&full).map_err(|e| CliError::io(&full, &e))?;
        let urn = manifest_urn(&bytes).unwrap_or_else(|| path_urn(&path));
        let digest = hash_file(&full)?;
        let sha256 = hex(&digest.sha256.unwrap_or_default());
        log.debug(format_args!("{path}: urn {urn}, sha256 {sha256}"));
        let entry = |message: Option<String>| Entry {
            urn: urn.clone(),
            path: path.clone(),
            digest: sha256.clone(),
            message,
        };
        let record = match store.find(&urn, &sha256)? {
            Some(r) if !r.envelope.is_empty() => r,
            Some(_) => {
                log.debug(format_args!("{path}: recorded without provenance"));
                report.missing.push(entry(Some(
                    "recorded without provenance (permissive put)".into(),
                )));
                continue;
            }
            None => {
                let others = store.history(&urn)?.len();
                let msg = if others == 0 {
                    format!("no record for {urn}")
                } else {
                    format!(
                        "no record at sha256:{sha256}; the store has {others} record(s) for {urn} at other digests (changed since its provenance was recorded)"
                    )
                };
                log.debug(format_args!("{path}: missing: {msg}"));
                report.missing.push(entry(Some(msg)));
                continue;
            }
        };
        let req = verify::Request {
            policy: Some(&policy),
            artifacts: vec![verify::Artifact {
                name: path.clone(),
                digest,
            }],
            at,
            ..verify::Request::default()
        };
        let r = verify::verify(&record.envelope, &req)?;
        match r.error {
            None => {
                log.debug(format_args!("{path}: valid (keys {})", r.keys.join(", ")));
                report.valid.push(entry(None));
            }
            Some(e) => {
                log.debug(format_args!("{path}: invalid: {}: {}", e.code, e.message));
                report.invalid.push(Invalid {
                    urn: urn.clone(),
                    reason: e.code,
                    message: e.message,
                    path: path.clone(),
                    digest: sha256.clone(),
                });
            }
        }
    }

    let text = serde_json::to_string_pretty(&report).unwrap_or_default() + "\n";
    if let Some(out) = &a.output {
        std::fs::write(out, &text).map_err(|e| CliError::io(out, &e))?;
        log.debug(format_args!("report written to {}", out.display()));
    }
    let pass = report.missing.is_empty() && report.invalid.is_empty();
    if json_out {
        print!("{text}");
    } else {
        print_summary(&report, pass);
    }
    Ok(if pass { EXIT_OK } else { EXIT_NOT_VERIFIED })
}

fn print_summary(r: &GateReport, pass: bool) {
    let short = if r.empty_tree {
        "no previous commit: every file is new"
    } else {
        r.since_commit.get(..12).unwrap_or(&r.since_commit)
    };
    println!(
        "attest-verify: {} changed manifest(s) since {} ({short}): {} valid, {} missing, {} invalid",
        r.checked,
        r.since,
        r.valid.len(),
        r.missing.len(),
        r.invalid.len()
    );
    for e in &r.valid {
        println!("  valid    {}  ({})", e.urn, e.path);
    }
    for e in &r.missing {
        println!(
            "  MISSING  {}  ({}): {}",
            e.urn,
            e.path,
            e.message.as_deref().unwrap_or("")
        );
    }
    for e in &r.invalid {
        println!(
            "  INVALID  {}  ({}): {}: {}",
            e.urn, e.path, e.reason, e.message
        );
    }
    for d in &r.deleted {
        println!("  deleted  {d} (skipped)");
    }
    println!("release gate: {}", if pass { "PASSED" } else { "BLOCKED" });
}
