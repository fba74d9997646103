//! Proof that verification never touches the heap: a counting global allocator watches key
//! parsing, `Verifier::new`, `Verifier::verify` (successes and every kind of failure),
//! `Statement::parse`/`check` and `ArtifactHasher`, and must see zero allocations.
//!
//! The allocator is `stats_alloc`'s instrumented `System` (the workspace forbids `unsafe`, which a
//! hand-written `GlobalAlloc` needs). Everything that does allocate — building and signing the
//! envelopes with the testkit, the scratch buffer — happens before the counter is read. This file
//! holds a single test so that no other test thread allocates while the region is open.

use std::alloc::System;

use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use vouch_core::testkit::{
    B64, EnvelopeBuilder, ed25519_key, ed25519_sig, p256_key, p256_sig_der, p256_sig_raw,
    statement_for,
};
use vouch_core::{
    ArtifactHasher, Checks, Error, IN_TOTO_PAYLOAD_TYPE, PublicKey, Statement, TrustedKey, Verifier,
};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const T: &str = IN_TOTO_PAYLOAD_TYPE;
const BUILDER: &str = "https://example.com/builder";

#[test]
fn verification_performs_no_heap_allocation() {
    // --- Set-up (allocates freely) ---------------------------------------------------------
    let artifact: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    let statement = statement_for(&artifact).into_bytes();
    let kp = ed25519_key(1);
    let sk = p256_key(2);
    let ed_raw = kp.pk.to_vec();
    let p_sec1 = sk.verifying_key().to_sec1_point(false).as_bytes().to_vec();
    let good = EnvelopeBuilder::new(T, &statement)
        .sig(Some("ed"), ed25519_sig(&kp, T, &statement), B64::Std)
        .sig(None, vec![0x30; 70], B64::Url) // fails and is skipped
        .sig(None, vec![0x5a; 512], B64::Std) // too long for vouch: skipped
        .sig(
            Some("lying"),
            p256_sig_der(&sk, T, &statement),
            B64::UrlUnpadded,
        )
        .to_json();
    let raw_p256 = EnvelopeBuilder::new(T, &statement)
        .sig(None, p256_sig_raw(&sk, T, &statement), B64::Std)
        .to_json();
    let mut tampered = EnvelopeBuilder::new(T, &statement)
        .sig(None, ed25519_sig(&kp, T, &statement), B64::Std)
        .sig(None, p256_sig_der(&sk, T, &statement), B64::Std);
    tampered.payload[10] ^= 1;
    let tampered = tampered.to_json();
    let wrong_type = EnvelopeBuilder::new("text/plain", &statement)
        .sig(None, ed25519_sig(&kp, "text/plain", &statement), B64::Std)
        .to_json();
    let depth_bomb = format!("{{\"x\":{}", "[".repeat(10_000));
    let duplicate = good.replacen('{', "{\"payload\":\"\",", 1);
    let mut scratch = vec![0u8; statement.len()];
    let mut small = vec![0u8; statement.len() - 1];

    // Sanity: the counter does see allocations.
    let region = Region::new(GLOBAL);
    let v = core::hint::black_box(vec![1u8; 100]);
    assert!(region.change().allocations >= 1);
    drop(v);

    // --- Measured: everything a device does ----------------------------------------------
    let region = Region::new(GLOBAL);

    let ed = PublicKey::parse(&ed_raw).unwrap();
    let p = PublicKey::parse(&p_sec1).unwrap();
    let keys = [
        TrustedKey {
            key: ed,
            keyid: Some("ed"),
        },
        TrustedKey {
            key: p,
            keyid: Some("p256"),
        },
    ];
    let types = [T];
    let v2 = Verifier::new(&keys, 2, &types).unwrap();
    let v1 = Verifier::new(&keys, 1, &types).unwrap();

    let verified = v2.verify(good.as_bytes(), &mut scratch).unwrap();
    assert_eq!(verified.keys.count(), 2);
    let s = Statement::parse(verified.payload).unwrap();
    let mut hasher = ArtifactHasher::new(true, true);
    for chunk in artifact.chunks(4096) {
        hasher.update(chunk);
    }
    let digest = hasher.finalize();
    let checks = Checks {
        predicate_type: Some("https://slsa.dev/provenance/v1"),
        builder_id: Some(BUILDER),
        artifact: Some(&digest),
    };
    assert_eq!(s.check(&checks), Ok(Some(0)));
    assert_eq!(
        s.check(&Checks {
            builder_id: Some("https://evil"),
            ..checks
        }),
        Err(Error::BuilderIdMismatch)
    );

    assert!(v1.verify(raw_p256.as_bytes(), &mut scratch).is_ok());
    assert_eq!(
        v2.verify(tampered.as_bytes(), &mut scratch).err(),
        Some(Error::InvalidSignature)
    );
    assert_eq!(
        v1.verify(wrong_type.as_bytes(), &mut scratch).err(),
        Some(Error::PayloadTypeNotAllowed)
    );
    assert_eq!(
        v1.verify(depth_bomb.as_bytes(), &mut scratch).err(),
        Some(Error::JsonTooDeep)
    );
    assert_eq!(
        v1.verify(duplicate.as_bytes(), &mut scratch).err(),
        Some(Error::DuplicateKey)
    );
    assert_eq!(
        v1.verify(good.as_bytes(), &mut small).err(),
        Some(Error::BufferTooSmall)
    );

    let stats = region.change();
    assert_eq!(stats.allocations, 0, "{stats:?}");
    assert_eq!(stats.reallocations, 0, "{stats:?}");
    assert_eq!(stats.bytes_allocated, 0, "{stats:?}");
}
