/*
 * C consumer tests of libvouch's keyless (Sigstore) functions: vouch_trusted_root_load,
 * vouch_bundle_scratch_len, vouch_bundle_verify. Driven by ffi/tests/c_abi.rs, which copies real
 * bundles and trusted roots from tests/vectors/sigstore and writes synthetic managed-key bundles
 * into the directory given as argv[1]. Compiled with -std=c99 -Wall -Wextra -Werror -pedantic,
 * run under ASan + UBSan and under valgrind.
 */
#include "check.h"

/* ------------------------------------------------------------------------------------------ */
/* Fixtures */

#define MAX_FILE 65536

struct file {
    uint8_t bytes[MAX_FILE];
    size_t len;
};

static void load_into(const char *name, struct file *f) {
    char path[1024];
    FILE *fp;
    snprintf(path, sizeof path, "%s/%s", fixture_dir, name);
    fp = fopen(path, "rb");
    if (!fp) {
        fprintf(stderr, "cannot open %s\n", path);
        exit(2);
    }
    f->len = fread(f->bytes, 1, sizeof f->bytes, fp);
    fclose(fp);
}

/* A bundle, its trusted root (document, storage, handle) and its policy. */
struct kcase {
    const char *name;
    struct file bundle;
    struct file root_doc;
    vouch_trusted_root_storage root_storage;
    const vouch_trusted_root *root;
    vouch_keyless_policy policy;
    vouch_digest digest;
};

static struct kcase msg, npm, rekor2, othername, managed_msg, managed_dsse;
static struct file managed_msg_spki, managed_dsse_spki, managed_dsse_artifact;
static uint8_t root_scratch[VOUCH_TRUSTED_ROOT_SCRATCH_SIZE];
static uint8_t scratch[256 * 1024];

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

static void from_hex(const char *hex, uint8_t *out, size_t n) {
    size_t i;
    CHECK(strlen(hex) == 2 * n);
    for (i = 0; i < n; i++) out[i] = (uint8_t)(hexval(hex[2 * i]) * 16 + hexval(hex[2 * i + 1]));
}

static vouch_digest sha256_digest(const char *hex) {
    vouch_digest d;
    memset(&d, 0, sizeof d);
    d.has_sha256 = 1;
    from_hex(hex, d.sha256, 32);
    return d;
}

static vouch_digest sha512_digest(const char *hex) {
    vouch_digest d;
    memset(&d, 0, sizeof d);
    d.has_sha512 = 1;
    from_hex(hex, d.sha512, 64);
    return d;
}

/* The digest of a whole file, through the streaming hasher (as an installer would). */
static vouch_digest hash_file(const struct file *f) {
    vouch_hasher_storage hs;
    vouch_hasher *h;
    vouch_digest d;
    EXPECT(vouch_hasher_init(&hs, sizeof hs, VOUCH_HASH_SHA256 | VOUCH_HASH_SHA512, &h), VOUCH_OK);
    EXPECT(vouch_hasher_update(h, f->bytes, f->len), VOUCH_OK);
    EXPECT(vouch_hasher_finish(h, &d), VOUCH_OK);
    return d;
}

static vouch_str str(const char *s) {
    vouch_str v;
    v.data = s;
    v.len = strlen(s);
    return v;
}

static vouch_keyless_policy identity_policy(const char *identity, const char *issuer) {
    vouch_keyless_policy p;
    memset(&p, 0, sizeof p);
    p.kind = VOUCH_POLICY_IDENTITY;
    p.identity = str(identity);
    p.issuer = str(issuer);
    return p;
}

static vouch_keyless_policy key_policy(const struct file *spki) {
    vouch_keyless_policy p;
    memset(&p, 0, sizeof p);
    p.kind = VOUCH_POLICY_KEY;
    p.key_spki_der = spki->bytes;
    p.key_spki_der_len = spki->len;
    p.key_valid_from = 0;
    p.key_valid_until = VOUCH_NO_END;
    return p;
}

static void load_case(struct kcase *c, const char *name) {
    char path[256];
    c->name = name;
    snprintf(path, sizeof path, "%s.json", name);
    load_into(path, &c->bundle);
    snprintf(path, sizeof path, "%s.root.json", name);
    load_into(path, &c->root_doc);
    EXPECT(vouch_trusted_root_load(c->root_doc.bytes, c->root_doc.len, root_scratch,
                                   sizeof root_scratch, &c->root_storage, sizeof c->root_storage,
                                   &c->root),
           VOUCH_OK);
}

static void setup(void) {
    struct file artifact;
    load_case(&msg, "msg_v03");
    msg.policy = identity_policy("william@yossarian.net", "https://github.com/login/oauth");
    msg.digest =
        sha256_digest("5e6ae9de58c1177bea615b4fcbfb2fd688e8c4b51c2e56b6a38e817833ec24a2");

    load_case(&npm, "dsse_npm");
    npm.policy = identity_policy(
        "https://github.com/sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/main",
        "https://token.actions.githubusercontent.com");
    npm.digest = sha512_digest("46d4e2f74c4877316640000a6fdf8a8b59f1e0847667973e9859f774dd31b8f1e"
                               "0937813b777fb66a2ac67d50540fe34640966eee9fc2ccca387082b4c85cd3c");

    load_case(&rekor2, "dsse_rekor_v2");
    rekor2.policy = identity_policy(
        "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/"
        "workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main",
        "https://token.actions.githubusercontent.com");
    rekor2.digest =
        sha256_digest("a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf");

    load_case(&othername, "othername");
    othername.policy = identity_policy("foo!oidc.local", "http://oidc.local:8080");
    othername.digest =
        sha256_digest("bc103b4a84971ef6459b294a2b98568a2bfb72cded09d4acd1e16366a401f95b");

    load_case(&managed_msg, "managed_msg");
    load_into("managed_msg.spki", &managed_msg_spki);
    managed_msg.policy = key_policy(&managed_msg_spki);
    load_into("managed_msg.artifact", &artifact);
    managed_msg.digest = hash_file(&artifact);

    load_case(&managed_dsse, "managed_dsse");
    load_into("managed_dsse.spki", &managed_dsse_spki);
    managed_dsse.policy = key_policy(&managed_dsse_spki);
    load_into("managed_dsse.artifact", &managed_dsse_artifact);
    managed_dsse.digest = hash_file(&managed_dsse_artifact);
}

static vouch_result verify_with(const struct kcase *c, const uint8_t *bundle, size_t len,
                                const vouch_keyless_policy *policy, const vouch_digest *digest,
                                vouch_bundle_verified *out) {
    return vouch_bundle_verify(c->root, bundle, len, policy, digest, scratch, sizeof scratch, out);
}

static vouch_result verify(const struct kcase *c, vouch_bundle_verified *out) {
    return verify_with(c, c->bundle.bytes, c->bundle.len, &c->policy, &c->digest, out);
}

static int span_is(const char *p, size_t len, const char *want) {
    return p != NULL && len == strlen(want) && memcmp(p, want, len) == 0;
}

static int in_scratch(const void *p) {
    return (const uint8_t *)p >= scratch && (const uint8_t *)p < scratch + sizeof scratch;
}

/* ------------------------------------------------------------------------------------------ */

static void test_storage(void) {
    CHECK(sizeof(vouch_trusted_root_storage) == VOUCH_TRUSTED_ROOT_STORAGE_SIZE);
    CHECK(vouch_trusted_root_storage_size() > 0 &&
          vouch_trusted_root_storage_size() <= VOUCH_TRUSTED_ROOT_STORAGE_SIZE);
    CHECK(vouch_storage_align() <= VOUCH_STORAGE_ALIGN);
    CHECK(strcmp(vouch_result_code(VOUCH_ERR_IDENTITY_MISMATCH), "identity-mismatch") == 0);
    CHECK(VOUCH_ERR_IDENTITY_MISMATCH == 150 && VOUCH_ERR_ISSUER_MISMATCH == 151);
}

static void test_verify_real_bundles(void) {
    vouch_bundle_verified v;

    /* v0.3 message signature, staging, email identity, Rekor v1 entry with SET. */
    memset(&v, 0, sizeof v);
    EXPECT(verify(&msg, &v), VOUCH_OK);
    CHECK(v.payload == NULL && v.payload_len == 0 && v.payload_type == NULL);
    CHECK(v.subject_index == VOUCH_NO_SUBJECT);
    CHECK(v.identity_kind == VOUCH_IDENTITY_EMAIL);
    CHECK(span_is(v.identity, v.identity_len, "william@yossarian.net"));
    CHECK(span_is(v.issuer, v.issuer_len, "https://github.com/login/oauth"));
    CHECK(in_scratch(v.identity) && in_scratch(v.issuer));
    CHECK(v.time_count == 1);
    CHECK(v.earliest_time == 1712085549 && v.latest_time == 1712085549);
    CHECK(v.earliest_source == VOUCH_TIME_SOURCE_LOG);
    CHECK(v.tlogs != 0 && (v.timed_tlogs & ~v.tlogs) == 0);
    CHECK(v.tlogs & (1ull << v.earliest_source_index));
    CHECK(v.certificate_authorities != 0 && v.ct_logs >= 1);
    CHECK(v.timestamp_authorities == 0);

    /* npm provenance (DSSE, SLSA v1, sha512 subject), production, GitHub workflow identity. */
    memset(&v, 0, sizeof v);
    EXPECT(verify(&npm, &v), VOUCH_OK);
    CHECK(v.payload != NULL && in_scratch(v.payload) && v.payload_len > 100);
    CHECK(v.payload[0] == '{');
    CHECK(span_is(v.payload_type, v.payload_type_len, VOUCH_IN_TOTO_PAYLOAD_TYPE));
    CHECK((const uint8_t *)v.payload_type >= npm.bundle.bytes &&
          (const uint8_t *)v.payload_type < npm.bundle.bytes + npm.bundle.len);
    CHECK(v.subject_index == 0);
    CHECK(v.identity_kind == VOUCH_IDENTITY_URI);
    CHECK(span_is(v.identity, v.identity_len, npm.policy.identity.data));
    CHECK(span_is(v.issuer, v.issuer_len, "https://token.actions.githubusercontent.com"));
    CHECK(v.time_count >= 1 && v.earliest_source == VOUCH_TIME_SOURCE_LOG);
    {
        /* The verified payload is the Statement: vouch_statement_check agrees. */
        size_t subject = 99;
        EXPECT(vouch_statement_check(v.payload, v.payload_len, "https://slsa.dev/provenance/v1",
                                     30, NULL, 0, &npm.digest, &subject),
               VOUCH_OK);
        CHECK(subject == 0);
    }
    /* The policy's predicate type is checked. */
    {
        vouch_keyless_policy p = npm.policy;
        p.predicate_type = str("https://slsa.dev/provenance/v1");
        EXPECT(verify_with(&npm, npm.bundle.bytes, npm.bundle.len, &p, &npm.digest, &v),
               VOUCH_OK);
        p.predicate_type = str("https://slsa.dev/provenance/v0.2");
        EXPECT(verify_with(&npm, npm.bundle.bytes, npm.bundle.len, &p, &npm.digest, &v),
               VOUCH_ERR_PREDICATE_TYPE_MISMATCH);
    }

    /* DSSE logged in Rekor v2 (no SET): the trusted time comes from an RFC 3161 timestamp. */
    memset(&v, 0, sizeof v);
    EXPECT(verify(&rekor2, &v), VOUCH_OK);
    CHECK(v.payload != NULL && v.subject_index == 0);
    CHECK(v.identity_kind == VOUCH_IDENTITY_URI);
    CHECK(v.earliest_source == VOUCH_TIME_SOURCE_TIMESTAMP);
    CHECK(v.timestamp_authorities & (1ull << v.earliest_source_index));
    CHECK(v.tlogs != 0 && v.timed_tlogs == 0);

    /* Fulcio username (otherName SAN) of a private instance whose root CA is RSA: the identity
     * matches (V5 runs first), then the path is refused, as vouch verifies no RSA. */
    memset(&v, 0x5a, sizeof v);
    EXPECT(verify(&othername, &v), VOUCH_ERR_RSA_UNSUPPORTED);
    CHECK(v.identity_kind == 0x5a5a5a5au);
}

static void test_verify_managed_key(void) {
    vouch_bundle_verified v;
    vouch_keyless_policy p;

    memset(&v, 0xff, sizeof v);
    EXPECT(verify(&managed_msg, &v), VOUCH_OK);
    CHECK(v.identity_kind == VOUCH_IDENTITY_NONE && v.identity == NULL && v.identity_len == 0);
    CHECK(v.issuer == NULL && v.issuer_len == 0);
    CHECK(v.payload == NULL && v.subject_index == VOUCH_NO_SUBJECT);
    CHECK(v.time_count == 1 && v.earliest_time == 1704067200);
    CHECK(v.earliest_source == VOUCH_TIME_SOURCE_LOG && v.earliest_source_index == 0);
    CHECK(v.tlogs == 1 && v.timed_tlogs == 1 && v.certificate_authorities == 0 && v.ct_logs == 0);

    /* A message signature carries no Statement: statement checks are refused, not ignored. */
    p = managed_msg.policy;
    p.predicate_type = str("https://slsa.dev/provenance/v1");
    EXPECT(verify_with(&managed_msg, managed_msg.bundle.bytes, managed_msg.bundle.len, &p,
                       &managed_msg.digest, &v),
           VOUCH_ERR_MISSING_PREDICATE_TYPE);
    p = managed_msg.policy;
    p.builder_id = str("https://builder.example/v1");
    EXPECT(verify_with(&managed_msg, managed_msg.bundle.bytes, managed_msg.bundle.len, &p,
                       &managed_msg.digest, &v),
           VOUCH_ERR_MISSING_BUILDER_ID);

    memset(&v, 0, sizeof v);
    p = managed_dsse.policy;
    p.predicate_type = str("https://slsa.dev/provenance/v1");
    p.builder_id = str("https://builder.example/v1");
    EXPECT(verify_with(&managed_dsse, managed_dsse.bundle.bytes, managed_dsse.bundle.len, &p,
                       &managed_dsse.digest, &v),
           VOUCH_OK);
    CHECK(v.payload != NULL && v.subject_index == 0 && v.identity == NULL);
    p.builder_id = str("https://builder.example/v2");
    EXPECT(verify_with(&managed_dsse, managed_dsse.bundle.bytes, managed_dsse.bundle.len, &p,
                       &managed_dsse.digest, &v),
           VOUCH_ERR_BUILDER_ID_MISMATCH);

    /* The key's window: exactly the logged second is inside, one second off is outside. */
    p = managed_msg.policy;
    p.key_valid_from = 1704067200;
    p.key_valid_until = 1704067200;
    EXPECT(verify_with(&managed_msg, managed_msg.bundle.bytes, managed_msg.bundle.len, &p,
                       &managed_msg.digest, &v),
           VOUCH_OK);
    p.key_valid_from = 1704067201;
    p.key_valid_until = VOUCH_NO_END;
    EXPECT(verify_with(&managed_msg, managed_msg.bundle.bytes, managed_msg.bundle.len, &p,
                       &managed_msg.digest, &v),
           VOUCH_ERR_SIGNING_TIME_OUTSIDE_VALIDITY);
    p.key_valid_from = 0;
    p.key_valid_until = 1704067199;
    EXPECT(verify_with(&managed_msg, managed_msg.bundle.bytes, managed_msg.bundle.len, &p,
                       &managed_msg.digest, &v),
           VOUCH_ERR_SIGNING_TIME_OUTSIDE_VALIDITY);
    /* Another key (the DSSE bundle's signer) did not sign the message bundle. */
    p = key_policy(&managed_dsse_spki);
    EXPECT(verify_with(&managed_msg, managed_msg.bundle.bytes, managed_msg.bundle.len, &p,
                       &managed_msg.digest, &v),
           VOUCH_ERR_TLOG_BODY_KEY_MISMATCH);
}

/* Each failure class with its exact code; `*out` is untouched on every refusal. */
static void test_verify_refusals(void) {
    vouch_bundle_verified v, fill;
    vouch_keyless_policy p;
    vouch_digest d;
    static struct file tampered;
    char *sig;

    memset(&fill, 0x5a, sizeof fill);
#define REFUSE(call, want)                                                                     \
    do {                                                                                       \
        v = fill;                                                                              \
        EXPECT(call, want);                                                                    \
        CHECK(memcmp(&v, &fill, sizeof v) == 0);                                               \
    } while (0)

    /* Wrong identity: a prefix, a different case, another user. */
    p = identity_policy("william@yossarian.ne", "https://github.com/login/oauth");
    REFUSE(verify_with(&msg, msg.bundle.bytes, msg.bundle.len, &p, &msg.digest, &v),
           VOUCH_ERR_IDENTITY_MISMATCH);
    p = identity_policy("William@yossarian.net", "https://github.com/login/oauth");
    REFUSE(verify_with(&msg, msg.bundle.bytes, msg.bundle.len, &p, &msg.digest, &v),
           VOUCH_ERR_IDENTITY_MISMATCH);
    /* An otherName username is never matched as an email. */
    p = identity_policy("foo@oidc.local", "http://oidc.local:8080");
    REFUSE(verify_with(&othername, othername.bundle.bytes, othername.bundle.len, &p,
                       &othername.digest, &v),
           VOUCH_ERR_IDENTITY_MISMATCH);
    /* Wrong issuer: a trailing slash counts. */
    p = identity_policy("william@yossarian.net", "https://github.com/login/oauth/");
    REFUSE(verify_with(&msg, msg.bundle.bytes, msg.bundle.len, &p, &msg.digest, &v),
           VOUCH_ERR_ISSUER_MISMATCH);
    p = identity_policy("william@yossarian.net", "https://token.actions.githubusercontent.com");
    REFUSE(verify_with(&msg, msg.bundle.bytes, msg.bundle.len, &p, &msg.digest, &v),
           VOUCH_ERR_ISSUER_MISMATCH);

    /* Wrong digest: the message digest, a DSSE subject, no digest at all. */
    d = msg.digest;
    d.sha256[31] ^= 1;
    REFUSE(verify_with(&msg, msg.bundle.bytes, msg.bundle.len, &msg.policy, &d, &v),
           VOUCH_ERR_MESSAGE_DIGEST_MISMATCH);
    d = npm.digest;
    d.sha512[0] ^= 1;
    REFUSE(verify_with(&npm, npm.bundle.bytes, npm.bundle.len, &npm.policy, &d, &v),
           VOUCH_ERR_SUBJECT_MISMATCH);
    memset(&d, 0, sizeof d);
    REFUSE(verify_with(&npm, npm.bundle.bytes, npm.bundle.len, &npm.policy, &d, &v),
           VOUCH_ERR_NO_ARTIFACT_DIGEST);
    REFUSE(verify_with(&msg, msg.bundle.bytes, msg.bundle.len, &msg.policy, &d, &v),
           VOUCH_ERR_MESSAGE_DIGEST_MISMATCH);

    /* A tampered bundle: one base64 character of the signature changed. */
    tampered = msg.bundle;
    sig = strstr((char *)tampered.bytes, "\"signature\": \"");
    CHECK(sig != NULL);
    if (sig) {
        sig += strlen("\"signature\": \"");
        *sig = (char)(*sig == 'M' ? 'N' : 'M');
        REFUSE(verify_with(&msg, tampered.bytes, tampered.len, &msg.policy, &msg.digest, &v),
               VOUCH_ERR_TLOG_BODY_SIGNATURE_MISMATCH);
    }
    /* Not JSON, not a bundle. */
    REFUSE(verify_with(&msg, (const uint8_t *)"{", 1, &msg.policy, &msg.digest, &v),
           VOUCH_ERR_INVALID_JSON);
    REFUSE(verify_with(&msg, (const uint8_t *)"{}", 2, &msg.policy, &msg.digest, &v),
           VOUCH_ERR_BUNDLE_MEDIA_TYPE);

    /* The wrong trusted root: a staging bundle against the production root. */
    REFUSE(vouch_bundle_verify(npm.root, msg.bundle.bytes, msg.bundle.len, &msg.policy,
                               &msg.digest, scratch, sizeof scratch, &v),
           VOUCH_ERR_TLOG_NO_TRUSTED_LOG);

    /* A policy of the other kind than the bundle's signer. */
    REFUSE(verify_with(&msg, msg.bundle.bytes, msg.bundle.len, &managed_msg.policy, &msg.digest,
                       &v),
           VOUCH_ERR_KEYLESS_POLICY_MISMATCH);
    REFUSE(verify_with(&managed_msg, managed_msg.bundle.bytes, managed_msg.bundle.len,
                       &msg.policy, &managed_msg.digest, &v),
           VOUCH_ERR_KEYLESS_POLICY_MISMATCH);

    /* Bad policies, refused before the bundle is looked at. */
    p = msg.policy;
    p.kind = 0;
    REFUSE(verify_with(&msg, msg.bundle.bytes, msg.bundle.len, &p, &msg.digest, &v), REFUSED);
    p.kind = 3;
    REFUSE(verify_with(&msg, msg.bundle.bytes, msg.bundle.len, &p, &msg.digest, &v), REFUSED);
    p = msg.policy;
    p.identity.len = 0; /* empty identity: never "any" */
    REFUSE(verify_with(&msg, msg.bundle.bytes, msg.bundle.len, &p, &msg.digest, &v), REFUSED);
    p = msg.policy;
    p.issuer.len = 0;
    REFUSE(verify_with(&msg, msg.bundle.bytes, msg.bundle.len, &p, &msg.digest, &v), REFUSED);
    p = msg.policy;
    p.identity.data = NULL;
    REFUSE(verify_with(&msg, msg.bundle.bytes, msg.bundle.len, &p, &msg.digest, &v),
           VOUCH_ERR_NULL_POINTER);
    p = msg.policy;
    p.issuer.data = NULL;
    p.issuer.len = 0;
    REFUSE(verify_with(&msg, msg.bundle.bytes, msg.bundle.len, &p, &msg.digest, &v),
           VOUCH_ERR_NULL_POINTER);
    p = msg.policy;
    p.identity = str("william@yossarian.net\xff");
    REFUSE(verify_with(&msg, msg.bundle.bytes, msg.bundle.len, &p, &msg.digest, &v),
           VOUCH_ERR_INVALID_UTF8_ARGUMENT);
    p = msg.policy; /* a key beside an identity */
    p.key_spki_der = managed_msg_spki.bytes;
    p.key_spki_der_len = managed_msg_spki.len;
    REFUSE(verify_with(&msg, msg.bundle.bytes, msg.bundle.len, &p, &msg.digest, &v), REFUSED);
    p = managed_msg.policy; /* an identity beside a key */
    p.identity = str("william@yossarian.net");
    REFUSE(verify_with(&managed_msg, managed_msg.bundle.bytes, managed_msg.bundle.len, &p,
                       &managed_msg.digest, &v),
           REFUSED);
    p = managed_msg.policy;
    p.key_valid_from = 10;
    p.key_valid_until = 9;
    REFUSE(verify_with(&managed_msg, managed_msg.bundle.bytes, managed_msg.bundle.len, &p,
                       &managed_msg.digest, &v),
           REFUSED);
    p = managed_msg.policy;
    p.key_spki_der = NULL;
    REFUSE(verify_with(&managed_msg, managed_msg.bundle.bytes, managed_msg.bundle.len, &p,
                       &managed_msg.digest, &v),
           VOUCH_ERR_NULL_POINTER);
    p = managed_msg.policy;
    p.key_spki_der_len = 10; /* a truncated SubjectPublicKeyInfo */
    REFUSE(verify_with(&managed_msg, managed_msg.bundle.bytes, managed_msg.bundle.len, &p,
                       &managed_msg.digest, &v),
           VOUCH_ERR_DER_TRUNCATED);
    p = msg.policy;
    p.predicate_type.len = 3; /* length without data */
    p.predicate_type.data = NULL;
    REFUSE(verify_with(&msg, msg.bundle.bytes, msg.bundle.len, &p, &msg.digest, &v),
           VOUCH_ERR_NULL_POINTER);

    /* NULL pointers. */
    REFUSE(vouch_bundle_verify(NULL, msg.bundle.bytes, msg.bundle.len, &msg.policy, &msg.digest,
                               scratch, sizeof scratch, &v),
           VOUCH_ERR_NULL_POINTER);
    REFUSE(vouch_bundle_verify(msg.root, NULL, msg.bundle.len, &msg.policy, &msg.digest, scratch,
                               sizeof scratch, &v),
           VOUCH_ERR_NULL_POINTER);
    REFUSE(vouch_bundle_verify(msg.root, NULL, 0, &msg.policy, &msg.digest, scratch,
                               sizeof scratch, &v),
           VOUCH_ERR_NULL_POINTER);
    REFUSE(vouch_bundle_verify(msg.root, msg.bundle.bytes, msg.bundle.len, NULL, &msg.digest,
                               scratch, sizeof scratch, &v),
           VOUCH_ERR_NULL_POINTER);
    REFUSE(vouch_bundle_verify(msg.root, msg.bundle.bytes, msg.bundle.len, &msg.policy, NULL,
                               scratch, sizeof scratch, &v),
           VOUCH_ERR_NULL_POINTER);
    REFUSE(vouch_bundle_verify(msg.root, msg.bundle.bytes, msg.bundle.len, &msg.policy,
                               &msg.digest, NULL, sizeof scratch, &v),
           VOUCH_ERR_NULL_POINTER);
    EXPECT(vouch_bundle_verify(msg.root, msg.bundle.bytes, msg.bundle.len, &msg.policy,
                               &msg.digest, scratch, sizeof scratch, NULL),
           VOUCH_ERR_NULL_POINTER);
    /* A handle into storage that holds no trusted root, and a misaligned one. */
    {
        vouch_trusted_root_storage zero;
        memset(&zero, 0, sizeof zero);
        REFUSE(vouch_bundle_verify((const vouch_trusted_root *)&zero, msg.bundle.bytes,
                                   msg.bundle.len, &msg.policy, &msg.digest, scratch,
                                   sizeof scratch, &v),
               VOUCH_ERR_INVALID_HANDLE);
        REFUSE(vouch_bundle_verify((const vouch_trusted_root *)((uint8_t *)&zero + 1),
                                   msg.bundle.bytes, msg.bundle.len, &msg.policy, &msg.digest,
                                   scratch, sizeof scratch, &v),
               VOUCH_ERR_MISALIGNED);
    }
#undef REFUSE
}

/* Scratch: the size query's answer is exact, and the largest need is reported per bundle. */
static void test_scratch(void) {
    const struct kcase *cases[5];
    size_t i, need, other;
    vouch_bundle_verified v;
    cases[0] = &msg;
    cases[1] = &npm;
    cases[2] = &rekor2;
    cases[3] = &managed_msg;
    cases[4] = &managed_dsse;
    for (i = 0; i < 5; i++) {
        const struct kcase *c = cases[i];
        uint8_t *exact;
        need = 0;
        EXPECT(vouch_bundle_scratch_len(c->root, c->bundle.bytes, c->bundle.len, &need), VOUCH_OK);
        CHECK(need > 0 && need < sizeof scratch);
        /* Exactly `need` bytes at the end of a heap block: ASan / valgrind catch any write past
         * it. */
        exact = (uint8_t *)malloc(need);
        CHECK(exact != NULL);
        if (!exact) continue;
        memset(&v, 0, sizeof v);
        EXPECT(vouch_bundle_verify(c->root, c->bundle.bytes, c->bundle.len, &c->policy, &c->digest,
                                   exact, need, &v),
               VOUCH_OK);
        memset(&v, 0x77, sizeof v);
        EXPECT(vouch_bundle_verify(c->root, c->bundle.bytes, c->bundle.len, &c->policy, &c->digest,
                                   exact, need - 1, &v),
               VOUCH_ERR_BUFFER_TOO_SMALL);
        CHECK(v.payload_len == (size_t)0x7777777777777777ull || sizeof(size_t) < 8);
        EXPECT(vouch_bundle_verify(c->root, c->bundle.bytes, c->bundle.len, &c->policy, &c->digest,
                                   exact, 0, &v),
               VOUCH_ERR_BUFFER_TOO_SMALL);
        free(exact);
    }
    /* Size queries: NULLs and bad bundles. */
    other = 12345;
    EXPECT(vouch_bundle_scratch_len(NULL, msg.bundle.bytes, msg.bundle.len, &other),
           VOUCH_ERR_NULL_POINTER);
    EXPECT(vouch_bundle_scratch_len(msg.root, NULL, 0, &other), VOUCH_ERR_NULL_POINTER);
    EXPECT(vouch_bundle_scratch_len(msg.root, msg.bundle.bytes, msg.bundle.len, NULL),
           VOUCH_ERR_NULL_POINTER);
    EXPECT(vouch_bundle_scratch_len(msg.root, (const uint8_t *)"[]", 2, &other),
           VOUCH_ERR_BUNDLE_MALFORMED);
    EXPECT(vouch_bundle_scratch_len(msg.root, (const uint8_t *)"nope", 4, &other),
           VOUCH_ERR_INVALID_JSON);
    CHECK(other == 12345);
}

static void test_root_load(void) {
    const vouch_trusted_root *r, *sentinel = (const vouch_trusted_root *)&msg;
    vouch_trusted_root_storage st, copy;
    static struct file doc;
    static uint8_t big[2 * VOUCH_TRUSTED_ROOT_STORAGE_SIZE];
    uint8_t small_scratch[512];
    vouch_bundle_verified v;
    char *p;
    size_t off;

    doc = msg.root_doc;
    r = sentinel;
#define LOAD(bytes, len, want)                                                                 \
    do {                                                                                       \
        r = sentinel;                                                                          \
        EXPECT(vouch_trusted_root_load(bytes, len, root_scratch, sizeof root_scratch, &st,     \
                                       sizeof st, &r),                                         \
               want);                                                                          \
        if ((want) != VOUCH_OK) CHECK(r == sentinel);                                          \
    } while (0)
    LOAD(doc.bytes, doc.len, VOUCH_OK);
    CHECK(r == (const vouch_trusted_root *)&st);
    /* Malformed roots, each with its code. */
    LOAD((const uint8_t *)"{", 1, VOUCH_ERR_INVALID_JSON);
    LOAD((const uint8_t *)"[]", 2, VOUCH_ERR_TRUSTED_ROOT_MALFORMED);
    LOAD((const uint8_t *)"{}", 2, VOUCH_ERR_TRUSTED_ROOT_MEDIA_TYPE);
    LOAD(msg.bundle.bytes, msg.bundle.len, VOUCH_ERR_TRUSTED_ROOT_MEDIA_TYPE);
    p = strstr((char *)doc.bytes, "version=0.1");
    CHECK(p != NULL);
    if (p) {
        p[strlen("version=0.")] = '2';
        LOAD(doc.bytes, doc.len, VOUCH_ERR_TRUSTED_ROOT_MEDIA_TYPE);
        p[strlen("version=0.")] = '1';
    }
    p = strstr((char *)doc.bytes, "\"start\"");
    CHECK(p != NULL);
    if (p) {
        p[1] = 'S'; /* "Start": no start */
        LOAD(doc.bytes, doc.len, VOUCH_ERR_TRUSTED_ROOT_MISSING_START);
        p[1] = 's';
    }
    LOAD(doc.bytes, doc.len, VOUCH_OK);

    /* Scratch: too small for the root's certificates; `doc_len` bytes always suffice. */
    r = sentinel;
    EXPECT(vouch_trusted_root_load(doc.bytes, doc.len, small_scratch, sizeof small_scratch, &st,
                                   sizeof st, &r),
           VOUCH_ERR_BUFFER_TOO_SMALL);
    CHECK(r == sentinel);
    {
        uint8_t *exact = (uint8_t *)malloc(doc.len);
        CHECK(exact != NULL);
        if (exact) {
            EXPECT(vouch_trusted_root_load(doc.bytes, doc.len, exact, doc.len, &st, sizeof st, &r),
                   VOUCH_OK);
            free(exact);
        }
    }

    /* Storage: too small, misaligned, NULL; exactly the reported size inside a larger buffer. */
    EXPECT(vouch_trusted_root_load(doc.bytes, doc.len, root_scratch, sizeof root_scratch, &st,
                                   vouch_trusted_root_storage_size() - 1, &r),
           VOUCH_ERR_STORAGE_TOO_SMALL);
    EXPECT(vouch_trusted_root_load(doc.bytes, doc.len, root_scratch, sizeof root_scratch,
                                   (uint8_t *)&st + 1, sizeof st - 1, &r),
           VOUCH_ERR_MISALIGNED);
    EXPECT(vouch_trusted_root_load(doc.bytes, doc.len, root_scratch, sizeof root_scratch, NULL,
                                   sizeof st, &r),
           VOUCH_ERR_NULL_POINTER);
    EXPECT(vouch_trusted_root_load(NULL, doc.len, root_scratch, sizeof root_scratch, &st,
                                   sizeof st, &r),
           VOUCH_ERR_NULL_POINTER);
    EXPECT(vouch_trusted_root_load(NULL, 0, root_scratch, sizeof root_scratch, &st, sizeof st, &r),
           VOUCH_ERR_NULL_POINTER);
    EXPECT(vouch_trusted_root_load(doc.bytes, doc.len, NULL, sizeof root_scratch, &st, sizeof st,
                                   &r),
           VOUCH_ERR_NULL_POINTER);
    EXPECT(vouch_trusted_root_load(doc.bytes, doc.len, root_scratch, sizeof root_scratch, &st,
                                   sizeof st, NULL),
           VOUCH_ERR_NULL_POINTER);
    off = (size_t)(VOUCH_STORAGE_ALIGN - ((uintptr_t)big % VOUCH_STORAGE_ALIGN)) %
          VOUCH_STORAGE_ALIGN;
    EXPECT(vouch_trusted_root_load(doc.bytes, doc.len, root_scratch, sizeof root_scratch,
                                   big + off, vouch_trusted_root_storage_size(), &r),
           VOUCH_OK);
    EXPECT(vouch_bundle_verify(r, msg.bundle.bytes, msg.bundle.len, &msg.policy, &msg.digest,
                               scratch, sizeof scratch, &v),
           VOUCH_OK);

    /* The storage may be moved with memcpy (the document stays where it was). */
    EXPECT(vouch_trusted_root_load(doc.bytes, doc.len, root_scratch, sizeof root_scratch, &st,
                                   sizeof st, &r),
           VOUCH_OK);
    memcpy(&copy, &st, sizeof st);
    memset(&st, 0, sizeof st);
    EXPECT(vouch_bundle_verify((const vouch_trusted_root *)&copy, msg.bundle.bytes, msg.bundle.len,
                               &msg.policy, &msg.digest, scratch, sizeof scratch, &v),
           VOUCH_OK);
    EXPECT(vouch_bundle_verify((const vouch_trusted_root *)&st, msg.bundle.bytes, msg.bundle.len,
                               &msg.policy, &msg.digest, scratch, sizeof scratch, &v),
           VOUCH_ERR_INVALID_HANDLE);
#undef LOAD
}

/* ------------------------------------------------------------------------------------------ */
/* The overlap rule, as in test_vouch.c: arguments laid out in one arena; each (output, input)
 * and (output, output) pair overlapping by one byte (or one element between typed objects) at
 * either end is refused with nothing written; just adjacent works. */

static uint64_t arena_words[65536]; /* 512 KiB, 8-aligned */
#define ARENA ((uint8_t *)arena_words)
#define AT(off) (ARENA + (off))
#define ARENA_FILL 0xA5

static void arena_reset(void) { memset(arena_words, ARENA_FILL, sizeof arena_words); }

static int untouched(size_t off, size_t len) {
    size_t i;
    for (i = 0; i < len; i++)
        if (AT(off)[i] != ARENA_FILL) return 0;
    return 1;
}

#define RS VOUCH_TRUSTED_ROOT_STORAGE_SIZE
#define UP8(n) (((n) + 7) / 8 * 8)
/* A handle counts as its whole object: vouch_trusted_root_storage_size() bytes. */
#define HS vouch_trusted_root_storage_size()

/* vouch_trusted_root_load: outputs scratch[scratch_len], storage[storage_len], *out_root;
 * input doc. */
struct load_layout {
    size_t doc, scratch, storage, out;
};

static vouch_result load_at(struct load_layout l) {
    arena_reset();
    memcpy(AT(l.doc), msg.root_doc.bytes, msg.root_doc.len);
    return vouch_trusted_root_load(AT(l.doc), msg.root_doc.len, AT(l.scratch),
                                   VOUCH_TRUSTED_ROOT_SCRATCH_SIZE, AT(l.storage), RS,
                                   (const vouch_trusted_root **)AT(l.out));
}

static void test_overlap_root_load(void) {
    const struct load_layout d = {4096, 98304, 49152, 24576};
    struct load_layout l;
    const size_t DL = msg.root_doc.len, SC = VOUCH_TRUSTED_ROOT_SCRATCH_SIZE;
    const size_t D = d.doc, C = d.scratch, S = d.storage, O = d.out;
#define LOADL(field, value, want)                                                              \
    do {                                                                                       \
        l = d;                                                                                 \
        l.field = (value);                                                                     \
        EXPECT(load_at(l), want);                                                              \
    } while (0)
    LOADL(doc, D, VOUCH_OK);
    LOADL(doc, C - DL, VOUCH_OK);
    /* scratch x doc */
    LOADL(scratch, D + DL - 1, REFUSED);
    CHECK(untouched(O, 8) && untouched(S, RS));
    LOADL(scratch, D - SC + 1, REFUSED);
    LOADL(scratch, D + DL, VOUCH_OK);
    LOADL(scratch, D - SC, VOUCH_OK);
    /* storage x doc */
    LOADL(doc, S + RS - 1, REFUSED);
    LOADL(doc, S - DL + 1, REFUSED);
    LOADL(doc, S + RS, VOUCH_OK);
    LOADL(doc, S - DL, VOUCH_OK);
    /* out_root x doc */
    LOADL(doc, O + 7, REFUSED);
    LOADL(doc, O - DL + 1, REFUSED);
    LOADL(doc, O + 8, VOUCH_OK);
    LOADL(doc, O - DL, VOUCH_OK);
    /* scratch x storage, scratch x out_root */
    LOADL(scratch, S + RS - 1, REFUSED);
    LOADL(scratch, S - SC + 1, REFUSED);
    LOADL(scratch, S + RS, VOUCH_OK);
    LOADL(scratch, S - SC + 0, VOUCH_OK);
    LOADL(scratch, O + 7, REFUSED);
    LOADL(scratch, O - SC + 1, REFUSED);
    LOADL(scratch, O + 8, VOUCH_OK);
    /* storage x out_root */
    LOADL(out, S, REFUSED);
    LOADL(out, S + RS - 8, REFUSED);
    LOADL(out, S + RS, VOUCH_OK);
    LOADL(out, S - 8, VOUCH_OK);
#undef LOADL
}

/* vouch_bundle_scratch_len: output *out_len; inputs root storage, the root's doc, bundle. */
struct len_layout {
    size_t root, doc, bundle, out;
};

static vouch_result len_at(struct len_layout l) {
    const vouch_trusted_root *r = NULL;
    arena_reset();
    memcpy(AT(l.doc), msg.root_doc.bytes, msg.root_doc.len);
    memcpy(AT(l.bundle), msg.bundle.bytes, msg.bundle.len);
    EXPECT(vouch_trusted_root_load(AT(l.doc), msg.root_doc.len, root_scratch, sizeof root_scratch,
                                   AT(l.root), RS, &r),
           VOUCH_OK);
    return vouch_bundle_scratch_len(r, AT(l.bundle), msg.bundle.len, (size_t *)AT(l.out));
}

static void test_overlap_scratch_len(void) {
    const struct len_layout d = {0, 65536, 32768, 12288};
    struct len_layout l;
    const size_t DL = msg.root_doc.len, BL = msg.bundle.len, O = d.out;
#define LEN(field, value, want)                                                                \
    do {                                                                                       \
        l = d;                                                                                 \
        l.field = (value);                                                                     \
        EXPECT(len_at(l), want);                                                               \
    } while (0)
    LEN(out, O, VOUCH_OK);
    CHECK(*(size_t *)AT(O) > 0);
    /* out_len x bundle */
    LEN(bundle, O + 7, REFUSED);
    CHECK(untouched(O, 7));
    LEN(bundle, O - BL + 1, REFUSED);
    LEN(bundle, O + 8, VOUCH_OK);
    LEN(bundle, O - BL, VOUCH_OK);
    /* out_len x the root's document */
    LEN(doc, O + 7, REFUSED);
    LEN(doc, O - DL + 1, REFUSED);
    LEN(doc, O + 8, VOUCH_OK);
    LEN(doc, O - DL, VOUCH_OK);
    /* out_len x root storage */
    LEN(out, d.root, REFUSED);
    LEN(out, d.root + UP8(HS) - 8, REFUSED);
    LEN(out, d.root + UP8(HS), VOUCH_OK);
#undef LEN
}

/* vouch_bundle_verify: outputs scratch[scratch_len], *out; inputs root storage, the root's doc,
 * bundle, *policy, the policy's key / identity / issuer / predicate type, *artifact. The pairs
 * run on the managed-key DSSE bundle (cheapest to verify, and its predicate type is checked);
 * the identity and issuer texts on the message-signature bundle. */
struct verify_layout {
    size_t root, doc, bundle, policy, key, ident, issuer, pred, artifact, scratch, scratch_len,
        out;
};

#define PRED "https://slsa.dev/provenance/v1"

static const struct kcase *oc; /* the case under test */

static vouch_result verify_at(struct verify_layout l) {
    const vouch_trusted_root *r = NULL;
    vouch_keyless_policy p = oc->policy;
    arena_reset();
    memcpy(AT(l.doc), oc->root_doc.bytes, oc->root_doc.len);
    EXPECT(vouch_trusted_root_load(AT(l.doc), oc->root_doc.len, root_scratch, sizeof root_scratch,
                                   AT(l.root), RS, &r),
           VOUCH_OK);
    memcpy(AT(l.bundle), oc->bundle.bytes, oc->bundle.len);
    if (p.kind == VOUCH_POLICY_KEY) {
        memcpy(AT(l.key), p.key_spki_der, p.key_spki_der_len);
        p.key_spki_der = AT(l.key);
    } else {
        memcpy(AT(l.ident), p.identity.data, p.identity.len);
        memcpy(AT(l.issuer), p.issuer.data, p.issuer.len);
        p.identity.data = (const char *)AT(l.ident);
        p.issuer.data = (const char *)AT(l.issuer);
    }
    /* A predicate type only where there is a Statement: on a message signature it would be
     * refused (MISSING_PREDICATE_TYPE). */
    if (oc != &msg && oc != &managed_msg) {
        memcpy(AT(l.pred), PRED, strlen(PRED));
        p.predicate_type.data = (const char *)AT(l.pred);
        p.predicate_type.len = strlen(PRED);
    }
    memcpy(AT(l.policy), &p, sizeof p);
    memcpy(AT(l.artifact), &oc->digest, sizeof oc->digest);
    return vouch_bundle_verify(r, AT(l.bundle), oc->bundle.len,
                               (const vouch_keyless_policy *)AT(l.policy),
                               (const vouch_digest *)AT(l.artifact), AT(l.scratch), l.scratch_len,
                               (vouch_bundle_verified *)AT(l.out));
}

static struct verify_layout default_layout(const struct kcase *c) {
    struct verify_layout d;
    size_t n = 0;
    EXPECT(vouch_bundle_scratch_len(c->root, c->bundle.bytes, c->bundle.len, &n), VOUCH_OK);
    CHECK(n < 65536 && c->root_doc.len < 15360 && c->bundle.len < 16384);
    d.root = 0;
    d.doc = 1024;
    d.bundle = 16384;
    d.policy = 32768;
    d.key = 33792;
    d.ident = 34816;
    d.issuer = 35840;
    d.pred = 36864;
    d.artifact = 37888;
    d.scratch = 131072;
    d.scratch_len = n;
    d.out = 262144;
    return d;
}

#define VER(field, value, want)                                                                \
    do {                                                                                       \
        l = d;                                                                                 \
        l.field = (value);                                                                     \
        EXPECT(verify_at(l), want);                                                            \
    } while (0)

static void test_overlap_bundle_verify(void) {
    struct verify_layout d, l;
    size_t N, DL, BL, KL, PL, PS, AS, OS, C, O;
    oc = &managed_dsse;
    d = default_layout(oc);
    N = d.scratch_len, DL = oc->root_doc.len, BL = oc->bundle.len, KL = managed_dsse_spki.len;
    PL = strlen(PRED), PS = sizeof(vouch_keyless_policy), AS = sizeof(vouch_digest);
    OS = sizeof(vouch_bundle_verified), C = d.scratch, O = d.out;
    VER(out, O, VOUCH_OK);
    CHECK(((vouch_bundle_verified *)AT(O))->subject_index == 0);
    /* scratch x root storage */
    VER(root, C - UP8(HS) + 8, REFUSED);
    CHECK(untouched(O, OS));
    VER(root, C + UP8(N) - 8, REFUSED);
    VER(root, C - UP8(HS), VOUCH_OK);
    /* scratch x the root's document (scratch over it would rewrite the trust anchors) */
    VER(doc, C - DL + 1, REFUSED);
    CHECK(untouched(C + 1, N - 1));
    VER(doc, C + N - 1, REFUSED);
    VER(doc, C + N, VOUCH_OK);
    /* scratch x bundle */
    VER(bundle, C - BL + 1, REFUSED);
    VER(bundle, C + N - 1, REFUSED);
    VER(bundle, C - BL, VOUCH_OK);
    /* scratch x policy, key, predicate type, artifact */
    VER(policy, C - UP8(PS) + 8, REFUSED);
    VER(policy, C + UP8(N) - 8, REFUSED);
    VER(key, C - KL + 1, REFUSED);
    VER(key, C + N - 1, REFUSED);
    VER(key, C + N, VOUCH_OK);
    VER(pred, C - PL + 1, REFUSED);
    VER(pred, C + N - 1, REFUSED);
    VER(artifact, C - AS + 1, REFUSED);
    VER(artifact, C + N - 1, REFUSED);
    VER(artifact, C - AS, VOUCH_OK);
    /* out x scratch */
    VER(out, C + UP8(N) - 8, REFUSED);
    VER(out, C - UP8(OS) + 8, REFUSED);
    VER(out, C + UP8(N), VOUCH_OK);
    /* out x root storage, doc, bundle, policy, key, predicate type, artifact */
    VER(root, O + UP8(OS) - 8, REFUSED);
    VER(root, O - UP8(HS) + 8, REFUSED);
    VER(doc, O + OS - 1, REFUSED);
    VER(doc, O - DL + 1, REFUSED);
    VER(bundle, O + OS - 1, REFUSED);
    VER(bundle, O - BL + 1, REFUSED);
    VER(policy, O - UP8(PS) + 8, REFUSED);
    VER(policy, O + UP8(OS) - 8, REFUSED);
    VER(key, O + OS - 1, REFUSED);
    VER(key, O - KL + 1, REFUSED);
    VER(pred, O + OS - 1, REFUSED);
    VER(pred, O - PL + 1, REFUSED);
    VER(artifact, O - AS + 1, REFUSED);
    VER(artifact, O + OS - 1, REFUSED);
    /* All of them just adjacent to the outputs at once. */
    l = d;
    l.root = C - UP8(HS);
    l.policy = O - UP8(PS);
    l.key = C + N;
    l.pred = O + OS;
    l.artifact = C - UP8(HS) - AS;
    EXPECT(verify_at(l), VOUCH_OK);

    /* The identity and issuer texts (message-signature bundle, identity policy). */
    oc = &msg;
    d = default_layout(oc);
    N = d.scratch_len, C = d.scratch;
    {
        const size_t IL = msg.policy.identity.len, SL = msg.policy.issuer.len;
        VER(ident, C - IL + 1, REFUSED);
        VER(ident, C + N - 1, REFUSED);
        VER(ident, O + OS - 1, REFUSED);
        VER(ident, O - IL + 1, REFUSED);
        VER(issuer, C - SL + 1, REFUSED);
        VER(issuer, C + N - 1, REFUSED);
        VER(issuer, O + OS - 1, REFUSED);
        VER(issuer, O - SL + 1, REFUSED);
        l = d;
        l.ident = C - IL;
        l.issuer = O + OS;
        EXPECT(verify_at(l), VOUCH_OK);
        CHECK(span_is(((vouch_bundle_verified *)AT(O))->identity,
                      ((vouch_bundle_verified *)AT(O))->identity_len, "william@yossarian.net"));
    }
}
#undef VER

int main(int argc, char **argv) {
    if (!check_start(argc, argv)) {
        return 2;
    }
    setup();
    test_storage();
    test_verify_real_bundles();
    test_verify_managed_key();
    test_verify_refusals();
    test_scratch();
    test_root_load();
    test_overlap_root_load();
    test_overlap_scratch_len();
    test_overlap_bundle_verify();
    return check_finish();
}
