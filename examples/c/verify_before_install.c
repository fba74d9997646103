/*
 * verify_before_install: a firmware-style consumer of libvouch.
 *
 *   verify_before_install ENVELOPE POLICY_KEY ARTIFACT [BUILDER_ID]
 *
 * Reads a DSSE envelope and the policy's public key, verifies the envelope's signature, streams
 * the artifact through SHA-256/SHA-512 in 4 KiB chunks (as firmware reads flash), checks that the
 * verified in-toto Statement names the artifact (and, if given, the builder id), and only then
 * "installs" it. No heap: all vouch state lives in static storage.
 *
 * Exit status: 0 installed; 1 usage; 2 I/O error; 3 bad policy key; 4 envelope refused
 * (signature, payload type, format); 5 statement refused (artifact, builder, structure).
 */
#include <vouch.h>

#include <stdio.h>
#include <string.h>

enum { EXIT_INSTALLED = 0, EXIT_USAGE = 1, EXIT_IO = 2, EXIT_POLICY = 3, EXIT_ENVELOPE = 4,
       EXIT_STATEMENT = 5 };

#define CHUNK 4096

static vouch_key_storage key_storage;
static vouch_verifier_storage verifier_storage;
static vouch_hasher_storage hasher_storage;
static uint8_t envelope[64 * 1024];
static uint8_t scratch[64 * 1024];
static uint8_t key_bytes[4096];
static uint8_t chunk[CHUNK];

static int refuse(int status, const char *step, vouch_result r) {
    char msg[VOUCH_MESSAGE_MAX];
    size_t len;
    if (vouch_result_message(r, msg, sizeof msg, &len) != VOUCH_OK) msg[0] = '\0';
    fprintf(stderr, "REFUSED: %s: %s (%u): %s\n", step, vouch_result_code(r), (unsigned)r, msg);
    return status;
}

static int read_all(const char *path, uint8_t *buf, size_t cap, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "REFUSED: cannot open %s\n", path);
        return 0;
    }
    *len = fread(buf, 1, cap, f);
    if (ferror(f) || (*len == cap && fgetc(f) != EOF)) {
        fprintf(stderr, "REFUSED: cannot read %s (error, or larger than %u bytes)\n", path,
                (unsigned)cap);
        fclose(f);
        return 0;
    }
    fclose(f);
    return 1;
}

int main(int argc, char **argv) {
    const vouch_key *key;
    const vouch_verifier *verifier;
    vouch_hasher *hasher;
    vouch_digest digest;
    const uint8_t *payload;
    size_t key_len, env_len, payload_len, n, total = 0, subject;
    uint32_t signers;
    vouch_result r;
    vouch_str in_toto;
    const char *builder = argc > 4 ? argv[4] : NULL;
    FILE *artifact;

    if (argc < 4 || argc > 5) {
        fprintf(stderr, "usage: %s ENVELOPE POLICY_KEY ARTIFACT [BUILDER_ID]\n", argv[0]);
        return EXIT_USAGE;
    }

    /* 1. Policy: one trusted key (PEM, DER or raw), threshold 1, in-toto payloads only. */
    if (!read_all(argv[2], key_bytes, sizeof key_bytes, &key_len)) return EXIT_IO;
    r = vouch_key_parse(key_bytes, key_len, &key_storage, sizeof key_storage, &key);
    if (r != VOUCH_OK) return refuse(EXIT_POLICY, "policy key", r);
    in_toto.data = VOUCH_IN_TOTO_PAYLOAD_TYPE;
    in_toto.len = strlen(VOUCH_IN_TOTO_PAYLOAD_TYPE);
    r = vouch_verifier_init(&key, 1, 1, &in_toto, 1, &verifier_storage, sizeof verifier_storage,
                            &verifier);
    if (r != VOUCH_OK) return refuse(EXIT_POLICY, "policy", r);

    /* 2. Envelope: signature over the PAE by the policy key. */
    if (!read_all(argv[1], envelope, sizeof envelope, &env_len)) return EXIT_IO;
    r = vouch_verifier_verify(verifier, envelope, env_len, scratch, sizeof scratch, &payload,
                              &payload_len, &signers);
    if (r != VOUCH_OK) return refuse(EXIT_ENVELOPE, "envelope", r);
    printf("envelope: signature verified (key mask 0x%x), %u-byte statement\n",
           (unsigned)signers, (unsigned)payload_len);

    /* 3. Artifact: stream it in 4 KiB chunks. */
    r = vouch_hasher_init(&hasher_storage, sizeof hasher_storage,
                          VOUCH_HASH_SHA256 | VOUCH_HASH_SHA512, &hasher);
    if (r != VOUCH_OK) return refuse(EXIT_IO, "hasher", r);
    artifact = fopen(argv[3], "rb");
    if (!artifact) {
        fprintf(stderr, "REFUSED: cannot open %s\n", argv[3]);
        return EXIT_IO;
    }
    while ((n = fread(chunk, 1, sizeof chunk, artifact)) > 0) {
        r = vouch_hasher_update(hasher, chunk, n);
        if (r != VOUCH_OK) {
            fclose(artifact);
            return refuse(EXIT_IO, "hash", r);
        }
        total += n;
    }
    if (ferror(artifact)) {
        fclose(artifact);
        fprintf(stderr, "REFUSED: cannot read %s\n", argv[3]);
        return EXIT_IO;
    }
    fclose(artifact);
    r = vouch_hasher_finish(hasher, &digest);
    if (r != VOUCH_OK) return refuse(EXIT_IO, "hash", r);
    printf("artifact: %u bytes hashed in %u-byte chunks\n", (unsigned)total, (unsigned)CHUNK);

    /* 4. Statement: the verified payload must name this artifact (and builder, if given). */
    r = vouch_statement_check(payload, payload_len, NULL, 0, builder, builder ? strlen(builder) : 0,
                              &digest, &subject);
    if (r != VOUCH_OK) return refuse(EXIT_STATEMENT, "statement", r);

    printf("OK: %s matches subject #%u%s%s; installing\n", argv[3], (unsigned)subject,
           builder ? ", built by " : "", builder ? builder : "");
    return EXIT_INSTALLED;
}
