/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * proto_snapshot.c - the meeting as JSON: the snapshot (PROTOCOL.md 5.3),
 * its light variant for the members of a large meeting, and the parts that
 * other messages and record.json repeat (attendance, speakers, turn,
 * documents, decisions, actions).
 *
 * Each part of the snapshot has one builder here, and every message or
 * file that shows that part calls it: one home per format. The meeting is
 * read only. Builders return a new jansson value, NULL when memory is
 * short; the public entry points check the whole encoding with
 * proto_json_mark() / proto_json_dump(), so that a snapshot missing a part
 * is never sent. The light snapshot leaves out the members of
 * `participants` (at ten thousand members they are most of its size) and
 * says so with "members_omitted": true.
 * Threads: the hub's thread; record/ takes decisions and actions on its own.
 */
#include "proto_impl.h"

#include <stdio.h>
#include <stdlib.h>

/* Add n to the integer `key` of object `o` (created at 0). */
static void
add_int(json_t *o, const char *key, int64_t n)
{
    json_t *v = json_object_get(o, key);
    json_object_set_new(o, key, json_integer((v ? json_integer_value(v) : 0) + n));
}

/* The object of `college` in `colleges`, created with zeroes; NULL when out of memory. */
static json_t *
college_of(json_t *colleges, const char *college)
{
    json_t *c = json_object_get(colleges, college);
    if (!c) {
        c = json_pack("{s:i,s:i,s:i,s:i,s:i}", "present", 0, "total", 0, "required", 0,
                      "turns", 0, "spoken", 0);
        if (!c || json_object_set_new(colleges, college, c)) {
            return NULL;
        }
    }
    return c;
}

static json_t *
participants_json(const struct meeting *m, bool light)
{
    json_t *parts = json_array();
    for (size_t i = 0; parts && i < m->nparts; i++) {
        const struct participant *p = &m->parts[i];
        if (p->removed || (light && p->role == ROLE_MEMBER)) {
            continue;
        }
        json_t *jp = json_pack(
            "{s:s,s:s,s:s,s:s,s:b,s:b,s:s,s:b,s:s,s:I,s:I,s:i,s:i,s:I}", "id", p->id, "name",
            p->name, "college", p->college, "role", role_str(p->role), "present",
            attendance_counts(p), "connected", p->present, "mark", mark_str(p->mark), "checkin",
            p->checkin, "reason", p->reason ? p->reason : "", "arrived", (json_int_t)p->arrived,
            "left", (json_int_t)p->left, "disconnections", p->disconnections, "turns", p->turns,
            "spoken", (json_int_t)p->spoken_ms);
        if (!jp || json_array_append_new(parts, jp)) {
            json_decref(parts);
            return NULL;
        }
    }
    return parts;
}

/* The attendance: members present and in all, per college (present, total,
 * required, turns, spoken, colleges in roster order of their first
 * participant), and the quorum. The snapshot's `attendance` and the body of
 * the `attendance` message (PROTOCOL.md 4.5) are this one object. */
json_t *
proto_attendance_json(const struct meeting *m)
{
    json_t *colleges = json_object();
    int64_t total = 0;
    for (size_t i = 0; colleges && i < m->nparts; i++) {
        const struct participant *p = &m->parts[i];
        total += p->role == ROLE_MEMBER;
        if (!p->college[0]) {
            continue;
        }
        bool fresh = !json_object_get(colleges, p->college);
        json_t *c = college_of(colleges, p->college);
        if (!c) {
            json_decref(colleges);
            return NULL;
        }
        add_int(c, "turns", p->turns);
        add_int(c, "spoken", p->spoken_ms);
        if (fresh) { /* once per college: quorum_college() walks every participant */
            int64_t present, required, ctotal;
            quorum_college(m, p->college, &present, &required, &ctotal);
            json_object_set_new(c, "present", json_integer(present));
            json_object_set_new(c, "total", json_integer(ctotal));
            json_object_set_new(c, "required", json_integer(required));
        }
    }
    if (!colleges) {
        return NULL;
    }
    struct quorum q = quorum_compute(m);
    return json_pack("{s:I,s:I,s:o,s:{s:b,s:I,s:I}}", "present", (json_int_t)q.present, "total",
                     (json_int_t)total, "colleges", colleges, "quorum", "met", q.met, "present",
                     (json_int_t)q.present, "required", (json_int_t)q.required);
}

/* Document `d` of meeting `m`, as items carry it and the upload answers it. */
static json_t *
document_json(const struct meeting *m, const struct document *d)
{
    char url[ID_MAX + DOC_SHA_LEN + 32];
    snprintf(url, sizeof(url), "/api/meetings/%s/documents/%s", m->id, d->sha256);
    return json_pack("{s:s,s:s,s:s,s:s,s:I,s:I,s:s,s:s}", "sha256", d->sha256, "name", d->name,
                     "format", d->format, "type", doc_format_mime(d->format), "size",
                     (json_int_t)d->size, "added", (json_int_t)d->added, "url", url, "item",
                     m->items[d->item].id);
}

char *
proto_document(const struct meeting *m, size_t d)
{
    unsigned long mark = proto_json_mark();
    json_t *v = d < m->ndocs ? document_json(m, &m->docs[d]) : NULL;
    char *s = proto_json_dump(v, JSON_COMPACT, mark);
    json_decref(v);
    return s;
}

/* The documents attached to item `it` (live ones), in order of addition. */
static json_t *
documents_json(const struct meeting *m, const struct item *it)
{
    json_t *a = json_array();
    uint32_t idx = (uint32_t)(it - m->items);
    for (size_t i = 0; a && i < m->ndocs; i++) {
        const struct document *d = &m->docs[i];
        if (!d->removed && d->item == idx) {
            json_array_append_new(a, document_json(m, d));
        }
    }
    return a;
}

static json_t *
item_json(const struct meeting *m, const struct item *it)
{
    return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:I,s:I,s:s,s:I,s:I,s:b,s:s,s:o,s:s,s:b}",
                     "id", it->id,
                     "title", it->title, "description", it->description, "presenter",
                     it->presenter, "kind", item_kind_str(it->kind), "parent", it->parent,
                     "position", (json_int_t)it->position, "duration",
                     (json_int_t)it->duration_s, "speaking_time", (json_int_t)it->speaking_s,
                     "state", item_state_str(it->state), "actual", (json_int_t)it->actual_ms,
                     "opened_at", (json_int_t)it->opened_at, "list_closed", it->list_closed,
                     "origin", it->origin, "documents", documents_json(m, it), "approves",
                     it->approves, "approved", it->approved_seq != 0);
}

/* Items in display order: top-level by position, each followed by its sub-items. */
static json_t *
agenda_json(const struct meeting *m)
{
    json_t *a = json_array();
    uint32_t *order = malloc((m->nitems ? m->nitems : 1) * sizeof(*order));
    if (!a || !order) {
        free(order);
        json_decref(a);
        return NULL;
    }
    size_t n = agenda_order(m, order);
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(a, item_json(m, &m->items[order[i]]));
    }
    free(order);
    return a;
}

json_t *
proto_speakers_json(const struct meeting *m)
{
    json_t *lists = json_object();
    uint32_t *order = malloc((m->nreqs ? m->nreqs : 1) * sizeof(*order));
    if (!lists || !order) {
        free(order);
        json_decref(lists);
        return NULL;
    }
    /* Only items with someone waiting: each speakers_order() walks every
     * request of the meeting, and a long meeting has hundreds of items. */
    uint8_t *waiting = calloc(m->nitems ? m->nitems : 1, 1);
    if (!waiting) {
        free(order);
        json_decref(lists);
        return NULL;
    }
    for (size_t i = 0; i < m->nreqs; i++) {
        if (m->reqs[i].live && m->reqs[i].item < m->nitems) {
            waiting[m->reqs[i].item] = 1;
        }
    }
    for (size_t i = 0; i < m->nitems; i++) {
        if (!waiting[i]) {
            continue;
        }
        size_t n = speakers_order(m, (uint32_t)i, order);
        if (n == 0) {
            continue;
        }
        json_t *l = json_array();
        for (size_t k = 0; l && k < n; k++) {
            const struct request *r = &m->reqs[order[k]];
            json_array_append_new(l, json_pack("{s:s,s:s,s:s,s:s,s:s,s:I}", "request", r->id,
                                               "participant", m->parts[r->pidx].id, "name",
                                               m->parts[r->pidx].name, "college",
                                               m->parts[r->pidx].college, "kind",
                                               request_kind_str(r->kind), "ts",
                                               (json_int_t)r->ts));
        }
        json_object_set_new(lists, m->items[i].id, l);
    }
    free(waiting);
    free(order);
    return lists;
}

json_t *
proto_turn_json(const struct meeting *m)
{
    const struct turn *t = &m->turn;
    if (!t->active) {
        return json_null();
    }
    return json_pack("{s:s,s:s,s:s,s:s,s:s,s:I,s:I,s:I}", "participant", m->parts[t->pidx].id,
                     "name", m->parts[t->pidx].name, "request", t->request, "kind", request_kind_str(t->kind), "item",
                     m->items[t->item].id, "allowed", (json_int_t)t->allowed_ms, "elapsed",
                     (json_int_t)t->elapsed_ms, "running_since", (json_int_t)t->running_since);
}

static json_t *
strings_json(const struct strlist *l)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < l->n; i++) {
        json_array_append_new(a, json_string(l->v[i]));
    }
    return a;
}

static json_t *
ints_json(const struct intlist *l)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < l->n; i++) {
        json_array_append_new(a, json_integer(l->v[i]));
    }
    return a;
}

/* Votes: never a choice while open; the result once closed. */
static json_t *
votes_json(const struct meeting *m)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < m->nvotes; i++) {
        const struct vote *v = &m->votes[i];
        json_t *o = json_pack(
            "{s:s,s:s,s:s,s:s,s:o,s:s,s:s,s:I,s:I,s:I,s:s,s:I,s:I,s:I,s:I,s:I,s:b}", "id", v->id,
            "item", v->item >= 0 ? m->items[v->item].id : "", "question", v->question, "kind",
            v->choice_kind ? "choice" : "yesno", "options", strings_json(&v->options), "mode",
            v->secret ? "secret" : "named", "rule", vote_rule_str(v->rule), "share_num",
            (json_int_t)v->share_num, "share_den", (json_int_t)v->share_den, "duration",
            (json_int_t)v->duration_s, "state", vote_state_str(v->state), "opened_at",
            (json_int_t)v->opened_at, "deadline", (json_int_t)v->deadline, "closed_at",
            (json_int_t)v->closed_at, "voted", (json_int_t)v->nvoted, "entitled",
            (json_int_t)v->nentitled, "quorum_open", v->quorum_open);
        if (o) {
            json_object_set_new(o, "small_colleges", strings_json(&v->small_colleges));
        }
        if (o && (v->state == VOTE_CLOSED || v->state == VOTE_PUBLISHED)) {
            json_t *ballots = json_array();
            for (size_t k = 0; !v->secret && ballots && k < v->nslots; k++) {
                if (v->choice[k] >= 0) {
                    json_array_append_new(
                        ballots, json_pack("{s:s,s:s,s:s}", "voter", m->parts[k].id, "by",
                                           v->by[k] >= 0 ? m->parts[v->by[k]].id : "", "choice",
                                           v->options.v[v->choice[k]]));
                }
            }
            json_object_set_new(
                o, "result",
                json_pack("{s:o,s:o,s:o,s:o,s:b,s:s,s:b,s:o}", "counts", ints_json(&v->counts),
                          "colleges", strings_json(&v->colleges), "college_counts",
                          ints_json(&v->college_counts), "college_passed",
                          ints_json(&v->college_passed), "passed", v->passed, "winner",
                          v->winner ? v->winner : "", "quorum_close", v->quorum_close,
                          "ballots", ballots ? ballots : json_array()));
        }
        json_array_append_new(a, o);
    }
    return a;
}

static json_t *
proxies_json(const struct meeting *m)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < m->nproxies; i++) {
        const struct proxy *p = &m->proxies[i];
        if (p->live) {
            json_array_append_new(a, json_pack("{s:s,s:s}", "from", m->parts[p->from].id, "to",
                                               m->parts[p->to].id));
        }
    }
    return a;
}

static json_t *
recusals_json(const struct meeting *m)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < m->nrecusals; i++) {
        const struct recusal *r = &m->recusals[i];
        if (r->live) {
            json_array_append_new(a, json_pack("{s:s,s:s}", "participant", m->parts[r->pidx].id,
                                               "item", m->items[r->item].id));
        }
    }
    return a;
}

static json_t *
entries_json(const struct meeting *m)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < m->nentries; i++) {
        const struct entry *e = &m->entries[i];
        if (!e->deleted) {
            json_array_append_new(
                a, json_pack("{s:s,s:s,s:s,s:o,s:I,s:b}", "entry", e->id, "item",
                             e->item >= 0 ? m->items[e->item].id : "", "text", e->text,
                             "speakers", strings_json(&e->speakers), "ts", (json_int_t)e->ts,
                             "edited", e->edited));
        }
    }
    return a;
}

static json_t *
decisions_json(const struct meeting *m)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < m->ndecisions; i++) {
        const struct decision *d = &m->decisions[i];
        if (json_array_append_new(a,
                                  json_pack("{s:s,s:s,s:s,s:s,s:I}", "decision", d->id, "item",
                                            d->item >= 0 ? m->items[d->item].id : "", "text",
                                            d->text, "vote", d->vote, "ts", (json_int_t)d->ts))) {
            json_decref(a); /* out of memory: no list rather than a shorter one */
            return NULL;
        }
    }
    return a;
}

static json_t *
action_json(const struct meeting *m, const struct action *x)
{
    return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:I}", "action", x->id, "item",
                         x->item >= 0 ? m->items[x->item].id : "", "title", x->title, "owner",
                         x->owner, "owner_name", x->owner_name, "due", x->due, "status",
                         action_status_str(x->status), "origin", x->origin, "ts",
                         (json_int_t)x->ts, "updated", (json_int_t)x->updated);
}

struct pj *
proto_action(const struct meeting *m, const struct action *a)
{
    return (struct pj *)action_json(m, a);
}

static json_t *
actions_json(const struct meeting *m)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < m->nactions; i++) {
        if (json_array_append_new(a, action_json(m, &m->actions[i]))) {
            json_decref(a); /* out of memory: no list rather than a shorter one */
            return NULL;
        }
    }
    return a;
}

struct pj *
proto_actions(const struct meeting *m)
{
    return (struct pj *)actions_json(m);
}

struct pj *
proto_decisions(const struct meeting *m)
{
    return (struct pj *)decisions_json(m);
}

/* The snapshot's "meeting": what it is, its state and its commission. */
static json_t *
meeting_json(const struct meeting *m)
{
    return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:I,s:{s:s,s:s}}", "id", m->id, "title",
                     m->title ? m->title : "", "date", m->date ? m->date : "", "place",
                     m->place ? m->place : "", "room", m->room ? m->room : "", "lang",
                     m->lang ? m->lang : "fr", "state", meeting_state_str(m->state), "opened_at",
                     (json_int_t)m->opened_at, "closed_at", (json_int_t)m->closed_at,
                     "commission", "id", m->commission, "name",
                     m->commission_name ? m->commission_name : "");
}

/* The snapshot's "settings", as meeting.configure sets them. */
static json_t *
settings_json(const struct settings *set)
{
    return json_pack("{s:I,s:b,s:b,s:I,s:I,s:I,s:I,s:b,s:b,s:s}", "speaking_time",
                     (json_int_t)set->speaking_s, "first_turn", set->first_turn, "alternate",
                     set->alternate, "quorum", (json_int_t)set->quorum, "quorum_college",
                     (json_int_t)set->quorum_college, "grace", (json_int_t)set->grace_s,
                     "proxy_max", (json_int_t)set->proxy_max, "proxy_college", set->proxy_college,
                     "proxy_quorum", set->proxy_quorum, "minutes_approval",
                     approval_str(set->approval_next));
}

/* The snapshot's members in the order clients see them (PROTOCOL.md 5.3);
 * `light` leaves out the members of "participants". */
static json_t *
snapshot_object(const struct meeting *m, const char *head_hex, bool light)
{
    json_t *parts = participants_json(m, light);
    json_t *attendance = parts ? proto_attendance_json(m) : NULL;
    if (!attendance) {
        json_decref(parts);
        return NULL;
    }
    /* "o" steals its argument even when json_pack fails. */
    json_t *o = json_pack(
        "{s:o,s:o,s:o,s:o,s:o,s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:{s:s,s:I},s:{s:s,s:I},s:I,s:s}",
        "meeting", meeting_json(m), "settings", settings_json(&m->set), "participants", parts,
        "attendance", attendance, "agenda", agenda_json(m), "current_item",
        m->current >= 0 ? m->items[m->current].id : "", "speakers", proto_speakers_json(m),
        "turn", proto_turn_json(m), "votes", votes_json(m), "proxies", proxies_json(m),
        "recusals", recusals_json(m), "minutes", entries_json(m), "finalized", "by",
        m->finalized_by, "at", (json_int_t)m->finalized_at, "approved", "by", m->approved_by,
        "at", (json_int_t)m->approved_at, "seq", (json_int_t)m->seq, "head", head_hex);
    if (o && (json_object_set_new(o, "decisions", decisions_json(m)) ||
              json_object_set_new(o, "actions", actions_json(m)))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

char *
proto_snapshot_light(const struct meeting *m, const char *head_hex)
{
    unsigned long mark = proto_json_mark();
    json_t *s = snapshot_object(m, head_hex, true);
    if (s) {
        json_object_set_new(s, "members_omitted", json_true());
    }
    char *txt = proto_json_dump(s, JSON_COMPACT, mark);
    json_decref(s);
    return txt;
}

char *
proto_snapshot(const struct meeting *m, const char *head_hex)
{
    unsigned long mark = proto_json_mark();
    json_t *s = snapshot_object(m, head_hex, false);
    char *txt = proto_json_dump(s, JSON_COMPACT, mark);
    json_decref(s);
    return txt;
}
