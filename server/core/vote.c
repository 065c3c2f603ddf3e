/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * vote.c - votes, ballots, proxies (pouvoirs) and recusals (déports).
 *
 * A vote is prepared, opened, closed (by the chair or at its deadline),
 * then published. At opening, the members entitled to vote are frozen: the
 * members of the meeting not recused on the vote's item. A member casts a
 * ballot for themselves, and for each absent member whose proxy they hold;
 * until the close, a new ballot replaces the previous one of that voter.
 *
 * Named votes keep each choice in the log (ballot.cast carries it). Secret
 * votes do not: ballot.cast records only that the voter voted; the choice
 * goes to a table apart (written by the hub, with the client's receipt, the
 * college and nothing else), and its counts come back to vote_close() as a
 * `secret_tally`. The result is computed here in both cases, so that the
 * rules are one piece of code, tested without a database.
 *
 * The rules (PROTOCOL.md, section 6.5): simple (yes > no), absolute (yes >
 * half of the entitled), qualified (yes >= num/den of yes + no), double
 * (yes > no in every college that has entitled members); for a choice among
 * options, the option with strictly the most votes wins (and with the
 * absolute rule, more than half of the votes cast for an option). Ties fail.
 * Abstentions never count as cast. A vote opened without quorum cannot pass.
 *
 * Secrecy in a small college: the counts of a secret vote are published by
 * college only when every college has none or at least SECRET_MIN_BALLOTS
 * ballots (abstentions included). Otherwise vote.closed carries no counts by
 * college at all (withholding one college's alone would not do: the totals
 * less the others' give it), only the totals, and under the double rule each
 * college's outcome, which the rule needs. That outcome can still tell how
 * the one member of a college voted: vote.opened names the colleges with
 * fewer than SECRET_MIN_BALLOTS members entitled and present when a secret
 * vote under the double rule opens, so that the chair is warned and the
 * minutes say so.
 */
#include "internal.h"

#include "../err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_VOTES 200
#define MAX_OPTIONS 20
#define SECRET_MIN_BALLOTS 3

const char *
vote_rule_str(enum vote_rule r)
{
    static const char *const names[] = {"simple", "absolute", "qualified", "double"};
    return r >= RULE_SIMPLE && r <= RULE_DOUBLE ? names[r] : "simple";
}

const char *
vote_state_str(enum vote_state s)
{
    static const char *const names[] = {"prepared", "open", "closed", "published", "cancelled"};
    return s >= VOTE_PREPARED && s <= VOTE_CANCELLED ? names[s] : "prepared";
}

static int
rule_parse(const char *s, enum vote_rule *out)
{
    for (int r = RULE_SIMPLE; r <= RULE_DOUBLE; r++) {
        if (s && strcmp(s, vote_rule_str((enum vote_rule)r)) == 0) {
            *out = (enum vote_rule)r;
            return 0;
        }
    }
    return ERR_INVALID;
}

int32_t
meeting_vote_index(const struct meeting *m, const char *id)
{
    for (size_t i = 0; id && i < m->nvotes; i++) {
        if (strcmp(m->votes[i].id, id) == 0) {
            return (int32_t)i;
        }
    }
    return -1;
}

int32_t
proxy_of(const struct meeting *m, uint32_t from)
{
    for (size_t i = 0; i < m->nproxies; i++) {
        if (m->proxies[i].live && m->proxies[i].from == from) {
            return (int32_t)i;
        }
    }
    return -1;
}

static size_t
proxies_held(const struct meeting *m, uint32_t to)
{
    size_t n = 0;
    for (size_t i = 0; i < m->nproxies; i++) {
        n += m->proxies[i].live && m->proxies[i].to == to;
    }
    return n;
}

bool
recused(const struct meeting *m, uint32_t pidx, int32_t item)
{
    for (size_t i = 0; item >= 0 && i < m->nrecusals; i++) {
        const struct recusal *r = &m->recusals[i];
        if (r->live && r->pidx == pidx && r->item == (uint32_t)item) {
            return true;
        }
    }
    return false;
}

static bool
open_vote_on(const struct meeting *m, int32_t item)
{
    for (size_t i = 0; i < m->nvotes; i++) {
        if (m->votes[i].state == VOTE_OPEN && (item < 0 || m->votes[i].item == item)) {
            return true;
        }
    }
    return false;
}

static struct participant *
part(struct meeting *m, const char *id)
{
    return (struct participant *)meeting_participant(m, id);
}

static uint32_t
pidx_of(const struct meeting *m, const struct participant *p)
{
    return (uint32_t)(p - m->parts);
}

/* --- apply --------------------------------------------------------------- */

/* Forget the receipts of v's ballots, wiping them: a receipt read together
 * with the secret table says how its voter voted. */
static void
receipts_forget(struct vote *v)
{
    for (size_t i = 0; v->receipt && i < v->nslots; i++) {
        if (v->receipt[i]) {
            volatile char *p = v->receipt[i];
            while (*p) {
                *p++ = 0;
            }
            free(v->receipt[i]);
        }
    }
    free(v->receipt);
    v->receipt = NULL;
}

static void
vote_free_slots(struct vote *v)
{
    receipts_forget(v);
    free(v->entitled);
    free(v->present_open);
    free(v->choice);
    free(v->by);
    v->entitled = v->present_open = NULL;
    v->choice = v->by = NULL;
    v->nslots = 0;
}

void
vote_free(struct vote *v)
{
    vote_free_slots(v);
    free(v->question);
    free(v->winner);
    strlist_clear(&v->options);
    strlist_clear(&v->colleges);
    strlist_clear(&v->present_close);
    strlist_clear(&v->small_colleges);
    free(v->counts.v);
    free(v->college_counts.v);
    free(v->college_passed.v);
}

static int
copy_strlist(struct strlist *dst, const struct strlist *src)
{
    for (size_t i = 0; i < src->n; i++) {
        if (strlist_push(dst, src->v[i])) {
            return ERR_NOMEM;
        }
    }
    return 0;
}

static int
copy_intlist(struct intlist *dst, const struct intlist *src)
{
    for (size_t i = 0; i < src->n; i++) {
        if (intlist_push(dst, src->v[i])) {
            return ERR_NOMEM;
        }
    }
    return 0;
}

static int
apply_prepared(struct meeting *m, const struct body *b)
{
    if (meeting_vote_index(m, b->vote) >= 0 || !b->vote || strlen(b->vote) >= ID_MAX) {
        return ERR_INTERNAL;
    }
    if (m->nvotes == m->capvotes) {
        size_t cap = m->capvotes ? m->capvotes * 2 : 8;
        struct vote *v = realloc(m->votes, cap * sizeof(*v));
        if (!v) {
            return ERR_NOMEM;
        }
        m->votes = v;
        m->capvotes = cap;
    }
    struct vote *v = &m->votes[m->nvotes];
    memset(v, 0, sizeof(*v));
    strcpy(v->id, b->vote);
    v->item = b->item && *b->item ? meeting_item_index(m, b->item) : -1;
    v->choice_kind = b->kind && strcmp(b->kind, "choice") == 0;
    v->secret = b->mode && strcmp(b->mode, "secret") == 0;
    rule_parse(b->rule, &v->rule);
    v->share_num = b->share_num;
    v->share_den = b->share_den;
    v->duration_s = b->duration;
    if (!(v->question = core_strdup(b->question ? b->question : "")) ||
        copy_strlist(&v->options, &b->options)) {
        vote_free(v);
        return ERR_NOMEM;
    }
    m->nvotes++;
    return 0;
}

static int
apply_opened(struct meeting *m, struct vote *v, const struct event *ev)
{
    size_t n = m->nparts;
    v->entitled = calloc(n ? n : 1, 1);
    v->present_open = calloc(n ? n : 1, 1);
    v->choice = malloc((n ? n : 1) * sizeof(*v->choice));
    v->by = malloc((n ? n : 1) * sizeof(*v->by));
    v->receipt = v->secret ? calloc(n ? n : 1, sizeof(*v->receipt)) : NULL;
    if (!v->entitled || !v->present_open || !v->choice || !v->by || (v->secret && !v->receipt)) {
        vote_free_slots(v);
        return ERR_NOMEM;
    }
    v->nslots = n;
    for (size_t i = 0; i < n; i++) {
        v->choice[i] = -1;
        v->by[i] = -1;
    }
    v->nentitled = 0;
    for (size_t i = 0; i < ev->b.entitled.n; i++) {
        const struct participant *p = meeting_participant(m, ev->b.entitled.v[i]);
        if (!p) {
            return ERR_INTERNAL;
        }
        v->entitled[pidx_of(m, p)] = 1;
        v->nentitled++;
    }
    for (size_t i = 0; i < ev->b.present_ids.n; i++) {
        const struct participant *p = meeting_participant(m, ev->b.present_ids.v[i]);
        if (p) {
            v->present_open[pidx_of(m, p)] = 1;
        }
    }
    strlist_clear(&v->small_colleges);
    if (copy_strlist(&v->small_colleges, &ev->b.small_colleges)) {
        return ERR_NOMEM;
    }
    v->state = VOTE_OPEN;
    v->opened_at = ev->ts;
    v->deadline = ev->b.deadline;
    v->quorum_open = ev->b.quorum_met != 0;
    v->nvoted = 0;
    return 0;
}

static int
apply_ballot(struct meeting *m, struct vote *v, const struct body *b)
{
    const struct participant *voter = meeting_participant(m, b->voter);
    const struct participant *by = b->by && *b->by ? meeting_participant(m, b->by) : NULL;
    if (!voter || v->state != VOTE_OPEN || pidx_of(m, voter) >= v->nslots) {
        return ERR_INTERNAL;
    }
    uint32_t i = pidx_of(m, voter);
    int32_t choice = 0;
    if (!v->secret) {
        choice = -1;
        for (size_t k = 0; k < v->options.n; k++) {
            if (b->choice && strcmp(b->choice, v->options.v[k]) == 0) {
                choice = (int32_t)k;
            }
        }
        if (choice < 0) {
            return ERR_INTERNAL;
        }
    }
    if (v->secret) {
        /* the receipt comes with the command, never from the log */
        char *r = b->receipts.n ? core_strdup(b->receipts.v[0]) : NULL;
        if (b->receipts.n && !r) {
            return ERR_NOMEM;
        }
        if (v->receipt[i]) {
            volatile char *p = v->receipt[i];
            while (*p) {
                *p++ = 0;
            }
            free(v->receipt[i]);
        }
        v->receipt[i] = r;
    }
    if (v->choice[i] < 0) {
        v->nvoted++;
    }
    v->choice[i] = choice;
    v->by[i] = by ? (int32_t)pidx_of(m, by) : -1;
    return 0;
}

static int
apply_closed(struct vote *v, const struct event *ev)
{
    free(v->counts.v);
    free(v->college_counts.v);
    free(v->college_passed.v);
    strlist_clear(&v->colleges);
    strlist_clear(&v->present_close);
    memset(&v->counts, 0, sizeof(v->counts));
    memset(&v->college_counts, 0, sizeof(v->college_counts));
    memset(&v->college_passed, 0, sizeof(v->college_passed));
    if (copy_intlist(&v->counts, &ev->b.counts) ||
        copy_intlist(&v->college_counts, &ev->b.college_counts) ||
        copy_intlist(&v->college_passed, &ev->b.college_passed) ||
        copy_strlist(&v->colleges, &ev->b.colleges) ||
        copy_strlist(&v->present_close, &ev->b.present_ids) || core_set(&v->winner, ev->b.winner)) {
        return ERR_NOMEM;
    }
    receipts_forget(v); /* no ballot changes any more */
    v->state = VOTE_CLOSED;
    v->closed_at = ev->ts;
    v->passed = ev->b.passed != 0;
    v->quorum_close = ev->b.quorum_met != 0;
    return 0;
}

static int
apply_proxy_given(struct meeting *m, const struct event *ev)
{
    const struct participant *f = meeting_participant(m, ev->b.from);
    const struct participant *t = meeting_participant(m, ev->b.to);
    if (!f || !t) {
        return ERR_INTERNAL;
    }
    if (m->nproxies == m->capproxies) {
        size_t cap = m->capproxies ? m->capproxies * 2 : 8;
        struct proxy *p = realloc(m->proxies, cap * sizeof(*p));
        if (!p) {
            return ERR_NOMEM;
        }
        m->proxies = p;
        m->capproxies = cap;
    }
    m->proxies[m->nproxies++] =
        (struct proxy){.from = pidx_of(m, f), .to = pidx_of(m, t), .live = true};
    return 0;
}

static int
apply_proxy_revoked(struct meeting *m, const struct event *ev)
{
    const struct participant *f = meeting_participant(m, ev->b.from);
    int32_t i = f ? proxy_of(m, pidx_of(m, f)) : -1;
    if (i < 0) {
        return ERR_INTERNAL;
    }
    m->proxies[i].live = false;
    return 0;
}

/* A recusal declared is added; withdrawn, every live one of that
 * participant on that item ends. */
static int
apply_recusal(struct meeting *m, const struct event *ev)
{
    const struct participant *p = meeting_participant(m, ev->b.participant);
    int32_t item = meeting_item_index(m, ev->b.item);
    if (!p || item < 0) {
        return ERR_INTERNAL;
    }
    if (ev->type == EV_RECUSAL_WITHDRAWN) {
        for (size_t i = 0; i < m->nrecusals; i++) {
            struct recusal *r = &m->recusals[i];
            if (r->live && r->pidx == pidx_of(m, p) && r->item == (uint32_t)item) {
                r->live = false;
            }
        }
        return 0;
    }
    if (m->nrecusals == m->caprecusals) {
        size_t cap = m->caprecusals ? m->caprecusals * 2 : 8;
        struct recusal *r = realloc(m->recusals, cap * sizeof(*r));
        if (!r) {
            return ERR_NOMEM;
        }
        m->recusals = r;
        m->caprecusals = cap;
    }
    m->recusals[m->nrecusals++] =
        (struct recusal){.pidx = pidx_of(m, p), .item = (uint32_t)item, .live = true};
    return 0;
}

int
vote_apply(struct meeting *m, const struct event *ev)
{
    struct vote *v = NULL;
    if (ev->type >= EV_VOTE_OPENED && ev->type <= EV_VOTE_CANCELLED) {
        int32_t i = meeting_vote_index(m, ev->b.vote);
        if (i < 0) {
            return ERR_INTERNAL;
        }
        v = &m->votes[i];
    }
    switch (ev->type) {
    case EV_VOTE_PREPARED:
        return apply_prepared(m, &ev->b);
    case EV_VOTE_OPENED:
        return apply_opened(m, v, ev);
    case EV_BALLOT_CAST:
        return apply_ballot(m, v, &ev->b);
    case EV_VOTE_CLOSED:
        return apply_closed(v, ev);
    case EV_VOTE_PUBLISHED:
        v->state = VOTE_PUBLISHED;
        return 0;
    case EV_VOTE_CANCELLED:
        receipts_forget(v);
        v->state = VOTE_CANCELLED;
        return 0;
    case EV_PROXY_GIVEN:
        return apply_proxy_given(m, ev);
    case EV_PROXY_REVOKED:
        return apply_proxy_revoked(m, ev);
    case EV_RECUSAL_DECLARED:
    case EV_RECUSAL_WITHDRAWN:
        return apply_recusal(m, ev);
    default:
        return 1;
    }
}

/* --- handle -------------------------------------------------------------- */

static int
valid_receipt(const char *s)
{
    size_t n = strlen(s);
    if (n < 16 || n > 64) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_')) {
            return 0;
        }
    }
    return 1;
}

/* A choice vote has 2 to MAX_OPTIONS distinct, non-empty options, none of
 * them "abstain"; a yes/no vote names none. */
static int
check_options(const struct body *b, bool choice)
{
    if (choice ? (b->options.n < 2 || b->options.n > MAX_OPTIONS) : b->options.n != 0) {
        return ERR_INVALID;
    }
    for (size_t i = 0; i < b->options.n; i++) {
        if (!*b->options.v[i] || strcmp(b->options.v[i], "abstain") == 0) {
            return ERR_INVALID;
        }
        for (size_t k = 0; k < i; k++) {
            if (strcmp(b->options.v[i], b->options.v[k]) == 0) {
                return ERR_INVALID;
            }
        }
    }
    return 0;
}

/* The strings of vote.prepared `id` into *e: its options are yes and no or
 * the choices, then abstain. */
static int
prepared_strings(const struct meeting *m, struct body *e, const struct body *b, const char *id,
                 int32_t item, bool choice, enum vote_rule rule)
{
    int rc = 0;
    if (!(e->vote = core_strdup(id)) || !(e->question = core_strdup(b->question)) ||
        !(e->item = core_strdup(item >= 0 ? m->items[item].id : "")) ||
        !(e->kind = core_strdup(choice ? "choice" : "yesno")) ||
        !(e->mode = core_strdup(b->mode ? b->mode : "named")) ||
        !(e->rule = core_strdup(vote_rule_str(rule)))) {
        rc = ERR_NOMEM;
    }
    if (!choice) {
        rc = rc ? rc : strlist_push(&e->options, "yes");
        rc = rc ? rc : strlist_push(&e->options, "no");
    }
    for (size_t i = 0; rc == 0 && i < b->options.n; i++) {
        rc = strlist_push(&e->options, b->options.v[i]);
    }
    return rc ? rc : strlist_push(&e->options, "abstain");
}

static int
handle_prepare(struct meeting *m, const struct cmd *c, const char *actor, int64_t now,
               struct evlist *out)
{
    const struct body *b = &c->b;
    bool choice = b->kind && strcmp(b->kind, "choice") == 0;
    enum vote_rule rule = RULE_SIMPLE;
    if (b->kind && !choice && strcmp(b->kind, "yesno") != 0) {
        return ERR_INVALID;
    }
    if (b->mode && strcmp(b->mode, "named") != 0 && strcmp(b->mode, "secret") != 0) {
        return ERR_INVALID;
    }
    if (b->rule && rule_parse(b->rule, &rule)) {
        return ERR_INVALID;
    }
    if (!b->question || !*b->question) {
        return ERR_INVALID;
    }
    if (choice && (rule == RULE_QUALIFIED || rule == RULE_DOUBLE)) {
        return ERR_INVALID; /* those rules weigh yes against no */
    }
    if (check_options(b, choice)) {
        return ERR_INVALID;
    }
    int64_t num = (b->has & HAS_SHARE_NUM) ? b->share_num : 2;
    int64_t den = (b->has & HAS_SHARE_DEN) ? b->share_den : 3;
    if (rule == RULE_QUALIFIED && (num < 1 || den < 1 || num > den)) {
        return ERR_INVALID;
    }
    int32_t item = b->item ? meeting_item_index(m, b->item) : m->current;
    if (b->item && item < 0) {
        return ERR_NOT_FOUND;
    }
    if (item < 0) {
        return ERR_BAD_STATE; /* a vote belongs to an item: open one, or name it */
    }
    if (m->state == MEETING_CLOSED) {
        return ERR_BAD_STATE;
    }
    if (m->nvotes >= MAX_VOTES) {
        return ERR_TOO_LARGE;
    }
    char id[ID_MAX];
    snprintf(id, sizeof(id), "v%zu", m->nvotes + 1);
    struct event *ev = core_emit(m, out, EV_VOTE_PREPARED, actor, now);
    if (!ev) {
        return ERR_NOMEM;
    }
    struct body *e = &ev->b;
    e->has = HAS_SHARE_NUM | HAS_SHARE_DEN | HAS_DURATION;
    e->share_num = rule == RULE_QUALIFIED ? num : 0;
    e->share_den = rule == RULE_QUALIFIED ? den : 0;
    e->duration = b->duration;
    int rc = prepared_strings(m, e, b, id, item, choice, rule);
    if (rc) {
        core_emit_drop(out);
        return rc;
    }
    return core_emit_done(m, out);
}

/* The colleges with members entitled to vote `v` of whom fewer than
 * SECRET_MIN_BALLOTS are present, in roster order. */
static int
small_colleges(const struct meeting *m, const struct vote *v, struct strlist *out)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < m->nparts; i++) {
        const struct participant *p = &m->parts[i];
        bool seen = false;
        for (size_t k = 0; k < i && !seen; k++) {
            seen = strcmp(m->parts[k].college, p->college) == 0;
        }
        if (seen || !p->college[0]) {
            continue;
        }
        int64_t entitled = 0, present = 0;
        for (size_t k = i; k < m->nparts; k++) {
            const struct participant *q = &m->parts[k];
            if (q->role == ROLE_MEMBER && strcmp(q->college, p->college) == 0 &&
                !recused(m, (uint32_t)k, v->item)) {
                entitled++;
                present += attendance_counts(q);
            }
        }
        if (entitled && present < SECRET_MIN_BALLOTS) {
            rc = strlist_push(out, p->college);
        }
    }
    return rc;
}

static int
handle_open(struct meeting *m, struct vote *v, const char *actor, int64_t now,
            struct evlist *out)
{
    if (m->state != MEETING_OPEN || v->state != VOTE_PREPARED) {
        return ERR_BAD_STATE;
    }
    if (open_vote_on(m, -1)) {
        return ERR_CONFLICT; /* one vote at a time */
    }
    struct event *ev = core_emit(m, out, EV_VOTE_OPENED, actor, now);
    if (!ev) {
        return ERR_NOMEM;
    }
    struct body *e = &ev->b;
    struct quorum q = quorum_compute(m);
    int rc = (e->vote = core_strdup(v->id)) ? 0 : ERR_NOMEM;
    int64_t n = 0;
    for (size_t i = 0; rc == 0 && i < m->nparts; i++) {
        const struct participant *p = &m->parts[i];
        if (p->role == ROLE_MEMBER && !recused(m, (uint32_t)i, v->item)) {
            rc = strlist_push(&e->entitled, p->id);
            n++;
        }
        if (rc == 0 && p->role == ROLE_MEMBER && attendance_counts(p)) {
            rc = strlist_push(&e->present_ids, p->id);
        }
    }
    if (rc == 0 && v->secret && v->rule == RULE_DOUBLE && !v->choice_kind) {
        rc = small_colleges(m, v, &e->small_colleges);
    }
    if (rc) {
        core_emit_drop(out);
        return rc;
    }
    e->has = HAS_DEADLINE | HAS_QUORUM_MET | HAS_ENTITLED_N;
    e->deadline = v->duration_s ? ev->ts + v->duration_s * 1000 : 0;
    e->quorum_met = q.met;
    e->entitled_n = n;
    return core_emit_done(m, out);
}

/* Whether a and b are the same receipt, in a time that does not tell how
 * much of them matched. */
static bool
same_receipt(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    unsigned char d = na != nb;
    for (size_t i = 0; i < na && i < nb; i++) {
        d |= (unsigned char)(a[i] ^ b[i]);
    }
    return d == 0;
}

/* Whether `old` may name the current ballot of voter k: its receipt when
 * known. A ballot cast before the state was rebuilt from the log (a restart, a
 * failed write) has none in memory; then any receipt not known as another
 * voter's is let through to the secret table, which knows whether it exists,
 * so that a ballot in flight across a crash can still be changed. */
static bool
own_receipt(const struct vote *v, uint32_t k, const char *old)
{
    if (v->receipt[k]) {
        return same_receipt(old, v->receipt[k]);
    }
    for (size_t i = 0; i < v->nslots; i++) {
        if (v->receipt[i] && same_receipt(old, v->receipt[i])) {
            return false;
        }
    }
    return true;
}

/* Whether the i-th new receipt of b is already another ballot's: refused
 * here rather than by the secret table, whose refusal comes after the event
 * is folded and so costs a rebuild, which forgets every receipt. */
static bool
receipt_taken(const struct vote *v, const struct body *b, const uint32_t *who, size_t i)
{
    const char *r = b->receipts.v[i];
    for (size_t k = 0; k < i; k++) {
        if (strcmp(r, b->receipts.v[k]) == 0) {
            return true;
        }
    }
    for (size_t k = 0; k < v->nslots; k++) {
        if (k != who[i] && v->receipt[k] && strcmp(r, v->receipt[k]) == 0) {
            return true;
        }
    }
    return false;
}

/* The ballots `actor` casts with this command, as participant indexes. */
static int
ballots_of(struct meeting *m, const struct vote *v, const struct cmd *c, uint32_t me,
           uint32_t *who, size_t *n)
{
    *n = 0;
    if (c->b.voter && (c->b.has & HAS_ALL) && c->b.all) {
        return ERR_BAD_MESSAGE; /* "for" or "all", not both */
    }
    bool all = (c->b.has & HAS_ALL) && c->b.all;
    const struct participant *target = c->b.voter ? meeting_participant(m, c->b.voter) : NULL;
    if (c->b.voter && !target) {
        return ERR_NOT_FOUND;
    }
    if (!target || pidx_of(m, target) == me || all) {
        if (me < v->nslots && v->entitled[me]) {
            who[(*n)++] = me;
        } else if (!all) {
            return ERR_FORBIDDEN; /* not entitled: not a member, or recused */
        }
    }
    for (size_t i = 0; i < m->nparts && (all || (target && pidx_of(m, target) != me)); i++) {
        int32_t px = proxy_of(m, (uint32_t)i);
        if (px < 0 || m->proxies[px].to != me) {
            if (!all && target && pidx_of(m, target) == i) {
                return ERR_FORBIDDEN; /* no proxy from them */
            }
            continue;
        }
        if (!all && pidx_of(m, target) != i) {
            continue;
        }
        /* Not for a giver who is present, recused, or who cast their own ballot. */
        bool ok = i < v->nslots && v->entitled[i] && !attendance_counts(&m->parts[i]) &&
                  !(v->choice[i] >= 0 && v->by[i] < 0);
        if (!ok && !all) {
            return ERR_FORBIDDEN; /* recused, or present: they vote themselves */
        }
        if (ok) {
            who[(*n)++] = (uint32_t)i;
        }
    }
    return *n ? 0 : ERR_FORBIDDEN;
}

static int
handle_cast(struct meeting *m, struct vote *v, const struct cmd *c, const char *actor,
            int64_t now, struct evlist *out)
{
    const struct body *b = &c->b;
    if (v->state != VOTE_OPEN || (v->deadline && now >= v->deadline)) {
        /* not open yet, or closed; or past its deadline, which the hub turns
         * into vote.closed at the end of the loop turn: the ballot is refused */
        return ERR_BAD_STATE;
    }
    bool known = false;
    for (size_t k = 0; b->choice && k < v->options.n; k++) {
        known = known || strcmp(b->choice, v->options.v[k]) == 0;
    }
    if (!known) {
        return ERR_INVALID;
    }
    uint32_t me = pidx_of(m, meeting_participant(m, actor));
    uint32_t *who = malloc((m->nparts + 1) * sizeof(*who));
    size_t n = 0;
    if (!who) {
        return ERR_NOMEM;
    }
    int rc = ballots_of(m, v, c, me, who, &n);
    if (rc == 0 && v->secret) {
        if (b->receipts.n != n || (b->replaces.n && b->replaces.n != n)) {
            rc = ERR_INVALID; /* one receipt per ballot, in order */
        }
        for (size_t i = 0; rc == 0 && i < n; i++) {
            const char *old = b->replaces.n ? b->replaces.v[i] : "";
            bool voted = v->choice[who[i]] >= 0;
            if (!valid_receipt(b->receipts.v[i]) || (*old && !valid_receipt(old))) {
                rc = ERR_INVALID;
            } else if (voted != (*old != 0)) {
                rc = voted ? ERR_CONFLICT : ERR_INVALID; /* a change names the ballot it replaces */
            } else if (voted && !own_receipt(v, who[i], old)) {
                /* Only this voter's own ballot: a receipt of anyone else's is
                 * refused like an unknown one, so that nobody learns it exists. */
                rc = ERR_INVALID;
            } else if (receipt_taken(v, b, who, i)) {
                rc = ERR_CONFLICT;
            }
        }
    } else if (rc == 0 && (b->receipts.n || b->replaces.n)) {
        rc = ERR_INVALID; /* receipts belong to secret votes */
    }
    for (size_t i = 0; rc == 0 && i < n; i++) {
        struct event *ev = core_emit(m, out, EV_BALLOT_CAST, actor, now);
        if (!ev) {
            rc = ERR_NOMEM;
            break;
        }
        if (!(ev->b.vote = core_strdup(v->id)) ||
            !(ev->b.voter = core_strdup(m->parts[who[i]].id)) ||
            !(ev->b.by = core_strdup(who[i] == me ? "" : actor)) ||
            !(ev->b.choice = core_strdup(v->secret ? "" : b->choice)) ||
            (v->secret && strlist_push(&ev->b.receipts, b->receipts.v[i]))) {
            core_emit_drop(out);
            rc = ERR_NOMEM;
            break;
        }
        rc = core_emit_done(m, out);
    }
    free(who);
    return rc;
}

/* May the counts by college (row-major, nopt a row) of a secret vote be
 * published: has every college none or at least SECRET_MIN_BALLOTS? */
static bool
college_counts_safe(const struct intlist *cc, size_t nopt)
{
    for (size_t k = 0; nopt && k < cc->n / nopt; k++) {
        int64_t ballots = 0;
        for (size_t o = 0; o < nopt; o++) {
            ballots += cc->v[k * nopt + o];
        }
        if (ballots > 0 && ballots < SECRET_MIN_BALLOTS) {
            return false;
        }
    }
    return true;
}

/* The closing event's counts: the colleges in roster order of their first
 * entitled member, the counts per option and per college and option, and,
 * for a named vote, who voted what (and by whose proxy). */
static int
close_tally(const struct meeting *m, const struct vote *v, const struct secret_tally *tally,
            size_t ntally, struct body *e)
{
    size_t nopt = v->options.n;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < v->nslots; i++) {
        bool seen = false;
        for (size_t k = 0; k < e->colleges.n; k++) {
            seen = seen || strcmp(e->colleges.v[k], m->parts[i].college) == 0;
        }
        if (v->entitled[i] && !seen) {
            rc = strlist_push(&e->colleges, m->parts[i].college);
        }
    }
    for (size_t i = 0; rc == 0 && i < nopt; i++) {
        rc = intlist_push(&e->counts, 0);
    }
    for (size_t i = 0; rc == 0 && i < nopt * e->colleges.n; i++) {
        rc = intlist_push(&e->college_counts, 0);
    }
    for (size_t i = 0; rc == 0 && i < v->nslots; i++) {
        if (v->choice[i] < 0 || v->secret) {
            continue;
        }
        e->counts.v[v->choice[i]]++;
        for (size_t k = 0; k < e->colleges.n; k++) {
            if (strcmp(e->colleges.v[k], m->parts[i].college) == 0) {
                e->college_counts.v[k * nopt + (size_t)v->choice[i]]++;
            }
        }
        if (strlist_push(&e->voters, m->parts[i].id) ||
            strlist_push(&e->bys, v->by[i] >= 0 ? m->parts[v->by[i]].id : "") ||
            intlist_push(&e->choices, v->choice[i])) {
            rc = ERR_NOMEM;
        }
    }
    for (size_t t = 0; rc == 0 && v->secret && t < ntally; t++) {
        for (size_t o = 0; o < nopt; o++) {
            if (strcmp(tally[t].choice, v->options.v[o]) != 0) {
                continue;
            }
            e->counts.v[o] += tally[t].n;
            for (size_t k = 0; k < e->colleges.n; k++) {
                if (strcmp(e->colleges.v[k], tally[t].college) == 0) {
                    e->college_counts.v[k * nopt + o] += tally[t].n;
                }
            }
        }
    }
    return rc;
}

/* Whether the motion passed under the vote's rule (for the double rule, each
 * college's verdict goes to e->college_passed), and for a choice among
 * options the winner ("" when none: a tie, nothing cast, or no absolute
 * majority where one is required). The quorum at opening is applied by the
 * caller. */
static int
close_outcome(const struct vote *v, struct body *e, bool *passed, size_t *winner)
{
    size_t nopt = v->options.n;
    *passed = false;
    *winner = nopt;
    if (v->choice_kind) {
        int64_t best = 0, cast = 0;
        size_t at = 0, ties = 0;
        for (size_t o = 0; o + 1 < nopt; o++) {
            cast += e->counts.v[o];
            if (e->counts.v[o] > best) {
                best = e->counts.v[o];
                at = o;
                ties = 0;
            } else if (e->counts.v[o] == best) {
                ties++;
            }
        }
        *passed = best > 0 && ties == 0 && (v->rule != RULE_ABSOLUTE || 2 * best > cast);
        *winner = *passed ? at : nopt;
        return 0;
    }
    int64_t yes = e->counts.v[0], no = e->counts.v[1];
    switch (v->rule) {
    case RULE_SIMPLE:
        *passed = yes > no;
        break;
    case RULE_ABSOLUTE:
        *passed = 2 * yes > v->nentitled;
        break;
    case RULE_QUALIFIED:
        *passed = yes + no > 0 && yes * v->share_den >= v->share_num * (yes + no);
        break;
    case RULE_DOUBLE:
        *passed = e->colleges.n > 0;
        for (size_t k = 0; k < e->colleges.n; k++) {
            bool won = e->college_counts.v[k * nopt] > e->college_counts.v[k * nopt + 1];
            *passed = *passed && won;
            if (intlist_push(&e->college_passed, won)) {
                return ERR_NOMEM;
            }
        }
        break;
    }
    return 0;
}

int
vote_close(struct meeting *m, uint32_t vi, const struct secret_tally *tally, size_t ntally,
           const char *actor, int64_t now, struct evlist *out)
{
    struct vote *v = &m->votes[vi];
    if (v->state != VOTE_OPEN) {
        return ERR_BAD_STATE;
    }
    struct event *ev = core_emit(m, out, EV_VOTE_CLOSED, actor, now);
    if (!ev) {
        return ERR_NOMEM;
    }
    struct body *e = &ev->b;
    bool passed = false;
    size_t winner = v->options.n;
    int rc = (e->vote = core_strdup(v->id)) ? 0 : ERR_NOMEM;
    if (rc == 0) {
        rc = close_tally(m, v, tally, ntally, e);
    }
    if (rc == 0) {
        rc = close_outcome(v, e, &passed, &winner);
    }
    /* no quorum at opening, no pass and no winner */
    passed = passed && v->quorum_open;
    const char *won = passed && winner < v->options.n ? v->options.v[winner] : "";
    if (rc == 0 && v->secret && !college_counts_safe(&e->college_counts, v->options.n)) {
        free(e->college_counts.v);
        memset(&e->college_counts, 0, sizeof(e->college_counts));
    }
    for (size_t i = 0; rc == 0 && i < m->nparts; i++) {
        const struct participant *p = &m->parts[i];
        if (p->role == ROLE_MEMBER && attendance_counts(p)) {
            rc = strlist_push(&e->present_ids, p->id);
        }
    }
    if (rc == 0 && !(e->winner = core_strdup(won))) {
        rc = ERR_NOMEM;
    }
    if (rc) {
        core_emit_drop(out);
        return rc;
    }
    struct quorum q = quorum_compute(m);
    e->has = HAS_PASSED | HAS_QUORUM_MET | HAS_VOTED | HAS_ENTITLED_N;
    e->passed = passed && (!v->choice_kind || *won);
    e->quorum_met = q.met;
    e->voted = v->nvoted;
    e->entitled_n = v->nentitled;
    return core_emit_done(m, out);
}

static int
emit_simple_vote(struct meeting *m, struct evlist *out, enum ev_type t, const char *actor,
                 int64_t now, const char *vote)
{
    struct event *ev = core_emit(m, out, t, actor, now);
    if (!ev) {
        return ERR_NOMEM;
    }
    if (!(ev->b.vote = core_strdup(vote))) {
        core_emit_drop(out);
        return ERR_NOMEM;
    }
    return core_emit_done(m, out);
}

static int
emit_pair(struct meeting *m, struct evlist *out, enum ev_type t, const char *actor, int64_t now,
          const char *a, const char *b)
{
    struct event *ev = core_emit(m, out, t, actor, now);
    if (!ev) {
        return ERR_NOMEM;
    }
    int ok = t == EV_PROXY_GIVEN
                 ? (ev->b.from = core_strdup(a)) && (ev->b.to = core_strdup(b))
             : t == EV_PROXY_REVOKED ? (ev->b.from = core_strdup(a)) != NULL
                                     : (ev->b.participant = core_strdup(a)) &&
                                           (ev->b.item = core_strdup(b));
    if (!ok) {
        core_emit_drop(out);
        return ERR_NOMEM;
    }
    return core_emit_done(m, out);
}

int
vote_release(struct meeting *m, uint32_t pidx, int64_t now, struct evlist *out)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < m->nproxies; i++) {
        const struct proxy *px = &m->proxies[i];
        if (px->live && (px->from == pidx || px->to == pidx)) {
            rc = emit_pair(m, out, EV_PROXY_REVOKED, "admin", now, m->parts[px->from].id, NULL);
        }
    }
    for (size_t i = 0; rc == 0 && i < m->nrecusals; i++) {
        const struct recusal *r = &m->recusals[i];
        if (r->live && r->pidx == pidx) {
            rc = emit_pair(m, out, EV_RECUSAL_WITHDRAWN, "admin", now, m->parts[pidx].id,
                           m->items[r->item].id);
        }
    }
    return rc;
}

static int
handle_proxy(struct meeting *m, const struct cmd *c, const struct participant *me,
             const char *actor, int64_t now, struct evlist *out)
{
    if (m->state == MEETING_CLOSED) {
        return ERR_BAD_STATE;
    }
    if (c->type == CMD_PROXY_REVOKE) {
        const struct participant *from =
            me->role == ROLE_SECRETARY ? part(m, c->b.from) : (c->b.from ? part(m, c->b.from) : me);
        if (!from) {
            return c->b.from ? ERR_NOT_FOUND : ERR_BAD_MESSAGE;
        }
        if (me->role != ROLE_SECRETARY && from != me) {
            return ERR_FORBIDDEN; /* only the giver, or the secretary */
        }
        if (proxy_of(m, pidx_of(m, from)) < 0) {
            return ERR_NOT_FOUND;
        }
        if (open_vote_on(m, -1)) {
            return ERR_BAD_STATE; /* revocable until the vote opens */
        }
        return emit_pair(m, out, EV_PROXY_REVOKED, actor, now, from->id, NULL);
    }
    const struct participant *from = c->type == CMD_PROXY_RECORD ? part(m, c->b.from) : me;
    const struct participant *to = part(m, c->b.to);
    if (!from || !to) {
        return (c->type == CMD_PROXY_RECORD && !c->b.from) || !c->b.to ? ERR_BAD_MESSAGE
                                                                     : ERR_NOT_FOUND;
    }
    uint32_t f = pidx_of(m, from), t = pidx_of(m, to);
    if (from->role != ROLE_MEMBER || to->role != ROLE_MEMBER || f == t) {
        return ERR_INVALID; /* between two members, never to oneself */
    }
    if (m->set.proxy_college && strcmp(from->college, to->college) != 0) {
        return ERR_INVALID; /* the commission keeps proxies within a college */
    }
    if (proxy_of(m, f) >= 0) {
        return ERR_CONFLICT; /* revoke the current proxy first */
    }
    if (proxy_of(m, t) >= 0 || proxies_held(m, f) > 0) {
        return ERR_INVALID; /* no chains: a holder does not give, a giver does not hold */
    }
    if ((int64_t)proxies_held(m, t) >= m->set.proxy_max) {
        return ERR_CONFLICT;
    }
    return emit_pair(m, out, EV_PROXY_GIVEN, actor, now, from->id, to->id);
}

static int
handle_recusal(struct meeting *m, const struct cmd *c, const struct participant *me,
               const char *actor, int64_t now, struct evlist *out)
{
    const struct participant *who = c->b.participant ? part(m, c->b.participant) : me;
    if (!who) {
        return ERR_NOT_FOUND;
    }
    if (me->role != ROLE_SECRETARY && who != me) {
        return ERR_FORBIDDEN; /* a member declares for themselves */
    }
    if (who->role != ROLE_MEMBER) {
        return ERR_INVALID;
    }
    int32_t item = c->b.item ? meeting_item_index(m, c->b.item) : m->current;
    if (item < 0) {
        return c->b.item ? ERR_NOT_FOUND : ERR_BAD_STATE;
    }
    if (m->state == MEETING_CLOSED || open_vote_on(m, item)) {
        return ERR_BAD_STATE; /* not while a vote on the item is open */
    }
    bool declare = c->type == CMD_RECUSAL_DECLARE;
    if (recused(m, pidx_of(m, who), item) == declare) {
        return declare ? ERR_CONFLICT : ERR_NOT_FOUND;
    }
    return emit_pair(m, out, declare ? EV_RECUSAL_DECLARED : EV_RECUSAL_WITHDRAWN, actor, now,
                     who->id, m->items[item].id);
}

int
vote_handle(struct meeting *m, const struct cmd *c, const char *actor, int64_t now,
            struct evlist *out)
{
    const struct participant *me = meeting_participant(m, actor);
    switch (c->type) {
    case CMD_VOTE_PREPARE:
        return handle_prepare(m, c, actor, now, out);
    case CMD_PROXY_GIVE:
    case CMD_PROXY_RECORD:
    case CMD_PROXY_REVOKE:
        return handle_proxy(m, c, me, actor, now, out);
    case CMD_RECUSAL_DECLARE:
    case CMD_RECUSAL_WITHDRAW:
        return handle_recusal(m, c, me, actor, now, out);
    case CMD_VOTE_OPEN:
    case CMD_VOTE_CAST:
    case CMD_VOTE_CLOSE:
    case CMD_VOTE_PUBLISH:
    case CMD_VOTE_CANCEL:
        break;
    default:
        return 1;
    }
    int32_t vi = meeting_vote_index(m, c->b.vote);
    if (vi < 0) {
        return ERR_NOT_FOUND;
    }
    struct vote *v = &m->votes[vi];
    switch (c->type) {
    case CMD_VOTE_OPEN:
        return handle_open(m, v, actor, now, out);
    case CMD_VOTE_CAST:
        return handle_cast(m, v, c, actor, now, out);
    case CMD_VOTE_CLOSE:
        return vote_close(m, (uint32_t)vi, c->tally, c->ntally, actor, now, out);
    case CMD_VOTE_PUBLISH:
        if (v->state != VOTE_CLOSED) {
            return ERR_BAD_STATE;
        }
        return emit_simple_vote(m, out, EV_VOTE_PUBLISHED, actor, now, v->id);
    default: /* CMD_VOTE_CANCEL */
        if (v->state != VOTE_PREPARED && v->state != VOTE_OPEN) {
            return ERR_BAD_STATE;
        }
        return emit_simple_vote(m, out, EV_VOTE_CANCELLED, actor, now, v->id);
    }
}
