//! Policy files: who may sign, how many must, and what the statement must say.
//!
//! The registry format loads unchanged:
//! `{"mode": "enforce"|"permissive", "allowedIssuers": [{"keyId", "publicKey", "description"}]}`.
//! vouch adds, all optional: `threshold`, `payloadTypes`, `predicateTypes`, `builderIds`,
//! `expires`, and per issuer `validFrom`, `validUntil` (RFC 3339) and `revoked`.
//! Unknown fields are errors; every error names the field and its line and column.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use time::OffsetDateTime;
use vouch_core::PublicKey;
use vouch_core::json::{self, Value};

use crate::error::{CliError, Code};
use crate::util::{fingerprint_label, line_col, parse_time};

/// What the policy's `mode` says about writes to the attestation store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Provenance is required; invalid or missing provenance refuses the write.
    Enforce,
    /// Writes go through; problems are reported as warnings.
    Permissive,
}

impl Mode {
    /// The mode as written in the file.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Enforce => "enforce",
            Mode::Permissive => "permissive",
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct PolicyFile {
    #[serde(default)]
    mode: Option<Mode>,
    allowed_issuers: Vec<IssuerFile>,
    #[serde(default)]
    threshold: Option<usize>,
    #[serde(default)]
    payload_types: Option<Vec<String>>,
    #[serde(default)]
    predicate_types: Option<Vec<String>>,
    #[serde(default)]
    builder_ids: Option<Vec<String>>,
    #[serde(default)]
    expires: Option<String>,
    #[serde(default)]
    trusted_root: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct IssuerFile {
    key_id: String,
    #[serde(default)]
    public_key: Option<String>,
    #[serde(default)]
    certificate_identity: Option<String>,
    #[serde(default)]
    certificate_identity_regexp: Option<String>,
    #[serde(default)]
    certificate_oidc_issuer: Option<String>,
    #[serde(default)]
    certificate_oidc_issuer_regexp: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    valid_from: Option<String>,
    #[serde(default)]
    valid_until: Option<String>,
    #[serde(default)]
    revoked: bool,
}

/// One trusted issuer of a policy.
#[derive(Debug, Clone)]
pub struct Issuer {
    /// The policy's name for the key (also the keyid hint).
    pub key_id: String,
    /// The key.
    pub key: PublicKey,
    /// Free text.
    pub description: Option<String>,
    /// Not trusted before this time.
    pub valid_from: Option<OffsetDateTime>,
    /// Not trusted from this time on.
    pub valid_until: Option<OffsetDateTime>,
    /// Emergency revocation: never trusted.
    pub revoked: bool,
}

/// A keyless issuer of a policy: a Sigstore certificate identity and OIDC issuer (each exact or a
/// regexp with search semantics), with the same window and revocation as a key.
#[derive(Debug, Clone)]
pub struct KeylessIssuer {
    /// The policy's name for the issuer.
    pub key_id: String,
    /// `certificateIdentity` / `certificateIdentityRegexp`.
    pub identity: crate::keyless::Criterion,
    /// `certificateOidcIssuer` / `certificateOidcIssuerRegexp`.
    pub issuer: crate::keyless::Criterion,
    /// Free text.
    pub description: Option<String>,
    /// Signatures before this time (the bundle's verified signing time) are not trusted.
    pub valid_from: Option<OffsetDateTime>,
    /// Signatures at or after this time are not trusted.
    pub valid_until: Option<OffsetDateTime>,
    /// Emergency revocation: never trusted.
    pub revoked: bool,
}

impl KeylessIssuer {
    /// Warnings for regexps that do not start with `^` (they match anywhere in the value).
    pub fn warnings(&self, index: usize) -> Vec<String> {
        [
            ("certificateIdentityRegexp", &self.identity),
            ("certificateOidcIssuerRegexp", &self.issuer),
        ]
        .into_iter()
        .filter_map(|(field, c)| match c {
            crate::keyless::Criterion::Regexp(re) if !re.as_str().starts_with('^') => {
                Some(format!(
                    "allowedIssuers[{index}].{field} {:?} (keyId {:?}) does not start with ^: it \
                 matches anywhere in the value",
                    re.as_str(),
                    self.key_id
                ))
            }
            _ => None,
        })
        .collect()
    }

    /// The issuer's status at time `at` (the bundle's verified signing time).
    pub fn status(&self, at: OffsetDateTime) -> KeyStatus {
        if self.revoked {
            KeyStatus::Revoked
        } else if self.valid_from.is_some_and(|t| at < t) {
            KeyStatus::NotYetValid
        } else if self.valid_until.is_some_and(|t| at >= t) {
            KeyStatus::Expired
        } else {
            KeyStatus::Active
        }
    }
}

/// Whether an issuer's key counts at a given time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyStatus {
    /// Trusted now.
    Active,
    /// Revoked.
    Revoked,
    /// Before `validFrom`.
    NotYetValid,
    /// At or after `validUntil`.
    Expired,
}

impl KeyStatus {
    /// Stable name (also the error code for a signature by such a key, except `active`).
    pub fn as_str(self) -> &'static str {
        match self {
            KeyStatus::Active => "active",
            KeyStatus::Revoked => "key-revoked",
            KeyStatus::NotYetValid => "key-not-yet-valid",
            KeyStatus::Expired => "key-expired",
        }
    }
}

impl KeyStatus {
    /// The error code of a signature by a key in this state (`None` for an active key).
    pub fn code(self) -> Option<crate::error::Code> {
        use crate::error::Code;
        match self {
            KeyStatus::Active => None,
            KeyStatus::Revoked => Some(Code::KeyRevoked),
            KeyStatus::NotYetValid => Some(Code::KeyNotYetValid),
            KeyStatus::Expired => Some(Code::KeyExpired),
        }
    }
}

impl Issuer {
    /// The issuer's status at time `at`.
    pub fn status(&self, at: OffsetDateTime) -> KeyStatus {
        if self.revoked {
            KeyStatus::Revoked
        } else if self.valid_from.is_some_and(|t| at < t) {
            KeyStatus::NotYetValid
        } else if self.valid_until.is_some_and(|t| at >= t) {
            KeyStatus::Expired
        } else {
            KeyStatus::Active
        }
    }
}

/// A loaded, validated policy.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Where it was loaded from.
    pub path: PathBuf,
    /// Store write mode (default `enforce`).
    pub mode: Mode,
    /// The key issuers, in file order.
    pub issuers: Vec<Issuer>,
    /// The keyless (Sigstore) issuers, in file order.
    pub keyless_issuers: Vec<KeylessIssuer>,
    /// `trustedRoot`: the Sigstore trusted root for keyless issuers, resolved against the
    /// policy file's directory.
    pub trusted_root: Option<PathBuf>,
    /// Distinct keys required (default 1).
    pub threshold: usize,
    /// Allowed payload types (replaces the in-toto default when set).
    pub payload_types: Option<Vec<String>>,
    /// Allowed predicate types.
    pub predicate_types: Option<Vec<String>>,
    /// Allowed builder ids.
    pub builder_ids: Option<Vec<String>>,
    /// After this time every verification fails.
    pub expires: Option<OffsetDateTime>,
}

struct Locator<'a> {
    path: &'a Path,
    text: &'a [u8],
    root: Option<Value<'a>>,
}

impl Locator<'_> {
    fn err(&self, field: &str, value: Option<Value<'_>>, msg: impl std::fmt::Display) -> CliError {
        let pos = match value {
            Some(v) => {
                let (l, c) = line_col(self.text, v.offset());
                format!("{}:{l}:{c}", self.path.display())
            }
            None => self.path.display().to_string(),
        };
        CliError::new(Code::PolicyInvalid, format!("{pos}: {field}: {msg}"))
    }
    fn field(&self, name: &str) -> Option<Value<'_>> {
        self.root.and_then(|r| r.get(name))
    }
    fn issuer_field(&self, i: usize, name: &str) -> Option<Value<'_>> {
        let issuer = self.field("allowedIssuers")?.elements().nth(i)?;
        issuer.get(name).or(Some(issuer))
    }
}

fn parse_opt_time(
    loc: &Locator<'_>,
    field: &str,
    value: Option<Value<'_>>,
    text: &Option<String>,
) -> Result<Option<OffsetDateTime>, CliError> {
    text.as_deref()
        .map(|s| parse_time(s).map_err(|e| loc.err(field, value, e)))
        .transpose()
}

impl Policy {
    /// The policy with each issuer's P-256 key parsed for the host backend once
    /// ([`PublicKey::prepared`]): for processes that verify many envelopes under one policy load
    /// (the registry service, `vouch attest-verify`, `vouch store put-bulk`). Verdicts are
    /// unchanged.
    pub fn prepared(mut self) -> Policy {
        for i in &mut self.issuers {
            i.key = i.key.clone().prepared();
        }
        self
    }

    /// Loads and validates a policy file.
    pub fn load(path: &Path) -> Result<Policy, CliError> {
        let text = std::fs::read(path).map_err(|e| CliError::io(path, &e))?;
        Self::from_bytes(path, &text)
    }

    /// Validates a policy given as bytes (`path` is used in messages).
    pub fn from_bytes(path: &Path, text: &[u8]) -> Result<Policy, CliError> {
        // serde_path_to_error names the field a type error is in (`threshold`,
        // `allowedIssuers[1].revoked`), which serde_json's own error does not.
        let fail = |field: String, e: &serde_json::Error| {
            let msg = e.to_string();
            let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
            let field = if field == "." || field.is_empty() {
                String::new()
            } else {
                format!("{field}: ")
            };
            CliError::new(
                Code::PolicyInvalid,
                format!(
                    "{}:{}:{}: {field}{msg}",
                    path.display(),
                    e.line(),
                    e.column()
                ),
            )
        };
        let mut de = serde_json::Deserializer::from_slice(text);
        let file: PolicyFile = serde_path_to_error::deserialize(&mut de)
            .map_err(|pe| fail(pe.path().to_string(), pe.inner()))?;
        de.end().map_err(|e| fail(String::new(), &e))?;
        // serde_json has already checked the grammar and the struct fields; the strict parser
        // also rejects duplicate keys anywhere and gives positions for the checks below.
        let root = json::parse(text).map_err(|e| {
            CliError::new(
                Code::PolicyInvalid,
                format!("{}: {}", path.display(), e.message()),
            )
        })?;
        let loc = Locator {
            path,
            text,
            root: Some(root),
        };

        if file.allowed_issuers.is_empty() {
            return Err(loc.err(
                "allowedIssuers",
                loc.field("allowedIssuers"),
                "must not be empty",
            ));
        }
        let mut issuers: Vec<Issuer> = Vec::with_capacity(file.allowed_issuers.len());
        let mut keyless_issuers: Vec<KeylessIssuer> = Vec::new();
        for (i, f) in file.allowed_issuers.iter().enumerate() {
            let name = |n: &str| format!("allowedIssuers[{i}].{n}");
            if f.key_id.is_empty() {
                return Err(loc.err(
                    &name("keyId"),
                    loc.issuer_field(i, "keyId"),
                    "must not be empty",
                ));
            }
            if issuers.iter().any(|p| p.key_id == f.key_id)
                || keyless_issuers.iter().any(|p| p.key_id == f.key_id)
            {
                return Err(loc.err(
                    &name("keyId"),
                    loc.issuer_field(i, "keyId"),
                    "keyId used twice",
                ));
            }
            let valid_from = parse_opt_time(
                &loc,
                &name("validFrom"),
                loc.issuer_field(i, "validFrom"),
                &f.valid_from,
            )?;
            let valid_until = parse_opt_time(
                &loc,
                &name("validUntil"),
                loc.issuer_field(i, "validUntil"),
                &f.valid_until,
            )?;
            if let (Some(a), Some(b)) = (valid_from, valid_until)
                && a >= b
            {
                return Err(loc.err(
                    &name("validUntil"),
                    loc.issuer_field(i, "validUntil"),
                    "must be later than validFrom",
                ));
            }
            let keyless = f.certificate_identity.is_some()
                || f.certificate_identity_regexp.is_some()
                || f.certificate_oidc_issuer.is_some()
                || f.certificate_oidc_issuer_regexp.is_some();
            let Some(public_key) = &f.public_key else {
                if !keyless {
                    return Err(loc.err(
                        &name("publicKey"),
                        loc.issuer_field(i, "keyId"),
                        "an issuer needs publicKey, or certificateIdentity[Regexp] and \
                         certificateOidcIssuer[Regexp]",
                    ));
                }
                let criterion = |exact: &Option<String>,
                                 regexp: &Option<String>,
                                 field: &str|
                 -> Result<crate::keyless::Criterion, CliError> {
                    match (exact, regexp) {
                        (Some(_), Some(_)) => Err(loc.err(
                            &name(&format!("{field}Regexp")),
                            loc.issuer_field(i, &format!("{field}Regexp")),
                            format!("give {field} or {field}Regexp, not both"),
                        )),
                        (Some(s), None) if !s.is_empty() => {
                            Ok(crate::keyless::Criterion::Exact(s.clone()))
                        }
                        (Some(_), None) => Err(loc.err(
                            &name(field),
                            loc.issuer_field(i, field),
                            "must not be empty",
                        )),
                        (None, Some(p)) => {
                            let f = format!("{field}Regexp");
                            regex::Regex::new(p)
                                .map(crate::keyless::Criterion::Regexp)
                                .map_err(|e| {
                                    loc.err(
                                        &name(&f),
                                        loc.issuer_field(i, &f),
                                        format!("not a valid regexp (RE2 syntax): {e}"),
                                    )
                                })
                        }
                        // Both parts are required: a missing one never means "any".
                        (None, None) => Err(loc.err(
                            &name(field),
                            loc.issuer_field(i, "keyId"),
                            format!("a keyless issuer needs {field} or {field}Regexp"),
                        )),
                    }
                };
                let identity = criterion(
                    &f.certificate_identity,
                    &f.certificate_identity_regexp,
                    "certificateIdentity",
                )?;
                let issuer = criterion(
                    &f.certificate_oidc_issuer,
                    &f.certificate_oidc_issuer_regexp,
                    "certificateOidcIssuer",
                )?;
                keyless_issuers.push(KeylessIssuer {
                    key_id: f.key_id.clone(),
                    identity,
                    issuer,
                    description: f.description.clone(),
                    valid_from,
                    valid_until,
                    revoked: f.revoked,
                });
                continue;
            };
            if keyless {
                return Err(loc.err(
                    &name("publicKey"),
                    loc.issuer_field(i, "publicKey"),
                    "an issuer is a publicKey or a certificate identity, not both",
                ));
            }
            let key = PublicKey::parse(public_key.as_bytes()).map_err(|e| {
                loc.err(
                    &name("publicKey"),
                    loc.issuer_field(i, "publicKey"),
                    format!("{} ({})", e.message(), e.code()),
                )
            })?;
            if let Some(prev) = issuers
                .iter()
                .find(|p| p.key.fingerprint() == key.fingerprint())
            {
                return Err(loc.err(
                    &name("publicKey"),
                    loc.issuer_field(i, "publicKey"),
                    format!(
                        "the same key material as keyId {:?} ({})",
                        prev.key_id,
                        fingerprint_label(key.fingerprint())
                    ),
                ));
            }
            issuers.push(Issuer {
                key_id: f.key_id.clone(),
                key,
                description: f.description.clone(),
                valid_from,
                valid_until,
                revoked: f.revoked,
            });
        }
        if issuers.len() > vouch_core::MAX_TRUSTED_KEYS {
            return Err(loc.err(
                "allowedIssuers",
                loc.field("allowedIssuers"),
                format!("more than {} issuers", vouch_core::MAX_TRUSTED_KEYS),
            ));
        }
        let threshold = file.threshold.unwrap_or(1);
        // A policy of keyless issuers only keeps the threshold 1 (a bundle has one signer).
        let bound = if keyless_issuers.is_empty() {
            issuers.len()
        } else {
            issuers.len().max(1)
        };
        if threshold == 0 || threshold > bound {
            return Err(loc.err(
                "threshold",
                loc.field("threshold"),
                format!(
                    "must be between 1 and the number of issuers ({})",
                    issuers.len()
                ),
            ));
        }
        for (field, list) in [
            ("payloadTypes", &file.payload_types),
            ("predicateTypes", &file.predicate_types),
            ("builderIds", &file.builder_ids),
        ] {
            if let Some(l) = list
                && (l.is_empty() || l.iter().any(|s| s.is_empty()))
            {
                return Err(loc.err(
                    field,
                    loc.field(field),
                    "must be a non-empty list of non-empty strings",
                ));
            }
        }
        let expires = parse_opt_time(&loc, "expires", loc.field("expires"), &file.expires)?;
        let trusted_root = match &file.trusted_root {
            Some(r) if r.is_empty() => {
                return Err(loc.err("trustedRoot", loc.field("trustedRoot"), "must not be empty"));
            }
            // Relative to the policy file's directory.
            Some(r) => Some(path.parent().unwrap_or(Path::new("")).join(r)),
            None if !keyless_issuers.is_empty() => {
                return Err(loc.err(
                    "trustedRoot",
                    None,
                    "keyless issuers (certificateIdentity) need a trustedRoot (a Sigstore \
                     trusted_root.json, relative to the policy file)",
                ));
            }
            None => None,
        };
        Ok(Policy {
            path: path.to_path_buf(),
            mode: file.mode.unwrap_or(Mode::Enforce),
            issuers,
            keyless_issuers,
            trusted_root,
            threshold,
            payload_types: file.payload_types,
            predicate_types: file.predicate_types,
            builder_ids: file.builder_ids,
            expires,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PEM: &str = "-----BEGIN PUBLIC KEY-----\\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\\n-----END PUBLIC KEY-----\\n";

    fn load(s: &str) -> Result<Policy, CliError> {
        Policy::from_bytes(Path::new("p.json"), s.as_bytes())
    }

    #[test]
    fn registry_format_loads_unchanged() {
        let p = load(&format!(
            r#"{{"mode": "permissive", "allowedIssuers": [{{"keyId": "k1", "publicKey": "{PEM}", "description": "ci"}}]}}"#
        ))
        .unwrap();
        assert_eq!(p.mode, Mode::Permissive);
        assert_eq!(p.threshold, 1);
        assert_eq!(p.issuers[0].key_id, "k1");
    }

    #[test]
    fn errors_name_field_line_and_column() {
        let e = load(&format!(
            "{{\n  \"allowedIssuers\": [\n    {{\"keyId\": \"k\", \"publicKey\": \"{PEM}\", \"revokd\": true}}\n  ]\n}}"
        ))
        .unwrap_err();
        assert_eq!(e.code, crate::error::Code::PolicyInvalid);
        assert!(e.message.contains("p.json:3:"), "{}", e.message);
        assert!(e.message.contains("revokd"), "{}", e.message);

        let e =
            load("{\n \"allowedIssuers\": [\n  {\"keyId\": \"k\",\n   \"publicKey\": \"nope\"}]}")
                .unwrap_err();
        assert!(
            e.message
                .starts_with("p.json:4:17: allowedIssuers[0].publicKey"),
            "{}",
            e.message
        );

        let e = load("{\"allowedIssuers\": []}").unwrap_err();
        assert!(
            e.message
                .contains("p.json:1:20: allowedIssuers: must not be empty"),
            "{}",
            e.message
        );
    }

    #[test]
    fn duplicate_key_material_and_bad_threshold() {
        let two = format!(
            r#"{{"allowedIssuers": [{{"keyId": "a", "publicKey": "{PEM}"}}, {{"keyId": "b", "publicKey": "{PEM}"}}]}}"#
        );
        let e = load(&two).unwrap_err();
        assert!(
            e.message.contains("allowedIssuers[1].publicKey"),
            "{}",
            e.message
        );
        assert!(e.message.contains("same key material"), "{}", e.message);
        let e = load(&format!(
            r#"{{"threshold": 2, "allowedIssuers": [{{"keyId": "a", "publicKey": "{PEM}"}}]}}"#
        ))
        .unwrap_err();
        assert!(e.message.contains("threshold"), "{}", e.message);
        let e = load(&format!(
            r#"{{"expires": "tomorrow", "allowedIssuers": [{{"keyId": "a", "publicKey": "{PEM}"}}]}}"#
        ))
        .unwrap_err();
        assert!(
            e.message.contains("expires: not an RFC 3339"),
            "{}",
            e.message
        );
        let e = load(&format!(
            r#"{{"mode": "enforce", "mode": "enforce", "allowedIssuers": [{{"keyId": "a", "publicKey": "{PEM}"}}]}}"#
        ))
        .unwrap_err();
        assert!(e.message.contains("duplicate field"), "{}", e.message);
    }

    #[test]
    fn key_status_windows() {
        let p = load(&format!(
            r#"{{"allowedIssuers": [{{"keyId": "a", "publicKey": "{PEM}", "validFrom": "2025-01-01T00:00:00Z", "validUntil": "2026-01-01T00:00:00Z"}}]}}"#
        ))
        .unwrap();
        let i = &p.issuers[0];
        assert_eq!(
            i.status(parse_time("2024-12-31T23:59:59Z").unwrap()),
            KeyStatus::NotYetValid
        );
        assert_eq!(
            i.status(parse_time("2025-06-01T00:00:00Z").unwrap()),
            KeyStatus::Active
        );
        assert_eq!(
            i.status(parse_time("2026-01-01T00:00:00Z").unwrap()),
            KeyStatus::Expired
        );
    }

    #[test]
    fn keyless_issuers() {
        let p = Policy::from_bytes(
            Path::new("dir/p.json"),
            br#"{"trustedRoot": "root.json", "allowedIssuers": [
  {"keyId": "release", "certificateIdentityRegexp": "^https://github\\.com/org/", "certificateOidcIssuer": "https://token.actions.githubusercontent.com", "validUntil": "2030-01-01T00:00:00Z"}]}"#,
        )
        .unwrap();
        assert!(p.issuers.is_empty());
        assert_eq!(p.trusted_root.as_deref(), Some(Path::new("dir/root.json")));
        let k = &p.keyless_issuers[0];
        assert_eq!(k.key_id, "release");
        assert!(k.identity.matches("https://github.com/org/x"));
        assert!(!k.identity.matches("https://github.com/other/x"));
        assert!(
            k.issuer
                .matches("https://token.actions.githubusercontent.com")
        );
        assert!(
            !k.issuer
                .matches("https://token.actions.githubusercontent.com/")
        );
        assert_eq!(
            k.status(parse_time("2030-01-01T00:00:00Z").unwrap()),
            KeyStatus::Expired
        );

        // Errors: file:line:column and the field.
        let cases = [
            // An identity without an issuer: never "any".
            (
                "{\"trustedRoot\": \"r\", \"allowedIssuers\": [\n  {\"keyId\": \"a\", \"certificateIdentity\": \"x\"}]}",
                "p.json:2:13: allowedIssuers[0].certificateOidcIssuer: a keyless issuer needs",
            ),
            (
                "{\"trustedRoot\": \"r\", \"allowedIssuers\": [\n  {\"keyId\": \"a\", \"certificateOidcIssuer\": \"x\"}]}",
                "p.json:2:13: allowedIssuers[0].certificateIdentity: a keyless issuer needs",
            ),
            (
                "{\"trustedRoot\": \"r\", \"allowedIssuers\": [\n  {\"keyId\": \"a\", \"certificateIdentity\": \"x\", \"certificateIdentityRegexp\": \"y\", \"certificateOidcIssuer\": \"z\"}]}",
                "p.json:2:75: allowedIssuers[0].certificateIdentityRegexp: give certificateIdentity or",
            ),
            (
                "{\"trustedRoot\": \"r\", \"allowedIssuers\": [\n  {\"keyId\": \"a\", \"certificateIdentity\": \"x\",\n   \"certificateOidcIssuerRegexp\": \"(\"}]}",
                "p.json:3:35: allowedIssuers[0].certificateOidcIssuerRegexp: not a valid regexp",
            ),
            (
                "{\"allowedIssuers\": [{\"keyId\": \"a\", \"certificateIdentity\": \"x\", \"certificateOidcIssuer\": \"y\"}]}",
                "p.json: trustedRoot: keyless issuers",
            ),
            (
                "{\"trustedRoot\": \"\", \"allowedIssuers\": [{\"keyId\": \"a\", \"certificateIdentity\": \"x\", \"certificateOidcIssuer\": \"y\"}]}",
                "p.json:1:17: trustedRoot: must not be empty",
            ),
            (
                "{\"trustedRoot\": \"r\", \"allowedIssuers\": [{\"keyId\": \"a\"}]}",
                "p.json:1:51: allowedIssuers[0].publicKey: an issuer needs publicKey",
            ),
        ];
        for (text, want) in cases {
            let e = load(text).unwrap_err();
            assert_eq!(e.code, crate::error::Code::PolicyInvalid);
            assert!(e.message.starts_with(want), "{want}\n{}", e.message);
        }
        // A key and an identity in one issuer.
        let e = load(&format!(
            r#"{{"trustedRoot": "r", "allowedIssuers": [{{"keyId": "a", "publicKey": "{PEM}", "certificateIdentity": "x", "certificateOidcIssuer": "y"}}]}}"#
        ))
        .unwrap_err();
        assert!(e.message.contains("not both"), "{}", e.message);
        // keyIds are unique across both kinds.
        let e = load(&format!(
            r#"{{"trustedRoot": "r", "allowedIssuers": [{{"keyId": "a", "publicKey": "{PEM}"}}, {{"keyId": "a", "certificateIdentity": "x", "certificateOidcIssuer": "y"}}]}}"#
        ))
        .unwrap_err();
        assert!(e.message.contains("keyId used twice"), "{}", e.message);
    }
}
