/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * proto_canon.c - the canonical bytes the hash chain covers: event bodies,
 * written directly, and the preimage of each link (PROTOCOL.md 5.2).
 *
 * A canonical body is what jansson's json_dumps() writes with JSON_COMPACT
 * | JSON_SORT_KEYS (tests/proto checks it against jansson on random
 * bodies): keys in strcmp order (UTF-8 byte order), "," and ":" alone,
 * strings escaped as jansson does (quote, backslash, \b \f \n \r \t, other
 * controls as \u00XX, nothing else: neither "/" nor non-ASCII), integers in
 * decimal. Control characters other than newline and tab never reach it,
 * because decoding refuses them. A string that is not valid UTF-8 fails the
 * encoding, as it fails json_string().
 *
 * Written by hand because every event body goes through here (a ballot's
 * too): building a jansson tree, sorting its keys and dumping it cost three
 * times the rest of the encoding.
 *
 * Invariant: these bytes never change for a given event (stored chains are
 * verified against them). Threads: proto_event_body() runs on the hub's
 * thread only (the key order of each event type is computed at its first
 * use, without a lock); proto_chain_preimage() also for record/'s verifier.
 */
#include "proto_impl.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct out {
    char *buf;
    size_t len, cap;
    bool failed;
};

static void
out_put(struct out *o, const char *s, size_t n)
{
    if (o->failed) {
        return;
    }
    if (o->len + n + 1 > o->cap) {
        size_t cap = (o->len + n + 1) * 2;
        char *b = realloc(o->buf, cap);
        if (!b) {
            o->failed = true;
            return;
        }
        o->buf = b;
        o->cap = cap;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
}

static void
out_int(struct out *o, int64_t v)
{
    char d[24];
    int n = snprintf(d, sizeof(d), "%" PRId64, v);
    out_put(o, d, (size_t)n);
}

/* Length of the valid UTF-8 sequence at s (first byte >= 0x80), 0 if invalid:
 * no overlong forms, no surrogates, nothing above U+10FFFF. */
static size_t
utf8_seq(const unsigned char *s)
{
    unsigned c = s[0];
    size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
    if (n == 0 || c > 0xF4 || c == 0xC0 || c == 0xC1) {
        return 0;
    }
    uint32_t cp = c & (0xFF >> (n + 1));
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            return 0;
        }
        cp = cp << 6 | (s[i] & 0x3F);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
        return 0;
    }
    return n;
}

static void
out_str(struct out *o, const char *str)
{
    const unsigned char *s = (const unsigned char *)(str ? str : "");
    out_put(o, "\"", 1);
    while (*s) {
        const unsigned char *run = s;
        while (*s >= 0x20 && *s < 0x80 && *s != '"' && *s != '\\') {
            s++;
        }
        out_put(o, (const char *)run, (size_t)(s - run));
        if (!*s) {
            break;
        }
        if (*s >= 0x80) {
            size_t n = utf8_seq(s);
            if (n == 0) {
                o->failed = true;
                return;
            }
            out_put(o, (const char *)s, n);
            s += n;
            continue;
        }
        char esc[8];
        const char *e = *s == '"' ? "\\\"" : *s == '\\' ? "\\\\" : *s == '\b' ? "\\b"
                      : *s == '\f' ? "\\f" : *s == '\n' ? "\\n" : *s == '\r' ? "\\r"
                      : *s == '\t' ? "\\t" : NULL;
        if (!e) {
            snprintf(esc, sizeof(esc), "\\u%04X", (unsigned)*s);
            e = esc;
        }
        out_put(o, e, strlen(e));
        s++;
    }
    out_put(o, "\"", 1);
}

#define MAX_FIELDS 16

/* The fields of each event type in key order, computed once. */
static const struct field *sorted[EV_COUNT][MAX_FIELDS + 1];

static const struct field *const *
sorted_fields(enum ev_type t)
{
    const struct field **v = sorted[t];
    if (v[0] || !proto_events[t].fields[0].name) {
        return v;
    }
    size_t n = 0;
    for (const struct field *f = proto_events[t].fields; f->name; f++) {
        assert(n < MAX_FIELDS);
        size_t i = n++;
        while (i > 0 && strcmp(v[i - 1]->name, f->name) > 0) {
            v[i] = v[i - 1];
            i--;
        }
        v[i] = f;
    }
    return v;
}

char *
proto_event_body(const struct event *ev)
{
    if (ev->type < 0 || ev->type >= EV_COUNT) {
        return NULL;
    }
    struct out o = {0};
    struct body *b = (struct body *)&ev->b;
    out_put(&o, "{", 1);
    int i = 0;
    for (const struct field *const *fp = sorted_fields(ev->type); *fp; fp++, i++) {
        const struct field *f = *fp;
        out_put(&o, i ? ",\"" : "\"", i ? 2 : 1);
        out_put(&o, f->name, strlen(f->name));
        out_put(&o, "\":", 2);
        if (f->kind == F_LIST) {
            const struct strlist *l = proto_strlist_at(b, f);
            out_put(&o, "[", 1);
            for (size_t k = 0; k < l->n; k++) {
                out_put(&o, ",", k > 0);
                out_str(&o, l->v[k]);
            }
            out_put(&o, "]", 1);
        } else if (f->kind == F_INTLIST) {
            const struct intlist *l = proto_intlist_at(b, f);
            out_put(&o, "[", 1);
            for (size_t k = 0; k < l->n; k++) {
                out_put(&o, ",", k > 0);
                out_int(&o, l->v[k]);
            }
            out_put(&o, "]", 1);
        } else if (f->kind == F_INT) {
            out_int(&o, *proto_int_at(b, f));
        } else if (f->kind == F_BOOL) {
            bool t = *proto_int_at(b, f) != 0;
            out_put(&o, t ? "true" : "false", t ? 4 : 5);
        } else {
            out_str(&o, *proto_str_at(b, f));
        }
    }
    out_put(&o, "}", 1);
    if (o.failed) {
        free(o.buf);
        return NULL;
    }
    o.buf[o.len] = 0;
    return o.buf;
}

/* Decimal digits of v at the end of d[0..24); returns where they start. */
static char *
decimal(char d[24], int64_t v)
{
    char *p = d + 24;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0) {
        *--p = '-';
    }
    return p;
}

/* Written by hand: every event of every command comes through here. */
char *
proto_chain_preimage(const char *meeting, uint64_t seq, int64_t ts, const char *actor,
                     const char *type, const char *body, size_t body_len, size_t *len)
{
    char sd[24], td[24];
    const char *parts[] = {meeting, decimal(sd, (int64_t)seq), decimal(td, ts), actor, type};
    size_t lens[5], n = body_len;
    for (int i = 0; i < 5; i++) {
        lens[i] = i == 1 ? (size_t)(sd + 24 - parts[1]) : i == 2 ? (size_t)(td + 24 - parts[2])
                                                                 : strlen(parts[i]);
        n += lens[i] + 1;
    }
    char *p = malloc(n + 1);
    if (!p) {
        return NULL;
    }
    char *w = p;
    for (int i = 0; i < 5; i++) {
        memcpy(w, parts[i], lens[i]);
        w += lens[i];
        *w++ = '\n';
    }
    memcpy(w, body, body_len);
    p[n] = 0;
    *len = n;
    return p;
}
