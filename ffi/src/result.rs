//! `vouch_result`: the one result type of the C ABI, its code strings and messages.

use core::ffi::CStr;
use vouch_core::Error;

/// The result of every fallible vouch function.
///
/// `VOUCH_OK` (0) is success. Codes 1 to 999 are the errors of vouch-core, with the same numbers
/// as `vouch_core::Error` (and the same code strings as the `vouch` CLI); 100 to 179 are the
/// keyless (Sigstore) errors, known to a library built with the `keyless` feature (the default;
/// without it they read as `unknown`). Codes from 1000 up are
/// errors of the C boundary itself. No code is ever renumbered; new codes may be added, so treat
/// an unknown value as an error.
///
/// In C the type is a `uint32_t`; functions that take a result (`vouch_result_code`,
/// `vouch_result_message`) accept any `uint32_t`, known or not.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(non_camel_case_types)]
pub enum vouch_result {
    /// Success.
    VOUCH_OK = 0,
    /// `invalid-json`: the bytes are not valid RFC 8259 JSON.
    VOUCH_ERR_INVALID_JSON = 1,
    /// `invalid-utf8`: the document is not valid UTF-8.
    VOUCH_ERR_INVALID_UTF8 = 2,
    /// `duplicate-key`: a JSON object holds the same key twice.
    VOUCH_ERR_DUPLICATE_KEY = 3,
    /// `json-too-deep`: JSON nesting deeper than the limit (32).
    VOUCH_ERR_JSON_TOO_DEEP = 4,
    /// `json-object-too-large`: a JSON object has more members than the limit (1024).
    VOUCH_ERR_JSON_OBJECT_TOO_LARGE = 5,
    /// `malformed-envelope`: a required DSSE field is missing or mistyped.
    VOUCH_ERR_MALFORMED_ENVELOPE = 6,
    /// `no-signatures`: the envelope's `signatures` array is empty.
    VOUCH_ERR_NO_SIGNATURES = 7,
    /// `too-many-signatures`: more than 16 signatures.
    VOUCH_ERR_TOO_MANY_SIGNATURES = 8,
    /// `invalid-base64`: a base64 field is malformed.
    VOUCH_ERR_INVALID_BASE64 = 9,
    /// `payload-type-not-allowed`: the payloadType is not in the verifier's list.
    VOUCH_ERR_PAYLOAD_TYPE_NOT_ALLOWED = 10,
    /// `invalid-signature`: no signature verified under a trusted key.
    VOUCH_ERR_INVALID_SIGNATURE = 11,
    /// `threshold-not-met`: fewer distinct trusted keys signed than the threshold.
    VOUCH_ERR_THRESHOLD_NOT_MET = 12,
    /// `buffer-too-small`: a caller buffer (scratch, output) is too small.
    VOUCH_ERR_BUFFER_TOO_SMALL = 13,
    /// `invalid-key`: the public key is malformed or not a valid point.
    VOUCH_ERR_INVALID_KEY = 14,
    /// `unsupported-key-type`: the key's algorithm is not supported by this build.
    VOUCH_ERR_UNSUPPORTED_KEY_TYPE = 15,
    /// `duplicate-trusted-key`: the same key material was given twice.
    VOUCH_ERR_DUPLICATE_TRUSTED_KEY = 16,
    /// `too-many-keys`: more than 16 trusted keys.
    VOUCH_ERR_TOO_MANY_KEYS = 17,
    /// `no-trusted-keys`: no trusted keys were given.
    VOUCH_ERR_NO_TRUSTED_KEYS = 18,
    /// `invalid-threshold`: the threshold is zero or exceeds the number of keys.
    VOUCH_ERR_INVALID_THRESHOLD = 19,
    /// `malformed-statement`: the payload is not a well-formed in-toto Statement.
    VOUCH_ERR_MALFORMED_STATEMENT = 20,
    /// `unsupported-statement-type`: `_type` is not in-toto Statement v0.1 or v1.
    VOUCH_ERR_UNSUPPORTED_STATEMENT_TYPE = 21,
    /// `missing-subject`: the Statement has no subject.
    VOUCH_ERR_MISSING_SUBJECT = 22,
    /// `invalid-digest`: a subject digest is not lowercase hex of the right length.
    VOUCH_ERR_INVALID_DIGEST = 23,
    /// `subject-mismatch`: the artifact matches no subject.
    VOUCH_ERR_SUBJECT_MISMATCH = 24,
    /// `missing-predicate-type`: the Statement has no predicateType.
    VOUCH_ERR_MISSING_PREDICATE_TYPE = 25,
    /// `predicate-type-mismatch`: the predicateType is not the expected one.
    VOUCH_ERR_PREDICATE_TYPE_MISMATCH = 26,
    /// `missing-builder-id`: the provenance names no builder id.
    VOUCH_ERR_MISSING_BUILDER_ID = 27,
    /// `builder-id-mismatch`: the builder id is not the expected one.
    VOUCH_ERR_BUILDER_ID_MISMATCH = 28,
    /// `missing-materials`: registry provenance without a materials array.
    VOUCH_ERR_MISSING_MATERIALS = 29,
    /// `missing-commit`: registry provenance without metadata.commit.
    VOUCH_ERR_MISSING_COMMIT = 30,
    /// `unbound-provenance`: an artifact was given but the Statement has no subjects.
    VOUCH_ERR_UNBOUND_PROVENANCE = 31,
    /// `no-artifact-digest`: the artifact digest names no algorithm.
    VOUCH_ERR_NO_ARTIFACT_DIGEST = 32,
    /// `der-truncated`: a DER length runs past the end of the input.
    #[cfg(feature = "keyless")]
    VOUCH_ERR_DER_TRUNCATED = 100,
    /// `der-non-canonical`: the encoding is not canonical DER.
    #[cfg(feature = "keyless")]
    VOUCH_ERR_DER_NON_CANONICAL = 101,
    /// `der-trailing-data`: bytes follow the end of a DER element.
    #[cfg(feature = "keyless")]
    VOUCH_ERR_DER_TRAILING_DATA = 102,
    /// `der-unexpected-tag`: a DER element has an unexpected tag.
    #[cfg(feature = "keyless")]
    VOUCH_ERR_DER_UNEXPECTED_TAG = 103,
    /// `cert-unsupported-version`: the certificate is not X.509 v3.
    #[cfg(feature = "keyless")]
    VOUCH_ERR_CERT_UNSUPPORTED_VERSION = 104,
    /// `cert-algorithm-mismatch`: the inner and outer signature algorithms differ.
    #[cfg(feature = "keyless")]
    VOUCH_ERR_CERT_ALGORITHM_MISMATCH = 105,
    /// `cert-invalid-time`: a certificate validity time is malformed.
    #[cfg(feature = "keyless")]
    VOUCH_ERR_CERT_INVALID_TIME = 106,
    /// `cert-duplicate-extension`: the certificate repeats an extension.
    #[cfg(feature = "keyless")]
    VOUCH_ERR_CERT_DUPLICATE_EXTENSION = 107,
    /// `cert-malformed-extension`: a certificate extension is malformed.
    #[cfg(feature = "keyless")]
    VOUCH_ERR_CERT_MALFORMED_EXTENSION = 108,
    /// `cert-too-many-extensions`: the certificate has more extensions than the limit.
    #[cfg(feature = "keyless")]
    VOUCH_ERR_CERT_TOO_MANY_EXTENSIONS = 109,
    /// `rsa-unsupported`: RSA keys and signatures are not supported.
    #[cfg(feature = "keyless")]
    VOUCH_ERR_RSA_UNSUPPORTED = 110,
    /// `unsupported-signature-algorithm`: the signature algorithm is not supported.
    #[cfg(feature = "keyless")]
    VOUCH_ERR_UNSUPPORTED_SIGNATURE_ALGORITHM = 111,
    /// `cert-signature-invalid`: the certificate signature does not verify under the issuer key.
    #[cfg(feature = "keyless")]
    VOUCH_ERR_CERT_SIGNATURE_INVALID = 112,
    /// `trusted-root-malformed`: the trusted root is malformed.
    #[cfg(feature = "keyless")]
    VOUCH_ERR_TRUSTED_ROOT_MALFORMED = 113,
    /// `trusted-root-media-type`: the trusted root media type is not supported.
    #[cfg(feature = "keyless")]
    VOUCH_ERR_TRUSTED_ROOT_MEDIA_TYPE = 114,
    /// `trusted-root-missing-start`: a trusted root validity window has no start.
    #[cfg(feature = "keyless")]
    VOUCH_ERR_TRUSTED_ROOT_MISSING_START = 115,
    /// `trusted-root-invalid-time`: a trusted root time is malformed.
    #[cfg(feature = "keyless")]
    VOUCH_ERR_TRUSTED_ROOT_INVALID_TIME = 116,
    /// `log-id-mismatch`: a log id does not match the log key.
    #[cfg(feature = "keyless")]
    VOUCH_ERR_LOG_ID_MISMATCH = 117,
    /// `key-details-mismatch`: the keyDetails do not match the key.
    #[cfg(feature = "keyless")]
    VOUCH_ERR_KEY_DETAILS_MISMATCH = 118,
    /// `unsupported-hash-algorithm`: the log hash algorithm is not supported.
    #[cfg(feature = "keyless")]
    VOUCH_ERR_UNSUPPORTED_HASH_ALGORITHM = 119,
    /// `bundle-too-large`: the bundle is larger than the size cap.
    #[cfg(feature = "keyless")]
    VOUCH_ERR_BUNDLE_TOO_LARGE = 120,
    /// `bundle-media-type`: the bundle media type is not supported.
    #[cfg(feature = "keyless")]
    VOUCH_ERR_BUNDLE_MEDIA_TYPE = 121,
    /// `bundle-malformed`: the bundle is malformed.
    #[cfg(feature = "keyless")]
    VOUCH_ERR_BUNDLE_MALFORMED = 122,
    /// `bundle-too-many-entries`: the bundle has more entries than a bound allows.
    #[cfg(feature = "keyless")]
    VOUCH_ERR_BUNDLE_TOO_MANY_ENTRIES = 123,
    /// `bundle-negative-log-index`: a log index is negative.
    #[cfg(feature = "keyless")]
    VOUCH_ERR_BUNDLE_NEGATIVE_LOG_INDEX = 124,
    /// `bundle-no-tlog-entries`: the bundle has no transparency log entry.
    #[cfg(feature = "keyless")]
    VOUCH_ERR_BUNDLE_NO_TLOG_ENTRIES = 125,
    /// `bundle-missing-inclusion-promise`: a v0.1 tlog entry has no inclusion promise.
    #[cfg(feature = "keyless")]
    VOUCH_ERR_BUNDLE_MISSING_INCLUSION_PROMISE = 126,
    /// `bundle-missing-inclusion-proof`: a v0.2+ tlog entry has no inclusion proof.
    #[cfg(feature = "keyless")]
    VOUCH_ERR_BUNDLE_MISSING_INCLUSION_PROOF = 127,
    /// `bundle-missing-checkpoint`: an inclusion proof has no checkpoint.
    #[cfg(feature = "keyless")]
    VOUCH_ERR_BUNDLE_MISSING_CHECKPOINT = 128,
    /// `bundle-chain-not-allowed`: a v0.3 bundle carries a certificate chain.
    #[cfg(feature = "keyless")]
    VOUCH_ERR_BUNDLE_CHAIN_NOT_ALLOWED = 129,
    /// `bundle-empty-certificate-chain`: the bundle's certificate chain is empty.
    #[cfg(feature = "keyless")]
    VOUCH_ERR_BUNDLE_EMPTY_CERTIFICATE_CHAIN = 130,
    /// `bundle-root-certificate`: the bundle carries a root certificate.
    #[cfg(feature = "keyless")]
    VOUCH_ERR_BUNDLE_ROOT_CERTIFICATE = 131,
    /// `dsse-signature-count`: the bundle's DSSE envelope does not have exactly one signature.
    #[cfg(feature = "keyless")]
    VOUCH_ERR_DSSE_SIGNATURE_COUNT = 132,
    /// `tlog-duplicate-entry`: two tlog entries are the same log entry.
    #[cfg(feature = "keyless")]
    VOUCH_ERR_TLOG_DUPLICATE_ENTRY = 133,
    /// `tlog-no-trusted-log`: no tlog entry is from a trusted log.
    #[cfg(feature = "keyless")]
    VOUCH_ERR_TLOG_NO_TRUSTED_LOG = 134,
    /// `tlog-set-invalid`: a signed entry timestamp does not verify.
    #[cfg(feature = "keyless")]
    VOUCH_ERR_TLOG_SET_INVALID = 135,
    /// `tlog-key-not-valid`: the log key is not valid at the entry's time.
    #[cfg(feature = "keyless")]
    VOUCH_ERR_TLOG_KEY_NOT_VALID = 136,
    /// `tlog-inclusion-proof-invalid`: an inclusion proof does not verify.
    #[cfg(feature = "keyless")]
    VOUCH_ERR_TLOG_INCLUSION_PROOF_INVALID = 137,
    /// `checkpoint-malformed`: a checkpoint is malformed.
    #[cfg(feature = "keyless")]
    VOUCH_ERR_CHECKPOINT_MALFORMED = 138,
    /// `checkpoint-signature-invalid`: no checkpoint signature verifies under the log key.
    #[cfg(feature = "keyless")]
    VOUCH_ERR_CHECKPOINT_SIGNATURE_INVALID = 139,
    /// `checkpoint-mismatch`: the checkpoint does not match the inclusion proof.
    #[cfg(feature = "keyless")]
    VOUCH_ERR_CHECKPOINT_MISMATCH = 140,
    /// `tlog-kind-unsupported`: the tlog entry kind is not supported.
    #[cfg(feature = "keyless")]
    VOUCH_ERR_TLOG_KIND_UNSUPPORTED = 141,
    /// `tlog-body-malformed`: a tlog entry body is malformed.
    #[cfg(feature = "keyless")]
    VOUCH_ERR_TLOG_BODY_MALFORMED = 142,
    /// `tlog-body-artifact-mismatch`: a tlog entry is for another artifact.
    #[cfg(feature = "keyless")]
    VOUCH_ERR_TLOG_BODY_ARTIFACT_MISMATCH = 143,
    /// `tlog-body-signature-mismatch`: a tlog entry holds another signature.
    #[cfg(feature = "keyless")]
    VOUCH_ERR_TLOG_BODY_SIGNATURE_MISMATCH = 144,
    /// `tlog-body-key-mismatch`: a tlog entry names another certificate or key.
    #[cfg(feature = "keyless")]
    VOUCH_ERR_TLOG_BODY_KEY_MISMATCH = 145,
    /// `signing-time-outside-validity`: a trusted time lies outside the signer's validity.
    #[cfg(feature = "keyless")]
    VOUCH_ERR_SIGNING_TIME_OUTSIDE_VALIDITY = 146,
    /// `no-trusted-time`: the bundle has no trusted time.
    #[cfg(feature = "keyless")]
    VOUCH_ERR_NO_TRUSTED_TIME = 147,
    /// `message-digest-mismatch`: the message digest is not the artifact's.
    #[cfg(feature = "keyless")]
    VOUCH_ERR_MESSAGE_DIGEST_MISMATCH = 148,
    /// `keyless-policy-mismatch`: the policy does not fit the bundle's signer.
    #[cfg(feature = "keyless")]
    VOUCH_ERR_KEYLESS_POLICY_MISMATCH = 149,
    /// `identity-mismatch`: no certificate identity matches the policy.
    #[cfg(feature = "keyless")]
    VOUCH_ERR_IDENTITY_MISMATCH = 150,
    /// `issuer-mismatch`: the certificate's OIDC issuer does not match the policy.
    #[cfg(feature = "keyless")]
    VOUCH_ERR_ISSUER_MISMATCH = 151,
    /// `missing-oidc-issuer`: the certificate names no OIDC issuer.
    #[cfg(feature = "keyless")]
    VOUCH_ERR_MISSING_OIDC_ISSUER = 152,
    /// `cert-not-valid-at-time`: a certificate of the path is not valid at the trusted time.
    #[cfg(feature = "keyless")]
    VOUCH_ERR_CERT_NOT_VALID_AT_TIME = 153,
    /// `untrusted-issuer`: no trusted certificate authority issued the certificate.
    #[cfg(feature = "keyless")]
    VOUCH_ERR_UNTRUSTED_ISSUER = 154,
    /// `authority-outside-validity`: the issuing authority is not valid at the time in the trusted root.
    #[cfg(feature = "keyless")]
    VOUCH_ERR_AUTHORITY_OUTSIDE_VALIDITY = 155,
    /// `issuer-not-ca`: an issuing certificate is not a CA.
    #[cfg(feature = "keyless")]
    VOUCH_ERR_ISSUER_NOT_CA = 156,
    /// `path-length-exceeded`: a CA's path length constraint is exceeded.
    #[cfg(feature = "keyless")]
    VOUCH_ERR_PATH_LENGTH_EXCEEDED = 157,
    /// `unknown-critical-extension`: a certificate has an unknown critical extension.
    #[cfg(feature = "keyless")]
    VOUCH_ERR_UNKNOWN_CRITICAL_EXTENSION = 158,
    /// `leaf-key-usage`: the leaf certificate lacks the digitalSignature key usage.
    #[cfg(feature = "keyless")]
    VOUCH_ERR_LEAF_KEY_USAGE = 159,
    /// `leaf-extended-key-usage`: the leaf certificate lacks the codeSigning extended key usage.
    #[cfg(feature = "keyless")]
    VOUCH_ERR_LEAF_EXTENDED_KEY_USAGE = 160,
    /// `leaf-is-ca`: the leaf certificate is a CA.
    #[cfg(feature = "keyless")]
    VOUCH_ERR_LEAF_IS_CA = 161,
    /// `name-chaining-mismatch`: a certificate's issuer name differs from its issuer's subject.
    #[cfg(feature = "keyless")]
    VOUCH_ERR_NAME_CHAINING_MISMATCH = 162,
    /// `issuer-key-usage`: an issuing certificate's key usage lacks keyCertSign.
    #[cfg(feature = "keyless")]
    VOUCH_ERR_ISSUER_KEY_USAGE = 163,
    /// `sct-missing`: the certificate embeds no SCT.
    #[cfg(feature = "keyless")]
    VOUCH_ERR_SCT_MISSING = 164,
    /// `sct-malformed`: an embedded SCT list is malformed.
    #[cfg(feature = "keyless")]
    VOUCH_ERR_SCT_MALFORMED = 165,
    /// `sct-unknown-log`: an SCT comes from a CT log the trusted root does not list.
    #[cfg(feature = "keyless")]
    VOUCH_ERR_SCT_UNKNOWN_LOG = 166,
    /// `sct-outside-log-validity`: an SCT's timestamp is outside its CT log's validity.
    #[cfg(feature = "keyless")]
    VOUCH_ERR_SCT_OUTSIDE_LOG_VALIDITY = 167,
    /// `sct-signature-invalid`: an SCT signature does not verify.
    #[cfg(feature = "keyless")]
    VOUCH_ERR_SCT_SIGNATURE_INVALID = 168,
    /// `sct-unsupported`: an SCT version or algorithm is not supported.
    #[cfg(feature = "keyless")]
    VOUCH_ERR_SCT_UNSUPPORTED = 169,
    /// `timestamp-malformed`: an RFC 3161 timestamp is malformed.
    #[cfg(feature = "keyless")]
    VOUCH_ERR_TIMESTAMP_MALFORMED = 170,
    /// `timestamp-imprint-mismatch`: a timestamp is not over the bundle's signature.
    #[cfg(feature = "keyless")]
    VOUCH_ERR_TIMESTAMP_IMPRINT_MISMATCH = 171,
    /// `timestamp-untrusted`: no trusted timestamp authority signed the timestamp.
    #[cfg(feature = "keyless")]
    VOUCH_ERR_TIMESTAMP_UNTRUSTED = 172,
    /// `tsa-not-timestamping`: the timestamp authority certificate is not for time stamping.
    #[cfg(feature = "keyless")]
    VOUCH_ERR_TSA_NOT_TIMESTAMPING = 173,
    /// `timestamp-outside-tsa-validity`: the timestamp lies outside its authority's validity.
    #[cfg(feature = "keyless")]
    VOUCH_ERR_TIMESTAMP_OUTSIDE_TSA_VALIDITY = 174,
    /// `timestamp-signature-invalid`: the timestamp signature does not verify.
    #[cfg(feature = "keyless")]
    VOUCH_ERR_TIMESTAMP_SIGNATURE_INVALID = 175,
    /// `timestamp-content-digest-mismatch`: the timestamp's signed attributes do not match its content.
    #[cfg(feature = "keyless")]
    VOUCH_ERR_TIMESTAMP_CONTENT_DIGEST_MISMATCH = 176,
    /// `timestamp-unsupported-algorithm`: the timestamp's hash algorithm is not supported.
    #[cfg(feature = "keyless")]
    VOUCH_ERR_TIMESTAMP_UNSUPPORTED_ALGORITHM = 177,
    /// `null-pointer`: a required pointer argument was NULL.
    VOUCH_ERR_NULL_POINTER = 1000,
    /// `storage-too-small`: caller storage is smaller than the object it must hold.
    VOUCH_ERR_STORAGE_TOO_SMALL = 1001,
    /// `misaligned`: caller storage or a handle is not aligned for the object.
    VOUCH_ERR_MISALIGNED = 1002,
    /// `panic`: vouch panicked internally (a bug); nothing was written.
    VOUCH_ERR_PANIC = 1003,
    /// `invalid-utf8-argument`: a text argument (payload type, predicate type, builder id) is
    /// not UTF-8.
    VOUCH_ERR_INVALID_UTF8_ARGUMENT = 1004,
    /// `argument-too-long`: a payload type is longer than `VOUCH_MAX_PAYLOAD_TYPE_LEN`.
    VOUCH_ERR_ARGUMENT_TOO_LONG = 1005,
    /// `too-many-payload-types`: more than `VOUCH_MAX_PAYLOAD_TYPES` payload types.
    VOUCH_ERR_TOO_MANY_PAYLOAD_TYPES = 1006,
    /// `no-payload-types`: the verifier was given no allowed payload type.
    VOUCH_ERR_NO_PAYLOAD_TYPES = 1007,
    /// `invalid-handle`: the handle does not point at a live object of its type (storage never
    /// initialised, overwritten, or a hasher already finished).
    VOUCH_ERR_INVALID_HANDLE = 1008,
    /// `invalid-argument`: an argument is out of range (unknown hash flags, a length above
    /// `PTRDIFF_MAX`), or an output buffer overlaps an input (envelope, key, verifier or hasher
    /// storage, text) or another output.
    VOUCH_ERR_INVALID_ARGUMENT = 1009,
    /// `internal`: a vouch-core error without a C code (a bug in this library).
    VOUCH_ERR_INTERNAL = 1010,
}

use vouch_result::*;

/// Number of results in this build (the keyless ones exist with the `keyless` feature).
#[cfg(feature = "keyless")]
const RESULT_COUNT: usize = 44 + 50 + 28;
/// Number of results in this build (the keyless ones exist with the `keyless` feature).
#[cfg(not(feature = "keyless"))]
const RESULT_COUNT: usize = 44;

/// Every result, in numeric order.
pub(crate) const ALL: [vouch_result; RESULT_COUNT] = [
    VOUCH_OK,
    VOUCH_ERR_INVALID_JSON,
    VOUCH_ERR_INVALID_UTF8,
    VOUCH_ERR_DUPLICATE_KEY,
    VOUCH_ERR_JSON_TOO_DEEP,
    VOUCH_ERR_JSON_OBJECT_TOO_LARGE,
    VOUCH_ERR_MALFORMED_ENVELOPE,
    VOUCH_ERR_NO_SIGNATURES,
    VOUCH_ERR_TOO_MANY_SIGNATURES,
    VOUCH_ERR_INVALID_BASE64,
    VOUCH_ERR_PAYLOAD_TYPE_NOT_ALLOWED,
    VOUCH_ERR_INVALID_SIGNATURE,
    VOUCH_ERR_THRESHOLD_NOT_MET,
    VOUCH_ERR_BUFFER_TOO_SMALL,
    VOUCH_ERR_INVALID_KEY,
    VOUCH_ERR_UNSUPPORTED_KEY_TYPE,
    VOUCH_ERR_DUPLICATE_TRUSTED_KEY,
    VOUCH_ERR_TOO_MANY_KEYS,
    VOUCH_ERR_NO_TRUSTED_KEYS,
    VOUCH_ERR_INVALID_THRESHOLD,
    VOUCH_ERR_MALFORMED_STATEMENT,
    VOUCH_ERR_UNSUPPORTED_STATEMENT_TYPE,
    VOUCH_ERR_MISSING_SUBJECT,
    VOUCH_ERR_INVALID_DIGEST,
    VOUCH_ERR_SUBJECT_MISMATCH,
    VOUCH_ERR_MISSING_PREDICATE_TYPE,
    VOUCH_ERR_PREDICATE_TYPE_MISMATCH,
    VOUCH_ERR_MISSING_BUILDER_ID,
    VOUCH_ERR_BUILDER_ID_MISMATCH,
    VOUCH_ERR_MISSING_MATERIALS,
    VOUCH_ERR_MISSING_COMMIT,
    VOUCH_ERR_UNBOUND_PROVENANCE,
    VOUCH_ERR_NO_ARTIFACT_DIGEST,
    #[cfg(feature = "keyless")]
    VOUCH_ERR_DER_TRUNCATED,
    #[cfg(feature = "keyless")]
    VOUCH_ERR_DER_NON_CANONICAL,
    #[cfg(feature = "keyless")]
    VOUCH_ERR_DER_TRAILING_DATA,
    #[cfg(feature = "keyless")]
    VOUCH_ERR_DER_UNEXPECTED_TAG,
    #[cfg(feature = "keyless")]
    VOUCH_ERR_CERT_UNSUPPORTED_VERSION,
    #[cfg(feature = "keyless")]
    VOUCH_ERR_CERT_ALGORITHM_MISMATCH,
    #[cfg(feature = "keyless")]
    VOUCH_ERR_CERT_INVALID_TIME,
    #[cfg(feature = "keyless")]
    VOUCH_ERR_CERT_DUPLICATE_EXTENSION,
    #[cfg(feature = "keyless")]
    VOUCH_ERR_CERT_MALFORMED_EXTENSION,
    #[cfg(feature = "keyless")]
    VOUCH_ERR_CERT_TOO_MANY_EXTENSIONS,
    #[cfg(feature = "keyless")]
    VOUCH_ERR_RSA_UNSUPPORTED,
    #[cfg(feature = "keyless")]
    VOUCH_ERR_UNSUPPORTED_SIGNATURE_ALGORITHM,
    #[cfg(feature = "keyless")]
    VOUCH_ERR_CERT_SIGNATURE_INVALID,
    #[cfg(feature = "keyless")]
    VOUCH_ERR_TRUSTED_ROOT_MALFORMED,
    #[cfg(feature = "keyless")]
    VOUCH_ERR_TRUSTED_ROOT_MEDIA_TYPE,
    #[cfg(feature = "keyless")]
    VOUCH_ERR_TRUSTED_ROOT_MISSING_START,
    #[cfg(feature = "keyless")]
    VOUCH_ERR_TRUSTED_ROOT_INVALID_TIME,
    #[cfg(feature = "keyless")]
    VOUCH_ERR_LOG_ID_MISMATCH,
    #[cfg(feature = "keyless")]
    VOUCH_ERR_KEY_DETAILS_MISMATCH,
    #[cfg(feature = "keyless")]
    VOUCH_ERR_UNSUPPORTED_HASH_ALGORITHM,
    #[cfg(feature = "keyless")]
    VOUCH_ERR_BUNDLE_TOO_LARGE,
    #[cfg(feature = "keyless")]
    VOUCH_ERR_BUNDLE_MEDIA_TYPE,
    #[cfg(feature = "keyless")]
    VOUCH_ERR_BUNDLE_MALFORMED,
    #[cfg(feature = "keyless")]
    VOUCH_ERR_BUNDLE_TOO_MANY_ENTRIES,
    #[cfg(feature = "keyless")]
    VOUCH_ERR_BUNDLE_NEGATIVE_LOG_INDEX,
    #[cfg(feature = "keyless")]
    VOUCH_ERR_BUNDLE_NO_TLOG_ENTRIES,
    #[cfg(feature = "keyless")]
    VOUCH_ERR_BUNDLE_MISSING_INCLUSION_PROMISE,
    #[cfg(feature = "keyless")]
    VOUCH_ERR_BUNDLE_MISSING_INCLUSION_PROOF,
    #[cfg(feature = "keyless")]
    VOUCH_ERR_BUNDLE_MISSING_CHECKPOINT,
    #[cfg(feature = "keyless")]
    VOUCH_ERR_BUNDLE_CHAIN_NOT_ALLOWED,
    #[cfg(feature = "keyless")]
    VOUCH_ERR_BUNDLE_EMPTY_CERTIFICATE_CHAIN,
    #[cfg(feature = "keyless")]
    VOUCH_ERR_BUNDLE_ROOT_CERTIFICATE,
    #[cfg(feature = "keyless")]
    VOUCH_ERR_DSSE_SIGNATURE_COUNT,
    #[cfg(feature = "keyless")]
    VOUCH_ERR_TLOG_DUPLICATE_ENTRY,
    #[cfg(feature = "keyless")]
    VOUCH_ERR_TLOG_NO_TRUSTED_LOG,
    #[cfg(feature = "keyless")]
    VOUCH_ERR_TLOG_SET_INVALID,
    #[cfg(feature = "keyless")]
    VOUCH_ERR_TLOG_KEY_NOT_VALID,
    #[cfg(feature = "keyless")]
    VOUCH_ERR_TLOG_INCLUSION_PROOF_INVALID,
    #[cfg(feature = "keyless")]
    VOUCH_ERR_CHECKPOINT_MALFORMED,
    #[cfg(feature = "keyless")]
    VOUCH_ERR_CHECKPOINT_SIGNATURE_INVALID,
    #[cfg(feature = "keyless")]
    VOUCH_ERR_CHECKPOINT_MISMATCH,
    #[cfg(feature = "keyless")]
    VOUCH_ERR_TLOG_KIND_UNSUPPORTED,
    #[cfg(feature = "keyless")]
    VOUCH_ERR_TLOG_BODY_MALFORMED,
    #[cfg(feature = "keyless")]
    VOUCH_ERR_TLOG_BODY_ARTIFACT_MISMATCH,
    #[cfg(feature = "keyless")]
    VOUCH_ERR_TLOG_BODY_SIGNATURE_MISMATCH,
    #[cfg(feature = "keyless")]
    VOUCH_ERR_TLOG_BODY_KEY_MISMATCH,
    #[cfg(feature = "keyless")]
    VOUCH_ERR_SIGNING_TIME_OUTSIDE_VALIDITY,
    #[cfg(feature = "keyless")]
    VOUCH_ERR_NO_TRUSTED_TIME,
    #[cfg(feature = "keyless")]
    VOUCH_ERR_MESSAGE_DIGEST_MISMATCH,
    #[cfg(feature = "keyless")]
    VOUCH_ERR_KEYLESS_POLICY_MISMATCH,
    #[cfg(feature = "keyless")]
    VOUCH_ERR_IDENTITY_MISMATCH,
    #[cfg(feature = "keyless")]
    VOUCH_ERR_ISSUER_MISMATCH,
    #[cfg(feature = "keyless")]
    VOUCH_ERR_MISSING_OIDC_ISSUER,
    #[cfg(feature = "keyless")]
    VOUCH_ERR_CERT_NOT_VALID_AT_TIME,
    #[cfg(feature = "keyless")]
    VOUCH_ERR_UNTRUSTED_ISSUER,
    #[cfg(feature = "keyless")]
    VOUCH_ERR_AUTHORITY_OUTSIDE_VALIDITY,
    #[cfg(feature = "keyless")]
    VOUCH_ERR_ISSUER_NOT_CA,
    #[cfg(feature = "keyless")]
    VOUCH_ERR_PATH_LENGTH_EXCEEDED,
    #[cfg(feature = "keyless")]
    VOUCH_ERR_UNKNOWN_CRITICAL_EXTENSION,
    #[cfg(feature = "keyless")]
    VOUCH_ERR_LEAF_KEY_USAGE,
    #[cfg(feature = "keyless")]
    VOUCH_ERR_LEAF_EXTENDED_KEY_USAGE,
    #[cfg(feature = "keyless")]
    VOUCH_ERR_LEAF_IS_CA,
    #[cfg(feature = "keyless")]
    VOUCH_ERR_NAME_CHAINING_MISMATCH,
    #[cfg(feature = "keyless")]
    VOUCH_ERR_ISSUER_KEY_USAGE,
    #[cfg(feature = "keyless")]
    VOUCH_ERR_SCT_MISSING,
    #[cfg(feature = "keyless")]
    VOUCH_ERR_SCT_MALFORMED,
    #[cfg(feature = "keyless")]
    VOUCH_ERR_SCT_UNKNOWN_LOG,
    #[cfg(feature = "keyless")]
    VOUCH_ERR_SCT_OUTSIDE_LOG_VALIDITY,
    #[cfg(feature = "keyless")]
    VOUCH_ERR_SCT_SIGNATURE_INVALID,
    #[cfg(feature = "keyless")]
    VOUCH_ERR_SCT_UNSUPPORTED,
    #[cfg(feature = "keyless")]
    VOUCH_ERR_TIMESTAMP_MALFORMED,
    #[cfg(feature = "keyless")]
    VOUCH_ERR_TIMESTAMP_IMPRINT_MISMATCH,
    #[cfg(feature = "keyless")]
    VOUCH_ERR_TIMESTAMP_UNTRUSTED,
    #[cfg(feature = "keyless")]
    VOUCH_ERR_TSA_NOT_TIMESTAMPING,
    #[cfg(feature = "keyless")]
    VOUCH_ERR_TIMESTAMP_OUTSIDE_TSA_VALIDITY,
    #[cfg(feature = "keyless")]
    VOUCH_ERR_TIMESTAMP_SIGNATURE_INVALID,
    #[cfg(feature = "keyless")]
    VOUCH_ERR_TIMESTAMP_CONTENT_DIGEST_MISMATCH,
    #[cfg(feature = "keyless")]
    VOUCH_ERR_TIMESTAMP_UNSUPPORTED_ALGORITHM,
    VOUCH_ERR_NULL_POINTER,
    VOUCH_ERR_STORAGE_TOO_SMALL,
    VOUCH_ERR_MISALIGNED,
    VOUCH_ERR_PANIC,
    VOUCH_ERR_INVALID_UTF8_ARGUMENT,
    VOUCH_ERR_ARGUMENT_TOO_LONG,
    VOUCH_ERR_TOO_MANY_PAYLOAD_TYPES,
    VOUCH_ERR_NO_PAYLOAD_TYPES,
    VOUCH_ERR_INVALID_HANDLE,
    VOUCH_ERR_INVALID_ARGUMENT,
    VOUCH_ERR_INTERNAL,
];

impl vouch_result {
    /// The result whose number is `n`, if any.
    pub fn from_number(n: u32) -> Option<vouch_result> {
        ALL.iter().copied().find(|r| *r as u32 == n)
    }

    /// The stable code string (kebab-case; core errors use vouch-core's code strings).
    pub const fn code(self) -> &'static CStr {
        match self {
            VOUCH_OK => c"ok",
            VOUCH_ERR_INVALID_JSON => c"invalid-json",
            VOUCH_ERR_INVALID_UTF8 => c"invalid-utf8",
            VOUCH_ERR_DUPLICATE_KEY => c"duplicate-key",
            VOUCH_ERR_JSON_TOO_DEEP => c"json-too-deep",
            VOUCH_ERR_JSON_OBJECT_TOO_LARGE => c"json-object-too-large",
            VOUCH_ERR_MALFORMED_ENVELOPE => c"malformed-envelope",
            VOUCH_ERR_NO_SIGNATURES => c"no-signatures",
            VOUCH_ERR_TOO_MANY_SIGNATURES => c"too-many-signatures",
            VOUCH_ERR_INVALID_BASE64 => c"invalid-base64",
            VOUCH_ERR_PAYLOAD_TYPE_NOT_ALLOWED => c"payload-type-not-allowed",
            VOUCH_ERR_INVALID_SIGNATURE => c"invalid-signature",
            VOUCH_ERR_THRESHOLD_NOT_MET => c"threshold-not-met",
            VOUCH_ERR_BUFFER_TOO_SMALL => c"buffer-too-small",
            VOUCH_ERR_INVALID_KEY => c"invalid-key",
            VOUCH_ERR_UNSUPPORTED_KEY_TYPE => c"unsupported-key-type",
            VOUCH_ERR_DUPLICATE_TRUSTED_KEY => c"duplicate-trusted-key",
            VOUCH_ERR_TOO_MANY_KEYS => c"too-many-keys",
            VOUCH_ERR_NO_TRUSTED_KEYS => c"no-trusted-keys",
            VOUCH_ERR_INVALID_THRESHOLD => c"invalid-threshold",
            VOUCH_ERR_MALFORMED_STATEMENT => c"malformed-statement",
            VOUCH_ERR_UNSUPPORTED_STATEMENT_TYPE => c"unsupported-statement-type",
            VOUCH_ERR_MISSING_SUBJECT => c"missing-subject",
            VOUCH_ERR_INVALID_DIGEST => c"invalid-digest",
            VOUCH_ERR_SUBJECT_MISMATCH => c"subject-mismatch",
            VOUCH_ERR_MISSING_PREDICATE_TYPE => c"missing-predicate-type",
            VOUCH_ERR_PREDICATE_TYPE_MISMATCH => c"predicate-type-mismatch",
            VOUCH_ERR_MISSING_BUILDER_ID => c"missing-builder-id",
            VOUCH_ERR_BUILDER_ID_MISMATCH => c"builder-id-mismatch",
            VOUCH_ERR_MISSING_MATERIALS => c"missing-materials",
            VOUCH_ERR_MISSING_COMMIT => c"missing-commit",
            VOUCH_ERR_UNBOUND_PROVENANCE => c"unbound-provenance",
            VOUCH_ERR_NO_ARTIFACT_DIGEST => c"no-artifact-digest",
            #[cfg(feature = "keyless")]
            VOUCH_ERR_DER_TRUNCATED => c"der-truncated",
            #[cfg(feature = "keyless")]
            VOUCH_ERR_DER_NON_CANONICAL => c"der-non-canonical",
            #[cfg(feature = "keyless")]
            VOUCH_ERR_DER_TRAILING_DATA => c"der-trailing-data",
            #[cfg(feature = "keyless")]
            VOUCH_ERR_DER_UNEXPECTED_TAG => c"der-unexpected-tag",
            #[cfg(feature = "keyless")]
            VOUCH_ERR_CERT_UNSUPPORTED_VERSION => c"cert-unsupported-version",
            #[cfg(feature = "keyless")]
            VOUCH_ERR_CERT_ALGORITHM_MISMATCH => c"cert-algorithm-mismatch",
            #[cfg(feature = "keyless")]
            VOUCH_ERR_CERT_INVALID_TIME => c"cert-invalid-time",
            #[cfg(feature = "keyless")]
            VOUCH_ERR_CERT_DUPLICATE_EXTENSION => c"cert-duplicate-extension",
            #[cfg(feature = "keyless")]
            VOUCH_ERR_CERT_MALFORMED_EXTENSION => c"cert-malformed-extension",
            #[cfg(feature = "keyless")]
            VOUCH_ERR_CERT_TOO_MANY_EXTENSIONS => c"cert-too-many-extensions",
            #[cfg(feature = "keyless")]
            VOUCH_ERR_RSA_UNSUPPORTED => c"rsa-unsupported",
            #[cfg(feature = "keyless")]
            VOUCH_ERR_UNSUPPORTED_SIGNATURE_ALGORITHM => c"unsupported-signature-algorithm",
            #[cfg(feature = "keyless")]
            VOUCH_ERR_CERT_SIGNATURE_INVALID => c"cert-signature-invalid",
            #[cfg(feature = "keyless")]
            VOUCH_ERR_TRUSTED_ROOT_MALFORMED => c"trusted-root-malformed",
            #[cfg(feature = "keyless")]
            VOUCH_ERR_TRUSTED_ROOT_MEDIA_TYPE => c"trusted-root-media-type",
            #[cfg(feature = "keyless")]
            VOUCH_ERR_TRUSTED_ROOT_MISSING_START => c"trusted-root-missing-start",
            #[cfg(feature = "keyless")]
            VOUCH_ERR_TRUSTED_ROOT_INVALID_TIME => c"trusted-root-invalid-time",
            #[cfg(feature = "keyless")]
            VOUCH_ERR_LOG_ID_MISMATCH => c"log-id-mismatch",
            #[cfg(feature = "keyless")]
            VOUCH_ERR_KEY_DETAILS_MISMATCH => c"key-details-mismatch",
            #[cfg(feature = "keyless")]
            VOUCH_ERR_UNSUPPORTED_HASH_ALGORITHM => c"unsupported-hash-algorithm",
            #[cfg(feature = "keyless")]
            VOUCH_ERR_BUNDLE_TOO_LARGE => c"bundle-too-large",
            #[cfg(feature = "keyless")]
            VOUCH_ERR_BUNDLE_MEDIA_TYPE => c"bundle-media-type",
            #[cfg(feature = "keyless")]
            VOUCH_ERR_BUNDLE_MALFORMED => c"bundle-malformed",
            #[cfg(feature = "keyless")]
            VOUCH_ERR_BUNDLE_TOO_MANY_ENTRIES => c"bundle-too-many-entries",
            #[cfg(feature = "keyless")]
            VOUCH_ERR_BUNDLE_NEGATIVE_LOG_INDEX => c"bundle-negative-log-index",
            #[cfg(feature = "keyless")]
            VOUCH_ERR_BUNDLE_NO_TLOG_ENTRIES => c"bundle-no-tlog-entries",
            #[cfg(feature = "keyless")]
            VOUCH_ERR_BUNDLE_MISSING_INCLUSION_PROMISE => c"bundle-missing-inclusion-promise",
            #[cfg(feature = "keyless")]
            VOUCH_ERR_BUNDLE_MISSING_INCLUSION_PROOF => c"bundle-missing-inclusion-proof",
            #[cfg(feature = "keyless")]
            VOUCH_ERR_BUNDLE_MISSING_CHECKPOINT => c"bundle-missing-checkpoint",
            #[cfg(feature = "keyless")]
            VOUCH_ERR_BUNDLE_CHAIN_NOT_ALLOWED => c"bundle-chain-not-allowed",
            #[cfg(feature = "keyless")]
            VOUCH_ERR_BUNDLE_EMPTY_CERTIFICATE_CHAIN => c"bundle-empty-certificate-chain",
            #[cfg(feature = "keyless")]
            VOUCH_ERR_BUNDLE_ROOT_CERTIFICATE => c"bundle-root-certificate",
            #[cfg(feature = "keyless")]
            VOUCH_ERR_DSSE_SIGNATURE_COUNT => c"dsse-signature-count",
            #[cfg(feature = "keyless")]
            VOUCH_ERR_TLOG_DUPLICATE_ENTRY => c"tlog-duplicate-entry",
            #[cfg(feature = "keyless")]
            VOUCH_ERR_TLOG_NO_TRUSTED_LOG => c"tlog-no-trusted-log",
            #[cfg(feature = "keyless")]
            VOUCH_ERR_TLOG_SET_INVALID => c"tlog-set-invalid",
            #[cfg(feature = "keyless")]
            VOUCH_ERR_TLOG_KEY_NOT_VALID => c"tlog-key-not-valid",
            #[cfg(feature = "keyless")]
            VOUCH_ERR_TLOG_INCLUSION_PROOF_INVALID => c"tlog-inclusion-proof-invalid",
            #[cfg(feature = "keyless")]
            VOUCH_ERR_CHECKPOINT_MALFORMED => c"checkpoint-malformed",
            #[cfg(feature = "keyless")]
            VOUCH_ERR_CHECKPOINT_SIGNATURE_INVALID => c"checkpoint-signature-invalid",
            #[cfg(feature = "keyless")]
            VOUCH_ERR_CHECKPOINT_MISMATCH => c"checkpoint-mismatch",
            #[cfg(feature = "keyless")]
            VOUCH_ERR_TLOG_KIND_UNSUPPORTED => c"tlog-kind-unsupported",
            #[cfg(feature = "keyless")]
            VOUCH_ERR_TLOG_BODY_MALFORMED => c"tlog-body-malformed",
            #[cfg(feature = "keyless")]
            VOUCH_ERR_TLOG_BODY_ARTIFACT_MISMATCH => c"tlog-body-artifact-mismatch",
            #[cfg(feature = "keyless")]
            VOUCH_ERR_TLOG_BODY_SIGNATURE_MISMATCH => c"tlog-body-signature-mismatch",
            #[cfg(feature = "keyless")]
            VOUCH_ERR_TLOG_BODY_KEY_MISMATCH => c"tlog-body-key-mismatch",
            #[cfg(feature = "keyless")]
            VOUCH_ERR_SIGNING_TIME_OUTSIDE_VALIDITY => c"signing-time-outside-validity",
            #[cfg(feature = "keyless")]
            VOUCH_ERR_NO_TRUSTED_TIME => c"no-trusted-time",
            #[cfg(feature = "keyless")]
            VOUCH_ERR_MESSAGE_DIGEST_MISMATCH => c"message-digest-mismatch",
            #[cfg(feature = "keyless")]
            VOUCH_ERR_KEYLESS_POLICY_MISMATCH => c"keyless-policy-mismatch",
            #[cfg(feature = "keyless")]
            VOUCH_ERR_IDENTITY_MISMATCH => c"identity-mismatch",
            #[cfg(feature = "keyless")]
            VOUCH_ERR_ISSUER_MISMATCH => c"issuer-mismatch",
            #[cfg(feature = "keyless")]
            VOUCH_ERR_MISSING_OIDC_ISSUER => c"missing-oidc-issuer",
            #[cfg(feature = "keyless")]
            VOUCH_ERR_CERT_NOT_VALID_AT_TIME => c"cert-not-valid-at-time",
            #[cfg(feature = "keyless")]
            VOUCH_ERR_UNTRUSTED_ISSUER => c"untrusted-issuer",
            #[cfg(feature = "keyless")]
            VOUCH_ERR_AUTHORITY_OUTSIDE_VALIDITY => c"authority-outside-validity",
            #[cfg(feature = "keyless")]
            VOUCH_ERR_ISSUER_NOT_CA => c"issuer-not-ca",
            #[cfg(feature = "keyless")]
            VOUCH_ERR_PATH_LENGTH_EXCEEDED => c"path-length-exceeded",
            #[cfg(feature = "keyless")]
            VOUCH_ERR_UNKNOWN_CRITICAL_EXTENSION => c"unknown-critical-extension",
            #[cfg(feature = "keyless")]
            VOUCH_ERR_LEAF_KEY_USAGE => c"leaf-key-usage",
            #[cfg(feature = "keyless")]
            VOUCH_ERR_LEAF_EXTENDED_KEY_USAGE => c"leaf-extended-key-usage",
            #[cfg(feature = "keyless")]
            VOUCH_ERR_LEAF_IS_CA => c"leaf-is-ca",
            #[cfg(feature = "keyless")]
            VOUCH_ERR_NAME_CHAINING_MISMATCH => c"name-chaining-mismatch",
            #[cfg(feature = "keyless")]
            VOUCH_ERR_ISSUER_KEY_USAGE => c"issuer-key-usage",
            #[cfg(feature = "keyless")]
            VOUCH_ERR_SCT_MISSING => c"sct-missing",
            #[cfg(feature = "keyless")]
            VOUCH_ERR_SCT_MALFORMED => c"sct-malformed",
            #[cfg(feature = "keyless")]
            VOUCH_ERR_SCT_UNKNOWN_LOG => c"sct-unknown-log",
            #[cfg(feature = "keyless")]
            VOUCH_ERR_SCT_OUTSIDE_LOG_VALIDITY => c"sct-outside-log-validity",
            #[cfg(feature = "keyless")]
            VOUCH_ERR_SCT_SIGNATURE_INVALID => c"sct-signature-invalid",
            #[cfg(feature = "keyless")]
            VOUCH_ERR_SCT_UNSUPPORTED => c"sct-unsupported",
            #[cfg(feature = "keyless")]
            VOUCH_ERR_TIMESTAMP_MALFORMED => c"timestamp-malformed",
            #[cfg(feature = "keyless")]
            VOUCH_ERR_TIMESTAMP_IMPRINT_MISMATCH => c"timestamp-imprint-mismatch",
            #[cfg(feature = "keyless")]
            VOUCH_ERR_TIMESTAMP_UNTRUSTED => c"timestamp-untrusted",
            #[cfg(feature = "keyless")]
            VOUCH_ERR_TSA_NOT_TIMESTAMPING => c"tsa-not-timestamping",
            #[cfg(feature = "keyless")]
            VOUCH_ERR_TIMESTAMP_OUTSIDE_TSA_VALIDITY => c"timestamp-outside-tsa-validity",
            #[cfg(feature = "keyless")]
            VOUCH_ERR_TIMESTAMP_SIGNATURE_INVALID => c"timestamp-signature-invalid",
            #[cfg(feature = "keyless")]
            VOUCH_ERR_TIMESTAMP_CONTENT_DIGEST_MISMATCH => c"timestamp-content-digest-mismatch",
            #[cfg(feature = "keyless")]
            VOUCH_ERR_TIMESTAMP_UNSUPPORTED_ALGORITHM => c"timestamp-unsupported-algorithm",
            VOUCH_ERR_NULL_POINTER => c"null-pointer",
            VOUCH_ERR_STORAGE_TOO_SMALL => c"storage-too-small",
            VOUCH_ERR_MISALIGNED => c"misaligned",
            VOUCH_ERR_PANIC => c"panic",
            VOUCH_ERR_INVALID_UTF8_ARGUMENT => c"invalid-utf8-argument",
            VOUCH_ERR_ARGUMENT_TOO_LONG => c"argument-too-long",
            VOUCH_ERR_TOO_MANY_PAYLOAD_TYPES => c"too-many-payload-types",
            VOUCH_ERR_NO_PAYLOAD_TYPES => c"no-payload-types",
            VOUCH_ERR_INVALID_HANDLE => c"invalid-handle",
            VOUCH_ERR_INVALID_ARGUMENT => c"invalid-argument",
            VOUCH_ERR_INTERNAL => c"internal",
        }
    }

    /// A one-line human explanation (static text, without a trailing NUL).
    pub fn message(self) -> &'static str {
        if let Some(e) = Error::from_number(self as u32) {
            return e.message();
        }
        match self {
            VOUCH_OK => "success",
            VOUCH_ERR_NULL_POINTER => "a required pointer argument was NULL",
            VOUCH_ERR_STORAGE_TOO_SMALL => "the caller storage is too small for the object",
            VOUCH_ERR_MISALIGNED => "the caller storage or handle is misaligned",
            VOUCH_ERR_PANIC => "vouch panicked internally (a bug); nothing was written",
            VOUCH_ERR_INVALID_UTF8_ARGUMENT => "a text argument is not valid UTF-8",
            VOUCH_ERR_ARGUMENT_TOO_LONG => "a payload type is longer than the limit",
            VOUCH_ERR_TOO_MANY_PAYLOAD_TYPES => "more allowed payload types than the limit",
            VOUCH_ERR_NO_PAYLOAD_TYPES => "no allowed payload type was given",
            VOUCH_ERR_INVALID_HANDLE => "the handle does not refer to a live vouch object",
            VOUCH_ERR_INVALID_ARGUMENT => {
                "an argument is out of range, or an output buffer overlaps another argument"
            }
            _ => "internal error: a vouch-core error has no C code",
        }
    }
}

impl From<Error> for vouch_result {
    fn from(e: Error) -> Self {
        vouch_result::from_number(e.number()).unwrap_or(VOUCH_ERR_INTERNAL)
    }
}

/// Message for numbers that are not results.
pub(crate) const UNKNOWN_CODE: &CStr = c"unknown";
/// Message for numbers that are not results.
pub(crate) const UNKNOWN_MESSAGE: &str = "unknown vouch result code";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_errors_keep_their_numbers_and_codes() {
        for e in Error::ALL {
            let r = vouch_result::from(e);
            assert_ne!(r, VOUCH_ERR_INTERNAL, "{e:?} has no C code");
            assert_eq!(r as u32, e.number());
            assert_eq!(r.code().to_str().unwrap(), e.code());
            assert_eq!(r.message(), e.message());
        }
    }

    #[test]
    fn all_is_sorted_unique_and_codes_unique() {
        for w in ALL.windows(2) {
            assert!((w[0] as u32) < (w[1] as u32));
        }
        for (i, a) in ALL.iter().enumerate() {
            assert_eq!(vouch_result::from_number(*a as u32), Some(*a));
            assert!(!a.message().is_empty());
            for b in &ALL[i + 1..] {
                assert_ne!(a.code(), b.code());
            }
        }
        assert_eq!(vouch_result::from_number(33), None);
        assert_eq!(vouch_result::from_number(999), None);
    }
}
