//! The real Sigstore cases of `tests/vectors/sigstore/cases/` (bundle, expectations, trusted root).

use base64ct::{Base64, Encoding};
use serde_json::Value;

/// The vector directory.
pub const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors/sigstore/");

/// One real case.
pub struct Case {
    /// Directory name.
    pub name: String,
    /// `case.json`.
    pub case: Value,
    /// `bundle.sigstore.json`, parsed.
    pub bundle: Value,
    /// The trusted root file's bytes.
    pub trusted_root: Vec<u8>,
}

impl Case {
    /// The leaf certificate DER (`certificate`, or the first of `x509CertificateChain`), if any.
    pub fn leaf(&self) -> Option<Vec<u8>> {
        let vm = &self.bundle["verificationMaterial"];
        let raw = vm["certificate"]["rawBytes"]
            .as_str()
            .or_else(|| vm["x509CertificateChain"]["certificates"][0]["rawBytes"].as_str())?;
        Some(Base64::decode_vec(raw).expect("base64 certificate"))
    }

    /// The decoded `signedTimestamp`s of `timestampVerificationData.rfc3161Timestamps`.
    pub fn rfc3161_timestamps(&self) -> Vec<Vec<u8>> {
        self.bundle["verificationMaterial"]["timestampVerificationData"]["rfc3161Timestamps"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|t| Base64::decode_vec(t["signedTimestamp"].as_str().unwrap()).unwrap())
            .collect()
    }

    /// The raw bundle signature bytes: the message signature, or the DSSE envelope's first
    /// signature.
    pub fn signature(&self) -> Vec<u8> {
        let b = &self.bundle;
        let s = b["messageSignature"]["signature"]
            .as_str()
            .or_else(|| b["dsseEnvelope"]["signatures"][0]["sig"].as_str())
            .expect("a signature");
        Base64::decode_vec(s).unwrap()
    }

    /// A string field of `case.json`.
    pub fn str(&self, key: &str) -> Option<&str> {
        self.case[key].as_str()
    }
}

/// Every case, sorted by name.
pub fn all() -> Vec<Case> {
    let mut dirs: Vec<_> = std::fs::read_dir(format!("{VECTORS}cases"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    dirs.sort();
    dirs.into_iter()
        .map(|d| {
            let read = |p: &std::path::Path| -> Value {
                serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
            };
            let case = read(&d.join("case.json"));
            // The sigstore-go examples root is byte-identical to its testing root (README).
            let root = case["trusted_root_source"].as_str().unwrap().replace(
                "production-sigstore-go-examples",
                "production-sigstore-go-testing",
            );
            Case {
                name: d.file_name().unwrap().to_string_lossy().into_owned(),
                bundle: read(&d.join("bundle.sigstore.json")),
                trusted_root: std::fs::read(format!("{VECTORS}{root}")).unwrap(),
                case,
            }
        })
        .collect()
}
