//! `vouch verify --bundle`: Sigstore bundles against a trusted root, an identity and an issuer
//! (or a managed key), and an artifact — offline (`vouch_cli::keyless`).

use std::io::Write;

use serde_json::json;
use vouch_cli::error::{CliError, Code, EXIT_OK};
use vouch_cli::keyless::{
    self, BundleReport, Criterion, FileKind, ManagedKey, Request, TrustedRootFile,
};
use vouch_cli::policy::Policy;
use vouch_cli::util::{hash_file, read_envelope};
use vouch_cli::{keys, verify};

use crate::cli::{Format, VerifyArgs};
use crate::out;

/// Flags of envelope verification that mean nothing for a bundle.
fn refuse_envelope_flags(a: &VerifyArgs) -> Result<(), CliError> {
    let given = [
        ("--threshold", a.threshold.is_some()),
        ("--payload-type", !a.payload_types.is_empty()),
        ("--envelope-only", a.envelope_only),
        // Keyless times are the bundle's verified ones (log and timestamp authority), never a
        // clock: --at has nothing to set.
        ("--at", a.at.is_some()),
    ];
    match given.iter().find(|(_, g)| *g) {
        Some((flag, _)) => Err(CliError::new(
            Code::Usage,
            format!("{flag} does not apply to --bundle"),
        )),
        None => Ok(()),
    }
}

/// The criterion of an exact flag or a regexp flag (clap refuses both at once).
fn criterion(
    exact: &Option<String>,
    regexp: &Option<String>,
    regexp_flag: &str,
    warnings: &mut Vec<String>,
) -> Result<Option<Criterion>, CliError> {
    Ok(match (exact, regexp) {
        (Some(s), _) => Some(Criterion::Exact(s.clone())),
        (None, Some(p)) => {
            let (c, w) = Criterion::regexp(regexp_flag, p)?;
            warnings.extend(w);
            Some(c)
        }
        (None, None) => None,
    })
}

/// The artifact of `--artifact` / `--artifact-digest` (exactly one).
fn artifact(a: &VerifyArgs) -> Result<verify::Artifact, CliError> {
    if a.artifacts.len() > 1 {
        return Err(CliError::new(Code::Usage, "--bundle takes one --artifact"));
    }
    Ok(match (a.artifacts.first(), &a.artifact_digest) {
        (Some(p), _) => verify::Artifact {
            name: p.display().to_string(),
            digest: hash_file(p)?,
        },
        (None, Some(d)) => verify::Artifact {
            name: d.clone(),
            digest: keyless::parse_artifact_digest(d)?,
        },
        (None, None) => {
            return Err(CliError::new(
                Code::Usage,
                "--bundle needs the artifact: --artifact FILE or --artifact-digest sha256:HEX|sha512:HEX",
            ));
        }
    })
}

/// `--bundle --policy`: the issuers and the trusted root come from the policy file.
fn setup_policy(a: &VerifyArgs, path: &std::path::Path) -> Result<Setup, CliError> {
    refuse_envelope_flags(a)?;
    let given = [
        ("--certificate-identity", a.certificate_identity.is_some()),
        (
            "--certificate-identity-regexp",
            a.certificate_identity_regexp.is_some(),
        ),
        (
            "--certificate-oidc-issuer",
            a.certificate_oidc_issuer.is_some(),
        ),
        (
            "--certificate-oidc-issuer-regexp",
            a.certificate_oidc_issuer_regexp.is_some(),
        ),
        ("--trusted-root", a.trusted_root.is_some()),
        ("--key", !a.keys.is_empty()),
    ];
    if let Some((flag, _)) = given.iter().find(|(_, g)| *g) {
        return Err(CliError::new(
            Code::Usage,
            format!("{flag} with --policy: the issuers and the trusted root come from the policy"),
        ));
    }
    let policy = Policy::load(path)?;
    for w in policy
        .keyless_issuers
        .iter()
        .enumerate()
        .flat_map(|(i, k)| k.warnings(i))
    {
        eprintln!("vouch: warning: {}: {w}", path.display());
    }
    let req = Request {
        identity: None,
        issuer: None,
        key: None,
        artifact: artifact(a)?,
        predicate_type: a.predicate_type.clone(),
        builder_id: a.builder_id.clone(),
    };
    let root = keyless::policy_trusted_root(&policy)?;
    Ok((root, req, Some(policy)))
}

/// What a run needs: the trusted root, the request, and the policy when one is given.
type Setup = (TrustedRootFile, Request, Option<Policy>);

/// Everything checked before a bundle is read: flags, criteria, key, artifact, trusted root.
fn setup(a: &VerifyArgs) -> Result<Setup, CliError> {
    if let Some(p) = &a.policy {
        return setup_policy(a, p);
    }
    refuse_envelope_flags(a)?;
    let mut warnings = Vec::new();
    let identity = criterion(
        &a.certificate_identity,
        &a.certificate_identity_regexp,
        "--certificate-identity-regexp",
        &mut warnings,
    )?;
    let issuer = criterion(
        &a.certificate_oidc_issuer,
        &a.certificate_oidc_issuer_regexp,
        "--certificate-oidc-issuer-regexp",
        &mut warnings,
    )?;
    for w in &warnings {
        eprintln!("vouch: warning: {w}");
    }
    if a.keys.len() > 1 {
        return Err(CliError::new(
            Code::Usage,
            "--bundle takes at most one --key",
        ));
    }
    let key = match a.keys.first() {
        Some(p) => Some(ManagedKey::new(&keys::load_public(p)?)?),
        None => None,
    };
    // The criteria first: a usage error is reported before any file is read.
    let probe = Request {
        identity,
        issuer,
        key,
        artifact: verify::Artifact {
            name: String::new(),
            digest: Default::default(),
        },
        predicate_type: a.predicate_type.clone(),
        builder_id: a.builder_id.clone(),
    };
    probe.check()?;
    let Some(root_path) = &a.trusted_root else {
        return Err(CliError::new(
            Code::Usage,
            "--bundle needs --trusted-root FILE (a Sigstore trusted_root.json; vouch never fetches one)",
        ));
    };
    let artifact = artifact(a)?;
    let root = keyless::load_trusted_root(root_path)?;
    Ok((root, Request { artifact, ..probe }, None))
}

/// Runs `vouch verify --bundle`; returns the exit status (the worst of the bundles').
pub fn run(a: VerifyArgs, format: Format) -> u8 {
    let Some(path) = a.bundle.clone() else {
        return EXIT_OK;
    };
    let name = path.display().to_string();
    let (root_file, req, policy) = match setup(&a) {
        Ok(s) => s,
        Err(e) => return failed(&name, &e, format),
    };
    let bytes = match read_envelope(&path, keyless::MAX_BUNDLE_FILE) {
        Ok(b) => b,
        Err(e) => return failed(&name, &e, format),
    };
    let roots = match root_file.parse_all() {
        Ok(r) => r,
        Err(e) => return failed(&name, &e, format),
    };
    let (kind, items) = keyless::split_bundles(&name, bytes);
    let reports: Vec<BundleReport> = items
        .iter()
        .map(|i| {
            keyless::verify_item_roots(&i.label, &roots, |root| match &policy {
                Some(p) => keyless::verify_item_with_policy(
                    i,
                    root,
                    &req,
                    p,
                    time::OffsetDateTime::now_utc(),
                ),
                None => keyless::verify_item(i, root, &req),
            })
        })
        .collect();
    let several_roots = roots.len() > 1;
    let exit = if reports.is_empty() {
        vouch_cli::error::EXIT_NOT_VERIFIED
    } else {
        reports
            .iter()
            .map(BundleReport::exit)
            .max()
            .unwrap_or(EXIT_OK)
    };
    let all = exit == EXIT_OK;
    match format {
        Format::Json => {
            let doc = if kind == FileKind::Single {
                reports
                    .first()
                    .map(BundleReport::to_json)
                    .unwrap_or_default()
            } else {
                let list: Vec<_> = reports.iter().map(BundleReport::to_json).collect();
                let error = if reports.is_empty() {
                    json!({"code": Code::Core(vouch_core::Error::BundleMalformed), "message": "no bundle in the file"})
                } else {
                    serde_json::Value::Null
                };
                json!({"ok": all, "verified": all, "bundle": name, "bundles": list, "error": error})
            };
            out::json(&doc);
        }
        Format::Human => {
            let mut o = std::io::stdout().lock();
            if reports.is_empty() {
                eprintln!("NOT verified: bundle-malformed: no bundle in the file [{name}]");
            }
            for r in &reports {
                match &r.error {
                    None => {
                        let mut line = r.human_line();
                        if several_roots && let Some(t) = &r.trusted_root {
                            line.push_str(&format!(
                                ", against trusted root {} (line {}) of {}",
                                t.index,
                                t.line,
                                root_file.path.display()
                            ));
                        }
                        let _ = writeln!(o, "{line}");
                    }
                    Some(e) => {
                        let _ = o.flush();
                        eprintln!(
                            "NOT verified: {}: {} [{}]",
                            e.code,
                            vouch_cli::gate::show_text(&e.message),
                            r.bundle
                        );
                    }
                }
            }
        }
    }
    exit
}

/// An error before any bundle was judged (usage, unreadable file, malformed trusted root): one
/// report in the bundle report's shape (JSON), or the error line.
fn failed(bundle: &str, e: &CliError, format: Format) -> u8 {
    match format {
        Format::Json => out::json(&BundleReport::from_error(bundle, e).to_json()),
        Format::Human => out::error(e, format),
    }
    e.exit()
}
