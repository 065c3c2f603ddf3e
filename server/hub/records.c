/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * records.c - building, signing and serving the record of a meeting.
 *
 * The record is built from the log when first asked for after the minutes
 * are finalised, and kept with the meeting until the log moves on (the
 * chair's approval adds an event: the next download rebuilds and re-signs,
 * so every file always names the head of the chain it was built from).
 * Each file gets a minisign signature whose trusted comment binds it to the
 * meeting, the number of events and the chain head.
 *
 * Each file is made when first asked for: record.json (and the record
 * without its events, which the readable documents are made from) on the
 * first request of any file, then Markdown, HTML or PDF on their own first
 * request. A 50,000-event meeting's record.json is some 17 MB, nearly all
 * events; the documents show none of them, so their renderers read the
 * couple of megabytes that remain instead of parsing the whole.
 *
 * Approval at the next meeting (RECORD.md): the later meeting's log holds
 * minutes.approved_previous, naming the SHA-256 of this record.json; this
 * meeting's log is left as it was, so its record, rebuilt, is the same
 * bytes. approval.json, made from both logs on request and signed, is the
 * attestation that ties the two. Both it and the command that approves need
 * the earlier record.json (its SHA-256): that one is made on the hub's
 * thread (make()), a few hundred milliseconds for the largest meetings.
 *
 * With a worker (worker.h, the server), a file not made yet is made there:
 * the request waits on a job (meeting, head seq, file) shared with every
 * request for the same file at the same head; the job is submitted after
 * the turn's commit, so the worker's own connection sees the log up to
 * that head, and it carries a copy of the record's state when record.json
 * is built already. When the worker is done, the hub answers the requests
 * still there (hub_record_gone forgets the others) and keeps the files if
 * the meeting is still at that head. Without a worker (the tests of the
 * hub, the command line) the files are made inline, by the same functions.
 */
#define _POSIX_C_SOURCE 200809L
#include "hub_impl.h"

#include "../crypto/sec.h"
#include "../err.h"
#include "../log.h"
#include "../record/record.h"
#include "../record/render.h"
#include "../store/store.h"
#include "worker.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { RF_JSON, RF_MD, RF_HTML, RF_PDF, RF_COUNT };
#define RF_MINUTES RF_COUNT /* a job's `file`: GET .../minutes, no file of the record */

static const struct {
    const char *name;
    const char *ctype;
    int (*render)(const char *json, size_t json_len, char **out, size_t *len);
} files[RF_COUNT] = {
    [RF_JSON] = {"record.json", "application/json", NULL},
    [RF_MD] = {"record.md", "text/markdown; charset=utf-8", render_md},
    [RF_HTML] = {"record.html", "text/html; charset=utf-8", render_html},
    [RF_PDF] = {"record.pdf", "application/pdf", render_pdf},
};

struct record_files {
    uint64_t seq;
    char *data[RF_COUNT]; /* NULL until made */
    size_t len[RF_COUNT];
    char *sig[RF_COUNT];
    char *state; /* record.json with no events, for the renderers */
    size_t state_len;
    uint64_t events;
    char head[2 * HASH_LEN + 1];
};

void
hub_record_free(struct record_files *f)
{
    if (!f) {
        return;
    }
    for (int i = 0; i < RF_COUNT; i++) {
        free(f->data[i]);
        free(f->sig[i]);
    }
    free(f->state);
    free(f);
}

/* The log of `meeting` up to `upto` (inclusive), fed to a record builder;
 * `job` is the worker's job doing it (asked to stop), NULL on the hub. */
struct feed {
    struct record *r;
    uint64_t upto;
    const struct worker_job *job;
};

/* Has the worker running `job` (NULL: none) been told to stop? */
static bool
stopping(const struct worker_job *job)
{
    return job && worker_stopping(job);
}

static int
feed(void *ctx, const struct store_row *row)
{
    struct feed *fd = ctx;
    if (row->seq > fd->upto) {
        return 1; /* past the head the request saw: stop */
    }
    if ((row->seq & 1023) == 0 && stopping(fd->job)) {
        return ERR_INTERNAL; /* the server stops: abandoned */
    }
    char hex[2 * HASH_LEN + 1];
    sec_hex(row->hash, HASH_LEN, hex);
    struct record_row r = {.seq = row->seq,
                           .ts = row->ts,
                           .actor = row->actor,
                           .type = row->type,
                           .body = row->body,
                           .body_len = row->body_len,
                           .hash_hex = hex};
    return record_add(fd->r, &r);
}

/* A builder fed with the log of `meeting` up to `upto` (new); `key`
 * (borrowed, may be NULL) names the signer. Any thread, with its own `st`. */
static int
load(struct store *st, const char *meeting, uint64_t upto, const struct sec_key *key,
     const struct worker_job *job, struct record **out)
{
    struct feed fd = {.r = record_new(meeting), .upto = upto, .job = job};
    if (!fd.r) {
        return ERR_NOMEM;
    }
    int rc = store_events(st, meeting, 0, feed, &fd);
    rc = rc == 1 ? 0 : rc;
    if (rc == 0 && key) {
        char id[17];
        sec_key_id_hex(key, id);
        rc = record_set_key(fd.r, id);
    }
    if (rc) {
        record_free(fd.r);
        return rc;
    }
    *out = fd.r;
    return 0;
}

/* Sign file `i` of `f`, made already. */
static int
sign(const struct sec_key *key, const char *meeting, struct record_files *f, int i)
{
    char trusted[256], untrusted[128];
    snprintf(trusted, sizeof(trusted),
             "concerto record meeting=%s events=%" PRIu64 " head=%s file=%s", meeting,
             f->events, f->head, files[i].name);
    snprintf(untrusted, sizeof(untrusted), "signature of %s by concerto", files[i].name);
    return sec_sign(key, (const uint8_t *)f->data[i], f->len[i], untrusted, trusted, &f->sig[i]);
}

static double
ms_between(const struct timespec *t0, const struct timespec *t1)
{
    return (double)(t1->tv_sec - t0->tv_sec) * 1e3 + (double)(t1->tv_nsec - t0->tv_nsec) / 1e6;
}

/* record.json of `meeting` at `seq`, signed, and the record without events,
 * into `f` (empty). Any thread, with its own `st`; `job` as in load(). */
static int
build(struct store *st, const struct sec_key *key, const char *meeting, uint64_t seq,
      const struct worker_job *job, struct record_files *f)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct record *r = NULL;
    int rc = load(st, meeting, seq, key, job, &r);
    if (rc == 0) {
        f->events = record_events(r);
        snprintf(f->head, sizeof(f->head), "%s", record_head(r));
        rc = stopping(job) ? ERR_INTERNAL : record_json(r, &f->data[RF_JSON], &f->len[RF_JSON]);
    }
    if (rc == 0) {
        rc = stopping(job) ? ERR_INTERNAL : record_state(r, &f->state, &f->state_len);
    }
    if (rc == 0) {
        rc = sign(key, meeting, f, RF_JSON);
    }
    record_free(r);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (rc && stopping(job)) {
        return rc;
    }
    if (rc) {
        log_line(LOG_ERROR, "meeting %s: cannot build the record: %s", meeting, err_str(rc));
        return rc;
    }
    f->seq = seq;
    log_line(LOG_INFO, "meeting %s: record built and signed at seq %" PRIu64 " in %.0f ms",
             meeting, seq, ms_between(&t0, &t1));
    return 0;
}

static bool
job_stopping(void *job)
{
    return stopping(job);
}

/* Document `i` of `f` (built), rendered and signed. Any thread; `job` as in
 * load(): the PDF, seconds long, is abandoned when it is told to stop. */
static int
render(const struct sec_key *key, const char *meeting, const struct worker_job *job,
       struct record_files *f, int i)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    const struct render_stop stop = {.stop = job_stopping, .ctx = (void *)job};
    int rc = i == RF_PDF && job
                 ? render_pdf_until(f->state, f->state_len, &f->data[i], &f->len[i], &stop)
                 : files[i].render(f->state, f->state_len, &f->data[i], &f->len[i]);
    if (rc == 0 && (rc = sign(key, meeting, f, i)) != 0) {
        free(f->data[i]);
        f->data[i] = NULL;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (rc && stopping(job)) {
        return rc;
    }
    if (rc) {
        log_line(LOG_ERROR, "meeting %s: cannot make %s: %s", meeting, files[i].name,
                 err_str(rc));
        return rc;
    }
    log_line(LOG_INFO, "meeting %s: %s made and signed in %.0f ms", meeting, files[i].name,
             ms_between(&t0, &t1));
    return 0;
}

/* File `i` of the current record, made and signed on the hub's thread (no
 * worker: tests and the command line). */
static int
make(struct hub *h, struct live *l, int i)
{
    if (!l->files || l->files->seq != l->m->seq) {
        struct record_files *f = calloc(1, sizeof(*f));
        int rc = f ? build(h->st, h->cfg.key, l->m->id, l->m->seq, NULL, f) : ERR_NOMEM;
        if (rc) {
            hub_record_free(f);
            return rc;
        }
        hub_record_free(l->files);
        l->files = f;
    }
    struct record_files *f = l->files;
    return f->data[i] ? 0 : render(h->cfg.key, l->m->id, NULL, f, i);
}

/* --- on the worker ----------------------------------------------------------- */

/* A request waiting for a job: NULL once it is gone. */
struct waiter {
    void *req;
    bool sig;
    char name[320];
};

/* One file of one meeting at one head, for every request that wants it.
 * Inputs are set by the hub before it submits the job and read-only after;
 * `f` and `rc` are the worker's until the job is handed back; the waiters
 * and `next` are the hub's alone. */
struct hub_job {
    struct worker_job w; /* first */
    char meeting[ID_MAX];
    uint64_t seq;
    int file;
    const struct sec_key *key; /* the hub's, borrowed; libsodium signs on any thread */
    struct record_files *f;    /* in: a copy of the state when built already; out: the files */
    char *minutes;             /* out, RF_MINUTES: the minutes (JSON) */
    size_t minutes_len;
    int rc;
    bool submitted; /* at the end of the turn that created it, after its commit */
    struct waiter *waiters;
    size_t nwaiters, capwaiters;
    struct hub_job *next;
};

/* The minutes of `meeting` at `seq` (JSON, new). Any thread; `job` as in load(). */
static int
minutes(struct store *st, const char *meeting, uint64_t seq, const struct sec_key *key,
        const struct worker_job *job, char **out, size_t *len)
{
    struct record *r = NULL;
    int rc = load(st, meeting, seq, key, job, &r);
    if (rc == 0) {
        rc = record_minutes(r, out, len);
    }
    record_free(r);
    return rc;
}

static void
job_run(struct worker_job *wj, struct store *st)
{
    struct hub_job *j = (struct hub_job *)wj;
    if (j->file == RF_MINUTES) {
        j->rc = minutes(st, j->meeting, j->seq, j->key, wj, &j->minutes, &j->minutes_len);
        return;
    }
    struct record_files *f = j->f;
    j->rc = f->state ? 0 : build(st, j->key, j->meeting, j->seq, wj, f);
    if (j->rc == 0 && j->file != RF_JSON) {
        j->rc = render(j->key, j->meeting, wj, f, j->file);
    }
}

static void
job_free(struct hub_job *j)
{
    if (j) {
        hub_record_free(j->f);
        free(j->minutes);
        free(j->waiters);
        free(j);
    }
}

void
hub_record_jobs_free(struct hub *h)
{
    for (struct hub_job *j = h->jobs, *next; j; j = next) {
        next = j->next;
        job_free(j);
    }
    h->jobs = NULL;
}

/* The job for file `i` of `l` at its current head, created when none is
 * under way; NULL when out of memory. */
static struct hub_job *
job_for(struct hub *h, struct live *l, int i)
{
    for (struct hub_job *j = h->jobs; j; j = j->next) {
        if (j->file == i && j->seq == l->m->seq && strcmp(j->meeting, l->m->id) == 0) {
            return j;
        }
    }
    struct hub_job *j = calloc(1, sizeof(*j));
    if (!j || !(j->f = calloc(1, sizeof(*j->f)))) {
        free(j);
        return NULL;
    }
    struct record_files *have = l->files;
    if (i != RF_JSON && i != RF_MINUTES && have && have->seq == l->m->seq) {
        /* record.json is built: the document needs only the state (a copy:
         * the cache may be dropped while the job runs). */
        if (!(j->f->state = malloc(have->state_len + 1))) {
            job_free(j);
            return NULL;
        }
        memcpy(j->f->state, have->state, have->state_len + 1);
        j->f->state_len = have->state_len;
        j->f->seq = have->seq;
        j->f->events = have->events;
        memcpy(j->f->head, have->head, sizeof(j->f->head));
    }
    j->w.run = job_run;
    j->w.quick = i == RF_MINUTES; /* every page asks: never behind a PDF */
    snprintf(j->meeting, sizeof(j->meeting), "%s", l->m->id);
    j->seq = l->m->seq;
    j->file = i;
    j->key = h->cfg.key;
    j->next = h->jobs;
    h->jobs = j;
    return j;
}

static int
job_wait(struct hub_job *j, void *req, bool sig, const char *name)
{
    if (j->nwaiters == j->capwaiters) {
        size_t cap = j->capwaiters ? j->capwaiters * 2 : 4;
        struct waiter *v = realloc(j->waiters, cap * sizeof(*v));
        if (!v) {
            return ERR_NOMEM;
        }
        j->waiters = v;
        j->capwaiters = cap;
    }
    struct waiter *w = &j->waiters[j->nwaiters++];
    w->req = req;
    w->sig = sig;
    snprintf(w->name, sizeof(w->name), "%s", name);
    return 0;
}

static void
job_unlink(struct hub *h, struct hub_job *j)
{
    for (struct hub_job **p = &h->jobs; *p; p = &(*p)->next) {
        if (*p == j) {
            *p = j->next;
            return;
        }
    }
}

static void answer(struct hub *h, void *req, const struct record_files *f, int i, bool sig,
                   const char *name);
static void minutes_answer(struct hub *h, void *req, const char *text);

/* A job handed back: answer its requests, then keep its files with the
 * meeting if the meeting is still at the head they were built from. */
static void
job_finish(struct hub *h, struct hub_job *j)
{
    job_unlink(h, j);
    size_t first = h->npend;
    for (size_t k = 0; k < j->nwaiters; k++) {
        struct waiter *w = &j->waiters[k];
        if (!w->req) {
            continue;
        }
        if (j->rc) {
            hub_http_fail(h, w->req, j->rc, NULL);
        } else if (j->file == RF_MINUTES) {
            minutes_answer(h, w->req, j->minutes);
        } else {
            answer(h, w->req, j->f, j->file, w->sig, w->name);
        }
    }
    /* Built from committed rows: whatever becomes of this turn's commit. */
    for (size_t k = first; k < h->npend; k++) {
        h->pend[k].settled = true;
    }
    struct live *l = h->lives;
    while (l && strcmp(l->m->id, j->meeting) != 0) {
        l = l->next;
    }
    if (j->rc == 0 && l && l->m->seq == j->seq && j->file == RF_MINUTES) {
        free(l->minutes);
        l->minutes = j->minutes;
        l->minutes_seq = j->seq;
        j->minutes = NULL;
    } else if (j->rc == 0 && l && l->m->seq == j->seq) {
        struct record_files *have = l->files;
        if (have && have->seq == j->seq) {
            for (int i = 0; i < RF_COUNT; i++) {
                if (!have->data[i] && j->f->data[i]) {
                    have->data[i] = j->f->data[i];
                    have->len[i] = j->f->len[i];
                    have->sig[i] = j->f->sig[i];
                    j->f->data[i] = NULL;
                    j->f->sig[i] = NULL;
                }
            }
        } else if (j->f->data[RF_JSON]) {
            hub_record_free(have);
            l->files = j->f;
            j->f = NULL;
        }
    }
    job_free(j);
}

void
hub_record_turn(struct hub *h, int rc)
{
    if (!h->cfg.worker) {
        return;
    }
    /* Done first: the jobs handed back, in the order they ended. */
    for (struct worker_job *wj = worker_done(h->cfg.worker), *next; wj; wj = next) {
        next = wj->next;
        job_finish(h, (struct hub_job *)wj);
    }
    for (struct hub_job *j = h->jobs, *next; j; j = next) {
        next = j->next;
        if (j->submitted) {
            continue;
        }
        if (rc == 0) {
            j->submitted = true;
            worker_submit(h->cfg.worker, &j->w);
            continue;
        }
        /* The head it was asked at may be what the failed commit rolled back. */
        for (size_t k = 0; k < j->nwaiters; k++) {
            if (j->waiters[k].req) {
                hub_http_fail(h, j->waiters[k].req, ERR_STORAGE, NULL);
            }
        }
        job_unlink(h, j);
        job_free(j);
    }
}

void
hub_record_gone(struct hub *h, void *req)
{
    for (struct hub_job *j = h->jobs; j; j = j->next) {
        for (size_t k = 0; k < j->nwaiters; k++) {
            if (j->waiters[k].req == req) {
                j->waiters[k].req = NULL;
            }
        }
    }
}

/* --- the route ---------------------------------------------------------------- */

/* Answer `req` with file `i` of `f` (or its signature): a copy. */
static void
answer(struct hub *h, void *req, const struct record_files *f, int i, bool sig, const char *name)
{
    const char *src = sig ? f->sig[i] : f->data[i];
    size_t len = sig ? strlen(f->sig[i]) : f->len[i];
    char *copy = malloc(len ? len : 1);
    if (copy) {
        memcpy(copy, src, len);
    }
    hub_http_file(h, req, copy, len, sig ? "text/plain; charset=utf-8" : files[i].ctype, name);
}

int
hub_id_row(void *ctx, const char *id)
{
    struct hub_ids *ids = ctx;
    char(*v)[ID_MAX] = realloc(ids->v, (ids->n + 1) * sizeof(*v));
    if (!v) {
        return ERR_NOMEM;
    }
    ids->v = v;
    snprintf(v[ids->n++], ID_MAX, "%s", id);
    return 0;
}

int
hub_approval_find(struct hub *h, const struct meeting *prev, struct live **by, int32_t *item)
{
    struct hub_ids ids = {0};
    char prev_id[ID_MAX];
    snprintf(prev_id, sizeof(prev_id), "%s", prev->id); /* loading may move things */
    int rc = store_commission_meetings(h->st, prev->commission, hub_id_row, &ids);
    for (size_t k = 0; rc == 0 && k < ids.n; k++) {
        struct live *l;
        if (strcmp(ids.v[k], prev_id) == 0) {
            continue;
        }
        if ((rc = hub_live(h, ids.v[k], &l))) {
            break;
        }
        for (size_t i = 0; i < l->m->nitems; i++) {
            const struct item *it = &l->m->items[i];
            if (it->approved_seq && strcmp(it->approves, prev_id) == 0) {
                *by = l;
                *item = (int32_t)i;
                free(ids.v);
                return 0;
            }
        }
    }
    free(ids.v);
    return rc ? rc : ERR_NOT_FOUND;
}

int
hub_approval_prepare(struct hub *h, struct live *l, struct cmd *cmd)
{
    int32_t i = cmd->b.item ? meeting_item_index(l->m, cmd->b.item) : -1;
    if (i < 0 || !l->m->items[i].approves[0] || l->m->items[i].approved_seq) {
        return 0; /* core says why */
    }
    char prev_id[ID_MAX];
    snprintf(prev_id, sizeof(prev_id), "%s", l->m->items[i].approves);
    struct live *prev, *by;
    int32_t at;
    int rc = hub_live(h, prev_id, &prev);
    if (rc) {
        return rc;
    }
    if (!prev->m->finalized_by[0]) {
        return ERR_BAD_STATE; /* nothing signed to approve yet */
    }
    if (prev->m->approved_by[0]) {
        return ERR_CONFLICT;
    }
    if ((rc = hub_approval_find(h, prev->m, &by, &at)) != ERR_NOT_FOUND) {
        return rc ? rc : ERR_CONFLICT;
    }
    if (!h->cfg.key) {
        return ERR_INTERNAL;
    }
    if ((rc = make(h, prev, RF_JSON))) {
        return rc;
    }
    struct record_files *f = prev->files;
    char sha[65];
    sec_sha256_hex((const uint8_t *)f->data[RF_JSON], f->len[RF_JSON], sha);
    free(cmd->b.approves);
    free(cmd->b.record);
    free(cmd->b.head);
    free(cmd->b.date);
    cmd->b.approves = strdup(prev_id);
    cmd->b.record = strdup(sha);
    cmd->b.head = strdup(f->head);
    cmd->b.date = strdup(prev->m->date ? prev->m->date : "");
    cmd->b.events = (int64_t)f->events;
    cmd->b.has |= HAS_EVENTS;
    return cmd->b.approves && cmd->b.record && cmd->b.head && cmd->b.date ? 0 : ERR_NOMEM;
}

struct event_at {
    uint64_t seq;
    int64_t ts;
    char hash[2 * HASH_LEN + 1];
};

static int
event_row(void *ctx, const struct store_row *row)
{
    struct event_at *e = ctx;
    e->ts = row->ts;
    sec_hex(row->hash, HASH_LEN, e->hash);
    return 1; /* the first row after seq - 1 is the one */
}

/* approval.json (or its signature) of meeting `l`, approved by a later one. */
static void
approval_route(struct hub *h, void *req, struct live *l, bool sig, const char *base)
{
    struct live *by;
    int32_t it;
    int rc = hub_approval_find(h, l->m, &by, &it);
    if (rc) {
        hub_http_fail(h, req, rc == ERR_NOT_FOUND ? ERR_NOT_FOUND : rc,
                      rc == ERR_NOT_FOUND ? "these minutes are not approved by a later meeting"
                                          : NULL);
        return;
    }
    if ((rc = make(h, l, RF_JSON))) {
        hub_http_fail(h, req, rc, NULL);
        return;
    }
    const struct item *item = &by->m->items[it];
    struct event_at e = {.seq = item->approved_seq};
    rc = store_events(h->st, by->m->id, item->approved_seq - 1, event_row, &e);
    if (rc != 1) {
        hub_http_fail(h, req, rc ? rc : ERR_INTERNAL, NULL);
        return;
    }
    const struct vote *vote = item->approved_vote >= 0 ? &by->m->votes[item->approved_vote] : NULL;
    char sha[65], key_id[17];
    sec_sha256_hex((const uint8_t *)l->files->data[RF_JSON], l->files->len[RF_JSON], sha);
    sec_key_id_hex(h->cfg.key, key_id);
    struct record_approval a = {
        .meeting = l->m->id, .title = l->m->title ? l->m->title : "",
        .date = l->m->date ? l->m->date : "", .commission = l->m->commission, .sha256 = sha,
        .head = l->files->head, .events = l->files->events, .by = by->m->id,
        .by_title = by->m->title ? by->m->title : "", .by_date = by->m->date ? by->m->date : "",
        .item = item->id, .seq = item->approved_seq, .at = e.ts, .event_hash = e.hash,
        .result = vote ? "adopted" : "no_objection", .vote = vote, .key_id = key_id};
    char *json = NULL, *signature = NULL;
    size_t len = 0;
    rc = record_approval_json(&a, &json, &len);
    if (rc == 0) {
        char trusted[256];
        snprintf(trusted, sizeof(trusted),
                 "concerto approval meeting=%s sha256=%s by=%s seq=%" PRIu64
                 " file=approval.json",
                 l->m->id, sha, by->m->id, item->approved_seq);
        rc = sec_sign(h->cfg.key, (const uint8_t *)json, len,
                      "signature of approval.json by concerto", trusted, &signature);
    }
    if (rc) {
        free(json);
        hub_http_fail(h, req, rc, NULL);
        return;
    }
    char name[320];
    snprintf(name, sizeof(name), "%s.approval.json%s", base, sig ? ".minisig" : "");
    if (sig) {
        free(json);
        hub_http_file(h, req, signature, strlen(signature), "text/plain; charset=utf-8", name);
    } else {
        free(signature);
        hub_http_file(h, req, json, len, "application/json", name);
    }
}

void
hub_record_route(struct hub *h, void *req, struct live *l, const char *file)
{
    int which = -1, sig = 0;
    char base[256];
    record_file_name(l->m->date, l->m->commission_name, l->m->commission, l->m->id, "", base,
                     sizeof(base));
    for (int i = 0; i < RF_COUNT; i++) {
        /* record.pdf, or the name it is downloaded under (pv-...pdf) */
        const char *ext = strchr(files[i].name, '.');
        size_t n = strlen(files[i].name), nb = strlen(base), ne = strlen(ext);
        if (strncmp(file, base, nb) == 0 && strncmp(file + nb, ext, ne) == 0 &&
            (file[nb + ne] == 0 || strcmp(file + nb + ne, ".minisig") == 0)) {
            which = i;
            sig = file[nb + ne] != 0;
        } else if (strncmp(file, files[i].name, n) == 0 &&
                   (file[n] == 0 || strcmp(file + n, ".minisig") == 0)) {
            which = i;
            sig = file[n] != 0;
        }
    }
    size_t nb = strlen(base);
    int approval = strcmp(file, "approval.json") == 0 ? 1
                   : strcmp(file, "approval.json.minisig") == 0 ? 2
                   : strncmp(file, base, nb) == 0 && strcmp(file + nb, ".approval.json") == 0 ? 1
                   : strncmp(file, base, nb) == 0 &&
                           strcmp(file + nb, ".approval.json.minisig") == 0
                       ? 2
                       : 0;
    if (which < 0 && !approval) {
        hub_http_fail(h, req, ERR_NOT_FOUND, "no such file in a record");
        return;
    }
    if (!l->m->finalized_by[0]) {
        hub_http_fail(h, req, ERR_BAD_STATE, "the minutes are not finalised yet");
        return;
    }
    if (!h->cfg.key) {
        hub_http_fail(h, req, ERR_INTERNAL, "no signing key");
        return;
    }
    if (approval) {
        approval_route(h, req, l, approval == 2, base);
        return;
    }
    char name[320];
    snprintf(name, sizeof(name), "%s%s%s", base, strchr(files[which].name, '.'),
             sig ? ".minisig" : "");
    struct record_files *f = l->files;
    if (f && f->seq == l->m->seq && f->data[which]) {
        answer(h, req, f, which, sig, name);
        return;
    }
    if (h->cfg.worker) {
        struct hub_job *j = job_for(h, l, which);
        if (!j || job_wait(j, req, sig, name)) {
            hub_http_fail(h, req, ERR_NOMEM, NULL);
        }
        return;
    }
    int rc = make(h, l, which);
    if (rc) {
        hub_http_fail(h, req, rc, NULL);
        return;
    }
    answer(h, req, l->files, which, sig, name);
}

/* Answer `req` with the minutes `text`: a copy. */
static void
minutes_answer(struct hub *h, void *req, const char *text)
{
    char *copy = strdup(text);
    if (!copy) {
        hub_http_fail(h, req, ERR_NOMEM, NULL);
        return;
    }
    hub_http_answer(h, req, 200, copy);
}

void
hub_minutes_route(struct hub *h, void *req, struct live *l)
{
    /* Every page refetches the minutes when the log moves: fold the log once
     * per state, not once per page. */
    if (l->minutes && l->minutes_seq == l->m->seq) {
        minutes_answer(h, req, l->minutes);
        return;
    }
    if (h->cfg.worker) {
        struct hub_job *j = job_for(h, l, RF_MINUTES);
        if (!j || job_wait(j, req, false, "")) {
            hub_http_fail(h, req, ERR_NOMEM, NULL);
        }
        return;
    }
    char *text = NULL;
    size_t len = 0;
    int rc = minutes(h->st, l->m->id, l->m->seq, h->cfg.key, NULL, &text, &len);
    if (rc) {
        hub_http_fail(h, req, rc, NULL);
        return;
    }
    free(l->minutes);
    l->minutes = text;
    l->minutes_seq = l->m->seq;
    minutes_answer(h, req, l->minutes);
}
