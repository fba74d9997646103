//! `vouch`: offline verification, signing and policy enforcement for DSSE / in-toto attestations.

mod error;
mod gate;
mod keys;
mod log;
mod policy;
mod statement_cmd;
mod store;
mod util;
mod verify;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use serde_json::json;

use error::{CliError, EXIT_NOT_VERIFIED, EXIT_OK, EXIT_USAGE};
use policy::Policy;
use util::{fingerprint_label, format_time, hash_file, parse_time, read_envelope, read_input};

/// Verify, sign and gate on DSSE / in-toto attestations, fully offline.
#[derive(Parser, Debug)]
#[command(
    name = "vouch",
    version,
    about,
    after_help = concat!(
        "Example:\n  vouch verify examples/hello/envelope.json --policy examples/hello/policy.json \\\n",
        "      --artifact examples/hello/hello.txt\n\n",
        "Exit codes: 0 verified / done; 1 not verified; 2 usage or environment error."
    )
)]
struct Cli {
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = Format::Human)]
    format: Format,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    Human,
    Json,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Generate a key pair: PREFIX.key (PKCS#8 PEM, mode 0600) and PREFIX.pub (SPKI PEM).
    #[command(after_help = "Example:\n  vouch keygen --algorithm ecdsa-p256 --out release")]
    Keygen(KeygenArgs),
    /// Sign a payload into a DSSE envelope (several --key make a multi-signature envelope).
    #[command(
        after_help = "Example:\n  vouch sign --key release.key --keyid release statement.json --out envelope.json"
    )]
    Sign(SignArgs),
    /// Write an in-toto Statement (SLSA provenance v1, or the registry format) for files.
    #[command(
        after_help = "Example:\n  vouch statement --subject app.tar.gz --builder-id https://ci.example.com/builder \\\n      --commit 1a2b3c4d --material git+https://example.com/app@sha1:1a2b3c4d"
    )]
    Statement(StatementArgs),
    /// Verify an envelope against keys and/or a policy, and its statement against artifacts.
    #[command(after_help = concat!(
        "Example:\n  vouch verify envelope.json --policy policy.json --artifact app.tar.gz --format json\n\n",
        "Exit codes: 0 verified; 1 not verified (signature, policy or statement failure, malformed envelope);\n",
        "2 usage or environment error (missing file, malformed key or policy file, bad flags)."
    ))]
    Verify(VerifyArgs),
    /// Policy file tools.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// The attestation store: record verified provenance per manifest URN and digest.
    #[command(subcommand)]
    Store(store::StoreCommand),
    /// Release gate: every manifest changed in git must have valid provenance in the store.
    #[command(after_help = concat!(
        "Example:\n  vouch attest-verify --db store.db --policy policy.json --since origin/main \\\n",
        "      --manifests 'manifests/**/*.json' --output report.json\n\n",
        "Judges the content committed at --rev (default HEAD), read from git: never the working\n",
        "tree. Paths changed between --since (default: the parent of --rev) and --rev are checked.\n",
        "A manifest's URN is its top-level \"urn\" (JSON), else urn:vouch:path:<repo-relative path>.\n",
        "Paths absent at --rev are deleted (skipped). BLOCKED, never skipped: a changed path that\n",
        "is not a regular file (symbolic link, submodule, directory: not-a-regular-file) or not\n",
        "UTF-8 (non-utf8-path, shown as \\xNN), and a JSON manifest whose urn cannot be trusted\n",
        "(invalid-manifest-urn, duplicate-manifest-urn, manifest-too-deep, manifest-too-large,\n",
        "unsupported-manifest-json). --output may not be the store or the policy.\n",
        "-v or VOUCH_LOG=debug shows each step on stderr.\n\n",
        "Exit codes: 0 every changed manifest has valid provenance; 1 some are missing, invalid or\n",
        "blocked; 2 fatal (no git repository, bad ref, git failure, unreadable store, bad policy,\n",
        "bad flags)."
    ))]
    AttestVerify(gate::AttestVerifyArgs),
}

#[derive(Subcommand, Debug)]
enum PolicyCommand {
    /// Validate a policy file and list its keys, fingerprints, windows and status.
    #[command(after_help = "Example:\n  vouch policy check policy.json --at 2026-01-01T00:00:00Z")]
    Check {
        /// The policy file.
        file: PathBuf,
        /// Report key status at this time (RFC 3339) instead of now.
        #[arg(long)]
        at: Option<String>,
    },
}

#[derive(Args, Debug)]
struct KeygenArgs {
    /// Key algorithm.
    #[arg(long, value_enum)]
    algorithm: keys::KeygenAlgorithm,
    /// Output prefix: writes PREFIX.key and PREFIX.pub.
    #[arg(long)]
    out: PathBuf,
    /// Overwrite existing files.
    #[arg(long)]
    force: bool,
}

#[derive(Args, Debug)]
struct SignArgs {
    /// Private key file (PKCS#8 PEM or DER); repeat for more signatures.
    #[arg(long = "key", required = true)]
    keys: Vec<PathBuf>,
    /// keyid to record, one per --key in order (default: none).
    #[arg(long = "keyid")]
    keyids: Vec<String>,
    /// The payloadType.
    #[arg(long, default_value = verify::IN_TOTO)]
    payload_type: String,
    /// Write the envelope here instead of stdout.
    #[arg(long)]
    out: Option<PathBuf>,
    /// The payload file, or - for stdin.
    payload: PathBuf,
}

#[derive(Args, Debug)]
struct StatementArgs {
    /// A file to name as a subject (repeatable).
    #[arg(long = "subject", required = true)]
    subjects: Vec<PathBuf>,
    /// The builder id.
    #[arg(long)]
    builder_id: String,
    /// The predicateType (SLSA format).
    #[arg(long, default_value = vouch_core::statement::SLSA_PROVENANCE_V1)]
    predicate_type: String,
    /// The source commit.
    #[arg(long)]
    commit: Option<String>,
    /// A material: URI or URI@ALG:HEX (repeatable).
    #[arg(long = "material", value_parser = statement_cmd::parse_material)]
    materials: Vec<statement_cmd::Material>,
    /// Also record sha512 digests.
    #[arg(long)]
    sha512: bool,
    /// Statement format.
    #[arg(long = "statement-format", value_enum, default_value_t = statement_cmd::StatementFormat::Slsa)]
    statement_format: statement_cmd::StatementFormat,
    /// buildType to record.
    #[arg(long, default_value = "https://vouch.dev/build/generic/v1")]
    build_type: String,
    /// Timestamp to record (RFC 3339; default now).
    #[arg(long)]
    timestamp: Option<String>,
    /// Write here instead of stdout.
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Args, Debug)]
struct VerifyArgs {
    /// The envelope file, or - for stdin. Several envelopes are verified in parallel over the
    /// cores, each against the same keys, policy and artifacts.
    #[arg(required = true, num_args = 1..)]
    envelopes: Vec<PathBuf>,
    /// A trusted public key file (SPKI PEM/DER, raw Ed25519, SEC1 P-256); repeatable.
    #[arg(long = "key")]
    keys: Vec<PathBuf>,
    /// A policy file.
    #[arg(long)]
    policy: Option<PathBuf>,
    /// Distinct trusted keys required (default: the policy's, else 1).
    #[arg(long)]
    threshold: Option<usize>,
    /// An artifact that must match a subject of the statement; repeatable.
    #[arg(long = "artifact")]
    artifacts: Vec<PathBuf>,
    /// Allowed payloadType; repeatable; replaces the in-toto default.
    #[arg(long = "payload-type")]
    payload_types: Vec<String>,
    /// Required predicateType.
    #[arg(long)]
    predicate_type: Option<String>,
    /// Required builder id.
    #[arg(long)]
    builder_id: Option<String>,
    /// Check only the DSSE layer (signatures, threshold, payloadType).
    #[arg(long, conflicts_with_all = ["artifacts", "predicate_type", "builder_id"])]
    envelope_only: bool,
    /// Verify as of this time (RFC 3339) instead of now.
    #[arg(long)]
    at: Option<String>,
    /// Refuse envelopes larger than this (bytes, or with a K/M/G suffix): envelope-too-large.
    #[arg(long, value_parser = util::parse_size, default_value = "256M")]
    max_envelope_size: u64,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let cli = match Cli::try_parse_from(&args) {
        Ok(c) => c,
        Err(e) => {
            use clap::error::ErrorKind;
            let json_mode = args
                .windows(2)
                .any(|w| w[0] == "--format" && w[1] == "json")
                || args.iter().any(|a| a == "--format=json");
            if json_mode && !matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion)
            {
                // The whole message (clap's hints and usage lines included), not its first line.
                let msg = e.to_string();
                let msg = msg.trim().trim_start_matches("error: ").to_string();
                print_json(&json!({"verified": false, "error": {"code": "usage", "message": msg}}));
                return ExitCode::from(EXIT_USAGE);
            }
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { EXIT_USAGE } else { EXIT_OK });
        }
    };
    let format = cli.format;
    let result = match cli.command {
        Command::Keygen(a) => keygen(a, format),
        Command::Sign(a) => sign(a, format),
        Command::Statement(a) => statement(a, format),
        Command::Verify(a) => return verify_cmd(a, format),
        Command::Policy(PolicyCommand::Check { file, at }) => {
            policy_check(&file, at.as_deref(), format)
        }
        Command::Store(c) => return ExitCode::from(store::run(c, format == Format::Json)),
        Command::AttestVerify(a) => return ExitCode::from(gate::run(a, format == Format::Json)),
    };
    match result {
        Ok(()) => ExitCode::from(EXIT_OK),
        Err(e) => {
            report_error(&e, format);
            ExitCode::from(e.exit)
        }
    }
}

/// Reports an error found before any envelope was read (one error, exit 2 as a rule) in the shape
/// of a single `vouch verify` report.
fn setup_failed(e: &CliError, format: Format) -> ExitCode {
    match format {
        Format::Json => print_json(&json!({
            "verified": false, "error": {"code": e.code, "message": e.message},
            "payloadType": null, "keys": [], "statement": null, "subjects": [],
        })),
        Format::Human => eprintln!("vouch: {}: {}", e.code, e.message),
    }
    ExitCode::from(e.exit)
}

fn print_json(v: &serde_json::Value) {
    let mut out = std::io::stdout().lock();
    let _ = serde_json::to_writer(&mut out, v);
    let _ = writeln!(out);
}

fn report_error(e: &CliError, format: Format) {
    match format {
        Format::Json => {
            print_json(&json!({"ok": false, "error": {"code": e.code, "message": e.message}}))
        }
        Format::Human => eprintln!("vouch: {}: {}", e.code, e.message),
    }
}

fn parse_at(at: Option<&str>) -> Result<Option<time::OffsetDateTime>, CliError> {
    at.map(|s| parse_time(s).map_err(|e| CliError::usage("usage", format!("--at: {e}"))))
        .transpose()
}

fn keygen(a: KeygenArgs, format: Format) -> Result<(), CliError> {
    let (private_pem, public) = keys::generate(a.algorithm)?;
    let key_path = with_suffix(&a.out, "key");
    let pub_path = with_suffix(&a.out, "pub");
    if !a.force {
        for p in [&key_path, &pub_path] {
            if p.exists() {
                return Err(CliError::usage(
                    "io-error",
                    format!("{} exists (use --force)", p.display()),
                ));
            }
        }
    }
    keys::write_new(&key_path, private_pem.as_bytes(), 0o600, a.force)?;
    keys::write_new(
        &pub_path,
        keys::public_pem(&public).as_bytes(),
        0o644,
        a.force,
    )?;
    let fp = fingerprint_label(public.fingerprint());
    match format {
        Format::Json => print_json(&json!({
            "ok": true, "algorithm": public.algorithm().name(), "fingerprint": fp,
            "privateKey": key_path, "publicKey": pub_path,
        })),
        Format::Human => {
            println!("fingerprint {fp}");
            eprintln!(
                "wrote {} and {} ({})",
                key_path.display(),
                pub_path.display(),
                public.algorithm().name()
            );
        }
    }
    Ok(())
}

fn with_suffix(prefix: &Path, ext: &str) -> PathBuf {
    let mut s = prefix.as_os_str().to_owned();
    s.push(".");
    s.push(ext);
    PathBuf::from(s)
}

fn sign(a: SignArgs, format: Format) -> Result<(), CliError> {
    if a.keyids.len() > a.keys.len() {
        return Err(CliError::usage("usage", "more --keyid than --key"));
    }
    if a.payload_type.is_empty() {
        return Err(CliError::usage("usage", "--payload-type must not be empty"));
    }
    let payload = read_input(&a.payload)?;
    let mut sigs = Vec::new();
    for (i, path) in a.keys.iter().enumerate() {
        let key = keys::load_private(path)?;
        let sig = key.sign_pae(&a.payload_type, &payload);
        let mut entry = serde_json::Map::new();
        if let Some(id) = a.keyids.get(i) {
            entry.insert("keyid".into(), json!(id));
        }
        entry.insert("sig".into(), json!(vouch_b64(&sig)));
        sigs.push(serde_json::Value::Object(entry));
    }
    let env =
        json!({"payload": vouch_b64(&payload), "payloadType": a.payload_type, "signatures": sigs});
    let text = serde_json::to_string(&env).unwrap_or_default() + "\n";
    match &a.out {
        Some(p) => std::fs::write(p, text).map_err(|e| CliError::io(p, &e))?,
        None => print!("{text}"),
    }
    if a.out.is_some() && format == Format::Json {
        print_json(&json!({"ok": true, "envelope": a.out, "signatures": a.keys.len()}));
    }
    Ok(())
}

fn vouch_b64(b: &[u8]) -> String {
    use base64ct::Encoding;
    base64ct::Base64::encode_string(b)
}

fn statement(a: StatementArgs, format: Format) -> Result<(), CliError> {
    let mut subjects = Vec::new();
    for p in &a.subjects {
        let d = hash_file(p)?;
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| p.display().to_string());
        subjects.push((
            name,
            d.sha256.unwrap_or_default(),
            if a.sha512 { d.sha512 } else { None },
        ));
    }
    let timestamp = match &a.timestamp {
        Some(t) => {
            parse_time(t).map_err(|e| CliError::usage("usage", format!("--timestamp: {e}")))?;
            t.clone()
        }
        None => format_time(
            time::OffsetDateTime::now_utc()
                .replace_nanosecond(0)
                .unwrap_or_else(|_| time::OffsetDateTime::now_utc()),
        ),
    };
    let st = statement_cmd::build(&statement_cmd::StatementArgs {
        subjects,
        builder_id: &a.builder_id,
        predicate_type: &a.predicate_type,
        commit: a.commit.as_deref(),
        materials: a.materials.clone(),
        format: a.statement_format,
        build_type: &a.build_type,
        timestamp,
    })?;
    let text = serde_json::to_string_pretty(&st).unwrap_or_default() + "\n";
    match &a.out {
        Some(p) => {
            std::fs::write(p, text).map_err(|e| CliError::io(p, &e))?;
            if format == Format::Json {
                print_json(&json!({"ok": true, "statement": p}));
            }
        }
        None => print!("{text}"),
    }
    Ok(())
}

fn verify_cmd(a: VerifyArgs, format: Format) -> ExitCode {
    let setup = (|| -> Result<(Option<Policy>, verify::Request<'static>), CliError> {
        let at = parse_at(a.at.as_deref())?;
        let policy = a.policy.as_deref().map(Policy::load).transpose()?;
        let mut keys = Vec::new();
        for p in &a.keys {
            keys.push(verify::label_key(keys::load_public(p)?));
        }
        let mut artifacts = Vec::new();
        for p in &a.artifacts {
            artifacts.push(verify::Artifact {
                name: p.display().to_string(),
                digest: hash_file(p)?,
            });
        }
        let req = verify::Request {
            keys,
            policy: None,
            threshold: a.threshold,
            payload_types: a.payload_types.clone(),
            predicate_type: a.predicate_type.clone(),
            builder_id: a.builder_id.clone(),
            artifacts,
            envelope_only: a.envelope_only,
            at,
        };
        Ok((policy, req))
    })();
    // A setup error (bad flags, unreadable key or policy) is one error, whatever the number of
    // envelopes: no envelope was looked at.
    let (policy, req) = match setup {
        Ok(s) => s,
        Err(e) => return setup_failed(&e, format),
    };
    let req = verify::Request {
        policy: policy.as_ref(),
        ..req
    };
    if let Err(e) = req.check_flags() {
        return setup_failed(&e, format);
    }
    let mut exit = EXIT_OK;
    let mut all_verified = true;
    let single = a.envelopes.len() == 1;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if format == Format::Json && !single {
        let _ = out.write_all(b"{\"envelopes\":[");
    }
    // Reports are written in the order given, each as soon as it and those before it are done,
    // and then dropped: memory holds the envelopes in flight, not every report.
    verify_many(&a.envelopes, &req, a.max_envelope_size, |i, outcome| {
        let path = a
            .envelopes
            .get(i)
            .map(|p| p.as_path())
            .unwrap_or(Path::new("-"));
        let code = match &outcome {
            Err(e) => e.exit,
            Ok(r) if r.verified => EXIT_OK,
            Ok(_) => EXIT_NOT_VERIFIED,
        };
        exit = exit.max(code);
        all_verified &= code == EXIT_OK;
        match (format, outcome) {
            (Format::Human, Ok(r)) => print_human(&mut out, &r, path),
            (Format::Human, Err(e)) => {
                let _ = out.flush();
                if single {
                    eprintln!("vouch: {}: {}", e.code, e.message);
                } else {
                    eprintln!("vouch: {}: {} [{}]", e.code, e.message, path.display());
                }
            }
            (Format::Json, outcome) => {
                let report = outcome.unwrap_or_else(|e| verify::Report::from_error(&e));
                if i > 0 {
                    let _ = out.write_all(b",");
                }
                let shown = path.display().to_string();
                let mut ser = serde_json::Serializer::new(&mut out);
                let _ = report.serialize_for((!single).then_some(shown.as_str()), &mut ser);
                if single {
                    let _ = out.write_all(b"\n");
                }
            }
        }
    });
    if format == Format::Json && !single {
        let _ = writeln!(out, "],\"verified\":{all_verified}}}");
    }
    let _ = out.flush();
    ExitCode::from(exit)
}

/// Verifies each envelope file against one request, spread over the available cores (each worker
/// takes the next file when done, so one envelope is in memory per worker), and hands each result
/// to `emit` in the order of `paths`, as soon as it and all before it are done. Every path gets a
/// result, even if a worker died before reporting it (`internal`).
fn verify_many(
    paths: &[PathBuf],
    req: &verify::Request<'_>,
    max_envelope: u64,
    mut emit: impl FnMut(usize, Result<verify::Report, CliError>),
) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let one = |p: &PathBuf| {
        read_envelope(p, max_envelope).and_then(|bytes| verify::verify_owned(bytes, req, false))
    };
    // (`available_parallelism` reads cgroup files: not worth it for one envelope.)
    let workers = match paths.len() {
        0 | 1 => 1,
        n => std::thread::available_parallelism().map_or(1, |c| c.get().min(n)),
    };
    if workers <= 1 {
        for (i, p) in paths.iter().enumerate() {
            emit(i, one(p));
        }
        return;
    }
    let next = AtomicUsize::new(0);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::scope(|s| {
        for _ in 0..workers {
            let tx = tx.clone();
            let (next, one) = (&next, &one);
            s.spawn(move || {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(p) = paths.get(i) else { break };
                    if tx.send((i, one(p))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        let mut pending = std::collections::BTreeMap::new();
        let mut due = 0usize;
        for (i, r) in rx {
            pending.insert(i, r);
            while let Some(r) = pending.remove(&due) {
                emit(due, r);
                due += 1;
            }
        }
        // The channel closed: every worker ended. A result that never came is reported as such.
        for i in due..paths.len() {
            let r = pending
                .remove(&i)
                .unwrap_or_else(|| Err(CliError::usage("internal", "verification failed")));
            emit(i, r);
        }
    });
}

fn print_human(out: &mut impl Write, r: &verify::Report, envelope: &std::path::Path) {
    let kids = if r.envelope_keyids.is_empty() {
        String::from("none")
    } else {
        r.envelope_keyids.join(", ")
    };
    if r.verified {
        let _ = write!(
            out,
            "verified: {} signed by {}",
            envelope.display(),
            r.keys.join(", ")
        );
        if let Some(pt) = &r.payload_type {
            let _ = write!(out, " (payloadType {pt})");
        }
        let _ = writeln!(out);
        if let Some(st) = &r.statement {
            let b = st.get("builderId").and_then(|v| v.as_str()).unwrap_or("-");
            let p = st
                .get("predicateType")
                .and_then(|v| v.as_str())
                .unwrap_or("-");
            let _ = write!(
                out,
                "  statement: predicateType {p}, builder {b}, subjects "
            );
            // One name at a time: a Statement may have a million subjects.
            for (n, s) in r.subjects().enumerate() {
                let sep = if n > 0 { ", " } else { "" };
                let _ = write!(out, "{sep}{}", util::json_text(&s.name));
            }
            let _ = writeln!(out);
        }
    } else if let Some(e) = &r.error {
        let _ = out.flush();
        eprintln!(
            "NOT verified: {}: {} [{}]",
            e.code,
            e.message,
            envelope.display()
        );
        eprintln!("  envelope keyids: {kids}");
    }
}

fn policy_check(file: &Path, at: Option<&str>, format: Format) -> Result<(), CliError> {
    let at = parse_at(at)?.unwrap_or_else(time::OffsetDateTime::now_utc);
    let p = Policy::load(file)?;
    let keys: Vec<serde_json::Value> = p
        .issuers
        .iter()
        .map(|i| {
            json!({
                "keyId": i.key_id,
                "algorithm": i.key.algorithm().name(),
                "fingerprint": fingerprint_label(i.key.fingerprint()),
                "validFrom": i.valid_from.map(format_time),
                "validUntil": i.valid_until.map(format_time),
                "revoked": i.revoked,
                "status": i.status(at).as_str(),
                "description": i.description,
            })
        })
        .collect();
    let expired = p.expires.is_some_and(|e| at >= e);
    match format {
        Format::Json => print_json(&json!({
            "ok": true, "policy": p.path, "mode": p.mode.as_str(), "threshold": p.threshold,
            "expires": p.expires.map(format_time), "expired": expired, "at": format_time(at),
            "payloadTypes": p.payload_types, "predicateTypes": p.predicate_types, "builderIds": p.builder_ids,
            "keys": keys,
        })),
        Format::Human => {
            println!(
                "{}: valid; mode {}, threshold {}, {} issuer(s){}",
                p.path.display(),
                p.mode.as_str(),
                p.threshold,
                p.issuers.len(),
                match p.expires {
                    Some(e) if expired => format!(", EXPIRED at {}", format_time(e)),
                    Some(e) => format!(", expires {}", format_time(e)),
                    None => String::new(),
                }
            );
            for i in &p.issuers {
                let window = match (i.valid_from, i.valid_until) {
                    (None, None) => String::from("always"),
                    (f, u) => format!(
                        "{} .. {}",
                        f.map(format_time).unwrap_or_else(|| "-".into()),
                        u.map(format_time).unwrap_or_else(|| "-".into())
                    ),
                };
                println!(
                    "  {:<20} {:<18} {} window {} status {}",
                    i.key_id,
                    i.key.algorithm().name(),
                    fingerprint_label(i.key.fingerprint()),
                    window,
                    i.status(at).as_str()
                );
            }
        }
    }
    Ok(())
}
