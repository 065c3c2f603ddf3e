/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * net.c - the libwebsockets shell around the hub.
 *
 * Two protocols on one vhost: "http" (first, so lws uses it for plain HTTP)
 * serves web/ and the JSON API; "concerto.v1" is the WebSocket endpoint
 * /ws?meeting=ID. Everything runs on one thread: net_run() calls
 * lws_service() for one poll turn, then hub_flush() (group commit, acks,
 * fan-out), forever.
 *
 * Sending follows DESIGN.md: each WebSocket session has a bounded ring of
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
 * a received message only stores the time; the one-second tick walks the
 * sessions once.
 *
 * Static files: only GET/HEAD, only paths of [A-Za-z0-9._/-] without ".."
 * or a segment starting with ".", resolved with realpath() and checked to
 * stay under the web root, regular files only (so no directory listing),
 * served with the security headers and an explicit MIME type.
 */
#define _DEFAULT_SOURCE
#include "net.h"

#include "../err.h"
#include "../hub/hub.h"
#include "../log.h"
#include "../proto/proto.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libwebsockets.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
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
#define QUEUE_BYTES (8u << 20) /* ...or this many bytes */
#define ADDR_SLOTS 8192        /* client addresses tracked for the per-address cap */
#define FLOOD_STRIKES 3        /* refused bursts before a flooding client is cut off */
#define WRITE_BATCH 512        /* messages one WRITEABLE may send while the socket takes them */
#define CLOSE_GRACE_S 5        /* seconds a close frame may wait for the socket before a drop */
#define API_BODY_MAX (1 << 20) /* HTTP API request bodies */
#define IDLE_PING_MS 30000     /* a WebSocket silent this long is pinged... */
#define IDLE_DROP_MS 70000     /* ...and dropped when silent this long */
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

struct addr_slot {
    char addr[64];
    int conns;
};

struct net {
    struct lws_context *ctx;
    struct net_config cfg;
    struct addr_slot *addrs; /* open addressing by client address */
    int conns;               /* WebSocket sessions */
    lws_sorted_usec_list_t tick; /* wakes the loop each second: grace periods, deadlines */
    struct ws_session *sessions; /* every WebSocket session, for the idle sweep */
    uint64_t queued;  /* messages waiting in all WebSocket queues */
    uint64_t cut_off; /* connections closed for being too slow */
    struct hub *hub;
    char web_root[PATH_MAX];
    volatile sig_atomic_t stop;
};

struct ws_session {
    struct lws *wsi;
    struct ws_session *prev, *next; /* in net.sessions */
    int64_t heard;    /* when the peer last sent anything (ms) */
    bool ping_due;    /* the idle sweep asks WRITEABLE for a ping */
    bool mid_message; /* a message's first frame went out, not yet its last */
    bool pinged;      /* a ping went out since the peer was last heard */
    struct hub_conn *hc;
    char addr[64];
    bool counted;     /* in n->conns and its address slot */
    double tokens;    /* rate limit: messages that may be sent now */
    int64_t refill;   /* when tokens were last topped up (ms) */
    int refused;      /* messages refused for rate since the last accepted */
    struct msg **q; /* ring of cap slots, grown by doubling up to QUEUE_MAX */
    unsigned cap, head, len;
    size_t bytes; /* queued */
    char *rx;
    size_t rxlen;
    bool discarding;
    bool closing;
    int close_status;
    char close_reason[64];
};

struct http_session {
    bool api;
    char method[8];
    char path[512];
    char bearer[128];
    char *body;
    size_t body_len;
    bool too_large;
    /* the answer, once the hub gives it */
    bool answered;
    bool headers_sent;
    int status;
    const char *ctype;
    char disposition[128];
    char *reply;
    size_t reply_len;
};

int64_t
net_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct net *
net_of(struct lws *wsi)
{
    return lws_context_user(lws_get_context(wsi));
}

/* --- WebSocket ------------------------------------------------------------ */

static void
ws_queue_clear(struct net *n, struct ws_session *s)
{
    n->queued -= s->len;
    while (s->len) {
        msg_unref(s->q[s->head]);
        s->head = (s->head + 1) % s->cap;
        s->len--;
    }
    s->bytes = 0;
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
    unsigned cap = s->cap ? s->cap * 2 : QUEUE_MIN;
    struct msg **q = malloc(cap * sizeof(*q));
    if (!q) {
        return -1;
    }
    for (unsigned i = 0; i < s->len; i++) {
        q[i] = s->q[(s->head + i) % s->cap];
    }
    free(s->q);
    s->q = q;
    s->cap = cap;
    s->head = 0;
    return 0;
}

static void
io_send(void *ctx, void *netp, struct msg *m)
{
    struct net *n = ctx;
    struct lws *wsi = netp;
    struct ws_session *s = lws_wsi_user(wsi);
    if (s->closing) {
        return;
    }
    if (ws_queue_room(s, m->len)) {
        /* Too slow: drop what is queued and cut it off; it resumes with `since`. */
        log_line(LOG_WARN, "connection too slow (%u messages, %zu bytes queued): closing",
                 s->len, s->bytes);
        ws_queue_clear(n, s);
        n->cut_off++;
        s->closing = true;
        s->close_status = 1008;
        snprintf(s->close_reason, sizeof(s->close_reason), "too slow, resume with since");
        /* Its socket is full, so the close frame may never go out: drop it anyway. */
        lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, CLOSE_GRACE_S);
        lws_callback_on_writable(wsi);
        return;
    }
    msg_ref(m);
    s->q[(s->head + s->len) % s->cap] = m;
    s->len++;
    s->bytes += m->len;
    n->queued++;
    lws_callback_on_writable(wsi);
}

static void
io_close(void *ctx, void *netp, int status, const char *reason)
{
    (void)ctx;
    struct lws *wsi = netp;
    struct ws_session *s = lws_wsi_user(wsi);
    s->closing = true;
    s->close_status = status;
    snprintf(s->close_reason, sizeof(s->close_reason), "%s", reason);
    /* The close frame goes out once the socket takes it; a peer that has
     * stopped reading never lets it, so it is dropped after CLOSE_GRACE_S. */
    lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, CLOSE_GRACE_S);
    lws_callback_on_writable(wsi);
}

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
        if (s->conns == 0 && !free_slot) {
            free_slot = s; /* reusable, but the address may be further on */
        }
    }
    return free_slot;
}

/* Admit a new WebSocket from `a`, or say why not. */
static const char *
admit(struct net *n, struct ws_session *s, const char *a)
{
    int max = n->cfg.max_connections ? n->cfg.max_connections : 20000;
    int per = n->cfg.max_per_address ? n->cfg.max_per_address : 200;
    if (n->conns >= max) {
        return "the server is full, try again later";
    }
    struct addr_slot *slot = loopback(a) ? NULL : addr_slot(n, a);
    if (slot && slot->addr[0] && strcmp(slot->addr, a) == 0 && slot->conns >= per) {
        return "too many connections from your address";
    }
    if (slot) {
        if (strcmp(slot->addr, a) != 0) {
            snprintf(slot->addr, sizeof(slot->addr), "%s", a);
            slot->conns = 0;
        }
        slot->conns++;
    }
    snprintf(s->addr, sizeof(s->addr), "%s", a);
    s->counted = true;
    n->conns++;
    return NULL;
}

static void
release(struct net *n, struct ws_session *s)
{
    if (!s->counted) {
        return;
    }
    s->counted = false;
    n->conns--;
    struct addr_slot *slot = loopback(s->addr) ? NULL : addr_slot(n, s->addr);
    if (slot && strcmp(slot->addr, s->addr) == 0 && slot->conns > 0) {
        slot->conns--;
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
    struct ws_session *s = user;
    struct net *n = net_of(wsi);
    char meeting[64], peer[64], uri[64];

    switch (reason) {
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        if (!origin_ok(n, wsi)) {
            /* A page of another site must not drive a member's session. */
            log_line(LOG_WARN, "WebSocket upgrade from a foreign origin: refused");
            lws_return_http_status(wsi, HTTP_STATUS_FORBIDDEN, "origin not allowed");
            return -1;
        }
        return 0;

    case LWS_CALLBACK_ESTABLISHED: {
        memset(s, 0, sizeof(*s));
        if (lws_hdr_copy(wsi, uri, sizeof(uri), WSI_TOKEN_GET_URI) <= 0 ||
            strcmp(uri, "/ws") != 0) {
            log_line(LOG_WARN, "WebSocket on a path other than /ws: refused");
            return -1;
        }
        query_meeting(wsi, meeting, sizeof(meeting));
        lws_get_peer_simple(wsi, peer, sizeof(peer));
        s->hc = hub_connect(n->hub, wsi, meeting, peer);
        if (!s->hc) {
            return -1;
        }
        s->wsi = wsi;
        s->heard = net_now_ms();
        s->next = n->sessions;
        if (n->sessions) {
            n->sessions->prev = s;
        }
        n->sessions = s;
        const char *why = admit(n, s, peer);
        if (why) {
            log_line(LOG_WARN, "connection from %s refused: %s", peer, why);
            hub_refuse(n->hub, s->hc, ERR_RATE_LIMITED, why);
            io_close(n, wsi, 1013, "try again later");
        }
        return 0;
    }

    case LWS_CALLBACK_RECEIVE_PONG:
        s->heard = net_now_ms();
        s->pinged = false;
        return 0;

    case LWS_CALLBACK_RECEIVE:
        if (!s->hc || s->closing) {
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
            hub_too_large(n->hub, s->hc);
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
                /* Slowed first, with a clear error; cut off if it goes on. */
                if (++s->refused % (n->cfg.msg_rate ? 2 * n->cfg.msg_rate : 40) == 1) {
                    hub_refuse(n->hub, s->hc, ERR_RATE_LIMITED, "too many messages, slow down");
                }
                if (s->refused > FLOOD_STRIKES * (n->cfg.msg_rate ? 2 * n->cfg.msg_rate : 40)) {
                    log_line(LOG_WARN, "connection from %s flooding: closing", s->addr);
                    hub_refuse(n->hub, s->hc, ERR_RATE_LIMITED, "flooding: disconnected");
                    io_close(n, wsi, 1008, "flooding");
                }
                s->rxlen = 0;
                free(s->rx);
                s->rx = NULL;
                return 0;
            }
            s->refused = 0;
            hub_message(n->hub, s->hc, whole ? in : s->rx, whole ? len : s->rxlen, now);
            s->rxlen = 0;
            free(s->rx);
            s->rx = NULL;
        }
        return 0;

    case LWS_CALLBACK_SERVER_WRITEABLE:
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
            for (int k = 0; s->len && k < WRITE_BATCH; k++) {
                if (k > 0 && lws_send_pipe_choked(wsi)) {
                    break;
                }
                struct msg *m = s->q[s->head];
                s->head = (s->head + 1) % s->cap;
                s->len--;
                s->bytes -= m->len;
                n->queued--;
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
                if (w < (int)0) {
                    return -1;
                }
            }
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
        if (s->wsi) {
            if (s->prev) {
                s->prev->next = s->next;
            } else {
                n->sessions = s->next;
            }
            if (s->next) {
                s->next->prev = s->prev;
            }
            s->wsi = NULL;
        }
        release(n, s);
        ws_queue_clear(n, s);
        free(s->q);
        s->q = NULL;
        s->cap = 0;
        free(s->rx);
        s->rx = NULL;
        if (s->hc) {
            hub_disconnect(n->hub, s->hc, net_now_ms());
            s->hc = NULL;
        }
        return 0;

    default:
        return 0;
    }
}

/* --- HTTP ---------------------------------------------------------------- */

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

static void
io_http(void *ctx, void *req, int status, const char *body, size_t len)
{
    (void)ctx;
    struct lws *wsi = req;
    struct http_session *s = lws_wsi_user(wsi);
    free(s->reply);
    s->reply = malloc(LWS_PRE + len + 1);
    if (!s->reply) {
        s->reply_len = 0;
        s->status = 503;
    } else {
        memcpy(s->reply + LWS_PRE, body, len);
        s->reply_len = len;
        s->status = status;
    }
    s->answered = true;
    lws_callback_on_writable(wsi);
}

static void
io_file(void *ctx, void *req, const char *body, size_t len, const char *ctype,
        const char *filename)
{
    struct lws *wsi = req;
    struct http_session *s = lws_wsi_user(wsi);
    io_http(ctx, req, 200, body, len);
    s->ctype = ctype;
    snprintf(s->disposition, sizeof(s->disposition), "attachment; filename=\"%s\"", filename);
}

/* Answer at once from the HTTP callback (for errors found before the hub). */
static void
http_fail_now(struct net *n, struct lws *wsi, int code, const char *message)
{
    (void)n;
    char *e = proto_http_error(code, message);
    io_http(NULL, wsi, err_http_status(code), e ? e : "{}", e ? strlen(e) : 2);
    free(e);
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
http_write_reply(struct lws *wsi, struct http_session *s)
{
    if (!s->headers_sent) {
        unsigned char hdr[LWS_PRE + 2048];
        unsigned char *start = hdr + LWS_PRE, *p = start, *end = hdr + sizeof(hdr) - 1;
        if (lws_add_http_common_headers(wsi, (unsigned int)s->status,
                                        s->ctype ? s->ctype : "application/json", s->reply_len,
                                        &p, end) ||
            lws_add_http_header_by_name(wsi, (const unsigned char *)"cache-control:",
                                        (const unsigned char *)"no-store", 8, &p, end) ||
            lws_add_http_header_by_name(wsi, (const unsigned char *)"content-security-policy:",
                                        (const unsigned char *)CSP, (int)strlen(CSP), &p, end) ||
            lws_add_http_header_by_name(wsi, (const unsigned char *)"x-content-type-options:",
                                        (const unsigned char *)"nosniff", 7, &p, end) ||
            (s->disposition[0] &&
             lws_add_http_header_by_name(wsi, (const unsigned char *)"content-disposition:",
                                         (const unsigned char *)s->disposition,
                                         (int)strlen(s->disposition), &p, end)) ||
            lws_finalize_write_http_header(wsi, start, &p, end)) {
            return -1;
        }
        s->headers_sent = true;
        lws_callback_on_writable(wsi);
        return 0;
    }
    if (s->reply_len &&
        lws_write(wsi, (unsigned char *)s->reply + LWS_PRE, s->reply_len, LWS_WRITE_HTTP_FINAL) <
            (int)s->reply_len) {
        return -1;
    }
    free(s->reply);
    s->reply = NULL;
    return lws_http_transaction_completed(wsi) ? -1 : 0;
}

static void
http_reset(struct http_session *s)
{
    free(s->body);
    free(s->reply);
    lws_explicit_bzero(s->bearer, sizeof(s->bearer));
    memset(s, 0, sizeof(*s));
}

static int
cb_http(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
    struct http_session *s = user;
    struct net *n = net_of(wsi);
    char file[PATH_MAX];

    switch (reason) {
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        /* A WebSocket upgrade without our subprotocol lands here: refuse it. */
        log_line(LOG_WARN, "WebSocket upgrade without subprotocol concerto.v1: refused");
        return -1;

    case LWS_CALLBACK_HTTP: {
        http_reset(s);
        const char *path = in;
        snprintf(s->method, sizeof(s->method), "%s", method_of(wsi));
        if (strcmp(path, "/metrics") == 0) {
            if (strcmp(s->method, "GET") != 0) {
                http_fail_now(n, wsi, ERR_METHOD, NULL);
                return 0;
            }
            char extra[512];
            snprintf(extra, sizeof(extra),
                     "# HELP concerto_fanout_queued Messages waiting in connection queues.\n"
                     "# TYPE concerto_fanout_queued gauge\nconcerto_fanout_queued %llu\n"
                     "# HELP concerto_slow_clients_total Connections cut off for being too slow.\n"
                     "# TYPE concerto_slow_clients_total counter\n"
                     "concerto_slow_clients_total %llu\n",
                     (unsigned long long)n->queued, (unsigned long long)n->cut_off);
            char *text = hub_metrics_text(n->hub, extra);
            if (!text) {
                http_fail_now(n, wsi, ERR_NOMEM, NULL);
                return 0;
            }
            io_http(NULL, wsi, 200, text, strlen(text));
            s->ctype = "text/plain; version=0.0.4; charset=utf-8";
            free(text);
            return 0;
        }
        if (strncmp(path, "/api/", 5) == 0 || strcmp(path, "/api") == 0 ||
            strcmp(path, "/healthz") == 0) {
            s->api = true;
            if (strlen(path) >= sizeof(s->path)) {
                http_fail_now(n, wsi, ERR_NOT_FOUND, "no such route");
                return 0;
            }
            snprintf(s->path, sizeof(s->path), "%s", path);
            read_bearer(wsi, s->bearer, sizeof(s->bearer));
            if (strcmp(s->method, "POST") == 0) {
                char cl[32];
                if (lws_hdr_copy(wsi, cl, sizeof(cl), WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0 &&
                    strtoull(cl, NULL, 10) > API_BODY_MAX) {
                    s->too_large = true;
                    http_fail_now(n, wsi, ERR_TOO_LARGE, "request body over 1 MiB");
                    return 0;
                }
                if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH) == 0) {
                    hub_http(n->hub, wsi, s->method, s->path, s->bearer, "", 0, net_now_ms());
                }
                return 0; /* the body follows */
            }
            hub_http(n->hub, wsi, s->method, s->path, s->bearer, "", 0, net_now_ms());
            return 0;
        }
        if (strcmp(s->method, "GET") != 0 && strcmp(s->method, "HEAD") != 0) {
            http_fail_now(n, wsi, ERR_METHOD, NULL);
            return 0;
        }
        if (static_path(n, path, file, sizeof(file))) {
            http_fail_now(n, wsi, ERR_NOT_FOUND, "no such file");
            return 0;
        }
        int r = lws_serve_http_file(wsi, file, mime_of(file), security_headers,
                                    (int)strlen(security_headers));
        if (r < 0 || (r > 0 && lws_http_transaction_completed(wsi))) {
            return -1;
        }
        return 0;
    }

    case LWS_CALLBACK_HTTP_BODY:
        if (!s->api || s->too_large || s->answered || len == 0) {
            return 0; /* an empty body arrives as no data at all */
        }
        if (s->body_len + len > API_BODY_MAX) {
            s->too_large = true;
            http_fail_now(n, wsi, ERR_TOO_LARGE, "request body over 1 MiB");
            return 0;
        }
        {
            char *b = realloc(s->body, s->body_len + len + 1);
            if (!b) {
                return -1;
            }
            s->body = b;
            memcpy(s->body + s->body_len, in, len);
            s->body_len += len;
            s->body[s->body_len] = 0;
        }
        return 0;

    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        if (s->api && !s->too_large && !s->answered) {
            hub_http(n->hub, wsi, s->method, s->path, s->bearer, s->body ? s->body : "",
                     s->body_len, net_now_ms());
        }
        free(s->body); /* read by hub_http(); lws may drop the session without CLOSED_HTTP */
        s->body = NULL;
        s->body_len = 0;
        return 0;

    case LWS_CALLBACK_HTTP_WRITEABLE:
        if (s->answered) {
            return http_write_reply(wsi, s);
        }
        return 0;

    case LWS_CALLBACK_HTTP_FILE_COMPLETION:
        return lws_http_transaction_completed(wsi) ? -1 : 0;

    case LWS_CALLBACK_CLOSED_HTTP:
        /* A connection closed before any request has no session. */
        hub_http_gone(n->hub, wsi);
        if (s) {
            http_reset(s);
        }
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
    {"http", cb_http, sizeof(struct http_session), 4096, 0, NULL, TX_MAX},
    {"concerto.v1", cb_ws, sizeof(struct ws_session), WS_RX_BUFFER, 0, NULL, TX_MAX},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

/* No validity timer per connection (see the top of this file): the idle
 * sweep in on_tick() pings and drops. */
static const lws_retry_bo_t retry = {
    .secs_since_valid_ping = 0,
    .secs_since_valid_hangup = 0,
};

/* Try the address first, so that a busy port is one clear line, not lws's log. */
static int
probe(const char *addr, int port, const char **msg)
{
    struct sockaddr_in6 sa6;
    struct sockaddr_in sa4;
    int fam = strchr(addr, ':') ? AF_INET6 : AF_INET;
    int fd = socket(fam, SOCK_STREAM, 0);
    if (fd < 0) {
        *msg = "cannot create a socket";
        return ERR_IO;
    }
    int one = 1, rc = 0;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (fam == AF_INET) {
        memset(&sa4, 0, sizeof(sa4));
        sa4.sin_family = AF_INET;
        sa4.sin_port = htons((uint16_t)port);
        if (inet_pton(AF_INET, addr, &sa4.sin_addr) != 1) {
            *msg = "the listen address is not an IP address";
            rc = ERR_INVALID;
        } else if (bind(fd, (struct sockaddr *)&sa4, sizeof(sa4)) != 0) {
            rc = ERR_IO;
        }
    } else {
        memset(&sa6, 0, sizeof(sa6));
        sa6.sin6_family = AF_INET6;
        sa6.sin6_port = htons((uint16_t)port);
        if (inet_pton(AF_INET6, addr, &sa6.sin6_addr) != 1) {
            *msg = "the listen address is not an IP address";
            rc = ERR_INVALID;
        } else if (bind(fd, (struct sockaddr *)&sa6, sizeof(sa6)) != 0) {
            rc = ERR_IO;
        }
    }
    if (rc == ERR_IO) {
        *msg = errno == EADDRINUSE    ? "address already in use (is another server running?)"
               : errno == EACCES      ? "permission denied for this port"
               : errno == EADDRNOTAVAIL ? "this address is not on this machine"
                                      : "cannot bind the listen address";
    }
    close(fd);
    return rc;
}

static void
lws_log(int level, const char *line)
{
    (void)level;
    /* lws ends its lines with a newline; ours adds one. */
    size_t n = strlen(line);
    log_line(LOG_WARN, "lws: %.*s", (int)(n && line[n - 1] == '\n' ? n - 1 : n), line);
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
    n->addrs = calloc(ADDR_SLOTS, sizeof(*n->addrs));
    if (!n->addrs) {
        *msg = "out of memory";
        free(n);
        return ERR_NOMEM;
    }
    if (!realpath(cfg->web_root, n->web_root)) {
        *msg = "the web directory does not exist";
        free(n->addrs);
        free(n);
        return ERR_IO;
    }
    int rc = probe(cfg->addr, cfg->port, msg);
    if (rc) {
        free(n->addrs);
        free(n);
        return rc;
    }
    lws_set_log_level(LLL_ERR, lws_log);
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof(info));
    info.port = cfg->port;
    info.iface = cfg->addr;
    info.protocols = protocols;
    info.user = n;
    info.retry_and_idle_policy = &retry;
    info.options = LWS_SERVER_OPTION_VALIDATE_UTF8;
    if (!strchr(cfg->addr, ':')) {
        /* An IPv4 address: without this, lws listens on [::] and so on every
         * address of the machine. */
        info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
    }
    info.timeout_secs = (unsigned int)(cfg->http_timeout ? cfg->http_timeout : 10);
    info.timeout_secs_ah_idle = info.timeout_secs; /* a request's headers: lws's own 10 s otherwise */
    info.max_http_header_data = 4096;
    info.fd_limit_per_thread = 0;
    n->ctx = lws_create_context(&info);
    if (!n->ctx) {
        *msg = "cannot start the network service";
        free(n->addrs);
        free(n);
        return ERR_IO;
    }
    *out = n;
    return 0;
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

/* Ping a WebSocket silent for IDLE_PING_MS, drop one silent for IDLE_DROP_MS;
 * nginx's default proxy_read_timeout (60 s) never fires first. Any message
 * or pong counts as hearing from the peer. */
static void
idle_sweep(struct net *n, int64_t now)
{
    for (struct ws_session *s = n->sessions; s; s = s->next) {
        int64_t quiet = now - s->heard;
        if (s->closing || quiet < IDLE_PING_MS) {
            continue;
        }
        if (quiet >= IDLE_DROP_MS) {
            log_line(LOG_INFO, "connection from %s silent for %lld s: dropped", s->addr,
                     (long long)(quiet / 1000));
            s->closing = true;
            lws_set_timeout(s->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
        } else if (!s->pinged) {
            s->pinged = true;
            s->ping_due = true;
            lws_callback_on_writable(s->wsi);
        }
    }
}

static void
on_tick(lws_sorted_usec_list_t *sul)
{
    struct net *n = lws_container_of(sul, struct net, tick);
    /* Returning from lws_service() runs hub_flush(): grace periods, deadlines. */
    idle_sweep(n, net_now_ms());
    lws_sul_schedule(n->ctx, 0, &n->tick, on_tick, LWS_US_PER_SEC);
}

int
net_run(struct net *n)
{
    lws_sul_schedule(n->ctx, 0, &n->tick, on_tick, LWS_US_PER_SEC);
    while (!n->stop) {
        if (lws_service(n->ctx, 0) < 0) {
            return ERR_IO;
        }
        hub_flush(n->hub, net_now_ms());
    }
    return 0;
}

void
net_stop(struct net *n)
{
    n->stop = 1;
    lws_cancel_service(n->ctx);
}

void
net_free(struct net *n)
{
    if (!n) {
        return;
    }
    lws_context_destroy(n->ctx);
    free(n->addrs);
    free(n);
}
