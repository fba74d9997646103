//! `vouch statement`: in-toto Statements for files.

use serde_json::{Map, Value as Json, json};

use crate::error::{CliError, Code};
use crate::util::hex;

/// A `--material URI[@ALG:HEX]` argument.
#[derive(Clone, Debug)]
pub struct Material {
    /// The material's URI.
    pub uri: String,
    /// Its digest, if given.
    pub digest: Option<(String, String)>,
}

/// Parses `URI[@ALG:HEX]`.
pub fn parse_material(s: &str) -> Result<Material, String> {
    if let Some((uri, d)) = s.rsplit_once('@')
        && let Some((alg, hexv)) = d.split_once(':')
    {
        let ok_alg = !alg.is_empty()
            && alg
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        let ok_hex = !hexv.is_empty()
            && hexv
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if ok_alg && ok_hex && !uri.is_empty() {
            return Ok(Material {
                uri: uri.into(),
                digest: Some((alg.into(), hexv.into())),
            });
        }
        return Err(format!("{s:?}: expected URI@ALG:HEX with lowercase hex"));
    }
    if s.is_empty() {
        return Err("empty material".into());
    }
    Ok(Material {
        uri: s.into(),
        digest: None,
    })
}

/// Output format of `vouch statement`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatementFormat {
    /// in-toto Statement v1 with a SLSA provenance predicate.
    Slsa,
    /// The minimal registry provenance format (Statement v0.1, top-level builder/materials/metadata).
    Registry,
}

/// Inputs of `vouch statement`.
pub struct StatementArgs<'a> {
    /// `(name, sha256, sha512)` per subject file.
    pub subjects: Vec<(String, [u8; 32], Option<[u8; 64]>)>,
    /// Builder id.
    pub builder_id: &'a str,
    /// Predicate type.
    pub predicate_type: &'a str,
    /// Source commit.
    pub commit: Option<&'a str>,
    /// Materials.
    pub materials: Vec<Material>,
    /// Format.
    pub format: StatementFormat,
    /// Registry build type.
    pub build_type: &'a str,
    /// Timestamp (RFC 3339).
    pub timestamp: String,
}

fn material_json(m: &Material) -> Json {
    let mut o = Map::new();
    o.insert("uri".into(), Json::String(m.uri.clone()));
    if let Some((alg, h)) = &m.digest {
        o.insert("digest".into(), json!({ alg.clone(): h }));
    }
    Json::Object(o)
}

/// Builds the Statement JSON.
pub fn build(a: &StatementArgs<'_>) -> Result<Json, CliError> {
    let subjects: Vec<Json> = a
        .subjects
        .iter()
        .map(|(name, s256, s512)| {
            let mut d = Map::new();
            d.insert("sha256".into(), Json::String(hex(s256)));
            if let Some(s) = s512 {
                d.insert("sha512".into(), Json::String(hex(s)));
            }
            json!({"name": name, "digest": d})
        })
        .collect();
    let materials: Vec<Json> = a.materials.iter().map(material_json).collect();
    Ok(match a.format {
        StatementFormat::Registry => {
            let commit = a.commit.ok_or_else(|| {
                CliError::new(
                    Code::Usage,
                    "--statement-format registry needs --commit (metadata.commit is required)",
                )
            })?;
            json!({
                "_type": vouch_core::statement::STATEMENT_V01,
                "subject": subjects,
                "buildType": a.build_type,
                "builder": {"id": a.builder_id},
                "materials": materials,
                "metadata": {"commit": commit, "timestamp": a.timestamp, "buildTool": format!("vouch {}", env!("CARGO_PKG_VERSION"))},
            })
        }
        StatementFormat::Slsa
            if a.predicate_type == vouch_core::statement::SLSA_PROVENANCE_V02
                || a.predicate_type == vouch_core::statement::SLSA_PROVENANCE_V01 =>
        {
            let mut pred = json!({
                "builder": {"id": a.builder_id},
                "buildType": a.build_type,
                "materials": materials,
                "metadata": {"buildFinishedOn": a.timestamp},
            });
            if let Some(c) = a.commit {
                pred["invocation"] = json!({"configSource": {"digest": {"sha1": c}}});
            }
            json!({"_type": vouch_core::statement::STATEMENT_V1, "subject": subjects, "predicateType": a.predicate_type, "predicate": pred})
        }
        StatementFormat::Slsa => {
            let mut ext = Map::new();
            if let Some(c) = a.commit {
                ext.insert("commit".into(), Json::String(c.into()));
            }
            json!({
                "_type": vouch_core::statement::STATEMENT_V1,
                "subject": subjects,
                "predicateType": a.predicate_type,
                "predicate": {
                    "buildDefinition": {
                        "buildType": a.build_type,
                        "externalParameters": ext,
                        "resolvedDependencies": materials,
                    },
                    "runDetails": {
                        "builder": {"id": a.builder_id},
                        "metadata": {"finishedOn": a.timestamp},
                    },
                },
            })
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn materials_parse() {
        let m = parse_material("git+https://x/y@sha1:abc123").unwrap();
        assert_eq!(m.uri, "git+https://x/y");
        assert_eq!(m.digest, Some(("sha1".into(), "abc123".into())));
        assert!(parse_material("pkg:npm/a@1.0.0").unwrap().digest.is_none());
        assert!(parse_material("x@sha256:ABC").is_err());
        assert!(parse_material("").is_err());
    }
}
