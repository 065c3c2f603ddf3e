/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * proto_fields.c - the codec tables: every event and command type, its name
 * on the wire and the body fields it carries.
 *
 * One table says, for every event and command type, which body fields it
 * carries, of which kind, how long they may be and whether they are
 * required. Decoding (proto_decode.c), encoding (proto_canon.c) and
 * proto/PROTOCOL.md follow that table, so adding a field is one line here
 * and one line in the document.
 *
 * Invariants: proto_events[] has a row for every enum ev_type and
 * proto_cmds[] one for every enum cmd_type (the names are what stored logs
 * and clients say: never rename one); a field list ends with END and holds
 * at most MAX_FIELDS (16, proto_canon.c). The tables are constant: any thread
 * reads them.
 */
#include "proto_impl.h"

#include "../err.h"

#include <stdint.h>
#include <string.h>

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

const struct proto_type proto_events[EV_COUNT] = {
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

const struct proto_type proto_cmds[CMD_COUNT] = {
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
    return (t >= 0 && t < EV_COUNT) ? proto_events[t].name : "unknown";
}

int
proto_event_type(const char *name)
{
    for (int t = 0; t < EV_COUNT; t++) {
        if (strcmp(proto_events[t].name, name) == 0) {
            return t;
        }
    }
    return ERR_NOT_FOUND;
}

const char *
proto_cmd_name(enum cmd_type t)
{
    return (t >= 0 && t < CMD_COUNT) ? proto_cmds[t].name : "unknown";
}
