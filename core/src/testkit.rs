//! Helpers that build real, freshly signed envelopes for tests, examples and fuzzing.
//!
//! Enabled by the `testkit` feature (which pulls in `std`); never part of a firmware build.

use std::format;
use std::string::String;
use std::vec::Vec;

use base64ct::{Base64, Base64Unpadded, Base64Url, Base64UrlUnpadded, Encoding};

/// How a base64 field is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum B64 {
    /// Standard alphabet, padded.
    Std,
    /// Standard alphabet, unpadded.
    StdUnpadded,
    /// URL-safe alphabet, padded.
    Url,
    /// URL-safe alphabet, unpadded.
    UrlUnpadded,
}

/// Encodes `bytes` in the chosen base64 form.
pub fn b64(bytes: &[u8], form: B64) -> String {
    match form {
        B64::Std => Base64::encode_string(bytes),
        B64::StdUnpadded => Base64Unpadded::encode_string(bytes),
        B64::Url => Base64Url::encode_string(bytes),
        B64::UrlUnpadded => Base64UrlUnpadded::encode_string(bytes),
    }
}

/// The PAE bytes.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = std::vec![0u8; crate::pae::len(payload_type.len(), payload.len()).unwrap_or(0)];
    let _ = crate::pae::write_into(payload_type.as_bytes(), payload, &mut out);
    out
}

/// An Ed25519 signature over the PAE.
#[cfg(feature = "ed25519")]
pub fn ed25519_sig(kp: &ed25519_compact::KeyPair, payload_type: &str, payload: &[u8]) -> Vec<u8> {
    kp.sk.sign(pae(payload_type, payload), None).to_vec()
}

/// An ECDSA P-256 signature over the PAE, DER-encoded.
#[cfg(feature = "p256")]
pub fn p256_sig_der(sk: &p256::ecdsa::SigningKey, payload_type: &str, payload: &[u8]) -> Vec<u8> {
    use p256::ecdsa::signature::Signer;
    let sig: p256::ecdsa::Signature = sk.sign(&pae(payload_type, payload));
    sig.to_der().as_bytes().to_vec()
}

/// An ECDSA P-256 signature over the PAE, raw `r||s`.
#[cfg(feature = "p256")]
pub fn p256_sig_raw(sk: &p256::ecdsa::SigningKey, payload_type: &str, payload: &[u8]) -> Vec<u8> {
    use p256::ecdsa::signature::Signer;
    let sig: p256::ecdsa::Signature = sk.sign(&pae(payload_type, payload));
    sig.to_bytes().to_vec()
}

/// A deterministic P-256 signing key from a seed byte (tests only).
#[cfg(feature = "p256")]
pub fn p256_key(seed: u8) -> p256::ecdsa::SigningKey {
    let mut bytes = [0x11u8; 32];
    bytes[31] = seed.max(1);
    match p256::ecdsa::SigningKey::from_slice(&bytes) {
        Ok(k) => k,
        Err(_) => unreachable!("a small scalar is a valid key"),
    }
}

/// A deterministic Ed25519 key pair from a seed byte (tests only).
#[cfg(feature = "ed25519")]
pub fn ed25519_key(seed: u8) -> ed25519_compact::KeyPair {
    ed25519_compact::KeyPair::from_seed(ed25519_compact::Seed::new([seed; 32]))
}

/// A DSSE envelope under construction.
#[derive(Clone, Debug)]
pub struct EnvelopeBuilder {
    /// payloadType (written as given, JSON-escaped as needed).
    pub payload_type: String,
    /// The payload bytes.
    pub payload: Vec<u8>,
    /// Form of the payload field.
    pub payload_b64: B64,
    /// `(keyid, signature bytes, form)` per signature.
    pub signatures: Vec<(Option<String>, Vec<u8>, B64)>,
}

impl EnvelopeBuilder {
    /// A new envelope with no signatures.
    pub fn new(payload_type: &str, payload: &[u8]) -> Self {
        EnvelopeBuilder {
            payload_type: payload_type.into(),
            payload: payload.to_vec(),
            payload_b64: B64::Std,
            signatures: Vec::new(),
        }
    }
    /// Adds a signature.
    pub fn sig(mut self, keyid: Option<&str>, sig: Vec<u8>, form: B64) -> Self {
        self.signatures.push((keyid.map(String::from), sig, form));
        self
    }
    /// Renders the envelope JSON.
    pub fn to_json(&self) -> String {
        let sigs: Vec<String> = self
            .signatures
            .iter()
            .map(|(kid, sig, form)| match kid {
                Some(k) => format!(
                    "{{\"keyid\":{},\"sig\":\"{}\"}}",
                    json_string(k),
                    b64(sig, *form)
                ),
                None => format!("{{\"sig\":\"{}\"}}", b64(sig, *form)),
            })
            .collect();
        format!(
            "{{\"payload\":\"{}\",\"payloadType\":{},\"signatures\":[{}]}}",
            b64(&self.payload, self.payload_b64),
            json_string(&self.payload_type),
            sigs.join(",")
        )
    }
}

/// A JSON string literal for `s`.
pub fn json_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// An envelope with one Ed25519 signature.
#[cfg(feature = "ed25519")]
pub fn sign_ed25519(kp: &ed25519_compact::KeyPair, payload_type: &str, payload: &[u8]) -> String {
    EnvelopeBuilder::new(payload_type, payload)
        .sig(None, ed25519_sig(kp, payload_type, payload), B64::Std)
        .to_json()
}

/// Lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// An in-toto Statement v1 with SLSA provenance v1 whose one subject is `artifact`.
pub fn statement_for(artifact: &[u8]) -> String {
    use sha2::Digest;
    let d = sha2::Sha256::digest(artifact);
    format!(
        concat!(
            "{{\"_type\":\"https://in-toto.io/Statement/v1\",",
            "\"subject\":[{{\"name\":\"artifact\",\"digest\":{{\"sha256\":\"{}\"}}}}],",
            "\"predicateType\":\"https://slsa.dev/provenance/v1\",",
            "\"predicate\":{{\"buildDefinition\":{{\"buildType\":\"https://example.com/build\"}},",
            "\"runDetails\":{{\"builder\":{{\"id\":\"https://example.com/builder\"}}}}}}}}"
        ),
        hex(&d)
    )
}
