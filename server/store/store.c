/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * store.c - SQLite behind the store_ functions.
 *
 * Schema versions are applied in order from `migrations` and recorded in
 * PRAGMA user_version, inside one transaction each, so a database is always
 * at a whole version. Statements live in one array indexed by `enum stmt`,
 * prepared at open and reset after each use.
 *
 * Workload: appends dominate (one row per event, a few per command, batched
 * by loop turn); reads are a meeting's log at load or at a reconnect, token
 * lookups at hello, and idempotency lookups per command. Every read is by
 * primary key or a covering index.
 */
#define _POSIX_C_SOURCE 200809L
#include "store.h"

#include "../err.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const migrations[] = {
    /* 1: the initial schema */
    "CREATE TABLE commissions(id TEXT PRIMARY KEY, name TEXT NOT NULL,"
    "  colleges TEXT NOT NULL, created INTEGER NOT NULL);"
    "CREATE TABLE members(id TEXT PRIMARY KEY,"
    "  commission TEXT NOT NULL REFERENCES commissions(id), name TEXT NOT NULL,"
    "  college TEXT NOT NULL, role TEXT NOT NULL, created INTEGER NOT NULL);"
    "CREATE INDEX members_by_commission ON members(commission, created);"
    "CREATE TABLE meetings(id TEXT PRIMARY KEY,"
    "  commission TEXT NOT NULL REFERENCES commissions(id), created INTEGER NOT NULL);"
    "CREATE TABLE events(meeting TEXT NOT NULL, seq INTEGER NOT NULL, ts INTEGER NOT NULL,"
    "  actor TEXT NOT NULL, type TEXT NOT NULL, body TEXT NOT NULL, hash BLOB NOT NULL,"
    "  PRIMARY KEY(meeting, seq)) WITHOUT ROWID;"
    "CREATE TABLE tokens(hash BLOB PRIMARY KEY, kind TEXT NOT NULL, meeting TEXT NOT NULL,"
    "  participant TEXT NOT NULL, created INTEGER NOT NULL, revoked INTEGER) WITHOUT ROWID;"
    "CREATE INDEX tokens_by_participant ON tokens(meeting, participant);"
    "CREATE TABLE replies(meeting TEXT NOT NULL, participant TEXT NOT NULL, key TEXT NOT NULL,"
    "  seq INTEGER NOT NULL, PRIMARY KEY(meeting, participant, key)) WITHOUT ROWID;",
    /* 2: secret ballots, kept apart from the log. No voter, no time, no rowid:
     * the primary key starts with the client's random receipt, so the stored
     * order says nothing about the order of voting. */
    "CREATE TABLE secret_ballots(meeting TEXT NOT NULL, vote TEXT NOT NULL,"
    "  receipt TEXT NOT NULL, college TEXT NOT NULL, choice TEXT NOT NULL,"
    "  PRIMARY KEY(meeting, vote, receipt)) WITHOUT ROWID;",
    /* 3: what an idempotency key stood for (a digest of the command's type
     * and canonical body), so that a key reused for another command is
     * refused rather than answered with the first outcome. NULL in older rows. */
    "ALTER TABLE replies ADD COLUMN digest BLOB;",
    /* 4: who may replace a secret ballot: a tag keyed with its caster's
     * token (sec_owner_tag), which names nobody to a reader of the file.
     * NULL in rows written before, and once the vote is closed. */
    "ALTER TABLE secret_ballots ADD COLUMN owner BLOB;",
    /* 5: the convocation: a member's e-mail address (empty: none), and where
     * the sending of each participant's convocation stands. */
    "ALTER TABLE members ADD COLUMN email TEXT NOT NULL DEFAULT '';"
    "CREATE TABLE convocations(meeting TEXT NOT NULL, participant TEXT NOT NULL,"
    "  status TEXT NOT NULL, reason TEXT NOT NULL, updated INTEGER NOT NULL,"
    "  PRIMARY KEY(meeting, participant)) WITHOUT ROWID;",
    /* 6: documents attached to agenda items, an index of what the log says
     * (document.added / .removed); the bytes are files named by their
     * SHA-256 beside the database (store_blob_put). */
    "CREATE TABLE documents(meeting TEXT NOT NULL, item TEXT NOT NULL, sha256 TEXT NOT NULL,"
    "  name TEXT NOT NULL, format TEXT NOT NULL, size INTEGER NOT NULL,"
    "  added INTEGER NOT NULL, removed INTEGER,"
    "  PRIMARY KEY(meeting, item, sha256, added)) WITHOUT ROWID;"
    "CREATE INDEX documents_by_sha256 ON documents(sha256);",
    /* 7: a commission's working groups: a name, a lead (one of its colleges
     * or members), its members (ids joined by commas), a mandate and the
     * date its report is due. */
    "CREATE TABLE groups(commission TEXT NOT NULL REFERENCES commissions(id),"
    "  id TEXT NOT NULL, name TEXT NOT NULL, lead TEXT NOT NULL, members TEXT NOT NULL,"
    "  mandate TEXT NOT NULL, due TEXT NOT NULL, created INTEGER NOT NULL,"
    "  PRIMARY KEY(commission, id)) WITHOUT ROWID;",
    /* 8: a commission's agenda template: the meeting it was saved from and
     * when, and its items in order (`n` from 0; `parent` the n of a
     * sub-item's item, -1 for a top-level one). */
    "CREATE TABLE agenda_templates(commission TEXT PRIMARY KEY REFERENCES commissions(id),"
    "  meeting TEXT NOT NULL, updated INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE agenda_template_items(commission TEXT NOT NULL, n INTEGER NOT NULL,"
    "  parent INTEGER NOT NULL, title TEXT NOT NULL, description TEXT NOT NULL,"
    "  presenter TEXT NOT NULL, kind TEXT NOT NULL, duration INTEGER NOT NULL,"
    "  speaking INTEGER NOT NULL, PRIMARY KEY(commission, n)) WITHOUT ROWID;",
    /* 9: the language a member reads ("fr" or "en"): their convocations are
     * written in it, and their page starts in it. */
    "ALTER TABLE members ADD COLUMN lang TEXT NOT NULL DEFAULT 'fr';",
};

enum stmt {
    S_BEGIN,
    S_COMMIT,
    S_ROLLBACK,
    S_SAVEPOINT,
    S_RELEASE,
    S_ROLLBACK_TO,
    S_APPEND,
    S_EVENTS,
    S_MEETING_ADD,
    S_MEETING_GET,
    S_COMMISSION_ADD,
    S_COMMISSION_GET,
    S_MEMBER_ADD,
    S_MEMBERS,
    S_TOKEN_ADD,
    S_TOKEN_FIND,
    S_TOKEN_REVOKE,
    S_ADMIN_EXISTS,
    S_REPLY_GET,
    S_REPLY_PUT,
    S_SECRET_PUT,
    S_SECRET_DEL,
    S_SECRET_DROP,
    S_SECRET_TALLY,
    S_SECRET_LIST,
    S_MEETINGS,
    S_MEMBER_EMAIL_SET,
    S_MEMBER_EMAIL,
    S_MEMBER_LANG_SET,
    S_MEMBER_LANG,
    S_CONVOC_SET,
    S_CONVOC_GET,
    S_PREVIOUS,
    S_COMMISSIONS,
    S_COMMISSION_MEETINGS,
    S_DOC_ADD,
    S_DOC_REMOVE,
    S_DOC_KNOWN,
    S_GROUP_ADD,
    S_GROUP_SET,
    S_GROUPS,
    S_MEMBER_SET,
    S_MEMBER_REMOVE,
    S_TPL_PUT,
    S_TPL_DROP,
    S_TPL_DROP_ITEMS,
    S_TPL_ITEM_ADD,
    S_TPL_GET,
    S_TPL_ITEMS,
    S_COUNT
};

static const char *const sql[S_COUNT] = {
    [S_BEGIN] = "BEGIN IMMEDIATE",
    [S_COMMIT] = "COMMIT",
    [S_ROLLBACK] = "ROLLBACK",
    [S_SAVEPOINT] = "SAVEPOINT cmd",
    [S_RELEASE] = "RELEASE cmd",
    [S_ROLLBACK_TO] = "ROLLBACK TO cmd",
    [S_APPEND] = "INSERT INTO events(meeting, seq, ts, actor, type, body, hash)"
                 " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [S_EVENTS] = "SELECT seq, ts, actor, type, body, hash FROM events"
                 " WHERE meeting = ?1 AND seq > ?2 ORDER BY seq",
    [S_MEETING_ADD] = "INSERT INTO meetings(id, commission, created) VALUES(?1, ?2, ?3)",
    [S_MEETING_GET] = "SELECT commission FROM meetings WHERE id = ?1",
    [S_COMMISSION_ADD] = "INSERT INTO commissions(id, name, colleges, created)"
                         " VALUES(?1, ?2, ?3, ?4)",
    [S_COMMISSION_GET] = "SELECT name, colleges FROM commissions WHERE id = ?1",
    [S_MEMBER_ADD] = "INSERT INTO members(id, commission, name, college, role, created)"
                     " VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
    [S_MEMBERS] = "SELECT id, name, college, role FROM members WHERE commission = ?1"
                  " ORDER BY created, rowid",
    [S_TOKEN_ADD] = "INSERT INTO tokens(hash, kind, meeting, participant, created)"
                    " VALUES(?1, ?2, ?3, ?4, ?5)",
    [S_TOKEN_FIND] = "SELECT hash, kind, meeting, participant FROM tokens"
                     " WHERE hash = ?1 AND revoked IS NULL",
    [S_TOKEN_REVOKE] = "UPDATE tokens SET revoked = ?3 WHERE meeting = ?1 AND participant = ?2"
                       " AND revoked IS NULL",
    [S_ADMIN_EXISTS] = "SELECT 1 FROM tokens WHERE kind = 'admin' AND revoked IS NULL LIMIT 1",
    [S_REPLY_GET] = "SELECT seq, digest FROM replies"
                    " WHERE meeting = ?1 AND participant = ?2 AND key = ?3",
    [S_REPLY_PUT] = "INSERT INTO replies(meeting, participant, key, seq, digest)"
                    " VALUES(?1, ?2, ?3, ?4, ?5)",
    [S_SECRET_PUT] = "INSERT INTO secret_ballots(meeting, vote, receipt, college, choice, owner)"
                     " VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
    [S_SECRET_DEL] = "DELETE FROM secret_ballots WHERE meeting = ?1 AND vote = ?2 AND receipt = ?3"
                     " AND (owner IS NULL OR owner = ?4)",
    [S_SECRET_DROP] = "DELETE FROM secret_ballots WHERE meeting = ?1 AND vote = ?2",
    [S_SECRET_TALLY] = "SELECT college, choice, count(*) FROM secret_ballots"
                       " WHERE meeting = ?1 AND vote = ?2 GROUP BY college, choice"
                       " ORDER BY college, choice",
    [S_SECRET_LIST] = "SELECT receipt, choice FROM secret_ballots WHERE meeting = ?1 AND vote = ?2"
                      " ORDER BY receipt",
    [S_MEETINGS] = "SELECT id FROM meetings ORDER BY created, id",
    [S_MEMBER_EMAIL_SET] = "UPDATE members SET email = ?2 WHERE id = ?1",
    [S_MEMBER_EMAIL] = "SELECT email FROM members WHERE id = ?1",
    [S_MEMBER_LANG_SET] = "UPDATE members SET lang = ?2 WHERE id = ?1",
    [S_MEMBER_LANG] = "SELECT lang FROM members WHERE id = ?1",
    [S_CONVOC_SET] = "INSERT OR REPLACE INTO convocations(meeting, participant, status, reason,"
                     " updated) VALUES(?1, ?2, ?3, ?4, ?5)",
    [S_CONVOC_GET] = "SELECT status, reason, updated FROM convocations"
                     " WHERE meeting = ?1 AND participant = ?2",
    /* The meeting created last before ?2 (or the last of all when ?2 is not
     * a meeting of the commission yet). */
    [S_PREVIOUS] = "SELECT id FROM meetings WHERE commission = ?1 AND id != ?2"
                   " AND NOT EXISTS (SELECT 1 FROM meetings me WHERE me.id = ?2"
                   " AND (meetings.created, meetings.rowid) >= (me.created, me.rowid))"
                   " ORDER BY created DESC, rowid DESC LIMIT 1",
    [S_COMMISSIONS] = "SELECT c.id, c.name, c.colleges,"
                      " (SELECT count(*) FROM members WHERE commission = c.id),"
                      " (SELECT count(*) FROM meetings WHERE commission = c.id)"
                      " FROM commissions c ORDER BY c.created, c.id",
    [S_COMMISSION_MEETINGS] = "SELECT id FROM meetings WHERE commission = ?1"
                              " ORDER BY created, rowid",
    [S_DOC_ADD] = "INSERT INTO documents(meeting, item, sha256, name, format, size, added)"
                  " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [S_DOC_REMOVE] = "UPDATE documents SET removed = ?4 WHERE meeting = ?1 AND item = ?2"
                     " AND sha256 = ?3 AND removed IS NULL",
    [S_DOC_KNOWN] = "SELECT 1 FROM documents WHERE sha256 = ?1 LIMIT 1",
    [S_GROUP_ADD] = "INSERT INTO groups(commission, id, name, lead, members, mandate, due,"
                    " created) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [S_GROUP_SET] = "UPDATE groups SET name = ?3, lead = ?4, members = ?5, mandate = ?6,"
                    " due = ?7 WHERE commission = ?1 AND id = ?2",
    [S_GROUPS] = "SELECT id, name, lead, members, mandate, due FROM groups"
                 " WHERE commission = ?1 AND (?2 = '' OR id = ?2) ORDER BY created, id",
    [S_MEMBER_SET] = "UPDATE members SET name = ?3, college = ?4, role = ?5, email = ?6,"
                     " lang = ?7 WHERE commission = ?1 AND id = ?2",
    [S_MEMBER_REMOVE] = "DELETE FROM members WHERE commission = ?1 AND id = ?2",
    [S_TPL_PUT] = "INSERT OR REPLACE INTO agenda_templates(commission, meeting, updated)"
                  " VALUES(?1, ?2, ?3)",
    [S_TPL_DROP] = "DELETE FROM agenda_templates WHERE commission = ?1",
    [S_TPL_DROP_ITEMS] = "DELETE FROM agenda_template_items WHERE commission = ?1",
    [S_TPL_ITEM_ADD] = "INSERT INTO agenda_template_items(commission, n, parent, title,"
                       " description, presenter, kind, duration, speaking)"
                       " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    [S_TPL_GET] = "SELECT meeting, updated FROM agenda_templates WHERE commission = ?1",
    [S_TPL_ITEMS] = "SELECT n, parent, title, description, presenter, kind, duration, speaking"
                    " FROM agenda_template_items WHERE commission = ?1 ORDER BY n",
};

/* SQLite rolls a whole transaction back by itself on some errors in the
 * middle of it (a full disk when the page cache spills, an I/O error, a
 * trigger's RAISE(ROLLBACK)): the statements after run in autocommit, and
 * the writes of the commands before are gone. `began` is the caller's view
 * (store_begin() succeeded, no commit or rollback since) and `lost` notes
 * that SQLite dropped that transaction, so that nothing is acknowledged as
 * committed: store_savepoint() and store_commit() then fail. */
struct store {
    sqlite3 *db;
    sqlite3_stmt *st[S_COUNT];
    bool began;
    bool lost;
};

static int
migrate(sqlite3 *db, const char **msg)
{
    sqlite3_stmt *st = NULL;
    int version = 0;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK) {
        *msg = "cannot read the schema version (is it a SQLite database?)";
        return ERR_STORAGE;
    }
    if (sqlite3_step(st) == SQLITE_ROW) {
        version = sqlite3_column_int(st, 0);
    }
    sqlite3_finalize(st);
    int latest = (int)(sizeof(migrations) / sizeof(migrations[0]));
    if (version > latest) {
        *msg = "the database was written by a newer version of concerto";
        return ERR_STORAGE;
    }
    for (int v = version; v < latest; v++) {
        char pragma[40];
        snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", v + 1);
        if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK ||
            sqlite3_exec(db, migrations[v], NULL, NULL, NULL) != SQLITE_OK ||
            sqlite3_exec(db, pragma, NULL, NULL, NULL) != SQLITE_OK ||
            sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
            *msg = "cannot write the database schema (read-only or full disk?)";
            return ERR_STORAGE;
        }
    }
    return 0;
}

int
store_open(const char *path, struct store **out, const char **msg)
{
    static const char *dummy;
    msg = msg ? msg : &dummy;
    *out = NULL;
    struct store *s = calloc(1, sizeof(*s));
    if (!s) {
        *msg = "out of memory";
        return ERR_NOMEM;
    }
    int rc = ERR_STORAGE;
    if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK) {
        *msg = "cannot open the database file";
        goto fail;
    }
    /* A file it may not write, SQLite opens read-only without a word: the
     * server would start, and then refuse every change. */
    if (sqlite3_db_readonly(s->db, "main") == 1) {
        *msg = "the database is read-only (its file, or the file system it is on)";
        goto fail;
    }
    sqlite3_busy_timeout(s->db, 5000);
    sqlite3_extended_result_codes(s->db, 1);
    /* Reading the schema is the first access: a non-database file fails here. */
    if (sqlite3_exec(s->db, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL) !=
        SQLITE_OK) {
        int x = sqlite3_extended_errcode(s->db), e = x & 0xff;
        *msg = e == SQLITE_CORRUPT ? "the database file is corrupted"
               : e == SQLITE_FULL || x == SQLITE_IOERR_SHMSIZE
                   ? "no space left for the files beside the database (disk full?)"
               : e == SQLITE_IOERR ? "an I/O error on the database or the files beside it"
               : e == SQLITE_CANTOPEN || e == SQLITE_READONLY
                   ? "cannot open the database's journal beside it (read-only directory?)"
                   : "the file is not a readable SQLite database";
        goto fail;
    }
    if (strcmp(path, ":memory:") != 0) {
        sqlite3_stmt *st = NULL;
        const unsigned char *mode = NULL;
        if (sqlite3_prepare_v2(s->db, "PRAGMA journal_mode=WAL", -1, &st, NULL) == SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW) {
            mode = sqlite3_column_text(st, 0);
        }
        int wal = mode && strcmp((const char *)mode, "wal") == 0;
        sqlite3_finalize(st);
        if (!wal) {
            *msg = "cannot switch the database to WAL mode (read-only directory?)";
            goto fail;
        }
    }
    /* secure_delete: a deleted row (a replaced secret ballot) is zeroed, not
     * left in the file for someone to read. */
    if (sqlite3_exec(s->db, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
                            "PRAGMA secure_delete=ON;",
                     NULL, NULL, NULL) != SQLITE_OK) {
        *msg = "cannot configure the database";
        goto fail;
    }
    if ((rc = migrate(s->db, msg))) {
        goto fail;
    }
    rc = ERR_STORAGE;
    for (int i = 0; i < S_COUNT; i++) {
        if (sqlite3_prepare_v3(s->db, sql[i], -1, SQLITE_PREPARE_PERSISTENT, &s->st[i], NULL) !=
            SQLITE_OK) {
            *msg = "cannot prepare the database statements";
            goto fail;
        }
    }
    *out = s;
    return 0;
fail:
    store_close(s);
    return rc;
}

void
store_close(struct store *s)
{
    if (!s) {
        return;
    }
    for (int i = 0; i < S_COUNT; i++) {
        sqlite3_finalize(s->st[i]);
    }
    sqlite3_close(s->db);
    free(s);
}

/* Run a statement that returns no row; reset it whatever happens. */
static int
run(struct store *s, enum stmt i)
{
    int rc = sqlite3_step(s->st[i]);
    sqlite3_reset(s->st[i]);
    sqlite3_clear_bindings(s->st[i]);
    if (rc == SQLITE_DONE) {
        return 0;
    }
    if (s->began && sqlite3_get_autocommit(s->db)) {
        s->lost = true;
    }
    if ((rc & 0xff) == SQLITE_CONSTRAINT) {
        return ERR_CONFLICT;
    }
    if ((rc & 0xff) == SQLITE_NOMEM) {
        return ERR_NOMEM;
    }
    return ERR_STORAGE;
}

static void
done(struct store *s, enum stmt i)
{
    sqlite3_reset(s->st[i]);
    sqlite3_clear_bindings(s->st[i]);
}

static void
bind_text(sqlite3_stmt *st, int i, const char *v)
{
    sqlite3_bind_text(st, i, v ? v : "", -1, SQLITE_STATIC);
}

int
store_begin(struct store *s)
{
    int rc = run(s, S_BEGIN);
    s->began = rc == 0;
    s->lost = false;
    return rc;
}

int
store_commit(struct store *s)
{
    int rc = s->lost ? ERR_STORAGE : run(s, S_COMMIT);
    if (rc) {
        store_rollback(s);
    }
    s->began = s->lost = false;
    return rc;
}

void
store_rollback(struct store *s)
{
    s->began = s->lost = false;
    if (!sqlite3_get_autocommit(s->db)) {
        run(s, S_ROLLBACK);
    }
}

int
store_in_transaction(const struct store *s)
{
    return s->began || !sqlite3_get_autocommit(s->db);
}

int
store_savepoint(struct store *s)
{
    return s->lost ? ERR_STORAGE : run(s, S_SAVEPOINT);
}

void
store_release(struct store *s)
{
    run(s, S_RELEASE);
}

void
store_rollback_savepoint(struct store *s)
{
    run(s, S_ROLLBACK_TO);
    run(s, S_RELEASE);
}

int
store_append(struct store *s, const char *meeting, uint64_t seq, int64_t ts, const char *actor,
             const char *type, const char *body, const uint8_t hash[STORE_HASH_LEN])
{
    sqlite3_stmt *st = s->st[S_APPEND];
    bind_text(st, 1, meeting);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)seq);
    sqlite3_bind_int64(st, 3, ts);
    bind_text(st, 4, actor);
    bind_text(st, 5, type);
    bind_text(st, 6, body);
    sqlite3_bind_blob(st, 7, hash, STORE_HASH_LEN, SQLITE_STATIC);
    return run(s, S_APPEND);
}

int
store_events(struct store *s, const char *meeting, uint64_t after,
             int (*cb)(void *ctx, const struct store_row *row), void *ctx)
{
    sqlite3_stmt *st = s->st[S_EVENTS];
    bind_text(st, 1, meeting);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)after);
    int rc = 0, step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_row row = {
            .seq = (uint64_t)sqlite3_column_int64(st, 0),
            .ts = sqlite3_column_int64(st, 1),
            .actor = (const char *)sqlite3_column_text(st, 2),
            .type = (const char *)sqlite3_column_text(st, 3),
            .body = (const char *)sqlite3_column_text(st, 4),
            .body_len = (size_t)sqlite3_column_bytes(st, 4),
            .hash = sqlite3_column_blob(st, 5),
        };
        if (!row.actor || !row.type || !row.body || !row.hash ||
            sqlite3_column_bytes(st, 5) != STORE_HASH_LEN) {
            rc = ERR_STORAGE;
            break;
        }
        if ((rc = cb(ctx, &row))) {
            break;
        }
    }
    if (rc == 0 && step != SQLITE_DONE) {
        rc = ERR_STORAGE;
    }
    done(s, S_EVENTS);
    return rc;
}

int
store_meeting_add(struct store *s, const char *id, const char *commission, int64_t now)
{
    sqlite3_stmt *st = s->st[S_MEETING_ADD];
    bind_text(st, 1, id);
    bind_text(st, 2, commission);
    sqlite3_bind_int64(st, 3, now);
    return run(s, S_MEETING_ADD);
}

int
store_document_add(struct store *s, const char *meeting, const char *item, const char *sha256,
                   const char *name, const char *format, int64_t size, int64_t now)
{
    sqlite3_stmt *st = s->st[S_DOC_ADD];
    bind_text(st, 1, meeting);
    bind_text(st, 2, item);
    bind_text(st, 3, sha256);
    bind_text(st, 4, name);
    bind_text(st, 5, format);
    sqlite3_bind_int64(st, 6, size);
    sqlite3_bind_int64(st, 7, now);
    return run(s, S_DOC_ADD);
}

int
store_document_remove(struct store *s, const char *meeting, const char *item,
                      const char *sha256, int64_t now)
{
    sqlite3_stmt *st = s->st[S_DOC_REMOVE];
    bind_text(st, 1, meeting);
    bind_text(st, 2, item);
    bind_text(st, 3, sha256);
    sqlite3_bind_int64(st, 4, now);
    return run(s, S_DOC_REMOVE);
}

int
store_document_known(struct store *s, const char *sha256)
{
    sqlite3_stmt *st = s->st[S_DOC_KNOWN];
    bind_text(st, 1, sha256);
    int step = sqlite3_step(st);
    int rc = step == SQLITE_ROW ? 1 : step == SQLITE_DONE ? 0 : ERR_STORAGE;
    done(s, S_DOC_KNOWN);
    return rc;
}

int
store_meeting_get(struct store *s, const char *id, char commission[33])
{
    sqlite3_stmt *st = s->st[S_MEETING_GET];
    bind_text(st, 1, id);
    int step = sqlite3_step(st);
    int rc = step == SQLITE_ROW ? 0 : step == SQLITE_DONE ? ERR_NOT_FOUND : ERR_STORAGE;
    if (rc == 0) {
        snprintf(commission, 33, "%s", (const char *)sqlite3_column_text(st, 0));
    }
    done(s, S_MEETING_GET);
    return rc;
}

int
store_commission_add(struct store *s, const char *id, const char *name,
                     const char *colleges_json, int64_t now)
{
    sqlite3_stmt *st = s->st[S_COMMISSION_ADD];
    bind_text(st, 1, id);
    bind_text(st, 2, name);
    bind_text(st, 3, colleges_json);
    sqlite3_bind_int64(st, 4, now);
    return run(s, S_COMMISSION_ADD);
}

static char *
column_dup(sqlite3_stmt *st, int i)
{
    const char *v = (const char *)sqlite3_column_text(st, i);
    size_t n = (size_t)sqlite3_column_bytes(st, i);
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, v ? v : "", n);
        d[n] = 0;
    }
    return d;
}

int
store_commission_get(struct store *s, const char *id, char **name, char **colleges_json)
{
    sqlite3_stmt *st = s->st[S_COMMISSION_GET];
    bind_text(st, 1, id);
    int step = sqlite3_step(st);
    int rc = step == SQLITE_ROW ? 0 : step == SQLITE_DONE ? ERR_NOT_FOUND : ERR_STORAGE;
    if (rc == 0) {
        *name = column_dup(st, 0);
        *colleges_json = column_dup(st, 1);
        if (!*name || !*colleges_json) {
            free(*name);
            free(*colleges_json);
            *name = *colleges_json = NULL;
            rc = ERR_NOMEM;
        }
    }
    done(s, S_COMMISSION_GET);
    return rc;
}

int
store_member_add(struct store *s, const char *id, const char *commission, const char *name,
                 const char *college, const char *role, int64_t now)
{
    sqlite3_stmt *st = s->st[S_MEMBER_ADD];
    bind_text(st, 1, id);
    bind_text(st, 2, commission);
    bind_text(st, 3, name);
    bind_text(st, 4, college);
    bind_text(st, 5, role);
    sqlite3_bind_int64(st, 6, now);
    return run(s, S_MEMBER_ADD);
}

int
store_members(struct store *s, const char *commission,
              int (*cb)(void *ctx, const char *id, const char *name, const char *college,
                        const char *role),
              void *ctx)
{
    sqlite3_stmt *st = s->st[S_MEMBERS];
    bind_text(st, 1, commission);
    int rc = 0, step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if ((rc = cb(ctx, (const char *)sqlite3_column_text(st, 0),
                     (const char *)sqlite3_column_text(st, 1),
                     (const char *)sqlite3_column_text(st, 2),
                     (const char *)sqlite3_column_text(st, 3)))) {
            break;
        }
    }
    if (rc == 0 && step != SQLITE_DONE) {
        rc = ERR_STORAGE;
    }
    done(s, S_MEMBERS);
    return rc;
}

int
store_member_email_set(struct store *s, const char *id, const char *email)
{
    sqlite3_stmt *st = s->st[S_MEMBER_EMAIL_SET];
    bind_text(st, 1, id);
    bind_text(st, 2, email);
    return run(s, S_MEMBER_EMAIL_SET);
}

int
store_member_email(struct store *s, const char *id, char *out, size_t cap)
{
    sqlite3_stmt *st = s->st[S_MEMBER_EMAIL];
    bind_text(st, 1, id);
    int rc = 0, step = sqlite3_step(st);
    out[0] = '\0';
    if (step == SQLITE_ROW) {
        snprintf(out, cap, "%s", (const char *)sqlite3_column_text(st, 0));
    } else if (step != SQLITE_DONE) {
        rc = ERR_STORAGE;
    }
    done(s, S_MEMBER_EMAIL);
    return rc;
}

int
store_member_lang_set(struct store *s, const char *id, const char *lang)
{
    sqlite3_stmt *st = s->st[S_MEMBER_LANG_SET];
    bind_text(st, 1, id);
    bind_text(st, 2, lang);
    return run(s, S_MEMBER_LANG_SET);
}

int
store_member_lang(struct store *s, const char *id, char *out, size_t cap)
{
    sqlite3_stmt *st = s->st[S_MEMBER_LANG];
    bind_text(st, 1, id);
    int rc = 0, step = sqlite3_step(st);
    out[0] = '\0';
    if (step == SQLITE_ROW) {
        snprintf(out, cap, "%s", (const char *)sqlite3_column_text(st, 0));
    } else if (step != SQLITE_DONE) {
        rc = ERR_STORAGE;
    }
    done(s, S_MEMBER_LANG);
    return rc;
}

int
store_convocation_set(struct store *s, const char *meeting, const char *participant,
                      const char *status, const char *reason, int64_t now)
{
    sqlite3_stmt *st = s->st[S_CONVOC_SET];
    bind_text(st, 1, meeting);
    bind_text(st, 2, participant);
    bind_text(st, 3, status);
    bind_text(st, 4, reason);
    sqlite3_bind_int64(st, 5, now);
    return run(s, S_CONVOC_SET);
}

int
store_convocation_get(struct store *s, const char *meeting, const char *participant,
                      char status[16], char *reason, size_t cap, int64_t *updated)
{
    sqlite3_stmt *st = s->st[S_CONVOC_GET];
    bind_text(st, 1, meeting);
    bind_text(st, 2, participant);
    int rc = 0, step = sqlite3_step(st);
    status[0] = reason[0] = '\0';
    *updated = 0;
    if (step == SQLITE_ROW) {
        snprintf(status, 16, "%s", (const char *)sqlite3_column_text(st, 0));
        snprintf(reason, cap, "%s", (const char *)sqlite3_column_text(st, 1));
        *updated = sqlite3_column_int64(st, 2);
    } else if (step == SQLITE_DONE) {
        rc = ERR_NOT_FOUND;
    } else {
        rc = ERR_STORAGE;
    }
    done(s, S_CONVOC_GET);
    return rc;
}

int
store_token_add(struct store *s, const uint8_t hash[STORE_HASH_LEN], const char *kind,
                const char *meeting, const char *participant, int64_t now)
{
    sqlite3_stmt *st = s->st[S_TOKEN_ADD];
    sqlite3_bind_blob(st, 1, hash, STORE_HASH_LEN, SQLITE_STATIC);
    bind_text(st, 2, kind);
    bind_text(st, 3, meeting);
    bind_text(st, 4, participant);
    sqlite3_bind_int64(st, 5, now);
    return run(s, S_TOKEN_ADD);
}

int
store_token_find(struct store *s, const uint8_t hash[STORE_HASH_LEN], struct store_token *out)
{
    sqlite3_stmt *st = s->st[S_TOKEN_FIND];
    sqlite3_bind_blob(st, 1, hash, STORE_HASH_LEN, SQLITE_STATIC);
    int step = sqlite3_step(st);
    int rc = step == SQLITE_ROW ? 0 : step == SQLITE_DONE ? ERR_BAD_TOKEN : ERR_STORAGE;
    if (rc == 0) {
        memset(out, 0, sizeof(*out));
        if (sqlite3_column_bytes(st, 0) == STORE_HASH_LEN) {
            memcpy(out->hash, sqlite3_column_blob(st, 0), STORE_HASH_LEN);
        }
        snprintf(out->kind, sizeof(out->kind), "%s", (const char *)sqlite3_column_text(st, 1));
        snprintf(out->meeting, sizeof(out->meeting), "%s",
                 (const char *)sqlite3_column_text(st, 2));
        snprintf(out->participant, sizeof(out->participant), "%s",
                 (const char *)sqlite3_column_text(st, 3));
    }
    done(s, S_TOKEN_FIND);
    return rc;
}

int
store_token_revoke(struct store *s, const char *meeting, const char *participant, int64_t now,
                   int *count)
{
    sqlite3_stmt *st = s->st[S_TOKEN_REVOKE];
    bind_text(st, 1, meeting);
    bind_text(st, 2, participant);
    sqlite3_bind_int64(st, 3, now);
    int rc = run(s, S_TOKEN_REVOKE);
    if (rc == 0 && count) {
        *count = sqlite3_changes(s->db);
    }
    return rc;
}

int
store_admin_exists(struct store *s)
{
    int step = sqlite3_step(s->st[S_ADMIN_EXISTS]);
    done(s, S_ADMIN_EXISTS);
    return step == SQLITE_ROW;
}

int
store_reply_get(struct store *s, const char *meeting, const char *participant, const char *key,
                uint64_t *seq, uint8_t digest[STORE_DIGEST_LEN])
{
    sqlite3_stmt *st = s->st[S_REPLY_GET];
    bind_text(st, 1, meeting);
    bind_text(st, 2, participant);
    bind_text(st, 3, key);
    int step = sqlite3_step(st);
    int rc = step == SQLITE_ROW ? 0 : step == SQLITE_DONE ? ERR_NOT_FOUND : ERR_STORAGE;
    memset(digest, 0, STORE_DIGEST_LEN);
    if (rc == 0) {
        *seq = (uint64_t)sqlite3_column_int64(st, 0);
        if (sqlite3_column_bytes(st, 1) == STORE_DIGEST_LEN) {
            memcpy(digest, sqlite3_column_blob(st, 1), STORE_DIGEST_LEN);
        }
    }
    done(s, S_REPLY_GET);
    return rc;
}

int
store_reply_put(struct store *s, const char *meeting, const char *participant, const char *key,
                uint64_t seq, const uint8_t digest[STORE_DIGEST_LEN])
{
    sqlite3_stmt *st = s->st[S_REPLY_PUT];
    bind_text(st, 1, meeting);
    bind_text(st, 2, participant);
    bind_text(st, 3, key);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)seq);
    sqlite3_bind_blob(st, 5, digest, STORE_DIGEST_LEN, SQLITE_STATIC);
    return run(s, S_REPLY_PUT);
}

int
store_backup(struct store *s, const char *path)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "VACUUM INTO ?1", -1, &st, NULL) != SQLITE_OK) {
        return ERR_STORAGE;
    }
    bind_text(st, 1, path);
    int step = sqlite3_step(st);
    sqlite3_finalize(st);
    return step == SQLITE_DONE ? 0 : ERR_STORAGE;
}

int
store_secret_put(struct store *s, const char *meeting, const char *vote, const char *receipt,
                 const char *college, const char *choice, const uint8_t *owner)
{
    sqlite3_stmt *st = s->st[S_SECRET_PUT];
    bind_text(st, 1, meeting);
    bind_text(st, 2, vote);
    bind_text(st, 3, receipt);
    bind_text(st, 4, college);
    bind_text(st, 5, choice);
    if (owner) {
        sqlite3_bind_blob(st, 6, owner, STORE_OWNER_LEN, SQLITE_STATIC);
    } else {
        sqlite3_bind_null(st, 6);
    }
    return run(s, S_SECRET_PUT);
}

int
store_secret_delete(struct store *s, const char *meeting, const char *vote, const char *receipt,
                    const uint8_t *owner)
{
    sqlite3_stmt *st = s->st[S_SECRET_DEL];
    bind_text(st, 1, meeting);
    bind_text(st, 2, vote);
    bind_text(st, 3, receipt);
    if (owner) {
        sqlite3_bind_blob(st, 4, owner, STORE_OWNER_LEN, SQLITE_STATIC);
    } else {
        sqlite3_bind_null(st, 4);
    }
    int rc = run(s, S_SECRET_DEL);
    return rc ? rc : sqlite3_changes(s->db) == 1 ? 0 : ERR_NOT_FOUND;
}

int
store_secret_drop(struct store *s, const char *meeting, const char *vote)
{
    sqlite3_stmt *st = s->st[S_SECRET_DROP];
    bind_text(st, 1, meeting);
    bind_text(st, 2, vote);
    return run(s, S_SECRET_DROP);
}

/* Rows of a two-text-column statement (plus an optional count) to `cb`. */
static int
rows(struct store *s, enum stmt i, const char *meeting, const char *vote,
     int (*cb)(void *ctx, const char *a, const char *b, int64_t n), void *ctx)
{
    sqlite3_stmt *st = s->st[i];
    bind_text(st, 1, meeting);
    bind_text(st, 2, vote);
    int rc = 0, step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t n = sqlite3_column_count(st) > 2 ? sqlite3_column_int64(st, 2) : 1;
        if ((rc = cb(ctx, (const char *)sqlite3_column_text(st, 0),
                     (const char *)sqlite3_column_text(st, 1), n))) {
            break;
        }
    }
    if (rc == 0 && step != SQLITE_DONE) {
        rc = ERR_STORAGE;
    }
    done(s, i);
    return rc;
}

int
store_secret_tally(struct store *s, const char *meeting, const char *vote,
                   int (*cb)(void *ctx, const char *college, const char *choice, int64_t n),
                   void *ctx)
{
    return rows(s, S_SECRET_TALLY, meeting, vote, cb, ctx);
}

int
store_secret_list(struct store *s, const char *meeting, const char *vote,
                  int (*cb)(void *ctx, const char *receipt, const char *choice, int64_t n),
                  void *ctx)
{
    return rows(s, S_SECRET_LIST, meeting, vote, cb, ctx);
}

int
store_meetings(struct store *s, int (*cb)(void *ctx, const char *id), void *ctx)
{
    sqlite3_stmt *st = s->st[S_MEETINGS];
    int rc = 0, step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if ((rc = cb(ctx, (const char *)sqlite3_column_text(st, 0)))) {
            break;
        }
    }
    if (rc == 0 && step != SQLITE_DONE) {
        rc = ERR_STORAGE;
    }
    done(s, S_MEETINGS);
    return rc;
}

struct reorder {
    char **receipt, **college, **choice;
    size_t n, cap;
};

static int
reorder_row(void *ctx, const char *receipt, const char *college, const char *choice)
{
    struct reorder *r = ctx;
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 64;
        char **a = realloc(r->receipt, cap * sizeof(*a));
        if (a) {
            r->receipt = a;
        }
        char **b = realloc(r->college, cap * sizeof(*b));
        if (b) {
            r->college = b;
        }
        char **c = realloc(r->choice, cap * sizeof(*c));
        if (c) {
            r->choice = c;
        }
        if (!a || !b || !c) {
            return ERR_NOMEM;
        }
        r->cap = cap;
    }
    r->receipt[r->n] = strdup(receipt);
    r->college[r->n] = strdup(college);
    r->choice[r->n] = strdup(choice);
    r->n++;
    return r->receipt[r->n - 1] && r->college[r->n - 1] && r->choice[r->n - 1] ? 0 : ERR_NOMEM;
}

int
store_secret_reorder(struct store *s, const char *meeting, const char *vote)
{
    struct reorder r = {0};
    sqlite3_stmt *st = NULL;
    int rc = 0;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT receipt, college, choice FROM secret_ballots"
                           " WHERE meeting = ?1 AND vote = ?2 ORDER BY receipt",
                           -1, &st, NULL) != SQLITE_OK) {
        return ERR_STORAGE;
    }
    bind_text(st, 1, meeting);
    bind_text(st, 2, vote);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW && rc == 0) {
        rc = reorder_row(&r, (const char *)sqlite3_column_text(st, 0),
                         (const char *)sqlite3_column_text(st, 1),
                         (const char *)sqlite3_column_text(st, 2));
    }
    sqlite3_finalize(st);
    if (rc == 0 && step != SQLITE_DONE) {
        rc = ERR_STORAGE;
    }
    if (rc == 0) {
        rc = store_secret_drop(s, meeting, vote);
    }
    for (size_t i = 0; rc == 0 && i < r.n; i++) {
        rc = store_secret_put(s, meeting, vote, r.receipt[i], "", r.choice[i], NULL);
    }
    for (size_t i = 0; i < r.n; i++) {
        free(r.receipt[i]);
        free(r.college[i]);
        free(r.choice[i]);
    }
    free(r.receipt);
    free(r.college);
    free(r.choice);
    return rc;
}

int
store_previous_meeting(struct store *s, const char *commission, const char *id, char out[33])
{
    sqlite3_stmt *st = s->st[S_PREVIOUS];
    bind_text(st, 1, commission);
    bind_text(st, 2, id);
    int step = sqlite3_step(st);
    int rc = step == SQLITE_ROW ? 0 : step == SQLITE_DONE ? ERR_NOT_FOUND : ERR_STORAGE;
    if (rc == 0) {
        snprintf(out, 33, "%s", (const char *)sqlite3_column_text(st, 0));
    }
    done(s, S_PREVIOUS);
    return rc;
}

int
store_commissions(struct store *s,
                  int (*cb)(void *ctx, const char *id, const char *name, const char *colleges,
                            int64_t members, int64_t meetings),
                  void *ctx)
{
    sqlite3_stmt *st = s->st[S_COMMISSIONS];
    int rc = 0, step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if ((rc = cb(ctx, (const char *)sqlite3_column_text(st, 0),
                     (const char *)sqlite3_column_text(st, 1),
                     (const char *)sqlite3_column_text(st, 2), sqlite3_column_int64(st, 3),
                     sqlite3_column_int64(st, 4)))) {
            break;
        }
    }
    if (rc == 0 && step != SQLITE_DONE) {
        rc = ERR_STORAGE;
    }
    done(s, S_COMMISSIONS);
    return rc;
}

int
store_commission_meetings(struct store *s, const char *commission,
                          int (*cb)(void *ctx, const char *id), void *ctx)
{
    sqlite3_stmt *st = s->st[S_COMMISSION_MEETINGS];
    bind_text(st, 1, commission);
    int rc = 0, step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if ((rc = cb(ctx, (const char *)sqlite3_column_text(st, 0)))) {
            break;
        }
    }
    if (rc == 0 && step != SQLITE_DONE) {
        rc = ERR_STORAGE;
    }
    done(s, S_COMMISSION_MEETINGS);
    return rc;
}

int
store_group_put(struct store *s, const struct store_group *g, bool create, int64_t now)
{
    enum stmt i = create ? S_GROUP_ADD : S_GROUP_SET;
    sqlite3_stmt *st = s->st[i];
    bind_text(st, 1, g->commission);
    bind_text(st, 2, g->id);
    bind_text(st, 3, g->name);
    bind_text(st, 4, g->lead);
    bind_text(st, 5, g->members);
    bind_text(st, 6, g->mandate);
    bind_text(st, 7, g->due);
    if (create) {
        sqlite3_bind_int64(st, 8, now);
    }
    int rc = run(s, i);
    if (rc == 0 && !create && sqlite3_changes(s->db) == 0) {
        rc = ERR_NOT_FOUND;
    }
    return rc;
}

int
store_member_set(struct store *s, const char *commission, const char *id, const char *name,
                 const char *college, const char *role, const char *email, const char *lang)
{
    sqlite3_stmt *st = s->st[S_MEMBER_SET];
    bind_text(st, 1, commission);
    bind_text(st, 2, id);
    bind_text(st, 3, name);
    bind_text(st, 4, college);
    bind_text(st, 5, role);
    bind_text(st, 6, email);
    bind_text(st, 7, lang);
    int rc = run(s, S_MEMBER_SET);
    return rc ? rc : sqlite3_changes(s->db) == 1 ? 0 : ERR_NOT_FOUND;
}

int
store_member_remove(struct store *s, const char *commission, const char *id)
{
    sqlite3_stmt *st = s->st[S_MEMBER_REMOVE];
    bind_text(st, 1, commission);
    bind_text(st, 2, id);
    int rc = run(s, S_MEMBER_REMOVE);
    return rc ? rc : sqlite3_changes(s->db) == 1 ? 0 : ERR_NOT_FOUND;
}

int
store_groups(struct store *s, const char *commission, const char *id,
             int (*cb)(void *ctx, const struct store_group *g), void *ctx)
{
    sqlite3_stmt *st = s->st[S_GROUPS];
    bind_text(st, 1, commission);
    bind_text(st, 2, id);
    int rc = 0, step, n = 0;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_group g = {
            .commission = commission,
            .id = (const char *)sqlite3_column_text(st, 0),
            .name = (const char *)sqlite3_column_text(st, 1),
            .lead = (const char *)sqlite3_column_text(st, 2),
            .members = (const char *)sqlite3_column_text(st, 3),
            .mandate = (const char *)sqlite3_column_text(st, 4),
            .due = (const char *)sqlite3_column_text(st, 5),
        };
        n++;
        if ((rc = cb(ctx, &g))) {
            break;
        }
    }
    if (rc == 0 && step != SQLITE_DONE) {
        rc = ERR_STORAGE;
    }
    done(s, S_GROUPS);
    return rc == 0 && id && *id && n == 0 ? ERR_NOT_FOUND : rc;
}

int
store_template_drop(struct store *s, const char *commission)
{
    bind_text(s->st[S_TPL_DROP_ITEMS], 1, commission);
    int rc = run(s, S_TPL_DROP_ITEMS);
    if (rc == 0) {
        bind_text(s->st[S_TPL_DROP], 1, commission);
        rc = run(s, S_TPL_DROP);
    }
    return rc;
}

int
store_template_put(struct store *s, const char *commission, const char *meeting,
                   const struct store_template_item *v, size_t n, int64_t now)
{
    int rc = store_template_drop(s, commission);
    if (rc == 0) {
        sqlite3_stmt *st = s->st[S_TPL_PUT];
        bind_text(st, 1, commission);
        bind_text(st, 2, meeting);
        sqlite3_bind_int64(st, 3, now);
        rc = run(s, S_TPL_PUT);
    }
    for (size_t i = 0; rc == 0 && i < n; i++) {
        sqlite3_stmt *st = s->st[S_TPL_ITEM_ADD];
        bind_text(st, 1, commission);
        sqlite3_bind_int64(st, 2, (int64_t)i);
        sqlite3_bind_int64(st, 3, v[i].parent);
        bind_text(st, 4, v[i].title);
        bind_text(st, 5, v[i].description);
        bind_text(st, 6, v[i].presenter);
        bind_text(st, 7, v[i].kind);
        sqlite3_bind_int64(st, 8, v[i].duration);
        sqlite3_bind_int64(st, 9, v[i].speaking);
        rc = run(s, S_TPL_ITEM_ADD);
    }
    return rc;
}

int
store_template(struct store *s, const char *commission, char meeting[33], int64_t *updated,
               int (*cb)(void *ctx, const struct store_template_item *it), void *ctx)
{
    sqlite3_stmt *st = s->st[S_TPL_GET];
    bind_text(st, 1, commission);
    int step = sqlite3_step(st);
    int rc = step == SQLITE_ROW ? 0 : step == SQLITE_DONE ? ERR_NOT_FOUND : ERR_STORAGE;
    if (rc == 0) {
        snprintf(meeting, 33, "%s", (const char *)sqlite3_column_text(st, 0));
        *updated = sqlite3_column_int64(st, 1);
    }
    done(s, S_TPL_GET);
    if (rc) {
        return rc;
    }
    st = s->st[S_TPL_ITEMS];
    bind_text(st, 1, commission);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_template_item it = {
            .parent = sqlite3_column_int64(st, 1),
            .title = (const char *)sqlite3_column_text(st, 2),
            .description = (const char *)sqlite3_column_text(st, 3),
            .presenter = (const char *)sqlite3_column_text(st, 4),
            .kind = (const char *)sqlite3_column_text(st, 5),
            .duration = sqlite3_column_int64(st, 6),
            .speaking = sqlite3_column_int64(st, 7),
        };
        if ((rc = cb(ctx, &it))) {
            break;
        }
    }
    if (rc == 0 && step != SQLITE_DONE) {
        rc = ERR_STORAGE;
    }
    done(s, S_TPL_ITEMS);
    return rc;
}
