//! Writing to stdout and stderr: one JSON document per command, one error rendering (the
//! library's [`vouch_cli::report`]). Write errors (a closed pipe: `vouch ... | head`) are ignored
//! rather than turned into a panic; the exit status still says what happened.

use std::io::Write;

use vouch_cli::error::CliError;
use vouch_cli::report;

use crate::cli::Format;

/// Prints one JSON document as every command prints one ([`report::line()`]: compact, one line).
pub fn json(v: &serde_json::Value) {
    text(&report::line(v));
}

/// Prints lines on stdout.
pub fn text(s: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(s.as_bytes());
}

/// Reports an error: `{"ok": false, "error": {...}}` on stdout in JSON mode, else
/// `vouch: <code>: <message>` on stderr.
pub fn error(e: &CliError, format: Format) {
    match format {
        Format::Json => json(&report::error_json(e)),
        Format::Human => eprintln!("{}", report::error_line(e)),
    }
}

/// The exit status of a command's result, reporting the error if there is one.
pub fn finish(r: Result<u8, CliError>, format: Format) -> u8 {
    r.unwrap_or_else(|e| {
        error(&e, format);
        e.exit()
    })
}
