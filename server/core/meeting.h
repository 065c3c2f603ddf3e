/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * meeting.h - the state of one meeting, and the rules that change it.
 *
 * The state is a fold over the meeting's events: meeting_apply() is the only
 * function that changes a `struct meeting`, and it does so from one event.
 * meeting_handle() checks a command against the permission matrix and the
 * current state, and on success produces the events (appended to `out`) and
 * applies them; on failure it returns a negative enum err and changes nothing.
 *
 * core/ does no I/O, reads no clock and draws no random numbers: `now` and
 * identifiers come from the caller, so every rule is tested deterministically.
 */
#ifndef CONCERTO_MEETING_H
#define CONCERTO_MEETING_H

#include "event.h"

enum meeting_state {
    MEETING_SCHEDULED = 0,
    MEETING_OPEN,
    MEETING_SUSPENDED,
    MEETING_CLOSED
};

struct participant {
    char id[ID_MAX];
    char *name;
    char college[ID_MAX];
    enum role role;
    bool present;
    int64_t arrived; /* ts of the last participant.joined, 0 if never */
    int64_t left;    /* ts of the last participant.left, 0 if never */
};

struct meeting {
    char id[ID_MAX];
    char *title;
    char *date;
    char *place;
    char *room;
    char *lang;
    char commission[ID_MAX];
    char *commission_name;
    bool created;
    enum meeting_state state;
    int64_t opened_at;
    int64_t closed_at;
    uint64_t seq; /* seq of the last applied event, 0 for none */
    int64_t last_ts;

    struct participant *parts;
    size_t nparts;
    size_t capparts;
    uint32_t *index; /* open addressing over parts, by id; UINT32_MAX = empty */
    size_t index_cap;
};

/* New, empty meeting (no event applied); NULL when out of memory. */
struct meeting *meeting_new(const char *id);
void meeting_free(struct meeting *m); /* NULL-safe */

/* Fold one event. Its seq must be m->seq + 1 (ERR_INTERNAL otherwise). */
int meeting_apply(struct meeting *m, const struct event *ev);

/* Check and run a command from participant `actor` (NULL for the admin, who
 * acts through HTTP). Produces events into `out` and applies them. */
int meeting_handle(struct meeting *m, const struct cmd *c, const char *actor, int64_t now,
                   struct evlist *out);

/* Events written by the server itself, not by a command. */
int meeting_create(struct meeting *m, const struct body *b, int64_t now, struct evlist *out);
int meeting_add_participant(struct meeting *m, const struct body *b, int64_t now,
                            struct evlist *out);
int meeting_join(struct meeting *m, const char *pid, int64_t now, struct evlist *out);
int meeting_leave(struct meeting *m, const char *pid, int64_t now, struct evlist *out);

/* Borrowed (until the next applied event); NULL when not found. */
const struct participant *meeting_participant(const struct meeting *m, const char *id);

const char *meeting_state_str(enum meeting_state s);

/* Is `s` a valid identifier: 1..ID_MAX-1 bytes of [a-z0-9_-]? */
bool id_valid(const char *s);

#endif
