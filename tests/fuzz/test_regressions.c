/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_regressions.c - every input the fuzzers ever crashed on, and the
 * seed corpus, replayed through the four targets in an ordinary build.
 *
 * The targets are included here under other names (FUZZ_ENTRY), so that
 * each file of tests/fuzz/regressions/TARGET/ and tests/fuzz/corpus/TARGET/
 * goes through exactly the code and the checks that found it, without
 * clang or libFuzzer. A broken check aborts; the input being replayed is
 * named on stderr first, so that a failure says which file to look at.
 */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FUZZ_ENTRY fuzz_proto_decode_one
#include "fuzz_proto_decode.c"
#undef FUZZ_ENTRY
#define FUZZ_ENTRY fuzz_core_handle_one
#include "fuzz_core_handle.c"
#undef FUZZ_ENTRY
#define FUZZ_ENTRY fuzz_api_one
#include "fuzz_api.c"
#undef FUZZ_ENTRY
#define FUZZ_ENTRY fuzz_csv_one
#include "fuzz_csv.c"
#undef FUZZ_ENTRY

#ifndef CONCERTO_SOURCE_DIR
#define CONCERTO_SOURCE_DIR "."
#endif

static char replaying[1024]; /* the input being replayed, for the abort handler */

static void
on_abort(int sig)
{
    static const char what[] = "\nfuzz regression failed while replaying ";
    ssize_t w = write(2, what, sizeof(what) - 1);
    w = write(2, replaying, strlen(replaying));
    w = write(2, "\n", 1);
    (void)w;
    signal(sig, SIG_DFL);
    raise(sig);
}

static int
by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Run every file of `dir` through `one`; returns how many. A missing directory is empty. */
static size_t
replay_dir(const char *dir, int (*one)(const uint8_t *, size_t))
{
    DIR *d = opendir(dir);
    if (!d) {
        return 0;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    for (struct dirent *e = readdir(d); e; e = readdir(d)) {
        if (e->d_name[0] == '.') {
            continue;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            names = realloc(names, cap * sizeof(*names));
            assert_non_null(names);
        }
        names[n] = strdup(e->d_name);
        assert_non_null(names[n]);
        n++;
    }
    closedir(d);
    qsort(names, n, sizeof(*names), by_name);
    for (size_t i = 0; i < n; i++) {
        snprintf(replaying, sizeof(replaying), "%s/%s", dir, names[i]);
        FILE *f = fopen(replaying, "rb");
        assert_non_null(f);
        uint8_t *buf = NULL;
        size_t len = 0, got;
        uint8_t chunk[4096];
        while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0) {
            uint8_t *grown = realloc(buf, len + got);
            assert_non_null(grown);
            buf = grown;
            memcpy(buf + len, chunk, got);
            len += got;
        }
        fclose(f);
        /* Exactly `len` bytes, as libFuzzer hands them: reading past is a bug. */
        uint8_t *exact = malloc(len ? len : 1);
        assert_non_null(exact);
        if (len) {
            memcpy(exact, buf, len);
        }
        assert_int_equal(one(exact, len), 0);
        free(exact);
        free(buf);
        free(names[i]);
    }
    free(names);
    replaying[0] = 0;
    return n;
}

static void
replay(const char *target, int (*one)(const uint8_t *, size_t))
{
    char dir[512];
    snprintf(dir, sizeof(dir), "%s/tests/fuzz/regressions/%s", CONCERTO_SOURCE_DIR, target);
    size_t regressions = replay_dir(dir, one);
    snprintf(dir, sizeof(dir), "%s/tests/fuzz/corpus/%s", CONCERTO_SOURCE_DIR, target);
    size_t seeds = replay_dir(dir, one);
    print_message("%s: %zu regression input(s), %zu seed(s)\n", target, regressions, seeds);
    assert_true(seeds > 0); /* the corpus is part of the tree */
}

static void
test_proto_decode_survives_its_regressions_and_seeds(void **state)
{
    (void)state;
    replay("fuzz_proto_decode", fuzz_proto_decode_one);
}

static void
test_core_handle_survives_its_regressions_and_seeds(void **state)
{
    (void)state;
    replay("fuzz_core_handle", fuzz_core_handle_one);
}

static void
test_api_survives_its_regressions_and_seeds(void **state)
{
    (void)state;
    replay("fuzz_api", fuzz_api_one);
}

static void
test_csv_survives_its_regressions_and_seeds(void **state)
{
    (void)state;
    replay("fuzz_csv", fuzz_csv_one);
}

int
main(void)
{
    signal(SIGABRT, on_abort);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_proto_decode_survives_its_regressions_and_seeds),
        cmocka_unit_test(test_core_handle_survives_its_regressions_and_seeds),
        cmocka_unit_test(test_api_survives_its_regressions_and_seeds),
        cmocka_unit_test(test_csv_survives_its_regressions_and_seeds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
