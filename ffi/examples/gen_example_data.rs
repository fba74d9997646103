//! Generates the data shipped with `examples/c/` (run from the repository root):
//!
//! ```text
//! cargo run -p vouch-ffi --example gen_example_data -- examples/c/data
//! ```
//!
//! The artifact is a deterministic stand-in firmware image; the envelope is an in-toto Statement
//! v1 with SLSA provenance v1 whose one subject is that image, signed with Ed25519 by the
//! *public test key* `vouch_core::testkit::ed25519_key(42)` (its seed is no secret: never trust
//! it outside examples). Ed25519 signatures are deterministic, so regenerating gives the same
//! bytes (`other-key.pem`, from seed 43, signed nothing). `tests/example_data.rs` checks the committed files are exactly this output.

use vouch_core::IN_TOTO_PAYLOAD_TYPE;
use vouch_core::testkit::{ed25519_key, sign_ed25519, statement_for};

/// The files of `examples/c/data`, by name.
pub fn example_files() -> Vec<(&'static str, Vec<u8>)> {
    let firmware: Vec<u8> = (0u32..20_000)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    let kp = ed25519_key(42);
    let statement = statement_for(&firmware);
    let envelope = sign_ed25519(&kp, IN_TOTO_PAYLOAD_TYPE, statement.as_bytes());
    let mut der = vec![
        0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
    ];
    der.extend_from_slice(kp.pk.as_ref());
    let pem = pem_rfc7468::encode_string("PUBLIC KEY", pem_rfc7468::LineEnding::LF, &der)
        .expect("PEM encoding");
    let other = ed25519_key(43);
    let mut other_der = der.clone();
    other_der[12..].copy_from_slice(other.pk.as_ref());
    let other_pem =
        pem_rfc7468::encode_string("PUBLIC KEY", pem_rfc7468::LineEnding::LF, &other_der)
            .expect("PEM encoding");
    let mut tampered = firmware.clone();
    tampered[1234] ^= 0x01;
    vec![
        ("firmware.bin", firmware),
        ("firmware-tampered.bin", tampered),
        ("firmware.bin.dsse.json", envelope.into_bytes()),
        ("policy-key.pem", pem.into_bytes()),
        ("other-key.pem", other_pem.into_bytes()),
    ]
}

#[allow(dead_code)]
fn main() {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "examples/c/data".into());
    std::fs::create_dir_all(&dir).expect("create output directory");
    for (name, bytes) in example_files() {
        let path = std::path::Path::new(&dir).join(name);
        std::fs::write(&path, bytes).expect("write example file");
        println!("wrote {}", path.display());
    }
}
