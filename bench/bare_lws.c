/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * bare_lws.c - the libwebsockets baseline: a broadcast server with no
 * application at all, to measure what Concerto's own work costs.
 *
 * Any text message received on subprotocol "bench" is sent to every open
 * connection (the sender included). The fan-out is the one DESIGN.md asks of
 * Concerto: the message is copied once into a reference-counted buffer with
 * LWS_PRE headroom; each connection keeps a bounded queue of pointers to such
 * buffers and sends exactly one with one lws_write() per WRITEABLE callback.
 * A connection whose queue is full is closed, as Concerto does. No lws_ring:
 * its consume walks every session, O(N^2) per broadcast.
 *
 * usage: bare_lws [PORT]   (default 7681, on 127.0.0.1)
 */
#include <libwebsockets.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#define QUEUE_CAP 256
#define RX_MAX 65536

struct msg {
    unsigned refs;
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

static volatile sig_atomic_t interrupted;

static void
msg_unref(struct msg *m)
{
    if (--m->refs == 0) {
        free(m);
    }
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

static void
broadcast(struct vhost *vh, const unsigned char *text, size_t len)
{
    struct msg *m = malloc(sizeof(*m) + LWS_PRE + len);
    if (!m) {
        return;
    }
    m->refs = 1;
    m->len = len;
    memcpy(m->buf + LWS_PRE, text, len);
    lws_start_foreach_llp(struct session **, pp, vh->sessions) {
        struct session *s = *pp;
        if (s->closing) {
            /* skip */
        } else if (s->len == QUEUE_CAP) {
            queue_clear(s);
            s->closing = 1;
            lws_callback_on_writable(s->wsi);
        } else {
            m->refs++;
            s->q[(s->head + s->len) % QUEUE_CAP] = m;
            s->len++;
            lws_callback_on_writable(s->wsi);
        }
    }
    lws_end_foreach_llp(pp, next);
    msg_unref(m);
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
            broadcast(vh, s->rx, s->rxlen);
            s->rxlen = 0;
        }
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
    interrupted = 1;
}

int
main(int argc, char **argv)
{
    struct lws_context_creation_info info;
    struct rlimit rl = {65536, 65536};
    int port = argc > 1 ? atoi(argv[1]) : 7681;

    setrlimit(RLIMIT_NOFILE, &rl); /* as root; otherwise the current limit stays */
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    lws_set_log_level(LLL_ERR | LLL_WARN, NULL);

    memset(&info, 0, sizeof(info));
    info.port = port;
    info.iface = "127.0.0.1";
    info.protocols = protocols;
    info.options = LWS_SERVER_OPTION_VALIDATE_UTF8;
    struct lws_context *ctx = lws_create_context(&info);
    if (!ctx) {
        fprintf(stderr, "bare_lws: cannot start on port %d\n", port);
        return 1;
    }
    printf("listening on %d\n", port);
    fflush(stdout);
    while (!interrupted && lws_service(ctx, 0) >= 0) {
    }
    lws_context_destroy(ctx);
    return 0;
}
