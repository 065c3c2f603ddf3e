/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * loadgen.c - a load generator for Concerto and for the two baselines of
 * bench/ (bare_lws.c, node_ws/server.js), in one process and one thread.
 *
 * Every client is a non-blocking socket in one epoll set with a minimal
 * WebSocket client: an HTTP/1.1 upgrade, masked frames out, unmasked frames
 * in (fragments reassembled, pings answered). Reads go into one shared
 * scratch buffer; only a frame cut by the end of a read is copied into the
 * client's own buffer, so 10,000 idle clients cost a few hundred bytes each.
 * Connections are opened through a window (at most --window in TCP connect
 * or HTTP upgrade at once) so the server's accept backlog never overflows,
 * and from several loopback sources 127.0.0.x, each with its own range of
 * ephemeral ports (net.ipv4.ip_local_port_range holds about 28,000).
 *
 * Against Concerto (--target concerto) it first builds its meeting through
 * the HTTP API: a commission, a roster of one chair and N-1 members by CSV,
 * the meeting, everyone's invitation. Then it plays the scenarios in order
 * on the same population: join storm, idle memory, broadcast burst,
 * reconnect storm, vote storm, record. Against a baseline (--target bare)
 * a client is "joined" once upgraded, and a burst is a padded JSON message
 * that the server echoes to every connection.
 *
 * Timing: a burst's send time and every receipt are read from
 * CLOCK_MONOTONIC in this process, so a latency is "chair's send to this
 * client's read", including the load generator's own share of the CPU.
 * Results go to stdout as lines and to --json as one JSON object per run.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SCRATCH (256 * 1024)
#define BURST_BASE 1000   /* speaking_time of burst k is BURST_BASE + k */
#define RESUME_BASE 50000 /* events written while clients are away */
#define MAX_EVENTS 1024

enum target { T_CONCERTO, T_BARE };

enum cstate {
    C_IDLE,       /* not connected */
    C_CONNECTING, /* TCP connect in progress */
    C_UPGRADING,  /* HTTP upgrade sent, waiting for 101 */
    C_HELLO,      /* concerto: hello sent, waiting for welcome */
    C_READY,      /* welcomed (concerto) or upgraded (bare) */
};

struct client {
    int fd;
    uint32_t gen; /* tells a stale epoll event from the current socket */
    enum cstate state;
    bool chair;
    bool want_since;   /* say hello with since = seq */
    bool resumed;      /* the last welcome was mode "resume" */
    bool dropped;      /* closed on purpose by a scenario */
    unsigned away;     /* the reconnect scenario's events received, one bit each */
    bool vote_open;    /* the vote.opened event of the vote under way was received */
    bool vote_closed;  /* and its vote.closed */
    uint32_t counts;   /* `count` messages received */
    uint64_t oks, errs; /* every ok and error received */
    char token[48];
    int64_t seq;       /* last event seq seen, -1 before any welcome */
    int64_t t_start;   /* when the current join began */
    int64_t t_welcome; /* when the first welcome of the current join arrived */
    uint64_t next_id;
    int64_t ack_id;    /* request id awaited (0: none) */
    int64_t ack_seq;
    int64_t t_ack;
    int ack_err;
    int mtg;           /* its meeting (--meetings) */
    int64_t t_cmd;     /* meetings scenario: when the chair's command went out */
    /* input: a frame cut by the end of a read waits here */
    uint8_t *in;
    size_t inlen, incap;
    /* a message reassembled from fragments */
    uint8_t *msg;
    size_t msglen, msgcap;
    uint8_t msgop;
    /* output not yet written */
    uint8_t *out;
    size_t outlen, outcap;
};

struct opts {
    enum target target;
    const char *host;
    int port;
    const char *path;
    const char *subprotocol;
    int clients;
    const char *admin_token;
    int bursts;
    int interval_ms;
    int size;
    int server_pid;
    const char *scenarios;
    const char *protocol_doc;
    const char *json;
    const char *label;
    int sources;
    int window;
    int timeout_s;
    int cmds;
    int join_timeout_s;
    int members;
    int meetings;
    int cmd_interval_ms;
    int duration_s;
    bool verbose;
};

static struct opts o = {
    .target = T_CONCERTO,
    .host = "127.0.0.1",
    .port = 8080,
    .path = NULL,
    .subprotocol = NULL,
    .clients = 100,
    .bursts = 20,
    .interval_ms = 200,
    .size = 150,
    .scenarios = "join,idle,burst,reconnect,vote,record",
    .meetings = 1,
    .cmd_interval_ms = 2000,
    .duration_s = 60,
    .protocol_doc = "proto/PROTOCOL.md",
    .label = "concerto",
    .sources = 8,
    .window = 1000,
    .timeout_s = 60,
    .cmds = 0,
    .join_timeout_s = 0,
};

static struct client *cl;
static int ncl;
static int ep;
static uint8_t scratch[SCRATCH];
static char path_buf[256];
static char meeting_id[64];
static char (*mpath)[96]; /* the WebSocket path of each meeting (--meetings) */
static bool with_secretary; /* client 1 is the secretary (record scenario) */
static char vote_id[40];
static int64_t vote_voted = -1; /* "voted" of the vote.closed event */
static size_t closed_bytes_member; /* the largest vote.closed message a member received */
static size_t closed_bytes_chair;  /* the vote.closed message the chair received */
static double snapshot_ms = NAN;     /* one GET /api/meetings/M */
static size_t snapshot_bytes;
static uint32_t rng = 2463534242u;

/* connect queue and window */
static int *pendq;
static int pendhead, pendlen;
static int inflight; /* clients in C_CONNECTING or C_UPGRADING */

/* counters over the whole run */
static uint64_t n_gaps, n_dups, n_errors, n_unexpected_closes, n_reconnects, n_connect_fail;
static uint64_t welcome_bytes_max, welcome_bytes_total, n_welcomes;
static uint64_t rx_bytes;

/* the burst being measured: send times and per-client latencies */
static int nburst;
static int64_t *t_burst;
static float *lat; /* [burst * ncl + client], ms; < 0 when not received */
static int burst_base;

/* the JSON result of this run, built as text */
static char *jout;
static size_t jlen, jcap;

static int64_t
now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static double
ms_since(int64_t t)
{
    return (double)(now_ns() - t) / 1e6;
}

static void
die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "loadgen: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(1);
}

static void
say(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    fflush(stdout);
}

static void *
xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        die("out of memory");
    }
    return q;
}

static uint32_t
xorshift(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

/* --- JSON output ---------------------------------------------------------- */

static void
jput(const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int n = vsnprintf(jout + jlen, jcap - jlen, fmt, ap);
        va_end(ap);
        if (n < 0) {
            die("cannot format the result");
        }
        if (jlen + (size_t)n < jcap) {
            jlen += (size_t)n;
            return;
        }
        jcap = (jcap + (size_t)n) * 2;
        jout = xrealloc(jout, jcap);
    }
}

/* A number or null (NaN). */
static void
jnum(const char *key, double v)
{
    if (isnan(v)) {
        jput(",\"%s\":null", key);
    } else {
        jput(",\"%s\":%.3f", key, v);
    }
}

static void
jstr(const char *key, const char *v)
{
    jput(",\"%s\":\"", key);
    for (const char *p = v; *p; p++) {
        if (*p == '"' || *p == '\\') {
            jput("\\%c", *p);
        } else if ((unsigned char)*p >= 0x20) {
            jput("%c", *p);
        }
    }
    jput("\"");
}

/* --- small text helpers ------------------------------------------------------ */

static const char *
find(const void *buf, size_t len, const char *needle)
{
    const char *p = memmem(buf, len, needle, strlen(needle));
    return p ? p + strlen(needle) : NULL;
}

/* The integer after `key` in buf, or `dflt`. */
static int64_t
int_after(const void *buf, size_t len, const char *key, int64_t dflt)
{
    const char *p = find(buf, len, key);
    if (!p || p >= (const char *)buf + len) {
        return dflt;
    }
    return strtoll(p, NULL, 10);
}

/* Copy the string value after `key` ("key":") into out; false if absent. */
static bool
str_after(const char *buf, size_t len, const char *key, char *out, size_t outlen)
{
    const char *p = find(buf, len, key);
    if (!p) {
        return false;
    }
    const char *end = memchr(p, '"', len - (size_t)(p - buf));
    if (!end || (size_t)(end - p) >= outlen) {
        return false;
    }
    memcpy(out, p, (size_t)(end - p));
    out[end - p] = 0;
    return true;
}

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The q-quantile (0..1) of v[0..n), sorted in place; NaN when empty. */
static double
quantile(double *v, size_t n, double q)
{
    if (n == 0) {
        return NAN;
    }
    qsort(v, n, sizeof(*v), cmp_double);
    size_t i = (size_t)ceil(q * (double)n);
    i = i ? i - 1 : 0;
    return v[i < n ? i : n - 1];
}

/* Resident memory of a process in KiB, from /proc; 0 when unknown. */
static long
rss_kib(int pid)
{
    char path[64], line[256];
    long kib = 0;
    if (pid <= 0) {
        return 0;
    }
    snprintf(path, sizeof(path), "/proc/%d/status", pid);
    FILE *f = fopen(path, "r");
    if (!f) {
        return 0;
    }
    while (fgets(line, sizeof(line), f)) {
        if (strncmp(line, "VmRSS:", 6) == 0) {
            kib = strtol(line + 6, NULL, 10);
            break;
        }
    }
    fclose(f);
    return kib;
}

/* --- blocking HTTP for the setup ---------------------------------------------- */

static int
http_connect(void)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)o.port)};
    if (inet_pton(AF_INET, o.host, &sa.sin_addr) != 1) {
        die("bad host %s", o.host);
    }
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        die("cannot connect to %s:%d: %s", o.host, o.port, strerror(errno));
    }
    return fd;
}

static void
write_all(int fd, const char *buf, size_t len)
{
    while (len) {
        ssize_t w = write(fd, buf, len);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            die("HTTP write failed: %s", strerror(errno));
        }
        buf += w;
        len -= (size_t)w;
    }
}

/* One request; returns the status, *body is new (NUL-terminated). */
static int
http_request(const char *method, const char *path, const char *ctype, const char *body,
             size_t len, char **resp, size_t *resplen)
{
    int fd = http_connect();
    char head[1024];
    int n = snprintf(head, sizeof(head),
                     "%s %s HTTP/1.1\r\nHost: %s:%d\r\nAuthorization: Bearer %s\r\n"
                     "Content-Type: %s\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
                     method, path, o.host, o.port, o.admin_token ? o.admin_token : "", ctype,
                     len);
    write_all(fd, head, (size_t)n);
    write_all(fd, body, len);
    size_t cap = 65536, have = 0;
    char *buf = xrealloc(NULL, cap);
    size_t hdr_end = 0;
    long clen = -1;
    errno = 0;
    for (;;) {
        if (have + 65536 > cap) {
            cap *= 2;
            buf = xrealloc(buf, cap);
        }
        ssize_t r = read(fd, buf + have, cap - have - 1);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            break;
        }
        have += (size_t)r;
        buf[have] = 0;
        if (!hdr_end) {
            char *e = strstr(buf, "\r\n\r\n");
            if (e) {
                hdr_end = (size_t)(e - buf) + 4;
                for (char *p = buf; p < e; p++) {
                    if (strncasecmp(p, "\r\ncontent-length:", 17) == 0) {
                        clen = strtol(p + 17, NULL, 10);
                        break;
                    }
                }
            }
        }
        if (hdr_end && clen >= 0 && have >= hdr_end + (size_t)clen) {
            break;
        }
    }
    close(fd);
    buf[have] = 0;
    if (!hdr_end || strncmp(buf, "HTTP/1.1 ", 9) != 0) {
        die("%s %s: no HTTP answer (%zu bytes read: %s)", method, path, have,
            errno ? strerror(errno) : "closed");
    }
    int status = atoi(buf + 9);
    *resplen = have - hdr_end;
    *resp = xrealloc(NULL, *resplen + 1);
    memcpy(*resp, buf + hdr_end, *resplen);
    (*resp)[*resplen] = 0;
    free(buf);
    return status;
}

/* Commission, roster (a chair and M-1 members), meeting, invitations.
 * Client i speaks for participant i % M; client 0 is the chair. */
static void
setup_meeting(void)
{
    char *r = NULL, body[512], path[256], cid[64];
    size_t rl;
    int64_t t0 = now_ns();
    if (!o.admin_token) {
        die("--admin-token is required with --target concerto");
    }
    const char *cj = "{\"name\":\"Bench\",\"colleges\":[\"bailleurs\",\"locataires\"]}";
    int st = http_request("POST", "/api/commissions", "application/json", cj, strlen(cj), &r, &rl);
    if (st != 201 || !str_after(r, rl, "\"id\":\"", cid, sizeof(cid))) {
        die("create commission: HTTP %d %.200s", st, r);
    }
    free(r);

    int nm = o.members;
    size_t cap = (size_t)nm * 40 + 64, len = 0;
    char *csv = xrealloc(NULL, cap);
    len += (size_t)snprintf(csv + len, cap - len, "name,college,role\nChair,,chair\n");
    if (with_secretary) {
        len += (size_t)snprintf(csv + len, cap - len, "Secretary,,secretary\n");
    }
    for (int i = with_secretary ? 2 : 1; i < nm; i++) {
        len += (size_t)snprintf(csv + len, cap - len, "Member %05d,%s,member\n", i,
                                i % 2 ? "bailleurs" : "locataires");
    }
    snprintf(path, sizeof(path), "/api/commissions/%s/members.csv", cid);
    st = http_request("POST", path, "text/csv", csv, len, &r, &rl);
    free(csv);
    if (st != 201) {
        die("import roster: HTTP %d %.200s", st, r);
    }
    free(r);

    int cpm = ncl / o.meetings; /* clients per meeting */
    mpath = xrealloc(NULL, sizeof(*mpath) * (size_t)o.meetings);
    char(*tokens)[48] = xrealloc(NULL, sizeof(*tokens) * (size_t)nm);
    for (int m = 0; m < o.meetings; m++) {
    char mid[64];
    snprintf(body, sizeof(body), "{\"commission\":\"%s\",\"title\":\"Bench %d\"}", cid, m);
    st = http_request("POST", "/api/meetings", "application/json", body, strlen(body), &r, &rl);
    if (st != 201 || !str_after(r, rl, "\"id\":\"", mid, sizeof(mid))) {
        die("create meeting: HTTP %d %.200s", st, r);
    }
    if (m == 0) {
        memcpy(meeting_id, mid, sizeof(meeting_id));
    }
    snprintf(mpath[m], sizeof(mpath[m]), "/ws?meeting=%s", mid);

    free(r);
    if (m == 0) {
    int64_t ts = now_ns();
    snprintf(path, sizeof(path), "/api/meetings/%s", meeting_id);
    st = http_request("GET", path, "application/json", "", 0, &r, &rl);
    snapshot_ms = ms_since(ts);
    snapshot_bytes = rl;
    if (st != 200) {
        die("get meeting: HTTP %d %.200s", st, r);
    }
    free(r);
    }

    snprintf(path, sizeof(path), "/api/meetings/%s/invitations", mid);
    st = http_request("POST", path, "application/json", "{}", 2, &r, &rl);
    if (st != 201) {
        die("invitations: HTTP %d %.200s", st, r);
    }
    /* Each invitation object lists role before token. */
    int got = 0, member = 1;
    const char *p = r, *end = r + rl;
    char role[32], token[64];
    while (p < end) {
        const char *rp = find(p, (size_t)(end - p), "\"role\":\"");
        if (!rp || !str_after(rp - 8, (size_t)(end - rp + 8), "\"role\":\"", role, sizeof(role))) {
            break;
        }
        if (!str_after(rp, (size_t)(end - rp), "\"token\":\"", token, sizeof(token))) {
            break;
        }
        p = find(rp, (size_t)(end - rp), "\"token\":\"");
        int idx = strcmp(role, "chair") == 0 ? 0 : member++;
        if (with_secretary && strcmp(role, "secretary") == 0) {
            idx = 1; /* the secretary comes second in the roster, so member was 1 */
        }
        if (idx >= nm || strlen(token) >= sizeof(tokens[idx])) {
            die("unexpected invitation list");
        }
        memcpy(tokens[idx], token, strlen(token) + 1);
        got++;
    }
    free(r);
    if (got != nm || member != nm) {
        die("expected %d invitations with one chair, got %d", nm, got);
    }
    /* Meeting m has clients m * cpm to (m + 1) * cpm - 1, its first the chair. */
    for (int i = m * cpm; i < (m + 1) * cpm; i++) {
        memcpy(cl[i].token, tokens[(i - m * cpm) % nm], sizeof(cl[i].token));
        cl[i].mtg = m;
        cl[i].chair = i == m * cpm;
    }
    }
    free(tokens);
    snprintf(path_buf, sizeof(path_buf), "/ws?meeting=%s", meeting_id);
    o.path = path_buf;
    say("setup: %d meeting(s) (the first %s) with %d participants (1 chair) for %d clients in "
        "%.0f ms; one snapshot (GET) %.1f ms, %zu bytes\n",
        o.meetings, meeting_id, nm, ncl, ms_since(t0), snapshot_ms, snapshot_bytes);
    jput(",\"setup\":{\"participants\":%d,\"meetings\":%d,\"snapshot_bytes\":%zu", nm,
         o.meetings, snapshot_bytes);
    jnum("snapshot_ms", snapshot_ms);
    jput("}");
}

/* --- WebSocket client ---------------------------------------------------------- */

static void
ep_mod(struct client *c, bool want_out)
{
    struct epoll_event ev = {.events = EPOLLIN | (want_out ? EPOLLOUT : 0),
                             .data.u64 = (uint64_t)(c - cl) | ((uint64_t)c->gen << 32)};
    epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
}

static void client_close(struct client *c, bool expected);

static void
flush_out(struct client *c)
{
    size_t off = 0;
    while (off < c->outlen) {
        ssize_t w = send(c->fd, c->out + off, c->outlen - off, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            break;
        }
        if (w <= 0) {
            client_close(c, false);
            return;
        }
        off += (size_t)w;
    }
    memmove(c->out, c->out + off, c->outlen - off);
    c->outlen -= off;
    ep_mod(c, c->outlen > 0);
}

static void
queue_raw(struct client *c, const void *buf, size_t len)
{
    if (c->outlen + len > c->outcap) {
        c->outcap = (c->outlen + len) * 2;
        c->out = xrealloc(c->out, c->outcap);
    }
    memcpy(c->out + c->outlen, buf, len);
    c->outlen += len;
}

/* Queue one masked frame and try to write it at once. */
static void
send_frame(struct client *c, uint8_t opcode, const void *payload, size_t len)
{
    uint8_t h[14];
    size_t hl = 0;
    h[hl++] = (uint8_t)(0x80 | opcode);
    if (len < 126) {
        h[hl++] = (uint8_t)(0x80 | len);
    } else if (len < 65536) {
        h[hl++] = 0x80 | 126;
        h[hl++] = (uint8_t)(len >> 8);
        h[hl++] = (uint8_t)len;
    } else {
        h[hl++] = 0x80 | 127;
        for (int i = 7; i >= 0; i--) {
            h[hl++] = (uint8_t)((uint64_t)len >> (8 * i));
        }
    }
    uint32_t key = xorshift();
    uint8_t mask[4] = {(uint8_t)key, (uint8_t)(key >> 8), (uint8_t)(key >> 16),
                       (uint8_t)(key >> 24)};
    memcpy(h + hl, mask, 4);
    hl += 4;
    queue_raw(c, h, hl);
    if (c->outlen + len > c->outcap) {
        c->outcap = (c->outlen + len) * 2;
        c->out = xrealloc(c->out, c->outcap);
    }
    const uint8_t *p = payload;
    for (size_t i = 0; i < len; i++) {
        c->out[c->outlen + i] = p[i] ^ mask[i & 3];
    }
    c->outlen += len;
    flush_out(c);
}

static void
send_text(struct client *c, const char *text)
{
    send_frame(c, 1, text, strlen(text));
}

/* Send a Concerto command; returns its request id. `body` is JSON or NULL. */
static int64_t
send_cmd(struct client *c, const char *type, const char *key, const char *body)
{
    char buf[1024];
    int64_t id = (int64_t)++c->next_id;
    int n = snprintf(buf, sizeof(buf), "{\"type\":\"%s\",\"id\":%" PRId64, type, id);
    if (key) {
        n += snprintf(buf + n, sizeof(buf) - (size_t)n, ",\"key\":\"%s\"", key);
    }
    snprintf(buf + n, sizeof(buf) - (size_t)n, ",\"body\":%s}", body ? body : "{}");
    c->ack_id = id;
    c->ack_err = 0;
    c->t_ack = 0;
    send_text(c, buf);
    return id;
}

static void
send_hello(struct client *c)
{
    char buf[256];
    if (c->want_since && c->seq >= 0) {
        snprintf(buf, sizeof(buf),
                 "{\"type\":\"hello\",\"id\":%" PRIu64 ",\"body\":{\"token\":\"%s\",\"since\":%" PRId64
                 "}}",
                 ++c->next_id, c->token, c->seq);
    } else {
        snprintf(buf, sizeof(buf), "{\"type\":\"hello\",\"id\":%" PRIu64 ",\"body\":{\"token\":\"%s\"}}",
                 ++c->next_id, c->token);
    }
    c->state = C_HELLO;
    send_text(c, buf);
}

static void
client_start(struct client *c)
{
    int idx = (int)(c - cl);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)o.port)};
    struct sockaddr_in src = {.sin_family = AF_INET};
    inet_pton(AF_INET, o.host, &sa.sin_addr);
    src.sin_addr.s_addr = htonl(0x7f000001u + (uint32_t)(idx % o.sources));
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        die("socket: %s (raise the file limit?)", strerror(errno));
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (o.sources > 1) {
        setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
        if (bind(fd, (struct sockaddr *)&src, sizeof(src)) != 0) {
            die("bind 127.0.0.%d: %s", 1 + idx % o.sources, strerror(errno));
        }
    }
    c->fd = fd;
    c->gen++;
    c->state = C_CONNECTING;
    c->inlen = c->msglen = c->outlen = 0;
    c->t_start = now_ns();
    c->t_welcome = 0;
    inflight++;
    struct epoll_event ev = {.events = EPOLLOUT | EPOLLIN,
                             .data.u64 = (uint64_t)idx | ((uint64_t)c->gen << 32)};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
        die("epoll_ctl: %s", strerror(errno));
    }
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 && errno != EINPROGRESS) {
        n_connect_fail++;
        client_close(c, false);
    }
}

/* Queue client idx for connection through the window. */
static void
client_join(int idx)
{
    pendq[(pendhead + pendlen) % ncl] = idx;
    pendlen++;
}

static void
fill_window(void)
{
    while (pendlen && inflight < o.window) {
        int idx = pendq[pendhead];
        pendhead = (pendhead + 1) % ncl;
        pendlen--;
        client_start(&cl[idx]);
    }
}

static void
client_close(struct client *c, bool expected)
{
    if (c->state == C_IDLE) {
        return;
    }
    if (c->state == C_CONNECTING || c->state == C_UPGRADING) {
        inflight--;
    }
    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    c->fd = -1;
    c->state = C_IDLE;
    c->inlen = c->msglen = c->outlen = 0;
    if (c->incap > 65536) {
        free(c->in);
        c->in = NULL;
        c->incap = 0;
    }
    if (!expected) {
        /* The server closed it (too slow, or an error): come back as a real
         * client would, with since when there is a seq to resume from. A
         * server that keeps closing is not retried forever. */
        n_unexpected_closes++;
        if (n_reconnects >= 10 * (uint64_t)ncl) {
            return;
        }
        n_reconnects++;
        c->want_since = true;
        client_join((int)(c - cl));
    }
}

static void
record_burst(struct client *c, int64_t k)
{
    k -= burst_base;
    if (!lat || k < 0 || k >= nburst || !t_burst[k]) {
        return;
    }
    float *slot = &lat[k * ncl + (c - cl)];
    if (*slot < 0) {
        *slot = (float)((double)(now_ns() - t_burst[k]) / 1e6);
    }
}

static void meetings_delivery(struct client *c, int64_t v);
static void meetings_ack(struct client *c);

static void
on_concerto_message(struct client *c, const char *m, size_t len)
{
    if (len < 12 || memcmp(m, "{\"type\":\"", 9) != 0) {
        return;
    }
    const char *t = m + 9;
    if (strncmp(t, "event\"", 6) == 0) {
        int64_t seq = int_after(m, len, "\"seq\":", -1);
        if (c->seq >= 0 && seq != c->seq + 1) {
            if (seq <= c->seq) {
                n_dups++;
            } else {
                n_gaps++;
            }
        }
        if (seq > c->seq) {
            c->seq = seq;
        }
        if (find(m, len, "\"type\":\"meeting.configured\"")) {
            int64_t v = int_after(m, len, "\"speaking_time\":", -1);
            record_burst(c, v);
            meetings_delivery(c, v);
            if (v >= RESUME_BASE && v < RESUME_BASE + 8) {
                c->away |= 1u << (v - RESUME_BASE);
            }
        } else if (find(m, len < 256 ? len : 256, "\"type\":\"vote.opened\"")) {
            c->vote_open = true;
        } else if (c->chair && find(m, len, "\"type\":\"vote.prepared\"")) {
            const char *b = find(m, len, "\"body\":");
            if (b) {
                str_after(b, len - (size_t)(b - m), "\"vote\":\"", vote_id, sizeof(vote_id));
            }
        } else if (find(m, len < 256 ? len : 256, "\"type\":\"vote.closed\"")) {
            c->vote_closed = true;
            if (c->chair) {
                vote_voted = int_after(m, len, "\"voted\":", -1);
                closed_bytes_chair = len;
            } else if (len > closed_bytes_member) {
                closed_bytes_member = len;
            }
        }
    } else if (strncmp(t, "welcome\"", 8) == 0) {
        /* body: mode, meeting, seq, ... (the snapshot's own seq comes later) */
        c->resumed = find(m, len < 64 ? len : 64, "\"mode\":\"resume\"") != NULL;
        c->seq = int_after(m, len, "\"seq\":", -1);
        c->state = C_READY;
        if (!c->t_welcome) {
            c->t_welcome = now_ns();
        }
        n_welcomes++;
        welcome_bytes_total += len;
        if (len > welcome_bytes_max) {
            welcome_bytes_max = len;
        }
    } else if (strncmp(t, "count\"", 6) == 0) {
        c->counts++;
    } else if (strncmp(t, "ok\"", 3) == 0) {
        c->oks++;
        if (int_after(m, len, "\"id\":", -2) == c->ack_id) {
            c->t_ack = now_ns();
            c->ack_seq = int_after(m, len, "\"seq\":", -1);
            meetings_ack(c);
        }
    } else if (strncmp(t, "error\"", 6) == 0) {
        c->errs++;
        n_errors++;
        if (n_errors <= 5) {
            say("  server error to client %d: %.*s\n", (int)(c - cl), (int)(len < 300 ? len : 300),
                m);
        }
        if (int_after(m, len, "\"id\":", -2) == c->ack_id) {
            c->t_ack = now_ns();
            c->ack_err = 1;
        }
    }
}

static void
on_message(struct client *c, uint8_t op, const uint8_t *p, size_t len)
{
    if (op == 9) { /* ping: answer with the same payload */
        send_frame(c, 10, p, len);
        return;
    }
    if (op == 8) {
        client_close(c, c->dropped);
        return;
    }
    if (op != 1 && op != 2) {
        return;
    }
    if (o.target == T_CONCERTO) {
        on_concerto_message(c, (const char *)p, len);
    } else {
        record_burst(c, int_after(p, len < 64 ? len : 64, "\"burst\":", -1));
    }
}

/* Parse the frames at buf[0..len); returns the bytes consumed. */
static size_t
parse_frames(struct client *c, const uint8_t *buf, size_t len)
{
    size_t off = 0;
    while (len - off >= 2) {
        const uint8_t *h = buf + off;
        bool fin = h[0] & 0x80;
        uint8_t op = h[0] & 0x0f;
        uint64_t plen = h[1] & 0x7f;
        size_t hl = 2;
        if (plen == 126) {
            if (len - off < 4) {
                break;
            }
            plen = (uint64_t)h[2] << 8 | h[3];
            hl = 4;
        } else if (plen == 127) {
            if (len - off < 10) {
                break;
            }
            plen = 0;
            for (int i = 0; i < 8; i++) {
                plen = plen << 8 | h[2 + i];
            }
            hl = 10;
        }
        if (h[1] & 0x80) {
            hl += 4; /* a server never masks; tolerate it anyway */
        }
        if (len - off < hl + plen) {
            break;
        }
        const uint8_t *pl = h + hl;
        off += hl + (size_t)plen;
        if (op >= 8) {
            on_message(c, op, pl, (size_t)plen);
            if (c->state == C_IDLE) {
                return len;
            }
            continue;
        }
        if (op != 0) {
            c->msgop = op;
            c->msglen = 0;
        }
        if (fin && c->msglen == 0) {
            on_message(c, c->msgop, pl, (size_t)plen);
        } else {
            if (c->msglen + plen > c->msgcap) {
                c->msgcap = (c->msglen + (size_t)plen) * 2;
                c->msg = xrealloc(c->msg, c->msgcap);
            }
            memcpy(c->msg + c->msglen, pl, (size_t)plen);
            c->msglen += (size_t)plen;
            if (fin) {
                on_message(c, c->msgop, c->msg, c->msglen);
                c->msglen = 0;
                if (c->msgcap > 65536) {
                    free(c->msg);
                    c->msg = NULL;
                    c->msgcap = 0;
                }
            }
        }
        if (c->state == C_IDLE) {
            return len;
        }
    }
    return off;
}

/* Keep the unparsed tail of a read in the client's own buffer. */
static void
keep_tail(struct client *c, const uint8_t *p, size_t n)
{
    if (n > c->incap) {
        c->incap = n < 4096 ? 4096 : n * 2;
        c->in = xrealloc(c->in, c->incap);
    }
    memmove(c->in, p, n);
    c->inlen = n;
}

static void
on_upgrade_data(struct client *c, const uint8_t *buf, size_t len)
{
    /* The 101 answer is small: gather it in c->in until the blank line. */
    if (c->inlen + len > c->incap) {
        c->incap = (c->inlen + len) * 2 + 1;
        c->in = xrealloc(c->in, c->incap);
    }
    memcpy(c->in + c->inlen, buf, len);
    c->inlen += len;
    const uint8_t *e = memmem(c->in, c->inlen, "\r\n\r\n", 4);
    if (!e) {
        if (c->inlen > 8192) {
            client_close(c, false);
        }
        return;
    }
    if (c->inlen < 12 || memcmp(c->in, "HTTP/1.1 101", 12) != 0) {
        if (n_errors++ < 5) {
            say("  upgrade refused: %.*s\n", (int)(e - c->in), (const char *)c->in);
        }
        client_close(c, true);
        return;
    }
    inflight--;
    size_t rest = c->inlen - (size_t)(e + 4 - c->in);
    memmove(c->in, e + 4, rest);
    c->inlen = rest;
    if (o.target == T_CONCERTO) {
        send_hello(c);
    } else {
        c->state = C_READY;
        c->t_welcome = now_ns();
    }
    if (c->state != C_IDLE && c->inlen) {
        size_t used = parse_frames(c, c->in, c->inlen);
        if (c->state != C_IDLE) {
            keep_tail(c, c->in + used, c->inlen - used);
        }
    }
}

static void
on_readable(struct client *c)
{
    for (int rounds = 0; rounds < 4 && c->state != C_IDLE; rounds++) {
        ssize_t r = recv(c->fd, scratch, sizeof(scratch), 0);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return;
        }
        if (r <= 0) {
            client_close(c, c->dropped);
            return;
        }
        rx_bytes += (uint64_t)r;
        if (c->state == C_UPGRADING) {
            on_upgrade_data(c, scratch, (size_t)r);
        } else if (c->inlen == 0) {
            size_t used = parse_frames(c, scratch, (size_t)r);
            if (c->state != C_IDLE && used < (size_t)r) {
                keep_tail(c, scratch + used, (size_t)r - used);
            }
        } else {
            if (c->inlen + (size_t)r > c->incap) {
                c->incap = (c->inlen + (size_t)r) * 2;
                c->in = xrealloc(c->in, c->incap);
            }
            memcpy(c->in + c->inlen, scratch, (size_t)r);
            c->inlen += (size_t)r;
            size_t used = parse_frames(c, c->in, c->inlen);
            if (c->state != C_IDLE) {
                memmove(c->in, c->in + used, c->inlen - used);
                c->inlen -= used;
            }
        }
        if ((size_t)r < sizeof(scratch)) {
            return;
        }
    }
}

static void
on_connected(struct client *c)
{
    int err = 0;
    socklen_t el = sizeof(err);
    getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el);
    if (err) {
        n_connect_fail++;
        if (n_connect_fail <= 5) {
            say("  connect failed: %s\n", strerror(err));
        }
        client_close(c, false);
        return;
    }
    char req[512];
    int n = snprintf(req, sizeof(req),
                     "GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                     "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: %s\r\n\r\n",
                     mpath ? mpath[c->mtg] : o.path, o.host, o.port, o.subprotocol);
    c->state = C_UPGRADING;
    queue_raw(c, req, (size_t)n);
    flush_out(c);
}

/* One epoll round, waiting at most wait_ms. */
static void
poll_once(int wait_ms)
{
    struct epoll_event evs[MAX_EVENTS];
    fill_window();
    int n = epoll_wait(ep, evs, MAX_EVENTS, wait_ms);
    for (int i = 0; i < n; i++) {
        uint32_t idx = (uint32_t)evs[i].data.u64;
        uint32_t gen = (uint32_t)(evs[i].data.u64 >> 32);
        struct client *c = &cl[idx];
        if (c->state == C_IDLE || c->gen != gen) {
            continue;
        }
        if (c->state == C_CONNECTING) {
            if (evs[i].events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) {
                on_connected(c);
            }
            continue;
        }
        if (evs[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
            on_readable(c);
        }
        if (c->state != C_IDLE && c->gen == gen && (evs[i].events & EPOLLOUT)) {
            flush_out(c);
        }
    }
    fill_window();
}

static int
count_ready(void)
{
    int n = 0;
    for (int i = 0; i < ncl; i++) {
        n += cl[i].state == C_READY;
    }
    return n;
}

/* Run the loop until `done` or the deadline; true when done. */
static bool
run_until(bool (*done)(void), int64_t deadline)
{
    while (!done()) {
        if (now_ns() >= deadline) {
            return false;
        }
        poll_once(5);
    }
    return true;
}

static bool
all_ready(void)
{
    return pendlen == 0 && inflight == 0 && count_ready() == ncl;
}

static bool
chair_acked(void)
{
    return cl[0].t_ack != 0 || cl[0].state != C_READY;
}

/* Send a command as the chair and wait for its answer; 0 when ok. */
static int
chair_cmd(const char *type, const char *body, int64_t *seq)
{
    static int k;
    char key[48];
    snprintf(key, sizeof(key), "c%d-%" PRId64, ++k, now_ns() % 1000000007);
    send_cmd(&cl[0], type, key, body);
    if (!run_until(chair_acked, now_ns() + (int64_t)o.timeout_s * 1000000000)) {
        return -1;
    }
    if (seq) {
        *seq = cl[0].ack_seq;
    }
    return cl[0].ack_err ? -1 : 0;
}

/* --- scenarios ------------------------------------------------------------------ */

static bool
scenario_on(const char *name)
{
    size_t n = strlen(name);
    for (const char *p = o.scenarios; *p;) {
        const char *e = strchr(p, ',');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        if (l == n && strncmp(p, name, n) == 0) {
            return true;
        }
        p += l + (e ? 1 : 0);
    }
    return false;
}

static bool
doc_mentions(const char *needle)
{
    FILE *f = fopen(o.protocol_doc, "r");
    if (!f) {
        return false;
    }
    char line[4096];
    bool found = false;
    while (!found && fgets(line, sizeof(line), f)) {
        found = strstr(line, needle) != NULL;
    }
    fclose(f);
    return found;
}

static void
skip(const char *name, const char *why)
{
    say("%-10s skipped: %s\n", name, why);
    jput(",\"%s\":{\"skipped\":true", name);
    jstr("reason", why);
    jput("}");
}

/* CPU time the server has used (user + system), in ms; 0 without a pid. On a
 * shared machine this varies far less than wall-clock latency does. */
static double
cpu_ms(int pid)
{
    char path[64], buf[1024];
    if (pid <= 0) {
        return 0;
    }
    snprintf(path, sizeof(path), "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f) {
        return 0;
    }
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = 0;
    const char *p = strrchr(buf, ')'); /* the command name may hold spaces */
    unsigned long long ut = 0, st = 0;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2) {
        return 0;
    }
    return (double)(ut + st) * 1000.0 / (double)sysconf(_SC_CLK_TCK);
}

static long rss_before_join;
/* Everyone connects and says hello at once (through the connect window). */
static void
scenario_join(void)
{
    const char *name = "join";
    uint64_t rec0 = n_reconnects, w0 = n_welcomes;
    welcome_bytes_max = 0;
    welcome_bytes_total = 0;
    rss_before_join = rss_kib(o.server_pid);
    double cpu0 = cpu_ms(o.server_pid);
    int64_t t0 = now_ns();
    int limit = o.join_timeout_s ? o.join_timeout_s : o.timeout_s;
    int64_t deadline = t0 + (int64_t)limit * 1000000000;
    for (int i = 0; i < ncl; i++) {
        cl[i].seq = -1;
        cl[i].want_since = false;
        client_join(i);
    }
    bool ok = run_until(all_ready, deadline);
    double total = ms_since(t0);
    double cpu = cpu_ms(o.server_pid) - cpu0;
    double *v = xrealloc(NULL, sizeof(double) * (size_t)ncl);
    size_t n = 0;
    int within5 = 0;
    for (int i = 0; i < ncl; i++) {
        if (cl[i].t_welcome) {
            v[n] = (double)(cl[i].t_welcome - t0) / 1e6;
            within5 += v[n] <= 5000.0;
            n++;
        }
    }
    double p50 = quantile(v, n, 0.5), p99 = quantile(v, n, 0.99);
    double avg_welcome = n_welcomes > w0 ? (double)welcome_bytes_total / (double)(n_welcomes - w0)
                                         : NAN;
    free(v);
    say("%-10s %d/%d ready in %.0f ms%s; first welcome p50 %.0f ms, p99 %.0f ms; %d within 5 s; "
        "welcome %.0f bytes (max %" PRIu64 "); reconnects %" PRIu64 "; server CPU %.0f ms\n",
        name, count_ready(), ncl, total, ok ? "" : " (timed out)", p50, p99, within5,
        avg_welcome, welcome_bytes_max, n_reconnects - rec0, cpu);
    jput(",\"%s\":{\"ok\":%s,\"clients\":%d,\"ready\":%d,\"within_5s\":%d,\"limit_s\":%d",
         name, ok ? "true" : "false",
         ncl, count_ready(), within5, limit);
    jnum("all_ms", ok ? total : NAN);
    jnum("elapsed_ms", total);
    jnum("p50_ms", p50);
    jnum("p99_ms", p99);
    jnum("welcome_bytes", avg_welcome);
    jnum("server_cpu_ms", o.server_pid > 0 ? cpu : NAN);
    jput(",\"welcome_bytes_max\":%" PRIu64 ",\"reconnects\":%" PRIu64 "}", welcome_bytes_max,
         n_reconnects - rec0);
}

static bool
never(void)
{
    return false;
}

static void
scenario_idle(void)
{
    if (o.server_pid <= 0) {
        skip("idle", "no --server-pid to read memory from");
        return;
    }
    /* Let the server finish what the join left (queues, logs) before reading. */
    run_until(never, now_ns() + 2000000000);
    long after = rss_kib(o.server_pid);
    int ready = count_ready();
    double per = ready ? (double)(after - rss_before_join) / ready : NAN;
    say("%-10s server RSS %ld KiB before join, %ld KiB with %d connections: %.2f KiB per "
        "connection\n",
        "idle", rss_before_join, after, ready, per);
    jput(",\"idle\":{\"rss_before_kib\":%ld,\"rss_after_kib\":%ld,\"connections\":%d",
         rss_before_join, after, ready);
    jnum("kib_per_conn", per);
    jput("}");
}

static int bursts_sent;

/* Send burst k from the chair. */
static void
send_burst(int k)
{
    char buf[2048];
    t_burst[k] = now_ns();
    if (o.target == T_CONCERTO) {
        char key[48], body[64];
        snprintf(key, sizeof(key), "b%d-%" PRId64, k, t_burst[k] % 1000000007);
        snprintf(body, sizeof(body), "{\"speaking_time\":%d}", burst_base + k);
        send_cmd(&cl[0], "meeting.configure", key, body);
    } else {
        int n = snprintf(buf, sizeof(buf), "{\"type\":\"bench\",\"burst\":%d,\"pad\":\"",
                         burst_base + k);
        int want = o.size < (int)sizeof(buf) - 4 ? o.size : (int)sizeof(buf) - 4;
        while (n < want - 2) {
            buf[n++] = 'x';
        }
        buf[n++] = '"';
        buf[n++] = '}';
        buf[n] = 0;
        send_text(&cl[0], buf);
    }
}

static void
burst_alloc(int n, int base)
{
    nburst = n;
    burst_base = base;
    free(t_burst);
    free(lat);
    t_burst = xrealloc(NULL, sizeof(*t_burst) * (size_t)n);
    memset(t_burst, 0, sizeof(*t_burst) * (size_t)n);
    lat = xrealloc(NULL, sizeof(*lat) * (size_t)n * (size_t)ncl);
    for (size_t i = 0; i < (size_t)n * (size_t)ncl; i++) {
        lat[i] = -1;
    }
}

static bool
bursts_all_in(void)
{
    for (int k = 0; k < nburst; k++) {
        for (int i = 0; i < ncl; i++) {
            if (lat[k * ncl + i] < 0 && cl[i].state != C_IDLE) {
                return false;
            }
        }
    }
    return true;
}

/* One chair event every interval to everyone; per burst, the time until the
 * last client has it. */
static void
scenario_burst(void)
{
    burst_alloc(o.bursts, BURST_BASE);
    uint64_t rec0 = n_reconnects;
    double cpu0 = cpu_ms(o.server_pid);
    int64_t start = now_ns(), interval = (int64_t)o.interval_ms * 1000000;
    bursts_sent = 0;
    while (bursts_sent < nburst) {
        int64_t due = start + bursts_sent * interval;
        if (now_ns() >= due) {
            send_burst(bursts_sent++);
            continue;
        }
        int64_t wait = (due - now_ns()) / 1000000;
        poll_once(wait > 5 ? 5 : (int)wait);
    }
    bool all = run_until(bursts_all_in, now_ns() + 5000000000);
    double cpu = cpu_ms(o.server_pid) - cpu0;
    double *done_ms = xrealloc(NULL, sizeof(double) * (size_t)nburst);
    double *all_lat = xrealloc(NULL, sizeof(double) * (size_t)nburst * (size_t)ncl);
    size_t nl = 0;
    long missing = 0;
    for (int k = 0; k < nburst; k++) {
        double mx = 0;
        for (int i = 0; i < ncl; i++) {
            float v = lat[k * ncl + i];
            if (v < 0) {
                missing++;
                continue;
            }
            all_lat[nl++] = v;
            mx = v > mx ? v : mx;
        }
        done_ms[k] = mx;
    }
    double d50 = quantile(done_ms, (size_t)nburst, 0.5);
    double d99 = quantile(done_ms, (size_t)nburst, 0.99);
    double l50 = quantile(all_lat, nl, 0.5), l99 = quantile(all_lat, nl, 0.99);
    double rate = d50 > 0 ? (double)ncl / (d50 / 1000.0) : NAN;
    say("%-10s %d bursts x %d clients: all delivered in p50 %.1f ms, p99 %.1f ms; per delivery "
        "p50 %.1f ms, p99 %.1f ms; %.0f deliveries/s; missing %ld%s; reconnects %" PRIu64
        "; server CPU %.0f ms (%.2f us per delivery)\n",
        "burst", nburst, ncl, d50, d99, l50, l99, rate, missing, all ? "" : " (timed out)",
        n_reconnects - rec0, cpu, cpu * 1000.0 / ((double)nburst * ncl));
    jput(",\"burst\":{\"bursts\":%d,\"clients\":%d,\"missing\":%ld,\"reconnects\":%" PRIu64,
         nburst, ncl, missing, n_reconnects - rec0);
    jnum("all_p50_ms", d50);
    jnum("all_p99_ms", d99);
    jnum("lat_p50_ms", l50);
    jnum("lat_p99_ms", l99);
    jnum("deliveries_per_s", rate);
    jnum("server_cpu_ms", o.server_pid > 0 ? cpu : NAN);
    jnum("cpu_us_per_delivery", o.server_pid > 0 ? cpu * 1000.0 / ((double)nburst * ncl) : NAN);
    jput("}");
    free(done_ms);
    free(all_lat);
}

static int64_t head_seq;

static bool
all_resumed(void)
{
    if (pendlen || inflight) {
        return false;
    }
    for (int i = 0; i < ncl; i++) {
        if (cl[i].state != C_READY || cl[i].seq < head_seq) {
            return false;
        }
    }
    return true;
}

/* Everyone but the chair drops; the chair writes three events while they
 * are away; they all come back with since and must catch up to the head. */
static void
scenario_reconnect(void)
{
    int away = 3;
    uint64_t dups0 = n_dups, unexp0 = n_unexpected_closes;
    int64_t t0 = now_ns();
    for (int i = 1; i < ncl; i++) {
        cl[i].dropped = true;
        client_close(&cl[i], true);
        cl[i].dropped = false;
        cl[i].away = 0;
    }
    for (int k = 0; k < away; k++) {
        char key[48], body[64];
        snprintf(key, sizeof(key), "r%d-%" PRId64, k, now_ns() % 1000000007);
        snprintf(body, sizeof(body), "{\"speaking_time\":%d}", RESUME_BASE + k);
        send_cmd(&cl[0], "meeting.configure", key, body);
        if (!run_until(chair_acked, now_ns() + 10000000000) || cl[0].ack_err) {
            say("reconnect  chair command failed\n");
        }
    }
    head_seq = cl[0].ack_seq;
    double cpu0 = cpu_ms(o.server_pid);
    int64_t t1 = now_ns();
    for (int i = 1; i < ncl; i++) {
        cl[i].want_since = true;
        cl[i].resumed = false;
        client_join(i);
    }
    bool ok = run_until(all_resumed, t1 + (int64_t)o.timeout_s * 1000000000);
    double total = ms_since(t1);
    double cpu = cpu_ms(o.server_pid) - cpu0;
    int resumed = 0, snapshots = 0;
    uint64_t missed = 0;
    for (int i = 1; i < ncl; i++) {
        resumed += cl[i].state == C_READY && cl[i].resumed;
        snapshots += cl[i].state == C_READY && !cl[i].resumed;
        /* a snapshot welcome carries the away events' state, not the events */
        if (cl[i].resumed || cl[i].state != C_READY) {
            for (int k = 0; k < away; k++) {
                missed += !(cl[i].away & (1u << k));
            }
        }
    }
    say("%-10s %d clients dropped, %d events while away: %d resumed, %d by snapshot, in %.0f ms "
        "(drop to back: %.0f ms)%s; missed events %" PRIu64 ", duplicates %" PRIu64
        "; server CPU %.0f ms\n",
        "reconnect", ncl - 1, away, resumed, snapshots, total, ms_since(t0), ok ? "" : " (timed out)",
        missed, n_dups - dups0, cpu);
    jput(",\"reconnect\":{\"ok\":%s,\"clients\":%d,\"resumed\":%d,\"snapshots\":%d,"
         "\"missed\":%" PRIu64 ",\"duplicates\":%" PRIu64 ",\"unexpected_closes\":%" PRIu64,
         ok ? "true" : "false", ncl - 1, resumed, snapshots, missed, n_dups - dups0,
         n_unexpected_closes - unexp0);
    jnum("all_ms", ok ? total : NAN);
    jnum("elapsed_ms", total);
    jnum("server_cpu_ms", o.server_pid > 0 ? cpu : NAN);
    jput("}");
}

static double vote_open_ms = NAN; /* vote.open sent to vote.opened received by all */
static double vote_close_ms = NAN; /* vote.close sent to vote.closed received by all */

static bool
vote_open_everywhere(void)
{
    for (int i = 0; i < ncl; i++) {
        if (cl[i].state == C_READY && !cl[i].vote_open) {
            return false;
        }
    }
    return true;
}

/* The chair opens the meeting, an agenda item (a vote belongs to an item) and
 * a named yes/no vote on it, and waits until every member has its
 * vote.opened; false when refused. */
static bool
open_vote(void)
{
    char body[96];
    vote_id[0] = 0;
    if (cl[0].state != C_READY || chair_cmd("meeting.open", NULL, NULL) ||
        chair_cmd("agenda.add", "{\"title\":\"Bench\"}", NULL) ||
        chair_cmd("agenda.open", "{\"item\":\"i1\"}", NULL) ||
        chair_cmd("vote.prepare", "{\"question\":\"Bench\"}", NULL)) {
        return false;
    }
    run_until(never, now_ns() + 100000000); /* the vote.prepared event names the vote */
    if (!vote_id[0]) {
        return false;
    }
    snprintf(body, sizeof(body), "{\"vote\":\"%s\"}", vote_id);
    for (int i = 0; i < ncl; i++) {
        cl[i].vote_open = false;
    }
    int64_t t0 = now_ns();
    if (chair_cmd("vote.open", body, NULL) != 0) {
        return false;
    }
    /* A member votes once it knows the vote is open: its vote.opened (which
     * names every member entitled and present) has to reach it first. */
    bool all = run_until(vote_open_everywhere, now_ns() + (int64_t)o.timeout_s * 1000000000);
    vote_open_ms = all ? ms_since(t0) : NAN;
    return true;
}

static bool
vote_closed_everywhere(void)
{
    for (int i = 0; i < ncl; i++) {
        if (cl[i].state == C_READY && !cl[i].vote_closed) {
            return false;
        }
    }
    return true;
}

/* Close the vote and wait until every member has its result (vote_close_ms);
 * the number who voted, or -1. */
static int64_t
close_vote(void)
{
    char body[96];
    snprintf(body, sizeof(body), "{\"vote\":\"%s\"}", vote_id);
    vote_voted = -1;
    closed_bytes_chair = closed_bytes_member = 0;
    for (int i = 0; i < ncl; i++) {
        cl[i].vote_closed = false;
    }
    int64_t t0 = now_ns();
    if (chair_cmd("vote.close", body, NULL)) {
        return -1;
    }
    bool all = run_until(vote_closed_everywhere, now_ns() + (int64_t)o.timeout_s * 1000000000);
    vote_close_ms = all ? ms_since(t0) : NAN;
    return vote_voted;
}

static void
send_ballot(struct client *c, int n)
{
    char key[32], body[96];
    snprintf(key, sizeof(key), "v%d", n);
    snprintf(body, sizeof(body), "{\"vote\":\"%s\",\"choice\":\"%s\"}", vote_id,
             n % 2 ? "yes" : "no");
    send_cmd(c, "vote.cast", key, body);
}

/* Closed loop under callgrind: each member casts `cmds` ballots one after the
 * other's ack (each replaces the previous one), so that two runs with
 * different counts give the server's instructions per ballot. */
static int *left;

static bool
cmds_done(void)
{
    for (int i = 1; i < ncl; i++) {
        if (left[i] > 0 || !cl[i].t_ack) {
            return false;
        }
    }
    return true;
}

static void
scenario_cmds(void)
{
    if (!open_vote()) {
        skip("cmds", "the chair could not open a vote");
        return;
    }
    left = xrealloc(NULL, sizeof(int) * (size_t)ncl);
    int64_t t0 = now_ns();
    for (int i = 1; i < ncl; i++) {
        left[i] = o.cmds;
        cl[i].t_ack = 1; /* ready to send */
        cl[i].ack_err = 0;
    }
    long sent = 0, errs = 0;
    int64_t deadline = t0 + (int64_t)o.timeout_s * 1000000000;
    while (!cmds_done() && now_ns() < deadline) {
        for (int i = 1; i < ncl; i++) {
            struct client *c = &cl[i];
            if (left[i] > 0 && c->t_ack && c->state == C_READY) {
                errs += c->ack_err;
                send_ballot(c, left[i]--);
                sent++;
            }
        }
        poll_once(5);
    }
    for (int i = 1; i < ncl; i++) {
        errs += cl[i].ack_err;
    }
    double total = ms_since(t0);
    say("%-10s %ld ballots by %d members in %.0f ms (%ld refused)\n", "cmds", sent, ncl - 1,
        total, errs);
    jput(",\"cmds\":{\"ballots\":%ld,\"refused\":%ld", sent, errs);
    jnum("elapsed_ms", total);
    jput("}");
    free(left);
}

/* Many meetings at once (--meetings N, --members each, usually 30): every
 * meeting's chair sends one command every --cmd-interval-ms (2 s), the
 * meetings' phases spread evenly over the interval, for --duration s. A
 * command is a meeting.configure that every participant of its meeting
 * receives as an event: per command, the chair's ack and each delivery are
 * timed from its send. Two seconds is a busy meeting's pace and more: in a
 * meeting of 30 an event (turn given or ended, ballot count, vote opened or
 * closed, minutes entry, someone joining or dropping out) comes every few
 * seconds at its busiest, most of the time far less often. Reported: ack and
 * delivery p50/p99/max, commands and events per second, the server's CPU
 * (user + system, /proc/PID/stat) over the run and its RSS at the end, and
 * the worst delivery of each second, where waves of work show. */
#define MEET_BASE 2000 /* speaking_time of command k of a meeting is MEET_BASE + k */
static int mt_ncmd;             /* commands per meeting, 0 outside the scenario */
static int64_t mt_start;
static int64_t *mt_sent;        /* [meeting * mt_ncmd + k] */
static float *mt_deliv, *mt_acks;
static size_t mt_ndeliv, mt_nacks, mt_capdeliv;
static float *mt_sec_max;       /* worst delivery of each second of the run (ms) */
static int mt_nsec;

static void
meetings_delivery(struct client *c, int64_t v)
{
    int64_t k = v - MEET_BASE;
    if (!mt_ncmd || k < 0 || k >= mt_ncmd || !mt_sent[c->mtg * mt_ncmd + k]) {
        return;
    }
    int64_t now = now_ns();
    float ms = (float)((double)(now - mt_sent[c->mtg * mt_ncmd + k]) / 1e6);
    if (mt_ndeliv < mt_capdeliv) {
        mt_deliv[mt_ndeliv++] = ms;
    }
    int sec = (int)((now - mt_start) / 1000000000);
    if (sec >= 0 && sec < mt_nsec && ms > mt_sec_max[sec]) {
        mt_sec_max[sec] = ms;
    }
}

static void
meetings_ack(struct client *c)
{
    if (mt_ncmd && c->chair && c->t_cmd) {
        mt_acks[mt_nacks++] = (float)((double)(c->t_ack - c->t_cmd) / 1e6);
        c->t_cmd = 0;
    }
}

static double
fquantile(const float *v, size_t n, double q, double *out_max)
{
    double *d = xrealloc(NULL, sizeof(double) * (n ? n : 1));
    double mx = 0;
    for (size_t i = 0; i < n; i++) {
        d[i] = v[i];
        mx = d[i] > mx ? d[i] : mx;
    }
    double r = quantile(d, n, q);
    free(d);
    if (out_max) {
        *out_max = n ? mx : NAN;
    }
    return r;
}

static void
scenario_meetings(void)
{
    int M = o.meetings, cpm = ncl / M;
    int64_t period = (int64_t)o.cmd_interval_ms * 1000000;
    mt_ncmd = (int)((int64_t)o.duration_s * 1000 / o.cmd_interval_ms);
    if (mt_ncmd < 1) {
        mt_ncmd = 1;
    }
    mt_sent = xrealloc(NULL, sizeof(int64_t) * (size_t)M * (size_t)mt_ncmd);
    memset(mt_sent, 0, sizeof(int64_t) * (size_t)M * (size_t)mt_ncmd);
    mt_capdeliv = (size_t)M * (size_t)mt_ncmd * (size_t)cpm;
    mt_deliv = xrealloc(NULL, sizeof(float) * mt_capdeliv);
    mt_acks = xrealloc(NULL, sizeof(float) * (size_t)M * (size_t)mt_ncmd);
    mt_nsec = o.duration_s + 10;
    mt_sec_max = xrealloc(NULL, sizeof(float) * (size_t)mt_nsec);
    memset(mt_sec_max, 0, sizeof(float) * (size_t)mt_nsec);
    int *next = xrealloc(NULL, sizeof(int) * (size_t)M);
    memset(next, 0, sizeof(int) * (size_t)M);
    uint64_t rec0 = n_reconnects, err0 = n_errors;
    long sent = 0, not_ready = 0;
    double cpu0 = cpu_ms(o.server_pid);
    mt_start = now_ns();
    int64_t end = mt_start + (int64_t)mt_ncmd * period;
    while (now_ns() < end) {
        int64_t now = now_ns();
        for (int m = 0; m < M; m++) {
            int64_t due = mt_start + (int64_t)m * period / M + (int64_t)next[m] * period;
            if (next[m] >= mt_ncmd || now < due) {
                continue;
            }
            struct client *c = &cl[m * cpm];
            int k = next[m]++;
            if (c->state != C_READY) {
                not_ready++;
                continue;
            }
            char key[48], body[64];
            snprintf(key, sizeof(key), "m%d-%d-%" PRId64, m, k, now % 1000000007);
            snprintf(body, sizeof(body), "{\"speaking_time\":%d}", MEET_BASE + k);
            mt_sent[m * mt_ncmd + k] = now_ns();
            c->t_cmd = mt_sent[m * mt_ncmd + k];
            send_cmd(c, "meeting.configure", key, body);
            sent++;
        }
        poll_once(1);
    }
    /* The last commands' deliveries. */
    run_until(never, now_ns() + 1000000000);
    double wall = ms_since(mt_start);
    double cpu = cpu_ms(o.server_pid) - cpu0;
    long rss = rss_kib(o.server_pid);
    double amax, dmax;
    double a50 = fquantile(mt_acks, mt_nacks, 0.5, &amax), a99 = fquantile(mt_acks, mt_nacks, 0.99, NULL);
    double d50 = fquantile(mt_deliv, mt_ndeliv, 0.5, &dmax);
    double d99 = fquantile(mt_deliv, mt_ndeliv, 0.99, NULL);
    long expected = sent * cpm;
    double run_s = (double)mt_ncmd * (double)o.cmd_interval_ms / 1000.0;
    say("%-10s %d meetings x %d: %ld commands (%.1f/s), %zu acked: p50 %.1f ms, p99 %.1f ms, max "
        "%.1f ms; %zu of %ld deliveries (%.0f events/s): p50 %.1f ms, p99 %.1f ms, max %.1f ms; "
        "server CPU %.0f ms over %.1f s (%.1f %% of a core, %.2f ms per command), RSS %ld KiB; "
        "reconnects %" PRIu64 ", errors %" PRIu64 "\n",
        "meetings", M, cpm, sent, sent / run_s, mt_nacks, a50, a99, amax, mt_ndeliv, expected,
        (double)mt_ndeliv / run_s, d50, d99, dmax, cpu, wall / 1000.0,
        cpu / wall * 100.0, sent ? cpu / (double)sent : NAN, rss, n_reconnects - rec0,
        n_errors - err0);
    say("%-10s worst delivery by second (ms):", "");
    for (int i = 0; i < mt_nsec && i < (int)(wall / 1000.0); i++) {
        say(" %.0f", mt_sec_max[i]);
    }
    say("\n");
    jput(",\"meetings\":{\"meetings\":%d,\"per_meeting\":%d,\"commands\":%ld,\"acked\":%zu,"
         "\"not_ready\":%ld,\"deliveries\":%zu,\"expected\":%ld,\"reconnects\":%" PRIu64
         ",\"errors\":%" PRIu64 ",\"rss_kib\":%ld",
         M, cpm, sent, mt_nacks, not_ready, mt_ndeliv, expected, n_reconnects - rec0,
         n_errors - err0, rss);
    jnum("interval_ms", o.cmd_interval_ms);
    jnum("run_s", run_s);
    jnum("commands_per_s", sent / run_s);
    jnum("events_per_s", (double)mt_ndeliv / run_s);
    jnum("ack_p50_ms", a50);
    jnum("ack_p99_ms", a99);
    jnum("ack_max_ms", amax);
    jnum("deliv_p50_ms", d50);
    jnum("deliv_p99_ms", d99);
    jnum("deliv_max_ms", dmax);
    jnum("server_cpu_ms", o.server_pid > 0 ? cpu : NAN);
    jnum("cpu_pct", o.server_pid > 0 ? cpu / wall * 100.0 : NAN);
    jnum("cpu_ms_per_cmd", o.server_pid > 0 && sent ? cpu / (double)sent : NAN);
    jput(",\"worst_by_second_ms\":[");
    for (int i = 0; i < mt_nsec && i < (int)(wall / 1000.0); i++) {
        jput("%s%.1f", i ? "," : "", mt_sec_max[i]);
    }
    jput("]}");
    mt_ncmd = 0;
    free(next);
    free(mt_sent);
    free(mt_deliv);
    free(mt_acks);
    free(mt_sec_max);
}

/* Once every member has the vote.opened event, every member casts one
 * ballot, spread evenly over one second; each is acked after its commit.
 * Then the chair closes the vote: the result must count every acked
 * ballot. */
static void
scenario_vote(void)
{
    if (!doc_mentions("`vote.cast`")) {
        skip("vote", "proto/PROTOCOL.md has no vote.cast command yet");
        return;
    }
    if (o.members < ncl) {
        skip("vote", "needs one participant per client (--members)");
        return;
    }
    if (!open_vote()) {
        skip("vote", "the chair could not open a vote");
        return;
    }
    double cpu0 = cpu_ms(o.server_pid);
    int64_t t0 = now_ns(), spread = 1000000000;
    int64_t *sent_at = xrealloc(NULL, sizeof(int64_t) * (size_t)ncl);
    int next = 1, acked = 0, refused = 0;
    for (int i = 0; i < ncl; i++) {
        sent_at[i] = 0;
        cl[i].t_ack = 0;
        cl[i].ack_err = 0;
        cl[i].counts = 0;
    }
    int64_t deadline = t0 + spread + (int64_t)o.timeout_s * 1000000000;
    while (now_ns() < deadline) {
        while (next < ncl && now_ns() >= t0 + spread * (next - 1) / (ncl - 1)) {
            sent_at[next] = now_ns();
            send_ballot(&cl[next], next);
            next++;
        }
        acked = refused = 0;
        for (int i = 1; i < next; i++) {
            acked += cl[i].t_ack != 0 && !cl[i].ack_err;
            refused += cl[i].ack_err;
        }
        if (next == ncl && acked + refused == ncl - 1) {
            break;
        }
        poll_once(1);
    }
    double *v = xrealloc(NULL, sizeof(double) * (size_t)ncl);
    size_t n = 0;
    for (int i = 1; i < ncl; i++) {
        if (cl[i].t_ack && !cl[i].ack_err) {
            v[n++] = (double)(cl[i].t_ack - sent_at[i]) / 1e6;
        }
    }
    double p50 = quantile(v, n, 0.5), p99 = quantile(v, n, 0.99);
    double cpu = cpu_ms(o.server_pid) - cpu0;
    run_until(never, now_ns() + 1100000000); /* the last count comes within a second */
    double counts = 0;
    for (int i = 1; i < ncl; i++) {
        counts += cl[i].counts;
    }
    counts /= ncl - 1;
    int64_t voted = close_vote();
    int64_t lost = voted >= 0 ? (int64_t)acked - voted : -1;
    say("%-10s %d ballots over 1 s: %d acked, %d refused, ack p50 %.1f ms, p99 %.1f ms; the "
        "result counts %" PRId64 " (lost %" PRId64 "); server CPU %.0f ms; vote.opened reached "
        "everyone in %.0f ms; %.1f count messages per member; vote.closed reached everyone in "
        "%.0f ms (%zu bytes to a member, %zu to the chair)\n",
        "vote", ncl - 1, acked, refused, p50, p99, voted, lost, cpu, vote_open_ms, counts,
        vote_close_ms, closed_bytes_member, closed_bytes_chair);
    jput(",\"vote\":{\"ballots\":%d,\"acked\":%d,\"refused\":%d,\"counted\":%" PRId64
         ",\"lost\":%" PRId64,
         ncl - 1, acked, refused, voted, lost < 0 ? (int64_t)(ncl - 1 - acked) : lost);
    jnum("ack_p50_ms", p50);
    jnum("ack_p99_ms", p99);
    jnum("server_cpu_ms", o.server_pid > 0 ? cpu : NAN);
    jnum("opened_all_ms", vote_open_ms);
    jnum("counts_per_member", counts);
    jnum("closed_all_ms", vote_close_ms);
    jnum("closed_bytes_member", (double)closed_bytes_member);
    jnum("closed_bytes_chair", (double)closed_bytes_chair);
    jput("}");
    free(v);
    free(sent_at);
}


/* Time one GET of the record; the status, or 0 when none. */
static int
get_record(const char *file, double *ms, size_t *bytes)
{
    char path[256], *r = NULL;
    size_t rl = 0;
    snprintf(path, sizeof(path), "/api/meetings/%s/record/%s", meeting_id, file);
    int64_t t0 = now_ns();
    int st = http_request("GET", path, "application/json", "", 0, &r, &rl);
    *ms = ms_since(t0);
    *bytes = rl;
    if (st != 200 && n_errors++ < 5) {
        say("  GET %s: HTTP %d %.200s\n", path, st, r);
    }
    free(r);
    return st;
}

/* The record scenario plays a meeting whose log looks like a real one, only
 * faster: item after item, members ask for the floor and the chair gives it
 * (speaker.requested, turn_ended, turn_started, now and then a pause), a
 * named vote on every item (prepared, opened, one ballot per member, closed,
 * published), one member dropping out and coming back per item
 * (participant.left and .joined, with the grace period set to 0), and the
 * secretary's minutes spread over the meeting, RECORD_MINUTES in all, until
 * the log holds about RECORD_EVENTS events. Commands go in rounds: each client
 * pipelines its share of a round, and the next round starts once every
 * command of this one is answered. The meeting is then closed and the
 * minutes finalised; the first GET of the record builds and signs it. */
#define RECORD_EVENTS 50000
#define RECORD_MINUTES 2000
#define RECORD_SPEAKER_ROUNDS 3 /* per item, each a round of requests then one of turns */

static int64_t *rec_base, *rec_sent, *rec_oks;
static int64_t rec_key, rec_cmds, rec_minutes;

static int64_t
rec_answered(int i)
{
    return (int64_t)(cl[i].oks + cl[i].errs) - rec_base[i];
}

static void
rec_send(int i, const char *type, const char *body)
{
    char key[32];
    snprintf(key, sizeof(key), "k%" PRId64, ++rec_key);
    send_cmd(&cl[i], type, key, body);
    rec_sent[i]++;
    rec_cmds++;
}

static bool
rec_round_done(void)
{
    for (int i = 0; i < ncl; i++) {
        if (cl[i].state == C_READY && rec_answered(i) < rec_sent[i]) {
            return false;
        }
    }
    return true;
}

/* Start a round: what each client sends is counted from here. */
static void
rec_round_begin(void)
{
    for (int i = 0; i < ncl; i++) {
        rec_base[i] = (int64_t)(cl[i].oks + cl[i].errs);
        rec_oks[i] = (int64_t)cl[i].oks;
        rec_sent[i] = 0;
    }
}

/* The secretary's share of a round: keep the minutes in step with the log. */
static void
rec_minutes_due(void)
{
    int64_t due = (int64_t)RECORD_MINUTES * cl[0].seq / RECORD_EVENTS + 1;
    char body[160];
    while (rec_minutes < due && rec_minutes < RECORD_MINUTES && cl[1].state == C_READY) {
        snprintf(body, sizeof(body),
                 "{\"text\":\"Entry %" PRId64 ": the commission notes the figures and the "
                 "remarks of the members.\"}",
                 rec_minutes);
        rec_send(1, "minutes.add", body);
        rec_minutes++;
    }
}

static bool
rec_round_end(int64_t deadline)
{
    rec_minutes_due();
    return run_until(rec_round_done, deadline);
}

static void
scenario_record(void)
{
    if (!doc_mentions("/record/")) {
        skip("record", "the server builds no record yet (no record route in proto/PROTOCOL.md)");
        return;
    }
    if (!with_secretary || cl[1].state != C_READY || ncl < 4) {
        skip("record", "needs the secretary and members (run the record scenario on its own)");
        return;
    }
    int64_t seq = 0;
    if (chair_cmd("meeting.open", NULL, &seq) ||
        chair_cmd("meeting.configure", "{\"grace\":0}", &seq)) {
        skip("record", "the chair could not open the meeting");
        return;
    }
    struct client *s = &cl[1];
    rec_base = xrealloc(NULL, sizeof(int64_t) * (size_t)ncl);
    rec_sent = xrealloc(NULL, sizeof(int64_t) * (size_t)ncl);
    rec_oks = xrealloc(NULL, sizeof(int64_t) * (size_t)ncl);
    int64_t t0 = now_ns(), deadline = t0 + (int64_t)o.timeout_s * 1000000000 * 4;
    int64_t need = RECORD_EVENTS - 3; /* the close and the finalisation come last */
    uint64_t errs0 = 0;
    for (int i = 0; i < ncl; i++) {
        errs0 += cl[i].errs;
    }
    int items = 0, votes = 0, members = ncl - 2;
    char body[160];
    bool ok = true;
    while (ok && cl[0].state == C_READY && cl[0].seq < need && items < 990) {
        items++;
        /* The item: added and opened; one member drops out for a while. */
        int away = 2 + (items % members);
        rec_round_begin();
        snprintf(body, sizeof(body), "{\"title\":\"Point %d\",\"kind\":\"vote\"}", items);
        rec_send(0, "agenda.add", body);
        snprintf(body, sizeof(body), "{\"item\":\"i%d\"}", items);
        rec_send(0, "agenda.open", body);
        cl[away].dropped = true;
        client_close(&cl[away], true);
        cl[away].dropped = false;
        ok = rec_round_end(deadline);
        /* The floor: requests, then the turns they ask for. */
        for (int r = 0; ok && r < RECORD_SPEAKER_ROUNDS; r++) {
            rec_round_begin();
            for (int i = 2; i < ncl; i++) {
                if (cl[i].state == C_READY) {
                    rec_send(i, "speaker.request",
                             (i + r) % 7 ? NULL : "{\"kind\":\"reply\"}");
                }
            }
            if (r == 1) {
                rec_send(0, "speaker.pause", NULL);
                rec_send(0, "speaker.resume", NULL);
            }
            ok = rec_round_end(deadline);
            int64_t granted = 0; /* requests accepted: one turn each */
            for (int i = 2; i < ncl; i++) {
                granted += (int64_t)cl[i].oks - rec_oks[i];
            }
            rec_round_begin();
            for (int64_t k = 0; ok && k < granted; k++) {
                rec_send(0, "speaker.next", NULL);
            }
            ok = ok && rec_round_end(deadline);
        }
        /* The member who dropped out comes back; a vote on two items in
         * three, within the server's limit of votes per meeting. */
        cl[away].want_since = true;
        client_join(away);
        if (items % 3 == 0 || votes >= 190) {
            continue;
        }
        votes++;
        rec_round_begin();
        snprintf(body, sizeof(body), "{\"question\":\"Adopt point %d?\"}", items);
        rec_send(0, "vote.prepare", body);
        snprintf(body, sizeof(body), "{\"vote\":\"v%d\"}", votes);
        rec_send(0, "vote.open", body);
        ok = ok && rec_round_end(deadline);
        rec_round_begin();
        for (int i = 2; i < ncl; i++) {
            if (cl[i].state == C_READY) {
                snprintf(body, sizeof(body), "{\"vote\":\"v%d\",\"choice\":\"%s\"}", votes,
                         i % 3 == 0 ? "no" : i % 5 == 0 ? "abstain" : "yes");
                rec_send(i, "vote.cast", body);
            }
        }
        ok = ok && rec_round_end(deadline);
        rec_round_begin();
        snprintf(body, sizeof(body), "{\"vote\":\"v%d\"}", votes);
        rec_send(0, "vote.close", body);
        rec_send(0, "vote.publish", body);
        ok = ok && rec_round_end(deadline);
    }
    /* Whatever minutes are still due, then the end of the meeting. */
    rec_round_begin();
    while (ok && rec_minutes < RECORD_MINUTES) {
        rec_minutes_due();
        ok = run_until(rec_round_done, deadline);
        rec_round_begin();
    }
    run_until(all_ready, now_ns() + 5000000000);
    double fill_ms = ms_since(t0);
    uint64_t errs = 0;
    for (int i = 0; i < ncl; i++) {
        errs += cl[i].errs;
    }
    errs -= errs0;
    free(rec_base);
    free(rec_sent);
    free(rec_oks);
    int64_t closed_seq = 0;
    if (!ok || chair_cmd("meeting.close", NULL, &closed_seq)) {
        skip("record", "the meeting could not be played or closed");
        return;
    }
    send_cmd(s, "minutes.finalize", "fin", NULL);
    int64_t tf = now_ns();
    while (!s->t_ack && now_ns() < deadline) {
        poll_once(2);
    }
    double fin_ms = ms_since(tf);
    if (s->ack_err || !s->t_ack) {
        skip("record", "minutes.finalize was refused");
        return;
    }
    double first_ms, again_ms, sig_ms, md_ms, html_ms, pdf_ms;
    size_t first_b, again_b, sig_b, md_b, html_b, pdf_b;
    int st = get_record("record.json", &first_ms, &first_b);
    get_record("record.json", &again_ms, &again_b);
    get_record("record.json.minisig", &sig_ms, &sig_b);
    get_record("record.md", &md_ms, &md_b);
    get_record("record.html", &html_ms, &html_b);
    get_record("record.pdf", &pdf_ms, &pdf_b);
    say("%-10s %" PRId64 " events (%d items, %d votes, %" PRId64 " minutes entries; %" PRId64
        " commands, %" PRIu64 " refused) written in %.0f ms; minutes.finalize acked in %.1f ms; "
        "first GET record.json (build and sign) %.1f ms, %zu bytes (HTTP %d); again %.1f ms; "
        ".minisig %.1f ms; record.md %.1f ms; record.html %.1f ms; record.pdf %.1f ms, %zu "
        "bytes\n",
        "record", s->seq, items, votes, rec_minutes, rec_cmds, errs, fill_ms, fin_ms, first_ms,
        first_b, st, again_ms, sig_ms, md_ms, html_ms, pdf_ms, pdf_b);
    jput(",\"record\":{\"events\":%" PRId64 ",\"items\":%d,\"votes\":%d,\"minutes\":%" PRId64
         ",\"commands\":%" PRId64 ",\"refused\":%" PRIu64
         ",\"status\":%d,\"json_bytes\":%zu,\"md_bytes\":%zu,\"html_bytes\":%zu,\"pdf_bytes\":%zu",
         s->seq, items, votes, rec_minutes, rec_cmds, errs, st, first_b, md_b, html_b, pdf_b);
    jnum("fill_ms", fill_ms);
    jnum("finalize_ms", fin_ms);
    jnum("build_sign_ms", st == 200 ? fin_ms + first_ms : NAN);
    jnum("first_get_ms", first_ms);
    jnum("cached_get_ms", again_ms);
    jnum("md_get_ms", md_ms);
    jnum("html_get_ms", html_ms);
    jnum("pdf_get_ms", pdf_ms);
    jnum("all_files_ms", st == 200 ? fin_ms + first_ms + md_ms + html_ms + pdf_ms : NAN);
    jput("}");
}

/* --- main ---------------------------------------------------------------------- */

static void
usage(void)
{
    fprintf(stderr,
            "usage: loadgen [--target concerto|bare] [--host IP] [--port N] [--clients N]\n"
            "               [--admin-token T] [--scenarios join,idle,burst,reconnect,vote,record,cmds]\n"
            "               [--bursts N] [--interval-ms N] [--size BYTES] [--server-pid PID]\n"
            "               [--path P] [--subprotocol S] [--sources N] [--window N]\n"
            "               [--timeout S] [--cmds N] [--protocol-doc FILE] [--json FILE]\n"
            "               [--label NAME] [--members M] [--join-timeout S]\n"
            "               [--meetings N] [--cmd-interval-ms N] [--duration S]\n");
    exit(2);
}

static void
parse_args(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define OPT(name) (strcmp(a, name) == 0 && v && ++i)
        if (OPT("--target")) {
            o.target = strcmp(v, "concerto") == 0 ? T_CONCERTO : T_BARE;
        } else if (OPT("--host")) {
            o.host = v;
        } else if (OPT("--port")) {
            o.port = atoi(v);
        } else if (OPT("--clients")) {
            o.clients = atoi(v);
        } else if (OPT("--admin-token")) {
            o.admin_token = v;
        } else if (OPT("--scenarios")) {
            o.scenarios = v;
        } else if (OPT("--bursts")) {
            o.bursts = atoi(v);
        } else if (OPT("--interval-ms")) {
            o.interval_ms = atoi(v);
        } else if (OPT("--size")) {
            o.size = atoi(v);
        } else if (OPT("--server-pid")) {
            o.server_pid = atoi(v);
        } else if (OPT("--path")) {
            o.path = v;
        } else if (OPT("--subprotocol")) {
            o.subprotocol = v;
        } else if (OPT("--sources")) {
            o.sources = atoi(v);
        } else if (OPT("--window")) {
            o.window = atoi(v);
        } else if (OPT("--timeout")) {
            o.timeout_s = atoi(v);
        } else if (OPT("--join-timeout")) {
            o.join_timeout_s = atoi(v);
        } else if (OPT("--members")) {
            o.members = atoi(v);
        } else if (OPT("--meetings")) {
            o.meetings = atoi(v);
        } else if (OPT("--cmd-interval-ms")) {
            o.cmd_interval_ms = atoi(v);
        } else if (OPT("--duration")) {
            o.duration_s = atoi(v);
        } else if (OPT("--cmds")) {
            o.cmds = atoi(v);
        } else if (OPT("--protocol-doc")) {
            o.protocol_doc = v;
        } else if (OPT("--json")) {
            o.json = v;
        } else if (OPT("--label")) {
            o.label = v;
        } else if (strcmp(a, "--verbose") == 0) {
            o.verbose = true;
        } else {
            usage();
        }
#undef OPT
    }
    if (o.clients < 2 || o.bursts < 1 || o.interval_ms < 1 || o.sources < 1 || o.sources > 250 ||
        o.window < 1) {
        usage();
    }
    if (o.meetings < 1 || o.meetings > o.clients / 2 || o.cmd_interval_ms < 1 ||
        o.duration_s < 1) {
        usage();
    }
    o.clients -= o.clients % o.meetings; /* as many clients in every meeting */
    if (o.members <= 0 || o.members > o.clients / o.meetings) {
        o.members = o.clients / o.meetings;
    }
    if (!o.subprotocol) {
        o.subprotocol = o.target == T_CONCERTO ? "concerto.v1" : "bench";
    }
    if (!o.path) {
        o.path = "/";
    }
}

static void
raise_file_limit(int need)
{
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur >= (rlim_t)need) {
        return;
    }
    rl.rlim_cur = (rlim_t)need;
    if (rl.rlim_max < (rlim_t)need) {
        rl.rlim_max = (rlim_t)need; /* works as root */
    }
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
        die("cannot raise the open file limit to %d: %s", need, strerror(errno));
    }
}

int
main(int argc, char **argv)
{
    parse_args(argc, argv);
    signal(SIGPIPE, SIG_IGN);
    ncl = o.clients;
    raise_file_limit(ncl + 1024);
    cl = xrealloc(NULL, sizeof(*cl) * (size_t)ncl);
    memset(cl, 0, sizeof(*cl) * (size_t)ncl);
    for (int i = 0; i < ncl; i++) {
        cl[i].fd = -1;
        cl[i].seq = -1;
    }
    pendq = xrealloc(NULL, sizeof(int) * (size_t)ncl);
    ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0) {
        die("epoll_create1: %s", strerror(errno));
    }
    rng ^= (uint32_t)getpid();

    jput("{\"label\":\"%s\",\"target\":\"%s\",\"clients\":%d,\"interval_ms\":%d,\"size\":%d",
         o.label, o.target == T_CONCERTO ? "concerto" : "bare", ncl, o.interval_ms, o.size);
    with_secretary = o.target == T_CONCERTO && scenario_on("record");
    if (o.target == T_CONCERTO) {
        setup_meeting();
    } else {
        cl[0].chair = true;
    }
    if (scenario_on("join") || scenario_on("burst") || scenario_on("reconnect") ||
        scenario_on("meetings") ||
        scenario_on("idle") || scenario_on("vote") || scenario_on("cmds") ||
        scenario_on("record")) {
        scenario_join();
    }
    bool joined = count_ready() == ncl;
    if (scenario_on("idle")) {
        scenario_idle();
    }
    if (scenario_on("burst")) {
        if (joined || count_ready() > ncl / 2) {
            scenario_burst();
        } else {
            skip("burst", "the join storm did not complete");
        }
    }
    if (o.target == T_CONCERTO) {
        if (scenario_on("reconnect")) {
            if (cl[0].state == C_READY) {
                scenario_reconnect();
            } else {
                skip("reconnect", "the chair is not connected");
            }
        }
        if (scenario_on("cmds")) {
            scenario_cmds();
        }
        if (scenario_on("meetings")) {
            scenario_meetings();
        }
        if (scenario_on("vote")) {
            scenario_vote();
        }
        if (scenario_on("record")) {
            scenario_record();
        }
    }
    jput(",\"errors\":%" PRIu64 ",\"seq_skips\":%" PRIu64 ",\"duplicates\":%" PRIu64
         ",\"unexpected_closes\":%" PRIu64 ",\"connect_failures\":%" PRIu64
         ",\"rx_bytes\":%" PRIu64 "}\n",
         n_errors, n_gaps, n_dups, n_unexpected_closes, n_connect_fail, rx_bytes);
    if (o.json) {
        FILE *f = fopen(o.json, "a");
        if (!f) {
            die("cannot write %s: %s", o.json, strerror(errno));
        }
        fwrite(jout, 1, jlen, f);
        fclose(f);
    }
    if (o.verbose) {
        fwrite(jout, 1, jlen, stdout);
    }
    for (int i = 0; i < ncl; i++) {
        if (cl[i].state != C_IDLE) {
            close(cl[i].fd);
        }
        free(cl[i].in);
        free(cl[i].msg);
        free(cl[i].out);
    }
    free(cl);
    free(pendq);
    free(t_burst);
    free(lat);
    free(jout);
    close(ep);
    return 0;
}
