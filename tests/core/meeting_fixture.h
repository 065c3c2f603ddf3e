/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * meeting_fixture.h - a meeting to drive through meeting_handle() in the
 * tests of core/ (agenda, speakers, attendance).
 *
 * A fixture holds one meeting built the way the server builds it
 * (meeting_create, meeting_add_participant), a clock the test moves by hand
 * (`now`), the events of the last command (`ev`) and every event since
 * creation (`log`). Every command goes through fx_run(), which checks for
 * free what every command owes:
 *   - a refused command writes no event and leaves the meeting exactly as
 *     it was (same snapshot text, same seq);
 *   - an accepted one writes events of dense seq, each already folded.
 * At teardown the whole log is encoded to canonical JSON, decoded again and
 * folded into a fresh meeting, whose snapshot must equal the live one: what
 * a restart would rebuild is what the clients saw.
 *
 * Header-only, static inline functions: each test file is its own program.
 */
#ifndef CONCERTO_TEST_MEETING_FIXTURE_H
#define CONCERTO_TEST_MEETING_FIXTURE_H

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
#include "proto/proto.h"

#define NOW 1612254600000LL /* 2021-02-02T08:30:00Z */
#define SEC 1000LL
#define MIN (60 * SEC)
#define HEAD_ZERO "0000000000000000000000000000000000000000000000000000000000000000"

struct fx_person {
    const char *id, *name, *college, *role;
};

/* chair and secretary have no college; three members in each college. */
static const struct fx_person fx_roster[] = {
    {"chair", "Hélène Vasseur", "", "chair"},
    {"secr", "Thomas Leroy", "", "secretary"},
    {"b1", "Claire Dubois", "bailleurs", "member"},
    {"b2", "Marc Lemaire", "bailleurs", "member"},
    {"b3", "Sophie Caron", "bailleurs", "member"},
    {"l1", "Jean Moreau", "locataires", "member"},
    {"l2", "Fatima Benali", "locataires", "member"},
    {"l3", "Luc Martin", "locataires", "member"},
    {"obs", "Anne Petit", "", "observer"},
};
#define FX_ROSTER_LEN (sizeof(fx_roster) / sizeof(fx_roster[0]))

struct fx {
    struct meeting *m;
    struct evlist ev;  /* events of the last command */
    struct evlist log; /* every event, from meeting.created on */
    int64_t now;
    bool unchecked; /* skip the no-change check of refusals (long loops) */
};

/* Move the events of the last command to the log (the bodies move with them). */
static inline void
fx_keep(struct fx *f)
{
    for (size_t i = 0; i < f->ev.len; i++) {
        struct event *dst = evlist_push(&f->log, f->ev.v[i].type);
        assert_non_null(dst);
        *dst = f->ev.v[i];
    }
    f->ev.len = 0;
}

static inline char *
fx_snapshot(const struct meeting *m)
{
    char *s = proto_snapshot(m, HEAD_ZERO);
    assert_non_null(s);
    return s;
}

static inline struct fx *
fx_new_with(const struct fx_person *roster, size_t n)
{
    struct fx *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    f->m = meeting_new("ccr-2021-02");
    assert_non_null(f->m);
    f->now = NOW;
    struct body b;
    memset(&b, 0, sizeof(b));
    b.title = "Bilan 2020 et feuille de route 2021";
    b.date = "2021-02-02T09:30:00+01:00";
    b.place = "Visioconférence";
    b.room = "https://meet.jit.si/concerto-ccr-2021-02";
    b.lang = "fr";
    b.commission = "ccr-hdf";
    b.commission_name = "CCR Hauts-de-France";
    assert_int_equal(meeting_create(f->m, &b, f->now, &f->ev), 0);
    for (size_t i = 0; i < n; i++) {
        memset(&b, 0, sizeof(b));
        b.participant = (char *)roster[i].id;
        b.name = (char *)roster[i].name;
        b.college = (char *)roster[i].college;
        b.role = (char *)roster[i].role;
        assert_int_equal(meeting_add_participant(f->m, &b, f->now, &f->ev), 0);
    }
    fx_keep(f);
    return f;
}

static inline struct fx *
fx_new(void)
{
    return fx_new_with(fx_roster, FX_ROSTER_LEN);
}

/* Fold the log again, through the canonical JSON of every body, into a
 * fresh meeting: it must give the same snapshot as the live meeting. */
static inline void
fx_refold(struct fx *f)
{
    struct meeting *m2 = meeting_new(f->m->id);
    assert_non_null(m2);
    for (size_t i = 0; i < f->log.len; i++) {
        const struct event *ev = &f->log.v[i];
        char *body = proto_event_body(ev);
        assert_non_null(body);
        struct event back;
        memset(&back, 0, sizeof(back));
        int rc = proto_decode_event_body(ev->type, body, strlen(body), &back);
        if (rc) {
            print_error("seq %llu %s: its body %s does not decode again: %s\n",
                        (unsigned long long)ev->seq, proto_event_name(ev->type), body,
                        err_str(rc));
            free(body);
            fail();
            return; /* fail() does not return; the compiler cannot know it */
        }
        back.type = ev->type;
        back.seq = ev->seq;
        back.ts = ev->ts;
        memcpy(back.actor, ev->actor, sizeof(back.actor));
        rc = meeting_apply(m2, &back);
        if (rc) {
            print_error("seq %llu %s %s: refold refused it: %s\n", (unsigned long long)ev->seq,
                        proto_event_name(ev->type), body, err_str(rc));
        }
        free(body);
        if (rc) {
            fail();
            return;
        }
        event_clear(&back);
    }
    char *a = fx_snapshot(f->m), *b = fx_snapshot(m2);
    if (strcmp(a, b) != 0) {
        print_error("refolded snapshot differs:\nlive   %s\nrefold %s\n", a, b);
    }
    assert_string_equal(a, b);
    free(a);
    free(b);
    meeting_free(m2);
}

static inline void
fx_free(struct fx *f)
{
    fx_keep(f);
    fx_refold(f);
    evlist_clear(&f->ev);
    evlist_clear(&f->log);
    meeting_free(f->m);
    free(f);
}

static inline int
fx_setup(void **state)
{
    *state = fx_new();
    return 0;
}

static inline int
fx_teardown(void **state)
{
    fx_free(*state);
    return 0;
}

/* Run command `t` with body `b` as `actor` at f->now; returns its result. */
static inline int
fx_run(struct fx *f, const char *actor, enum cmd_type t, struct body b)
{
    fx_keep(f);
    struct cmd c;
    memset(&c, 0, sizeof(c));
    c.type = t;
    c.b = b;
    snprintf(c.key, sizeof(c.key), "k%llu", (unsigned long long)f->m->seq);
    uint64_t seq = f->m->seq;
    char *before = f->unchecked ? NULL : fx_snapshot(f->m);
    int rc = meeting_handle(f->m, &c, actor, f->now, &f->ev);
    if (rc && before) {
        char *after = fx_snapshot(f->m);
        if (f->ev.len || f->m->seq != seq || strcmp(before, after) != 0) {
            print_error("%s by %s was refused (%s) but changed the meeting:\nbefore %s\nafter  %s\n",
                        proto_cmd_name(t), actor, err_str(rc), before, after);
            fail();
        }
        free(after);
    } else if (rc == 0) {
        for (size_t i = 0; i < f->ev.len; i++) {
            assert_int_equal(f->ev.v[i].seq, seq + 1 + i);
            assert_true(f->ev.v[i].ts >= f->now);
        }
        assert_int_equal(f->m->seq, seq + f->ev.len);
    }
    free(before);
    return rc;
}

static inline void
fx_expect_rc(const char *file, int line, struct fx *f, int want, const char *actor,
             enum cmd_type t, struct body b)
{
    int rc = fx_run(f, actor, t, b);
    if (rc != want) {
        print_error("%s:%d: %s by %s: expected %s, got %s\n", file, line, proto_cmd_name(t), actor,
                    want ? err_str(want) : "success", rc ? err_str(rc) : "success");
        _fail(file, line);
    }
}

/* OK(f, "chair", CMD_AGENDA_ADD, .title = "x") must succeed;
 * REFUSED(f, ERR_NOT_FOUND, "chair", CMD_AGENDA_OPEN, .item = "i9") must fail so.
 * The body is given by its fields; NO_BODY for none. Integer fields need
 * their presence bit, as the decoder sets it: .has = HAS_POSITION, .position = 2. */
#define NO_BODY .has = 0
#define OK(f, actor, t, ...) fx_expect_rc(__FILE__, __LINE__, f, 0, actor, t, (struct body){__VA_ARGS__})
#define REFUSED(f, err, actor, t, ...)                                                             \
    fx_expect_rc(__FILE__, __LINE__, f, err, actor, t, (struct body){__VA_ARGS__})

/* The events of the last command must be exactly these types, in order. */
static inline void
fx_expect_events(const char *file, int line, struct fx *f, const enum ev_type *types, size_t n)
{
    bool same = f->ev.len == n;
    for (size_t i = 0; same && i < n; i++) {
        same = f->ev.v[i].type == types[i];
    }
    if (!same) {
        print_error("%s:%d: expected %zu events:", file, line, n);
        for (size_t i = 0; i < n; i++) {
            print_error(" %s", proto_event_name(types[i]));
        }
        print_error("\n  got %zu:", f->ev.len);
        for (size_t i = 0; i < f->ev.len; i++) {
            print_error(" %s", proto_event_name(f->ev.v[i].type));
        }
        print_error("\n");
        _fail(file, line);
    }
}
#define EVENTS(f, ...)                                                                             \
    fx_expect_events(__FILE__, __LINE__, f, (const enum ev_type[]){__VA_ARGS__},                   \
                     sizeof((const enum ev_type[]){__VA_ARGS__}) / sizeof(enum ev_type))
#define NO_EVENTS(f) fx_expect_events(__FILE__, __LINE__, f, NULL, 0)

/* Event i of the last command (borrowed until the next command). */
static inline const struct event *
fx_ev(struct fx *f, size_t i)
{
    assert_true(i < f->ev.len);
    return &f->ev.v[i];
}

/* The last event of the last command. */
static inline const struct event *
fx_last(struct fx *f)
{
    assert_true(f->ev.len > 0);
    return &f->ev.v[f->ev.len - 1];
}

static inline void
fx_join(struct fx *f, const char *pid)
{
    fx_keep(f);
    assert_int_equal(meeting_join(f->m, pid, f->now, &f->ev), 0);
}

static inline void
fx_leave(struct fx *f, const char *pid)
{
    fx_keep(f);
    assert_int_equal(meeting_leave(f->m, pid, f->now, &f->ev), 0);
}

static inline const struct participant *
fx_part(struct fx *f, const char *pid)
{
    const struct participant *p = meeting_participant(f->m, pid);
    assert_non_null(p);
    return p;
}

static inline const struct item *
fx_item(struct fx *f, const char *id)
{
    int32_t i = meeting_item_index(f->m, id);
    if (i < 0) {
        print_error("no item %s\n", id);
        fail();
    }
    return &f->m->items[i];
}

/* The waiting list of `item` in the order the floor will be given, as
 * "participant/kind" joined by spaces, e.g. "l1/point_of_order b2/contribution",
 * or with kinds left out when `kinds` is false: "l1 b2". */
static inline const char *
fx_order(struct fx *f, const char *item, bool kinds)
{
    static char buf[4096];
    uint32_t *order = calloc(f->m->nreqs + 1, sizeof(*order));
    assert_non_null(order);
    size_t n = speakers_order(f->m, (uint32_t)meeting_item_index(f->m, item), order);
    buf[0] = 0;
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        const struct request *r = &f->m->reqs[order[i]];
        len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s%s%s", i ? " " : "",
                                f->m->parts[r->pidx].id, kinds ? "/" : "",
                                kinds ? request_kind_str(r->kind) : "");
    }
    free(order);
    return buf;
}

/* Open the meeting (chair). */
static inline void
fx_open(struct fx *f)
{
    OK(f, "chair", CMD_MEETING_OPEN, NO_BODY);
}

/* Add top-level items titled by `titles` (NULL-terminated): i1, i2 ... */
static inline void
fx_agenda(struct fx *f, const char *const *titles)
{
    for (size_t i = 0; titles[i]; i++) {
        OK(f, "chair", CMD_AGENDA_ADD, .title = (char *)titles[i]);
    }
}

#endif
