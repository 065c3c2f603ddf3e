/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_wal.c - store/wal.c, the thread that truncates the write-ahead log.
 *
 * On a database file in a fresh directory under /tmp: a truncation asked
 * empties the -wal file; a read transaction held open (another connection,
 * as an operator's sqlite3 would hold it) delays it, counted as failed
 * attempts, without ever stalling the writer; once the reader ends, the
 * retries complete it. The tests wait on the thread's counters, with a
 * generous bound, never for a fixed time.
 */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "log.h"
#include "store/store.h"
#include "store/wal.h"

#define WAIT_MS 20000

static char tmpdir[] = "/tmp/concerto-wal-XXXXXX";

static int
group_setup(void **state)
{
    (void)state;
    log_quiet(1);
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int
group_teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static int64_t
now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long
size_of(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (long)sb.st_size : 0;
}

/* Poll the counters of `w` until `done` truncations and `failures` failed
 * attempts at least, with `pending` as given; false after WAIT_MS. */
static bool
wait_stats(struct wal *w, uint64_t done, uint64_t failures, bool pending)
{
    int64_t until = now_ms() + WAIT_MS;
    struct wal_stats st;
    for (;;) {
        wal_stats(w, &st);
        if (st.done >= done && st.failures >= failures && st.pending == pending) {
            return true;
        }
        if (now_ms() > until) {
            return false;
        }
        nanosleep(&(struct timespec){.tv_nsec = 10 * 1000 * 1000}, NULL);
    }
}

/* A database with one committed secret ballot; the paths of it and its WAL. */
static struct store *
fresh(const char *name, char db[256], char walpath[260])
{
    snprintf(db, 256, "%s/%s", tmpdir, name);
    snprintf(walpath, 260, "%s-wal", db);
    struct store *s = NULL;
    assert_int_equal(store_open(db, &s, NULL), 0);
    assert_int_equal(store_begin(s), 0);
    assert_int_equal(store_secret_put(s, "m1", "v1", "rcpt-aaaaaaaaaaaaaaaa", "bailleurs", "no", NULL),
                     0);
    assert_int_equal(store_commit(s), 0);
    return s;
}

static void
test_a_truncation_asked_empties_the_wal_file(void **state)
{
    (void)state;
    char db[256], walpath[260];
    struct store *s = fresh("empties.db", db, walpath);
    struct wal *w = NULL;
    assert_int_equal(wal_open(db, &w), 0);
    assert_true(size_of(walpath) > 0);
    wal_truncate_soon(w);
    assert_true(wait_stats(w, 1, 0, false));
    assert_int_equal(size_of(walpath), 0);
    wal_close(w);
    store_close(s);
}

static void
test_a_reader_delays_the_truncation_but_never_the_writer(void **state)
{
    (void)state;
    char db[256], walpath[260];
    struct store *s = fresh("reader.db", db, walpath);
    struct wal *w = NULL;
    assert_int_equal(wal_open(db, &w), 0);
    sqlite3 *reader = NULL;
    assert_int_equal(sqlite3_open_v2(db, &reader, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(reader, "BEGIN; SELECT count(*) FROM secret_ballots", NULL, NULL, NULL),
        SQLITE_OK);
    wal_truncate_soon(w);
    assert_true(wait_stats(w, 0, 3, true));
    /* The writer goes on meanwhile, and never waits for the reader. */
    for (int i = 0; i < 20; i++) {
        char receipt[32];
        snprintf(receipt, sizeof(receipt), "rcpt-%016d", i);
        int64_t t0 = now_ms();
        assert_int_equal(store_begin(s), 0);
        assert_int_equal(store_secret_put(s, "m1", "v2", receipt, "bailleurs", "yes", NULL), 0);
        assert_int_equal(store_commit(s), 0);
        assert_true(now_ms() - t0 < 1000);
    }
    assert_true(size_of(walpath) > 0);
    assert_int_equal(sqlite3_exec(reader, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    assert_true(wait_stats(w, 1, 3, false));
    assert_int_equal(size_of(walpath), 0);
    sqlite3_close(reader);
    wal_close(w);
    store_close(s);
}

static void
test_null_is_harmless(void **state)
{
    (void)state;
    struct wal_stats st = {.pending = true, .failures = 7};
    wal_truncate_soon(NULL);
    wal_stats(NULL, &st);
    assert_false(st.pending);
    assert_int_equal(st.failures, 0);
    wal_close(NULL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_truncation_asked_empties_the_wal_file),
        cmocka_unit_test(test_a_reader_delays_the_truncation_but_never_the_writer),
        cmocka_unit_test(test_null_is_harmless),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
