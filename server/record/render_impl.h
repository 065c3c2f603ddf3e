/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * render_impl.h - what the parts of the renderer share (render.c,
 * render_doc.c, render_rec.c, render_build.c, render_md.c, render_html.c,
 * render_pdf.c); private to server/record/render*.c.
 *
 * Three things: the growing string the back-ends write into (struct buf),
 * the document (struct doc: a flat list of blocks of plain UTF-8 text), and
 * the checked record (struct rec) with its getters and formatters. The
 * invariants are those of each part (see its file): `oom` sticks on a buf
 * and on a doc, and after rec_open() a getter never fails.
 */
#ifndef CONCERTO_RENDER_IMPL_H
#define CONCERTO_RENDER_IMPL_H

#include "words.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct render_stop;

#define NUM_MAX 1000000000000000LL /* 1e15: ms up to year 33658, counts */

/* --- a growing string (render_doc.c) --------------------------------- */

/* Always NUL-terminated once anything was put; `oom` sticks. */
struct buf {
    char *p;
    size_t len, cap;
    bool oom;
};

void
buf_put(struct buf *b, const char *s, size_t n);
void
buf_puts(struct buf *b, const char *s);
void
buf_printf(struct buf *b, const char *fmt, ...);
char *
buf_take(struct buf *b);
char *
str_printf(const char *fmt, ...);

/* --- the document (render_doc.c) --------------------------------------- */

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

void
doc_free(struct doc *d);
/* A block of `text`, or of printf(fmt, ...); _owned steals `text` (NULL: out of memory). */
void
doc_add_owned(struct doc *d, enum block_kind kind, enum block_style style, char *text);
void
doc_addf(struct doc *d, enum block_kind kind, enum block_style style, const char *fmt, ...);
void
doc_add(struct doc *d, enum block_kind kind, enum block_style style, const char *text);
void
doc_entry(struct doc *d, bool automatic, const char *lead, const char *text);
struct table *
doc_table(struct doc *d, size_t ncols, bool head);
/* A cell appended to `t` (NULL after a failed doc_table: d->oom is set). */
void
table_cell_owned(struct doc *d, struct table *t, char *text);
void
table_cellf(struct doc *d, struct table *t, const char *fmt, ...);
void
table_cell(struct doc *d, struct table *t, const char *text);

/* --- the record (render_rec.c) --------------------------------------- */

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

/* "YYYY-MM-DD[Thh:mm[:ss[.fff]]][Z|+hh:mm|-hh:mm]" */
struct date {
    bool ok, has_time, has_offset;
    int y, mo, d, h, mi, offset;
};

struct when {
    long long y;
    int mo, d, h, mi, s, wd; /* wd: 0 Sunday */
};

const char *
rec_word(const struct rec *r, enum word w);
const char *
get_str(const json_t *o, const char *key);
long long
num_clamp(json_int_t v);
long long
get_num(const json_t *o, const char *key);
bool
get_bool(const json_t *o, const char *key);
long long
add_saturated(long long a, long long b);
const json_t *
rec_participant(const struct rec *r, const char *id);
const char *
rec_name_of(const struct rec *r, const char *id);
long
rec_item_index(const struct rec *r, const char *id);
struct date
date_parse(const char *s);
long long
days_from_civil(long long y, unsigned m, unsigned d);
struct when
rec_civil(const struct rec *r, long long ms);
void
fmt_day(const struct rec *r, long long y, int mo, int d, int wd, char *out, size_t len);
void
fmt_time(const struct rec *r, long long ms, char *out, size_t len);
void
fmt_datetime(const struct rec *r, long long ms, char *out, size_t len);
void
fmt_duration(long long ms, char *out, size_t len);
void
fmt_count(const struct rec *r, long long v, char *out, size_t len);
void
fmt_share(const struct rec *r, long long part, long long whole, char *out, size_t len);
const char *
role_word(const struct rec *r, const char *role);
int
rec_open(struct rec *r, json_t *root);
void
rec_close(struct rec *r);

/* --- what the record says (render_build.c) --------------------------- */

int
doc_build(struct doc *d, const struct rec *r, const char *file);

/* --- the back-ends ------------------------------------------------------ */

void
md_emit(const struct doc *d, struct buf *b);
void
html_emit(const struct doc *d, struct buf *b);
int
pdf_emit(const struct doc *d, struct buf *out, const struct render_stop *stop);

#endif
