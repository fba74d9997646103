//! A zero-copy reader of X.509 v3 certificates (RFC 5280), as keyless (Sigstore) verification
//! needs them: Fulcio leaves and CA chains, timestamp authority chains.
//!
//! [`Certificate::parse`] walks the whole certificate once with the strict DER walker
//! ([`crate::der`]) and refuses anything that is not canonical DER or not X.509 v3: bad, overlong
//! or non-minimal lengths, trailing bytes (after the certificate or inside any structure), an
//! inner signature algorithm other than the outer one, validity times other than strict DER
//! `UTCTime` / `GeneralizedTime`, a repeated extension, more than [`MAX_EXTENSIONS`] extensions,
//! and known extensions whose values do not parse (BasicConstraints, KeyUsage, ExtendedKeyUsage,
//! SubjectAltName, the Fulcio issuer 1.3.6.1.4.1.57264.1.8, the SCT list). What it returns
//! borrows the input: the TBS bytes to hash, names to compare byte for byte, extension values.
//!
//! Parsing decides nothing about trust. What is left to the caller (the keyless path checks) is
//! the certificate's signature ([`Certificate::verify_issued_by`]), its validity at a trusted
//! time ([`Certificate::valid_at`]), name chaining, BasicConstraints, KeyUsage / EKU, and the
//! refusal of unknown critical extensions ([`Certificate::unknown_critical_extensions`]).
//!
//! An RSA certificate parses (some trusted roots hold one); its key and signature algorithm give
//! [`Error::RsaUnsupported`] when used.

use crate::Error;
use crate::der::{self, Reader, Tlv};
use crate::pkix::{self, HashAlgorithm, SigEncoding, VerifyKey};

/// Most extensions one certificate may have ([`Error::CertTooManyExtensions`]).
pub const MAX_EXTENSIONS: usize = 64;

/// Extension OIDs (DER contents of the OBJECT IDENTIFIER).
pub mod oid {
    /// basicConstraints, 2.5.29.19.
    pub const BASIC_CONSTRAINTS: &[u8] = &[0x55, 0x1d, 0x13];
    /// keyUsage, 2.5.29.15.
    pub const KEY_USAGE: &[u8] = &[0x55, 0x1d, 0x0f];
    /// extKeyUsage, 2.5.29.37.
    pub const EXT_KEY_USAGE: &[u8] = &[0x55, 0x1d, 0x25];
    /// subjectAltName, 2.5.29.17.
    pub const SUBJECT_ALT_NAME: &[u8] = &[0x55, 0x1d, 0x11];
    /// subjectKeyIdentifier, 2.5.29.14.
    pub const SUBJECT_KEY_IDENTIFIER: &[u8] = &[0x55, 0x1d, 0x0e];
    /// authorityKeyIdentifier, 2.5.29.35.
    pub const AUTHORITY_KEY_IDENTIFIER: &[u8] = &[0x55, 0x1d, 0x23];
    /// id-kp-codeSigning, 1.3.6.1.5.5.7.3.3.
    pub const KP_CODE_SIGNING: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x03];
    /// id-kp-timeStamping, 1.3.6.1.5.5.7.3.8.
    pub const KP_TIME_STAMPING: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x08];
    /// The embedded SCT list of RFC 6962 §3.3, 1.3.6.1.4.1.11129.2.4.2.
    pub const SCT_LIST: &[u8] = &[0x2b, 0x06, 0x01, 0x04, 0x01, 0xd6, 0x79, 0x02, 0x04, 0x02];
    /// The CT precertificate poison, 1.3.6.1.4.1.11129.2.4.3 (critical; never in a leaf).
    pub const CT_POISON: &[u8] = &[0x2b, 0x06, 0x01, 0x04, 0x01, 0xd6, 0x79, 0x02, 0x04, 0x03];
    /// The Fulcio arc 1.3.6.1.4.1.57264.1 (the claim number follows as one more byte).
    pub const FULCIO_ARC: &[u8] = &[0x2b, 0x06, 0x01, 0x04, 0x01, 0x83, 0xbf, 0x30, 0x01];
    /// ecdsa-with-SHA256, 1.2.840.10045.4.3.2.
    pub const ECDSA_WITH_SHA256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];
    /// ecdsa-with-SHA384, 1.2.840.10045.4.3.3.
    pub const ECDSA_WITH_SHA384: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03];
}

/// Fulcio certificate extensions (1.3.6.1.4.1.57264.1.N), by claim number N (Fulcio's
/// `docs/oid-info.md`). 1 to 6 hold raw bytes (deprecated); 8 and up hold a DER UTF8String.
pub mod fulcio {
    /// .1.1: OIDC issuer, raw bytes (deprecated; use [`ISSUER_V2`]).
    pub const ISSUER_V1: u8 = 1;
    /// .1.2: GitHub workflow trigger, raw bytes (deprecated).
    pub const GITHUB_WORKFLOW_TRIGGER: u8 = 2;
    /// .1.3: GitHub workflow SHA, raw bytes (deprecated).
    pub const GITHUB_WORKFLOW_SHA: u8 = 3;
    /// .1.4: GitHub workflow name, raw bytes (deprecated).
    pub const GITHUB_WORKFLOW_NAME: u8 = 4;
    /// .1.5: GitHub workflow repository, raw bytes (deprecated).
    pub const GITHUB_WORKFLOW_REPOSITORY: u8 = 5;
    /// .1.6: GitHub workflow ref, raw bytes (deprecated).
    pub const GITHUB_WORKFLOW_REF: u8 = 6;
    /// .1.7: the otherName SAN type for usernames (a UTF8String inside the SAN, not an extension).
    pub const OTHERNAME_USERNAME: u8 = 7;
    /// .1.8: OIDC issuer, DER UTF8String.
    pub const ISSUER_V2: u8 = 8;
    /// .1.9: build signer URI, DER UTF8String.
    pub const BUILD_SIGNER_URI: u8 = 9;
    /// .1.12: source repository URI, DER UTF8String.
    pub const SOURCE_REPOSITORY_URI: u8 = 12;
    /// .1.13: source repository digest, DER UTF8String.
    pub const SOURCE_REPOSITORY_DIGEST: u8 = 13;
    /// .1.14: source repository ref, DER UTF8String.
    pub const SOURCE_REPOSITORY_REF: u8 = 14;
}

/// The Fulcio otherName username type id, 1.3.6.1.4.1.57264.1.7.
const OID_FULCIO_USERNAME: &[u8] = &[0x2b, 0x06, 0x01, 0x04, 0x01, 0x83, 0xbf, 0x30, 0x01, 0x07];

/// KeyUsage bits (RFC 5280 §4.2.1.3), as in [`Certificate::key_usage`]: bit `1 << n` is the
/// named bit n.
pub mod key_usage {
    /// digitalSignature (0).
    pub const DIGITAL_SIGNATURE: u16 = 1 << 0;
    /// nonRepudiation / contentCommitment (1).
    pub const CONTENT_COMMITMENT: u16 = 1 << 1;
    /// keyEncipherment (2).
    pub const KEY_ENCIPHERMENT: u16 = 1 << 2;
    /// dataEncipherment (3).
    pub const DATA_ENCIPHERMENT: u16 = 1 << 3;
    /// keyAgreement (4).
    pub const KEY_AGREEMENT: u16 = 1 << 4;
    /// keyCertSign (5).
    pub const KEY_CERT_SIGN: u16 = 1 << 5;
    /// cRLSign (6).
    pub const CRL_SIGN: u16 = 1 << 6;
    /// encipherOnly (7).
    pub const ENCIPHER_ONLY: u16 = 1 << 7;
    /// decipherOnly (8).
    pub const DECIPHER_ONLY: u16 = 1 << 8;
}

/// A certificate signature algorithm vouch verifies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SignatureAlgorithm {
    /// ecdsa-with-SHA256 (RFC 5758; no parameters).
    EcdsaWithSha256,
    /// ecdsa-with-SHA384 (RFC 5758; no parameters).
    EcdsaWithSha384,
}

impl SignatureAlgorithm {
    /// The hash the algorithm signs.
    pub fn hash(self) -> HashAlgorithm {
        match self {
            SignatureAlgorithm::EcdsaWithSha256 => HashAlgorithm::Sha256,
            SignatureAlgorithm::EcdsaWithSha384 => HashAlgorithm::Sha384,
        }
    }
}

/// One certificate extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Extension<'a> {
    /// The extnID (OBJECT IDENTIFIER contents).
    pub oid: &'a [u8],
    /// The critical flag (absent = false; an encoded FALSE is not DER and is refused).
    pub critical: bool,
    /// The extnValue OCTET STRING's contents (the DER of the extension's own structure).
    pub value: &'a [u8],
    /// The whole `Extension` element as encoded.
    pub raw: &'a [u8],
    /// Offset of `raw` within [`Certificate::tbs`] (to re-encode the TBS without it, as the SCT
    /// check needs).
    pub offset: usize,
}

/// BasicConstraints (RFC 5280 §4.2.1.9).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BasicConstraints {
    /// `cA`.
    pub ca: bool,
    /// `pathLenConstraint`, if present.
    pub path_len: Option<u32>,
    /// Whether the extension is marked critical.
    pub critical: bool,
}

/// One SubjectAltName entry (RFC 5280 §4.2.1.6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GeneralName<'a> {
    /// `rfc822Name` (an email address; ASCII).
    Email(&'a str),
    /// `dNSName` (ASCII).
    Dns(&'a str),
    /// `uniformResourceIdentifier` (ASCII).
    Uri(&'a str),
    /// `iPAddress` (4 or 16 bytes).
    Ip(&'a [u8]),
    /// `otherName` of type 1.3.6.1.4.1.57264.1.7 (Fulcio username): its UTF8String. Never an
    /// email, even when it looks like one.
    FulcioUsername(&'a str),
    /// Another `otherName`: its type id (OID contents) and the DER of its value.
    OtherName {
        /// The type-id OBJECT IDENTIFIER contents.
        type_id: &'a [u8],
        /// The DER element inside the `[0] EXPLICIT` wrapper.
        value: &'a [u8],
    },
    /// Any other form (x400Address, directoryName, ediPartyName, registeredID): its tag and
    /// contents.
    Other {
        /// The identifier octet.
        tag: u8,
        /// The contents octets.
        value: &'a [u8],
    },
}

impl<'a> GeneralName<'a> {
    /// The value as text for the forms an identity can be (email, URI, Fulcio username).
    pub fn identity(&self) -> Option<&'a str> {
        match *self {
            GeneralName::Email(s) | GeneralName::Uri(s) | GeneralName::FulcioUsername(s) => Some(s),
            _ => None,
        }
    }
}

/// A parsed X.509 v3 certificate, borrowing its DER.
#[derive(Clone, Debug)]
pub struct Certificate<'a> {
    raw: &'a [u8],
    tbs: &'a [u8],
    serial: &'a [u8],
    sig_alg: &'a [u8],
    signature: &'a [u8],
    issuer: &'a [u8],
    subject: &'a [u8],
    not_before: i64,
    not_after: i64,
    spki: &'a [u8],
    extensions: &'a [u8],
    basic_constraints: Option<BasicConstraints>,
    key_usage: Option<(u16, bool)>,
    eku: Option<Extension<'a>>,
    san: Option<Extension<'a>>,
    sct: Option<(Extension<'a>, &'a [u8])>,
    fulcio_issuer: Option<&'a [u8]>,
}

/// Offset of `inner` within `outer` (`inner` is a sub-slice of `outer`).
fn offset_in(outer: &[u8], inner: &[u8]) -> usize {
    (inner.as_ptr() as usize).wrapping_sub(outer.as_ptr() as usize)
}

impl<'a> Certificate<'a> {
    /// Parses and checks one DER certificate; `der` must hold exactly the certificate.
    pub fn parse(der: &'a [u8]) -> Result<Self, Error> {
        let cert = der::parse_exact(der, der::SEQUENCE)?;
        let mut r = cert.reader();
        let tbs = r.read(der::SEQUENCE)?;
        let outer_alg = r.read(der::SEQUENCE)?;
        let sig = r.read(der::BIT_STRING)?;
        r.finish()?;
        pkix::algorithm_identifier(&outer_alg)?;
        let signature = der::octet_aligned_bits(&sig)?;

        let mut t = tbs.reader();
        let version = t.read(0xa0).map_err(|e| match e {
            Error::DerUnexpectedTag => Error::CertUnsupportedVersion,
            e => e,
        })?;
        let v = der::parse_exact(version.value, der::INTEGER)?;
        if der::small_unsigned(&v)? != Some(2) {
            return Err(Error::CertUnsupportedVersion);
        }
        let serial = der::integer(&t.read(der::INTEGER)?)?;
        let inner_alg = t.read(der::SEQUENCE)?;
        pkix::algorithm_identifier(&inner_alg)?;
        if inner_alg.raw != outer_alg.raw {
            return Err(Error::CertAlgorithmMismatch);
        }
        let issuer = t.read(der::SEQUENCE)?;
        check_name(&issuer)?;
        let validity = t.read(der::SEQUENCE)?;
        let mut vr = validity.reader();
        let not_before = time(&vr.read_any()?)?;
        let not_after = time(&vr.read_any()?)?;
        vr.finish()?;
        let subject = t.read(der::SEQUENCE)?;
        check_name(&subject)?;
        let spki = t.read(der::SEQUENCE)?;
        check_spki(&spki)?;
        t.read_optional(0x81)?;
        t.read_optional(0x82)?;
        let exts = match t.read_optional(0xa3)? {
            Some(wrapper) => {
                let seq = der::parse_exact(wrapper.value, der::SEQUENCE)?;
                if seq.value.is_empty() {
                    return Err(Error::CertMalformedExtension);
                }
                seq.value
            }
            None => &[],
        };
        t.finish()?;

        let mut c = Certificate {
            raw: der,
            tbs: tbs.raw,
            serial,
            sig_alg: outer_alg.raw,
            signature,
            issuer: issuer.raw,
            subject: subject.raw,
            not_before,
            not_after,
            spki: spki.raw,
            extensions: exts,
            basic_constraints: None,
            key_usage: None,
            eku: None,
            san: None,
            sct: None,
            fulcio_issuer: None,
        };
        c.check_extensions()?;
        Ok(c)
    }

    /// Walks the extensions once: well-formed, no OID twice, at most [`MAX_EXTENSIONS`], and the
    /// known ones decoded.
    fn check_extensions(&mut self) -> Result<(), Error> {
        let mut r = Reader::new(self.extensions);
        let mut count = 0usize;
        let mut issuer_v1 = None;
        while !r.is_empty() {
            let ext = parse_extension(&r.read(der::SEQUENCE)?, self.tbs)?;
            count += 1;
            if count > MAX_EXTENSIONS {
                return Err(Error::CertTooManyExtensions);
            }
            if self.extensions().take(count - 1).any(|e| e.oid == ext.oid) {
                return Err(Error::CertDuplicateExtension);
            }
            match ext.oid {
                oid::BASIC_CONSTRAINTS => {
                    self.basic_constraints = Some(basic_constraints(&ext)?);
                }
                oid::KEY_USAGE => self.key_usage = Some((key_usage_bits(&ext)?, ext.critical)),
                oid::EXT_KEY_USAGE => {
                    let seq = der::parse_exact(ext.value, der::SEQUENCE)?;
                    let mut n = 0;
                    let mut er = seq.reader();
                    while !er.is_empty() {
                        der::oid(&er.read(der::OID)?)?;
                        n += 1;
                    }
                    if n == 0 {
                        return Err(Error::CertMalformedExtension);
                    }
                    self.eku = Some(ext);
                }
                oid::SUBJECT_ALT_NAME => {
                    let seq = der::parse_exact(ext.value, der::SEQUENCE)?;
                    if seq.value.is_empty() {
                        return Err(Error::CertMalformedExtension);
                    }
                    let mut sr = seq.reader();
                    while !sr.is_empty() {
                        general_name(&sr.read_any()?)?;
                    }
                    self.san = Some(ext);
                }
                oid::SCT_LIST => {
                    let list = der::parse_exact(ext.value, der::OCTET_STRING)?;
                    self.sct = Some((ext, list.value));
                }
                o if o.len() == oid::FULCIO_ARC.len() + 1 && o.starts_with(oid::FULCIO_ARC) => {
                    match o.last() {
                        Some(&fulcio::ISSUER_V2) => {
                            self.fulcio_issuer = Some(utf8_string(ext.value)?.as_bytes());
                        }
                        Some(&fulcio::ISSUER_V1) => issuer_v1 = Some(ext.value),
                        _ => {}
                    }
                }
                _ => {}
            }
        }
        if self.fulcio_issuer.is_none() {
            self.fulcio_issuer = issuer_v1;
        }
        Ok(())
    }

    /// The whole certificate DER.
    pub fn raw(&self) -> &'a [u8] {
        self.raw
    }

    /// The TBSCertificate element (tag, length and contents): the bytes the signature covers.
    pub fn tbs(&self) -> &'a [u8] {
        self.tbs
    }

    /// The serial number (INTEGER contents, two's complement).
    pub fn serial(&self) -> &'a [u8] {
        self.serial
    }

    /// The signatureAlgorithm AlgorithmIdentifier element as encoded.
    pub fn signature_algorithm_der(&self) -> &'a [u8] {
        self.sig_alg
    }

    /// The signature algorithm: ecdsa-with-SHA256 or ecdsa-with-SHA384 (without parameters).
    /// RSA gives [`Error::RsaUnsupported`], anything else [`Error::UnsupportedSignatureAlgorithm`].
    pub fn signature_algorithm(&self) -> Result<SignatureAlgorithm, Error> {
        let alg = der::parse_exact(self.sig_alg, der::SEQUENCE)?;
        let (o, params) = pkix::algorithm_identifier(&alg)?;
        let found = match o {
            oid::ECDSA_WITH_SHA256 => SignatureAlgorithm::EcdsaWithSha256,
            oid::ECDSA_WITH_SHA384 => SignatureAlgorithm::EcdsaWithSha384,
            o if o.starts_with(pkix::OID_PKCS1_ARC) => return Err(Error::RsaUnsupported),
            _ => return Err(Error::UnsupportedSignatureAlgorithm),
        };
        if params.is_some() {
            return Err(Error::UnsupportedSignatureAlgorithm);
        }
        Ok(found)
    }

    /// The signature value (the BIT STRING's bytes; for ECDSA a DER `SEQUENCE { r, s }`).
    pub fn signature(&self) -> &'a [u8] {
        self.signature
    }

    /// The issuer Name element as encoded (compare byte for byte with an issuer's
    /// [`Certificate::subject`]).
    pub fn issuer(&self) -> &'a [u8] {
        self.issuer
    }

    /// The subject Name element as encoded.
    pub fn subject(&self) -> &'a [u8] {
        self.subject
    }

    /// notBefore, Unix seconds.
    pub fn not_before(&self) -> i64 {
        self.not_before
    }

    /// notAfter, Unix seconds.
    pub fn not_after(&self) -> i64 {
        self.not_after
    }

    /// Whether `t` (Unix seconds) lies in the validity period, both ends included (RFC 5280
    /// §4.1.2.5).
    pub fn valid_at(&self, t: i64) -> bool {
        self.not_before <= t && t <= self.not_after
    }

    /// The SubjectPublicKeyInfo element as encoded.
    pub fn spki(&self) -> &'a [u8] {
        self.spki
    }

    /// The subject public key (P-256, P-384 or Ed25519); RSA gives [`Error::RsaUnsupported`].
    pub fn public_key(&self) -> Result<VerifyKey, Error> {
        VerifyKey::from_spki_der(self.spki)
    }

    /// Every extension, in order.
    pub fn extensions(&self) -> Extensions<'a> {
        Extensions {
            reader: Reader::new(self.extensions),
            tbs: self.tbs,
        }
    }

    /// The extension with this OID (contents of the OBJECT IDENTIFIER), if present.
    pub fn extension(&self, oid: &[u8]) -> Option<Extension<'a>> {
        self.extensions().find(|e| e.oid == oid)
    }

    /// The critical extensions that vouch does not process — every critical extension other
    /// than BasicConstraints, KeyUsage, ExtendedKeyUsage and SubjectAltName. RFC 5280 §4.2 says
    /// a certificate with one must be refused.
    pub fn unknown_critical_extensions(&self) -> impl Iterator<Item = Extension<'a>> + use<'a> {
        self.extensions().filter(|e| {
            e.critical
                && !matches!(
                    e.oid,
                    oid::BASIC_CONSTRAINTS
                        | oid::KEY_USAGE
                        | oid::EXT_KEY_USAGE
                        | oid::SUBJECT_ALT_NAME
                )
        })
    }

    /// BasicConstraints, if present.
    pub fn basic_constraints(&self) -> Option<BasicConstraints> {
        self.basic_constraints
    }

    /// Whether BasicConstraints is present with `cA` true.
    pub fn is_ca(&self) -> bool {
        self.basic_constraints.is_some_and(|b| b.ca)
    }

    /// The KeyUsage bits ([`key_usage`] constants) and the critical flag, if present.
    pub fn key_usage(&self) -> Option<(u16, bool)> {
        self.key_usage
    }

    /// The ExtendedKeyUsage extension, if present.
    pub fn extended_key_usage(&self) -> Option<Extension<'a>> {
        self.eku
    }

    /// The ExtendedKeyUsage purposes (OID contents), empty without the extension.
    pub fn extended_key_usages(&self) -> impl Iterator<Item = &'a [u8]> + use<'a> {
        let value = self.eku.map(|e| e.value).unwrap_or(&[]);
        let inner = der::parse_exact(value, der::SEQUENCE)
            .map(|s| s.value)
            .unwrap_or(&[]);
        let mut r = Reader::new(inner);
        core::iter::from_fn(move || r.read(der::OID).ok().map(|t| t.value))
    }

    /// Whether ExtendedKeyUsage lists id-kp-codeSigning.
    pub fn has_code_signing_eku(&self) -> bool {
        self.extended_key_usages()
            .any(|o| o == oid::KP_CODE_SIGNING)
    }

    /// Whether ExtendedKeyUsage lists id-kp-timeStamping.
    pub fn has_time_stamping_eku(&self) -> bool {
        self.extended_key_usages()
            .any(|o| o == oid::KP_TIME_STAMPING)
    }

    /// The SubjectAltName extension, if present.
    pub fn subject_alt_name(&self) -> Option<Extension<'a>> {
        self.san
    }

    /// The SubjectAltName entries, in order (empty without the extension).
    pub fn subject_alt_names(&self) -> impl Iterator<Item = GeneralName<'a>> + use<'a> {
        let value = self.san.map(|e| e.value).unwrap_or(&[]);
        let inner = der::parse_exact(value, der::SEQUENCE)
            .map(|s| s.value)
            .unwrap_or(&[]);
        let mut r = Reader::new(inner);
        core::iter::from_fn(move || r.read_any().ok().and_then(|t| general_name(&t).ok()))
    }

    /// The OIDC issuer Fulcio recorded: extension 1.3.6.1.4.1.57264.1.8 (a DER UTF8String,
    /// decoded), else the deprecated 1.3.6.1.4.1.57264.1.1 (raw bytes); `None` without either.
    pub fn fulcio_issuer(&self) -> Option<&'a [u8]> {
        self.fulcio_issuer
    }

    /// The Fulcio extension 1.3.6.1.4.1.57264.1.`claim` ([`fulcio`] names them), if present.
    pub fn fulcio_extension(&self, claim: u8) -> Option<Extension<'a>> {
        self.extensions().find(|e| {
            e.oid.len() == oid::FULCIO_ARC.len() + 1
                && e.oid.starts_with(oid::FULCIO_ARC)
                && e.oid.last() == Some(&claim)
        })
    }

    /// The value of a Fulcio claim as text: for claims 1 to 6 the raw extension value (it must
    /// be UTF-8), for 8 and up the decoded DER UTF8String. `Ok(None)` without the extension;
    /// [`Error::CertMalformedExtension`] if the value is not what the claim's form requires.
    pub fn fulcio_claim(&self, claim: u8) -> Result<Option<&'a str>, Error> {
        let Some(ext) = self.fulcio_extension(claim) else {
            return Ok(None);
        };
        if claim <= fulcio::GITHUB_WORKFLOW_REF {
            core::str::from_utf8(ext.value)
                .map(Some)
                .map_err(|_| Error::CertMalformedExtension)
        } else {
            utf8_string(ext.value).map(Some)
        }
    }

    /// The RFC 6962 SignedCertificateTimestampList (the TLS-encoded bytes inside the extension's
    /// OCTET STRING), if the certificate embeds SCTs.
    pub fn sct_list(&self) -> Option<&'a [u8]> {
        self.sct.map(|(_, list)| list)
    }

    /// The SCT list extension itself (with its offset in the TBS), if present.
    pub fn sct_extension(&self) -> Option<Extension<'a>> {
        self.sct.map(|(e, _)| e)
    }

    /// Checks this certificate's signature with `key`: ECDSA P-256 or P-384 over SHA-256 or
    /// SHA-384 of the TBS, as the certificate's signature algorithm says. A wrong signature, or
    /// an Ed25519 key, gives [`Error::CertSignatureInvalid`].
    pub fn verify_signed_by(&self, key: &VerifyKey) -> Result<(), Error> {
        let (digest, n) = self.tbs_digest()?;
        let digest = digest.get(..n).unwrap_or(&[]);
        if key.verify_prehash(digest, self.signature, SigEncoding::Der) {
            Ok(())
        } else {
            Err(Error::CertSignatureInvalid)
        }
    }

    /// The digest of the TBS its signature covers (SHA-256 or SHA-384, as the signature
    /// algorithm says): the bytes and their length. Errors as [`Certificate::signature_algorithm`].
    pub fn tbs_digest(&self) -> Result<([u8; 64], usize), Error> {
        let alg = self.signature_algorithm()?;
        let mut digest = [0u8; 64];
        let n = alg.hash().digest(self.tbs, &mut digest);
        Ok((digest, n))
    }

    /// Checks this certificate's signature with `issuer`'s public key. Only the signature:
    /// names, validity and constraints are the path checks' business.
    pub fn verify_issued_by(&self, issuer: &Certificate<'_>) -> Result<(), Error> {
        self.verify_signed_by(&issuer.public_key()?)
    }
}

/// Iterator over a certificate's extensions (see [`Certificate::extensions`]).
#[derive(Clone, Debug)]
pub struct Extensions<'a> {
    reader: Reader<'a>,
    tbs: &'a [u8],
}

impl<'a> Iterator for Extensions<'a> {
    type Item = Extension<'a>;

    fn next(&mut self) -> Option<Extension<'a>> {
        let tlv = self.reader.read(der::SEQUENCE).ok()?;
        parse_extension(&tlv, self.tbs).ok()
    }
}

fn parse_extension<'a>(tlv: &Tlv<'a>, tbs: &'a [u8]) -> Result<Extension<'a>, Error> {
    let mut r = tlv.reader();
    let oid = der::oid(&r.read(der::OID)?)?;
    let critical = match r.read_optional(der::BOOLEAN)? {
        Some(b) => {
            if !der::boolean(&b)? {
                // DEFAULT FALSE must not be encoded in DER.
                return Err(Error::DerNonCanonical);
            }
            true
        }
        None => false,
    };
    let value = r.read(der::OCTET_STRING)?.value;
    r.finish()?;
    Ok(Extension {
        oid,
        critical,
        value,
        raw: tlv.raw,
        offset: offset_in(tbs, tlv.raw),
    })
}

fn basic_constraints(ext: &Extension<'_>) -> Result<BasicConstraints, Error> {
    let seq = der::parse_exact(ext.value, der::SEQUENCE)?;
    let mut r = seq.reader();
    let ca = match r.read_optional(der::BOOLEAN)? {
        Some(b) => {
            if !der::boolean(&b)? {
                return Err(Error::DerNonCanonical);
            }
            true
        }
        None => false,
    };
    let path_len = match r.read_optional(der::INTEGER)? {
        Some(i) => Some(der::small_unsigned(&i)?.ok_or(Error::CertMalformedExtension)?),
        None => None,
    };
    r.finish()?;
    Ok(BasicConstraints {
        ca,
        path_len,
        critical: ext.critical,
    })
}

fn key_usage_bits(ext: &Extension<'_>) -> Result<u16, Error> {
    let bits = der::parse_exact(ext.value, der::BIT_STRING)?;
    let (unused, bytes) = der::bit_string(&bits)?;
    if bytes.len() > 2 {
        return Err(Error::CertMalformedExtension);
    }
    // DER named bit lists carry no trailing zero bits.
    if let Some(&last) = bytes.last()
        && (last >> unused) & 1 == 0
    {
        return Err(Error::DerNonCanonical);
    }
    let mut v = 0u16;
    for (i, &b) in bytes.iter().enumerate() {
        for j in 0..8 {
            if b & (0x80 >> j) != 0 {
                v |= 1 << (i * 8 + j);
            }
        }
    }
    if v == 0 {
        return Err(Error::CertMalformedExtension);
    }
    Ok(v)
}

fn ia5(v: &[u8]) -> Result<&str, Error> {
    if v.is_ascii() {
        core::str::from_utf8(v).map_err(|_| Error::CertMalformedExtension)
    } else {
        Err(Error::CertMalformedExtension)
    }
}

/// A DER UTF8String element's text.
fn utf8_string(der: &[u8]) -> Result<&str, Error> {
    let s = der::parse_exact(der, der::UTF8_STRING)?;
    core::str::from_utf8(s.value).map_err(|_| Error::CertMalformedExtension)
}

fn general_name<'a>(t: &Tlv<'a>) -> Result<GeneralName<'a>, Error> {
    Ok(match t.tag {
        0x81 => GeneralName::Email(ia5(t.value)?),
        0x82 => GeneralName::Dns(ia5(t.value)?),
        0x86 => GeneralName::Uri(ia5(t.value)?),
        0x87 => {
            if !matches!(t.value.len(), 4 | 16) {
                return Err(Error::CertMalformedExtension);
            }
            GeneralName::Ip(t.value)
        }
        0xa0 => {
            let mut r = t.reader();
            let type_id = der::oid(&r.read(der::OID)?)?;
            let wrapper = r.read(0xa0)?;
            r.finish()?;
            let mut w = wrapper.reader();
            let value = w.read_any()?;
            w.finish()?;
            if type_id == OID_FULCIO_USERNAME {
                GeneralName::FulcioUsername(utf8_string(value.raw)?)
            } else {
                GeneralName::OtherName {
                    type_id,
                    value: value.raw,
                }
            }
        }
        // x400Address [3], directoryName [4] and ediPartyName [5] are constructed;
        // registeredID [8] is primitive.
        0x88 | 0xa3 | 0xa4 | 0xa5 => GeneralName::Other {
            tag: t.tag,
            value: t.value,
        },
        _ => return Err(Error::CertMalformedExtension),
    })
}

fn time(t: &Tlv<'_>) -> Result<i64, Error> {
    match t.tag {
        der::UTC_TIME => crate::time::utc_time(t.value),
        der::GENERALIZED_TIME => crate::time::generalized_time(t.value),
        _ => Err(Error::DerUnexpectedTag),
    }
}

/// `Name ::= SEQUENCE OF SET OF SEQUENCE { type OID, value ANY }` with non-empty sets.
fn check_name(name: &Tlv<'_>) -> Result<(), Error> {
    let mut r = name.reader();
    while !r.is_empty() {
        let rdn = r.read(der::SET)?;
        if rdn.value.is_empty() {
            return Err(Error::DerUnexpectedTag);
        }
        let mut a = rdn.reader();
        while !a.is_empty() {
            let atv = a.read(der::SEQUENCE)?;
            let mut v = atv.reader();
            der::oid(&v.read(der::OID)?)?;
            v.read_any()?;
            v.finish()?;
        }
    }
    Ok(())
}

/// `SubjectPublicKeyInfo ::= SEQUENCE { AlgorithmIdentifier, BIT STRING }`, structure only (the
/// key itself is decoded by [`Certificate::public_key`]).
fn check_spki(spki: &Tlv<'_>) -> Result<(), Error> {
    let mut r = spki.reader();
    pkix::algorithm_identifier(&r.read(der::SEQUENCE)?)?;
    der::bit_string(&r.read(der::BIT_STRING)?)?;
    r.finish()
}
