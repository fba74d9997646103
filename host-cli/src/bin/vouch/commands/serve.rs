//! `vouch serve` (the registry service, [`vouch_cli::serve`]) and `vouch serve api-key
//! add|list|revoke` (its keys, kept in the store).

use std::time::Duration;

use serde_json::json;
use vouch_cli::error::{CliError, Code, EXIT_OK};
use vouch_cli::report;
use vouch_cli::serve::{self, Config, auth};
use vouch_cli::store::{Location, OpenMode, open_store};

use crate::cli::{ApiKeyCommand, Format, ServeArgs, ServeCommand};
use crate::out;

/// Runs `vouch serve` or one of its subcommands; returns the exit status.
pub fn run(a: ServeArgs, format: Format) -> u8 {
    let r = match a.command {
        Some(ServeCommand::ApiKey(c)) => api_key(c, format == Format::Json),
        None => service(a),
    };
    out::finish(r, format)
}

fn service(a: ServeArgs) -> Result<u8, CliError> {
    let (Some(db), Some(policy), Some(listen)) = (a.db, a.policy, a.listen) else {
        return Err(CliError::new(
            Code::Usage,
            "vouch serve needs --db, --policy and --listen",
        ));
    };
    let mut cfg = Config::new(db, policy, listen);
    cfg.public_read = a.public_read;
    cfg.insecure_plaintext = a.insecure_plaintext;
    cfg.tls_cert = a.tls_cert;
    cfg.tls_key = a.tls_key;
    cfg.max_body = a.max_body;
    cfg.header_timeout = Duration::from_secs(a.header_timeout.max(1));
    cfg.request_timeout = Duration::from_secs(a.request_timeout.max(1));
    cfg.max_jobs = a.max_jobs.unwrap_or(match Location::of(&cfg.db) {
        Location::Postgres(_) => serve::DEFAULT_MAX_JOBS_POSTGRES,
        Location::Sqlite(_) => serve::DEFAULT_MAX_JOBS,
    });
    cfg.queue = a.queue;
    cfg.queue_wait = Duration::from_millis(a.queue_wait_ms);
    cfg.shutdown_grace = Duration::from_secs(a.shutdown_grace);
    cfg.rate_limit = a.rate_limit;
    cfg.refusal_limit = a.refusal_limit;
    serve::run(cfg)?;
    Ok(EXIT_OK)
}

fn api_key(c: ApiKeyCommand, json_out: bool) -> Result<u8, CliError> {
    match c {
        ApiKeyCommand::Add {
            db,
            name,
            scopes,
            urn_prefixes,
            expires,
        } => {
            let (key, stored) = auth::generate(&name, &scopes, &urn_prefixes, expires.as_deref())?;
            let mut store = open_store(&db, OpenMode::Write)?;
            store.add_api_key(&stored)?;
            if json_out {
                out::json(&report::success(
                    json!({"keyId": stored.key_id, "key": key}),
                ));
            } else {
                eprintln!(
                    "vouch: API key {} ({}) made; it is shown once, here:",
                    stored.key_id, stored.name
                );
                outln!("{key}");
            }
        }
        ApiKeyCommand::List { db } => {
            let store = open_store(&db, OpenMode::Read)?;
            let keys = store.api_keys()?;
            if json_out {
                let list: Vec<_> = keys
                    .iter()
                    .map(|k| {
                        json!({
                            "keyId": k.key_id, "name": k.name, "scopes": k.scopes,
                            "urnPrefixes": k.urn_prefixes, "createdAt": k.created_at,
                            "expiresAt": k.expires_at, "revokedAt": k.revoked_at,
                        })
                    })
                    .collect();
                out::json(&report::success(json!({"keys": list})));
            } else {
                for k in &keys {
                    outln!(
                        "{}  {}  scopes {}  urn prefixes {}  created {}{}{}",
                        k.key_id,
                        k.name,
                        k.scopes.join(","),
                        if k.urn_prefixes.is_empty() {
                            "(any)".to_string()
                        } else {
                            k.urn_prefixes.join(",")
                        },
                        k.created_at,
                        k.expires_at
                            .as_deref()
                            .map(|t| format!("  expires {t}"))
                            .unwrap_or_default(),
                        k.revoked_at
                            .as_deref()
                            .map(|t| format!("  REVOKED {t}"))
                            .unwrap_or_default(),
                    );
                }
            }
        }
        ApiKeyCommand::Revoke { db, key_id } => {
            let mut store = open_store(&db, OpenMode::Write)?;
            if !store.revoke_api_key(&key_id, &vouch_cli::store::now())? {
                return Err(CliError::new(
                    Code::NotFound,
                    format!("no API key {key_id:?} in {}", Location::of(&db).label()),
                ));
            }
            if json_out {
                out::json(&report::success(json!({"keyId": key_id, "revoked": true})));
            } else {
                outln!("revoked {key_id}");
            }
        }
    }
    Ok(EXIT_OK)
}
