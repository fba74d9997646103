/*
 * The check harness shared by the C consumer tests (test_vouch.c, test_keyless.c): counters,
 * CHECK / EXPECT, and the fixture directory and summary every test program's main uses.
 * Each test program is one translation unit that includes this once (the state is `static`).
 */
#ifndef VOUCH_TEST_CHECK_H
#define VOUCH_TEST_CHECK_H

#include "vouch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;
static int checks;
static const char *fixture_dir;

#define CHECK(cond)                                                                            \
    do {                                                                                       \
        checks++;                                                                              \
        if (!(cond)) {                                                                         \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);           \
            failures++;                                                                        \
        }                                                                                      \
    } while (0)

/* `expr` returns the vouch_result `want`; a mismatch prints both with their codes. */
#define EXPECT(expr, want)                                                                     \
    do {                                                                                       \
        uint32_t got_ = (uint32_t)(expr);                                                      \
        uint32_t want_ = (uint32_t)(want);                                                     \
        checks++;                                                                              \
        if (got_ != want_) {                                                                   \
            fprintf(stderr, "%s:%d: %s\n  = %u (%s), want %u (%s)\n", __FILE__, __LINE__,      \
                    #expr, (unsigned)got_, vouch_result_code(got_), (unsigned)want_,           \
                    vouch_result_code(want_));                                                 \
            failures++;                                                                        \
        }                                                                                      \
    } while (0)

/* What a function returns for arguments it refuses (null, overlapping, misaligned storage). */
#define REFUSED VOUCH_ERR_INVALID_ARGUMENT

/* Takes the fixture directory from argv[1]; 0 on a usage error (the caller returns 2). */
static int check_start(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s FIXTURE_DIR\n", argv[0]);
        return 0;
    }
    fixture_dir = argv[1];
    return 1;
}

/* Prints the summary; the program's exit status (0: every check passed). */
static int check_finish(void) {
    if (failures) {
        fprintf(stderr, "%d of %d checks failed\n", failures, checks);
        return 1;
    }
    printf("all %d checks passed\n", checks);
    return 0;
}

#endif
