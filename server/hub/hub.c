/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * hub.c - the hub's creation and teardown, and what the other hub_*.c files
 * share to speak to connections (see hub.h for the whole).
 *
 * The hub is split by the steps of a turn: hub_load.c loads a meeting from
 * its log, hub_turn.c writes a command's events inside the turn's
 * transaction, hub_conn.c takes connections, hello and their commands,
 * hub_flush.c ends the turn (commit, replies, fan-out), hub_metrics.c says
 * the counters. Here: the reference-counted messages, sending a text or an
 * error to one connection, closing one, and freeing a live meeting and the
 * hub itself.
 *
 * A send never fails to the caller: a connection already closing, or a
 * text that could not be built (NULL), is dropped, the text being stolen in
 * every case. Everything here runs on the loop's thread, as the whole hub
 * does; only the counts of a `struct msg` are touched by net/'s threads.
 */
#define _POSIX_C_SOURCE 200809L
#include "hub_impl.h"

#include "../mail/mail.h"

#include "../err.h"
#include "../proto/proto.h"

#include <stdlib.h>
#include <string.h>

struct msg *
msg_new(const char *text, size_t len)
{
    struct msg *m = malloc(sizeof(*m) + MSG_PRE + len + 1);
    if (!m) {
        return NULL;
    }
    atomic_init(&m->refs, 1);
    m->len = (uint32_t)len;
    m->vis = VIS_ALL;
    m->part = MSG_PART_WHOLE;
    m->writer = 0;
    memcpy(m->buf + MSG_PRE, text, len);
    m->buf[MSG_PRE + len] = 0;
    return m;
}

void
msg_ref(struct msg *m)
{
    atomic_fetch_add_explicit(&m->refs, 1, memory_order_relaxed);
}

void
msg_unref(struct msg *m)
{
    if (m && atomic_fetch_sub_explicit(&m->refs, 1, memory_order_acq_rel) == 1) {
        free(m);
    }
}

/* Send a text (stolen) once to one connection, as a whole message or as the
 * part `part` of one. */
void
hub_send_part(struct hub *h, struct hub_conn *c, char *text, enum msg_part part)
{
    if (!text || !c || c->closing) {
        free(text);
        return;
    }
    struct msg *m = msg_new(text, strlen(text));
    free(text);
    if (m) {
        m->part = (uint8_t)part;
        h->io.send(h->io.ctx, c->net, m);
        msg_unref(m);
    }
}

void
hub_send_text(struct hub *h, struct hub_conn *c, char *text)
{
    hub_send_part(h, c, text, MSG_PART_WHOLE);
}

void
hub_send_error(struct hub *h, struct hub_conn *c, const char *id, int code, const char *message)
{
    if (code < 0 && code > -ERR_COUNT_) {
        h->metrics.errors[-code]++;
    }
    hub_send_text(h, c, proto_error(id, code, message));
}

void
hub_close_conn(struct hub *h, struct hub_conn *c, int status, const char *reason)
{
    if (!c->closing) {
        c->closing = true;
        h->io.close(h->io.ctx, c->net, status, reason);
    }
}

struct hub *
hub_new(struct store *st, const struct hub_config *cfg, const struct hub_io *io)
{
    struct hub *h = calloc(1, sizeof(*h));
    if (!h) {
        return NULL;
    }
    h->st = st;
    h->cfg = *cfg;
    h->io = *io;
    if (h->cfg.log_interval_s <= 0) {
        h->cfg.log_interval_s = 10;
    }
    return h;
}

void
hub_live_drop_pending(struct live *l, size_t from)
{
    for (size_t i = from; i < l->npending; i++) {
        msg_unref(l->pending[i]);
    }
    l->npending = from < l->npending ? from : l->npending;
}

void
hub_live_free(struct live *l)
{
    if (!l) {
        return;
    }
    hub_live_drop_pending(l, 0);
    hub_record_free(l->files);
    free(l->minutes);
    msg_unref(l->snap[0]);
    msg_unref(l->snap[1]);
    free(l->speakers_sent);
    free(l->pending);
    free(l->seats);
    meeting_free(l->m);
    free(l);
}

void
hub_free(struct hub *h)
{
    if (!h) {
        return;
    }
    hub_log_churn(h, h->now, true);
    for (size_t i = 0; i < h->npend; i++) {
        free(h->pend[i].body);
    }
    free(h->pend);
    hub_convocations_flush(h, false);
    free(h->outbox);
    mailer_free(h->mailer);
    hub_record_jobs_free(h);
    struct live *l = h->lives;
    while (l) {
        struct live *next = l->next;
        hub_live_free(l);
        l = next;
    }
    free(h);
}

size_t
hub_connections(const struct hub *h)
{
    return h->nconns;
}
