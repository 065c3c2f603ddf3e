/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * convoc.c - the convocation (see convoc.h).
 *
 * The wording is written once, in blocks(): a list of render.h blocks in
 * order. The HTML page and the PDF are those blocks through render.h's
 * back-ends; the plain text of the e-mail is the same blocks as lines. The
 * iCalendar invitation says the essentials again in its own syntax: one
 * VEVENT, times in UTC, text escaped (RFC 5545 3.3.11) and content lines
 * folded at 75 octets, never inside a UTF-8 sequence, with CRLF endings.
 */
#define _POSIX_C_SOURCE 200809L
#include "convoc.h"

#include "../err.h"
#include "render.h"
#include "words.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_DURATION_S 7200

struct blocks {
    struct render_block *v;
    char **owned;
    size_t n, cap;
    bool oom;
    char when[192];
};

/* Block `i`'s text is `s`, freed with the blocks (NULL: out of memory). */
static const char *
own(struct blocks *b, size_t i, char *s)
{
    if (!s) {
        b->oom = true;
        return "";
    }
    b->owned[i] = s;
    return s;
}

static void
add(struct blocks *b, enum render_kind kind, const char *text, const char *value)
{
    if (b->n < b->cap) {
        b->v[b->n].kind = kind;
        b->v[b->n].text = text;
        b->v[b->n].value = value;
        b->n++;
    }
}

static void
addf(struct blocks *b, enum render_kind kind, const char *fmt, ...)
{
    char *s = NULL;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n >= 0 && (s = malloc((size_t)n + 1))) {
        va_start(ap, fmt);
        vsnprintf(s, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    if (b->n < b->cap) {
        add(b, kind, own(b, b->n, s), NULL);
    } else {
        free(s);
    }
}

static void
blocks_free(struct blocks *b)
{
    for (size_t i = 0; b->owned && i < b->cap; i++) {
        free(b->owned[i]);
    }
    free(b->owned);
    free(b->v);
    memset(b, 0, sizeof(*b));
}

static enum lang
lang_of(const struct convoc *c)
{
    return c->lang && strcmp(c->lang, "en") == 0 ? EN : FR;
}

/* Everything the convocation says, in order. */
static int
blocks(const struct convoc *c, struct blocks *b)
{
    enum lang lang = lang_of(c);
    size_t ndocs = 0;
    for (size_t i = 0; i < c->nitems; i++) {
        ndocs += c->items[i].ndocs;
    }
    memset(b, 0, sizeof(*b));
    b->cap = 16 + 3 * c->nitems + ndocs;
    b->v = calloc(b->cap, sizeof(*b->v));
    b->owned = calloc(b->cap, sizeof(*b->owned));
    if (!b->v || !b->owned) {
        blocks_free(b);
        return ERR_NOMEM;
    }
    long long utc;
    render_when(c->date, c->lang, b->when, sizeof(b->when), &utc);
    add(b, RENDER_KICKER, c->commission, NULL);
    add(b, RENDER_TITLE, words_get(lang, W_CONV_TITLE), NULL);
    addf(b, RENDER_PARA, words_get(lang, W_CONV_GREETING), c->name);
    addf(b, RENDER_PARA, words_get(lang, W_CONV_INVITED), c->title, c->commission);
    add(b, RENDER_ROW, words_get(lang, W_CONV_DATE),
        b->when[0] ? b->when : words_get(lang, W_CONV_NO_DATE));
    if (c->place && c->place[0]) {
        add(b, RENDER_ROW, words_get(lang, W_PLACE), c->place);
    }
    if (c->room && c->room[0]) {
        add(b, RENDER_ROW, words_get(lang, W_ROOM), c->room);
    }
    add(b, RENDER_HEADING, words_get(lang, W_AGENDA), NULL);
    if (c->nitems == 0) {
        add(b, RENDER_META, words_get(lang, W_NO_AGENDA), NULL);
    }
    for (size_t i = 0; i < c->nitems; i++) {
        const struct convoc_item *it = &c->items[i];
        addf(b, RENDER_SUBHEADING, words_get(lang, W_CONV_ITEM), it->number, it->title);
        if (it->description && it->description[0]) {
            add(b, RENDER_META, it->description, NULL);
        }
        for (size_t k = 0; k < it->ndocs; k++) {
            add(b, RENDER_ROW, k == 0 ? words_get(lang, W_CONV_DOCUMENTS) : "",
                it->docs[k].url && it->docs[k].url[0] ? it->docs[k].url : it->docs[k].name);
            if (it->docs[k].url && it->docs[k].url[0] && b->n) {
                /* the name, then where it is */
                b->v[b->n - 1].value = NULL;
                char *s = NULL;
                size_t n = strlen(it->docs[k].name) + strlen(it->docs[k].url) + 4;
                if ((s = malloc(n))) {
                    snprintf(s, n, "%s: %s", it->docs[k].name, it->docs[k].url);
                }
                b->v[b->n - 1].value = own(b, b->n - 1, s);
            }
        }
    }
    add(b, RENDER_HEADING, words_get(lang, W_CONV_LINK), NULL);
    add(b, RENDER_PARA, c->link, NULL);
    add(b, RENDER_META, words_get(lang, W_CONV_LINK_NOTE), NULL);
    add(b, RENDER_PARA, words_get(lang, W_CONV_SIGNED), NULL);
    if (b->oom) {
        blocks_free(b); /* the callers have nothing to free on an error */
        return ERR_NOMEM;
    }
    return 0;
}

static int
take(FILE *f, char **buf, char **out, size_t *len, size_t *n)
{
    /* glibc's memory stream reports a failed flush from fflush() but not
     * always from fclose(), and leaves *buf NULL when its last allocation
     * fails: both checked, so a text cut short is never taken */
    int rc = fflush(f) != 0 || ferror(f) ? ERR_NOMEM : 0;
    if (fclose(f) != 0 || !*buf) {
        rc = ERR_NOMEM;
    }
    if (rc) {
        free(*buf);
        *out = NULL;
        *len = 0;
        return rc;
    }
    *out = *buf;
    *len = *n;
    return 0;
}

int
convoc_subject(const struct convoc *c, char **out, size_t *len)
{
    char when[192];
    long long utc;
    render_when(c->date, c->lang, when, sizeof(when), &utc);
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    if (!f) {
        return ERR_NOMEM;
    }
    fprintf(f, words_get(lang_of(c), W_CONV_SUBJECT), c->title,
            when[0] ? when : words_get(lang_of(c), W_CONV_NO_DATE));
    return take(f, &buf, out, len, &n);
}

int
convoc_text(const struct convoc *c, char **out, size_t *len)
{
    struct blocks b;
    int rc = blocks(c, &b);
    if (rc) {
        return rc;
    }
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    if (!f) {
        blocks_free(&b);
        return ERR_NOMEM;
    }
    const char *sep = words_get(lang_of(c), W_SEP);
    for (size_t i = 0; i < b.n; i++) {
        const struct render_block *k = &b.v[i];
        switch (k->kind) {
        case RENDER_TITLE:
        case RENDER_HEADING: {
            size_t w = 0;
            for (const char *p = k->text; *p; p++) {
                w += ((unsigned char)*p & 0xc0) != 0x80;
            }
            fprintf(f, "%s\n", k->text);
            for (size_t j = 0; j < w; j++) {
                fputc(k->kind == RENDER_TITLE ? '=' : '-', f);
            }
            fputs("\n\n", f);
            break;
        }
        case RENDER_ROW:
            fprintf(f, "%s%s%s\n", k->text[0] ? k->text : "  ", k->text[0] ? sep : "  ",
                    k->value ? k->value : "");
            if (i + 1 == b.n || b.v[i + 1].kind != RENDER_ROW) {
                fputc('\n', f);
            }
            break;
        case RENDER_META:
            fprintf(f, "   %s\n\n", k->text);
            break;
        default:
            fprintf(f, "%s\n\n", k->text);
            break;
        }
    }
    blocks_free(&b);
    return take(f, &buf, out, len, &n);
}

static int
document(const struct convoc *c, bool pdf, char **out, size_t *len)
{
    struct blocks b;
    int rc = blocks(c, &b);
    if (rc) {
        return rc;
    }
    char *title = NULL, *header = NULL;
    size_t tl;
    rc = convoc_subject(c, &title, &tl);
    if (rc == 0) {
        size_t n = strlen(c->commission) + strlen(c->title) + 8;
        if ((header = malloc(n))) {
            snprintf(header, n, "%s \xe2\x80\x93 %s", c->commission, c->title);
        } else {
            rc = ERR_NOMEM;
        }
    }
    if (rc == 0) {
        struct render_doc rd = {.lang = c->lang,
                                .title = title,
                                .header = header,
                                .author = c->commission,
                                .created = "",
                                .v = b.v,
                                .n = b.n};
        rc = pdf ? render_doc_pdf(&rd, out, len) : render_doc_html(&rd, out, len);
    }
    free(title);
    free(header);
    blocks_free(&b);
    return rc;
}

int
convoc_html(const struct convoc *c, char **out, size_t *len)
{
    return document(c, false, out, len);
}

int
convoc_pdf(const struct convoc *c, char **out, size_t *len)
{
    return document(c, true, out, len);
}

/* --- iCalendar ---------------------------------------------------------- */

/* One content line "NAME:value" (value already escaped), folded: a line
 * holds at most 75 octets, a continuation starts with a space, and a UTF-8
 * sequence is never cut. */
static void
ics_line(FILE *f, const char *name, const char *value)
{
    size_t col = 0;
    const char *parts[2] = {name, value};
    for (int k = 0; k < 2; k++) {
        for (const unsigned char *p = (const unsigned char *)parts[k]; *p;) {
            size_t n = *p < 0x80 ? 1 : *p >= 0xf0 ? 4 : *p >= 0xe0 ? 3 : *p >= 0xc0 ? 2 : 1;
            if (col + n > 75) {
                fputs("\r\n ", f);
                col = 1;
            }
            fwrite(p, 1, n, f);
            col += n;
            p += n;
        }
        if (k == 0) {
            fputc(':', f);
            col++;
        }
    }
    fputs("\r\n", f);
}

/* TEXT escaped (RFC 5545 3.3.11) into a new string; NULL when out of memory. */
static char *
ics_text(const char *s)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    if (!f) {
        return NULL;
    }
    for (; s && *s; s++) {
        if (*s == '\\' || *s == ';' || *s == ',') {
            fputc('\\', f);
            fputc(*s, f);
        } else if (*s == '\n') {
            fputs("\\n", f);
        } else if (*s != '\r') {
            fputc(*s, f);
        }
    }
    char *out;
    size_t len;
    return take(f, &buf, &out, &len, &n) ? NULL : out;
}

static void
ics_time(int64_t ms, char out[24])
{
    long long secs = ms / 1000;
    long long z = (secs >= 0 ? secs : secs - 86399) / 86400, rem = secs - z * 86400;
    z += 719468;
    long long era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    unsigned d = doy - (153 * mp + 2) / 5 + 1, mo = mp < 10 ? mp + 3 : mp - 9;
    long long y = (long long)yoe + era * 400 + (mo <= 2);
    unsigned h = (unsigned)(rem / 3600), mi = (unsigned)(rem % 3600 / 60), s = (unsigned)(rem % 60);
    snprintf(out, 24, "%04u%02u%02uT%02u%02u%02uZ", (unsigned)(y % 10000), mo % 100, d % 100,
             h % 100, mi % 100, s % 100);
}

/* The event's description (new): the commission, the link, the agenda.
 * NULL when out of memory. */
static char *
ics_description(const struct convoc *c)
{
    enum lang lang = lang_of(c);
    char *desc = NULL, *text;
    size_t dn = 0, dl;
    FILE *d = open_memstream(&desc, &dn);
    if (!d) {
        return NULL;
    }
    fprintf(d, "%s\n\n%s%s%s\n%s\n\n%s\n", c->commission, words_get(lang, W_CONV_LINK),
            words_get(lang, W_SEP), c->link, words_get(lang, W_CONV_LINK_NOTE),
            words_get(lang, W_AGENDA));
    for (size_t i = 0; i < c->nitems; i++) {
        fprintf(d, words_get(lang, W_CONV_ITEM), c->items[i].number, c->items[i].title);
        fputc('\n', d);
    }
    if (take(d, &desc, &text, &dl, &dn)) {
        return NULL;
    }
    char *value = ics_text(text);
    free(text);
    return value;
}

/* The ORGANIZER line, when the convocation has one. 0 or ERR_NOMEM (the
 * invitation is then not made: never one without its organizer). */
static int
ics_organizer(FILE *f, const struct convoc *c)
{
    if (!c->organizer || !c->organizer[0]) {
        return 0;
    }
    char *cn = ics_text(c->commission);
    size_t an = strlen(c->organizer) + (cn ? strlen(cn) : 0) + 32;
    char *name = cn ? malloc(an) : NULL;
    if (!name) {
        free(cn);
        return ERR_NOMEM;
    }
    snprintf(name, an, "ORGANIZER;CN=\"%s\"", cn);
    char v[300];
    snprintf(v, sizeof(v), "mailto:%s", c->organizer);
    ics_line(f, name, v);
    free(name);
    free(cn);
    return 0;
}

/* The ATTENDEE line, the participant, when they have an address. 0 or
 * ERR_NOMEM, as above. */
static int
ics_attendee(FILE *f, const struct convoc *c)
{
    if (!c->email || !c->email[0]) {
        return 0;
    }
    size_t an = strlen(c->name) + 64;
    char *name = malloc(an);
    if (!name) {
        return ERR_NOMEM;
    }
    /* a quoted parameter value may hold no DQUOTE nor control */
    char *q = name + snprintf(name, an, "ATTENDEE;CN=\"");
    for (const char *p = c->name; *p; p++) {
        if (*p != '"' && (unsigned char)*p >= 0x20) {
            *q++ = *p;
        }
    }
    strcpy(q, "\";ROLE=REQ-PARTICIPANT;RSVP=FALSE");
    char v[300];
    snprintf(v, sizeof(v), "mailto:%s", c->email);
    ics_line(f, name, v);
    free(name);
    return 0;
}

int
convoc_ics(const struct convoc *c, char **out, size_t *len)
{
    char when[192], start[24], end[24], stamp[24], uid[256];
    long long utc;
    *out = NULL;
    *len = 0;
    render_when(c->date, c->lang, when, sizeof(when), &utc);
    if (utc < 0) {
        return ERR_BAD_STATE;
    }
    ics_time(utc, start);
    ics_time(utc + (c->duration_s > 0 ? c->duration_s : DEFAULT_DURATION_S) * 1000, end);
    ics_time(c->now_ms, stamp);
    snprintf(uid, sizeof(uid), "concerto-%s@%s", c->meeting,
             c->host && *c->host ? c->host : "localhost");
    char *summary = ics_text(c->title), *description = ics_description(c);
    char *location = ics_text(c->place && c->place[0] ? c->place : c->room ? c->room : "");
    char *buf = NULL;
    size_t n = 0;
    FILE *f = summary && description && location ? open_memstream(&buf, &n) : NULL;
    if (!f) {
        free(summary);
        free(description);
        free(location);
        return ERR_NOMEM;
    }
    ics_line(f, "BEGIN", "VCALENDAR");
    ics_line(f, "VERSION", "2.0");
    ics_line(f, "PRODID", "-//Concerto//Convocation//FR");
    ics_line(f, "CALSCALE", "GREGORIAN");
    ics_line(f, "METHOD", "REQUEST");
    ics_line(f, "BEGIN", "VEVENT");
    ics_line(f, "UID", uid);
    ics_line(f, "DTSTAMP", stamp);
    ics_line(f, "DTSTART", start);
    ics_line(f, "DTEND", end);
    ics_line(f, "SUMMARY", summary);
    if (location[0]) {
        ics_line(f, "LOCATION", location);
    }
    ics_line(f, "DESCRIPTION", description);
    ics_line(f, "URL", c->link);
    int rc = ics_organizer(f, c);
    if (rc == 0) {
        rc = ics_attendee(f, c);
    }
    ics_line(f, "STATUS", "CONFIRMED");
    ics_line(f, "END", "VEVENT");
    ics_line(f, "END", "VCALENDAR");
    free(summary);
    free(description);
    free(location);
    int taken = take(f, &buf, out, len, &n);
    if (rc == 0) {
        return taken;
    }
    free(*out);
    *out = NULL;
    *len = 0;
    return rc;
}
