/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * csv.c - a one-pass CSV state machine into a fixed field buffer.
 *
 * Memory is bounded by CSV_MAX_FIELDS * CSV_MAX_FIELD whatever the input,
 * which matters because the input comes from the network.
 */
#include "csv.h"

#include "../err.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* The offset of the first byte that is not valid UTF-8 text, or n when all
 * are. A NUL byte is not text: in a field it would cut the C string short,
 * and "A\0B" would be stored as "A". */
static size_t
utf8_end(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        size_t k;
        if (c == 0) {
            return i;
        } else if (c < 0x80) {
            i++;
            continue;
        } else if ((c >> 5) == 6) {
            k = 1;
        } else if ((c >> 4) == 14) {
            k = 2;
        } else if ((c >> 3) == 30) {
            k = 3;
        } else {
            return i;
        }
        if (i + k >= n) {
            return i;
        }
        for (size_t j = 1; j <= k; j++) {
            if ((s[i + j] & 0xc0) != 0x80) {
                return i;
            }
        }
        /* overlong forms, surrogates and code points past U+10FFFF */
        if ((k == 1 && c < 0xc2) || (k == 2 && c == 0xe0 && s[i + 1] < 0xa0) ||
            (k == 2 && c == 0xed && s[i + 1] >= 0xa0) ||
            (k == 3 && (c > 0xf4 || (c == 0xf0 && s[i + 1] < 0x90) ||
                        (c == 0xf4 && s[i + 1] >= 0x90)))) {
            return i;
        }
        i += k + 1;
    }
    return n;
}

size_t
csv_text_end(const char *buf, size_t len)
{
    return utf8_end((const unsigned char *)buf, len);
}

int
csv_parse(const char *buf, size_t len, int (*row)(void *ctx, size_t line, char **fields, size_t n),
          void *ctx, size_t *line)
{
    static const unsigned char bom[] = {0xef, 0xbb, 0xbf};
    size_t lineno = 1, start_line = 1;
    *line = 0;
    size_t bad = utf8_end((const unsigned char *)buf, len);
    if (bad < len) {
        *line = 1;
        for (size_t i = 0; i < bad; i++) {
            *line += buf[i] == '\n';
        }
        return ERR_INVALID;
    }
    if (len >= 3 && memcmp(buf, bom, 3) == 0) {
        buf += 3;
        len -= 3;
    }
    /* The separator is whichever of ';' and ',' the header line uses first. */
    char sep = ',';
    for (size_t i = 0; i < len && buf[i] != '\n'; i++) {
        if (buf[i] == ';' || buf[i] == ',') {
            sep = buf[i];
            break;
        }
    }
    char *store = malloc(CSV_MAX_FIELDS * (CSV_MAX_FIELD + 1));
    if (!store) {
        return ERR_NOMEM;
    }
    char *fields[CSV_MAX_FIELDS];
    size_t nf = 0, fl = 0;
    bool quoted = false, was_quoted = false, any = false;
    int rc = 0;
    for (size_t i = 0; i <= len; i++) {
        char c = i < len ? buf[i] : '\n';
        bool at_end = i == len;
        if (quoted) {
            if (at_end) {
                *line = start_line;
                rc = ERR_INVALID;
                goto fail;
            }
            if (c == '"') {
                if (i + 1 < len && buf[i + 1] == '"') {
                    i++;
                } else {
                    quoted = false;
                    continue;
                }
            }
            if (c == '\n') {
                lineno++;
            }
        } else if (c == '"' && fl == 0 && !was_quoted) {
            quoted = was_quoted = any = true;
            continue;
        } else if (c == sep || c == '\n') {
            if (nf == CSV_MAX_FIELDS) {
                *line = start_line;
                rc = ERR_INVALID;
                goto fail;
            }
            fields[nf] = store + nf * (CSV_MAX_FIELD + 1);
            fields[nf][fl] = 0;
            /* A CR before the LF belongs to the line end, not the field. */
            if (c == '\n' && fl && fields[nf][fl - 1] == '\r' && !was_quoted) {
                fields[nf][--fl] = 0;
            }
            nf++;
            fl = 0;
            was_quoted = false;
            if (c == '\n') {
                bool blank = nf == 1 && fields[0][0] == 0 && !any;
                if (!blank && (rc = row(ctx, start_line, fields, nf))) {
                    *line = start_line;
                    goto fail;
                }
                nf = 0;
                any = false;
                lineno++;
                start_line = lineno;
            }
            continue;
        } else if (was_quoted) {
            if (c == '\r' && (i + 1 == len || buf[i + 1] == '\n')) {
                continue; /* the CR of a CRLF after a closing quote */
            }
            *line = start_line; /* text after a closing quote */
            rc = ERR_INVALID;
            goto fail;
        }
        if (fl == CSV_MAX_FIELD || nf == CSV_MAX_FIELDS) {
            *line = start_line;
            rc = ERR_INVALID;
            goto fail;
        }
        store[nf * (CSV_MAX_FIELD + 1) + fl++] = c;
        any = any || c != '\r'; /* a line of only CRLF is blank */
    }
fail:
    free(store);
    return rc;
}
