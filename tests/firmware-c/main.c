/*
 * The firmware-style installer flow through the C ABI, on an emulated Cortex-M4 (qemu
 * mps2-an386): the C library (libvouch.a, firmware build) linked into a C image with
 * arm-none-eabi-gcc. Trusted keys are baked in as raw bytes (vouch_key_from_raw), the envelope
 * and the artifact sit in flash, the artifact is hashed in 4 KiB chunks, and all vouch state
 * lives in static storage: no heap, no C library.
 *
 * Each case prints PASS or FAIL with the result code; the image ends with "N passed, M failed"
 * and exits non-zero on any failure. The stack is painted before the cases and its peak use is
 * printed.
 */
#include <vouch.h>

#include "firmware.h"

#define CHUNK 4096
#define STACK_BUDGET 8192 /* bytes (issue 18: 8 KiB); checked below */
/* Instructions for the installer flow below (measured 5,894,400 in December 2026; ~10% headroom),
   checked when the image runs under qemu -icount shift=0. */
#define INSTRUCTION_BUDGET 6500000u
/* Instructions for one P-256 envelope (DER signature, 645 bytes): RustCrypto p256, or the
   p256-cm4 backend (library feature `p256-cm4`, which the Makefile signals with VOUCH_P256_CM4). */
#ifdef VOUCH_P256_CM4
#define P256_INSTRUCTION_BUDGET 1000000u
#define P256_BACKEND "p256-cm4"
#else
#define P256_INSTRUCTION_BUDGET 10500000u
#define P256_BACKEND "RustCrypto p256"
#endif

static vouch_key_storage key_storage;
static vouch_verifier_storage verifier_storage;
static vouch_hasher_storage hasher_storage;
static uint8_t scratch[8 * 1024];
static uint8_t envelope_copy[4096];
static unsigned passed, failed;

static size_t text_len(const char *s) {
    size_t n = 0;
    while (s[n]) n++;
    return n;
}

/* The installer: 0 when the artifact may be installed, else the first refusing result. */
static vouch_result install(const uint8_t *key, size_t key_len, const uint8_t *env,
                            size_t env_len, const uint8_t *artifact, size_t artifact_len,
                            const char *builder) {
    const vouch_key *k;
    const vouch_verifier *v;
    vouch_hasher *h;
    vouch_digest digest;
    const uint8_t *payload;
    size_t payload_len, subject, off;
    uint32_t signers;
    vouch_str in_toto;
    vouch_result r;

    r = vouch_key_from_raw(VOUCH_ALGORITHM_ED25519, key, key_len, &key_storage,
                           sizeof key_storage, &k);
    if (r != VOUCH_OK) return r;
    in_toto.data = VOUCH_IN_TOTO_PAYLOAD_TYPE;
    in_toto.len = text_len(VOUCH_IN_TOTO_PAYLOAD_TYPE);
    r = vouch_verifier_init(&k, 1, 1, &in_toto, 1, &verifier_storage, sizeof verifier_storage,
                            &v);
    if (r != VOUCH_OK) return r;
    r = vouch_verifier_verify(v, env, env_len, scratch, sizeof scratch, &payload, &payload_len,
                              &signers);
    if (r != VOUCH_OK) return r;
    r = vouch_hasher_init(&hasher_storage, sizeof hasher_storage,
                          VOUCH_HASH_SHA256 | VOUCH_HASH_SHA512, &h);
    if (r != VOUCH_OK) return r;
    for (off = 0; off < artifact_len; off += CHUNK) {
        size_t n = artifact_len - off < CHUNK ? artifact_len - off : CHUNK;
        r = vouch_hasher_update(h, artifact + off, n);
        if (r != VOUCH_OK) return r;
    }
    r = vouch_hasher_finish(h, &digest);
    if (r != VOUCH_OK) return r;
    return vouch_statement_check(payload, payload_len, NULL, 0, builder,
                                 builder ? text_len(builder) : 0, &digest, &subject);
}

/* A verifier for P-256 envelopes with the raw SEC1 key baked in (the setup, not counted). */
static vouch_result p256_verifier(const vouch_verifier **v) {
    const vouch_key *k;
    vouch_str in_toto;
    vouch_result r;

    r = vouch_key_from_raw(VOUCH_ALGORITHM_ECDSA_P256_SHA256, p256_key_sec1, p256_key_sec1_len,
                           &key_storage, sizeof key_storage, &k);
    if (r != VOUCH_OK) return r;
    in_toto.data = VOUCH_IN_TOTO_PAYLOAD_TYPE;
    in_toto.len = text_len(VOUCH_IN_TOTO_PAYLOAD_TYPE);
    return vouch_verifier_init(&k, 1, 1, &in_toto, 1, &verifier_storage,
                               sizeof verifier_storage, v);
}

/* Verifies one P-256 envelope: the verifier's result. */
static vouch_result verify_p256(const vouch_verifier *v, const uint8_t *env, size_t env_len) {
    const uint8_t *payload;
    size_t payload_len;
    uint32_t signers;
    return vouch_verifier_verify(v, env, env_len, scratch, sizeof scratch, &payload,
                                 &payload_len, &signers);
}

static void expect(const char *name, vouch_result got, vouch_result want) {
    if (got == want) {
        passed++;
        console_write("PASS ");
    } else {
        failed++;
        console_write("FAIL ");
    }
    console_write(name);
    console_write(": ");
    console_write(vouch_result_code(got));
    if (got != want) {
        console_write(" (expected ");
        console_write(vouch_result_code(want));
        console_write(")");
    }
    console_write("\n");
}

static void paint_stack(uint8_t *low, size_t len) {
    volatile uint8_t *p = low;
    size_t i;
    for (i = 0; i < len; i++) p[i] = 0xA5;
}

static size_t stack_used(const uint8_t *low, size_t len) {
    size_t i = 0;
    while (i < len && low[i] == 0xA5) i++;
    return len - i;
}

extern uint8_t _bss_end[], _stack_top[];

/* Instruction counting: under `qemu -icount shift=0` every instruction advances virtual time by
   the same amount, so SysTick (a 24-bit down-counter on the processor clock) counts instructions
   in fixed units. The unit is calibrated with a loop of known length. */
#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)

static void systick_start(void) {
    SYST_RVR = 0xFFFFFFu;
    SYST_CVR = 0;
    SYST_CSR = 5u; /* enabled, processor clock, no interrupt */
}

static uint32_t systick_now(void) { return SYST_CVR; }

static uint32_t ticks_since(uint32_t start) { return (start - systick_now()) & 0xFFFFFFu; }

/* 2,000,000 instructions: 1,000,000 iterations of `subs` + `bne`. */
static uint32_t calibration_ticks(void) {
    uint32_t start = systick_now();
    uint32_t n = 1000000u;
    __asm__ volatile("1: subs %0, %0, #1\n bne 1b" : "+r"(n) : : "cc");
    return ticks_since(start);
}

/* Prints the instructions of `ticks` SysTick ticks (`unit`: ticks per 2,000,000 instructions,
   0 when not running under -icount) and fails the run over `budget`. */
static void count_instructions(const char *what, uint32_t ticks, uint32_t unit, uint32_t budget) {
    uint32_t per_tick, instructions;
    if (unit == 0) {
        console_write("instructions: not measured (run under qemu -icount shift=0)\n");
        return;
    }
    /* Instructions per tick (a whole number under -icount shift=0), in 32-bit arithmetic (the
       Cortex-M4 divides in hardware; 64-bit division would link libgcc's). */
    per_tick = (2000000u + unit / 2u) / unit;
    instructions = ticks * per_tick;
    console_write("instructions ");
    console_uint((unsigned long)instructions);
    console_write(" (");
    console_write(what);
    console_write("; ");
    console_uint((unsigned long)per_tick);
    console_write(" per SysTick tick; budget ");
    console_uint((unsigned long)budget);
    console_write(")\n");
    if (instructions > budget) {
        failed++;
        console_write("FAIL instructions over budget\n");
    }
}

int main(void) {
    const char *builder = "https://example.com/builder";
    /* Paint from the end of .bss up to 256 bytes below the current stack pointer. */
    uint8_t here;
    uint8_t *low = _bss_end;
    size_t span = (size_t)(&here - low) - 256;
    size_t used, used_p256, i;
    const vouch_key *unused_key;
    const vouch_verifier *p256 = 0;

    uint32_t unit, t0, ticks;

    console_write("vouch C firmware image: installer flow through the C ABI\n");
    systick_start();
    unit = calibration_ticks(); /* ticks per 2,000,000 instructions */
    paint_stack(low, span);

    t0 = systick_now();
    expect("installs the signed artifact",
           install(trusted_key_raw, trusted_key_raw_len, envelope_json, envelope_json_len,
                   artifact_bin, artifact_bin_len, builder),
           VOUCH_OK);
    ticks = ticks_since(t0);
    used = stack_used(low, span) + (size_t)(_stack_top - &here);
    count_instructions("installer flow: Ed25519 envelope, SHA-256 and SHA-512 of the artifact, "
                       "statement check", ticks, unit, INSTRUCTION_BUDGET);

    expect("refuses a tampered artifact",
           install(trusted_key_raw, trusted_key_raw_len, envelope_json, envelope_json_len,
                   tampered_bin, tampered_bin_len, builder),
           VOUCH_ERR_SUBJECT_MISMATCH);
    expect("refuses another builder",
           install(trusted_key_raw, trusted_key_raw_len, envelope_json, envelope_json_len,
                   artifact_bin, artifact_bin_len, "https://evil.example/builder"),
           VOUCH_ERR_BUILDER_ID_MISMATCH);
    expect("refuses an envelope the key did not sign",
           install(other_key_raw, other_key_raw_len, envelope_json, envelope_json_len,
                   artifact_bin, artifact_bin_len, builder),
           VOUCH_ERR_INVALID_SIGNATURE);
    /* One flipped bit inside the base64 payload: the signature no longer covers it. */
    for (i = 0; i < envelope_json_len && i < sizeof envelope_copy; i++)
        envelope_copy[i] = envelope_json[i];
    for (i = 0; i + 12 < envelope_json_len; i++) {
        if (envelope_copy[i] == '"' && envelope_copy[i + 1] == 'e' && envelope_copy[i + 2] == 'y') {
            envelope_copy[i + 10] = envelope_copy[i + 10] == 'A' ? 'B' : 'A';
            break;
        }
    }
    expect("refuses a modified payload",
           install(trusted_key_raw, trusted_key_raw_len, envelope_copy, envelope_json_len,
                   artifact_bin, artifact_bin_len, builder),
           VOUCH_ERR_INVALID_SIGNATURE);
    /* P-256: one envelope counted (the verification: instructions, and stack painted afresh),
       one refused. */
    expect("sets up a P-256 verifier (raw SEC1 key)", p256_verifier(&p256), VOUCH_OK);
    paint_stack(low, span);
    t0 = systick_now();
    expect("verifies a P-256 envelope (DER signature, " P256_BACKEND ")",
           verify_p256(p256, p256_envelope_json, p256_envelope_json_len), VOUCH_OK);
    ticks = ticks_since(t0);
    used_p256 = stack_used(low, span) + (size_t)(_stack_top - &here);
    count_instructions("P-256 envelope, " P256_BACKEND, ticks, unit, P256_INSTRUCTION_BUDGET);
    expect("refuses a P-256 signature with a flipped bit",
           verify_p256(p256, p256_tampered_json, p256_tampered_json_len),
           VOUCH_ERR_INVALID_SIGNATURE);

    expect("refuses a key of an algorithm the ABI does not name",
           vouch_key_from_raw(7, trusted_key_raw, trusted_key_raw_len, &key_storage,
                              sizeof key_storage, &unused_key),
           VOUCH_ERR_UNSUPPORTED_KEY_TYPE);

    console_write("max-stack ");
    console_uint((unsigned long)used);
    console_write(" bytes (installer flow, budget ");
    console_uint(STACK_BUDGET);
    console_write(")\n");
    console_write("max-stack ");
    console_uint((unsigned long)used_p256);
    console_write(" bytes (P-256 verification, budget ");
    console_uint(STACK_BUDGET);
    console_write(")\n");
    if (used > STACK_BUDGET || used_p256 > STACK_BUDGET) {
        failed++;
        console_write("FAIL stack over budget\n");
    }
    console_uint(passed);
    console_write(" passed, ");
    console_uint(failed);
    console_write(" failed\n");
    return failed == 0 ? 0 : 1;
}
