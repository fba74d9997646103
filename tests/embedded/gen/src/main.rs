//! Writes the firmware test vectors into `tests/embedded/vectors/` (or the directory given as the
//! first argument): trusted keys in several encodings, an artifact, and DSSE envelopes with real
//! signatures made by `vouch_core::testkit`. Ed25519 and RFC 6979 ECDSA are deterministic, so a
//! rerun reproduces the committed files byte for byte.
//!
//! Run from `tests/embedded/`: `./regen.sh` (a host build of this program).

use std::fs;
use std::path::{Path, PathBuf};

use vouch_core::testkit::{
    B64, EnvelopeBuilder, b64, ed25519_key, ed25519_sig, p256_key, p256_sig_der, p256_sig_raw,
    statement_for,
};
use vouch_core::{IN_TOTO_PAYLOAD_TYPE, PublicKey};

const PT: &str = IN_TOTO_PAYLOAD_TYPE;

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    fs::write(dir.join(name), bytes).unwrap_or_else(|e| panic!("writing {name}: {e}"));
    println!("wrote {name} ({} bytes)", bytes.len());
}

/// The canonical SPKI DER of a key, via vouch-core itself.
fn spki(raw: &[u8]) -> Vec<u8> {
    let key = PublicKey::parse(raw).expect("generated key parses");
    let mut out = [0u8; vouch_core::key::MAX_SPKI_LEN];
    let n = key.spki_der(&mut out).expect("buffer fits");
    out[..n].to_vec()
}

/// A `PUBLIC KEY` PEM document with 64-column lines.
fn pem(der: &[u8]) -> String {
    let text = b64(der, B64::Std);
    let mut out = String::from("-----BEGIN PUBLIC KEY-----\n");
    for line in text.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).expect("base64 is ASCII"));
        out.push('\n');
    }
    out.push_str("-----END PUBLIC KEY-----\n");
    out
}

fn flip(mut bytes: Vec<u8>, at: usize) -> Vec<u8> {
    bytes[at] ^= 0x01;
    bytes
}

fn main() {
    let dir = std::env::args_os().nth(1).map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../vectors"),
        PathBuf::from,
    );
    fs::create_dir_all(&dir).expect("create vectors dir");

    // Keys: Ed25519 A raw, Ed25519 B as SPKI DER, P-256 A as SEC1 uncompressed, P-256 B as PEM.
    let ed_a = ed25519_key(1);
    let ed_b = ed25519_key(2);
    let p_a = p256_key(1);
    let p_b = p256_key(2);
    let p_a_sec1 = p_a.verifying_key().to_sec1_point(false).as_bytes().to_vec();
    let p_b_sec1 = p_b.verifying_key().to_sec1_point(false).as_bytes().to_vec();
    write(&dir, "ed25519-a.key", ed_a.pk.as_ref());
    write(&dir, "ed25519-b.key", &spki(ed_b.pk.as_ref()));
    write(&dir, "p256-a.key", &p_a_sec1);
    write(&dir, "p256-b.key", pem(&spki(&p_b_sec1)).as_bytes());
    // The same B keys raw, for images built without PEM / DER key parsing.
    write(&dir, "ed25519-b.raw", ed_b.pk.as_ref());
    write(&dir, "p256-b.raw", &p_b_sec1);

    // The artifact (a stand-in firmware image) and the Statement naming its SHA-256.
    let artifact: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    write(&dir, "artifact.bin", &artifact);
    let stmt = statement_for(&artifact);
    let payload = stmt.as_bytes();
    let tampered_payload = stmt.replacen("\"artifact\"", "\"artefact\"", 1);
    assert_ne!(tampered_payload, stmt);

    let env = |name: &str, b: EnvelopeBuilder| write(&dir, name, b.to_json().as_bytes());
    let new = |p: &[u8]| EnvelopeBuilder::new(PT, p);

    // Ed25519.
    let ed_a_sig = ed25519_sig(&ed_a, PT, payload);
    let ed_b_sig = ed25519_sig(&ed_b, PT, payload);
    env(
        "ed25519-ok.json",
        new(payload).sig(None, ed_a_sig.clone(), B64::Std),
    );
    env(
        "ed25519-tampered-payload.json",
        new(tampered_payload.as_bytes()).sig(None, ed_a_sig.clone(), B64::Std),
    );
    env(
        "ed25519-tampered-sig.json",
        new(payload).sig(None, flip(ed_a_sig.clone(), 10), B64::Std),
    );
    let other_type = "application/vnd.example+json";
    env(
        "ed25519-wrong-type.json",
        EnvelopeBuilder::new(other_type, payload).sig(
            None,
            ed25519_sig(&ed_a, other_type, payload),
            B64::Std,
        ),
    );
    env(
        "ed25519-threshold-2.json",
        new(payload).sig(Some("b"), ed_b_sig, B64::UrlUnpadded).sig(
            Some("a"),
            ed_a_sig.clone(),
            B64::Std,
        ),
    );
    env(
        "ed25519-threshold-same-key.json",
        new(payload).sig(None, ed_a_sig.clone(), B64::Std).sig(
            None,
            ed_a_sig.clone(),
            B64::StdUnpadded,
        ),
    );
    let ok = new(payload).sig(None, ed_a_sig.clone(), B64::Std).to_json();
    let dup = ok.replacen("{\"payload\":", "{\"payloadType\":\"x\",\"payload\":", 1);
    write(&dir, "duplicate-key.json", dup.as_bytes());

    // ECDSA P-256: DER and raw r||s.
    let p_a_der = p256_sig_der(&p_a, PT, payload);
    let p_a_raw = p256_sig_raw(&p_a, PT, payload);
    let p_b_der = p256_sig_der(&p_b, PT, payload);
    assert_ne!(p_a_der.len(), 64, "DER must not look like raw r||s");
    env(
        "p256-der-ok.json",
        new(payload).sig(None, p_a_der.clone(), B64::Std),
    );
    env(
        "p256-raw-ok.json",
        new(payload)
            .sig(None, p_a_raw.clone(), B64::UrlUnpadded)
            .tap_payload(B64::Url),
    );
    env(
        "p256-tampered-payload.json",
        new(tampered_payload.as_bytes()).sig(None, p_a_der.clone(), B64::Std),
    );
    env(
        "p256-tampered-sig.json",
        new(payload).sig(None, flip(p_a_raw.clone(), 40), B64::Std),
    );
    env(
        "p256-threshold-2.json",
        new(payload)
            .sig(Some("b"), p_b_der, B64::Std)
            .sig(Some("a"), p_a_raw.clone(), B64::Std),
    );
    env(
        "p256-threshold-same-key.json",
        new(payload)
            .sig(None, p_a_der.clone(), B64::Std)
            .sig(None, p_a_raw.clone(), B64::Std),
    );

    // Both algorithms: Ed25519 A and P-256 A, 2 of 2.
    env(
        "mixed-threshold-2.json",
        new(payload).sig(Some("p256-a"), p_a_der, B64::Std).sig(
            Some("ed25519-a"),
            ed_a_sig,
            B64::Std,
        ),
    );
}

/// Small builder extension: choose the payload field's base64 form.
trait TapPayload {
    fn tap_payload(self, form: B64) -> Self;
}

impl TapPayload for EnvelopeBuilder {
    fn tap_payload(mut self, form: B64) -> Self {
        self.payload_b64 = form;
        self
    }
}
