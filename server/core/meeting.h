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

enum mark {
    MARK_NONE = 0, /* presence follows the connections */
    MARK_PRESENT,  /* in the room, or checked in */
    MARK_EXCUSED,  /* absent with a reason */
    MARK_ABSENT
};

struct participant {
    char id[ID_MAX];
    char *name;
    char college[ID_MAX];
    enum role role;
    bool present;      /* connected (participant.joined without .left) */
    int64_t arrived;   /* ts of the first participant.joined, 0 if never */
    int64_t left;      /* ts of the last participant.left, 0 if never */
    int disconnections;
    enum mark mark;
    bool checkin; /* the mark is present and the member made it (checked in online) */
    char *reason; /* of MARK_EXCUSED */
    /* speaking statistics over the meeting */
    int turns;
    int64_t spoken_ms;
    /* taken off the roster before the meeting opened (participant.removed):
     * kept in place so that indexes stay stable, but no longer found by id,
     * listed, counted or invited (role ROLE_NONE, no college) */
    bool removed;
};

enum item_kind { ITEM_INFORMATION = 0, ITEM_DELIBERATION, ITEM_VOTE };
enum item_state { ITEM_PENDING = 0, ITEM_CURRENT, ITEM_DONE, ITEM_POSTPONED };

struct item {
    char id[ID_MAX];
    char *title;
    char *description;
    char *presenter;
    enum item_kind kind;
    char parent[ID_MAX]; /* "" for a top-level item */
    char origin[2 * ID_MAX]; /* "MEETING/ITEM" it was carried from, "" if new */
    char approves[ID_MAX]; /* the earlier meeting whose minutes it approves, "" if none */
    uint64_t approved_seq; /* seq of its minutes.approved_previous, 0 until then */
    int32_t approved_vote; /* the vote that approved them, -1: without objection */
    int64_t approved_at;   /* ts of that event */
    int64_t position;    /* among its siblings, 0-based, dense */
    int64_t duration_s;  /* planned */
    int64_t speaking_s;  /* default turn length, 0 = the meeting's */
    enum item_state state;
    bool removed;
    bool opened; /* ever current: it has a history and cannot be removed */
    bool list_closed;
    int64_t opened_at; /* of the current opening */
    int64_t actual_ms; /* closed openings so far */
};

enum request_kind { REQ_CONTRIBUTION = 0, REQ_REPLY, REQ_POINT_OF_ORDER };

struct request {
    char id[ID_MAX];
    uint32_t pidx; /* participant index */
    uint32_t item; /* item index */
    enum request_kind kind;
    int64_t rank; /* arrival order, or the chair's placement */
    int64_t ts;
    bool live; /* waiting in the list */
};

struct turn {
    bool active;
    uint32_t pidx;
    uint32_t item;
    enum request_kind kind;
    char request[ID_MAX]; /* "" when the floor was given without a request */
    int64_t allowed_ms;
    int64_t elapsed_ms;    /* before the last pause */
    int64_t running_since; /* ts when (re)started, 0 when paused */
    int64_t started;       /* ts of speaker.turn_started */
};

struct settings {
    int64_t speaking_s; /* default turn, seconds */
    bool first_turn;    /* a member's first turn on an item goes first */
    bool alternate;     /* alternate colleges among contributions */
    int64_t quorum;     /* percent of members present overall */
    int64_t quorum_college; /* percent of each college */
    int64_t grace_s;    /* a dropped connection counts as present this long */
    int64_t proxy_max;  /* proxies one member may hold */
    bool proxy_college; /* proxies only to a member of the same college */
    bool proxy_quorum;  /* a proxy held by someone present counts for the quorum */
    bool approval_next; /* the minutes are approved at the next meeting, not by record.approve */
};

enum vote_rule { RULE_SIMPLE = 0, RULE_ABSOLUTE, RULE_QUALIFIED, RULE_DOUBLE };
enum vote_state { VOTE_PREPARED = 0, VOTE_OPEN, VOTE_CLOSED, VOTE_PUBLISHED, VOTE_CANCELLED };

struct vote {
    char id[ID_MAX];
    int32_t item; /* -1 when not tied to an item */
    char *question;
    bool choice_kind;       /* one choice among `options`; else yes/no/abstain */
    struct strlist options; /* the last is always "abstain" */
    bool secret;
    enum vote_rule rule;
    int64_t share_num, share_den; /* RULE_QUALIFIED */
    int64_t duration_s;           /* 0: closed by the chair */
    enum vote_state state;
    int64_t opened_at, deadline, closed_at;
    bool quorum_open; /* the quorum held at opening */
    /* per participant index, sized at opening */
    size_t nslots;
    uint8_t *entitled; /* a member not recused on the item at opening */
    uint8_t *present_open;
    int32_t *choice; /* -1: has not voted; secret votes: 0 once voted */
    int32_t *by;     /* participant index of the proxy holder who cast it, -1 if self */
    /* Secret votes: the receipt of each voter's current ballot (new, NULL when
     * unknown). Held in memory only, from the command that cast it, so that a
     * replacement names a ballot of the same voter; never in the log, where it
     * would tie a voter to a choice. A state rebuilt from the log (a restart, a
     * failed write) knows none of the ballots cast before (see own_receipt). */
    char **receipt;
    int64_t nvoted;
    int64_t nentitled;
    struct strlist small_colleges; /* from vote.opened (vote.c) */
    /* the result, from vote.closed */
    struct intlist counts;
    struct strlist colleges;
    struct intlist college_counts; /* empty when withheld (vote.c) */
    struct intlist college_passed; /* the double rule: 1 or 0 per college */
    bool passed;
    bool quorum_close;
    char *winner;
    struct strlist present_close; /* members present at the close */
};

struct proxy {
    uint32_t from, to; /* participant indexes */
    bool live;
};

struct recusal {
    uint32_t pidx;
    uint32_t item;
    bool live;
};

/* One past turn, for statistics and the minutes. */
struct spoken {
    uint32_t pidx;
    uint32_t item;
    enum request_kind kind;
    int64_t started;
    int64_t ms;
};

/* A document attached to an agenda item (core/documents.c). */
#define DOC_SHA_LEN 64     /* hex digits of its SHA-256 */
#define DOC_NAME_MAX 200   /* bytes of its file name */
#define DOC_PER_ITEM 20    /* attached to one item at once */
struct document {
    char sha256[DOC_SHA_LEN + 1];
    char *name;
    char format[8]; /* doc_format_* names: "pdf", "docx", ... */
    int64_t size;
    uint32_t item; /* item index */
    int64_t added; /* ts of document.added */
    bool removed;
};

/* A minutes entry written by the secretary. */
struct entry {
    char id[ID_MAX];
    int32_t item; /* -1: not attached to an item */
    char *text;
    struct strlist speakers;
    int64_t ts; /* when it was written first */
    bool edited;
    bool deleted;
};

/* A decision recorded on an item (followup.c). */
struct decision {
    char id[ID_MAX];
    int32_t item;
    char *text;
    char vote[ID_MAX]; /* the vote it follows, "" for none */
    int64_t ts;
};

enum action_status { ACTION_OPEN = 0, ACTION_IN_PROGRESS, ACTION_DONE, ACTION_DROPPED };

/* An action item: who does what by when (followup.c). */
struct action {
    char id[ID_MAX];
    int32_t item;
    char *title;
    char owner[ID_MAX]; /* a participant, or a working group of the commission */
    char *owner_name;
    char due[16];       /* YYYY-MM-DD, "" for none */
    enum action_status status;
    char origin[2 * ID_MAX]; /* "MEETING/ACTION" it was carried from, "" if new here */
    int64_t ts;
    int64_t updated; /* ts of the last status change, 0 if none */
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
    size_t nremoved; /* of them, removed (participant.removed) */
    size_t capparts;
    uint32_t *index; /* open addressing over parts, by id; UINT32_MAX = empty */
    size_t index_cap;

    struct settings set;
    bool quorum_met; /* as last written by quorum.reached / quorum.lost */

    struct item *items; /* in order of creation; display order from position */
    size_t nitems;
    size_t capitems;
    int32_t current; /* index of the current item, -1 for none */

    struct request *reqs; /* in order of creation */
    size_t nreqs;
    size_t capreqs;
    bool reqs_sparse; /* some request's id is not r<its index + 1> (see request_index()) */

    struct turn turn;
    struct spoken *spoken;
    size_t nspoken;
    size_t capspoken;
    int32_t last_college_pidx; /* last speaker who has a college, -1 for none */

    struct vote *votes;
    size_t nvotes;
    size_t capvotes;
    struct proxy *proxies;
    size_t nproxies;
    size_t capproxies;
    struct recusal *recusals;
    size_t nrecusals;
    size_t caprecusals;

    struct entry *entries;
    size_t nentries;
    size_t capentries;
    size_t entries_bytes; /* text of the entries not deleted */
    char finalized_by[ID_MAX]; /* "" until minutes.finalized */
    int64_t finalized_at;
    struct document *docs; /* in order of addition; a removed one stays, marked */
    size_t ndocs;
    size_t capdocs;
    char approved_by[ID_MAX]; /* "" until record.approved */
    int64_t approved_at;

    struct decision *decisions;
    size_t ndecisions;
    size_t capdecisions;
    struct action *actions;
    size_t nactions;
    size_t capactions;
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

/* Run a command of the secretariat (the admin, through HTTP; actor "admin"):
 * meeting.configure while the meeting is scheduled (ERR_BAD_STATE after),
 * agenda.add, .edit, .move and .remove until it closes. Any other command
 * is ERR_FORBIDDEN. Produces and applies events as meeting_handle() does. */
int meeting_admin_handle(struct meeting *m, const struct cmd *c, int64_t now, struct evlist *out);

/* Events written by the server itself, not by a command. */
int meeting_create(struct meeting *m, const struct body *b, int64_t now, struct evlist *out);
int meeting_add_participant(struct meeting *m, const struct body *b, int64_t now,
                            struct evlist *out);
/* The secretariat changed a member of the commission's roster: the change
 * reaches the meeting while it is scheduled (ERR_BAD_STATE once it opened:
 * the record keeps its participants as they were), participant.edited or
 * participant.removed (actor admin). Proxies given or held, and
 * recusals, that the change would leave wrong (a removal, or a new role or
 * college) are revoked and withdrawn first, by their own events. An edit
 * that changes nothing writes nothing. ERR_NOT_FOUND for an unknown id. */
int meeting_edit_participant(struct meeting *m, const struct body *b, int64_t now,
                             struct evlist *out);
int meeting_remove_participant(struct meeting *m, const char *pid, int64_t now,
                               struct evlist *out);
/* Participants listed (not removed). */
size_t meeting_nlisted(const struct meeting *m);
int meeting_join(struct meeting *m, const char *pid, int64_t now, struct evlist *out);
int meeting_leave(struct meeting *m, const char *pid, int64_t now, struct evlist *out);

/* New personal links for the participants `pids` (every participant when
 * empty), each replacing the person's earlier ones: the invitation.issued
 * event that says so, so that the log shows who could act as whom from
 * when. ERR_NOT_FOUND for an unknown participant, ERR_BAD_STATE once the
 * record is approved (nothing is left to do in the meeting). */
int meeting_invite(struct meeting *m, const struct strlist *pids, const char *actor, int64_t now,
                   struct evlist *out);

/* Carry item `src` of an earlier meeting `from` into `m` (written by the
 * server when a meeting is created: postponed items come back, with a
 * reference to where their history is). */
int meeting_carry_item(struct meeting *m, const struct item *src, const char *from, int64_t now,
                       struct evlist *out);

/* Documents on agenda items (core/documents.c). Attach a document the
 * server has stored (b: item, sha256, name, format, size) to an item:
 * ERR_NOT_FOUND for no such item, ERR_BAD_STATE once the meeting is closed,
 * ERR_INVALID for a bad name, format or digest, ERR_TOO_LARGE beyond
 * DOC_PER_ITEM, ERR_CONFLICT when the same content is already on the item.
 * Detach one (b: item, sha256): ERR_NOT_FOUND when it is not attached. */
int meeting_document_add(struct meeting *m, const struct body *b, const char *actor, int64_t now,
                         struct evlist *out);
int meeting_document_remove(struct meeting *m, const char *item, const char *sha256,
                            const char *actor, int64_t now, struct evlist *out);
/* The live document `sha256` on item `item` (an id), or on any item when
 * `item` is NULL; with `any`, a removed one too. -1 when none. */
int32_t meeting_document_index(const struct meeting *m, const char *item, const char *sha256,
                               bool any);

/* What a file is, from its first bytes and its name: the format ("pdf",
 * "odt", "ods", "odp", "docx", "xlsx", "pptx", "doc", "xls", "png", "jpeg"),
 * or NULL when its content is not one of them or does not match its
 * extension. Pure: the whole file is in buf[0..len). */
const char *doc_sniff(const unsigned char *buf, size_t len, const char *name);
/* The MIME type of a format (NULL for an unknown one). */
const char *doc_format_mime(const char *format);
/* Is `name` a document's file name: 1..DOC_NAME_MAX bytes of valid UTF-8,
 * no control character, no / \ " and not starting with a dot? */
bool doc_name_valid(const char *name);
/* Is `s` 64 lowercase hex digits? */
bool doc_sha_valid(const char *s);
/* Decisions and actions (followup.c). */
const char *action_status_str(enum action_status s);
int action_status_parse(const char *s, enum action_status *out); /* 0 or ERR_INVALID */
/* Still to be done: open or in progress. The one rule of what is carried. */
bool action_open(const struct action *a);
/* Is `s` a calendar date YYYY-MM-DD (years 2000..2999)? */
bool date_valid(const char *s);
int32_t meeting_action_index(const struct meeting *m, const char *id); /* -1 when not found */
/* Where action `a` of meeting `mid` began: its origin, or "MID/ID". */
void action_origin(const struct action *a, const char *mid, char out[2 * ID_MAX]);
/* The actions of `prev` (an earlier meeting of the commission) still open
 * and not yet carried into `m` (NULL: none carried yet), as indexes into
 * prev->actions; `out` holds prev->nactions. Returns how many. */
size_t actions_to_carry(const struct meeting *m, const struct meeting *prev, uint32_t *out);
/* Carry them into `m` (written by the server when the agenda is prepared):
 * a top-level item titled `title` (added at the end unless an item of that
 * title is there) receives one action.recorded per action, with its origin.
 * Nothing when there is nothing to carry. ERR_BAD_STATE once `m` is closed. */
int meeting_carry_actions(struct meeting *m, const struct meeting *prev, const char *title,
                          int64_t now, struct evlist *out);

/* Add the item that approves the minutes of the earlier meeting `prev`
 * (written by the server, actor "admin", at the top of the agenda), titled
 * `title` in the meeting's language. ERR_CONFLICT when an item already
 * approves `prev`. */
int meeting_approval_item(struct meeting *m, const char *prev, const char *title, int64_t now,
                          struct evlist *out);

/* The settings' minutes_approval as written on the wire. */
const char *approval_str(bool next);

/* Borrowed (until the next applied event); NULL when not found. */
const struct participant *meeting_participant(const struct meeting *m, const char *id);
int32_t meeting_item_index(const struct meeting *m, const char *id); /* -1 when not found */

/* The items in display order (top-level by position, each followed by its
 * sub-items), as indexes into m->items; `out` holds m->nitems. Returns n. */
size_t agenda_order(const struct meeting *m, uint32_t *out);

/* The waiting requests of item `item` in the order the floor will be given
 * (points of order, replies, then contributions with the fairness rules).
 * Fills out[0..n) with request indexes; returns n. `out` holds m->nreqs. */
size_t speakers_order(const struct meeting *m, uint32_t item, uint32_t *out);

/* Presence as the quorum sees it: connected or marked present, and not
 * marked excused or absent. */
bool attendance_counts(const struct participant *p);

struct quorum {
    int64_t present;  /* members counted present */
    int64_t required; /* overall */
    bool met;
};
/* Compute the quorum now (from presence and the rule in m->set). */
struct quorum quorum_compute(const struct meeting *m);
/* The distinct colleges of the members, in roster order (borrowed until the
 * next participant.added), at most `max`; returns how many. */
#define MAX_COLLEGES 64
size_t meeting_colleges(const struct meeting *m, const char **out, size_t max);

/* Members of `college` present and required; `total` members of it. */
void quorum_college(const struct meeting *m, const char *college, int64_t *present,
                    int64_t *required, int64_t *total);

int32_t meeting_vote_index(const struct meeting *m, const char *id); /* -1 when not found */
int32_t meeting_entry_index(const struct meeting *m, const char *id); /* -1 when not found */
/* The live proxy given by participant index `from`, or -1. */
int32_t proxy_of(const struct meeting *m, uint32_t from);
bool recused(const struct meeting *m, uint32_t pidx, int32_t item);

/* Close vote `v` now (its deadline passed, or the chair asked): compute the
 * result with `tally` for a secret vote (NULL for a named one). */
int vote_close(struct meeting *m, uint32_t v, const struct secret_tally *tally, size_t ntally,
               const char *actor, int64_t now, struct evlist *out);

const char *vote_rule_str(enum vote_rule r);
const char *vote_state_str(enum vote_state s);
const char *item_kind_str(enum item_kind k);
const char *item_state_str(enum item_state s);
const char *request_kind_str(enum request_kind k);
const char *mark_str(enum mark k);

const char *meeting_state_str(enum meeting_state s);

/* Is `s` a valid identifier: 1..ID_MAX-1 bytes of [a-z0-9_-]? */
bool id_valid(const char *s);

#endif
