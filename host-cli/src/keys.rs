//! Key files: generation, loading and signing.

use std::io::Write;
use std::path::Path;

use p256::pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding};
use vouch_core::{PublicKey, pae};

use crate::error::{CliError, Code};

/// A private key loaded for signing.
pub enum SigningKey {
    /// Ed25519 key pair.
    Ed25519(ed25519_compact::KeyPair),
    /// ECDSA P-256 key.
    P256(p256::ecdsa::SigningKey),
}

impl SigningKey {
    /// The matching public key.
    pub fn public(&self) -> Result<PublicKey, CliError> {
        let r = match self {
            SigningKey::Ed25519(kp) => PublicKey::from_ed25519_raw(kp.pk.as_ref()),
            SigningKey::P256(sk) => {
                PublicKey::from_sec1(sk.verifying_key().to_sec1_point(false).as_bytes())
            }
        };
        r.map_err(|e| CliError::new(Code::KeyInvalid, e.message()))
    }

    /// Signs `PAE(payload_type, payload)`; ECDSA signatures are DER.
    pub fn sign_pae(&self, payload_type: &str, payload: &[u8]) -> Vec<u8> {
        let len = pae::len(payload_type.len(), payload.len()).unwrap_or(0);
        let mut msg = vec![0u8; len];
        let _ = pae::write_into(payload_type.as_bytes(), payload, &mut msg);
        match self {
            SigningKey::Ed25519(kp) => kp.sk.sign(&msg, None).to_vec(),
            SigningKey::P256(sk) => {
                use p256::ecdsa::signature::Signer;
                let sig: p256::ecdsa::Signature = sk.sign(&msg);
                sig.to_der().as_bytes().to_vec()
            }
        }
    }
}

/// Loads a PKCS#8 PEM (or DER) private key of either algorithm.
pub fn load_private(path: &Path) -> Result<SigningKey, CliError> {
    let bytes = std::fs::read(path).map_err(|e| CliError::io(path, &e))?;
    let bad = || {
        CliError::new(
            Code::KeyInvalid,
            format!(
                "{}: not a PKCS#8 Ed25519 or P-256 private key",
                path.display()
            ),
        )
    };
    if let Ok(text) = std::str::from_utf8(&bytes)
        && text.contains("-----BEGIN")
    {
        if let Ok(sk) = p256::ecdsa::SigningKey::from_pkcs8_pem(text) {
            return Ok(SigningKey::P256(sk));
        }
        if let Ok(kp) = ed25519_compact::KeyPair::from_pem(text) {
            return Ok(SigningKey::Ed25519(kp));
        }
        return Err(bad());
    }
    if let Ok(sk) = p256::ecdsa::SigningKey::from_pkcs8_der(&bytes) {
        return Ok(SigningKey::P256(sk));
    }
    ed25519_compact::KeyPair::from_der(&bytes)
        .map(SigningKey::Ed25519)
        .map_err(|_| bad())
}

/// Loads a public key file (SPKI PEM or DER, raw Ed25519, SEC1 P-256).
pub fn load_public(path: &Path) -> Result<PublicKey, CliError> {
    let bytes = std::fs::read(path).map_err(|e| CliError::io(path, &e))?;
    PublicKey::parse(&bytes).map_err(|e| {
        CliError::new(
            Code::KeyInvalid,
            format!("{}: {} ({})", path.display(), e.message(), e.code()),
        )
    })
}

/// SPKI PEM of a public key.
pub fn public_pem(key: &PublicKey) -> String {
    let mut der = [0u8; vouch_core::key::MAX_SPKI_LEN];
    let n = key.spki_der(&mut der).unwrap_or(0);
    pem_rfc7468::encode_string(
        "PUBLIC KEY",
        pem_rfc7468::LineEnding::LF,
        der.get(..n).unwrap_or(&[]),
    )
    .unwrap_or_default()
}

/// Key algorithms `vouch keygen` can make.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeygenAlgorithm {
    /// Ed25519.
    Ed25519,
    /// ECDSA P-256 with SHA-256.
    EcdsaP256,
}

fn random32() -> Result<[u8; 32], CliError> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b)
        .map_err(|e| CliError::new(Code::IoError, format!("no randomness: {e}")))?;
    Ok(b)
}

/// Generates a key pair; returns (private PKCS#8 PEM, public key).
pub fn generate(alg: KeygenAlgorithm) -> Result<(String, PublicKey), CliError> {
    let sk = match alg {
        KeygenAlgorithm::Ed25519 => SigningKey::Ed25519(ed25519_compact::KeyPair::from_seed(
            ed25519_compact::Seed::new(random32()?),
        )),
        KeygenAlgorithm::EcdsaP256 => loop {
            // Rejection sampling: almost every 32-byte string is a valid scalar.
            if let Ok(k) = p256::ecdsa::SigningKey::from_slice(&random32()?) {
                break SigningKey::P256(k);
            }
        },
    };
    let pem = match &sk {
        SigningKey::Ed25519(kp) => kp.sk.to_pem(),
        SigningKey::P256(k) => k
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(|e| CliError::new(Code::IoError, format!("encoding the key: {e}")))?
            .to_string(),
    };
    Ok((pem, sk.public()?))
}

/// Writes `data` to a new file (refusing to overwrite unless `force`), with `mode` on Unix.
pub fn write_new(path: &Path, data: &[u8], mode: u32, force: bool) -> Result<(), CliError> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true);
    if force {
        opts.create(true).truncate(true);
    } else {
        opts.create_new(true);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut f = opts.open(path).map_err(|e| CliError::io(path, &e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(std::fs::Permissions::from_mode(mode))
            .map_err(|e| CliError::io(path, &e))?;
    }
    f.write_all(data).map_err(|e| CliError::io(path, &e))
}
