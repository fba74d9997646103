//! In-process timing of vouch on envelope files, for `bench/compare.sh` (side by side with the
//! peers, which the script times the same way: median over repeated batches).
//!
//! `cargo bench -p vouch-core --bench compare -- ENVELOPE PUBKEY_PEM [ENVELOPE PUBKEY_PEM ...]`
//! prints one line per envelope: `file median_ns_plain median_ns_precomputed`.

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
}
