/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * net_impl.h - what the files of the network module share (private: only
 * server/net/ includes it): its bounds, the loop and the net, the handles
 * of sessions and requests, the ops between threads, and the functions one
 * file offers the others.
 *
 * Which thread may touch a field is said beside it; in short, a loop's
 * fields are its thread's, except the handed-over queue `in` (behind `mu`),
 * the hub's queue and table of copies for it (`hubq`, `copy*`: the hub's
 * thread) and its counters (atomics read by /metrics). A handle is its
 * loop's, but for its `lost` flag (atomic, set by the hub) and a session's
 * `hc` (the hub's). The net's address table is behind `admit_mu`, its queue
 * to the hub behind `hub_mu`.
 */
#ifndef CONCERTO_NET_IMPL_H
#define CONCERTO_NET_IMPL_H

#include "net.h"

#include "../hub/hub.h"
#include "../proto/proto.h"

#include <libwebsockets.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ev_loop;
struct sockaddr_storage;

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

/* net.c */
struct loop *loop_of(struct lws *wsi);
void accept_some(struct net *n);
void loop_adopt(struct loop *l, int fd, struct conn *c);

/* net_queue.c */
int opq_push(struct opq *q, const struct op *op);
int opq_move(struct opq *to, struct opq *from);
void opq_free(struct opq *q);
bool to_hub_direct(const struct loop *l);
bool to_loop_direct(const struct loop *l);
int to_hub(struct loop *l, struct op *op);
int to_loop(struct handle *who, struct op *op);
void handle_goodbye(struct loop *l, struct handle *who);
void hub_handoff(struct net *n);
void loop_handoff(struct loop *l);
void hub_take(struct net *n);
void loop_take(struct loop *l);
void hub_apply(struct net *n, struct op *op);

/* net_fanout.c */
void io_send(void *ctx, void *netp, struct msg *m);
void io_close(void *ctx, void *netp, int status, const char *reason);
void copies_clear(struct loop *l);
void ws_queue_clear(struct ws_session *s);
void ws_close(struct ws_session *s, int status, const char *reason);
void ws_take(struct ws_session *s, struct msg *m);
int ws_writeable(struct ws_session *s, struct lws *wsi);

/* net_ws.c */
int cb_ws(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len);
bool origin_ok(struct net *n, struct lws *wsi);
bool offers_ours(struct lws *wsi);
void upgrade_refuse(struct lws *wsi, int code, const char *message);
void ws_free(struct ws_session *s);
void idle_sweep(struct loop *l, int64_t now);

/* net_http.c */
int cb_http(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len);
void io_answer(struct http_req *r, int status, const char *body, size_t len, const char *ctype,
               const char *filename);
void io_http(void *ctx, void *req, int status, const char *body, size_t len);
void io_file(void *ctx, void *req, const char *body, size_t len, const char *ctype,
             const char *filename);
void req_answer(struct http_req *r, int status, char *reply, size_t len, const char *ctype,
                const char *disposition);
void req_free(struct http_req *r);
void http_fail_now(struct http_req *r, int code, const char *message);
/* The largest document an upload may bring (--max-document). */
size_t document_max(const struct net *n);

/* net_limits.c */
const char *admit_ws(struct net *n, struct ws_session *s);
void admit_ws_end(struct net *n, struct ws_session *s);
int admit_http(struct net *n, const struct sockaddr_storage *ss, struct conn *c);
int http_timeout(const struct net *n);
void conn_uncount(struct net *n, struct conn *c);
void conn_end(struct net *n, struct conn *c);
void conn_gone(struct net *n, struct lws *wsi);
void conn_next(struct lws *wsi);
bool ws_rate_ok(struct net *n, struct ws_session *s, int64_t now);
unsigned ws_refusals(struct ws_session *s, int64_t now);
void http_send_error(int fd, int code, const char *message);

#endif
