/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * fuzz_api.c - the HTTP API (hub_http(), server/hub/api.c) on a store in
 * memory: routing, authentication, JSON and CSV bodies, and what a request
 * leaves in the log.
 *
 * Input: requests separated by a line "===", each
 *
 *     METHOD PATH
 *     BEARER            ("-" for none)
 *     BODY...
 *
 * with placeholders {A} (admin token), {C} (the commission), {M} (the
 * meeting), {P0}..{P4} and {T0}..{T4} (participants and their tokens:
 * chair, secretary, two members, observer) replaced everywhere.
 *
 * Every input starts from a fresh store holding a commission, its roster, a
 * meeting and everyone's invitation. Checks:
 *   - each request gets exactly one answer, at the end of its turn, and no
 *     transaction stays open;
 *   - an error answer is {"error":{"code","message"}} with the status of its
 *     code; "internal" (a bug, by definition) never comes;
 *   - a JSON answer is JSON (an object, or the array of the minutes);
 *   - a commission created has the colleges it was given, read back too;
 *   - at the end, a second hub over the same store (a restart) rebuilds
 *     every meeting to the same snapshot as the hub that served the input.
 */
#define _POSIX_C_SOURCE 200809L
#include "fuzz.h"

#define FA_MAX_REQUESTS 8

static void
fa_check_answer(const char *method, const char *path, const struct fh_answer *a)
{
    if (a->status >= 400) {
        json_t *v = json_loads(a->body, 0, NULL);
        FUZZ_CHECK(v != NULL, "%s %s: %d answer is not JSON: %s", method, path, a->status,
                   a->body);
        json_t *e = json_object_get(v, "error");
        const char *code = json_string_value(json_object_get(e, "code"));
        FUZZ_CHECK(code && json_is_string(json_object_get(e, "message")),
                   "%s %s: malformed error %s", method, path, a->body);
        FUZZ_CHECK(strcmp(code, "internal") != 0, "%s %s: internal error %s", method, path,
                   a->body);
        int status = 0;
        for (int k = 1; k < ERR_COUNT_; k++) {
            if (strcmp(err_str(-k), code) == 0) {
                status = err_http_status(-k);
            }
        }
        FUZZ_CHECK(status == a->status, "%s %s: code %s with status %d", method, path, code,
                   a->status);
        json_decref(v);
        return;
    }
    FUZZ_CHECK(a->status == 200 || a->status == 201, "%s %s: status %d", method, path,
               a->status);
    const char *last = strrchr(path, '/');
    last = last ? last + 1 : path;
    if (strcmp(last, "pubkey") == 0 || strchr(last, '.')) {
        return; /* a document to download (the router splits on any number of '/') */
    }
    json_t *v = json_loads(a->body, 0, NULL);
    FUZZ_CHECK(json_is_object(v) || json_is_array(v), "%s %s: %d answer is not JSON: %.300s",
               method, path, a->status, a->body);
    json_decref(v);
}

/* A meeting created by the input: remember it for the restart check. */
static void
fa_note_meeting(struct fuzz_hub *f, const char *method, const char *path,
                 const struct fh_answer *a)
{
    if (a->status != 201 || strcmp(method, "POST") != 0 || strcmp(path, "/api/meetings") != 0 ||
        f->nmade == FH_MAX_MEETINGS) {
        return;
    }
    json_t *v = json_loads(a->body, 0, NULL);
    const char *id = json_string_value(json_object_get(json_object_get(v, "meeting"), "id"));
    FUZZ_CHECK(id != NULL, "a created meeting without id: %.300s", a->body);
    snprintf(f->made[f->nmade++], sizeof(f->made[0]), "%s", id);
    json_decref(v);
}

/* A commission created by the input has the colleges it was given: in its
 * answer and when it is read again. */
static void
fa_check_commission(struct fuzz_hub *f, const char *method, const char *path, const char *body,
                    size_t blen, const struct fh_answer *a)
{
    if (a->status != 201 || strcmp(method, "POST") != 0 ||
        strcmp(path, "/api/commissions") != 0) {
        return;
    }
    json_t *req = json_loadb(body, blen, 0, NULL), *made = json_loads(a->body, 0, NULL);
    const char *id = json_string_value(json_object_get(made, "id"));
    FUZZ_CHECK(req && id, "a created commission: %.300s", a->body);
    json_t *want = json_object_get(req, "colleges");
    FUZZ_CHECK(json_equal(want, json_object_get(made, "colleges")),
               "colleges %.600s answered as %.600s", body, a->body);
    char get[80];
    snprintf(get, sizeof(get), "/api/commissions/%s", id);
    struct fh_answer *b = fh_request(f, "GET", get, f->admin, "", 0);
    json_t *read = json_loads(b->body, 0, NULL);
    FUZZ_CHECK(b->status == 200 && json_equal(want, json_object_get(read, "colleges")),
               "colleges %.600s read back as %.600s", body, b->body);
    json_decref(read);
    json_decref(made);
    json_decref(req);
}

/* One request of the input: `text` up to `len`. */
static void
fa_one(struct fuzz_hub *f, const char *text, size_t len)
{
    size_t n;
    char *req = fh_expand(f, text, len, &n);
    char *nl1 = memchr(req, '\n', n);
    char *nl2 = nl1 ? memchr(nl1 + 1, '\n', n - (size_t)(nl1 + 1 - req)) : NULL;
    if (!nl2) {
        free(req);
        return;
    }
    *nl1 = *nl2 = 0;
    char *sp = strchr(req, ' ');
    if (!sp) {
        free(req);
        return;
    }
    *sp = 0;
    const char *method = req, *path = sp + 1, *bearer = nl1 + 1;
    if (strcmp(bearer, "-") == 0) {
        bearer = NULL;
    }
    const char *body = nl2 + 1;
    size_t blen = n - (size_t)(body - req);
    struct fh_answer *a = fh_request(f, method, path, bearer, body, blen);
    fa_check_answer(method, path, a);
    fa_note_meeting(f, method, path, a);
    fa_check_commission(f, method, path, body, blen, a);
    free(req);
}

/* The snapshot of meeting `id` as the admin reads it (new). */
static char *
fa_snapshot(struct fuzz_hub *f, const char *id)
{
    char path[80];
    snprintf(path, sizeof(path), "/api/meetings/%s", id);
    struct fh_answer *a = fh_request(f, "GET", path, f->admin, "", 0);
    FUZZ_CHECK(a->status == 200, "GET %s: %d %s", path, a->status, a->body);
    a->body[a->len] = 0;
    char *s = a->body;
    a->body = NULL;
    return s;
}

/* A restart: a new hub over the same store folds every meeting from its log. */
static void
fa_check_restart(struct fuzz_hub *f)
{
    size_t n = f->nmade + 1;
    char *before[FH_MAX_MEETINGS + 1];
    for (size_t i = 0; i < n; i++) {
        before[i] = fa_snapshot(f, i ? f->made[i - 1] : f->meeting);
    }
    fh_answers_clear(f);
    hub_free(f->h);
    struct hub_config cfg = {.room_base = "https://meet.example/"};
    struct hub_io io = {.ctx = f, .send = fh_send, .close = fh_close_conn, .http = fh_http_cb};
    f->h = hub_new(f->st, &cfg, &io);
    FUZZ_CHECK(f->h != NULL, "hub_new");
    for (size_t i = 0; i < n; i++) {
        char *after = fa_snapshot(f, i ? f->made[i - 1] : f->meeting);
        FUZZ_CHECK(strcmp(before[i], after) == 0, "meeting %s rebuilt differently:\n%s\n%s",
                   i ? f->made[i - 1] : f->meeting, before[i], after);
        free(after);
        free(before[i]);
    }
}

int
FUZZ_ENTRY(const uint8_t *data, size_t size)
{
    static const char sep[] = "\n===\n";
    struct fuzz_hub f;
    fuzz_init();
    fh_open(&f, FH_MEETING);
    const char *p = (const char *)data, *end = p + size;
    for (int i = 0; i < FA_MAX_REQUESTS && p < end; i++) {
        const char *next = p;
        while (next + sizeof(sep) - 1 <= end && memcmp(next, sep, sizeof(sep) - 1) != 0) {
            next++;
        }
        if (next + sizeof(sep) - 1 > end) {
            next = end;
        }
        fa_one(&f, p, (size_t)(next - p));
        p = next == end ? end : next + sizeof(sep) - 1;
    }
    fa_check_restart(&f);
    fh_close(&f);
    return 0;
}
