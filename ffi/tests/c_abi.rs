//! Drives the C consumers of the ABI: writes freshly signed fixtures (vouch-core's testkit, real
//! signatures), compiles `tests/c/test_vouch.c` with `gcc -std=c99 -Wall -Wextra -Werror
//! -pedantic` against the static library just built, runs it under AddressSanitizer +
//! UndefinedBehaviorSanitizer and (when valgrind is installed) under valgrind, and compiles the
//! header as C++17.
//!
//! `tests/c/test_keyless.c` (the keyless functions) runs the same way against real Sigstore bundles
//! and trusted roots from `tests/vectors/sigstore` and synthetic managed-key bundles signed by
//! vouch-core's test Rekor log.
//!
//! Set `VOUCH_REQUIRE_VALGRIND=1` to fail instead of skipping when valgrind is missing (CI does).

use std::path::{Path, PathBuf};
use std::process::Command;

use vouch_core::testkit::{
    B64, EnvelopeBuilder, ed25519_key, ed25519_sig, p256_key, p256_sig_der, p256_sig_raw,
    statement_for,
};
use vouch_core::{IN_TOTO_PAYLOAD_TYPE, PublicKey};

/// The artifact the fixture statements describe.
pub const ARTIFACT_LEN: usize = 10_000;

fn artifact() -> Vec<u8> {
    (0..ARTIFACT_LEN).map(|i| (i * 7 % 251) as u8).collect()
}

fn spki(raw: &[u8]) -> Vec<u8> {
    let key = PublicKey::parse(raw).expect("test key parses");
    let mut der = [0u8; 128];
    let n = key.spki_der(&mut der).expect("spki");
    der[..n].to_vec()
}

fn pem(der: &[u8]) -> String {
    pem_rfc7468::encode_string("PUBLIC KEY", pem_rfc7468::LineEnding::LF, der).expect("pem")
}

/// Writes every fixture the C test reads.
fn write_fixtures(dir: &Path) {
    std::fs::create_dir_all(dir).expect("fixture dir");
    let w = |name: &str, bytes: &[u8]| std::fs::write(dir.join(name), bytes).expect("write");
    let art = artifact();
    let stmt = statement_for(&art);
    let t = IN_TOTO_PAYLOAD_TYPE;
    w("artifact.bin", &art);

    let ed = ed25519_key(1);
    let ed2 = ed25519_key(2);
    let p = p256_key(1);
    let ed_raw = ed.pk.as_ref().to_vec();
    let ed_der = spki(&ed_raw);
    w("ed.raw", &ed_raw);
    w("ed.der", &ed_der);
    w("ed.pem", pem(&ed_der).as_bytes());
    w("ed2.raw", ed2.pk.as_ref());
    let p_sec1 = p.verifying_key().to_sec1_point(false).as_bytes().to_vec();
    let p_sec1c = p.verifying_key().to_sec1_point(true).as_bytes().to_vec();
    let p_der = spki(&p_sec1);
    w("p256.sec1", &p_sec1);
    w("p256c.sec1", &p_sec1c);
    w("p256.der", &p_der);
    w("p256.pem", pem(&p_der).as_bytes());

    let env = |sigs: Vec<(Vec<u8>, B64)>, ty: &str, payload: &[u8]| {
        let mut b = EnvelopeBuilder::new(ty, payload);
        for (s, f) in sigs {
            b = b.sig(None, s, f);
        }
        b.to_json()
    };
    let s = stmt.as_bytes();
    w(
        "ok_ed.json",
        env(vec![(ed25519_sig(&ed, t, s), B64::Std)], t, s).as_bytes(),
    );
    w(
        "ok_p256_der.json",
        env(vec![(p256_sig_der(&p, t, s), B64::UrlUnpadded)], t, s).as_bytes(),
    );
    w(
        "ok_p256_raw.json",
        env(vec![(p256_sig_raw(&p, t, s), B64::Url)], t, s).as_bytes(),
    );
    w(
        "two_sigs.json",
        env(
            vec![
                (ed25519_sig(&ed, t, s), B64::Std),
                (p256_sig_der(&p, t, s), B64::Std),
            ],
            t,
            s,
        )
        .as_bytes(),
    );
    w(
        "dup_sig.json",
        env(
            vec![
                (ed25519_sig(&ed, t, s), B64::Std),
                (ed25519_sig(&ed, t, s), B64::StdUnpadded),
            ],
            t,
            s,
        )
        .as_bytes(),
    );
    // Correctly signed, but by `ed2`, a key no test verifier trusts.
    w(
        "untrusted_ed2.json",
        env(vec![(ed25519_sig(&ed2, t, s), B64::Std)], t, s).as_bytes(),
    );
    // Signed over a different payload: the signature does not cover this one.
    w(
        "bad_sig.json",
        env(vec![(ed25519_sig(&ed, t, b"other"), B64::Std)], t, s).as_bytes(),
    );
    w(
        "wrong_type.json",
        env(
            vec![(ed25519_sig(&ed, "text/plain", s), B64::Std)],
            "text/plain",
            s,
        )
        .as_bytes(),
    );
    // Correctly signed, but the payload is not an in-toto Statement.
    w(
        "not_statement.json",
        env(vec![(ed25519_sig(&ed, t, b"hello"), B64::Std)], t, b"hello").as_bytes(),
    );
}

/// vouch-core's test Rekor logs and managed-key bundle builder (real P-256 signatures, SETs,
/// inclusion proofs and checkpoints).
#[cfg(feature = "keyless")]
#[allow(dead_code)]
#[path = "../../core/tests/support/rekor.rs"]
mod rekor;

/// The real Sigstore cases the keyless C test verifies: (fixture name, case directory).
#[cfg(feature = "keyless")]
const KEYLESS_CASES: &[(&str, &str)] = &[
    ("msg_v03", "py--bundle-v03-staging"),
    ("dsse_npm", "go--sigstorejs-2.0.0-provenance-exact"),
    ("dsse_rekor_v2", "py--dsse-staging-rekor-v2"),
    ("othername", "go--othername-san"),
];

/// Writes the fixtures of `test_keyless.c`: each real case's bundle and trusted root (copied
/// byte for byte), and two synthetic managed-key bundles (message signature and DSSE) with their
/// trusted root, signer key (SPKI DER) and artifact.
#[cfg(feature = "keyless")]
fn write_keyless_fixtures(dir: &Path) {
    std::fs::create_dir_all(dir).expect("fixture dir");
    let w = |name: &str, bytes: &[u8]| std::fs::write(dir.join(name), bytes).expect("write");
    let vectors = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors/sigstore");
    for (name, case) in KEYLESS_CASES {
        let case_dir = vectors.join("cases").join(case);
        let meta: serde_json::Value =
            serde_json::from_slice(&std::fs::read(case_dir.join("case.json")).expect("case.json"))
                .expect("case.json parses");
        let root = meta["trusted_root_source"].as_str().expect("root source");
        w(
            &format!("{name}.json"),
            &std::fs::read(case_dir.join("bundle.sigstore.json")).expect("bundle"),
        );
        w(
            &format!("{name}.root.json"),
            &std::fs::read(vectors.join(root)).expect("trusted root"),
        );
    }
    for (name, mb) in [
        ("managed_msg", rekor::ManagedBundle::message()),
        (
            "managed_dsse",
            rekor::ManagedBundle::dsse("https://slsa.dev/provenance/v1"),
        ),
    ] {
        w(&format!("{name}.json"), &mb.json());
        w(&format!("{name}.root.json"), &mb.root);
        w(&format!("{name}.spki"), &mb.signer_spki);
        w(&format!("{name}.artifact"), &mb.artifact);
    }
}

fn run(cmd: &mut Command) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\n--- stdout\n{}\n--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

struct Paths {
    lib: PathBuf,
    include: PathBuf,
    src: PathBuf,
    work: PathBuf,
}

fn paths(name: &str) -> Paths {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let exe = std::env::current_exe().expect("test exe");
    let deps = exe.parent().expect("deps dir");
    let lib = deps.join("libvouch.a");
    assert!(lib.exists(), "{} not built", lib.display());
    let work = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::create_dir_all(&work).expect("work dir");
    Paths {
        lib,
        include: crate_dir.join("../include"),
        src: crate_dir.join("tests/c"),
        work,
    }
}

const C_FLAGS: &[&str] = &["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-g"];
const SANITIZE: &[&str] = &[
    "-fsanitize=address,undefined",
    "-fno-sanitize-recover=all",
    "-fno-omit-frame-pointer",
];
const LINK_LIBS: &[&str] = &["-lpthread", "-ldl", "-lm"];

fn compile_c(p: &Paths, source: &str, out: &Path, extra: &[&str]) {
    run(Command::new("gcc")
        .args(C_FLAGS)
        .args(extra)
        .arg("-I")
        .arg(&p.include)
        .arg(p.src.join(source))
        .arg(&p.lib)
        .args(LINK_LIBS)
        .arg("-o")
        .arg(out));
}

#[test]
fn c_tests_under_asan_and_ubsan() {
    let p = paths("c-asan");
    let fixtures = p.work.join("fixtures");
    write_fixtures(&fixtures);
    let bin = p.work.join("test_vouch_asan");
    compile_c(&p, "test_vouch.c", &bin, SANITIZE);
    run_asan(&bin, &fixtures);
}

fn run_asan(bin: &Path, fixtures: &Path) {
    run(Command::new(bin)
        .arg(fixtures)
        .env("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=1")
        .env("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1"));
}

fn run_valgrind(bin: &Path, fixtures: &Path) {
    run(Command::new("valgrind")
        .args([
            "--error-exitcode=99",
            "--leak-check=full",
            "--errors-for-leak-kinds=definite",
            "--quiet",
        ])
        .arg(bin)
        .arg(fixtures));
}

fn valgrind_or_skip() -> bool {
    if have("valgrind") {
        return true;
    }
    assert!(
        std::env::var_os("VOUCH_REQUIRE_VALGRIND").is_none(),
        "valgrind is required (VOUCH_REQUIRE_VALGRIND is set) but not installed"
    );
    eprintln!("valgrind not installed: skipping (CI installs it)");
    false
}

#[cfg(feature = "keyless")]
#[test]
fn keyless_c_tests_under_asan_and_ubsan() {
    let p = paths("keyless-asan");
    let fixtures = p.work.join("fixtures");
    write_keyless_fixtures(&fixtures);
    let bin = p.work.join("test_keyless_asan");
    compile_c(&p, "test_keyless.c", &bin, SANITIZE);
    run_asan(&bin, &fixtures);
}

#[cfg(feature = "keyless")]
#[test]
fn keyless_c_tests_under_valgrind() {
    if !valgrind_or_skip() {
        return;
    }
    let p = paths("keyless-valgrind");
    let fixtures = p.work.join("fixtures");
    write_keyless_fixtures(&fixtures);
    let bin = p.work.join("test_keyless");
    compile_c(&p, "test_keyless.c", &bin, &["-O1"]);
    run_valgrind(&bin, &fixtures);
}

#[test]
fn c_tests_under_valgrind() {
    if !valgrind_or_skip() {
        return;
    }
    let p = paths("c-valgrind");
    let fixtures = p.work.join("fixtures");
    write_fixtures(&fixtures);
    let bin = p.work.join("test_vouch");
    compile_c(&p, "test_vouch.c", &bin, &["-O1"]);
    run_valgrind(&bin, &fixtures);
}

#[test]
fn header_compiles_as_cpp17_and_links() {
    let p = paths("cpp");
    let bin = p.work.join("header_cpp");
    run(Command::new("g++")
        .args(["-std=c++17", "-Wall", "-Wextra", "-Werror", "-pedantic"])
        .arg("-I")
        .arg(&p.include)
        .arg(p.src.join("header_cpp.cpp"))
        .arg(&p.lib)
        .args(LINK_LIBS)
        .arg("-o")
        .arg(&bin));
    run(&mut Command::new(&bin));
}
