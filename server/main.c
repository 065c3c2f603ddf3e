/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * main.c - the `concerto` command: parse flags (getopt_long: `--name value`
 * or `--name=value`; every refusal is one line naming the option), open what
 * the subcommand needs, wire the modules together, and report start-up
 * failures as one clear line on stderr with a non-zero exit. No logic lives
 * here.
 *
 *   concerto serve [--listen ADDR:PORT] [--db FILE] [--web DIR] [--key FILE]
 *                  [--room-base URL] [--public-url URL] [--sendmail PATH]
 *                  [--mail-from ADDR] [--mail-timeout S] [--demo]
 *   concerto init [--db FILE]
 *   concerto backup [--db FILE] OUT
 *   concerto verify [--pub FILE] DIR
 *   concerto keygen [--key FILE]
 *
 * Exit codes: 0 success, 1 runtime failure, 2 bad usage.
 */
#define _POSIX_C_SOURCE 200809L
#include "crypto/sec.h"
#include "err.h"
#include "hub/hub.h"
#include "hub/worker.h"
#include "log.h"
#include "net/net.h"
#include "record/verify.h"
#include "store/store.h"
#include "store/wal.h"

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef CONCERTO_WEB_DEFAULT
#define CONCERTO_WEB_DEFAULT "web"
#endif

static const char usage_main[] =
    "usage: concerto COMMAND [OPTIONS]\n"
    "\n"
    "Meeting support for deliberative bodies: agenda, floor, votes, signed minutes.\n"
    "\n"
    "commands:\n"
    "  serve    run the server\n"
    "  init     create the database and print a one-time admin token\n"
    "  backup   write a consistent copy of the database\n"
    "  verify   check a downloaded record: signatures and hash chain\n"
    "  keygen   create a signing key pair\n"
    "\n"
    "Run 'concerto COMMAND --help' for the options of a command.\n";

static const char usage_serve[] =
    "usage: concerto serve [OPTIONS]\n"
    "\n"
    "  --listen ADDR:PORT  address to listen on (default 127.0.0.1:8080)\n"
    "  --db FILE           SQLite database (default ./var/concerto.db)\n"
    "  --web DIR           browser client to serve (default: the web/ of the source tree)\n"
    "  --key FILE          Ed25519 signing key, created 0600 if absent\n"
    "                      (default ./var/signing.key; public key beside it, .pub)\n"
    "  --room-base URL     video room base (default https://meet.jit.si/)\n"
    "  --public-url URL    where browsers reach this server, for the links sent\n"
    "                      by e-mail (default http://LISTEN)\n"
    "  --sendmail PATH     the mail system's sendmail program, run as PATH -t -oi\n"
    "                      (default /usr/sbin/sendmail)\n"
    "  --mail-from ADDR    the convocations' sender address (default: the mail\n"
    "                      system's)\n"
    "  --mail-timeout S    seconds the sendmail program has for one message, then\n"
    "                      it is stopped and the message failed (default 60)\n"
    "  --allow-origin URL  a web origin allowed to open WebSockets besides this\n"
    "                      server's own (repeatable), e.g. https://concerto.example.org\n"
    "  --max-connections N WebSockets in all (default 20000)\n"
    "  --max-per-address N WebSockets per client address, and as many other HTTP\n"
    "                      connections counted apart; loopback exempt (default 200)\n"
    "  --msg-rate N        messages per second per connection before slowing (default 20)\n"
    "  --http-timeout S    seconds a client has to send a whole request, headers and\n"
    "                      body (default 10)\n"
    "  --documents DIR     where documents' files are kept (default: documents/ beside\n"
    "                      the database)\n"
    "  --max-document MB   size limit of an uploaded document, 1 to 1024 (default 20)\n"
    "  --threads N         threads serving connections, 1 to 64 (default: one per\n"
    "                      core, at most 8); the meetings' rules run on one of them\n"
    "  --event-loop poll|epoll  how each thread waits for its sockets (default poll;\n"
    "                      epoll for many small meetings, poll for very large ones)\n"
    "  --log-connections   log a line for each connection opened, joined, left and\n"
    "                      closed (default: one summary line at most every\n"
    "                      --log-interval seconds; refusals are always logged)\n"
    "  --log-interval S    seconds between summaries of connections (default 10)\n"
    "  --demo              create the demo meeting if absent and print join links\n"
    "  -h, --help          this help\n";

static const char usage_init[] = "usage: concerto init [--db FILE]\n"
                                 "\n"
                                 "Create the database if needed and print a new admin token.\n"
                                 "The token is shown once; only its hash is stored.\n";

static const char usage_backup[] = "usage: concerto backup [--db FILE] OUT\n"
                                   "\n"
                                   "Write a consistent copy of the database to OUT (which must\n"
                                   "not exist), safe while the server runs.\n";

static const char usage_verify[] =
    "usage: concerto verify [--pub FILE] DIR\n"
    "\n"
    "Check the record files in DIR (record.json, .md, .html, .pdf and their .minisig):\n"
    "every signature against the public key (default DIR/concerto.pub), the hash chain\n"
    "of the events in record.json, and that every signature names the same chain head.\n"
    "Exit status 0 when everything verifies, 1 otherwise.\n";

static const char usage_keygen[] =
    "usage: concerto keygen [--key FILE]\n"
    "\n"
    "Create an Ed25519 signing key (default ./var/signing.key, mode 0600) and its\n"
    "public key beside it (.pub, minisign format). Refuses to overwrite a key.\n";

static struct net *running;

static void
on_signal(int sig)
{
    (void)sig;
    if (running) {
        net_stop(running);
    }
}

static void
print_line(const char *line)
{
    printf("%s\n", line);
    fflush(stdout);
}

/* A small text file (new), NULL when unreadable. */
static char *
read_text(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = f ? malloc(4096) : NULL;
    size_t n = buf ? fread(buf, 1, 4095, f) : 0;
    if (f) {
        fclose(f);
    }
    if (buf) {
        buf[n] = 0;
        *len = n;
    }
    return buf;
}

static int
bad_usage(const char *cmd, const char *what)
{
    fprintf(stderr, "concerto %s: %s (see 'concerto %s --help')\n", cmd, what, cmd);
    return 2;
}

/* getopt_long's refusal as one line: the option it could not take, and why.
 * Call on '?' or ':' (the option strings start with ':', so ':' is a missing
 * value); opterr is 0, so getopt itself prints nothing. */
static int
bad_option(const char *cmd, int c, char **argv, const struct option *opts)
{
    char what[300];
    const char *arg = optind > 0 ? argv[optind - 1] : "";
    const char *name = NULL;
    for (const struct option *o = opts; c == ':' && o->name; o++) {
        name = o->val == optopt ? o->name : name;
    }
    if (c != ':') {
        snprintf(what, sizeof(what), "unknown option '%.200s'", arg);
    } else if (name) {
        snprintf(what, sizeof(what), "--%s takes a value", name);
    } else {
        snprintf(what, sizeof(what), "'%.200s' takes a value", arg);
    }
    return bad_usage(cmd, what);
}

/* The small commands' line: one option with a value (`--NAME VALUE`), --help,
 * and at most one operand (stored in *operand when operand is not NULL).
 * Returns -1 to go on, or the exit status (0 after --help, 2 on bad usage). */
static int
parse_small(const char *cmd, const char *usage, int argc, char **argv, const char *name,
            const char **value, const char **operand)
{
    const struct option opts[] = {
        {name, required_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    opterr = 0;
    for (int c; (c = getopt_long(argc, argv, ":h", opts, NULL)) != -1;) {
        if (c == 'v') {
            *value = optarg;
        } else if (c == 'h') {
            fputs(usage, stdout);
            return 0;
        } else {
            return bad_option(cmd, c, argv, opts);
        }
    }
    if (operand && optind < argc) {
        *operand = argv[optind++];
    }
    if (optind < argc) {
        char what[300];
        snprintf(what, sizeof(what), "unexpected argument '%.200s'", argv[optind]);
        return bad_usage(cmd, what);
    }
    return -1;
}

/* Create the parent directory of `path` when it is the default ./var. */
static void
ensure_var(const char *path)
{
    if (strncmp(path, "./var/", 6) == 0 || strncmp(path, "var/", 4) == 0) {
        mkdir("var", 0700);
    }
}

static int
open_store(const char *cmd, const char *db, struct store **st)
{
    const char *msg = NULL;
    ensure_var(db);
    struct stat sb;
    if (stat(db, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        fprintf(stderr, "concerto %s: cannot open database %s: it is a directory\n", cmd, db);
        return 1;
    }
    if (store_open(db, st, &msg)) {
        fprintf(stderr, "concerto %s: cannot open database %s: %s\n", cmd, db,
                msg ? msg : "unknown error");
        return 1;
    }
    return 0;
}

/* What `serve` was asked for; zero limits mean the net's defaults. */
enum serve_limit {
    MAX_CONN,
    MAX_PER_ADDR,
    MSG_RATE,
    HTTP_TIMEOUT,
    THREADS,
    LOG_INTERVAL,
    MAX_DOCUMENT, /* MiB */
    MAIL_TIMEOUT, /* s */
    NLIMITS
};
struct serve_opts {
    const char *listen, *db, *web, *key, *room_base, *public_url, *sendmail, *mail_from, *documents;
    char default_url[300], docdir[PATH_MAX]; /* kept by the hub */
    const char *origins[17]; /* NULL-terminated */
    int norigins, demo, log_connections, epoll;
    long limits[NLIMITS];
    char addr[128]; /* --listen split into address and port */
    int port;
};

static const long serve_limit_max[NLIMITS] = {1000000, 1000000, 1000000, 1000000,
                                              64,      86400,   1024,    86400};

/* serve's getopt codes: the string options O_LISTEN..O_DOCS (in the order of
 * parse_serve_option's strings), then the others, then one code per limit. */
enum {
    O_LISTEN = 256,
    O_DB,
    O_WEB,
    O_KEY,
    O_ROOM,
    O_PUBLIC,
    O_SENDMAIL,
    O_FROM,
    O_DOCS,
    O_ORIGIN,
    O_DEMO,
    O_LOGCONN,
    O_EVLOOP,
    O_LIMIT
};

static const struct option serve_options[] = {
    {"listen", required_argument, NULL, O_LISTEN},
    {"db", required_argument, NULL, O_DB},
    {"web", required_argument, NULL, O_WEB},
    {"key", required_argument, NULL, O_KEY},
    {"room-base", required_argument, NULL, O_ROOM},
    {"public-url", required_argument, NULL, O_PUBLIC},
    {"sendmail", required_argument, NULL, O_SENDMAIL},
    {"mail-from", required_argument, NULL, O_FROM},
    {"documents", required_argument, NULL, O_DOCS},
    {"allow-origin", required_argument, NULL, O_ORIGIN},
    {"demo", no_argument, NULL, O_DEMO},
    {"log-connections", no_argument, NULL, O_LOGCONN},
    {"event-loop", required_argument, NULL, O_EVLOOP},
    {"max-connections", required_argument, NULL, O_LIMIT + MAX_CONN},
    {"max-per-address", required_argument, NULL, O_LIMIT + MAX_PER_ADDR},
    {"msg-rate", required_argument, NULL, O_LIMIT + MSG_RATE},
    {"http-timeout", required_argument, NULL, O_LIMIT + HTTP_TIMEOUT},
    {"threads", required_argument, NULL, O_LIMIT + THREADS},
    {"log-interval", required_argument, NULL, O_LIMIT + LOG_INTERVAL},
    {"max-document", required_argument, NULL, O_LIMIT + MAX_DOCUMENT},
    {"mail-timeout", required_argument, NULL, O_LIMIT + MAIL_TIMEOUT},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* A numeric limit option (code c) from optarg. Returns -1 to go on, or the
 * exit status. */
static int
parse_limit(int c, struct serve_opts *o)
{
    int k = c - O_LIMIT;
    char *end = NULL;
    errno = 0;
    o->limits[k] = strtol(optarg, &end, 10);
    if (errno || end == optarg || *end || o->limits[k] < 1 || o->limits[k] > serve_limit_max[k]) {
        const struct option *opt = serve_options;
        while (opt->val != c) {
            opt++;
        }
        char what[128];
        snprintf(what, sizeof(what), "--%s takes a number from 1 to %ld", opt->name,
                 serve_limit_max[k]);
        return bad_usage("serve", what);
    }
    return -1;
}

/* One option (getopt code c) into *o. Returns -1 to go on, or the exit status. */
static int
parse_serve_option(int c, char **argv, struct serve_opts *o)
{
    const char **strings[O_ORIGIN - O_LISTEN] = {&o->listen,     &o->db,       &o->web,
                                                 &o->key,        &o->room_base, &o->public_url,
                                                 &o->sendmail,   &o->mail_from,  &o->documents};
    if (c >= O_LIMIT && c < O_LIMIT + NLIMITS) {
        return parse_limit(c, o);
    } else if (c >= O_LISTEN && c < O_ORIGIN) {
        *strings[c - O_LISTEN] = optarg;
    } else if (c == O_ORIGIN) {
        if (o->norigins == 16) {
            return bad_usage("serve", "--allow-origin is accepted at most 16 times");
        }
        o->origins[o->norigins++] = optarg;
    } else if (c == O_DEMO) {
        o->demo = 1;
    } else if (c == O_LOGCONN) {
        o->log_connections = 1;
    } else if (c == O_EVLOOP) {
        if (strcmp(optarg, "poll") != 0 && strcmp(optarg, "epoll") != 0) {
            return bad_usage("serve", "--event-loop takes poll or epoll");
        }
        o->epoll = strcmp(optarg, "epoll") == 0;
    } else if (c == 'h') {
        fputs(usage_serve, stdout);
        return 0;
    } else {
        return bad_option("serve", c, argv, serve_options);
    }
    return -1;
}

/* --listen: ADDR:PORT or [V6]:PORT into o->addr and o->port. Returns -1 to
 * go on, or the exit status. */
static int
parse_listen(struct serve_opts *o)
{
    const char *colon = strrchr(o->listen, ':');
    char *end = NULL;
    long port = colon ? strtol(colon + 1, &end, 10) : -1;
    if (!colon || colon == o->listen || !end || *end || port < 1 || port > 65535 ||
        (size_t)(colon - o->listen) >= sizeof(o->addr)) {
        return bad_usage("serve", "--listen takes ADDR:PORT, e.g. 127.0.0.1:8080");
    }
    memcpy(o->addr, o->listen, (size_t)(colon - o->listen));
    o->addr[colon - o->listen] = 0;
    if (o->addr[0] == '[') {
        memmove(o->addr, o->addr + 1, strlen(o->addr));
        o->addr[strcspn(o->addr, "]")] = 0;
    }
    o->port = (int)port;
    return -1;
}

/* serve's options into *o. Returns -1 to go on, or the exit status. */
static int
parse_serve(int argc, char **argv, struct serve_opts *o)
{
    opterr = 0;
    for (int c; (c = getopt_long(argc, argv, ":h", serve_options, NULL)) != -1;) {
        int rc = parse_serve_option(c, argv, o);
        if (rc != -1) {
            return rc;
        }
    }
    if (optind < argc) {
        char what[300];
        snprintf(what, sizeof(what), "unexpected argument '%.200s'", argv[optind]);
        return bad_usage("serve", what);
    }
    return parse_listen(o);
}

/* --demo: an admin token if the database has none, then the demo meeting and
 * its join links on stdout. */
static int
serve_demo(struct hub *h, struct store *st, const char *base)
{
    if (!store_admin_exists(st)) {
        char token[64];
        if (hub_admin_token(h, token, sizeof(token), net_now_ms())) {
            fprintf(stderr, "concerto serve: cannot store the admin token\n");
            return 1;
        }
        printf("admin token: %s\n", token);
        sec_wipe(token, sizeof(token));
    }
    printf("Demo meeting \"Bilan 2020 et feuille de route 2021\" (CCR Hauts-de-France).\n"
           "Join links (each is personal; keep them private):\n");
    if (hub_demo(h, base, net_now_ms(), print_line)) {
        fprintf(stderr, "concerto serve: cannot create the demo meeting\n");
        return 1;
    }
    return 0;
}

/* The store, the WAL truncation thread and the signing key, in that order;
 * what was opened is left in the pointers for the caller to close. */
static int
serve_open(const struct serve_opts *o, struct store **st, struct wal **wal, struct sec_key **sk)
{
    if (sec_init()) {
        fprintf(stderr, "concerto serve: cannot initialise the random generator\n");
        return 1;
    }
    if (!o->demo && access(o->db, F_OK) != 0) {
        fprintf(stderr,
                "concerto serve: no database at %s: run 'concerto init --db %s' first "
                "(or 'concerto serve --demo')\n",
                o->db, o->db);
        return 1;
    }
    if (open_store("serve", o->db, st)) {
        return 1;
    }
    if (wal_open(o->db, wal)) {
        fprintf(stderr,
                "concerto serve: cannot start the thread that truncates the write-ahead "
                "log of %s\n",
                o->db);
        return 1;
    }
    int created = 0;
    ensure_var(o->key);
    if (sec_key_load_or_create(o->key, sk, &created)) {
        fprintf(stderr, "concerto serve: signing key: %s\n", sec_key_error());
        return 1;
    }
    if (created) {
        log_line(LOG_INFO, "signing key created: %s (public key %s)", o->key,
                 sec_key_pub_path(*sk));
    }
    return 0;
}

/* What serve opens, closed by serve_close in the reverse order of need. */
struct serve_run {
    struct store *st;
    struct wal *wal;
    struct worker *worker;
    struct sec_key *sk;
    struct net *n;
    struct hub *h;
    char *pubtext;
};

/* The listener's configuration from the options; threads default to the
 * number of cores, 1 to 8. */
static void
serve_net_config(const struct serve_opts *o, struct net_config *ncfg)
{
    *ncfg = (struct net_config){.addr = o->addr,
                                .port = o->port,
                                .web_root = o->web,
                                .origins = o->origins,
                                .max_connections = (int)o->limits[MAX_CONN],
                                .max_per_address = (int)o->limits[MAX_PER_ADDR],
                                .msg_rate = (int)o->limits[MSG_RATE],
                                .http_timeout = (int)o->limits[HTTP_TIMEOUT],
                                .threads = (int)o->limits[THREADS],
                                .document_max = (size_t)(o->limits[MAX_DOCUMENT]
                                                             ? o->limits[MAX_DOCUMENT]
                                                             : 20)
                                                << 20,
                                .epoll = o->epoll};
    if (!ncfg->threads) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        ncfg->threads = cores < 1 ? 1 : cores > 8 ? 8 : (int)cores;
    }
}

/* The hub over what is open, attached to the listener, with every meeting
 * rebuilt from the log. The hub keeps pointers into *o (default_url, docdir). */
static int
serve_hub(struct serve_opts *o, struct serve_run *r, size_t document_max)
{
    struct hub_io io;
    net_io(r->n, &io);
    size_t publen = 0;
    r->pubtext = read_text(sec_key_pub_path(r->sk), &publen);
    snprintf(o->default_url, sizeof(o->default_url), "http://%s", o->listen);
    /* Documents beside the database unless --documents says. */
    const char *slash = strrchr(o->db, '/');
    snprintf(o->docdir, sizeof(o->docdir), "%.*sdocuments",
             slash ? (int)(slash - o->db + 1) : 0, o->db);
    struct hub_config hcfg = {.room_base = o->room_base,
                              .public_url = o->public_url ? o->public_url : o->default_url,
                              .sendmail = o->sendmail,
                              .mail_from = o->mail_from,
                              .mail_timeout_s = (int)o->limits[MAIL_TIMEOUT],
                              .key = r->sk,
                              .pubkey = r->pubtext,
                              .wal = r->wal,
                              .log_connections = o->log_connections,
                              .log_interval_s = (int)o->limits[LOG_INTERVAL],
                              .documents = o->documents ? o->documents : o->docdir,
                              .document_max = document_max,
                              .worker = r->worker};
    r->h = hub_new(r->st, &hcfg, &io);
    if (!r->h) {
        fprintf(stderr, "concerto serve: out of memory\n");
        return 1;
    }
    net_attach(r->n, r->h);
    int loaded = hub_load_all(r->h, net_now_ms());
    if (loaded < 0) {
        fprintf(stderr, "concerto serve: cannot read the meetings of %s\n", o->db);
        return 1;
    }
    log_line(LOG_INFO, "%d meeting(s) rebuilt from the log", loaded);
    return 0;
}

/* Everything up to the loop: store, key, listener, record worker, hub and,
 * with --demo, the demo meeting. What was opened is left in *r. */
static int
serve_start(struct serve_opts *o, struct serve_run *r, struct net_config *ncfg, char *base,
            size_t base_size)
{
    const char *msg = NULL;
    if (serve_open(o, &r->st, &r->wal, &r->sk)) {
        return 1;
    }
    serve_net_config(o, ncfg);
    if (net_new(ncfg, &r->n, &msg)) {
        fprintf(stderr, "concerto serve: cannot listen on %s: %s\n", o->listen, msg);
        return 1;
    }
    if (worker_open(o->db, net_wake, r->n, &r->worker)) {
        fprintf(stderr, "concerto serve: cannot start the thread that makes the records\n");
        return 1;
    }
    if (serve_hub(o, r, ncfg->document_max)) {
        return 1;
    }
    snprintf(base, base_size, "http://%s", o->listen);
    return o->demo && serve_demo(r->h, r->st, base) ? 1 : 0;
}

static void
serve_close(struct serve_run *r)
{
    running = NULL;
    /* The worker wakes net/ and hands jobs to the hub: it stops first. */
    worker_close(r->worker);
    net_free(r->n);
    hub_free(r->h);
    free(r->pubtext);
    sec_key_free(r->sk);
    wal_close(r->wal);
    store_close(r->st);
}

static int
cmd_serve(int argc, char **argv)
{
    struct serve_opts o = {.listen = "127.0.0.1:8080",
                           .db = "./var/concerto.db",
                           .web = CONCERTO_WEB_DEFAULT,
                           .key = "./var/signing.key",
                           .room_base = "https://meet.jit.si/"};
    int rc = parse_serve(argc, argv, &o);
    if (rc >= 0) {
        return rc;
    }
    struct serve_run r = {0};
    struct net_config ncfg;
    char base[200];
    /* SIGINT and SIGTERM are taken by this thread alone: every thread started
     * from here on (the WAL's, the record worker's, the loops') inherits them
     * blocked, and they are unblocked here once the handler is in place. A
     * signal that comes before waits for it. */
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
    if (serve_start(&o, &r, &ncfg, base, sizeof(base))) {
        serve_close(&r);
        return 1;
    }
    running = r.n;
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    pthread_sigmask(SIG_UNBLOCK, &stop_signals, NULL);
    printf("ready: %s/\n", base);
    fflush(stdout);
    log_line(LOG_INFO, "serving %s on %s (database %s, %d threads)", o.web, o.listen, o.db,
             ncfg.threads);
    rc = net_run(r.n) ? 1 : 0;
    log_line(LOG_INFO, "stopping");
    serve_close(&r);
    return rc;
}

static int
cmd_init(int argc, char **argv)
{
    const char *db = "./var/concerto.db";
    int rc = parse_small("init", usage_init, argc, argv, "db", &db, NULL);
    if (rc >= 0) {
        return rc;
    }
    if (sec_init()) {
        fprintf(stderr, "concerto init: cannot initialise the random generator\n");
        return 1;
    }
    struct store *st = NULL;
    if (open_store("init", db, &st)) {
        return 1;
    }
    struct hub_io io = {0};
    struct hub_config hcfg = {.room_base = ""};
    struct hub *h = hub_new(st, &hcfg, &io);
    char token[64];
    rc = h ? hub_admin_token(h, token, sizeof(token), 0) : ERR_NOMEM;
    if (rc == 0) {
        printf("admin token: %s\n", token);
        printf("Keep it safe: it is shown once. Use it as 'Authorization: Bearer TOKEN'.\n");
        sec_wipe(token, sizeof(token));
    } else {
        fprintf(stderr, "concerto init: cannot store the admin token: %s\n", err_str(rc));
    }
    hub_free(h);
    store_close(st);
    return rc ? 1 : 0;
}

static int
cmd_backup(int argc, char **argv)
{
    const char *db = "./var/concerto.db", *out = NULL;
    int rc = parse_small("backup", usage_backup, argc, argv, "db", &db, &out);
    if (rc >= 0) {
        return rc;
    }
    if (!out) {
        return bad_usage("backup", "missing the output file");
    }
    if (access(out, F_OK) == 0) {
        fprintf(stderr, "concerto backup: %s already exists\n", out);
        return 1;
    }
    struct store *st = NULL;
    if (open_store("backup", db, &st)) {
        return 1;
    }
    mode_t old = umask(077); /* a copy of the database is as private as the database */
    rc = store_backup(st, out);
    umask(old);
    store_close(st);
    if (rc) {
        fprintf(stderr, "concerto backup: cannot write %s\n", out);
        return 1;
    }
    printf("backup written: %s\n", out);
    return 0;
}

static int
cmd_verify(int argc, char **argv)
{
    const char *pub = NULL, *dir = NULL;
    int rc = parse_small("verify", usage_verify, argc, argv, "pub", &pub, &dir);
    if (rc >= 0) {
        return rc;
    }
    if (!dir) {
        return bad_usage("verify", "missing the directory of the record");
    }
    if (sec_init()) {
        fprintf(stderr, "concerto verify: cannot initialise the crypto library\n");
        return 1;
    }
    return record_verify(dir, pub, stdout) ? 1 : 0;
}

static int
cmd_keygen(int argc, char **argv)
{
    const char *key = "./var/signing.key";
    int rc = parse_small("keygen", usage_keygen, argc, argv, "key", &key, NULL);
    if (rc >= 0) {
        return rc;
    }
    if (access(key, F_OK) == 0) {
        fprintf(stderr, "concerto keygen: %s already exists; refusing to replace a key\n", key);
        return 1;
    }
    if (sec_init()) {
        fprintf(stderr, "concerto keygen: cannot initialise the crypto library\n");
        return 1;
    }
    ensure_var(key);
    struct sec_key *sk = NULL;
    int created = 0;
    if (sec_key_load_or_create(key, &sk, &created) || !created) {
        fprintf(stderr, "concerto keygen: %s\n", sec_key_error());
        sec_key_free(sk);
        return 1;
    }
    char id[17];
    sec_key_id_hex(sk, id);
    printf("secret key: %s (mode 0600, never served)\npublic key: %s (key id %s)\n", key,
           sec_key_pub_path(sk), id);
    sec_key_free(sk);
    return 0;
}

int
main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "help") == 0) {
        fputs(usage_main, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "serve") == 0) {
        return cmd_serve(argc - 1, argv + 1);
    }
    if (strcmp(argv[1], "init") == 0) {
        return cmd_init(argc - 1, argv + 1);
    }
    if (strcmp(argv[1], "backup") == 0) {
        return cmd_backup(argc - 1, argv + 1);
    }
    if (strcmp(argv[1], "verify") == 0) {
        return cmd_verify(argc - 1, argv + 1);
    }
    if (strcmp(argv[1], "keygen") == 0) {
        return cmd_keygen(argc - 1, argv + 1);
    }
    fprintf(stderr, "concerto: unknown command '%.200s' (see 'concerto --help')\n", argv[1]);
    return 2;
}
