//! Public keys: parsing, algorithm, fingerprint and signature checks.
//!
//! The key decides the algorithm, never the envelope. Accepted encodings:
//!
//! | algorithm | encodings |
//! |---|---|
//! | Ed25519 | raw 32 bytes, SubjectPublicKeyInfo DER, SubjectPublicKeyInfo PEM (`PUBLIC KEY`) |
//! | ECDSA P-256 / SHA-256 | SEC1 compressed (33 bytes) or uncompressed (65 bytes), SPKI DER, SPKI PEM |
//!
//! A key's [fingerprint](PublicKey::fingerprint) is the SHA-256 of its canonical SPKI DER (for
//! P-256 with the uncompressed point), so one key gives one fingerprint whatever encoding it came in:
//! `openssl pkey -pubin -outform DER | sha256sum` prints the same value.

use crate::Error;
use sha2::{Digest, Sha256};

// The host backend's parsed keys are shared (`Arc`) by a key's clones (feature `fast`, host only;
// firmware builds never enable it and stay without `alloc`).
#[cfg(feature = "fast")]
extern crate alloc;

// One file per signature algorithm.
#[cfg(feature = "p256")]
mod ecdsa_p256;
#[cfg(feature = "ed25519")]
mod ed25519;
#[cfg(feature = "fast")]
pub(crate) mod host;
#[cfg(feature = "p256")]
use ecdsa_p256::verify_p256;
#[cfg(feature = "ed25519")]
pub(crate) use ed25519::verify_ed25519;

/// A signature algorithm, as decided by the key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
#[repr(u32)]
pub enum Algorithm {
    /// Pure Ed25519 (RFC 8032), not Ed25519ph.
    Ed25519 = 1,
    /// ECDSA over NIST P-256 with SHA-256.
    EcdsaP256Sha256 = 2,
}

impl Algorithm {
    /// Stable name: `ed25519` or `ecdsa-p256-sha256`.
    pub const fn name(self) -> &'static str {
        match self {
            Algorithm::Ed25519 => "ed25519",
            Algorithm::EcdsaP256Sha256 => "ecdsa-p256-sha256",
        }
    }
}

/// Length of the canonical SPKI DER of an Ed25519 key.
pub const ED25519_SPKI_LEN: usize = 44;
/// Length of the canonical SPKI DER of a P-256 key (uncompressed point).
pub const P256_SPKI_LEN: usize = 91;
/// Longest canonical SPKI DER of any supported key.
pub const MAX_SPKI_LEN: usize = P256_SPKI_LEN;

#[cfg_attr(not(feature = "ed25519"), allow(dead_code))]
const ED25519_SPKI_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];
#[cfg_attr(not(feature = "p256"), allow(dead_code))]
const P256_SPKI_PREFIX: [u8; 26] = [
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a,
    0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
];
const OID_ED25519: &[u8] = &[0x2b, 0x65, 0x70];
const OID_EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const OID_PRIME256V1: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];

#[derive(Clone, Debug)]
enum Inner {
    #[cfg(feature = "ed25519")]
    Ed25519(ed25519_compact::PublicKey),
    #[cfg(feature = "p256")]
    P256(p256::ecdsa::VerifyingKey),
}

/// A trusted public key (Ed25519 or ECDSA P-256).
#[derive(Clone, Debug)]
pub struct PublicKey {
    inner: Inner,
    /// The key parsed for the host backend once ([`PublicKey::prepared`]), shared by its clones.
    #[cfg(feature = "fast")]
    prepared: Option<alloc::sync::Arc<Table>>,
}

/// Equal key material (the same key in any encoding); the algorithm is part of it.
impl PartialEq for PublicKey {
    fn eq(&self, other: &Self) -> bool {
        match (&self.inner, &other.inner) {
            #[cfg(feature = "ed25519")]
            (Inner::Ed25519(a), Inner::Ed25519(b)) => a.as_ref() == b.as_ref(),
            #[cfg(feature = "p256")]
            (Inner::P256(a), Inner::P256(b)) => a == b,
            #[cfg(all(feature = "ed25519", feature = "p256"))]
            _ => false,
        }
    }
}
impl Eq for PublicKey {}

/// The algorithm OID of a DER SubjectPublicKeyInfo, read from its first bytes only:
/// `SEQUENCE { SEQUENCE { OBJECT IDENTIFIER, ... }, BIT STRING }`. `None` when those bytes are not
/// that shape.
fn spki_algorithm(der: &[u8]) -> Option<&[u8]> {
    /// Skips a tag and a DER length (short form, or long form of 1 to 3 bytes); returns the
    /// length and the rest.
    fn header(der: &[u8], tag: u8) -> Option<(usize, &[u8])> {
        let (&t, rest) = der.split_first()?;
        if t != tag {
            return None;
        }
        let (&l, rest) = rest.split_first()?;
        if l < 0x80 {
            return Some((usize::from(l), rest));
        }
        let n = usize::from(l & 0x7f);
        if n == 0 || n > 3 {
            return None;
        }
        let (len, rest) = rest.split_at_checked(n)?;
        let v = len
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        Some((v, rest))
    }
    let (_, rest) = header(der, 0x30)?;
    let (_, rest) = header(rest, 0x30)?;
    let (oid_len, rest) = header(rest, 0x06)?;
    rest.get(..oid_len)
}

impl PublicKey {
    /// Parses a key in any supported encoding (PEM, SPKI DER, raw Ed25519, SEC1 P-256), telling them
    /// apart by their shape.
    pub fn parse(bytes: &[u8]) -> Result<Self, Error> {
        let trimmed = bytes.trim_ascii();
        if trimmed.starts_with(b"-----BEGIN") {
            return Self::from_pem(trimmed);
        }
        match (bytes.len(), bytes.first()) {
            (32, _) => Self::from_ed25519_raw(bytes),
            (33, Some(2 | 3)) | (65, Some(4)) => Self::from_sec1(bytes),
            (_, Some(0x30)) => Self::from_spki_der(bytes),
            _ => Err(Error::InvalidKey),
        }
    }

    /// Parses a `-----BEGIN PUBLIC KEY-----` PEM document (SPKI).
    ///
    /// A key too large for any supported algorithm (an RSA key, say) is told apart by the
    /// algorithm its SubjectPublicKeyInfo names: [`Error::UnsupportedKeyType`] for another
    /// algorithm, [`Error::InvalidKey`] for a malformed document.
    pub fn from_pem(pem: &[u8]) -> Result<Self, Error> {
        let mut buf = [0u8; 256];
        let mut dec = pem_rfc7468::Decoder::new(pem.trim_ascii()).map_err(|_| Error::InvalidKey)?;
        if dec.type_label() != "PUBLIC KEY" {
            return Err(Error::InvalidKey);
        }
        let n = dec.remaining_len();
        let Some(out) = buf.get_mut(..n) else {
            // Larger than any key vouch supports: only its algorithm is read, from its first
            // bytes, to say whether it is another algorithm or a broken document.
            let mut head = [0u8; 32];
            let head = dec.decode(&mut head).map_err(|_| Error::InvalidKey)?;
            return match spki_algorithm(head) {
                Some(oid) if oid == OID_ED25519 || oid == OID_EC_PUBLIC_KEY => {
                    Err(Error::InvalidKey)
                }
                Some(_) => Err(Error::UnsupportedKeyType),
                None => Err(Error::InvalidKey),
            };
        };
        let der = dec.decode(out).map_err(|_| Error::InvalidKey)?;
        if !dec.is_finished() {
            return Err(Error::InvalidKey);
        }
        Self::from_spki_der(der)
    }

    /// Parses a DER SubjectPublicKeyInfo (strict DER, no trailing bytes).
    pub fn from_spki_der(der: &[u8]) -> Result<Self, Error> {
        use spki::der::Decode;
        let info = spki::SubjectPublicKeyInfoRef::from_der(der).map_err(|_| Error::InvalidKey)?;
        let bits = info
            .subject_public_key
            .as_bytes()
            .ok_or(Error::InvalidKey)?;
        let oid = info.algorithm.oid.as_bytes();
        if oid == OID_ED25519 {
            if info.algorithm.parameters.is_some() {
                return Err(Error::InvalidKey);
            }
            Self::from_ed25519_raw(bits)
        } else if oid == OID_EC_PUBLIC_KEY {
            let curve = info
                .algorithm
                .parameters_oid()
                .map_err(|_| Error::InvalidKey)?;
            if curve.as_bytes() != OID_PRIME256V1 {
                return Err(Error::UnsupportedKeyType);
            }
            Self::from_sec1(bits)
        } else {
            Err(Error::UnsupportedKeyType)
        }
    }

    /// A raw 32-byte Ed25519 public key. Non-canonical encodings and small-order points are refused.
    pub fn from_ed25519_raw(raw: &[u8]) -> Result<Self, Error> {
        #[cfg(feature = "ed25519")]
        {
            let pk = ed25519_compact::PublicKey::from_slice(raw).map_err(|_| Error::InvalidKey)?;
            pk.validate().map_err(|_| Error::InvalidKey)?;
            Ok(PublicKey {
                inner: Inner::Ed25519(pk),
                #[cfg(feature = "fast")]
                prepared: None,
            })
        }
        #[cfg(not(feature = "ed25519"))]
        {
            let _ = raw;
            Err(Error::UnsupportedKeyType)
        }
    }

    /// A SEC1-encoded P-256 point, compressed or uncompressed.
    pub fn from_sec1(sec1: &[u8]) -> Result<Self, Error> {
        #[cfg(feature = "p256")]
        {
            let vk =
                p256::ecdsa::VerifyingKey::from_sec1_bytes(sec1).map_err(|_| Error::InvalidKey)?;
            Ok(PublicKey {
                inner: Inner::P256(vk),
                #[cfg(feature = "fast")]
                prepared: None,
            })
        }
        #[cfg(not(feature = "p256"))]
        {
            let _ = sec1;
            Err(Error::UnsupportedKeyType)
        }
    }

    /// The key's algorithm.
    pub fn algorithm(&self) -> Algorithm {
        match self.inner {
            #[cfg(feature = "ed25519")]
            Inner::Ed25519(_) => Algorithm::Ed25519,
            #[cfg(feature = "p256")]
            Inner::P256(_) => Algorithm::EcdsaP256Sha256,
        }
    }

    /// SHA-256 of the canonical SPKI DER: the identity of the key material. Computed on each
    /// call (a key does not carry it, so firmware that never asks links no SHA-256 for it);
    /// comparing keys with `==` needs no hashing.
    pub fn fingerprint(&self) -> [u8; 32] {
        let mut der = [0u8; MAX_SPKI_LEN];
        let n = self.spki_der(&mut der).unwrap_or(0);
        Sha256::digest(der.get(..n).unwrap_or(&[])).into()
    }

    /// Writes the canonical SPKI DER into `out`; returns its length.
    pub fn spki_der(&self, out: &mut [u8]) -> Result<usize, Error> {
        match &self.inner {
            #[cfg(feature = "ed25519")]
            Inner::Ed25519(pk) => {
                let dst = out
                    .get_mut(..ED25519_SPKI_LEN)
                    .ok_or(Error::BufferTooSmall)?;
                let (a, b) = dst.split_at_mut(ED25519_SPKI_PREFIX.len());
                a.copy_from_slice(&ED25519_SPKI_PREFIX);
                b.copy_from_slice(pk.as_ref());
                Ok(ED25519_SPKI_LEN)
            }
            #[cfg(feature = "p256")]
            Inner::P256(vk) => {
                let dst = out.get_mut(..P256_SPKI_LEN).ok_or(Error::BufferTooSmall)?;
                let (a, b) = dst.split_at_mut(P256_SPKI_PREFIX.len());
                a.copy_from_slice(&P256_SPKI_PREFIX);
                b.copy_from_slice(vk.to_sec1_point(false).as_bytes());
                Ok(P256_SPKI_LEN)
            }
        }
    }

    /// Checks `signature` over `PAE(payload_type, payload)` with this key (outside the crate:
    /// [`crate::hazmat::verify_pae`]).
    ///
    /// `p256_prehash` caches SHA-256 of the PAE across keys and signatures of one envelope (it does
    /// not depend on the key); pass `&mut None` when there is nothing to share.
    pub(crate) fn verify_pae(
        &self,
        payload_type: &[u8],
        payload: &[u8],
        signature: &[u8],
        p256_prehash: &mut Option<[u8; 32]>,
    ) -> bool {
        self.verify_pae_with(payload_type, payload, signature, p256_prehash, None)
            .unwrap_or(false)
    }

    /// A P-256 key parsed by the host backend once, for verifications over SHA-256 prehashes
    /// (`None` for other keys).
    #[cfg(feature = "fast")]
    pub(crate) fn p256_table(&self) -> Option<Table> {
        match &self.inner {
            Inner::P256(vk) => {
                Table::new(host::Curve::P256, vk.to_sec1_point(false).as_bytes(), 32)
            }
            #[cfg(feature = "ed25519")]
            Inner::Ed25519(_) => None,
        }
    }

    /// Parses a P-256 key for the host backend (feature `fast`, host only) once and keeps it with
    /// the key and every clone of it, so that verifications under it — through any [`Verifier`]
    /// built from a clone, as [`Verifier::precompute`] does for one verifier — do not parse the
    /// point again. For a long-lived process that builds a verifier per request (the registry
    /// service). Verdicts are identical with or without it; an Ed25519 key is returned as it is.
    /// This call allocates.
    ///
    /// [`Verifier`]: crate::Verifier
    /// [`Verifier::precompute`]: crate::Verifier::precompute
    #[cfg(feature = "fast")]
    pub fn prepared(mut self) -> Self {
        self.prepared = self.p256_table().map(alloc::sync::Arc::new);
        self
    }

    /// The host backend's parse of this key, when [`PublicKey::prepared`] made one.
    #[cfg(feature = "fast")]
    pub(crate) fn prepared_table(&self) -> Option<&Table> {
        self.prepared.as_deref()
    }

    /// [`PublicKey::verify_pae`], using this key's precomputed table when given one, over a body
    /// that is either bytes in memory or streamed (decoded on the fly); a streaming body's error
    /// is passed through.
    pub(crate) fn verify_pae_with<B: Body + ?Sized>(
        &self,
        payload_type: &[u8],
        payload: &B,
        signature: &[u8],
        p256_prehash: &mut Option<[u8; 32]>,
        table: Option<&Table>,
    ) -> Result<bool, Error> {
        #[cfg(not(feature = "p256"))]
        let _ = p256_prehash;
        // The key's own parse ([`PublicKey::prepared`]) when the caller has no table for it.
        #[cfg(feature = "fast")]
        let table = table.or_else(|| self.prepared_table());
        let _ = table;
        match &self.inner {
            #[cfg(feature = "ed25519")]
            Inner::Ed25519(pk) => {
                let mut streamed = Ok(());
                let ok = verify_ed25519(pk, signature, &mut |sink| {
                    crate::pae::stream_header(payload_type, payload.len(), |c| sink(c));
                    streamed = payload.stream(sink);
                });
                streamed.map(|()| ok)
            }
            #[cfg(feature = "p256")]
            Inner::P256(vk) => {
                let digest = match p256_prehash {
                    Some(d) => *d,
                    None => {
                        let mut h = Sha256::new();
                        crate::pae::stream_header(payload_type, payload.len(), |c| h.update(c));
                        payload.stream(&mut |c| h.update(c))?;
                        let d: [u8; 32] = h.finalize().into();
                        *p256_prehash = Some(d);
                        d
                    }
                };
                Ok(verify_p256(vk, &digest, signature, table))
            }
        }
    }

    /// Checks `signature` over `message` itself (no PAE) with the same per-algorithm code as
    /// [`PublicKey::verify_pae`]. DSSE envelopes never verify this way (use [`crate::Verifier`]); it
    /// exists for test vectors such as Project Wycheproof's, which sign raw messages (outside the
    /// crate: [`crate::hazmat::verify_raw`]).
    pub(crate) fn verify_raw(&self, message: &[u8], signature: &[u8]) -> bool {
        match &self.inner {
            #[cfg(feature = "ed25519")]
            Inner::Ed25519(pk) => verify_ed25519(pk, signature, &mut |sink| sink(message)),
            #[cfg(feature = "p256")]
            Inner::P256(vk) => verify_p256(vk, &Sha256::digest(message).into(), signature, None),
        }
    }
}

/// A message handed over in pieces: called once with a sink, it passes each piece to it in order.
#[cfg_attr(not(feature = "ed25519"), allow(dead_code))]
pub(crate) type Message<'a> = dyn FnMut(&mut dyn FnMut(&[u8])) + 'a;

/// A signed body as verification reads it: its length (needed first, for the PAE header) and
/// its bytes, handed over in one or more pieces.
pub(crate) trait Body {
    /// The length in bytes.
    fn len(&self) -> usize;
    /// Hands the bytes to `sink` in order; a body decoded on the fly may fail.
    fn stream(&self, sink: &mut dyn FnMut(&[u8])) -> Result<(), Error>;
}

impl Body for [u8] {
    fn len(&self) -> usize {
        <[u8]>::len(self)
    }
    fn stream(&self, sink: &mut dyn FnMut(&[u8])) -> Result<(), Error> {
        sink(self);
        Ok(())
    }
}

/// A key prepared for verification by the host backend (feature `fast`; an empty stand-in
/// otherwise).
#[cfg(feature = "fast")]
pub(crate) use host::Table;
/// A key prepared for verification by the host backend (feature `fast`; an empty stand-in
/// otherwise).
#[cfg(not(feature = "fast"))]
#[derive(Clone, Debug)]
pub(crate) enum Table {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_rejects_garbage_with_specific_errors() {
        assert_eq!(PublicKey::parse(b"").err(), Some(Error::InvalidKey));
        assert_eq!(PublicKey::parse(b"hello").err(), Some(Error::InvalidKey));
        assert_eq!(
            PublicKey::parse(&[0x30, 0x03, 0x02, 0x01, 0x00]).err(),
            Some(Error::InvalidKey)
        );
        assert_eq!(
            PublicKey::parse(b"-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----\n")
                .err(),
            Some(Error::InvalidKey)
        );
        // SEC1 prefix with a point not on the curve.
        let mut bad = [0u8; 65];
        bad[0] = 4;
        bad[64] = 1;
        assert_eq!(PublicKey::parse(&bad).err(), Some(Error::InvalidKey));
        // Small-order Ed25519 point (the identity).
        let mut ident = [0u8; 32];
        ident[0] = 1;
        assert_eq!(PublicKey::parse(&ident).err(), Some(Error::InvalidKey));
    }

    /// RSA keys of every size are another algorithm (`unsupported-key-type`), including those
    /// whose PEM does not fit the parser's buffer (RSA-2048 used to give `invalid-key`).
    #[test]
    fn rsa_keys_of_any_size_are_unsupported() {
        for pem in [
            &include_bytes!("../../../tests/vectors/keys/rsa1024.pub")[..],
            &include_bytes!("../../../tests/vectors/keys/rsa2048.pub")[..],
            &include_bytes!("../../../tests/vectors/keys/rsa4096.pub")[..],
        ] {
            assert_eq!(PublicKey::parse(pem).err(), Some(Error::UnsupportedKeyType));
        }
    }

    /// A PEM too large for any supported key is `invalid-key` when it claims a supported
    /// algorithm or is not a SubjectPublicKeyInfo at all.
    #[test]
    fn oversized_pem_of_a_supported_algorithm_is_invalid() {
        let pem = |der: &[u8]| {
            let mut buf = [0u8; 2048];
            let n = pem_rfc7468::encode("PUBLIC KEY", pem_rfc7468::LineEnding::LF, der, &mut buf)
                .unwrap()
                .len();
            buf[..n].to_vec()
        };
        // An Ed25519 SPKI with a 300-byte "key".
        let mut der = vec![
            0x30, 0x82, 0x01, 0x3a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70,
        ];
        der.extend_from_slice(&[0x03, 0x82, 0x01, 0x2d, 0x00]);
        der.extend_from_slice(&[7u8; 300]);
        assert_eq!(PublicKey::parse(&pem(&der)).err(), Some(Error::InvalidKey));
        // 300 bytes that are not DER.
        assert_eq!(
            PublicKey::parse(&pem(&[0xaa; 300])).err(),
            Some(Error::InvalidKey)
        );
        // Other labels stay invalid, large or small.
        let mut other = [0u8; 2048];
        let n = pem_rfc7468::encode(
            "CERTIFICATE",
            pem_rfc7468::LineEnding::LF,
            &[1; 300],
            &mut other,
        )
        .unwrap()
        .len();
        assert_eq!(PublicKey::parse(&other[..n]).err(), Some(Error::InvalidKey));
    }
}
