/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * followup.c - decisions and action items, and their follow-up from one
 * meeting of a commission to the next.
 *
 * The chair or the secretary records, on an agenda item (the current one
 * unless they name another), a decision (a text, possibly pointing at the
 * vote it follows) or an action (a title, who carries it, a due date, a
 * status: open, in progress, done, dropped). A change of status is an event
 * of its own, so the log tells when each action moved.
 *
 * Across meetings nothing is stored beside the logs: an action is still to
 * be done when action_open() says so, and when the agenda of the next
 * meeting is prepared the server carries every such action of the previous
 * meeting (actions_to_carry()) under one "follow-up" item, each with the
 * origin "MEETING/ACTION" where it began. Carried again, it keeps that
 * origin, which is also how a second preparation knows it is already there.
 * Its later changes are events of the meeting where they are made; the
 * earlier meeting's record keeps the status it had at its close.
 *
 * Who carries an action is a participant of the meeting or a working group
 * of the commission; core/ knows no groups: the hub checks the group and
 * hands its name in the command's `name`, and the event writes the owner's
 * name, so that the record reads from the log alone.
 */
#include "internal.h"

#include "../err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DECISIONS 1000
#define MAX_ACTIONS 1000

static const char *const status_names[] = {
    [ACTION_OPEN] = "open",
    [ACTION_IN_PROGRESS] = "in_progress",
    [ACTION_DONE] = "done",
    [ACTION_DROPPED] = "dropped",
};

const char *
action_status_str(enum action_status s)
{
    return s >= ACTION_OPEN && s <= ACTION_DROPPED ? status_names[s] : "open";
}

int
action_status_parse(const char *s, enum action_status *out)
{
    for (int i = ACTION_OPEN; s && i <= ACTION_DROPPED; i++) {
        if (strcmp(s, status_names[i]) == 0) {
            *out = (enum action_status)i;
            return 0;
        }
    }
    return ERR_INVALID;
}

bool
action_open(const struct action *a)
{
    return a->status == ACTION_OPEN || a->status == ACTION_IN_PROGRESS;
}

bool
date_valid(const char *s)
{
    static const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-') {
        return false;
    }
    for (int i = 0; i < 10; i++) {
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9')) {
            return false;
        }
    }
    int y = atoi(s), mo = atoi(s + 5), d = atoi(s + 8);
    if (y < 2000 || y > 2999 || mo < 1 || mo > 12 || d < 1 || d > days[mo - 1]) {
        return false;
    }
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return !(mo == 2 && d == 29 && !leap);
}

int32_t
meeting_action_index(const struct meeting *m, const char *id)
{
    for (size_t i = 0; id && i < m->nactions; i++) {
        if (strcmp(m->actions[i].id, id) == 0) {
            return (int32_t)i;
        }
    }
    return -1;
}

static int32_t
decision_index(const struct meeting *m, const char *id)
{
    for (size_t i = 0; id && i < m->ndecisions; i++) {
        if (strcmp(m->decisions[i].id, id) == 0) {
            return (int32_t)i;
        }
    }
    return -1;
}

void
action_origin(const struct action *a, const char *mid, char out[2 * ID_MAX])
{
    if (a->origin[0]) {
        snprintf(out, 2 * ID_MAX, "%s", a->origin);
    } else {
        snprintf(out, 2 * ID_MAX, "%s/%s", mid, a->id);
    }
}

static bool
carried(const struct meeting *m, const char *origin)
{
    for (size_t i = 0; m && i < m->nactions; i++) {
        if (strcmp(m->actions[i].origin, origin) == 0) {
            return true;
        }
    }
    return false;
}

size_t
actions_to_carry(const struct meeting *m, const struct meeting *prev, uint32_t *out)
{
    size_t n = 0;
    char origin[2 * ID_MAX];
    for (size_t i = 0; i < prev->nactions; i++) {
        action_origin(&prev->actions[i], prev->id, origin);
        if (action_open(&prev->actions[i]) && !carried(m, origin)) {
            out[n++] = (uint32_t)i;
        }
    }
    return n;
}

void
followup_free(struct meeting *m)
{
    for (size_t i = 0; i < m->ndecisions; i++) {
        free(m->decisions[i].text);
    }
    free(m->decisions);
    for (size_t i = 0; i < m->nactions; i++) {
        free(m->actions[i].title);
        free(m->actions[i].owner_name);
    }
    free(m->actions);
}

static int
grow(void **v, size_t *cap, size_t n, size_t size)
{
    if (n < *cap) {
        return 0;
    }
    size_t c = *cap ? *cap * 2 : 8;
    void *p = realloc(*v, c * size);
    if (!p) {
        return ERR_NOMEM;
    }
    *v = p;
    *cap = c;
    return 0;
}

static int
apply_decision(struct meeting *m, const struct event *ev)
{
    const struct body *b = &ev->b;
    if (!b->decision || strlen(b->decision) >= ID_MAX || decision_index(m, b->decision) >= 0 ||
        (b->vote && strlen(b->vote) >= ID_MAX)) {
        return ERR_INTERNAL;
    }
    if (grow((void **)&m->decisions, &m->capdecisions, m->ndecisions, sizeof(*m->decisions))) {
        return ERR_NOMEM;
    }
    struct decision *d = &m->decisions[m->ndecisions];
    memset(d, 0, sizeof(*d));
    if (!(d->text = core_strdup(b->text ? b->text : ""))) {
        return ERR_NOMEM;
    }
    strcpy(d->id, b->decision);
    snprintf(d->vote, sizeof(d->vote), "%s", b->vote ? b->vote : "");
    d->item = meeting_item_index(m, b->item);
    d->ts = ev->ts;
    m->ndecisions++;
    return 0;
}

static int
apply_action(struct meeting *m, const struct event *ev)
{
    const struct body *b = &ev->b;
    enum action_status st = ACTION_OPEN;
    if (!b->action || strlen(b->action) >= ID_MAX || meeting_action_index(m, b->action) >= 0 ||
        !b->owner || strlen(b->owner) >= ID_MAX || (b->due && strlen(b->due) >= 16) ||
        (b->origin && strlen(b->origin) >= 2 * ID_MAX) || action_status_parse(b->status, &st)) {
        return ERR_INTERNAL;
    }
    if (grow((void **)&m->actions, &m->capactions, m->nactions, sizeof(*m->actions))) {
        return ERR_NOMEM;
    }
    struct action *a = &m->actions[m->nactions];
    memset(a, 0, sizeof(*a));
    if (!(a->title = core_strdup(b->title ? b->title : "")) ||
        !(a->owner_name = core_strdup(b->owner_name ? b->owner_name : ""))) {
        free(a->title);
        return ERR_NOMEM;
    }
    strcpy(a->id, b->action);
    strcpy(a->owner, b->owner);
    snprintf(a->due, sizeof(a->due), "%s", b->due ? b->due : "");
    snprintf(a->origin, sizeof(a->origin), "%s", b->origin ? b->origin : "");
    a->item = meeting_item_index(m, b->item);
    a->status = st;
    a->ts = ev->ts;
    m->nactions++;
    return 0;
}

int
followup_apply(struct meeting *m, const struct event *ev)
{
    int32_t i;
    switch (ev->type) {
    case EV_DECISION_RECORDED:
        return apply_decision(m, ev);
    case EV_ACTION_RECORDED:
        return apply_action(m, ev);
    case EV_ACTION_UPDATED:
        if ((i = meeting_action_index(m, ev->b.action)) < 0 ||
            action_status_parse(ev->b.status, &m->actions[i].status)) {
            return ERR_INTERNAL;
        }
        m->actions[i].updated = ev->ts;
        return 0;
    default:
        return 1;
    }
}

/* The item a command names, or the current one; -1 with *rc set otherwise. */
static int32_t
target_item(const struct meeting *m, const char *item, int *rc)
{
    int32_t i = item && *item ? meeting_item_index(m, item) : m->current;
    *rc = i >= 0 ? 0 : item && *item ? ERR_NOT_FOUND : ERR_INVALID;
    return i;
}

static int
record_decision(struct meeting *m, const struct cmd *c, const char *actor, int64_t now,
                struct evlist *out)
{
    int rc;
    int32_t it = target_item(m, c->b.item, &rc);
    if (rc) {
        return rc;
    }
    if (!c->b.text || !*c->b.text) {
        return ERR_INVALID;
    }
    if (c->b.vote && *c->b.vote && meeting_vote_index(m, c->b.vote) < 0) {
        return ERR_NOT_FOUND;
    }
    if (m->ndecisions >= MAX_DECISIONS) {
        return ERR_TOO_LARGE;
    }
    char id[ID_MAX];
    snprintf(id, sizeof(id), "d%zu", m->ndecisions + 1);
    struct event *ev = core_emit(m, out, EV_DECISION_RECORDED, actor, now);
    if (!ev) {
        return ERR_NOMEM;
    }
    if (!(ev->b.decision = core_strdup(id)) || !(ev->b.item = core_strdup(m->items[it].id)) ||
        !(ev->b.text = core_strdup(c->b.text)) ||
        !(ev->b.vote = core_strdup(c->b.vote ? c->b.vote : ""))) {
        core_emit_drop(out);
        return ERR_NOMEM;
    }
    return core_emit_done(m, out);
}

/* Emit action.recorded; `owner_name` already resolved. */
static int
emit_action(struct meeting *m, int32_t item, const char *title, const char *owner,
            const char *owner_name, const char *due, enum action_status st, const char *origin,
            const char *actor, int64_t now, struct evlist *out)
{
    if (m->nactions >= MAX_ACTIONS) {
        return ERR_TOO_LARGE;
    }
    char id[ID_MAX];
    snprintf(id, sizeof(id), "a%zu", m->nactions + 1);
    struct event *ev = core_emit(m, out, EV_ACTION_RECORDED, actor, now);
    if (!ev) {
        return ERR_NOMEM;
    }
    if (!(ev->b.action = core_strdup(id)) || !(ev->b.item = core_strdup(m->items[item].id)) ||
        !(ev->b.title = core_strdup(title)) || !(ev->b.owner = core_strdup(owner)) ||
        !(ev->b.owner_name = core_strdup(owner_name)) || !(ev->b.due = core_strdup(due)) ||
        !(ev->b.status = core_strdup(action_status_str(st))) ||
        (origin && !(ev->b.origin = core_strdup(origin)))) {
        core_emit_drop(out);
        return ERR_NOMEM;
    }
    return core_emit_done(m, out);
}

static int
record_action(struct meeting *m, const struct cmd *c, const char *actor, int64_t now,
              struct evlist *out)
{
    int rc;
    enum action_status st = ACTION_OPEN;
    int32_t it = target_item(m, c->b.item, &rc);
    if (rc) {
        return rc;
    }
    if (!c->b.title || !*c->b.title || !c->b.owner || !id_valid(c->b.owner) ||
        (c->b.due && *c->b.due && !date_valid(c->b.due)) ||
        (c->b.status && action_status_parse(c->b.status, &st))) {
        return ERR_INVALID;
    }
    /* a participant, or a group whose name the hub found */
    const struct participant *p = meeting_participant(m, c->b.owner);
    const char *name = p ? p->name : c->b.name;
    if (!name) {
        return ERR_NOT_FOUND;
    }
    return emit_action(m, it, c->b.title, c->b.owner, name, c->b.due ? c->b.due : "", st, NULL,
                       actor, now, out);
}

static int
update_action(struct meeting *m, const struct cmd *c, const char *actor, int64_t now,
              struct evlist *out)
{
    enum action_status st;
    if (action_status_parse(c->b.status, &st)) {
        return ERR_INVALID;
    }
    int32_t i = meeting_action_index(m, c->b.action);
    if (i < 0) {
        return ERR_NOT_FOUND;
    }
    if (m->actions[i].status == st) {
        return ERR_CONFLICT; /* no event that says nothing */
    }
    struct event *ev = core_emit(m, out, EV_ACTION_UPDATED, actor, now);
    if (!ev) {
        return ERR_NOMEM;
    }
    if (!(ev->b.action = core_strdup(m->actions[i].id)) ||
        !(ev->b.status = core_strdup(action_status_str(st)))) {
        core_emit_drop(out);
        return ERR_NOMEM;
    }
    return core_emit_done(m, out);
}

int
followup_handle(struct meeting *m, const struct cmd *c, const char *actor, int64_t now,
                struct evlist *out)
{
    switch (c->type) {
    case CMD_DECISION_RECORD:
        return record_decision(m, c, actor, now, out);
    case CMD_ACTION_RECORD:
        return record_action(m, c, actor, now, out);
    case CMD_ACTION_UPDATE:
        return update_action(m, c, actor, now, out);
    default:
        return 1;
    }
}

int
meeting_carry_actions(struct meeting *m, const struct meeting *prev, const char *title,
                      int64_t now, struct evlist *out)
{
    if (m->state == MEETING_CLOSED) {
        return ERR_BAD_STATE;
    }
    uint32_t *idx = malloc((prev->nactions ? prev->nactions : 1) * sizeof(*idx));
    if (!idx) {
        return ERR_NOMEM;
    }
    size_t n = actions_to_carry(m, prev, idx);
    int rc = 0;
    int32_t item = -1;
    for (size_t i = 0; n && i < m->nitems; i++) {
        if (!m->items[i].removed && !m->items[i].parent[0] &&
            strcmp(m->items[i].title, title) == 0) {
            item = (int32_t)i;
            break;
        }
    }
    if (n && item < 0) {
        struct cmd add = {.type = CMD_AGENDA_ADD};
        add.b.title = (char *)title;
        add.b.kind = "information";
        rc = agenda_handle(m, &add, NULL, now, out);
        item = (int32_t)m->nitems - 1;
    }
    char origin[2 * ID_MAX];
    for (size_t k = 0; rc == 0 && k < n; k++) {
        const struct action *a = &prev->actions[idx[k]];
        action_origin(a, prev->id, origin);
        rc = emit_action(m, item, a->title, a->owner, a->owner_name, a->due, a->status, origin,
                         "admin", now, out);
    }
    free(idx);
    return rc;
}
