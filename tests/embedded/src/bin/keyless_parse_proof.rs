//! No-panic proof for vouch-core's keyless certificate parsing (feature `keyless`): the DER
//! walker and the X.509 certificate reader with every accessor that reads untrusted bytes.
//!
//! As in `parse_proof`, the panic handler calls a function defined nowhere, so the image links
//! only if no panic is reachable from the calls below, whose input the compiler cannot see
//! (`black_box`). Key decoding and signature checks are left out: the remaining panic sites there
//! are invariant `expect`s in the RustCrypto `sec1` crate (point decoding), the same as on the
//! DSSE key path (docs/embedded.md, "No panics"). For that reason the trusted-root parser, which
//! decodes each log key, is not in this proof either; it is covered by tests and hostile inputs.
#![no_std]
#![no_main]

use core::hint::black_box;

use cortex_m_rt::entry;
use vouch_core::x509::Certificate;

static INPUT: [u8; 2048] = [0; 2048];

#[entry]
fn main() -> ! {
    let input: &[u8] = black_box(&INPUT);
    let len = black_box(input.len());
    let input = input.get(..len).unwrap_or(&[]);

    if let Ok(c) = Certificate::parse(input) {
        black_box(c.tbs());
        black_box(c.signature_algorithm().ok());
        black_box(c.extensions().count());
        black_box(c.subject_alt_names().count());
        black_box(c.extended_key_usages().count());
        black_box(c.unknown_critical_extensions().count());
        black_box(c.fulcio_claim(black_box(5)).ok());
        black_box(c.fulcio_issuer());
        black_box(c.sct_list());
        black_box(c.valid_at(black_box(0)));
    }
    #[allow(clippy::empty_loop)]
    loop {}
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    unsafe extern "C" {
        /// Defined nowhere: referencing it makes any reachable panic a link error.
        fn vouch_embedded_keyless_parse_path_can_panic() -> !;
    }
    // SAFETY: never runs; the image does not link if this handler is reachable.
    unsafe { vouch_embedded_keyless_parse_path_can_panic() }
}
