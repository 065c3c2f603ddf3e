/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_record_alloc.c - record/ when memory runs out: every allocation made
 * while the record is written and rendered, failed in turn.
 *
 * The allocator of this program is the shim of tests/alloc_shim.h. The
 * record is the fixture's (data/record.json): its log, fed again row by row
 * to the builder (record.c), gives record.json and its state; the state is
 * rendered as Markdown and HTML (render*.c); and a convocation (convoc.c)
 * is written as text, HTML and iCalendar. Each of these stages is counted
 * once without failure, then run again failing its allocation n, for every
 * n. Each run must:
 *   - not crash and free everything it allocated;
 *   - either return an error, or give exactly the output of the run without
 *     failure: a failed allocation is never a record with a participant, an
 *     agenda item, a vote or an entry missing.
 *
 * The PDF is not swept: pango allocates through GLib, which aborts when
 * memory runs out, so no failure there can come back as an error. The
 * record's own steps on the way to the PDF are those of the Markdown and
 * HTML (the same document), swept here.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "record/convoc.h"
#include "record/record.h"
#include "record/render.h"

#include "../alloc_shim.h"

#ifndef CONCERTO_SOURCE_DIR
#define CONCERTO_SOURCE_DIR "."
#endif

/* fontconfig's one-time cache looks lost to LeakSanitizer (test_render.c). */
const char *
__lsan_default_suppressions(void);

const char *
__lsan_default_suppressions(void)
{
    return "leak:libfontconfig.so\n";
}

/* ---- the fixture's log, read with the shim disarmed --------------------------------------- */

struct row_text {
    struct record_row row;
    char *actor, *type, *body, *hash;
};

static struct row_text *rows;
static size_t nrows;
static char *state; /* the fixture's state, the renderers' input */
static size_t state_len;

static char *
slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    assert_true(n > 0);
    rewind(f);
    char *text = malloc((size_t)n + 1);
    assert_non_null(text);
    assert_int_equal(fread(text, 1, (size_t)n, f), (size_t)n);
    text[n] = 0;
    fclose(f);
    *len = (size_t)n;
    return text;
}

static char *
copy(const char *s)
{
    char *c = strdup(s ? s : "");
    assert_non_null(c);
    return c;
}

static void
load_fixture(void)
{
    size_t len;
    char *text = slurp(CONCERTO_SOURCE_DIR "/tests/record/data/record.json", &len);
    json_t *root = json_loadb(text, len, 0, NULL);
    free(text);
    assert_non_null(root);
    const json_t *events = json_object_get(root, "events");
    nrows = json_array_size(events);
    assert_true(nrows > 100);
    rows = calloc(nrows, sizeof(*rows));
    assert_non_null(rows);
    for (size_t i = 0; i < nrows; i++) {
        const json_t *e = json_array_get(events, i);
        struct row_text *t = &rows[i];
        t->actor = copy(json_string_value(json_object_get(e, "actor")));
        t->type = copy(json_string_value(json_object_get(e, "type")));
        t->hash = copy(json_string_value(json_object_get(e, "hash")));
        t->body = json_dumps(json_object_get(e, "body"), JSON_COMPACT | JSON_SORT_KEYS);
        assert_non_null(t->body);
        t->row = (struct record_row){
            .seq = (uint64_t)json_integer_value(json_object_get(e, "seq")),
            .ts = (int64_t)json_integer_value(json_object_get(e, "ts")),
            .actor = t->actor,
            .type = t->type,
            .body = t->body,
            .body_len = strlen(t->body),
            .hash_hex = t->hash,
        };
    }
    json_decref(root);
}

static void
free_fixture(void)
{
    for (size_t i = 0; i < nrows; i++) {
        free(rows[i].actor);
        free(rows[i].type);
        free(rows[i].body);
        free(rows[i].hash);
    }
    free(rows);
    free(state);
}

/* ---- the stages --------------------------------------------------------------------------- */

/* What a stage gave: an error from any of its steps, or its outputs, one
 * after the other, each preceded by its length (new). */
struct out {
    int rc;
    char *text;
    size_t len;
};

static void
out_add(struct out *o, int rc, char *s, size_t n)
{
    bool was = pause_shim();
    if (rc) {
        o->rc = o->rc ? o->rc : rc;
    } else {
        char head[32];
        int k = snprintf(head, sizeof(head), "\n%zu\n", n);
        char *t = realloc(o->text, o->len + (size_t)k + n + 1);
        assert_non_null(t);
        memcpy(t + o->len, head, (size_t)k);
        memcpy(t + o->len + k, s, n);
        o->len += (size_t)k + n;
        t[o->len] = 0;
        o->text = t;
    }
    resume_shim(was);
    free(s);
}

/* The builder fed the whole log: record.json, its state and its minutes. */
static void
stage_record(struct out *o)
{
    struct record *r = record_new("ccr-2021-02");
    if (!r) {
        o->rc = ERR_NOMEM;
        return;
    }
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < nrows; i++) {
        rc = record_add(r, &rows[i].row);
    }
    if (rc == 0) {
        rc = record_set_key(r, "0123456789ABCDEF");
    }
    char *s = NULL;
    size_t n = 0;
    if (rc) {
        out_add(o, rc, NULL, 0);
    } else {
        rc = record_json(r, &s, &n);
        out_add(o, rc, s, n);
        s = NULL;
        rc = record_state(r, &s, &n);
        if (rc == 0 && !state) { /* the run without failure: the renderers' input */
            bool was = pause_shim();
            state = copy(s);
            state_len = n;
            resume_shim(was);
        }
        out_add(o, rc, s, n);
        s = NULL;
        rc = record_minutes(r, &s, &n);
        out_add(o, rc, s, n);
    }
    record_free(r);
}

static void
stage_markdown(struct out *o)
{
    char *s = NULL;
    size_t n = 0;
    int rc = render_md(state, state_len, &s, &n);
    out_add(o, rc, s, n);
}

static void
stage_html(struct out *o)
{
    char *s = NULL;
    size_t n = 0;
    int rc = render_html(state, state_len, &s, &n);
    out_add(o, rc, s, n);
}

static void
stage_convocation(struct out *o)
{
    static const struct convoc_doc docs[] = {{"bilan.pdf", "https://concerto.example.org/d/1"}};
    static const struct convoc_item items[] = {
        {"1", "Approbation du proc\xc3\xa8s-verbal", "", NULL, 0},
        {"2", "Bilan 2020", "Pr\xc3\xa9sentation", docs, 1},
        {"2.1", "Loyers \"&\" charges <2021>", "", NULL, 0},
    };
    const struct convoc c = {
        .meeting = "ccr-2021-02",
        .title = "Bilan 2020 et feuille de route 2021",
        .commission = "CCR Hauts-de-France",
        .date = "2021-02-02T09:30:00+01:00",
        .place = "Visioconf\xc3\xa9rence",
        .room = "https://meet.jit.si/concerto-ccr-2021-02",
        .lang = "fr",
        .name = "Claire \"Dubois\"",
        .email = "claire@example.org",
        .organizer = "secretariat@example.org",
        .link = "https://concerto.example.org/m/ccr-2021-02?t=abc",
        .host = "concerto.example.org",
        .items = items,
        .nitems = sizeof(items) / sizeof(items[0]),
        .duration_s = 7200,
        .now_ms = 1612000000000LL,
    };
    char *s = NULL;
    size_t n = 0;
    int rc = convoc_subject(&c, &s, &n);
    out_add(o, rc, s, n);
    s = NULL;
    rc = convoc_text(&c, &s, &n);
    out_add(o, rc, s, n);
    s = NULL;
    rc = convoc_html(&c, &s, &n);
    out_add(o, rc, s, n);
    s = NULL;
    rc = convoc_ics(&c, &s, &n);
    out_add(o, rc, s, n);
}

/* ---- the sweep ---------------------------------------------------------------------------- */

/* Run `stage` once to count its allocations, then once per allocation,
 * failing it. Returns the number of allocations. */
static long
sweep(const char *name, void (*stage)(struct out *))
{
    struct out ref = {0}, o;
    stage(&ref); /* warm up: lazy initialisations in libraries happen once, here */
    free(ref.text);
    ref = (struct out){0};
    arm(0);
    stage(&ref);
    shim.armed = false;
    long total = shim.count;
    if (ref.rc || shim.live) {
        fail_msg("%s fails without any failure injected: rc %d, %ld leaked", name, ref.rc,
                 shim.live);
    }
    long errors = 0;
    for (long n = 1; n <= total; n++) {
        o = (struct out){0};
        arm(n);
        stage(&o);
        shim.armed = false;
        if (shim.live) {
            fail_msg("%s, allocation %ld of %ld failed: %ld allocation(s) never freed", name, n,
                     total, shim.live);
        }
        if (o.rc == 0 && (o.len != ref.len || memcmp(o.text, ref.text, ref.len) != 0)) {
            fail_msg("%s, allocation %ld of %ld failed: no error, and the output differs from "
                     "the run without failure (%zu bytes instead of %zu)",
                     name, n, total, o.len, ref.len);
        }
        errors += o.rc != 0;
        free(o.text);
    }
    print_message("%s: %ld allocations, each failed in turn: %ld reported an error, the others "
                  "changed nothing\n",
                  name, total, errors);
    free(ref.text);
    return total;
}

static void
test_every_allocation_of_the_record_may_fail(void **state_)
{
    (void)state_;
    assert_true(sweep("record.json", stage_record) > 1000);
    assert_non_null(state);
}

static void
test_every_allocation_of_the_markdown_may_fail(void **state_)
{
    (void)state_;
    assert_true(sweep("Markdown", stage_markdown) > 1000);
}

static void
test_every_allocation_of_the_html_may_fail(void **state_)
{
    (void)state_;
    assert_true(sweep("HTML", stage_html) > 1000);
}

static void
test_every_allocation_of_a_convocation_may_fail(void **state_)
{
    (void)state_;
    assert_true(sweep("convocation", stage_convocation) > 10);
}

int
main(void)
{
    resolve();
    load_fixture();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_allocation_of_the_record_may_fail),
        cmocka_unit_test(test_every_allocation_of_the_markdown_may_fail),
        cmocka_unit_test(test_every_allocation_of_the_html_may_fail),
        cmocka_unit_test(test_every_allocation_of_a_convocation_may_fail),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    free_fixture();
    return rc;
}
