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
