/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * render.h - the readable record: record.json (proto/RECORD.md) laid out as
 * a French procès-verbal, in three documents: Markdown, a standalone HTML
 * page, and an A4 PDF.
 *
 * The three say the same thing in the same order, in the meeting's language
 * (`lang`, "fr" or "en", words.h): heading, attendance by college with every
 * presence period and the quorum at the close, every proxy, recusals, the
 * agenda with planned and actual times, the minutes in time order grouped
 * by agenda item with each vote as a table, speaking time, the closing
 * block with the chain head and how to verify the signatures, and the
 * signature block (chair and secretary, when each signed, the key's id).
 *
 * The output depends on record.json alone: no clock, no locale, no time
 * zone. Times are shown in the offset of the meeting's `date` (UTC when it
 * has none), and the PDF's creation date is the meeting's closing time, so
 * the same record gives the same bytes on the same system libraries and
 * fonts.
 *
 * Each function returns 0 or a negative enum err: ERR_BAD_JSON when `json`
 * is not JSON (or not UTF-8), ERR_INVALID when a field the record needs is
 * missing or has the wrong type, ERR_NOMEM, ERR_IO or ERR_INTERNAL when the
 * PDF library fails. On success *out is new (malloc'd, caller frees) and
 * NUL-terminated, *len its length in bytes without the NUL; on failure *out
 * is NULL.
 */
#ifndef CONCERTO_RENDER_H
#define CONCERTO_RENDER_H

#include <stdbool.h>
#include <stddef.h>

int
render_md(const char *json, size_t json_len, char **out, size_t *len);
int
render_html(const char *json, size_t json_len, char **out, size_t *len);
int
render_pdf(const char *json, size_t json_len, char **out, size_t *len);

/* A short document that is not the record (a meeting's convocation), laid
 * out by the same HTML and PDF back-ends so that it looks like the record
 * and no second layout exists: the caller gives the wording, in order.
 * Consecutive RENDER_ROW blocks make one table of label/value rows. */
enum render_kind {
    RENDER_KICKER,  /* small line above the title */
    RENDER_TITLE,   /* the document's heading */
    RENDER_HEADING, /* a section */
    RENDER_SUBHEADING,
    RENDER_PARA,
    RENDER_META, /* secondary text */
    RENDER_ROW   /* text: the label, value: the value */
};

struct render_block {
    enum render_kind kind;
    const char *text;
    const char *value;
};

struct render_doc {
    const char *lang;    /* "fr" or "en" */
    const char *title;   /* HTML <title>, PDF title */
    const char *header;  /* the PDF's running header */
    const char *author;  /* PDF metadata */
    const char *created; /* ISO 8601, PDF metadata: the caller's, no clock here */
    const struct render_block *v;
    size_t n;
};

/* A meeting's `date` (ISO 8601, as the meeting holds it) as the record
 * writes it, "mardi 2 février 2021 à 14:00" or "Tuesday 2 February 2021 at
 * 14:00", into out[len] (the text itself when it is no date). *utc_ms gets
 * its instant (UTC when the date has no offset), or -1 when it has no time
 * of day or is no date. */
void
render_when(const char *date, const char *lang, char *out, size_t len, long long *utc_ms);

/* 0 or ERR_NOMEM / ERR_IO / ERR_INTERNAL; *out new, as above. */
int
render_doc_html(const struct render_doc *rd, char **out, size_t *len);
int
render_doc_pdf(const struct render_doc *rd, char **out, size_t *len);

/* render_pdf(), asking stop->stop(stop->ctx) before each block is laid out
 * and each page is written (a 50,000-event record is thousands of blocks,
 * a few milliseconds apart): when it says true, the PDF is abandoned and
 * ERR_INTERNAL returned. For a server that stops while a PDF is made. */
struct render_stop {
    bool (*stop)(void *ctx);
    void *ctx;
};
int
render_pdf_until(const char *json, size_t json_len, char **out, size_t *len,
                 const struct render_stop *stop);

#endif
