/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * event.h - the typed events and commands that core/ reasons about.
 *
 * An event is one committed change to a meeting; a command is one request
 * from a participant. Both carry their parameters in a `struct body`, a bag
 * of optional fields: which fields a given type uses is written once, in the
 * codec tables of proto/ (and in proto/PROTOCOL.md). core/ never parses or
 * prints JSON; proto/ never decides anything.
 *
 * Ownership: every `char *` in a body is owned by the body and released by
 * body_clear(). Unused fields are NULL / zero. Identifiers are at most
 * ID_MAX - 1 bytes of [a-z0-9_-].
 */
#ifndef CONCERTO_EVENT_H
#define CONCERTO_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ID_MAX 33
#define KEY_MAX 65

enum role {
    ROLE_NONE = 0,
    ROLE_ADMIN,
    ROLE_CHAIR,
    ROLE_SECRETARY,
    ROLE_MEMBER,
    ROLE_OBSERVER,
    ROLE_COUNT
};

enum ev_type {
    EV_MEETING_CREATED = 0,
    EV_PARTICIPANT_ADDED,
    EV_PARTICIPANT_JOINED,
    EV_PARTICIPANT_LEFT,
    EV_MEETING_OPENED,
    EV_MEETING_SUSPENDED,
    EV_MEETING_RESUMED,
    EV_MEETING_CLOSED,
    EV_COUNT
};

enum cmd_type {
    CMD_HELLO = 0,
    CMD_PING,
    CMD_MEETING_OPEN,
    CMD_MEETING_SUSPEND,
    CMD_MEETING_RESUME,
    CMD_MEETING_CLOSE,
    CMD_COUNT
};

struct body {
    char *participant;
    char *name;
    char *college;
    char *role;
    char *title;
    char *date;
    char *place;
    char *room;
    char *lang;
    char *commission;
    char *commission_name;
    char *token;
    int64_t since;
    bool has_since;
};

struct event {
    enum ev_type type;
    uint64_t seq;
    int64_t ts;
    char actor[ID_MAX];
    struct body b;
};

struct cmd {
    enum cmd_type type;
    char key[KEY_MAX]; /* "" when absent */
    char id[80];       /* the request id as raw JSON ("7", "\"a\""), "" when absent */
    struct body b;
};

/* A growable list of events produced by one command. */
struct evlist {
    struct event *v;
    size_t len;
    size_t cap;
};

void body_clear(struct body *b);
void event_clear(struct event *ev);
void cmd_clear(struct cmd *c);

/* Append a zeroed event of `type` to `l`; returns it (borrowed until the next
 * push or evlist_clear) or NULL when out of memory. */
struct event *evlist_push(struct evlist *l, enum ev_type type);
void evlist_clear(struct evlist *l);

const char *role_str(enum role r);
enum role role_parse(const char *s); /* ROLE_NONE when unknown */

/* Whether a command changes state, and so needs an idempotency key. */
bool cmd_mutates(enum cmd_type t);

/* The permission matrix of proto/permissions.md: may `r` send `t`? */
bool perm_allowed(enum role r, enum cmd_type t);

#endif
