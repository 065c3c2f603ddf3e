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
// The one exception is a vote in progress: ballot.cast events are written to
// the log but never sent (PROTOCOL.md §4.5), so while a vote is open the seq
// may skip, and the skipped numbers are ballots. Unknown event types still
// advance seq, so an older page keeps working with a newer server.
//
// What the fold keeps, besides the meeting and its participants:
//   agenda    Map id -> item; display order from agendaOrder()
//   current   the current item's id, or ''
//   requests  Map id -> waiting request {id, participant, kind, item, ts, rank}
//   turn      the turn of speech in progress, or null
//   votes     Map id -> vote, as in the snapshot, plus entitledIds
//   proxies   [{from, to}] live proxies; recusals [{participant, item}]
//   minutes   Map entry id -> the secretary's entry {entry, item, text,
//             speakers, ts, edited}, in order of writing; finalized and
//             approved {by, at} ('' and 0 until it happens)
//   decisions Map id -> decision {decision, item, text, vote, ts}, in order
//   actions   Map id -> action {action, item, title, owner, owner_name, due,
//             status, origin, ts, updated}, in order (PROTOCOL.md §6.8)
//   autoSeq   the seq of the last event after which the server's automatic
//             minutes have something new (AUTO_MINUTES): the minutes panel
//             fetches them again when it moves
//
// A large meeting (more than LARGE_MEETING participants) skips seq numbers
// for the arrivals and departures it does not send to members; their
// snapshot omits the members, so attendance is the server's (`attendance`
// messages) and names come from the snapshot's speakers and turn, or from
// the full roster when a panel asks for it (addRoster()).
//
// The order of a list of speakers is the server's, never worked out here: the
// snapshot gives it, and whenever the lists change the server sends them
// again in a `speakers` message (PROTOCOL.md §4.5), in the same turn as the
// events, which applySpeakers() takes as they are. The rule that makes the
// order (PROTOCOL.md §6.3) has one home, the server. Events only take out
// the requests that leave (withdrawn, removed, given the floor), which keeps
// the server's order; a new request is shown at the end until the server
// places it (`serverOrder` is false meanwhile: its message is sure to come,
// the lists having changed). A move is not folded at all: the server keeps
// it within the request's class, and sends nothing when that changes
// nothing.
//
// No DOM here: the module is tested under plain Node.

const DEFAULT_SETTINGS = { speaking_time: 180, first_turn: true, alternate: false, quorum: 50,
    quorum_college: 0, grace: 30, proxy_max: 1, proxy_college: true, proxy_quorum: false };

// Beyond this many participants the server summarises presence
// (PROTOCOL.md §4.5): arrivals and departures go to the chair and the
// secretary only, everyone gets `attendance` messages, and a member's or an
// observer's snapshot leaves the members out (members_omitted).
export const LARGE_MEETING = 200;

// A request made after the server's last lists ranks by its seq, after
// every rank those lists gave (their index), until the next lists come.
const RANK_STEP = 2 ** 20;

// The events the server writes an automatic minutes entry for (RECORD.md):
// the session's life, items opened, closed and postponed, turns of speech,
// votes, the quorum, proxies, recusals, arrivals, departures and marks.
export const AUTO_MINUTES = new Set(['meeting.opened', 'meeting.suspended', 'meeting.resumed', 'meeting.closed',
    'agenda.item_opened', 'agenda.item_closed', 'agenda.item_postponed', 'speaker.turn_ended', 'vote.opened',
    'vote.closed', 'vote.cancelled', 'quorum.reached', 'quorum.lost', 'proxy.given', 'proxy.revoked',
    'recusal.declared', 'recusal.withdrawn', 'participant.joined', 'participant.left', 'attendance.marked',
    'decision.recorded', 'action.recorded', 'action.updated']);

// Action statuses, in the order a form offers them (PROTOCOL.md §6.8).
export const ACTION_STATUSES = ['open', 'in_progress', 'done', 'dropped'];

// A participant as the fold keeps it: the snapshot's fields, with the ones
// presence depends on always set.
function participant(p) {
    return { ...p, college: p.college || '', connected: p.connected ?? !!p.present,
        mark: p.mark || 'none', checkin: !!p.checkin, reason: p.reason || '', present: !!p.present, turns: p.turns || 0,
        spoken: p.spoken || 0 };
}

function agendaItem(it) {
    return { id: it.id, title: it.title || '', description: it.description || '',
        presenter: it.presenter || '', kind: it.kind || 'information', parent: it.parent || '',
        position: it.position ?? 0, duration: it.duration || 0, speaking_time: it.speaking_time || 0,
        state: it.state || 'pending', actual: it.actual || 0, opened_at: it.opened_at || 0,
        list_closed: !!it.list_closed,
        documents: (it.documents || []).map((d) => ({ ...d })),
        // The earlier meeting whose minutes it approves ('' for none), and
        // whether they were approved on it (minutes.approved_previous).
        approves: it.approves || '', approved: !!it.approved,
        // Whether it was ever opened (agenda.remove refuses those).
        opened: (it.state && it.state !== 'pending' && it.state !== 'postponed') || (it.actual || 0) > 0 };
}

function vote(v) {
    return { id: v.id, item: v.item || '', question: v.question || '', kind: v.kind || 'yesno',
        options: [...(v.options || [])], mode: v.mode || 'named', rule: v.rule || 'simple',
        share_num: v.share_num || 0, share_den: v.share_den || 0, duration: v.duration || 0,
        state: v.state || 'prepared', opened_at: v.opened_at || 0, deadline: v.deadline || 0,
        closed_at: v.closed_at || 0, voted: v.voted || 0,
        entitled: typeof v.entitled === 'number' ? v.entitled : 0, quorum_open: !!v.quorum_open,
        small_colleges: [...(v.small_colleges || [])], entitledIds: null, result: v.result ? { ...v.result, ballots: [...(v.result.ballots || [])] } : null };
}

function minute(e, ts) {
    return { entry: e.entry, item: e.item || '', text: e.text || '', speakers: [...(e.speakers || [])],
        ts: e.ts ?? ts ?? 0, edited: !!e.edited };
}

const stamp = (x) => ({ by: x?.by || '', at: x?.at || 0 });

function decision(d, ts) {
    return { decision: d.decision, item: d.item || '', text: d.text || '', vote: d.vote || '', ts: d.ts ?? ts ?? 0 };
}

function action(a, ts) {
    return { action: a.action, item: a.item || '', title: a.title || '', owner: a.owner || '',
        owner_name: a.owner_name || '', due: a.due || '', status: a.status || 'open', origin: a.origin || '',
        ts: a.ts ?? ts ?? 0, updated: a.updated || 0 };
}

// The decisions and actions of item `id`, in order of recording.
export function followupOf(s, id) {
    return { decisions: [...s.decisions.values()].filter((d) => d.item === id),
        actions: [...s.actions.values()].filter((a) => a.item === id) };
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
        agenda: new Map((snap.agenda || []).map((it) => [it.id, agendaItem(it)])),
        current: snap.current_item || '',
        requests: new Map(),
        turn: snap.turn ? { ...snap.turn } : null,
        votes: new Map((snap.votes || []).map((v) => [v.id, vote(v)])),
        membersOmitted: !!snap.members_omitted,
        large: !!snap.members_omitted || participants.length > LARGE_MEETING,
        names: new Map(), // id -> {name, college} of people the roster here lacks
        proxies: (snap.proxies || []).map((p) => ({ from: p.from, to: p.to })),
        recusals: (snap.recusals || []).map((r) => ({ participant: r.participant, item: r.item })),
        minutes: new Map((snap.minutes || []).map((e) => [e.entry, minute(e)])),
        decisions: new Map((snap.decisions || []).map((d) => [d.decision, decision(d)])),
        actions: new Map((snap.actions || []).map((a) => [a.action, action(a)])),
        finalized: stamp(snap.finalized),
        approved: stamp(snap.approved),
        serverOrder: true, // the lists are in the server's order (the snapshot's)
        seq: snap.seq ?? 0,
        head: snap.head ?? '',
    };
    for (const [item, list] of Object.entries(snap.speakers || {})) {
        list.forEach((r, i) => {
            s.requests.set(r.request, { id: r.request, participant: r.participant,
                kind: r.kind || 'contribution', item, ts: r.ts || 0, rank: i });
            learn(s, r.participant, r.name, r.college);
        });
    }
    if (snap.turn) {
        learn(s, snap.turn.participant, snap.turn.name, snap.turn.college);
    }
    for (const v of s.votes.values()) {
        if (v.state === 'open') {
            v.entitledIds = entitledNow(s, v.item);
        }
    }
    s.autoSeq = s.seq;
    s.colleges = collegesOf(s, snap.attendance);
    s.attendance = s.membersOmitted ? serverAttendance(snap.attendance) : attendanceOf(s);
    if (snap.attendance?.quorum) {
        s.attendance.quorum = { ...snap.attendance.quorum }; // the server's word at seq
    }
    return s;
}

function learn(s, id, name, college) {
    if (id && name && !s.byId.has(id)) {
        s.names.set(id, { name, college: college || '' });
    }
}

// Names of the whole roster (participants from a full snapshot), for a page
// whose snapshot left the members out. Returns whether any was new.
export function addRoster(s, participants) {
    let added = false;
    for (const p of participants || []) {
        // A name learnt from a list of speakers comes without a role: the roster completes it.
        if (!s.byId.has(p.id) && !s.names.get(p.id)?.role) {
            s.names.set(p.id, { name: p.name, college: p.college || '', role: p.role });
            added = true;
        }
    }
    return added;
}

// The name of a participant, or '' when this page does not know it (a member
// of a large meeting: see addRoster()).
export function nameOf(s, id) {
    return s.byId.get(id)?.name || s.names.get(id)?.name || '';
}

// The members this page knows, in roster order: {id, name, college}.
export function knownMembers(s) {
    const out = s.participants.filter((p) => p.role === 'member').map((p) => ({ id: p.id, name: p.name,
        college: p.college }));
    for (const [id, n] of s.names) {
        if (n.role === 'member') {
            out.push({ id, name: n.name, college: n.college });
        }
    }
    return out;
}

export function collegeOf(s, id) {
    return s.byId.get(id)?.college ?? s.names.get(id)?.college ?? '';
}

// Whether `id` is a member (the role that votes). A snapshot without the
// members lists everyone else, so whoever it does not list is a member.
export function isMember(s, id) {
    const p = s.byId.get(id);
    return p ? p.role === 'member' : s.membersOmitted || s.names.get(id)?.role === 'member';
}

// The `attendance` object of a snapshot or an `attendance` message.
function serverAttendance(a) {
    const colleges = {};
    for (const [k, c] of Object.entries(a?.colleges || {})) {
        colleges[k] = { present: c.present || 0, total: c.total || 0, required: c.required || 0 };
    }
    return { present: a?.present || 0, total: a?.total || 0, colleges,
        quorum: a?.quorum ? { ...a.quorum } : { met: false, present: 0, required: 0 } };
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

// The live proxy given by `id`, or undefined.
export function proxyFrom(s, id) {
    return s.proxies.find((x) => x.from === id);
}

// The ids of the members whose proxy `id` holds, in roster order (those the
// roster here lacks, in a large meeting, after them in the order given).
export function proxiesHeld(s, id) {
    const from = new Set(s.proxies.filter((x) => x.to === id).map((x) => x.from));
    const known = s.participants.filter((p) => from.has(p.id)).map((p) => p.id);
    return known.concat([...from].filter((x) => !s.byId.has(x)));
}

// Counted for the quorum: present, or (with proxy_quorum) represented by a
// holder who is present.
function countedPresent(s, p) {
    if (p.present) {
        return true;
    }
    if (!s.settings.proxy_quorum) {
        return false;
    }
    const px = proxyFrom(s, p.id);
    return !!px && !!s.byId.get(px.to)?.present;
}

// Attendance as the server counts it: members present, overall and per
// college, where "present" is countedPresent() (so represented members count
// when the rule says so).
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
        if (countedPresent(s, p)) {
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

// The agenda in display order: top-level items by position, each followed
// by its sub-items by position (PROTOCOL.md §5.3).
export function agendaOrder(s) {
    const all = [...s.agenda.values()];
    const byPos = (a, b) => a.position - b.position;
    const out = [];
    for (const top of all.filter((it) => !it.parent).sort(byPos)) {
        out.push(top);
        out.push(...all.filter((it) => it.parent === top.id).sort(byPos));
    }
    return out;
}

// The number shown before an item: "2", or "2.3" for a sub-item.
export function agendaNumbers(s) {
    const nums = new Map();
    let top = 0;
    let sub = 0;
    for (const it of agendaOrder(s)) {
        if (!it.parent) {
            top += 1;
            sub = 0;
            nums.set(it.id, String(top));
        } else {
            sub += 1;
            nums.set(it.id, `${top}.${sub}`);
        }
    }
    return nums;
}

// Time spent on an item (ms), counting the running opening at `now`.
export function itemElapsed(it, now) {
    return it.actual + (it.state === 'current' && it.opened_at ? Math.max(0, now - it.opened_at) : 0);
}

// Time left to the turn of speech at `now` (ms; negative once overrun), or
// null without a limit.
export function turnRemaining(turn, now) {
    if (!turn || !turn.allowed) {
        return null;
    }
    return turn.allowed - turnSpoken(turn, now);
}

export function turnSpoken(turn, now) {
    return turn.elapsed + (turn.running_since ? Math.max(0, now - turn.running_since) : 0);
}

// The waiting requests of `item` in the order the floor will be given: the
// server's (see the top of this file), by rank.
export function speakersOrder(s, item) {
    return [...s.requests.values()].filter((r) => r.item === item).sort((a, b) => a.rank - b.rank);
}

// The members entitled to vote on a vote about `item` if it opened now:
// members not recused on the item (PROTOCOL.md §6.5). A recusal cannot
// change while a vote on its item is open, so for an open vote from a
// snapshot this is the list frozen at its opening.
function entitledNow(s, item) {
    if (s.membersOmitted) {
        return null; // unknown here: see isEntitled()
    }
    return s.participants.filter((p) => p.role === 'member'
        && !s.recusals.some((r) => r.participant === p.id && r.item === item)).map((p) => p.id);
}

// Whether `id` may vote in `v`: in the list frozen at its opening, or, when
// this page has no list, a member not recused on the vote's item.
export function isEntitled(s, v, id) {
    if (v.entitledIds) {
        return v.entitledIds.includes(id);
    }
    return isMember(s, id) && !s.recusals.some((r) => r.participant === id && r.item === v.item);
}

export function openVote(s) {
    for (const v of s.votes.values()) {
        if (v.state === 'open') {
            return v;
        }
    }
    return null;
}

// The ballots `me` may cast in `v`, in the order the server takes them with
// "all": their own (if entitled), then those of absent members whose proxy
// they hold, in roster order (PROTOCOL.md §6.5). [{voter, proxy}]
export function ballotsFor(s, v, me) {
    const out = [];
    if (!v || v.state !== 'open' || !me) {
        return out;
    }
    if (isEntitled(s, v, me)) {
        out.push({ voter: me, proxy: false });
    }
    for (const id of proxiesHeld(s, me)) {
        const p = s.byId.get(id);
        // A giver present votes themselves (one this page cannot see: the server decides).
        if (isEntitled(s, v, id) && !p?.present) {
            out.push({ voter: id, proxy: true });
        }
    }
    return out;
}

function shift(s, parent, from, delta, except) {
    for (const it of s.agenda.values()) {
        if (it.id !== except && it.parent === parent && it.position >= from) {
            it.position += delta;
        }
    }
}

function closeCurrent(s, ts) {
    const cur = s.agenda.get(s.current);
    if (cur) {
        cur.actual += ts - cur.opened_at;
        cur.opened_at = 0;
    }
    s.current = '';
}

const NEXT_STATE = {
    'meeting.opened': 'open',
    'meeting.suspended': 'suspended',
    'meeting.resumed': 'open',
    'meeting.closed': 'closed',
};

// vote.closed gives each named ballot's choice as an index into options.
const optionAt = (v, c) => (typeof c === 'number' ? v.options[c] ?? '' : String(c ?? ''));

// Apply one event (the `event` object of an event message) to `s`, in place.
// Returns what changed, {meeting, participants, agenda, speakers, votes,
// proxies, announce}, or null when the event is out of order and nothing was
// applied (a skip is accepted while a vote is open, or in a large meeting,
// where the server leaves events out on purpose). `announce` is a key of the
// translation tables, or {key, params}.
export function applyEvent(s, ev) {
    if (ev.seq <= s.seq || (ev.seq !== s.seq + 1 && !openVote(s) && !s.large)) {
        return null;
    }
    const b = ev.body || {};
    const out = { meeting: false, participants: false, agenda: false, speakers: false, votes: false,
        proxies: false, minutes: false, followup: false, announce: null };
    const who = s.byId.get(b.participant);
    const item = s.agenda.get(b.item);
    const v = s.votes.get(b.vote);
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
        out.speakers = true;
        break;
    case 'participant.added':
        if (!who) {
            const p = participant({ id: b.participant, name: b.name, college: b.college, role: b.role });
            s.participants.push(p);
            s.byId.set(p.id, p);
            s.names.delete(p.id);
            s.large = s.large || s.participants.length > LARGE_MEETING;
            if (p.college && !s.colleges.includes(p.college)) {
                s.colleges.push(p.college);
            }
        }
        out.participants = true;
        break;
    case 'participant.edited': // the roster changed before the meeting opened (PROTOCOL.md 3)
        if (who) {
            Object.assign(who, { name: b.name, college: b.college || '', role: b.role });
            if (who.college && !s.colleges.includes(who.college)) {
                s.colleges.push(who.college);
            }
        }
        out.participants = true;
        break;
    case 'participant.removed':
        if (who) {
            s.participants = s.participants.filter((p) => p.id !== b.participant);
            s.byId.delete(b.participant);
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
            // Checked in by themselves (from wherever they are), not marked in the room.
            who.checkin = who.mark === 'present' && ev.actor === b.participant;
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

    case 'agenda.item_added': {
        const it = agendaItem({ id: b.item, title: b.title, description: b.description, presenter: b.presenter,
            kind: b.kind, parent: b.parent, position: b.position, duration: b.duration,
            speaking_time: b.speaking_time, approves: b.approves });
        shift(s, it.parent, it.position, 1, it.id);
        s.agenda.set(it.id, it);
        out.agenda = true;
        break;
    }
    case 'agenda.item_edited':
        if (item) {
            Object.assign(item, { title: b.title ?? item.title, description: b.description ?? item.description,
                presenter: b.presenter ?? item.presenter, kind: b.kind ?? item.kind,
                duration: b.duration ?? item.duration, speaking_time: b.speaking_time ?? item.speaking_time });
        }
        out.agenda = true;
        break;
    case 'agenda.item_moved':
        if (item) {
            shift(s, item.parent, item.position + 1, -1, item.id);
            item.position = b.position;
            shift(s, item.parent, item.position, 1, item.id);
        }
        out.agenda = true;
        break;
    case 'agenda.item_removed':
        if (item) {
            shift(s, item.parent, item.position + 1, -1, item.id);
            s.agenda.delete(item.id);
        }
        out.agenda = true;
        break;
    case 'document.added':
        if (item && !item.documents.some((d) => d.sha256 === b.sha256)) {
            item.documents.push({ sha256: b.sha256, name: b.name, format: b.format, size: b.size,
                added: ev.ts, item: b.item,
                url: `/api/meetings/${encodeURIComponent(ev.meeting)}/documents/${b.sha256}` });
        }
        out.agenda = true;
        break;
    case 'document.removed':
        if (item) {
            item.documents = item.documents.filter((d) => d.sha256 !== b.sha256);
        }
        out.agenda = true;
        break;
    case 'agenda.item_opened':
        if (item) {
            closeCurrent(s, ev.ts);
            item.state = 'current';
            item.opened = true;
            item.opened_at = ev.ts;
            s.current = item.id;
            out.announce = { key: 'announce.item', params: { title: item.title } };
        }
        out.agenda = true;
        out.speakers = true;
        break;
    case 'agenda.item_closed':
    case 'agenda.item_postponed':
        if (item) {
            if (s.current === item.id) {
                closeCurrent(s, ev.ts);
            }
            item.state = ev.type === 'agenda.item_closed' ? 'done' : 'postponed';
        }
        out.agenda = true;
        out.speakers = true;
        break;

    case 'speaker.requested':
        s.requests.set(b.request, { id: b.request, participant: b.participant, kind: b.kind || 'contribution',
            item: b.item, ts: ev.ts, rank: ev.seq * RANK_STEP });
        s.serverOrder = false; // placed by the server's `speakers` message, which follows
        out.speakers = true;
        break;
    case 'speaker.withdrawn':
    case 'speaker.removed':
        s.requests.delete(b.request);
        out.speakers = true;
        break;
    case 'speaker.moved':
        out.speakers = true; // the server's `speakers` message says where, if it moved
        break;
    case 'speaker.turn_started':
        if (b.request) {
            s.requests.delete(b.request);
        }
        s.turn = { participant: b.participant, request: b.request || '', kind: b.kind || 'contribution',
            item: b.item, allowed: b.allowed || 0, elapsed: 0, running_since: ev.ts };
        out.speakers = true;
        out.announce = { key: 'announce.speaker', params: { name: nameOf(s, b.participant) } };
        break;
    case 'speaker.turn_paused':
        if (s.turn) {
            s.turn.elapsed = b.elapsed || 0;
            s.turn.running_since = 0;
        }
        out.speakers = true;
        break;
    case 'speaker.turn_resumed':
        if (s.turn) {
            s.turn.running_since = ev.ts;
        }
        out.speakers = true;
        break;
    case 'speaker.turn_ended': {
        const t = s.turn;
        const p = s.byId.get(t ? t.participant : b.participant);
        if (p) {
            p.turns += 1;
            p.spoken += b.spoken || 0;
        }
        s.turn = null;
        out.speakers = true;
        out.participants = true;
        break;
    }
    case 'speaker.list_closed':
    case 'speaker.list_reopened':
        if (item) {
            item.list_closed = ev.type === 'speaker.list_closed';
        }
        out.speakers = true;
        out.agenda = true;
        break;

    case 'vote.prepared':
        s.votes.set(b.vote, vote({ id: b.vote, item: b.item, question: b.question, kind: b.kind,
            options: b.options, mode: b.mode, rule: b.rule, share_num: b.share_num, share_den: b.share_den,
            duration: b.duration, state: 'prepared' }));
        out.votes = true;
        break;
    case 'vote.opened':
        if (v) {
            Object.assign(v, { state: 'open', opened_at: ev.ts, deadline: b.deadline || 0, voted: 0,
                entitled: b.entitled_n ?? (b.entitled || []).length, quorum_open: !!b.quorum_met,
                small_colleges: [...(b.small_colleges || [])],
                // An abridged body (a member of a large meeting) has no list:
                // the rule gives it, as from a snapshot.
                entitledIds: b.entitled ? [...b.entitled] : entitledNow(s, v.item) });
            out.announce = { key: 'announce.vote.open', params: { question: v.question } };
        }
        out.votes = true;
        break;
    case 'vote.closed':
        if (v) {
            // An abridged body (a member of a large meeting) has the counts
            // and the outcome but no list of voters: no named ballots here
            // (the full snapshot has them).
            const voters = b.voters || [];
            Object.assign(v, { state: 'closed', closed_at: ev.ts, voted: b.voted ?? v.voted,
                entitled: b.entitled_n ?? v.entitled });
            v.result = { counts: [...(b.counts || [])], colleges: [...(b.colleges || [])],
                college_counts: [...(b.college_counts || [])],
                college_passed: [...(b.college_passed || [])], passed: !!b.passed, winner: b.winner || '',
                quorum_close: !!b.quorum_met, abridged: !!b.abridged,
                ballots: voters.map((voter, i) => ({ voter, by: (b.by || [])[i] || '',
                    choice: optionAt(v, (b.choices || [])[i]) })) };
            out.announce = { key: b.passed ? 'announce.vote.passed' : 'announce.vote.failed',
                params: { question: v.question } };
        }
        out.votes = true;
        break;
    case 'vote.published':
    case 'vote.cancelled':
        if (v) {
            v.state = ev.type === 'vote.published' ? 'published' : 'cancelled';
        }
        out.votes = true;
        break;
    case 'ballot.cast':
        break; // never sent to clients; counted through `count` messages

    case 'proxy.given':
        s.proxies = s.proxies.filter((x) => x.from !== b.from);
        s.proxies.push({ from: b.from, to: b.to });
        out.proxies = true;
        out.participants = true;
        out.votes = true;
        break;
    case 'proxy.revoked':
        s.proxies = s.proxies.filter((x) => x.from !== b.from);
        out.proxies = true;
        out.participants = true;
        out.votes = true;
        break;
    case 'recusal.declared':
        if (!s.recusals.some((r) => r.participant === b.participant && r.item === b.item)) {
            s.recusals.push({ participant: b.participant, item: b.item });
        }
        out.proxies = true;
        break;
    case 'recusal.withdrawn':
        s.recusals = s.recusals.filter((r) => !(r.participant === b.participant && r.item === b.item));
        out.proxies = true;
        break;

    case 'minutes.entry_added':
    case 'minutes.entry_edited': {
        const was = s.minutes.get(b.entry);
        // An entry keeps the time it was written; an edit marks it edited.
        s.minutes.set(b.entry, minute({ ...b, edited: ev.type === 'minutes.entry_edited' }, was ? was.ts : ev.ts));
        out.minutes = true;
        break;
    }
    case 'decision.recorded':
        s.decisions.set(b.decision, decision(b, ev.ts));
        out.followup = true;
        break;
    case 'action.recorded':
        s.actions.set(b.action, action(b, ev.ts));
        out.followup = true;
        break;
    case 'action.updated': {
        const a = s.actions.get(b.action);
        if (a) {
            a.status = b.status;
            a.updated = ev.ts;
        }
        out.followup = true;
        break;
    }
    case 'minutes.entry_deleted':
        s.minutes.delete(b.entry);
        out.minutes = true;
        break;
    case 'minutes.finalized':
        s.finalized = { by: ev.actor, at: ev.ts };
        out.minutes = true;
        out.announce = 'announce.minutes.finalized';
        break;
    case 'minutes.approved_previous': {
        const it = s.agenda.get(b.item);
        if (it) {
            it.approved = true;
        }
        out.agenda = true;
        out.announce = 'announce.minutes.approvedPrevious';
        break;
    }
    case 'record.approved':
        s.approved = { by: ev.actor, at: ev.ts };
        out.minutes = true;
        out.announce = 'announce.minutes.approved';
        break;
    default:
        break; // a newer server's event
    }
    if (AUTO_MINUTES.has(ev.type)) {
        s.autoSeq = ev.seq;
        out.minutes = true;
    }
    if (out.participants) {
        for (const p of s.participants) {
            p.present = isPresent(p);
        }
        if (!s.membersOmitted) {
            s.attendance = attendanceOf(s);
        }
        if (ev.type === 'quorum.reached' || ev.type === 'quorum.lost') {
            // The server's word on the quorum.
            s.attendance.quorum = { met: ev.type === 'quorum.reached', present: b.present, required: b.required };
            if (Array.isArray(b.colleges) && Array.isArray(b.college_present) && Array.isArray(b.college_required)) {
                b.colleges.forEach((c, i) => {
                    const x = (s.attendance.colleges[c] ||= { present: 0, total: 0, required: 0 });
                    Object.assign(x, { present: b.college_present[i] ?? x.present, required: b.college_required[i] ?? x.required });
                });
                s.attendance.quorum.failing = Array.isArray(b.failing) ? [...b.failing] : undefined;
            }
        }
    }
    s.seq = ev.seq;
    s.head = ev.hash ?? s.head;
    return out;
}

// A `count` message (PROTOCOL.md §4.5): how many have voted. Not an event:
// it has no seq and changes only the numbers of an open vote.
export function applyCount(s, body) {
    const v = s.votes.get(body?.vote);
    if (!v || v.state !== 'open') {
        return null;
    }
    v.voted = body.voted ?? v.voted;
    v.entitled = body.entitled ?? v.entitled;
    // The bureau of a named vote: who has not voted yet (the server's list).
    v.waiting = Array.isArray(body.waiting) ? [...body.waiting] : v.waiting;
    return { votes: true, count: true };
}

// A `speakers` message (PROTOCOL.md §4.5): after a change, the lists of
// speakers in the order the floor will be given, and the turn. Taken as
// they are: the server decides the order, the page shows it.
export function applySpeakers(s, body) {
    if (!body || typeof body !== 'object' || typeof body.speakers !== 'object' || !body.speakers) {
        return null;
    }
    s.requests = new Map();
    for (const [item, list] of Object.entries(body.speakers)) {
        (Array.isArray(list) ? list : []).forEach((r, i) => {
            s.requests.set(r.request, { id: r.request, participant: r.participant, kind: r.kind || 'contribution',
                item, ts: r.ts || 0, rank: i });
            learn(s, r.participant, r.name, r.college);
        });
    }
    if ('turn' in body) {
        s.turn = body.turn ? { ...body.turn } : null;
        if (body.turn) {
            learn(s, body.turn.participant, body.turn.name, body.turn.college);
        }
    }
    s.serverOrder = true;
    return { speakers: true };
}

// An `attendance` message (PROTOCOL.md §4.5, large meetings): the server's
// count of who is present, which this page cannot make without the members.
export function applyAttendance(s, body) {
    if (!body || typeof body !== 'object') {
        return null;
    }
    s.attendance = serverAttendance(body);
    for (const c of Object.keys(s.attendance.colleges)) {
        if (!s.colleges.includes(c)) {
            s.colleges.push(c);
        }
    }
    return { participants: true };
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
