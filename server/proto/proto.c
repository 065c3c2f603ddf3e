/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * proto.c - the codec tables and the jansson glue.
 *
 * One table says, for every event and command type, which body fields it
 * carries, of which kind, how long they may be and whether they are
 * required. Decoding, encoding and proto/PROTOCOL.md follow that table, so
 * adding a field is one line here and one line in the document.
 *
 * Canonical bodies: jansson with JSON_COMPACT | JSON_SORT_KEYS writes keys in
 * strcmp order (UTF-8 byte order), "," and ":" separators and no escaping of
 * "/" or non-ASCII; control characters never reach it, because decoding
 * refuses them (newline and tab apart, which JSON writes as \n and \t).
 */
#define _POSIX_C_SOURCE 200809L
#include "proto.h"

#include "../err.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum fkind { F_ID, F_STR, F_TEXT, F_INT };

struct field {
    const char *name;
    size_t offset; /* of the char * (or int64_t) in struct body */
    enum fkind kind;
    size_t max;
    int required;
};

#define OFF(f) offsetof(struct body, f)
#define END {NULL, 0, F_STR, 0, 0}

#define NAME_MAX_ 200
#define TITLE_MAX 500

static const struct field f_none[] = {END};
static const struct field f_created[] = {
    {"title", OFF(title), F_STR, TITLE_MAX, 1},
    {"date", OFF(date), F_STR, 64, 1},
    {"place", OFF(place), F_STR, TITLE_MAX, 1},
    {"room", OFF(room), F_STR, 1000, 1},
    {"lang", OFF(lang), F_ID, 8, 1},
    {"commission", OFF(commission), F_ID, ID_MAX - 1, 1},
    {"commission_name", OFF(commission_name), F_STR, NAME_MAX_, 1},
    END};
static const struct field f_added[] = {
    {"participant", OFF(participant), F_ID, ID_MAX - 1, 1},
    {"name", OFF(name), F_STR, NAME_MAX_, 1},
    {"college", OFF(college), F_STR, ID_MAX - 1, 1},
    {"role", OFF(role), F_ID, 16, 1},
    END};
static const struct field f_participant[] = {
    {"participant", OFF(participant), F_ID, ID_MAX - 1, 1}, END};
static const struct field f_hello[] = {
    {"token", OFF(token), F_STR, 128, 1},
    {"since", OFF(since), F_INT, 0, 0},
    END};

static const struct {
    const char *name;
    const struct field *fields;
} events[EV_COUNT] = {
    [EV_MEETING_CREATED] = {"meeting.created", f_created},
    [EV_PARTICIPANT_ADDED] = {"participant.added", f_added},
    [EV_PARTICIPANT_JOINED] = {"participant.joined", f_participant},
    [EV_PARTICIPANT_LEFT] = {"participant.left", f_participant},
    [EV_MEETING_OPENED] = {"meeting.opened", f_none},
    [EV_MEETING_SUSPENDED] = {"meeting.suspended", f_none},
    [EV_MEETING_RESUMED] = {"meeting.resumed", f_none},
    [EV_MEETING_CLOSED] = {"meeting.closed", f_none},
};

static const struct {
    const char *name;
    const struct field *fields;
} cmds[CMD_COUNT] = {
    [CMD_HELLO] = {"hello", f_hello},
    [CMD_PING] = {"ping", f_none},
    [CMD_MEETING_OPEN] = {"meeting.open", f_none},
    [CMD_MEETING_SUSPEND] = {"meeting.suspend", f_none},
    [CMD_MEETING_RESUME] = {"meeting.resume", f_none},
    [CMD_MEETING_CLOSE] = {"meeting.close", f_none},
};

const char *
proto_event_name(enum ev_type t)
{
    return (t >= 0 && t < EV_COUNT) ? events[t].name : "unknown";
}

int
proto_event_type(const char *name)
{
    for (int t = 0; t < EV_COUNT; t++) {
        if (strcmp(events[t].name, name) == 0) {
            return t;
        }
    }
    return ERR_NOT_FOUND;
}

const char *
proto_cmd_name(enum cmd_type t)
{
    return (t >= 0 && t < CMD_COUNT) ? cmds[t].name : "unknown";
}

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

static int
check_id(const char *s, size_t max)
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

static char **
str_at(struct body *b, const struct field *f)
{
    return (char **)(void *)((char *)b + f->offset);
}

static int64_t *
int_at(struct body *b, const struct field *f)
{
    return (int64_t *)(void *)((char *)b + f->offset);
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
        if (f->kind == F_INT) {
            if (!json_is_integer(v)) {
                return ERR_BAD_MESSAGE;
            }
            *int_at(b, f) = json_integer_value(v);
            if (f->offset == OFF(since)) {
                if (*int_at(b, f) < 0) {
                    return ERR_INVALID;
                }
                b->has_since = true;
            }
            continue;
        }
        if (!json_is_string(v)) {
            return ERR_BAD_MESSAGE;
        }
        const char *s = json_string_value(v);
        if (strlen(s) != json_string_length(v)) {
            return ERR_INVALID; /* embedded NUL */
        }
        int rc = f->kind == F_ID ? (json_string_length(v) > f->max ? ERR_TOO_LARGE
                                                                   : check_id(s, f->max))
                                 : proto_check_text(s, f->max, f->kind == F_TEXT);
        if (rc) {
            return rc;
        }
        char **dst = str_at(b, f);
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
        char *q = json_dumps(id, JSON_ENCODE_ANY);
        if (!q) {
            return ERR_NOMEM;
        }
        snprintf(out->id, sizeof(out->id), "%s", q);
        free(q);
        return 0;
    }
    return ERR_BAD_MESSAGE;
}

int
proto_decode_cmd(const char *buf, size_t len, struct cmd *out)
{
    memset(out, 0, sizeof(*out));
    if (len > PROTO_MAX_MESSAGE) {
        return ERR_TOO_LARGE;
    }
    json_error_t jerr;
    json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
    int rc = 0;
    if (!root) {
        return ERR_BAD_JSON;
    }
    if (!json_is_object(root)) {
        rc = ERR_BAD_MESSAGE;
        goto fail;
    }
    if ((rc = set_id(out, json_object_get(root, "id")))) {
        goto fail;
    }
    const char *k;
    json_t *v;
    json_object_foreach(root, k, v)
    {
        if (strcmp(k, "type") && strcmp(k, "id") && strcmp(k, "key") && strcmp(k, "body")) {
            rc = ERR_BAD_MESSAGE;
            goto fail;
        }
    }
    json_t *type = json_object_get(root, "type");
    if (!json_is_string(type)) {
        rc = ERR_BAD_MESSAGE;
        goto fail;
    }
    int t = 0;
    while (t < CMD_COUNT && strcmp(cmds[t].name, json_string_value(type)) != 0) {
        t++;
    }
    if (t == CMD_COUNT) {
        rc = ERR_UNKNOWN_TYPE;
        goto fail;
    }
    out->type = (enum cmd_type)t;
    json_t *key = json_object_get(root, "key");
    if (key) {
        if (!json_is_string(key)) {
            rc = ERR_BAD_MESSAGE;
            goto fail;
        }
        const char *ks = json_string_value(key);
        size_t kl = json_string_length(key);
        if (kl == 0 || kl >= KEY_MAX) {
            rc = ERR_INVALID;
            goto fail;
        }
        for (size_t i = 0; i < kl; i++) {
            if ((unsigned char)ks[i] < 0x21 || (unsigned char)ks[i] > 0x7e) {
                rc = ERR_INVALID;
                goto fail;
            }
        }
        memcpy(out->key, ks, kl + 1);
    } else if (cmd_mutates(out->type)) {
        rc = ERR_BAD_MESSAGE;
        goto fail;
    }
    json_t *body = json_object_get(root, "body");
    if (body && !json_is_object(body)) {
        rc = ERR_BAD_MESSAGE;
        goto fail;
    }
    json_t *empty = NULL;
    if (!body) {
        body = empty = json_object();
        if (!empty) {
            rc = ERR_NOMEM;
            goto fail;
        }
    }
    rc = decode_fields(body, cmds[t].fields, &out->b);
    json_decref(empty);
fail:
    json_decref(root);
    if (rc) {
        body_clear(&out->b);
    }
    return rc;
}

static json_t *
encode_fields(const struct field *fields, const struct body *b)
{
    json_t *o = json_object();
    if (!o) {
        return NULL;
    }
    for (const struct field *f = fields; f->name; f++) {
        json_t *v;
        if (f->kind == F_INT) {
            v = json_integer(*int_at((struct body *)b, f));
        } else {
            const char *s = *str_at((struct body *)b, f);
            v = json_string(s ? s : "");
        }
        if (!v || json_object_set_new(o, f->name, v)) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

char *
proto_event_body(const struct event *ev)
{
    if (ev->type < 0 || ev->type >= EV_COUNT) {
        return NULL;
    }
    json_t *o = encode_fields(events[ev->type].fields, &ev->b);
    if (!o) {
        return NULL;
    }
    char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(o);
    return s;
}

int
proto_decode_event_body(enum ev_type type, const char *body, size_t len, struct event *out)
{
    if (type < 0 || type >= EV_COUNT) {
        return ERR_INVALID;
    }
    json_error_t jerr;
    json_t *o = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!o) {
        return ERR_BAD_JSON;
    }
    int rc = json_is_object(o) ? decode_fields(o, events[type].fields, &out->b) : ERR_BAD_MESSAGE;
    json_decref(o);
    if (rc) {
        body_clear(&out->b);
    }
    return rc;
}

char *
proto_event_msg(const char *meeting, uint64_t seq, int64_t ts, const char *actor,
                const char *type, const char *body, const char *hash_hex)
{
    /* Every part but `body` is an identifier, a type name or hex: nothing to
     * escape. `body` is canonical JSON already. One allocation, no jansson. */
    const char *fmt = "{\"type\":\"event\",\"event\":{\"meeting\":\"%s\",\"seq\":%" PRIu64
                      ",\"ts\":%" PRId64 ",\"type\":\"%s\",\"actor\":\"%s\",\"body\":%s,"
                      "\"hash\":\"%s\"}}";
    int n = snprintf(NULL, 0, fmt, meeting, seq, ts, type, actor, body, hash_hex);
    if (n < 0) {
        return NULL;
    }
    char *s = malloc((size_t)n + 1);
    if (s) {
        snprintf(s, (size_t)n + 1, fmt, meeting, seq, ts, type, actor, body, hash_hex);
    }
    return s;
}

/* {"type": T, "id": ID?, "body": BODY?} with `body` stolen. */
static char *
reply(const char *type, const char *id, json_t *body)
{
    char *s = NULL;
    json_t *o = json_object();
    if (!o || json_object_set_new(o, "type", json_string(type))) {
        goto fail;
    }
    if (id && *id) {
        json_error_t jerr;
        json_t *jid = json_loads(id, JSON_DECODE_ANY, &jerr);
        if (!jid || json_object_set_new(o, "id", jid)) {
            goto fail;
        }
    }
    if (body) {
        json_object_set_new(o, "body", body);
        body = NULL;
    }
    s = json_dumps(o, JSON_COMPACT);
fail:
    json_decref(body);
    json_decref(o);
    return s;
}

char *
proto_ok(const char *id, uint64_t seq, int replayed)
{
    json_t *b = json_pack("{s:I}", "seq", (json_int_t)seq);
    if (b && replayed) {
        json_object_set_new(b, "replayed", json_true());
    }
    return b ? reply("ok", id, b) : NULL;
}

char *
proto_error(const char *id, int code, const char *message)
{
    json_t *b = json_pack("{s:s,s:s}", "code", err_str(code), "message",
                          message ? message : err_message(code));
    return b ? reply("error", id, b) : NULL;
}

char *
proto_pong(const char *id)
{
    return reply("pong", id, NULL);
}

char *
proto_http_error(int code, const char *message)
{
    json_t *o = json_pack("{s:{s:s,s:s}}", "error", "code", err_str(code), "message",
                          message ? message : err_message(code));
    char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    return s;
}

char *
proto_quote(const char *s)
{
    json_t *v = json_string(s);
    char *q = v ? json_dumps(v, JSON_ENCODE_ANY) : NULL;
    json_decref(v);
    return q;
}

static json_t *
snapshot_object(const struct meeting *m, const char *head_hex)
{
    json_t *parts = json_array();
    json_t *colleges = json_object();
    json_t *snap = NULL;
    size_t present = 0, total = 0;
    if (!parts || !colleges) {
        goto fail;
    }
    for (size_t i = 0; i < m->nparts; i++) {
        const struct participant *p = &m->parts[i];
        json_t *jp = json_pack("{s:s,s:s,s:s,s:s,s:b}", "id", p->id, "name", p->name, "college",
                               p->college, "role", role_str(p->role), "present", p->present);
        if (!jp || json_array_append_new(parts, jp)) {
            goto fail;
        }
        if (p->role != ROLE_MEMBER) {
            continue;
        }
        total++;
        present += p->present;
        json_t *c = json_object_get(colleges, p->college);
        if (!c) {
            c = json_pack("{s:i,s:i}", "present", 0, "total", 0);
            if (!c || json_object_set_new(colleges, p->college, c)) {
                goto fail;
            }
        }
        json_object_set_new(c, "total", json_integer(json_integer_value(json_object_get(c, "total")) + 1));
        if (p->present) {
            json_object_set_new(
                c, "present", json_integer(json_integer_value(json_object_get(c, "present")) + 1));
        }
    }
    snap = json_pack(
        "{s:{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:I,s:{s:s,s:s}},s:o,s:{s:I,s:I,s:o},s:I,s:s}",
        "meeting", "id", m->id, "title", m->title ? m->title : "", "date",
        m->date ? m->date : "", "place", m->place ? m->place : "", "room", m->room ? m->room : "",
        "lang", m->lang ? m->lang : "fr", "state", meeting_state_str(m->state), "opened_at",
        (json_int_t)m->opened_at, "closed_at", (json_int_t)m->closed_at, "commission", "id",
        m->commission, "name", m->commission_name ? m->commission_name : "", "participants",
        parts, "attendance", "present", (json_int_t)present, "total", (json_int_t)total,
        "colleges", colleges, "seq", (json_int_t)m->seq, "head", head_hex);
    return snap; /* "o" stole parts and colleges, even on failure */
fail:
    json_decref(parts);
    json_decref(colleges);
    return NULL;
}

char *
proto_snapshot(const struct meeting *m, const char *head_hex)
{
    json_t *s = snapshot_object(m, head_hex);
    char *txt = s ? json_dumps(s, JSON_COMPACT) : NULL;
    json_decref(s);
    return txt;
}

char *
proto_welcome(const char *id, const struct meeting *m, const struct participant *you,
              uint64_t seq, const char *snapshot)
{
    json_t *b = json_pack("{s:s,s:s,s:I,s:{s:s,s:s,s:s,s:s}}", "mode",
                          snapshot ? "snapshot" : "resume", "meeting", m->id, "seq",
                          (json_int_t)seq, "you", "participant", you->id, "name", you->name,
                          "college", you->college, "role", role_str(you->role));
    if (b && snapshot) {
        json_error_t jerr;
        json_t *snap = json_loads(snapshot, 0, &jerr);
        if (!snap || json_object_set_new(b, "snapshot", snap)) {
            json_decref(b);
            return NULL;
        }
    }
    return b ? reply("welcome", id, b) : NULL;
}

/* HTTP API bodies. Each parser leaves `out` cleared on error. */

static json_t *
load_object(const char *buf, size_t len, int *rc)
{
    json_error_t jerr;
    if (len > 1 << 20) {
        *rc = ERR_TOO_LARGE;
        return NULL;
    }
    json_t *o = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!o) {
        *rc = ERR_BAD_JSON;
        return NULL;
    }
    if (!json_is_object(o)) {
        json_decref(o);
        *rc = ERR_BAD_MESSAGE;
        return NULL;
    }
    *rc = 0;
    return o;
}

/* Take the string `name` of `o` into *dst: required or not, checked as text or id. */
static int
take_str(json_t *o, const char *name, char **dst, size_t max, int required, int is_id)
{
    json_t *v = json_object_get(o, name);
    if (!v) {
        return required ? ERR_BAD_MESSAGE : 0;
    }
    if (!json_is_string(v)) {
        return ERR_BAD_MESSAGE;
    }
    const char *s = json_string_value(v);
    if (strlen(s) != json_string_length(v)) {
        return ERR_INVALID;
    }
    int rc = is_id ? (json_string_length(v) > max ? ERR_TOO_LARGE : check_id(s, max))
                   : proto_check_text(s, max, 0);
    if (is_id && !*s && !required) {
        rc = 0;
    }
    if (rc) {
        return rc;
    }
    if (required && !*s) {
        return ERR_INVALID;
    }
    return (*dst = strdup(s)) ? 0 : ERR_NOMEM;
}

static int
only_keys(json_t *o, const char *const *keys)
{
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v)
    {
        const char *const *p = keys;
        while (*p && strcmp(*p, k)) {
            p++;
        }
        if (!*p) {
            return ERR_BAD_MESSAGE;
        }
    }
    return 0;
}

static int
take_id_array(json_t *o, const char *name, char ***out, size_t *n, size_t maxn)
{
    json_t *a = json_object_get(o, name);
    if (!a) {
        return 0;
    }
    if (!json_is_array(a)) {
        return ERR_BAD_MESSAGE;
    }
    size_t len = json_array_size(a);
    if (len > maxn) {
        return ERR_TOO_LARGE;
    }
    *out = calloc(len ? len : 1, sizeof(char *));
    if (!*out) {
        return ERR_NOMEM;
    }
    for (size_t i = 0; i < len; i++) {
        json_t *v = json_array_get(a, i);
        if (!json_is_string(v)) {
            return ERR_BAD_MESSAGE;
        }
        int rc = check_id(json_string_value(v), ID_MAX - 1);
        if (rc) {
            return rc;
        }
        if (!((*out)[i] = strdup(json_string_value(v)))) {
            return ERR_NOMEM;
        }
        (*n)++;
    }
    return 0;
}

static void
free_array(char **a, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(a[i]);
    }
    free(a);
}

int
proto_api_commission(const char *buf, size_t len, struct api_commission *out)
{
    static const char *const keys[] = {"name", "colleges", NULL};
    memset(out, 0, sizeof(*out));
    int rc;
    json_t *o = load_object(buf, len, &rc);
    if (!o) {
        return rc;
    }
    if ((rc = only_keys(o, keys)) || (rc = take_str(o, "name", &out->name, NAME_MAX_, 1, 0)) ||
        (rc = take_id_array(o, "colleges", &out->colleges, &out->ncolleges, 16))) {
        goto fail;
    }
    if (!json_object_get(o, "colleges")) {
        rc = ERR_BAD_MESSAGE;
    }
fail:
    json_decref(o);
    if (rc) {
        proto_api_commission_clear(out);
    }
    return rc;
}

void
proto_api_commission_clear(struct api_commission *c)
{
    free(c->name);
    free_array(c->colleges, c->ncolleges);
    memset(c, 0, sizeof(*c));
}

int
proto_api_member(const char *buf, size_t len, struct api_member *out)
{
    static const char *const keys[] = {"name", "college", "role", NULL};
    memset(out, 0, sizeof(*out));
    int rc;
    json_t *o = load_object(buf, len, &rc);
    if (!o) {
        return rc;
    }
    if ((rc = only_keys(o, keys)) || (rc = take_str(o, "name", &out->name, NAME_MAX_, 1, 0)) ||
        (rc = take_str(o, "college", &out->college, ID_MAX - 1, 0, 1)) ||
        (rc = take_str(o, "role", &out->role, 16, 1, 1))) {
        goto fail;
    }
fail:
    json_decref(o);
    if (rc) {
        proto_api_member_clear(out);
    }
    return rc;
}

void
proto_api_member_clear(struct api_member *c)
{
    free(c->name);
    free(c->college);
    free(c->role);
    memset(c, 0, sizeof(*c));
}

int
proto_api_meeting(const char *buf, size_t len, struct api_meeting *out)
{
    static const char *const keys[] = {"commission", "title", "date", "place",
                                       "room",       "lang",  NULL};
    memset(out, 0, sizeof(*out));
    int rc;
    json_t *o = load_object(buf, len, &rc);
    if (!o) {
        return rc;
    }
    if ((rc = only_keys(o, keys)) ||
        (rc = take_str(o, "commission", &out->commission, ID_MAX - 1, 1, 1)) ||
        (rc = take_str(o, "title", &out->title, TITLE_MAX, 1, 0)) ||
        (rc = take_str(o, "date", &out->date, 64, 0, 0)) ||
        (rc = take_str(o, "place", &out->place, TITLE_MAX, 0, 0)) ||
        (rc = take_str(o, "room", &out->room, 1000, 0, 0)) ||
        (rc = take_str(o, "lang", &out->lang, 8, 0, 1))) {
        goto fail;
    }
fail:
    json_decref(o);
    if (rc) {
        proto_api_meeting_clear(out);
    }
    return rc;
}

void
proto_api_meeting_clear(struct api_meeting *c)
{
    free(c->commission);
    free(c->title);
    free(c->date);
    free(c->place);
    free(c->room);
    free(c->lang);
    memset(c, 0, sizeof(*c));
}

int
proto_api_invite(const char *buf, size_t len, struct api_invite *out)
{
    static const char *const keys[] = {"participants", NULL};
    memset(out, 0, sizeof(*out));
    int rc;
    json_t *o = load_object(buf, len, &rc);
    if (!o) {
        return rc;
    }
    if ((rc = only_keys(o, keys)) ||
        (rc = take_id_array(o, "participants", &out->participants, &out->n, 100000))) {
        goto fail;
    }
fail:
    json_decref(o);
    if (rc) {
        proto_api_invite_clear(out);
    }
    return rc;
}

void
proto_api_invite_clear(struct api_invite *c)
{
    free_array(c->participants, c->n);
    memset(c, 0, sizeof(*c));
}
