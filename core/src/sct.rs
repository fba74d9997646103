//! Keyless check V4: the signed certificate timestamps (SCTs) embedded in a Fulcio leaf, verified
//! over the reconstructed precertificate (RFC 6962 §3.2 and §3.3).
//!
//! * The SCTs come from the leaf's extension 1.3.6.1.4.1.11129.2.4.2, an OCTET STRING holding a
//!   TLS-encoded `SignedCertificateTimestampList`: a 2-byte length, then SCTs each with a
//!   2-byte length. Neither list nor SCT may be empty; every length must match exactly
//!   ([`Error::SctMalformed`]). No list: [`Error::SctMissing`]. Each SCT is judged on its own:
//!   one that is malformed or of an unknown version does not stop the others from verifying.
//! * Each SCT is `version(1) ‖ log_id(32) ‖ timestamp(8, ms) ‖ extensions(2-byte length) ‖
//!   hash(1) sig(1) ‖ signature(2-byte length)`. Only v1 (0) with SHA-256 (4) and ECDSA (3) is
//!   supported, as Sigstore's CT logs use ([`Error::SctUnsupported`]; an RSA log key gives
//!   [`Error::RsaUnsupported`]).
//! * The log is found in the trusted root's `ctlogs` by the SCT's log id
//!   ([`Error::SctUnknownLog`]); its key must be ECDSA P-256; the SCT timestamp must lie in the
//!   log's `validFor` (closed; compared in milliseconds, [`Error::SctOutsideLogValidity`]).
//! * The signed data (RFC 6962 §3.2, `precert_entry`): `version ‖ 0 (certificate_timestamp) ‖
//!   timestamp ‖ 0x0001 (precert_entry) ‖ SHA-256(issuer SPKI) ‖ tbs length (3 bytes) ‖ TBS ‖
//!   extensions length (2 bytes) ‖ extensions`, where TBS is the leaf's TBSCertificate re-encoded
//!   without the SCT list extension (the precertificate's TBS, whose poison extension sat in the
//!   same place). It is hashed in pieces around the removed extension, with new DER lengths for
//!   the TBS, the `[3]` wrapper and the extensions SEQUENCE; nothing is copied. The issuer is the
//!   leaf's parent in the verified path (V3 gives its SPKI hash).
//! * The check passes when at least one SCT verifies; it returns how many **distinct** logs
//!   verified. If none does, the error of the first SCT that failed is returned.

use crate::Error;
use crate::der::{self, Reader};
use crate::pkix::{KeyAlgorithm, SigEncoding};
use crate::trusted_root::TrustedRoot;
use crate::x509::{Certificate, oid};
use sha2::{Digest, Sha256};

/// Most SCTs read from one list (Fulcio embeds one; more are refused as malformed).
pub const MAX_SCTS: usize = 16;

/// One parsed SCT (borrowing the list).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sct<'a> {
    /// Version byte (0 = v1).
    pub version: u8,
    /// The log id (SHA-256 of the log's key).
    pub log_id: &'a [u8],
    /// Milliseconds since the epoch.
    pub timestamp_ms: u64,
    /// The `CtExtensions` bytes.
    pub extensions: &'a [u8],
    /// Hash algorithm byte (4 = SHA-256).
    pub hash_algorithm: u8,
    /// Signature algorithm byte (3 = ECDSA).
    pub signature_algorithm: u8,
    /// The signature (DER ECDSA).
    pub signature: &'a [u8],
}

/// A cursor over TLS-encoded bytes.
struct Tls<'a> {
    data: &'a [u8],
}

impl<'a> Tls<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], Error> {
        if n > self.data.len() {
            return Err(Error::SctMalformed);
        }
        let (head, rest) = self.data.split_at(n);
        self.data = rest;
        Ok(head)
    }

    fn u8(&mut self) -> Result<u8, Error> {
        self.take(1)?.first().copied().ok_or(Error::SctMalformed)
    }

    fn u16(&mut self) -> Result<usize, Error> {
        let b = self.take(2)?;
        Ok(b.iter().fold(0usize, |a, &x| (a << 8) | usize::from(x)))
    }

    fn u64(&mut self) -> Result<u64, Error> {
        let b = self.take(8)?;
        Ok(b.iter().fold(0u64, |a, &x| (a << 8) | u64::from(x)))
    }

    fn vec16(&mut self) -> Result<&'a [u8], Error> {
        let n = self.u16()?;
        self.take(n)
    }
}

/// The SCTs of a TLS `SignedCertificateTimestampList`. The list's framing is checked first
/// (exact lengths, no empty list or entry, at most [`MAX_SCTS`]: [`Error::SctMalformed`]); each
/// SCT is then parsed on its own, so that one SCT of an unknown version does not hide the others.
pub fn parse_list(list: &[u8]) -> Result<impl Iterator<Item = Result<Sct<'_>, Error>>, Error> {
    let mut outer = Tls { data: list };
    let body = outer.vec16()?;
    if !outer.data.is_empty() || body.is_empty() {
        return Err(Error::SctMalformed);
    }
    let mut t = Tls { data: body };
    let mut n = 0usize;
    while !t.data.is_empty() {
        if t.vec16()?.is_empty() {
            return Err(Error::SctMalformed);
        }
        n += 1;
        if n > MAX_SCTS {
            return Err(Error::SctMalformed);
        }
    }
    let mut t = Tls { data: body };
    Ok(core::iter::from_fn(move || {
        if t.data.is_empty() {
            None
        } else {
            Some(t.vec16().and_then(parse_sct))
        }
    }))
}

/// One serialized SCT.
pub fn parse_sct(bytes: &[u8]) -> Result<Sct<'_>, Error> {
    if bytes.is_empty() {
        return Err(Error::SctMalformed);
    }
    let mut t = Tls { data: bytes };
    let version = t.u8()?;
    if version != 0 {
        // Later versions may change everything after the version byte.
        return Err(Error::SctUnsupported);
    }
    let log_id = t.take(32)?;
    let timestamp_ms = t.u64()?;
    let extensions = t.vec16()?;
    let hash_algorithm = t.u8()?;
    let signature_algorithm = t.u8()?;
    let signature = t.vec16()?;
    if !t.data.is_empty() || signature.is_empty() {
        return Err(Error::SctMalformed);
    }
    Ok(Sct {
        version,
        log_id,
        timestamp_ms,
        extensions,
        hash_algorithm,
        signature_algorithm,
        signature,
    })
}

/// The leaf's TBSCertificate without its SCT list extension, as the pieces to hash: the new
/// headers are small stack buffers, the bodies sub-slices of the leaf.
struct PrecertTbs<'a> {
    tbs_header: ([u8; 6], usize),
    before_extensions: &'a [u8],
    wrapper_header: ([u8; 6], usize),
    sequence_header: ([u8; 6], usize),
    extensions_before: &'a [u8],
    extensions_after: &'a [u8],
    after_extensions: &'a [u8],
    /// Whether any extension is left (else the `[3]` wrapper is omitted).
    has_extensions: bool,
    len: usize,
}

/// A DER header (tag and definite length) in a small buffer.
fn header(tag: u8, len: usize) -> Result<([u8; 6], usize), Error> {
    let mut h = [0u8; 6];
    h[0] = tag;
    let n = if len < 0x80 {
        h[1] = len as u8;
        2
    } else {
        let bytes = (len as u32).to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        let count = 4 - skip;
        h[1] = 0x80 | count as u8;
        for (i, b) in bytes.iter().skip(skip).enumerate() {
            *h.get_mut(2 + i).ok_or(Error::SctMalformed)? = *b;
        }
        2 + count
    };
    Ok((h, n))
}

fn header_bytes(h: &([u8; 6], usize)) -> &[u8] {
    h.0.get(..h.1).unwrap_or(&[])
}

impl<'a> PrecertTbs<'a> {
    fn new(leaf: &Certificate<'a>) -> Result<Self, Error> {
        let tbs = der::parse_exact(leaf.tbs(), der::SEQUENCE)?;
        let contents = tbs.value;
        let mut r = Reader::new(contents);
        let mut found = None;
        while !r.is_empty() {
            let pos = r.position();
            let e = r.read_any()?;
            if e.tag == 0xa3 {
                found = Some((pos, e));
                break;
            }
        }
        let (pos, wrapper) = found.ok_or(Error::SctMissing)?;
        let after_extensions = contents.get(r.position()..).ok_or(Error::SctMalformed)?;
        let before_extensions = contents.get(..pos).ok_or(Error::SctMalformed)?;
        let seq = der::parse_exact(wrapper.value, der::SEQUENCE)?;
        let mut er = seq.reader();
        let mut split = None;
        while !er.is_empty() {
            let start = er.position();
            let ext = er.read(der::SEQUENCE)?;
            let mut x = ext.reader();
            if der::oid(&x.read(der::OID)?)? == oid::SCT_LIST {
                split = Some((start, er.position()));
                break;
            }
        }
        let (start, end) = split.ok_or(Error::SctMissing)?;
        let extensions_before = seq.value.get(..start).ok_or(Error::SctMalformed)?;
        let extensions_after = seq.value.get(end..).ok_or(Error::SctMalformed)?;
        let inner_len = extensions_before.len() + extensions_after.len();
        let sequence_header = header(der::SEQUENCE, inner_len)?;
        let wrapper_len = sequence_header.1 + inner_len;
        let wrapper_header = header(0xa3, wrapper_len)?;
        let has_extensions = inner_len > 0;
        let body_len = before_extensions.len()
            + if has_extensions {
                wrapper_header.1 + wrapper_len
            } else {
                0
            }
            + after_extensions.len();
        let tbs_header = header(der::SEQUENCE, body_len)?;
        Ok(PrecertTbs {
            len: tbs_header.1 + body_len,
            tbs_header,
            before_extensions,
            wrapper_header,
            sequence_header,
            extensions_before,
            extensions_after,
            after_extensions,
            has_extensions,
        })
    }

    fn hash_into(&self, h: &mut Sha256) {
        h.update(header_bytes(&self.tbs_header));
        h.update(self.before_extensions);
        if self.has_extensions {
            h.update(header_bytes(&self.wrapper_header));
            h.update(header_bytes(&self.sequence_header));
            h.update(self.extensions_before);
            h.update(self.extensions_after);
        }
        h.update(self.after_extensions);
    }
}

/// Verifies the leaf's embedded SCTs; returns how many DISTINCT CT logs verified (>= 1, else Err).
pub fn verify_embedded_scts(
    leaf: &Certificate<'_>,
    issuer_spki_sha256: &[u8; 32],
    root: &TrustedRoot<'_>,
) -> Result<usize, Error> {
    let list = leaf.sct_list().ok_or(Error::SctMissing)?;
    let scts = parse_list(list)?;
    let precert = PrecertTbs::new(leaf)?;
    if precert.len >= 1 << 24 {
        return Err(Error::SctMalformed);
    }
    let mut verified_logs = [[0u8; 32]; MAX_SCTS];
    let mut count = 0usize;
    let mut first_error = None;
    for sct in scts {
        let result =
            sct.and_then(|s| verify_one(&s, &precert, issuer_spki_sha256, root).map(|()| s));
        match result {
            Ok(s) => {
                let id: [u8; 32] = s.log_id.try_into().map_err(|_| Error::SctMalformed)?;
                let seen = verified_logs.get(..count).unwrap_or(&[]);
                if !seen.contains(&id) {
                    if let Some(slot) = verified_logs.get_mut(count) {
                        *slot = id;
                    }
                    count += 1;
                }
            }
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    if count == 0 {
        return Err(first_error.unwrap_or(Error::SctMissing));
    }
    Ok(count)
}

fn verify_one(
    sct: &Sct<'_>,
    precert: &PrecertTbs<'_>,
    issuer_spki_sha256: &[u8; 32],
    root: &TrustedRoot<'_>,
) -> Result<(), Error> {
    let log = root.find_ctlog(sct.log_id).ok_or(Error::SctUnknownLog)?;
    let key = log.public_key()?;
    if key.algorithm() != KeyAlgorithm::EcdsaP256
        || sct.hash_algorithm != 4
        || sct.signature_algorithm != 3
    {
        return Err(Error::SctUnsupported);
    }
    let ts = i128::from(sct.timestamp_ms);
    let w = log.valid_for;
    if ts < i128::from(w.start) * 1000 || w.end.is_some_and(|e| ts > i128::from(e) * 1000) {
        return Err(Error::SctOutsideLogValidity);
    }
    let mut h = Sha256::new();
    h.update([sct.version, 0]);
    h.update(sct.timestamp_ms.to_be_bytes());
    h.update([0, 1]);
    h.update(issuer_spki_sha256);
    let len = (precert.len as u32).to_be_bytes();
    h.update(len.get(1..).unwrap_or(&[]));
    precert.hash_into(&mut h);
    h.update((sct.extensions.len() as u16).to_be_bytes());
    h.update(sct.extensions);
    let digest = h.finalize();
    if key.verify_prehash(&digest, sct.signature, SigEncoding::Der) {
        Ok(())
    } else {
        Err(Error::SctSignatureInvalid)
    }
}
