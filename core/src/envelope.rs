//! DSSE envelopes: strict, zero-copy parsing (verification is [`crate::verifier`]).

use crate::json::{self, JsonStr, Kind, Value};
use crate::{Error, MAX_SIGNATURES, base64};

/// One `signatures[]` entry, still encoded.
#[derive(Clone, Copy, Debug)]
pub struct SignatureEntry<'a> {
    /// The base64 signature text.
    pub sig: JsonStr<'a>,
    /// The unauthenticated key hint (`None` when absent, `null` or empty).
    pub keyid: Option<JsonStr<'a>>,
}

/// A DSSE envelope parsed from JSON, fields still encoded (zero-copy).
#[derive(Clone, Debug)]
pub struct Envelope<'a> {
    /// The base64 payload text.
    pub payload: JsonStr<'a>,
    /// The payload type (escaped source form; compare with [`JsonStr::eq_str`]).
    pub payload_type: JsonStr<'a>,
    /// The signatures, in envelope order (at most [`MAX_SIGNATURES`]).
    pub signatures: heapless::Vec<SignatureEntry<'a>, MAX_SIGNATURES>,
    /// Byte offset of the payload text (after its opening quote) in the parsed document.
    payload_at: usize,
}

fn required_str<'a>(obj: &Value<'a>, key: &str) -> Result<JsonStr<'a>, Error> {
    obj.get(key)
        .and_then(|v| v.as_str())
        .ok_or(Error::MalformedEnvelope)
}

impl<'a> Envelope<'a> {
    /// Parses and checks an envelope: strict JSON, required fields and types, 1 to
    /// [`MAX_SIGNATURES`] signatures, and valid base64 in the payload and every signature.
    /// Unknown fields are ignored.
    // Size lever (docs/embedded.md): a frame of its own, so that with LTO its locals do not add
    // to the caller's frame (the stack peak is a sum of frames, not a max).
    #[inline(never)]
    pub fn parse(bytes: &'a [u8]) -> Result<Self, Error> {
        Self::parse_inner(bytes, true)
    }

    /// [`Envelope::parse`], optionally leaving the payload's base64 unchecked (for
    /// [`Verifier::verify`], which checks it while decoding it, saving a pass over the largest
    /// field).
    // A frame of its own (stack lever, docs/embedded.md).
    #[inline(never)]
    pub(crate) fn parse_inner(bytes: &'a [u8], check_payload: bool) -> Result<Self, Error> {
        let root = json::parse(bytes)?;
        if root.kind() != Kind::Object {
            return Err(Error::MalformedEnvelope);
        }
        // One pass over the members (keys are unique: the parser rejects duplicates), so the
        // payload, usually the largest value by far, is skipped once rather than once per lookup.
        let (mut payload, mut payload_type, mut sigs) = (None, None, None);
        for (k, v) in root.members() {
            if k.eq_str("payload") {
                payload = Some(v);
            } else if k.eq_str("payloadType") {
                payload_type = Some(v);
            } else if k.eq_str("signatures") {
                sigs = Some(v);
            }
        }
        let as_str =
            |v: Option<Value<'a>>| v.and_then(|v| v.as_str()).ok_or(Error::MalformedEnvelope);
        // The text starts one byte (the opening quote) after the value.
        let payload_at = payload.map_or(0, |v| v.offset().saturating_add(1));
        let payload = as_str(payload)?;
        let payload_type = as_str(payload_type)?;
        let sigs = sigs.ok_or(Error::MalformedEnvelope)?;
        if sigs.kind() != Kind::Array {
            return Err(Error::MalformedEnvelope);
        }
        let mut signatures = heapless::Vec::new();
        for entry in sigs.elements() {
            if entry.kind() != Kind::Object {
                return Err(Error::MalformedEnvelope);
            }
            let sig = required_str(&entry, "sig")?;
            let keyid = match entry.get("keyid") {
                None => None,
                Some(v) if v.is_null() => None,
                Some(v) => {
                    let s = v.as_str().ok_or(Error::MalformedEnvelope)?;
                    if s.raw().is_empty() { None } else { Some(s) }
                }
            };
            signatures
                .push(SignatureEntry { sig, keyid })
                .map_err(|_| Error::TooManySignatures)?;
        }
        if signatures.is_empty() {
            return Err(Error::NoSignatures);
        }
        if check_payload {
            base64::validate_json_str(&payload)?;
        }
        for s in &signatures {
            base64::validate_json_str(&s.sig)?;
        }
        Ok(Envelope {
            payload,
            payload_type,
            signatures,
            payload_at,
        })
    }

    /// Exact decoded length of the payload (the scratch size [`Verifier::verify`] needs).
    pub fn payload_len(&self) -> Result<usize, Error> {
        base64::validate_json_str(&self.payload)
    }

    /// Where the payload's base64 text lies in the document this envelope was parsed from, when
    /// it holds no JSON escapes: the range to hand to [`base64::decode_in_place`] in a mutable copy
    /// of that document (decoding the verified payload over its own text, without a buffer of its
    /// own). `None` when the text has escapes (decode it with [`base64::decode_json_str`]).
    pub fn payload_span(&self) -> Option<core::ops::Range<usize>> {
        if self.payload.has_escapes() {
            return None;
        }
        let start = self.payload_at;
        Some(start..start.saturating_add(self.payload.raw().len()))
    }
}
