//! In-process timing of keyless verification (`keyless::verify_bundle`) on the real Sigstore
//! cases of `tests/vectors/sigstore/cases`, for `bench/keyless.sh` (side by side with
//! `@sigstore/verify` and sigstore-python, which the script times the same way: the trusted
//! root loaded once, then bundle bytes -> verdict in a loop, median over repeated batches).
//!
//! `cargo bench -p vouch-core --bench keyless -- CASE_DIR [CASE_DIR ...]` prints one
//! tab-separated line per case: `name verdict detail median_ns`, where `verdict` is `pass` or
//! `fail`, `detail` the error (`-` on a pass) and `median_ns` the median time of one
//! verification (`-` when the case fails: failures are reported, not timed). Set
//! `KEYLESS_BENCH_VERDICT_ONLY=1` to skip the timing.

use std::path::Path;
use std::time::Instant;
use vouch_core::ArtifactDigest;
use vouch_core::identity::{IdentityPolicy, Matcher};
use vouch_core::keyless::{self, Options, Policy};
use vouch_core::trusted_root::TrustedRoot;

/// Median time of one call in nanoseconds: batches sized to about 20 ms, 15 batches (the same
/// scheme as `bench/keyless/peer.py` and `bench/keyless/peer.mjs`).
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

fn hex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).expect("hex digest"))
        .collect()
}

/// The artifact digest named by `case.json` (`sha256:...` or `sha512:...`).
fn artifact(case: &serde_json::Value) -> ArtifactDigest {
    let (alg, h) = case["artifact_digest"]
        .as_str()
        .and_then(|s| s.split_once(':'))
        .expect("artifact_digest");
    let mut d = ArtifactDigest::default();
    match alg {
        "sha256" => d.sha256 = Some(hex(h).try_into().expect("32 bytes")),
        "sha512" => d.sha512 = Some(hex(h).try_into().expect("64 bytes")),
        other => panic!("unknown digest algorithm {other}"),
    }
    d
}

/// `^` and a literal prefix (`.` any character): the one identity regexp among the cases.
/// The peers' APIs take no regexp, so the script marks that case as not comparable.
fn anchored_prefix(pattern: &str, value: &str) -> bool {
    let p = pattern.strip_prefix('^').expect("anchored regexp");
    assert!(!p.contains(['*', '+', '?', '(', '[', '|', '$', '\\']));
    value.len() >= p.len()
        && p.bytes()
            .zip(value.bytes())
            .all(|(a, b)| a == b'.' || a == b)
}

fn main() {
    let dirs: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let verdict_only = std::env::var_os("KEYLESS_BENCH_VERDICT_ONLY").is_some();
    for dir in &dirs {
        let dir = Path::new(dir);
        let name = dir.file_name().expect("case dir").to_string_lossy();
        let case: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join("case.json")).expect("case.json"))
                .expect("case.json");
        // The sigstore-go examples root is byte-identical to its testing root (vector README).
        let root_rel = case["trusted_root_source"]
            .as_str()
            .expect("trusted_root_source")
            .replace(
                "production-sigstore-go-examples",
                "production-sigstore-go-testing",
            );
        let root_doc = std::fs::read(dir.join("../..").join(root_rel)).expect("trusted root");
        let bundle = std::fs::read(dir.join("bundle.sigstore.json")).expect("bundle");
        let mut root_scratch = vec![0u8; 8192];
        let root = TrustedRoot::parse(&root_doc, &mut root_scratch).expect("trusted root parses");
        let digest = artifact(&case);
        let regexp = case["identity_regexp"].as_str().map(str::to_string);
        let custom = |v: &str| anchored_prefix(regexp.as_deref().unwrap_or("^"), v);
        let identity = match case["identity"].as_str() {
            Some(id) => Matcher::Exact(id),
            None => Matcher::Custom(&custom),
        };
        let options = Options {
            policy: Policy::Identity(IdentityPolicy {
                identity,
                issuer: Matcher::Exact(case["issuer"].as_str().expect("issuer")),
            }),
            artifact: &digest,
            predicate_type: None,
            builder_id: None,
        };
        let need = keyless::scratch_len(&bundle, &root).unwrap_or(64 * 1024);
        let mut scratch = vec![0u8; need];
        let first = keyless::verify_bundle(&bundle, &root, &options, &mut scratch).map(|_| ());
        match first {
            Err(e) => println!("{name}\tfail\t{e:?} ({})\t-", e.code()),
            Ok(_) if verdict_only => println!("{name}\tpass\t-\t-"),
            Ok(_) => {
                let ns = median_ns(|| {
                    let r = keyless::verify_bundle(
                        std::hint::black_box(&bundle),
                        &root,
                        &options,
                        &mut scratch,
                    );
                    std::hint::black_box(r.is_ok());
                });
                println!("{name}\tpass\t-\t{ns:.0}");
                if std::env::var_os("KEYLESS_BENCH_ROOT_PARSE").is_some() {
                    // What a batch saves per bundle by parsing the trusted root once (the
                    // service, the gate): the parse on its own, next to the verification.
                    let parse = median_ns(|| {
                        let r =
                            TrustedRoot::parse(std::hint::black_box(&root_doc), &mut root_scratch);
                        std::hint::black_box(r.is_ok());
                    });
                    // And with the root's chain signatures checked once beforehand.
                    let mut chain_scratch = vec![0u8; vouch_core::chain::path_scratch_len(&root)];
                    let pre = root.precompute_chains(&mut chain_scratch);
                    let batch = median_ns(|| {
                        let r = keyless::verify_bundle(
                            std::hint::black_box(&bundle),
                            &pre,
                            &options,
                            &mut scratch,
                        );
                        std::hint::black_box(r.is_ok());
                    });
                    eprintln!(
                        "{name}\troot parse {parse:.0} ns\tverify {ns:.0} ns\tparse/verify {:.2}\tverify, chains precomputed {batch:.0} ns ({:.2}x); batch / one-shot (parse + verify) {:.2}",
                        parse / ns,
                        batch / ns,
                        batch / (parse + ns)
                    );
                }
            }
        }
    }
}
