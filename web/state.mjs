// SPDX-License-Identifier: AGPL-3.0-or-later
//
// state.mjs - the meeting as the client sees it: a snapshot plus the events
// applied to it, in seq order (PROTOCOL.md, sections 5.1 and 5.3).
//
// The server's state is a fold over the event log; this is the same fold on
// the client's side, so that a page that received the snapshot at seq N and
// then events N+1..M shows what a fresh snapshot at M would show. applyEvent()
// refuses (returns null) an event that does not follow the last one applied:
// the caller then asks the server for a fresh snapshot rather than guess.
// Unknown event types still advance seq, so an older page keeps working with
// a newer server.
//
// No DOM here: the module is tested under plain Node.

const DEFAULT_SETTINGS = { speaking_time: 180, first_turn: true, alternate: false, quorum: 50,
    quorum_college: 50, grace: 30 };

// A participant as the fold keeps it: the snapshot's fields, with the ones
// presence depends on always set.
function participant(p) {
    return { ...p, college: p.college || '', connected: p.connected ?? !!p.present,
        mark: p.mark || 'none', reason: p.reason || '', present: !!p.present };
}

// A state from the `snapshot` body of a welcome. New object; `snap` is not kept.
export function fromSnapshot(snap) {
    const m = snap.meeting || {};
    const meeting = { ...m, commission: { ...(m.commission || {}) } };
    const participants = (snap.participants || []).map(participant);
    const s = {
        meeting,
        settings: { ...DEFAULT_SETTINGS, ...(snap.settings || {}) },
        participants,
        byId: new Map(participants.map((p) => [p.id, p])),
        colleges: [],
        attendance: null,
        seq: snap.seq ?? 0,
        head: snap.head ?? '',
    };
    s.colleges = collegesOf(s, snap.attendance);
    s.attendance = attendanceOf(s);
    if (snap.attendance?.quorum) {
        s.attendance.quorum = { ...snap.attendance.quorum }; // the server's word at seq
    }
    return s;
}

// The colleges in a stable order: the server's attendance table first, then
// any other college a participant belongs to.
function collegesOf(s, attendance) {
    const list = Object.keys(attendance?.colleges || {});
    for (const p of s.participants) {
        if (p.college && !list.includes(p.college)) {
            list.push(p.college);
        }
    }
    return list;
}

// Attendance and quorum count the members (the role that votes), as the
// server does (PROTOCOL.md §5.3 and §6.4): the chair, the secretary and the
// observers are listed but make no quorum.
export function counts(p) {
    return p.role === 'member';
}

// Presence as the quorum sees it: a mark by the secretary (or a check-in)
// wins over the connection; "none" follows the connection again.
export function isPresent(p) {
    return p.mark === 'present' || (p.mark === 'none' && p.connected);
}

const need = (percent, n) => Math.ceil((percent * n) / 100);

export function attendanceOf(s) {
    const a = { present: 0, total: 0, colleges: {}, quorum: null };
    for (const c of s.colleges) {
        a.colleges[c] = { present: 0, total: 0, required: 0 };
    }
    for (const p of s.participants) {
        if (!counts(p)) {
            continue;
        }
        const c = (a.colleges[p.college] ||= { present: 0, total: 0, required: 0 });
        a.total += 1;
        c.total += 1;
        if (p.present) {
            a.present += 1;
            c.present += 1;
        }
    }
    let met = true;
    for (const c of Object.values(a.colleges)) {
        c.required = need(s.settings.quorum_college, c.total);
        if (c.total > 0 && c.present < c.required) {
            met = false;
        }
    }
    const required = need(s.settings.quorum, a.total);
    a.quorum = { met: met && a.present >= required, present: a.present, required };
    return a;
}

const NEXT_STATE = {
    'meeting.opened': 'open',
    'meeting.suspended': 'suspended',
    'meeting.resumed': 'open',
    'meeting.closed': 'closed',
};

// Apply one event (the `event` object of an event message) to `s`, in place.
// Returns what changed, {meeting, participants, announce}, or null when the
// event is out of order (ev.seq is not s.seq + 1) and nothing was applied.
export function applyEvent(s, ev) {
    if (ev.seq !== s.seq + 1) {
        return null;
    }
    const b = ev.body || {};
    const out = { meeting: false, participants: false, announce: null };
    const who = s.byId.get(b.participant);
    switch (ev.type) {
    case 'meeting.created':
        Object.assign(s.meeting, {
            title: b.title, date: b.date, place: b.place, room: b.room, lang: b.lang, state: 'scheduled',
            commission: typeof b.commission === 'string' ? { id: b.commission, name: b.commission_name || '' }
                : { ...(b.commission || {}) },
        });
        out.meeting = true;
        break;
    case 'meeting.configured':
        s.settings = { ...s.settings, ...b };
        out.participants = true;
        break;
    case 'participant.added':
        if (!who) {
            const p = participant({ id: b.participant, name: b.name, college: b.college, role: b.role });
            s.participants.push(p);
            s.byId.set(p.id, p);
            if (p.college && !s.colleges.includes(p.college)) {
                s.colleges.push(p.college);
            }
        }
        out.participants = true;
        break;
    case 'participant.joined':
    case 'participant.left':
        if (who) {
            who.connected = ev.type === 'participant.joined';
            if (who.connected && !who.arrived) {
                who.arrived = ev.ts;
            } else if (!who.connected) {
                who.left = ev.ts;
                who.disconnections = (who.disconnections || 0) + 1;
            }
        }
        out.participants = true;
        break;
    case 'attendance.marked':
        if (who) {
            who.mark = b.status || 'none';
            who.reason = b.reason || '';
        }
        out.participants = true;
        break;
    case 'quorum.reached':
    case 'quorum.lost':
        out.participants = true;
        out.announce = ev.type === 'quorum.reached' ? 'announce.quorum.reached' : 'announce.quorum.lost';
        break;
    case 'meeting.opened':
    case 'meeting.suspended':
    case 'meeting.resumed':
    case 'meeting.closed':
        s.meeting.state = NEXT_STATE[ev.type];
        if (ev.type === 'meeting.opened') {
            s.meeting.opened_at = ev.ts;
        } else if (ev.type === 'meeting.closed') {
            s.meeting.closed_at = ev.ts;
        }
        out.meeting = true;
        out.announce = `announce.state.${ev.type === 'meeting.resumed' ? 'resumed' : s.meeting.state}`;
        break;
    default:
        break; // not shown by this page yet (agenda, speakers), or a newer server's event
    }
    if (out.participants) {
        for (const p of s.participants) {
            p.present = isPresent(p);
        }
        s.attendance = attendanceOf(s);
        if (ev.type === 'quorum.reached' || ev.type === 'quorum.lost') {
            // The server's word on the quorum, which also counts what this
            // page does not fold yet (proxies, when they come).
            s.attendance.quorum = { met: ev.type === 'quorum.reached', present: b.present, required: b.required };
        }
    }
    s.seq = ev.seq;
    s.head = ev.hash ?? s.head;
    return out;
}

// Which lifecycle commands the chair may send in each state (PROTOCOL.md §6).
export const LIFECYCLE = [
    { type: 'meeting.open', from: ['scheduled'] },
    { type: 'meeting.suspend', from: ['open'] },
    { type: 'meeting.resume', from: ['suspended'] },
    { type: 'meeting.close', from: ['open', 'suspended'] },
];

export function allowedIn(type, state) {
    const c = LIFECYCLE.find((x) => x.type === type);
    return !!c && c.from.includes(state);
}
