//! Step-by-step debug output on stderr for the store and the release gate.
//!
//! On with `-v`/`--verbose` or the environment variable `VOUCH_LOG=debug`.

use std::fmt;

/// A debug logger that writes `debug: ...` lines to stderr when enabled.
#[derive(Clone, Copy, Debug, Default)]
pub struct Log {
    on: bool,
}

impl Log {
    /// On when `verbose` is set or `VOUCH_LOG` is `debug` (case-insensitive).
    pub fn new(verbose: bool) -> Self {
        let env = std::env::var("VOUCH_LOG")
            .map(|v| v.eq_ignore_ascii_case("debug"))
            .unwrap_or(false);
        Log { on: verbose || env }
    }

    /// Writes one debug line.
    pub fn debug(&self, args: fmt::Arguments<'_>) {
        if self.on {
            eprintln!("debug: {args}");
        }
    }
}
