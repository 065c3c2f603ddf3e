/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * speakers.c - the list of speakers of each agenda item, turns of speech
 * and their timers.
 *
 * The order is decided here and nowhere else (speakers_order), from the
 * state alone, so that every client shows the order in which the chair's
 * "next" will give the floor:
 *   1. points of order, then replies, then contributions;
 *   2. with `first_turn`, contributions of members who have not yet spoken
 *      on this item before the others;
 *   3. within that, by rank: arrival, or where the chair moved the request;
 *   4. with `alternate`, contributions then alternate between colleges,
 *      starting with a college other than the last speaker's, whenever
 *      both are waiting (participants without a college never break it).
 *
 * Timers use only event timestamps: a turn records the time allowed, the
 * time spoken before its last pause and when it last (re)started. Clients
 * count down from those; the server never ticks.
 */
#include "internal.h"

#include "../err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *
request_kind_str(enum request_kind k)
{
    switch (k) {
    case REQ_REPLY:
        return "reply";
    case REQ_POINT_OF_ORDER:
        return "point_of_order";
    case REQ_CONTRIBUTION:
        break;
    }
    return "contribution";
}

static int
kind_parse(const char *s, enum request_kind *out)
{
    if (!s || strcmp(s, "contribution") == 0) {
        *out = REQ_CONTRIBUTION;
    } else if (strcmp(s, "reply") == 0) {
        *out = REQ_REPLY;
    } else if (strcmp(s, "point_of_order") == 0) {
        *out = REQ_POINT_OF_ORDER;
    } else {
        return ERR_INVALID;
    }
    return 0;
}

/* The position `id` names if it reads r<N> (N without leading zeros): N - 1,
 * else -1. */
static int64_t
dense_index(const char *id)
{
    if (!id || id[0] != 'r' || id[1] < '1' || id[1] > '9') {
        return -1;
    }
    int64_t n = 0;
    for (const char *p = id + 1; *p; p++) {
        if (*p < '0' || *p > '9' || n > INT32_MAX / 10) {
            return -1;
        }
        n = n * 10 + (*p - '0');
    }
    return n - 1;
}

/* The server names requests r1, r2 ... in order of creation, and m->reqs
 * keeps that order: the id says where to look. A meeting of fifty thousand
 * events holds thousands of requests, and the log's every speaker event
 * looks one up (a new request checks that its id is free): a scan made
 * folding such a log quadratic. Any other id (reqs_sparse) is still found,
 * by the scan. */
static int32_t
request_index(const struct meeting *m, const char *id)
{
    int64_t at = dense_index(id);
    if (at >= 0 && (size_t)at < m->nreqs && strcmp(m->reqs[at].id, id) == 0) {
        return (int32_t)at;
    }
    if (!m->reqs_sparse) {
        return -1; /* every id is r<index + 1>: no other place can hold this one */
    }
    for (size_t i = 0; id && i < m->nreqs; i++) {
        if (strcmp(m->reqs[i].id, id) == 0) {
            return (int32_t)i;
        }
    }
    return -1;
}

static bool
has_spoken(const struct meeting *m, uint32_t pidx, uint32_t item)
{
    for (size_t i = 0; i < m->nspoken; i++) {
        if (m->spoken[i].pidx == pidx && m->spoken[i].item == item) {
            return true;
        }
    }
    return m->turn.active && m->turn.pidx == pidx && m->turn.item == item;
}

struct sortkey {
    int cls;
    int group;
    int64_t rank;
    uint32_t idx;
};

/* A total order: the request index settles what the rest leaves equal, so
 * that both ways of sorting below give the same list. */
static int
cmp_key(const void *a, const void *b)
{
    const struct sortkey *x = a, *y = b;
    if (x->cls != y->cls) {
        return x->cls - y->cls;
    }
    if (x->group != y->group) {
        return x->group - y->group;
    }
    if (x->rank != y->rank) {
        return (x->rank > y->rank) - (x->rank < y->rank);
    }
    return (x->idx > y->idx) - (x->idx < y->idx);
}

static struct sortkey
key_of(const struct meeting *m, uint32_t i, uint32_t item)
{
    const struct request *r = &m->reqs[i];
    struct sortkey k;
    k.cls = r->kind == REQ_POINT_OF_ORDER ? 0 : r->kind == REQ_REPLY ? 1 : 2;
    k.group = k.cls == 2 && m->set.first_turn && has_spoken(m, r->pidx, item) ? 1 : 0;
    k.rank = r->rank;
    k.idx = i;
    return k;
}

size_t
speakers_order(const struct meeting *m, uint32_t item, uint32_t *out)
{
    size_t n = 0;
    struct sortkey *keys = malloc((m->nreqs ? m->nreqs : 1) * sizeof(*keys));
    for (size_t i = 0; i < m->nreqs; i++) {
        const struct request *r = &m->reqs[i];
        if (!r->live || r->item != item) {
            continue;
        }
        if (keys) {
            keys[n++] = key_of(m, (uint32_t)i, item);
            continue;
        }
        /* Out of memory: the same order by insertion into `out`, slower but
         * never wrong (an empty list would read as nobody waiting). */
        struct sortkey k = key_of(m, (uint32_t)i, item);
        size_t at = n;
        while (at > 0) {
            struct sortkey prev = key_of(m, out[at - 1], item);
            if (cmp_key(&prev, &k) <= 0) {
                break;
            }
            out[at] = out[at - 1];
            at--;
        }
        out[at] = (uint32_t)i;
        n++;
    }
    if (keys) {
        qsort(keys, n, sizeof(*keys), cmp_key);
        for (size_t i = 0; i < n; i++) {
            out[i] = keys[i].idx;
        }
        free(keys);
    }
    if (!m->set.alternate) {
        return n;
    }
    /* Interleave the contributions (a suffix of out) by college. */
    size_t start = 0;
    while (start < n && m->reqs[out[start]].kind != REQ_CONTRIBUTION) {
        start++;
    }
    /* The college to alternate from: the speaker's, else the last one heard
     * from a college (people without one never break the alternation). */
    const char *prev = NULL;
    if (m->turn.active && m->parts[m->turn.pidx].college[0]) {
        prev = m->parts[m->turn.pidx].college;
    } else if (m->last_college_pidx >= 0) {
        prev = m->parts[m->last_college_pidx].college;
    }
    for (size_t i = start; i < n; i++) {
        size_t pick = i;
        for (size_t j = i; prev && *prev && j < n; j++) {
            const char *col = m->parts[m->reqs[out[j]].pidx].college;
            if (!*col || strcmp(col, prev) != 0) {
                pick = j;
                break;
            }
        }
        uint32_t chosen = out[pick];
        memmove(&out[i + 1], &out[i], (pick - i) * sizeof(*out));
        out[i] = chosen;
        const char *col = m->parts[m->reqs[chosen].pidx].college;
        if (*col) {
            prev = col;
        }
    }
    return n;
}

/* Re-rank the live requests of `item` so that `moved` sits at `position`
 * of the displayed order (the others keep their relative order). 0, or
 * ERR_NOMEM with nothing changed: the event is then not applied, and the
 * meeting never differs from what its log folds into. */
static int
rerank(struct meeting *m, uint32_t item, uint32_t moved, int64_t position)
{
    uint32_t *order = malloc((m->nreqs ? m->nreqs : 1) * sizeof(*order));
    if (!order) {
        return ERR_NOMEM;
    }
    size_t n = speakers_order(m, item, order), k = 0;
    int64_t rank = 0;
    for (size_t i = 0; i <= n; i++) {
        if ((int64_t)k == position) {
            m->reqs[moved].rank = rank++;
            k++;
        }
        if (i < n && order[i] != moved) {
            m->reqs[order[i]].rank = rank++;
            k++;
        }
    }
    free(order);
    return 0;
}

static int
apply_requested(struct meeting *m, const struct event *ev)
{
    const struct participant *p = meeting_participant(m, ev->b.participant);
    int32_t item = meeting_item_index(m, ev->b.item);
    if (!p || item < 0 || request_index(m, ev->b.request) >= 0) {
        return ERR_INTERNAL;
    }
    if (m->nreqs == m->capreqs) {
        size_t cap = m->capreqs ? m->capreqs * 2 : 16;
        struct request *v = realloc(m->reqs, cap * sizeof(*v));
        if (!v) {
            return ERR_NOMEM;
        }
        m->reqs = v;
        m->capreqs = cap;
    }
    struct request *q = &m->reqs[m->nreqs];
    memset(q, 0, sizeof(*q));
    snprintf(q->id, sizeof(q->id), "%s", ev->b.request);
    m->reqs_sparse |= dense_index(q->id) != (int64_t)m->nreqs;
    q->pidx = (uint32_t)(p - m->parts);
    q->item = (uint32_t)item;
    kind_parse(ev->b.kind, &q->kind);
    q->rank = (int64_t)ev->seq << 20; /* leaves room below every later re-rank */
    q->ts = ev->ts;
    q->live = true;
    m->nreqs++;
    return 0;
}

static int
apply_turn_started(struct meeting *m, const struct event *ev)
{
    int32_t r;
    const struct participant *p = meeting_participant(m, ev->b.participant);
    int32_t item = meeting_item_index(m, ev->b.item);
    if (!p || item < 0) {
        return ERR_INTERNAL;
    }
    if (ev->b.request && *ev->b.request) {
        if ((r = request_index(m, ev->b.request)) < 0) {
            return ERR_INTERNAL;
        }
        m->reqs[r].live = false;
    }
    struct turn *t = &m->turn;
    memset(t, 0, sizeof(*t));
    t->active = true;
    t->pidx = (uint32_t)(p - m->parts);
    t->item = (uint32_t)item;
    kind_parse(ev->b.kind, &t->kind);
    snprintf(t->request, sizeof(t->request), "%s", ev->b.request ? ev->b.request : "");
    t->allowed_ms = ev->b.allowed;
    t->running_since = ev->ts;
    t->started = ev->ts;
    return 0;
}

static int
apply_turn_ended(struct meeting *m, const struct event *ev)
{
    if (!m->turn.active) {
        return ERR_INTERNAL;
    }
    if (m->nspoken == m->capspoken) {
        size_t cap = m->capspoken ? m->capspoken * 2 : 16;
        struct spoken *v = realloc(m->spoken, cap * sizeof(*v));
        if (!v) {
            return ERR_NOMEM;
        }
        m->spoken = v;
        m->capspoken = cap;
    }
    m->spoken[m->nspoken++] = (struct spoken){.pidx = m->turn.pidx,
                                              .item = m->turn.item,
                                              .kind = m->turn.kind,
                                              .started = m->turn.started,
                                              .ms = ev->b.spoken};
    m->parts[m->turn.pidx].turns++;
    m->parts[m->turn.pidx].spoken_ms += ev->b.spoken;
    if (m->parts[m->turn.pidx].college[0]) {
        m->last_college_pidx = (int32_t)m->turn.pidx;
    }
    m->turn.active = false;
    return 0;
}

int
speakers_apply(struct meeting *m, const struct event *ev)
{
    int32_t r = -1;
    switch (ev->type) {
    case EV_SPEAKER_REQUESTED:
        return apply_requested(m, ev);
    case EV_SPEAKER_WITHDRAWN:
    case EV_SPEAKER_REMOVED:
        if ((r = request_index(m, ev->b.request)) < 0) {
            return ERR_INTERNAL;
        }
        m->reqs[r].live = false;
        return 0;
    case EV_SPEAKER_MOVED:
        if ((r = request_index(m, ev->b.request)) < 0) {
            return ERR_INTERNAL;
        }
        return rerank(m, m->reqs[r].item, (uint32_t)r, ev->b.position);
    case EV_SPEAKER_TURN_STARTED:
        return apply_turn_started(m, ev);
    case EV_SPEAKER_TURN_PAUSED:
        m->turn.elapsed_ms = ev->b.elapsed;
        m->turn.running_since = 0;
        return 0;
    case EV_SPEAKER_TURN_RESUMED:
        m->turn.running_since = ev->ts;
        return 0;
    case EV_SPEAKER_TURN_ENDED:
        return apply_turn_ended(m, ev);
    case EV_SPEAKER_LIST_CLOSED:
    case EV_SPEAKER_LIST_REOPENED: {
        int32_t item = meeting_item_index(m, ev->b.item);
        if (item < 0) {
            return ERR_INTERNAL;
        }
        m->items[item].list_closed = ev->type == EV_SPEAKER_LIST_CLOSED;
        return 0;
    }
    default:
        return 1;
    }
}

int
speakers_end_turn(struct meeting *m, const char *actor, int64_t now, struct evlist *out)
{
    if (!m->turn.active) {
        return 0;
    }
    struct event *ev = core_emit(m, out, EV_SPEAKER_TURN_ENDED, actor, now);
    if (!ev) {
        return ERR_NOMEM;
    }
    int64_t spoken = m->turn.elapsed_ms;
    if (m->turn.running_since) {
        spoken += ev->ts - m->turn.running_since;
    }
    ev->b.has = HAS_SPOKEN;
    ev->b.spoken = spoken;
    if (!(ev->b.participant = core_strdup(m->parts[m->turn.pidx].id))) {
        core_emit_drop(out);
        return ERR_NOMEM;
    }
    return core_emit_done(m, out);
}

/* Give the floor to participant `pidx` (request index `r` or -1). */
static int
start_turn(struct meeting *m, uint32_t pidx, int32_t r, const char *actor, int64_t now,
           struct evlist *out)
{
    const struct item *it = &m->items[m->current];
    int64_t secs = it->speaking_s ? it->speaking_s : m->set.speaking_s;
    struct event *ev = core_emit(m, out, EV_SPEAKER_TURN_STARTED, actor, now);
    if (!ev) {
        return ERR_NOMEM;
    }
    ev->b.has = HAS_ALLOWED;
    ev->b.allowed = secs * 1000;
    enum request_kind kind = r >= 0 ? m->reqs[r].kind : REQ_CONTRIBUTION;
    if (!(ev->b.request = core_strdup(r >= 0 ? m->reqs[r].id : "")) ||
        !(ev->b.participant = core_strdup(m->parts[pidx].id)) ||
        !(ev->b.kind = core_strdup(request_kind_str(kind))) ||
        !(ev->b.item = core_strdup(it->id))) {
        core_emit_drop(out);
        return ERR_NOMEM;
    }
    return core_emit_done(m, out);
}

static int32_t
live_request_of(const struct meeting *m, uint32_t pidx, uint32_t item)
{
    for (size_t i = 0; i < m->nreqs; i++) {
        if (m->reqs[i].live && m->reqs[i].pidx == pidx && m->reqs[i].item == item) {
            return (int32_t)i;
        }
    }
    return -1;
}

static int
emit_request_event(struct meeting *m, struct evlist *out, enum ev_type t, const char *actor,
                   int64_t now, const char *request)
{
    struct event *ev = core_emit(m, out, t, actor, now);
    if (!ev) {
        return ERR_NOMEM;
    }
    if (!(ev->b.request = core_strdup(request))) {
        core_emit_drop(out);
        return ERR_NOMEM;
    }
    return core_emit_done(m, out);
}

static int
handle_request(struct meeting *m, const struct cmd *c, uint32_t pidx, const char *actor,
               int64_t now, struct evlist *out)
{
    enum request_kind kind;
    if (kind_parse(c->b.kind, &kind)) {
        return ERR_INVALID;
    }
    const struct item *it = &m->items[m->current];
    if (it->list_closed && kind != REQ_POINT_OF_ORDER) {
        return ERR_BAD_STATE;
    }
    if (live_request_of(m, pidx, (uint32_t)m->current) >= 0) {
        return ERR_CONFLICT;
    }
    if (m->nreqs >= 100000) {
        return ERR_TOO_LARGE;
    }
    char id[ID_MAX];
    snprintf(id, sizeof(id), "r%zu", m->nreqs + 1);
    struct event *ev = core_emit(m, out, EV_SPEAKER_REQUESTED, actor, now);
    if (!ev) {
        return ERR_NOMEM;
    }
    if (!(ev->b.request = core_strdup(id)) || !(ev->b.participant = core_strdup(actor)) ||
        !(ev->b.kind = core_strdup(request_kind_str(kind))) ||
        !(ev->b.item = core_strdup(it->id))) {
        core_emit_drop(out);
        return ERR_NOMEM;
    }
    return core_emit_done(m, out);
}

/* speaker.close_list / speaker.reopen_list: the named item's list, or the
 * current item's. */
static int
handle_list_toggle(struct meeting *m, const struct cmd *c, const char *actor, int64_t now,
                   struct evlist *out)
{
    int32_t item = c->b.item ? meeting_item_index(m, c->b.item) : m->current;
    if (item < 0) {
        return c->b.item ? ERR_NOT_FOUND : ERR_BAD_STATE;
    }
    bool closing = c->type == CMD_SPEAKER_CLOSE_LIST;
    if (m->items[item].list_closed == closing) {
        return ERR_BAD_STATE;
    }
    struct event *ev =
        core_emit(m, out, closing ? EV_SPEAKER_LIST_CLOSED : EV_SPEAKER_LIST_REOPENED, actor, now);
    if (!ev) {
        return ERR_NOMEM;
    }
    if (!(ev->b.item = core_strdup(m->items[item].id))) {
        core_emit_drop(out);
        return ERR_NOMEM;
    }
    return core_emit_done(m, out);
}

/* speaker.withdraw: a member withdraws their own request (the chair removes). */
static int
handle_withdraw(struct meeting *m, const struct cmd *c, uint32_t pidx, const char *actor,
                int64_t now, struct evlist *out)
{
    int32_t r = c->b.request ? request_index(m, c->b.request)
                             : live_request_of(m, pidx, (uint32_t)m->current);
    if (r < 0 || !m->reqs[r].live) {
        return ERR_NOT_FOUND;
    }
    if (m->reqs[r].pidx != pidx) {
        return ERR_FORBIDDEN;
    }
    return emit_request_event(m, out, EV_SPEAKER_WITHDRAWN, actor, now, m->reqs[r].id);
}

/* speaker.move: a waiting request to another place among its item's. */
static int
handle_move(struct meeting *m, const struct cmd *c, const char *actor, int64_t now,
            struct evlist *out)
{
    int32_t r = request_index(m, c->b.request);
    if (r < 0 || !m->reqs[r].live) {
        return ERR_NOT_FOUND;
    }
    size_t waiting = 0;
    for (size_t i = 0; i < m->nreqs; i++) {
        waiting += m->reqs[i].live && m->reqs[i].item == m->reqs[r].item;
    }
    if (c->b.position < 0 || c->b.position >= (int64_t)waiting) {
        return ERR_INVALID;
    }
    struct event *ev = core_emit(m, out, EV_SPEAKER_MOVED, actor, now);
    if (!ev) {
        return ERR_NOMEM;
    }
    ev->b.has = HAS_POSITION;
    ev->b.position = c->b.position;
    if (!(ev->b.request = core_strdup(m->reqs[r].id))) {
        core_emit_drop(out);
        return ERR_NOMEM;
    }
    return core_emit_done(m, out);
}

/* speaker.next: end the turn in progress, give the floor to the first waiting. */
static int
handle_next(struct meeting *m, const char *actor, int64_t now, struct evlist *out)
{
    uint32_t *order = malloc((m->nreqs ? m->nreqs : 1) * sizeof(*order));
    if (!order) {
        return ERR_NOMEM;
    }
    bool was_speaking = m->turn.active;
    int rc = speakers_end_turn(m, actor, now, out);
    if (rc) {
        free(order);
        return rc;
    }
    size_t n = speakers_order(m, (uint32_t)m->current, order);
    if (n == 0) {
        free(order);
        return was_speaking ? 0 : ERR_BAD_STATE; /* nobody waiting */
    }
    uint32_t first = order[0];
    free(order);
    return start_turn(m, m->reqs[first].pidx, (int32_t)first, actor, now, out);
}

/* speaker.give: the floor to a request of the current item, or to anyone. */
static int
handle_give(struct meeting *m, const struct cmd *c, const char *actor, int64_t now,
            struct evlist *out)
{
    uint32_t who;
    int32_t r;
    if (c->b.request) {
        r = request_index(m, c->b.request);
        if (r < 0 || !m->reqs[r].live || m->reqs[r].item != (uint32_t)m->current) {
            return ERR_NOT_FOUND;
        }
        who = m->reqs[r].pidx;
    } else if (c->b.participant) {
        const struct participant *p = meeting_participant(m, c->b.participant);
        if (!p) {
            return ERR_NOT_FOUND;
        }
        who = (uint32_t)(p - m->parts);
        r = live_request_of(m, who, (uint32_t)m->current);
    } else {
        return ERR_BAD_MESSAGE;
    }
    int rc = speakers_end_turn(m, actor, now, out);
    if (rc) {
        return rc;
    }
    return start_turn(m, who, r, actor, now, out);
}

/* speaker.pause / speaker.resume: the running turn's clock. */
static int
handle_pause_resume(struct meeting *m, const struct cmd *c, const char *actor, int64_t now,
                    struct evlist *out)
{
    bool pausing = c->type == CMD_SPEAKER_PAUSE;
    if (!m->turn.active || (m->turn.running_since != 0) != pausing) {
        return ERR_BAD_STATE;
    }
    struct event *ev =
        core_emit(m, out, pausing ? EV_SPEAKER_TURN_PAUSED : EV_SPEAKER_TURN_RESUMED, actor, now);
    if (!ev) {
        return ERR_NOMEM;
    }
    if (pausing) {
        ev->b.has = HAS_ELAPSED;
        ev->b.elapsed = m->turn.elapsed_ms + (ev->ts - m->turn.running_since);
    }
    return core_emit_done(m, out);
}

int
speakers_handle(struct meeting *m, const struct cmd *c, const char *actor, int64_t now,
                struct evlist *out)
{
    if (c->type < CMD_SPEAKER_REQUEST || c->type > CMD_SPEAKER_REOPEN_LIST) {
        return 1;
    }
    const struct participant *me = meeting_participant(m, actor);
    uint32_t pidx = (uint32_t)(me - m->parts);
    if (m->state != MEETING_OPEN) {
        return ERR_BAD_STATE;
    }
    if (c->type == CMD_SPEAKER_CLOSE_LIST || c->type == CMD_SPEAKER_REOPEN_LIST) {
        return handle_list_toggle(m, c, actor, now, out);
    }
    if (m->current < 0) {
        return ERR_BAD_STATE; /* the lists belong to the current item */
    }
    switch (c->type) {
    case CMD_SPEAKER_REQUEST:
        return handle_request(m, c, pidx, actor, now, out);
    case CMD_SPEAKER_WITHDRAW:
        return handle_withdraw(m, c, pidx, actor, now, out);
    case CMD_SPEAKER_REMOVE: {
        int32_t r = request_index(m, c->b.request);
        if (r < 0 || !m->reqs[r].live) {
            return ERR_NOT_FOUND;
        }
        return emit_request_event(m, out, EV_SPEAKER_REMOVED, actor, now, m->reqs[r].id);
    }
    case CMD_SPEAKER_MOVE:
        return handle_move(m, c, actor, now, out);
    case CMD_SPEAKER_NEXT:
        return handle_next(m, actor, now, out);
    case CMD_SPEAKER_GIVE:
        return handle_give(m, c, actor, now, out);
    case CMD_SPEAKER_END:
        return m->turn.active ? speakers_end_turn(m, actor, now, out) : ERR_BAD_STATE;
    case CMD_SPEAKER_PAUSE:
    case CMD_SPEAKER_RESUME:
        return handle_pause_resume(m, c, actor, now, out);
    default:
        return 1;
    }
}
