/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * minutes.c - the secretary's minutes entries, their finalisation and the
 * chair's approval of the record.
 *
 * An entry is stamped with the server's time of the event that adds it and
 * attached to the current item unless the secretary names another. Edits
 * and deletions are events too, so the history of every entry stays in the
 * log; the record shows the last text and says that it was edited.
 * minutes.finalized freezes the minutes (the meeting must be closed): from
 * then on, every change is refused with bad_state, and the record can be
 * built. record.approved is the chair's co-signature of that record.
 */
#include "internal.h"

#include "../err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ENTRIES 100000
/* The text of the entries in force, in all: the snapshot every member is
 * welcomed with holds it, so it is bounded (two thousand pages; a three-hour
 * meeting's minutes are about a hundredth of it). */
#define MAX_ENTRIES_BYTES (4u << 20)
#define MAX_SPEAKERS 50

int32_t
meeting_entry_index(const struct meeting *m, const char *id)
{
    for (size_t i = 0; id && i < m->nentries; i++) {
        if (strcmp(m->entries[i].id, id) == 0) {
            return (int32_t)i;
        }
    }
    return -1;
}

void
entry_free(struct entry *e)
{
    free(e->text);
    strlist_clear(&e->speakers);
}

static int
set_speakers(struct strlist *dst, const struct strlist *src)
{
    struct strlist l = {0};
    for (size_t i = 0; i < src->n; i++) {
        if (strlist_push(&l, src->v[i])) {
            strlist_clear(&l);
            return ERR_NOMEM;
        }
    }
    strlist_clear(dst);
    *dst = l;
    return 0;
}

int
minutes_apply(struct meeting *m, const struct event *ev)
{
    int32_t i;
    struct entry *e;
    switch (ev->type) {
    case EV_MINUTES_ENTRY_ADDED:
        if (meeting_entry_index(m, ev->b.entry) >= 0 || !ev->b.entry ||
            strlen(ev->b.entry) >= ID_MAX) {
            return ERR_INTERNAL;
        }
        if (m->nentries == m->capentries) {
            size_t cap = m->capentries ? m->capentries * 2 : 16;
            struct entry *v = realloc(m->entries, cap * sizeof(*v));
            if (!v) {
                return ERR_NOMEM;
            }
            m->entries = v;
            m->capentries = cap;
        }
        e = &m->entries[m->nentries];
        memset(e, 0, sizeof(*e));
        if (!(e->text = core_strdup(ev->b.text ? ev->b.text : "")) ||
            set_speakers(&e->speakers, &ev->b.speakers)) {
            entry_free(e);
            return ERR_NOMEM;
        }
        strcpy(e->id, ev->b.entry);
        e->item = ev->b.item && *ev->b.item ? meeting_item_index(m, ev->b.item) : -1;
        e->ts = ev->ts;
        m->nentries++;
        m->entries_bytes += strlen(e->text);
        return 0;
    case EV_MINUTES_ENTRY_EDITED:
    case EV_MINUTES_ENTRY_DELETED:
        if ((i = meeting_entry_index(m, ev->b.entry)) < 0) {
            return ERR_INTERNAL;
        }
        e = &m->entries[i];
        size_t was = e->deleted ? 0 : strlen(e->text);
        if (ev->type == EV_MINUTES_ENTRY_DELETED) {
            e->deleted = true;
            m->entries_bytes -= was;
            return 0;
        }
        if (core_set(&e->text, ev->b.text) || set_speakers(&e->speakers, &ev->b.speakers)) {
            return ERR_NOMEM;
        }
        m->entries_bytes += strlen(e->text) - was;
        e->item = ev->b.item && *ev->b.item ? meeting_item_index(m, ev->b.item) : -1;
        e->edited = true;
        return 0;
    case EV_MINUTES_FINALIZED:
        snprintf(m->finalized_by, sizeof(m->finalized_by), "%s", ev->actor);
        m->finalized_at = ev->ts;
        return 0;
    case EV_RECORD_APPROVED:
        snprintf(m->approved_by, sizeof(m->approved_by), "%s", ev->actor);
        m->approved_at = ev->ts;
        return 0;
    case EV_MINUTES_APPROVED_PREVIOUS: {
        int32_t it = ev->b.item ? meeting_item_index(m, ev->b.item) : -1;
        if (it < 0) {
            return ERR_INTERNAL;
        }
        m->items[it].approved_seq = ev->seq;
        m->items[it].approved_at = ev->ts;
        m->items[it].approved_vote =
            ev->b.vote && *ev->b.vote ? meeting_vote_index(m, ev->b.vote) : -1;
        return 0;
    }
    default:
        return 1;
    }
}

/* Fill an entry event's item, text and speakers, checking them. */
static int
entry_body(struct meeting *m, const struct body *in, const struct entry *old, struct body *out)
{
    const char *text = in->text ? in->text : old ? old->text : NULL;
    if (!text || !*text) {
        return ERR_INVALID;
    }
    if (m->entries_bytes - (old ? strlen(old->text) : 0) + strlen(text) > MAX_ENTRIES_BYTES) {
        return ERR_TOO_LARGE;
    }
    int32_t item = old ? old->item : m->current;
    if (in->item) {
        if (*in->item && (item = meeting_item_index(m, in->item)) < 0) {
            return ERR_NOT_FOUND;
        }
        if (!*in->item) {
            item = -1;
        }
    }
    const struct strlist *sp = in->speakers.n || !old ? &in->speakers : &old->speakers;
    if (sp->n > MAX_SPEAKERS) {
        return ERR_TOO_LARGE;
    }
    for (size_t i = 0; i < sp->n; i++) {
        if (!meeting_participant(m, sp->v[i])) {
            return ERR_NOT_FOUND;
        }
    }
    if (!(out->text = core_strdup(text)) ||
        !(out->item = core_strdup(item >= 0 ? m->items[item].id : "")) ||
        set_speakers(&out->speakers, sp)) {
        return ERR_NOMEM;
    }
    return 0;
}

/* minutes.approve_previous: on the current item that approves an earlier
 * meeting's minutes, the chair records their approval, by the vote named
 * (closed on that item, and passed) or without objection. What the earlier
 * record is (its SHA-256, events and head, its date) the hub reads and puts
 * in the command: core never sees another meeting. */
static int
approve_previous(struct meeting *m, const struct cmd *c, const char *actor, int64_t now,
                 struct evlist *out)
{
    const struct body *b = &c->b;
    int32_t i = b->item ? meeting_item_index(m, b->item) : -1;
    if (i < 0 || m->items[i].removed) {
        return ERR_NOT_FOUND;
    }
    struct item *it = &m->items[i];
    if (!it->approves[0]) {
        return ERR_INVALID; /* the item approves no minutes */
    }
    if (it->approved_seq) {
        return ERR_CONFLICT;
    }
    if (m->state != MEETING_OPEN || m->current != i) {
        return ERR_BAD_STATE;
    }
    int32_t v = -1;
    if (b->vote && *b->vote) {
        if ((v = meeting_vote_index(m, b->vote)) < 0) {
            return ERR_NOT_FOUND;
        }
        const struct vote *vo = &m->votes[v];
        if (vo->item != i) {
            return ERR_INVALID;
        }
        if ((vo->state != VOTE_CLOSED && vo->state != VOTE_PUBLISHED) || !vo->passed) {
            return ERR_BAD_STATE;
        }
    }
    if (!b->approves || strcmp(b->approves, it->approves) != 0 || !b->record || !b->head) {
        return ERR_INTERNAL; /* the hub did not say what the earlier record is */
    }
    struct event *ev = core_emit(m, out, EV_MINUTES_APPROVED_PREVIOUS, actor, now);
    if (!ev) {
        return ERR_NOMEM;
    }
    ev->b.has = HAS_EVENTS;
    ev->b.events = b->events;
    if (!(ev->b.item = core_strdup(it->id)) || !(ev->b.approves = core_strdup(it->approves)) ||
        !(ev->b.date = core_strdup(b->date ? b->date : "")) ||
        !(ev->b.record = core_strdup(b->record)) || !(ev->b.head = core_strdup(b->head)) ||
        !(ev->b.vote = core_strdup(v >= 0 ? m->votes[v].id : "")) ||
        !(ev->b.result = core_strdup(v >= 0 ? "adopted" : "no_objection"))) {
        core_emit_drop(out);
        return ERR_NOMEM;
    }
    return core_emit_done(m, out);
}

int
minutes_handle(struct meeting *m, const struct cmd *c, const char *actor, int64_t now,
               struct evlist *out)
{
    if (c->type < CMD_MINUTES_ADD || c->type > CMD_MINUTES_APPROVE_PREVIOUS) {
        return 1;
    }
    if (c->type == CMD_MINUTES_APPROVE_PREVIOUS) {
        return approve_previous(m, c, actor, now, out);
    }
    if (c->type == CMD_RECORD_APPROVE) {
        /* under next_meeting the minutes are approved by the next meeting */
        if (!m->finalized_by[0] || m->approved_by[0] || m->set.approval_next) {
            return ERR_BAD_STATE;
        }
        return core_emit(m, out, EV_RECORD_APPROVED, actor, now) ? core_emit_done(m, out)
                                                                  : ERR_NOMEM;
    }
    if (m->finalized_by[0]) {
        return ERR_BAD_STATE; /* the minutes are final */
    }
    if (c->type == CMD_MINUTES_FINALIZE) {
        if (m->state != MEETING_CLOSED) {
            return ERR_BAD_STATE;
        }
        return core_emit(m, out, EV_MINUTES_FINALIZED, actor, now) ? core_emit_done(m, out)
                                                                   : ERR_NOMEM;
    }
    int32_t i = -1;
    if (c->type != CMD_MINUTES_ADD) {
        i = meeting_entry_index(m, c->b.entry);
        if (i < 0 || m->entries[i].deleted) {
            return ERR_NOT_FOUND;
        }
        if (c->type == CMD_MINUTES_EDIT && !c->b.text && !c->b.item && !c->b.speakers.n) {
            return ERR_INVALID; /* nothing to change: no event that says nothing */
        }
    } else if (m->nentries >= MAX_ENTRIES) {
        return ERR_TOO_LARGE;
    }
    enum ev_type t = c->type == CMD_MINUTES_ADD    ? EV_MINUTES_ENTRY_ADDED
                     : c->type == CMD_MINUTES_EDIT ? EV_MINUTES_ENTRY_EDITED
                                                   : EV_MINUTES_ENTRY_DELETED;
    struct event *ev = core_emit(m, out, t, actor, now);
    if (!ev) {
        return ERR_NOMEM;
    }
    char id[ID_MAX];
    snprintf(id, sizeof(id), "e%zu", m->nentries + 1);
    int rc = (ev->b.entry = core_strdup(i >= 0 ? m->entries[i].id : id)) ? 0 : ERR_NOMEM;
    if (rc == 0 && t != EV_MINUTES_ENTRY_DELETED) {
        rc = entry_body(m, &c->b, i >= 0 ? &m->entries[i] : NULL, &ev->b);
    }
    if (rc) {
        core_emit_drop(out);
        return rc;
    }
    return core_emit_done(m, out);
}
