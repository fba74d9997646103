//! `vouch statement`: an in-toto Statement (SLSA provenance v1, or the registry format) for files.

use serde_json::json;
use vouch_cli::error::{CliError, Code, EXIT_OK};
use vouch_cli::report;
use vouch_cli::statement as writer;
use vouch_cli::util::{format_time, hash_file, parse_time};

use crate::cli::{Format, StatementArgs};
use crate::out;

/// Runs the subcommand; returns the exit status.
pub fn run(a: StatementArgs, format: Format) -> u8 {
    out::finish(statement(a, format).map(|()| EXIT_OK), format)
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
            parse_time(t).map_err(|e| CliError::new(Code::Usage, format!("--timestamp: {e}")))?;
            t.clone()
        }
        None => format_time(
            time::OffsetDateTime::now_utc()
                .replace_nanosecond(0)
                .unwrap_or_else(|_| time::OffsetDateTime::now_utc()),
        ),
    };
    let st = writer::build(&writer::StatementArgs {
        subjects,
        builder_id: &a.builder_id,
        predicate_type: &a.predicate_type,
        commit: a.commit.as_deref(),
        materials: a.materials.clone(),
        format: a.statement_format.into(),
        build_type: &a.build_type,
        timestamp,
    })?;
    let text = serde_json::to_string_pretty(&st).unwrap_or_default() + "\n";
    match &a.out {
        Some(p) => {
            std::fs::write(p, text).map_err(|e| CliError::io(p, &e))?;
            if format == Format::Json {
                out::json(&report::success(json!({"statement": p})));
            }
        }
        None => print!("{text}"),
    }
    Ok(())
}
