/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * record.c - record.json and the automatic minutes (see record.h).
 *
 * The events array is the largest part of a record (every event of the
 * meeting), and every body is canonical JSON already: it is written as
 * text, never parsed into a tree. The rest of the record is built with
 * jansson, dumped canonically (sorted keys, compact) with an empty "events"
 * array, and the events text is spliced into that place. The raw text
 * `"events":[]` cannot occur anywhere else: inside strings quotes are
 * escaped, and no other object has an "events" key.
 *
 * Automatic entries are sentences in the meeting's language (words.h), made
 * when the builder applies the event that causes them, and filed under the
 * item they concern (a vote's, a recusal's), not the one current then.
 *
 * Each part of the record describes one moment (proto/RECORD.md): the
 * attendance and the quorum are taken when meeting.closed is folded, and
 * nothing after it changes them (a log written before presence stopped at
 * the close may still hold arrivals and departures afterwards: they are
 * ignored); the presence periods and the proxies' history (given, used,
 * revoked) are kept here as the log goes, since the core's state holds only
 * their latest value.
 */
#define _POSIX_C_SOURCE 200809L
#include "record.h"

#include "../core/meeting.h"
#include "../err.h"
#include "../proto/proto.h"
#include "words.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


struct autoentry {
    int64_t ts;
    int32_t item;
    char *text;
    struct strlist speakers;
};

struct record {
    struct meeting *m;
    uint8_t prevhex_unused;
    char head[65];
    uint64_t nevents;
    char *events; /* the events array's contents, comma separated */
    size_t elen, ecap;
    struct autoentry *autos;
    size_t nauto, capauto;
    char *state; /* record.json with "events":[], once made (record_state()) */
    int was_status; /* an action's status before the action.updated being folded */
    size_t state_len;
    /* what the record keeps beyond the core's state */
    struct period_list *periods; /* per participant index, npresence of them */
    size_t npresence;
    struct proxy_history *pxs; /* parallel to m->proxies: every proxy ever given */
    size_t npxs;
    json_t *at_close;       /* attendance at meeting.closed; NULL before */
    uint8_t *present_close; /* per participant index, counted present at the close */
    size_t npresent_close;
    char key_id[17]; /* of the signing key, "" when unknown */
};

/* One presence period: from participant.joined to participant.left (0 while
 * connected at the close). */
struct period {
    int64_t from, to;
};

struct period_list {
    struct period *v;
    size_t n, cap;
};

struct proxy_history {
    int64_t given, revoked; /* revoked 0 while in force */
    char given_by[ID_MAX], revoked_by[ID_MAX];
    struct strlist used; /* the votes in which the holder cast the giver's ballot */
};

/* The item an automatic entry is filed under when it has none of its own:
 * the current one. */
#define CURRENT_ITEM (-2)

struct record *
record_new(const char *id)
{
    struct record *r = calloc(1, sizeof(*r));
    if (!r || !(r->m = meeting_new(id))) {
        free(r);
        return NULL;
    }
    memset(r->head, '0', 64);
    return r;
}

void
record_free(struct record *r)
{
    if (!r) {
        return;
    }
    for (size_t i = 0; i < r->nauto; i++) {
        free(r->autos[i].text);
        strlist_clear(&r->autos[i].speakers);
    }
    free(r->autos);
    for (size_t i = 0; i < r->npresence; i++) {
        free(r->periods[i].v);
    }
    free(r->periods);
    for (size_t i = 0; i < r->npxs; i++) {
        strlist_clear(&r->pxs[i].used);
    }
    free(r->pxs);
    json_decref(r->at_close);
    free(r->present_close);
    free(r->events);
    free(r->state);
    meeting_free(r->m);
    free(r);
}

/* "CCR Hauts-de-France" -> "ccr-hauts-de-france" into out (at most len - 1
 * bytes). Latin letters with accents (U+00C0..U+00FF) lose them; any other
 * run of characters becomes one hyphen. */
static void
slug(const char *s, char *out, size_t len)
{
    /* U+00C0..U+00FF, lowercased and without accents; '-' for symbols */
    static const char latin[65] =
        "aaaaaaaceeeeiiii-nooooo-ouuuuy--aaaaaaaceeeeiiii-nooooo-ouuuuy-y";
    size_t n = 0;
    bool hyphen = false;
    for (const unsigned char *p = (const unsigned char *)s; p && *p && n + 2 < len; p++) {
        char c = '-';
        if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')) {
            c = (char)*p;
        } else if (*p >= 'A' && *p <= 'Z') {
            c = (char)(*p - 'A' + 'a');
        } else if (*p == 0xC3 && p[1] >= 0x80 && p[1] <= 0xBF) {
            c = latin[p[1] - 0x80];
            p++;
        } else {
            while ((p[1] & 0xC0) == 0x80) {
                p++; /* the rest of a character outside Latin-1 */
            }
        }
        if (c == '-') {
            hyphen = n > 0;
            continue;
        }
        if (hyphen) {
            out[n++] = '-';
            hyphen = false;
        }
        out[n++] = c;
    }
    out[n] = 0;
}

void
record_file_name(const char *date, const char *commission_name, const char *commission_id,
                 const char *meeting, const char *ext, char *out, size_t len)
{
    char commission[128];
    slug(commission_name, commission, sizeof(commission));
    if (!commission[0]) {
        snprintf(commission, sizeof(commission), "%s", commission_id);
    }
    bool ymd = date && strlen(date) >= 10;
    for (int i = 0; ymd && i < 10; i++) {
        ymd = (i == 4 || i == 7) ? date[i] == '-' : (date[i] >= '0' && date[i] <= '9');
    }
    if (ymd) {
        snprintf(out, len, "pv-%.10s-%s%s", date, commission, ext);
    } else {
        snprintf(out, len, "pv-%s-%s%s", meeting, commission, ext);
    }
}

int
record_set_key(struct record *r, const char *key_id_hex)
{
    if (strlen(key_id_hex) >= sizeof(r->key_id)) {
        return ERR_INVALID;
    }
    snprintf(r->key_id, sizeof(r->key_id), "%s", key_id_hex);
    return 0;
}

uint64_t
record_events(const struct record *r)
{
    return r->nevents;
}

const char *
record_head(const struct record *r)
{
    return r->head;
}

static const char *
record_word(const struct record *r, enum word l)
{
    return words_get(words_lang(r->m->lang), l);
}

static int
append(struct record *r, const char *s, size_t n)
{
    if (r->elen + n + 1 > r->ecap) {
        size_t cap = r->ecap ? r->ecap : 1 << 16;
        while (cap < r->elen + n + 1) {
            cap *= 2;
        }
        char *e = realloc(r->events, cap);
        if (!e) {
            return ERR_NOMEM;
        }
        r->events = e;
        r->ecap = cap;
    }
    memcpy(r->events + r->elen, s, n);
    r->elen += n;
    r->events[r->elen] = 0;
    return 0;
}

/* Add an automatic entry about item index `item` (-1: none, CURRENT_ITEM:
 * the current one); `fmt` from the word table. Speakers: up to two ids. */
static int
say(struct record *r, int64_t ts, int32_t item, const char *sp1, const char *sp2,
    const char *fmt, ...)
{
    char text[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    if (r->nauto == r->capauto) {
        size_t cap = r->capauto ? r->capauto * 2 : 64;
        struct autoentry *v = realloc(r->autos, cap * sizeof(*v));
        if (!v) {
            return ERR_NOMEM;
        }
        r->autos = v;
        r->capauto = cap;
    }
    struct autoentry *a = &r->autos[r->nauto];
    memset(a, 0, sizeof(*a));
    a->ts = ts;
    a->item = item == CURRENT_ITEM ? r->m->current : item;
    if (!(a->text = strdup(text)) || (sp1 && strlist_push(&a->speakers, sp1)) ||
        (sp2 && strlist_push(&a->speakers, sp2))) {
        free(a->text);
        strlist_clear(&a->speakers);
        return ERR_NOMEM;
    }
    r->nauto++;
    return 0;
}

static const char *
name_of(const struct meeting *m, const char *id)
{
    const struct participant *p = meeting_participant(m, id);
    return p ? p->name : id;
}

static const char *
item_title(const struct meeting *m, const char *id)
{
    int32_t i = meeting_item_index(m, id);
    return i >= 0 ? m->items[i].title : id;
}

static void
duration(char *out, size_t len, int64_t ms)
{
    int64_t s = (ms + 500) / 1000;
    if (s < 60) {
        snprintf(out, len, "%" PRId64 " s", s);
    } else {
        snprintf(out, len, "%" PRId64 " min %02" PRId64 " s", s / 60, s % 60);
    }
}

static const char *
rule_label(const struct record *r, const struct vote *v, char *buf, size_t len)
{
    return words_rule(words_lang(r->m->lang), vote_rule_str(v->rule), v->choice_kind,
                      (long long)v->share_num, (long long)v->share_den, buf, len);
}

static const char *
option_label(const struct record *r, const struct vote *v, size_t o)
{
    const char *opt = v->options.v[o];
    if (!v->choice_kind || o + 1 == v->options.n) {
        if (strcmp(opt, "yes") == 0) {
            return record_word(r, W_AUTO_YES);
        }
        if (strcmp(opt, "no") == 0) {
            return record_word(r, W_AUTO_NO);
        }
        if (strcmp(opt, "abstain") == 0) {
            return record_word(r, W_AUTO_ABSTAIN);
        }
    }
    return opt;
}

static void
count_of(const struct record *r, enum word singular, int64_t n, char *out, size_t len)
{
    words_count(words_lang(r->m->lang), singular, (long long)n, out, len);
}

static int
say_vote_closed(struct record *r, int64_t ts, const struct vote *v)
{
    char counts[1024] = "", outcome[300], voted[64];
    size_t n = 0;
    for (size_t o = 0; o < v->options.n && o < v->counts.n; o++) {
        n += (size_t)snprintf(counts + n, n < sizeof(counts) ? sizeof(counts) - n : 0,
                              "%s%s %" PRId64, o ? ", " : "", option_label(r, v, o),
                              v->counts.v[o]);
    }
    if (n && n < sizeof(counts)) {
        counts[0] = (char)(counts[0] >= 'a' && counts[0] <= 'z' ? counts[0] - 32 : counts[0]);
    }
    if (v->choice_kind) {
        if (v->winner && *v->winner) {
            snprintf(outcome, sizeof(outcome), record_word(r, W_AUTO_WINNER), v->winner);
        } else {
            snprintf(outcome, sizeof(outcome), "%s", record_word(r, W_AUTO_NO_DECISION));
        }
    } else {
        snprintf(outcome, sizeof(outcome), "%s",
                 record_word(r, v->passed ? W_AUTO_ADOPTED : W_AUTO_REJECTED));
    }
    if (!v->quorum_open) {
        size_t k = strlen(outcome);
        snprintf(outcome + k, sizeof(outcome) - k, " (%s)", record_word(r, W_AUTO_NO_QUORUM));
    }
    count_of(r, W_AUTO_VOTED_1, v->nvoted, voted, sizeof(voted));
    int rc = say(r, ts, v->item, NULL, NULL, record_word(r, W_AUTO_VOTE_CLOSED), v->question,
                 outcome, counts, voted, (long long)v->nentitled);
    if (rc == 0 && v->college_passed.n == v->colleges.n && v->colleges.n) {
        char each[1024] = "", one[300];
        for (size_t k = 0, n2 = 0; k < v->colleges.n; k++) {
            snprintf(one, sizeof(one),
                     record_word(r, v->college_passed.v[k] ? W_COLLEGE_FOR : W_COLLEGE_NOT_FOR),
                     v->colleges.v[k]);
            n2 += (size_t)snprintf(each + n2, n2 < sizeof(each) ? sizeof(each) - n2 : 0, "%s%s",
                                   k ? ", " : "", one);
        }
        rc = say(r, ts, v->item, NULL, NULL, record_word(r, W_BY_COLLEGE_OUTCOMES), each);
    }
    if (rc == 0 && v->colleges.n && !v->college_counts.n) {
        rc =
            say(r, ts, v->item, NULL, NULL, "%s", record_word(r, W_WITHHELD)); /* vote.c: secrecy */
    }
    return rc;
}

/* The names of `l`'s entries, ", " between them, into out. */
static void
join_names(const struct strlist *l, char *out, size_t size)
{
    size_t n = 0;
    out[0] = 0;
    for (size_t i = 0; i < l->n; i++) {
        n += (size_t)snprintf(out + n, n < size ? size - n : 0, "%s%s", i ? ", " : "", l->v[i]);
    }
}

static const char *
kind_label(const struct record *r, enum request_kind k)
{
    return record_word(r, k == REQ_REPLY            ? W_AUTO_REPLY
                          : k == REQ_POINT_OF_ORDER ? W_AUTO_POINT_OF_ORDER
                                                    : W_AUTO_CONTRIBUTION);
}

/* Who did it, as the minutes name them: the bureau by its office ("Le
 * secrétariat"), anyone else by name. */
static const char *
actor_label(const struct record *r, const char *actor)
{
    const struct participant *p = meeting_participant(r->m, actor);
    if (p && p->role == ROLE_SECRETARY) {
        return record_word(r, W_AUTO_THE_SECRETARY);
    }
    if (p && p->role == ROLE_CHAIR) {
        return record_word(r, W_AUTO_THE_CHAIR);
    }
    if (!p && strcmp(actor, "admin") == 0) {
        return record_word(r, W_AUTO_THE_ADMIN);
    }
    return p ? p->name : actor;
}

/* Append `v` (stolen; NULL when its own making failed) to the array *a.
 * On any failure *a is released and becomes NULL: an array that lost an
 * element is never written (the record must not be silently shorter). */
static void
push(json_t **a, json_t *v)
{
    if (!*a) {
        json_decref(v);
    } else if (json_array_append_new(*a, v)) {
        json_decref(*a);
        *a = NULL;
    }
}

/* Set `key` of the object *o to `v` (stolen), by the same rule as push(). */
static void
put(json_t **o, const char *key, json_t *v)
{
    if (!*o) {
        json_decref(v);
    } else if (json_object_set_new(*o, key, v)) {
        json_decref(*o);
        *o = NULL;
    }
}

/* The quorum now: the whole body's figures and each college's (new JSON:
 * {"met","present","required","failing":[colleges short of their share]},
 * and the colleges' figures into *colleges when not NULL). */
static json_t *
quorum_now(const struct meeting *m, json_t **colleges, struct words_quorum *wq,
           const char **names, long long *cp, long long *cr)
{
    struct quorum q = quorum_compute(m);
    json_t *failing = json_array();
    size_t nc = meeting_colleges(m, names, MAX_COLLEGES);
    for (size_t c = 0; c < nc; c++) {
        int64_t p, req, t;
        quorum_college(m, names[c], &p, &req, &t);
        cp[c] = p;
        cr[c] = req;
        if (p < req) {
            push(&failing, json_string(names[c]));
        }
        if (colleges) {
            put(colleges, names[c],
                json_pack("{s:I,s:I,s:I,s:b}", "present", (json_int_t)p, "total", (json_int_t)t,
                          "required", (json_int_t)req, "met", p >= req));
        }
    }
    *wq = (struct words_quorum){.present = q.present,
                                .required = q.required,
                                .n = nc,
                                .colleges = names,
                                .cpresent = cp,
                                .crequired = cr};
    return json_pack("{s:b,s:I,s:I,s:o}", "met", q.met, "present", (json_int_t)q.present,
                     "required", (json_int_t)q.required, "failing", failing);
}

/* Attendance as it stood when meeting.closed was written: what the record
 * says of the close, whatever connections did afterwards. */
static int
take_close(struct record *r, int64_t ts)
{
    const struct meeting *m = r->m;
    const char *names[MAX_COLLEGES];
    long long cp[MAX_COLLEGES], cr[MAX_COLLEGES];
    struct words_quorum wq;
    json_t *colleges = json_object();
    json_t *quorum = colleges ? quorum_now(m, &colleges, &wq, names, cp, cr) : NULL;
    int64_t total = 0;
    free(r->present_close);
    r->present_close = calloc(m->nparts ? m->nparts : 1, 1);
    r->npresent_close = m->nparts;
    for (size_t i = 0; r->present_close && i < m->nparts; i++) {
        r->present_close[i] = attendance_counts(&m->parts[i]);
        total += m->parts[i].role == ROLE_MEMBER;
    }
    json_decref(r->at_close);
    r->at_close = NULL;
    if (!quorum || !r->present_close) {
        json_decref(quorum);
        json_decref(colleges);
        return ERR_NOMEM;
    }
    /* "o" steals both, even when json_pack fails */
    r->at_close = json_pack("{s:I,s:I,s:I,s:o,s:o}", "at", (json_int_t)ts, "present",
                            json_integer_value(json_object_get(quorum, "present")), "total",
                            (json_int_t)total, "colleges", colleges, "quorum", quorum);
    return r->at_close ? 0 : ERR_NOMEM;
}

static int
periods_grow(struct record *r)
{
    size_t n = r->m->nparts;
    if (r->npresence >= n) {
        return 0;
    }
    struct period_list *v = realloc(r->periods, n * sizeof(*v));
    if (!v) {
        return ERR_NOMEM;
    }
    memset(v + r->npresence, 0, (n - r->npresence) * sizeof(*v));
    r->periods = v;
    r->npresence = n;
    return 0;
}

/* The record's own history of presence and proxies, for the event just
 * applied: what the core's state keeps only as its latest value. */
static int
remember(struct record *r, const struct event *ev)
{
    const struct meeting *m = r->m;
    const struct body *b = &ev->b;
    const struct participant *p;
    int rc = periods_grow(r);
    if (rc) {
        return rc;
    }
    switch (ev->type) {
    case EV_PARTICIPANT_JOINED:
    case EV_PARTICIPANT_LEFT: {
        if (m->state == MEETING_CLOSED || !(p = meeting_participant(m, b->participant))) {
            return 0; /* a log from before presence stopped at the close */
        }
        struct period_list *l = &r->periods[p - m->parts];
        if (ev->type == EV_PARTICIPANT_LEFT) {
            if (l->n && l->v[l->n - 1].to == 0) {
                l->v[l->n - 1].to = ev->ts;
            }
            return 0;
        }
        if (l->n == l->cap) {
            size_t cap = l->cap ? 2 * l->cap : 4;
            struct period *v = realloc(l->v, cap * sizeof(*v));
            if (!v) {
                return ERR_NOMEM;
            }
            l->v = v;
            l->cap = cap;
        }
        l->v[l->n++] = (struct period){ev->ts, 0};
        return 0;
    }
    case EV_PROXY_GIVEN: {
        struct proxy_history *v = realloc(r->pxs, m->nproxies * sizeof(*v));
        if (!v) {
            return ERR_NOMEM;
        }
        r->pxs = v;
        memset(&v[r->npxs], 0, sizeof(*v));
        v[r->npxs].given = ev->ts;
        snprintf(v[r->npxs].given_by, ID_MAX, "%s", ev->actor);
        r->npxs++;
        return 0;
    }
    case EV_PROXY_REVOKED:
        for (size_t i = r->npxs; i-- > 0;) {
            if (!m->proxies[i].live && !r->pxs[i].revoked &&
                strcmp(m->parts[m->proxies[i].from].id, b->from) == 0) {
                r->pxs[i].revoked = ev->ts;
                snprintf(r->pxs[i].revoked_by, ID_MAX, "%s", ev->actor);
                break;
            }
        }
        return 0;
    case EV_BALLOT_CAST: {
        p = b->by && *b->by ? meeting_participant(m, b->voter) : NULL;
        int32_t i = p ? proxy_of(m, (uint32_t)(p - m->parts)) : -1;
        if (i < 0 || (size_t)i >= r->npxs) {
            return 0;
        }
        struct strlist *used = &r->pxs[i].used;
        if (used->n && strcmp(used->v[used->n - 1], b->vote) == 0) {
            return 0; /* a ballot changed in the same vote */
        }
        return strlist_push(used, b->vote) ? ERR_NOMEM : 0;
    }
    default:
        return 0;
    }
}

static int
say_quorum(struct record *r, const struct event *ev)
{
    const char *names[MAX_COLLEGES];
    long long cp[MAX_COLLEGES], cr[MAX_COLLEGES];
    struct words_quorum wq;
    char text[2048];
    /* the fold gives the figures of that moment, in logs written before the
     * events carried them as well */
    json_decref(quorum_now(r->m, NULL, &wq, names, cp, cr));
    words_quorum(words_lang(r->m->lang), ev->type == EV_QUORUM_REACHED ? W_Q_REACHED : W_Q_LOST,
                 &wq, text, sizeof(text));
    return say(r, ev->ts, CURRENT_ITEM, NULL, NULL, "%s", text);
}

static const char *
status_label(const struct record *r, enum action_status st)
{
    static const enum word w[] = {[ACTION_OPEN] = W_ACTION_OPEN,
                                  [ACTION_IN_PROGRESS] = W_ACTION_IN_PROGRESS,
                                  [ACTION_DONE] = W_ACTION_DONE,
                                  [ACTION_DROPPED] = W_ACTION_DROPPED};
    return record_word(r, w[st]);
}

/* The entry of a decision or an action, filed under its item. */
static int
say_followup(struct record *r, const struct event *ev)
{
    const struct meeting *m = r->m;
    const struct body *b = &ev->b;
    char due[64], from[2 * ID_MAX];
    if (ev->type == EV_DECISION_RECORDED) {
        const struct decision *d = &m->decisions[m->ndecisions - 1];
        int32_t vi = d->vote[0] ? meeting_vote_index(m, d->vote) : -1;
        if (vi >= 0) {
            return say(r, ev->ts, d->item, NULL, NULL, record_word(r, W_AUTO_DECISION_VOTE),
                       m->votes[vi].question, d->text);
        }
        return say(r, ev->ts, d->item, NULL, NULL, record_word(r, W_AUTO_DECISION), d->text);
    }
    int32_t ai = meeting_action_index(m, b->action);
    if (ai < 0) {
        return ERR_INTERNAL;
    }
    const struct action *a = &m->actions[ai];
    if (ev->type == EV_ACTION_UPDATED) {
        return say(r, ev->ts, a->item, NULL, NULL, record_word(r, W_AUTO_ACTION_UPDATED), a->title,
                   status_label(r, a->status), status_label(r, (enum action_status)r->was_status));
    }
    if (a->due[0]) {
        snprintf(due, sizeof(due), record_word(r, W_AUTO_DUE), a->due);
    } else {
        snprintf(due, sizeof(due), "%s", record_word(r, W_AUTO_NO_DUE));
    }
    const char *owner = meeting_participant(m, a->owner) ? a->owner : NULL;
    if (a->origin[0]) {
        snprintf(from, sizeof(from), "%s", a->origin);
        char *slash = strchr(from, '/');
        if (slash) {
            *slash = 0;
        }
        return say(r, ev->ts, a->item, owner, NULL, record_word(r, W_AUTO_ACTION_CARRIED), from,
                   a->title, a->owner_name, due, status_label(r, a->status));
    }
    return say(r, ev->ts, a->item, owner, NULL, record_word(r, W_AUTO_ACTION), a->title,
               a->owner_name, due, status_label(r, a->status));
}

/* The meeting's course: opened, suspended, resumed, closed, and each
 * agenda item opened, closed or postponed. */
static int
say_course(struct record *r, const struct event *ev)
{
    const struct meeting *m = r->m;
    const struct body *b = &ev->b;
    switch (ev->type) {
    case EV_MEETING_OPENED:
        return say(r, ev->ts, CURRENT_ITEM, NULL, NULL, "%s", record_word(r, W_AUTO_OPENED));
    case EV_MEETING_SUSPENDED:
        return say(r, ev->ts, CURRENT_ITEM, NULL, NULL, "%s", record_word(r, W_AUTO_SUSPENDED));
    case EV_MEETING_RESUMED:
        return say(r, ev->ts, CURRENT_ITEM, NULL, NULL, "%s", record_word(r, W_AUTO_RESUMED));
    case EV_MEETING_CLOSED: {
        int rc = take_close(r, ev->ts);
        return rc ? rc : say(r, ev->ts, -1, NULL, NULL, "%s", record_word(r, W_AUTO_CLOSED));
    }
    case EV_AGENDA_ITEM_OPENED:
        return say(r, ev->ts, CURRENT_ITEM, NULL, NULL, record_word(r, W_AUTO_ITEM_OPENED),
                   item_title(m, b->item));
    case EV_AGENDA_ITEM_CLOSED: /* no longer current, still its subject */
        return say(r, ev->ts, meeting_item_index(m, b->item), NULL, NULL,
                   record_word(r, W_AUTO_ITEM_CLOSED), item_title(m, b->item));
    case EV_AGENDA_ITEM_POSTPONED:
        return say(r, ev->ts, meeting_item_index(m, b->item), NULL, NULL,
                   record_word(r, W_AUTO_ITEM_POSTPONED), item_title(m, b->item));
    default:
        return 0;
    }
}

/* A vote opened (with its small colleges), closed or cancelled. */
static int
say_vote(struct record *r, const struct event *ev)
{
    const struct meeting *m = r->m;
    int32_t vi = meeting_vote_index(m, ev->b.vote);
    const struct vote *v = vi >= 0 ? &m->votes[vi] : NULL;
    char rule[128], n[64];
    if (!v) {
        return ERR_INTERNAL;
    }
    switch (ev->type) {
    case EV_VOTE_OPENED: {
        count_of(r, W_AUTO_ENTITLED_1, v->nentitled, n, sizeof(n));
        int rc = say(r, ev->ts, v->item, NULL, NULL, record_word(r, W_AUTO_VOTE_OPENED),
                     v->question, words_get(words_lang(m->lang), v->secret ? W_SECRET : W_NAMED),
                     rule_label(r, v, rule, sizeof(rule)), n);
        if (rc == 0 && v->small_colleges.n) {
            char names[1024];
            join_names(&v->small_colleges, names, sizeof(names));
            rc = say(r, ev->ts, v->item, NULL, NULL, record_word(r, W_AUTO_SMALL_COLLEGES), names);
        }
        return rc;
    }
    case EV_VOTE_CLOSED:
        return say_vote_closed(r, ev->ts, v);
    case EV_VOTE_CANCELLED:
        return say(r, ev->ts, v->item, NULL, NULL, record_word(r, W_AUTO_VOTE_CANCELLED),
                   v->question);
    default:
        return 0;
    }
}

/* Invitations: everyone at once in one entry, else one entry each. */
static int
say_invitation(struct record *r, const struct event *ev)
{
    const struct meeting *m = r->m;
    const struct body *b = &ev->b;
    const char *by = actor_label(r, ev->actor);
    if (b->participants.n == meeting_nlisted(m) && meeting_nlisted(m) > 1) {
        return say(r, ev->ts, -1, NULL, NULL, record_word(r, W_AUTO_INVITED_ALL), by,
                   (long long)b->participants.n);
    }
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < b->participants.n; i++) {
        rc = say(r, ev->ts, -1, b->participants.v[i], NULL, record_word(r, W_AUTO_INVITED), by,
                 name_of(m, b->participants.v[i]));
    }
    return rc;
}

/* The previous meeting's minutes approved, by a vote or without objection. */
static int
say_approved_previous(struct record *r, const struct event *ev)
{
    const struct meeting *m = r->m;
    const struct body *b = &ev->b;
    char day[64];
    if (!words_day(words_lang(m->lang), b->date, day, sizeof(day))) {
        snprintf(day, sizeof(day), "%s", b->date && *b->date ? b->date : b->approves);
    }
    int32_t ai = meeting_item_index(m, b->item);
    int32_t avi = b->vote && *b->vote ? meeting_vote_index(m, b->vote) : -1;
    if (avi >= 0) {
        return say(r, ev->ts, ai, NULL, NULL, record_word(r, W_AUTO_APPROVED_VOTE), day,
                   m->votes[avi].question);
    }
    return say(r, ev->ts, ai, NULL, NULL, record_word(r, W_AUTO_APPROVED_NO_OBJECTION), day);
}

/* A proxy given or revoked, by its giver or recorded by someone else. */
static int
say_proxy(struct record *r, const struct event *ev)
{
    const struct meeting *m = r->m;
    const struct body *b = &ev->b;
    const char *by = actor_label(r, ev->actor);
    bool own = strcmp(ev->actor, b->from) == 0;
    if (ev->type == EV_PROXY_GIVEN) {
        if (own) {
            return say(r, ev->ts, -1, b->from, b->to, record_word(r, W_AUTO_PROXY_GIVEN),
                       name_of(m, b->from), name_of(m, b->to));
        }
        return say(r, ev->ts, -1, b->from, b->to, record_word(r, W_AUTO_PROXY_RECORDED), by,
                   name_of(m, b->from), name_of(m, b->to));
    }
    const char *to = "";
    for (size_t i = r->npxs; i-- > 0;) {
        if (r->pxs[i].revoked == ev->ts && strcmp(m->parts[m->proxies[i].from].id, b->from) == 0) {
            to = m->parts[m->proxies[i].to].id;
            break;
        }
    }
    if (own) {
        return say(r, ev->ts, -1, b->from, *to ? to : NULL, record_word(r, W_AUTO_PROXY_REVOKED),
                   name_of(m, b->from), name_of(m, to));
    }
    return say(r, ev->ts, -1, b->from, *to ? to : NULL, record_word(r, W_AUTO_PROXY_REVOKED_BY), by,
               name_of(m, b->from), name_of(m, to));
}

/* A recusal declared or withdrawn, by the member or by someone else. */
static int
say_recusal(struct record *r, const struct event *ev)
{
    const struct meeting *m = r->m;
    const struct body *b = &ev->b;
    bool declared = ev->type == EV_RECUSAL_DECLARED;
    int32_t it = meeting_item_index(m, b->item);
    if (strcmp(ev->actor, b->participant) == 0) {
        return say(r, ev->ts, it, b->participant, NULL,
                   record_word(r, declared ? W_AUTO_RECUSAL : W_AUTO_RECUSAL_WITHDRAWN),
                   name_of(m, b->participant), item_title(m, b->item));
    }
    return say(r, ev->ts, it, b->participant, NULL,
               record_word(r, declared ? W_AUTO_RECUSAL_BY : W_AUTO_RECUSAL_WITHDRAWN_BY),
               actor_label(r, ev->actor), name_of(m, b->participant), item_title(m, b->item));
}

/* Presence: a participant joined or left (until the close), checked in, or
 * was marked present, excused or absent by someone else. */
static int
say_presence(struct record *r, const struct event *ev)
{
    const struct meeting *m = r->m;
    const struct body *b = &ev->b;
    if (ev->type != EV_ATTENDANCE_MARKED) {
        if (m->state == MEETING_CLOSED) {
            return 0; /* after the close, connections are no part of the record */
        }
        return say(r, ev->ts, -1, b->participant, NULL,
                   record_word(r, ev->type == EV_PARTICIPANT_JOINED ? W_AUTO_JOINED : W_AUTO_LEFT),
                   name_of(m, b->participant));
    }
    enum word l = strcmp(b->status, "present") == 0   ? W_AUTO_PRESENT
                  : strcmp(b->status, "excused") == 0 ? W_AUTO_EXCUSED
                  : strcmp(b->status, "absent") == 0  ? W_AUTO_ABSENT
                                                      : W_AUTO_NONE;
    char what[300];
    if (l == W_AUTO_PRESENT && strcmp(ev->actor, b->participant) == 0) {
        return say(r, ev->ts, -1, b->participant, NULL, record_word(r, W_AUTO_CHECKIN),
                   name_of(m, b->participant));
    }
    snprintf(what, sizeof(what), "%s%s%s%s", record_word(r, l), b->reason && *b->reason ? " (" : "",
             b->reason ? b->reason : "", b->reason && *b->reason ? ")" : "");
    return say(r, ev->ts, -1, b->participant, NULL, record_word(r, W_AUTO_MARKED),
               actor_label(r, ev->actor), name_of(m, b->participant), what);
}

/* A speaker's turn ended: who, what kind of turn, how long. */
static int
say_turn(struct record *r, const struct event *ev)
{
    const struct meeting *m = r->m;
    const struct spoken *s = &m->spoken[m->nspoken - 1];
    char d[64];
    duration(d, sizeof(d), s->ms);
    return say(r, ev->ts, (int32_t)s->item, ev->b.participant, NULL, record_word(r, W_AUTO_TURN),
               name_of(m, ev->b.participant), kind_label(r, s->kind), d);
}

/* The automatic entry for an event just applied, if any. */
static int
narrate(struct record *r, const struct event *ev)
{
    switch (ev->type) {
    case EV_MEETING_OPENED:
    case EV_MEETING_SUSPENDED:
    case EV_MEETING_RESUMED:
    case EV_MEETING_CLOSED:
    case EV_AGENDA_ITEM_OPENED:
    case EV_AGENDA_ITEM_CLOSED:
    case EV_AGENDA_ITEM_POSTPONED:
        return say_course(r, ev);
    case EV_SPEAKER_TURN_ENDED:
        return say_turn(r, ev);
    case EV_VOTE_OPENED:
    case EV_VOTE_CLOSED:
    case EV_VOTE_CANCELLED:
        return say_vote(r, ev);
    case EV_INVITATION_ISSUED:
        return say_invitation(r, ev);
    case EV_MINUTES_APPROVED_PREVIOUS:
        return say_approved_previous(r, ev);
    case EV_QUORUM_REACHED:
    case EV_QUORUM_LOST:
        return say_quorum(r, ev);
    case EV_PROXY_GIVEN:
    case EV_PROXY_REVOKED:
        return say_proxy(r, ev);
    case EV_RECUSAL_DECLARED:
    case EV_RECUSAL_WITHDRAWN:
        return say_recusal(r, ev);
    case EV_PARTICIPANT_JOINED:
    case EV_PARTICIPANT_LEFT:
    case EV_ATTENDANCE_MARKED:
        return say_presence(r, ev);
    case EV_DECISION_RECORDED:
    case EV_ACTION_RECORDED:
    case EV_ACTION_UPDATED:
        return say_followup(r, ev);
    default:
        return 0;
    }
}

int
record_add(struct record *r, const struct record_row *row)
{
    struct event ev;
    memset(&ev, 0, sizeof(ev));
    int type = proto_event_type(row->type);
    if (type < 0 || strlen(row->actor) >= ID_MAX) {
        return ERR_INVALID;
    }
    ev.type = (enum ev_type)type;
    ev.seq = row->seq;
    ev.ts = row->ts;
    strcpy(ev.actor, row->actor);
    int rc = proto_decode_event_body(ev.type, row->body, row->body_len, &ev);
    if (rc == 0 && ev.type == EV_ACTION_UPDATED) {
        int32_t ai = meeting_action_index(r->m, ev.b.action);
        r->was_status = ai >= 0 ? (int)r->m->actions[ai].status : 0;
    }
    if (rc == 0) {
        rc = meeting_apply(r->m, &ev);
    }
    if (rc == 0) {
        rc = remember(r, &ev);
    }
    if (rc == 0) {
        rc = narrate(r, &ev);
    }
    event_clear(&ev);
    if (rc) {
        return rc;
    }
    char head[512];
    int n = snprintf(head, sizeof(head),
                     "%s{\"actor\":\"%s\",\"body\":", r->nevents ? "," : "", row->actor);
    rc = append(r, head, (size_t)n);
    rc = rc ? rc : append(r, row->body, row->body_len);
    n = snprintf(head, sizeof(head),
                 ",\"hash\":\"%s\",\"meeting\":\"%s\",\"seq\":%" PRIu64 ",\"ts\":%" PRId64
                 ",\"type\":\"%s\"}",
                 row->hash_hex, r->m->id, row->seq, row->ts, row->type);
    rc = rc ? rc : append(r, head, (size_t)n);
    if (rc == 0) {
        r->nevents++;
        snprintf(r->head, sizeof(r->head), "%s", row->hash_hex);
    }
    return rc;
}

/* --- the JSON of the final state --------------------------------------- */

static json_t *
strings_json(const struct strlist *l)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < l->n; i++) {
        push(&a, json_string(l->v[i]));
    }
    return a;
}

static json_t *
ints_json(const struct intlist *l)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < l->n; i++) {
        push(&a, json_integer(l->v[i]));
    }
    return a;
}

static const char *
item_id(const struct meeting *m, int32_t i)
{
    return i >= 0 ? m->items[i].id : "";
}

struct mentry {
    int64_t ts;
    size_t order;
    json_t *o;
};

static int
cmp_mentry(const void *a, const void *b)
{
    const struct mentry *x = a, *y = b;
    if (x->ts != y->ts) {
        return (x->ts > y->ts) - (x->ts < y->ts);
    }
    return (x->order > y->order) - (x->order < y->order);
}

static json_t *
minutes_array(const struct record *r)
{
    const struct meeting *m = r->m;
    size_t n = r->nauto + m->nentries, k = 0;
    struct mentry *v = malloc((n ? n : 1) * sizeof(*v));
    json_t *a = json_array();
    if (!v || !a) {
        free(v);
        json_decref(a);
        return NULL;
    }
    for (size_t i = 0; i < r->nauto; i++) {
        const struct autoentry *e = &r->autos[i];
        v[k].ts = e->ts;
        v[k].order = k;
        v[k++].o = json_pack("{s:I,s:s,s:s,s:s,s:o,s:s,s:b}", "ts", (json_int_t)e->ts, "item",
                             item_id(m, e->item), "source", "auto", "text", e->text, "speakers",
                             strings_json(&e->speakers), "entry", "", "edited", 0);
    }
    for (size_t i = 0; i < m->nentries; i++) {
        const struct entry *e = &m->entries[i];
        if (e->deleted) {
            continue;
        }
        v[k].ts = e->ts;
        v[k].order = k;
        v[k++].o =
            json_pack("{s:I,s:s,s:s,s:s,s:o,s:s,s:b}", "ts", (json_int_t)e->ts, "item",
                      item_id(m, e->item), "source", "secretary", "text", e->text, "speakers",
                      strings_json(&e->speakers), "entry", e->id, "edited", e->edited);
    }
    qsort(v, k, sizeof(*v), cmp_mentry);
    for (size_t i = 0; i < k; i++) {
        push(&a, v[i].o);
    }
    free(v);
    return a;
}

int
record_minutes(struct record *r, char **out, size_t *len)
{
    unsigned long mark = proto_json_mark();
    json_t *a = minutes_array(r);
    *out = proto_json_dump(a, JSON_COMPACT | JSON_SORT_KEYS, mark);
    json_decref(a);
    if (!*out) {
        return ERR_NOMEM;
    }
    *len = strlen(*out);
    return 0;
}

static json_t *
ids_where(const struct meeting *m, const uint8_t *flags, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && flags && i < n && i < m->nparts; i++) {
        if (flags[i]) {
            push(&a, json_string(m->parts[i].id));
        }
    }
    return a;
}

static json_t *
votes_array(const struct meeting *m)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < m->nvotes; i++) {
        const struct vote *v = &m->votes[i];
        json_t *ballots = json_array();
        for (size_t k = 0; !v->secret && ballots && k < v->nslots; k++) {
            if (v->choice[k] >= 0 && v->state >= VOTE_CLOSED) {
                push(&ballots, json_pack("{s:s,s:s,s:s}", "voter", m->parts[k].id, "by",
                                         v->by[k] >= 0 ? m->parts[v->by[k]].id : "", "choice",
                                         v->options.v[v->choice[k]]));
            }
        }
        json_t *o = json_pack(
            "{s:s,s:s,s:s,s:s,s:o,s:s,s:s,s:I,s:I,s:s,s:I,s:I,s:o,s:o,s:o,"
            "s:I,s:b,s:b,s:o,s:o,s:o,s:b,s:s,s:o}",
            "id", v->id, "item", item_id(m, v->item), "question", v->question, "kind",
            v->choice_kind ? "choice" : "yesno", "options", strings_json(&v->options), "mode",
            v->secret ? "secret" : "named", "rule", vote_rule_str(v->rule), "share_num",
            (json_int_t)v->share_num, "share_den", (json_int_t)v->share_den, "state",
            vote_state_str(v->state), "opened_at", (json_int_t)v->opened_at, "closed_at",
            (json_int_t)v->closed_at, "entitled", ids_where(m, v->entitled, v->nslots),
            "present_open", ids_where(m, v->present_open, v->nslots), "present_close",
            strings_json(&v->present_close), "voted", (json_int_t)v->nvoted, "quorum_open",
            v->quorum_open, "quorum_close", v->quorum_close, "counts", ints_json(&v->counts),
            "colleges", strings_json(&v->colleges), "college_counts", ints_json(&v->college_counts),
            "passed", v->passed, "winner", v->winner ? v->winner : "", "ballots", ballots);
        put(&o, "college_passed", ints_json(&v->college_passed));
        put(&o, "small_colleges", strings_json(&v->small_colleges));
        push(&a, o);
    }
    return a;
}

/* A participant's presence periods, before the close (new). */
static json_t *
periods_json(const struct record *r, size_t i)
{
    json_t *a = json_array();
    const struct period_list *l = i < r->npresence ? &r->periods[i] : NULL;
    for (size_t k = 0; a && l && k < l->n; k++) {
        push(&a, json_pack("{s:I,s:I}", "from", (json_int_t)l->v[k].from, "to",
                           (json_int_t)l->v[k].to));
    }
    return a;
}

/* Every proxy given, in order, with when and by whom it was given and
 * revoked, and the votes it was used in (new). */
static json_t *
proxies_json(const struct record *r)
{
    const struct meeting *m = r->m;
    json_t *a = json_array();
    for (size_t i = 0; a && i < m->nproxies && i < r->npxs; i++) {
        const struct proxy_history *x = &r->pxs[i];
        push(&a, json_pack("{s:s,s:s,s:I,s:s,s:I,s:s,s:o}", "from", m->parts[m->proxies[i].from].id,
                           "to", m->parts[m->proxies[i].to].id, "given", (json_int_t)x->given,
                           "given_by", x->given_by, "revoked", (json_int_t)x->revoked, "revoked_by",
                           x->revoked_by, "used", strings_json(&x->used)));
    }
    return a;
}

/* Every participant with their presence, turns and speaking time (new;
 * NULL when out of memory). */
static json_t *
participants_json(const struct record *r)
{
    const struct meeting *m = r->m;
    json_t *parts = json_array();
    for (size_t i = 0; parts && i < m->nparts; i++) {
        const struct participant *p = &m->parts[i];
        if (p->removed) {
            continue; /* taken off the roster before the meeting opened */
        }
        const struct period_list *l = i < r->npresence ? &r->periods[i] : NULL;
        int64_t arrived = l && l->n ? l->v[0].from : 0, left = l && l->n ? l->v[l->n - 1].to : 0;
        int disconnections = 0;
        for (size_t k = 0; l && k < l->n; k++) {
            disconnections += l->v[k].to != 0;
        }
        bool at_close = r->present_close && i < r->npresent_close ? r->present_close[i]
                                                                  : attendance_counts(p);
        push(&parts, json_pack("{s:s,s:s,s:s,s:s,s:I,s:I,s:i,s:s,s:s,s:i,s:I,s:o,s:b}", "id", p->id,
                               "name", p->name, "college", p->college, "role", role_str(p->role),
                               "arrived", (json_int_t)arrived, "left", (json_int_t)left,
                               "disconnections", disconnections, "mark", mark_str(p->mark),
                               "reason", p->reason ? p->reason : "", "turns", p->turns, "spoken",
                               (json_int_t)p->spoken_ms, "periods", periods_json(r, i),
                               "present_at_close", at_close));
    }
    return parts;
}

/* Attendance at the close, or, when the meeting is not closed, as it
 * stands now (new; NULL when out of memory). */
static json_t *
attendance_json(const struct record *r)
{
    const struct meeting *m = r->m;
    if (r->at_close) {
        return json_incref(r->at_close);
    }
    const char *names[MAX_COLLEGES];
    long long cp[MAX_COLLEGES], cr[MAX_COLLEGES];
    struct words_quorum wq;
    json_t *colleges = json_object();
    json_t *quorum = quorum_now(m, &colleges, &wq, names, cp, cr);
    int64_t total = 0;
    for (size_t i = 0; i < m->nparts; i++) {
        total += m->parts[i].role == ROLE_MEMBER;
    }
    return json_pack("{s:I,s:I,s:I,s:o,s:o}", "at", (json_int_t)0, "present",
                     json_integer_value(json_object_get(quorum, "present")), "total",
                     (json_int_t)total, "colleges", colleges, "quorum", quorum);
}

/* Every document ever attached to item `item`, a removed one marked: the
 * record proves which content was on the table, by its SHA-256 (new). */
static json_t *
item_documents_json(const struct meeting *m, uint32_t item)
{
    json_t *docs = json_array();
    for (size_t di = 0; docs && di < m->ndocs; di++) {
        const struct document *dd = &m->docs[di];
        if (dd->item == item) {
            push(&docs, json_pack("{s:s,s:s,s:s,s:I,s:I,s:b}", "sha256", dd->sha256, "name",
                                  dd->name, "format", dd->format, "size", (json_int_t)dd->size,
                                  "added", (json_int_t)dd->added, "removed", dd->removed));
        }
    }
    return docs;
}

/* The agenda in its order, each item with its documents (new; NULL when
 * out of memory). */
static json_t *
agenda_json(const struct meeting *m)
{
    json_t *agenda = json_array();
    uint32_t *order = malloc((m->nitems ? m->nitems : 1) * sizeof(*order));
    if (!order) {
        json_decref(agenda);
        return NULL;
    }
    size_t nitems = agenda_order(m, order);
    for (size_t k = 0; agenda && k < nitems; k++) {
        const struct item *it = &m->items[order[k]];
        push(&agenda,
             json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:s,s:I,s:s,s:s,s:o}", "id", it->id, "title",
                       it->title, "description", it->description, "presenter", it->presenter,
                       "kind", item_kind_str(it->kind), "parent", it->parent, "duration",
                       (json_int_t)it->duration_s, "state", item_state_str(it->state), "actual",
                       (json_int_t)it->actual_ms, "origin", it->origin, "approves", it->approves,
                       "documents", item_documents_json(m, order[k])));
    }
    free(order);
    return agenda;
}

/* Every speaking turn, and the recusals in force (new; NULL when out of memory). */
static json_t *
turns_json(const struct meeting *m)
{
    json_t *turns = json_array();
    for (size_t i = 0; turns && i < m->nspoken; i++) {
        const struct spoken *s = &m->spoken[i];
        push(&turns, json_pack("{s:s,s:s,s:s,s:I,s:I}", "participant", m->parts[s->pidx].id, "item",
                               m->items[s->item].id, "kind", request_kind_str(s->kind), "started",
                               (json_int_t)s->started, "spoken", (json_int_t)s->ms));
    }
    return turns;
}

static json_t *
recusals_json(const struct meeting *m)
{
    json_t *recusals = json_array();
    for (size_t i = 0; recusals && i < m->nrecusals; i++) {
        if (m->recusals[i].live) {
            push(&recusals, json_pack("{s:s,s:s}", "participant", m->parts[m->recusals[i].pidx].id,
                                      "item", m->items[m->recusals[i].item].id));
        }
    }
    return recusals;
}

/* The record without its events (new; NULL when out of memory: a part
 * that could not be made whole fails the whole, never leaves it shorter). */
static json_t *
state_object(const struct record *r)
{
    const struct meeting *m = r->m;
    json_t *approved = m->approved_by[0] ? json_pack("{s:s,s:I}", "by", m->approved_by, "at",
                                                     (json_int_t)m->approved_at)
                                         : json_null();
    json_t *o = json_pack(
        "{s:s,s:s,s:{s:s,s:s},s:{s:s,s:s,s:s,s:s,s:s,s:I,s:I},s:o,"
        "s:o,"
        "s:{s:I,s:b,s:b,s:I,s:I,s:I,s:I,s:b,s:b,s:s},"
        "s:o,s:o,s:o,s:o,s:o,s:o,s:{s:s,s:I},s:o,s:{s:I,s:s},s:{s:s},s:[]}",
        "format", "concerto-record/1", "lang", m->lang ? m->lang : "fr", "commission", "id",
        m->commission, "name", m->commission_name ? m->commission_name : "", "meeting", "id", m->id,
        "title", m->title ? m->title : "", "date", m->date ? m->date : "", "place",
        m->place ? m->place : "", "room", m->room ? m->room : "", "opened_at",
        (json_int_t)m->opened_at, "closed_at", (json_int_t)m->closed_at, "participants",
        participants_json(r), "attendance", attendance_json(r), "settings", "speaking_time",
        (json_int_t)m->set.speaking_s, "first_turn", m->set.first_turn, "alternate",
        m->set.alternate, "quorum", (json_int_t)m->set.quorum, "quorum_college",
        (json_int_t)m->set.quorum_college, "grace", (json_int_t)m->set.grace_s, "proxy_max",
        (json_int_t)m->set.proxy_max, "proxy_college", m->set.proxy_college, "proxy_quorum",
        m->set.proxy_quorum, "minutes_approval", approval_str(m->set.approval_next), "proxies",
        proxies_json(r), "recusals", recusals_json(m), "agenda", agenda_json(m), "turns",
        turns_json(m), "votes", votes_array(m), "minutes", minutes_array(r), "finalized", "by",
        m->finalized_by, "at", (json_int_t)m->finalized_at, "approved", approved, "chain", "events",
        (json_int_t)r->nevents, "head", r->head, "signing", "key_id", r->key_id, "events");
    /* decisions and actions, in the snapshot's shape (proto_snapshot.c) */
    if (o && (json_object_set_new(o, "decisions", (json_t *)proto_decisions(m)) ||
              json_object_set_new(o, "actions", (json_t *)proto_actions(m)))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* The record without its events, made once: record_json() splices the
 * events into it, the readable documents are made from it. */
static int
state_text(struct record *r)
{
    if (r->state) {
        return 0;
    }
    unsigned long mark = proto_json_mark(); /* jansson's own failures too */
    json_t *o = state_object(r);
    r->state = proto_json_dump(o, JSON_COMPACT | JSON_SORT_KEYS, mark);
    json_decref(o);
    if (!r->state) {
        return ERR_NOMEM;
    }
    r->state_len = strlen(r->state);
    return 0;
}

int
record_state(struct record *r, char **out, size_t *len)
{
    *out = NULL;
    int rc = state_text(r);
    if (rc) {
        return rc;
    }
    if (!(*out = malloc(r->state_len + 1))) {
        return ERR_NOMEM;
    }
    memcpy(*out, r->state, r->state_len + 1);
    *len = r->state_len;
    return 0;
}

int
record_json(struct record *r, char **out, size_t *len)
{
    static const char marker[] = "\"events\":[]";
    *out = NULL;
    int rc = state_text(r);
    if (rc) {
        return rc;
    }
    const char *text = r->state;
    const char *at = strstr(text, marker);
    if (!at) {
        return ERR_INTERNAL;
    }
    size_t pre = (size_t)(at - text) + sizeof(marker) - 2; /* up to and with '[' */
    size_t rest = strlen(at + sizeof(marker) - 2);          /* from ']' on */
    char *buf = malloc(pre + r->elen + rest + 1);
    if (!buf) {
        return ERR_NOMEM;
    }
    memcpy(buf, text, pre);
    memcpy(buf + pre, r->events ? r->events : "", r->elen);
    memcpy(buf + pre + r->elen, at + sizeof(marker) - 2, rest + 1);
    *out = buf;
    *len = pre + r->elen + rest;
    return 0;
}

int
record_approval_json(const struct record_approval *a, char **out, size_t *len)
{
    unsigned long mark = proto_json_mark();
    json_t *vote = json_null();
    if (a->vote) {
        const struct vote *v = a->vote;
        json_t *options = json_array(), *counts = json_array();
        for (size_t i = 0; options && i < v->options.n; i++) {
            push(&options, json_string(v->options.v[i]));
        }
        for (size_t i = 0; counts && i < v->counts.n; i++) {
            push(&counts, json_integer(v->counts.v[i]));
        }
        vote = json_pack("{s:s,s:s,s:o,s:o,s:b}", "id", v->id, "question", v->question,
                         "options", options, "counts", counts, "passed", v->passed);
    }
    json_t *o = json_pack(
        "{s:s,s:{s:s,s:s,s:s,s:s},s:{s:s,s:s,s:I,s:s},"
        "s:{s:s,s:s,s:s,s:s,s:I,s:I,s:s,s:s,s:o},s:{s:s}}",
        "format", "concerto-approval/1", "meeting", "id", a->meeting, "title", a->title, "date",
        a->date, "commission", a->commission, "record", "file", "record.json", "sha256",
        a->sha256, "events", (json_int_t)a->events, "head", a->head, "approved", "meeting", a->by,
        "title", a->by_title, "date", a->by_date, "item", a->item, "seq", (json_int_t)a->seq,
        "at", (json_int_t)a->at, "event", a->event_hash, "result", a->result, "vote", vote,
        "signing", "key_id", a->key_id);
    if (!o) {
        return ERR_NOMEM;
    }
    char *s = proto_json_dump(o, JSON_COMPACT | JSON_SORT_KEYS, mark);
    json_decref(o);
    if (!s) {
        return ERR_NOMEM;
    }
    *out = s;
    *len = strlen(s);
    return 0;
}
