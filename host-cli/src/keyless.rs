//! Sigstore bundles on the host: what `vouch verify --bundle` does, as code to call.
//!
//! * [`Criterion`]: an identity or issuer criterion, exact (byte-equal, the core's
//!   [`Matcher::Exact`]) or a regexp (the `regex` crate, RE2 syntax, with cosign's *search*
//!   semantics: the pattern matches anywhere in the value unless it anchors itself with `^` / `$`;
//!   handed to the core as [`Matcher::Custom`]).
//! * [`Request`]: the criteria, an optional managed key, the artifact and the Statement checks;
//!   [`Request::check`] refuses what cannot be judged (no identity or no issuer for keyless: a
//!   usage error, never "any").
//! * [`load_trusted_root`]: the trusted root file (read and checked once; an unreadable or
//!   malformed root is a usage / environment error, exit 2), one root or several (one a line,
//!   as `gh attestation trusted-root` prints); [`verify_item_roots`] verifies against each root
//!   on its own.
//! * [`split_bundles`]: one bundle, a JSON Lines file of bundles (`gh attestation download`), or
//!   the npm registry's attestations document (`{"attestations": [{"predicateType", "bundle"}]}`).
//! * [`verify_item`]: one bundle through the core's [`keyless::verify_bundle`] (no network, no
//!   clock: the times are the bundle's verified ones), into a [`BundleReport`].

use std::path::{Path, PathBuf};

use serde_json::{Map, Value as Json, json};
use vouch_core::bundle::{Bundle, SignerMaterial};
use vouch_core::identity::{self, IdentityPolicy, Matcher};
use vouch_core::keyless::{self, Options, Policy, TimeSource, VerifiedBundle};
use vouch_core::statement::Provenance;
use vouch_core::trusted_root::{TrustedRoot, Window};
use vouch_core::x509::Certificate;
use vouch_core::{ArtifactDigest, Error, PublicKey, Statement};

use crate::error::{CliError, Code};
use crate::util::{format_time, json_text};
use crate::verify::{Artifact, ErrorInfo};

/// Largest trusted root file read (real ones are below 20 KiB).
pub const MAX_TRUSTED_ROOT: u64 = 4 << 20;
/// Largest bundle file read (a JSON Lines file or an npm document holds several bundles; one
/// bundle is at most the core's 64 KiB).
pub const MAX_BUNDLE_FILE: u64 = 64 << 20;

/// An identity or issuer criterion.
#[derive(Clone, Debug)]
pub enum Criterion {
    /// Byte-equal to the value.
    Exact(String),
    /// A regexp (RE2 syntax), searched in the value (unanchored unless the pattern anchors
    /// itself).
    Regexp(regex::Regex),
}

impl Criterion {
    /// A regexp criterion from the flag `flag`: an invalid pattern is a usage error. The second
    /// value is a warning for a pattern that does not start with `^` (it matches anywhere in the
    /// value).
    pub fn regexp(flag: &str, pattern: &str) -> Result<(Criterion, Option<String>), CliError> {
        let re = regex::Regex::new(pattern).map_err(|e| {
            CliError::new(
                Code::Usage,
                format!("{flag} {pattern:?} is not a valid regexp (RE2 syntax): {e}"),
            )
        })?;
        let warning = (!pattern.starts_with('^')).then(|| {
            format!(
                "{flag} {pattern:?} does not start with ^: it matches anywhere in the value \
                 (write ^...$ to match the whole value)"
            )
        });
        Ok((Criterion::Regexp(re), warning))
    }

    /// Whether `value` meets the criterion.
    pub fn matches(&self, value: &str) -> bool {
        match self {
            Criterion::Exact(s) => s.as_bytes() == value.as_bytes(),
            Criterion::Regexp(re) => re.is_match(value),
        }
    }

    /// The criterion for messages: `"value"` or `regexp "pattern"`.
    pub fn describe(&self) -> String {
        match self {
            Criterion::Exact(s) => format!("{s:?}"),
            Criterion::Regexp(re) => format!("regexp {:?}", re.as_str()),
        }
    }
}

/// A managed key given with `--key`: its label and SubjectPublicKeyInfo DER.
#[derive(Clone, Debug)]
pub struct ManagedKey {
    /// `sha256:<fingerprint>`.
    pub label: String,
    /// SubjectPublicKeyInfo DER.
    pub spki_der: Vec<u8>,
}

impl ManagedKey {
    /// From a loaded public key.
    pub fn new(key: &PublicKey) -> Result<Self, CliError> {
        let mut der = [0u8; vouch_core::key::MAX_SPKI_LEN];
        let n = key.spki_der(&mut der).map_err(CliError::core)?;
        Ok(ManagedKey {
            label: crate::util::fingerprint_label(key.fingerprint()),
            spki_der: der.get(..n).unwrap_or(&[]).to_vec(),
        })
    }
}

/// What a bundle is verified against.
#[derive(Clone, Debug)]
pub struct Request {
    /// `--certificate-identity` / `--certificate-identity-regexp`.
    pub identity: Option<Criterion>,
    /// `--certificate-oidc-issuer` / `--certificate-oidc-issuer-regexp`.
    pub issuer: Option<Criterion>,
    /// `--key`: a managed key (bundles with `publicKey` instead of a certificate).
    pub key: Option<ManagedKey>,
    /// `--artifact` / `--artifact-digest`.
    pub artifact: Artifact,
    /// `--predicate-type` (DSSE bundles).
    pub predicate_type: Option<String>,
    /// `--builder-id` (DSSE bundles).
    pub builder_id: Option<String>,
}

impl Request {
    /// Refuses a request that cannot be judged (usage error, exit 2): an identity criterion
    /// without an issuer criterion or the reverse (both are required for keyless; a missing one
    /// never means "any"), and neither criteria nor a key.
    pub fn check(&self) -> Result<(), CliError> {
        match (&self.identity, &self.issuer) {
            (Some(_), None) => Err(CliError::new(
                Code::Usage,
                "keyless verification needs an issuer criterion too: give \
                 --certificate-oidc-issuer or --certificate-oidc-issuer-regexp",
            )),
            (None, Some(_)) => Err(CliError::new(
                Code::Usage,
                "keyless verification needs an identity criterion too: give \
                 --certificate-identity or --certificate-identity-regexp",
            )),
            (None, None) if self.key.is_none() => Err(CliError::new(
                Code::Usage,
                "no identity to verify against: give --certificate-identity (or \
                 --certificate-identity-regexp) and --certificate-oidc-issuer (or \
                 --certificate-oidc-issuer-regexp), or --key for managed-key bundles",
            )),
            _ => Ok(()),
        }
    }
}

/// Parses `--artifact-digest`: `sha256:<64 hex>` or `sha512:<128 hex>` (usage error otherwise).
pub fn parse_artifact_digest(s: &str) -> Result<ArtifactDigest, CliError> {
    let bad = |why: &str| {
        CliError::new(
            Code::Usage,
            format!("--artifact-digest {s:?}: {why} (sha256:HEX or sha512:HEX)"),
        )
    };
    let (alg, hex) = s.split_once(':').ok_or_else(|| bad("no algorithm"))?;
    let bytes = decode_hex(hex).ok_or_else(|| bad("not lowercase hex"))?;
    let mut d = ArtifactDigest::default();
    match alg {
        "sha256" => d.sha256 = Some(bytes.try_into().map_err(|_| bad("not 32 bytes"))?),
        "sha512" => d.sha512 = Some(bytes.try_into().map_err(|_| bad("not 64 bytes"))?),
        _ => return Err(bad("unknown algorithm")),
    }
    Ok(d)
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || s.is_empty() {
        return None;
    }
    let nib = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    s.as_bytes()
        .chunks(2)
        .map(|p| Some((nib(*p.first()?)? << 4) | nib(*p.get(1)?)?))
        .collect()
}

/// Most trusted roots one `--trusted-root` file (or a policy's `trustedRoot`) may hold.
pub const MAX_TRUSTED_ROOTS: usize = 8;

/// A trusted root file, read and checked: one trusted root (a JSON document, any layout), or
/// several, one JSON document per line (what `gh attestation trusted-root` prints: the Sigstore
/// public-good root and GitHub's own). The rule (docs/keyless.md, "Several trusted roots"): a
/// file whose first non-blank line is a complete JSON value on its own is JSON Lines, every
/// non-blank line one root (blank lines are skipped); otherwise the whole file is one root. At
/// most [`MAX_TRUSTED_ROOTS`] roots.
#[derive(Clone, Debug)]
pub struct TrustedRootFile {
    /// Where it was read from.
    pub path: PathBuf,
    /// Its bytes.
    pub doc: Vec<u8>,
    /// Where each root is in `doc`, in file order.
    pub roots: Vec<RootSpan>,
}

/// Where one trusted root of a [`TrustedRootFile`] is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RootSpan {
    /// 1-based place among the file's roots.
    pub index: usize,
    /// 1-based line of the file the root starts on.
    pub line: usize,
    /// Its bytes in the file's `doc`.
    pub range: std::ops::Range<usize>,
}

/// One parsed root of a [`TrustedRootFile`], with where it is in the file.
#[derive(Clone, Debug)]
pub struct ParsedRoot<'a> {
    /// Where it is in the file.
    pub span: RootSpan,
    /// The parsed root (borrowing the file's bytes).
    pub root: TrustedRoot<'a>,
}

/// Scratch for parsing a trusted root (the largest certificate of any root seen is < 2 KiB).
const ROOT_SCRATCH: usize = 64 * 1024;

/// Where the roots of a trusted root file are (see [`TrustedRootFile`] for the rule).
fn root_spans(doc: &[u8]) -> Vec<RootSpan> {
    let whole = || {
        vec![RootSpan {
            index: 1,
            line: 1,
            range: 0..doc.len(),
        }]
    };
    // (1-based line, byte range) of every line, without its line break.
    let mut lines = Vec::new();
    let mut start = 0;
    for (n, piece) in doc.split(|b| *b == b'\n').enumerate() {
        let end = start + piece.len();
        let trimmed = piece.strip_suffix(b"\r").unwrap_or(piece);
        lines.push((n + 1, start..start + trimmed.len()));
        start = end + 1;
    }
    let blank = |r: &std::ops::Range<usize>| {
        doc.get(r.clone())
            .is_none_or(|b| b.iter().all(u8::is_ascii_whitespace))
    };
    let Some((_, first)) = lines.iter().find(|(_, r)| !blank(r)) else {
        return whole();
    };
    let first_is_json = doc
        .get(first.clone())
        .is_some_and(|b| serde_json::from_slice::<serde::de::IgnoredAny>(b).is_ok());
    if !first_is_json {
        return whole();
    }
    lines
        .into_iter()
        .filter(|(_, r)| !blank(r))
        .enumerate()
        .map(|(i, (line, range))| RootSpan {
            index: i + 1,
            line,
            range,
        })
        .collect()
}

impl TrustedRootFile {
    /// From a file's bytes: finds its roots and checks their number (the roots themselves are
    /// checked by [`TrustedRootFile::parse_all`]).
    pub fn new(path: &Path, doc: Vec<u8>) -> Result<Self, CliError> {
        let roots = root_spans(&doc);
        if roots.len() > MAX_TRUSTED_ROOTS {
            return Err(CliError::new(
                Code::Core(Error::TrustedRootMalformed),
                format!(
                    "trusted root {}: holds {} trusted roots (one a line); at most {MAX_TRUSTED_ROOTS}",
                    path.display(),
                    roots.len()
                ),
            ));
        }
        Ok(TrustedRootFile {
            path: path.to_path_buf(),
            doc,
            roots,
        })
    }

    /// The parsed root of a file of one root (borrowing the file's bytes). A file of several
    /// roots is refused (`trusted-root-malformed`): a caller that takes one root must not pick
    /// one; use [`TrustedRootFile::parse_all`].
    pub fn parse(&self) -> Result<TrustedRoot<'_>, CliError> {
        let mut all = self.parse_all()?;
        match (all.len(), all.pop()) {
            (1, Some(p)) => Ok(p.root),
            (n, _) => Err(CliError::new(
                Code::Core(Error::TrustedRootMalformed),
                format!(
                    "trusted root {}: holds {n} trusted roots where one is taken here",
                    self.path.display()
                ),
            )),
        }
    }

    /// Every root of the file, parsed once for the rest of the process: the file is kept (never
    /// freed) so that the parsed roots, which borrow its bytes, can be held as long as the
    /// process runs. For a long-lived process that loads its root once (the registry service), so
    /// that a bundle is not preceded by parsing the root again. Errors as [`Self::parse_all`].
    pub fn parse_for_life(self) -> Result<Vec<ParsedRoot<'static>>, CliError> {
        let kept: &'static TrustedRootFile = Box::leak(Box::new(self));
        kept.parse_all_for_batch()
    }

    /// [`Self::parse_all`], each root's certificate-authority chains then checked once
    /// ([`TrustedRoot::precompute_chains`]): for verifying many bundles under the file (the
    /// gate, the service), which then skip those signature checks. Verdicts are unchanged.
    pub fn parse_all_for_batch(&self) -> Result<Vec<ParsedRoot<'_>>, CliError> {
        let mut roots = self.parse_all()?;
        for p in &mut roots {
            let mut scratch = vec![0u8; vouch_core::chain::path_scratch_len(&p.root)];
            p.root = p.root.precompute_chains(&mut scratch);
        }
        Ok(roots)
    }

    /// Every root of the file, parsed, in file order. A malformed root is the file's error,
    /// naming its line when the file holds several roots.
    pub fn parse_all(&self) -> Result<Vec<ParsedRoot<'_>>, CliError> {
        let several = self.roots.len() > 1;
        let mut scratch = vec![0u8; ROOT_SCRATCH];
        self.roots
            .iter()
            .map(|span| {
                let bytes = self.doc.get(span.range.clone()).unwrap_or_default();
                let root = TrustedRoot::parse(bytes, &mut scratch).map_err(|e| {
                    let code = if is_root_code(e) {
                        e
                    } else {
                        Error::TrustedRootMalformed
                    };
                    let why = if code == e {
                        e.message().to_string()
                    } else {
                        format!("{} ({}: {})", code.message(), e.code(), e.message())
                    };
                    let place = if several {
                        format!(" line {}", span.line)
                    } else {
                        String::new()
                    };
                    CliError::new(
                        Code::Core(code),
                        format!("trusted root {}{place}: {why}", self.path.display()),
                    )
                })?;
                Ok(ParsedRoot {
                    span: span.clone(),
                    root,
                })
            })
            .collect()
    }
}

/// The core codes that only a trusted root gives (113-118; `unsupported-hash-algorithm` also
/// comes from bundles, so a root's is reported as `trusted-root-malformed` with it as the cause).
fn is_root_code(e: Error) -> bool {
    matches!(
        e,
        Error::TrustedRootMalformed
            | Error::TrustedRootMediaType
            | Error::TrustedRootMissingStart
            | Error::TrustedRootInvalidTime
            | Error::LogIdMismatch
            | Error::KeyDetailsMismatch
    )
}

/// Reads and checks a trusted root file of one or several roots (`io-error` if unreadable; a
/// core trusted-root code if malformed or holding more than [`MAX_TRUSTED_ROOTS`] roots — both
/// exit 2).
pub fn load_trusted_root(path: &Path) -> Result<TrustedRootFile, CliError> {
    let doc = crate::util::read_envelope(path, MAX_TRUSTED_ROOT).map_err(|e| {
        if e.code == Code::EnvelopeTooLarge {
            CliError::new(
                Code::Core(Error::TrustedRootMalformed),
                format!("trusted root {}: larger than 4 MiB", path.display()),
            )
        } else {
            e
        }
    })?;
    let f = TrustedRootFile::new(path, doc)?;
    f.parse_all()?;
    Ok(f)
}

/// The codes by which a root says it does not know what the bundle was issued or logged by (its
/// certificate authority, transparency log, CT log or timestamp authority): with several roots,
/// an error other than these is the one reported (see [`verify_item_roots`]).
fn is_foreign_root_code(code: Code) -> bool {
    matches!(
        code,
        Code::Core(
            Error::UntrustedIssuer
                | Error::TlogNoTrustedLog
                | Error::SctUnknownLog
                | Error::TimestampUntrusted
        )
    )
}

/// Verifies one item against every root of a file, each root on its own (never a certificate
/// authority of one root with a log of another), in file order, with `verify` (one root): the
/// first report that verifies is the verdict. When none verifies, the reported error is the first
/// root's (in file order) whose code is not one of the foreign-root codes (`untrusted-issuer`,
/// `tlog-no-trusted-log`, `sct-unknown-log`, `timestamp-untrusted`: that root does not know the
/// bundle's issuer or logs, so another root's error says more); if every root gave one of those,
/// the first root's. The report's `trusted_root` names the root of the verdict.
pub fn verify_item_roots(
    label: &str,
    roots: &[ParsedRoot<'_>],
    verify: impl Fn(&TrustedRoot<'_>) -> BundleReport,
) -> BundleReport {
    let mut first: Option<BundleReport> = None;
    let mut telling: Option<BundleReport> = None;
    for p in roots {
        let mut r = verify(&p.root);
        r.trusted_root = Some(p.span.clone());
        if r.verified {
            return r;
        }
        let foreign = r
            .error
            .as_ref()
            .is_some_and(|e| is_foreign_root_code(e.code));
        if !foreign && telling.is_none() {
            telling = Some(r);
        } else if first.is_none() {
            first = Some(r);
        }
    }
    telling.or(first).unwrap_or_else(|| {
        BundleReport::from_error(
            label,
            &CliError::core_with(
                Error::TrustedRootMalformed,
                "the trusted root file holds no root",
            ),
        )
    })
}

/// One bundle of a bundle file.
#[derive(Clone, Debug)]
pub struct Item {
    /// How it is named in reports: the file, and for a file of several, `#N` (1-based line of a
    /// JSON Lines file, or index in an npm document's `attestations`).
    pub label: String,
    /// The bundle's bytes (as written in the file).
    pub bytes: Vec<u8>,
    /// The npm document's `predicateType` for this bundle: the Statement must have it.
    pub predicate_type: Option<String>,
}

/// How a bundle file held its bundles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// One bundle.
    Single,
    /// JSON Lines: one bundle per line.
    JsonLines,
    /// The npm registry's attestations document.
    Npm,
}

/// A GitHub API attestation (`{"bundle": {...}, "repository_id": ...}`) or a bundle: the bundle.
fn unwrap_bundle(raw: &serde_json::value::RawValue) -> Vec<u8> {
    #[derive(serde::Deserialize)]
    struct Wrapped<'a> {
        #[serde(borrow, rename = "mediaType")]
        media_type: Option<&'a serde_json::value::RawValue>,
        #[serde(borrow)]
        bundle: Option<&'a serde_json::value::RawValue>,
    }
    match serde_json::from_str::<Wrapped<'_>>(raw.get()) {
        Ok(Wrapped {
            media_type: None,
            bundle: Some(b),
        }) => b.get().as_bytes().to_vec(),
        _ => raw.get().as_bytes().to_vec(),
    }
}

/// Splits a bundle file into its bundles: one JSON value (a bundle, or an npm attestations
/// document), else JSON Lines (each non-blank line a bundle). A line or entry that is not a
/// bundle is still an item: the core refuses it with its own code.
pub fn split_bundles(name: &str, bytes: Vec<u8>) -> (FileKind, Vec<Item>) {
    #[derive(serde::Deserialize)]
    struct NpmEntry<'a> {
        #[serde(rename = "predicateType")]
        predicate_type: Option<String>,
        #[serde(borrow)]
        bundle: Option<&'a serde_json::value::RawValue>,
    }
    #[derive(serde::Deserialize)]
    struct NpmDoc<'a> {
        #[serde(borrow)]
        attestations: Vec<&'a serde_json::value::RawValue>,
    }
    if let Ok(text) = std::str::from_utf8(&bytes) {
        if let Ok(doc) = serde_json::from_str::<NpmDoc<'_>>(text) {
            let items = doc
                .attestations
                .iter()
                .enumerate()
                .map(|(i, raw)| {
                    let label = format!("{name}#{}", i + 1);
                    match serde_json::from_str::<NpmEntry<'_>>(raw.get()) {
                        Ok(e) => Item {
                            label,
                            bytes: e
                                .bundle
                                .map_or_else(Vec::new, |b| b.get().as_bytes().to_vec()),
                            predicate_type: e.predicate_type,
                        },
                        Err(_) => Item {
                            label,
                            bytes: raw.get().as_bytes().to_vec(),
                            predicate_type: None,
                        },
                    }
                })
                .collect();
            return (FileKind::Npm, items);
        }
        if let Ok(raw) = serde_json::from_str::<&serde_json::value::RawValue>(text) {
            let b = unwrap_bundle(raw);
            let bytes = if b.as_slice() == raw.get().as_bytes() {
                bytes
            } else {
                b
            };
            return (
                FileKind::Single,
                vec![Item {
                    label: name.to_string(),
                    bytes,
                    predicate_type: None,
                }],
            );
        }
        let lines: Vec<(usize, &str)> = text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .collect();
        if lines.len() > 1 {
            let items = lines
                .into_iter()
                .map(|(n, line)| Item {
                    label: format!("{name}#{}", n + 1),
                    bytes: serde_json::from_str::<&serde_json::value::RawValue>(line)
                        .map_or_else(|_| line.as_bytes().to_vec(), unwrap_bundle),
                    predicate_type: None,
                })
                .collect();
            return (FileKind::JsonLines, items);
        }
    }
    (
        FileKind::Single,
        vec![Item {
            label: name.to_string(),
            bytes,
            predicate_type: None,
        }],
    )
}

/// What verifying one bundle found; serialised as the `--format json` report.
#[derive(Clone, Debug, Default)]
pub struct BundleReport {
    /// The bundle (file, and `#N` in a file of several).
    pub bundle: String,
    /// The verdict.
    pub verified: bool,
    /// Why not, when not verified.
    pub error: Option<ErrorInfo>,
    /// The bundle's `mediaType`, when it could be read.
    pub media_type: Option<String>,
    /// DSSE bundles: the envelope's payloadType.
    pub payload_type: Option<String>,
    /// Managed-key bundles: the `--key` that verified (`sha256:<fingerprint>`).
    pub keys: Vec<String>,
    /// The keyids the DSSE signature names (unauthenticated hints).
    pub envelope_keyids: Vec<String>,
    /// DSSE bundles: the Statement summary (verified bundles).
    pub statement: Option<Json>,
    /// DSSE bundles: the Statement's subjects (verified bundles).
    pub subjects: Vec<Json>,
    /// The leaf certificate: identity, issuer and the GitHub workflow claims Fulcio records
    /// (read from the certificate also when verification failed: what it saw).
    pub certificate: Option<Json>,
    /// The bundle's transparency log entries.
    pub tlog: Vec<Json>,
    /// The RFC 3161 timestamps that verified.
    pub timestamps: Vec<Json>,
    /// The trusted time used first (RFC 3339) and what gave it, for the human line.
    pub trusted_time: Option<(String, String)>,
    /// The earliest verified signing time (Unix seconds), for policy windows.
    pub signed_at: Option<i64>,
    /// The root of the trusted root file that gave the verdict: the one that verified the
    /// bundle, or the one whose error is reported ([`verify_item_roots`]).
    pub trusted_root: Option<RootSpan>,
}

impl BundleReport {
    /// The report as JSON: `{ok, verified, error, bundle, mediaType, payloadType, keys,
    /// envelopeKeyids, statement, subjects, certificate, tlog, timestamps, trustedRoot}`
    /// (`trustedRoot`: `{index, line}` of the root of the verdict, or null).
    pub fn to_json(&self) -> Json {
        let error = self.error.as_ref().map_or(
            Json::Null,
            |e| json!({"code": e.code, "message": e.message}),
        );
        json!({
            "ok": self.verified,
            "verified": self.verified,
            "error": error,
            "bundle": self.bundle,
            "mediaType": self.media_type,
            "payloadType": self.payload_type,
            "keys": self.keys,
            "envelopeKeyids": self.envelope_keyids,
            "statement": self.statement,
            "subjects": self.subjects,
            "certificate": self.certificate,
            "tlog": self.tlog,
            "timestamps": self.timestamps,
            "trustedRoot": self.trusted_root.as_ref().map(|t| json!({"index": t.index, "line": t.line})),
        })
    }

    /// A report for an error found before the bundle could be judged.
    pub fn from_error(bundle: &str, e: &CliError) -> Self {
        BundleReport {
            bundle: bundle.to_string(),
            error: Some(ErrorInfo {
                code: e.code,
                message: e.message.clone(),
            }),
            ..Default::default()
        }
    }

    /// The exit status of this verdict: 0 verified, else the error code's class.
    pub fn exit(&self) -> u8 {
        match &self.error {
            None if self.verified => crate::error::EXIT_OK,
            None => crate::error::EXIT_NOT_VERIFIED,
            Some(e) => e.code.exit(),
        }
    }

    /// The human line of a verified bundle: `verified: <bundle> signed by <identity> (issuer
    /// <issuer>), logged in <log> at <time>, statement ...`.
    pub fn human_line(&self) -> String {
        let cert = self.certificate.as_ref();
        let field = |k: &str| cert.and_then(|c| c.get(k)).and_then(|v| v.as_str());
        let signer = match (field("identity"), field("issuer")) {
            (Some(id), Some(iss)) => format!("{id} (issuer {iss})"),
            _ => format!("key {}", self.keys.join(", ")),
        };
        let mut line = format!("verified: {} signed by {signer}", self.bundle);
        if let Some((time, source)) = &self.trusted_time {
            line.push_str(&format!(", {source} at {time}"));
        }
        match &self.statement {
            Some(st) => {
                let s = |k: &str| st.get(k).and_then(|v| v.as_str()).unwrap_or("-");
                let names: Vec<&str> = self
                    .subjects
                    .iter()
                    .filter_map(|s| s.get("name").and_then(|n| n.as_str()))
                    .collect();
                line.push_str(&format!(
                    ", statement predicateType {}, builder {}, subjects {}",
                    s("predicateType"),
                    s("builderId"),
                    names.join(", ")
                ));
            }
            None => line.push_str(", message signature over the artifact digest"),
        }
        line
    }
}

/// The Fulcio claims (OIDs 1.3.6.1.4.1.57264.1.N) shown in reports, newest form first.
const CLAIM_BUILD_CONFIG_URI: u8 = 18;
const CLAIM_BUILD_TRIGGER: u8 = 20;
const CLAIM_RUN_INVOCATION_URI: u8 = 21;

/// The certificate object of a report: identity (the matched one, else every identity value),
/// issuer, validity and the GitHub workflow claims.
fn certificate_json(leaf: &Certificate<'_>, matched: Option<&str>) -> Json {
    use vouch_core::x509::fulcio;
    let claim = |new: Option<u8>, old: Option<u8>| -> Json {
        let get = |c: u8| leaf.fulcio_claim(c).ok().flatten().map(str::to_string);
        new.and_then(get)
            .or_else(|| old.and_then(get))
            .map_or(Json::Null, Json::String)
    };
    let identities: Vec<String> = identity::identities(leaf)
        .filter_map(|n| n.identity().map(str::to_string))
        .collect();
    let time = |t: i64| {
        time::OffsetDateTime::from_unix_timestamp(t)
            .map(format_time)
            .map_or(Json::Null, Json::String)
    };
    json!({
        "identity": matched.map(str::to_string).or_else(|| identities.first().cloned()),
        "identities": identities,
        "issuer": identity::oidc_issuer(leaf).ok(),
        "notBefore": time(leaf.not_before()),
        "notAfter": time(leaf.not_after()),
        "repository": claim(Some(fulcio::SOURCE_REPOSITORY_URI), Some(fulcio::GITHUB_WORKFLOW_REPOSITORY)),
        "ref": claim(Some(fulcio::SOURCE_REPOSITORY_REF), Some(fulcio::GITHUB_WORKFLOW_REF)),
        "sha": claim(Some(fulcio::SOURCE_REPOSITORY_DIGEST), Some(fulcio::GITHUB_WORKFLOW_SHA)),
        "workflow": claim(Some(CLAIM_BUILD_CONFIG_URI), Some(fulcio::GITHUB_WORKFLOW_NAME)),
        "trigger": claim(Some(CLAIM_BUILD_TRIGGER), Some(fulcio::GITHUB_WORKFLOW_TRIGGER)),
        "runInvocation": claim(Some(CLAIM_RUN_INVOCATION_URI), None),
        "buildSigner": claim(Some(fulcio::BUILD_SIGNER_URI), None),
    })
}

fn b64(s: &str) -> Option<Vec<u8>> {
    use base64ct::{Base64, Encoding};
    Base64::decode_vec(s).ok()
}

fn hex(b: &[u8]) -> String {
    crate::util::hex(b)
}

fn rfc3339(t: i64) -> Option<String> {
    time::OffsetDateTime::from_unix_timestamp(t)
        .ok()
        .map(format_time)
}

/// The base URL of a log of the trusted root, for people.
fn log_name(root: &TrustedRoot<'_>, id: &[u8]) -> Option<String> {
    root.find_tlog(id).map(|l| json_text(&l.base_url))
}

fn provenance_name(p: Provenance) -> &'static str {
    match p {
        Provenance::SlsaV0 => "slsa-v0",
        Provenance::SlsaV1 => "slsa-v1",
        Provenance::Registry => "registry",
        _ => "other",
    }
}

/// The Statement summary and subjects of a verified DSSE payload (the same fields as DSSE
/// reports).
fn statement_json(payload: &[u8]) -> Option<(Json, Vec<Json>)> {
    let st = Statement::parse(payload).ok()?;
    let text = |v: Option<vouch_core::json::JsonStr<'_>>| {
        v.map_or(Json::Null, |s| Json::String(json_text(&s)))
    };
    let summary = json!({
        "_type": text(st.root().get("_type").and_then(|v| v.as_str())),
        "predicateType": text(st.predicate_type()),
        "builderId": text(st.builder_id()),
        "provenance": provenance_name(st.provenance()),
    });
    let subjects = st
        .subjects()
        .map(|s| {
            let mut d = Map::new();
            for (alg, v) in s.digest.members() {
                if let Some(h) = v.as_str() {
                    d.insert(json_text(&alg), Json::String(json_text(&h)));
                }
            }
            json!({"digest": d, "name": json_text(&s.name)})
        })
        .collect();
    Some((summary, subjects))
}

/// What the bundle's JSON says, for reports (nothing here is trusted: verification is the core's).
struct Shown {
    media_type: Option<String>,
    envelope_keyids: Vec<String>,
    payload_type: Option<String>,
    signature: Option<Vec<u8>>,
    timestamps: Vec<Vec<u8>>,
    tlog: Vec<(Vec<u8>, Json)>,
}

fn shown(bytes: &[u8], root: Option<&TrustedRoot<'_>>) -> Shown {
    let v: Json = serde_json::from_slice(bytes).unwrap_or(Json::Null);
    let s = |v: &Json| v.as_str().map(str::to_string);
    let dsse = &v["dsseEnvelope"];
    let sig = v["messageSignature"]["signature"]
        .as_str()
        .or_else(|| dsse["signatures"][0]["sig"].as_str())
        .and_then(b64);
    let vm = &v["verificationMaterial"];
    let tlog = vm["tlogEntries"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            let id = e["logId"]["keyId"]
                .as_str()
                .and_then(b64)
                .unwrap_or_default();
            let int_time = e["integratedTime"]
                .as_str()
                .and_then(|t| t.parse::<i64>().ok())
                .or_else(|| e["integratedTime"].as_i64())
                .filter(|t| *t > 0);
            let index = e["logIndex"]
                .as_str()
                .and_then(|t| t.parse::<i64>().ok())
                .or_else(|| e["logIndex"].as_i64());
            let kv = &e["kindVersion"];
            let j = json!({
                "logId": hex(&id),
                "log": root.and_then(|r| log_name(r, &id)),
                "logIndex": index,
                "integratedTime": int_time.and_then(rfc3339),
                "kind": match (kv["kind"].as_str(), kv["version"].as_str()) {
                    (Some(k), Some(v)) => Json::String(format!("{k} {v}")),
                    _ => Json::Null,
                },
            });
            (id, j)
        })
        .collect();
    Shown {
        media_type: s(&v["mediaType"]),
        envelope_keyids: dsse["signatures"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|x| s(&x["keyid"]))
            .filter(|k| !k.is_empty())
            .collect(),
        payload_type: s(&dsse["payloadType"]),
        signature: sig,
        timestamps: vm["timestampVerificationData"]["rfc3161Timestamps"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|t| t["signedTimestamp"].as_str().and_then(b64))
            .collect(),
        tlog,
    }
}

/// The leaf certificate DER of a bundle, if it has one that decodes (for reports only: the core
/// verifies it).
fn leaf_der(bytes: &[u8]) -> Option<Vec<u8>> {
    let v: Json = serde_json::from_slice(bytes).ok()?;
    let vm = &v["verificationMaterial"];
    vm["certificate"]["rawBytes"]
        .as_str()
        .or_else(|| vm["x509CertificateChain"]["certificates"][0]["rawBytes"].as_str())
        .and_then(b64)
}

/// Verifies one bundle against the trusted root and the request.
pub fn verify_item(item: &Item, root: &TrustedRoot<'_>, req: &Request) -> BundleReport {
    let shown = shown(&item.bytes, Some(root));
    let mut report = BundleReport {
        bundle: item.label.clone(),
        media_type: shown.media_type.clone(),
        payload_type: shown.payload_type.clone(),
        envelope_keyids: shown.envelope_keyids.clone(),
        tlog: shown.tlog.iter().map(|(_, j)| j.clone()).collect(),
        ..Default::default()
    };
    let leaf = leaf_der(&item.bytes);
    let leaf_cert = leaf.as_deref().and_then(|d| Certificate::parse(d).ok());
    let managed_bundle = matches!(
        Bundle::parse(&item.bytes).map(|b| b.signer),
        Ok(SignerMaterial::PublicKey(_))
    );
    let mut scratch = Vec::new();
    let outcome = keyless::scratch_len(&item.bytes, root).and_then(|need| {
        scratch = vec![0u8; need];
        run(item, root, req, managed_bundle, &mut scratch)
    });
    match outcome {
        Ok(v) => {
            report.verified = true;
            let matched = v.identity.and_then(|m| m.san.identity());
            report.certificate = leaf_cert.as_ref().map(|l| certificate_json(l, matched));
            if managed_bundle && let Some(k) = &req.key {
                report.keys = vec![k.label.clone()];
            }
            if let Some((_, payload)) = v.payload
                && let Some((st, subjects)) = statement_json(payload)
            {
                report.statement = Some(st);
                report.subjects = subjects;
            }
            report.timestamps = verified_timestamps(&shown, root);
            report.trusted_time = trusted_time(&v, root);
            report.signed_at = v.times.earliest.map(|t| t.time);
        }
        Err(e) => {
            report.certificate = leaf_cert.as_ref().map(|l| certificate_json(l, None));
            let message = explain(e, item, req, leaf_cert.as_ref(), managed_bundle);
            report.error = Some(ErrorInfo {
                code: Code::Core(e),
                message,
            });
        }
    }
    report
}

/// The core's verification of one bundle.
fn run<'b>(
    item: &'b Item,
    root: &TrustedRoot<'_>,
    req: &Request,
    managed_bundle: bool,
    scratch: &'b mut [u8],
) -> Result<VerifiedBundle<'b>, Error> {
    let identity_match = |v: &str| req.identity.as_ref().is_some_and(|c| c.matches(v));
    let issuer_match = |v: &str| req.issuer.as_ref().is_some_and(|c| c.matches(v));
    let policy = match (&req.key, req.identity.is_some() && req.issuer.is_some()) {
        (Some(k), _) if managed_bundle => Policy::Key {
            spki_der: &k.spki_der,
            // A --key is trusted at any time (a policy file's issuers carry windows).
            valid_for: Window {
                start: i64::MIN,
                end: None,
            },
        },
        (_, true) => Policy::Identity(IdentityPolicy {
            identity: Matcher::Custom(&identity_match),
            issuer: Matcher::Custom(&issuer_match),
        }),
        (Some(k), false) => Policy::Key {
            spki_der: &k.spki_der,
            valid_for: Window {
                start: i64::MIN,
                end: None,
            },
        },
        (None, false) => return Err(Error::KeylessPolicyMismatch),
    };
    let predicate_type = req
        .predicate_type
        .as_deref()
        .or(item.predicate_type.as_deref());
    let options = Options {
        policy,
        artifact: &req.artifact.digest,
        predicate_type,
        builder_id: req.builder_id.as_deref(),
    };
    keyless::verify_bundle(&item.bytes, root, &options, scratch)
}

/// The RFC 3161 timestamps of a verified bundle, each with its time and authority.
fn verified_timestamps(shown: &Shown, root: &TrustedRoot<'_>) -> Vec<Json> {
    let Some(sig) = &shown.signature else {
        return Vec::new();
    };
    let mut scratch = vec![0u8; vouch_core::timestamp::timestamp_scratch_len(root)];
    shown
        .timestamps
        .iter()
        .filter_map(|t| vouch_core::timestamp::verify_timestamp(t, sig, root, &mut scratch).ok())
        .map(|t| {
            let authority = root
                .timestamp_authorities()
                .nth(t.authority_index)
                .and_then(|a| a.uri.map(|u| json_text(&u)));
            json!({"time": rfc3339(t.time), "authority": authority})
        })
        .collect()
}

/// The earliest trusted time and its source, for the human line.
fn trusted_time(v: &VerifiedBundle<'_>, root: &TrustedRoot<'_>) -> Option<(String, String)> {
    let t = v.times.earliest?;
    let when = rfc3339(t.time)?;
    let source = match t.source {
        TimeSource::Log(i) => {
            let name = root
                .tlogs()
                .nth(usize::from(i))
                .map(|l| json_text(&l.base_url))
                .unwrap_or_else(|| "a transparency log".into());
            format!("logged in {name}")
        }
        TimeSource::Timestamp(i) => {
            let name = root
                .timestamp_authorities()
                .nth(usize::from(i))
                .and_then(|a| a.uri.map(|u| json_text(&u)))
                .unwrap_or_else(|| "a timestamp authority".into());
            let logs: Vec<String> = v
                .tlogs
                .iter()
                .filter_map(|i| root.tlogs().nth(i).map(|l| json_text(&l.base_url)))
                .collect();
            format!("logged in {}, timestamped by {name}", logs.join(", "))
        }
    };
    Some((when, source))
}

/// The message of a failed verification: the core's, and what was seen.
fn explain(
    e: Error,
    item: &Item,
    req: &Request,
    leaf: Option<&Certificate<'_>>,
    managed_bundle: bool,
) -> String {
    let base = e.message();
    match e {
        Error::IdentityMismatch => {
            let seen: Vec<String> = leaf
                .map(|l| {
                    identity::identities(l)
                        .filter_map(|n| n.identity().map(|s| format!("{s:?}")))
                        .collect()
                })
                .unwrap_or_default();
            format!(
                "{base}: wanted {}, the certificate has {}",
                req.identity
                    .as_ref()
                    .map_or_else(|| "-".into(), Criterion::describe),
                if seen.is_empty() {
                    "no identity".into()
                } else {
                    seen.join(", ")
                }
            )
        }
        Error::IssuerMismatch => format!(
            "{base}: wanted {}, the certificate has {}",
            req.issuer
                .as_ref()
                .map_or_else(|| "-".into(), Criterion::describe),
            leaf.and_then(|l| identity::oidc_issuer(l).ok())
                .map_or_else(|| "none".into(), |s| format!("{s:?}"))
        ),
        Error::KeylessPolicyMismatch if managed_bundle => {
            format!("{base}: the bundle is signed by a managed key (publicKey): give it with --key")
        }
        Error::KeylessPolicyMismatch => format!(
            "{base}: the bundle carries a certificate: give --certificate-identity[-regexp] and \
             --certificate-oidc-issuer[-regexp]"
        ),
        Error::SubjectMismatch | Error::MessageDigestMismatch | Error::NoArtifactDigest => {
            format!("{base}: {}", req.artifact.name)
        }
        Error::PredicateTypeMismatch => format!(
            "{base}: expected {:?}",
            req.predicate_type
                .as_deref()
                .or(item.predicate_type.as_deref())
                .unwrap_or("-")
        ),
        Error::BuilderIdMismatch => format!(
            "{base}: expected {:?}",
            req.builder_id.as_deref().unwrap_or("-")
        ),
        _ => base.to_string(),
    }
}

/// Verifies one bundle against a policy file's issuers: keyless issuers for certificate bundles,
/// key issuers for managed-key bundles. The bundle verifies if it verifies for an issuer that is
/// active (not revoked, inside `validFrom` / `validUntil`) at the bundle's verified signing time
/// (its earliest trusted time, never the clock); the policy's `expires` is judged at `now`, and its
/// `predicateTypes` / `builderIds` lists are checked on the Statement.
pub fn verify_item_with_policy(
    item: &Item,
    root: &TrustedRoot<'_>,
    base: &Request,
    policy: &crate::policy::Policy,
    now: time::OffsetDateTime,
) -> BundleReport {
    use crate::policy::KeyStatus;
    if let Some(exp) = policy.expires
        && now >= exp
    {
        let e = CliError::new(
            Code::PolicyExpired,
            format!("the policy expired at {}", format_time(exp)),
        );
        return BundleReport::from_error(&item.label, &e);
    }
    let managed_bundle = matches!(
        Bundle::parse(&item.bytes).map(|b| b.signer),
        Ok(SignerMaterial::PublicKey(_))
    );
    // (label, request, status at a time)
    type StatusFn<'p> = Box<dyn Fn(time::OffsetDateTime) -> KeyStatus + 'p>;
    let mut candidates: Vec<(String, Request, StatusFn<'_>)> = Vec::new();
    if managed_bundle {
        for i in &policy.issuers {
            let Ok(key) = ManagedKey::new(&i.key) else {
                continue;
            };
            let req = Request {
                identity: None,
                issuer: None,
                key: Some(key),
                ..base.clone()
            };
            candidates.push((i.key_id.clone(), req, Box::new(move |t| i.status(t))));
        }
    } else {
        for i in &policy.keyless_issuers {
            let req = Request {
                identity: Some(i.identity.clone()),
                issuer: Some(i.issuer.clone()),
                key: None,
                ..base.clone()
            };
            candidates.push((i.key_id.clone(), req, Box::new(move |t| i.status(t))));
        }
    }
    let mut first_error: Option<BundleReport> = None;
    let mut other_error: Option<BundleReport> = None;
    let mut inactive: Option<BundleReport> = None;
    for (label, req, status) in &candidates {
        let mut r = verify_item(item, root, req);
        if r.verified {
            let at = r
                .signed_at
                .and_then(|t| time::OffsetDateTime::from_unix_timestamp(t).ok());
            let st = at.map_or(KeyStatus::Revoked, status);
            r.keys = vec![label.clone()];
            if st == KeyStatus::Active {
                if let Err(e) = policy_lists(&r, policy) {
                    r.verified = false;
                    r.error = Some(ErrorInfo {
                        code: e.code,
                        message: e.message,
                    });
                }
                return r;
            }
            if inactive.is_none() {
                let when = r.trusted_time.as_ref().map_or("-", |(t, _)| t.as_str());
                let what = match st {
                    KeyStatus::Revoked => "revoked".to_string(),
                    KeyStatus::NotYetValid => format!("not valid yet at the signing time {when}"),
                    _ => format!("past its validUntil at the signing time {when}"),
                };
                let code = st.code().unwrap_or(Code::KeyRevoked);
                r.verified = false;
                r.error = Some(ErrorInfo {
                    code,
                    message: format!("signed only by issuer {label:?}, which is {what}"),
                });
                inactive = Some(r);
            }
            continue;
        }
        let identity_miss = matches!(
            r.error.as_ref().map(|e| e.code),
            Some(Code::Core(
                Error::IdentityMismatch | Error::IssuerMismatch | Error::KeylessPolicyMismatch
            ))
        );
        if !identity_miss && other_error.is_none() {
            other_error = Some(r);
        } else if first_error.is_none() {
            first_error = Some(r);
        }
    }
    if let Some(r) = inactive.or(other_error) {
        return r;
    }
    let kind = if managed_bundle {
        "key issuer (publicKey)"
    } else {
        "keyless issuer (certificateIdentity)"
    };
    match first_error {
        Some(mut r) => {
            if let Some(e) = &mut r.error {
                // The policy's path is not named: this message reaches the service's clients,
                // and a server's file system is none of their business.
                e.message = format!(
                    "no {kind} of the policy matches: {}",
                    e.message
                        .split_once(": wanted")
                        .map_or(e.message.as_str(), |(a, _)| a)
                );
                if let Some(c) = &r.certificate {
                    e.message.push_str(&format!(
                        " (the certificate has {} from {})",
                        c["identities"], c["issuer"]
                    ));
                }
            }
            r
        }
        None => BundleReport::from_error(
            &item.label,
            &CliError::core_with(
                Error::KeylessPolicyMismatch,
                format!("the policy has no {kind}"),
            ),
        ),
    }
}

/// The policy's `predicateTypes` and `builderIds` on a verified report's Statement.
fn policy_lists(r: &BundleReport, policy: &crate::policy::Policy) -> Result<(), CliError> {
    let get = |k: &str| {
        r.statement
            .as_ref()
            .and_then(|s| s.get(k))
            .and_then(|v| v.as_str())
            .map(str::to_string)
    };
    for (list, field, mismatch, missing) in [
        (
            &policy.predicate_types,
            "predicateType",
            Error::PredicateTypeMismatch,
            Error::MissingPredicateType,
        ),
        (
            &policy.builder_ids,
            "builderId",
            Error::BuilderIdMismatch,
            Error::MissingBuilderId,
        ),
    ] {
        let Some(list) = list else { continue };
        match get(field) {
            Some(v) if list.contains(&v) => {}
            Some(v) => {
                return Err(CliError::core_with(
                    mismatch,
                    format!("{v:?} is not in the policy's {field}s"),
                ));
            }
            None => return Err(CliError::core(missing)),
        }
    }
    Ok(())
}

/// The `mediaType` prefix of every Sigstore bundle version.
pub const BUNDLE_MEDIA_TYPE_PREFIX: &str = "application/vnd.dev.sigstore.bundle";

/// Whether `bytes` are a Sigstore bundle: a JSON object whose top-level `mediaType` starts with
/// [`BUNDLE_MEDIA_TYPE_PREFIX`]. This is how the store tells a stored bundle from a bare DSSE
/// envelope (both live in the record's envelope bytes; a DSSE envelope has no `mediaType`).
pub fn is_bundle(bytes: &[u8]) -> bool {
    #[derive(serde::Deserialize)]
    struct Top {
        #[serde(rename = "mediaType")]
        media_type: Option<Json>,
    }
    serde_json::from_slice::<Top>(bytes)
        .ok()
        .and_then(|t| t.media_type)
        .is_some_and(|m| {
            m.as_str()
                .is_some_and(|m| m.starts_with(BUNDLE_MEDIA_TYPE_PREFIX))
        })
}

/// A DSSE bundle's envelope payloadType and decoded payload, read without verifying (the facts
/// of a record; verification is [`verify_with_policy`]'s). `None` for a message-signature bundle.
pub fn bundle_payload(bytes: &[u8]) -> Option<(String, Vec<u8>)> {
    let v: Json = serde_json::from_slice(bytes).ok()?;
    let dsse = &v["dsseEnvelope"];
    let payload = dsse["payload"].as_str().and_then(b64)?;
    Some((
        dsse["payloadType"].as_str().unwrap_or_default().to_string(),
        payload,
    ))
}

/// Who signed a bundle and where it was logged, read from its bytes (a stored record's bundle):
/// `{certificate, tlog}` with the certificate object of the verify reports (identity, issuer,
/// workflow claims; null for a managed-key bundle) and its transparency log entries (`logId`,
/// `logIndex`, `integratedTime`, `kind`). Nothing here is verified; the store verified the
/// bundle against the policy when it was put, and the gate verifies it again.
pub fn bundle_signer(bytes: &[u8]) -> Option<Json> {
    if !is_bundle(bytes) {
        return None;
    }
    let shown = shown(bytes, None);
    let leaf = leaf_der(bytes);
    let cert = leaf
        .as_deref()
        .and_then(|d| Certificate::parse(d).ok())
        .map(|l| certificate_json(&l, None));
    let tlog: Vec<Json> = shown
        .tlog
        .into_iter()
        .map(|(_, mut j)| {
            if let Some(m) = j.as_object_mut() {
                m.remove("log");
            }
            j
        })
        .collect();
    Some(json!({"certificate": cert, "tlog": tlog}))
}

/// The trusted root a policy names (`trustedRoot`), loaded with [`load_trusted_root`]: what
/// every verification of a bundle against a policy uses (`vouch verify --bundle --policy`, a
/// store put, the gate). A policy without `trustedRoot` cannot judge a bundle: `policy-invalid`.
pub fn policy_trusted_root(policy: &crate::policy::Policy) -> Result<TrustedRootFile, CliError> {
    match &policy.trusted_root {
        Some(path) => load_trusted_root(path),
        None => Err(CliError::new(
            Code::PolicyInvalid,
            format!(
                "{}: trustedRoot: needed to verify Sigstore bundles (a Sigstore trusted_root.json, relative to the policy file)",
                policy.path.display()
            ),
        )),
    }
}

/// The refusal of a bundle by a policy that names no trusted root (a policy of key issuers
/// only), where that is the bundle's problem rather than the operator's (the registry service:
/// the client cannot change the policy): `keyless-policy-mismatch`, as for a policy without
/// keyless issuers.
pub fn no_trusted_root() -> CliError {
    CliError::core_with(
        Error::KeylessPolicyMismatch,
        "the policy has no trustedRoot (no keyless issuers): it cannot verify a Sigstore bundle",
    )
}

/// Verifies a bundle (a put's, or a stored record's) against a policy file: its keyless issuers
/// (key issuers for a managed-key bundle, see [`verify_item_with_policy`]), with the policy's
/// `trustedRoot` (each of its roots on its own, [`verify_item_roots`]), for `artifact` (a message
/// signature's digest, or a subject of a DSSE bundle's Statement). A policy without `trustedRoot`
/// cannot judge a bundle: `policy-invalid` ([`policy_trusted_root`]).
pub fn verify_with_policy(
    bytes: &[u8],
    label: &str,
    policy: &crate::policy::Policy,
    artifact: Artifact,
    now: time::OffsetDateTime,
) -> Result<BundleReport, CliError> {
    let file = policy_trusted_root(policy)?;
    verify_with_root(bytes, label, policy, &file, artifact, now)
}

/// [`verify_with_policy`] with the policy's trusted root already loaded (the registry service
/// loads it once, with the policy).
pub fn verify_with_root(
    bytes: &[u8],
    label: &str,
    policy: &crate::policy::Policy,
    file: &TrustedRootFile,
    artifact: Artifact,
    now: time::OffsetDateTime,
) -> Result<BundleReport, CliError> {
    let roots = file.parse_all()?;
    Ok(verify_with_parsed(
        bytes, label, policy, &roots, artifact, now,
    ))
}

/// [`verify_with_root`] with the file's roots already parsed ([`TrustedRootFile::parse_all`] or
/// [`TrustedRootFile::parse_for_life`]): what a batch (the gate) or the service does, so that the
/// roots are parsed once, not once per bundle.
pub fn verify_with_parsed(
    bytes: &[u8],
    label: &str,
    policy: &crate::policy::Policy,
    roots: &[ParsedRoot<'_>],
    artifact: Artifact,
    now: time::OffsetDateTime,
) -> BundleReport {
    let item = Item {
        label: label.to_string(),
        bytes: bytes.to_vec(),
        predicate_type: None,
    };
    let req = Request {
        identity: None,
        issuer: None,
        key: None,
        artifact,
        predicate_type: None,
        builder_id: None,
    };
    let mut r = verify_item_roots(&item.label, roots, |root| {
        verify_item_with_policy(&item, root, &req, policy, now)
    });
    if !r.verified && r.error.is_none() {
        r.error = Some(ErrorInfo {
            code: Code::Internal,
            message: "the bundle was not verified".into(),
        });
    }
    r
}
