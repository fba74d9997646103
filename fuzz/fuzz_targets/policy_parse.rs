#![no_main]
//! Fuzz target `policy_parse`: the CLI's policy loader (`vouch_cli::policy`, the host library) on
//! arbitrary bytes. An accepted policy must satisfy every rule the loader promises.
use std::collections::HashSet;
use std::path::Path;

use libfuzzer_sys::fuzz_target;
use vouch_cli::policy;

fuzz_target!(|data: &[u8]| {
    let Ok(p) = policy::Policy::from_bytes(Path::new("policy.json"), data) else {
        return;
    };
    assert!(
        vouch_core::json::parse(data).is_ok(),
        "accepted non-strict JSON"
    );
    assert!((1..=vouch_core::MAX_TRUSTED_KEYS).contains(&p.issuers.len()));
    assert!((1..=p.issuers.len()).contains(&p.threshold));
    let fps: HashSet<_> = p.issuers.iter().map(|i| i.key.fingerprint()).collect();
    assert_eq!(fps.len(), p.issuers.len(), "same key material twice");
    let ids: HashSet<_> = p.issuers.iter().map(|i| i.key_id.as_str()).collect();
    assert_eq!(ids.len(), p.issuers.len(), "keyId twice");
    for i in &p.issuers {
        assert!(!i.key_id.is_empty());
        if let (Some(a), Some(b)) = (i.valid_from, i.valid_until) {
            assert!(a < b);
        }
    }
    for l in [&p.payload_types, &p.predicate_types, &p.builder_ids]
        .into_iter()
        .flatten()
    {
        assert!(!l.is_empty() && l.iter().all(|s| !s.is_empty()));
    }
});
