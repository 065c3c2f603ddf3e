/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_attendance.c - core/attendance.c: presence from connections and from
 * marks, the quorum by college, and when quorum.reached / quorum.lost are
 * written.
 *
 * The arithmetic is checked on quorum_compute() and quorum_college(), the
 * functions the snapshot and the events use, with rosters chosen for their
 * edge cases: an odd number of members (rounding up), a college whose only
 * participant is not a member, no member at all. The events are checked as
 * each join, leave, mark or change of rule writes them.
 */
#include "meeting_fixture.h"

/* Five members: three bailleurs, two locataires; an observer in a college of
 * her own, which therefore has no member. */
static const struct fx_person five[] = {
    {"chair", "Hélène Vasseur", "", "chair"},
    {"secr", "Thomas Leroy", "", "secretary"},
    {"b1", "Claire Dubois", "bailleurs", "member"},
    {"b2", "Marc Lemaire", "bailleurs", "member"},
    {"b3", "Sophie Caron", "bailleurs", "member"},
    {"l1", "Jean Moreau", "locataires", "member"},
    {"l2", "Fatima Benali", "locataires", "member"},
    {"exp", "Anne Petit", "experts", "observer"},
};

static int
setup_five(void **state)
{
    *state = fx_new_with(five, sizeof(five) / sizeof(five[0]));
    return 0;
}

static void
set_quorum(struct fx *f, int64_t overall, int64_t college)
{
    OK(f, "chair", CMD_MEETING_CONFIGURE, .has = HAS_QUORUM | HAS_QUORUM_COLLEGE,
       .quorum = overall, .quorum_college = college);
}

static void
join_all(struct fx *f, const char *const *who)
{
    for (size_t i = 0; who[i]; i++) {
        fx_join(f, who[i]);
    }
}

static void
mark(struct fx *f, const char *who, const char *status, const char *reason)
{
    OK(f, "secr", CMD_ATTENDANCE_MARK, .participant = (char *)who, .status = (char *)status,
       .reason = (char *)reason);
}

static void
expect_college(struct fx *f, const char *college, int64_t present, int64_t required,
               int64_t total)
{
    int64_t p, r, t;
    quorum_college(f->m, college, &p, &r, &t);
    if (p != present || r != required || t != total) {
        print_error("college %s: present %lld required %lld total %lld, expected %lld %lld %lld\n",
                    college, (long long)p, (long long)r, (long long)t, (long long)present,
                    (long long)required, (long long)total);
        fail();
    }
}

/* ---- arithmetic ----------------------------------------------------------------------- */

static void
test_the_required_count_rounds_up(void **state)
{
    struct fx *f = *state;
    static const struct {
        int64_t pct, required;
    } cases[] = {{50, 3}, {40, 2}, {41, 3}, {20, 1}, {1, 1}, {0, 0}, {99, 5}, {100, 5}, {60, 3}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        f->m->set.quorum = cases[i].pct; /* the rule alone, without events */
        struct quorum q = quorum_compute(f->m);
        if (q.required != cases[i].required) {
            print_error("%lld %% of 5 members: required %lld, expected %lld\n",
                        (long long)cases[i].pct, (long long)q.required,
                        (long long)cases[i].required);
            fail();
        }
    }
    f->m->set.quorum = 50;
}

static void
test_the_college_requirement_rounds_up_per_college(void **state)
{
    struct fx *f = *state;
    set_quorum(f, 50, 50);
    expect_college(f, "bailleurs", 0, 2, 3);
    expect_college(f, "locataires", 0, 1, 2);
    set_quorum(f, 50, 34);
    expect_college(f, "bailleurs", 0, 2, 3);
    expect_college(f, "locataires", 0, 1, 2);
    set_quorum(f, 50, 33);
    expect_college(f, "bailleurs", 0, 1, 3);
    set_quorum(f, 50, 100);
    expect_college(f, "bailleurs", 0, 3, 3);
    expect_college(f, "locataires", 0, 2, 2);
}

static void
test_a_college_without_members_requires_nothing(void **state)
{
    struct fx *f = *state;
    set_quorum(f, 100, 100);
    expect_college(f, "experts", 0, 0, 0);
    expect_college(f, "nobody-at-all", 0, 0, 0);
    static const char *const members[] = {"b1", "b2", "b3", "l1", "l2", NULL};
    join_all(f, members);
    struct quorum q = quorum_compute(f->m);
    assert_true(q.met); /* the experts' empty college does not block it */
    assert_int_equal(q.present, 5);
    assert_int_equal(q.required, 5);
}

static void
test_only_members_count(void **state)
{
    struct fx *f = *state;
    static const char *const others[] = {"chair", "secr", "exp", NULL};
    join_all(f, others);
    OK(f, "chair", CMD_ATTENDANCE_CHECKIN, NO_BODY);
    struct quorum q = quorum_compute(f->m);
    assert_int_equal(q.present, 0);
    assert_false(q.met);
}

static void
test_everybody_excused_means_nobody_present(void **state)
{
    struct fx *f = *state;
    static const char *const members[] = {"b1", "b2", "b3", "l1", "l2", NULL};
    join_all(f, members); /* connected, yet excused: the mark wins */
    for (size_t i = 0; members[i]; i++) {
        mark(f, members[i], "excused", "Conseil d'administration");
    }
    struct quorum q = quorum_compute(f->m);
    assert_int_equal(q.present, 0);
    assert_int_equal(q.required, 3);
    assert_false(q.met);
    expect_college(f, "bailleurs", 0, 0, 3);
    /* a 0 % rule holds even then */
    set_quorum(f, 0, 0);
    q = quorum_compute(f->m);
    assert_true(q.met);
    assert_int_equal(q.required, 0);
    /* any other rule fails: 1 % of one college is one member */
    set_quorum(f, 0, 1);
    assert_false(quorum_compute(f->m).met);
}

static void
test_the_college_rule_can_fail_while_the_overall_one_holds(void **state)
{
    struct fx *f = *state;
    set_quorum(f, 50, 50);
    static const char *const bailleurs[] = {"b1", "b2", "b3", NULL};
    join_all(f, bailleurs);
    struct quorum q = quorum_compute(f->m);
    assert_int_equal(q.present, 3);
    assert_int_equal(q.required, 3);
    assert_false(q.met); /* no locataire: their college requires one */
    fx_join(f, "l2");
    assert_true(quorum_compute(f->m).met);
}

/* ---- connections and marks ------------------------------------------------------------ */

static void
test_presence_follows_the_connections_unless_marked(void **state)
{
    struct fx *f = *state;
    fx_join(f, "b1");
    assert_true(attendance_counts(fx_part(f, "b1")));
    mark(f, "b1", "absent", NULL);
    assert_false(attendance_counts(fx_part(f, "b1")));
    assert_true(fx_part(f, "b1")->present); /* still connected */
    mark(f, "b1", "none", NULL);
    assert_true(attendance_counts(fx_part(f, "b1")));
    /* in the room without a connection */
    mark(f, "l1", "present", NULL);
    assert_true(attendance_counts(fx_part(f, "l1")));
    fx_join(f, "l1");
    fx_leave(f, "l1");
    assert_true(attendance_counts(fx_part(f, "l1")));
    mark(f, "l1", "none", NULL);
    assert_false(attendance_counts(fx_part(f, "l1")));
    assert_int_equal(quorum_compute(f->m).present, 1);
}

static void
test_a_mark_writes_the_participant_the_status_and_the_reason(void **state)
{
    struct fx *f = *state;
    f->now += MIN;
    OK(f, "secr", CMD_ATTENDANCE_MARK, .participant = "b2", .status = "excused",
       .reason = "Congés");
    EVENTS(f, EV_ATTENDANCE_MARKED);
    const struct event *ev = fx_last(f);
    assert_string_equal(ev->actor, "secr");
    assert_string_equal(ev->b.participant, "b2");
    assert_string_equal(ev->b.status, "excused");
    assert_string_equal(ev->b.reason, "Congés");
    assert_int_equal(fx_part(f, "b2")->mark, MARK_EXCUSED);
    assert_string_equal(fx_part(f, "b2")->reason, "Congés");
    /* the chair may mark too; a reason left out is written empty */
    OK(f, "chair", CMD_ATTENDANCE_MARK, .participant = "b2", .status = "present");
    assert_string_equal(fx_last(f)->b.reason, "");
    assert_string_equal(fx_part(f, "b2")->reason, "");
}

static void
test_a_reason_goes_only_with_an_excuse(void **state)
{
    struct fx *f = *state;
    REFUSED(f, ERR_INVALID, "secr", CMD_ATTENDANCE_MARK, .participant = "b1", .status = "present",
            .reason = "en retard");
    REFUSED(f, ERR_INVALID, "secr", CMD_ATTENDANCE_MARK, .participant = "b1", .status = "absent",
            .reason = "injoignable");
    REFUSED(f, ERR_INVALID, "secr", CMD_ATTENDANCE_MARK, .participant = "b1", .status = "none",
            .reason = "x");
    /* an excuse without a reason is accepted */
    mark(f, "b1", "excused", NULL);
}

static void
test_marking_the_same_again_is_a_conflict(void **state)
{
    struct fx *f = *state;
    REFUSED(f, ERR_CONFLICT, "secr", CMD_ATTENDANCE_MARK, .participant = "b1", .status = "none");
    mark(f, "b1", "excused", "Maladie");
    REFUSED(f, ERR_CONFLICT, "secr", CMD_ATTENDANCE_MARK, .participant = "b1",
            .status = "excused", .reason = "Maladie");
    mark(f, "b1", "excused", "Maladie (certificat)"); /* a new reason is a change */
    mark(f, "b1", "excused", NULL);
    REFUSED(f, ERR_CONFLICT, "chair", CMD_ATTENDANCE_MARK, .participant = "b1",
            .status = "excused", .reason = "");
}

static void
test_a_mark_names_a_known_participant_and_status(void **state)
{
    struct fx *f = *state;
    REFUSED(f, ERR_NOT_FOUND, "secr", CMD_ATTENDANCE_MARK, .participant = "zz", .status = "absent");
    REFUSED(f, ERR_NOT_FOUND, "secr", CMD_ATTENDANCE_MARK, .status = "absent");
    REFUSED(f, ERR_INVALID, "secr", CMD_ATTENDANCE_MARK, .participant = "b1", .status = "late");
    REFUSED(f, ERR_INVALID, "secr", CMD_ATTENDANCE_MARK, .participant = "b1", .status = "");
    REFUSED(f, ERR_INVALID, "secr", CMD_ATTENDANCE_MARK, .participant = "b1");
    REFUSED(f, ERR_FORBIDDEN, "b2", CMD_ATTENDANCE_MARK, .participant = "b1", .status = "absent");
    REFUSED(f, ERR_FORBIDDEN, "exp", CMD_ATTENDANCE_MARK, .participant = "b1", .status = "absent");
}

static void
test_a_member_checks_herself_in_once(void **state)
{
    struct fx *f = *state;
    OK(f, "l2", CMD_ATTENDANCE_CHECKIN, NO_BODY);
    EVENTS(f, EV_ATTENDANCE_MARKED);
    assert_string_equal(fx_last(f)->actor, "l2");
    assert_string_equal(fx_last(f)->b.participant, "l2");
    assert_string_equal(fx_last(f)->b.status, "present");
    assert_string_equal(fx_last(f)->b.reason, "");
    assert_true(attendance_counts(fx_part(f, "l2")));
    REFUSED(f, ERR_CONFLICT, "l2", CMD_ATTENDANCE_CHECKIN, NO_BODY);
    /* marked back to the connections, she may check in again */
    mark(f, "l2", "none", NULL);
    OK(f, "l2", CMD_ATTENDANCE_CHECKIN, NO_BODY);
    /* an excused member who turns up checks in */
    mark(f, "b3", "excused", "Train");
    OK(f, "b3", CMD_ATTENDANCE_CHECKIN, NO_BODY);
    assert_int_equal(fx_part(f, "b3")->mark, MARK_PRESENT);
    assert_string_equal(fx_part(f, "b3")->reason, "");
    REFUSED(f, ERR_FORBIDDEN, "exp", CMD_ATTENDANCE_CHECKIN, NO_BODY);
    OK(f, "secr", CMD_ATTENDANCE_CHECKIN, NO_BODY);
}

static void
test_a_closed_meeting_takes_no_more_marks(void **state)
{
    struct fx *f = *state;
    fx_open(f);
    OK(f, "chair", CMD_MEETING_CLOSE, NO_BODY);
    REFUSED(f, ERR_BAD_STATE, "secr", CMD_ATTENDANCE_MARK, .participant = "b1",
            .status = "absent");
    REFUSED(f, ERR_BAD_STATE, "b1", CMD_ATTENDANCE_CHECKIN, NO_BODY);
}

/* ---- quorum events -------------------------------------------------------------------- */

static void
test_no_quorum_event_before_the_meeting_opens(void **state)
{
    struct fx *f = *state;
    static const char *const members[] = {"b1", "b2", "b3", "l1", "l2", NULL};
    join_all(f, members);
    EVENTS(f, EV_PARTICIPANT_JOINED); /* the last join wrote only its own event */
    for (size_t i = 0; i < f->log.len; i++) {
        assert_true(f->log.v[i].type != EV_QUORUM_REACHED);
    }
    mark(f, "b1", "excused", "Congés");
    EVENTS(f, EV_ATTENDANCE_MARKED);
    assert_false(f->m->quorum_met);
}

static void
test_opening_writes_quorum_reached_only_when_it_holds(void **state)
{
    struct fx *f = *state;
    static const char *const three[] = {"b1", "b2", "l1", NULL};
    join_all(f, three);
    f->now += MIN;
    fx_open(f);
    EVENTS(f, EV_MEETING_OPENED, EV_QUORUM_REACHED);
    const struct event *ev = fx_last(f);
    assert_string_equal(ev->actor, "system");
    assert_int_equal(ev->ts, NOW + MIN);
    assert_int_equal(ev->b.present, 3);
    assert_int_equal(ev->b.required, 3);
    assert_true(f->m->quorum_met);
}

static void
test_opening_without_the_quorum_writes_nothing_about_it(void **state)
{
    struct fx *f = *state;
    fx_join(f, "b1");
    fx_open(f);
    EVENTS(f, EV_MEETING_OPENED);
    assert_false(f->m->quorum_met);
}

static void
test_quorum_reached_and_lost_are_written_once_per_change(void **state)
{
    struct fx *f = *state;
    fx_open(f);
    fx_join(f, "b1");
    EVENTS(f, EV_PARTICIPANT_JOINED);
    fx_join(f, "l1");
    EVENTS(f, EV_PARTICIPANT_JOINED);
    fx_join(f, "b2");
    EVENTS(f, EV_PARTICIPANT_JOINED, EV_QUORUM_REACHED);
    assert_int_equal(fx_last(f)->b.present, 3);
    assert_int_equal(fx_last(f)->b.required, 3);
    fx_join(f, "l2");
    EVENTS(f, EV_PARTICIPANT_JOINED);
    fx_join(f, "chair");
    EVENTS(f, EV_PARTICIPANT_JOINED);
    fx_leave(f, "l2");
    EVENTS(f, EV_PARTICIPANT_LEFT);
    f->now += MIN;
    fx_leave(f, "b1");
    EVENTS(f, EV_PARTICIPANT_LEFT, EV_QUORUM_LOST);
    assert_string_equal(fx_last(f)->actor, "system");
    assert_int_equal(fx_last(f)->b.present, 2);
    assert_int_equal(fx_last(f)->b.required, 3);
    fx_leave(f, "b2");
    EVENTS(f, EV_PARTICIPANT_LEFT);
    fx_join(f, "b1");
    EVENTS(f, EV_PARTICIPANT_JOINED);
    fx_join(f, "b2");
    EVENTS(f, EV_PARTICIPANT_JOINED, EV_QUORUM_REACHED);
}

static void
test_marks_move_the_quorum_like_connections(void **state)
{
    struct fx *f = *state;
    static const char *const three[] = {"b1", "b2", "l1", NULL};
    join_all(f, three);
    fx_open(f);
    OK(f, "secr", CMD_ATTENDANCE_MARK, .participant = "l1", .status = "absent");
    EVENTS(f, EV_ATTENDANCE_MARKED, EV_QUORUM_LOST);
    assert_int_equal(fx_last(f)->b.present, 2);
    OK(f, "l2", CMD_ATTENDANCE_CHECKIN, NO_BODY);
    EVENTS(f, EV_ATTENDANCE_MARKED, EV_QUORUM_REACHED);
    assert_int_equal(fx_last(f)->b.present, 3);
}

static void
test_quorum_events_are_written_while_suspended_but_not_once_closed(void **state)
{
    struct fx *f = *state;
    static const char *const three[] = {"b1", "b2", "l1", NULL};
    join_all(f, three);
    fx_open(f);
    OK(f, "chair", CMD_MEETING_SUSPEND, NO_BODY);
    fx_leave(f, "b1");
    EVENTS(f, EV_PARTICIPANT_LEFT, EV_QUORUM_LOST);
    fx_join(f, "b1");
    EVENTS(f, EV_PARTICIPANT_JOINED, EV_QUORUM_REACHED);
    OK(f, "chair", CMD_MEETING_RESUME, NO_BODY);
    EVENTS(f, EV_MEETING_RESUMED);
    OK(f, "chair", CMD_MEETING_CLOSE, NO_BODY);
    EVENTS(f, EV_MEETING_CLOSED);
}

static void
test_quorum_lost_in_a_college_names_it(void **state)
{
    /* 4 of 5 present, 3 required overall: what fails is the locataires'
     * own share, and the event says so. */
    struct fx *f = *state;
    static const char *const four[] = {"b1", "b2", "b3", "l1", NULL};
    set_quorum(f, 50, 50);
    join_all(f, four);
    fx_open(f);
    fx_leave(f, "l1");
    EVENTS(f, EV_PARTICIPANT_LEFT, EV_QUORUM_LOST);
    const struct body *b = &fx_last(f)->b;
    assert_int_equal(b->present, 3);
    assert_int_equal(b->required, 3);
    assert_int_equal(b->colleges.n, 2);
    assert_string_equal(b->colleges.v[0], "bailleurs");
    assert_int_equal(b->college_present.v[0], 3);
    assert_int_equal(b->college_required.v[0], 2);
    assert_int_equal(b->college_present.v[1], 0);
    assert_int_equal(b->college_required.v[1], 1);
    assert_int_equal(b->failing.n, 1);
    assert_string_equal(b->failing.v[0], "locataires");
}

static void
test_connections_after_the_close_write_nothing(void **state)
{
    /* The record's attendance is the one at the close: everybody hangs up
     * afterwards, and the minutes, once finalised, take only the approval. */
    struct fx *f = *state;
    static const char *const three[] = {"b1", "b2", "l1", NULL};
    join_all(f, three);
    fx_open(f);
    OK(f, "chair", CMD_MEETING_CLOSE, NO_BODY);
    EVENTS(f, EV_MEETING_CLOSED);
    uint64_t seq = f->m->seq;
    fx_leave(f, "b1");
    fx_leave(f, "b2");
    fx_join(f, "l2");
    OK(f, "secr", CMD_MINUTES_FINALIZE, NO_BODY);
    EVENTS(f, EV_MINUTES_FINALIZED);
    fx_leave(f, "l1");
    fx_join(f, "b1");
    assert_int_equal(f->m->seq, seq + 1);
    assert_true(meeting_participant(f->m, "b1")->present);
    assert_false(meeting_participant(f->m, "l2")->present);
}

static void
test_changing_the_rule_may_reach_or_lose_the_quorum(void **state)
{
    struct fx *f = *state;
    static const char *const two[] = {"b1", "l1", NULL};
    join_all(f, two);
    fx_open(f);
    EVENTS(f, EV_MEETING_OPENED); /* 2 of 5 present, 3 required */
    set_quorum(f, 40, 0);
    EVENTS(f, EV_MEETING_CONFIGURED, EV_QUORUM_REACHED);
    assert_int_equal(fx_last(f)->b.required, 2);
    set_quorum(f, 40, 50);
    EVENTS(f, EV_MEETING_CONFIGURED, EV_QUORUM_LOST); /* bailleurs need 2 */
    OK(f, "chair", CMD_MEETING_CONFIGURE, .has = HAS_GRACE, .grace = 5);
    EVENTS(f, EV_MEETING_CONFIGURED);
}

static void
test_a_meeting_without_members_holds_its_quorum(void **state)
{
    (void)state;
    static const struct fx_person bureau[] = {
        {"chair", "Hélène Vasseur", "", "chair"},
        {"secr", "Thomas Leroy", "", "secretary"},
    };
    struct fx *f = fx_new_with(bureau, 2);
    fx_open(f);
    EVENTS(f, EV_MEETING_OPENED, EV_QUORUM_REACHED);
    assert_int_equal(fx_last(f)->b.present, 0);
    assert_int_equal(fx_last(f)->b.required, 0);
    fx_free(f);
}

static void
test_a_zero_percent_quorum_holds_with_nobody_there(void **state)
{
    struct fx *f = *state;
    set_quorum(f, 0, 0);
    fx_open(f);
    EVENTS(f, EV_MEETING_OPENED, EV_QUORUM_REACHED);
    assert_int_equal(fx_last(f)->b.present, 0);
    assert_int_equal(fx_last(f)->b.required, 0);
    fx_join(f, "b1");
    fx_leave(f, "b1");
    EVENTS(f, EV_PARTICIPANT_LEFT);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup_five, fx_teardown)
        T(test_the_required_count_rounds_up),
        T(test_the_college_requirement_rounds_up_per_college),
        T(test_a_college_without_members_requires_nothing),
        T(test_only_members_count),
        T(test_everybody_excused_means_nobody_present),
        T(test_the_college_rule_can_fail_while_the_overall_one_holds),
        T(test_presence_follows_the_connections_unless_marked),
        T(test_a_mark_writes_the_participant_the_status_and_the_reason),
        T(test_a_reason_goes_only_with_an_excuse),
        T(test_marking_the_same_again_is_a_conflict),
        T(test_a_mark_names_a_known_participant_and_status),
        T(test_a_member_checks_herself_in_once),
        T(test_a_closed_meeting_takes_no_more_marks),
        T(test_no_quorum_event_before_the_meeting_opens),
        T(test_opening_writes_quorum_reached_only_when_it_holds),
        T(test_opening_without_the_quorum_writes_nothing_about_it),
        T(test_quorum_reached_and_lost_are_written_once_per_change),
        T(test_marks_move_the_quorum_like_connections),
        T(test_quorum_events_are_written_while_suspended_but_not_once_closed),
        T(test_connections_after_the_close_write_nothing),
        T(test_quorum_lost_in_a_college_names_it),
        T(test_changing_the_rule_may_reach_or_lose_the_quorum),
        cmocka_unit_test(test_a_meeting_without_members_holds_its_quorum),
        T(test_a_zero_percent_quorum_holds_with_nobody_there),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
