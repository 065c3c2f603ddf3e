/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * net.c - the libwebsockets shell around the hub, on one thread per core.
 *
 * Two protocols on one vhost: "http" (first, so lws uses it for plain HTTP)
 * serves web/ and the JSON API; "concerto.v1" is the WebSocket endpoint
 * /ws?meeting=ID.
 *
 * Loops. A broadcast to ten thousand connections is ten thousand send()s,
 * and on loopback each costs the sender about 8 us of kernel time (the
 * receiver's TCP work included): one thread cannot deliver a burst to
 * 10,000 members in much under 80 ms, whatever the application does. So
 * connections are spread over `threads` loops, each a thread with an lws
 * context of its own (Debian's lws 4.1.6 has one service thread per
 * context). A connection lives its whole life on one loop: its frames, its
 * queue, its static files. The hub stays on one thread, loop 0 (the main
 * thread; its slow record building goes to hub/worker.c, which wakes loop
 * 0 with net_wake() when done), which also owns the listening socket and
 * deals accepted sockets round robin:
 *
 *     accept (loop 0) -- fd ---------------------------------> loop k
 *     loop k -- connect, message, refuse, disconnect, http ---> hub (loop 0)
 *     hub    -- send, close, answer, release -----------------> loop k
 *
 * These hand-offs are queues of `struct op` behind a mutex: each side
 * collects its ops in a private queue during its turn, hands the whole
 * queue over once at the end of the turn (a swap when the other side has
 * emptied its own) and wakes the other loop with lws_cancel_service() only
 * when that queue was empty. Loop 0's own connections take no detour: its
 * ops are applied at once, so with one thread this is the single-threaded
 * server it was. A message buffer crosses threads by its (atomic)
 * reference count, and one buffer serves every recipient of a loop
 * (docs/ARCHITECTURE.md, Fan-out); each loop gets a buffer of its own, because lws_write()
 * writes the frame header into the headroom of the buffer it sends: the
 * first loop to send a message has the hub's buffer, the others a copy made
 * once per hub turn.
 *
 * A loop waits with lws's poll() loop, which scans all its sockets at each
 * wake-up, or (--event-loop epoll) with a libev loop of its own lent to lws
 * as a foreign loop and run one round at a time (loop_service()): a wake-up
 * then costs what is ready, but every message costs two epoll_ctl() (lws
 * starts and stops the write watcher), so poll stays the default.
 *
 * Sessions and requests are heap handles that outlive their wsi: the hub
 * may still send to a connection that its loop has just seen close. A loop
 * frees a handle only on the hub's `release`, which follows every op the
 * hub queued for it. A handle is on lists of its loop (live sessions,
 * requests awaiting the hub): it leaves each when its connection goes, and
 * whatever frees it unlinks it first (unwait()), since a client may leave
 * before its answer, in the same turn as its request.
 *
 * Admission. Every accepted connection is counted against its address
 * (loopback exempt: a reverse proxy is there) as an HTTP connection until
 * it becomes a WebSocket, when admit() counts it as one instead: each up to
 * --max-per-address. Beyond, an HTTP connection is answered 429 at once and
 * closed. The count lives in a `struct conn`, lws's opaque user data of the
 * connection from its adoption to LWS_CALLBACK_WSI_DESTROY. A request must
 * arrive whole within --http-timeout: lws bounds the headers, and a timer
 * of the connection bounds the body (lws restarts its own timeout with each
 * piece, so a body trickled a byte at a time would never end).
 *
 * Uploads. A document (POST /api/meetings/M/agenda/I/documents?name=N)
 * may be larger than API_BODY_MAX: up to --max-document, announced by its
 * Content-Length (required), and still within --http-timeout all told. Its
 * body is held in one buffer of that length, reserved before the first byte
 * is read against a budget shared by every loop (UPLOADS_IN_FLIGHT times
 * the limit): beyond it, and beyond the limit, the request is refused at
 * once (rate_limited, too_large) and its body never read. The share is
 * given back when the request is freed (answered, its connection closed or
 * timed out); /metrics shows the bytes held and the budget. The per-address
 * caps count an upload's connection like any other. Answers (a document
 * downloaded) are written REPLY_CHUNK bytes per WRITEABLE, so that lws
 * never copies a large remainder aside.
 *
 * Sending (docs/ARCHITECTURE.md, Fan-out): each WebSocket session has a bounded ring of
 * shared, reference-counted messages; the WRITEABLE callback sends one with
 * one lws_write(), then more (up to WRITE_BATCH) only while lws says the
 * socket takes them without blocking. A session whose ring overflows is
 * closed (1008) and resumes later with `since`: one slow client never holds
 * memory or time that the others need.
 *
 * Idle connections are pinged and dropped here, not by lws's validity timer:
 * lws keeps one timer per connection in a sorted list and moves it on every
 * message received, an insertion that walks the whole list, so ten thousand
 * connections made each hello and each ballot cost ten thousand steps. Here
 * a received message only stores the time; each loop's one-second tick walks
 * its sessions once.
 *
 * Static files: only GET/HEAD, only paths of [A-Za-z0-9._/-] without ".."
 * or a segment starting with ".", resolved with realpath() and checked to
 * stay under the web root, regular files only (so no directory listing),
 * served with the security headers and an explicit MIME type.
 */
#define _GNU_SOURCE
#include "net.h"

#include "../err.h"
#include "../hub/hub.h"
#include "../log.h"
#include "../proto/proto.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ev.h>
#include <libwebsockets.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

_Static_assert(MSG_PRE >= LWS_PRE, "message headroom must cover LWS_PRE");

#define QUEUE_MIN 8            /* a connection's queue starts this small... */
#define QUEUE_MAX 4096         /* ...and is cut off when this many messages wait */
#define QUEUE_BYTES (8u << 20) /* ...or this many bytes (see queue_weight()) */
#define ADDR_SLOTS 8192        /* client addresses tracked for the per-address cap */
#define FLOOD_WINDOW_S 10      /* refusals are counted over this many seconds... */
#define FLOOD_BURSTS 2         /* ...and this many bursts' worth of them cut a client off */
#define WRITE_BATCH 512        /* messages one WRITEABLE may send while the socket takes them */
#define CLOSE_GRACE_S 5        /* seconds a close frame may wait for the socket before a drop */
#define API_BODY_MAX (1 << 20) /* HTTP API request bodies */
#define DOCUMENT_MAX ((size_t)20 << 20)/* an uploaded document, unless --max-document says */
#define UPLOADS_IN_FLIGHT 4      /* documents' worth of upload bodies held at once, in all */
#define REPLY_CHUNK (256u << 10) /* bytes of an answer written per WRITEABLE */
#define IDLE_PING_MS 30000     /* a WebSocket silent this long is pinged (at the latest)... */
#define IDLE_PING_MIN_MS 20000 /* ...each after its own delay from here to IDLE_PING_MS... */
#define IDLE_DROP_MS 70000     /* ...and dropped when silent this long */
#define ACCEPT_BATCH 64        /* connections accepted per wake of the listener */
#define LOOPS_MAX 64
#define RX_MAX PROTO_MAX_MESSAGE

#define CSP                                                                                      \
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "           \
    "connect-src 'self'; frame-src https:; object-src 'none'; base-uri 'none'; "                 \
    "frame-ancestors 'none'; form-action 'self'"

static const char security_headers[] = "content-security-policy: " CSP "\r\n"
                                       "x-content-type-options: nosniff\r\n"
                                       "referrer-policy: no-referrer\r\n"
                                       "x-frame-options: DENY\r\n"
                                       "cross-origin-opener-policy: same-origin\r\n";

/* What one thread asks of another. Ops about a handle are applied in the
 * order they were made. */
enum op_kind {
    /* to the hub */
    OP_CONNECT,    /* a WebSocket session (its meeting and peer are in it) */
    OP_MESSAGE,    /* data: one complete message */
    OP_REFUSE,     /* code, text: a typed error for the session; then, if
                      status, close it with status and reason */
    OP_TOO_LARGE,  /* the session sent a message over the limit */
    OP_DISCONNECT, /* the session's connection is gone: answer with OP_RELEASE */
    OP_HTTP,       /* an API request (its fields are in it); data: its body */
    OP_HTTP_GONE,  /* the request's connection is gone: answer with OP_RELEASE */
    /* to a loop */
    OP_ADOPT,   /* code: an accepted socket; data: its struct conn */
    OP_SEND,    /* m: one reference, now the session's */
    OP_CLOSE,   /* code: WebSocket close status; data: reason */
    OP_ANSWER,  /* code: HTTP status; data: LWS_PRE, the body (len), a disposition */
    OP_RELEASE, /* the hub has forgotten the handle: free it */
};

struct op {
    enum op_kind kind;
    int code;
    struct handle *who;
    struct msg *m;
    char *data; /* owned by the op */
    size_t len;
    int64_t now;
    const char *text; /* static */
    int status;
    const char *reason; /* static */
    bool borrowed;    /* data is the caller's (applied at once, on its thread) */
};

/* A queue of ops: grown by doubling; a handed-over queue is swapped, not copied. */
struct opq {
    struct op *v;
    size_t n, cap;
};

enum handle_kind { H_WS, H_HTTP };

/* The common head of a WebSocket session and an HTTP request: what both
 * threads may touch. */
struct handle {
    enum handle_kind kind;
    /* set by the hub when an op for it could not be queued: the loop closes
     * the connection (or answers 503) at its next tick */
    atomic_bool lost;
    struct loop *loop;
    /* loop side: on loop->owed while its goodbye (OP_DISCONNECT, OP_HTTP_GONE)
     * waits for memory to be queued */
    struct handle *owed_next;
    /* hub side: on net->unreleased while its OP_RELEASE waits for memory */
    struct handle *release_next;
};

struct addr_slot {
    char addr[64];
    int conns; /* WebSockets */
    int http;  /* connections not (yet) WebSockets */
};

/* What a loop keeps about one connection, from its adoption to its end
 * (lws's opaque user data of the wsi): lws rebinds a connection's user
 * space between requests, this stays. */
struct conn {
    struct addr_slot *slot; /* counted in slot->http; NULL if not (loopback, WebSocket) */
    int64_t started;        /* when its current request may have begun (ms) */
};

struct ws_session;
struct http_req;

struct loop {
    struct net *n;
    unsigned idx;
    struct lws_context *ctx;
    struct lws_vhost *vh;
    struct ev_loop *ev; /* with --event-loop epoll: this loop's, lent to lws */
    pthread_t thread;
    lws_sorted_usec_list_t tick;
    lws_sorted_usec_list_t wake; /* loop 0: a flush the hub asked for (hub_wake_at) */
    struct ws_session *sessions; /* live WebSocket sessions, for the idle sweep */
    struct http_req *waiting;    /* requests the hub holds, for lost answers */
    struct handle *owed;         /* goodbyes not yet queued (memory) */
    struct opq out;              /* ops for the hub made in this loop's turn */
    struct opq work;             /* ops being applied */
    pthread_mutex_t mu;
    struct opq in;     /* ops for this loop, handed over (guarded by mu) */
    struct opq hubq;   /* the hub's ops for this loop in its turn (hub thread only) */
    struct msg **copy_of, **copy; /* this turn's copies of the hub's buffers for this loop,
                                     open addressing (hub thread only) */
    size_t ncopies, copies_cap;
    atomic_ullong queued;  /* messages waiting in this loop's WebSocket queues */
    atomic_ullong cut_off; /* connections closed for being too slow */
    uint32_t rng;          /* xorshift state for idle ping delays (this loop only) */
};

static int32_t ping_delay(struct loop *l);

struct net {
    struct net_config cfg;
    struct loop loops[LOOPS_MAX];
    unsigned nloops;
    unsigned next_loop; /* round robin of accepted sockets */
    int listen_fd;
    struct lws *listener;
    bool threaded; /* the other loops' threads run: their ops cross threads */
    pthread_mutex_t admit_mu; /* guards addrs and conns */
    struct addr_slot *addrs;  /* open addressing by client address */
    int conns;                /* WebSocket sessions */
    struct hub *hub;
    pthread_mutex_t hub_mu;
    struct opq hub_in;   /* ops for the hub from other loops (guarded by hub_mu) */
    struct opq hub_work; /* ops being applied (hub thread) */
    struct handle *unreleased; /* OP_RELEASEs not yet queued (hub thread) */
    int64_t emfile_logged;
    atomic_size_t uploading; /* bytes reserved by uploads in progress (all loops) */
    char web_root[PATH_MAX];
    atomic_int stop;
    atomic_int failed;
};

struct ws_session {
    /* What every delivery touches first, together: */
    struct handle h;
    struct lws *wsi;  /* NULL once the connection is gone */
    struct msg **q;   /* ring of cap slots: `first`, then grown by doubling up to QUEUE_MAX */
    unsigned cap, head, len;
    bool ping_due;    /* the idle sweep asks WRITEABLE for a ping */
    bool mid_message; /* a message's first frame went out, not yet its last */
    bool closing;
    bool pinged;      /* a ping went out since the peer was last heard */
    size_t bytes;     /* queued */
    struct msg *first[QUEUE_MIN];
    /* and the rest. */
    struct ws_session *prev, *next; /* in loop->sessions while live */
    int64_t heard;    /* when the peer last sent anything (ms) */
    int32_t ping_after; /* silence before a ping (ms), drawn again for each ping */
    bool hub_known;   /* OP_CONNECT went to the hub: a goodbye is owed */
    bool doomed;      /* refused and to be closed by the hub, after its error: input ignored */
    bool counted;     /* in n->conns and its address slot */
    bool discarding;
    char meeting[64];
    char addr[64];
    double tokens;    /* rate limit: messages that may be sent now */
    int64_t refill;   /* when tokens were last topped up (ms) */
    uint16_t refused[FLOOD_WINDOW_S]; /* messages refused for rate, per second (ring) */
    int64_t refused_s;                /* the second of the newest slot */
    int64_t warned;                   /* when the last rate_limited went out (ms) */
    char *rx;
    size_t rxlen;
    int close_status;
    char close_reason[64];
    struct hub_conn *hc; /* hub thread only */
};

struct http_req {
    struct handle h;
    struct lws *wsi;                  /* NULL once the connection is gone */
    struct http_req *wprev, *wnext;   /* in loop->waiting while listed */
    bool listed;                      /* in loop->waiting: the hub holds it and its client waits */
    bool in_hub;                      /* the hub holds it: a goodbye is owed if its client leaves */
    bool metrics; /* GET /metrics: answered by the hub's thread too */
    bool api;
    bool upload;      /* a document's upload: body up to document_max */
    size_t reserved;  /* bytes of n->uploading this request holds */
    char method[8];
    char path[512];
    char bearer[128];
    char name[256];   /* an upload's ?name=, decoded; "" when absent */
    char *body;
    size_t body_len;
    size_t body_cap;  /* an upload's buffer, sized from its Content-Length */
    bool too_large;
    /* the answer, once the hub gives it */
    bool answered;
    bool headers_sent;
    int status;
    const char *ctype;
    char disposition[PROTO_DISPOSITION_MAX];
    char *reply; /* LWS_PRE, then reply_len bytes */
    size_t reply_len;
    size_t reply_sent;
};

/* lws's per-connection user space holds only a pointer to the handle. */
struct slot {
    void *p;
};

int64_t
net_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct loop *
loop_of(struct lws *wsi)
{
    return lws_context_user(lws_get_context(wsi));
}

/* --- ops between threads ---------------------------------------------------- */

static int
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
static int
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
static bool
direct(const struct loop *l)
{
    return l->idx == 0 || !l->n->threaded;
}

/* Are the hub's ops for this loop applied at once? Only when there are no
 * other threads: loop 0's wait for the end of the hub's turn too, so that
 * the other loops are handed theirs (and start sending) first. */
static bool
hub_direct(const struct loop *l)
{
    return !l->n->threaded;
}

static void hub_apply(struct net *n, struct op *op);
static void loop_apply(struct loop *l, struct op *op);

/* An op from loop `l` for the hub: applied now on loop 0, else queued for
 * the end of the turn. ERR_NOMEM when it could not be queued. */
static int
to_hub(struct loop *l, struct op *op)
{
    if (direct(l)) {
        hub_apply(l->n, op);
        return 0;
    }
    return opq_push(&l->out, op);
}

/* An op from the hub for the loop of `who`. ERR_NOMEM when it could not be
 * queued (the caller marks the handle lost). */
static int
to_loop(struct handle *who, struct op *op)
{
    struct loop *l = who->loop;
    if (hub_direct(l)) {
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

static void copies_clear(struct loop *l);

/* Hand what the hub queued in its turn to each loop (hub thread). */
static void
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

static void goodbye(struct loop *l, struct handle *who);

/* Hand what loop `l` queued in its turn to the hub (loop thread). */
static void
loop_handoff(struct loop *l)
{
    struct net *n = l->n;
    struct handle *owed = l->owed;
    l->owed = NULL;
    while (owed) {
        struct handle *next = owed->owed_next;
        goodbye(l, owed);
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
static void
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
static void
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

/* --- WebSocket sessions (loop side) ---------------------------------------- */

static void
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
static void
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
static void
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

static void
ws_free(struct ws_session *s)
{
    if (s->q != s->first) {
        free(s->q);
    }
    free(s->rx);
    free(s);
}

/* Off loop->waiting (no-op when not on it). Every path that frees a request
 * or reuses it passes here first: the idle sweep walks that list. */
static void
unwait(struct http_req *r)
{
    if (!r->listed) {
        return;
    }
    struct loop *l = r->h.loop;
    if (r->wprev) {
        r->wprev->wnext = r->wnext;
    } else {
        l->waiting = r->wnext;
    }
    if (r->wnext) {
        r->wnext->wprev = r->wprev;
    }
    r->wprev = r->wnext = NULL;
    r->listed = false;
}

static void
upload_release(struct http_req *r)
{
    if (r->reserved) {
        atomic_fetch_sub(&r->h.loop->n->uploading, r->reserved);
        r->reserved = 0;
    }
}

static void
req_free(struct http_req *r)
{
    unwait(r);
    upload_release(r);
    free(r->body);
    free(r->reply);
    lws_explicit_bzero(r->bearer, sizeof(r->bearer));
    free(r);
}

/* Tell the hub that the handle's connection is gone (it answers with
 * OP_RELEASE); kept on loop->owed until that can be queued. */
static void
goodbye(struct loop *l, struct handle *who)
{
    struct op op = {.kind = who->kind == H_WS ? OP_DISCONNECT : OP_HTTP_GONE,
                    .who = who,
                    .now = net_now_ms()};
    if (to_hub(l, &op)) {
        who->owed_next = l->owed;
        l->owed = who;
    } else if (!direct(l) && l->out.n == 1) {
        /* lws closes timed-out connections before it polls: without a
         * wake, the hub would hear of it only after the next event here. */
        lws_cancel_service(l->ctx);
    }
}

/* One op for the hub about session `s`; if it cannot be queued, the session
 * is closed (1011) so that its client comes back and resumes. */
static void
ws_to_hub(struct ws_session *s, struct op *op)
{
    op->who = &s->h;
    if (to_hub(s->h.loop, op)) {
        free(op->data);
        log_line(LOG_ERROR, "out of memory: closing a connection");
        ws_close(s, 1011, "server out of memory, resume with since");
    }
}

/* Refuse something of the session's with a typed error; with a status,
 * the hub then closes it, so that the error goes out before the close. */
static void
ws_refuse(struct ws_session *s, int code, const char *message, int status, const char *reason)
{
    struct op op = {
        .kind = OP_REFUSE, .code = code, .text = message, .status = status, .reason = reason};
    s->doomed = status != 0;
    ws_to_hub(s, &op);
}

/* --- the hub's output (hub_io, hub thread) ---------------------------------- */

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
static void
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

static void
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

static void
io_close(void *ctx, void *netp, int status, const char *reason)
{
    (void)ctx;
    struct ws_session *s = netp;
    if (hub_direct(s->h.loop)) {
        ws_close(s, status, reason);
        return;
    }
    struct op op = {.kind = OP_CLOSE, .who = &s->h, .code = status, .data = strdup(reason)};
    if (!op.data || to_loop(&s->h, &op)) {
        free(op.data);
        atomic_store(&s->h.lost, true);
    }
}

static void req_answer(struct http_req *r, int status, char *reply, size_t len,
                       const char *ctype, const char *disposition);

/* An answer for request `r`: copied with LWS_PRE headroom and the
 * disposition after the body, then taken by r's loop. */
static void
answer(struct http_req *r, int status, const char *body, size_t len, const char *ctype,
       const char *filename)
{
    char disposition[PROTO_DISPOSITION_MAX] = "";
    if (filename) {
        proto_disposition(filename, disposition, sizeof(disposition));
    }
    size_t dlen = strlen(disposition);
    char *copy = malloc(LWS_PRE + len + dlen + 1);
    if (copy) {
        memcpy(copy + LWS_PRE, body, len);
        memcpy(copy + LWS_PRE + len, disposition, dlen + 1);
    }
    if (hub_direct(r->h.loop)) {
        req_answer(r, copy ? status : 503, copy, copy ? len : 0, ctype, disposition);
        return;
    }
    struct op op = {.kind = OP_ANSWER,
                    .who = &r->h,
                    .code = status,
                    .data = copy,
                    .len = len,
                    .text = ctype};
    if (!copy || to_loop(&r->h, &op)) {
        free(copy);
        atomic_store(&r->h.lost, true);
    }
}

static void
io_http(void *ctx, void *req, int status, const char *body, size_t len)
{
    (void)ctx;
    answer(req, status, body, len, NULL, NULL);
}

static void
io_file(void *ctx, void *req, const char *body, size_t len, const char *ctype,
        const char *filename)
{
    (void)ctx;
    answer(req, 200, body, len, ctype, filename);
}

/* --- connection limits ------------------------------------------------------ */

static bool
loopback(const char *a)
{
    return strncmp(a, "127.", 4) == 0 || strcmp(a, "::1") == 0 ||
           strncmp(a, "::ffff:127.", 11) == 0;
}

/* The slot of `a` (existing, or the first free one on its probe path); NULL if full. */
static struct addr_slot *
addr_slot(struct net *n, const char *a)
{
    uint32_t hsh = 2166136261u;
    for (const char *p = a; *p; p++) {
        hsh = (hsh ^ (uint8_t)*p) * 16777619u;
    }
    struct addr_slot *free_slot = NULL;
    for (uint32_t i = 0; i < ADDR_SLOTS; i++) {
        struct addr_slot *s = &n->addrs[(hsh + i) & (ADDR_SLOTS - 1)];
        if (strcmp(s->addr, a) == 0) {
            return s;
        }
        if (!s->addr[0]) {
            return free_slot ? free_slot : s;
        }
        if (s->conns == 0 && s->http == 0 && !free_slot) {
            free_slot = s; /* reusable, but the address may be further on */
        }
    }
    return free_slot;
}

/* Admit a new WebSocket from s->addr, or say why not (any loop's thread). */
static const char *
admit(struct net *n, struct ws_session *s)
{
    int max = n->cfg.max_connections ? n->cfg.max_connections : 20000;
    int per = n->cfg.max_per_address ? n->cfg.max_per_address : 200;
    const char *why = NULL;
    pthread_mutex_lock(&n->admit_mu);
    struct addr_slot *slot = loopback(s->addr) ? NULL : addr_slot(n, s->addr);
    if (n->conns >= max) {
        why = "the server is full, try again later";
    } else if (slot && strcmp(slot->addr, s->addr) == 0 && slot->conns >= per) {
        why = "too many connections from your address";
    } else {
        if (slot) {
            if (strcmp(slot->addr, s->addr) != 0) {
                snprintf(slot->addr, sizeof(slot->addr), "%s", s->addr);
                slot->conns = 0;
                slot->http = 0;
            }
            slot->conns++;
        }
        s->counted = true;
        n->conns++;
    }
    pthread_mutex_unlock(&n->admit_mu);
    return why;
}

static void
release(struct net *n, struct ws_session *s)
{
    if (!s->counted) {
        return;
    }
    s->counted = false;
    pthread_mutex_lock(&n->admit_mu);
    n->conns--;
    struct addr_slot *slot = loopback(s->addr) ? NULL : addr_slot(n, s->addr);
    if (slot && strcmp(slot->addr, s->addr) == 0 && slot->conns > 0) {
        slot->conns--;
    }
    pthread_mutex_unlock(&n->admit_mu);
}

/* Seconds a client has to send a whole request. */
static int
http_timeout(const struct net *n)
{
    return n->cfg.http_timeout ? n->cfg.http_timeout : 10;
}

/* Count a new connection from `ss` in its address's HTTP connections
 * (c->slot), unless it is loopback; ERR_RATE_LIMITED when that address
 * already has max_per_address of them (accepting thread). */
static int
admit_http(struct net *n, const struct sockaddr_storage *ss, struct conn *c)
{
    char a[64] = "";
    if (ss->ss_family == AF_INET) {
        inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, a, sizeof(a));
    } else if (ss->ss_family == AF_INET6) {
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, a, sizeof(a));
    }
    if (!a[0] || loopback(a)) {
        return 0;
    }
    int per = n->cfg.max_per_address ? n->cfg.max_per_address : 200, rc = 0;
    pthread_mutex_lock(&n->admit_mu);
    struct addr_slot *slot = addr_slot(n, a);
    if (slot && strcmp(slot->addr, a) == 0 && slot->http >= per) {
        rc = ERR_RATE_LIMITED;
    } else if (slot) {
        if (strcmp(slot->addr, a) != 0) {
            snprintf(slot->addr, sizeof(slot->addr), "%s", a);
            slot->conns = 0;
            slot->http = 0;
        }
        slot->http++;
        c->slot = slot;
    }
    pthread_mutex_unlock(&n->admit_mu);
    return rc;
}

/* The connection of `c` is no longer counted as an HTTP connection (it is a
 * WebSocket now, or gone). Any thread. */
static void
conn_uncount(struct net *n, struct conn *c)
{
    if (!c || !c->slot) {
        return;
    }
    pthread_mutex_lock(&n->admit_mu);
    if (c->slot->http > 0) {
        c->slot->http--;
    }
    pthread_mutex_unlock(&n->admit_mu);
    c->slot = NULL;
}

/* The connection of `c` is gone: uncount and free it. NULL-safe. */
static void
conn_end(struct net *n, struct conn *c)
{
    conn_uncount(n, c);
    free(c);
}

/* The connection of `wsi` is over (WSI_DESTROY): its count goes. */
static void
conn_gone(struct net *n, struct lws *wsi)
{
    struct conn *c = lws_get_opaque_user_data(wsi);
    if (c) {
        lws_set_opaque_user_data(wsi, NULL);
        conn_end(n, c);
    }
}

/* The connection's request is done: the next one has --http-timeout from now. */
static void
conn_next(struct lws *wsi)
{
    struct conn *c = lws_get_opaque_user_data(wsi);
    if (c) {
        c->started = net_now_ms();
    }
}

/* Token bucket: may the session send one more message now? */
static bool
rate_ok(struct net *n, struct ws_session *s, int64_t now)
{
    double rate = n->cfg.msg_rate ? n->cfg.msg_rate : 20, burst = 2 * rate;
    if (s->refill == 0) {
        s->tokens = burst;
    } else {
        s->tokens += (double)(now - s->refill) * rate / 1000.0;
        s->tokens = s->tokens > burst ? burst : s->tokens;
    }
    s->refill = now;
    if (s->tokens < 1) {
        return false;
    }
    s->tokens -= 1;
    return true;
}

/* Count one message refused for rate at `now`: the refusals of the last
 * FLOOD_WINDOW_S seconds, this one included. A window, not a count since
 * the last accepted message: a client sending at twice its rate has every
 * other message accepted, and would never be cut off. */
static unsigned
refusals(struct ws_session *s, int64_t now)
{
    int64_t sec = now / 1000;
    if (sec - s->refused_s >= FLOOD_WINDOW_S) {
        memset(s->refused, 0, sizeof(s->refused));
    } else {
        for (int64_t t = s->refused_s + 1; t <= sec; t++) {
            s->refused[t % FLOOD_WINDOW_S] = 0;
        }
    }
    if (sec > s->refused_s) {
        s->refused_s = sec;
    }
    uint16_t *slot = &s->refused[s->refused_s % FLOOD_WINDOW_S];
    *slot += *slot < UINT16_MAX;
    unsigned sum = 0;
    for (int i = 0; i < FLOOD_WINDOW_S; i++) {
        sum += s->refused[i];
    }
    return sum;
}

/* Is the Origin of this upgrade acceptable? No Origin (not a browser), the
 * server's own (same host), or one of --allow-origin. */
static bool
origin_ok(struct net *n, struct lws *wsi)
{
    char origin[256], host[256], own[300];
    if (lws_hdr_copy(wsi, origin, sizeof(origin), WSI_TOKEN_ORIGIN) <= 0) {
        return lws_hdr_total_length(wsi, WSI_TOKEN_ORIGIN) == 0;
    }
    if (lws_hdr_copy(wsi, host, sizeof(host), WSI_TOKEN_HOST) > 0) {
        snprintf(own, sizeof(own), "http://%s", host);
        if (strcmp(origin, own) == 0) {
            return true;
        }
        snprintf(own, sizeof(own), "https://%s", host);
        if (strcmp(origin, own) == 0) {
            return true;
        }
    }
    for (const char *const *o = n->cfg.origins; o && *o; o++) {
        if (strcmp(origin, *o) == 0) {
            return true;
        }
    }
    return false;
}

static const char *
reason_phrase(int status)
{
    switch (status) {
    case 400:
        return "Bad Request";
    case 403:
        return "Forbidden";
    case 408:
        return "Request Timeout";
    case 429:
        return "Too Many Requests";
    default:
        return "Error";
    }
}

/* An HTTP/1.1 error answer with the API's JSON body, written on socket `fd`
 * at once in one send() and never waited for: a few hundred bytes fit the
 * buffer of a connection that has been sent nothing else. */
static void
send_error(int fd, int code, const char *message)
{
    char *e = proto_http_error(code, message);
    const char *body = e ? e : "{}";
    int status = err_http_status(code);
    char out[1024];
    int len = snprintf(out, sizeof(out),
                       "HTTP/1.1 %d %s\r\n"
                       "content-type: application/json\r\n"
                       "content-length: %zu\r\n"
                       "cache-control: no-store\r\n"
                       "x-content-type-options: nosniff\r\n"
                       "connection: close\r\n"
                       "\r\n%s",
                       status, reason_phrase(status), strlen(body), body);
    free(e);
    if (fd >= 0 && len > 0 && (size_t)len < sizeof(out)) {
        ssize_t sent = send(fd, out, (size_t)len, MSG_NOSIGNAL | MSG_DONTWAIT);
        (void)sent; /* a peer already gone needs no answer */
    }
}

/* Refuse a WebSocket upgrade with the API's HTTP status and JSON error
 * (PROTOCOL.md 4), so that a client library reports the status: lws has
 * read the request and sent nothing yet, and closes the connection once
 * this returns. */
static void
upgrade_refuse(struct lws *wsi, int code, const char *message)
{
    send_error(lws_get_socket_fd(wsi), code, message);
}

/* Does the upgrade offer our subprotocol (Sec-WebSocket-Protocol, a list)? */
static bool
offers_ours(struct lws *wsi)
{
    char list[256];
    if (lws_hdr_copy(wsi, list, sizeof(list), WSI_TOKEN_PROTOCOL) <= 0) {
        return false;
    }
    for (char *save = NULL, *t = strtok_r(list, ", \t", &save); t;
         t = strtok_r(NULL, ", \t", &save)) {
        if (strcmp(t, "concerto.v1") == 0) {
            return true;
        }
    }
    return false;
}

static void
query_meeting(struct lws *wsi, char *out, size_t outlen)
{
    char frag[128];
    out[0] = 0;
    for (int i = 0; i < 16; i++) {
        int n = lws_hdr_copy_fragment(wsi, frag, sizeof(frag), WSI_TOKEN_HTTP_URI_ARGS, i);
        if (n <= 0) {
            break;
        }
        if (strncmp(frag, "meeting=", 8) == 0) {
            size_t len = strlen(frag + 8);
            if (len < outlen) { /* a longer id is no id: hello will say bad_token */
                memcpy(out, frag + 8, len + 1);
            }
            return;
        }
    }
}

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

static int
cb_ws(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
    struct slot *slot = user;
    struct ws_session *s = slot ? slot->p : NULL;
    struct loop *l = loop_of(wsi);
    struct net *n = l->n;
    char uri[64];

    switch (reason) {
    case LWS_CALLBACK_ESTABLISHED: {
        slot->p = NULL;
        if (lws_hdr_copy(wsi, uri, sizeof(uri), WSI_TOKEN_GET_URI) <= 0 ||
            strcmp(uri, "/ws") != 0) {
            log_line(LOG_WARN, "WebSocket on a path other than /ws: refused");
            return -1;
        }
        /* A WebSocket now: counted by admit(), not as an HTTP connection. */
        conn_uncount(n, lws_get_opaque_user_data(wsi));
        s = calloc(1, sizeof(*s));
        if (!s) {
            return -1;
        }
        s->h.kind = H_WS;
        s->h.loop = l;
        s->q = s->first;
        s->cap = QUEUE_MIN;
        query_meeting(wsi, s->meeting, sizeof(s->meeting));
        lws_get_peer_simple(wsi, s->addr, sizeof(s->addr));
        struct op op = {.kind = OP_CONNECT, .who = &s->h};
        s->wsi = wsi;
        if (to_hub(l, &op)) {
            ws_free(s);
            return -1;
        }
        s->hub_known = true;
        slot->p = s;
        s->heard = net_now_ms();
        s->ping_after = ping_delay(l);
        s->next = l->sessions;
        if (l->sessions) {
            l->sessions->prev = s;
        }
        l->sessions = s;
        const char *why = admit(n, s);
        if (why) {
            log_line(LOG_WARN, "connection from %s refused: %s", s->addr, why);
            ws_refuse(s, ERR_RATE_LIMITED, why, 1013, "try again later");
        }
        return 0;
    }

    case LWS_CALLBACK_RECEIVE_PONG:
        if (s) {
            s->heard = net_now_ms();
            s->pinged = false;
        }
        return 0;

    case LWS_CALLBACK_RECEIVE:
        if (!s || s->closing || s->doomed) {
            return 0;
        }
        s->heard = net_now_ms();
        s->pinged = false;
        if (lws_is_first_fragment(wsi)) {
            s->rxlen = 0;
            s->discarding = false;
        }
        if (!s->discarding && s->rxlen + len > RX_MAX) {
            s->discarding = true;
            free(s->rx);
            s->rx = NULL;
            s->rxlen = 0;
            struct op op = {.kind = OP_TOO_LARGE};
            ws_to_hub(s, &op);
        }
        bool whole = lws_is_first_fragment(wsi) && lws_is_final_fragment(wsi) &&
                     lws_remaining_packet_payload(wsi) == 0;
        if (!s->discarding && !whole) {
            /* Fragments only: most messages arrive whole and are read in place. */
            char *rx = realloc(s->rx, s->rxlen + len + 1);
            if (!rx) {
                return -1;
            }
            s->rx = rx;
            memcpy(s->rx + s->rxlen, in, len);
            s->rxlen += len;
        }
        if (lws_is_final_fragment(wsi) && lws_remaining_packet_payload(wsi) == 0 &&
            !s->discarding) {
            int64_t now = net_now_ms();
            if (!rate_ok(n, s, now)) {
                /* Slowed first, with a clear error (one a second at most);
                 * cut off if it goes on. */
                unsigned burst = 2 * (unsigned)(n->cfg.msg_rate ? n->cfg.msg_rate : 20);
                if (refusals(s, now) > FLOOD_BURSTS * burst) {
                    log_line(LOG_WARN, "connection from %s flooding: closing", s->addr);
                    ws_refuse(s, ERR_RATE_LIMITED, "flooding: disconnected", 1008, "flooding");
                } else if (now - s->warned >= 1000) {
                    s->warned = now;
                    ws_refuse(s, ERR_RATE_LIMITED, "too many messages, slow down", 0, NULL);
                }
            } else if (direct(l)) {
                /* Read in place: the hub copies what it keeps. */
                struct op op = {.kind = OP_MESSAGE,
                                .who = &s->h,
                                .data = whole ? in : s->rx,
                                .len = whole ? len : s->rxlen,
                                .now = now,
                                .borrowed = true};
                hub_apply(n, &op);
            } else {
                struct op op = {.kind = OP_MESSAGE, .len = whole ? len : s->rxlen, .now = now};
                op.data = whole ? malloc(len) : s->rx;
                if (whole && op.data) {
                    memcpy(op.data, in, len);
                } else if (!whole) {
                    s->rx = NULL; /* the op owns it now */
                }
                if (!op.data) {
                    log_line(LOG_ERROR, "out of memory: closing a connection");
                    ws_close(s, 1011, "server out of memory, resume with since");
                } else {
                    ws_to_hub(s, &op);
                }
            }
            s->rxlen = 0;
            free(s->rx);
            s->rx = NULL;
        }
        return 0;

    case LWS_CALLBACK_SERVER_WRITEABLE:
        if (!s) {
            return -1;
        }
        if (s->ping_due && !s->closing && !s->mid_message) {
            /* A payload: lws hands a pong to the callback only when it has one. */
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
        if (s->len) {
            /* One write, and more while the socket takes them without
             * blocking (lws_send_pipe_choked(), as lws advises): the loop
             * comes back to a connection once per poll, so a backlog drained
             * one message per visit never drains. The chair of a meeting of
             * ten thousand is sent ten thousand arrivals in a join storm. */
            int k = 0;
            for (; s->len && k < WRITE_BATCH; k++) {
                if (k > 0 && lws_send_pipe_choked(wsi)) {
                    break;
                }
                struct msg *m = s->q[s->head];
                s->head = (s->head + 1) % s->cap;
                s->len--;
                s->bytes -= queue_weight(m);
                static const int kinds[] = {
                    [MSG_PART_WHOLE] = LWS_WRITE_TEXT,
                    [MSG_PART_FIRST] = LWS_WRITE_TEXT | LWS_WRITE_NO_FIN,
                    [MSG_PART_MIDDLE] = LWS_WRITE_CONTINUATION | LWS_WRITE_NO_FIN,
                    [MSG_PART_LAST] = LWS_WRITE_CONTINUATION,
                };
                s->mid_message = m->part == MSG_PART_FIRST || m->part == MSG_PART_MIDDLE;
                int w = lws_write(wsi, msg_data(m), m->len,
                                  (enum lws_write_protocol)kinds[m->part]);
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
        if (s->closing) {
            discard_input(wsi);
            lws_close_reason(wsi, (enum lws_close_status)s->close_status,
                             (unsigned char *)s->close_reason, strlen(s->close_reason));
            return -1;
        }
        return 0;

    case LWS_CALLBACK_CLOSED:
        if (!s) {
            return 0;
        }
        slot->p = NULL;
        if (s->prev) {
            s->prev->next = s->next;
        } else {
            l->sessions = s->next;
        }
        if (s->next) {
            s->next->prev = s->prev;
        }
        s->prev = s->next = NULL;
        s->wsi = NULL;
        release(n, s);
        ws_queue_clear(s);
        free(s->rx);
        s->rx = NULL;
        if (s->hub_known) {
            goodbye(l, &s->h); /* freed at the hub's OP_RELEASE */
        } else {
            ws_free(s);
        }
        return 0;

    case LWS_CALLBACK_WSI_DESTROY:
        conn_gone(n, wsi);
        return 0;

    default:
        return 0;
    }
}

static const struct {
    const char *ext, *mime;
} mimes[] = {
    {".html", "text/html; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".ico", "image/x-icon"},
    {".woff2", "font/woff2"},
    {".txt", "text/plain; charset=utf-8"},
    {".pub", "text/plain; charset=utf-8"},
    {".webmanifest", "application/manifest+json"},
};

static const char *
mime_of(const char *path)
{
    const char *dot = strrchr(path, '.');
    for (size_t i = 0; dot && i < sizeof(mimes) / sizeof(mimes[0]); i++) {
        if (strcmp(dot, mimes[i].ext) == 0) {
            return mimes[i].mime;
        }
    }
    return NULL;
}

/* Map a request path to a file under the web root; 0 or ERR_NOT_FOUND. */
static int
static_path(const struct net *n, const char *path, char *out, size_t outlen)
{
    char rel[512];
    if (strcmp(path, "/") == 0 || strcmp(path, "/index.html") == 0 ||
        strncmp(path, "/m/", 3) == 0 || strcmp(path, "/admin") == 0) {
        /* The page routes /m/ID itself; the id is checked at hello. */
        snprintf(rel, sizeof(rel), "/index.html");
    } else {
        size_t len = strlen(path);
        if (len >= sizeof(rel) || path[0] != '/') {
            return ERR_NOT_FOUND;
        }
        for (size_t i = 0; i < len; i++) {
            char c = path[i];
            bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '_' || c == '-' || c == '/';
            if (!ok || (c == '/' && (path[i + 1] == '.' || path[i + 1] == '/'))) {
                return ERR_NOT_FOUND;
            }
        }
        memcpy(rel, path, len + 1);
    }
    char joined[PATH_MAX + 512], real[PATH_MAX];
    snprintf(joined, sizeof(joined), "%s%s", n->web_root, rel);
    if (!realpath(joined, real)) {
        return ERR_NOT_FOUND;
    }
    size_t root = strlen(n->web_root);
    if (strncmp(real, n->web_root, root) != 0 || real[root] != '/') {
        return ERR_NOT_FOUND;
    }
    struct stat st;
    if (stat(real, &st) != 0 || !S_ISREG(st.st_mode) || !mime_of(real)) {
        return ERR_NOT_FOUND;
    }
    snprintf(out, outlen, "%s", real);
    return 0;
}

/* --- HTTP ---------------------------------------------------------------- */

/* Take the hub's answer (loop side): `reply` (steals; NULL when memory was
 * short) holds LWS_PRE bytes, then len bytes of body. */
static void
req_answer(struct http_req *r, int status, char *reply, size_t len, const char *ctype,
           const char *disposition)
{
    r->in_hub = false;
    unwait(r);
    if (!r->wsi || r->answered) {
        free(reply);
        return;
    }
    free(r->reply);
    r->reply = reply;
    r->reply_len = reply ? len : 0;
    r->status = reply ? status : 503;
    r->ctype = ctype;
    snprintf(r->disposition, sizeof(r->disposition), "%s", disposition ? disposition : "");
    r->answered = true;
    lws_callback_on_writable(r->wsi);
}

/* Answer at once from the HTTP callback (for errors found before the hub). */
static void
http_fail_now(struct http_req *r, int code, const char *message)
{
    char *e = proto_http_error(code, message);
    const char *body = e ? e : "{}";
    size_t len = strlen(body);
    char *reply = malloc(LWS_PRE + len);
    if (reply) {
        memcpy(reply + LWS_PRE, body, len);
    }
    req_answer(r, err_http_status(code), reply, len, NULL, NULL);
    free(e);
}

/* Give the request to the hub (its fields are set). */
static void
http_to_hub(struct loop *l, struct http_req *r)
{
    /* --http-timeout bounds the request's arrival, and it has arrived:
     * lws's own timeout (set when the headers came, restarted by each piece
     * of the body) goes, or a record that takes longer to make than the
     * timeout would never be answered. The answer's sending has lws's
     * timeouts of its own, and a client that leaves is seen (CLOSED_HTTP). */
    lws_set_timeout(r->wsi, NO_PENDING_TIMEOUT, 0);
    r->in_hub = true;
    r->listed = true;
    r->wprev = NULL;
    r->wnext = l->waiting;
    if (l->waiting) {
        l->waiting->wprev = r;
    }
    l->waiting = r;
    struct op op = {.kind = OP_HTTP,
                    .who = &r->h,
                    .data = r->body,
                    .len = r->body_len,
                    .now = net_now_ms(),
                    .borrowed = direct(l)};
    if (!direct(l)) {
        r->body = NULL; /* the op owns it now */
        r->body_len = 0;
    }
    if (to_hub(l, &op)) {
        free(op.data);
        http_fail_now(r, ERR_NOMEM, NULL);
    }
}

/* The request's connection is gone or moves on to a WebSocket: free it, or
 * tell the hub first if it holds it. */
static void
http_detach(struct loop *l, struct slot *slot)
{
    struct http_req *r = slot ? slot->p : NULL;
    if (!r) {
        return;
    }
    slot->p = NULL;
    r->wsi = NULL;
    unwait(r); /* nobody to answer any more */
    if (r->in_hub) {
        goodbye(l, &r->h); /* freed at the hub's OP_RELEASE */
    } else {
        req_free(r);
    }
}

static const char *
method_of(struct lws *wsi)
{
    if (lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI)) {
        return "GET";
    }
    if (lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI)) {
        return "POST";
    }
    if (lws_hdr_total_length(wsi, WSI_TOKEN_DELETE_URI)) {
        return "DELETE";
    }
    if (lws_hdr_total_length(wsi, WSI_TOKEN_HEAD_URI)) {
        return "HEAD";
    }
    return "OTHER";
}

static void
read_bearer(struct lws *wsi, char *out, size_t outlen)
{
    char auth[200];
    out[0] = 0;
    if (lws_hdr_copy(wsi, auth, sizeof(auth), WSI_TOKEN_HTTP_AUTHORIZATION) > 0 &&
        strncmp(auth, "Bearer ", 7) == 0 && strlen(auth + 7) < outlen) {
        memcpy(out, auth + 7, strlen(auth + 7) + 1); /* longer is no token: unauthorized */
    }
    lws_explicit_bzero(auth, sizeof(auth));
}

static int
http_write_reply(struct lws *wsi, struct http_req *r)
{
    if (!r->headers_sent) {
        unsigned char hdr[LWS_PRE + 2048];
        unsigned char *start = hdr + LWS_PRE, *p = start, *end = hdr + sizeof(hdr) - 1;
        if (lws_add_http_common_headers(wsi, (unsigned int)r->status,
                                        r->ctype ? r->ctype : "application/json", r->reply_len, &p,
                                        end) ||
            lws_add_http_header_by_name(wsi, (const unsigned char *)"cache-control:",
                                        (const unsigned char *)"no-store", 8, &p, end) ||
            lws_add_http_header_by_name(wsi, (const unsigned char *)"content-security-policy:",
                                        (const unsigned char *)CSP, (int)strlen(CSP), &p, end) ||
            lws_add_http_header_by_name(wsi, (const unsigned char *)"x-content-type-options:",
                                        (const unsigned char *)"nosniff", 7, &p, end) ||
            lws_add_http_header_by_name(wsi, (const unsigned char *)"connection:",
                                        (const unsigned char *)"close", 5, &p, end) ||
            (r->disposition[0] &&
             lws_add_http_header_by_name(wsi, (const unsigned char *)"content-disposition:",
                                         (const unsigned char *)r->disposition,
                                         (int)strlen(r->disposition), &p, end)) ||
            lws_finalize_write_http_header(wsi, start, &p, end)) {
            return -1;
        }
        r->headers_sent = true;
        lws_callback_on_writable(wsi);
        return 0;
    }
    if (r->reply_sent < r->reply_len) {
        /* The bytes before the piece (LWS_PRE, or what was sent) are its headroom. */
        size_t piece = r->reply_len - r->reply_sent;
        bool last = piece <= REPLY_CHUNK;
        piece = last ? piece : REPLY_CHUNK;
        if (lws_write(wsi, (unsigned char *)r->reply + LWS_PRE + r->reply_sent, piece,
                      last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) < (int)piece) {
            return -1;
        }
        r->reply_sent += piece;
        if (!last) {
            lws_callback_on_writable(wsi);
            return 0;
        }
    }
    /* Done: the handle goes, and so does the connection. lws 4.1.6 cannot
     * take a pipelined request with a body after an answer given from
     * WRITEABLE (rather than from the HTTP callback, as static files are):
     * its loop spins on the request forever. So API answers say
     * "connection: close" and end their connection; only static files keep
     * theirs alive. */
    struct slot *slot = lws_wsi_user(wsi);
    if (slot && slot->p == r) {
        slot->p = NULL;
    }
    req_free(r);
    return -1;
}

/* The request handle of this connection, fresh for a new request. */
static struct http_req *
http_begin(struct loop *l, struct lws *wsi, struct slot *slot)
{
    struct http_req *r = slot->p;
    if (r && r->in_hub) {
        http_detach(l, slot); /* cannot happen with lws's one request at a time */
        r = NULL;
    }
    if (r) {
        unwait(r);
        upload_release(r);
        free(r->body);
        free(r->reply);
        lws_explicit_bzero(r->bearer, sizeof(r->bearer));
        memset(r, 0, sizeof(*r));
    } else {
        r = calloc(1, sizeof(*r));
        if (!r) {
            return NULL;
        }
        slot->p = r;
    }
    r->h.kind = H_HTTP;
    r->h.loop = l;
    r->wsi = wsi;
    return r;
}

/* Serve accepted socket `fd` on loop `l`; steals `c`, which stays with the
 * connection until LWS_CALLBACK_WSI_DESTROY. */
static void
adopt(struct loop *l, int fd, struct conn *c)
{
    struct lws *wsi = lws_adopt_socket_vhost(l->vh, fd); /* closes fd on failure */
    if (!wsi) {
        conn_end(l->n, c);
        return;
    }
    lws_set_opaque_user_data(wsi, c);
}

/* Accept what the listener has (loop 0) and deal the sockets to the loops. */
static void
accept_some(struct net *n)
{
    for (int i = 0; i < ACCEPT_BATCH; i++) {
        struct sockaddr_storage ss;
        socklen_t sslen = sizeof(ss);
        int fd =
            accept4(n->listen_fd, (struct sockaddr *)&ss, &sslen, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                int64_t now = net_now_ms();
                if (now - n->emfile_logged > 10000) {
                    n->emfile_logged = now;
                    log_line(LOG_ERROR, "cannot accept a connection: %s", strerror(errno));
                }
            }
            return;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        struct conn *c = calloc(1, sizeof(*c));
        if (!c) {
            close(fd);
            continue;
        }
        if (admit_http(n, &ss, c)) {
            /* Over the cap: answered at once, never read (a reset may
             * lose the answer: the client is told if it can be). */
            send_error(fd, ERR_RATE_LIMITED, "too many connections from your address");
            close(fd);
            free(c);
            continue;
        }
        c->started = net_now_ms();
        struct loop *l = &n->loops[n->next_loop++ % n->nloops];
        struct op op = {.kind = OP_ADOPT, .code = fd, .data = (char *)c};
        if (direct(l)) {
            adopt(l, fd, c);
        } else if (opq_push(&l->hubq, &op)) {
            close(fd);
            conn_end(n, c);
        }
    }
}

static size_t
document_max(const struct net *n)
{
    return n->cfg.document_max ? n->cfg.document_max : DOCUMENT_MAX;
}

/* Is `path` where documents are uploaded: /api/meetings/M/agenda/I/documents? */
static bool
upload_path(const char *path)
{
    static const char pre[] = "/api/meetings/", post[] = "/documents";
    size_t len = strlen(path);
    if (strncmp(path, pre, sizeof(pre) - 1) != 0 || len < sizeof(pre) + sizeof(post) ||
        strcmp(path + len - (sizeof(post) - 1), post) != 0) {
        return false;
    }
    const char *p = path + sizeof(pre) - 1, *end = path + len - (sizeof(post) - 1);
    const char *slash = memchr(p, '/', (size_t)(end - p));
    return slash && slash > p && strncmp(slash, "/agenda/", 8) == 0 && slash + 8 < end &&
           !memchr(slash + 8, '/', (size_t)(end - slash - 8));
}

/* An upload's start: its name, its Content-Length against the limit and the
 * budget of uploads in flight, its buffer. Nonzero when it was refused (the
 * answer is on its way). */
static int
upload_begin(struct net *n, struct lws *wsi, struct http_req *r)
{
    char cl[32], *end = NULL;
    const char *v = lws_get_urlarg_by_name(wsi, "name=", r->name, (int)sizeof(r->name));
    if (!v) {
        r->name[0] = 0;
    } else if (v != r->name) {
        memmove(r->name, v, strlen(v) + 1);
    }
    if (lws_hdr_copy(wsi, cl, sizeof(cl), WSI_TOKEN_HTTP_CONTENT_LENGTH) <= 0) {
        r->too_large = true; /* no body will be read */
        http_fail_now(r, ERR_INVALID, "a document's upload needs a Content-Length");
        return -1;
    }
    unsigned long long want = strtoull(cl, &end, 10);
    size_t max = document_max(n);
    if (want > max) {
        r->too_large = true;
        char msg[96];
        snprintf(msg, sizeof(msg), "document over %zu MiB", max >> 20);
        http_fail_now(r, ERR_TOO_LARGE, msg);
        return -1;
    }
    if (want == 0) {
        return 0; /* empty: the hub says so */
    }
    size_t budget = UPLOADS_IN_FLIGHT * max;
    size_t held = atomic_fetch_add(&n->uploading, (size_t)want);
    r->reserved = (size_t)want;
    if (held + want > budget) {
        upload_release(r);
        r->too_large = true;
        http_fail_now(r, ERR_RATE_LIMITED, "too many uploads at once: try again shortly");
        return -1;
    }
    r->body = malloc((size_t)want + 1);
    if (!r->body) {
        upload_release(r);
        r->too_large = true;
        http_fail_now(r, ERR_NOMEM, NULL);
        return -1;
    }
    r->body_cap = (size_t)want;
    return 0;
}

static int
cb_http(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
    struct slot *slot = user;
    struct http_req *r = slot ? slot->p : NULL;
    struct loop *l = loop_of(wsi);
    struct net *n = l->n;
    char file[PATH_MAX];

    switch (reason) {
    case LWS_CALLBACK_RAW_RX_FILE:
        if (lws_get_socket_fd(wsi) == n->listen_fd) {
            accept_some(n);
        }
        return 0;

    case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
        /* lws would drop an upgrade naming only other subprotocols without
         * a word: refused here, with a status a client library reports. */
        if (strcmp(in, "websocket") != 0 || !offers_ours(wsi)) {
            log_line(LOG_WARN, "WebSocket upgrade without subprotocol concerto.v1: refused");
            upgrade_refuse(wsi, ERR_INVALID, "subprotocol concerto.v1 required");
            return -1;
        }
        if (!origin_ok(n, wsi)) {
            /* A page of another site must not drive a member's session. */
            log_line(LOG_WARN, "WebSocket upgrade from a foreign origin: refused");
            upgrade_refuse(wsi, ERR_FORBIDDEN, "origin not allowed");
            return -1;
        }
        return 0;

    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        /* A WebSocket upgrade without our subprotocol lands here: refuse it. */
        log_line(LOG_WARN, "WebSocket upgrade without subprotocol concerto.v1: refused");
        upgrade_refuse(wsi, ERR_INVALID, "subprotocol concerto.v1 required");
        return -1;

    case LWS_CALLBACK_HTTP: {
        r = http_begin(l, wsi, slot);
        if (!r) {
            return -1;
        }
        const char *path = in;
        snprintf(r->method, sizeof(r->method), "%s", method_of(wsi));
        if (strcmp(path, "/metrics") == 0) {
            if (strcmp(r->method, "GET") != 0) {
                http_fail_now(r, ERR_METHOD, NULL);
                return 0;
            }
            r->metrics = true;
            http_to_hub(l, r);
            return 0;
        }
        if (strncmp(path, "/api/", 5) == 0 || strcmp(path, "/api") == 0 ||
            strcmp(path, "/healthz") == 0) {
            r->api = true;
            if (strlen(path) >= sizeof(r->path)) {
                http_fail_now(r, ERR_NOT_FOUND, "no such route");
                return 0;
            }
            snprintf(r->path, sizeof(r->path), "%s", path);
            read_bearer(wsi, r->bearer, sizeof(r->bearer));
            if (strcmp(r->method, "POST") == 0) {
                char cl[32];
                r->upload = upload_path(path);
                if (r->upload && upload_begin(n, wsi, r)) {
                    return 0; /* refused */
                }
                if (!r->upload &&
                    lws_hdr_copy(wsi, cl, sizeof(cl), WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0 &&
                    strtoull(cl, NULL, 10) > API_BODY_MAX) {
                    r->too_large = true;
                    http_fail_now(r, ERR_TOO_LARGE, "request body over 1 MiB");
                    return 0;
                }
                if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH) == 0) {
                    http_to_hub(l, r);
                    return 0;
                }
                /* The body follows, within --http-timeout of the request's
                 * start all told: lws's own timeout restarts with each piece,
                 * and a body trickled a byte at a time would never end. */
                struct conn *c = lws_get_opaque_user_data(wsi);
                int64_t left =
                    (c ? c->started : net_now_ms()) + 1000 * http_timeout(n) - net_now_ms();
                lws_set_timer_usecs(wsi, left > 0 ? left * 1000 : 1);
                return 0;
            }
            http_to_hub(l, r);
            return 0;
        }
        if (strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0) {
            http_fail_now(r, ERR_METHOD, NULL);
            return 0;
        }
        if (static_path(n, path, file, sizeof(file))) {
            http_fail_now(r, ERR_NOT_FOUND, "no such file");
            return 0;
        }
        slot->p = NULL; /* lws serves the file: no handle needed */
        req_free(r);
        int rc = lws_serve_http_file(wsi, file, mime_of(file), security_headers,
                                     (int)strlen(security_headers));
        if (rc < 0 || (rc > 0 && lws_http_transaction_completed(wsi))) {
            return -1;
        }
        return 0;
    }

    case LWS_CALLBACK_HTTP_BODY:
        if (!r || !r->api || r->too_large || r->answered || r->in_hub || len == 0) {
            return 0; /* an empty body arrives as no data at all */
        }
        if (r->upload) {
            if (len > r->body_cap - r->body_len) { /* lws holds to the Content-Length */
                r->too_large = true;
                http_fail_now(r, ERR_TOO_LARGE, "body longer than its Content-Length");
                return 0;
            }
            memcpy(r->body + r->body_len, in, len);
            r->body_len += len;
            return 0;
        }
        if (r->body_len + len > API_BODY_MAX) {
            r->too_large = true;
            http_fail_now(r, ERR_TOO_LARGE, "request body over 1 MiB");
            return 0;
        }
        {
            char *b = realloc(r->body, r->body_len + len + 1);
            if (!b) {
                return -1;
            }
            r->body = b;
            memcpy(r->body + r->body_len, in, len);
            r->body_len += len;
            r->body[r->body_len] = 0;
        }
        return 0;

    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        lws_set_timer_usecs(wsi, LWS_SET_TIMER_USEC_CANCEL);
        if (r && r->api && !r->too_large && !r->answered && !r->in_hub) {
            http_to_hub(l, r);
        }
        if (r) {
            free(r->body); /* lws may drop the session without CLOSED_HTTP */
            r->body = NULL;
            r->body_len = 0;
        }
        return 0;

    case LWS_CALLBACK_HTTP_WRITEABLE:
        if (r && r->answered) {
            return http_write_reply(wsi, r);
        }
        return 0;

    case LWS_CALLBACK_HTTP_FILE_COMPLETION:
        conn_next(wsi);
        return lws_http_transaction_completed(wsi) ? -1 : 0;

    case LWS_CALLBACK_TIMER:
        /* A request's deadline: its body is not all there. */
        if (r && r->api && !r->answered && !r->in_hub && !r->too_large) {
            log_line(LOG_WARN, "request body not received within %d s: dropped", http_timeout(n));
            http_fail_now(r, ERR_TIMEOUT, "request not received in time");
        }
        return 0;

    case LWS_CALLBACK_WSI_DESTROY:
        conn_gone(n, wsi);
        return 0;

    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
    case LWS_CALLBACK_CLOSED_HTTP:
        /* A connection closed before any request has no handle. */
        http_detach(l, slot);
        return 0;

    default:
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    }
}

/* lws gives every WebSocket a receive buffer of rx_buffer_size for its whole
 * life: 1 KiB holds any usual command (a hello is 150 bytes, a ballot 100), and
 * a longer message comes in pieces that cb_ws() joins. At 4 KiB the buffer
 * was most of an idle connection's memory.
 * tx_packet_size 0 would cut every send() to rx_buffer_size and copy the rest
 * of the frame aside (a 22 KB welcome sent in 4 KB pieces, a copy per
 * connection): each write offers the whole frame, the kernel takes what fits
 * and lws keeps only the remainder. */
#define WS_RX_BUFFER 1024
#define TX_MAX QUEUE_BYTES

static const struct lws_protocols protocols[] = {
    {"http", cb_http, sizeof(struct slot), 4096, 0, NULL, TX_MAX},
    {"concerto.v1", cb_ws, sizeof(struct slot), WS_RX_BUFFER, 0, NULL, TX_MAX},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

/* No validity timer per connection (see the top of this file): the idle
 * sweep in on_tick() pings and drops. */
static const lws_retry_bo_t retry = {
    .secs_since_valid_ping = 0,
    .secs_since_valid_hangup = 0,
};

/* --- applying ops ------------------------------------------------------------ */

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

/* Apply an op for the hub, on the hub's thread. */
static void
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
        if (r->metrics) {
            char *text = metrics_text(n);
            if (text) {
                answer(r, 200, text, strlen(text), "text/plain; version=0.0.4; charset=utf-8",
                       NULL);
            } else {
                char *e = proto_http_error(ERR_NOMEM, NULL);
                answer(r, err_http_status(ERR_NOMEM), e ? e : "{}", e ? strlen(e) : 2, NULL,
                       NULL);
                free(e);
            }
            free(text);
        } else {
            r->upload
                ? hub_http_upload(n->hub, r, r->path, r->bearer, r->name[0] ? r->name : NULL,
                                  op->data ? op->data : "", op->len, op->now)
                :
            hub_http(n->hub, r, r->method, r->path, r->bearer, op->data ? op->data : "", op->len,
                     op->now);
        }
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
        adopt(l, op->code, (struct conn *)op->data);
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

/* --- each loop's second ---------------------------------------------------------- */

/* A delay from IDLE_PING_MIN_MS to IDLE_PING_MS, each connection its own:
 * the members of a join storm (or of a restart) all fall silent in the same
 * second, and a fixed delay would ping them all in the same tick, every
 * time, their pongs with them: a wave of work that delays everything else
 * in that second. */
static int32_t
ping_delay(struct loop *l)
{
    uint32_t x = l->rng ? l->rng : 2463534242u + l->idx;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    l->rng = x;
    return IDLE_PING_MIN_MS + (int32_t)(x % (IDLE_PING_MS - IDLE_PING_MIN_MS + 1));
}

/* Ping a WebSocket silent for its ping_after (IDLE_PING_MIN_MS to IDLE_PING_MS), drop one silent for IDLE_DROP_MS;
 * nginx's default proxy_read_timeout (60 s) never fires first. Any message
 * or pong counts as hearing from the peer. Sessions and requests the hub
 * could not reach (memory) are closed, or answered 503. */
static void
idle_sweep(struct loop *l, int64_t now)
{
    for (struct ws_session *s = l->sessions; s; s = s->next) {
        int64_t quiet = now - s->heard;
        if (!s->closing && atomic_exchange(&s->h.lost, false)) {
            log_line(LOG_ERROR, "out of memory: closing a connection");
            ws_queue_clear(s);
            ws_close(s, 1011, "server out of memory, resume with since");
            continue;
        }
        if (s->closing || quiet < s->ping_after) {
            continue;
        }
        if (quiet >= IDLE_DROP_MS) {
            log_line(LOG_INFO, "connection from %s silent for %lld s: dropped", s->addr,
                     (long long)(quiet / 1000));
            s->closing = true;
            lws_set_timeout(s->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
        } else if (!s->pinged) {
            s->pinged = true;
            s->ping_after = ping_delay(l);
            s->ping_due = true;
            lws_callback_on_writable(s->wsi);
        }
    }
    for (struct http_req *r = l->waiting, *next; r; r = next) {
        next = r->wnext;
        if (atomic_exchange(&r->h.lost, false)) {
            http_fail_now(r, ERR_NOMEM, NULL);
        }
    }
}

static void
on_tick(lws_sorted_usec_list_t *sul)
{
    struct loop *l = lws_container_of(sul, struct loop, tick);
    /* On loop 0, returning from lws_service() runs hub_flush(): grace
     * periods, deadlines. */
    idle_sweep(l, net_now_ms());
    lws_sul_schedule(l->ctx, 0, &l->tick, on_tick, LWS_US_PER_SEC);
}

/* Nothing to do here: returning from the loop's service runs hub_flush(). */
static void
on_wake(lws_sorted_usec_list_t *sul)
{
    (void)sul;
}

/* Wake loop 0 when the hub has something held back (hub_wake_at). */
static void
schedule_wake(struct loop *l0, struct hub *h, int64_t now)
{
    int64_t at = hub_wake_at(h);
    if (at >= 0) {
        int64_t in = at > now ? at - now : 1;
        lws_sul_schedule(l0->ctx, 0, &l0->wake, on_wake, (lws_usec_t)in * LWS_US_PER_MS);
    }
}

/* --- start and stop ---------------------------------------------------------- */

/* The listening socket, with a one-line reason when it cannot be had. */
static int
listen_on(const char *addr, int port, int *out, const char **msg)
{
    struct sockaddr_storage ss;
    socklen_t sslen;
    memset(&ss, 0, sizeof(ss));
    if (strchr(addr, ':')) {
        struct sockaddr_in6 *sa6 = (struct sockaddr_in6 *)&ss;
        sa6->sin6_family = AF_INET6;
        sa6->sin6_port = htons((uint16_t)port);
        sslen = sizeof(*sa6);
        if (inet_pton(AF_INET6, addr, &sa6->sin6_addr) != 1) {
            *msg = "the listen address is not an IP address";
            return ERR_INVALID;
        }
    } else {
        struct sockaddr_in *sa4 = (struct sockaddr_in *)&ss;
        sa4->sin_family = AF_INET;
        sa4->sin_port = htons((uint16_t)port);
        sslen = sizeof(*sa4);
        if (inet_pton(AF_INET, addr, &sa4->sin_addr) != 1) {
            *msg = "the listen address is not an IP address";
            return ERR_INVALID;
        }
    }
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        *msg = "cannot create a socket";
        return ERR_IO;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, (struct sockaddr *)&ss, sslen) != 0 || listen(fd, SOMAXCONN) != 0) {
        *msg = errno == EADDRINUSE      ? "address already in use (is another server running?)"
               : errno == EACCES        ? "permission denied for this port"
               : errno == EADDRNOTAVAIL ? "this address is not on this machine"
                                        : "cannot bind the listen address";
        close(fd);
        return ERR_IO;
    }
    *out = fd;
    return 0;
}

static void
lws_log(int level, const char *line)
{
    (void)level;
    /* lws ends its lines with a newline; ours adds one. */
    size_t n = strlen(line);
    log_line(LOG_WARN, "lws: %.*s", (int)(n && line[n - 1] == '\n' ? n - 1 : n), line);
}

static int
loop_init(struct net *n, struct loop *l, unsigned idx)
{
    l->n = n;
    l->idx = idx;
    l->rng = ((uint32_t)net_now_ms() ^ (idx * 2654435761u)) | 1u;
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof(info));
    info.port = CONTEXT_PORT_NO_LISTEN_SERVER; /* sockets come from accept_some() */
    info.protocols = protocols;
    info.user = l;
    info.retry_and_idle_policy = &retry;
    info.options = LWS_SERVER_OPTION_VALIDATE_UTF8;
    void *foreign[1];
    if (n->cfg.epoll) {
        /* A loop of our own per context: lws then leaves the signals alone
         * (libev lets one loop only watch a signal), and lws_service() is one
         * ev_run() round, after which the hub and the queues get their turn as
         * with poll(). */
        l->ev = ev_loop_new(EVBACKEND_EPOLL);
        if (!l->ev) {
            return ERR_IO;
        }
        foreign[0] = l->ev;
        info.foreign_loops = foreign;
        info.options |= LWS_SERVER_OPTION_LIBEV;
    }
    info.timeout_secs = (unsigned int)http_timeout(n);
    info.timeout_secs_ah_idle = info.timeout_secs; /* a request's headers: lws's own 10 s otherwise */
    info.max_http_header_data = 4096;
    info.fd_limit_per_thread = 0;
    l->ctx = lws_create_context(&info);
    if (!l->ctx) {
        return ERR_IO;
    }
    l->vh = lws_get_vhost_by_name(l->ctx, "default");
    return l->vh ? 0 : ERR_IO;
}

int
net_new(const struct net_config *cfg, struct net **out, const char **msg)
{
    *out = NULL;
    struct net *n = calloc(1, sizeof(*n));
    if (!n) {
        *msg = "out of memory";
        return ERR_NOMEM;
    }
    n->cfg = *cfg;
    n->listen_fd = -1;
    n->nloops = cfg->threads < 1 ? 1 : cfg->threads > LOOPS_MAX ? LOOPS_MAX : (unsigned)cfg->threads;
    pthread_mutex_init(&n->admit_mu, NULL);
    pthread_mutex_init(&n->hub_mu, NULL);
    for (unsigned i = 0; i < n->nloops; i++) {
        pthread_mutex_init(&n->loops[i].mu, NULL);
    }
    int rc = ERR_NOMEM;
    *msg = "out of memory";
    n->addrs = calloc(ADDR_SLOTS, sizeof(*n->addrs));
    if (!n->addrs) {
        goto fail;
    }
    if (!realpath(cfg->web_root, n->web_root)) {
        *msg = "the web directory does not exist";
        rc = ERR_IO;
        goto fail;
    }
    rc = listen_on(cfg->addr, cfg->port, &n->listen_fd, msg);
    if (rc) {
        goto fail;
    }
    lws_set_log_level(LLL_ERR, lws_log);
    for (unsigned i = 0; i < n->nloops; i++) {
        rc = loop_init(n, &n->loops[i], i);
        if (rc) {
            *msg = "cannot start the network service";
            goto fail;
        }
    }
    lws_sock_file_fd_type fd = {.filefd = n->listen_fd};
    n->listener = lws_adopt_descriptor_vhost(n->loops[0].vh, LWS_ADOPT_RAW_FILE_DESC, fd, "http",
                                             NULL);
    if (!n->listener) {
        *msg = "cannot start the network service";
        rc = ERR_IO;
        goto fail;
    }
    *out = n;
    return 0;
fail:
    net_free(n);
    return rc;
}

void
net_io(struct net *n, struct hub_io *io)
{
    io->ctx = n;
    io->send = io_send;
    io->close = io_close;
    io->http = io_http;
    io->file = io_file;
}

void
net_attach(struct net *n, struct hub *h)
{
    n->hub = h;
}

/* One round of a loop: wait for what is ready and service it; < 0 when lws
 * fails. lws's own libev runner would run the loop for ever: with
 * --event-loop epoll the round is ev_run()'s, once. */
static int
loop_service(struct loop *l)
{
    if (l->ev) {
        ev_run(l->ev, EVRUN_ONCE);
        return 0;
    }
    return lws_service(l->ctx, 0);
}

static void *
loop_main(void *arg)
{
    struct loop *l = arg;
    struct net *n = l->n;
    lws_sul_schedule(l->ctx, 0, &l->tick, on_tick, LWS_US_PER_SEC);
    while (!atomic_load(&n->stop)) {
        if (loop_service(l) < 0) {
            atomic_store(&n->failed, 1);
            net_stop(n);
            break;
        }
        loop_take(l);
        loop_handoff(l);
    }
    return NULL;
}

int
net_run(struct net *n)
{
    struct loop *l0 = &n->loops[0];
    unsigned started = 1;
    n->threaded = n->nloops > 1;
    /* The loops' threads never take SIGINT or SIGTERM: the caller's thread
     * does (its handler calls net_stop()), so that a handler never runs on a
     * thread while the caller frees what it touches. */
    sigset_t stop_signals, before;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, &before);
    for (; started < n->nloops; started++) {
        if (pthread_create(&n->loops[started].thread, NULL, loop_main, &n->loops[started])) {
            log_line(LOG_ERROR, "cannot start a network thread");
            net_stop(n);
            atomic_store(&n->failed, 1);
            break;
        }
    }
    pthread_sigmask(SIG_SETMASK, &before, NULL);
    lws_sul_schedule(l0->ctx, 0, &l0->tick, on_tick, LWS_US_PER_SEC);
    while (!atomic_load(&n->stop)) {
        if (loop_service(l0) < 0) {
            atomic_store(&n->failed, 1);
            break;
        }
        hub_take(n);
        int64_t now = net_now_ms();
        hub_flush(n->hub, now);
        schedule_wake(l0, n->hub, now);
        hub_handoff(n);
    }
    net_stop(n);
    for (unsigned i = 1; i < started; i++) {
        pthread_join(n->loops[i].thread, NULL);
    }
    /* One thread again: what is still queued either way is applied at once. */
    n->threaded = false;
    for (unsigned i = 1; i < started; i++) {
        loop_handoff(&n->loops[i]);
    }
    hub_take(n);
    hub_handoff(n);
    for (unsigned i = 1; i < started; i++) {
        struct loop *l = &n->loops[i];
        opq_move(&l->in, &l->hubq);
        loop_take(l);
    }
    return atomic_load(&n->failed) ? ERR_IO : 0;
}

void
net_stop(struct net *n)
{
    atomic_store(&n->stop, 1);
    for (unsigned i = 0; i < n->nloops; i++) {
        if (n->loops[i].ctx) {
            lws_cancel_service(n->loops[i].ctx);
        }
    }
}

void
net_wake(void *arg)
{
    struct net *n = arg;
    lws_cancel_service(n->loops[0].ctx);
}

static void
opq_free(struct opq *q)
{
    for (size_t i = 0; i < q->n; i++) {
        op_drop(&q->v[i]);
    }
    free(q->v);
    q->v = NULL;
    q->n = q->cap = 0;
}

void
net_free(struct net *n)
{
    if (!n) {
        return;
    }
    n->threaded = false;
    /* The other loops first: their connections' goodbyes reach the hub at once. */
    for (unsigned i = n->nloops; i-- > 0;) {
        struct loop *l = &n->loops[i];
        if (l->ctx) {
            lws_context_destroy(l->ctx);
            l->ctx = NULL;
        }
        if (l->ev) {
            ev_loop_destroy(l->ev);
            l->ev = NULL;
        }
    }
    for (unsigned i = 0; i < n->nloops; i++) {
        struct loop *l = &n->loops[i];
        opq_free(&l->out);
        opq_free(&l->work);
        opq_free(&l->in);
        opq_free(&l->hubq);
        copies_clear(l);
        free(l->copy_of);
        free(l->copy);
        pthread_mutex_destroy(&l->mu);
    }
    opq_free(&n->hub_in);
    opq_free(&n->hub_work);
    if (n->listen_fd >= 0 && !n->listener) {
        close(n->listen_fd);
    }
    pthread_mutex_destroy(&n->admit_mu);
    pthread_mutex_destroy(&n->hub_mu);
    free(n->addrs);
    free(n);
}
