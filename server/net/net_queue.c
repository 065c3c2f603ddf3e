/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * net_queue.c - what one thread asks of another: queues of `struct op`
 * between the loops and the hub, and applying them.
 *
 * Each side collects its ops in a private queue during its turn, hands the
 * whole queue over once at the end of the turn (a swap when the other side
 * has emptied its own) and wakes the other loop with lws_cancel_service()
 * only when that queue was empty. Loop 0's own connections take no detour:
 * its ops are applied at once (to_hub_direct()), so with one thread this is
 * the single-threaded server it was. A message buffer crosses threads by
 * its (atomic) reference count (net_fanout.c).
 *
 * Sessions and requests are heap handles that outlive their wsi: the hub
 * may still send to a connection that its loop has just seen close. A loop
 * frees a handle only on the hub's OP_RELEASE, which follows every op the
 * hub queued for it. A handle is on lists of its loop (live sessions,
 * requests awaiting the hub): it leaves each when its connection goes, and
 * whatever frees it unlinks it first (req_unwait()), since a client may
 * leave before its answer, in the same turn as its request.
 *
 * Memory. An op that cannot be queued is never lost silently: a goodbye
 * waits on loop->owed, a release on net->unreleased, both retried at the
 * next hand-off; a queue that cannot be handed over is tried again at the
 * next turn. Any other op of the hub's marks its handle `lost`, and the
 * loop's idle sweep closes that connection (1011) or answers its request
 * 503; a loop's own op that cannot be queued closes its connection or
 * answers 503 at once.
 *
 * Threads: to_hub(), handle_goodbye(), loop_handoff() and loop_take() run
 * on the loop's thread; to_loop(), release_handle(), hub_handoff(),
 * hub_take() and hub_apply() on the hub's (loop 0). The handed-over queues
 * (loop->in, net->hub_in) are the only ones behind a mutex.
 */
#define _GNU_SOURCE
#include "net_impl.h"

#include "../err.h"
#include "../hub/hub.h"
#include "../proto/proto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Append `op` to `q`. 0, or ERR_NOMEM with `q` unchanged. */
int
opq_push(struct opq *q, const struct op *op)
{
    if (q->n == q->cap) {
        size_t cap = q->cap ? q->cap * 2 : 64;
        struct op *v = realloc(q->v, cap * sizeof(*v));
        if (!v) {
            return ERR_NOMEM;
        }
        q->v = v;
        q->cap = cap;
    }
    q->v[q->n++] = *op;
    return 0;
}

/* Move everything in `from` to the end of `to` (a swap when `to` is empty).
 * 0, or ERR_NOMEM with both unchanged. */
int
opq_move(struct opq *to, struct opq *from)
{
    if (to->n == 0) {
        struct opq t = *to;
        *to = *from;
        *from = t;
        return 0;
    }
    if (to->n + from->n > to->cap) {
        size_t cap = to->cap;
        while (cap < to->n + from->n) {
            cap *= 2;
        }
        struct op *v = realloc(to->v, cap * sizeof(*v));
        if (!v) {
            return ERR_NOMEM;
        }
        to->v = v;
        to->cap = cap;
    }
    memcpy(to->v + to->n, from->v, from->n * sizeof(*from->v));
    to->n += from->n;
    from->n = 0;
    return 0;
}

/* Are this loop's ops for the hub applied at once (same thread)? */
bool
to_hub_direct(const struct loop *l)
{
    return l->idx == 0 || !l->n->threaded;
}

/* Are the hub's ops for this loop applied at once? Only when there are no
 * other threads: loop 0's wait for the end of the hub's turn too, so that
 * the other loops are handed theirs (and start sending) first. */
bool
to_loop_direct(const struct loop *l)
{
    return !l->n->threaded;
}

static void loop_apply(struct loop *l, struct op *op);

/* An op from loop `l` for the hub: applied now on loop 0, else queued for
 * the end of the turn. ERR_NOMEM when it could not be queued. */
int
to_hub(struct loop *l, struct op *op)
{
    if (to_hub_direct(l)) {
        hub_apply(l->n, op);
        return 0;
    }
    return opq_push(&l->out, op);
}

/* An op from the hub for the loop of `who`. ERR_NOMEM when it could not be
 * queued (the caller marks the handle lost). */
int
to_loop(struct handle *who, struct op *op)
{
    struct loop *l = who->loop;
    if (to_loop_direct(l)) {
        loop_apply(l, op);
        return 0;
    }
    return opq_push(&l->hubq, op);
}

/* The hub is done with `who`: its loop may free it. */
static void
release_handle(struct net *n, struct handle *who)
{
    struct op op = {.kind = OP_RELEASE, .who = who};
    if (to_loop(who, &op)) {
        who->release_next = n->unreleased;
        n->unreleased = who;
    }
}

/* Tell the hub that the handle's connection is gone (it answers with
 * OP_RELEASE); kept on loop->owed until that can be queued. */
void
handle_goodbye(struct loop *l, struct handle *who)
{
    struct op op = {.kind = who->kind == H_WS ? OP_DISCONNECT : OP_HTTP_GONE,
                    .who = who,
                    .now = net_now_ms()};
    if (to_hub(l, &op)) {
        who->owed_next = l->owed;
        l->owed = who;
    } else if (!to_hub_direct(l) && l->out.n == 1) {
        /* lws closes timed-out connections before it polls: without a
         * wake, the hub would hear of it only after the next event here. */
        lws_cancel_service(l->ctx);
    }
}

/* Hand what the hub queued in its turn to each loop (hub thread). */
void
hub_handoff(struct net *n)
{
    struct handle *retry = n->unreleased;
    n->unreleased = NULL;
    while (retry) {
        struct handle *next = retry->release_next;
        release_handle(n, retry);
        retry = next;
    }
    for (unsigned i = 0; i < n->nloops; i++) {
        copies_clear(&n->loops[i]);
    }
    for (unsigned i = 1; i < n->nloops; i++) {
        struct loop *l = &n->loops[i];
        if (l->hubq.n == 0) {
            continue;
        }
        pthread_mutex_lock(&l->mu);
        bool wake = l->in.n == 0;
        int rc = opq_move(&l->in, &l->hubq); /* on failure, tried again next turn */
        pthread_mutex_unlock(&l->mu);
        if (rc == 0 && wake) {
            lws_cancel_service(l->ctx);
        }
    }
    struct loop *l0 = &n->loops[0];
    for (size_t i = 0; i < l0->hubq.n; i++) {
        loop_apply(l0, &l0->hubq.v[i]);
    }
    l0->hubq.n = 0;
}

/* Hand what loop `l` queued in its turn to the hub (loop thread). */
void
loop_handoff(struct loop *l)
{
    struct net *n = l->n;
    struct handle *owed = l->owed;
    l->owed = NULL;
    while (owed) {
        struct handle *next = owed->owed_next;
        handle_goodbye(l, owed);
        owed = next;
    }
    if (l->out.n == 0) {
        return;
    }
    pthread_mutex_lock(&n->hub_mu);
    bool wake = n->hub_in.n == 0;
    int rc = opq_move(&n->hub_in, &l->out);
    pthread_mutex_unlock(&n->hub_mu);
    if (rc == 0 && wake) {
        lws_cancel_service(n->loops[0].ctx);
    }
}

/* Apply what the other loops handed to the hub (hub thread). */
void
hub_take(struct net *n)
{
    pthread_mutex_lock(&n->hub_mu);
    opq_move(&n->hub_work, &n->hub_in); /* hub_work is empty: a swap */
    pthread_mutex_unlock(&n->hub_mu);
    for (size_t i = 0; i < n->hub_work.n; i++) {
        hub_apply(n, &n->hub_work.v[i]);
    }
    n->hub_work.n = 0;
}

/* Apply what the hub handed to loop `l` (its thread). */
void
loop_take(struct loop *l)
{
    pthread_mutex_lock(&l->mu);
    opq_move(&l->work, &l->in);
    pthread_mutex_unlock(&l->mu);
    for (size_t i = 0; i < l->work.n; i++) {
        loop_apply(l, &l->work.v[i]);
    }
    l->work.n = 0;
}

/* Free an op's resources without applying it. */
static void
op_drop(struct op *op)
{
    msg_unref(op->m);
    free(op->data);
    if (op->kind == OP_ADOPT) {
        close(op->code);
    }
}

/* Empty `q`, dropping what it still holds, and free its storage. */
void
opq_free(struct opq *q)
{
    for (size_t i = 0; i < q->n; i++) {
        op_drop(&q->v[i]);
    }
    free(q->v);
    q->v = NULL;
    q->n = q->cap = 0;
}

/* --- applying ops --------------------------------------------------------- */

/* GET /metrics: the hub's figures, then the loops'. */
static char *
metrics_text(struct net *n)
{
    unsigned long long queued = 0, cut_off = 0;
    for (unsigned i = 0; i < n->nloops; i++) {
        queued += atomic_load_explicit(&n->loops[i].queued, memory_order_relaxed);
        cut_off += atomic_load_explicit(&n->loops[i].cut_off, memory_order_relaxed);
    }
    char extra[1280];
    snprintf(extra, sizeof(extra),
             "# HELP concerto_fanout_queued Messages waiting in connection queues.\n"
             "# TYPE concerto_fanout_queued gauge\nconcerto_fanout_queued %llu\n"
             "# HELP concerto_slow_clients_total Connections cut off for being too slow.\n"
             "# TYPE concerto_slow_clients_total counter\n"
             "concerto_slow_clients_total %llu\n"
             "# HELP concerto_net_threads Threads serving connections.\n"
             "# TYPE concerto_net_threads gauge\nconcerto_net_threads %u\n"
             "# HELP concerto_upload_bytes Bytes held for document uploads in progress.\n"
             "# TYPE concerto_upload_bytes gauge\nconcerto_upload_bytes %zu\n"
             "# HELP concerto_upload_budget_bytes Bytes uploads in progress may hold in all.\n"
             "# TYPE concerto_upload_budget_bytes gauge\nconcerto_upload_budget_bytes %zu\n",
             queued, cut_off, n->nloops, atomic_load(&n->uploading),
             UPLOADS_IN_FLIGHT * document_max(n));
    return hub_metrics_text(n->hub, extra);
}

/* Answer GET /metrics (on the hub's thread, which reads the loops'
 * counters as atomics). */
static void
answer_metrics(struct net *n, struct http_req *r)
{
    char *text = metrics_text(n);
    if (text) {
        io_answer(r, 200, text, strlen(text), "text/plain; version=0.0.4; charset=utf-8", NULL);
    } else {
        char *e = proto_http_error(ERR_NOMEM, NULL);
        io_answer(r, err_http_status(ERR_NOMEM), e ? e : "{}", e ? strlen(e) : 2, NULL, NULL);
        free(e);
    }
    free(text);
}

/* An HTTP request (OP_HTTP) for the hub; op->data is its body (NULL for none). */
static void
hub_request(struct net *n, struct http_req *r, const struct op *op)
{
    const char *body = op->data ? op->data : "";
    if (r->metrics) {
        answer_metrics(n, r);
    } else if (r->upload) {
        hub_http_upload(n->hub, r, r->path, r->bearer, r->name[0] ? r->name : NULL, body, op->len,
                        op->now);
    } else {
        hub_http(n->hub, r, r->method, r->path, r->bearer, body, op->len, op->now);
    }
}

/* Apply an op for the hub, on the hub's thread. */
void
hub_apply(struct net *n, struct op *op)
{
    struct ws_session *s = (struct ws_session *)op->who;
    struct http_req *r = (struct http_req *)op->who;
    switch (op->kind) {
    case OP_CONNECT:
        s->hc = hub_connect(n->hub, s, s->meeting, s->addr);
        if (!s->hc) {
            io_close(n, s, 1011, "server out of memory");
        }
        break;
    case OP_MESSAGE:
        if (s->hc) {
            hub_message(n->hub, s->hc, op->data, op->len, op->now);
        }
        break;
    case OP_REFUSE:
        if (s->hc) {
            hub_refuse(n->hub, s->hc, op->code, op->text);
        }
        if (op->status) {
            io_close(n, s, op->status, op->reason);
        }
        break;
    case OP_TOO_LARGE:
        if (s->hc) {
            hub_too_large(n->hub, s->hc);
        }
        break;
    case OP_DISCONNECT:
        if (s->hc) {
            hub_disconnect(n->hub, s->hc, op->now);
            s->hc = NULL;
        }
        release_handle(n, op->who);
        break;
    case OP_HTTP:
        hub_request(n, r, op);
        break;
    case OP_HTTP_GONE:
        hub_http_gone(n->hub, r);
        release_handle(n, op->who);
        break;
    default:
        break;
    }
    if (!op->borrowed) {
        free(op->data);
    }
}

/* Apply an op for loop `l`, on its thread. */
static void
loop_apply(struct loop *l, struct op *op)
{
    struct ws_session *s = (struct ws_session *)op->who;
    struct http_req *r = (struct http_req *)op->who;
    switch (op->kind) {
    case OP_ADOPT:
        loop_adopt(l, op->code, (struct conn *)op->data);
        break;
    case OP_SEND:
        ws_take(s, op->m);
        break;
    case OP_CLOSE:
        ws_close(s, op->code, op->data ? op->data : "");
        free(op->data);
        break;
    case OP_ANSWER:
        req_answer(r, op->code, op->data, op->len, op->text,
                   op->data ? op->data + LWS_PRE + op->len : NULL);
        break;
    case OP_RELEASE:
        if (op->who->kind == H_WS) {
            ws_free(s);
        } else {
            req_free(r);
        }
        break;
    default:
        op_drop(op);
        break;
    }
}
