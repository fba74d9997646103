//! vouch-core on an emulated Cortex-M4 (qemu `mps2-an386`).
//!
//! Runs vouch-core over the vectors in `vectors/` (held in flash via `include_bytes!`), prints
//! each result over semihosting together with the stack it used, and exits non-zero on any
//! mismatch. The stack peak of each case is measured by painting the stack below the caller's
//! frame before the case and finding the lowest overwritten word after it.
//!
//! Without the `panic-report` feature the panic handler calls a function that exists nowhere, so
//! this image only links if no panic is reachable from anything it runs: the proof that the
//! verification path cannot panic. It also has no global allocator, so nothing can use `alloc`.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use cortex_m_semihosting::{debug, hio};
use vouch_core::{Error, IN_TOTO_PAYLOAD_TYPE, PublicKey, TrustedKey, Verifier};

/// Bytes of stack painted below the measuring frame.
const PAINT_BYTES: usize = 32 * 1024;
/// Bytes just below the measuring frame left unpainted (the painting routine's own frame).
const GUARD_BYTES: usize = 128;
/// The paint pattern.
const PAINT: u32 = 0x5AA5_C33C;

/// Payload types the verifiers accept.
const TYPES: &[&str] = &[IN_TOTO_PAYLOAD_TYPE];

macro_rules! vector {
    ($name:literal) => {
        include_bytes!(concat!("../vectors/", $name))
    };
}

#[cfg(feature = "ed25519")]
const ED_A: &[u8] = vector!("ed25519-a.key");
#[cfg(all(feature = "ed25519", feature = "key-formats"))]
const ED_B: &[u8] = vector!("ed25519-b.key");
#[cfg(all(feature = "ed25519", not(feature = "key-formats")))]
const ED_B: &[u8] = vector!("ed25519-b.raw");
#[cfg(feature = "p256")]
const P256_A: &[u8] = vector!("p256-a.key");
#[cfg(all(feature = "p256", feature = "key-formats"))]
const P256_B: &[u8] = vector!("p256-b.key");
#[cfg(all(feature = "p256", not(feature = "key-formats")))]
const P256_B: &[u8] = vector!("p256-b.raw");

/// A key that verifies the `*-ok.json` envelopes of the first compiled algorithm.
#[cfg(feature = "ed25519")]
const ANY_KEY: &[u8] = ED_A;
#[cfg(not(feature = "ed25519"))]
const ANY_KEY: &[u8] = P256_A;
#[cfg(all(feature = "statement", feature = "ed25519"))]
const ANY_OK: &[u8] = vector!("ed25519-ok.json");
#[cfg(all(feature = "statement", not(feature = "ed25519")))]
const ANY_OK: &[u8] = vector!("p256-der-ok.json");

/// Output over semihosting, without `core::fmt` (it would dominate a small image).
struct Report {
    out: Option<hio::HostStream>,
    passed: usize,
    failed: usize,
    max_stack: usize,
    max_setup_stack: usize,
}

impl Report {
    fn put(&mut self, s: &str) {
        if let Some(out) = &mut self.out {
            let _ = out.write_all(s.as_bytes());
        }
    }

    fn num(&mut self, mut n: usize) {
        let mut buf = [b'0'; 20];
        let mut start = buf.len();
        for slot in buf.iter_mut().rev() {
            *slot = b'0' + (n % 10) as u8;
            start -= 1;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        if let (Some(digits), Some(out)) = (buf.get(start..), &mut self.out) {
            let _ = out.write_all(digits);
        }
    }

    fn outcome(&mut self, r: &Result<usize, Error>) {
        match r {
            Ok(n) => {
                self.put("ok(");
                self.num(*n);
                self.put(")");
            }
            Err(e) => {
                self.put("err(");
                self.put(e.code());
                self.put(")");
            }
        }
    }

    /// Runs one case and compares its outcome with `expected`. The stack is measured twice:
    /// for the setup (key parsing and `Verifier::new`) and for the verification that follows
    /// (`Verifier::verify`, plus the Statement checks where the case has them).
    fn case(
        &mut self,
        name: &str,
        expected: Result<usize, Error>,
        scratch: &mut [u8],
        keys: &[(&'static [u8], &'static str)],
        threshold: usize,
        run: fn(&Verifier<'_>, &mut [u8]) -> Result<usize, Error>,
    ) {
        let (parsed, setup_stack) = measured(|| setup(keys));
        #[cfg(feature = "icount")]
        let t0 = icount::now();
        let (got, stack) = match parsed {
            Ok((a, b)) => {
                // The verifier borrows the keys (it copies none).
                let both;
                let trusted: &[TrustedKey<'_>] = match b {
                    Some(b) => {
                        both = [a, b];
                        &both
                    }
                    None => core::slice::from_ref(&a),
                };
                match Verifier::new(trusted, threshold, TYPES) {
                    Ok(v) => measured(|| run(&v, scratch)),
                    Err(e) => (Err(e), 0),
                }
            }
            Err(e) => (Err(e), 0),
        };
        let pass = got == expected;
        self.put(if pass { "PASS " } else { "FAIL " });
        self.put(name);
        self.put(": ");
        self.outcome(&got);
        if !pass {
            self.put(", expected ");
            self.outcome(&expected);
        }
        self.put(", stack ");
        self.num(stack);
        self.put(" bytes (setup ");
        self.num(setup_stack);
        self.put(")");
        #[cfg(feature = "icount")]
        {
            // The verification, with the verifier's preparation and the stack painting around
            // it (a few thousand instructions of the measurement itself).
            self.put(", instructions ");
            self.num(icount::instructions_since(t0));
        }
        self.put("\n");
        self.max_stack = self.max_stack.max(stack);
        self.max_setup_stack = self.max_setup_stack.max(setup_stack);
        if pass {
            self.passed += 1;
        } else {
            self.failed += 1;
        }
    }
}

/// The current stack pointer.
#[inline(always)]
fn sp() -> usize {
    let sp: usize;
    // SAFETY: reads a register; no memory access.
    unsafe {
        core::arch::asm!("mov {}, sp", out(reg) sp, options(nomem, nostack, preserves_flags))
    };
    sp
}

/// Fills `[bottom, top)` with the paint pattern.
#[inline(never)]
fn paint(bottom: usize, top: usize) {
    let mut p = bottom;
    while p < top {
        // SAFETY: `[bottom, top)` is unused stack below the live frames (see `measured`), inside RAM.
        unsafe { core::ptr::write_volatile(p as *mut u32, PAINT) };
        p += 4;
    }
}

/// The lowest address in `[bottom, top)` whose word no longer holds the paint pattern.
#[inline(never)]
fn lowest_dirty(bottom: usize, top: usize) -> Option<usize> {
    let mut p = bottom;
    while p < top {
        // SAFETY: as in `paint`; reading stack memory that was painted.
        if unsafe { core::ptr::read_volatile(p as *const u32) } != PAINT {
            return Some(p);
        }
        p += 4;
    }
    None
}

#[inline(never)]
fn call<R>(f: impl FnOnce() -> R) -> R {
    f()
}

/// Runs `f` and returns its result with the stack it used: from this frame's stack pointer down
/// to the deepest word written (so it includes the call itself).
#[inline(never)]
fn measured<R>(f: impl FnOnce() -> R) -> (R, usize) {
    let base = sp();
    let top = (base - GUARD_BYTES) & !3;
    let bottom = top - PAINT_BYTES;
    paint(bottom, top);
    let r = call(f);
    let used = match lowest_dirty(bottom, top) {
        Some(low) => base - low,
        None => GUARD_BYTES,
    };
    (r, used)
}

/// Parses one trusted key: any encoding with `key-formats`, else raw Ed25519 or SEC1 P-256.
fn parse_key(bytes: &[u8]) -> Result<PublicKey, Error> {
    #[cfg(feature = "key-formats")]
    return PublicKey::parse(bytes);
    #[cfg(not(feature = "key-formats"))]
    if bytes.len() == 32 {
        PublicKey::from_ed25519_raw(bytes)
    } else {
        PublicKey::from_sec1(bytes)
    }
}

/// Parses the trusted keys (key bytes, keyid): the first, and the second if given.
#[inline(never)]
fn setup(
    keys: &[(&'static [u8], &'static str)],
) -> Result<(TrustedKey<'static>, Option<TrustedKey<'static>>), Error> {
    let (a_bytes, a_id) = keys.first().copied().ok_or(Error::NoTrustedKeys)?;
    let a = TrustedKey {
        key: parse_key(a_bytes)?,
        keyid: Some(a_id),
    };
    let b = match keys.get(1) {
        Some((b_bytes, b_id)) => Some(TrustedKey {
            key: parse_key(b_bytes)?,
            keyid: Some(b_id),
        }),
        None => None,
    };
    Ok((a, b))
}

/// Verifies `envelope`; returns how many keys verified.
fn verify(v: &Verifier<'_>, envelope: &[u8], scratch: &mut [u8]) -> Result<usize, Error> {
    Ok(v.verify(envelope, scratch)?.keys.count())
}

#[cfg(feature = "statement")]
mod statement {
    //! The in-toto Statement check against an artifact streamed from flash in chunks.
    use super::*;
    use vouch_core::statement::SLSA_PROVENANCE_V1;
    use vouch_core::{ArtifactHasher, Checks, Statement};

    const ARTIFACT: &[u8] = vector!("artifact.bin");
    /// Chunk size of the artifact stream (odd on purpose: not a block multiple).
    const CHUNK: usize = 61;
    const BUILDER: &str = "https://example.com/builder";

    /// Verifies the envelope, streams the artifact (flipping one bit of chunk `tamper` if
    /// given) and checks the Statement; returns the matching subject's index.
    pub fn check(
        v: &Verifier<'_>,
        tamper: Option<usize>,
        builder: &str,
        scratch: &mut [u8],
    ) -> Result<usize, Error> {
        let verified = v.verify(ANY_OK, scratch)?;
        let statement = Statement::parse(verified.payload)?;
        let mut hasher = ArtifactHasher::new(true, false);
        for (i, chunk) in ARTIFACT.chunks(CHUNK).enumerate() {
            if tamper == Some(i) {
                let mut copy = [0u8; CHUNK];
                if let Some(dst) = copy.get_mut(..chunk.len()) {
                    dst.copy_from_slice(chunk);
                }
                if let Some(b) = copy.first_mut() {
                    *b ^= 1;
                }
                hasher.update(copy.get(..chunk.len()).unwrap_or(&[]));
            } else {
                hasher.update(chunk);
            }
        }
        let digest = hasher.finalize();
        let subject = statement.check(&Checks {
            predicate_type: Some(SLSA_PROVENANCE_V1),
            builder_id: Some(builder),
            artifact: Some(&digest),
        })?;
        subject.ok_or(Error::NoArtifactDigest)
    }

    pub fn run(r: &mut Report, scratch: &mut [u8]) {
        r.case(
            "statement: artifact streamed in 61-byte chunks matches subject 0",
            Ok(0),
            scratch,
            &[(ANY_KEY, "a")],
            1,
            |v, s| check(v, None, BUILDER, s),
        );
        r.case(
            "statement: artifact with one flipped bit",
            Err(Error::SubjectMismatch),
            scratch,
            &[(ANY_KEY, "a")],
            1,
            |v, s| check(v, Some(17), BUILDER, s),
        );
        r.case(
            "statement: unexpected builder id",
            Err(Error::BuilderIdMismatch),
            scratch,
            &[(ANY_KEY, "a")],
            1,
            |v, s| check(v, None, "https://example.com/other-builder", s),
        );
    }
}

#[cfg(feature = "ed25519")]
fn ed25519_cases(r: &mut Report, scratch: &mut [u8]) {
    r.case(
        "ed25519: valid envelope (raw key)",
        Ok(1),
        scratch,
        &[(ED_A, "a")],
        1,
        |v, s| verify(v, vector!("ed25519-ok.json"), s),
    );
    r.case(
        "ed25519: payload changed after signing",
        Err(Error::InvalidSignature),
        scratch,
        &[(ED_A, "a")],
        1,
        |v, s| verify(v, vector!("ed25519-tampered-payload.json"), s),
    );
    r.case(
        "ed25519: signature with one flipped bit",
        Err(Error::InvalidSignature),
        scratch,
        &[(ED_A, "a")],
        1,
        |v, s| verify(v, vector!("ed25519-tampered-sig.json"), s),
    );
    r.case(
        "ed25519: payloadType not allowed",
        Err(Error::PayloadTypeNotAllowed),
        scratch,
        &[(ED_A, "a")],
        1,
        |v, s| verify(v, vector!("ed25519-wrong-type.json"), s),
    );
    r.case(
        "ed25519: threshold 2 of 2 (raw + SPKI DER keys)",
        Ok(2),
        scratch,
        &[(ED_A, "a"), (ED_B, "b")],
        2,
        |v, s| verify(v, vector!("ed25519-threshold-2.json"), s),
    );
    r.case(
        "ed25519: threshold 2, both signatures by one key",
        Err(Error::ThresholdNotMet),
        scratch,
        &[(ED_A, "a"), (ED_B, "b")],
        2,
        |v, s| verify(v, vector!("ed25519-threshold-same-key.json"), s),
    );
}

#[cfg(feature = "p256")]
fn p256_cases(r: &mut Report, scratch: &mut [u8]) {
    r.case(
        "p256: valid DER signature (SEC1 key)",
        Ok(1),
        scratch,
        &[(P256_A, "a")],
        1,
        |v, s| verify(v, vector!("p256-der-ok.json"), s),
    );
    r.case(
        "p256: valid raw r||s signature, URL-safe base64",
        Ok(1),
        scratch,
        &[(P256_A, "a")],
        1,
        |v, s| verify(v, vector!("p256-raw-ok.json"), s),
    );
    r.case(
        "p256: payload changed after signing",
        Err(Error::InvalidSignature),
        scratch,
        &[(P256_A, "a")],
        1,
        |v, s| verify(v, vector!("p256-tampered-payload.json"), s),
    );
    r.case(
        "p256: raw signature with one flipped bit",
        Err(Error::InvalidSignature),
        scratch,
        &[(P256_A, "a")],
        1,
        |v, s| verify(v, vector!("p256-tampered-sig.json"), s),
    );
    r.case(
        "p256: threshold 2 of 2 (SEC1 + PEM keys)",
        Ok(2),
        scratch,
        &[(P256_A, "a"), (P256_B, "b")],
        2,
        |v, s| verify(v, vector!("p256-threshold-2.json"), s),
    );
    r.case(
        "p256: threshold 2, both signatures by one key",
        Err(Error::ThresholdNotMet),
        scratch,
        &[(P256_A, "a"), (P256_B, "b")],
        2,
        |v, s| verify(v, vector!("p256-threshold-same-key.json"), s),
    );
}

#[cfg(feature = "icount")]
mod icount {
    //! Instruction counting with SysTick under `qemu -icount shift=0`: every instruction
    //! advances virtual time equally, so the 24-bit SysTick counter (processor clock) counts
    //! instructions in a fixed unit, calibrated once with a loop of known length.
    use core::sync::atomic::{AtomicUsize, Ordering};

    const CSR: *mut u32 = 0xE000_E010 as *mut u32;
    const RVR: *mut u32 = 0xE000_E014 as *mut u32;
    const CVR: *mut u32 = 0xE000_E018 as *mut u32;
    /// Instructions per SysTick tick (set by `start`).
    static PER_TICK: AtomicUsize = AtomicUsize::new(0);

    /// Starts SysTick (free-running, processor clock, no interrupt) and calibrates it.
    pub fn start() -> usize {
        // SAFETY: the SysTick registers of the Cortex-M4 system control space (always mapped).
        unsafe {
            RVR.write_volatile(0x00FF_FFFF);
            CVR.write_volatile(0);
            CSR.write_volatile(5);
        }
        let t0 = now();
        let mut n: u32 = 1_000_000;
        // SAFETY: a counting loop on a register: 2 instructions per iteration.
        unsafe {
            core::arch::asm!("2: subs {n}, {n}, #1", "bne 2b", n = inout(reg) n);
        }
        let _ = n;
        let ticks = ticks_since(t0).max(1);
        let per_tick = (2_000_000 + ticks / 2) / ticks;
        PER_TICK.store(per_tick, Ordering::Relaxed);
        per_tick
    }

    /// The counter now.
    pub fn now() -> usize {
        // SAFETY: reading SysTick's current value register.
        unsafe { CVR.read_volatile() as usize }
    }

    fn ticks_since(t0: usize) -> usize {
        t0.wrapping_sub(now()) & 0x00FF_FFFF
    }

    /// Instructions since `t0` (a reading of `now`); 0 before `start`.
    pub fn instructions_since(t0: usize) -> usize {
        ticks_since(t0) * PER_TICK.load(Ordering::Relaxed)
    }
}

/// SHA-256 of 64 KiB streamed in 4 KiB chunks (as firmware reads flash), counted: the artifact
/// hash's cost on its own (budgeted in bench/icount.sh).
#[cfg(feature = "icount")]
fn sha256_64k(r: &mut Report) {
    static DATA: [u8; 64 * 1024] = [0x5a; 64 * 1024];
    let t0 = icount::now();
    let mut hasher = vouch_core::ArtifactHasher::new(true, false);
    for chunk in DATA.chunks(4096) {
        hasher.update(chunk);
    }
    let digest = hasher.finalize();
    let n = icount::instructions_since(t0);
    // SHA-256 of 65,536 bytes of 0x5a (computed on the host).
    const EXPECTED: [u8; 32] = [
        0x94, 0x40, 0x44, 0xfe, 0x48, 0x2b, 0xc4, 0xe9, 0x10, 0x85, 0xc1, 0x5c, 0x5a, 0x92, 0x3a,
        0x1b, 0x9e, 0x02, 0xea, 0xc9, 0x8d, 0x3b, 0xce, 0x04, 0x99, 0x7d, 0x6d, 0xbe, 0xcd, 0x2a,
        0x5b, 0x8d,
    ];
    let ok = digest.sha256 == Some(EXPECTED);
    r.put(if ok { "PASS " } else { "FAIL " });
    r.put("sha256: 64 KiB in 4 KiB chunks, instructions ");
    r.num(n);
    r.put("\n");
    if ok {
        r.passed += 1;
    } else {
        r.failed += 1;
    }
}

#[entry]
fn main() -> ! {
    let mut r = Report {
        out: hio::hstdout().ok(),
        passed: 0,
        failed: 0,
        max_stack: 0,
        max_setup_stack: 0,
    };
    // Holds the decoded payload: the caller's buffer, outside the measured stack.
    let mut scratch = [0u8; 1024];

    r.put("vouch-core on Cortex-M4 (");
    r.put(env!("VOUCH_EMBEDDED_CONFIG"));
    r.put(")\n");
    #[cfg(feature = "icount")]
    {
        r.put("instruction counting: ");
        let per_tick = icount::start();
        r.num(per_tick);
        r.put(" instructions per SysTick tick\n");
    }

    r.case(
        "json: duplicate key in the envelope",
        Err(Error::DuplicateKey),
        &mut scratch,
        &[(ANY_KEY, "a")],
        1,
        |v, s| verify(v, vector!("duplicate-key.json"), s),
    );
    #[cfg(feature = "ed25519")]
    ed25519_cases(&mut r, &mut scratch);
    #[cfg(feature = "p256")]
    p256_cases(&mut r, &mut scratch);
    #[cfg(all(feature = "ed25519", feature = "p256"))]
    r.case(
        "mixed: threshold 2 of 2 (Ed25519 + P-256)",
        Ok(2),
        &mut scratch,
        &[(ED_A, "ed25519-a"), (P256_A, "p256-a")],
        2,
        |v, s| verify(v, vector!("mixed-threshold-2.json"), s),
    );
    #[cfg(feature = "statement")]
    statement::run(&mut r, &mut scratch);
    #[cfg(feature = "keyless")]
    keyless::run(&mut r);
    #[cfg(feature = "keyless")]
    bundles::run(&mut r);
    #[cfg(feature = "icount")]
    sha256_64k(&mut r);
    #[cfg(feature = "p256-vectors")]
    p256_vectors::run(&mut r);

    r.put("max-stack ");
    r.num(r.max_stack);
    r.put(" bytes (verification), setup ");
    r.num(r.max_setup_stack);
    r.put(" bytes (key parsing)\n");
    r.num(r.passed);
    r.put(" passed, ");
    r.num(r.failed);
    r.put(" failed\n");
    debug::exit(if r.failed == 0 {
        debug::EXIT_SUCCESS
    } else {
        debug::EXIT_FAILURE
    });
    #[allow(clippy::empty_loop)]
    loop {}
}

#[cfg(feature = "panic-link-check")]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    unsafe extern "C" {
        /// Defined nowhere: referencing it makes any reachable panic a link error.
        fn vouch_embedded_panic_is_reachable() -> !;
    }
    // SAFETY: never runs; the image does not link if this handler is reachable.
    unsafe { vouch_embedded_panic_is_reachable() }
}

/// Reports the panic's location over semihosting (without `core::fmt`) and exits with failure.
#[cfg(not(feature = "panic-link-check"))]
#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    let mut r = Report {
        out: hio::hstdout().ok(),
        passed: 0,
        failed: 1,
        max_stack: 0,
        max_setup_stack: 0,
    };
    r.put("PANIC at ");
    if let Some(loc) = info.location() {
        r.put(loc.file());
        r.put(":");
        r.num(loc.line() as usize);
    }
    r.put("\n");
    debug::exit(debug::EXIT_FAILURE);
    #[allow(clippy::empty_loop)]
    loop {}
}

/// With the p256-cm4 backend, a hard fault ends the run at once with its location (the default
/// handler would spin until the CI timeout): one is expected on qemu < 8.2, see docs/embedded.md,
/// "The p256-cm4 backend". Not in the other images (it would count in their footprint).
#[cfg(feature = "p256-cm4")]
#[cortex_m_rt::exception]
unsafe fn HardFault(frame: &cortex_m_rt::ExceptionFrame) -> ! {
    let mut r = Report {
        out: hio::hstdout().ok(),
        passed: 0,
        failed: 1,
        max_stack: 0,
        max_setup_stack: 0,
    };
    r.put("HARD FAULT at pc 0x");
    let pc = frame.pc();
    for shift in (0..8).rev() {
        let digit = ((pc >> (shift * 4)) & 0xf) as u8;
        let c = [if digit < 10 {
            b'0' + digit
        } else {
            b'a' + digit - 10
        }];
        r.put(core::str::from_utf8(&c).unwrap_or("?"));
    }
    r.put("\n");
    debug::exit(debug::EXIT_FAILURE);
    #[allow(clippy::empty_loop)]
    loop {}
}

/// Outcomes of cases without a DSSE verifier (keyless).
#[cfg(feature = "keyless")]
impl Report {
    /// Prints one outcome with its stack and counts it.
    fn record(
        &mut self,
        name: &str,
        got: Result<usize, Error>,
        expected: Result<usize, Error>,
        stack: usize,
        instructions: Option<usize>,
    ) {
        let pass = got == expected;
        self.put(if pass { "PASS " } else { "FAIL " });
        self.put(name);
        self.put(": ");
        self.outcome(&got);
        if !pass {
            self.put(", expected ");
            self.outcome(&expected);
        }
        self.put(", stack ");
        self.num(stack);
        self.put(" bytes");
        if let Some(n) = instructions {
            self.put(", instructions ");
            self.num(n);
        }
        self.put("\n");
        self.max_stack = self.max_stack.max(stack);
        if pass {
            self.passed += 1;
        } else {
            self.failed += 1;
        }
    }
}

/// Keyless foundations on the MCU: a real Sigstore trusted root (in flash) parsed and its chains
/// verified, a real Fulcio leaf (from a real bundle) verified under its intermediate, its path at
/// a trusted time (V3), its embedded SCT (V4) and identity (V5), a real RFC 3161 timestamp of the
/// staging TSA (V2 a), refusals.
#[cfg(feature = "keyless")]
mod keyless {
    use super::{Error, Report, measured};
    use vouch_core::chain::{path_scratch_len, verify_leaf_path};
    use vouch_core::identity::{IdentityPolicy, Matcher, check_identity};
    use vouch_core::sct::verify_embedded_scts;
    use vouch_core::timestamp::{timestamp_scratch_len, verify_timestamp};
    use vouch_core::trusted_root::TrustedRoot;
    use vouch_core::x509::Certificate;
    use vouch_core::{base64, json};

    const STAGING_ROOT: &[u8] =
        include_bytes!("../../vectors/sigstore/trusted_roots/staging-sigstore-python.json");
    const TIMESTAMPED: &[u8] =
        include_bytes!("../../vectors/sigstore/cases/py--staging-rekor-v2/bundle.sigstore.json");

    /// A string member reached by `path` in `doc`, base64-decoded into `out`.
    fn b64_at(doc: &[u8], path: &[&str], out: &mut [u8]) -> Result<usize, Error> {
        let mut v = json::parse(doc)?;
        for key in path {
            v = if *key == "0" {
                v.elements().next()
            } else {
                v.get(key)
            }
            .ok_or(Error::TrustedRootMalformed)?;
        }
        let s = v.as_str().ok_or(Error::TrustedRootMalformed)?;
        base64::decode_json_str(&s, out)
    }

    /// The staging bundle's RFC 3161 token (into `a`) verified over its signature (or that
    /// signature with one byte changed); returns whether genTime is 2025-06-09T11:57:38Z.
    fn timestamp(a: &mut [u8], b: &mut [u8], tamper: bool) -> Result<usize, Error> {
        let n = b64_at(
            TIMESTAMPED,
            &[
                "verificationMaterial",
                "timestampVerificationData",
                "rfc3161Timestamps",
                "0",
                "signedTimestamp",
            ],
            a,
        )?;
        let mut sig = [0u8; 80];
        let m = b64_at(TIMESTAMPED, &["messageSignature", "signature"], &mut sig)?;
        if tamper {
            sig[0] ^= 1;
        }
        let root = TrustedRoot::parse(STAGING_ROOT, b)?;
        if b.len() < timestamp_scratch_len(&root) {
            return Err(Error::BufferTooSmall);
        }
        let token = a.get(..n).ok_or(Error::BufferTooSmall)?;
        let ts = verify_timestamp(token, sig.get(..m).unwrap_or(&[]), &root, b)?;
        Ok(usize::from(ts.time == 1_749_470_258))
    }

    /// The leaf (decoded into `a`) at `at(leaf)`: path (V3), then SCTs (V4) and identity (V5);
    /// returns the path's authority index, or with `all`, the number of checks passed (3).
    fn keyless_leaf(
        a: &mut [u8],
        b: &mut [u8],
        at: fn(&Certificate<'_>) -> i64,
        all: bool,
    ) -> Result<usize, Error> {
        let n = leaf(a)?;
        let leaf = Certificate::parse(a.get(..n).ok_or(Error::BufferTooSmall)?)?;
        let root = TrustedRoot::parse(ROOT, b)?;
        if b.len() < path_scratch_len(&root) {
            return Err(Error::BufferTooSmall);
        }
        let path = verify_leaf_path(&leaf, &root, at(&leaf), b)?;
        if !all {
            return Ok(path.authority_index);
        }
        let logs = verify_embedded_scts(&leaf, &path.issuer_spki_sha256, &root)?;
        let policy = IdentityPolicy {
            identity: Matcher::Exact(
                "https://github.com/sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/main",
            ),
            issuer: Matcher::Exact("https://token.actions.githubusercontent.com"),
        };
        check_identity(&leaf, &policy)?;
        Ok(1 + logs + 1)
    }

    const ROOT: &[u8] =
        include_bytes!("../../vectors/sigstore/trusted_roots/production-sigstore-go-testing.json");
    const BUNDLE: &[u8] = include_bytes!(
        "../../vectors/sigstore/cases/go--sigstorejs-2.0.0-provenance-exact/bundle.sigstore.json"
    );
    /// Caller scratch per certificate (the largest here is 1.7 KiB).
    const CERT: usize = 2048;

    type Case = fn(&mut [u8], &mut [u8]) -> Result<usize, Error>;

    fn case(
        r: &mut Report,
        name: &str,
        expected: Result<usize, Error>,
        a: &mut [u8],
        b: &mut [u8],
        f: Case,
    ) {
        let (got, stack) = measured(|| f(a, b));
        r.record(name, got, expected, stack, None);
    }

    /// The bundle's leaf certificate, decoded into `out`.
    fn leaf(out: &mut [u8]) -> Result<usize, Error> {
        let doc = json::parse(BUNDLE)?;
        let b64 = doc
            .get("verificationMaterial")
            .and_then(|v| v.get("x509CertificateChain"))
            .and_then(|v| v.get("certificates"))
            .and_then(|v| v.elements().next())
            .and_then(|v| v.get("rawBytes"))
            .and_then(|v| v.as_str())
            .ok_or(Error::TrustedRootMalformed)?;
        base64::decode_json_str(&b64, out)
    }

    /// Verifies the leaf in `a` (length `n`) under the trusted root's CA whose first certificate
    /// is its issuer; returns the number of CAs tried.
    fn verify_leaf(a: &[u8], b: &mut [u8]) -> Result<usize, Error> {
        let leaf = Certificate::parse(a)?;
        let root = TrustedRoot::parse(ROOT, b)?;
        let mut tried = 0;
        for ca in root.certificate_authorities() {
            let issuer = ca.certificate(0, b)?;
            if issuer.subject() == leaf.issuer() {
                tried += 1;
                leaf.verify_issued_by(&issuer)?;
                return Ok(tried);
            }
        }
        Err(Error::CertSignatureInvalid)
    }

    pub fn run(r: &mut Report) {
        let mut a = [0u8; CERT];
        let mut b = [0u8; CERT];
        case(
            r,
            "keyless: production trusted root parses",
            Ok(2),
            &mut a,
            &mut b,
            |a, _| {
                Ok(TrustedRoot::parse(ROOT, a)?
                    .certificate_authorities()
                    .count())
            },
        );
        case(
            r,
            "keyless: every chain of the trusted root verifies (P-384)",
            Ok(6),
            &mut a,
            &mut b,
            |a, b| {
                let root = TrustedRoot::parse(ROOT, a)?;
                let mut links = 0;
                for auth in root
                    .certificate_authorities()
                    .chain(root.timestamp_authorities())
                {
                    let n = auth.chain_len();
                    for i in 0..n {
                        let child = auth.certificate(i, a)?;
                        let parent = auth.certificate((i + 1).min(n - 1), b)?;
                        child.verify_issued_by(&parent)?;
                        links += 1;
                    }
                }
                Ok(links)
            },
        );
        case(
            r,
            "keyless: real Fulcio leaf verifies under its intermediate",
            Ok(1),
            &mut a,
            &mut b,
            |a, b| {
                let n = leaf(a)?;
                verify_leaf(a.get(..n).ok_or(Error::BufferTooSmall)?, b)
            },
        );
        case(
            r,
            "keyless: leaf with one TBS byte changed",
            Err(Error::CertSignatureInvalid),
            &mut a,
            &mut b,
            |a, b| {
                let n = leaf(a)?;
                if let Some(x) = a.get_mut(n / 2) {
                    *x ^= 1;
                }
                verify_leaf(a.get(..n).ok_or(Error::BufferTooSmall)?, b)
            },
        );
        case(
            r,
            "keyless: truncated leaf",
            Err(Error::DerTruncated),
            &mut a,
            &mut b,
            |a, _| {
                let n = leaf(a)?;
                Certificate::parse(a.get(..n - 1).ok_or(Error::BufferTooSmall)?).map(|_| 0)
            },
        );
        case(
            r,
            "keyless: real leaf path at its notBefore (V3)",
            Ok(1),
            &mut a,
            &mut b,
            |a, b| keyless_leaf(a, b, |l| l.not_before(), false),
        );
        case(
            r,
            "keyless: real leaf path, SCT and identity (V3, V4, V5)",
            Ok(3),
            &mut a,
            &mut b,
            |a, b| keyless_leaf(a, b, |l| l.not_before(), true),
        );
        case(
            r,
            "keyless: real leaf path one second after notAfter",
            Err(Error::CertNotValidAtTime),
            &mut a,
            &mut b,
            |a, b| keyless_leaf(a, b, |l| l.not_after() + 1, false),
        );
        case(
            r,
            "keyless: real RFC 3161 timestamp, staging TSA (V2 a)",
            Ok(1),
            &mut a,
            &mut b,
            |a, b| timestamp(a, b, false),
        );
        case(
            r,
            "keyless: RFC 3161 timestamp over another signature",
            Err(Error::TimestampImprintMismatch),
            &mut a,
            &mut b,
            |a, b| timestamp(a, b, true),
        );
        case(
            r,
            "keyless: trusted root with too little scratch",
            Err(Error::BufferTooSmall),
            &mut a,
            &mut b,
            |a, _| {
                TrustedRoot::parse(ROOT, a.get_mut(..256).ok_or(Error::BufferTooSmall)?).map(|_| 0)
            },
        );
    }
}

/// Every Wycheproof P-256 vector through vouch's path (`PublicKey::from_sec1`, then
/// `vouch_core::hazmat::verify_raw`: the signature decoder and per-algorithm verification the
/// envelope path uses, with whichever backend is compiled), and a differential run of that path
/// against RustCrypto p256 called directly. The case tables are written by build.rs (see its
/// `p256_tables` for the format).
#[cfg(feature = "p256-vectors")]
mod p256_vectors {
    use super::Report;
    use vouch_core::PublicKey;

    static WYCHEPROOF: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/p256-wycheproof.bin"));
    static DIFFERENTIAL: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/p256-differential.bin"));

    /// Tests in Wycheproof's `ecdsa_secp256r1_sha256_test.json` (DER signatures) and
    /// `ecdsa_secp256r1_sha256_p1363_test.json` (`r||s`): every one must have run.
    const WYCHEPROOF_COUNTS: [usize; 2] = [484, 262];
    const FILES: [&str; 2] = ["DER", "P1363"];
    /// Differential cases: 24 keys, each with 12 kinds (see build.rs).
    const DIFFERENTIAL_CASES: usize = 24 * 12;
    const KINDS: [&str; 12] = [
        "valid DER",
        "valid r||s",
        "high-S twin",
        "message bit flipped",
        "r bit flipped",
        "s bit flipped",
        "another key's signature",
        "r or s zero",
        "r or s >= n",
        "u1*G + u2*Q at infinity",
        "another message's signature",
        "DER with a trailing byte",
    ];

    /// One record of a table.
    enum Record<'a> {
        Key(&'a [u8]),
        Test {
            class: u8,
            expected: bool,
            id: u16,
            msg: &'a [u8],
            sig: &'a [u8],
        },
    }

    /// Reads the records of a table; a malformed table ends in `Err(())`.
    struct Records<'a>(&'a [u8]);

    impl<'a> Records<'a> {
        fn take(&mut self, n: usize) -> Option<&'a [u8]> {
            if self.0.len() < n {
                return None;
            }
            let (a, b) = self.0.split_at(n);
            self.0 = b;
            Some(a)
        }
        fn u8(&mut self) -> Option<u8> {
            self.take(1)?.first().copied()
        }
        fn u16(&mut self) -> Option<u16> {
            let b = self.take(2)?;
            Some(u16::from_le_bytes([*b.first()?, *b.get(1)?]))
        }
        fn record(&mut self) -> Option<Record<'a>> {
            match self.u8()? {
                b'K' => {
                    let n = self.u8()?;
                    Some(Record::Key(self.take(n.into())?))
                }
                b'T' => {
                    let class = self.u8()?;
                    let expected = self.u8()? == 1;
                    let id = self.u16()?;
                    let n = self.u16()?;
                    let msg = self.take(n.into())?;
                    let n = self.u16()?;
                    let sig = self.take(n.into())?;
                    Some(Record::Test {
                        class,
                        expected,
                        id,
                        msg,
                        sig,
                    })
                }
                _ => None,
            }
        }
    }

    impl<'a> Iterator for Records<'a> {
        type Item = Result<Record<'a>, ()>;
        fn next(&mut self) -> Option<Self::Item> {
            if self.0.is_empty() {
                return None;
            }
            match self.record() {
                Some(r) => Some(Ok(r)),
                None => {
                    self.0 = &[];
                    Some(Err(()))
                }
            }
        }
    }

    fn verdict(b: bool) -> &'static str {
        if b { "valid" } else { "invalid" }
    }

    /// vouch's verdict: the key parsed by vouch (a refused key verifies nothing), then
    /// `verify_raw`.
    fn vouch(key: Option<&Result<PublicKey, vouch_core::Error>>, msg: &[u8], sig: &[u8]) -> bool {
        matches!(key, Some(Ok(k)) if vouch_core::hazmat::verify_raw(k, msg, sig))
    }

    /// RustCrypto p256 on its own: its SEC1 parser, its signature decoders (with vouch's rule:
    /// exactly 64 bytes is `r||s`, anything else DER) and its SHA-256 verification.
    fn rustcrypto(key: &[u8], msg: &[u8], sig: &[u8]) -> bool {
        use p256::ecdsa::signature::Verifier;
        use p256::ecdsa::{Signature, VerifyingKey};
        let Ok(vk) = VerifyingKey::from_sec1_bytes(key) else {
            return false;
        };
        let sig = if sig.len() == 64 {
            Signature::from_slice(sig)
        } else {
            Signature::from_der(sig)
        };
        sig.is_ok_and(|sig| vk.verify(msg, &sig).is_ok())
    }

    fn wycheproof(r: &mut Report) {
        let mut counts = [0usize; 2];
        let mut valid = [0usize; 2];
        let mut wrong = 0usize;
        let mut malformed = false;
        let mut key = None;
        for rec in Records(WYCHEPROOF) {
            match rec {
                Ok(Record::Key(k)) => key = Some(PublicKey::from_sec1(k)),
                Ok(Record::Test {
                    class,
                    expected,
                    id,
                    msg,
                    sig,
                }) => {
                    let got = vouch(key.as_ref(), msg, sig);
                    let file = usize::from(class).min(1);
                    if let (Some(c), Some(v)) = (counts.get_mut(file), valid.get_mut(file)) {
                        *c += 1;
                        *v += usize::from(expected);
                    }
                    if got != expected {
                        wrong += 1;
                        r.put("FAIL p256 wycheproof ");
                        r.put(FILES.get(file).copied().unwrap_or("?"));
                        r.put(" tcId ");
                        r.num(id.into());
                        r.put(": expected ");
                        r.put(verdict(expected));
                        r.put(", vouch says ");
                        r.put(verdict(got));
                        r.put("\n");
                    }
                }
                Err(()) => malformed = true,
            }
        }
        for (i, name) in FILES.iter().enumerate() {
            let (Some(&n), Some(&v), Some(&want)) =
                (counts.get(i), valid.get(i), WYCHEPROOF_COUNTS.get(i))
            else {
                continue;
            };
            let pass = n == want && wrong == 0 && !malformed;
            r.put(if pass { "PASS " } else { "FAIL " });
            r.put("p256 wycheproof ");
            r.put(name);
            r.put(": ");
            r.num(n);
            r.put(" vectors (");
            r.num(v);
            r.put(" valid, ");
            r.num(n - v);
            r.put(" invalid; expected ");
            r.num(want);
            r.put(" vectors)");
            if malformed {
                r.put(", table malformed");
            }
            r.put("\n");
            if pass {
                r.passed += 1;
            } else {
                r.failed += 1;
            }
        }
        if wrong > 0 {
            r.num(wrong);
            r.put(" wrong Wycheproof verdicts\n");
        }
    }

    fn differential(r: &mut Report) {
        let mut n = 0usize;
        let mut valid = 0usize;
        let mut disagree = 0usize;
        let mut malformed = false;
        let mut key: &[u8] = &[];
        let mut parsed = None;
        for rec in Records(DIFFERENTIAL) {
            match rec {
                Ok(Record::Key(k)) => {
                    key = k;
                    parsed = Some(PublicKey::from_sec1(k));
                }
                Ok(Record::Test {
                    class,
                    expected,
                    id,
                    msg,
                    sig,
                }) => {
                    n += 1;
                    let a = vouch(parsed.as_ref(), msg, sig);
                    let b = rustcrypto(key, msg, sig);
                    valid += usize::from(a);
                    if a != b || a != expected {
                        disagree += 1;
                        r.put("FAIL p256 differential case ");
                        r.num(id.into());
                        r.put(" (");
                        r.put(KINDS.get(usize::from(class)).copied().unwrap_or("?"));
                        r.put("): vouch ");
                        r.put(verdict(a));
                        r.put(", RustCrypto in the image ");
                        r.put(verdict(b));
                        r.put(", RustCrypto on the host ");
                        r.put(verdict(expected));
                        r.put("\n");
                    }
                }
                Err(()) => malformed = true,
            }
        }
        let pass = n == DIFFERENTIAL_CASES && disagree == 0 && !malformed;
        r.put(if pass { "PASS " } else { "FAIL " });
        r.put("p256 differential against RustCrypto p256: ");
        r.num(n);
        r.put(" cases (");
        r.num(valid);
        r.put(" valid, ");
        r.num(n - valid);
        r.put(" invalid), ");
        r.num(disagree);
        r.put(" disagreements");
        if malformed {
            r.put(", table malformed");
        }
        r.put("\n");
        if pass {
            r.passed += 1;
        } else {
            r.failed += 1;
        }
    }

    pub fn run(r: &mut Report) {
        r.put("P-256 backend: ");
        r.put(if cfg!(feature = "p256-cm4") {
            "p256-cm4"
        } else {
            "RustCrypto p256"
        });
        r.put("\n");
        wycheproof(r);
        differential(r);
    }
}

/// Whole real Sigstore bundles through `keyless::verify_bundle` (V0–V7) with the trusted root and
/// the bundle in flash: a v0.3 message signature (Rekor v1 SET, inclusion proof and checkpoint)
/// whose artifact (in flash too) is streamed through `ArtifactHasher` in chunks, an npm DSSE
/// bundle (v0.1, intoto, sha512 subject; the npm tarball is not in the repository, so its digest
/// is given), a Rekor v2 bundle with an RFC 3161 timestamp; refusals. With the `icount` feature
/// each case also prints its instructions: trusted root parsing, the artifact's hashing (where
/// streamed) and the whole verification (bench/icount.sh budgets the two valid bundles).
#[cfg(feature = "keyless")]
mod bundles {
    use super::{Error, Report, measured};
    use vouch_core::identity::{IdentityPolicy, Matcher};
    use vouch_core::keyless::{Options, Policy, scratch_len, verify_bundle};
    use vouch_core::trusted_root::TrustedRoot;
    use vouch_core::{ArtifactDigest, ArtifactHasher};

    const STAGING_ROOT: &[u8] =
        include_bytes!("../../vectors/sigstore/trusted_roots/staging-sigstore-python.json");
    const PRODUCTION_ROOT: &[u8] =
        include_bytes!("../../vectors/sigstore/trusted_roots/production-sigstore-go-testing.json");
    const MESSAGE: &[u8] =
        include_bytes!("../../vectors/sigstore/cases/py--bundle-v03-staging/bundle.sigstore.json");
    const NPM_DSSE: &[u8] = include_bytes!(
        "../../vectors/sigstore/cases/go--sigstorejs-2.0.0-provenance-exact/bundle.sigstore.json"
    );
    const REKOR_V2: &[u8] =
        include_bytes!("../../vectors/sigstore/cases/py--staging-rekor-v2/bundle.sigstore.json");
    /// The artifact `MESSAGE` signs (sigstore-python's `test/assets/bundle_v3.txt`).
    const MESSAGE_ARTIFACT: &[u8] =
        include_bytes!("../../vectors/sigstore/cases/py--bundle-v03-staging/artifact");
    /// Chunk size of the artifact stream (odd on purpose: not a block multiple).
    const CHUNK: usize = 61;

    /// Hex to bytes (test constants only).
    fn hex<const N: usize>(s: &str) -> [u8; N] {
        let mut out = [0u8; N];
        let nib = |c: u8| if c <= b'9' { c - b'0' } else { c - b'a' + 10 };
        for (i, o) in out.iter_mut().enumerate() {
            let b = s.as_bytes();
            *o = (nib(b[2 * i]) << 4) | nib(b[2 * i + 1]);
        }
        out
    }

    struct Bundle {
        name: &'static str,
        root: &'static [u8],
        bundle: &'static [u8],
        identity: &'static str,
        issuer: &'static str,
        sha256: Option<&'static str>,
        sha512: Option<&'static str>,
        /// The artifact itself, streamed in `CHUNK`-byte pieces (then the digests above are
        /// not used).
        artifact: Option<&'static [u8]>,
        expected: Result<usize, Error>,
    }

    /// The artifact's digests, streamed in `CHUNK`-byte pieces (its own frame, as firmware would
    /// hash before verifying: the hash states are not on the stack under the verification).
    #[inline(never)]
    fn streamed_digest(bytes: &[u8]) -> ArtifactDigest {
        let mut hasher = ArtifactHasher::new(true, false);
        for chunk in bytes.chunks(CHUNK) {
            hasher.update(chunk);
        }
        hasher.finalize()
    }

    /// Verifies one bundle; returns the number of trusted times.
    fn verify(c: &Bundle, root_scratch: &mut [u8], scratch: &mut [u8]) -> Result<usize, Error> {
        let root = TrustedRoot::parse(c.root, root_scratch)?;
        if scratch.len() < scratch_len(c.bundle, &root)? {
            return Err(Error::BufferTooSmall);
        }
        let digest = match c.artifact {
            Some(bytes) => streamed_digest(bytes),
            None => ArtifactDigest {
                sha256: c.sha256.map(hex::<32>),
                sha512: c.sha512.map(hex::<64>),
            },
        };
        let options = Options {
            policy: Policy::Identity(IdentityPolicy {
                identity: Matcher::Exact(c.identity),
                issuer: Matcher::Exact(c.issuer),
            }),
            artifact: &digest,
            predicate_type: None,
            builder_id: None,
        };
        let v = verify_bundle(c.bundle, &root, &options, scratch)?;
        Ok(v.times.count)
    }

    pub fn run(r: &mut Report) {
        let mut root_scratch = [0u8; 2048];
        let mut scratch = [0u8; 11 * 1024];
        let npm_id =
            "https://github.com/sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/main";
        let npm_sha512 = "46d4e2f74c4877316640000a6fdf8a8b59f1e0847667973e9859f774dd31b8f1e0937813b777fb66a2ac67d50540fe34640966eee9fc2ccca387082b4c85cd3c";
        let message_sha256 = "5e6ae9de58c1177bea615b4fcbfb2fd688e8c4b51c2e56b6a38e817833ec24a2";
        let cases = [
            Bundle {
                name: "keyless: whole real bundle, v0.3 message signature, artifact streamed (V0-V7)",
                root: STAGING_ROOT,
                bundle: MESSAGE,
                identity: "william@yossarian.net",
                issuer: "https://github.com/login/oauth",
                sha256: None,
                sha512: None,
                artifact: Some(MESSAGE_ARTIFACT),
                expected: Ok(1),
            },
            Bundle {
                name: "keyless: whole real bundle, npm DSSE provenance (V0-V7)",
                root: PRODUCTION_ROOT,
                bundle: NPM_DSSE,
                identity: npm_id,
                issuer: "https://token.actions.githubusercontent.com",
                sha256: None,
                sha512: Some(npm_sha512),
                artifact: None,
                expected: Ok(1),
            },
            Bundle {
                name: "keyless: whole real bundle, Rekor v2 and RFC 3161 timestamp (V0-V7)",
                root: STAGING_ROOT,
                bundle: REKOR_V2,
                identity: "jku@goto.fi",
                issuer: "https://github.com/login/oauth",
                sha256: Some("15f67246115921bb7c1de0e7e9e9275c8016dc254a0c009888944b7ed3644aaa"),
                sha512: None,
                artifact: None,
                expected: Ok(1),
            },
            Bundle {
                name: "keyless: whole bundle, a prefix of the identity",
                root: STAGING_ROOT,
                bundle: MESSAGE,
                identity: "william@yossarian.ne",
                issuer: "https://github.com/login/oauth",
                sha256: Some(message_sha256),
                sha512: None,
                artifact: None,
                expected: Err(Error::IdentityMismatch),
            },
            Bundle {
                name: "keyless: whole bundle, another artifact",
                root: STAGING_ROOT,
                bundle: MESSAGE,
                identity: "william@yossarian.net",
                issuer: "https://github.com/login/oauth",
                sha256: Some(npm_sha512.split_at(64).0),
                sha512: None,
                artifact: None,
                expected: Err(Error::MessageDigestMismatch),
            },
            Bundle {
                name: "keyless: whole bundle, npm DSSE with another artifact",
                root: PRODUCTION_ROOT,
                bundle: NPM_DSSE,
                identity: npm_id,
                issuer: "https://token.actions.githubusercontent.com",
                sha256: None,
                sha512: Some(
                    "56d4e2f74c4877316640000a6fdf8a8b59f1e0847667973e9859f774dd31b8f1e0937813b777fb66a2ac67d50540fe34640966eee9fc2ccca387082b4c85cd3c",
                ),
                artifact: None,
                expected: Err(Error::SubjectMismatch),
            },
        ];
        for c in &cases {
            let ((got, instructions), stack) = measured(|| {
                #[cfg(feature = "icount")]
                let t0 = super::icount::now();
                let got = verify(c, &mut root_scratch, &mut scratch);
                #[cfg(feature = "icount")]
                let n = Some(super::icount::instructions_since(t0));
                #[cfg(not(feature = "icount"))]
                let n = None;
                (got, n)
            });
            r.record(c.name, got, c.expected, stack, instructions);
        }
    }
}
