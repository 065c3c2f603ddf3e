/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * net.h - libwebsockets: HTTP (static files and the API) and the WebSocket
 * endpoint, around one hub. The only module that includes libwebsockets.
 */
#ifndef CONCERTO_NET_H
#define CONCERTO_NET_H

#include <stddef.h>
#include <stdint.h>

struct hub;
struct hub_io;
struct net;

struct net_config {
    const char *addr; /* "127.0.0.1" */
    int port;
    const char *web_root;        /* directory served over HTTP; must exist */
    const char *const *origins;  /* allowed WebSocket origins besides the server's own; NULL-ended */
    int max_connections;         /* WebSockets in all; 0: 20000 */
    int max_per_address;         /* WebSockets per client address, and apart other HTTP
                                    connections (loopback exempt); 0: 200 */
    int msg_rate;                /* messages per second per connection; 0: 20 */
    int http_timeout;            /* seconds to send a whole request (headers, body); 0: 10 */
    int threads;                 /* loops serving connections (threads); < 1: 1 */
    size_t document_max;         /* bytes of an uploaded document; 0: 20 MiB */
    int epoll;                   /* each loop waits with epoll (lws's libev loop) instead of
                                    poll(): a wake-up costs what is ready, not every socket */
};

/* Bind and get ready to serve. On failure, *msg (static) says why in one
 * line: "address already in use", ... */
int net_new(const struct net_config *cfg, struct net **out, const char **msg);

/* Attach the hub, whose hub_io must be net_io(n). */
void net_attach(struct net *n, struct hub *h);
void net_io(struct net *n, struct hub_io *io);

/* Serve until net_stop() (safe from a signal handler). Every hub call is
 * made on the calling thread; threads-1 more threads serve connections. */
int net_run(struct net *n);
void net_stop(struct net *n);
/* Make loop 0 run a turn of the hub soon, from any thread (`n` is a struct
 * net: the signature of worker_open()'s wake). */
void net_wake(void *n);
void net_free(struct net *n); /* NULL-safe */

int64_t net_now_ms(void);

#endif
