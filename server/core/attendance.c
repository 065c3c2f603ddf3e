/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * attendance.c - who is present, and whether the quorum holds.
 *
 * Presence has two sources: connections (participant.joined / .left, which
 * the hub writes after a grace period for short drops) and marks written by
 * the secretary or by a member's check-in (attendance.marked): "present" in
 * the room, "excused" with a reason, "absent", or "none" to follow the
 * connections again. A mark wins over the connection.
 *
 * The quorum counts members (the role that votes). The rule has two parts,
 * both in percent: `quorum` of all members, and `quorum_college` of each
 * college. Required counts round up: 50 % of 5 members is 3. A college with
 * no member requires nothing; with everybody excused, nobody is present and
 * the quorum fails unless the rule asks for 0 %. With `proxy_quorum`, an
 * absent member whose proxy is held by someone present counts as present.
 *
 * quorum.reached and quorum.lost are written only while the meeting is open
 * or suspended, and only when the status changes; they carry every
 * college's figures and name the colleges short of their share, so that
 * whoever reads them can say what fails. Connections write nothing once the
 * meeting is closed (meeting_join(), meeting_leave()): the attendance of the
 * record is the one at the close.
 */
#include "internal.h"

#include "../err.h"

#include <string.h>

const char *
mark_str(enum mark k)
{
    switch (k) {
    case MARK_PRESENT:
        return "present";
    case MARK_EXCUSED:
        return "excused";
    case MARK_ABSENT:
        return "absent";
    case MARK_NONE:
        break;
    }
    return "none";
}

static int
mark_parse(const char *s, enum mark *out)
{
    static const enum mark all[] = {MARK_NONE, MARK_PRESENT, MARK_EXCUSED, MARK_ABSENT};
    for (size_t i = 0; s && i < sizeof(all) / sizeof(all[0]); i++) {
        if (strcmp(s, mark_str(all[i])) == 0) {
            *out = all[i];
            return 0;
        }
    }
    return ERR_INVALID;
}

bool
attendance_counts(const struct participant *p)
{
    switch (p->mark) {
    case MARK_PRESENT:
        return true;
    case MARK_EXCUSED:
    case MARK_ABSENT:
        return false;
    case MARK_NONE:
        break;
    }
    return p->present;
}

/* Present for the quorum: in person, or (when the rule says so) through a
 * proxy held by someone present. */
static bool
counted(const struct meeting *m, size_t i)
{
    if (attendance_counts(&m->parts[i])) {
        return true;
    }
    int32_t px = m->set.proxy_quorum ? proxy_of(m, (uint32_t)i) : -1;
    return px >= 0 && attendance_counts(&m->parts[m->proxies[px].to]);
}

/* ceil(pct * total / 100) */
static int64_t
required_of(int64_t pct, int64_t total)
{
    return (pct * total + 99) / 100;
}

void
quorum_college(const struct meeting *m, const char *college, int64_t *present,
               int64_t *required, int64_t *total)
{
    *present = *total = 0;
    for (size_t i = 0; i < m->nparts; i++) {
        const struct participant *p = &m->parts[i];
        if (p->role == ROLE_MEMBER && strcmp(p->college, college) == 0) {
            (*total)++;
            *present += counted(m, i);
        }
    }
    *required = required_of(m->set.quorum_college, *total);
}

size_t
meeting_colleges(const struct meeting *m, const char **out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < m->nparts && n < max; i++) {
        const struct participant *p = &m->parts[i];
        bool seen = p->role != ROLE_MEMBER;
        for (size_t k = 0; k < n && !seen; k++) {
            seen = strcmp(out[k], p->college) == 0;
        }
        if (!seen) {
            out[n++] = p->college;
        }
    }
    return n;
}

struct quorum
quorum_compute(const struct meeting *m)
{
    struct quorum q = {0, 0, true};
    int64_t total = 0;
    for (size_t i = 0; i < m->nparts; i++) {
        if (m->parts[i].role == ROLE_MEMBER) {
            total++;
            q.present += counted(m, i);
        }
    }
    const char *colleges[MAX_COLLEGES];
    size_t nc = meeting_colleges(m, colleges, MAX_COLLEGES);
    for (size_t c = 0; c < nc; c++) {
        int64_t cp, cr, ct;
        quorum_college(m, colleges[c], &cp, &cr, &ct);
        q.met = q.met && cp >= cr;
    }
    q.required = required_of(m->set.quorum, total);
    q.met = q.met && q.present >= q.required;
    return q;
}

int
quorum_check(struct meeting *m, int64_t now, struct evlist *out)
{
    if (m->state != MEETING_OPEN && m->state != MEETING_SUSPENDED) {
        return 0;
    }
    struct quorum q = quorum_compute(m);
    if (q.met == m->quorum_met) {
        return 0;
    }
    struct event *ev =
        core_emit(m, out, q.met ? EV_QUORUM_REACHED : EV_QUORUM_LOST, "system", now);
    if (!ev) {
        return ERR_NOMEM;
    }
    ev->b.has = HAS_PRESENT | HAS_REQUIRED;
    ev->b.present = q.present;
    ev->b.required = q.required;
    /* Each college's figures, and the colleges short of their own share: a
     * quorum lost while 9 of 5 are present is lost in a college. */
    const char *colleges[MAX_COLLEGES];
    size_t nc = meeting_colleges(m, colleges, MAX_COLLEGES);
    for (size_t c = 0; c < nc; c++) {
        int64_t cp, cr, ct;
        quorum_college(m, colleges[c], &cp, &cr, &ct);
        if (strlist_push(&ev->b.colleges, colleges[c]) ||
            intlist_push(&ev->b.college_present, cp) ||
            intlist_push(&ev->b.college_required, cr) ||
            (cp < cr && strlist_push(&ev->b.failing, colleges[c]))) {
            core_emit_drop(out);
            return ERR_NOMEM;
        }
    }
    return core_emit_done(m, out);
}

int
attendance_apply(struct meeting *m, const struct event *ev)
{
    switch (ev->type) {
    case EV_ATTENDANCE_MARKED: {
        struct participant *p = (struct participant *)meeting_participant(m, ev->b.participant);
        enum mark k;
        if (!p || mark_parse(ev->b.status, &k)) {
            return ERR_INTERNAL;
        }
        if (core_set(&p->reason, ev->b.reason)) {
            return ERR_NOMEM;
        }
        p->mark = k;
        p->checkin = k == MARK_PRESENT && strcmp(ev->actor, p->id) == 0;
        return 0;
    }
    case EV_QUORUM_REACHED:
    case EV_QUORUM_LOST:
        m->quorum_met = ev->type == EV_QUORUM_REACHED;
        return 0;
    default:
        return 1;
    }
}

static int
emit_mark(struct meeting *m, struct evlist *out, const char *actor, int64_t now,
          const char *pid, enum mark k, const char *reason)
{
    struct event *ev = core_emit(m, out, EV_ATTENDANCE_MARKED, actor, now);
    if (!ev) {
        return ERR_NOMEM;
    }
    if (!(ev->b.participant = core_strdup(pid)) || !(ev->b.status = core_strdup(mark_str(k))) ||
        !(ev->b.reason = core_strdup(reason ? reason : ""))) {
        core_emit_drop(out);
        return ERR_NOMEM;
    }
    return core_emit_done(m, out);
}

int
attendance_handle(struct meeting *m, const struct cmd *c, const char *actor, int64_t now,
                  struct evlist *out)
{
    if (c->type != CMD_ATTENDANCE_CHECKIN && c->type != CMD_ATTENDANCE_MARK) {
        return 1;
    }
    if (m->state == MEETING_CLOSED) {
        return ERR_BAD_STATE;
    }
    if (c->type == CMD_ATTENDANCE_CHECKIN) {
        const struct participant *me = meeting_participant(m, actor);
        if (me->mark == MARK_PRESENT) {
            return ERR_CONFLICT;
        }
        return emit_mark(m, out, actor, now, actor, MARK_PRESENT, "");
    }
    enum mark k;
    const struct participant *p = meeting_participant(m, c->b.participant);
    if (!p) {
        return ERR_NOT_FOUND;
    }
    if (mark_parse(c->b.status, &k)) {
        return ERR_INVALID;
    }
    if (c->b.reason && *c->b.reason && k != MARK_EXCUSED) {
        return ERR_INVALID; /* only an excuse has a reason */
    }
    if (p->mark == k && strcmp(p->reason ? p->reason : "", c->b.reason ? c->b.reason : "") == 0) {
        return ERR_CONFLICT;
    }
    return emit_mark(m, out, actor, now, p->id, k, c->b.reason);
}
