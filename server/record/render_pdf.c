/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * render_pdf.c - the document's blocks as an A4 PDF (pango for the text,
 * cairo for the pages).
 *
 * The PDF is laid out once, each page drawn into a cairo recording; the
 * number of pages then known, every recording is replayed into the PDF with
 * its header and "page N / M". (Laying out twice, to count the pages and
 * then to draw, spent most of the time shaping every text twice: 17,500
 * minutes entries took 1.6 s, 1.1 s once; the recordings hold some 60 MB
 * while they wait.) Text is placed line by line, so a paragraph of any
 * length breaks across pages; table rows never break, a cell is cut (with
 * an ellipsis) at most near a page's height, and a table's header row is
 * repeated on each page.
 *
 * Invariants: nothing reads the clock, the locale or the time zone (the
 * PDF's dates come from the document, which has them from the record);
 * every failure of pango, cairo or an allocation ends in an error code, and
 * a caller's stop request abandons the PDF (ERR_INTERNAL).
 */
#include "render_impl.h"

#include "../err.h"
#include "render.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <pango/pangocairo.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    bool draw;                      /* false: the measuring pass */
    int page;                       /* 1-based, the page being laid out */
    int npages;                     /* known in the drawing pass */
    double y;                       /* top of the free space on the page */
    double time_col;                /* width of the minutes' time column */
    int outline;                    /* outline id of the last H2, for H3 children */
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
        p->oom = p->oom || !typo; /* never the text without its no-break spaces */
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

/* Column c holds numbers, aligned right. */
static bool
is_numeric(const struct table *t, size_t c)
{
    return c < 64 && (t->right >> c & 1);
}

/* The table fits: the text columns (all, when every one is numeric) share
 * the room left over, in proportion to their natural width. */
static void
widths_spread(const struct table *t, const double *nat, double sum, double *w)
{
    size_t nc = t->ncols;
    double text = 0;
    for (size_t c = 0; c < nc; c++) {
        text += is_numeric(t, c) ? 0 : nat[c];
    }
    for (size_t c = 0; c < nc; c++) {
        bool grows = text > 0 ? !is_numeric(t, c) : true;
        double share = text > 0 ? nat[c] / text : nat[c] / sum;
        w[c] += grows ? (CONTENT_W - sum) * share : 0;
    }
}

/* The table is too wide: columns narrow down to their longest word, the
 * room left shared by what each lacks; when even that does not fit, the
 * columns narrower than an even share keep their width and the others
 * share what is left (words then break). 0 or ERR_NOMEM. */
static int
widths_squeeze(struct pdf *p, const struct table *t, const double *nat, double *w)
{
    size_t nc = t->ncols;
    double min_sum = 0, lack = 0;
    for (size_t c = 0; c < nc; c++) {
        /* a column that fits in an even share never wraps ("2.1",
         * "40 min"); a wider one never breaks a word */
        w[c] = nat[c] <= CONTENT_W / (double)nc ? nat[c] : longest_word(p, t, c);
        w[c] = w[c] > nat[c] ? nat[c] : w[c];
        min_sum += w[c];
        lack += nat[c] - w[c];
    }
    if (min_sum <= CONTENT_W && lack > 0) {
        for (size_t c = 0; c < nc; c++) {
            w[c] += (CONTENT_W - min_sum) * (nat[c] - w[c]) / lack;
        }
        return 0;
    }
    bool *fixed = calloc(nc, sizeof(*fixed));
    if (!fixed) {
        return ERR_NOMEM;
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
    free(fixed);
    return 0;
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
    if (!nat) {
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
    int rc = 0;
    if (sum <= CONTENT_W) {
        widths_spread(t, nat, sum, w);
    } else {
        rc = widths_squeeze(p, t, nat, w);
    }
    free(nat);
    return rc;
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

/* The PDF surface with the document's metadata, the pango context with
 * settings that do not depend on the machine's, the layouts and fonts, and
 * the width of the minutes' time column. 0 or ERR_NOMEM; what was made is
 * in `p` (and *fo) for pdf_close() either way. */
static int
pdf_open(struct pdf *p, struct buf *out, cairo_font_options_t **fo)
{
    const struct doc *d = p->d;
    p->surface = cairo_pdf_surface_create_for_stream(pdf_write, out, PAGE_W, PAGE_H);
    if (cairo_surface_status(p->surface) != CAIRO_STATUS_SUCCESS) {
        return ERR_NOMEM;
    }
    cairo_pdf_surface_set_metadata(p->surface, CAIRO_PDF_METADATA_TITLE, d->title);
    cairo_pdf_surface_set_metadata(p->surface, CAIRO_PDF_METADATA_AUTHOR, d->author);
    cairo_pdf_surface_set_metadata(p->surface, CAIRO_PDF_METADATA_SUBJECT, d->header);
    cairo_pdf_surface_set_metadata(p->surface, CAIRO_PDF_METADATA_CREATOR, "Concerto");
    cairo_pdf_surface_set_metadata(p->surface, CAIRO_PDF_METADATA_CREATE_DATE, d->created);
    cairo_pdf_surface_set_metadata(p->surface, CAIRO_PDF_METADATA_MOD_DATE, d->created);
    p->cr = cairo_create(p->surface);
    p->pc = pango_cairo_create_context(p->cr);
    *fo = cairo_font_options_create();
    if (cairo_status(p->cr) != CAIRO_STATUS_SUCCESS || !p->pc ||
        cairo_font_options_status(*fo) != CAIRO_STATUS_SUCCESS) {
        return ERR_NOMEM;
    }
    /* outlines and metrics that do not depend on the machine's font settings */
    cairo_font_options_set_hint_style(*fo, CAIRO_HINT_STYLE_NONE);
    cairo_font_options_set_hint_metrics(*fo, CAIRO_HINT_METRICS_OFF);
    pango_cairo_context_set_font_options(p->pc, *fo);
    pango_context_set_round_glyph_positions(p->pc, FALSE);
    pango_context_set_language(p->pc, pango_language_from_string(d->lang == EN ? "en" : "fr"));
    p->layout = pango_layout_new(p->pc);
    p->margin = pango_layout_new(p->pc);
    p->lead = pango_layout_new(p->pc);
    for (int f = 0; f < F_COUNT; f++) {
        p->fonts[f] = pango_font_description_from_string(font_names[f]);
    }
    /* the time column: a bold "00:00" and a gap */
    PangoRectangle logical;
    layout_set(p, p->lead, F_STRONG, "00:00", -1);
    pango_layout_get_extents(p->lead, NULL, &logical);
    p->time_col = (double)logical.width / PANGO_SCALE + 8;
    return 0;
}

/* A cairo status as an error code: 0 on success. */
static int
cairo_rc(cairo_status_t st)
{
    return st == CAIRO_STATUS_SUCCESS ? 0 : st == CAIRO_STATUS_NO_MEMORY ? ERR_NOMEM : ERR_INTERNAL;
}

/* Lay out and draw once, each page into a recording (p->pages); then, the
 * number of pages known, replay every page into the PDF with its header
 * and its "page N / M". (Laying the text out twice, to count the pages and
 * then to draw them, was most of the time: shaping is pango's costly part.) */
static int
pdf_pages(struct pdf *p)
{
    cairo_t *pdf_cr = p->cr;
    p->cr = NULL;
    p->draw = true;
    int rc = pdf_flow(p);
    if (rc == 0 && p->oom) {
        rc = ERR_NOMEM;
    }
    if (rc == 0 && p->cr) {
        rc = cairo_rc(cairo_status(p->cr));
    }
    cairo_destroy(p->cr);
    p->cr = pdf_cr;
    p->npages = p->page;
    for (size_t i = 0; rc == 0 && i < p->npages_rec; i++) {
        if (p->stop && p->stop->stop(p->stop->ctx)) {
            return ERR_INTERNAL;
        }
        cairo_set_source_surface(pdf_cr, p->pages[i], 0, 0);
        cairo_paint(pdf_cr);
        page_margins(p, pdf_cr, (int)i + 1);
        cairo_show_page(pdf_cr);
    }
    return rc == 0 ? cairo_rc(cairo_status(p->cr)) : rc;
}

/* Free what pdf_open() and pdf_pages() made, and finish the PDF: `rc`, or
 * the error the PDF's stream had when rc is 0. */
static int
pdf_close(struct pdf *p, cairo_font_options_t *fo, int rc)
{
    for (size_t i = 0; i < p->npages_rec; i++) {
        cairo_surface_destroy(p->pages[i]);
    }
    free(p->pages);
    for (int f = 0; f < F_COUNT; f++) {
        if (p->fonts[f]) {
            pango_font_description_free(p->fonts[f]);
        }
    }
    if (p->layout) {
        g_object_unref(p->layout);
    }
    if (p->margin) {
        g_object_unref(p->margin);
    }
    if (p->lead) {
        g_object_unref(p->lead);
    }
    if (p->pc) {
        g_object_unref(p->pc);
    }
    cairo_font_options_destroy(fo);
    cairo_destroy(p->cr);
    cairo_surface_finish(p->surface);
    cairo_status_t st = cairo_surface_status(p->surface);
    cairo_surface_destroy(p->surface);
    if (rc == 0 && st != CAIRO_STATUS_SUCCESS) {
        rc = st == CAIRO_STATUS_NO_MEMORY     ? ERR_NOMEM
             : st == CAIRO_STATUS_WRITE_ERROR ? ERR_IO
                                              : ERR_INTERNAL;
    }
    return rc;
}

int
pdf_emit(const struct doc *d, struct buf *out, const struct render_stop *stop)
{
    struct pdf p = {.d = d, .stop = stop};
    cairo_font_options_t *fo = NULL;
    int rc = pdf_open(&p, out, &fo);
    if (rc == 0) {
        rc = pdf_pages(&p);
    }
    return pdf_close(&p, fo, rc);
}
