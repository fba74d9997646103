//! The one error vocabulary of the host side: every code vouch's CLI (and, later, its service) can
//! emit is a variant of [`Code`] — the core's codes by wrapping ([`Code::Core`]), the host's own
//! beside them — each with its stable string, its exit class and its description. An [`Error`]
//! is a code with a message (and, for a refused store write, the core reason).
//!
//! Strings and numbers are never renamed or renumbered; README.md's error tables list every one
//! (a test fails when a variant is missing there, or when two variants share a string).

use std::fmt;

/// Exit status: verified / done.
pub const EXIT_OK: u8 = 0;
/// Exit status: not verified (signature, policy or statement failure, malformed envelope).
pub const EXIT_NOT_VERIFIED: u8 = 1;
/// Exit status: usage or environment error (missing file, malformed key or policy, bad flags).
pub const EXIT_USAGE: u8 = 2;

/// Every error code the host side can emit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Code {
    /// A vouch-core code (numbers 1..=32 in the C ABI; exit 1, or 2 for the caller's own setup
    /// mistakes: keys, thresholds, buffers).
    Core(vouch_core::Error),
    /// The only trusted key that signed is revoked in the policy.
    KeyRevoked,
    /// The only trusted key that signed is past its `validUntil`.
    KeyExpired,
    /// The only trusted key that signed is before its `validFrom`.
    KeyNotYetValid,
    /// The policy's `expires` has passed.
    PolicyExpired,
    /// An envelope is larger than the size limit.
    EnvelopeTooLarge,
    /// The policy file is malformed.
    PolicyInvalid,
    /// A key file cannot be parsed.
    KeyInvalid,
    /// A file cannot be read or written.
    IoError,
    /// Bad flags or arguments.
    Usage,
    /// A bug: a worker died before reporting.
    Internal,
    /// The registry's code: an enforcing policy and no envelope (snake_case, as the registry has
    /// it).
    MissingProvenance,
    /// The registry's code: an enforcing policy and an envelope that fails (snake_case).
    InvalidProvenance,
    /// No record for the URN.
    NotFound,
    /// Reading a store that does not exist.
    StoreNotFound,
    /// The file is not a vouch store.
    NotAVouchDb,
    /// The store was written by a newer vouch.
    NewerSchema,
    /// Any other store failure.
    StoreError,
    /// The store's database server cannot be reached or went away (PostgreSQL); retry later.
    StoreUnavailable,
    /// `vouch store migrate`: the target store already holds records, keys or audit rows.
    TargetNotEmpty,
    /// `attest-verify` outside a git repository.
    NotAGitRepo,
    /// `--rev` / `--since` is not a commit.
    BadRef,
    /// git failed.
    GitError,
    /// A changed manifest path is not a regular file at the release revision.
    NotARegularFile,
    /// A changed path is not UTF-8.
    NonUtf8Path,
    /// A manifest's `urn` is not a non-empty string.
    InvalidManifestUrn,
    /// A manifest has more than one top-level `urn`.
    DuplicateManifestUrn,
    /// A manifest is nested too deep.
    ManifestTooDeep,
    /// A manifest is too large.
    ManifestTooLarge,
    /// A manifest is JSON that cannot be read (a number out of range, a lone surrogate).
    UnsupportedManifestJson,
    /// A malformed request to the registry service (HTTP 400).
    BadRequest,
    /// The path's URN is not the body's `urn` (HTTP 400).
    UrnMismatch,
    /// No API key, or an unknown, revoked or expired one (HTTP 401).
    Unauthenticated,
    /// The API key lacks the scope, or the URN is outside its prefixes (HTTP 403).
    Forbidden,
    /// The path does not take this HTTP method (HTTP 405).
    MethodNotAllowed,
    /// The request took longer than the service allows (HTTP 408).
    RequestTimeout,
    /// A different record is stored for this (urn, digest) (HTTP 409).
    Conflict,
    /// A request body is larger than `--max-body` (HTTP 413).
    PayloadTooLarge,
    /// A request body that is not `application/json` (HTTP 415).
    UnsupportedMediaType,
    /// The service cannot use its store (HTTP 503).
    Unavailable,
    /// The service's job queue is full (HTTP 503).
    Overloaded,
    /// The API key sent more requests than `--rate-limit` allows (HTTP 429).
    RateLimited,
    /// The service is shutting down (HTTP 503).
    Draining,
}

impl Code {
    /// The host's own codes (the core's are [`vouch_core::Error::ALL`]), in the README's order.
    pub const HOST: [Code; 42] = [
        Code::KeyRevoked,
        Code::KeyExpired,
        Code::KeyNotYetValid,
        Code::PolicyExpired,
        Code::EnvelopeTooLarge,
        Code::PolicyInvalid,
        Code::KeyInvalid,
        Code::IoError,
        Code::Usage,
        Code::Internal,
        Code::MissingProvenance,
        Code::InvalidProvenance,
        Code::NotFound,
        Code::StoreNotFound,
        Code::NotAVouchDb,
        Code::NewerSchema,
        Code::StoreError,
        Code::StoreUnavailable,
        Code::TargetNotEmpty,
        Code::NotAGitRepo,
        Code::BadRef,
        Code::GitError,
        Code::NotARegularFile,
        Code::NonUtf8Path,
        Code::InvalidManifestUrn,
        Code::DuplicateManifestUrn,
        Code::ManifestTooDeep,
        Code::ManifestTooLarge,
        Code::UnsupportedManifestJson,
        Code::BadRequest,
        Code::UrnMismatch,
        Code::Unauthenticated,
        Code::Forbidden,
        Code::MethodNotAllowed,
        Code::RequestTimeout,
        Code::Conflict,
        Code::PayloadTooLarge,
        Code::UnsupportedMediaType,
        Code::Unavailable,
        Code::Overloaded,
        Code::RateLimited,
        Code::Draining,
    ];

    /// Every code: the core's, then the host's.
    pub fn all() -> impl Iterator<Item = Code> {
        vouch_core::Error::ALL
            .into_iter()
            .map(Code::Core)
            .chain(Code::HOST)
    }

    /// The stable string (kebab-case; the registry's two codes keep their snake_case).
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Core(e) => e.code(),
            Code::KeyRevoked => "key-revoked",
            Code::KeyExpired => "key-expired",
            Code::KeyNotYetValid => "key-not-yet-valid",
            Code::PolicyExpired => "policy-expired",
            Code::EnvelopeTooLarge => "envelope-too-large",
            Code::PolicyInvalid => "policy-invalid",
            Code::KeyInvalid => "key-invalid",
            Code::IoError => "io-error",
            Code::Usage => "usage",
            Code::Internal => "internal",
            Code::MissingProvenance => "missing_provenance",
            Code::InvalidProvenance => "invalid_provenance",
            Code::NotFound => "not-found",
            Code::StoreNotFound => "store-not-found",
            Code::NotAVouchDb => "not-a-vouch-db",
            Code::NewerSchema => "newer-schema",
            Code::StoreError => "store-error",
            Code::StoreUnavailable => "store-unavailable",
            Code::TargetNotEmpty => "target-not-empty",
            Code::NotAGitRepo => "not-a-git-repo",
            Code::BadRef => "bad-ref",
            Code::GitError => "git-error",
            Code::NotARegularFile => "not-a-regular-file",
            Code::NonUtf8Path => "non-utf8-path",
            Code::InvalidManifestUrn => "invalid-manifest-urn",
            Code::DuplicateManifestUrn => "duplicate-manifest-urn",
            Code::ManifestTooDeep => "manifest-too-deep",
            Code::ManifestTooLarge => "manifest-too-large",
            Code::UnsupportedManifestJson => "unsupported-manifest-json",
            Code::BadRequest => "bad-request",
            Code::UrnMismatch => "urn-mismatch",
            Code::Unauthenticated => "unauthenticated",
            Code::Forbidden => "forbidden",
            Code::MethodNotAllowed => "method-not-allowed",
            Code::RequestTimeout => "request-timeout",
            Code::Conflict => "conflict",
            Code::PayloadTooLarge => "payload-too-large",
            Code::UnsupportedMediaType => "unsupported-media-type",
            Code::Unavailable => "unavailable",
            Code::Overloaded => "overloaded",
            Code::RateLimited => "rate-limited",
            Code::Draining => "draining",
        }
    }

    /// The code for a string (the inverse of [`Code::as_str`]).
    pub fn parse(s: &str) -> Option<Code> {
        Code::all().find(|c| c.as_str() == s)
    }

    /// Whether the code is one of the registry's own (`missing_provenance`,
    /// `invalid_provenance`), kept in the registry's spelling.
    pub fn is_registry(self) -> bool {
        matches!(self, Code::MissingProvenance | Code::InvalidProvenance)
    }

    /// The exit status an error with this code leads to: 1 for a verdict about the input (not
    /// verified, refused, not found, blocked), 2 for a usage or environment error.
    pub fn exit(self) -> u8 {
        use vouch_core::Error as E;
        match self {
            Code::Core(
                E::BufferTooSmall
                | E::InvalidKey
                | E::UnsupportedKeyType
                | E::DuplicateTrustedKey
                | E::TooManyKeys
                | E::NoTrustedKeys
                | E::InvalidThreshold
                // A malformed Sigstore trusted root is the caller's setup, not the bundle's.
                | E::TrustedRootMalformed
                | E::TrustedRootMediaType
                | E::TrustedRootMissingStart
                | E::TrustedRootInvalidTime
                | E::LogIdMismatch
                | E::KeyDetailsMismatch,
            ) => EXIT_USAGE,
            Code::Core(_)
            | Code::KeyRevoked
            | Code::KeyExpired
            | Code::KeyNotYetValid
            | Code::PolicyExpired
            | Code::EnvelopeTooLarge
            | Code::MissingProvenance
            | Code::InvalidProvenance
            | Code::NotFound
            | Code::NotARegularFile
            | Code::NonUtf8Path
            | Code::InvalidManifestUrn
            | Code::DuplicateManifestUrn
            | Code::ManifestTooDeep
            | Code::ManifestTooLarge
            | Code::UnsupportedManifestJson
            | Code::Conflict => EXIT_NOT_VERIFIED,
            Code::PolicyInvalid
            | Code::KeyInvalid
            | Code::IoError
            | Code::Usage
            | Code::Internal
            | Code::StoreNotFound
            | Code::NotAVouchDb
            | Code::NewerSchema
            | Code::StoreError
            | Code::StoreUnavailable
            | Code::TargetNotEmpty
            | Code::NotAGitRepo
            | Code::BadRef
            | Code::GitError
            | Code::BadRequest
            | Code::UrnMismatch
            | Code::Unauthenticated
            | Code::Forbidden
            | Code::MethodNotAllowed
            | Code::RequestTimeout
            | Code::PayloadTooLarge
            | Code::UnsupportedMediaType
            | Code::Unavailable
            | Code::Overloaded
            | Code::RateLimited
            | Code::Draining => EXIT_USAGE,
        }
    }

    /// What the code means (one line; the README's tables say the same).
    pub fn description(self) -> &'static str {
        match self {
            Code::Core(e) => e.message(),
            Code::KeyRevoked => "the only trusted key that signed is revoked in the policy",
            Code::KeyExpired => "the only trusted key that signed is past its validUntil",
            Code::KeyNotYetValid => "the only trusted key that signed is before its validFrom",
            Code::PolicyExpired => "the policy's expires has passed",
            Code::EnvelopeTooLarge => "an envelope is larger than --max-envelope-size",
            Code::PolicyInvalid => "the policy file is malformed",
            Code::KeyInvalid => "a key file cannot be parsed",
            Code::IoError => "a file cannot be read or written",
            Code::Usage => "bad flags or arguments",
            Code::Internal => "a worker died before reporting (a bug)",
            Code::MissingProvenance => "an enforcing policy and no envelope",
            Code::InvalidProvenance => "an enforcing policy and an envelope that fails",
            Code::NotFound => "no record for the URN",
            Code::StoreNotFound => "the store does not exist",
            Code::NotAVouchDb => "the file is not a vouch store",
            Code::NewerSchema => "the store was written by a newer vouch",
            Code::StoreError => "the store cannot be used",
            Code::StoreUnavailable => "the store's database server cannot be reached (retry later)",
            Code::TargetNotEmpty => "the target of a store migration is not empty",
            Code::NotAGitRepo => "not inside a git repository",
            Code::BadRef => "--rev or --since is not a commit",
            Code::GitError => "git failed",
            Code::NotARegularFile => "a changed manifest path is not a regular file",
            Code::NonUtf8Path => "a changed path is not UTF-8",
            Code::InvalidManifestUrn => "a manifest's urn is not a non-empty string",
            Code::DuplicateManifestUrn => "a manifest has more than one top-level urn",
            Code::ManifestTooDeep => "a manifest is nested too deep",
            Code::ManifestTooLarge => "a manifest is too large",
            Code::UnsupportedManifestJson => "a manifest is JSON vouch cannot read",
            Code::BadRequest => "a malformed request to the registry service",
            Code::UrnMismatch => "the request path's URN differs from the body's urn",
            Code::Unauthenticated => "no API key, or an unknown, revoked or expired one",
            Code::Forbidden => "the API key lacks the scope or the URN prefix",
            Code::MethodNotAllowed => "the path does not take this HTTP method",
            Code::RequestTimeout => "the request took longer than the service allows",
            Code::Conflict => "a different record is stored for the URN and digest",
            Code::PayloadTooLarge => "a request body is larger than --max-body",
            Code::UnsupportedMediaType => "a request body that is not application/json",
            Code::Unavailable => "the service cannot use its store right now",
            Code::Overloaded => "the service's job queue is full",
            Code::RateLimited => "the API key sent more requests than --rate-limit allows",
            Code::Draining => "the service is shutting down",
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl From<vouch_core::Error> for Code {
    fn from(e: vouch_core::Error) -> Self {
        Code::Core(e)
    }
}

/// An error: a [`Code`] and a human explanation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliError {
    /// The stable code.
    pub code: Code,
    /// Human explanation.
    pub message: String,
}

impl CliError {
    /// An error with a code and a message; its exit status is the code's class.
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        CliError {
            code,
            message: message.into(),
        }
    }
    /// The process exit status this error leads to.
    pub fn exit(&self) -> u8 {
        self.code.exit()
    }
    /// A core error, with the core's message.
    pub fn core(e: vouch_core::Error) -> Self {
        Self::new(Code::Core(e), e.message())
    }
    /// A core error with context.
    pub fn core_with(e: vouch_core::Error, context: impl fmt::Display) -> Self {
        Self::new(Code::Core(e), format!("{}: {context}", e.message()))
    }
    /// A file could not be read or written.
    pub fn io(path: &std::path::Path, e: &std::io::Error) -> Self {
        Self::new(Code::IoError, format!("{}: {e}", path.display()))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_unique_and_round_trip() {
        let mut seen = std::collections::HashSet::new();
        for c in Code::all() {
            assert!(
                seen.insert(c.as_str()),
                "two variants share {:?}",
                c.as_str()
            );
            assert_eq!(Code::parse(c.as_str()), Some(c));
            assert!(!c.description().is_empty());
        }
        assert_eq!(seen.len(), vouch_core::Error::ALL.len() + Code::HOST.len());
        assert_eq!(Code::parse("no-such-code"), None);
    }

    #[test]
    fn exit_classes() {
        assert_eq!(Code::Core(vouch_core::Error::InvalidSignature).exit(), 1);
        assert_eq!(Code::Core(vouch_core::Error::TooManyKeys).exit(), 2);
        assert_eq!(
            Code::Core(vouch_core::Error::TrustedRootMalformed).exit(),
            2
        );
        assert_eq!(Code::Core(vouch_core::Error::IdentityMismatch).exit(), 1);
        assert_eq!(Code::Usage.exit(), 2);
        assert_eq!(Code::MissingProvenance.exit(), 1);
        assert!(Code::MissingProvenance.is_registry() && !Code::NotFound.is_registry());
    }
}
