/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * fuzz_core_handle.c - core/ behind the decoder: a script of client
 * messages run against a meeting in a known state, the way the hub runs
 * them (server/hub/hub_conn.c do_command, server/hub/votes.c).
 *
 * Input: a first byte choosing the starting state (even: scheduled, the
 * roster present but l3; odd: in progress, with items, a turn, waiting
 * speakers, a proxy, a recusal, a secret vote prepared and a choice vote
 * open with a deadline, a minutes entry), then lines:
 *
 *     AT{"type":...}   participant A ('0'..'8': chair, secr, b1, b2, b3, l1,
 *                      l2, l3, obs) sends the message T after the previous one
 *                      (T: '0'..'9' seconds, ' ' at once, '*' three hours,
 *                      any other byte that many minutes)
 *     +A / -A          A's first connection opens / last one closes
 *
 * Secret ballots are kept in a table beside the meeting as the hub keeps
 * them in the store (receipt, college, choice), and their counts go to
 * vote.close; votes past their deadline are closed after each message.
 *
 * Checks, for every message:
 *   - a refused command writes no event and leaves the meeting exactly as
 *     it was (same snapshot); a command the role may not send is refused
 *     `forbidden`;
 *   - an accepted one writes events of dense seq; each body encodes to
 *     canonical JSON that decodes to the same bytes, and folds into a second
 *     meeting (what a restart rebuilds from the log);
 *   - a vote past its deadline always closes;
 *   - when a secret ballot cannot be stored, the meeting rebuilt from the
 *     log is the meeting before the command;
 * and at the end, the live and the refolded meetings give the same snapshot.
 */
#define _POSIX_C_SOURCE 200809L
#include "fuzz.h"

#include "core/event.h"
#include "core/meeting.h"
#include "proto/proto.h"

#define CH_ID "ccr-2021-02"
#define CH_HEAD "0000000000000000000000000000000000000000000000000000000000000000"
#define CH_MAX_LINES 64
#define CH_MAX_SECRET 64

static const struct {
    const char *id, *name, *college, *role;
} ch_roster[] = {
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
#define CH_NROSTER (sizeof(ch_roster) / sizeof(ch_roster[0]))

/* The state "in progress": messages in the input's own format. */
static const char *const ch_progress[] = {
    "0 {\"type\":\"meeting.configure\",\"key\":\"s1\",\"body\":{\"alternate\":true,"
    "\"proxy_max\":2,\"quorum_college\":50}}",
    "0 {\"type\":\"meeting.open\",\"key\":\"s2\"}",
    "1 {\"type\":\"agenda.add\",\"key\":\"s3\",\"body\":{\"title\":\"Approbation du PV\","
    "\"kind\":\"vote\",\"duration\":600}}",
    "1 {\"type\":\"agenda.add\",\"key\":\"s4\",\"body\":{\"title\":\"Bilan 2020\","
    "\"kind\":\"deliberation\",\"speaking_time\":120}}",
    "1 {\"type\":\"agenda.add\",\"key\":\"s5\",\"body\":{\"title\":\"Loyers\",\"parent\":\"i2\","
    "\"description\":\"Hausse\\nmod\xc3\xa9r\xc3\xa9" "e\"}}",
    "1 {\"type\":\"agenda.add\",\"key\":\"s6\",\"body\":{\"title\":\"Questions diverses\"}}",
    "01{\"type\":\"agenda.open\",\"key\":\"s7\",\"body\":{\"item\":\"i2\"}}",
    "2 {\"type\":\"speaker.request\",\"key\":\"s8\"}",
    "5 {\"type\":\"speaker.request\",\"key\":\"s9\"}",
    "3 {\"type\":\"speaker.request\",\"key\":\"s10\",\"body\":{\"kind\":\"reply\"}}",
    "05{\"type\":\"speaker.next\",\"key\":\"s11\"}",
    "1 {\"type\":\"proxy.record\",\"key\":\"s12\",\"body\":{\"from\":\"l3\",\"to\":\"l2\"}}",
    "1 {\"type\":\"recusal.declare\",\"key\":\"s13\",\"body\":{\"participant\":\"b3\","
    "\"item\":\"i1\"}}",
    "1 {\"type\":\"vote.prepare\",\"key\":\"s14\",\"body\":{\"question\":\"Approuver le bilan ?\","
    "\"item\":\"i2\",\"mode\":\"secret\"}}",
    "1 {\"type\":\"vote.prepare\",\"key\":\"s15\",\"body\":{\"question\":\"Quel calendrier ?\","
    "\"kind\":\"choice\",\"options\":[\"mars\",\"avril\"],\"rule\":\"absolute\","
    "\"duration\":300}}",
    "0 {\"type\":\"vote.open\",\"key\":\"s16\",\"body\":{\"vote\":\"v2\"}}",
    "22{\"type\":\"vote.cast\",\"key\":\"s17\",\"body\":{\"vote\":\"v2\",\"choice\":\"mars\"}}",
    "6 {\"type\":\"vote.cast\",\"key\":\"s18\",\"body\":{\"vote\":\"v2\",\"choice\":\"avril\","
    "\"all\":true}}",
    "1 {\"type\":\"minutes.add\",\"key\":\"s19\",\"body\":{\"text\":\"Le bilan est pr\xc3\xa9"
    "sent\xc3\xa9.\",\"speakers\":[\"b1\"]}}",
};

struct ch_secret {
    char vote[ID_MAX];
    char receipt[KEY_MAX];
    char college[ID_MAX];
    char choice[256];
};

struct ch_run {
    struct meeting *m;      /* live: what the hub holds */
    char *snap;             /* its snapshot while it does not change, or NULL */
    struct meeting *shadow; /* folded from the canonical JSON of every event */
    const struct evlist *base;
    struct evlist log; /* events since the base, decoded again: the log */
    struct ch_secret secret[CH_MAX_SECRET];
    size_t nsecret;
    int64_t now;
};

/* The starting states: their logs, decoded once, folded again for every input. */
static struct evlist ch_bases[2];
static int64_t ch_base_now[2];

static char *
ch_snapshot(const struct meeting *m)
{
    char *s = proto_snapshot(m, CH_HEAD);
    FUZZ_CHECK(s != NULL, "no snapshot");
    return s;
}

static void
ch_fold(struct meeting *m, const struct evlist *l)
{
    for (size_t i = 0; i < l->len; i++) {
        int rc = meeting_apply(m, &l->v[i]);
        FUZZ_CHECK(rc == 0, "seq %llu %s does not fold again: %s",
                   (unsigned long long)l->v[i].seq, proto_event_name(l->v[i].type), err_str(rc));
    }
}

/* Append to `dst` the event `ev` as the log gives it back: through its canonical
 * JSON. Returns the copy (borrowed). */
static struct event *
ch_copy(struct evlist *dst, const struct event *ev)
{
    char *once = proto_event_body(ev);
    FUZZ_CHECK(once != NULL, "%s: no canonical body", proto_event_name(ev->type));
    struct event *back = evlist_push(dst, ev->type);
    FUZZ_CHECK(back != NULL, "out of memory in the fixture");
    int rc = proto_decode_event_body(ev->type, once, strlen(once), back);
    FUZZ_CHECK(rc == 0, "seq %llu %s: its body %s does not decode again: %s",
               (unsigned long long)ev->seq, proto_event_name(ev->type), once, err_str(rc));
    back->type = ev->type;
    back->seq = ev->seq;
    back->ts = ev->ts;
    memcpy(back->actor, ev->actor, sizeof(back->actor));
    char *twice = proto_event_body(back);
    FUZZ_CHECK(twice != NULL && strcmp(once, twice) == 0, "%s: %s became %s",
               proto_event_name(ev->type), once, twice ? twice : "(null)");
    free(once);
    free(twice);
    return back;
}

static void
ch_start(struct ch_run *r, const struct evlist *base, int64_t now)
{
    memset(r, 0, sizeof(*r));
    r->m = meeting_new(CH_ID);
    r->shadow = meeting_new(CH_ID);
    FUZZ_CHECK(r->m && r->shadow, "meeting_new");
    r->base = base;
    r->now = now;
    if (base) {
        ch_fold(r->m, base);
        ch_fold(r->shadow, base);
    }
}

static void
ch_finish(struct ch_run *r)
{
    free(r->snap);
    meeting_free(r->m);
    meeting_free(r->shadow);
    evlist_clear(&r->log);
}

/* Rebuild the live meeting from the log, as the hub does after a failed write. */
static void
ch_rebuild(struct ch_run *r)
{
    free(r->snap);
    r->snap = NULL;
    meeting_free(r->m);
    r->m = meeting_new(CH_ID);
    FUZZ_CHECK(r->m != NULL, "meeting_new");
    if (r->base) {
        ch_fold(r->m, r->base);
    }
    ch_fold(r->m, &r->log);
}

/* The events of an accepted command: dense, canonical, and folded into the shadow. */
static void
ch_accept(struct ch_run *r, uint64_t seq, const struct evlist *evs, const char *what)
{
    free(r->snap);
    r->snap = NULL;
    for (size_t i = 0; i < evs->len; i++) {
        const struct event *ev = &evs->v[i];
        FUZZ_CHECK(ev->seq == seq + 1 + i, "%s: event %zu has seq %llu after %llu", what, i,
                   (unsigned long long)ev->seq, (unsigned long long)seq);
        FUZZ_CHECK(ev->ts >= r->now, "%s: event %zu stamped before now", what, i);
        FUZZ_CHECK(strlen(ev->actor) > 0 && strlen(ev->actor) < ID_MAX, "%s: actor", what);
        const struct event *back = ch_copy(&r->log, ev);
        int rc = meeting_apply(r->shadow, back);
        FUZZ_CHECK(rc == 0, "%s: seq %llu %s does not fold into the refolded meeting: %s", what,
                   (unsigned long long)ev->seq, proto_event_name(ev->type), err_str(rc));
    }
    FUZZ_CHECK(r->m->seq == seq + evs->len, "%s: seq %llu after %zu events from %llu", what,
               (unsigned long long)r->m->seq, evs->len, (unsigned long long)seq);
}

/* The counts of a secret vote from the table (strings borrowed from it). */
static size_t
ch_tally(const struct ch_run *r, const char *vote, struct secret_tally *out)
{
    size_t n = 0;
    for (size_t i = 0; i < r->nsecret; i++) {
        const struct ch_secret *s = &r->secret[i];
        if (strcmp(s->vote, vote) != 0) {
            continue;
        }
        size_t k = 0;
        while (k < n && (strcmp(out[k].college, s->college) || strcmp(out[k].choice, s->choice))) {
            k++;
        }
        if (k == n) {
            out[n++] = (struct secret_tally){.college = s->college, .choice = s->choice, .n = 0};
        }
        out[k].n++;
    }
    return n;
}

/* What votes.c writes to the store after a secret vote.cast: 0 or its error. */
static int
ch_store_ballots(struct ch_run *r, const struct cmd *c, const struct evlist *evs)
{
    const struct vote *v = &r->m->votes[meeting_vote_index(r->m, c->b.vote)];
    for (size_t i = 0, k = 0; i < evs->len; i++, k++) {
        const struct participant *voter = meeting_participant(r->m, evs->v[i].b.voter);
        FUZZ_CHECK(voter != NULL, "a ballot of nobody");
        const char *old = c->b.replaces.n ? c->b.replaces.v[k] : "";
        const char *receipt = c->b.receipts.v[k];
        if (*old) {
            size_t j = 0;
            while (j < r->nsecret &&
                   (strcmp(r->secret[j].vote, v->id) || strcmp(r->secret[j].receipt, old))) {
                j++;
            }
            if (j == r->nsecret) {
                return ERR_INVALID; /* not a receipt of this vote */
            }
            r->secret[j] = r->secret[--r->nsecret];
        }
        for (size_t j = 0; j < r->nsecret; j++) {
            if (strcmp(r->secret[j].vote, v->id) == 0 &&
                strcmp(r->secret[j].receipt, receipt) == 0) {
                return ERR_CONFLICT; /* the primary key */
            }
        }
        if (r->nsecret == CH_MAX_SECRET || strlen(receipt) >= KEY_MAX ||
            strlen(c->b.choice) >= sizeof(r->secret[0].choice)) {
            return ERR_STORAGE;
        }
        struct ch_secret *s = &r->secret[r->nsecret++];
        snprintf(s->vote, sizeof(s->vote), "%s", v->id);
        snprintf(s->receipt, sizeof(s->receipt), "%s", receipt);
        snprintf(s->college, sizeof(s->college), "%s", voter->college);
        snprintf(s->choice, sizeof(s->choice), "%s", c->b.choice);
    }
    return 0;
}

/* One command from participant `who`, as do_command() runs it; returns its result. */
static int
ch_command(struct ch_run *r, size_t who, struct cmd *c)
{
    const char *actor = ch_roster[who].id;
    const struct participant *p = meeting_participant(r->m, actor);
    FUZZ_CHECK(p != NULL, "no participant %s", actor);
    uint64_t seq = r->m->seq;
    if (!r->snap) {
        r->snap = ch_snapshot(r->m); /* kept while commands are refused */
    }
    char *before = r->snap;
    r->snap = NULL;
    struct evlist evs = {0};
    struct secret_tally tally[2 * CH_MAX_SECRET];
    int32_t vi = meeting_vote_index(r->m, c->b.vote);
    bool allowed = perm_allowed(p->role, c->type);
    if (allowed && c->type == CMD_VOTE_CLOSE && vi >= 0 && r->m->votes[vi].secret) {
        c->tally = tally;
        c->ntally = ch_tally(r, r->m->votes[vi].id, tally);
    }
    int rc = meeting_handle(r->m, c, actor, r->now, &evs);
    c->tally = NULL;
    c->ntally = 0;
    FUZZ_CHECK(allowed || rc == ERR_FORBIDDEN, "%s by %s (%s) not refused forbidden: %s",
               proto_cmd_name(c->type), actor, role_str(p->role), rc ? err_str(rc) : "accepted");
    if (rc == 0 && c->type == CMD_VOTE_CAST && r->m->votes[vi].secret) {
        struct ch_secret saved[CH_MAX_SECRET];
        size_t nsaved = r->nsecret;
        memcpy(saved, r->secret, sizeof(saved));
        if ((rc = ch_store_ballots(r, c, &evs))) {
            /* The savepoint is rolled back: the table and the meeting as before. */
            memcpy(r->secret, saved, sizeof(saved));
            r->nsecret = nsaved;
            evlist_clear(&evs);
            ch_rebuild(r);
        }
    }
    if (rc) {
        char *after = ch_snapshot(r->m);
        FUZZ_CHECK(evs.len == 0 && r->m->seq == seq && strcmp(before, after) == 0,
                   "%s by %s was refused (%s) but changed the meeting:\nbefore %s\nafter  %s",
                   proto_cmd_name(c->type), actor, err_str(rc), before, after);
        free(r->snap); /* a rebuild may have made one */
        r->snap = after;
    } else {
        ch_accept(r, seq, &evs, proto_cmd_name(c->type));
    }
    free(before);
    evlist_clear(&evs);
    return rc;
}

/* Close the votes whose deadline passed, as the end of a hub turn does. */
static void
ch_expire(struct ch_run *r)
{
    for (size_t i = 0; i < r->m->nvotes; i++) {
        const struct vote *v = &r->m->votes[i];
        if (v->state != VOTE_OPEN || !v->deadline || r->now < v->deadline) {
            continue;
        }
        struct secret_tally tally[2 * CH_MAX_SECRET];
        size_t n = v->secret ? ch_tally(r, v->id, tally) : 0;
        struct evlist evs = {0};
        uint64_t seq = r->m->seq;
        int rc = vote_close(r->m, (uint32_t)i, tally, n, "system", r->now, &evs);
        FUZZ_CHECK(rc == 0, "vote %s past its deadline does not close: %s", r->m->votes[i].id,
                   err_str(rc));
        ch_accept(r, seq, &evs, "deadline");
        evlist_clear(&evs);
    }
}

/* Participant `who` connects (join) or leaves, as presence() in the hub. */
static void
ch_presence(struct ch_run *r, size_t who, bool join)
{
    const struct participant *p = meeting_participant(r->m, ch_roster[who].id);
    if (p->present == join) {
        return;
    }
    struct evlist evs = {0};
    uint64_t seq = r->m->seq;
    int rc = join ? meeting_join(r->m, p->id, r->now, &evs) : meeting_leave(r->m, p->id, r->now, &evs);
    FUZZ_CHECK(rc == 0, "%s of %s: %s", join ? "arrival" : "departure", ch_roster[who].id,
               err_str(rc));
    ch_accept(r, seq, &evs, join ? "arrival" : "departure");
    evlist_clear(&evs);
}

static size_t
ch_who(unsigned char c)
{
    return c >= '0' && c < '0' + CH_NROSTER ? (size_t)(c - '0') : c % CH_NROSTER;
}

static int64_t
ch_delay_ms(unsigned char c)
{
    if (c >= '0' && c <= '9') {
        return (c - '0') * 1000LL;
    }
    return c == ' ' ? 0 : c == '*' ? 3 * 3600 * 1000LL : c * 60 * 1000LL;
}

/* One line of the input; returns the command's result (0 for the others). */
static int
ch_line(struct ch_run *r, const char *line, size_t len)
{
    if (len < 2) {
        return 0;
    }
    if (line[0] == '+' || line[0] == '-') {
        ch_presence(r, ch_who((unsigned char)line[1]), line[0] == '+');
        return 0;
    }
    r->now += ch_delay_ms((unsigned char)line[1]);
    struct cmd c;
    int rc = proto_decode_cmd(line + 2, len - 2, &c);
    if (rc == 0 && c.type != CMD_HELLO && c.type != CMD_PING) {
        rc = ch_command(r, ch_who((unsigned char)line[0]), &c);
    }
    cmd_clear(&c);
    ch_expire(r);
    return rc;
}

/* A base log: the events of `r` from creation, as the log gives them back. */
static void
ch_keep_base(struct ch_run *r, struct evlist *out)
{
    if (r->base) {
        for (size_t i = 0; i < r->base->len; i++) {
            ch_copy(out, &r->base->v[i]);
        }
    }
    for (size_t i = 0; i < r->log.len; i++) {
        ch_copy(out, &r->log.v[i]);
    }
}

static void
ch_build_bases(void)
{
    struct ch_run r;
    ch_start(&r, NULL, FUZZ_NOW);
    struct evlist evs = {0};
    struct body b;
    memset(&b, 0, sizeof(b));
    b.title = "Bilan 2020 et feuille de route 2021";
    b.date = "2021-02-02T09:30:00+01:00";
    b.place = "Visioconf\xc3\xa9rence";
    b.room = "https://meet.jit.si/concerto-ccr-2021-02";
    b.lang = "fr";
    b.commission = "ccr-hdf";
    b.commission_name = "CCR Hauts-de-France";
    FUZZ_CHECK(meeting_create(r.m, &b, r.now, &evs) == 0, "meeting_create");
    for (size_t i = 0; i < CH_NROSTER; i++) {
        memset(&b, 0, sizeof(b));
        b.participant = (char *)ch_roster[i].id;
        b.name = (char *)ch_roster[i].name;
        b.college = (char *)ch_roster[i].college;
        b.role = (char *)ch_roster[i].role;
        FUZZ_CHECK(meeting_add_participant(r.m, &b, r.now, &evs) == 0, "add %s", b.participant);
    }
    ch_accept(&r, 0, &evs, "creation");
    evlist_clear(&evs);
    for (size_t i = 0; i < CH_NROSTER; i++) {
        if (strcmp(ch_roster[i].id, "l3") != 0) {
            ch_presence(&r, i, true);
        }
    }
    ch_keep_base(&r, &ch_bases[0]);
    ch_base_now[0] = r.now;
    for (size_t i = 0; i < sizeof(ch_progress) / sizeof(ch_progress[0]); i++) {
        int rc = ch_line(&r, ch_progress[i], strlen(ch_progress[i]));
        FUZZ_CHECK(rc == 0, "the state in progress: %s refused: %s", ch_progress[i], err_str(rc));
    }
    ch_keep_base(&r, &ch_bases[1]);
    ch_base_now[1] = r.now;
    ch_finish(&r);
}

int
FUZZ_ENTRY(const uint8_t *data, size_t size)
{
    fuzz_init();
    if (!ch_bases[0].len) {
        ch_build_bases();
    }
    if (size == 0) {
        return 0;
    }
    int s = data[0] & 1;
    struct ch_run r;
    ch_start(&r, &ch_bases[s], ch_base_now[s]);
    const char *p = (const char *)data + 1, *end = (const char *)data + size;
    if (p < end && *p == '\n') {
        p++;
    }
    for (int n = 0; n < CH_MAX_LINES && p < end; n++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *stop = nl ? nl : end;
        ch_line(&r, p, (size_t)(stop - p));
        p = nl ? nl + 1 : end;
    }
    char *live = ch_snapshot(r.m), *refold = ch_snapshot(r.shadow);
    FUZZ_CHECK(strcmp(live, refold) == 0, "the refolded meeting differs:\nlive   %s\nrefold %s",
               live, refold);
    json_t *v = json_loads(live, 0, NULL);
    FUZZ_CHECK(json_is_object(v), "the snapshot is not JSON: %s", live);
    json_decref(v);
    char *light = proto_snapshot_light(r.m, CH_HEAD);
    FUZZ_CHECK(light != NULL, "no light snapshot");
    free(light);
    free(live);
    free(refold);
    ch_finish(&r);
    return 0;
}
