/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * hub_flush.c - the end of a turn: timers, the commit, acknowledgements,
 * welcomes and the fan-out, and who sees which event.
 *
 * Order (hub_flush): departures whose grace period is over and votes whose
 * deadline passed are written; the turn's transaction is committed once;
 * then the touched meetings' events go to every welcomed connection that
 * may see them, then the replies in the order their requests came, then
 * the coalesced counts. Nothing is acknowledged or sent before the commit:
 * when it fails, the touched meetings are rebuilt from the log, their
 * queued events dropped, and every held reply becomes storage_failed.
 *
 * One buffer per event whatever the number of recipients; everyone welcomed
 * at one seq shares one snapshot buffer. Loop thread only.
 */
#define _POSIX_C_SOURCE 200809L
#include "hub_impl.h"

#include "../crypto/sec.h"
#include "../err.h"
#include "../log.h"
#include "../proto/proto.h"
#include "../store/store.h"
#include "../store/wal.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

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
    if (!r->c->bureau && hub_abridged(r->c->live, t) &&
        !(short_body = proto_event_body_abridged((enum ev_type)t, row->body))) {
        return ERR_NOMEM;
    }
    char *text = proto_event_msg(r->meeting, row->seq, row->ts, row->actor, row->type,
                                 short_body ? short_body : row->body, hex);
    free(short_body);
    if (!text) {
        return ERR_NOMEM;
    }
    hub_send_text(r->h, r->c, text);
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
        hub_send_text(h, c, proto_welcome(p->id, l->m, you, lang, (uint64_t)p->since, now, NULL));
        struct resume r = {h, c, l->m->id};
        if (store_events(h->st, l->m->id, (uint64_t)p->since, resume_row, &r)) {
            hub_close_conn(h, c, 1011, "cannot replay events");
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
        hub_send_error(h, c, p->id, ERR_NOMEM, NULL);
        hub_close_conn(h, c, 1011, "out of memory");
        return;
    }
    hub_send_part(h, c, first, MSG_PART_FIRST);
    if (!c->closing) {
        h->io.send(h->io.ctx, c->net, l->snap[light]);
    }
    hub_send_part(h, c, last, MSG_PART_LAST);
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
            int rc = hub_presence(h, l, (uint32_t)i, false, now);
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
        hub_live_drop_pending(l, 0);
        hub_live_reload(h, l, l->m->id);
        /* Built within the failed turn, they may hold what was rolled back. */
        hub_record_free(l->files);
        l->files = NULL;
        free(l->minutes);
        l->minutes = NULL;
        return;
    }
    flush_pending(h, l);
    hub_live_drop_pending(l, 0);
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
            hub_send_error(h, p->c, p->id, ERR_STORAGE, NULL);
        } else {
            hub_send_text(h, p->c, proto_ok(p->id, p->seq, p->replayed));
        }
        break;
    case P_WELCOME:
        if (!p->c || p->c->closing) {
            break;
        }
        if (rc) {
            hub_send_error(h, p->c, p->id, ERR_STORAGE, NULL);
            hub_close_conn(h, p->c, 1011, "storage failed");
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
    hub_log_churn(h, now, false);
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
