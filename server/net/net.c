/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * net.c - the libwebsockets shell around the hub, on one thread per core:
 * the loops, their lifecycle (start, run, stop) and the listening socket.
 *
 * Two protocols on one vhost: "http" (first, so lws uses it for plain HTTP)
 * serves web/ and the JSON API (net_http.c); "concerto.v1" is the WebSocket
 * endpoint /ws?meeting=ID (net_ws.c).
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
 * Those hand-offs are the queues of net_queue.c. A loop's turn is: service
 * what lws has ready (loop_service()), apply the ops handed to it, hand its
 * own over; loop 0's turn also runs the hub (hub_take(), hub_flush(),
 * hub_handoff()). Each loop's one-second tick runs the idle sweep
 * (net_ws.c); loop 0 is also woken when the hub holds something back
 * (hub_wake_at()).
 *
 * A loop waits with lws's poll() loop, which scans all its sockets at each
 * wake-up, or (--event-loop epoll) with a libev loop of its own lent to lws
 * as a foreign loop and run one round at a time (loop_service()): a wake-up
 * then costs what is ready, but every message costs two epoll_ctl() (lws
 * starts and stops the write watcher), so poll stays the default.
 *
 * The rest of the module, each file with its own design notes:
 *   net_impl.h    the structures shared by these files (loop, handle, op, ...)
 *   net_queue.c   ops between threads, and applying them
 *   net_fanout.c  the hub's output: per-loop buffers, per-session send rings
 *   net_ws.c      WebSocket sessions: upgrade, receive, close, idle sweep
 *   net_http.c    HTTP: static files, API requests and answers, uploads
 *   net_limits.c  admission: per-address and total caps, message rates
 *
 * Threads: net_new(), net_run()'s loop 0 and net_free() run on the caller's
 * thread; loop_main() is each other loop's thread. net_stop() and
 * net_wake() may be called from any thread (net_stop() from a signal
 * handler too).
 */
#define _GNU_SOURCE
#include "net_impl.h"

#include "../err.h"
#include "../hub/hub.h"
#include "../log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ev.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

_Static_assert(MSG_PRE >= LWS_PRE, "message headroom must cover LWS_PRE");

int64_t
net_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The loop that serves `wsi`: its context's user data. */
struct loop *
loop_of(struct lws *wsi)
{
    return lws_context_user(lws_get_context(wsi));
}

/* --- accepting ------------------------------------------------------------ */

/* Serve accepted socket `fd` on loop `l`; steals `c`, which stays with the
 * connection until LWS_CALLBACK_WSI_DESTROY. */
void
loop_adopt(struct loop *l, int fd, struct conn *c)
{
    struct lws *wsi = lws_adopt_socket_vhost(l->vh, fd); /* closes fd on failure */
    if (!wsi) {
        conn_end(l->n, c);
        return;
    }
    lws_set_opaque_user_data(wsi, c);
}

/* Accept what the listener has (loop 0) and deal the sockets to the loops. */
void
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
            http_send_error(fd, ERR_RATE_LIMITED, "too many connections from your address");
            close(fd);
            free(c);
            continue;
        }
        c->started = net_now_ms();
        struct loop *l = &n->loops[n->next_loop++ % n->nloops];
        struct op op = {.kind = OP_ADOPT, .code = fd, .data = (char *)c};
        if (to_hub_direct(l)) {
            loop_adopt(l, fd, c);
        } else if (opq_push(&l->hubq, &op)) {
            close(fd);
            conn_end(n, c);
        }
    }
}

/* --- each loop's second --------------------------------------------------- */

/* Each loop's second: the idle sweep, then the next tick. */
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

/* --- start and stop ------------------------------------------------------- */

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

/* No validity timer per connection (see net_ws.c): the idle sweep in
 * on_tick() pings and drops. */
static const lws_retry_bo_t retry = {
    .secs_since_valid_ping = 0,
    .secs_since_valid_hangup = 0,
};

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

/* Loop `idx`'s lws context (and, with --event-loop epoll, its libev loop),
 * which serves the sockets handed to it. */
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

/* The thread of a loop other than 0: its turns until net_stop(). */
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
