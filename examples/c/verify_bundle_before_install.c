/*
 * verify_bundle_before_install: the keyless (Sigstore) variant of verify_before_install.
 *
 *   verify_bundle_before_install BUNDLE TRUSTED_ROOT ARTIFACT IDENTITY ISSUER
 *
 * Loads a Sigstore trusted root (trusted_root.json, fetched once on a connected machine and
 * shipped with the device), streams the artifact through SHA-256 in 4 KiB chunks (as firmware
 * reads flash), and verifies the bundle offline: the signer's certificate must name exactly
 * IDENTITY, issued by exactly ISSUER, the transparency log entry and the certificate chain must
 * verify at a trusted time, and the signature must cover the artifact's digest. Only then is the
 * artifact "installed". No heap: all vouch state lives in static storage.
 *
 * Exit status: 0 installed; 1 usage; 2 I/O error; 3 bad trusted root; 4 bundle refused
 * (identity, issuer, log, chain, signature, artifact digest, format).
 */
#include <vouch.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

enum { EXIT_INSTALLED = 0, EXIT_USAGE = 1, EXIT_IO = 2, EXIT_ROOT = 3, EXIT_BUNDLE = 4 };

#define CHUNK 4096

static vouch_trusted_root_storage root_storage;
static vouch_hasher_storage hasher_storage;
/* The trusted root borrows this document: it must stay unchanged while the root is used. */
static uint8_t root_doc[64 * 1024];
static uint8_t bundle[64 * 1024];
static uint8_t scratch[32 * 1024];
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
    const vouch_trusted_root *root;
    vouch_hasher *hasher;
    vouch_digest digest;
    vouch_keyless_policy policy;
    vouch_bundle_verified verified;
    size_t root_len, bundle_len, need, n, total = 0;
    vouch_result r;
    FILE *artifact;
    time_t when;
    char stamp[32];

    if (argc != 6) {
        fprintf(stderr, "usage: %s BUNDLE TRUSTED_ROOT ARTIFACT IDENTITY ISSUER\n", argv[0]);
        return EXIT_USAGE;
    }

    /* 1. Trust: the Sigstore trusted root (the scratch only checks its certificates). */
    if (!read_all(argv[2], root_doc, sizeof root_doc, &root_len)) return EXIT_IO;
    r = vouch_trusted_root_load(root_doc, root_len, scratch, sizeof scratch, &root_storage,
                                sizeof root_storage, &root);
    if (r != VOUCH_OK) return refuse(EXIT_ROOT, "trusted root", r);

    /* 2. Artifact: stream it in 4 KiB chunks. */
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

    /* 3. Bundle: who must have signed (exact identity and issuer, both required). */
    if (!read_all(argv[1], bundle, sizeof bundle, &bundle_len)) return EXIT_IO;
    r = vouch_bundle_scratch_len(root, bundle, bundle_len, &need);
    if (r != VOUCH_OK) return refuse(EXIT_BUNDLE, "bundle", r);
    if (need > sizeof scratch) {
        fprintf(stderr, "REFUSED: bundle needs %u bytes of scratch, have %u\n", (unsigned)need,
                (unsigned)sizeof scratch);
        return EXIT_BUNDLE;
    }
    memset(&policy, 0, sizeof policy);
    policy.kind = VOUCH_POLICY_IDENTITY;
    policy.identity.data = argv[4];
    policy.identity.len = strlen(argv[4]);
    policy.issuer.data = argv[5];
    policy.issuer.len = strlen(argv[5]);
    r = vouch_bundle_verify(root, bundle, bundle_len, &policy, &digest, scratch, sizeof scratch,
                            &verified);
    if (r != VOUCH_OK) return refuse(EXIT_BUNDLE, "bundle", r);

    when = (time_t)verified.earliest_time;
    if (strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", gmtime(&when)) == 0) stamp[0] = '\0';
    printf("bundle: signed by %.*s (issuer %.*s), %s at %s, %u-byte scratch\n",
           (int)verified.identity_len, verified.identity, (int)verified.issuer_len,
           verified.issuer,
           verified.earliest_source == VOUCH_TIME_SOURCE_LOG ? "logged" : "timestamped", stamp,
           (unsigned)need);
    printf("OK: %s is what %.*s signed; installing\n", argv[3], (int)verified.identity_len,
           verified.identity);
    return EXIT_INSTALLED;
}
