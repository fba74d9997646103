//! The attestation store: verified provenance, one record per (URN, artifact digest), behind the
//! [`Store`] trait that every engine implements ([`SqliteStore`] today) and that the CLI, the
//! release gate and a registry service call.
//!
//! What a put records is decided here, once, whatever the engine: [`prepare`] verifies the envelope
//! against the policy and the artifact (the pipeline of [`crate::verify`]) and reads the record's
//! facts from the verified Statement.

mod sqlite;

use std::path::Path;

use serde::Serialize;
use serde_json::value::RawValue;

pub use sqlite::{
    APPLICATION_ID, BUSY_TIMEOUT, OLDEST_READABLE, OpenMode, SCHEMA_VERSION, SqliteStore,
};

use crate::error::{CliError, Code};
use crate::log::Log;
use crate::policy::{Mode, Policy};
use crate::util::{format_time, hash_file, hex, json_text, read_envelope};
use crate::verify;

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
    /// Every record for a URN, newest first.
    fn history(&self, urn: &str) -> Result<Vec<Record>, CliError>;
    /// The record for a URN at an artifact digest (SHA-256, lowercase hex).
    fn find(&self, urn: &str, digest: &str) -> Result<Option<Record>, CliError>;
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
        return Err(CliError::new(Code::Usage, "--urn must not be empty").into());
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
