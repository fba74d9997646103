//! `vouch verify`: envelopes against keys and/or a policy, and their Statements against artifacts.
//! Several envelopes are verified in parallel over the cores; reports come out in the order given.

use std::io::Write;
use std::path::{Path, PathBuf};

use vouch_cli::error::{CliError, Code, EXIT_NOT_VERIFIED, EXIT_OK};
use vouch_cli::policy::Policy;
use vouch_cli::util::{hash_file, read_envelope};
use vouch_cli::{keys, report, util, verify};

use crate::cli::{Format, VerifyArgs};
use crate::commands::parse_verification_time;
use crate::out;

/// Runs `vouch verify`; returns the exit status.
pub fn run(a: VerifyArgs, format: Format) -> u8 {
    if a.bundle.is_some() {
        return crate::commands::bundle::run(a, format);
    }
    let setup = (|| -> Result<(Option<Policy>, verify::Request<'static>), CliError> {
        let at = parse_verification_time(a.at.as_deref())?;
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
    // JSON: one document, written as the reports come in (the reporter's shape).
    let mut doc = match format {
        Format::Json => report::VerifyDocument::begin(
            std::io::BufWriter::new(std::io::stdout().lock()),
            a.envelopes.len(),
        )
        .ok(),
        Format::Human => None,
    };
    // Reports are written in the order given, each as soon as it and those before it are done,
    // and then dropped: memory holds the envelopes in flight, not every report.
    verify_many(&a.envelopes, &req, a.max_envelope_size, |i, outcome| {
        let path = a
            .envelopes
            .get(i)
            .map(|p| p.as_path())
            .unwrap_or(Path::new("-"));
        let code = match &outcome {
            Err(e) => e.exit(),
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
                let r = outcome.unwrap_or_else(|e| verify::Report::from_error(&e));
                if let Some(d) = doc.as_mut() {
                    let _ = d.report(&r, &path.display().to_string());
                }
            }
        }
    });
    if let Some(d) = doc
        && let Ok(mut json) = d.end(all_verified)
    {
        let _ = json.flush();
    }
    let _ = out.flush();
    exit
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
                .unwrap_or_else(|| Err(CliError::new(Code::Internal, "verification failed")));
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

/// Reports an error found before any envelope was read (one error, exit 2 as a rule) in the shape
/// of a single `vouch verify` report.
fn setup_failed(e: &CliError, format: Format) -> u8 {
    match format {
        Format::Json => {
            let r = verify::Report::from_error(e);
            if let Ok(mut d) = report::VerifyDocument::begin(std::io::stdout().lock(), 1) {
                let _ = d.report(&r, "-");
            }
        }
        Format::Human => out::error(e, format),
    }
    e.exit()
}
