//! The attestation store: a SQLite database of verified provenance, one record per
//! (URN, artifact digest).
//!
//! The database is created on first use. It is marked with an SQLite `application_id`
//! ([`APPLICATION_ID`]) and a schema version in `user_version` ([`SCHEMA_VERSION`]); a file that is
//! not a vouch database, or has a newer schema, is refused and never modified. It runs in WAL mode
//! with a busy timeout so that several processes can write at once; every put is one
//! `BEGIN IMMEDIATE` transaction, so a failed or killed put leaves nothing behind.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use base64ct::Encoding as _;
use clap::{Args, Subcommand};
use rusqlite::{Connection, ErrorCode, OpenFlags, TransactionBehavior, params};
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{Value as Json, json};

use crate::error::{CliError, EXIT_NOT_VERIFIED, EXIT_OK};
use crate::log::Log;
use crate::policy::{Mode, Policy};
use crate::util::{format_time, hash_file, hex, json_text, parse_size, read_envelope};
use crate::verify;

/// `PRAGMA application_id` of a vouch store ("VOUC").
pub const APPLICATION_ID: i32 = 0x564f_5543;
/// The schema version this build writes (`PRAGMA user_version`).
pub const SCHEMA_VERSION: i32 = 2;
/// The oldest schema version this build reads without migrating it (readers never write).
pub const OLDEST_READABLE: i32 = 1;
/// `inputs` / `outputs` lists longer than this (JSON text) are not copied into the record's
/// columns: the stored envelope holds them (the column is NULL), so that a Statement with a
/// million subjects costs a put no more than its envelope and payload.
pub const MAX_FACTS_TEXT: usize = 1 << 20;
/// How long a write waits for another process's transaction before giving up.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Schema migrations: entry `i` takes the database from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    // 0 -> 1: the provenance table. The first nine columns and the key are the registry's schema;
    // recorded_at, verified and warnings are vouch's bookkeeping. History order is insertion order
    // (rowid): a put of an existing (urn, digest) replaces the row and so becomes the newest.
    "CREATE TABLE provenance (
        urn TEXT NOT NULL,
        envelope TEXT NOT NULL,
        payload_type TEXT NOT NULL,
        digest TEXT NOT NULL,
        issuer TEXT NOT NULL,
        committed_at TEXT NOT NULL,
        build_tool TEXT,
        inputs TEXT,
        outputs TEXT,
        recorded_at TEXT NOT NULL,
        verified INTEGER NOT NULL CHECK (verified IN (0, 1)),
        warnings TEXT,
        PRIMARY KEY (urn, digest)
    );
    CREATE INDEX provenance_digest ON provenance (digest);
    CREATE INDEX provenance_issuer ON provenance (issuer);",
    // 1 -> 2: the envelope is stored as the bytes given (a BLOB, no longer text that a lossy
    // conversion could alter) and is the last column, so that a put streams it into the database
    // (an SQLite zeroblob filled in place) instead of building the whole record in memory.
    // Rows keep their rowid: history order is unchanged.
    "CREATE TABLE provenance_v2 (
        urn TEXT NOT NULL,
        payload_type TEXT NOT NULL,
        digest TEXT NOT NULL,
        issuer TEXT NOT NULL,
        committed_at TEXT NOT NULL,
        build_tool TEXT,
        inputs TEXT,
        outputs TEXT,
        recorded_at TEXT NOT NULL,
        verified INTEGER NOT NULL CHECK (verified IN (0, 1)),
        warnings TEXT,
        envelope BLOB NOT NULL,
        PRIMARY KEY (urn, digest)
    );
    INSERT INTO provenance_v2 (rowid, urn, payload_type, digest, issuer, committed_at, build_tool,
        inputs, outputs, recorded_at, verified, warnings, envelope)
        SELECT rowid, urn, payload_type, digest, issuer, committed_at, build_tool, inputs, outputs,
        recorded_at, verified, warnings, CAST(envelope AS BLOB) FROM provenance ORDER BY rowid;
    DROP TABLE provenance;
    ALTER TABLE provenance_v2 RENAME TO provenance;
    CREATE INDEX provenance_digest ON provenance (digest);
    CREATE INDEX provenance_issuer ON provenance (issuer);",
];

/// How to open a store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpenMode {
    /// Create the database if needed, migrate an older schema, switch to WAL (store commands).
    Write,
    /// The database must exist and be current; nothing is written (the release gate, `get`).
    Read,
}

/// An open attestation store.
pub struct Store {
    conn: Connection,
    path: PathBuf,
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
}

/// A provenance problem: refuses a put under `enforce`, a warning under `permissive`.
#[derive(Clone, Debug, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct Problem {
    /// `missing_provenance` or `invalid_provenance`.
    pub code: String,
    /// The core reason code for invalid provenance (e.g. `invalid-signature`).
    pub reason: Option<String>,
    /// Human explanation.
    pub message: String,
}

impl Problem {
    fn missing() -> Self {
        Problem {
            code: "missing_provenance".into(),
            reason: None,
            message: "no envelope given (--envelope)".into(),
        }
    }
    fn invalid(e: &verify::ErrorInfo) -> Self {
        Problem {
            code: "invalid_provenance".into(),
            reason: Some(e.code.clone()),
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

fn db_err(path: &Path, e: impl std::fmt::Display) -> CliError {
    CliError::usage("store-error", format!("{}: {e}", path.display()))
}

fn not_vouch(path: &Path, why: &str) -> CliError {
    CliError::usage(
        "not-a-vouch-db",
        format!(
            "{}: not a vouch database ({why}); refusing to touch it",
            path.display()
        ),
    )
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
    )
}

/// `PRAGMA journal_size_limit` of writers: 64 MiB.
const WAL_SIZE_LIMIT: i64 = 64 << 20;

/// Whether a reader may open the store read-only without leaving anything behind.
///
/// A WAL-mode SQLite database is read through its `-wal` and `-shm` files. Writers of this vouch
/// keep them (persistent WAL), so a reader normally finds both and writes nothing. When they are
/// missing (a store last written by an older vouch, or files removed by hand), SQLite would
/// create them, owned by the reader, where the store's owner may then be unable to open them for
/// writing. So a reader creates them only when it is the owner of the store file (or root, whose
/// files SQLite hands to the owner); anyone else is refused (`store-error`) with what to do.
fn reader_may_open(path: &Path) -> Result<(), CliError> {
    let mut header = [0u8; 20];
    let wal_mode = std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut header))
        .is_ok()
        && header.get(18..20) == Some(&[2, 2]);
    if !wal_mode {
        return Ok(());
    }
    let side = |ext: &str| {
        let mut s = path.as_os_str().to_owned();
        s.push(ext);
        PathBuf::from(s)
    };
    if side("-wal").exists() && side("-shm").exists() {
        return Ok(());
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let owner = std::fs::metadata(path)
            .map_err(|e| CliError::io(path, &e))?
            .uid();
        let me = rustix::process::geteuid().as_raw();
        if me == owner || me == 0 {
            return Ok(());
        }
        Err(db_err(
            path,
            format!(
                "the store's -wal/-shm files are missing and a reader (uid {me}) may not create them in a store owned by uid {owner}; its owner can restore them by opening it for writing once (any `vouch store put`)"
            ),
        ))
    }
    #[cfg(not(unix))]
    Ok(())
}

/// What an SQLite file holds, from its header fields and schema.
#[derive(Debug, PartialEq, Eq)]
enum Kind {
    /// No schema and no marks: a fresh (or zero-length) file vouch may initialise.
    Empty,
    /// A vouch store at this schema version.
    Vouch(i32),
    /// Something else.
    Foreign(String),
}

fn classify(conn: &Connection) -> rusqlite::Result<Kind> {
    let app: i32 = conn.query_row("PRAGMA application_id", [], |r| r.get(0))?;
    let version: i32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let objects: i64 = conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))?;
    Ok(match (app, version, objects) {
        (0, 0, 0) => Kind::Empty,
        (APPLICATION_ID, v, _) => Kind::Vouch(v),
        (0, _, _) => Kind::Foreign(format!("{objects} schema object(s) and no vouch mark")),
        (other, _, _) => Kind::Foreign(format!("application_id {other:#x}")),
    })
}

impl Store {
    /// Opens (and in [`OpenMode::Write`], creates or migrates) the store at `path`.
    ///
    /// Errors (exit 2): `not-a-vouch-db` for any other file, `newer-schema` for a store written
    /// by a newer vouch, `store-not-found` when reading a store that does not exist,
    /// `store-error` for SQLite failures.
    pub fn open(path: &Path, mode: OpenMode) -> Result<Store, CliError> {
        match std::fs::metadata(path) {
            Ok(m) if m.is_dir() => return Err(not_vouch(path, "a directory")),
            Ok(m) if m.len() > 0 => {
                use std::io::Read;
                let mut head = [0u8; 16];
                let mut f = std::fs::File::open(path).map_err(|e| CliError::io(path, &e))?;
                let n = f.read(&mut head).map_err(|e| CliError::io(path, &e))?;
                if n < 16 || &head != b"SQLite format 3\0" {
                    return Err(not_vouch(path, "not an SQLite file"));
                }
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if mode == OpenMode::Read {
                    return Err(CliError::usage(
                        "store-not-found",
                        format!("{}: no such store", path.display()),
                    ));
                }
            }
            Err(e) => return Err(CliError::io(path, &e)),
        }
        let flags = match mode {
            OpenMode::Write => OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
            // Readers open read-only: they need no write access to the store or its directory,
            // and never create files (`-wal`/`-shm`) that could then stand in a writer's way.
            OpenMode::Read => OpenFlags::SQLITE_OPEN_READ_ONLY,
        } | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        if mode == OpenMode::Read {
            reader_may_open(path)?;
        }
        let conn = Connection::open_with_flags(path, flags).map_err(|e| db_err(path, e))?;
        conn.busy_timeout(BUSY_TIMEOUT)
            .map_err(|e| db_err(path, e))?;
        if mode == OpenMode::Write {
            // Persistent WAL: the -wal and -shm files stay when the last writer closes (the WAL
            // checkpointed and truncated to zero bytes, see `set_wal`), so that readers find them
            // and read without creating or writing anything.
            let mut persist = 1;
            conn.file_control(
                Some(rusqlite::MAIN_DB),
                rusqlite::FileControl::PersistWal(&mut persist),
            )
            .map_err(|e| db_err(path, e))?;
        }
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
        };
        let kind = store.classify_retrying()?;
        match (kind, mode) {
            (Kind::Foreign(why), _) => Err(not_vouch(path, &why)),
            (Kind::Vouch(v), _) if v > SCHEMA_VERSION => Err(CliError::usage(
                "newer-schema",
                format!(
                    "{}: store schema version {v} is newer than this vouch understands ({SCHEMA_VERSION}); refusing to touch it",
                    path.display()
                ),
            )),
            (Kind::Vouch(v), OpenMode::Read) if v < OLDEST_READABLE => Err(not_vouch(
                path,
                &format!("unknown vouch schema version {v}"),
            )),
            (Kind::Vouch(_), OpenMode::Read) => Ok(store),
            (Kind::Empty, OpenMode::Read) => Err(not_vouch(path, "an empty database")),
            (kind, OpenMode::Write) => {
                store.set_wal()?;
                if kind != Kind::Vouch(SCHEMA_VERSION) {
                    store.migrate()?;
                }
                Ok(store)
            }
        }
    }

    fn classify_retrying(&self) -> Result<Kind, CliError> {
        let deadline = Instant::now() + BUSY_TIMEOUT;
        loop {
            // One read transaction, so the three reads see one snapshot: without it a store being
            // created by another process could be seen half-way (application_id read before its
            // commit, the schema after it) and be refused as foreign.
            let snapshot = self.conn.unchecked_transaction().and_then(|tx| {
                let k = classify(&tx)?;
                tx.commit()?;
                Ok(k)
            });
            match snapshot {
                Ok(k) => return Ok(k),
                Err(e) if is_busy(&e) && Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(10))
                }
                Err(e) if e.sqlite_error_code() == Some(ErrorCode::NotADatabase) => {
                    return Err(not_vouch(&self.path, "not an SQLite database"));
                }
                Err(e) => return Err(db_err(&self.path, e)),
            }
        }
    }

    fn set_wal(&self) -> Result<(), CliError> {
        let deadline = Instant::now() + BUSY_TIMEOUT;
        loop {
            let r = self
                .conn
                .query_row("PRAGMA journal_mode", [], |r| r.get::<_, String>(0))
                .and_then(|m| {
                    if m.eq_ignore_ascii_case("wal") {
                        Ok(m)
                    } else {
                        self.conn
                            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0))
                    }
                });
            match r {
                Ok(m) if m.eq_ignore_ascii_case("wal") => break,
                Ok(m) => {
                    return Err(db_err(
                        &self.path,
                        format!("could not switch to WAL (journal_mode {m})"),
                    ));
                }
                Err(e) if is_busy(&e) && Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(10))
                }
                Err(e) => return Err(db_err(&self.path, e)),
            }
        }
        // WAL + NORMAL: a commit survives a process crash; only a power loss may roll back the
        // last commits, never corrupting the database.
        // The last connection to close checkpoints and removes the WAL (SQLite's default). Skipping
        // that (SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE) makes one put per process faster at first, but
        // the next process then rebuilds the wal-index from the whole WAL with nothing marked as
        // checkpointed, the WAL is never restarted, and it grows without bound (measured: 133 MB
        // after a few thousand puts, each put slower than the last).
        self.conn
            .pragma_update(None, "synchronous", "NORMAL")
            .map_err(|e| db_err(&self.path, e))?;
        // With a journal size limit, the last writer to close truncates the persistent WAL to
        // zero bytes after its checkpoint; the limit also caps what a reset WAL keeps on disk.
        self.conn
            .pragma_update(None, "journal_size_limit", WAL_SIZE_LIMIT)
            .map_err(|e| db_err(&self.path, e))
    }

    /// Creates the schema in an empty database, or migrates an older one, in one transaction.
    fn migrate(&mut self) -> Result<(), CliError> {
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| db_err(&path, e))?;
        // Another process may have created or migrated it while we waited.
        let from = match classify(&tx).map_err(|e| db_err(&path, e))? {
            Kind::Empty => 0,
            Kind::Vouch(v) if v <= SCHEMA_VERSION => v,
            Kind::Vouch(v) => {
                return Err(CliError::usage(
                    "newer-schema",
                    format!("{}: store schema version {v} is newer", path.display()),
                ));
            }
            Kind::Foreign(why) => return Err(not_vouch(&path, &why)),
        };
        let from = usize::try_from(from).unwrap_or(0);
        if from == MIGRATIONS.len() {
            return Ok(());
        }
        for sql in MIGRATIONS.iter().skip(from) {
            tx.execute_batch(sql).map_err(|e| db_err(&path, e))?;
        }
        tx.pragma_update(None, "application_id", APPLICATION_ID)
            .map_err(|e| db_err(&path, e))?;
        tx.pragma_update(None, "user_version", SCHEMA_VERSION)
            .map_err(|e| db_err(&path, e))?;
        tx.commit().map_err(|e| db_err(&path, e))
    }

    /// Writes records, each replacing any record with the same (urn, digest), in one
    /// transaction. Returns, per record, whether it replaced one.
    pub fn insert(&mut self, records: &[Record]) -> Result<Vec<bool>, CliError> {
        let path = self.path.clone();
        let err = |e: rusqlite::Error| db_err(&path, e);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        let mut replaced = Vec::with_capacity(records.len());
        {
            let mut del = tx
                .prepare_cached("DELETE FROM provenance WHERE urn = ?1 AND digest = ?2")
                .map_err(err)?;
            let mut ins = tx
                .prepare_cached(
                    "INSERT INTO provenance (urn, payload_type, digest, issuer, committed_at,
                     build_tool, inputs, outputs, recorded_at, verified, warnings, envelope)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                )
                .map_err(err)?;
            for r in records {
                let n = del.execute(params![r.urn, r.digest]).map_err(err)?;
                let warnings = if r.warnings.is_empty() {
                    None
                } else {
                    serde_json::to_string(&r.warnings).ok()
                };
                let len = r.envelope.len() as u64;
                ins.execute(params![
                    r.urn,
                    r.payload_type,
                    r.digest,
                    r.issuer,
                    r.committed_at,
                    r.build_tool,
                    r.inputs.as_deref().map(RawValue::get),
                    r.outputs.as_deref().map(RawValue::get),
                    r.recorded_at,
                    r.verified,
                    warnings,
                    rusqlite::blob::ZeroBlob(len),
                ])
                .map_err(err)?;
                // The envelope goes in through SQLite's incremental blob I/O: the zeroblob as the
                // last column is never built in memory, and its pages are written in place.
                if len > 0 {
                    use std::io::Write;
                    let rowid = tx.last_insert_rowid();
                    let mut blob = tx
                        .blob_open(rusqlite::MAIN_DB, "provenance", "envelope", rowid, false)
                        .map_err(err)?;
                    blob.write_all(&r.envelope).map_err(|e| db_err(&path, e))?;
                }
                replaced.push(n > 0);
            }
        }
        tx.commit().map_err(err)?;
        Ok(replaced)
    }

    fn query(&self, sql: &str, args: &[&dyn rusqlite::ToSql]) -> Result<Vec<Record>, CliError> {
        let err = |e: rusqlite::Error| db_err(&self.path, e);
        let mut st = self.conn.prepare_cached(sql).map_err(err)?;
        let rows = st
            .query_map(args, |r| {
                let json_col = |s: Option<String>| s.and_then(|s| RawValue::from_string(s).ok());
                Ok(Record {
                    urn: r.get(0)?,
                    envelope: bytes_col(r, 1)?,
                    payload_type: r.get(2)?,
                    digest: r.get(3)?,
                    issuer: r.get(4)?,
                    committed_at: r.get(5)?,
                    build_tool: r.get(6)?,
                    inputs: json_col(r.get(7)?),
                    outputs: json_col(r.get(8)?),
                    recorded_at: r.get(9)?,
                    verified: r.get(10)?,
                    warnings: r
                        .get::<_, Option<String>>(11)?
                        .and_then(|s| serde_json::from_str(&s).ok())
                        .unwrap_or_default(),
                })
            })
            .map_err(err)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(err)
    }

    /// The latest record for a URN.
    pub fn latest(&self, urn: &str) -> Result<Option<Record>, CliError> {
        Ok(self
            .query(
                &format!("{SELECT} WHERE urn = ?1 ORDER BY rowid DESC LIMIT 1"),
                &[&urn],
            )?
            .into_iter()
            .next())
    }

    /// Every record for a URN, newest first.
    pub fn history(&self, urn: &str) -> Result<Vec<Record>, CliError> {
        self.query(
            &format!("{SELECT} WHERE urn = ?1 ORDER BY rowid DESC"),
            &[&urn],
        )
    }

    /// The record for a URN at an artifact digest.
    pub fn find(&self, urn: &str, digest: &str) -> Result<Option<Record>, CliError> {
        Ok(self
            .query(
                &format!("{SELECT} WHERE urn = ?1 AND digest = ?2"),
                &[&urn, &digest],
            )?
            .into_iter()
            .next())
    }
}

/// A column read as bytes, whether SQLite holds it as a BLOB (schema 2) or as TEXT (schema 1).
fn bytes_col(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Vec<u8>> {
    use rusqlite::types::ValueRef;
    match r.get_ref(i)? {
        ValueRef::Blob(b) | ValueRef::Text(b) => Ok(b.to_vec()),
        ValueRef::Null => Ok(Vec::new()),
        other => Err(rusqlite::Error::InvalidColumnType(
            i,
            "envelope".into(),
            other.data_type(),
        )),
    }
}

const SELECT: &str = "SELECT urn, envelope, payload_type, digest, issuer, committed_at, build_tool, \
     inputs, outputs, recorded_at, verified, warnings FROM provenance";

/// What the statement says about the build, for the record's columns.
#[derive(Debug, Default)]
struct Facts {
    issuer: Option<String>,
    committed_at: Option<String>,
    build_tool: Option<String>,
    inputs: Option<Box<RawValue>>,
    outputs: Option<Box<RawValue>>,
}

/// The value at `path` below `v`.
fn at<'a>(v: vouch_core::json::Value<'a>, path: &[&str]) -> Option<vouch_core::json::Value<'a>> {
    path.iter().try_fold(v, |cur, p| cur.get(p))
}

fn text_at(v: vouch_core::json::Value<'_>, path: &[&str]) -> Option<String> {
    at(v, path)?.as_str().map(|s| json_text(&s))
}

/// The JSON text of the array at `path` as the statement wrote it (`[]` when there is none), or
/// `None` when it is longer than [`MAX_FACTS_TEXT`] (the envelope holds it).
fn array_at(v: vouch_core::json::Value<'_>, path: &[&str]) -> Option<Box<RawValue>> {
    let raw = at(v, path)
        .filter(|a| a.kind() == vouch_core::json::Kind::Array)
        .map_or(&b"[]"[..], |a| a.raw());
    if raw.len() > MAX_FACTS_TEXT {
        return None;
    }
    let text = std::str::from_utf8(raw).ok()?;
    RawValue::from_string(text.to_owned()).ok()
}

/// Reads the facts from a statement: the registry format (top-level `builder`, `metadata`,
/// `materials`), SLSA v1 (`predicate.runDetails`, `predicate.buildDefinition`) or SLSA v0.x
/// (`predicate.builder`, `predicate.metadata`, `predicate.materials`). The payload is read with
/// vouch-core's strict, non-allocating JSON parser (a Statement of any shape costs no memory
/// beyond the small facts and the lists it copies); a payload that is not JSON has no facts.
fn facts(payload: &[u8]) -> Facts {
    let Ok(root) = vouch_core::json::parse(payload) else {
        return Facts::default();
    };
    let mut f = Facts {
        outputs: array_at(root, &["subject"]),
        ..Facts::default()
    };
    let pred = root.get("predicate");
    if let Some(run) = pred.and_then(|p| p.get("runDetails")) {
        f.issuer = text_at(run, &["builder", "id"]);
        f.committed_at = text_at(run, &["metadata", "finishedOn"]);
        f.build_tool = at(run, &["builder", "version"]).and_then(|v| match v.kind() {
            vouch_core::json::Kind::Object => {
                let parts: Vec<String> = v
                    .members()
                    .map(|(k, val)| match val.as_str() {
                        Some(s) => format!("{} {}", json_text(&k), json_text(&s)),
                        None => format!("{} {}", json_text(&k), String::from_utf8_lossy(val.raw())),
                    })
                    .collect();
                (!parts.is_empty()).then(|| parts.join(", "))
            }
            vouch_core::json::Kind::String => v.as_str().map(|s| json_text(&s)),
            _ => None,
        });
        f.inputs = pred.and_then(|p| array_at(p, &["buildDefinition", "resolvedDependencies"]));
    } else if let Some(p) = pred.filter(|p| p.get("builder").is_some()) {
        f.issuer = text_at(p, &["builder", "id"]);
        f.committed_at = text_at(p, &["metadata", "buildFinishedOn"]);
        f.inputs = array_at(p, &["materials"]);
    } else if root.get("builder").is_some() {
        f.issuer = text_at(root, &["builder", "id"]);
        f.committed_at = text_at(root, &["metadata", "timestamp"]);
        f.build_tool = text_at(root, &["metadata", "buildTool"]);
        f.inputs = array_at(root, &["materials"]);
    }
    f
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

fn now() -> String {
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
/// `permissive` it becomes a warning of the record.
pub fn prepare(
    policy: &Policy,
    urn: &str,
    artifact: &Path,
    envelope: Option<&Path>,
    max_envelope: u64,
    log: &Log,
) -> Result<Record, PutError> {
    if urn.trim().is_empty() {
        return Err(CliError::usage("usage", "--urn must not be empty").into());
    }
    let digest = hash_file(artifact)?;
    let sha256 = hex(&digest.sha256.unwrap_or_default());
    log.debug(format_args!(
        "artifact {}: sha256 {sha256}",
        artifact.display()
    ));
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
    let Some(env_path) = envelope else {
        log.debug(format_args!(
            "no envelope; policy mode {}",
            policy.mode.as_str()
        ));
        let p = Problem::missing();
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
        });
    };
    let bytes = read_envelope(env_path, max_envelope)?;
    let req = verify::Request {
        policy: Some(policy),
        artifacts: vec![verify::Artifact {
            name: artifact.display().to_string(),
            digest,
        }],
        ..verify::Request::default()
    };
    let mut report = verify::verify(&bytes, &req)?;
    if let Some(e) = &report.error {
        log.debug(format_args!(
            "envelope {}: NOT verified: {}: {}",
            env_path.display(),
            e.code,
            e.message
        ));
        let p = Problem::invalid(e);
        refuse(p.clone())?;
        warnings.push(p);
    } else {
        log.debug(format_args!(
            "envelope {}: verified by {}",
            env_path.display(),
            report.keys.join(", ")
        ));
    }
    let payload = report.payload.take().or_else(|| unverified_payload(&bytes));
    let f = payload.as_deref().map(facts).unwrap_or_default();
    drop(payload);
    let t = now();
    Ok(Record {
        urn: urn.into(),
        envelope: bytes,
        payload_type: report.payload_type.clone().unwrap_or_default(),
        digest: sha256,
        issuer: f.issuer.unwrap_or_default(),
        committed_at: f.committed_at.unwrap_or_else(|| t.clone()),
        build_tool: f.build_tool,
        inputs: f.inputs,
        outputs: f.outputs,
        recorded_at: t,
        verified: report.verified,
        warnings,
    })
}

/// `vouch store ...` subcommands.
#[derive(Subcommand, Debug)]
pub enum StoreCommand {
    /// Verify an envelope against a policy and an artifact, then record it.
    #[command(after_help = concat!(
        "Example:\n  vouch store put --db store.db --urn urn:example:app --artifact manifest.json \\\n",
        "      --envelope manifest.dsse.json --policy policy.json\n\n",
        "The policy's mode decides: enforce refuses a missing envelope (missing_provenance) or an\n",
        "invalid one (invalid_provenance, with the reason code) and writes nothing; permissive\n",
        "stores it and reports each problem as a warning.\n\n",
        "Exit codes: 0 stored; 1 refused; 2 usage or environment error."
    ))]
    Put(PutArgs),
    /// Show the latest record for a URN.
    #[command(after_help = concat!(
        "Example:\n  vouch store get --db store.db --urn urn:example:app --format json\n\n",
        "Exit codes: 0 found; 1 no record for the URN; 2 usage or environment error."
    ))]
    Get(QueryArgs),
    /// Show every record for a URN, newest first.
    #[command(after_help = concat!(
        "Example:\n  vouch store history --db store.db --urn urn:example:app\n\n",
        "Exit codes: 0 found; 1 no record for the URN; 2 usage or environment error."
    ))]
    History(QueryArgs),
    /// Put many envelopes from a list (benchmarks, backfills).
    #[command(hide = true)]
    PutBulk(BulkArgs),
}

/// `vouch store put` arguments.
#[derive(Args, Debug)]
pub struct PutArgs {
    /// The store (created on first use).
    #[arg(long)]
    db: PathBuf,
    /// The manifest's URN.
    #[arg(long)]
    urn: String,
    /// The manifest / artifact the provenance covers.
    #[arg(long)]
    artifact: PathBuf,
    /// The DSSE envelope holding its provenance.
    #[arg(long)]
    envelope: Option<PathBuf>,
    /// The policy (its `mode` decides what happens to missing or invalid provenance).
    #[arg(long)]
    policy: PathBuf,
    /// Refuse envelopes larger than this (bytes, or with a K/M/G suffix): envelope-too-large.
    #[arg(long, value_parser = parse_size, default_value = "256M")]
    max_envelope_size: u64,
    /// Show each step on stderr (also VOUCH_LOG=debug).
    #[arg(short, long)]
    verbose: bool,
}

/// `vouch store get|history` arguments.
#[derive(Args, Debug)]
pub struct QueryArgs {
    /// The store.
    #[arg(long)]
    db: PathBuf,
    /// The URN.
    #[arg(long)]
    urn: String,
}

/// `vouch store put-bulk` arguments.
#[derive(Args, Debug)]
pub struct BulkArgs {
    /// The store (created on first use).
    #[arg(long)]
    db: PathBuf,
    /// The policy.
    #[arg(long)]
    policy: PathBuf,
    /// A file of lines `URN<TAB>ARTIFACT<TAB>ENVELOPE` (ENVELOPE may be empty or `-`: none).
    #[arg(long)]
    list: PathBuf,
    /// Puts per transaction.
    #[arg(long, default_value_t = 1)]
    batch: usize,
    /// Refuse envelopes larger than this (bytes, or with a K/M/G suffix): envelope-too-large.
    #[arg(long, value_parser = parse_size, default_value = "256M")]
    max_envelope_size: u64,
    /// Show each step on stderr (also VOUCH_LOG=debug).
    #[arg(short, long)]
    verbose: bool,
}

fn print_json(v: &Json) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = serde_json::to_writer(&mut out, v);
    let _ = writeln!(out);
}

fn fail(e: &CliError, json_out: bool) -> u8 {
    if json_out {
        print_json(&json!({"ok": false, "error": {"code": e.code, "message": e.message}}));
    } else {
        eprintln!("vouch: {}: {}", e.code, e.message);
    }
    e.exit
}

/// Runs a `vouch store` subcommand; returns the exit status.
pub fn run(cmd: StoreCommand, json_out: bool) -> u8 {
    let r = match cmd {
        StoreCommand::Put(a) => put_cmd(a, json_out),
        StoreCommand::Get(a) => query_cmd(a, json_out, false),
        StoreCommand::History(a) => query_cmd(a, json_out, true),
        StoreCommand::PutBulk(a) => bulk_cmd(a, json_out),
    };
    r.unwrap_or_else(|e| fail(&e, json_out))
}

fn warn(p: &Problem) {
    eprintln!("vouch: warning: {}", p.line());
}

fn put_cmd(a: PutArgs, json_out: bool) -> Result<u8, CliError> {
    let log = Log::new(a.verbose);
    let policy = Policy::load(&a.policy)?;
    log.debug(format_args!(
        "policy {}: mode {}, {} issuer(s)",
        a.policy.display(),
        policy.mode.as_str(),
        policy.issuers.len()
    ));
    // Verify before touching the database: a refused put never opens (or creates) it.
    let rec = match prepare(
        &policy,
        &a.urn,
        &a.artifact,
        a.envelope.as_deref(),
        a.max_envelope_size,
        &log,
    ) {
        Ok(r) => r,
        Err(PutError::Fatal(e)) => return Err(e),
        Err(PutError::Refused { problem, digest }) => {
            log.debug(format_args!("refused; nothing written"));
            if json_out {
                print_json(&json!({
                    "ok": false, "stored": false, "urn": a.urn, "digest": digest,
                    "mode": policy.mode.as_str(),
                    "error": {"code": problem.code, "reason": problem.reason, "message": problem.message},
                    "warnings": [],
                }));
            } else {
                eprintln!("vouch: refused: {}", problem.line());
            }
            return Ok(EXIT_NOT_VERIFIED);
        }
    };
    for w in &rec.warnings {
        warn(w);
    }
    let mut store = Store::open(&a.db, OpenMode::Write)?;
    log.debug(format_args!("store {}: open", a.db.display()));
    let replaced = store
        .insert(std::slice::from_ref(&rec))?
        .first()
        .copied()
        .unwrap_or(false);
    log.debug(format_args!(
        "stored ({})",
        if replaced { "replaced" } else { "new" }
    ));
    if json_out {
        let mut v = serde_json::to_value(&rec).unwrap_or_default();
        if let Json::Object(m) = &mut v {
            m.insert("ok".into(), json!(true));
            m.insert("stored".into(), json!(true));
            m.insert("replaced".into(), json!(replaced));
            m.insert("mode".into(), json!(policy.mode.as_str()));
        }
        print_json(&v);
    } else {
        println!(
            "stored {} sha256:{} (issuer {}{}){}",
            rec.urn,
            rec.digest,
            if rec.issuer.is_empty() {
                "-"
            } else {
                &rec.issuer
            },
            if rec.verified {
                ", verified"
            } else {
                ", NOT verified"
            },
            if replaced {
                ", replacing the earlier record"
            } else {
                ""
            }
        );
    }
    Ok(EXIT_OK)
}

fn query_cmd(a: QueryArgs, json_out: bool, all: bool) -> Result<u8, CliError> {
    let store = Store::open(&a.db, OpenMode::Read)?;
    let records = if all {
        store.history(&a.urn)?
    } else {
        store.latest(&a.urn)?.into_iter().collect()
    };
    if records.is_empty() {
        return Err(CliError::failed(
            "not-found",
            format!("no record for {:?} in {}", a.urn, a.db.display()),
        ));
    }
    if json_out {
        if all {
            print_json(&json!({"ok": true, "urn": a.urn, "records": records}));
        } else if let Some(r) = records.first() {
            let mut v = serde_json::to_value(r).unwrap_or_default();
            if let Json::Object(m) = &mut v {
                // The envelope as stored: text when it is UTF-8 (as envelopes are), else base64 of
                // its bytes, so that nothing is altered in the showing either.
                match std::str::from_utf8(&r.envelope) {
                    Ok(text) => m.insert("envelope".into(), json!(text)),
                    Err(_) => m.insert(
                        "envelopeBase64".into(),
                        json!(base64ct::Base64::encode_string(&r.envelope)),
                    ),
                };
            }
            print_json(&json!({"ok": true, "urn": a.urn, "record": v}));
        }
        return Ok(EXIT_OK);
    }
    if all {
        println!("{} ({} record(s), newest first)", a.urn, records.len());
        for r in &records {
            println!(
                "  {}  sha256:{}  builder {}  built {}  {}",
                r.recorded_at,
                r.digest,
                or_dash(&r.issuer),
                r.committed_at,
                if r.verified {
                    "verified"
                } else {
                    "NOT verified"
                }
            );
        }
    } else if let Some(r) = records.first() {
        println!("{}", r.urn);
        println!("  digest       sha256:{}", r.digest);
        println!("  builder      {}", or_dash(&r.issuer));
        println!("  timestamp    {}", r.committed_at);
        println!("  build tool   {}", r.build_tool.as_deref().unwrap_or("-"));
        println!("  payloadType  {}", or_dash(&r.payload_type));
        let n = |v: &Option<Box<RawValue>>| match v {
            Some(raw) => vouch_core::json::parse(raw.get().as_bytes())
                .map_or_else(|_| "-".to_string(), |a| a.elements().count().to_string()),
            None => "(in the envelope)".to_string(),
        };
        println!("  inputs       {}, outputs {}", n(&r.inputs), n(&r.outputs));
        println!(
            "  verified     {}",
            if r.verified {
                "yes, when recorded"
            } else {
                "NO (stored under a permissive policy)"
            }
        );
        for w in &r.warnings {
            println!("  warning      {}", w.line());
        }
        println!("  recorded     {}", r.recorded_at);
    }
    Ok(EXIT_OK)
}

fn or_dash(s: &str) -> &str {
    if s.is_empty() { "-" } else { s }
}

fn bulk_cmd(a: BulkArgs, json_out: bool) -> Result<u8, CliError> {
    let log = Log::new(a.verbose);
    let policy = Policy::load(&a.policy)?;
    let list = std::fs::read_to_string(&a.list).map_err(|e| CliError::io(&a.list, &e))?;
    let mut store = Store::open(&a.db, OpenMode::Write)?;
    let batch = a.batch.max(1);
    let start = Instant::now();
    let (mut stored, mut refused) = (0usize, 0usize);
    let mut pending = Vec::with_capacity(batch);
    for (i, line) in list.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let mut parts = line.split('\t');
        let (Some(urn), Some(artifact)) = (parts.next(), parts.next()) else {
            return Err(CliError::usage(
                "usage",
                format!(
                    "{}:{}: expected URN<TAB>ARTIFACT<TAB>ENVELOPE",
                    a.list.display(),
                    i + 1
                ),
            ));
        };
        let envelope = parts.next().filter(|e| !e.is_empty() && *e != "-");
        match prepare(
            &policy,
            urn,
            Path::new(artifact),
            envelope.map(Path::new),
            a.max_envelope_size,
            &log,
        ) {
            Ok(rec) => {
                for w in &rec.warnings {
                    eprintln!("vouch: warning: {urn}: {}", w.line());
                }
                pending.push(rec);
            }
            Err(PutError::Refused { problem, .. }) => {
                refused += 1;
                eprintln!("vouch: refused: {urn}: {}", problem.line());
            }
            Err(PutError::Fatal(e)) => return Err(e),
        }
        if pending.len() >= batch {
            store.insert(&pending)?;
            stored += pending.len();
            pending.clear();
        }
    }
    if !pending.is_empty() {
        store.insert(&pending)?;
        stored += pending.len();
    }
    let secs = start.elapsed().as_secs_f64();
    let rate = if secs > 0.0 {
        stored as f64 / secs
    } else {
        0.0
    };
    if json_out {
        print_json(&json!({
            "ok": refused == 0, "stored": stored, "refused": refused,
            "seconds": secs, "putsPerSecond": rate, "batch": batch,
        }));
    } else {
        println!(
            "stored {stored}, refused {refused} in {secs:.2} s ({rate:.0} puts/s, {batch} per transaction)"
        );
    }
    Ok(if refused == 0 {
        EXIT_OK
    } else {
        EXIT_NOT_VERIFIED
    })
}
