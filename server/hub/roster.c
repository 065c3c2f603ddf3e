/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * roster.c - the secretariat edits a member of a commission's roster, or
 * takes them off it (proto/PROTOCOL.md 3, "Changing the roster").
 *
 * A meeting's participants are the roster as it was when the meeting was
 * created (participant.added, api.c). A change of the roster reaches the
 * meetings of the commission not yet opened, the drafts, as events of their
 * logs (participant.edited, participant.removed, actor admin: core/meeting.c
 * holds that rule); a meeting that has opened keeps its participants as its
 * log recorded them, since its record is signed from that log. The roster,
 * the working groups and every draft change in one transaction: all or
 * nothing.
 *
 * A member's words are read by hub_member_words() (api.c), the one rule of
 * every route that takes a member. Removing a member who leads a working
 * group, or owns an action still to be done, is refused (conflict): the
 * secretariat names a new lead, or the meeting settles the action, first.
 * Their place among a group's members is simply given up. Their personal
 * links to the drafts are revoked and their connections to them closed;
 * their links to meetings already opened keep working, for they took part.
 */
#define _POSIX_C_SOURCE 200809L
#include "hub_impl.h"

#include "../err.h"
#include "../log.h"
#include "../proto/pj.h"
#include "../proto/proto.h"
#include "../store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A roster entry as stored. */
struct roster_entry {
    const char *id;
    bool found;
    char name[256];
    char college[ID_MAX];
    char role[16];
    char email[256];
    char lang[8];
};

static int
entry_row(void *ctx, const char *id, const char *name, const char *college, const char *role)
{
    struct roster_entry *e = ctx;
    if (!e->found && strcmp(e->id, id) == 0) {
        e->found = true;
        snprintf(e->name, sizeof(e->name), "%s", name);
        snprintf(e->college, sizeof(e->college), "%s", college);
        snprintf(e->role, sizeof(e->role), "%s", role);
    }
    return 0;
}

static int
entry_find(struct hub *h, const char *cid, struct roster_entry *e)
{
    int rc = store_members(h->st, cid, entry_row, e);
    if (rc == 0 && !e->found) {
        rc = ERR_NOT_FOUND;
    }
    if (rc == 0) {
        rc = store_member_email(h->st, e->id, e->email, sizeof(e->email));
    }
    return rc ? rc : store_member_lang(h->st, e->id, e->lang, sizeof(e->lang));
}

static int
meeting_id(void *ctx, const char *id)
{
    return strlist_push(ctx, id);
}

/* The drafts a roster change reached, and where their messages of the
 * turn began (for an undo); `ids` those where it wrote events. */
struct drafts {
    struct live **l;
    size_t *mark;
    size_t n, cap;
    struct strlist ids;
};

static int
drafts_push(struct drafts *d, struct live *l)
{
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 8;
        struct live **v = realloc(d->l, cap * sizeof(*v));
        size_t *mk = v ? realloc(d->mark, cap * sizeof(*mk)) : NULL;
        if (v) {
            d->l = v;
        }
        if (!mk) {
            return ERR_NOMEM;
        }
        d->mark = mk;
        d->cap = cap;
    }
    d->l[d->n] = l;
    d->mark[d->n++] = l->npending;
    return 0;
}

static void
drafts_clear(struct drafts *d)
{
    free(d->l);
    free(d->mark);
    strlist_clear(&d->ids);
}

/* Carry the change into every draft meeting of `cid` that lists `pid`:
 * `entry` its new words, or NULL for a removal (whose links to the draft are
 * revoked). Inside the caller's transaction; each draft is in d before its
 * state changes, so that a failure can rebuild it. */
static int
drafts_change(struct hub *h, const char *cid, const char *pid, const struct body *entry,
              int64_t now, struct drafts *d)
{
    struct strlist all = {0};
    int rc = store_commission_meetings(h->st, cid, meeting_id, &all);
    for (size_t i = 0; rc == 0 && i < all.n; i++) {
        struct live *l;
        struct evlist evs = {0};
        if ((rc = hub_live(h, all.v[i], &l))) {
            break;
        }
        if (l->m->state != MEETING_SCHEDULED || !meeting_participant(l->m, pid) ||
            (rc = drafts_push(d, l))) {
            continue;
        }
        rc = entry ? meeting_edit_participant(l->m, entry, now, &evs)
                   : meeting_remove_participant(l->m, pid, now, &evs);
        if (rc == 0 && evs.len && (rc = hub_write_events(h, l, &evs)) == 0) {
            rc = strlist_push(&d->ids, l->m->id);
        }
        if (rc == 0 && !entry) {
            int count = 0;
            rc = store_token_revoke(h->st, l->m->id, pid, now, &count);
        }
        evlist_clear(&evs);
    }
    strlist_clear(&all);
    return rc;
}

static struct pj *
ids_array(const struct strlist *ids)
{
    struct pj *a = pj_array();
    for (size_t i = 0; i < ids->n; i++) {
        pj_push_str(a, ids->v[i]);
    }
    return a;
}

/* Run the transaction of one change; on failure every draft touched is
 * rebuilt from its log. */
static int
change_commit(struct hub *h, const char *cid, const struct roster_entry *e,
              const struct body *entry, const struct hub_member_words *m, int64_t now,
              struct drafts *d, struct strlist *groups)
{
    int rc = hub_begin(h);
    if (rc) {
        return rc;
    }
    rc = entry ? store_member_set(h->st, cid, e->id, entry->name, entry->college, entry->role,
                                  m->email, m->lang)
               : store_member_remove(h->st, cid, e->id);
    if (rc == 0 && !entry) {
        rc = hub_groups_drop_member(h, cid, e->id, now, groups);
    }
    if (rc == 0) {
        rc = drafts_change(h, cid, e->id, entry, now, d);
    }
    hub_end(h, NULL, 0, rc);
    for (size_t i = 0; rc && i < d->n; i++) {
        hub_undo(h, d->l[i], d->mark[i]);
    }
    return rc;
}

/* POST /api/commissions/C/members/P: the fields given replace the stored
 * ones, read by the rule of a new member. */
static void
member_edit(struct hub *h, void *req, const char *cid, const char *colleges,
            struct roster_entry *e, const char *text, size_t len, int64_t now)
{
    struct api_member in;
    struct hub_member_words m = {.why = ""};
    struct drafts d = {0};
    int rc = proto_api_member(text, len, false, &in);
    if (rc) {
        hub_http_fail(h, req, rc, NULL);
        return;
    }
    const char *name = in.name ? in.name : e->name;
    rc = hub_member_words(colleges, name, in.college ? in.college : e->college,
                          in.role ? in.role : e->role, in.email ? in.email : e->email,
                          in.lang ? in.lang : e->lang, &m);
    struct body entry = {.participant = (char *)e->id, .name = (char *)name,
                         .college = m.college, .role = (char *)m.role};
    if (rc == 0) {
        rc = change_commit(h, cid, e, &entry, &m, now, &d, NULL);
    }
    for (size_t i = 0; rc == 0 && i < d.n; i++) {
        hub_role_changed(d.l[i], e->id); /* a new role: what their connections see */
    }
    if (rc == 0) {
        log_line(LOG_INFO, "commission %s: member %s edited (%zu draft(s))", cid, e->id, d.ids.n);
        struct pj *o = hub_member_json(e->id, name, m.college, m.role);
        pj_set_str(o, "email", m.email);
        pj_set_str(o, "lang", m.lang);
        pj_set(o, "meetings", ids_array(&d.ids));
        hub_http_json(h, req, 200, o);
    } else if (m.field) {
        hub_fail_at(h, req, rc, m.why, 0, m.field, m.reason);
    } else {
        hub_http_fail(h, req, rc, NULL);
    }
    drafts_clear(&d);
    proto_api_member_clear(&in);
}

/* DELETE /api/commissions/C/members/P. */
static void
member_remove(struct hub *h, void *req, const char *cid, struct roster_entry *e, int64_t now)
{
    char group[256], why[640];
    bool owns = false;
    int rc = hub_group_led_by(h, cid, e->id, group, sizeof(group));
    if (rc == 0) {
        snprintf(why, sizeof(why), "%s leads the working group \"%s\": name another lead first",
                 e->name, group);
        hub_fail_at(h, req, ERR_CONFLICT, why, 0, NULL, "group_lead");
        return;
    }
    rc = rc == ERR_NOT_FOUND ? hub_owns_open_actions(h, cid, e->id, &owns) : rc;
    if (rc == 0 && owns) {
        snprintf(why, sizeof(why),
                 "%s owns actions still to be done: a meeting marks them done or dropped first",
                 e->name);
        hub_fail_at(h, req, ERR_CONFLICT, why, 0, NULL, "open_actions");
        return;
    }
    struct drafts d = {0};
    struct strlist groups = {0};
    if (rc == 0) {
        rc = change_commit(h, cid, e, NULL, NULL, now, &d, &groups);
    }
    if (rc) {
        hub_http_fail(h, req, rc, NULL);
    } else {
        log_line(LOG_INFO, "commission %s: member %s removed (%zu draft(s))", cid, e->id, d.ids.n);
        for (size_t i = 0; i < d.n; i++) {
            hub_kick(h, d.l[i], e->id, "you were taken off the commission's roster");
        }
        struct pj *o = pj_object();
        pj_set_str(o, "removed", e->id);
        pj_set(o, "meetings", ids_array(&d.ids));
        pj_set(o, "groups", ids_array(&groups));
        hub_http_json(h, req, 200, o);
    }
    drafts_clear(&d);
    strlist_clear(&groups);
}

void
hub_member_route(struct hub *h, void *req, const char *method, const char *cid, const char *pid,
                 const char *body, size_t len, int64_t now)
{
    bool post = strcmp(method, "POST") == 0, del = strcmp(method, "DELETE") == 0;
    char *name = NULL, *colleges = NULL;
    struct roster_entry e = {.id = pid};
    if (!post && !del) {
        hub_http_fail(h, req, ERR_METHOD, NULL);
        return;
    }
    int rc = store_commission_get(h->st, cid, &name, &colleges);
    if (rc) {
        hub_http_fail(h, req, rc, rc == ERR_NOT_FOUND ? "no such commission" : NULL);
    } else if (!id_valid(pid) || (rc = entry_find(h, cid, &e))) {
        hub_http_fail(h, req, rc ? rc : ERR_NOT_FOUND,
                      !rc || rc == ERR_NOT_FOUND ? "no such member in this commission" : NULL);
    } else if (post) {
        member_edit(h, req, cid, colleges, &e, body, len, now);
    } else {
        member_remove(h, req, cid, &e, now);
    }
    free(name);
    free(colleges);
}
