/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_hub.c - hub/: connections, the loop turn and its group commit, the
 * fan-out, the HTTP API (api.c) and the demo (demo.c), without sockets.
 *
 * A fake `struct hub_io` stands for net/: every message sent to a
 * connection is copied into that connection's list (with the address of the
 * shared buffer, to check that one event is one buffer for everyone),
 * closes are recorded with their status, HTTP answers are kept in order.
 * Each test builds a commission, imports its roster from CSV, creates a
 * meeting and issues invitations through hub_http(), exactly as an admin
 * would, on a store in memory; answers are parsed with jansson. Time is a
 * fixed `NOW` moved forward by hand, so that the grace period before a
 * departure is written is tested without waiting.
 */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto/sec.h"
#include "err.h"
#include "hub/hub.h"
#include "hub/worker.h"
#include "log.h"
#include "store/store.h"

#define NOW 1612254600000LL
#define GRACE_MS 30000 /* the default grace period of a meeting */
#define MAX_MSGS 256
#define MAX_HTTP 64

/* ---- the fake net/ -------------------------------------------------------------------- */

struct fconn {
    struct hub_conn *c;
    size_t n;
    char *msg[MAX_MSGS];
    const struct msg *buf[MAX_MSGS]; /* identity of the shared buffer */
    char *partial;                   /* a message sent in parts, until its last */
    size_t partial_len;
    int closes;
    int status;
};

struct answer {
    void *req;
    int status;
    char *body;
};

struct fio {
    size_t nhttp;
    struct answer http[MAX_HTTP];
};

static void
f_send(void *ctx, void *net, struct msg *m)
{
    (void)ctx;
    struct fconn *fc = net;
    assert_true(fc->n < MAX_MSGS);
    /* Parts of one message (a welcome around its shared snapshot) are
     * joined, as a WebSocket client joins the frames. */
    assert_true((m->part == MSG_PART_WHOLE || m->part == MSG_PART_FIRST) == !fc->partial);
    char *copy = realloc(fc->partial, fc->partial_len + m->len + 1);
    assert_non_null(copy);
    memcpy(copy + fc->partial_len, msg_data(m), m->len);
    copy[fc->partial_len + m->len] = 0;
    if (m->part == MSG_PART_FIRST || m->part == MSG_PART_MIDDLE) {
        fc->partial = copy;
        fc->partial_len += m->len;
        return;
    }
    fc->partial = NULL;
    fc->partial_len = 0;
    fc->buf[fc->n] = m;
    fc->msg[fc->n++] = copy;
}

static void
f_close(void *ctx, void *net, int status, const char *reason)
{
    (void)ctx;
    (void)reason;
    struct fconn *fc = net;
    fc->closes++;
    fc->status = status;
}

static void
f_http(void *ctx, void *req, int status, const char *body, size_t len)
{
    struct fio *io = ctx;
    assert_true(io->nhttp < MAX_HTTP);
    struct answer *a = &io->http[io->nhttp++];
    a->req = req;
    a->status = status;
    a->body = malloc(len + 1);
    assert_non_null(a->body);
    memcpy(a->body, body, len);
    a->body[len] = 0;
}

static void
fconn_clear(struct fconn *fc)
{
    for (size_t i = 0; i < fc->n; i++) {
        free(fc->msg[i]);
    }
    fc->n = 0;
}

/* ---- the fixture: a commission, its roster, a meeting, invitations --------------------- */

enum { CHAIR, SECRETARY, MEMBER, MEMBER2, OBSERVER, NPEOPLE };

static const char *const roster_csv = "nom;coll\xc3\xa8ge;r\xc3\xb4le\r\n"
                                      "H\xc3\xa9l\xc3\xa8ne Vasseur;;chair\r\n"
                                      "Thomas Leroy;;secretary\r\n"
                                      "Claire Dubois;bailleurs;member\r\n"
                                      "Jean Moreau;locataires;member\r\n"
                                      "Anne Petit;;observer\r\n";

static const char *const names[NPEOPLE] = {"H\xc3\xa9l\xc3\xa8ne Vasseur", "Thomas Leroy",
                                           "Claire Dubois", "Jean Moreau", "Anne Petit"};

struct fx {
    struct store *st;
    struct hub *h;
    struct fio io;
    char dbpath[256];
    char admin[SEC_TOKEN_LEN + 1];
    char commission[33];
    char meeting[33];
    char pid[NPEOPLE][33];
    char token[NPEOPLE][SEC_TOKEN_LEN + 1];
    int64_t now;
    int req; /* request handles are addresses in here */
    int req2, req3;
    struct worker *worker; /* NULL: records and minutes made inline */
};

/* The worker's wake(): counted, for the test to wait on. */
static pthread_mutex_t wake_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake_cv = PTHREAD_COND_INITIALIZER;
static int wakes;

static void
f_wake(void *ctx)
{
    (void)ctx;
    pthread_mutex_lock(&wake_mu);
    wakes++;
    pthread_cond_broadcast(&wake_cv);
    pthread_mutex_unlock(&wake_mu);
}

/* Wait for the worker's wake (20 s at most: a bug fails, it does not hang). */
static void
wait_wake(void)
{
    struct timespec end;
    clock_gettime(CLOCK_REALTIME, &end);
    end.tv_sec += 20;
    pthread_mutex_lock(&wake_mu);
    int rc = 0;
    while (wakes == 0 && rc == 0) {
        rc = pthread_cond_timedwait(&wake_cv, &wake_mu, &end);
    }
    wakes = 0;
    pthread_mutex_unlock(&wake_mu);
    assert_int_equal(rc, 0);
}

static json_t *
parse(const char *text)
{
    json_error_t jerr;
    assert_non_null(text);
    json_t *v = json_loads(text, 0, &jerr);
    if (!v) {
        fail_msg("not JSON (%s): %s", jerr.text, text);
    }
    return v;
}

static const char *
jstr(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_string(v)) {
        fail_msg("\"%s\" is not a string", key);
    }
    return json_string_value(v);
}

static json_int_t
jint(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_integer(v)) {
        fail_msg("\"%s\" is not an integer", key);
    }
    return json_integer_value(v);
}

/* One HTTP request, then the end of the turn; returns its parsed answer
 * (new) and its status. Exactly one answer must have come. */
static json_t *
http(struct fx *f, const char *method, const char *path, const char *bearer, const char *body,
     int *status)
{
    size_t before = f->io.nhttp;
    hub_http(f->h, &f->req, method, path, bearer, body ? body : "", body ? strlen(body) : 0,
             f->now);
    hub_flush(f->h, f->now);
    assert_int_equal(f->io.nhttp, before + 1);
    struct answer *a = &f->io.http[before];
    assert_ptr_equal(a->req, &f->req);
    *status = a->status;
    return parse(a->body);
}

/* The same, for a request that must succeed with `want`. */
static json_t *
http_ok(struct fx *f, const char *method, const char *path, const char *bearer, const char *body,
        int want)
{
    int status;
    json_t *v = http(f, method, path, bearer, body, &status);
    if (status != want) {
        char *s = json_dumps(v, JSON_COMPACT);
        fail_msg("%s %s: %d %s", method, path, status, s);
    }
    return v;
}

/* The code of an HTTP error answer; the answer must have status `want`. */
static void
http_fails(struct fx *f, const char *method, const char *path, const char *bearer, const char *body,
           int want, const char *code)
{
    int status;
    json_t *v = http(f, method, path, bearer, body, &status);
    assert_int_equal(status, want);
    assert_string_equal(jstr(json_object_get(v, "error"), "code"), code);
    json_decref(v);
}

static void
build_meeting(struct fx *f)
{
    char path[128];
    json_t *v = http_ok(f, "POST", "/api/commissions", f->admin,
                        "{\"name\":\"CCR Hauts-de-France\","
                        "\"colleges\":[\"bailleurs\",\"locataires\"]}",
                        201);
    snprintf(f->commission, sizeof(f->commission), "%s", jstr(v, "id"));
    json_decref(v);

    snprintf(path, sizeof(path), "/api/commissions/%s/members.csv", f->commission);
    v = http_ok(f, "POST", path, f->admin, roster_csv, 201);
    json_t *members = json_object_get(v, "members");
    assert_int_equal(json_array_size(members), NPEOPLE);
    for (size_t i = 0; i < NPEOPLE; i++) {
        json_t *m = json_array_get(members, i);
        assert_string_equal(jstr(m, "name"), names[i]);
        snprintf(f->pid[i], sizeof(f->pid[i]), "%s", jstr(m, "id"));
    }
    json_decref(v);

    char body[128];
    snprintf(body, sizeof(body), "{\"commission\":\"%s\",\"title\":\"Bilan 2020\"}", f->commission);
    v = http_ok(f, "POST", "/api/meetings", f->admin, body, 201);
    snprintf(f->meeting, sizeof(f->meeting), "%s", jstr(json_object_get(v, "meeting"), "id"));
    json_decref(v);

    snprintf(path, sizeof(path), "/api/meetings/%s/invitations", f->meeting);
    v = http_ok(f, "POST", path, f->admin, "{}", 201);
    json_t *inv = json_object_get(v, "invitations");
    assert_int_equal(json_array_size(inv), NPEOPLE);
    for (size_t i = 0; i < NPEOPLE; i++) {
        json_t *e = json_array_get(inv, i);
        assert_string_equal(jstr(e, "participant"), f->pid[i]);
        snprintf(f->token[i], sizeof(f->token[i]), "%s", jstr(e, "token"));
    }
    json_decref(v);
}

static int
open_fixture_with(void **state, const char *path, bool worker)
{
    struct fx *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    const char *msg = NULL;
    snprintf(f->dbpath, sizeof(f->dbpath), "%s", path);
    assert_int_equal(store_open(path, &f->st, &msg), 0);
    if (worker) {
        assert_int_equal(worker_open(path, f_wake, NULL, &f->worker), 0);
    }
    struct hub_config cfg = {.room_base = "https://meet.example/", .worker = f->worker};
    struct hub_io io = {.ctx = &f->io, .send = f_send, .close = f_close, .http = f_http};
    f->h = hub_new(f->st, &cfg, &io);
    assert_non_null(f->h);
    f->now = NOW;
    assert_int_equal(hub_admin_token(f->h, f->admin, sizeof(f->admin), NOW), 0);
    *state = f;
    return 0;
}

static int
open_fixture(void **state, const char *path)
{
    return open_fixture_with(state, path, false);
}

/* The commission, roster and meeting exist; no connection yet. */
static int
setup(void **state)
{
    open_fixture(state, ":memory:");
    build_meeting(*state);
    return 0;
}

/* Only the store, the hub and the admin token. */
static int
setup_bare(void **state)
{
    return open_fixture(state, ":memory:");
}

static int
teardown(void **state)
{
    struct fx *f = *state;
    worker_close(f->worker); /* before the hub: it holds the hub's jobs */
    hub_free(f->h);
    store_close(f->st);
    for (size_t i = 0; i < f->io.nhttp; i++) {
        free(f->io.http[i].body);
    }
    if (f->dbpath[0] != ':') {
        char p[300];
        unlink(f->dbpath);
        snprintf(p, sizeof(p), "%s-wal", f->dbpath);
        unlink(p);
        snprintf(p, sizeof(p), "%s-shm", f->dbpath);
        unlink(p);
    }
    free(f);
    return 0;
}

/* ---- helpers for connections ----------------------------------------------------------- */

static void
say(struct fx *f, struct fconn *fc, const char *text)
{
    hub_message(f->h, fc->c, text, strlen(text), f->now);
}

/* Connect and send hello with `token`, without ending the turn. */
static void
hello(struct fx *f, struct fconn *fc, const char *token)
{
    char text[256];
    fc->c = hub_connect(f->h, fc, f->meeting, "127.0.0.1");
    assert_non_null(fc->c);
    snprintf(text, sizeof(text), "{\"type\":\"hello\",\"id\":1,\"body\":{\"token\":\"%s\"}}",
             token);
    say(f, fc, text);
}

/* Connect participant `who`, end the turn, check the welcome, forget it. */
static void
join(struct fx *f, struct fconn *fc, int who)
{
    hello(f, fc, f->token[who]);
    assert_int_equal(hub_flush(f->h, f->now), 0);
    assert_int_equal(fc->n, 1);
    json_t *v = parse(fc->msg[0]);
    assert_string_equal(jstr(v, "type"), "welcome");
    json_decref(v);
    fconn_clear(fc);
}

static void
leave(struct fx *f, struct fconn *fc)
{
    hub_disconnect(f->h, fc->c, f->now);
    fc->c = NULL;
    fconn_clear(fc);
}

static json_t *
msg_at(const struct fconn *fc, size_t i)
{
    assert_true(i < fc->n);
    return parse(fc->msg[i]);
}

static const char *
type_of(json_t *v)
{
    return jstr(v, "type");
}

/* The body.code of error message i. */
static void
assert_error(const struct fconn *fc, size_t i, const char *code)
{
    json_t *v = msg_at(fc, i);
    assert_string_equal(type_of(v), "error");
    assert_string_equal(jstr(json_object_get(v, "body"), "code"), code);
    json_decref(v);
}

/* Number of `event` messages of type `type` received by fc. */
static size_t
events_of(const struct fconn *fc, const char *type)
{
    size_t n = 0;
    for (size_t i = 0; i < fc->n; i++) {
        json_t *v = parse(fc->msg[i]);
        if (strcmp(type_of(v), "event") == 0 &&
            strcmp(jstr(json_object_get(v, "event"), "type"), type) == 0) {
            n++;
        }
        json_decref(v);
    }
    return n;
}

/* The meeting's snapshot as the admin reads it (new). */
static json_t *
snapshot(struct fx *f)
{
    char path[128];
    snprintf(path, sizeof(path), "/api/meetings/%s", f->meeting);
    return http_ok(f, "GET", path, f->admin, NULL, 200);
}

static const char *
meeting_state(json_t *snap)
{
    return jstr(json_object_get(snap, "meeting"), "state");
}

static int
group_setup(void **state)
{
    (void)state;
    log_quiet(1);
    return sec_init();
}

/* ---- HTTP ------------------------------------------------------------------------------- */

static void
test_healthz_answers_without_a_token(void **state)
{
    struct fx *f = *state;
    json_t *v = http_ok(f, "GET", "/healthz", NULL, NULL, 200);
    assert_string_equal(jstr(v, "status"), "ok");
    assert_true(strlen(jstr(v, "version")) > 0);
    json_decref(v);
    http_fails(f, "POST", "/healthz", NULL, "{}", 405, "method_not_allowed");
}

static void
test_api_refuses_a_missing_or_unknown_bearer_token(void **state)
{
    struct fx *f = *state;
    char unknown[SEC_TOKEN_LEN + 1];
    memset(unknown, 'A', SEC_TOKEN_LEN);
    unknown[SEC_TOKEN_LEN] = 0;
    http_fails(f, "POST", "/api/commissions", NULL, "{}", 401, "unauthorized");
    http_fails(f, "POST", "/api/commissions", unknown, "{}", 401, "unauthorized");
    http_fails(f, "POST", "/api/commissions", "short", "{}", 401, "unauthorized");
}

static void
test_unknown_routes_and_methods_are_refused(void **state)
{
    struct fx *f = *state;
    http_fails(f, "GET", "/api/nothing", f->admin, NULL, 404, "not_found");
    http_fails(f, "GET", "/api", f->admin, NULL, 404, "not_found");
    http_fails(f, "GET", "/api/commissions/../../etc", f->admin, NULL, 404, "not_found");
    http_fails(f, "GET", "/api/commissions/NOPE", f->admin, NULL, 404, "not_found");
    http_fails(f, "DELETE", "/api/commissions", f->admin, NULL, 405, "method_not_allowed");
    http_fails(f, "GET", "/api/commissions/nope", f->admin, NULL, 404, "not_found");
    http_fails(f, "GET", "/api/meetings/nope", f->admin, NULL, 404, "not_found");
    char path[128];
    snprintf(path, sizeof(path), "/api/meetings/%s/nothing", f->meeting);
    http_fails(f, "GET", path, f->admin, NULL, 404, "not_found");
    snprintf(path, sizeof(path), "/api/meetings/%s", f->meeting);
    http_fails(f, "DELETE", path, f->admin, NULL, 405, "method_not_allowed");
}

static void
test_admin_creates_a_commission_imports_its_roster_and_creates_a_meeting(void **state)
{
    struct fx *f = *state;
    json_t *v = http_ok(f, "POST", "/api/commissions", f->admin,
                        "{\"name\":\"CCR Hauts-de-France\",\"colleges\":[\"bailleurs\","
                        "\"locataires\"]}",
                        201);
    char cid[33], path[128];
    snprintf(cid, sizeof(cid), "%s", jstr(v, "id"));
    assert_string_equal(jstr(v, "name"), "CCR Hauts-de-France");
    assert_int_equal(json_array_size(json_object_get(v, "colleges")), 2);
    assert_string_equal(json_string_value(json_array_get(json_object_get(v, "colleges"), 1)),
                        "locataires");
    assert_int_equal(json_array_size(json_object_get(v, "members")), 0);
    json_decref(v);

    snprintf(path, sizeof(path), "/api/commissions/%s/members.csv", cid);
    v = http_ok(f, "POST", path, f->admin, roster_csv, 201);
    json_t *ms = json_object_get(v, "members");
    assert_int_equal(json_array_size(ms), NPEOPLE);
    assert_string_equal(jstr(json_array_get(ms, 2), "college"), "bailleurs");
    assert_string_equal(jstr(json_array_get(ms, 2), "role"), "member");
    assert_string_equal(jstr(json_array_get(ms, 0), "college"), "");
    assert_string_equal(jstr(json_array_get(ms, 0), "role"), "chair");
    json_decref(v);

    /* one more member through the JSON route */
    snprintf(path, sizeof(path), "/api/commissions/%s/members", cid);
    v = http_ok(f, "POST", path, f->admin,
                "{\"name\":\"Lucien Caron\",\"college\":\"locataires\",\"role\":\"member\"}", 201);
    assert_string_equal(jstr(v, "name"), "Lucien Caron");
    json_decref(v);

    snprintf(path, sizeof(path), "/api/commissions/%s", cid);
    v = http_ok(f, "GET", path, f->admin, NULL, 200);
    ms = json_object_get(v, "members");
    assert_int_equal(json_array_size(ms), NPEOPLE + 1);
    for (size_t i = 0; i < NPEOPLE; i++) {
        assert_string_equal(jstr(json_array_get(ms, i), "name"), names[i]);
    }
    assert_string_equal(jstr(json_array_get(ms, NPEOPLE), "name"), "Lucien Caron");
    json_decref(v);

    char body[160];
    snprintf(body, sizeof(body),
             "{\"commission\":\"%s\",\"title\":\"Bilan 2020\",\"place\":\"Lille\"}", cid);
    v = http_ok(f, "POST", "/api/meetings", f->admin, body, 201);
    json_t *m = json_object_get(v, "meeting");
    char mid[33];
    snprintf(mid, sizeof(mid), "%s", jstr(m, "id"));
    assert_string_equal(jstr(m, "title"), "Bilan 2020");
    assert_string_equal(jstr(m, "place"), "Lille");
    assert_string_equal(jstr(m, "state"), "scheduled");
    assert_string_equal(jstr(m, "lang"), "fr");
    char room[128];
    snprintf(room, sizeof(room), "https://meet.example/concerto-%s", mid);
    assert_string_equal(jstr(m, "room"), room);
    assert_string_equal(jstr(json_object_get(m, "commission"), "id"), cid);
    assert_string_equal(jstr(json_object_get(m, "commission"), "name"), "CCR Hauts-de-France");
    /* the roster at creation: meeting.created, then one participant.added each */
    assert_int_equal(json_array_size(json_object_get(v, "participants")), NPEOPLE + 1);
    assert_int_equal(jint(v, "seq"), 1 + NPEOPLE + 1);
    assert_int_equal(strlen(jstr(v, "head")), 64);
    json_decref(v);

    snprintf(path, sizeof(path), "/api/meetings/%s/invitations", mid);
    v = http_ok(f, "POST", path, f->admin, "{}", 201);
    json_t *inv = json_object_get(v, "invitations");
    assert_int_equal(json_array_size(inv), NPEOPLE + 1);
    for (size_t i = 0; i < json_array_size(inv); i++) {
        json_t *e = json_array_get(inv, i);
        const char *tok = jstr(e, "token");
        assert_int_equal(strlen(tok), SEC_TOKEN_LEN);
        char link[128];
        snprintf(link, sizeof(link), "/m/%s#t=%s", mid, tok);
        assert_string_equal(jstr(e, "link"), link);
    }
    json_decref(v);
}

static void
test_a_csv_with_a_bad_line_imports_nothing_and_names_the_line(void **state)
{
    struct fx *f = *state;
    char path[128];
    snprintf(path, sizeof(path), "/api/commissions/%s/members.csv", f->commission);
    int status;
    json_t *v = http(f, "POST", path, f->admin,
                     "name,college,role\n"
                     "Lucien Caron,locataires,member\n"
                     "Paul Durand,,member\n",
                     &status);
    assert_int_equal(status, 400);
    json_t *e = json_object_get(v, "error");
    assert_string_equal(jstr(e, "code"), "invalid");
    assert_non_null(strstr(jstr(e, "message"), "line 3"));
    json_decref(v);

    v = http(f, "POST", path, f->admin, "name,college,role\n\"Lucien Caron,locataires,member\n",
             &status);
    assert_int_equal(status, 400);
    assert_non_null(strstr(jstr(json_object_get(v, "error"), "message"), "line 2"));
    json_decref(v);

    v = http(f, "POST", path, f->admin, "name,college,role\nX,syndicats,member\n", &status);
    assert_int_equal(status, 400);
    json_decref(v);

    /* still the five of the fixture */
    snprintf(path, sizeof(path), "/api/commissions/%s", f->commission);
    v = http_ok(f, "GET", path, f->admin, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(v, "members")), NPEOPLE);
    json_decref(v);
}

static void
test_commission_and_meeting_bodies_are_checked(void **state)
{
    struct fx *f = *state;
    http_fails(f, "POST", "/api/commissions", f->admin,
               "{\"name\":\"C\",\"colleges\":[\"a\",\"a\"]}", 400, "invalid");
    http_fails(f, "POST", "/api/commissions", f->admin, "{\"name\":\"C\",\"colleges\":[]}", 400,
               "invalid");
    http_fails(f, "POST", "/api/commissions", f->admin, "{\"name\":", 400, "bad_json");
    http_fails(f, "POST", "/api/meetings", f->admin, "{\"commission\":\"nope\",\"title\":\"T\"}",
               404, "not_found");
    char body[160];
    snprintf(body, sizeof(body), "{\"commission\":\"%s\",\"title\":\"T\",\"lang\":\"de\"}",
             f->commission);
    http_fails(f, "POST", "/api/meetings", f->admin, body, 400, "invalid");
}

static void
test_participants_read_their_meeting_and_only_the_admin_invites(void **state)
{
    struct fx *f = *state;
    char path[128];
    snprintf(path, sizeof(path), "/api/meetings/%s", f->meeting);
    json_t *v = http_ok(f, "GET", path, f->token[MEMBER], NULL, 200);
    assert_string_equal(jstr(json_object_get(v, "meeting"), "id"), f->meeting);
    json_decref(v);
    http_fails(f, "POST", "/api/commissions", f->token[CHAIR], "{}", 403, "forbidden");
    http_fails(f, "POST", "/api/meetings", f->token[CHAIR], "{}", 403, "forbidden");

    snprintf(path, sizeof(path), "/api/meetings/%s/invitations", f->meeting);
    http_fails(f, "POST", path, f->token[MEMBER], "{}", 403, "forbidden");
    http_fails(f, "POST", path, f->token[SECRETARY], "{}", 403, "forbidden");
    /* not even the chair: a link lets its holder act as that person */
    http_fails(f, "POST", path, f->token[CHAIR], "{}", 403, "forbidden");
    char body[80];
    snprintf(body, sizeof(body), "{\"participants\":[\"%s\"]}", f->pid[OBSERVER]);
    v = http_ok(f, "POST", path, f->admin, body, 201);
    json_t *inv = json_object_get(v, "invitations");
    assert_int_equal(json_array_size(inv), 1);
    assert_string_equal(jstr(json_array_get(inv, 0), "participant"), f->pid[OBSERVER]);
    json_decref(v);
    http_fails(f, "POST", path, f->admin, "{\"participants\":[\"nobody\"]}", 404, "not_found");
}

static void
test_an_answer_to_a_request_that_went_away_is_dropped(void **state)
{
    struct fx *f = *state;
    int other;
    hub_http(f->h, &other, "GET", "/healthz", NULL, "", 0, f->now);
    hub_http(f->h, &f->req, "GET", "/healthz", NULL, "", 0, f->now);
    hub_http_gone(f->h, &other);
    size_t before = f->io.nhttp;
    hub_flush(f->h, f->now);
    assert_int_equal(f->io.nhttp, before + 1);
    assert_ptr_equal(f->io.http[before].req, &f->req);
}

/* ---- hello and welcome ------------------------------------------------------------------- */

static void
test_hello_is_welcomed_only_at_the_end_of_the_turn(void **state)
{
    struct fx *f = *state;
    struct fconn a = {0};
    hello(f, &a, f->token[MEMBER]);
    assert_int_equal(a.n, 0); /* participant.joined is not committed yet */
    assert_int_equal(hub_flush(f->h, f->now), 0);
    assert_int_equal(a.n, 1);
    json_t *v = msg_at(&a, 0);
    assert_string_equal(type_of(v), "welcome");
    assert_int_equal(jint(v, "id"), 1);
    json_t *b = json_object_get(v, "body");
    assert_string_equal(jstr(b, "mode"), "snapshot");
    json_t *you = json_object_get(b, "you");
    assert_string_equal(jstr(you, "participant"), f->pid[MEMBER]);
    assert_string_equal(jstr(you, "name"), "Claire Dubois");
    assert_string_equal(jstr(you, "college"), "bailleurs");
    assert_string_equal(jstr(you, "role"), "member");
    json_t *snap = json_object_get(b, "snapshot");
    /* the snapshot already holds this participant's arrival */
    assert_int_equal(jint(b, "seq"), jint(snap, "seq"));
    json_t *ps = json_object_get(snap, "participants");
    assert_true(json_is_true(json_object_get(json_array_get(ps, MEMBER), "present")));
    assert_false(json_is_true(json_object_get(json_array_get(ps, CHAIR), "present")));
    json_decref(v);
    assert_int_equal(hub_connections(f->h), 1);
    leave(f, &a);
    assert_int_equal(hub_connections(f->h), 0);
}

static void
test_a_bad_token_is_refused_at_once_and_the_connection_closed(void **state)
{
    struct fx *f = *state;
    char unknown[SEC_TOKEN_LEN + 1];
    memset(unknown, 'Q', SEC_TOKEN_LEN);
    unknown[SEC_TOKEN_LEN] = 0;
    const char *bad[] = {unknown, "not-a-token", f->admin};
    for (size_t i = 0; i < 3; i++) {
        struct fconn a = {0};
        hello(f, &a, bad[i]);
        assert_int_equal(a.n, 1); /* before any flush */
        assert_error(&a, 0, "bad_token");
        assert_int_equal(a.closes, 1);
        assert_int_equal(a.status, 1008);
        /* anything after the close is ignored */
        say(f, &a, "{\"type\":\"ping\"}");
        assert_int_equal(a.n, 1);
        hub_flush(f->h, f->now);
        assert_int_equal(a.n, 1);
        leave(f, &a);
    }
}

static void
test_a_token_of_another_meeting_is_a_bad_token(void **state)
{
    struct fx *f = *state;
    char body[128];
    snprintf(body, sizeof(body), "{\"commission\":\"%s\",\"title\":\"Autre\"}", f->commission);
    json_t *v = http_ok(f, "POST", "/api/meetings", f->admin, body, 201);
    char other[33];
    snprintf(other, sizeof(other), "%s", jstr(json_object_get(v, "meeting"), "id"));
    json_decref(v);
    struct fconn a = {0};
    a.c = hub_connect(f->h, &a, other, "127.0.0.1");
    char text[160];
    snprintf(text, sizeof(text), "{\"type\":\"hello\",\"body\":{\"token\":\"%s\"}}",
             f->token[MEMBER]);
    say(f, &a, text);
    assert_error(&a, 0, "bad_token");
    assert_int_equal(a.status, 1008);
    leave(f, &a);
    /* the same for a meeting that does not exist or a malformed one */
    a.c = hub_connect(f->h, &a, "../x", "127.0.0.1");
    say(f, &a, text);
    assert_error(&a, 0, "bad_token");
    leave(f, &a);
}

static void
test_a_command_before_hello_is_not_authenticated(void **state)
{
    struct fx *f = *state;
    struct fconn a = {0};
    a.c = hub_connect(f->h, &a, f->meeting, "127.0.0.1");
    say(f, &a, "{\"type\":\"meeting.open\",\"id\":3,\"key\":\"k\"}");
    assert_error(&a, 0, "not_authenticated");
    say(f, &a, "{\"type\":\"ping\",\"id\":4}");
    assert_error(&a, 1, "not_authenticated");
    assert_int_equal(a.closes, 0);
    leave(f, &a);
}

static void
test_a_second_hello_is_bad_state(void **state)
{
    struct fx *f = *state;
    struct fconn a = {0};
    join(f, &a, MEMBER);
    char text[160];
    snprintf(text, sizeof(text), "{\"type\":\"hello\",\"id\":2,\"body\":{\"token\":\"%s\"}}",
             f->token[MEMBER]);
    say(f, &a, text);
    assert_error(&a, 0, "bad_state");
    leave(f, &a);
}

static void
test_ping_is_answered_with_pong_at_once(void **state)
{
    struct fx *f = *state;
    struct fconn a = {0};
    join(f, &a, OBSERVER);
    f->now += 1234;
    say(f, &a, "{\"type\":\"ping\",\"id\":9}");
    assert_int_equal(a.n, 1);
    json_t *v = msg_at(&a, 0);
    assert_string_equal(type_of(v), "pong");
    assert_int_equal(jint(v, "id"), 9);
    assert_int_equal(jint(json_object_get(v, "body"), "now"), f->now);
    json_decref(v);
    leave(f, &a);
}

static void
test_hostile_messages_get_typed_errors_and_the_connection_stays(void **state)
{
    struct fx *f = *state;
    struct fconn a = {0};
    join(f, &a, MEMBER);
    say(f, &a, "{not json");
    say(f, &a, "{\"type\":\"meeting.explode\",\"id\":5}");
    say(f, &a, "{\"type\":\"meeting.open\",\"id\":6}");
    say(f, &a, "[]");
    hub_message(f->h, a.c, "{\"type\":\"ping\"}\0garbage", 23, f->now);
    assert_int_equal(a.n, 5);
    assert_error(&a, 0, "bad_json");
    assert_error(&a, 1, "unknown_type");
    json_t *v = msg_at(&a, 1);
    assert_int_equal(jint(v, "id"), 5);
    json_decref(v);
    assert_error(&a, 2, "bad_message");
    assert_error(&a, 3, "bad_message");
    assert_error(&a, 4, "bad_json");
    assert_int_equal(a.closes, 0);
    say(f, &a, "{\"type\":\"ping\",\"id\":1}");
    v = msg_at(&a, 5);
    assert_string_equal(type_of(v), "pong");
    json_decref(v);
    leave(f, &a);
}

static void
test_a_message_too_large_is_refused_and_the_connection_closed_with_1009(void **state)
{
    struct fx *f = *state;
    struct fconn a = {0};
    join(f, &a, MEMBER);
    hub_too_large(f->h, a.c);
    assert_error(&a, 0, "too_large");
    assert_int_equal(a.closes, 1);
    assert_int_equal(a.status, 1009);
    leave(f, &a);
}

/* ---- commands, the turn and the fan-out ------------------------------------------------- */

static void
test_a_chair_command_reaches_every_welcomed_connection_then_is_acknowledged(void **state)
{
    struct fx *f = *state;
    struct fconn chair = {0}, member = {0}, observer = {0}, late = {0};
    join(f, &chair, CHAIR);
    join(f, &member, MEMBER);
    join(f, &observer, OBSERVER);
    /* those already welcomed saw the later arrivals */
    assert_int_equal(events_of(&chair, "participant.joined"), 2);
    assert_int_equal(events_of(&member, "participant.joined"), 1);
    assert_int_equal(observer.n, 0);
    fconn_clear(&chair);
    fconn_clear(&member);

    say(f, &chair, "{\"type\":\"meeting.open\",\"id\":7,\"key\":\"open-1\"}");
    hello(f, &late, f->token[SECRETARY]); /* arrives in the same turn */
    /* nothing leaves before the commit */
    assert_int_equal(chair.n, 0);
    assert_int_equal(member.n, 0);
    assert_int_equal(observer.n, 0);
    assert_int_equal(late.n, 0);
    assert_int_equal(hub_flush(f->h, f->now), 0);

    struct fconn *all[] = {&chair, &member, &observer};
    const struct msg *buf = NULL;
    json_int_t seq = 0;
    for (size_t i = 0; i < 3; i++) {
        assert_true(all[i]->n >= 1);
        assert_int_equal(events_of(all[i], "meeting.opened"), 1);
        json_t *v = msg_at(all[i], 0);
        assert_string_equal(type_of(v), "event");
        json_t *e = json_object_get(v, "event");
        assert_string_equal(jstr(e, "type"), "meeting.opened");
        assert_string_equal(jstr(e, "actor"), f->pid[CHAIR]);
        assert_string_equal(jstr(e, "meeting"), f->meeting);
        assert_int_equal(strlen(jstr(e, "hash")), 64);
        if (i == 0) {
            seq = jint(e, "seq");
            buf = all[i]->buf[0];
        } else {
            assert_int_equal(jint(e, "seq"), seq);
            /* one buffer for every recipient */
            assert_ptr_equal(all[i]->buf[0], buf);
        }
        json_decref(v);
    }
    /* the ok comes after the events, to the sender only */
    json_t *ok = msg_at(&chair, chair.n - 1);
    assert_string_equal(type_of(ok), "ok");
    assert_int_equal(jint(ok, "id"), 7);
    json_int_t okseq = jint(json_object_get(ok, "body"), "seq");
    assert_true(okseq >= seq);
    assert_null(json_object_get(json_object_get(ok, "body"), "replayed"));
    json_decref(ok);
    for (size_t i = 1; i < member.n; i++) {
        json_t *v = msg_at(&member, i);
        assert_string_equal(type_of(v), "event");
        json_decref(v);
    }
    /* the connection welcomed in this turn gets the state in its welcome instead */
    assert_int_equal(late.n, 1);
    json_t *w = msg_at(&late, 0);
    assert_string_equal(type_of(w), "welcome");
    json_t *snap = json_object_get(json_object_get(w, "body"), "snapshot");
    assert_string_equal(meeting_state(snap), "open");
    json_int_t welcomed_at = jint(snap, "seq");
    json_decref(w);

    json_t *s = snapshot(f);
    assert_string_equal(meeting_state(s), "open");
    assert_int_equal(jint(s, "seq"), welcomed_at);
    json_decref(s);
    leave(f, &chair);
    leave(f, &member);
    leave(f, &observer);
    leave(f, &late);
}

static void
test_events_of_one_turn_arrive_in_seq_order_without_gaps(void **state)
{
    struct fx *f = *state;
    struct fconn chair = {0}, observer = {0};
    join(f, &chair, CHAIR);
    join(f, &observer, OBSERVER);
    fconn_clear(&chair);
    say(f, &chair, "{\"type\":\"meeting.open\",\"key\":\"a\"}");
    say(f, &chair, "{\"type\":\"meeting.suspend\",\"key\":\"b\"}");
    say(f, &chair, "{\"type\":\"meeting.resume\",\"key\":\"c\"}");
    say(f, &chair, "{\"type\":\"meeting.close\",\"key\":\"d\"}");
    assert_int_equal(observer.n, 0);
    assert_int_equal(hub_flush(f->h, f->now), 0);
    assert_true(observer.n >= 4);
    json_int_t prev = 0;
    for (size_t i = 0; i < observer.n; i++) {
        json_t *v = msg_at(&observer, i);
        json_int_t seq = jint(json_object_get(v, "event"), "seq");
        if (i) {
            assert_int_equal(seq, prev + 1);
        }
        prev = seq;
        json_decref(v);
    }
    assert_int_equal(events_of(&observer, "meeting.closed"), 1);
    /* four oks for the chair, after its copies of the events */
    size_t oks = 0;
    for (size_t i = 0; i < chair.n; i++) {
        json_t *v = msg_at(&chair, i);
        if (strcmp(type_of(v), "ok") == 0) {
            assert_true(i >= observer.n);
            oks++;
        }
        json_decref(v);
    }
    assert_int_equal(oks, 4);
    leave(f, &chair);
    leave(f, &observer);
}

static void
test_a_member_may_not_open_the_meeting_and_nothing_is_written(void **state)
{
    struct fx *f = *state;
    struct fconn member = {0}, observer = {0};
    join(f, &member, MEMBER);
    join(f, &observer, OBSERVER);
    fconn_clear(&member);
    json_t *before = snapshot(f);
    say(f, &member, "{\"type\":\"meeting.open\",\"id\":2,\"key\":\"x\"}");
    assert_int_equal(member.n, 1); /* refused at once */
    assert_error(&member, 0, "forbidden");
    assert_int_equal(hub_flush(f->h, f->now), 0);
    assert_int_equal(member.n, 1);
    assert_int_equal(observer.n, 0);
    json_t *after = snapshot(f);
    assert_string_equal(meeting_state(after), "scheduled");
    assert_int_equal(jint(after, "seq"), jint(before, "seq"));
    json_decref(before);
    json_decref(after);
    leave(f, &member);
    leave(f, &observer);
}

static void
test_a_command_in_the_wrong_state_is_bad_state(void **state)
{
    struct fx *f = *state;
    struct fconn chair = {0};
    join(f, &chair, CHAIR);
    say(f, &chair, "{\"type\":\"meeting.resume\",\"id\":4,\"key\":\"r\"}");
    assert_int_equal(chair.n, 1);
    assert_error(&chair, 0, "bad_state");
    /* a failed key is not remembered: it may be used again */
    say(f, &chair, "{\"type\":\"meeting.open\",\"id\":5,\"key\":\"r\"}");
    assert_int_equal(hub_flush(f->h, f->now), 0);
    json_t *ok = msg_at(&chair, chair.n - 1);
    assert_string_equal(type_of(ok), "ok");
    assert_null(json_object_get(json_object_get(ok, "body"), "replayed"));
    json_decref(ok);
    leave(f, &chair);
}

static void
test_a_retried_key_is_answered_replayed_without_a_new_event(void **state)
{
    struct fx *f = *state;
    struct fconn chair = {0}, observer = {0};
    join(f, &chair, CHAIR);
    join(f, &observer, OBSERVER);
    fconn_clear(&chair);
    say(f, &chair, "{\"type\":\"meeting.open\",\"id\":1,\"key\":\"open-once\"}");
    assert_int_equal(hub_flush(f->h, f->now), 0);
    json_t *ok = msg_at(&chair, chair.n - 1);
    json_int_t seq = jint(json_object_get(ok, "body"), "seq");
    json_decref(ok);
    fconn_clear(&chair);
    fconn_clear(&observer);

    /* the same command again, as after a dropped connection */
    say(f, &chair, "{\"type\":\"meeting.open\",\"id\":2,\"key\":\"open-once\"}");
    assert_int_equal(chair.n, 0); /* answered at the end of the turn too */
    assert_int_equal(hub_flush(f->h, f->now), 0);
    assert_int_equal(chair.n, 1);
    ok = msg_at(&chair, 0);
    assert_string_equal(type_of(ok), "ok");
    assert_int_equal(jint(ok, "id"), 2);
    json_t *b = json_object_get(ok, "body");
    assert_int_equal(jint(b, "seq"), seq);
    assert_true(json_is_true(json_object_get(b, "replayed")));
    json_decref(ok);
    assert_int_equal(observer.n, 0);

    /* from a new connection of the same participant, still replayed */
    struct fconn again = {0};
    join(f, &again, CHAIR);
    say(f, &again, "{\"type\":\"meeting.open\",\"id\":3,\"key\":\"open-once\"}");
    assert_int_equal(hub_flush(f->h, f->now), 0);
    ok = msg_at(&again, again.n - 1);
    assert_true(json_is_true(json_object_get(json_object_get(ok, "body"), "replayed")));
    json_decref(ok);

    /* a new key is a new command: refused, the meeting is already open */
    say(f, &chair, "{\"type\":\"meeting.open\",\"id\":4,\"key\":\"open-twice\"}");
    assert_error(&chair, 1, "bad_state");
    json_t *s = snapshot(f);
    assert_int_equal(jint(s, "seq"), seq);
    json_decref(s);
    leave(f, &chair);
    leave(f, &observer);
    leave(f, &again);
}

static void
test_resume_since_a_seq_replays_the_missed_events(void **state)
{
    struct fx *f = *state;
    struct fconn chair = {0};
    join(f, &chair, CHAIR);
    json_t *s = snapshot(f);
    json_int_t since = jint(s, "seq");
    json_decref(s);
    say(f, &chair, "{\"type\":\"meeting.open\",\"key\":\"a\"}");
    say(f, &chair, "{\"type\":\"meeting.suspend\",\"key\":\"b\"}");
    assert_int_equal(hub_flush(f->h, f->now), 0);
    s = snapshot(f);
    json_int_t head = jint(s, "seq");
    json_decref(s);
    assert_true(head >= since + 2);

    struct fconn back = {0};
    back.c = hub_connect(f->h, &back, f->meeting, "127.0.0.1");
    char text[200];
    snprintf(text, sizeof(text),
             "{\"type\":\"hello\",\"id\":1,\"body\":{\"token\":\"%s\",\"since\":%lld}}",
             f->token[OBSERVER], (long long)since);
    say(f, &back, text);
    assert_int_equal(hub_flush(f->h, f->now), 0);
    json_t *w = msg_at(&back, 0);
    assert_string_equal(type_of(w), "welcome");
    json_t *b = json_object_get(w, "body");
    assert_string_equal(jstr(b, "mode"), "resume");
    assert_int_equal(jint(b, "seq"), since);
    assert_null(json_object_get(b, "snapshot"));
    json_decref(w);
    /* every event after `since`, in order, up to the head (its own arrival included) */
    assert_true(back.n >= 1 + (size_t)(head - since));
    for (size_t i = 1; i < back.n; i++) {
        json_t *v = msg_at(&back, i);
        assert_string_equal(type_of(v), "event");
        assert_int_equal(jint(json_object_get(v, "event"), "seq"), since + (json_int_t)i);
        json_decref(v);
    }
    assert_int_equal(events_of(&back, "meeting.opened"), 1);
    assert_int_equal(events_of(&back, "meeting.suspended"), 1);

    /* a client too far behind, or ahead, gets a snapshot */
    struct fconn ahead = {0};
    ahead.c = hub_connect(f->h, &ahead, f->meeting, "127.0.0.1");
    snprintf(text, sizeof(text), "{\"type\":\"hello\",\"body\":{\"token\":\"%s\",\"since\":9999}}",
             f->token[MEMBER]);
    say(f, &ahead, text);
    assert_int_equal(hub_flush(f->h, f->now), 0);
    w = msg_at(&ahead, 0);
    assert_string_equal(jstr(json_object_get(w, "body"), "mode"), "snapshot");
    json_decref(w);
    leave(f, &chair);
    leave(f, &back);
    leave(f, &ahead);
}

/* ---- attendance from connections --------------------------------------------------------- */

static void
test_a_second_connection_of_a_participant_writes_no_second_arrival(void **state)
{
    struct fx *f = *state;
    struct fconn watch = {0}, a = {0}, b = {0};
    join(f, &watch, OBSERVER);
    join(f, &a, MEMBER);
    join(f, &b, MEMBER);
    assert_int_equal(events_of(&watch, "participant.joined"), 1);
    leave(f, &watch);
    leave(f, &a);
    leave(f, &b);
}

static void
test_only_the_last_connection_of_a_participant_writes_its_departure(void **state)
{
    struct fx *f = *state;
    struct fconn watch = {0}, a = {0}, b = {0};
    join(f, &watch, OBSERVER);
    join(f, &a, MEMBER);
    join(f, &b, MEMBER);
    fconn_clear(&watch);

    /* one of two connections closes: the participant is still there */
    leave(f, &a);
    f->now += 10 * GRACE_MS;
    assert_int_equal(hub_flush(f->h, f->now), 0);
    assert_int_equal(events_of(&watch, "participant.left"), 0);

    /* the last one closes: written once the grace period is over */
    leave(f, &b);
    assert_int_equal(hub_flush(f->h, f->now), 0);
    assert_int_equal(events_of(&watch, "participant.left"), 0);
    f->now += GRACE_MS - 1;
    assert_int_equal(hub_flush(f->h, f->now), 0);
    assert_int_equal(events_of(&watch, "participant.left"), 0);
    f->now += 1;
    assert_int_equal(hub_flush(f->h, f->now), 0);
    assert_int_equal(events_of(&watch, "participant.left"), 1);
    json_t *v = msg_at(&watch, 0);
    json_t *e = json_object_get(v, "event");
    assert_string_equal(jstr(e, "actor"), f->pid[MEMBER]);
    assert_string_equal(jstr(json_object_get(e, "body"), "participant"), f->pid[MEMBER]);
    json_decref(v);
    f->now += 10 * GRACE_MS;
    assert_int_equal(hub_flush(f->h, f->now), 0);
    assert_int_equal(events_of(&watch, "participant.left"), 1);

    json_t *s = snapshot(f);
    json_t *p = json_array_get(json_object_get(s, "participants"), MEMBER);
    assert_false(json_is_true(json_object_get(p, "present")));
    json_decref(s);
    leave(f, &watch);
}

static void
test_coming_back_within_the_grace_period_writes_nothing(void **state)
{
    struct fx *f = *state;
    struct fconn watch = {0}, a = {0};
    join(f, &watch, OBSERVER);
    join(f, &a, MEMBER);
    fconn_clear(&watch);
    leave(f, &a);
    f->now += GRACE_MS / 2;
    join(f, &a, MEMBER);
    f->now += 10 * GRACE_MS;
    assert_int_equal(hub_flush(f->h, f->now), 0);
    assert_int_equal(events_of(&watch, "participant.left"), 0);
    assert_int_equal(events_of(&watch, "participant.joined"), 0);
    leave(f, &watch);
    leave(f, &a);
}

static void
test_a_connection_gone_before_its_welcome_gets_nothing(void **state)
{
    struct fx *f = *state;
    struct fconn a = {0};
    hello(f, &a, f->token[MEMBER]);
    hub_disconnect(f->h, a.c, f->now);
    assert_int_equal(hub_flush(f->h, f->now), 0);
    assert_int_equal(a.n, 0);
    assert_int_equal(hub_connections(f->h), 0);
}

/* ---- revocation --------------------------------------------------------------------------- */

static void
test_revoking_an_invitation_closes_the_participants_connections(void **state)
{
    struct fx *f = *state;
    struct fconn a = {0}, b = {0}, other = {0};
    join(f, &a, MEMBER);
    join(f, &b, MEMBER);
    join(f, &other, MEMBER2);
    fconn_clear(&a);
    fconn_clear(&b);
    char path[160];
    snprintf(path, sizeof(path), "/api/meetings/%s/invitations/%s", f->meeting, f->pid[MEMBER]);
    http_fails(f, "DELETE", path, f->token[MEMBER2], NULL, 403, "forbidden");
    http_fails(f, "DELETE", path, f->token[CHAIR], NULL, 403, "forbidden");
    json_t *v = http_ok(f, "DELETE", path, f->admin, NULL, 200);
    assert_int_equal(jint(v, "revoked"), 1);
    json_decref(v);
    struct fconn *mine[] = {&a, &b};
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(mine[i]->closes, 1);
        assert_int_equal(mine[i]->status, 1008);
        assert_error(mine[i], 0, "bad_token");
    }
    assert_int_equal(other.closes, 0);
    assert_int_equal(other.n, 0);
    leave(f, &a);
    leave(f, &b);

    /* the token no longer opens anything */
    struct fconn again = {0};
    hello(f, &again, f->token[MEMBER]);
    assert_error(&again, 0, "bad_token");
    leave(f, &again);
    http_fails(f, "GET", path, f->token[MEMBER], NULL, 401, "unauthorized");
    /* a second revocation finds nothing left to revoke */
    v = http_ok(f, "DELETE", path, f->admin, NULL, 200);
    assert_int_equal(jint(v, "revoked"), 0);
    json_decref(v);
    snprintf(path, sizeof(path), "/api/meetings/%s/invitations/nobody", f->meeting);
    http_fails(f, "DELETE", path, f->admin, NULL, 404, "not_found");
    leave(f, &other);
}

/* ---- a failed commit ----------------------------------------------------------------------- */

/* A second connection to the database file installs a trigger that makes
 * the next commit of a meeting.opened fail: a deferred foreign key that no
 * row satisfies is checked at COMMIT, after every statement succeeded. */
static void
sabotage_commits(const char *path, int on)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    const char *sql =
        on ? "CREATE TABLE IF NOT EXISTS t_parent(id INTEGER PRIMARY KEY);"
             "CREATE TABLE IF NOT EXISTS t_child(x INTEGER REFERENCES t_parent(id)"
             " DEFERRABLE INITIALLY DEFERRED);"
             "CREATE TRIGGER t_fail AFTER INSERT ON events WHEN NEW.type = 'meeting.opened'"
             " BEGIN INSERT INTO t_child VALUES(1); END;"
           : "DROP TRIGGER t_fail;";
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
        fail_msg("%s", err);
    }
    sqlite3_close(db);
}

static int
setup_worker(void **state)
{
    char path[] = "/tmp/concerto-hub-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    unlink(path);
    open_fixture_with(state, path, true);
    build_meeting(*state);
    return 0;
}

/* With a worker, the minutes are made there: the requests of one turn for
 * the same meeting at the same head share one job, are answered at the turn
 * after its wake, a request gone meanwhile is not; the next request at that
 * head is answered from the meeting's copy at once. */
static void
test_requests_for_the_same_minutes_share_one_job_on_the_worker(void **state)
{
    struct fx *f = *state;
    char path[128];
    snprintf(path, sizeof(path), "/api/meetings/%s/minutes", f->meeting);
    size_t before = f->io.nhttp;
    unsigned long runs = worker_runs(f->worker);
    hub_http(f->h, &f->req, "GET", path, f->admin, "", 0, f->now);
    hub_http(f->h, &f->req2, "GET", path, f->token[0], "", 0, f->now);
    hub_http(f->h, &f->req3, "GET", path, f->admin, "", 0, f->now);
    hub_http_gone(f->h, &f->req3);
    hub_flush(f->h, f->now);
    assert_int_equal(f->io.nhttp, before); /* nothing made on the hub's thread */
    wait_wake();
    hub_flush(f->h, f->now);
    assert_int_equal(f->io.nhttp, before + 2);
    assert_int_equal(worker_runs(f->worker), runs + 1);
    for (size_t i = 0; i < 2; i++) {
        struct answer *a = &f->io.http[before + i];
        assert_ptr_equal(a->req, i == 0 ? (void *)&f->req : (void *)&f->req2);
        assert_int_equal(a->status, 200);
        json_t *v = parse(a->body);
        assert_true(json_is_array(v));
        json_decref(v);
    }
    assert_string_equal(f->io.http[before].body, f->io.http[before + 1].body);

    int status;
    json_t *v = http(f, "GET", path, f->admin, NULL, &status);
    assert_int_equal(status, 200);
    assert_true(json_is_array(v));
    json_decref(v);
    assert_int_equal(worker_runs(f->worker), runs + 1);
}

static int
setup_file(void **state)
{
    char path[] = "/tmp/concerto-hub-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    unlink(path);
    open_fixture(state, path);
    build_meeting(*state);
    return 0;
}

static void
test_a_failed_commit_rolls_the_turn_back_and_tells_the_sender(void **state)
{
    struct fx *f = *state;
    struct fconn chair = {0}, observer = {0};
    join(f, &chair, CHAIR);
    join(f, &observer, OBSERVER);
    fconn_clear(&chair);
    json_t *s = snapshot(f);
    json_int_t seq = jint(s, "seq");
    char head[65];
    snprintf(head, sizeof(head), "%s", jstr(s, "head"));
    json_decref(s);

    sabotage_commits(f->dbpath, 1);
    say(f, &chair, "{\"type\":\"meeting.open\",\"id\":7,\"key\":\"k\"}");
    assert_int_equal(chair.n, 0);
    assert_int_not_equal(hub_flush(f->h, f->now), 0);
    /* the sender is told, nobody sees the event */
    assert_int_equal(chair.n, 1);
    assert_error(&chair, 0, "storage_failed");
    json_t *e = msg_at(&chair, 0);
    assert_int_equal(jint(e, "id"), 7);
    json_decref(e);
    assert_int_equal(observer.n, 0);
    assert_int_equal(chair.closes, 0);
    /* memory was rebuilt from the log: still scheduled, same head */
    s = snapshot(f);
    assert_string_equal(meeting_state(s), "scheduled");
    assert_int_equal(jint(s, "seq"), seq);
    assert_string_equal(jstr(s, "head"), head);
    json_decref(s);
    char *metrics = hub_metrics_text(f->h, NULL);
    assert_non_null(strstr(metrics, "concerto_commit_failures_total 1\n"));
    free(metrics);

    /* once the database accepts writes again, the same key is a new command */
    sabotage_commits(f->dbpath, 0);
    fconn_clear(&chair);
    say(f, &chair, "{\"type\":\"meeting.open\",\"id\":8,\"key\":\"k\"}");
    assert_int_equal(hub_flush(f->h, f->now), 0);
    assert_int_equal(events_of(&observer, "meeting.opened"), 1);
    json_t *v = msg_at(&observer, 0);
    assert_int_equal(jint(json_object_get(v, "event"), "seq"), seq + 1);
    json_decref(v);
    json_t *ok = msg_at(&chair, chair.n - 1);
    assert_string_equal(type_of(ok), "ok");
    assert_null(json_object_get(json_object_get(ok, "body"), "replayed"));
    json_decref(ok);
    leave(f, &chair);
    leave(f, &observer);
}

static void
test_a_failed_commit_refuses_the_welcomes_of_the_turn(void **state)
{
    struct fx *f = *state;
    struct fconn chair = {0}, late = {0};
    join(f, &chair, CHAIR);
    sabotage_commits(f->dbpath, 1);
    say(f, &chair, "{\"type\":\"meeting.open\",\"key\":\"k\"}");
    hello(f, &late, f->token[MEMBER]);
    assert_int_not_equal(hub_flush(f->h, f->now), 0);
    assert_error(&late, 0, "storage_failed");
    assert_int_equal(late.closes, 1);
    assert_int_equal(late.status, 1011);
    sabotage_commits(f->dbpath, 0);
    json_t *s = snapshot(f);
    json_t *p = json_array_get(json_object_get(s, "participants"), MEMBER);
    assert_false(json_is_true(json_object_get(p, "present")));
    json_decref(s);
    leave(f, &chair);
    leave(f, &late);
}

/* ---- reloading, the demo -------------------------------------------------------------------- */

static void
test_a_new_hub_on_the_same_database_rebuilds_the_meeting_from_its_log(void **state)
{
    struct fx *f = *state;
    struct fconn chair = {0};
    join(f, &chair, CHAIR);
    say(f, &chair, "{\"type\":\"meeting.open\",\"key\":\"a\"}");
    assert_int_equal(hub_flush(f->h, f->now), 0);
    json_t *before = snapshot(f);
    leave(f, &chair);
    hub_free(f->h);

    struct hub_config cfg = {.room_base = "https://meet.example/"};
    struct hub_io io = {.ctx = &f->io, .send = f_send, .close = f_close, .http = f_http};
    f->h = hub_new(f->st, &cfg, &io);
    json_t *after = snapshot(f);
    assert_string_equal(meeting_state(after), "open");
    assert_int_equal(jint(after, "seq"), jint(before, "seq"));
    assert_string_equal(jstr(after, "head"), jstr(before, "head"));
    json_decref(before);
    json_decref(after);
}

static char demo_lines[16][512];
static size_t demo_n;

static void
demo_print(const char *line)
{
    assert_true(demo_n < 16);
    snprintf(demo_lines[demo_n++], sizeof(demo_lines[0]), "%s", line);
}

/* The token of the demo line that names `who`. */
static void
demo_token(const char *who, char out[SEC_TOKEN_LEN + 1])
{
    for (size_t i = 0; i < demo_n; i++) {
        if (strstr(demo_lines[i], who)) {
            const char *t = strstr(demo_lines[i], "#t=");
            assert_non_null(t);
            assert_int_equal(strlen(t + 3), SEC_TOKEN_LEN);
            memcpy(out, t + 3, SEC_TOKEN_LEN + 1);
            return;
        }
    }
    fail_msg("no demo line for %s", who);
}

static void
test_the_demo_creates_its_meeting_once_and_issues_fresh_links(void **state)
{
    struct fx *f = *state;
    demo_n = 0;
    assert_int_equal(hub_demo(f->h, "http://127.0.0.1:8080", f->now, demo_print), 0);
    assert_int_equal(demo_n, 9);
    for (size_t i = 0; i < demo_n; i++) {
        assert_non_null(strstr(demo_lines[i], "http://127.0.0.1:8080/m/ccr-2021-02#t="));
    }
    char first[SEC_TOKEN_LEN + 1], second[SEC_TOKEN_LEN + 1];
    demo_token("Claire Dubois", first);

    snprintf(f->meeting, sizeof(f->meeting), "ccr-2021-02");
    json_t *s = snapshot(f);
    assert_int_equal(json_array_size(json_object_get(s, "participants")), 9);
    json_int_t seq = jint(s, "seq");
    json_decref(s);

    struct fconn a = {0};
    hello(f, &a, first);
    assert_int_equal(hub_flush(f->h, f->now), 0);
    json_t *w = msg_at(&a, 0);
    assert_string_equal(type_of(w), "welcome");
    assert_string_equal(jstr(json_object_get(json_object_get(w, "body"), "you"), "name"),
                        "Claire Dubois");
    json_decref(w);
    leave(f, &a);

    /* again: the same meeting, new links, the old ones revoked */
    demo_n = 0;
    assert_int_equal(hub_demo(f->h, "http://127.0.0.1:8080", f->now, demo_print), 0);
    assert_int_equal(demo_n, 9);
    demo_token("Claire Dubois", second);
    assert_string_not_equal(first, second);
    s = snapshot(f);
    assert_int_equal(json_array_size(json_object_get(s, "participants")), 9);
    assert_true(jint(s, "seq") >= seq); /* no second creation */
    json_decref(s);
    hello(f, &a, first);
    assert_error(&a, 0, "bad_token");
    leave(f, &a);
    hello(f, &a, second);
    assert_int_equal(hub_flush(f->h, f->now), 0);
    w = msg_at(&a, 0);
    assert_string_equal(type_of(w), "welcome");
    json_decref(w);
    leave(f, &a);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_healthz_answers_without_a_token, setup_bare, teardown),
        cmocka_unit_test_setup_teardown(test_api_refuses_a_missing_or_unknown_bearer_token,
                                        setup_bare, teardown),
        T(test_unknown_routes_and_methods_are_refused),
        cmocka_unit_test_setup_teardown(
            test_admin_creates_a_commission_imports_its_roster_and_creates_a_meeting, setup_bare,
            teardown),
        T(test_a_csv_with_a_bad_line_imports_nothing_and_names_the_line),
        T(test_commission_and_meeting_bodies_are_checked),
        T(test_participants_read_their_meeting_and_only_the_admin_invites),
        T(test_an_answer_to_a_request_that_went_away_is_dropped),
        T(test_hello_is_welcomed_only_at_the_end_of_the_turn),
        T(test_a_bad_token_is_refused_at_once_and_the_connection_closed),
        T(test_a_token_of_another_meeting_is_a_bad_token),
        T(test_a_command_before_hello_is_not_authenticated),
        T(test_a_second_hello_is_bad_state),
        T(test_ping_is_answered_with_pong_at_once),
        T(test_hostile_messages_get_typed_errors_and_the_connection_stays),
        T(test_a_message_too_large_is_refused_and_the_connection_closed_with_1009),
        T(test_a_chair_command_reaches_every_welcomed_connection_then_is_acknowledged),
        T(test_events_of_one_turn_arrive_in_seq_order_without_gaps),
        T(test_a_member_may_not_open_the_meeting_and_nothing_is_written),
        T(test_a_command_in_the_wrong_state_is_bad_state),
        T(test_a_retried_key_is_answered_replayed_without_a_new_event),
        T(test_resume_since_a_seq_replays_the_missed_events),
        T(test_a_second_connection_of_a_participant_writes_no_second_arrival),
        T(test_only_the_last_connection_of_a_participant_writes_its_departure),
        T(test_coming_back_within_the_grace_period_writes_nothing),
        T(test_a_connection_gone_before_its_welcome_gets_nothing),
        T(test_revoking_an_invitation_closes_the_participants_connections),
        cmocka_unit_test_setup_teardown(
            test_a_failed_commit_rolls_the_turn_back_and_tells_the_sender, setup_file, teardown),
        cmocka_unit_test_setup_teardown(
            test_requests_for_the_same_minutes_share_one_job_on_the_worker, setup_worker, teardown),
        cmocka_unit_test_setup_teardown(test_a_failed_commit_refuses_the_welcomes_of_the_turn,
                                        setup_file, teardown),
        cmocka_unit_test_setup_teardown(
            test_a_new_hub_on_the_same_database_rebuilds_the_meeting_from_its_log, setup_file,
            teardown),
        cmocka_unit_test_setup_teardown(
            test_the_demo_creates_its_meeting_once_and_issues_fresh_links, setup_bare, teardown),
    };
#undef T
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
