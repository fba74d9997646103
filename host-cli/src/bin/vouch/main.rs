//! `vouch`: offline verification, signing and policy enforcement for DSSE / in-toto attestations.
//!
//! A thin binary: [`cli`] holds every clap type, `commands/` one module per subcommand, and all
//! the logic lives in the `vouch_cli` library. `main` → [`run`] → exit status.

#![forbid(unsafe_code)]

/// `println!` that ignores a closed stdout (`vouch ... | head`) instead of panicking.
macro_rules! outln {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($t)*);
    }};
}

mod cli;
mod commands;
mod out;

use std::process::ExitCode;

use clap::Parser;
use vouch_cli::error::{CliError, Code, EXIT_OK, EXIT_USAGE};

use cli::{Cli, Command, Format, PolicyCommand};

fn main() -> ExitCode {
    ExitCode::from(run(std::env::args().collect()))
}

/// Parses the arguments and runs the subcommand; returns the exit status.
fn run(args: Vec<String>) -> u8 {
    let cli = match Cli::try_parse_from(&args) {
        Ok(c) => c,
        Err(e) => return usage_error(&args, e),
    };
    let format = cli.format;
    match cli.command {
        Command::Keygen(a) => commands::keygen::run(a, format),
        Command::Sign(a) => commands::sign::run(a, format),
        Command::Statement(a) => commands::statement::run(a, format),
        Command::Verify(a) => commands::verify::run(a, format),
        Command::Policy(PolicyCommand::Check { file, at }) => {
            commands::policy::check(&file, at.as_deref(), format)
        }
        Command::Store(c) => commands::store::run(c, format),
        Command::AttestVerify(a) => commands::gate::run(a, format),
        Command::Serve(a) => commands::serve::run(a, format),
    }
}

/// A clap error: help and version go to stdout (exit 0); a usage error is `usage` (exit 2), as JSON
/// when `--format json` was asked for, with clap's whole message.
fn usage_error(args: &[String], e: clap::Error) -> u8 {
    use clap::error::ErrorKind;
    let json_mode = args
        .windows(2)
        .any(|w| w[0] == "--format" && w[1] == "json")
        || args.iter().any(|a| a == "--format=json");
    if json_mode && !matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        let msg = e.to_string();
        let msg = msg.trim().trim_start_matches("error: ");
        out::error(&CliError::new(Code::Usage, msg), Format::Json);
        return EXIT_USAGE;
    }
    let _ = e.print();
    if e.use_stderr() { EXIT_USAGE } else { EXIT_OK }
}
