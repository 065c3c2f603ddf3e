/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * agenda.c - the shared agenda: items, sub-items, their order and their
 * life (pending, current, done, postponed), and planned against actual time.
 *
 * Items keep their creation index for life (a removed item stays, marked
 * removed), so indexes held by requests and turns never dangle. Order is a
 * dense `position` among siblings; every move or insertion renumbers the
 * siblings in apply, so that two servers folding the same log agree.
 *
 * Opening an item while another is current closes the other first; closing
 * or postponing the current item ends the turn of speech in progress. Each
 * of those steps is its own event, so the log reads like the meeting did.
 */
#include "internal.h"

#include "../err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *
item_kind_str(enum item_kind k)
{
    switch (k) {
    case ITEM_DELIBERATION:
        return "deliberation";
    case ITEM_VOTE:
        return "vote";
    case ITEM_INFORMATION:
        break;
    }
    return "information";
}

const char *
item_state_str(enum item_state s)
{
    switch (s) {
    case ITEM_CURRENT:
        return "current";
    case ITEM_DONE:
        return "done";
    case ITEM_POSTPONED:
        return "postponed";
    case ITEM_PENDING:
        break;
    }
    return "pending";
}

static int
kind_parse(const char *s, enum item_kind *out)
{
    if (!s || strcmp(s, "information") == 0) {
        *out = ITEM_INFORMATION;
    } else if (strcmp(s, "deliberation") == 0) {
        *out = ITEM_DELIBERATION;
    } else if (strcmp(s, "vote") == 0) {
        *out = ITEM_VOTE;
    } else {
        return ERR_INVALID;
    }
    return 0;
}

int32_t
meeting_item_index(const struct meeting *m, const char *id)
{
    if (!id) {
        return -1;
    }
    for (size_t i = 0; i < m->nitems; i++) {
        if (!m->items[i].removed && strcmp(m->items[i].id, id) == 0) {
            return (int32_t)i;
        }
    }
    return -1;
}

static size_t
siblings(const struct meeting *m, const char *parent)
{
    size_t n = 0;
    for (size_t i = 0; i < m->nitems; i++) {
        n += !m->items[i].removed && strcmp(m->items[i].parent, parent) == 0;
    }
    return n;
}

/* Shift siblings of `parent` at positions >= from by delta (skipping `except`). */
static void
shift(struct meeting *m, const char *parent, int64_t from, int64_t delta, size_t except)
{
    for (size_t i = 0; i < m->nitems; i++) {
        struct item *it = &m->items[i];
        if (i != except && !it->removed && strcmp(it->parent, parent) == 0 &&
            it->position >= from) {
            it->position += delta;
        }
    }
}

static int
apply_added(struct meeting *m, const struct body *b)
{
    if (!b->item || meeting_item_index(m, b->item) >= 0 || strlen(b->item) >= ID_MAX) {
        return ERR_INTERNAL;
    }
    if (m->nitems == m->capitems) {
        size_t cap = m->capitems ? m->capitems * 2 : 16;
        struct item *v = realloc(m->items, cap * sizeof(*v));
        if (!v) {
            return ERR_NOMEM;
        }
        m->items = v;
        m->capitems = cap;
    }
    struct item *it = &m->items[m->nitems];
    memset(it, 0, sizeof(*it));
    if (core_set(&it->title, b->title) || core_set(&it->description, b->description) ||
        core_set(&it->presenter, b->presenter)) {
        free(it->title);
        free(it->description);
        free(it->presenter);
        return ERR_NOMEM;
    }
    strcpy(it->id, b->item);
    snprintf(it->parent, sizeof(it->parent), "%s", b->parent ? b->parent : "");
    snprintf(it->origin, sizeof(it->origin), "%s", b->origin ? b->origin : "");
    snprintf(it->approves, sizeof(it->approves), "%s", b->approves ? b->approves : "");
    kind_parse(b->kind, &it->kind);
    it->duration_s = b->duration;
    it->speaking_s = b->speaking_time;
    it->position = b->position;
    shift(m, it->parent, it->position, 1, (size_t)-1);
    m->nitems++;
    return 0;
}

static int
apply_edited(struct meeting *m, const struct body *b)
{
    int32_t i = meeting_item_index(m, b->item);
    if (i < 0) {
        return ERR_INTERNAL;
    }
    struct item *it = &m->items[i];
    char *t = core_strdup(b->title ? b->title : ""), *d = core_strdup(b->description ? b->description : ""),
         *p = core_strdup(b->presenter ? b->presenter : "");
    if (!t || !d || !p) {
        free(t);
        free(d);
        free(p);
        return ERR_NOMEM;
    }
    free(it->title);
    free(it->description);
    free(it->presenter);
    it->title = t;
    it->description = d;
    it->presenter = p;
    kind_parse(b->kind, &it->kind);
    it->duration_s = b->duration;
    it->speaking_s = b->speaking_time;
    return 0;
}

static void
close_current(struct meeting *m, int64_t ts)
{
    if (m->current >= 0) {
        struct item *cur = &m->items[m->current];
        cur->actual_ms += ts - cur->opened_at;
        cur->opened_at = 0;
        m->current = -1;
    }
}

int
agenda_apply(struct meeting *m, const struct event *ev)
{
    int32_t i = -1;
    if (ev->type != EV_AGENDA_ITEM_ADDED && ev->type >= EV_AGENDA_ITEM_EDITED &&
        ev->type <= EV_AGENDA_ITEM_POSTPONED) {
        i = meeting_item_index(m, ev->b.item);
        if (i < 0) {
            return ERR_INTERNAL;
        }
    }
    struct item *it = i >= 0 ? &m->items[i] : NULL;
    switch (ev->type) {
    case EV_AGENDA_ITEM_ADDED:
        return apply_added(m, &ev->b);
    case EV_AGENDA_ITEM_EDITED:
        return apply_edited(m, &ev->b);
    case EV_AGENDA_ITEM_MOVED:
        shift(m, it->parent, it->position + 1, -1, (size_t)i);
        it->position = ev->b.position;
        shift(m, it->parent, it->position, 1, (size_t)i);
        return 0;
    case EV_AGENDA_ITEM_REMOVED:
        shift(m, it->parent, it->position + 1, -1, (size_t)i);
        it->removed = true;
        return 0;
    case EV_AGENDA_ITEM_OPENED:
        close_current(m, ev->ts);
        it->state = ITEM_CURRENT;
        it->opened = true;
        it->opened_at = ev->ts;
        m->current = i;
        return 0;
    case EV_AGENDA_ITEM_CLOSED:
    case EV_AGENDA_ITEM_POSTPONED:
        if (m->current == i) {
            close_current(m, ev->ts);
        }
        it->state = ev->type == EV_AGENDA_ITEM_CLOSED ? ITEM_DONE : ITEM_POSTPONED;
        return 0;
    default:
        return 1;
    }
}

/* Emit an item event carrying only `item`. */
static int
emit_item(struct meeting *m, struct evlist *out, enum ev_type t, const char *actor, int64_t now,
          const char *item)
{
    struct event *ev = core_emit(m, out, t, actor, now);
    if (!ev) {
        return ERR_NOMEM;
    }
    if (!(ev->b.item = core_strdup(item))) {
        core_emit_drop(out);
        return ERR_NOMEM;
    }
    return core_emit_done(m, out);
}

static int
handle_add(struct meeting *m, const struct cmd *c, const char *actor, int64_t now,
           struct evlist *out)
{
    enum item_kind kind;
    const struct body *b = &c->b;
    const char *parent = b->parent ? b->parent : "";
    if (kind_parse(b->kind, &kind)) {
        return ERR_INVALID;
    }
    if (!b->title || !*b->title || b->duration < 0 || b->speaking_time < 0) {
        return ERR_INVALID;
    }
    if (*parent) {
        int32_t p = meeting_item_index(m, parent);
        if (p < 0) {
            return ERR_NOT_FOUND;
        }
        if (m->items[p].parent[0]) {
            return ERR_INVALID; /* one level of sub-items */
        }
    }
    int64_t n = (int64_t)siblings(m, parent);
    int64_t pos = (b->has & HAS_POSITION) ? b->position : n;
    if (pos < 0 || pos > n) {
        return ERR_INVALID;
    }
    if (m->nitems >= 1000) {
        return ERR_TOO_LARGE;
    }
    char id[ID_MAX];
    snprintf(id, sizeof(id), "i%zu", m->nitems + 1);
    struct event *ev = core_emit(m, out, EV_AGENDA_ITEM_ADDED, actor, now);
    if (!ev) {
        return ERR_NOMEM;
    }
    ev->b.has = HAS_DURATION | HAS_POSITION | HAS_SPEAKING_TIME;
    ev->b.duration = b->duration;
    ev->b.position = pos;
    ev->b.speaking_time = b->speaking_time;
    if (!(ev->b.item = core_strdup(id)) || !(ev->b.title = core_strdup(b->title)) ||
        core_set(&ev->b.description, b->description) || core_set(&ev->b.presenter, b->presenter) ||
        !(ev->b.kind = core_strdup(item_kind_str(kind))) || !(ev->b.parent = core_strdup(parent))) {
        core_emit_drop(out);
        return ERR_NOMEM;
    }
    return core_emit_done(m, out);
}

static int
handle_edit(struct meeting *m, const struct cmd *c, const char *actor, int64_t now,
            struct evlist *out)
{
    const struct body *b = &c->b;
    int32_t i = meeting_item_index(m, b->item);
    enum item_kind kind;
    if (i < 0) {
        return ERR_NOT_FOUND;
    }
    const struct item *it = &m->items[i];
    if (!b->title && !b->description && !b->presenter && !b->kind &&
        !(b->has & (HAS_DURATION | HAS_SPEAKING_TIME))) {
        return ERR_INVALID; /* nothing to change: no event that says nothing */
    }
    if (kind_parse(b->kind ? b->kind : item_kind_str(it->kind), &kind)) {
        return ERR_INVALID;
    }
    if ((b->title && !*b->title) || ((b->has & HAS_DURATION) && b->duration < 0) ||
        ((b->has & HAS_SPEAKING_TIME) && b->speaking_time < 0)) {
        return ERR_INVALID;
    }
    struct event *ev = core_emit(m, out, EV_AGENDA_ITEM_EDITED, actor, now);
    if (!ev) {
        return ERR_NOMEM;
    }
    ev->b.has = HAS_DURATION | HAS_SPEAKING_TIME;
    ev->b.duration = (b->has & HAS_DURATION) ? b->duration : it->duration_s;
    ev->b.speaking_time = (b->has & HAS_SPEAKING_TIME) ? b->speaking_time : it->speaking_s;
    if (!(ev->b.item = core_strdup(it->id)) ||
        !(ev->b.title = core_strdup(b->title ? b->title : it->title)) ||
        !(ev->b.description = core_strdup(b->description ? b->description : it->description)) ||
        !(ev->b.presenter = core_strdup(b->presenter ? b->presenter : it->presenter)) ||
        !(ev->b.kind = core_strdup(item_kind_str(kind)))) {
        core_emit_drop(out);
        return ERR_NOMEM;
    }
    return core_emit_done(m, out);
}

static int
handle_move(struct meeting *m, const struct item *it, const struct cmd *c, const char *actor,
            int64_t now, struct evlist *out)
{
    struct event *ev;
    if (c->b.position < 0 || c->b.position >= (int64_t)siblings(m, it->parent)) {
        return ERR_INVALID;
    }
    if (c->b.position == it->position) {
        return ERR_CONFLICT;
    }
    if (!(ev = core_emit(m, out, EV_AGENDA_ITEM_MOVED, actor, now))) {
        return ERR_NOMEM;
    }
    ev->b.has = HAS_POSITION;
    ev->b.position = c->b.position;
    if (!(ev->b.item = core_strdup(it->id))) {
        core_emit_drop(out);
        return ERR_NOMEM;
    }
    return core_emit_done(m, out);
}

static int
handle_remove(struct meeting *m, const struct item *it, const char *actor, int64_t now,
              struct evlist *out)
{
    if (it->opened) {
        return ERR_BAD_STATE; /* it has a history: postpone it instead */
    }
    for (size_t k = 0; k < m->nitems; k++) {
        if (!m->items[k].removed && strcmp(m->items[k].parent, it->id) == 0) {
            return ERR_CONFLICT; /* remove its sub-items first */
        }
    }
    return emit_item(m, out, EV_AGENDA_ITEM_REMOVED, actor, now, it->id);
}

/* Opening item i closes the current one first, ending its speaker's turn. */
static int
handle_open(struct meeting *m, int32_t i, const char *actor, int64_t now, struct evlist *out)
{
    int rc;
    if (m->state != MEETING_OPEN) {
        return ERR_BAD_STATE;
    }
    if (m->current == i) {
        return ERR_CONFLICT;
    }
    if (m->current >= 0) {
        if ((rc = speakers_end_turn(m, actor, now, out)) ||
            (rc = emit_item(m, out, EV_AGENDA_ITEM_CLOSED, actor, now,
                            m->items[m->current].id))) {
            return rc;
        }
    }
    return emit_item(m, out, EV_AGENDA_ITEM_OPENED, actor, now, m->items[i].id);
}

int
agenda_handle(struct meeting *m, const struct cmd *c, const char *actor, int64_t now,
              struct evlist *out)
{
    int32_t i = -1;
    int rc;
    if (c->type < CMD_AGENDA_ADD || c->type > CMD_AGENDA_POSTPONE) {
        return 1;
    }
    if (m->state == MEETING_CLOSED) {
        return ERR_BAD_STATE;
    }
    if (c->type == CMD_AGENDA_ADD) {
        return handle_add(m, c, actor, now, out);
    }
    if (c->type == CMD_AGENDA_EDIT) {
        return handle_edit(m, c, actor, now, out);
    }
    const char *id = c->b.item;
    if (c->type == CMD_AGENDA_CLOSE && !id) {
        if (m->current < 0) {
            return ERR_BAD_STATE;
        }
        id = m->items[m->current].id;
    }
    if ((i = meeting_item_index(m, id)) < 0) {
        return ERR_NOT_FOUND;
    }
    struct item *it = &m->items[i];
    switch (c->type) {
    case CMD_AGENDA_MOVE:
        return handle_move(m, it, c, actor, now, out);
    case CMD_AGENDA_REMOVE:
        return handle_remove(m, it, actor, now, out);
    case CMD_AGENDA_OPEN:
        return handle_open(m, i, actor, now, out);
    case CMD_AGENDA_CLOSE:
        if (m->current != i) {
            return ERR_BAD_STATE;
        }
        if ((rc = speakers_end_turn(m, actor, now, out))) {
            return rc;
        }
        return emit_item(m, out, EV_AGENDA_ITEM_CLOSED, actor, now, it->id);
    case CMD_AGENDA_POSTPONE:
        if (it->state == ITEM_DONE || it->state == ITEM_POSTPONED) {
            return ERR_BAD_STATE;
        }
        if (m->current == i && (rc = speakers_end_turn(m, actor, now, out))) {
            return rc;
        }
        return emit_item(m, out, EV_AGENDA_ITEM_POSTPONED, actor, now, m->items[i].id);
    default:
        return 1;
    }
}

struct item_key {
    int64_t top; /* position of the top-level item (the item's own, or its parent's) */
    int64_t sub; /* -1 for the top-level item itself, else its position */
    uint32_t idx;
};

/* A total order: the index settles what the rest leaves equal, so that both
 * ways of sorting below give the same list. */
static int
cmp_item_key(const void *a, const void *b)
{
    const struct item_key *x = a, *y = b;
    if (x->top != y->top) {
        return (x->top > y->top) - (x->top < y->top);
    }
    if (x->sub != y->sub) {
        return (x->sub > y->sub) - (x->sub < y->sub);
    }
    return (x->idx > y->idx) - (x->idx < y->idx);
}

static struct item_key
item_key_of(const struct meeting *m, uint32_t i)
{
    const struct item *it = &m->items[i];
    int32_t parent = it->parent[0] ? meeting_item_index(m, it->parent) : -1;
    struct item_key k;
    k.top = parent >= 0 ? m->items[parent].position : it->position;
    k.sub = parent >= 0 ? it->position : -1;
    k.idx = i;
    return k;
}

size_t
agenda_order(const struct meeting *m, uint32_t *out)
{
    struct item_key *keys = malloc((m->nitems ? m->nitems : 1) * sizeof(*keys));
    size_t n = 0;
    for (size_t i = 0; i < m->nitems; i++) {
        if (m->items[i].removed) {
            continue;
        }
        if (keys) {
            keys[n++] = item_key_of(m, (uint32_t)i);
            continue;
        }
        /* Out of memory: the same order by insertion into `out`, slower but
         * never wrong (an empty agenda would reach snapshots and records). */
        struct item_key k = item_key_of(m, (uint32_t)i);
        size_t at = n;
        while (at > 0) {
            struct item_key prev = item_key_of(m, out[at - 1]);
            if (cmp_item_key(&prev, &k) <= 0) {
                break;
            }
            out[at] = out[at - 1];
            at--;
        }
        out[at] = (uint32_t)i;
        n++;
    }
    if (keys) {
        qsort(keys, n, sizeof(*keys), cmp_item_key);
        for (size_t i = 0; i < n; i++) {
            out[i] = keys[i].idx;
        }
        free(keys);
    }
    return n;
}

int
meeting_carry_item(struct meeting *m, const struct item *src, const char *from, int64_t now,
                   struct evlist *out)
{
    char id[ID_MAX], origin[2 * ID_MAX];
    if (m->nitems >= 1000) {
        return ERR_TOO_LARGE;
    }
    snprintf(id, sizeof(id), "i%zu", m->nitems + 1);
    /* Carried twice, it keeps pointing at where its history began. */
    if (src->origin[0]) {
        snprintf(origin, sizeof(origin), "%s", src->origin);
    } else {
        snprintf(origin, sizeof(origin), "%s/%s", from, src->id);
    }
    struct event *ev = core_emit(m, out, EV_AGENDA_ITEM_ADDED, "admin", now);
    if (!ev) {
        return ERR_NOMEM;
    }
    ev->b.has = HAS_DURATION | HAS_POSITION | HAS_SPEAKING_TIME;
    ev->b.duration = src->duration_s;
    ev->b.position = (int64_t)siblings(m, "");
    ev->b.speaking_time = src->speaking_s;
    if (!(ev->b.item = core_strdup(id)) || !(ev->b.title = core_strdup(src->title)) ||
        !(ev->b.description = core_strdup(src->description)) ||
        !(ev->b.presenter = core_strdup(src->presenter)) ||
        !(ev->b.kind = core_strdup(item_kind_str(src->kind))) || !(ev->b.parent = core_strdup("")) ||
        !(ev->b.origin = core_strdup(origin))) {
        core_emit_drop(out);
        return ERR_NOMEM;
    }
    return core_emit_done(m, out);
}

int
meeting_approval_item(struct meeting *m, const char *prev, const char *title, int64_t now,
                      struct evlist *out)
{
    char id[ID_MAX];
    if (!id_valid(prev)) {
        return ERR_INVALID;
    }
    if (m->state == MEETING_CLOSED) {
        return ERR_BAD_STATE;
    }
    if (m->nitems >= 1000) {
        return ERR_TOO_LARGE;
    }
    for (size_t i = 0; i < m->nitems; i++) {
        if (!m->items[i].removed && strcmp(m->items[i].approves, prev) == 0) {
            return ERR_CONFLICT;
        }
    }
    snprintf(id, sizeof(id), "i%zu", m->nitems + 1);
    struct event *ev = core_emit(m, out, EV_AGENDA_ITEM_ADDED, "admin", now);
    if (!ev) {
        return ERR_NOMEM;
    }
    ev->b.has = HAS_DURATION | HAS_POSITION | HAS_SPEAKING_TIME;
    ev->b.position = 0; /* the first business of a meeting */
    if (!(ev->b.item = core_strdup(id)) || !(ev->b.title = core_strdup(title)) ||
        !(ev->b.description = core_strdup("")) || !(ev->b.presenter = core_strdup("")) ||
        !(ev->b.kind = core_strdup(item_kind_str(ITEM_VOTE))) ||
        !(ev->b.parent = core_strdup("")) || !(ev->b.origin = core_strdup("")) ||
        !(ev->b.approves = core_strdup(prev))) {
        core_emit_drop(out);
        return ERR_NOMEM;
    }
    return core_emit_done(m, out);
}
