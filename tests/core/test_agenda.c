/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_agenda.c - core/agenda.c: items and sub-items, their dense order,
 * their life (pending, current, done, postponed) and planned against actual
 * time, through meeting_handle() as the chair and the secretary would.
 *
 * Orders are checked as strings of ids ("i3 i1 i2"), read from the
 * positions that the fold keeps and, for the display order with sub-items,
 * from the snapshot the clients receive. Every refusal is also checked to
 * leave the meeting untouched (meeting_fixture.h does it for every command).
 */
#include "meeting_fixture.h"

#include <jansson.h>

static const char *const three[] = {"Ouverture", "Bilan 2020", "Feuille de route 2021", NULL};

/* Siblings under `parent` ("" for top level) by position, as "i2 i1 i3";
 * fails unless the positions are exactly 0..n-1. */
static const char *
siblings_by_position(struct fx *f, const char *parent)
{
    static char buf[1024];
    const struct item *at[64] = {0};
    size_t n = 0;
    for (size_t i = 0; i < f->m->nitems; i++) {
        const struct item *it = &f->m->items[i];
        if (it->removed || strcmp(it->parent, parent) != 0) {
            continue;
        }
        n++;
        if (it->position < 0 || it->position >= 64 || at[it->position]) {
            print_error("item %s at position %lld: not dense\n", it->id, (long long)it->position);
            fail();
        }
        at[it->position] = it;
    }
    size_t len = 0;
    buf[0] = 0;
    for (size_t i = 0; i < n; i++) {
        if (!at[i]) {
            print_error("no item at position %zu of %zu under '%s'\n", i, n, parent);
            fail();
        }
        len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s", i ? " " : "", at[i]->id);
    }
    return buf;
}

/* The agenda of the snapshot, in display order, as "i1 i3 i2". */
static const char *
display_order(struct fx *f)
{
    static char buf[1024];
    char *s = fx_snapshot(f->m);
    json_error_t jerr;
    json_t *o = json_loads(s, 0, &jerr);
    assert_non_null(o);
    json_t *agenda = json_object_get(o, "agenda");
    assert_true(json_is_array(agenda));
    size_t len = 0, i;
    json_t *it;
    buf[0] = 0;
    json_array_foreach(agenda, i, it)
    {
        len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s", i ? " " : "",
                                json_string_value(json_object_get(it, "id")));
    }
    json_decref(o);
    free(s);
    return buf;
}

/* ---- adding --------------------------------------------------------------------------- */

static void
test_chair_adds_an_item_at_the_end_with_default_values(void **state)
{
    struct fx *f = *state;
    OK(f, "chair", CMD_AGENDA_ADD, .title = "Ouverture de la séance");
    EVENTS(f, EV_AGENDA_ITEM_ADDED);
    const struct event *ev = fx_last(f);
    assert_string_equal(ev->actor, "chair");
    assert_string_equal(ev->b.item, "i1");
    assert_string_equal(ev->b.title, "Ouverture de la séance");
    assert_string_equal(ev->b.description, "");
    assert_string_equal(ev->b.presenter, "");
    assert_string_equal(ev->b.kind, "information");
    assert_string_equal(ev->b.parent, "");
    assert_int_equal(ev->b.position, 0);
    assert_int_equal(ev->b.duration, 0);
    assert_int_equal(ev->b.speaking_time, 0);
    const struct item *it = fx_item(f, "i1");
    assert_int_equal(it->state, ITEM_PENDING);
    assert_int_equal(it->actual_ms, 0);
    assert_false(it->list_closed);
}

static void
test_secretary_adds_an_item_with_every_field(void **state)
{
    struct fx *f = *state;
    OK(f, "secr", CMD_AGENDA_ADD, .title = "Avis sur le PDALHPD", .description = "Rapport\n\tp. 12",
       .presenter = "DREAL", .kind = "vote", .has = HAS_DURATION | HAS_SPEAKING_TIME,
       .duration = 1200, .speaking_time = 120);
    const struct event *ev = fx_last(f);
    assert_string_equal(ev->actor, "secr");
    assert_string_equal(ev->b.description, "Rapport\n\tp. 12");
    assert_string_equal(ev->b.presenter, "DREAL");
    assert_string_equal(ev->b.kind, "vote");
    assert_int_equal(ev->b.duration, 1200);
    assert_int_equal(ev->b.speaking_time, 120);
    const struct item *it = fx_item(f, "i1");
    assert_int_equal(it->kind, ITEM_VOTE);
    assert_int_equal(it->duration_s, 1200);
    assert_int_equal(it->speaking_s, 120);
}

static void
test_members_and_observers_may_not_touch_the_agenda(void **state)
{
    struct fx *f = *state;
    fx_agenda(f, three);
    REFUSED(f, ERR_FORBIDDEN, "b1", CMD_AGENDA_ADD, .title = "Divers");
    REFUSED(f, ERR_FORBIDDEN, "obs", CMD_AGENDA_ADD, .title = "Divers");
    REFUSED(f, ERR_FORBIDDEN, "l1", CMD_AGENDA_EDIT, .item = "i1", .title = "Autre");
    REFUSED(f, ERR_FORBIDDEN, "l1", CMD_AGENDA_MOVE, .item = "i1", .has = HAS_POSITION,
            .position = 2);
    REFUSED(f, ERR_FORBIDDEN, "obs", CMD_AGENDA_REMOVE, .item = "i1");
    fx_open(f);
    REFUSED(f, ERR_FORBIDDEN, "secr", CMD_AGENDA_OPEN, .item = "i1");
    REFUSED(f, ERR_FORBIDDEN, "b2", CMD_AGENDA_OPEN, .item = "i1");
    OK(f, "chair", CMD_AGENDA_OPEN, .item = "i1");
    REFUSED(f, ERR_FORBIDDEN, "secr", CMD_AGENDA_CLOSE, NO_BODY);
    REFUSED(f, ERR_FORBIDDEN, "secr", CMD_AGENDA_POSTPONE, .item = "i2");
}

static void
test_items_are_appended_in_order_and_positions_stay_dense(void **state)
{
    struct fx *f = *state;
    fx_agenda(f, three);
    assert_string_equal(siblings_by_position(f, ""), "i1 i2 i3");
    OK(f, "chair", CMD_AGENDA_ADD, .title = "Mot d'accueil", .has = HAS_POSITION, .position = 0);
    assert_int_equal(fx_last(f)->b.position, 0);
    assert_string_equal(siblings_by_position(f, ""), "i4 i1 i2 i3");
    OK(f, "chair", CMD_AGENDA_ADD, .title = "Point d'étape", .has = HAS_POSITION, .position = 2);
    assert_string_equal(siblings_by_position(f, ""), "i4 i1 i5 i2 i3");
    /* the position right after the last sibling is the end */
    OK(f, "secr", CMD_AGENDA_ADD, .title = "Questions diverses", .has = HAS_POSITION,
       .position = 5);
    assert_string_equal(siblings_by_position(f, ""), "i4 i1 i5 i2 i3 i6");
    assert_string_equal(display_order(f), "i4 i1 i5 i2 i3 i6");
}

static void
test_sub_items_are_ordered_among_their_own_siblings(void **state)
{
    struct fx *f = *state;
    fx_agenda(f, three);
    OK(f, "chair", CMD_AGENDA_ADD, .title = "Bilan locatif", .parent = "i2");
    assert_string_equal(fx_last(f)->b.parent, "i2");
    assert_int_equal(fx_last(f)->b.position, 0);
    OK(f, "chair", CMD_AGENDA_ADD, .title = "Bilan financier", .parent = "i2");
    assert_int_equal(fx_last(f)->b.position, 1);
    OK(f, "chair", CMD_AGENDA_ADD, .title = "Bilan social", .parent = "i2", .has = HAS_POSITION,
       .position = 0);
    OK(f, "chair", CMD_AGENDA_ADD, .title = "Calendrier", .parent = "i3");
    assert_string_equal(siblings_by_position(f, "i2"), "i6 i4 i5");
    assert_string_equal(siblings_by_position(f, "i3"), "i7");
    /* top-level positions did not move */
    assert_string_equal(siblings_by_position(f, ""), "i1 i2 i3");
    /* display order: each top-level item followed by its sub-items */
    assert_string_equal(display_order(f), "i1 i2 i6 i4 i5 i3 i7");
    OK(f, "chair", CMD_AGENDA_MOVE, .item = "i2", .has = HAS_POSITION, .position = 0);
    assert_string_equal(display_order(f), "i2 i6 i4 i5 i1 i3 i7");
}

static void
test_sub_items_have_one_level_only(void **state)
{
    struct fx *f = *state;
    fx_agenda(f, three);
    OK(f, "chair", CMD_AGENDA_ADD, .title = "Sous-point", .parent = "i1");
    REFUSED(f, ERR_INVALID, "chair", CMD_AGENDA_ADD, .title = "Sous-sous-point", .parent = "i4");
}

static void
test_a_sub_item_of_an_unknown_or_removed_item_is_not_found(void **state)
{
    struct fx *f = *state;
    fx_agenda(f, three);
    REFUSED(f, ERR_NOT_FOUND, "chair", CMD_AGENDA_ADD, .title = "Sous-point", .parent = "i9");
    OK(f, "chair", CMD_AGENDA_REMOVE, .item = "i3");
    REFUSED(f, ERR_NOT_FOUND, "chair", CMD_AGENDA_ADD, .title = "Sous-point", .parent = "i3");
}

static void
test_the_position_of_a_new_sub_item_counts_only_its_siblings(void **state)
{
    struct fx *f = *state;
    fx_agenda(f, three);
    /* three top-level items, but no sub-item yet under i1: only 0 is valid */
    REFUSED(f, ERR_INVALID, "chair", CMD_AGENDA_ADD, .title = "Sous-point", .parent = "i1",
            .has = HAS_POSITION, .position = 1);
    OK(f, "chair", CMD_AGENDA_ADD, .title = "Sous-point", .parent = "i1", .has = HAS_POSITION,
       .position = 0);
}

/* ---- editing -------------------------------------------------------------------------- */

static void
test_edit_changes_the_given_fields_and_writes_every_value(void **state)
{
    struct fx *f = *state;
    OK(f, "chair", CMD_AGENDA_ADD, .title = "Bilan", .description = "Texte", .presenter = "DREAL",
       .kind = "deliberation", .has = HAS_DURATION | HAS_SPEAKING_TIME, .duration = 600,
       .speaking_time = 90);
    OK(f, "secr", CMD_AGENDA_EDIT, .item = "i1", .title = "Bilan 2020", .has = HAS_DURATION,
       .duration = 900);
    EVENTS(f, EV_AGENDA_ITEM_EDITED);
    const struct event *ev = fx_last(f);
    assert_string_equal(ev->b.item, "i1");
    assert_string_equal(ev->b.title, "Bilan 2020");
    assert_string_equal(ev->b.description, "Texte");
    assert_string_equal(ev->b.presenter, "DREAL");
    assert_string_equal(ev->b.kind, "deliberation");
    assert_int_equal(ev->b.duration, 900);
    assert_int_equal(ev->b.speaking_time, 90);
    OK(f, "chair", CMD_AGENDA_EDIT, .item = "i1", .kind = "vote", .description = "",
       .has = HAS_SPEAKING_TIME, .speaking_time = 0);
    const struct item *it = fx_item(f, "i1");
    assert_string_equal(it->title, "Bilan 2020");
    assert_string_equal(it->description, "");
    assert_int_equal(it->kind, ITEM_VOTE);
    assert_int_equal(it->duration_s, 900);
    assert_int_equal(it->speaking_s, 0);
}

static void
test_edit_refuses_an_empty_title_and_an_unknown_kind(void **state)
{
    struct fx *f = *state;
    fx_agenda(f, three);
    REFUSED(f, ERR_INVALID, "chair", CMD_AGENDA_EDIT, .item = "i1", .title = "");
    REFUSED(f, ERR_INVALID, "chair", CMD_AGENDA_EDIT, .item = "i1", .kind = "debate");
    REFUSED(f, ERR_INVALID, "chair", CMD_AGENDA_EDIT, .item = "i1", .kind = "");
}

static void
test_edit_of_an_item_being_discussed_or_done_is_allowed(void **state)
{
    struct fx *f = *state;
    fx_agenda(f, three);
    fx_open(f);
    OK(f, "chair", CMD_AGENDA_OPEN, .item = "i1");
    OK(f, "secr", CMD_AGENDA_EDIT, .item = "i1", .presenter = "M. le Préfet");
    OK(f, "chair", CMD_AGENDA_CLOSE, NO_BODY);
    OK(f, "secr", CMD_AGENDA_EDIT, .item = "i1", .title = "Ouverture (faite)");
    assert_int_equal(fx_item(f, "i1")->state, ITEM_DONE);
}

/* ---- moving --------------------------------------------------------------------------- */

static void
test_move_renumbers_the_siblings_densely(void **state)
{
    struct fx *f = *state;
    static const char *const five[] = {"A", "B", "C", "D", "E", NULL};
    fx_agenda(f, five);
    OK(f, "chair", CMD_AGENDA_MOVE, .item = "i1", .has = HAS_POSITION, .position = 3);
    EVENTS(f, EV_AGENDA_ITEM_MOVED);
    assert_string_equal(fx_last(f)->b.item, "i1");
    assert_int_equal(fx_last(f)->b.position, 3);
    assert_string_equal(siblings_by_position(f, ""), "i2 i3 i4 i1 i5");
    OK(f, "secr", CMD_AGENDA_MOVE, .item = "i5", .has = HAS_POSITION, .position = 0);
    assert_string_equal(siblings_by_position(f, ""), "i5 i2 i3 i4 i1");
    OK(f, "chair", CMD_AGENDA_MOVE, .item = "i3", .has = HAS_POSITION, .position = 4);
    assert_string_equal(siblings_by_position(f, ""), "i5 i2 i4 i1 i3");
    OK(f, "chair", CMD_AGENDA_MOVE, .item = "i2", .has = HAS_POSITION, .position = 2);
    assert_string_equal(siblings_by_position(f, ""), "i5 i4 i2 i1 i3");
    assert_string_equal(display_order(f), "i5 i4 i2 i1 i3");
}

static void
test_move_of_a_sub_item_stays_among_its_siblings(void **state)
{
    struct fx *f = *state;
    fx_agenda(f, three);
    OK(f, "chair", CMD_AGENDA_ADD, .title = "a", .parent = "i2");
    OK(f, "chair", CMD_AGENDA_ADD, .title = "b", .parent = "i2");
    OK(f, "chair", CMD_AGENDA_ADD, .title = "c", .parent = "i2");
    OK(f, "chair", CMD_AGENDA_MOVE, .item = "i6", .has = HAS_POSITION, .position = 0);
    assert_string_equal(siblings_by_position(f, "i2"), "i6 i4 i5");
    assert_string_equal(siblings_by_position(f, ""), "i1 i2 i3");
    /* a sub-item has 3 siblings: position 3 is out of range even with 3 top-level items */
    REFUSED(f, ERR_INVALID, "chair", CMD_AGENDA_MOVE, .item = "i4", .has = HAS_POSITION,
            .position = 3);
}

static void
test_move_to_the_current_position_is_a_conflict(void **state)
{
    struct fx *f = *state;
    fx_agenda(f, three);
    REFUSED(f, ERR_CONFLICT, "chair", CMD_AGENDA_MOVE, .item = "i2", .has = HAS_POSITION,
            .position = 1);
}

static void
test_move_refuses_a_position_past_the_last_sibling(void **state)
{
    struct fx *f = *state;
    fx_agenda(f, three);
    REFUSED(f, ERR_INVALID, "chair", CMD_AGENDA_MOVE, .item = "i1", .has = HAS_POSITION,
            .position = 3);
    REFUSED(f, ERR_INVALID, "chair", CMD_AGENDA_MOVE, .item = "i1", .has = HAS_POSITION,
            .position = 100000);
    REFUSED(f, ERR_INVALID, "chair", CMD_AGENDA_MOVE, .item = "i1", .has = HAS_POSITION,
            .position = INT64_MAX);
}

static void
test_move_refuses_a_negative_position(void **state)
{
    struct fx *f = *state;
    fx_agenda(f, three);
    REFUSED(f, ERR_INVALID, "chair", CMD_AGENDA_MOVE, .item = "i2", .has = HAS_POSITION,
            .position = -1);
    REFUSED(f, ERR_INVALID, "chair", CMD_AGENDA_MOVE, .item = "i2", .has = HAS_POSITION,
            .position = INT64_MIN);
    assert_string_equal(siblings_by_position(f, ""), "i1 i2 i3");
}

/* ---- removing ------------------------------------------------------------------------- */

static void
test_remove_renumbers_the_following_siblings(void **state)
{
    struct fx *f = *state;
    static const char *const four[] = {"A", "B", "C", "D", NULL};
    fx_agenda(f, four);
    OK(f, "secr", CMD_AGENDA_REMOVE, .item = "i2");
    EVENTS(f, EV_AGENDA_ITEM_REMOVED);
    assert_string_equal(fx_last(f)->b.item, "i2");
    assert_string_equal(siblings_by_position(f, ""), "i1 i3 i4");
    assert_int_equal(meeting_item_index(f->m, "i2"), -1);
    REFUSED(f, ERR_NOT_FOUND, "chair", CMD_AGENDA_REMOVE, .item = "i2");
    REFUSED(f, ERR_NOT_FOUND, "chair", CMD_AGENDA_EDIT, .item = "i2", .title = "B'");
    assert_string_equal(display_order(f), "i1 i3 i4");
}

static void
test_identifiers_of_removed_items_are_never_given_again(void **state)
{
    struct fx *f = *state;
    fx_agenda(f, three);
    OK(f, "chair", CMD_AGENDA_REMOVE, .item = "i3");
    OK(f, "chair", CMD_AGENDA_ADD, .title = "Divers");
    assert_string_equal(fx_last(f)->b.item, "i4");
    assert_string_equal(siblings_by_position(f, ""), "i1 i2 i4");
}

static void
test_remove_refuses_an_item_with_sub_items(void **state)
{
    struct fx *f = *state;
    fx_agenda(f, three);
    OK(f, "chair", CMD_AGENDA_ADD, .title = "a", .parent = "i1");
    REFUSED(f, ERR_CONFLICT, "chair", CMD_AGENDA_REMOVE, .item = "i1");
    OK(f, "chair", CMD_AGENDA_REMOVE, .item = "i4");
    OK(f, "chair", CMD_AGENDA_REMOVE, .item = "i1");
    assert_string_equal(siblings_by_position(f, ""), "i2 i3");
}

static void
test_remove_is_refused_once_the_item_was_opened(void **state)
{
    struct fx *f = *state;
    fx_agenda(f, three);
    fx_open(f);
    OK(f, "chair", CMD_AGENDA_OPEN, .item = "i1");
    REFUSED(f, ERR_BAD_STATE, "chair", CMD_AGENDA_REMOVE, .item = "i1"); /* current */
    f->now += 5 * MIN;
    OK(f, "chair", CMD_AGENDA_OPEN, .item = "i2");
    REFUSED(f, ERR_BAD_STATE, "chair", CMD_AGENDA_REMOVE, .item = "i1"); /* done */
    f->now += 5 * MIN;
    OK(f, "chair", CMD_AGENDA_POSTPONE, .item = "i2");
    REFUSED(f, ERR_BAD_STATE, "secr", CMD_AGENDA_REMOVE, .item = "i2"); /* opened, postponed */
}

static void
test_remove_is_refused_for_an_item_opened_and_postponed_within_the_same_millisecond(void **state)
{
    struct fx *f = *state;
    fx_agenda(f, three);
    fx_open(f);
    OK(f, "chair", CMD_AGENDA_OPEN, .item = "i1");
    OK(f, "b1", CMD_SPEAKER_REQUEST, NO_BODY);
    OK(f, "chair", CMD_AGENDA_POSTPONE, .item = "i1"); /* same `now`: no time spent on it */
    REFUSED(f, ERR_BAD_STATE, "chair", CMD_AGENDA_REMOVE, .item = "i1");
}

static void
test_a_postponed_item_never_opened_may_be_removed(void **state)
{
    struct fx *f = *state;
    fx_agenda(f, three);
    fx_open(f);
    OK(f, "chair", CMD_AGENDA_POSTPONE, .item = "i3");
    OK(f, "chair", CMD_AGENDA_REMOVE, .item = "i3");
}

/* ---- opening, closing, postponing ----------------------------------------------------- */

static void
test_items_open_only_while_the_meeting_is_open(void **state)
{
    struct fx *f = *state;
    fx_agenda(f, three);
    REFUSED(f, ERR_BAD_STATE, "chair", CMD_AGENDA_OPEN, .item = "i1"); /* scheduled */
    fx_open(f);
    OK(f, "chair", CMD_MEETING_SUSPEND, NO_BODY);
    REFUSED(f, ERR_BAD_STATE, "chair", CMD_AGENDA_OPEN, .item = "i1");
    OK(f, "chair", CMD_MEETING_RESUME, NO_BODY);
    OK(f, "chair", CMD_AGENDA_OPEN, .item = "i1");
}

static void
test_opening_an_item_makes_it_current(void **state)
{
    struct fx *f = *state;
    fx_agenda(f, three);
    fx_open(f);
    f->now += MIN;
    OK(f, "chair", CMD_AGENDA_OPEN, .item = "i2");
    EVENTS(f, EV_AGENDA_ITEM_OPENED);
    assert_string_equal(fx_last(f)->b.item, "i2");
    assert_string_equal(fx_last(f)->actor, "chair");
    assert_int_equal(f->m->current, meeting_item_index(f->m, "i2"));
    const struct item *it = fx_item(f, "i2");
    assert_int_equal(it->state, ITEM_CURRENT);
    assert_int_equal(it->opened_at, NOW + MIN);
    REFUSED(f, ERR_CONFLICT, "chair", CMD_AGENDA_OPEN, .item = "i2");
}

static void
test_opening_another_item_closes_the_current_one_and_ends_the_turn(void **state)
{
    struct fx *f = *state;
    fx_agenda(f, three);
    fx_open(f);
    OK(f, "chair", CMD_AGENDA_OPEN, .item = "i1");
    OK(f, "b1", CMD_SPEAKER_REQUEST, NO_BODY);
    f->now += 10 * SEC;
    OK(f, "chair", CMD_SPEAKER_NEXT, NO_BODY);
    f->now += 42 * SEC;
    OK(f, "chair", CMD_AGENDA_OPEN, .item = "i3");
    EVENTS(f, EV_SPEAKER_TURN_ENDED, EV_AGENDA_ITEM_CLOSED, EV_AGENDA_ITEM_OPENED);
    assert_string_equal(fx_ev(f, 0)->b.participant, "b1");
    assert_int_equal(fx_ev(f, 0)->b.spoken, 42 * SEC);
    assert_string_equal(fx_ev(f, 1)->b.item, "i1");
    assert_string_equal(fx_ev(f, 2)->b.item, "i3");
    assert_false(f->m->turn.active);
    assert_int_equal(fx_item(f, "i1")->state, ITEM_DONE);
    assert_int_equal(fx_item(f, "i3")->state, ITEM_CURRENT);
    assert_int_equal(fx_item(f, "i1")->actual_ms, 52 * SEC);
}

static void
test_opening_another_item_without_a_turn_writes_no_turn_end(void **state)
{
    struct fx *f = *state;
    fx_agenda(f, three);
    fx_open(f);
    OK(f, "chair", CMD_AGENDA_OPEN, .item = "i1");
    OK(f, "chair", CMD_AGENDA_OPEN, .item = "i2");
    EVENTS(f, EV_AGENDA_ITEM_CLOSED, EV_AGENDA_ITEM_OPENED);
}

static void
test_a_sub_item_may_be_opened_and_closes_its_parent(void **state)
{
    struct fx *f = *state;
    fx_agenda(f, three);
    OK(f, "chair", CMD_AGENDA_ADD, .title = "a", .parent = "i2");
    fx_open(f);
    OK(f, "chair", CMD_AGENDA_OPEN, .item = "i2");
    OK(f, "chair", CMD_AGENDA_OPEN, .item = "i4");
    EVENTS(f, EV_AGENDA_ITEM_CLOSED, EV_AGENDA_ITEM_OPENED);
    assert_int_equal(fx_item(f, "i2")->state, ITEM_DONE);
    assert_int_equal(fx_item(f, "i4")->state, ITEM_CURRENT);
}

static void
test_close_defaults_to_the_current_item_and_ends_the_turn(void **state)
{
    struct fx *f = *state;
    fx_agenda(f, three);
    fx_open(f);
    REFUSED(f, ERR_BAD_STATE, "chair", CMD_AGENDA_CLOSE, NO_BODY); /* nothing current */
    OK(f, "chair", CMD_AGENDA_OPEN, .item = "i1");
    OK(f, "chair", CMD_SPEAKER_GIVE, .participant = "l2");
    REFUSED(f, ERR_BAD_STATE, "chair", CMD_AGENDA_CLOSE, .item = "i2"); /* not current */
    f->now += 3 * SEC;
    OK(f, "chair", CMD_AGENDA_CLOSE, NO_BODY);
    EVENTS(f, EV_SPEAKER_TURN_ENDED, EV_AGENDA_ITEM_CLOSED);
    assert_string_equal(fx_ev(f, 1)->b.item, "i1");
    assert_int_equal(f->m->current, -1);
    assert_int_equal(fx_item(f, "i1")->state, ITEM_DONE);
    REFUSED(f, ERR_BAD_STATE, "chair", CMD_AGENDA_CLOSE, .item = "i1");
}

static void
test_close_names_the_current_item_explicitly(void **state)
{
    struct fx *f = *state;
    fx_agenda(f, three);
    fx_open(f);
    OK(f, "chair", CMD_AGENDA_OPEN, .item = "i2");
    OK(f, "chair", CMD_AGENDA_CLOSE, .item = "i2");
    EVENTS(f, EV_AGENDA_ITEM_CLOSED);
}

static void
test_postponing_the_current_item_ends_the_turn_and_leaves_nothing_current(void **state)
{
    struct fx *f = *state;
    fx_agenda(f, three);
    fx_open(f);
    OK(f, "chair", CMD_AGENDA_OPEN, .item = "i2");
    OK(f, "chair", CMD_SPEAKER_GIVE, .participant = "b3");
    f->now += MIN;
    OK(f, "chair", CMD_AGENDA_POSTPONE, .item = "i2");
    EVENTS(f, EV_SPEAKER_TURN_ENDED, EV_AGENDA_ITEM_POSTPONED);
    assert_int_equal(fx_ev(f, 0)->b.spoken, MIN);
    assert_int_equal(f->m->current, -1);
    assert_int_equal(fx_item(f, "i2")->state, ITEM_POSTPONED);
    assert_int_equal(fx_item(f, "i2")->actual_ms, MIN);
}

static void
test_postponing_a_pending_item_changes_nothing_else(void **state)
{
    struct fx *f = *state;
    fx_agenda(f, three);
    fx_open(f);
    OK(f, "chair", CMD_AGENDA_OPEN, .item = "i1");
    OK(f, "chair", CMD_SPEAKER_GIVE, .participant = "b3");
    OK(f, "chair", CMD_AGENDA_POSTPONE, .item = "i3");
    EVENTS(f, EV_AGENDA_ITEM_POSTPONED);
    assert_true(f->m->turn.active);
    assert_int_equal(f->m->current, meeting_item_index(f->m, "i1"));
}

static void
test_postpone_refuses_an_item_done_or_already_postponed(void **state)
{
    struct fx *f = *state;
    fx_agenda(f, three);
    fx_open(f);
    OK(f, "chair", CMD_AGENDA_OPEN, .item = "i1");
    OK(f, "chair", CMD_AGENDA_CLOSE, NO_BODY);
    REFUSED(f, ERR_BAD_STATE, "chair", CMD_AGENDA_POSTPONE, .item = "i1");
    OK(f, "chair", CMD_AGENDA_POSTPONE, .item = "i2");
    REFUSED(f, ERR_BAD_STATE, "chair", CMD_AGENDA_POSTPONE, .item = "i2");
}

static void
test_a_postponed_or_done_item_may_be_opened_again(void **state)
{
    struct fx *f = *state;
    fx_agenda(f, three);
    fx_open(f);
    OK(f, "chair", CMD_AGENDA_POSTPONE, .item = "i1");
    OK(f, "chair", CMD_AGENDA_OPEN, .item = "i1");
    assert_int_equal(fx_item(f, "i1")->state, ITEM_CURRENT);
    OK(f, "chair", CMD_AGENDA_CLOSE, NO_BODY);
    OK(f, "chair", CMD_AGENDA_OPEN, .item = "i1");
    assert_int_equal(fx_item(f, "i1")->state, ITEM_CURRENT);
}

/* ---- planned and actual time ---------------------------------------------------------- */

static void
test_actual_time_adds_up_the_closed_openings(void **state)
{
    struct fx *f = *state;
    OK(f, "chair", CMD_AGENDA_ADD, .title = "Bilan", .has = HAS_DURATION, .duration = 1200);
    OK(f, "chair", CMD_AGENDA_ADD, .title = "Divers", .has = HAS_DURATION, .duration = 300);
    fx_open(f);
    f->now = NOW + 1 * MIN;
    OK(f, "chair", CMD_AGENDA_OPEN, .item = "i1");
    f->now = NOW + 11 * MIN;
    OK(f, "chair", CMD_AGENDA_OPEN, .item = "i2"); /* closes i1 after 10 min */
    assert_int_equal(fx_item(f, "i1")->actual_ms, 10 * MIN);
    assert_int_equal(fx_item(f, "i1")->opened_at, 0);
    f->now = NOW + 14 * MIN;
    OK(f, "chair", CMD_AGENDA_POSTPONE, .item = "i2");
    assert_int_equal(fx_item(f, "i2")->actual_ms, 3 * MIN);
    f->now = NOW + 20 * MIN;
    OK(f, "chair", CMD_AGENDA_OPEN, .item = "i1");
    /* while current: actual holds the closed openings, opened_at the running one */
    assert_int_equal(fx_item(f, "i1")->actual_ms, 10 * MIN);
    assert_int_equal(fx_item(f, "i1")->opened_at, NOW + 20 * MIN);
    f->now = NOW + 25 * MIN + 500;
    OK(f, "chair", CMD_MEETING_CLOSE, NO_BODY);
    EVENTS(f, EV_AGENDA_ITEM_CLOSED, EV_MEETING_CLOSED);
    assert_int_equal(fx_item(f, "i1")->actual_ms, 15 * MIN + 500);
    /* planned stays what was planned */
    assert_int_equal(fx_item(f, "i1")->duration_s, 1200);
    assert_int_equal(fx_item(f, "i2")->duration_s, 300);
}

static void
test_suspending_the_meeting_does_not_stop_the_item_clock(void **state)
{
    struct fx *f = *state;
    fx_agenda(f, three);
    fx_open(f);
    OK(f, "chair", CMD_AGENDA_OPEN, .item = "i1");
    f->now += 5 * MIN;
    OK(f, "chair", CMD_MEETING_SUSPEND, NO_BODY);
    f->now += 5 * MIN;
    OK(f, "chair", CMD_MEETING_RESUME, NO_BODY);
    assert_int_equal(fx_item(f, "i1")->state, ITEM_CURRENT);
    f->now += 5 * MIN;
    OK(f, "chair", CMD_AGENDA_CLOSE, NO_BODY);
    assert_int_equal(fx_item(f, "i1")->actual_ms, 15 * MIN);
}

static void
test_closing_the_meeting_ends_the_turn_then_closes_the_item(void **state)
{
    struct fx *f = *state;
    fx_agenda(f, three);
    fx_open(f);
    OK(f, "chair", CMD_AGENDA_OPEN, .item = "i1");
    OK(f, "l3", CMD_SPEAKER_REQUEST, NO_BODY);
    OK(f, "chair", CMD_SPEAKER_NEXT, NO_BODY);
    f->now += 20 * SEC;
    OK(f, "chair", CMD_MEETING_CLOSE, NO_BODY);
    EVENTS(f, EV_SPEAKER_TURN_ENDED, EV_AGENDA_ITEM_CLOSED, EV_MEETING_CLOSED);
    assert_int_equal(fx_ev(f, 0)->b.spoken, 20 * SEC);
    assert_int_equal(f->m->current, -1);
    assert_false(f->m->turn.active);
}

/* ---- hostile input -------------------------------------------------------------------- */

static void
test_unknown_items_are_not_found(void **state)
{
    struct fx *f = *state;
    fx_agenda(f, three);
    fx_open(f);
    REFUSED(f, ERR_NOT_FOUND, "chair", CMD_AGENDA_EDIT, .item = "i9", .title = "x");
    REFUSED(f, ERR_NOT_FOUND, "chair", CMD_AGENDA_MOVE, .item = "i9", .has = HAS_POSITION,
            .position = 0);
    REFUSED(f, ERR_NOT_FOUND, "chair", CMD_AGENDA_REMOVE, .item = "i9");
    REFUSED(f, ERR_NOT_FOUND, "chair", CMD_AGENDA_OPEN, .item = "i9");
    REFUSED(f, ERR_NOT_FOUND, "chair", CMD_AGENDA_CLOSE, .item = "i9");
    REFUSED(f, ERR_NOT_FOUND, "chair", CMD_AGENDA_POSTPONE, .item = "i9");
    REFUSED(f, ERR_NOT_FOUND, "chair", CMD_AGENDA_OPEN, .item = "");
    REFUSED(f, ERR_NOT_FOUND, "chair", CMD_AGENDA_OPEN, NO_BODY);
    REFUSED(f, ERR_NOT_FOUND, "chair", CMD_AGENDA_REMOVE, NO_BODY);
    REFUSED(f, ERR_NOT_FOUND, "chair", CMD_AGENDA_EDIT, .title = "x");
}

static void
test_add_refuses_a_negative_or_absurd_position(void **state)
{
    struct fx *f = *state;
    fx_agenda(f, three);
    REFUSED(f, ERR_INVALID, "chair", CMD_AGENDA_ADD, .title = "x", .has = HAS_POSITION,
            .position = 4);
    REFUSED(f, ERR_INVALID, "chair", CMD_AGENDA_ADD, .title = "x", .has = HAS_POSITION,
            .position = INT64_MAX);
    REFUSED(f, ERR_INVALID, "chair", CMD_AGENDA_ADD, .title = "x", .has = HAS_POSITION,
            .position = -1);
    REFUSED(f, ERR_INVALID, "chair", CMD_AGENDA_ADD, .title = "x", .has = HAS_POSITION,
            .position = INT64_MIN);
    assert_string_equal(siblings_by_position(f, ""), "i1 i2 i3");
}

static void
test_add_refuses_a_negative_duration_or_speaking_time(void **state)
{
    struct fx *f = *state;
    REFUSED(f, ERR_INVALID, "chair", CMD_AGENDA_ADD, .title = "x", .has = HAS_DURATION,
            .duration = -60);
    REFUSED(f, ERR_INVALID, "chair", CMD_AGENDA_ADD, .title = "x", .has = HAS_SPEAKING_TIME,
            .speaking_time = -1);
    OK(f, "chair", CMD_AGENDA_ADD, .title = "x");
    REFUSED(f, ERR_INVALID, "chair", CMD_AGENDA_EDIT, .item = "i1", .has = HAS_DURATION,
            .duration = INT64_MIN);
    REFUSED(f, ERR_INVALID, "chair", CMD_AGENDA_EDIT, .item = "i1", .has = HAS_SPEAKING_TIME,
            .speaking_time = -180);
}

static void
test_add_refuses_an_unknown_kind(void **state)
{
    struct fx *f = *state;
    REFUSED(f, ERR_INVALID, "chair", CMD_AGENDA_ADD, .title = "x", .kind = "debate");
    REFUSED(f, ERR_INVALID, "chair", CMD_AGENDA_ADD, .title = "x", .kind = "Vote");
    REFUSED(f, ERR_INVALID, "chair", CMD_AGENDA_ADD, .title = "x", .kind = "");
    OK(f, "chair", CMD_AGENDA_ADD, .title = "x", .kind = "deliberation");
}

static void
test_add_refuses_an_empty_or_missing_title(void **state)
{
    struct fx *f = *state;
    REFUSED(f, ERR_INVALID, "chair", CMD_AGENDA_ADD, .title = "");
    REFUSED(f, ERR_INVALID, "chair", CMD_AGENDA_ADD, .description = "sans titre");
    assert_int_equal(f->m->nitems, 0);
}

static void
test_the_agenda_holds_at_most_a_thousand_items(void **state)
{
    struct fx *f = *state;
    f->unchecked = true;
    for (int i = 0; i < 1000; i++) {
        OK(f, "secr", CMD_AGENDA_ADD, .title = "point");
    }
    REFUSED(f, ERR_TOO_LARGE, "secr", CMD_AGENDA_ADD, .title = "un de trop");
    /* removing does not make room: identifiers are never reused */
    OK(f, "secr", CMD_AGENDA_REMOVE, .item = "i1000");
    f->unchecked = false;
    REFUSED(f, ERR_TOO_LARGE, "secr", CMD_AGENDA_ADD, .title = "un de trop");
}

static void
test_a_closed_meeting_refuses_every_agenda_command(void **state)
{
    struct fx *f = *state;
    fx_agenda(f, three);
    fx_open(f);
    OK(f, "chair", CMD_AGENDA_OPEN, .item = "i1");
    OK(f, "chair", CMD_MEETING_CLOSE, NO_BODY);
    REFUSED(f, ERR_BAD_STATE, "chair", CMD_AGENDA_ADD, .title = "x");
    REFUSED(f, ERR_BAD_STATE, "secr", CMD_AGENDA_EDIT, .item = "i2", .title = "x");
    REFUSED(f, ERR_BAD_STATE, "chair", CMD_AGENDA_MOVE, .item = "i2", .has = HAS_POSITION,
            .position = 0);
    REFUSED(f, ERR_BAD_STATE, "chair", CMD_AGENDA_REMOVE, .item = "i3");
    REFUSED(f, ERR_BAD_STATE, "chair", CMD_AGENDA_OPEN, .item = "i2");
    REFUSED(f, ERR_BAD_STATE, "chair", CMD_AGENDA_CLOSE, NO_BODY);
    REFUSED(f, ERR_BAD_STATE, "chair", CMD_AGENDA_POSTPONE, .item = "i2");
    /* the permission is checked first, whatever the state */
    REFUSED(f, ERR_FORBIDDEN, "b1", CMD_AGENDA_ADD, .title = "x");
}

static void
test_the_agenda_may_be_prepared_before_the_meeting_opens(void **state)
{
    struct fx *f = *state;
    fx_agenda(f, three);
    OK(f, "chair", CMD_AGENDA_MOVE, .item = "i3", .has = HAS_POSITION, .position = 0);
    OK(f, "secr", CMD_AGENDA_EDIT, .item = "i3", .title = "Urgence");
    OK(f, "chair", CMD_AGENDA_POSTPONE, .item = "i2");
    OK(f, "chair", CMD_AGENDA_REMOVE, .item = "i1");
    assert_string_equal(siblings_by_position(f, ""), "i3 i2");
    assert_int_equal(f->m->state, MEETING_SCHEDULED);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, fx_setup, fx_teardown)
        T(test_chair_adds_an_item_at_the_end_with_default_values),
        T(test_secretary_adds_an_item_with_every_field),
        T(test_members_and_observers_may_not_touch_the_agenda),
        T(test_items_are_appended_in_order_and_positions_stay_dense),
        T(test_sub_items_are_ordered_among_their_own_siblings),
        T(test_sub_items_have_one_level_only),
        T(test_a_sub_item_of_an_unknown_or_removed_item_is_not_found),
        T(test_the_position_of_a_new_sub_item_counts_only_its_siblings),
        T(test_edit_changes_the_given_fields_and_writes_every_value),
        T(test_edit_refuses_an_empty_title_and_an_unknown_kind),
        T(test_edit_of_an_item_being_discussed_or_done_is_allowed),
        T(test_move_renumbers_the_siblings_densely),
        T(test_move_of_a_sub_item_stays_among_its_siblings),
        T(test_move_to_the_current_position_is_a_conflict),
        T(test_move_refuses_a_position_past_the_last_sibling),
        T(test_move_refuses_a_negative_position),
        T(test_remove_renumbers_the_following_siblings),
        T(test_identifiers_of_removed_items_are_never_given_again),
        T(test_remove_refuses_an_item_with_sub_items),
        T(test_remove_is_refused_once_the_item_was_opened),
        T(test_remove_is_refused_for_an_item_opened_and_postponed_within_the_same_millisecond),
        T(test_a_postponed_item_never_opened_may_be_removed),
        T(test_items_open_only_while_the_meeting_is_open),
        T(test_opening_an_item_makes_it_current),
        T(test_opening_another_item_closes_the_current_one_and_ends_the_turn),
        T(test_opening_another_item_without_a_turn_writes_no_turn_end),
        T(test_a_sub_item_may_be_opened_and_closes_its_parent),
        T(test_close_defaults_to_the_current_item_and_ends_the_turn),
        T(test_close_names_the_current_item_explicitly),
        T(test_postponing_the_current_item_ends_the_turn_and_leaves_nothing_current),
        T(test_postponing_a_pending_item_changes_nothing_else),
        T(test_postpone_refuses_an_item_done_or_already_postponed),
        T(test_a_postponed_or_done_item_may_be_opened_again),
        T(test_actual_time_adds_up_the_closed_openings),
        T(test_suspending_the_meeting_does_not_stop_the_item_clock),
        T(test_closing_the_meeting_ends_the_turn_then_closes_the_item),
        T(test_unknown_items_are_not_found),
        T(test_add_refuses_a_negative_or_absurd_position),
        T(test_add_refuses_a_negative_duration_or_speaking_time),
        T(test_add_refuses_an_unknown_kind),
        T(test_add_refuses_an_empty_or_missing_title),
        T(test_the_agenda_holds_at_most_a_thousand_items),
        T(test_a_closed_meeting_refuses_every_agenda_command),
        T(test_the_agenda_may_be_prepared_before_the_meeting_opens),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
