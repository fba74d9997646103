//! The one error type of vouch-core.
//!
//! Every variant has an explicit, never-renumbered discriminant (the C ABI exposes it as the result
//! code) and a stable kebab-case code string (the CLI and its JSON output expose that). Adding a
//! variant is allowed; renumbering or renaming one is a breaking change.

use core::fmt;

/// Number of [`Error`] variants in this build.
#[cfg(feature = "keyless")]
const ERROR_COUNT: usize = 32 + 50 + 28;
/// Number of [`Error`] variants in this build.
#[cfg(not(feature = "keyless"))]
const ERROR_COUNT: usize = 32;

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
    /// A DER element runs past the end of its input (a truncated certificate or a length too large).
    #[cfg(feature = "keyless")]
    DerTruncated = 100,
    /// The bytes are BER but not DER: a non-minimal or long-form length, an indefinite length, a high tag number, a non-minimal INTEGER, a BOOLEAN other than 00/FF, an encoded DEFAULT value, or bad BIT STRING padding.
    #[cfg(feature = "keyless")]
    DerNonCanonical = 101,
    /// Bytes follow the end of a DER element or of a structure that must end there.
    #[cfg(feature = "keyless")]
    DerTrailingData = 102,
    /// A DER element has another tag than the structure requires (or an element is missing).
    #[cfg(feature = "keyless")]
    DerUnexpectedTag = 103,
    /// The certificate is not X.509 version 3.
    #[cfg(feature = "keyless")]
    CertUnsupportedVersion = 104,
    /// The TBSCertificate's signature algorithm differs from the certificate's outer signatureAlgorithm.
    #[cfg(feature = "keyless")]
    CertAlgorithmMismatch = 105,
    /// A validity time is not a strict DER UTCTime (`YYMMDDHHMMSSZ`) or GeneralizedTime (`YYYYMMDDHHMMSSZ`), or is not a real date.
    #[cfg(feature = "keyless")]
    CertInvalidTime = 106,
    /// The certificate has the same extension twice.
    #[cfg(feature = "keyless")]
    CertDuplicateExtension = 107,
    /// A known extension's value does not parse (BasicConstraints, KeyUsage, ExtendedKeyUsage, SubjectAltName, Fulcio issuer) or has an empty list.
    #[cfg(feature = "keyless")]
    CertMalformedExtension = 108,
    /// The certificate has more extensions than the limit (64).
    #[cfg(feature = "keyless")]
    CertTooManyExtensions = 109,
    /// An RSA key or RSA signature algorithm: vouch verifies no RSA.
    #[cfg(feature = "keyless")]
    RsaUnsupported = 110,
    /// A certificate signature algorithm other than ecdsa-with-SHA256 / ecdsa-with-SHA384 (or with parameters).
    #[cfg(feature = "keyless")]
    UnsupportedSignatureAlgorithm = 111,
    /// A certificate's signature does not verify under its issuer's key.
    #[cfg(feature = "keyless")]
    CertSignatureInvalid = 112,
    /// The trusted root is JSON but a required field is missing or has the wrong type or value.
    #[cfg(feature = "keyless")]
    TrustedRootMalformed = 113,
    /// The trusted root's `mediaType` is not `application/vnd.dev.sigstore.trustedroot+json;version=0.1`.
    #[cfg(feature = "keyless")]
    TrustedRootMediaType = 114,
    /// A `validFor` of the trusted root has no `start` (or an entry has no `validFor`).
    #[cfg(feature = "keyless")]
    TrustedRootMissingStart = 115,
    /// A trusted root time is not an RFC 3339 UTC timestamp, or a window ends before it starts.
    #[cfg(feature = "keyless")]
    TrustedRootInvalidTime = 116,
    /// A log's `logId.keyId` is not the SHA-256 of its public key (for Ed25519 logs: nor the signed-note key id).
    #[cfg(feature = "keyless")]
    LogIdMismatch = 117,
    /// A trusted root key's `keyDetails` names another algorithm than its key has.
    #[cfg(feature = "keyless")]
    KeyDetailsMismatch = 118,
    /// A log's `hashAlgorithm` is not `SHA2_256`.
    #[cfg(feature = "keyless")]
    UnsupportedHashAlgorithm = 119,
    /// The bundle is larger than the size cap (`bundle::MAX_BUNDLE_LEN`, 64 KiB).
    #[cfg(feature = "keyless")]
    BundleTooLarge = 120,
    /// The bundle's `mediaType` is missing or not a supported Sigstore bundle media type (v0.1, v0.2, v0.3).
    #[cfg(feature = "keyless")]
    BundleMediaType = 121,
    /// The bundle is JSON but a required field is missing or mistyped, or not exactly one of the alternatives is present.
    #[cfg(feature = "keyless")]
    BundleMalformed = 122,
    /// More tlog entries (32), RFC 3161 timestamps (32), chain certificates (8) or proof hashes (64) than the bound.
    #[cfg(feature = "keyless")]
    BundleTooManyEntries = 123,
    /// A `logIndex` is negative.
    #[cfg(feature = "keyless")]
    BundleNegativeLogIndex = 124,
    /// The bundle has no transparency log entry.
    #[cfg(feature = "keyless")]
    BundleNoTlogEntries = 125,
    /// A v0.1 bundle's tlog entry has no inclusion promise (SET).
    #[cfg(feature = "keyless")]
    BundleMissingInclusionPromise = 126,
    /// A v0.2+ bundle's tlog entry has no inclusion proof.
    #[cfg(feature = "keyless")]
    BundleMissingInclusionProof = 127,
    /// An inclusion proof has no checkpoint.
    #[cfg(feature = "keyless")]
    BundleMissingCheckpoint = 128,
    /// A v0.3 bundle carries an `x509CertificateChain` instead of a single `certificate`.
    #[cfg(feature = "keyless")]
    BundleChainNotAllowed = 129,
    /// The bundle's certificate chain (or certificate) is empty.
    #[cfg(feature = "keyless")]
    BundleEmptyCertificateChain = 130,
    /// The bundle's certificate chain holds a self-signed (root) certificate: roots come only from the trusted root.
    #[cfg(feature = "keyless")]
    BundleRootCertificate = 131,
    /// A bundle's DSSE envelope does not carry exactly one signature.
    #[cfg(feature = "keyless")]
    DsseSignatureCount = 132,
    /// Two tlog entries have the same (logId, logIndex).
    #[cfg(feature = "keyless")]
    TlogDuplicateEntry = 133,
    /// No tlog entry comes from a log of the trusted root.
    #[cfg(feature = "keyless")]
    TlogNoTrustedLog = 134,
    /// An inclusion promise (SET) does not verify under its log's key.
    #[cfg(feature = "keyless")]
    TlogSetInvalid = 135,
    /// A log key's `validFor` does not contain the entry's integrated time.
    #[cfg(feature = "keyless")]
    TlogKeyNotValid = 136,
    /// An inclusion proof does not lead to its root hash (index, tree size, number of hashes or hashes wrong).
    #[cfg(feature = "keyless")]
    TlogInclusionProofInvalid = 137,
    /// A checkpoint is not a well-formed signed note.
    #[cfg(feature = "keyless")]
    CheckpointMalformed = 138,
    /// No signature line of a checkpoint verifies under its log's key.
    #[cfg(feature = "keyless")]
    CheckpointSignatureInvalid = 139,
    /// A checkpoint's tree size or root hash (or a Rekor v2 origin) differs from the inclusion proof's.
    #[cfg(feature = "keyless")]
    CheckpointMismatch = 140,
    /// A tlog entry's kind/version is not supported for the bundle's content.
    #[cfg(feature = "keyless")]
    TlogKindUnsupported = 141,
    /// A tlog entry's body is not a well-formed entry of its kind, or its kind/apiVersion differ from `kindVersion`.
    #[cfg(feature = "keyless")]
    TlogBodyMalformed = 142,
    /// A tlog entry's body is for another artifact or payload.
    #[cfg(feature = "keyless")]
    TlogBodyArtifactMismatch = 143,
    /// A tlog entry's body holds another signature than the bundle's.
    #[cfg(feature = "keyless")]
    TlogBodySignatureMismatch = 144,
    /// A tlog entry's body names another certificate or key than the bundle's signer.
    #[cfg(feature = "keyless")]
    TlogBodyKeyMismatch = 145,
    /// A trusted time lies outside the leaf certificate's validity or the managed key's window.
    #[cfg(feature = "keyless")]
    SigningTimeOutsideValidity = 146,
    /// No trusted time: no verified SET and no verified RFC 3161 timestamp.
    #[cfg(feature = "keyless")]
    NoTrustedTime = 147,
    /// The bundle's `messageDigest` differs from the artifact's digest (or its algorithm was not computed).
    #[cfg(feature = "keyless")]
    MessageDigestMismatch = 148,
    /// The policy kind does not fit the bundle: an identity policy for a managed-key bundle, or a key for a certificate bundle.
    #[cfg(feature = "keyless")]
    KeylessPolicyMismatch = 149,
    /// No SubjectAltName value of the leaf (URI, email, or Fulcio otherName username) matches the identity policy.
    #[cfg(feature = "keyless")]
    IdentityMismatch = 150,
    /// The leaf's OIDC issuer (Fulcio extension 1.3.6.1.4.1.57264.1.8, else .1.1) does not match the issuer policy.
    #[cfg(feature = "keyless")]
    IssuerMismatch = 151,
    /// The leaf has no Fulcio issuer extension (neither 1.3.6.1.4.1.57264.1.8 nor .1.1).
    #[cfg(feature = "keyless")]
    MissingOidcIssuer = 152,
    /// A certificate of the path (leaf, intermediate, root, or a timestamp authority's) is not valid at the trusted time.
    #[cfg(feature = "keyless")]
    CertNotValidAtTime = 153,
    /// No certificate authority of the trusted root whose `validFor` contains the time issued the certificate.
    #[cfg(feature = "keyless")]
    UntrustedIssuer = 154,
    /// The certificate authority that issued the certificate is in the trusted root, but its `validFor` does not contain the time.
    #[cfg(feature = "keyless")]
    AuthorityOutsideValidity = 155,
    /// An issuing certificate lacks BasicConstraints with `cA` true.
    #[cfg(feature = "keyless")]
    IssuerNotCa = 156,
    /// A CA's BasicConstraints `pathLenConstraint` is exceeded by the path below it.
    #[cfg(feature = "keyless")]
    PathLengthExceeded = 157,
    /// A certificate of the path has a critical extension vouch does not process.
    #[cfg(feature = "keyless")]
    UnknownCriticalExtension = 158,
    /// The leaf has no KeyUsage extension with digitalSignature.
    #[cfg(feature = "keyless")]
    LeafKeyUsage = 159,
    /// The leaf's ExtendedKeyUsage does not list id-kp-codeSigning (or is absent).
    #[cfg(feature = "keyless")]
    LeafExtendedKeyUsage = 160,
    /// The leaf certificate is a CA (BasicConstraints `cA` true).
    #[cfg(feature = "keyless")]
    LeafIsCa = 161,
    /// A certificate's issuer Name is not byte-equal to its issuer's subject Name.
    #[cfg(feature = "keyless")]
    NameChainingMismatch = 162,
    /// An issuing certificate has a KeyUsage extension without keyCertSign.
    #[cfg(feature = "keyless")]
    IssuerKeyUsage = 163,
    /// The leaf embeds no signed certificate timestamp (extension 1.3.6.1.4.1.11129.2.4.2).
    #[cfg(feature = "keyless")]
    SctMissing = 164,
    /// The TLS-encoded SignedCertificateTimestampList or an SCT in it does not parse.
    #[cfg(feature = "keyless")]
    SctMalformed = 165,
    /// An SCT's log id names no CT log of the trusted root.
    #[cfg(feature = "keyless")]
    SctUnknownLog = 166,
    /// An SCT's timestamp lies outside its CT log's `validFor`.
    #[cfg(feature = "keyless")]
    SctOutsideLogValidity = 167,
    /// An SCT's signature does not verify over the reconstructed precertificate.
    #[cfg(feature = "keyless")]
    SctSignatureInvalid = 168,
    /// An SCT of another version than v1, or signed with another algorithm than ECDSA P-256 with SHA-256.
    #[cfg(feature = "keyless")]
    SctUnsupported = 169,
    /// An RFC 3161 timestamp is not a granted TimeStampResp / CMS SignedData with one signer over a TSTInfo, or misses a required field.
    #[cfg(feature = "keyless")]
    TimestampMalformed = 170,
    /// An RFC 3161 timestamp's message imprint is not the hash of the bundle's signature.
    #[cfg(feature = "keyless")]
    TimestampImprintMismatch = 171,
    /// No timestamp authority of the trusted root signed the RFC 3161 timestamp.
    #[cfg(feature = "keyless")]
    TimestampUntrusted = 172,
    /// The timestamp authority's certificate lacks a critical ExtendedKeyUsage with id-kp-timeStamping, or is a CA.
    #[cfg(feature = "keyless")]
    TsaNotTimestamping = 173,
    /// An RFC 3161 timestamp's genTime lies outside its timestamp authority's `validFor`.
    #[cfg(feature = "keyless")]
    TimestampOutsideTsaValidity = 174,
    /// The CMS signature over an RFC 3161 timestamp's signed attributes does not verify.
    #[cfg(feature = "keyless")]
    TimestampSignatureInvalid = 175,
    /// An RFC 3161 timestamp's messageDigest or contentType attribute does not match its TSTInfo.
    #[cfg(feature = "keyless")]
    TimestampContentDigestMismatch = 176,
    /// An RFC 3161 timestamp uses a hash algorithm other than SHA-256, SHA-384 or SHA-512.
    #[cfg(feature = "keyless")]
    TimestampUnsupportedAlgorithm = 177,
}

impl Error {
    /// Every error, in numeric order. Useful for documentation, tests and bindings. The keyless
    /// errors (100 and up) exist only with the `keyless` feature.
    pub const ALL: [Error; ERROR_COUNT] = [
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
        #[cfg(feature = "keyless")]
        Error::DerTruncated,
        #[cfg(feature = "keyless")]
        Error::DerNonCanonical,
        #[cfg(feature = "keyless")]
        Error::DerTrailingData,
        #[cfg(feature = "keyless")]
        Error::DerUnexpectedTag,
        #[cfg(feature = "keyless")]
        Error::CertUnsupportedVersion,
        #[cfg(feature = "keyless")]
        Error::CertAlgorithmMismatch,
        #[cfg(feature = "keyless")]
        Error::CertInvalidTime,
        #[cfg(feature = "keyless")]
        Error::CertDuplicateExtension,
        #[cfg(feature = "keyless")]
        Error::CertMalformedExtension,
        #[cfg(feature = "keyless")]
        Error::CertTooManyExtensions,
        #[cfg(feature = "keyless")]
        Error::RsaUnsupported,
        #[cfg(feature = "keyless")]
        Error::UnsupportedSignatureAlgorithm,
        #[cfg(feature = "keyless")]
        Error::CertSignatureInvalid,
        #[cfg(feature = "keyless")]
        Error::TrustedRootMalformed,
        #[cfg(feature = "keyless")]
        Error::TrustedRootMediaType,
        #[cfg(feature = "keyless")]
        Error::TrustedRootMissingStart,
        #[cfg(feature = "keyless")]
        Error::TrustedRootInvalidTime,
        #[cfg(feature = "keyless")]
        Error::LogIdMismatch,
        #[cfg(feature = "keyless")]
        Error::KeyDetailsMismatch,
        #[cfg(feature = "keyless")]
        Error::UnsupportedHashAlgorithm,
        #[cfg(feature = "keyless")]
        Error::BundleTooLarge,
        #[cfg(feature = "keyless")]
        Error::BundleMediaType,
        #[cfg(feature = "keyless")]
        Error::BundleMalformed,
        #[cfg(feature = "keyless")]
        Error::BundleTooManyEntries,
        #[cfg(feature = "keyless")]
        Error::BundleNegativeLogIndex,
        #[cfg(feature = "keyless")]
        Error::BundleNoTlogEntries,
        #[cfg(feature = "keyless")]
        Error::BundleMissingInclusionPromise,
        #[cfg(feature = "keyless")]
        Error::BundleMissingInclusionProof,
        #[cfg(feature = "keyless")]
        Error::BundleMissingCheckpoint,
        #[cfg(feature = "keyless")]
        Error::BundleChainNotAllowed,
        #[cfg(feature = "keyless")]
        Error::BundleEmptyCertificateChain,
        #[cfg(feature = "keyless")]
        Error::BundleRootCertificate,
        #[cfg(feature = "keyless")]
        Error::DsseSignatureCount,
        #[cfg(feature = "keyless")]
        Error::TlogDuplicateEntry,
        #[cfg(feature = "keyless")]
        Error::TlogNoTrustedLog,
        #[cfg(feature = "keyless")]
        Error::TlogSetInvalid,
        #[cfg(feature = "keyless")]
        Error::TlogKeyNotValid,
        #[cfg(feature = "keyless")]
        Error::TlogInclusionProofInvalid,
        #[cfg(feature = "keyless")]
        Error::CheckpointMalformed,
        #[cfg(feature = "keyless")]
        Error::CheckpointSignatureInvalid,
        #[cfg(feature = "keyless")]
        Error::CheckpointMismatch,
        #[cfg(feature = "keyless")]
        Error::TlogKindUnsupported,
        #[cfg(feature = "keyless")]
        Error::TlogBodyMalformed,
        #[cfg(feature = "keyless")]
        Error::TlogBodyArtifactMismatch,
        #[cfg(feature = "keyless")]
        Error::TlogBodySignatureMismatch,
        #[cfg(feature = "keyless")]
        Error::TlogBodyKeyMismatch,
        #[cfg(feature = "keyless")]
        Error::SigningTimeOutsideValidity,
        #[cfg(feature = "keyless")]
        Error::NoTrustedTime,
        #[cfg(feature = "keyless")]
        Error::MessageDigestMismatch,
        #[cfg(feature = "keyless")]
        Error::KeylessPolicyMismatch,
        #[cfg(feature = "keyless")]
        Error::IdentityMismatch,
        #[cfg(feature = "keyless")]
        Error::IssuerMismatch,
        #[cfg(feature = "keyless")]
        Error::MissingOidcIssuer,
        #[cfg(feature = "keyless")]
        Error::CertNotValidAtTime,
        #[cfg(feature = "keyless")]
        Error::UntrustedIssuer,
        #[cfg(feature = "keyless")]
        Error::AuthorityOutsideValidity,
        #[cfg(feature = "keyless")]
        Error::IssuerNotCa,
        #[cfg(feature = "keyless")]
        Error::PathLengthExceeded,
        #[cfg(feature = "keyless")]
        Error::UnknownCriticalExtension,
        #[cfg(feature = "keyless")]
        Error::LeafKeyUsage,
        #[cfg(feature = "keyless")]
        Error::LeafExtendedKeyUsage,
        #[cfg(feature = "keyless")]
        Error::LeafIsCa,
        #[cfg(feature = "keyless")]
        Error::NameChainingMismatch,
        #[cfg(feature = "keyless")]
        Error::IssuerKeyUsage,
        #[cfg(feature = "keyless")]
        Error::SctMissing,
        #[cfg(feature = "keyless")]
        Error::SctMalformed,
        #[cfg(feature = "keyless")]
        Error::SctUnknownLog,
        #[cfg(feature = "keyless")]
        Error::SctOutsideLogValidity,
        #[cfg(feature = "keyless")]
        Error::SctSignatureInvalid,
        #[cfg(feature = "keyless")]
        Error::SctUnsupported,
        #[cfg(feature = "keyless")]
        Error::TimestampMalformed,
        #[cfg(feature = "keyless")]
        Error::TimestampImprintMismatch,
        #[cfg(feature = "keyless")]
        Error::TimestampUntrusted,
        #[cfg(feature = "keyless")]
        Error::TsaNotTimestamping,
        #[cfg(feature = "keyless")]
        Error::TimestampOutsideTsaValidity,
        #[cfg(feature = "keyless")]
        Error::TimestampSignatureInvalid,
        #[cfg(feature = "keyless")]
        Error::TimestampContentDigestMismatch,
        #[cfg(feature = "keyless")]
        Error::TimestampUnsupportedAlgorithm,
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
            #[cfg(feature = "keyless")]
            Error::DerTruncated => "der-truncated",
            #[cfg(feature = "keyless")]
            Error::DerNonCanonical => "der-non-canonical",
            #[cfg(feature = "keyless")]
            Error::DerTrailingData => "der-trailing-data",
            #[cfg(feature = "keyless")]
            Error::DerUnexpectedTag => "der-unexpected-tag",
            #[cfg(feature = "keyless")]
            Error::CertUnsupportedVersion => "cert-unsupported-version",
            #[cfg(feature = "keyless")]
            Error::CertAlgorithmMismatch => "cert-algorithm-mismatch",
            #[cfg(feature = "keyless")]
            Error::CertInvalidTime => "cert-invalid-time",
            #[cfg(feature = "keyless")]
            Error::CertDuplicateExtension => "cert-duplicate-extension",
            #[cfg(feature = "keyless")]
            Error::CertMalformedExtension => "cert-malformed-extension",
            #[cfg(feature = "keyless")]
            Error::CertTooManyExtensions => "cert-too-many-extensions",
            #[cfg(feature = "keyless")]
            Error::RsaUnsupported => "rsa-unsupported",
            #[cfg(feature = "keyless")]
            Error::UnsupportedSignatureAlgorithm => "unsupported-signature-algorithm",
            #[cfg(feature = "keyless")]
            Error::CertSignatureInvalid => "cert-signature-invalid",
            #[cfg(feature = "keyless")]
            Error::TrustedRootMalformed => "trusted-root-malformed",
            #[cfg(feature = "keyless")]
            Error::TrustedRootMediaType => "trusted-root-media-type",
            #[cfg(feature = "keyless")]
            Error::TrustedRootMissingStart => "trusted-root-missing-start",
            #[cfg(feature = "keyless")]
            Error::TrustedRootInvalidTime => "trusted-root-invalid-time",
            #[cfg(feature = "keyless")]
            Error::LogIdMismatch => "log-id-mismatch",
            #[cfg(feature = "keyless")]
            Error::KeyDetailsMismatch => "key-details-mismatch",
            #[cfg(feature = "keyless")]
            Error::UnsupportedHashAlgorithm => "unsupported-hash-algorithm",
            #[cfg(feature = "keyless")]
            Error::BundleTooLarge => "bundle-too-large",
            #[cfg(feature = "keyless")]
            Error::BundleMediaType => "bundle-media-type",
            #[cfg(feature = "keyless")]
            Error::BundleMalformed => "bundle-malformed",
            #[cfg(feature = "keyless")]
            Error::BundleTooManyEntries => "bundle-too-many-entries",
            #[cfg(feature = "keyless")]
            Error::BundleNegativeLogIndex => "bundle-negative-log-index",
            #[cfg(feature = "keyless")]
            Error::BundleNoTlogEntries => "bundle-no-tlog-entries",
            #[cfg(feature = "keyless")]
            Error::BundleMissingInclusionPromise => "bundle-missing-inclusion-promise",
            #[cfg(feature = "keyless")]
            Error::BundleMissingInclusionProof => "bundle-missing-inclusion-proof",
            #[cfg(feature = "keyless")]
            Error::BundleMissingCheckpoint => "bundle-missing-checkpoint",
            #[cfg(feature = "keyless")]
            Error::BundleChainNotAllowed => "bundle-chain-not-allowed",
            #[cfg(feature = "keyless")]
            Error::BundleEmptyCertificateChain => "bundle-empty-certificate-chain",
            #[cfg(feature = "keyless")]
            Error::BundleRootCertificate => "bundle-root-certificate",
            #[cfg(feature = "keyless")]
            Error::DsseSignatureCount => "dsse-signature-count",
            #[cfg(feature = "keyless")]
            Error::TlogDuplicateEntry => "tlog-duplicate-entry",
            #[cfg(feature = "keyless")]
            Error::TlogNoTrustedLog => "tlog-no-trusted-log",
            #[cfg(feature = "keyless")]
            Error::TlogSetInvalid => "tlog-set-invalid",
            #[cfg(feature = "keyless")]
            Error::TlogKeyNotValid => "tlog-key-not-valid",
            #[cfg(feature = "keyless")]
            Error::TlogInclusionProofInvalid => "tlog-inclusion-proof-invalid",
            #[cfg(feature = "keyless")]
            Error::CheckpointMalformed => "checkpoint-malformed",
            #[cfg(feature = "keyless")]
            Error::CheckpointSignatureInvalid => "checkpoint-signature-invalid",
            #[cfg(feature = "keyless")]
            Error::CheckpointMismatch => "checkpoint-mismatch",
            #[cfg(feature = "keyless")]
            Error::TlogKindUnsupported => "tlog-kind-unsupported",
            #[cfg(feature = "keyless")]
            Error::TlogBodyMalformed => "tlog-body-malformed",
            #[cfg(feature = "keyless")]
            Error::TlogBodyArtifactMismatch => "tlog-body-artifact-mismatch",
            #[cfg(feature = "keyless")]
            Error::TlogBodySignatureMismatch => "tlog-body-signature-mismatch",
            #[cfg(feature = "keyless")]
            Error::TlogBodyKeyMismatch => "tlog-body-key-mismatch",
            #[cfg(feature = "keyless")]
            Error::SigningTimeOutsideValidity => "signing-time-outside-validity",
            #[cfg(feature = "keyless")]
            Error::NoTrustedTime => "no-trusted-time",
            #[cfg(feature = "keyless")]
            Error::MessageDigestMismatch => "message-digest-mismatch",
            #[cfg(feature = "keyless")]
            Error::KeylessPolicyMismatch => "keyless-policy-mismatch",
            #[cfg(feature = "keyless")]
            Error::IdentityMismatch => "identity-mismatch",
            #[cfg(feature = "keyless")]
            Error::IssuerMismatch => "issuer-mismatch",
            #[cfg(feature = "keyless")]
            Error::MissingOidcIssuer => "missing-oidc-issuer",
            #[cfg(feature = "keyless")]
            Error::CertNotValidAtTime => "cert-not-valid-at-time",
            #[cfg(feature = "keyless")]
            Error::UntrustedIssuer => "untrusted-issuer",
            #[cfg(feature = "keyless")]
            Error::AuthorityOutsideValidity => "authority-outside-validity",
            #[cfg(feature = "keyless")]
            Error::IssuerNotCa => "issuer-not-ca",
            #[cfg(feature = "keyless")]
            Error::PathLengthExceeded => "path-length-exceeded",
            #[cfg(feature = "keyless")]
            Error::UnknownCriticalExtension => "unknown-critical-extension",
            #[cfg(feature = "keyless")]
            Error::LeafKeyUsage => "leaf-key-usage",
            #[cfg(feature = "keyless")]
            Error::LeafExtendedKeyUsage => "leaf-extended-key-usage",
            #[cfg(feature = "keyless")]
            Error::LeafIsCa => "leaf-is-ca",
            #[cfg(feature = "keyless")]
            Error::NameChainingMismatch => "name-chaining-mismatch",
            #[cfg(feature = "keyless")]
            Error::IssuerKeyUsage => "issuer-key-usage",
            #[cfg(feature = "keyless")]
            Error::SctMissing => "sct-missing",
            #[cfg(feature = "keyless")]
            Error::SctMalformed => "sct-malformed",
            #[cfg(feature = "keyless")]
            Error::SctUnknownLog => "sct-unknown-log",
            #[cfg(feature = "keyless")]
            Error::SctOutsideLogValidity => "sct-outside-log-validity",
            #[cfg(feature = "keyless")]
            Error::SctSignatureInvalid => "sct-signature-invalid",
            #[cfg(feature = "keyless")]
            Error::SctUnsupported => "sct-unsupported",
            #[cfg(feature = "keyless")]
            Error::TimestampMalformed => "timestamp-malformed",
            #[cfg(feature = "keyless")]
            Error::TimestampImprintMismatch => "timestamp-imprint-mismatch",
            #[cfg(feature = "keyless")]
            Error::TimestampUntrusted => "timestamp-untrusted",
            #[cfg(feature = "keyless")]
            Error::TsaNotTimestamping => "tsa-not-timestamping",
            #[cfg(feature = "keyless")]
            Error::TimestampOutsideTsaValidity => "timestamp-outside-tsa-validity",
            #[cfg(feature = "keyless")]
            Error::TimestampSignatureInvalid => "timestamp-signature-invalid",
            #[cfg(feature = "keyless")]
            Error::TimestampContentDigestMismatch => "timestamp-content-digest-mismatch",
            #[cfg(feature = "keyless")]
            Error::TimestampUnsupportedAlgorithm => "timestamp-unsupported-algorithm",
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
            #[cfg(feature = "keyless")]
            Error::DerTruncated => "a DER length runs past the end of the input",
            #[cfg(feature = "keyless")]
            Error::DerNonCanonical => "the encoding is not canonical DER",
            #[cfg(feature = "keyless")]
            Error::DerTrailingData => "bytes follow the end of a DER element",
            #[cfg(feature = "keyless")]
            Error::DerUnexpectedTag => "a DER element has an unexpected tag",
            #[cfg(feature = "keyless")]
            Error::CertUnsupportedVersion => "the certificate is not X.509 v3",
            #[cfg(feature = "keyless")]
            Error::CertAlgorithmMismatch => "the inner and outer signature algorithms differ",
            #[cfg(feature = "keyless")]
            Error::CertInvalidTime => "a certificate validity time is malformed",
            #[cfg(feature = "keyless")]
            Error::CertDuplicateExtension => "the certificate repeats an extension",
            #[cfg(feature = "keyless")]
            Error::CertMalformedExtension => "a certificate extension is malformed",
            #[cfg(feature = "keyless")]
            Error::CertTooManyExtensions => "the certificate has more extensions than the limit",
            #[cfg(feature = "keyless")]
            Error::RsaUnsupported => "RSA keys and signatures are not supported",
            #[cfg(feature = "keyless")]
            Error::UnsupportedSignatureAlgorithm => "the signature algorithm is not supported",
            #[cfg(feature = "keyless")]
            Error::CertSignatureInvalid => {
                "the certificate signature does not verify under the issuer key"
            }
            #[cfg(feature = "keyless")]
            Error::TrustedRootMalformed => "the trusted root is malformed",
            #[cfg(feature = "keyless")]
            Error::TrustedRootMediaType => "the trusted root media type is not supported",
            #[cfg(feature = "keyless")]
            Error::TrustedRootMissingStart => "a trusted root validity window has no start",
            #[cfg(feature = "keyless")]
            Error::TrustedRootInvalidTime => "a trusted root time is malformed",
            #[cfg(feature = "keyless")]
            Error::LogIdMismatch => "a log id does not match the log key",
            #[cfg(feature = "keyless")]
            Error::KeyDetailsMismatch => "the keyDetails do not match the key",
            #[cfg(feature = "keyless")]
            Error::UnsupportedHashAlgorithm => "the log hash algorithm is not supported",
            #[cfg(feature = "keyless")]
            Error::BundleTooLarge => "the bundle is larger than the size cap",
            #[cfg(feature = "keyless")]
            Error::BundleMediaType => "the bundle media type is not supported",
            #[cfg(feature = "keyless")]
            Error::BundleMalformed => "the bundle is malformed",
            #[cfg(feature = "keyless")]
            Error::BundleTooManyEntries => "the bundle has more entries than a bound allows",
            #[cfg(feature = "keyless")]
            Error::BundleNegativeLogIndex => "a log index is negative",
            #[cfg(feature = "keyless")]
            Error::BundleNoTlogEntries => "the bundle has no transparency log entry",
            #[cfg(feature = "keyless")]
            Error::BundleMissingInclusionPromise => "a v0.1 tlog entry has no inclusion promise",
            #[cfg(feature = "keyless")]
            Error::BundleMissingInclusionProof => "a v0.2+ tlog entry has no inclusion proof",
            #[cfg(feature = "keyless")]
            Error::BundleMissingCheckpoint => "an inclusion proof has no checkpoint",
            #[cfg(feature = "keyless")]
            Error::BundleChainNotAllowed => "a v0.3 bundle carries a certificate chain",
            #[cfg(feature = "keyless")]
            Error::BundleEmptyCertificateChain => "the bundle's certificate chain is empty",
            #[cfg(feature = "keyless")]
            Error::BundleRootCertificate => "the bundle carries a root certificate",
            #[cfg(feature = "keyless")]
            Error::DsseSignatureCount => {
                "the bundle's DSSE envelope does not have exactly one signature"
            }
            #[cfg(feature = "keyless")]
            Error::TlogDuplicateEntry => "two tlog entries are the same log entry",
            #[cfg(feature = "keyless")]
            Error::TlogNoTrustedLog => "no tlog entry is from a trusted log",
            #[cfg(feature = "keyless")]
            Error::TlogSetInvalid => "a signed entry timestamp does not verify",
            #[cfg(feature = "keyless")]
            Error::TlogKeyNotValid => "the log key is not valid at the entry's time",
            #[cfg(feature = "keyless")]
            Error::TlogInclusionProofInvalid => "an inclusion proof does not verify",
            #[cfg(feature = "keyless")]
            Error::CheckpointMalformed => "a checkpoint is malformed",
            #[cfg(feature = "keyless")]
            Error::CheckpointSignatureInvalid => {
                "no checkpoint signature verifies under the log key"
            }
            #[cfg(feature = "keyless")]
            Error::CheckpointMismatch => "the checkpoint does not match the inclusion proof",
            #[cfg(feature = "keyless")]
            Error::TlogKindUnsupported => "the tlog entry kind is not supported",
            #[cfg(feature = "keyless")]
            Error::TlogBodyMalformed => "a tlog entry body is malformed",
            #[cfg(feature = "keyless")]
            Error::TlogBodyArtifactMismatch => "a tlog entry is for another artifact",
            #[cfg(feature = "keyless")]
            Error::TlogBodySignatureMismatch => "a tlog entry holds another signature",
            #[cfg(feature = "keyless")]
            Error::TlogBodyKeyMismatch => "a tlog entry names another certificate or key",
            #[cfg(feature = "keyless")]
            Error::SigningTimeOutsideValidity => {
                "a trusted time lies outside the signer's validity"
            }
            #[cfg(feature = "keyless")]
            Error::NoTrustedTime => "the bundle has no trusted time",
            #[cfg(feature = "keyless")]
            Error::MessageDigestMismatch => "the message digest is not the artifact's",
            #[cfg(feature = "keyless")]
            Error::KeylessPolicyMismatch => "the policy does not fit the bundle's signer",
            #[cfg(feature = "keyless")]
            Error::IdentityMismatch => "no certificate identity matches the policy",
            #[cfg(feature = "keyless")]
            Error::IssuerMismatch => "the certificate's OIDC issuer does not match the policy",
            #[cfg(feature = "keyless")]
            Error::MissingOidcIssuer => "the certificate names no OIDC issuer",
            #[cfg(feature = "keyless")]
            Error::CertNotValidAtTime => {
                "a certificate of the path is not valid at the trusted time"
            }
            #[cfg(feature = "keyless")]
            Error::UntrustedIssuer => "no trusted certificate authority issued the certificate",
            #[cfg(feature = "keyless")]
            Error::AuthorityOutsideValidity => {
                "the issuing authority is not valid at the time in the trusted root"
            }
            #[cfg(feature = "keyless")]
            Error::IssuerNotCa => "an issuing certificate is not a CA",
            #[cfg(feature = "keyless")]
            Error::PathLengthExceeded => "a CA's path length constraint is exceeded",
            #[cfg(feature = "keyless")]
            Error::UnknownCriticalExtension => "a certificate has an unknown critical extension",
            #[cfg(feature = "keyless")]
            Error::LeafKeyUsage => "the leaf certificate lacks the digitalSignature key usage",
            #[cfg(feature = "keyless")]
            Error::LeafExtendedKeyUsage => {
                "the leaf certificate lacks the codeSigning extended key usage"
            }
            #[cfg(feature = "keyless")]
            Error::LeafIsCa => "the leaf certificate is a CA",
            #[cfg(feature = "keyless")]
            Error::NameChainingMismatch => {
                "a certificate's issuer name differs from its issuer's subject"
            }
            #[cfg(feature = "keyless")]
            Error::IssuerKeyUsage => "an issuing certificate's key usage lacks keyCertSign",
            #[cfg(feature = "keyless")]
            Error::SctMissing => "the certificate embeds no SCT",
            #[cfg(feature = "keyless")]
            Error::SctMalformed => "an embedded SCT list is malformed",
            #[cfg(feature = "keyless")]
            Error::SctUnknownLog => "an SCT comes from a CT log the trusted root does not list",
            #[cfg(feature = "keyless")]
            Error::SctOutsideLogValidity => "an SCT's timestamp is outside its CT log's validity",
            #[cfg(feature = "keyless")]
            Error::SctSignatureInvalid => "an SCT signature does not verify",
            #[cfg(feature = "keyless")]
            Error::SctUnsupported => "an SCT version or algorithm is not supported",
            #[cfg(feature = "keyless")]
            Error::TimestampMalformed => "an RFC 3161 timestamp is malformed",
            #[cfg(feature = "keyless")]
            Error::TimestampImprintMismatch => "a timestamp is not over the bundle's signature",
            #[cfg(feature = "keyless")]
            Error::TimestampUntrusted => "no trusted timestamp authority signed the timestamp",
            #[cfg(feature = "keyless")]
            Error::TsaNotTimestamping => {
                "the timestamp authority certificate is not for time stamping"
            }
            #[cfg(feature = "keyless")]
            Error::TimestampOutsideTsaValidity => {
                "the timestamp lies outside its authority's validity"
            }
            #[cfg(feature = "keyless")]
            Error::TimestampSignatureInvalid => "the timestamp signature does not verify",
            #[cfg(feature = "keyless")]
            Error::TimestampContentDigestMismatch => {
                "the timestamp's signed attributes do not match its content"
            }
            #[cfg(feature = "keyless")]
            Error::TimestampUnsupportedAlgorithm => {
                "the timestamp's hash algorithm is not supported"
            }
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
    fn numbers_are_increasing_unique_and_round_trip() {
        // 1..=32: the DSSE / statement errors, dense; 100 and up: the keyless errors (feature
        // `keyless`), in numbered ranges (100-119 foundations, 120-149 bundle and logs, 150-179
        // certificate path, SCT, identity and timestamps), increasing, each range from its start.
        let mut last = 0;
        for (i, e) in Error::ALL.iter().enumerate() {
            let n = e.number();
            if i < 32 {
                assert_eq!(n as usize, i + 1);
            } else {
                assert!((100..200).contains(&n), "{n}");
            }
            assert!(n > last, "{n} after {last}");
            last = n;
            assert_eq!(Error::from_number(n), Some(*e));
            assert!(!e.message().is_empty());
        }
        assert_eq!(Error::from_number(0), None);
        assert_eq!(Error::from_number(33), None);
        assert_eq!(Error::from_number(99), None);
        assert_eq!(Error::from_number(last + 1), None);
    }

    #[cfg(feature = "keyless")]
    #[test]
    fn keyless_ranges_are_dense_from_their_start() {
        for (start, end) in [(100u32, 120u32), (150, 180)] {
            let in_range: Vec<u32> = Error::ALL
                .iter()
                .map(|e| e.number())
                .filter(|n| (start..end).contains(n))
                .collect();
            assert!(!in_range.is_empty());
            for (i, n) in in_range.iter().enumerate() {
                assert_eq!(*n, start + i as u32);
            }
        }
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
