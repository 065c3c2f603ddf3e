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
 * Automatic entries are sentences in the meeting's language, made when the
 * builder applies the event that causes them.
 */
#define _POSIX_C_SOURCE 200809L
#include "record.h"

#include "../core/meeting.h"
#include "../err.h"
#include "../proto/proto.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum label {
    L_OPENED,
    L_SUSPENDED,
    L_RESUMED,
    L_CLOSED,
    L_ITEM_OPENED,
    L_ITEM_CLOSED,
    L_ITEM_POSTPONED,
    L_TURN,
    L_VOTE_OPENED,
    L_VOTE_CLOSED,
    L_VOTE_CANCELLED,
    L_QUORUM_REACHED,
    L_QUORUM_LOST,
    L_PROXY_GIVEN,
    L_PROXY_REVOKED,
    L_RECUSAL,
    L_RECUSAL_WITHDRAWN,
    L_JOINED,
    L_LEFT,
    L_MARKED,
    L_ADOPTED,
    L_REJECTED,
    L_NO_DECISION,
    L_WINNER,
    L_NAMED,
    L_SECRET,
    L_SIMPLE,
    L_ABSOLUTE,
    L_QUALIFIED,
    L_DOUBLE,
    L_CONTRIBUTION,
    L_REPLY,
    L_POINT_OF_ORDER,
    L_YES,
    L_NO,
    L_ABSTAIN,
    L_PRESENT,
    L_EXCUSED,
    L_ABSENT,
    L_NONE,
    L_NO_QUORUM,
    L_COUNT
};

static const char *const labels[2][L_COUNT] = {
    {
        [L_OPENED] = "Ouverture de la séance.",
        [L_SUSPENDED] = "Suspension de séance.",
        [L_RESUMED] = "Reprise de la séance.",
        [L_CLOSED] = "Clôture de la séance.",
        [L_ITEM_OPENED] = "Ouverture du point « %s ».",
        [L_ITEM_CLOSED] = "Clôture du point « %s ».",
        [L_ITEM_POSTPONED] = "Le point « %s » est reporté.",
        [L_TURN] = "Intervention de %s (%s, %s).",
        [L_VOTE_OPENED] = "Ouverture du vote « %s » (%s, %s) : %" PRId64 " votants inscrits.",
        [L_VOTE_CLOSED] = "Résultat du vote « %s » : %s. %s (%" PRId64 " votants sur %" PRId64
                          ").",
        [L_VOTE_CANCELLED] = "Le vote « %s » est annulé.",
        [L_QUORUM_REACHED] = "Le quorum est atteint (%" PRId64 " présents, %" PRId64
                             " requis).",
        [L_QUORUM_LOST] = "Le quorum n’est plus atteint (%" PRId64 " présents, %" PRId64
                          " requis).",
        [L_PROXY_GIVEN] = "%s donne pouvoir à %s.",
        [L_PROXY_REVOKED] = "%s retire son pouvoir.",
        [L_RECUSAL] = "%s se déporte sur le point « %s ».",
        [L_RECUSAL_WITHDRAWN] = "%s lève son déport sur le point « %s ».",
        [L_JOINED] = "Arrivée : %s.",
        [L_LEFT] = "Départ : %s.",
        [L_MARKED] = "%s : %s.",
        [L_ADOPTED] = "adopté",
        [L_REJECTED] = "rejeté",
        [L_NO_DECISION] = "aucune option ne l'emporte",
        [L_WINNER] = "« %s » l’emporte",
        [L_NAMED] = "scrutin nominal",
        [L_SECRET] = "scrutin secret",
        [L_SIMPLE] = "majorité simple des suffrages exprimés",
        [L_ABSOLUTE] = "majorité absolue des membres",
        [L_QUALIFIED] = "majorité qualifiée",
        [L_DOUBLE] = "double majorité par collège",
        [L_CONTRIBUTION] = "intervention",
        [L_REPLY] = "réponse",
        [L_POINT_OF_ORDER] = "motion d’ordre",
        [L_YES] = "pour",
        [L_NO] = "contre",
        [L_ABSTAIN] = "abstention",
        [L_PRESENT] = "présent",
        [L_EXCUSED] = "excusé",
        [L_ABSENT] = "absent",
        [L_NONE] = "présence selon la connexion",
        [L_NO_QUORUM] = "quorum non atteint à l’ouverture",
    },
    {
        [L_OPENED] = "The meeting is opened.",
        [L_SUSPENDED] = "The meeting is suspended.",
        [L_RESUMED] = "The meeting resumes.",
        [L_CLOSED] = "The meeting is closed.",
        [L_ITEM_OPENED] = "Item \"%s\" is opened.",
        [L_ITEM_CLOSED] = "Item \"%s\" is closed.",
        [L_ITEM_POSTPONED] = "Item \"%s\" is postponed.",
        [L_TURN] = "%s speaks (%s, %s).",
        [L_VOTE_OPENED] = "Vote \"%s\" opens (%s, %s): %" PRId64 " members entitled.",
        [L_VOTE_CLOSED] = "Result of the vote \"%s\": %s. %s (%" PRId64 " voted of %" PRId64
                          ").",
        [L_VOTE_CANCELLED] = "Vote \"%s\" is cancelled.",
        [L_QUORUM_REACHED] = "The quorum is reached (%" PRId64 " present, %" PRId64
                             " required).",
        [L_QUORUM_LOST] = "The quorum is lost (%" PRId64 " present, %" PRId64 " required).",
        [L_PROXY_GIVEN] = "%s gives a proxy to %s.",
        [L_PROXY_REVOKED] = "%s revokes their proxy.",
        [L_RECUSAL] = "%s recuses themselves on item \"%s\".",
        [L_RECUSAL_WITHDRAWN] = "%s withdraws their recusal on item \"%s\".",
        [L_JOINED] = "%s arrives.",
        [L_LEFT] = "%s leaves.",
        [L_MARKED] = "%s: %s.",
        [L_ADOPTED] = "adopted",
        [L_REJECTED] = "rejected",
        [L_NO_DECISION] = "no option prevails",
        [L_WINNER] = "\"%s\" prevails",
        [L_NAMED] = "roll-call vote",
        [L_SECRET] = "secret ballot",
        [L_SIMPLE] = "simple majority of votes cast",
        [L_ABSOLUTE] = "absolute majority of members",
        [L_QUALIFIED] = "qualified majority",
        [L_DOUBLE] = "double majority by college",
        [L_CONTRIBUTION] = "contribution",
        [L_REPLY] = "reply",
        [L_POINT_OF_ORDER] = "point of order",
        [L_YES] = "yes",
        [L_NO] = "no",
        [L_ABSTAIN] = "abstain",
        [L_PRESENT] = "present",
        [L_EXCUSED] = "excused",
        [L_ABSENT] = "absent",
        [L_NONE] = "presence follows the connection",
        [L_NO_QUORUM] = "no quorum at opening",
    },
};

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
    size_t state_len;
    int32_t about; /* the item the next automatic entry is about, -1: the current one */
};

struct record *
record_new(const char *id)
{
    struct record *r = calloc(1, sizeof(*r));
    if (!r || !(r->m = meeting_new(id))) {
        free(r);
        return NULL;
    }
    memset(r->head, '0', 64);
    r->about = -1;
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
    free(r->events);
    free(r->state);
    meeting_free(r->m);
    free(r);
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
L(const struct record *r, enum label l)
{
    bool en = r->m->lang && strcmp(r->m->lang, "en") == 0;
    return labels[en][l];
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

/* Add an automatic entry; `fmt` from the label table. Speakers: up to two ids. */
static int
say(struct record *r, int64_t ts, const char *sp1, const char *sp2, const char *fmt, ...)
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
    a->item = r->about >= 0 ? r->about : r->m->current;
    r->about = -1;
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
    switch (v->rule) {
    case RULE_ABSOLUTE:
        return L(r, L_ABSOLUTE);
    case RULE_QUALIFIED:
        snprintf(buf, len, "%s %" PRId64 "/%" PRId64, L(r, L_QUALIFIED), v->share_num,
                 v->share_den);
        return buf;
    case RULE_DOUBLE:
        return L(r, L_DOUBLE);
    case RULE_SIMPLE:
        break;
    }
    return L(r, L_SIMPLE);
}

static const char *
option_label(const struct record *r, const struct vote *v, size_t o)
{
    const char *opt = v->options.v[o];
    if (!v->choice_kind || o + 1 == v->options.n) {
        if (strcmp(opt, "yes") == 0) {
            return L(r, L_YES);
        }
        if (strcmp(opt, "no") == 0) {
            return L(r, L_NO);
        }
        if (strcmp(opt, "abstain") == 0) {
            return L(r, L_ABSTAIN);
        }
    }
    return opt;
}

static int
say_vote_closed(struct record *r, int64_t ts, const struct vote *v)
{
    char counts[1024] = "", outcome[300], rule[128];
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
            snprintf(outcome, sizeof(outcome), L(r, L_WINNER), v->winner);
        } else {
            snprintf(outcome, sizeof(outcome), "%s", L(r, L_NO_DECISION));
        }
    } else {
        snprintf(outcome, sizeof(outcome), "%s", L(r, v->passed ? L_ADOPTED : L_REJECTED));
    }
    if (!v->quorum_open) {
        size_t k = strlen(outcome);
        snprintf(outcome + k, sizeof(outcome) - k, " (%s)", L(r, L_NO_QUORUM));
    }
    (void)rule;
    return say(r, ts, NULL, NULL, L(r, L_VOTE_CLOSED), v->question, outcome, counts, v->nvoted,
               v->nentitled);
}

static const char *
kind_label(const struct record *r, enum request_kind k)
{
    return L(r, k == REQ_REPLY ? L_REPLY : k == REQ_POINT_OF_ORDER ? L_POINT_OF_ORDER
                                                                 : L_CONTRIBUTION);
}

/* The automatic entry for an event just applied, if any. */
static int
narrate(struct record *r, const struct event *ev)
{
    const struct meeting *m = r->m;
    const struct body *b = &ev->b;
    char d[64], rule[128];
    int32_t vi;
    switch (ev->type) {
    case EV_MEETING_OPENED:
        return say(r, ev->ts, NULL, NULL, "%s", L(r, L_OPENED));
    case EV_MEETING_SUSPENDED:
        return say(r, ev->ts, NULL, NULL, "%s", L(r, L_SUSPENDED));
    case EV_MEETING_RESUMED:
        return say(r, ev->ts, NULL, NULL, "%s", L(r, L_RESUMED));
    case EV_MEETING_CLOSED:
        return say(r, ev->ts, NULL, NULL, "%s", L(r, L_CLOSED));
    case EV_AGENDA_ITEM_OPENED:
        return say(r, ev->ts, NULL, NULL, L(r, L_ITEM_OPENED), item_title(m, b->item));
    case EV_AGENDA_ITEM_CLOSED:
        r->about = meeting_item_index(m, b->item); /* no longer current, still its subject */
        return say(r, ev->ts, NULL, NULL, L(r, L_ITEM_CLOSED), item_title(m, b->item));
    case EV_AGENDA_ITEM_POSTPONED:
        r->about = meeting_item_index(m, b->item);
        return say(r, ev->ts, NULL, NULL, L(r, L_ITEM_POSTPONED), item_title(m, b->item));
    case EV_SPEAKER_TURN_ENDED: {
        const struct spoken *s = &m->spoken[m->nspoken - 1];
        duration(d, sizeof(d), s->ms);
        return say(r, ev->ts, b->participant, NULL, L(r, L_TURN), name_of(m, b->participant),
                   kind_label(r, s->kind), d);
    }
    case EV_VOTE_OPENED:
        vi = meeting_vote_index(m, b->vote);
        return say(r, ev->ts, NULL, NULL, L(r, L_VOTE_OPENED), m->votes[vi].question,
                   L(r, m->votes[vi].secret ? L_SECRET : L_NAMED),
                   rule_label(r, &m->votes[vi], rule, sizeof(rule)), m->votes[vi].nentitled);
    case EV_VOTE_CLOSED:
        r->about = m->votes[meeting_vote_index(m, b->vote)].item;
        return say_vote_closed(r, ev->ts, &m->votes[meeting_vote_index(m, b->vote)]);
    case EV_VOTE_CANCELLED:
        vi = meeting_vote_index(m, b->vote);
        return say(r, ev->ts, NULL, NULL, L(r, L_VOTE_CANCELLED), m->votes[vi].question);
    case EV_QUORUM_REACHED:
    case EV_QUORUM_LOST:
        return say(r, ev->ts, NULL, NULL,
                   L(r, ev->type == EV_QUORUM_REACHED ? L_QUORUM_REACHED : L_QUORUM_LOST),
                   b->present, b->required);
    case EV_PROXY_GIVEN:
        return say(r, ev->ts, b->from, b->to, L(r, L_PROXY_GIVEN), name_of(m, b->from),
                   name_of(m, b->to));
    case EV_PROXY_REVOKED:
        return say(r, ev->ts, b->from, NULL, L(r, L_PROXY_REVOKED), name_of(m, b->from));
    case EV_RECUSAL_DECLARED:
    case EV_RECUSAL_WITHDRAWN:
        return say(r, ev->ts, b->participant, NULL,
                   L(r, ev->type == EV_RECUSAL_DECLARED ? L_RECUSAL : L_RECUSAL_WITHDRAWN),
                   name_of(m, b->participant), item_title(m, b->item));
    case EV_PARTICIPANT_JOINED:
    case EV_PARTICIPANT_LEFT:
        if (m->state == MEETING_SCHEDULED || m->state == MEETING_CLOSED) {
            return 0; /* the minutes cover the session itself */
        }
        return say(r, ev->ts, b->participant, NULL,
                   L(r, ev->type == EV_PARTICIPANT_JOINED ? L_JOINED : L_LEFT),
                   name_of(m, b->participant));
    case EV_ATTENDANCE_MARKED: {
        enum label l = strcmp(b->status, "present") == 0   ? L_PRESENT
                       : strcmp(b->status, "excused") == 0 ? L_EXCUSED
                       : strcmp(b->status, "absent") == 0  ? L_ABSENT
                                                            : L_NONE;
        char what[300];
        snprintf(what, sizeof(what), "%s%s%s%s", L(r, l), b->reason && *b->reason ? " (" : "",
                 b->reason ? b->reason : "", b->reason && *b->reason ? ")" : "");
        return say(r, ev->ts, b->participant, NULL, L(r, L_MARKED), name_of(m, b->participant),
                   what);
    }
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
    if (rc == 0) {
        rc = meeting_apply(r->m, &ev);
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
strs(const struct strlist *l)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < l->n; i++) {
        json_array_append_new(a, json_string(l->v[i]));
    }
    return a;
}

static json_t *
ints(const struct intlist *l)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < l->n; i++) {
        json_array_append_new(a, json_integer(l->v[i]));
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
                             strs(&e->speakers), "entry", "", "edited", 0);
    }
    for (size_t i = 0; i < m->nentries; i++) {
        const struct entry *e = &m->entries[i];
        if (e->deleted) {
            continue;
        }
        v[k].ts = e->ts;
        v[k].order = k;
        v[k++].o = json_pack("{s:I,s:s,s:s,s:s,s:o,s:s,s:b}", "ts", (json_int_t)e->ts, "item",
                             item_id(m, e->item), "source", "secretary", "text", e->text,
                             "speakers", strs(&e->speakers), "entry", e->id, "edited",
                             e->edited);
    }
    qsort(v, k, sizeof(*v), cmp_mentry);
    for (size_t i = 0; i < k; i++) {
        json_array_append_new(a, v[i].o);
    }
    free(v);
    return a;
}

int
record_minutes(struct record *r, char **out, size_t *len)
{
    json_t *a = minutes_array(r);
    *out = a ? json_dumps(a, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
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
            json_array_append_new(a, json_string(m->parts[i].id));
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
                json_array_append_new(
                    ballots, json_pack("{s:s,s:s,s:s}", "voter", m->parts[k].id, "by",
                                       v->by[k] >= 0 ? m->parts[v->by[k]].id : "", "choice",
                                       v->options.v[v->choice[k]]));
            }
        }
        json_array_append_new(
            a, json_pack("{s:s,s:s,s:s,s:s,s:o,s:s,s:s,s:I,s:I,s:s,s:I,s:I,s:o,s:o,s:o,"
                         "s:I,s:b,s:b,s:o,s:o,s:o,s:b,s:s,s:o}",
                         "id", v->id, "item", item_id(m, v->item), "question", v->question,
                         "kind", v->choice_kind ? "choice" : "yesno", "options",
                         strs(&v->options), "mode", v->secret ? "secret" : "named", "rule",
                         vote_rule_str(v->rule), "share_num", (json_int_t)v->share_num,
                         "share_den", (json_int_t)v->share_den, "state",
                         vote_state_str(v->state), "opened_at", (json_int_t)v->opened_at,
                         "closed_at", (json_int_t)v->closed_at, "entitled",
                         ids_where(m, v->entitled, v->nslots), "present_open",
                         ids_where(m, v->present_open, v->nslots), "present_close",
                         strs(&v->present_close), "voted", (json_int_t)v->nvoted, "quorum_open",
                         v->quorum_open, "quorum_close", v->quorum_close, "counts",
                         ints(&v->counts), "colleges", strs(&v->colleges), "college_counts",
                         ints(&v->college_counts), "passed", v->passed, "winner",
                         v->winner ? v->winner : "", "ballots", ballots));
    }
    return a;
}

static json_t *
state_object(const struct record *r)
{
    const struct meeting *m = r->m;
    json_t *parts = json_array(), *agenda = json_array(), *turns = json_array();
    json_t *proxies = json_array(), *recusals = json_array(), *colleges = json_object();
    for (size_t i = 0; parts && i < m->nparts; i++) {
        const struct participant *p = &m->parts[i];
        json_array_append_new(
            parts, json_pack("{s:s,s:s,s:s,s:s,s:I,s:I,s:i,s:s,s:s,s:i,s:I}", "id", p->id, "name",
                             p->name, "college", p->college, "role", role_str(p->role), "arrived",
                             (json_int_t)p->arrived, "left", (json_int_t)p->left,
                             "disconnections", p->disconnections, "mark", mark_str(p->mark),
                             "reason", p->reason ? p->reason : "", "turns", p->turns, "spoken",
                             (json_int_t)p->spoken_ms));
        if (p->role == ROLE_MEMBER && !json_object_get(colleges, p->college)) {
            int64_t cp, cr, ct;
            quorum_college(m, p->college, &cp, &cr, &ct);
            json_object_set_new(colleges, p->college,
                                json_pack("{s:I,s:I,s:I}", "present", (json_int_t)cp, "total",
                                          (json_int_t)ct, "required", (json_int_t)cr));
        }
    }
    uint32_t *order = malloc((m->nitems ? m->nitems : 1) * sizeof(*order));
    size_t nitems = order ? agenda_order(m, order) : 0;
    for (size_t k = 0; agenda && k < nitems; k++) {
        const struct item *it = &m->items[order[k]];
        json_array_append_new(
            agenda, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:s,s:I,s:s}", "id", it->id, "title",
                              it->title, "description", it->description, "presenter",
                              it->presenter, "kind", item_kind_str(it->kind), "parent", it->parent,
                              "duration", (json_int_t)it->duration_s, "state",
                              item_state_str(it->state), "actual", (json_int_t)it->actual_ms,
                              "origin", it->origin));
    }
    free(order);
    for (size_t i = 0; turns && i < m->nspoken; i++) {
        const struct spoken *s = &m->spoken[i];
        json_array_append_new(
            turns, json_pack("{s:s,s:s,s:s,s:I,s:I}", "participant", m->parts[s->pidx].id, "item",
                             m->items[s->item].id, "kind", request_kind_str(s->kind), "started",
                             (json_int_t)s->started, "spoken", (json_int_t)s->ms));
    }
    for (size_t i = 0; proxies && i < m->nproxies; i++) {
        if (m->proxies[i].live) {
            json_array_append_new(proxies,
                                  json_pack("{s:s,s:s}", "from", m->parts[m->proxies[i].from].id,
                                            "to", m->parts[m->proxies[i].to].id));
        }
    }
    for (size_t i = 0; recusals && i < m->nrecusals; i++) {
        if (m->recusals[i].live) {
            json_array_append_new(
                recusals, json_pack("{s:s,s:s}", "participant", m->parts[m->recusals[i].pidx].id,
                                    "item", m->items[m->recusals[i].item].id));
        }
    }
    struct quorum q = quorum_compute(m);
    int64_t total = 0;
    for (size_t i = 0; i < m->nparts; i++) {
        total += m->parts[i].role == ROLE_MEMBER;
    }
    json_t *approved = m->approved_by[0] ? json_pack("{s:s,s:I}", "by", m->approved_by, "at",
                                                     (json_int_t)m->approved_at)
                                         : json_null();
    return json_pack(
        "{s:s,s:s,s:{s:s,s:s},s:{s:s,s:s,s:s,s:s,s:s,s:I,s:I},s:o,"
        "s:{s:I,s:I,s:o,s:{s:b,s:I,s:I}},"
        "s:{s:I,s:b,s:b,s:I,s:I,s:I,s:I,s:b,s:b},"
        "s:o,s:o,s:o,s:o,s:o,s:o,s:{s:s,s:I},s:o,s:{s:I,s:s},s:[]}",
        "format", "concerto-record/1", "lang", m->lang ? m->lang : "fr", "commission", "id",
        m->commission, "name", m->commission_name ? m->commission_name : "", "meeting", "id",
        m->id, "title", m->title ? m->title : "", "date", m->date ? m->date : "", "place",
        m->place ? m->place : "", "room", m->room ? m->room : "", "opened_at",
        (json_int_t)m->opened_at, "closed_at", (json_int_t)m->closed_at, "participants", parts,
        "attendance", "present", (json_int_t)q.present, "total", (json_int_t)total, "colleges",
        colleges, "quorum", "met", q.met, "present", (json_int_t)q.present, "required",
        (json_int_t)q.required, "settings", "speaking_time", (json_int_t)m->set.speaking_s,
        "first_turn", m->set.first_turn, "alternate", m->set.alternate, "quorum",
        (json_int_t)m->set.quorum, "quorum_college", (json_int_t)m->set.quorum_college, "grace",
        (json_int_t)m->set.grace_s, "proxy_max", (json_int_t)m->set.proxy_max, "proxy_college",
        m->set.proxy_college, "proxy_quorum", m->set.proxy_quorum, "proxies", proxies,
        "recusals", recusals, "agenda", agenda, "turns", turns, "votes", votes_array(m),
        "minutes", minutes_array(r), "finalized", "by", m->finalized_by, "at",
        (json_int_t)m->finalized_at, "approved", approved, "chain", "events",
        (json_int_t)r->nevents, "head", r->head, "events");
}

/* The record without its events, made once: record_json() splices the
 * events into it, the readable documents are made from it. */
static int
state_text(struct record *r)
{
    if (r->state) {
        return 0;
    }
    json_t *o = state_object(r);
    r->state = o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
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
