//! `vouch policy check`: validate a policy file and list its keys, windows and status.

use std::path::Path;

use serde_json::json;
use vouch_cli::error::{CliError, EXIT_OK};
use vouch_cli::keyless::Criterion;
use vouch_cli::policy::Policy;
use vouch_cli::report;
use vouch_cli::util::{fingerprint_label, format_time};

use crate::cli::Format;
use crate::commands::parse_at;
use crate::out;

/// Runs `vouch policy check`; returns the exit status.
pub fn check(file: &Path, at: Option<&str>, format: Format) -> u8 {
    out::finish(check_policy(file, at, format).map(|()| EXIT_OK), format)
}

fn check_policy(file: &Path, at: Option<&str>, format: Format) -> Result<(), CliError> {
    let at = parse_at(at)?.unwrap_or_else(time::OffsetDateTime::now_utc);
    let p = Policy::load(file)?;
    let keys: Vec<serde_json::Value> = p
        .issuers
        .iter()
        .map(|i| {
            json!({
                "keyId": i.key_id,
                "algorithm": i.key.algorithm().name(),
                "fingerprint": fingerprint_label(i.key.fingerprint()),
                "validFrom": i.valid_from.map(format_time),
                "validUntil": i.valid_until.map(format_time),
                "revoked": i.revoked,
                "status": i.status(at).as_str(),
                "description": i.description,
            })
        })
        .chain(p.keyless_issuers.iter().map(|i| {
            // Keyless issuers are listed with the keys: no algorithm or fingerprint, their
            // identity and issuer criteria instead, and the policy's trusted root.
            let criterion = |c: &Criterion| match c {
                Criterion::Exact(s) => json!({"exact": s}),
                Criterion::Regexp(r) => json!({"regexp": r.as_str()}),
            };
            json!({
                "keyId": i.key_id,
                "algorithm": "keyless",
                "fingerprint": null,
                "certificateIdentity": criterion(&i.identity),
                "certificateOidcIssuer": criterion(&i.issuer),
                "trustedRoot": p.trusted_root,
                "validFrom": i.valid_from.map(format_time),
                "validUntil": i.valid_until.map(format_time),
                "revoked": i.revoked,
                "status": i.status(at).as_str(),
                "description": i.description,
            })
        }))
        .collect();
    let expired = p.expires.is_some_and(|e| at >= e);
    match format {
        Format::Json => out::json(&report::success(json!({
            "policy": p.path, "mode": p.mode.as_str(), "threshold": p.threshold,
            "expires": p.expires.map(format_time), "expired": expired, "at": format_time(at),
            "payloadTypes": p.payload_types, "predicateTypes": p.predicate_types, "builderIds": p.builder_ids,
            "keys": keys,
        }))),
        Format::Human => {
            outln!(
                "{}: valid; mode {}, threshold {}, {} issuer(s){}",
                p.path.display(),
                p.mode.as_str(),
                p.threshold,
                p.issuers.len() + p.keyless_issuers.len(),
                match p.expires {
                    Some(e) if expired => format!(", EXPIRED at {}", format_time(e)),
                    Some(e) => format!(", expires {}", format_time(e)),
                    None => String::new(),
                }
            );
            for i in &p.issuers {
                let window = match (i.valid_from, i.valid_until) {
                    (None, None) => String::from("always"),
                    (f, u) => format!(
                        "{} .. {}",
                        f.map(format_time).unwrap_or_else(|| "-".into()),
                        u.map(format_time).unwrap_or_else(|| "-".into())
                    ),
                };
                outln!(
                    "  {:<20} {:<18} {} window {} status {}",
                    i.key_id,
                    i.key.algorithm().name(),
                    fingerprint_label(i.key.fingerprint()),
                    window,
                    i.status(at).as_str()
                );
            }
            for i in &p.keyless_issuers {
                let window = match (i.valid_from, i.valid_until) {
                    (None, None) => String::from("always"),
                    (f, u) => format!(
                        "{} .. {}",
                        f.map(format_time).unwrap_or_else(|| "-".into()),
                        u.map(format_time).unwrap_or_else(|| "-".into())
                    ),
                };
                outln!(
                    "  {:<20} keyless identity {} issuer {} window {} status {}",
                    i.key_id,
                    i.identity.describe(),
                    i.issuer.describe(),
                    window,
                    i.status(at).as_str()
                );
            }
            if let Some(r) = &p.trusted_root {
                outln!("  trusted root {}", r.display());
            }
        }
    }
    Ok(())
}
