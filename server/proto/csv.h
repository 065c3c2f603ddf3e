/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * csv.h - the roster CSV reader (RFC 4180, plus what spreadsheets write).
 *
 * Accepts comma or semicolon separators (decided by the header line), CRLF
 * or LF line ends, a UTF-8 byte-order mark, quoted fields with "" escapes
 * and quoted newlines. Works on (buf, len) without I/O; fields handed to the
 * callback are borrowed until it returns.
 */
#ifndef CONCERTO_CSV_H
#define CONCERTO_CSV_H

#include <stddef.h>

#define CSV_MAX_FIELDS 16
#define CSV_MAX_FIELD 1024

/* Call `row` for each record (line numbers from 1, the header included).
 * Returns 0, the callback's non-zero value, or ERR_INVALID with *line set
 * (unterminated quote, too many fields, field too long, bytes not UTF-8 text:
 * a NUL byte is refused too). */
int csv_parse(const char *buf, size_t len,
              int (*row)(void *ctx, size_t line, char **fields, size_t n), void *ctx,
              size_t *line);

/* The offset of the first byte of buf[0..len) that is not UTF-8 text (a NUL
 * byte, an invalid sequence), or len when all are: what csv_parse() refuses
 * as not text, so that a caller can tell it from a syntax error. */
size_t csv_text_end(const char *buf, size_t len);

#endif
