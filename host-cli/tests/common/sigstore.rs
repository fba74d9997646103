//! Keyless Sigstore bundles for any artifact, made with the core tests' forge
//! (`core/tests/support`: a Fulcio-like CA chain and leaf with an embedded SCT, a Rekor v1 log
//! with SETs and inclusion proofs, the matching `trusted_root.json`). No real keyless DSSE bundle
//! in the repository signs an artifact a test can choose; these do.
//!
//! A test crate that uses this module declares, at its root:
//!
//! ```ignore
//! #[path = "../../core/tests/support/mod.rs"]
//! mod support;
//! #[path = "common/sigstore.rs"]
//! mod sigstore;
//! ```
#![allow(dead_code)]

use serde_json::json;

use crate::support::pki::{LogEntry, World};
use crate::support::rekor::{self as rk, RekorV1, b64, pem};

/// The signer identity (email SubjectAltName) of the forged leaf certificates.
pub const IDENTITY: &str = "signer@example.com";
/// The OIDC issuer of the forged leaf certificates.
pub const ISSUER: &str = "https://issuer.example.com";
/// The builder id in the forged Statements' SLSA v1 predicate.
pub const BUILDER: &str = "https://builder.example/v1";
/// The DSSE payloadType of the forged bundles.
pub const PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";
/// When the forged bundles were signed and logged (2023-11-14T22:13:20Z).
pub const SIGNED_AT: i64 = 1_700_000_000;

/// A keyless DSSE bundle (v0.3) and the trusted root that verifies it.
pub struct Keyless {
    /// The bundle's JSON bytes.
    pub bundle: Vec<u8>,
    /// The `trusted_root.json` bytes: the CA, CT log and Rekor log that made it.
    pub root: Vec<u8>,
    /// The in-toto Statement the bundle signs.
    pub statement: Vec<u8>,
}

/// A keyless DSSE bundle whose in-toto Statement (SLSA provenance v1, builder [`BUILDER`]) has
/// one subject, `artifact`'s SHA-256: a Fulcio-like leaf for [`IDENTITY`] from [`ISSUER`] signs
/// the envelope's PAE, and a Rekor v1 log holds it as an intoto 0.0.2 entry (SET and inclusion
/// proof) integrated at [`SIGNED_AT`].
pub fn dsse_bundle(artifact: &[u8]) -> Keyless {
    let world = World::new(SIGNED_AT);
    let leaf = world.leaf();
    let statement = rk::statement(&rk::sha256(artifact), "https://slsa.dev/provenance/v1");
    let sig = world.leaf_key.sign(&rk::pae(PAYLOAD_TYPE, &statement));
    let body = rk::intoto_v002(
        PAYLOAD_TYPE,
        &statement,
        &[(&sig, &pem("CERTIFICATE", &leaf))],
    );
    let mut log = RekorV1::new(3);
    let index = log.append(&body, 5);
    let entry = log.entry(index, "intoto", "0.0.2", SIGNED_AT, true, true);
    let root = world
        .root()
        .tlog(LogEntry::raw(
            &log.spki,
            "PKIX_ECDSA_P256_SHA_256",
            &log.log_id,
            "https://rekor3.example",
            SIGNED_AT - 86_400,
            None,
        ))
        .to_json();
    let bundle = json!({
        "mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
        "verificationMaterial": {
            "certificate": {"rawBytes": b64(&leaf)},
            "tlogEntries": [entry],
        },
        "dsseEnvelope": {
            "payload": b64(&statement),
            "payloadType": PAYLOAD_TYPE,
            "signatures": [{"sig": b64(&sig), "keyid": ""}],
        },
    });
    Keyless {
        bundle: serde_json::to_vec(&bundle).unwrap(),
        root: root.into_bytes(),
        statement,
    }
}

/// A keyless policy (`mode`: `enforce` or `permissive`) trusting `identity` from [`ISSUER`] with
/// the trusted root `root` (a path relative to the policy file).
pub fn policy(mode: &str, root: &str, identity: &str) -> String {
    json!({
        "mode": mode,
        "trustedRoot": root,
        "allowedIssuers": [{
            "keyId": "forged",
            "certificateIdentity": identity,
            "certificateOidcIssuer": ISSUER,
        }],
    })
    .to_string()
}
