/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_speakers.c - core/speakers.c: requests to speak, the order in which
 * the floor is given (points of order, replies, first turn, alternation of
 * colleges, the chair's moves), turns and their timers, statistics.
 *
 * The roster (meeting_fixture.h) has three members in each college, b1..b3
 * (bailleurs) and l1..l3 (locataires), and a chair and a secretary without
 * college. Orders are read with speakers_order(), the function the snapshot
 * uses, as "l2/point_of_order b1/contribution" or just "l2 b1". Timers are
 * checked against the `now` each command was given, to the millisecond.
 */
#include "meeting_fixture.h"

#include <jansson.h>

#define HOUR (60 * MIN)

/* Three items, the meeting open and i1 current. */
static int
setup_item(void **state)
{
    static const char *const items[] = {"Bilan 2020", "Feuille de route", "Divers", NULL};
    struct fx *f = fx_new();
    fx_agenda(f, items);
    fx_open(f);
    OK(f, "chair", CMD_AGENDA_OPEN, .item = "i1");
    *state = f;
    return 0;
}

static void
request(struct fx *f, const char *who, const char *kind)
{
    OK(f, who, CMD_SPEAKER_REQUEST, .kind = (char *)kind);
}

/* Everyone in `who` (NULL-terminated) asks for a contribution, in that order. */
static void
requests(struct fx *f, const char *const *who)
{
    for (size_t i = 0; who[i]; i++) {
        request(f, who[i], NULL);
    }
}

/* Give the floor to `who` (without request) and end the turn after `ms`. */
static void
speak(struct fx *f, const char *who, int64_t ms)
{
    OK(f, "chair", CMD_SPEAKER_GIVE, .participant = (char *)who);
    f->now += ms;
    OK(f, "chair", CMD_SPEAKER_END, NO_BODY);
}

static void
configure_alternate(struct fx *f, bool on)
{
    OK(f, "chair", CMD_MEETING_CONFIGURE, .has = HAS_ALTERNATE, .alternate = on);
}

/* ---- requests ------------------------------------------------------------------------- */

static void
test_a_member_asks_for_the_floor_on_the_current_item(void **state)
{
    struct fx *f = *state;
    f->now += 7 * SEC;
    request(f, "b1", NULL);
    EVENTS(f, EV_SPEAKER_REQUESTED);
    const struct event *ev = fx_last(f);
    assert_string_equal(ev->actor, "b1");
    assert_string_equal(ev->b.request, "r1");
    assert_string_equal(ev->b.participant, "b1");
    assert_string_equal(ev->b.kind, "contribution");
    assert_string_equal(ev->b.item, "i1");
    assert_string_equal(fx_order(f, "i1", true), "b1/contribution");
    assert_int_equal(f->m->reqs[0].ts, NOW + 7 * SEC);
}

static void
test_the_chair_and_the_secretary_may_ask_for_the_floor_but_not_an_observer(void **state)
{
    struct fx *f = *state;
    request(f, "chair", NULL);
    request(f, "secr", "reply");
    REFUSED(f, ERR_FORBIDDEN, "obs", CMD_SPEAKER_REQUEST, NO_BODY);
    REFUSED(f, ERR_FORBIDDEN, "obs", CMD_SPEAKER_WITHDRAW, NO_BODY);
    assert_string_equal(fx_order(f, "i1", false), "secr chair");
}

static void
test_requests_need_an_open_meeting_and_a_current_item(void **state)
{
    (void)state;
    static const char *const items[] = {"Bilan", NULL};
    struct fx *f = fx_new();
    fx_agenda(f, items);
    REFUSED(f, ERR_BAD_STATE, "b1", CMD_SPEAKER_REQUEST, NO_BODY); /* scheduled */
    fx_open(f);
    REFUSED(f, ERR_BAD_STATE, "b1", CMD_SPEAKER_REQUEST, NO_BODY); /* nothing current */
    REFUSED(f, ERR_BAD_STATE, "chair", CMD_SPEAKER_NEXT, NO_BODY);
    REFUSED(f, ERR_BAD_STATE, "chair", CMD_SPEAKER_GIVE, .participant = "b1");
    OK(f, "chair", CMD_AGENDA_OPEN, .item = "i1");
    OK(f, "chair", CMD_MEETING_SUSPEND, NO_BODY);
    REFUSED(f, ERR_BAD_STATE, "b1", CMD_SPEAKER_REQUEST, NO_BODY); /* suspended */
    REFUSED(f, ERR_BAD_STATE, "chair", CMD_SPEAKER_CLOSE_LIST, NO_BODY);
    OK(f, "chair", CMD_MEETING_RESUME, NO_BODY);
    request(f, "b1", NULL);
    OK(f, "chair", CMD_MEETING_CLOSE, NO_BODY);
    REFUSED(f, ERR_BAD_STATE, "l1", CMD_SPEAKER_REQUEST, NO_BODY); /* closed */
    REFUSED(f, ERR_BAD_STATE, "b1", CMD_SPEAKER_WITHDRAW, NO_BODY);
    fx_free(f);
}

/* Requests are looked up by the number in their id (r1, r2 ... in order of
 * creation); a log with other ids still folds, by a scan. */
static int
apply_request_event(struct fx *f, enum ev_type type, const char *request, const char *who)
{
    struct event ev;
    memset(&ev, 0, sizeof(ev));
    ev.type = type;
    ev.seq = f->m->seq + 1;
    ev.ts = f->now;
    snprintf(ev.actor, sizeof(ev.actor), "%s", who);
    ev.b.request = (char *)request;
    ev.b.participant = (char *)who;
    ev.b.item = "i1";
    ev.b.kind = "contribution";
    int rc = meeting_apply(f->m, &ev);
    if (rc == 0) { /* into the log, so that the fixture's refold sees it */
        fx_keep(f);
        struct event *dst = evlist_push(&f->log, type);
        assert_non_null(dst);
        const char *src[] = {request, who, "i1", "contribution"};
        char **to[] = {&dst->b.request, &dst->b.participant, &dst->b.item, &dst->b.kind};
        for (size_t i = 0; i < 4; i++) {
            *to[i] = malloc(strlen(src[i]) + 1);
            assert_non_null(*to[i]);
            strcpy(*to[i], src[i]);
        }
        dst->seq = ev.seq;
        dst->ts = ev.ts;
        memcpy(dst->actor, ev.actor, sizeof(dst->actor));
    }
    return rc;
}

/* A meeting open on i1, for events applied by hand (not refolded at the end). */
static struct fx *
open_on_first_item(void)
{
    static const char *const items[] = {"Bilan", NULL};
    struct fx *f = fx_new();
    fx_agenda(f, items);
    fx_open(f);
    OK(f, "chair", CMD_AGENDA_OPEN, .item = "i1");
    return f;
}

static void
test_requests_with_ids_the_server_would_not_make_are_still_found(void **state)
{
    (void)state;
    struct fx *f = open_on_first_item();
    assert_int_equal(apply_request_event(f, EV_SPEAKER_REQUESTED, "x7", "b1"), 0);
    assert_int_equal(apply_request_event(f, EV_SPEAKER_REQUESTED, "r1", "b2"), 0);
    assert_int_not_equal(apply_request_event(f, EV_SPEAKER_REQUESTED, "x7", "b3"), 0);
    assert_int_not_equal(apply_request_event(f, EV_SPEAKER_REQUESTED, "r1", "b3"), 0);
    assert_string_equal(fx_order(f, "i1", false), "b1 b2");
    assert_int_equal(apply_request_event(f, EV_SPEAKER_WITHDRAWN, "r1", "b2"), 0);
    assert_int_equal(apply_request_event(f, EV_SPEAKER_WITHDRAWN, "x7", "b1"), 0);
    assert_string_equal(fx_order(f, "i1", false), "");
    assert_int_not_equal(apply_request_event(f, EV_SPEAKER_WITHDRAWN, "r9", "b1"), 0);
    fx_free(f);
}

static void
test_ids_past_the_last_request_are_not_found(void **state)
{
    (void)state;
    struct fx *f = open_on_first_item();
    request(f, "b1", NULL);
    assert_int_equal(apply_request_event(f, EV_SPEAKER_REQUESTED, "r2", "b2"), 0);
    assert_int_not_equal(apply_request_event(f, EV_SPEAKER_WITHDRAWN, "r3", "b2"), 0);
    assert_int_not_equal(apply_request_event(f, EV_SPEAKER_WITHDRAWN, "r02", "b2"), 0);
    assert_int_not_equal(apply_request_event(f, EV_SPEAKER_WITHDRAWN, "r99999999999", "b2"), 0);
    assert_int_not_equal(apply_request_event(f, EV_SPEAKER_REQUESTED, "r1", "b3"), 0);
    assert_int_equal(apply_request_event(f, EV_SPEAKER_WITHDRAWN, "r2", "b2"), 0);
    assert_string_equal(fx_order(f, "i1", false), "b1");
    fx_free(f);
}

static void
test_one_waiting_request_per_person_and_item(void **state)
{
    struct fx *f = *state;
    request(f, "b1", NULL);
    REFUSED(f, ERR_CONFLICT, "b1", CMD_SPEAKER_REQUEST, NO_BODY);
    REFUSED(f, ERR_CONFLICT, "b1", CMD_SPEAKER_REQUEST, .kind = "point_of_order");
    REFUSED(f, ERR_CONFLICT, "b1", CMD_SPEAKER_REQUEST, .kind = "reply");
    assert_string_equal(fx_order(f, "i1", true), "b1/contribution");
}

static void
test_once_served_a_member_may_ask_again(void **state)
{
    struct fx *f = *state;
    request(f, "b1", NULL);
    OK(f, "chair", CMD_SPEAKER_NEXT, NO_BODY);
    request(f, "b1", "reply"); /* while speaking */
    assert_string_equal(fx_order(f, "i1", true), "b1/reply");
}

static void
test_each_item_has_its_own_list(void **state)
{
    struct fx *f = *state;
    request(f, "b1", NULL);
    request(f, "l1", NULL);
    OK(f, "chair", CMD_AGENDA_OPEN, .item = "i2");
    request(f, "b1", NULL); /* her request on i1 waits there; this one is for i2 */
    assert_string_equal(fx_last(f)->b.item, "i2");
    assert_string_equal(fx_order(f, "i1", false), "b1 l1");
    assert_string_equal(fx_order(f, "i2", false), "b1");
    OK(f, "chair", CMD_SPEAKER_NEXT, NO_BODY);
    assert_string_equal(fx_last(f)->b.request, "r3");
    /* back on i1, its list is as it was left */
    OK(f, "chair", CMD_AGENDA_OPEN, .item = "i1");
    assert_string_equal(fx_order(f, "i1", false), "b1 l1");
    assert_string_equal(fx_order(f, "i2", false), "");
}

static void
test_an_unknown_request_kind_is_invalid(void **state)
{
    struct fx *f = *state;
    REFUSED(f, ERR_INVALID, "b1", CMD_SPEAKER_REQUEST, .kind = "motion");
    REFUSED(f, ERR_INVALID, "b1", CMD_SPEAKER_REQUEST, .kind = "");
    REFUSED(f, ERR_INVALID, "b1", CMD_SPEAKER_REQUEST, .kind = "Point_of_order");
}

static void
test_request_identifiers_follow_creation_and_are_never_reused(void **state)
{
    struct fx *f = *state;
    request(f, "b1", NULL);
    request(f, "l1", NULL);
    OK(f, "l1", CMD_SPEAKER_WITHDRAW, NO_BODY);
    request(f, "l1", NULL);
    assert_string_equal(fx_last(f)->b.request, "r3");
    OK(f, "chair", CMD_AGENDA_OPEN, .item = "i2");
    request(f, "b2", NULL);
    assert_string_equal(fx_last(f)->b.request, "r4");
}

/* ---- the order ------------------------------------------------------------------------ */

static void
test_points_of_order_come_first_then_replies_then_contributions(void **state)
{
    struct fx *f = *state;
    request(f, "b1", NULL);
    request(f, "l1", "reply");
    request(f, "b2", "contribution");
    request(f, "l2", "point_of_order");
    request(f, "b3", "reply");
    request(f, "secr", "point_of_order");
    assert_string_equal(fx_order(f, "i1", true),
                        "l2/point_of_order secr/point_of_order l1/reply b3/reply "
                        "b1/contribution b2/contribution");
    OK(f, "chair", CMD_SPEAKER_NEXT, NO_BODY);
    assert_string_equal(fx_last(f)->b.participant, "l2");
    assert_string_equal(fx_last(f)->b.kind, "point_of_order");
}

static void
test_first_turn_puts_those_who_have_not_spoken_on_the_item_first(void **state)
{
    struct fx *f = *state;
    speak(f, "b1", 30 * SEC);
    request(f, "b1", NULL);
    request(f, "l1", NULL);
    request(f, "b2", NULL);
    assert_string_equal(fx_order(f, "i1", false), "l1 b2 b1");
    /* the speaker asking again while still speaking counts as having spoken */
    OK(f, "chair", CMD_SPEAKER_NEXT, NO_BODY); /* l1 */
    request(f, "l1", NULL);
    request(f, "l2", NULL);
    assert_string_equal(fx_order(f, "i1", false), "b2 l2 b1 l1");
    /* on another item, everybody starts afresh */
    OK(f, "chair", CMD_AGENDA_OPEN, .item = "i2");
    request(f, "b1", NULL);
    request(f, "b3", NULL);
    assert_string_equal(fx_order(f, "i2", false), "b1 b3");
}

static void
test_first_turn_leaves_replies_and_points_of_order_in_arrival_order(void **state)
{
    struct fx *f = *state;
    speak(f, "b1", 10 * SEC);
    request(f, "b1", "reply");
    request(f, "l1", "reply");
    assert_string_equal(fx_order(f, "i1", false), "b1 l1");
}

static void
test_without_first_turn_arrival_order_rules(void **state)
{
    struct fx *f = *state;
    OK(f, "chair", CMD_MEETING_CONFIGURE, .has = HAS_FIRST_TURN, .first_turn = 0);
    speak(f, "b1", 30 * SEC);
    request(f, "b1", NULL);
    request(f, "l1", NULL);
    assert_string_equal(fx_order(f, "i1", false), "b1 l1");
    /* switched back on, the order changes at once */
    OK(f, "chair", CMD_MEETING_CONFIGURE, .has = HAS_FIRST_TURN, .first_turn = 1);
    assert_string_equal(fx_order(f, "i1", false), "l1 b1");
}

static void
test_alternation_starts_with_a_college_other_than_the_last_speakers(void **state)
{
    struct fx *f = *state;
    configure_alternate(f, true);
    OK(f, "chair", CMD_MEETING_CONFIGURE, .has = HAS_FIRST_TURN, .first_turn = 0);
    speak(f, "b1", 20 * SEC);
    static const char *const who[] = {"b2", "b3", "l1", "l2", NULL};
    requests(f, who);
    assert_string_equal(fx_order(f, "i1", false), "l1 b2 l2 b3");
    OK(f, "chair", CMD_SPEAKER_NEXT, NO_BODY);
    assert_string_equal(fx_last(f)->b.participant, "l1");
    /* while l1 speaks, the next one is a bailleur */
    assert_string_equal(fx_order(f, "i1", false), "b2 l2 b3");
}

static void
test_alternation_with_nobody_heard_yet_starts_with_the_first_arrived(void **state)
{
    struct fx *f = *state;
    configure_alternate(f, true);
    static const char *const who[] = {"b1", "b2", "b3", "l1", NULL};
    requests(f, who);
    assert_string_equal(fx_order(f, "i1", false), "b1 l1 b2 b3");
}

static void
test_alternation_with_one_college_waiting_keeps_arrival_order(void **state)
{
    struct fx *f = *state;
    configure_alternate(f, true);
    speak(f, "l3", SEC);
    static const char *const who[] = {"l1", "l2", NULL};
    requests(f, who);
    assert_string_equal(fx_order(f, "i1", false), "l1 l2");
}

static void
test_alternation_leaves_points_of_order_and_replies_first(void **state)
{
    struct fx *f = *state;
    configure_alternate(f, true);
    speak(f, "b1", SEC);
    request(f, "b2", "reply");
    request(f, "b3", "point_of_order");
    request(f, "l1", NULL);
    request(f, "b1", NULL);
    request(f, "l2", NULL);
    assert_string_equal(fx_order(f, "i1", false), "b3 b2 l1 b1 l2");
}

static void
test_people_without_college_keep_their_rank_within_the_alternation(void **state)
{
    struct fx *f = *state;
    configure_alternate(f, true);
    speak(f, "b1", SEC);
    static const char *const who[] = {"b2", "secr", "l1", NULL};
    requests(f, who);
    /* the secretary arrived before l1; b2 waits for a locataire to speak first */
    assert_string_equal(fx_order(f, "i1", false), "secr l1 b2");
}

static void
test_a_speaker_without_college_does_not_break_the_alternation(void **state)
{
    struct fx *f = *state;
    configure_alternate(f, true);
    OK(f, "chair", CMD_MEETING_CONFIGURE, .has = HAS_FIRST_TURN, .first_turn = 0);
    speak(f, "b1", 30 * SEC);
    static const char *const who[] = {"b2", "l1", NULL};
    requests(f, who);
    assert_string_equal(fx_order(f, "i1", false), "l1 b2");
    /* the chair speaks in between: the locataires still come next */
    speak(f, "chair", 10 * SEC);
    assert_string_equal(fx_order(f, "i1", false), "l1 b2");
    OK(f, "chair", CMD_SPEAKER_GIVE, .participant = "secr");
    assert_string_equal(fx_order(f, "i1", false), "l1 b2");
    OK(f, "chair", CMD_SPEAKER_NEXT, NO_BODY);
    assert_string_equal(fx_last(f)->b.participant, "l1");
}

static void
test_without_alternation_a_college_may_speak_twice_in_a_row(void **state)
{
    struct fx *f = *state;
    speak(f, "b1", SEC);
    static const char *const who[] = {"b2", "b3", "l1", NULL};
    requests(f, who);
    assert_string_equal(fx_order(f, "i1", false), "b2 b3 l1");
}

static void
test_the_chair_moves_a_request_within_its_class(void **state)
{
    struct fx *f = *state;
    static const char *const who[] = {"b1", "b2", "b3", NULL};
    requests(f, who);
    request(f, "l1", "point_of_order");
    assert_string_equal(fx_order(f, "i1", false), "l1 b1 b2 b3");
    OK(f, "chair", CMD_SPEAKER_MOVE, .request = "r3", .has = HAS_POSITION, .position = 1);
    EVENTS(f, EV_SPEAKER_MOVED);
    assert_string_equal(fx_last(f)->b.request, "r3");
    assert_int_equal(fx_last(f)->b.position, 1);
    assert_string_equal(fx_order(f, "i1", false), "l1 b3 b1 b2");
    /* a contribution never passes a point of order */
    OK(f, "chair", CMD_SPEAKER_MOVE, .request = "r2", .has = HAS_POSITION, .position = 0);
    assert_string_equal(fx_order(f, "i1", false), "l1 b2 b3 b1");
    OK(f, "chair", CMD_SPEAKER_MOVE, .request = "r2", .has = HAS_POSITION, .position = 3);
    assert_string_equal(fx_order(f, "i1", false), "l1 b3 b1 b2");
    /* later requests still go to the end */
    request(f, "l2", NULL);
    assert_string_equal(fx_order(f, "i1", false), "l1 b3 b1 b2 l2");
    OK(f, "chair", CMD_SPEAKER_NEXT, NO_BODY);
    OK(f, "chair", CMD_SPEAKER_NEXT, NO_BODY);
    assert_string_equal(fx_last(f)->b.participant, "b3");
}

static void
test_move_refuses_positions_out_of_range_and_unknown_requests(void **state)
{
    struct fx *f = *state;
    static const char *const who[] = {"b1", "b2", "l1", NULL};
    requests(f, who);
    REFUSED(f, ERR_INVALID, "chair", CMD_SPEAKER_MOVE, .request = "r1", .has = HAS_POSITION,
            .position = 3);
    REFUSED(f, ERR_INVALID, "chair", CMD_SPEAKER_MOVE, .request = "r1", .has = HAS_POSITION,
            .position = INT64_MAX);
    REFUSED(f, ERR_INVALID, "chair", CMD_SPEAKER_MOVE, .request = "r3", .has = HAS_POSITION,
            .position = -1);
    REFUSED(f, ERR_INVALID, "chair", CMD_SPEAKER_MOVE, .request = "r3", .has = HAS_POSITION,
            .position = INT64_MIN);
    REFUSED(f, ERR_NOT_FOUND, "chair", CMD_SPEAKER_MOVE, .request = "r9", .has = HAS_POSITION,
            .position = 0);
    REFUSED(f, ERR_NOT_FOUND, "chair", CMD_SPEAKER_MOVE, .has = HAS_POSITION, .position = 0);
    OK(f, "chair", CMD_SPEAKER_NEXT, NO_BODY); /* r1 served */
    REFUSED(f, ERR_NOT_FOUND, "chair", CMD_SPEAKER_MOVE, .request = "r1", .has = HAS_POSITION,
            .position = 0);
    REFUSED(f, ERR_FORBIDDEN, "b2", CMD_SPEAKER_MOVE, .request = "r2", .has = HAS_POSITION,
            .position = 1);
    assert_string_equal(fx_order(f, "i1", false), "b2 l1");
}

/* ---- turns ---------------------------------------------------------------------------- */

static void
test_next_gives_the_floor_to_the_first_in_order(void **state)
{
    struct fx *f = *state;
    request(f, "l1", NULL);
    request(f, "b1", "reply");
    f->now += 5 * SEC;
    OK(f, "chair", CMD_SPEAKER_NEXT, NO_BODY);
    EVENTS(f, EV_SPEAKER_TURN_STARTED);
    const struct event *ev = fx_last(f);
    assert_string_equal(ev->actor, "chair");
    assert_string_equal(ev->b.request, "r2");
    assert_string_equal(ev->b.participant, "b1");
    assert_string_equal(ev->b.kind, "reply");
    assert_string_equal(ev->b.item, "i1");
    assert_int_equal(ev->b.allowed, 180 * SEC); /* the meeting's default */
    const struct turn *t = &f->m->turn;
    assert_true(t->active);
    assert_string_equal(t->request, "r2");
    assert_int_equal(t->running_since, NOW + 5 * SEC);
    assert_int_equal(t->elapsed_ms, 0);
    assert_string_equal(fx_order(f, "i1", false), "l1");
}

static void
test_the_items_speaking_time_wins_over_the_meetings(void **state)
{
    struct fx *f = *state;
    OK(f, "chair", CMD_MEETING_CONFIGURE, .has = HAS_SPEAKING_TIME, .speaking_time = 120);
    OK(f, "chair", CMD_AGENDA_EDIT, .item = "i2", .has = HAS_SPEAKING_TIME, .speaking_time = 45);
    request(f, "b1", NULL);
    OK(f, "chair", CMD_SPEAKER_NEXT, NO_BODY);
    assert_int_equal(fx_last(f)->b.allowed, 120 * SEC);
    OK(f, "chair", CMD_AGENDA_OPEN, .item = "i2");
    request(f, "b1", NULL);
    OK(f, "chair", CMD_SPEAKER_NEXT, NO_BODY);
    assert_int_equal(fx_last(f)->b.allowed, 45 * SEC);
    /* no time limit at all */
    OK(f, "chair", CMD_AGENDA_OPEN, .item = "i3");
    OK(f, "chair", CMD_MEETING_CONFIGURE, .has = HAS_SPEAKING_TIME, .speaking_time = 0);
    OK(f, "chair", CMD_SPEAKER_GIVE, .participant = "l1");
    assert_int_equal(fx_last(f)->b.allowed, 0);
}

static void
test_next_ends_the_turn_in_progress_first(void **state)
{
    struct fx *f = *state;
    request(f, "b1", NULL);
    request(f, "l1", NULL);
    OK(f, "chair", CMD_SPEAKER_NEXT, NO_BODY);
    f->now += 95 * SEC;
    OK(f, "chair", CMD_SPEAKER_NEXT, NO_BODY);
    EVENTS(f, EV_SPEAKER_TURN_ENDED, EV_SPEAKER_TURN_STARTED);
    assert_string_equal(fx_ev(f, 0)->b.participant, "b1");
    assert_int_equal(fx_ev(f, 0)->b.spoken, 95 * SEC);
    assert_string_equal(fx_ev(f, 1)->b.participant, "l1");
}

static void
test_next_with_nobody_waiting_only_ends_the_turn(void **state)
{
    struct fx *f = *state;
    REFUSED(f, ERR_BAD_STATE, "chair", CMD_SPEAKER_NEXT, NO_BODY);
    request(f, "b1", NULL);
    OK(f, "chair", CMD_SPEAKER_NEXT, NO_BODY);
    f->now += SEC;
    OK(f, "chair", CMD_SPEAKER_NEXT, NO_BODY);
    EVENTS(f, EV_SPEAKER_TURN_ENDED);
    assert_false(f->m->turn.active);
    REFUSED(f, ERR_BAD_STATE, "chair", CMD_SPEAKER_NEXT, NO_BODY);
}

static void
test_give_serves_a_waiting_request_out_of_order(void **state)
{
    struct fx *f = *state;
    static const char *const who[] = {"b1", "b2", "l1", NULL};
    requests(f, who);
    OK(f, "chair", CMD_SPEAKER_GIVE, .request = "r3");
    EVENTS(f, EV_SPEAKER_TURN_STARTED);
    assert_string_equal(fx_last(f)->b.request, "r3");
    assert_string_equal(fx_last(f)->b.participant, "l1");
    assert_string_equal(fx_order(f, "i1", false), "b1 b2");
    REFUSED(f, ERR_NOT_FOUND, "chair", CMD_SPEAKER_GIVE, .request = "r3"); /* served */
    REFUSED(f, ERR_NOT_FOUND, "chair", CMD_SPEAKER_GIVE, .request = "r99");
}

static void
test_give_to_a_participant_without_a_request(void **state)
{
    struct fx *f = *state;
    request(f, "b1", NULL);
    OK(f, "chair", CMD_SPEAKER_GIVE, .participant = "obs"); /* e.g. an invited expert */
    EVENTS(f, EV_SPEAKER_TURN_STARTED);
    assert_string_equal(fx_last(f)->b.request, "");
    assert_string_equal(fx_last(f)->b.participant, "obs");
    assert_string_equal(fx_last(f)->b.kind, "contribution");
    assert_string_equal(f->m->turn.request, "");
    assert_string_equal(fx_order(f, "i1", false), "b1");
    f->now += 12 * SEC;
    OK(f, "chair", CMD_SPEAKER_GIVE, .participant = "chair");
    EVENTS(f, EV_SPEAKER_TURN_ENDED, EV_SPEAKER_TURN_STARTED);
    assert_string_equal(fx_ev(f, 0)->b.participant, "obs");
    assert_int_equal(fx_ev(f, 0)->b.spoken, 12 * SEC);
    REFUSED(f, ERR_NOT_FOUND, "chair", CMD_SPEAKER_GIVE, .participant = "nobody");
}

static void
test_give_to_a_participant_serves_their_waiting_request(void **state)
{
    struct fx *f = *state;
    request(f, "b1", NULL);
    request(f, "l2", "reply");
    OK(f, "chair", CMD_SPEAKER_GIVE, .participant = "l2");
    assert_string_equal(fx_last(f)->b.request, "r2");
    assert_string_equal(fx_last(f)->b.kind, "reply");
    assert_string_equal(fx_order(f, "i1", false), "b1");
}

static void
test_give_needs_a_request_or_a_participant(void **state)
{
    struct fx *f = *state;
    REFUSED(f, ERR_BAD_MESSAGE, "chair", CMD_SPEAKER_GIVE, NO_BODY);
}

static void
test_give_refuses_a_request_of_another_item(void **state)
{
    struct fx *f = *state;
    request(f, "b1", NULL);
    OK(f, "chair", CMD_AGENDA_OPEN, .item = "i2");
    REFUSED(f, ERR_NOT_FOUND, "chair", CMD_SPEAKER_GIVE, .request = "r1");
    /* given by participant, she speaks on i2 and her request on i1 still waits */
    OK(f, "chair", CMD_SPEAKER_GIVE, .participant = "b1");
    assert_string_equal(fx_last(f)->b.request, "");
    assert_string_equal(fx_last(f)->b.item, "i2");
    assert_string_equal(fx_order(f, "i1", false), "b1");
}

static void
test_end_writes_the_time_spoken(void **state)
{
    struct fx *f = *state;
    REFUSED(f, ERR_BAD_STATE, "chair", CMD_SPEAKER_END, NO_BODY);
    request(f, "l3", NULL);
    f->now = NOW + 10 * MIN;
    OK(f, "chair", CMD_SPEAKER_NEXT, NO_BODY);
    f->now = NOW + 10 * MIN + 2 * MIN + 17 * SEC + 250;
    OK(f, "chair", CMD_SPEAKER_END, NO_BODY);
    EVENTS(f, EV_SPEAKER_TURN_ENDED);
    assert_string_equal(fx_last(f)->b.participant, "l3");
    assert_int_equal(fx_last(f)->b.spoken, 2 * MIN + 17 * SEC + 250);
    assert_false(f->m->turn.active);
    REFUSED(f, ERR_BAD_STATE, "chair", CMD_SPEAKER_END, NO_BODY);
}

static void
test_pause_and_resume_count_only_the_time_spoken(void **state)
{
    struct fx *f = *state;
    request(f, "b2", NULL);
    int64_t t0 = NOW + 10 * MIN;
    f->now = t0;
    OK(f, "chair", CMD_SPEAKER_NEXT, NO_BODY);
    f->now = t0 + 30 * SEC;
    OK(f, "chair", CMD_SPEAKER_PAUSE, NO_BODY);
    EVENTS(f, EV_SPEAKER_TURN_PAUSED);
    assert_int_equal(fx_last(f)->b.elapsed, 30 * SEC);
    assert_int_equal(f->m->turn.elapsed_ms, 30 * SEC);
    assert_int_equal(f->m->turn.running_since, 0);
    f->now = t0 + 50 * SEC;
    OK(f, "chair", CMD_SPEAKER_RESUME, NO_BODY);
    EVENTS(f, EV_SPEAKER_TURN_RESUMED);
    assert_int_equal(f->m->turn.running_since, t0 + 50 * SEC);
    assert_int_equal(f->m->turn.elapsed_ms, 30 * SEC);
    f->now = t0 + 60 * SEC + 400;
    OK(f, "chair", CMD_SPEAKER_PAUSE, NO_BODY);
    assert_int_equal(fx_last(f)->b.elapsed, 40 * SEC + 400);
    f->now = t0 + 70 * SEC;
    OK(f, "chair", CMD_SPEAKER_RESUME, NO_BODY);
    f->now = t0 + 75 * SEC;
    OK(f, "chair", CMD_SPEAKER_END, NO_BODY);
    assert_int_equal(fx_last(f)->b.spoken, 45 * SEC + 400);
    assert_int_equal(fx_part(f, "b2")->spoken_ms, 45 * SEC + 400);
}

static void
test_ending_a_paused_turn_counts_the_time_before_the_pause(void **state)
{
    struct fx *f = *state;
    OK(f, "chair", CMD_SPEAKER_GIVE, .participant = "l2");
    f->now += 20 * SEC;
    OK(f, "chair", CMD_SPEAKER_PAUSE, NO_BODY);
    f->now += 10 * MIN;
    OK(f, "chair", CMD_SPEAKER_END, NO_BODY);
    assert_int_equal(fx_last(f)->b.spoken, 20 * SEC);
    /* a paused turn ended by next, or by opening another item, alike */
    request(f, "b1", NULL);
    OK(f, "chair", CMD_SPEAKER_NEXT, NO_BODY);
    f->now += 5 * SEC;
    OK(f, "chair", CMD_SPEAKER_PAUSE, NO_BODY);
    f->now += 5 * MIN;
    OK(f, "chair", CMD_AGENDA_OPEN, .item = "i2");
    EVENTS(f, EV_SPEAKER_TURN_ENDED, EV_AGENDA_ITEM_CLOSED, EV_AGENDA_ITEM_OPENED);
    assert_int_equal(fx_ev(f, 0)->b.spoken, 5 * SEC);
}

static void
test_pause_and_resume_refuse_the_wrong_state(void **state)
{
    struct fx *f = *state;
    REFUSED(f, ERR_BAD_STATE, "chair", CMD_SPEAKER_PAUSE, NO_BODY);
    REFUSED(f, ERR_BAD_STATE, "chair", CMD_SPEAKER_RESUME, NO_BODY);
    OK(f, "chair", CMD_SPEAKER_GIVE, .participant = "b1");
    REFUSED(f, ERR_BAD_STATE, "chair", CMD_SPEAKER_RESUME, NO_BODY);
    OK(f, "chair", CMD_SPEAKER_PAUSE, NO_BODY);
    REFUSED(f, ERR_BAD_STATE, "chair", CMD_SPEAKER_PAUSE, NO_BODY);
    REFUSED(f, ERR_FORBIDDEN, "b1", CMD_SPEAKER_RESUME, NO_BODY);
    OK(f, "chair", CMD_SPEAKER_RESUME, NO_BODY);
}

static void
test_a_clock_going_back_never_gives_a_negative_time(void **state)
{
    struct fx *f = *state;
    f->now = NOW + HOUR;
    OK(f, "chair", CMD_SPEAKER_GIVE, .participant = "b1");
    f->now = NOW + HOUR - 10 * SEC; /* the server's clock stepped back */
    OK(f, "chair", CMD_SPEAKER_PAUSE, NO_BODY);
    assert_int_equal(fx_last(f)->b.elapsed, 0);
    assert_int_equal(fx_last(f)->ts, NOW + HOUR);
    OK(f, "chair", CMD_SPEAKER_RESUME, NO_BODY);
    f->now = NOW + HOUR + 3 * SEC;
    OK(f, "chair", CMD_SPEAKER_END, NO_BODY);
    assert_int_equal(fx_last(f)->b.spoken, 3 * SEC);
}

static void
test_a_turn_longer_than_a_day_is_kept_and_survives_a_reload(void **state)
{
    struct fx *f = *state;
    OK(f, "chair", CMD_SPEAKER_GIVE, .participant = "b1");
    f->now += 25 * HOUR; /* a turn left running overnight, the meeting suspended */
    OK(f, "chair", CMD_SPEAKER_PAUSE, NO_BODY);
    assert_int_equal(fx_last(f)->b.elapsed, 25 * HOUR);
    OK(f, "chair", CMD_SPEAKER_END, NO_BODY);
    assert_int_equal(fx_last(f)->b.spoken, 25 * HOUR);
    /* the teardown folds the log again through its JSON, as a restart does */
}

/* ---- statistics ----------------------------------------------------------------------- */

/* attendance.colleges[college][field] from the snapshot. */
static int64_t
college_stat(struct fx *f, const char *college, const char *field)
{
    char *s = fx_snapshot(f->m);
    json_error_t jerr;
    json_t *o = json_loads(s, 0, &jerr);
    assert_non_null(o);
    json_t *c = json_object_get(json_object_get(json_object_get(o, "attendance"), "colleges"),
                                college);
    assert_non_null(c);
    json_t *v = json_object_get(c, field);
    assert_true(json_is_integer(v));
    int64_t x = json_integer_value(v);
    json_decref(o);
    free(s);
    return x;
}

static void
test_statistics_count_turns_and_time_per_member_and_college(void **state)
{
    struct fx *f = *state;
    speak(f, "b1", 60 * SEC);
    speak(f, "l1", 90 * SEC);
    speak(f, "b1", 30 * SEC);
    OK(f, "chair", CMD_AGENDA_OPEN, .item = "i2");
    speak(f, "b2", 15 * SEC + 500);
    speak(f, "chair", 20 * SEC);
    OK(f, "chair", CMD_SPEAKER_GIVE, .participant = "l2"); /* still speaking: not counted yet */
    f->now += 40 * SEC;
    assert_int_equal(fx_part(f, "b1")->turns, 2);
    assert_int_equal(fx_part(f, "b1")->spoken_ms, 90 * SEC);
    assert_int_equal(fx_part(f, "l1")->turns, 1);
    assert_int_equal(fx_part(f, "l1")->spoken_ms, 90 * SEC);
    assert_int_equal(fx_part(f, "b2")->turns, 1);
    assert_int_equal(fx_part(f, "b2")->spoken_ms, 15 * SEC + 500);
    assert_int_equal(fx_part(f, "chair")->turns, 1);
    assert_int_equal(fx_part(f, "chair")->spoken_ms, 20 * SEC);
    assert_int_equal(fx_part(f, "l2")->turns, 0);
    assert_int_equal(college_stat(f, "bailleurs", "turns"), 3);
    assert_int_equal(college_stat(f, "bailleurs", "spoken"), 105 * SEC + 500);
    assert_int_equal(college_stat(f, "locataires", "turns"), 1);
    assert_int_equal(college_stat(f, "locataires", "spoken"), 90 * SEC);
    OK(f, "chair", CMD_SPEAKER_END, NO_BODY);
    assert_int_equal(college_stat(f, "locataires", "turns"), 2);
    assert_int_equal(college_stat(f, "locataires", "spoken"), 130 * SEC);
}

/* ---- withdrawing and removing --------------------------------------------------------- */

static void
test_a_member_withdraws_her_own_request(void **state)
{
    struct fx *f = *state;
    request(f, "b1", NULL);
    request(f, "l1", NULL);
    OK(f, "b1", CMD_SPEAKER_WITHDRAW, NO_BODY);
    EVENTS(f, EV_SPEAKER_WITHDRAWN);
    assert_string_equal(fx_last(f)->b.request, "r1");
    assert_string_equal(fx_last(f)->actor, "b1");
    OK(f, "l1", CMD_SPEAKER_WITHDRAW, .request = "r2");
    assert_string_equal(fx_order(f, "i1", false), "");
    REFUSED(f, ERR_NOT_FOUND, "l1", CMD_SPEAKER_WITHDRAW, NO_BODY);
    REFUSED(f, ERR_NOT_FOUND, "l1", CMD_SPEAKER_WITHDRAW, .request = "r2");
}

static void
test_withdrawing_someone_elses_request_is_forbidden(void **state)
{
    struct fx *f = *state;
    request(f, "b1", NULL);
    request(f, "l1", NULL);
    REFUSED(f, ERR_FORBIDDEN, "l1", CMD_SPEAKER_WITHDRAW, .request = "r1");
    REFUSED(f, ERR_FORBIDDEN, "secr", CMD_SPEAKER_WITHDRAW, .request = "r1");
    REFUSED(f, ERR_FORBIDDEN, "chair", CMD_SPEAKER_WITHDRAW, .request = "r2");
    REFUSED(f, ERR_NOT_FOUND, "b2", CMD_SPEAKER_WITHDRAW, NO_BODY); /* has none */
    assert_string_equal(fx_order(f, "i1", false), "b1 l1");
}

static void
test_a_served_request_can_no_longer_be_withdrawn(void **state)
{
    struct fx *f = *state;
    request(f, "b1", NULL);
    OK(f, "chair", CMD_SPEAKER_NEXT, NO_BODY);
    REFUSED(f, ERR_NOT_FOUND, "b1", CMD_SPEAKER_WITHDRAW, .request = "r1");
    REFUSED(f, ERR_NOT_FOUND, "b1", CMD_SPEAKER_WITHDRAW, NO_BODY);
}

static void
test_the_chair_removes_any_waiting_request(void **state)
{
    struct fx *f = *state;
    request(f, "b1", NULL);
    request(f, "l1", NULL);
    OK(f, "chair", CMD_SPEAKER_REMOVE, .request = "r1");
    EVENTS(f, EV_SPEAKER_REMOVED);
    assert_string_equal(fx_last(f)->b.request, "r1");
    assert_string_equal(fx_order(f, "i1", false), "l1");
    REFUSED(f, ERR_NOT_FOUND, "chair", CMD_SPEAKER_REMOVE, .request = "r1");
    REFUSED(f, ERR_NOT_FOUND, "chair", CMD_SPEAKER_REMOVE, .request = "r7");
    REFUSED(f, ERR_NOT_FOUND, "chair", CMD_SPEAKER_REMOVE, NO_BODY);
    REFUSED(f, ERR_FORBIDDEN, "secr", CMD_SPEAKER_REMOVE, .request = "r2");
    REFUSED(f, ERR_FORBIDDEN, "l1", CMD_SPEAKER_REMOVE, .request = "r2");
}

/* ---- closed lists --------------------------------------------------------------------- */

static void
test_a_closed_list_takes_only_points_of_order(void **state)
{
    struct fx *f = *state;
    request(f, "b1", NULL);
    OK(f, "chair", CMD_SPEAKER_CLOSE_LIST, NO_BODY);
    EVENTS(f, EV_SPEAKER_LIST_CLOSED);
    assert_string_equal(fx_last(f)->b.item, "i1");
    assert_true(fx_item(f, "i1")->list_closed);
    REFUSED(f, ERR_BAD_STATE, "l1", CMD_SPEAKER_REQUEST, NO_BODY);
    REFUSED(f, ERR_BAD_STATE, "l1", CMD_SPEAKER_REQUEST, .kind = "reply");
    request(f, "l1", "point_of_order");
    /* those already waiting keep their place */
    assert_string_equal(fx_order(f, "i1", false), "l1 b1");
    REFUSED(f, ERR_BAD_STATE, "chair", CMD_SPEAKER_CLOSE_LIST, NO_BODY);
    OK(f, "chair", CMD_SPEAKER_REOPEN_LIST, NO_BODY);
    EVENTS(f, EV_SPEAKER_LIST_REOPENED);
    assert_false(fx_item(f, "i1")->list_closed);
    request(f, "l2", NULL);
    REFUSED(f, ERR_BAD_STATE, "chair", CMD_SPEAKER_REOPEN_LIST, NO_BODY);
}

static void
test_the_list_of_another_item_may_be_closed_in_advance(void **state)
{
    struct fx *f = *state;
    OK(f, "chair", CMD_SPEAKER_CLOSE_LIST, .item = "i3");
    assert_string_equal(fx_last(f)->b.item, "i3");
    request(f, "b1", NULL); /* i1's list is open */
    OK(f, "chair", CMD_AGENDA_OPEN, .item = "i3");
    REFUSED(f, ERR_BAD_STATE, "b1", CMD_SPEAKER_REQUEST, NO_BODY);
    REFUSED(f, ERR_NOT_FOUND, "chair", CMD_SPEAKER_CLOSE_LIST, .item = "i9");
    REFUSED(f, ERR_NOT_FOUND, "chair", CMD_SPEAKER_REOPEN_LIST, .item = "i9");
    REFUSED(f, ERR_FORBIDDEN, "secr", CMD_SPEAKER_REOPEN_LIST, .item = "i3");
}

static void
test_closing_a_list_with_nothing_current_is_bad_state(void **state)
{
    struct fx *f = *state;
    OK(f, "chair", CMD_AGENDA_CLOSE, NO_BODY);
    REFUSED(f, ERR_BAD_STATE, "chair", CMD_SPEAKER_CLOSE_LIST, NO_BODY);
    REFUSED(f, ERR_BAD_STATE, "chair", CMD_SPEAKER_REOPEN_LIST, NO_BODY);
}

/* ---- connections ---------------------------------------------------------------------- */

static void
test_requests_keep_their_place_when_the_participant_leaves_and_comes_back(void **state)
{
    struct fx *f = *state;
    static const char *const everyone[] = {"chair", "b1", "b2", "l1", NULL};
    for (size_t i = 0; everyone[i]; i++) {
        fx_join(f, everyone[i]);
    }
    static const char *const who[] = {"b1", "l1", "b2", NULL};
    requests(f, who);
    f->now += MIN;
    fx_leave(f, "b1");
    assert_false(fx_part(f, "b1")->present);
    assert_string_equal(fx_order(f, "i1", false), "b1 l1 b2");
    f->now += MIN;
    fx_join(f, "b1");
    assert_string_equal(fx_order(f, "i1", false), "b1 l1 b2");
    OK(f, "chair", CMD_SPEAKER_NEXT, NO_BODY);
    assert_string_equal(fx_last(f)->b.request, "r1");
    assert_string_equal(fx_last(f)->b.participant, "b1");
}

static void
test_someone_absent_may_still_be_given_the_floor(void **state)
{
    struct fx *f = *state;
    request(f, "l1", NULL);
    fx_join(f, "l1");
    fx_leave(f, "l1");
    OK(f, "chair", CMD_SPEAKER_NEXT, NO_BODY);
    assert_string_equal(fx_last(f)->b.participant, "l1");
}

/* ---- permissions ---------------------------------------------------------------------- */

static void
test_only_the_chair_runs_the_floor(void **state)
{
    struct fx *f = *state;
    request(f, "b1", NULL);
    static const char *const others[] = {"secr", "b1", "l1", "obs", NULL};
    for (size_t i = 0; others[i]; i++) {
        REFUSED(f, ERR_FORBIDDEN, others[i], CMD_SPEAKER_NEXT, NO_BODY);
        REFUSED(f, ERR_FORBIDDEN, others[i], CMD_SPEAKER_GIVE, .request = "r1");
        REFUSED(f, ERR_FORBIDDEN, others[i], CMD_SPEAKER_END, NO_BODY);
        REFUSED(f, ERR_FORBIDDEN, others[i], CMD_SPEAKER_PAUSE, NO_BODY);
        REFUSED(f, ERR_FORBIDDEN, others[i], CMD_SPEAKER_CLOSE_LIST, NO_BODY);
    }
    assert_false(f->m->turn.active);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup_item, fx_teardown)
        cmocka_unit_test(test_requests_with_ids_the_server_would_not_make_are_still_found),
        cmocka_unit_test(test_ids_past_the_last_request_are_not_found),
        T(test_a_member_asks_for_the_floor_on_the_current_item),
        T(test_the_chair_and_the_secretary_may_ask_for_the_floor_but_not_an_observer),
        cmocka_unit_test(test_requests_need_an_open_meeting_and_a_current_item),
        T(test_one_waiting_request_per_person_and_item),
        T(test_once_served_a_member_may_ask_again),
        T(test_each_item_has_its_own_list),
        T(test_an_unknown_request_kind_is_invalid),
        T(test_request_identifiers_follow_creation_and_are_never_reused),
        T(test_points_of_order_come_first_then_replies_then_contributions),
        T(test_first_turn_puts_those_who_have_not_spoken_on_the_item_first),
        T(test_first_turn_leaves_replies_and_points_of_order_in_arrival_order),
        T(test_without_first_turn_arrival_order_rules),
        T(test_alternation_starts_with_a_college_other_than_the_last_speakers),
        T(test_alternation_with_nobody_heard_yet_starts_with_the_first_arrived),
        T(test_alternation_with_one_college_waiting_keeps_arrival_order),
        T(test_alternation_leaves_points_of_order_and_replies_first),
        T(test_people_without_college_keep_their_rank_within_the_alternation),
        T(test_a_speaker_without_college_does_not_break_the_alternation),
        T(test_without_alternation_a_college_may_speak_twice_in_a_row),
        T(test_the_chair_moves_a_request_within_its_class),
        T(test_move_refuses_positions_out_of_range_and_unknown_requests),
        T(test_next_gives_the_floor_to_the_first_in_order),
        T(test_the_items_speaking_time_wins_over_the_meetings),
        T(test_next_ends_the_turn_in_progress_first),
        T(test_next_with_nobody_waiting_only_ends_the_turn),
        T(test_give_serves_a_waiting_request_out_of_order),
        T(test_give_to_a_participant_without_a_request),
        T(test_give_to_a_participant_serves_their_waiting_request),
        T(test_give_needs_a_request_or_a_participant),
        T(test_give_refuses_a_request_of_another_item),
        T(test_end_writes_the_time_spoken),
        T(test_pause_and_resume_count_only_the_time_spoken),
        T(test_ending_a_paused_turn_counts_the_time_before_the_pause),
        T(test_pause_and_resume_refuse_the_wrong_state),
        T(test_a_clock_going_back_never_gives_a_negative_time),
        T(test_a_turn_longer_than_a_day_is_kept_and_survives_a_reload),
        T(test_statistics_count_turns_and_time_per_member_and_college),
        T(test_a_member_withdraws_her_own_request),
        T(test_withdrawing_someone_elses_request_is_forbidden),
        T(test_a_served_request_can_no_longer_be_withdrawn),
        T(test_the_chair_removes_any_waiting_request),
        T(test_a_closed_list_takes_only_points_of_order),
        T(test_the_list_of_another_item_may_be_closed_in_advance),
        T(test_closing_a_list_with_nothing_current_is_bad_state),
        T(test_requests_keep_their_place_when_the_participant_leaves_and_comes_back),
        T(test_someone_absent_may_still_be_given_the_floor),
        T(test_only_the_chair_runs_the_floor),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
