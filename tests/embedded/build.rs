//! Puts `memory.x` where cortex-m-rt's `link.x` finds it; with the `p256-vectors` feature, also
//! writes the P-256 case tables the image embeds (see `p256_tables`).
use std::{env, fs, path::PathBuf};

fn main() {
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("OUT_DIR"));
    fs::write(out.join("memory.x"), include_bytes!("memory.x")).expect("write memory.x");
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rerun-if-changed=memory.x");
    println!("cargo:rerun-if-changed=build.rs");
    // The configuration name printed by the image: its enabled features.
    let mut config = Vec::new();
    for f in [
        "ed25519",
        "p256",
        "p256-cm4",
        "statement",
        "opt-size",
        "key-formats",
        "keyless",
        "p256-vectors",
    ] {
        let var = format!("CARGO_FEATURE_{}", f.to_uppercase().replace('-', "_"));
        if env::var_os(var).is_some() {
            config.push(f);
        }
    }
    println!("cargo:rustc-env=VOUCH_EMBEDDED_CONFIG={}", config.join(","));
    #[cfg(feature = "p256-vectors")]
    p256_tables::write(&out);
}

/// The P-256 case tables, generated on the host at build time into `OUT_DIR` and embedded with
/// `include_bytes!` (the JSON itself is not copied into flash):
///
/// - `p256-wycheproof.bin`: every test of Wycheproof's `ecdsa_secp256r1_sha256_test.json` (DER)
///   and `ecdsa_secp256r1_sha256_p1363_test.json` (`r||s`) with its expected verdict;
/// - `p256-differential.bin`: deterministic keys, messages and RFC 6979 signatures made here
///   with RustCrypto p256, each also in tampered forms, with RustCrypto's verdict on the host.
///
/// Format (little-endian), a sequence of records:
/// - key: `b'K'`, length (u8), the SEC1 uncompressed key; it applies to the tests after it;
/// - test: `b'T'`, class (u8: Wycheproof 0 = DER file, 1 = P1363 file; differential: the
///   tampering kind), expected verdict (u8: 1 = valid), id (u16), message length (u16), message,
///   signature length (u16), signature.
#[cfg(feature = "p256-vectors")]
mod p256_tables {
    use p256::ecdsa::signature::Verifier;
    use p256::ecdsa::signature::hazmat::PrehashSigner;
    use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
    use p256::elliptic_curve::ops::Reduce;
    use p256::{FieldBytes, Scalar};
    use sha2::{Digest, Sha256};
    use std::path::Path;

    /// Differential tampering kinds (the class byte); the image names them.
    const KINDS: usize = 12;
    /// Differential keys; each signs one message and is tampered `KINDS` ways.
    const KEYS: usize = 24;

    fn key(out: &mut Vec<u8>, sec1: &[u8]) {
        out.push(b'K');
        out.push(u8::try_from(sec1.len()).expect("key length"));
        out.extend_from_slice(sec1);
    }

    fn test(out: &mut Vec<u8>, class: u8, expected: bool, id: u64, msg: &[u8], sig: &[u8]) {
        out.push(b'T');
        out.push(class);
        out.push(u8::from(expected));
        out.extend_from_slice(&u16::try_from(id).expect("id").to_le_bytes());
        out.extend_from_slice(&u16::try_from(msg.len()).expect("msg").to_le_bytes());
        out.extend_from_slice(msg);
        out.extend_from_slice(&u16::try_from(sig.len()).expect("sig").to_le_bytes());
        out.extend_from_slice(sig);
    }

    fn unhex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
            .collect()
    }

    pub fn write(out_dir: &Path) {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../vectors/wycheproof");
        let mut table = Vec::new();
        for (class, file) in [
            (0u8, "ecdsa_secp256r1_sha256_test.json"),
            (1u8, "ecdsa_secp256r1_sha256_p1363_test.json"),
        ] {
            let path = dir.join(file);
            println!("cargo:rerun-if-changed={}", path.display());
            let doc: serde_json::Value =
                serde_json::from_slice(&std::fs::read(&path).expect("read Wycheproof file"))
                    .expect("Wycheproof JSON");
            for group in doc["testGroups"].as_array().expect("testGroups") {
                assert_eq!(group["sha"], "SHA-256");
                key(
                    &mut table,
                    &unhex(group["publicKey"]["uncompressed"].as_str().expect("key")),
                );
                for t in group["tests"].as_array().expect("tests") {
                    let expected = match t["result"].as_str().expect("result") {
                        "valid" => true,
                        "invalid" => false,
                        // Fail closed: an `acceptable` vector needs a decision (ACCEPTABLE.md).
                        other => panic!("{file}: result {other} has no decided verdict"),
                    };
                    test(
                        &mut table,
                        class,
                        expected,
                        t["tcId"].as_u64().expect("tcId"),
                        &unhex(t["msg"].as_str().expect("msg")),
                        &unhex(t["sig"].as_str().expect("sig")),
                    );
                }
            }
        }
        std::fs::write(out_dir.join("p256-wycheproof.bin"), &table).expect("write table");
        std::fs::write(out_dir.join("p256-differential.bin"), differential()).expect("write table");
    }

    /// The curve order n, big-endian.
    const N: [u8; 32] = [
        0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63,
        0x25, 0x51,
    ];

    /// `a + b` of 32-byte big-endian integers, `None` on overflow past 2^256.
    fn add(a: &[u8], b: &[u8]) -> Option<[u8; 32]> {
        let mut out = [0u8; 32];
        let mut carry = 0u16;
        for i in (0..32).rev() {
            let v = u16::from(a[i]) + u16::from(b[i]) + carry;
            out[i] = v as u8;
            carry = v >> 8;
        }
        (carry == 0).then_some(out)
    }

    fn raw(r: &[u8], s: &[u8]) -> Vec<u8> {
        [r, s].concat()
    }

    /// Deterministic keys (SHA-256 of a label and the index as the secret), messages of varied
    /// length, and their RFC 6979 signatures, each emitted valid and tampered; the expected
    /// verdict is RustCrypto p256's on the host (checked against the kind's intent).
    fn differential() -> Vec<u8> {
        let mut table = Vec::new();
        let mut id = 0u64;
        let keys: Vec<SigningKey> = (0..KEYS)
            .map(|i| {
                let secret = Sha256::digest(format!("vouch p256 differential key {i}"));
                SigningKey::from_slice(&secret).expect("secret in range")
            })
            .collect();
        for (i, sk) in keys.iter().enumerate() {
            let vk = VerifyingKey::from(sk);
            let sec1 = vk.to_sec1_point(false);
            key(&mut table, sec1.as_bytes());
            let msg: Vec<u8> = (0..(i * 13) % 200)
                .map(|j| Sha256::digest(format!("{i}/{j}"))[0])
                .collect();
            let z = Sha256::digest(&msg);
            let sig: Signature = sk.sign_prehash(&z).expect("sign");
            let (r, s) = sig.split_bytes();
            let mut cases: Vec<(u8, Vec<u8>, Vec<u8>, bool)> = Vec::new();
            // 0: valid, DER.
            cases.push((0, msg.clone(), sig.to_der().as_bytes().to_vec(), true));
            // 1: valid, r||s.
            cases.push((1, msg.clone(), raw(&r, &s), true));
            // 2: high-S twin (n - s): valid for P-256 (no low-S rule).
            let neg_s = (-*sig.s()).to_bytes();
            cases.push((2, msg.clone(), raw(&r, &neg_s), true));
            // 3: one message bit flipped.
            let mut m = msg.clone();
            match m.get_mut(i % msg.len().max(1)) {
                Some(b) => *b ^= 0x10,
                None => m.push(0),
            }
            cases.push((3, m, raw(&r, &s), false));
            // 4 / 5: one bit of r / s flipped.
            let mut t = raw(&r, &s);
            t[31 - i % 32] ^= 1 << (i % 8);
            cases.push((4, msg.clone(), t, false));
            let mut t = raw(&r, &s);
            t[63 - i % 32] ^= 1 << (i % 8);
            cases.push((5, msg.clone(), t, false));
            // 6: the next key's signature over this message.
            let other: Signature = keys[(i + 1) % KEYS].sign_prehash(&z).expect("sign");
            cases.push((6, msg.clone(), other.to_bytes().to_vec(), false));
            // 7: r = 0 / s = 0 (alternating).
            let zero = [0u8; 32];
            let t = if i % 2 == 0 {
                raw(&zero, &s)
            } else {
                raw(&r, &zero)
            };
            cases.push((7, msg.clone(), t, false));
            // 8: r or s replaced by n (out of range), or by r + n / s + n where that fits.
            let t = match (i % 4, add(&r, &N), add(&s, &N)) {
                (0, _, _) => raw(&N, &s),
                (1, _, _) => raw(&r, &N),
                (2, Some(rn), _) => raw(&rn, &s),
                (2, None, _) => raw(&N, &s),
                (_, _, Some(sn)) => raw(&r, &sn),
                (_, _, None) => raw(&r, &N),
            };
            cases.push((8, msg.clone(), t, false));
            // 9: u1·G + u2·Q at infinity: with the secret d, r = -z/d (mod n) makes
            // u1·G + u2·Q = (z + r·d)/s · G the identity for any s.
            let d = *sk.as_nonzero_scalar().as_ref();
            let zs = <Scalar as Reduce<FieldBytes>>::reduce(&FieldBytes::from(z));
            let r_inf = -(zs * d.invert().expect("d != 0"));
            cases.push((9, msg.clone(), raw(&r_inf.to_bytes(), &s), false));
            // 10: the signature of another message (the empty one).
            let empty: Signature = sk.sign_prehash(&Sha256::digest(b"")).expect("sign");
            let m = if msg.is_empty() { vec![0] } else { msg.clone() };
            cases.push((10, m, empty.to_der().as_bytes().to_vec(), false));
            // 11: DER with one trailing byte (not strict DER).
            let mut t = sig.to_der().as_bytes().to_vec();
            t.push(0);
            cases.push((11, msg.clone(), t, false));
            assert_eq!(cases.len(), KINDS);
            for (kind, m, t, intent) in cases {
                // RustCrypto's verdict on the host, with vouch's decoding rule (64 bytes = r||s).
                let parsed = if t.len() == 64 {
                    Signature::from_slice(&t)
                } else {
                    Signature::from_der(&t)
                };
                let verdict = parsed.is_ok_and(|sig| vk.verify(&m, &sig).is_ok());
                assert_eq!(verdict, intent, "differential kind {kind}, key {i}");
                test(&mut table, kind, verdict, id, &m, &t);
                id += 1;
            }
        }
        table
    }
}
