/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * render_md.c - the document's blocks as Markdown (CommonMark with GFM
 * tables).
 *
 * It only lays out and escapes: the words and their order are the
 * document's (render_build.c). Every character a reader's Markdown could
 * take for markup is escaped, so the text reads as written, and table cells
 * stay on one line.
 *
 * Invariant: it writes into a `struct buf`, whose `oom` flag sticks; the
 * caller checks it (buf_take() gives NULL), so a failed allocation is an
 * error, never a shorter text.
 */
#include "render_impl.h"

#include "../err.h"

#include <stdio.h>
#include <string.h>

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

void
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
