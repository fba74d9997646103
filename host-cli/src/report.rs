//! How every subcommand reports, in one place: an error for humans, and one JSON shape for
//! everything `--format json` prints.
//!
//! **The JSON shape** (every subcommand; `docs/json.md` in the repository documents it):
//!
//! * one JSON object, printed compact on one line and ended by a newline, its members in sorted
//!   order ([`line()`]);
//! * `"ok": true` exactly when the command exits 0, else `"ok": false` ([`success`], and every
//!   builder below);
//! * a failure carries `"error": {"code", "message"[, "reason"]}` ([`error_object`]), `reason`
//!   only when there is one (the core code behind a registry refusal);
//! * a digest vouch computed or stored is written `"sha256:<hex>"` ([`sha256_label`]); digests
//!   quoted from a Statement (`subjects`, a record's `inputs` / `outputs`) stay as the Statement
//!   wrote them (in-toto `{"sha256": "<hex>"}` maps);
//! * a time is RFC 3339 UTC; a stored record names its times as the registry service does
//!   (`timestamp`: when the build finished, from the Statement; `recordedAt`: when it was
//!   stored), other events `<event>At` (`createdAt`, `expiresAt`, `revokedAt`); `policy check`
//!   keeps the policy file's own names (`expires`, `validFrom`, `validUntil`) and `at`;
//! * a stored record is the registry's record ([`record`]), in the CLI and in `vouch serve`'s
//!   bodies alike.
//!
//! What is not a report is printed as itself: `vouch statement` and `vouch sign` without `--out`
//! print the Statement / the envelope (pretty and compact JSON respectively), not an object with
//! `ok`.

use serde::Serialize;
use serde_json::{Map, Value as Json, json};

use crate::error::CliError;
use crate::gate::GateReport;
use crate::store::{Problem, Record};
use crate::verify::Report;

/// The `error` object: `{"code", "message"}`, with `"reason"` (the core code behind a registry
/// refusal) when there is one.
pub fn error_object(e: &CliError, reason: Option<&str>) -> Json {
    match reason {
        Some(r) => json!({"code": e.code, "reason": r, "message": e.message}),
        None => json!({"code": e.code, "message": e.message}),
    }
}

/// The `error` object of a provenance problem (a refused put): `{"code", "message"[, "reason"]}`
/// like every other error object.
pub fn problem_object(p: &Problem) -> Json {
    match &p.reason {
        Some(r) => json!({"code": p.code, "reason": r, "message": p.message}),
        None => json!({"code": p.code, "message": p.message}),
    }
}

/// The JSON document of a command that failed: `{"ok": false, "error": {...}}`.
pub fn error_json(e: &CliError) -> Json {
    json!({"ok": false, "error": error_object(e, None)})
}

/// The line a human sees on stderr: `vouch: <code>: <message>`, control characters escaped.
pub fn error_line(e: &CliError) -> String {
    format!("vouch: {}: {}", e.code, crate::gate::show_text(&e.message))
}

/// A successful command's document: `fields` (an object) with `"ok": true`.
pub fn success(fields: Json) -> Json {
    with_ok(fields, true)
}

/// `fields` (an object) with `"ok"` set to `ok`.
pub fn with_ok(fields: Json, ok: bool) -> Json {
    match fields {
        Json::Object(mut m) => {
            m.insert("ok".into(), Json::Bool(ok));
            Json::Object(m)
        }
        other => json!({"ok": ok, "value": other}),
    }
}

/// A document as printed: compact JSON on one line, then a newline.
pub fn line(doc: &Json) -> String {
    let mut s = doc.to_string();
    s.push('\n');
    s
}

/// A SHA-256 digest given in lowercase hex, as every report writes digests: `sha256:<hex>`.
pub fn sha256_label(hex: &str) -> String {
    format!("sha256:{hex}")
}

/// Serde helper: a hex SHA-256 field written as [`sha256_label`].
pub fn ser_sha256<S: serde::Serializer>(hex: &str, ser: S) -> Result<S::Ok, S::Error> {
    ser.serialize_str(&sha256_label(hex))
}

/// Serde helper: an optional hex SHA-256 field written as [`sha256_label`].
pub fn ser_sha256_opt<S: serde::Serializer>(
    hex: &Option<String>,
    ser: S,
) -> Result<S::Ok, S::Error> {
    match hex {
        Some(h) => ser_sha256(h, ser),
        None => ser.serialize_none(),
    }
}

fn text_or_null(s: &str) -> Json {
    if s.is_empty() { Json::Null } else { json!(s) }
}

/// A stored record as the registry reports it — `{urn, digest, builder, timestamp, verified,
/// payloadType, buildTool, recordedAt, warnings}` (`builder` and `payloadType` null when the
/// record has none) — the shape of `vouch serve`'s summaries (which add `seq`) and of the
/// records `vouch store` prints (which add `inputs` and `outputs`, see [`store_record`]).
pub fn record(r: &Record) -> Map<String, Json> {
    let mut m = Map::new();
    m.insert("urn".into(), json!(r.urn));
    m.insert("digest".into(), json!(sha256_label(&r.digest)));
    m.insert("builder".into(), text_or_null(&r.issuer));
    m.insert("timestamp".into(), json!(r.committed_at));
    m.insert("verified".into(), json!(r.verified));
    m.insert("payloadType".into(), text_or_null(&r.payload_type));
    m.insert("buildTool".into(), json!(r.build_tool));
    m.insert("recordedAt".into(), json!(r.recorded_at));
    m.insert("warnings".into(), json!(r.warnings));
    m
}

/// A record as `vouch store` prints it: [`record`] plus the Statement's `inputs` and `outputs`
/// (null when only the envelope holds them), and with `envelope` the envelope as stored — its
/// text when it is UTF-8 (as envelopes are), else `envelopeBase64`, so that nothing is altered in
/// the showing.
pub fn store_record(r: &Record, envelope: bool) -> Json {
    let mut m = record(r);
    m.insert("inputs".into(), json!(r.inputs));
    m.insert("outputs".into(), json!(r.outputs));
    if let Some(signer) = crate::keyless::bundle_signer(&r.envelope) {
        m.insert("signer".into(), signer);
    }
    if envelope {
        match std::str::from_utf8(&r.envelope) {
            Ok(text) => m.insert("envelope".into(), json!(text)),
            Err(_) => {
                use base64ct::Encoding as _;
                m.insert(
                    "envelopeBase64".into(),
                    json!(base64ct::Base64::encode_string(&r.envelope)),
                )
            }
        };
    }
    Json::Object(m)
}

/// `vouch store put`, stored: `{ok, urn, stored: true, replaced, mode, record}`.
pub fn put_stored(rec: &Record, replaced: bool, mode: &str) -> Json {
    success(json!({
        "urn": rec.urn, "stored": true, "replaced": replaced, "mode": mode,
        "record": store_record(rec, false),
    }))
}

/// `vouch store put`, refused: `{ok: false, urn, stored: false, mode, digest, error}` (`digest`
/// null when the artifact was not hashed).
pub fn put_refused(urn: &str, digest_hex: Option<&str>, mode: &str, problem: &Problem) -> Json {
    with_ok(
        json!({
            "urn": urn, "stored": false, "mode": mode, "digest": digest_hex.map(sha256_label),
            "error": problem_object(problem),
        }),
        false,
    )
}

/// `vouch store get` (`{ok, urn, record}`, the record with its envelope) and `vouch store
/// history` (`{ok, urn, records}`, newest first, without envelopes).
pub fn store_query(urn: &str, records: &[Record], history: bool) -> Json {
    if history {
        let list: Vec<Json> = records.iter().map(|r| store_record(r, false)).collect();
        success(json!({"urn": urn, "records": list}))
    } else {
        let rec = records.first().map(|r| store_record(r, true));
        success(json!({"urn": urn, "record": rec}))
    }
}

/// `vouch attest-verify` (stdout and `--output`): the gate report with `"ok"` (passed).
pub fn gate(r: &GateReport) -> Json {
    with_ok(serde_json::to_value(r).unwrap_or_default(), r.passed())
}

/// `vouch verify`'s report: streamed, subjects rendered one at a time from the payload, members
/// in sorted order (`envelope` — the path, when several envelopes are reported — `envelopeKeyids`,
/// `error`, `keys`, `ok`, `payloadType`, `statement`, `subjects`, `verified`). `ok` and `verified`
/// are the same verdict: `verified` is the report's own name for it.
pub fn verify_report<S: serde::Serializer>(
    r: &Report,
    envelope: Option<&str>,
    ser: S,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut m = ser.serialize_map(None)?;
    if let Some(p) = envelope {
        m.serialize_entry("envelope", p)?;
    }
    m.serialize_entry("envelopeKeyids", &r.envelope_keyids)?;
    m.serialize_entry("error", &r.error)?;
    m.serialize_entry("keys", &r.keys)?;
    m.serialize_entry("ok", &r.verified)?;
    m.serialize_entry("payloadType", &r.payload_type)?;
    m.serialize_entry("statement", &r.statement)?;
    m.serialize_entry("subjects", &Subjects(r))?;
    m.serialize_entry("verified", &r.verified)?;
    m.end()
}

/// Serialises a report's subjects one at a time, straight from the payload.
struct Subjects<'r>(&'r Report);

impl Serialize for Subjects<'_> {
    fn serialize<S: serde::Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        ser.collect_seq(self.0.subjects().map(|s| crate::verify::subject_json(&s)))
    }
}

/// `vouch verify` over several envelopes, written as the reports come in (memory holds no list
/// of reports): `{"envelopes": [<report with "envelope">, ...], "ok": <all verified>,
/// "verified": <all verified>}`. One envelope is its report alone ([`verify_report`]).
pub struct VerifyDocument<W: std::io::Write> {
    out: W,
    single: bool,
    written: usize,
}

impl<W: std::io::Write> VerifyDocument<W> {
    /// Starts the document for `count` envelopes on `out`.
    pub fn begin(mut out: W, count: usize) -> std::io::Result<Self> {
        let single = count == 1;
        if !single {
            out.write_all(b"{\"envelopes\":[")?;
        }
        Ok(VerifyDocument {
            out,
            single,
            written: 0,
        })
    }

    /// Writes the next envelope's report (`envelope`: its path as shown).
    pub fn report(&mut self, r: &Report, envelope: &str) -> std::io::Result<()> {
        if self.written > 0 {
            self.out.write_all(b",")?;
        }
        self.written += 1;
        let path = (!self.single).then_some(envelope);
        verify_report(r, path, &mut serde_json::Serializer::new(&mut self.out))
            .map_err(std::io::Error::other)?;
        if self.single {
            self.out.write_all(b"\n")?;
        }
        Ok(())
    }

    /// Ends the document (`all_verified`: every envelope verified) and hands back the writer.
    pub fn end(mut self, all_verified: bool) -> std::io::Result<W> {
        if !self.single {
            writeln!(
                self.out,
                "],\"ok\":{all_verified},\"verified\":{all_verified}}}"
            )?;
        }
        Ok(self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Code;

    #[test]
    fn one_shape() {
        let e = CliError::new(Code::NotFound, "no record for \"x\"\nrelease gate: PASSED");
        assert_eq!(
            error_json(&e),
            json!({"ok": false, "error": {"code": "not-found", "message": e.message}})
        );
        assert_eq!(
            error_object(&e, Some("invalid-signature"))["reason"],
            "invalid-signature"
        );
        // A message cannot print a line of its own.
        assert_eq!(error_line(&e).lines().count(), 1);
    }

    #[test]
    fn documents_are_one_sorted_line_with_ok() {
        let doc = success(json!({"zeta": 1, "alpha": {"b": 2, "a": "x\ny"}}));
        assert_eq!(
            line(&doc),
            "{\"alpha\":{\"a\":\"x\\ny\",\"b\":2},\"ok\":true,\"zeta\":1}\n"
        );
        assert_eq!(with_ok(json!({"ok": true}), false), json!({"ok": false}));
        // Not an object: wrapped, never printed bare.
        assert_eq!(success(json!(3)), json!({"ok": true, "value": 3}));
    }

    #[test]
    fn problems_render_as_error_objects() {
        let missing = Problem {
            code: "missing_provenance".into(),
            reason: None,
            message: "no envelope given (--envelope)".into(),
        };
        assert_eq!(
            problem_object(&missing),
            json!({"code": "missing_provenance", "message": "no envelope given (--envelope)"})
        );
        let refused = put_refused("urn:x", Some("ab"), "enforce", &missing);
        assert_eq!(refused["ok"], false);
        assert_eq!(refused["digest"], "sha256:ab");
        let invalid = Problem {
            reason: Some("invalid-signature".into()),
            code: "invalid_provenance".into(),
            ..missing
        };
        assert_eq!(problem_object(&invalid)["reason"], "invalid-signature");
    }

    #[test]
    fn a_verify_document_of_several_reports() {
        let r = Report::from_error(&CliError::new(Code::IoError, "gone"));
        let mut doc = VerifyDocument::begin(Vec::new(), 2).unwrap();
        doc.report(&r, "a.json").unwrap();
        doc.report(&r, "b.json").unwrap();
        let out = String::from_utf8(doc.end(false).unwrap()).unwrap();
        assert_eq!(out.lines().count(), 1);
        let v: Json = serde_json::from_str(&out).unwrap();
        assert_eq!(v["ok"], false);
        assert_eq!(v["verified"], false);
        assert_eq!(v["envelopes"][1]["envelope"], "b.json");
        assert_eq!(v["envelopes"][1]["ok"], false);
        assert_eq!(v["envelopes"][0]["error"]["code"], "io-error");
        // One envelope: its report alone, without a path.
        let mut one = VerifyDocument::begin(Vec::new(), 1).unwrap();
        one.report(&r, "a.json").unwrap();
        let v: Json = serde_json::from_slice(&one.end(false).unwrap()).unwrap();
        assert!(v.get("envelope").is_none() && v.get("envelopes").is_none());
        assert_eq!(v["ok"], false);
    }
}
