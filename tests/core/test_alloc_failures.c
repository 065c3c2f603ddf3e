/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_alloc_failures.c - core/ and proto/ when memory runs out: every
 * allocation of a whole meeting, failed in turn.
 *
 * The allocator of this program is a shim (tests/alloc_shim.h): while it
 * is armed it numbers allocations, fails the one numbered `fail_at`, and
 * remembers every pointer it hands out until it is freed.
 *
 * The scenario is a meeting from creation to the approved record: commands
 * decoded from their JSON text, run by meeting_handle(), each event encoded
 * to its canonical body and its wire message and decoded back into a log,
 * votes named and secret, proxies, speakers, minutes; snapshots, welcome,
 * ok, error and pong; then the whole log folded again into a new meeting.
 * A step that fails is retried once, as a client retries after an error.
 *
 * It runs once to count the allocations (N) and fingerprint its output,
 * then N times, failing allocation n = 1..N. Each run must:
 *   - not crash, and report the failure (some step returned an error or
 *     NULL) unless the output is exactly as without failure;
 *   - leave a meeting that refused a command exactly as it was, or, when
 *     memory ran out or events were applied, a meeting whose log folds back
 *     to the state before the command (the hub reloads it: meeting.c);
 *   - end, after the retry, with the same output as the run without
 *     failure: nothing lost, nothing twice;
 *   - free everything it allocated.
 * Checks themselves run with the shim disarmed.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/event.h"
#include "core/meeting.h"
#include "err.h"
#include "proto/proto.h"

#include "../alloc_shim.h"

/* ---- the scenario ------------------------------------------------------------------------ */

#define NOW 1612254600000LL
#define HEAD "0000000000000000000000000000000000000000000000000000000000000000"

static const struct {
    const char *id, *name, *college, *role;
} roster[] = {
    {"chair", "H\xc3\xa9l\xc3\xa8ne Vasseur", "", "chair"},
    {"secr", "Thomas Leroy", "", "secretary"},
    {"b1", "Claire Dubois", "bailleurs", "member"},
    {"b2", "Marc Lemaire", "bailleurs", "member"},
    {"b3", "Sophie Caron", "bailleurs", "member"},
    {"l1", "Jean Moreau", "locataires", "member"},
    {"l2", "Fatima Benali", "locataires", "member"},
    {"l3", "Luc Martin", "locataires", "member"},
    {"obs", "Anne Petit", "", "observer"},
};
#define NROSTER (sizeof(roster) / sizeof(roster[0]))

/* The meeting, as its participants send it. */
static const struct {
    const char *actor;
    const char *json;
} script[] = {
    {"chair", "{\"type\":\"meeting.configure\",\"id\":1,\"key\":\"k1\",\"body\":{\"alternate\":true,"
              "\"quorum_college\":50,\"proxy_max\":2}}"},
    {"chair", "{\"type\":\"meeting.open\",\"id\":2,\"key\":\"k2\"}"},
    {"secr", "{\"type\":\"agenda.add\",\"id\":3,\"key\":\"k3\",\"body\":{\"title\":\"Approbation "
             "du proc\xc3\xa8s-verbal\",\"kind\":\"vote\",\"duration\":600}}"},
    {"secr", "{\"type\":\"agenda.add\",\"id\":4,\"key\":\"k4\",\"body\":{\"title\":\"Bilan 2020\","
             "\"description\":\"Pr\xc3\xa9sentation\\npuis d\xc3\xa9" "bat\",\"presenter\":\"Claire "
             "Dubois\",\"kind\":\"deliberation\",\"speaking_time\":120}}"},
    {"secr", "{\"type\":\"agenda.add\",\"id\":5,\"key\":\"k5\",\"body\":{\"title\":\"Loyers\","
             "\"parent\":\"i2\"}}"},
    {"chair", "{\"type\":\"agenda.move\",\"id\":6,\"key\":\"k6\",\"body\":{\"item\":\"i2\","
              "\"position\":0}}"},
    {"chair", "{\"type\":\"agenda.open\",\"id\":7,\"key\":\"k7\",\"body\":{\"item\":\"i2\"}}"},
    {"b1", "{\"type\":\"speaker.request\",\"id\":8,\"key\":\"k8\"}"},
    {"l1", "{\"type\":\"speaker.request\",\"id\":9,\"key\":\"k9\"}"},
    {"b2", "{\"type\":\"speaker.request\",\"id\":10,\"key\":\"k10\",\"body\":{\"kind\":\"reply\"}}"},
    {"chair", "{\"type\":\"speaker.next\",\"id\":11,\"key\":\"k11\"}"},
    {"chair", "{\"type\":\"speaker.pause\",\"id\":12,\"key\":\"k12\"}"},
    {"chair", "{\"type\":\"speaker.resume\",\"id\":13,\"key\":\"k13\"}"},
    {"chair", "{\"type\":\"speaker.next\",\"id\":14,\"key\":\"k14\"}"},
    {"b1", "{\"type\":\"speaker.withdraw\",\"id\":15,\"key\":\"k15\"}"},
    {"secr", "{\"type\":\"minutes.add\",\"id\":16,\"key\":\"k16\",\"body\":{\"text\":\"Le bilan "
             "est pr\xc3\xa9sent\xc3\xa9.\",\"speakers\":[\"b1\",\"b2\"]}}"},
    {"secr", "{\"type\":\"minutes.edit\",\"id\":17,\"key\":\"k17\",\"body\":{\"entry\":\"e1\","
             "\"text\":\"Le bilan 2020 est pr\xc3\xa9sent\xc3\xa9.\"}}"},
    {"secr", "{\"type\":\"proxy.record\",\"id\":18,\"key\":\"k18\",\"body\":{\"from\":\"l3\","
             "\"to\":\"l2\"}}"},
    {"b3", "{\"type\":\"recusal.declare\",\"id\":19,\"key\":\"k19\"}"},
    {"secr", "{\"type\":\"vote.prepare\",\"id\":20,\"key\":\"k20\",\"body\":{\"question\":\"Approuver "
             "le bilan ?\",\"rule\":\"absolute\"}}"},
    {"chair", "{\"type\":\"vote.open\",\"id\":21,\"key\":\"k21\",\"body\":{\"vote\":\"v1\"}}"},
    {"b1", "{\"type\":\"vote.cast\",\"id\":22,\"key\":\"k22\",\"body\":{\"vote\":\"v1\","
           "\"choice\":\"yes\"}}"},
    {"l2", "{\"type\":\"vote.cast\",\"id\":23,\"key\":\"k23\",\"body\":{\"vote\":\"v1\","
           "\"choice\":\"no\",\"all\":true}}"},
    {"b1", "{\"type\":\"vote.cast\",\"id\":24,\"key\":\"k24\",\"body\":{\"vote\":\"v1\","
           "\"choice\":\"abstain\"}}"},
    {"chair", "{\"type\":\"vote.close\",\"id\":25,\"key\":\"k25\",\"body\":{\"vote\":\"v1\"}}"},
    {"secr", "{\"type\":\"vote.publish\",\"id\":26,\"key\":\"k26\",\"body\":{\"vote\":\"v1\"}}"},
    {"chair", "{\"type\":\"vote.prepare\",\"id\":27,\"key\":\"k27\",\"body\":{\"question\":\"Quel "
              "calendrier ?\",\"kind\":\"choice\",\"options\":[\"mars\",\"avril\"],\"mode\":"
              "\"secret\"}}"},
    {"chair", "{\"type\":\"vote.open\",\"id\":28,\"key\":\"k28\",\"body\":{\"vote\":\"v2\"}}"},
    {"b2", "{\"type\":\"vote.cast\",\"id\":29,\"key\":\"k29\",\"body\":{\"vote\":\"v2\",\"choice\":"
           "\"mars\",\"receipts\":[\"AAAAAAAAAAAAAAAAAAAAAA\"]}}"},
    {"l1", "{\"type\":\"vote.cast\",\"id\":30,\"key\":\"k30\",\"body\":{\"vote\":\"v2\",\"choice\":"
           "\"avril\",\"receipts\":[\"BBBBBBBBBBBBBBBBBBBBBB\"]}}"},
    {"chair", "{\"type\":\"vote.close\",\"id\":31,\"key\":\"k31\",\"body\":{\"vote\":\"v2\"}}"},
    {"chair", "{\"type\":\"vote.publish\",\"id\":32,\"key\":\"k32\",\"body\":{\"vote\":\"v2\"}}"},
    {"chair", "{\"type\":\"agenda.open\",\"id\":33,\"key\":\"k33\",\"body\":{\"item\":\"i3\"}}"},
    {"secr", "{\"type\":\"minutes.add\",\"id\":34,\"key\":\"k34\",\"body\":{\"text\":\"\xc3\x80 "
             "supprimer\",\"item\":\"\"}}"},
    {"secr", "{\"type\":\"minutes.delete\",\"id\":35,\"key\":\"k35\",\"body\":{\"entry\":\"e2\"}}"},
    {"secr", "{\"type\":\"attendance.mark\",\"id\":36,\"key\":\"k36\",\"body\":{\"participant\":"
             "\"b3\",\"status\":\"excused\",\"reason\":\"Cong\xc3\xa9\"}}"},
    {"chair", "{\"type\":\"meeting.suspend\",\"id\":37,\"key\":\"k37\"}"},
    {"chair", "{\"type\":\"meeting.resume\",\"id\":38,\"key\":\"k38\"}"},
    {"chair", "{\"type\":\"meeting.close\",\"id\":39,\"key\":\"k39\"}"},
    {"secr", "{\"type\":\"minutes.finalize\",\"id\":40,\"key\":\"k40\"}"},
    {"chair", "{\"type\":\"record.approve\",\"id\":41,\"key\":\"k41\"}"},
};
#define NSCRIPT (sizeof(script) / sizeof(script[0]))

/* The counts of the secret vote v2, as the hub reads them from the store. */
static const struct secret_tally v2_tally[] = {
    {.college = "bailleurs", .choice = "mars", .n = 1},
    {.college = "locataires", .choice = "avril", .n = 1},
};

static bool recording;          /* the run without failure: keep ref_before */
static char *ref_before[NSCRIPT]; /* its snapshot before each command */

struct run {
    struct meeting *m;
    struct evlist log; /* every event, decoded again from its canonical body */
    uint64_t digest;   /* FNV-1a over everything the scenario produced */
    int errors;        /* steps that reported a failure */
    const char *broken; /* the first broken promise, for the failure message */
    char detail[256];
};

static void
digest(struct run *r, const char *s)
{
    for (; *s; s++) {
        r->digest = (r->digest ^ (uint8_t)*s) * 1099511628211ull;
    }
    r->digest = (r->digest ^ 0xff) * 1099511628211ull;
}

static void
broken(struct run *r, const char *what, const char *detail)
{
    if (!r->broken) {
        r->broken = what;
        snprintf(r->detail, sizeof(r->detail), "%s", detail ? detail : "");
    }
}

/* A snapshot taken with the shim off (new). */
static char *
quiet_snapshot(const struct meeting *m)
{
    bool was = pause_shim();
    char *s = proto_snapshot(m, HEAD);
    resume_shim(was);
    return s;
}

/* Fold the log into a fresh meeting (new), NULL when memory runs out. */
static struct meeting *
refold(const struct evlist *log)
{
    struct meeting *m = meeting_new("ccr-2021-02");
    for (size_t i = 0; m && i < log->len; i++) {
        if (meeting_apply(m, &log->v[i])) {
            meeting_free(m);
            m = NULL;
        }
    }
    return m;
}

/* Encode the events a step wrote, keep them in the log as a restart reads
 * them; 0 or ERR_NOMEM (the log then holds none of them). */
static int
keep_events(struct run *r, const struct evlist *evs)
{
    enum { MAX_EVENTS = 64 };
    char *msgs[MAX_EVENTS];
    size_t mark = r->log.len, n = 0;
    int rc = 0;
    assert_true(evs->len <= MAX_EVENTS);
    for (size_t i = 0; rc == 0 && i < evs->len; i++) {
        const struct event *ev = &evs->v[i];
        char *body = proto_event_body(ev);
        char *msg = body ? proto_event_msg(r->m->id, ev->seq, ev->ts, ev->actor,
                                           proto_event_name(ev->type), body, HEAD)
                         : NULL;
        struct event *back = msg ? evlist_push(&r->log, ev->type) : NULL;
        rc = back ? proto_decode_event_body(ev->type, body, strlen(body), back) : ERR_NOMEM;
        if (back) {
            back->type = ev->type;
            back->seq = ev->seq;
            back->ts = ev->ts;
            memcpy(back->actor, ev->actor, sizeof(back->actor));
        }
        free(body);
        if (msg) {
            msgs[n++] = msg;
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (rc == 0) {
            digest(r, msgs[i]);
        }
        free(msgs[i]);
    }
    if (rc) {
        while (r->log.len > mark) {
            event_clear(&r->log.v[--r->log.len]);
        }
        return ERR_NOMEM;
    }
    return 0;
}

/* After a refusal, what the hub does: a meeting that ran out of memory, or
 * whose events were applied, is rebuilt from its log (core's rule, meeting.c)
 * and must be the meeting before the command; any other refusal must have
 * changed nothing. */
static void
check_refusal(struct run *r, const char *what, const char *before, size_t nevents, int rc)
{
    bool was = pause_shim();
    bool rebuilt = nevents || rc == ERR_NOMEM;
    if (rebuilt) {
        struct meeting *m = refold(&r->log);
        meeting_free(r->m);
        r->m = m;
    }
    char *after = proto_snapshot(r->m, HEAD);
    if (!after || strcmp(before, after) != 0) {
        broken(r, rebuilt ? "a meeting rebuilt from its log after a refusal differs from before"
                          : "a refused command that wrote no event changed the meeting",
               what);
    }
    free(after);
    resume_shim(was);
}

/* Server-made events (creation, roster, arrivals): 0 or the error. */
static int
server_step(struct run *r, int kind, size_t i)
{
    struct evlist evs = {0};
    struct body b;
    memset(&b, 0, sizeof(b));
    int rc;
    if (kind == 0) {
        b.title = "Bilan 2020 et feuille de route 2021";
        b.date = "2021-02-02T09:30:00+01:00";
        b.place = "Visioconf\xc3\xa9rence";
        b.room = "https://meet.jit.si/concerto-ccr-2021-02";
        b.lang = "fr";
        b.commission = "ccr-hdf";
        b.commission_name = "CCR Hauts-de-France";
        rc = meeting_create(r->m, &b, NOW, &evs);
    } else if (kind == 1) {
        b.participant = (char *)roster[i].id;
        b.name = (char *)roster[i].name;
        b.college = (char *)roster[i].college;
        b.role = (char *)roster[i].role;
        rc = meeting_add_participant(r->m, &b, NOW, &evs);
    } else {
        rc = meeting_join(r->m, roster[i].id, NOW + 1000, &evs);
    }
    if (rc == 0) {
        rc = keep_events(r, &evs);
    }
    if (rc) {
        /* the hub rolls back and reloads the meeting (an arrival), or
         * forgets it (its creation failed): its log is the truth */
        struct meeting *m = refold(&r->log);
        meeting_free(r->m);
        r->m = m ? m : meeting_new("ccr-2021-02");
    }
    evlist_clear(&evs);
    return rc;
}

/* One message of the script, decoded and handled: 0 or the error. */
static int
command_step(struct run *r, size_t i, int64_t now)
{
    struct cmd c;
    int rc = proto_decode_cmd(script[i].json, strlen(script[i].json), &c);
    if (rc) {
        char *e = proto_error(c.id, rc, NULL); /* what the sender gets */
        free(e);
        return rc;
    }
    if (c.type == CMD_VOTE_CLOSE && strcmp(c.b.vote, "v2") == 0) {
        c.tally = v2_tally;
        c.ntally = sizeof(v2_tally) / sizeof(v2_tally[0]);
    }
    /* The meeting before the command, as the run without failure had it:
     * until a failure, this run is that run, and after it, must be again. */
    if (recording) {
        ref_before[i] = quiet_snapshot(r->m);
    }
    const char *before = ref_before[i];
    struct evlist evs = {0};
    rc = meeting_handle(r->m, &c, script[i].actor, now, &evs);
    if (rc == 0) {
        rc = keep_events(r, &evs); /* written, not kept: the meeting is reloaded */
    }
    if (rc) {
        check_refusal(r, script[i].json, before, evs.len, rc);
    }
    /* The reply: the events stay whatever happens to it (a client that gets
     * no answer retries with the same key and is answered, not served twice). */
    for (int attempt = 0; rc == 0 && attempt < 2; attempt++) {
        char *ok = proto_ok(c.id, r->m->seq, 0);
        if (ok) {
            digest(r, ok);
            free(ok);
            break;
        }
        r->errors++;
    }
    evlist_clear(&evs);
    cmd_clear(&c);
    return rc;
}

/* The texts sent to clients: snapshots, welcome, pong, error. */
static int
encode_step(struct run *r)
{
    char *snap = proto_snapshot(r->m, HEAD);
    char *light = snap ? proto_snapshot_light(r->m, HEAD) : NULL;
    const struct participant *you = meeting_participant(r->m, "b1");
    char *welcome = light ? proto_welcome("1", r->m, you, NULL, r->m->seq, NOW, snap) : NULL;
    char *resume = welcome ? proto_welcome("\"w\"", r->m, you, NULL, 3, NOW, NULL) : NULL;
    char *pong = resume ? proto_pong("9", NOW) : NULL;
    char *err = pong ? proto_error("7", ERR_FORBIDDEN, "not yours") : NULL;
    int rc = err ? 0 : ERR_NOMEM;
    if (rc == 0) {
        digest(r, snap);
        digest(r, light);
        digest(r, welcome);
        digest(r, resume);
        digest(r, pong);
        digest(r, err);
    }
    free(snap);
    free(light);
    free(welcome);
    free(resume);
    free(pong);
    free(err);
    return rc;
}

/* A restart: the log folded again, to the same meeting. */
static int
restart_step(struct run *r)
{
    struct meeting *m = refold(&r->log);
    if (!m) {
        return ERR_NOMEM;
    }
    char *a = quiet_snapshot(r->m), *b = quiet_snapshot(m);
    if (!a || !b || strcmp(a, b) != 0) {
        broken(r, "the refolded meeting differs from the live one", NULL);
    }
    free(a);
    free(b);
    meeting_free(m);
    return 0;
}

/* Run a step; on failure count it and retry once (the retry must succeed:
 * only one allocation ever fails). */
#define STEP(r, what, call)                                                                        \
    do {                                                                                           \
        int rc_ = (call);                                                                          \
        if (rc_) {                                                                                 \
            (r)->errors++;                                                                         \
            if ((rc_ = (call)) != 0) {                                                             \
                broken(r, "a step failed again on retry", what);                                   \
                goto done;                                                                         \
            }                                                                                      \
        }                                                                                          \
    } while (0)

static void
scenario(struct run *r)
{
    memset(r, 0, sizeof(*r));
    r->digest = 1469598103934665603ull;
    r->m = meeting_new("ccr-2021-02");
    if (!r->m) {
        r->errors++;
        r->m = meeting_new("ccr-2021-02");
    }
    STEP(r, "meeting.created", server_step(r, 0, 0));
    for (size_t i = 0; i < NROSTER; i++) {
        STEP(r, roster[i].id, server_step(r, 1, i));
    }
    for (size_t i = 0; i < NROSTER; i++) {
        if (strcmp(roster[i].id, "l3") != 0) {
            STEP(r, roster[i].id, server_step(r, 2, i));
        }
    }
    for (size_t i = 0; i < NSCRIPT; i++) {
        STEP(r, script[i].json, command_step(r, i, NOW + 60000 * (int64_t)(i + 1)));
        if (i == NSCRIPT / 2) {
            STEP(r, "encodings", encode_step(r));
        }
    }
    STEP(r, "encodings", encode_step(r));
    STEP(r, "restart", restart_step(r));
done:
    meeting_free(r->m);
    r->m = NULL;
    evlist_clear(&r->log);
}

/* ---- the test ---------------------------------------------------------------------------- */

static void
test_every_allocation_of_a_meeting_may_fail(void **state)
{
    (void)state;
    struct run ref, r;
    scenario(&ref); /* warm up: lazy initialisations in libraries happen once, here */
    recording = true;
    arm(0);
    scenario(&ref);
    shim.armed = false;
    recording = false;
    long total = shim.count;
    if (ref.broken || ref.errors || shim.live) {
        fail_msg("the scenario fails without any failure injected: %s (%s), %d errors, %ld leaked",
                 ref.broken ? ref.broken : "-", ref.detail, ref.errors, shim.live);
    }
    print_message("the scenario makes %ld allocations; failing each in turn\n", total);
    assert_true(total > 1000);
    long silent = 0;
    for (long n = 1; n <= total; n++) {
        arm(n);
        scenario(&r);
        shim.armed = false;
        if (r.broken) {
            fail_msg("allocation %ld of %ld failed: %s: %s", n, total, r.broken, r.detail);
        }
        if (shim.live) {
            fail_msg("allocation %ld of %ld failed: %ld allocation(s) never freed", n, total,
                     shim.live);
        }
        if (r.digest != ref.digest) {
            fail_msg("allocation %ld of %ld failed: the output differs from the run without "
                     "failure (%d step(s) reported an error)",
                     n, total, r.errors);
        }
        if (shim.failed && !r.errors) {
            silent++; /* tolerated: the output is the same (e.g. a cache that was not filled) */
        }
    }
    print_message("every failure reported or harmless (%ld absorbed without changing anything)\n",
                  silent);
    for (size_t i = 0; i < NSCRIPT; i++) {
        free(ref_before[i]);
        ref_before[i] = NULL;
    }
}

int
main(void)
{
    resolve();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_allocation_of_a_meeting_may_fail),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
