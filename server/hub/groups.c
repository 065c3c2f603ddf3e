/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * groups.c - a commission's working groups, and the follow-up of its
 * actions from one meeting to the next (proto/PROTOCOL.md 3.7).
 *
 * Working groups are data of the commission, kept in the store like its
 * members (they outlive any one meeting): a name, a lead (one of the
 * commission's colleges or members), members (members of the commission),
 * a mandate and the date the report is due. The secretariat lists, creates
 * and edits them over HTTP; a participant of a meeting reads the groups of
 * its commission. An action may be carried by a group: the group's name is
 * looked up here and handed to core, which writes it into the event.
 *
 * The actions themselves live in the meetings' logs only (core/followup.c
 * holds the rule). The open actions of a commission are those of its latest
 * meeting still open, and those still open at the meeting before it that
 * the latest has not carried yet: exactly what preparing the latest
 * meeting's agenda would carry (actions_to_carry()), so that the list and
 * the carrying cannot disagree.
 */
#define _POSIX_C_SOURCE 200809L
#include "hub_impl.h"

#include "../crypto/sec.h"
#include "../err.h"
#include "../log.h"
#include "../proto/pj.h"
#include "../proto/proto.h"
#include "../record/words.h"
#include "../store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MEMBERS_TEXT (1000 * ID_MAX)

static struct pj *
group_json(const struct store_group *g)
{
    struct pj *o = pj_object();
    struct pj *members = pj_array();
    pj_set_str(o, "id", g->id);
    pj_set_str(o, "name", g->name);
    pj_set_str(o, "lead", g->lead);
    char buf[MEMBERS_TEXT];
    snprintf(buf, sizeof(buf), "%s", g->members);
    char *save = NULL;
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        pj_push_str(members, t);
    }
    pj_set(o, "members", members);
    pj_set_str(o, "mandate", g->mandate);
    pj_set_str(o, "due", g->due);
    return o;
}

static int
group_row(void *ctx, const struct store_group *g)
{
    return pj_push(ctx, group_json(g));
}

/* GET the groups of `cid` (the secretariat's route, and a participant's
 * .../meetings/M/groups). */
void
hub_groups_list(struct hub *h, void *req, const char *cid)
{
    struct pj *list = pj_array();
    int rc = store_groups(h->st, cid, "", group_row, list);
    if (rc) {
        pj_free(list);
        hub_http_fail(h, req, rc, NULL);
        return;
    }
    struct pj *o = pj_object();
    pj_set_str(o, "commission", cid);
    pj_set(o, "groups", list);
    hub_http_json(h, req, 200, o);
}

/* --- creating and editing a group ------------------------------------------ */

struct found {
    const char *id;
    bool member;
};

static int
member_seen(void *ctx, const char *id, const char *name, const char *college, const char *role)
{
    (void)name, (void)college, (void)role;
    struct found *f = ctx;
    f->member |= strcmp(f->id, id) == 0;
    return 0;
}

static bool
is_member(struct hub *h, const char *cid, const char *id)
{
    struct found f = {id, false};
    return store_members(h->st, cid, member_seen, &f) == 0 && f.member;
}

/* The group as stored, copied (for an edit). */
struct copy {
    char name[256], lead[ID_MAX], members[MEMBERS_TEXT], mandate[10001], due[16];
};

static int
group_copy(void *ctx, const struct store_group *g)
{
    struct copy *c = ctx;
    snprintf(c->name, sizeof(c->name), "%s", g->name);
    snprintf(c->lead, sizeof(c->lead), "%s", g->lead);
    snprintf(c->members, sizeof(c->members), "%s", g->members);
    snprintf(c->mandate, sizeof(c->mandate), "%s", g->mandate);
    snprintf(c->due, sizeof(c->due), "%s", g->due);
    return 0;
}

/* Check `in` against the commission; the reason of a refusal into *why. */
static int
group_check(struct hub *h, const char *cid, const char *colleges, const struct api_group *in,
            const char **why)
{
    if (in->due && *in->due && !date_valid(in->due)) {
        *why = "due must be a date YYYY-MM-DD";
        return ERR_INVALID;
    }
    if (in->lead && *in->lead && !hub_college_listed(colleges, in->lead) &&
        !is_member(h, cid, in->lead)) {
        *why = "the lead must be a college or a member of the commission";
        return ERR_INVALID;
    }
    for (size_t i = 0; i < in->nmembers; i++) {
        if (!is_member(h, cid, in->members[i])) {
            *why = "every member of a group must be a member of the commission";
            return ERR_INVALID;
        }
        for (size_t k = 0; k < i; k++) {
            if (strcmp(in->members[k], in->members[i]) == 0) {
                *why = "a member is listed twice";
                return ERR_INVALID;
            }
        }
    }
    return 0;
}

/* POST .../groups (gid NULL: a new group) or .../groups/G (an edit). */
void
hub_group_put(struct hub *h, void *req, const char *cid, const char *gid, const char *body,
              size_t len, int64_t now)
{
    bool create = gid == NULL;
    struct api_group in;
    char *cname = NULL, *colleges = NULL;
    const char *why = NULL;
    int rc = proto_api_group(body, len, create, &in);
    if (rc) {
        hub_http_fail(h, req, rc, NULL);
        return;
    }
    if ((rc = store_commission_get(h->st, cid, &cname, &colleges))) {
        hub_http_fail(h, req, rc, rc == ERR_NOT_FOUND ? "no such commission" : NULL);
        goto out;
    }
    struct copy *old = calloc(1, sizeof(*old));
    if (!old) {
        hub_http_fail(h, req, ERR_NOMEM, NULL);
        goto out;
    }
    char id[ID_MAX];
    if (create) {
        if (in.id && *in.id) {
            snprintf(id, sizeof(id), "%s", in.id);
        } else {
            sec_random_id(id, 8);
        }
        if (is_member(h, cid, id)) {
            rc = ERR_CONFLICT; /* an action's owner names one or the other */
            why = "a member of the commission has this id";
        }
    } else {
        snprintf(id, sizeof(id), "%s", gid);
        rc = store_groups(h->st, cid, id, group_copy, old);
        why = rc == ERR_NOT_FOUND ? "no such working group" : NULL;
    }
    if (rc == 0) {
        rc = group_check(h, cid, colleges, &in, &why);
    }
    char members[MEMBERS_TEXT] = "";
    for (size_t i = 0; rc == 0 && i < in.nmembers; i++) {
        if (i) {
            strcat(members, ",");
        }
        strcat(members, in.members[i]);
    }
    struct store_group g = {
        .commission = cid,
        .id = id,
        .name = in.name ? in.name : old->name,
        .lead = in.lead ? in.lead : old->lead,
        .members = in.has_members ? members : old->members,
        .mandate = in.mandate ? in.mandate : old->mandate,
        .due = in.due ? in.due : old->due,
    };
    if (rc == 0 && (rc = hub_begin(h)) == 0) {
        rc = store_group_put(h->st, &g, create, now);
        hub_end(h, NULL, 0, rc);
        why = rc == ERR_CONFLICT ? "a working group with this id exists" : why;
    }
    if (rc) {
        hub_http_fail(h, req, rc, why);
    } else {
        log_line(LOG_INFO, "commission %s: working group %s %s", cid, id,
                 create ? "created" : "edited");
        hub_http_json(h, req, create ? 201 : 200, group_json(&g));
    }
    free(old);
out:
    free(cname);
    free(colleges);
    proto_api_group_clear(&in);
}

/* --- a member leaving the roster -------------------------------------------- */

struct led {
    const char *pid;
    char *name;
    size_t cap;
    bool found;
};

static int
group_led(void *ctx, const struct store_group *g)
{
    struct led *l = ctx;
    if (!l->found && strcmp(g->lead, l->pid) == 0) {
        snprintf(l->name, l->cap, "%s", g->name);
        l->found = true;
    }
    return 0;
}

int
hub_group_led_by(struct hub *h, const char *cid, const char *pid, char *name, size_t cap)
{
    struct led l = {pid, name, cap, false};
    int rc = store_groups(h->st, cid, "", group_led, &l);
    rc = rc == ERR_NOT_FOUND ? 0 : rc;
    return rc ? rc : l.found ? 0 : ERR_NOT_FOUND;
}

/* The groups that list `pid` among their members, copied with it left out
 * (the store's rows cannot be written while they are read). */
struct without {
    const char *pid;
    struct store_group *v;
    size_t n, cap;
    int rc;
};

static int
group_without(void *ctx, const struct store_group *g)
{
    struct without *w = ctx;
    char buf[MEMBERS_TEXT], kept[MEMBERS_TEXT] = "";
    snprintf(buf, sizeof(buf), "%s", g->members);
    bool listed = false;
    char *save = NULL;
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (strcmp(t, w->pid) == 0) {
            listed = true;
        } else {
            snprintf(kept + strlen(kept), sizeof(kept) - strlen(kept), "%s%s", kept[0] ? "," : "",
                     t);
        }
    }
    if (!listed) {
        return 0;
    }
    if (w->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 4;
        struct store_group *v = realloc(w->v, cap * sizeof(*v));
        if (!v) {
            return ERR_NOMEM;
        }
        w->v = v;
        w->cap = cap;
    }
    struct store_group c = {.commission = g->commission, .id = strdup(g->id),
                            .name = strdup(g->name), .lead = strdup(g->lead),
                            .members = strdup(kept), .mandate = strdup(g->mandate),
                            .due = strdup(g->due)};
    w->v[w->n++] = c;
    return c.id && c.name && c.lead && c.members && c.mandate && c.due ? 0 : ERR_NOMEM;
}

int
hub_groups_drop_member(struct hub *h, const char *cid, const char *pid, int64_t now,
                       struct strlist *changed)
{
    struct without w = {.pid = pid};
    int rc = store_groups(h->st, cid, "", group_without, &w);
    rc = rc == ERR_NOT_FOUND ? 0 : rc;
    for (size_t i = 0; i < w.n; i++) {
        struct store_group *g = &w.v[i];
        g->commission = cid;
        if (rc == 0 && (rc = store_group_put(h->st, g, false, now)) == 0) {
            rc = strlist_push(changed, g->id);
        }
        free((char *)g->id), free((char *)g->name), free((char *)g->lead);
        free((char *)g->members), free((char *)g->mandate), free((char *)g->due);
    }
    free(w.v);
    return rc;
}

/* --- actions across meetings ----------------------------------------------- */

struct group_name {
    char *name;
};

static int
group_name(void *ctx, const struct store_group *g)
{
    struct group_name *n = ctx;
    n->name = strdup(g->name);
    return n->name ? 0 : ERR_NOMEM;
}

int
hub_action_owner(struct hub *h, struct live *l, struct cmd *cmd)
{
    if (cmd->type != CMD_ACTION_RECORD) {
        return 0;
    }
    free(cmd->b.name);
    cmd->b.name = NULL; /* never the client's */
    if (!cmd->b.owner || !id_valid(cmd->b.owner) ||
        meeting_participant(l->m, cmd->b.owner)) {
        return 0;
    }
    struct group_name n = {NULL};
    int rc = store_groups(h->st, l->m->commission, cmd->b.owner, group_name, &n);
    cmd->b.name = n.name;
    return rc == ERR_NOT_FOUND ? 0 : rc; /* core says not_found without a name */
}

int
hub_carry_actions(struct hub *h, struct live *l, struct live *prev, int64_t now,
                  struct evlist *evs)
{
    const char *title = words_get(words_lang(l->m->lang), W_FOLLOWUP_ITEM);
    (void)h;
    return meeting_carry_actions(l->m, prev->m, title, now, evs);
}

/* The actions still to be done of commission `cid`, each handed to `cb`
 * with the meeting whose log holds it: those of the meeting before the
 * latest that its carrying would bring, then the latest's still open. */
static int
open_actions_each(struct hub *h, const char *cid,
                  int (*cb)(void *ctx, const struct meeting *m, const struct action *a),
                  void *ctx)
{
    char last[33], before[33];
    struct live *ll = NULL, *lb = NULL;
    int rc = store_previous_meeting(h->st, cid, "", last);
    if (rc == 0 && (rc = hub_live(h, last, &ll)) == 0) {
        rc = store_previous_meeting(h->st, cid, last, before);
        if (rc == 0) {
            rc = hub_live(h, before, &lb);
        }
        rc = rc == ERR_NOT_FOUND ? 0 : rc;
    }
    rc = rc == ERR_NOT_FOUND ? 0 : rc;
    uint32_t *idx = NULL;
    if (rc == 0 && lb && lb->m->nactions &&
        !(idx = malloc(lb->m->nactions * sizeof(*idx)))) {
        rc = ERR_NOMEM;
    }
    size_t n = rc == 0 && lb && idx ? actions_to_carry(ll->m, lb->m, idx) : 0;
    for (size_t k = 0; rc == 0 && k < n; k++) {
        rc = cb(ctx, lb->m, &lb->m->actions[idx[k]]);
    }
    free(idx);
    for (size_t i = 0; rc == 0 && ll && i < ll->m->nactions; i++) {
        if (action_open(&ll->m->actions[i])) {
            rc = cb(ctx, ll->m, &ll->m->actions[i]);
        }
    }
    return rc;
}

static int
action_row(void *ctx, const struct meeting *m, const struct action *a)
{
    struct pj *o = proto_action(m, a);
    pj_set_str(o, "meeting", m->id);
    return pj_push(ctx, o);
}

struct owned {
    const char *owner;
    bool *owned;
};

static int
action_owned(void *ctx, const struct meeting *m, const struct action *a)
{
    (void)m;
    struct owned *o = ctx;
    *o->owned |= strcmp(a->owner, o->owner) == 0;
    return 0;
}

int
hub_owns_open_actions(struct hub *h, const char *cid, const char *owner, bool *owned)
{
    struct owned o = {owner, owned};
    *owned = false;
    return open_actions_each(h, cid, action_owned, &o);
}

/* GET /api/commissions/C/actions: the actions still to be done. */
void
hub_open_actions(struct hub *h, void *req, const char *cid)
{
    char *name = NULL, *colleges = NULL;
    int rc = store_commission_get(h->st, cid, &name, &colleges);
    free(name);
    free(colleges);
    if (rc) {
        hub_http_fail(h, req, rc, rc == ERR_NOT_FOUND ? "no such commission" : NULL);
        return;
    }
    struct pj *list = pj_array();
    rc = open_actions_each(h, cid, action_row, list);
    if (rc) {
        pj_free(list);
        hub_http_fail(h, req, rc, NULL);
        return;
    }
    struct pj *o = pj_object();
    pj_set_str(o, "commission", cid);
    pj_set(o, "actions", list);
    hub_http_json(h, req, 200, o);
}
