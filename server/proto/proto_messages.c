/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * proto_messages.c - the server's WebSocket messages: replies (ok, error,
 * pong), events as sent (whole or abridged), welcome, and the attendance,
 * count and speakers messages (PROTOCOL.md section 4).
 *
 * The messages every command or event produces (ok, pong, event) are
 * written with snprintf: their parts are identifiers, numbers, hex or JSON
 * text already, nothing to escape, and jansson would cost more than the
 * rest of the turn. The others go through jansson, checked by
 * proto_json_mark() / proto_json_dump() where a missing part must not be
 * sent. The welcome is built with a null snapshot and cut there, so that
 * one snapshot text (megabytes in a large meeting) is shared by every
 * welcome of a turn without being parsed again.
 * Threads: the hub's thread.
 */
#define _POSIX_C_SOURCE 200809L
#include "proto_impl.h"

#include "../err.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* What an abridged body leaves out, per event type: the lists whose length
 * is the meeting's. `present` is the list that present_n counts. */
static const struct {
    enum ev_type type;
    const char *drop[5];
} abridge_table[] = {
    {EV_VOTE_OPENED, {"entitled", "present", NULL}},
    {EV_VOTE_CLOSED, {"present", "voters", "by", "choices", NULL}},
};

bool
proto_event_abridgeable(enum ev_type type)
{
    for (size_t i = 0; i < sizeof(abridge_table) / sizeof(abridge_table[0]); i++) {
        if (abridge_table[i].type == type) {
            return true;
        }
    }
    return false;
}

char *
proto_event_body_abridged(enum ev_type type, const char *body)
{
    unsigned long mark = proto_json_mark();
    int rc;
    char *s = NULL;
    size_t t = 0;
    while (t < sizeof(abridge_table) / sizeof(abridge_table[0]) && abridge_table[t].type != type) {
        t++;
    }
    json_t *o = t < sizeof(abridge_table) / sizeof(abridge_table[0])
                    ? proto_json_load(body, strlen(body), 0, &rc)
                    : NULL;
    if (!json_is_object(o)) {
        goto fail;
    }
    json_t *present = json_object_get(o, "present");
    size_t np = json_is_array(present) ? json_array_size(present) : 0;
    for (const char *const *k = abridge_table[t].drop; *k; k++) {
        json_object_del(o, *k);
    }
    if (json_object_set_new(o, "present_n", json_integer((json_int_t)np)) ||
        json_object_set_new(o, "abridged", json_true())) {
        goto fail;
    }
    s = proto_json_dump(o, JSON_COMPACT | JSON_SORT_KEYS, mark);
fail:
    json_decref(o);
    return s;
}

/* {"type": T, "id": ID?, "body": BODY?} with `body` stolen. */
static char *
reply(const char *type, const char *id, json_t *body, unsigned long mark)
{
    char *s = NULL;
    json_t *o = json_object();
    if (!o || json_object_set_new(o, "type", json_string(type))) {
        goto fail;
    }
    if (id && *id) {
        int rc;
        json_t *jid = proto_json_load(id, strlen(id), JSON_DECODE_ANY, &rc);
        if (!jid || json_object_set_new(o, "id", jid)) {
            goto fail;
        }
    }
    if (body) {
        json_object_set_new(o, "body", body);
        body = NULL;
    }
    s = proto_json_dump(o, JSON_COMPACT, mark);
fail:
    json_decref(body);
    json_decref(o);
    return s;
}

/* {"type":T,"id":ID,"body":{KEY:N[,"replayed":true]}} (new), written
 * directly: `id` is already JSON text (set_id() made it), and the rest has
 * nothing to escape. The same bytes as reply() would write, for the two
 * replies every command and ping gets. */
static char *
reply_number(const char *type, const char *id, const char *key, int64_t n, bool replayed)
{
    bool with_id = id && *id;
    size_t len = strlen(type) + (with_id ? strlen(id) : 0) + strlen(key) + 80;
    char *s = malloc(len);
    if (s) {
        snprintf(s, len, "{\"type\":\"%s\"%s%s,\"body\":{\"%s\":%" PRId64 "%s}}", type,
                 with_id ? ",\"id\":" : "", with_id ? id : "", key, n,
                 replayed ? ",\"replayed\":true" : "");
    }
    return s;
}

char *
proto_ok(const char *id, uint64_t seq, int replayed)
{
    return reply_number("ok", id, "seq", (int64_t)seq, replayed != 0);
}

char *
proto_error(const char *id, int code, const char *message)
{
    unsigned long mark = proto_json_mark();
    json_t *b = json_pack("{s:s,s:s}", "code", err_str(code), "message",
                          message ? message : err_message(code));
    return b ? reply("error", id, b, mark) : NULL;
}

char *
proto_pong(const char *id, int64_t now)
{
    return reply_number("pong", id, "now", now, false);
}

char *
proto_quote(const char *s)
{
    unsigned long mark = proto_json_mark();
    json_t *v = json_string(s);
    char *q = proto_json_dump(v, JSON_ENCODE_ANY, mark);
    json_decref(v);
    return q;
}

char *
proto_attendance_msg(const struct meeting *m)
{
    json_t *o = json_pack("{s:s,s:o}", "type", "attendance", "body", proto_attendance_json(m));
    char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    return s;
}

char *
proto_count_msg(const struct meeting *m, const struct vote *v, bool waiting)
{
    json_t *b = json_pack("{s:s,s:I,s:I}", "vote", v->id, "voted", (json_int_t)v->nvoted,
                          "entitled", (json_int_t)v->nentitled);
    json_t *w = waiting ? json_array() : NULL;
    for (size_t k = 0; w && k < v->nslots && k < m->nparts; k++) {
        if (v->entitled[k] && v->choice[k] < 0 &&
            json_array_append_new(w, json_string(m->parts[k].id))) {
            json_decref(w);
            w = NULL;
        }
    }
    if (b && waiting && (!w || json_object_set_new(b, "waiting", w))) {
        json_decref(b);
        b = NULL;
    }
    json_t *o = b ? json_pack("{s:s,s:o}", "type", "count", "body", b) : NULL;
    char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    return s;
}

char *
proto_speakers_msg(const struct meeting *m)
{
    json_t *o = json_pack("{s:s,s:{s:s,s:o,s:o}}", "type", "speakers", "body", "current_item",
                          m->current >= 0 ? m->items[m->current].id : "", "speakers",
                          proto_speakers_json(m), "turn", proto_turn_json(m));
    char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    return s;
}

/* The welcome text with "snapshot":null when `with_snapshot` (new). */
static char *
welcome_text(const char *id, const struct meeting *m, const struct participant *you,
             const char *lang, uint64_t seq, int64_t now, bool with_snapshot)
{
    unsigned long mark = proto_json_mark();
    json_t *voted = json_array();
    size_t me = (size_t)(you - m->parts);
    for (size_t i = 0; voted && i < m->nvotes; i++) {
        const struct vote *v = &m->votes[i];
        if (v->state == VOTE_OPEN && me < v->nslots && v->choice[me] >= 0) {
            json_array_append_new(voted, json_string(v->id));
        }
    }
    const char *you_lang = lang && *lang ? lang : m->lang ? m->lang : "fr";
    json_t *b = json_pack("{s:s,s:s,s:I,s:I,s:{s:s,s:s,s:s,s:s,s:s,s:o}}", "mode",
                          with_snapshot ? "snapshot" : "resume", "meeting", m->id, "seq",
                          (json_int_t)seq, "now", (json_int_t)now, "you", "participant", you->id,
                          "name", you->name, "college", you->college, "role", role_str(you->role),
                          "lang", you_lang, "voted", voted ? voted : json_array());
    if (b && with_snapshot && json_object_set_new(b, "snapshot", json_null())) {
        json_decref(b);
        return NULL;
    }
    return b ? reply("welcome", id, b, mark) : NULL;
}

int
proto_welcome_parts(const char *id, const struct meeting *m, const struct participant *you,
                    const char *lang, uint64_t seq, int64_t now, char **head, char **tail)
{
    *head = *tail = NULL;
    char *text = welcome_text(id, m, you, lang, seq, now, true);
    /* A raw "snapshot":null can only be this key: inside strings, quotes
     * are escaped. */
    static const char marker[] = "\"snapshot\":null";
    char *at = text ? strstr(text, marker) : NULL;
    if (!at) {
        free(text);
        return ERR_NOMEM;
    }
    size_t hlen = (size_t)(at - text) + sizeof(marker) - 5; /* up to the colon */
    *tail = strdup(at + sizeof(marker) - 1);
    at[sizeof(marker) - 5] = 0;
    *head = *tail ? realloc(text, hlen + 1) : NULL;
    if (!*head) {
        free(text);
        free(*tail);
        *tail = NULL;
        return ERR_NOMEM;
    }
    return 0;
}

char *
proto_welcome(const char *id, const struct meeting *m, const struct participant *you,
              const char *lang, uint64_t seq, int64_t now, const char *snapshot)
{
    if (!snapshot) {
        return welcome_text(id, m, you, lang, seq, now, false);
    }
    /* Splice the snapshot text between the parts: it may be megabytes, and is
     * never parsed again. */
    char *head, *tail;
    if (proto_welcome_parts(id, m, you, lang, seq, now, &head, &tail)) {
        return NULL;
    }
    size_t hl = strlen(head), sl = strlen(snapshot), tl = strlen(tail);
    char *out = malloc(hl + sl + tl + 1);
    if (out) {
        memcpy(out, head, hl);
        memcpy(out + hl, snapshot, sl);
        memcpy(out + hl + sl, tail, tl + 1);
    }
    free(head);
    free(tail);
    return out;
}
