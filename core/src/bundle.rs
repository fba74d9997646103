//! Sigstore bundles: strict parsing and bounds (check V0 of `docs/keyless.md`).
//!
//! [`Bundle::parse`] validates the whole document with vouch's strict JSON ([`json::parse`]:
//! duplicate keys, depth, UTF-8, escapes), then checks the shape of a bundle
//! (protobuf-specs `sigstore_bundle.proto`, proto3 JSON mapping: lowerCamelCase keys, int64 as
//! strings or integers, bytes as base64) and the rules that do not need any key:
//!
//! * `mediaType` is one of [`MEDIA_TYPES`]; anything else is refused;
//! * the bundle is at most [`MAX_BUNDLE_LEN`] bytes;
//! * exactly one of `messageSignature` and `dsseEnvelope`; a DSSE envelope carries exactly one
//!   signature;
//! * exactly one of `certificate` (v0.3 only), `x509CertificateChain` (v0.1 / v0.2 only, at least
//!   one certificate, at most [`MAX_CHAIN_CERTIFICATES`]) and `publicKey`;
//! * at least one and at most [`MAX_TLOG_ENTRIES`] tlog entries, at most [`MAX_TIMESTAMPS`]
//!   RFC 3161 timestamps (sigstore-go GHSA-cq38-jh5f-37mq);
//! * every `logIndex` is ≥ 0; no two entries share (`logId`, `logIndex`);
//! * v0.1: every entry carries an inclusion promise (SET); v0.2 and later: every entry carries an
//!   inclusion proof; an inclusion proof always carries a checkpoint;
//! * every base64 field is valid; log ids are 1 to 32 bytes, proof hashes 32 bytes, at most
//!   [`MAX_PROOF_HASHES`] of them.
//!
//! Nothing is decoded into memory here: the parsed [`Bundle`] points into the document, and the
//! verifier decodes each field when it needs it.

use crate::Error;
use crate::base64;
use crate::json::{self, JsonStr, Kind, Value};
use crate::pkix::HashAlgorithm;

/// The accepted bundle media types, and the version each means.
pub const MEDIA_TYPES: [(&str, BundleVersion); 4] = [
    (
        "application/vnd.dev.sigstore.bundle+json;version=0.1",
        BundleVersion::V0_1,
    ),
    (
        "application/vnd.dev.sigstore.bundle+json;version=0.2",
        BundleVersion::V0_2,
    ),
    (
        "application/vnd.dev.sigstore.bundle+json;version=0.3",
        BundleVersion::V0_3,
    ),
    (
        "application/vnd.dev.sigstore.bundle.v0.3+json",
        BundleVersion::V0_3,
    ),
];
/// Largest accepted bundle in bytes (real bundles are below 32 KiB).
pub const MAX_BUNDLE_LEN: usize = 64 * 1024;
/// Most transparency log entries of one bundle.
pub const MAX_TLOG_ENTRIES: usize = 32;
/// Most RFC 3161 timestamps of one bundle.
pub const MAX_TIMESTAMPS: usize = 32;
/// Most hashes of one inclusion proof (a tree of 2^64 leaves needs 64).
pub const MAX_PROOF_HASHES: usize = 64;
/// Most certificates of an `x509CertificateChain`.
pub const MAX_CHAIN_CERTIFICATES: usize = 8;

/// The bundle format version named by the media type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum BundleVersion {
    /// v0.1: inclusion promises (SETs) required.
    V0_1,
    /// v0.2: inclusion proofs required.
    V0_2,
    /// v0.3: inclusion proofs required, a single `certificate` instead of a chain.
    V0_3,
}

/// What identifies the signer.
#[derive(Clone, Copy, Debug)]
pub enum SignerMaterial<'a> {
    /// A single leaf certificate (v0.3 `certificate.rawBytes`, base64 DER).
    Certificate(JsonStr<'a>),
    /// An `x509CertificateChain` (v0.1 / v0.2): the `certificates` array, leaf first.
    Chain(Value<'a>),
    /// A managed key: `publicKey.hint`, if present (the key itself is the caller's).
    PublicKey(Option<JsonStr<'a>>),
}

/// What was signed.
#[derive(Clone, Copy, Debug)]
pub enum Content<'a> {
    /// `messageSignature`: a signature over the artifact's digest.
    MessageSignature {
        /// `messageDigest`, if present: its algorithm and base64 digest.
        digest: Option<(HashAlgorithm, JsonStr<'a>)>,
        /// `signature` (base64).
        signature: JsonStr<'a>,
    },
    /// `dsseEnvelope` with its one signature.
    Dsse {
        /// `payloadType`.
        payload_type: JsonStr<'a>,
        /// `payload` (base64).
        payload: JsonStr<'a>,
        /// The one `signatures[].sig` (base64).
        signature: JsonStr<'a>,
    },
}

impl<'a> Content<'a> {
    /// The signature (base64), of either kind.
    pub fn signature(&self) -> JsonStr<'a> {
        match *self {
            Content::MessageSignature { signature, .. } | Content::Dsse { signature, .. } => {
                signature
            }
        }
    }
}

/// A log id as carried in a bundle (1 to 32 bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LogId {
    bytes: [u8; 32],
    len: u8,
}

impl LogId {
    /// The id's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..usize::from(self.len)).unwrap_or(&[])
    }
}

/// An `inclusionProof`.
#[derive(Clone, Copy, Debug)]
pub struct InclusionProof<'a> {
    /// `logIndex`: the leaf's index in the tree the proof is for.
    pub log_index: u64,
    /// `treeSize`.
    pub tree_size: u64,
    /// `rootHash`.
    pub root_hash: [u8; 32],
    /// `hashes` (each base64 of 32 bytes).
    hashes: Value<'a>,
    /// Number of hashes.
    pub hash_count: usize,
    /// `checkpoint.envelope`: the signed note.
    pub checkpoint: JsonStr<'a>,
}

impl<'a> InclusionProof<'a> {
    /// The audit path, leaf side first.
    pub fn hashes(&self) -> impl Iterator<Item = [u8; 32]> + use<'a> {
        self.hashes.elements().filter_map(|h| {
            let s = h.as_str()?;
            let mut out = [0u8; 32];
            (base64::decode_json_str(&s, &mut out).ok()? == 32).then_some(out)
        })
    }
}

/// One `tlogEntries[]` element.
#[derive(Clone, Copy, Debug)]
pub struct TlogEntry<'a> {
    /// `logIndex` (≥ 0).
    pub log_index: u64,
    /// `logId.keyId`.
    pub log_id: LogId,
    /// `kindVersion.kind`.
    pub kind: JsonStr<'a>,
    /// `kindVersion.version`.
    pub version: JsonStr<'a>,
    /// `integratedTime`, when present and non-zero (Rekor v2 entries have none).
    pub integrated_time: Option<i64>,
    /// `inclusionPromise.signedEntryTimestamp` (base64), if present.
    pub inclusion_promise: Option<JsonStr<'a>>,
    /// `inclusionProof`, if present.
    pub inclusion_proof: Option<InclusionProof<'a>>,
    /// `canonicalizedBody` (base64).
    pub body: JsonStr<'a>,
    /// Decoded length of the body.
    pub body_len: usize,
}

/// A parsed, bounded bundle; every field points into the document.
#[derive(Clone, Copy, Debug)]
pub struct Bundle<'a> {
    /// The version the media type names.
    pub version: BundleVersion,
    /// Certificate, chain or managed key.
    pub signer: SignerMaterial<'a>,
    /// Message signature or DSSE envelope.
    pub content: Content<'a>,
    tlog: Value<'a>,
    tlog_len: usize,
    timestamps: Option<Value<'a>>,
    timestamp_len: usize,
}

fn obj<'a>(v: Option<Value<'a>>) -> Result<Value<'a>, Error> {
    match v {
        Some(v) if v.kind() == Kind::Object => Ok(v),
        _ => Err(Error::BundleMalformed),
    }
}

fn string<'a>(v: Option<Value<'a>>) -> Result<JsonStr<'a>, Error> {
    v.and_then(|v| v.as_str()).ok_or(Error::BundleMalformed)
}

/// A base64 string member, checked; returns it and its decoded length.
fn b64<'a>(v: Option<Value<'a>>) -> Result<(JsonStr<'a>, usize), Error> {
    let s = string(v)?;
    let n = base64::validate_json_str(&s)?;
    Ok((s, n))
}

/// A member that is absent or JSON `null` counts as absent (proto3 JSON).
fn present<'a>(v: &Value<'a>, key: &str) -> Option<Value<'a>> {
    v.get(key).filter(|x| !x.is_null())
}

/// A proto3 JSON int64: a string of decimal digits or a JSON integer (optional `-`, no
/// leading zeros, no fraction or exponent).
pub(crate) fn int64(v: &Value<'_>) -> Result<i64, Error> {
    let text: &[u8] = match v.kind() {
        Kind::String => {
            let s = v.as_str().ok_or(Error::BundleMalformed)?;
            if s.has_escapes() {
                return Err(Error::BundleMalformed);
            }
            s.raw()
        }
        Kind::Number => v.raw(),
        _ => return Err(Error::BundleMalformed),
    };
    let (neg, digits) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, text),
    };
    if digits.is_empty()
        || digits.len() > 19
        || !digits.iter().all(u8::is_ascii_digit)
        || (digits.len() > 1 && digits.first() == Some(&b'0'))
    {
        return Err(Error::BundleMalformed);
    }
    let mut n: i64 = 0;
    for &d in digits {
        n = n
            .checked_mul(10)
            .and_then(|n| n.checked_add(i64::from(d - b'0')))
            .ok_or(Error::BundleMalformed)?;
    }
    Ok(if neg { -n } else { n })
}

/// An int64 that must not be negative.
fn uint(v: Option<Value<'_>>, negative: Error) -> Result<u64, Error> {
    let n = int64(&v.ok_or(Error::BundleMalformed)?)?;
    u64::try_from(n).map_err(|_| negative)
}

fn hash_algorithm(s: &JsonStr<'_>) -> Result<HashAlgorithm, Error> {
    if s.eq_str("SHA2_256") {
        Ok(HashAlgorithm::Sha256)
    } else if s.eq_str("SHA2_384") {
        Ok(HashAlgorithm::Sha384)
    } else if s.eq_str("SHA2_512") {
        Ok(HashAlgorithm::Sha512)
    } else {
        Err(Error::UnsupportedHashAlgorithm)
    }
}

impl<'a> Bundle<'a> {
    /// Parses and bounds a bundle (the rules are in the module documentation).
    pub fn parse(doc: &'a [u8]) -> Result<Self, Error> {
        if doc.len() > MAX_BUNDLE_LEN {
            return Err(Error::BundleTooLarge);
        }
        let root = json::parse(doc)?;
        if root.kind() != Kind::Object {
            return Err(Error::BundleMalformed);
        }
        let media = root
            .get("mediaType")
            .and_then(|m| m.as_str())
            .ok_or(Error::BundleMediaType)?;
        let version = MEDIA_TYPES
            .iter()
            .find(|(t, _)| media.eq_str(t))
            .map(|(_, v)| *v)
            .ok_or(Error::BundleMediaType)?;

        let content = parse_content(&root)?;

        let vm = obj(root.get("verificationMaterial"))?;
        let signer = parse_signer(&vm, version)?;

        let tlog = match present(&vm, "tlogEntries") {
            Some(t) if t.kind() == Kind::Array => t,
            Some(_) => return Err(Error::BundleMalformed),
            None => return Err(Error::BundleNoTlogEntries),
        };
        let mut tlog_len = 0;
        for (i, e) in tlog.elements().enumerate() {
            if i >= MAX_TLOG_ENTRIES {
                return Err(Error::BundleTooManyEntries);
            }
            let entry = parse_entry(&e)?;
            match version {
                BundleVersion::V0_1 if entry.inclusion_promise.is_none() => {
                    return Err(Error::BundleMissingInclusionPromise);
                }
                BundleVersion::V0_2 | BundleVersion::V0_3 if entry.inclusion_proof.is_none() => {
                    return Err(Error::BundleMissingInclusionProof);
                }
                _ => {}
            }
            for earlier in tlog.elements().take(i) {
                let earlier = parse_entry(&earlier)?;
                if earlier.log_id == entry.log_id && earlier.log_index == entry.log_index {
                    return Err(Error::TlogDuplicateEntry);
                }
            }
            tlog_len += 1;
        }
        if tlog_len == 0 {
            return Err(Error::BundleNoTlogEntries);
        }

        let mut timestamps = None;
        let mut timestamp_len = 0;
        if let Some(tvd) = present(&vm, "timestampVerificationData") {
            if tvd.kind() != Kind::Object {
                return Err(Error::BundleMalformed);
            }
            if let Some(list) = present(&tvd, "rfc3161Timestamps") {
                if list.kind() != Kind::Array {
                    return Err(Error::BundleMalformed);
                }
                for (i, t) in list.elements().enumerate() {
                    if i >= MAX_TIMESTAMPS {
                        return Err(Error::BundleTooManyEntries);
                    }
                    let t = obj(Some(t))?;
                    b64(t.get("signedTimestamp"))?;
                    timestamp_len += 1;
                }
                timestamps = Some(list);
            }
        }

        Ok(Bundle {
            version,
            signer,
            content,
            tlog,
            tlog_len,
            timestamps,
            timestamp_len,
        })
    }

    /// Number of tlog entries (1 to [`MAX_TLOG_ENTRIES`]).
    pub fn tlog_len(&self) -> usize {
        self.tlog_len
    }

    /// The tlog entries, in bundle order.
    pub fn tlog_entries(&self) -> impl Iterator<Item = TlogEntry<'a>> + use<'a> {
        self.tlog.elements().filter_map(|e| parse_entry(&e).ok())
    }

    /// Number of RFC 3161 timestamps (0 to [`MAX_TIMESTAMPS`]).
    pub fn timestamp_len(&self) -> usize {
        self.timestamp_len
    }

    /// The RFC 3161 timestamps' `signedTimestamp` (base64 DER), in bundle order.
    pub fn timestamps(&self) -> impl Iterator<Item = JsonStr<'a>> + use<'a> {
        self.timestamps
            .map(|l| l.elements())
            .into_iter()
            .flatten()
            .filter_map(|t| t.get("signedTimestamp").and_then(|s| s.as_str()))
    }

    /// The leaf certificate (base64 DER): the v0.3 `certificate`, or the first certificate of
    /// the chain; `None` for a managed-key bundle.
    pub fn leaf_certificate(&self) -> Option<JsonStr<'a>> {
        match self.signer {
            SignerMaterial::Certificate(c) => Some(c),
            SignerMaterial::Chain(_) => self.chain_certificates().next(),
            SignerMaterial::PublicKey(_) => None,
        }
    }

    /// The certificates of an `x509CertificateChain` (base64 DER, leaf first); empty otherwise.
    pub fn chain_certificates(&self) -> impl Iterator<Item = JsonStr<'a>> + use<'a> {
        let list = match self.signer {
            SignerMaterial::Chain(c) => Some(c),
            _ => None,
        };
        list.map(|l| l.elements())
            .into_iter()
            .flatten()
            .filter_map(|c| c.get("rawBytes").and_then(|r| r.as_str()))
    }
}

fn parse_content<'a>(root: &Value<'a>) -> Result<Content<'a>, Error> {
    let ms = present(root, "messageSignature");
    let dsse = present(root, "dsseEnvelope");
    match (ms, dsse) {
        (Some(ms), None) => {
            let ms = obj(Some(ms))?;
            let (signature, _) = b64(ms.get("signature"))?;
            let digest = match present(&ms, "messageDigest") {
                None => None,
                Some(d) => {
                    let d = obj(Some(d))?;
                    let alg = hash_algorithm(&string(d.get("algorithm"))?)?;
                    let (digest, n) = b64(d.get("digest"))?;
                    if n != alg.output_len() {
                        return Err(Error::BundleMalformed);
                    }
                    Some((alg, digest))
                }
            };
            Ok(Content::MessageSignature { digest, signature })
        }
        (None, Some(env)) => {
            let env = obj(Some(env))?;
            let payload_type = string(env.get("payloadType"))?;
            let (payload, _) = b64(env.get("payload"))?;
            let sigs = env
                .get("signatures")
                .filter(|s| s.kind() == Kind::Array)
                .ok_or(Error::BundleMalformed)?;
            let mut it = sigs.elements();
            let first = it.next().ok_or(Error::DsseSignatureCount)?;
            if it.next().is_some() {
                return Err(Error::DsseSignatureCount);
            }
            let first = obj(Some(first))?;
            let (signature, _) = b64(first.get("sig"))?;
            if let Some(k) = present(&first, "keyid") {
                k.as_str().ok_or(Error::BundleMalformed)?;
            }
            Ok(Content::Dsse {
                payload_type,
                payload,
                signature,
            })
        }
        _ => Err(Error::BundleMalformed),
    }
}

fn parse_signer<'a>(vm: &Value<'a>, version: BundleVersion) -> Result<SignerMaterial<'a>, Error> {
    let cert = present(vm, "certificate");
    let chain = present(vm, "x509CertificateChain");
    let key = present(vm, "publicKey");
    match (cert, chain, key) {
        (Some(c), None, None) => {
            let (raw, n) = b64(obj(Some(c))?.get("rawBytes"))?;
            if n == 0 {
                return Err(Error::BundleEmptyCertificateChain);
            }
            Ok(SignerMaterial::Certificate(raw))
        }
        (None, Some(ch), None) => {
            if version >= BundleVersion::V0_3 {
                return Err(Error::BundleChainNotAllowed);
            }
            let ch = obj(Some(ch))?;
            let list = match present(&ch, "certificates") {
                None => return Err(Error::BundleEmptyCertificateChain),
                Some(l) if l.kind() == Kind::Array => l,
                Some(_) => return Err(Error::BundleMalformed),
            };
            let mut count = 0;
            for c in list.elements() {
                count += 1;
                if count > MAX_CHAIN_CERTIFICATES {
                    return Err(Error::BundleTooManyEntries);
                }
                let (_, n) = b64(obj(Some(c))?.get("rawBytes"))?;
                if n == 0 {
                    return Err(Error::BundleMalformed);
                }
            }
            if count == 0 {
                return Err(Error::BundleEmptyCertificateChain);
            }
            Ok(SignerMaterial::Chain(list))
        }
        (None, None, Some(k)) => {
            let k = obj(Some(k))?;
            let hint = match present(&k, "hint") {
                None => None,
                Some(h) => Some(h.as_str().ok_or(Error::BundleMalformed)?),
            };
            Ok(SignerMaterial::PublicKey(hint))
        }
        _ => Err(Error::BundleMalformed),
    }
}

fn parse_entry<'a>(e: &Value<'a>) -> Result<TlogEntry<'a>, Error> {
    let e = obj(Some(*e))?;
    let log_index = uint(e.get("logIndex"), Error::BundleNegativeLogIndex)?;
    let (id_text, id_len) = b64(obj(e.get("logId"))?.get("keyId"))?;
    if id_len == 0 || id_len > 32 {
        return Err(Error::BundleMalformed);
    }
    let mut log_id = LogId {
        bytes: [0; 32],
        len: 0,
    };
    base64::decode_json_str(&id_text, &mut log_id.bytes)?;
    log_id.len = u8::try_from(id_len).map_err(|_| Error::BundleMalformed)?;
    let kv = obj(e.get("kindVersion"))?;
    let kind = string(kv.get("kind"))?;
    let version = string(kv.get("version"))?;
    let integrated_time = match present(&e, "integratedTime") {
        None => None,
        Some(t) => match int64(&t)? {
            0 => None,
            t if t < 0 => return Err(Error::BundleMalformed),
            t => Some(t),
        },
    };
    let inclusion_promise = match present(&e, "inclusionPromise") {
        None => None,
        Some(p) => Some(b64(obj(Some(p))?.get("signedEntryTimestamp"))?.0),
    };
    if inclusion_promise.is_some() && integrated_time.is_none() {
        return Err(Error::BundleMalformed);
    }
    let inclusion_proof = match present(&e, "inclusionProof") {
        None => None,
        Some(p) => Some(parse_proof(&obj(Some(p))?)?),
    };
    let (body, body_len) = b64(e.get("canonicalizedBody"))?;
    Ok(TlogEntry {
        log_index,
        log_id,
        kind,
        version,
        integrated_time,
        inclusion_promise,
        inclusion_proof,
        body,
        body_len,
    })
}

fn parse_proof<'a>(p: &Value<'a>) -> Result<InclusionProof<'a>, Error> {
    let log_index = uint(p.get("logIndex"), Error::BundleNegativeLogIndex)?;
    let tree_size = uint(p.get("treeSize"), Error::BundleMalformed)?;
    let (root_text, n) = b64(p.get("rootHash"))?;
    if n != 32 {
        return Err(Error::BundleMalformed);
    }
    let mut root_hash = [0u8; 32];
    base64::decode_json_str(&root_text, &mut root_hash)?;
    let hashes = match p.get("hashes") {
        Some(h) if h.kind() == Kind::Array => h,
        // An empty audit path (a tree of one leaf) may be omitted in proto3 JSON.
        None => json::parse(b"[]")?,
        Some(_) => return Err(Error::BundleMalformed),
    };
    let mut hash_count = 0;
    for h in hashes.elements() {
        hash_count += 1;
        if hash_count > MAX_PROOF_HASHES {
            return Err(Error::BundleTooManyEntries);
        }
        if b64(Some(h))?.1 != 32 {
            return Err(Error::BundleMalformed);
        }
    }
    let checkpoint = match present(p, "checkpoint") {
        None => return Err(Error::BundleMissingCheckpoint),
        Some(c) => match present(&obj(Some(c))?, "envelope") {
            None => return Err(Error::BundleMissingCheckpoint),
            Some(env) => env.as_str().ok_or(Error::BundleMalformed)?,
        },
    };
    if checkpoint.raw().is_empty() {
        return Err(Error::BundleMissingCheckpoint);
    }
    Ok(InclusionProof {
        log_index,
        tree_size,
        root_hash,
        hashes,
        hash_count,
        checkpoint,
    })
}
