//! in-toto Statements and SLSA provenance, checked on the verified payload bytes.

use crate::Error;
use crate::json::{self, JsonStr, Kind, Value};
use sha2::{Digest, Sha256, Sha512};

/// `_type` of in-toto Statement v1.
pub const STATEMENT_V1: &str = "https://in-toto.io/Statement/v1";
/// `_type` of in-toto Statement v0.1.
pub const STATEMENT_V01: &str = "https://in-toto.io/Statement/v0.1";
/// SLSA provenance v0.1 predicate type.
pub const SLSA_PROVENANCE_V01: &str = "https://slsa.dev/provenance/v0.1";
/// SLSA provenance v0.2 predicate type.
pub const SLSA_PROVENANCE_V02: &str = "https://slsa.dev/provenance/v0.2";
/// SLSA provenance v1 predicate type.
pub const SLSA_PROVENANCE_V1: &str = "https://slsa.dev/provenance/v1";

/// The Statement layer version.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum StatementVersion {
    /// `https://in-toto.io/Statement/v0.1`
    V01,
    /// `https://in-toto.io/Statement/v1`
    V1,
}

/// What kind of provenance the Statement carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Provenance {
    /// Some other predicate (or none to speak of).
    Other,
    /// SLSA provenance v0.1 or v0.2: builder at `predicate.builder.id`.
    SlsaV0,
    /// SLSA provenance v1: builder at `predicate.runDetails.builder.id`.
    SlsaV1,
    /// The minimal registry format: Statement v0.1 without `predicateType`, with top-level
    /// `buildType`, `builder.id`, `materials` and `metadata.commit`.
    Registry,
}

/// A digest computed over an artifact, for matching against subjects.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ArtifactDigest {
    /// SHA-256, if computed.
    pub sha256: Option<[u8; 32]>,
    /// SHA-512, if computed.
    pub sha512: Option<[u8; 64]>,
}

/// Streams an artifact (e.g. from flash, in chunks) through SHA-256 and/or SHA-512.
#[derive(Clone, Debug)]
pub struct ArtifactHasher {
    sha256: Option<Sha256>,
    sha512: Option<Sha512>,
}

impl Default for ArtifactHasher {
    fn default() -> Self {
        ArtifactHasher::new(true, true)
    }
}

impl ArtifactHasher {
    /// A hasher computing the chosen algorithms.
    pub fn new(sha256: bool, sha512: bool) -> Self {
        ArtifactHasher {
            sha256: sha256.then(Sha256::new),
            sha512: sha512.then(Sha512::new),
        }
    }
    /// Feeds the next chunk of the artifact.
    pub fn update(&mut self, chunk: &[u8]) {
        if let Some(h) = &mut self.sha256 {
            h.update(chunk);
        }
        if let Some(h) = &mut self.sha512 {
            h.update(chunk);
        }
    }
    /// The digests of everything fed.
    pub fn finalize(self) -> ArtifactDigest {
        ArtifactDigest {
            sha256: self.sha256.map(|h| h.finalize().into()),
            sha512: self.sha512.map(|h| h.finalize().into()),
        }
    }
}

/// One `subject` entry.
#[derive(Clone, Copy, Debug)]
pub struct Subject<'a> {
    /// The subject's `name`.
    pub name: JsonStr<'a>,
    /// The `digest` object (algorithm → hex).
    pub digest: Value<'a>,
}

/// Checks that the caller wants applied to a verified Statement.
#[derive(Clone, Copy, Debug, Default)]
pub struct Checks<'c> {
    /// Require `predicateType` to equal this.
    pub predicate_type: Option<&'c str>,
    /// Require the builder id to equal this.
    pub builder_id: Option<&'c str>,
    /// Require the artifact to match some subject.
    pub artifact: Option<&'c ArtifactDigest>,
}

/// Where a Statement keeps the facts of its build, by provenance kind — the one place that knows
/// (the host's reports, store and statement writer use it):
///
/// | fact | SLSA v1 | SLSA v0.1 / v0.2 | registry format |
/// |---|---|---|---|
/// | builder id | `predicate.runDetails.builder.id` | `predicate.builder.id` | `builder.id` |
/// | finished at | `predicate.runDetails.metadata.finishedOn` | `predicate.metadata.buildFinishedOn` | `metadata.timestamp` |
/// | build tool | `predicate.runDetails.builder.version` (object or string) | — | `metadata.buildTool` |
/// | materials | `predicate.buildDefinition.resolvedDependencies` | `predicate.materials` | `materials` |
/// | commit | — | — | `metadata.commit` |
///
/// Each is `None` when absent or of another JSON type than the format gives it.
#[derive(Clone, Copy, Debug, Default)]
pub struct BuildFacts<'a> {
    /// The builder id.
    pub builder_id: Option<JsonStr<'a>>,
    /// When the build finished (RFC 3339 text, as written).
    pub finished_on: Option<JsonStr<'a>>,
    /// The build tool: a string, or (SLSA v1) an object of component versions.
    pub build_tool: Option<Value<'a>>,
    /// The materials / resolved dependencies (a JSON array).
    pub materials: Option<Value<'a>>,
    /// The source commit (registry format).
    pub commit: Option<JsonStr<'a>>,
}

/// A parsed, structurally checked in-toto Statement.
#[derive(Clone, Debug)]
pub struct Statement<'a> {
    root: Value<'a>,
    version: StatementVersion,
    predicate_type: Option<JsonStr<'a>>,
    provenance: Provenance,
    builder_id: Option<JsonStr<'a>>,
    subjects: Option<Value<'a>>,
}

fn opt_str<'a>(v: Option<Value<'a>>) -> Result<Option<JsonStr<'a>>, Error> {
    match v {
        None => Ok(None),
        Some(v) => v.as_str().map(Some).ok_or(Error::MalformedStatement),
    }
}

/// Builder id at `obj.builder.id`: absent or empty is `MissingBuilderId`, mistyped is malformed.
fn builder_id_at<'a>(obj: Option<Value<'a>>) -> Result<JsonStr<'a>, Error> {
    let obj = obj.ok_or(Error::MissingBuilderId)?;
    if obj.kind() != Kind::Object {
        return Err(Error::MalformedStatement);
    }
    let builder = obj.get("builder").ok_or(Error::MissingBuilderId)?;
    if builder.kind() != Kind::Object {
        return Err(Error::MalformedStatement);
    }
    let id = opt_str(builder.get("id"))?.ok_or(Error::MissingBuilderId)?;
    if id.raw().is_empty() {
        return Err(Error::MissingBuilderId);
    }
    Ok(id)
}

fn hex_digit(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        _ => None,
    }
}

/// Decodes lowercase hex of exactly `out.len()` bytes.
fn decode_hex(s: &JsonStr<'_>, out: &mut [u8]) -> Result<(), Error> {
    let mut text = [0u8; 128];
    let t = s
        .unescape_into(&mut text)
        .map_err(|_| Error::InvalidDigest)?
        .as_bytes();
    if t.len() != out.len() * 2 {
        return Err(Error::InvalidDigest);
    }
    for (o, pair) in out.iter_mut().zip(t.chunks_exact(2)) {
        let (hi, lo) = match pair {
            [h, l] => (hex_digit(*h), hex_digit(*l)),
            _ => (None, None),
        };
        *o = (hi.ok_or(Error::InvalidDigest)? << 4) | lo.ok_or(Error::InvalidDigest)?;
    }
    Ok(())
}

impl<'a> Statement<'a> {
    /// Parses the verified payload as an in-toto Statement and checks its structure:
    /// strict JSON; `_type` v0.1 or v1; `subject` a non-empty array of `{name, digest}` with
    /// valid sha256/sha512 hex; `predicateType` (required for v1); for SLSA provenance a builder
    /// id; for the registry format `builder.id`, a `materials` array and `metadata.commit`.
    pub fn parse(payload: &'a [u8]) -> Result<Self, Error> {
        let root = json::parse(payload)?;
        if root.kind() != Kind::Object {
            return Err(Error::MalformedStatement);
        }
        let ty = root
            .get("_type")
            .and_then(|v| v.as_str())
            .ok_or(Error::UnsupportedStatementType)?;
        let version = if ty.eq_str(STATEMENT_V1) {
            StatementVersion::V1
        } else if ty.eq_str(STATEMENT_V01) {
            StatementVersion::V01
        } else {
            return Err(Error::UnsupportedStatementType);
        };
        let predicate_type = opt_str(root.get("predicateType"))?;
        let predicate = root.get("predicate");
        if predicate.is_some_and(|p| p.kind() != Kind::Object) {
            return Err(Error::MalformedStatement);
        }
        let (provenance, builder_id) = match predicate_type {
            None if version == StatementVersion::V1 => return Err(Error::MissingPredicateType),
            None => {
                let id = builder_id_at(Some(root))?;
                match root.get("materials") {
                    None => return Err(Error::MissingMaterials),
                    Some(m) if m.kind() != Kind::Array => return Err(Error::MalformedStatement),
                    Some(_) => {}
                }
                let metadata = root.get("metadata").ok_or(Error::MissingCommit)?;
                if metadata.kind() != Kind::Object {
                    return Err(Error::MalformedStatement);
                }
                let commit = opt_str(metadata.get("commit"))?.ok_or(Error::MissingCommit)?;
                if commit.raw().is_empty() {
                    return Err(Error::MissingCommit);
                }
                if let Some(bt) = root.get("buildType") {
                    bt.as_str().ok_or(Error::MalformedStatement)?;
                }
                (Provenance::Registry, Some(id))
            }
            Some(pt) if pt.eq_str(SLSA_PROVENANCE_V01) || pt.eq_str(SLSA_PROVENANCE_V02) => {
                (Provenance::SlsaV0, Some(builder_id_at(predicate)?))
            }
            Some(pt) if pt.eq_str(SLSA_PROVENANCE_V1) => {
                let run = match predicate {
                    None => return Err(Error::MissingBuilderId),
                    Some(p) => p.get("runDetails").ok_or(Error::MissingBuilderId)?,
                };
                (Provenance::SlsaV1, Some(builder_id_at(Some(run))?))
            }
            Some(_) => (Provenance::Other, None),
        };
        let subjects = match root.get("subject") {
            None if provenance == Provenance::Registry => None,
            None => return Err(Error::MissingSubject),
            Some(s) if s.kind() != Kind::Array => return Err(Error::MalformedStatement),
            Some(s) => {
                let mut count = 0usize;
                for el in s.elements() {
                    count += 1;
                    let sub = subject_of(el)?;
                    for (alg, val) in sub.digest.members() {
                        let hex = val.as_str().ok_or(Error::MalformedStatement)?;
                        if alg.eq_str("sha256") {
                            decode_hex(&hex, &mut [0u8; 32])?;
                        } else if alg.eq_str("sha512") {
                            decode_hex(&hex, &mut [0u8; 64])?;
                        }
                    }
                }
                if count == 0 {
                    return Err(Error::MissingSubject);
                }
                Some(s)
            }
        };
        Ok(Statement {
            root,
            version,
            predicate_type,
            provenance,
            builder_id,
            subjects,
        })
    }

    /// The Statement version.
    pub fn version(&self) -> StatementVersion {
        self.version
    }
    /// The `predicateType`, if any.
    pub fn predicate_type(&self) -> Option<JsonStr<'a>> {
        self.predicate_type
    }
    /// The provenance kind.
    pub fn provenance(&self) -> Provenance {
        self.provenance
    }
    /// The builder id (SLSA and registry provenance).
    pub fn builder_id(&self) -> Option<JsonStr<'a>> {
        self.builder_id
    }
    /// The whole Statement object, for fields vouch does not interpret.
    pub fn root(&self) -> Value<'a> {
        self.root
    }
    /// The facts of the build, read where this kind of provenance keeps them (see
    /// [`BuildFacts`]); all `None` for other predicate types.
    pub fn build_facts(&self) -> BuildFacts<'a> {
        let at =
            |v: Option<Value<'a>>, path: &[&str]| path.iter().try_fold(v?, |cur, key| cur.get(key));
        let text = |v: Option<Value<'a>>| v.and_then(|v| v.as_str());
        let array = |v: Option<Value<'a>>| v.filter(|v| v.kind() == Kind::Array);
        let predicate = self.root.get("predicate");
        let mut f = BuildFacts {
            builder_id: self.builder_id,
            ..BuildFacts::default()
        };
        match self.provenance {
            Provenance::SlsaV1 => {
                let run = at(predicate, &["runDetails"]);
                f.finished_on = text(at(run, &["metadata", "finishedOn"]));
                f.build_tool = at(run, &["builder", "version"])
                    .filter(|v| matches!(v.kind(), Kind::Object | Kind::String));
                f.materials = array(at(predicate, &["buildDefinition", "resolvedDependencies"]));
            }
            Provenance::SlsaV0 => {
                f.finished_on = text(at(predicate, &["metadata", "buildFinishedOn"]));
                f.materials = array(at(predicate, &["materials"]));
            }
            Provenance::Registry => {
                let root = Some(self.root);
                f.finished_on = text(at(root, &["metadata", "timestamp"]));
                f.build_tool =
                    at(root, &["metadata", "buildTool"]).filter(|v| v.kind() == Kind::String);
                f.materials = array(at(root, &["materials"]));
                f.commit = text(at(root, &["metadata", "commit"]));
            }
            Provenance::Other => {}
        }
        f
    }
    /// Whether the Statement has subjects (registry provenance may have none).
    pub fn has_subjects(&self) -> bool {
        self.subjects.is_some()
    }
    /// The subjects, in order.
    pub fn subjects(&self) -> impl Iterator<Item = Subject<'a>> + use<'a> {
        self.subjects
            .into_iter()
            .flat_map(|s| s.elements())
            .filter_map(|el| subject_of(el).ok())
    }

    /// Checks the `predicateType`.
    pub fn check_predicate_type(&self, expected: &str) -> Result<(), Error> {
        match self.predicate_type {
            Some(pt) if pt.eq_str(expected) => Ok(()),
            Some(_) => Err(Error::PredicateTypeMismatch),
            None => Err(Error::MissingPredicateType),
        }
    }

    /// Checks the builder id.
    pub fn check_builder_id(&self, expected: &str) -> Result<(), Error> {
        match self.builder_id {
            Some(id) if id.eq_str(expected) => Ok(()),
            Some(_) => Err(Error::BuilderIdMismatch),
            None => Err(Error::MissingBuilderId),
        }
    }

    /// Finds the first subject the artifact matches and returns its index. A subject matches when
    /// at least one algorithm known to both sides (sha256, sha512) gives equal digests
    /// (`docs/profile.md`, rule P-ST-8); no shared algorithm is no match. Every subject is
    /// examined, not only the first.
    pub fn match_artifact(&self, artifact: &ArtifactDigest) -> Result<usize, Error> {
        if artifact.sha256.is_none() && artifact.sha512.is_none() {
            return Err(Error::NoArtifactDigest);
        }
        if !self.has_subjects() {
            return Err(Error::UnboundProvenance);
        }
        for (i, sub) in self.subjects().enumerate() {
            for (alg, val) in sub.digest.members() {
                let Some(hex) = val.as_str() else { continue };
                let equal = if let (true, Some(want)) =
                    (alg.eq_str("sha256"), artifact.sha256.as_ref())
                {
                    let mut got = [0u8; 32];
                    decode_hex(&hex, &mut got).is_ok() && &got == want
                } else if let (true, Some(want)) = (alg.eq_str("sha512"), artifact.sha512.as_ref())
                {
                    let mut got = [0u8; 64];
                    decode_hex(&hex, &mut got).is_ok() && &got == want
                } else {
                    false
                };
                if equal {
                    return Ok(i);
                }
            }
        }
        Err(Error::SubjectMismatch)
    }

    /// Applies the caller's checks in a fixed order: predicateType, builder id, artifact.
    pub fn check(&self, checks: &Checks<'_>) -> Result<Option<usize>, Error> {
        if let Some(pt) = checks.predicate_type {
            self.check_predicate_type(pt)?;
        }
        if let Some(id) = checks.builder_id {
            self.check_builder_id(id)?;
        }
        checks.artifact.map(|a| self.match_artifact(a)).transpose()
    }
}

fn subject_of(el: Value<'_>) -> Result<Subject<'_>, Error> {
    if el.kind() != Kind::Object {
        return Err(Error::MalformedStatement);
    }
    let name = el
        .get("name")
        .and_then(|v| v.as_str())
        .ok_or(Error::MalformedStatement)?;
    let digest = el.get("digest").ok_or(Error::MalformedStatement)?;
    if digest.kind() != Kind::Object {
        return Err(Error::MalformedStatement);
    }
    Ok(Subject { name, digest })
}
