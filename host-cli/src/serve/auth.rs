//! API keys of the registry service: `vouch_<key id>_<secret>`, a 12-character public id and 32
//! random bytes (base64url). The store keeps the SHA-256 of the secret only; a presented key is
//! compared in constant time, with a dummy compare when the id is unknown, so that the time taken
//! says nothing about which keys exist.

use base64ct::Encoding as _;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::error::{CliError, Code};
use crate::store::ApiKey;
use crate::util::{format_time, parse_time};

/// Every key starts with this.
pub const KEY_PREFIX: &str = "vouch_";
/// Length of the public key id.
pub const KEY_ID_LEN: usize = 12;
/// Write records.
pub const SCOPE_WRITE: &str = "provenance:write";
/// Read records (unless the service runs with `--public-read`).
pub const SCOPE_READ: &str = "provenance:read";
/// Replace a different stored record (`PUT ...?replace=true`, with the write scope too).
pub const SCOPE_REPLACE: &str = "provenance:replace";
/// Every scope.
pub const SCOPE_ADMIN: &str = "admin";
/// The scopes a key may have.
pub const SCOPES: [&str; 4] = [SCOPE_WRITE, SCOPE_READ, SCOPE_REPLACE, SCOPE_ADMIN];

/// The id alphabet: lowercase base32 (32 symbols, so random bytes map onto it without bias).
const ID_ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";

/// A new key: what to print once (the whole key) and what to store.
pub fn generate(
    name: &str,
    scopes: &[String],
    urn_prefixes: &[String],
    expires_at: Option<&str>,
) -> Result<(String, ApiKey), CliError> {
    if name.trim().is_empty() {
        return Err(CliError::new(Code::Usage, "--name must not be empty"));
    }
    if scopes.is_empty() {
        return Err(CliError::new(
            Code::Usage,
            "at least one --scope is required",
        ));
    }
    for s in scopes {
        if !SCOPES.contains(&s.as_str()) {
            return Err(CliError::new(
                Code::Usage,
                format!("unknown scope {s:?} (one of {})", SCOPES.join(", ")),
            ));
        }
    }
    for p in urn_prefixes {
        if p.is_empty() {
            return Err(CliError::new(Code::Usage, "--urn-prefix must not be empty"));
        }
    }
    let expires_at = match expires_at {
        Some(t) => {
            Some(format_time(parse_time(t).map_err(|e| {
                CliError::new(Code::Usage, format!("--expires: {e}"))
            })?))
        }
        None => None,
    };
    let random = |n: usize| -> Result<Vec<u8>, CliError> {
        let mut b = vec![0u8; n];
        getrandom::fill(&mut b).map_err(|e| {
            CliError::new(
                Code::Internal,
                format!("no randomness from the system: {e}"),
            )
        })?;
        Ok(b)
    };
    let key_id: String = random(KEY_ID_LEN)?
        .iter()
        .map(|b| char::from(ID_ALPHABET[usize::from(b & 31)]))
        .collect();
    let secret = base64ct::Base64UrlUnpadded::encode_string(&random(32)?);
    let stored = ApiKey {
        key_id: key_id.clone(),
        name: name.to_string(),
        secret_sha256: Sha256::digest(secret.as_bytes()).into(),
        scopes: scopes.to_vec(),
        urn_prefixes: urn_prefixes.to_vec(),
        created_at: crate::store::now(),
        expires_at,
        revoked_at: None,
    };
    Ok((format!("{KEY_PREFIX}{key_id}_{secret}"), stored))
}

/// Splits a presented key into its id and secret; `None` when it is not shaped like a key.
pub fn split(key: &str) -> Option<(&str, &str)> {
    let rest = key.strip_prefix(KEY_PREFIX)?;
    let id = rest.get(..KEY_ID_LEN)?;
    let secret = rest.get(KEY_ID_LEN..)?.strip_prefix('_')?;
    if !id.bytes().all(|b| ID_ALPHABET.contains(&b)) || secret.is_empty() || secret.len() > 128 {
        return None;
    }
    Some((id, secret))
}

/// Why a key was not accepted (for the audit log; the client always sees `unauthenticated`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// No `X-API-Key` header.
    Missing,
    /// Not shaped like a vouch key.
    Malformed,
    /// No key with this id.
    Unknown,
    /// The secret does not match.
    WrongSecret,
    /// The key was revoked.
    Revoked,
    /// The key has expired.
    Expired,
}

impl Refusal {
    /// The audit log's word for it.
    pub fn as_str(self) -> &'static str {
        match self {
            Refusal::Missing => "missing-key",
            Refusal::Malformed => "malformed-key",
            Refusal::Unknown => "unknown-key",
            Refusal::WrongSecret => "wrong-secret",
            Refusal::Revoked => "revoked-key",
            Refusal::Expired => "expired-key",
        }
    }
}

/// Checks a presented secret against the stored key (`None`: no key with that id), at time `now`.
/// The secret is hashed and compared in constant time whether or not the key exists.
pub fn check(
    stored: Option<&ApiKey>,
    secret: &str,
    now: time::OffsetDateTime,
) -> Result<(), Refusal> {
    let presented: [u8; 32] = Sha256::digest(secret.as_bytes()).into();
    let Some(key) = stored else {
        // The same work as for a known id.
        let _ = presented.ct_eq(&[0u8; 32]);
        return Err(Refusal::Unknown);
    };
    if !bool::from(presented.ct_eq(&key.secret_sha256)) {
        return Err(Refusal::WrongSecret);
    }
    if key.revoked_at.is_some() {
        return Err(Refusal::Revoked);
    }
    if let Some(t) = &key.expires_at {
        // An expiry that cannot be read has expired (fail closed).
        match parse_time(t) {
            Ok(t) if t > now => {}
            _ => return Err(Refusal::Expired),
        }
    }
    Ok(())
}

/// Whether the key has the scope (`admin` has every scope).
pub fn has_scope(key: &ApiKey, scope: &str) -> bool {
    key.scopes.iter().any(|s| s == scope || s == SCOPE_ADMIN)
}

/// Whether the key may touch this URN (no prefixes: any URN).
pub fn covers(key: &ApiKey, urn: &str) -> bool {
    key.urn_prefixes.is_empty() || key.urn_prefixes.iter().any(|p| urn.starts_with(p.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_check() {
        let (key, stored) = generate("ci", &[SCOPE_WRITE.into()], &[], None).unwrap();
        let (id, secret) = split(&key).unwrap();
        assert_eq!(id, stored.key_id);
        let now = time::OffsetDateTime::now_utc();
        assert_eq!(check(Some(&stored), secret, now), Ok(()));
        assert_eq!(check(Some(&stored), "x", now), Err(Refusal::WrongSecret));
        assert_eq!(check(None, secret, now), Err(Refusal::Unknown));
        assert!(split("vouch_short_x").is_none());
        assert!(split("other_abcdefghijkl_x").is_none());
        let mut revoked = stored.clone();
        revoked.revoked_at = Some("2026-01-01T00:00:00Z".into());
        assert_eq!(check(Some(&revoked), secret, now), Err(Refusal::Revoked));
        let mut expired = stored;
        expired.expires_at = Some("2000-01-01T00:00:00Z".into());
        assert_eq!(check(Some(&expired), secret, now), Err(Refusal::Expired));
    }
}
