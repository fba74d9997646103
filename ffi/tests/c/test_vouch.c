/*
 * C consumer tests of libvouch (driven by ffi/tests/c_abi.rs, which writes the signed fixtures
 * into the directory given as argv[1]). Compiled with -std=c99 -Wall -Wextra -Werror -pedantic,
 * run under ASan + UBSan and under valgrind.
 */
#include "check.h"

#define LIT(s) (const uint8_t *)(s), (sizeof(s) - 1)

/* ------------------------------------------------------------------------------------------ */

static uint8_t files[16][65536];
static size_t nfiles;

/* Reads a fixture into a static buffer; exits if it is missing. */
static const uint8_t *load(const char *name, size_t *len) {
    char path[1024];
    FILE *f;
    uint8_t *buf;
    if (nfiles >= sizeof files / sizeof files[0]) {
        fprintf(stderr, "too many fixtures\n");
        exit(2);
    }
    buf = files[nfiles++];
    snprintf(path, sizeof path, "%s/%s", fixture_dir, name);
    f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        exit(2);
    }
    *len = fread(buf, 1, sizeof files[0], f);
    fclose(f);
    return buf;
}

static void reset_files(void) { nfiles = 0; }

static const vouch_key *parse_key(const char *name, vouch_key_storage *st) {
    size_t len;
    const uint8_t *bytes = load(name, &len);
    const vouch_key *key = NULL;
    EXPECT(vouch_key_parse(bytes, len, st, sizeof *st, &key), VOUCH_OK);
    CHECK(key != NULL);
    return key;
}

static const vouch_str IN_TOTO = {VOUCH_IN_TOTO_PAYLOAD_TYPE,
                                  sizeof VOUCH_IN_TOTO_PAYLOAD_TYPE - 1};

static const vouch_verifier *make_verifier(const vouch_key *const *keys, size_t n,
                                           size_t threshold, vouch_verifier_storage *st) {
    const vouch_verifier *v = NULL;
    EXPECT(vouch_verifier_init(keys, n, threshold, &IN_TOTO, 1, st, sizeof *st, &v), VOUCH_OK);
    return v;
}

static uint8_t scratch[65536];

/* Verifies fixture `name` and returns the result; on success fills payload/len/mask. */
static vouch_result verify_file(const vouch_verifier *v, const char *name, const uint8_t **payload,
                                size_t *payload_len, uint32_t *mask) {
    size_t len;
    const uint8_t *env = load(name, &len);
    return vouch_verifier_verify(v, env, len, scratch, sizeof scratch, payload, payload_len, mask);
}

/* ------------------------------------------------------------------------------------------ */

static void test_results_and_version(void) {
    char buf[VOUCH_MESSAGE_MAX];
    size_t len = 12345;
    uint32_t r;

    CHECK(strcmp(vouch_result_code(VOUCH_OK), "ok") == 0);
    CHECK(strcmp(vouch_result_code(VOUCH_ERR_INVALID_SIGNATURE), "invalid-signature") == 0);
    CHECK(strcmp(vouch_result_code(VOUCH_ERR_THRESHOLD_NOT_MET), "threshold-not-met") == 0);
    CHECK(strcmp(vouch_result_code(VOUCH_ERR_NULL_POINTER), "null-pointer") == 0);
    CHECK(strcmp(vouch_result_code(VOUCH_ERR_MISALIGNED), "misaligned") == 0);
    CHECK(strcmp(vouch_result_code(999), "unknown") == 0);
    CHECK(strcmp(vouch_result_code(0xffffffffu), "unknown") == 0);
    CHECK(VOUCH_ERR_INVALID_JSON == 1 && VOUCH_ERR_NO_ARTIFACT_DIGEST == 32);
    CHECK(VOUCH_ERR_NULL_POINTER == 1000);
    CHECK(VOUCH_ERR_DER_TRUNCATED == 100 && VOUCH_ERR_UNSUPPORTED_HASH_ALGORITHM == 119);
    CHECK(strcmp(vouch_result_code(VOUCH_ERR_RSA_UNSUPPORTED), "rsa-unsupported") == 0);

    /* Every number gets a code and a message that fits VOUCH_MESSAGE_MAX. */
    for (r = 0; r < 1100; r++) {
        CHECK(vouch_result_code(r) != NULL);
        EXPECT(vouch_result_message(r, buf, sizeof buf, &len), VOUCH_OK);
        CHECK(len > 0 && len < sizeof buf && strlen(buf) == len);
    }
    EXPECT(vouch_result_message(VOUCH_ERR_SUBJECT_MISMATCH, buf, sizeof buf, &len), VOUCH_OK);
    CHECK(strcmp(buf, "the artifact matches no subject of the Statement") == 0);

    /* Too small: nothing written. */
    memset(buf, 'x', sizeof buf);
    len = 777;
    EXPECT(vouch_result_message(VOUCH_OK, buf, 7, &len), VOUCH_ERR_BUFFER_TOO_SMALL);
    CHECK(len == 777 && buf[0] == 'x');
    EXPECT(vouch_result_message(VOUCH_OK, buf, 0, &len), VOUCH_ERR_BUFFER_TOO_SMALL);
    EXPECT(vouch_result_message(VOUCH_OK, buf, 8, &len), VOUCH_OK); /* "success" + NUL */
    CHECK(len == 7 && strcmp(buf, "success") == 0);
    EXPECT(vouch_result_message(VOUCH_OK, NULL, 8, &len), VOUCH_ERR_NULL_POINTER);
    EXPECT(vouch_result_message(VOUCH_OK, buf, 8, NULL), VOUCH_ERR_NULL_POINTER);

    CHECK(vouch_version() != NULL && strlen(vouch_version()) > 0);
    CHECK(strchr(vouch_version(), '.') != NULL);
}

static void test_storage_sizes(void) {
    CHECK(sizeof(vouch_key_storage) == VOUCH_KEY_STORAGE_SIZE);
    CHECK(sizeof(vouch_verifier_storage) == VOUCH_VERIFIER_STORAGE_SIZE);
    CHECK(sizeof(vouch_hasher_storage) == VOUCH_HASHER_STORAGE_SIZE);
    CHECK(vouch_key_storage_size() > 0 && vouch_key_storage_size() <= VOUCH_KEY_STORAGE_SIZE);
    CHECK(vouch_verifier_storage_size() > 0 &&
          vouch_verifier_storage_size() <= VOUCH_VERIFIER_STORAGE_SIZE);
    CHECK(vouch_hasher_storage_size() > 0 &&
          vouch_hasher_storage_size() <= VOUCH_HASHER_STORAGE_SIZE);
    CHECK(vouch_storage_align() > 0 && vouch_storage_align() <= VOUCH_STORAGE_ALIGN);
}

static void same_fingerprint(const vouch_key *a, const vouch_key *b) {
    uint8_t fa[VOUCH_FINGERPRINT_LEN], fb[VOUCH_FINGERPRINT_LEN];
    EXPECT(vouch_key_fingerprint(a, fa, sizeof fa), VOUCH_OK);
    EXPECT(vouch_key_fingerprint(b, fb, sizeof fb), VOUCH_OK);
    CHECK(memcmp(fa, fb, sizeof fa) == 0);
}

static void test_keys(void) {
    vouch_key_storage st[8];
    const vouch_key *ed_pem, *ed_der, *ed_raw, *p_pem, *p_der, *p_sec1, *p_sec1c, *k;
    vouch_algorithm alg = 0;
    uint8_t fp[VOUCH_FINGERPRINT_LEN + 1];
    uint8_t der[VOUCH_MAX_SPKI_LEN];
    uint8_t big[VOUCH_KEY_STORAGE_SIZE * 2];
    size_t der_len = 0, len;
    const uint8_t *bytes;
    uint8_t x25519[64];
    vouch_key_storage zeroed;
    const vouch_key *sentinel = (const vouch_key *)&zeroed;

    reset_files();
    ed_pem = parse_key("ed.pem", &st[0]);
    ed_der = parse_key("ed.der", &st[1]);
    ed_raw = parse_key("ed.raw", &st[2]);
    p_pem = parse_key("p256.pem", &st[3]);
    p_der = parse_key("p256.der", &st[4]);
    p_sec1 = parse_key("p256.sec1", &st[5]);
    p_sec1c = parse_key("p256c.sec1", &st[6]);

    EXPECT(vouch_key_algorithm(ed_pem, &alg), VOUCH_OK);
    CHECK(alg == VOUCH_ALGORITHM_ED25519);
    EXPECT(vouch_key_algorithm(p_sec1c, &alg), VOUCH_OK);
    CHECK(alg == VOUCH_ALGORITHM_ECDSA_P256_SHA256);
    same_fingerprint(ed_pem, ed_der);
    same_fingerprint(ed_pem, ed_raw);
    same_fingerprint(p_pem, p_der);
    same_fingerprint(p_pem, p_sec1);
    same_fingerprint(p_pem, p_sec1c);

    /* SPKI DER round trip. */
    EXPECT(vouch_key_spki_der(p_sec1c, der, sizeof der, &der_len), VOUCH_OK);
    CHECK(der_len == 91);
    EXPECT(vouch_key_parse(der, der_len, &st[7], sizeof st[7], &k), VOUCH_OK);
    same_fingerprint(k, p_pem);
    EXPECT(vouch_key_spki_der(ed_raw, der, sizeof der, &der_len), VOUCH_OK);
    CHECK(der_len == 44);
    len = 999;
    EXPECT(vouch_key_spki_der(ed_raw, der, 43, &len), VOUCH_ERR_BUFFER_TOO_SMALL);
    CHECK(len == 999);
    EXPECT(vouch_key_spki_der(ed_raw, NULL, 44, &len), VOUCH_ERR_NULL_POINTER);
    EXPECT(vouch_key_spki_der(ed_raw, der, 44, NULL), VOUCH_ERR_NULL_POINTER);

    /* Fingerprint buffer exactly 32 is fine; 31 is too small and untouched. */
    memset(fp, 0xAA, sizeof fp);
    EXPECT(vouch_key_fingerprint(ed_raw, fp, VOUCH_FINGERPRINT_LEN - 1),
           VOUCH_ERR_BUFFER_TOO_SMALL);
    CHECK(fp[0] == 0xAA);
    EXPECT(vouch_key_fingerprint(ed_raw, fp, VOUCH_FINGERPRINT_LEN), VOUCH_OK);
    CHECK(fp[VOUCH_FINGERPRINT_LEN] == 0xAA);
    EXPECT(vouch_key_fingerprint(NULL, fp, sizeof fp), VOUCH_ERR_NULL_POINTER);
    EXPECT(vouch_key_fingerprint(ed_raw, NULL, sizeof fp), VOUCH_ERR_NULL_POINTER);
    EXPECT(vouch_key_algorithm(NULL, &alg), VOUCH_ERR_NULL_POINTER);
    EXPECT(vouch_key_algorithm(ed_raw, NULL), VOUCH_ERR_NULL_POINTER);

    /* Handles into storage that holds no key. */
    memset(&zeroed, 0, sizeof zeroed);
    EXPECT(vouch_key_algorithm(sentinel, &alg), VOUCH_ERR_INVALID_HANDLE);
    EXPECT(vouch_key_algorithm((const vouch_key *)((const uint8_t *)&st[0] + 1), &alg),
           VOUCH_ERR_MISALIGNED);

    /* Bad inputs; the out pointer stays untouched. */
    k = sentinel;
    EXPECT(vouch_key_parse(LIT("hello"), &st[7], sizeof st[7], &k), VOUCH_ERR_INVALID_KEY);
    CHECK(k == sentinel);
    EXPECT(vouch_key_parse(x25519, 0, &st[7], sizeof st[7], &k), VOUCH_ERR_INVALID_KEY);
    EXPECT(vouch_key_parse(LIT("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"),
                           &st[7], sizeof st[7], &k),
           VOUCH_ERR_INVALID_KEY);
    memset(x25519, 0, 32);
    x25519[31] = 0; /* all-zero raw Ed25519: small-order point */
    EXPECT(vouch_key_parse(x25519, 32, &st[7], sizeof st[7], &k), VOUCH_ERR_INVALID_KEY);
    /* X25519 SPKI (OID 1.3.101.110): parses as SPKI, unsupported algorithm. */
    bytes = load("ed.der", &len);
    CHECK(len == 44);
    memcpy(x25519, bytes, len);
    CHECK(x25519[8] == 0x70);
    x25519[8] = 0x6e;
    EXPECT(vouch_key_parse(x25519, len, &st[7], sizeof st[7], &k), VOUCH_ERR_UNSUPPORTED_KEY_TYPE);
    CHECK(k == sentinel);

    /* NULL pointers. */
    bytes = load("ed.raw", &len);
    EXPECT(vouch_key_parse(NULL, len, &st[7], sizeof st[7], &k), VOUCH_ERR_NULL_POINTER);
    EXPECT(vouch_key_parse(NULL, 0, &st[7], sizeof st[7], &k), VOUCH_ERR_NULL_POINTER);
    EXPECT(vouch_key_parse(bytes, len, NULL, sizeof st[7], &k), VOUCH_ERR_NULL_POINTER);
    EXPECT(vouch_key_parse(bytes, len, &st[7], sizeof st[7], NULL), VOUCH_ERR_NULL_POINTER);
    CHECK(k == sentinel);

    /* Undersized and misaligned storage. */
    EXPECT(vouch_key_parse(bytes, len, &st[7], vouch_key_storage_size() - 1, &k),
           VOUCH_ERR_STORAGE_TOO_SMALL);
    EXPECT(vouch_key_parse(bytes, len, &st[7], 0, &k), VOUCH_ERR_STORAGE_TOO_SMALL);
    EXPECT(vouch_key_parse(bytes, len, (uint8_t *)&st[7] + 1, sizeof st[7] - 1, &k),
           VOUCH_ERR_MISALIGNED);
    CHECK(k == sentinel);
    /* Exactly the reported size at an aligned offset inside a larger buffer works. */
    EXPECT(vouch_key_parse(bytes, len, &st[7], vouch_key_storage_size(), &k), VOUCH_OK);
    {
        /* Any suitably aligned byte buffer works too. */
        size_t off = (size_t)(VOUCH_STORAGE_ALIGN - ((uintptr_t)big % VOUCH_STORAGE_ALIGN)) %
                     VOUCH_STORAGE_ALIGN;
        EXPECT(vouch_key_parse(bytes, len, big + off, sizeof big - off, &k), VOUCH_OK);
        same_fingerprint(k, ed_raw);
    }
}

/* vouch_key_from_raw: raw keys with the algorithm named, for firmware with baked-in keys. */
static void test_key_from_raw(void) {
    vouch_key_storage st[4];
    const vouch_key *ed, *p, *pc, *k;
    const vouch_key *sentinel = (const vouch_key *)&st[3];
    const vouch_key *keys[2];
    const vouch_verifier *v;
    vouch_verifier_storage vs;
    vouch_algorithm alg;
    const uint8_t *bytes, *payload;
    size_t len, payload_len;
    uint32_t mask;
    uint8_t bad[65];

    reset_files();
    bytes = load("ed.raw", &len);
    CHECK(len == 32);
    EXPECT(vouch_key_from_raw(VOUCH_ALGORITHM_ED25519, bytes, len, &st[0], sizeof st[0], &ed),
           VOUCH_OK);
    EXPECT(vouch_key_algorithm(ed, &alg), VOUCH_OK);
    CHECK(alg == VOUCH_ALGORITHM_ED25519);
    same_fingerprint(ed, parse_key("ed.raw", &st[3]));
    bytes = load("p256.sec1", &len);
    CHECK(len == 65);
    EXPECT(vouch_key_from_raw(VOUCH_ALGORITHM_ECDSA_P256_SHA256, bytes, len, &st[1], sizeof st[1],
                              &p),
           VOUCH_OK);
    same_fingerprint(p, parse_key("p256.sec1", &st[3]));
    bytes = load("p256c.sec1", &len);
    CHECK(len == 33);
    EXPECT(vouch_key_from_raw(VOUCH_ALGORITHM_ECDSA_P256_SHA256, bytes, len, &st[2], sizeof st[2],
                              &pc),
           VOUCH_OK);
    same_fingerprint(p, pc);

    /* Keys made this way verify envelopes like parsed ones. */
    keys[0] = ed;
    keys[1] = p;
    v = make_verifier(keys, 2, 1, &vs);
    EXPECT(verify_file(v, "ok_ed.json", &payload, &payload_len, &mask), VOUCH_OK);
    CHECK(mask == 1u);
    EXPECT(verify_file(v, "ok_p256_der.json", &payload, &payload_len, &mask), VOUCH_OK);
    CHECK(mask == 2u);

    /* An algorithm the ABI does not name; bytes of the wrong shape for the algorithm. */
    k = sentinel;
    bytes = load("ed.raw", &len);
    EXPECT(vouch_key_from_raw(0, bytes, len, &st[3], sizeof st[3], &k),
           VOUCH_ERR_UNSUPPORTED_KEY_TYPE);
    EXPECT(vouch_key_from_raw(3, bytes, len, &st[3], sizeof st[3], &k),
           VOUCH_ERR_UNSUPPORTED_KEY_TYPE);
    EXPECT(vouch_key_from_raw(0xffffffffu, bytes, len, &st[3], sizeof st[3], &k),
           VOUCH_ERR_UNSUPPORTED_KEY_TYPE);
    EXPECT(vouch_key_from_raw(VOUCH_ALGORITHM_ED25519, bytes, len - 1, &st[3], sizeof st[3], &k),
           VOUCH_ERR_INVALID_KEY);
    EXPECT(vouch_key_from_raw(VOUCH_ALGORITHM_ECDSA_P256_SHA256, bytes, len, &st[3], sizeof st[3],
                              &k),
           VOUCH_ERR_INVALID_KEY);
    /* A PEM or SPKI DER document is not a raw key. */
    bytes = load("ed.der", &len);
    EXPECT(vouch_key_from_raw(VOUCH_ALGORITHM_ED25519, bytes, len, &st[3], sizeof st[3], &k),
           VOUCH_ERR_INVALID_KEY);
    bytes = load("p256.sec1", &len);
    memcpy(bad, bytes, len);
    bad[64] ^= 1; /* off the curve */
    EXPECT(vouch_key_from_raw(VOUCH_ALGORITHM_ECDSA_P256_SHA256, bad, len, &st[3], sizeof st[3],
                              &k),
           VOUCH_ERR_INVALID_KEY);
    memset(bad, 0, 32); /* small-order Ed25519 point */
    EXPECT(vouch_key_from_raw(VOUCH_ALGORITHM_ED25519, bad, 32, &st[3], sizeof st[3], &k),
           VOUCH_ERR_INVALID_KEY);
    CHECK(k == sentinel);
    /* NULL pointers and small storage, as vouch_key_parse. */
    EXPECT(vouch_key_from_raw(VOUCH_ALGORITHM_ED25519, NULL, 32, &st[3], sizeof st[3], &k),
           VOUCH_ERR_NULL_POINTER);
    bytes = load("ed.raw", &len);
    EXPECT(vouch_key_from_raw(VOUCH_ALGORITHM_ED25519, bytes, len, &st[3], sizeof st[3], NULL),
           VOUCH_ERR_NULL_POINTER);
    EXPECT(vouch_key_from_raw(VOUCH_ALGORITHM_ED25519, bytes, len, &st[3],
                              vouch_key_storage_size() - 1, &k),
           VOUCH_ERR_STORAGE_TOO_SMALL);
    CHECK(k == sentinel);
}

static void test_verifier_init(void) {
    vouch_key_storage ks[3];
    vouch_verifier_storage vs;
    const vouch_key *keys[VOUCH_MAX_TRUSTED_KEYS + 1];
    const vouch_verifier *v = NULL;
    const vouch_verifier *sentinel = (const vouch_verifier *)&ks[0];
    vouch_str types[VOUCH_MAX_PAYLOAD_TYPES + 1];
    char long_type[VOUCH_MAX_PAYLOAD_TYPE_LEN + 1];
    size_t i;

    reset_files();
    keys[0] = parse_key("ed.raw", &ks[0]);
    keys[1] = parse_key("p256.pem", &ks[1]);
    keys[2] = parse_key("ed.pem", &ks[2]); /* same material as keys[0] */
    for (i = 0; i < VOUCH_MAX_PAYLOAD_TYPES + 1; i++) types[i] = IN_TOTO;

    EXPECT(vouch_verifier_init(keys, 2, 2, &IN_TOTO, 1, &vs, sizeof vs, &v), VOUCH_OK);
    CHECK(v != NULL);
    EXPECT(vouch_verifier_init(keys, 1, 1, types, VOUCH_MAX_PAYLOAD_TYPES, &vs,
                               vouch_verifier_storage_size(), &v),
           VOUCH_OK);

    v = sentinel;
    EXPECT(vouch_verifier_init(keys, 0, 1, &IN_TOTO, 1, &vs, sizeof vs, &v),
           VOUCH_ERR_NO_TRUSTED_KEYS);
    for (i = 3; i < VOUCH_MAX_TRUSTED_KEYS + 1; i++) keys[i] = keys[1];
    EXPECT(vouch_verifier_init(keys, VOUCH_MAX_TRUSTED_KEYS + 1, 1, &IN_TOTO, 1, &vs, sizeof vs,
                               &v),
           VOUCH_ERR_TOO_MANY_KEYS);
    EXPECT(vouch_verifier_init(keys, 2, 0, &IN_TOTO, 1, &vs, sizeof vs, &v),
           VOUCH_ERR_INVALID_THRESHOLD);
    EXPECT(vouch_verifier_init(keys, 2, 3, &IN_TOTO, 1, &vs, sizeof vs, &v),
           VOUCH_ERR_INVALID_THRESHOLD);
    EXPECT(vouch_verifier_init(keys, 3, 1, &IN_TOTO, 1, &vs, sizeof vs, &v),
           VOUCH_ERR_DUPLICATE_TRUSTED_KEY);
    EXPECT(vouch_verifier_init(keys, 2, 1, types, 0, &vs, sizeof vs, &v),
           VOUCH_ERR_NO_PAYLOAD_TYPES);
    EXPECT(vouch_verifier_init(keys, 2, 1, types, VOUCH_MAX_PAYLOAD_TYPES + 1, &vs, sizeof vs, &v),
           VOUCH_ERR_TOO_MANY_PAYLOAD_TYPES);
    memset(long_type, 'a', sizeof long_type);
    types[1].data = long_type;
    types[1].len = VOUCH_MAX_PAYLOAD_TYPE_LEN + 1;
    EXPECT(vouch_verifier_init(keys, 2, 1, types, 2, &vs, sizeof vs, &v),
           VOUCH_ERR_ARGUMENT_TOO_LONG);
    types[1].len = VOUCH_MAX_PAYLOAD_TYPE_LEN; /* exactly the limit is fine */
    EXPECT(vouch_verifier_init(keys, 2, 1, types, 2, &vs, sizeof vs, &v), VOUCH_OK);
    v = sentinel;
    types[1].data = "text/\xff";
    types[1].len = 6;
    EXPECT(vouch_verifier_init(keys, 2, 1, types, 2, &vs, sizeof vs, &v),
           VOUCH_ERR_INVALID_UTF8_ARGUMENT);
    types[1].data = NULL;
    types[1].len = 0;
    EXPECT(vouch_verifier_init(keys, 2, 1, types, 2, &vs, sizeof vs, &v), VOUCH_ERR_NULL_POINTER);
    types[1] = IN_TOTO;

    /* NULL pointers, including a NULL element of the key array. */
    EXPECT(vouch_verifier_init(NULL, 2, 1, &IN_TOTO, 1, &vs, sizeof vs, &v),
           VOUCH_ERR_NULL_POINTER);
    EXPECT(vouch_verifier_init(keys, 2, 1, NULL, 1, &vs, sizeof vs, &v), VOUCH_ERR_NULL_POINTER);
    EXPECT(vouch_verifier_init(keys, 2, 1, &IN_TOTO, 1, NULL, sizeof vs, &v),
           VOUCH_ERR_NULL_POINTER);
    EXPECT(vouch_verifier_init(keys, 2, 1, &IN_TOTO, 1, &vs, sizeof vs, NULL),
           VOUCH_ERR_NULL_POINTER);
    keys[3] = NULL;
    EXPECT(vouch_verifier_init(keys + 2, 2, 1, &IN_TOTO, 1, &vs, sizeof vs, &v),
           VOUCH_ERR_NULL_POINTER);

    /* Storage. */
    EXPECT(vouch_verifier_init(keys, 2, 1, &IN_TOTO, 1, &vs, vouch_verifier_storage_size() - 1,
                               &v),
           VOUCH_ERR_STORAGE_TOO_SMALL);
    EXPECT(vouch_verifier_init(keys, 2, 1, &IN_TOTO, 1, (uint8_t *)&vs + 4, sizeof vs - 4, &v),
           VOUCH_ERR_MISALIGNED);
    CHECK(v == sentinel);
}

static void test_verify(void) {
    vouch_key_storage ks[4];
    vouch_verifier_storage vs;
    const vouch_key *ed, *p, *ed2, *keys[3];
    const vouch_verifier *v;
    const uint8_t *payload = NULL, *sentinel_payload = (const uint8_t *)"s";
    size_t payload_len = 0, need = 0, env_len, i;
    uint32_t mask = 0;
    const uint8_t *env;
    static uint8_t big[200000];
    static char doc[80000];
    size_t n;

    reset_files();
    ed = parse_key("ed.pem", &ks[0]);
    p = parse_key("p256.der", &ks[1]);
    ed2 = parse_key("ed2.raw", &ks[2]);

    /* Each algorithm (and both ECDSA signature encodings). */
    v = make_verifier(&ed, 1, 1, &vs);
    EXPECT(verify_file(v, "ok_ed.json", &payload, &payload_len, &mask), VOUCH_OK);
    CHECK(mask == 1u && payload >= scratch && payload + payload_len <= scratch + sizeof scratch);
    CHECK(payload_len > 100 && memcmp(payload, "{\"_type\":", 9) == 0);
    v = make_verifier(&p, 1, 1, &vs);
    EXPECT(verify_file(v, "ok_p256_der.json", &payload, &payload_len, &mask), VOUCH_OK);
    CHECK(mask == 1u);
    EXPECT(verify_file(v, "ok_p256_raw.json", &payload, &payload_len, &mask), VOUCH_OK);
    EXPECT(verify_file(v, "ok_ed.json", &payload, &payload_len, &mask),
           VOUCH_ERR_INVALID_SIGNATURE);

    /* Key mask follows the order of the key array. */
    keys[0] = ed2;
    keys[1] = ed;
    v = make_verifier(keys, 2, 1, &vs);
    EXPECT(verify_file(v, "ok_ed.json", &payload, &payload_len, &mask), VOUCH_OK);
    CHECK(mask == 2u);

    /* Thresholds: 2 distinct keys; the same key twice counts once. */
    keys[0] = ed;
    keys[1] = p;
    keys[2] = ed2;
    v = make_verifier(keys, 2, 2, &vs);
    EXPECT(verify_file(v, "two_sigs.json", &payload, &payload_len, &mask), VOUCH_OK);
    CHECK(mask == 3u);
    EXPECT(verify_file(v, "ok_ed.json", &payload, &payload_len, &mask),
           VOUCH_ERR_THRESHOLD_NOT_MET);
    EXPECT(verify_file(v, "dup_sig.json", &payload, &payload_len, &mask),
           VOUCH_ERR_THRESHOLD_NOT_MET);
    v = make_verifier(keys, 3, 3, &vs);
    EXPECT(verify_file(v, "two_sigs.json", &payload, &payload_len, &mask),
           VOUCH_ERR_THRESHOLD_NOT_MET);
    v = make_verifier(keys, 3, 1, &vs);
    EXPECT(verify_file(v, "two_sigs.json", &payload, &payload_len, &mask), VOUCH_OK);
    CHECK(mask == 1u); /* stops once the threshold is met */

    /* Signature and type failures. */
    v = make_verifier(&ed, 1, 1, &vs);
    EXPECT(verify_file(v, "bad_sig.json", &payload, &payload_len, &mask),
           VOUCH_ERR_INVALID_SIGNATURE);
    EXPECT(verify_file(v, "wrong_type.json", &payload, &payload_len, &mask),
           VOUCH_ERR_PAYLOAD_TYPE_NOT_ALLOWED);

    /* Malformed envelopes. */
#define BAD_ENV(text, want)                                                                    \
    EXPECT(vouch_verifier_verify(v, LIT(text), scratch, sizeof scratch, &payload, &payload_len, \
                                 &mask),                                                       \
           want)
    BAD_ENV("{", VOUCH_ERR_INVALID_JSON);
    BAD_ENV("", VOUCH_ERR_INVALID_JSON);
    BAD_ENV("{\"a\":1,\"a\":2}", VOUCH_ERR_DUPLICATE_KEY);
    BAD_ENV("\"\xff\"", VOUCH_ERR_INVALID_UTF8);
    BAD_ENV("{\"payloadType\":\"x\",\"signatures\":[{\"sig\":\"\"}]}",
            VOUCH_ERR_MALFORMED_ENVELOPE);
    BAD_ENV("{\"payload\":\"\",\"payloadType\":\"x\",\"signatures\":[]}", VOUCH_ERR_NO_SIGNATURES);
    BAD_ENV("{\"payload\":\"a b\",\"payloadType\":\"x\",\"signatures\":[{\"sig\":\"\"}]}",
            VOUCH_ERR_INVALID_BASE64);
    memset(doc, '[', 40);
    memset(doc + 40, ']', 40);
    EXPECT(vouch_verifier_verify(v, (const uint8_t *)doc, 80, scratch, sizeof scratch, &payload,
                                 &payload_len, &mask),
           VOUCH_ERR_JSON_TOO_DEEP);
    n = (size_t)sprintf(doc, "{\"payload\":\"\",\"payloadType\":\"x\",\"signatures\":[");
    for (i = 0; i < VOUCH_MAX_SIGNATURES + 1; i++)
        n += (size_t)sprintf(doc + n, "%s{\"sig\":\"\"}", i ? "," : "");
    n += (size_t)sprintf(doc + n, "]}");
    EXPECT(vouch_verifier_verify(v, (const uint8_t *)doc, n, scratch, sizeof scratch, &payload,
                                 &payload_len, &mask),
           VOUCH_ERR_TOO_MANY_SIGNATURES);
    n = (size_t)sprintf(doc, "{");
    for (i = 0; i < 1025; i++) n += (size_t)sprintf(doc + n, "%s\"k%u\":0", i ? "," : "", (unsigned)i);
    n += (size_t)sprintf(doc + n, "}");
    EXPECT(vouch_verifier_verify(v, (const uint8_t *)doc, n, scratch, sizeof scratch, &payload,
                                 &payload_len, &mask),
           VOUCH_ERR_JSON_OBJECT_TOO_LARGE);

    /* Scratch: exactly the payload length works, one byte less does not (outputs untouched). */
    env = load("ok_ed.json", &env_len);
    EXPECT(vouch_envelope_payload_len(env, env_len, &need), VOUCH_OK);
    CHECK(need > 0);
    EXPECT(vouch_verifier_verify(v, env, env_len, scratch, need, &payload, &payload_len, &mask),
           VOUCH_OK);
    CHECK(payload == scratch && payload_len == need);
    payload = sentinel_payload;
    payload_len = 4242;
    mask = 0xdead;
    EXPECT(vouch_verifier_verify(v, env, env_len, scratch, need - 1, &payload, &payload_len,
                                 &mask),
           VOUCH_ERR_BUFFER_TOO_SMALL);
    EXPECT(vouch_verifier_verify(v, env, env_len, scratch, 0, &payload, &payload_len, &mask),
           VOUCH_ERR_BUFFER_TOO_SMALL);
    CHECK(payload == sentinel_payload && payload_len == 4242 && mask == 0xdead);
    EXPECT(vouch_envelope_payload_len(LIT("{}"), &need), VOUCH_ERR_MALFORMED_ENVELOPE);
    EXPECT(vouch_envelope_payload_len(NULL, 3, &need), VOUCH_ERR_NULL_POINTER);
    EXPECT(vouch_envelope_payload_len(env, env_len, NULL), VOUCH_ERR_NULL_POINTER);

    /* Scratch overlapping the envelope is refused. */
    memcpy(big, env, env_len);
    EXPECT(vouch_verifier_verify(v, big, env_len, big + 10, sizeof big - 10, &payload,
                                 &payload_len, &mask),
           VOUCH_ERR_INVALID_ARGUMENT);
    EXPECT(vouch_verifier_verify(v, big, env_len, big + env_len, sizeof big - env_len, &payload,
                                 &payload_len, &mask),
           VOUCH_OK);

    /* NULL pointers and bad handles. */
    EXPECT(vouch_verifier_verify(NULL, env, env_len, scratch, sizeof scratch, &payload,
                                 &payload_len, &mask),
           VOUCH_ERR_NULL_POINTER);
    EXPECT(vouch_verifier_verify(v, NULL, env_len, scratch, sizeof scratch, &payload,
                                 &payload_len, &mask),
           VOUCH_ERR_NULL_POINTER);
    EXPECT(vouch_verifier_verify(v, env, env_len, NULL, sizeof scratch, &payload, &payload_len,
                                 &mask),
           VOUCH_ERR_NULL_POINTER);
    EXPECT(vouch_verifier_verify(v, env, env_len, scratch, sizeof scratch, NULL, &payload_len,
                                 &mask),
           VOUCH_ERR_NULL_POINTER);
    EXPECT(vouch_verifier_verify(v, env, env_len, scratch, sizeof scratch, &payload, NULL, &mask),
           VOUCH_ERR_NULL_POINTER);
    EXPECT(vouch_verifier_verify(v, env, env_len, scratch, sizeof scratch, &payload, &payload_len,
                                 NULL),
           VOUCH_ERR_NULL_POINTER);
    EXPECT(vouch_verifier_verify((const vouch_verifier *)&ks[3].opaque[0], env, env_len, scratch,
                                 sizeof scratch, &payload, &payload_len, &mask),
           VOUCH_ERR_INVALID_HANDLE);
    EXPECT(vouch_verifier_verify((const vouch_verifier *)ed, env, env_len, scratch,
                                 sizeof scratch, &payload, &payload_len, &mask),
           VOUCH_ERR_INVALID_HANDLE);

    /* The verifier owns copies: overwriting the key storage afterwards changes nothing. */
    memset(&ks[0], 0, sizeof ks[0]);
    EXPECT(vouch_verifier_verify(v, env, env_len, scratch, sizeof scratch, &payload, &payload_len,
                                 &mask),
           VOUCH_OK);
    /* And the verifier storage may be moved with memcpy. */
    {
        vouch_verifier_storage moved;
        memcpy(&moved, &vs, sizeof vs);
        memset(&vs, 0, sizeof vs);
        EXPECT(vouch_verifier_verify((const vouch_verifier *)&moved, env, env_len, scratch,
                                     sizeof scratch, &payload, &payload_len, &mask),
               VOUCH_OK);
        EXPECT(vouch_verifier_verify(v, env, env_len, scratch, sizeof scratch, &payload,
                                     &payload_len, &mask),
               VOUCH_ERR_INVALID_HANDLE);
    }
}

static void hex_of(const uint8_t *d, size_t n, char *out) {
    size_t i;
    for (i = 0; i < n; i++) sprintf(out + 2 * i, "%02x", d[i]);
}

static void test_hasher(void) {
    vouch_hasher_storage hs, hs2;
    vouch_hasher *h = NULL, *h2 = NULL;
    vouch_digest d, d2;
    char hex[129];
    const uint8_t *art;
    size_t len, off;

    EXPECT(vouch_hasher_init(&hs, sizeof hs, VOUCH_HASH_SHA256 | VOUCH_HASH_SHA512, &h), VOUCH_OK);
    EXPECT(vouch_hasher_update(h, LIT("a")), VOUCH_OK);
    EXPECT(vouch_hasher_update(h, (const uint8_t *)"", 0), VOUCH_OK);
    EXPECT(vouch_hasher_update(h, LIT("bc")), VOUCH_OK);
    EXPECT(vouch_hasher_finish(h, &d), VOUCH_OK);
    CHECK(d.has_sha256 && d.has_sha512);
    hex_of(d.sha256, 32, hex);
    CHECK(strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") == 0);
    hex_of(d.sha512, 64, hex);
    CHECK(strcmp(hex, "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
                      "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f") == 0);

    /* Finished hasher is dead. */
    EXPECT(vouch_hasher_update(h, LIT("x")), VOUCH_ERR_INVALID_HANDLE);
    EXPECT(vouch_hasher_finish(h, &d), VOUCH_ERR_INVALID_HANDLE);

    /* Chunked (4 KiB) and one-shot agree; SHA-256 only leaves sha512 absent. */
    reset_files();
    art = load("artifact.bin", &len);
    EXPECT(vouch_hasher_init(&hs, vouch_hasher_storage_size(), VOUCH_HASH_SHA256, &h), VOUCH_OK);
    for (off = 0; off < len; off += 4096)
        EXPECT(vouch_hasher_update(h, art + off, len - off < 4096 ? len - off : 4096), VOUCH_OK);
    EXPECT(vouch_hasher_finish(h, &d), VOUCH_OK);
    EXPECT(vouch_hasher_init(&hs2, sizeof hs2, VOUCH_HASH_SHA256, &h2), VOUCH_OK);
    EXPECT(vouch_hasher_update(h2, art, len), VOUCH_OK);
    EXPECT(vouch_hasher_finish(h2, &d2), VOUCH_OK);
    CHECK(d.has_sha256 && !d.has_sha512 && memcmp(d.sha256, d2.sha256, 32) == 0);

    /* Errors. */
    h = (vouch_hasher *)&hs2;
    EXPECT(vouch_hasher_init(&hs, sizeof hs, 0, &h), VOUCH_ERR_INVALID_ARGUMENT);
    EXPECT(vouch_hasher_init(&hs, sizeof hs, 4, &h), VOUCH_ERR_INVALID_ARGUMENT);
    EXPECT(vouch_hasher_init(NULL, sizeof hs, VOUCH_HASH_SHA256, &h), VOUCH_ERR_NULL_POINTER);
    EXPECT(vouch_hasher_init(&hs, sizeof hs, VOUCH_HASH_SHA256, NULL), VOUCH_ERR_NULL_POINTER);
    EXPECT(vouch_hasher_init(&hs, vouch_hasher_storage_size() - 1, VOUCH_HASH_SHA256, &h),
           VOUCH_ERR_STORAGE_TOO_SMALL);
    EXPECT(vouch_hasher_init((uint8_t *)&hs + 1, sizeof hs - 1, VOUCH_HASH_SHA256, &h),
           VOUCH_ERR_MISALIGNED);
    CHECK(h == (vouch_hasher *)&hs2);
    EXPECT(vouch_hasher_init(&hs, sizeof hs, VOUCH_HASH_SHA512, &h), VOUCH_OK);
    EXPECT(vouch_hasher_update(NULL, LIT("x")), VOUCH_ERR_NULL_POINTER);
    EXPECT(vouch_hasher_update(h, NULL, 0), VOUCH_ERR_NULL_POINTER);
    EXPECT(vouch_hasher_finish(h, NULL), VOUCH_ERR_NULL_POINTER);
    EXPECT(vouch_hasher_finish(NULL, &d), VOUCH_ERR_NULL_POINTER);
    EXPECT(vouch_hasher_finish(h, &d), VOUCH_OK);
    CHECK(!d.has_sha256 && d.has_sha512);
}

#define SLSA1 "https://slsa.dev/provenance/v1"
#define BUILDER "https://example.com/builder"

static void test_statement(void) {
    vouch_key_storage ks;
    vouch_verifier_storage vs;
    vouch_hasher_storage hs;
    vouch_hasher *h;
    const vouch_key *ed;
    const vouch_verifier *v;
    const uint8_t *payload, *art;
    size_t payload_len, art_len, idx;
    uint32_t mask;
    vouch_digest digest, other, empty, only512;
    char doc[2048];

    reset_files();
    ed = parse_key("ed.raw", &ks);
    v = make_verifier(&ed, 1, 1, &vs);
    EXPECT(verify_file(v, "ok_ed.json", &payload, &payload_len, &mask), VOUCH_OK);
    art = load("artifact.bin", &art_len);
    EXPECT(vouch_hasher_init(&hs, sizeof hs, VOUCH_HASH_SHA256 | VOUCH_HASH_SHA512, &h), VOUCH_OK);
    EXPECT(vouch_hasher_update(h, art, art_len), VOUCH_OK);
    EXPECT(vouch_hasher_finish(h, &digest), VOUCH_OK);

    idx = 7;
    EXPECT(vouch_statement_check(payload, payload_len, NULL, 0, NULL, 0, NULL, &idx), VOUCH_OK);
    CHECK(idx == VOUCH_NO_SUBJECT);
    EXPECT(vouch_statement_check(payload, payload_len, SLSA1, strlen(SLSA1), BUILDER,
                                 strlen(BUILDER), &digest, &idx),
           VOUCH_OK);
    CHECK(idx == 0);

    /* Each check failing. */
    idx = 7;
    EXPECT(vouch_statement_check(payload, payload_len, "https://slsa.dev/provenance/v0.2", 32,
                                 NULL, 0, NULL, &idx),
           VOUCH_ERR_PREDICATE_TYPE_MISMATCH);
    EXPECT(vouch_statement_check(payload, payload_len, "", 0, NULL, 0, NULL, &idx),
           VOUCH_ERR_PREDICATE_TYPE_MISMATCH);
    EXPECT(vouch_statement_check(payload, payload_len, NULL, 0, "https://evil.example", 20, NULL,
                                 &idx),
           VOUCH_ERR_BUILDER_ID_MISMATCH);
    other = digest;
    other.sha256[0] ^= 1;
    other.has_sha512 = 0;
    EXPECT(vouch_statement_check(payload, payload_len, NULL, 0, NULL, 0, &other, &idx),
           VOUCH_ERR_SUBJECT_MISMATCH);
    memset(&empty, 0, sizeof empty);
    EXPECT(vouch_statement_check(payload, payload_len, NULL, 0, NULL, 0, &empty, &idx),
           VOUCH_ERR_NO_ARTIFACT_DIGEST);
    only512 = digest;
    only512.has_sha256 = 0; /* subject lists sha256 only: no shared algorithm */
    EXPECT(vouch_statement_check(payload, payload_len, NULL, 0, NULL, 0, &only512, &idx),
           VOUCH_ERR_SUBJECT_MISMATCH);
    CHECK(idx == 7);

    /* Argument errors. */
    EXPECT(vouch_statement_check(NULL, payload_len, NULL, 0, NULL, 0, NULL, &idx),
           VOUCH_ERR_NULL_POINTER);
    EXPECT(vouch_statement_check(payload, payload_len, NULL, 5, NULL, 0, NULL, &idx),
           VOUCH_ERR_NULL_POINTER);
    EXPECT(vouch_statement_check(payload, payload_len, NULL, 0, NULL, 3, NULL, &idx),
           VOUCH_ERR_NULL_POINTER);
    EXPECT(vouch_statement_check(payload, payload_len, NULL, 0, NULL, 0, NULL, NULL),
           VOUCH_ERR_NULL_POINTER);
    EXPECT(vouch_statement_check(payload, payload_len, "\xc3", 1, NULL, 0, NULL, &idx),
           VOUCH_ERR_INVALID_UTF8_ARGUMENT);
    EXPECT(vouch_statement_check(payload, 0, NULL, 0, NULL, 0, NULL, &idx),
           VOUCH_ERR_INVALID_JSON);

    /* A correctly signed payload that is not a Statement. */
    EXPECT(verify_file(v, "not_statement.json", &payload, &payload_len, &mask), VOUCH_OK);
    CHECK(payload_len == 5);
    EXPECT(vouch_statement_check(payload, payload_len, NULL, 0, NULL, 0, NULL, &idx),
           VOUCH_ERR_INVALID_JSON);

#define STMT(text, want)                                                                       \
    EXPECT(vouch_statement_check(LIT(text), NULL, 0, NULL, 0, &digest, &idx), want)
#define SUBJ(hex) "\"subject\":[{\"name\":\"a\",\"digest\":{\"sha256\":\"" hex "\"}}]"
#define ZEROS "0000000000000000000000000000000000000000000000000000000000000000"
    STMT("[]", VOUCH_ERR_MALFORMED_STATEMENT);
    STMT("{\"_type\":\"https://in-toto.io/Statement/v2\"}", VOUCH_ERR_UNSUPPORTED_STATEMENT_TYPE);
    STMT("{\"_type\":\"https://in-toto.io/Statement/v1\",\"predicateType\":\"x\"}",
         VOUCH_ERR_MISSING_SUBJECT);
    STMT("{\"_type\":\"https://in-toto.io/Statement/v1\"," SUBJ(ZEROS) "}",
         VOUCH_ERR_MISSING_PREDICATE_TYPE);
    STMT("{\"_type\":\"https://in-toto.io/Statement/v1\",\"predicateType\":\"x\"," SUBJ("ABC")
         "}",
         VOUCH_ERR_INVALID_DIGEST);
    STMT("{\"_type\":\"https://in-toto.io/Statement/v1\",\"predicateType\":\"" SLSA1
         "\",\"predicate\":{}," SUBJ(ZEROS) "}",
         VOUCH_ERR_MISSING_BUILDER_ID);
    STMT("{\"_type\":\"https://in-toto.io/Statement/v0.1\",\"builder\":{\"id\":\"b\"},"
         "\"metadata\":{\"commit\":\"c\"}}",
         VOUCH_ERR_MISSING_MATERIALS);
    STMT("{\"_type\":\"https://in-toto.io/Statement/v0.1\",\"builder\":{\"id\":\"b\"},"
         "\"materials\":[]}",
         VOUCH_ERR_MISSING_COMMIT);
    STMT("{\"_type\":\"https://in-toto.io/Statement/v0.1\",\"builder\":{\"id\":\"b\"},"
         "\"materials\":[],\"metadata\":{\"commit\":\"c\"}}",
         VOUCH_ERR_UNBOUND_PROVENANCE);
    STMT("{\"_type\":\"https://in-toto.io/Statement/v1\",\"predicateType\":\"x\"," SUBJ(ZEROS)
         "}",
         VOUCH_ERR_SUBJECT_MISMATCH);

    /* The second subject matches: every subject is examined. */
    {
        char hex[65];
        int n;
        hex_of(digest.sha256, 32, hex);
        n = sprintf(doc,
                    "{\"_type\":\"https://in-toto.io/Statement/v1\",\"predicateType\":\"x\","
                    "\"subject\":[{\"name\":\"a\",\"digest\":{\"sha256\":\"" ZEROS "\"}},"
                    "{\"name\":\"b\",\"digest\":{\"sha256\":\"%s\",\"md5\":\"zz\"}}]}",
                    hex);
        EXPECT(vouch_statement_check((const uint8_t *)doc, (size_t)n, "x", 1, NULL, 0, &digest,
                                     &idx),
               VOUCH_OK);
        CHECK(idx == 1);
    }
}

/* ------------------------------------------------------------------------------------------ */
/* The overlap rule: no output may overlap an input or another output (VOUCH_ERR_INVALID_ARGUMENT,
 * nothing written). Each export's arguments are laid out in one arena at chosen byte offsets, so
 * every (output, input) and (output, output) pair is tested overlapping at either end and just
 * adjacent (which must still work). Offsets of typed objects are multiples of their alignment,
 * so for two typed regions "adjacent" is one element away; where one side is a byte buffer the
 * step is one byte. */

static uint64_t arena_words[16384]; /* 128 KiB, 8-aligned */
#define ARENA ((uint8_t *)arena_words)
#define AT(off) (ARENA + (off))
#define ARENA_FILL 0xA5

static uint8_t trusted_raw[32];   /* ed.raw: the trusted Ed25519 key */
static uint8_t untrusted_raw[32]; /* ed2.raw: a key no verifier trusts */
static uint8_t env_ok[8192];      /* ok_ed.json, signed by the trusted key */
static size_t env_ok_len;
static size_t payload_ok_len; /* its decoded payload length */
static uint8_t stmt_ok[8192]; /* its verified payload (an in-toto Statement) */
static vouch_digest artifact_ok;
static vouch_key_storage trusted_ks;
static vouch_verifier_storage trusted_vs; /* a verifier trusting only trusted_raw */
static size_t KS, VS, HS;                 /* the storage sizes this build needs */

static void arena_reset(void) { memset(arena_words, ARENA_FILL, sizeof arena_words); }

/* Whether `len` arena bytes from `off` still hold the fill pattern (nothing was written). */
static int untouched(size_t off, size_t len) {
    size_t i;
    for (i = 0; i < len; i++)
        if (AT(off)[i] != ARENA_FILL) return 0;
    return 1;
}

/* Parses the trusted key into exactly KS bytes of arena storage at `off`. */
static const vouch_key *key_at(size_t off) {
    const vouch_key *k = NULL;
    EXPECT(vouch_key_parse(trusted_raw, 32, AT(off), KS, &k), VOUCH_OK);
    return k;
}

static void overlap_setup(void) {
    size_t len;
    const uint8_t *bytes, *payload;
    const vouch_key *k;
    const vouch_verifier *v;
    vouch_hasher_storage hs;
    vouch_hasher *h;
    uint32_t mask;

    KS = vouch_key_storage_size();
    VS = vouch_verifier_storage_size();
    HS = vouch_hasher_storage_size();
    CHECK(KS % 8 == 0 && VS % 8 == 0 && HS % 8 == 0 && VS <= 4096 && KS <= 256);
    reset_files();
    bytes = load("ed.raw", &len);
    CHECK(len == 32);
    memcpy(trusted_raw, bytes, 32);
    bytes = load("ed2.raw", &len);
    CHECK(len == 32);
    memcpy(untrusted_raw, bytes, 32);
    bytes = load("ok_ed.json", &env_ok_len);
    CHECK(env_ok_len < 4096);
    memcpy(env_ok, bytes, env_ok_len);
    EXPECT(vouch_key_parse(trusted_raw, 32, &trusted_ks, sizeof trusted_ks, &k), VOUCH_OK);
    v = make_verifier(&k, 1, 1, &trusted_vs);
    EXPECT(vouch_verifier_verify(v, env_ok, env_ok_len, scratch, sizeof scratch, &payload,
                                 &payload_ok_len, &mask),
           VOUCH_OK);
    CHECK(payload_ok_len > 0 && payload_ok_len < 4096);
    memcpy(stmt_ok, payload, payload_ok_len);
    bytes = load("artifact.bin", &len);
    EXPECT(vouch_hasher_init(&hs, sizeof hs, VOUCH_HASH_SHA256, &h), VOUCH_OK);
    EXPECT(vouch_hasher_update(h, bytes, len), VOUCH_OK);
    EXPECT(vouch_hasher_finish(h, &artifact_ok), VOUCH_OK);
}

static size_t b64_encode(const uint8_t *in, size_t n, char *out) {
    static const char A[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t i, o = 0;
    for (i = 0; i + 2 < n; i += 3) {
        uint32_t w = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = A[w >> 18 & 63];
        out[o++] = A[w >> 12 & 63];
        out[o++] = A[w >> 6 & 63];
        out[o++] = A[w & 63];
    }
    if (n - i == 1) {
        uint32_t w = (uint32_t)in[i] << 16;
        out[o++] = A[w >> 18 & 63];
        out[o++] = A[w >> 12 & 63];
        out[o++] = '=';
        out[o++] = '=';
    } else if (n - i == 2) {
        uint32_t w = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
        out[o++] = A[w >> 18 & 63];
        out[o++] = A[w >> 12 & 63];
        out[o++] = A[w >> 6 & 63];
        out[o++] = '=';
    }
    return o;
}

/* Offset of `needle` (n bytes) in `hay` (len bytes), or `len` when absent. */
static size_t find_bytes(const uint8_t *hay, size_t len, const uint8_t *needle, size_t n) {
    size_t i;
    for (i = 0; i + n <= len; i++)
        if (memcmp(hay + i, needle, n) == 0) return i;
    return len;
}

/* Issue 12 item 3, the exploit: the payload is decoded into scratch before any signature is
 * checked, so scratch over the verifier's storage let one unsigned envelope replace the trusted
 * key, after which an envelope signed by an untrusted key verified. */
static void test_overlap_exploit_scratch_over_verifier(void) {
    vouch_key_storage ks;
    vouch_verifier_storage vs, forged;
    const vouch_key *ed;
    const vouch_verifier *v;
    const uint8_t *payload = NULL, *sentinel_payload = (const uint8_t *)"s";
    size_t payload_len = 0, off, n;
    uint32_t mask = 0;
    static char env[16384];

    reset_files();
    ed = parse_key("ed.raw", &ks);
    v = make_verifier(&ed, 1, 1, &vs);
    EXPECT(verify_file(v, "untrusted_ed2.json", &payload, &payload_len, &mask),
           VOUCH_ERR_INVALID_SIGNATURE);

    /* Forge the verifier's own bytes with the untrusted key in place of the trusted one. */
    off = find_bytes((const uint8_t *)&vs, VS, trusted_raw, 32);
    CHECK(off + 32 <= VS);
    if (off + 32 > VS) return;
    memcpy(&forged, &vs, sizeof vs);
    memcpy((uint8_t *)&forged + off, untrusted_raw, 32);
    /* The forgery is a real attack: a verifier holding those bytes accepts the untrusted key. */
    EXPECT(verify_file((const vouch_verifier *)&forged, "untrusted_ed2.json", &payload,
                       &payload_len, &mask),
           VOUCH_OK);

    /* An unsigned envelope (one bogus signature) whose payload is the forged bytes. */
    n = (size_t)sprintf(env, "{\"payload\":\"");
    n += b64_encode((const uint8_t *)&forged, off + 32, env + n);
    n += (size_t)sprintf(env + n, "\",\"payloadType\":\"%s\",\"signatures\":[{\"sig\":\"AAAA\"}]}",
                         VOUCH_IN_TOTO_PAYLOAD_TYPE);
    CHECK(n < sizeof env);

    /* Scratch over the verifier's storage: refused before anything is decoded. */
    payload = sentinel_payload;
    payload_len = 4242;
    mask = 0xdead;
    EXPECT(vouch_verifier_verify(v, (const uint8_t *)env, n, (uint8_t *)&vs, sizeof vs, &payload,
                                 &payload_len, &mask),
           REFUSED);
    CHECK(payload == sentinel_payload && payload_len == 4242 && mask == 0xdead);
    /* (Only the key is compared: the rest holds padding valgrind rightly calls undefined.) */
    CHECK(memcmp((const uint8_t *)&vs + off, trusted_raw, 32) == 0);
    /* The verifier still trusts only its key. */
    EXPECT(verify_file(v, "untrusted_ed2.json", &payload, &payload_len, &mask),
           VOUCH_ERR_INVALID_SIGNATURE);
    EXPECT(verify_file(v, "ok_ed.json", &payload, &payload_len, &mask), VOUCH_OK);
    CHECK(mask == 1u);

    /* Scratch starting inside the verifier (at the key) is refused too. */
    EXPECT(vouch_verifier_verify(v, (const uint8_t *)env, n, (uint8_t *)&vs + off,
                                 sizeof vs - off, &payload, &payload_len, &mask),
           REFUSED);
    CHECK(memcmp((const uint8_t *)&vs + off, trusted_raw, 32) == 0);
    EXPECT(verify_file(v, "ok_ed.json", &payload, &payload_len, &mask), VOUCH_OK);
}

/* vouch_result_message: outputs buf[buf_len], *out_len; no inputs. */
static vouch_result message_at(size_t buf, size_t buf_len, size_t out_len) {
    arena_reset();
    return vouch_result_message(VOUCH_OK, (char *)AT(buf), buf_len, (size_t *)AT(out_len));
}

static void test_overlap_result_message(void) {
    /* buf x out_len (out_len at 64). */
    EXPECT(message_at(64 - 16, 17, 64), REFUSED); /* buf's last byte on out_len's first */
    CHECK(untouched(0, 128));
    EXPECT(message_at(64 + 7, 16, 64), REFUSED); /* buf's first byte on out_len's last */
    EXPECT(message_at(64, 16, 64), REFUSED);
    CHECK(untouched(0, 128));
    EXPECT(message_at(64 - 16, 16, 64), VOUCH_OK); /* adjacent below */
    EXPECT(message_at(64 + 8, 16, 64), VOUCH_OK);  /* adjacent above */
}

/* vouch_key_parse: outputs storage[storage_len], *out_key; input the key bytes (32). */
static vouch_result key_parse_at(size_t in, size_t storage, size_t storage_len, size_t out) {
    arena_reset();
    memcpy(AT(in), trusted_raw, 32);
    return vouch_key_parse(AT(in), 32, AT(storage), storage_len, (const vouch_key **)AT(out));
}

static void test_overlap_key_parse(void) {
    /* Defaults: input 0, storage 1024 (KS bytes), out_key 2048. */
    EXPECT(key_parse_at(0, 1024, KS, 2048), VOUCH_OK);
    /* storage x input */
    EXPECT(key_parse_at(1024 - 31, 1024, KS, 2048), REFUSED);
    CHECK(untouched(1024 + 1, KS - 1) && untouched(2048, 8)); /* byte 1024 is the input's */
    EXPECT(key_parse_at(1024 + KS - 1, 1024, KS, 2048), REFUSED);
    EXPECT(key_parse_at(1024 + KS, 1024, KS + 1, 2048), REFUSED); /* storage_len counts */
    EXPECT(key_parse_at(1024 - 32, 1024, KS, 2048), VOUCH_OK);
    EXPECT(key_parse_at(1024 + KS, 1024, KS, 2048), VOUCH_OK);
    /* out_key x input */
    EXPECT(key_parse_at(2048 - 31, 1024, KS, 2048), REFUSED);
    EXPECT(key_parse_at(2048 + 7, 1024, KS, 2048), REFUSED);
    EXPECT(key_parse_at(2048 - 32, 1024, KS, 2048), VOUCH_OK);
    EXPECT(key_parse_at(2048 + 8, 1024, KS, 2048), VOUCH_OK);
    /* storage x out_key */
    EXPECT(key_parse_at(0, 1024, KS, 1024), REFUSED);
    EXPECT(key_parse_at(0, 1024, KS, 1024 + KS - 8), REFUSED);
    CHECK(untouched(1024, KS));
    EXPECT(key_parse_at(0, 1024, KS, 1024 - 8), VOUCH_OK);
    EXPECT(key_parse_at(0, 1024, KS, 1024 + KS), VOUCH_OK);
}

/* vouch_key_algorithm: output *out_algorithm; input the key storage (KS bytes). */
static vouch_result algorithm_at(size_t key, size_t out) {
    const vouch_key *k;
    arena_reset();
    k = key_at(key);
    return vouch_key_algorithm(k, (vouch_algorithm *)AT(out));
}

static void test_overlap_key_algorithm(void) {
    /* out_algorithm x key */
    EXPECT(algorithm_at(1024, 1024), REFUSED);
    EXPECT(algorithm_at(1024, 1024 + KS - 4), REFUSED);
    EXPECT(algorithm_at(1024, 1024 - 4), VOUCH_OK);
    EXPECT(algorithm_at(1024, 1024 + KS), VOUCH_OK);
}

/* vouch_key_fingerprint: output out[out_len]; input the key storage. */
static vouch_result fingerprint_at(size_t key, size_t out, size_t out_len) {
    const vouch_key *k;
    arena_reset();
    k = key_at(key);
    return vouch_key_fingerprint(k, AT(out), out_len);
}

static void test_overlap_key_fingerprint(void) {
    /* out x key */
    EXPECT(fingerprint_at(1024, 1024 - 32, 33), REFUSED);
    CHECK(untouched(1024 - 32, 32));
    EXPECT(fingerprint_at(1024, 1024 + KS - 1, 32), REFUSED);
    EXPECT(fingerprint_at(1024, 1024, 32), REFUSED);
    EXPECT(fingerprint_at(1024, 1024 - 32, 32), VOUCH_OK);
    EXPECT(fingerprint_at(1024, 1024 + KS, 32), VOUCH_OK);
}

/* vouch_key_spki_der: outputs out[out_len], *out_written; input the key storage. */
static vouch_result spki_at(size_t key, size_t out, size_t out_len, size_t written) {
    const vouch_key *k;
    arena_reset();
    k = key_at(key);
    return vouch_key_spki_der(k, AT(out), out_len, (size_t *)AT(written));
}

static void test_overlap_key_spki_der(void) {
    /* Defaults: key 1024, out 2048 (64 bytes), out_written 3072. */
    EXPECT(spki_at(1024, 2048, 64, 3072), VOUCH_OK);
    /* out x key */
    EXPECT(spki_at(1024, 1024 - 64, 65, 3072), REFUSED);
    CHECK(untouched(1024 - 64, 64) && untouched(3072, 8));
    EXPECT(spki_at(1024, 1024 + KS - 1, 64, 3072), REFUSED);
    EXPECT(spki_at(1024, 1024 - 64, 64, 3072), VOUCH_OK);
    EXPECT(spki_at(1024, 1024 + KS, 64, 3072), VOUCH_OK);
    /* out_written x key */
    EXPECT(spki_at(1024, 2048, 64, 1024), REFUSED);
    EXPECT(spki_at(1024, 2048, 64, 1024 + KS - 8), REFUSED);
    EXPECT(spki_at(1024, 2048, 64, 1024 - 8), VOUCH_OK);
    EXPECT(spki_at(1024, 2048, 64, 1024 + KS), VOUCH_OK);
    /* out x out_written */
    EXPECT(spki_at(1024, 2048, 65, 2048 + 64), REFUSED);
    CHECK(untouched(2048, 72));
    EXPECT(spki_at(1024, 2048 + 7, 64, 2048), REFUSED);
    EXPECT(spki_at(1024, 2048, 64, 2048 + 64), VOUCH_OK);
    EXPECT(spki_at(1024, 2048 + 8, 64, 2048), VOUCH_OK);
}

/* vouch_verifier_init: outputs storage[storage_len], *out_verifier; inputs the keys array (one
 * handle), the key storage (KS bytes), the payload_types array (one vouch_str) and its bytes. */
struct init_layout {
    size_t key, keys, types, str, storage, storage_len, out;
};

#define TYPE_LEN (sizeof VOUCH_IN_TOTO_PAYLOAD_TYPE - 1)

static vouch_result init_at(struct init_layout l) {
    const vouch_key *k, **keys;
    vouch_str *types;
    arena_reset();
    k = key_at(l.key);
    memcpy(AT(l.str), VOUCH_IN_TOTO_PAYLOAD_TYPE, TYPE_LEN);
    keys = (const vouch_key **)AT(l.keys);
    keys[0] = k;
    types = (vouch_str *)AT(l.types);
    types[0].data = (const char *)AT(l.str);
    types[0].len = TYPE_LEN;
    return vouch_verifier_init(keys, 1, 1, types, 1, AT(l.storage), l.storage_len,
                               (const vouch_verifier **)AT(l.out));
}

static void test_overlap_verifier_init(void) {
    const struct init_layout d = {0, 512, 640, 768, 8192, 0, 16384};
    struct init_layout l;
    size_t S = 8192;
#define INIT(field, value, want)                                                               \
    do {                                                                                       \
        l = d;                                                                                 \
        l.storage_len = VS;                                                                    \
        l.field = (value);                                                                     \
        EXPECT(init_at(l), want);                                                              \
    } while (0)
#define INIT_LEN(field, value, len, want)                                                      \
    do {                                                                                       \
        l = d;                                                                                 \
        l.storage_len = (len);                                                                 \
        l.field = (value);                                                                     \
        EXPECT(init_at(l), want);                                                              \
    } while (0)
    INIT(key, 0, VOUCH_OK);
    /* storage x key storage (e.g. the verifier initialised over its own key) */
    INIT(key, S, REFUSED);
    CHECK(untouched(16384, 8));
    INIT(key, S - KS + 8, REFUSED);
    INIT(key, S + VS - 8, REFUSED);
    INIT_LEN(key, S + VS, VS + 1, REFUSED);
    INIT(key, S - KS, VOUCH_OK);
    INIT(key, S + VS, VOUCH_OK);
    /* storage x keys array */
    INIT(keys, S, REFUSED);
    INIT(keys, S + VS - 8, REFUSED);
    INIT_LEN(keys, S + VS, VS + 1, REFUSED);
    INIT(keys, S - 8, VOUCH_OK);
    INIT(keys, S + VS, VOUCH_OK);
    /* storage x payload_types array */
    INIT(types, S - 8, REFUSED);
    INIT(types, S + VS - 8, REFUSED);
    INIT_LEN(types, S + VS, VS + 1, REFUSED);
    INIT(types, S - 16, VOUCH_OK);
    INIT(types, S + VS, VOUCH_OK);
    /* storage x payload type bytes */
    INIT(str, S - TYPE_LEN + 1, REFUSED);
    INIT(str, S + VS - 1, REFUSED);
    INIT(str, S - TYPE_LEN, VOUCH_OK);
    INIT(str, S + VS, VOUCH_OK);
    /* out_verifier x key storage */
    INIT(out, d.key, REFUSED);
    INIT(out, d.key + KS - 8, REFUSED);
    INIT(out, d.key + KS, VOUCH_OK);
    /* out_verifier x keys array */
    INIT(out, d.keys, REFUSED);
    INIT(out, d.keys - 8, VOUCH_OK);
    INIT(out, d.keys + 8, VOUCH_OK);
    /* out_verifier x payload_types array */
    INIT(out, d.types + 8, REFUSED);
    INIT(out, d.types - 8, VOUCH_OK);
    INIT(out, d.types + 16, VOUCH_OK);
    /* out_verifier x payload type bytes (out_verifier at 16384) */
    INIT(str, d.out + 7, REFUSED);
    INIT(str, d.out - TYPE_LEN + 1, REFUSED);
    INIT(str, d.out + 8, VOUCH_OK);
    INIT(str, d.out - TYPE_LEN, VOUCH_OK);
    /* storage x out_verifier */
    INIT(out, S, REFUSED);
    CHECK(untouched(S, VS));
    INIT(out, S + VS - 8, REFUSED);
    INIT_LEN(out, S + VS, VS + 1, REFUSED);
    INIT(out, S - 8, VOUCH_OK);
    INIT(out, S + VS, VOUCH_OK);
#undef INIT
#undef INIT_LEN
}

/* vouch_verifier_verify: outputs scratch[scratch_len], *out_payload, *out_payload_len,
 * *out_keys; inputs the verifier storage (VS bytes) and the envelope. */
struct verify_layout {
    size_t ver, env, scratch, scratch_len, payload, payload_len, keys;
};

static vouch_result verify_at(struct verify_layout l) {
    arena_reset();
    memcpy(AT(l.ver), &trusted_vs, VS); /* verifier storage may be moved with memcpy */
    memcpy(AT(l.env), env_ok, env_ok_len);
    return vouch_verifier_verify((const vouch_verifier *)AT(l.ver), AT(l.env), env_ok_len,
                                 AT(l.scratch), l.scratch_len, (const uint8_t **)AT(l.payload),
                                 (size_t *)AT(l.payload_len), (uint32_t *)AT(l.keys));
}

static void test_overlap_verifier_verify(void) {
    /* Defaults: verifier 4096, envelope 12288, scratch 24576 (exactly the payload), outputs at
     * 40960 / 40968 / 40976. */
    const struct verify_layout d = {4096, 12288, 24576, 0, 40960, 40968, 40976};
    struct verify_layout l;
    const size_t V = 4096, E = 12288, N = payload_ok_len, EL = env_ok_len;
    const size_t N8 = (N + 7) / 8 * 8, E8 = (EL + 7) / 8 * 8, E4 = (EL + 3) / 4 * 4;
#define VERIFY(field, value, want)                                                             \
    do {                                                                                       \
        l = d;                                                                                 \
        l.scratch_len = N;                                                                     \
        l.field = (value);                                                                     \
        EXPECT(verify_at(l), want);                                                            \
    } while (0)
#define VERIFY_LEN(field, value, len, want)                                                    \
    do {                                                                                       \
        l = d;                                                                                 \
        l.scratch_len = (len);                                                                 \
        l.field = (value);                                                                     \
        EXPECT(verify_at(l), want);                                                            \
    } while (0)
    CHECK(V + VS <= E && E + EL <= d.scratch && d.scratch + N <= d.payload && N <= V);
    if (!(N <= V && EL <= 4096)) return;
    VERIFY(scratch, d.scratch, VOUCH_OK);
    CHECK(*(size_t *)AT(d.payload_len) == N && *(uint32_t *)AT(d.keys) == 1u);
    /* scratch x verifier storage */
    VERIFY(scratch, V, REFUSED);
    CHECK(untouched(d.payload, 24));
    VERIFY(scratch, V + VS - 1, REFUSED);
    VERIFY_LEN(scratch, V - N, N + 1, REFUSED);
    VERIFY(scratch, V + VS, VOUCH_OK);
    VERIFY(scratch, V - N, VOUCH_OK);
    /* scratch x envelope */
    VERIFY(scratch, E + EL - 1, REFUSED);
    VERIFY_LEN(scratch, E - N, N + 1, REFUSED);
    VERIFY(scratch, E + 10, REFUSED);
    VERIFY(scratch, E + EL, VOUCH_OK);
    VERIFY(scratch, E - N, VOUCH_OK);
    /* out_payload, out_payload_len, out_keys x verifier storage */
    VERIFY(payload, V, REFUSED);
    VERIFY(payload, V + VS - 8, REFUSED);
    VERIFY(payload, V - 8, VOUCH_OK);
    VERIFY(payload, V + VS, VOUCH_OK);
    VERIFY(payload_len, V, REFUSED);
    VERIFY(payload_len, V + VS - 8, REFUSED);
    VERIFY(payload_len, V - 8, VOUCH_OK);
    VERIFY(payload_len, V + VS, VOUCH_OK);
    VERIFY(keys, V, REFUSED);
    VERIFY(keys, V + VS - 4, REFUSED);
    VERIFY(keys, V - 4, VOUCH_OK);
    VERIFY(keys, V + VS, VOUCH_OK);
    /* out_payload, out_payload_len x envelope (E8 = the envelope's end rounded up to 8) */
    VERIFY(payload, E, REFUSED);
    VERIFY(payload, E + E8 - 8, REFUSED);
    VERIFY(payload, E - 8, VOUCH_OK);
    VERIFY(payload, E + E8, VOUCH_OK);
    VERIFY(payload_len, E, REFUSED);
    VERIFY(payload_len, E + E8 - 8, REFUSED);
    VERIFY(payload_len, E - 8, VOUCH_OK);
    VERIFY(payload_len, E + E8, VOUCH_OK);
    /* out_keys x envelope (E4 = the envelope's end rounded up to 4) */
    VERIFY(keys, E, REFUSED);
    VERIFY(keys, E + E4 - 4, REFUSED);
    VERIFY(keys, E - 4, VOUCH_OK);
    VERIFY(keys, E + E4, VOUCH_OK);
    /* scratch x out_payload, out_payload_len, out_keys (N8 = N rounded up to 8) */
    VERIFY(payload, d.scratch, REFUSED);
    CHECK(untouched(d.scratch, N));
    VERIFY(payload, d.scratch + N8 - 8, REFUSED);
    VERIFY_LEN(payload, d.scratch + N8, N8 + 1, REFUSED);
    VERIFY(payload, d.scratch - 8, VOUCH_OK);
    VERIFY(payload, d.scratch + N8, VOUCH_OK);
    VERIFY(payload_len, d.scratch, REFUSED);
    VERIFY(payload_len, d.scratch + N8 - 8, REFUSED);
    VERIFY_LEN(payload_len, d.scratch + N8, N8 + 1, REFUSED);
    VERIFY(payload_len, d.scratch - 8, VOUCH_OK);
    VERIFY(payload_len, d.scratch + N8, VOUCH_OK);
    VERIFY(keys, d.scratch, REFUSED);
    VERIFY(keys, d.scratch + N8 - 8, REFUSED);
    VERIFY_LEN(keys, d.scratch + N8, N8 + 1, REFUSED);
    VERIFY(keys, d.scratch - 4, VOUCH_OK);
    VERIFY(keys, d.scratch + N8, VOUCH_OK);
    /* out_payload x out_payload_len x out_keys */
    VERIFY(payload_len, d.payload, REFUSED);
    CHECK(untouched(d.payload, 8) && untouched(d.keys, 4));
    VERIFY(keys, d.payload + 4, REFUSED);
    VERIFY(keys, d.payload_len, REFUSED);
    VERIFY(keys, d.payload_len + 4, REFUSED);
    VERIFY(payload_len, d.payload - 8, VOUCH_OK);
    VERIFY(payload_len, d.payload + 8, VOUCH_OK);
    VERIFY(keys, d.payload - 4, VOUCH_OK);
    VERIFY(keys, d.payload_len + 8, VOUCH_OK);
#undef VERIFY
#undef VERIFY_LEN
}

/* vouch_envelope_payload_len: output *out_len; input the envelope. */
static vouch_result payload_len_at(size_t env, size_t out) {
    arena_reset();
    memcpy(AT(env), env_ok, env_ok_len);
    return vouch_envelope_payload_len(AT(env), env_ok_len, (size_t *)AT(out));
}

static void test_overlap_envelope_payload_len(void) {
    const size_t O = 8192;
    /* out_len x envelope */
    EXPECT(payload_len_at(O + 7, O), REFUSED);
    EXPECT(payload_len_at(O - env_ok_len + 1, O), REFUSED);
    EXPECT(payload_len_at(O + 8, O), VOUCH_OK);
    EXPECT(payload_len_at(O - env_ok_len, O), VOUCH_OK);
    CHECK(*(size_t *)AT(O) == payload_ok_len);
}

/* vouch_hasher_init: outputs storage[storage_len], *out_hasher; no inputs. */
static vouch_result hasher_init_at(size_t storage, size_t storage_len, size_t out) {
    arena_reset();
    return vouch_hasher_init(AT(storage), storage_len, VOUCH_HASH_SHA256, (vouch_hasher **)AT(out));
}

static void test_overlap_hasher_init(void) {
    /* storage x out_hasher */
    EXPECT(hasher_init_at(1024, HS, 1024), REFUSED);
    EXPECT(hasher_init_at(1024, HS, 1024 + HS - 8), REFUSED);
    CHECK(untouched(1024, HS));
    EXPECT(hasher_init_at(1024, HS + 1, 1024 + HS), REFUSED);
    EXPECT(hasher_init_at(1024, HS, 1024 + HS), VOUCH_OK);
    EXPECT(hasher_init_at(1024, HS, 1024 - 8), VOUCH_OK);
}

/* vouch_hasher_update: output (updated) the hasher storage (HS bytes); input data[16]. Then
 * vouch_hasher_finish: output *out_digest (vouch_digest is byte-aligned); the hasher storage. */
static vouch_hasher *hasher_at(size_t off) {
    vouch_hasher *h = NULL;
    EXPECT(vouch_hasher_init(AT(off), HS, VOUCH_HASH_SHA256, &h), VOUCH_OK);
    return h;
}

static vouch_result update_at(size_t hasher, size_t data) {
    vouch_hasher *h;
    vouch_digest d;
    vouch_result r;
    arena_reset();
    h = hasher_at(hasher);
    r = vouch_hasher_update(h, AT(data), 16);
    if (r != VOUCH_OK) {
        /* Refused: the state is unchanged, so the digest is that of no data. */
        EXPECT(vouch_hasher_finish(h, &d), VOUCH_OK);
        CHECK(d.sha256[0] == 0xe3 && d.sha256[1] == 0xb0 && d.sha256[31] == 0x55);
    }
    return r;
}

static vouch_result finish_at(size_t hasher, size_t digest) {
    vouch_hasher *h;
    arena_reset();
    h = hasher_at(hasher);
    return vouch_hasher_finish(h, (vouch_digest *)AT(digest));
}

static void test_overlap_hasher_update_finish(void) {
    const size_t H = 1024, D = sizeof(vouch_digest);
    /* data x hasher */
    EXPECT(update_at(H, H), REFUSED);
    EXPECT(update_at(H, H + HS - 1), REFUSED);
    EXPECT(update_at(H, H - 15), REFUSED);
    EXPECT(update_at(H, H + HS), VOUCH_OK);
    EXPECT(update_at(H, H - 16), VOUCH_OK);
    /* out_digest x hasher */
    EXPECT(finish_at(H, H + HS - 1), REFUSED);
    EXPECT(finish_at(H, H - D + 1), REFUSED);
    CHECK(untouched(H - D, D));
    EXPECT(finish_at(H, H), REFUSED);
    EXPECT(finish_at(H, H + HS), VOUCH_OK);
    EXPECT(finish_at(H, H - D), VOUCH_OK);
}

/* vouch_statement_check: output *out_subject_index; inputs payload, predicate_type, builder_id,
 * *artifact (byte-aligned). */
struct statement_layout {
    size_t payload, predicate, builder, artifact, out;
};

#define SLSA1_LEN (sizeof "https://slsa.dev/provenance/v1" - 1)
#define BUILDER_LEN (sizeof "https://example.com/builder" - 1)

static vouch_result statement_at(struct statement_layout l) {
    arena_reset();
    memcpy(AT(l.payload), stmt_ok, payload_ok_len);
    memcpy(AT(l.predicate), "https://slsa.dev/provenance/v1", SLSA1_LEN);
    memcpy(AT(l.builder), "https://example.com/builder", BUILDER_LEN);
    memcpy(AT(l.artifact), &artifact_ok, sizeof artifact_ok);
    return vouch_statement_check(AT(l.payload), payload_ok_len, (const char *)AT(l.predicate),
                                 SLSA1_LEN, (const char *)AT(l.builder), BUILDER_LEN,
                                 (const vouch_digest *)AT(l.artifact), (size_t *)AT(l.out));
}

static void test_overlap_statement_check(void) {
    const struct statement_layout d = {20480, 16384, 17408, 18432, 8192};
    struct statement_layout l;
    const size_t O = d.out;
#define STATEMENT(field, value, want)                                                          \
    do {                                                                                       \
        l = d;                                                                                 \
        l.field = (value);                                                                     \
        EXPECT(statement_at(l), want);                                                         \
    } while (0)
    STATEMENT(out, O, VOUCH_OK);
    CHECK(*(size_t *)AT(O) == 0);
    /* out_subject_index x payload */
    STATEMENT(payload, O + 7, REFUSED);
    CHECK(untouched(O, 7));
    STATEMENT(payload, O - payload_ok_len + 1, REFUSED);
    STATEMENT(payload, O + 8, VOUCH_OK);
    STATEMENT(payload, O - payload_ok_len, VOUCH_OK);
    /* out_subject_index x predicate_type */
    STATEMENT(predicate, O + 7, REFUSED);
    STATEMENT(predicate, O - SLSA1_LEN + 1, REFUSED);
    STATEMENT(predicate, O + 8, VOUCH_OK);
    STATEMENT(predicate, O - SLSA1_LEN, VOUCH_OK);
    /* out_subject_index x builder_id */
    STATEMENT(builder, O + 7, REFUSED);
    STATEMENT(builder, O - BUILDER_LEN + 1, REFUSED);
    STATEMENT(builder, O + 8, VOUCH_OK);
    STATEMENT(builder, O - BUILDER_LEN, VOUCH_OK);
    /* out_subject_index x artifact */
    STATEMENT(artifact, O + 7, REFUSED);
    STATEMENT(artifact, O - sizeof(vouch_digest) + 1, REFUSED);
    STATEMENT(artifact, O + 8, VOUCH_OK);
    STATEMENT(artifact, O - sizeof(vouch_digest), VOUCH_OK);
#undef STATEMENT
}

static void test_overlap(void) {
    overlap_setup();
    test_overlap_exploit_scratch_over_verifier();
    test_overlap_result_message();
    test_overlap_key_parse();
    test_overlap_key_algorithm();
    test_overlap_key_fingerprint();
    test_overlap_key_spki_der();
    test_overlap_verifier_init();
    test_overlap_verifier_verify();
    test_overlap_envelope_payload_len();
    test_overlap_hasher_init();
    test_overlap_hasher_update_finish();
    test_overlap_statement_check();
}

int main(int argc, char **argv) {
    if (!check_start(argc, argv)) {
        return 2;
    }
    test_results_and_version();
    test_storage_sizes();
    test_keys();
    test_key_from_raw();
    test_verifier_init();
    test_verify();
    test_hasher();
    test_statement();
    test_overlap();
    return check_finish();
}
