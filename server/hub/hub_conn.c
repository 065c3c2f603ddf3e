/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * hub_conn.c - connections: opening, hello, their commands, disconnecting
 * and kicking out.
 *
 * A connection is bound to one meeting by its URL and authenticated by the
 * personal link said in hello; it then takes its place in l->conns, the
 * chair's and the secretary's first (attach), so that a message for the
 * bureau alone walks two connections, not ten thousand. A participant's
 * arrival is written by their first connection; their departure only after
 * the grace period that follows their last one (hub_leave_later, written by
 * hub_flush.c), so that a short network drop shows as nothing.
 *
 * The log: every refused command and hello has its line, but connections
 * come and go by thousands (a join storm of ten thousand members wrote
 * forty thousand lines: connected, joined, left, closed); they are counted
 * and summed up in one line at most every log_interval_s (hub_log_churn),
 * unless log_connections asks for a line each. Loop thread only.
 */
#define _POSIX_C_SOURCE 200809L
#include "hub_impl.h"

#include "../crypto/sec.h"
#include "../err.h"
#include "../log.h"
#include "../proto/proto.h"
#include "../store/store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Count one step of connection churn, starting the summary's period. */
static void
churn(struct hub *h, uint64_t *counter)
{
    if (!h->churn.since) {
        h->churn.since = h->now ? h->now : 1;
    }
    (*counter)++;
}

/* The summary of connection churn, once log_interval_s has passed since the
 * first of it (or at once when `force`): one line, then the counts start
 * again. Nothing when nothing came and went. */
void
hub_log_churn(struct hub *h, int64_t now, bool force)
{
    if (!h->churn.since ||
        (!force && now - h->churn.since < (int64_t)h->cfg.log_interval_s * 1000)) {
        return;
    }
    int64_t s = (now - h->churn.since + 500) / 1000;
    log_line(LOG_INFO,
             "connections: +%" PRIu64 " -%" PRIu64 " in %" PRId64 " s, %zu open; participants: "
             "%" PRIu64 " joined, %" PRIu64 " left",
             h->churn.opened, h->churn.closed, s, h->nconns, h->churn.joined, h->churn.left);
    memset(&h->churn, 0, sizeof(h->churn));
}

struct hub_conn *
hub_connect(struct hub *h, void *net, const char *meeting, const char *peer)
{
    struct hub_conn *c = calloc(1, sizeof(*c));
    if (!c) {
        return NULL;
    }
    c->net = net;
    snprintf(c->meeting, sizeof(c->meeting), "%s", id_valid(meeting) ? meeting : "");
    snprintf(c->peer, sizeof(c->peer), "%s", peer ? peer : "?");
    h->nconns++;
    if (h->cfg.log_connections) {
        log_line(LOG_INFO, "connection from %s to meeting %s", c->peer,
                 c->meeting[0] ? c->meeting : "(invalid)");
    } else {
        churn(h, &h->churn.opened);
    }
    return c;
}

static void
forget_conn(struct hub *h, struct hub_conn *c)
{
    for (size_t i = 0; i < h->npend; i++) {
        if (h->pend[i].c == c) {
            h->pend[i].c = NULL;
        }
    }
}

/* The chair and the secretary come first in l->conns, so that a message for
 * the bureau alone (an arrival in a large meeting) walks two connections,
 * not ten thousand. */
static void
attach(struct live *l, struct hub_conn *c)
{
    struct hub_conn *after = c->bureau ? NULL : l->bureau_last;
    c->live = l;
    c->prev = after;
    c->next = after ? after->next : l->conns;
    if (c->next) {
        c->next->prev = c;
    }
    if (after) {
        after->next = c;
    } else {
        l->conns = c;
    }
    if (c->bureau && !l->bureau_last) {
        l->bureau_last = c;
    }
}

static void
detach(struct hub_conn *c)
{
    struct live *l = c->live;
    if (c == l->bureau_last) {
        l->bureau_last = c->prev; /* a bureau connection, or NULL */
    }
    if (c->prev) {
        c->prev->next = c->next;
    } else {
        l->conns = c->next;
    }
    if (c->next) {
        c->next->prev = c->prev;
    }
    c->prev = c->next = NULL;
}

void
hub_role_changed(struct live *l, const char *pid)
{
    struct hub_conn *moved = NULL; /* linked through next while they are out */
    for (struct hub_conn *c = l->conns, *next; c; c = next) {
        next = c->next;
        const struct participant *p = &l->m->parts[c->pidx];
        bool bureau = p->role == ROLE_CHAIR || p->role == ROLE_SECRETARY;
        if (strcmp(p->id, pid) == 0 && bureau != c->bureau) {
            detach(c);
            c->bureau = bureau;
            c->next = moved;
            moved = c;
        }
    }
    for (struct hub_conn *c = moved, *next; c; c = next) {
        next = c->next;
        attach(l, c);
    }
}

/* Write join/leave for participant index `pidx` of `l` (no reply to anyone). */
int
hub_presence(struct hub *h, struct live *l, uint32_t pidx, bool join, int64_t now)
{
    struct evlist evs = {0};
    size_t mark = l->npending;
    int rc = hub_begin(h);
    if (rc) {
        if (store_in_transaction(h->st)) {
            store_rollback_savepoint(h->st);
        }
        return rc;
    }
    const char *pid = l->m->parts[pidx].id;
    rc = join ? meeting_join(l->m, pid, now, &evs) : meeting_leave(l->m, pid, now, &evs);
    if (rc == 0) {
        rc = hub_write_events(h, l, &evs);
    }
    hub_end(h, l, mark, rc || evs.len == 0 ? (rc ? rc : 0) : 0);
    evlist_clear(&evs);
    return rc;
}

static void
do_hello(struct hub *h, struct hub_conn *c, struct cmd *cmd, int64_t now)
{
    uint8_t hash[SEC_HASH_LEN];
    struct store_token tok;
    struct live *l = NULL;
    int rc;
    if (c->live) {
        hub_send_error(h, c, cmd->id, ERR_BAD_STATE, "hello was already accepted");
        return;
    }
    rc = sec_token_hash(cmd->b.token, strlen(cmd->b.token), hash);
    if (rc == 0) {
        rc = store_token_find(h->st, hash, &tok);
    }
    if (rc == 0) {
        sec_owner_key(cmd->b.token, strlen(cmd->b.token), c->owner_key);
    }
    /* The lookup is by hash; the comparison that decides is constant-time. */
    if (rc == 0 && (!sec_equal(hash, tok.hash, SEC_HASH_LEN) ||
                    strcmp(tok.kind, "invitation") != 0 || strcmp(tok.meeting, c->meeting) != 0)) {
        rc = ERR_BAD_TOKEN;
    }
    sec_wipe(hash, sizeof(hash));
    if (rc == 0) {
        rc = hub_live(h, c->meeting, &l);
        rc = rc == ERR_NOT_FOUND ? ERR_BAD_TOKEN : rc;
    }
    const struct participant *p = rc == 0 ? meeting_participant(l->m, tok.participant) : NULL;
    if (rc == 0 && !p) {
        rc = ERR_BAD_TOKEN;
    }
    if (rc) {
        log_line(LOG_WARN, "hello refused from %s for meeting %s: %s", c->peer,
                 c->meeting[0] ? c->meeting : "(invalid)", err_str(rc));
        hub_send_error(h, c, cmd->id, rc, NULL);
        if (rc == ERR_BAD_TOKEN) {
            hub_close_conn(h, c, 1008, "bad token");
        }
        return;
    }
    if ((rc = hub_live_fit(l))) {
        hub_send_error(h, c, cmd->id, rc, NULL);
        return;
    }
    c->pidx = (uint32_t)(p - l->m->parts);
    c->bureau = p->role == ROLE_CHAIR || p->role == ROLE_SECRETARY;
    attach(l, c);
    struct pending pw = {.kind = P_WELCOME, .c = c, .live = l, .has_since = (cmd->b.has & HAS_SINCE) != 0,
                         .since = cmd->b.since};
    memcpy(pw.id, cmd->id, sizeof(pw.id));
    if (hub_pending_push(h, &pw)) {
        detach(c);
        c->live = NULL;
        hub_send_error(h, c, cmd->id, ERR_NOMEM, NULL);
        return;
    }
    if (h->cfg.log_connections) {
        log_line(LOG_INFO, "participant %s (%s) joined meeting %s from %s", p->id,
                 role_str(p->role), l->m->id, c->peer);
    } else {
        churn(h, &h->churn.joined);
    }
    struct seat *seat = &l->seats[c->pidx];
    if (seat->leave_at) {
        seat->leave_at = 0; /* back within the grace period: never left */
        l->nleaving--;
    }
    if (seat->conns++ == 0 && !p->present) {
        rc = hub_presence(h, l, c->pidx, true, now);
        if (rc) {
            log_line(LOG_ERROR, "meeting %s: cannot record the arrival of %s: %s", l->m->id,
                     l->m->parts[c->pidx].id, err_str(rc));
        }
    }
}

/* A command with an idempotency key: `digest` gets the command's digest
 * (recorded with its reply). A key already used is answered here, with the
 * first outcome (replayed) or, when the key stood for another command, a
 * conflict; so is a failure to look it up. True when answered. */
static bool
answered_by_key(struct hub *h, struct hub_conn *c, struct cmd *cmd, const char *pid,
                struct pending *po, uint8_t digest[SEC_HASH_LEN])
{
    static const uint8_t unknown[SEC_HASH_LEN];
    struct live *l = c->live;
    uint8_t first[SEC_HASH_LEN];
    uint64_t seq;
    sec_digest((const uint8_t *)cmd->canon, strlen(cmd->canon), digest);
    int rc = store_reply_get(h->st, l->m->id, pid, cmd->key, &seq, first);
    if (rc == 0 && !sec_equal(first, digest, SEC_HASH_LEN) &&
        !sec_equal(first, unknown, SEC_HASH_LEN)) {
        /* The key stands for another command: answering with that one's
         * outcome would tell the client this one was done. */
        hub_send_error(h, c, cmd->id, ERR_CONFLICT,
                       "this key was already used for another command");
        return true;
    }
    if (rc == 0) {
        po->seq = seq;
        po->replayed = true;
        if (hub_pending_push(h, po)) {
            hub_send_error(h, c, cmd->id, ERR_NOMEM, NULL);
        }
        return true;
    }
    if (rc != ERR_NOT_FOUND) {
        hub_send_error(h, c, cmd->id, rc, NULL);
        return true;
    }
    return false;
}

static void
do_command(struct hub *h, struct hub_conn *c, struct cmd *cmd, int64_t now)
{
    struct live *l = c->live;
    char pid[ID_MAX]; /* a copy: a failed write rebuilds l->m, and its parts with it */
    snprintf(pid, sizeof(pid), "%s", l->m->parts[c->pidx].id);
    struct pending po = {.kind = P_OK, .c = c, .live = l};
    memcpy(po.id, cmd->id, sizeof(po.id));
    int rc;
    uint8_t digest[SEC_HASH_LEN] = {0};
    if (cmd->key[0] && answered_by_key(h, c, cmd, pid, &po, digest)) {
        return;
    }
    if (!perm_allowed(l->m->parts[c->pidx].role, cmd->type)) {
        rc = ERR_FORBIDDEN;
        goto refuse;
    }
    if (!cmd_mutates(cmd->type)) {
        rc = meeting_handle(l->m, cmd, pid, now, &(struct evlist){0});
        if (rc) {
            goto refuse;
        }
        hub_send_text(h, c, proto_ok(cmd->id, l->m->seq, 0));
        return;
    }
    struct evlist evs = {0};
    size_t mark = l->npending;
    if ((rc = hub_begin(h))) {
        goto refuse;
    }
    if (cmd->type >= CMD_VOTE_OPEN && cmd->type <= CMD_VOTE_CANCEL) {
        rc = hub_vote_handle(h, l, cmd, pid, c->owner_key, now, &evs);
    } else if (cmd->type == CMD_MINUTES_APPROVE_PREVIOUS &&
               (rc = hub_approval_prepare(h, l, cmd)) != 0) {
        /* refused before core: nothing written */
    } else if ((rc = hub_action_owner(h, l, cmd)) == 0) {
        rc = meeting_handle(l->m, cmd, pid, now, &evs);
    }
    if (rc == 0) {
        rc = hub_write_events(h, l, &evs);
    }
    if (rc == 0) {
        rc = store_reply_put(h->st, l->m->id, pid, cmd->key, l->m->seq, digest);
    }
    /* A refused command changed nothing (core's rule): only events already
     * applied need the meeting rebuilt from the log when their write fails,
     * and a command that ran out of memory, whose event core dropped after
     * its fold had begun (meeting.c: the caller reloads). */
    hub_end(h, evs.len || rc == ERR_NOMEM ? l : NULL, mark, rc);
    evlist_clear(&evs);
    if (rc) {
        goto refuse;
    }
    po.seq = l->m->seq;
    if (hub_pending_push(h, &po)) {
        log_line(LOG_ERROR, "meeting %s: out of memory queueing an ok", l->m->id);
    }
    if (cmd->type <= CMD_MEETING_CLOSE || cmd->type == CMD_VOTE_OPEN ||
        cmd->type == CMD_MINUTES_APPROVE_PREVIOUS ||
        cmd->type == CMD_VOTE_CLOSE || cmd->type == CMD_VOTE_PUBLISH) {
        log_line(LOG_INFO, "meeting %s: %s by %s -> seq %" PRIu64, l->m->id,
                 proto_cmd_name(cmd->type), pid, l->m->seq);
    }
    return;
refuse:
    log_line(LOG_INFO, "meeting %s: %s by %s refused: %s", l->m->id, proto_cmd_name(cmd->type),
             pid, err_str(rc));
    hub_send_error(h, c, cmd->id, rc, NULL);
}

void
hub_message(struct hub *h, struct hub_conn *c, const char *buf, size_t len, int64_t now)
{
    struct cmd cmd;
    h->now = now;
    if (c->closing) {
        return;
    }
    int rc = proto_decode_cmd(buf, len, &cmd);
    if (rc) {
        log_line(LOG_INFO, "message from %s refused: %s", c->peer, err_str(rc));
        hub_send_error(h, c, cmd.id, rc, NULL);
        return;
    }
    if (cmd.type == CMD_HELLO) {
        do_hello(h, c, &cmd, now);
    } else if (!c->live) {
        hub_send_error(h, c, cmd.id, ERR_NOT_AUTHENTICATED, NULL);
    } else if (cmd.type == CMD_PING) {
        hub_send_text(h, c, proto_pong(cmd.id, now));
    } else {
        do_command(h, c, &cmd, now);
    }
    cmd_clear(&cmd);
}

void
hub_refuse(struct hub *h, struct hub_conn *c, int code, const char *message)
{
    hub_send_error(h, c, "", code, message);
}

void
hub_too_large(struct hub *h, struct hub_conn *c)
{
    log_line(LOG_WARN, "message from %s over %d bytes: closing", c->peer, PROTO_MAX_MESSAGE);
    hub_send_error(h, c, "", ERR_TOO_LARGE, "message over 65536 bytes");
    hub_close_conn(h, c, 1009, "message too large");
}

void
hub_disconnect(struct hub *h, struct hub_conn *c, int64_t now)
{
    h->now = now;
    forget_conn(h, c);
    struct live *l = c->live;
    if (l) {
        detach(c);
        const char *pid = l->m->parts[c->pidx].id;
        if (h->cfg.log_connections) {
            log_line(LOG_INFO, "participant %s left meeting %s", pid, l->m->id);
        } else {
            churn(h, &h->churn.left);
        }
        if (--l->seats[c->pidx].conns == 0) {
            hub_leave_later(l, c->pidx, now);
        }
    } else if (h->cfg.log_connections) {
        log_line(LOG_INFO, "connection from %s closed", c->peer);
    }
    if (!h->cfg.log_connections) {
        churn(h, &h->churn.closed);
    }
    h->nconns--;
    sec_wipe(c->owner_key, sizeof(c->owner_key));
    free(c);
}

void
hub_kick(struct hub *h, struct live *l, const char *pid, const char *why)
{
    for (struct hub_conn *c = l->conns; c; c = c->next) {
        if (strcmp(l->m->parts[c->pidx].id, pid) == 0 && !c->closing) {
            hub_send_error(h, c, "", ERR_BAD_TOKEN, why);
            hub_close_conn(h, c, 1008, why);
        }
    }
}
