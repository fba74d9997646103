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

use super::{ApiKey, AuditEntry, Export, PutItem, PutOutcome, Record, Store};
use crate::error::{CliError, Code};

/// `PRAGMA application_id` of a vouch store ("VOUC").
pub const APPLICATION_ID: i32 = 0x564f_5543;
/// The schema version this build writes (`PRAGMA user_version`).
pub const SCHEMA_VERSION: i32 = 3;
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
    // 2 -> 3: the registry service. `seq` is the rowid, made explicit and never reused
    // (AUTOINCREMENT): history order and the cursors of history pages. `sig` (the request's sig,
    // as the JSON text sent) and `policy_digest` (SHA-256 of the policy a record was verified
    // against) are the service's. Rows keep their rowid as their seq: history order is unchanged.
    // `api_keys` holds the service's keys (the SHA-256 of each secret, never the secret);
    // `audit_log` a row per service write and per refused authentication.
    "CREATE TABLE provenance_v3 (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
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
        sig TEXT,
        policy_digest TEXT,
        envelope BLOB NOT NULL,
        UNIQUE (urn, digest)
    );
    INSERT INTO provenance_v3 (seq, urn, payload_type, digest, issuer, committed_at, build_tool,
        inputs, outputs, recorded_at, verified, warnings, envelope)
        SELECT rowid, urn, payload_type, digest, issuer, committed_at, build_tool, inputs, outputs,
        recorded_at, verified, warnings, envelope FROM provenance ORDER BY rowid;
    DROP TABLE provenance;
    ALTER TABLE provenance_v3 RENAME TO provenance;
    CREATE INDEX provenance_urn_seq ON provenance (urn, seq);
    CREATE INDEX provenance_digest ON provenance (digest, seq);
    CREATE INDEX provenance_issuer ON provenance (issuer, seq);
    CREATE TABLE api_keys (
        key_id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        secret_sha256 BLOB NOT NULL,
        scopes TEXT NOT NULL,
        urn_prefixes TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at TEXT,
        revoked_at TEXT
    );
    CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        request_id TEXT NOT NULL,
        key_id TEXT,
        action TEXT NOT NULL,
        urn TEXT,
        digest TEXT,
        status INTEGER NOT NULL,
        outcome TEXT NOT NULL
    );",
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
    /// The schema version of the open database (older ones are read as they are).
    version: i32,
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
            version: SCHEMA_VERSION,
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
            (Kind::Vouch(v), OpenMode::Read) => {
                store.version = v;
                Ok(store)
            }
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

    /// Sets `synchronous = FULL` on this connection: a commit is on disk (WAL fsynced) before it
    /// returns, so an acknowledged write survives a power loss too (the registry service).
    pub fn set_synchronous_full(&self) -> Result<(), CliError> {
        self.conn
            .pragma_update(None, "synchronous", "FULL")
            .map_err(|e| db_err(&self.path, e))
    }

    /// The SELECT of every record column, for this store's schema version.
    fn select(&self) -> &'static str {
        if self.version >= 3 { SELECT_V3 } else { SELECT }
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
                    seq: r.get(12)?,
                    sig: r.get(13)?,
                    policy_digest: r.get(14)?,
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
            let mut ins = tx.prepare_cached(INSERT_SQL).map_err(err)?;
            for r in records {
                let n = del.execute(params![r.urn, r.digest]).map_err(err)?;
                insert_row(&tx, &mut ins, r, &path)?;
                replaced.push(n > 0);
            }
        }
        tx.commit().map_err(err)?;
        Ok(replaced)
    }

    fn put_batch(
        &mut self,
        items: &[PutItem<'_>],
    ) -> Result<Vec<Result<PutOutcome, CliError>>, CliError> {
        let path = self.path.clone();
        let err = |e: rusqlite::Error| db_err(&path, e);
        let mut tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        let mut out = Vec::with_capacity(items.len());
        for it in items {
            // Each put in a savepoint of its own: one that fails leaves nothing behind and the
            // others still commit.
            let sp = tx.savepoint().map_err(err)?;
            match put_in(&sp, it, &path) {
                Ok(o) => {
                    sp.commit().map_err(err)?;
                    out.push(Ok(o));
                }
                Err(e) => {
                    // Roll back to the savepoint and release it (its drop behaviour); if even
                    // that fails, the whole batch fails.
                    sp.finish().map_err(err)?;
                    out.push(Err(e));
                }
            }
        }
        tx.commit().map_err(err)?;
        Ok(out)
    }

    fn history_page(
        &self,
        urn: &str,
        before: Option<i64>,
        limit: usize,
    ) -> Result<Vec<Record>, CliError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.query(
            &format!(
                "{} WHERE urn = ?1 AND rowid < ?2 ORDER BY rowid DESC LIMIT ?3",
                self.select()
            ),
            &[&urn, &before.unwrap_or(i64::MAX), &limit],
        )
    }

    fn by_digest(&self, digest: &str, limit: usize) -> Result<Vec<Record>, CliError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.query(
            &format!(
                "{} WHERE digest = ?1 ORDER BY rowid DESC LIMIT ?2",
                self.select()
            ),
            &[&digest, &limit],
        )
    }

    fn by_issuer(&self, issuer: &str, limit: usize) -> Result<Vec<Record>, CliError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.query(
            &format!(
                "{} WHERE issuer = ?1 ORDER BY rowid DESC LIMIT ?2",
                self.select()
            ),
            &[&issuer, &limit],
        )
    }

    fn audit(&mut self, entry: &AuditEntry) -> Result<(), CliError> {
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| db_err(&path, e))?;
        write_audit(&tx, entry, &path)?;
        tx.commit().map_err(|e| db_err(&path, e))
    }

    /// Every row in one transaction (one durable commit for the batch).
    fn audit_batch(&mut self, entries: &[AuditEntry]) -> Result<(), CliError> {
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| db_err(&path, e))?;
        for entry in entries {
            write_audit(&tx, entry, &path)?;
        }
        tx.commit().map_err(|e| db_err(&path, e))
    }

    fn add_api_key(&mut self, key: &ApiKey) -> Result<(), CliError> {
        self.needs_v3()?;
        let lists = |v: &[String]| serde_json::to_string(v).unwrap_or_else(|_| "[]".into());
        self.conn
            .execute(
                "INSERT INTO api_keys (key_id, name, secret_sha256, scopes, urn_prefixes,
                 created_at, expires_at, revoked_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    key.key_id,
                    key.name,
                    &key.secret_sha256[..],
                    lists(&key.scopes),
                    lists(&key.urn_prefixes),
                    key.created_at,
                    key.expires_at,
                    key.revoked_at
                ],
            )
            .map_err(|e| db_err(&self.path, e))?;
        Ok(())
    }

    fn api_keys(&self) -> Result<Vec<ApiKey>, CliError> {
        self.keys_where("1 ORDER BY created_at, key_id", "")
    }

    fn api_key(&self, key_id: &str) -> Result<Option<ApiKey>, CliError> {
        Ok(self.keys_where("key_id = ?1", key_id)?.into_iter().next())
    }

    fn revoke_api_key(&mut self, key_id: &str, at: &str) -> Result<bool, CliError> {
        self.needs_v3()?;
        let n = self
            .conn
            .execute(
                "UPDATE api_keys SET revoked_at = coalesce(revoked_at, ?2) WHERE key_id = ?1",
                params![key_id, at],
            )
            .map_err(|e| db_err(&self.path, e))?;
        Ok(n > 0)
    }

    fn durable_commits(&self) -> Result<bool, CliError> {
        // 2 = FULL, 3 = EXTRA.
        let level: i64 = self
            .conn
            .query_row("PRAGMA synchronous", [], |r| r.get(0))
            .map_err(|e| db_err(&self.path, e))?;
        Ok(level >= 2)
    }

    fn schema_version(&self) -> Result<i32, CliError> {
        self.conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| db_err(&self.path, e))
    }

    /// The latest record for a URN.
    fn latest(&self, urn: &str) -> Result<Option<Record>, CliError> {
        Ok(self
            .query(
                &format!(
                    "{} WHERE urn = ?1 ORDER BY rowid DESC LIMIT 1",
                    self.select()
                ),
                &[&urn],
            )?
            .into_iter()
            .next())
    }

    /// The latest record for a URN, its envelope left out (an empty blob in its column).
    fn latest_summary(&self, urn: &str) -> Result<Option<Record>, CliError> {
        let sql = if self.version >= 3 {
            SELECT_V3_NO_ENVELOPE
        } else {
            SELECT_NO_ENVELOPE
        };
        Ok(self
            .query(
                &format!("{sql} WHERE urn = ?1 ORDER BY rowid DESC LIMIT 1"),
                &[&urn],
            )?
            .into_iter()
            .next())
    }

    /// Every record for a URN, newest first.
    fn history(&self, urn: &str) -> Result<Vec<Record>, CliError> {
        self.query(
            &format!("{} WHERE urn = ?1 ORDER BY rowid DESC", self.select()),
            &[&urn],
        )
    }

    /// The record for a URN at an artifact digest.
    fn find(&self, urn: &str, digest: &str) -> Result<Option<Record>, CliError> {
        Ok(self
            .query(
                &format!("{} WHERE urn = ?1 AND digest = ?2", self.select()),
                &[&urn, &digest],
            )?
            .into_iter()
            .next())
    }
}

impl SqliteStore {
    /// Everything in the store, in order: records by sequence number, API keys, audit rows by
    /// id (`vouch store migrate`). Stores older than schema 3 have no keys and no audit log.
    pub fn export(&self) -> Result<Export, CliError> {
        let records = self.query(&format!("{} ORDER BY rowid", self.select()), &[])?;
        if self.version < 3 {
            return Ok(Export {
                records,
                api_keys: Vec::new(),
                audit: Vec::new(),
            });
        }
        let err = |e: rusqlite::Error| db_err(&self.path, e);
        let mut st = self
            .conn
            .prepare(
                "SELECT at, request_id, key_id, action, urn, digest, status, outcome FROM audit_log
                 ORDER BY id",
            )
            .map_err(err)?;
        let audit = st
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    AuditEntry {
                        request_id: r.get(1)?,
                        key_id: r.get(2)?,
                        action: r.get(3)?,
                        urn: r.get(4)?,
                        digest: r.get(5)?,
                        status: r.get(6)?,
                        outcome: r.get(7)?,
                    },
                ))
            })
            .map_err(err)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(err)?;
        Ok(Export {
            records,
            api_keys: self.api_keys()?,
            audit,
        })
    }

    /// API keys and the audit log exist from schema 3 on.
    fn needs_v3(&self) -> Result<(), CliError> {
        if self.version >= 3 {
            Ok(())
        } else {
            Err(db_err(
                &self.path,
                format!(
                    "schema version {} has no API keys (open the store for writing once)",
                    self.version
                ),
            ))
        }
    }

    /// API keys matching `cond` (SQL; `?1` is `arg` when the condition uses it).
    fn keys_where(&self, cond: &str, arg: &str) -> Result<Vec<ApiKey>, CliError> {
        self.needs_v3()?;
        let err = |e: rusqlite::Error| db_err(&self.path, e);
        let sql = format!(
            "SELECT key_id, name, secret_sha256, scopes, urn_prefixes, created_at, expires_at,
             revoked_at FROM api_keys WHERE {cond}"
        );
        let mut st = self.conn.prepare_cached(&sql).map_err(err)?;
        let map = |r: &rusqlite::Row<'_>| {
            let list = |s: String| serde_json::from_str::<Vec<String>>(&s).unwrap_or_default();
            let hash: Vec<u8> = r.get(2)?;
            Ok(ApiKey {
                key_id: r.get(0)?,
                name: r.get(1)?,
                // A malformed stored hash matches nothing (all zero bytes is no SHA-256 output
                // anyone can find a preimage for).
                secret_sha256: <[u8; 32]>::try_from(hash.as_slice()).unwrap_or([0; 32]),
                scopes: list(r.get(3)?),
                urn_prefixes: list(r.get(4)?),
                created_at: r.get(5)?,
                expires_at: r.get(6)?,
                revoked_at: r.get(7)?,
            })
        };
        let rows = if cond.contains("?1") {
            st.query_map(params![arg], map)
        } else {
            st.query_map([], map)
        }
        .map_err(err)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(err)
    }
}

/// One put of [`Store::put_batch`] inside the caller's transaction (or savepoint): the record
/// unless its (urn, digest) exists (replay, conflict, or replaced when asked), and its audit row.
fn put_in(conn: &Connection, it: &PutItem<'_>, path: &Path) -> Result<PutOutcome, CliError> {
    let err = |e: rusqlite::Error| db_err(path, e);
    let record = it.record;
    let existing: Option<(i64, Vec<u8>, Option<String>)> = {
        let mut st = conn
            .prepare_cached(
                "SELECT seq, envelope, sig FROM provenance WHERE urn = ?1 AND digest = ?2",
            )
            .map_err(err)?;
        let mut rows = st.query(params![record.urn, record.digest]).map_err(err)?;
        match rows.next().map_err(err)? {
            Some(r) => Some((
                r.get(0).map_err(err)?,
                bytes_col(r, 1).map_err(err)?,
                r.get(2).map_err(err)?,
            )),
            None => None,
        }
    };
    let outcome = match existing {
        Some((seq, envelope, sig)) if envelope == record.envelope && sig == record.sig => {
            PutOutcome::Replayed(seq)
        }
        Some((seq, _, _)) if !it.replace => PutOutcome::Conflict(seq),
        Some(_) => {
            conn.execute(
                "DELETE FROM provenance WHERE urn = ?1 AND digest = ?2",
                params![record.urn, record.digest],
            )
            .map_err(err)?;
            let mut ins = conn.prepare_cached(INSERT_SQL).map_err(err)?;
            insert_row(conn, &mut ins, record, path)?;
            PutOutcome::Replaced(conn.last_insert_rowid())
        }
        None => {
            let mut ins = conn.prepare_cached(INSERT_SQL).map_err(err)?;
            insert_row(conn, &mut ins, record, path)?;
            PutOutcome::Created(conn.last_insert_rowid())
        }
    };
    let (status, what) = match outcome {
        PutOutcome::Created(_) => (201, "created"),
        PutOutcome::Replayed(_) => (200, "replayed"),
        PutOutcome::Conflict(_) => (409, "conflict"),
        PutOutcome::Replaced(_) => (201, "replaced"),
    };
    let entry = AuditEntry {
        status,
        outcome: what.to_string(),
        ..it.audit.clone()
    };
    write_audit(conn, &entry, path)?;
    Ok(outcome)
}

const INSERT_SQL: &str = "INSERT INTO provenance (urn, payload_type, digest, issuer, committed_at,
     build_tool, inputs, outputs, recorded_at, verified, warnings, sig, policy_digest, envelope)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)";

/// Inserts one record with the prepared [`INSERT_SQL`] (schema 3: writers always migrate first).
fn insert_row(
    tx: &Connection,
    ins: &mut rusqlite::CachedStatement<'_>,
    r: &Record,
    path: &Path,
) -> Result<(), CliError> {
    let err = |e: rusqlite::Error| db_err(path, e);
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
        r.sig,
        r.policy_digest,
        rusqlite::blob::ZeroBlob(len),
    ])
    .map_err(err)?;
    // The envelope goes in through SQLite's incremental blob I/O: the zeroblob as the last column
    // is never built in memory, and its pages are written in place.
    if len > 0 {
        use std::io::Write;
        let rowid = tx.last_insert_rowid();
        let mut blob = tx
            .blob_open(rusqlite::MAIN_DB, "provenance", "envelope", rowid, false)
            .map_err(err)?;
        blob.write_all(&r.envelope).map_err(|e| db_err(path, e))?;
    }
    Ok(())
}

/// Writes one audit row inside the caller's transaction.
fn write_audit(tx: &Connection, a: &AuditEntry, path: &Path) -> Result<(), CliError> {
    let mut st = tx
        .prepare_cached(
            "INSERT INTO audit_log (at, request_id, key_id, action, urn, digest, status, outcome)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )
        .map_err(|e| db_err(path, e))?;
    st.execute(params![
        super::now(),
        a.request_id,
        a.key_id,
        a.action,
        a.urn,
        a.digest,
        a.status,
        a.outcome
    ])
    .map_err(|e| db_err(path, e))?;
    Ok(())
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
     inputs, outputs, recorded_at, verified, warnings, rowid, NULL, NULL FROM provenance";

/// [`SELECT`] with an empty envelope.
const SELECT_NO_ENVELOPE: &str = "SELECT urn, NULL, payload_type, digest, issuer, committed_at, \
     build_tool, inputs, outputs, recorded_at, verified, warnings, rowid, NULL, NULL FROM provenance";

/// [`SELECT_V3`] with an empty envelope.
const SELECT_V3_NO_ENVELOPE: &str = "SELECT urn, NULL, payload_type, digest, issuer, \
     committed_at, build_tool, inputs, outputs, recorded_at, verified, warnings, seq, sig, \
     policy_digest FROM provenance";

/// [`SELECT`] for schema 3 and later (the service's columns).
const SELECT_V3: &str = "SELECT urn, envelope, payload_type, digest, issuer, committed_at, \
     build_tool, inputs, outputs, recorded_at, verified, warnings, seq, sig, policy_digest \
     FROM provenance";
