//! The registry service (`vouch serve`): provenance per manifest over HTTP, verified against a
//! policy before it is stored. The contract — endpoints, what is bound, status codes and bodies,
//! auth, limits — is `docs/serve.md`.
//!
//! Shape: one tokio runtime; an accept loop of its own that serves each connection with hyper's
//! HTTP/1 server, a header read timeout and a whole-request timeout (so a slow client cannot hold
//! a connection), and graceful shutdown on SIGTERM / SIGINT; an axum router for the endpoints
//! ([`api`]). Every store call and every verification runs as a bounded blocking job
//! ([`Shared::job`]): at most `max_jobs` at once, `queue` more waiting, anything beyond answered
//! 503 `overloaded` with `Retry-After`.

mod api;
pub mod auth;
pub mod metrics;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use serde_json::json;
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;

use crate::error::{CliError, Code};
use crate::keyless::ParsedRoot;
use crate::policy::Policy;
use crate::store::{
    AuditEntry, Location, OpenMode, PgStore, PutItem, PutOutcome, Record, SqliteStore, Store,
};
use crate::util::hex;

/// Default `--max-body`: 1 MiB.
pub const DEFAULT_MAX_BODY: u64 = 1 << 20;
/// Default `--max-jobs` on SQLite: blocking jobs running at once.
pub const DEFAULT_MAX_JOBS: usize = 8;
/// Default `--max-jobs` on PostgreSQL: each job holds a connection and waits on the network and
/// on the database's commit, so more of them run at once (≥ 2,000 verified PUT/s at 32 clients on
/// a 2-core machine needs 32; docs/BENCHMARKS.md).
pub const DEFAULT_MAX_JOBS_POSTGRES: usize = 32;
/// Default `--queue`: blocking jobs waiting for a slot. Large enough that a few hundred clients at
/// once wait their turn (at PUT rates of thousands per second a full queue is a wait of a few
/// hundred milliseconds) instead of being shed; `--queue-wait` bounds the wait when jobs are slow.
pub const DEFAULT_QUEUE: usize = 1024;
/// Default `--queue-wait`: how long a job may wait for a slot.
pub const DEFAULT_QUEUE_WAIT: Duration = Duration::from_secs(5);
/// Default `--refusal-limit`: refused authentications per second per client address.
pub const DEFAULT_REFUSAL_LIMIT: u32 = 20;
/// While an address stays over `--refusal-limit`, one `rate-limited` audit row per this many
/// seconds records it (the rest are counted in `vouch_refusals_rate_limited_total`).
pub const REFUSAL_MARKER_SECS: u64 = 10;
/// Client addresses whose refusals are counted one by one; beyond this many, new addresses share
/// one budget (so that the table stays bounded whatever the number of clients).
pub const MAX_TRACKED_ADDRESSES: usize = 4096;

/// How the service runs (the flags of `vouch serve`).
#[derive(Clone, Debug)]
pub struct Config {
    /// The store: an SQLite file (created on first use) or a PostgreSQL connection string
    /// ([`Location::of`]).
    pub db: PathBuf,
    /// The policy every PUT is verified against.
    pub policy: PathBuf,
    /// Where to listen (`127.0.0.1:0`: any free port).
    pub listen: SocketAddr,
    /// Reads need no API key.
    pub public_read: bool,
    /// Plain HTTP on a non-loopback address is allowed.
    pub insecure_plaintext: bool,
    /// TLS: the certificate chain (PEM), with `tls_key`.
    pub tls_cert: Option<PathBuf>,
    /// TLS: the private key (PEM: PKCS#8, SEC1 or PKCS#1), with `tls_cert`.
    pub tls_key: Option<PathBuf>,
    /// Largest request body, in bytes.
    pub max_body: u64,
    /// How long a client may take to send a request's headers.
    pub header_timeout: Duration,
    /// How long a whole request may take (body, verification and commit included).
    pub request_timeout: Duration,
    /// Blocking jobs (verification, store calls) running at once.
    pub max_jobs: usize,
    /// Blocking jobs waiting for a slot before the service answers 503 `overloaded`.
    pub queue: usize,
    /// How long a job may wait for a slot before it is answered 503 `overloaded` (it has done
    /// nothing yet, so the client may retry).
    pub queue_wait: Duration,
    /// How long shutdown waits for requests in flight.
    pub shutdown_grace: Duration,
    /// Requests per second each API key may send (burst: as many at once); 0: no limit.
    pub rate_limit: u32,
    /// Refused authentications per second each client address may cause (burst: as many at
    /// once) before its further refusals are answered 429 `rate-limited` without an audit row
    /// each (see docs/serve.md, "Refused requests"); 0: no limit.
    pub refusal_limit: u32,
}

impl Config {
    /// A configuration with the documented defaults.
    pub fn new(db: PathBuf, policy: PathBuf, listen: SocketAddr) -> Self {
        Config {
            db,
            policy,
            listen,
            public_read: false,
            insecure_plaintext: false,
            tls_cert: None,
            tls_key: None,
            max_body: DEFAULT_MAX_BODY,
            header_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            max_jobs: DEFAULT_MAX_JOBS,
            queue: DEFAULT_QUEUE,
            queue_wait: DEFAULT_QUEUE_WAIT,
            shutdown_grace: Duration::from_secs(10),
            rate_limit: 0,
            refusal_limit: DEFAULT_REFUSAL_LIMIT,
        }
    }
}

/// An error answer: status, code, the core reason when there is one, a message, and
/// `Retry-After` for the service's own trouble. The request id is added when the answer is sent.
#[derive(Clone, Debug)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// The error code (`error` in the body).
    pub code: String,
    /// The core reason code (`reason`), when there is one.
    pub reason: Option<String>,
    /// Human explanation.
    pub message: String,
    /// `Retry-After` seconds.
    pub retry_after: Option<u32>,
}

impl ApiError {
    /// An error with one of the host's codes.
    pub fn new(status: StatusCode, code: Code, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code: code.as_str().to_string(),
            reason: None,
            message: message.into(),
            retry_after: None,
        }
    }
    fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, Code::BadRequest, message)
    }
    fn unavailable(message: impl Into<String>) -> Self {
        let mut e = Self::new(StatusCode::SERVICE_UNAVAILABLE, Code::Unavailable, message);
        e.retry_after = Some(1);
        e
    }
    /// 503 `draining`: the service is shutting down (docs/serve.md, status codes: shutting down
    /// is `draining`, the store's trouble `unavailable`, a full queue `overloaded`).
    fn draining(message: impl Into<String>) -> Self {
        let mut e = Self::new(StatusCode::SERVICE_UNAVAILABLE, Code::Draining, message);
        e.retry_after = Some(1);
        e
    }
    fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, Code::Internal, message)
    }
    /// The answer for a status some layer produced without a body of ours.
    fn from_status(status: StatusCode) -> Self {
        match status {
            StatusCode::NOT_FOUND => Self::new(status, Code::NotFound, "no such resource"),
            StatusCode::METHOD_NOT_ALLOWED => Self::new(
                status,
                Code::MethodNotAllowed,
                "this path does not take this method",
            ),
            StatusCode::PAYLOAD_TOO_LARGE => Self::new(
                status,
                Code::PayloadTooLarge,
                "the request body is too large",
            ),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => Self::new(
                status,
                Code::UnsupportedMediaType,
                "the request body must be application/json",
            ),
            s if s.is_client_error() => Self::new(s, Code::BadRequest, "malformed request"),
            s => Self::new(s, Code::Internal, "internal error"),
        }
    }
    /// The response, with the request id in the body.
    fn render(&self, request_id: &str) -> Response {
        let mut body = serde_json::Map::new();
        body.insert("error".into(), json!(self.code));
        if let Some(r) = &self.reason {
            body.insert("reason".into(), json!(r));
        }
        body.insert("message".into(), json!(self.message));
        body.insert("requestId".into(), json!(request_id));
        let mut resp = (
            self.status,
            [(header::CONTENT_TYPE, "application/json")],
            serde_json::Value::Object(body).to_string(),
        )
            .into_response();
        if let Some(s) = self.retry_after {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        resp
    }
}

impl IntoResponse for ApiError {
    /// A placeholder the request middleware replaces with [`ApiError::render`] (it knows the
    /// request id).
    fn into_response(self) -> Response {
        let mut resp = self.status.into_response();
        resp.extensions_mut().insert(self);
        resp
    }
}

/// The id of one request (in `X-Request-Id`, every error body and the logs).
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

/// Counts a job in `vouch_jobs_in_flight` while it lives.
struct InFlight<'a>(&'a metrics::Metrics);

impl<'a> InFlight<'a> {
    fn new(m: &'a metrics::Metrics) -> Self {
        m.jobs_in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight(m)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.jobs_in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The outcome of one write (`None` for an audit row on its own), sent by the committer once the
/// transaction holding it has committed.
type WriteResult = Result<Option<PutOutcome>, CliError>;

/// A write waiting for the writer.
enum Write {
    /// A put: the record and its audit row, in one transaction.
    Put {
        record: Arc<Record>,
        audit: AuditEntry,
        replace: bool,
    },
    /// An audit row on its own (a refusal).
    Audit(AuditEntry),
}

/// A write waiting for the committer, with where its outcome goes.
struct Pending {
    write: Write,
    reply: tokio::sync::oneshot::Sender<WriteResult>,
}

/// Writes waiting for the committer thread, and whether the service has stopped.
#[derive(Default)]
struct Queue {
    writes: Vec<Pending>,
    stopped: bool,
}

/// The client address a connection came from (set by the accept loop).
#[derive(Clone, Copy, Debug)]
pub struct Peer(pub std::net::IpAddr);

/// Refused authentications of one client address: a token bucket, and when its last
/// `rate-limited` audit row was written.
struct RefusalBucket {
    tokens: f64,
    at: Instant,
    marked: Option<Instant>,
}

/// What to do with one refused authentication.
enum RefusalBudget {
    /// Within the address's budget: answer 401/403 with an audit row.
    Audit,
    /// Over it: answer 429 with `Retry-After`; `marker`: write a `rate-limited` audit row.
    Limited { marker: bool, retry_after: u32 },
}

/// What every request shares.
pub struct Shared {
    db: Location,
    policy: Policy,
    policy_sha256: String,
    /// The roots of the policy's `trustedRoot`, read, checked and parsed once with the policy
    /// (`None`: the policy names none); every Sigstore bundle a PUT carries is verified against
    /// them.
    trusted_root: Option<Vec<ParsedRoot<'static>>>,
    writer: Mutex<Box<dyn Store + Send>>,
    readers: Mutex<Vec<Box<dyn Store + Send>>>,
    /// The store takes writes on several connections at once ([`Store::concurrent_writers`]):
    /// each put commits on its job's own connection instead of queueing for the writer.
    concurrent_writers: bool,
    /// Reads are local (SQLite): a single-row read may run on the request's thread. PostgreSQL's
    /// client blocks on the network, so its reads always run as blocking jobs.
    local_reads: bool,
    admission: Arc<Semaphore>,
    slots: Arc<Semaphore>,
    queue_wait: Duration,
    draining: AtomicBool,
    public_read: bool,
    max_body: u64,
    request_timeout: Duration,
    metrics: metrics::Metrics,
    rate_limit: u32,
    /// Writes waiting for the committer thread (group commit: it commits everything queued
    /// while it was busy in one transaction), and the signal that wakes it.
    pending: Mutex<Queue>,
    pending_ready: std::sync::Condvar,
    refusal_limit: u32,
    /// Per client address (an IPv6 address by its /64; `None`: every address beyond
    /// [`MAX_TRACKED_ADDRESSES`]): refused authentications.
    refusals: Mutex<std::collections::HashMap<Option<std::net::IpAddr>, RefusalBucket>>,
    /// Per API key id: tokens left and when they were counted.
    buckets: Mutex<std::collections::HashMap<String, (f64, Instant)>>,
}

fn lock<T: ?Sized>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Shared {
    /// Runs `f` as a bounded blocking job: admitted if fewer than `max_jobs + queue` jobs are
    /// running or waiting (else 503 `overloaded` with `Retry-After`), then run when one of the
    /// `max_jobs` slots is free (503 `overloaded` if none is within `queue_wait`).
    async fn job<T: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&Shared) -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let overloaded = || {
            let mut e = ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                Code::Overloaded,
                "too many requests in progress; retry later",
            );
            e.retry_after = Some(1);
            e
        };
        let Ok(admitted) = self.admission.clone().try_acquire_owned() else {
            return Err(overloaded());
        };
        // Counted while this request holds the job (also when the request is dropped early: the
        // guard decrements on drop).
        let _gauge = InFlight::new(&self.metrics);
        let slot = match self.slots.clone().try_acquire_owned() {
            Ok(s) => Ok(s),
            Err(_) => {
                match tokio::time::timeout(self.queue_wait, self.slots.clone().acquire_owned())
                    .await
                {
                    Ok(s) => s,
                    Err(_) => return Err(overloaded()),
                }
            }
        };
        let me = Arc::clone(self);
        match slot {
            Ok(slot) => tokio::task::spawn_blocking(move || {
                // Both permits live as long as the job runs, even if the request is gone.
                let _held = (slot, admitted);
                f(&me)
            })
            .await
            .map_err(|_| ApiError::internal("a blocking job failed")),
            Err(_) => Err(ApiError::unavailable("the job queue is closed")),
        }
    }

    /// Runs `f` with a reader connection of the pool (inside a job).
    fn read<T>(&self, f: impl FnOnce(&dyn Store) -> Result<T, CliError>) -> Result<T, ApiError> {
        self.own(|st| f(st))
    }

    /// Runs `f` with the job's own store handle (a reader; with concurrent writers, a handle
    /// that also writes).
    fn own<T>(&self, f: impl FnOnce(&mut dyn Store) -> Result<T, CliError>) -> Result<T, ApiError> {
        let pooled = lock(&self.readers).pop();
        let mut conn = match pooled {
            Some(c) => c,
            // The pool holds one handle per job slot, so this is not expected; a fresh one keeps
            // the service answering if it happens.
            None => self
                .db
                .open(
                    if self.concurrent_writers {
                        OpenMode::Write
                    } else {
                        OpenMode::Read
                    },
                    1,
                )
                .map_err(|e| self.store_error(&e))?,
        };
        let r = f(conn.as_mut());
        lock(&self.readers).push(conn);
        r.map_err(|e| self.store_error(&e))
    }

    /// Commits a put on the job's own connection, in a transaction of its own (inside a job; for
    /// stores that take writes on several connections at once, [`Store::concurrent_writers`]:
    /// the database orders the writers of a URN and groups the commits' flushes).
    fn put_own(
        &self,
        record: &Record,
        audit: &AuditEntry,
        replace: bool,
    ) -> Result<PutOutcome, ApiError> {
        self.own(|st| st.put_once(record, audit, replace))
    }

    /// Runs `f` with the writer connection (inside a job; writers take turns).
    fn write<T>(
        &self,
        f: impl FnOnce(&mut dyn Store) -> Result<T, CliError>,
    ) -> Result<T, ApiError> {
        let mut w = lock(&self.writer);
        f(w.as_mut()).map_err(|e| self.store_error(&e))
    }

    /// Commits a write through the committer thread ([`Shared::run_committer`]) and waits, without
    /// holding a thread or a job slot, until the transaction holding it has committed: the write
    /// is answered only then. With one writer at a time (SQLite) a put is grouped with every
    /// write queued while the previous transaction committed; audit rows of refusals (on either
    /// engine) the same way.
    async fn commit(&self, write: Write) -> Result<Option<PutOutcome>, ApiError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        {
            let mut q = lock(&self.pending);
            if q.stopped {
                drop(q);
                return Err(ApiError::draining("the service is shutting down"));
            }
            q.writes.push(Pending { write, reply });
        }
        self.pending_ready.notify_one();
        match answer.await {
            Ok(r) => r.map_err(|e| self.store_error(&e)),
            // The committer dropped the write without an outcome: it stopped.
            Err(_) => Err(ApiError::unavailable(
                "the write was not committed; its outcome is unknown (retrying is safe)",
            )),
        }
    }

    /// Commits a put through the committer (see [`Shared::commit`]).
    async fn commit_put(
        &self,
        record: Arc<Record>,
        audit: AuditEntry,
        replace: bool,
    ) -> Result<PutOutcome, ApiError> {
        match self
            .commit(Write::Put {
                record,
                audit,
                replace,
            })
            .await?
        {
            Some(o) => Ok(o),
            None => Err(ApiError::internal("a put was committed as an audit row")),
        }
    }

    /// Writes an audit row on its own (a refusal) through the committer; returns once it is
    /// committed.
    async fn audit(&self, entry: AuditEntry) -> Result<(), ApiError> {
        self.commit(Write::Audit(entry)).await.map(|_| ())
    }

    /// The committer thread: waits for queued writes, takes all of them, commits the puts in one
    /// transaction (each in a savepoint of its own, so one that fails leaves the others intact)
    /// and the audit rows of refusals in one more, then hands each its outcome; the writes that
    /// arrive meanwhile make the next batch. One thread of its own (not a job): it waits in
    /// `fsync` without taking a job slot, so the group is as large as the number of writes
    /// waiting, and no job blocks on the writer's lock. Returns once [`Shared::stop_committer`]
    /// was called and the queue is empty.
    fn run_committer(&self) {
        loop {
            let batch = {
                let mut q = lock(&self.pending);
                loop {
                    if !q.writes.is_empty() {
                        break std::mem::take(&mut q.writes);
                    }
                    if q.stopped {
                        return;
                    }
                    q = self
                        .pending_ready
                        .wait(q)
                        .unwrap_or_else(std::sync::PoisonError::into_inner);
                }
            };
            self.commit_batch(batch);
        }
    }

    /// Commits one batch with the writer and sends each write its outcome.
    fn commit_batch(&self, batch: Vec<Pending>) {
        let mut writer = lock(&self.writer);
        let mut puts = Vec::new();
        let mut put_replies = Vec::new();
        let mut audits = Vec::new();
        let mut audit_replies = Vec::new();
        for p in batch {
            match p.write {
                Write::Put {
                    record,
                    audit,
                    replace,
                } => {
                    puts.push((record, audit, replace));
                    put_replies.push(p.reply);
                }
                Write::Audit(a) => {
                    audits.push(a);
                    audit_replies.push(p.reply);
                }
            }
        }
        if !puts.is_empty() {
            let items: Vec<PutItem<'_>> = puts
                .iter()
                .map(|(record, audit, replace)| PutItem {
                    record,
                    audit,
                    replace: *replace,
                })
                .collect();
            match writer.put_batch(&items) {
                Ok(results) => {
                    for (reply, r) in put_replies.into_iter().zip(results) {
                        // A request that is gone no longer waits for its answer.
                        let _ = reply.send(r.map(Some));
                    }
                }
                Err(e) => {
                    for reply in put_replies {
                        let _ = reply.send(Err(e.clone()));
                    }
                }
            }
        }
        if !audits.is_empty() {
            let r = writer.audit_batch(&audits).map(|()| None);
            for reply in audit_replies {
                let _ = reply.send(r.clone());
            }
        }
    }

    /// Stops the committer once the writes queued so far are committed; later writes are
    /// answered 503 `draining`.
    fn stop_committer(&self) {
        lock(&self.pending).stopped = true;
        self.pending_ready.notify_all();
    }

    /// Counts one refused authentication against the client address's budget
    /// (`--refusal-limit` per second, as many at once).
    fn refusal_budget(&self, peer: Option<Peer>) -> RefusalBudget {
        if self.refusal_limit == 0 {
            return RefusalBudget::Audit;
        }
        let rate = f64::from(self.refusal_limit);
        let now = Instant::now();
        let addr = peer.map(|Peer(ip)| match ip {
            std::net::IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => std::net::IpAddr::V4(v4),
                // One budget per /64: a host usually has a whole /64 to pick addresses from.
                None => std::net::IpAddr::V6(std::net::Ipv6Addr::from(
                    v6.to_bits() & !((1u128 << 64) - 1),
                )),
            },
            v4 => v4,
        });
        let mut table = lock(&self.refusals);
        let key = if table.contains_key(&addr) || table.len() < MAX_TRACKED_ADDRESSES {
            addr
        } else {
            // Forget addresses whose budget has refilled; if the table is still full, this
            // address shares the overflow budget.
            let full = Duration::from_secs_f64(1.0 + 1.0 / rate);
            table.retain(|k, b| {
                k.is_none()
                    || now.duration_since(b.at) < full
                    || b.marked.is_some_and(|m| {
                        now.duration_since(m) < Duration::from_secs(REFUSAL_MARKER_SECS)
                    })
            });
            if table.len() < MAX_TRACKED_ADDRESSES {
                addr
            } else {
                None
            }
        };
        let b = table.entry(key).or_insert(RefusalBucket {
            tokens: rate,
            at: now,
            marked: None,
        });
        b.tokens = (b.tokens + now.duration_since(b.at).as_secs_f64() * rate).min(rate);
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            return RefusalBudget::Audit;
        }
        let marker = b
            .marked
            .is_none_or(|m| now.duration_since(m) >= Duration::from_secs(REFUSAL_MARKER_SECS));
        if marker {
            b.marked = Some(now);
        }
        let wait = ((1.0 - b.tokens) / rate).ceil().clamp(1.0, 60.0);
        RefusalBudget::Limited {
            marker,
            retry_after: wait as u32,
        }
    }

    /// Takes one request from the key's token bucket (`rate_limit` per second, as many at once),
    /// or answers 429 `rate-limited` with `Retry-After`. Only authenticated keys have buckets, so
    /// the table is as large as the set of keys in use.
    fn take_token(&self, key_id: &str) -> Result<(), ApiError> {
        if self.rate_limit == 0 {
            return Ok(());
        }
        let rate = f64::from(self.rate_limit);
        let now = Instant::now();
        let mut buckets = lock(&self.buckets);
        let (tokens, at) = buckets.entry(key_id.to_string()).or_insert((rate, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * rate).min(rate);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            return Ok(());
        }
        let wait = ((1.0 - *tokens) / rate).ceil().max(1.0);
        let mut e = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            Code::RateLimited,
            format!(
                "more than {} requests per second with this API key",
                self.rate_limit
            ),
        );
        // At most a few seconds: the rate is at least 1 per second.
        e.retry_after = Some(if wait > 60.0 { 60 } else { wait as u32 });
        Err(e)
    }

    /// A store failure: the service's own trouble, 503 (never a 422).
    fn store_error(&self, e: &CliError) -> ApiError {
        self.metrics.store_errors.fetch_add(1, Ordering::Relaxed);
        eprintln!("vouch serve: store error: {e}");
        ApiError::unavailable(format!("the store is unavailable: {}", e.code))
    }
}

/// Whether the service may listen as configured: TLS needs both `tls_cert` and `tls_key`; plain
/// HTTP is allowed on loopback addresses, elsewhere only with `insecure_plaintext`.
pub fn check_listen(cfg: &Config) -> Result<(), CliError> {
    match (&cfg.tls_cert, &cfg.tls_key) {
        (Some(_), Some(_)) => Ok(()),
        (Some(_), None) | (None, Some(_)) => Err(CliError::new(
            Code::Usage,
            "--tls-cert and --tls-key go together",
        )),
        (None, None) if cfg.listen.ip().is_loopback() || cfg.insecure_plaintext => Ok(()),
        (None, None) => Err(CliError::new(
            Code::Usage,
            format!(
                "--listen {}: not a loopback address; serve TLS (--tls-cert and --tls-key), or pass --insecure-plaintext to serve plain HTTP (behind a TLS-terminating proxy)",
                cfg.listen
            ),
        )),
    }
}

/// The TLS server configuration from PEM files (HTTP/1.1 only).
fn tls_config(
    cert: &std::path::Path,
    key: &std::path::Path,
) -> Result<rustls::ServerConfig, CliError> {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer};
    let bad = |path: &std::path::Path, e: &dyn std::fmt::Display| {
        CliError::new(Code::KeyInvalid, format!("{}: {e}", path.display()))
    };
    let chain = CertificateDer::pem_file_iter(cert)
        .map_err(|e| bad(cert, &e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad(cert, &e))?;
    if chain.is_empty() {
        return Err(bad(cert, &"no certificate in the file"));
    }
    let private = PrivateKeyDer::from_pem_file(key).map_err(|e| bad(key, &e))?;
    // ring, not aws-lc-rs (rustls' default): aws-lc-rs needs cmake and a long C build. rustls
    // 0.23.48 deprecates ring's provider only because it lacks post-quantum key exchange; the
    // classical suites it offers are rustls' defaults.
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| bad(cert, &e))?
        .with_no_client_auth()
        .with_single_cert(chain, private)
        .map_err(|e| bad(key, &e))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// Loads the policy (and the trusted root it names), opens the store (creating or migrating it), listens, logs
/// `listening on http://<addr>` to stderr, and serves until SIGTERM or SIGINT; then stops
/// accepting, lets requests in flight finish (at most `shutdown_grace`) and returns.
pub fn run(cfg: Config) -> Result<(), CliError> {
    check_listen(&cfg)?;
    let tls = match (&cfg.tls_cert, &cfg.tls_key) {
        (Some(c), Some(k)) => Some(tokio_rustls::TlsAcceptor::from(Arc::new(tls_config(c, k)?))),
        _ => None,
    };
    if cfg.max_jobs == 0 {
        return Err(CliError::new(Code::Usage, "--max-jobs must be at least 1"));
    }
    let shared = shared_state(&cfg)?;
    let committer = {
        let s = Arc::clone(&shared);
        std::thread::Builder::new()
            .name("vouch-commit".into())
            .spawn(move || s.run_committer())
            .map_err(|e| CliError::new(Code::Internal, format!("cannot start a thread: {e}")))?
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("vouch-serve")
        .build()
        .map_err(|e| CliError::new(Code::Internal, format!("cannot start the runtime: {e}")))?;
    let r = rt.block_on(serve(cfg, Arc::clone(&shared), tls));
    // Whatever is still queued (requests past the shutdown grace) is committed before this
    // returns.
    shared.stop_committer();
    let _ = committer.join();
    r
}

/// What every request shares, made from the configuration: the policy (and the trusted root it
/// names) loaded and checked, the store opened (created or migrated) with durable commits. The
/// committer thread is not started.
fn shared_state(cfg: &Config) -> Result<Arc<Shared>, CliError> {
    let policy_bytes = std::fs::read(&cfg.policy).map_err(|e| CliError::io(&cfg.policy, &e))?;
    // P-256 keys parsed for the backend once per policy load, not once per PUT.
    let policy = Policy::from_bytes(&cfg.policy, &policy_bytes)?.prepared();
    let policy_sha256 = hex(&Sha256::digest(&policy_bytes));
    // Read and checked once, as the policy is: a trusted root that cannot be used stops the
    // service from starting (its named code, exit 2) instead of failing every bundle PUT.
    let trusted_root = policy
        .trusted_root
        .as_deref()
        .map(|p| crate::keyless::load_trusted_root(p)?.parse_for_life())
        .transpose()?;
    let db = Location::of(&cfg.db);
    let (writer, readers) = open_service_store(&db, cfg.max_jobs)?;
    if !writer.durable_commits()? {
        return Err(CliError::new(
            Code::StoreError,
            format!(
                "{}: cannot make commits durable (SQLite: synchronous = FULL; PostgreSQL: synchronous_commit on and fsync on)",
                db.label()
            ),
        ));
    }
    let concurrent_writers = writer.concurrent_writers();
    Ok(Arc::new(Shared {
        concurrent_writers,
        local_reads: matches!(db, Location::Sqlite(_)),
        db,
        policy,
        policy_sha256,
        trusted_root,
        writer: Mutex::new(writer),
        readers: Mutex::new(readers),
        admission: Arc::new(Semaphore::new(cfg.max_jobs.saturating_add(cfg.queue))),
        slots: Arc::new(Semaphore::new(cfg.max_jobs)),
        queue_wait: cfg.queue_wait,
        draining: AtomicBool::new(false),
        public_read: cfg.public_read,
        max_body: cfg.max_body,
        request_timeout: cfg.request_timeout,
        metrics: metrics::Metrics::default(),
        rate_limit: cfg.rate_limit,
        buckets: Mutex::new(std::collections::HashMap::new()),
        pending: Mutex::new(Queue::default()),
        pending_ready: std::sync::Condvar::new(),
        refusal_limit: cfg.refusal_limit,
        refusals: Mutex::new(std::collections::HashMap::new()),
    }))
}

/// A store of either engine.
type BoxedStore = Box<dyn Store + Send>;

/// The service's writer (commits durable before they return) and one reader per job slot. SQLite:
/// a connection each (`synchronous = FULL` on the writer). PostgreSQL: handles of one pool of
/// `max_jobs + 1` connections (every commit waits for the WAL flush: `synchronous_commit = on`).
fn open_service_store(
    db: &Location,
    max_jobs: usize,
) -> Result<(BoxedStore, Vec<BoxedStore>), CliError> {
    let mut readers: Vec<BoxedStore> = Vec::with_capacity(max_jobs);
    match db {
        Location::Sqlite(path) => {
            let writer = SqliteStore::open(path, OpenMode::Write)?;
            writer.set_synchronous_full()?;
            for _ in 0..max_jobs {
                readers.push(Box::new(SqliteStore::open(path, OpenMode::Read)?));
            }
            Ok((Box::new(writer), readers))
        }
        Location::Postgres(conninfo) => {
            let pool = PgStore::open(conninfo, OpenMode::Write, max_jobs.saturating_add(1))?;
            for _ in 0..max_jobs {
                readers.push(Box::new(pool.clone()));
            }
            Ok((Box::new(pool), readers))
        }
    }
}

/// SIGTERM or SIGINT (Ctrl-C).
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

async fn serve(
    cfg: Config,
    shared: Arc<Shared>,
    tls: Option<tokio_rustls::TlsAcceptor>,
) -> Result<(), CliError> {
    let listener = tokio::net::TcpListener::bind(cfg.listen)
        .await
        .map_err(|e| CliError::new(Code::IoError, format!("--listen {}: {e}", cfg.listen)))?;
    let addr = listener
        .local_addr()
        .map_err(|e| CliError::new(Code::IoError, format!("--listen {}: {e}", cfg.listen)))?;
    let app = api::router(Arc::clone(&shared));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(cfg.header_timeout)
        .max_headers(64)
        .max_buf_size(16 * 1024)
        .keep_alive(true);
    eprintln!(
        "listening on {}://{addr}",
        if tls.is_some() { "https" } else { "http" }
    );
    let flusher = tokio::spawn(async {
        let mut every = tokio::time::interval(LOG_FLUSH);
        loop {
            every.tick().await;
            flush_log();
        }
    });
    let mut stop = std::pin::pin!(shutdown_signal());
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(x) => x,
                    Err(e) => {
                        // Out of descriptors and the like: back off instead of spinning.
                        eprintln!("vouch serve: accept: {e}");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let service = TowerToHyperService::new(WithPeer {
                    app: app.clone(),
                    peer: Peer(peer.ip()),
                });
                match &tls {
                    None => {
                        let conn = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
                        tokio::spawn(async move {
                            let _ = conn.await;
                        });
                    }
                    Some(acceptor) => {
                        // The handshake runs in the connection's own task, bounded by the header
                        // timeout: a client that never finishes it holds nothing for long.
                        let (acceptor, http, limit) = (acceptor.clone(), http.clone(), cfg.header_timeout);
                        let watcher = graceful.watcher();
                        tokio::spawn(async move {
                            let Ok(Ok(stream)) = tokio::time::timeout(limit, acceptor.accept(stream)).await else {
                                return;
                            };
                            let _ = watcher.watch(http.serve_connection(TokioIo::new(stream), service)).await;
                        });
                    }
                }
            }
            () = &mut stop => break,
        }
    }
    drop(listener);
    flush_log();
    shared.draining.store(true, Ordering::Relaxed);
    eprintln!("vouch serve: shutting down: no new connections; finishing requests in flight");
    tokio::select! {
        () = graceful.shutdown() => {
            flusher.abort();
            flush_log();
            eprintln!("vouch serve: stopped");
        }
        () = tokio::time::sleep(cfg.shutdown_grace) => {
            flusher.abort();
            flush_log();
            eprintln!(
                "vouch serve: stopped after {} s with requests still in flight",
                cfg.shutdown_grace.as_secs()
            );
        }
    }
    Ok(())
}

/// A fresh request id: 16 hex digits. Ids need to be unique, not secret: each thread draws a
/// random 64-bit seed once (from the system; from the clock and a counter when it has none) and
/// then steps a SplitMix64 sequence, which repeats no value within 2^64 steps — a system call per
/// request was measurable on the GET path.
fn new_request_id() -> String {
    thread_local! {
        static STATE: std::cell::Cell<Option<u64>> = const { std::cell::Cell::new(None) };
    }
    let x = STATE.with(|s| {
        let seed = s.get().unwrap_or_else(|| {
            let mut b = [0u8; 8];
            if getrandom::fill(&mut b).is_err() {
                static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
                let t = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_nanos() as u64);
                b = (t ^ N.fetch_add(1, Ordering::Relaxed).rotate_left(32)).to_be_bytes();
            }
            u64::from_be_bytes(b)
        });
        let next = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        s.set(Some(next));
        next
    });
    let mut z = x;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    hex(&z.to_be_bytes())
}

/// Request log lines waiting to be written to stderr. One `write` per request was a measurable
/// part of a GET; lines are buffered here and written by [`flush_log`] every
/// [`LOG_FLUSH`] (and when the buffer passes [`LOG_BUFFER`] bytes, and at shutdown), so a crash
/// loses at most that much of the request log (never an acknowledged write).
static LOG: Mutex<Vec<u8>> = Mutex::new(Vec::new());
/// How often buffered request log lines are written.
const LOG_FLUSH: Duration = Duration::from_millis(100);
/// Buffered request log bytes that make the next line write them at once.
const LOG_BUFFER: usize = 64 * 1024;

/// Buffers one request log line.
fn log_line(line: &str) {
    let mut buf = lock(&LOG);
    buf.extend_from_slice(line.as_bytes());
    buf.push(b'\n');
    if buf.len() >= LOG_BUFFER {
        let out = std::mem::take(&mut *buf);
        drop(buf);
        write_log(&out);
    }
}

/// Writes the buffered request log lines to stderr.
fn flush_log() {
    let out = std::mem::take(&mut *lock(&LOG));
    if !out.is_empty() {
        write_log(&out);
    }
}

fn write_log(bytes: &[u8]) {
    use std::io::Write as _;
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(bytes);
    let _ = err.flush();
}

/// A method's metrics label: the standard ones by name, anything else `other` (a client chooses
/// the method, so made-up ones must not grow the metrics).
fn method_label(m: &axum::http::Method) -> &'static str {
    match m.as_str() {
        "GET" => "GET",
        "PUT" => "PUT",
        "POST" => "POST",
        "DELETE" => "DELETE",
        "HEAD" => "HEAD",
        "OPTIONS" => "OPTIONS",
        "PATCH" => "PATCH",
        _ => "other",
    }
}

/// A route's metrics label: one of the router's path templates, else `unmatched`.
fn route_label(path: &str) -> &'static str {
    api::ROUTES
        .iter()
        .find(|r| **r == path)
        .copied()
        .unwrap_or("unmatched")
}

/// When the client must have sent the whole request (the start plus `--request-timeout`).
#[derive(Clone, Copy, Debug)]
pub struct Deadline(pub tokio::time::Instant);

/// The route a response came from (set by the router's route layer).
#[derive(Clone, Copy, Debug)]
struct Route(&'static str);

/// Around every request: a request id, the whole-request timeout, error bodies in the one shape
/// (with the request id), metrics and one log line.
async fn around(
    axum::extract::State(shared): axum::extract::State<Arc<Shared>>,
    mut req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let id = new_request_id();
    let start = Instant::now();
    let method = method_label(req.method());
    let path = req.uri().path().to_string();
    req.extensions_mut().insert(RequestId(id.clone()));
    let deadline = tokio::time::Instant::now() + shared.request_timeout;
    req.extensions_mut().insert(Deadline(deadline));
    // What the client sends must arrive by the deadline (else 408, see `api::read_body`). The
    // service's own work (verification, commit) is bounded by the job slots; this outer bound
    // only catches a request stuck past twice the timeout, and answers 503: a write may have
    // committed, so the outcome is unknown (never a 4xx that would say it failed).
    let cap = deadline + shared.request_timeout;
    // Shutting down: requests already in flight finish; one that starts now (on a kept-alive
    // connection) is refused.
    let work = async {
        if shared.draining.load(Ordering::Relaxed) {
            return ApiError::draining("the service is shutting down").into_response();
        }
        next.run(req).await
    };
    let mut resp = match tokio::time::timeout_at(cap, work).await {
        Ok(r) => r,
        Err(_) => ApiError::unavailable(
            "the request did not finish in time; its outcome is unknown (retrying is safe)",
        )
        .into_response(),
    };
    let route = resp
        .extensions()
        .get::<Route>()
        .map_or("unmatched", |r| r.0);
    let status = resp.status();
    let is_json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if let Some(e) = resp.extensions_mut().remove::<ApiError>() {
        resp = e.render(&id);
    } else if (status.is_client_error() || status.is_server_error()) && !is_json {
        resp = ApiError::from_status(status).render(&id);
    }
    if let Ok(v) = HeaderValue::from_str(&id) {
        resp.headers_mut().insert("x-request-id", v);
    }
    let took = start.elapsed();
    shared
        .metrics
        .request(route, method, resp.status().as_u16(), took);
    log_line(&format!(
        "request id={id} method={method} route={route} path={path:?} status={} ms={:.3}",
        resp.status().as_u16(),
        took.as_secs_f64() * 1000.0
    ));
    resp
}

/// Marks the response with the route that answered it (for the metrics).
async fn mark_route(
    matched: Option<axum::extract::MatchedPath>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let route = matched.map_or("unmatched", |m| route_label(m.as_str()));
    let mut resp = next.run(req).await;
    resp.extensions_mut().insert(Route(route));
    resp
}

/// The router with the connection's client address put into each request's extensions.
#[derive(Clone)]
struct WithPeer {
    app: axum::Router,
    peer: Peer,
}

impl<B> tower_service::Service<axum::http::Request<B>> for WithPeer
where
    B: axum::body::HttpBody<Data = axum::body::Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    type Response = Response;
    type Error = std::convert::Infallible;
    type Future = <axum::Router as tower_service::Service<axum::http::Request<B>>>::Future;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        tower_service::Service::<axum::http::Request<B>>::poll_ready(&mut self.app, cx)
    }

    fn call(&mut self, mut req: axum::http::Request<B>) -> Self::Future {
        req.extensions_mut().insert(self.peer);
        self.app.call(req)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Export;

    fn record(urn: &str) -> Arc<Record> {
        Arc::new(Record {
            urn: urn.into(),
            envelope: b"{}".to_vec(),
            payload_type: "application/vnd.in-toto+json".into(),
            digest: "ab".repeat(32),
            issuer: "https://ci.example/builder".into(),
            committed_at: "2026-01-02T03:04:05Z".into(),
            build_tool: None,
            inputs: None,
            outputs: None,
            recorded_at: "2026-01-02T03:04:06Z".into(),
            verified: true,
            warnings: Vec::new(),
            seq: 0,
            sig: None,
            policy_digest: None,
        })
    }

    fn audit(urn: &str, outcome: &str) -> AuditEntry {
        AuditEntry {
            request_id: "req-1".into(),
            key_id: None,
            action: "put".into(),
            urn: Some(urn.into()),
            digest: Some("ab".repeat(32)),
            status: 201,
            outcome: outcome.into(),
        }
    }

    fn service(dir: &std::path::Path) -> Arc<Shared> {
        let policy =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/hello/policy.json");
        let cfg = Config::new(dir.join("store.db"), policy, "127.0.0.1:0".parse().unwrap());
        shared_state(&cfg).unwrap()
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    fn is_503(e: &ApiError, code: &str, message: &str) {
        assert_eq!(e.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(e.code, code);
        assert_eq!(e.retry_after, Some(1));
        assert_eq!(e.message, message);
    }

    fn stored(dir: &std::path::Path) -> Export {
        SqliteStore::open(&dir.join("store.db"), OpenMode::Read)
            .unwrap()
            .export()
            .unwrap()
    }

    /// A write queued while the committer runs is committed and answered; once the committer has
    /// stopped (shutdown, past the grace), a put and an audit row are answered 503 `draining`
    /// with `Retry-After` and write nothing.
    #[test]
    fn writes_after_the_committer_stopped_are_503_and_write_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let shared = service(dir.path());
        let committer = {
            let s = Arc::clone(&shared);
            std::thread::spawn(move || s.run_committer())
        };
        let rt = runtime();
        let urn = "urn:example:committed";
        let out = rt
            .block_on(shared.commit_put(record(urn), audit(urn, "created"), false))
            .unwrap();
        assert!(matches!(out, PutOutcome::Created(_)), "{out:?}");
        shared.stop_committer();
        committer.join().unwrap();

        // Bounded: a write nobody will commit must be answered, not left waiting.
        fn answered<T>(rt: &tokio::runtime::Runtime, f: impl Future<Output = T>) -> T {
            rt.block_on(async { tokio::time::timeout(Duration::from_secs(10), f).await })
                .expect("a write after the committer stopped was left waiting")
        }
        let late = "urn:example:late";
        let e = answered(
            &rt,
            shared.commit_put(record(late), audit(late, "created"), false),
        )
        .unwrap_err();
        is_503(&e, "draining", "the service is shutting down");
        let e = answered(&rt, shared.audit(audit(late, "unknown-key"))).unwrap_err();
        is_503(&e, "draining", "the service is shutting down");

        let all = stored(dir.path());
        let urns: Vec<&str> = all.records.iter().map(|r| r.urn.as_str()).collect();
        assert_eq!(urns, [urn]);
        let outcomes: Vec<(&str, &str)> = all
            .audit
            .iter()
            .map(|(_, a)| (a.urn.as_deref().unwrap_or(""), a.outcome.as_str()))
            .collect();
        assert_eq!(outcomes, [(urn, "created")]);
    }

    /// A write the committer drops without an outcome (a committer that died with it queued) is
    /// answered 503 `unavailable`, outcome unknown, never a success.
    #[test]
    fn a_write_dropped_by_the_committer_is_503_outcome_unknown() {
        let dir = tempfile::tempdir().unwrap();
        let shared = service(dir.path());
        let urn = "urn:example:dropped";
        let e = runtime()
            .block_on(async {
                let put = shared.commit_put(record(urn), audit(urn, "created"), false);
                let drop_queued = async {
                    loop {
                        let taken = std::mem::take(&mut lock(&shared.pending).writes);
                        if !taken.is_empty() {
                            assert_eq!(taken.len(), 1);
                            return;
                        }
                        tokio::task::yield_now().await;
                    }
                };
                tokio::join!(put, drop_queued).0
            })
            .unwrap_err();
        is_503(
            &e,
            "unavailable",
            "the write was not committed; its outcome is unknown (retrying is safe)",
        );
        assert!(stored(dir.path()).records.is_empty());
    }
}
