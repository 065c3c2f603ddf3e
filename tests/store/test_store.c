/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_store.c - store/store.c, the SQLite database behind the event log.
 *
 * Most tests run on ":memory:". The ones about files (schema version,
 * refusing a file that is not a database, backups) work in a fresh
 * directory under /tmp and look at the result with sqlite3 directly, from
 * the outside, as an operator would with the sqlite3 shell.
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
#include <unistd.h>

#include "err.h"
#include "log.h"
#include "store/store.h"

#define NOW 1612254600000LL

static char tmpdir[] = "/tmp/concerto-store-XXXXXX";

static void
path_in(char *out, size_t size, const char *name)
{
    int n = snprintf(out, size, "%s/%s", tmpdir, name);
    assert_true(n > 0 && (size_t)n < size);
}

static void
hash_of(uint8_t h[STORE_HASH_LEN], uint8_t seed)
{
    for (int i = 0; i < STORE_HASH_LEN; i++) {
        h[i] = (uint8_t)(seed * 31 + i);
    }
}

static int
setup(void **state)
{
    struct store *s = NULL;
    const char *msg = NULL;
    assert_int_equal(store_open(":memory:", &s, &msg), 0);
    assert_non_null(s);
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

/* Every row of a meeting's log, copied. */
struct got {
    size_t n;
    uint64_t seq[16];
    int64_t ts[16];
    char actor[16][33];
    char type[16][40];
    char body[16][128];
    uint8_t hash[16][STORE_HASH_LEN];
    size_t stop_after; /* return 42 after this many rows, 0 never */
};

static int
got_row(void *ctx, const struct store_row *row)
{
    struct got *g = ctx;
    assert_true(g->n < 16);
    g->seq[g->n] = row->seq;
    g->ts[g->n] = row->ts;
    snprintf(g->actor[g->n], sizeof(g->actor[0]), "%s", row->actor);
    snprintf(g->type[g->n], sizeof(g->type[0]), "%s", row->type);
    assert_int_equal(strlen(row->body), row->body_len);
    snprintf(g->body[g->n], sizeof(g->body[0]), "%s", row->body);
    memcpy(g->hash[g->n], row->hash, STORE_HASH_LEN);
    g->n++;
    return g->stop_after && g->n == g->stop_after ? 42 : 0;
}

static void
append(struct store *s, const char *meeting, uint64_t seq)
{
    uint8_t h[STORE_HASH_LEN];
    char body[64];
    hash_of(h, (uint8_t)seq);
    snprintf(body, sizeof(body), "{\"n\":%llu}", (unsigned long long)seq);
    assert_int_equal(
        store_append(s, meeting, seq, NOW + (int64_t)seq, "vasseur", "meeting.opened", body, h), 0);
}

static size_t
count_events(struct store *s, const char *meeting)
{
    struct got g;
    memset(&g, 0, sizeof(g));
    assert_int_equal(store_events(s, meeting, 0, got_row, &g), 0);
    return g.n;
}

/* Read one integer with sqlite3 from a database file. */
static int
sql_int(const char *path, const char *query)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int v = -1;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, query, -1, &st, NULL), SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW) {
        v = sqlite3_column_int(st, 0);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

/* ---- opening ----------------------------------------------------------------------------- */

static void
test_open_in_memory_gives_an_empty_migrated_store(void **state)
{
    struct store *s = *state;
    assert_false(store_in_transaction(s));
    assert_false(store_admin_exists(s));
    assert_int_equal(count_events(s, "m1"), 0);
    char commission[33];
    assert_int_equal(store_meeting_get(s, "m1", commission), ERR_NOT_FOUND);
}

static void
test_migrations_set_user_version_and_wal_on_a_file(void **state)
{
    (void)state;
    char path[256];
    path_in(path, sizeof(path), "fresh.db");
    struct store *s = NULL;
    const char *msg = NULL;
    assert_int_equal(store_open(path, &s, &msg), 0);
    assert_int_equal(store_begin(s), 0);
    assert_int_equal(store_commission_add(s, "ccr-hdf", "CCR", "bailleurs,locataires", NOW), 0);
    assert_int_equal(store_commit(s), 0);
    store_close(s);
    /* the number of the last migration, whatever it is now */
    int version = sql_int(path, "PRAGMA user_version");
    assert_true(version >= 1);
    assert_int_equal(sql_int(path, "SELECT count(*) FROM sqlite_master WHERE name = 'events'"), 1);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
    sqlite3_finalize(st);
    sqlite3_close(db);

    /* opening again migrates nothing and keeps the data */
    assert_int_equal(store_open(path, &s, &msg), 0);
    char *name = NULL, *colleges = NULL;
    assert_int_equal(store_commission_get(s, "ccr-hdf", &name, &colleges), 0);
    assert_string_equal(name, "CCR");
    free(name);
    free(colleges);
    store_close(s);
    assert_int_equal(sql_int(path, "PRAGMA user_version"), version);
}

static void
test_a_database_from_a_newer_version_is_refused(void **state)
{
    (void)state;
    char path[256];
    path_in(path, sizeof(path), "newer.db");
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    static int sentinel;
    struct store *s = (struct store *)&sentinel; /* must be reset to NULL */
    const char *msg = NULL;
    assert_int_equal(store_open(path, &s, &msg), ERR_STORAGE);
    assert_null(s);
    assert_non_null(msg);
    assert_non_null(strstr(msg, "newer"));
}

static void
test_opening_a_file_that_is_not_a_database_fails_with_a_message(void **state)
{
    (void)state;
    char path[256];
    path_in(path, sizeof(path), "notes.txt");
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    for (int i = 0; i < 200; i++) {
        fputs("Compte rendu de la commission, ceci n'est pas une base SQLite.\n", f);
    }
    fclose(f);
    struct store *s = NULL;
    const char *msg = NULL;
    assert_int_equal(store_open(path, &s, &msg), ERR_STORAGE);
    assert_null(s);
    assert_non_null(msg);
    assert_non_null(strstr(msg, "not a readable SQLite database"));
}

static void
test_opening_in_a_missing_directory_fails_with_a_message(void **state)
{
    (void)state;
    char path[256];
    path_in(path, sizeof(path), "no/such/dir/c.db");
    struct store *s = NULL;
    const char *msg = NULL;
    assert_int_not_equal(store_open(path, &s, &msg), 0);
    assert_null(s);
    assert_non_null(msg);
    assert_true(strlen(msg) > 0);
    store_close(NULL); /* harmless */
}

/* ---- the event log --------------------------------------------------------------------- */

static void
test_appended_events_come_back_in_order_with_every_column(void **state)
{
    struct store *s = *state;
    /* appended out of order, read in seq order */
    append(s, "m1", 2);
    append(s, "m1", 1);
    append(s, "m2", 1);
    append(s, "m1", 3);
    struct got g;
    memset(&g, 0, sizeof(g));
    assert_int_equal(store_events(s, "m1", 0, got_row, &g), 0);
    assert_int_equal(g.n, 3);
    for (size_t i = 0; i < 3; i++) {
        uint8_t h[STORE_HASH_LEN];
        char body[32];
        hash_of(h, (uint8_t)(i + 1));
        snprintf(body, sizeof(body), "{\"n\":%zu}", i + 1);
        assert_int_equal(g.seq[i], i + 1);
        assert_int_equal(g.ts[i], NOW + (int64_t)i + 1);
        assert_string_equal(g.actor[i], "vasseur");
        assert_string_equal(g.type[i], "meeting.opened");
        assert_string_equal(g.body[i], body);
        assert_memory_equal(g.hash[i], h, STORE_HASH_LEN);
    }
    assert_int_equal(count_events(s, "m2"), 1);
    assert_int_equal(count_events(s, "m3"), 0);
}

static void
test_events_after_a_seq_skip_what_the_client_has(void **state)
{
    struct store *s = *state;
    for (uint64_t i = 1; i <= 6; i++) {
        append(s, "m1", i);
    }
    struct got g;
    memset(&g, 0, sizeof(g));
    assert_int_equal(store_events(s, "m1", 4, got_row, &g), 0);
    assert_int_equal(g.n, 2);
    assert_int_equal(g.seq[0], 5);
    assert_int_equal(g.seq[1], 6);
    memset(&g, 0, sizeof(g));
    assert_int_equal(store_events(s, "m1", 6, got_row, &g), 0);
    assert_int_equal(g.n, 0);
}

static void
test_a_callback_stops_the_reading_with_its_value(void **state)
{
    struct store *s = *state;
    for (uint64_t i = 1; i <= 5; i++) {
        append(s, "m1", i);
    }
    struct got g;
    memset(&g, 0, sizeof(g));
    g.stop_after = 2;
    assert_int_equal(store_events(s, "m1", 0, got_row, &g), 42);
    assert_int_equal(g.n, 2);
    /* the statement was reset: a new reading starts from the top */
    assert_int_equal(count_events(s, "m1"), 5);
}

static void
test_a_duplicate_seq_is_refused_and_the_first_row_kept(void **state)
{
    struct store *s = *state;
    append(s, "m1", 1);
    uint8_t h[STORE_HASH_LEN];
    hash_of(h, 77);
    assert_int_equal(store_append(s, "m1", 1, NOW + 99, "dubois", "meeting.closed", "{}", h),
                     ERR_CONFLICT);
    struct got g;
    memset(&g, 0, sizeof(g));
    assert_int_equal(store_events(s, "m1", 0, got_row, &g), 0);
    assert_int_equal(g.n, 1);
    assert_string_equal(g.actor[0], "vasseur");
    assert_string_equal(g.type[0], "meeting.opened");
    /* the same seq in another meeting is fine */
    assert_int_equal(store_append(s, "m2", 1, NOW, "dubois", "meeting.closed", "{}", h), 0);
}

/* ---- transactions ---------------------------------------------------------------------- */

static void
test_commit_makes_the_turn_visible_and_ends_the_transaction(void **state)
{
    struct store *s = *state;
    assert_int_equal(store_begin(s), 0);
    assert_true(store_in_transaction(s));
    append(s, "m1", 1);
    append(s, "m1", 2);
    assert_int_equal(store_commit(s), 0);
    assert_false(store_in_transaction(s));
    assert_int_equal(count_events(s, "m1"), 2);
}

static void
test_rollback_undoes_the_whole_turn(void **state)
{
    struct store *s = *state;
    append(s, "m1", 1);
    assert_int_equal(store_begin(s), 0);
    append(s, "m1", 2);
    append(s, "m1", 3);
    store_rollback(s);
    assert_false(store_in_transaction(s));
    assert_int_equal(count_events(s, "m1"), 1);
    store_rollback(s); /* outside a transaction: harmless */
    assert_int_equal(count_events(s, "m1"), 1);
}

static void
test_a_savepoint_rollback_undoes_only_the_last_command(void **state)
{
    struct store *s = *state;
    uint8_t digest[STORE_DIGEST_LEN] = {1};
    assert_int_equal(store_begin(s), 0);
    /* command 1: kept */
    assert_int_equal(store_savepoint(s), 0);
    append(s, "m1", 1);
    assert_int_equal(store_reply_put(s, "m1", "vasseur", "k1", 1, digest), 0);
    store_release(s);
    /* command 2: fails half-way and is undone */
    assert_int_equal(store_savepoint(s), 0);
    append(s, "m1", 2);
    assert_int_equal(store_reply_put(s, "m1", "vasseur", "k2", 2, digest), 0);
    store_rollback_savepoint(s);
    assert_true(store_in_transaction(s));
    /* command 3: kept, and may reuse seq 2 */
    assert_int_equal(store_savepoint(s), 0);
    uint8_t h[STORE_HASH_LEN];
    hash_of(h, 2);
    assert_int_equal(store_append(s, "m1", 2, NOW + 5, "leroy", "meeting.suspended", "{}", h), 0);
    store_release(s);
    assert_int_equal(store_commit(s), 0);

    struct got g;
    memset(&g, 0, sizeof(g));
    assert_int_equal(store_events(s, "m1", 0, got_row, &g), 0);
    assert_int_equal(g.n, 2);
    assert_string_equal(g.type[0], "meeting.opened");
    assert_string_equal(g.type[1], "meeting.suspended");
    assert_string_equal(g.actor[1], "leroy");
    uint64_t seq = 0;
    assert_int_equal(store_reply_get(s, "m1", "vasseur", "k1", &seq, digest), 0);
    assert_int_equal(seq, 1);
    assert_int_equal(store_reply_get(s, "m1", "vasseur", "k2", &seq, digest), ERR_NOT_FOUND);
}

static void
test_begin_inside_a_transaction_is_refused(void **state)
{
    struct store *s = *state;
    assert_int_equal(store_begin(s), 0);
    assert_int_equal(store_begin(s), ERR_STORAGE);
    assert_true(store_in_transaction(s));
    store_rollback(s);
    assert_false(store_in_transaction(s));
}

/* ---- commissions, members, meetings ------------------------------------------------------ */

struct names {
    size_t n;
    char id[8][33];
    char name[8][64];
    char college[8][33];
    char role[8][16];
};

static int
name_row(void *ctx, const char *id, const char *name, const char *college, const char *role)
{
    struct names *r = ctx;
    assert_true(r->n < 8);
    snprintf(r->id[r->n], sizeof(r->id[0]), "%s", id);
    snprintf(r->name[r->n], sizeof(r->name[0]), "%s", name);
    snprintf(r->college[r->n], sizeof(r->college[0]), "%s", college);
    snprintf(r->role[r->n], sizeof(r->role[0]), "%s", role);
    r->n++;
    return 0;
}

static int
stop_row(void *ctx, const char *id, const char *name, const char *college, const char *role)
{
    (void)id, (void)name, (void)college, (void)role;
    ++*(int *)ctx;
    return 5;
}

static void
test_members_come_back_in_the_order_they_were_added(void **state)
{
    struct store *s = *state;
    assert_int_equal(
        store_commission_add(s, "ccr-hdf", "CCR Hauts-de-France", "bailleurs,locataires", NOW), 0);
    assert_int_equal(store_commission_add(s, "other", "Other", "a", NOW), 0);
    /* ids deliberately not in alphabetical order; same `created` for the first three */
    assert_int_equal(store_member_add(s, "zz", "ccr-hdf", "Z", "bailleurs", "member", NOW), 0);
    assert_int_equal(store_member_add(s, "aa", "ccr-hdf", "A", "", "chair", NOW), 0);
    assert_int_equal(store_member_add(s, "mm", "ccr-hdf", "M", "locataires", "member", NOW), 0);
    assert_int_equal(store_member_add(s, "xx", "other", "X", "a", "member", NOW), 0);
    assert_int_equal(store_member_add(s, "bb", "ccr-hdf", "B", "", "observer", NOW + 1), 0);
    struct names r;
    memset(&r, 0, sizeof(r));
    assert_int_equal(store_members(s, "ccr-hdf", name_row, &r), 0);
    assert_int_equal(r.n, 4);
    static const char *const ids[] = {"zz", "aa", "mm", "bb"};
    for (size_t i = 0; i < 4; i++) {
        assert_string_equal(r.id[i], ids[i]);
    }
    assert_string_equal(r.name[1], "A");
    assert_string_equal(r.college[2], "locataires");
    assert_string_equal(r.role[3], "observer");
    int calls = 0;
    assert_int_equal(store_members(s, "ccr-hdf", stop_row, &calls), 5);
    assert_int_equal(calls, 1);
    memset(&r, 0, sizeof(r));
    assert_int_equal(store_members(s, "nothing", name_row, &r), 0);
    assert_int_equal(r.n, 0);
}

static void
test_a_member_of_an_unknown_commission_or_a_duplicate_id_is_refused(void **state)
{
    struct store *s = *state;
    assert_int_equal(store_commission_add(s, "c1", "C", "a", NOW), 0);
    assert_int_equal(store_member_add(s, "p1", "nope", "P", "a", "member", NOW), ERR_CONFLICT);
    assert_int_equal(store_member_add(s, "p1", "c1", "P", "a", "member", NOW), 0);
    assert_int_equal(store_member_add(s, "p1", "c1", "Q", "a", "member", NOW), ERR_CONFLICT);
    assert_int_equal(store_commission_add(s, "c1", "Again", "a", NOW), ERR_CONFLICT);
}

static void
test_commission_get_returns_new_copies(void **state)
{
    struct store *s = *state;
    assert_int_equal(
        store_commission_add(s, "ccr-hdf", "CCR Hauts-de-France", "bailleurs,locataires", NOW), 0);
    char *name = NULL, *colleges = NULL;
    assert_int_equal(store_commission_get(s, "ccr-hdf", &name, &colleges), 0);
    assert_string_equal(name, "CCR Hauts-de-France");
    assert_string_equal(colleges, "bailleurs,locataires");
    free(name);
    free(colleges);
    name = colleges = NULL;
    assert_int_equal(store_commission_get(s, "nope", &name, &colleges), ERR_NOT_FOUND);
    assert_null(name);
    assert_null(colleges);
}

static void
test_meetings_are_found_with_their_commission(void **state)
{
    struct store *s = *state;
    assert_int_equal(store_commission_add(s, "ccr-hdf", "CCR", "a", NOW), 0);
    assert_int_equal(store_meeting_add(s, "ccr-2021-02", "ccr-hdf", NOW), 0);
    char commission[33] = "";
    assert_int_equal(store_meeting_get(s, "ccr-2021-02", commission), 0);
    assert_string_equal(commission, "ccr-hdf");
    assert_int_equal(store_meeting_add(s, "ccr-2021-02", "ccr-hdf", NOW), ERR_CONFLICT);
    assert_int_equal(store_meeting_add(s, "m2", "no-such", NOW), ERR_CONFLICT);
    assert_int_equal(store_meeting_get(s, "m2", commission), ERR_NOT_FOUND);
}

/* ---- tokens and replies ------------------------------------------------------------------ */

static void
test_a_token_is_found_by_its_hash_until_revoked(void **state)
{
    struct store *s = *state;
    uint8_t h1[STORE_HASH_LEN], h2[STORE_HASH_LEN], h3[STORE_HASH_LEN], h4[STORE_HASH_LEN];
    hash_of(h1, 1);
    hash_of(h2, 2);
    hash_of(h3, 3);
    hash_of(h4, 4);
    assert_int_equal(store_token_add(s, h1, "invitation", "m1", "dubois", NOW), 0);
    assert_int_equal(store_token_add(s, h2, "invitation", "m1", "dubois", NOW + 1), 0);
    assert_int_equal(store_token_add(s, h3, "invitation", "m1", "moreau", NOW), 0);
    assert_int_equal(store_token_add(s, h1, "invitation", "m1", "moreau", NOW), ERR_CONFLICT);

    struct store_token t;
    assert_int_equal(store_token_find(s, h2, &t), 0);
    assert_memory_equal(t.hash, h2, STORE_HASH_LEN);
    assert_string_equal(t.kind, "invitation");
    assert_string_equal(t.meeting, "m1");
    assert_string_equal(t.participant, "dubois");
    assert_int_equal(store_token_find(s, h4, &t), ERR_BAD_TOKEN);

    int count = -1;
    assert_int_equal(store_token_revoke(s, "m1", "dubois", NOW + 2, &count), 0);
    assert_int_equal(count, 2);
    assert_int_equal(store_token_find(s, h1, &t), ERR_BAD_TOKEN);
    assert_int_equal(store_token_find(s, h2, &t), ERR_BAD_TOKEN);
    assert_int_equal(store_token_find(s, h3, &t), 0); /* someone else's */
    assert_string_equal(t.participant, "moreau");
    assert_int_equal(store_token_revoke(s, "m1", "dubois", NOW + 3, &count), 0);
    assert_int_equal(count, 0); /* already revoked */
    assert_int_equal(store_token_revoke(s, "m2", "moreau", NOW + 3, &count), 0);
    assert_int_equal(count, 0); /* another meeting */
    assert_int_equal(store_token_find(s, h3, &t), 0);
    assert_int_equal(store_token_revoke(s, "m1", "moreau", NOW + 3, NULL), 0);
    assert_int_equal(store_token_find(s, h3, &t), ERR_BAD_TOKEN);
}

static void
test_an_admin_token_makes_admin_exist(void **state)
{
    struct store *s = *state;
    uint8_t h[STORE_HASH_LEN], inv[STORE_HASH_LEN];
    hash_of(h, 9);
    hash_of(inv, 10);
    assert_int_equal(store_token_add(s, inv, "invitation", "m1", "dubois", NOW), 0);
    assert_false(store_admin_exists(s));
    assert_int_equal(store_token_add(s, h, "admin", "", "", NOW), 0);
    assert_true(store_admin_exists(s));
    struct store_token t;
    assert_int_equal(store_token_find(s, h, &t), 0);
    assert_string_equal(t.kind, "admin");
    assert_string_equal(t.meeting, "");
    assert_string_equal(t.participant, "");
}

static void
test_a_reply_is_stored_once_per_meeting_participant_and_key(void **state)
{
    struct store *s = *state;
    uint64_t seq = 77;
    uint8_t digest[STORE_DIGEST_LEN] = {1, 2, 3}, got[STORE_DIGEST_LEN];
    assert_int_equal(store_reply_get(s, "m1", "vasseur", "k1", &seq, digest), ERR_NOT_FOUND);
    assert_int_equal(seq, 77);
    assert_int_equal(store_reply_put(s, "m1", "vasseur", "k1", 12, digest), 0);
    assert_int_equal(store_reply_get(s, "m1", "vasseur", "k1", &seq, got), 0);
    assert_int_equal(seq, 12);
    assert_memory_equal(got, digest, STORE_DIGEST_LEN); /* what the key stood for */
    assert_int_equal(store_reply_put(s, "m1", "vasseur", "k1", 13, digest), ERR_CONFLICT);
    assert_int_equal(store_reply_get(s, "m1", "vasseur", "k1", &seq, digest), 0);
    assert_int_equal(seq, 12);
    /* the same key from someone else, or in another meeting, is another reply */
    assert_int_equal(store_reply_get(s, "m1", "dubois", "k1", &seq, digest), ERR_NOT_FOUND);
    assert_int_equal(store_reply_get(s, "m2", "vasseur", "k1", &seq, digest), ERR_NOT_FOUND);
    assert_int_equal(store_reply_put(s, "m1", "dubois", "k1", 14, digest), 0);
    assert_int_equal(store_reply_put(s, "m2", "vasseur", "k1", 15, digest), 0);
    assert_int_equal(store_reply_get(s, "m1", "dubois", "k1", &seq, digest), 0);
    assert_int_equal(seq, 14);
}

/* ---- backups ----------------------------------------------------------------------------- */

static void
test_a_backup_reopens_with_the_same_log_and_tokens(void **state)
{
    struct store *s = *state;
    assert_int_equal(store_commission_add(s, "ccr-hdf", "CCR", "a", NOW), 0);
    assert_int_equal(store_meeting_add(s, "m1", "ccr-hdf", NOW), 0);
    assert_int_equal(store_begin(s), 0);
    for (uint64_t i = 1; i <= 4; i++) {
        append(s, "m1", i);
    }
    assert_int_equal(store_commit(s), 0);
    uint8_t h[STORE_HASH_LEN];
    hash_of(h, 5);
    assert_int_equal(store_token_add(s, h, "invitation", "m1", "dubois", NOW), 0);

    char path[256];
    path_in(path, sizeof(path), "backup.db");
    unlink(path);
    assert_int_equal(store_backup(s, path), 0);
    /* VACUUM INTO never overwrites */
    assert_int_equal(store_backup(s, path), ERR_STORAGE);

    /* writes after the backup are not in it */
    append(s, "m1", 5);

    struct store *b = NULL;
    const char *msg = NULL;
    assert_int_equal(store_open(path, &b, &msg), 0);
    struct got g;
    memset(&g, 0, sizeof(g));
    assert_int_equal(store_events(b, "m1", 0, got_row, &g), 0);
    assert_int_equal(g.n, 4);
    for (size_t i = 0; i < 4; i++) {
        uint8_t want[STORE_HASH_LEN];
        hash_of(want, (uint8_t)(i + 1));
        assert_int_equal(g.seq[i], i + 1);
        assert_memory_equal(g.hash[i], want, STORE_HASH_LEN);
    }
    struct store_token t;
    assert_int_equal(store_token_find(b, h, &t), 0);
    assert_string_equal(t.participant, "dubois");
    char commission[33];
    assert_int_equal(store_meeting_get(b, "m1", commission), 0);
    assert_string_equal(commission, "ccr-hdf");
    store_close(b);
    /* the copy is at the schema version of a freshly opened database */
    char fresh[256];
    path_in(fresh, sizeof(fresh), "fresh-for-backup.db");
    struct store *n = NULL;
    assert_int_equal(store_open(fresh, &n, &msg), 0);
    store_close(n);
    int version = sql_int(fresh, "PRAGMA user_version");
    assert_true(version >= 1);
    assert_int_equal(sql_int(path, "PRAGMA user_version"), version);
}

static void
test_a_backup_into_a_missing_directory_fails(void **state)
{
    struct store *s = *state;
    char path[256];
    path_in(path, sizeof(path), "missing/dir/backup.db");
    assert_int_equal(store_backup(s, path), ERR_STORAGE);
}

/* The agenda template: put, read back in order, replaced whole, dropped. */
struct tpl_rows {
    size_t n;
    char titles[4][32];
    int64_t parents[4];
};

static int
tpl_row(void *ctx, const struct store_template_item *it)
{
    struct tpl_rows *r = ctx;
    if (r->n < 4) {
        snprintf(r->titles[r->n], sizeof(r->titles[0]), "%s", it->title);
        r->parents[r->n] = it->parent;
    }
    r->n++;
    return 0;
}

static void
test_an_agenda_template_is_replaced_whole_and_dropped(void **state)
{
    struct store *s = *state;
    char meeting[33];
    int64_t updated = 0;
    struct tpl_rows r = {0};
    assert_int_equal(store_commission_add(s, "c1", "CCR", "bailleurs", 1), 0);
    assert_int_equal(store_template(s, "c1", meeting, &updated, tpl_row, &r), ERR_NOT_FOUND);
    const struct store_template_item v[] = {
        {.parent = -1, .title = "Bilan", .description = "", .presenter = "DREAL", .kind = "vote",
         .duration = 600},
        {.parent = 0, .title = "Chiffres", .description = "", .presenter = "", .kind = "information"},
        {.parent = -1, .title = "Divers", .description = "", .presenter = "", .kind = "information"},
    };
    assert_int_equal(store_template_put(s, "c1", "m1", v, 3, 42), 0);
    assert_int_equal(store_template(s, "c1", meeting, &updated, tpl_row, &r), 0);
    assert_string_equal(meeting, "m1");
    assert_int_equal(updated, 42);
    assert_int_equal(r.n, 3);
    assert_string_equal(r.titles[1], "Chiffres");
    assert_int_equal(r.parents[1], 0);
    assert_int_equal(r.parents[2], -1);
    assert_int_equal(store_template_put(s, "c1", "m2", v + 2, 1, 43), 0);
    memset(&r, 0, sizeof(r));
    assert_int_equal(store_template(s, "c1", meeting, &updated, tpl_row, &r), 0);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.titles[0], "Divers");
    assert_string_equal(meeting, "m2");
    assert_int_equal(store_template_drop(s, "c1"), 0);
    assert_int_equal(store_template(s, "c1", meeting, &updated, tpl_row, &r), ERR_NOT_FOUND);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_open_in_memory_gives_an_empty_migrated_store),
        cmocka_unit_test(test_migrations_set_user_version_and_wal_on_a_file),
        cmocka_unit_test(test_a_database_from_a_newer_version_is_refused),
        cmocka_unit_test(test_opening_a_file_that_is_not_a_database_fails_with_a_message),
        cmocka_unit_test(test_opening_in_a_missing_directory_fails_with_a_message),
        T(test_appended_events_come_back_in_order_with_every_column),
        T(test_events_after_a_seq_skip_what_the_client_has),
        T(test_a_callback_stops_the_reading_with_its_value),
        T(test_a_duplicate_seq_is_refused_and_the_first_row_kept),
        T(test_commit_makes_the_turn_visible_and_ends_the_transaction),
        T(test_rollback_undoes_the_whole_turn),
        T(test_a_savepoint_rollback_undoes_only_the_last_command),
        T(test_begin_inside_a_transaction_is_refused),
        T(test_members_come_back_in_the_order_they_were_added),
        T(test_a_member_of_an_unknown_commission_or_a_duplicate_id_is_refused),
        T(test_commission_get_returns_new_copies),
        T(test_meetings_are_found_with_their_commission),
        T(test_a_token_is_found_by_its_hash_until_revoked),
        T(test_an_admin_token_makes_admin_exist),
        T(test_a_reply_is_stored_once_per_meeting_participant_and_key),
        T(test_a_backup_reopens_with_the_same_log_and_tokens),
        T(test_a_backup_into_a_missing_directory_fails),
        T(test_an_agenda_template_is_replaced_whole_and_dropped),
    };
#undef T
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
