//! Test transparency logs: a Rekor v1 log (ECDSA P-256: SETs, an RFC 9162 Merkle tree with
//! inclusion proofs, signed-note checkpoints) and a Rekor v2 log (Ed25519 checkpoints), with
//! deterministic keys from seeds; Rekor entry bodies (hashedrekord 0.0.1 / 0.0.2, dsse 0.0.1,
//! intoto 0.0.2); tlog entry JSON; trusted-root `tlogs` entries; and a whole managed-key bundle
//! builder for end-to-end refusal tests.

use base64ct::{Base64, Encoding};
use p256::ecdsa::signature::Signer as _;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// Standard base64.
pub fn b64(data: &[u8]) -> String {
    Base64::encode_string(data)
}

/// Lowercase hex.
pub fn hex(data: &[u8]) -> String {
    data.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

/// PEM text of DER with a label (64-column lines, LF).
pub fn pem(label: &str, der: &[u8]) -> String {
    let body = b64(der);
    let mut s = format!("-----BEGIN {label}-----\n");
    for line in body.as_bytes().chunks(64) {
        s.push_str(std::str::from_utf8(line).unwrap());
        s.push('\n');
    }
    s.push_str(&format!("-----END {label}-----\n"));
    s
}

/// SubjectPublicKeyInfo DER of a P-256 key.
pub fn p256_spki(vk: &p256::ecdsa::VerifyingKey) -> Vec<u8> {
    let mut der = vec![
        0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08,
        0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
    ];
    der.extend_from_slice(vk.to_sec1_point(false).as_bytes());
    der
}

/// SubjectPublicKeyInfo DER of an Ed25519 key.
pub fn ed25519_spki(pk: &[u8]) -> Vec<u8> {
    let mut der = vec![
        0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
    ];
    der.extend_from_slice(pk);
    der
}

/// A deterministic P-256 signing key.
pub fn p256_key(seed: u8) -> p256::ecdsa::SigningKey {
    let mut bytes = [seed; 32];
    bytes[0] = 0x11;
    p256::ecdsa::SigningKey::from_slice(&bytes).unwrap()
}

/// ECDSA P-256 / SHA-256 signature (DER) of `msg`.
pub fn p256_sign(key: &p256::ecdsa::SigningKey, msg: &[u8]) -> Vec<u8> {
    let sig: p256::ecdsa::Signature = key.sign(msg);
    sig.to_der().as_bytes().to_vec()
}

/// ECDSA P-256 signature (DER) over a given SHA-256 digest.
pub fn p256_sign_digest(key: &p256::ecdsa::SigningKey, digest: &[u8]) -> Vec<u8> {
    use p256::ecdsa::signature::hazmat::PrehashSigner;
    let sig: p256::ecdsa::Signature = key.sign_prehash(digest).unwrap();
    sig.to_der().as_bytes().to_vec()
}

/// RFC 9162 Merkle tree hash of `leaves` (entries, not yet hashed).
pub fn merkle_root(leaves: &[Vec<u8>]) -> [u8; 32] {
    match leaves.len() {
        0 => sha256(b""),
        1 => {
            let mut h = Sha256::new();
            h.update([0]);
            h.update(&leaves[0]);
            h.finalize().into()
        }
        n => {
            let k = n.next_power_of_two() / 2;
            let (l, r) = (merkle_root(&leaves[..k]), merkle_root(&leaves[k..]));
            let mut h = Sha256::new();
            h.update([1]);
            h.update(l);
            h.update(r);
            h.finalize().into()
        }
    }
}

/// RFC 9162 inclusion proof (audit path, leaf side first) for leaf `m` of `leaves`.
pub fn merkle_proof(m: usize, leaves: &[Vec<u8>]) -> Vec<[u8; 32]> {
    let n = leaves.len();
    if n <= 1 {
        return vec![];
    }
    let k = n.next_power_of_two() / 2;
    if m < k {
        let mut p = merkle_proof(m, &leaves[..k]);
        p.push(merkle_root(&leaves[k..]));
        p
    } else {
        let mut p = merkle_proof(m - k, &leaves[k..]);
        p.push(merkle_root(&leaves[..k]));
        p
    }
}

/// A Rekor v1 log: ECDSA P-256 key, Merkle tree of entry bodies.
pub struct RekorV1 {
    /// The log's key.
    pub key: p256::ecdsa::SigningKey,
    /// Its SPKI DER.
    pub spki: Vec<u8>,
    /// SHA-256 of the SPKI: the log id.
    pub log_id: [u8; 32],
    /// Checkpoint origin (`rekor.example - <tree id>`).
    pub origin: String,
    /// The signature-line name.
    pub name: String,
    /// Entry bodies, in order.
    pub leaves: Vec<Vec<u8>>,
}

impl RekorV1 {
    /// A log with a key from `seed`.
    pub fn new(seed: u8) -> Self {
        let key = p256_key(seed);
        let spki = p256_spki(key.verifying_key());
        RekorV1 {
            log_id: sha256(&spki),
            key,
            spki,
            origin: format!("rekor{seed}.example - 1234567890"),
            name: format!("rekor{seed}.example"),
            leaves: vec![],
        }
    }

    /// Appends `filler` other entries, then `body`; returns the body's index.
    pub fn append(&mut self, body: &[u8], filler: usize) -> u64 {
        for i in 0..filler {
            self.leaves
                .push(format!("filler {i} {}", self.leaves.len()).into_bytes());
        }
        self.leaves.push(body.to_vec());
        (self.leaves.len() - 1) as u64
    }

    /// The SET over (body, integrated time, log index).
    pub fn set(&self, body: &[u8], integrated_time: i64, log_index: u64) -> Vec<u8> {
        let jcs = format!(
            "{{\"body\":\"{}\",\"integratedTime\":{integrated_time},\"logID\":\"{}\",\"logIndex\":{log_index}}}",
            b64(body),
            hex(&self.log_id)
        );
        p256_sign(&self.key, jcs.as_bytes())
    }

    /// The checkpoint text (unsigned) for the current tree.
    pub fn checkpoint_text(&self, size: usize, root: &[u8; 32]) -> String {
        format!("{}\n{size}\n{}\n", self.origin, b64(root))
    }

    /// A signature line of this log over `text`.
    pub fn sign_line(&self, text: &str) -> String {
        let mut blob = self.log_id[..4].to_vec();
        blob.extend(p256_sign(&self.key, text.as_bytes()));
        format!("\u{2014} {} {}\n", self.name, b64(&blob))
    }

    /// The signed checkpoint of the whole tree, with `witnesses` lines put before and after
    /// the log's own.
    pub fn checkpoint(&self, before: &[String], after: &[String]) -> String {
        let root = merkle_root(&self.leaves);
        let text = self.checkpoint_text(self.leaves.len(), &root);
        let mut note = format!("{text}\n");
        for w in before {
            note.push_str(w);
        }
        note.push_str(&self.sign_line(&text));
        for w in after {
            note.push_str(w);
        }
        note
    }

    /// A v1 tlog entry for the body at `index` (SET and/or proof).
    pub fn entry(
        &self,
        index: u64,
        kind: &str,
        version: &str,
        integrated_time: i64,
        with_set: bool,
        with_proof: bool,
    ) -> Value {
        let body = &self.leaves[index as usize];
        let mut e = json!({
            "logIndex": index.to_string(),
            "logId": {"keyId": b64(&self.log_id)},
            "kindVersion": {"kind": kind, "version": version},
            "integratedTime": integrated_time.to_string(),
            "canonicalizedBody": b64(body),
        });
        if with_set {
            e["inclusionPromise"] =
                json!({"signedEntryTimestamp": b64(&self.set(body, integrated_time, index))});
        }
        if with_proof {
            e["inclusionProof"] = self.proof_json(index, &[], &[]);
        }
        e
    }

    /// The inclusion proof JSON of the body at `index` in the whole tree.
    pub fn proof_json(&self, index: u64, before: &[String], after: &[String]) -> Value {
        let hashes: Vec<String> = merkle_proof(index as usize, &self.leaves)
            .iter()
            .map(|h| b64(h))
            .collect();
        json!({
            "logIndex": index.to_string(),
            "rootHash": b64(&merkle_root(&self.leaves)),
            "treeSize": self.leaves.len().to_string(),
            "hashes": hashes,
            "checkpoint": {"envelope": self.checkpoint(before, after)},
        })
    }

    /// The trusted-root `tlogs` entry of this log.
    pub fn trusted_root_entry(&self, start: &str, end: Option<&str>) -> Value {
        let mut valid = json!({"start": start});
        if let Some(e) = end {
            valid["end"] = json!(e);
        }
        json!({
            "baseUrl": format!("https://{}", self.name),
            "hashAlgorithm": "SHA2_256",
            "publicKey": {
                "rawBytes": b64(&self.spki),
                "keyDetails": "PKIX_ECDSA_P256_SHA_256",
                "validFor": valid,
            },
            "logId": {"keyId": b64(&self.log_id)},
        })
    }
}

/// A Rekor v2 log: Ed25519 checkpoints, no SETs.
pub struct RekorV2 {
    /// The key pair.
    pub key: ed25519_compact::KeyPair,
    /// The origin and key name (the base URL without scheme).
    pub origin: String,
    /// Entry bodies.
    pub leaves: Vec<Vec<u8>>,
}

impl RekorV2 {
    /// A log with a key from `seed`.
    pub fn new(seed: u8) -> Self {
        RekorV2 {
            key: ed25519_compact::KeyPair::from_seed(ed25519_compact::Seed::new([seed; 32])),
            origin: format!("log{seed}.rekor.example"),
            leaves: vec![],
        }
    }

    /// The C2SP signed-note key id: SHA-256(name ‖ \n ‖ 0x01 ‖ key).
    pub fn note_key_id(&self) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(self.origin.as_bytes());
        h.update(b"\n\x01");
        h.update(self.key.pk.as_ref());
        h.finalize().into()
    }

    /// SPKI DER of the key.
    pub fn spki(&self) -> Vec<u8> {
        ed25519_spki(self.key.pk.as_ref())
    }

    /// A signature line over `text` with the given name and key hint.
    pub fn sign_line_as(&self, name: &str, hint: &[u8], text: &str) -> String {
        let mut blob = hint.to_vec();
        blob.extend_from_slice(self.key.sk.sign(text.as_bytes(), None).as_ref());
        format!("\u{2014} {name} {}\n", b64(&blob))
    }

    /// The signed checkpoint of the whole tree.
    pub fn checkpoint(&self) -> String {
        let root = merkle_root(&self.leaves);
        let text = format!("{}\n{}\n{}\n", self.origin, self.leaves.len(), b64(&root));
        let id = self.note_key_id();
        format!(
            "{text}\n{}",
            self.sign_line_as(&self.origin, &id[..4], &text)
        )
    }

    /// A v2 tlog entry (proof and checkpoint, no SET, no integrated time).
    pub fn entry(&self, index: u64) -> Value {
        let body = &self.leaves[index as usize];
        let hashes: Vec<String> = merkle_proof(index as usize, &self.leaves)
            .iter()
            .map(|h| b64(h))
            .collect();
        json!({
            "logIndex": index.to_string(),
            "logId": {"keyId": b64(&self.note_key_id())},
            "kindVersion": {"kind": "hashedrekord", "version": "0.0.2"},
            "canonicalizedBody": b64(body),
            "inclusionProof": {
                "logIndex": index.to_string(),
                "rootHash": b64(&merkle_root(&self.leaves)),
                "treeSize": self.leaves.len().to_string(),
                "hashes": hashes,
                "checkpoint": {"envelope": self.checkpoint()},
            },
        })
    }

    /// The trusted-root `tlogs` entry (named by its signed-note key id, as real roots do).
    pub fn trusted_root_entry(&self, start: &str) -> Value {
        json!({
            "baseUrl": format!("https://{}", self.origin),
            "hashAlgorithm": "SHA2_256",
            "publicKey": {
                "rawBytes": b64(&self.spki()),
                "keyDetails": "PKIX_ED25519",
                "validFor": {"start": start},
            },
            "logId": {"keyId": b64(&self.note_key_id())},
        })
    }
}

/// A hashedrekord 0.0.1 body (keys in Rekor's canonical order).
pub fn hashedrekord_v001(digest: &[u8], signature: &[u8], pem_text: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "apiVersion": "0.0.1",
        "kind": "hashedrekord",
        "spec": {
            "data": {"hash": {"algorithm": "sha256", "value": hex(digest)}},
            "signature": {"content": b64(signature), "publicKey": {"content": b64(pem_text.as_bytes())}},
        },
    }))
    .unwrap()
}

/// A dsse 0.0.1 body.
pub fn dsse_v001(payload: &[u8], signature: &[u8], pem_text: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "apiVersion": "0.0.1",
        "kind": "dsse",
        "spec": {
            "envelopeHash": {"algorithm": "sha256", "value": hex(&[0u8; 32])},
            "payloadHash": {"algorithm": "sha256", "value": hex(&sha256(payload))},
            "signatures": [{"signature": b64(signature), "verifier": b64(pem_text.as_bytes())}],
        },
    }))
    .unwrap()
}

/// An intoto 0.0.2 body.
pub fn intoto_v002(payload_type: &str, payload: &[u8], signatures: &[(&[u8], &str)]) -> Vec<u8> {
    let sigs: Vec<Value> = signatures
        .iter()
        .map(|(s, p)| json!({"publicKey": b64(p.as_bytes()), "sig": b64(b64(s).as_bytes())}))
        .collect();
    serde_json::to_vec(&json!({
        "apiVersion": "0.0.2",
        "kind": "intoto",
        "spec": {"content": {
            "envelope": {"payloadType": payload_type, "signatures": sigs},
            "hash": {"algorithm": "sha256", "value": hex(&[0u8; 32])},
            "payloadHash": {"algorithm": "sha256", "value": hex(&sha256(payload))},
        }},
    }))
    .unwrap()
}

/// A hashedrekord 0.0.2 body (Rekor v2) with a public key or certificate verifier.
pub fn hashedrekord_v002(
    digest: &[u8],
    signature: &[u8],
    der: &[u8],
    certificate: bool,
) -> Vec<u8> {
    let verifier = if certificate {
        json!({"keyDetails": "PKIX_ECDSA_P256_SHA_256", "x509Certificate": {"rawBytes": b64(der)}})
    } else {
        json!({"keyDetails": "PKIX_ECDSA_P256_SHA_256", "publicKey": {"rawBytes": b64(der)}})
    };
    serde_json::to_vec(&json!({
        "apiVersion": "0.0.2",
        "kind": "hashedrekord",
        "spec": {"hashedRekordV002": {
            "data": {"algorithm": "SHA2_256", "digest": b64(digest)},
            "signature": {"content": b64(signature), "verifier": verifier},
        }},
    }))
    .unwrap()
}

/// A trusted root holding only these `tlogs` (managed-key tests need no CA).
pub fn trusted_root(tlogs: Vec<Value>) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
        "tlogs": tlogs,
        "certificateAuthorities": [],
        "ctlogs": [],
        "timestampAuthorities": [],
    }))
    .unwrap()
}

/// An in-toto Statement v1 for an artifact with the given SHA-256.
pub fn statement(artifact_sha256: &[u8], predicate_type: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"name": "artifact", "digest": {"sha256": hex(artifact_sha256)}}],
        "predicateType": predicate_type,
        "predicate": {"runDetails": {"builder": {"id": "https://builder.example/v1"}}},
    }))
    .unwrap()
}

/// DSSE PAE.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut v = format!(
        "DSSEv1 {} {} {} ",
        payload_type.len(),
        payload_type,
        payload.len()
    )
    .into_bytes();
    v.extend_from_slice(payload);
    v
}

/// The pieces of a synthetic managed-key bundle, each of which a test may change before
/// [`ManagedBundle::json`] assembles them.
pub struct ManagedBundle {
    /// The signer's key.
    pub signer: p256::ecdsa::SigningKey,
    /// The signer's SPKI DER.
    pub signer_spki: Vec<u8>,
    /// The artifact.
    pub artifact: Vec<u8>,
    /// The log.
    pub log: RekorV1,
    /// The bundle JSON.
    pub bundle: Value,
    /// The trusted root JSON.
    pub root: Vec<u8>,
}

/// Integrated time used by the synthetic bundles (2024-01-01T00:00:00Z).
pub const TIME: i64 = 1_704_067_200;

impl ManagedBundle {
    /// A valid v0.3 message-signature bundle (hashedrekord 0.0.1, SET and proof).
    pub fn message() -> Self {
        let signer = p256_key(7);
        let signer_spki = p256_spki(signer.verifying_key());
        let artifact = b"hello, artifact".to_vec();
        let digest = sha256(&artifact);
        let sig = p256_sign_digest(&signer, &digest);
        let body = hashedrekord_v001(&digest, &sig, &pem("PUBLIC KEY", &signer_spki));
        let mut log = RekorV1::new(3);
        let index = log.append(&body, 5);
        let entry = log.entry(index, "hashedrekord", "0.0.1", TIME, true, true);
        let bundle = json!({
            "mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
            "verificationMaterial": {
                "publicKey": {"hint": "test key"},
                "tlogEntries": [entry],
            },
            "messageSignature": {
                "messageDigest": {"algorithm": "SHA2_256", "digest": b64(&digest)},
                "signature": b64(&sig),
            },
        });
        let root = trusted_root(vec![log.trusted_root_entry("2023-01-01T00:00:00Z", None)]);
        ManagedBundle {
            signer,
            signer_spki,
            artifact,
            log,
            bundle,
            root,
        }
    }

    /// A valid v0.3 DSSE bundle (intoto 0.0.2, SET and proof).
    pub fn dsse(predicate_type: &str) -> Self {
        let signer = p256_key(8);
        let signer_spki = p256_spki(signer.verifying_key());
        let artifact = b"hello, dsse artifact".to_vec();
        let payload = statement(&sha256(&artifact), predicate_type);
        let pt = "application/vnd.in-toto+json";
        let sig = p256_sign(&signer, &pae(pt, &payload));
        let pem_text = pem("PUBLIC KEY", &signer_spki);
        let body = intoto_v002(pt, &payload, &[(&sig, &pem_text)]);
        let mut log = RekorV1::new(4);
        let index = log.append(&body, 2);
        let entry = log.entry(index, "intoto", "0.0.2", TIME, true, true);
        let bundle = json!({
            "mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
            "verificationMaterial": {
                "publicKey": {"hint": "test key"},
                "tlogEntries": [entry],
            },
            "dsseEnvelope": {
                "payload": b64(&payload),
                "payloadType": pt,
                "signatures": [{"sig": b64(&sig), "keyid": ""}],
            },
        });
        let root = trusted_root(vec![log.trusted_root_entry("2023-01-01T00:00:00Z", None)]);
        ManagedBundle {
            signer,
            signer_spki,
            artifact,
            log,
            bundle,
            root,
        }
    }

    /// The bundle bytes.
    pub fn json(&self) -> Vec<u8> {
        serde_json::to_vec(&self.bundle).unwrap()
    }

    /// The first tlog entry.
    pub fn entry(&mut self) -> &mut Value {
        &mut self.bundle["verificationMaterial"]["tlogEntries"][0]
    }
}
