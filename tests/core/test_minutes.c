/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_minutes.c - core/minutes.c: the secretary's entries and the bound on
 * their text.
 *
 * The entries in force hold at most 4 MiB of text in all, since every member
 * is welcomed with them: an entry that would pass it is refused with
 * too_large and changes nothing, an edit counts the difference, a deletion
 * gives its text back, and the count is the same after a refold from the log.
 */
#include "meeting_fixture.h"

#define ENTRY_TEXT 20000 /* the protocol's longest entry */
#define BUDGET (4u << 20)

static char *
long_text(char c)
{
    char *t = malloc(ENTRY_TEXT + 1);
    assert_non_null(t);
    memset(t, c, ENTRY_TEXT);
    t[ENTRY_TEXT] = 0;
    return t;
}

/* Entries of the longest text until the bound refuses one; their number. */
static size_t
fill(struct fx *f, const char *text)
{
    size_t n = 0;
    f->unchecked = true;
    while (fx_run(f, "secr", CMD_MINUTES_ADD, (struct body){.text = (char *)text}) == 0) {
        n++;
    }
    f->unchecked = false;
    return n;
}

static void
test_minutes_refuse_an_entry_past_the_bound_on_their_text(void **state)
{
    struct fx *f = *state;
    char *text = long_text('a');
    size_t n = fill(f, text);
    assert_int_equal(n, BUDGET / ENTRY_TEXT);
    assert_int_equal(f->m->entries_bytes, n * ENTRY_TEXT);
    REFUSED(f, ERR_TOO_LARGE, "secr", CMD_MINUTES_ADD, .text = text);
    /* What still fits is taken. */
    OK(f, "secr", CMD_MINUTES_ADD, .text = "Fin de séance.");
    free(text);
}

static void
test_minutes_count_an_edit_by_its_difference_and_a_deletion_gives_its_text_back(void **state)
{
    struct fx *f = *state;
    char *text = long_text('b');
    size_t n = fill(f, text);
    assert_true(n > 2);
    /* Shorter: room is made, and the same length again fits. */
    OK(f, "secr", CMD_MINUTES_EDIT, .entry = "e1", .text = "Résumé.");
    assert_int_equal(f->m->entries_bytes, (n - 1) * ENTRY_TEXT + strlen("Résumé."));
    OK(f, "secr", CMD_MINUTES_EDIT, .entry = "e1", .text = text);
    /* An edit that grows an entry past the room left: refused; up to it: taken. */
    OK(f, "secr", CMD_MINUTES_EDIT, .entry = "e2", .text = "x");
    for (size_t room; (room = BUDGET - f->m->entries_bytes) > 1;) {
        size_t len = room - 1 < ENTRY_TEXT ? room - 1 : ENTRY_TEXT;
        char kept = text[len];
        text[len] = 0;
        OK(f, "secr", CMD_MINUTES_ADD, .text = text); /* until one byte is left */
        text[len] = kept;
    }
    REFUSED(f, ERR_TOO_LARGE, "secr", CMD_MINUTES_EDIT, .entry = "e2", .text = "xyz");
    OK(f, "secr", CMD_MINUTES_EDIT, .entry = "e2", .text = "xy");
    assert_int_equal(f->m->entries_bytes, BUDGET);
    /* A deleted entry's text no longer counts. */
    OK(f, "secr", CMD_MINUTES_DELETE, .entry = "e3");
    OK(f, "secr", CMD_MINUTES_ADD, .text = text);
    size_t live = f->m->entries_bytes;
    fx_keep(f);
    fx_refold(f);
    assert_int_equal(f->m->entries_bytes, live);
    free(text);
}

static void
test_after_finalisation_only_the_approval_is_written(void **state)
{
    /* A vote closed but not yet published when the secretary finalises
     * stays as the record shows it: publishing it would add an event after
     * the record, whose signed head must stay the log's. */
    struct fx *f = *state;
    static const char *const items[] = {"Bilan 2020", NULL};
    fx_agenda(f, items);
    fx_open(f);
    OK(f, "chair", CMD_AGENDA_OPEN, .item = "i1");
    OK(f, "chair", CMD_VOTE_PREPARE, .question = "Approuver le bilan ?");
    OK(f, "chair", CMD_VOTE_OPEN, .vote = "v1");
    OK(f, "chair", CMD_VOTE_CLOSE, .vote = "v1");
    OK(f, "chair", CMD_MEETING_CLOSE, NO_BODY);
    OK(f, "secr", CMD_MINUTES_FINALIZE, NO_BODY);
    REFUSED(f, ERR_BAD_STATE, "chair", CMD_VOTE_PUBLISH, .vote = "v1");
    REFUSED(f, ERR_BAD_STATE, "secr", CMD_MINUTES_ADD, .text = "Oubli.");
    OK(f, "chair", CMD_RECORD_APPROVE, NO_BODY);
    EVENTS(f, EV_RECORD_APPROVED);
}

/* The approval of an earlier meeting's minutes, on its item (6.7): only on
 * the current approval item, once, by a passed and closed vote on it or
 * without objection; what the earlier record is comes from the hub. The
 * item and the approval survive a refold from the log. */
static void
test_the_next_meeting_approves_the_previous_minutes_on_their_item(void **state)
{
    struct fx *f = *state;
    static const char *const items[] = {"Bilan 2020", NULL};
    fx_agenda(f, items);
    fx_keep(f);
    assert_int_equal(meeting_approval_item(f->m, "ccr-2021-01",
                                           "Approbation du procès-verbal de la séance du 12 janvier 2021",
                                           f->now, &f->ev),
                     0);
    EVENTS(f, EV_AGENDA_ITEM_ADDED);
    const struct item *it = fx_item(f, "i2");
    assert_string_equal(it->approves, "ccr-2021-01");
    assert_int_equal(it->position, 0); /* first business */
    fx_keep(f);
    assert_int_equal(meeting_approval_item(f->m, "ccr-2021-01", "x", f->now, &f->ev), ERR_CONFLICT);
    char sha[] = "5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef";
#define HUB .approves = "ccr-2021-01", .record = sha, .head = sha, .date = "2021-01-12"
    static const char *const members[] = {"b1", "b2", "b3", "l1", "l2", "l3"};
    for (size_t k = 0; k < 6; k++) {
        fx_join(f, members[k]);
    }
    fx_open(f);
    REFUSED(f, ERR_BAD_STATE, "chair", CMD_MINUTES_APPROVE_PREVIOUS, .item = "i2", HUB);
    OK(f, "chair", CMD_AGENDA_OPEN, .item = "i1");
    REFUSED(f, ERR_INVALID, "chair", CMD_MINUTES_APPROVE_PREVIOUS, .item = "i1", HUB);
    OK(f, "chair", CMD_VOTE_PREPARE, .question = "Le bilan ?");
    OK(f, "chair", CMD_AGENDA_OPEN, .item = "i2");
    REFUSED(f, ERR_FORBIDDEN, "secr", CMD_MINUTES_APPROVE_PREVIOUS, .item = "i2", HUB);
    REFUSED(f, ERR_NOT_FOUND, "chair", CMD_MINUTES_APPROVE_PREVIOUS, .item = "i9", HUB);
    /* the hub must say what the record is */
    REFUSED(f, ERR_INTERNAL, "chair", CMD_MINUTES_APPROVE_PREVIOUS, .item = "i2");
    OK(f, "chair", CMD_VOTE_PREPARE, .question = "Le procès-verbal est-il approuvé ?");
    REFUSED(f, ERR_INVALID, "chair", CMD_MINUTES_APPROVE_PREVIOUS, .item = "i2", .vote = "v1", HUB);
    REFUSED(f, ERR_BAD_STATE, "chair", CMD_MINUTES_APPROVE_PREVIOUS, .item = "i2", .vote = "v2", HUB);
    OK(f, "chair", CMD_VOTE_OPEN, .vote = "v2");
    OK(f, "b1", CMD_VOTE_CAST, .vote = "v2", .choice = "yes");
    OK(f, "chair", CMD_VOTE_CLOSE, .vote = "v2");
    OK(f, "chair", CMD_MINUTES_APPROVE_PREVIOUS, .item = "i2", .vote = "v2", HUB);
    EVENTS(f, EV_MINUTES_APPROVED_PREVIOUS);
    const struct event *ev = fx_last(f);
    assert_string_equal(ev->b.result, "adopted");
    assert_string_equal(ev->b.approves, "ccr-2021-01");
    assert_string_equal(ev->b.record, sha);
    assert_true(fx_item(f, "i2")->approved_seq == ev->seq);
    REFUSED(f, ERR_CONFLICT, "chair", CMD_MINUTES_APPROVE_PREVIOUS, .item = "i2", HUB);
#undef HUB
    fx_keep(f);
    fx_refold(f);
}

/* Under next_meeting the chair does not approve the record in the meeting. */
static void
test_next_meeting_refuses_the_approval_in_the_same_meeting(void **state)
{
    struct fx *f = *state;
    REFUSED(f, ERR_INVALID, "chair", CMD_MEETING_CONFIGURE, .approval = "weekly");
    OK(f, "chair", CMD_MEETING_CONFIGURE, .approval = "next_meeting");
    assert_true(f->m->set.approval_next);
    fx_open(f);
    OK(f, "chair", CMD_MEETING_CLOSE, NO_BODY);
    OK(f, "secr", CMD_MINUTES_FINALIZE, NO_BODY);
    REFUSED(f, ERR_BAD_STATE, "chair", CMD_RECORD_APPROVE, NO_BODY);
    fx_keep(f);
    fx_refold(f);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_minutes_refuse_an_entry_past_the_bound_on_their_text,
                                        fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(
            test_minutes_count_an_edit_by_its_difference_and_a_deletion_gives_its_text_back,
            fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_after_finalisation_only_the_approval_is_written,
                                        fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(
            test_the_next_meeting_approves_the_previous_minutes_on_their_item, fx_setup,
            fx_teardown),
        cmocka_unit_test_setup_teardown(test_next_meeting_refuses_the_approval_in_the_same_meeting,
                                        fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
