/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * hub.c - connections, commands and the loop turn (see hub.h).
 *
 * A turn: net/ delivers every message that arrived, each handled at once
 * (decoded, checked, applied in memory, written inside the turn's open
 * transaction under a savepoint); then hub_flush() commits once and sends,
 * in this order: the turn's events to every connection already welcomed,
 * then the replies (ok, welcome, HTTP) in the order their requests came.
 * A reply that needs no write (an error, a pong) is sent at once: it
 * promises nothing about durability.
 *
 * The chain head and the folded state move forward as commands are handled,
 * before the commit; a failed command or commit rebuilds them from the log,
 * which is always the truth.
 *
 * The log: every refused command and hello and every lifecycle step has its
 * line, but connections come and go by thousands (a join storm of ten
 * thousand members wrote forty thousand lines: connected, joined, left,
 * closed); they are counted and summed up in one line at most every
 * log_interval_s, unless log_connections asks for a line each.
 */
#define _POSIX_C_SOURCE 200809L
#include "hub_impl.h"

#include "../mail/mail.h"

#include "../crypto/sec.h"
#include "../err.h"
#include "../log.h"
#include "../proto/pj.h"
#include "../proto/proto.h"
#include "../store/store.h"
#include "../store/wal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct msg *
msg_new(const char *text, size_t len)
{
    struct msg *m = malloc(sizeof(*m) + MSG_PRE + len + 1);
    if (!m) {
        return NULL;
    }
    atomic_init(&m->refs, 1);
    m->len = (uint32_t)len;
    m->vis = VIS_ALL;
    m->part = MSG_PART_WHOLE;
    m->writer = 0;
    memcpy(m->buf + MSG_PRE, text, len);
    m->buf[MSG_PRE + len] = 0;
    return m;
}

void
msg_ref(struct msg *m)
{
    atomic_fetch_add_explicit(&m->refs, 1, memory_order_relaxed);
}

void
msg_unref(struct msg *m)
{
    if (m && atomic_fetch_sub_explicit(&m->refs, 1, memory_order_acq_rel) == 1) {
        free(m);
    }
}

/* Send a text (stolen) once to one connection, as a whole message or as the
 * part `part` of one. */
static void
send_part(struct hub *h, struct hub_conn *c, char *text, enum msg_part part)
{
    if (!text || !c || c->closing) {
        free(text);
        return;
    }
    struct msg *m = msg_new(text, strlen(text));
    free(text);
    if (m) {
        m->part = (uint8_t)part;
        h->io.send(h->io.ctx, c->net, m);
        msg_unref(m);
    }
}

static void
send_text(struct hub *h, struct hub_conn *c, char *text)
{
    send_part(h, c, text, MSG_PART_WHOLE);
}

static void
send_error(struct hub *h, struct hub_conn *c, const char *id, int code, const char *message)
{
    if (code < 0 && code > -ERR_COUNT_) {
        h->metrics.errors[-code]++;
    }
    send_text(h, c, proto_error(id, code, message));
}

static void
close_conn(struct hub *h, struct hub_conn *c, int status, const char *reason)
{
    if (!c->closing) {
        c->closing = true;
        h->io.close(h->io.ctx, c->net, status, reason);
    }
}

struct hub *
hub_new(struct store *st, const struct hub_config *cfg, const struct hub_io *io)
{
    struct hub *h = calloc(1, sizeof(*h));
    if (!h) {
        return NULL;
    }
    h->st = st;
    h->cfg = *cfg;
    h->io = *io;
    if (h->cfg.log_interval_s <= 0) {
        h->cfg.log_interval_s = 10;
    }
    return h;
}

/* Count one step of connection churn, starting the summary's period. */
static void
churn(struct hub *h, uint64_t *counter)
{
    if (!h->churn.since) {
        h->churn.since = h->now ? h->now : 1;
    }
    (*counter)++;
}

/* The summary of connection churn, once log_interval_s has passed since the
 * first of it (or at once when `force`): one line, then the counts start
 * again. Nothing when nothing came and went. */
static void
log_churn(struct hub *h, int64_t now, bool force)
{
    if (!h->churn.since ||
        (!force && now - h->churn.since < (int64_t)h->cfg.log_interval_s * 1000)) {
        return;
    }
    int64_t s = (now - h->churn.since + 500) / 1000;
    log_line(LOG_INFO,
             "connections: +%" PRIu64 " -%" PRIu64 " in %" PRId64 " s, %zu open; participants: "
             "%" PRIu64 " joined, %" PRIu64 " left",
             h->churn.opened, h->churn.closed, s, h->nconns, h->churn.joined, h->churn.left);
    memset(&h->churn, 0, sizeof(h->churn));
}

static void
live_drop_pending(struct live *l, size_t from)
{
    for (size_t i = from; i < l->npending; i++) {
        msg_unref(l->pending[i]);
    }
    l->npending = from < l->npending ? from : l->npending;
}

static void
live_free(struct live *l)
{
    if (!l) {
        return;
    }
    live_drop_pending(l, 0);
    hub_record_free(l->files);
    free(l->minutes);
    msg_unref(l->snap[0]);
    msg_unref(l->snap[1]);
    free(l->speakers_sent);
    free(l->pending);
    free(l->seats);
    meeting_free(l->m);
    free(l);
}

void
hub_free(struct hub *h)
{
    if (!h) {
        return;
    }
    log_churn(h, h->now, true);
    for (size_t i = 0; i < h->npend; i++) {
        free(h->pend[i].body);
    }
    free(h->pend);
    hub_convocations_flush(h, false);
    free(h->outbox);
    mailer_free(h->mailer);
    hub_record_jobs_free(h);
    struct live *l = h->lives;
    while (l) {
        struct live *next = l->next;
        live_free(l);
        l = next;
    }
    free(h);
}

size_t
hub_connections(const struct hub *h)
{
    return h->nconns;
}

/* --- loading a meeting from its log ------------------------------------ */

static int live_fit(struct live *l);
static void leave_later(struct live *l, uint32_t pidx, int64_t now);

struct fold {
    struct meeting *m;
    uint8_t head[HASH_LEN];
    int64_t seq_err;
};

static int
fold_row(void *ctx, const struct store_row *row)
{
    struct fold *f = ctx;
    struct event ev;
    memset(&ev, 0, sizeof(ev));
    f->seq_err = (int64_t)row->seq;
    int type = proto_event_type(row->type);
    if (type < 0 || strlen(row->actor) >= ID_MAX) {
        return ERR_STORAGE;
    }
    ev.type = (enum ev_type)type;
    ev.seq = row->seq;
    ev.ts = row->ts;
    strcpy(ev.actor, row->actor);
    int rc = proto_decode_event_body(ev.type, row->body, row->body_len, &ev);
    if (rc) {
        return ERR_STORAGE;
    }
    size_t plen;
    char *pre = proto_chain_preimage(f->m->id, row->seq, row->ts, row->actor, row->type, row->body,
                                     row->body_len, &plen);
    if (!pre) {
        event_clear(&ev);
        return ERR_NOMEM;
    }
    uint8_t next[HASH_LEN];
    sec_chain_hash(f->head, (const uint8_t *)pre, plen, next);
    free(pre);
    if (!sec_equal(next, row->hash, HASH_LEN)) {
        event_clear(&ev);
        return ERR_STORAGE;
    }
    memcpy(f->head, next, HASH_LEN);
    rc = meeting_apply(f->m, &ev);
    event_clear(&ev);
    return rc ? ERR_STORAGE : 0;
}

/* Fold the log of l->m->id into a fresh meeting; replace l's state on success. */
static int
live_reload(struct hub *h, struct live *l, const char *id)
{
    struct fold f = {.m = meeting_new(id)};
    if (!f.m) {
        return ERR_NOMEM;
    }
    int rc = store_events(h->st, id, 0, fold_row, &f);
    if (rc) {
        log_line(LOG_ERROR, "meeting %s: log unreadable or chain broken at seq %" PRId64 " (%s)",
                 id, f.seq_err, err_str(rc));
        meeting_free(f.m);
        return rc;
    }
    struct meeting *old = l->m;
    l->m = f.m;
    if (live_fit(l)) {
        l->m = old;
        meeting_free(f.m);
        return ERR_NOMEM;
    }
    meeting_free(old);
    memcpy(l->head, f.head, HASH_LEN);
    return 0;
}

int
hub_live(struct hub *h, const char *id, struct live **out)
{
    *out = NULL;
    if (!id_valid(id)) {
        return ERR_NOT_FOUND;
    }
    for (struct live *l = h->lives; l; l = l->next) {
        if (strcmp(l->m->id, id) == 0) {
            *out = l;
            return 0;
        }
    }
    char commission[33];
    int rc = store_meeting_get(h->st, id, commission);
    if (rc) {
        return rc;
    }
    struct live *l = calloc(1, sizeof(*l));
    if (!l) {
        return ERR_NOMEM;
    }
    if ((rc = live_reload(h, l, id))) {
        live_free(l);
        return rc;
    }
    /* Those the log shows connected lost their connection when the server
     * stopped: give them the grace period to come back, as for any drop. */
    for (size_t i = 0; i < l->m->nparts; i++) {
        if (l->m->parts[i].present) {
            leave_later(l, (uint32_t)i, h->now);
        }
    }
    l->next = h->lives;
    h->lives = l;
    *out = l;
    return 0;
}

void
hub_unload(struct hub *h, struct live *l)
{
    struct live **pp = &h->lives;
    while (*pp && *pp != l) {
        pp = &(*pp)->next;
    }
    if (*pp) {
        *pp = l->next;
    }
    live_free(l);
}

static int
load_one(void *ctx, const char *id)
{
    struct hub *h = ctx;
    struct live *l;
    if (hub_live(h, id, &l) == 0) {
        h->loaded++;
    }
    return 0; /* one bad meeting does not stop the others */
}

int
hub_load_all(struct hub *h, int64_t now)
{
    h->now = now;
    h->loaded = 0;
    int rc = store_meetings(h->st, load_one, h);
    if (rc == 0 && (rc = hub_drop_cancelled_ballots(h))) {
        log_line(LOG_ERROR, "cannot delete the ballots of cancelled secret votes: %s", err_str(rc));
        rc = 0; /* they are never counted; the next start tries again */
    }
    wal_truncate_soon(h->cfg.wal);
    return rc ? rc : h->loaded;
}

/* Make room in l->seats for every participant (participants only grow). */
static int
live_fit(struct live *l)
{
    if (l->m->nparts <= l->nseats) {
        return 0;
    }
    size_t cap = l->m->nparts * 2;
    struct seat *v = realloc(l->seats, cap * sizeof(*v));
    if (!v) {
        return ERR_NOMEM;
    }
    memset(v + l->nseats, 0, (cap - l->nseats) * sizeof(*v));
    l->seats = v;
    l->nseats = cap;
    return 0;
}

static void
leave_later(struct live *l, uint32_t pidx, int64_t now)
{
    struct seat *s = &l->seats[pidx];
    if (s->leave_at) {
        return;
    }
    s->leave_at = now + l->m->set.grace_s * 1000;
    if (l->nleaving++ == 0 || s->leave_at < l->next_leave) {
        l->next_leave = s->leave_at;
    }
}

/* --- the turn ------------------------------------------------------------- */

int
hub_begin(struct hub *h)
{
    int rc = 0;
    if (!store_in_transaction(h->st) && (rc = store_begin(h->st))) {
        return rc;
    }
    return store_savepoint(h->st);
}

/* Does a member (not the bureau) of this meeting get events of type `t`
 * abridged? vote.opened and vote.closed in a large meeting: their lists of
 * members entitled, present and (named vote) voting are hundreds of KB at
 * ten thousand members, sent to each of them, and took seconds to reach
 * everyone (bench/results/README.md); a member's page needs only the counts
 * and the outcome. */
static bool
abridged(const struct live *l, int t)
{
    return l->m->nparts > LARGE_MEETING && proto_event_abridgeable((enum ev_type)t);
}

/* Queue the message of one recorded event (`body`, chain hash `hex`) for
 * the turn's end: the full body for the bureau; members of a large meeting
 * get a vote.opened or vote.closed without its lists (see abridged()) as a
 * second message. 0 or ERR_NOMEM. */
static int
pending_event(struct live *l, const struct event *ev, const char *type, const char *body,
              const char *hex, enum vis vis)
{
    bool abridge = abridged(l, ev->type);
    char *short_body = abridge ? proto_event_body_abridged(ev->type, body) : NULL;
    char *text = proto_event_msg(l->m->id, ev->seq, ev->ts, ev->actor, type, body, hex);
    char *short_text = short_body ? proto_event_msg(l->m->id, ev->seq, ev->ts, ev->actor, type,
                                                    short_body, hex)
                                  : NULL;
    free(short_body);
    struct msg *m = text ? msg_new(text, strlen(text)) : NULL;
    struct msg *m2 = short_text ? msg_new(short_text, strlen(short_text)) : NULL;
    free(text);
    free(short_text);
    if (!m || (abridge && !m2)) {
        msg_unref(m);
        msg_unref(m2);
        return ERR_NOMEM;
    }
    m->vis = (uint8_t)(abridge ? VIS_BUREAU : vis);
    if (m2) {
        m2->vis = VIS_OTHERS;
    }
    if (l->npending + 2 > l->cappending) {
        size_t cap = l->cappending ? l->cappending * 2 : 16;
        struct msg **v = realloc(l->pending, cap * sizeof(*v));
        if (!v) {
            msg_unref(m);
            msg_unref(m2);
            return ERR_NOMEM;
        }
        l->pending = v;
        l->cappending = cap;
    }
    l->pending[l->npending++] = m;
    if (m2) {
        l->pending[l->npending++] = m2;
    }
    return 0;
}

int
hub_write_events(struct hub *h, struct live *l, const struct evlist *evs)
{
    char hex[2 * HASH_LEN + 1];
    l->touched = true;
    for (size_t i = 0; i < evs->len; i++) {
        const struct event *ev = &evs->v[i];
        const char *type = proto_event_name(ev->type);
        char *body = proto_event_body(ev);
        size_t plen;
        char *pre = body ? proto_chain_preimage(l->m->id, ev->seq, ev->ts, ev->actor, type, body,
                                                strlen(body), &plen)
                         : NULL;
        if (!pre) {
            free(body);
            return ERR_NOMEM;
        }
        uint8_t next[HASH_LEN];
        sec_chain_hash(l->head, (const uint8_t *)pre, plen, next);
        free(pre);
        int rc = store_append(h->st, l->m->id, ev->seq, ev->ts, ev->actor, type, body, next);
        if (rc) {
            free(body);
            return rc == ERR_CONFLICT ? ERR_STORAGE : rc;
        }
        memcpy(l->head, next, HASH_LEN);
        h->turn_events++;
        enum vis vis = hub_visibility(l, ev->type);
        if (ev->type == EV_PARTICIPANT_JOINED || ev->type == EV_PARTICIPANT_LEFT ||
            ev->type == EV_ATTENDANCE_MARKED) {
            l->attendance_dirty = l->m->nparts > LARGE_MEETING;
        }
        if ((ev->type >= EV_SPEAKER_REQUESTED && ev->type <= EV_SPEAKER_LIST_REOPENED) ||
            (ev->type >= EV_AGENDA_ITEM_OPENED && ev->type <= EV_AGENDA_ITEM_POSTPONED) ||
            ev->type == EV_MEETING_CONFIGURED) {
            l->speakers_dirty = true;
        }
        if (vis == VIS_NONE) {
            /* ballot.cast: clients follow the vote through `count` messages. */
            free(body);
            l->count_dirty = true;
            continue;
        }
        sec_hex(next, HASH_LEN, hex);
        rc = pending_event(l, ev, type, body, hex, vis);
        free(body);
        if (rc) {
            return rc;
        }
    }
    return live_fit(l);
}

void
hub_undo(struct hub *h, struct live *l, size_t mark)
{
    live_drop_pending(l, mark);
    if (live_reload(h, l, l->m->id)) {
        log_line(LOG_ERROR, "meeting %s: cannot rebuild after a failed write", l->m->id);
    }
}

void
hub_end(struct hub *h, struct live *l, size_t mark, int rc)
{
    if (rc == 0) {
        store_release(h->st);
        return;
    }
    store_rollback_savepoint(h->st);
    if (l) {
        hub_undo(h, l, mark);
    }
}

int
hub_pending_push(struct hub *h, const struct pending *p)
{
    if (h->npend == h->cappend) {
        size_t cap = h->cappend ? h->cappend * 2 : 64;
        struct pending *v = realloc(h->pend, cap * sizeof(*v));
        if (!v) {
            return ERR_NOMEM;
        }
        h->pend = v;
        h->cappend = cap;
    }
    h->pend[h->npend++] = *p;
    return 0;
}

void
hub_http_json(struct hub *h, void *req, int status, struct pj *v)
{
    char *s = pj_dump(v);
    pj_free(v);
    if (!s) {
        hub_http_fail(h, req, ERR_NOMEM, NULL);
        return;
    }
    hub_http_answer(h, req, status, s);
}

void
hub_http_answer(struct hub *h, void *req, int status, char *body)
{
    struct pending p = {.kind = P_HTTP, .req = req, .status = status, .body = body};
    if (!body || hub_pending_push(h, &p)) {
        free(body);
        const char *oom = "{\"error\":{\"code\":\"no_memory\",\"message\":\"out of memory\"}}";
        h->io.http(h->io.ctx, req, 503, oom, strlen(oom));
    }
}

void
hub_http_file(struct hub *h, void *req, char *body, size_t len, const char *ctype,
              const char *filename)
{
    struct pending p = {.kind = P_HTTP, .req = req, .status = 200, .body = body,
                        .body_len = len, .ctype = ctype};
    snprintf(p.filename, sizeof(p.filename), "%s", filename);
    if (!body || hub_pending_push(h, &p)) {
        free(body);
        hub_http_fail(h, req, ERR_NOMEM, NULL);
    }
}

void
hub_http_fail(struct hub *h, void *req, int code, const char *message)
{
    if (code < 0 && code > -ERR_COUNT_) {
        h->metrics.errors[-code]++;
    }
    hub_http_answer(h, req, err_http_status(code), proto_http_error(code, message));
}

void
hub_http_gone(struct hub *h, void *req)
{
    for (size_t i = 0; i < h->npend; i++) {
        if (h->pend[i].kind == P_HTTP && h->pend[i].req == req) {
            h->pend[i].req = NULL;
        }
    }
    hub_record_gone(h, req);
}

/* --- connections ------------------------------------------------------------ */

struct hub_conn *
hub_connect(struct hub *h, void *net, const char *meeting, const char *peer)
{
    struct hub_conn *c = calloc(1, sizeof(*c));
    if (!c) {
        return NULL;
    }
    c->net = net;
    snprintf(c->meeting, sizeof(c->meeting), "%s", id_valid(meeting) ? meeting : "");
    snprintf(c->peer, sizeof(c->peer), "%s", peer ? peer : "?");
    h->nconns++;
    if (h->cfg.log_connections) {
        log_line(LOG_INFO, "connection from %s to meeting %s", c->peer,
                 c->meeting[0] ? c->meeting : "(invalid)");
    } else {
        churn(h, &h->churn.opened);
    }
    return c;
}

static void
forget_conn(struct hub *h, struct hub_conn *c)
{
    for (size_t i = 0; i < h->npend; i++) {
        if (h->pend[i].c == c) {
            h->pend[i].c = NULL;
        }
    }
}

/* The chair and the secretary come first in l->conns, so that a message for
 * the bureau alone (an arrival in a large meeting) walks two connections,
 * not ten thousand. */
static void
attach(struct live *l, struct hub_conn *c)
{
    struct hub_conn *after = c->bureau ? NULL : l->bureau_last;
    c->live = l;
    c->prev = after;
    c->next = after ? after->next : l->conns;
    if (c->next) {
        c->next->prev = c;
    }
    if (after) {
        after->next = c;
    } else {
        l->conns = c;
    }
    if (c->bureau && !l->bureau_last) {
        l->bureau_last = c;
    }
}

static void
detach(struct hub_conn *c)
{
    struct live *l = c->live;
    if (c == l->bureau_last) {
        l->bureau_last = c->prev; /* a bureau connection, or NULL */
    }
    if (c->prev) {
        c->prev->next = c->next;
    } else {
        l->conns = c->next;
    }
    if (c->next) {
        c->next->prev = c->prev;
    }
    c->prev = c->next = NULL;
}

void
hub_role_changed(struct live *l, const char *pid)
{
    struct hub_conn *moved = NULL; /* linked through next while they are out */
    for (struct hub_conn *c = l->conns, *next; c; c = next) {
        next = c->next;
        const struct participant *p = &l->m->parts[c->pidx];
        bool bureau = p->role == ROLE_CHAIR || p->role == ROLE_SECRETARY;
        if (strcmp(p->id, pid) == 0 && bureau != c->bureau) {
            detach(c);
            c->bureau = bureau;
            c->next = moved;
            moved = c;
        }
    }
    for (struct hub_conn *c = moved, *next; c; c = next) {
        next = c->next;
        attach(l, c);
    }
}

/* Write join/leave for participant index `pidx` of `l` (no reply to anyone). */
static int
presence(struct hub *h, struct live *l, uint32_t pidx, bool join, int64_t now)
{
    struct evlist evs = {0};
    size_t mark = l->npending;
    int rc = hub_begin(h);
    if (rc) {
        if (store_in_transaction(h->st)) {
            store_rollback_savepoint(h->st);
        }
        return rc;
    }
    const char *pid = l->m->parts[pidx].id;
    rc = join ? meeting_join(l->m, pid, now, &evs) : meeting_leave(l->m, pid, now, &evs);
    if (rc == 0) {
        rc = hub_write_events(h, l, &evs);
    }
    hub_end(h, l, mark, rc || evs.len == 0 ? (rc ? rc : 0) : 0);
    evlist_clear(&evs);
    return rc;
}

static void
do_hello(struct hub *h, struct hub_conn *c, struct cmd *cmd, int64_t now)
{
    uint8_t hash[SEC_HASH_LEN];
    struct store_token tok;
    struct live *l = NULL;
    int rc;
    if (c->live) {
        send_error(h, c, cmd->id, ERR_BAD_STATE, "hello was already accepted");
        return;
    }
    rc = sec_token_hash(cmd->b.token, strlen(cmd->b.token), hash);
    if (rc == 0) {
        rc = store_token_find(h->st, hash, &tok);
    }
    if (rc == 0) {
        sec_owner_key(cmd->b.token, strlen(cmd->b.token), c->owner_key);
    }
    /* The lookup is by hash; the comparison that decides is constant-time. */
    if (rc == 0 && (!sec_equal(hash, tok.hash, SEC_HASH_LEN) ||
                    strcmp(tok.kind, "invitation") != 0 || strcmp(tok.meeting, c->meeting) != 0)) {
        rc = ERR_BAD_TOKEN;
    }
    sec_wipe(hash, sizeof(hash));
    if (rc == 0) {
        rc = hub_live(h, c->meeting, &l);
        rc = rc == ERR_NOT_FOUND ? ERR_BAD_TOKEN : rc;
    }
    const struct participant *p = rc == 0 ? meeting_participant(l->m, tok.participant) : NULL;
    if (rc == 0 && !p) {
        rc = ERR_BAD_TOKEN;
    }
    if (rc) {
        log_line(LOG_WARN, "hello refused from %s for meeting %s: %s", c->peer,
                 c->meeting[0] ? c->meeting : "(invalid)", err_str(rc));
        send_error(h, c, cmd->id, rc, NULL);
        if (rc == ERR_BAD_TOKEN) {
            close_conn(h, c, 1008, "bad token");
        }
        return;
    }
    if ((rc = live_fit(l))) {
        send_error(h, c, cmd->id, rc, NULL);
        return;
    }
    c->pidx = (uint32_t)(p - l->m->parts);
    c->bureau = p->role == ROLE_CHAIR || p->role == ROLE_SECRETARY;
    attach(l, c);
    struct pending pw = {.kind = P_WELCOME, .c = c, .live = l, .has_since = (cmd->b.has & HAS_SINCE) != 0,
                         .since = cmd->b.since};
    memcpy(pw.id, cmd->id, sizeof(pw.id));
    if (hub_pending_push(h, &pw)) {
        detach(c);
        c->live = NULL;
        send_error(h, c, cmd->id, ERR_NOMEM, NULL);
        return;
    }
    if (h->cfg.log_connections) {
        log_line(LOG_INFO, "participant %s (%s) joined meeting %s from %s", p->id,
                 role_str(p->role), l->m->id, c->peer);
    } else {
        churn(h, &h->churn.joined);
    }
    struct seat *seat = &l->seats[c->pidx];
    if (seat->leave_at) {
        seat->leave_at = 0; /* back within the grace period: never left */
        l->nleaving--;
    }
    if (seat->conns++ == 0 && !p->present) {
        rc = presence(h, l, c->pidx, true, now);
        if (rc) {
            log_line(LOG_ERROR, "meeting %s: cannot record the arrival of %s: %s", l->m->id,
                     l->m->parts[c->pidx].id, err_str(rc));
        }
    }
}

/* A command with an idempotency key: `digest` gets the command's digest
 * (recorded with its reply). A key already used is answered here, with the
 * first outcome (replayed) or, when the key stood for another command, a
 * conflict; so is a failure to look it up. True when answered. */
static bool
answered_by_key(struct hub *h, struct hub_conn *c, struct cmd *cmd, const char *pid,
                struct pending *po, uint8_t digest[SEC_HASH_LEN])
{
    static const uint8_t unknown[SEC_HASH_LEN];
    struct live *l = c->live;
    uint8_t first[SEC_HASH_LEN];
    uint64_t seq;
    sec_digest((const uint8_t *)cmd->canon, strlen(cmd->canon), digest);
    int rc = store_reply_get(h->st, l->m->id, pid, cmd->key, &seq, first);
    if (rc == 0 && !sec_equal(first, digest, SEC_HASH_LEN) &&
        !sec_equal(first, unknown, SEC_HASH_LEN)) {
        /* The key stands for another command: answering with that one's
         * outcome would tell the client this one was done. */
        send_error(h, c, cmd->id, ERR_CONFLICT, "this key was already used for another command");
        return true;
    }
    if (rc == 0) {
        po->seq = seq;
        po->replayed = true;
        if (hub_pending_push(h, po)) {
            send_error(h, c, cmd->id, ERR_NOMEM, NULL);
        }
        return true;
    }
    if (rc != ERR_NOT_FOUND) {
        send_error(h, c, cmd->id, rc, NULL);
        return true;
    }
    return false;
}

static void
do_command(struct hub *h, struct hub_conn *c, struct cmd *cmd, int64_t now)
{
    struct live *l = c->live;
    char pid[ID_MAX]; /* a copy: a failed write rebuilds l->m, and its parts with it */
    snprintf(pid, sizeof(pid), "%s", l->m->parts[c->pidx].id);
    struct pending po = {.kind = P_OK, .c = c, .live = l};
    memcpy(po.id, cmd->id, sizeof(po.id));
    int rc;
    uint8_t digest[SEC_HASH_LEN] = {0};
    if (cmd->key[0] && answered_by_key(h, c, cmd, pid, &po, digest)) {
        return;
    }
    if (!perm_allowed(l->m->parts[c->pidx].role, cmd->type)) {
        rc = ERR_FORBIDDEN;
        goto refuse;
    }
    if (!cmd_mutates(cmd->type)) {
        rc = meeting_handle(l->m, cmd, pid, now, &(struct evlist){0});
        if (rc) {
            goto refuse;
        }
        send_text(h, c, proto_ok(cmd->id, l->m->seq, 0));
        return;
    }
    struct evlist evs = {0};
    size_t mark = l->npending;
    if ((rc = hub_begin(h))) {
        goto refuse;
    }
    if (cmd->type >= CMD_VOTE_OPEN && cmd->type <= CMD_VOTE_CANCEL) {
        rc = hub_vote_handle(h, l, cmd, pid, c->owner_key, now, &evs);
    } else if (cmd->type == CMD_MINUTES_APPROVE_PREVIOUS &&
               (rc = hub_approval_prepare(h, l, cmd)) != 0) {
        /* refused before core: nothing written */
    } else if ((rc = hub_action_owner(h, l, cmd)) == 0) {
        rc = meeting_handle(l->m, cmd, pid, now, &evs);
    }
    if (rc == 0) {
        rc = hub_write_events(h, l, &evs);
    }
    if (rc == 0) {
        rc = store_reply_put(h->st, l->m->id, pid, cmd->key, l->m->seq, digest);
    }
    /* A refused command changed nothing (core's rule): only events already
     * applied need the meeting rebuilt from the log when their write fails,
     * and a command that ran out of memory, whose event core dropped after
     * its fold had begun (meeting.c: the caller reloads). */
    hub_end(h, evs.len || rc == ERR_NOMEM ? l : NULL, mark, rc);
    evlist_clear(&evs);
    if (rc) {
        goto refuse;
    }
    po.seq = l->m->seq;
    if (hub_pending_push(h, &po)) {
        log_line(LOG_ERROR, "meeting %s: out of memory queueing an ok", l->m->id);
    }
    if (cmd->type <= CMD_MEETING_CLOSE || cmd->type == CMD_VOTE_OPEN ||
        cmd->type == CMD_MINUTES_APPROVE_PREVIOUS ||
        cmd->type == CMD_VOTE_CLOSE || cmd->type == CMD_VOTE_PUBLISH) {
        log_line(LOG_INFO, "meeting %s: %s by %s -> seq %" PRIu64, l->m->id,
                 proto_cmd_name(cmd->type), pid, l->m->seq);
    }
    return;
refuse:
    log_line(LOG_INFO, "meeting %s: %s by %s refused: %s", l->m->id, proto_cmd_name(cmd->type),
             pid, err_str(rc));
    send_error(h, c, cmd->id, rc, NULL);
}

void
hub_message(struct hub *h, struct hub_conn *c, const char *buf, size_t len, int64_t now)
{
    struct cmd cmd;
    h->now = now;
    if (c->closing) {
        return;
    }
    int rc = proto_decode_cmd(buf, len, &cmd);
    if (rc) {
        log_line(LOG_INFO, "message from %s refused: %s", c->peer, err_str(rc));
        send_error(h, c, cmd.id, rc, NULL);
        return;
    }
    if (cmd.type == CMD_HELLO) {
        do_hello(h, c, &cmd, now);
    } else if (!c->live) {
        send_error(h, c, cmd.id, ERR_NOT_AUTHENTICATED, NULL);
    } else if (cmd.type == CMD_PING) {
        send_text(h, c, proto_pong(cmd.id, now));
    } else {
        do_command(h, c, &cmd, now);
    }
    cmd_clear(&cmd);
}

void
hub_refuse(struct hub *h, struct hub_conn *c, int code, const char *message)
{
    send_error(h, c, "", code, message);
}

void
hub_too_large(struct hub *h, struct hub_conn *c)
{
    log_line(LOG_WARN, "message from %s over %d bytes: closing", c->peer, PROTO_MAX_MESSAGE);
    send_error(h, c, "", ERR_TOO_LARGE, "message over 65536 bytes");
    close_conn(h, c, 1009, "message too large");
}

void
hub_disconnect(struct hub *h, struct hub_conn *c, int64_t now)
{
    h->now = now;
    forget_conn(h, c);
    struct live *l = c->live;
    if (l) {
        detach(c);
        const char *pid = l->m->parts[c->pidx].id;
        if (h->cfg.log_connections) {
            log_line(LOG_INFO, "participant %s left meeting %s", pid, l->m->id);
        } else {
            churn(h, &h->churn.left);
        }
        if (--l->seats[c->pidx].conns == 0) {
            leave_later(l, c->pidx, now);
        }
    } else if (h->cfg.log_connections) {
        log_line(LOG_INFO, "connection from %s closed", c->peer);
    }
    if (!h->cfg.log_connections) {
        churn(h, &h->churn.closed);
    }
    h->nconns--;
    sec_wipe(c->owner_key, sizeof(c->owner_key));
    free(c);
}

void
hub_kick(struct hub *h, struct live *l, const char *pid, const char *why)
{
    for (struct hub_conn *c = l->conns; c; c = c->next) {
        if (strcmp(l->m->parts[c->pidx].id, pid) == 0 && !c->closing) {
            send_error(h, c, "", ERR_BAD_TOKEN, why);
            close_conn(h, c, 1008, why);
        }
    }
}

/* --- end of turn ------------------------------------------------------------- */

struct resume {
    struct hub *h;
    struct hub_conn *c;
    const char *meeting;
};

enum vis
hub_visibility(const struct live *l, int t)
{
    if (t == EV_BALLOT_CAST) {
        return VIS_NONE;
    }
    /* Ten thousand arrivals sent to ten thousand members would be a hundred
     * million messages: beyond LARGE_MEETING, members get `attendance`. */
    if ((t == EV_PARTICIPANT_JOINED || t == EV_PARTICIPANT_LEFT) &&
        l->m->nparts > LARGE_MEETING) {
        return VIS_BUREAU;
    }
    return VIS_ALL;
}

static bool
sees(const struct hub_conn *c, enum vis v)
{
    return v == VIS_ALL || (v == VIS_BUREAU && c->bureau) || (v == VIS_OTHERS && !c->bureau);
}

static int
resume_row(void *ctx, const struct store_row *row)
{
    struct resume *r = ctx;
    int t = proto_event_type(row->type);
    if (!sees(r->c, hub_visibility(r->c->live, t))) {
        return 0;
    }
    char hex[2 * HASH_LEN + 1];
    sec_hex(row->hash, HASH_LEN, hex);
    char *short_body = NULL;
    if (!r->c->bureau && abridged(r->c->live, t) &&
        !(short_body = proto_event_body_abridged((enum ev_type)t, row->body))) {
        return ERR_NOMEM;
    }
    char *text = proto_event_msg(r->meeting, row->seq, row->ts, row->actor, row->type,
                                 short_body ? short_body : row->body, hex);
    free(short_body);
    if (!text) {
        return ERR_NOMEM;
    }
    send_text(r->h, r->c, text);
    return 0;
}

static void
welcome(struct hub *h, struct pending *p, int64_t now)
{
    struct hub_conn *c = p->c;
    struct live *l = p->live;
    const struct participant *you = &l->m->parts[c->pidx];
    char hex[2 * HASH_LEN + 1], lang[8];
    uint64_t head = l->m->seq;
    /* the participant's language, for their page to start in it */
    if (store_member_lang(h->st, you->id, lang, sizeof(lang))) {
        lang[0] = '\0';
    }
    bool resume = p->has_since && (uint64_t)p->since <= head && head - (uint64_t)p->since <= RESUME_MAX;
    if (resume) {
        send_text(h, c, proto_welcome(p->id, l->m, you, lang, (uint64_t)p->since, now, NULL));
        struct resume r = {h, c, l->m->id};
        if (store_events(h->st, l->m->id, (uint64_t)p->since, resume_row, &r)) {
            close_conn(h, c, 1011, "cannot replay events");
            return;
        }
        c->welcomed = true;
        return;
    }
    /* Everyone welcomed at one seq shares one snapshot buffer, sent between
     * the head and the tail of each one's own welcome. */
    int light = l->m->nparts > LARGE_MEETING && !c->bureau;
    if (!l->snap[light] || l->snap_seq[light] != head) {
        sec_hex(l->head, HASH_LEN, hex);
        char *text = light ? proto_snapshot_light(l->m, hex) : proto_snapshot(l->m, hex);
        msg_unref(l->snap[light]);
        l->snap[light] = text ? msg_new(text, strlen(text)) : NULL;
        free(text);
        if (l->snap[light]) {
            l->snap[light]->part = MSG_PART_MIDDLE;
        }
        l->snap_seq[light] = head;
    }
    char *first = NULL, *last = NULL;
    if (!l->snap[light] || proto_welcome_parts(p->id, l->m, you, lang, head, now, &first, &last)) {
        send_error(h, c, p->id, ERR_NOMEM, NULL);
        close_conn(h, c, 1011, "out of memory");
        return;
    }
    send_part(h, c, first, MSG_PART_FIRST);
    if (!c->closing) {
        h->io.send(h->io.ctx, c->net, l->snap[light]);
    }
    send_part(h, c, last, MSG_PART_LAST);
    c->welcomed = true;
    /* the bureau's count of an open vote says who has not voted yet: a
     * chair who comes back gets it without waiting for the next ballot */
    for (size_t i = 0; c->bureau && i < l->m->nvotes; i++) {
        l->count_dirty = l->count_dirty || l->m->votes[i].state == VOTE_OPEN;
    }
}

/* Write the departures whose grace period is over. */
static void
expire_leaves(struct hub *h, int64_t now)
{
    for (struct live *l = h->lives; l; l = l->next) {
        if (!l->nleaving || now < l->next_leave) {
            continue;
        }
        int64_t next = 0;
        for (size_t i = 0; i < l->m->nparts; i++) {
            struct seat *s = &l->seats[i];
            if (!s->leave_at) {
                continue;
            }
            if (s->leave_at > now) {
                next = next && next < s->leave_at ? next : s->leave_at;
                continue;
            }
            s->leave_at = 0;
            l->nleaving--;
            int rc = presence(h, l, (uint32_t)i, false, now);
            if (rc) {
                log_line(LOG_ERROR, "meeting %s: cannot record the departure of %s: %s",
                         l->m->id, l->m->parts[i].id, err_str(rc));
            }
        }
        l->next_leave = next;
    }
}

/* The order of speakers to everyone, when it differs from the last one sent
 * (a change of the speaking time, say, leaves it as it was). The order is
 * the server's: clients show it rather than re-derive the fairness rules. */
static void
send_speakers(struct hub *h, struct live *l)
{
    char *text = proto_speakers_msg(l->m);
    if (!text || (l->speakers_sent && strcmp(text, l->speakers_sent) == 0)) {
        free(text);
        return;
    }
    struct msg *m = msg_new(text, strlen(text));
    free(l->speakers_sent);
    l->speakers_sent = m ? text : NULL;
    if (!m) {
        free(text);
    }
    for (struct hub_conn *c = l->conns; m && c; c = c->next) {
        if (c->welcomed && !c->closing) {
            h->io.send(h->io.ctx, c->net, m);
        }
    }
    msg_unref(m);
}

/* Commit the turn's transaction, if one is open, timing it for /metrics.
 * 0 or the commit's error. */
static int
flush_commit(struct hub *h)
{
    static const double bounds[COMMIT_BUCKETS] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                  0.05,   0.1,   0.25,   0.5,   1.0};
    if (!store_in_transaction(h->st)) {
        return 0;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = store_commit(h->st);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    struct hub_metrics *mt = &h->metrics;
    if (rc) {
        mt->commit_failures++;
    } else {
        mt->commits++;
        mt->events += h->turn_events;
        mt->commit_seconds += secs;
        for (int i = 0; i < COMMIT_BUCKETS; i++) {
            mt->commit_le[i] += secs <= bounds[i];
        }
    }
    return rc;
}

/* Send a meeting's pending event messages to every connection that may see
 * each: the bureau's connections come first in l->conns. */
static void
flush_pending(struct hub *h, struct live *l)
{
    for (size_t i = 0; i < l->npending; i++) {
        struct msg *m = l->pending[i];
        for (struct hub_conn *c = l->conns; c; c = c->next) {
            if (m->vis == VIS_BUREAU && !c->bureau) {
                break; /* the bureau comes first: nobody further sees it */
            }
            /* Ten thousand connections are ten thousand cache misses on
             * the list and as many in net/: ask for the next ones early. */
            if (c->next) {
                __builtin_prefetch(c->next->next);
                __builtin_prefetch(c->next->net);
            }
            if (c->welcomed && !c->closing && sees(c, m->vis)) {
                h->io.send(h->io.ctx, c->net, m);
            }
        }
    }
}

/* A meeting touched in this turn: after a failed commit (rc), its state is
 * reloaded from the log and its pending messages dropped; else they go out,
 * and the speaking order if it changed. */
static void
flush_live(struct hub *h, struct live *l, int rc)
{
    l->touched = false;
    bool speakers = l->speakers_dirty;
    l->speakers_dirty = false;
    if (rc) {
        live_drop_pending(l, 0);
        live_reload(h, l, l->m->id);
        /* Built within the failed turn, they may hold what was rolled back. */
        hub_record_free(l->files);
        l->files = NULL;
        free(l->minutes);
        l->minutes = NULL;
        return;
    }
    flush_pending(h, l);
    live_drop_pending(l, 0);
    if (speakers) {
        send_speakers(h, l);
    }
}

/* A reply held until the turn's commit: an ok, a welcome or an HTTP answer,
 * or, when the commit failed (rc), a storage error in its place (an HTTP
 * answer `settled` before the commit goes as it is). */
static void
flush_reply(struct hub *h, struct pending *p, int rc, int64_t now)
{
    switch (p->kind) {
    case P_OK:
        if (rc) {
            send_error(h, p->c, p->id, ERR_STORAGE, NULL);
        } else {
            send_text(h, p->c, proto_ok(p->id, p->seq, p->replayed));
        }
        break;
    case P_WELCOME:
        if (!p->c || p->c->closing) {
            break;
        }
        if (rc) {
            send_error(h, p->c, p->id, ERR_STORAGE, NULL);
            close_conn(h, p->c, 1011, "storage failed");
        } else {
            welcome(h, p, now);
        }
        break;
    case P_HTTP:
        if (p->req) {
            if (rc && !p->settled) {
                char *e = proto_http_error(ERR_STORAGE, NULL);
                h->io.http(h->io.ctx, p->req, 503, e ? e : "{}", e ? strlen(e) : 2);
                free(e);
            } else if (p->ctype && h->io.file) {
                h->io.file(h->io.ctx, p->req, p->body, p->body_len, p->ctype, p->filename);
            } else {
                h->io.http(h->io.ctx, p->req, p->status, p->body,
                           p->ctype ? p->body_len : strlen(p->body));
            }
        }
        free(p->body);
        break;
    }
}

/* The end of a turn: timers, the commit, then what the turn produced, in
 * order (events, then the replies they answer, then counts). */
int
hub_flush(struct hub *h, int64_t now)
{
    h->now = now;
    expire_leaves(h, now);
    hub_expire_votes(h, now);
    log_churn(h, now, false);
    hub_convocations_poll(h);
    int rc = flush_commit(h);
    h->turn_events = 0;
    /* On the WAL's own thread: a reader of the database must not stall the
     * meetings (wal.h). */
    if (h->checkpoint && rc == 0) {
        wal_truncate_soon(h->cfg.wal);
    }
    h->checkpoint = false;
    hub_convocations_flush(h, rc == 0);
    if (rc) {
        log_line(LOG_ERROR, "commit failed (%s): the turn is rolled back", err_str(rc));
    }
    for (struct live *l = h->lives; l; l = l->next) {
        if (l->touched) {
            flush_live(h, l, rc);
        }
    }
    hub_record_turn(h, rc);
    /* Replies may add sends but never pending entries: the list is stable. */
    for (size_t i = 0; i < h->npend; i++) {
        flush_reply(h, &h->pend[i], rc, now);
    }
    h->npend = 0;
    hub_send_counts(h, now);
    return rc;
}

/* --- metrics -------------------------------------------------------------- */

/* Resident memory from /proc/self/statm, in bytes; 0 when unavailable. */
static uint64_t
resident_bytes(void)
{
    unsigned long size = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f) {
        return 0;
    }
    if (fscanf(f, "%lu %lu", &size, &resident) != 2) {
        resident = 0;
    }
    fclose(f);
    return (uint64_t)resident * 4096u;
}

char *
hub_metrics_text(const struct hub *h, const char *extra)
{
    static const char *const bounds[COMMIT_BUCKETS] = {
        "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1"};
    const struct hub_metrics *mt = &h->metrics;
    size_t loaded = 0, open = 0;
    for (const struct live *l = h->lives; l; l = l->next) {
        loaded++;
        open += l->m->state == MEETING_OPEN || l->m->state == MEETING_SUSPENDED;
    }
    size_t cap = 8192 + (extra ? strlen(extra) : 0), n = 0;
    char *out = malloc(cap);
    if (!out) {
        return NULL;
    }
#define PUT(...) n += (size_t)snprintf(out + n, n < cap ? cap - n : 0, __VA_ARGS__)
    PUT("# HELP concerto_connections Open WebSocket connections.\n"
        "# TYPE concerto_connections gauge\nconcerto_connections %zu\n",
        h->nconns);
    PUT("# HELP concerto_meetings_loaded Meetings held in memory.\n"
        "# TYPE concerto_meetings_loaded gauge\nconcerto_meetings_loaded %zu\n",
        loaded);
    PUT("# HELP concerto_meetings_open Meetings open or suspended.\n"
        "# TYPE concerto_meetings_open gauge\nconcerto_meetings_open %zu\n",
        open);
    PUT("# HELP concerto_events_committed_total Events committed to the log.\n"
        "# TYPE concerto_events_committed_total counter\n"
        "concerto_events_committed_total %" PRIu64 "\n",
        mt->events);
    PUT("# HELP concerto_commit_failures_total Turns whose commit failed.\n"
        "# TYPE concerto_commit_failures_total counter\n"
        "concerto_commit_failures_total %" PRIu64 "\n",
        mt->commit_failures);
    PUT("# HELP concerto_commit_seconds Duration of each group commit.\n"
        "# TYPE concerto_commit_seconds histogram\n");
    for (int i = 0; i < COMMIT_BUCKETS; i++) {
        PUT("concerto_commit_seconds_bucket{le=\"%s\"} %" PRIu64 "\n", bounds[i],
            mt->commit_le[i]);
    }
    PUT("concerto_commit_seconds_bucket{le=\"+Inf\"} %" PRIu64 "\n"
        "concerto_commit_seconds_sum %.6f\nconcerto_commit_seconds_count %" PRIu64 "\n",
        mt->commits, mt->commit_seconds, mt->commits);
    PUT("# HELP concerto_errors_total Error replies by code.\n"
        "# TYPE concerto_errors_total counter\n");
    for (int i = 1; i < ERR_COUNT_; i++) {
        PUT("concerto_errors_total{code=\"%s\"} %" PRIu64 "\n", err_str(-i), mt->errors[i]);
    }
    PUT("# HELP concerto_http_requests_total HTTP API requests.\n"
        "# TYPE concerto_http_requests_total counter\n"
        "concerto_http_requests_total %" PRIu64 "\n",
        mt->http_requests);
    struct wal_stats ws;
    wal_stats(h->cfg.wal, &ws);
    PUT("# HELP concerto_wal_checkpoint_pending 1 from the end of a secret vote until the"
        " write-ahead log is truncated (a reader of the database delays it).\n"
        "# TYPE concerto_wal_checkpoint_pending gauge\nconcerto_wal_checkpoint_pending %d\n",
        ws.pending ? 1 : 0);
    PUT("# HELP concerto_wal_checkpoint_failures_total Attempts to truncate the write-ahead log"
        " that could not complete.\n"
        "# TYPE concerto_wal_checkpoint_failures_total counter\n"
        "concerto_wal_checkpoint_failures_total %" PRIu64 "\n",
        ws.failures);
    PUT("# HELP concerto_wal_truncations_total Truncations of the write-ahead log completed.\n"
        "# TYPE concerto_wal_truncations_total counter\nconcerto_wal_truncations_total %" PRIu64
        "\n",
        ws.done);
    PUT("# HELP concerto_resident_memory_bytes Resident memory of the process.\n"
        "# TYPE concerto_resident_memory_bytes gauge\n"
        "concerto_resident_memory_bytes %" PRIu64 "\n",
        resident_bytes());
    PUT("%s", extra ? extra : "");
#undef PUT
    if (n >= cap) {
        free(out);
        return NULL;
    }
    return out;
}
