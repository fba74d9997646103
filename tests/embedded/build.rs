//! Puts `memory.x` where cortex-m-rt's `link.x` finds it.
use std::{env, fs, path::PathBuf};

fn main() {
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("OUT_DIR"));
    fs::write(out.join("memory.x"), include_bytes!("memory.x")).expect("write memory.x");
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rerun-if-changed=memory.x");
    println!("cargo:rerun-if-changed=build.rs");
    // The configuration name printed by the image: its enabled features.
    let mut config = Vec::new();
    for f in [
        "ed25519",
        "p256",
        "statement",
        "opt-size",
        "key-formats",
        "keyless",
    ] {
        let var = format!("CARGO_FEATURE_{}", f.to_uppercase().replace('-', "_"));
        if env::var_os(var).is_some() {
            config.push(f);
        }
    }
    println!("cargo:rustc-env=VOUCH_EMBEDDED_CONFIG={}", config.join(","));
}
