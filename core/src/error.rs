//! The one error type of vouch-core.
//!
//! Every variant has an explicit, never-renumbered discriminant (the C ABI exposes it as the result
//! code) and a stable kebab-case code string (the CLI and its JSON output expose that). Adding a
//! variant is allowed; renumbering or renaming one is a breaking change.

use core::fmt;

/// Why an envelope, key, statement or verifier configuration was refused.
///
/// The numeric value (`err as u32`) and [`Error::code`] are stable public contracts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u32)]
#[non_exhaustive]
pub enum Error {
    /// The bytes are not valid RFC 8259 JSON (grammar, control character in a string, bad escape,
    /// lone surrogate, trailing data).
    InvalidJson = 1,
    /// The document is not valid UTF-8.
    InvalidUtf8 = 2,
    /// An object holds the same key twice (compared after unescaping).
    DuplicateKey = 3,
    /// Arrays and objects nest deeper than [`crate::json::MAX_DEPTH`].
    JsonTooDeep = 4,
    /// An object has more than [`crate::json::MAX_OBJECT_MEMBERS`] members.
    JsonObjectTooLarge = 5,
    /// The envelope is JSON but not a DSSE envelope: a required field is missing or has the wrong
    /// type (`payload`, `payloadType`, `signatures`, `signatures[].sig` strings; `keyid` a string).
    MalformedEnvelope = 6,
    /// `signatures` is an empty array.
    NoSignatures = 7,
    /// `signatures` holds more than [`crate::MAX_SIGNATURES`] entries.
    TooManySignatures = 8,
    /// A base64 field is not valid base64 (wrong characters, both alphabets mixed, whitespace,
    /// impossible length, bad padding or non-zero trailing bits).
    InvalidBase64 = 9,
    /// The envelope's `payloadType` is not in the caller's allowed list.
    PayloadTypeNotAllowed = 10,
    /// No signature verified under any trusted key.
    InvalidSignature = 11,
    /// Some signatures verified, but from fewer distinct trusted keys than the threshold.
    ThresholdNotMet = 12,
    /// A caller-supplied buffer is too small for the result.
    BufferTooSmall = 13,
    /// A public key could not be parsed, or is not a valid point (or a small-order Ed25519 point).
    InvalidKey = 14,
    /// A public key parsed but is of an algorithm vouch does not support (or that this build left
    /// out through Cargo features).
    UnsupportedKeyType = 15,
    /// The verifier was given the same key material twice.
    DuplicateTrustedKey = 16,
    /// The verifier was given more than [`crate::MAX_TRUSTED_KEYS`] keys.
    TooManyKeys = 17,
    /// The verifier was given no trusted keys.
    NoTrustedKeys = 18,
    /// The threshold is zero or larger than the number of trusted keys.
    InvalidThreshold = 19,
    /// The verified payload is not an in-toto Statement: a field has the wrong type or shape.
    MalformedStatement = 20,
    /// The Statement's `_type` is missing or not an in-toto Statement v0.1 or v1 URI.
    UnsupportedStatementType = 21,
    /// The Statement's `subject` is missing or empty.
    MissingSubject = 22,
    /// A subject digest of a known algorithm (sha256, sha512) is not lowercase hex of the right length.
    InvalidDigest = 23,
    /// The artifact's digest matches no subject.
    SubjectMismatch = 24,
    /// The Statement has no `predicateType` (required for Statement v1).
    MissingPredicateType = 25,
    /// The Statement's `predicateType` differs from the expected one.
    PredicateTypeMismatch = 26,
    /// SLSA provenance (or the registry format) without a builder id.
    MissingBuilderId = 27,
    /// The builder id differs from the expected one.
    BuilderIdMismatch = 28,
    /// Registry provenance without a `materials` array.
    MissingMaterials = 29,
    /// Registry provenance without `metadata.commit`.
    MissingCommit = 30,
    /// An artifact was given, but the Statement has no subjects that could bind it (registry
    /// provenance without `subject`).
    UnboundProvenance = 31,
    /// The artifact digest carries no algorithm (neither sha256 nor sha512 was computed).
    NoArtifactDigest = 32,
}

impl Error {
    /// Every error, in numeric order. Useful for documentation, tests and bindings.
    pub const ALL: [Error; 32] = [
        Error::InvalidJson,
        Error::InvalidUtf8,
        Error::DuplicateKey,
        Error::JsonTooDeep,
        Error::JsonObjectTooLarge,
        Error::MalformedEnvelope,
        Error::NoSignatures,
        Error::TooManySignatures,
        Error::InvalidBase64,
        Error::PayloadTypeNotAllowed,
        Error::InvalidSignature,
        Error::ThresholdNotMet,
        Error::BufferTooSmall,
        Error::InvalidKey,
        Error::UnsupportedKeyType,
        Error::DuplicateTrustedKey,
        Error::TooManyKeys,
        Error::NoTrustedKeys,
        Error::InvalidThreshold,
        Error::MalformedStatement,
        Error::UnsupportedStatementType,
        Error::MissingSubject,
        Error::InvalidDigest,
        Error::SubjectMismatch,
        Error::MissingPredicateType,
        Error::PredicateTypeMismatch,
        Error::MissingBuilderId,
        Error::BuilderIdMismatch,
        Error::MissingMaterials,
        Error::MissingCommit,
        Error::UnboundProvenance,
        Error::NoArtifactDigest,
    ];

    /// The stable numeric code (also the C ABI result value).
    pub const fn number(self) -> u32 {
        self as u32
    }

    /// The error whose numeric code is `n`, if any.
    pub fn from_number(n: u32) -> Option<Error> {
        Error::ALL.iter().copied().find(|e| e.number() == n)
    }

    /// The stable kebab-case code string.
    pub const fn code(self) -> &'static str {
        match self {
            Error::InvalidJson => "invalid-json",
            Error::InvalidUtf8 => "invalid-utf8",
            Error::DuplicateKey => "duplicate-key",
            Error::JsonTooDeep => "json-too-deep",
            Error::JsonObjectTooLarge => "json-object-too-large",
            Error::MalformedEnvelope => "malformed-envelope",
            Error::NoSignatures => "no-signatures",
            Error::TooManySignatures => "too-many-signatures",
            Error::InvalidBase64 => "invalid-base64",
            Error::PayloadTypeNotAllowed => "payload-type-not-allowed",
            Error::InvalidSignature => "invalid-signature",
            Error::ThresholdNotMet => "threshold-not-met",
            Error::BufferTooSmall => "buffer-too-small",
            Error::InvalidKey => "invalid-key",
            Error::UnsupportedKeyType => "unsupported-key-type",
            Error::DuplicateTrustedKey => "duplicate-trusted-key",
            Error::TooManyKeys => "too-many-keys",
            Error::NoTrustedKeys => "no-trusted-keys",
            Error::InvalidThreshold => "invalid-threshold",
            Error::MalformedStatement => "malformed-statement",
            Error::UnsupportedStatementType => "unsupported-statement-type",
            Error::MissingSubject => "missing-subject",
            Error::InvalidDigest => "invalid-digest",
            Error::SubjectMismatch => "subject-mismatch",
            Error::MissingPredicateType => "missing-predicate-type",
            Error::PredicateTypeMismatch => "predicate-type-mismatch",
            Error::MissingBuilderId => "missing-builder-id",
            Error::BuilderIdMismatch => "builder-id-mismatch",
            Error::MissingMaterials => "missing-materials",
            Error::MissingCommit => "missing-commit",
            Error::UnboundProvenance => "unbound-provenance",
            Error::NoArtifactDigest => "no-artifact-digest",
        }
    }

    /// A one-line human explanation (static text).
    pub const fn message(self) -> &'static str {
        match self {
            Error::InvalidJson => "the document is not valid JSON",
            Error::InvalidUtf8 => "the document is not valid UTF-8",
            Error::DuplicateKey => "a JSON object repeats a key",
            Error::JsonTooDeep => "JSON nesting is deeper than the limit",
            Error::JsonObjectTooLarge => "a JSON object has more members than the limit",
            Error::MalformedEnvelope => {
                "not a DSSE envelope: a required field is missing or mistyped"
            }
            Error::NoSignatures => "the envelope has no signatures",
            Error::TooManySignatures => "the envelope has more signatures than the limit",
            Error::InvalidBase64 => "a base64 field is malformed",
            Error::PayloadTypeNotAllowed => "the payloadType is not allowed",
            Error::InvalidSignature => "no signature verified under a trusted key",
            Error::ThresholdNotMet => {
                "fewer distinct trusted keys signed than the threshold requires"
            }
            Error::BufferTooSmall => "a caller-supplied buffer is too small",
            Error::InvalidKey => "the public key is malformed or not a valid point",
            Error::UnsupportedKeyType => "the public key's algorithm is not supported",
            Error::DuplicateTrustedKey => "the same key material is trusted twice",
            Error::TooManyKeys => "more trusted keys than the limit",
            Error::NoTrustedKeys => "no trusted keys were given",
            Error::InvalidThreshold => {
                "the threshold is zero or exceeds the number of trusted keys"
            }
            Error::MalformedStatement => "the payload is not a well-formed in-toto Statement",
            Error::UnsupportedStatementType => "the Statement _type is not in-toto v0.1 or v1",
            Error::MissingSubject => "the Statement has no subject",
            Error::InvalidDigest => "a subject digest is not lowercase hex of the right length",
            Error::SubjectMismatch => "the artifact matches no subject of the Statement",
            Error::MissingPredicateType => "the Statement has no predicateType",
            Error::PredicateTypeMismatch => "the predicateType is not the expected one",
            Error::MissingBuilderId => "the provenance names no builder id",
            Error::BuilderIdMismatch => "the builder id is not the expected one",
            Error::MissingMaterials => "the registry provenance has no materials array",
            Error::MissingCommit => "the registry provenance has no metadata.commit",
            Error::UnboundProvenance => "the provenance has no subject to bind the artifact to",
            Error::NoArtifactDigest => "the artifact digest names no algorithm",
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl core::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_dense_unique_and_round_trip() {
        for (i, e) in Error::ALL.iter().enumerate() {
            assert_eq!(e.number() as usize, i + 1);
            assert_eq!(Error::from_number(e.number()), Some(*e));
        }
        assert_eq!(Error::from_number(0), None);
        assert_eq!(Error::from_number(Error::ALL.len() as u32 + 1), None);
    }

    #[test]
    fn codes_are_unique_kebab_case() {
        for (i, a) in Error::ALL.iter().enumerate() {
            let c = a.code();
            assert!(
                c.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "{c}"
            );
            for b in Error::ALL.iter().skip(i + 1) {
                assert_ne!(c, b.code());
            }
        }
    }
}
