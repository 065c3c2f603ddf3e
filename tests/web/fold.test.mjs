// SPDX-License-Identifier: AGPL-3.0-or-later
//
// The fold of the agenda, the lists of speakers, votes, proxies and
// recusals (state.mjs), and the ballots this browser remembers (ballot.mjs),
// without a browser: each rule of PROTOCOL.md sections 5 and 6 that the page
// reproduces, checked on small cases. consistency.test.mjs checks the same
// fold against the real server.

import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { fromSnapshot, applyEvent, applyCount, applySpeakers, agendaOrder, agendaNumbers, itemElapsed,
    speakersOrder, turnRemaining, ballotsFor, openVote, isEntitled, followupOf } from '../../web/state.mjs';
import * as ballot from '../../web/ballot.mjs';
import { nextItem } from '../../web/views/agenda.mjs';
import { mergeMinutes, groupMinutes } from '../../web/views/minutes.mjs';

const T0 = 1612254600000;
const p = (id, college, role = 'member', connected = true) => ({ id, name: id.toUpperCase(), college, role,
    present: connected, connected, mark: 'none', reason: '', arrived: 0, left: 0, disconnections: 0, turns: 0,
    spoken: 0 });
const item = (id, position, parent = '', extra = {}) => ({ id, title: `T${id}`, description: '', presenter: '',
    kind: 'information', parent, position, duration: 600, speaking_time: 0, state: 'pending', actual: 0,
    opened_at: 0, list_closed: false, ...extra });

function snapshot(extra = {}) {
    return {
        meeting: { id: 'm1', title: 'CCR', state: 'open', lang: 'fr', commission: { id: 'c', name: 'C' } },
        settings: { speaking_time: 180, first_turn: true, alternate: false, quorum: 50, quorum_college: 50, grace: 30,
            proxy_max: 1, proxy_college: true, proxy_quorum: false },
        participants: [p('chair', '', 'chair'), p('b1', 'bailleurs'), p('b2', 'bailleurs'), p('b3', 'bailleurs', 'member', false),
            p('l1', 'locataires'), p('l2', 'locataires'), p('l3', 'locataires', 'member', false)],
        attendance: { colleges: { bailleurs: {}, locataires: {} } },
        agenda: [item('i1', 0), item('i2', 1), item('i3', 0, 'i2'), item('i4', 1, 'i2'), item('i5', 2)],
        current_item: '',
        speakers: {},
        turn: null,
        votes: [],
        proxies: [],
        recusals: [],
        seq: 100,
        head: 'h100',
        ...extra,
    };
}

let s;
let seq;
function ev(type, body = {}, ts = T0 + seq * 1000) {
    seq += 1;
    const out = applyEvent(s, { meeting: 'm1', seq, ts, type, actor: 'chair', body, hash: `h${seq}` });
    assert.ok(out, `${type} applies`);
    return out;
}

beforeEach(() => {
    s = fromSnapshot(snapshot());
    seq = 100;
});

const ids = (list) => list.map((x) => x.id);

test('the agenda keeps the display order through additions, moves and removals', () => {
    assert.deepEqual(ids(agendaOrder(s)), ['i1', 'i2', 'i3', 'i4', 'i5']);
    assert.deepEqual([...agendaNumbers(s).values()], ['1', '2', '2.1', '2.2', '3']);
    ev('agenda.item_added', { item: 'i6', title: 'New', description: '', presenter: '', duration: 300,
        kind: 'vote', parent: '', position: 1, speaking_time: 0 });
    assert.deepEqual(ids(agendaOrder(s)), ['i1', 'i6', 'i2', 'i3', 'i4', 'i5']);
    ev('agenda.item_added', { item: 'i7', title: 'Sub', description: '', presenter: '', duration: 0,
        kind: 'information', parent: 'i2', position: 2, speaking_time: 0 });
    assert.deepEqual(ids(agendaOrder(s)), ['i1', 'i6', 'i2', 'i3', 'i4', 'i7', 'i5']);
    ev('agenda.item_moved', { item: 'i7', position: 0 });
    assert.deepEqual(ids(agendaOrder(s)), ['i1', 'i6', 'i2', 'i7', 'i3', 'i4', 'i5']);
    ev('agenda.item_moved', { item: 'i1', position: 3 });
    assert.deepEqual(ids(agendaOrder(s)), ['i6', 'i2', 'i7', 'i3', 'i4', 'i5', 'i1']);
    ev('agenda.item_removed', { item: 'i6' });
    assert.deepEqual(ids(agendaOrder(s)), ['i2', 'i7', 'i3', 'i4', 'i5', 'i1']);
    assert.deepEqual([...s.agenda.values()].filter((x) => !x.parent).map((x) => [x.id, x.position]).sort(),
        [['i1', 2], ['i2', 0], ['i5', 1]], 'positions stay dense');
    ev('agenda.item_edited', { item: 'i7', title: 'Renamed', description: 'd', presenter: 'P', duration: 60,
        kind: 'deliberation', speaking_time: 120 });
    assert.equal(s.agenda.get('i7').title, 'Renamed');
    assert.equal(s.agenda.get('i7').speaking_time, 120);
});

test('items are opened, closed and postponed, and their time adds up across openings', () => {
    assert.equal(nextItem(s).id, 'i1');
    ev('agenda.item_opened', { item: 'i1' }, T0);
    assert.equal(s.current, 'i1');
    assert.equal(itemElapsed(s.agenda.get('i1'), T0 + 65000), 65000);
    assert.equal(nextItem(s).id, 'i2');
    ev('agenda.item_closed', { item: 'i1' }, T0 + 60000);
    ev('agenda.item_opened', { item: 'i2' }, T0 + 61000);
    assert.equal(nextItem(s).id, 'i3', 'the first sub-item comes next');
    ev('agenda.item_closed', { item: 'i2' }, T0 + 70000);
    ev('agenda.item_opened', { item: 'i1' }, T0 + 80000);
    const i1 = s.agenda.get('i1');
    assert.equal(i1.state, 'current');
    assert.equal(itemElapsed(i1, T0 + 90000), 70000, 'actual + now - opened_at');
    ev('agenda.item_postponed', { item: 'i1' }, T0 + 100000);
    assert.equal(i1.state, 'postponed');
    assert.equal(i1.actual, 80000);
    assert.equal(s.current, '');
    assert.equal(itemElapsed(i1, T0 + 200000), 80000, 'no longer running');
});

test('until the server\'s lists come, the fold keeps their order: the rule is the server\'s', () => {
    ev('agenda.item_opened', { item: 'i1' });
    const ask = (participant, kind, request) => ev('speaker.requested', { request, participant, kind, item: 'i1' });
    ask('b1', 'contribution', 'r1');
    ask('b2', 'contribution', 'r2');
    ask('l2', 'point_of_order', 'r4');
    assert.equal(s.serverOrder, false);
    assert.deepEqual(ids(speakersOrder(s, 'i1')), ['r1', 'r2', 'r4'], 'in the order asked: no class here');
    ev('speaker.turn_started', { request: 'r1', participant: 'b1', kind: 'contribution', item: 'i1', allowed: 180000 });
    assert.deepEqual(ids(speakersOrder(s, 'i1')), ['r2', 'r4']);
    ev('speaker.turn_ended', { participant: 'b1', spoken: 42000 });
    assert.equal(s.byId.get('b1').turns, 1);
    assert.equal(s.byId.get('b1').spoken, 42000);
    ask('b1', 'contribution', 'r5');
    assert.deepEqual(ids(speakersOrder(s, 'i1')), ['r2', 'r4', 'r5'], 'no first turns here either');
    // A move is the server's to place (within its class): nothing moves here
    // until its lists say so.
    ev('speaker.moved', { request: 'r4', position: 0 });
    assert.deepEqual(ids(speakersOrder(s, 'i1')), ['r2', 'r4', 'r5']);
    applySpeakers(s, { current_item: 'i1', turn: null, speakers: { i1: [
        { request: 'r4', participant: 'l2', kind: 'point_of_order', ts: T0 },
        { request: 'r2', participant: 'b2', kind: 'contribution', ts: T0 },
        { request: 'r5', participant: 'b1', kind: 'contribution', ts: T0 }] } });
    assert.equal(s.serverOrder, true);
    assert.deepEqual(ids(speakersOrder(s, 'i1')), ['r4', 'r2', 'r5']);
    // Those that leave leave the server's order as it was.
    ev('speaker.withdrawn', { request: 'r2' });
    assert.equal(s.serverOrder, true);
    assert.deepEqual(ids(speakersOrder(s, 'i1')), ['r4', 'r5']);
});

test('the turn counts down from the server clock, pauses and overruns', () => {
    ev('agenda.item_opened', { item: 'i1' });
    ev('speaker.turn_started', { request: '', participant: 'l1', kind: 'contribution', item: 'i1', allowed: 60000 }, T0);
    assert.equal(turnRemaining(s.turn, T0 + 20000), 40000);
    ev('speaker.turn_paused', { elapsed: 30000 }, T0 + 30000);
    assert.equal(turnRemaining(s.turn, T0 + 90000), 30000, 'paused: the clock stands');
    ev('speaker.turn_resumed', {}, T0 + 100000);
    assert.equal(turnRemaining(s.turn, T0 + 140000), -10000, 'overrun is negative');
    ev('speaker.turn_ended', { participant: 'l1', spoken: 70000 });
    assert.equal(s.turn, null);
    ev('speaker.turn_started', { request: '', participant: 'l2', kind: 'reply', item: 'i1', allowed: 0 }, T0);
    assert.equal(turnRemaining(s.turn, T0 + 5000), null, 'no limit');
});

test('votes: opened, counted while the seq skips ballots, closed with named ballots', () => {
    ev('agenda.item_opened', { item: 'i1' });
    ev('vote.prepared', { vote: 'v1', item: 'i1', question: 'Q', kind: 'yesno', options: ['yes', 'no', 'abstain'],
        mode: 'named', rule: 'simple', share_num: 0, share_den: 0, duration: 0 });
    assert.equal(openVote(s), null);
    // Without a vote open, a skipped seq is a gap.
    assert.equal(applyEvent(s, { seq: seq + 2, ts: T0, type: 'meeting.suspended', body: {} }), null);
    const out = ev('vote.opened', { vote: 'v1', deadline: 0, quorum_met: true, entitled_n: 4,
        entitled: ['b1', 'b2', 'b3', 'l1'], present: ['b1', 'b2', 'l1'] });
    assert.deepEqual(out.announce, { key: 'announce.vote.open', params: { question: 'Q' } });
    assert.equal(openVote(s).id, 'v1');
    assert.deepEqual(applyCount(s, { vote: 'v1', voted: 2, entitled: 4 }), { votes: true, count: true });
    assert.equal(s.votes.get('v1').voted, 2);
    assert.equal(applyCount(s, { vote: 'v9', voted: 1, entitled: 1 }), null);
    // Three ballot.cast events (seq +1..+3) are never sent: the next event skips them.
    seq += 3;
    ev('vote.closed', { vote: 'v1', counts: [2, 1, 0], colleges: ['bailleurs', 'locataires'],
        college_counts: [2, 0, 0, 0, 1, 0], passed: true, winner: '', quorum_met: true, voted: 3, entitled_n: 4,
        present: ['b1', 'b2', 'l1'], voters: ['b1', 'b2', 'l1'], by: ['', '', ''], choices: [0, 0, 1] });
    const v = s.votes.get('v1');
    assert.equal(v.state, 'closed');
    assert.deepEqual(v.result.ballots, [{ voter: 'b1', by: '', choice: 'yes' }, { voter: 'b2', by: '', choice: 'yes' },
        { voter: 'l1', by: '', choice: 'no' }]);
    assert.equal(v.result.quorum_close, true);
    ev('vote.published', { vote: 'v1' });
    assert.equal(v.state, 'published');
    assert.equal(applyEvent(s, { seq: seq + 2, ts: T0, type: 'meeting.suspended', body: {} }), null,
        'once closed, a skip is a gap again');
});

test('who votes: oneself if entitled, and the absent givers of proxies held, in roster order', () => {
    ev('proxy.given', { from: 'b3', to: 'b1' });
    ev('agenda.item_opened', { item: 'i1' });
    ev('recusal.declared', { participant: 'b2', item: 'i1' });
    assert.deepEqual(s.recusals, [{ participant: 'b2', item: 'i1' }]);
    ev('vote.prepared', { vote: 'v1', item: 'i1', question: 'Q', kind: 'yesno', options: ['yes', 'no', 'abstain'],
        mode: 'secret', rule: 'simple', share_num: 0, share_den: 0, duration: 0 });
    ev('vote.opened', { vote: 'v1', deadline: 0, quorum_met: true, entitled_n: 5, entitled: ['b1', 'b3', 'l1', 'l2', 'l3'],
        present: [] });
    const v = s.votes.get('v1');
    assert.deepEqual(ballotsFor(s, v, 'b1'), [{ voter: 'b1', proxy: false }, { voter: 'b3', proxy: true }]);
    assert.deepEqual(ballotsFor(s, v, 'b2'), [], 'recused');
    assert.deepEqual(ballotsFor(s, v, 'chair'), []);
    // b3 arrives: they vote themselves.
    ev('participant.joined', { participant: 'b3' });
    assert.deepEqual(ballotsFor(s, v, 'b1'), [{ voter: 'b1', proxy: false }]);
    // A snapshot of an open vote gives no list: it is the members not recused.
    const again = fromSnapshot(snapshot({ current_item: 'i1', recusals: [{ participant: 'b2', item: 'i1' }],
        votes: [{ id: 'v1', item: 'i1', question: 'Q', kind: 'yesno', options: ['yes', 'no', 'abstain'], mode: 'secret',
            rule: 'simple', share_num: 0, share_den: 0, duration: 0, state: 'open', opened_at: T0, deadline: 0,
            closed_at: 0, voted: 1, entitled: 5, quorum_open: true }] }));
    assert.deepEqual(again.votes.get('v1').entitledIds, ['b1', 'b3', 'l1', 'l2', 'l3']);
    ev('proxy.revoked', { from: 'b3' });
    assert.deepEqual(s.proxies, []);
});

test('an abridged vote.opened (a large meeting) gives no list: the rule says who votes', () => {
    ev('proxy.given', { from: 'b3', to: 'b1' });
    ev('agenda.item_opened', { item: 'i1' });
    ev('recusal.declared', { participant: 'b2', item: 'i1' });
    ev('vote.prepared', { vote: 'v1', item: 'i1', question: 'Q', kind: 'yesno', options: ['yes', 'no', 'abstain'],
        mode: 'secret', rule: 'simple', share_num: 0, share_den: 0, duration: 0 });
    ev('vote.opened', { vote: 'v1', deadline: 0, quorum_met: true, entitled_n: 5, present_n: 3, abridged: true });
    const v = s.votes.get('v1');
    assert.equal(v.entitled, 5);
    assert.deepEqual(v.entitledIds, ['b1', 'b3', 'l1', 'l2', 'l3']);
    assert.deepEqual(ballotsFor(s, v, 'b1'), [{ voter: 'b1', proxy: false }, { voter: 'b3', proxy: true }]);
    assert.deepEqual(ballotsFor(s, v, 'b2'), [], 'recused');
    // Without the roster (a member's page in a large meeting), the rule is applied per person.
    s.membersOmitted = true;
    ev('vote.closed', { vote: 'v1', counts: [0, 0, 0], colleges: [], college_counts: [], passed: false, winner: '',
        quorum_met: true, voted: 0, entitled_n: 5, present: [], voters: [], by: [], choices: [] });
    assert.equal(v.result.abridged, false);
    ev('vote.prepared', { vote: 'v2', item: 'i1', question: 'Q2', kind: 'yesno', options: ['yes', 'no', 'abstain'],
        mode: 'secret', rule: 'simple', share_num: 0, share_den: 0, duration: 0 });
    ev('vote.opened', { vote: 'v2', deadline: 0, quorum_met: true, entitled_n: 5, present_n: 3, abridged: true });
    const v2 = s.votes.get('v2');
    assert.equal(v2.entitledIds, null);
    assert.equal(isEntitled(s, v2, 'b1'), true);
    assert.equal(isEntitled(s, v2, 'b2'), false, 'recused');
});

test('an abridged vote.closed (a large meeting) gives the counts and the outcome, no list', () => {
    ev('agenda.item_opened', { item: 'i1' });
    ev('vote.prepared', { vote: 'v1', item: 'i1', question: 'Q', kind: 'yesno', options: ['yes', 'no', 'abstain'],
        mode: 'named', rule: 'simple', share_num: 0, share_den: 0, duration: 0 });
    ev('vote.opened', { vote: 'v1', deadline: 0, quorum_met: true, entitled_n: 5, present_n: 3, abridged: true });
    const r = ev('vote.closed', { vote: 'v1', counts: [2, 1, 0], colleges: ['bailleurs', 'locataires'],
        college_counts: [1, 1, 0, 1, 0, 0], college_passed: [], passed: true, winner: '', quorum_met: true, voted: 3,
        entitled_n: 5, present_n: 3, abridged: true });
    assert.ok(r && r.votes);
    const v = s.votes.get('v1');
    assert.equal(v.state, 'closed');
    assert.equal(v.voted, 3);
    assert.equal(v.entitled, 5);
    assert.deepEqual(v.result.counts, [2, 1, 0]);
    assert.deepEqual(v.result.college_counts, [1, 1, 0, 1, 0, 0]);
    assert.equal(v.result.passed, true);
    assert.equal(v.result.quorum_close, true);
    assert.equal(v.result.abridged, true);
    assert.deepEqual(v.result.ballots, []);
    assert.deepEqual(r.announce, { key: 'announce.vote.passed', params: { question: 'Q' } });
});

test('with proxy_quorum, a represented member counts for the quorum, as the server counts', () => {
    s = fromSnapshot(snapshot({ participants: [p('b1', 'bailleurs'), p('b2', 'bailleurs', 'member', false),
        p('l1', 'locataires'), p('l2', 'locataires', 'member', false)] }));
    assert.deepEqual(s.attendance.quorum, { met: true, present: 2, required: 2 });
    ev('meeting.configured', { ...s.settings, quorum: 100, quorum_college: 100 });
    assert.equal(s.attendance.quorum.met, false);
    ev('proxy.given', { from: 'b2', to: 'b1' });
    ev('proxy.given', { from: 'l2', to: 'l1' });
    assert.equal(s.attendance.quorum.met, false, 'proxies do not count by default');
    ev('meeting.configured', { ...s.settings, proxy_quorum: true });
    assert.deepEqual(s.attendance.quorum, { met: true, present: 4, required: 4 });
    assert.equal(s.attendance.colleges.bailleurs.present, 2);
});

// An in-memory localStorage for ballot.mjs under Node.
function memoryStorage() {
    const m = new Map();
    return { getItem: (k) => (m.has(k) ? m.get(k) : null), setItem: (k, v) => m.set(k, String(v)),
        removeItem: (k) => m.delete(k), key: (i) => [...m.keys()][i] ?? null, get length() {
            return m.size;
        }, keys: () => [...m.keys()] };
}

test('receipts are 16 random bytes in base64url, one per ballot, and a change names the one replaced', () => {
    globalThis.localStorage = memoryStorage();
    const seen = new Set();
    for (let i = 0; i < 200; i++) {
        const r = ballot.newReceipt();
        assert.match(r, /^[A-Za-z0-9_-]{22}$/);
        seen.add(r);
    }
    assert.equal(seen.size, 200);

    const first = ballot.castPlan('m1', 'v2', ['b1', 'b3'], 'yes', true);
    assert.equal(first.body.replaces, undefined, 'a first ballot replaces nothing');
    assert.equal(first.body.receipts.length, 2);
    ballot.begin('m1', 'v2', ['b1', 'b3'], first.records);
    assert.equal(ballot.load('m1', 'v2', 'b1').state, 'sending');
    ballot.confirm('m1', 'v2', ['b1', 'b3']);
    assert.deepEqual(ballot.load('m1', 'v2', 'b3'), { choice: 'yes', receipt: first.body.receipts[1], previous: '',
        state: 'cast' });

    // Change b3's ballot only: it replaces b3's receipt.
    const second = ballot.castPlan('m1', 'v2', ['b3'], 'no', true);
    assert.deepEqual(second.body.replaces, [first.body.receipts[1]]);
    assert.equal(second.fallback, null);
    ballot.begin('m1', 'v2', ['b3'], second.records);
    // Refused: back to the ballot cast before.
    ballot.abandon('m1', 'v2', ['b3'], second.olds);
    assert.equal(ballot.load('m1', 'v2', 'b3').receipt, first.body.receipts[1]);

    // A page closed while sending leaves two candidates: the newest first, the older as fallback.
    ballot.begin('m1', 'v2', ['b3'], second.records);
    const third = ballot.castPlan('m1', 'v2', ['b3'], 'abstain', true);
    assert.deepEqual(third.body.replaces, [second.body.receipts[0]]);
    assert.deepEqual(third.fallback, [first.body.receipts[1]]);

    // Named votes carry no receipt.
    const named = ballot.castPlan('m1', 'v1', ['b1'], 'no', false);
    assert.deepEqual(named.body, { choice: 'no' });
    assert.deepEqual(globalThis.localStorage.keys().sort(), ['concerto.ballot.m1.v2.b1', 'concerto.ballot.m1.v2.b3']);
    assert.deepEqual(ballot.voters('m1', 'v2'), ['b1', 'b3']);
    assert.deepEqual(ballot.voters('m1', 'v1'), []);
    delete globalThis.localStorage;
});

test('the server\'s lists of speakers are shown as sent, and the fold fills in until the next one', () => {
    ev('agenda.item_opened', { item: 'i1' });
    const ask = (participant, kind, request) => ev('speaker.requested', { request, participant, kind, item: 'i1' });
    ask('b1', 'contribution', 'r1');
    ask('l1', 'contribution', 'r2');
    assert.equal(s.serverOrder, false, 'a request is placed by the server');
    assert.deepEqual(ids(speakersOrder(s, 'i1')), ['r1', 'r2']);
    // The server says otherwise (a rule this page cannot see): its word wins.
    const out = applySpeakers(s, { current_item: 'i1', turn: null, speakers: { i1: [
        { request: 'r2', participant: 'l1', kind: 'contribution', ts: T0 },
        { request: 'r1', participant: 'b1', kind: 'contribution', ts: T0 }] } });
    assert.deepEqual(out, { speakers: true });
    assert.equal(s.serverOrder, true);
    assert.deepEqual(ids(speakersOrder(s, 'i1')), ['r2', 'r1']);
    // A new request: folded from the server's order until the next message.
    ask('b2', 'contribution', 'r3');
    assert.deepEqual(ids(speakersOrder(s, 'i1')), ['r2', 'r1', 'r3']);
    applySpeakers(s, { current_item: 'i1', turn: { participant: 'b2', request: 'r3', kind: 'contribution', item: 'i1',
        allowed: 180000, elapsed: 0, running_since: T0 }, speakers: { i1: [
        { request: 'r2', participant: 'l1', kind: 'contribution', ts: T0 }] } });
    assert.deepEqual(ids(speakersOrder(s, 'i1')), ['r2']);
    assert.equal(s.turn.participant, 'b2');
    assert.equal(applySpeakers(s, null), null, 'a malformed message changes nothing');
    assert.deepEqual(ids(speakersOrder(s, 'i1')), ['r2']);
});

test('the secretary\'s minutes: written, edited, deleted, finalised and approved', () => {
    s = fromSnapshot(snapshot({ minutes: [{ entry: 'e1', item: 'i1', text: 'Avant', speakers: ['b1'], ts: T0,
        edited: false }], finalized: { by: '', at: 0 }, approved: { by: '', at: 0 } }));
    assert.equal(s.minutes.get('e1').text, 'Avant');
    assert.equal(s.autoSeq, 100, 'the automatic minutes are fetched for the snapshot');
    const added = ev('minutes.entry_added', { entry: 'e2', item: '', text: 'Hors point', speakers: [] });
    assert.equal(added.minutes, true);
    assert.equal(s.minutes.get('e2').ts, T0 + 100000, 'stamped with its event');
    assert.equal(s.autoSeq, 100, 'no automatic entry for a written one');
    ev('minutes.entry_edited', { entry: 'e1', item: 'i2', text: 'Après', speakers: [] });
    assert.deepEqual(s.minutes.get('e1'), { entry: 'e1', item: 'i2', text: 'Après', speakers: [], ts: T0, edited: true },
        'an edit keeps the time of writing');
    ev('minutes.entry_deleted', { entry: 'e2' });
    assert.deepEqual([...s.minutes.keys()], ['e1']);
    ev('agenda.item_opened', { item: 'i1' });
    assert.equal(s.autoSeq, seq, 'an item opened is narrated by the server');
    ev('meeting.closed');
    const fin = ev('minutes.finalized', {});
    assert.equal(fin.announce, 'announce.minutes.finalized');
    assert.deepEqual(s.finalized, { by: 'chair', at: T0 + (seq - 1) * 1000 });
    ev('record.approved', {});
    assert.equal(s.approved.by, 'chair');
});

test('minutes merge in time order and group by item as the record does', () => {
    const written = [{ entry: 'e2', item: 'i2', text: 'W2', speakers: [], ts: 50, edited: false },
        { entry: 'e1', item: 'i1', text: 'W1', speakers: [], ts: 20, edited: true }];
    const autos = [{ source: 'auto', item: '', text: 'Opened', ts: 10 }, { source: 'auto', item: 'i1', text: 'Item 1', ts: 20 },
        { source: 'auto', item: '', text: 'Item 1 closed', ts: 30 }, { source: 'auto', item: 'i2', text: 'Item 2', ts: 40 },
        { source: 'auto', item: 'i1', text: 'Item 1 again', ts: 60 }, { source: 'auto', item: 'gone', text: 'Lost', ts: 70 }];
    const merged = mergeMinutes(written, autos);
    assert.deepEqual(merged.map((e) => e.text), ['Opened', 'Item 1', 'W1', 'Item 1 closed', 'Item 2', 'W2', 'Item 1 again',
        'Lost'], 'by time; at the same time, the automatic entry first');
    assert.deepEqual(merged.map((e) => e.key), ['a:10:0', 'a:20:0', 's:e1', 'a:30:0', 'a:40:0', 's:e2', 'a:60:0', 'a:70:0']);
    const groups = groupMinutes(merged, (id) => id === 'i1' || id === 'i2');
    assert.deepEqual(groups.map((g) => [g.item, g.continued, g.entries.map((e) => e.text)]), [
        ['', false, ['Opened']],
        ['i1', false, ['Item 1', 'W1', 'Item 1 closed']],
        ['i2', false, ['Item 2', 'W2']],
        ['i1', true, ['Item 1 again', 'Lost']],
    ], 'outside any item stays where it falls; an item back is continued');
});

test('decisions and actions fold by item, and a status change keeps the rest (PROTOCOL.md 6.8)', () => {
    s = fromSnapshot(snapshot({ actions: [{ action: 'a1', item: 'i2', title: 'Reprise', owner: 'gt', owner_name: 'Groupe',
        due: '', status: 'open', origin: 'm0/a3', ts: 1, updated: 0 }] }));
    let out = ev('decision.recorded', { decision: 'd1', item: 'i1', text: 'Adopté.', vote: '' });
    assert.ok(out.followup);
    ev('action.recorded', { action: 'a2', item: 'i1', title: 'Note', owner: 'b1', owner_name: 'B1',
        due: '2021-06-30', status: 'open', origin: '' });
    out = ev('action.updated', { action: 'a1', status: 'done' });
    assert.ok(out.followup && out.minutes);
    const f1 = followupOf(s, 'i1');
    assert.deepEqual(f1.decisions.map((d) => d.text), ['Adopté.']);
    assert.deepEqual(f1.actions.map((a) => [a.action, a.due, a.status]), [['a2', '2021-06-30', 'open']]);
    const f2 = followupOf(s, 'i2');
    assert.deepEqual(f2.actions.map((a) => [a.origin, a.status, a.updated > 0]), [['m0/a3', 'done', true]]);
});

test('a participant edited or removed before the meeting opens (PROTOCOL.md 3, "Changing the roster")', () => {
    s = fromSnapshot(snapshot({ meeting: { ...snapshot().meeting, state: 'scheduled' } }));
    assert.equal(s.attendance.quorum.required, 3);
    ev('participant.edited', { participant: 'b3', name: 'Bénédicte Trois', college: 'locataires', role: 'member' });
    assert.deepEqual([s.byId.get('b3').name, s.byId.get('b3').college], ['Bénédicte Trois', 'locataires']);
    assert.equal(s.attendance.colleges.locataires.total, 4);
    ev('participant.removed', { participant: 'l3' });
    ev('participant.removed', { participant: 'b3' });
    assert.deepEqual(ids(s.participants), ['chair', 'b1', 'b2', 'l1', 'l2']);
    assert.equal(s.byId.has('l3'), false);
    assert.equal(s.attendance.quorum.required, 2);
});
