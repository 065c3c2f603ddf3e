/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * hub_impl.h - the hub's insides, shared by hub.c (creation, sending),
 * hub_load.c (loading a meeting), hub_turn.c (a command's writes),
 * hub_conn.c (connections), hub_flush.c (the end of a turn), hub_metrics.c,
 * api.c (the HTTP API) and the rest of server/hub/. Not included outside
 * server/hub/.
 *
 * A `struct live` is a meeting loaded in memory: its folded state, the head
 * of its hash chain, its connections, and the event messages of the current
 * turn that wait for the commit. Connections are counted per participant
 * index so that the first one writes participant.joined and the last one
 * participant.left.
 */
#ifndef CONCERTO_HUB_IMPL_H
#define CONCERTO_HUB_IMPL_H

#include "hub.h"

#include "../core/meeting.h"
#include "../crypto/sec.h"
#include "../err.h"

#include <stdbool.h>

#define HASH_LEN 32
#define RESUME_MAX 100   /* a client further behind gets a snapshot */
#define LARGE_MEETING 200 /* beyond this many participants, presence is summarised */

/* A participant's connections. When the last one closes, the departure is
 * written only after the meeting's grace period (leave_at), so that a short
 * network drop does not show as a departure nor break the quorum. */
struct seat {
    uint32_t conns;
    int64_t leave_at; /* 0 when no departure is pending */
};

struct live {
    struct meeting *m;
    uint8_t head[HASH_LEN];
    struct hub_conn *conns; /* doubly linked through hub_conn.prev/next, the bureau first */
    struct hub_conn *bureau_last; /* the last chair or secretary in `conns`, or NULL */
    struct seat *seats;     /* per participant index */
    size_t nseats;
    size_t nleaving;        /* seats with a departure pending */
    int64_t next_leave;     /* earliest leave_at among them */
    struct msg **pending; /* events of this turn, in seq order, awaiting commit */
    size_t npending;
    size_t cappending;
    bool touched;
    struct record_files *files; /* the record as last built, or NULL */
    char *minutes;              /* GET .../minutes as of minutes_seq, or NULL */
    uint64_t minutes_seq;
    struct msg *snap[2]; /* snapshot texts, full and light, as of snap_seq[i] (MSG_PART_MIDDLE) */
    uint64_t snap_seq[2];
    bool count_dirty;   /* ballots arrived since the last `count` message */
    bool attendance_dirty; /* presence changed since the last `attendance` message */
    bool speakers_dirty;   /* a list of speakers or the turn changed in this turn */
    char *speakers_sent;   /* the last `speakers` message sent, or NULL */
    int64_t attendance_sent;
    int64_t count_sent; /* when the last `count` message went out */
    struct live *next;
};

struct hub_conn {
    void *net;
    struct live *live; /* NULL until hello succeeds */
    uint32_t pidx;
    bool bureau; /* chair or secretary: sees presence events of large meetings */
    bool welcomed;
    bool closing;
    char meeting[ID_MAX];
    char peer[64];
    /* from the token said in hello: what ties this connection's secret
     * ballots to it (sec_owner_key); wiped when the connection goes */
    uint8_t owner_key[SEC_HASH_LEN];
    struct hub_conn *prev, *next;
};

enum pending_kind { P_OK, P_WELCOME, P_HTTP };

struct pending {
    enum pending_kind kind;
    struct hub_conn *c; /* P_OK, P_WELCOME; NULL once the connection is gone */
    void *req;          /* P_HTTP; NULL once the request is gone */
    struct live *live;
    char id[144];
    uint64_t seq;
    bool replayed;
    bool has_since;
    int64_t since;
    int status; /* P_HTTP */
    bool settled; /* P_HTTP: answered as is even if the turn's commit fails */
    char *body; /* P_HTTP, new */
    size_t body_len;
    const char *ctype;  /* P_HTTP: NULL for JSON, else a document to download */
    char filename[DOC_NAME_MAX + 1];
};

/* Counters for GET /metrics (Prometheus text format). */
#define COMMIT_BUCKETS 11
struct hub_metrics {
    uint64_t events;                      /* events committed */
    uint64_t commits;                     /* transactions committed */
    uint64_t commit_failures;
    uint64_t commit_le[COMMIT_BUCKETS];   /* commits at or under each bound */
    double commit_seconds;                /* sum */
    uint64_t errors[ERR_COUNT_];          /* error replies by code */
    uint64_t http_requests;
};

struct hub {
    struct store *st;
    struct hub_config cfg;
    struct hub_io io;
    struct live *lives;
    int64_t wake_at; /* hub_wake_at(): a count or attendance held back, or -1 */
    struct pending *pend;
    size_t npend;
    size_t cappend;
    size_t nconns;
    int64_t now; /* the time of the last turn, for work that has no request */
    uint64_t turn_events; /* events written in the current turn */
    int loaded;           /* meetings loaded by hub_load_all() */
    bool checkpoint;      /* a secret vote ended: truncate the WAL after this turn's commit */
    struct mailer *mailer;     /* started at the first convocation sent (convocations.c) */
    struct outgoing *outbox;   /* messages of this turn, sent once it is committed */
    size_t noutbox, capoutbox;
    struct hub_metrics metrics;
    /* Connection churn since the last summary line (see hub_log_churn() in
     * hub_conn.c); `since` is when the first of it came, 0 when none. */
    struct {
        uint64_t opened, closed, joined, left;
        int64_t since;
    } churn;
    struct hub_job *jobs; /* records being made on the worker (records.c) */
};

/* hub.c: sending to one connection. Each steals `text` (NULL: nothing is
 * sent) and sends nothing to a connection that is closing. */
void hub_send_part(struct hub *h, struct hub_conn *c, char *text, enum msg_part part);
void hub_send_text(struct hub *h, struct hub_conn *c, char *text);
/* An error reply, counted for /metrics. */
void hub_send_error(struct hub *h, struct hub_conn *c, const char *id, int code,
                    const char *message);
/* Close a connection once (later calls do nothing). */
void hub_close_conn(struct hub *h, struct hub_conn *c, int status, const char *reason);
/* Drop l's pending event messages from index `from` on. */
void hub_live_drop_pending(struct live *l, size_t from);
void hub_live_free(struct live *l); /* NULL-safe */

/* hub_load.c: fold the log of `id` into a fresh meeting and replace l's
 * state with it; on failure l is left as it was. */
int hub_live_reload(struct hub *h, struct live *l, const char *id);
/* Make room in l->seats for every participant (participants only grow). */
int hub_live_fit(struct live *l);
/* Start the grace period of participant `pidx`, whose last connection went;
 * nothing when one is running already. */
void hub_leave_later(struct live *l, uint32_t pidx, int64_t now);

/* hub_turn.c: does a member (not the bureau) of l get events of type `t`
 * abridged (vote.opened and vote.closed of a large meeting)? */
bool hub_abridged(const struct live *l, int t);

/* hub_conn.c: write the arrival (join) or departure of participant `pidx`
 * of l in a command of its own, no reply to anyone. */
int hub_presence(struct hub *h, struct live *l, uint32_t pidx, bool join, int64_t now);
/* The summary line of connection churn, once log_interval_s has passed
 * since the first of it (or at once when `force`). */
void hub_log_churn(struct hub *h, int64_t now, bool force);

/* The live meeting `id`, loaded from the log on first use (folding and
 * verifying the chain). ERR_NOT_FOUND when there is no such meeting. */
int hub_live(struct hub *h, const char *id, struct live **out);

/* Forget a live meeting whose creation was rolled back. */
void hub_unload(struct hub *h, struct live *l);

/* New personal links for the participants `pids` of l (everyone when
 * pids->n == 0), in a command of their own: each one's earlier links are
 * revoked, tokens[i] gets the i-th new token, invitation.issued is written,
 * and the holders of replaced links are disconnected. 0, or the error with
 * nothing changed (hub_issue_error() says it in words). */
int hub_issue_links(struct hub *h, struct live *l, const struct strlist *pids, int64_t now,
                    char (*tokens)[SEC_TOKEN_LEN + 1], int *replaced);
const char *hub_issue_error(int rc);

/* The role of `pid` in l may have changed (participant.edited): their
 * connections take their place among the bureau's, or leave it. */
void hub_role_changed(struct live *l, const char *pid);

/* Undo in memory what a failed turn wrote to `l` after `mark` (its queued
 * messages, its state: rebuilt from the log), the store being rolled back. */
void hub_undo(struct hub *h, struct live *l, size_t mark);

/* Open the turn's transaction if needed, then a savepoint for one command. */
int hub_begin(struct hub *h);

/* Write the events of `evs` (already applied to live->m) to the log and
 * queue their messages for the fan-out. On failure the caller must call
 * hub_abort(). */
int hub_write_events(struct hub *h, struct live *l, const struct evlist *evs);

/* End one command: keep (ok) or undo (rc < 0) its writes; on undo, rebuild
 * the meetings it touched from the log and drop their queued messages past
 * `mark` (live->npending before the command). */
void hub_end(struct hub *h, struct live *l, size_t mark, int rc);

/* Queue an HTTP answer for the end of the turn; steals `body`. */
void hub_http_answer(struct hub *h, void *req, int status, char *body);

/* The same with a JSON value (steals `v`); 500 internal when it cannot be
 * written out. */
struct pj;
void hub_http_json(struct hub *h, void *req, int status, struct pj *v);

/* Queue a document to download for the end of the turn; steals `body`. */
void hub_http_file(struct hub *h, void *req, char *body, size_t len, const char *ctype,
                   const char *filename);

/* The record routes: GET /api/meetings/M/record/FILE and /minutes. */
/* /api/meetings/M/convocations[/P/FILE] (admin): seg[0] is "convocations". */
void hub_convocations_route(struct hub *h, void *req, struct live *l, const char *method,
                            char **seg, size_t n, const char *body, size_t len, int64_t now);
/* At the turn's end: write the outcomes the mailer reported (before the
 * commit), then hand this turn's messages to the mailer if the turn was
 * committed, or drop them. */
void hub_convocations_poll(struct hub *h);
void hub_convocations_flush(struct hub *h, bool committed);

void hub_record_route(struct hub *h, void *req, struct live *l, const char *file);
void hub_minutes_route(struct hub *h, void *req, struct live *l);
/* Answer the meeting's snapshot (api.c). */
void hub_snapshot_answer(struct hub *h, void *req, int status, struct live *l);
/* Documents on agenda items (documents.c); `actor` is "admin" or the
 * participant (of the bureau) who acts. */
void hub_document_upload(struct hub *h, void *req, struct live *l, const char *actor,
                         const char *item, const char *name, const char *body, size_t len,
                         int64_t now);
void hub_document_remove(struct hub *h, void *req, struct live *l, const char *actor,
                         const char *item, const char *sha, int64_t now);
void hub_document_get(struct hub *h, void *req, struct live *l, const char *sha);
void hub_record_free(struct record_files *f); /* NULL-safe */
/* At the end of a turn, after its commit (rc): answer the requests whose
 * files the worker made, and hand it the jobs of this turn (or fail them
 * when the commit failed). Nothing without a worker. */
void hub_record_turn(struct hub *h, int rc);
/* A request went away: its job goes on, for the cache and the others. */
void hub_record_gone(struct hub *h, void *req);
void hub_record_jobs_free(struct hub *h);

/* A list of meeting ids, filled by hub_id_row() (a store_commission_meetings
 * callback): read first, then walked, since walking reads the store again. */
struct hub_ids {
    char (*v)[ID_MAX];
    size_t n;
};
int hub_id_row(void *ctx, const char *id);

/* The later meeting of `prev`'s commission, and its item, that approved
 * prev's minutes (minutes.approved_previous); ERR_NOT_FOUND when none. */
int hub_approval_find(struct hub *h, const struct meeting *prev, struct live **by, int32_t *item);

/* minutes.approve_previous: put in `cmd` what the earlier record is (its
 * SHA-256, events, head and date), for core to write; refuse when the
 * earlier minutes are not finalised (bad_state) or already approved
 * (conflict). Leaves a command core will refuse anyway untouched. */
int hub_approval_prepare(struct hub *h, struct live *l, struct cmd *cmd);

/* Queue an HTTP error answer for the end of the turn. */
void hub_http_fail(struct hub *h, void *req, int code, const char *message);

int hub_pending_push(struct hub *h, const struct pending *p);

/* Run a vote command: secret ballots and their counts, then core.
 * owner_key: the sending connection's (sec_owner_key), for secret ballots. */
int hub_vote_handle(struct hub *h, struct live *l, const struct cmd *cmd, const char *actor,
                    const uint8_t owner_key[SEC_HASH_LEN], int64_t now, struct evlist *evs);
/* Delete what is left of the ballots of cancelled secret votes (at load). */
int hub_drop_cancelled_ballots(struct hub *h);
/* Close the votes whose deadline passed. */
void hub_expire_votes(struct hub *h, int64_t now);
/* Send the coalesced `count` messages of open votes and `attendance`
 * messages of large meetings. */
void hub_send_counts(struct hub *h, int64_t now);

/* Who receives an event of type `t` in meeting `l`. */
enum vis hub_visibility(const struct live *l, int t);

/* Close every connection of participant `pid` in `l` (revoked token). */
/* groups.c: working groups, and actions across meetings */
bool hub_college_listed(const char *csv, const char *college); /* api.c */

/* A member as the secretariat wrote them (a JSON body or a roster line),
 * read by hub_member_words() (api.c), the one rule for every route that
 * takes a member: the name, and the college, role and language in French or
 * English, any case (roster.c). On success m->college is the commission's
 * spelling ("" for none), m->role and m->lang the protocol's words (lang
 * "fr" when none is given); otherwise ERR_INVALID with the field at fault, a
 * stable reason code (PROTOCOL.md 3) and m->why, a sentence quoting the
 * refused word. */
struct hub_member_words {
    char college[ID_MAX];
    char email[256]; /* trimmed; "" for none */
    const char *role;
    const char *lang; /* "fr" or "en" */
    const char *field, *reason;
    char why[160];
};
int hub_member_words(const char *colleges, const char *name, const char *college_word,
                     const char *role_word, const char *email, const char *lang_word,
                     struct hub_member_words *m);
/* {"id","name","college","role"} of a roster entry (new). */
struct pj *hub_member_json(const char *id, const char *name, const char *college,
                           const char *role);
/* An error answer that says where the fault is: `line` from 1 (0: none),
 * `field` and `reason` NULL when none (http.error.json). */
void hub_fail_at(struct hub *h, void *req, int code, const char *message, size_t line,
                 const char *field, const char *reason);
/* POST and DELETE /api/commissions/C/members/P (roster.c). */
void hub_member_route(struct hub *h, void *req, const char *method, const char *cid,
                      const char *pid, const char *body, size_t len, int64_t now);
/* Working groups and a member leaving the roster (groups.c): the name of
 * the first group `pid` leads into name[cap] (0, or ERR_NOT_FOUND when
 * none); and, inside the caller's transaction, `pid` dropped from the
 * members of every group, the ids of the groups changed into *changed. */
int hub_group_led_by(struct hub *h, const char *cid, const char *pid, char *name, size_t cap);
int hub_groups_drop_member(struct hub *h, const char *cid, const char *pid, int64_t now,
                           struct strlist *changed);
/* Does `owner` own an action still to be done in the commission (the list
 * of GET .../actions)? 0 with *owned set, or an error. */
int hub_owns_open_actions(struct hub *h, const char *cid, const char *owner, bool *owned);
void hub_groups_list(struct hub *h, void *req, const char *cid);
void hub_group_put(struct hub *h, void *req, const char *cid, const char *gid, const char *body,
                   size_t len, int64_t now);
void hub_open_actions(struct hub *h, void *req, const char *cid);
/* action.record: the name of the working group the owner names, into
 * cmd->b.name (core's not_found when it is no participant and no group). */
int hub_action_owner(struct hub *h, struct live *l, struct cmd *cmd);
/* Carry the open actions of `prev` into l's agenda (meeting_carry_actions). */
int hub_carry_actions(struct hub *h, struct live *l, struct live *prev, int64_t now,
                      struct evlist *evs);

void hub_kick(struct hub *h, struct live *l, const char *pid, const char *why);

/* api.c: starting a meeting's agenda (from-previous, from-template). An
 * item to add as the secretariat (strings borrowed; NULL for none). */
struct hub_item_copy {
    const char *title, *description, *presenter, *kind;
    int64_t duration, speaking; /* seconds */
};
/* Add `src` at the end of l's agenda (under `parent`, "" for the top level)
 * with agenda.item_added, actor admin, unless an item of that title is
 * there at that level already: then nothing is added. id gets the item now
 * holding a top-level title (so that its sub-items go under it), "" for a
 * sub-item already there. */
int hub_agenda_copy(struct live *l, const struct hub_item_copy *src, const char *parent,
                    int64_t now, struct evlist *evs, char id[ID_MAX]);
/* In one transaction: when `prev` (the commission's previous meeting, or
 * NULL) waits for its minutes to be approved, the item approving them,
 * first; the items `add` adds; then the actions of `prev` still open under
 * the follow-up item. Answers the snapshot, or the error (nothing written).
 * `from` names the source in the server's log. */
void hub_agenda_start(struct hub *h, void *req, struct live *l, struct live *prev,
                      int (*add)(void *ctx, struct live *l, int64_t now, struct evlist *evs),
                      void *ctx, const char *from, int64_t now);

/* template.c: a commission's agenda template (PROTOCOL.md 3.8) */
void hub_template_route(struct hub *h, void *req, const char *cid, const char *method,
                        const char *body, size_t len, int64_t now);
void hub_template_get_for(struct hub *h, void *req, struct live *l);
void hub_agenda_from_template(struct hub *h, void *req, struct live *l, int64_t now);

#endif
