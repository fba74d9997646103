//! The attestation store: verified provenance, one record per (URN, artifact digest), behind the
//! [`Store`] trait that every engine implements ([`SqliteStore`], the embedded default, and
//! [`PgStore`], for several service replicas on one database) and that the CLI, the release gate
//! and the registry service call. [`open_store`] picks the engine from a `--db` value.
//!
//! What a put records is decided here, once, whatever the engine: [`prepare`] verifies the envelope
//! against the policy and the artifact (the pipeline of [`crate::verify`]) and reads the record's
//! facts from the verified Statement.

mod postgres;
mod sqlite;

use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::value::RawValue;

pub use postgres::{PG_APPLICATION, PG_STATEMENT_TIMEOUT, PG_WAIT, PgStore, is_postgres, label_of};
pub use sqlite::{
    APPLICATION_ID, BUSY_TIMEOUT, OLDEST_READABLE, OpenMode, SCHEMA_VERSION, SqliteStore,
};

use crate::error::{CliError, Code};
use crate::keyless::{ParsedRoot, TrustedRootFile};
use crate::log::Log;
use crate::policy::{Mode, Policy};
use crate::util::{format_time, hash_file, hex, json_text, read_envelope};
use crate::verify;

/// Where a store is: what a `--db` value names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// An SQLite database file.
    Sqlite(PathBuf),
    /// A PostgreSQL database: a `postgres://` / `postgresql://` URL or a libpq key=value string
    /// with `host=` or `dbname=` ([`is_postgres`]).
    Postgres(String),
}

impl Location {
    /// What `db` names: a PostgreSQL connection string, else an SQLite path.
    pub fn of(db: &Path) -> Location {
        match db.to_str() {
            Some(s) if is_postgres(s) => Location::Postgres(s.to_string()),
            _ => Location::Sqlite(db.to_path_buf()),
        }
    }

    /// The store for messages: the SQLite path, or the PostgreSQL database and host (never a
    /// password).
    pub fn label(&self) -> String {
        match self {
            Location::Sqlite(p) => p.display().to_string(),
            Location::Postgres(s) => label_of(s),
        }
    }

    /// Opens the store (see [`SqliteStore::open`] and [`PgStore::open`]); a PostgreSQL store gets
    /// a pool of `pool_size` connections.
    pub fn open(
        &self,
        mode: OpenMode,
        pool_size: usize,
    ) -> Result<Box<dyn Store + Send>, CliError> {
        Ok(match self {
            Location::Sqlite(p) => Box::new(SqliteStore::open(p, mode)?),
            Location::Postgres(s) => Box::new(PgStore::open(s, mode, pool_size)?),
        })
    }
}

/// Opens the store a `--db` value names — an SQLite file, or a PostgreSQL database for a
/// `postgres://` / `postgresql://` URL or a libpq key=value string with `host=` or `dbname=` — for
/// one command (a PostgreSQL pool of one connection). Every command that takes `--db` opens its
/// store here.
pub fn open_store(db: &Path, mode: OpenMode) -> Result<Box<dyn Store + Send>, CliError> {
    Location::of(db).open(mode, 1)
}

/// Everything a store holds, in order (`vouch store migrate`).
#[derive(Debug, Default)]
pub struct Export {
    /// Every record, by sequence number.
    pub records: Vec<Record>,
    /// Every API key, oldest first.
    pub api_keys: Vec<ApiKey>,
    /// Every audit row (its time, then the entry), oldest first.
    pub audit: Vec<(String, AuditEntry)>,
}

/// What `vouch store migrate` copied (counted in the target after the copy).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Migrated {
    /// Records.
    pub records: i64,
    /// API keys.
    pub api_keys: i64,
    /// Audit rows.
    pub audit_rows: i64,
}

/// `vouch store migrate`: copies the SQLite store `from` into the empty PostgreSQL store `to` in
/// one transaction — records in sequence order (keeping their sequence numbers, so history order
/// and cursors are unchanged), API keys, audit rows — then checks that the target holds as many
/// of each as the source. Errors: `usage` when `from` is not an SQLite path or `to` not a
/// PostgreSQL connection string; `target-not-empty` when the target holds any record, key or
/// audit row (nothing copied); the open errors of either store; `store-error` when the counts
/// differ after the copy.
pub fn migrate(from: &Path, to: &Path) -> Result<Migrated, CliError> {
    let Location::Sqlite(src) = Location::of(from) else {
        return Err(CliError::new(
            Code::Usage,
            "--from must be an SQLite store (a file path)",
        ));
    };
    let Location::Postgres(dst) = Location::of(to) else {
        return Err(CliError::new(
            Code::Usage,
            "--to must be a PostgreSQL connection string (postgres://... or key=value with host= or dbname=)",
        ));
    };
    let source = SqliteStore::open(&src, OpenMode::Read)?;
    let data = source.export()?;
    drop(source);
    let target = PgStore::open(&dst, OpenMode::Write, 1)?;
    target.import(&data)?;
    let [records, api_keys, audit_rows] = target.counts()?;
    let want = [data.records.len(), data.api_keys.len(), data.audit.len()]
        .map(|n| i64::try_from(n).unwrap_or(i64::MAX));
    if [records, api_keys, audit_rows] != want {
        return Err(CliError::new(
            Code::StoreError,
            format!(
                "{}: after the copy the target holds {records} record(s), {api_keys} key(s), {audit_rows} audit row(s); the source {} / {} / {}",
                target.label(),
                want[0],
                want[1],
                want[2]
            ),
        ));
    }
    Ok(Migrated {
        records,
        api_keys,
        audit_rows,
    })
}

/// `inputs` / `outputs` lists longer than this (JSON text) are not copied into the record's
/// columns: the stored envelope holds them (the column is NULL), so that a Statement with a
/// million subjects costs a put no more than its envelope and payload.
pub const MAX_FACTS_TEXT: usize = 1 << 20;

/// An attestation store: what every engine implements. Records go in and come out whole; the
/// engine decides how they are kept (and must keep the envelope's bytes exactly).
pub trait Store {
    /// Writes records, each replacing any record with the same (urn, digest), in one transaction
    /// (all or none). Returns, per record, whether it replaced one.
    fn insert(&mut self, records: &[Record]) -> Result<Vec<bool>, CliError>;
    /// The latest record for a URN.
    fn latest(&self, urn: &str) -> Result<Option<Record>, CliError>;
    /// The latest record for a URN without its envelope (`envelope` empty): what a summary
    /// needs (the registry service's `GET /v1/registry/{urn}`). The default reads the whole
    /// record; an engine should override it to skip the envelope's bytes.
    fn latest_summary(&self, urn: &str) -> Result<Option<Record>, CliError> {
        self.latest(urn)
    }
    /// Every record for a URN, newest first.
    fn history(&self, urn: &str) -> Result<Vec<Record>, CliError>;
    /// The record for a URN at an artifact digest (SHA-256, lowercase hex).
    fn find(&self, urn: &str, digest: &str) -> Result<Option<Record>, CliError>;

    /// The registry service's writes, in one transaction (group commit): for each item, stores
    /// its record unless a record with its (urn, digest) exists, and writes its audit row (its
    /// `status` and `outcome` set from what happened). An existing record with the same envelope
    /// bytes and `sig` is an identical replay (nothing written but the audit row); any other is a
    /// conflict (nothing written but the audit row) unless the item asks to `replace` it (the new
    /// record is the newest, with a new sequence number). An item that fails leaves nothing
    /// behind and is its own `Err`; the others commit. `Err` for the whole call: nothing was
    /// committed.
    fn put_batch(
        &mut self,
        items: &[PutItem<'_>],
    ) -> Result<Vec<Result<PutOutcome, CliError>>, CliError>;
    /// [`Store::put_batch`] of one item.
    fn put_once(
        &mut self,
        record: &Record,
        audit: &AuditEntry,
        replace: bool,
    ) -> Result<PutOutcome, CliError> {
        let item = PutItem {
            record,
            audit,
            replace,
        };
        self.put_batch(std::slice::from_ref(&item))?
            .pop()
            .unwrap_or_else(|| Err(CliError::new(Code::Internal, "a put had no result")))
    }
    /// One page of a URN's history, newest first: at most `limit` records with a sequence number
    /// below `before` (all, when `None`).
    fn history_page(
        &self,
        urn: &str,
        before: Option<i64>,
        limit: usize,
    ) -> Result<Vec<Record>, CliError>;
    /// Records (any URN) whose artifact has this SHA-256 (lowercase hex), newest first, at most
    /// `limit`.
    fn by_digest(&self, digest: &str, limit: usize) -> Result<Vec<Record>, CliError>;
    /// Records (any URN) whose builder id is `issuer`, newest first, at most `limit`.
    fn by_issuer(&self, issuer: &str, limit: usize) -> Result<Vec<Record>, CliError>;
    /// Writes one audit row on its own (a refused request: bad key, refused provenance).
    fn audit(&mut self, entry: &AuditEntry) -> Result<(), CliError>;
    /// Writes audit rows in one transaction (the registry service batches refusals, so that a
    /// stream of them costs one durable commit per batch, not one each). The default writes
    /// them one by one; an engine that can should override it with one transaction.
    fn audit_batch(&mut self, entries: &[AuditEntry]) -> Result<(), CliError> {
        for e in entries {
            self.audit(e)?;
        }
        Ok(())
    }
    /// Adds an API key (its id must be new).
    fn add_api_key(&mut self, key: &ApiKey) -> Result<(), CliError>;
    /// Every API key, oldest first.
    fn api_keys(&self) -> Result<Vec<ApiKey>, CliError>;
    /// The API key with this id.
    fn api_key(&self, key_id: &str) -> Result<Option<ApiKey>, CliError>;
    /// Revokes an API key at time `at` (RFC 3339); `false` when there is no such key.
    fn revoke_api_key(&mut self, key_id: &str, at: &str) -> Result<bool, CliError>;
    /// The schema version the store is at (a cheap query: whether the store answers).
    fn schema_version(&self) -> Result<i32, CliError>;
    /// Whether a commit on this connection is on disk before it returns, so that it survives a
    /// power loss too (SQLite: `synchronous = FULL` in WAL mode; PostgreSQL:
    /// `synchronous_commit` not `off` and the server's `fsync` on). The registry service needs it
    /// before it acknowledges writes.
    fn durable_commits(&self) -> Result<bool, CliError>;
    /// Whether several connections of this store may write at once, the database keeping each
    /// URN's writes in order (PostgreSQL: row locks and a per-URN advisory lock). The registry
    /// service then commits each put on a connection of its own, and the database groups the
    /// commits' flushes; otherwise (SQLite: one writer at a time) the service queues puts behind
    /// one writer and commits them in groups itself.
    fn concurrent_writers(&self) -> bool {
        false
    }
}

/// One write of [`Store::put_batch`].
#[derive(Clone, Copy, Debug)]
pub struct PutItem<'a> {
    /// The record.
    pub record: &'a Record,
    /// Its audit row (status and outcome are filled in).
    pub audit: &'a AuditEntry,
    /// Replace a different stored record for the same (urn, digest).
    pub replace: bool,
}

/// What one put of [`Store::put_batch`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PutOutcome {
    /// Stored as a new record with this sequence number.
    Created(i64),
    /// The identical record was already stored, with this sequence number; nothing changed.
    Replayed(i64),
    /// A different record is stored for this (urn, digest), with this sequence number.
    Conflict(i64),
    /// A different record was replaced (asked for); the new one has this sequence number.
    Replaced(i64),
}

/// One row of the audit log: who did what to which record, and how it ended.
#[derive(Clone, Debug, Default)]
pub struct AuditEntry {
    /// The request id (also in the response).
    pub request_id: String,
    /// The API key id, when the request named a well-formed one.
    pub key_id: Option<String>,
    /// `put` or `auth`.
    pub action: String,
    /// The URN, when there is one.
    pub urn: Option<String>,
    /// The artifact digest (lowercase hex), when there is one.
    pub digest: Option<String>,
    /// The HTTP status answered.
    pub status: u16,
    /// `created`, `replayed`, `conflict`, or the code of the refusal.
    pub outcome: String,
}

/// An API key as stored: never the secret, only its SHA-256.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiKey {
    /// The public 12-character key id.
    pub key_id: String,
    /// A name for people.
    pub name: String,
    /// SHA-256 of the secret part of the key.
    pub secret_sha256: [u8; 32],
    /// Scopes (`provenance:write`, `provenance:read`, `admin`, ...).
    pub scopes: Vec<String>,
    /// URN prefixes the key may touch (empty: any URN).
    pub urn_prefixes: Vec<String>,
    /// When it was made (RFC 3339).
    pub created_at: String,
    /// When it stops working (RFC 3339), if ever.
    pub expires_at: Option<String>,
    /// When it was revoked (RFC 3339), if it was.
    pub revoked_at: Option<String>,
}

/// One stored record.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Record {
    /// The manifest's URN.
    pub urn: String,
    /// The DSSE envelope, byte for byte as given (empty when stored without provenance in
    /// permissive mode).
    #[serde(skip)]
    pub envelope: Vec<u8>,
    /// The envelope's payloadType (empty without provenance).
    pub payload_type: String,
    /// SHA-256 (lowercase hex) of the artifact the record covers.
    pub digest: String,
    /// The builder id (empty when the statement has none).
    pub issuer: String,
    /// When the build finished, from the statement (else when the record was made).
    pub committed_at: String,
    /// The build tool, when the statement names one.
    pub build_tool: Option<String>,
    /// The statement's materials / resolved dependencies (a JSON array, as the statement wrote
    /// it); `None` without a statement or when longer than [`MAX_FACTS_TEXT`] (then only the
    /// envelope holds it).
    pub inputs: Option<Box<RawValue>>,
    /// The statement's subjects (a JSON array), as for `inputs`.
    pub outputs: Option<Box<RawValue>>,
    /// When the record was written.
    pub recorded_at: String,
    /// Whether the envelope verified against the policy and the artifact when it was put.
    pub verified: bool,
    /// The problems a permissive put let through.
    pub warnings: Vec<Problem>,
    /// The store's sequence number (history order; 0 before the record is stored, and the rowid
    /// in stores older than schema 3).
    #[serde(skip)]
    pub seq: i64,
    /// The registry request's `sig`, as the JSON text sent (the service only).
    #[serde(skip)]
    pub sig: Option<String>,
    /// SHA-256 (lowercase hex) of the policy file the record was verified against (the service
    /// only).
    #[serde(skip)]
    pub policy_digest: Option<String>,
}

/// A provenance problem: refuses a put under `enforce`, a warning under `permissive`.
#[derive(Clone, Debug, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct Problem {
    /// `missing_provenance` or `invalid_provenance` ([`Code::MissingProvenance`],
    /// [`Code::InvalidProvenance`]).
    pub code: String,
    /// The core reason code for invalid provenance (e.g. `invalid-signature`).
    pub reason: Option<String>,
    /// Human explanation.
    pub message: String,
}

impl Problem {
    fn missing() -> Self {
        Problem {
            code: Code::MissingProvenance.as_str().into(),
            reason: None,
            message: "no envelope given (--envelope)".into(),
        }
    }
    fn invalid(e: &verify::ErrorInfo) -> Self {
        Problem {
            code: Code::InvalidProvenance.as_str().into(),
            reason: Some(e.code.to_string()),
            message: e.message.clone(),
        }
    }
    /// `code (reason): message`.
    pub fn line(&self) -> String {
        match &self.reason {
            Some(r) => format!("{}: {r}: {}", self.code, self.message),
            None => format!("{}: {}", self.code, self.message),
        }
    }
}

/// What the statement says about the build, for the record's columns.
#[derive(Debug, Default)]
struct Facts {
    issuer: Option<String>,
    committed_at: Option<String>,
    build_tool: Option<String>,
    inputs: Option<Box<RawValue>>,
    outputs: Option<Box<RawValue>>,
}

/// The JSON text of an array as the statement wrote it (`[]` when there is none), or `None` when
/// it is longer than [`MAX_FACTS_TEXT`] (the envelope holds it).
fn array_text(v: Option<vouch_core::json::Value<'_>>) -> Option<Box<RawValue>> {
    let raw = v.map_or(&b"[]"[..], |a| a.raw());
    if raw.len() > MAX_FACTS_TEXT {
        return None;
    }
    let text = std::str::from_utf8(raw).ok()?;
    RawValue::from_string(text.to_owned()).ok()
}

/// The record's facts from a statement, read where its kind of provenance keeps them
/// ([`vouch_core::statement::BuildFacts`], the one place that knows): builder, finish time, build
/// tool, materials, and the subjects. A payload that is not an in-toto Statement vouch-core
/// accepts has no facts. Nothing is copied but the small facts and the lists (up to
/// [`MAX_FACTS_TEXT`] each).
fn facts(payload: &[u8]) -> Facts {
    let Ok(st) = vouch_core::Statement::parse(payload) else {
        return Facts::default();
    };
    let f = st.build_facts();
    let kind = st.provenance();
    let has_facts = matches!(
        kind,
        vouch_core::statement::Provenance::SlsaV0
            | vouch_core::statement::Provenance::SlsaV1
            | vouch_core::statement::Provenance::Registry
    );
    Facts {
        issuer: f.builder_id.map(|s| json_text(&s)),
        committed_at: f.finished_on.map(|s| json_text(&s)),
        build_tool: f.build_tool.and_then(|v| match v.as_str() {
            Some(s) => Some(json_text(&s)),
            None => {
                // SLSA v1 `builder.version`: an object of component versions.
                let parts: Vec<String> = v
                    .members()
                    .map(|(k, val)| match val.as_str() {
                        Some(s) => format!("{} {}", json_text(&k), json_text(&s)),
                        None => format!("{} {}", json_text(&k), String::from_utf8_lossy(val.raw())),
                    })
                    .collect();
                (!parts.is_empty()).then(|| parts.join(", "))
            }
        }),
        inputs: if has_facts {
            array_text(f.materials)
        } else {
            None
        },
        outputs: array_text(
            st.root()
                .get("subject")
                .filter(|v| v.kind() == vouch_core::json::Kind::Array),
        ),
    }
}

/// Decodes an envelope's payload without verifying it (for what a permissive put records about
/// an envelope that failed verification).
fn unverified_payload(envelope: &[u8]) -> Option<Vec<u8>> {
    let env = vouch_core::Envelope::parse(envelope).ok()?;
    let mut out = vec![0u8; env.payload_len().ok()?];
    let n = vouch_core::base64::decode_json_str(&env.payload, &mut out).ok()?;
    out.truncate(n);
    Some(out)
}

/// Now, to the second, in RFC 3339 (UTC).
pub fn now() -> String {
    let t = time::OffsetDateTime::now_utc();
    format_time(t.replace_nanosecond(0).unwrap_or(t))
}

/// Why a put did not store anything.
#[derive(Debug)]
pub enum PutError {
    /// Refused by an enforcing policy (exit 1).
    Refused {
        /// The problem.
        problem: Problem,
        /// The artifact digest, when it was computed.
        digest: Option<String>,
    },
    /// A usage or environment error (exit 2).
    Fatal(CliError),
}

impl From<CliError> for PutError {
    fn from(e: CliError) -> Self {
        PutError::Fatal(e)
    }
}

/// Verifies an envelope (if any) against the policy and the artifact, and builds the record a
/// put writes. Under `enforce` a missing or invalid envelope is [`PutError::Refused`]; under
/// `permissive` it becomes a warning of the record. A Sigstore bundle is verified against
/// `root` ([`BundleRoot::Policy`] for one put, [`BundleRoot::Batch`] for many).
pub fn prepare(
    policy: &Policy,
    urn: &str,
    artifact: &Path,
    envelope: Option<&Path>,
    max_envelope: u64,
    root: BundleRoot<'_>,
    log: &Log,
) -> Result<Record, PutError> {
    if urn.trim().is_empty() {
        return Err(CliError::new(Code::Usage, "--urn must not be empty").into());
    }
    let digest = hash_file(artifact)?;
    let sha256 = hex(&digest.sha256.unwrap_or_default());
    log.debug(format_args!(
        "artifact {}: sha256 {sha256}",
        artifact.display()
    ));
    let envelope = match envelope {
        Some(p) => Some((read_envelope(p, max_envelope)?, p.display().to_string())),
        None => None,
    };
    build(
        policy,
        urn,
        verify::Artifact {
            name: artifact.display().to_string(),
            digest,
        },
        envelope,
        "no envelope given (--envelope)",
        root,
        log,
    )
}

/// The trusted root a put verifies a Sigstore bundle against.
#[derive(Clone, Copy, Debug)]
pub enum BundleRoot<'a> {
    /// The policy's `trustedRoot`, loaded when a bundle comes (`vouch store put`): a policy without
    /// one cannot judge a bundle, an operator's error (`policy-invalid`, exit 2).
    Policy,
    /// Loaded once with the policy (the registry service). `None`: the policy names none, and a
    /// bundle is a provenance problem, `keyless-policy-mismatch` (refused under `enforce`, a
    /// warning under `permissive`): the client sending it cannot change the policy.
    Loaded(Option<&'a [ParsedRoot<'a>]>),
    /// The policy's `trustedRoot`, loaded, parsed and its chains checked at the first bundle
    /// (errors as [`BundleRoot::Policy`]) and kept in these cells for the rest of a batch
    /// (`vouch store bulk`): the caller owns both cells for the batch's duration.
    Batch {
        /// The trusted root file, once loaded.
        file: &'a std::cell::OnceCell<TrustedRootFile>,
        /// Its roots, once parsed ([`TrustedRootFile::parse_all_for_batch`]).
        parsed: &'a std::cell::OnceCell<Vec<ParsedRoot<'a>>>,
    },
}

/// The roots of a [`BundleRoot::Batch`]: loaded and parsed at the first call, kept after.
pub(crate) fn batch_roots<'a>(
    policy: &Policy,
    file: &'a std::cell::OnceCell<TrustedRootFile>,
    parsed: &'a std::cell::OnceCell<Vec<ParsedRoot<'a>>>,
) -> Result<&'a [ParsedRoot<'a>], CliError> {
    if let Some(r) = parsed.get() {
        return Ok(r);
    }
    if file.get().is_none() {
        let _ = file.set(crate::keyless::policy_trusted_root(policy)?);
    }
    let f = file
        .get()
        .ok_or_else(|| CliError::new(Code::Internal, "the trusted root was not kept"))?;
    let _ = parsed.set(f.parse_all_for_batch()?);
    parsed
        .get()
        .map(Vec::as_slice)
        .ok_or_else(|| CliError::new(Code::Internal, "the parsed trusted root was not kept"))
}

/// [`prepare`] for an artifact known by its SHA-256 (the registry service: the card's digest) and
/// an envelope already in memory: the same verification, verified once, and the same record.
/// `missing` is the message of a `missing_provenance` problem; a Sigstore bundle is verified
/// against `root` ([`BundleRoot::Loaded`]).
pub fn prepare_digest(
    policy: &Policy,
    urn: &str,
    sha256: [u8; 32],
    envelope: Option<Vec<u8>>,
    missing: &str,
    root: Option<&[ParsedRoot<'_>]>,
    log: &Log,
) -> Result<Record, PutError> {
    if urn.trim().is_empty() {
        return Err(CliError::new(Code::Usage, "the URN must not be empty").into());
    }
    let artifact = verify::Artifact {
        name: format!("sha256:{}", hex(&sha256)),
        digest: vouch_core::ArtifactDigest {
            sha256: Some(sha256),
            sha512: None,
        },
    };
    build(
        policy,
        urn,
        artifact,
        envelope.map(|e| (e, "(request)".to_string())),
        missing,
        BundleRoot::Loaded(root),
        log,
    )
}

/// The one put pipeline: verify `envelope` (bytes, and a name for logs) against the policy and
/// the artifact (a Sigstore bundle against `root`), and build the record.
fn build(
    policy: &Policy,
    urn: &str,
    artifact: verify::Artifact,
    envelope: Option<(Vec<u8>, String)>,
    missing: &str,
    root: BundleRoot<'_>,
    log: &Log,
) -> Result<Record, PutError> {
    let sha256 = hex(&artifact.digest.sha256.unwrap_or_default());
    let refuse = |problem: Problem| -> Result<(), PutError> {
        if policy.mode == Mode::Enforce {
            Err(PutError::Refused {
                problem,
                digest: Some(sha256.clone()),
            })
        } else {
            Ok(())
        }
    };
    let mut warnings = Vec::new();
    let Some((bytes, env_name)) = envelope else {
        log.debug(format_args!(
            "no envelope; policy mode {}",
            policy.mode.as_str()
        ));
        let mut p = Problem::missing();
        p.message = missing.to_string();
        refuse(p.clone())?;
        warnings.push(p);
        let t = now();
        return Ok(Record {
            urn: urn.into(),
            envelope: Vec::new(),
            payload_type: String::new(),
            digest: sha256,
            issuer: String::new(),
            committed_at: t.clone(),
            build_tool: None,
            inputs: None,
            outputs: None,
            recorded_at: t,
            verified: false,
            warnings,
            seq: 0,
            sig: None,
            policy_digest: None,
        });
    };
    // A Sigstore bundle (told by its `mediaType`) is verified against the policy's keyless
    // issuers and stored as given in the envelope bytes; anything else is a DSSE envelope.
    let (verified, error, keys, payload, payload_type) = if crate::keyless::is_bundle(&bytes) {
        let r = match root {
            BundleRoot::Policy => {
                let file = crate::keyless::policy_trusted_root(policy)?;
                crate::keyless::verify_with_root(
                    &bytes,
                    &env_name,
                    policy,
                    &file,
                    artifact,
                    time::OffsetDateTime::now_utc(),
                )?
            }
            BundleRoot::Loaded(Some(roots)) => crate::keyless::verify_with_parsed(
                &bytes,
                &env_name,
                policy,
                roots,
                artifact,
                time::OffsetDateTime::now_utc(),
            ),
            BundleRoot::Batch { file, parsed } => crate::keyless::verify_with_parsed(
                &bytes,
                &env_name,
                policy,
                batch_roots(policy, file, parsed)?,
                artifact,
                time::OffsetDateTime::now_utc(),
            ),
            BundleRoot::Loaded(None) => crate::keyless::BundleReport::from_error(
                &env_name,
                &crate::keyless::no_trusted_root(),
            ),
        };
        let (payload_type, payload) = crate::keyless::bundle_payload(&bytes)
            .map_or((None, None), |(t, p)| (Some(t), Some(p)));
        (r.verified, r.error, r.keys, payload, payload_type)
    } else {
        let req = verify::Request {
            policy: Some(policy),
            artifacts: vec![artifact],
            ..verify::Request::default()
        };
        let mut report = verify::verify(&bytes, &req)?;
        let payload = report.payload.take().or_else(|| unverified_payload(&bytes));
        (
            report.verified,
            report.error,
            report.keys,
            payload,
            report.payload_type,
        )
    };
    if let Some(e) = &error {
        log.debug(format_args!(
            "envelope {env_name}: NOT verified: {}: {}",
            e.code, e.message
        ));
        let p = Problem::invalid(e);
        refuse(p.clone())?;
        warnings.push(p);
    } else {
        log.debug(format_args!(
            "envelope {env_name}: verified by {}",
            keys.join(", ")
        ));
    }
    let f = payload.as_deref().map(facts).unwrap_or_default();
    drop(payload);
    let t = now();
    Ok(Record {
        urn: urn.into(),
        envelope: bytes,
        payload_type: payload_type.unwrap_or_default(),
        digest: sha256,
        issuer: f.issuer.unwrap_or_default(),
        committed_at: f.committed_at.unwrap_or_else(|| t.clone()),
        build_tool: f.build_tool,
        inputs: f.inputs,
        outputs: f.outputs,
        recorded_at: t,
        verified: verified && error.is_none(),
        warnings,
        seq: 0,
        sig: None,
        policy_digest: None,
    })
}
