//! The PostgreSQL engine of the attestation store: many `vouch serve` replicas (and CLI runs) on one
//! database.
//!
//! The same schema and semantics as the SQLite engine (docs/store.md): one transaction per write
//! (record + audit), acknowledged only after `COMMIT` with `synchronous_commit = on`; writers to
//! one URN serialize on a transaction-scoped advisory lock of that URN, so history order (`seq`) is
//! commit order; an identical replay is a no-op. A database is marked by the `vouch_meta` table
//! (application `vouch`, the schema version); a database holding anything else, or a newer schema,
//! is refused and never modified. Schema changes run under a transaction-scoped advisory lock, so
//! processes starting against a new database at once all succeed.
//!
//! Connections come from a small pool of this file's own ([`Pool`]): a bounded number of
//! connections, a bounded wait for one, and connections the server dropped (a restart) thrown
//! away, so that the requests in the meantime fail with `store-unavailable` and later ones
//! reconnect. r2d2 would do the same with a reaper thread pool and two more crates
//! (scheduled-thread-pool, parking_lot); this needs only check-out, check-in and discard.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use postgres::error::SqlState;
use postgres::{Client, GenericClient, NoTls};
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

use super::{
    ApiKey, AuditEntry, Export, OpenMode, PutItem, PutOutcome, Record, SCHEMA_VERSION, Store,
};
use crate::error::{CliError, Code};

/// The value of `vouch_meta.application` in a vouch store.
pub const PG_APPLICATION: &str = "vouch";
/// How long a request waits for a free pooled connection, and for a connection to open.
pub const PG_WAIT: Duration = Duration::from_secs(10);
/// The server-side bound of one statement (and of a wait for a lock): `statement_timeout` and
/// `lock_timeout` of every connection.
pub const PG_STATEMENT_TIMEOUT: Duration = Duration::from_secs(30);
/// Key of the advisory lock schema changes run under ("VOUCmigr").
const MIGRATION_LOCK: i64 = 0x564f_5543_6d69_6772;
/// First key of a URN's advisory lock (the second is from the URN's SHA-256): the two-key lock
/// space, apart from [`MIGRATION_LOCK`]'s.
const URN_LOCK_CLASS: i32 = 0x564f_5543;

/// The schema (version 3, the SQLite engine's schema 3 in PostgreSQL's types), created in one
/// transaction under [`MIGRATION_LOCK`].
const CREATE_V3: &str = "
    CREATE TABLE vouch_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE provenance (
        seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        urn TEXT NOT NULL,
        payload_type TEXT NOT NULL,
        digest TEXT NOT NULL,
        issuer TEXT NOT NULL,
        committed_at TEXT NOT NULL,
        build_tool TEXT,
        inputs TEXT,
        outputs TEXT,
        recorded_at TEXT NOT NULL,
        verified BOOLEAN NOT NULL,
        warnings TEXT,
        sig TEXT,
        policy_digest TEXT,
        envelope BYTEA NOT NULL,
        UNIQUE (urn, digest)
    );
    CREATE INDEX provenance_urn_seq ON provenance (urn, seq);
    CREATE INDEX provenance_digest ON provenance (digest, seq);
    CREATE INDEX provenance_issuer ON provenance (issuer, seq);
    CREATE TABLE api_keys (
        key_id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        secret_sha256 BYTEA NOT NULL,
        scopes TEXT NOT NULL,
        urn_prefixes TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at TEXT,
        revoked_at TEXT
    );
    CREATE TABLE audit_log (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at TEXT NOT NULL,
        request_id TEXT NOT NULL,
        key_id TEXT,
        action TEXT NOT NULL,
        urn TEXT,
        digest TEXT,
        status INTEGER NOT NULL,
        outcome TEXT NOT NULL
    );";

/// Whether a `--db` value names a PostgreSQL database: a `postgres://` or `postgresql://` URL, or
/// a libpq key=value string with a `host=` or `dbname=` pair. Anything else is an SQLite path.
pub fn is_postgres(db: &str) -> bool {
    let t = db.trim_start();
    if t.starts_with("postgres://") || t.starts_with("postgresql://") {
        return true;
    }
    t.split_ascii_whitespace().any(|w| {
        let key = w.split('=').next().unwrap_or("");
        w.contains('=') && (key == "host" || key == "dbname")
    })
}

/// What TLS the connection string asks for (libpq's `sslmode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TlsMode {
    /// `disable`, `allow`, `prefer` (the default): plain connections.
    Off,
    /// `require`: TLS, the server's certificate not checked (libpq's meaning).
    Require,
    /// `verify-ca`: TLS, the certificate chains to `sslrootcert`.
    VerifyCa,
    /// `verify-full`: as `verify-ca`, and the certificate names the host.
    VerifyFull,
}

/// A connection string split into what tokio-postgres parses and the TLS settings vouch handles
/// itself (`sslmode=verify-ca|verify-full` and `sslrootcert`, which tokio-postgres does not know).
#[derive(Debug)]
struct ConnInfo {
    rest: String,
    mode: TlsMode,
    rootcert: Option<PathBuf>,
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match (b.get(i), b.get(i + 1), b.get(i + 2)) {
            (Some(b'%'), Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                out.push((hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0)) as u8);
                i += 3;
            }
            (Some(&c), _, _) => {
                out.push(c);
                i += 1;
            }
            _ => break,
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The pairs of a libpq key=value string (values unquoted).
fn kv_pairs(s: &str) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    let mut it = s.chars().peekable();
    loop {
        while it.peek().is_some_and(|c| c.is_whitespace()) {
            it.next();
        }
        if it.peek().is_none() {
            return Ok(out);
        }
        let mut key = String::new();
        while let Some(&c) = it.peek() {
            if c == '=' || c.is_whitespace() {
                break;
            }
            key.push(c);
            it.next();
        }
        while it.peek().is_some_and(|c| c.is_whitespace()) {
            it.next();
        }
        if it.next() != Some('=') {
            return Err(format!("missing `=` after `{key}`"));
        }
        while it.peek().is_some_and(|c| c.is_whitespace()) {
            it.next();
        }
        let mut value = String::new();
        if it.peek() == Some(&'\'') {
            it.next();
            loop {
                match it.next() {
                    Some('\\') => value.extend(it.next()),
                    Some('\'') => break,
                    Some(c) => value.push(c),
                    None => return Err(format!("unterminated quoted value of `{key}`")),
                }
            }
        } else {
            while let Some(&c) = it.peek() {
                if c.is_whitespace() {
                    break;
                }
                it.next();
                if c == '\\' {
                    value.extend(it.next());
                } else {
                    value.push(c);
                }
            }
        }
        out.push((key, value));
    }
}

fn tls_mode(v: &str) -> Result<TlsMode, String> {
    Ok(match v {
        "disable" | "allow" | "prefer" => TlsMode::Off,
        "require" => TlsMode::Require,
        "verify-ca" => TlsMode::VerifyCa,
        "verify-full" => TlsMode::VerifyFull,
        other => return Err(format!("unknown sslmode `{other}`")),
    })
}

impl ConnInfo {
    fn parse(s: &str) -> Result<ConnInfo, String> {
        let mut mode = TlsMode::Off;
        let mut rootcert = None;
        let t = s.trim();
        if t.starts_with("postgres://") || t.starts_with("postgresql://") {
            let (base, query) = match t.split_once('?') {
                Some((b, q)) => (b, q),
                None => (t, ""),
            };
            let mut kept = Vec::new();
            for pair in query.split('&').filter(|p| !p.is_empty()) {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                match percent_decode(k).as_str() {
                    "sslmode" => mode = tls_mode(&percent_decode(v))?,
                    "sslrootcert" => rootcert = Some(PathBuf::from(percent_decode(v))),
                    _ => kept.push(pair),
                }
            }
            let rest = if kept.is_empty() {
                base.to_string()
            } else {
                format!("{base}?{}", kept.join("&"))
            };
            return Ok(ConnInfo {
                rest,
                mode,
                rootcert,
            });
        }
        let mut kept = Vec::new();
        for (k, v) in kv_pairs(t)? {
            match k.as_str() {
                "sslmode" => mode = tls_mode(&v)?,
                "sslrootcert" => rootcert = Some(PathBuf::from(v)),
                _ => {
                    let quoted = v.replace('\\', "\\\\").replace('\'', "\\'");
                    kept.push(format!("{k}='{quoted}'"));
                }
            }
        }
        Ok(ConnInfo {
            rest: kept.join(" "),
            mode,
            rootcert,
        })
    }
}

/// The connector of a pool: plain, or rustls (ring) as the connection string asks.
#[derive(Clone)]
enum Tls {
    Off,
    Rustls(tokio_postgres_rustls::MakeRustlsConnect),
}

/// A verifier for `sslmode=require`: the handshake is checked (the server holds the key of the
/// certificate it sent) but not who the certificate names or who issued it, as libpq does.
#[derive(Debug)]
struct AnyCert(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for AnyCert {
    fn verify_server_cert(
        &self,
        _end_entity: &rustls_pki_types::CertificateDer<'_>,
        _intermediates: &[rustls_pki_types::CertificateDer<'_>],
        _server_name: &rustls_pki_types::ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls_pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls_pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls_pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }
    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// A verifier for `sslmode=verify-ca`: the chain must lead to a root of `sslrootcert`; the name
/// in the certificate is not compared with the host.
#[derive(Debug)]
struct ChainOnly(Arc<rustls::client::WebPkiServerVerifier>);

impl rustls::client::danger::ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &rustls_pki_types::CertificateDer<'_>,
        intermediates: &[rustls_pki_types::CertificateDer<'_>],
        server_name: &rustls_pki_types::ServerName<'_>,
        ocsp_response: &[u8],
        now: rustls_pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        use rustls::{CertificateError, Error};
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(rustls::client::danger::ServerCertVerified::assertion()),
            other => other,
        }
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls_pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls_pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }
    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

/// The rustls client configuration for a TLS mode (ring, as the service's TLS).
fn tls_connector(mode: TlsMode, rootcert: Option<&Path>, label: &str) -> Result<Tls, CliError> {
    use rustls_pki_types::CertificateDer;
    use rustls_pki_types::pem::PemObject;
    let bad =
        |e: &dyn std::fmt::Display| CliError::new(Code::StoreError, format!("{label}: TLS: {e}"));
    // ring, not aws-lc-rs, as for the service's TLS (see serve::tls_config).
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(|e| bad(&e))?;
    let config = match mode {
        TlsMode::Off => return Ok(Tls::Off),
        TlsMode::Require => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyCert(provider)))
            .with_no_client_auth(),
        TlsMode::VerifyCa | TlsMode::VerifyFull => {
            let Some(file) = rootcert else {
                return Err(bad(
                    &"sslmode=verify-ca and verify-full need sslrootcert=FILE (PEM certificates of the roots to trust)",
                ));
            };
            let mut roots = rustls::RootCertStore::empty();
            for cert in CertificateDer::pem_file_iter(file)
                .map_err(|e| bad(&format!("{}: {e}", file.display())))?
            {
                let cert = cert.map_err(|e| bad(&format!("{}: {e}", file.display())))?;
                roots
                    .add(cert)
                    .map_err(|e| bad(&format!("{}: {e}", file.display())))?;
            }
            if roots.is_empty() {
                return Err(bad(&format!(
                    "{}: no certificate in the file",
                    file.display()
                )));
            }
            let roots = Arc::new(roots);
            if mode == TlsMode::VerifyFull {
                builder.with_root_certificates(roots).with_no_client_auth()
            } else {
                let inner = rustls::client::WebPkiServerVerifier::builder_with_provider(
                    roots,
                    Arc::clone(&provider),
                )
                .build()
                .map_err(|e| bad(&e))?;
                builder
                    .dangerous()
                    .with_custom_certificate_verifier(Arc::new(ChainOnly(inner)))
                    .with_no_client_auth()
            }
        }
    };
    Ok(Tls::Rustls(tokio_postgres_rustls::MakeRustlsConnect::new(
        config,
    )))
}

/// The error of a failed PostgreSQL call: `store-unavailable` when the server cannot be reached
/// or went away (the connection is then thrown away), `store-not-found` for a database that does
/// not exist, else `store-error`.
fn pg_err(label: &str, e: &postgres::Error) -> CliError {
    // tokio-postgres names its error kinds only in their messages: a TLS handshake that fails
    // (a certificate not trusted or not naming the host) and a configuration it refuses are
    // the setup's fault, not an outage.
    let text = e.to_string();
    let setup = text.starts_with("error performing TLS handshake")
        || text.starts_with("invalid configuration");
    let code = match e.code() {
        Some(c) if *c == SqlState::INVALID_CATALOG_NAME => Code::StoreNotFound,
        Some(c) if transient(c) => Code::StoreUnavailable,
        Some(_) => Code::StoreError,
        None if setup => Code::StoreError,
        None => Code::StoreUnavailable,
    };
    let detail = match e.as_db_error() {
        Some(db) => format!("{}: {}", db.code().code(), db.message()),
        None => match std::error::Error::source(e) {
            Some(cause) => format!("{text}: {cause}"),
            None => text,
        },
    };
    CliError::new(code, format!("{label}: {detail}"))
}

/// SQLSTATEs that say "try again": the server is shutting down or starting, the connection
/// failed, a lock or statement timed out, a serialization failure or deadlock.
fn transient(c: &SqlState) -> bool {
    let s = c.code();
    s.starts_with("08")
        || s.starts_with("57P")
        || s.starts_with("53")
        || *c == SqlState::QUERY_CANCELED
        || *c == SqlState::LOCK_NOT_AVAILABLE
        || *c == SqlState::T_R_SERIALIZATION_FAILURE
        || *c == SqlState::T_R_DEADLOCK_DETECTED
}

/// A pooled connection and the statements prepared on it (each SQL text is parsed and planned
/// once per connection, not once per call).
struct PgConn {
    client: Client,
    statements: std::collections::HashMap<&'static str, postgres::Statement>,
}

impl PgConn {
    /// The prepared statement of `sql` on this connection (prepared on first use).
    fn stmt(&mut self, sql: &'static str) -> Result<postgres::Statement, postgres::Error> {
        if let Some(st) = self.statements.get(sql) {
            return Ok(st.clone());
        }
        let st = self.client.prepare(sql)?;
        self.statements.insert(sql, st.clone());
        Ok(st)
    }
}

/// The pool's shared state.
struct Slots {
    idle: Vec<PgConn>,
    open: usize,
}

/// A small pool of connections to one database: at most `max` open, a bounded wait for one.
pub struct Pool {
    config: postgres::Config,
    tls: Tls,
    label: String,
    max: usize,
    slots: Mutex<Slots>,
    freed: Condvar,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A connection checked out of the pool; back in on drop, unless it broke.
struct Conn<'a> {
    pool: &'a Pool,
    client: Option<PgConn>,
}

impl Conn<'_> {
    fn client(&mut self) -> Result<&mut PgConn, CliError> {
        self.client.as_mut().ok_or_else(|| {
            CliError::new(
                Code::StoreUnavailable,
                format!("{}: the connection was lost", self.pool.label),
            )
        })
    }
    /// The error of a failed call; a broken connection is thrown away with every idle one
    /// (after a server restart they are all dead).
    fn fail(&mut self, e: &postgres::Error) -> CliError {
        let err = pg_err(&self.pool.label, e);
        let closed = e.is_closed()
            || e.as_db_error().is_none()
            || self.client.as_ref().is_none_or(|c| c.client.is_closed())
            || err.code == Code::StoreUnavailable;
        if closed {
            self.client = None;
            let dead = std::mem::take(&mut lock(&self.pool.slots).idle);
            let n = dead.len();
            drop(dead);
            let mut s = lock(&self.pool.slots);
            s.open = s.open.saturating_sub(n + 1);
            drop(s);
            self.pool.freed.notify_all();
        }
        err
    }
}

impl Drop for Conn<'_> {
    fn drop(&mut self) {
        let mut s = lock(&self.pool.slots);
        match self.client.take() {
            Some(c) if !c.client.is_closed() => s.idle.push(c),
            Some(_) => s.open = s.open.saturating_sub(1),
            // Already counted out by `fail`.
            None => {}
        }
        drop(s);
        self.pool.freed.notify_one();
    }
}

impl Pool {
    fn connect(&self) -> Result<PgConn, postgres::Error> {
        let client = match &self.tls {
            Tls::Off => self.config.connect(NoTls)?,
            Tls::Rustls(t) => self.config.connect(t.clone())?,
        };
        Ok(PgConn {
            client,
            statements: std::collections::HashMap::new(),
        })
    }

    /// A connection: an idle one, a new one while fewer than `max` are open, else the first one
    /// freed within [`PG_WAIT`] (`store-unavailable` after that).
    fn get(&self) -> Result<Conn<'_>, CliError> {
        let deadline = Instant::now() + PG_WAIT;
        let mut s = lock(&self.slots);
        loop {
            if let Some(c) = s.idle.pop() {
                if c.client.is_closed() {
                    s.open = s.open.saturating_sub(1);
                    continue;
                }
                return Ok(Conn {
                    pool: self,
                    client: Some(c),
                });
            }
            if s.open < self.max {
                s.open += 1;
                drop(s);
                return match self.connect() {
                    Ok(c) => Ok(Conn {
                        pool: self,
                        client: Some(c),
                    }),
                    Err(e) => {
                        lock(&self.slots).open -= 1;
                        self.freed.notify_one();
                        Err(pg_err(&self.label, &e))
                    }
                };
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(CliError::new(
                    Code::StoreUnavailable,
                    format!(
                        "{}: no connection free within {} s ({} in use)",
                        self.label,
                        PG_WAIT.as_secs(),
                        self.max
                    ),
                ));
            }
            s = self
                .freed
                .wait_timeout(s, deadline - now)
                .map(|(g, _)| g)
                .unwrap_or_else(|p| p.into_inner().0);
        }
    }
}

/// The database a connection string names, for messages (never its password): `postgres
/// database NAME on HOST`.
pub fn describe(config: &postgres::Config) -> String {
    let host = config
        .get_hosts()
        .first()
        .map(|h| match h {
            postgres::config::Host::Tcp(s) => s.clone(),
            postgres::config::Host::Unix(p) => p.display().to_string(),
        })
        .unwrap_or_else(|| "localhost".into());
    let db = config
        .get_dbname()
        .or(config.get_user())
        .unwrap_or("postgres");
    format!("postgres database {db:?} on {host}")
}

/// The label of a `--db` value for messages: the path of an SQLite store, the database and host
/// of a PostgreSQL one (never a password).
pub fn label_of(db: &str) -> String {
    match ConnInfo::parse(db)
        .ok()
        .and_then(|c| postgres::Config::from_str(&c.rest).ok())
    {
        Some(c) => describe(&c),
        None => "postgres database (unparsable connection string)".into(),
    }
}

/// What a database holds.
#[derive(Debug, PartialEq, Eq)]
enum Kind {
    /// Nothing: vouch may create its schema.
    Empty,
    /// A vouch store at this schema version.
    Vouch(i32),
    /// Something else.
    Foreign(String),
}

/// What the database holds, in one statement (one snapshot).
fn classify(c: &mut impl GenericClient) -> Result<Kind, postgres::Error> {
    let row = c.query_one(
        "SELECT to_regclass('vouch_meta') IS NOT NULL,
            (SELECT count(*) FROM pg_catalog.pg_class k
               JOIN pg_catalog.pg_namespace n ON n.oid = k.relnamespace
              WHERE k.relkind IN ('r', 'p', 'v', 'm', 'f')
                AND n.nspname NOT IN ('pg_catalog', 'information_schema')
                AND n.nspname NOT LIKE 'pg\\_toast%'
                AND n.nspname NOT LIKE 'pg\\_temp%')",
        &[],
    )?;
    let has_meta: bool = row.get(0);
    let tables: i64 = row.get(1);
    if !has_meta {
        return Ok(if tables == 0 {
            Kind::Empty
        } else {
            Kind::Foreign(format!("{tables} table(s) and no vouch_meta"))
        });
    }
    let rows = c.query(
        "SELECT key, value FROM vouch_meta WHERE key IN ('application', 'schema_version')",
        &[],
    )?;
    let get = |k: &str| {
        rows.iter()
            .find(|r| r.get::<_, String>(0) == k)
            .map(|r| r.get::<_, String>(1))
    };
    Ok(match (get("application"), get("schema_version")) {
        (Some(app), Some(v)) if app == PG_APPLICATION => match v.parse::<i32>() {
            Ok(v) => Kind::Vouch(v),
            Err(_) => Kind::Foreign(format!("schema_version {v:?}")),
        },
        (Some(app), _) if app != PG_APPLICATION => {
            Kind::Foreign(format!("vouch_meta names application {app:?}"))
        }
        _ => Kind::Foreign("vouch_meta without a vouch mark".into()),
    })
}

fn not_vouch(label: &str, why: &str) -> CliError {
    CliError::new(
        Code::NotAVouchDb,
        format!("{label}: not a vouch database ({why}); refusing to touch it"),
    )
}

fn newer(label: &str, v: i32) -> CliError {
    CliError::new(
        Code::NewerSchema,
        format!(
            "{label}: store schema version {v} is newer than this vouch understands ({SCHEMA_VERSION}); refusing to touch it"
        ),
    )
}

/// An attestation store in a PostgreSQL database. Clones share one pool.
#[derive(Clone)]
pub struct PgStore {
    pool: Arc<Pool>,
}

impl PgStore {
    /// Connects to the database `conninfo` names (a `postgres://` URL or a libpq key=value
    /// string) with a pool of at most `pool_size` connections, and in [`OpenMode::Write`] creates
    /// the schema in an empty database (under an advisory lock).
    ///
    /// Errors (exit 2): `not-a-vouch-db` for a database holding anything else, `newer-schema`
    /// for a newer vouch's store, `store-not-found` for a database that does not exist (or, when
    /// reading, holds no store yet), `store-unavailable` when the server cannot be reached,
    /// `store-error` otherwise.
    pub fn open(conninfo: &str, mode: OpenMode, pool_size: usize) -> Result<PgStore, CliError> {
        let info = ConnInfo::parse(conninfo).map_err(|e| {
            CliError::new(
                Code::Usage,
                format!("--db: not a PostgreSQL connection string: {e}"),
            )
        })?;
        let mut config = postgres::Config::from_str(&info.rest).map_err(|e| {
            CliError::new(
                Code::Usage,
                format!("--db: not a PostgreSQL connection string: {e}"),
            )
        })?;
        let label = describe(&config);
        let ms = PG_STATEMENT_TIMEOUT.as_millis();
        // Every commit waits for the WAL flush (an acknowledgement is durable); one statement and
        // one lock wait are bounded.
        let options = format!(
            "{} -c synchronous_commit=on -c statement_timeout={ms} -c lock_timeout={ms} -c idle_in_transaction_session_timeout={ms}",
            config.get_options().unwrap_or("")
        );
        config.options(options.trim());
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(PG_WAIT);
        }
        if config.get_tcp_user_timeout().is_none() {
            config.tcp_user_timeout(PG_STATEMENT_TIMEOUT);
        }
        config.keepalives_idle(Duration::from_secs(30));
        if config.get_application_name().is_none() {
            config.application_name("vouch");
        }
        let rootcert = info
            .rootcert
            .or_else(|| std::env::var_os("PGSSLROOTCERT").map(PathBuf::from));
        let tls = tls_connector(info.mode, rootcert.as_deref(), &label)?;
        if info.mode != TlsMode::Off {
            config.ssl_mode(postgres::config::SslMode::Require);
        } else {
            config.ssl_mode(postgres::config::SslMode::Disable);
        }
        let store = PgStore {
            pool: Arc::new(Pool {
                config,
                tls,
                label,
                max: pool_size.max(1),
                slots: Mutex::new(Slots {
                    idle: Vec::new(),
                    open: 0,
                }),
                freed: Condvar::new(),
            }),
        };
        match mode {
            OpenMode::Read => store.check_readable()?,
            OpenMode::Write => store.migrate()?,
        }
        Ok(store)
    }

    /// The database, for messages.
    pub fn label(&self) -> &str {
        &self.pool.label
    }

    fn check_readable(&self) -> Result<(), CliError> {
        let label = &self.pool.label;
        let mut conn = self.pool.get()?;
        let kind = {
            let c = conn.client()?;
            c.client
                .build_transaction()
                .read_only(true)
                .start()
                .and_then(|mut tx| {
                    let k = classify(&mut tx)?;
                    tx.commit()?;
                    Ok(k)
                })
        };
        match kind.map_err(|e| conn.fail(&e))? {
            Kind::Vouch(v) if v > SCHEMA_VERSION => Err(newer(label, v)),
            Kind::Vouch(v) if v == SCHEMA_VERSION => Ok(()),
            Kind::Vouch(v) => Err(not_vouch(
                label,
                &format!("unknown vouch schema version {v}"),
            )),
            Kind::Empty => Err(CliError::new(
                Code::StoreNotFound,
                format!("{label}: no vouch store in this database (any write creates it)"),
            )),
            Kind::Foreign(why) => Err(not_vouch(label, &why)),
        }
    }

    /// Creates the schema in an empty database, in one transaction under the migration lock; a
    /// process that waited for the lock finds the schema made and does nothing.
    fn migrate(&self) -> Result<(), CliError> {
        let label = self.pool.label.clone();
        self.with(|c| -> Result<Result<(), CliError>, postgres::Error> {
            let mut tx = c.client.transaction()?;
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
            let refused = match classify(&mut tx)? {
                Kind::Empty => {
                    tx.batch_execute(CREATE_V3)?;
                    tx.execute(
                        "INSERT INTO vouch_meta (key, value) VALUES ('application', $1), ('schema_version', $2)",
                        &[&PG_APPLICATION, &SCHEMA_VERSION.to_string()],
                    )?;
                    None
                }
                Kind::Vouch(v) if v == SCHEMA_VERSION => None,
                Kind::Vouch(v) if v > SCHEMA_VERSION => Some(newer(&label, v)),
                Kind::Vouch(v) => Some(not_vouch(
                    &label,
                    &format!("unknown vouch schema version {v}"),
                )),
                Kind::Foreign(why) => Some(not_vouch(&label, &why)),
            };
            match refused {
                // Rolled back: nothing was written.
                Some(e) => Ok(Err(e)),
                None => {
                    tx.commit()?;
                    Ok(Ok(()))
                }
            }
        })?
    }

    /// Runs `f` on a pooled connection; a failure is mapped (and a broken connection dropped).
    fn with<T>(
        &self,
        f: impl FnOnce(&mut PgConn) -> Result<T, postgres::Error>,
    ) -> Result<T, CliError> {
        let mut conn = self.pool.get()?;
        let r = f(conn.client()?);
        r.map_err(|e| conn.fail(&e))
    }

    /// The records `sql` (a `select!`) selects.
    fn records(
        &self,
        sql: &'static str,
        args: &[&(dyn postgres::types::ToSql + Sync)],
    ) -> Result<Vec<Record>, CliError> {
        self.with(|c| {
            let st = c.stmt(sql)?;
            c.client.query(&st, args)
        })
        .map(|rows| rows.iter().map(record_of).collect())
    }

    /// The number of rows of each table: provenance, api_keys, audit_log (`store migrate`).
    pub fn counts(&self) -> Result<[i64; 3], CliError> {
        self.with(|c| {
            let r = c.client.query_one(
                "SELECT (SELECT count(*) FROM provenance), (SELECT count(*) FROM api_keys),
                        (SELECT count(*) FROM audit_log)",
                &[],
            )?;
            Ok([r.get(0), r.get(1), r.get(2)])
        })
    }

    /// Copies a store's contents into this one in one transaction, after checking in it that
    /// this store is empty (`target-not-empty` otherwise, nothing written): records with their
    /// sequence numbers (so history order and cursors stay), API keys, audit rows with their
    /// ids in order; the identity sequences then continue after the highest copied number.
    pub fn import(&self, data: &Export) -> Result<(), CliError> {
        let label = self.pool.label.clone();
        self.with(|c| -> Result<Result<(), CliError>, postgres::Error> {
            let mut tx = c.client.transaction()?;
            tx.batch_execute("LOCK TABLE provenance, api_keys, audit_log IN EXCLUSIVE MODE")?;
            let r = tx.query_one(
                "SELECT (SELECT count(*) FROM provenance) + (SELECT count(*) FROM api_keys)
                        + (SELECT count(*) FROM audit_log)",
                &[],
            )?;
            let n: i64 = r.get(0);
            if n > 0 {
                return Ok(Err(CliError::new(
                    Code::TargetNotEmpty,
                    format!("{label}: the target store is not empty ({n} row(s)); nothing copied"),
                )));
            }
            let ins = tx.prepare(
                "INSERT INTO provenance (seq, urn, payload_type, digest, issuer, committed_at,
                 build_tool, inputs, outputs, recorded_at, verified, warnings, sig, policy_digest,
                 envelope) OVERRIDING SYSTEM VALUE
                 VALUES ($15, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
                 RETURNING seq",
            )?;
            for rec in &data.records {
                insert_row(&mut tx, &ins, rec, &[&rec.seq])?;
            }
            for k in &data.api_keys {
                insert_key(&mut tx, k)?;
            }
            let st = tx.prepare(AUDIT_SQL)?;
            for (at, a) in &data.audit {
                tx.execute(&st, &audit_args(a, at, &i32::from(a.status)))?;
            }
            tx.batch_execute(
                "SELECT setval(pg_get_serial_sequence('provenance', 'seq'),
                               coalesce((SELECT max(seq) FROM provenance), 0) + 1, false)",
            )?;
            tx.commit()?;
            Ok(Ok(()))
        })?
    }
}

/// The SELECT of every record column, then `$tail` (the WHERE and ORDER BY); with `summary`
/// first, the envelope's column is an empty `bytea` (its bytes are not read).
macro_rules! select {
    (@ $envelope:literal, $tail:literal) => {
        concat!(
            "SELECT urn, ",
            $envelope,
            ", payload_type, digest, issuer, committed_at, build_tool, ",
            "inputs, outputs, recorded_at, verified, warnings, seq, sig, policy_digest ",
            "FROM provenance ",
            $tail
        )
    };
    (summary $tail:literal) => {
        select!(@ "''::bytea", $tail)
    };
    ($tail:literal) => {
        select!(@ "envelope", $tail)
    };
}

fn record_of(r: &postgres::Row) -> Record {
    let json_col = |s: Option<String>| s.and_then(|s| RawValue::from_string(s).ok());
    Record {
        urn: r.get(0),
        envelope: r.get(1),
        payload_type: r.get(2),
        digest: r.get(3),
        issuer: r.get(4),
        committed_at: r.get(5),
        build_tool: r.get(6),
        inputs: json_col(r.get(7)),
        outputs: json_col(r.get(8)),
        recorded_at: r.get(9),
        verified: r.get(10),
        warnings: r
            .get::<_, Option<String>>(11)
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default(),
        seq: r.get(12),
        sig: r.get(13),
        policy_digest: r.get(14),
    }
}

/// The INSERT of a record (`$1`..`$14`, in [`insert_row`]'s order), returning its `seq`.
macro_rules! insert_record {
    () => {
        "INSERT INTO provenance (urn, payload_type, digest, issuer, committed_at, build_tool,
         inputs, outputs, recorded_at, verified, warnings, sig, policy_digest, envelope)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING seq"
    };
}

const INSERT_SQL: &str = insert_record!();

const AUDIT_SQL: &str =
    "INSERT INTO audit_log (at, request_id, key_id, action, urn, digest, status,
     outcome) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

/// A record ([`INSERT_SQL`]) and its audit row (`$15`..`$22`, [`audit_args`]) in one statement
/// (one round trip): a stored PUT's writes.
const INSERT_AUDITED_SQL: &str = concat!(
    "WITH r AS (",
    insert_record!(),
    "), a AS (INSERT INTO audit_log (at, request_id, key_id, action, urn, digest, status, outcome)
     VALUES ($15, $16, $17, $18, $19, $20, $21, $22)) SELECT seq FROM r"
);

/// Audit rows from one array per column, inserted in the arrays' order (ids ascending): a batch
/// in one statement, so one round trip and one commit.
const AUDIT_BATCH_SQL: &str =
    "INSERT INTO audit_log (at, request_id, key_id, action, urn, digest, status, outcome)
     SELECT at, request_id, key_id, action, urn, digest, status, outcome
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                 $7::int4[], $8::text[])
          WITH ORDINALITY AS a(at, request_id, key_id, action, urn, digest, status, outcome, n)
     ORDER BY n";

/// The columns of an API key, then the condition.
macro_rules! keys_where {
    ($cond:literal) => {
        concat!(
            "SELECT key_id, name, secret_sha256, scopes, urn_prefixes, created_at, expires_at, ",
            "revoked_at FROM api_keys WHERE ",
            $cond
        )
    };
}

/// Inserts one record with `ins` (the record's fourteen parameters, then `extra`); returns its
/// sequence number.
fn insert_row(
    tx: &mut impl GenericClient,
    ins: &postgres::Statement,
    r: &Record,
    extra: &[&(dyn postgres::types::ToSql + Sync)],
) -> Result<i64, postgres::Error> {
    let warnings = if r.warnings.is_empty() {
        None
    } else {
        serde_json::to_string(&r.warnings).ok()
    };
    let inputs = r.inputs.as_deref().map(RawValue::get);
    let outputs = r.outputs.as_deref().map(RawValue::get);
    let mut args: Vec<&(dyn postgres::types::ToSql + Sync)> = vec![
        &r.urn,
        &r.payload_type,
        &r.digest,
        &r.issuer,
        &r.committed_at,
        &r.build_tool,
        &inputs,
        &outputs,
        &r.recorded_at,
        &r.verified,
        &warnings,
        &r.sig,
        &r.policy_digest,
        &r.envelope,
    ];
    args.extend_from_slice(extra);
    let row = tx.query_one(ins, &args)?;
    Ok(row.get(0))
}

fn insert_key(tx: &mut impl GenericClient, key: &ApiKey) -> Result<u64, postgres::Error> {
    let lists = |v: &[String]| serde_json::to_string(v).unwrap_or_else(|_| "[]".into());
    tx.execute(
        "INSERT INTO api_keys (key_id, name, secret_sha256, scopes, urn_prefixes, created_at,
         expires_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        &[
            &key.key_id,
            &key.name,
            &&key.secret_sha256[..],
            &lists(&key.scopes),
            &lists(&key.urn_prefixes),
            &key.created_at,
            &key.expires_at,
            &key.revoked_at,
        ],
    )
}

/// Takes the advisory locks of these URNs for the rest of the transaction, in one order (of
/// their keys) so that two transactions never wait for each other: writers to one URN take
/// turns, and so a URN's sequence numbers are in commit order.
fn lock_urns<'a>(
    tx: &mut impl GenericClient,
    st: &Statements,
    urns: impl Iterator<Item = &'a str>,
) -> Result<(), postgres::Error> {
    let mut keys: Vec<i32> = urns
        .map(|u| {
            let h = Sha256::digest(u.as_bytes());
            i32::from_be_bytes([h[0], h[1], h[2], h[3]])
        })
        .collect();
    keys.sort_unstable();
    keys.dedup();
    for k in keys {
        tx.execute(&st.lock, &[&URN_LOCK_CLASS, &k])?;
    }
    Ok(())
}

/// The eight parameters of an audit row, in [`AUDIT_SQL`]'s order (`at` and the status as the
/// caller holds them).
fn audit_args<'a>(
    a: &'a AuditEntry,
    at: &'a String,
    status: &'a i32,
) -> [&'a (dyn postgres::types::ToSql + Sync); 8] {
    [
        at,
        &a.request_id,
        &a.key_id,
        &a.action,
        &a.urn,
        &a.digest,
        status,
        &a.outcome,
    ]
}

fn write_audit(
    tx: &mut impl GenericClient,
    st: &postgres::Statement,
    a: &AuditEntry,
) -> Result<u64, postgres::Error> {
    tx.execute(st, &audit_args(a, &super::now(), &i32::from(a.status)))
}

/// One put of [`Store::put_batch`] inside the caller's savepoint (the URN locked): the
/// existence check, then the record and its audit row in one statement (a replay or conflict:
/// the audit row alone).
fn put_in(
    tx: &mut impl GenericClient,
    st: &Statements,
    it: &PutItem<'_>,
) -> Result<PutOutcome, postgres::Error> {
    let record = it.record;
    let existing = tx.query_opt(&st.existing, &[&record.urn, &record.digest])?;
    let existing: Option<(i64, Vec<u8>, Option<String>)> =
        existing.map(|r| (r.get(0), r.get(1), r.get(2)));
    // The audit row of each outcome: its status and what happened.
    let audit = |status: u16, what: &str| AuditEntry {
        status,
        outcome: what.to_string(),
        ..it.audit.clone()
    };
    Ok(match existing {
        Some((seq, envelope, sig)) if envelope == record.envelope && sig == record.sig => {
            write_audit(tx, &st.audit, &audit(200, "replayed"))?;
            PutOutcome::Replayed(seq)
        }
        Some((seq, _, _)) if !it.replace => {
            write_audit(tx, &st.audit, &audit(409, "conflict"))?;
            PutOutcome::Conflict(seq)
        }
        Some(_) => {
            tx.execute(&st.delete, &[&record.urn, &record.digest])?;
            PutOutcome::Replaced(insert_audited(tx, st, record, &audit(201, "replaced"))?)
        }
        None => PutOutcome::Created(insert_audited(tx, st, record, &audit(201, "created"))?),
    })
}

/// Inserts a record and its audit row in one statement; returns the record's sequence number.
fn insert_audited(
    tx: &mut impl GenericClient,
    st: &Statements,
    record: &Record,
    audit: &AuditEntry,
) -> Result<i64, postgres::Error> {
    let (at, status) = (super::now(), i32::from(audit.status));
    insert_row(
        tx,
        &st.insert_audited,
        record,
        &audit_args(audit, &at, &status),
    )
}

/// The statements of a write, prepared (once per connection) before its transaction.
struct Statements {
    lock: postgres::Statement,
    existing: postgres::Statement,
    delete: postgres::Statement,
    insert: postgres::Statement,
    insert_audited: postgres::Statement,
    audit: postgres::Statement,
}

impl Statements {
    fn of(c: &mut PgConn) -> Result<Statements, postgres::Error> {
        Ok(Statements {
            lock: c.stmt("SELECT pg_advisory_xact_lock($1, $2)")?,
            existing: c
                .stmt("SELECT seq, envelope, sig FROM provenance WHERE urn = $1 AND digest = $2")?,
            delete: c.stmt("DELETE FROM provenance WHERE urn = $1 AND digest = $2")?,
            insert: c.stmt(INSERT_SQL)?,
            insert_audited: c.stmt(INSERT_AUDITED_SQL)?,
            audit: c.stmt(AUDIT_SQL)?,
        })
    }
}

fn limit_of(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

impl Store for PgStore {
    fn insert(&mut self, records: &[Record]) -> Result<Vec<bool>, CliError> {
        self.with(|c| {
            let st = Statements::of(c)?;
            let (del, ins) = (st.delete.clone(), st.insert.clone());
            let mut tx = c.client.transaction()?;
            lock_urns(&mut tx, &st, records.iter().map(|r| r.urn.as_str()))?;
            let mut replaced = Vec::with_capacity(records.len());
            for r in records {
                let n = tx.execute(&del, &[&r.urn, &r.digest])?;
                insert_row(&mut tx, &ins, r, &[])?;
                replaced.push(n > 0);
            }
            tx.commit()?;
            Ok(replaced)
        })
    }

    fn put_batch(
        &mut self,
        items: &[PutItem<'_>],
    ) -> Result<Vec<Result<PutOutcome, CliError>>, CliError> {
        let label = self.pool.label.clone();
        self.with(|c| {
            let st = Statements::of(c)?;
            let mut tx = c.client.transaction()?;
            lock_urns(&mut tx, &st, items.iter().map(|i| i.record.urn.as_str()))?;
            if let [it] = items {
                // One put: its own transaction, no savepoint needed.
                return match put_in(&mut tx, &st, it) {
                    Ok(o) => {
                        tx.commit()?;
                        Ok(vec![Ok(o)])
                    }
                    Err(e) if e.as_db_error().is_some() && !e.is_closed() => {
                        tx.rollback()?;
                        Ok(vec![Err(pg_err(&label, &e))])
                    }
                    Err(e) => Err(e),
                };
            }
            let mut out = Vec::with_capacity(items.len());
            for it in items {
                // Each put in a savepoint of its own: one that fails leaves nothing behind and
                // the others still commit.
                let mut sp = tx.transaction()?;
                match put_in(&mut sp, &st, it) {
                    Ok(o) => {
                        sp.commit()?;
                        out.push(Ok(o));
                    }
                    Err(e) if e.as_db_error().is_some() && !e.is_closed() => {
                        // If even the rollback fails, the whole batch fails.
                        sp.rollback()?;
                        out.push(Err(pg_err(&label, &e)));
                    }
                    Err(e) => return Err(e),
                }
            }
            tx.commit()?;
            Ok(out)
        })
    }

    fn latest(&self, urn: &str) -> Result<Option<Record>, CliError> {
        Ok(self
            .records(select!("WHERE urn = $1 ORDER BY seq DESC LIMIT 1"), &[&urn])?
            .into_iter()
            .next())
    }

    /// The latest record for a URN, its envelope left out (an empty `bytea` in its column: the
    /// server neither reads nor sends the envelope's bytes).
    fn latest_summary(&self, urn: &str) -> Result<Option<Record>, CliError> {
        Ok(self
            .records(
                select!(summary "WHERE urn = $1 ORDER BY seq DESC LIMIT 1"),
                &[&urn],
            )?
            .into_iter()
            .next())
    }

    fn history(&self, urn: &str) -> Result<Vec<Record>, CliError> {
        self.records(select!("WHERE urn = $1 ORDER BY seq DESC"), &[&urn])
    }

    fn find(&self, urn: &str, digest: &str) -> Result<Option<Record>, CliError> {
        Ok(self
            .records(select!("WHERE urn = $1 AND digest = $2"), &[&urn, &digest])?
            .into_iter()
            .next())
    }

    fn history_page(
        &self,
        urn: &str,
        before: Option<i64>,
        limit: usize,
    ) -> Result<Vec<Record>, CliError> {
        self.records(
            select!("WHERE urn = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3"),
            &[&urn, &before.unwrap_or(i64::MAX), &limit_of(limit)],
        )
    }

    fn by_digest(&self, digest: &str, limit: usize) -> Result<Vec<Record>, CliError> {
        self.records(
            select!("WHERE digest = $1 ORDER BY seq DESC LIMIT $2"),
            &[&digest, &limit_of(limit)],
        )
    }

    fn by_issuer(&self, issuer: &str, limit: usize) -> Result<Vec<Record>, CliError> {
        self.records(
            select!("WHERE issuer = $1 ORDER BY seq DESC LIMIT $2"),
            &[&issuer, &limit_of(limit)],
        )
    }

    fn audit(&mut self, entry: &AuditEntry) -> Result<(), CliError> {
        self.with(|c| {
            let st = c.stmt(AUDIT_SQL)?;
            write_audit(&mut c.client, &st, entry).map(|_| ())
        })
    }

    /// Every row in one statement, so in one transaction (one durable commit for the batch, all
    /// rows or none), in the order given.
    fn audit_batch(&mut self, entries: &[AuditEntry]) -> Result<(), CliError> {
        if entries.is_empty() {
            return Ok(());
        }
        let at = super::now();
        let column = |f: fn(&AuditEntry) -> Option<&str>| -> Vec<Option<&str>> {
            entries.iter().map(f).collect()
        };
        let ats = vec![at.as_str(); entries.len()];
        let request_ids = column(|a| Some(a.request_id.as_str()));
        let key_ids = column(|a| a.key_id.as_deref());
        let actions = column(|a| Some(a.action.as_str()));
        let urns = column(|a| a.urn.as_deref());
        let digests = column(|a| a.digest.as_deref());
        let statuses: Vec<i32> = entries.iter().map(|a| i32::from(a.status)).collect();
        let outcomes = column(|a| Some(a.outcome.as_str()));
        self.with(|c| {
            let st = c.stmt(AUDIT_BATCH_SQL)?;
            c.client.execute(
                &st,
                &[
                    &ats,
                    &request_ids,
                    &key_ids,
                    &actions,
                    &urns,
                    &digests,
                    &statuses,
                    &outcomes,
                ],
            )
        })
        .map(|_| ())
    }

    fn add_api_key(&mut self, key: &ApiKey) -> Result<(), CliError> {
        self.with(|c| insert_key(&mut c.client, key).map(|_| ()))
    }

    fn api_keys(&self) -> Result<Vec<ApiKey>, CliError> {
        self.keys_where(keys_where!("TRUE ORDER BY created_at, key_id"), &[])
    }

    fn api_key(&self, key_id: &str) -> Result<Option<ApiKey>, CliError> {
        Ok(self
            .keys_where(keys_where!("key_id = $1"), &[&key_id])?
            .into_iter()
            .next())
    }

    fn revoke_api_key(&mut self, key_id: &str, at: &str) -> Result<bool, CliError> {
        self.with(|c| {
            c.client.execute(
                "UPDATE api_keys SET revoked_at = coalesce(revoked_at, $2) WHERE key_id = $1",
                &[&key_id, &at],
            )
        })
        .map(|n| n > 0)
    }

    fn schema_version(&self) -> Result<i32, CliError> {
        let v: String = self.with(|c| {
            c.client
                .query_one(
                    "SELECT value FROM vouch_meta WHERE key = 'schema_version'",
                    &[],
                )
                .map(|r| r.get(0))
        })?;
        v.parse().map_err(|_| {
            CliError::new(
                Code::StoreError,
                format!("{}: schema_version {v:?}", self.pool.label),
            )
        })
    }

    fn concurrent_writers(&self) -> bool {
        true
    }

    fn durable_commits(&self) -> Result<bool, CliError> {
        self.with(|c| {
            let r = c.client.query_one(
                "SELECT current_setting('synchronous_commit'), current_setting('fsync')",
                &[],
            )?;
            let sync: String = r.get(0);
            let fsync: String = r.get(1);
            Ok(sync != "off" && fsync == "on")
        })
    }
}

impl PgStore {
    /// The API keys `sql` (a `keys_where!`) selects, with a statement prepared once per
    /// connection (the key lookup of every authenticated request).
    fn keys_where(
        &self,
        sql: &'static str,
        args: &[&(dyn postgres::types::ToSql + Sync)],
    ) -> Result<Vec<ApiKey>, CliError> {
        let rows = self.with(|c| {
            let st = c.stmt(sql)?;
            c.client.query(&st, args)
        })?;
        Ok(rows
            .iter()
            .map(|r| {
                let list = |s: String| serde_json::from_str::<Vec<String>>(&s).unwrap_or_default();
                let hash: Vec<u8> = r.get(2);
                ApiKey {
                    key_id: r.get(0),
                    name: r.get(1),
                    // A malformed stored hash matches nothing.
                    secret_sha256: <[u8; 32]>::try_from(hash.as_slice()).unwrap_or([0; 32]),
                    scopes: list(r.get(3)),
                    urn_prefixes: list(r.get(4)),
                    created_at: r.get(5),
                    expires_at: r.get(6),
                    revoked_at: r.get(7),
                }
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_locations_are_recognised() {
        assert!(is_postgres("postgres://u@h/db"));
        assert!(is_postgres("postgresql:///db?host=/tmp"));
        assert!(is_postgres("host=/tmp dbname=x"));
        assert!(is_postgres("dbname=x"));
        assert!(!is_postgres("store.db"));
        assert!(!is_postgres("dir/host.db"));
        assert!(!is_postgres("./a b=c"));
    }

    #[test]
    fn tls_settings_are_taken_out_of_the_string() {
        let c = ConnInfo::parse(
            "postgres://u:pw@h/db?sslmode=verify-full&sslrootcert=%2Fca.pem&application_name=x",
        )
        .unwrap();
        assert_eq!(c.mode, TlsMode::VerifyFull);
        assert_eq!(c.rootcert.as_deref(), Some(Path::new("/ca.pem")));
        assert_eq!(c.rest, "postgres://u:pw@h/db?application_name=x");
        let c = ConnInfo::parse("host=h dbname='my db' sslmode=require password='a\\'b'").unwrap();
        assert_eq!(c.mode, TlsMode::Require);
        assert_eq!(c.rest, "host='h' dbname='my db' password='a\\'b'");
        let cfg = postgres::Config::from_str(&c.rest).unwrap();
        assert_eq!(cfg.get_password(), Some(&b"a'b"[..]));
        assert_eq!(cfg.get_dbname(), Some("my db"));
        assert!(ConnInfo::parse("host=h sslmode=sometimes").is_err());
        assert!(ConnInfo::parse("host=h dbname='open").is_err());
    }

    #[test]
    fn labels_never_show_the_password() {
        let l = label_of("postgres://alice:s3cret@db.example:5433/reg");
        assert_eq!(l, "postgres database \"reg\" on db.example");
        assert!(!label_of("host=h password=s3cret").contains("s3cret"));
    }
}
