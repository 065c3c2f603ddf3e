/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * fuzz.h - what the fuzz targets share: the entry point's name, the check
 * that turns a broken invariant into a crash, and a hub on a store in
 * memory behind a fake net/ (the same fixture as tests/hub/test_hub.c).
 *
 * Each target is one .c file defining FUZZ_ENTRY(data, size). Built alone
 * with -fsanitize=fuzzer, FUZZ_ENTRY is LLVMFuzzerTestOneInput; the
 * regression test (test_regressions.c) includes all four files into one
 * program under other names and replays the saved inputs through them, so
 * static names are unique across the four files.
 *
 * A target must be deterministic and leave nothing behind between inputs:
 * every input starts from the same state, built again (or folded again
 * from a log kept since the first input), and everything it allocates is
 * freed, so that LeakSanitizer reports belong to the code under test.
 * Random identifiers (commissions, meetings, tokens) differ between runs;
 * inputs name them through placeholders such as {M} (see fh_expand()).
 *
 * Header-only, static inline: each target is its own program.
 */
#ifndef CONCERTO_FUZZ_H
#define CONCERTO_FUZZ_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/sec.h"
#include "err.h"
#include "hub/hub.h"
#include "log.h"
#include "store/store.h"

#ifndef FUZZ_ENTRY
#define FUZZ_ENTRY LLVMFuzzerTestOneInput
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
#endif

/* A broken invariant: say which, then abort so that the fuzzer keeps the input. */
#define FUZZ_CHECK(cond, ...)                                                                     \
    do {                                                                                          \
        if (!(cond)) {                                                                            \
            fprintf(stderr, "fuzz check failed at %s:%d: %s\n  ", __FILE__, __LINE__, #cond);    \
            fprintf(stderr, __VA_ARGS__);                                                         \
            fputc('\n', stderr);                                                                  \
            abort();                                                                              \
        }                                                                                         \
    } while (0)

#define FUZZ_NOW 1612254600000LL /* 2021-02-02T08:30:00Z */

static inline void
fuzz_init(void)
{
    static int done;
    if (!done) {
        done = 1;
        log_quiet(1);
        FUZZ_CHECK(sec_init() == 0, "sec_init");
    }
}

/* ---- a hub on a store in memory ------------------------------------------------------ */

#define FH_PEOPLE 5
#define FH_MAX_ANSWERS 64
#define FH_MAX_MEETINGS 8

struct fh_answer {
    void *req;
    int status;
    char *body;
    size_t len;
};

struct fuzz_hub {
    struct store *st;
    struct hub *h;
    struct fh_answer ans[FH_MAX_ANSWERS];
    size_t nans;
    size_t sends;
    char admin[SEC_TOKEN_LEN + 1];
    char commission[33];
    char meeting[33];
    char pid[FH_PEOPLE][33];
    char token[FH_PEOPLE][SEC_TOKEN_LEN + 1];
    char made[FH_MAX_MEETINGS][33]; /* meetings created by the input */
    size_t nmade;
    int64_t now;
    int req; /* request handles are addresses in here */
};

/* chair, secretary, two members, an observer */
static const char fh_roster_csv[] = "nom;coll\xc3\xa8ge;r\xc3\xb4le\r\n"
                                    "H\xc3\xa9l\xc3\xa8ne Vasseur;;chair\r\n"
                                    "Thomas Leroy;;secretary\r\n"
                                    "Claire Dubois;bailleurs;member\r\n"
                                    "Jean Moreau;locataires;member\r\n"
                                    "Anne Petit;;observer\r\n";

static inline void
fh_send(void *ctx, void *net, struct msg *m)
{
    (void)net;
    (void)m;
    ((struct fuzz_hub *)ctx)->sends++;
}

static inline void
fh_close_conn(void *ctx, void *net, int status, const char *reason)
{
    (void)ctx;
    (void)net;
    (void)status;
    (void)reason;
}

static inline void
fh_http_cb(void *ctx, void *req, int status, const char *body, size_t len)
{
    struct fuzz_hub *f = ctx;
    FUZZ_CHECK(f->nans < FH_MAX_ANSWERS, "too many HTTP answers");
    struct fh_answer *a = &f->ans[f->nans++];
    a->req = req;
    a->status = status;
    a->len = len;
    a->body = malloc(len + 1);
    FUZZ_CHECK(a->body != NULL, "out of memory in the fixture");
    memcpy(a->body, body, len);
    a->body[len] = 0;
}

static inline void
fh_answers_clear(struct fuzz_hub *f)
{
    for (size_t i = 0; i < f->nans; i++) {
        free(f->ans[i].body);
    }
    f->nans = 0;
}

/* One request and the end of its turn; returns its one answer (borrowed
 * until the next request). */
static inline struct fh_answer *
fh_request(struct fuzz_hub *f, const char *method, const char *path, const char *bearer,
           const char *body, size_t len)
{
    fh_answers_clear(f);
    hub_http(f->h, &f->req, method, path, bearer, body, len, f->now);
    hub_flush(f->h, f->now);
    FUZZ_CHECK(f->nans == 1, "%s %s: %zu answers", method, path, f->nans);
    FUZZ_CHECK(f->ans[0].req == &f->req, "the answer is for another request");
    FUZZ_CHECK(!store_in_transaction(f->st), "%s %s left a transaction open", method, path);
    return &f->ans[0];
}

/* A request of the fixture itself, which must succeed; its parsed answer (new). */
static inline json_t *
fh_must(struct fuzz_hub *f, const char *method, const char *path, const char *body, int want)
{
    struct fh_answer *a = fh_request(f, method, path, f->admin, body, body ? strlen(body) : 0);
    FUZZ_CHECK(a->status == want, "fixture %s %s: %d %s", method, path, a->status, a->body);
    json_t *v = json_loads(a->body, 0, NULL);
    FUZZ_CHECK(v != NULL, "fixture %s %s: not JSON", method, path);
    return v;
}

static inline const char *
fh_str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    FUZZ_CHECK(s != NULL, "no string \"%s\"", key);
    return s;
}

enum fh_level { FH_COMMISSION, FH_MEETING };

/* Store, hub and admin token; then the commission with its roster; then (at
 * FH_MEETING) a meeting and everyone's invitation. */
static inline void
fh_open(struct fuzz_hub *f, enum fh_level level)
{
    memset(f, 0, sizeof(*f));
    const char *msg = NULL;
    FUZZ_CHECK(store_open(":memory:", &f->st, &msg) == 0, "store_open: %s", msg);
    static const char pubkey[] = "untrusted comment: minisign public key 0123456789ABCDEF\n"
                                 "RWQBI0VniavN7+pVrFUpmvP2IbEEv8HrwU2GCi4HfGdrFkxjU8gR8rpP\n";
    struct hub_config cfg = {.room_base = "https://meet.example/", .pubkey = pubkey};
    struct hub_io io = {.ctx = f, .send = fh_send, .close = fh_close_conn, .http = fh_http_cb};
    f->h = hub_new(f->st, &cfg, &io);
    FUZZ_CHECK(f->h != NULL, "hub_new");
    f->now = FUZZ_NOW;
    FUZZ_CHECK(hub_admin_token(f->h, f->admin, sizeof(f->admin), f->now) == 0, "admin token");

    json_t *v = fh_must(f, "POST", "/api/commissions",
                        "{\"name\":\"CCR Hauts-de-France\","
                        "\"colleges\":[\"bailleurs\",\"locataires\"]}",
                        201);
    snprintf(f->commission, sizeof(f->commission), "%s", fh_str(v, "id"));
    json_decref(v);
    char path[128], body[128];
    snprintf(path, sizeof(path), "/api/commissions/%s/members.csv", f->commission);
    v = fh_must(f, "POST", path, fh_roster_csv, 201);
    json_t *members = json_object_get(v, "members");
    FUZZ_CHECK(json_array_size(members) == FH_PEOPLE, "roster");
    for (size_t i = 0; i < FH_PEOPLE; i++) {
        snprintf(f->pid[i], sizeof(f->pid[i]), "%s", fh_str(json_array_get(members, i), "id"));
    }
    json_decref(v);
    if (level == FH_COMMISSION) {
        fh_answers_clear(f);
        return;
    }
    snprintf(body, sizeof(body), "{\"commission\":\"%s\",\"title\":\"Bilan 2020\"}",
             f->commission);
    v = fh_must(f, "POST", "/api/meetings", body, 201);
    snprintf(f->meeting, sizeof(f->meeting), "%s", fh_str(json_object_get(v, "meeting"), "id"));
    json_decref(v);
    snprintf(path, sizeof(path), "/api/meetings/%s/invitations", f->meeting);
    v = fh_must(f, "POST", path, "{}", 201);
    json_t *inv = json_object_get(v, "invitations");
    FUZZ_CHECK(json_array_size(inv) == FH_PEOPLE, "invitations");
    for (size_t i = 0; i < FH_PEOPLE; i++) {
        json_t *e = json_array_get(inv, i);
        FUZZ_CHECK(strcmp(fh_str(e, "participant"), f->pid[i]) == 0, "invitation order");
        snprintf(f->token[i], sizeof(f->token[i]), "%s", fh_str(e, "token"));
    }
    json_decref(v);
    fh_answers_clear(f);
}

static inline void
fh_close(struct fuzz_hub *f)
{
    fh_answers_clear(f);
    hub_free(f->h);
    store_close(f->st);
    f->h = NULL;
    f->st = NULL;
}

/* The value of placeholder `name` ("A", "C", "M", "P0".."P4", "T0".."T4"),
 * or NULL when it is not one. */
static inline const char *
fh_placeholder(const struct fuzz_hub *f, const char *name, size_t n)
{
    if (n == 1 && name[0] == 'A') {
        return f->admin;
    }
    if (n == 1 && name[0] == 'C') {
        return f->commission;
    }
    if (n == 1 && name[0] == 'M') {
        return f->meeting;
    }
    if (n == 2 && (name[0] == 'P' || name[0] == 'T') && name[1] >= '0' &&
        name[1] < '0' + FH_PEOPLE) {
        return name[0] == 'P' ? f->pid[name[1] - '0'] : f->token[name[1] - '0'];
    }
    return NULL;
}

/* `len` bytes of `s` with every {NAME} placeholder replaced (new, NUL-terminated;
 * *outlen without the NUL). Other bytes, NULs included, are kept as they are. */
static inline char *
fh_expand(const struct fuzz_hub *f, const char *s, size_t len, size_t *outlen)
{
    size_t cap = len + 1, n = 0;
    char *out = malloc(cap);
    FUZZ_CHECK(out != NULL, "out of memory in the fixture");
    for (size_t i = 0; i < len;) {
        const char *close = s[i] == '{' ? memchr(s + i, '}', len - i < 4 ? len - i : 4) : NULL;
        const char *v = close ? fh_placeholder(f, s + i + 1, (size_t)(close - s - i - 1)) : NULL;
        size_t vl = v ? strlen(v) : 1;
        if (n + vl + 1 > cap) {
            cap = (n + vl + 1) * 2;
            char *grown = realloc(out, cap);
            FUZZ_CHECK(grown != NULL, "out of memory in the fixture");
            out = grown;
        }
        if (v) {
            memcpy(out + n, v, vl);
            i = (size_t)(close - s) + 1;
        } else {
            out[n] = s[i++];
        }
        n += vl;
    }
    out[n] = 0;
    *outlen = n;
    return out;
}

/* The members of the fixture's commission, as the admin reads them. */
static inline size_t
fh_member_count(struct fuzz_hub *f)
{
    char path[128];
    snprintf(path, sizeof(path), "/api/commissions/%s", f->commission);
    json_t *v = fh_must(f, "GET", path, NULL, 200);
    size_t n = json_array_size(json_object_get(v, "members"));
    json_decref(v);
    return n;
}

#endif
