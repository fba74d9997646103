//! The verification pipeline shared by `vouch verify`, the store and the release gate.
//!
//! Order of checks: policy expiry → envelope structure → payloadType allowed → signatures and
//! threshold over the trusted keys active at the verification time → in-toto Statement
//! (structure, predicateType, builder id, every artifact against every subject).

use serde::Serialize;
use serde_json::{Map, Value as Json};
use time::OffsetDateTime;
use vouch_core::statement::Provenance;
use vouch_core::{ArtifactDigest, Envelope, Error, PublicKey, Statement, TrustedKey, Verifier};

use crate::error::{CliError, Code};
use crate::policy::{KeyStatus, Policy};
use crate::util::{fingerprint_label, json_text};

/// The in-toto payload type.
pub const IN_TOTO: &str = vouch_core::IN_TOTO_PAYLOAD_TYPE;

/// Whether `t` is an in-toto payload type: `application/vnd.in-toto+json` or
/// `application/vnd.in-toto.<predicate>+json`.
pub fn is_in_toto_type(t: &str) -> bool {
    if t == IN_TOTO {
        return true;
    }
    t.strip_prefix("application/vnd.in-toto.")
        .and_then(|r| r.strip_suffix("+json"))
        .is_some_and(|mid| {
            !mid.is_empty() && mid.bytes().all(|b| b.is_ascii_graphic() && b != b'/')
        })
}

/// A trusted key and the label it is reported under.
#[derive(Clone, Debug)]
pub struct LabeledKey {
    /// Policy keyId, or `sha256:<fingerprint>` for a `--key` file.
    pub label: String,
    /// The keyid hint an envelope may use.
    pub keyid: Option<String>,
    /// The key.
    pub key: PublicKey,
}

/// An artifact to match against the subjects.
#[derive(Clone, Debug)]
pub struct Artifact {
    /// How the user named it.
    pub name: String,
    /// Its digests.
    pub digest: ArtifactDigest,
}

/// Everything a verification needs.
#[derive(Clone, Debug, Default)]
pub struct Request<'a> {
    /// `--key` files.
    pub keys: Vec<LabeledKey>,
    /// The policy, if any.
    pub policy: Option<&'a Policy>,
    /// `--threshold` (else the policy's, else 1).
    pub threshold: Option<usize>,
    /// `--payload-type` list (else the policy's, else in-toto).
    pub payload_types: Vec<String>,
    /// `--predicate-type`.
    pub predicate_type: Option<String>,
    /// `--builder-id`.
    pub builder_id: Option<String>,
    /// `--artifact` digests.
    pub artifacts: Vec<Artifact>,
    /// Check only the DSSE layer.
    pub envelope_only: bool,
    /// The verification time.
    pub at: Option<OffsetDateTime>,
}

impl Request<'_> {
    /// Refuses flags that would loosen the policy (usage error, exit 2): flags may tighten a
    /// policy, never loosen it. With a policy, `--threshold` may not be below the policy's
    /// threshold, every `--payload-type` must be one the policy allows (its `payloadTypes`, else
    /// the in-toto types), and every `--key` must be one of the policy's issuers (the keys given
    /// then narrow the policy's keys to those).
    pub fn check_flags(&self) -> Result<(), CliError> {
        if self.threshold == Some(0) {
            return Err(CliError::new(Code::Usage, "--threshold must be at least 1"));
        }
        // The same key material twice (two --key files of one key) is a configuration error, as
        // in a policy and in the core: it must not look like two keys.
        for (i, k) in self.keys.iter().enumerate() {
            if let Some(first) = self.keys.iter().take(i).find(|o| o.key == k.key) {
                return Err(CliError::core_with(
                    Error::DuplicateTrustedKey,
                    format!(
                        "--key {} and --key {} are the same key",
                        first.label, k.label
                    ),
                ));
            }
        }
        let Some(p) = self.policy else {
            return Ok(());
        };
        let loosen = |what: String| {
            CliError::new(
                Code::Usage,
                format!(
                    "{what}: flags may tighten the policy {}, never loosen it",
                    p.path.display()
                ),
            )
        };
        if let Some(t) = self.threshold
            && t < p.threshold
        {
            return Err(loosen(format!(
                "--threshold {t} is below the policy's threshold {}",
                p.threshold
            )));
        }
        for t in &self.payload_types {
            let allowed = match &p.payload_types {
                Some(list) => list.contains(t),
                None => is_in_toto_type(t),
            };
            if !allowed {
                let policy_value = match &p.payload_types {
                    Some(list) => format!("payloadTypes {list:?}"),
                    None => "default payload types (in-toto only)".to_string(),
                };
                return Err(loosen(format!(
                    "--payload-type {t:?} is not allowed by the policy's {policy_value}"
                )));
            }
        }
        for k in &self.keys {
            if !p.issuers.iter().any(|i| i.key == k.key) {
                return Err(loosen(format!(
                    "--key {} is not one of the policy's allowedIssuers",
                    k.label
                )));
            }
        }
        Ok(())
    }
}

/// What a verifier trusts at one time: the policy (narrowed by the flags, which may only
/// tighten it) or the `--key` files, turned into keys with their status, a threshold and the
/// allowed payload types. Made by [`Request::trust`], the one place where a policy becomes what
/// the verification checks (its Statement lists are applied in `check_statement`).
#[derive(Clone, Debug)]
pub struct Trust {
    /// The keys that may count, each with its status at the verification time (policy order).
    pub candidates: Vec<(LabeledKey, KeyStatus)>,
    /// Distinct active keys required.
    pub threshold: usize,
    /// Allowed payload types (`None`: the in-toto types).
    pub payload_types: Option<Vec<String>>,
}

impl Trust {
    /// Whether the envelope's payload type is allowed.
    pub fn allows_payload_type(&self, t: &str) -> bool {
        match &self.payload_types {
            Some(list) => list.iter().any(|a| a == t),
            None => is_in_toto_type(t),
        }
    }
}

impl Request<'_> {
    /// The trust at time `at`: the policy's issuers with their status (revoked, outside their
    /// window, active), narrowed to the `--key` files when both are given, else the `--key` files
    /// (one key once); the threshold (`--threshold`, else the policy's, else 1); the payload
    /// types (`--payload-type`, else the policy's, else in-toto). [`Request::check_flags`] has
    /// made sure that no flag loosens the policy.
    pub fn trust(&self, at: OffsetDateTime) -> Trust {
        let mut candidates: Vec<(LabeledKey, KeyStatus)> = Vec::new();
        if let Some(p) = self.policy {
            for i in &p.issuers {
                if !self.keys.is_empty() && !self.keys.iter().any(|k| k.key == i.key) {
                    continue;
                }
                let k = LabeledKey {
                    label: i.key_id.clone(),
                    keyid: Some(i.key_id.clone()),
                    key: i.key.clone(),
                };
                candidates.push((k, i.status(at)));
            }
        } else {
            for k in &self.keys {
                if !candidates.iter().any(|(c, _)| c.key == k.key) {
                    candidates.push((k.clone(), KeyStatus::Active));
                }
            }
        }
        let payload_types = if self.payload_types.is_empty() {
            self.policy.and_then(|p| p.payload_types.clone())
        } else {
            Some(self.payload_types.clone())
        };
        Trust {
            candidates,
            threshold: self
                .threshold
                .or(self.policy.map(|p| p.threshold))
                .unwrap_or(1),
            payload_types,
        }
    }
}

/// The error part of a report.
#[derive(Clone, Debug, Serialize)]
pub struct ErrorInfo {
    /// Stable code.
    pub code: Code,
    /// Human explanation.
    pub message: String,
}

/// What a verification found; serialised as the `--format json` output.
///
/// The Statement's subjects are not copied out of the payload: they are rendered from the verified
/// payload when the report is written ([`Report::subjects`], the `Serialize` impl), so a Statement
/// with a million subjects costs no more memory than its payload.
#[derive(Clone, Debug)]
pub struct Report {
    /// The verdict.
    pub verified: bool,
    /// Why not, when not verified.
    pub error: Option<ErrorInfo>,
    /// The envelope's payloadType, when it could be read.
    pub payload_type: Option<String>,
    /// Labels of the trusted keys that verified.
    pub keys: Vec<String>,
    /// The Statement summary, when statement checks ran and it parsed.
    pub statement: Option<Json>,
    /// The keyids the envelope's signatures name (unauthenticated hints).
    pub envelope_keyids: Vec<String>,
    /// The verified payload: kept when the caller asked for it (the store) or when the Statement
    /// parsed (its subjects are rendered from it).
    pub payload: Option<Vec<u8>>,
}

impl Report {
    fn new() -> Self {
        Report {
            verified: false,
            error: None,
            payload_type: None,
            keys: Vec::new(),
            statement: None,
            envelope_keyids: Vec::new(),
            payload: None,
        }
    }
    fn fail(mut self, e: CliError) -> Self {
        self.verified = false;
        self.error = Some(ErrorInfo {
            code: e.code,
            message: e.message,
        });
        self
    }

    /// The Statement's subjects (empty when no Statement was parsed), read from the payload.
    pub fn subjects(&self) -> impl Iterator<Item = vouch_core::statement::Subject<'_>> {
        self.statement
            .as_ref()
            .and(self.payload.as_deref())
            .and_then(|p| Statement::parse(p).ok())
            .into_iter()
            .flat_map(|st| st.subjects())
    }
}

/// One subject as JSON: `{"digest": {alg: hex, ...}, "name": ...}` (string digests only).
pub(crate) fn subject_json(s: &vouch_core::statement::Subject<'_>) -> Json {
    let mut d = Map::new();
    for (alg, v) in s.digest.members() {
        if let Some(h) = v.as_str() {
            d.insert(json_text(&alg), Json::String(json_text(&h)));
        }
    }
    serde_json::json!({"digest": d, "name": json_text(&s.name)})
}

/// The `--format json` report of one envelope ([`crate::report::verify_report`]).
impl Serialize for Report {
    fn serialize<S: serde::Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        crate::report::verify_report(self, None, ser)
    }
}

impl Report {
    /// A failed report for an error found before or instead of verification (e.g. an unreadable
    /// envelope file), in the same shape as every other report.
    pub fn from_error(e: &CliError) -> Self {
        Report::new().fail(e.clone())
    }
}

fn provenance_name(p: Provenance) -> &'static str {
    match p {
        Provenance::Other => "other",
        Provenance::SlsaV0 => "slsa-v0",
        Provenance::SlsaV1 => "slsa-v1",
        Provenance::Registry => "registry",
        // A kind the core gained that the report has no name for yet.
        _ => "other",
    }
}

/// Runs the whole pipeline on an envelope's bytes, which stay the caller's. Verification failures
/// are in the report; only usage errors (e.g. no trusted keys at all) are `Err`. The report carries
/// the verified payload (for the store), decoded into a buffer of its own: memory is the envelope
/// plus its payload.
pub fn verify(envelope: &[u8], req: &Request<'_>) -> Result<Report, CliError> {
    let mut report = Report::new();
    let payload = match check_signatures(envelope, req, &mut report)? {
        None => return Ok(report),
        Some(PayloadText::Decoded(p)) => p,
        Some(PayloadText::InPlace(range)) => {
            let text = envelope.get(range).unwrap_or(&[]);
            let mut out = vec![0u8; vouch_core::base64::decoded_len_bound(text.len())];
            match vouch_core::base64::decode_into(text, &mut out) {
                Ok(n) => out.truncate(n),
                Err(e) => return Ok(report.fail(CliError::core(e))),
            }
            out
        }
    };
    Ok(finish(report, payload, req, true))
}

/// Where the payload text sits in the envelope bytes once the signatures have verified.
enum PayloadText {
    /// Plain base64 at this range: decoded in place, in the envelope's own buffer.
    InPlace(std::ops::Range<usize>),
    /// Text with JSON escapes (rare): decoded into a buffer of its own.
    Decoded(Vec<u8>),
}

/// Whether the Statement layer runs for this request and payload type.
fn wants_statement(req: &Request<'_>, report: &Report) -> bool {
    !req.envelope_only
        && (report.payload_type.as_deref().is_some_and(is_in_toto_type)
            || !req.artifacts.is_empty()
            || req.predicate_type.is_some()
            || req.builder_id.is_some())
}

/// [`verify`] on bytes the caller hands over; `keep_payload` asks for the verified payload in
/// the report. Memory stays at the envelope's size plus a constant: signatures are checked while
/// the payload is decoded piece by piece, and the payload (when the Statement checks or the
/// caller need it) is then decoded in place, over its own base64 text, and the buffer shrunk to it.
pub fn verify_owned(
    mut envelope: Vec<u8>,
    req: &Request<'_>,
    keep_payload: bool,
) -> Result<Report, CliError> {
    let mut report = Report::new();
    let text = match check_signatures(&envelope, req, &mut report)? {
        Some(t) => t,
        None => return Ok(report),
    };
    if !wants_statement(req, &report) && !keep_payload {
        report.verified = true;
        return Ok(report);
    }
    let payload = match text {
        PayloadText::Decoded(p) => p,
        PayloadText::InPlace(range) => {
            let Some(field) = envelope.get_mut(range.clone()) else {
                return Ok(report.fail(CliError::core(Error::MalformedEnvelope)));
            };
            match vouch_core::base64::decode_in_place(field) {
                Ok(n) => {
                    // The payload moves to the front of the envelope's buffer, which then
                    // shrinks to it (for a large buffer, in place).
                    envelope.truncate(range.start + n);
                    envelope.drain(..range.start);
                    envelope.shrink_to_fit();
                    envelope
                }
                Err(e) => return Ok(report.fail(CliError::core(e))),
            }
        }
    };
    Ok(finish(report, payload, req, keep_payload))
}

/// The Statement layer on the verified payload, and the verdict. The payload stays in the report
/// when the caller asked for it or the Statement parsed (its subjects are rendered from it).
fn finish(mut report: Report, payload: Vec<u8>, req: &Request<'_>, keep_payload: bool) -> Report {
    let outcome = if wants_statement(req, &report) {
        check_statement(&payload, req, &mut report)
    } else {
        Ok(())
    };
    if keep_payload || report.statement.is_some() {
        report.payload = Some(payload);
    }
    match outcome {
        Ok(()) => {
            report.verified = true;
            report
        }
        Err(e) => report.fail(e),
    }
}

/// The DSSE layer: policy expiry, envelope structure, payloadType, signatures and threshold.
/// Fills `report`; on a verdict of failure returns `Ok(None)` with the error in it, on success
/// where the payload text is.
fn check_signatures(
    envelope: &[u8],
    req: &Request<'_>,
    report: &mut Report,
) -> Result<Option<PayloadText>, CliError> {
    let fail = |report: &mut Report, e: CliError| {
        *report = std::mem::replace(report, Report::new()).fail(e);
        Ok(None)
    };
    if req.keys.is_empty() && req.policy.is_none() {
        return Err(CliError::new(
            Code::Usage,
            "no trusted keys: give --key or --policy",
        ));
    }
    req.check_flags()?;
    let at = req.at.unwrap_or_else(OffsetDateTime::now_utc);

    if let Some(exp) = req.policy.and_then(|p| p.expires)
        && at >= exp
    {
        return fail(
            report,
            CliError::new(
                Code::PolicyExpired,
                format!("the policy expired at {}", crate::util::format_time(exp)),
            ),
        );
    }

    let env = match Envelope::parse(envelope) {
        Ok(env) => env,
        Err(e) => return fail(report, CliError::core(e)),
    };
    report.envelope_keyids = env
        .signatures
        .iter()
        .filter_map(|s| s.keyid.as_ref().map(json_text))
        .collect();
    let payload_type = json_text(&env.payload_type);
    report.payload_type = Some(payload_type.clone());

    let trust = req.trust(at);
    let type_ok = trust.allows_payload_type(&payload_type);
    if !type_ok {
        let e = Error::PayloadTypeNotAllowed;
        return fail(report, CliError::core_with(e, format!("{payload_type:?}")));
    }

    let Trust {
        candidates,
        threshold,
        ..
    } = trust;

    // Which of them signed: the core checks signatures only...
    let types = [payload_type.as_str()];
    let signed: Vec<&(LabeledKey, KeyStatus)> = if candidates.is_empty() {
        Vec::new()
    } else {
        let tk: Vec<TrustedKey<'_>> = candidates
            .iter()
            .map(|(k, _)| TrustedKey {
                key: k.key.clone(),
                keyid: k.keyid.as_deref(),
            })
            .collect();
        let v = Verifier::new(&tk, 1, &types).map_err(CliError::core)?;
        match v.signers_streaming(&env) {
            Ok(s) => s.keys.iter().filter_map(|i| candidates.get(i)).collect(),
            Err(e) => return fail(report, CliError::core(e)),
        }
    };
    // ...and this one step decides whether they count.
    let active = candidates
        .iter()
        .filter(|(_, s)| *s == KeyStatus::Active)
        .count();
    match count_signers(&signed, threshold, active) {
        Ok(labels) => report.keys = labels,
        Err(e) => return fail(report, e),
    }
    if let Some(span) = env.payload_span() {
        return Ok(Some(PayloadText::InPlace(span)));
    }
    // Text with escapes (rare): decoded into a buffer of its own.
    let bound = vouch_core::base64::decoded_len_bound(env.payload.raw().len());
    let mut out = vec![0u8; bound];
    match vouch_core::base64::decode_json_str(&env.payload, &mut out) {
        Ok(n) => {
            out.truncate(n);
            Ok(Some(PayloadText::Decoded(out)))
        }
        Err(e) => fail(report, CliError::core(e)),
    }
}

/// Whether the keys that signed count — the one place where key windows, revocation and the
/// threshold are applied: only active keys (inside their `validFrom`/`validUntil` window, not
/// revoked) count, and they must be `threshold` distinct keys. When none counts but a revoked,
/// expired or not-yet-valid key signed, that key's state is the reason (`key-revoked`, ...).
/// Returns the labels of the keys that count.
fn count_signers(
    signed: &[&(LabeledKey, KeyStatus)],
    threshold: usize,
    active_keys: usize,
) -> Result<Vec<String>, CliError> {
    let labels: Vec<String> = signed
        .iter()
        .filter(|(_, s)| *s == KeyStatus::Active)
        .map(|(k, _)| k.label.clone())
        .collect();
    if labels.len() >= threshold {
        return Ok(labels);
    }
    if labels.is_empty() {
        if let Some((k, s)) = signed.iter().find(|(_, s)| *s != KeyStatus::Active)
            && let Some(code) = s.code()
        {
            return Err(CliError::new(
                code,
                format!(
                    "signed only by key {:?}, which is {}",
                    k.label,
                    status_text(*s)
                ),
            ));
        }
        return Err(CliError::core_with(
            Error::InvalidSignature,
            format!("{active_keys} trusted key(s) active"),
        ));
    }
    Err(CliError::core_with(
        Error::ThresholdNotMet,
        format!("threshold {threshold}, {active_keys} trusted key(s) active"),
    ))
}

/// A value for a message: quoted, or `none`.
fn shown(v: &Option<String>) -> String {
    v.as_ref()
        .map_or_else(|| "none".to_string(), |s| format!("{s:?}"))
}

fn status_text(s: KeyStatus) -> &'static str {
    match s {
        KeyStatus::Revoked => "revoked",
        KeyStatus::NotYetValid => "not valid yet",
        KeyStatus::Expired => "past its validUntil",
        KeyStatus::Active => "active",
    }
}

fn check_statement(payload: &[u8], req: &Request<'_>, report: &mut Report) -> Result<(), CliError> {
    // The envelope itself parsed and verified: a failure here is the payload's.
    let st = Statement::parse(payload).map_err(|e| {
        CliError::core_with(
            e,
            "in the verified payload (the in-toto Statement), not the envelope",
        )
    })?;
    let mut summary = Map::new();
    let ty = st
        .root()
        .get("_type")
        .and_then(|v| v.as_str())
        .map(|s| json_text(&s));
    summary.insert("_type".into(), ty.map(Json::String).unwrap_or(Json::Null));
    let pt = st.predicate_type().map(|s| json_text(&s));
    summary.insert(
        "predicateType".into(),
        pt.clone().map(Json::String).unwrap_or(Json::Null),
    );
    let builder = st.builder_id().map(|s| json_text(&s));
    summary.insert(
        "builderId".into(),
        builder.clone().map(Json::String).unwrap_or(Json::Null),
    );
    summary.insert(
        "provenance".into(),
        Json::String(provenance_name(st.provenance()).into()),
    );
    if st.provenance() == Provenance::Registry {
        // The registry format's facts, where the core says they are (`BuildFacts`).
        let text = |v: Option<vouch_core::json::JsonStr<'_>>| {
            v.map_or(Json::Null, |s| Json::String(json_text(&s)))
        };
        let f = st.build_facts();
        let build_type = st.root().get("buildType").and_then(|v| v.as_str());
        summary.insert("buildType".into(), text(build_type));
        summary.insert("commit".into(), text(f.commit));
        summary.insert("timestamp".into(), text(f.finished_on));
        summary.insert(
            "buildTool".into(),
            text(f.build_tool.and_then(|v| v.as_str())),
        );
    }
    report.statement = Some(Json::Object(summary));

    if let Some(want) = &req.predicate_type {
        st.check_predicate_type(want).map_err(|e| {
            CliError::core_with(e, format!("expected {want:?}, got {}", shown(&pt)))
        })?;
    }
    if let Some(list) = req.policy.and_then(|p| p.predicate_types.as_ref()) {
        match &pt {
            Some(p) if list.contains(p) => {}
            Some(p) => {
                return Err(CliError::core_with(
                    Error::PredicateTypeMismatch,
                    format!("{p:?} is not in the policy's predicateTypes"),
                ));
            }
            None => return Err(CliError::core(Error::MissingPredicateType)),
        }
    }
    if let Some(want) = &req.builder_id {
        st.check_builder_id(want).map_err(|e| {
            CliError::core_with(e, format!("expected {want:?}, got {}", shown(&builder)))
        })?;
    }
    if let Some(list) = req.policy.and_then(|p| p.builder_ids.as_ref()) {
        match &builder {
            Some(b) if list.contains(b) => {}
            Some(b) => {
                return Err(CliError::core_with(
                    Error::BuilderIdMismatch,
                    format!("{b:?} is not in the policy's builderIds"),
                ));
            }
            None => return Err(CliError::core(Error::MissingBuilderId)),
        }
    }
    for a in &req.artifacts {
        st.match_artifact(&a.digest)
            .map_err(|e| CliError::core_with(e, &a.name))?;
    }
    Ok(())
}

/// Labels a `--key` file's key by its fingerprint.
pub fn label_key(key: PublicKey) -> LabeledKey {
    LabeledKey {
        label: fingerprint_label(key.fingerprint()),
        keyid: None,
        key,
    }
}
