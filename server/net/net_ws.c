/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * net_ws.c - WebSocket sessions (protocol "concerto.v1", /ws?meeting=ID),
 * loop side: the upgrade's checks, a session's start and end, its messages
 * in, and the idle sweep.
 *
 * An upgrade must offer the subprotocol concerto.v1 and come from an
 * acceptable Origin; otherwise it is refused with the API's HTTP status and
 * JSON error (upgrade_refuse()), which a client library reports. A session
 * is admitted against the caps of net_limits.c; one refused is still told
 * why (a typed error, then a close by the hub, so that the error goes out
 * first). Messages arrive whole in lws's buffer (read in place) or in
 * pieces joined in s->rx; each is checked against the session's rate and
 * given to the hub. A message over RX_MAX is dropped and reported.
 *
 * Idle connections are pinged and dropped here, not by lws's validity timer:
 * lws keeps one timer per connection in a sorted list and moves it on every
 * message received, an insertion that walks the whole list, so ten thousand
 * connections made each hello and each ballot cost ten thousand steps. Here
 * a received message only stores the time; each loop's one-second tick walks
 * its sessions once (idle_sweep()).
 *
 * Invariant: a session is on loop->sessions exactly while its wsi lives;
 * once the hub has heard of it (hub_known), it is freed only at the hub's
 * OP_RELEASE, after the goodbye its close sends (net_queue.c).
 *
 * Threads: everything here runs on the session's loop, except that
 * admission (net_limits.c) takes a lock shared by all loops, and `lost` is
 * set by the hub's thread.
 */
#define _GNU_SOURCE
#include "net_impl.h"

#include "../err.h"
#include "../log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* --- the upgrade ---------------------------------------------------------- */

/* Is the Origin of this upgrade acceptable? No Origin (not a browser), the
 * server's own (same host), or one of --allow-origin. */
bool
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

/* Does the upgrade offer our subprotocol (Sec-WebSocket-Protocol, a list)? */
bool
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

/* Refuse a WebSocket upgrade with the API's HTTP status and JSON error
 * (PROTOCOL.md 4), so that a client library reports the status: lws has
 * read the request and sent nothing yet, and closes the connection once
 * this returns. */
void
upgrade_refuse(struct lws *wsi, int code, const char *message)
{
    http_send_error(lws_get_socket_fd(wsi), code, message);
}

/* The meeting=ID of the upgrade's query string, or "". */
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

/* --- sessions ------------------------------------------------------------- */

/* Free a session whose connection is gone (its ring is already empty). */
void
ws_free(struct ws_session *s)
{
    if (s->q != s->first) {
        free(s->q);
    }
    free(s->rx);
    free(s);
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

/* On loop->sessions, which the idle sweep walks, while its wsi lives. */
static void
ws_link(struct loop *l, struct ws_session *s)
{
    s->next = l->sessions;
    if (l->sessions) {
        l->sessions->prev = s;
    }
    l->sessions = s;
}

/* Off loop->sessions, when its wsi is gone. */
static void
ws_unlink(struct loop *l, struct ws_session *s)
{
    if (s->prev) {
        s->prev->next = s->next;
    } else {
        l->sessions = s->next;
    }
    if (s->next) {
        s->next->prev = s->prev;
    }
    s->prev = s->next = NULL;
}

/* A WebSocket is up (ESTABLISHED): on /ws only; its session is told to the
 * hub, listed for the idle sweep, then admitted, or refused with a typed
 * error that the hub follows with a close. -1 drops the connection. */
static int
ws_established(struct loop *l, struct lws *wsi, struct slot *slot)
{
    struct net *n = l->n;
    char uri[64];
    slot->p = NULL;
    if (lws_hdr_copy(wsi, uri, sizeof(uri), WSI_TOKEN_GET_URI) <= 0 ||
        strcmp(uri, "/ws") != 0) {
        log_line(LOG_WARN, "WebSocket on a path other than /ws: refused");
        return -1;
    }
    /* A WebSocket now: counted by admit_ws(), not as an HTTP connection. */
    conn_uncount(n, lws_get_opaque_user_data(wsi));
    struct ws_session *s = calloc(1, sizeof(*s));
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
    ws_link(l, s);
    const char *why = admit_ws(n, s);
    if (why) {
        log_line(LOG_WARN, "connection from %s refused: %s", s->addr, why);
        ws_refuse(s, ERR_RATE_LIMITED, why, 1013, "try again later");
    }
    return 0;
}

/* The connection is gone (CLOSED): off the lists and the counts; the
 * session is freed now, or at the hub's OP_RELEASE if the hub knows it. */
static void
ws_closed(struct loop *l, struct slot *slot, struct ws_session *s)
{
    slot->p = NULL;
    ws_unlink(l, s);
    s->wsi = NULL;
    admit_ws_end(l->n, s);
    ws_queue_clear(s);
    free(s->rx);
    s->rx = NULL;
    if (s->hub_known) {
        handle_goodbye(l, &s->h); /* freed at the hub's OP_RELEASE */
    } else {
        ws_free(s);
    }
}

/* --- messages in -------------------------------------------------------- */

/* The peer was heard from (a message or a pong): the idle sweep counts
 * silence from now. */
static void
ws_heard(struct ws_session *s)
{
    s->heard = net_now_ms();
    s->pinged = false;
}

/* A message over the session's rate: slowed first, with a clear error (one
 * a second at most); cut off if it goes on. */
static void
ws_slow_down(struct net *n, struct ws_session *s, int64_t now)
{
    unsigned burst = 2 * (unsigned)(n->cfg.msg_rate ? n->cfg.msg_rate : 20);
    if (ws_refusals(s, now) > FLOOD_BURSTS * burst) {
        log_line(LOG_WARN, "connection from %s flooding: closing", s->addr);
        ws_refuse(s, ERR_RATE_LIMITED, "flooding: disconnected", 1008, "flooding");
    } else if (now - s->warned >= 1000) {
        s->warned = now;
        ws_refuse(s, ERR_RATE_LIMITED, "too many messages, slow down", 0, NULL);
    }
}

/* A complete message from the peer, checked against its rate and given to
 * the hub: `data` is lws's buffer when the message came `whole`, else s->rx
 * (which the op then takes when it crosses threads). */
static void
ws_message(struct loop *l, struct ws_session *s, char *data, size_t len, bool whole)
{
    struct net *n = l->n;
    int64_t now = net_now_ms();
    if (!ws_rate_ok(n, s, now)) {
        ws_slow_down(n, s, now);
        return;
    }
    if (to_hub_direct(l)) {
        /* Read in place: the hub copies what it keeps. */
        struct op op = {.kind = OP_MESSAGE,
                        .who = &s->h,
                        .data = data,
                        .len = len,
                        .now = now,
                        .borrowed = true};
        hub_apply(n, &op);
        return;
    }
    struct op op = {.kind = OP_MESSAGE, .len = len, .now = now};
    op.data = whole ? malloc(len) : data;
    if (whole && op.data) {
        memcpy(op.data, data, len);
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

/* A piece of a message (RECEIVE). Most messages arrive whole and are read
 * in place; pieces are joined in s->rx. One over RX_MAX is reported to the
 * hub once and the rest of it discarded. -1 drops the connection. */
static int
ws_receive(struct loop *l, struct lws *wsi, struct ws_session *s, void *in, size_t len)
{
    if (!s || s->closing || s->doomed) {
        return 0;
    }
    ws_heard(s);
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
        ws_message(l, s, whole ? in : s->rx, whole ? len : s->rxlen, whole);
        s->rxlen = 0;
        free(s->rx);
        s->rx = NULL;
    }
    return 0;
}

/* --- the callback ------------------------------------------------------- */

/* lws's callback of the "concerto.v1" protocol, on the session's loop:
 * each reason to its step. */
int
cb_ws(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
    struct slot *slot = user;
    struct ws_session *s = slot ? slot->p : NULL;
    struct loop *l = loop_of(wsi);

    switch (reason) {
    case LWS_CALLBACK_ESTABLISHED:
        return ws_established(l, wsi, slot);
    case LWS_CALLBACK_RECEIVE_PONG:
        if (s) {
            ws_heard(s);
        }
        return 0;
    case LWS_CALLBACK_RECEIVE:
        return ws_receive(l, wsi, s, in, len);
    case LWS_CALLBACK_SERVER_WRITEABLE:
        return s ? ws_writeable(s, wsi) : -1;
    case LWS_CALLBACK_CLOSED:
        if (s) {
            ws_closed(l, slot, s);
        }
        return 0;
    case LWS_CALLBACK_WSI_DESTROY:
        conn_gone(l->n, wsi);
        return 0;
    default:
        return 0;
    }
}

/* --- each loop's second --------------------------------------------------- */

/* Ping a WebSocket silent for its ping_after (IDLE_PING_MIN_MS to
 * IDLE_PING_MS), drop one silent for IDLE_DROP_MS; nginx's default
 * proxy_read_timeout (60 s) never fires first. Any message or pong counts
 * as hearing from the peer. Sessions and requests the hub could not reach
 * (memory) are closed, or answered 503. */
void
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
