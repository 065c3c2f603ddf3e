/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_event.c - core/event.c: the lists bodies are made of, event lists,
 * roles, and the edges of the permission matrix (its cells are checked
 * against proto/permissions.md by test_permissions.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/event.h"
#include "err.h"

#include <stdlib.h>
#include <string.h>

static void
test_strlist_copies_what_it_is_given_and_clears_to_empty(void **state)
{
    (void)state;
    struct strlist l = {0};
    char word[] = "bailleurs";
    assert_int_equal(strlist_push(&l, word), 0);
    assert_int_equal(strlist_push(&l, ""), 0);
    word[0] = 'B'; /* a copy: the caller's buffer is not kept */
    assert_int_equal(l.n, 2);
    assert_string_equal(l.v[0], "bailleurs");
    assert_string_equal(l.v[1], "");
    strlist_clear(&l);
    assert_null(l.v);
    assert_int_equal(l.n, 0);
    strlist_clear(&l); /* twice is harmless */
}

static void
test_intlist_keeps_the_order_of_its_pushes(void **state)
{
    (void)state;
    struct intlist l = {0};
    for (int64_t i = 0; i < 100; i++) {
        assert_int_equal(intlist_push(&l, i * i), 0);
    }
    assert_int_equal(l.n, 100);
    assert_int_equal(l.v[99], 99 * 99);
    free(l.v);
}

static void
test_evlist_pushes_zeroed_events_of_the_type_and_frees_their_bodies(void **state)
{
    (void)state;
    struct evlist l = {0};
    for (int i = 0; i < 9; i++) {
        struct event *ev = evlist_push(&l, EV_VOTE_CLOSED);
        assert_non_null(ev);
        assert_int_equal(ev->type, EV_VOTE_CLOSED);
        assert_int_equal(ev->seq, 0);
        assert_null(ev->b.vote);
        /* a body holding lists of every kind: evlist_clear frees them (ASan says so) */
        assert_int_equal(strlist_push(&ev->b.colleges, "locataires"), 0);
        assert_int_equal(strlist_push(&ev->b.small_colleges, "bailleurs"), 0);
        assert_int_equal(strlist_push(&ev->b.participants, "p1"), 0);
        assert_int_equal(intlist_push(&ev->b.college_counts, 3), 0);
        assert_int_equal(intlist_push(&ev->b.college_passed, 1), 0);
        ev->b.vote = malloc(3);
        assert_non_null(ev->b.vote);
        memcpy(ev->b.vote, "v1", 3);
    }
    assert_int_equal(l.len, 9);
    assert_true(l.cap >= 9);
    evlist_clear(&l);
    assert_int_equal(l.len, 0);
    assert_null(l.v);
}

static void
test_roles_read_back_as_they_are_written_and_unknown_ones_are_none(void **state)
{
    (void)state;
    for (int r = ROLE_ADMIN; r < ROLE_COUNT; r++) {
        assert_int_equal(role_parse(role_str((enum role)r)), r);
    }
    assert_int_equal(role_parse("president"), ROLE_NONE);
    assert_int_equal(role_parse(""), ROLE_NONE);
    assert_string_equal(role_str((enum role)-1), "none");
    assert_string_equal(role_str(ROLE_COUNT), "none");
}

static void
test_the_matrix_refuses_what_is_outside_it(void **state)
{
    (void)state;
    assert_false(perm_allowed(ROLE_NONE, CMD_PING));
    assert_false(perm_allowed(ROLE_COUNT, CMD_PING));
    assert_false(perm_allowed(ROLE_CHAIR, CMD_COUNT));
    assert_false(perm_allowed(ROLE_CHAIR, (enum cmd_type)-1));
    assert_false(cmd_mutates(CMD_COUNT));
    /* hello and ping change nothing and need no key; a ballot does */
    assert_false(cmd_mutates(CMD_HELLO));
    assert_false(cmd_mutates(CMD_PING));
    assert_true(cmd_mutates(CMD_VOTE_CAST));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strlist_copies_what_it_is_given_and_clears_to_empty),
        cmocka_unit_test(test_intlist_keeps_the_order_of_its_pushes),
        cmocka_unit_test(test_evlist_pushes_zeroed_events_of_the_type_and_frees_their_bodies),
        cmocka_unit_test(test_roles_read_back_as_they_are_written_and_unknown_ones_are_none),
        cmocka_unit_test(test_the_matrix_refuses_what_is_outside_it),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
