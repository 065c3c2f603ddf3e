/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * net_fanout.c - the hub's output to WebSocket sessions
 * (docs/ARCHITECTURE.md, Fan-out): one buffer per message and loop, one
 * bounded ring of references per session, and the writes that drain it.
 *
 * One message buffer serves every recipient of a loop, shared by reference
 * count (atomic: the buffer crosses threads). Each loop gets a buffer of
 * its own, because lws_write() writes the frame header into the headroom of
 * the buffer it sends: the first loop to send a message has the hub's
 * buffer, the others a copy made once per hub turn (buffer_for(), a table
 * of copies per loop forgotten at each hand-off by copies_clear()).
 *
 * Each WebSocket session has a bounded ring of shared, reference-counted
 * messages; the WRITEABLE callback sends one with one lws_write(), then
 * more (up to WRITE_BATCH) only while lws says the socket takes them
 * without blocking. A session whose ring overflows (QUEUE_MAX messages or
 * QUEUE_BYTES, see queue_weight()) is closed (1008) and resumes later with
 * `since`: one slow client never holds memory or time that the others
 * need.
 *
 * Threads: io_send(), io_close(), buffer_for() and the copies run on the
 * hub's thread (the tables are the hub's per loop); the rings, ws_take(),
 * ws_close() and ws_writeable() on the session's loop. loop->queued and
 * loop->cut_off are atomics that /metrics reads from the hub's thread.
 */
#define _GNU_SOURCE
#include "net_impl.h"

#include "../err.h"
#include "../log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* --- the hub's output (hub_io, hub thread) -------------------------------- */

/* A pointer's slot in a table of mask + 1 slots (a power of two). */
static size_t
ptr_hash(const void *p, size_t mask)
{
    uint64_t x = (uint64_t)(uintptr_t)p;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    return (size_t)x & mask;
}

/* Room in loop `l`'s table of copies for one more. 0 or ERR_NOMEM. */
static int
copies_room(struct loop *l)
{
    if (2 * (l->ncopies + 1) <= l->copies_cap) {
        return 0;
    }
    size_t cap = l->copies_cap ? 2 * l->copies_cap : 64;
    struct msg **of = calloc(cap, sizeof(*of)), **cp = calloc(cap, sizeof(*cp));
    if (!of || !cp) {
        free(of);
        free(cp);
        return ERR_NOMEM;
    }
    for (size_t i = 0; i < l->copies_cap; i++) {
        if (l->copy_of[i]) {
            size_t j = ptr_hash(l->copy_of[i], cap - 1);
            while (of[j]) {
                j = (j + 1) & (cap - 1);
            }
            of[j] = l->copy_of[i];
            cp[j] = l->copy[i];
        }
    }
    free(l->copy_of);
    free(l->copy);
    l->copy_of = of;
    l->copy = cp;
    l->copies_cap = cap;
    return 0;
}

/* The buffer that loop `l` sends for the hub's message `m` (borrowed until
 * the end of the hub's turn): `m` itself for the first loop to send it, a
 * copy made once per turn for any other, so that no two threads write frame
 * headers into the same headroom. NULL when memory is short. */
static struct msg *
buffer_for(struct loop *l, struct msg *m)
{
    uint8_t me = (uint8_t)(l->idx + 1);
    if (m->writer == 0) {
        m->writer = me;
    }
    if (m->writer == me) {
        return m;
    }
    size_t i = 0, mask = l->copies_cap - 1;
    for (i = l->copies_cap ? ptr_hash(m, mask) : 0; l->copies_cap && l->copy_of[i];
         i = (i + 1) & mask) {
        if (l->copy_of[i] == m) {
            return l->copy[i];
        }
    }
    struct msg *c = copies_room(l) ? NULL : msg_new((const char *)msg_data(m), m->len);
    if (!c) {
        return NULL;
    }
    c->vis = m->vis;
    c->part = m->part;
    c->writer = me;
    mask = l->copies_cap - 1;
    i = ptr_hash(m, mask);
    while (l->copy_of[i]) {
        i = (i + 1) & mask;
    }
    msg_ref(m); /* held, so that its address is not reused within the turn */
    l->copy_of[i] = m;
    l->copy[i] = c;
    l->ncopies++;
    return c;
}

/* End of the hub's turn: forget this turn's copies (their queued sends hold
 * references of their own). */
void
copies_clear(struct loop *l)
{
    for (size_t i = 0; l->ncopies && i < l->copies_cap; i++) {
        if (l->copy_of[i]) {
            msg_unref(l->copy_of[i]);
            msg_unref(l->copy[i]);
            l->copy_of[i] = l->copy[i] = NULL;
            l->ncopies--;
        }
    }
}

/* hub_io.send: queue `m` (the hub keeps its own reference) for session
 * `netp` on its loop; when memory is short, the session is marked lost. */
void
io_send(void *ctx, void *netp, struct msg *m)
{
    (void)ctx;
    struct ws_session *s = netp;
    struct msg *b = buffer_for(s->h.loop, m);
    if (!b) {
        atomic_store(&s->h.lost, true);
        return;
    }
    msg_ref(b); /* the queue's, carried by the op */
    struct op op = {.kind = OP_SEND, .who = &s->h, .m = b};
    if (to_loop(&s->h, &op)) {
        msg_unref(b);
        atomic_store(&s->h.lost, true);
    }
}

/* hub_io.close: close session `netp` once what is queued for it is sent. */
void
io_close(void *ctx, void *netp, int status, const char *reason)
{
    (void)ctx;
    struct ws_session *s = netp;
    if (to_loop_direct(s->h.loop)) {
        ws_close(s, status, reason);
        return;
    }
    struct op op = {.kind = OP_CLOSE, .who = &s->h, .code = status, .data = strdup(reason)};
    if (!op.data || to_loop(&s->h, &op)) {
        free(op.data);
        atomic_store(&s->h.lost, true);
    }
}

/* --- each session's ring (loop side) -------------------------------------- */

/* Drop what is queued on the session (closing for lack of memory or speed,
 * or gone). */
void
ws_queue_clear(struct ws_session *s)
{
    atomic_fetch_sub_explicit(&s->h.loop->queued, s->len, memory_order_relaxed);
    while (s->len) {
        msg_unref(s->q[s->head]);
        s->head = (s->head + 1) % s->cap;
        s->len--;
    }
    s->bytes = 0;
}

/* What a message weighs against the session's QUEUE_BYTES. The bound is on
 * what a slow reader makes the server hold for it alone; the snapshot of a
 * welcome (the middle part) is one buffer shared by everyone welcomed at its
 * seq, which the meeting holds anyway, and a session is welcomed once. It
 * weighs nothing, so a meeting whose snapshot is larger than the bound (a
 * full agenda, long minutes) can still be joined. */
static size_t
queue_weight(const struct msg *m)
{
    return m->part == MSG_PART_MIDDLE ? 0 : m->len;
}

/* Room for one more message: grow the ring (keeping its order) if full.
 * 0, or -1 when the queue is at its bound or memory is short. */
static int
ws_queue_room(struct ws_session *s, size_t add)
{
    if (s->len == QUEUE_MAX || s->bytes + add > QUEUE_BYTES) {
        return -1;
    }
    if (s->len < s->cap) {
        return 0;
    }
    unsigned cap = s->cap * 2;
    struct msg **q = malloc(cap * sizeof(*q));
    if (!q) {
        return -1;
    }
    for (unsigned i = 0; i < s->len; i++) {
        q[i] = s->q[(s->head + i) % s->cap];
    }
    if (s->q != s->first) {
        free(s->q);
    }
    s->q = q;
    s->cap = cap;
    s->head = 0;
    return 0;
}

/* Close once what is queued is sent; the close frame goes out once the
 * socket takes it, and a peer that has stopped reading never lets it, so
 * the connection is dropped after CLOSE_GRACE_S anyway. */
void
ws_close(struct ws_session *s, int status, const char *reason)
{
    if (!s->wsi || s->closing) {
        return;
    }
    s->closing = true;
    s->close_status = status;
    snprintf(s->close_reason, sizeof(s->close_reason), "%s", reason);
    lws_set_timeout(s->wsi, PENDING_TIMEOUT_USER_OK, CLOSE_GRACE_S);
    lws_callback_on_writable(s->wsi);
}

/* Queue `m` on the session; steals a reference (dropped when it is not
 * queued). */
void
ws_take(struct ws_session *s, struct msg *m)
{
    struct loop *l = s->h.loop;
    if (!s->wsi || s->closing) {
        msg_unref(m);
        return;
    }
    if (ws_queue_room(s, queue_weight(m))) {
        /* Too slow: drop what is queued and cut it off; it resumes with `since`. */
        log_line(LOG_WARN, "connection too slow (%u messages, %zu bytes queued): closing",
                 s->len, s->bytes);
        msg_unref(m);
        ws_queue_clear(s);
        atomic_fetch_add_explicit(&l->cut_off, 1, memory_order_relaxed);
        /* Its socket is full, so the close frame may never go out: dropped anyway. */
        ws_close(s, 1008, "too slow, resume with since");
        return;
    }
    s->q[(s->head + s->len) % s->cap] = m;
    s->len++;
    s->bytes += queue_weight(m);
    atomic_fetch_add_explicit(&l->queued, 1, memory_order_relaxed);
    lws_callback_on_writable(s->wsi);
}

/* --- writing (loop side) ------------------------------------------------- */

/* Read and drop what the peer sent that nobody will read: a socket closed
 * with unread input sends RST, not FIN, and a peer that gets RST may drop
 * what it had not read yet, our last messages and the close frame among
 * them (a flooding client would never see why it was cut off). Bounded, so
 * that a peer still sending cannot hold the loop. */
static void
discard_input(struct lws *wsi)
{
    char sink[4096];
    int fd = lws_get_socket_fd(wsi);
    for (int i = 0; fd >= 0 && i < 64; i++) {
        if (recv(fd, sink, sizeof(sink), MSG_DONTWAIT) <= 0) {
            break;
        }
    }
}

/* The ping the idle sweep asked for. It carries a payload: lws hands a pong
 * to the callback only when it has one. */
static int
ws_write_ping(struct ws_session *s, struct lws *wsi)
{
    unsigned char ping[LWS_PRE + 4] = {0};
    memcpy(ping + LWS_PRE, "idle", 4);
    s->ping_due = false;
    if (lws_write(wsi, ping + LWS_PRE, 4, LWS_WRITE_PING) < 0) {
        return -1;
    }
    if (s->len) {
        lws_callback_on_writable(wsi);
    }
    return 0;
}

/* One write, and more while the socket takes them without blocking
 * (lws_send_pipe_choked(), as lws advises): the loop comes back to a
 * connection once per poll, so a backlog drained one message per visit
 * never drains. The chair of a meeting of ten thousand is sent ten thousand
 * arrivals in a join storm. */
static int
ws_write_queued(struct ws_session *s, struct lws *wsi)
{
    static const int kinds[] = {
        [MSG_PART_WHOLE] = LWS_WRITE_TEXT,
        [MSG_PART_FIRST] = LWS_WRITE_TEXT | LWS_WRITE_NO_FIN,
        [MSG_PART_MIDDLE] = LWS_WRITE_CONTINUATION | LWS_WRITE_NO_FIN,
        [MSG_PART_LAST] = LWS_WRITE_CONTINUATION,
    };
    struct loop *l = s->h.loop;
    int k = 0;
    for (; s->len && k < WRITE_BATCH; k++) {
        if (k > 0 && lws_send_pipe_choked(wsi)) {
            break;
        }
        struct msg *m = s->q[s->head];
        s->head = (s->head + 1) % s->cap;
        s->len--;
        s->bytes -= queue_weight(m);
        s->mid_message = m->part == MSG_PART_FIRST || m->part == MSG_PART_MIDDLE;
        int w =
            lws_write(wsi, msg_data(m), m->len, (enum lws_write_protocol)kinds[m->part]);
        msg_unref(m);
        if (w < 0) {
            atomic_fetch_sub_explicit(&l->queued, (unsigned)k + 1, memory_order_relaxed);
            return -1;
        }
    }
    atomic_fetch_sub_explicit(&l->queued, (unsigned)k, memory_order_relaxed);
    if (s->len || s->closing || s->ping_due) {
        lws_callback_on_writable(wsi);
    }
    return 0;
}

/* WRITEABLE for a session: a ping the idle sweep asked for (never inside a
 * message), else what is queued, else, when closing, the close frame. -1
 * ends the connection. */
int
ws_writeable(struct ws_session *s, struct lws *wsi)
{
    if (s->ping_due && !s->closing && !s->mid_message) {
        return ws_write_ping(s, wsi);
    }
    if (s->len) {
        return ws_write_queued(s, wsi);
    }
    if (s->closing) {
        discard_input(wsi);
        lws_close_reason(wsi, (enum lws_close_status)s->close_status,
                         (unsigned char *)s->close_reason, strlen(s->close_reason));
        return -1;
    }
    return 0;
}
