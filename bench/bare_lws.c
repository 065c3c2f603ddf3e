/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * bare_lws.c - the libwebsockets baseline: a broadcast server with no
 * application at all, to measure what Concerto's own work costs.
 *
 * Any text message received on subprotocol "bench" is sent to every open
 * connection (the sender included). The fan-out is the one docs/ARCHITECTURE.md describes for
 * Concerto: the message is copied once into a reference-counted buffer with
 * LWS_PRE headroom; each connection keeps a bounded queue of pointers to such
 * buffers and sends exactly one with one lws_write() per WRITEABLE callback.
 * A connection whose queue is full is closed, as Concerto does. No lws_ring:
 * its consume walks every session, O(N^2) per broadcast.
 *
 * With THREADS > 1 it spreads connections over threads the way Concerto
 * does (server/net/net.c): each thread runs an lws context of its own, the
 * first accepts and deals sockets round robin, and a message received on one
 * thread reaches the others through a locked inbox and lws_cancel_service(),
 * the buffer shared by an atomic reference count.
 *
 * usage: bare_lws [PORT [THREADS]]   (default 7681, 1 thread; on 127.0.0.1)
 */
#define _GNU_SOURCE
#include <libwebsockets.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define QUEUE_CAP 256
#define RX_MAX 65536
#define THREADS_MAX 16

struct msg {
    atomic_uint refs;
    size_t len;
    unsigned char buf[]; /* LWS_PRE headroom, then len bytes */
};

struct session {
    struct session *next; /* in the vhost's list */
    struct lws *wsi;
    struct msg *q[QUEUE_CAP];
    unsigned head, len;
    unsigned char *rx;
    size_t rxlen;
    int closing;
};

struct vhost {
    struct session *sessions;
};

/* One thread: its context, and what the other threads broadcast to it. */
struct shard {
    struct lws_context *ctx;
    struct lws_vhost *vh;
    pthread_t thread;
    pthread_mutex_t mu;
    struct msg **in; /* guarded by mu */
    size_t nin, cap;
    int *fds; /* accepted sockets to adopt, guarded by mu */
    size_t nfds, capfds;
};

static struct shard shards[THREADS_MAX];
static int nshards = 1;
static int listen_fd = -1;
static atomic_int interrupted;

static void
msg_unref(struct msg *m)
{
    if (atomic_fetch_sub(&m->refs, 1) == 1) {
        free(m);
    }
}

static struct shard *
shard_of(struct lws *wsi)
{
    return lws_context_user(lws_get_context(wsi));
}

static void
queue_clear(struct session *s)
{
    while (s->len) {
        msg_unref(s->q[s->head]);
        s->head = (s->head + 1) % QUEUE_CAP;
        s->len--;
    }
}

/* Queue `m` (borrowed) on every connection of this thread. */
static void
broadcast(struct vhost *vh, struct msg *m)
{
    lws_start_foreach_llp(struct session **, pp, vh->sessions) {
        struct session *s = *pp;
        if (s->closing) {
            /* skip */
        } else if (s->len == QUEUE_CAP) {
            queue_clear(s);
            s->closing = 1;
            lws_callback_on_writable(s->wsi);
        } else {
            atomic_fetch_add(&m->refs, 1);
            s->q[(s->head + s->len) % QUEUE_CAP] = m;
            s->len++;
            lws_callback_on_writable(s->wsi);
        }
    }
    lws_end_foreach_llp(pp, next);
}

/* Hand `m` to the other threads (a reference each). */
static void
share(struct shard *me, struct msg *m)
{
    for (int k = 0; k < nshards; k++) {
        struct shard *o = &shards[k];
        if (o == me) {
            continue;
        }
        pthread_mutex_lock(&o->mu);
        int wake = o->nin == 0;
        if (o->nin == o->cap) {
            size_t cap = o->cap ? 2 * o->cap : 64;
            struct msg **in = realloc(o->in, cap * sizeof(*in));
            if (!in) {
                pthread_mutex_unlock(&o->mu);
                continue;
            }
            o->in = in;
            o->cap = cap;
        }
        atomic_fetch_add(&m->refs, 1);
        o->in[o->nin++] = m;
        pthread_mutex_unlock(&o->mu);
        if (wake) {
            lws_cancel_service(o->ctx);
        }
    }
}

/* What the other threads handed to this one: sockets, then messages. */
static void
take(struct shard *me)
{
    pthread_mutex_lock(&me->mu);
    struct msg **in = me->in;
    size_t nin = me->nin;
    int *fds = me->fds;
    size_t nfds = me->nfds;
    me->in = NULL;
    me->nin = me->cap = 0;
    me->fds = NULL;
    me->nfds = me->capfds = 0;
    pthread_mutex_unlock(&me->mu);
    for (size_t i = 0; i < nfds; i++) {
        lws_adopt_socket_vhost(me->vh, fds[i]);
    }
    struct vhost *vh = lws_protocol_vh_priv_get(me->vh, lws_vhost_name_to_protocol(me->vh, "bench"));
    for (size_t i = 0; i < nin; i++) {
        broadcast(vh, in[i]);
        msg_unref(in[i]);
    }
    free(in);
    free(fds);
}

/* Accept on the first thread and deal sockets round robin. */
static void
accept_some(struct shard *me)
{
    static unsigned next;
    for (int i = 0; i < 64; i++) {
        int fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            return;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        struct shard *o = &shards[next++ % (unsigned)nshards];
        if (o == me) {
            lws_adopt_socket_vhost(me->vh, fd);
            continue;
        }
        pthread_mutex_lock(&o->mu);
        int wake = o->nfds == 0;
        if (o->nfds == o->capfds) {
            size_t cap = o->capfds ? 2 * o->capfds : 64;
            int *fds = realloc(o->fds, cap * sizeof(*fds));
            if (!fds) {
                pthread_mutex_unlock(&o->mu);
                close(fd);
                continue;
            }
            o->fds = fds;
            o->capfds = cap;
        }
        o->fds[o->nfds++] = fd;
        pthread_mutex_unlock(&o->mu);
        if (wake) {
            lws_cancel_service(o->ctx);
        }
    }
}

static int
callback_bench(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
               size_t len)
{
    struct session *s = user;
    struct vhost *vh =
        lws_protocol_vh_priv_get(lws_get_vhost(wsi), lws_get_protocol(wsi));

    switch (reason) {
    case LWS_CALLBACK_PROTOCOL_INIT:
        lws_protocol_vh_priv_zalloc(lws_get_vhost(wsi), lws_get_protocol(wsi),
                                    sizeof(struct vhost));
        break;

    case LWS_CALLBACK_ESTABLISHED:
        memset(s, 0, sizeof(*s));
        s->wsi = wsi;
        lws_ll_fwd_insert(s, next, vh->sessions);
        break;

    case LWS_CALLBACK_CLOSED:
        lws_ll_fwd_remove(struct session, next, s, vh->sessions);
        queue_clear(s);
        free(s->rx);
        break;

    case LWS_CALLBACK_RECEIVE:
        if (lws_is_first_fragment(wsi)) {
            s->rxlen = 0;
        }
        if (s->rxlen + len > RX_MAX) {
            return -1;
        }
        if (!s->rx && !(s->rx = malloc(RX_MAX))) {
            return -1;
        }
        memcpy(s->rx + s->rxlen, in, len);
        s->rxlen += len;
        if (lws_is_final_fragment(wsi) && !lws_remaining_packet_payload(wsi)) {
            struct msg *m = malloc(sizeof(*m) + LWS_PRE + s->rxlen);
            if (m) {
                atomic_init(&m->refs, 1);
                m->len = s->rxlen;
                memcpy(m->buf + LWS_PRE, s->rx, s->rxlen);
                broadcast(vh, m);
                share(shard_of(wsi), m);
                msg_unref(m);
            }
            s->rxlen = 0;
        }
        break;

    case LWS_CALLBACK_RAW_RX_FILE:
        accept_some(shard_of(wsi));
        break;

    case LWS_CALLBACK_SERVER_WRITEABLE:
        if (s->len) {
            struct msg *m = s->q[s->head];
            s->head = (s->head + 1) % QUEUE_CAP;
            s->len--;
            int len_ok = (int)m->len;
            int w = lws_write(wsi, m->buf + LWS_PRE, m->len, LWS_WRITE_TEXT);
            msg_unref(m);
            if (w < len_ok) {
                return -1;
            }
            if (s->len || s->closing) {
                lws_callback_on_writable(wsi);
            }
        } else if (s->closing) {
            lws_close_reason(wsi, LWS_CLOSE_STATUS_POLICY_VIOLATION, (unsigned char *)"too slow",
                             8);
            return -1;
        }
        break;

    default:
        break;
    }
    return 0;
}

static struct lws_protocols protocols[] = {
    {"bench", callback_bench, sizeof(struct session), 4096, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

static void
on_signal(int sig)
{
    (void)sig;
    atomic_store(&interrupted, 1);
    for (int k = 0; k < nshards; k++) {
        if (shards[k].ctx) {
            lws_cancel_service(shards[k].ctx);
        }
    }
}

static void *
serve(void *arg)
{
    struct shard *me = arg;
    while (!atomic_load(&interrupted) && lws_service(me->ctx, 0) >= 0) {
        take(me);
    }
    return NULL;
}

int
main(int argc, char **argv)
{
    struct lws_context_creation_info info;
    struct rlimit rl = {65536, 65536};
    int port = argc > 1 ? atoi(argv[1]) : 7681;
    nshards = argc > 2 ? atoi(argv[2]) : 1;
    if (nshards < 1 || nshards > THREADS_MAX) {
        fprintf(stderr, "bare_lws: THREADS from 1 to %d\n", THREADS_MAX);
        return 2;
    }

    setrlimit(RLIMIT_NOFILE, &rl); /* as root; otherwise the current limit stays */
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    lws_set_log_level(LLL_ERR | LLL_WARN, NULL);

    for (int k = 0; k < nshards; k++) {
        memset(&info, 0, sizeof(info));
        if (nshards == 1) {
            info.port = port; /* lws listens and accepts */
            info.iface = "127.0.0.1";
        } else {
            info.port = CONTEXT_PORT_NO_LISTEN_SERVER; /* accept_some() deals */
        }
        info.protocols = protocols;
        info.options = LWS_SERVER_OPTION_VALIDATE_UTF8;
        info.user = &shards[k];
        pthread_mutex_init(&shards[k].mu, NULL);
        shards[k].ctx = lws_create_context(&info);
        if (!shards[k].ctx) {
            fprintf(stderr, "bare_lws: cannot start on port %d\n", port);
            return 1;
        }
        shards[k].vh = lws_get_vhost_by_name(shards[k].ctx, "default");
    }
    if (nshards > 1) {
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
        int one = 1;
        inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
        listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        lws_sock_file_fd_type fd = {.filefd = listen_fd};
        if (bind(listen_fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(listen_fd, SOMAXCONN) ||
            !lws_adopt_descriptor_vhost(shards[0].vh, LWS_ADOPT_RAW_FILE_DESC, fd, "bench", NULL)) {
            fprintf(stderr, "bare_lws: cannot start on port %d\n", port);
            return 1;
        }
    }
    printf("listening on %d\n", port);
    fflush(stdout);
    for (int k = 1; k < nshards; k++) {
        pthread_create(&shards[k].thread, NULL, serve, &shards[k]);
    }
    serve(&shards[0]);
    for (int k = 1; k < nshards; k++) {
        pthread_join(shards[k].thread, NULL);
    }
    for (int k = 0; k < nshards; k++) {
        lws_context_destroy(shards[k].ctx);
    }
    return 0;
}
