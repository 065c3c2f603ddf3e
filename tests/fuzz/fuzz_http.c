/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * fuzz_http.c - the network layer (server/net/) as its clients see it:
 * a server started once in this process (two loops, so that requests and
 * their ends cross threads; a hub on a store in memory; a small web root)
 * and real loopback connections that send what the input says and leave
 * where it says: requests, bodies, upgrades, WebSocket frames, cut short,
 * reset, or read to their answer.
 *
 * Input: connections separated by a line "~~~", at most FZ_CONNS, each a
 * control byte then the bytes to send; {A} stands for the admin token.
 * The control byte's low two bits say how the connection ends:
 *     0  closed as soon as its bytes are sent
 *     1  reset as soon as its bytes are sent (SO_LINGER 0)
 *     2  what the server answers read for up to FZ_READ_MS, then closed
 *     3  closed after the first half of its bytes
 * and bit 2 sends the bytes in two pieces, the other connections' first
 * pieces in between. All connections are open at once.
 *
 * Check, besides memory and thread safety: after each input the server
 * still answers GET /healthz with 200, within FZ_ALIVE_MS.
 *
 * Unlike the other targets, this one cannot start each input afresh: the
 * server runs across inputs (starting one costs far more than an input),
 * so an input may meet what earlier ones left (meetings, closing
 * connections). Hence no replay in fuzz_test_regressions: a finding here
 * is replayed with this target itself (tests/fuzz/README.md).
 */
#define _GNU_SOURCE
#include "fuzz.h"

#include "net/net.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define FZ_CONNS 8
#define FZ_READ_MS 20
#define FZ_ALIVE_MS 10000
#define FZ_SEP "\n~~~\n"

static int fz_port;
static char fz_admin[64];

static void *
fz_serve(void *arg)
{
    FUZZ_CHECK(net_run(arg) == 0, "net_run");
    return NULL;
}

static void
fz_write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    FUZZ_CHECK(f != NULL, "cannot write %s", path);
    fputs(text, f);
    fclose(f);
}

/* The server, once: a port found free, a web root, a hub, two loops. */
static void
fz_start(void)
{
    if (fz_port) {
        return;
    }
    fuzz_init();
    if (getenv("FUZZ_HTTP_LOG")) {
        log_quiet(0); /* the server's log on stderr, to read a finding */
    }
    signal(SIGPIPE, SIG_IGN);
    static char web[] = "/tmp/concerto-fuzz-http-XXXXXX";
    FUZZ_CHECK(mkdtemp(web) != NULL, "mkdtemp");
    char path[sizeof(web) + 32];
    snprintf(path, sizeof(path), "%s/index.html", web);
    fz_write_file(path, "<!doctype html><title>fuzz</title>\n");
    snprintf(path, sizeof(path), "%s/app.js", web);
    fz_write_file(path, "export const answer = 42;\n");

    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(sa);
    FUZZ_CHECK(s >= 0 && bind(s, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
                   getsockname(s, (struct sockaddr *)&sa, &len) == 0,
               "a free port");
    close(s);

    struct store *st = NULL;
    const char *msg = NULL;
    FUZZ_CHECK(store_open(":memory:", &st, &msg) == 0, "store_open: %s", msg);
    struct net_config cfg = {.addr = "127.0.0.1",
                             .port = ntohs(sa.sin_port),
                             .web_root = web,
                             .http_timeout = 2,
                             .threads = 2};
    struct net *n = NULL;
    FUZZ_CHECK(net_new(&cfg, &n, &msg) == 0, "net_new: %s", msg);
    static const char pubkey[] = "untrusted comment: minisign public key 0123456789ABCDEF\n"
                                 "RWQBI0VniavN7+pVrFUpmvP2IbEEv8HrwU2GCi4HfGdrFkxjU8gR8rpP\n";
    struct hub_config hcfg = {.room_base = "https://meet.example/", .pubkey = pubkey};
    struct hub_io io;
    net_io(n, &io);
    struct hub *h = hub_new(st, &hcfg, &io);
    FUZZ_CHECK(h != NULL, "hub_new");
    net_attach(n, h);
    FUZZ_CHECK(hub_admin_token(h, fz_admin, sizeof(fz_admin), net_now_ms()) == 0, "admin token");
    pthread_t t;
    FUZZ_CHECK(pthread_create(&t, NULL, fz_serve, n) == 0, "server thread");
    pthread_detach(t); /* serves until the process ends */
    fz_port = ntohs(sa.sin_port);
}

static int
fz_connect(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    FUZZ_CHECK(fd >= 0, "socket: %s", strerror(errno));
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_port = htons((uint16_t)fz_port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    struct timeval tv = {.tv_sec = 1};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    int rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
    if (rc != 0 && errno == EINTR) { /* libFuzzer's alarm: the connection goes on */
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        while (poll(&p, 1, 1000) < 0 && errno == EINTR) {
        }
        int err = 0;
        socklen_t elen = sizeof(err);
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen);
        rc = err ? -1 : 0;
        errno = err;
    }
    FUZZ_CHECK(rc == 0, "connect: %s", strerror(errno));
    return fd;
}

static void
fz_send(int fd, const char *p, size_t len)
{
    while (len > 0) {
        ssize_t k = send(fd, p, len, MSG_NOSIGNAL);
        if (k < 0 && errno == EINTR) {
            continue;
        }
        if (k <= 0) {
            return; /* the server closed it, or stopped reading: fine */
        }
        p += k;
        len -= (size_t)k;
    }
}

static int64_t
fz_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Read what comes on fd until it ends or ms pass; the bytes kept, at most cap. */
static size_t
fz_read(int fd, char *buf, size_t cap, int ms)
{
    size_t got = 0;
    int64_t end = fz_ms() + ms;
    for (int64_t left = ms; left > 0; left = end - fz_ms()) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int r = poll(&p, 1, (int)left);
        if (r < 0 && errno == EINTR) {
            continue; /* libFuzzer's alarm */
        }
        if (r <= 0) {
            break;
        }
        char sink[4096];
        ssize_t k = recv(fd, got < cap ? buf + got : sink, got < cap ? cap - got : sizeof(sink), 0);
        if (k < 0 && errno == EINTR) {
            continue;
        }
        if (k <= 0) {
            break;
        }
        got += got < cap ? (size_t)k : 0;
    }
    return got;
}

/* The server still serves: GET /healthz answered 200. */
static void
fz_alive(void)
{
    int fd = fz_connect();
    static const char req[] = "GET /healthz HTTP/1.1\r\nHost: fuzz\r\n\r\n";
    fz_send(fd, req, sizeof(req) - 1);
    char buf[512] = "";
    size_t got = 0;
    int64_t end = fz_ms() + FZ_ALIVE_MS;
    while (!strstr(buf, "\r\n\r\n") && got < sizeof(buf) - 1) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int64_t left = end - fz_ms();
        int r = left > 0 ? poll(&p, 1, (int)left) : 0;
        if (r < 0 && errno == EINTR) {
            continue; /* libFuzzer's alarm */
        }
        if (r <= 0) {
            break;
        }
        ssize_t k = recv(fd, buf + got, sizeof(buf) - 1 - got, 0);
        if (k < 0 && errno == EINTR) {
            continue;
        }
        if (k <= 0) {
            break;
        }
        got += (size_t)k;
        buf[got] = 0;
    }
    close(fd);
    FUZZ_CHECK(strncmp(buf, "HTTP/1.1 200 ", 13) == 0,
               "GET /healthz answered after %lld ms: %.200s (%s)",
               (long long)(fz_ms() - (end - FZ_ALIVE_MS)), buf, got ? "" : strerror(errno));
}

/* `p[0..len)` with {A} replaced by the admin token (new, NUL-ended). */
static char *
fz_expand(const char *p, size_t len, size_t *outlen)
{
    size_t alen = strlen(fz_admin), cap = len + 1;
    for (size_t i = 0; i + 3 <= len; i++) {
        cap += memcmp(p + i, "{A}", 3) == 0 ? alen : 0;
    }
    char *out = malloc(cap);
    FUZZ_CHECK(out != NULL, "malloc");
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        if (i + 3 <= len && memcmp(p + i, "{A}", 3) == 0) {
            memcpy(out + o, fz_admin, alen);
            o += alen;
            i += 3;
        } else {
            out[o++] = p[i++];
        }
    }
    out[o] = 0;
    *outlen = o;
    return out;
}

struct fz_conn {
    int fd;
    int how;
    bool two;
    char *bytes;
    size_t len, sent;
};

int
FUZZ_ENTRY(const uint8_t *data, size_t size)
{
    fz_start();
    struct fz_conn c[FZ_CONNS];
    size_t nc = 0;
    const char *p = (const char *)data, *end = p + size;
    while (p < end && nc < FZ_CONNS) {
        const char *sep = memmem(p, (size_t)(end - p), FZ_SEP, strlen(FZ_SEP));
        const char *stop = sep ? sep : end;
        struct fz_conn *k = &c[nc++];
        uint8_t ctl = stop > p ? (uint8_t)p[0] : 0; /* an empty one: connect, close */
        k->how = ctl & 3;
        k->two = (ctl & 4) != 0;
        k->bytes =
            stop > p ? fz_expand(p + 1, (size_t)(stop - p - 1), &k->len) : fz_expand(p, 0, &k->len);
        k->sent = 0;
        k->fd = fz_connect();
        p = sep ? sep + strlen(FZ_SEP) : end;
    }
    /* First pieces, then second pieces: the connections interleave. */
    for (size_t i = 0; i < nc; i++) {
        size_t want = c[i].how == 3 || c[i].two ? c[i].len / 2 : c[i].len;
        fz_send(c[i].fd, c[i].bytes, want);
        c[i].sent = want;
    }
    for (size_t i = 0; i < nc; i++) {
        if (c[i].how != 3) {
            fz_send(c[i].fd, c[i].bytes + c[i].sent, c[i].len - c[i].sent);
        }
    }
    for (size_t i = 0; i < nc; i++) {
        if (c[i].how == 1) {
            struct linger lg = {.l_onoff = 1, .l_linger = 0};
            setsockopt(c[i].fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
        } else if (c[i].how == 2) {
            char buf[256];
            fz_read(c[i].fd, buf, sizeof(buf), FZ_READ_MS);
        }
        close(c[i].fd);
        free(c[i].bytes);
    }
    fz_alive();
    return 0;
}
