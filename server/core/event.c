/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * event.c - lifetime of bodies, events and event lists; roles; the
 * permission matrix.
 *
 * The matrix is data, not code: one row per command, one bit per role, so
 * that proto/permissions.md and the exhaustive test read the same table.
 */
#include "event.h"

#include "../err.h"

#include <stdlib.h>
#include <string.h>

void
strlist_clear(struct strlist *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i]);
    }
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

int
strlist_push(struct strlist *l, const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    char **v = d ? realloc(l->v, (l->n + 1) * sizeof(*v)) : NULL;
    if (!v) {
        free(d);
        return ERR_NOMEM;
    }
    memcpy(d, s, n);
    l->v = v;
    l->v[l->n++] = d;
    return 0;
}

int
intlist_push(struct intlist *l, int64_t x)
{
    int64_t *v = realloc(l->v, (l->n + 1) * sizeof(*v));
    if (!v) {
        return ERR_NOMEM;
    }
    l->v = v;
    l->v[l->n++] = x;
    return 0;
}

void
body_clear(struct body *b)
{
    char **strs[] = {&b->participant, &b->name,        &b->college,   &b->role,
                     &b->title,       &b->date,        &b->place,     &b->room,
                     &b->lang,        &b->commission,  &b->commission_name, &b->token,
                     &b->item,        &b->description, &b->presenter, &b->kind,
                     &b->parent,      &b->request,     &b->status,    &b->reason,
                     &b->vote,        &b->question,    &b->mode,      &b->rule,
                     &b->choice,      &b->voter,       &b->by,        &b->from,
                     &b->to,          &b->winner,      &b->text,      &b->entry,
                     &b->origin,      &b->sha256,      &b->format,    &b->approves,
                     &b->approval,    &b->record,      &b->head,      &b->result,
                     &b->decision,    &b->action,      &b->owner,     &b->owner_name,
                     &b->due};
    for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
        free(*strs[i]);
    }
    struct strlist *lists[] = {&b->options, &b->entitled, &b->present_ids, &b->voters,
                               &b->bys,     &b->colleges, &b->receipts,    &b->replaces,
                               &b->speakers, &b->small_colleges, &b->participants,
                               &b->failing};
    for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
        strlist_clear(lists[i]);
    }
    free(b->counts.v);
    free(b->college_counts.v);
    free(b->college_passed.v);
    free(b->choices.v);
    free(b->college_present.v);
    free(b->college_required.v);
    memset(b, 0, sizeof(*b));
}

void
event_clear(struct event *ev)
{
    body_clear(&ev->b);
}

void
cmd_clear(struct cmd *c)
{
    body_clear(&c->b);
    free(c->canon);
    c->canon = NULL;
}

struct event *
evlist_push(struct evlist *l, enum ev_type type)
{
    if (l->len == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 4;
        struct event *v = realloc(l->v, cap * sizeof(*v));
        if (!v) {
            return NULL;
        }
        l->v = v;
        l->cap = cap;
    }
    struct event *ev = &l->v[l->len++];
    memset(ev, 0, sizeof(*ev));
    ev->type = type;
    return ev;
}

void
evlist_clear(struct evlist *l)
{
    for (size_t i = 0; i < l->len; i++) {
        event_clear(&l->v[i]);
    }
    free(l->v);
    l->v = NULL;
    l->len = l->cap = 0;
}

static const char *const role_names[ROLE_COUNT] = {
    [ROLE_NONE] = "none",           [ROLE_ADMIN] = "admin",   [ROLE_CHAIR] = "chair",
    [ROLE_SECRETARY] = "secretary", [ROLE_MEMBER] = "member", [ROLE_OBSERVER] = "observer",
};

const char *
role_str(enum role r)
{
    return (r >= 0 && r < ROLE_COUNT) ? role_names[r] : "none";
}

enum role
role_parse(const char *s)
{
    for (int r = ROLE_ADMIN; r < ROLE_COUNT; r++) {
        if (s && strcmp(s, role_names[r]) == 0) {
            return (enum role)r;
        }
    }
    return ROLE_NONE;
}

#define R(x) (1u << (x))
#define EVERYONE (R(ROLE_CHAIR) | R(ROLE_SECRETARY) | R(ROLE_MEMBER) | R(ROLE_OBSERVER))
#define BUREAU (R(ROLE_CHAIR) | R(ROLE_SECRETARY))
#define SPEAKERS (R(ROLE_CHAIR) | R(ROLE_SECRETARY) | R(ROLE_MEMBER))

static const struct {
    unsigned roles;
    bool mutates;
} matrix[CMD_COUNT] = {
    [CMD_HELLO] = {EVERYONE, false},
    [CMD_PING] = {EVERYONE, false},
    [CMD_MEETING_OPEN] = {R(ROLE_CHAIR), true},
    [CMD_MEETING_SUSPEND] = {R(ROLE_CHAIR), true},
    [CMD_MEETING_RESUME] = {R(ROLE_CHAIR), true},
    [CMD_MEETING_CLOSE] = {R(ROLE_CHAIR), true},
    [CMD_MEETING_CONFIGURE] = {R(ROLE_CHAIR), true},
    [CMD_AGENDA_ADD] = {BUREAU, true},
    [CMD_AGENDA_EDIT] = {BUREAU, true},
    [CMD_AGENDA_MOVE] = {BUREAU, true},
    [CMD_AGENDA_REMOVE] = {BUREAU, true},
    [CMD_AGENDA_OPEN] = {R(ROLE_CHAIR), true},
    [CMD_AGENDA_CLOSE] = {R(ROLE_CHAIR), true},
    [CMD_AGENDA_POSTPONE] = {R(ROLE_CHAIR), true},
    [CMD_SPEAKER_REQUEST] = {SPEAKERS, true},
    [CMD_SPEAKER_WITHDRAW] = {SPEAKERS, true},
    [CMD_SPEAKER_REMOVE] = {R(ROLE_CHAIR), true},
    [CMD_SPEAKER_MOVE] = {R(ROLE_CHAIR), true},
    [CMD_SPEAKER_NEXT] = {R(ROLE_CHAIR), true},
    [CMD_SPEAKER_GIVE] = {R(ROLE_CHAIR), true},
    [CMD_SPEAKER_END] = {R(ROLE_CHAIR), true},
    [CMD_SPEAKER_PAUSE] = {R(ROLE_CHAIR), true},
    [CMD_SPEAKER_RESUME] = {R(ROLE_CHAIR), true},
    [CMD_SPEAKER_CLOSE_LIST] = {R(ROLE_CHAIR), true},
    [CMD_SPEAKER_REOPEN_LIST] = {R(ROLE_CHAIR), true},
    [CMD_ATTENDANCE_CHECKIN] = {SPEAKERS, true},
    [CMD_ATTENDANCE_MARK] = {BUREAU, true},
    [CMD_VOTE_PREPARE] = {BUREAU, true},
    [CMD_VOTE_OPEN] = {R(ROLE_CHAIR), true},
    [CMD_VOTE_CAST] = {R(ROLE_MEMBER), true},
    [CMD_VOTE_CLOSE] = {R(ROLE_CHAIR), true},
    [CMD_VOTE_PUBLISH] = {BUREAU, true},
    [CMD_VOTE_CANCEL] = {R(ROLE_CHAIR), true},
    [CMD_PROXY_GIVE] = {R(ROLE_MEMBER), true},
    [CMD_PROXY_RECORD] = {R(ROLE_SECRETARY), true},
    [CMD_PROXY_REVOKE] = {R(ROLE_MEMBER) | R(ROLE_SECRETARY), true},
    [CMD_RECUSAL_DECLARE] = {R(ROLE_MEMBER) | R(ROLE_SECRETARY), true},
    [CMD_RECUSAL_WITHDRAW] = {R(ROLE_MEMBER) | R(ROLE_SECRETARY), true},
    [CMD_MINUTES_ADD] = {R(ROLE_SECRETARY), true},
    [CMD_MINUTES_EDIT] = {R(ROLE_SECRETARY), true},
    [CMD_MINUTES_DELETE] = {R(ROLE_SECRETARY), true},
    [CMD_MINUTES_FINALIZE] = {R(ROLE_SECRETARY), true},
    [CMD_RECORD_APPROVE] = {R(ROLE_CHAIR), true},
    [CMD_MINUTES_APPROVE_PREVIOUS] = {R(ROLE_CHAIR), true},
    [CMD_DECISION_RECORD] = {BUREAU, true},
    [CMD_ACTION_RECORD] = {BUREAU, true},
    [CMD_ACTION_UPDATE] = {BUREAU, true},
};

bool
perm_allowed(enum role r, enum cmd_type t)
{
    if (t < 0 || t >= CMD_COUNT || r <= ROLE_NONE || r >= ROLE_COUNT) {
        return false;
    }
    return (matrix[t].roles & R(r)) != 0;
}

bool
cmd_mutates(enum cmd_type t)
{
    return t >= 0 && t < CMD_COUNT && matrix[t].mutates;
}
