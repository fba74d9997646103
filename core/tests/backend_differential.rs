//! The host backend (feature `fast`: AWS-LC for ECDSA P-256 / P-384, curve25519-dalek and the
//! `sha2` crate for Ed25519) against RustCrypto p256 / p384 and ed25519-compact's own
//! verification, verdict for verdict, on random keys, messages and signatures, genuine and
//! corrupted (the checks are `fuzz/src/checks.rs`'s `check_backend`, also the fuzz target
//! `backend_differential`). Every Wycheproof vector goes through the backend in
//! `tests/wycheproof.rs` and `tests/keyless_wycheproof.rs`.

#![cfg(feature = "keyless")]

#[allow(dead_code)]
#[path = "../../fuzz/src/checks.rs"]
mod checks;

/// A small deterministic generator (xorshift64*).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

/// Runs `cases` random inputs whose first byte is `alg` (0 P-256, 1 P-384, 2 Ed25519) and every
/// corruption choice; returns how many verified, so a caller can see both verdicts occur.
fn run(alg: u8, cases: usize, seed: u64) -> (usize, usize) {
    let mut rng = Rng(seed);
    let (mut yes, mut no) = (0, 0);
    for i in 0..cases {
        let mut data = vec![alg];
        data.extend((0..33).map(|_| rng.next() as u8));
        // Every corruption choice in turn (`how`), random flags.
        data.push(i as u8);
        data.push(rng.next() as u8);
        let len = (rng.next() % 300) as u16;
        data.extend_from_slice(&len.to_le_bytes());
        data.extend((0..len + 64).map(|_| rng.next() as u8));
        if checks::check_backend(&data) {
            yes += 1;
        } else {
            no += 1;
        }
    }
    (yes, no)
}

#[test]
fn p256_backend_agrees_with_rustcrypto() {
    let (yes, no) = run(0, 600, 0x5eed_0256);
    assert!(
        yes > 50 && no > 50,
        "both verdicts occur: {yes} valid, {no} invalid"
    );
}

#[test]
fn p384_backend_agrees_with_rustcrypto() {
    let (yes, no) = run(1, 300, 0x5eed_0384);
    assert!(
        yes > 25 && no > 25,
        "both verdicts occur: {yes} valid, {no} invalid"
    );
}

#[test]
fn ed25519_backend_agrees_with_ed25519_compact() {
    let (yes, no) = run(2, 600, 0x5eed_2551);
    assert!(
        yes > 50 && no > 200,
        "both verdicts occur: {yes} valid, {no} invalid"
    );
}

/// The Ed25519 refusals the backend must keep, one by one, through vouch's key: `S + L`, each
/// small-order and non-canonical `R`, and a genuine signature for contrast.
#[test]
fn ed25519_strictness_is_kept() {
    use vouch_core::PublicKey;
    let kp = ed25519_compact::KeyPair::from_seed(ed25519_compact::Seed::new([7; 32]));
    let key = PublicKey::parse(kp.pk.as_ref()).unwrap();
    let msg = b"strict";
    let sig = kp.sk.sign(msg, None).to_vec();
    assert!(vouch_core::hazmat::verify_raw(&key, msg, &sig));
    // S + L
    let mut s_plus_l = sig.clone();
    let l: [u8; 32] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde,
        0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ];
    let mut carry = 0u16;
    for (b, l) in s_plus_l[32..].iter_mut().zip(l) {
        let v = u16::from(*b) + u16::from(l) + carry;
        *b = v as u8;
        carry = v >> 8;
    }
    assert_eq!(carry, 0);
    assert!(
        !vouch_core::hazmat::verify_raw(&key, msg, &s_plus_l),
        "S + L accepted"
    );
    // The identity as R with S = k·a... cannot be forged here; a small-order R must be refused
    // whatever S is: try S = 0 and the genuine S.
    let mut ident = [0u8; 32];
    ident[0] = 1;
    for s in [[0u8; 32], sig[32..].try_into().unwrap()] {
        let mut forged = ident.to_vec();
        forged.extend_from_slice(&s);
        assert!(
            !vouch_core::hazmat::verify_raw(&key, msg, &forged),
            "small-order R accepted"
        );
    }
    // A small-order key is refused at parse time.
    assert_eq!(
        PublicKey::parse(&ident).err(),
        Some(vouch_core::Error::InvalidKey)
    );
}
