/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_alloc_failures.c - core/ and proto/ when memory runs out: every
 * allocation of a whole meeting, failed in turn.
 *
 * The allocator of this program is a shim: malloc, calloc, realloc, free,
 * strdup and strndup are defined here and forward to the next definition
 * (libc's, or the sanitizer's in an ASan build), found with
 * dlsym(RTLD_NEXT). Shared libraries (jansson) bind to them too. While the
 * shim is armed it numbers allocations, fails the one numbered `fail_at`,
 * and remembers every pointer it hands out until it is freed.
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

/* ---- the allocator shim ------------------------------------------------------------------ */

/* The shim runs before a sanitizer has set up its shadow memory (its own
 * start-up allocates): it must not be instrumented. */
#define SHIM __attribute__((no_sanitize_address))

#define TRACK_SLOTS (1u << 16) /* pointers alive at once: far more than the scenario holds */
#define TOMBSTONE ((void *)1)

static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static void (*real_free)(void *);

static struct {
    bool armed;
    long count;   /* allocations numbered while armed */
    long fail_at; /* the one to fail, 0 for none */
    long failed;
    long live; /* tracked pointers not yet freed */
} shim;

static void *tracked[TRACK_SLOTS];

/* Until main() finds the real functions (the dynamic loader and a sanitizer's
 * start-up allocate before, and dlsym() itself may), blocks come from here;
 * they are never given back. */
static _Alignas(16) char boot[1 << 20];
static size_t boot_used;

/* A block of the boot area, after 16 bytes that hold its size. */
SHIM static void *
boot_alloc(size_t n)
{
    size_t need = ((n + 15) & ~(size_t)15) + 16;
    if (need < n || need > sizeof(boot) - boot_used) {
        abort();
    }
    char *p = boot + boot_used + 16;
    memcpy(p - 16, &n, sizeof(n));
    boot_used += need;
    return p;
}

SHIM static size_t
boot_size(const void *p)
{
    size_t n;
    memcpy(&n, (const char *)p - 16, sizeof(n));
    return n;
}

SHIM static bool
in_boot(const void *p)
{
    return (const char *)p >= boot && (const char *)p < boot + sizeof(boot);
}

static void
resolve(void)
{
    void *f[4] = {dlsym(RTLD_NEXT, "malloc"), dlsym(RTLD_NEXT, "calloc"),
                  dlsym(RTLD_NEXT, "realloc"), dlsym(RTLD_NEXT, "free")};
    if (!f[0] || !f[1] || !f[2] || !f[3]) {
        abort();
    }
    *(void **)&real_malloc = f[0];
    *(void **)&real_calloc = f[1];
    *(void **)&real_realloc = f[2];
    *(void **)&real_free = f[3];
}

SHIM static size_t
slot_of(const void *p)
{
    return (size_t)(((uintptr_t)p >> 4) * 2654435761u) & (TRACK_SLOTS - 1);
}

SHIM static void
track(void *p)
{
    if (shim.live >= (long)(TRACK_SLOTS / 2)) {
        abort(); /* the table is too small for this scenario */
    }
    size_t s = slot_of(p);
    while (tracked[s] && tracked[s] != TOMBSTONE) {
        s = (s + 1) & (TRACK_SLOTS - 1);
    }
    tracked[s] = p;
    shim.live++;
}

SHIM static void
untrack(void *p)
{
    for (size_t s = slot_of(p); tracked[s]; s = (s + 1) & (TRACK_SLOTS - 1)) {
        if (tracked[s] == p) {
            tracked[s] = TOMBSTONE;
            shim.live--;
            return;
        }
    }
}

static void
untrack_all(void)
{
    memset(tracked, 0, sizeof(tracked));
    shim.live = 0;
}

/* Numbers one allocation; false when it is the one to fail. */
SHIM static bool
may_allocate(void)
{
    if (!shim.armed) {
        return true;
    }
    if (++shim.count == shim.fail_at) {
        shim.failed++;
        return false;
    }
    return true;
}

SHIM void *
malloc(size_t n)
{
    if (!real_free) {
        return boot_alloc(n);
    }
    if (!may_allocate()) {
        return NULL;
    }
    void *p = real_malloc(n);
    if (p && shim.armed) {
        track(p);
    }
    return p;
}

SHIM void *
calloc(size_t n, size_t size)
{
    if (!real_free) {
        void *p = boot_alloc(n * size);
        memset(p, 0, n * size);
        return p;
    }
    if (!may_allocate()) {
        return NULL;
    }
    void *p = real_calloc(n, size);
    if (p && shim.armed) {
        track(p);
    }
    return p;
}

SHIM void
free(void *p)
{
    if (!p || in_boot(p) || !real_free) {
        return;
    }
    untrack(p);
    real_free(p);
}

SHIM void *
realloc(void *old, size_t n)
{
    if (!real_free || in_boot(old)) {
        void *p = malloc(n);
        if (p && old) {
            memcpy(p, old, n < boot_size(old) ? n : boot_size(old));
        }
        return p;
    }
    if (old && n == 0) {
        free(old);
        return NULL;
    }
    if (!may_allocate()) {
        return NULL;
    }
    void *p = real_realloc(old, n);
    if (p) {
        if (old) {
            untrack(old);
        }
        if (shim.armed) {
            track(p);
        }
    }
    return p;
}

SHIM char *
strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) {
        memcpy(d, s, n);
    }
    return d;
}

SHIM char *
strndup(const char *s, size_t max)
{
    size_t n = strnlen(s, max);
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = 0;
    }
    return d;
}

static void
arm(long fail_at)
{
    untrack_all();
    shim.count = 0;
    shim.failed = 0;
    shim.fail_at = fail_at;
    shim.armed = true;
}

/* Run checks with the shim off; returns whether it was on. */
static bool
pause_shim(void)
{
    bool was = shim.armed;
    shim.armed = false;
    return was;
}

static void
resume_shim(bool was)
{
    shim.armed = was;
}

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
