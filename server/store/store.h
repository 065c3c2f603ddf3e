/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * store.h - the SQLite database: the event log and the few tables around it.
 *
 * The log (`events`) is append-only and is the source of truth for every
 * meeting. Around it: commissions and their roster (`members`), the list of
 * meetings, token hashes (`tokens`) and the first outcome of each
 * idempotency key (`replies`).
 *
 * Transactions are driven by the caller: store_begin() at the first write of
 * a loop turn, store_commit() at its end (group commit). Inside, each command
 * runs under a savepoint, so that one failed write undoes that command only.
 * The database runs in WAL mode with synchronous=FULL: once store_commit()
 * returns 0, the turn's writes survive a kill -9 or a power cut.
 *
 * Every statement is prepared once at open. No function here takes a format
 * string or builds SQL from data.
 */
#ifndef CONCERTO_STORE_H
#define CONCERTO_STORE_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

#define STORE_HASH_LEN 32
#define STORE_DIGEST_LEN 32

struct store;

struct store_row {
    uint64_t seq;
    int64_t ts;
    const char *actor; /* borrowed until the callback returns */
    const char *type;
    const char *body;
    size_t body_len;
    const uint8_t *hash;
};

struct store_token {
    uint8_t hash[STORE_HASH_LEN];
    char kind[16];        /* "admin" or "invitation" */
    char meeting[33];     /* "" for admin */
    char participant[33]; /* "" for admin */
};

/* Open (creating if needed) and migrate the database at `path`; ":memory:" works.
 * *out is new (store_close). On failure *msg (static) says why in one line. */
int store_open(const char *path, struct store **out, const char **msg);
void store_close(struct store *s); /* NULL-safe */

int store_begin(struct store *s);
int store_commit(struct store *s);
void store_rollback(struct store *s);
int store_in_transaction(const struct store *s);
int store_savepoint(struct store *s);
void store_release(struct store *s);
void store_rollback_savepoint(struct store *s);

int store_append(struct store *s, const char *meeting, uint64_t seq, int64_t ts,
                 const char *actor, const char *type, const char *body,
                 const uint8_t hash[STORE_HASH_LEN]);

/* Call `cb` for every event of `meeting` with seq > after, in order, until it
 * returns non-zero (which is then returned). */
int store_events(struct store *s, const char *meeting, uint64_t after,
                 int (*cb)(void *ctx, const struct store_row *row), void *ctx);

int store_meeting_add(struct store *s, const char *id, const char *commission, int64_t now);
/* 0 when the meeting exists (commission copied out), ERR_NOT_FOUND when not. */
int store_meeting_get(struct store *s, const char *id, char commission[33]);

/* The meeting of `commission` created last before `id` (the latest of all when
 * `id` is not one of its meetings yet); ERR_NOT_FOUND if none. */
int store_previous_meeting(struct store *s, const char *commission, const char *id,
                           char out[33]);

/* The meetings of `commission`, oldest first (ids borrowed until cb returns). */
int store_commission_meetings(struct store *s, const char *commission,
                              int (*cb)(void *ctx, const char *id), void *ctx);

/* Every commission, oldest first, with how many members and meetings it has
 * (strings borrowed until cb returns). */
int store_commissions(struct store *s,
                      int (*cb)(void *ctx, const char *id, const char *name, const char *colleges,
                                int64_t members, int64_t meetings),
                      void *ctx);

/* Every meeting id, oldest first. */
int store_meetings(struct store *s, int (*cb)(void *ctx, const char *id), void *ctx);

int store_commission_add(struct store *s, const char *id, const char *name,
                         const char *colleges_json, int64_t now);
/* name and colleges are new (free) */
int store_commission_get(struct store *s, const char *id, char **name, char **colleges_json);
int store_member_add(struct store *s, const char *id, const char *commission, const char *name,
                     const char *college, const char *role, int64_t now);
int store_members(struct store *s, const char *commission,
                  int (*cb)(void *ctx, const char *id, const char *name, const char *college,
                            const char *role),
                  void *ctx);

/* Edit member `id` of `commission` (every value; email "" for none),
 * or take them off the roster; ERR_NOT_FOUND when they are not a member
 * of it. The meetings' logs keep their participants: the hub carries the
 * change into the meetings not yet opened (api.c). */
int store_member_set(struct store *s, const char *commission, const char *id, const char *name,
                     const char *college, const char *role, const char *email, const char *lang);
int store_member_remove(struct store *s, const char *commission, const char *id);
/* A member's e-mail address ("" for none); the members table has one column
 * for it, the participant id of a meeting being the member's id. */
int store_member_email_set(struct store *s, const char *id, const char *email);
/* The address copied into out[cap] ("" when none, or no such member). */
int store_member_email(struct store *s, const char *id, char *out, size_t cap);
/* A member's language, "fr" (the default) or "en": set, and copied into
 * out[cap] ("" when no such member). */
int store_member_lang_set(struct store *s, const char *id, const char *lang);
int store_member_lang(struct store *s, const char *id, char *out, size_t cap);

/* Where the convocation of a participant of a meeting stands: status
 * "pending", "sent" or "failed", and the reason of a failure ("" else). get:
 * ERR_NOT_FOUND when none was ever sent. */
int store_convocation_set(struct store *s, const char *meeting, const char *participant,
                          const char *status, const char *reason, int64_t now);
int store_convocation_get(struct store *s, const char *meeting, const char *participant,
                          char status[16], char *reason, size_t cap, int64_t *updated);
/* A working group of a commission (strings borrowed). */
struct store_group {
    const char *commission, *id, *name;
    const char *lead;    /* a college or a member id of the commission, "" for none */
    const char *members; /* member ids joined by commas */
    const char *mandate;
    const char *due; /* YYYY-MM-DD, "" for none */
};
/* Add (`create`: ERR_CONFLICT when the id is taken) or replace one
 * (ERR_NOT_FOUND when there is none). */
int store_group_put(struct store *s, const struct store_group *g, bool create, int64_t now);
/* The groups of `commission`, oldest first, or only group `id` (not ""):
 * ERR_NOT_FOUND when it is not there. Strings borrowed until cb returns. */
int store_groups(struct store *s, const char *commission, const char *id,
                 int (*cb)(void *ctx, const struct store_group *g), void *ctx);

/* A commission's agenda template, one item (strings borrowed): `parent`
 * is the index, in the template's order, of a sub-item's item, -1 for a
 * top-level one (which comes before its sub-items). */
struct store_template_item {
    int64_t parent;
    const char *title, *description, *presenter, *kind;
    int64_t duration, speaking; /* seconds */
};
/* Replace the template of `commission` by v[0..n), saved from `meeting`. */
int store_template_put(struct store *s, const char *commission, const char *meeting,
                       const struct store_template_item *v, size_t n, int64_t now);
/* Forget it (the commission goes back to the built-in default). */
int store_template_drop(struct store *s, const char *commission);
/* The template's meeting and time, then each item in order to cb;
 * ERR_NOT_FOUND when the commission has saved none. */
int store_template(struct store *s, const char *commission, char meeting[33], int64_t *updated,
                   int (*cb)(void *ctx, const struct store_template_item *it), void *ctx);

int store_token_add(struct store *s, const uint8_t hash[STORE_HASH_LEN], const char *kind,
                    const char *meeting, const char *participant, int64_t now);
/* 0 and *out filled when a live (not revoked) token has this hash; ERR_BAD_TOKEN otherwise. */
int store_token_find(struct store *s, const uint8_t hash[STORE_HASH_LEN], struct store_token *out);
int store_token_revoke(struct store *s, const char *meeting, const char *participant, int64_t now,
                       int *count);
int store_admin_exists(struct store *s);

/* Idempotency: the seq answered to the first use of (meeting, participant, key),
 * and the digest of the command it was used for (all zero when the row is older
 * than digests). */
int store_reply_get(struct store *s, const char *meeting, const char *participant,
                    const char *key, uint64_t *seq, uint8_t digest[STORE_DIGEST_LEN]);
int store_reply_put(struct store *s, const char *meeting, const char *participant,
                    const char *key, uint64_t seq, const uint8_t digest[STORE_DIGEST_LEN]);

/* Secret ballots: (receipt, college, choice, owner) per vote, never a voter.
 * `owner` (STORE_OWNER_LEN bytes, or NULL) is a tag keyed with the caster's
 * token (crypto/'s sec_owner_tag): a ballot is deleted only with the same
 * tag (or when it has none: rows older than tags), so that a receipt
 * replaces only a ballot its caster cast. put: ERR_CONFLICT when the receipt
 * exists; delete: ERR_NOT_FOUND when no such receipt has that owner. */
#define STORE_OWNER_LEN 16
int store_secret_put(struct store *s, const char *meeting, const char *vote, const char *receipt,
                     const char *college, const char *choice, const uint8_t *owner);
int store_secret_delete(struct store *s, const char *meeting, const char *vote,
                        const char *receipt, const uint8_t *owner);
/* Delete every ballot of a vote (a cancelled vote: its ballots are never
 * counted; secure_delete zeroes them in the file). */
int store_secret_drop(struct store *s, const char *meeting, const char *vote);
/* Counts by (college, choice). */
int store_secret_tally(struct store *s, const char *meeting, const char *vote,
                       int (*cb)(void *ctx, const char *college, const char *choice, int64_t n),
                       void *ctx);
/* Every ballot as (receipt, choice), in receipt order; n is 1. */
int store_secret_list(struct store *s, const char *meeting, const char *vote,
                      int (*cb)(void *ctx, const char *receipt, const char *choice, int64_t n),
                      void *ctx);

/* At the close of a secret vote: rewrite its ballots in receipt order, so
 * that where each row sits in the file no longer tells the order in which
 * ballots were cast (deleted cells are zeroed: secure_delete is on), and
 * without their college: the counts by college are in vote.closed, or were
 * withheld there because a college had one or two ballots (vote.c), and must
 * not be read back from the file. The
 * WAL still holds the pages as they were at each ballot until it is
 * truncated (wal.h). */
int store_secret_reorder(struct store *s, const char *meeting, const char *vote);

/* Consistent online copy of the database to `path` (VACUUM INTO). */
/* Documents on agenda items: the index of what the log says (migration 5).
 * store_document_known: 1 when some meeting ever attached `sha256`, else 0. */
int store_document_add(struct store *s, const char *meeting, const char *item, const char *sha256,
                       const char *name, const char *format, int64_t size, int64_t now);
int store_document_remove(struct store *s, const char *meeting, const char *item,
                          const char *sha256, int64_t now);
int store_document_known(struct store *s, const char *sha256);

/* Documents' bytes (server/store/blobs.c): files named by their SHA-256 (hex)
 * in directory `dir`. put writes buf[0..len) as DIR/SHA256 (temp file, fsync,
 * rename, fsync of the directory) unless a file of that name and size is
 * there already; 0 or ERR_STORAGE. read gives the whole file (new) in *out;
 * ERR_NOT_FOUND, ERR_STORAGE or ERR_NOMEM. */
int store_blob_put(const char *dir, const char *sha256, const void *buf, size_t len);
int store_blob_read(const char *dir, const char *sha256, char **out, size_t *len);

int store_backup(struct store *s, const char *path);

#endif
