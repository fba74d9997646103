//! `keyless::verify_bundle` never touches the heap: a counting global allocator watches whole
//! verifications of real bundles (a v0.1 DSSE bundle with SET and proof, a v0.3 message
//! signature, a Rekor v2 DSSE bundle with an RFC 3161 timestamp) and refusals, and must see zero
//! allocations. The file runs without the test harness (`harness = false`: its own `main`), so
//! that no other thread — not even the harness's, which formats its output meanwhile — allocates
//! while the region is open.

fn main() {
    #[cfg(feature = "keyless")]
    {
        imp::verify_bundle_performs_no_heap_allocation();
        println!("verify_bundle_performs_no_heap_allocation: ok");
    }
}

#[cfg(feature = "keyless")]
mod imp {
    use std::alloc::System;

    use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
    use vouch_core::identity::{IdentityPolicy, Matcher};
    use vouch_core::keyless::{self, Options, Policy};
    use vouch_core::trusted_root::TrustedRoot;
    use vouch_core::{ArtifactDigest, Error};

    #[global_allocator]
    pub static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

    const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors/sigstore/");

    fn hex<const N: usize>(s: &str) -> [u8; N] {
        let mut out = [0u8; N];
        for (i, o) in out.iter_mut().enumerate() {
            *o = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap();
        }
        out
    }

    struct Input {
        bundle: Vec<u8>,
        root: Vec<u8>,
        identity: &'static str,
        issuer: &'static str,
        digest: ArtifactDigest,
        scratch: Vec<u8>,
    }

    fn input(
        case: &str,
        root: &str,
        identity: &'static str,
        issuer: &'static str,
        d: &str,
    ) -> Input {
        let (alg, h) = d.split_once(':').unwrap();
        let mut digest = ArtifactDigest::default();
        match alg {
            "sha256" => digest.sha256 = Some(hex(h)),
            _ => digest.sha512 = Some(hex(h)),
        }
        Input {
            bundle: std::fs::read(format!("{VECTORS}cases/{case}/bundle.sigstore.json")).unwrap(),
            root: std::fs::read(format!("{VECTORS}trusted_roots/{root}")).unwrap(),
            identity,
            issuer,
            digest,
            scratch: vec![0u8; 32 * 1024],
        }
    }

    pub fn verify_bundle_performs_no_heap_allocation() {
        // --- Set-up (allocates freely) ---------------------------------------------------------
        let mut inputs = [
            input(
                "go--sigstorejs-2.0.0-provenance-exact",
                "production-sigstore-go-testing.json",
                "https://github.com/sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/main",
                "https://token.actions.githubusercontent.com",
                "sha512:46d4e2f74c4877316640000a6fdf8a8b59f1e0847667973e9859f774dd31b8f1e0937813b777fb66a2ac67d50540fe34640966eee9fc2ccca387082b4c85cd3c",
            ),
            input(
                "py--bundle-v03-staging",
                "staging-sigstore-python.json",
                "william@yossarian.net",
                "https://github.com/login/oauth",
                "sha256:5e6ae9de58c1177bea615b4fcbfb2fd688e8c4b51c2e56b6a38e817833ec24a2",
            ),
            input(
                "py--dsse-staging-rekor-v2",
                "staging-sigstore-python.json",
                "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main",
                "https://token.actions.githubusercontent.com",
                "sha256:a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf",
            ),
        ];
        let mut root_scratch = vec![0u8; 8192];

        // Sanity: the counter does see allocations.
        let region = Region::new(GLOBAL);
        let v = core::hint::black_box(vec![1u8; 100]);
        assert!(region.change().allocations >= 1);
        drop(v);

        // --- Measured -------------------------------------------------------------------------
        let region = Region::new(GLOBAL);
        let mut verified = 0;
        for inp in inputs.iter_mut() {
            let root = TrustedRoot::parse(&inp.root, &mut root_scratch).unwrap();
            let need = keyless::scratch_len(&inp.bundle, &root).unwrap();
            assert!(need <= inp.scratch.len());
            let options = Options {
                policy: Policy::Identity(IdentityPolicy {
                    identity: Matcher::Exact(inp.identity),
                    issuer: Matcher::Exact(inp.issuer),
                }),
                artifact: &inp.digest,
                predicate_type: None,
                builder_id: None,
            };
            let v = keyless::verify_bundle(&inp.bundle, &root, &options, &mut inp.scratch).unwrap();
            assert!(v.times.count >= 1);
            verified += 1;
            // A refusal (another identity) allocates nothing either.
            let options = Options {
                policy: Policy::Identity(IdentityPolicy {
                    identity: Matcher::Exact("someone@else"),
                    issuer: Matcher::Exact(inp.issuer),
                }),
                ..options
            };
            assert_eq!(
                keyless::verify_bundle(&inp.bundle, &root, &options, &mut inp.scratch).err(),
                Some(Error::IdentityMismatch)
            );
        }
        let stats = region.change();
        assert_eq!(verified, 3);
        assert_eq!(stats.allocations, 0, "{stats:?}");
        assert_eq!(stats.reallocations, 0, "{stats:?}");
    }
}
