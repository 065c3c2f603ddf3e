/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_followup.c - core/followup.c: decisions and actions recorded on an
 * item, their status changes, the dates they accept, and the carrying of
 * the actions still to be done into the commission's next meeting.
 *
 * Every refusal is checked by the fixture to change nothing, and every
 * scenario is refolded from its log at teardown (same snapshot).
 */
#include "meeting_fixture.h"

static void
test_dates_are_calendar_days(void **state)
{
    (void)state;
    assert_true(date_valid("2021-02-02"));
    assert_true(date_valid("2024-02-29"));
    assert_true(date_valid("2000-02-29"));
    assert_false(date_valid("2100-02-29"));
    assert_false(date_valid("2021-02-29"));
    assert_false(date_valid("2021-02-30"));
    assert_false(date_valid("2021-13-01"));
    assert_false(date_valid("2021-00-10"));
    assert_false(date_valid("2021-1-01"));
    assert_false(date_valid("21-01-01xx"));
    assert_false(date_valid("1999-12-31"));
    assert_false(date_valid(""));
    assert_false(date_valid(NULL));
}

static void
test_statuses_round_trip_and_only_open_ones_are_still_to_do(void **state)
{
    (void)state;
    const char *names[] = {"open", "in_progress", "done", "dropped"};
    for (int i = 0; i < 4; i++) {
        enum action_status st;
        assert_int_equal(action_status_parse(names[i], &st), 0);
        assert_string_equal(action_status_str(st), names[i]);
        struct action a = {.status = st};
        assert_int_equal(action_open(&a), i < 2);
    }
    enum action_status st;
    assert_int_equal(action_status_parse("fini", &st), ERR_INVALID);
    assert_int_equal(action_status_parse(NULL, &st), ERR_INVALID);
}

static void
test_decisions_and_actions_go_under_the_current_item_or_the_one_named(void **state)
{
    struct fx *f = *state;
    static const char *const items[] = {"Groupes de travail", "Questions diverses", NULL};
    fx_agenda(f, items);
    REFUSED(f, ERR_INVALID, "chair", CMD_DECISION_RECORD, .text = "Sans point courant.");
    OK(f, "secr", CMD_DECISION_RECORD, .text = "Trois groupes sont constitués.", .item = "i2");
    EVENTS(f, EV_DECISION_RECORDED);
    assert_string_equal(fx_last(f)->b.decision, "d1");
    fx_open(f);
    OK(f, "chair", CMD_AGENDA_OPEN, .item = "i1");
    OK(f, "chair", CMD_ACTION_RECORD, .title = "Note de cadrage", .owner = "b1", .due = "2021-06-30");
    EVENTS(f, EV_ACTION_RECORDED);
    const struct event *ev = fx_last(f);
    assert_string_equal(ev->b.action, "a1");
    assert_string_equal(ev->b.item, "i1");
    assert_string_equal(ev->b.owner_name, "Claire Dubois");
    assert_string_equal(ev->b.status, "open");
    /* a working group: named by the hub in `name` */
    OK(f, "secr", CMD_ACTION_RECORD, .title = "État des lieux", .owner = "gt-impayes",
       .name = "Groupe 3");
    assert_string_equal(fx_last(f)->b.owner_name, "Groupe 3");
    REFUSED(f, ERR_NOT_FOUND, "secr", CMD_ACTION_RECORD, .title = "X", .owner = "personne");
    REFUSED(f, ERR_INVALID, "secr", CMD_ACTION_RECORD, .title = "X", .owner = "b1",
            .due = "2021-02-30");
    REFUSED(f, ERR_INVALID, "secr", CMD_ACTION_RECORD, .title = "", .owner = "b1");
    REFUSED(f, ERR_INVALID, "secr", CMD_ACTION_RECORD, .title = "X", .owner = "b1",
            .status = "fini");
    REFUSED(f, ERR_NOT_FOUND, "secr", CMD_ACTION_RECORD, .title = "X", .owner = "b1", .item = "i9");
    REFUSED(f, ERR_NOT_FOUND, "secr", CMD_DECISION_RECORD, .text = "X", .vote = "v1");
    REFUSED(f, ERR_FORBIDDEN, "b1", CMD_ACTION_RECORD, .title = "X", .owner = "b1");
    REFUSED(f, ERR_FORBIDDEN, "obs", CMD_DECISION_RECORD, .text = "X");
    OK(f, "chair", CMD_VOTE_PREPARE, .question = "Constituer les groupes ?");
    OK(f, "chair", CMD_DECISION_RECORD, .text = "Les groupes sont constitués.", .vote = "v1");
    assert_string_equal(fx_last(f)->b.vote, "v1");
    OK(f, "secr", CMD_ACTION_UPDATE, .action = "a1", .status = "in_progress");
    EVENTS(f, EV_ACTION_UPDATED);
    assert_int_equal(f->m->actions[0].status, ACTION_IN_PROGRESS);
    REFUSED(f, ERR_CONFLICT, "secr", CMD_ACTION_UPDATE, .action = "a1", .status = "in_progress");
    REFUSED(f, ERR_INVALID, "secr", CMD_ACTION_UPDATE, .action = "a1", .status = "fini");
    REFUSED(f, ERR_NOT_FOUND, "secr", CMD_ACTION_UPDATE, .action = "a9", .status = "done");
    REFUSED(f, ERR_FORBIDDEN, "l1", CMD_ACTION_UPDATE, .action = "a1", .status = "done");
    assert_int_equal(f->m->ndecisions, 2);
    assert_int_equal(f->m->nactions, 2);
}

static void
test_open_actions_are_carried_once_under_one_follow_up_item(void **state)
{
    (void)state;
    struct fx *f1 = fx_new();
    static const char *const items[] = {"Groupes de travail", NULL};
    fx_agenda(f1, items);
    fx_open(f1);
    OK(f1, "chair", CMD_AGENDA_OPEN, .item = "i1");
    OK(f1, "chair", CMD_ACTION_RECORD, .title = "Un", .owner = "b1");
    OK(f1, "chair", CMD_ACTION_RECORD, .title = "Deux", .owner = "l1", .status = "in_progress");
    OK(f1, "chair", CMD_ACTION_RECORD, .title = "Trois", .owner = "l2", .status = "done");
    OK(f1, "chair", CMD_ACTION_RECORD, .title = "Quatre", .owner = "l3");
    OK(f1, "chair", CMD_ACTION_UPDATE, .action = "a4", .status = "dropped");
    OK(f1, "chair", CMD_MEETING_CLOSE, NO_BODY);
    fx_keep(f1);

    struct fx *f2 = fx_new();
    uint32_t idx[8];
    assert_int_equal(actions_to_carry(NULL, f1->m, idx), 2);
    assert_int_equal(idx[0], 0);
    assert_int_equal(idx[1], 1);
    assert_int_equal(meeting_carry_actions(f2->m, f1->m, "Suivi des actions", f2->now, &f2->ev), 0);
    EVENTS(f2, EV_AGENDA_ITEM_ADDED, EV_ACTION_RECORDED, EV_ACTION_RECORDED);
    assert_string_equal(f2->m->items[0].title, "Suivi des actions");
    assert_string_equal(f2->m->actions[0].origin, "ccr-2021-02/a1");
    assert_string_equal(f2->m->actions[1].origin, "ccr-2021-02/a2");
    assert_int_equal(f2->m->actions[1].status, ACTION_IN_PROGRESS);
    assert_string_equal(fx_last(f2)->actor, "admin");
    /* a second time: nothing left to carry, no event */
    fx_keep(f2);
    assert_int_equal(actions_to_carry(f2->m, f1->m, idx), 0);
    assert_int_equal(meeting_carry_actions(f2->m, f1->m, "Suivi des actions", f2->now, &f2->ev), 0);
    NO_EVENTS(f2);
    /* followed in the new meeting; carried on, it keeps its first origin */
    fx_open(f2);
    OK(f2, "chair", CMD_ACTION_UPDATE, .action = "a1", .status = "done");
    assert_int_equal(f1->m->actions[0].status, ACTION_OPEN);
    OK(f2, "chair", CMD_MEETING_CLOSE, NO_BODY);
    fx_keep(f2);
    struct fx *f3 = fx_new();
    assert_int_equal(meeting_carry_actions(f3->m, f2->m, "Suivi des actions", f3->now, &f3->ev), 0);
    EVENTS(f3, EV_AGENDA_ITEM_ADDED, EV_ACTION_RECORDED);
    assert_string_equal(f3->m->actions[0].origin, "ccr-2021-02/a2");
    /* a closed meeting receives nothing */
    fx_keep(f3);
    assert_int_equal(meeting_carry_actions(f2->m, f1->m, "Suivi", f2->now, &f2->ev), ERR_BAD_STATE);
    fx_free(f1);
    fx_free(f2);
    fx_free(f3);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dates_are_calendar_days),
        cmocka_unit_test(test_statuses_round_trip_and_only_open_ones_are_still_to_do),
        cmocka_unit_test_setup_teardown(
            test_decisions_and_actions_go_under_the_current_item_or_the_one_named, fx_setup,
            fx_teardown),
        cmocka_unit_test(test_open_actions_are_carried_once_under_one_follow_up_item),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
