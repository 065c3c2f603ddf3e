/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * net_limits.c - admission: how many connections an address and the server
 * may hold, how fast a session may send, and the refusals said on a bare
 * socket.
 *
 * Every accepted connection is counted against its address (loopback
 * exempt: a reverse proxy is there) as an HTTP connection until it becomes
 * a WebSocket, when admit_ws() counts it as one instead: each up to
 * --max-per-address, and WebSockets up to --max-connections in all.
 * Beyond, an HTTP connection is answered 429 at once and closed. The count
 * lives in a `struct conn`, lws's opaque user data of the connection from
 * its adoption to LWS_CALLBACK_WSI_DESTROY. Addresses are kept in a table
 * of ADDR_SLOTS by open addressing; a slot whose counts are back to zero is
 * reused.
 *
 * Messages: a token bucket per session (--msg-rate a second, bursts of
 * twice that); refusals are counted over FLOOD_WINDOW_S seconds, and
 * FLOOD_BURSTS bursts' worth of them cut the client off.
 *
 * Threads: the address table and the total are shared by all loops (and
 * loop 0's accepting) behind net->admit_mu; the rate state is the
 * session's, on its loop.
 */
#define _GNU_SOURCE
#include "net_impl.h"

#include "../err.h"
#include "../proto/proto.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* --- connections per address ---------------------------------------------- */

/* Loopback is exempt from the per-address caps: a reverse proxy is there. */
static bool
addr_loopback(const char *a)
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
const char *
admit_ws(struct net *n, struct ws_session *s)
{
    int max = n->cfg.max_connections ? n->cfg.max_connections : 20000;
    int per = n->cfg.max_per_address ? n->cfg.max_per_address : 200;
    const char *why = NULL;
    pthread_mutex_lock(&n->admit_mu);
    struct addr_slot *slot = addr_loopback(s->addr) ? NULL : addr_slot(n, s->addr);
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

/* A WebSocket admitted by admit_ws() is gone: its counts go (any loop's
 * thread). */
void
admit_ws_end(struct net *n, struct ws_session *s)
{
    if (!s->counted) {
        return;
    }
    s->counted = false;
    pthread_mutex_lock(&n->admit_mu);
    n->conns--;
    struct addr_slot *slot = addr_loopback(s->addr) ? NULL : addr_slot(n, s->addr);
    if (slot && strcmp(slot->addr, s->addr) == 0 && slot->conns > 0) {
        slot->conns--;
    }
    pthread_mutex_unlock(&n->admit_mu);
}

/* Seconds a client has to send a whole request. */
int
http_timeout(const struct net *n)
{
    return n->cfg.http_timeout ? n->cfg.http_timeout : 10;
}

/* Count a new connection from `ss` in its address's HTTP connections
 * (c->slot), unless it is loopback; ERR_RATE_LIMITED when that address
 * already has max_per_address of them (accepting thread). */
int
admit_http(struct net *n, const struct sockaddr_storage *ss, struct conn *c)
{
    char a[64] = "";
    if (ss->ss_family == AF_INET) {
        inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, a, sizeof(a));
    } else if (ss->ss_family == AF_INET6) {
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, a, sizeof(a));
    }
    if (!a[0] || addr_loopback(a)) {
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
void
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
void
conn_end(struct net *n, struct conn *c)
{
    conn_uncount(n, c);
    free(c);
}

/* The connection of `wsi` is over (WSI_DESTROY): its count goes. */
void
conn_gone(struct net *n, struct lws *wsi)
{
    struct conn *c = lws_get_opaque_user_data(wsi);
    if (c) {
        lws_set_opaque_user_data(wsi, NULL);
        conn_end(n, c);
    }
}

/* The connection's request is done: the next one has --http-timeout from now. */
void
conn_next(struct lws *wsi)
{
    struct conn *c = lws_get_opaque_user_data(wsi);
    if (c) {
        c->started = net_now_ms();
    }
}

/* --- message rates -------------------------------------------------------- */

/* Token bucket: may the session send one more message now? */
bool
ws_rate_ok(struct net *n, struct ws_session *s, int64_t now)
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
unsigned
ws_refusals(struct ws_session *s, int64_t now)
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

/* --- refusals on a bare socket -------------------------------------------- */

/* The reason phrase of the statuses http_send_error() may send. */
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
void
http_send_error(int fd, int code, const char *message)
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
