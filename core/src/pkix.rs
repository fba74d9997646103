//! Public keys from SubjectPublicKeyInfo DER and signature checks over a given digest, as keyless
//! (Sigstore) verification needs them: ECDSA P-256 and P-384 over SHA-256 or SHA-384 digests
//! (certificates, message signatures, SCTs, SETs, checkpoints) and Ed25519 (Rekor v2
//! checkpoints).
//!
//! | key | SPKI algorithm | verification |
//! |---|---|---|
//! | ECDSA P-256 | id-ecPublicKey, prime256v1 | [`VerifyKey::verify_prehash`] over a 32-, 48- or 64-byte digest |
//! | ECDSA P-384 | id-ecPublicKey, secp384r1 | the same (SHA-384 for Fulcio chains, SHA-256 for old P-384 leaves) |
//! | Ed25519 | id-Ed25519 | [`VerifyKey::verify_message`] (pure Ed25519; never over a digest) |
//! | RSA | rsaEncryption, RSASSA-PSS | refused: [`Error::RsaUnsupported`] |
//!
//! ECDSA signatures are strict DER or fixed-size IEEE P1363 `r || s`, as the caller says
//! ([`SigEncoding`]): keyless formats name their encoding, so nothing is guessed from the length.
//! High-S signatures verify (ECDSA as specified; Sigstore does not normalise S).

use crate::Error;
use crate::der::{self, Reader};

/// id-ecPublicKey, 1.2.840.10045.2.1.
pub(crate) const OID_EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
/// prime256v1 / secp256r1, 1.2.840.10045.3.1.7.
pub(crate) const OID_P256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
/// secp384r1, 1.3.132.0.34.
pub(crate) const OID_P384: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x22];
/// id-Ed25519, 1.3.101.112.
pub(crate) const OID_ED25519: &[u8] = &[0x2b, 0x65, 0x70];
/// The PKCS #1 arc 1.2.840.113549.1.1 (rsaEncryption, RSASSA-PSS, sha*WithRSAEncryption).
pub(crate) const OID_PKCS1_ARC: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01];

/// The algorithm of a [`VerifyKey`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyAlgorithm {
    /// ECDSA over NIST P-256.
    EcdsaP256,
    /// ECDSA over NIST P-384.
    EcdsaP384,
    /// Ed25519 (pure).
    Ed25519,
}

/// How an ECDSA signature is encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SigEncoding {
    /// ASN.1 DER `SEQUENCE { r INTEGER, s INTEGER }`, strictly (no BER, no trailing bytes).
    Der,
    /// IEEE P1363: `r || s`, each the size of the curve's field (64 bytes for P-256, 96 for P-384).
    P1363,
}

/// A public key that keyless verification checks signatures with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VerifyKey {
    /// ECDSA P-256.
    P256(p256::ecdsa::VerifyingKey),
    /// ECDSA P-384.
    P384(p384::ecdsa::VerifyingKey),
    /// Ed25519 (only with the `ed25519` feature).
    #[cfg(feature = "ed25519")]
    Ed25519(ed25519_compact::PublicKey),
}

impl VerifyKey {
    /// Parses a DER SubjectPublicKeyInfo: P-256 and P-384 (uncompressed or compressed points,
    /// curve named by OID) and Ed25519. RSA gives [`Error::RsaUnsupported`], other algorithms and
    /// curves [`Error::UnsupportedKeyType`], a malformed structure a DER error, a point not on the
    /// curve (or a small-order Ed25519 key) [`Error::InvalidKey`].
    pub fn from_spki_der(spki: &[u8]) -> Result<Self, Error> {
        let (oid, params, point) = spki_parts(spki)?;
        if oid == OID_EC_PUBLIC_KEY {
            let curve = params.ok_or(Error::InvalidKey)?;
            if curve.tag != der::OID {
                return Err(Error::UnsupportedKeyType);
            }
            match der::oid(&curve)? {
                OID_P256 => Self::p256_from_sec1(point),
                OID_P384 => Self::p384_from_sec1(point),
                _ => Err(Error::UnsupportedKeyType),
            }
        } else if oid == OID_ED25519 {
            if params.is_some() {
                return Err(Error::InvalidKey);
            }
            Self::ed25519_from_raw(point)
        } else if oid.starts_with(OID_PKCS1_ARC) {
            Err(Error::RsaUnsupported)
        } else {
            Err(Error::UnsupportedKeyType)
        }
    }

    /// A SEC1-encoded P-256 point (compressed or uncompressed).
    pub fn p256_from_sec1(sec1: &[u8]) -> Result<Self, Error> {
        p256::ecdsa::VerifyingKey::from_sec1_bytes(sec1)
            .map(VerifyKey::P256)
            .map_err(|_| Error::InvalidKey)
    }

    /// A SEC1-encoded P-384 point (compressed or uncompressed).
    pub fn p384_from_sec1(sec1: &[u8]) -> Result<Self, Error> {
        p384::ecdsa::VerifyingKey::from_sec1_bytes(sec1)
            .map(VerifyKey::P384)
            .map_err(|_| Error::InvalidKey)
    }

    /// A raw 32-byte Ed25519 key; non-canonical and small-order points are refused. Without the
    /// `ed25519` feature: [`Error::UnsupportedKeyType`].
    pub fn ed25519_from_raw(raw: &[u8]) -> Result<Self, Error> {
        #[cfg(feature = "ed25519")]
        {
            let pk = ed25519_compact::PublicKey::from_slice(raw).map_err(|_| Error::InvalidKey)?;
            pk.validate().map_err(|_| Error::InvalidKey)?;
            Ok(VerifyKey::Ed25519(pk))
        }
        #[cfg(not(feature = "ed25519"))]
        {
            let _ = raw;
            Err(Error::UnsupportedKeyType)
        }
    }

    /// The key's algorithm.
    pub fn algorithm(&self) -> KeyAlgorithm {
        match self {
            VerifyKey::P256(_) => KeyAlgorithm::EcdsaP256,
            VerifyKey::P384(_) => KeyAlgorithm::EcdsaP384,
            #[cfg(feature = "ed25519")]
            VerifyKey::Ed25519(_) => KeyAlgorithm::Ed25519,
        }
    }

    /// Checks an ECDSA `signature` over `digest`, a SHA-256, SHA-384 or SHA-512 output (32, 48 or
    /// 64 bytes; any other length is refused). The digest is used as ECDSA specifies (its leftmost
    /// bits, as many as the curve order has). An Ed25519 key never verifies a digest: `false`.
    pub fn verify_prehash(&self, digest: &[u8], signature: &[u8], encoding: SigEncoding) -> bool {
        if !matches!(digest.len(), 32 | 48 | 64) {
            return false;
        }
        match self {
            VerifyKey::P256(vk) => verify_p256(vk, digest, signature, encoding),
            VerifyKey::P384(vk) => verify_p384(vk, digest, signature, encoding),
            #[cfg(feature = "ed25519")]
            VerifyKey::Ed25519(_) => false,
        }
    }

    /// Checks `signature` over `message` itself: ECDSA keys hash it with `hash` first (then
    /// [`VerifyKey::verify_prehash`]); an Ed25519 key verifies the message as pure Ed25519 and
    /// ignores `hash` and `encoding`.
    pub fn verify_message(
        &self,
        hash: HashAlgorithm,
        message: &[u8],
        signature: &[u8],
        encoding: SigEncoding,
    ) -> bool {
        match self {
            #[cfg(feature = "ed25519")]
            VerifyKey::Ed25519(pk) => verify_ed25519(pk, message, signature),
            _ => {
                let mut buf = [0u8; 64];
                let n = hash.digest(message, &mut buf);
                self.verify_prehash(buf.get(..n).unwrap_or(&[]), signature, encoding)
            }
        }
    }
}

/// A hash function that keyless formats name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HashAlgorithm {
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl HashAlgorithm {
    /// Output length in bytes.
    pub const fn output_len(self) -> usize {
        match self {
            HashAlgorithm::Sha256 => 32,
            HashAlgorithm::Sha384 => 48,
            HashAlgorithm::Sha512 => 64,
        }
    }

    /// Hashes `data` into `out` (at least 64 bytes suffice for every algorithm); returns the
    /// output length, or 0 if `out` is too small.
    // Not inlined: the hash state then lives only while hashing, not under the signature check
    // that follows (stack peak on a microcontroller, docs/keyless.md "Footprint").
    #[inline(never)]
    pub fn digest(self, data: &[u8], out: &mut [u8]) -> usize {
        use sha2::Digest;
        let n = self.output_len();
        let Some(dst) = out.get_mut(..n) else {
            return 0;
        };
        match self {
            HashAlgorithm::Sha256 => dst.copy_from_slice(&sha2::Sha256::digest(data)),
            HashAlgorithm::Sha384 => dst.copy_from_slice(&sha2::Sha384::digest(data)),
            HashAlgorithm::Sha512 => dst.copy_from_slice(&sha2::Sha512::digest(data)),
        }
        n
    }
}

/// Pure Ed25519 (its own frame: not on the stack under the ECDSA checks of
/// [`VerifyKey::verify_message`]).
#[cfg(feature = "ed25519")]
#[inline(never)]
fn verify_ed25519(pk: &ed25519_compact::PublicKey, message: &[u8], signature: &[u8]) -> bool {
    // The DSSE path's Ed25519 (with the host backend when `fast` is on), fed the one message.
    crate::key::verify_ed25519(pk, signature, &mut |sink| sink(message))
}

#[inline(never)]
fn verify_p256(
    vk: &p256::ecdsa::VerifyingKey,
    digest: &[u8],
    signature: &[u8],
    encoding: SigEncoding,
) -> bool {
    use p256::ecdsa::Signature;
    #[cfg(not(feature = "fast"))]
    use p256::ecdsa::signature::hazmat::PrehashVerifier;
    let sig = match encoding {
        SigEncoding::Der => Signature::from_der(signature),
        SigEncoding::P1363 => Signature::from_slice(signature),
    };
    let Ok(sig) = sig else {
        return false;
    };
    // The host backend (feature `fast`) gets the decoded, range-checked signature and the
    // validated key; the verdict is the same (core/src/key/host.rs).
    #[cfg(feature = "fast")]
    return crate::key::host::verify_ecdsa(
        crate::key::host::Curve::P256,
        vk.to_sec1_point(false).as_bytes(),
        digest,
        sig.to_der().as_bytes(),
    );
    #[cfg(not(feature = "fast"))]
    vk.verify_prehash(digest, &sig).is_ok()
}

#[inline(never)]
fn verify_p384(
    vk: &p384::ecdsa::VerifyingKey,
    digest: &[u8],
    signature: &[u8],
    encoding: SigEncoding,
) -> bool {
    use p384::ecdsa::Signature;
    #[cfg(not(feature = "fast"))]
    use p384::ecdsa::signature::hazmat::PrehashVerifier;
    let sig = match encoding {
        SigEncoding::Der => Signature::from_der(signature),
        SigEncoding::P1363 => Signature::from_slice(signature),
    };
    let Ok(sig) = sig else {
        return false;
    };
    #[cfg(feature = "fast")]
    return crate::key::host::verify_ecdsa(
        crate::key::host::Curve::P384,
        vk.to_sec1_point(false).as_bytes(),
        digest,
        sig.to_der().as_bytes(),
    );
    #[cfg(not(feature = "fast"))]
    vk.verify_prehash(digest, &sig).is_ok()
}

/// Reads `SEQUENCE { OID, params? }` (an AlgorithmIdentifier's contents) and returns the OID and
/// the parameters element, if any.
pub(crate) fn algorithm_identifier<'a>(
    alg: &der::Tlv<'a>,
) -> Result<(&'a [u8], Option<der::Tlv<'a>>), Error> {
    let mut r: Reader<'a> = alg.reader();
    let oid = der::oid(&r.read(der::OID)?)?;
    let params = if r.is_empty() {
        None
    } else {
        Some(r.read_any()?)
    };
    r.finish()?;
    Ok((oid, params))
}

/// Algorithm OID contents, parameters element and key bytes of an SPKI.
pub(crate) type SpkiParts<'a> = (&'a [u8], Option<der::Tlv<'a>>, &'a [u8]);

/// The parts of a DER SubjectPublicKeyInfo: algorithm OID contents, the parameters element if
/// any, and the key bytes (a BIT STRING with no unused bits). Structure only; nothing is decoded.
pub(crate) fn spki_parts(spki: &[u8]) -> Result<SpkiParts<'_>, Error> {
    let outer = der::parse_exact(spki, der::SEQUENCE)?;
    let mut r = outer.reader();
    let alg = r.read(der::SEQUENCE)?;
    let bits = r.read(der::BIT_STRING)?;
    r.finish()?;
    let (oid, params) = algorithm_identifier(&alg)?;
    Ok((oid, params, der::octet_aligned_bits(&bits)?))
}
