/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * hub_turn.c - one command's writes inside the turn, and the replies held
 * for the turn's end.
 *
 * A turn: net/ delivers every message that arrived, each handled at once
 * (decoded, checked, applied in memory, written inside the turn's open
 * transaction under a savepoint: hub_begin, hub_write_events, hub_end);
 * then hub_flush() (hub_flush.c) commits once and sends, in this order: the
 * turn's events to every connection already welcomed, then the replies
 * (ok, welcome, HTTP) queued here by hub_pending_push in the order their
 * requests came. A reply that needs no write (an error, a pong) is sent at
 * once: it promises nothing about durability.
 *
 * The chain head and the folded state move forward as commands are handled,
 * before the commit; a failed command rebuilds them from the log (hub_undo),
 * which is always the truth. Loop thread only.
 */
#define _POSIX_C_SOURCE 200809L
#include "hub_impl.h"

#include "../crypto/sec.h"
#include "../err.h"
#include "../log.h"
#include "../proto/pj.h"
#include "../proto/proto.h"
#include "../store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
bool
hub_abridged(const struct live *l, int t)
{
    return l->m->nparts > LARGE_MEETING && proto_event_abridgeable((enum ev_type)t);
}

/* Queue the message of one recorded event (`body`, chain hash `hex`) for
 * the turn's end: the full body for the bureau; members of a large meeting
 * get a vote.opened or vote.closed without its lists (see hub_abridged()) as a
 * second message. 0 or ERR_NOMEM. */
static int
pending_event(struct live *l, const struct event *ev, const char *type, const char *body,
              const char *hex, enum vis vis)
{
    bool abridge = hub_abridged(l, ev->type);
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
    return hub_live_fit(l);
}

void
hub_undo(struct hub *h, struct live *l, size_t mark)
{
    hub_live_drop_pending(l, mark);
    if (hub_live_reload(h, l, l->m->id)) {
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
