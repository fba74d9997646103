//! `vouch attest-verify`: the release gate ([`vouch_cli::gate`]) from the command line.

use vouch_cli::error::{EXIT_NOT_VERIFIED, EXIT_OK};
use vouch_cli::gate::{GateOptions, GateReport, gate, show_text};

use crate::cli::{AttestVerifyArgs, Format};
use crate::out;

/// Runs the gate; returns the exit status (0 passed, 1 blocked, 2 fatal).
pub fn run(a: AttestVerifyArgs, format: Format) -> u8 {
    let opts = GateOptions {
        db: a.db,
        policy: a.policy,
        rev: a.rev,
        since: a.since,
        manifests: a.manifests,
        output: a.output,
        at: a.at,
        verbose: a.verbose,
    };
    out::finish(
        gate(&opts).map(|report| {
            let pass = report.passed();
            match format {
                Format::Json => out::json(&vouch_cli::report::gate(&report)),
                Format::Human => print_summary(&report, pass),
            }
            if pass { EXIT_OK } else { EXIT_NOT_VERIFIED }
        }),
        format,
    )
}

fn print_summary(r: &GateReport, pass: bool) {
    let short = if r.empty_tree {
        "no previous commit: every file is new"
    } else {
        r.since_commit.get(..12).unwrap_or(&r.since_commit)
    };
    let blocked = if r.blocked.is_empty() {
        String::new()
    } else {
        format!(", {} blocked", r.blocked.len())
    };
    outln!(
        "attest-verify: {} changed manifest(s) since {} ({short}): {} valid, {} missing, {} invalid{blocked}",
        r.checked,
        show_text(&r.since),
        r.valid.len(),
        r.missing.len(),
        r.invalid.len()
    );
    for e in &r.valid {
        outln!("  valid    {}  ({})", show_text(&e.urn), e.path);
    }
    for e in &r.missing {
        outln!(
            "  MISSING  {}  ({}): {}",
            show_text(&e.urn),
            e.path,
            show_text(e.message.as_deref().unwrap_or(""))
        );
    }
    for e in &r.invalid {
        outln!(
            "  INVALID  {}  ({}): {}: {}",
            show_text(&e.urn),
            e.path,
            e.reason,
            show_text(&e.message)
        );
    }
    for e in &r.blocked {
        outln!(
            "  BLOCKED  {}: {}: {}",
            e.path,
            e.reason,
            show_text(&e.message)
        );
    }
    for d in &r.deleted {
        outln!("  deleted  {d} (skipped)");
    }
    outln!("release gate: {}", if pass { "PASSED" } else { "BLOCKED" });
}
