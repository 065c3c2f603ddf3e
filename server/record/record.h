/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * record.h - the record of a meeting (proto/RECORD.md): record.json built
 * from the meeting's log, with the minutes the server writes by itself.
 *
 * A builder folds the log again, event by event, as the server did: that
 * gives each automatic minutes entry the state of its moment (names, item
 * titles, counts), the attendance and quorum of the close, and the final
 * state for the rest of the record. It does no I/O: the caller feeds the
 * rows, in order.
 */
#ifndef CONCERTO_RECORD_H
#define CONCERTO_RECORD_H

#include <stddef.h>
#include <stdint.h>

struct record_row {
    uint64_t seq;
    int64_t ts;
    const char *actor; /* borrowed for the call */
    const char *type;
    const char *body; /* canonical JSON */
    size_t body_len;
    const char *hash_hex;
};

struct record;

/* New builder for meeting `id`; NULL when out of memory. */
struct record *record_new(const char *id);
void record_free(struct record *r); /* NULL-safe */

/* Feed the next event of the log. */
int record_add(struct record *r, const struct record_row *row);

/* record.json, canonical (new: *out, caller frees). */
int record_json(struct record *r, char **out, size_t *len);

/* record.json with an empty "events" array (new): everything the readable
 * documents (render.h) are made from. The events are most of record.json's
 * bytes and none of them is shown, so the renderers need not parse them. */
int record_state(struct record *r, char **out, size_t *len);

/* The minutes alone, as a JSON array (the "minutes" of record.json), for the
 * live view (new). */
int record_minutes(struct record *r, char **out, size_t *len);

/* The name a record's file is downloaded under: "pv-DATE-COMMISSION" and
 * `ext` (".pdf", ".md", ...), as in pv-2021-02-02-ccr-hauts-de-france.pdf:
 * DATE the first ten characters of the meeting's date when they are one
 * (YYYY-MM-DD), else the meeting's id; COMMISSION the commission's name in
 * lowercase ASCII letters, digits and hyphens (accents dropped), or its id
 * when nothing of the name is left. Into out. */
void record_file_name(const char *date, const char *commission_name, const char *commission_id,
                      const char *meeting, const char *ext, char *out, size_t len);

/* The signing key's id (16 hex digits, minisign's key ID), written into
 * record.json's "signing" so that the documents name the key that signs
 * them. Call before record_json() or record_state(). */
int record_set_key(struct record *r, const char *key_id_hex);

/* The approval of a meeting's minutes by a later meeting (RECORD.md,
 * "Approval at the next meeting"): what approval.json says. Strings are
 * borrowed; `vote` is NULL for an approval without objection. */
struct vote;
struct record_approval {
    const char *meeting, *title, *date, *commission; /* the earlier meeting */
    const char *sha256, *head;                       /* its record.json, its chain head */
    uint64_t events;
    const char *by, *by_title, *by_date, *item; /* the approving meeting and item */
    uint64_t seq;                               /* of minutes.approved_previous there */
    int64_t at;
    const char *event_hash;
    const char *result; /* "adopted" or "no_objection" */
    const struct vote *vote;
    const char *key_id;
};

/* approval.json: canonical JSON (sorted keys, no whitespace), new. */
int record_approval_json(const struct record_approval *a, char **out, size_t *len);

/* Facts for the signatures' trusted comment. */
uint64_t record_events(const struct record *r);
const char *record_head(const struct record *r); /* hex; borrowed */

#endif
