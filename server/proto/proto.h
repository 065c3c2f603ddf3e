/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * proto.h - JSON text <-> typed commands and events (the only JSON in the server).
 *
 * Decoding is strict: a message is an object with a known `type`, fields of
 * the documented types and sizes, strings in UTF-8 without control
 * characters (newline and tab allowed in long texts). Anything else is a
 * typed error and the output is left cleared. Encoding of event bodies is
 * canonical (sorted keys, compact), because the hash chain is computed over
 * those bytes (proto/PROTOCOL.md, section 5.2).
 *
 * Every string returned by an encoder is *new*: malloc'd, NUL-terminated,
 * freed by the caller with free(). NULL means out of memory.
 */
#ifndef CONCERTO_PROTO_H
#define CONCERTO_PROTO_H

#include "../core/meeting.h"

#include <stddef.h>
#include <stdint.h>

#define PROTO_MAX_MESSAGE 65536

const char *proto_event_name(enum ev_type t);
int proto_event_type(const char *name); /* enum ev_type, or ERR_NOT_FOUND */
const char *proto_cmd_name(enum cmd_type t);

/* Decode one client message into `out` (cleared first). On error `out->id`
 * is still set when the message had a usable id, so the reply can echo it. */
int proto_decode_cmd(const char *buf, size_t len, struct cmd *out);

/* Decode the body of a command of type `type` given alone, as a JSON object
 * (an HTTP request body that stands for a command), into `out` (cleared
 * first); the same fields and checks as in proto_decode_cmd(). `item`, when
 * not NULL, is the body's "item" (from the request's path): ERR_INVALID when
 * the body names another. */
int proto_decode_body(enum cmd_type type, const char *item, const char *buf, size_t len,
                      struct cmd *out);

/* The canonical JSON of an event's body (new). */
char *proto_event_body(const struct event *ev);

/* Decode a stored event body of type `type` into `out->b` (for replay). */
int proto_decode_event_body(enum ev_type type, const char *body, size_t len, struct event *out);

/* The wire message for a committed event (new); `body` is its canonical JSON. */
char *proto_event_msg(const char *meeting, uint64_t seq, int64_t ts, const char *actor,
                      const char *type, const char *body, const char *hash_hex);

/* An event body without its member lists (new): what members and observers
 * of a large meeting receive. vote.opened loses `entitled` and `present`,
 * vote.closed `present`, `voters`, `by` and `choices`; both gain
 * "present_n" (the length of `present`) and "abridged": true. At ten
 * thousand members such lists are hundreds of KB, sent to each of them. The
 * event's hash stays the full body's. NULL when `type` has nothing to
 * abridge, `body` is not an object or memory is short. */
char *proto_event_body_abridged(enum ev_type type, const char *body);

/* Whether proto_event_body_abridged() abridges events of this type. */
bool proto_event_abridgeable(enum ev_type type);

/* Replies (new). `id` is the raw JSON request id or "" for none. */
char *proto_ok(const char *id, uint64_t seq, int replayed);
char *proto_error(const char *id, int code, const char *message);
char *proto_pong(const char *id, int64_t now); /* body {"now"}: the server clock */

/* The snapshot object (section 5.3) as JSON text (new). */
char *proto_snapshot(const struct meeting *m, const char *head_hex);
/* One action as the snapshot lists it (new; pj.h), for the HTTP API's
 * list of a commission's open actions. */
struct pj;
struct pj *proto_action(const struct meeting *m, const struct action *a);
/* The snapshot's "decisions" and "actions" arrays (new), which record.json
 * repeats. */
struct pj *proto_decisions(const struct meeting *m);
struct pj *proto_actions(const struct meeting *m);
/* The same without the members in `participants` (and "members_omitted":
 * true): what members of a large meeting receive in their welcome. */
char *proto_snapshot_light(const struct meeting *m, const char *head_hex);

/* jansson for the modules that use it directly (record/), with proto's
 * guard: jansson, when an allocation fails inside a parse or an encoding,
 * may carry on and give a value that is not the text or a text missing a
 * part. proto_json_mark() starts a watch; proto_json_failed(mark) says
 * whether any of jansson's allocations failed since. proto_json_dump() is
 * json_dumps() of `v` (new), NULL when `v` is NULL or anything failed since
 * `mark`; proto_json_load() is json_loadb() (new), NULL with *rc
 * ERR_BAD_JSON or ERR_NOMEM. */
struct json_t;
unsigned long
proto_json_mark(void);
bool
proto_json_failed(unsigned long mark);
char *
proto_json_dump(const struct json_t *v, size_t flags, unsigned long mark);
struct json_t *
proto_json_load(const char *text, size_t len, size_t flags, int *rc);

/* The preimage of an event's link in the hash chain (PROTOCOL.md 5.2), new,
 * its length in *len: meeting, seq, ts, actor and type each followed by a
 * newline, then the body's canonical JSON. The one definition of the layout,
 * for the hub that writes the chain and the verifier that checks it. */
char *proto_chain_preimage(const char *meeting, uint64_t seq, int64_t ts, const char *actor,
                           const char *type, const char *body, size_t body_len, size_t *len);

/* The `attendance` message (new): the snapshot's `attendance` as its body,
 * sent to large meetings instead of each arrival (PROTOCOL.md 4.5). */
char *proto_attendance_msg(const struct meeting *m);

/* The `count` message of open vote `v` (new); with `waiting`, the members
 * entitled who have not voted yet (for the bureau of a named vote). */
char *proto_count_msg(const struct meeting *m, const struct vote *v, bool waiting);

/* The `speakers` message (new): every list in the order the floor will be
 * given, the current item and the turn, as in the snapshot. */
char *proto_speakers_msg(const struct meeting *m);

/* welcome; `snapshot` is the text of proto_snapshot() (spliced in as is,
 * never parsed again: it may be megabytes) or NULL for mode "resume".
 * `lang` is the participant's language (the roster's), said in `you`;
 * NULL or "": the meeting's. */
char *proto_welcome(const char *id, const struct meeting *m, const struct participant *you,
                    const char *lang, uint64_t seq, int64_t now, const char *snapshot);

/* The welcome of mode "snapshot" cut where the snapshot text goes, so that a
 * snapshot shared by every welcome of a turn is sent as it is, between a
 * head and a tail of each connection's own: *head (new) ends with
 * `"snapshot":`, *tail (new) is the rest. 0 or ERR_NOMEM. */
int proto_welcome_parts(const char *id, const struct meeting *m, const struct participant *you,
                        const char *lang, uint64_t seq, int64_t now, char **head, char **tail);

/* HTTP API bodies. */
struct api_commission {
    char *name;
    char **colleges;
    size_t ncolleges;
};
struct api_member {
    char *name;
    char *college;
    char *role;
    char *email; /* optional: "" or absent for none (roster_email_ok) */
    char *lang;  /* optional: a language word (roster_lang), absent for "fr" */
};
struct api_meeting {
    char *id; /* optional: chosen by the client (a cluster routes by it) */
    char *commission;
    char *title;
    char *date;
    char *place;
    char *room;
    char *lang;
};
struct api_invite {
    char **participants; /* NULL with n == 0: everyone */
    size_t n;
};

/* The convocation routes: {"participants"?, "lang"?} (an empty body is {});
 * lang "fr" or "en" (ERR_INVALID otherwise), NULL when absent. */
struct api_convocation {
    char **participants;
    size_t n;
    char *lang;
};
int proto_api_convocation(const char *buf, size_t len, struct api_convocation *out);
void proto_api_convocation_clear(struct api_convocation *c);
/* A working group (POST .../groups, and .../groups/G where every field is
 * optional): NULL for a field not given; `members` given when has_members. */
struct api_group {
    char *id;
    char *name;
    char *lead;
    char **members;
    size_t nmembers;
    bool has_members;
    char *mandate;
    char *due;
};
int proto_api_group(const char *buf, size_t len, bool create, struct api_group *out);
void proto_api_group_clear(struct api_group *g);

/* Saving a commission's agenda template: {"meeting": "M"}, M an
 * identifier (ERR_INVALID otherwise); *meeting to free. */
int proto_api_template(const char *buf, size_t len, char **meeting);

int proto_api_commission(const char *buf, size_t len, struct api_commission *out);
/* A member's body: name and role required when `create` (POST .../members),
 * every field optional for an edit (absent: NULL). */
int proto_api_member(const char *buf, size_t len, bool create, struct api_member *out);
int proto_api_meeting(const char *buf, size_t len, struct api_meeting *out);
int proto_api_invite(const char *buf, size_t len, struct api_invite *out);
void proto_api_commission_clear(struct api_commission *c);
void proto_api_member_clear(struct api_member *c);
void proto_api_meeting_clear(struct api_meeting *c);
void proto_api_invite_clear(struct api_invite *c);

/* {"error":{"code","message"}} (new). */
char *proto_http_error(int code, const char *message);

/* Document d (an index into m->docs) as JSON (new): the body of the
 * upload's answer and the shape of each entry of an item's `documents`. */
char *proto_document(const struct meeting *m, size_t d);

/* The Content-Disposition of a download named `name` (UTF-8, no control
 * character, no quote): `attachment; filename="ASCII"; filename*=UTF-8''PCT`
 * (RFC 6266), non-ASCII letters replaced by _ in the first form. Into
 * out[outlen]; ERR_TOO_LARGE when it does not fit (out is then ""). */
#define PROTO_DISPOSITION_MAX 1024
int proto_disposition(const char *name, char *out, size_t outlen);

/* A JSON string literal with quotes for `s` (new), for building replies. */
char *proto_quote(const char *s);

/* Check a string field: valid UTF-8 (assumed), at most `max` bytes, no
 * control characters except \n and \t when `multiline`. 0 or ERR_INVALID / ERR_TOO_LARGE. */
int proto_check_text(const char *s, size_t max, int multiline);

#endif
