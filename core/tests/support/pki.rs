//! A test forge for keyless material: ECDSA keys from seeds, hand-written DER certificates
//! (Fulcio-like CA chains and leaves, timestamp authorities), CT logs and embedded SCTs, RFC 3161
//! timestamp tokens, and the matching `trusted_root.json`.
//!
//! Everything is deterministic (keys from seed bytes, RFC 6979 signatures), written with a tiny
//! DER encoder ([`der`]) so that a test can change any one thing (a name, an extension, a time, a
//! signed attribute) and see the specific refusal. Typical use:
//!
//! ```ignore
//! let t = 1_700_000_000;
//! let fulcio = Fulcio::new(1, Curve::P384, t - 86_400, t + 86_400);
//! let ct = CtLog::new(2);
//! let leaf_key = Key::p256(3);
//! let spec = fulcio.leaf_spec(&leaf_key, t - 60, t + 540)
//!     .with_san(San::Email("alice@example.com".into()));
//! let leaf = fulcio.issue(&spec, &[(&ct, t * 1000)]);
//! let root = RootBuilder::new()
//!     .ca(AuthorityEntry::new(fulcio.chain(), t - 86_400, None))
//!     .ctlog(LogEntry::ecdsa(&ct.key, "https://ct.example", t - 86_400, None))
//!     .to_json();
//! ```
//!
//! The code is written for the tests (panics on misuse); it never goes into vouch-core.

use sha2::{Digest, Sha256, Sha384, Sha512};

/// A minimal DER encoder: every function returns one whole element.
pub mod der {
    /// One element with `tag` and `content` (definite, minimal length).
    pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        out.extend(len(content.len()));
        out.extend_from_slice(content);
        out
    }

    /// A DER length.
    pub fn len(n: usize) -> Vec<u8> {
        if n < 0x80 {
            vec![n as u8]
        } else {
            let bytes: Vec<u8> = n
                .to_be_bytes()
                .iter()
                .copied()
                .skip_while(|b| *b == 0)
                .collect();
            let mut out = vec![0x80 | bytes.len() as u8];
            out.extend(bytes);
            out
        }
    }

    /// SEQUENCE of the concatenated parts.
    pub fn seq(parts: &[&[u8]]) -> Vec<u8> {
        tlv(0x30, &parts.concat())
    }

    /// SET of the concatenated parts (in the given order).
    pub fn set(parts: &[&[u8]]) -> Vec<u8> {
        tlv(0x31, &parts.concat())
    }

    /// A DER SET OF: the parts sorted by their encodings (X.690 §11.6).
    pub fn set_of(parts: &[Vec<u8>]) -> Vec<u8> {
        let mut sorted = parts.to_vec();
        sorted.sort();
        tlv(0x31, &sorted.concat())
    }

    /// OBJECT IDENTIFIER from its content bytes.
    pub fn oid(content: &[u8]) -> Vec<u8> {
        tlv(0x06, content)
    }

    /// A non-negative INTEGER.
    pub fn uint(v: u64) -> Vec<u8> {
        int_bytes(&v.to_be_bytes())
    }

    /// A non-negative INTEGER from big-endian magnitude bytes.
    pub fn int_bytes(magnitude: &[u8]) -> Vec<u8> {
        let mut b: Vec<u8> = magnitude.iter().copied().skip_while(|b| *b == 0).collect();
        if b.is_empty() || b[0] & 0x80 != 0 {
            b.insert(0, 0);
        }
        tlv(0x02, &b)
    }

    /// OCTET STRING.
    pub fn octets(v: &[u8]) -> Vec<u8> {
        tlv(0x04, v)
    }

    /// BIT STRING with no unused bits.
    pub fn bits(v: &[u8]) -> Vec<u8> {
        let mut c = vec![0];
        c.extend_from_slice(v);
        tlv(0x03, &c)
    }

    /// UTF8String.
    pub fn utf8(s: &str) -> Vec<u8> {
        tlv(0x0c, s.as_bytes())
    }

    /// BOOLEAN TRUE.
    pub fn true_() -> Vec<u8> {
        tlv(0x01, &[0xff])
    }

    /// NULL.
    pub fn null() -> Vec<u8> {
        tlv(0x05, &[])
    }

    /// An X.509 time: UTCTime before 2050, GeneralizedTime from 2050 on (RFC 5280 §4.1.2.5).
    pub fn x509_time(t: i64) -> Vec<u8> {
        let (y, mo, d, h, mi, s) = super::civil(t);
        if (1950..2050).contains(&y) {
            tlv(
                0x17,
                format!("{:02}{mo:02}{d:02}{h:02}{mi:02}{s:02}Z", y % 100).as_bytes(),
            )
        } else {
            generalized_time(t, "")
        }
    }

    /// GeneralizedTime `YYYYMMDDHHMMSS{fraction}Z`; `fraction` is e.g. `""` or `".25"`.
    pub fn generalized_time(t: i64, fraction: &str) -> Vec<u8> {
        let (y, mo, d, h, mi, s) = super::civil(t);
        tlv(
            0x18,
            format!("{y:04}{mo:02}{d:02}{h:02}{mi:02}{s:02}{fraction}Z").as_bytes(),
        )
    }
}

/// OID contents used by the forge.
pub mod oids {
    /// ecdsa-with-SHA256.
    pub const ECDSA_SHA256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];
    /// ecdsa-with-SHA384.
    pub const ECDSA_SHA384: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03];
    /// sha256WithRSAEncryption (for RSA refusals).
    pub const RSA_SHA256: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b];
    /// id-sha256.
    pub const SHA256: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01];
    /// id-sha384.
    pub const SHA384: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02];
    /// id-sha512.
    pub const SHA512: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03];
    /// id-sha1 (for refusals).
    pub const SHA1: &[u8] = &[0x2b, 0x0e, 0x03, 0x02, 0x1a];
    /// id-ecPublicKey.
    pub const EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
    /// prime256v1.
    pub const P256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
    /// secp384r1.
    pub const P384: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x22];
    /// id-at-commonName.
    pub const CN: &[u8] = &[0x55, 0x04, 0x03];
    /// id-at-organizationName.
    pub const O: &[u8] = &[0x55, 0x04, 0x0a];
    /// basicConstraints.
    pub const BASIC_CONSTRAINTS: &[u8] = &[0x55, 0x1d, 0x13];
    /// keyUsage.
    pub const KEY_USAGE: &[u8] = &[0x55, 0x1d, 0x0f];
    /// extKeyUsage.
    pub const EXT_KEY_USAGE: &[u8] = &[0x55, 0x1d, 0x25];
    /// subjectAltName.
    pub const SUBJECT_ALT_NAME: &[u8] = &[0x55, 0x1d, 0x11];
    /// subjectKeyIdentifier.
    pub const SKI: &[u8] = &[0x55, 0x1d, 0x0e];
    /// authorityKeyIdentifier.
    pub const AKI: &[u8] = &[0x55, 0x1d, 0x23];
    /// id-kp-codeSigning.
    pub const KP_CODE_SIGNING: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x03];
    /// id-kp-timeStamping.
    pub const KP_TIME_STAMPING: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x08];
    /// The embedded SCT list, 1.3.6.1.4.1.11129.2.4.2.
    pub const SCT_LIST: &[u8] = &[0x2b, 0x06, 0x01, 0x04, 0x01, 0xd6, 0x79, 0x02, 0x04, 0x02];
    /// Fulcio 1.3.6.1.4.1.57264.1.1 (issuer, raw bytes).
    pub const FULCIO_ISSUER_V1: &[u8] =
        &[0x2b, 0x06, 0x01, 0x04, 0x01, 0x83, 0xbf, 0x30, 0x01, 0x01];
    /// Fulcio 1.3.6.1.4.1.57264.1.8 (issuer, UTF8String).
    pub const FULCIO_ISSUER_V2: &[u8] =
        &[0x2b, 0x06, 0x01, 0x04, 0x01, 0x83, 0xbf, 0x30, 0x01, 0x08];
    /// Fulcio otherName username 1.3.6.1.4.1.57264.1.7.
    pub const FULCIO_USERNAME: &[u8] =
        &[0x2b, 0x06, 0x01, 0x04, 0x01, 0x83, 0xbf, 0x30, 0x01, 0x07];
    /// A made-up extension (1.3.6.1.4.1.99999.1) for "unknown" tests.
    pub const UNKNOWN: &[u8] = &[0x2b, 0x06, 0x01, 0x04, 0x01, 0x86, 0x8d, 0x1f, 0x01];
    /// id-signedData.
    pub const SIGNED_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];
    /// id-ct-TSTInfo.
    pub const CT_TST_INFO: &[u8] = &[
        0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x01, 0x04,
    ];
    /// id-data.
    pub const DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01];
    /// contentType attribute.
    pub const ATTR_CONTENT_TYPE: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x03];
    /// messageDigest attribute.
    pub const ATTR_MESSAGE_DIGEST: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x04];
    /// signingTime attribute.
    pub const ATTR_SIGNING_TIME: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x05];
    /// signingCertificateV2 attribute (RFC 5035).
    pub const ATTR_SIGNING_CERT_V2: &[u8] = &[
        0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x02, 0x2f,
    ];
    /// A TSA policy (1.3.6.1.4.1.57264.2).
    pub const TSA_POLICY: &[u8] = &[0x2b, 0x06, 0x01, 0x04, 0x01, 0x83, 0xbf, 0x30, 0x02];
}

/// `(year, month, day, hour, minute, second)` of a Unix time (UTC, proleptic Gregorian).
pub fn civil(t: i64) -> (i64, u32, u32, u32, u32, u32) {
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (
        y,
        m,
        d,
        (secs / 3600) as u32,
        (secs / 60 % 60) as u32,
        (secs % 60) as u32,
    )
}

/// RFC 3339 text of a Unix time (`2023-11-14T22:13:20Z`).
pub fn rfc3339(t: i64) -> String {
    let (y, mo, d, h, mi, s) = civil(t);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

/// A hash a signature or imprint is made with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hash {
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl Hash {
    /// The digest of `data`.
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            Hash::Sha256 => Sha256::digest(data).to_vec(),
            Hash::Sha384 => Sha384::digest(data).to_vec(),
            Hash::Sha512 => Sha512::digest(data).to_vec(),
        }
    }

    /// The digest AlgorithmIdentifier (parameters absent).
    pub fn algorithm_identifier(self) -> Vec<u8> {
        der::seq(&[&der::oid(match self {
            Hash::Sha256 => oids::SHA256,
            Hash::Sha384 => oids::SHA384,
            Hash::Sha512 => oids::SHA512,
        })])
    }
}

/// An elliptic curve of a [`Key`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Curve {
    /// NIST P-256 (signs SHA-256).
    P256,
    /// NIST P-384 (signs SHA-384).
    P384,
}

/// A deterministic ECDSA signing key.
#[derive(Clone)]
pub enum Key {
    /// P-256.
    P256(p256::ecdsa::SigningKey),
    /// P-384.
    P384(p384::ecdsa::SigningKey),
}

impl Key {
    /// A key of `curve` from a seed byte (distinct seeds give distinct keys).
    pub fn new(curve: Curve, seed: u8) -> Key {
        match curve {
            Curve::P256 => Key::p256(seed),
            Curve::P384 => Key::p384(seed),
        }
    }

    /// A P-256 key from a seed byte.
    pub fn p256(seed: u8) -> Key {
        let scalar = Sha256::digest([b'p', b'2', b'5', b'6', seed]);
        Key::P256(p256::ecdsa::SigningKey::from_slice(&scalar).expect("scalar"))
    }

    /// A P-384 key from a seed byte.
    pub fn p384(seed: u8) -> Key {
        let scalar = Sha384::digest([b'p', b'3', b'8', b'4', seed]);
        Key::P384(p384::ecdsa::SigningKey::from_slice(&scalar).expect("scalar"))
    }

    /// The curve.
    pub fn curve(&self) -> Curve {
        match self {
            Key::P256(_) => Curve::P256,
            Key::P384(_) => Curve::P384,
        }
    }

    /// The uncompressed SEC1 public point.
    pub fn public_point(&self) -> Vec<u8> {
        match self {
            Key::P256(k) => k.verifying_key().to_sec1_point(false).as_bytes().to_vec(),
            Key::P384(k) => k.verifying_key().to_sec1_point(false).as_bytes().to_vec(),
        }
    }

    /// The DER SubjectPublicKeyInfo.
    pub fn spki_der(&self) -> Vec<u8> {
        let curve = match self {
            Key::P256(_) => oids::P256,
            Key::P384(_) => oids::P384,
        };
        der::seq(&[
            &der::seq(&[&der::oid(oids::EC_PUBLIC_KEY), &der::oid(curve)]),
            &der::bits(&self.public_point()),
        ])
    }

    /// SHA-256 of the SPKI: the RFC 6962 log id of a log with this key.
    pub fn log_id(&self) -> [u8; 32] {
        Sha256::digest(self.spki_der()).into()
    }

    /// The hash this key's certificates and CMS signatures use: SHA-256 for P-256, SHA-384 for
    /// P-384.
    pub fn hash(&self) -> Hash {
        match self {
            Key::P256(_) => Hash::Sha256,
            Key::P384(_) => Hash::Sha384,
        }
    }

    /// The signature AlgorithmIdentifier (ecdsa-with-SHA256 / -SHA384, no parameters).
    pub fn signature_algorithm(&self) -> Vec<u8> {
        der::seq(&[&der::oid(match self {
            Key::P256(_) => oids::ECDSA_SHA256,
            Key::P384(_) => oids::ECDSA_SHA384,
        })])
    }

    /// A DER ECDSA signature over `digest` (any length the curve takes).
    pub fn sign_prehash(&self, digest: &[u8]) -> Vec<u8> {
        use p256::ecdsa::signature::hazmat::PrehashSigner;
        match self {
            Key::P256(k) => {
                let s: p256::ecdsa::Signature = k.sign_prehash(digest).expect("sign");
                s.to_der().as_bytes().to_vec()
            }
            Key::P384(k) => {
                let s: p384::ecdsa::Signature = k.sign_prehash(digest).expect("sign");
                s.to_der().as_bytes().to_vec()
            }
        }
    }

    /// A DER ECDSA signature over `msg` hashed with [`Key::hash`].
    pub fn sign(&self, msg: &[u8]) -> Vec<u8> {
        self.sign_prehash(&self.hash().digest(msg))
    }
}

/// A Name `O=org, CN=cn` (one attribute per RDN); `Name::empty` for Fulcio leaves.
pub fn name(org: &str, cn: &str) -> Vec<u8> {
    let rdn = |oid: &[u8], v: &str| der::set(&[&der::seq(&[&der::oid(oid), &der::utf8(v)])]);
    der::seq(&[&rdn(oids::O, org), &rdn(oids::CN, cn)])
}

/// The empty Name (Fulcio leaves carry the identity in the SAN only).
pub fn empty_name() -> Vec<u8> {
    der::seq(&[])
}

/// A SubjectAltName entry.
#[derive(Clone, Debug)]
pub enum San {
    /// uniformResourceIdentifier.
    Uri(String),
    /// rfc822Name.
    Email(String),
    /// otherName 1.3.6.1.4.1.57264.1.7 holding a UTF8String (Fulcio username).
    Username(String),
    /// dNSName.
    Dns(String),
}

impl San {
    fn der(&self) -> Vec<u8> {
        match self {
            San::Uri(s) => der::tlv(0x86, s.as_bytes()),
            San::Email(s) => der::tlv(0x81, s.as_bytes()),
            San::Dns(s) => der::tlv(0x82, s.as_bytes()),
            San::Username(s) => der::tlv(
                0xa0,
                &[
                    der::oid(oids::FULCIO_USERNAME),
                    der::tlv(0xa0, &der::utf8(s)),
                ]
                .concat(),
            ),
        }
    }
}

/// One certificate extension.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ext {
    /// OID contents.
    pub oid: Vec<u8>,
    /// The critical flag.
    pub critical: bool,
    /// The extnValue contents (the DER of the extension's structure).
    pub value: Vec<u8>,
}

impl Ext {
    /// Any extension.
    pub fn raw(oid: &[u8], critical: bool, value: &[u8]) -> Ext {
        Ext {
            oid: oid.to_vec(),
            critical,
            value: value.to_vec(),
        }
    }

    /// BasicConstraints (critical).
    pub fn basic_constraints(ca: bool, path_len: Option<u64>) -> Ext {
        let mut parts = Vec::new();
        if ca {
            parts.push(der::true_());
        }
        if let Some(n) = path_len {
            parts.push(der::uint(n));
        }
        Ext::raw(
            oids::BASIC_CONSTRAINTS,
            true,
            &der::tlv(0x30, &parts.concat()),
        )
    }

    /// KeyUsage (critical) with the bits `1 << n` of named bit n (as vouch's `key_usage`).
    pub fn key_usage(bits: u16) -> Ext {
        let mut bytes = vec![0u8; 2];
        for n in 0..9 {
            if bits & (1 << n) != 0 {
                bytes[n / 8] |= 0x80 >> (n % 8);
            }
        }
        if bytes[1] == 0 {
            bytes.pop();
        }
        let last = *bytes.last().unwrap();
        let unused = if last == 0 {
            0
        } else {
            last.trailing_zeros() as u8
        };
        let mut content = vec![unused];
        content.extend(bytes);
        Ext::raw(oids::KEY_USAGE, true, &der::tlv(0x03, &content))
    }

    /// ExtendedKeyUsage with these purposes.
    pub fn eku(purposes: &[&[u8]], critical: bool) -> Ext {
        let list: Vec<Vec<u8>> = purposes.iter().map(|p| der::oid(p)).collect();
        Ext::raw(
            oids::EXT_KEY_USAGE,
            critical,
            &der::tlv(0x30, &list.concat()),
        )
    }

    /// SubjectAltName (critical, as Fulcio marks it when the subject is empty).
    pub fn san(names: &[San]) -> Ext {
        let list: Vec<Vec<u8>> = names.iter().map(San::der).collect();
        Ext::raw(
            oids::SUBJECT_ALT_NAME,
            true,
            &der::tlv(0x30, &list.concat()),
        )
    }

    /// Fulcio issuer 1.3.6.1.4.1.57264.1.8 (a DER UTF8String).
    pub fn fulcio_issuer_v2(issuer: &str) -> Ext {
        Ext::raw(oids::FULCIO_ISSUER_V2, false, &der::utf8(issuer))
    }

    /// Fulcio issuer 1.3.6.1.4.1.57264.1.1 (raw bytes, deprecated).
    pub fn fulcio_issuer_v1(issuer: &[u8]) -> Ext {
        Ext::raw(oids::FULCIO_ISSUER_V1, false, issuer)
    }

    /// SubjectKeyIdentifier: SHA-256 of the key's point, first 20 bytes.
    pub fn ski(key: &Key) -> Ext {
        Ext::raw(
            oids::SKI,
            false,
            &der::octets(&Sha256::digest(key.public_point())[..20]),
        )
    }

    /// The embedded SCT list extension holding a TLS `SignedCertificateTimestampList`.
    pub fn sct_list(tls_list: &[u8]) -> Ext {
        Ext::raw(oids::SCT_LIST, false, &der::octets(tls_list))
    }

    fn der(&self) -> Vec<u8> {
        let mut parts = vec![der::oid(&self.oid)];
        if self.critical {
            parts.push(der::true_());
        }
        parts.push(der::octets(&self.value));
        der::tlv(0x30, &parts.concat())
    }
}

/// What goes into a TBSCertificate.
#[derive(Clone, Debug)]
pub struct CertSpec {
    /// Serial number.
    pub serial: u64,
    /// Issuer Name DER.
    pub issuer: Vec<u8>,
    /// Subject Name DER.
    pub subject: Vec<u8>,
    /// notBefore (Unix seconds).
    pub not_before: i64,
    /// notAfter (Unix seconds).
    pub not_after: i64,
    /// SubjectPublicKeyInfo DER.
    pub spki: Vec<u8>,
    /// Extensions, in order.
    pub extensions: Vec<Ext>,
}

impl CertSpec {
    /// Replaces the extension with the same OID, or appends it.
    pub fn with_ext(mut self, ext: Ext) -> CertSpec {
        match self.extensions.iter_mut().find(|e| e.oid == ext.oid) {
            Some(e) => *e = ext,
            None => self.extensions.push(ext),
        }
        self
    }

    /// Removes the extension with this OID.
    pub fn without_ext(mut self, oid: &[u8]) -> CertSpec {
        self.extensions.retain(|e| e.oid != oid);
        self
    }

    /// Sets the SubjectAltName to these names.
    pub fn with_san(self, names: &[San]) -> CertSpec {
        self.with_ext(Ext::san(names))
    }

    /// The TBSCertificate DER, with `sig_alg` as its signature AlgorithmIdentifier.
    pub fn tbs(&self, sig_alg: &[u8]) -> Vec<u8> {
        let exts: Vec<Vec<u8>> = self.extensions.iter().map(Ext::der).collect();
        let mut parts = vec![
            der::tlv(0xa0, &der::uint(2)),
            der::uint(self.serial),
            sig_alg.to_vec(),
            self.issuer.clone(),
            der::seq(&[
                &der::x509_time(self.not_before),
                &der::x509_time(self.not_after),
            ]),
            self.subject.clone(),
            self.spki.clone(),
        ];
        if !exts.is_empty() {
            parts.push(der::tlv(0xa3, &der::tlv(0x30, &exts.concat())));
        }
        der::tlv(0x30, &parts.concat())
    }

    /// The certificate signed by `issuer` (ecdsa-with-SHA256 for a P-256 issuer, -SHA384 for
    /// P-384).
    pub fn sign(&self, issuer: &Key) -> Vec<u8> {
        let alg = issuer.signature_algorithm();
        let tbs = self.tbs(&alg);
        let sig = issuer.sign(&tbs);
        der::seq(&[&tbs, &alg, &der::bits(&sig)])
    }
}

/// A certificate transparency log (P-256, as Sigstore's).
#[derive(Clone)]
pub struct CtLog {
    /// The log's key.
    pub key: Key,
}

/// What one SCT is made of (see [`CtLog::sct`]).
#[derive(Clone, Debug)]
pub struct SctSpec {
    /// Timestamp, milliseconds since the epoch.
    pub timestamp_ms: u64,
    /// The SCT's extensions (TLS `CtExtensions` contents; empty in practice).
    pub extensions: Vec<u8>,
    /// The SCT version byte (0 = v1).
    pub version: u8,
}

impl CtLog {
    /// A P-256 CT log from a seed.
    pub fn new(seed: u8) -> CtLog {
        CtLog {
            key: Key::p256(seed),
        }
    }

    /// The log id (SHA-256 of the key's SPKI).
    pub fn log_id(&self) -> [u8; 32] {
        self.key.log_id()
    }

    /// A serialized SCT (RFC 6962 §3.2) over a precertificate entry: `issuer_spki` hashed,
    /// `precert_tbs` the TBSCertificate without the SCT extension.
    pub fn sct(&self, spec: &SctSpec, issuer_spki: &[u8], precert_tbs: &[u8]) -> Vec<u8> {
        let mut signed = vec![spec.version, 0];
        signed.extend(spec.timestamp_ms.to_be_bytes());
        signed.extend([0, 1]);
        signed.extend(Sha256::digest(issuer_spki));
        signed.extend(&(precert_tbs.len() as u32).to_be_bytes()[1..]);
        signed.extend(precert_tbs);
        signed.extend((spec.extensions.len() as u16).to_be_bytes());
        signed.extend(&spec.extensions);
        let sig = self.key.sign(&signed);
        let mut sct = vec![spec.version];
        sct.extend(self.log_id());
        sct.extend(spec.timestamp_ms.to_be_bytes());
        sct.extend((spec.extensions.len() as u16).to_be_bytes());
        sct.extend(&spec.extensions);
        sct.extend([4, 3]); // sha256, ecdsa
        sct.extend((sig.len() as u16).to_be_bytes());
        sct.extend(sig);
        sct
    }
}

impl SctSpec {
    /// A v1 SCT at `timestamp_ms` without extensions.
    pub fn at(timestamp_ms: u64) -> SctSpec {
        SctSpec {
            timestamp_ms,
            extensions: Vec::new(),
            version: 0,
        }
    }
}

/// The TLS `SignedCertificateTimestampList` of serialized SCTs.
pub fn sct_list(scts: &[Vec<u8>]) -> Vec<u8> {
    let mut body = Vec::new();
    for s in scts {
        body.extend((s.len() as u16).to_be_bytes());
        body.extend(s);
    }
    let mut out = (body.len() as u16).to_be_bytes().to_vec();
    out.extend(body);
    out
}

/// Issues `spec` with `issuer_key`, embedding one SCT per `(log, spec)` over the precertificate
/// (the TBS without the SCT extension), the SCT extension inserted at `sct_position` among the
/// extensions (clamped to the end). `issuer_spki` is the issuer's SPKI (hashed into the SCTs).
pub fn issue_with_scts(
    spec: &CertSpec,
    issuer_key: &Key,
    issuer_spki: &[u8],
    scts: &[(&CtLog, SctSpec)],
    sct_position: usize,
) -> Vec<u8> {
    let alg = issuer_key.signature_algorithm();
    let precert = spec.tbs(&alg);
    let list: Vec<Vec<u8>> = scts
        .iter()
        .map(|(log, s)| log.sct(s, issuer_spki, &precert))
        .collect();
    with_sct_list(spec, issuer_key, &sct_list(&list), sct_position)
}

/// Issues `spec` with the given TLS SCT list (as is) embedded at `sct_position`.
pub fn with_sct_list(
    spec: &CertSpec,
    issuer_key: &Key,
    list: &[u8],
    sct_position: usize,
) -> Vec<u8> {
    let mut full = spec.clone();
    let at = sct_position.min(full.extensions.len());
    full.extensions.insert(at, Ext::sct_list(list));
    full.sign(issuer_key)
}

/// A Fulcio-like certificate authority: a self-signed root and an intermediate, both CAs.
#[derive(Clone)]
pub struct Fulcio {
    /// Root key.
    pub root_key: Key,
    /// Root certificate DER.
    pub root: Vec<u8>,
    /// Intermediate key (signs the leaves).
    pub intermediate_key: Key,
    /// Intermediate certificate DER.
    pub intermediate: Vec<u8>,
    /// Root spec (to re-issue variants).
    pub root_spec: CertSpec,
    /// Intermediate spec (to re-issue variants with [`Fulcio::reissue_intermediate`]).
    pub intermediate_spec: CertSpec,
}

impl Fulcio {
    /// Root (`O=sigstore.dev, CN=sigstore-root-{seed}`, pathLen 1) and intermediate
    /// (`CN=sigstore-intermediate-{seed}`, pathLen 0), keys of `curve` from `seed` and
    /// `seed + 100`, both valid over `[not_before, not_after]`.
    pub fn new(seed: u8, curve: Curve, not_before: i64, not_after: i64) -> Fulcio {
        let root_key = Key::new(curve, seed);
        let intermediate_key = Key::new(curve, seed.wrapping_add(100));
        let root_name = name("sigstore.dev", &format!("sigstore-root-{seed}"));
        let root_spec = CertSpec {
            serial: 1,
            issuer: root_name.clone(),
            subject: root_name.clone(),
            not_before,
            not_after,
            spki: root_key.spki_der(),
            extensions: vec![
                Ext::key_usage(key_usage::KEY_CERT_SIGN | key_usage::CRL_SIGN),
                Ext::basic_constraints(true, Some(1)),
                Ext::ski(&root_key),
            ],
        };
        let root = root_spec.sign(&root_key);
        let intermediate_spec = CertSpec {
            serial: 2,
            issuer: root_name,
            subject: name("sigstore.dev", &format!("sigstore-intermediate-{seed}")),
            not_before,
            not_after,
            spki: intermediate_key.spki_der(),
            extensions: vec![
                Ext::key_usage(key_usage::KEY_CERT_SIGN | key_usage::CRL_SIGN),
                Ext::eku(&[oids::KP_CODE_SIGNING], false),
                Ext::basic_constraints(true, Some(0)),
                Ext::ski(&intermediate_key),
            ],
        };
        let intermediate = intermediate_spec.sign(&root_key);
        Fulcio {
            root_key,
            root,
            intermediate_key,
            intermediate,
            root_spec,
            intermediate_spec,
        }
    }

    /// Replaces the intermediate with `spec` signed by the root (for variants: validity,
    /// constraints, extensions).
    pub fn reissue_intermediate(&mut self, spec: CertSpec) {
        self.intermediate = spec.sign(&self.root_key);
        self.intermediate_spec = spec;
    }

    /// Replaces the root with `spec` self-signed (for variants).
    pub fn reissue_root(&mut self, spec: CertSpec) {
        self.root = spec.sign(&self.root_key);
        self.root_spec = spec;
    }

    /// The chain as a trusted root lists it: `[intermediate, root]`.
    pub fn chain(&self) -> Vec<Vec<u8>> {
        vec![self.intermediate.clone(), self.root.clone()]
    }

    /// A Fulcio-like leaf for `key`: empty subject, KeyUsage digitalSignature (critical), EKU
    /// codeSigning, SAN email `signer@example.com` (critical), Fulcio issuer .1.8
    /// `https://issuer.example.com`, issued by the intermediate.
    pub fn leaf_spec(&self, key: &Key, not_before: i64, not_after: i64) -> CertSpec {
        CertSpec {
            serial: 0x1000 + u64::from(key.public_point()[1]),
            issuer: self.intermediate_spec.subject.clone(),
            subject: empty_name(),
            not_before,
            not_after,
            spki: key.spki_der(),
            extensions: vec![
                Ext::key_usage(key_usage::DIGITAL_SIGNATURE),
                Ext::eku(&[oids::KP_CODE_SIGNING], false),
                Ext::ski(key),
                Ext::san(&[San::Email("signer@example.com".into())]),
                Ext::fulcio_issuer_v2("https://issuer.example.com"),
            ],
        }
    }

    /// Issues a leaf with the intermediate, embedding SCTs from `scts` (`(log, timestamp ms)`)
    /// after the third extension, as Fulcio places them among its extensions.
    pub fn issue(&self, spec: &CertSpec, scts: &[(&CtLog, u64)]) -> Vec<u8> {
        let scts: Vec<(&CtLog, SctSpec)> =
            scts.iter().map(|(l, t)| (*l, SctSpec::at(*t))).collect();
        if scts.is_empty() {
            return spec.sign(&self.intermediate_key);
        }
        issue_with_scts(
            spec,
            &self.intermediate_key,
            &self.intermediate_spec.spki,
            &scts,
            3,
        )
    }
}

/// KeyUsage bits as vouch numbers them (`1 << n` for named bit n).
pub mod key_usage {
    /// digitalSignature.
    pub const DIGITAL_SIGNATURE: u16 = 1 << 0;
    /// nonRepudiation / contentCommitment.
    pub const CONTENT_COMMITMENT: u16 = 1 << 1;
    /// keyCertSign.
    pub const KEY_CERT_SIGN: u16 = 1 << 5;
    /// cRLSign.
    pub const CRL_SIGN: u16 = 1 << 6;
}

/// A timestamp authority: a root CA and a TSA leaf (critical EKU timeStamping).
#[derive(Clone)]
pub struct Tsa {
    /// Root key.
    pub root_key: Key,
    /// Root certificate DER.
    pub root: Vec<u8>,
    /// Root spec.
    pub root_spec: CertSpec,
    /// Leaf (signing) key.
    pub leaf_key: Key,
    /// Leaf certificate DER.
    pub leaf: Vec<u8>,
    /// Leaf spec (to re-issue variants with [`Tsa::reissue_leaf`]).
    pub leaf_spec: CertSpec,
}

impl Tsa {
    /// Root (`CN=tsa-root-{seed}`, key of `curve`) and a P-256 leaf (`CN=tsa-{seed}`), both
    /// valid over `[not_before, not_after]`.
    pub fn new(seed: u8, curve: Curve, not_before: i64, not_after: i64) -> Tsa {
        let root_key = Key::new(curve, seed);
        let leaf_key = Key::p256(seed.wrapping_add(100));
        let root_name = name("tsa.example", &format!("tsa-root-{seed}"));
        let root_spec = CertSpec {
            serial: 1,
            issuer: root_name.clone(),
            subject: root_name.clone(),
            not_before,
            not_after,
            spki: root_key.spki_der(),
            extensions: vec![
                Ext::key_usage(key_usage::KEY_CERT_SIGN),
                Ext::basic_constraints(true, None),
            ],
        };
        let root = root_spec.sign(&root_key);
        let leaf_spec = CertSpec {
            serial: 7,
            issuer: root_name,
            subject: name("tsa.example", &format!("tsa-{seed}")),
            not_before,
            not_after,
            spki: leaf_key.spki_der(),
            extensions: vec![
                Ext::key_usage(key_usage::DIGITAL_SIGNATURE),
                Ext::eku(&[oids::KP_TIME_STAMPING], true),
                Ext::ski(&leaf_key),
            ],
        };
        let leaf = leaf_spec.sign(&root_key);
        Tsa {
            root_key,
            root,
            root_spec,
            leaf_key,
            leaf,
            leaf_spec,
        }
    }

    /// Replaces the leaf with `spec` signed by the root.
    pub fn reissue_leaf(&mut self, spec: CertSpec) {
        self.leaf = spec.sign(&self.root_key);
        self.leaf_spec = spec;
    }

    /// The chain as a trusted root lists it: `[leaf, root]`.
    pub fn chain(&self) -> Vec<Vec<u8>> {
        vec![self.leaf.clone(), self.root.clone()]
    }

    /// An RFC 3161 `TimeStampResp` (granted) over `message` (the bytes whose hash is the
    /// imprint: a bundle's raw signature), as [`TokenSpec`] says.
    pub fn token(&self, message: &[u8], spec: &TokenSpec) -> Vec<u8> {
        let imprint = spec
            .imprint_override
            .clone()
            .unwrap_or_else(|| spec.imprint_hash.digest(message));
        let mut tst = vec![
            der::uint(1),
            der::oid(oids::TSA_POLICY),
            der::seq(&[
                &spec
                    .imprint_algorithm_override
                    .clone()
                    .unwrap_or_else(|| spec.imprint_hash.algorithm_identifier()),
                &der::octets(&imprint),
            ]),
            der::uint(0x2a),
            der::generalized_time(spec.gen_time, &spec.fraction),
            der::seq(&[&der::uint(1)]), // accuracy: 1 second
        ];
        tst.push(der::uint(0x1234_5678)); // nonce
        let tst_info = der::tlv(0x30, &tst.concat());
        let content_digest = spec
            .message_digest_override
            .clone()
            .unwrap_or_else(|| spec.digest.digest(&tst_info));
        let cert_hash = Sha256::digest(&self.leaf);
        let mut attrs = vec![
            der::seq(&[
                &der::oid(oids::ATTR_CONTENT_TYPE),
                &der::set(&[&der::oid(
                    spec.content_type.as_deref().unwrap_or(oids::CT_TST_INFO),
                )]),
            ]),
            der::seq(&[
                &der::oid(oids::ATTR_SIGNING_TIME),
                &der::set(&[&der::x509_time(spec.gen_time)]),
            ]),
            der::seq(&[
                &der::oid(oids::ATTR_MESSAGE_DIGEST),
                &der::set(&[&der::octets(&content_digest)]),
            ]),
            der::seq(&[
                &der::oid(oids::ATTR_SIGNING_CERT_V2),
                &der::set(&[&der::seq(&[&der::seq(&[&der::seq(&[&der::octets(
                    &cert_hash,
                )])])])]),
            ]),
        ];
        attrs.sort();
        let signed_attrs = der::set_of(&attrs);
        let signature = self
            .leaf_key
            .sign_prehash(&self.leaf_key.hash().digest(&signed_attrs));
        let mut signed_attrs_in_token = signed_attrs.clone();
        signed_attrs_in_token[0] = 0xa0;
        if spec.tamper_signed_attrs {
            // Change one byte of the signingTime attribute after signing.
            let pos = signed_attrs_in_token
                .windows(oids::ATTR_SIGNING_TIME.len())
                .position(|w| w == oids::ATTR_SIGNING_TIME)
                .unwrap();
            let t = pos + oids::ATTR_SIGNING_TIME.len() + 4 + 2;
            signed_attrs_in_token[t] ^= 0x01;
        }
        let sig_alg = spec
            .signature_algorithm
            .clone()
            .unwrap_or_else(|| self.leaf_key.signature_algorithm());
        let issuer_and_serial =
            der::seq(&[&self.leaf_spec.issuer, &der::uint(self.leaf_spec.serial)]);
        let signer_info = der::seq(&[
            &der::uint(1),
            &issuer_and_serial,
            &spec.digest.algorithm_identifier(),
            &signed_attrs_in_token,
            &sig_alg,
            &der::octets(&signature),
        ]);
        let mut sd = vec![
            der::uint(3),
            der::set(&[&spec.digest.algorithm_identifier()]),
            der::seq(&[
                &der::oid(oids::CT_TST_INFO),
                &der::tlv(0xa0, &der::octets(&tst_info)),
            ]),
        ];
        if spec.include_certificates {
            sd.push(der::tlv(
                0xa0,
                &[self.leaf.clone(), self.root.clone()].concat(),
            ));
        }
        sd.push(der::set(&[&signer_info]));
        let signed_data = der::tlv(0x30, &sd.concat());
        let content_info = der::seq(&[&der::oid(oids::SIGNED_DATA), &der::tlv(0xa0, &signed_data)]);
        if spec.bare_content_info {
            content_info
        } else {
            der::seq(&[&der::seq(&[&der::uint(spec.status)]), &content_info])
        }
    }
}

/// How [`Tsa::token`] makes a token; [`TokenSpec::at`] gives a valid one.
#[derive(Clone, Debug)]
pub struct TokenSpec {
    /// genTime (Unix seconds).
    pub gen_time: i64,
    /// A fraction of a second after the seconds (`""`, or e.g. `".5"`).
    pub fraction: String,
    /// The message imprint's hash.
    pub imprint_hash: Hash,
    /// An imprint to use instead of the hash of the message.
    pub imprint_override: Option<Vec<u8>>,
    /// An imprint AlgorithmIdentifier to write instead of `imprint_hash`'s.
    pub imprint_algorithm_override: Option<Vec<u8>>,
    /// The PKIStatus of the TimeStampResp (0 = granted).
    pub status: u64,
    /// The signer's digest algorithm (messageDigest attribute and digestAlgorithms).
    pub digest: Hash,
    /// A messageDigest to use instead of the hash of the TSTInfo.
    pub message_digest_override: Option<Vec<u8>>,
    /// The contentType attribute's value (default id-ct-TSTInfo).
    pub content_type: Option<Vec<u8>>,
    /// The signature AlgorithmIdentifier to write (default: the leaf key's).
    pub signature_algorithm: Option<Vec<u8>>,
    /// Change one signed-attribute byte after signing.
    pub tamper_signed_attrs: bool,
    /// Carry the TSA's certificates in the token.
    pub include_certificates: bool,
    /// Return the ContentInfo alone instead of a TimeStampResp.
    pub bare_content_info: bool,
}

impl TokenSpec {
    /// A valid token at `gen_time`: SHA-256 everywhere, certificates included, TimeStampResp.
    pub fn at(gen_time: i64) -> TokenSpec {
        TokenSpec {
            gen_time,
            fraction: String::new(),
            imprint_hash: Hash::Sha256,
            imprint_override: None,
            imprint_algorithm_override: None,
            status: 0,
            digest: Hash::Sha256,
            message_digest_override: None,
            content_type: None,
            signature_algorithm: None,
            tamper_signed_attrs: false,
            include_certificates: true,
            bare_content_info: false,
        }
    }
}

/// A log of a trusted root (`tlogs` or `ctlogs`).
#[derive(Clone, Debug)]
pub struct LogEntry {
    /// `baseUrl`.
    pub base_url: String,
    /// `publicKey.rawBytes` (PKIX DER).
    pub key_der: Vec<u8>,
    /// `publicKey.keyDetails`.
    pub key_details: String,
    /// `validFor.start`.
    pub start: i64,
    /// `validFor.end`.
    pub end: Option<i64>,
    /// `logId.keyId`.
    pub log_id: Vec<u8>,
    /// Rekor v2 `checkpointKeyId.keyId`.
    pub checkpoint_key_id: Option<Vec<u8>>,
}

impl LogEntry {
    /// An ECDSA log (P-256 or P-384 by the key), log id = SHA-256 of the SPKI.
    pub fn ecdsa(key: &Key, base_url: &str, start: i64, end: Option<i64>) -> LogEntry {
        LogEntry {
            base_url: base_url.into(),
            key_der: key.spki_der(),
            key_details: match key.curve() {
                Curve::P256 => "PKIX_ECDSA_P256_SHA_256",
                Curve::P384 => "PKIX_ECDSA_P384_SHA_384",
            }
            .into(),
            start,
            end,
            log_id: key.log_id().to_vec(),
            checkpoint_key_id: None,
        }
    }

    /// Any key (e.g. Ed25519 `PKIX_ED25519` with a signed-note id); `log_id` as given.
    pub fn raw(
        key_der: &[u8],
        key_details: &str,
        log_id: &[u8],
        base_url: &str,
        start: i64,
        end: Option<i64>,
    ) -> LogEntry {
        LogEntry {
            base_url: base_url.into(),
            key_der: key_der.to_vec(),
            key_details: key_details.into(),
            start,
            end,
            log_id: log_id.to_vec(),
            checkpoint_key_id: None,
        }
    }

    fn json(&self) -> serde_json::Value {
        let mut v = serde_json::json!({
            "baseUrl": self.base_url,
            "hashAlgorithm": "SHA2_256",
            "publicKey": {
                "rawBytes": b64(&self.key_der),
                "keyDetails": self.key_details,
                "validFor": window(self.start, self.end),
            },
            "logId": {"keyId": b64(&self.log_id)},
        });
        if let Some(c) = &self.checkpoint_key_id {
            v["checkpointKeyId"] = serde_json::json!({"keyId": b64(c)});
        }
        v
    }
}

/// A certificate or timestamp authority of a trusted root.
#[derive(Clone, Debug)]
pub struct AuthorityEntry {
    /// `certChain.certificates`, leaf-most first, root last.
    pub chain: Vec<Vec<u8>>,
    /// `validFor.start`.
    pub start: i64,
    /// `validFor.end`.
    pub end: Option<i64>,
    /// `uri`.
    pub uri: String,
}

impl AuthorityEntry {
    /// An authority with this chain and window.
    pub fn new(chain: Vec<Vec<u8>>, start: i64, end: Option<i64>) -> AuthorityEntry {
        AuthorityEntry {
            chain,
            start,
            end,
            uri: "https://authority.example".into(),
        }
    }

    fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "subject": {"organization": "example", "commonName": "example"},
            "uri": self.uri,
            "certChain": {"certificates": self
                .chain
                .iter()
                .map(|c| serde_json::json!({"rawBytes": b64(c)}))
                .collect::<Vec<_>>()},
            "validFor": window(self.start, self.end),
        })
    }
}

fn b64(b: &[u8]) -> String {
    use base64ct::{Base64, Encoding};
    Base64::encode_string(b)
}

fn window(start: i64, end: Option<i64>) -> serde_json::Value {
    let mut w = serde_json::json!({"start": rfc3339(start)});
    if let Some(e) = end {
        w["end"] = serde_json::Value::String(rfc3339(e));
    }
    w
}

/// Writes a `trusted_root.json` (media type
/// `application/vnd.dev.sigstore.trustedroot+json;version=0.1`).
#[derive(Clone, Debug, Default)]
pub struct RootBuilder {
    /// Rekor logs.
    pub tlogs: Vec<LogEntry>,
    /// CT logs.
    pub ctlogs: Vec<LogEntry>,
    /// Fulcio certificate authorities.
    pub cas: Vec<AuthorityEntry>,
    /// RFC 3161 timestamp authorities.
    pub tsas: Vec<AuthorityEntry>,
}

impl RootBuilder {
    /// An empty root.
    pub fn new() -> RootBuilder {
        RootBuilder::default()
    }

    /// Adds a Rekor log.
    pub fn tlog(mut self, l: LogEntry) -> RootBuilder {
        self.tlogs.push(l);
        self
    }

    /// Adds a CT log.
    pub fn ctlog(mut self, l: LogEntry) -> RootBuilder {
        self.ctlogs.push(l);
        self
    }

    /// Adds a certificate authority.
    pub fn ca(mut self, a: AuthorityEntry) -> RootBuilder {
        self.cas.push(a);
        self
    }

    /// Adds a timestamp authority.
    pub fn tsa(mut self, a: AuthorityEntry) -> RootBuilder {
        self.tsas.push(a);
        self
    }

    /// The JSON document.
    pub fn to_json(&self) -> String {
        serde_json::json!({
            "mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
            "tlogs": self.tlogs.iter().map(LogEntry::json).collect::<Vec<_>>(),
            "certificateAuthorities": self.cas.iter().map(AuthorityEntry::json).collect::<Vec<_>>(),
            "ctlogs": self.ctlogs.iter().map(LogEntry::json).collect::<Vec<_>>(),
            "timestampAuthorities": self.tsas.iter().map(AuthorityEntry::json).collect::<Vec<_>>(),
        })
        .to_string()
    }
}

/// A complete synthetic keyless setup at time `t` (all windows one day around it): a Fulcio CA
/// (P-384 root and intermediate), a CT log, a TSA, a leaf key, and the valid leaf issued
/// `t - 60` to `t + 540` with one SCT at `t`. Tests change one thing and rebuild.
#[derive(Clone)]
pub struct World {
    /// The trusted time.
    pub t: i64,
    /// The Fulcio CA.
    pub fulcio: Fulcio,
    /// The CT log.
    pub ct: CtLog,
    /// The timestamp authority.
    pub tsa: Tsa,
    /// The leaf key.
    pub leaf_key: Key,
}

impl World {
    /// The default world at `t`.
    pub fn new(t: i64) -> World {
        World {
            t,
            fulcio: Fulcio::new(1, Curve::P384, t - 86_400, t + 86_400),
            ct: CtLog::new(2),
            tsa: Tsa::new(3, Curve::P384, t - 86_400, t + 86_400),
            leaf_key: Key::p256(4),
        }
    }

    /// The default leaf spec (valid `t - 60` to `t + 540`).
    pub fn leaf_spec(&self) -> CertSpec {
        self.fulcio
            .leaf_spec(&self.leaf_key, self.t - 60, self.t + 540)
    }

    /// `spec` issued by the intermediate with one SCT from the CT log at `t`.
    pub fn issue(&self, spec: &CertSpec) -> Vec<u8> {
        self.fulcio.issue(spec, &[(&self.ct, self.t as u64 * 1000)])
    }

    /// The default leaf.
    pub fn leaf(&self) -> Vec<u8> {
        self.issue(&self.leaf_spec())
    }

    /// The trusted root listing this world's CA, CT log and TSA, windows one day around `t`.
    pub fn root(&self) -> RootBuilder {
        let (s, e) = (self.t - 86_400, Some(self.t + 86_400));
        RootBuilder::new()
            .ca(AuthorityEntry::new(self.fulcio.chain(), s, e))
            .ctlog(LogEntry::ecdsa(&self.ct.key, "https://ct.example", s, e))
            .tsa(AuthorityEntry::new(self.tsa.chain(), s, e))
    }
}
