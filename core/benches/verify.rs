//! Criterion benchmarks of envelope verification against its raw building blocks.
//!
//! For a 1 KiB and a 10 MiB in-toto payload, each signed with Ed25519 and with ECDSA P-256:
//!
//! * `envelope/*`: [`Verifier::verify`] from the JSON bytes (strict parse, base64 decode of the
//!   payload, streamed PAE, signature check) — what a device pays; `p256 precomputed` is the same
//!   after [`Verifier::precompute`] (feature `fast`, host only), whose own cost is `setup/*`;
//! * `raw/*`: the signature crate alone on the same message (the PAE bytes, already in memory):
//!   `ed25519-compact` `verify`, and `p256` `verify_prehash` (with and without the SHA-256 of the
//!   PAE it needs);
//! * `hash/*`: SHA-256 and SHA-512 of the decoded payload (the floor of any artifact check);
//! * `parse/*`: the strict JSON validator alone, and `Envelope::parse` (JSON + field checks +
//!   base64 validation of every field), to split the envelope cost;
//! * `base64/*`: vouch's strict decoder alone on the payload text.
//!
//! Run: `cargo bench -p vouch-core --bench verify -- --measurement-time 3 --warm-up-time 1`
//! (the dev-dependency enables feature `fast`).

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use ed25519_compact::KeyPair;
use p256::ecdsa::signature::Verifier as _;
use p256::ecdsa::signature::hazmat::PrehashVerifier;
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256, Sha512};
use std::hint::black_box;
use vouch_core::testkit::{
    B64, EnvelopeBuilder, b64, ed25519_key, ed25519_sig, p256_key, p256_sig_der, pae, statement_for,
};
use vouch_core::{Envelope, IN_TOTO_PAYLOAD_TYPE, PublicKey, TrustedKey, Verifier};

const T: &str = IN_TOTO_PAYLOAD_TYPE;

/// An in-toto Statement of exactly `len` bytes (the SLSA v1 statement of `statement_for`, padded
/// with an extra predicate field).
fn statement_of_len(len: usize) -> Vec<u8> {
    let base = statement_for(b"benchmark artifact");
    let prefix = "{\"padding\":\"";
    let suffix = "\",";
    let fill = len + 1 - base.len() - prefix.len() - suffix.len();
    let mut out = String::with_capacity(len);
    out.push_str(prefix);
    out.extend(std::iter::repeat_n('x', fill));
    out.push_str(suffix);
    out.push_str(&base[1..]);
    assert_eq!(out.len(), len);
    out.into_bytes()
}

struct Case {
    name: &'static str,
    payload: Vec<u8>,
    pae: Vec<u8>,
    kp: KeyPair,
    sk: SigningKey,
    env_ed: String,
    env_p256: String,
    sig_ed: Vec<u8>,
    sig_p256: Signature,
}

fn case(name: &'static str, len: usize) -> Case {
    let payload = statement_of_len(len);
    let kp = ed25519_key(1);
    let sk = p256_key(2);
    let sig_ed = ed25519_sig(&kp, T, &payload);
    let der = p256_sig_der(&sk, T, &payload);
    let env_ed = EnvelopeBuilder::new(T, &payload)
        .sig(None, sig_ed.clone(), B64::Std)
        .to_json();
    let env_p256 = EnvelopeBuilder::new(T, &payload)
        .sig(None, der.clone(), B64::Std)
        .to_json();
    Case {
        name,
        pae: pae(T, &payload),
        payload,
        kp,
        sk,
        env_ed,
        env_p256,
        sig_ed,
        sig_p256: Signature::from_der(&der).expect("der"),
    }
}

fn bench_case(c: &mut Criterion, case: &Case, big: bool) {
    let ed_key = PublicKey::from_ed25519_raw(case.kp.pk.as_ref()).expect("key");
    let vk: VerifyingKey = *case.sk.verifying_key();
    let p_key = PublicKey::from_sec1(vk.to_sec1_point(false).as_bytes()).expect("key");
    let types = [T];
    let ed_trusted = [TrustedKey {
        key: ed_key,
        keyid: None,
    }];
    let p_trusted = [TrustedKey {
        key: p_key,
        keyid: None,
    }];
    let v_ed = Verifier::new(&ed_trusted, 1, &types).expect("verifier");
    let v_p = Verifier::new(&p_trusted, 1, &types).expect("verifier");
    let v_pt = v_p.clone().precompute();
    let mut scratch = vec![0u8; case.payload.len()];
    // Everything must verify before it is timed.
    assert!(v_ed.verify(case.env_ed.as_bytes(), &mut scratch).is_ok());
    assert!(v_p.verify(case.env_p256.as_bytes(), &mut scratch).is_ok());
    assert!(v_pt.verify(case.env_p256.as_bytes(), &mut scratch).is_ok());
    let sig_ed = ed25519_compact::Signature::from_slice(&case.sig_ed).expect("sig");
    assert!(case.kp.pk.verify(&case.pae, &sig_ed).is_ok());
    assert!(vk.verify(&case.pae, &case.sig_p256).is_ok());
    let prehash: [u8; 32] = Sha256::digest(&case.pae).into();

    let mut g = c.benchmark_group(case.name);
    if big {
        g.sample_size(10);
    }
    g.throughput(Throughput::Bytes(case.payload.len() as u64));
    g.bench_function(BenchmarkId::new("envelope", "ed25519"), |b| {
        b.iter(|| {
            v_ed.verify(black_box(case.env_ed.as_bytes()), &mut scratch)
                .map(|v| v.keys.bits())
        })
    });
    g.bench_function(BenchmarkId::new("envelope", "p256"), |b| {
        b.iter(|| {
            v_p.verify(black_box(case.env_p256.as_bytes()), &mut scratch)
                .map(|v| v.keys.bits())
        })
    });
    g.bench_function(BenchmarkId::new("envelope", "p256 precomputed"), |b| {
        b.iter(|| {
            v_pt.verify(black_box(case.env_p256.as_bytes()), &mut scratch)
                .map(|v| v.keys.bits())
        })
    });
    // Target 3's "no decoded copy": parse, then verify while decoding piece by piece.
    g.bench_function(BenchmarkId::new("streaming", "ed25519"), |b| {
        b.iter(|| {
            Envelope::parse(black_box(case.env_ed.as_bytes()))
                .and_then(|env| v_ed.verify_parsed_streaming(&env))
                .map(|v| v.keys.bits())
        })
    });
    g.bench_function(BenchmarkId::new("streaming", "p256"), |b| {
        b.iter(|| {
            Envelope::parse(black_box(case.env_p256.as_bytes()))
                .and_then(|env| v_p.verify_parsed_streaming(&env))
                .map(|v| v.keys.bits())
        })
    });
    if !big {
        g.bench_function(
            BenchmarkId::new("setup", "Verifier::new+precompute p256"),
            |b| b.iter(|| v_p.clone().precompute()),
        );
    }
    g.bench_function(BenchmarkId::new("raw", "ed25519-compact verify"), |b| {
        b.iter(|| case.kp.pk.verify(black_box(&case.pae), &sig_ed).is_ok())
    });
    g.bench_function(BenchmarkId::new("raw", "p256 sha256+verify_prehash"), |b| {
        b.iter(|| vk.verify(black_box(&case.pae), &case.sig_p256).is_ok())
    });
    g.bench_function(BenchmarkId::new("raw", "p256 verify_prehash"), |b| {
        b.iter(|| {
            vk.verify_prehash(black_box(&prehash), &case.sig_p256)
                .is_ok()
        })
    });
    g.bench_function(BenchmarkId::new("hash", "sha256"), |b| {
        b.iter(|| Sha256::digest(black_box(&case.payload)))
    });
    g.bench_function(BenchmarkId::new("hash", "sha512"), |b| {
        b.iter(|| Sha512::digest(black_box(&case.payload)))
    });
    g.bench_function(BenchmarkId::new("parse", "json::parse"), |b| {
        b.iter(|| vouch_core::json::parse(black_box(case.env_p256.as_bytes())).is_ok())
    });
    g.bench_function(BenchmarkId::new("parse", "Envelope::parse"), |b| {
        b.iter(|| Envelope::parse(black_box(case.env_p256.as_bytes())).is_ok())
    });
    let text = b64(&case.payload, B64::Std);
    g.bench_function(BenchmarkId::new("base64", "vouch decode"), |b| {
        b.iter(|| vouch_core::base64::decode_into(black_box(text.as_bytes()), &mut scratch))
    });
    g.finish();
}

fn benches(c: &mut Criterion) {
    bench_case(c, &case("1KiB", 1024), false);
    bench_case(c, &case("10MiB", 10 * 1024 * 1024), true);
}

criterion_group!(verify, benches);
criterion_main!(verify);
