/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * meeting.c - the fold and the rules of one meeting.
 *
 * Participants live in a growable array, never reordered, so their index is
 * stable; an open-addressing table (FNV-1a over the id, linear probing, load
 * at most 1/2) finds them in O(1), because a national assembly has ten
 * thousand of them and each joins once.
 *
 * Every handler follows the same two steps: check (permission, state,
 * arguments) without touching the meeting, then emit events and apply them.
 * An apply on an event that was just checked cannot fail except for memory;
 * in that case the caller reloads the meeting from its log.
 */
#include "internal.h"

#include "../err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *
core_strdup(const char *s)
{
    if (!s) {
        return NULL;
    }
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) {
        memcpy(d, s, n);
    }
    return d;
}

bool
id_valid(const char *s)
{
    if (!s || !*s) {
        return false;
    }
    size_t n = 0;
    for (; s[n]; n++) {
        char c = s[n];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) {
            return false;
        }
    }
    return n < ID_MAX;
}

static uint32_t
hash_id(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++) {
        h = (h ^ (uint8_t)*s) * 16777619u;
    }
    return h;
}

static int
index_rebuild(struct meeting *m, size_t cap)
{
    uint32_t *idx = malloc(cap * sizeof(*idx));
    if (!idx) {
        return ERR_NOMEM;
    }
    memset(idx, 0xff, cap * sizeof(*idx));
    for (size_t i = 0; i < m->nparts; i++) {
        size_t slot = hash_id(m->parts[i].id) & (cap - 1);
        while (idx[slot] != UINT32_MAX) {
            slot = (slot + 1) & (cap - 1);
        }
        idx[slot] = (uint32_t)i;
    }
    free(m->index);
    m->index = idx;
    m->index_cap = cap;
    return 0;
}

/* The participant `id`; one removed from the roster (participant.removed)
 * only when `removed_too`. */
static struct participant *
find_any(const struct meeting *m, const char *id, bool removed_too)
{
    if (!m->index_cap || !id) {
        return NULL;
    }
    size_t slot = hash_id(id) & (m->index_cap - 1);
    while (m->index[slot] != UINT32_MAX) {
        struct participant *p = &m->parts[m->index[slot]];
        if (strcmp(p->id, id) == 0 && (removed_too || !p->removed)) {
            return p;
        }
        slot = (slot + 1) & (m->index_cap - 1);
    }
    return NULL;
}

static struct participant *
find(const struct meeting *m, const char *id)
{
    return find_any(m, id, false);
}

size_t
meeting_nlisted(const struct meeting *m)
{
    return m->nparts - m->nremoved;
}

const struct participant *
meeting_participant(const struct meeting *m, const char *id)
{
    return find(m, id);
}

const char *
approval_str(bool next)
{
    return next ? "next_meeting" : "same_meeting";
}

struct meeting *
meeting_new(const char *id)
{
    if (!id_valid(id)) {
        return NULL;
    }
    struct meeting *m = calloc(1, sizeof(*m));
    if (!m) {
        return NULL;
    }
    strcpy(m->id, id);
    m->current = -1;
    m->last_college_pidx = -1;
    m->set = (struct settings){.speaking_s = 180, .first_turn = true, .alternate = false,
                               .quorum = 50, .quorum_college = 0, .grace_s = 30,
                               .proxy_max = 1, .proxy_college = true, .proxy_quorum = false};
    return m;
}

void
meeting_free(struct meeting *m)
{
    if (!m) {
        return;
    }
    for (size_t i = 0; i < m->nparts; i++) {
        free(m->parts[i].name);
        free(m->parts[i].reason);
    }
    for (size_t i = 0; i < m->nitems; i++) {
        free(m->items[i].title);
        free(m->items[i].description);
        free(m->items[i].presenter);
    }
    free(m->items);
    free(m->reqs);
    free(m->spoken);
    for (size_t i = 0; i < m->nvotes; i++) {
        vote_free(&m->votes[i]);
    }
    free(m->votes);
    free(m->proxies);
    free(m->recusals);
    for (size_t i = 0; i < m->nentries; i++) {
        entry_free(&m->entries[i]);
    }
    free(m->entries);
    for (size_t i = 0; i < m->ndocs; i++) {
        free(m->docs[i].name);
    }
    free(m->docs);
    followup_free(m);
    free(m->parts);
    free(m->index);
    free(m->title);
    free(m->date);
    free(m->place);
    free(m->room);
    free(m->lang);
    free(m->commission_name);
    free(m);
}

const char *
meeting_state_str(enum meeting_state s)
{
    switch (s) {
    case MEETING_SCHEDULED:
        return "scheduled";
    case MEETING_OPEN:
        return "open";
    case MEETING_SUSPENDED:
        return "suspended";
    case MEETING_CLOSED:
        return "closed";
    }
    return "scheduled";
}

int
core_set(char **dst, const char *src)
{
    char *d = core_strdup(src ? src : "");
    if (!d) {
        return ERR_NOMEM;
    }
    free(*dst);
    *dst = d;
    return 0;
}

static int
apply_created(struct meeting *m, const struct body *b)
{
    if (core_set(&m->title, b->title) || core_set(&m->date, b->date) ||
        core_set(&m->place, b->place) || core_set(&m->room, b->room) ||
        core_set(&m->lang, b->lang) || core_set(&m->commission_name, b->commission_name)) {
        return ERR_NOMEM;
    }
    if (b->commission && strlen(b->commission) < ID_MAX) {
        strcpy(m->commission, b->commission);
    }
    m->created = true;
    return 0;
}

static int
apply_added(struct meeting *m, const struct body *b)
{
    if (!id_valid(b->participant) || find(m, b->participant)) {
        return ERR_INTERNAL;
    }
    if (m->nparts == m->capparts) {
        size_t cap = m->capparts ? m->capparts * 2 : 16;
        struct participant *v = realloc(m->parts, cap * sizeof(*v));
        if (!v) {
            return ERR_NOMEM;
        }
        m->parts = v;
        m->capparts = cap;
    }
    if ((m->nparts + 1) * 2 > m->index_cap) {
        int rc = index_rebuild(m, m->index_cap ? m->index_cap * 2 : 64);
        if (rc) {
            return rc;
        }
    }
    struct participant *p = &m->parts[m->nparts];
    memset(p, 0, sizeof(*p));
    p->name = core_strdup(b->name ? b->name : "");
    if (!p->name) {
        return ERR_NOMEM;
    }
    strcpy(p->id, b->participant);
    if (b->college && strlen(b->college) < ID_MAX) {
        strcpy(p->college, b->college);
    }
    p->role = role_parse(b->role);
    m->nparts++;
    size_t slot = hash_id(p->id) & (m->index_cap - 1);
    while (m->index[slot] != UINT32_MAX) {
        slot = (slot + 1) & (m->index_cap - 1);
    }
    m->index[slot] = (uint32_t)(m->nparts - 1);
    return 0;
}

/* participant.edited and participant.removed (meeting_edit_participant). */
static int
apply_roster_change(struct meeting *m, const struct event *ev)
{
    struct participant *p = find(m, ev->b.participant);
    if (!p) {
        return ERR_INTERNAL;
    }
    if (ev->type == EV_PARTICIPANT_REMOVED) {
        p->removed = true;
        p->role = ROLE_NONE;
        p->college[0] = '\0';
        p->present = false;
        p->mark = MARK_NONE;
        m->nremoved++;
        return 0;
    }
    if (core_set(&p->name, ev->b.name ? ev->b.name : "")) {
        return ERR_NOMEM;
    }
    snprintf(p->college, sizeof(p->college), "%s",
             ev->b.college && strlen(ev->b.college) < ID_MAX ? ev->b.college : "");
    p->role = role_parse(ev->b.role);
    return 0;
}

static int
apply_presence(struct meeting *m, const struct event *ev)
{
    struct participant *p = find(m, ev->b.participant);
    if (!p) {
        return ERR_INTERNAL;
    }
    p->present = ev->type == EV_PARTICIPANT_JOINED;
    if (p->present && !p->arrived) {
        p->arrived = ev->ts;
    } else if (!p->present) {
        p->left = ev->ts;
        p->disconnections++;
    }
    return 0;
}

static void
apply_configured(struct meeting *m, const struct event *ev)
{
    m->set.speaking_s = ev->b.speaking_time;
    m->set.first_turn = ev->b.first_turn != 0;
    m->set.alternate = ev->b.alternate != 0;
    m->set.quorum = ev->b.quorum;
    m->set.quorum_college = ev->b.quorum_college;
    m->set.grace_s = ev->b.grace;
    m->set.proxy_max = ev->b.proxy_max;
    m->set.proxy_college = ev->b.proxy_college != 0;
    m->set.proxy_quorum = ev->b.proxy_quorum != 0;
    if (ev->b.approval && *ev->b.approval) { /* absent from logs written before it existed */
        m->set.approval_next = strcmp(ev->b.approval, "next_meeting") == 0;
    }
}

/* An event of another part of the meeting: each part's *_apply answers 1
 * for an event type it does not know; no part knowing it is an error. */
static int
apply_part(struct meeting *m, const struct event *ev)
{
    int (*const parts[])(struct meeting *, const struct event *) = {
        agenda_apply,    speakers_apply,  attendance_apply, vote_apply,
        minutes_apply,   documents_apply, followup_apply,
    };
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
        int rc = parts[i](m, ev);
        if (rc != 1) {
            return rc;
        }
    }
    return ERR_INTERNAL;
}

int
meeting_apply(struct meeting *m, const struct event *ev)
{
    if (ev->seq != m->seq + 1) {
        return ERR_INTERNAL;
    }
    int rc = 0;
    switch (ev->type) {
    case EV_MEETING_CREATED:
        rc = apply_created(m, &ev->b);
        break;
    case EV_PARTICIPANT_ADDED:
        rc = apply_added(m, &ev->b);
        break;
    case EV_PARTICIPANT_EDITED:
    case EV_PARTICIPANT_REMOVED:
        rc = apply_roster_change(m, ev);
        break;
    case EV_PARTICIPANT_JOINED:
    case EV_PARTICIPANT_LEFT:
        rc = apply_presence(m, ev);
        break;
    case EV_INVITATION_ISSUED:
        for (size_t i = 0; i < ev->b.participants.n; i++) {
            if (!find(m, ev->b.participants.v[i])) {
                return ERR_INTERNAL;
            }
        }
        break;
    case EV_MEETING_OPENED:
        m->state = MEETING_OPEN;
        m->opened_at = ev->ts;
        break;
    case EV_MEETING_SUSPENDED:
        m->state = MEETING_SUSPENDED;
        break;
    case EV_MEETING_RESUMED:
        m->state = MEETING_OPEN;
        break;
    case EV_MEETING_CLOSED:
        m->state = MEETING_CLOSED;
        m->closed_at = ev->ts;
        break;
    case EV_MEETING_CONFIGURED:
        apply_configured(m, ev);
        break;
    default:
        rc = apply_part(m, ev);
    }
    if (rc == 0) {
        m->seq = ev->seq;
        m->last_ts = ev->ts;
    }
    return rc;
}

struct event *
core_emit(struct meeting *m, struct evlist *out, enum ev_type type, const char *actor,
          int64_t now)
{
    struct event *ev = evlist_push(out, type);
    if (!ev) {
        return NULL;
    }
    ev->seq = m->seq + 1;
    /* Timestamps never go backwards within a meeting, whatever the clock does. */
    ev->ts = now > m->last_ts ? now : m->last_ts;
    snprintf(ev->actor, sizeof(ev->actor), "%s", actor ? actor : "admin");
    return ev;
}

void
core_emit_drop(struct evlist *out)
{
    event_clear(&out->v[out->len - 1]);
    out->len--;
}

int
core_emit_done(struct meeting *m, struct evlist *out)
{
    struct event *ev = &out->v[out->len - 1];
    int rc = meeting_apply(m, ev);
    if (rc) {
        event_clear(ev);
        out->len--;
    }
    return rc;
}

static int
emit_simple(struct meeting *m, struct evlist *out, enum ev_type type, const char *actor,
            int64_t now)
{
    if (!core_emit(m, out, type, actor, now)) {
        return ERR_NOMEM;
    }
    return core_emit_done(m, out);
}

static int
copy_body(struct body *dst, const struct body *src)
{
    const char *s[] = {src->participant, src->name, src->college, src->role, src->title,
                       src->date, src->place, src->room, src->lang, src->commission,
                       src->commission_name};
    char **d[] = {&dst->participant, &dst->name, &dst->college, &dst->role, &dst->title,
                  &dst->date, &dst->place, &dst->room, &dst->lang, &dst->commission,
                  &dst->commission_name};
    for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
        if (s[i] && !(*d[i] = core_strdup(s[i]))) {
            return ERR_NOMEM;
        }
    }
    return 0;
}

int
meeting_create(struct meeting *m, const struct body *b, int64_t now, struct evlist *out)
{
    if (m->created) {
        return ERR_CONFLICT;
    }
    if (!b->title || !*b->title) {
        return ERR_INVALID;
    }
    struct event *ev = core_emit(m, out, EV_MEETING_CREATED, "admin", now);
    if (!ev) {
        return ERR_NOMEM;
    }
    if (copy_body(&ev->b, b)) {
        event_clear(ev);
        out->len--;
        return ERR_NOMEM;
    }
    return core_emit_done(m, out);
}

/* A roster entry's words: 0 and its role in *r, or ERR_INVALID. */
static int
entry_check(const struct body *b, enum role *r)
{
    if (!id_valid(b->participant) || !b->name || !*b->name) {
        return ERR_INVALID;
    }
    *r = role_parse(b->role);
    if (*r == ROLE_NONE || *r == ROLE_ADMIN) {
        return ERR_INVALID;
    }
    if (b->college && *b->college && !id_valid(b->college)) {
        return ERR_INVALID;
    }
    if (*r == ROLE_MEMBER && (!b->college || !*b->college)) {
        return ERR_INVALID;
    }
    return 0;
}

/* participant.added or participant.edited: the entry `b`, role `r`. */
static int
emit_entry(struct meeting *m, enum ev_type t, const struct body *b, enum role r, int64_t now,
           struct evlist *out)
{
    struct event *ev = core_emit(m, out, t, "admin", now);
    if (!ev) {
        return ERR_NOMEM;
    }
    if (!(ev->b.participant = core_strdup(b->participant)) || !(ev->b.name = core_strdup(b->name)) ||
        !(ev->b.college = core_strdup(b->college ? b->college : "")) ||
        !(ev->b.role = core_strdup(role_str(r)))) {
        event_clear(ev);
        out->len--;
        return ERR_NOMEM;
    }
    return core_emit_done(m, out);
}

int
meeting_add_participant(struct meeting *m, const struct body *b, int64_t now,
                        struct evlist *out)
{
    enum role r;
    if (!m->created) {
        return ERR_BAD_STATE;
    }
    if (entry_check(b, &r)) {
        return ERR_INVALID;
    }
    if (find(m, b->participant)) {
        return ERR_CONFLICT;
    }
    return emit_entry(m, EV_PARTICIPANT_ADDED, b, r, now, out);
}

int
meeting_edit_participant(struct meeting *m, const struct body *b, int64_t now,
                         struct evlist *out)
{
    enum role r;
    const struct participant *p = find(m, b->participant);
    if (!m->created || m->state != MEETING_SCHEDULED) {
        return ERR_BAD_STATE;
    }
    if (!p) {
        return ERR_NOT_FOUND;
    }
    if (entry_check(b, &r)) {
        return ERR_INVALID;
    }
    const char *college = b->college ? b->college : "";
    bool ties = r != p->role || strcmp(college, p->college) != 0;
    if (!ties && strcmp(b->name, p->name) == 0) {
        return 0;
    }
    int rc = ties ? vote_release(m, (uint32_t)(p - m->parts), now, out) : 0;
    return rc ? rc : emit_entry(m, EV_PARTICIPANT_EDITED, b, r, now, out);
}

int
meeting_remove_participant(struct meeting *m, const char *pid, int64_t now, struct evlist *out)
{
    const struct participant *p = find(m, pid);
    if (!m->created || m->state != MEETING_SCHEDULED) {
        return ERR_BAD_STATE;
    }
    if (!p) {
        return ERR_NOT_FOUND;
    }
    int rc = vote_release(m, (uint32_t)(p - m->parts), now, out);
    struct event *ev = rc ? NULL : core_emit(m, out, EV_PARTICIPANT_REMOVED, "admin", now);
    if (rc || !ev) {
        return rc ? rc : ERR_NOMEM;
    }
    if (!(ev->b.participant = core_strdup(pid))) {
        core_emit_drop(out);
        return ERR_NOMEM;
    }
    return core_emit_done(m, out);
}

static int
presence(struct meeting *m, const char *pid, bool present, int64_t now, struct evlist *out)
{
    const struct participant *p = find_any(m, pid, true);
    if (!p) {
        return ERR_NOT_FOUND;
    }
    if (p->removed) {
        return 0; /* off the roster: their connections were closed */
    }
    /* After the close the record's attendance is fixed: connections no
     * longer change it, and nothing but the record's approval follows
     * minutes.finalized (proto/RECORD.md). */
    if (p->present == present || m->state == MEETING_CLOSED) {
        return 0;
    }
    struct event *ev =
        core_emit(m, out, present ? EV_PARTICIPANT_JOINED : EV_PARTICIPANT_LEFT, pid, now);
    if (!ev) {
        return ERR_NOMEM;
    }
    if (!(ev->b.participant = core_strdup(pid))) {
        core_emit_drop(out);
        return ERR_NOMEM;
    }
    int rc = core_emit_done(m, out);
    return rc ? rc : quorum_check(m, now, out);
}

int
meeting_join(struct meeting *m, const char *pid, int64_t now, struct evlist *out)
{
    return presence(m, pid, true, now, out);
}

int
meeting_leave(struct meeting *m, const char *pid, int64_t now, struct evlist *out)
{
    return presence(m, pid, false, now, out);
}

static int
handle_configure(struct meeting *m, const struct cmd *c, const char *actor, int64_t now,
                 struct evlist *out)
{
    const struct body *b = &c->b;
    if (m->state == MEETING_CLOSED) {
        return ERR_BAD_STATE;
    }
    if (!(b->has & (HAS_SPEAKING_TIME | HAS_FIRST_TURN | HAS_ALTERNATE | HAS_QUORUM |
                    HAS_QUORUM_COLLEGE | HAS_GRACE | HAS_PROXY_MAX | HAS_PROXY_COLLEGE |
                    HAS_PROXY_QUORUM)) && !b->approval) {
        return ERR_BAD_MESSAGE; /* nothing to change */
    }
    if (b->approval && strcmp(b->approval, "same_meeting") && strcmp(b->approval, "next_meeting")) {
        return ERR_INVALID;
    }
    struct event *ev = core_emit(m, out, EV_MEETING_CONFIGURED, actor, now);
    if (!ev) {
        return ERR_NOMEM;
    }
    ev->b.has = HAS_SPEAKING_TIME | HAS_FIRST_TURN | HAS_ALTERNATE | HAS_QUORUM |
                HAS_QUORUM_COLLEGE | HAS_GRACE | HAS_PROXY_MAX | HAS_PROXY_COLLEGE |
                HAS_PROXY_QUORUM;
    ev->b.speaking_time = (b->has & HAS_SPEAKING_TIME) ? b->speaking_time : m->set.speaking_s;
    ev->b.first_turn = (b->has & HAS_FIRST_TURN) ? b->first_turn : m->set.first_turn;
    ev->b.alternate = (b->has & HAS_ALTERNATE) ? b->alternate : m->set.alternate;
    ev->b.quorum = (b->has & HAS_QUORUM) ? b->quorum : m->set.quorum;
    ev->b.quorum_college =
        (b->has & HAS_QUORUM_COLLEGE) ? b->quorum_college : m->set.quorum_college;
    ev->b.grace = (b->has & HAS_GRACE) ? b->grace : m->set.grace_s;
    ev->b.proxy_max = (b->has & HAS_PROXY_MAX) ? b->proxy_max : m->set.proxy_max;
    ev->b.proxy_college = (b->has & HAS_PROXY_COLLEGE) ? b->proxy_college : m->set.proxy_college;
    ev->b.proxy_quorum = (b->has & HAS_PROXY_QUORUM) ? b->proxy_quorum : m->set.proxy_quorum;
    if (!(ev->b.approval = core_strdup(b->approval ? b->approval
                                                   : approval_str(m->set.approval_next)))) {
        core_emit_drop(out);
        return ERR_NOMEM;
    }
    return core_emit_done(m, out);
}

/* Closing the meeting ends the turn in progress and closes the current item. */
static int
handle_close(struct meeting *m, const char *actor, int64_t now, struct evlist *out)
{
    if (m->state != MEETING_OPEN && m->state != MEETING_SUSPENDED) {
        return ERR_BAD_STATE;
    }
    for (size_t i = 0; i < m->nvotes; i++) {
        if (m->votes[i].state == VOTE_OPEN) {
            return ERR_BAD_STATE; /* close or cancel the vote first */
        }
    }
    int rc = speakers_end_turn(m, actor, now, out);
    if (rc == 0 && m->current >= 0) {
        struct event *ev = core_emit(m, out, EV_AGENDA_ITEM_CLOSED, actor, now);
        if (!ev) {
            return ERR_NOMEM;
        }
        if (!(ev->b.item = core_strdup(m->items[m->current].id))) {
            core_emit_drop(out);
            return ERR_NOMEM;
        }
        rc = core_emit_done(m, out);
    }
    return rc ? rc : emit_simple(m, out, EV_MEETING_CLOSED, actor, now);
}

static int
handle_lifecycle(struct meeting *m, const struct cmd *c, const char *actor, int64_t now,
                 struct evlist *out)
{
    switch (c->type) {
    case CMD_MEETING_OPEN:
        if (m->state != MEETING_SCHEDULED) {
            return ERR_BAD_STATE;
        }
        return emit_simple(m, out, EV_MEETING_OPENED, actor, now);
    case CMD_MEETING_SUSPEND:
        if (m->state != MEETING_OPEN) {
            return ERR_BAD_STATE;
        }
        return emit_simple(m, out, EV_MEETING_SUSPENDED, actor, now);
    case CMD_MEETING_RESUME:
        if (m->state != MEETING_SUSPENDED) {
            return ERR_BAD_STATE;
        }
        return emit_simple(m, out, EV_MEETING_RESUMED, actor, now);
    case CMD_MEETING_CLOSE:
        return handle_close(m, actor, now, out);
    case CMD_MEETING_CONFIGURE:
        return handle_configure(m, c, actor, now, out);
    default:
        return 1;
    }
}

int
meeting_handle(struct meeting *m, const struct cmd *c, const char *actor, int64_t now,
               struct evlist *out)
{
    const struct participant *p = find(m, actor);
    if (!p) {
        return ERR_NOT_FOUND;
    }
    if (!perm_allowed(p->role, c->type)) {
        return ERR_FORBIDDEN;
    }
    if (c->type == CMD_HELLO || c->type == CMD_PING) {
        return 0;
    }
    /* The finalised minutes are the record: from then on the chair's approval
     * is the only event the meeting may get, so that the approved record's
     * signed head is the log's head (a vote published late, say, would
     * otherwise follow the record it is missing from). */
    if (m->finalized_by[0] && c->type != CMD_RECORD_APPROVE) {
        return ERR_BAD_STATE;
    }
    int rc = handle_lifecycle(m, c, actor, now, out);
    if (rc == 1) {
        rc = agenda_handle(m, c, actor, now, out);
    }
    if (rc == 1) {
        rc = speakers_handle(m, c, actor, now, out);
    }
    if (rc == 1) {
        rc = attendance_handle(m, c, actor, now, out);
    }
    if (rc == 1) {
        rc = vote_handle(m, c, actor, now, out);
    }
    if (rc == 1) {
        rc = minutes_handle(m, c, actor, now, out);
    }
    if (rc == 1) {
        rc = followup_handle(m, c, actor, now, out);
    }
    if (rc == 1) {
        return ERR_UNKNOWN_TYPE;
    }
    /* Only what changes presence, proxies or the rule can move the quorum;
     * computing it walks every participant, too much for every ballot. */
    bool quorum = c->type == CMD_MEETING_OPEN || c->type == CMD_MEETING_RESUME ||
                  c->type == CMD_MEETING_CONFIGURE || c->type == CMD_ATTENDANCE_CHECKIN ||
                  c->type == CMD_ATTENDANCE_MARK || c->type == CMD_PROXY_GIVE ||
                  c->type == CMD_PROXY_RECORD || c->type == CMD_PROXY_REVOKE;
    return rc || !quorum ? rc : quorum_check(m, now, out);
}

/* The secretariat prepares a meeting through HTTP: its settings until it
 * opens (once members are in the room, changing the quorum is the chair's
 * act, in the room), its agenda until it closes. The events are the ones
 * the same commands write from the WebSocket, with actor "admin". */
int
meeting_admin_handle(struct meeting *m, const struct cmd *c, int64_t now, struct evlist *out)
{
    switch (c->type) {
    case CMD_MEETING_CONFIGURE:
        if (m->state != MEETING_SCHEDULED) {
            return ERR_BAD_STATE;
        }
        return handle_configure(m, c, NULL, now, out);
    case CMD_AGENDA_ADD:
    case CMD_AGENDA_EDIT:
    case CMD_AGENDA_MOVE:
    case CMD_AGENDA_REMOVE:
        return agenda_handle(m, c, NULL, now, out);
    default:
        return ERR_FORBIDDEN;
    }
}

int
meeting_invite(struct meeting *m, const struct strlist *pids, const char *actor, int64_t now,
               struct evlist *out)
{
    if (m->approved_by[0]) {
        return ERR_BAD_STATE;
    }
    for (size_t i = 0; i < pids->n; i++) {
        if (!find(m, pids->v[i])) {
            return ERR_NOT_FOUND;
        }
    }
    struct event *ev = core_emit(m, out, EV_INVITATION_ISSUED, actor, now);
    if (!ev) {
        return ERR_NOMEM;
    }
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < (pids->n ? pids->n : m->nparts); i++) {
        if (pids->n || !m->parts[i].removed) {
            rc = strlist_push(&ev->b.participants, pids->n ? pids->v[i] : m->parts[i].id);
        }
    }
    if (rc) {
        core_emit_drop(out);
        return rc;
    }
    return core_emit_done(m, out);
}
