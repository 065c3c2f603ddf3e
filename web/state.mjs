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

// A state from the `snapshot` body of a welcome. New object; `snap` is not kept.
export function fromSnapshot(snap) {
    const meeting = { ...snap.meeting, commission: { ...(snap.meeting?.commission || {}) } };
    const participants = (snap.participants || []).map((p) => ({ ...p, present: !!p.present }));
    const s = {
        meeting,
        participants,
        byId: new Map(participants.map((p) => [p.id, p])),
        colleges: [],
        attendance: null,
        seq: snap.seq ?? 0,
        head: snap.head ?? '',
    };
    s.colleges = collegesOf(s, snap.attendance);
    s.attendance = attendanceOf(s);
    return s;
}

// The colleges in a stable order: the server's attendance table first (it
// lists every college of the commission, even an empty one), then any other
// college a participant belongs to.
function collegesOf(s, attendance) {
    const list = Object.keys(attendance?.colleges || {});
    for (const p of s.participants) {
        if (p.college && !list.includes(p.college)) {
            list.push(p.college);
        }
    }
    return list;
}

// Attendance is counted over the members of the colleges, as the server does:
// the chair, the secretary and the observers are listed but make no quorum.
export function counts(p) {
    return p.role === 'member';
}

export function attendanceOf(s) {
    const a = { present: 0, total: 0, colleges: {} };
    for (const c of s.colleges) {
        a.colleges[c] = { present: 0, total: 0 };
    }
    for (const p of s.participants) {
        if (!counts(p)) {
            continue;
        }
        const c = (a.colleges[p.college] ||= { present: 0, total: 0 });
        a.total += 1;
        c.total += 1;
        if (p.present) {
            a.present += 1;
            c.present += 1;
        }
    }
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
    switch (ev.type) {
    case 'meeting.created':
        Object.assign(s.meeting, {
            title: b.title, date: b.date, place: b.place, room: b.room, lang: b.lang,
            commission: { ...(b.commission || {}) }, state: 'scheduled',
        });
        out.meeting = true;
        break;
    case 'participant.added': {
        const p = { id: b.participant, name: b.name, college: b.college || '', role: b.role,
            present: false };
        if (!s.byId.has(p.id)) {
            s.participants.push(p);
            s.byId.set(p.id, p);
            if (p.college && !s.colleges.includes(p.college)) {
                s.colleges.push(p.college);
            }
        }
        out.participants = true;
        break;
    }
    case 'participant.joined':
    case 'participant.left': {
        const p = s.byId.get(b.participant);
        if (p) {
            p.present = ev.type === 'participant.joined';
        }
        out.participants = true;
        break;
    }
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
        break; // a newer server's event: nothing this page shows
    }
    if (out.participants) {
        s.attendance = attendanceOf(s);
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
