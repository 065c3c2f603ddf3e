/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_meeting.c - core/: the fold (meeting_apply), the rules (meeting_handle,
 * meeting_create, meeting_add_participant, meeting_join, meeting_leave) and
 * the tables of event.c (roles, the permission matrix, event lists).
 *
 * Every test starts from the same small commission roster, created through
 * the same functions the server uses, at a fixed `now`; events are collected
 * in an evlist and checked one by one. The permission matrix is written out
 * again here, by hand, from proto/PROTOCOL.md section 6, and compared cell
 * by cell with perm_allowed() and with what meeting_handle() really does, so
 * that a change to event.c's table shows here as a failing cell.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/event.h"
#include "core/meeting.h"
#include "err.h"

#define NOW 1612254600000LL /* 2021-02-02T08:30:00Z */
#define MEETING_ID "ccr-2021-02"

struct fx {
    struct meeting *m;
    struct evlist ev;
};

static const struct {
    const char *id, *name, *college, *role;
} roster[] = {
    {"vasseur", "Hélène Vasseur", "", "chair"},
    {"leroy", "Thomas Leroy", "", "secretary"},
    {"dubois", "Claire Dubois", "bailleurs", "member"},
    {"moreau", "Jean Moreau", "locataires", "member"},
    {"petit", "Anne Petit", "", "observer"},
};
#define NROSTER (sizeof(roster) / sizeof(roster[0]))

/* The participant of the roster who holds `r`. */
static const char *
actor_of(enum role r)
{
    switch (r) {
    case ROLE_CHAIR:
        return "vasseur";
    case ROLE_SECRETARY:
        return "leroy";
    case ROLE_MEMBER:
        return "dubois";
    case ROLE_OBSERVER:
        return "petit";
    default:
        return NULL;
    }
}

static struct body
meeting_body(void)
{
    struct body b;
    memset(&b, 0, sizeof(b));
    b.title = "Bilan 2020 et feuille de route 2021";
    b.date = "2021-02-02T09:30:00+01:00";
    b.place = "Visioconférence";
    b.room = "https://meet.jit.si/concerto-ccr-2021-02";
    b.lang = "fr";
    b.commission = "ccr-hdf";
    b.commission_name = "CCR Hauts-de-France";
    return b;
}

static struct body
person(const char *id, const char *name, const char *college, const char *role)
{
    struct body b;
    memset(&b, 0, sizeof(b));
    b.participant = (char *)id;
    b.name = (char *)name;
    b.college = (char *)college;
    b.role = (char *)role;
    return b;
}

/* A created meeting with the roster added, and an empty event list. */
static int
setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    f->m = meeting_new(MEETING_ID);
    assert_non_null(f->m);
    struct body b = meeting_body();
    assert_int_equal(meeting_create(f->m, &b, NOW, &f->ev), 0);
    for (size_t i = 0; i < NROSTER; i++) {
        struct body p = person(roster[i].id, roster[i].name, roster[i].college, roster[i].role);
        assert_int_equal(meeting_add_participant(f->m, &p, NOW, &f->ev), 0);
    }
    assert_int_equal(f->ev.len, 1 + NROSTER);
    evlist_clear(&f->ev);
    *state = f;
    return 0;
}

/* A meeting that exists but has no event at all. */
static int
setup_empty(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    f->m = meeting_new(MEETING_ID);
    assert_non_null(f->m);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fx *f = *state;
    evlist_clear(&f->ev);
    meeting_free(f->m);
    free(f);
    return 0;
}

static int
handle(struct fx *f, enum cmd_type t, const char *actor, int64_t now)
{
    struct cmd c;
    memset(&c, 0, sizeof(c));
    c.type = t;
    if (cmd_mutates(t)) {
        snprintf(c.key, sizeof(c.key), "k-%d-%lld", (int)t, (long long)now);
    }
    return meeting_handle(f->m, &c, actor, now, &f->ev);
}

/* Bring the meeting to `s` through the chair's commands. */
static void
go_to(struct fx *f, enum meeting_state s)
{
    if (s == MEETING_SCHEDULED) {
        return;
    }
    assert_int_equal(handle(f, CMD_MEETING_OPEN, "vasseur", NOW + 1), 0);
    if (s == MEETING_SUSPENDED) {
        assert_int_equal(handle(f, CMD_MEETING_SUSPEND, "vasseur", NOW + 2), 0);
    } else if (s == MEETING_CLOSED) {
        assert_int_equal(handle(f, CMD_MEETING_CLOSE, "vasseur", NOW + 2), 0);
    }
    assert_int_equal(f->m->state, s);
    evlist_clear(&f->ev);
}

/* ---- identifiers, roles, tables ------------------------------------------------------ */

static void
test_id_valid_accepts_lowercase_digits_dash_and_underscore_up_to_32_bytes(void **state)
{
    (void)state;
    assert_true(id_valid("k3m9xq2d"));
    assert_true(id_valid("ccr-2021_02"));
    assert_true(id_valid("abcdefghijklmnopqrstuvwxyz012345"));   /* 32 bytes */
    assert_false(id_valid("abcdefghijklmnopqrstuvwxyz0123456")); /* 33 bytes */
    assert_false(id_valid(""));
    assert_false(id_valid(NULL));
    assert_false(id_valid("Dubois"));
    assert_false(id_valid("du bois"));
    assert_false(id_valid("du/bois"));
    assert_false(id_valid("dubois\n"));
    assert_false(id_valid("d\xc3\xa9"));
}

static void
test_meeting_new_refuses_an_invalid_id(void **state)
{
    (void)state;
    assert_null(meeting_new(""));
    assert_null(meeting_new(NULL));
    assert_null(meeting_new("CCR 2021"));
    assert_null(meeting_new("abcdefghijklmnopqrstuvwxyz0123456"));
    struct meeting *m = meeting_new("abcdefghijklmnopqrstuvwxyz012345");
    assert_non_null(m);
    assert_string_equal(m->id, "abcdefghijklmnopqrstuvwxyz012345");
    assert_false(m->created);
    assert_int_equal(m->seq, 0);
    assert_int_equal(m->state, MEETING_SCHEDULED);
    meeting_free(m);
    meeting_free(NULL);
}

static void
test_role_names_round_trip_and_unknown_names_give_none(void **state)
{
    (void)state;
    static const char *const names[] = {"admin", "chair", "secretary", "member", "observer"};
    static const enum role roles[] = {ROLE_ADMIN, ROLE_CHAIR, ROLE_SECRETARY, ROLE_MEMBER,
                                      ROLE_OBSERVER};
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(role_parse(names[i]), roles[i]);
        assert_string_equal(role_str(roles[i]), names[i]);
    }
    assert_int_equal(role_parse("none"), ROLE_NONE);
    assert_int_equal(role_parse("Chair"), ROLE_NONE);
    assert_int_equal(role_parse(""), ROLE_NONE);
    assert_int_equal(role_parse(NULL), ROLE_NONE);
    assert_string_equal(role_str(ROLE_NONE), "none");
    assert_string_equal(role_str(ROLE_COUNT), "none");
    assert_string_equal(role_str((enum role) - 1), "none");
}

static void
test_meeting_state_names_are_the_protocol_ones(void **state)
{
    (void)state;
    assert_string_equal(meeting_state_str(MEETING_SCHEDULED), "scheduled");
    assert_string_equal(meeting_state_str(MEETING_OPEN), "open");
    assert_string_equal(meeting_state_str(MEETING_SUSPENDED), "suspended");
    assert_string_equal(meeting_state_str(MEETING_CLOSED), "closed");
}

static void
test_every_command_but_hello_and_ping_mutates(void **state)
{
    (void)state;
    assert_false(cmd_mutates(CMD_HELLO));
    assert_false(cmd_mutates(CMD_PING));
    for (int t = 0; t < CMD_COUNT; t++) {
        if (t != CMD_HELLO && t != CMD_PING && !cmd_mutates((enum cmd_type)t)) {
            fail_msg("command %d does not mutate", t);
        }
    }
    assert_false(cmd_mutates(CMD_COUNT));
    assert_false(cmd_mutates((enum cmd_type) - 1));
}

static void
test_evlist_push_grows_and_hands_out_zeroed_events(void **state)
{
    (void)state;
    struct evlist l = {0};
    for (int i = 0; i < 100; i++) {
        struct event *ev = evlist_push(&l, EV_MEETING_OPENED);
        assert_non_null(ev);
        assert_int_equal(ev->type, EV_MEETING_OPENED);
        assert_int_equal(ev->seq, 0);
        assert_null(ev->b.participant);
        assert_string_equal(ev->actor, "");
        ev->seq = (uint64_t)i + 1;
        ev->b.participant = malloc(8);
        assert_non_null(ev->b.participant);
        snprintf(ev->b.participant, 8, "p%d", i);
    }
    assert_int_equal(l.len, 100);
    assert_true(l.cap >= 100);
    for (int i = 0; i < 100; i++) {
        char want[8];
        snprintf(want, sizeof(want), "p%d", i);
        assert_int_equal(l.v[i].seq, (uint64_t)i + 1);
        assert_string_equal(l.v[i].b.participant, want);
    }
    evlist_clear(&l);
    assert_null(l.v);
    assert_int_equal(l.len, 0);
    assert_int_equal(l.cap, 0);
}

static void
test_body_clear_frees_every_string_and_may_be_repeated(void **state)
{
    (void)state;
    struct body b;
    memset(&b, 0, sizeof(b));
    char **fields[] = {&b.participant, &b.name,       &b.college,         &b.role,
                       &b.title,       &b.date,       &b.place,           &b.room,
                       &b.lang,        &b.commission, &b.commission_name, &b.token};
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        *fields[i] = malloc(4);
        assert_non_null(*fields[i]);
        strcpy(*fields[i], "abc");
    }
    body_clear(&b);
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        assert_null(*fields[i]);
    }
    body_clear(&b); /* twice is harmless */
}

/* ---- the permission matrix ----------------------------------------------------------- */

/* proto/permissions.md, written out again by hand. */
static const struct {
    enum cmd_type cmd;
    bool chair, secretary, member, observer;
} expected_matrix[] = {
    {CMD_HELLO, true, true, true, true},
    {CMD_PING, true, true, true, true},
    {CMD_MEETING_OPEN, true, false, false, false},
    {CMD_MEETING_SUSPEND, true, false, false, false},
    {CMD_MEETING_RESUME, true, false, false, false},
    {CMD_MEETING_CLOSE, true, false, false, false},
    {CMD_MEETING_CONFIGURE, true, false, false, false},
    {CMD_AGENDA_ADD, true, true, false, false},
    {CMD_AGENDA_EDIT, true, true, false, false},
    {CMD_AGENDA_MOVE, true, true, false, false},
    {CMD_AGENDA_REMOVE, true, true, false, false},
    {CMD_AGENDA_OPEN, true, false, false, false},
    {CMD_AGENDA_CLOSE, true, false, false, false},
    {CMD_AGENDA_POSTPONE, true, false, false, false},
    {CMD_SPEAKER_REQUEST, true, true, true, false},
    {CMD_SPEAKER_WITHDRAW, true, true, true, false},
    {CMD_SPEAKER_REMOVE, true, false, false, false},
    {CMD_SPEAKER_MOVE, true, false, false, false},
    {CMD_SPEAKER_NEXT, true, false, false, false},
    {CMD_SPEAKER_GIVE, true, false, false, false},
    {CMD_SPEAKER_END, true, false, false, false},
    {CMD_SPEAKER_PAUSE, true, false, false, false},
    {CMD_SPEAKER_RESUME, true, false, false, false},
    {CMD_SPEAKER_CLOSE_LIST, true, false, false, false},
    {CMD_SPEAKER_REOPEN_LIST, true, false, false, false},
    {CMD_ATTENDANCE_CHECKIN, true, true, true, false},
    {CMD_ATTENDANCE_MARK, true, true, false, false},
    {CMD_VOTE_PREPARE, true, true, false, false},
    {CMD_VOTE_OPEN, true, false, false, false},
    {CMD_VOTE_CAST, false, false, true, false},
    {CMD_VOTE_CLOSE, true, false, false, false},
    {CMD_VOTE_PUBLISH, true, true, false, false},
    {CMD_VOTE_CANCEL, true, false, false, false},
    {CMD_PROXY_GIVE, false, false, true, false},
    {CMD_PROXY_RECORD, false, true, false, false},
    {CMD_PROXY_REVOKE, false, true, true, false},
    {CMD_RECUSAL_DECLARE, false, true, true, false},
    {CMD_RECUSAL_WITHDRAW, false, true, true, false},
    {CMD_MINUTES_ADD, false, true, false, false},
    {CMD_MINUTES_EDIT, false, true, false, false},
    {CMD_MINUTES_DELETE, false, true, false, false},
    {CMD_MINUTES_FINALIZE, false, true, false, false},
    {CMD_RECORD_APPROVE, true, false, false, false},
    {CMD_MINUTES_APPROVE_PREVIOUS, true, false, false, false},
    {CMD_DECISION_RECORD, true, true, false, false},
    {CMD_ACTION_RECORD, true, true, false, false},
    {CMD_ACTION_UPDATE, true, true, false, false},
};
#define NMATRIX (sizeof(expected_matrix) / sizeof(expected_matrix[0]))

static bool
expected_allowed(size_t row, enum role r)
{
    switch (r) {
    case ROLE_CHAIR:
        return expected_matrix[row].chair;
    case ROLE_SECRETARY:
        return expected_matrix[row].secretary;
    case ROLE_MEMBER:
        return expected_matrix[row].member;
    case ROLE_OBSERVER:
        return expected_matrix[row].observer;
    default:
        return false;
    }
}

/* The state in which `t` is valid, so that only the permission can refuse it. */
static enum meeting_state
state_for(enum cmd_type t)
{
    switch (t) {
    case CMD_MEETING_SUSPEND:
    case CMD_MEETING_CLOSE:
        return MEETING_OPEN;
    case CMD_MEETING_RESUME:
        return MEETING_SUSPENDED;
    case CMD_HELLO:
    case CMD_PING:
    case CMD_MEETING_OPEN:
        return MEETING_SCHEDULED;
    default:
        return MEETING_OPEN;
    }
}

static void
test_perm_allowed_matches_the_protocol_matrix_cell_by_cell(void **state)
{
    (void)state;
    for (size_t i = 0; i < NMATRIX; i++) {
        for (int r = ROLE_NONE; r < ROLE_COUNT; r++) {
            bool want = expected_allowed(i, (enum role)r);
            if (perm_allowed((enum role)r, expected_matrix[i].cmd) != want) {
                fail_msg("role %s, command %d: expected %s", role_str((enum role)r),
                         (int)expected_matrix[i].cmd, want ? "allowed" : "forbidden");
            }
        }
    }
}

static void
test_admin_none_and_out_of_range_values_are_never_allowed(void **state)
{
    (void)state;
    for (int t = 0; t < CMD_COUNT; t++) {
        assert_false(perm_allowed(ROLE_NONE, (enum cmd_type)t));
        assert_false(perm_allowed(ROLE_ADMIN, (enum cmd_type)t));
        assert_false(perm_allowed(ROLE_COUNT, (enum cmd_type)t));
        assert_false(perm_allowed((enum role) - 1, (enum cmd_type)t));
    }
    assert_false(perm_allowed(ROLE_CHAIR, CMD_COUNT));
    assert_false(perm_allowed(ROLE_CHAIR, (enum cmd_type) - 1));
}

static void
test_the_matrix_written_here_covers_every_command(void **state)
{
    (void)state;
    for (int t = 0; t < CMD_COUNT; t++) {
        size_t n = 0;
        for (size_t i = 0; i < NMATRIX; i++) {
            n += expected_matrix[i].cmd == (enum cmd_type)t;
        }
        if (n != 1) {
            fail_msg("command %d appears %zu times in expected_matrix: give it one row, "
                     "copied from proto/permissions.md",
                     t, n);
        }
    }
    assert_int_equal(NMATRIX, CMD_COUNT);
}

/* Forbidden cells must be refused with `forbidden` whatever the state, with
 * no event. Allowed cells must get past the permission check: the lifecycle
 * commands, sent in the state that accepts them, succeed with one event;
 * the others (sent with an empty body) may fail on their own rules, but
 * never with `forbidden`, and a failure changes nothing. */
static void
test_meeting_handle_enforces_every_role_and_command_cell(void **state)
{
    (void)state;
    static const enum role roles[] = {ROLE_CHAIR, ROLE_SECRETARY, ROLE_MEMBER, ROLE_OBSERVER};
    for (size_t i = 0; i < NMATRIX; i++) {
        for (size_t r = 0; r < 4; r++) {
            void *fs;
            setup(&fs);
            struct fx *f = fs;
            enum cmd_type t = expected_matrix[i].cmd;
            bool lifecycle = t == CMD_HELLO || t == CMD_PING || t == CMD_MEETING_OPEN ||
                             t == CMD_MEETING_SUSPEND || t == CMD_MEETING_RESUME ||
                             t == CMD_MEETING_CLOSE;
            go_to(f, state_for(t));
            uint64_t seq = f->m->seq;
            enum meeting_state st = f->m->state;
            int rc = handle(f, t, actor_of(roles[r]), NOW + 10);
            if (expected_allowed(i, roles[r])) {
                if (rc == ERR_FORBIDDEN || (lifecycle && rc != 0)) {
                    fail_msg("%s sending command %d: %s", role_str(roles[r]), (int)t, err_str(rc));
                }
                if (lifecycle) {
                    assert_int_equal(f->ev.len, cmd_mutates(t) ? 1 : 0);
                }
                if (rc != 0) {
                    assert_int_equal(f->ev.len, 0);
                    assert_int_equal(f->m->state, st);
                }
                assert_int_equal(f->m->seq, seq + f->ev.len);
            } else {
                if (rc != ERR_FORBIDDEN) {
                    fail_msg("%s sending command %d: got %s, expected forbidden",
                             role_str(roles[r]), (int)t, err_str(rc));
                }
                assert_int_equal(f->ev.len, 0);
                assert_int_equal(f->m->seq, seq);
                assert_int_equal(f->m->state, st);
            }
            teardown(&fs);
        }
    }
}

static void
test_member_may_not_open_the_meeting(void **state)
{
    struct fx *f = *state;
    assert_int_equal(handle(f, CMD_MEETING_OPEN, "dubois", NOW), ERR_FORBIDDEN);
    assert_int_equal(f->ev.len, 0);
    assert_int_equal(f->m->state, MEETING_SCHEDULED);
    assert_int_equal(f->m->opened_at, 0);
}

static void
test_secretary_may_not_suspend_the_meeting(void **state)
{
    struct fx *f = *state;
    go_to(f, MEETING_OPEN);
    assert_int_equal(handle(f, CMD_MEETING_SUSPEND, "leroy", NOW + 5), ERR_FORBIDDEN);
    assert_int_equal(f->ev.len, 0);
    assert_int_equal(f->m->state, MEETING_OPEN);
}

static void
test_observer_may_not_close_the_meeting(void **state)
{
    struct fx *f = *state;
    go_to(f, MEETING_OPEN);
    assert_int_equal(handle(f, CMD_MEETING_CLOSE, "petit", NOW + 5), ERR_FORBIDDEN);
    assert_int_equal(f->ev.len, 0);
    assert_int_equal(f->m->state, MEETING_OPEN);
    assert_int_equal(f->m->closed_at, 0);
}

static void
test_forbidden_is_reported_before_bad_state(void **state)
{
    struct fx *f = *state;
    go_to(f, MEETING_CLOSED);
    assert_int_equal(handle(f, CMD_MEETING_OPEN, "moreau", NOW + 5), ERR_FORBIDDEN);
    assert_int_equal(handle(f, CMD_MEETING_OPEN, "vasseur", NOW + 5), ERR_BAD_STATE);
}

static void
test_unknown_or_missing_actor_is_not_found(void **state)
{
    struct fx *f = *state;
    uint64_t seq = f->m->seq;
    assert_int_equal(handle(f, CMD_MEETING_OPEN, "nobody", NOW), ERR_NOT_FOUND);
    assert_int_equal(handle(f, CMD_MEETING_OPEN, NULL, NOW), ERR_NOT_FOUND);
    assert_int_equal(handle(f, CMD_PING, "admin", NOW), ERR_NOT_FOUND);
    assert_int_equal(f->ev.len, 0);
    assert_int_equal(f->m->seq, seq);
}

static void
test_hello_and_ping_produce_no_event(void **state)
{
    struct fx *f = *state;
    uint64_t seq = f->m->seq;
    for (size_t i = 0; i < NROSTER; i++) {
        assert_int_equal(handle(f, CMD_HELLO, roster[i].id, NOW), 0);
        assert_int_equal(handle(f, CMD_PING, roster[i].id, NOW), 0);
    }
    assert_int_equal(f->ev.len, 0);
    assert_int_equal(f->m->seq, seq);
}

/* ---- the state machine --------------------------------------------------------------- */

static void
test_chair_opens_suspends_resumes_and_closes_the_meeting(void **state)
{
    struct fx *f = *state;
    uint64_t seq = f->m->seq;
    assert_int_equal(handle(f, CMD_MEETING_OPEN, "vasseur", NOW + 100), 0);
    assert_int_equal(f->m->state, MEETING_OPEN);
    assert_int_equal(f->m->opened_at, NOW + 100);
    assert_int_equal(handle(f, CMD_MEETING_SUSPEND, "vasseur", NOW + 200), 0);
    assert_int_equal(f->m->state, MEETING_SUSPENDED);
    assert_int_equal(handle(f, CMD_MEETING_RESUME, "vasseur", NOW + 300), 0);
    assert_int_equal(f->m->state, MEETING_OPEN);
    assert_int_equal(handle(f, CMD_MEETING_CLOSE, "vasseur", NOW + 400), 0);
    assert_int_equal(f->m->state, MEETING_CLOSED);
    assert_int_equal(f->m->opened_at, NOW + 100);
    assert_int_equal(f->m->closed_at, NOW + 400);

    static const enum ev_type want[] = {EV_MEETING_OPENED, EV_MEETING_SUSPENDED, EV_MEETING_RESUMED,
                                        EV_MEETING_CLOSED};
    assert_int_equal(f->ev.len, 4);
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(f->ev.v[i].type, want[i]);
        assert_int_equal(f->ev.v[i].seq, seq + 1 + i);
        assert_int_equal(f->ev.v[i].ts, NOW + 100 * (int64_t)(i + 1));
        assert_string_equal(f->ev.v[i].actor, "vasseur");
        assert_null(f->ev.v[i].b.participant);
    }
    assert_int_equal(f->m->seq, seq + 4);
}

static void
test_a_suspended_meeting_may_be_closed(void **state)
{
    struct fx *f = *state;
    go_to(f, MEETING_SUSPENDED);
    assert_int_equal(handle(f, CMD_MEETING_CLOSE, "vasseur", NOW + 50), 0);
    assert_int_equal(f->m->state, MEETING_CLOSED);
    assert_int_equal(f->m->closed_at, NOW + 50);
    assert_int_equal(f->ev.len, 1);
    assert_int_equal(f->ev.v[0].type, EV_MEETING_CLOSED);
}

/* Which lifecycle command the chair may send in which state. */
static const struct {
    enum meeting_state from;
    enum cmd_type cmd;
    bool ok;
    enum meeting_state to;
} transitions[] = {
    {MEETING_SCHEDULED, CMD_MEETING_OPEN, true, MEETING_OPEN},
    {MEETING_SCHEDULED, CMD_MEETING_SUSPEND, false, MEETING_SCHEDULED},
    {MEETING_SCHEDULED, CMD_MEETING_RESUME, false, MEETING_SCHEDULED},
    {MEETING_SCHEDULED, CMD_MEETING_CLOSE, false, MEETING_SCHEDULED},
    {MEETING_OPEN, CMD_MEETING_OPEN, false, MEETING_OPEN},
    {MEETING_OPEN, CMD_MEETING_SUSPEND, true, MEETING_SUSPENDED},
    {MEETING_OPEN, CMD_MEETING_RESUME, false, MEETING_OPEN},
    {MEETING_OPEN, CMD_MEETING_CLOSE, true, MEETING_CLOSED},
    {MEETING_SUSPENDED, CMD_MEETING_OPEN, false, MEETING_SUSPENDED},
    {MEETING_SUSPENDED, CMD_MEETING_SUSPEND, false, MEETING_SUSPENDED},
    {MEETING_SUSPENDED, CMD_MEETING_RESUME, true, MEETING_OPEN},
    {MEETING_SUSPENDED, CMD_MEETING_CLOSE, true, MEETING_CLOSED},
    {MEETING_CLOSED, CMD_MEETING_OPEN, false, MEETING_CLOSED},
    {MEETING_CLOSED, CMD_MEETING_SUSPEND, false, MEETING_CLOSED},
    {MEETING_CLOSED, CMD_MEETING_RESUME, false, MEETING_CLOSED},
    {MEETING_CLOSED, CMD_MEETING_CLOSE, false, MEETING_CLOSED},
};

static void
test_every_state_and_lifecycle_command_pair_moves_or_gives_bad_state(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(transitions) / sizeof(transitions[0]); i++) {
        void *fs;
        setup(&fs);
        struct fx *f = fs;
        go_to(f, transitions[i].from);
        uint64_t seq = f->m->seq;
        int64_t opened = f->m->opened_at, closed = f->m->closed_at;
        int rc = handle(f, transitions[i].cmd, "vasseur", NOW + 1000);
        if (transitions[i].ok) {
            if (rc != 0) {
                fail_msg("command %d in state %s: %s", (int)transitions[i].cmd,
                         meeting_state_str(transitions[i].from), err_str(rc));
            }
            assert_int_equal(f->ev.len, 1);
            assert_int_equal(f->m->seq, seq + 1);
        } else {
            if (rc != ERR_BAD_STATE) {
                fail_msg("command %d in state %s: got %s, expected bad_state",
                         (int)transitions[i].cmd, meeting_state_str(transitions[i].from),
                         err_str(rc));
            }
            assert_int_equal(f->ev.len, 0);
            assert_int_equal(f->m->seq, seq);
            assert_int_equal(f->m->opened_at, opened);
            assert_int_equal(f->m->closed_at, closed);
        }
        assert_int_equal(f->m->state, transitions[i].to);
        teardown(&fs);
    }
}

static void
test_a_closed_meeting_cannot_be_reopened(void **state)
{
    struct fx *f = *state;
    go_to(f, MEETING_CLOSED);
    int64_t opened = f->m->opened_at;
    assert_int_equal(handle(f, CMD_MEETING_OPEN, "vasseur", NOW + 5000), ERR_BAD_STATE);
    assert_int_equal(f->m->state, MEETING_CLOSED);
    assert_int_equal(f->m->opened_at, opened);
    assert_int_equal(f->ev.len, 0);
}

/* ---- creation and the roster --------------------------------------------------------- */

static void
test_create_emits_meeting_created_as_seq_1_by_admin(void **state)
{
    struct fx *f = *state;
    struct body b = meeting_body();
    assert_int_equal(meeting_create(f->m, &b, NOW, &f->ev), 0);
    assert_int_equal(f->ev.len, 1);
    const struct event *ev = &f->ev.v[0];
    assert_int_equal(ev->type, EV_MEETING_CREATED);
    assert_int_equal(ev->seq, 1);
    assert_int_equal(ev->ts, NOW);
    assert_string_equal(ev->actor, "admin");
    assert_string_equal(ev->b.title, b.title);
    assert_string_equal(ev->b.commission, "ccr-hdf");
    assert_string_equal(ev->b.commission_name, "CCR Hauts-de-France");
    /* The event's body is a copy: the caller's strings are not kept. */
    assert_ptr_not_equal(ev->b.title, b.title);
    assert_true(f->m->created);
    assert_int_equal(f->m->seq, 1);
    assert_string_equal(f->m->title, "Bilan 2020 et feuille de route 2021");
    assert_string_equal(f->m->date, "2021-02-02T09:30:00+01:00");
    assert_string_equal(f->m->place, "Visioconférence");
    assert_string_equal(f->m->room, "https://meet.jit.si/concerto-ccr-2021-02");
    assert_string_equal(f->m->lang, "fr");
    assert_string_equal(f->m->commission, "ccr-hdf");
    assert_string_equal(f->m->commission_name, "CCR Hauts-de-France");
    assert_int_equal(f->m->state, MEETING_SCHEDULED);
}

static void
test_create_twice_is_a_conflict(void **state)
{
    struct fx *f = *state;
    struct body b = meeting_body();
    b.title = "Another title";
    assert_int_equal(meeting_create(f->m, &b, NOW, &f->ev), ERR_CONFLICT);
    assert_int_equal(f->ev.len, 0);
    assert_string_equal(f->m->title, "Bilan 2020 et feuille de route 2021");
}

static void
test_create_without_a_title_is_invalid(void **state)
{
    struct fx *f = *state;
    struct body b = meeting_body();
    b.title = "";
    assert_int_equal(meeting_create(f->m, &b, NOW, &f->ev), ERR_INVALID);
    b.title = NULL;
    assert_int_equal(meeting_create(f->m, &b, NOW, &f->ev), ERR_INVALID);
    assert_int_equal(f->ev.len, 0);
    assert_false(f->m->created);
    assert_int_equal(f->m->seq, 0);
}

static void
test_adding_a_participant_before_creation_is_bad_state(void **state)
{
    struct fx *f = *state;
    struct body p = person("dubois", "Claire Dubois", "bailleurs", "member");
    assert_int_equal(meeting_add_participant(f->m, &p, NOW, &f->ev), ERR_BAD_STATE);
    assert_int_equal(f->ev.len, 0);
    assert_int_equal(f->m->nparts, 0);
}

static void
test_add_participant_emits_participant_added_and_indexes_it(void **state)
{
    struct fx *f = *state;
    uint64_t seq = f->m->seq;
    struct body p = person("caron", "Lucien Caron", "locataires", "member");
    assert_int_equal(meeting_add_participant(f->m, &p, NOW + 7, &f->ev), 0);
    assert_int_equal(f->ev.len, 1);
    const struct event *ev = &f->ev.v[0];
    assert_int_equal(ev->type, EV_PARTICIPANT_ADDED);
    assert_int_equal(ev->seq, seq + 1);
    assert_int_equal(ev->ts, NOW + 7);
    assert_string_equal(ev->actor, "admin");
    assert_string_equal(ev->b.participant, "caron");
    assert_string_equal(ev->b.name, "Lucien Caron");
    assert_string_equal(ev->b.college, "locataires");
    assert_string_equal(ev->b.role, "member");
    const struct participant *q = meeting_participant(f->m, "caron");
    assert_non_null(q);
    assert_string_equal(q->name, "Lucien Caron");
    assert_string_equal(q->college, "locataires");
    assert_int_equal(q->role, ROLE_MEMBER);
    assert_false(q->present);
    assert_int_equal(f->m->nparts, NROSTER + 1);
}

static void
test_a_participant_without_college_gets_an_empty_one(void **state)
{
    struct fx *f = *state;
    struct body p = person("durand", "Paul Durand", NULL, "observer");
    assert_int_equal(meeting_add_participant(f->m, &p, NOW, &f->ev), 0);
    assert_int_equal(f->ev.len, 1);
    assert_string_equal(f->ev.v[0].b.college, "");
    assert_string_equal(meeting_participant(f->m, "durand")->college, "");
}

static void
test_add_participant_refuses_bad_ids(void **state)
{
    struct fx *f = *state;
    static const char *const bad[] = {"",
                                      "Caron",
                                      "ca ron",
                                      "caron!",
                                      "caron\n",
                                      "abcdefghijklmnopqrstuvwxyz0123456",
                                      "\xc3\xa9t\xc3\xa9"};
    uint64_t seq = f->m->seq;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct body p = person(bad[i], "Lucien Caron", "locataires", "member");
        assert_int_equal(meeting_add_participant(f->m, &p, NOW, &f->ev), ERR_INVALID);
    }
    struct body p = person(NULL, "Lucien Caron", "locataires", "member");
    assert_int_equal(meeting_add_participant(f->m, &p, NOW, &f->ev), ERR_INVALID);
    assert_int_equal(f->ev.len, 0);
    assert_int_equal(f->m->seq, seq);
    assert_int_equal(f->m->nparts, NROSTER);
}

static void
test_add_participant_refuses_a_missing_name(void **state)
{
    struct fx *f = *state;
    struct body p = person("caron", "", "locataires", "member");
    assert_int_equal(meeting_add_participant(f->m, &p, NOW, &f->ev), ERR_INVALID);
    p.name = NULL;
    assert_int_equal(meeting_add_participant(f->m, &p, NOW, &f->ev), ERR_INVALID);
    assert_int_equal(f->ev.len, 0);
    assert_null(meeting_participant(f->m, "caron"));
}

static void
test_add_participant_refuses_a_duplicate_id(void **state)
{
    struct fx *f = *state;
    struct body p = person("dubois", "Someone Else", "locataires", "member");
    assert_int_equal(meeting_add_participant(f->m, &p, NOW, &f->ev), ERR_CONFLICT);
    assert_int_equal(f->ev.len, 0);
    assert_int_equal(f->m->nparts, NROSTER);
    assert_string_equal(meeting_participant(f->m, "dubois")->name, "Claire Dubois");
}

static void
test_add_participant_refuses_a_member_without_college(void **state)
{
    struct fx *f = *state;
    struct body p = person("caron", "Lucien Caron", "", "member");
    assert_int_equal(meeting_add_participant(f->m, &p, NOW, &f->ev), ERR_INVALID);
    p.college = NULL;
    assert_int_equal(meeting_add_participant(f->m, &p, NOW, &f->ev), ERR_INVALID);
    assert_int_equal(f->ev.len, 0);
    assert_null(meeting_participant(f->m, "caron"));
}

static void
test_add_participant_refuses_the_admin_role_and_unknown_roles(void **state)
{
    struct fx *f = *state;
    static const char *const bad[] = {"admin", "none", "", "Chair", "president"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct body p = person("caron", "Lucien Caron", "", bad[i]);
        assert_int_equal(meeting_add_participant(f->m, &p, NOW, &f->ev), ERR_INVALID);
    }
    struct body p = person("caron", "Lucien Caron", "", NULL);
    assert_int_equal(meeting_add_participant(f->m, &p, NOW, &f->ev), ERR_INVALID);
    assert_int_equal(f->ev.len, 0);
    assert_null(meeting_participant(f->m, "caron"));
}

static void
test_add_participant_refuses_a_malformed_college(void **state)
{
    struct fx *f = *state;
    static const char *const bad[] = {"Bailleurs", "les bailleurs",
                                      "abcdefghijklmnopqrstuvwxyz0123456"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct body p = person("caron", "Lucien Caron", bad[i], "member");
        assert_int_equal(meeting_add_participant(f->m, &p, NOW, &f->ev), ERR_INVALID);
    }
    assert_int_equal(f->ev.len, 0);
    assert_null(meeting_participant(f->m, "caron"));
}

static void
test_participant_index_finds_every_one_of_ten_thousand(void **state)
{
    struct fx *f = *state;
    enum { N = 10000 };
    char id[ID_MAX];
    for (int i = 0; i < N; i++) {
        snprintf(id, sizeof(id), "p%05d", i);
        struct body p = person(id, "Participant", i % 2 ? "bailleurs" : "locataires", "member");
        assert_int_equal(meeting_add_participant(f->m, &p, NOW, &f->ev), 0);
    }
    assert_int_equal(f->m->nparts, NROSTER + N);
    assert_true(f->m->index_cap >= 2 * f->m->nparts);
    for (int i = 0; i < N; i++) {
        snprintf(id, sizeof(id), "p%05d", i);
        const struct participant *p = meeting_participant(f->m, id);
        assert_non_null(p);
        assert_string_equal(p->id, id);
        /* the array is never reordered: insertion order is the index */
        assert_ptr_equal(p, &f->m->parts[NROSTER + (size_t)i]);
    }
    for (size_t i = 0; i < NROSTER; i++) {
        assert_ptr_equal(meeting_participant(f->m, roster[i].id), &f->m->parts[i]);
    }
    assert_null(meeting_participant(f->m, "p10000"));
    assert_null(meeting_participant(f->m, "p0000"));
    assert_null(meeting_participant(f->m, ""));
    assert_null(meeting_participant(f->m, NULL));

    /* each one joins once: one event each, all present */
    evlist_clear(&f->ev);
    for (int i = 0; i < N; i++) {
        snprintf(id, sizeof(id), "p%05d", i);
        assert_int_equal(meeting_join(f->m, id, NOW + i, &f->ev), 0);
    }
    assert_int_equal(f->ev.len, N);
    for (int i = 0; i < N; i++) {
        assert_true(f->m->parts[NROSTER + (size_t)i].present);
        assert_int_equal(f->m->parts[NROSTER + (size_t)i].arrived, NOW + i);
    }
}

static void
test_participant_lookup_in_an_empty_meeting_finds_nothing(void **state)
{
    struct fx *f = *state;
    assert_null(meeting_participant(f->m, "dubois"));
    struct evlist ev = {0};
    assert_int_equal(meeting_join(f->m, "dubois", NOW, &ev), ERR_NOT_FOUND);
    assert_int_equal(ev.len, 0);
}

/* ---- attendance ---------------------------------------------------------------------- */

static void
test_join_emits_participant_joined_once(void **state)
{
    struct fx *f = *state;
    uint64_t seq = f->m->seq;
    assert_int_equal(meeting_join(f->m, "dubois", NOW + 10, &f->ev), 0);
    assert_int_equal(meeting_join(f->m, "dubois", NOW + 20, &f->ev), 0);
    assert_int_equal(f->ev.len, 1);
    assert_int_equal(f->ev.v[0].type, EV_PARTICIPANT_JOINED);
    assert_int_equal(f->ev.v[0].seq, seq + 1);
    assert_string_equal(f->ev.v[0].actor, "dubois");
    assert_string_equal(f->ev.v[0].b.participant, "dubois");
    const struct participant *p = meeting_participant(f->m, "dubois");
    assert_true(p->present);
    assert_int_equal(p->arrived, NOW + 10);
    assert_int_equal(f->m->seq, seq + 1);
}

static void
test_leave_emits_participant_left_once_and_only_when_present(void **state)
{
    struct fx *f = *state;
    assert_int_equal(meeting_leave(f->m, "moreau", NOW, &f->ev), 0);
    assert_int_equal(f->ev.len, 0); /* was not there */
    assert_int_equal(meeting_join(f->m, "moreau", NOW + 1, &f->ev), 0);
    assert_int_equal(meeting_leave(f->m, "moreau", NOW + 2, &f->ev), 0);
    assert_int_equal(meeting_leave(f->m, "moreau", NOW + 3, &f->ev), 0);
    assert_int_equal(f->ev.len, 2);
    assert_int_equal(f->ev.v[1].type, EV_PARTICIPANT_LEFT);
    assert_string_equal(f->ev.v[1].b.participant, "moreau");
    const struct participant *p = meeting_participant(f->m, "moreau");
    assert_false(p->present);
    assert_int_equal(p->arrived, NOW + 1);
    assert_int_equal(p->left, NOW + 2);
}

static void
test_a_participant_may_rejoin_after_leaving(void **state)
{
    struct fx *f = *state;
    assert_int_equal(meeting_join(f->m, "petit", NOW + 1, &f->ev), 0);
    assert_int_equal(meeting_leave(f->m, "petit", NOW + 2, &f->ev), 0);
    assert_int_equal(meeting_join(f->m, "petit", NOW + 3, &f->ev), 0);
    assert_int_equal(f->ev.len, 3);
    assert_int_equal(f->ev.v[2].type, EV_PARTICIPANT_JOINED);
    const struct participant *p = meeting_participant(f->m, "petit");
    assert_true(p->present);
    assert_int_equal(p->left, NOW + 2);
}

static void
test_join_or_leave_of_an_unknown_participant_is_not_found(void **state)
{
    struct fx *f = *state;
    uint64_t seq = f->m->seq;
    assert_int_equal(meeting_join(f->m, "nobody", NOW, &f->ev), ERR_NOT_FOUND);
    assert_int_equal(meeting_leave(f->m, "nobody", NOW, &f->ev), ERR_NOT_FOUND);
    assert_int_equal(meeting_join(f->m, NULL, NOW, &f->ev), ERR_NOT_FOUND);
    assert_int_equal(f->ev.len, 0);
    assert_int_equal(f->m->seq, seq);
}

/* ---- time ---------------------------------------------------------------------------- */

static void
test_timestamps_never_go_backwards_when_the_clock_does(void **state)
{
    struct fx *f = *state;
    assert_int_equal(meeting_join(f->m, "vasseur", NOW + 5000, &f->ev), 0);
    assert_int_equal(handle(f, CMD_MEETING_OPEN, "vasseur", NOW + 1000), 0);
    assert_int_equal(handle(f, CMD_MEETING_SUSPEND, "vasseur", 0), 0);
    assert_int_equal(handle(f, CMD_MEETING_RESUME, "vasseur", NOW + 6000), 0);
    size_t before = f->ev.len;
    assert_int_equal(meeting_join(f->m, "dubois", NOW + 5500, &f->ev), 0);
    assert_true(f->ev.len > before);
    assert_int_equal(f->ev.v[0].type, EV_PARTICIPANT_JOINED);
    assert_int_equal(f->ev.v[0].ts, NOW + 5000);
    assert_int_equal(f->ev.v[1].type, EV_MEETING_OPENED);
    assert_int_equal(f->ev.v[1].ts, NOW + 5000); /* clock went back: held */
    assert_int_equal(f->ev.v[2].type, EV_MEETING_SUSPENDED);
    assert_int_equal(f->ev.v[2].ts, NOW + 5000);
    assert_int_equal(f->ev.v[3].type, EV_MEETING_RESUMED);
    assert_int_equal(f->ev.v[3].ts, NOW + 6000); /* moved forward again */
    assert_int_equal(f->ev.v[before].type, EV_PARTICIPANT_JOINED);
    assert_int_equal(f->ev.v[before].ts, NOW + 6000);
    for (size_t i = 1; i < f->ev.len; i++) {
        assert_true(f->ev.v[i].ts >= f->ev.v[i - 1].ts);
        assert_int_equal(f->ev.v[i].seq, f->ev.v[i - 1].seq + 1);
    }
    assert_int_equal(f->m->opened_at, NOW + 5000);
    assert_int_equal(f->m->last_ts, NOW + 6000);
}

static void
test_server_events_also_keep_time_monotonic(void **state)
{
    struct fx *f = *state;
    assert_int_equal(meeting_join(f->m, "leroy", NOW + 900, &f->ev), 0);
    struct body p = person("caron", "Lucien Caron", "locataires", "member");
    assert_int_equal(meeting_add_participant(f->m, &p, NOW, &f->ev), 0);
    assert_int_equal(f->ev.len, 2);
    assert_int_equal(f->ev.v[1].ts, NOW + 900);
}

/* ---- the fold ------------------------------------------------------------------------ */

/* Copy of an event with its own body (the fold must not depend on the emitter's). */
static void
copy_event(struct event *dst, const struct event *src)
{
    *dst = *src;
    memset(&dst->b, 0, sizeof(dst->b));
    const char *const s[] = {src->b.participant, src->b.name,           src->b.college,
                             src->b.role,        src->b.title,          src->b.date,
                             src->b.place,       src->b.room,           src->b.lang,
                             src->b.commission,  src->b.commission_name, src->b.from,
                             src->b.to};
    char **d[] = {&dst->b.participant, &dst->b.name,       &dst->b.college,        &dst->b.role,
                  &dst->b.title,       &dst->b.date,       &dst->b.place,          &dst->b.room,
                  &dst->b.lang,        &dst->b.commission, &dst->b.commission_name,
                  &dst->b.from,        &dst->b.to};
    for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
        if (s[i]) {
            *d[i] = malloc(strlen(s[i]) + 1);
            assert_non_null(*d[i]);
            strcpy(*d[i], s[i]);
        }
    }
}

/* PROTOCOL.md 3, "Changing the roster": an edit or a removal reaches a
 * meeting while it is scheduled, and never once it has opened. */
static void
test_roster_changes_reach_a_scheduled_meeting_only(void **state)
{
    struct fx *f = *state;
    struct body b = person("moreau", "Jean-Yves Moreau", "bailleurs", "member");
    assert_int_equal(meeting_edit_participant(f->m, &b, NOW, &f->ev), 0);
    assert_int_equal(f->ev.len, 1);
    assert_int_equal(f->ev.v[0].type, EV_PARTICIPANT_EDITED);
    assert_string_equal(f->ev.v[0].actor, "admin");
    const struct participant *p = meeting_participant(f->m, "moreau");
    assert_string_equal(p->name, "Jean-Yves Moreau");
    assert_string_equal(p->college, "bailleurs");
    assert_int_equal(meeting_edit_participant(f->m, &b, NOW, &f->ev), 0); /* the same: nothing */
    assert_int_equal(f->ev.len, 1);
    b = person("moreau", "Jean-Yves Moreau", "", "member");
    assert_int_equal(meeting_edit_participant(f->m, &b, NOW, &f->ev), ERR_INVALID);
    b = person("nobody", "X", "", "observer");
    assert_int_equal(meeting_edit_participant(f->m, &b, NOW, &f->ev), ERR_NOT_FOUND);
    assert_int_equal(f->ev.len, 1);

    assert_int_equal(meeting_remove_participant(f->m, "petit", NOW, &f->ev), 0);
    assert_int_equal(f->ev.v[1].type, EV_PARTICIPANT_REMOVED);
    assert_null(meeting_participant(f->m, "petit"));
    assert_int_equal(meeting_nlisted(f->m), NROSTER - 1);
    assert_int_equal(meeting_remove_participant(f->m, "petit", NOW, &f->ev), ERR_NOT_FOUND);
    assert_int_equal(meeting_join(f->m, "petit", NOW, &f->ev), 0); /* off the roster: nothing */
    assert_int_equal(f->ev.len, 2);

    assert_int_equal(handle(f, CMD_MEETING_OPEN, "vasseur", NOW + 10), 0);
    size_t n = f->ev.len;
    b = person("dubois", "Claire Dubois-Roux", "bailleurs", "member");
    assert_int_equal(meeting_edit_participant(f->m, &b, NOW + 20, &f->ev), ERR_BAD_STATE);
    assert_int_equal(meeting_remove_participant(f->m, "dubois", NOW + 20, &f->ev), ERR_BAD_STATE);
    assert_int_equal(f->ev.len, n);
    assert_string_equal(meeting_participant(f->m, "dubois")->name, "Claire Dubois");
}

/* A removal revokes the proxies given to the member first; the log folds
 * back into the same meeting, the removed participant kept in its place. */
static void
test_a_removal_revokes_proxies_first_and_folds_back(void **state)
{
    struct fx *f = *state;
    struct evlist all = {0};
    struct meeting *live = meeting_new(MEETING_ID);
    assert_non_null(live);
    struct body b = meeting_body();
    assert_int_equal(meeting_create(live, &b, NOW, &all), 0);
    for (size_t i = 0; i < NROSTER; i++) {
        struct body p = person(roster[i].id, roster[i].name, roster[i].college, roster[i].role);
        assert_int_equal(meeting_add_participant(live, &p, NOW, &all), 0);
    }
    struct body roux = person("roux", "Luc Roux", "bailleurs", "member");
    assert_int_equal(meeting_add_participant(live, &roux, NOW, &all), 0);
    struct cmd c;
    memset(&c, 0, sizeof(c));
    strcpy(c.key, "k1");
    c.type = CMD_PROXY_GIVE;
    c.b.to = "roux";
    assert_int_equal(meeting_handle(live, &c, "dubois", NOW + 10, &all), 0);
    size_t n = all.len;
    assert_int_equal(meeting_remove_participant(live, "roux", NOW + 20, &all), 0);
    assert_int_equal(all.len, n + 2);
    assert_int_equal(all.v[n].type, EV_PROXY_REVOKED);
    assert_string_equal(all.v[n].b.from, "dubois");
    assert_int_equal(all.v[n + 1].type, EV_PARTICIPANT_REMOVED);
    assert_false(live->proxies[0].live);
    assert_int_equal(meeting_add_participant(live, &roux, NOW + 30, &all), 0); /* a new entry */
    assert_int_equal(meeting_nlisted(live), NROSTER + 1);

    for (size_t i = 0; i < all.len; i++) {
        struct event ev;
        copy_event(&ev, &all.v[i]);
        assert_int_equal(meeting_apply(f->m, &ev), 0);
        event_clear(&ev);
    }
    assert_int_equal(f->m->nparts, live->nparts);
    assert_int_equal(f->m->nremoved, 1);
    assert_true(f->m->parts[NROSTER].removed);
    assert_ptr_equal(meeting_participant(f->m, "roux"), &f->m->parts[NROSTER + 1]);
    evlist_clear(&all);
    meeting_free(live);
}

static void
test_folding_the_emitted_events_rebuilds_the_same_meeting(void **state)
{
    struct fx *f = *state;
    struct evlist all = {0};
    struct meeting *live = meeting_new(MEETING_ID);
    assert_non_null(live);
    struct body b = meeting_body();
    assert_int_equal(meeting_create(live, &b, NOW, &all), 0);
    for (size_t i = 0; i < NROSTER; i++) {
        struct body p = person(roster[i].id, roster[i].name, roster[i].college, roster[i].role);
        assert_int_equal(meeting_add_participant(live, &p, NOW, &all), 0);
    }
    assert_int_equal(meeting_join(live, "vasseur", NOW + 10, &all), 0);
    assert_int_equal(meeting_join(live, "dubois", NOW + 20, &all), 0);
    struct cmd c;
    memset(&c, 0, sizeof(c));
    strcpy(c.key, "k1");
    c.type = CMD_MEETING_OPEN;
    assert_int_equal(meeting_handle(live, &c, "vasseur", NOW + 30, &all), 0);
    c.type = CMD_MEETING_SUSPEND;
    assert_int_equal(meeting_handle(live, &c, "vasseur", NOW + 40, &all), 0);
    assert_int_equal(meeting_leave(live, "dubois", NOW + 50, &all), 0);

    /* f->m is an empty meeting: fold copies of the events into it */
    for (size_t i = 0; i < all.len; i++) {
        struct event ev;
        copy_event(&ev, &all.v[i]);
        assert_int_equal(meeting_apply(f->m, &ev), 0);
        event_clear(&ev);
    }
    assert_int_equal(f->m->seq, live->seq);
    assert_int_equal(f->m->seq, all.len);
    assert_int_equal(f->m->last_ts, NOW + 50);
    assert_true(f->m->created);
    assert_int_equal(f->m->state, MEETING_SUSPENDED);
    assert_int_equal(f->m->opened_at, NOW + 30);
    assert_int_equal(f->m->closed_at, 0);
    assert_string_equal(f->m->title, live->title);
    assert_string_equal(f->m->room, live->room);
    assert_string_equal(f->m->commission, live->commission);
    assert_string_equal(f->m->commission_name, live->commission_name);
    assert_int_equal(f->m->nparts, live->nparts);
    for (size_t i = 0; i < live->nparts; i++) {
        const struct participant *p = &f->m->parts[i], *q = &live->parts[i];
        assert_string_equal(p->id, q->id);
        assert_string_equal(p->name, q->name);
        assert_string_equal(p->college, q->college);
        assert_int_equal(p->role, q->role);
        assert_int_equal(p->present, q->present);
        assert_int_equal(p->arrived, q->arrived);
        assert_int_equal(p->left, q->left);
    }
    assert_true(meeting_participant(f->m, "vasseur")->present);
    assert_false(meeting_participant(f->m, "dubois")->present);
    evlist_clear(&all);
    meeting_free(live);
}

static void
test_apply_refuses_an_event_out_of_sequence(void **state)
{
    struct fx *f = *state;
    uint64_t seq = f->m->seq;
    struct event ev;
    memset(&ev, 0, sizeof(ev));
    ev.type = EV_MEETING_OPENED;
    ev.ts = NOW;
    ev.seq = seq + 2; /* a gap */
    assert_int_equal(meeting_apply(f->m, &ev), ERR_INTERNAL);
    ev.seq = seq; /* a repeat */
    assert_int_equal(meeting_apply(f->m, &ev), ERR_INTERNAL);
    ev.seq = 0;
    assert_int_equal(meeting_apply(f->m, &ev), ERR_INTERNAL);
    assert_int_equal(f->m->seq, seq);
    assert_int_equal(f->m->state, MEETING_SCHEDULED);
    ev.seq = seq + 1;
    assert_int_equal(meeting_apply(f->m, &ev), 0);
    assert_int_equal(f->m->state, MEETING_OPEN);
    assert_int_equal(f->m->seq, seq + 1);
}

static void
test_apply_refuses_presence_of_an_unknown_participant(void **state)
{
    struct fx *f = *state;
    uint64_t seq = f->m->seq;
    struct event ev;
    memset(&ev, 0, sizeof(ev));
    ev.type = EV_PARTICIPANT_JOINED;
    ev.seq = seq + 1;
    ev.ts = NOW;
    ev.b.participant = "nobody";
    assert_int_equal(meeting_apply(f->m, &ev), ERR_INTERNAL);
    ev.b.participant = NULL;
    assert_int_equal(meeting_apply(f->m, &ev), ERR_INTERNAL);
    assert_int_equal(f->m->seq, seq);
}

static void
test_apply_refuses_adding_a_participant_twice_or_with_a_bad_id(void **state)
{
    struct fx *f = *state;
    uint64_t seq = f->m->seq;
    struct event ev;
    memset(&ev, 0, sizeof(ev));
    ev.type = EV_PARTICIPANT_ADDED;
    ev.seq = seq + 1;
    ev.ts = NOW;
    ev.b.participant = "dubois";
    ev.b.name = "Again";
    ev.b.role = "member";
    ev.b.college = "bailleurs";
    assert_int_equal(meeting_apply(f->m, &ev), ERR_INTERNAL);
    ev.b.participant = "Not Valid";
    assert_int_equal(meeting_apply(f->m, &ev), ERR_INTERNAL);
    assert_int_equal(f->m->seq, seq);
    assert_int_equal(f->m->nparts, NROSTER);
}

static void
test_apply_refuses_an_unknown_event_type(void **state)
{
    struct fx *f = *state;
    uint64_t seq = f->m->seq;
    struct event ev;
    memset(&ev, 0, sizeof(ev));
    ev.type = EV_COUNT;
    ev.seq = seq + 1;
    assert_int_equal(meeting_apply(f->m, &ev), ERR_INTERNAL);
    assert_int_equal(f->m->seq, seq);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_id_valid_accepts_lowercase_digits_dash_and_underscore_up_to_32_bytes),
        cmocka_unit_test(test_meeting_new_refuses_an_invalid_id),
        cmocka_unit_test(test_role_names_round_trip_and_unknown_names_give_none),
        cmocka_unit_test(test_meeting_state_names_are_the_protocol_ones),
        cmocka_unit_test(test_every_command_but_hello_and_ping_mutates),
        cmocka_unit_test(test_evlist_push_grows_and_hands_out_zeroed_events),
        cmocka_unit_test(test_body_clear_frees_every_string_and_may_be_repeated),
        cmocka_unit_test(test_perm_allowed_matches_the_protocol_matrix_cell_by_cell),
        cmocka_unit_test(test_admin_none_and_out_of_range_values_are_never_allowed),
        cmocka_unit_test(test_the_matrix_written_here_covers_every_command),
        cmocka_unit_test(test_meeting_handle_enforces_every_role_and_command_cell),
        cmocka_unit_test_setup_teardown(test_member_may_not_open_the_meeting, setup, teardown),
        cmocka_unit_test_setup_teardown(test_secretary_may_not_suspend_the_meeting, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_observer_may_not_close_the_meeting, setup, teardown),
        cmocka_unit_test_setup_teardown(test_forbidden_is_reported_before_bad_state, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_unknown_or_missing_actor_is_not_found, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_hello_and_ping_produce_no_event, setup, teardown),
        cmocka_unit_test_setup_teardown(test_chair_opens_suspends_resumes_and_closes_the_meeting,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_suspended_meeting_may_be_closed, setup, teardown),
        cmocka_unit_test(test_every_state_and_lifecycle_command_pair_moves_or_gives_bad_state),
        cmocka_unit_test_setup_teardown(test_a_closed_meeting_cannot_be_reopened, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_emits_meeting_created_as_seq_1_by_admin,
                                        setup_empty, teardown),
        cmocka_unit_test_setup_teardown(test_create_twice_is_a_conflict, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_without_a_title_is_invalid, setup_empty,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_adding_a_participant_before_creation_is_bad_state,
                                        setup_empty, teardown),
        cmocka_unit_test_setup_teardown(test_add_participant_emits_participant_added_and_indexes_it,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_participant_without_college_gets_an_empty_one, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_add_participant_refuses_bad_ids, setup, teardown),
        cmocka_unit_test_setup_teardown(test_add_participant_refuses_a_missing_name, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_add_participant_refuses_a_duplicate_id, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_add_participant_refuses_a_member_without_college,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_add_participant_refuses_the_admin_role_and_unknown_roles, setup, teardown),
        cmocka_unit_test_setup_teardown(test_add_participant_refuses_a_malformed_college, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_participant_index_finds_every_one_of_ten_thousand,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_participant_lookup_in_an_empty_meeting_finds_nothing,
                                        setup_empty, teardown),
        cmocka_unit_test_setup_teardown(test_join_emits_participant_joined_once, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_leave_emits_participant_left_once_and_only_when_present, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_participant_may_rejoin_after_leaving, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_join_or_leave_of_an_unknown_participant_is_not_found,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_timestamps_never_go_backwards_when_the_clock_does,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_server_events_also_keep_time_monotonic, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_roster_changes_reach_a_scheduled_meeting_only, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_removal_revokes_proxies_first_and_folds_back,
                                        setup_empty, teardown),
        cmocka_unit_test_setup_teardown(test_folding_the_emitted_events_rebuilds_the_same_meeting,
                                        setup_empty, teardown),
        cmocka_unit_test_setup_teardown(test_apply_refuses_an_event_out_of_sequence, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_apply_refuses_presence_of_an_unknown_participant,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_apply_refuses_adding_a_participant_twice_or_with_a_bad_id, setup, teardown),
        cmocka_unit_test_setup_teardown(test_apply_refuses_an_unknown_event_type, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
