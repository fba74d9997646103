//! No-panic proof for vouch-core's own untrusted-input code (JSON validation, envelope parsing,
//! base64, PAE, Statement parsing and checks).
//!
//! The panic handler calls a function defined nowhere, so this image links only if LLVM could
//! remove every panic site reachable from the calls below. The inputs come through
//! `core::hint::black_box`, so nothing about their content is known at compile time. The
//! signature checks are left out on purpose: their remaining panic sites are in dependencies
//! (docs/embedded.md, "No panics"), and the full-path proof (`--features panic-link-check` on the
//! main image) tracks those.
#![no_std]
#![no_main]

use core::hint::black_box;

use cortex_m_rt::entry;
use vouch_core::{ArtifactDigest, Checks, Envelope, Statement, base64, json, pae};

static INPUT: [u8; 1024] = [0; 1024];

#[entry]
fn main() -> ! {
    let input: &[u8] = black_box(&INPUT);
    let len = black_box(input.len());
    let input = input.get(..len).unwrap_or(&[]);
    let mut scratch = [0u8; 1024];

    black_box(json::parse(input).is_ok());
    if let Ok(env) = Envelope::parse(input) {
        black_box(env.payload_len().ok());
        black_box(base64::decode_json_str(&env.payload, &mut scratch).ok());
    }
    black_box(base64::decode_into(input, &mut scratch).ok());
    black_box(pae::write_into(input, input, &mut scratch).ok());
    if let Ok(st) = Statement::parse(input) {
        let digest = ArtifactDigest {
            sha256: Some(black_box([0u8; 32])),
            sha512: Some(black_box([0u8; 64])),
        };
        let checks = Checks {
            predicate_type: Some(black_box("https://slsa.dev/provenance/v1")),
            builder_id: Some(black_box("https://example.com/builder")),
            artifact: Some(&digest),
        };
        black_box(st.check(&checks).ok());
    }
    #[allow(clippy::empty_loop)]
    loop {}
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    unsafe extern "C" {
        /// Defined nowhere: referencing it makes any reachable panic a link error.
        fn vouch_embedded_parse_path_can_panic() -> !;
    }
    // SAFETY: never runs; the image does not link if this handler is reachable.
    unsafe { vouch_embedded_parse_path_can_panic() }
}
