//! The SQLite engine of the attestation store (the embedded default: compiled in, no server).
//!
//! The database is created on first use. It is marked with an SQLite `application_id`
//! ([`APPLICATION_ID`]) and a schema version in `user_version` ([`SCHEMA_VERSION`]); a file that is
//! not a vouch database, or has a newer schema, is refused and never modified. It runs in WAL mode
//! with a busy timeout so that several processes can write at once; every put is one
//! `BEGIN IMMEDIATE` transaction, so a failed or killed put leaves nothing behind. Details and
//! the schema: docs/store.md.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rusqlite::{Connection, ErrorCode, OpenFlags, TransactionBehavior, params};
use serde_json::value::RawValue;

use super::{Record, Store};
use crate::error::{CliError, Code};

/// `PRAGMA application_id` of a vouch store ("VOUC").
pub const APPLICATION_ID: i32 = 0x564f_5543;
/// The schema version this build writes (`PRAGMA user_version`).
pub const SCHEMA_VERSION: i32 = 2;
/// The oldest schema version this build reads without migrating it (readers never write).
pub const OLDEST_READABLE: i32 = 1;
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

/// An attestation store in an SQLite database.
pub struct SqliteStore {
    conn: Connection,
    path: PathBuf,
}

fn db_err(path: &Path, e: impl std::fmt::Display) -> CliError {
    CliError::new(Code::StoreError, format!("{}: {e}", path.display()))
}

fn not_vouch(path: &Path, why: &str) -> CliError {
    CliError::new(
        Code::NotAVouchDb,
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

impl SqliteStore {
    /// Opens (and in [`OpenMode::Write`], creates or migrates) the store at `path`.
    ///
    /// Errors (exit 2): `not-a-vouch-db` for any other file, `newer-schema` for a store written
    /// by a newer vouch, `store-not-found` when reading a store that does not exist,
    /// `store-error` for SQLite failures.
    pub fn open(path: &Path, mode: OpenMode) -> Result<SqliteStore, CliError> {
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
                    return Err(CliError::new(
                        Code::StoreNotFound,
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
        let mut store = SqliteStore {
            conn,
            path: path.to_path_buf(),
        };
        let kind = store.classify_retrying()?;
        match (kind, mode) {
            (Kind::Foreign(why), _) => Err(not_vouch(path, &why)),
            (Kind::Vouch(v), _) if v > SCHEMA_VERSION => Err(CliError::new(
                Code::NewerSchema,
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
                return Err(CliError::new(
                    Code::NewerSchema,
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
}

impl Store for SqliteStore {
    /// Writes records, each replacing any record with the same (urn, digest), in one
    /// transaction. Returns, per record, whether it replaced one.
    fn insert(&mut self, records: &[Record]) -> Result<Vec<bool>, CliError> {
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

    /// The latest record for a URN.
    fn latest(&self, urn: &str) -> Result<Option<Record>, CliError> {
        Ok(self
            .query(
                &format!("{SELECT} WHERE urn = ?1 ORDER BY rowid DESC LIMIT 1"),
                &[&urn],
            )?
            .into_iter()
            .next())
    }

    /// Every record for a URN, newest first.
    fn history(&self, urn: &str) -> Result<Vec<Record>, CliError> {
        self.query(
            &format!("{SELECT} WHERE urn = ?1 ORDER BY rowid DESC"),
            &[&urn],
        )
    }

    /// The record for a URN at an artifact digest.
    fn find(&self, urn: &str, digest: &str) -> Result<Option<Record>, CliError> {
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
