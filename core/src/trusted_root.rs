//! Sigstore trusted roots (`application/vnd.dev.sigstore.trustedroot+json;version=0.1`, the
//! protobuf-specs `TrustedRoot` message in proto3 JSON), read with vouch's strict JSON parser and
//! without a heap.
//!
//! [`TrustedRoot::parse`] validates the whole document once (keyless check V1, see
//! `docs/keyless.md`); afterwards the accessors walk the validated JSON lazily and decode base64
//! only when asked, into small stack buffers (log keys, log ids) or the caller's scratch
//! (certificates).
//!
//! Rules:
//!
//! * `mediaType` must be exactly [`MEDIA_TYPE`] ([`Error::TrustedRootMediaType`]); unknown fields
//!   are ignored; the four lists (`tlogs`, `ctlogs`, `certificateAuthorities`,
//!   `timestampAuthorities`) may be absent (proto3 omits empty lists), each holds at most
//!   [`MAX_ENTRIES`] entries.
//! * Every `validFor` must have a `start` ([`Error::TrustedRootMissingStart`]; an entry without
//!   `validFor` has no start either). Windows are closed, `[start, end]`; no `end` means open.
//!   Times are RFC 3339; a fraction of a second rounds the start up and the end down, so a whole
//!   second inside the window is inside the exact window too.
//! * Logs (`tlogs`, `ctlogs`): `baseUrl`, `hashAlgorithm` `SHA2_256`
//!   ([`Error::UnsupportedHashAlgorithm`] otherwise), `publicKey.rawBytes`,
//!   `publicKey.keyDetails`, `logId.keyId` (32 bytes) and, optionally, Rekor v2's
//!   `checkpointKeyId.keyId`. For keys of a supported kind (`PKIX_ECDSA_P256_SHA_256`,
//!   `PKIX_ECDSA_P384_SHA_384`, `PKIX_ED25519`) the key must parse, be of the named kind
//!   ([`Error::KeyDetailsMismatch`]), and `logId.keyId` must be the SHA-256 of the PKIX DER key
//!   as given (RFC 6962 log id; Rekor v1) — for Ed25519 logs (Rekor v2) also accepted: the C2SP
//!   signed-note key id `SHA-256(origin || 0x0A || 0x01 || key)`, origin being `baseUrl` without
//!   its scheme and trailing `/`. A mismatch rejects the whole root ([`Error::LogIdMismatch`]):
//!   a root that names a log by another key's id is inconsistent, and failing closed is safer than
//!   guessing which half is right. Keys of other kinds (RSA CT logs of the staging instance)
//!   are kept but unusable: their base64 is checked, [`TransparencyLog::public_key`] refuses them
//!   ([`Error::RsaUnsupported`] / [`Error::UnsupportedKeyType`]), and their log id is taken as
//!   given. Two logs of one list with the same id are refused ([`Error::TrustedRootMalformed`]),
//!   so a lookup by id is never ambiguous.
//! * Certificate authorities and timestamp authorities: `certChain.certificates` non-empty, each
//!   `rawBytes` valid base64 of a certificate that [`Certificate::parse`] accepts (chains are
//!   ordered leaf-most first, root last). Chain signatures are not checked here: that is path
//!   validation's business, at a trusted time.

use crate::Error;
use crate::base64;
use crate::json::{self, JsonStr, Kind, Value};
use crate::pkix::{self, VerifyKey};
use crate::x509::Certificate;
use sha2::{Digest, Sha256};

/// The one media type accepted.
pub const MEDIA_TYPE: &str = "application/vnd.dev.sigstore.trustedroot+json;version=0.1";
/// Most entries of each list of a trusted root, and most certificates of one chain.
pub const MAX_ENTRIES: usize = 64;
/// Longest supported log key (PKIX DER) in bytes; P-384 keys take 120.
pub const MAX_LOG_KEY_DER: usize = 128;

/// A validity window: `[start, end]`, both included; `end` `None` = open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    /// First second of the window (Unix seconds).
    pub start: i64,
    /// Last second of the window, if it ends.
    pub end: Option<i64>,
}

impl Window {
    /// Whether `t` (Unix seconds) lies in the window.
    pub fn contains(&self, t: i64) -> bool {
        self.start <= t && self.end.is_none_or(|e| t <= e)
    }
}

/// The kind of a log key, from its `keyDetails`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogKeyType {
    /// `PKIX_ECDSA_P256_SHA_256`.
    EcdsaP256Sha256,
    /// `PKIX_ECDSA_P384_SHA_384`.
    EcdsaP384Sha384,
    /// `PKIX_ED25519`.
    Ed25519,
    /// Anything else (RSA, deprecated kinds): the log cannot be used.
    Unsupported,
}

/// A log id: the bytes of a `LogId.keyId` (1 to 32 bytes; `logId` is always 32).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyId {
    bytes: [u8; 32],
    len: u8,
}

impl KeyId {
    /// The id's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..usize::from(self.len)).unwrap_or(&[])
    }
}

/// A transparency log (Rekor) or certificate transparency log of the trusted root.
#[derive(Clone, Copy, Debug)]
pub struct TransparencyLog<'a> {
    /// `baseUrl`.
    pub base_url: JsonStr<'a>,
    /// `publicKey.keyDetails`, as written.
    pub key_details: JsonStr<'a>,
    /// The key kind that `keyDetails` names.
    pub key_type: LogKeyType,
    /// `publicKey.validFor`.
    pub valid_for: Window,
    /// `logId.keyId` (32 bytes).
    pub log_id: [u8; 32],
    /// Rekor v2 `checkpointKeyId.keyId`, if present.
    pub checkpoint_key_id: Option<KeyId>,
    raw_key: JsonStr<'a>,
}

impl TransparencyLog<'_> {
    /// Decodes the PKIX DER public key into `out`; returns its length.
    pub fn public_key_der(&self, out: &mut [u8]) -> Result<usize, Error> {
        base64::decode_json_str(&self.raw_key, out)
    }

    /// The log's public key. Unsupported kinds give [`Error::RsaUnsupported`] (RSA) or
    /// [`Error::UnsupportedKeyType`].
    pub fn public_key(&self) -> Result<VerifyKey, Error> {
        if self.key_type == LogKeyType::Unsupported {
            return Err(if self.key_details.raw().windows(3).any(|w| w == b"RSA") {
                Error::RsaUnsupported
            } else {
                Error::UnsupportedKeyType
            });
        }
        let mut buf = [0u8; MAX_LOG_KEY_DER];
        let n = self
            .public_key_der(&mut buf)
            .map_err(|_| Error::InvalidKey)?;
        VerifyKey::from_spki_der(buf.get(..n).unwrap_or(&[]))
    }

    /// Whether `id` is this log's `logId.keyId` or its `checkpointKeyId.keyId`.
    pub fn has_id(&self, id: &[u8]) -> bool {
        self.log_id.as_slice() == id || self.checkpoint_key_id.is_some_and(|k| k.as_bytes() == id)
    }
}

/// A certificate authority (Fulcio) or timestamp authority of the trusted root.
#[derive(Clone, Copy, Debug)]
pub struct Authority<'a> {
    /// `uri`, if present.
    pub uri: Option<JsonStr<'a>>,
    /// `subject` (`{organization, commonName}`), if present.
    pub subject: Option<Value<'a>>,
    /// `validFor`.
    pub valid_for: Window,
    certificates: Value<'a>,
}

impl<'a> Authority<'a> {
    /// The chain's certificates as base64 text, leaf-most first, root last.
    pub fn certificates(&self) -> impl Iterator<Item = JsonStr<'a>> + use<'a> {
        self.certificates
            .elements()
            .filter_map(|c| c.get("rawBytes").and_then(|r| r.as_str()))
    }

    /// Number of certificates in the chain.
    pub fn chain_len(&self) -> usize {
        self.certificates().count()
    }

    /// Decodes certificate `index` of the chain into `scratch` and parses it.
    pub fn certificate<'s>(
        &self,
        index: usize,
        scratch: &'s mut [u8],
    ) -> Result<Certificate<'s>, Error> {
        let b64 = self
            .certificates()
            .nth(index)
            .ok_or(Error::TrustedRootMalformed)?;
        decode_certificate(&b64, scratch)
    }
}

/// Decodes a base64 certificate into `scratch` and parses it.
fn decode_certificate<'s>(
    b64: &JsonStr<'_>,
    scratch: &'s mut [u8],
) -> Result<Certificate<'s>, Error> {
    let n = base64::decode_json_str(b64, scratch)?;
    let scratch: &'s [u8] = scratch;
    Certificate::parse(scratch.get(..n).ok_or(Error::BufferTooSmall)?)
}

/// A validated trusted root.
#[derive(Clone, Copy, Debug)]
pub struct TrustedRoot<'a> {
    root: Value<'a>,
    max_certificate_len: usize,
    /// Which links of the certificate authorities' chains had their signature checked once by
    /// [`TrustedRoot::precompute_chains`] (see [`crate::chain`]; zero otherwise).
    verified_links: u64,
}

impl<'a> TrustedRoot<'a> {
    /// Validates `doc` as a trusted root (see the module documentation for the rules).
    /// `scratch` receives each certificate in turn while it is checked, so it must hold the
    /// largest one ([`Error::BufferTooSmall`] otherwise; 4 KiB is ample for Sigstore's).
    pub fn parse(doc: &'a [u8], scratch: &mut [u8]) -> Result<Self, Error> {
        let root = json::parse(doc)?;
        if root.kind() != Kind::Object {
            return Err(Error::TrustedRootMalformed);
        }
        match root.get("mediaType").and_then(|m| m.as_str()) {
            Some(m) if m.eq_str(MEDIA_TYPE) => {}
            _ => return Err(Error::TrustedRootMediaType),
        }
        for list in ["tlogs", "ctlogs"] {
            let entries = list_of(&root, list)?;
            for (i, v) in entries.clone().enumerate() {
                let log = parse_log(&v, true)?;
                let earlier = entries.clone().take(i);
                if earlier
                    .filter_map(|e| parse_log(&e, false).ok())
                    .any(|e| e.log_id == log.log_id)
                {
                    return Err(Error::TrustedRootMalformed);
                }
            }
        }
        let mut max_certificate_len = 0;
        for list in ["certificateAuthorities", "timestampAuthorities"] {
            for v in list_of(&root, list)? {
                let auth = parse_authority(&v)?;
                for (i, b64) in auth.certificates.elements().enumerate() {
                    if i >= MAX_ENTRIES {
                        return Err(Error::TrustedRootMalformed);
                    }
                    let text = b64
                        .get("rawBytes")
                        .and_then(|r| r.as_str())
                        .ok_or(Error::TrustedRootMalformed)?;
                    let len = base64::validate_json_str(&text)?;
                    max_certificate_len = max_certificate_len.max(len);
                    decode_certificate(&text, scratch)?;
                }
            }
        }
        Ok(TrustedRoot {
            root,
            max_certificate_len,
            verified_links: 0,
        })
    }

    /// Checks the signatures inside the certificate authorities' chains (each intermediate's by
    /// the certificate above it: trusted material that every keyless verification checks again)
    /// once, and remembers which verified, so that later verifications under this root skip
    /// those signature checks — for a process that verifies many bundles under one root (the
    /// registry service, the gate). Only the signatures are remembered: every other check of a
    /// link (validity at the bundle's time, CA and key usage, path length, name chaining) is
    /// still made for each bundle, and a link whose signature did not verify here is checked
    /// again (and refused) as before, so verdicts are identical with or without it. The first
    /// 16 authorities and the first 4 links of each are covered. `scratch` holds two
    /// certificates ([`crate::chain::path_scratch_len`]); when it is smaller, nothing is
    /// remembered.
    pub fn precompute_chains(mut self, scratch: &mut [u8]) -> Self {
        self.verified_links = crate::chain::link_signatures(&self, scratch);
        self
    }

    /// The links [`TrustedRoot::precompute_chains`] verified: bit `4·k + (i − 1)` for link `i`
    /// (certificate `i − 1` signed by certificate `i`) of certificate authority `k`; zero before
    /// it.
    pub fn verified_links(&self) -> u64 {
        self.verified_links
    }

    /// Size of the largest certificate (DER bytes): the scratch that
    /// [`Authority::certificate`] needs.
    pub fn max_certificate_len(&self) -> usize {
        self.max_certificate_len
    }

    /// The Rekor logs (`tlogs`).
    pub fn tlogs(&self) -> impl Iterator<Item = TransparencyLog<'a>> + use<'a> {
        self.logs("tlogs")
    }

    /// The certificate transparency logs (`ctlogs`).
    pub fn ctlogs(&self) -> impl Iterator<Item = TransparencyLog<'a>> + use<'a> {
        self.logs("ctlogs")
    }

    fn logs(&self, list: &str) -> impl Iterator<Item = TransparencyLog<'a>> + use<'a> {
        self.root
            .get(list)
            .map(|l| l.elements())
            .into_iter()
            .flatten()
            .filter_map(|v| parse_log(&v, false).ok())
    }

    /// The Fulcio certificate authorities (`certificateAuthorities`).
    pub fn certificate_authorities(&self) -> impl Iterator<Item = Authority<'a>> + use<'a> {
        self.authorities("certificateAuthorities")
    }

    /// The RFC 3161 timestamp authorities (`timestampAuthorities`).
    pub fn timestamp_authorities(&self) -> impl Iterator<Item = Authority<'a>> + use<'a> {
        self.authorities("timestampAuthorities")
    }

    fn authorities(&self, list: &str) -> impl Iterator<Item = Authority<'a>> + use<'a> {
        self.root
            .get(list)
            .map(|l| l.elements())
            .into_iter()
            .flatten()
            .filter_map(|v| parse_authority(&v).ok())
    }

    /// The Rekor log whose `logId.keyId` (or Rekor v2 `checkpointKeyId.keyId`) is `id`.
    pub fn find_tlog(&self, id: &[u8]) -> Option<TransparencyLog<'a>> {
        self.tlogs().find(|l| l.has_id(id))
    }

    /// The CT log whose log id (`logId.keyId`, the SCT's `log_id`) is `id`.
    pub fn find_ctlog(&self, id: &[u8]) -> Option<TransparencyLog<'a>> {
        self.ctlogs().find(|l| l.log_id.as_slice() == id)
    }
}

/// The elements of an optional array member (at most [`MAX_ENTRIES`]).
fn list_of<'a>(root: &Value<'a>, name: &str) -> Result<json::Elements<'a>, Error> {
    match root.get(name) {
        // An absent list is empty: the elements of the root object itself (an object has none).
        None => Ok(root.elements()),
        Some(v) if v.kind() == Kind::Array => {
            if v.elements().nth(MAX_ENTRIES).is_some() {
                return Err(Error::TrustedRootMalformed);
            }
            Ok(v.elements())
        }
        Some(_) => Err(Error::TrustedRootMalformed),
    }
}

fn string<'a>(v: Option<Value<'a>>) -> Result<JsonStr<'a>, Error> {
    v.and_then(|v| v.as_str())
        .ok_or(Error::TrustedRootMalformed)
}

fn object<'a>(v: Option<Value<'a>>) -> Result<Value<'a>, Error> {
    v.filter(|v| v.kind() == Kind::Object)
        .ok_or(Error::TrustedRootMalformed)
}

/// A `validFor` `TimeRange`.
fn window(v: Option<Value<'_>>) -> Result<Window, Error> {
    let Some(v) = v else {
        return Err(Error::TrustedRootMissingStart);
    };
    if v.kind() != Kind::Object {
        return Err(Error::TrustedRootMalformed);
    }
    let time = |name: &str, round| -> Result<Option<i64>, Error> {
        let Some(t) = v.get(name) else {
            return Ok(None);
        };
        let s = t.as_str().ok_or(Error::TrustedRootMalformed)?;
        let mut buf = [0u8; 40];
        let text = s
            .unescape_into(&mut buf)
            .map_err(|_| Error::TrustedRootInvalidTime)?;
        crate::time::rfc3339(text.as_bytes(), round).map(Some)
    };
    let start = time("start", crate::time::Round::Ceil)?.ok_or(Error::TrustedRootMissingStart)?;
    let end = time("end", crate::time::Round::Floor)?;
    if end.is_some_and(|e| e < start) {
        return Err(Error::TrustedRootInvalidTime);
    }
    Ok(Window { start, end })
}

/// A `LogId` object's `keyId`, 1 to 32 bytes.
fn key_id(v: Option<Value<'_>>) -> Result<KeyId, Error> {
    let text = string(object(v)?.get("keyId"))?;
    let mut buf = [0u8; 33];
    let n = base64::decode_json_str(&text, &mut buf).map_err(|e| match e {
        Error::BufferTooSmall => Error::TrustedRootMalformed,
        e => e,
    })?;
    let mut id = KeyId {
        bytes: [0; 32],
        len: 0,
    };
    match (id.bytes.get_mut(..n), buf.get(..n)) {
        (Some(dst), Some(src)) if n > 0 => {
            dst.copy_from_slice(src);
            id.len = n as u8;
            Ok(id)
        }
        _ => Err(Error::TrustedRootMalformed),
    }
}

/// One `TransparencyLogInstance`; with `validate`, also the key and its log id.
fn parse_log<'a>(v: &Value<'a>, validate: bool) -> Result<TransparencyLog<'a>, Error> {
    if v.kind() != Kind::Object {
        return Err(Error::TrustedRootMalformed);
    }
    let base_url = string(v.get("baseUrl"))?;
    match v.get("hashAlgorithm").and_then(|h| h.as_str()) {
        Some(h) if h.eq_str("SHA2_256") => {}
        _ => return Err(Error::UnsupportedHashAlgorithm),
    }
    let pk = object(v.get("publicKey"))?;
    let raw_key = string(pk.get("rawBytes"))?;
    let key_details = string(pk.get("keyDetails"))?;
    let valid_for = window(pk.get("validFor"))?;
    let id = key_id(v.get("logId"))?;
    let log_id: [u8; 32] = id
        .as_bytes()
        .try_into()
        .map_err(|_| Error::TrustedRootMalformed)?;
    let checkpoint_key_id = match v.get("checkpointKeyId") {
        Some(c) => Some(key_id(Some(c))?),
        None => None,
    };
    let key_type = if key_details.eq_str("PKIX_ECDSA_P256_SHA_256") {
        LogKeyType::EcdsaP256Sha256
    } else if key_details.eq_str("PKIX_ECDSA_P384_SHA_384") {
        LogKeyType::EcdsaP384Sha384
    } else if key_details.eq_str("PKIX_ED25519") {
        LogKeyType::Ed25519
    } else {
        LogKeyType::Unsupported
    };
    let log = TransparencyLog {
        base_url,
        key_details,
        key_type,
        valid_for,
        log_id,
        checkpoint_key_id,
        raw_key,
    };
    if validate {
        check_log_key(&log)?;
    }
    Ok(log)
}

/// The key of a log parses, is of the kind its `keyDetails` names, and matches `logId`.
fn check_log_key(log: &TransparencyLog<'_>) -> Result<(), Error> {
    if log.key_type == LogKeyType::Unsupported {
        base64::validate_json_str(&log.raw_key)?;
        return Ok(());
    }
    let mut buf = [0u8; MAX_LOG_KEY_DER];
    let n = log.public_key_der(&mut buf).map_err(|e| match e {
        Error::BufferTooSmall => Error::InvalidKey,
        e => e,
    })?;
    let der = buf.get(..n).unwrap_or(&[]);
    let (oid, params, key) = pkix::spki_parts(der)?;
    let curve = params.filter(|p| p.tag == crate::der::OID).map(|p| p.value);
    let kind_matches = match log.key_type {
        LogKeyType::EcdsaP256Sha256 => {
            oid == pkix::OID_EC_PUBLIC_KEY && curve == Some(pkix::OID_P256)
        }
        LogKeyType::EcdsaP384Sha384 => {
            oid == pkix::OID_EC_PUBLIC_KEY && curve == Some(pkix::OID_P384)
        }
        LogKeyType::Ed25519 => oid == pkix::OID_ED25519,
        LogKeyType::Unsupported => false,
    };
    if !kind_matches {
        return Err(Error::KeyDetailsMismatch);
    }
    // The key must be a valid point (Ed25519: when this build can decode it).
    match VerifyKey::from_spki_der(der) {
        Ok(_) => {}
        Err(Error::UnsupportedKeyType) if log.key_type == LogKeyType::Ed25519 => {}
        Err(e) => return Err(e),
    }
    let spki_hash: [u8; 32] = Sha256::digest(der).into();
    if spki_hash == log.log_id {
        return Ok(());
    }
    if log.key_type == LogKeyType::Ed25519 && note_key_id(&log.base_url, key) == Some(log.log_id) {
        return Ok(());
    }
    Err(Error::LogIdMismatch)
}

/// The C2SP signed-note key id of an Ed25519 key, in full: `SHA-256(origin || "\n" || 0x01 ||
/// key)`, where the origin is `base_url` without `https://` / `http://` and a trailing `/`.
fn note_key_id(base_url: &JsonStr<'_>, key: &[u8]) -> Option<[u8; 32]> {
    let mut buf = [0u8; 256];
    let url = base_url.unescape_into(&mut buf).ok()?;
    let origin = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .unwrap_or(url);
    let origin = origin.strip_suffix('/').unwrap_or(origin);
    let mut h = Sha256::new();
    h.update(origin.as_bytes());
    h.update([0x0a, 0x01]);
    h.update(key);
    Some(h.finalize().into())
}

/// One `CertificateAuthority` (Fulcio or TSA).
fn parse_authority<'a>(v: &Value<'a>) -> Result<Authority<'a>, Error> {
    if v.kind() != Kind::Object {
        return Err(Error::TrustedRootMalformed);
    }
    let uri = match v.get("uri") {
        Some(u) => Some(u.as_str().ok_or(Error::TrustedRootMalformed)?),
        None => None,
    };
    let subject = match v.get("subject") {
        Some(s) => Some(object(Some(s))?),
        None => None,
    };
    let chain = object(v.get("certChain"))?;
    let certificates = chain
        .get("certificates")
        .filter(|c| c.kind() == Kind::Array)
        .ok_or(Error::TrustedRootMalformed)?;
    let mut n = 0;
    for c in certificates.elements() {
        string(object(Some(c))?.get("rawBytes"))?;
        n += 1;
    }
    if n == 0 {
        return Err(Error::TrustedRootMalformed);
    }
    let valid_for = window(v.get("validFor"))?;
    Ok(Authority {
        uri,
        subject,
        valid_for,
        certificates,
    })
}
