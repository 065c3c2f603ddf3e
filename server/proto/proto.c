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

#include <assert.h>
#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* jansson and memory. Its setters report a failure that is easy to drop,
 * and its lexer does not check its own buffer: when an allocation fails it
 * drops the character it was saving and carries on, so that a parse under
 * memory pressure returns a value that is not the text it was given, or
 * stops the process on one of jansson's assertions. Hence:
 *   - jansson allocates through spare_malloc(), which counts its failures;
 *     an encoding or a parse is good only when none failed since its start
 *     (watch(), then dump() or load()): a body missing a part must never
 *     reach the log, nor a parse that is not the text reach core/;
 *   - during a parse, a block malloc() refuses comes from a static spare
 *     area (enough for the tokens of a WebSocket message), so that the
 *     parse runs to its end on true data before load() reports ERR_NOMEM.
 *     Spare blocks never leave a parse; they go back through spare_free(),
 *     and the area is reused once all are back.
 * Threads: the meetings' thread parses and encodes, and the network threads
 * encode their own error answers (proto_http_error()). So the count of
 * failures and the parse in progress are each thread's own, and a parse
 * takes the spare area for its whole length (a parse on another thread
 * meanwhile runs without it, and still reports ERR_NOMEM). */
#define SPARE_SIZE (512 * 1024)
static _Alignas(16) unsigned char spare[SPARE_SIZE];
static size_t spare_used, spare_live; /* guarded by spare_taken */
static atomic_flag spare_taken = ATOMIC_FLAG_INIT;
static _Thread_local bool loading;           /* this thread's parse holds the spare area */
static _Thread_local unsigned long failures; /* allocations jansson asked for and did not get */
static pthread_once_t installed = PTHREAD_ONCE_INIT;

static void *
spare_malloc(size_t n)
{
    void *p = malloc(n);
    if (!p) {
        size_t need = (n + 15) & ~(size_t)15;
        failures++;
        if (loading && need >= n && need <= SPARE_SIZE - spare_used) {
            p = spare + spare_used;
            spare_used += need;
            spare_live++;
        }
    }
    return p;
}

static void
spare_free(void *p)
{
    if ((unsigned char *)p >= spare && (unsigned char *)p < spare + SPARE_SIZE) {
        if (--spare_live == 0) {
            spare_used = 0;
        }
        return;
    }
    free(p);
}

static void
install(void)
{
    json_set_alloc_funcs(spare_malloc, spare_free);
}

/* The start of an encoding or a parse: installs the allocator once. */
static unsigned long
watch(void)
{
    pthread_once(&installed, install);
    return failures;
}

/* The text of `v` (new), NULL when `v` is NULL or any allocation failed
 * since `mark` (then `v` may be missing a part). */
static char *
dump(const json_t *v, size_t flags, unsigned long mark)
{
    char *s = v ? json_dumps(v, flags) : NULL;
    if (s && failures != mark) {
        free(s);
        s = NULL;
    }
    return s;
}

/* The value of text[0..len) (new), or NULL with *rc ERR_BAD_JSON or ERR_NOMEM. */
static json_t *
load(const char *text, size_t len, size_t flags, int *rc)
{
    unsigned long mark = watch();
    json_error_t jerr;
    loading = !atomic_flag_test_and_set(&spare_taken);
    json_t *v = json_loadb(text, len, flags, &jerr);
    bool failed = failures != mark;
    if (failed) {
        json_decref(v); /* every spare block is back */
        v = NULL;
    }
    if (loading) {
        loading = false;
        atomic_flag_clear(&spare_taken);
    }
    *rc = failed ? ERR_NOMEM : v ? 0 : ERR_BAD_JSON;
    return v;
}

unsigned long
proto_json_mark(void)
{
    return watch();
}

bool
proto_json_failed(unsigned long mark)
{
    return failures != mark;
}

char *
proto_json_dump(const json_t *v, size_t flags, unsigned long mark)
{
    return dump(v, flags, mark);
}

json_t *
proto_json_load(const char *text, size_t len, size_t flags, int *rc)
{
    return load(text, len, flags, rc);
}

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

#define OFF(f) offsetof(struct body, f)
#define END {NULL, 0, F_STR, 0, 0, 0}
#define ID(name, f, req) {name, OFF(f), F_ID, ID_MAX - 1, req, 0}
#define OPTID(name, f, req) {name, OFF(f), F_OPTID, ID_MAX - 1, req, 0}
#define STR(name, f, max, req) {name, OFF(f), F_STR, max, req, 0}
#define TEXT(name, f, max, req) {name, OFF(f), F_TEXT, max, req, 0}
#define INT(name, f, max, req, bit) {name, OFF(f), F_INT, max, req, bit}
#define BOOL(name, f, req, bit) {name, OFF(f), F_BOOL, 1, req, bit}
#define LIST(name, f, max, req) {name, OFF(f), F_LIST, max, req, 0}
#define INTLIST(name, f, max, req) {name, OFF(f), F_INTLIST, max, req, 0}
#define MANY 1000000

#define NAME_MAX_ 200
#define TITLE_MAX 500
#define DESC_MAX 10000
#define DAY_S 86400
#define DAY_MS 86400000LL

static const struct field f_none[] = {END};
static const struct field f_created[] = {
    STR("title", title, TITLE_MAX, 1),   STR("date", date, 64, 1),
    STR("place", place, TITLE_MAX, 1),   STR("room", room, 1000, 1),
    ID("lang", lang, 1),                 ID("commission", commission, 1),
    STR("commission_name", commission_name, NAME_MAX_, 1), END};
static const struct field f_added[] = {
    ID("participant", participant, 1), STR("name", name, NAME_MAX_, 1),
    OPTID("college", college, 1), ID("role", role, 1), END};
static const struct field f_participant[] = {ID("participant", participant, 1), END};
static const struct field f_hello[] = {
    STR("token", token, 128, 1), INT("since", since, INT64_MAX, 0, HAS_SINCE), END};
static const struct field f_configured[] = {
    INT("speaking_time", speaking_time, DAY_S, 1, HAS_SPEAKING_TIME),
    BOOL("first_turn", first_turn, 1, HAS_FIRST_TURN),
    BOOL("alternate", alternate, 1, HAS_ALTERNATE),
    INT("quorum", quorum, 100, 1, HAS_QUORUM),
    INT("quorum_college", quorum_college, 100, 1, HAS_QUORUM_COLLEGE),
    INT("grace", grace, 3600, 1, HAS_GRACE),
    INT("proxy_max", proxy_max, 100, 1, HAS_PROXY_MAX),
    BOOL("proxy_college", proxy_college, 1, HAS_PROXY_COLLEGE),
    BOOL("proxy_quorum", proxy_quorum, 1, HAS_PROXY_QUORUM),
    OPTID("minutes_approval", approval, 0), END};
static const struct field f_configure[] = {
    INT("speaking_time", speaking_time, DAY_S, 0, HAS_SPEAKING_TIME),
    BOOL("first_turn", first_turn, 0, HAS_FIRST_TURN),
    BOOL("alternate", alternate, 0, HAS_ALTERNATE),
    INT("quorum", quorum, 100, 0, HAS_QUORUM),
    INT("quorum_college", quorum_college, 100, 0, HAS_QUORUM_COLLEGE),
    INT("grace", grace, 3600, 0, HAS_GRACE),
    INT("proxy_max", proxy_max, 100, 0, HAS_PROXY_MAX),
    BOOL("proxy_college", proxy_college, 0, HAS_PROXY_COLLEGE),
    BOOL("proxy_quorum", proxy_quorum, 0, HAS_PROXY_QUORUM),
    ID("minutes_approval", approval, 0), END};
static const struct field f_item_added[] = {
    ID("item", item, 1), STR("title", title, TITLE_MAX, 1),
    TEXT("description", description, DESC_MAX, 1), STR("presenter", presenter, NAME_MAX_, 1),
    INT("duration", duration, DAY_S, 1, HAS_DURATION), ID("kind", kind, 1),
    OPTID("parent", parent, 1), INT("position", position, 100000, 1, HAS_POSITION),
    INT("speaking_time", speaking_time, DAY_S, 1, HAS_SPEAKING_TIME),
    STR("origin", origin, 2 * ID_MAX, 0), OPTID("approves", approves, 0), END};
static const struct field f_item_edited[] = {
    ID("item", item, 1), STR("title", title, TITLE_MAX, 1),
    TEXT("description", description, DESC_MAX, 1), STR("presenter", presenter, NAME_MAX_, 1),
    INT("duration", duration, DAY_S, 1, HAS_DURATION), ID("kind", kind, 1),
    INT("speaking_time", speaking_time, DAY_S, 1, HAS_SPEAKING_TIME), END};
static const struct field f_agenda_add[] = {
    STR("title", title, TITLE_MAX, 1), TEXT("description", description, DESC_MAX, 0),
    STR("presenter", presenter, NAME_MAX_, 0), INT("duration", duration, DAY_S, 0, HAS_DURATION),
    ID("kind", kind, 0), OPTID("parent", parent, 0),
    INT("position", position, 100000, 0, HAS_POSITION),
    INT("speaking_time", speaking_time, DAY_S, 0, HAS_SPEAKING_TIME), END};
static const struct field f_agenda_edit[] = {
    ID("item", item, 1), STR("title", title, TITLE_MAX, 0),
    TEXT("description", description, DESC_MAX, 0), STR("presenter", presenter, NAME_MAX_, 0),
    INT("duration", duration, DAY_S, 0, HAS_DURATION), ID("kind", kind, 0),
    INT("speaking_time", speaking_time, DAY_S, 0, HAS_SPEAKING_TIME), END};
static const struct field f_item_move[] = {
    ID("item", item, 1), INT("position", position, 100000, 1, HAS_POSITION), END};
static const struct field f_item[] = {ID("item", item, 1), END};
static const struct field f_opt_item[] = {ID("item", item, 0), END};
static const struct field f_requested[] = {
    ID("request", request, 1), ID("participant", participant, 1), ID("kind", kind, 1),
    ID("item", item, 1), END};
static const struct field f_request[] = {ID("request", request, 1), END};
static const struct field f_opt_request[] = {ID("request", request, 0), END};
static const struct field f_request_move[] = {
    ID("request", request, 1), INT("position", position, 100000, 1, HAS_POSITION), END};
static const struct field f_speaker_request[] = {ID("kind", kind, 0), END};
static const struct field f_speaker_give[] = {
    ID("request", request, 0), ID("participant", participant, 0), END};
static const struct field f_turn_started[] = {
    OPTID("request", request, 1), ID("participant", participant, 1), ID("kind", kind, 1),
    ID("item", item, 1), INT("allowed", allowed, DAY_MS, 1, HAS_ALLOWED), END};
/* Time spoken is not bounded by a day: a turn left running while the meeting
 * is suspended overnight must not make the log unreadable. */
static const struct field f_turn_paused[] = {
    INT("elapsed", elapsed, INT64_MAX, 1, HAS_ELAPSED), END};
static const struct field f_turn_ended[] = {
    ID("participant", participant, 1), INT("spoken", spoken, INT64_MAX, 1, HAS_SPOKEN), END};
static const struct field f_marked[] = {
    ID("participant", participant, 1), ID("status", status, 1),
    STR("reason", reason, NAME_MAX_, 1), END};
static const struct field f_mark[] = {
    ID("participant", participant, 1), ID("status", status, 1),
    STR("reason", reason, NAME_MAX_, 0), END};
/* The colleges' figures came later: a log written before has none. */
static const struct field f_quorum[] = {
    INT("present", present, 1000000, 1, HAS_PRESENT),
    INT("required", required, 1000000, 1, HAS_REQUIRED), LIST("colleges", colleges, 64, 0),
    INTLIST("college_present", college_present, 64, 0),
    INTLIST("college_required", college_required, 64, 0), LIST("failing", failing, 64, 0), END};

static const struct field f_vote_prepared[] = {
    ID("vote", vote, 1), OPTID("item", item, 1), STR("question", question, TITLE_MAX, 1),
    ID("kind", kind, 1), LIST("options", options, 21, 1), ID("mode", mode, 1),
    ID("rule", rule, 1), INT("share_num", share_num, 100, 1, HAS_SHARE_NUM),
    INT("share_den", share_den, 100, 1, HAS_SHARE_DEN),
    INT("duration", duration, DAY_S, 1, HAS_DURATION), END};
static const struct field f_vote_prepare[] = {
    ID("item", item, 0), STR("question", question, TITLE_MAX, 1), ID("kind", kind, 0),
    LIST("options", options, 20, 0), ID("mode", mode, 0), ID("rule", rule, 0),
    INT("share_num", share_num, 100, 0, HAS_SHARE_NUM),
    INT("share_den", share_den, 100, 0, HAS_SHARE_DEN),
    INT("duration", duration, DAY_S, 0, HAS_DURATION), END};
static const struct field f_vote_opened[] = {
    ID("vote", vote, 1), INT("deadline", deadline, INT64_MAX, 1, HAS_DEADLINE),
    BOOL("quorum_met", quorum_met, 1, HAS_QUORUM_MET),
    INT("entitled_n", entitled_n, MANY, 1, HAS_ENTITLED_N), LIST("entitled", entitled, MANY, 1),
    LIST("present", present_ids, MANY, 1), LIST("small_colleges", small_colleges, 64, 0), END};
static const struct field f_vote[] = {ID("vote", vote, 1), END};
static const struct field f_ballot[] = {
    ID("vote", vote, 1), ID("voter", voter, 1), OPTID("by", by, 1),
    STR("choice", choice, NAME_MAX_, 1), END};
static const struct field f_cast[] = {
    ID("vote", vote, 1), STR("choice", choice, NAME_MAX_, 1), ID("for", voter, 0),
    BOOL("all", all, 0, HAS_ALL), LIST("receipts", receipts, 1000, 0),
    LIST("replaces", replaces, 1000, 0), END};
static const struct field f_vote_closed[] = {
    ID("vote", vote, 1), INTLIST("counts", counts, 21, 1), LIST("colleges", colleges, 64, 1),
    INTLIST("college_counts", college_counts, 21 * 64, 1),
    INTLIST("college_passed", college_passed, 64, 0), BOOL("passed", passed, 1, HAS_PASSED), STR("winner", winner, NAME_MAX_, 1),
    BOOL("quorum_met", quorum_met, 1, HAS_QUORUM_MET), INT("voted", voted, MANY, 1, HAS_VOTED),
    INT("entitled_n", entitled_n, MANY, 1, HAS_ENTITLED_N),
    LIST("present", present_ids, MANY, 1), LIST("voters", voters, MANY, 1),
    LIST("by", bys, MANY, 1), INTLIST("choices", choices, MANY, 1), END};
static const struct field f_proxy_given[] = {ID("from", from, 1), ID("to", to, 1), END};
static const struct field f_proxy_give[] = {ID("to", to, 1), END};
static const struct field f_proxy_record[] = {ID("from", from, 1), ID("to", to, 1), END};
static const struct field f_proxy_revoked[] = {ID("from", from, 1), END};
static const struct field f_proxy_revoke[] = {ID("from", from, 0), END};
static const struct field f_recusal[] = {
    ID("participant", participant, 1), ID("item", item, 1), END};
static const struct field f_recusal_cmd[] = {
    ID("participant", participant, 0), ID("item", item, 0), END};

static const struct field f_entry_added[] = {
    ID("entry", entry, 1), OPTID("item", item, 1), TEXT("text", text, 20000, 1),
    LIST("speakers", speakers, 50, 1), END};
static const struct field f_entry_deleted[] = {ID("entry", entry, 1), END};
static const struct field f_minutes_add[] = {
    TEXT("text", text, 20000, 1), OPTID("item", item, 0), LIST("speakers", speakers, 50, 0), END};
static const struct field f_minutes_edit[] = {
    ID("entry", entry, 1), TEXT("text", text, 20000, 0), OPTID("item", item, 0),
    LIST("speakers", speakers, 50, 0), END};

static const struct field f_approved_previous[] = {
    ID("item", item, 1), ID("meeting", approves, 1), STR("date", date, 64, 1),
    STR("record", record, 64, 1), STR("head", head, 64, 1),
    INT("events", events, INT64_MAX, 1, HAS_EVENTS), OPTID("vote", vote, 1),
    ID("result", result, 1), END};
static const struct field f_approve_previous[] = {
    ID("item", item, 1), OPTID("vote", vote, 0), END};
static const struct field f_decision_recorded[] = {
    ID("decision", decision, 1), ID("item", item, 1), TEXT("text", text, 1200, 1),
    OPTID("vote", vote, 1), END};
static const struct field f_decision_record[] = {
    TEXT("text", text, 1200, 1), OPTID("item", item, 0), OPTID("vote", vote, 0), END};
static const struct field f_action_recorded[] = {
    ID("action", action, 1), ID("item", item, 1), STR("title", title, TITLE_MAX, 1),
    ID("owner", owner, 1), STR("owner_name", owner_name, NAME_MAX_, 1),
    STR("due", due, 10, 1), ID("status", status, 1), STR("origin", origin, 2 * ID_MAX, 0), END};
static const struct field f_action_record[] = {
    STR("title", title, TITLE_MAX, 1), ID("owner", owner, 1), OPTID("item", item, 0),
    STR("due", due, 10, 0), ID("status", status, 0), END};
static const struct field f_action_update[] = {
    ID("action", action, 1), ID("status", status, 1), END};

static const struct field f_invited[] = {LIST("participants", participants, 100000, 1), END};
static const struct field f_document_added[] = {
    ID("item", item, 1), STR("sha256", sha256, 64, 1), STR("name", name, 200, 1),
    ID("format", format, 1), INT("size", size, INT64_MAX, 1, HAS_SIZE), END};
static const struct field f_document_removed[] = {
    ID("item", item, 1), STR("sha256", sha256, 64, 1), END};

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
    [EV_MEETING_CONFIGURED] = {"meeting.configured", f_configured},
    [EV_AGENDA_ITEM_ADDED] = {"agenda.item_added", f_item_added},
    [EV_AGENDA_ITEM_EDITED] = {"agenda.item_edited", f_item_edited},
    [EV_AGENDA_ITEM_MOVED] = {"agenda.item_moved", f_item_move},
    [EV_AGENDA_ITEM_REMOVED] = {"agenda.item_removed", f_item},
    [EV_AGENDA_ITEM_OPENED] = {"agenda.item_opened", f_item},
    [EV_AGENDA_ITEM_CLOSED] = {"agenda.item_closed", f_item},
    [EV_AGENDA_ITEM_POSTPONED] = {"agenda.item_postponed", f_item},
    [EV_SPEAKER_REQUESTED] = {"speaker.requested", f_requested},
    [EV_SPEAKER_WITHDRAWN] = {"speaker.withdrawn", f_request},
    [EV_SPEAKER_REMOVED] = {"speaker.removed", f_request},
    [EV_SPEAKER_MOVED] = {"speaker.moved", f_request_move},
    [EV_SPEAKER_TURN_STARTED] = {"speaker.turn_started", f_turn_started},
    [EV_SPEAKER_TURN_PAUSED] = {"speaker.turn_paused", f_turn_paused},
    [EV_SPEAKER_TURN_RESUMED] = {"speaker.turn_resumed", f_none},
    [EV_SPEAKER_TURN_ENDED] = {"speaker.turn_ended", f_turn_ended},
    [EV_SPEAKER_LIST_CLOSED] = {"speaker.list_closed", f_item},
    [EV_SPEAKER_LIST_REOPENED] = {"speaker.list_reopened", f_item},
    [EV_ATTENDANCE_MARKED] = {"attendance.marked", f_marked},
    [EV_QUORUM_REACHED] = {"quorum.reached", f_quorum},
    [EV_QUORUM_LOST] = {"quorum.lost", f_quorum},
    [EV_VOTE_PREPARED] = {"vote.prepared", f_vote_prepared},
    [EV_VOTE_OPENED] = {"vote.opened", f_vote_opened},
    [EV_BALLOT_CAST] = {"ballot.cast", f_ballot},
    [EV_VOTE_CLOSED] = {"vote.closed", f_vote_closed},
    [EV_VOTE_PUBLISHED] = {"vote.published", f_vote},
    [EV_VOTE_CANCELLED] = {"vote.cancelled", f_vote},
    [EV_PROXY_GIVEN] = {"proxy.given", f_proxy_given},
    [EV_PROXY_REVOKED] = {"proxy.revoked", f_proxy_revoked},
    [EV_RECUSAL_DECLARED] = {"recusal.declared", f_recusal},
    [EV_RECUSAL_WITHDRAWN] = {"recusal.withdrawn", f_recusal},
    [EV_MINUTES_ENTRY_ADDED] = {"minutes.entry_added", f_entry_added},
    [EV_MINUTES_ENTRY_EDITED] = {"minutes.entry_edited", f_entry_added},
    [EV_MINUTES_ENTRY_DELETED] = {"minutes.entry_deleted", f_entry_deleted},
    [EV_MINUTES_FINALIZED] = {"minutes.finalized", f_none},
    [EV_RECORD_APPROVED] = {"record.approved", f_none},
    [EV_INVITATION_ISSUED] = {"invitation.issued", f_invited},
    [EV_DOCUMENT_ADDED] = {"document.added", f_document_added},
    [EV_DOCUMENT_REMOVED] = {"document.removed", f_document_removed},
    [EV_MINUTES_APPROVED_PREVIOUS] = {"minutes.approved_previous", f_approved_previous},
    [EV_DECISION_RECORDED] = {"decision.recorded", f_decision_recorded},
    [EV_ACTION_RECORDED] = {"action.recorded", f_action_recorded},
    [EV_ACTION_UPDATED] = {"action.updated", f_action_update},
    [EV_PARTICIPANT_EDITED] = {"participant.edited", f_added},
    [EV_PARTICIPANT_REMOVED] = {"participant.removed", f_participant},
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
    [CMD_MEETING_CONFIGURE] = {"meeting.configure", f_configure},
    [CMD_AGENDA_ADD] = {"agenda.add", f_agenda_add},
    [CMD_AGENDA_EDIT] = {"agenda.edit", f_agenda_edit},
    [CMD_AGENDA_MOVE] = {"agenda.move", f_item_move},
    [CMD_AGENDA_REMOVE] = {"agenda.remove", f_item},
    [CMD_AGENDA_OPEN] = {"agenda.open", f_item},
    [CMD_AGENDA_CLOSE] = {"agenda.close", f_opt_item},
    [CMD_AGENDA_POSTPONE] = {"agenda.postpone", f_item},
    [CMD_SPEAKER_REQUEST] = {"speaker.request", f_speaker_request},
    [CMD_SPEAKER_WITHDRAW] = {"speaker.withdraw", f_opt_request},
    [CMD_SPEAKER_REMOVE] = {"speaker.remove", f_request},
    [CMD_SPEAKER_MOVE] = {"speaker.move", f_request_move},
    [CMD_SPEAKER_NEXT] = {"speaker.next", f_none},
    [CMD_SPEAKER_GIVE] = {"speaker.give", f_speaker_give},
    [CMD_SPEAKER_END] = {"speaker.end", f_none},
    [CMD_SPEAKER_PAUSE] = {"speaker.pause", f_none},
    [CMD_SPEAKER_RESUME] = {"speaker.resume", f_none},
    [CMD_SPEAKER_CLOSE_LIST] = {"speaker.close_list", f_opt_item},
    [CMD_SPEAKER_REOPEN_LIST] = {"speaker.reopen_list", f_opt_item},
    [CMD_ATTENDANCE_CHECKIN] = {"attendance.checkin", f_none},
    [CMD_ATTENDANCE_MARK] = {"attendance.mark", f_mark},
    [CMD_VOTE_PREPARE] = {"vote.prepare", f_vote_prepare},
    [CMD_VOTE_OPEN] = {"vote.open", f_vote},
    [CMD_VOTE_CAST] = {"vote.cast", f_cast},
    [CMD_VOTE_CLOSE] = {"vote.close", f_vote},
    [CMD_VOTE_PUBLISH] = {"vote.publish", f_vote},
    [CMD_VOTE_CANCEL] = {"vote.cancel", f_vote},
    [CMD_PROXY_GIVE] = {"proxy.give", f_proxy_give},
    [CMD_PROXY_RECORD] = {"proxy.record", f_proxy_record},
    [CMD_PROXY_REVOKE] = {"proxy.revoke", f_proxy_revoke},
    [CMD_RECUSAL_DECLARE] = {"recusal.declare", f_recusal_cmd},
    [CMD_RECUSAL_WITHDRAW] = {"recusal.withdraw", f_recusal_cmd},
    [CMD_MINUTES_ADD] = {"minutes.add", f_minutes_add},
    [CMD_MINUTES_EDIT] = {"minutes.edit", f_minutes_edit},
    [CMD_MINUTES_DELETE] = {"minutes.delete", f_entry_deleted},
    [CMD_MINUTES_FINALIZE] = {"minutes.finalize", f_none},
    [CMD_RECORD_APPROVE] = {"record.approve", f_none},
    [CMD_MINUTES_APPROVE_PREVIOUS] = {"minutes.approve_previous", f_approve_previous},
    [CMD_DECISION_RECORD] = {"decision.record", f_decision_record},
    [CMD_ACTION_RECORD] = {"action.record", f_action_record},
    [CMD_ACTION_UPDATE] = {"action.update", f_action_update},
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

static struct strlist *
strlist_at(struct body *b, const struct field *f)
{
    return (struct strlist *)(void *)((char *)b + f->offset);
}

static struct intlist *
intlist_at(struct body *b, const struct field *f)
{
    return (struct intlist *)(void *)((char *)b + f->offset);
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
            if (intlist_push(intlist_at(b, f), json_integer_value(x))) {
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
        if (strlist_push(strlist_at(b, f), s)) {
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
            *int_at(b, f) = x;
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
                 : (f->kind == F_OPTID && !*s)         ? 0
                                                       : check_id(s, (size_t)f->max);
        } else {
            rc = proto_check_text(s, (size_t)f->max, f->kind == F_TEXT);
        }
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
        char *q = dump(id, JSON_ENCODE_ANY, watch());
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

int
proto_decode_cmd(const char *buf, size_t len, struct cmd *out)
{
    memset(out, 0, sizeof(*out));
    if (len > PROTO_MAX_MESSAGE) {
        return ERR_TOO_LARGE;
    }
    int rc;
    json_t *root = load(buf, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &rc);
    if (!root) {
        return rc;
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
    if (rc == 0 && out->key[0]) {
        unsigned long mark = watch();
        json_t *c = json_pack("{sOsO}", "type", type, "body", body);
        out->canon = dump(c, JSON_COMPACT | JSON_SORT_KEYS, mark);
        json_decref(c);
        rc = out->canon ? 0 : ERR_NOMEM;
    }
    json_decref(empty);
fail:
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
    json_t *root = load(buf, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &rc);
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
        rc = decode_fields(root, cmds[type].fields, &out->b);
    }
    json_decref(root);
    if (rc) {
        cmd_clear(out);
    }
    return rc;
}

/* --- canonical bodies, written directly ----------------------------------
 *
 * Every event body goes through here (a ballot's too): building a jansson
 * tree, sorting its keys and dumping it cost three times the rest of the
 * encoding. The writer below produces the same bytes as json_dumps() with
 * JSON_COMPACT | JSON_SORT_KEYS (tests/proto checks it against jansson on
 * random bodies): keys in strcmp order, "," and ":" alone, strings escaped
 * as jansson does (quote, backslash, \b \f \n \r \t, other controls as
 * \u00XX, nothing else), integers in decimal. A string that is not valid
 * UTF-8 fails the encoding, as it fails json_string(). */

struct out {
    char *buf;
    size_t len, cap;
    bool failed;
};

static void
out_put(struct out *o, const char *s, size_t n)
{
    if (o->failed) {
        return;
    }
    if (o->len + n + 1 > o->cap) {
        size_t cap = (o->len + n + 1) * 2;
        char *b = realloc(o->buf, cap);
        if (!b) {
            o->failed = true;
            return;
        }
        o->buf = b;
        o->cap = cap;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
}

static void
out_int(struct out *o, int64_t v)
{
    char d[24];
    int n = snprintf(d, sizeof(d), "%" PRId64, v);
    out_put(o, d, (size_t)n);
}

/* Length of the valid UTF-8 sequence at s (first byte >= 0x80), 0 if invalid:
 * no overlong forms, no surrogates, nothing above U+10FFFF. */
static size_t
utf8_seq(const unsigned char *s)
{
    unsigned c = s[0];
    size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
    if (n == 0 || c > 0xF4 || c == 0xC0 || c == 0xC1) {
        return 0;
    }
    uint32_t cp = c & (0xFF >> (n + 1));
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            return 0;
        }
        cp = cp << 6 | (s[i] & 0x3F);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
        return 0;
    }
    return n;
}

static void
out_str(struct out *o, const char *str)
{
    const unsigned char *s = (const unsigned char *)(str ? str : "");
    out_put(o, "\"", 1);
    while (*s) {
        const unsigned char *run = s;
        while (*s >= 0x20 && *s < 0x80 && *s != '"' && *s != '\\') {
            s++;
        }
        out_put(o, (const char *)run, (size_t)(s - run));
        if (!*s) {
            break;
        }
        if (*s >= 0x80) {
            size_t n = utf8_seq(s);
            if (n == 0) {
                o->failed = true;
                return;
            }
            out_put(o, (const char *)s, n);
            s += n;
            continue;
        }
        char esc[8];
        const char *e = *s == '"' ? "\\\"" : *s == '\\' ? "\\\\" : *s == '\b' ? "\\b"
                      : *s == '\f' ? "\\f" : *s == '\n' ? "\\n" : *s == '\r' ? "\\r"
                      : *s == '\t' ? "\\t" : NULL;
        if (!e) {
            snprintf(esc, sizeof(esc), "\\u%04X", (unsigned)*s);
            e = esc;
        }
        out_put(o, e, strlen(e));
        s++;
    }
    out_put(o, "\"", 1);
}

#define MAX_FIELDS 16

/* The fields of each event type in key order, computed once. */
static const struct field *sorted[EV_COUNT][MAX_FIELDS + 1];

static const struct field *const *
sorted_fields(enum ev_type t)
{
    const struct field **v = sorted[t];
    if (v[0] || !events[t].fields[0].name) {
        return v;
    }
    size_t n = 0;
    for (const struct field *f = events[t].fields; f->name; f++) {
        assert(n < MAX_FIELDS);
        size_t i = n++;
        while (i > 0 && strcmp(v[i - 1]->name, f->name) > 0) {
            v[i] = v[i - 1];
            i--;
        }
        v[i] = f;
    }
    return v;
}

char *
proto_event_body(const struct event *ev)
{
    if (ev->type < 0 || ev->type >= EV_COUNT) {
        return NULL;
    }
    struct out o = {0};
    struct body *b = (struct body *)&ev->b;
    out_put(&o, "{", 1);
    int i = 0;
    for (const struct field *const *fp = sorted_fields(ev->type); *fp; fp++, i++) {
        const struct field *f = *fp;
        out_put(&o, i ? ",\"" : "\"", i ? 2 : 1);
        out_put(&o, f->name, strlen(f->name));
        out_put(&o, "\":", 2);
        if (f->kind == F_LIST) {
            const struct strlist *l = strlist_at(b, f);
            out_put(&o, "[", 1);
            for (size_t k = 0; k < l->n; k++) {
                out_put(&o, ",", k > 0);
                out_str(&o, l->v[k]);
            }
            out_put(&o, "]", 1);
        } else if (f->kind == F_INTLIST) {
            const struct intlist *l = intlist_at(b, f);
            out_put(&o, "[", 1);
            for (size_t k = 0; k < l->n; k++) {
                out_put(&o, ",", k > 0);
                out_int(&o, l->v[k]);
            }
            out_put(&o, "]", 1);
        } else if (f->kind == F_INT) {
            out_int(&o, *int_at(b, f));
        } else if (f->kind == F_BOOL) {
            bool t = *int_at(b, f) != 0;
            out_put(&o, t ? "true" : "false", t ? 4 : 5);
        } else {
            out_str(&o, *str_at(b, f));
        }
    }
    out_put(&o, "}", 1);
    if (o.failed) {
        free(o.buf);
        return NULL;
    }
    o.buf[o.len] = 0;
    return o.buf;
}

int
proto_decode_event_body(enum ev_type type, const char *body, size_t len, struct event *out)
{
    if (type < 0 || type >= EV_COUNT) {
        return ERR_INVALID;
    }
    int rc;
    json_t *o = load(body, len, JSON_REJECT_DUPLICATES, &rc);
    if (!o) {
        return rc;
    }
    rc = json_is_object(o) ? decode_fields(o, events[type].fields, &out->b) : ERR_BAD_MESSAGE;
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
    unsigned long mark = watch();
    int rc;
    char *s = NULL;
    size_t t = 0;
    while (t < sizeof(abridge_table) / sizeof(abridge_table[0]) && abridge_table[t].type != type) {
        t++;
    }
    json_t *o = t < sizeof(abridge_table) / sizeof(abridge_table[0])
                    ? load(body, strlen(body), 0, &rc)
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
    s = dump(o, JSON_COMPACT | JSON_SORT_KEYS, mark);
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
        json_t *jid = load(id, strlen(id), JSON_DECODE_ANY, &rc);
        if (!jid || json_object_set_new(o, "id", jid)) {
            goto fail;
        }
    }
    if (body) {
        json_object_set_new(o, "body", body);
        body = NULL;
    }
    s = dump(o, JSON_COMPACT, mark);
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
    unsigned long mark = watch();
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
proto_http_error(int code, const char *message)
{
    unsigned long mark = watch();
    json_t *o = json_pack("{s:{s:s,s:s}}", "error", "code", err_str(code), "message",
                          message ? message : err_message(code));
    char *s = dump(o, JSON_COMPACT, mark);
    json_decref(o);
    return s;
}

int
proto_disposition(const char *name, char *out, size_t outlen)
{
    static const char hexd[] = "0123456789ABCDEF";
    size_t n = 0;
    bool ascii = true;
#define PUT(c)                                                                                   \
    do {                                                                                         \
        if (n + 1 >= outlen) {                                                                   \
            goto full;                                                                           \
        }                                                                                        \
        out[n++] = (c);                                                                          \
    } while (0)
    if (!outlen) {
        return ERR_TOO_LARGE;
    }
    for (const char *p = "attachment; filename=\""; *p; p++) {
        PUT(*p);
    }
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        if (*p >= 0x80) {
            ascii = false;
            if ((*p & 0xc0) != 0x80) {
                PUT('_'); /* one _ per non-ASCII character */
            }
        } else {
            PUT((*p < 0x20 || *p == '"' || *p == '\\') ? '_' : (char)*p);
        }
    }
    PUT('"');
    if (!ascii) {
        for (const char *p = "; filename*=UTF-8''"; *p; p++) {
            PUT(*p);
        }
        for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
            bool plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                         (*p >= '0' && *p <= '9') || strchr("!#$&+-.^_`|~", *p);
            if (plain) {
                PUT((char)*p);
            } else {
                PUT('%');
                PUT(hexd[*p >> 4]);
                PUT(hexd[*p & 15]);
            }
        }
    }
    out[n] = 0;
    return 0;
full:
    out[0] = 0;
    return ERR_TOO_LARGE;
#undef PUT
}

char *
proto_quote(const char *s)
{
    unsigned long mark = watch();
    json_t *v = json_string(s);
    char *q = dump(v, JSON_ENCODE_ANY, mark);
    json_decref(v);
    return q;
}

/* Add n to the integer `key` of object `o` (created at 0). */
static void
add_int(json_t *o, const char *key, int64_t n)
{
    json_t *v = json_object_get(o, key);
    json_object_set_new(o, key, json_integer((v ? json_integer_value(v) : 0) + n));
}

/* The object of `college` in `colleges`, created with zeroes; NULL when out of memory. */
static json_t *
college_of(json_t *colleges, const char *college)
{
    json_t *c = json_object_get(colleges, college);
    if (!c) {
        c = json_pack("{s:i,s:i,s:i,s:i,s:i}", "present", 0, "total", 0, "required", 0,
                      "turns", 0, "spoken", 0);
        if (!c || json_object_set_new(colleges, college, c)) {
            return NULL;
        }
    }
    return c;
}

static json_t *
participants_json(const struct meeting *m, bool light)
{
    json_t *parts = json_array();
    for (size_t i = 0; parts && i < m->nparts; i++) {
        const struct participant *p = &m->parts[i];
        if (p->removed || (light && p->role == ROLE_MEMBER)) {
            continue;
        }
        json_t *jp = json_pack(
            "{s:s,s:s,s:s,s:s,s:b,s:b,s:s,s:b,s:s,s:I,s:I,s:i,s:i,s:I}", "id", p->id, "name",
            p->name, "college", p->college, "role", role_str(p->role), "present",
            attendance_counts(p), "connected", p->present, "mark", mark_str(p->mark), "checkin",
            p->checkin, "reason", p->reason ? p->reason : "", "arrived", (json_int_t)p->arrived,
            "left", (json_int_t)p->left, "disconnections", p->disconnections, "turns", p->turns,
            "spoken", (json_int_t)p->spoken_ms);
        if (!jp || json_array_append_new(parts, jp)) {
            json_decref(parts);
            return NULL;
        }
    }
    return parts;
}

/* The attendance: members present and in all, per college (present, total,
 * required, turns, spoken, colleges in roster order of their first
 * participant), and the quorum. The snapshot's `attendance` and the body of
 * the `attendance` message (PROTOCOL.md 4.5) are this one object. */
static json_t *
attendance_json(const struct meeting *m)
{
    json_t *colleges = json_object();
    int64_t total = 0;
    for (size_t i = 0; colleges && i < m->nparts; i++) {
        const struct participant *p = &m->parts[i];
        total += p->role == ROLE_MEMBER;
        if (!p->college[0]) {
            continue;
        }
        bool fresh = !json_object_get(colleges, p->college);
        json_t *c = college_of(colleges, p->college);
        if (!c) {
            json_decref(colleges);
            return NULL;
        }
        add_int(c, "turns", p->turns);
        add_int(c, "spoken", p->spoken_ms);
        if (fresh) { /* once per college: quorum_college() walks every participant */
            int64_t present, required, ctotal;
            quorum_college(m, p->college, &present, &required, &ctotal);
            json_object_set_new(c, "present", json_integer(present));
            json_object_set_new(c, "total", json_integer(ctotal));
            json_object_set_new(c, "required", json_integer(required));
        }
    }
    if (!colleges) {
        return NULL;
    }
    struct quorum q = quorum_compute(m);
    return json_pack("{s:I,s:I,s:o,s:{s:b,s:I,s:I}}", "present", (json_int_t)q.present, "total",
                     (json_int_t)total, "colleges", colleges, "quorum", "met", q.met, "present",
                     (json_int_t)q.present, "required", (json_int_t)q.required);
}

/* Document `d` of meeting `m`, as items carry it and the upload answers it. */
static json_t *
document_json(const struct meeting *m, const struct document *d)
{
    char url[ID_MAX + DOC_SHA_LEN + 32];
    snprintf(url, sizeof(url), "/api/meetings/%s/documents/%s", m->id, d->sha256);
    return json_pack("{s:s,s:s,s:s,s:s,s:I,s:I,s:s,s:s}", "sha256", d->sha256, "name", d->name,
                     "format", d->format, "type", doc_format_mime(d->format), "size",
                     (json_int_t)d->size, "added", (json_int_t)d->added, "url", url, "item",
                     m->items[d->item].id);
}

char *
proto_document(const struct meeting *m, size_t d)
{
    unsigned long mark = watch();
    json_t *v = d < m->ndocs ? document_json(m, &m->docs[d]) : NULL;
    char *s = dump(v, JSON_COMPACT, mark);
    json_decref(v);
    return s;
}

/* The documents attached to item `it` (live ones), in order of addition. */
static json_t *
documents_json(const struct meeting *m, const struct item *it)
{
    json_t *a = json_array();
    uint32_t idx = (uint32_t)(it - m->items);
    for (size_t i = 0; a && i < m->ndocs; i++) {
        const struct document *d = &m->docs[i];
        if (!d->removed && d->item == idx) {
            json_array_append_new(a, document_json(m, d));
        }
    }
    return a;
}

static json_t *
item_json(const struct meeting *m, const struct item *it)
{
    return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:I,s:I,s:s,s:I,s:I,s:b,s:s,s:o,s:s,s:b}",
                     "id", it->id,
                     "title", it->title, "description", it->description, "presenter",
                     it->presenter, "kind", item_kind_str(it->kind), "parent", it->parent,
                     "position", (json_int_t)it->position, "duration",
                     (json_int_t)it->duration_s, "speaking_time", (json_int_t)it->speaking_s,
                     "state", item_state_str(it->state), "actual", (json_int_t)it->actual_ms,
                     "opened_at", (json_int_t)it->opened_at, "list_closed", it->list_closed,
                     "origin", it->origin, "documents", documents_json(m, it), "approves",
                     it->approves, "approved", it->approved_seq != 0);
}

/* Items in display order: top-level by position, each followed by its sub-items. */
static json_t *
agenda_json(const struct meeting *m)
{
    json_t *a = json_array();
    uint32_t *order = malloc((m->nitems ? m->nitems : 1) * sizeof(*order));
    if (!a || !order) {
        free(order);
        json_decref(a);
        return NULL;
    }
    size_t n = agenda_order(m, order);
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(a, item_json(m, &m->items[order[i]]));
    }
    free(order);
    return a;
}

static json_t *
speakers_json(const struct meeting *m)
{
    json_t *lists = json_object();
    uint32_t *order = malloc((m->nreqs ? m->nreqs : 1) * sizeof(*order));
    if (!lists || !order) {
        free(order);
        json_decref(lists);
        return NULL;
    }
    /* Only items with someone waiting: each speakers_order() walks every
     * request of the meeting, and a long meeting has hundreds of items. */
    uint8_t *waiting = calloc(m->nitems ? m->nitems : 1, 1);
    if (!waiting) {
        free(order);
        json_decref(lists);
        return NULL;
    }
    for (size_t i = 0; i < m->nreqs; i++) {
        if (m->reqs[i].live && m->reqs[i].item < m->nitems) {
            waiting[m->reqs[i].item] = 1;
        }
    }
    for (size_t i = 0; i < m->nitems; i++) {
        if (!waiting[i]) {
            continue;
        }
        size_t n = speakers_order(m, (uint32_t)i, order);
        if (n == 0) {
            continue;
        }
        json_t *l = json_array();
        for (size_t k = 0; l && k < n; k++) {
            const struct request *r = &m->reqs[order[k]];
            json_array_append_new(l, json_pack("{s:s,s:s,s:s,s:s,s:s,s:I}", "request", r->id,
                                               "participant", m->parts[r->pidx].id, "name",
                                               m->parts[r->pidx].name, "college",
                                               m->parts[r->pidx].college, "kind",
                                               request_kind_str(r->kind), "ts",
                                               (json_int_t)r->ts));
        }
        json_object_set_new(lists, m->items[i].id, l);
    }
    free(waiting);
    free(order);
    return lists;
}

static json_t *
turn_json(const struct meeting *m)
{
    const struct turn *t = &m->turn;
    if (!t->active) {
        return json_null();
    }
    return json_pack("{s:s,s:s,s:s,s:s,s:s,s:I,s:I,s:I}", "participant", m->parts[t->pidx].id,
                     "name", m->parts[t->pidx].name, "request", t->request, "kind", request_kind_str(t->kind), "item",
                     m->items[t->item].id, "allowed", (json_int_t)t->allowed_ms, "elapsed",
                     (json_int_t)t->elapsed_ms, "running_since", (json_int_t)t->running_since);
}

static json_t *
strings_json(const struct strlist *l)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < l->n; i++) {
        json_array_append_new(a, json_string(l->v[i]));
    }
    return a;
}

static json_t *
ints_json(const struct intlist *l)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < l->n; i++) {
        json_array_append_new(a, json_integer(l->v[i]));
    }
    return a;
}

/* Votes: never a choice while open; the result once closed. */
static json_t *
votes_json(const struct meeting *m)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < m->nvotes; i++) {
        const struct vote *v = &m->votes[i];
        json_t *o = json_pack(
            "{s:s,s:s,s:s,s:s,s:o,s:s,s:s,s:I,s:I,s:I,s:s,s:I,s:I,s:I,s:I,s:I,s:b}", "id", v->id,
            "item", v->item >= 0 ? m->items[v->item].id : "", "question", v->question, "kind",
            v->choice_kind ? "choice" : "yesno", "options", strings_json(&v->options), "mode",
            v->secret ? "secret" : "named", "rule", vote_rule_str(v->rule), "share_num",
            (json_int_t)v->share_num, "share_den", (json_int_t)v->share_den, "duration",
            (json_int_t)v->duration_s, "state", vote_state_str(v->state), "opened_at",
            (json_int_t)v->opened_at, "deadline", (json_int_t)v->deadline, "closed_at",
            (json_int_t)v->closed_at, "voted", (json_int_t)v->nvoted, "entitled",
            (json_int_t)v->nentitled, "quorum_open", v->quorum_open);
        if (o) {
            json_object_set_new(o, "small_colleges", strings_json(&v->small_colleges));
        }
        if (o && (v->state == VOTE_CLOSED || v->state == VOTE_PUBLISHED)) {
            json_t *ballots = json_array();
            for (size_t k = 0; !v->secret && ballots && k < v->nslots; k++) {
                if (v->choice[k] >= 0) {
                    json_array_append_new(
                        ballots, json_pack("{s:s,s:s,s:s}", "voter", m->parts[k].id, "by",
                                           v->by[k] >= 0 ? m->parts[v->by[k]].id : "", "choice",
                                           v->options.v[v->choice[k]]));
                }
            }
            json_object_set_new(
                o, "result",
                json_pack("{s:o,s:o,s:o,s:o,s:b,s:s,s:b,s:o}", "counts", ints_json(&v->counts),
                          "colleges", strings_json(&v->colleges), "college_counts",
                          ints_json(&v->college_counts), "college_passed",
                          ints_json(&v->college_passed), "passed", v->passed, "winner",
                          v->winner ? v->winner : "", "quorum_close", v->quorum_close,
                          "ballots", ballots ? ballots : json_array()));
        }
        json_array_append_new(a, o);
    }
    return a;
}

static json_t *
proxies_json(const struct meeting *m)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < m->nproxies; i++) {
        const struct proxy *p = &m->proxies[i];
        if (p->live) {
            json_array_append_new(a, json_pack("{s:s,s:s}", "from", m->parts[p->from].id, "to",
                                               m->parts[p->to].id));
        }
    }
    return a;
}

static json_t *
recusals_json(const struct meeting *m)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < m->nrecusals; i++) {
        const struct recusal *r = &m->recusals[i];
        if (r->live) {
            json_array_append_new(a, json_pack("{s:s,s:s}", "participant", m->parts[r->pidx].id,
                                               "item", m->items[r->item].id));
        }
    }
    return a;
}

static json_t *
entries_json(const struct meeting *m)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < m->nentries; i++) {
        const struct entry *e = &m->entries[i];
        if (!e->deleted) {
            json_array_append_new(
                a, json_pack("{s:s,s:s,s:s,s:o,s:I,s:b}", "entry", e->id, "item",
                             e->item >= 0 ? m->items[e->item].id : "", "text", e->text,
                             "speakers", strings_json(&e->speakers), "ts", (json_int_t)e->ts,
                             "edited", e->edited));
        }
    }
    return a;
}

static json_t *
decisions_json(const struct meeting *m)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < m->ndecisions; i++) {
        const struct decision *d = &m->decisions[i];
        if (json_array_append_new(a,
                                  json_pack("{s:s,s:s,s:s,s:s,s:I}", "decision", d->id, "item",
                                            d->item >= 0 ? m->items[d->item].id : "", "text",
                                            d->text, "vote", d->vote, "ts", (json_int_t)d->ts))) {
            json_decref(a); /* out of memory: no list rather than a shorter one */
            return NULL;
        }
    }
    return a;
}

static json_t *
action_json(const struct meeting *m, const struct action *x)
{
    return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:I}", "action", x->id, "item",
                         x->item >= 0 ? m->items[x->item].id : "", "title", x->title, "owner",
                         x->owner, "owner_name", x->owner_name, "due", x->due, "status",
                         action_status_str(x->status), "origin", x->origin, "ts",
                         (json_int_t)x->ts, "updated", (json_int_t)x->updated);
}

struct pj *
proto_action(const struct meeting *m, const struct action *a)
{
    return (struct pj *)action_json(m, a);
}

static json_t *
actions_json(const struct meeting *m)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < m->nactions; i++) {
        if (json_array_append_new(a, action_json(m, &m->actions[i]))) {
            json_decref(a); /* out of memory: no list rather than a shorter one */
            return NULL;
        }
    }
    return a;
}

struct pj *
proto_actions(const struct meeting *m)
{
    return (struct pj *)actions_json(m);
}

struct pj *
proto_decisions(const struct meeting *m)
{
    return (struct pj *)decisions_json(m);
}

static json_t *
snapshot_object(const struct meeting *m, const char *head_hex, bool light)
{
    json_t *parts = participants_json(m, light);
    json_t *attendance = parts ? attendance_json(m) : NULL;
    if (!attendance) {
        json_decref(parts);
        return NULL;
    }
    /* "o" steals its argument even when json_pack fails. */
    json_t *o = json_pack(
        "{s:{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:I,s:{s:s,s:s}},"
        "s:{s:I,s:b,s:b,s:I,s:I,s:I,s:I,s:b,s:b,s:s},s:o,"
        "s:o,"
        "s:o,s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:{s:s,s:I},s:{s:s,s:I},s:I,s:s}",
        "meeting", "id", m->id, "title", m->title ? m->title : "", "date",
        m->date ? m->date : "", "place", m->place ? m->place : "", "room", m->room ? m->room : "",
        "lang", m->lang ? m->lang : "fr", "state", meeting_state_str(m->state), "opened_at",
        (json_int_t)m->opened_at, "closed_at", (json_int_t)m->closed_at, "commission", "id",
        m->commission, "name", m->commission_name ? m->commission_name : "",
        "settings", "speaking_time", (json_int_t)m->set.speaking_s, "first_turn",
        m->set.first_turn, "alternate", m->set.alternate, "quorum", (json_int_t)m->set.quorum,
        "quorum_college", (json_int_t)m->set.quorum_college, "grace", (json_int_t)m->set.grace_s,
        "proxy_max", (json_int_t)m->set.proxy_max, "proxy_college", m->set.proxy_college,
        "proxy_quorum", m->set.proxy_quorum, "minutes_approval",
        approval_str(m->set.approval_next),
        "participants", parts,
        "attendance", attendance,
        "agenda", agenda_json(m), "current_item",
        m->current >= 0 ? m->items[m->current].id : "", "speakers", speakers_json(m), "turn",
        turn_json(m), "votes", votes_json(m), "proxies", proxies_json(m), "recusals",
        recusals_json(m), "minutes", entries_json(m), "finalized", "by", m->finalized_by, "at",
        (json_int_t)m->finalized_at, "approved", "by", m->approved_by, "at",
        (json_int_t)m->approved_at, "seq", (json_int_t)m->seq, "head", head_hex);
    if (o && (json_object_set_new(o, "decisions", decisions_json(m)) ||
              json_object_set_new(o, "actions", actions_json(m)))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* Decimal digits of v at the end of d[0..24); returns where they start. */
static char *
decimal(char d[24], int64_t v)
{
    char *p = d + 24;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0) {
        *--p = '-';
    }
    return p;
}

/* Written by hand: every event of every command comes through here. */
char *
proto_chain_preimage(const char *meeting, uint64_t seq, int64_t ts, const char *actor,
                     const char *type, const char *body, size_t body_len, size_t *len)
{
    char sd[24], td[24];
    const char *parts[] = {meeting, decimal(sd, (int64_t)seq), decimal(td, ts), actor, type};
    size_t lens[5], n = body_len;
    for (int i = 0; i < 5; i++) {
        lens[i] = i == 1 ? (size_t)(sd + 24 - parts[1]) : i == 2 ? (size_t)(td + 24 - parts[2])
                                                                 : strlen(parts[i]);
        n += lens[i] + 1;
    }
    char *p = malloc(n + 1);
    if (!p) {
        return NULL;
    }
    char *w = p;
    for (int i = 0; i < 5; i++) {
        memcpy(w, parts[i], lens[i]);
        w += lens[i];
        *w++ = '\n';
    }
    memcpy(w, body, body_len);
    p[n] = 0;
    *len = n;
    return p;
}

char *
proto_attendance_msg(const struct meeting *m)
{
    json_t *o = json_pack("{s:s,s:o}", "type", "attendance", "body", attendance_json(m));
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
                          speakers_json(m), "turn", turn_json(m));
    char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    return s;
}

char *
proto_snapshot_light(const struct meeting *m, const char *head_hex)
{
    unsigned long mark = watch();
    json_t *s = snapshot_object(m, head_hex, true);
    if (s) {
        json_object_set_new(s, "members_omitted", json_true());
    }
    char *txt = dump(s, JSON_COMPACT, mark);
    json_decref(s);
    return txt;
}

char *
proto_snapshot(const struct meeting *m, const char *head_hex)
{
    unsigned long mark = watch();
    json_t *s = snapshot_object(m, head_hex, false);
    char *txt = dump(s, JSON_COMPACT, mark);
    json_decref(s);
    return txt;
}

/* The welcome text with "snapshot":null when `with_snapshot` (new). */
static char *
welcome_text(const char *id, const struct meeting *m, const struct participant *you,
             const char *lang, uint64_t seq, int64_t now, bool with_snapshot)
{
    unsigned long mark = watch();
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

/* HTTP API bodies. Each parser leaves `out` cleared on error. */

static json_t *
load_object(const char *buf, size_t len, int *rc)
{
    if (len > 1 << 20) {
        *rc = ERR_TOO_LARGE;
        return NULL;
    }
    json_t *o = load(buf, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, rc);
    if (!o) {
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
proto_api_member(const char *buf, size_t len, bool create, struct api_member *out)
{
    static const char *const keys[] = {"name", "college", "role", "email", "lang", NULL};
    memset(out, 0, sizeof(*out));
    int rc;
    json_t *o = load_object(buf, len, &rc);
    if (!o) {
        return rc;
    }
    if ((rc = only_keys(o, keys)) || (rc = take_str(o, "name", &out->name, NAME_MAX_, create, 0)) ||
        (rc = take_str(o, "college", &out->college, ID_MAX - 1, 0, 0)) ||
        (rc = take_str(o, "role", &out->role, 15, create, 0)) ||
        (rc = take_str(o, "email", &out->email, 254, 0, 0)) ||
        (rc = take_str(o, "lang", &out->lang, 32, 0, 0))) {
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
    free(c->email);
    free(c->lang);
    memset(c, 0, sizeof(*c));
}

int
proto_api_meeting(const char *buf, size_t len, struct api_meeting *out)
{
    static const char *const keys[] = {"id",   "commission", "title", "date",
                                       "place", "room",      "lang",  NULL};
    memset(out, 0, sizeof(*out));
    int rc;
    json_t *o = load_object(buf, len, &rc);
    if (!o) {
        return rc;
    }
    if ((rc = only_keys(o, keys)) ||
        (rc = take_str(o, "id", &out->id, ID_MAX - 1, 0, 1)) ||
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
    free(c->id);
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

int
proto_api_convocation(const char *buf, size_t len, struct api_convocation *out)
{
    static const char *const keys[] = {"participants", "lang", NULL};
    memset(out, 0, sizeof(*out));
    int rc;
    json_t *o = len ? load_object(buf, len, &rc) : json_object();
    if (!o) {
        return len ? rc : ERR_NOMEM;
    }
    if ((rc = only_keys(o, keys)) ||
        (rc = take_id_array(o, "participants", &out->participants, &out->n, 100000)) ||
        (rc = take_str(o, "lang", &out->lang, 8, 0, 1))) {
        goto fail;
    }
    if (out->lang && strcmp(out->lang, "fr") != 0 && strcmp(out->lang, "en") != 0) {
        rc = ERR_INVALID;
    }
fail:
    json_decref(o);
    if (rc) {
        proto_api_convocation_clear(out);
    }
    return rc;
}

void
proto_api_convocation_clear(struct api_convocation *c)
{
    free_array(c->participants, c->n);
    free(c->lang);
    memset(c, 0, sizeof(*c));
}

void
proto_api_invite_clear(struct api_invite *c)
{
    free_array(c->participants, c->n);
    memset(c, 0, sizeof(*c));
}

int
proto_api_template(const char *buf, size_t len, char **meeting)
{
    static const char *const keys[] = {"meeting", NULL};
    *meeting = NULL;
    int rc;
    json_t *o = load_object(buf, len, &rc);
    if (!o) {
        return rc;
    }
    if ((rc = only_keys(o, keys)) == 0) {
        rc = take_str(o, "meeting", meeting, ID_MAX - 1, 1, 1);
    }
    json_decref(o);
    if (rc) {
        free(*meeting);
        *meeting = NULL;
    }
    return rc;
}

int
proto_api_group(const char *buf, size_t len, bool create, struct api_group *out)
{
    static const char *const keys[] = {"id", "name", "lead", "members", "mandate", "due", NULL};
    memset(out, 0, sizeof(*out));
    int rc;
    json_t *o = load_object(buf, len, &rc);
    if (!o) {
        return rc;
    }
    if ((rc = only_keys(o, keys)) ||
        (rc = take_str(o, "id", &out->id, ID_MAX - 1, 0, 1)) ||
        (rc = take_str(o, "name", &out->name, NAME_MAX_, create, 0)) ||
        (rc = take_str(o, "lead", &out->lead, ID_MAX - 1, 0, 1)) ||
        (rc = take_id_array(o, "members", &out->members, &out->nmembers, 1000)) ||
        (rc = take_str(o, "mandate", &out->mandate, DESC_MAX, 0, 0)) ||
        (rc = take_str(o, "due", &out->due, 10, 0, 0))) {
        goto fail;
    }
    out->has_members = json_object_get(o, "members") != NULL;
    if (!create && out->id) {
        rc = ERR_BAD_MESSAGE; /* the path names the group */
    } else if (out->name && !*out->name) {
        rc = ERR_INVALID;
    }
fail:
    json_decref(o);
    if (rc) {
        proto_api_group_clear(out);
    }
    return rc;
}

void
proto_api_group_clear(struct api_group *g)
{
    free(g->id);
    free(g->name);
    free(g->lead);
    free_array(g->members, g->nmembers);
    free(g->mandate);
    free(g->due);
    memset(g, 0, sizeof(*g));
}
