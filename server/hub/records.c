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
 * attestation that ties the two.
 */
#define _POSIX_C_SOURCE 200809L
#include "hub_impl.h"

#include "../crypto/sec.h"
#include "../err.h"
#include "../log.h"
#include "../record/record.h"
#include "../record/render.h"
#include "../store/store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { RF_JSON, RF_MD, RF_HTML, RF_PDF, RF_COUNT };

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

static int
feed(void *ctx, const struct store_row *row)
{
    char hex[2 * HASH_LEN + 1];
    sec_hex(row->hash, HASH_LEN, hex);
    struct record_row r = {.seq = row->seq,
                           .ts = row->ts,
                           .actor = row->actor,
                           .type = row->type,
                           .body = row->body,
                           .body_len = row->body_len,
                           .hash_hex = hex};
    return record_add(ctx, &r);
}

/* A builder fed with the whole log of `l` (new). */
static int
load(struct hub *h, struct live *l, struct record **out)
{
    struct record *r = record_new(l->m->id);
    if (!r) {
        return ERR_NOMEM;
    }
    int rc = store_events(h->st, l->m->id, 0, feed, r);
    if (rc == 0 && h->cfg.key) {
        char id[17];
        sec_key_id_hex(h->cfg.key, id);
        rc = record_set_key(r, id);
    }
    if (rc) {
        record_free(r);
        return rc;
    }
    *out = r;
    return 0;
}

/* Sign file `i` of `f`, made already. */
static int
sign(struct hub *h, struct live *l, struct record_files *f, int i)
{
    char trusted[256], untrusted[128];
    snprintf(trusted, sizeof(trusted),
             "concerto record meeting=%s events=%" PRIu64 " head=%s file=%s", l->m->id,
             f->events, f->head, files[i].name);
    snprintf(untrusted, sizeof(untrusted), "signature of %s by concerto", files[i].name);
    return sec_sign(h->cfg.key, (const uint8_t *)f->data[i], f->len[i], untrusted, trusted,
                    &f->sig[i]);
}

static double
ms_between(const struct timespec *t0, const struct timespec *t1)
{
    return (double)(t1->tv_sec - t0->tv_sec) * 1e3 + (double)(t1->tv_nsec - t0->tv_nsec) / 1e6;
}

/* record.json of the current seq, signed, and the record without events. */
static int
build(struct hub *h, struct live *l)
{
    if (l->files && l->files->seq == l->m->seq) {
        return 0;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct record *r = NULL;
    struct record_files *f = calloc(1, sizeof(*f));
    int rc = f ? load(h, l, &r) : ERR_NOMEM;
    if (rc == 0) {
        f->events = record_events(r);
        snprintf(f->head, sizeof(f->head), "%s", record_head(r));
        rc = record_json(r, &f->data[RF_JSON], &f->len[RF_JSON]);
    }
    if (rc == 0) {
        rc = record_state(r, &f->state, &f->state_len);
    }
    if (rc == 0) {
        rc = sign(h, l, f, RF_JSON);
    }
    record_free(r);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (rc) {
        log_line(LOG_ERROR, "meeting %s: cannot build the record: %s", l->m->id, err_str(rc));
        hub_record_free(f);
        return rc;
    }
    f->seq = l->m->seq;
    hub_record_free(l->files);
    l->files = f;
    log_line(LOG_INFO, "meeting %s: record built and signed at seq %" PRIu64 " in %.0f ms",
             l->m->id, f->seq, ms_between(&t0, &t1));
    return 0;
}

/* File `i` of the current record, made and signed on its first request. */
static int
make(struct hub *h, struct live *l, int i)
{
    int rc = build(h, l);
    struct record_files *f = l->files;
    if (rc || f->data[i]) {
        return rc;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    rc = files[i].render(f->state, f->state_len, &f->data[i], &f->len[i]);
    if (rc == 0 && (rc = sign(h, l, f, i)) != 0) {
        free(f->data[i]);
        f->data[i] = NULL;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (rc) {
        log_line(LOG_ERROR, "meeting %s: cannot make %s: %s", l->m->id, files[i].name,
                 err_str(rc));
        return rc;
    }
    log_line(LOG_INFO, "meeting %s: %s made and signed in %.0f ms", l->m->id, files[i].name,
             ms_between(&t0, &t1));
    return 0;
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
    if ((rc = build(h, prev))) {
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
    if ((rc = build(h, l))) {
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
    int rc = make(h, l, which);
    if (rc) {
        hub_http_fail(h, req, rc, NULL);
        return;
    }
    struct record_files *f = l->files;
    const char *src = sig ? f->sig[which] : f->data[which];
    size_t len = sig ? strlen(f->sig[which]) : f->len[which];
    char *copy = malloc(len ? len : 1);
    if (copy) {
        memcpy(copy, src, len);
    }
    char name[320];
    snprintf(name, sizeof(name), "%s%s%s", base, strchr(files[which].name, '.'),
             sig ? ".minisig" : "");
    hub_http_file(h, req, copy, len, sig ? "text/plain; charset=utf-8" : files[which].ctype,
                  name);
}

void
hub_minutes_route(struct hub *h, void *req, struct live *l)
{
    /* Every page refetches the minutes when the log moves: fold the log once
     * per state, not once per page. */
    if (!l->minutes || l->minutes_seq != l->m->seq) {
        struct record *r = NULL;
        char *text = NULL;
        size_t len = 0;
        int rc = load(h, l, &r);
        if (rc == 0) {
            rc = record_minutes(r, &text, &len);
        }
        record_free(r);
        if (rc) {
            hub_http_fail(h, req, rc, NULL);
            return;
        }
        free(l->minutes);
        l->minutes = text;
        l->minutes_seq = l->m->seq;
    }
    char *copy = strdup(l->minutes);
    if (!copy) {
        hub_http_fail(h, req, ERR_NOMEM, NULL);
        return;
    }
    hub_http_answer(h, req, 200, copy);
}
