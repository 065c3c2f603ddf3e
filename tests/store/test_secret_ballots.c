/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_secret_ballots.c - store/store.c, the table of secret ballots.
 *
 * A secret ballot is stored as (meeting, vote, receipt, college, choice):
 * no voter, no time, no rowid. These tests check what the hub relies on
 * (a receipt is unique within a vote, a replaced ballot is deleted by its
 * receipt, the tally groups by college and choice, a rolled-back command
 * leaves no row) and what the operator can see from the outside with the
 * sqlite3 library, as with the sqlite3 shell: the columns of the table, the
 * order in which a plain SELECT lists the rows.
 *
 * Most tests run on ":memory:"; those about the file work in a fresh
 * directory under /tmp.
 */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "log.h"
#include "store/store.h"

static char tmpdir[] = "/tmp/concerto-secret-XXXXXX";

static int
setup(void **state)
{
    struct store *s = NULL;
    assert_int_equal(store_open(":memory:", &s, NULL), 0);
    *state = s;
    return 0;
}

static int
teardown(void **state)
{
    store_close(*state);
    return 0;
}

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

static void
path_in(char *out, size_t size, const char *name)
{
    int n = snprintf(out, size, "%s/%s", tmpdir, name);
    assert_true(n > 0 && (size_t)n < size);
}

/* What a tally or a list callback received, as "a/b/n" lines joined by spaces. */
struct seen {
    char text[4096];
    size_t len;
    int stop_after; /* return 1 after this many rows; 0: never */
    int rows;
};

static int
collect(void *ctx, const char *a, const char *b, int64_t n)
{
    struct seen *s = ctx;
    s->len += (size_t)snprintf(s->text + s->len, sizeof(s->text) - s->len, "%s%s/%s/%lld",
                               s->len ? " " : "", a, b, (long long)n);
    s->rows++;
    return s->stop_after && s->rows >= s->stop_after ? 1 : 0;
}

static const char *
tally(struct store *s, const char *meeting, const char *vote)
{
    static struct seen seen;
    memset(&seen, 0, sizeof(seen));
    assert_int_equal(store_secret_tally(s, meeting, vote, collect, &seen), 0);
    return seen.text;
}

static const char *
list(struct store *s, const char *meeting, const char *vote)
{
    static struct seen seen;
    memset(&seen, 0, sizeof(seen));
    assert_int_equal(store_secret_list(s, meeting, vote, collect, &seen), 0);
    return seen.text;
}

static void
put(struct store *s, const char *vote, const char *receipt, const char *college,
    const char *choice)
{
    assert_int_equal(store_secret_put(s, "m1", vote, receipt, college, choice, NULL), 0);
}

/* ---- storing and counting ------------------------------------------------------------- */

static void
test_a_ballot_is_deleted_only_with_its_owner_tag(void **state)
{
    struct store *s = *state;
    const uint8_t mine[STORE_OWNER_LEN] = {1, 2, 3}, theirs[STORE_OWNER_LEN] = {9, 9, 9};
    assert_int_equal(
        store_secret_put(s, "m1", "v1", "rcpt-aaaaaaaaaaaaaaaa", "bailleurs", "yes", mine), 0);
    /* another caster's tag, or none, does not delete it */
    assert_int_equal(store_secret_delete(s, "m1", "v1", "rcpt-aaaaaaaaaaaaaaaa", theirs),
                     ERR_NOT_FOUND);
    assert_int_equal(store_secret_delete(s, "m1", "v1", "rcpt-aaaaaaaaaaaaaaaa", NULL),
                     ERR_NOT_FOUND);
    assert_string_equal(list(s, "m1", "v1"), "rcpt-aaaaaaaaaaaaaaaa/yes/1");
    assert_int_equal(store_secret_delete(s, "m1", "v1", "rcpt-aaaaaaaaaaaaaaaa", mine), 0);
    assert_string_equal(list(s, "m1", "v1"), "");
    /* a row older than tags (NULL) is deleted by its receipt alone */
    put(s, "v1", "rcpt-bbbbbbbbbbbbbbbb", "bailleurs", "no");
    assert_int_equal(store_secret_delete(s, "m1", "v1", "rcpt-bbbbbbbbbbbbbbbb", theirs), 0);
}

static void
test_secret_ballots_are_tallied_by_college_and_choice(void **state)
{
    struct store *s = *state;
    put(s, "v1", "rcpt-zzzzzzzzzzzzzzzz", "locataires", "yes");
    put(s, "v1", "rcpt-aaaaaaaaaaaaaaaa", "bailleurs", "no");
    put(s, "v1", "rcpt-mmmmmmmmmmmmmmmm", "locataires", "yes");
    put(s, "v1", "rcpt-bbbbbbbbbbbbbbbb", "bailleurs", "yes");
    put(s, "v1", "rcpt-cccccccccccccccc", "locataires", "abstain");
    assert_string_equal(tally(s, "m1", "v1"),
                        "bailleurs/no/1 bailleurs/yes/1 locataires/abstain/1 locataires/yes/2");
}

static void
test_secret_ballots_of_other_votes_and_meetings_are_not_counted(void **state)
{
    struct store *s = *state;
    put(s, "v1", "rcpt-aaaaaaaaaaaaaaaa", "bailleurs", "yes");
    put(s, "v2", "rcpt-bbbbbbbbbbbbbbbb", "bailleurs", "no");
    assert_int_equal(store_secret_put(s, "m2", "v1", "rcpt-cccccccccccccccc", "bailleurs", "no", NULL), 0);
    assert_string_equal(tally(s, "m1", "v1"), "bailleurs/yes/1");
    assert_string_equal(tally(s, "m1", "v2"), "bailleurs/no/1");
    assert_string_equal(tally(s, "m2", "v1"), "bailleurs/no/1");
    assert_string_equal(tally(s, "m1", "v3"), "");
}

static void
test_a_receipt_is_unique_within_a_vote_only(void **state)
{
    struct store *s = *state;
    put(s, "v1", "rcpt-aaaaaaaaaaaaaaaa", "bailleurs", "yes");
    assert_int_equal(store_secret_put(s, "m1", "v1", "rcpt-aaaaaaaaaaaaaaaa", "locataires", "no", NULL),
                     ERR_CONFLICT);
    put(s, "v2", "rcpt-aaaaaaaaaaaaaaaa", "bailleurs", "no");
    assert_int_equal(store_secret_put(s, "m2", "v1", "rcpt-aaaaaaaaaaaaaaaa", "bailleurs", "no", NULL), 0);
    /* the first ballot stands, unchanged */
    assert_string_equal(tally(s, "m1", "v1"), "bailleurs/yes/1");
}

static void
test_a_replaced_ballot_is_deleted_by_its_receipt_and_only_in_its_vote(void **state)
{
    struct store *s = *state;
    put(s, "v1", "rcpt-aaaaaaaaaaaaaaaa", "bailleurs", "yes");
    put(s, "v2", "rcpt-bbbbbbbbbbbbbbbb", "bailleurs", "yes");
    assert_int_equal(store_secret_delete(s, "m1", "v1", "rcpt-bbbbbbbbbbbbbbbb", NULL), ERR_NOT_FOUND);
    assert_int_equal(store_secret_delete(s, "m2", "v1", "rcpt-aaaaaaaaaaaaaaaa", NULL), ERR_NOT_FOUND);
    assert_int_equal(store_secret_delete(s, "m1", "v1", "rcpt-unknown-receipt", NULL), ERR_NOT_FOUND);
    assert_int_equal(store_secret_delete(s, "m1", "v1", "rcpt-aaaaaaaaaaaaaaaa", NULL), 0);
    put(s, "v1", "rcpt-cccccccccccccccc", "bailleurs", "no");
    assert_string_equal(tally(s, "m1", "v1"), "bailleurs/no/1");
    assert_string_equal(tally(s, "m1", "v2"), "bailleurs/yes/1");
    /* deleted once: a second delete finds nothing */
    assert_int_equal(store_secret_delete(s, "m1", "v1", "rcpt-aaaaaaaaaaaaaaaa", NULL), ERR_NOT_FOUND);
}

static void
test_the_ballots_of_a_cancelled_vote_are_dropped_and_only_theirs(void **state)
{
    struct store *s = *state;
    put(s, "v1", "rcpt-aaaaaaaaaaaaaaaa", "bailleurs", "yes");
    put(s, "v1", "rcpt-bbbbbbbbbbbbbbbb", "locataires", "no");
    put(s, "v2", "rcpt-cccccccccccccccc", "bailleurs", "yes");
    assert_int_equal(store_secret_put(s, "m2", "v1", "rcpt-dddddddddddddddd", "bailleurs", "no", NULL),
                     0);
    assert_int_equal(store_secret_drop(s, "m1", "v1"), 0);
    assert_string_equal(list(s, "m1", "v1"), "");
    assert_string_equal(list(s, "m1", "v2"), "rcpt-cccccccccccccccc/yes/1");
    assert_string_equal(list(s, "m2", "v1"), "rcpt-dddddddddddddddd/no/1");
    /* nothing left to drop is no error: the start-up clean-up runs it again */
    assert_int_equal(store_secret_drop(s, "m1", "v1"), 0);
}

static void
test_the_list_of_ballots_is_in_receipt_order_whatever_the_order_of_voting(void **state)
{
    struct store *s = *state;
    put(s, "v1", "rcpt-zzzzzzzzzzzzzzzz", "locataires", "no");
    put(s, "v1", "RCPT-uppercase-first", "bailleurs", "yes");
    put(s, "v1", "rcpt-aaaaaaaaaaaaaaaa", "bailleurs", "abstain");
    put(s, "v1", "0-digits-come-before", "locataires", "yes");
    put(s, "v1", "rcpt-mmmmmmmmmmmmmmmm", "bailleurs", "no");
    assert_string_equal(list(s, "m1", "v1"),
                        "0-digits-come-before/yes/1 RCPT-uppercase-first/yes/1 "
                        "rcpt-aaaaaaaaaaaaaaaa/abstain/1 rcpt-mmmmmmmmmmmmmmmm/no/1 "
                        "rcpt-zzzzzzzzzzzzzzzz/no/1");
    assert_string_equal(list(s, "m1", "v2"), "");
}

static void
test_a_callback_stops_the_tally_and_the_list_with_its_value(void **state)
{
    struct store *s = *state;
    put(s, "v1", "rcpt-aaaaaaaaaaaaaaaa", "bailleurs", "yes");
    put(s, "v1", "rcpt-bbbbbbbbbbbbbbbb", "locataires", "no");
    struct seen seen;
    memset(&seen, 0, sizeof(seen));
    seen.stop_after = 1;
    assert_int_equal(store_secret_list(s, "m1", "v1", collect, &seen), 1);
    assert_int_equal(seen.rows, 1);
    memset(&seen, 0, sizeof(seen));
    seen.stop_after = 1;
    assert_int_equal(store_secret_tally(s, "m1", "v1", collect, &seen), 1);
    /* the statements were reset: reading again works */
    assert_string_equal(tally(s, "m1", "v1"), "bailleurs/yes/1 locataires/no/1");
}

/* ---- with the transactions of the hub ------------------------------------------------- */

static void
test_a_ballot_of_a_refused_command_is_rolled_back_with_its_savepoint(void **state)
{
    struct store *s = *state;
    assert_int_equal(store_begin(s), 0);
    assert_int_equal(store_savepoint(s), 0);
    put(s, "v1", "rcpt-aaaaaaaaaaaaaaaa", "bailleurs", "yes");
    store_release(s);
    /* the next command replaces it, then fails after its writes */
    assert_int_equal(store_savepoint(s), 0);
    assert_int_equal(store_secret_delete(s, "m1", "v1", "rcpt-aaaaaaaaaaaaaaaa", NULL), 0);
    put(s, "v1", "rcpt-bbbbbbbbbbbbbbbb", "bailleurs", "no");
    store_rollback_savepoint(s);
    assert_int_equal(store_commit(s), 0);
    assert_string_equal(list(s, "m1", "v1"), "rcpt-aaaaaaaaaaaaaaaa/yes/1");
}

static void
test_a_turn_rolled_back_leaves_no_ballot(void **state)
{
    struct store *s = *state;
    assert_int_equal(store_begin(s), 0);
    put(s, "v1", "rcpt-aaaaaaaaaaaaaaaa", "bailleurs", "yes");
    store_rollback(s);
    assert_string_equal(tally(s, "m1", "v1"), "");
}

/* ---- from the outside ------------------------------------------------------------------- */

static sqlite3 *
raw_open(const char *path)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    return db;
}

static void
test_the_table_holds_no_voter_no_time_and_no_rowid(void **state)
{
    (void)state;
    char path[256];
    path_in(path, sizeof(path), "columns.db");
    struct store *s = NULL;
    assert_int_equal(store_open(path, &s, NULL), 0);
    assert_int_equal(store_secret_put(s, "m1", "v1", "rcpt-aaaaaaaaaaaaaaaa", "bailleurs", "yes", NULL), 0);
    store_close(s);
    sqlite3 *db = raw_open(path);
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT name FROM pragma_table_info('secret_ballots')"
                                            " ORDER BY cid",
                                        -1, &st, NULL),
                     SQLITE_OK);
    char cols[256] = "";
    size_t len = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        len += (size_t)snprintf(cols + len, sizeof(cols) - len, "%s%s", len ? " " : "",
                                (const char *)sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    /* owner: a tag keyed with the caster's token, which names nobody here */
    assert_string_equal(cols, "meeting vote receipt college choice owner");
    /* no hidden rowid either: it would keep the order of insertion */
    assert_int_not_equal(sqlite3_prepare_v2(db, "SELECT rowid FROM secret_ballots", -1, &st, NULL),
                         SQLITE_OK);
    sqlite3_finalize(st);
    /* and no other table mentions a receipt */
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
                                            " AND name != 'secret_ballots' AND sql LIKE '%receipt%'",
                                        -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

static void
test_a_plain_select_lists_the_ballots_in_receipt_order(void **state)
{
    (void)state;
    char path[256];
    path_in(path, sizeof(path), "order.db");
    struct store *s = NULL;
    assert_int_equal(store_open(path, &s, NULL), 0);
    static const char *const voted[] = {"rcpt-qqqqqqqqqqqqqqqq", "rcpt-bbbbbbbbbbbbbbbb",
                                        "rcpt-xxxxxxxxxxxxxxxx", "rcpt-ffffffffffffffff"};
    for (size_t i = 0; i < 4; i++) {
        /* one transaction per ballot, as the server commits them */
        assert_int_equal(store_begin(s), 0);
        assert_int_equal(store_secret_put(s, "m1", "v1", voted[i], "bailleurs", "yes", NULL), 0);
        assert_int_equal(store_commit(s), 0);
    }
    store_close(s);
    sqlite3 *db = raw_open(path);
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT receipt FROM secret_ballots", -1, &st, NULL),
                     SQLITE_OK);
    char got[256] = "";
    size_t len = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        len += (size_t)snprintf(got + len, sizeof(got) - len, "%s%s", len ? " " : "",
                                (const char *)sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    assert_string_equal(got, "rcpt-bbbbbbbbbbbbbbbb rcpt-ffffffffffffffff rcpt-qqqqqqqqqqqqqqqq "
                             "rcpt-xxxxxxxxxxxxxxxx");
}

static void
test_committed_ballots_survive_reopening_the_file(void **state)
{
    (void)state;
    char path[256];
    path_in(path, sizeof(path), "reopen.db");
    struct store *s = NULL;
    assert_int_equal(store_open(path, &s, NULL), 0);
    assert_int_equal(store_begin(s), 0);
    assert_int_equal(store_secret_put(s, "m1", "v1", "rcpt-aaaaaaaaaaaaaaaa", "bailleurs", "no", NULL), 0);
    assert_int_equal(store_commit(s), 0);
    assert_int_equal(store_begin(s), 0);
    assert_int_equal(store_secret_put(s, "m1", "v1", "rcpt-bbbbbbbbbbbbbbbb", "bailleurs", "yes", NULL), 0);
    store_close(s); /* never committed: as if the process died */
    assert_int_equal(store_open(path, &s, NULL), 0);
    assert_string_equal(tally(s, "m1", "v1"), "bailleurs/no/1");
    store_close(s);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
        T(test_secret_ballots_are_tallied_by_college_and_choice),
        T(test_secret_ballots_of_other_votes_and_meetings_are_not_counted),
        T(test_a_receipt_is_unique_within_a_vote_only),
        T(test_a_replaced_ballot_is_deleted_by_its_receipt_and_only_in_its_vote),
        T(test_the_ballots_of_a_cancelled_vote_are_dropped_and_only_theirs),
        T(test_the_list_of_ballots_is_in_receipt_order_whatever_the_order_of_voting),
        T(test_a_callback_stops_the_tally_and_the_list_with_its_value),
        T(test_a_ballot_of_a_refused_command_is_rolled_back_with_its_savepoint),
        T(test_a_turn_rolled_back_leaves_no_ballot),
        T(test_a_ballot_is_deleted_only_with_its_owner_tag),
        cmocka_unit_test(test_the_table_holds_no_voter_no_time_and_no_rowid),
        cmocka_unit_test(test_a_plain_select_lists_the_ballots_in_receipt_order),
        cmocka_unit_test(test_committed_ballots_survive_reopening_the_file),
#undef T
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
