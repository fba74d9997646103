//! `vouch keygen`: a key pair, PREFIX.key (PKCS#8 PEM, mode 0600) and PREFIX.pub (SPKI PEM).

use std::path::{Path, PathBuf};

use serde_json::json;
use vouch_cli::error::{CliError, Code, EXIT_OK};
use vouch_cli::util::fingerprint_label;
use vouch_cli::{keys, report};

use crate::cli::{Format, KeygenArgs};
use crate::out;

/// Runs the subcommand; returns the exit status.
pub fn run(a: KeygenArgs, format: Format) -> u8 {
    out::finish(keygen(a, format).map(|()| EXIT_OK), format)
}

fn keygen(a: KeygenArgs, format: Format) -> Result<(), CliError> {
    let (private_pem, public) = keys::generate(a.algorithm.into())?;
    let key_path = with_suffix(&a.out, "key");
    let pub_path = with_suffix(&a.out, "pub");
    if !a.force {
        for p in [&key_path, &pub_path] {
            if p.exists() {
                return Err(CliError::new(
                    Code::IoError,
                    format!("{} exists (use --force)", p.display()),
                ));
            }
        }
    }
    keys::write_new(&key_path, private_pem.as_bytes(), 0o600, a.force)?;
    keys::write_new(
        &pub_path,
        keys::public_pem(&public).as_bytes(),
        0o644,
        a.force,
    )?;
    let fp = fingerprint_label(public.fingerprint());
    match format {
        Format::Json => out::json(&report::success(json!({
            "algorithm": public.algorithm().name(), "fingerprint": fp,
            "privateKey": key_path, "publicKey": pub_path,
        }))),
        Format::Human => {
            outln!("fingerprint {fp}");
            eprintln!(
                "wrote {} and {} ({})",
                key_path.display(),
                pub_path.display(),
                public.algorithm().name()
            );
        }
    }
    Ok(())
}

fn with_suffix(prefix: &Path, ext: &str) -> PathBuf {
    let mut s = prefix.as_os_str().to_owned();
    s.push(".");
    s.push(ext);
    PathBuf::from(s)
}
