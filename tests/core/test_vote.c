/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_vote.c - core/vote.c: votes from preparation to publication, ballots
 * and their replacement, the majority rules, proxies, recusals, secret
 * ballots as core sees them (ballot.cast without a choice, the result from a
 * `secret_tally` handed to vote_close()).
 *
 * The roster (meeting_fixture.h) has three members in each college, b1..b3
 * (bailleurs) and l1..l3 (locataires), a chair and a secretary without
 * college, and an observer. Unless a test says otherwise the meeting is open,
 * item i1 is current and everybody is connected, so the quorum holds.
 *
 * Many results are read through vote_with(), which runs a whole vote from a
 * pattern of ballots, one character per member in roster order b1 b2 b3 l1
 * l2 l3: 'y' yes, 'n' no, 'a' abstain, '-' no ballot, 'r' recused on the
 * item (declared before the opening, withdrawn after the close), and for a
 * choice vote '0'..'9' the index of an option. "yyn---" is: b1 and b2 vote
 * yes, b3 no, the locataires do not vote.
 */
#include "meeting_fixture.h"

#include <jansson.h>

static const char *const members[] = {"b1", "b2", "b3", "l1", "l2", "l3"};
#define NMEMBERS 6

/* Two items, the meeting open, i1 current, everyone connected. */
static struct fx *
fx_voting(void)
{
    static const char *const items[] = {"Bilan 2020", "Feuille de route", NULL};
    struct fx *f = fx_new();
    fx_agenda(f, items);
    fx_open(f);
    OK(f, "chair", CMD_AGENDA_OPEN, .item = "i1");
    for (size_t i = 0; i < FX_ROSTER_LEN; i++) {
        fx_join(f, fx_roster[i].id);
    }
    return f;
}

static int
setup_voting(void **state)
{
    *state = fx_voting();
    return 0;
}

/* ---- helpers ------------------------------------------------------------------------- */

static char last_vote[ID_MAX];

/* Prepare a vote (as the chair) from the fields of its body; returns its id. */
#define PREPARE(f, ...) prepare_body(__FILE__, __LINE__, f, (struct body){__VA_ARGS__})
static const char *
prepare_body(const char *file, int line, struct fx *f, struct body b)
{
    fx_expect_rc(file, line, f, 0, "chair", CMD_VOTE_PREPARE, b);
    const struct event *ev = fx_last(f);
    assert_int_equal(ev->type, EV_VOTE_PREPARED);
    snprintf(last_vote, sizeof(last_vote), "%s", ev->b.vote);
    return last_vote;
}

static void
vote_open(struct fx *f, const char *vote)
{
    OK(f, "chair", CMD_VOTE_OPEN, .vote = (char *)vote);
    EVENTS(f, EV_VOTE_OPENED);
}

static void
cast(struct fx *f, const char *who, const char *vote, const char *choice)
{
    OK(f, who, CMD_VOTE_CAST, .vote = (char *)vote, .choice = (char *)choice);
}

static struct vote *
vote_of(struct fx *f, const char *id)
{
    int32_t i = meeting_vote_index(f->m, id);
    assert_true(i >= 0);
    return &f->m->votes[i];
}

/* Close a vote as the chair; returns the vote.closed event (borrowed until
 * the next command). */
static const struct event *
vote_close_named(struct fx *f, const char *vote)
{
    OK(f, "chair", CMD_VOTE_CLOSE, .vote = (char *)vote);
    EVENTS(f, EV_VOTE_CLOSED);
    return fx_last(f);
}

/* Close a secret vote with the counts the hub would read from its table, as
 * the hub does: vote_close() with a tally. A refusal must change nothing. */
static int
close_with_tally(struct fx *f, const char *vote, const struct secret_tally *t, size_t n,
                 const char *actor)
{
    fx_keep(f);
    char *before = fx_snapshot(f->m);
    uint64_t seq = f->m->seq;
    int32_t vi = meeting_vote_index(f->m, vote);
    assert_true(vi >= 0);
    int rc = vote_close(f->m, (uint32_t)vi, t, n, actor, f->now, &f->ev);
    if (rc) {
        char *after = fx_snapshot(f->m);
        assert_int_equal(f->ev.len, 0);
        assert_int_equal(f->m->seq, seq);
        assert_string_equal(before, after);
        free(after);
    }
    free(before);
    return rc;
}

/* The same through the command, with the tally attached as the hub attaches it. */
static int
close_command_with_tally(struct fx *f, const char *actor, const char *vote,
                         const struct secret_tally *t, size_t n)
{
    fx_keep(f);
    struct cmd c;
    memset(&c, 0, sizeof(c));
    c.type = CMD_VOTE_CLOSE;
    c.b.vote = (char *)vote;
    c.tally = t;
    c.ntally = n;
    snprintf(c.key, sizeof(c.key), "close-%s", vote);
    return meeting_handle(f->m, &c, actor, f->now, &f->ev);
}

/* A secret ballot with one receipt (and the receipt it replaces, or NULL). */
static int
cast_secret(struct fx *f, const char *who, const char *vote, const char *choice,
            const char *receipt, const char *replaces)
{
    char *r[1] = {(char *)receipt};
    char *old[1] = {(char *)replaces};
    struct body b = {.vote = (char *)vote, .choice = (char *)choice,
                     .receipts = {receipt ? r : NULL, receipt ? 1 : 0},
                     .replaces = {replaces ? old : NULL, replaces ? 1 : 0}};
    return fx_run(f, who, CMD_VOTE_CAST, b);
}

/* 22 characters of [A-Za-z0-9_-], different for each n. */
static const char *
receipt(int n)
{
    static char buf[8][32];
    static int next;
    char *s = buf[next++ % 8];
    snprintf(s, 32, "rcpt_%02d_Zq8-xW3kPa0LmN", n);
    return s;
}

static int64_t
sum(const struct intlist *l)
{
    int64_t s = 0;
    for (size_t i = 0; i < l->n; i++) {
        s += l->v[i];
    }
    return s;
}

/* What a closed vote said, copied out of its event. */
struct outcome {
    bool passed;
    bool quorum_met;
    char winner[64];
    int64_t counts[22];
    size_t ncounts;
    int64_t voted, entitled_n;
    char colleges[4][ID_MAX];
    size_t ncolleges;
    int64_t college_counts[4 * 22];
    bool withheld; /* no counts by college (a secret vote in a small college) */
    int64_t college_passed[4];
    size_t ncollege_passed;
};

static struct outcome
outcome_of(const struct event *ev)
{
    struct outcome o;
    memset(&o, 0, sizeof(o));
    assert_int_equal(ev->type, EV_VOTE_CLOSED);
    o.passed = ev->b.passed != 0;
    o.quorum_met = ev->b.quorum_met != 0;
    snprintf(o.winner, sizeof(o.winner), "%s", ev->b.winner ? ev->b.winner : "");
    assert_true(ev->b.counts.n <= 22 && ev->b.college_counts.n <= 4 * 22);
    o.ncounts = ev->b.counts.n;
    for (size_t i = 0; i < o.ncounts; i++) {
        o.counts[i] = ev->b.counts.v[i];
    }
    o.voted = ev->b.voted;
    o.entitled_n = ev->b.entitled_n;
    assert_true(ev->b.colleges.n <= 4);
    o.ncolleges = ev->b.colleges.n;
    for (size_t i = 0; i < o.ncolleges; i++) {
        snprintf(o.colleges[i], ID_MAX, "%s", ev->b.colleges.v[i]);
    }
    o.withheld = o.ncolleges > 0 && ev->b.college_counts.n == 0;
    if (!o.withheld) {
        assert_int_equal(ev->b.college_counts.n, o.ncolleges * o.ncounts);
    }
    for (size_t i = 0; i < ev->b.college_counts.n; i++) {
        o.college_counts[i] = ev->b.college_counts.v[i]; /* none when nobody is entitled */
    }
    assert_true(ev->b.college_passed.n == 0 || ev->b.college_passed.n == o.ncolleges);
    o.ncollege_passed = ev->b.college_passed.n;
    for (size_t i = 0; i < ev->b.college_passed.n; i++) {
        o.college_passed[i] = ev->b.college_passed.v[i];
    }
    return o;
}

/* Run a whole named vote prepared from `prep`, with ballots from `pattern`
 * (see the top of the file); returns what its close said. */
#define VOTE_WITH(f, pattern, ...) vote_with(f, pattern, (struct body){__VA_ARGS__})
static struct outcome
vote_with(struct fx *f, const char *pattern, struct body prep)
{
    assert_int_equal(strlen(pattern), NMEMBERS);
    if (!prep.question) {
        prep.question = "La délibération est-elle adoptée ?";
    }
    char vote[ID_MAX];
    snprintf(vote, sizeof(vote), "%s", prepare_body(__FILE__, __LINE__, f, prep));
    for (size_t i = 0; i < NMEMBERS; i++) {
        if (pattern[i] == 'r') {
            OK(f, members[i], CMD_RECUSAL_DECLARE, .item = "i1");
        }
    }
    vote_open(f, vote);
    const struct vote *v = vote_of(f, vote);
    for (size_t i = 0; i < NMEMBERS; i++) {
        const char *choice = NULL;
        switch (pattern[i]) {
        case 'y':
            choice = "yes";
            break;
        case 'n':
            choice = "no";
            break;
        case 'a':
            choice = "abstain";
            break;
        case '-':
        case 'r':
            break;
        default:
            assert_true(pattern[i] >= '0' && pattern[i] <= '9');
            assert_true((size_t)(pattern[i] - '0') < v->options.n);
            choice = v->options.v[pattern[i] - '0'];
        }
        if (choice) {
            cast(f, members[i], vote, choice);
        }
    }
    struct outcome o = outcome_of(vote_close_named(f, vote));
    for (size_t i = 0; i < NMEMBERS; i++) {
        if (pattern[i] == 'r') {
            OK(f, members[i], CMD_RECUSAL_WITHDRAW, .item = "i1");
        }
    }
    return o;
}

#define SHARE(n, d) .has = HAS_SHARE_NUM | HAS_SHARE_DEN, .share_num = (n), .share_den = (d)

static bool
passes(struct fx *f, const char *rule, const char *pattern)
{
    return VOTE_WITH(f, pattern, .rule = (char *)rule).passed;
}

/* ---- preparing ----------------------------------------------------------------------- */

static void
test_vote_prepare_writes_a_named_yesno_vote_on_the_current_item(void **state)
{
    struct fx *f = *state;
    f->now += 5 * SEC;
    const char *v = PREPARE(f, .question = "Approuvez-vous le bilan 2020 ?");
    EVENTS(f, EV_VOTE_PREPARED);
    const struct event *ev = fx_last(f);
    assert_string_equal(v, "v1");
    assert_string_equal(ev->actor, "chair");
    assert_int_equal(ev->ts, NOW + 5 * SEC);
    assert_string_equal(ev->b.item, "i1");
    assert_string_equal(ev->b.question, "Approuvez-vous le bilan 2020 ?");
    assert_string_equal(ev->b.kind, "yesno");
    assert_string_equal(ev->b.mode, "named");
    assert_string_equal(ev->b.rule, "simple");
    assert_int_equal(ev->b.options.n, 3);
    assert_string_equal(ev->b.options.v[0], "yes");
    assert_string_equal(ev->b.options.v[1], "no");
    assert_string_equal(ev->b.options.v[2], "abstain");
    assert_int_equal(ev->b.share_num, 0);
    assert_int_equal(ev->b.share_den, 0);
    assert_int_equal(ev->b.duration, 0);
    const struct vote *vv = vote_of(f, "v1");
    assert_int_equal(vv->state, VOTE_PREPARED);
    assert_int_equal(vv->item, meeting_item_index(f->m, "i1"));
}

static void
test_vote_prepare_by_the_secretary_on_another_item_with_every_option(void **state)
{
    struct fx *f = *state;
    char *opts[] = {"Option A", "Option B", "Option C"};
    OK(f, "secr", CMD_VOTE_PREPARE, .question = "Quel scénario ?", .item = "i2",
       .kind = "choice", .options = {opts, 3}, .mode = "secret", .rule = "absolute",
       .has = HAS_DURATION, .duration = 120);
    const struct event *ev = fx_last(f);
    assert_string_equal(ev->actor, "secr");
    assert_string_equal(ev->b.item, "i2");
    assert_string_equal(ev->b.kind, "choice");
    assert_string_equal(ev->b.mode, "secret");
    assert_string_equal(ev->b.rule, "absolute");
    assert_int_equal(ev->b.duration, 120);
    assert_int_equal(ev->b.options.n, 4);
    assert_string_equal(ev->b.options.v[0], "Option A");
    assert_string_equal(ev->b.options.v[2], "Option C");
    assert_string_equal(ev->b.options.v[3], "abstain");
}

static void
test_vote_prepare_qualified_defaults_to_two_thirds_and_keeps_a_given_share(void **state)
{
    struct fx *f = *state;
    PREPARE(f, .question = "Q1", .rule = "qualified");
    assert_int_equal(fx_last(f)->b.share_num, 2);
    assert_int_equal(fx_last(f)->b.share_den, 3);
    PREPARE(f, .question = "Q2", .rule = "qualified", SHARE(3, 5));
    assert_int_equal(fx_last(f)->b.share_num, 3);
    assert_int_equal(fx_last(f)->b.share_den, 5);
    PREPARE(f, .question = "Q3", .rule = "qualified", SHARE(100, 100));
    assert_int_equal(fx_last(f)->b.share_num, 100);
    /* a share given with another rule is not kept */
    PREPARE(f, .question = "Q4", .rule = "simple", SHARE(3, 5));
    assert_int_equal(fx_last(f)->b.share_num, 0);
    assert_int_equal(fx_last(f)->b.share_den, 0);
}

static void
test_vote_prepare_refuses_malformed_votes_as_invalid(void **state)
{
    struct fx *f = *state;
    char *two[] = {"A", "B"}, *dup[] = {"A", "B", "A"}, *abst[] = {"A", "abstain"};
    char *empty[] = {"A", ""}, *one[] = {"A"};
    char *many[21];
    char names[21][8];
    for (int i = 0; i < 21; i++) {
        snprintf(names[i], sizeof(names[i]), "o%d", i);
        many[i] = names[i];
    }
    REFUSED(f, ERR_INVALID, "chair", CMD_VOTE_PREPARE, .question = "");
    REFUSED(f, ERR_INVALID, "chair", CMD_VOTE_PREPARE, NO_BODY);
    REFUSED(f, ERR_INVALID, "chair", CMD_VOTE_PREPARE, .question = "Q", .kind = "maybe");
    REFUSED(f, ERR_INVALID, "chair", CMD_VOTE_PREPARE, .question = "Q", .mode = "public");
    REFUSED(f, ERR_INVALID, "chair", CMD_VOTE_PREPARE, .question = "Q", .rule = "unanimous");
    REFUSED(f, ERR_INVALID, "chair", CMD_VOTE_PREPARE, .question = "Q", .options = {two, 2});
    REFUSED(f, ERR_INVALID, "chair", CMD_VOTE_PREPARE, .question = "Q", .kind = "choice");
    REFUSED(f, ERR_INVALID, "chair", CMD_VOTE_PREPARE, .question = "Q", .kind = "choice",
            .options = {one, 1});
    REFUSED(f, ERR_INVALID, "chair", CMD_VOTE_PREPARE, .question = "Q", .kind = "choice",
            .options = {many, 21});
    REFUSED(f, ERR_INVALID, "chair", CMD_VOTE_PREPARE, .question = "Q", .kind = "choice",
            .options = {dup, 3});
    REFUSED(f, ERR_INVALID, "chair", CMD_VOTE_PREPARE, .question = "Q", .kind = "choice",
            .options = {abst, 2});
    REFUSED(f, ERR_INVALID, "chair", CMD_VOTE_PREPARE, .question = "Q", .kind = "choice",
            .options = {empty, 2});
    REFUSED(f, ERR_INVALID, "chair", CMD_VOTE_PREPARE, .question = "Q", .kind = "choice",
            .options = {two, 2}, .rule = "qualified");
    REFUSED(f, ERR_INVALID, "chair", CMD_VOTE_PREPARE, .question = "Q", .kind = "choice",
            .options = {two, 2}, .rule = "double");
    REFUSED(f, ERR_INVALID, "chair", CMD_VOTE_PREPARE, .question = "Q", .rule = "qualified",
            SHARE(4, 3));
    REFUSED(f, ERR_INVALID, "chair", CMD_VOTE_PREPARE, .question = "Q", .rule = "qualified",
            SHARE(0, 3));
    REFUSED(f, ERR_INVALID, "chair", CMD_VOTE_PREPARE, .question = "Q", .rule = "qualified",
            SHARE(1, 0));
    /* twenty options are the limit */
    OK(f, "chair", CMD_VOTE_PREPARE, .question = "Q", .kind = "choice", .options = {many, 20});
    assert_int_equal(fx_last(f)->b.options.n, 21);
}

static void
test_vote_prepare_refusals_by_role_item_and_state(void **state)
{
    struct fx *f = *state;
    REFUSED(f, ERR_FORBIDDEN, "b1", CMD_VOTE_PREPARE, .question = "Q");
    REFUSED(f, ERR_FORBIDDEN, "obs", CMD_VOTE_PREPARE, .question = "Q");
    REFUSED(f, ERR_NOT_FOUND, "chair", CMD_VOTE_PREPARE, .question = "Q", .item = "i9");
    OK(f, "chair", CMD_MEETING_CLOSE, NO_BODY);
    REFUSED(f, ERR_BAD_STATE, "chair", CMD_VOTE_PREPARE, .question = "Q");
}

static void
test_vote_prepare_before_the_meeting_opens_needs_an_item(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    /* A vote belongs to an item, so that recusals on the item apply to it. */
    REFUSED(f, ERR_BAD_STATE, "chair", CMD_VOTE_PREPARE, .question = "Q");
    OK(f, "chair", CMD_AGENDA_ADD, .title = "Bilan 2020");
    const char *v = PREPARE(f, .question = "Q", .item = "i1");
    assert_string_equal(v, "v1");
    assert_string_equal(fx_last(f)->b.item, "i1");
    assert_int_equal(vote_of(f, "v1")->item, 0);
    REFUSED(f, ERR_BAD_STATE, "chair", CMD_VOTE_OPEN, .vote = "v1"); /* scheduled */
    fx_free(f);
}

static void
test_vote_prepare_stops_at_two_hundred_votes(void **state)
{
    struct fx *f = *state;
    f->unchecked = true;
    for (int i = 0; i < 200; i++) {
        PREPARE(f, .question = "Q");
    }
    assert_string_equal(last_vote, "v200");
    f->unchecked = false;
    REFUSED(f, ERR_TOO_LARGE, "chair", CMD_VOTE_PREPARE, .question = "Q");
}

/* ---- opening ----------------------------------------------------------------------- */

static void
test_vote_open_freezes_the_entitled_and_present_members(void **state)
{
    struct fx *f = *state;
    fx_leave(f, "l3");
    PREPARE(f, .question = "Q", .has = HAS_DURATION, .duration = 90);
    f->now += 10 * SEC;
    vote_open(f, "v1");
    const struct event *ev = fx_last(f);
    assert_string_equal(ev->actor, "chair");
    assert_string_equal(ev->b.vote, "v1");
    assert_int_equal(ev->b.entitled_n, 6);
    assert_int_equal(ev->b.entitled.n, 6);
    for (size_t i = 0; i < NMEMBERS; i++) {
        assert_string_equal(ev->b.entitled.v[i], members[i]);
    }
    assert_int_equal(ev->b.present_ids.n, 5); /* l3 left; chair and secretary are no members */
    assert_string_equal(ev->b.present_ids.v[4], "l2");
    assert_true(ev->b.quorum_met);
    assert_int_equal(ev->b.deadline, NOW + 10 * SEC + 90 * SEC);
    const struct vote *v = vote_of(f, "v1");
    assert_int_equal(v->state, VOTE_OPEN);
    assert_int_equal(v->opened_at, NOW + 10 * SEC);
    assert_int_equal(v->nentitled, 6);
    assert_int_equal(v->nvoted, 0);
    /* later arrivals and departures change nothing to who is entitled */
    fx_join(f, "l3");
    fx_leave(f, "b1");
    assert_int_equal(v->nentitled, 6);
}

static void
test_vote_open_without_duration_has_no_deadline(void **state)
{
    struct fx *f = *state;
    PREPARE(f, .question = "Q");
    vote_open(f, "v1");
    assert_int_equal(fx_last(f)->b.deadline, 0);
}

static void
test_vote_open_refusals_by_role_state_and_second_open_vote(void **state)
{
    struct fx *f = *state;
    PREPARE(f, .question = "Q1");
    PREPARE(f, .question = "Q2");
    REFUSED(f, ERR_FORBIDDEN, "secr", CMD_VOTE_OPEN, .vote = "v1");
    REFUSED(f, ERR_FORBIDDEN, "b1", CMD_VOTE_OPEN, .vote = "v1");
    REFUSED(f, ERR_NOT_FOUND, "chair", CMD_VOTE_OPEN, .vote = "v9");
    OK(f, "chair", CMD_MEETING_SUSPEND, NO_BODY);
    REFUSED(f, ERR_BAD_STATE, "chair", CMD_VOTE_OPEN, .vote = "v1");
    OK(f, "chair", CMD_MEETING_RESUME, NO_BODY);
    vote_open(f, "v1");
    REFUSED(f, ERR_BAD_STATE, "chair", CMD_VOTE_OPEN, .vote = "v1");
    REFUSED(f, ERR_CONFLICT, "chair", CMD_VOTE_OPEN, .vote = "v2");
    vote_close_named(f, "v1");
    REFUSED(f, ERR_BAD_STATE, "chair", CMD_VOTE_OPEN, .vote = "v1");
    vote_open(f, "v2");
}

static void
test_a_vote_opened_without_quorum_cannot_pass_even_unanimous(void **state)
{
    struct fx *f = *state;
    fx_leave(f, "b2");
    fx_leave(f, "b3");
    fx_leave(f, "l2");
    fx_leave(f, "l3"); /* 2 of 6 present, 3 required */
    assert_false(quorum_compute(f->m).met);
    PREPARE(f, .question = "Q");
    vote_open(f, "v1");
    assert_false(fx_last(f)->b.quorum_met);
    for (size_t i = 0; i < NMEMBERS; i++) {
        cast(f, members[i], "v1", "yes"); /* absent members may vote too */
    }
    fx_join(f, "b2"); /* the quorum is back at the close: too late */
    struct outcome o = outcome_of(vote_close_named(f, "v1"));
    assert_int_equal(o.counts[0], 6);
    assert_true(o.quorum_met);
    assert_false(o.passed);
    assert_false(vote_of(f, "v1")->quorum_open);
}

static void
test_a_choice_vote_opened_without_quorum_has_no_winner(void **state)
{
    struct fx *f = *state;
    char *opts[] = {"A", "B"};
    fx_leave(f, "b2");
    fx_leave(f, "b3");
    fx_leave(f, "l2");
    fx_leave(f, "l3");
    struct outcome o = VOTE_WITH(f, "000001", .kind = "choice", .options = {opts, 2});
    assert_int_equal(o.counts[0], 5);
    assert_false(o.passed);
    /* a vote that does not pass has no winner: the minutes must not name one */
    assert_string_equal(o.winner, "");
}

/* ---- casting ----------------------------------------------------------------------- */

static void
test_a_member_casts_a_named_ballot_and_the_log_records_the_choice(void **state)
{
    struct fx *f = *state;
    PREPARE(f, .question = "Q");
    vote_open(f, "v1");
    f->now += 3 * SEC;
    cast(f, "l2", "v1", "no");
    EVENTS(f, EV_BALLOT_CAST);
    const struct event *ev = fx_last(f);
    assert_string_equal(ev->actor, "l2");
    assert_string_equal(ev->b.vote, "v1");
    assert_string_equal(ev->b.voter, "l2");
    assert_string_equal(ev->b.by, "");
    assert_string_equal(ev->b.choice, "no");
    const struct vote *v = vote_of(f, "v1");
    assert_int_equal(v->nvoted, 1);
    assert_int_equal(v->choice[meeting_participant(f->m, "l2") - f->m->parts], 1);
}

static void
test_vote_replaces_the_first_ballot_with_the_last_and_counts_it_once(void **state)
{
    struct fx *f = *state;
    PREPARE(f, .question = "Q");
    vote_open(f, "v1");
    cast(f, "b1", "v1", "yes");
    cast(f, "b1", "v1", "no");
    cast(f, "b1", "v1", "abstain");
    cast(f, "b1", "v1", "no");
    assert_int_equal(vote_of(f, "v1")->nvoted, 1);
    struct outcome o = outcome_of(vote_close_named(f, "v1"));
    assert_int_equal(o.voted, 1);
    assert_int_equal(o.counts[0], 0);
    assert_int_equal(o.counts[1], 1);
    assert_int_equal(o.counts[2], 0);
    const struct event *ev = fx_last(f);
    assert_int_equal(ev->b.voters.n, 1);
    assert_string_equal(ev->b.voters.v[0], "b1");
    assert_int_equal(ev->b.choices.v[0], 1);
}

static void
test_vote_refuses_a_ballot_before_the_opening_and_after_the_close(void **state)
{
    struct fx *f = *state;
    PREPARE(f, .question = "Q");
    REFUSED(f, ERR_BAD_STATE, "b1", CMD_VOTE_CAST, .vote = "v1", .choice = "yes");
    vote_open(f, "v1");
    cast(f, "b1", "v1", "yes");
    vote_close_named(f, "v1");
    REFUSED(f, ERR_BAD_STATE, "b1", CMD_VOTE_CAST, .vote = "v1", .choice = "no");
    REFUSED(f, ERR_BAD_STATE, "b2", CMD_VOTE_CAST, .vote = "v1", .choice = "yes");
    OK(f, "secr", CMD_VOTE_PUBLISH, .vote = "v1");
    REFUSED(f, ERR_BAD_STATE, "b2", CMD_VOTE_CAST, .vote = "v1", .choice = "yes");
    REFUSED(f, ERR_NOT_FOUND, "b2", CMD_VOTE_CAST, .vote = "v7", .choice = "yes");
}

static void
test_vote_refuses_an_option_that_does_not_exist(void **state)
{
    struct fx *f = *state;
    char *opts[] = {"Option A", "Option B"};
    PREPARE(f, .question = "Q");
    vote_open(f, "v1");
    REFUSED(f, ERR_INVALID, "b1", CMD_VOTE_CAST, .vote = "v1", .choice = "maybe");
    REFUSED(f, ERR_INVALID, "b1", CMD_VOTE_CAST, .vote = "v1", .choice = "Yes");
    REFUSED(f, ERR_INVALID, "b1", CMD_VOTE_CAST, .vote = "v1", .choice = "");
    REFUSED(f, ERR_INVALID, "b1", CMD_VOTE_CAST, .vote = "v1");
    vote_close_named(f, "v1");
    PREPARE(f, .question = "Q", .kind = "choice", .options = {opts, 2});
    vote_open(f, "v2");
    REFUSED(f, ERR_INVALID, "b1", CMD_VOTE_CAST, .vote = "v2", .choice = "yes");
    REFUSED(f, ERR_INVALID, "b1", CMD_VOTE_CAST, .vote = "v2", .choice = "Option");
    cast(f, "b1", "v2", "Option B");
    cast(f, "b2", "v2", "abstain");
}

static void
test_only_members_vote(void **state)
{
    struct fx *f = *state;
    PREPARE(f, .question = "Q");
    vote_open(f, "v1");
    REFUSED(f, ERR_FORBIDDEN, "chair", CMD_VOTE_CAST, .vote = "v1", .choice = "yes");
    REFUSED(f, ERR_FORBIDDEN, "secr", CMD_VOTE_CAST, .vote = "v1", .choice = "yes");
    REFUSED(f, ERR_FORBIDDEN, "obs", CMD_VOTE_CAST, .vote = "v1", .choice = "yes");
    REFUSED(f, ERR_FORBIDDEN, "b1", CMD_VOTE_CAST, .vote = "v1", .choice = "yes", .voter = "chair");
}

static void
test_a_member_absent_at_the_opening_is_entitled_and_may_vote(void **state)
{
    struct fx *f = *state;
    fx_leave(f, "l1");
    PREPARE(f, .question = "Q");
    vote_open(f, "v1");
    cast(f, "l1", "v1", "yes");
    struct outcome o = outcome_of(vote_close_named(f, "v1"));
    assert_int_equal(o.counts[0], 1);
}

static void
test_a_vote_with_a_deadline_refuses_ballots_once_it_has_passed(void **state)
{
    struct fx *f = *state;
    PREPARE(f, .question = "Q", .has = HAS_DURATION, .duration = 60);
    vote_open(f, "v1");
    int64_t deadline = vote_of(f, "v1")->deadline;
    f->now = deadline - 1;
    cast(f, "b1", "v1", "yes");
    /* The hub closes the vote at the first turn after the deadline; a ballot
     * that arrives in between must not count. */
    f->now = deadline;
    REFUSED(f, ERR_BAD_STATE, "b2", CMD_VOTE_CAST, .vote = "v1", .choice = "yes");
    f->now = deadline + 5 * SEC;
    REFUSED(f, ERR_BAD_STATE, "b1", CMD_VOTE_CAST, .vote = "v1", .choice = "no");
    assert_int_equal(close_with_tally(f, "v1", NULL, 0, "system"), 0);
    const struct event *ev = fx_last(f);
    assert_string_equal(ev->actor, "system");
    assert_int_equal(ev->ts, deadline + 5 * SEC);
    assert_int_equal(ev->b.counts.v[0], 1);
    assert_int_equal(ev->b.voted, 1);
}

/* ---- closing, publishing, cancelling -------------------------------------------------------- */

static void
test_vote_close_writes_counts_colleges_ballots_and_presence(void **state)
{
    struct fx *f = *state;
    PREPARE(f, .question = "Q");
    vote_open(f, "v1");
    cast(f, "l1", "v1", "no");
    cast(f, "b1", "v1", "yes");
    cast(f, "b2", "v1", "yes");
    cast(f, "l2", "v1", "abstain");
    cast(f, "l3", "v1", "yes");
    fx_leave(f, "b3");
    f->now += MIN;
    const struct event *ev = vote_close_named(f, "v1");
    assert_string_equal(ev->actor, "chair");
    assert_int_equal(ev->ts, NOW + MIN);
    struct outcome o = outcome_of(ev);
    assert_int_equal(o.ncounts, 3);
    assert_int_equal(o.counts[0], 3);
    assert_int_equal(o.counts[1], 1);
    assert_int_equal(o.counts[2], 1);
    assert_true(o.passed);
    assert_string_equal(o.winner, "");
    assert_true(o.quorum_met);
    assert_int_equal(o.voted, 5);
    assert_int_equal(o.entitled_n, 6);
    assert_int_equal(o.ncolleges, 2);
    assert_string_equal(o.colleges[0], "bailleurs");
    assert_string_equal(o.colleges[1], "locataires");
    static const int64_t per_college[] = {2, 0, 0, /* bailleurs */ 1, 1, 1 /* locataires */};
    assert_memory_equal(o.college_counts, per_college, sizeof(per_college));
    /* the named ballots, in roster order */
    assert_int_equal(ev->b.voters.n, 5);
    assert_int_equal(ev->b.bys.n, 5);
    assert_int_equal(ev->b.choices.n, 5);
    static const char *const voters[] = {"b1", "b2", "l1", "l2", "l3"};
    static const int64_t choices[] = {0, 0, 1, 2, 0};
    for (size_t i = 0; i < 5; i++) {
        assert_string_equal(ev->b.voters.v[i], voters[i]);
        assert_string_equal(ev->b.bys.v[i], "");
        assert_int_equal(ev->b.choices.v[i], choices[i]);
    }
    /* who was present at the close: b3 left */
    assert_int_equal(ev->b.present_ids.n, 5);
    for (size_t i = 0; i < ev->b.present_ids.n; i++) {
        assert_string_not_equal(ev->b.present_ids.v[i], "b3");
    }
    const struct vote *v = vote_of(f, "v1");
    assert_int_equal(v->state, VOTE_CLOSED);
    assert_int_equal(v->closed_at, NOW + MIN);
    assert_true(v->passed);
}

static void
test_vote_close_refusals(void **state)
{
    struct fx *f = *state;
    PREPARE(f, .question = "Q");
    REFUSED(f, ERR_BAD_STATE, "chair", CMD_VOTE_CLOSE, .vote = "v1");
    vote_open(f, "v1");
    REFUSED(f, ERR_FORBIDDEN, "b1", CMD_VOTE_CLOSE, .vote = "v1");
    REFUSED(f, ERR_FORBIDDEN, "secr", CMD_VOTE_CLOSE, .vote = "v1");
    REFUSED(f, ERR_NOT_FOUND, "chair", CMD_VOTE_CLOSE, .vote = "v2");
    vote_close_named(f, "v1");
    REFUSED(f, ERR_BAD_STATE, "chair", CMD_VOTE_CLOSE, .vote = "v1");
    assert_int_equal(close_with_tally(f, "v1", NULL, 0, "system"), ERR_BAD_STATE);
}

static void
test_vote_publish_and_cancel_follow_the_life_of_a_vote(void **state)
{
    struct fx *f = *state;
    PREPARE(f, .question = "Q1");
    PREPARE(f, .question = "Q2");
    PREPARE(f, .question = "Q3");
    REFUSED(f, ERR_BAD_STATE, "chair", CMD_VOTE_PUBLISH, .vote = "v1");
    vote_open(f, "v1");
    REFUSED(f, ERR_BAD_STATE, "secr", CMD_VOTE_PUBLISH, .vote = "v1");
    vote_close_named(f, "v1");
    REFUSED(f, ERR_FORBIDDEN, "b1", CMD_VOTE_PUBLISH, .vote = "v1");
    REFUSED(f, ERR_BAD_STATE, "chair", CMD_VOTE_CANCEL, .vote = "v1");
    OK(f, "secr", CMD_VOTE_PUBLISH, .vote = "v1");
    EVENTS(f, EV_VOTE_PUBLISHED);
    assert_string_equal(fx_last(f)->b.vote, "v1");
    assert_int_equal(vote_of(f, "v1")->state, VOTE_PUBLISHED);
    REFUSED(f, ERR_BAD_STATE, "chair", CMD_VOTE_PUBLISH, .vote = "v1");
    REFUSED(f, ERR_BAD_STATE, "chair", CMD_VOTE_CANCEL, .vote = "v1");
    /* cancel a prepared vote, then an open one */
    REFUSED(f, ERR_FORBIDDEN, "secr", CMD_VOTE_CANCEL, .vote = "v2");
    OK(f, "chair", CMD_VOTE_CANCEL, .vote = "v2");
    EVENTS(f, EV_VOTE_CANCELLED);
    REFUSED(f, ERR_BAD_STATE, "chair", CMD_VOTE_OPEN, .vote = "v2");
    vote_open(f, "v3");
    cast(f, "b1", "v3", "yes");
    OK(f, "chair", CMD_VOTE_CANCEL, .vote = "v3");
    assert_int_equal(vote_of(f, "v3")->state, VOTE_CANCELLED);
    REFUSED(f, ERR_BAD_STATE, "b2", CMD_VOTE_CAST, .vote = "v3", .choice = "yes");
    REFUSED(f, ERR_BAD_STATE, "chair", CMD_VOTE_CLOSE, .vote = "v3");
    REFUSED(f, ERR_BAD_STATE, "chair", CMD_VOTE_CANCEL, .vote = "v3");
    REFUSED(f, ERR_BAD_STATE, "chair", CMD_VOTE_PUBLISH, .vote = "v3");
    /* with nothing open any more, a new vote may open */
    PREPARE(f, .question = "Q4");
    vote_open(f, "v4");
}

/* ---- the majority rules ------------------------------------------------------------------ */

static void
test_simple_majority_needs_more_yes_than_no(void **state)
{
    struct fx *f = *state;
    assert_true(passes(f, "simple", "yyyynn"));
    assert_true(passes(f, "simple", "y-----"));    /* one yes, nobody else */
    assert_true(passes(f, "simple", "yaaaaa"));    /* abstentions do not count */
    assert_false(passes(f, "simple", "yyynnn"));   /* a tie fails */
    assert_false(passes(f, "simple", "ynaaaa"));   /* a tie among few fails */
    assert_false(passes(f, "simple", "aaaaaa"));   /* everyone abstains */
    assert_false(passes(f, "simple", "------"));   /* nobody votes */
    assert_false(passes(f, "simple", "ynn---"));
}

static void
test_simple_majority_all_abstain_counts_every_abstention(void **state)
{
    struct fx *f = *state;
    struct outcome o = VOTE_WITH(f, "aaaaaa", .rule = "simple");
    assert_false(o.passed);
    assert_int_equal(o.counts[0], 0);
    assert_int_equal(o.counts[1], 0);
    assert_int_equal(o.counts[2], 6);
    assert_int_equal(o.voted, 6);
}

static void
test_absolute_majority_counts_against_the_entitled_not_the_cast(void **state)
{
    struct fx *f = *state;
    assert_false(passes(f, "absolute", "yyy---")); /* 3 of 6 is not more than half */
    assert_false(passes(f, "absolute", "yyyaaa"));
    assert_true(passes(f, "absolute", "yyyy--"));
    assert_true(passes(f, "absolute", "yyyynn"));
    assert_false(passes(f, "absolute", "aaaaaa"));
    assert_false(passes(f, "absolute", "------"));
}

static void
test_absolute_majority_with_recusals_counts_only_the_entitled(void **state)
{
    struct fx *f = *state;
    struct outcome o = VOTE_WITH(f, "yyyrnr", .rule = "absolute"); /* 3 yes of 4 entitled */
    assert_int_equal(o.entitled_n, 4);
    assert_true(o.passed);
    o = VOTE_WITH(f, "yyrrnn", .rule = "absolute"); /* 2 of 4: not more than half */
    assert_int_equal(o.entitled_n, 4);
    assert_false(o.passed);
}

static void
test_qualified_majority_compares_yes_with_a_share_of_yes_and_no(void **state)
{
    struct fx *f = *state;
    /* 2/3 by default: 4 yes 2 no is exactly two thirds, and passes */
    assert_true(VOTE_WITH(f, "yyyynn", .rule = "qualified").passed);
    assert_false(VOTE_WITH(f, "yyynn-", .rule = "qualified").passed);  /* 3/5 < 2/3 */
    assert_true(VOTE_WITH(f, "yyaaaa", .rule = "qualified").passed);   /* 2/2 */
    assert_false(VOTE_WITH(f, "aaaaaa", .rule = "qualified").passed);  /* nothing cast */
    assert_false(VOTE_WITH(f, "------", .rule = "qualified").passed);
    /* 3/5: 3 of 5 passes, 2 of 4 does not */
    assert_true(VOTE_WITH(f, "yyynn-", .rule = "qualified", SHARE(3, 5)).passed);
    assert_false(VOTE_WITH(f, "yynn--", .rule = "qualified", SHARE(3, 5)).passed);
    /* 1/2: "at least half", so a tie passes */
    assert_true(VOTE_WITH(f, "yynn--", .rule = "qualified", SHARE(1, 2)).passed);
    /* unanimity of those who cast: one no is enough to fail */
    assert_true(VOTE_WITH(f, "yyyyya", .rule = "qualified", SHARE(100, 100)).passed);
    assert_false(VOTE_WITH(f, "yyyyyn", .rule = "qualified", SHARE(100, 100)).passed);
    assert_true(VOTE_WITH(f, "y-----", .rule = "qualified", SHARE(1, 1)).passed);
}

static void
test_double_majority_needs_a_majority_in_every_college(void **state)
{
    struct fx *f = *state;
    assert_true(passes(f, "double", "yynyyn"));
    assert_false(passes(f, "double", "yyynnn")); /* locataires against */
    assert_false(passes(f, "double", "yyyynn")); /* more yes overall, still locataires against */
    assert_false(passes(f, "double", "ynayyy")); /* a tie among bailleurs */
    assert_false(passes(f, "double", "yyy---")); /* nobody voted among locataires */
    assert_false(passes(f, "double", "yyyaaa")); /* locataires all abstain */
    assert_false(passes(f, "double", "aaaaaa"));
    assert_true(passes(f, "double", "y--y--"));
}

static void
test_double_majority_ignores_a_college_with_nobody_entitled(void **state)
{
    struct fx *f = *state;
    struct outcome o = VOTE_WITH(f, "yynrrr", .rule = "double");
    assert_true(o.passed);
    assert_int_equal(o.entitled_n, 3);
    assert_int_equal(o.ncolleges, 1);
    assert_string_equal(o.colleges[0], "bailleurs");
    assert_int_equal(o.college_counts[0], 2);
    assert_int_equal(o.college_counts[1], 1);
    /* and nobody entitled at all: nothing can pass */
    o = VOTE_WITH(f, "rrrrrr", .rule = "double");
    assert_false(o.passed);
    assert_int_equal(o.entitled_n, 0);
    assert_int_equal(o.ncolleges, 0);
    o = VOTE_WITH(f, "rrrrrr", .rule = "simple");
    assert_false(o.passed);
    assert_int_equal(o.voted, 0);
}

static void
test_recused_members_are_refused_and_counted_out_by_every_rule(void **state)
{
    struct fx *f = *state;
    struct outcome o = VOTE_WITH(f, "yrnnyr", .rule = "simple");
    assert_int_equal(o.entitled_n, 4);
    assert_int_equal(o.voted, 4);
    assert_false(o.passed); /* 2 yes, 2 no */
    o = VOTE_WITH(f, "ryyyyr", .rule = "qualified", SHARE(3, 4));
    assert_true(o.passed);
}

static void
test_a_choice_vote_is_won_by_strictly_the_most_votes(void **state)
{
    struct fx *f = *state;
    char *opts[] = {"A", "B", "C"};
    struct outcome o = VOTE_WITH(f, "001122", .kind = "choice", .options = {opts, 3});
    assert_false(o.passed); /* a three-way tie */
    assert_string_equal(o.winner, "");
    o = VOTE_WITH(f, "0011a2", .kind = "choice", .options = {opts, 3});
    assert_false(o.passed); /* A and B tie at the top */
    o = VOTE_WITH(f, "001222", .kind = "choice", .options = {opts, 3});
    assert_true(o.passed);
    assert_string_equal(o.winner, "C");
    assert_int_equal(o.ncounts, 4);
    assert_int_equal(o.counts[0], 2);
    assert_int_equal(o.counts[1], 1);
    assert_int_equal(o.counts[2], 3);
    assert_int_equal(o.counts[3], 0);
    o = VOTE_WITH(f, "-1----", .kind = "choice", .options = {opts, 3});
    assert_true(o.passed); /* a single ballot wins against zeroes */
    assert_string_equal(o.winner, "B");
    o = VOTE_WITH(f, "aaaaaa", .kind = "choice", .options = {opts, 3});
    assert_false(o.passed);
    assert_string_equal(o.winner, "");
    o = VOTE_WITH(f, "------", .kind = "choice", .options = {opts, 3});
    assert_false(o.passed);
    assert_string_equal(o.winner, "");
}

static void
test_a_choice_vote_with_the_absolute_rule_needs_more_than_half_of_the_cast(void **state)
{
    struct fx *f = *state;
    char *opts[] = {"A", "B", "C"};
    struct outcome o = VOTE_WITH(f, "000112", .kind = "choice", .options = {opts, 3},
                                 .rule = "absolute");
    assert_false(o.passed); /* 3 of 6 cast */
    assert_string_equal(o.winner, "");
    o = VOTE_WITH(f, "00012a", .kind = "choice", .options = {opts, 3}, .rule = "absolute");
    assert_true(o.passed); /* 3 of 5 cast, the abstention is not cast */
    assert_string_equal(o.winner, "A");
}

/* ---- proxies ---------------------------------------------------------------------------- */

static void
test_proxy_give_within_the_college_is_recorded(void **state)
{
    struct fx *f = *state;
    OK(f, "b2", CMD_PROXY_GIVE, .to = "b1");
    EVENTS(f, EV_PROXY_GIVEN);
    const struct event *ev = fx_last(f);
    assert_string_equal(ev->actor, "b2");
    assert_string_equal(ev->b.from, "b2");
    assert_string_equal(ev->b.to, "b1");
    assert_int_equal(proxy_of(f->m, (uint32_t)(fx_part(f, "b2") - f->m->parts)),
                     0);
}

static void
test_proxy_give_refuses_oneself_other_colleges_non_members_and_chains(void **state)
{
    struct fx *f = *state;
    REFUSED(f, ERR_INVALID, "b1", CMD_PROXY_GIVE, .to = "b1");
    REFUSED(f, ERR_INVALID, "b1", CMD_PROXY_GIVE, .to = "l1"); /* other college */
    REFUSED(f, ERR_INVALID, "b1", CMD_PROXY_GIVE, .to = "chair");
    REFUSED(f, ERR_INVALID, "b1", CMD_PROXY_GIVE, .to = "obs");
    REFUSED(f, ERR_NOT_FOUND, "b1", CMD_PROXY_GIVE, .to = "zz");
    REFUSED(f, ERR_BAD_MESSAGE, "b1", CMD_PROXY_GIVE, NO_BODY);
    REFUSED(f, ERR_FORBIDDEN, "chair", CMD_PROXY_GIVE, .to = "b1");
    REFUSED(f, ERR_FORBIDDEN, "secr", CMD_PROXY_GIVE, .to = "b1");
    REFUSED(f, ERR_FORBIDDEN, "obs", CMD_PROXY_GIVE, .to = "b1");
    OK(f, "b1", CMD_PROXY_GIVE, .to = "b2");
    REFUSED(f, ERR_CONFLICT, "b1", CMD_PROXY_GIVE, .to = "b3"); /* one proxy per giver */
    REFUSED(f, ERR_INVALID, "b2", CMD_PROXY_GIVE, .to = "b3");  /* chain: b1 -> b2 -> b3 */
    REFUSED(f, ERR_INVALID, "b3", CMD_PROXY_GIVE, .to = "b1");  /* chain: b3 -> b1 -> b2 */
    REFUSED(f, ERR_INVALID, "b2", CMD_PROXY_GIVE, .to = "b1");  /* a loop */
    REFUSED(f, ERR_CONFLICT, "b3", CMD_PROXY_GIVE, .to = "b2"); /* b2 holds one already */
}

static void
test_proxy_rules_follow_the_configuration(void **state)
{
    struct fx *f = *state;
    OK(f, "chair", CMD_MEETING_CONFIGURE, .has = HAS_PROXY_COLLEGE | HAS_PROXY_MAX,
       .proxy_college = 0, .proxy_max = 2);
    OK(f, "b1", CMD_PROXY_GIVE, .to = "l1"); /* across colleges */
    OK(f, "b2", CMD_PROXY_GIVE, .to = "l1"); /* two per holder */
    REFUSED(f, ERR_CONFLICT, "b3", CMD_PROXY_GIVE, .to = "l1");
    OK(f, "chair", CMD_MEETING_CONFIGURE, .has = HAS_PROXY_MAX, .proxy_max = 0);
    REFUSED(f, ERR_CONFLICT, "b3", CMD_PROXY_GIVE, .to = "l2"); /* no proxies at all */
    REFUSED(f, ERR_FORBIDDEN, "b1", CMD_MEETING_CONFIGURE, .has = HAS_PROXY_MAX, .proxy_max = 5);
}

static void
test_the_secretary_records_a_paper_proxy_and_revokes_it(void **state)
{
    struct fx *f = *state;
    REFUSED(f, ERR_FORBIDDEN, "b1", CMD_PROXY_RECORD, .from = "b3", .to = "b1");
    REFUSED(f, ERR_FORBIDDEN, "chair", CMD_PROXY_RECORD, .from = "b3", .to = "b1");
    REFUSED(f, ERR_BAD_MESSAGE, "secr", CMD_PROXY_RECORD, .to = "b1");
    REFUSED(f, ERR_NOT_FOUND, "secr", CMD_PROXY_RECORD, .from = "zz", .to = "b1");
    REFUSED(f, ERR_INVALID, "secr", CMD_PROXY_RECORD, .from = "b3", .to = "b3");
    REFUSED(f, ERR_INVALID, "secr", CMD_PROXY_RECORD, .from = "secr", .to = "b3");
    REFUSED(f, ERR_INVALID, "secr", CMD_PROXY_RECORD, .from = "b3", .to = "l3");
    OK(f, "secr", CMD_PROXY_RECORD, .from = "b3", .to = "b1");
    const struct event *ev = fx_last(f);
    assert_string_equal(ev->actor, "secr");
    assert_string_equal(ev->b.from, "b3");
    assert_string_equal(ev->b.to, "b1");
    REFUSED(f, ERR_BAD_MESSAGE, "secr", CMD_PROXY_REVOKE, NO_BODY);
    REFUSED(f, ERR_NOT_FOUND, "secr", CMD_PROXY_REVOKE, .from = "b2");
    REFUSED(f, ERR_FORBIDDEN, "b1", CMD_PROXY_REVOKE, .from = "b3"); /* the holder cannot */
    OK(f, "secr", CMD_PROXY_REVOKE, .from = "b3");
    EVENTS(f, EV_PROXY_REVOKED);
    assert_string_equal(fx_last(f)->b.from, "b3");
    REFUSED(f, ERR_NOT_FOUND, "secr", CMD_PROXY_REVOKE, .from = "b3");
}

static void
test_a_giver_revokes_until_a_vote_opens_and_may_give_again_after(void **state)
{
    struct fx *f = *state;
    REFUSED(f, ERR_NOT_FOUND, "b2", CMD_PROXY_REVOKE, NO_BODY);
    OK(f, "b2", CMD_PROXY_GIVE, .to = "b1");
    OK(f, "b2", CMD_PROXY_REVOKE, NO_BODY);
    OK(f, "b2", CMD_PROXY_GIVE, .to = "b3");
    PREPARE(f, .question = "Q");
    vote_open(f, "v1");
    REFUSED(f, ERR_BAD_STATE, "b2", CMD_PROXY_REVOKE, NO_BODY);
    REFUSED(f, ERR_BAD_STATE, "secr", CMD_PROXY_REVOKE, .from = "b2");
    vote_close_named(f, "v1");
    OK(f, "b2", CMD_PROXY_REVOKE, .from = "b2");
    OK(f, "chair", CMD_MEETING_CLOSE, NO_BODY);
    REFUSED(f, ERR_BAD_STATE, "b2", CMD_PROXY_GIVE, .to = "b3");
}

static void
test_a_holder_casts_for_an_absent_giver_and_the_ballot_says_by_whom(void **state)
{
    struct fx *f = *state;
    OK(f, "l3", CMD_PROXY_GIVE, .to = "l1");
    fx_leave(f, "l3");
    PREPARE(f, .question = "Q");
    vote_open(f, "v1");
    OK(f, "l1", CMD_VOTE_CAST, .vote = "v1", .choice = "no", .voter = "l3");
    EVENTS(f, EV_BALLOT_CAST);
    const struct event *ev = fx_last(f);
    assert_string_equal(ev->actor, "l1");
    assert_string_equal(ev->b.voter, "l3");
    assert_string_equal(ev->b.by, "l1");
    assert_string_equal(ev->b.choice, "no");
    cast(f, "l1", "v1", "yes"); /* their own, separately */
    const struct event *closed = vote_close_named(f, "v1");
    assert_int_equal(closed->b.voters.n, 2);
    assert_string_equal(closed->b.voters.v[0], "l1");
    assert_string_equal(closed->b.bys.v[0], "");
    assert_string_equal(closed->b.voters.v[1], "l3");
    assert_string_equal(closed->b.bys.v[1], "l1");
    assert_int_equal(closed->b.choices.v[1], 1);
}

static void
test_a_holder_casts_every_ballot_at_once_own_first_then_roster_order(void **state)
{
    struct fx *f = *state;
    OK(f, "chair", CMD_MEETING_CONFIGURE, .has = HAS_PROXY_MAX, .proxy_max = 3);
    OK(f, "b3", CMD_PROXY_GIVE, .to = "b2");
    OK(f, "b1", CMD_PROXY_GIVE, .to = "b2");
    fx_leave(f, "b1");
    fx_leave(f, "b3");
    PREPARE(f, .question = "Q");
    vote_open(f, "v1");
    OK(f, "b2", CMD_VOTE_CAST, .vote = "v1", .choice = "yes", .has = HAS_ALL, .all = 1);
    EVENTS(f, EV_BALLOT_CAST, EV_BALLOT_CAST, EV_BALLOT_CAST);
    assert_string_equal(fx_ev(f, 0)->b.voter, "b2");
    assert_string_equal(fx_ev(f, 0)->b.by, "");
    assert_string_equal(fx_ev(f, 1)->b.voter, "b1");
    assert_string_equal(fx_ev(f, 1)->b.by, "b2");
    assert_string_equal(fx_ev(f, 2)->b.voter, "b3");
    assert_string_equal(fx_ev(f, 2)->b.by, "b2");
    assert_int_equal(vote_of(f, "v1")->nvoted, 3);
    /* all again: each ballot is replaced, none counted twice */
    OK(f, "b2", CMD_VOTE_CAST, .vote = "v1", .choice = "no", .has = HAS_ALL, .all = 1);
    struct outcome o = outcome_of(vote_close_named(f, "v1"));
    assert_int_equal(o.voted, 3);
    assert_int_equal(o.counts[0], 0);
    assert_int_equal(o.counts[1], 3);
}

static void
test_all_skips_givers_who_are_present_or_recused(void **state)
{
    struct fx *f = *state;
    OK(f, "chair", CMD_MEETING_CONFIGURE, .has = HAS_PROXY_MAX, .proxy_max = 2);
    OK(f, "l2", CMD_PROXY_GIVE, .to = "l1");
    OK(f, "l3", CMD_PROXY_GIVE, .to = "l1");
    OK(f, "l3", CMD_RECUSAL_DECLARE, .item = "i1");
    /* l2 stays connected: they vote themselves */
    PREPARE(f, .question = "Q");
    vote_open(f, "v1");
    OK(f, "l1", CMD_VOTE_CAST, .vote = "v1", .choice = "yes", .has = HAS_ALL, .all = 1);
    EVENTS(f, EV_BALLOT_CAST);
    assert_string_equal(fx_last(f)->b.voter, "l1");
    REFUSED(f, ERR_FORBIDDEN, "l1", CMD_VOTE_CAST, .vote = "v1", .choice = "yes", .voter = "l2");
    REFUSED(f, ERR_FORBIDDEN, "l1", CMD_VOTE_CAST, .vote = "v1", .choice = "yes", .voter = "l3");
    fx_leave(f, "l2");
    OK(f, "l1", CMD_VOTE_CAST, .vote = "v1", .choice = "yes", .has = HAS_ALL, .all = 1);
    EVENTS(f, EV_BALLOT_CAST, EV_BALLOT_CAST);
    assert_string_equal(fx_ev(f, 1)->b.voter, "l2");
}

static void
test_a_recused_holder_still_casts_the_ballots_held(void **state)
{
    struct fx *f = *state;
    OK(f, "b2", CMD_PROXY_GIVE, .to = "b1");
    OK(f, "b1", CMD_RECUSAL_DECLARE, .item = "i1");
    fx_leave(f, "b2");
    PREPARE(f, .question = "Q");
    vote_open(f, "v1");
    REFUSED(f, ERR_FORBIDDEN, "b1", CMD_VOTE_CAST, .vote = "v1", .choice = "yes");
    REFUSED(f, ERR_FORBIDDEN, "b1", CMD_VOTE_CAST, .vote = "v1", .choice = "yes", .voter = "b1");
    OK(f, "b1", CMD_VOTE_CAST, .vote = "v1", .choice = "yes", .has = HAS_ALL, .all = 1);
    EVENTS(f, EV_BALLOT_CAST);
    assert_string_equal(fx_last(f)->b.voter, "b2");
    OK(f, "b1", CMD_VOTE_CAST, .vote = "v1", .choice = "no", .voter = "b2");
}

static void
test_casting_for_someone_who_gave_no_proxy_is_refused(void **state)
{
    struct fx *f = *state;
    OK(f, "b2", CMD_PROXY_GIVE, .to = "b3");
    fx_leave(f, "b2");
    fx_leave(f, "l2");
    PREPARE(f, .question = "Q");
    vote_open(f, "v1");
    REFUSED(f, ERR_FORBIDDEN, "b1", CMD_VOTE_CAST, .vote = "v1", .choice = "yes", .voter = "b2");
    REFUSED(f, ERR_FORBIDDEN, "b1", CMD_VOTE_CAST, .vote = "v1", .choice = "yes", .voter = "l2");
    REFUSED(f, ERR_NOT_FOUND, "b1", CMD_VOTE_CAST, .vote = "v1", .choice = "yes", .voter = "zz");
    REFUSED(f, ERR_BAD_MESSAGE, "b3", CMD_VOTE_CAST, .vote = "v1", .choice = "yes", .voter = "b2",
            .has = HAS_ALL, .all = 1);
    REFUSED(f, ERR_FORBIDDEN, "l1", CMD_VOTE_CAST, .vote = "v1", .choice = "yes", .voter = "b2");
    assert_int_equal(vote_of(f, "v1")->nvoted, 0);
    /* the holder casts for the giver, and "for" oneself is one's own ballot */
    cast(f, "b3", "v1", "yes");
    OK(f, "b3", CMD_VOTE_CAST, .vote = "v1", .choice = "yes", .voter = "b2");
    OK(f, "b3", CMD_VOTE_CAST, .vote = "v1", .choice = "yes", .voter = "b3", .has = HAS_ALL,
       .all = 0);
}

static void
test_all_with_no_ballot_to_cast_is_forbidden(void **state)
{
    struct fx *f = *state;
    PREPARE(f, .question = "Q", .item = "i1");
    OK(f, "b1", CMD_RECUSAL_DECLARE, .item = "i1");
    vote_open(f, "v1");
    REFUSED(f, ERR_FORBIDDEN, "b1", CMD_VOTE_CAST, .vote = "v1", .choice = "yes", .has = HAS_ALL,
            .all = 1);
}

static void
test_a_giver_who_arrives_takes_their_vote_back_in_a_named_vote(void **state)
{
    struct fx *f = *state;
    OK(f, "b3", CMD_PROXY_GIVE, .to = "b1");
    fx_leave(f, "b3");
    PREPARE(f, .question = "Q");
    vote_open(f, "v1");
    OK(f, "b1", CMD_VOTE_CAST, .vote = "v1", .choice = "yes", .voter = "b3");
    fx_join(f, "b3");
    REFUSED(f, ERR_FORBIDDEN, "b1", CMD_VOTE_CAST, .vote = "v1", .choice = "yes", .voter = "b3");
    cast(f, "b3", "v1", "no");
    const struct event *ev = vote_close_named(f, "v1");
    assert_int_equal(ev->b.voted, 1);
    assert_int_equal(ev->b.counts.v[0], 0);
    assert_int_equal(ev->b.counts.v[1], 1);
    assert_string_equal(ev->b.voters.v[0], "b3");
    assert_string_equal(ev->b.bys.v[0], "");
}

static void
test_a_holder_cannot_cast_for_a_recused_giver(void **state)
{
    struct fx *f = *state;
    OK(f, "l2", CMD_PROXY_GIVE, .to = "l3");
    OK(f, "secr", CMD_RECUSAL_DECLARE, .participant = "l2", .item = "i1");
    fx_leave(f, "l2");
    PREPARE(f, .question = "Q");
    vote_open(f, "v1");
    assert_int_equal(fx_last(f)->b.entitled_n, 5);
    REFUSED(f, ERR_FORBIDDEN, "l3", CMD_VOTE_CAST, .vote = "v1", .choice = "yes", .voter = "l2");
    REFUSED(f, ERR_FORBIDDEN, "l2", CMD_VOTE_CAST, .vote = "v1", .choice = "yes");
}

static void
test_with_proxy_quorum_an_absent_giver_counts_through_a_present_holder(void **state)
{
    struct fx *f = *state;
    OK(f, "b2", CMD_PROXY_GIVE, .to = "b1");
    OK(f, "l2", CMD_PROXY_GIVE, .to = "l1");
    fx_leave(f, "b2");
    fx_leave(f, "b3");
    fx_leave(f, "l2");
    fx_leave(f, "l3"); /* 2 present of 6 */
    PREPARE(f, .question = "Q1");
    vote_open(f, "v1");
    assert_false(fx_last(f)->b.quorum_met);
    vote_close_named(f, "v1");
    OK(f, "chair", CMD_MEETING_CONFIGURE, .has = HAS_PROXY_QUORUM, .proxy_quorum = 1);
    PREPARE(f, .question = "Q2");
    vote_open(f, "v2");
    assert_true(fx_last(f)->b.quorum_met); /* 2 present + 2 represented */
    assert_int_equal(fx_last(f)->b.present_ids.n, 2);
}

/* ---- recusals --------------------------------------------------------------------------- */

static void
test_a_member_declares_a_recusal_on_the_current_item(void **state)
{
    struct fx *f = *state;
    OK(f, "b2", CMD_RECUSAL_DECLARE, NO_BODY);
    EVENTS(f, EV_RECUSAL_DECLARED);
    const struct event *ev = fx_last(f);
    assert_string_equal(ev->actor, "b2");
    assert_string_equal(ev->b.participant, "b2");
    assert_string_equal(ev->b.item, "i1");
    assert_true(recused(f->m, (uint32_t)(fx_part(f, "b2") - f->m->parts), 0));
    REFUSED(f, ERR_CONFLICT, "b2", CMD_RECUSAL_DECLARE, .item = "i1");
    OK(f, "b2", CMD_RECUSAL_WITHDRAW, NO_BODY);
    EVENTS(f, EV_RECUSAL_WITHDRAWN);
    REFUSED(f, ERR_NOT_FOUND, "b2", CMD_RECUSAL_WITHDRAW, NO_BODY);
    OK(f, "b2", CMD_RECUSAL_DECLARE, NO_BODY); /* again after a withdrawal */
}

static void
test_recusal_refusals_by_role_item_and_state(void **state)
{
    struct fx *f = *state;
    REFUSED(f, ERR_FORBIDDEN, "b1", CMD_RECUSAL_DECLARE, .participant = "b2");
    REFUSED(f, ERR_FORBIDDEN, "chair", CMD_RECUSAL_DECLARE, NO_BODY);
    REFUSED(f, ERR_FORBIDDEN, "obs", CMD_RECUSAL_DECLARE, NO_BODY);
    REFUSED(f, ERR_INVALID, "secr", CMD_RECUSAL_DECLARE, .participant = "chair");
    REFUSED(f, ERR_INVALID, "secr", CMD_RECUSAL_DECLARE, NO_BODY); /* the secretary is no member */
    REFUSED(f, ERR_NOT_FOUND, "secr", CMD_RECUSAL_DECLARE, .participant = "zz");
    REFUSED(f, ERR_NOT_FOUND, "b1", CMD_RECUSAL_DECLARE, .item = "i9");
    OK(f, "secr", CMD_RECUSAL_DECLARE, .participant = "b2", .item = "i2");
    assert_string_equal(fx_last(f)->actor, "secr");
    OK(f, "chair", CMD_AGENDA_CLOSE, NO_BODY);
    REFUSED(f, ERR_BAD_STATE, "b1", CMD_RECUSAL_DECLARE, NO_BODY); /* no current item */
    OK(f, "b1", CMD_RECUSAL_DECLARE, .item = "i1");
}

static void
test_no_recusal_change_on_an_item_while_its_vote_is_open(void **state)
{
    struct fx *f = *state;
    OK(f, "l1", CMD_RECUSAL_DECLARE, .item = "i2");
    PREPARE(f, .question = "Q", .item = "i1");
    vote_open(f, "v1");
    REFUSED(f, ERR_BAD_STATE, "b1", CMD_RECUSAL_DECLARE, .item = "i1");
    REFUSED(f, ERR_BAD_STATE, "secr", CMD_RECUSAL_DECLARE, .participant = "b1");
    /* another item is free */
    OK(f, "b1", CMD_RECUSAL_DECLARE, .item = "i2");
    OK(f, "l1", CMD_RECUSAL_WITHDRAW, .item = "i2");
    vote_close_named(f, "v1");
    OK(f, "b1", CMD_RECUSAL_DECLARE, .item = "i1");
}

static void
test_a_recusal_on_another_item_does_not_change_who_votes(void **state)
{
    struct fx *f = *state;
    OK(f, "b1", CMD_RECUSAL_DECLARE, .item = "i2");
    PREPARE(f, .question = "Q");
    vote_open(f, "v1");
    assert_int_equal(fx_last(f)->b.entitled_n, 6);
    cast(f, "b1", "v1", "yes");
    /* and with no item current, a vote must name its item, recusals included */
    vote_close_named(f, "v1");
    OK(f, "chair", CMD_AGENDA_CLOSE, NO_BODY);
    OK(f, "b2", CMD_RECUSAL_DECLARE, .item = "i1");
    REFUSED(f, ERR_BAD_STATE, "chair", CMD_VOTE_PREPARE, .question = "Q2");
    PREPARE(f, .question = "Q2", .item = "i1");
    assert_string_equal(fx_last(f)->b.item, "i1");
    vote_open(f, "v2");
    assert_int_equal(fx_last(f)->b.entitled_n, 5);
    REFUSED(f, ERR_FORBIDDEN, "b2", CMD_VOTE_CAST, .vote = "v2", .choice = "yes");
}

static void
test_the_opening_lists_recused_members_out_of_the_entitled(void **state)
{
    struct fx *f = *state;
    OK(f, "b2", CMD_RECUSAL_DECLARE, NO_BODY);
    OK(f, "secr", CMD_RECUSAL_DECLARE, .participant = "l3");
    PREPARE(f, .question = "Q");
    vote_open(f, "v1");
    const struct event *ev = fx_last(f);
    assert_int_equal(ev->b.entitled_n, 4);
    static const char *const want[] = {"b1", "b3", "l1", "l2"};
    assert_int_equal(ev->b.entitled.n, 4);
    for (size_t i = 0; i < 4; i++) {
        assert_string_equal(ev->b.entitled.v[i], want[i]);
    }
    REFUSED(f, ERR_FORBIDDEN, "b2", CMD_VOTE_CAST, .vote = "v1", .choice = "yes");
    REFUSED(f, ERR_FORBIDDEN, "l3", CMD_VOTE_CAST, .vote = "v1", .choice = "no");
    assert_int_equal(vote_of(f, "v1")->nvoted, 0);
}

/* ---- secret votes -------------------------------------------------------------------------- */

static void
test_a_secret_ballot_is_logged_without_its_choice(void **state)
{
    struct fx *f = *state;
    PREPARE(f, .question = "Q", .mode = "secret");
    vote_open(f, "v1");
    assert_int_equal(cast_secret(f, "b1", "v1", "no", receipt(1), NULL), 0);
    EVENTS(f, EV_BALLOT_CAST);
    const struct event *ev = fx_last(f);
    assert_string_equal(ev->b.voter, "b1");
    assert_string_equal(ev->b.by, "");
    assert_string_equal(ev->b.choice, "");
    char *body = proto_event_body(ev);
    assert_non_null(body);
    assert_null(strstr(body, "no\""));
    assert_null(strstr(body, receipt(1)));
    assert_string_equal(body, "{\"by\":\"\",\"choice\":\"\",\"vote\":\"v1\",\"voter\":\"b1\"}");
    free(body);
    assert_int_equal(vote_of(f, "v1")->nvoted, 1);
}

static void
test_a_secret_ballot_needs_one_well_formed_receipt_per_ballot(void **state)
{
    struct fx *f = *state;
    PREPARE(f, .question = "Q", .mode = "secret");
    vote_open(f, "v1");
    assert_int_equal(cast_secret(f, "b1", "v1", "yes", NULL, NULL), ERR_INVALID);
    assert_int_equal(cast_secret(f, "b1", "v1", "yes", "short-receipt", NULL), ERR_INVALID);
    assert_int_equal(cast_secret(f, "b1", "v1", "yes", "0123456789abcdef", NULL), 0); /* 16 */
    assert_int_equal(cast_secret(f, "b2", "v1", "yes", "0123456789abcdef/", NULL), ERR_INVALID);
    assert_int_equal(cast_secret(f, "b2", "v1", "yes", "0123456789abcdef+", NULL), ERR_INVALID);
    assert_int_equal(cast_secret(f, "b2", "v1", "yes", "0123456789abcdef=", NULL), ERR_INVALID);
    assert_int_equal(cast_secret(f, "b2", "v1", "yes", "0123456789abcdéf", NULL), ERR_INVALID);
    char long64[65], long65[66];
    memset(long64, 'x', 64);
    long64[64] = 0;
    memset(long65, 'y', 65);
    long65[65] = 0;
    assert_int_equal(cast_secret(f, "b2", "v1", "yes", long65, NULL), ERR_INVALID);
    assert_int_equal(cast_secret(f, "b2", "v1", "yes", long64, NULL), 0);
    /* two receipts for one ballot */
    char *two[] = {(char *)receipt(3), (char *)receipt(4)};
    REFUSED(f, ERR_INVALID, "b3", CMD_VOTE_CAST, .vote = "v1", .choice = "yes",
            .receipts = {two, 2});
    /* a bad choice is refused before anything else */
    assert_int_equal(cast_secret(f, "b3", "v1", "maybe", receipt(5), NULL), ERR_INVALID);
    assert_int_equal(vote_of(f, "v1")->nvoted, 2);
}

static void
test_a_named_ballot_takes_no_receipt(void **state)
{
    struct fx *f = *state;
    PREPARE(f, .question = "Q");
    vote_open(f, "v1");
    assert_int_equal(cast_secret(f, "b1", "v1", "yes", receipt(1), NULL), ERR_INVALID);
    char *empty[] = {""};
    REFUSED(f, ERR_INVALID, "b1", CMD_VOTE_CAST, .vote = "v1", .choice = "yes",
            .replaces = {empty, 1});
}

static void
test_changing_a_secret_ballot_names_the_receipt_it_replaces(void **state)
{
    struct fx *f = *state;
    PREPARE(f, .question = "Q", .mode = "secret");
    vote_open(f, "v1");
    assert_int_equal(cast_secret(f, "l1", "v1", "yes", receipt(1), NULL), 0);
    /* casting again as if for the first time: conflict, the first ballot stands */
    assert_int_equal(cast_secret(f, "l1", "v1", "no", receipt(2), NULL), ERR_CONFLICT);
    assert_int_equal(cast_secret(f, "l1", "v1", "no", receipt(2), ""), ERR_CONFLICT);
    assert_int_equal(cast_secret(f, "l1", "v1", "no", receipt(2), "not a receipt!!!"),
                     ERR_INVALID);
    assert_int_equal(cast_secret(f, "l1", "v1", "no", receipt(2), receipt(1)), 0);
    assert_string_equal(fx_last(f)->b.choice, "");
    assert_int_equal(vote_of(f, "v1")->nvoted, 1);
    /* a first ballot names no replaced receipt ("" is allowed) */
    assert_int_equal(cast_secret(f, "l2", "v1", "no", receipt(3), receipt(1)), ERR_INVALID);
    assert_int_equal(cast_secret(f, "l2", "v1", "no", receipt(3), ""), 0);
    assert_int_equal(vote_of(f, "v1")->nvoted, 2);
}

static void
test_a_holder_casts_secret_ballots_with_a_receipt_each_in_the_order_of_all(void **state)
{
    struct fx *f = *state;
    OK(f, "chair", CMD_MEETING_CONFIGURE, .has = HAS_PROXY_MAX, .proxy_max = 2);
    OK(f, "l3", CMD_PROXY_GIVE, .to = "l2");
    OK(f, "l1", CMD_PROXY_GIVE, .to = "l2");
    fx_leave(f, "l1");
    fx_leave(f, "l3");
    PREPARE(f, .question = "Q", .mode = "secret");
    vote_open(f, "v1");
    char *one[] = {(char *)receipt(1)};
    REFUSED(f, ERR_INVALID, "l2", CMD_VOTE_CAST, .vote = "v1", .choice = "yes", .has = HAS_ALL,
            .all = 1, .receipts = {one, 1});
    char *three[] = {"own-receipt-0000000000", "for-l1-000000000000000", "for-l3-000000000000000"};
    OK(f, "l2", CMD_VOTE_CAST, .vote = "v1", .choice = "yes", .has = HAS_ALL, .all = 1,
       .receipts = {three, 3});
    EVENTS(f, EV_BALLOT_CAST, EV_BALLOT_CAST, EV_BALLOT_CAST);
    assert_string_equal(fx_ev(f, 0)->b.voter, "l2");
    assert_string_equal(fx_ev(f, 1)->b.voter, "l1");
    assert_string_equal(fx_ev(f, 2)->b.voter, "l3");
    for (size_t i = 0; i < 3; i++) {
        assert_string_equal(fx_ev(f, i)->b.choice, "");
    }
    /* changing them: the replaced receipts, aligned */
    char *again[] = {"own-receipt-1111111111", "for-l1-111111111111111", "for-l3-111111111111111"};
    REFUSED(f, ERR_CONFLICT, "l2", CMD_VOTE_CAST, .vote = "v1", .choice = "no", .has = HAS_ALL,
            .all = 1, .receipts = {again, 3});
    char *half[] = {three[0]};
    REFUSED(f, ERR_INVALID, "l2", CMD_VOTE_CAST, .vote = "v1", .choice = "no", .has = HAS_ALL,
            .all = 1, .receipts = {again, 3}, .replaces = {half, 1});
    OK(f, "l2", CMD_VOTE_CAST, .vote = "v1", .choice = "no", .has = HAS_ALL, .all = 1,
       .receipts = {again, 3}, .replaces = {three, 3});
    assert_int_equal(vote_of(f, "v1")->nvoted, 3);
}

static void
test_a_secret_vote_is_counted_from_the_tally_and_lists_no_ballot(void **state)
{
    struct fx *f = *state;
    PREPARE(f, .question = "Q", .mode = "secret", .rule = "double");
    vote_open(f, "v1");
    for (size_t i = 0; i < NMEMBERS; i++) {
        assert_int_equal(cast_secret(f, members[i], "v1", "abstain", receipt((int)i), NULL), 0);
    }
    /* what the table holds: bailleurs 2 yes 1 no, locataires 2 yes 1 abstain */
    static const struct secret_tally t[] = {
        {"bailleurs", "no", 1}, {"bailleurs", "yes", 2}, {"locataires", "abstain", 1},
        {"locataires", "yes", 2}};
    assert_int_equal(close_command_with_tally(f, "chair", "v1", t, 4), 0);
    EVENTS(f, EV_VOTE_CLOSED);
    const struct event *ev = fx_last(f);
    struct outcome o = outcome_of(ev);
    assert_int_equal(o.counts[0], 4);
    assert_int_equal(o.counts[1], 1);
    assert_int_equal(o.counts[2], 1);
    static const int64_t per_college[] = {2, 1, 0, 2, 0, 1};
    assert_memory_equal(o.college_counts, per_college, sizeof(per_college));
    assert_true(o.passed);
    assert_int_equal(o.voted, 6);
    assert_int_equal(sum(&ev->b.counts), o.voted);
    /* only the tally enters the log */
    assert_int_equal(ev->b.voters.n, 0);
    assert_int_equal(ev->b.bys.n, 0);
    assert_int_equal(ev->b.choices.n, 0);
    /* and the snapshot lists no ballot */
    char *snap = fx_snapshot(f->m);
    json_error_t jerr;
    json_t *s = json_loads(snap, 0, &jerr);
    assert_non_null(s);
    json_t *result = json_object_get(json_array_get(json_object_get(s, "votes"), 0), "result");
    assert_non_null(result);
    assert_int_equal(json_array_size(json_object_get(result, "ballots")), 0);
    json_decref(s);
    free(snap);
}

static void
test_a_secret_vote_closed_by_the_system_at_its_deadline(void **state)
{
    struct fx *f = *state;
    char *opts[] = {"Lille", "Amiens"};
    PREPARE(f, .question = "Où ?", .kind = "choice", .options = {opts, 2}, .mode = "secret",
            .has = HAS_DURATION, .duration = 30);
    vote_open(f, "v1");
    assert_int_equal(cast_secret(f, "b1", "v1", "Amiens", receipt(1), NULL), 0);
    f->now = vote_of(f, "v1")->deadline;
    static const struct secret_tally t[] = {{"bailleurs", "Amiens", 1}};
    assert_int_equal(close_with_tally(f, "v1", t, 1, "system"), 0);
    struct outcome o = outcome_of(fx_last(f));
    assert_true(o.passed);
    assert_string_equal(o.winner, "Amiens");
    assert_int_equal(o.counts[1], 1);
    assert_string_equal(fx_last(f)->actor, "system");
    /* one ballot in the bailleurs' college: no counts by college */
    assert_true(o.withheld);
}

/* ---- secrecy in a small college ------------------------------------------------------------ */

static json_t *snapshot_vote(struct fx *f, size_t i);

static void
test_a_secret_vote_withholds_every_college_count_when_one_college_has_two_ballots(void **state)
{
    struct fx *f = *state;
    PREPARE(f, .question = "Q", .mode = "secret");
    vote_open(f, "v1");
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(cast_secret(f, members[i], "v1", "yes", receipt((int)i), NULL), 0);
    }
    /* bailleurs 3 ballots, locataires 2: the locataires' counts would tell
     * each of the two how the other voted, and the totals less the bailleurs'
     * would give them: neither college's counts are published. */
    static const struct secret_tally t[] = {
        {"bailleurs", "yes", 2}, {"bailleurs", "no", 1}, {"locataires", "yes", 1},
        {"locataires", "no", 1}};
    assert_int_equal(close_command_with_tally(f, "chair", "v1", t, 4), 0);
    struct outcome o = outcome_of(fx_last(f));
    assert_true(o.withheld);
    assert_int_equal(o.ncolleges, 2);
    assert_int_equal(o.counts[0], 3);
    assert_int_equal(o.counts[1], 2);
    assert_int_equal(o.ncollege_passed, 0); /* not the double rule */
    json_t *v = snapshot_vote(f, 0);
    json_t *r = json_object_get(v, "result");
    assert_int_equal(json_array_size(json_object_get(r, "college_counts")), 0);
    assert_int_equal(json_array_size(json_object_get(r, "colleges")), 2);
    json_decref(v);
}

static void
test_a_secret_vote_publishes_college_counts_when_every_college_has_three_ballots_or_none(void **state)
{
    struct fx *f = *state;
    PREPARE(f, .question = "Q", .mode = "secret");
    vote_open(f, "v1");
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(cast_secret(f, members[i], "v1", "yes", receipt((int)i), NULL), 0);
    }
    static const struct secret_tally t[] = {{"bailleurs", "yes", 2}, {"bailleurs", "abstain", 1}};
    assert_int_equal(close_command_with_tally(f, "chair", "v1", t, 2), 0);
    struct outcome o = outcome_of(fx_last(f));
    assert_false(o.withheld);
    static const int64_t per_college[] = {2, 0, 1, 0, 0, 0};
    assert_memory_equal(o.college_counts, per_college, sizeof(per_college));
}

static void
test_a_named_vote_publishes_college_counts_whatever_the_college_size(void **state)
{
    struct fx *f = *state;
    PREPARE(f, .question = "Q");
    vote_open(f, "v1");
    cast(f, "b1", "v1", "no");
    struct outcome o = outcome_of(vote_close_named(f, "v1"));
    assert_false(o.withheld);
    assert_int_equal(o.college_counts[1], 1);
}

static void
test_a_secret_double_vote_names_the_small_colleges_at_opening_and_gives_each_outcome(void **state)
{
    struct fx *f = *state;
    /* two bailleurs present out of three; the three locataires present */
    fx_leave(f, "b3");
    PREPARE(f, .question = "Q", .mode = "secret", .rule = "double");
    vote_open(f, "v1");
    const struct event *op = fx_last(f);
    assert_int_equal(op->type, EV_VOTE_OPENED);
    assert_int_equal(op->b.small_colleges.n, 1);
    assert_string_equal(op->b.small_colleges.v[0], "bailleurs");
    json_t *v = snapshot_vote(f, 0);
    assert_int_equal(json_array_size(json_object_get(v, "small_colleges")), 1);
    json_decref(v);
    static const struct secret_tally t[] = {
        {"bailleurs", "yes", 2}, {"locataires", "yes", 2}, {"locataires", "no", 1}};
    assert_int_equal(close_command_with_tally(f, "chair", "v1", t, 3), 0);
    struct outcome o = outcome_of(fx_last(f));
    assert_true(o.withheld);
    assert_int_equal(o.ncollege_passed, 2);
    assert_int_equal(o.college_passed[0], 1);
    assert_int_equal(o.college_passed[1], 1);
    assert_true(o.passed);
}

static void
test_a_named_or_simple_vote_names_no_small_college(void **state)
{
    struct fx *f = *state;
    fx_leave(f, "b3");
    fx_leave(f, "b2");
    PREPARE(f, .question = "Q", .rule = "double");
    vote_open(f, "v1");
    assert_int_equal(fx_last(f)->b.small_colleges.n, 0);
    OK(f, "chair", CMD_VOTE_CANCEL, .vote = "v1");
    PREPARE(f, .question = "Q2", .mode = "secret");
    vote_open(f, "v2");
    assert_int_equal(fx_last(f)->b.small_colleges.n, 0);
}

/* ---- what clients see --------------------------------------------------------------------- */

static json_t *
snapshot_vote(struct fx *f, size_t i)
{
    char *snap = fx_snapshot(f->m);
    json_error_t jerr;
    json_t *s = json_loads(snap, 0, &jerr);
    free(snap);
    assert_non_null(s);
    json_t *v = json_incref(json_array_get(json_object_get(s, "votes"), i));
    json_decref(s);
    assert_non_null(v);
    return v;
}

static void
test_the_snapshot_shows_k_of_n_while_open_and_never_a_choice(void **state)
{
    struct fx *f = *state;
    OK(f, "b2", CMD_RECUSAL_DECLARE, NO_BODY);
    PREPARE(f, .question = "Q");
    vote_open(f, "v1");
    cast(f, "b1", "v1", "yes");
    cast(f, "l1", "v1", "no");
    cast(f, "l1", "v1", "abstain");
    json_t *v = snapshot_vote(f, 0);
    assert_string_equal(json_string_value(json_object_get(v, "state")), "open");
    assert_int_equal(json_integer_value(json_object_get(v, "voted")), 2);
    assert_int_equal(json_integer_value(json_object_get(v, "entitled")), 5);
    assert_true(json_is_true(json_object_get(v, "quorum_open")));
    assert_null(json_object_get(v, "result"));
    char *text = json_dumps(v, JSON_COMPACT);
    assert_null(strstr(text, "\"b1\""));
    assert_null(strstr(text, "\"l1\""));
    free(text);
    json_decref(v);
    vote_close_named(f, "v1");
    v = snapshot_vote(f, 0);
    json_t *result = json_object_get(v, "result");
    assert_non_null(result);
    json_t *ballots = json_object_get(result, "ballots");
    assert_int_equal(json_array_size(ballots), 2);
    json_t *b = json_array_get(ballots, 1);
    assert_string_equal(json_string_value(json_object_get(b, "voter")), "l1");
    assert_string_equal(json_string_value(json_object_get(b, "choice")), "abstain");
    assert_true(json_is_true(json_object_get(result, "passed"))); /* 1 yes, 0 no */
    json_decref(v);
}

static void
test_the_snapshot_lists_live_proxies_and_recusals(void **state)
{
    struct fx *f = *state;
    OK(f, "b2", CMD_PROXY_GIVE, .to = "b1");
    OK(f, "l2", CMD_PROXY_GIVE, .to = "l1");
    OK(f, "b2", CMD_PROXY_REVOKE, NO_BODY);
    OK(f, "l3", CMD_RECUSAL_DECLARE, .item = "i2");
    OK(f, "l1", CMD_RECUSAL_DECLARE, NO_BODY);
    OK(f, "l1", CMD_RECUSAL_WITHDRAW, NO_BODY);
    char *snap = fx_snapshot(f->m);
    json_error_t jerr;
    json_t *s = json_loads(snap, 0, &jerr);
    free(snap);
    assert_non_null(s);
    char *p = json_dumps(json_object_get(s, "proxies"), JSON_COMPACT);
    char *r = json_dumps(json_object_get(s, "recusals"), JSON_COMPACT);
    assert_string_equal(p, "[{\"from\":\"l2\",\"to\":\"l1\"}]");
    assert_string_equal(r, "[{\"participant\":\"l3\",\"item\":\"i2\"}]");
    free(p);
    free(r);
    json_decref(s);
}

/* ---- the log folds back -------------------------------------------------------------------- */

static void
test_a_whole_sitting_of_votes_folds_back_to_the_same_state(void **state)
{
    struct fx *f = *state;
    char *opts[] = {"A", "B"};
    OK(f, "chair", CMD_MEETING_CONFIGURE, .has = HAS_PROXY_MAX | HAS_PROXY_COLLEGE,
       .proxy_max = 2, .proxy_college = 0);
    OK(f, "b3", CMD_PROXY_GIVE, .to = "l1");
    OK(f, "secr", CMD_PROXY_RECORD, .from = "l3", .to = "l1");
    OK(f, "b2", CMD_RECUSAL_DECLARE, NO_BODY);
    fx_leave(f, "b3");
    fx_leave(f, "l3");
    PREPARE(f, .question = "Nominal", .rule = "double");
    vote_open(f, "v1");
    OK(f, "l1", CMD_VOTE_CAST, .vote = "v1", .choice = "yes", .has = HAS_ALL, .all = 1);
    cast(f, "b1", "v1", "no");
    cast(f, "b1", "v1", "yes");
    vote_close_named(f, "v1");
    OK(f, "chair", CMD_VOTE_PUBLISH, .vote = "v1");
    PREPARE(f, .question = "Secret", .kind = "choice", .options = {opts, 2}, .mode = "secret");
    vote_open(f, "v2");
    assert_int_equal(cast_secret(f, "l2", "v2", "B", receipt(1), NULL), 0);
    assert_int_equal(cast_secret(f, "l2", "v2", "A", receipt(2), receipt(1)), 0);
    static const struct secret_tally t[] = {{"locataires", "A", 1}};
    assert_int_equal(close_with_tally(f, "v2", t, 1, "chair"), 0);
    PREPARE(f, .question = "Left open");
    vote_open(f, "v3");
    cast(f, "l2", "v3", "no");
    /* fx_teardown folds the whole log again and compares the snapshots */
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup_voting, fx_teardown)
        T(test_vote_prepare_writes_a_named_yesno_vote_on_the_current_item),
        T(test_vote_prepare_by_the_secretary_on_another_item_with_every_option),
        T(test_vote_prepare_qualified_defaults_to_two_thirds_and_keeps_a_given_share),
        T(test_vote_prepare_refuses_malformed_votes_as_invalid),
        T(test_vote_prepare_refusals_by_role_item_and_state),
        cmocka_unit_test(test_vote_prepare_before_the_meeting_opens_needs_an_item),
        T(test_vote_prepare_stops_at_two_hundred_votes),
        T(test_vote_open_freezes_the_entitled_and_present_members),
        T(test_vote_open_without_duration_has_no_deadline),
        T(test_vote_open_refusals_by_role_state_and_second_open_vote),
        T(test_a_vote_opened_without_quorum_cannot_pass_even_unanimous),
        T(test_a_choice_vote_opened_without_quorum_has_no_winner),
        T(test_a_member_casts_a_named_ballot_and_the_log_records_the_choice),
        T(test_vote_replaces_the_first_ballot_with_the_last_and_counts_it_once),
        T(test_vote_refuses_a_ballot_before_the_opening_and_after_the_close),
        T(test_vote_refuses_an_option_that_does_not_exist),
        T(test_only_members_vote),
        T(test_a_member_absent_at_the_opening_is_entitled_and_may_vote),
        T(test_a_vote_with_a_deadline_refuses_ballots_once_it_has_passed),
        T(test_vote_close_writes_counts_colleges_ballots_and_presence),
        T(test_vote_close_refusals),
        T(test_vote_publish_and_cancel_follow_the_life_of_a_vote),
        T(test_simple_majority_needs_more_yes_than_no),
        T(test_simple_majority_all_abstain_counts_every_abstention),
        T(test_absolute_majority_counts_against_the_entitled_not_the_cast),
        T(test_absolute_majority_with_recusals_counts_only_the_entitled),
        T(test_qualified_majority_compares_yes_with_a_share_of_yes_and_no),
        T(test_double_majority_needs_a_majority_in_every_college),
        T(test_double_majority_ignores_a_college_with_nobody_entitled),
        T(test_recused_members_are_refused_and_counted_out_by_every_rule),
        T(test_a_choice_vote_is_won_by_strictly_the_most_votes),
        T(test_a_choice_vote_with_the_absolute_rule_needs_more_than_half_of_the_cast),
        T(test_proxy_give_within_the_college_is_recorded),
        T(test_proxy_give_refuses_oneself_other_colleges_non_members_and_chains),
        T(test_proxy_rules_follow_the_configuration),
        T(test_the_secretary_records_a_paper_proxy_and_revokes_it),
        T(test_a_giver_revokes_until_a_vote_opens_and_may_give_again_after),
        T(test_a_holder_casts_for_an_absent_giver_and_the_ballot_says_by_whom),
        T(test_a_holder_casts_every_ballot_at_once_own_first_then_roster_order),
        T(test_all_skips_givers_who_are_present_or_recused),
        T(test_a_recused_holder_still_casts_the_ballots_held),
        T(test_casting_for_someone_who_gave_no_proxy_is_refused),
        T(test_all_with_no_ballot_to_cast_is_forbidden),
        T(test_a_giver_who_arrives_takes_their_vote_back_in_a_named_vote),
        T(test_a_holder_cannot_cast_for_a_recused_giver),
        T(test_with_proxy_quorum_an_absent_giver_counts_through_a_present_holder),
        T(test_a_member_declares_a_recusal_on_the_current_item),
        T(test_recusal_refusals_by_role_item_and_state),
        T(test_no_recusal_change_on_an_item_while_its_vote_is_open),
        T(test_a_recusal_on_another_item_does_not_change_who_votes),
        T(test_the_opening_lists_recused_members_out_of_the_entitled),
        T(test_a_secret_ballot_is_logged_without_its_choice),
        T(test_a_secret_ballot_needs_one_well_formed_receipt_per_ballot),
        T(test_a_named_ballot_takes_no_receipt),
        T(test_changing_a_secret_ballot_names_the_receipt_it_replaces),
        T(test_a_holder_casts_secret_ballots_with_a_receipt_each_in_the_order_of_all),
        T(test_a_secret_vote_is_counted_from_the_tally_and_lists_no_ballot),
        T(test_a_secret_vote_closed_by_the_system_at_its_deadline),
        T(test_a_secret_vote_withholds_every_college_count_when_one_college_has_two_ballots),
        T(test_a_secret_vote_publishes_college_counts_when_every_college_has_three_ballots_or_none),
        T(test_a_named_vote_publishes_college_counts_whatever_the_college_size),
        T(test_a_secret_double_vote_names_the_small_colleges_at_opening_and_gives_each_outcome),
        T(test_a_named_or_simple_vote_names_no_small_college),
        T(test_the_snapshot_shows_k_of_n_while_open_and_never_a_choice),
        T(test_the_snapshot_lists_live_proxies_and_recusals),
        T(test_a_whole_sitting_of_votes_folds_back_to_the_same_state),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
