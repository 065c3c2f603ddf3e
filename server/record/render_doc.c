/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * render_doc.c - the document the record becomes: a flat list of blocks
 * (headings, paragraphs, minutes entries, tables, code) of plain UTF-8, and
 * the growing string the back-ends write into (render_impl.h).
 *
 * Why a flat list: all the wording and order is decided once (render_build.c),
 * and the Markdown, HTML and PDF back-ends only lay blocks out, so the three
 * documents cannot say different things.
 *
 * Invariants: running out of memory is never silent. A `struct buf` or a
 * `struct doc` that failed to grow sets its `oom` flag, which sticks: every
 * later put is a no-op, buf_take() then gives NULL, and the caller turns
 * d->oom into ERR_NOMEM, so a failed allocation can only end in an error,
 * never in a shorter document. Block texts are trimmed of surrounding white
 * space (no format shows it, and Markdown emphasis cannot start on it).
 */
#include "render_impl.h"

#include "../err.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- a growing string ------------------------------------------------ */

void
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

void
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

void
buf_printf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(b, fmt, ap);
    va_end(ap);
}

/* The text (new), or NULL when out of memory; the buffer is left empty. */
char *
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
char *
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

void
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
void
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

void
doc_addf(struct doc *d, enum block_kind kind, enum block_style style, const char *fmt, ...)
{
    struct buf b = {0};
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    doc_add_owned(d, kind, style, buf_take(&b));
}

void
doc_add(struct doc *d, enum block_kind kind, enum block_style style, const char *text)
{
    doc_addf(d, kind, style, "%s", text);
}

/* A minutes entry: `lead` the time, `text` the entry (both copied). */
void
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
struct table *
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
void
table_cell_owned(struct doc *d, struct table *t, char *text)
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

void
table_cellf(struct doc *d, struct table *t, const char *fmt, ...)
{
    struct buf b = {0};
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    table_cell_owned(d, t, buf_take(&b));
}

void
table_cell(struct doc *d, struct table *t, const char *text)
{
    table_cellf(d, t, "%s", text);
}
