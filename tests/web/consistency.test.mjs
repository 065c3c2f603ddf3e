// SPDX-License-Identifier: AGPL-3.0-or-later
//
// The page's fold against the real server: after each burst of commands,
// what a page folded from the events it received (state.mjs) must equal the
// snapshot the server gives at the same seq (GET /api/meetings/M): the
// agenda in display order with states and times, the list of speakers in the
// server's order (first turns, alternation, moves), the turn, the votes with
// their counts and results, proxies, recusals, attendance and quorum, the
// secretary's minutes, their finalisation and approval.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newContext } from './harness.mjs';

let server;
let browser;
const pages = {};

before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    for (const l of server.links) {
        if (l.role === 'observer') {
            continue;
        }
        const id = l.name.split(' ').pop().toLowerCase();
        const ctx = await newContext(browser, server.base);
        const page = await ctx.newPage();
        await page.goto(l.url);
        await page.waitForSelector('#conn[data-status="online"]');
        pages[id] = page;
    }
});

after(async () => {
    await browser?.close();
    await server?.stop();
});

// Send a command as `who`; resolves with the ok body or {error: code}.
function send(who, type, body = {}) {
    return pages[who].evaluate(([ty, b]) => window.concerto.conn.command(ty, b).catch((e) => ({ error: e.code })),
        [type, body]);
}

// The page's fold and the server's snapshot, in the same shape, at the same seq.
async function compare(who = 'vasseur') {
    const page = pages[who];
    const got = await page.evaluate(async () => {
        const st = await import('/state.mjs');
        const meeting = location.pathname.split('/').pop();
        const token = sessionStorage.getItem(`concerto.token.${meeting}`);
        let snap;
        for (let i = 0; i < 50; i++) {
            snap = await (await fetch(`/api/meetings/${meeting}`, { headers: { Authorization: `Bearer ${token}` } })).json();
            // While a vote is open, the server's seq counts ballots the page never receives.
            const seen = window.concerto.conn.state.seq;
            // The events of the others' last commands may be on their way, and
            // the count of an open vote comes coalesced: wait for both.
            const open = st.openVote(window.concerto.conn.state);
            const counted = !open || snap.votes.find((v) => v.id === open.id)?.voted === open.voted;
            // The lists of speakers the server sends after the events that change them.
            const listed = window.concerto.conn.state.serverOrder;
            if ((snap.seq === seen || (open && snap.seq > seen)) && counted && listed) {
                break;
            }
            await new Promise((r) => setTimeout(r, 100));
        }
        const s = window.concerto.conn.state;
        const pick = (it) => [it.id, it.parent, it.position, it.state, it.actual, it.opened_at, it.list_closed, it.title,
            it.duration, it.kind];
        const voteOf = (v) => [v.id, v.state, v.voted, v.entitled, v.quorum_open, v.small_colleges, JSON.stringify(v.result ? {
            counts: v.result.counts, colleges: v.result.colleges, college_counts: v.result.college_counts,
            college_passed: v.result.college_passed, passed: v.result.passed, winner: v.result.winner, quorum_close: v.result.quorum_close,
            ballots: v.result.ballots } : null)];
        const voting = !!st.openVote(s);
        const mine = {
            seq: voting ? 'skips ballots' : s.seq,
            agenda: st.agendaOrder(s).map(pick),
            current: s.current,
            speakers: Object.fromEntries([...new Set([...s.requests.values()].map((r) => r.item))].sort()
                .map((item) => [item, st.speakersOrder(s, item).map((r) => [r.id, r.participant, r.kind])])),
            turn: s.turn && [s.turn.participant, s.turn.request, s.turn.kind, s.turn.item, s.turn.allowed, s.turn.elapsed,
                s.turn.running_since],
            votes: [...s.votes.values()].map(voteOf),
            proxies: s.participants.map((p) => s.proxies.find((x) => x.from === p.id)).filter(Boolean)
                .map((x) => [x.from, x.to]),
            recusals: s.recusals.map((r) => [r.participant, r.item]).sort(),
            attendance: [s.attendance.present, s.attendance.total, s.attendance.quorum.met, s.attendance.quorum.required],
            turns: s.participants.map((p) => [p.id, p.turns, p.spoken]),
            minutes: [...s.minutes.values()].map((e) => [e.entry, e.item, e.text, e.speakers.join(), e.ts, e.edited]),
            finalized: [s.finalized.by, s.finalized.at],
            approved: [s.approved.by, s.approved.at],
        };
        const theirs = {
            seq: voting ? 'skips ballots' : snap.seq,
            agenda: snap.agenda.map(pick),
            current: snap.current_item,
            speakers: Object.fromEntries(Object.keys(snap.speakers).sort()
                .map((item) => [item, snap.speakers[item].map((r) => [r.request, r.participant, r.kind])])),
            turn: snap.turn && [snap.turn.participant, snap.turn.request, snap.turn.kind, snap.turn.item, snap.turn.allowed,
                snap.turn.elapsed, snap.turn.running_since],
            votes: snap.votes.map(voteOf),
            proxies: snap.proxies.map((x) => [x.from, x.to]),
            recusals: snap.recusals.map((r) => [r.participant, r.item]).sort(),
            attendance: [snap.attendance.present, snap.attendance.total, snap.attendance.quorum.met,
                snap.attendance.quorum.required],
            turns: snap.participants.map((p) => [p.id, p.turns, p.spoken]),
            minutes: snap.minutes.map((e) => [e.entry, e.item, e.text, e.speakers.join(), e.ts, e.edited]),
            finalized: [snap.finalized.by, snap.finalized.at],
            approved: [snap.approved?.by ?? '', snap.approved?.at ?? 0],
        };
        return { mine, theirs };
    });
    assert.deepEqual(got.mine, got.theirs);
}

async function ok(who, type, body) {
    const r = await send(who, type, body);
    assert.ok(r && !r.error, `${who} ${type} ${JSON.stringify(body)}: ${JSON.stringify(r)}`);
    return r;
}

test('the agenda folds as the server folds it', async () => {
    await compare();
    await ok('vasseur', 'meeting.open');
    await ok('leroy', 'agenda.add', { title: 'Nouveau', parent: 'i2', position: 1, duration: 120, kind: 'vote' });
    await ok('leroy', 'agenda.add', { title: 'Principal', position: 0 });
    await ok('vasseur', 'agenda.move', { item: 'i14', position: 3 });
    await ok('vasseur', 'agenda.move', { item: 'i13', position: 0 });
    await ok('leroy', 'agenda.edit', { item: 'i13', title: 'Renommé', duration: 60 });
    await ok('leroy', 'agenda.remove', { item: 'i14' });
    await ok('vasseur', 'agenda.open', { item: 'i3' });
    await ok('vasseur', 'agenda.open', { item: 'i1' });
    await ok('vasseur', 'agenda.postpone', { item: 'i4' });
    await compare();
    await compare('dubois');
});

test('the lists of speakers fold in the server’s order, with first turns, alternation and moves', async () => {
    await ok('vasseur', 'meeting.configure', { alternate: true });
    await ok('dubois', 'speaker.request');
    await ok('lefebvre', 'speaker.request');
    await ok('martin', 'speaker.request');
    await ok('moreau', 'speaker.request');
    await ok('benali', 'speaker.request', { kind: 'reply' });
    await ok('leroy', 'speaker.request');
    await compare();
    await ok('vasseur', 'speaker.next'); // the reply first
    await compare();
    await ok('vasseur', 'speaker.next'); // then a landlord, after a tenant
    await compare();
    await ok('dubois', 'speaker.request'); // asks again while speaking: has spoken now
    await ok('caron', 'speaker.request', { kind: 'point_of_order' });
    await compare();
    await ok('vasseur', 'speaker.pause');
    await ok('vasseur', 'speaker.next');
    await compare();
    const order = async () => pages.vasseur.evaluate(async () => {
        const st = await import('/state.mjs');
        return st.speakersOrder(window.concerto.conn.state, window.concerto.conn.state.current).map((r) => r.id);
    });
    const before1 = await order();
    await ok('vasseur', 'speaker.move', { request: before1[before1.length - 1], position: 0 });
    await compare();
    const before2 = await order();
    await ok('vasseur', 'speaker.move', { request: before2[1], position: before2.length - 1 });
    await compare();
    await ok('vasseur', 'speaker.give', { participant: 'vasseur' });
    await ok('vasseur', 'speaker.resume').catch(() => {});
    await ok('vasseur', 'speaker.next');
    await ok('vasseur', 'speaker.next');
    await compare();
    await ok('vasseur', 'meeting.configure', { first_turn: false, alternate: false });
    await compare();
    await ok('vasseur', 'speaker.close_list');
    await ok('martin', 'speaker.withdraw').catch(() => {});
    await ok('vasseur', 'speaker.end').catch(() => {});
    await compare();
    await compare('moreau');
});

test('attendance, proxies, recusals and votes fold as the server folds them', async () => {
    await ok('leroy', 'attendance.mark', { participant: 'martin', status: 'absent' });
    await ok('leroy', 'attendance.mark', { participant: 'caron', status: 'excused', reason: 'Congés' });
    await ok('martin', 'proxy.give', { to: 'dubois' });
    await ok('leroy', 'proxy.record', { from: 'caron', to: 'moreau' });
    await ok('benali', 'recusal.declare');
    await ok('vasseur', 'meeting.configure', { proxy_quorum: true });
    await compare();
    await ok('vasseur', 'vote.prepare', { question: 'Nominatif', rule: 'absolute' });
    await ok('vasseur', 'vote.open', { vote: 'v1' });
    await ok('dubois', 'vote.cast', { vote: 'v1', choice: 'yes', all: true });
    await ok('moreau', 'vote.cast', { vote: 'v1', choice: 'no', for: 'caron' });
    await ok('lefebvre', 'vote.cast', { vote: 'v1', choice: 'abstain' });
    await ok('lefebvre', 'vote.cast', { vote: 'v1', choice: 'yes' });
    await compare();
    await ok('vasseur', 'vote.close', { vote: 'v1' });
    await ok('leroy', 'vote.publish', { vote: 'v1' });
    await compare();
    await ok('leroy', 'vote.prepare', { question: 'Choix', kind: 'choice', options: ['A', 'B', 'C'], mode: 'secret' });
    await ok('vasseur', 'vote.open', { vote: 'v2' });
    const r = (c) => c.repeat(22);
    await ok('dubois', 'vote.cast', { vote: 'v2', choice: 'B', all: true, receipts: [r('a'), r('b')] });
    await ok('moreau', 'vote.cast', { vote: 'v2', choice: 'A', receipts: [r('c')] });
    await ok('moreau', 'vote.cast', { vote: 'v2', choice: 'B', receipts: [r('d')], replaces: [r('c')] });
    await compare();
    await ok('vasseur', 'vote.close', { vote: 'v2' });
    await ok('benali', 'recusal.withdraw');
    await ok('martin', 'proxy.revoke');
    await ok('leroy', 'attendance.mark', { participant: 'martin', status: 'none' });
    await ok('vasseur', 'vote.prepare', { question: 'Annulé' });
    await ok('vasseur', 'vote.cancel', { vote: 'v3' });
    await compare();
    // The demo approves its minutes at the next meeting; this one goes back
    // to the chair's approval in the meeting, for the last test.
    await ok('vasseur', 'meeting.configure', { minutes_approval: 'same_meeting' });
    await compare();
    await ok('vasseur', 'meeting.close');
    await compare();
    await compare('caron');
});

test('the minutes fold as the server folds them, to the approval', async () => {
    await ok('leroy', 'minutes.add', { text: 'Après la clôture', speakers: ['dubois', 'moreau'] });
    await ok('leroy', 'minutes.add', { text: 'Sur un point\nsur deux lignes', item: 'i2' });
    await ok('leroy', 'minutes.add', { text: 'À retirer', item: '' });
    await ok('leroy', 'minutes.edit', { entry: 'e1', text: 'Après la clôture (revu)', speakers: [] });
    await ok('leroy', 'minutes.edit', { entry: 'e2', item: 'i3' });
    await ok('leroy', 'minutes.delete', { entry: 'e3' });
    await compare();
    await ok('leroy', 'minutes.finalize');
    await compare('dubois');
    await ok('vasseur', 'record.approve');
    await compare();
    await compare('moreau');
});
