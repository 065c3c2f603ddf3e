/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * votes.c - what the hub adds to the rules of core/vote.c: the secret
 * ballots kept apart from the log, deadlines, and the coalesced live count.
 *
 * Secret ballots: core checks a ballot and writes ballot.cast (who voted,
 * never what); here the choice goes to `secret_ballots` with the client's
 * receipt and the voter's college, in the same transaction. At close, the
 * counts come back from that table. The server never stores or logs which
 * receipt belongs to whom.
 *
 * But the WAL does, while the vote is open: each ballot's transaction
 * appends its ballot.cast and its new row side by side. So every way a
 * secret vote ends (closed by the chair or at its deadline, cancelled)
 * rewrites its rows in receipt order, or deletes them when cancelled, in
 * the transaction that ends it, and asks for the WAL to be truncated after
 * that commit (h->checkpoint, then wal.h). A server killed in between
 * truncates at its next start (hub_load_all).
 *
 * The live count: ballot.cast events are not sent to clients (ten thousand
 * ballots to ten thousand clients would be a hundred million messages);
 * instead every connection of the meeting receives a `count` message
 * {"vote","voted","entitled"} at most twice a second while ballots arrive.
 * Likewise, in a meeting of more than LARGE_MEETING participants, arrivals
 * and departures reach the bureau only, and everyone gets an `attendance`
 * summary at most twice a second.
 */
#define _POSIX_C_SOURCE 200809L
#include "hub_impl.h"

#include "../err.h"
#include "../log.h"
#include "../proto/proto.h"
#include "../store/store.h"

#include <stdlib.h>
#include <string.h>

#define COUNT_INTERVAL_MS 500

struct tally_buf {
    struct secret_tally *v;
    size_t n;
    char **strs;
    size_t nstrs;
};

static int
tally_row(void *ctx, const char *college, const char *choice, int64_t n)
{
    struct tally_buf *t = ctx;
    struct secret_tally *v = realloc(t->v, (t->n + 1) * sizeof(*v));
    char **s = realloc(t->strs, (t->nstrs + 2) * sizeof(*s));
    if (v) {
        t->v = v;
    }
    if (s) {
        t->strs = s;
    }
    if (!v || !s) {
        return ERR_NOMEM;
    }
    char *c = strdup(college ? college : ""), *ch = strdup(choice ? choice : "");
    if (!c || !ch) {
        free(c);
        free(ch);
        return ERR_NOMEM;
    }
    t->strs[t->nstrs++] = c;
    t->strs[t->nstrs++] = ch;
    t->v[t->n++] = (struct secret_tally){.college = c, .choice = ch, .n = n};
    return 0;
}

static void
tally_free(struct tally_buf *t)
{
    for (size_t i = 0; i < t->nstrs; i++) {
        free(t->strs[i]);
    }
    free(t->strs);
    free(t->v);
    memset(t, 0, sizeof(*t));
}

/* Close vote `vi` of `l` as `actor` (the chair's command, or "system" at the
 * deadline), reading the secret counts when needed. Writes the events. */
static int
close_vote(struct hub *h, struct live *l, const struct cmd *cmd, uint32_t vi, const char *actor,
           int64_t now, struct evlist *evs)
{
    struct tally_buf t = {0};
    const struct vote *v = &l->m->votes[vi];
    int rc = v->secret ? store_secret_tally(h->st, l->m->id, v->id, tally_row, &t) : 0;
    if (rc == 0) {
        if (cmd) {
            struct cmd c = *cmd;
            c.tally = t.v;
            c.ntally = t.n;
            rc = meeting_handle(l->m, &c, actor, now, evs);
        } else {
            rc = vote_close(l->m, vi, t.v, t.n, actor, now, evs);
        }
    }
    tally_free(&t);
    if (rc == 0 && v->secret) {
        rc = store_secret_reorder(h->st, l->m->id, v->id);
        h->checkpoint = h->checkpoint || rc == 0;
    }
    return rc;
}

int
hub_drop_cancelled_ballots(struct hub *h)
{
    int rc = 0;
    for (struct live *l = h->lives; l && rc == 0; l = l->next) {
        for (size_t i = 0; i < l->m->nvotes && rc == 0; i++) {
            const struct vote *v = &l->m->votes[i];
            if (v->secret && v->state == VOTE_CANCELLED) {
                rc = store_in_transaction(h->st) ? 0 : store_begin(h->st);
                rc = rc ? rc : store_secret_drop(h->st, l->m->id, v->id);
            }
        }
    }
    if (rc && store_in_transaction(h->st)) {
        store_rollback(h->st);
    } else if (store_in_transaction(h->st)) {
        rc = store_commit(h->st);
    }
    return rc;
}

int
hub_vote_handle(struct hub *h, struct live *l, const struct cmd *cmd, const char *actor,
                const uint8_t owner_key[SEC_HASH_LEN], int64_t now, struct evlist *evs)
{
    int32_t vi = meeting_vote_index(l->m, cmd->b.vote);
    if (cmd->type == CMD_VOTE_CLOSE && vi >= 0 &&
        perm_allowed(meeting_participant(l->m, actor)->role, cmd->type)) {
        return close_vote(h, l, cmd, (uint32_t)vi, actor, now, evs);
    }
    size_t first = evs->len;
    int rc = meeting_handle(l->m, cmd, actor, now, evs);
    if (rc == 0 && cmd->type == CMD_VOTE_CANCEL && l->m->votes[vi].secret) {
        /* Never counted, so never kept. */
        rc = store_secret_drop(h->st, l->m->id, l->m->votes[vi].id);
        h->checkpoint = h->checkpoint || rc == 0;
        return rc;
    }
    if (rc || cmd->type != CMD_VOTE_CAST || !l->m->votes[vi].secret) {
        if (rc == 0 && cmd->type == CMD_VOTE_CAST) {
            l->count_dirty = true;
        }
        return rc;
    }
    /* One secret row per ballot, in the order core wrote them, each with
     * its caster's owner tag: a replacement deletes only a ballot of the
     * same caster, whatever core still knows of receipts (it knows none of
     * those cast before a restart). */
    const struct vote *v = &l->m->votes[vi];
    uint8_t tag[SEC_OWNER_LEN];
    _Static_assert(SEC_OWNER_LEN == STORE_OWNER_LEN, "one owner tag length");
    for (size_t i = first, k = 0; rc == 0 && i < evs->len; i++, k++) {
        const struct participant *voter = meeting_participant(l->m, evs->v[i].b.voter);
        const char *old = cmd->b.replaces.n ? cmd->b.replaces.v[k] : "";
        if (*old) {
            sec_owner_tag(owner_key, old, tag);
            if ((rc = store_secret_delete(h->st, l->m->id, v->id, old, tag))) {
                /* not a receipt of this vote, or not one of this caster's */
                rc = rc == ERR_NOT_FOUND ? ERR_INVALID : rc;
                break;
            }
        }
        sec_owner_tag(owner_key, cmd->b.receipts.v[k], tag);
        rc = store_secret_put(h->st, l->m->id, v->id, cmd->b.receipts.v[k], voter->college,
                              cmd->b.choice, tag);
    }
    sec_wipe(tag, sizeof(tag));
    l->count_dirty = true;
    return rc;
}

void
hub_expire_votes(struct hub *h, int64_t now)
{
    for (struct live *l = h->lives; l; l = l->next) {
        for (size_t i = 0; i < l->m->nvotes; i++) {
            const struct vote *v = &l->m->votes[i];
            if (v->state != VOTE_OPEN || !v->deadline || now < v->deadline) {
                continue;
            }
            struct evlist evs = {0};
            size_t mark = l->npending;
            int rc = hub_begin(h);
            if (rc == 0) {
                rc = close_vote(h, l, NULL, (uint32_t)i, "system", now, &evs);
            }
            if (rc == 0) {
                rc = hub_write_events(h, l, &evs);
            }
            hub_end(h, l, mark, rc);
            evlist_clear(&evs);
            if (rc) {
                log_line(LOG_ERROR, "meeting %s: cannot close vote %s at its deadline: %s",
                         l->m->id, l->m->votes[i].id, err_str(rc));
            } else {
                log_line(LOG_INFO, "meeting %s: vote %s closed at its deadline", l->m->id,
                         l->m->votes[i].id);
            }
        }
    }
}

/* One message (text from proto, freed here) to the welcomed connections of
 * `l` that `vis` takes in: VIS_ALL, VIS_BUREAU (chair and secretary) or
 * VIS_OTHERS. */
static void
broadcast(struct hub *h, struct live *l, char *text, enum vis vis)
{
    struct msg *m = text ? msg_new(text, strlen(text)) : NULL;
    free(text);
    for (struct hub_conn *c = l->conns; m && c; c = c->next) {
        if (c->welcomed && !c->closing &&
            (vis == VIS_ALL || (vis == VIS_BUREAU) == c->bureau)) {
            h->io.send(h->io.ctx, c->net, m);
        }
    }
    msg_unref(m);
}

/* The earlier of `due` and `at` (-1: nothing due). */
static int64_t
earliest(int64_t due, int64_t at)
{
    return due < 0 || at < due ? at : due;
}

void
hub_send_counts(struct hub *h, int64_t now)
{
    int64_t due = -1;
    for (struct live *l = h->lives; l; l = l->next) {
        if (l->attendance_dirty && now - l->attendance_sent >= COUNT_INTERVAL_MS) {
            broadcast(h, l, proto_attendance_msg(l->m), VIS_ALL);
            l->attendance_dirty = false;
            l->attendance_sent = now;
        } else if (l->attendance_dirty) {
            due = earliest(due, l->attendance_sent + COUNT_INTERVAL_MS);
        }
        if (l->count_dirty && now - l->count_sent < COUNT_INTERVAL_MS) {
            /* held back by the rate: the loop wakes for it (hub_wake_at) */
            due = earliest(due, l->count_sent + COUNT_INTERVAL_MS);
        }
        if (!l->count_dirty || now - l->count_sent < COUNT_INTERVAL_MS) {
            continue;
        }
        for (size_t i = 0; i < l->m->nvotes; i++) {
            const struct vote *v = &l->m->votes[i];
            if (v->state != VOTE_OPEN) {
                continue;
            }
            /* the bureau of a named vote also gets who has not voted yet, so
             * that the chair can call them: a named ballot is public anyway,
             * and a secret vote's list of voters is never sent */
            if (v->secret) {
                broadcast(h, l, proto_count_msg(l->m, v, false), VIS_ALL);
            } else {
                broadcast(h, l, proto_count_msg(l->m, v, true), VIS_BUREAU);
                broadcast(h, l, proto_count_msg(l->m, v, false), VIS_OTHERS);
            }
        }
        l->count_dirty = false;
        l->count_sent = now;
    }
    h->wake_at = due;
}

int64_t
hub_wake_at(const struct hub *h)
{
    return h->wake_at;
}
