/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * template.c - a commission's agenda template ("ordre du jour type",
 * proto/PROTOCOL.md 3.8).
 *
 * The secretariat saves a meeting's agenda as its commission's template
 * (titles, descriptions, presenters, kinds, planned durations, turn lengths,
 * sub-items under their item, in order) and starts a meeting that has not
 * opened from it. A commission that saved none has the built-in default
 * below, in the meeting's language. The template lives in the database
 * (store_template), not in any meeting's log: what reaches a meeting is the
 * agenda.item_added events its start writes, as for items added by hand.
 *
 * Saved and default templates are read the same way, one item at a time in
 * order (template_each), by the JSON answer and by the start alike; a
 * sub-item follows its item.
 */
#define _POSIX_C_SOURCE 200809L
#include "hub_impl.h"

#include "../err.h"
#include "../log.h"
#include "../proto/pj.h"
#include "../proto/proto.h"
#include "../record/words.h"
#include "../store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The built-in template: one table, its titles in words.c. */
static const struct {
    enum word title;
    const char *kind;
    int64_t duration; /* seconds */
} default_items[] = {
    {W_TPL_OPENING, "information", 5 * 60},
    {W_TPL_AGENDA, "vote", 5 * 60},
    {W_TPL_MISC, "information", 15 * 60},
    {W_TPL_NEXT, "information", 5 * 60},
};

struct template_info {
    bool saved;
    char meeting[33]; /* the meeting it was saved from, "" for the default */
    int64_t updated;
};

/* Each item of the commission's template, or of the default in `lang`, to
 * cb in order; info says which. */
static int
template_each(struct hub *h, const char *cid, const char *lang, struct template_info *info,
              int (*cb)(void *ctx, const struct store_template_item *it), void *ctx)
{
    memset(info, 0, sizeof(*info));
    int rc = store_template(h->st, cid, info->meeting, &info->updated, cb, ctx);
    if (rc != ERR_NOT_FOUND) {
        info->saved = rc == 0;
        return rc;
    }
    info->meeting[0] = '\0';
    enum lang lg = words_lang(lang);
    rc = 0;
    for (size_t i = 0; rc == 0 && i < sizeof(default_items) / sizeof(default_items[0]); i++) {
        struct store_template_item it = {.parent = -1, .title = words_get(lg, default_items[i].title),
                                         .description = "", .presenter = "",
                                         .kind = default_items[i].kind,
                                         .duration = default_items[i].duration};
        rc = cb(ctx, &it);
    }
    return rc;
}

/* --- the answer: http.agenda_template.json ---------------------------------- */

struct template_json {
    struct pj *items;
    struct pj *last_subs; /* the sub-items of the last top-level item */
};

static int
item_json(void *ctx, const struct store_template_item *it)
{
    struct template_json *tj = ctx;
    struct pj *o = pj_object();
    pj_set_str(o, "title", it->title);
    pj_set_str(o, "description", it->description);
    pj_set_str(o, "presenter", it->presenter);
    pj_set_str(o, "kind", it->kind);
    pj_set_int(o, "duration", it->duration);
    pj_set_int(o, "speaking_time", it->speaking);
    if (it->parent >= 0 && tj->last_subs) {
        return pj_push(tj->last_subs, o);
    }
    tj->last_subs = pj_array();
    pj_set(o, "items", tj->last_subs);
    return pj_push(tj->items, o);
}

static void
template_answer(struct hub *h, void *req, const char *cid, const char *lang)
{
    struct template_info info;
    struct template_json tj = {.items = pj_array()};
    int rc = template_each(h, cid, lang, &info, item_json, &tj);
    if (rc) {
        pj_free(tj.items);
        hub_http_fail(h, req, rc, NULL);
        return;
    }
    struct pj *o = pj_object();
    pj_set_str(o, "commission", cid);
    pj_set_bool(o, "saved", info.saved);
    pj_set_str(o, "meeting", info.meeting);
    pj_set_int(o, "updated", info.updated);
    pj_set(o, "items", tj.items);
    hub_http_json(h, req, 200, o);
}

void
hub_template_get_for(struct hub *h, void *req, struct live *l)
{
    template_answer(h, req, l->m->commission, l->m->lang);
}

/* --- saving a meeting's agenda ------------------------------------------------ */

/* The items of M's agenda in order, as template items: not the item that
 * approves an earlier meeting's minutes (each meeting gets its own). */
static size_t
template_of(const struct meeting *m, uint32_t *order, int32_t *at, struct store_template_item *out)
{
    size_t n = agenda_order(m, order), k = 0;
    for (size_t i = 0; i < m->nitems; i++) {
        at[i] = -1;
    }
    for (size_t j = 0; j < n; j++) {
        const struct item *it = &m->items[order[j]];
        int32_t parent = -1;
        if (it->parent[0]) {
            int32_t pi = meeting_item_index(m, it->parent);
            if (pi < 0 || at[pi] < 0) {
                continue;
            }
            parent = at[pi];
        }
        if (it->approves[0]) {
            continue;
        }
        at[order[j]] = (int32_t)k;
        out[k++] = (struct store_template_item){
            .parent = parent, .title = it->title, .description = it->description,
            .presenter = it->presenter, .kind = item_kind_str(it->kind),
            .duration = it->duration_s, .speaking = it->speaking_s};
    }
    return k;
}

static int
template_save(struct hub *h, const char *cid, const char *body, size_t len, int64_t now,
              const char **why)
{
    char *mid = NULL;
    struct live *l;
    int rc = proto_api_template(body, len, &mid);
    if (rc == 0 && (rc = hub_live(h, mid, &l))) {
        *why = rc == ERR_NOT_FOUND ? "no such meeting" : NULL;
    } else if (rc == 0 && strcmp(l->m->commission, cid) != 0) {
        rc = ERR_INVALID;
        *why = "the meeting is not one of this commission's";
    }
    free(mid);
    if (rc) {
        return rc;
    }
    size_t cap = l->m->nitems ? l->m->nitems : 1;
    uint32_t *order = malloc(cap * sizeof(*order));
    int32_t *at = malloc(cap * sizeof(*at));
    struct store_template_item *v = malloc(cap * sizeof(*v));
    size_t n = order && at && v ? template_of(l->m, order, at, v) : 0;
    if (!order || !at || !v) {
        rc = ERR_NOMEM;
    } else if (n == 0) {
        rc = ERR_INVALID;
        *why = "the meeting's agenda is empty";
    } else if ((rc = hub_begin(h)) == 0) {
        rc = store_template_put(h->st, cid, l->m->id, v, n, now);
        hub_end(h, NULL, 0, rc);
    }
    if (rc == 0) {
        log_line(LOG_INFO, "commission %s: agenda template saved from meeting %s", cid, l->m->id);
    }
    free(order);
    free(at);
    free(v);
    return rc;
}

static int
template_drop(struct hub *h, const char *cid)
{
    int rc = hub_begin(h);
    if (rc == 0) {
        rc = store_template_drop(h->st, cid);
        hub_end(h, NULL, 0, rc);
    }
    return rc;
}

/* GET, POST ({"meeting"}) and DELETE /api/commissions/C/agenda-template. */
void
hub_template_route(struct hub *h, void *req, const char *cid, const char *method, const char *body,
                   size_t len, int64_t now)
{
    char *name = NULL, *colleges = NULL;
    int rc = store_commission_get(h->st, cid, &name, &colleges);
    free(name);
    free(colleges);
    const char *why = rc == ERR_NOT_FOUND ? "no such commission" : NULL;
    if (rc == 0 && strcmp(method, "POST") == 0) {
        rc = template_save(h, cid, body, len, now, &why);
    } else if (rc == 0 && strcmp(method, "DELETE") == 0) {
        rc = template_drop(h, cid);
    } else if (rc == 0 && strcmp(method, "GET") != 0) {
        rc = ERR_METHOD;
    }
    if (rc) {
        hub_http_fail(h, req, rc, why);
        return;
    }
    template_answer(h, req, cid, "fr");
}

/* --- starting a meeting from it ------------------------------------------------ */

struct template_apply {
    struct hub *h;
    struct live *l;
    int64_t now;
    struct evlist *evs;
    char parent[ID_MAX]; /* the item holding the last top-level one */
};

static int
apply_item(void *ctx, const struct store_template_item *it)
{
    struct template_apply *ta = ctx;
    struct hub_item_copy src = {.title = it->title, .description = it->description,
                                .presenter = it->presenter, .kind = it->kind,
                                .duration = it->duration, .speaking = it->speaking};
    char id[ID_MAX];
    if (it->parent >= 0) {
        return ta->parent[0] ? hub_agenda_copy(ta->l, &src, ta->parent, ta->now, ta->evs, id) : 0;
    }
    return hub_agenda_copy(ta->l, &src, "", ta->now, ta->evs, ta->parent);
}

static int
apply_template(void *ctx, struct live *l, int64_t now, struct evlist *evs)
{
    struct template_apply *ta = ctx;
    struct template_info info;
    ta->l = l;
    ta->now = now;
    ta->evs = evs;
    return template_each(ta->h, l->m->commission, l->m->lang, &info, apply_item, ta);
}

/* POST /api/meetings/M/agenda/from-template: while M has not opened. */
void
hub_agenda_from_template(struct hub *h, void *req, struct live *l, int64_t now)
{
    char prev_id[33];
    struct live *prev = NULL;
    if (l->m->state != MEETING_SCHEDULED) {
        hub_http_fail(h, req, ERR_BAD_STATE,
                      "the meeting has opened: its agenda starts from a template before");
        return;
    }
    int rc = store_previous_meeting(h->st, l->m->commission, l->m->id, prev_id);
    if (rc == 0) {
        rc = hub_live(h, prev_id, &prev);
    }
    if (rc && rc != ERR_NOT_FOUND) {
        hub_http_fail(h, req, rc, NULL);
        return;
    }
    struct template_apply ta = {.h = h};
    hub_agenda_start(h, req, l, rc ? NULL : prev, apply_template, &ta,
                     "the commission's agenda template", now);
}
