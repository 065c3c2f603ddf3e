/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * render.c - record.json to Markdown, HTML and PDF (see render.h).
 *
 *   record.json --check--> struct rec --build--> struct doc --+--> md_emit
 *     (jansson)            (validated)           (blocks)     +--> html_emit
 *                                                             +--> pdf_emit (pango, cairo)
 *
 * The record is checked once against small field tables (`struct spec`):
 * every field the renderer reads must have its type, the ones it cannot do
 * without must be there, and arrays that index each other must agree in
 * length (a vote's counts and its options, college_counts and colleges x
 * options). After that the getters cannot fail and no index leaves its
 * array. Numbers are clamped to [0, NUM_MAX] on the way in.
 *
 * All the wording and all the order live in build(): it turns the record
 * into a flat list of blocks (headings, paragraphs, minutes entries,
 * tables, code) of plain UTF-8 text in the meeting's language. The three
 * back-ends only lay blocks out and escape text for their format, so the
 * documents cannot say different things. Another short document (the
 * convocation, convoc.c) gives its own blocks through render_doc_html and
 * render_doc_pdf and is laid out by the same back-ends.
 *
 * The PDF is laid out once, each page drawn into a cairo recording; the
 * number of pages then known, every recording is replayed into the PDF with
 * its header and "page N / M". (Laying out twice, to count the pages and
 * then to draw, spent most of the time shaping every text twice: 17,500
 * minutes entries took 1.6 s, 1.1 s once; the recordings hold some 60 MB
 * while they wait.) Text is placed line by line, so a paragraph of any
 * length breaks across pages; table rows never break, a cell is cut (with
 * an ellipsis) at most near a page's height, and a table's header row is
 * repeated on each page. Nothing reads the clock, the locale or the time
 * zone: the PDF's dates come from the record.
 */
#include "render.h"

#include "../err.h"
#include "record.h"
#include "words.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <jansson.h>
#include <pango/pangocairo.h>

#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NUM_MAX 1000000000000000LL /* 1e15: ms up to year 33658, counts */

/* --- words ----------------------------------------------------------- */

/* --- words (words.h) and calendar names ------------------------------ */

static const char *const weekdays[7][2] = {
    {"dimanche", "Sunday"},    {"lundi", "Monday"},   {"mardi", "Tuesday"},
    {"mercredi", "Wednesday"}, {"jeudi", "Thursday"}, {"vendredi", "Friday"},
    {"samedi", "Saturday"},
};


/* --- a growing string ------------------------------------------------ */

/* Always NUL-terminated once anything was put; `oom` sticks. */
struct buf {
    char *p;
    size_t len, cap;
    bool oom;
};

static void
buf_put(struct buf *b, const char *s, size_t n)
{
    if (b->oom) {
        return;
    }
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1) {
            if (cap > SIZE_MAX / 2) {
                b->oom = true;
                return;
            }
            cap *= 2;
        }
        char *p = realloc(b->p, cap);
        if (!p) {
            b->oom = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
}

static void
buf_puts(struct buf *b, const char *s)
{
    buf_put(b, s, strlen(s));
}

static void
buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
    char small[512];
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(small, sizeof(small), fmt, ap);
    if (n < 0) {
        b->oom = true;
    } else if ((size_t)n < sizeof(small)) {
        buf_put(b, small, (size_t)n);
    } else {
        char *big = malloc((size_t)n + 1);
        if (!big) {
            b->oom = true;
        } else {
            vsnprintf(big, (size_t)n + 1, fmt, ap2);
            buf_put(b, big, (size_t)n);
            free(big);
        }
    }
    va_end(ap2);
}

static void
buf_printf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(b, fmt, ap);
    va_end(ap);
}

/* The text (new), or NULL when out of memory; the buffer is left empty. */
static char *
buf_take(struct buf *b)
{
    if (!b->oom && !b->p) {
        buf_put(b, "", 0);
    }
    char *p = b->oom ? NULL : b->p;
    if (b->oom) {
        free(b->p);
    }
    memset(b, 0, sizeof(*b));
    return p;
}

/* printf into a new string; NULL when out of memory. */
static char *
str_printf(const char *fmt, ...)
{
    struct buf b = {0};
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    return buf_take(&b);
}

/* --- the document: a flat list of blocks ----------------------------- */

enum block_kind { BK_H1, BK_H2, BK_H3, BK_PARA, BK_ENTRY, BK_TABLE, BK_CODE };

enum block_style {
    ST_NORMAL,
    ST_KICKER, /* the commission's name above the title */
    ST_STRONG,
    ST_META, /* secondary: descriptions, notes, the roll call */
    ST_AUTO  /* a minutes entry written by the server */
};

/* cells is row-major, nrows x ncols; row 0 is the header when `head`. A
 * table without header is a list of label/value rows (first column). */
struct table {
    size_t ncols, ncells, cap;
    bool head;
    uint64_t right; /* bit c: column c is numeric, aligned right (c < 64) */
    char **cells;
};

struct block {
    enum block_kind kind;
    enum block_style style;
    char *lead; /* BK_ENTRY: the time */
    char *text;
    struct table *t;
    size_t keep; /* > 1: this block and the next keep - 1 go on one page if they can */
};

struct doc {
    struct block *v;
    size_t n, cap;
    bool oom;
    enum lang lang;
    char *header;  /* the PDF's running header: commission - meeting */
    char *title;   /* metadata and HTML <title> */
    char *author;  /* the commission */
    char *created; /* ISO 8601 with offset: the meeting's close */
};

static void
table_free(struct table *t)
{
    if (!t) {
        return;
    }
    for (size_t i = 0; i < t->ncells; i++) {
        free(t->cells[i]);
    }
    free(t->cells);
    free(t);
}

static void
doc_free(struct doc *d)
{
    for (size_t i = 0; i < d->n; i++) {
        free(d->v[i].lead);
        free(d->v[i].text);
        table_free(d->v[i].t);
    }
    free(d->v);
    free(d->header);
    free(d->title);
    free(d->author);
    free(d->created);
    memset(d, 0, sizeof(*d));
}

static struct block *
doc_push(struct doc *d, enum block_kind kind, enum block_style style)
{
    if (d->oom) {
        return NULL;
    }
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 64;
        struct block *v = realloc(d->v, cap * sizeof(*v));
        if (!v) {
            d->oom = true;
            return NULL;
        }
        d->v = v;
        d->cap = cap;
    }
    struct block *b = &d->v[d->n++];
    memset(b, 0, sizeof(*b));
    b->kind = kind;
    b->style = style;
    return b;
}

/* Drop the white space around `s`, in place: emphasis in Markdown cannot
 * start or end on a space, and no format shows it. */
static char *
trim(char *s)
{
    if (!s) {
        return NULL;
    }
    size_t start = strspn(s, " \t\r\n"), n = strlen(s);
    while (n > start && strchr(" \t\r\n", s[n - 1])) {
        n--;
    }
    memmove(s, s + start, n - start);
    s[n - start] = 0;
    return s;
}

/* Steals `text` (may be NULL after a failed allocation: then oom). */
static void
doc_add_owned(struct doc *d, enum block_kind kind, enum block_style style, char *text)
{
    struct block *b = text ? doc_push(d, kind, style) : NULL;
    if (!b) {
        free(text);
        d->oom = true;
        return;
    }
    b->text = trim(text);
}

static void
doc_addf(struct doc *d, enum block_kind kind, enum block_style style, const char *fmt, ...)
{
    struct buf b = {0};
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    doc_add_owned(d, kind, style, buf_take(&b));
}

static void
doc_add(struct doc *d, enum block_kind kind, enum block_style style, const char *text)
{
    doc_addf(d, kind, style, "%s", text);
}

/* A minutes entry: `lead` the time, `text` the entry (both copied). */
static void
doc_entry(struct doc *d, bool automatic, const char *lead, const char *text)
{
    struct block *b = doc_push(d, BK_ENTRY, automatic ? ST_AUTO : ST_NORMAL);
    if (b) {
        b->lead = str_printf("%s", lead);
        b->text = trim(str_printf("%s", text));
        if (!b->lead || !b->text) {
            d->oom = true;
        }
    }
}

/* A new table block; NULL when out of memory (cells then go nowhere). */
static struct table *
doc_table(struct doc *d, size_t ncols, bool head)
{
    struct table *t = calloc(1, sizeof(*t));
    struct block *b = t ? doc_push(d, BK_TABLE, ST_NORMAL) : NULL;
    if (!b) {
        free(t);
        d->oom = true;
        return NULL;
    }
    t->ncols = ncols;
    t->head = head;
    b->t = t;
    return t;
}

/* Append a cell to `t`; steals `text` (NULL: out of memory). */
static void
cell_owned(struct doc *d, struct table *t, char *text)
{
    if (!t || !text) {
        free(text);
        d->oom = d->oom || t;
        return;
    }
    if (t->ncells == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        char **v = realloc(t->cells, cap * sizeof(*v));
        if (!v) {
            free(text);
            d->oom = true;
            return;
        }
        t->cells = v;
        t->cap = cap;
    }
    t->cells[t->ncells++] = text;
}

static void
cellf(struct doc *d, struct table *t, const char *fmt, ...)
{
    struct buf b = {0};
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    cell_owned(d, t, buf_take(&b));
}

static void
cell(struct doc *d, struct table *t, const char *text)
{
    cellf(d, t, "%s", text);
}

/* --- the record ------------------------------------------------------ */

enum jt { J_STR, J_INT, J_BOOL, J_OBJ, J_ARR, J_COUNT /* integer, or array: its size */ };

struct spec {
    const char *key;
    enum jt type;
    bool required;
};

static bool
spec_ok(const json_t *o, const struct spec *s, size_t n)
{
    if (!json_is_object(o)) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        const json_t *v = json_object_get(o, s[i].key);
        bool ok;
        if (!v) {
            ok = !s[i].required;
        } else {
            switch (s[i].type) {
            case J_STR:
                ok = json_is_string(v);
                break;
            case J_INT:
                ok = json_is_integer(v);
                break;
            case J_BOOL:
                ok = json_is_boolean(v);
                break;
            case J_OBJ:
                ok = json_is_object(v);
                break;
            case J_ARR:
                ok = json_is_array(v);
                break;
            case J_COUNT:
                ok = json_is_integer(v) || json_is_array(v);
                break;
            default:
                ok = false;
            }
        }
        if (!ok) {
            return false;
        }
    }
    return true;
}

#define SPEC_OK(o, s) spec_ok((o), (s), sizeof(s) / sizeof((s)[0]))

static const struct spec top_spec[] = {
    {"format", J_STR, true},   {"lang", J_STR, false},        {"commission", J_OBJ, true},
    {"meeting", J_OBJ, true},  {"participants", J_ARR, true}, {"attendance", J_OBJ, false},
    {"proxies", J_ARR, false}, {"recusals", J_ARR, false},    {"agenda", J_ARR, true},
    {"votes", J_ARR, true},    {"minutes", J_ARR, true},      {"finalized", J_OBJ, true},
    {"chain", J_OBJ, true},    {"signing", J_OBJ, false},
};
static const struct spec commission_spec[] = {{"id", J_STR, false}, {"name", J_STR, true}};
static const struct spec meeting_spec[] = {
    {"id", J_STR, false},       {"title", J_STR, true}, {"date", J_STR, false},
    {"place", J_STR, false},    {"room", J_STR, false}, {"opened_at", J_INT, false},
    {"closed_at", J_INT, true},
};
static const struct spec participant_spec[] = {
    {"id", J_STR, true},
    {"name", J_STR, true},
    {"college", J_STR, false},
    {"role", J_STR, false},
    {"arrived", J_INT, false},
    {"left", J_INT, false},
    {"disconnections", J_INT, false},
    {"mark", J_STR, false},
    {"reason", J_STR, false},
    {"turns", J_INT, false},
    {"spoken", J_INT, false},
    {"periods", J_ARR, false},
    {"present_at_close", J_BOOL, false},
};
static const struct spec period_spec[] = {{"from", J_INT, true}, {"to", J_INT, true}};
static const struct spec attendance_spec[] = {
    {"colleges", J_OBJ, false}, {"quorum", J_OBJ, false}, {"at", J_INT, false}};
static const struct spec quorum_spec[] = {{"met", J_BOOL, true},
                                          {"present", J_INT, true},
                                          {"required", J_INT, true},
                                          {"failing", J_ARR, false}};
static const struct spec college_spec[] = {
    {"present", J_INT, true}, {"total", J_INT, true}, {"required", J_INT, true}};
static const struct spec proxy_spec[] = {
    {"from", J_STR, true},      {"to", J_STR, true},       {"given", J_INT, false},
    {"given_by", J_STR, false}, {"revoked", J_INT, false}, {"revoked_by", J_STR, false},
    {"used", J_ARR, false},
};
static const struct spec recusal_spec[] = {{"participant", J_STR, true}, {"item", J_STR, true}};
static const struct spec item_spec[] = {
    {"id", J_STR, true},         {"title", J_STR, true},  {"description", J_STR, false},
    {"presenter", J_STR, false}, {"kind", J_STR, false},  {"parent", J_STR, false},
    {"duration", J_INT, false},  {"state", J_STR, false}, {"actual", J_INT, false},
    {"documents", J_ARR, false},
};
static const struct spec document_spec[] = {
    {"sha256", J_STR, true}, {"name", J_STR, true},     {"format", J_STR, true},
    {"size", J_INT, true},   {"added", J_INT, false},   {"removed", J_BOOL, false},
};
static const struct spec vote_spec[] = {
    {"id", J_STR, true},
    {"item", J_STR, false},
    {"question", J_STR, true},
    {"kind", J_STR, false},
    {"options", J_ARR, true},
    {"mode", J_STR, false},
    {"rule", J_STR, false},
    {"share_num", J_INT, false},
    {"share_den", J_INT, false},
    {"state", J_STR, true},
    {"opened_at", J_INT, false},
    {"closed_at", J_INT, false},
    {"entitled", J_COUNT, false},
    {"present_open", J_COUNT, false},
    {"present_close", J_COUNT, false},
    {"voted", J_COUNT, false},
    {"quorum_open", J_BOOL, false},
    {"quorum_close", J_BOOL, false},
    {"counts", J_ARR, true},
    {"colleges", J_ARR, false},
    {"college_counts", J_ARR, false},
    {"college_passed", J_ARR, false},
    {"small_colleges", J_ARR, false},
    {"passed", J_BOOL, false},
    {"winner", J_STR, false},
    {"ballots", J_ARR, false},
};
static const struct spec ballot_spec[] = {
    {"voter", J_STR, true}, {"by", J_STR, false}, {"choice", J_STR, true}};
static const struct spec minute_spec[] = {
    {"ts", J_INT, true},   {"item", J_STR, false},  {"source", J_STR, false},
    {"text", J_STR, true}, {"entry", J_STR, false}, {"edited", J_BOOL, false},
};
static const struct spec by_at_spec[] = {{"by", J_STR, true}, {"at", J_INT, true}};
static const struct spec chain_spec[] = {{"events", J_INT, true}, {"head", J_STR, true}};

/* An id and its position, sorted by id for lookups. */
struct key {
    const char *id;
    size_t i;
};

struct rec {
    json_t *root; /* borrowed: the caller's */
    json_t *commission, *meeting, *parts, *agenda, *votes, *minutes, *proxies, *recusals;
    json_t *attendance, *finalized, *approved, *chain, *signing;
    enum lang lang;
    int offset; /* minutes east of UTC of every time shown */
    bool has_offset;
    struct key *pkeys, *akeys; /* participants, agenda items */
    size_t np, na;
    char (*num)[32]; /* the agenda numbers: "2", "2.1" */
};

static const char *
rec_word(const struct rec *r, enum word w)
{
    return words_get(r->lang, w);
}

static const char *
get_str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

static long long
clamp(json_int_t v)
{
    return v < 0 ? 0 : v > NUM_MAX ? NUM_MAX : (long long)v;
}

static long long
get_num(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    if (json_is_array(v)) {
        return clamp((json_int_t)json_array_size(v));
    }
    return clamp(json_integer_value(v));
}

static bool
get_bool(const json_t *o, const char *key)
{
    return json_is_true(json_object_get(o, key));
}

static long long
add_sat(long long a, long long b)
{
    return a > LLONG_MAX - b ? LLONG_MAX : a + b;
}

static bool
all_of(const json_t *a, int (*is)(const json_t *))
{
    size_t i;
    const json_t *v;
    json_array_foreach(a, i, v)
    {
        if (!is(v)) {
            return false;
        }
    }
    return true;
}

static int
is_string(const json_t *v)
{
    return json_is_string(v);
}

static int
is_integer(const json_t *v)
{
    return json_is_integer(v);
}

static bool
each_ok(const json_t *a, const struct spec *s, size_t n)
{
    size_t i;
    const json_t *v;
    json_array_foreach(a, i, v)
    {
        if (!spec_ok(v, s, n)) {
            return false;
        }
    }
    return true;
}

#define EACH_OK(a, s) each_ok((a), (s), sizeof(s) / sizeof((s)[0]))

static bool
vote_ok(const json_t *v)
{
    const json_t *options = json_object_get(v, "options");
    const json_t *counts = json_object_get(v, "counts");
    const json_t *colleges = json_object_get(v, "colleges");
    const json_t *cc = json_object_get(v, "college_counts");
    const json_t *ballots = json_object_get(v, "ballots");
    size_t no = json_array_size(options), nc = json_array_size(colleges);
    /* a vote never closed (prepared, cancelled) has no counts yet */
    if (!SPEC_OK(v, vote_spec) || !all_of(options, is_string) || !all_of(counts, is_integer) ||
        (json_array_size(counts) != no && json_array_size(counts) != 0) ||
        !all_of(colleges, is_string) || !all_of(cc, is_integer) ||
        (ballots && !EACH_OK(ballots, ballot_spec))) {
        return false;
    }
    /* row-major, one row per college; none at all is allowed */
    return json_array_size(cc) == 0 ||
           (nc <= SIZE_MAX / (no ? no : 1) && json_array_size(cc) == nc * no);
}

static bool
hex_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 128) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) {
            return false;
        }
    }
    return true;
}

static int
cmp_key(const void *a, const void *b)
{
    const struct key *x = a, *y = b;
    int c = strcmp(x->id, y->id);
    return c ? c : (x->i > y->i) - (x->i < y->i);
}

/* Sorted keys of `field` over the objects of `a` (new); NULL when out of memory. */
static struct key *
keys_build(const json_t *a, const char *field, size_t *n)
{
    *n = json_array_size(a);
    struct key *v = malloc((*n ? *n : 1) * sizeof(*v));
    if (!v) {
        return NULL;
    }
    for (size_t i = 0; i < *n; i++) {
        v[i].id = get_str(json_array_get(a, i), field);
        v[i].i = i;
    }
    qsort(v, *n, sizeof(*v), cmp_key);
    return v;
}

/* Position of the first object with `id`, or -1. */
static long
keys_find(const struct key *v, size_t n, const char *id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(v[mid].id, id) < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo < n && strcmp(v[lo].id, id) == 0 ? (long)v[lo].i : -1;
}

static const json_t *
participant(const struct rec *r, const char *id)
{
    long i = keys_find(r->pkeys, r->np, id);
    return i < 0 ? NULL : json_array_get(r->parts, (size_t)i);
}

/* The participant's name, or the id itself when unknown. */
static const char *
name_of(const struct rec *r, const char *id)
{
    const json_t *p = participant(r, id);
    return p ? get_str(p, "name") : id[0] ? id : "—";
}

static long
item_index(const struct rec *r, const char *id)
{
    return id[0] ? keys_find(r->akeys, r->na, id) : -1;
}

/* "YYYY-MM-DD[Thh:mm[:ss[.fff]]][Z|+hh:mm|-hh:mm]" */
struct date {
    bool ok, has_time, has_offset;
    int y, mo, d, h, mi, offset;
};

static bool
digits(const char *s, int n, int *out)
{
    *out = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return false;
        }
        *out = *out * 10 + (s[i] - '0');
    }
    return true;
}

static struct date
date_parse(const char *s)
{
    struct date t = {0};
    size_t n = strlen(s);
    if (n < 10 || !digits(s, 4, &t.y) || s[4] != '-' || !digits(s + 5, 2, &t.mo) || s[7] != '-' ||
        !digits(s + 8, 2, &t.d) || t.mo < 1 || t.mo > 12 || t.d < 1 || t.d > 31) {
        return t;
    }
    const char *p = s + 10;
    if (*p == 'T' || *p == ' ') {
        if (!digits(p + 1, 2, &t.h) || p[3] != ':' || !digits(p + 4, 2, &t.mi) || t.h > 23 ||
            t.mi > 59) {
            return t;
        }
        t.has_time = true;
        p += 6;
        int sec;
        if (*p == ':' && digits(p + 1, 2, &sec)) {
            p += 3;
            if (*p == '.') {
                do {
                    p++;
                } while (*p >= '0' && *p <= '9');
            }
        }
        if (*p == 'Z') {
            t.has_offset = true;
            p++;
        } else if (*p == '+' || *p == '-') {
            int oh, om;
            if (!digits(p + 1, 2, &oh) || p[3] != ':' || !digits(p + 4, 2, &om) || oh > 18 ||
                om > 59) {
                return t;
            }
            t.has_offset = true;
            t.offset = (*p == '-' ? -1 : 1) * (oh * 60 + om);
            p += 6;
        }
    }
    t.ok = *p == 0;
    return t;
}

/* Days since 1970-01-01 of a proleptic Gregorian date, and back
 * (H. Hinnant's algorithms, exact for every int64 range used here). */
static long long
days_from_civil(long long y, unsigned m, unsigned d)
{
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long long)doe - 719468;
}

struct when {
    long long y;
    int mo, d, h, mi, s, wd; /* wd: 0 Sunday */
};

static struct when
civil(const struct rec *r, long long ms)
{
    struct when w;
    long long secs = ms / 1000 + (long long)r->offset * 60;
    long long z = (secs >= 0 ? secs : secs - 86399) / 86400;
    long long rem = secs - z * 86400;
    w.h = (int)(rem / 3600);
    w.mi = (int)(rem % 3600 / 60);
    w.s = (int)(rem % 60);
    w.wd = (int)(((z % 7) + 11) % 7); /* 1970-01-01 was a Thursday */
    z += 719468;
    long long era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    w.d = (int)(doy - (153 * mp + 2) / 5 + 1);
    w.mo = (int)(mp < 10 ? mp + 3 : mp - 9);
    w.y = (long long)yoe + era * 400 + (w.mo <= 2);
    return w;
}

/* "mardi 2 février 2021", "lundi 1er mars 2021", "Tuesday 2 February 2021". */
static void
fmt_day(const struct rec *r, long long y, int mo, int d, int wd, char *out, size_t len)
{
    snprintf(out, len, "%s %d%s %s %lld", weekdays[wd][r->lang], d,
             r->lang == FR && d == 1 ? "er" : "", words_month(r->lang, mo), y);
}

/* "09:32", or "—" for 0 (never). */
static void
fmt_time(const struct rec *r, long long ms, char *out, size_t len)
{
    if (ms <= 0) {
        snprintf(out, len, "—");
        return;
    }
    struct when w = civil(r, ms);
    snprintf(out, len, "%02d:%02d", w.h, w.mi);
}

/* "mardi 2 février 2021 à 12:15" */
static void
fmt_datetime(const struct rec *r, long long ms, char *out, size_t len)
{
    char day[96], hm[16];
    if (ms <= 0) {
        snprintf(out, len, "—");
        return;
    }
    struct when w = civil(r, ms);
    fmt_day(r, w.y, w.mo, w.d, w.wd, day, sizeof(day));
    fmt_time(r, ms, hm, sizeof(hm));
    snprintf(out, len, rec_word(r, W_DATE_AT), day, hm);
}

/* "2 h 05 min", "38 min 12 s", "40 min", "45 s" */
static void
fmt_duration(long long ms, char *out, size_t len)
{
    long long s = ms / 1000 + (ms % 1000 >= 500);
    if (s >= 3600) {
        snprintf(out, len, "%lld h %02lld min", s / 3600, s % 3600 / 60);
    } else if (s >= 60 && s % 60) {
        snprintf(out, len, "%lld min %02lld s", s / 60, s % 60);
    } else if (s >= 60) {
        snprintf(out, len, "%lld min", s / 60);
    } else {
        snprintf(out, len, "%lld s", s);
    }
}

/* 12345 as "12 345" (no-break space) or "12,345". */
static void
fmt_count(const struct rec *r, long long v, char *out, size_t len)
{
    char digits_[32], tmp[64];
    int n = snprintf(digits_, sizeof(digits_), "%lld", v);
    const char *sep = r->lang == FR ? "\xc2\xa0" : ",";
    size_t k = 0;
    for (int i = 0; i < n && k + 4 < sizeof(tmp); i++) {
        if (i && (n - i) % 3 == 0) {
            for (const char *c = sep; *c; c++) {
                tmp[k++] = *c;
            }
        }
        tmp[k++] = digits_[i];
    }
    tmp[k] = 0;
    k = k < len ? k : len - 1;
    memcpy(out, tmp, k);
    out[k] = 0;
}

/* 12.5 as "12,5 %" or "12.5%". */
static void
fmt_share(const struct rec *r, long long part, long long whole, char *out, size_t len)
{
    double pct = whole > 0 ? (double)part * 100.0 / (double)whole : 0.0;
    long long tenths = (long long)(pct * 10.0 + 0.5);
    snprintf(out, len, r->lang == FR ? "%lld,%lld\xc2\xa0%%" : "%lld.%lld%%", tenths / 10,
             tenths % 10);
}

static const char *
role_word(const struct rec *r, const char *role)
{
    static const struct {
        const char *role;
        enum word w;
    } roles[] = {{"chair", W_CHAIR},
                 {"secretary", W_SECRETARY},
                 {"member", W_ROLE_MEMBER},
                 {"observer", W_OBSERVER},
                 {"admin", W_ADMIN}};
    for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
        if (strcmp(role, roles[i].role) == 0) {
            return rec_word(r, roles[i].w);
        }
    }
    return role;
}

/* Check the record and index it. 0, ERR_INVALID or ERR_NOMEM. */
static int
rec_open(struct rec *r, json_t *root)
{
    memset(r, 0, sizeof(*r));
    r->root = root;
    if (!SPEC_OK(root, top_spec) || strcmp(get_str(root, "format"), "concerto-record/1") != 0) {
        return ERR_INVALID;
    }
    const char *lang = get_str(root, "lang");
    if (strcmp(lang, "en") == 0) {
        r->lang = EN;
    } else if (lang[0] && strcmp(lang, "fr") != 0) {
        return ERR_INVALID;
    }
    r->commission = json_object_get(root, "commission");
    r->meeting = json_object_get(root, "meeting");
    r->parts = json_object_get(root, "participants");
    r->agenda = json_object_get(root, "agenda");
    r->votes = json_object_get(root, "votes");
    r->minutes = json_object_get(root, "minutes");
    r->proxies = json_object_get(root, "proxies");
    r->recusals = json_object_get(root, "recusals");
    r->attendance = json_object_get(root, "attendance");
    r->finalized = json_object_get(root, "finalized");
    r->approved = json_object_get(root, "approved");
    r->chain = json_object_get(root, "chain");
    r->signing = json_object_get(root, "signing");
    if (!SPEC_OK(r->commission, commission_spec) || !SPEC_OK(r->meeting, meeting_spec) ||
        !EACH_OK(r->parts, participant_spec) || !EACH_OK(r->agenda, item_spec) ||
        !EACH_OK(r->minutes, minute_spec) || !EACH_OK(r->proxies, proxy_spec) ||
        !EACH_OK(r->recusals, recusal_spec) || !SPEC_OK(r->finalized, by_at_spec) ||
        !SPEC_OK(r->chain, chain_spec) || !hex_ok(get_str(r->chain, "head")) ||
        (r->approved && !json_is_null(r->approved) && !SPEC_OK(r->approved, by_at_spec))) {
        return ERR_INVALID;
    }
    if (r->attendance) {
        const json_t *q = json_object_get(r->attendance, "quorum");
        const json_t *colleges = json_object_get(r->attendance, "colleges");
        const char *k;
        const json_t *c;
        if (!SPEC_OK(r->attendance, attendance_spec) || (q && !SPEC_OK(q, quorum_spec))) {
            return ERR_INVALID;
        }
        json_object_foreach((json_t *)colleges, k, c)
        {
            if (!SPEC_OK(c, college_spec)) {
                return ERR_INVALID;
            }
        }
    }
    size_t i;
    const json_t *v;
    json_array_foreach(r->votes, i, v)
    {
        if (!vote_ok(v)) {
            return ERR_INVALID;
        }
    }
    json_array_foreach(r->agenda, i, v)
    {
        const json_t *docs = json_object_get(v, "documents");
        if (docs && !EACH_OK(docs, document_spec)) {
            return ERR_INVALID;
        }
    }
    json_array_foreach(r->parts, i, v)
    {
        const json_t *periods = json_object_get(v, "periods");
        if (periods && !EACH_OK(periods, period_spec)) {
            return ERR_INVALID;
        }
    }
    json_array_foreach(r->proxies, i, v)
    {
        const json_t *used = json_object_get(v, "used");
        if (used && !all_of(used, is_string)) {
            return ERR_INVALID;
        }
    }
    if (r->attendance) {
        const json_t *failing =
            json_object_get(json_object_get(r->attendance, "quorum"), "failing");
        if (failing && !all_of(failing, is_string)) {
            return ERR_INVALID;
        }
    }
    struct date d = date_parse(get_str(r->meeting, "date"));
    r->has_offset = d.ok && d.has_offset;
    r->offset = r->has_offset ? d.offset : 0;

    r->pkeys = keys_build(r->parts, "id", &r->np);
    r->akeys = keys_build(r->agenda, "id", &r->na);
    r->num = malloc((r->na ? r->na : 1) * sizeof(*r->num));
    if (!r->pkeys || !r->akeys || !r->num) {
        return ERR_NOMEM;
    }
    /* Number the agenda: top-level items 1, 2 ...; sub-items 2.1, 2.2 ... */
    int *subs = calloc(r->na ? r->na : 1, sizeof(*subs));
    if (!subs) {
        return ERR_NOMEM;
    }
    int top = 0;
    for (i = 0; i < r->na; i++) {
        const char *parent = get_str(json_array_get(r->agenda, i), "parent");
        long p = item_index(r, parent);
        if (p < 0 || (size_t)p >= i) {
            snprintf(r->num[i], sizeof(r->num[i]), "%d", ++top);
        } else {
            char up[16];
            snprintf(up, sizeof(up), "%.12s", r->num[p]);
            snprintf(r->num[i], sizeof(r->num[i]), "%s.%d", up, ++subs[p]);
        }
    }
    free(subs);
    return 0;
}

static void
rec_close(struct rec *r)
{
    free(r->pkeys);
    free(r->akeys);
    free(r->num);
}

/* --- what the procès-verbal says, in order --------------------------- */

static bool
is_member(const json_t *p)
{
    return strcmp(get_str(p, "role"), "member") == 0;
}

enum presence { PRESENT, EXCUSED, ABSENT, NOT_LISTED };

static enum presence
presence(const json_t *p)
{
    const char *mark = get_str(p, "mark");
    if (strcmp(mark, "excused") == 0) {
        return EXCUSED;
    }
    if (strcmp(mark, "absent") == 0) {
        return ABSENT;
    }
    if (strcmp(mark, "present") == 0 || get_num(p, "arrived") > 0 ||
        json_array_size(json_object_get(p, "periods")) > 0) {
        return PRESENT;
    }
    /* an observer who did not come is not part of the body */
    return strcmp(get_str(p, "role"), "observer") == 0 ? NOT_LISTED : ABSENT;
}

/* The colleges in roster order (new array of borrowed strings). */
static const char **
colleges_of(const struct rec *r, size_t *n)
{
    size_t np = json_array_size(r->parts);
    const char **v = malloc((np ? np : 1) * sizeof(*v));
    *n = 0;
    for (size_t i = 0; v && i < np; i++) {
        const char *c = get_str(json_array_get(r->parts, i), "college");
        size_t k = 0;
        while (c[0] && k < *n && strcmp(v[k], c) != 0) {
            k++;
        }
        if (c[0] && k == *n) {
            v[(*n)++] = c;
        }
    }
    return v;
}

static void
heading(struct doc *d, const struct rec *r)
{
    const char *title = get_str(r->meeting, "title");
    const char *place = get_str(r->meeting, "place"), *room = get_str(r->meeting, "room");
    const char *date = get_str(r->meeting, "date");
    long long opened = get_num(r->meeting, "opened_at"), closed = get_num(r->meeting, "closed_at");
    struct date t = date_parse(date);
    char day[128], hm[16], when[160], a[16], b[16], dur[48];

    doc_add(d, BK_PARA, ST_KICKER, get_str(r->commission, "name"));
    doc_add(d, BK_H1, ST_NORMAL, title[0] ? title : rec_word(r, W_PV));
    if (t.ok) {
        fmt_day(r, t.y, t.mo, t.d,
                (int)(((days_from_civil(t.y, (unsigned)t.mo, (unsigned)t.d) % 7) + 11) % 7), day,
                sizeof(day));
        snprintf(hm, sizeof(hm), "%02d:%02d", t.h, t.mi);
        if (t.has_time) {
            snprintf(when, sizeof(when), rec_word(r, W_DATE_AT), day, hm);
        } else {
            snprintf(when, sizeof(when), "%s", day);
        }
        doc_addf(d, BK_PARA, ST_STRONG, rec_word(r, W_MEETING_OF), when);
    } else if (date[0]) {
        doc_addf(d, BK_PARA, ST_STRONG, rec_word(r, W_MEETING_OF), date);
    } else if (opened > 0) {
        struct when w = civil(r, opened);
        fmt_day(r, w.y, w.mo, w.d, w.wd, day, sizeof(day));
        doc_addf(d, BK_PARA, ST_STRONG, rec_word(r, W_MEETING_OF), day);
    }
    if (place[0]) {
        doc_addf(d, BK_PARA, ST_NORMAL, "%s%s%s", rec_word(r, W_PLACE), rec_word(r, W_SEP), place);
    }
    if (room[0]) {
        doc_addf(d, BK_PARA, ST_NORMAL, "%s%s%s", rec_word(r, W_ROOM), rec_word(r, W_SEP), room);
    }
    if (opened > 0 && closed >= opened) {
        fmt_time(r, opened, a, sizeof(a));
        fmt_time(r, closed, b, sizeof(b));
        fmt_duration(closed - opened, dur, sizeof(dur));
        doc_addf(d, BK_PARA, ST_NORMAL, rec_word(r, W_SESSION), a, b, dur);
    }
    if (r->has_offset && r->offset) {
        snprintf(hm, sizeof(hm), "%c%02d:%02d", r->offset < 0 ? '-' : '+', abs(r->offset) / 60,
                 abs(r->offset) % 60);
        doc_addf(d, BK_PARA, ST_META, rec_word(r, W_TZ_LOCAL), hm);
    } else {
        doc_add(d, BK_PARA, ST_META, rec_word(r, W_TZ_UTC));
    }
}

/* The proxies `holder` holds, as "pouvoir de A, pouvoir de B" (appended). */
static void
proxies_held(const struct rec *r, const char *holder, struct buf *b)
{
    size_t i;
    const json_t *x;
    json_array_foreach(r->proxies, i, x)
    {
        if (strcmp(get_str(x, "to"), holder) == 0 && get_num(x, "revoked") == 0) {
            if (b->len) {
                buf_puts(b, ", ");
            }
            buf_printf(b, rec_word(r, W_HOLDS), name_of(r, get_str(x, "from")));
        }
    }
}

/* "18:02–19:40, 19:45–clôture": every presence period (appended). Records
 * made before periods were kept show the first arrival and last departure. */
static void
periods_text(const struct rec *r, const json_t *p, struct buf *b)
{
    const json_t *periods = json_object_get(p, "periods");
    char from[16], to[16];
    size_t i;
    const json_t *x;
    if (!periods) {
        fmt_time(r, get_num(p, "arrived"), from, sizeof(from));
        fmt_time(r, get_num(p, "left"), to, sizeof(to));
        buf_printf(b, rec_word(r, W_PERIOD), get_num(p, "arrived") ? from : "",
                   get_num(p, "left") ? to : rec_word(r, W_UNTIL_CLOSE));
        return;
    }
    json_array_foreach(periods, i, x)
    {
        fmt_time(r, get_num(x, "from"), from, sizeof(from));
        fmt_time(r, get_num(x, "to"), to, sizeof(to));
        if (i) {
            buf_puts(b, ", ");
        }
        buf_printf(b, rec_word(r, W_PERIOD), from, get_num(x, "to") ? to : rec_word(r, W_UNTIL_CLOSE));
    }
    if (json_array_size(periods) == 0) {
        buf_puts(b, "—"); /* in the room, marked present, never connected */
    }
}

static bool
present_at_close(const json_t *p)
{
    const json_t *v = json_object_get(p, "present_at_close");
    return v ? json_is_true(v) : get_num(p, "arrived") > 0 && get_num(p, "left") == 0;
}

static void
present_table(struct doc *d, const struct rec *r, const char *college)
{
    struct table *t = NULL;
    size_t i;
    const json_t *p;
    json_array_foreach(r->parts, i, p)
    {
        if (strcmp(get_str(p, "college"), college) != 0 || presence(p) != PRESENT) {
            continue;
        }
        if (!t) {
            if (college[0]) {
                doc_addf(d, BK_H3, ST_NORMAL, rec_word(r, W_COLLEGE), college);
            } else {
                doc_add(d, BK_H3, ST_NORMAL, rec_word(r, W_OTHERS));
            }
            t = doc_table(d, 4, true);
            if (!t) {
                return;
            }
            cell(d, t, rec_word(r, W_NAME));
            cell(d, t, rec_word(r, W_PRESENCE));
            cell(d, t, rec_word(r, W_AT_CLOSE));
            cell(d, t, rec_word(r, W_NOTES));
        }
        struct buf notes = {0}, when = {0};
        if (!is_member(p)) {
            buf_puts(&notes, role_word(r, get_str(p, "role")));
        }
        if (strcmp(get_str(p, "mark"), "present") == 0) {
            buf_printf(&notes, "%s%s", notes.len ? ", " : "", rec_word(r, W_CHECKED_IN));
        }
        proxies_held(r, get_str(p, "id"), &notes);
        periods_text(r, p, &when);
        cell(d, t, get_str(p, "name"));
        cell_owned(d, t, buf_take(&when));
        cell(d, t, rec_word(r, present_at_close(p) ? W_STAYED : W_GONE));
        cell_owned(d, t, buf_take(&notes));
    }
}

/* One paragraph per college: "Collège bailleurs : A (reason), B." */
static void
names_by_college(struct doc *d, const struct rec *r, enum presence which, const char **colleges,
                 size_t ncolleges)
{
    bool any = false;
    for (size_t c = 0; c <= ncolleges; c++) {
        const char *college = c < ncolleges ? colleges[c] : "";
        struct buf b = {0};
        size_t i, n = 0;
        const json_t *p;
        if (college[0]) {
            buf_printf(&b, rec_word(r, W_COLLEGE), college);
        } else {
            buf_puts(&b, rec_word(r, W_OTHERS));
        }
        buf_puts(&b, rec_word(r, W_SEP));
        json_array_foreach(r->parts, i, p)
        {
            if (strcmp(get_str(p, "college"), college) != 0 || presence(p) != which) {
                continue;
            }
            buf_printf(&b, "%s%s", n++ ? ", " : "", get_str(p, "name"));
            const char *reason = get_str(p, "reason");
            if (!is_member(p) && reason[0]) {
                buf_printf(&b, " (%s, %s)", role_word(r, get_str(p, "role")), reason);
            } else if (!is_member(p)) {
                buf_printf(&b, " (%s)", role_word(r, get_str(p, "role")));
            } else if (reason[0]) {
                buf_printf(&b, " (%s)", reason);
            }
        }
        if (n) {
            buf_puts(&b, ".");
            doc_add_owned(d, BK_PARA, ST_NORMAL, buf_take(&b));
            any = true;
        } else {
            free(buf_take(&b));
        }
    }
    if (!any) {
        doc_add(d, BK_PARA, ST_NORMAL, rec_word(r, W_NOBODY));
    }
}

static void
attendance(struct doc *d, const struct rec *r)
{
    size_t ncolleges;
    const char **colleges = colleges_of(r, &ncolleges);
    if (!colleges) {
        d->oom = true;
        return;
    }
    size_t before = d->n;
    doc_add(d, BK_H2, ST_NORMAL, rec_word(r, W_PRESENT));
    for (size_t c = 0; c <= ncolleges; c++) {
        present_table(d, r, c < ncolleges ? colleges[c] : "");
    }
    if (d->n == before + 1) {
        doc_add(d, BK_PARA, ST_NORMAL, rec_word(r, W_NOBODY));
    }
    const json_t *q = json_object_get(r->attendance, "quorum");
    if (q) {
        const json_t *cq = json_object_get(r->attendance, "colleges");
        long long *cp = calloc(ncolleges + 1, sizeof(*cp)),
                  *cr = calloc(ncolleges + 1, sizeof(*cr));
        const char **names = calloc(ncolleges + 1, sizeof(*names));
        size_t n = 0;
        char text[4096], at[160];
        if (!cp || !cr || !names) {
            d->oom = true;
        }
        for (size_t c = 0; !d->oom && c < ncolleges; c++) {
            const json_t *x = json_object_get(cq, colleges[c]);
            if (x) {
                names[n] = colleges[c];
                cp[n] = get_num(x, "present");
                cr[n++] = get_num(x, "required");
            }
        }
        if (!d->oom) {
            struct words_quorum wq = {.present = get_num(q, "present"),
                                      .required = get_num(q, "required"),
                                      .n = n,
                                      .colleges = names,
                                      .cpresent = cp,
                                      .crequired = cr};
            if (get_num(r->attendance, "at") > 0) {
                fmt_time(r, get_num(r->attendance, "at"), at, sizeof(at));
                doc_addf(d, BK_PARA, ST_META, rec_word(r, W_ATTENDANCE_AT), at);
            }
            words_quorum(r->lang, get_bool(q, "met") ? W_Q_CLOSE_MET : W_Q_CLOSE_NOT_MET, &wq, text,
                         sizeof(text));
            doc_add(d, BK_PARA, ST_NORMAL, text);
        }
        for (size_t c = 0; !d->oom && c < n; c++) {
            const json_t *x = json_object_get(cq, names[c]);
            char name[256], count[96];
            snprintf(name, sizeof(name), rec_word(r, W_COLLEGE), names[c]);
            words_count(r->lang, W_Q_PRESENT_1, cp[c], count, sizeof(count));
            doc_addf(d, BK_PARA, ST_META, rec_word(r, W_QUORUM_COLLEGE), name, count, get_num(x, "total"),
                     cr[c], rec_word(r, cp[c] >= cr[c] ? W_MET_PAREN : W_NOT_MET));
        }
        free(cp);
        free(cr);
        free(names);
    }
    doc_add(d, BK_H2, ST_NORMAL, rec_word(r, W_EXCUSED));
    names_by_college(d, r, EXCUSED, colleges, ncolleges);
    doc_add(d, BK_H2, ST_NORMAL, rec_word(r, W_ABSENT));
    names_by_college(d, r, ABSENT, colleges, ncolleges);
    free(colleges);
}

/* "18:05", or "18:05 (secrétariat)" when someone else than the giver acted
 * (appended). */
static void
when_by(const struct rec *r, const json_t *x, const char *at, const char *by, struct buf *b)
{
    char hm[16];
    const char *who = get_str(x, by);
    const json_t *actor = participant(r, who);
    if (get_num(x, at) == 0) {
        buf_puts(b, "—"); /* a record made before proxies had their history */
        return;
    }
    fmt_time(r, get_num(x, at), hm, sizeof(hm));
    if (who[0] && strcmp(who, get_str(x, "from")) != 0) {
        buf_printf(b, rec_word(r, W_BY_ROLE), hm,
                   actor && !is_member(actor) ? role_word(r, get_str(actor, "role")) : name_of(r, who));
    } else {
        buf_puts(b, hm);
    }
}

static const json_t *
vote_by_id(const struct rec *r, const char *id)
{
    size_t i;
    const json_t *v;
    json_array_foreach(r->votes, i, v)
    {
        if (id && strcmp(get_str(v, "id"), id) == 0) {
            return v;
        }
    }
    return NULL;
}

static void
proxies_and_recusals(struct doc *d, const struct rec *r)
{
    size_t i;
    const json_t *x;
    doc_add(d, BK_H2, ST_NORMAL, rec_word(r, W_PROXIES));
    if (json_array_size(r->proxies) == 0) {
        doc_add(d, BK_PARA, ST_NORMAL, rec_word(r, W_NO_PROXY));
    } else {
        /* every proxy of the meeting, revoked or not: a proxy exercised and
         * then revoked still carried those ballots */
        struct table *t = doc_table(d, 5, true);
        cell(d, t, rec_word(r, W_GIVER));
        cell(d, t, rec_word(r, W_HOLDER));
        cell(d, t, rec_word(r, W_GIVEN));
        cell(d, t, rec_word(r, W_USED));
        cell(d, t, rec_word(r, W_REVOKED));
        json_array_foreach(r->proxies, i, x)
        {
            const json_t *giver = participant(r, get_str(x, "from"));
            const json_t *used = json_object_get(x, "used");
            struct buf b = {0};
            size_t k;
            const json_t *u;
            if (giver && get_str(giver, "college")[0]) {
                cellf(d, t, "%s (%s)", name_of(r, get_str(x, "from")), get_str(giver, "college"));
            } else {
                cell(d, t, name_of(r, get_str(x, "from")));
            }
            cell(d, t, name_of(r, get_str(x, "to")));
            when_by(r, x, "given", "given_by", &b);
            cell_owned(d, t, buf_take(&b));
            json_array_foreach(used, k, u)
            {
                const json_t *v = vote_by_id(r, json_string_value(u));
                if (k) {
                    buf_puts(&b, ", ");
                }
                buf_printf(&b, rec_word(r, W_QUOTED), v ? get_str(v, "question") : json_string_value(u));
            }
            if (!b.len) {
                buf_puts(&b, rec_word(r, W_NOT_USED));
            }
            cell_owned(d, t, buf_take(&b));
            if (get_num(x, "revoked") > 0) {
                when_by(r, x, "revoked", "revoked_by", &b);
                cell_owned(d, t, buf_take(&b));
            } else {
                cell(d, t, rec_word(r, W_IN_FORCE));
            }
        }
    }
    doc_add(d, BK_H2, ST_NORMAL, rec_word(r, W_RECUSALS));
    if (json_array_size(r->recusals) == 0) {
        doc_add(d, BK_PARA, ST_NORMAL, rec_word(r, W_NO_RECUSAL));
    } else {
        struct table *t = doc_table(d, 2, true);
        cell(d, t, rec_word(r, W_MEMBER));
        cell(d, t, rec_word(r, W_ITEM));
        json_array_foreach(r->recusals, i, x)
        {
            long it = item_index(r, get_str(x, "item"));
            cell(d, t, name_of(r, get_str(x, "participant")));
            if (it >= 0) {
                cellf(d, t, rec_word(r, W_ITEM_REF), r->num[it],
                      get_str(json_array_get(r->agenda, (size_t)it), "title"));
            } else {
                cell(d, t, get_str(x, "item"));
            }
        }
    }
}

static const char *
kind_word(const struct rec *r, const char *kind)
{
    return strcmp(kind, "deliberation") == 0 ? rec_word(r, W_DELIBERATION)
           : strcmp(kind, "vote") == 0       ? rec_word(r, W_VOTE_KIND)
                                             : rec_word(r, W_INFORMATION);
}

static const char *
state_word(const struct rec *r, const char *state)
{
    return strcmp(state, "done") == 0        ? rec_word(r, W_DONE)
           : strcmp(state, "postponed") == 0 ? rec_word(r, W_POSTPONED)
           : strcmp(state, "current") == 0   ? rec_word(r, W_CURRENT)
                                             : rec_word(r, W_PENDING);
}

static void
agenda(struct doc *d, const struct rec *r)
{
    size_t i;
    const json_t *it;
    char planned[48], actual[48];
    doc_add(d, BK_H2, ST_NORMAL, rec_word(r, W_AGENDA));
    if (r->na == 0) {
        doc_add(d, BK_PARA, ST_NORMAL, rec_word(r, W_NO_AGENDA));
        return;
    }
    struct table *t = doc_table(d, 7, true);
    if (t) {
        t->right = 0x30;
    }
    const enum word head[] = {W_NUM, W_ITEM, W_KIND, W_PRESENTER, W_PLANNED, W_ACTUAL, W_STATE};
    for (size_t c = 0; c < 7; c++) {
        cell(d, t, rec_word(r, head[c]));
    }
    json_array_foreach(r->agenda, i, it)
    {
        long long dur = get_num(it, "duration");
        fmt_duration(dur > NUM_MAX / 1000 ? NUM_MAX : dur * 1000, planned, sizeof(planned));
        fmt_duration(get_num(it, "actual"), actual, sizeof(actual));
        cell(d, t, r->num[i]);
        cell(d, t, get_str(it, "title"));
        cell(d, t, kind_word(r, get_str(it, "kind")));
        cell(d, t, get_str(it, "presenter"));
        cell(d, t, dur > 0 ? planned : "—");
        cell(d, t, get_num(it, "actual") > 0 ? actual : "—");
        cell(d, t, state_word(r, get_str(it, "state")));
    }
}

/* 2_400_000 bytes as "2,3 Mo" or "2.3 MB"; under 1 MiB in Ko / KB. */
static void
fmt_size(const struct rec *r, long long bytes, char *out, size_t len)
{
    bool fr = r->lang == FR;
    if (bytes < 1024) {
        snprintf(out, len, fr ? "%lld\xc2\xa0octets" : "%lld bytes", bytes);
    } else if (bytes < 1024 * 1024) {
        snprintf(out, len, fr ? "%lld\xc2\xa0Ko" : "%lld KB", (bytes + 512) / 1024);
    } else {
        long long tenths = (bytes * 10 + 512 * 1024) / (1024 * 1024);
        snprintf(out, len, fr ? "%lld,%lld\xc2\xa0Mo" : "%lld.%lld MB", tenths / 10, tenths % 10);
    }
}

/* The documents attached to the items, each with its SHA-256: which
 * version was on the table. No section when there are none. */
static void
documents(struct doc *d, const struct rec *r)
{
    size_t i, k, n = 0;
    const json_t *it, *x;
    json_array_foreach(r->agenda, i, it)
    {
        n += json_array_size(json_object_get(it, "documents"));
    }
    if (n == 0) {
        return;
    }
    doc_add(d, BK_H2, ST_NORMAL, rec_word(r, W_DOCUMENTS));
    struct table *t = doc_table(d, 4, true);
    const enum word head[] = {W_NUM, W_DOCUMENT, W_FORMAT, W_SHA256};
    for (size_t c = 0; c < 4; c++) {
        cell(d, t, rec_word(r, head[c]));
    }
    json_array_foreach(r->agenda, i, it)
    {
        json_array_foreach(json_object_get(it, "documents"), k, x)
        {
            char size[48], fmt[24], *name;
            const char *f = get_str(x, "format");
            size_t j = 0;
            for (; f[j] && j + 1 < sizeof(fmt); j++) {
                fmt[j] = (f[j] >= 'a' && f[j] <= 'z') ? (char)(f[j] - 'a' + 'A') : f[j];
            }
            fmt[j] = 0;
            fmt_size(r, clamp(get_num(x, "size")), size, sizeof(size));
            char *format = str_printf("%s, %s", fmt, size);
            if (json_is_true(json_object_get(x, "removed"))) {
                name = str_printf("%s — %s %s", get_str(it, "title"), get_str(x, "name"),
                                  rec_word(r, W_DOC_REMOVED));
            } else {
                name = str_printf("%s — %s", get_str(it, "title"), get_str(x, "name"));
            }
            d->oom = d->oom || !name || !format;
            cell(d, t, r->num[i]);
            cell(d, t, name ? name : "");
            cell(d, t, format ? format : "");
            cell(d, t, get_str(x, "sha256"));
            free(name);
            free(format);
        }
    }
}

static const char *
option_word(const struct rec *r, const json_t *v, size_t o)
{
    const json_t *options = json_object_get(v, "options");
    const char *opt = json_string_value(json_array_get(options, o));
    bool yesno = strcmp(get_str(v, "kind"), "choice") != 0;
    if (yesno || o + 1 == json_array_size(options)) {
        if (strcmp(opt, "yes") == 0) {
            return rec_word(r, W_YES);
        }
        if (strcmp(opt, "no") == 0) {
            return rec_word(r, W_NO);
        }
        if (strcmp(opt, "abstain") == 0) {
            return rec_word(r, W_ABSTAIN);
        }
    }
    return opt;
}

static void
rule_text(const struct rec *r, const json_t *v, struct buf *b)
{
    const char *rule = get_str(v, "rule");
    bool choice = strcmp(get_str(v, "kind"), "choice") == 0;
    if (strcmp(rule, "absolute") == 0) {
        buf_puts(b, rec_word(r, choice ? W_ABSOLUTE_CAST : W_ABSOLUTE));
    } else if (strcmp(rule, "qualified") == 0) {
        buf_printf(b, rec_word(r, W_QUALIFIED), get_num(v, "share_num"), get_num(v, "share_den"));
    } else if (strcmp(rule, "double") == 0) {
        buf_puts(b, rec_word(r, W_DOUBLE));
    } else {
        buf_puts(b, rec_word(r, choice ? W_RELATIVE : W_SIMPLE));
    }
}

/* The vote's tables: how it was held, the counts, the outcome, the roll call. */
static void
vote_blocks(struct doc *d, const struct rec *r, const json_t *v)
{
    const json_t *options = json_object_get(v, "options");
    const json_t *counts = json_object_get(v, "counts");
    const json_t *colleges = json_object_get(v, "colleges");
    const json_t *cc = json_object_get(v, "college_counts");
    const json_t *ballots = json_object_get(v, "ballots");
    size_t no = json_array_size(options), nc = json_array_size(cc) ? json_array_size(colleges) : 0;
    bool secret = strcmp(get_str(v, "mode"), "secret") == 0;
    struct buf b = {0};

    size_t first = d->n;
    doc_addf(d, BK_PARA, ST_STRONG, rec_word(r, W_VOTE), get_str(v, "question"));
    struct table *t = doc_table(d, 2, false);
    cell(d, t, rec_word(r, W_MODE));
    cell(d, t, rec_word(r, secret ? W_SECRET : W_NAMED));
    cell(d, t, rec_word(r, W_RULE));
    rule_text(r, v, &b);
    cell_owned(d, t, buf_take(&b));
    cell(d, t, rec_word(r, W_VOTERS));
    {
        char entitled[96];
        words_count(r->lang, W_AUTO_ENTITLED_1, get_num(v, "entitled"), entitled, sizeof(entitled));
        cellf(d, t, rec_word(r, W_VOTERS_VALUE), get_num(v, "voted"), entitled);
    }
    cell(d, t, rec_word(r, W_QUORUM));
    {
        char po[96], pc[96];
        words_count(r->lang, W_Q_PRESENT_1, get_num(v, "present_open"), po, sizeof(po));
        words_count(r->lang, W_Q_PRESENT_1, get_num(v, "present_close"), pc, sizeof(pc));
        cellf(d, t, rec_word(r, W_QUORUM_VALUE), rec_word(r, get_bool(v, "quorum_open") ? W_MET : W_NOT_MET), po,
              rec_word(r, get_bool(v, "quorum_close") ? W_MET : W_NOT_MET), pc);
    }

    t = doc_table(d, 2 + nc, true);
    if (t) {
        t->right = ~(uint64_t)1;
    }
    cell(d, t, rec_word(r, W_OPTION));
    cell(d, t, rec_word(r, W_TOTAL));
    for (size_t c = 0; c < nc; c++) {
        cellf(d, t, rec_word(r, W_COLLEGE), json_string_value(json_array_get(colleges, c)));
    }
    for (size_t o = 0; o < no; o++) {
        cell(d, t, option_word(r, v, o));
        cellf(d, t, "%lld", clamp(json_integer_value(json_array_get(counts, o))));
        for (size_t c = 0; c < nc; c++) {
            cellf(d, t, "%lld", clamp(json_integer_value(json_array_get(cc, c * no + o))));
        }
    }

    if (strcmp(get_str(v, "kind"), "choice") == 0) {
        const char *winner = get_str(v, "winner");
        if (get_bool(v, "passed") && winner[0]) {
            buf_printf(&b, rec_word(r, W_WINNER), winner);
        } else {
            buf_puts(&b, rec_word(r, W_NO_WINNER));
        }
    } else {
        buf_puts(&b, rec_word(r, get_bool(v, "passed") ? W_ADOPTED : W_REJECTED));
    }
    if (!get_bool(v, "quorum_open")) {
        buf_printf(&b, " (%s)", rec_word(r, W_NO_QUORUM_OPEN));
    }
    char *outcome = buf_take(&b);
    doc_addf(d, BK_PARA, ST_STRONG, rec_word(r, W_RESULT), outcome ? outcome : "");
    d->oom = d->oom || !outcome;
    free(outcome);
    /* the double rule's outcome in each college; counts withheld for secrecy */
    const json_t *cp = json_object_get(v, "college_passed");
    if (json_array_size(cp) && json_array_size(cp) == json_array_size(colleges)) {
        for (size_t c = 0; c < json_array_size(cp); c++) {
            char one[300];
            snprintf(one, sizeof(one),
                     rec_word(r, json_integer_value(json_array_get(cp, c)) ? W_COLLEGE_FOR
                                                                   : W_COLLEGE_NOT_FOR),
                     json_string_value(json_array_get(colleges, c)));
            buf_printf(&b, "%s%s", c ? ", " : "", one);
        }
        char *each = buf_take(&b);
        doc_addf(d, BK_PARA, ST_NORMAL, rec_word(r, W_BY_COLLEGE_OUTCOMES), each ? each : "");
        d->oom = d->oom || !each;
        free(each);
    }
    if (json_array_size(colleges) && !json_array_size(cc)) {
        doc_add(d, BK_PARA, ST_META, rec_word(r, W_WITHHELD));
    }
    const json_t *small = json_object_get(v, "small_colleges");
    for (size_t c = 0; c < json_array_size(small); c++) {
        buf_printf(&b, "%s%s", c ? ", " : "", json_string_value(json_array_get(small, c)));
    }
    if (json_array_size(small)) {
        char *names = buf_take(&b);
        doc_addf(d, BK_PARA, ST_META, rec_word(r, W_AUTO_SMALL_COLLEGES), names ? names : "");
        d->oom = d->oom || !names;
        free(names);
    }
    if (!d->oom) {
        d->v[first].keep = d->n - first; /* the caption, both tables and the outcome */
    }

    if (secret) {
        doc_add(d, BK_PARA, ST_META, rec_word(r, W_SECRET_NOTE));
        return;
    }
    for (size_t o = 0; o < no; o++) {
        const char *opt = json_string_value(json_array_get(options, o));
        struct buf names = {0};
        size_t i;
        const json_t *x;
        json_array_foreach(ballots, i, x)
        {
            if (strcmp(get_str(x, "choice"), opt) != 0) {
                continue;
            }
            if (names.len) {
                buf_puts(&names, ", ");
            }
            if (get_str(x, "by")[0]) {
                buf_printf(&names, rec_word(r, W_CAST_BY), name_of(r, get_str(x, "voter")),
                           name_of(r, get_str(x, "by")));
            } else {
                buf_puts(&names, name_of(r, get_str(x, "voter")));
            }
        }
        char *list = buf_take(&names);
        if (list && list[0]) {
            doc_addf(d, BK_PARA, ST_META, rec_word(r, W_ROLL_CALL), option_word(r, v, o), list);
        }
        d->oom = d->oom || !list;
        free(list);
    }
}

/* Where a vote stands in the minutes: its close (or its cancellation). */
struct placed {
    long long ts;
    size_t i;
};

static int
cmp_placed(const void *a, const void *b)
{
    const struct placed *x = a, *y = b;
    if (x->ts != y->ts) {
        return (x->ts > y->ts) - (x->ts < y->ts);
    }
    return (x->i > y->i) - (x->i < y->i);
}

/* The sub-heading of agenda item `it` (its index; -1: outside the agenda),
 * with its presenter and description the first time. */
static void
group(struct doc *d, const struct rec *r, long it, bool *seen)
{
    if (it < 0) {
        doc_add(d, BK_H3, ST_NORMAL, rec_word(r, W_OUTSIDE));
        return;
    }
    const json_t *x = json_array_get(r->agenda, (size_t)it);
    char *ref = str_printf(rec_word(r, W_ITEM_REF), r->num[it], get_str(x, "title"));
    doc_addf(d, BK_H3, ST_NORMAL, "%s%s%s", ref ? ref : "", seen[it] ? " " : "",
             seen[it] ? rec_word(r, W_CONTINUED) : "");
    d->oom = d->oom || !ref;
    free(ref);
    if (!seen[it]) {
        const char *presenter = get_str(x, "presenter"), *desc = get_str(x, "description");
        if (presenter[0]) {
            doc_addf(d, BK_PARA, ST_META, rec_word(r, W_PRESENTED_BY), presenter);
        }
        if (desc[0]) {
            doc_add(d, BK_PARA, ST_META, desc);
        }
    }
    seen[it] = true;
}

static void
minutes(struct doc *d, const struct rec *r)
{
    size_t nm = json_array_size(r->minutes), nv = 0;
    struct placed *votes = malloc((json_array_size(r->votes) + 1) * sizeof(*votes));
    bool *seen = calloc(r->na + 1, sizeof(*seen));
    long current = -2; /* no group yet */
    char hm[16];
    size_t i;
    const json_t *v;
    if (!votes || !seen) {
        d->oom = true;
        goto fail;
    }
    json_array_foreach(r->votes, i, v)
    {
        const char *state = get_str(v, "state");
        long long at = get_num(v, "closed_at") ? get_num(v, "closed_at") : get_num(v, "opened_at");
        if (at > 0 && (strcmp(state, "closed") == 0 || strcmp(state, "published") == 0 ||
                       strcmp(state, "cancelled") == 0)) {
            votes[nv].ts = at;
            votes[nv++].i = i;
        }
    }
    qsort(votes, nv, sizeof(*votes), cmp_placed);

    doc_add(d, BK_H2, ST_NORMAL, rec_word(r, W_MINUTES));
    doc_add(d, BK_PARA, ST_META, rec_word(r, W_LEGEND));
    if (nm == 0 && nv == 0) {
        doc_add(d, BK_PARA, ST_NORMAL, rec_word(r, W_NO_MINUTES));
    }
    /*
     * Merge by time; at equal times the entry (the vote's own line) comes
     * first. A new item opens a group (again "continued" if it comes back).
     * What happens outside any item (the session opened, suspended or
     * closed, an item's closing, written once it is no longer current)
     * stays where it falls in time: only before the first item does it get
     * a heading of its own.
     */
    for (size_t m = 0, k = 0; !d->oom && (m < nm || k < nv);) {
        const json_t *e = m < nm ? json_array_get(r->minutes, m) : NULL;
        bool take_vote = k < nv && (!e || votes[k].ts < get_num(e, "ts"));
        const json_t *x = take_vote ? json_array_get(r->votes, votes[k].i) : e;
        long it = item_index(r, get_str(x, "item"));
        if (current == -2 || (it >= 0 && it != current)) {
            group(d, r, it, seen);
            current = it;
        }
        if (take_vote) {
            k++;
            if (strcmp(get_str(x, "state"), "cancelled") == 0) {
                doc_addf(d, BK_PARA, ST_META, rec_word(r, W_CANCELLED), get_str(x, "question"));
            } else {
                vote_blocks(d, r, x);
            }
            continue;
        }
        m++;
        bool automatic = strcmp(get_str(e, "source"), "auto") == 0;
        fmt_time(r, get_num(e, "ts"), hm, sizeof(hm));
        if (get_bool(e, "edited")) {
            char *text = str_printf("%s %s", get_str(e, "text"), rec_word(r, W_EDITED));
            doc_entry(d, automatic, hm, text ? text : "");
            d->oom = d->oom || !text;
            free(text);
        } else {
            doc_entry(d, automatic, hm, get_str(e, "text"));
        }
    }
fail:
    free(seen);
    free(votes);
}

static void
statistics(struct doc *d, const struct rec *r)
{
    size_t ncolleges, i;
    const json_t *p;
    long long total = 0, turns = 0;
    char dur[48], share[32], n[48];
    const char **colleges = colleges_of(r, &ncolleges);
    if (!colleges) {
        d->oom = true;
        return;
    }
    json_array_foreach(r->parts, i, p)
    {
        total = add_sat(total, get_num(p, "spoken"));
        turns = add_sat(turns, get_num(p, "turns"));
    }
    doc_add(d, BK_H2, ST_NORMAL, rec_word(r, W_STATS));
    if (turns == 0) {
        doc_add(d, BK_PARA, ST_NORMAL, rec_word(r, W_NO_TURNS));
        free(colleges);
        return;
    }
    doc_add(d, BK_H3, ST_NORMAL, rec_word(r, W_BY_PARTICIPANT));
    struct table *t = doc_table(d, 5, true);
    if (t) {
        t->right = 0x1c;
    }
    cell(d, t, rec_word(r, W_NAME));
    cell(d, t, rec_word(r, W_COLLEGE_COL));
    cell(d, t, rec_word(r, W_TURNS));
    cell(d, t, rec_word(r, W_TIME));
    cell(d, t, rec_word(r, W_SHARE));
    json_array_foreach(r->parts, i, p)
    {
        if (!is_member(p) && get_num(p, "turns") == 0) {
            continue;
        }
        const char *college = get_str(p, "college");
        fmt_duration(get_num(p, "spoken"), dur, sizeof(dur));
        fmt_share(r, get_num(p, "spoken"), total, share, sizeof(share));
        cell(d, t, get_str(p, "name"));
        cell(d, t, college[0] ? college : role_word(r, get_str(p, "role")));
        cellf(d, t, "%lld", get_num(p, "turns"));
        cell(d, t, dur);
        cell(d, t, share);
    }

    doc_add(d, BK_H3, ST_NORMAL, rec_word(r, W_BY_COLLEGE));
    t = doc_table(d, 5, true);
    if (t) {
        t->right = 0x1e;
    }
    cell(d, t, rec_word(r, W_COLLEGE_COL));
    cell(d, t, rec_word(r, W_MEMBERS));
    cell(d, t, rec_word(r, W_TURNS));
    cell(d, t, rec_word(r, W_TIME));
    cell(d, t, rec_word(r, W_SHARE));
    for (size_t c = 0; c <= ncolleges; c++) {
        const char *college = c < ncolleges ? colleges[c] : "";
        long long members = 0, ct = 0, cs = 0;
        json_array_foreach(r->parts, i, p)
        {
            if (strcmp(get_str(p, "college"), college) == 0) {
                members += is_member(p);
                ct = add_sat(ct, get_num(p, "turns"));
                cs = add_sat(cs, get_num(p, "spoken"));
            }
        }
        if (!college[0] && ct == 0) {
            continue;
        }
        fmt_duration(cs, dur, sizeof(dur));
        fmt_share(r, cs, total, share, sizeof(share));
        cell(d, t, college[0] ? college : rec_word(r, W_NO_COLLEGE));
        cellf(d, t, "%lld", members);
        cellf(d, t, "%lld", ct);
        cell(d, t, dur);
        cell(d, t, share);
    }
    fmt_duration(total, dur, sizeof(dur));
    fmt_count(r, turns, n, sizeof(n));
    doc_addf(d, BK_PARA, ST_NORMAL, rec_word(r, W_STATS_TOTAL), dur, n);
    free(colleges);
}

static void
closing(struct doc *d, const struct rec *r, const char *file)
{
    char when[160], n[48];
    size_t first = d->n;
    doc_add(d, BK_H2, ST_NORMAL, rec_word(r, W_CLOSING));
    fmt_datetime(r, get_num(r->finalized, "at"), when, sizeof(when));
    doc_addf(d, BK_PARA, ST_NORMAL, rec_word(r, W_FINALIZED), name_of(r, get_str(r->finalized, "by")), when);
    if (json_is_object(r->approved)) {
        fmt_datetime(r, get_num(r->approved, "at"), when, sizeof(when));
        doc_addf(d, BK_PARA, ST_NORMAL, rec_word(r, W_APPROVED), name_of(r, get_str(r->approved, "by")), when);
    } else {
        doc_add(d, BK_PARA, ST_NORMAL, rec_word(r, W_NOT_APPROVED));
    }
    fmt_count(r, get_num(r->chain, "events"), n, sizeof(n));
    doc_addf(d, BK_PARA, ST_NORMAL, rec_word(r, W_CHAIN), n);
    doc_add(d, BK_CODE, ST_NORMAL, get_str(r->chain, "head"));
    doc_add(d, BK_PARA, ST_NORMAL, rec_word(r, W_VERIFY));
    doc_addf(d, BK_CODE, ST_NORMAL, "minisign -Vm %s -p concerto.pub\nconcerto verify .", file);
    if (!d->oom) {
        d->v[first].keep = d->n - first; /* the closing block stays whole */
    }
}

/* The signatures: the chair's (approving) and the secretary's (finalising),
 * each with their role and when they signed, then the key and the chain
 * head those signatures bind the document to. Kept on one page. */
static void
signatures(struct doc *d, const struct rec *r)
{
    char when[160], line[256];
    size_t first = d->n, i;
    const json_t *p, *chair = NULL;
    bool approved = json_is_object(r->approved);
    if (approved) {
        chair = participant(r, get_str(r->approved, "by"));
    }
    json_array_foreach(r->parts, i, p)
    {
        if (!chair && strcmp(get_str(p, "role"), "chair") == 0) {
            chair = p;
        }
    }
    doc_add(d, BK_H2, ST_NORMAL, rec_word(r, W_SIGNATURES));
    struct table *t = doc_table(d, 2, true);
    cell(d, t, rec_word(r, W_CHAIR_TITLE));
    cell(d, t, rec_word(r, W_SECRETARY_TITLE));
    cell(d, t, chair ? get_str(chair, "name") : "");
    cell(d, t, name_of(r, get_str(r->finalized, "by")));
    if (approved) {
        fmt_datetime(r, get_num(r->approved, "at"), when, sizeof(when));
        snprintf(line, sizeof(line), rec_word(r, W_SIGNED), when);
        cellf(d, t, "%s\n%s", line, rec_word(r, W_SIGNED_APPROVED));
    } else {
        cell(d, t, rec_word(r, W_AWAITING));
    }
    fmt_datetime(r, get_num(r->finalized, "at"), when, sizeof(when));
    snprintf(line, sizeof(line), rec_word(r, W_SIGNED), when);
    cellf(d, t, "%s\n%s", line, rec_word(r, W_SIGNED_FINALIZED));
    const char *key = get_str(r->signing, "key_id");
    doc_addf(d, BK_PARA, ST_META, rec_word(r, W_KEY), key[0] ? key : rec_word(r, W_KEY_UNKNOWN));
    doc_addf(d, BK_PARA, ST_META, rec_word(r, W_HEAD), get_str(r->chain, "head"));
    if (!d->oom) {
        d->v[first].keep = d->n - first;
    }
}

/* The whole procès-verbal of `r`; `file` is the document's own name. */
static int
build(struct doc *d, const struct rec *r, const char *file)
{
    const char *commission = get_str(r->commission, "name"), *title = get_str(r->meeting, "title");
    struct when w = civil(r, get_num(r->meeting, "closed_at"));
    memset(d, 0, sizeof(*d));
    d->lang = r->lang;
    d->header = str_printf("%s%s%s", commission, commission[0] && title[0] ? " — " : "", title);
    d->title = str_printf("%s — %s", rec_word(r, W_PV), d->header ? d->header : "");
    d->author = str_printf("%s", commission);
    d->created =
        str_printf("%04lld-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", w.y, w.mo, w.d, w.h, w.mi, w.s,
                   r->offset < 0 ? '-' : '+', abs(r->offset) / 60, abs(r->offset) % 60);
    if (!d->header || !d->title || !d->author || !d->created) {
        return ERR_NOMEM;
    }
    heading(d, r);
    attendance(d, r);
    proxies_and_recusals(d, r);
    agenda(d, r);
    documents(d, r);
    minutes(d, r);
    statistics(d, r);
    closing(d, r, file);
    signatures(d, r);
    return d->oom ? ERR_NOMEM : 0;
}

/* --- Markdown -------------------------------------------------------- */

enum md_mode {
    MD_LINE, /* headings and table cells: one line */
    MD_TEXT  /* paragraphs: line breaks kept as hard breaks */
};

/*
 * User text as Markdown that shows as the same text (CommonMark and GFM):
 * every character that opens emphasis, code, links, HTML or strikethrough
 * is escaped; `#`, `>`, `+`, `-`, `=` and "1." or "1)" only where they
 * would start a block, at the start of a line; `&` only before what could
 * be an entity; `|` always (a paragraph line could start a table). Spaces
 * that start a line are dropped. `indent` continues a list item's lines.
 */
static void
md_text(struct buf *b, const char *s, enum md_mode mode, bool line_start, const char *indent)
{
    for (const char *p = s; *p; p++) {
        char c = *p;
        if (c == '\n' || c == '\r') {
            if (mode == MD_LINE) {
                buf_put(b, " ", 1);
            } else {
                buf_puts(b, "\\\n");
                buf_puts(b, indent);
                line_start = true;
            }
            continue;
        }
        if (line_start && (c == ' ' || c == '\t')) {
            continue; /* four would open a code block */
        }
        if (line_start) {
            const char *q = p;
            while (*q >= '0' && *q <= '9') {
                q++;
            }
            if (strchr("#>+-=", c)) {
                buf_put(b, "\\", 1);
            } else if (q > p && (*q == '.' || *q == ')')) {
                buf_put(b, p, (size_t)(q - p));
                buf_put(b, "\\", 1);
                p = q;
                c = *p;
            }
            line_start = false;
        }
        if (c == '\t') {
            c = ' ';
        }
        if (strchr("\\`*_[]<>~|", c) ||
            (c == '&' &&
             ((p[1] >= 'a' && p[1] <= 'z') || (p[1] >= 'A' && p[1] <= 'Z') || p[1] == '#'))) {
            buf_put(b, "\\", 1);
        }
        buf_put(b, &c, 1);
    }
}

static void
md_table(struct buf *b, const struct table *t, const char *sep)
{
    size_t nrows = t->ncells / t->ncols;
    if (!t->head) {
        for (size_t row = 0; row < nrows; row++) {
            buf_puts(b, "- **");
            md_text(b, t->cells[row * t->ncols], MD_LINE, false, "");
            buf_puts(b, "**");
            buf_puts(b, sep);
            for (size_t c = 1; c < t->ncols; c++) {
                md_text(b, t->cells[row * t->ncols + c], MD_LINE, false, "");
            }
            buf_puts(b, "\n");
        }
        buf_puts(b, "\n");
        return;
    }
    for (size_t row = 0; row < nrows; row++) {
        buf_puts(b, "|");
        for (size_t c = 0; c < t->ncols; c++) {
            buf_puts(b, " ");
            md_text(b, t->cells[row * t->ncols + c], MD_LINE, false, "");
            buf_puts(b, " |");
        }
        buf_puts(b, "\n");
        if (row == 0) {
            buf_puts(b, "|");
            for (size_t c = 0; c < t->ncols; c++) {
                buf_puts(b, c < 64 && (t->right >> c & 1) ? "---:|" : "---|");
            }
            buf_puts(b, "\n");
        }
    }
    buf_puts(b, "\n");
}

static void
md_emit(const struct doc *d, struct buf *b)
{
    for (size_t i = 0; i < d->n; i++) {
        const struct block *k = &d->v[i];
        switch (k->kind) {
        case BK_H1:
        case BK_H2:
        case BK_H3:
            buf_puts(b, k->kind == BK_H1 ? "# " : k->kind == BK_H2 ? "## " : "### ");
            md_text(b, k->text, MD_LINE, false, "");
            buf_puts(b, "\n\n");
            break;
        case BK_PARA: {
            const char *em = k->style == ST_KICKER || k->style == ST_STRONG ? "**" : "";
            buf_puts(b, em);
            md_text(b, k->text, MD_TEXT, !em[0], "");
            buf_puts(b, em);
            buf_puts(b, "\n\n");
            break;
        }
        case BK_ENTRY:
            buf_puts(b, "- **");
            md_text(b, k->lead, MD_LINE, false, "");
            buf_puts(b, "** — ");
            buf_puts(b, k->style == ST_AUTO ? "*" : "");
            md_text(b, k->text, MD_TEXT, false, "  ");
            buf_puts(b, k->style == ST_AUTO ? "*\n" : "\n");
            if (i + 1 == d->n || d->v[i + 1].kind != BK_ENTRY) {
                buf_puts(b, "\n");
            }
            break;
        case BK_TABLE:
            md_table(b, k->t, words_get(d->lang, W_SEP));
            break;
        case BK_CODE:
            buf_printf(b, "```\n%s\n```\n\n", k->text);
            break;
        }
    }
}

/* --- HTML ------------------------------------------------------------ */

static const char html_style[] =
    ":root{color:#111;background:#fff}"
    "body{font:11pt/1.45 \"DejaVu Serif\",Georgia,serif;max-width:50em;margin:2em auto;"
    "padding:0 1em}"
    "h1,h2,h3,.kicker,table{font-family:\"DejaVu Sans\",Arial,sans-serif}"
    "h1{font-size:1.7em;line-height:1.2;margin:.2em 0 .5em}"
    "h2{font-size:1.25em;border-bottom:1px solid #888;padding-bottom:.15em;margin:1.6em 0 .6em}"
    "h3{font-size:1.05em;margin:1.2em 0 .4em}"
    "p{margin:.35em 0}"
    ".kicker{font-weight:bold;text-transform:uppercase;letter-spacing:.05em;color:#444}"
    ".strong{font-weight:bold}"
    ".meta{color:#444;font-size:.92em}"
    ".entry{margin:.2em 0;padding-left:4em;text-indent:-4em}"
    ".entry .time{display:inline-block;width:4em;text-indent:0;font-weight:bold;"
    "font-style:normal}"
    ".auto{font-style:italic;color:#333}"
    "table{width:100%;border-collapse:collapse;margin:.5em 0 1em;font-size:9.5pt;"
    "line-height:1.35}"
    "th,td{border:1px solid #999;padding:.2em .5em;text-align:left;vertical-align:top}"
    "thead th{background:#eee}"
    "table.kv th{background:#f6f6f6}"
    ".num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}"
    "pre{font:9pt/1.4 \"DejaVu Sans Mono\",monospace;background:#f6f6f6;border:1px solid #ccc;"
    "padding:.5em;white-space:pre-wrap;overflow-wrap:anywhere}"
    "@page{size:A4;margin:2cm}"
    "@media print{body{max-width:none;margin:0;padding:0;font-size:10pt}"
    "h1,h2,h3{break-after:avoid;page-break-after:avoid}"
    "tr,.entry,pre{break-inside:avoid;page-break-inside:avoid}"
    "thead{display:table-header-group}"
    "thead th,table.kv th,pre{-webkit-print-color-adjust:exact;print-color-adjust:exact}}";

/* Text as HTML: the five specials as references, line breaks as <br>. */
static void
html_text(struct buf *b, const char *s)
{
    const char *run = s;
    for (const char *p = s; *p; p++) {
        const char *rep = NULL;
        switch (*p) {
        case '&':
            rep = "&amp;";
            break;
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '"':
            rep = "&quot;";
            break;
        case '\'':
            rep = "&#39;";
            break;
        case '\n':
            rep = "<br>";
            break;
        case '\r':
            rep = "";
            break;
        default:
            continue;
        }
        buf_put(b, run, (size_t)(p - run));
        buf_puts(b, rep);
        run = p + 1;
    }
    buf_puts(b, run);
}

static void
html_table(struct buf *b, const struct table *t)
{
    size_t nrows = t->ncells / t->ncols;
    buf_puts(b, t->head ? "<table>\n" : "<table class=\"kv\">\n");
    for (size_t row = 0; row < nrows; row++) {
        bool head = t->head && row == 0;
        if (head) {
            buf_puts(b, "<thead>");
        } else if (row == (t->head ? 1u : 0u)) {
            buf_puts(b, "<tbody>\n");
        }
        buf_puts(b, "<tr>");
        for (size_t c = 0; c < t->ncols; c++) {
            bool th = head || (!t->head && c == 0);
            bool num = c < 64 && (t->right >> c & 1);
            buf_puts(b, th ? "<th" : "<td");
            buf_puts(b, th && !head ? " scope=\"row\"" : head ? " scope=\"col\"" : "");
            buf_puts(b, num ? " class=\"num\">" : ">");
            html_text(b, t->cells[row * t->ncols + c]);
            buf_puts(b, th ? "</th>" : "</td>");
        }
        buf_puts(b, head ? "</tr></thead>\n" : "</tr>\n");
    }
    buf_puts(b, nrows > (t->head ? 1u : 0u) ? "</tbody>\n</table>\n" : "</table>\n");
}

static void
html_emit(const struct doc *d, struct buf *b)
{
    static const char *const para_class[] = {[ST_NORMAL] = "",
                                             [ST_KICKER] = " class=\"kicker\"",
                                             [ST_STRONG] = " class=\"strong\"",
                                             [ST_META] = " class=\"meta\"",
                                             [ST_AUTO] = " class=\"auto\""};
    buf_printf(b,
               "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
               "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
               "style-src 'unsafe-inline'\">\n"
               "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
               "<title>",
               d->lang == EN ? "en" : "fr");
    html_text(b, d->title);
    buf_printf(b, "</title>\n<style>%s</style>\n</head>\n<body>\n<main>\n", html_style);
    for (size_t i = 0; i < d->n; i++) {
        const struct block *k = &d->v[i];
        switch (k->kind) {
        case BK_H1:
        case BK_H2:
        case BK_H3: {
            int level = k->kind == BK_H1 ? 1 : k->kind == BK_H2 ? 2 : 3;
            buf_printf(b, "<h%d>", level);
            html_text(b, k->text);
            buf_printf(b, "</h%d>\n", level);
            break;
        }
        case BK_PARA:
            buf_printf(b, "<p%s>", para_class[k->style]);
            html_text(b, k->text);
            buf_puts(b, "</p>\n");
            break;
        case BK_ENTRY:
            buf_puts(b, k->style == ST_AUTO ? "<p class=\"entry auto\">" : "<p class=\"entry\">");
            buf_puts(b, "<span class=\"time\">");
            html_text(b, k->lead);
            buf_puts(b, "</span>");
            html_text(b, k->text);
            buf_puts(b, "</p>\n");
            break;
        case BK_TABLE:
            html_table(b, k->t);
            break;
        case BK_CODE:
            buf_puts(b, "<pre>");
            html_text(b, k->text);
            buf_puts(b, "</pre>\n");
            break;
        }
    }
    buf_puts(b, "</main>\n</body>\n</html>\n");
}

/* --- PDF ------------------------------------------------------------- */

#define PAGE_W 595.2756 /* A4 in points */
#define PAGE_H 841.8898
#define MARGIN_X 56.69 /* 2 cm */
#define MARGIN_TOP 70.87
#define MARGIN_BOTTOM 62.36
#define CELL_PAD_X 3.5
#define CELL_PAD_Y 2.0

enum font {
    F_BODY,
    F_META,
    F_STRONG,
    F_AUTO,
    F_KICKER,
    F_H1,
    F_H2,
    F_H3,
    F_CELL,
    F_CELL_BOLD,
    F_CODE,
    F_MARGIN,
    F_COUNT
};

static const char *const font_names[F_COUNT] = {
    [F_BODY] = "DejaVu Serif 10",        [F_META] = "DejaVu Serif 9",
    [F_STRONG] = "DejaVu Serif Bold 10", [F_AUTO] = "DejaVu Serif Italic 10",
    [F_KICKER] = "DejaVu Sans Bold 10",  [F_H1] = "DejaVu Sans Bold 18",
    [F_H2] = "DejaVu Sans Bold 13",      [F_H3] = "DejaVu Sans Bold 10.5",
    [F_CELL] = "DejaVu Sans 8.5",        [F_CELL_BOLD] = "DejaVu Sans Bold 8.5",
    [F_CODE] = "DejaVu Sans Mono 8.5",   [F_MARGIN] = "DejaVu Sans 7.5",
};

struct pdf {
    cairo_surface_t *surface;
    cairo_t *cr;             /* the page being laid out: a recording (see pdf_emit()) */
    cairo_surface_t **pages; /* one recording per page, replayed into `surface` */
    size_t npages_rec, cap_pages;
    bool oom;
    PangoContext *pc;
    PangoLayout *layout; /* reused by every block */
    PangoLayout *margin; /* the header and footer, drawn while a block flows */
    PangoLayout *lead;   /* a minutes entry's time */
    PangoFontDescription *fonts[F_COUNT];
    const struct doc *d;
    const struct render_stop *stop; /* asked between blocks and pages; NULL: never */
    bool draw;       /* false: the measuring pass */
    int page;        /* 1-based, the page being laid out */
    int npages;      /* known in the drawing pass */
    double y;        /* top of the free space on the page */
    double time_col; /* width of the minutes' time column */
    int outline;     /* outline id of the last H2, for H3 children */
};

static const double CONTENT_W = PAGE_W - 2 * MARGIN_X;
static const double BOTTOM = PAGE_H - MARGIN_BOTTOM;

static void
set_gray(cairo_t *cr, double g)
{
    cairo_set_source_rgb(cr, g, g, g);
}

/* A layout of `text` in `font`, `width` wide (< 0: unbounded). The spaces
 * inside guillemets become no-break spaces, so that « and » never stand
 * alone at the start or the end of a line. */
static void
layout_set(struct pdf *p, PangoLayout *l, enum font font, const char *text, double width)
{
    char *typo = NULL;
    if (strstr(text, "\xc2\xab ") || strstr(text, " \xc2\xbb")) {
        struct buf b = {0};
        for (const char *c = text; *c; c++) {
            if (strncmp(c, "\xc2\xab ", 3) == 0) {
                buf_puts(&b, "\xc2\xab\xc2\xa0");
                c += 2;
            } else if (strncmp(c, " \xc2\xbb", 3) == 0) {
                buf_puts(&b, "\xc2\xa0\xc2\xbb");
                c += 2;
            } else {
                buf_put(&b, c, 1);
            }
        }
        typo = buf_take(&b);
    }
    pango_layout_set_font_description(l, p->fonts[font]);
    pango_layout_set_width(l, width < 0 ? -1 : (int)(width * PANGO_SCALE));
    pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
    pango_layout_set_attributes(l, NULL);
    pango_layout_set_tabs(l, NULL);
    pango_layout_set_indent(l, 0);
    pango_layout_set_alignment(l, PANGO_ALIGN_LEFT);
    pango_layout_set_height(l, -1);
    pango_layout_set_ellipsize(l, PANGO_ELLIPSIZE_NONE);
    pango_layout_set_text(l, typo ? typo : text, -1);
    free(typo);
}

/* The header and the footer ("page N / M") of page `page`, on `cr`. */
static void
page_margins(struct pdf *p, cairo_t *cr, int page)
{
    char footer[64];
    PangoLayout *l = p->margin;
    set_gray(cr, 0.35);
    layout_set(p, l, F_MARGIN, p->d->header, CONTENT_W);
    pango_layout_set_ellipsize(l, PANGO_ELLIPSIZE_END);
    cairo_move_to(cr, MARGIN_X, 34);
    pango_cairo_show_layout(cr, l);
    cairo_set_line_width(cr, 0.4);
    cairo_move_to(cr, MARGIN_X, 48);
    cairo_line_to(cr, PAGE_W - MARGIN_X, 48);
    cairo_stroke(cr);
    snprintf(footer, sizeof(footer), words_get(p->d->lang, W_PAGE), page, p->npages);
    layout_set(p, l, F_MARGIN, footer, CONTENT_W);
    pango_layout_set_alignment(l, PANGO_ALIGN_CENTER);
    cairo_move_to(cr, MARGIN_X, PAGE_H - 40);
    pango_cairo_show_layout(cr, l);
    set_gray(cr, 0);
}

/* A new page: while drawing, a recording of it (its margins come at the end,
 * when the number of pages is known). */
static void
page_begin(struct pdf *p)
{
    p->y = MARGIN_TOP;
    if (!p->draw) {
        return;
    }
    if (p->npages_rec == p->cap_pages) {
        size_t cap = p->cap_pages ? p->cap_pages * 2 : 64;
        cairo_surface_t **v = realloc(p->pages, cap * sizeof(*v));
        if (!v) {
            p->oom = true;
            return;
        }
        p->pages = v;
        p->cap_pages = cap;
    }
    cairo_rectangle_t page = {0, 0, PAGE_W, PAGE_H};
    cairo_surface_t *rec = cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, &page);
    p->pages[p->npages_rec++] = rec;
    cairo_destroy(p->cr);
    p->cr = cairo_create(rec);
}

static void
page_next(struct pdf *p)
{
    p->page++;
    page_begin(p);
}

/* Make room for `h` points, on a new page if needed (never from a page's top). */
static void
need(struct pdf *p, double h)
{
    if (p->y + h > BOTTOM && p->y > MARGIN_TOP + 0.5) {
        page_next(p);
    }
}

static void
space(struct pdf *p, double h)
{
    if (p->y > MARGIN_TOP + 0.5) {
        p->y += h;
    }
}

/* Place the laid-out `l` at `x`, line by line, breaking pages between lines;
 * `lead` (or NULL) goes in the margin on the first line's baseline. */
static void
flow_layout(struct pdf *p, PangoLayout *l, double x, double gray, PangoLayout *lead)
{
    PangoLayoutIter *it = pango_layout_get_iter(l);
    bool first = true;
    do {
        PangoRectangle logical;
        pango_layout_iter_get_line_extents(it, NULL, &logical);
        double h = (double)logical.height / PANGO_SCALE;
        double base = (double)(pango_layout_iter_get_baseline(it) - logical.y) / PANGO_SCALE;
        need(p, h);
        if (p->draw) {
            set_gray(p->cr, gray);
            cairo_move_to(p->cr, x + (double)logical.x / PANGO_SCALE, p->y + base);
            pango_cairo_show_layout_line(p->cr, pango_layout_iter_get_line_readonly(it));
            if (first && lead) {
                double lb = (double)pango_layout_get_baseline(lead) / PANGO_SCALE;
                cairo_move_to(p->cr, MARGIN_X, p->y + base - lb);
                pango_cairo_show_layout(p->cr, lead);
            }
        }
        first = false;
        p->y += h;
    } while (pango_layout_iter_next_line(it));
    pango_layout_iter_free(it);
    set_gray(p->cr, 0);
}

static double
layout_height(PangoLayout *l)
{
    PangoRectangle logical;
    pango_layout_get_extents(l, NULL, &logical);
    return (double)logical.height / PANGO_SCALE;
}

static void
pdf_heading(struct pdf *p, const struct block *k)
{
    enum font f = k->kind == BK_H1 ? F_H1 : k->kind == BK_H2 ? F_H2 : F_H3;
    space(p, k->kind == BK_H1 ? 4 : k->kind == BK_H2 ? 14 : 9);
    layout_set(p, p->layout, f, k->text, CONTENT_W);
    /* keep a heading with the first lines of what follows */
    need(p, layout_height(p->layout) + 36);
    if (p->draw && k->kind != BK_H1) {
        char dest[64];
        snprintf(dest, sizeof(dest), "page=%d pos=[%.2f %.2f]", p->page, MARGIN_X, p->y);
        int id = cairo_pdf_surface_add_outline(
            p->surface, k->kind == BK_H3 ? p->outline : CAIRO_PDF_OUTLINE_ROOT, k->text, dest, 0);
        if (k->kind == BK_H2) {
            p->outline = id;
        }
    }
    flow_layout(p, p->layout, MARGIN_X, 0, NULL);
    if (p->draw && k->kind == BK_H2) {
        cairo_set_line_width(p->cr, 0.6);
        set_gray(p->cr, 0.45);
        cairo_move_to(p->cr, MARGIN_X, p->y + 1.5);
        cairo_line_to(p->cr, PAGE_W - MARGIN_X, p->y + 1.5);
        cairo_stroke(p->cr);
        set_gray(p->cr, 0);
    }
    p->y += k->kind == BK_H1 ? 8 : 5;
}

static void
pdf_para(struct pdf *p, const struct block *k)
{
    static const enum font fonts[] = {[ST_NORMAL] = F_BODY,
                                      [ST_KICKER] = F_KICKER,
                                      [ST_STRONG] = F_STRONG,
                                      [ST_META] = F_META,
                                      [ST_AUTO] = F_AUTO};
    if (k->style == ST_STRONG) {
        space(p, 5);
    }
    layout_set(p, p->layout, fonts[k->style], k->text, CONTENT_W);
    flow_layout(p, p->layout, MARGIN_X, k->style == ST_META ? 0.3 : 0, NULL);
    p->y += 4;
}

/* The time in bold in the margin column, the text beside it. */
static void
pdf_entry(struct pdf *p, const struct block *k)
{
    bool automatic = k->style == ST_AUTO;
    layout_set(p, p->lead, F_STRONG, k->lead, -1);
    layout_set(p, p->layout, automatic ? F_AUTO : F_BODY, k->text, CONTENT_W - p->time_col);
    flow_layout(p, p->layout, MARGIN_X + p->time_col, automatic ? 0.2 : 0, p->lead);
    p->y += 2.5;
}

static void
pdf_code(struct pdf *p, const struct block *k)
{
    layout_set(p, p->layout, F_CODE, k->text, CONTENT_W - 12);
    double h = layout_height(p->layout);
    space(p, 2);
    need(p, h + 8);
    if (p->draw) {
        cairo_rectangle(p->cr, MARGIN_X, p->y, CONTENT_W, h + 8);
        set_gray(p->cr, 0.95);
        cairo_fill_preserve(p->cr);
        set_gray(p->cr, 0.75);
        cairo_set_line_width(p->cr, 0.4);
        cairo_stroke(p->cr);
        set_gray(p->cr, 0);
    }
    p->y += 4;
    flow_layout(p, p->layout, MARGIN_X + 6, 0, NULL);
    p->y += 8;
}

/* The width of the longest word of column c, the narrowest the column may be
 * without breaking a word. Only the words within two bytes of the longest
 * (in bytes) are measured: roll calls run to thousands of rows, and shaping
 * every word of them would double the time of the whole table. */
static double
longest_word(struct pdf *p, const struct table *t, size_t c)
{
    size_t nrows = t->ncells / t->ncols, most = 0;
    double best = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t row = 0; row < nrows; row++) {
            const char *s = t->cells[row * t->ncols + c];
            while (s && *s) {
                size_t n = strcspn(s, " \n");
                if (pass == 0) {
                    most = n > most ? n : most;
                } else if (n + 2 >= most && n > 0) {
                    char word[256];
                    PangoRectangle logical;
                    bool bold = (t->head && row == 0) || (!t->head && c == 0);
                    snprintf(word, sizeof(word), "%.*s", (int)n, s);
                    layout_set(p, p->layout, bold ? F_CELL_BOLD : F_CELL, word, -1);
                    pango_layout_get_extents(p->layout, NULL, &logical);
                    double w = (double)logical.width / PANGO_SCALE + 2 * CELL_PAD_X + 1;
                    best = w > best ? w : best;
                }
                s += n + (s[n] != 0);
            }
        }
    }
    return best;
}

/* Column widths: tables span the text's width. When the natural widths fit,
 * the text columns share what is left in proportion. Otherwise every column
 * gets at least its longest word, a narrow one its whole text (no word is
 * broken: an agenda's numbers read "2." over "1"), and the room left
 * goes to the columns in proportion to what they lack; only when even the
 * longest words do not fit do the narrow columns keep their natural width
 * and the wide ones share what is left equally. */
static int
column_widths(struct pdf *p, const struct table *t, double *w)
{
    size_t nrows = t->ncells / t->ncols, nc = t->ncols;
    double *nat = calloc(nc, sizeof(*nat));
    bool *fixed = calloc(nc, sizeof(*fixed));
    if (!nat || !fixed) {
        free(nat);
        free(fixed);
        return ERR_NOMEM;
    }
    PangoLayout *l = p->layout;
    for (size_t row = 0; row < nrows; row++) {
        for (size_t c = 0; c < nc; c++) {
            bool bold = (t->head && row == 0) || (!t->head && c == 0);
            PangoRectangle logical;
            layout_set(p, l, bold ? F_CELL_BOLD : F_CELL, t->cells[row * nc + c], -1);
            pango_layout_get_extents(l, NULL, &logical);
            double x = (double)logical.width / PANGO_SCALE + 2 * CELL_PAD_X + 1;
            nat[c] = x > nat[c] ? x : nat[c];
        }
    }
    double sum = 0;
    for (size_t c = 0; c < nc; c++) {
        sum += nat[c];
        w[c] = nat[c];
    }
    if (sum <= CONTENT_W) {
        double text = 0;
        for (size_t c = 0; c < nc; c++) {
            text += c < 64 && (t->right >> c & 1) ? 0 : nat[c];
        }
        for (size_t c = 0; c < nc; c++) {
            bool grows = text > 0 ? !(c < 64 && (t->right >> c & 1)) : true;
            double share = text > 0 ? nat[c] / text : nat[c] / sum;
            w[c] += grows ? (CONTENT_W - sum) * share : 0;
        }
    } else {
        double min_sum = 0, lack = 0;
        for (size_t c = 0; c < nc; c++) {
            /* a column that fits in an even share never wraps ("2.1",
             * "40 min"); a wider one never breaks a word */
            fixed[c] = false;
            w[c] = nat[c] <= CONTENT_W / (double)nc ? nat[c] : longest_word(p, t, c);
            w[c] = w[c] > nat[c] ? nat[c] : w[c];
            min_sum += w[c];
            lack += nat[c] - w[c];
        }
        if (min_sum <= CONTENT_W && lack > 0) {
            for (size_t c = 0; c < nc; c++) {
                w[c] += (CONTENT_W - min_sum) * (nat[c] - w[c]) / lack;
            }
            free(nat);
            free(fixed);
            return 0;
        }
        for (size_t c = 0; c < nc; c++) {
            w[c] = nat[c];
        }
        double left = CONTENT_W;
        size_t nfree = nc;
        for (bool changed = true; changed && nfree;) {
            changed = false;
            for (size_t c = 0; c < nc; c++) {
                if (!fixed[c] && nat[c] <= left / (double)nfree) {
                    fixed[c] = true;
                    left -= nat[c];
                    nfree--;
                    changed = true;
                }
            }
        }
        for (size_t c = 0; c < nc; c++) {
            if (!fixed[c]) {
                w[c] = left / (double)nfree;
            }
        }
    }
    free(nat);
    free(fixed);
    return 0;
}

/* Lay out (and draw) one row; returns its height. */
static double
table_row(struct pdf *p, const struct table *t, size_t row, const double *w, bool draw)
{
    size_t nc = t->ncols;
    double h = 0, x = MARGIN_X;
    PangoLayout *l = p->layout;
    for (int pass = 0; pass < (draw ? 2 : 1); pass++) {
        x = MARGIN_X;
        if (pass == 1 && t->head && row == 0) {
            double total = 0;
            for (size_t c = 0; c < nc; c++) {
                total += w[c];
            }
            cairo_rectangle(p->cr, MARGIN_X, p->y, total, h);
            set_gray(p->cr, 0.9);
            cairo_fill(p->cr);
        }
        for (size_t c = 0; c < nc; c++) {
            bool bold = (t->head && row == 0) || (!t->head && c == 0);
            layout_set(p, l, bold ? F_CELL_BOLD : F_CELL, t->cells[row * nc + c],
                       w[c] - 2 * CELL_PAD_X);
            /* a cell never outgrows a page */
            pango_layout_set_height(l, (int)((BOTTOM - MARGIN_TOP) * 0.8 * PANGO_SCALE));
            pango_layout_set_ellipsize(l, PANGO_ELLIPSIZE_END);
            if (c < 64 && (t->right >> c & 1)) {
                pango_layout_set_alignment(l, PANGO_ALIGN_RIGHT);
            }
            if (pass == 0) {
                double ch = layout_height(l) + 2 * CELL_PAD_Y;
                h = ch > h ? ch : h;
            } else {
                set_gray(p->cr, 0);
                cairo_move_to(p->cr, x + CELL_PAD_X, p->y + CELL_PAD_Y);
                pango_cairo_show_layout(p->cr, l);
                cairo_rectangle(p->cr, x, p->y, w[c], h);
                set_gray(p->cr, 0.55);
                cairo_set_line_width(p->cr, 0.4);
                cairo_stroke(p->cr);
            }
            x += w[c];
        }
    }
    set_gray(p->cr, 0);
    return h;
}

static int
pdf_table(struct pdf *p, const struct table *t)
{
    size_t nrows = t->ncells / t->ncols;
    double *w = calloc(t->ncols, sizeof(*w));
    if (!w || column_widths(p, t, w)) {
        free(w);
        return ERR_NOMEM;
    }
    space(p, 3);
    for (size_t row = 0; row < nrows; row++) {
        double h = table_row(p, t, row, w, false);
        /* a header row comes with at least one row under it */
        double with = t->head && row == 0 && nrows > 1 ? table_row(p, t, 1, w, false) : 0;
        int page = p->page;
        need(p, h + with);
        if (page != p->page && t->head && row > 0) {
            p->y += table_row(p, t, 0, w, p->draw);
        }
        if (p->draw) {
            table_row(p, t, row, w, true);
        }
        p->y += h;
    }
    p->y += 8;
    free(w);
    return 0;
}

static int
pdf_block(struct pdf *p, const struct block *k)
{
    switch (k->kind) {
    case BK_H1:
    case BK_H2:
    case BK_H3:
        pdf_heading(p, k);
        break;
    case BK_PARA:
        pdf_para(p, k);
        break;
    case BK_ENTRY:
        pdf_entry(p, k);
        break;
    case BK_TABLE:
        return pdf_table(p, k->t);
    case BK_CODE:
        pdf_code(p, k);
        break;
    }
    return 0;
}

/* Blocks [i, i + n) that would cross a page here but fit on one page start a
 * new page. Measured by laying them out without drawing, then restoring. */
static int
keep_together(struct pdf *p, size_t i, size_t n)
{
    struct pdf save = *p;
    size_t end = n > p->d->n - i ? p->d->n : i + n;
    int rc = 0;
    p->draw = false;
    for (size_t k = i; rc == 0 && k < end; k++) {
        rc = pdf_block(p, &p->d->v[k]);
    }
    bool fits_here = p->page == save.page;
    p->page = save.page;
    p->y = MARGIN_TOP;
    for (size_t k = i; rc == 0 && !fits_here && k < end; k++) {
        rc = pdf_block(p, &p->d->v[k]);
    }
    bool fits_page = p->page == save.page;
    *p = save;
    if (rc == 0 && !fits_here && fits_page && p->y > MARGIN_TOP + 0.5) {
        page_next(p);
    }
    return rc;
}

static int
pdf_flow(struct pdf *p)
{
    int rc = 0;
    p->page = 1;
    p->outline = CAIRO_PDF_OUTLINE_ROOT;
    page_begin(p);
    for (size_t i = 0; rc == 0 && i < p->d->n; i++) {
        if (p->stop && p->stop->stop(p->stop->ctx)) {
            return ERR_INTERNAL;
        }
        if (p->d->v[i].keep > 1) {
            rc = keep_together(p, i, p->d->v[i].keep);
        }
        if (rc == 0) {
            rc = pdf_block(p, &p->d->v[i]);
        }
    }
    return rc;
}

static cairo_status_t
pdf_write(void *closure, const unsigned char *data, unsigned int length)
{
    struct buf *b = closure;
    buf_put(b, (const char *)data, length);
    return b->oom ? CAIRO_STATUS_NO_MEMORY : CAIRO_STATUS_SUCCESS;
}

static int
pdf_emit(const struct doc *d, struct buf *out, const struct render_stop *stop)
{
    struct pdf p = {.d = d, .stop = stop};
    cairo_font_options_t *fo = NULL;
    int rc = ERR_NOMEM;
    p.surface = cairo_pdf_surface_create_for_stream(pdf_write, out, PAGE_W, PAGE_H);
    if (cairo_surface_status(p.surface) != CAIRO_STATUS_SUCCESS) {
        goto fail;
    }
    cairo_pdf_surface_set_metadata(p.surface, CAIRO_PDF_METADATA_TITLE, d->title);
    cairo_pdf_surface_set_metadata(p.surface, CAIRO_PDF_METADATA_AUTHOR, d->author);
    cairo_pdf_surface_set_metadata(p.surface, CAIRO_PDF_METADATA_SUBJECT, d->header);
    cairo_pdf_surface_set_metadata(p.surface, CAIRO_PDF_METADATA_CREATOR, "Concerto");
    cairo_pdf_surface_set_metadata(p.surface, CAIRO_PDF_METADATA_CREATE_DATE, d->created);
    cairo_pdf_surface_set_metadata(p.surface, CAIRO_PDF_METADATA_MOD_DATE, d->created);
    p.cr = cairo_create(p.surface);
    p.pc = pango_cairo_create_context(p.cr);
    fo = cairo_font_options_create();
    if (cairo_status(p.cr) != CAIRO_STATUS_SUCCESS || !p.pc ||
        cairo_font_options_status(fo) != CAIRO_STATUS_SUCCESS) {
        goto fail;
    }
    /* outlines and metrics that do not depend on the machine's font settings */
    cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
    pango_cairo_context_set_font_options(p.pc, fo);
    pango_context_set_round_glyph_positions(p.pc, FALSE);
    pango_context_set_language(p.pc, pango_language_from_string(d->lang == EN ? "en" : "fr"));
    p.layout = pango_layout_new(p.pc);
    p.margin = pango_layout_new(p.pc);
    p.lead = pango_layout_new(p.pc);
    for (int f = 0; f < F_COUNT; f++) {
        p.fonts[f] = pango_font_description_from_string(font_names[f]);
    }
    /* the time column: a bold "00:00" and a gap */
    PangoRectangle logical;
    layout_set(&p, p.lead, F_STRONG, "00:00", -1);
    pango_layout_get_extents(p.lead, NULL, &logical);
    p.time_col = (double)logical.width / PANGO_SCALE + 8;
    /* Lay out and draw once, each page into a recording; then, the number of
     * pages known, replay every page into the PDF with its header and its
     * "page N / M". (Laying the text out twice, to count the pages and then
     * to draw them, was most of the time: shaping is pango's costly part.) */
    cairo_t *pdf_cr = p.cr;
    p.cr = NULL;
    p.draw = true;
    rc = pdf_flow(&p);
    if (rc == 0 && p.oom) {
        rc = ERR_NOMEM;
    }
    if (rc == 0 && p.cr && cairo_status(p.cr) != CAIRO_STATUS_SUCCESS) {
        rc = cairo_status(p.cr) == CAIRO_STATUS_NO_MEMORY ? ERR_NOMEM : ERR_INTERNAL;
    }
    cairo_destroy(p.cr);
    p.cr = pdf_cr;
    p.npages = p.page;
    for (size_t i = 0; rc == 0 && i < p.npages_rec; i++) {
        if (stop && stop->stop(stop->ctx)) {
            rc = ERR_INTERNAL;
            break;
        }
        cairo_set_source_surface(pdf_cr, p.pages[i], 0, 0);
        cairo_paint(pdf_cr);
        page_margins(&p, pdf_cr, (int)i + 1);
        cairo_show_page(pdf_cr);
    }
    if (rc == 0 && cairo_status(p.cr) != CAIRO_STATUS_SUCCESS) {
        rc = cairo_status(p.cr) == CAIRO_STATUS_NO_MEMORY ? ERR_NOMEM : ERR_INTERNAL;
    }
fail:
    for (size_t i = 0; i < p.npages_rec; i++) {
        cairo_surface_destroy(p.pages[i]);
    }
    free(p.pages);
    for (int f = 0; f < F_COUNT; f++) {
        if (p.fonts[f]) {
            pango_font_description_free(p.fonts[f]);
        }
    }
    if (p.layout) {
        g_object_unref(p.layout);
    }
    if (p.margin) {
        g_object_unref(p.margin);
    }
    if (p.lead) {
        g_object_unref(p.lead);
    }
    if (p.pc) {
        g_object_unref(p.pc);
    }
    cairo_font_options_destroy(fo);
    cairo_destroy(p.cr);
    cairo_surface_finish(p.surface);
    cairo_status_t st = cairo_surface_status(p.surface);
    cairo_surface_destroy(p.surface);
    if (rc == 0 && st != CAIRO_STATUS_SUCCESS) {
        rc = st == CAIRO_STATUS_NO_MEMORY     ? ERR_NOMEM
             : st == CAIRO_STATUS_WRITE_ERROR ? ERR_IO
                                              : ERR_INTERNAL;
    }
    return rc;
}

/* --- the three documents --------------------------------------------- */

enum format { FMT_MD, FMT_HTML, FMT_PDF };

static int
render(const char *json, size_t json_len, enum format fmt, char **out, size_t *len,
       const struct render_stop *stop)
{
    static const char *const exts[] = {".md", ".html", ".pdf"};
    char file[320];
    struct rec r;
    struct doc d = {0};
    struct buf b = {0};
    json_error_t jerr;
    json_t *root = NULL;
    int rc;
    *out = NULL;
    *len = 0;
    memset(&r, 0, sizeof(r));
    root = json ? json_loadb(json, json_len, JSON_REJECT_DUPLICATES, &jerr) : NULL;
    if (!root) {
        rc = json && json_error_code(&jerr) == json_error_out_of_memory ? ERR_NOMEM : ERR_BAD_JSON;
        goto fail;
    }
    if ((rc = rec_open(&r, root)) != 0) {
        goto fail;
    }
    record_file_name(get_str(r.meeting, "date"), get_str(r.commission, "name"), get_str(r.commission, "id"),
                     get_str(r.meeting, "id"), exts[fmt], file, sizeof(file));
    if ((rc = build(&d, &r, file))) {
        goto fail;
    }
    switch (fmt) {
    case FMT_MD:
        md_emit(&d, &b);
        break;
    case FMT_HTML:
        html_emit(&d, &b);
        break;
    case FMT_PDF:
        rc = pdf_emit(&d, &b, stop);
        break;
    }
    size_t n = b.len;
    char *text = buf_take(&b);
    if (rc == 0 && !text) {
        rc = ERR_NOMEM;
    }
    if (rc) {
        free(text);
        goto fail;
    }
    *out = text;
    *len = n;
fail:
    free(b.p);
    doc_free(&d);
    rec_close(&r);
    json_decref(root);
    return rc;
}

int
render_md(const char *json, size_t json_len, char **out, size_t *len)
{
    return render(json, json_len, FMT_MD, out, len, NULL);
}

int
render_html(const char *json, size_t json_len, char **out, size_t *len)
{
    return render(json, json_len, FMT_HTML, out, len, NULL);
}

int
render_pdf(const char *json, size_t json_len, char **out, size_t *len)
{
    return render(json, json_len, FMT_PDF, out, len, NULL);
}

int
render_pdf_until(const char *json, size_t json_len, char **out, size_t *len,
                 const struct render_stop *stop)
{
    return render(json, json_len, FMT_PDF, out, len, stop);
}

/* --- a document given block by block (render_doc) --------------------- */

static int
doc_from(const struct render_doc *rd, struct doc *d)
{
    memset(d, 0, sizeof(*d));
    d->lang = rd->lang && strcmp(rd->lang, "en") == 0 ? EN : FR;
    d->title = str_printf("%s", rd->title ? rd->title : "");
    d->header = str_printf("%s", rd->header ? rd->header : "");
    d->author = str_printf("%s", rd->author ? rd->author : "");
    d->created = str_printf("%s", rd->created ? rd->created : "");
    d->oom = !d->title || !d->header || !d->author || !d->created;
    struct table *rows = NULL;
    for (size_t i = 0; i < rd->n && !d->oom; i++) {
        const struct render_block *k = &rd->v[i];
        const char *text = k->text ? k->text : "";
        if (k->kind != RENDER_ROW) {
            rows = NULL;
        }
        switch (k->kind) {
        case RENDER_KICKER:
            doc_add(d, BK_PARA, ST_KICKER, text);
            break;
        case RENDER_TITLE:
            doc_add(d, BK_H1, ST_NORMAL, text);
            break;
        case RENDER_HEADING:
            doc_add(d, BK_H2, ST_NORMAL, text);
            break;
        case RENDER_SUBHEADING:
            doc_add(d, BK_H3, ST_NORMAL, text);
            break;
        case RENDER_PARA:
            doc_add(d, BK_PARA, ST_NORMAL, text);
            break;
        case RENDER_META:
            doc_add(d, BK_PARA, ST_META, text);
            break;
        case RENDER_ROW:
            if (!rows) {
                rows = doc_table(d, 2, false);
            }
            cell(d, rows, text);
            cell(d, rows, k->value ? k->value : "");
            break;
        }
    }
    return d->oom ? ERR_NOMEM : 0;
}

static int
doc_render(const struct render_doc *rd, enum format fmt, char **out, size_t *len)
{
    struct doc d;
    struct buf b = {0};
    *out = NULL;
    *len = 0;
    int rc = doc_from(rd, &d);
    if (rc == 0) {
        if (fmt == FMT_PDF) {
            rc = pdf_emit(&d, &b, NULL);
        } else {
            html_emit(&d, &b);
        }
    }
    size_t n = b.len;
    char *text = rc == 0 ? buf_take(&b) : NULL;
    if (rc == 0 && !text) {
        rc = ERR_NOMEM;
    }
    if (rc == 0) {
        *out = text;
        *len = n;
    }
    free(b.p);
    doc_free(&d);
    return rc;
}

int
render_doc_html(const struct render_doc *rd, char **out, size_t *len)
{
    return doc_render(rd, FMT_HTML, out, len);
}

int
render_doc_pdf(const struct render_doc *rd, char **out, size_t *len)
{
    return doc_render(rd, FMT_PDF, out, len);
}

void
render_when(const char *date, const char *lang, char *out, size_t len, long long *utc_ms)
{
    struct rec r;
    memset(&r, 0, sizeof(r));
    r.lang = lang && strcmp(lang, "en") == 0 ? EN : FR;
    struct date t = date_parse(date ? date : "");
    char day[128], hm[16];
    *utc_ms = -1;
    if (!t.ok) {
        snprintf(out, len, "%s", date ? date : "");
        return;
    }
    long long days = days_from_civil(t.y, (unsigned)t.mo, (unsigned)t.d);
    fmt_day(&r, t.y, t.mo, t.d, (int)(((days % 7) + 11) % 7), day, sizeof(day));
    if (!t.has_time) {
        snprintf(out, len, "%s", day);
        return;
    }
    snprintf(hm, sizeof(hm), "%02d:%02d", t.h, t.mi);
    snprintf(out, len, rec_word(&r, W_DATE_AT), day, hm);
    *utc_ms = ((days * 86400) + t.h * 3600LL + t.mi * 60LL - t.offset * 60LL) * 1000;
}
