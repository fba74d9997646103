//! CLI errors: a stable code, a message and the exit status they lead to.

use std::fmt;

/// Exit status: verified.
pub const EXIT_OK: u8 = 0;
/// Exit status: not verified (signature, policy or statement failure, malformed envelope).
pub const EXIT_NOT_VERIFIED: u8 = 1;
/// Exit status: usage or environment error (missing file, malformed key or policy, bad flags).
pub const EXIT_USAGE: u8 = 2;

/// An error with a stable code (vouch-core's codes, or one of the CLI codes listed in the README).
#[derive(Debug, Clone)]
pub struct CliError {
    /// Stable kebab-case code.
    pub code: String,
    /// Human explanation.
    pub message: String,
    /// Process exit status this error leads to.
    pub exit: u8,
}

impl CliError {
    /// A verification failure (exit 1).
    pub fn failed(code: &str, message: impl Into<String>) -> Self {
        CliError {
            code: code.into(),
            message: message.into(),
            exit: EXIT_NOT_VERIFIED,
        }
    }
    /// A usage or environment error (exit 2).
    pub fn usage(code: &str, message: impl Into<String>) -> Self {
        CliError {
            code: code.into(),
            message: message.into(),
            exit: EXIT_USAGE,
        }
    }
    /// A core error as a verification failure (exit 1).
    pub fn core(e: vouch_core::Error) -> Self {
        Self::failed(e.code(), e.message())
    }
    /// A core error with context, as a verification failure.
    pub fn core_with(e: vouch_core::Error, context: impl fmt::Display) -> Self {
        Self::failed(e.code(), format!("{}: {context}", e.message()))
    }
    /// A file could not be read or written.
    pub fn io(path: &std::path::Path, e: &std::io::Error) -> Self {
        Self::usage("io-error", format!("{}: {e}", path.display()))
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for CliError {}

impl From<vouch_core::Error> for CliError {
    fn from(e: vouch_core::Error) -> Self {
        CliError::core(e)
    }
}
