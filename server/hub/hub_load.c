/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * hub_load.c - loading a meeting from its log into memory (struct live).
 *
 * The log is the truth: a meeting is loaded by folding every event of its
 * log through core/ while checking its hash chain, and a failed command or
 * commit rebuilds the meeting the same way (hub_live_reload). A chain that
 * does not verify, or an event that does not decode, refuses the meeting
 * (storage_failed) rather than serving a state the log does not prove.
 *
 * Invariants: l->seats has a seat for every participant of l->m
 * (hub_live_fit, participants only grow); those the log shows present when
 * the server stopped are given the grace period to come back
 * (hub_leave_later), as for any network drop. Loop thread only.
 */
#define _POSIX_C_SOURCE 200809L
#include "hub_impl.h"

#include "../crypto/sec.h"
#include "../err.h"
#include "../log.h"
#include "../proto/proto.h"
#include "../store/store.h"
#include "../store/wal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

struct fold {
    struct meeting *m;
    uint8_t head[HASH_LEN];
    int64_t seq_err;
};

static int
fold_row(void *ctx, const struct store_row *row)
{
    struct fold *f = ctx;
    struct event ev;
    memset(&ev, 0, sizeof(ev));
    f->seq_err = (int64_t)row->seq;
    int type = proto_event_type(row->type);
    if (type < 0 || strlen(row->actor) >= ID_MAX) {
        return ERR_STORAGE;
    }
    ev.type = (enum ev_type)type;
    ev.seq = row->seq;
    ev.ts = row->ts;
    strcpy(ev.actor, row->actor);
    int rc = proto_decode_event_body(ev.type, row->body, row->body_len, &ev);
    if (rc) {
        return ERR_STORAGE;
    }
    size_t plen;
    char *pre = proto_chain_preimage(f->m->id, row->seq, row->ts, row->actor, row->type, row->body,
                                     row->body_len, &plen);
    if (!pre) {
        event_clear(&ev);
        return ERR_NOMEM;
    }
    uint8_t next[HASH_LEN];
    sec_chain_hash(f->head, (const uint8_t *)pre, plen, next);
    free(pre);
    if (!sec_equal(next, row->hash, HASH_LEN)) {
        event_clear(&ev);
        return ERR_STORAGE;
    }
    memcpy(f->head, next, HASH_LEN);
    rc = meeting_apply(f->m, &ev);
    event_clear(&ev);
    return rc ? ERR_STORAGE : 0;
}

/* Fold the log of l->m->id into a fresh meeting; replace l's state on success. */
int
hub_live_reload(struct hub *h, struct live *l, const char *id)
{
    struct fold f = {.m = meeting_new(id)};
    if (!f.m) {
        return ERR_NOMEM;
    }
    int rc = store_events(h->st, id, 0, fold_row, &f);
    if (rc) {
        log_line(LOG_ERROR, "meeting %s: log unreadable or chain broken at seq %" PRId64 " (%s)",
                 id, f.seq_err, err_str(rc));
        meeting_free(f.m);
        return rc;
    }
    struct meeting *old = l->m;
    l->m = f.m;
    if (hub_live_fit(l)) {
        l->m = old;
        meeting_free(f.m);
        return ERR_NOMEM;
    }
    meeting_free(old);
    memcpy(l->head, f.head, HASH_LEN);
    return 0;
}

int
hub_live(struct hub *h, const char *id, struct live **out)
{
    *out = NULL;
    if (!id_valid(id)) {
        return ERR_NOT_FOUND;
    }
    for (struct live *l = h->lives; l; l = l->next) {
        if (strcmp(l->m->id, id) == 0) {
            *out = l;
            return 0;
        }
    }
    char commission[33];
    int rc = store_meeting_get(h->st, id, commission);
    if (rc) {
        return rc;
    }
    struct live *l = calloc(1, sizeof(*l));
    if (!l) {
        return ERR_NOMEM;
    }
    if ((rc = hub_live_reload(h, l, id))) {
        hub_live_free(l);
        return rc;
    }
    /* Those the log shows connected lost their connection when the server
     * stopped: give them the grace period to come back, as for any drop. */
    for (size_t i = 0; i < l->m->nparts; i++) {
        if (l->m->parts[i].present) {
            hub_leave_later(l, (uint32_t)i, h->now);
        }
    }
    l->next = h->lives;
    h->lives = l;
    *out = l;
    return 0;
}

void
hub_unload(struct hub *h, struct live *l)
{
    struct live **pp = &h->lives;
    while (*pp && *pp != l) {
        pp = &(*pp)->next;
    }
    if (*pp) {
        *pp = l->next;
    }
    hub_live_free(l);
}

static int
load_one(void *ctx, const char *id)
{
    struct hub *h = ctx;
    struct live *l;
    if (hub_live(h, id, &l) == 0) {
        h->loaded++;
    }
    return 0; /* one bad meeting does not stop the others */
}

int
hub_load_all(struct hub *h, int64_t now)
{
    h->now = now;
    h->loaded = 0;
    int rc = store_meetings(h->st, load_one, h);
    if (rc == 0 && (rc = hub_drop_cancelled_ballots(h))) {
        log_line(LOG_ERROR, "cannot delete the ballots of cancelled secret votes: %s", err_str(rc));
        rc = 0; /* they are never counted; the next start tries again */
    }
    wal_truncate_soon(h->cfg.wal);
    return rc ? rc : h->loaded;
}

/* Make room in l->seats for every participant (participants only grow). */
int
hub_live_fit(struct live *l)
{
    if (l->m->nparts <= l->nseats) {
        return 0;
    }
    size_t cap = l->m->nparts * 2;
    struct seat *v = realloc(l->seats, cap * sizeof(*v));
    if (!v) {
        return ERR_NOMEM;
    }
    memset(v + l->nseats, 0, (cap - l->nseats) * sizeof(*v));
    l->seats = v;
    l->nseats = cap;
    return 0;
}

void
hub_leave_later(struct live *l, uint32_t pidx, int64_t now)
{
    struct seat *s = &l->seats[pidx];
    if (s->leave_at) {
        return;
    }
    s->leave_at = now + l->m->set.grace_s * 1000;
    if (l->nleaving++ == 0 || s->leave_at < l->next_leave) {
        l->next_leave = s->leave_at;
    }
}
