//! Replays the fuzz corpus on stable: every committed seed (`fuzz/seeds/<target>/`) and every
//! crash turned regression (`fuzz/regressions/<target>/`) goes through the same checks the
//! cargo-fuzz targets run (`fuzz/src/checks.rs`, included below), so a fixed bug stays fixed
//! even where cargo-fuzz cannot run. `json_differential` replays its vouch-only half here (the
//! serde_json comparison needs the fuzz crate's dependencies).

#[allow(dead_code)]
#[path = "../../fuzz/src/checks.rs"]
mod checks;

use core::panic::AssertUnwindSafe;
use std::fs;
use std::panic;
use std::path::{Path, PathBuf};

fn inputs(target: &str) -> Vec<PathBuf> {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    let mut files = Vec::new();
    for kind in ["seeds", "regressions"] {
        let Ok(dir) = fs::read_dir(fuzz.join(kind).join(target)) else {
            continue;
        };
        for entry in dir {
            let path = entry.expect("readable directory").path();
            let hidden = path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'));
            if path.is_file() && !hidden {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// Runs `check` on every input of `target`; fails naming every input that panicked.
fn replay(target: &str, check: fn(&[u8])) {
    let files = inputs(target);
    assert!(
        files.iter().any(|f| f.to_string_lossy().contains("seeds")),
        "no seed corpus for {target}"
    );
    let mut failed = Vec::new();
    for f in &files {
        let data = fs::read(f).expect("readable input");
        if panic::catch_unwind(AssertUnwindSafe(|| check(&data))).is_err() {
            failed.push(f.display().to_string());
        }
    }
    assert!(failed.is_empty(), "{target}: failing inputs {failed:#?}");
}

#[test]
fn replay_envelope_parse() {
    replay("envelope_parse", checks::check_envelope);
}

#[test]
fn replay_base64_decode() {
    replay("base64_decode", checks::check_base64);
}

#[test]
fn replay_pae() {
    replay("pae", checks::check_pae);
}

#[test]
fn replay_statement_parse() {
    replay("statement_parse", checks::check_statement);
}

#[test]
fn replay_verify_envelope() {
    replay("verify_envelope", checks::check_verify);
}

#[test]
fn replay_json_differential() {
    replay("json_differential", |d| {
        checks::check_json_self(d);
    });
}

#[cfg(feature = "keyless")]
#[test]
fn replay_backend_differential() {
    replay("backend_differential", |d| {
        checks::check_backend(d);
    });
}

#[test]
fn replay_key_parse() {
    replay("key_parse", checks::check_key);
}

/// The checks catch what they claim to: a wrong model answer is a failure, not a pass.
#[test]
fn checks_are_not_vacuous() {
    assert_eq!(checks::ref_base64(b"Zm9v"), Some(b"foo".to_vec()));
    assert_eq!(checks::ref_base64(b"Zh=="), None);
    assert_eq!(checks::ref_base64(b"+_"), None);
    assert_eq!(
        checks::ref_pae(b"http://example.com/HelloWorld", b"hello world"),
        b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
    );
    assert_eq!(
        checks::ref_unescape(br"a\u00e9\/\ud83d\ude00"),
        "aé/😀".as_bytes()
    );
    assert!(checks::check_json_self(b"{\"a\":[1,\"x\"]}"));
    assert!(!checks::check_json_self(b"{\"a\":1,\"a\":2}"));
}

#[test]
fn replay_x509_parse() {
    replay("x509_parse", checks::check_certificate);
}

#[test]
fn replay_trusted_root_parse() {
    replay("trusted_root_parse", checks::check_trusted_root);
}

#[test]
fn replay_bundle_parse() {
    replay("bundle_parse", checks::check_bundle_parse);
}

#[test]
fn replay_checkpoint_parse() {
    replay("checkpoint_parse", checks::check_checkpoint_parse);
}

#[test]
fn replay_bundle_verify() {
    replay("bundle_verify", checks::check_bundle_verify);
}

#[test]
fn replay_timestamp_verify() {
    replay("timestamp_verify", checks::check_timestamp);
}
