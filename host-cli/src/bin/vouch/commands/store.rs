//! `vouch store put|get|history` (and the hidden `put-bulk`): the attestation store from the
//! command line. What a put records and the store itself are the library's
//! ([`vouch_cli::store`]); this module parses, prints and picks the exit status.

use std::path::Path;
use std::time::Instant;

use serde_json::json;
use serde_json::value::RawValue;
use vouch_cli::error::{CliError, Code, EXIT_NOT_VERIFIED, EXIT_OK};
use vouch_cli::log::Log;
use vouch_cli::policy::Policy;
use vouch_cli::report;
use vouch_cli::store::{BundleRoot, Location, OpenMode, Problem, PutError, open_store, prepare};

use crate::cli::{BulkArgs, Format, MigrateArgs, PutArgs, QueryArgs, StoreCommand};
use crate::out;

/// Runs a `vouch store` subcommand; returns the exit status.
pub fn run(cmd: StoreCommand, format: Format) -> u8 {
    let json_out = format == Format::Json;
    let r = match cmd {
        StoreCommand::Put(a) => put_cmd(a, json_out),
        StoreCommand::Get(a) => query_cmd(a, json_out, false),
        StoreCommand::History(a) => query_cmd(a, json_out, true),
        StoreCommand::Migrate(a) => migrate_cmd(a, json_out),
        StoreCommand::PutBulk(a) => bulk_cmd(a, json_out),
    };
    out::finish(r, format)
}

fn warn(p: &Problem) {
    eprintln!("vouch: warning: {}", p.line());
}

fn put_cmd(a: PutArgs, json_out: bool) -> Result<u8, CliError> {
    let log = Log::new(a.verbose);
    let policy = Policy::load(&a.policy)?;
    log.debug(format_args!(
        "policy {}: mode {}, {} issuer(s)",
        a.policy.display(),
        policy.mode.as_str(),
        policy.issuers.len()
    ));
    // Verify before touching the database: a refused put never opens (or creates) it.
    let rec = match prepare(
        &policy,
        &a.urn,
        &a.artifact,
        a.envelope.as_deref(),
        a.max_envelope_size,
        BundleRoot::Policy,
        &log,
    ) {
        Ok(r) => r,
        Err(PutError::Fatal(e)) => return Err(e),
        Err(PutError::Refused { problem, digest }) => {
            log.debug(format_args!("refused; nothing written"));
            if json_out {
                out::json(&report::put_refused(
                    &a.urn,
                    digest.as_deref(),
                    policy.mode.as_str(),
                    &problem,
                ));
            } else {
                eprintln!("vouch: refused: {}", problem.line());
            }
            return Ok(EXIT_NOT_VERIFIED);
        }
    };
    for w in &rec.warnings {
        warn(w);
    }
    let mut store = open_store(&a.db, OpenMode::Write)?;
    log.debug(format_args!("store {}: open", Location::of(&a.db).label()));
    let replaced = store
        .insert(std::slice::from_ref(&rec))?
        .first()
        .copied()
        .unwrap_or(false);
    log.debug(format_args!(
        "stored ({})",
        if replaced { "replaced" } else { "new" }
    ));
    if json_out {
        out::json(&report::put_stored(&rec, replaced, policy.mode.as_str()));
    } else {
        outln!(
            "stored {} sha256:{} (issuer {}{}){}",
            rec.urn,
            rec.digest,
            if rec.issuer.is_empty() {
                "-"
            } else {
                &rec.issuer
            },
            if rec.verified {
                ", verified"
            } else {
                ", NOT verified"
            },
            if replaced {
                ", replacing the earlier record"
            } else {
                ""
            }
        );
    }
    Ok(EXIT_OK)
}

fn query_cmd(a: QueryArgs, json_out: bool, all: bool) -> Result<u8, CliError> {
    let store = open_store(&a.db, OpenMode::Read)?;
    let records = if all {
        store.history(&a.urn)?
    } else {
        store.latest(&a.urn)?.into_iter().collect()
    };
    if records.is_empty() {
        return Err(CliError::new(
            Code::NotFound,
            format!(
                "no record for {:?} in {}",
                a.urn,
                Location::of(&a.db).label()
            ),
        ));
    }
    if json_out {
        out::json(&report::store_query(&a.urn, &records, all));
        return Ok(EXIT_OK);
    }
    if all {
        outln!("{} ({} record(s), newest first)", a.urn, records.len());
        for r in &records {
            outln!(
                "  {}  sha256:{}  builder {}  built {}  {}",
                r.recorded_at,
                r.digest,
                or_dash(&r.issuer),
                r.committed_at,
                if r.verified {
                    "verified"
                } else {
                    "NOT verified"
                }
            );
        }
    } else if let Some(r) = records.first() {
        outln!("{}", r.urn);
        outln!("  digest       sha256:{}", r.digest);
        outln!("  builder      {}", or_dash(&r.issuer));
        outln!("  timestamp    {}", r.committed_at);
        outln!("  build tool   {}", r.build_tool.as_deref().unwrap_or("-"));
        outln!("  payloadType  {}", or_dash(&r.payload_type));
        let n = |v: &Option<Box<RawValue>>| match v {
            Some(raw) => vouch_core::json::parse(raw.get().as_bytes())
                .map_or_else(|_| "-".to_string(), |a| a.elements().count().to_string()),
            None => "(in the envelope)".to_string(),
        };
        outln!("  inputs       {}, outputs {}", n(&r.inputs), n(&r.outputs));
        outln!(
            "  verified     {}",
            if r.verified {
                "yes, when recorded"
            } else {
                "NO (stored under a permissive policy)"
            }
        );
        for w in &r.warnings {
            outln!("  warning      {}", w.line());
        }
        outln!("  recorded     {}", r.recorded_at);
    }
    Ok(EXIT_OK)
}

fn migrate_cmd(a: MigrateArgs, json_out: bool) -> Result<u8, CliError> {
    let n = vouch_cli::store::migrate(&a.from, &a.to)?;
    if json_out {
        out::json(&report::success(json!({
            "from": a.from.display().to_string(), "to": Location::of(&a.to).label(),
            "records": n.records, "apiKeys": n.api_keys, "auditRows": n.audit_rows,
        })));
    } else {
        outln!(
            "copied {} record(s), {} API key(s), {} audit row(s) from {} to {}",
            n.records,
            n.api_keys,
            n.audit_rows,
            a.from.display(),
            Location::of(&a.to).label()
        );
    }
    Ok(EXIT_OK)
}

fn or_dash(s: &str) -> &str {
    if s.is_empty() { "-" } else { s }
}

fn bulk_cmd(a: BulkArgs, json_out: bool) -> Result<u8, CliError> {
    let log = Log::new(a.verbose);
    let policy = Policy::load(&a.policy)?.prepared();
    let list = std::fs::read_to_string(&a.list).map_err(|e| CliError::io(&a.list, &e))?;
    let mut store = open_store(&a.db, OpenMode::Write)?;
    let batch = a.batch.max(1);
    let start = Instant::now();
    let (mut stored, mut refused) = (0usize, 0usize);
    let mut pending = Vec::with_capacity(batch);
    // The policy's trusted root, loaded and parsed at the first bundle and kept for the others.
    let root_file = std::cell::OnceCell::new();
    let roots = std::cell::OnceCell::new();
    for (i, line) in list.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let mut parts = line.split('\t');
        let (Some(urn), Some(artifact)) = (parts.next(), parts.next()) else {
            return Err(CliError::new(
                Code::Usage,
                format!(
                    "{}:{}: expected URN<TAB>ARTIFACT<TAB>ENVELOPE",
                    a.list.display(),
                    i + 1
                ),
            ));
        };
        let envelope = parts.next().filter(|e| !e.is_empty() && *e != "-");
        match prepare(
            &policy,
            urn,
            Path::new(artifact),
            envelope.map(Path::new),
            a.max_envelope_size,
            BundleRoot::Batch {
                file: &root_file,
                parsed: &roots,
            },
            &log,
        ) {
            Ok(rec) => {
                for w in &rec.warnings {
                    eprintln!("vouch: warning: {urn}: {}", w.line());
                }
                pending.push(rec);
            }
            Err(PutError::Refused { problem, .. }) => {
                refused += 1;
                eprintln!("vouch: refused: {urn}: {}", problem.line());
            }
            Err(PutError::Fatal(e)) => return Err(e),
        }
        if pending.len() >= batch {
            store.insert(&pending)?;
            stored += pending.len();
            pending.clear();
        }
    }
    if !pending.is_empty() {
        store.insert(&pending)?;
        stored += pending.len();
    }
    let secs = start.elapsed().as_secs_f64();
    let rate = if secs > 0.0 {
        stored as f64 / secs
    } else {
        0.0
    };
    if json_out {
        out::json(&report::with_ok(
            json!({
                "stored": stored, "refused": refused,
                "seconds": secs, "putsPerSecond": rate, "batch": batch,
            }),
            refused == 0,
        ));
    } else {
        outln!(
            "stored {stored}, refused {refused} in {secs:.2} s ({rate:.0} puts/s, {batch} per transaction)"
        );
    }
    Ok(if refused == 0 {
        EXIT_OK
    } else {
        EXIT_NOT_VERIFIED
    })
}
