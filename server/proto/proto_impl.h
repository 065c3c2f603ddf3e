/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * proto_impl.h - what the files of proto/ share, and nothing outside it may
 * include: the field tables' types, jansson's checked entry points, the
 * identifier rule and the snapshot parts that messages repeat.
 *
 * proto/ is cut by what the code is: proto_alloc.c (jansson's allocator,
 * checked encodings and parses), proto_fields.c (the codec tables),
 * proto_decode.c (JSON into commands and event bodies), proto_canon.c (the
 * canonical bytes of the hash chain), proto_snapshot.c (the meeting as
 * JSON), proto_messages.c (the WebSocket messages) and proto_http.c (the
 * HTTP API's bodies). proto/ depends on core/ only; the public interface is
 * proto.h. Names shared between these files start with proto_ (functions,
 * tables) so that none collides with the rest of the server.
 */
#ifndef CONCERTO_PROTO_IMPL_H
#define CONCERTO_PROTO_IMPL_H

#include "proto.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* Size limits shared by the codec tables and the HTTP API bodies. */
#define NAME_MAX_ 200
#define TITLE_MAX 500
#define DESC_MAX 10000

enum fkind {
    F_ID,    /* identifier, required non-empty */
    F_OPTID, /* identifier or "" */
    F_STR,   /* one line of text */
    F_TEXT,  /* text with newlines and tabs */
    F_INT,   /* integer in [0, max] */
    F_BOOL,
    F_LIST,   /* array of at most `max` strings of one line (200 bytes each) */
    F_INTLIST /* array of at most `max` integers >= 0 */
};

struct field {
    const char *name;
    size_t offset; /* of the char * (or int64_t) in struct body */
    enum fkind kind;
    int64_t max;
    int required;
    unsigned bit; /* HAS_ bit of an integer or boolean */
};

/* An event or command type: its name on the wire and its body's fields
 * (ending with a field of NULL name). */
struct proto_type {
    const char *name;
    const struct field *fields;
};

/* Indexed by enum ev_type and enum cmd_type (proto_fields.c). */
extern const struct proto_type proto_events[EV_COUNT];
extern const struct proto_type proto_cmds[CMD_COUNT];

/* Where field `f` lives in body `b`, by its kind. */
static inline char **
proto_str_at(struct body *b, const struct field *f)
{
    return (char **)(void *)((char *)b + f->offset);
}

static inline int64_t *
proto_int_at(struct body *b, const struct field *f)
{
    return (int64_t *)(void *)((char *)b + f->offset);
}

static inline struct strlist *
proto_strlist_at(struct body *b, const struct field *f)
{
    return (struct strlist *)(void *)((char *)b + f->offset);
}

static inline struct intlist *
proto_intlist_at(struct body *b, const struct field *f)
{
    return (struct intlist *)(void *)((char *)b + f->offset);
}

/* jansson, checked (proto_alloc.c). */

/* proto_json_mark(), proto_json_failed(), proto_json_dump() and
 * proto_json_load() are public (proto.h): record/ uses them too. */

/* An identifier: 1 to `max` bytes of [a-z0-9_-]. 0 or ERR_INVALID
 * (proto_decode.c). */
int proto_check_id(const char *s, size_t max);

/* Parts of the snapshot that messages repeat (proto_snapshot.c); new, NULL
 * when memory is short. */

/* The attendance: members present and in all, per college, and the quorum
 * (the snapshot's `attendance`, the body of the `attendance` message). */
json_t *proto_attendance_json(const struct meeting *m);
/* Each item's waiting speakers in the order the floor will be given. */
json_t *proto_speakers_json(const struct meeting *m);
/* The turn in progress, or JSON null. */
json_t *proto_turn_json(const struct meeting *m);

#endif
