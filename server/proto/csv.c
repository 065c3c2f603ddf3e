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

/* The reader's state between two bytes. */
struct csv_state {
    int (*row)(void *ctx, size_t line, char **fields, size_t n);
    void *ctx;
    char *store; /* CSV_MAX_FIELDS fields of CSV_MAX_FIELD bytes and a NUL */
    char *fields[CSV_MAX_FIELDS];
    size_t nf, fl; /* fields done on this row, bytes in the current one */
    size_t lineno, start_line; /* the current line, the line the row began on */
    bool quoted, was_quoted, any;
};

/* The separator is whichever of ';' and ',' the header line uses first. */
static char
csv_separator(const char *buf, size_t len)
{
    for (size_t i = 0; i < len && buf[i] != '\n'; i++) {
        if (buf[i] == ';' || buf[i] == ',') {
            return buf[i];
        }
    }
    return ',';
}

/* A separator or line end outside quotes: closes the field and, at a line
 * end, hands the row on (a blank line is skipped). Returns row's status, or
 * ERR_INVALID past CSV_MAX_FIELDS fields. */
static int
csv_end_field(struct csv_state *s, char c)
{
    if (s->nf == CSV_MAX_FIELDS) {
        return ERR_INVALID;
    }
    char *f = s->fields[s->nf] = s->store + s->nf * (CSV_MAX_FIELD + 1);
    f[s->fl] = 0;
    /* A CR before the LF belongs to the line end, not the field. */
    if (c == '\n' && s->fl && f[s->fl - 1] == '\r' && !s->was_quoted) {
        f[--s->fl] = 0;
    }
    s->nf++;
    s->fl = 0;
    s->was_quoted = false;
    if (c == '\n') {
        bool blank = s->nf == 1 && s->fields[0][0] == 0 && !s->any;
        int rc;
        if (!blank && (rc = s->row(s->ctx, s->start_line, s->fields, s->nf))) {
            return rc;
        }
        s->nf = 0;
        s->any = false;
        s->lineno++;
        s->start_line = s->lineno;
    }
    return 0;
}

/* The state machine over buf (text, no BOM), one byte at a time; the end
 * of the input counts as a last line end. Returns 0 or the first error,
 * which belongs to line s->start_line. */
static int
csv_run(struct csv_state *s, const char *buf, size_t len, char sep)
{
    for (size_t i = 0; i <= len; i++) {
        char c = i < len ? buf[i] : '\n';
        if (s->quoted) {
            if (i == len) {
                return ERR_INVALID;
            }
            if (c == '"') {
                if (i + 1 < len && buf[i + 1] == '"') {
                    i++;
                } else {
                    s->quoted = false;
                    continue;
                }
            }
            if (c == '\n') {
                s->lineno++;
            }
        } else if (c == '"' && s->fl == 0 && !s->was_quoted) {
            s->quoted = s->was_quoted = s->any = true;
            continue;
        } else if (c == sep || c == '\n') {
            int rc = csv_end_field(s, c);
            if (rc) {
                return rc;
            }
            continue;
        } else if (s->was_quoted) {
            if (c == '\r' && (i + 1 == len || buf[i + 1] == '\n')) {
                continue; /* the CR of a CRLF after a closing quote */
            }
            return ERR_INVALID; /* text after a closing quote */
        }
        if (s->fl == CSV_MAX_FIELD || s->nf == CSV_MAX_FIELDS) {
            return ERR_INVALID;
        }
        s->store[s->nf * (CSV_MAX_FIELD + 1) + s->fl++] = c;
        s->any = s->any || c != '\r'; /* a line of only CRLF is blank */
    }
    return 0;
}

int
csv_parse(const char *buf, size_t len, int (*row)(void *ctx, size_t line, char **fields, size_t n),
          void *ctx, size_t *line)
{
    static const unsigned char bom[] = {0xef, 0xbb, 0xbf};
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
    char sep = csv_separator(buf, len);
    struct csv_state s = {.row = row, .ctx = ctx, .lineno = 1, .start_line = 1};
    s.store = malloc(CSV_MAX_FIELDS * (CSV_MAX_FIELD + 1));
    if (!s.store) {
        return ERR_NOMEM;
    }
    int rc = csv_run(&s, buf, len, sep);
    if (rc) {
        *line = s.start_line;
    }
    free(s.store);
    return rc;
}
