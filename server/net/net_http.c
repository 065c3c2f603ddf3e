/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * net_http.c - HTTP on a loop (protocol "http"): static files, API requests
 * given to the hub and its answers written back, document uploads.
 *
 * A request must arrive whole within --http-timeout: lws bounds the
 * headers, and a timer of the connection bounds the body (lws restarts its
 * own timeout with each piece, so a body trickled a byte at a time would
 * never end). An API request's body is at most API_BODY_MAX. A request
 * handed to the hub is on loop->waiting until answered; a client that
 * leaves first is reported to the hub (OP_HTTP_GONE) and its handle freed
 * at the hub's OP_RELEASE (net_queue.c).
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
 * Static files: only GET/HEAD, only paths of [A-Za-z0-9._/-] without ".."
 * or a segment starting with ".", resolved with realpath() and checked to
 * stay under the web root, regular files only (so no directory listing),
 * served with the security headers and an explicit MIME type.
 *
 * Threads: io_answer(), io_http() and io_file() run on the hub's thread and
 * hand the answer to the request's loop (OP_ANSWER); everything else runs
 * on the request's loop. net->uploading is an atomic shared by all loops.
 */
#define _GNU_SOURCE
#include "net_impl.h"

#include "../err.h"
#include "../log.h"
#include "../proto/proto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The security headers: all of them on static files, the policy and
 * nosniff on API answers (http_write_reply()). */
#define CSP                                                                                      \
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "           \
    "connect-src 'self'; frame-src https:; object-src 'none'; base-uri 'none'; "                 \
    "frame-ancestors 'none'; form-action 'self'"

static const char security_headers[] = "content-security-policy: " CSP "\r\n"
                                       "x-content-type-options: nosniff\r\n"
                                       "referrer-policy: no-referrer\r\n"
                                       "x-frame-options: DENY\r\n"
                                       "cross-origin-opener-policy: same-origin\r\n";

/* --- requests and answers ------------------------------------------------- */

/* Off loop->waiting (no-op when not on it). Every path that frees a request
 * or reuses it passes here first: the idle sweep walks that list. */
static void
req_unwait(struct http_req *r)
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

/* The request's share of the upload budget goes back. */
static void
upload_release(struct http_req *r)
{
    if (r->reserved) {
        atomic_fetch_sub(&r->h.loop->n->uploading, r->reserved);
        r->reserved = 0;
    }
}

/* Free a request handle: off loop->waiting, its upload budget given back. */
void
req_free(struct http_req *r)
{
    req_unwait(r);
    upload_release(r);
    free(r->body);
    free(r->reply);
    lws_explicit_bzero(r->bearer, sizeof(r->bearer));
    free(r);
}

/* Take the hub's answer (loop side): `reply` (steals; NULL when memory was
 * short) holds LWS_PRE bytes, then len bytes of body. */
void
req_answer(struct http_req *r, int status, char *reply, size_t len, const char *ctype,
           const char *disposition)
{
    r->in_hub = false;
    req_unwait(r);
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

/* An answer for request `r`: copied with LWS_PRE headroom and the
 * disposition after the body, then taken by r's loop. */
void
io_answer(struct http_req *r, int status, const char *body, size_t len, const char *ctype,
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
    if (to_loop_direct(r->h.loop)) {
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

/* hub_io.http: a JSON answer. */
void
io_http(void *ctx, void *req, int status, const char *body, size_t len)
{
    (void)ctx;
    io_answer(req, status, body, len, NULL, NULL);
}

/* hub_io.file: a document to download, named `filename`. */
void
io_file(void *ctx, void *req, const char *body, size_t len, const char *ctype,
        const char *filename)
{
    (void)ctx;
    io_answer(req, 200, body, len, ctype, filename);
}

/* Answer at once from the HTTP callback (for errors found before the hub). */
void
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
                    .borrowed = to_hub_direct(l)};
    if (!to_hub_direct(l)) {
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
    req_unwait(r); /* nobody to answer any more */
    if (r->in_hub) {
        handle_goodbye(l, &r->h); /* freed at the hub's OP_RELEASE */
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

/* WRITEABLE with the hub's answer: the headers, then the body REPLY_CHUNK
 * bytes at a time; -1 once all is written (the connection ends, see below). */
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
        req_unwait(r);
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

/* --- uploads -------------------------------------------------------------- */

size_t
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

/* --- static files --------------------------------------------------------- */

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

/* --- the request's arrival ------------------------------------------------ */

/* GET /metrics: the hub's thread writes it (hub_apply()). */
static void
http_metrics(struct loop *l, struct http_req *r)
{
    if (strcmp(r->method, "GET") != 0) {
        http_fail_now(r, ERR_METHOD, NULL);
        return;
    }
    r->metrics = true;
    http_to_hub(l, r);
}

/* A POST to the API: an upload's checks, or the body's size against
 * API_BODY_MAX as announced; given to the hub at once when it has no body,
 * else when the body is complete (http_body_done()). */
static void
http_api_post(struct loop *l, struct lws *wsi, struct http_req *r)
{
    struct net *n = l->n;
    char cl[32];
    r->upload = upload_path(r->path);
    if (r->upload && upload_begin(n, wsi, r)) {
        return; /* refused */
    }
    if (!r->upload && lws_hdr_copy(wsi, cl, sizeof(cl), WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0 &&
        strtoull(cl, NULL, 10) > API_BODY_MAX) {
        r->too_large = true;
        http_fail_now(r, ERR_TOO_LARGE, "request body over 1 MiB");
        return;
    }
    if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH) == 0) {
        http_to_hub(l, r);
        return;
    }
    /* The body follows, within --http-timeout of the request's start all
     * told: lws's own timeout restarts with each piece, and a body trickled
     * a byte at a time would never end. */
    struct conn *c = lws_get_opaque_user_data(wsi);
    int64_t left = (c ? c->started : net_now_ms()) + 1000 * http_timeout(n) - net_now_ms();
    lws_set_timer_usecs(wsi, left > 0 ? left * 1000 : 1);
}

/* An API request (/api/..., /healthz): its path and bearer token kept for
 * the hub. */
static void
http_api(struct loop *l, struct lws *wsi, struct http_req *r, const char *path)
{
    r->api = true;
    if (strlen(path) >= sizeof(r->path)) {
        http_fail_now(r, ERR_NOT_FOUND, "no such route");
        return;
    }
    snprintf(r->path, sizeof(r->path), "%s", path);
    read_bearer(wsi, r->bearer, sizeof(r->bearer));
    if (strcmp(r->method, "POST") == 0) {
        http_api_post(l, wsi, r);
        return;
    }
    http_to_hub(l, r);
}

/* Any other path is a file of the web root, served by lws itself: the
 * request needs no handle. -1 ends the connection. */
static int
http_static(struct net *n, struct lws *wsi, struct slot *slot, struct http_req *r,
            const char *path)
{
    char file[PATH_MAX];
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

/* A request's headers are in (LWS_CALLBACK_HTTP): routed to /metrics, the
 * API or the static files. -1 ends the connection. */
static int
http_request(struct loop *l, struct lws *wsi, struct slot *slot, const char *path)
{
    struct http_req *r = http_begin(l, wsi, slot);
    if (!r) {
        return -1;
    }
    snprintf(r->method, sizeof(r->method), "%s", method_of(wsi));
    if (strcmp(path, "/metrics") == 0) {
        http_metrics(l, r);
        return 0;
    }
    if (strncmp(path, "/api/", 5) == 0 || strcmp(path, "/api") == 0 ||
        strcmp(path, "/healthz") == 0) {
        http_api(l, wsi, r, path);
        return 0;
    }
    return http_static(l->n, wsi, slot, r, path);
}

/* A piece of an API request's body: into an upload's buffer, sized from its
 * Content-Length, or appended (NUL-ended) up to API_BODY_MAX. -1 ends the
 * connection. */
static int
http_body(struct http_req *r, const char *in, size_t len)
{
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
    char *b = realloc(r->body, r->body_len + len + 1);
    if (!b) {
        return -1;
    }
    r->body = b;
    memcpy(r->body + r->body_len, in, len);
    r->body_len += len;
    r->body[r->body_len] = 0;
    return 0;
}

/* The body is complete: its deadline goes, and the request to the hub. */
static void
http_body_done(struct loop *l, struct lws *wsi, struct http_req *r)
{
    lws_set_timer_usecs(wsi, LWS_SET_TIMER_USEC_CANCEL);
    if (r && r->api && !r->too_large && !r->answered && !r->in_hub) {
        http_to_hub(l, r);
    }
    if (r) {
        free(r->body); /* lws may drop the session without CLOSED_HTTP */
        r->body = NULL;
        r->body_len = 0;
    }
}

/* --- the callback --------------------------------------------------------- */

/* An upgrade to WebSocket (HTTP_CONFIRM_UPGRADE): lws would drop one
 * naming only other subprotocols without a word, so it is refused here,
 * with a status a client library reports; so is a foreign Origin. */
static int
http_confirm_upgrade(struct net *n, struct lws *wsi, const char *upgrade)
{
    if (strcmp(upgrade, "websocket") != 0 || !offers_ours(wsi)) {
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
}

/* lws's callback of the "http" protocol, on the connection's loop (the
 * listener's RAW_RX_FILE on loop 0): each reason to its step. */
int
cb_http(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
    struct slot *slot = user;
    struct http_req *r = slot ? slot->p : NULL;
    struct loop *l = loop_of(wsi);
    struct net *n = l->n;

    switch (reason) {
    case LWS_CALLBACK_RAW_RX_FILE:
        if (lws_get_socket_fd(wsi) == n->listen_fd) {
            accept_some(n);
        }
        return 0;

    case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
        return http_confirm_upgrade(n, wsi, in);

    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        /* A WebSocket upgrade without our subprotocol lands here: refuse it. */
        log_line(LOG_WARN, "WebSocket upgrade without subprotocol concerto.v1: refused");
        upgrade_refuse(wsi, ERR_INVALID, "subprotocol concerto.v1 required");
        return -1;

    case LWS_CALLBACK_HTTP:
        return http_request(l, wsi, slot, in);

    case LWS_CALLBACK_HTTP_BODY:
        return http_body(r, in, len);

    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        http_body_done(l, wsi, r);
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
