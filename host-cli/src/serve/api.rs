//! The endpoints of the registry service (docs/serve.md).

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, HttpBody};
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Value as Json, json};
use sha2::{Digest, Sha256};

use super::{ApiError, Deadline, Peer, RefusalBudget, RequestId, Shared, auth};
use crate::error::Code;
use crate::log::Log;
use crate::store::{
    ApiKey, AuditEntry, PutError, PutOutcome, Record, SCHEMA_VERSION, prepare_digest,
};
use crate::util::hex;

/// The registry's message for a PUT without provenance under an enforcing policy.
pub const MISSING_MESSAGE: &str = "DSSE provenance attestation is required in enforce mode.";
/// Longest URN, in bytes.
pub const MAX_URN: usize = 1024;
/// Default page size of history and search.
pub const DEFAULT_LIMIT: usize = 50;
/// Largest page size.
pub const MAX_LIMIT: usize = 500;

/// The router's path templates (the metrics' route labels).
pub const ROUTES: [&str; 7] = [
    "/v1/registry/{urn}",
    "/v1/registry/{urn}/provenance",
    "/v1/registry/{urn}/provenance/{digest}",
    "/v1/provenance",
    "/healthz",
    "/readyz",
    "/metrics",
];

/// Every route, with the request layers.
pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/v1/registry/{urn}", get(get_latest).put(put_record))
        .route("/v1/registry/{urn}/provenance", get(get_history))
        .route("/v1/registry/{urn}/provenance/{digest}", get(get_one))
        .route("/v1/provenance", get(search))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route_layer(axum::middleware::from_fn(super::mark_route))
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&shared),
            super::around,
        ))
        .with_state(shared)
}

async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, Code::NotFound, "no such resource")
}

fn not_found_urn(urn: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        Code::NotFound,
        format!("no record for {urn:?}"),
    )
}

/// A URN as the contract has them: starts with `urn:`, at most [`MAX_URN`] bytes, no control
/// characters.
fn check_urn(urn: &str) -> Result<(), ApiError> {
    if !urn.starts_with("urn:") || urn.len() > MAX_URN || urn.chars().any(char::is_control) {
        return Err(ApiError::bad_request(format!(
            "not a URN (urn:…, at most {MAX_URN} bytes): {:?}",
            urn.chars().take(80).collect::<String>()
        )));
    }
    Ok(())
}

/// `sha256:<64 lowercase hex>` → the hex.
fn parse_digest(s: &str) -> Result<String, ApiError> {
    s.strip_prefix("sha256:")
        .filter(|h| h.len() == 64 && h.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
        .map(str::to_string)
        .ok_or_else(|| ApiError::bad_request("a digest is sha256:<64 lowercase hex digits>"))
}

/// Who is asking: the key, when one was needed and accepted.
enum Caller {
    Anonymous,
    Key(ApiKey),
}

impl Caller {
    fn covers(&self, urn: &str) -> bool {
        match self {
            Caller::Anonymous => true,
            Caller::Key(k) => auth::covers(k, urn),
        }
    }
}

/// Authenticates the request's `X-API-Key` and checks its scope and (when given) the URN. A
/// refusal answers 401 `unauthenticated` (no key, or an unknown, revoked or expired one, all
/// alike) or 403 `forbidden`, with an audit row (batched with other writes), while the client
/// address is within `--refusal-limit`; beyond it, 429 `rate-limited` with `Retry-After`, counted
/// in the metrics, with one `rate-limited` audit row per address every
/// [`super::REFUSAL_MARKER_SECS`]. Reads with `--public-read` need no key.
async fn authorize(
    shared: &Arc<Shared>,
    peer: Option<Peer>,
    headers: &HeaderMap,
    request_id: &str,
    scope: &'static str,
    urn: Option<&str>,
) -> Result<Caller, ApiError> {
    if scope == auth::SCOPE_READ && shared.public_read {
        return Ok(Caller::Anonymous);
    }
    let presented = headers
        .get("x-api-key")
        .map(|v| v.to_str().unwrap_or("").to_string());
    let split = presented
        .as_deref()
        .and_then(auth::split)
        .map(|(id, secret)| (id.to_string(), secret.to_string()));
    let urn_owned = urn.map(str::to_string);
    // The key lookup is one indexed row: on SQLite it runs here, on the request's thread, with a
    // reader connection of the pool (no blocking job: handing each request to another thread and
    // back cost more than the read). On PostgreSQL it is a network round trip on a blocking
    // client, which must not run on the service's async threads: there it is a job like every
    // other read. Only a refusal's audit row (a durable write) is a job either way.
    let check = move |s: &Shared| -> Result<Result<ApiKey, (AuditEntry, StatusCode)>, ApiError> {
        let result: Result<ApiKey, (Option<String>, &'static str, StatusCode)> =
            match (&presented, &split) {
                (None, _) => Err((
                    None,
                    auth::Refusal::Missing.as_str(),
                    StatusCode::UNAUTHORIZED,
                )),
                (Some(_), None) => Err((
                    None,
                    auth::Refusal::Malformed.as_str(),
                    StatusCode::UNAUTHORIZED,
                )),
                (Some(_), Some((id, secret))) => {
                    let stored = s.read(|st| st.api_key(id))?;
                    match auth::check(stored.as_ref(), secret, time::OffsetDateTime::now_utc()) {
                        Err(r) => Err((Some(id.clone()), r.as_str(), StatusCode::UNAUTHORIZED)),
                        Ok(()) => {
                            // `check` succeeded, so the key exists.
                            let key = stored
                                .ok_or_else(|| ApiError::internal("an accepted key vanished"))?;
                            if !auth::has_scope(&key, scope) {
                                Err((Some(id.clone()), "missing-scope", StatusCode::FORBIDDEN))
                            } else if urn_owned.as_deref().is_some_and(|u| !auth::covers(&key, u)) {
                                Err((
                                    Some(id.clone()),
                                    "urn-outside-prefixes",
                                    StatusCode::FORBIDDEN,
                                ))
                            } else {
                                Ok(key)
                            }
                        }
                    }
                }
            };
        match result {
            Ok(key) => Ok(Ok(key)),
            Err((key_id, why, status)) => {
                let entry = AuditEntry {
                    request_id: String::new(),
                    key_id,
                    action: "auth".into(),
                    urn: urn_owned.clone(),
                    digest: None,
                    status: status.as_u16(),
                    outcome: why.to_string(),
                };
                Ok(Err((entry, status)))
            }
        }
    };
    let verdict = if shared.local_reads {
        check(shared)?
    } else {
        shared.job(check).await??
    };

    match verdict {
        Ok(key) => {
            shared.take_token(&key.key_id)?;
            Ok(Caller::Key(key))
        }
        Err((mut entry, status)) => {
            entry.request_id = request_id.to_string();
            let outcome = entry.outcome.clone();
            match shared.refusal_budget(peer) {
                RefusalBudget::Audit => shared.audit(entry).await?,
                RefusalBudget::Limited {
                    marker,
                    retry_after,
                } => {
                    shared
                        .metrics
                        .refusals_rate_limited
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if marker {
                        let entry = AuditEntry {
                            status: 429,
                            outcome: "rate-limited".into(),
                            ..entry
                        };
                        shared.audit(entry).await?;
                    }
                    let mut e = ApiError::new(
                        StatusCode::TOO_MANY_REQUESTS,
                        Code::RateLimited,
                        "too many refused requests from this address; retry later",
                    );
                    e.retry_after = Some(retry_after);
                    return Err(e);
                }
            }
            if status == StatusCode::FORBIDDEN {
                Err(ApiError::new(
                    status,
                    Code::Forbidden,
                    if outcome == "missing-scope" {
                        format!("the API key lacks the {scope} scope")
                    } else {
                        "the URN is outside the API key's URN prefixes".to_string()
                    },
                ))
            } else {
                Err(ApiError::new(
                    status,
                    Code::Unauthenticated,
                    "a valid API key is required (X-API-Key)",
                ))
            }
        }
    }
}

/// The body of a PUT. Unknown members are refused.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PutBody<'a> {
    urn: String,
    #[serde(borrow)]
    card: &'a RawValue,
    #[serde(borrow, default)]
    sig: Option<&'a RawValue>,
    #[serde(borrow, default)]
    provenance: Option<&'a RawValue>,
}

/// The query of a PUT: `?replace=true` replaces a different stored record (needs the
/// `provenance:replace` scope).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PutQuery {
    replace: Option<String>,
}

/// Reads the body, at most `limit` bytes (else 413), by the request's deadline (else 408).
async fn read_body(body: Body, limit: u64, deadline: Deadline) -> Result<Vec<u8>, ApiError> {
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            Code::PayloadTooLarge,
            format!("the request body is larger than {limit} bytes"),
        )
    };
    let mut body = body;
    if body.size_hint().lower() > limit {
        return Err(too_large());
    }
    let read = async {
        let mut buf = Vec::new();
        loop {
            let frame =
                std::future::poll_fn(|cx| std::pin::Pin::new(&mut body).poll_frame(cx)).await;
            match frame {
                None => break,
                Some(Err(_)) => {
                    return Err(ApiError::bad_request("the request body could not be read"));
                }
                Some(Ok(f)) => {
                    if let Ok(data) = f.into_data() {
                        if (buf.len() as u64).saturating_add(data.len() as u64) > limit {
                            return Err(too_large());
                        }
                        buf.extend_from_slice(&data);
                    }
                }
            }
        }
        Ok(buf)
    };
    match tokio::time::timeout_at(deadline.0, read).await {
        Ok(r) => r,
        Err(_) => Err(ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            Code::RequestTimeout,
            "the request body did not arrive in time",
        )),
    }
}

/// The digest a card binds: SHA-256 of the unescaped string, or of the object's bytes as sent.
fn card_digest(card: &RawValue) -> Result<[u8; 32], ApiError> {
    let text = card.get();
    if text.starts_with('"') {
        let s: String = serde_json::from_str(text)
            .map_err(|_| ApiError::bad_request("card is not a readable JSON string"))?;
        Ok(Sha256::digest(s.as_bytes()).into())
    } else if text.starts_with('{') {
        Ok(Sha256::digest(text.as_bytes()).into())
    } else {
        Err(ApiError::bad_request(
            "card must be a JSON string or object",
        ))
    }
}

/// The envelope bytes of `provenance`: an object as sent, or a string's contents; `None` when
/// absent or null.
fn envelope_bytes(p: Option<&RawValue>) -> Result<Option<Vec<u8>>, ApiError> {
    let Some(raw) = p else { return Ok(None) };
    let text = raw.get();
    if text.starts_with('{') {
        Ok(Some(text.as_bytes().to_vec()))
    } else if text.starts_with('"') {
        let s: String = serde_json::from_str(text)
            .map_err(|_| ApiError::bad_request("provenance is not a readable JSON string"))?;
        Ok(Some(s.into_bytes()))
    } else {
        Err(ApiError::bad_request(
            "provenance must be a DSSE envelope (a JSON object, or its text as a string)",
        ))
    }
}

fn content_type_is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
}

fn record_path(urn: &str, digest: &str) -> String {
    // The URN goes back into a path segment: escape what a segment cannot hold.
    let mut seg = String::with_capacity(urn.len());
    for b in urn.bytes() {
        if b.is_ascii_alphanumeric() || b":-._~!$&'()*+,;=@".contains(&b) {
            seg.push(char::from(b));
        } else {
            seg.push_str(&format!("%{b:02X}"));
        }
    }
    format!("/v1/registry/{seg}/provenance/sha256:{digest}")
}

/// `PUT /v1/registry/{urn}`. Every PUT that passes auth leaves an audit row: a stored record's in
/// its transaction, a refused one's (malformed, too large, refused by the policy, conflict) on its
/// own.
async fn put_record(
    State(shared): State<Arc<Shared>>,
    Path(urn): Path<String>,
    axum::Extension(RequestId(rid)): axum::Extension<RequestId>,
    axum::Extension(deadline): axum::Extension<Deadline>,
    query: Result<Query<PutQuery>, axum::extract::rejection::QueryRejection>,
    req: Request,
) -> Result<Response, ApiError> {
    check_urn(&urn)?;
    let Query(query) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let replace = match query.replace.as_deref() {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => return Err(ApiError::bad_request("replace is true or false")),
    };
    let (parts, body) = req.into_parts();
    let peer = parts.extensions.get::<Peer>().copied();
    let caller = authorize(
        &shared,
        peer,
        &parts.headers,
        &rid,
        auth::SCOPE_WRITE,
        Some(&urn),
    )
    .await?;
    if replace {
        // Replacing needs the replace scope as well (checked, and a refusal audited, the same way).
        authorize(
            &shared,
            peer,
            &parts.headers,
            &rid,
            auth::SCOPE_REPLACE,
            Some(&urn),
        )
        .await?;
    }
    let key_id = match &caller {
        Caller::Key(k) => Some(k.key_id.clone()),
        Caller::Anonymous => None,
    };
    let audit = AuditEntry {
        request_id: rid.clone(),
        key_id,
        action: "put".into(),
        urn: Some(urn.clone()),
        digest: None,
        status: 0,
        outcome: String::new(),
    };
    let parsed = parse_put(&shared, &urn, &parts.headers, body, deadline).await;
    let (sha256, envelope, sig) = match parsed {
        Ok(p) => p,
        Err(e) => {
            let entry = AuditEntry {
                status: e.status.as_u16(),
                outcome: e.code.clone(),
                ..audit
            };
            shared.audit(entry).await?;
            return Err(e);
        }
    };
    let audit = AuditEntry {
        digest: Some(hex(&sha256)),
        ..audit
    };
    let urn2 = urn.clone();
    // The job verifies; the commit waits for the committer outside the job (SQLite), or is the
    // job's own transaction on its own connection (PostgreSQL).
    let verdict = shared
        .job(move |s| -> Result<Verdict, ApiError> {
            match prepare_digest(
                &s.policy,
                &urn2,
                sha256,
                envelope,
                MISSING_MESSAGE,
                s.trusted_root.as_deref(),
                &Log::new(false),
            ) {
                Err(PutError::Refused { problem, .. }) => {
                    let outcome = problem.reason.clone().unwrap_or(problem.code.clone());
                    s.metrics.verification(&outcome);
                    let entry = AuditEntry {
                        status: 422,
                        outcome,
                        ..audit
                    };
                    let missing = problem.code == Code::MissingProvenance.as_str();
                    let mut e = ApiError::new(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        if missing {
                            Code::MissingProvenance
                        } else {
                            Code::InvalidProvenance
                        },
                        problem.message,
                    );
                    e.reason = problem.reason;
                    Ok(Verdict::Refused(entry, e))
                }
                Err(PutError::Fatal(e)) => Err(ApiError::unavailable(format!(
                    "the policy cannot verify anything: {e}"
                ))),
                Ok(mut rec) => {
                    s.metrics.verification(match rec.warnings.first() {
                        None => "verified",
                        Some(w) => w.reason.as_deref().unwrap_or(&w.code),
                    });
                    rec.sig = sig;
                    rec.policy_digest = Some(s.policy_sha256.clone());
                    let rec = Arc::new(rec);
                    if s.concurrent_writers {
                        let outcome = s.put_own(&rec, &audit, replace)?;
                        Ok(Verdict::Committed(rec, outcome))
                    } else {
                        Ok(Verdict::Verified(rec, audit))
                    }
                }
            }
        })
        .await??;
    let (rec, outcome) = match verdict {
        Verdict::Refused(entry, e) => {
            shared.audit(entry).await?;
            return Err(e);
        }
        Verdict::Committed(rec, outcome) => (rec, outcome),
        Verdict::Verified(rec, audit) => {
            let outcome = shared.commit_put(Arc::clone(&rec), audit, replace).await?;
            (rec, outcome)
        }
    };
    let (status, seq) = match outcome {
        PutOutcome::Created(seq) | PutOutcome::Replaced(seq) => (StatusCode::CREATED, seq),
        PutOutcome::Replayed(seq) => (StatusCode::OK, seq),
        PutOutcome::Conflict(_) => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                Code::Conflict,
                format!(
                    "a different envelope is stored for {urn:?} at sha256:{}",
                    rec.digest
                ),
            ));
        }
    };
    let location = record_path(&urn, &rec.digest);
    let body = json!({
        "urn": urn,
        "digest": format!("sha256:{}", rec.digest),
        "seq": seq,
        "created": status == StatusCode::CREATED,
        "replaced": matches!(outcome, PutOutcome::Replaced(_)),
        "verified": rec.verified,
        "warnings": rec.warnings,
    });
    let mut resp = (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response();
    if let Ok(v) = HeaderValue::from_str(&location) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    if let Ok(v) = HeaderValue::from_str(&format!("\"sha256:{}\"", rec.digest)) {
        resp.headers_mut().insert(header::ETAG, v);
    }
    Ok(resp)
}

/// What a PUT's verification job found.
enum Verdict {
    /// Refused by the policy: the audit row to write and the answer.
    Refused(AuditEntry, ApiError),
    /// Verified and committed by the job itself (stores with concurrent writers).
    Committed(Arc<Record>, PutOutcome),
    /// Verified, to be committed with its audit row.
    Verified(Arc<Record>, AuditEntry),
}

/// What a PUT's body binds: the card's SHA-256, the envelope bytes (if any) and `sig`'s JSON
/// text (if any). Checks the media type, the size, strict JSON, the shape and the URN.
async fn parse_put(
    shared: &Shared,
    urn: &str,
    headers: &HeaderMap,
    body: Body,
    deadline: Deadline,
) -> Result<([u8; 32], Option<Vec<u8>>, Option<String>), ApiError> {
    if !content_type_is_json(headers) {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Code::UnsupportedMediaType,
            "the request body must be application/json",
        ));
    }
    let bytes = read_body(body, shared.max_body, deadline).await?;
    if let Err(e) = vouch_core::json::parse(&bytes) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            Code::Core(e),
            format!("the request body is not strict JSON: {}", e.message()),
        ));
    }
    let parsed: PutBody<'_> = serde_json::from_slice(&bytes).map_err(|e| {
        ApiError::bad_request(format!(
            "the request body is not {{urn, card, sig, provenance}}: {e}"
        ))
    })?;
    if parsed.urn != urn {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            Code::UrnMismatch,
            format!(
                "the path's URN {urn:?} is not the body's urn {:?}",
                parsed.urn
            ),
        ));
    }
    let sha256 = card_digest(parsed.card)?;
    let envelope = envelope_bytes(parsed.provenance)?;
    let sig = parsed.sig.map(|s| s.get().to_string());
    Ok((sha256, envelope, sig))
}

/// A record's summary, serialized straight from the record (the GET latest answer): the same
/// members as [`summary`] — the record as every report shows one, [`crate::report::record`],
/// with its `seq` — in the same (sorted) order, but never `signer` (GET latest reads the record
/// without its envelope, where the signer is read from).
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct Summary<'a> {
    build_tool: &'a Option<String>,
    builder: Option<&'a str>,
    digest: String,
    payload_type: Option<&'a str>,
    recorded_at: &'a str,
    seq: i64,
    timestamp: &'a str,
    urn: &'a str,
    verified: bool,
    #[serde(serialize_with = "ser_warnings")]
    warnings: &'a [crate::store::Problem],
}

/// A summary's warnings as every report writes them: through a JSON value, so that each
/// warning's members come out in the same (sorted) order. No warnings: `[]` without that step.
fn ser_warnings<S: serde::Serializer>(
    w: &&[crate::store::Problem],
    ser: S,
) -> Result<S::Ok, S::Error> {
    use serde::Serialize as _;
    if w.is_empty() {
        return ser.collect_seq(w.iter());
    }
    serde_json::to_value(w)
        .map_err(serde::ser::Error::custom)?
        .serialize(ser)
}

impl<'a> Summary<'a> {
    fn of(r: &'a Record) -> Self {
        Summary {
            build_tool: &r.build_tool,
            builder: Some(r.issuer.as_str()).filter(|s| !s.is_empty()),
            digest: crate::report::sha256_label(&r.digest),
            payload_type: Some(r.payload_type.as_str()).filter(|s| !s.is_empty()),
            recorded_at: &r.recorded_at,
            seq: r.seq,
            timestamp: &r.committed_at,
            urn: &r.urn,
            verified: r.verified,
            warnings: &r.warnings,
        }
    }
}

fn json_response(v: &impl serde::Serialize) -> Response {
    match serde_json::to_vec(v) {
        Ok(body) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response(),
        Err(_) => ApiError::internal("a response could not be serialized").into_response(),
    }
}

/// A record's summary (history entries, search results, the record itself): the record as every
/// report shows one ([`crate::report::record`]), with its `seq`, and for a record holding a
/// Sigstore bundle its `signer` (certificate and log entries, [`crate::keyless::bundle_signer`],
/// as `vouch store` shows it). GET latest reads no envelope ([`Summary`]) and so has no `signer`.
fn summary(r: &Record) -> Json {
    let mut m = crate::report::record(r);
    m.insert("seq".into(), json!(r.seq));
    if let Some(signer) = crate::keyless::bundle_signer(&r.envelope) {
        m.insert("signer".into(), signer);
    }
    Json::Object(m)
}

fn ok_json(v: &Json) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        v.to_string(),
    )
        .into_response()
}

/// `GET /v1/registry/{urn}`.
async fn get_latest(
    State(shared): State<Arc<Shared>>,
    Path(urn): Path<String>,
    axum::Extension(RequestId(rid)): axum::Extension<RequestId>,
    peer: Option<axum::Extension<Peer>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    check_urn(&urn)?;
    let peer = peer.map(|p| p.0);
    authorize(&shared, peer, &headers, &rid, auth::SCOPE_READ, Some(&urn)).await?;
    // One indexed row without the envelope: read here, on the request's thread (see
    // `authorize`).
    let u = urn.clone();
    let rec = shared
        .job(move |s| s.read(|st| st.latest_summary(&u)))
        .await??;
    match rec {
        Some(r) => Ok(json_response(&Summary::of(&r))),
        None => Err(not_found_urn(&urn)),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Page {
    limit: Option<String>,
    cursor: Option<String>,
}

fn parse_limit(s: Option<&str>) -> Result<usize, ApiError> {
    match s {
        None => Ok(DEFAULT_LIMIT),
        Some(t) => t
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| ApiError::bad_request(format!("limit must be 1 to {MAX_LIMIT}"))),
    }
}

/// `GET /v1/registry/{urn}/provenance`.
async fn get_history(
    State(shared): State<Arc<Shared>>,
    Path(urn): Path<String>,
    axum::Extension(RequestId(rid)): axum::Extension<RequestId>,
    peer: Option<axum::Extension<Peer>>,
    headers: HeaderMap,
    page: Result<Query<Page>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    check_urn(&urn)?;
    let Query(page) = page.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let limit = parse_limit(page.limit.as_deref())?;
    let before = match page.cursor.as_deref() {
        None => None,
        Some(c) => Some(
            c.parse::<i64>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| ApiError::bad_request("cursor is not one this service gave"))?,
        ),
    };
    let peer = peer.map(|p| p.0);
    authorize(&shared, peer, &headers, &rid, auth::SCOPE_READ, Some(&urn)).await?;
    let u = urn.clone();
    let mut records = shared
        .job(move |s| s.read(|st| st.history_page(&u, before, limit + 1)))
        .await??;
    if records.is_empty() && before.is_none() {
        return Err(not_found_urn(&urn));
    }
    let next = if records.len() > limit {
        records.truncate(limit);
        records.last().map(|r| r.seq.to_string())
    } else {
        None
    };
    let list: Vec<Json> = records.iter().map(summary).collect();
    Ok(ok_json(&json!({"urn": urn, "records": list, "next": next})))
}

/// `GET /v1/registry/{urn}/provenance/sha256:{hex}`: the record with its envelope and sig.
async fn get_one(
    State(shared): State<Arc<Shared>>,
    Path((urn, digest)): Path<(String, String)>,
    axum::Extension(RequestId(rid)): axum::Extension<RequestId>,
    peer: Option<axum::Extension<Peer>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    check_urn(&urn)?;
    let hex_digest = parse_digest(&digest)?;
    let peer = peer.map(|p| p.0);
    authorize(&shared, peer, &headers, &rid, auth::SCOPE_READ, Some(&urn)).await?;
    let (u, d) = (urn.clone(), hex_digest.clone());
    let rec = shared.job(move |s| s.read(|st| st.find(&u, &d))).await??;
    let Some(r) = rec else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            Code::NotFound,
            format!("no record for {urn:?} at sha256:{hex_digest}"),
        ));
    };
    let mut v = summary(&r);
    if let Json::Object(m) = &mut v {
        let envelope = if r.envelope.is_empty() {
            Json::Null
        } else {
            // The envelope as stored: JSON when it is JSON (as the service stores it), else text.
            match std::str::from_utf8(&r.envelope)
                .ok()
                .filter(|t| vouch_core::json::parse(t.as_bytes()).is_ok())
                .and_then(|t| serde_json::from_str::<Json>(t).ok())
            {
                Some(j) => j,
                None => json!(String::from_utf8_lossy(&r.envelope)),
            }
        };
        m.insert("envelope".into(), envelope);
        let sig = r
            .sig
            .as_deref()
            .and_then(|s| serde_json::from_str::<Json>(s).ok())
            .unwrap_or(Json::Null);
        m.insert("sig".into(), sig);
    }
    Ok(ok_json(&v))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SearchQuery {
    digest: Option<String>,
    issuer: Option<String>,
    limit: Option<String>,
}

/// `GET /v1/provenance?digest=sha256:{hex}` or `?issuer=`: records of every URN (that the key
/// covers), newest first; none is `[]`.
async fn search(
    State(shared): State<Arc<Shared>>,
    axum::Extension(RequestId(rid)): axum::Extension<RequestId>,
    peer: Option<axum::Extension<Peer>>,
    headers: HeaderMap,
    q: Result<Query<SearchQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(q) = q.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let limit = parse_limit(q.limit.as_deref())?;
    enum By {
        Digest(String),
        Issuer(String),
    }
    let by = match (q.digest, q.issuer) {
        (Some(d), None) => By::Digest(parse_digest(&d)?),
        (None, Some(i)) if !i.is_empty() => By::Issuer(i),
        _ => {
            return Err(ApiError::bad_request(
                "give exactly one of digest=sha256:<hex> and issuer=<builder id>",
            ));
        }
    };
    let peer = peer.map(|p| p.0);
    let caller = authorize(&shared, peer, &headers, &rid, auth::SCOPE_READ, None).await?;
    let records = shared
        .job(move |s| {
            s.read(|st| match &by {
                By::Digest(d) => st.by_digest(d, limit),
                By::Issuer(i) => st.by_issuer(i, limit),
            })
        })
        .await??;
    let list: Vec<Json> = records
        .iter()
        .filter(|r| caller.covers(&r.urn))
        .map(summary)
        .collect();
    Ok(ok_json(&Json::Array(list)))
}

/// `GET /healthz`: the process answers.
async fn healthz() -> Response {
    ok_json(&json!({"status": "ok"}))
}

/// `GET /readyz`: the store answers at the current schema and the policy is loaded.
async fn readyz(State(shared): State<Arc<Shared>>) -> Result<Response, ApiError> {
    let (version, durable) = shared
        .job(|s| -> Result<(i32, bool), ApiError> {
            let version = s.read(|st| st.schema_version())?;
            let durable = s.write(|st| st.durable_commits())?;
            Ok((version, durable))
        })
        .await??;
    if version != SCHEMA_VERSION {
        return Err(ApiError::unavailable(format!(
            "the store is at schema {version}, this vouch needs {SCHEMA_VERSION}"
        )));
    }
    if !durable {
        return Err(ApiError::unavailable(
            "the store's commits are not durable (synchronous is not FULL)",
        ));
    }
    Ok(ok_json(&json!({
        "status": "ready",
        "schemaVersion": version,
        "durableCommits": durable,
        "policySha256": shared.policy_sha256,
        "mode": shared.policy.mode.as_str(),
    })))
}

/// `GET /metrics`: Prometheus text.
async fn metrics(State(shared): State<Arc<Shared>>) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        shared.metrics.render(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Problem;

    /// GET latest's summary, serialized from the struct, is byte for byte the summary every
    /// other answer builds from the report's record.
    #[test]
    fn summary_struct_matches_the_report_record() {
        let mut r = Record {
            urn: "urn:example:a".into(),
            envelope: Vec::new(),
            payload_type: String::new(),
            digest: "ab".repeat(32),
            issuer: String::new(),
            committed_at: "2026-01-02T03:04:05Z".into(),
            build_tool: None,
            inputs: None,
            outputs: None,
            recorded_at: "2026-01-02T03:04:06Z".into(),
            verified: false,
            warnings: vec![Problem {
                code: "missing_provenance".into(),
                message: "no envelope".into(),
                reason: None,
            }],
            seq: 7,
            sig: None,
            policy_digest: None,
        };
        let same = |r: &Record| {
            assert_eq!(
                serde_json::to_string(&Summary::of(r)).unwrap(),
                summary(r).to_string()
            );
        };
        same(&r);
        r.payload_type = "application/vnd.in-toto+json".into();
        r.issuer = "https://ci.example/builder".into();
        r.build_tool = Some("cargo".into());
        r.verified = true;
        r.warnings.clear();
        same(&r);
    }
}
