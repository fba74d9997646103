//! Rekor transparency log entries (check V6 of `docs/keyless.md`): the inclusion promise (SET),
//! the inclusion proof (RFC 9162 §2.1.3.2), the signed checkpoint (C2SP `signed-note` and
//! `tlog-checkpoint`) and the binding of the logged body to the bundle.
//!
//! Rekor v1 logs sign SETs and checkpoints with ECDSA (P-256 in practice); Rekor v2 logs have no
//! SET and sign checkpoints with Ed25519. Every check here works on slices of the bundle and of
//! caller scratch; nothing is allocated.

use crate::Error;
use crate::base64;
use crate::bundle::{InclusionProof, TlogEntry};
use crate::json::{self, JsonStr, Kind, Value};
use crate::pae;
use crate::pkix::{HashAlgorithm, KeyAlgorithm, SigEncoding, VerifyKey};
use crate::trusted_root::{TransparencyLog, TrustedRoot};
use sha2::{Digest, Sha256, Sha384, Sha512};

/// Longest checkpoint (signed note) accepted, in bytes.
pub const MAX_CHECKPOINT_LEN: usize = 8 * 1024;
/// Most lines of one checkpoint (text and signature lines together).
pub const MAX_CHECKPOINT_LINES: usize = 64;
/// Longest signature accepted from a SET or a checkpoint line (ECDSA P-384 DER is at most 104).
const MAX_LOG_SIGNATURE: usize = 128;

/// RFC 6962 / RFC 9162 leaf hash: SHA-256(0x00 ‖ entry).
pub fn leaf_hash(entry: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(entry);
    h.finalize().into()
}

/// RFC 9162 interior node hash: SHA-256(0x01 ‖ left ‖ right).
fn node_hash(left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// Verifies an inclusion proof (RFC 9162 §2.1.3.2): the leaf at `index` of a tree of `size`
/// leaves, with the audit path `hashes` (leaf side first), leads to `root`. The number of
/// hashes must be exactly what the index and size need. Any failure gives
/// [`Error::TlogInclusionProofInvalid`].
pub fn verify_inclusion(
    index: u64,
    size: u64,
    leaf: &[u8; 32],
    hashes: impl IntoIterator<Item = [u8; 32]>,
    root: &[u8; 32],
) -> Result<(), Error> {
    if index >= size {
        return Err(Error::TlogInclusionProofInvalid);
    }
    let mut fnode = index;
    let mut snode = size - 1;
    let mut r = *leaf;
    for p in hashes {
        if snode == 0 {
            return Err(Error::TlogInclusionProofInvalid);
        }
        if fnode & 1 == 1 || fnode == snode {
            r = node_hash(&p, &r);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            r = node_hash(&r, &p);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if snode != 0 || r != *root {
        return Err(Error::TlogInclusionProofInvalid);
    }
    Ok(())
}

/// The hash a log key signs with: SHA-384 for P-384 keys, SHA-256 otherwise.
enum LogHasher {
    Sha256(Sha256),
    Sha384(Sha384),
}

impl LogHasher {
    fn for_key(key: &VerifyKey) -> Self {
        match key.algorithm() {
            KeyAlgorithm::EcdsaP384 => LogHasher::Sha384(Sha384::new()),
            _ => LogHasher::Sha256(Sha256::new()),
        }
    }
    fn update(&mut self, data: &[u8]) {
        match self {
            LogHasher::Sha256(h) => h.update(data),
            LogHasher::Sha384(h) => h.update(data),
        }
    }
    /// Verifies a DER ECDSA signature over the hash of everything fed.
    fn verify(self, key: &VerifyKey, sig: &[u8]) -> bool {
        let (out, n) = self.finish();
        key.verify_prehash(out.get(..n).unwrap_or(&[]), sig, SigEncoding::Der)
    }
    /// The hash of everything fed and its length (not inlined: the hash state is then off the
    /// stack while the signature is checked; docs/keyless.md "Footprint").
    #[inline(never)]
    fn finish(self) -> ([u8; 48], usize) {
        let mut out = [0u8; 48];
        let n = match self {
            LogHasher::Sha256(h) => {
                if let Some(o) = out.get_mut(..32) {
                    o.copy_from_slice(&h.finalize());
                }
                32
            }
            LogHasher::Sha384(h) => {
                out.copy_from_slice(&h.finalize());
                48
            }
        };
        (out, n)
    }
}

/// Standard base64 (with padding) of `data`, in pieces, to `sink` (hand-written: a dozen lines,
/// streaming, no buffer; the base64 crates encode into a slice).
fn base64_stream(data: &[u8], mut sink: impl FnMut(&[u8])) {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let sym = |v: u32| ALPHABET.get((v & 63) as usize).copied().unwrap_or(b'=');
    let mut out = [0u8; 64];
    let mut n = 0;
    for chunk in data.chunks(3) {
        let b = |i: usize| u32::from(chunk.get(i).copied().unwrap_or(0));
        let v = (b(0) << 16) | (b(1) << 8) | b(2);
        let quad = [
            sym(v >> 18),
            sym(v >> 12),
            if chunk.len() > 1 { sym(v >> 6) } else { b'=' },
            if chunk.len() > 2 { sym(v) } else { b'=' },
        ];
        if let Some(dst) = out.get_mut(n..n + 4) {
            dst.copy_from_slice(&quad);
        }
        n += 4;
        if n == out.len() {
            sink(&out);
            n = 0;
        }
    }
    sink(out.get(..n).unwrap_or(&[]));
}

/// Decimal text of `v` into `buf`; returns the digits.
fn decimal(mut v: u64, buf: &mut [u8; 20]) -> &[u8] {
    let mut i = buf.len();
    loop {
        i -= 1;
        if let Some(d) = buf.get_mut(i) {
            *d = b'0' + (v % 10) as u8;
        }
        v /= 10;
        if v == 0 || i == 0 {
            break;
        }
    }
    buf.get(i..).unwrap_or(&[])
}

/// Verifies a Rekor v1 inclusion promise (signed entry timestamp): an ECDSA signature (DER) by
/// the log's key over the RFC 8785 (JCS) serialisation of
/// `{"body":base64(body),"integratedTime":t,"logID":hex(log_id),"logIndex":i}`. The JCS text of
/// this fixed object is written straight into the hasher: keys in UTF-16 order, integers in
/// decimal, and the strings need no escaping (base64 and lowercase hex).
pub fn verify_set(
    key: &VerifyKey,
    set: &[u8],
    body: &[u8],
    integrated_time: i64,
    log_id: &[u8],
    log_index: u64,
) -> Result<(), Error> {
    let time = u64::try_from(integrated_time).map_err(|_| Error::TlogSetInvalid)?;
    if matches!(key.algorithm(), KeyAlgorithm::Ed25519) {
        return Err(Error::TlogSetInvalid);
    }
    let (digest, n) = set_digest(LogHasher::for_key(key), body, time, log_id, log_index);
    if !key.verify_prehash(digest.get(..n).unwrap_or(&[]), set, SigEncoding::Der) {
        return Err(Error::TlogSetInvalid);
    }
    Ok(())
}

/// The hash of a SET's JCS text (see [`verify_set`]) with `h`; its own frame, so the hash state
/// and the base64 buffer are off the stack while the signature is checked.
#[inline(never)]
fn set_digest(
    mut h: LogHasher,
    body: &[u8],
    time: u64,
    log_id: &[u8],
    log_index: u64,
) -> ([u8; 48], usize) {
    h.update(b"{\"body\":\"");
    base64_stream(body, |c| h.update(c));
    h.update(b"\",\"integratedTime\":");
    let mut buf = [0u8; 20];
    h.update(decimal(time, &mut buf));
    h.update(b",\"logID\":\"");
    for b in log_id {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let hi = HEX.get(usize::from(b >> 4)).copied().unwrap_or(b'0');
        let lo = HEX.get(usize::from(b & 15)).copied().unwrap_or(b'0');
        h.update(&[hi, lo]);
    }
    h.update(b"\",\"logIndex\":");
    h.update(decimal(log_index, &mut buf));
    h.update(b"}");
    h.finish()
}

/// A parsed checkpoint (C2SP `tlog-checkpoint` in a C2SP `signed-note`).
#[derive(Clone, Copy, Debug)]
pub struct Checkpoint<'n> {
    /// The origin line (the log's identity).
    pub origin: &'n str,
    /// The tree size.
    pub size: u64,
    /// The root hash.
    pub root_hash: [u8; 32],
    text: &'n [u8],
    signatures: &'n [u8],
}

/// One signature line of a note: `— name base64(key hint ‖ signature)`.
#[derive(Clone, Copy, Debug)]
pub struct NoteSignature<'n> {
    /// The key name.
    pub name: &'n str,
    /// The base64 text (key hint and signature).
    pub base64: &'n [u8],
}

impl NoteSignature<'_> {
    /// Decodes into `out` and splits off the 4-byte key hint; `None` if it does not fit.
    fn decode<'o>(&self, out: &'o mut [u8; 4 + MAX_LOG_SIGNATURE]) -> Option<([u8; 4], &'o [u8])> {
        let n = base64::decode_into(self.base64, out).ok()?;
        let (hint, sig) = out.get(..n)?.split_first_chunk::<4>()?;
        Some((*hint, sig))
    }
}

/// The em dash (U+2014) and space that open a signature line.
const SIG_PREFIX: &[u8] = "\u{2014} ".as_bytes();

/// Whether `b` is a standard base64 character (signed notes use the standard alphabet, padded).
fn is_std_base64(text: &[u8]) -> bool {
    !text.is_empty()
        && text.len().is_multiple_of(4)
        && text
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'=')
        && base64::decoded_len_if_valid(text) > 0
}

impl<'n> Checkpoint<'n> {
    /// Parses a signed note holding a checkpoint. Rules (C2SP `signed-note`, `tlog-checkpoint`):
    /// UTF-8 without control characters other than newline; at most [`MAX_CHECKPOINT_LEN`] bytes
    /// and [`MAX_CHECKPOINT_LINES`] lines; every line ends with a newline; the text is the origin
    /// (non-empty), the tree size (decimal, no leading zeros), the root hash (standard base64 of
    /// 32 bytes) and optional non-empty extension lines; then one blank line; then at least one
    /// signature line `— name base64`, the name non-empty without spaces or `+`, the base64
    /// standard and at least 5 bytes (key hint and signature). Anything else is
    /// [`Error::CheckpointMalformed`].
    pub fn parse(note: &'n [u8]) -> Result<Self, Error> {
        let bad = Error::CheckpointMalformed;
        if note.len() > MAX_CHECKPOINT_LEN || !note.ends_with(b"\n") {
            return Err(bad);
        }
        let text_str = core::str::from_utf8(note).map_err(|_| bad)?;
        if text_str.chars().any(|c| c.is_control() && c != '\n') {
            return Err(bad);
        }
        if note.iter().filter(|&&b| b == b'\n').count() > MAX_CHECKPOINT_LINES {
            return Err(bad);
        }
        let split = note.windows(2).position(|w| w == b"\n\n").ok_or(bad)?;
        let text = note.get(..=split).ok_or(bad)?;
        let signatures = note.get(split + 2..).ok_or(bad)?;
        let mut lines = text.split(|&b| b == b'\n');
        let origin = lines.next().filter(|l| !l.is_empty()).ok_or(bad)?;
        let size_line = lines.next().ok_or(bad)?;
        let root_line = lines.next().ok_or(bad)?;
        // The remaining lines are extensions (non-empty, since the first blank line ends the
        // text) and the empty piece after the final newline.
        let size = parse_decimal(size_line).ok_or(bad)?;
        let mut root_hash = [0u8; 32];
        if !is_std_base64(root_line) || base64::decode_into(root_line, &mut root_hash) != Ok(32) {
            return Err(bad);
        }
        let cp = Checkpoint {
            origin: core::str::from_utf8(origin).map_err(|_| bad)?,
            size,
            root_hash,
            text,
            signatures,
        };
        let mut count = 0;
        for line in cp.signature_lines() {
            parse_signature_line(line).ok_or(bad)?;
            count += 1;
        }
        if count == 0 {
            return Err(bad);
        }
        Ok(cp)
    }

    /// The signed text: every line before the blank line, each with its newline.
    pub fn signed_text(&self) -> &'n [u8] {
        self.text
    }

    fn signature_lines(&self) -> impl Iterator<Item = &'n [u8]> + use<'n> {
        let sigs = self.signatures;
        // Every line ends with a newline (checked by `parse`: the note ends with one).
        sigs.strip_suffix(b"\n")
            .map(|s| s.split(|&b| b == b'\n'))
            .into_iter()
            .flatten()
    }

    /// The signature lines, in order.
    pub fn signatures(&self) -> impl Iterator<Item = NoteSignature<'n>> + use<'n> {
        self.signature_lines().filter_map(parse_signature_line)
    }
}

fn parse_decimal(text: &[u8]) -> Option<u64> {
    if text.is_empty() || text.len() > 20 || (text.len() > 1 && text.first() == Some(&b'0')) {
        return None;
    }
    let mut n: u64 = 0;
    for &d in text {
        if !d.is_ascii_digit() {
            return None;
        }
        n = n.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
    }
    Some(n)
}

fn parse_signature_line(line: &[u8]) -> Option<NoteSignature<'_>> {
    let rest = line.strip_prefix(SIG_PREFIX)?;
    let space = rest.iter().position(|&b| b == b' ')?;
    let (name, b64) = rest.split_at(space);
    let b64 = b64.get(1..)?;
    let name = core::str::from_utf8(name).ok()?;
    if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c == '+') {
        return None;
    }
    if !is_std_base64(b64) || base64::decoded_len_if_valid(b64) < 5 {
        return None;
    }
    Some(NoteSignature { name, base64: b64 })
}

/// The C2SP signed-note key name of a Rekor v2 log: its `baseUrl` without the scheme and without
/// a trailing `/`.
fn note_key_name<'a>(log: &TransparencyLog<'a>) -> Option<&'a [u8]> {
    let url = log.base_url.as_plain_str()?.as_bytes();
    let url = url
        .strip_prefix(b"https://")
        .or_else(|| url.strip_prefix(b"http://"))
        .unwrap_or(url);
    Some(url.strip_suffix(b"/").unwrap_or(url))
}

/// Verifies a checkpoint's signature with the log's key: at least one signature line must
/// verify. Lines whose key hint is not this log's (witness cosignatures, in any position) are
/// ignored. Rekor v1 (ECDSA): the key hint is the first 4 bytes of the log id, the signature DER
/// over SHA-256 of the signed text (SHA-384 for a P-384 key). Rekor v2 (Ed25519): the key name is
/// the log's `baseUrl` without scheme, which must also be the checkpoint's origin
/// ([`Error::CheckpointMismatch`] otherwise); the key hint is the first 4 bytes of
/// SHA-256(name ‖ `\n` ‖ 0x01 ‖ key), as the signed-note spec defines; the signature is pure
/// Ed25519 over the text.
pub fn verify_checkpoint(
    cp: &Checkpoint<'_>,
    log: &TransparencyLog<'_>,
    key: &VerifyKey,
) -> Result<(), Error> {
    let mut buf = [0u8; 4 + MAX_LOG_SIGNATURE];
    match key {
        #[cfg(feature = "ed25519")]
        VerifyKey::Ed25519(pk) => {
            let name = note_key_name(log).ok_or(Error::CheckpointSignatureInvalid)?;
            if cp.origin.as_bytes() != name {
                return Err(Error::CheckpointMismatch);
            }
            let mut h = Sha256::new();
            h.update(name);
            h.update(b"\n\x01");
            h.update(pk.as_ref());
            let id: [u8; 32] = h.finalize().into();
            for s in cp.signatures() {
                if s.name.as_bytes() != name {
                    continue;
                }
                let Some((hint, sig)) = s.decode(&mut buf) else {
                    continue;
                };
                if id.get(..4) == Some(hint.as_slice())
                    && key.verify_message(HashAlgorithm::Sha256, cp.text, sig, SigEncoding::Der)
                {
                    return Ok(());
                }
            }
        }
        _ => {
            for s in cp.signatures() {
                let Some((hint, sig)) = s.decode(&mut buf) else {
                    continue;
                };
                if log.log_id.get(..4) != Some(hint.as_slice()) {
                    continue;
                }
                if checkpoint_hasher(key, cp.text).verify(key, sig) {
                    return Ok(());
                }
            }
        }
    }
    Err(Error::CheckpointSignatureInvalid)
}

/// A [`LogHasher`] fed with `text` (by value: the caller's frame holds only the state).
fn checkpoint_hasher(key: &VerifyKey, text: &[u8]) -> LogHasher {
    let mut h = LogHasher::for_key(key);
    h.update(text);
    h
}

/// Who signed, as the bundle says.
#[derive(Clone, Copy, Debug)]
pub enum Signer<'x> {
    /// The leaf certificate (DER).
    Certificate(&'x [u8]),
    /// A managed key (SubjectPublicKeyInfo DER).
    PublicKey(&'x [u8]),
}

/// What was signed, as the bundle says.
#[derive(Clone, Copy, Debug)]
pub enum Signed<'x> {
    /// A message signature over this digest of the artifact.
    Message {
        /// The digest algorithm.
        algorithm: HashAlgorithm,
        /// The artifact's digest.
        digest: &'x [u8],
    },
    /// A DSSE envelope.
    Dsse {
        /// Its `payloadType`.
        payload_type: &'x [u8],
        /// Its decoded payload.
        payload: &'x [u8],
    },
}

/// What a log entry's body must say to be bound to the bundle.
#[derive(Clone, Copy, Debug)]
pub struct Expected<'x> {
    /// The signed content.
    pub signed: Signed<'x>,
    /// The bundle's signature bytes (message signature or the DSSE signature).
    pub signature: &'x [u8],
    /// The signer.
    pub signer: Signer<'x>,
}

/// Scratch that [`check_body`] needs for a body of `body_len` bytes (the PEM text of a key or
/// certificate inside it decodes into it).
pub const fn body_scratch_len(body_len: usize) -> usize {
    body_len
}

fn member<'a>(v: &Value<'a>, key: &str) -> Result<Value<'a>, Error> {
    v.get(key).ok_or(Error::TlogBodyMalformed)
}

fn member_obj<'a>(v: &Value<'a>, key: &str) -> Result<Value<'a>, Error> {
    match v.get(key) {
        Some(o) if o.kind() == Kind::Object => Ok(o),
        _ => Err(Error::TlogBodyMalformed),
    }
}

fn member_str<'a>(v: &Value<'a>, key: &str) -> Result<JsonStr<'a>, Error> {
    member(v, key)?.as_str().ok_or(Error::TlogBodyMalformed)
}

/// Whether base64 text decodes to exactly `expected` (streamed: nothing is stored). Invalid
/// base64 is [`Error::TlogBodyMalformed`].
fn base64_equals(s: &JsonStr<'_>, expected: &[u8]) -> Result<bool, Error> {
    let mut pos = 0usize;
    let mut equal = true;
    base64::stream_json_str(s, |chunk| {
        let end = pos.saturating_add(chunk.len());
        equal &= expected.get(pos..end) == Some(chunk);
        pos = end;
    })
    .map_err(|_| Error::TlogBodyMalformed)?;
    Ok(equal && pos == expected.len())
}

/// Whether lowercase hex text equals `expected`; other text is [`Error::TlogBodyMalformed`].
fn hex_equals(s: &JsonStr<'_>, expected: &[u8]) -> Result<bool, Error> {
    let raw = s.raw();
    if s.has_escapes()
        || !raw
            .iter()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b))
        || !raw.len().is_multiple_of(2)
    {
        return Err(Error::TlogBodyMalformed);
    }
    if raw.len() != expected.len() * 2 {
        return Ok(false);
    }
    let nib = |b: u8| if b <= b'9' { b - b'0' } else { b - b'a' + 10 };
    Ok(raw
        .chunks_exact(2)
        .zip(expected)
        .all(|(pair, e)| match pair {
            [h, l] => (nib(*h) << 4 | nib(*l)) == *e,
            _ => false,
        }))
}

/// Compares a base64 PEM document (certificate or public key) with the signer: the PEM text is
/// decoded into `scratch`, its label must fit the signer (`CERTIFICATE` or `PUBLIC KEY`) and its
/// DER must equal the signer's.
fn pem_matches(s: &JsonStr<'_>, signer: &Signer<'_>, scratch: &mut [u8]) -> Result<bool, Error> {
    let n = base64::decode_json_str(s, scratch).map_err(|e| match e {
        Error::BufferTooSmall => e,
        _ => Error::TlogBodyMalformed,
    })?;
    let pem = scratch.get(..n).ok_or(Error::BufferTooSmall)?;
    let mut dec =
        pem_rfc7468::Decoder::new(pem.trim_ascii()).map_err(|_| Error::TlogBodyMalformed)?;
    let (label, expected) = match signer {
        Signer::Certificate(der) => ("CERTIFICATE", *der),
        Signer::PublicKey(der) => ("PUBLIC KEY", *der),
    };
    if dec.type_label() != label || dec.remaining_len() != expected.len() {
        return Ok(false);
    }
    let mut pos = 0;
    let mut buf = [0u8; 96];
    while !dec.is_finished() {
        let want = dec.remaining_len().min(buf.len());
        let chunk = dec
            .decode(buf.get_mut(..want).ok_or(Error::TlogBodyMalformed)?)
            .map_err(|_| Error::TlogBodyMalformed)?;
        if expected.get(pos..pos + chunk.len()) != Some(chunk) {
            return Ok(false);
        }
        pos += chunk.len();
    }
    Ok(pos == expected.len())
}

/// Rekor's lowercase hash algorithm names (hashedrekord 0.0.1, dsse, intoto).
fn v1_hash_name(alg: HashAlgorithm) -> &'static str {
    match alg {
        HashAlgorithm::Sha256 => "sha256",
        HashAlgorithm::Sha384 => "sha384",
        HashAlgorithm::Sha512 => "sha512",
    }
}

/// The protobuf hash algorithm names (hashedrekord 0.0.2).
fn v2_hash_algorithm(s: &JsonStr<'_>) -> Result<HashAlgorithm, Error> {
    if s.eq_str("SHA2_256") {
        Ok(HashAlgorithm::Sha256)
    } else if s.eq_str("SHA2_384") {
        Ok(HashAlgorithm::Sha384)
    } else if s.eq_str("SHA2_512") {
        Ok(HashAlgorithm::Sha512)
    } else {
        Err(Error::TlogBodyMalformed)
    }
}

/// `{"algorithm": "sha256", "value": hex}` equal to SHA-256 of `data`.
fn check_sha256_hex(h: &Value<'_>, data: &[u8]) -> Result<(), Error> {
    if h.kind() != Kind::Object || !member_str(h, "algorithm")?.eq_str("sha256") {
        return Err(Error::TlogBodyMalformed);
    }
    let digest: [u8; 32] = Sha256::digest(data).into();
    if !hex_equals(&member_str(h, "value")?, &digest)? {
        return Err(Error::TlogBodyArtifactMismatch);
    }
    Ok(())
}

/// The one element of a JSON array (more or fewer: the body does not name exactly the bundle's
/// one signature).
fn only_element<'a>(v: &Value<'a>) -> Result<Value<'a>, Error> {
    if v.kind() != Kind::Array {
        return Err(Error::TlogBodyMalformed);
    }
    let mut it = v.elements();
    let first = it.next().ok_or(Error::TlogBodySignatureMismatch)?;
    if it.next().is_some() {
        return Err(Error::TlogBodySignatureMismatch);
    }
    if first.kind() != Kind::Object {
        return Err(Error::TlogBodyMalformed);
    }
    Ok(first)
}

/// Hash of PAE(payload type, payload) with `alg`.
fn pae_digest(
    alg: HashAlgorithm,
    payload_type: &[u8],
    payload: &[u8],
    out: &mut [u8; 64],
) -> usize {
    fn run<D: Digest>(t: &[u8], p: &[u8], out: &mut [u8]) {
        let mut h = D::new();
        pae::stream(t, p, |c| h.update(c));
        out.copy_from_slice(&h.finalize());
    }
    let n = alg.output_len();
    if let Some(o) = out.get_mut(..n) {
        match alg {
            HashAlgorithm::Sha256 => run::<Sha256>(payload_type, payload, o),
            HashAlgorithm::Sha384 => run::<Sha384>(payload_type, payload, o),
            HashAlgorithm::Sha512 => run::<Sha512>(payload_type, payload, o),
        }
    }
    n
}

/// Checks that a log entry's body (decoded `canonicalizedBody`) is bound to the bundle: the
/// body's `kind` / `apiVersion` equal the entry's `kindVersion`, and (by kind):
///
/// * **hashedrekord 0.0.1** (message signatures): `data.hash` is the artifact digest (same
///   algorithm), `signature.content` the bundle's signature, `signature.publicKey.content` the
///   signer (base64 of PEM: the leaf certificate, or the managed key);
/// * **dsse 0.0.1** (DSSE): `payloadHash` is SHA-256 of the payload, `signatures` holds exactly
///   one entry whose `signature` is the bundle's and whose `verifier` (base64 PEM) is the signer;
/// * **intoto 0.0.2** (DSSE): `content.payloadHash` is SHA-256 of the payload,
///   `content.envelope.payloadType` the bundle's, `content.envelope.signatures` exactly one entry
///   whose `sig` (base64 of the base64 signature) is the bundle's and whose `publicKey` (base64
///   PEM) is the signer;
/// * **hashedrekord 0.0.2** (Rekor v2, both contents): `hashedRekordV002.data` is the artifact
///   digest, or for DSSE the hash of PAE(payloadType, payload) with the algorithm it names;
///   `signature.content` the bundle's signature; `signature.verifier.x509Certificate.rawBytes`
///   the leaf (DER), or `verifier.publicKey.rawBytes` the managed key.
///
/// Other kinds, or a kind for the other content, give [`Error::TlogKindUnsupported`]. The
/// envelope hashes of dsse/intoto bodies are not recomputed (they hash a canonical envelope the
/// bundle does not carry); the payload hash and signature bind the entry.
#[inline(never)]
pub fn check_body(
    kind: &JsonStr<'_>,
    version: &JsonStr<'_>,
    body: &[u8],
    expected: &Expected<'_>,
    scratch: &mut [u8],
) -> Result<(), Error> {
    let root = json::parse(body).map_err(|_| Error::TlogBodyMalformed)?;
    if root.kind() != Kind::Object {
        return Err(Error::TlogBodyMalformed);
    }
    let body_kind = member_str(&root, "kind")?;
    let body_version = member_str(&root, "apiVersion")?;
    if !body_kind.eq_bytes(kind.raw())
        || !body_version.eq_bytes(version.raw())
        || kind.has_escapes()
    {
        return Err(Error::TlogBodyMalformed);
    }
    let spec = member_obj(&root, "spec")?;
    let k = kind.raw();
    let v = version.raw();
    match (k, v, expected.signed) {
        (b"hashedrekord", b"0.0.1", Signed::Message { algorithm, digest }) => {
            let hash = member_obj(&member_obj(&spec, "data")?, "hash")?;
            let alg = member_str(&hash, "algorithm")?;
            let value = member_str(&hash, "value")?;
            let sig = member_obj(&spec, "signature")?;
            let content = member_str(&sig, "content")?;
            let key = member_str(&member_obj(&sig, "publicKey")?, "content")?;
            if !alg.eq_str(v1_hash_name(algorithm)) || !hex_equals(&value, digest)? {
                return Err(Error::TlogBodyArtifactMismatch);
            }
            if !base64_equals(&content, expected.signature)? {
                return Err(Error::TlogBodySignatureMismatch);
            }
            if !pem_matches(&key, &expected.signer, scratch)? {
                return Err(Error::TlogBodyKeyMismatch);
            }
        }
        (b"dsse", b"0.0.1", Signed::Dsse { payload, .. }) => {
            check_sha256_hex(&member_obj(&spec, "payloadHash")?, payload)?;
            let sig = only_element(&member(&spec, "signatures")?)?;
            if !base64_equals(&member_str(&sig, "signature")?, expected.signature)? {
                return Err(Error::TlogBodySignatureMismatch);
            }
            if !pem_matches(&member_str(&sig, "verifier")?, &expected.signer, scratch)? {
                return Err(Error::TlogBodyKeyMismatch);
            }
        }
        (
            b"intoto",
            b"0.0.2",
            Signed::Dsse {
                payload_type,
                payload,
            },
        ) => {
            let content = member_obj(&spec, "content")?;
            check_sha256_hex(&member_obj(&content, "payloadHash")?, payload)?;
            let env = member_obj(&content, "envelope")?;
            if !member_str(&env, "payloadType")?.eq_bytes(payload_type) {
                return Err(Error::TlogBodyArtifactMismatch);
            }
            let sig = only_element(&member(&env, "signatures")?)?;
            // `sig` is base64 of the base64 text of the signature.
            let outer = member_str(&sig, "sig")?;
            let n = base64::decode_json_str(&outer, scratch).map_err(|e| match e {
                Error::BufferTooSmall => e,
                _ => Error::TlogBodyMalformed,
            })?;
            let mut raw = [0u8; 256];
            let inner = scratch.get(..n).ok_or(Error::BufferTooSmall)?;
            let m = base64::decode_into(inner, &mut raw).map_err(|e| match e {
                // Longer than any signature vouch verifies: not the bundle's.
                Error::BufferTooSmall => Error::TlogBodySignatureMismatch,
                _ => Error::TlogBodyMalformed,
            })?;
            if raw.get(..m) != Some(expected.signature) {
                return Err(Error::TlogBodySignatureMismatch);
            }
            if !pem_matches(&member_str(&sig, "publicKey")?, &expected.signer, scratch)? {
                return Err(Error::TlogBodyKeyMismatch);
            }
        }
        (b"hashedrekord", b"0.0.2", signed) => {
            let inner = member_obj(&spec, "hashedRekordV002")?;
            let data = member_obj(&inner, "data")?;
            let alg = v2_hash_algorithm(&member_str(&data, "algorithm")?)?;
            let digest = member_str(&data, "digest")?;
            let sig = member_obj(&inner, "signature")?;
            let content = member_str(&sig, "content")?;
            let verifier = member_obj(&sig, "verifier")?;
            let mut buf = [0u8; 64];
            let want: &[u8] = match signed {
                Signed::Message { algorithm, digest } => {
                    if algorithm != alg {
                        return Err(Error::TlogBodyArtifactMismatch);
                    }
                    digest
                }
                Signed::Dsse {
                    payload_type,
                    payload,
                } => {
                    let n = pae_digest(alg, payload_type, payload, &mut buf);
                    buf.get(..n).unwrap_or(&[])
                }
            };
            if !base64_equals(&digest, want)? {
                return Err(Error::TlogBodyArtifactMismatch);
            }
            if !base64_equals(&content, expected.signature)? {
                return Err(Error::TlogBodySignatureMismatch);
            }
            let (field, der) = match expected.signer {
                Signer::Certificate(der) => ("x509Certificate", der),
                Signer::PublicKey(der) => ("publicKey", der),
            };
            let raw = match verifier.get(field) {
                Some(o) if o.kind() == Kind::Object => member_str(&o, "rawBytes")?,
                Some(_) => return Err(Error::TlogBodyMalformed),
                None => return Err(Error::TlogBodyKeyMismatch),
            };
            if !base64_equals(&raw, der)? {
                return Err(Error::TlogBodyKeyMismatch);
            }
        }
        _ => return Err(Error::TlogKindUnsupported),
    }
    Ok(())
}

/// What a verified entry contributes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VerifiedEntry {
    /// Index of the log in the trusted root's `tlogs`.
    pub log: usize,
    /// The entry's integrated time, when its SET verified (the only way it becomes trusted).
    pub integrated_time: Option<i64>,
}

/// Scratch [`verify_entry`] needs for `entry`.
pub fn entry_scratch_len(entry: &TlogEntry<'_>) -> usize {
    let checkpoint = entry
        .inclusion_proof
        .map_or(0, |p| p.checkpoint.unescaped_len());
    (entry.body_len + body_scratch_len(entry.body_len)).max(checkpoint)
}

/// Verifies one tlog entry against the trusted root. `Ok(None)`: the entry's log is not in the
/// trusted root (such entries do not count; the caller needs at least one that does). For a
/// known log, every part present must verify:
///
/// 1. the body is bound to the bundle ([`check_body`]);
/// 2. an inclusion promise: the log key's `validFor` contains `integratedTime`
///    ([`Error::TlogKeyNotValid`]) and the SET verifies ([`verify_set`]); only then is the
///    integrated time returned as trusted;
/// 3. an inclusion proof: it leads from the body's leaf hash to its root ([`verify_inclusion`]),
///    its checkpoint parses ([`Checkpoint::parse`]), has the proof's tree size and root hash
///    ([`Error::CheckpointMismatch`]) and is signed by the log ([`verify_checkpoint`]).
#[inline(never)]
pub fn verify_entry(
    entry: &TlogEntry<'_>,
    root: &TrustedRoot<'_>,
    expected: &Expected<'_>,
    scratch: &mut [u8],
) -> Result<Option<VerifiedEntry>, Error> {
    let id = entry.log_id.as_bytes();
    let Some((index, log)) = root.tlogs().enumerate().find(|(_, l)| l.has_id(id)) else {
        return Ok(None);
    };
    let key = log.public_key()?;
    let (body_buf, rest) = scratch
        .split_at_mut_checked(entry.body_len)
        .ok_or(Error::BufferTooSmall)?;
    let n = base64::decode_json_str(&entry.body, body_buf)?;
    let body: &[u8] = body_buf.get(..n).ok_or(Error::BufferTooSmall)?;
    check_body(&entry.kind, &entry.version, body, expected, rest)?;

    let mut integrated_time = None;
    if let Some(set_text) = entry.inclusion_promise {
        let time = entry.integrated_time.ok_or(Error::TlogSetInvalid)?;
        if !log.valid_for.contains(time) {
            return Err(Error::TlogKeyNotValid);
        }
        let mut set = [0u8; MAX_LOG_SIGNATURE];
        let n = base64::decode_json_str(&set_text, &mut set).map_err(|_| Error::TlogSetInvalid)?;
        verify_set(
            &key,
            set.get(..n).unwrap_or(&[]),
            body,
            time,
            &log.log_id,
            entry.log_index,
        )?;
        integrated_time = Some(time);
    }
    if let Some(proof) = entry.inclusion_proof {
        let leaf = leaf_hash(body);
        verify_proof_and_checkpoint(&proof, &leaf, &log, &key, scratch)?;
    }
    Ok(Some(VerifiedEntry {
        log: index,
        integrated_time,
    }))
}

/// The inclusion proof and its checkpoint (the checkpoint is unescaped into `scratch`).
#[inline(never)]
fn verify_proof_and_checkpoint(
    proof: &InclusionProof<'_>,
    leaf: &[u8; 32],
    log: &TransparencyLog<'_>,
    key: &VerifyKey,
    scratch: &mut [u8],
) -> Result<(), Error> {
    verify_inclusion(
        proof.log_index,
        proof.tree_size,
        leaf,
        proof.hashes(),
        &proof.root_hash,
    )?;
    if proof.checkpoint.unescaped_len() > MAX_CHECKPOINT_LEN {
        return Err(Error::CheckpointMalformed);
    }
    let note = proof.checkpoint.unescape_into(scratch)?;
    let cp = Checkpoint::parse(note.as_bytes())?;
    if cp.size != proof.tree_size || cp.root_hash != proof.root_hash {
        return Err(Error::CheckpointMismatch);
    }
    verify_checkpoint(&cp, log, key)
}
