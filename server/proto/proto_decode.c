/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * proto_decode.c - JSON text into typed commands and event bodies, by the
 * tables of proto_fields.c.
 *
 * Decoding is strict, because what it lets through reaches core/ as is: a
 * client message is an object of "type", "id", "key" and "body" only, the
 * type known, the body's keys those of the type's table, each value of its
 * field's kind and size, strings in UTF-8 without control characters
 * (newline and tab in long texts) nor embedded NUL, identifiers in
 * [a-z0-9_-]. Anything else is a typed error and leaves the output cleared
 * (cmd_clear(), body_clear()); a message's id is kept when usable, so that
 * the error can echo it. A command with a key also gets its canonical text
 * (cmd.canon), so that a key reused for another command is told apart.
 * Threads: the hub's thread decodes clients' commands and HTTP bodies that
 * stand for one; record/ decodes stored event bodies where it runs.
 */
#define _POSIX_C_SOURCE 200809L
#include "proto_impl.h"

#include "../err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
proto_check_text(const char *s, size_t max, int multiline)
{
    size_t n = 0;
    for (; s[n]; n++) {
        unsigned char c = (unsigned char)s[n];
        if (c < 0x20 || c == 0x7f) {
            if (!(multiline && (c == '\n' || c == '\t'))) {
                return ERR_INVALID;
            }
        }
    }
    return n > max ? ERR_TOO_LARGE : 0;
}

int
proto_check_id(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n == 0 || n > max) {
        return ERR_INVALID;
    }
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) {
            return ERR_INVALID;
        }
    }
    return 0;
}

static int
decode_list(json_t *v, const struct field *f, struct body *b)
{
    if (!json_is_array(v)) {
        return ERR_BAD_MESSAGE;
    }
    if (json_array_size(v) > (size_t)f->max) {
        return ERR_TOO_LARGE;
    }
    size_t i;
    json_t *x;
    json_array_foreach(v, i, x)
    {
        if (f->kind == F_INTLIST) {
            if (!json_is_integer(x)) {
                return ERR_BAD_MESSAGE;
            }
            if (json_integer_value(x) < 0) {
                return ERR_INVALID;
            }
            if (intlist_push(proto_intlist_at(b, f), json_integer_value(x))) {
                return ERR_NOMEM;
            }
            continue;
        }
        if (!json_is_string(x)) {
            return ERR_BAD_MESSAGE;
        }
        const char *s = json_string_value(x);
        int rc = strlen(s) != json_string_length(x) ? ERR_INVALID : proto_check_text(s, NAME_MAX_, 0);
        if (rc) {
            return rc;
        }
        if (strlist_push(proto_strlist_at(b, f), s)) {
            return ERR_NOMEM;
        }
    }
    return 0;
}

/* Fill `b` from the JSON object `o` following `fields`. Unknown keys are refused. */
static int
decode_fields(json_t *o, const struct field *fields, struct body *b)
{
    const char *key;
    json_t *v;
    json_object_foreach(o, key, v)
    {
        const struct field *f = fields;
        while (f->name && strcmp(f->name, key) != 0) {
            f++;
        }
        if (!f->name) {
            return ERR_BAD_MESSAGE;
        }
        if (f->kind == F_LIST || f->kind == F_INTLIST) {
            int rc = decode_list(v, f, b);
            if (rc) {
                return rc;
            }
            continue;
        }
        if (f->kind == F_INT || f->kind == F_BOOL) {
            if (f->kind == F_BOOL ? !json_is_boolean(v) : !json_is_integer(v)) {
                return ERR_BAD_MESSAGE;
            }
            int64_t x = f->kind == F_BOOL ? json_is_true(v) : json_integer_value(v);
            if (x < 0 || x > f->max) {
                return ERR_INVALID;
            }
            *proto_int_at(b, f) = x;
            b->has |= f->bit;
            continue;
        }
        if (!json_is_string(v)) {
            return ERR_BAD_MESSAGE;
        }
        const char *s = json_string_value(v);
        if (strlen(s) != json_string_length(v)) {
            return ERR_INVALID; /* embedded NUL */
        }
        int rc;
        if (f->kind == F_ID || f->kind == F_OPTID) {
            rc = json_string_length(v) > (size_t)f->max ? ERR_TOO_LARGE
                 : (f->kind == F_OPTID && !*s)          ? 0
                                                        : proto_check_id(s, (size_t)f->max);
        } else {
            rc = proto_check_text(s, (size_t)f->max, f->kind == F_TEXT);
        }
        if (rc) {
            return rc;
        }
        char **dst = proto_str_at(b, f);
        free(*dst);
        if (!(*dst = strdup(s))) {
            return ERR_NOMEM;
        }
    }
    for (const struct field *f = fields; f->name; f++) {
        if (f->required && !json_object_get(o, f->name)) {
            return ERR_BAD_MESSAGE;
        }
    }
    return 0;
}

static int
set_id(struct cmd *out, json_t *id)
{
    if (!id) {
        return 0;
    }
    if (json_is_integer(id)) {
        snprintf(out->id, sizeof(out->id), "%" JSON_INTEGER_FORMAT, json_integer_value(id));
        return 0;
    }
    if (json_is_string(id) && json_string_length(id) <= 64 &&
        proto_check_text(json_string_value(id), 64, 0) == 0 &&
        strlen(json_string_value(id)) == json_string_length(id)) {
        char *q = proto_json_dump(id, JSON_ENCODE_ANY, proto_json_mark());
        if (!q) {
            return ERR_NOMEM;
        }
        /* Quotes and backslashes double once escaped: an id whose JSON form
         * does not fit is refused, never kept truncated (it would not parse). */
        size_t n = strlen(q);
        if (n >= sizeof(out->id)) {
            free(q);
            return ERR_BAD_MESSAGE;
        }
        memcpy(out->id, q, n + 1);
        free(q);
        return 0;
    }
    return ERR_BAD_MESSAGE;
}

/* The envelope of a client message: "type", "id", "key" and "body" only. */
static int
check_envelope(json_t *root)
{
    const char *k;
    json_t *v;
    json_object_foreach(root, k, v)
    {
        if (strcmp(k, "type") && strcmp(k, "id") && strcmp(k, "key") && strcmp(k, "body")) {
            return ERR_BAD_MESSAGE;
        }
    }
    return 0;
}

/* out->type from the message's "type"; ERR_UNKNOWN_TYPE for a name that no
 * command has. */
static int
set_type(struct cmd *out, json_t *type)
{
    if (!json_is_string(type)) {
        return ERR_BAD_MESSAGE;
    }
    int t = 0;
    while (t < CMD_COUNT && strcmp(proto_cmds[t].name, json_string_value(type)) != 0) {
        t++;
    }
    if (t == CMD_COUNT) {
        return ERR_UNKNOWN_TYPE;
    }
    out->type = (enum cmd_type)t;
    return 0;
}

/* out->key from the message's "key": 1 to KEY_MAX - 1 bytes of printable
 * ASCII, required of a command that changes the meeting (out->type set). */
static int
set_key(struct cmd *out, json_t *key)
{
    if (!key) {
        return cmd_mutates(out->type) ? ERR_BAD_MESSAGE : 0;
    }
    if (!json_is_string(key)) {
        return ERR_BAD_MESSAGE;
    }
    const char *ks = json_string_value(key);
    size_t kl = json_string_length(key);
    if (kl == 0 || kl >= KEY_MAX) {
        return ERR_INVALID;
    }
    for (size_t i = 0; i < kl; i++) {
        if ((unsigned char)ks[i] < 0x21 || (unsigned char)ks[i] > 0x7e) {
            return ERR_INVALID;
        }
    }
    memcpy(out->key, ks, kl + 1);
    return 0;
}

/* out->b from the message's "body" (absent: {}) by the table of out->type;
 * with a key, out->canon: the canonical JSON of {"type","body"}. */
static int
decode_cmd_body(struct cmd *out, json_t *type, json_t *body)
{
    if (body && !json_is_object(body)) {
        return ERR_BAD_MESSAGE;
    }
    json_t *empty = NULL;
    if (!body) {
        body = empty = json_object();
        if (!empty) {
            return ERR_NOMEM;
        }
    }
    int rc = decode_fields(body, proto_cmds[out->type].fields, &out->b);
    if (rc == 0 && out->key[0]) {
        unsigned long mark = proto_json_mark();
        json_t *c = json_pack("{sOsO}", "type", type, "body", body);
        out->canon = proto_json_dump(c, JSON_COMPACT | JSON_SORT_KEYS, mark);
        json_decref(c);
        rc = out->canon ? 0 : ERR_NOMEM;
    }
    json_decref(empty);
    return rc;
}

/* The steps in the order their errors take precedence: the id first, so
 * that any later error can echo it. */
int
proto_decode_cmd(const char *buf, size_t len, struct cmd *out)
{
    memset(out, 0, sizeof(*out));
    if (len > PROTO_MAX_MESSAGE) {
        return ERR_TOO_LARGE;
    }
    int rc;
    json_t *root = proto_json_load(buf, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &rc);
    if (!root) {
        return rc;
    }
    json_t *type = json_object_get(root, "type");
    if (!json_is_object(root)) {
        rc = ERR_BAD_MESSAGE;
    } else if ((rc = set_id(out, json_object_get(root, "id"))) == 0 &&
               (rc = check_envelope(root)) == 0 && (rc = set_type(out, type)) == 0 &&
               (rc = set_key(out, json_object_get(root, "key"))) == 0) {
        rc = decode_cmd_body(out, type, json_object_get(root, "body"));
    }
    json_decref(root);
    if (rc) {
        cmd_clear(out);
    }
    return rc;
}

int
proto_decode_body(enum cmd_type type, const char *item, const char *buf, size_t len,
                  struct cmd *out)
{
    memset(out, 0, sizeof(*out));
    if (len > PROTO_MAX_MESSAGE) {
        return ERR_TOO_LARGE;
    }
    if ((int)type < 0 || type >= CMD_COUNT) {
        return ERR_UNKNOWN_TYPE;
    }
    out->type = type;
    int rc;
    json_t *root = proto_json_load(buf, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &rc);
    if (!root) {
        return rc;
    }
    rc = json_is_object(root) ? 0 : ERR_BAD_MESSAGE;
    if (rc == 0 && item) {
        json_t *given = json_object_get(root, "item");
        if (given && !(json_is_string(given) && strcmp(json_string_value(given), item) == 0)) {
            rc = ERR_INVALID;
        } else if (!given && json_object_set_new(root, "item", json_string(item))) {
            rc = ERR_NOMEM;
        }
    }
    if (rc == 0) {
        rc = decode_fields(root, proto_cmds[type].fields, &out->b);
    }
    json_decref(root);
    if (rc) {
        cmd_clear(out);
    }
    return rc;
}

int
proto_decode_event_body(enum ev_type type, const char *body, size_t len, struct event *out)
{
    if (type < 0 || type >= EV_COUNT) {
        return ERR_INVALID;
    }
    int rc;
    json_t *o = proto_json_load(body, len, JSON_REJECT_DUPLICATES, &rc);
    if (!o) {
        return rc;
    }
    rc = json_is_object(o) ? decode_fields(o, proto_events[type].fields, &out->b) : ERR_BAD_MESSAGE;
    json_decref(o);
    if (rc) {
        body_clear(&out->b);
    }
    return rc;
}
