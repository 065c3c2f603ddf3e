/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * render_html.c - the document's blocks as one standalone HTML page (its
 * style inline, no script, nothing fetched).
 *
 * It only lays out and escapes: the words and their order are the
 * document's (render_build.c); text is escaped for HTML (& < > " ') and
 * nothing a record holds can become markup.
 *
 * Invariant: it writes into a `struct buf`, whose `oom` flag sticks; the
 * caller checks it (buf_take() gives NULL), so a failed allocation is an
 * error, never a shorter page.
 */
#include "render_impl.h"

#include "../err.h"

#include <string.h>

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

void
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
