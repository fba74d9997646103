//! `include/vouch.h` must be exactly what cbindgen generates from the crate.
//!
//! Regenerate after changing the ABI: `VOUCH_BLESS=1 cargo test -p vouch-ffi --test header`.

use std::path::Path;

#[test]
fn committed_header_is_fresh() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).expect("config");
    let bindings = cbindgen::Builder::new()
        .with_crate(crate_dir)
        .with_config(config)
        .generate()
        .expect("cbindgen generates the header");
    let mut generated = Vec::new();
    bindings.write(&mut generated);
    let path = crate_dir.join("../include/vouch.h");
    if std::env::var_os("VOUCH_BLESS").is_some() {
        std::fs::write(&path, &generated).expect("write header");
        return;
    }
    let committed = std::fs::read(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "include/vouch.h is stale: run `VOUCH_BLESS=1 cargo test -p vouch-ffi --test header` and commit it"
    );
}
