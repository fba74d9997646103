//! One module per subcommand. Each `run` takes its parsed arguments and the output format and
//! returns the exit status.

pub mod bundle;
pub mod gate;
pub mod keygen;
pub mod policy;
pub mod serve;
pub mod sign;
pub mod statement;
pub mod store;
pub mod verify;

use vouch_cli::error::{CliError, Code};
use vouch_cli::util::{parse_time, parse_verification_at};

/// `--at` of a verifying command: an RFC 3339 time not before the clock, or none (now).
pub fn parse_verification_time(at: Option<&str>) -> Result<Option<time::OffsetDateTime>, CliError> {
    at.map(|s| parse_verification_at(s, time::OffsetDateTime::now_utc()))
        .transpose()
}

/// `--at` of `vouch policy check` (a report, not a verification): any RFC 3339 time, or none (now).
pub fn parse_at(at: Option<&str>) -> Result<Option<time::OffsetDateTime>, CliError> {
    at.map(|s| parse_time(s).map_err(|e| CliError::new(Code::Usage, format!("--at: {e}"))))
        .transpose()
}
