/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * hub.h - the live meetings, the loop turn and the fan-out, without sockets.
 *
 * The hub sits between net/ (which owns sockets and libwebsockets) and the
 * rest: it authenticates connections, runs commands through core/, writes
 * their events to store/ inside the turn's transaction, and at the end of
 * the turn (hub_flush) commits once, then acknowledges and fans out.
 *
 *   net: message  -> hub_message()  -> proto decode -> core -> store (uncommitted)
 *   net: turn end -> hub_flush()    -> COMMIT -> ok / welcome / events -> net send
 *
 * Nothing is acknowledged or broadcast before its commit. If the commit
 * fails, the turn is rolled back, the touched meetings are rebuilt from the
 * log and every pending sender gets `storage_failed`.
 *
 * Output leaves through `struct hub_io`: the hub hands out reference-counted
 * `struct msg` buffers with MSG_PRE bytes of headroom (net/ checks that this
 * covers LWS_PRE), one buffer per event whatever the number of recipients.
 */
#ifndef CONCERTO_HUB_H
#define CONCERTO_HUB_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MSG_PRE 16

/* Who receives an event (see hub_visibility() in hub_flush.c). */
enum vis { VIS_ALL = 0, VIS_BUREAU, VIS_NONE, VIS_OTHERS /* all but the bureau */ };

/* Which part of a WebSocket message a buffer is: a welcome is sent in three
 * frames so that its snapshot, the same for everyone welcomed in a turn, is
 * one shared buffer (docs/ARCHITECTURE.md, Fan-out) rather than a copy per connection. */
enum msg_part { MSG_PART_WHOLE = 0, MSG_PART_FIRST, MSG_PART_MIDDLE, MSG_PART_LAST };

struct msg {
    atomic_uint refs; /* net/ may hold references on several threads */
    uint32_t len;
    uint8_t vis;         /* enum vis, for event messages */
    uint8_t part;        /* enum msg_part: MSG_PART_WHOLE unless set */
    uint8_t writer;      /* net/'s: which thread writes frame headers in the headroom */
    unsigned char buf[]; /* MSG_PRE headroom, then len bytes of text */
};

/* New message holding a copy of text (refs = 1); NULL when out of memory. */
struct msg *msg_new(const char *text, size_t len);
void msg_ref(struct msg *m);   /* thread-safe, as msg_unref */
void msg_unref(struct msg *m); /* NULL-safe; frees at zero */
static inline unsigned char *
msg_data(struct msg *m)
{
    return m->buf + MSG_PRE;
}

struct hub;
struct hub_conn;
struct sec_key;
struct store;
struct wal;
struct worker;

struct hub_io {
    void *ctx;
    /* Queue `m` on the connection (take a reference if kept). */
    void (*send)(void *ctx, void *net, struct msg *m);
    /* Close the connection once what is queued is sent. */
    void (*close)(void *ctx, void *net, int status, const char *reason);
    /* Answer an HTTP request: status, JSON body (borrowed for the call). */
    void (*http)(void *ctx, void *req, int status, const char *body, size_t len);
    /* Answer an HTTP request with a document to download: its bytes, type
     * and file name (Content-Disposition). NULL: use `http`. */
    void (*file)(void *ctx, void *req, const char *body, size_t len, const char *ctype,
                 const char *filename);
};

struct hub_config {
    const char *room_base;       /* e.g. "https://meet.jit.si/" */
    const struct sec_key *key;   /* signs the records; NULL: no records */
    const char *pubkey;          /* its public key file's text (GET /api/pubkey) */
    struct wal *wal;             /* truncates the WAL when a secret vote ends; NULL: none */
    bool log_connections;        /* a log line per connection opened, joined, left, closed */
    int log_interval_s;          /* otherwise a summary at most this often (0: 10 s) */
    const char *public_url;      /* where browsers reach the server: absolute links in mail */
    const char *sendmail;        /* the mail system's sendmail program (NULL: /usr/sbin/sendmail) */
    const char *mail_from;       /* the convocations' sender address (NULL: the mail system's) */
    int mail_timeout_s;          /* seconds one message may take the sendmail program (0: 60) */
    const char *documents;       /* directory of documents' bytes; NULL: no documents */
    size_t document_max;         /* bytes of one document (--max-document) */
    struct worker *worker;       /* makes the records (worker.h), closed before hub_free();
                                  * NULL: they are made on the hub's thread */
};

/* New hub over an open store (borrowed for the hub's life). */
struct hub *hub_new(struct store *st, const struct hub_config *cfg, const struct hub_io *io);
void hub_free(struct hub *h); /* NULL-safe; closes nothing, frees everything */

/* A new WebSocket connection to meeting `meeting` (from the URL, may be
 * anything: it is checked at hello). `net` is net/'s handle, passed back in
 * hub_io calls. Returns a new connection or NULL when out of memory. */
struct hub_conn *hub_connect(struct hub *h, void *net, const char *meeting, const char *peer);
/* One complete message from the connection. */
void hub_message(struct hub *h, struct hub_conn *c, const char *buf, size_t len, int64_t now);
/* Refuse something of the connection's with a typed error (no id). */
void hub_refuse(struct hub *h, struct hub_conn *c, int code, const char *message);

/* A message too large to read: answer too_large and close with 1009. */
void hub_too_large(struct hub *h, struct hub_conn *c);
/* The connection is gone: frees `c` (and writes participant.left if it was
 * the participant's last connection). */
void hub_disconnect(struct hub *h, struct hub_conn *c, int64_t now);

/* One HTTP API request. `req` is passed back to io->http, now or at flush. */
void hub_http(struct hub *h, void *req, const char *method, const char *path,
              const char *bearer, const char *body, size_t len, int64_t now);
/* An upload of a document (POST /api/meetings/M/agenda/I/documents?name=N):
 * as hub_http(), with the file name from the query (decoded, NULL when
 * absent) and the file's bytes as body. */
void hub_http_upload(struct hub *h, void *req, const char *path, const char *bearer,
                     const char *name, const char *body, size_t len, int64_t now);
/* An HTTP request went away before its answer: forget it. */
void hub_http_gone(struct hub *h, void *req);

/* End of a loop turn: commit, then acknowledge and fan out. Returns the
 * commit's result (0, or the error every pending sender was told). */
int hub_flush(struct hub *h, int64_t now);
/* When (ms, the clock of `now`) a flush has something to send without any
 * new input: a count or attendance message the half-second rate held back
 * at the last flush. -1 when nothing waits. The network wakes its loop then,
 * so that the last ballot's count never waits for the one-second tick. */
int64_t hub_wake_at(const struct hub *h);

/* Create the demo commission and meeting if absent, issue fresh invitation
 * links and print them with `base` (e.g. "http://127.0.0.1:8080") to `out`. */
int hub_demo(struct hub *h, const char *base, int64_t now, void (*print)(const char *line));

/* Rebuild every meeting from the log (at start-up): each is folded and its
 * chain verified; participants the log shows connected get the grace period
 * to come back. The ballots of cancelled secret votes still in the database
 * (a server stopped before it deleted them) are deleted, and the WAL, which
 * a server killed before truncating it may have left full of ballots, is
 * truncated. Returns the number loaded; a meeting whose log does not verify
 * is reported and left out. */
int hub_load_all(struct hub *h, int64_t now);

/* A new admin token; printed once by the caller (out gets the token). */
int hub_admin_token(struct hub *h, char *out, size_t outlen, int64_t now);

size_t hub_connections(const struct hub *h);

/* The metrics in Prometheus text format (new); `extra` (borrowed) is
 * appended as is, for the counters net/ keeps. */
char *hub_metrics_text(const struct hub *h, const char *extra);

#endif
