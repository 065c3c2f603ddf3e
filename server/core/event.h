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
    EV_MEETING_CONFIGURED,
    EV_AGENDA_ITEM_ADDED,
    EV_AGENDA_ITEM_EDITED,
    EV_AGENDA_ITEM_MOVED,
    EV_AGENDA_ITEM_REMOVED,
    EV_AGENDA_ITEM_OPENED,
    EV_AGENDA_ITEM_CLOSED,
    EV_AGENDA_ITEM_POSTPONED,
    EV_SPEAKER_REQUESTED,
    EV_SPEAKER_WITHDRAWN,
    EV_SPEAKER_REMOVED,
    EV_SPEAKER_MOVED,
    EV_SPEAKER_TURN_STARTED,
    EV_SPEAKER_TURN_PAUSED,
    EV_SPEAKER_TURN_RESUMED,
    EV_SPEAKER_TURN_ENDED,
    EV_SPEAKER_LIST_CLOSED,
    EV_SPEAKER_LIST_REOPENED,
    EV_ATTENDANCE_MARKED,
    EV_QUORUM_REACHED,
    EV_QUORUM_LOST,
    EV_VOTE_PREPARED,
    EV_VOTE_OPENED,
    EV_BALLOT_CAST,
    EV_VOTE_CLOSED,
    EV_VOTE_PUBLISHED,
    EV_VOTE_CANCELLED,
    EV_PROXY_GIVEN,
    EV_PROXY_REVOKED,
    EV_RECUSAL_DECLARED,
    EV_RECUSAL_WITHDRAWN,
    EV_MINUTES_ENTRY_ADDED,
    EV_MINUTES_ENTRY_EDITED,
    EV_MINUTES_ENTRY_DELETED,
    EV_MINUTES_FINALIZED,
    EV_RECORD_APPROVED,
    EV_INVITATION_ISSUED,
    EV_DOCUMENT_ADDED,
    EV_DOCUMENT_REMOVED,
    EV_MINUTES_APPROVED_PREVIOUS,
    EV_DECISION_RECORDED,
    EV_ACTION_RECORDED,
    EV_ACTION_UPDATED,
    EV_PARTICIPANT_EDITED,
    EV_PARTICIPANT_REMOVED,
    EV_COUNT
};

enum cmd_type {
    CMD_HELLO = 0,
    CMD_PING,
    CMD_MEETING_OPEN,
    CMD_MEETING_SUSPEND,
    CMD_MEETING_RESUME,
    CMD_MEETING_CLOSE,
    CMD_MEETING_CONFIGURE,
    CMD_AGENDA_ADD,
    CMD_AGENDA_EDIT,
    CMD_AGENDA_MOVE,
    CMD_AGENDA_REMOVE,
    CMD_AGENDA_OPEN,
    CMD_AGENDA_CLOSE,
    CMD_AGENDA_POSTPONE,
    CMD_SPEAKER_REQUEST,
    CMD_SPEAKER_WITHDRAW,
    CMD_SPEAKER_REMOVE,
    CMD_SPEAKER_MOVE,
    CMD_SPEAKER_NEXT,
    CMD_SPEAKER_GIVE,
    CMD_SPEAKER_END,
    CMD_SPEAKER_PAUSE,
    CMD_SPEAKER_RESUME,
    CMD_SPEAKER_CLOSE_LIST,
    CMD_SPEAKER_REOPEN_LIST,
    CMD_ATTENDANCE_CHECKIN,
    CMD_ATTENDANCE_MARK,
    CMD_VOTE_PREPARE,
    CMD_VOTE_OPEN,
    CMD_VOTE_CAST,
    CMD_VOTE_CLOSE,
    CMD_VOTE_PUBLISH,
    CMD_VOTE_CANCEL,
    CMD_PROXY_GIVE,
    CMD_PROXY_RECORD,
    CMD_PROXY_REVOKE,
    CMD_RECUSAL_DECLARE,
    CMD_RECUSAL_WITHDRAW,
    CMD_MINUTES_ADD,
    CMD_MINUTES_EDIT,
    CMD_MINUTES_DELETE,
    CMD_MINUTES_FINALIZE,
    CMD_RECORD_APPROVE,
    CMD_MINUTES_APPROVE_PREVIOUS,
    CMD_DECISION_RECORD,
    CMD_ACTION_RECORD,
    CMD_ACTION_UPDATE,
    CMD_COUNT
};

/* Presence bits of the integer and boolean fields of a body. */
enum body_has {
    HAS_SINCE = 1u << 0,
    HAS_DURATION = 1u << 1,
    HAS_POSITION = 1u << 2,
    HAS_SPEAKING_TIME = 1u << 3,
    HAS_FIRST_TURN = 1u << 4,
    HAS_ALTERNATE = 1u << 5,
    HAS_QUORUM = 1u << 6,
    HAS_QUORUM_COLLEGE = 1u << 7,
    HAS_ALLOWED = 1u << 8,
    HAS_SPOKEN = 1u << 9,
    HAS_ELAPSED = 1u << 10,
    HAS_PRESENT = 1u << 11,
    HAS_REQUIRED = 1u << 12,
    HAS_GRACE = 1u << 13,
    HAS_SHARE_NUM = 1u << 14,
    HAS_SHARE_DEN = 1u << 15,
    HAS_DEADLINE = 1u << 16,
    HAS_ALL = 1u << 17,
    HAS_PASSED = 1u << 18,
    HAS_QUORUM_MET = 1u << 19,
    HAS_VOTED = 1u << 20,
    HAS_ENTITLED_N = 1u << 21,
    HAS_PROXY_MAX = 1u << 22,
    HAS_PROXY_COLLEGE = 1u << 23,
    HAS_PROXY_QUORUM = 1u << 24,
    HAS_SIZE = 1u << 25,
    HAS_EVENTS = 1u << 26,
};

struct strlist {
    char **v;
    size_t n;
};

struct intlist {
    int64_t *v;
    size_t n;
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
    char *item;
    char *description;
    char *presenter;
    char *kind;
    char *parent;
    char *origin; /* "MEETING/ITEM" an agenda item was carried from */
    char *approves; /* the earlier meeting whose minutes an item approves */
    char *approval; /* settings: "same_meeting" or "next_meeting" */
    char *record;   /* minutes.approved_previous: SHA-256 (hex) of the earlier record.json */
    char *head;     /* its chain head (hex) */
    char *result;   /* "adopted" (by a vote) or "no_objection" */
    int64_t events; /* the earlier record's number of events */
    char *request;
    char *status;
    char *reason;
    char *sha256; /* a document's content: 64 lowercase hex digits */
    char *format; /* a document's format: "pdf", "odt", ... (core/documents.c) */
    /* integers; a bit of `has` says which were given */
    unsigned has;
    int64_t since;
    int64_t duration;      /* planned, seconds */
    int64_t position;      /* 0-based among siblings */
    int64_t speaking_time; /* seconds per turn */
    int64_t first_turn;    /* boolean */
    int64_t alternate;     /* boolean */
    int64_t quorum;        /* percent of members present */
    int64_t quorum_college;
    int64_t allowed;       /* ms */
    int64_t spoken;        /* ms */
    int64_t elapsed;       /* ms */
    int64_t present;
    int64_t required;
    int64_t grace;         /* seconds */
    int64_t size;          /* a document's, bytes */
    /* votes, proxies, recusals */
    char *vote;
    char *question;
    char *mode;
    char *rule;
    char *choice;
    char *voter;
    char *by;
    char *from;
    char *to;
    char *winner;
    char *text;  /* a minutes entry */
    char *entry; /* its id */
    /* decisions and action items (followup.c) */
    char *decision;   /* a decision's id */
    char *action;     /* an action's id */
    char *owner;      /* who carries an action: a participant or a working group */
    char *owner_name; /* their name, as the event writes it */
    char *due;        /* YYYY-MM-DD, "" for none */
    int64_t share_num;
    int64_t share_den;
    int64_t deadline; /* ms */
    int64_t all;      /* boolean: cast for oneself and every proxy held */
    int64_t passed;   /* boolean */
    int64_t quorum_met;
    int64_t voted;
    int64_t entitled_n;
    int64_t proxy_max;
    int64_t proxy_college; /* boolean: proxies only within the college */
    int64_t proxy_quorum;  /* boolean: proxies count for the quorum */
    struct strlist options;
    struct strlist entitled;
    struct strlist present_ids;
    struct strlist voters;
    struct strlist bys;
    struct strlist colleges;
    struct strlist speakers;
    struct intlist counts;
    struct intlist college_counts;
    struct intlist college_passed;
    struct strlist small_colleges;
    struct strlist participants; /* invitation.issued */
    struct intlist choices;
    /* quorum.reached / .lost: each college's figures, and those short of it */
    struct intlist college_present;
    struct intlist college_required;
    struct strlist failing;
    /* secret ballots: one client-made receipt per ballot cast, and the receipt
     * each one replaces ("" for a first ballot); never written to the log */
    struct strlist receipts;
    struct strlist replaces;
};

struct event {
    enum ev_type type;
    uint64_t seq;
    int64_t ts;
    char actor[ID_MAX];
    struct body b;
};

/* The counts of a secret vote, read by the hub from the ballots kept apart
 * from the log, and handed to core to close the vote. */
struct secret_tally {
    const char *college;
    const char *choice;
    int64_t n;
};

struct cmd {
    enum cmd_type type;
    char key[KEY_MAX]; /* "" when absent */
    char id[144];      /* the request id as raw JSON ("7", "\"a\""), "" when absent */
    struct body b;
    const struct secret_tally *tally; /* borrowed; for vote.close of a secret vote */
    size_t ntally;
    /* with a key: the canonical JSON of {"type","body"} (new), what the key
     * stands for, so that a key reused for another command is told apart */
    char *canon;
};

/* A growable list of events produced by one command. */
struct evlist {
    struct event *v;
    size_t len;
    size_t cap;
};

void body_clear(struct body *b);
void strlist_clear(struct strlist *l);
int strlist_push(struct strlist *l, const char *s); /* copies s; 0 or ERR_NOMEM */
int intlist_push(struct intlist *l, int64_t x);
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
