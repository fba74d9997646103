//! In-process timing of vouch on envelope files, for `bench/compare.sh` (side by side with the
//! peers, which the script times the same way: median over repeated batches).
//!
//! `cargo bench -p vouch-core --bench compare -- ENVELOPE PUBKEY_PEM [ENVELOPE PUBKEY_PEM ...]`
//! prints one line per envelope: `file median_ns_plain median_ns_precomputed`, then one line per
//! bare ECDSA verification over a SHA-256 / SHA-384 prehash (what `openssl speed ecdsap256` /
//! `ecdsap384` time): `ecdsa-p256 median_ns` and `ecdsa-p384 median_ns`, through
//! `pkix::VerifyKey::verify_prehash` (no per-key preparation).

use std::time::Instant;
use vouch_core::{IN_TOTO_PAYLOAD_TYPE, PublicKey, TrustedKey, Verifier};

/// Median time of one call in nanoseconds: batches sized to about 20 ms, 15 batches.
fn median_ns(mut f: impl FnMut()) -> f64 {
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed().as_millis() < 20 || n < 2 {
        f();
        n += 1;
    }
    let mut samples: Vec<f64> = (0..15)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..n {
                f();
            }
            t.elapsed().as_nanos() as f64 / n as f64
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let types = [IN_TOTO_PAYLOAD_TYPE];
    for pair in args.chunks(2) {
        let [env_path, key_path] = pair else {
            panic!("arguments come in pairs: ENVELOPE PUBKEY_PEM");
        };
        let env = std::fs::read(env_path).expect("envelope");
        let key = PublicKey::parse(&std::fs::read(key_path).expect("key")).expect("key");
        let trusted = [TrustedKey { key, keyid: None }];
        let v = Verifier::new(&trusted, 1, &types).expect("verifier");
        let vt = v.clone().precompute();
        let mut scratch = vec![0u8; env.len()];
        assert!(
            v.verify(&env, &mut scratch).is_ok(),
            "{env_path} does not verify"
        );
        let plain = median_ns(|| {
            std::hint::black_box(v.verify(std::hint::black_box(&env), &mut scratch).is_ok());
        });
        let tabled = median_ns(|| {
            std::hint::black_box(vt.verify(std::hint::black_box(&env), &mut scratch).is_ok());
        });
        println!("{env_path} {plain:.0} {tabled:.0}");
    }
    ecdsa_rows();
}

/// Bare ECDSA verifications (fixed keys, one message), as `openssl speed` times them.
fn ecdsa_rows() {
    use p256::ecdsa::signature::hazmat::PrehashSigner;
    use sha2::Digest;
    use vouch_core::pkix::{SigEncoding, VerifyKey};
    let msg = b"vouch compare: bare ECDSA verification";

    let sk = p256::ecdsa::SigningKey::from_slice(&[0x42; 32]).expect("P-256 scalar");
    let d = sha2::Sha256::digest(msg);
    let sig: p256::ecdsa::Signature = sk.sign_prehash(&d).expect("signs");
    let key = VerifyKey::p256_from_sec1(sk.verifying_key().to_sec1_point(false).as_bytes())
        .expect("P-256 key");
    let sig = sig.to_der();
    assert!(key.verify_prehash(&d, sig.as_bytes(), SigEncoding::Der));
    let t = median_ns(|| {
        std::hint::black_box(key.verify_prehash(&d, sig.as_bytes(), SigEncoding::Der));
    });
    println!("ecdsa-p256 {t:.0} {t:.0}");

    let sk = p384::ecdsa::SigningKey::from_slice(&[0x42; 48]).expect("P-384 scalar");
    let d = sha2::Sha384::digest(msg);
    let sig: p384::ecdsa::Signature = sk.sign_prehash(&d).expect("signs");
    let key = VerifyKey::p384_from_sec1(sk.verifying_key().to_sec1_point(false).as_bytes())
        .expect("P-384 key");
    let sig = sig.to_der();
    assert!(key.verify_prehash(&d, sig.as_bytes(), SigEncoding::Der));
    let t = median_ns(|| {
        std::hint::black_box(key.verify_prehash(&d, sig.as_bytes(), SigEncoding::Der));
    });
    println!("ecdsa-p384 {t:.0} {t:.0}");
}
