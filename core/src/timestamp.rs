//! Keyless check V2 (a): RFC 3161 signed timestamps as a source of trusted time.
//!
//! A bundle's `verificationMaterial.timestampVerificationData.rfc3161Timestamps[].signedTimestamp`
//! is the DER of a `TimeStampResp` (RFC 3161 §2.4.2) or of the `TimeStampToken` (a CMS
//! `ContentInfo`) alone; both are accepted. Rules (RFC 3161, RFC 5652 CMS, RFC 5816 ESS v2;
//! see `docs/keyless.md`):
//!
//! * Structure ([`Error::TimestampMalformed`] for anything else): a `TimeStampResp` has status
//!   `granted` (0) or `grantedWithMods` (1) and a token; the token is `ContentInfo` of type
//!   id-signedData; `SignedData` version 3, encapsulated content of type id-ct-TSTInfo with the
//!   TSTInfo in an OCTET STRING; exactly one `SignerInfo` (RFC 3161 §2.4.2: only the TSA signs),
//!   version 1 (issuerAndSerialNumber) or 3 (subjectKeyIdentifier), with signed attributes
//!   (required when the content is not id-data, RFC 5652 §5.3) holding exactly one contentType
//!   and one messageDigest attribute. TSTInfo version 1, with a policy, a message imprint, a
//!   serial number and a genTime `YYYYMMDDHHMMSS[.fff]Z` (RFC 3161 §2.4.2: no trailing zeros in
//!   the fraction). Accuracy, ordering, nonce, the `tsa` name and extensions are not used.
//! * Hashes: SHA-256, SHA-384 or SHA-512 (parameters absent or NULL), else
//!   [`Error::TimestampUnsupportedAlgorithm`]. The signature algorithm is ecdsa-with-SHA256/384/512
//!   (RSA: [`Error::RsaUnsupported`]; others [`Error::UnsupportedSignatureAlgorithm`]).
//! * The message imprint is the hash of the **raw signature bytes** of the bundle (the message
//!   signature, or the DSSE signature) — [`Error::TimestampImprintMismatch`].
//! * The contentType attribute is id-ct-TSTInfo and the messageDigest attribute is the hash (with
//!   the signer's digest algorithm) of the TSTInfo bytes ([`Error::TimestampContentDigestMismatch`]).
//! * The signer is the first certificate of a `timestampAuthorities` chain of the trusted root,
//!   matched by issuer Name and serial number (or subject key identifier). Certificates carried in
//!   the token are never used: the chain is the trusted root's. No match:
//!   [`Error::TimestampUntrusted`]. When the token has an ESS signingCertificateV2 attribute
//!   (RFC 5816), its first certificate hash must be the hash of that certificate (also
//!   [`Error::TimestampUntrusted`]); the SHA-1 signingCertificate (v1) attribute is not checked.
//! * The signature is over the DER of the signed attributes with their `[0]` IMPLICIT tag replaced
//!   by the SET tag `0x31` (RFC 5652 §5.4) — [`Error::TimestampSignatureInvalid`].
//! * genTime lies in the authority's `validFor` (closed; [`Error::TimestampOutsideTsaValidity`]).
//! * The TSA certificate has ExtendedKeyUsage id-kp-timeStamping marked critical (RFC 3161
//!   §2.3), is not a CA, and if it has KeyUsage, digitalSignature or nonRepudiation
//!   ([`Error::TsaNotTimestamping`]); no unknown critical extension. It and every certificate
//!   above it are valid at genTime and chain as in [`crate::chain`] (signatures, names, CA,
//!   path length).
//! * A genTime with a fraction of a second lies strictly between two whole seconds: every window
//!   and validity must contain both; the returned time is the earlier second.

use crate::Error;
use crate::chain::{Span, verify_chain_links};
use crate::der::{self, Reader, Tlv};
use crate::pkix::{self, HashAlgorithm, SigEncoding};
use crate::trusted_root::{Authority, TrustedRoot};
use crate::x509::{Certificate, key_usage, oid};

/// A verified timestamp.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TrustedTimestamp {
    /// genTime, Unix seconds (rounded down when it has a fraction).
    pub time: i64,
    /// Index (in `TrustedRoot::timestamp_authorities()` order) of the authority that signed it.
    pub authority_index: usize,
}

/// id-signedData, 1.2.840.113549.1.7.2.
const OID_SIGNED_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];
/// id-ct-TSTInfo, 1.2.840.113549.1.9.16.1.4.
const OID_CT_TST_INFO: &[u8] = &[
    0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x01, 0x04,
];
/// contentType attribute, 1.2.840.113549.1.9.3.
const OID_CONTENT_TYPE: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x03];
/// messageDigest attribute, 1.2.840.113549.1.9.4.
const OID_MESSAGE_DIGEST: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x04];
/// signingCertificateV2 attribute, 1.2.840.113549.1.9.16.2.47.
const OID_SIGNING_CERT_V2: &[u8] = &[
    0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x02, 0x2f,
];
/// id-sha256 / id-sha384 / id-sha512 (2.16.840.1.101.3.4.2.1-3), without the last byte.
const OID_SHA2_ARC: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02];
/// ecdsa-with-SHA512, 1.2.840.10045.4.3.4.
const OID_ECDSA_SHA512: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x04];

/// The parts of a token that verification uses (all borrowing the token).
struct Token<'a> {
    /// The TSTInfo DER (eContent).
    tst_info: &'a [u8],
    imprint_hash: HashAlgorithm,
    imprint: &'a [u8],
    gen_time: Span,
    /// `SignerIdentifier`: issuerAndSerialNumber (issuer Name DER, serial contents) or SKI.
    sid: Sid<'a>,
    digest: HashAlgorithm,
    /// The signed attributes element as encoded (tag `[0]`).
    signed_attrs: &'a [u8],
    content_type: &'a [u8],
    message_digest: &'a [u8],
    signing_cert_v2: Option<(HashAlgorithm, &'a [u8])>,
    signature_hash: HashAlgorithm,
    signature: &'a [u8],
}

#[derive(Clone, Copy)]
enum Sid<'a> {
    IssuerSerial { issuer: &'a [u8], serial: &'a [u8] },
    KeyId(&'a [u8]),
}

/// Scratch bytes [`verify_timestamp`] needs for this root (two certificates of the root at once).
pub fn timestamp_scratch_len(root: &TrustedRoot<'_>) -> usize {
    2 * root.max_certificate_len()
}

/// Verifies one RFC 3161 timestamp (see the module documentation). `token`: DER of the
/// TimeStampResp or ContentInfo as carried in a bundle (decoded from base64); `signature`: the raw
/// bundle signature bytes whose hash must be the message imprint. `scratch` must hold
/// [`timestamp_scratch_len`] bytes ([`Error::BufferTooSmall`] otherwise).
pub fn verify_timestamp(
    token: &[u8],
    signature: &[u8],
    root: &TrustedRoot<'_>,
    scratch: &mut [u8],
) -> Result<TrustedTimestamp, Error> {
    let t = parse_token(token).map_err(|e| match e {
        Error::TimestampUnsupportedAlgorithm
        | Error::RsaUnsupported
        | Error::UnsupportedSignatureAlgorithm => e,
        _ => Error::TimestampMalformed,
    })?;
    let mut buf = [0u8; 64];
    let n = t.imprint_hash.digest(signature, &mut buf);
    if buf.get(..n) != Some(t.imprint) {
        return Err(Error::TimestampImprintMismatch);
    }
    let n = t.digest.digest(t.tst_info, &mut buf);
    if t.content_type != OID_CT_TST_INFO || buf.get(..n) != Some(t.message_digest) {
        return Err(Error::TimestampContentDigestMismatch);
    }
    if scratch.len() < timestamp_scratch_len(root) {
        return Err(Error::BufferTooSmall);
    }
    let half = scratch.len() / 2;
    let (a, b) = scratch.split_at_mut(half);
    let mut first_failure = None;
    for (index, auth) in root.timestamp_authorities().enumerate() {
        match try_authority(&t, &auth, a, b) {
            Ok(true) => {
                return Ok(TrustedTimestamp {
                    time: t.gen_time.lo,
                    authority_index: index,
                });
            }
            Ok(false) => {}
            // The same TSA may be listed twice (renewed windows): try the others first.
            Err(e) => first_failure = first_failure.or(Some(e)),
        }
    }
    Err(first_failure.unwrap_or(Error::TimestampUntrusted))
}

/// One timestamp authority: `Ok(false)` if its first certificate is not the signer, else the
/// signature, the leaf's rules and the chain.
fn try_authority(
    t: &Token<'_>,
    auth: &Authority<'_>,
    a: &mut [u8],
    b: &mut [u8],
) -> Result<bool, Error> {
    if !signer_leaf(t, auth, a)? {
        return Ok(false);
    }
    verify_chain_links(auth, 1, 0, t.gen_time, a, b, 0).map(|()| true)
}

/// The authority's first certificate (decoded into `a`): `Ok(false)` if it is not the signer,
/// else the signature, the authority's window and the leaf's rules. Its own frame: the parsed
/// leaf is off the stack while the chain verifies (stack peak, docs/keyless.md "Footprint").
#[inline(never)]
fn signer_leaf(t: &Token<'_>, auth: &Authority<'_>, a: &mut [u8]) -> Result<bool, Error> {
    let leaf = auth.certificate(0, a)?;
    if !sid_matches(&t.sid, &leaf) {
        return Ok(false);
    }
    check_signer(t, &leaf)?;
    if !(auth.valid_for.contains(t.gen_time.lo) && auth.valid_for.contains(t.gen_time.hi)) {
        return Err(Error::TimestampOutsideTsaValidity);
    }
    check_tsa_leaf(&leaf, t.gen_time)?;
    Ok(true)
}

fn sid_matches(sid: &Sid<'_>, leaf: &Certificate<'_>) -> bool {
    match *sid {
        Sid::IssuerSerial { issuer, serial } => leaf.issuer() == issuer && leaf.serial() == serial,
        Sid::KeyId(id) => leaf
            .extension(oid::SUBJECT_KEY_IDENTIFIER)
            .and_then(|e| der::parse_exact(e.value, der::OCTET_STRING).ok())
            .is_some_and(|k| k.value == id),
    }
}

/// The ESS certificate binding and the CMS signature over the signed attributes.
#[inline(never)]
fn check_signer(t: &Token<'_>, leaf: &Certificate<'_>) -> Result<(), Error> {
    let mut buf = [0u8; 64];
    if let Some((alg, hash)) = t.signing_cert_v2 {
        let n = alg.digest(leaf.raw(), &mut buf);
        if buf.get(..n) != Some(hash) {
            return Err(Error::TimestampUntrusted);
        }
    }
    let key = leaf.public_key()?;
    let digest = hash_signed_attrs(t.signature_hash, t.signed_attrs, &mut buf);
    if key.verify_prehash(digest, t.signature, SigEncoding::Der) {
        Ok(())
    } else {
        Err(Error::TimestampSignatureInvalid)
    }
}

/// The hash of the signed attributes as signed: the SET tag 0x31 instead of `[0]`, then the rest
/// of the element as encoded (RFC 5652 §5.4).
#[inline(never)]
fn hash_signed_attrs<'b>(alg: HashAlgorithm, attrs: &[u8], out: &'b mut [u8; 64]) -> &'b [u8] {
    use sha2::Digest;
    fn run<D: Digest>(rest: &[u8], out: &mut [u8]) -> usize {
        let mut h = D::new();
        h.update([der::SET]);
        h.update(rest);
        let d = h.finalize();
        if let Some(dst) = out.get_mut(..d.len()) {
            dst.copy_from_slice(&d);
        }
        d.len()
    }
    let rest = attrs.get(1..).unwrap_or(&[]);
    let n = match alg {
        HashAlgorithm::Sha256 => run::<sha2::Sha256>(rest, out),
        HashAlgorithm::Sha384 => run::<sha2::Sha384>(rest, out),
        HashAlgorithm::Sha512 => run::<sha2::Sha512>(rest, out),
    };
    out.get(..n).unwrap_or(&[])
}

/// The TSA certificate's own rules, and its validity over genTime.
fn check_tsa_leaf(leaf: &Certificate<'_>, at: Span) -> Result<(), Error> {
    let eku_critical = leaf.extended_key_usage().is_some_and(|e| e.critical);
    if !eku_critical || !leaf.has_time_stamping_eku() || leaf.is_ca() {
        return Err(Error::TsaNotTimestamping);
    }
    if let Some((bits, _)) = leaf.key_usage()
        && bits & (key_usage::DIGITAL_SIGNATURE | key_usage::CONTENT_COMMITMENT) == 0
    {
        return Err(Error::TsaNotTimestamping);
    }
    if leaf.unknown_critical_extensions().next().is_some() {
        return Err(Error::UnknownCriticalExtension);
    }
    if !at.within(leaf) {
        return Err(Error::CertNotValidAtTime);
    }
    Ok(())
}

/// A digest AlgorithmIdentifier: SHA-256/384/512, parameters absent or NULL.
fn digest_algorithm(alg: &Tlv<'_>) -> Result<HashAlgorithm, Error> {
    let (o, params) = pkix::algorithm_identifier(alg)?;
    if params.is_some_and(|p| p.tag != der::NULL || !p.value.is_empty()) {
        return Err(Error::TimestampUnsupportedAlgorithm);
    }
    match o.strip_prefix(OID_SHA2_ARC) {
        Some([1]) => Ok(HashAlgorithm::Sha256),
        Some([2]) => Ok(HashAlgorithm::Sha384),
        Some([3]) => Ok(HashAlgorithm::Sha512),
        _ => Err(Error::TimestampUnsupportedAlgorithm),
    }
}

/// A signature AlgorithmIdentifier: the hash it signs.
fn signature_algorithm(alg: &Tlv<'_>) -> Result<HashAlgorithm, Error> {
    let (o, params) = pkix::algorithm_identifier(alg)?;
    let hash = match o {
        oid::ECDSA_WITH_SHA256 => HashAlgorithm::Sha256,
        oid::ECDSA_WITH_SHA384 => HashAlgorithm::Sha384,
        OID_ECDSA_SHA512 => HashAlgorithm::Sha512,
        o if o.starts_with(pkix::OID_PKCS1_ARC) => return Err(Error::RsaUnsupported),
        _ => return Err(Error::UnsupportedSignatureAlgorithm),
    };
    if params.is_some() {
        return Err(Error::UnsupportedSignatureAlgorithm);
    }
    Ok(hash)
}

fn small_int(r: &mut Reader<'_>) -> Result<Option<u32>, Error> {
    der::small_unsigned(&r.read(der::INTEGER)?)
}

#[inline(never)]
fn parse_token(token: &[u8]) -> Result<Token<'_>, Error> {
    let outer = der::parse_exact(token, der::SEQUENCE)?;
    let mut r = outer.reader();
    let content_info = if r.peek_tag() == Some(der::SEQUENCE) {
        // TimeStampResp { status PKIStatusInfo, timeStampToken }.
        let status = r.read(der::SEQUENCE)?;
        let mut s = status.reader();
        if !matches!(small_int(&mut s)?, Some(0 | 1)) {
            return Err(Error::TimestampMalformed);
        }
        let ci = r.read(der::SEQUENCE)?;
        r.finish()?;
        ci
    } else {
        outer
    };
    let mut ci = content_info.reader();
    if der::oid(&ci.read(der::OID)?)? != OID_SIGNED_DATA {
        return Err(Error::TimestampMalformed);
    }
    let wrapper = ci.read(0xa0)?;
    ci.finish()?;
    let signed_data = der::parse_exact(wrapper.value, der::SEQUENCE)?;
    let mut sd = signed_data.reader();
    if small_int(&mut sd)? != Some(3) {
        return Err(Error::TimestampMalformed);
    }
    let digest_algorithms = sd.read(der::SET)?;
    let mut da = digest_algorithms.reader();
    while !da.is_empty() {
        da.read(der::SEQUENCE)?;
    }
    let encap = sd.read(der::SEQUENCE)?;
    let mut e = encap.reader();
    if der::oid(&e.read(der::OID)?)? != OID_CT_TST_INFO {
        return Err(Error::TimestampMalformed);
    }
    let econtent = e.read(0xa0)?;
    e.finish()?;
    let tst_info = der::parse_exact(econtent.value, der::OCTET_STRING)?.value;
    sd.read_optional(0xa0)?; // certificates: never used
    sd.read_optional(0xa1)?; // crls: never used
    let signer_infos = sd.read(der::SET)?;
    sd.finish()?;
    let signer_info = der::parse_exact(signer_infos.value, der::SEQUENCE)?;

    let mut si = signer_info.reader();
    let version = small_int(&mut si)?;
    let sid = match version {
        Some(1) => {
            let ias = si.read(der::SEQUENCE)?;
            let mut x = ias.reader();
            let issuer = x.read(der::SEQUENCE)?.raw;
            let serial = der::integer(&x.read(der::INTEGER)?)?;
            x.finish()?;
            Sid::IssuerSerial { issuer, serial }
        }
        Some(3) => Sid::KeyId(si.read(0x80)?.value),
        _ => return Err(Error::TimestampMalformed),
    };
    let digest = digest_algorithm(&si.read(der::SEQUENCE)?)?;
    let attrs = si.read(0xa0)?;
    let signature_hash = signature_algorithm(&si.read(der::SEQUENCE)?)?;
    let signature = si.read(der::OCTET_STRING)?.value;
    si.read_optional(0xa1)?;
    si.finish()?;

    let mut content_type = None;
    let mut message_digest = None;
    let mut signing_cert_v2 = None;
    let mut ar = attrs.reader();
    while !ar.is_empty() {
        let attr = ar.read(der::SEQUENCE)?;
        let mut a = attr.reader();
        let typ = der::oid(&a.read(der::OID)?)?;
        let values = a.read(der::SET)?;
        a.finish()?;
        let slot = match typ {
            OID_CONTENT_TYPE => {
                let v = der::parse_exact(values.value, der::OID)?;
                Some((&mut content_type, der::oid(&v)?))
            }
            OID_MESSAGE_DIGEST => {
                let v = der::parse_exact(values.value, der::OCTET_STRING)?;
                Some((&mut message_digest, v.value))
            }
            OID_SIGNING_CERT_V2 => {
                if signing_cert_v2.is_some() {
                    return Err(Error::TimestampMalformed);
                }
                signing_cert_v2 = Some(ess_cert_id_v2(values.value)?);
                None
            }
            _ => None,
        };
        if let Some((slot, value)) = slot {
            if slot.is_some() {
                return Err(Error::TimestampMalformed);
            }
            *slot = Some(value);
        }
    }

    let tst = der::parse_exact(tst_info, der::SEQUENCE)?;
    let mut tr = tst.reader();
    if small_int(&mut tr)? != Some(1) {
        return Err(Error::TimestampMalformed);
    }
    der::oid(&tr.read(der::OID)?)?; // policy
    let mi = tr.read(der::SEQUENCE)?;
    let mut m = mi.reader();
    let imprint_hash = digest_algorithm(&m.read(der::SEQUENCE)?)?;
    let imprint = m.read(der::OCTET_STRING)?.value;
    m.finish()?;
    der::integer(&tr.read(der::INTEGER)?)?; // serialNumber
    let gen_time = gen_time(tr.read(der::GENERALIZED_TIME)?.value)?;
    // accuracy, ordering, nonce, tsa, extensions: present or not, not used.

    Ok(Token {
        tst_info,
        imprint_hash,
        imprint,
        gen_time,
        sid,
        digest,
        signed_attrs: attrs.raw,
        content_type: content_type.ok_or(Error::TimestampMalformed)?,
        message_digest: message_digest.ok_or(Error::TimestampMalformed)?,
        signing_cert_v2,
        signature_hash,
        signature,
    })
}

/// The first ESSCertIDv2 of a signingCertificateV2 attribute's value: its hash algorithm
/// (default SHA-256) and certificate hash.
fn ess_cert_id_v2(values: &[u8]) -> Result<(HashAlgorithm, &[u8]), Error> {
    let signing_certificate = der::parse_exact(values, der::SEQUENCE)?;
    let mut sc = signing_certificate.reader();
    let certs = sc.read(der::SEQUENCE)?;
    let mut cr = certs.reader();
    let first = cr.read(der::SEQUENCE)?;
    let mut f = first.reader();
    let alg = match f.read_optional(der::SEQUENCE)? {
        Some(a) => digest_algorithm(&a)?,
        None => HashAlgorithm::Sha256,
    };
    let hash = f.read(der::OCTET_STRING)?.value;
    Ok((alg, hash))
}

/// genTime: `YYYYMMDDHHMMSSZ` or `YYYYMMDDHHMMSS.f+Z` (no trailing zero in the fraction).
fn gen_time(v: &[u8]) -> Result<Span, Error> {
    let (whole, fraction) = match v.get(14) {
        Some(b'.') => {
            let frac = v.get(15..v.len().saturating_sub(1)).unwrap_or(&[]);
            if frac.is_empty() || !frac.iter().all(u8::is_ascii_digit) || frac.last() == Some(&b'0')
            {
                return Err(Error::TimestampMalformed);
            }
            (v.get(..14).ok_or(Error::TimestampMalformed)?, true)
        }
        _ => (v.get(..14).ok_or(Error::TimestampMalformed)?, false),
    };
    if v.last() != Some(&b'Z') || (!fraction && v.len() != 15) {
        return Err(Error::TimestampMalformed);
    }
    let mut buf = [b'Z'; 15];
    buf.get_mut(..14)
        .ok_or(Error::TimestampMalformed)?
        .copy_from_slice(whole);
    let lo = crate::time::generalized_time(&buf).map_err(|_| Error::TimestampMalformed)?;
    Ok(Span {
        lo,
        hi: lo + i64::from(fraction),
    })
}
