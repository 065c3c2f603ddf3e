// SPDX-License-Identifier: AGPL-3.0-or-later
//
// conn.mjs without a browser or a server: a scripted WebSocket plays the
// server's part, so that resuming, replaying a command with its key, starting
// over after a gap and giving up on a bad token are each checked exactly.

import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { Conn, newKey } from '../../web/conn.mjs';
import { fromSnapshot, applyEvent } from '../../web/state.mjs';

class FakeSocket {
    static OPEN = 1;
    static all = [];
    constructor(url, protocol) {
        this.url = url;
        this.protocol = protocol;
        this.readyState = 0;
        this.sent = [];
        FakeSocket.all.push(this);
    }
    send(text) {
        this.sent.push(JSON.parse(text));
    }
    close() {
        this.readyState = 3;
    }
    // The server's side.
    accept() {
        this.readyState = 1;
        this.onopen?.();
    }
    reply(msg) {
        this.onmessage?.({ data: JSON.stringify(msg) });
    }
    drop(code = 1006) {
        this.readyState = 3;
        this.onclose?.({ code });
    }
}

const last = () => FakeSocket.all[FakeSocket.all.length - 1];

function snapshotAt(seq) {
    return {
        meeting: { id: 'm1', title: 'T', date: '', place: '', room: '', lang: 'fr', state: 'scheduled',
            opened_at: 0, closed_at: 0, commission: { id: 'c', name: 'C' } },
        participants: [{ id: 'p1', name: 'Chair', college: '', role: 'chair', present: true }],
        attendance: { present: 0, total: 0, colleges: {} },
        seq,
        head: 'h',
    };
}

const you = { participant: 'p1', name: 'Chair', college: '', role: 'chair' };
const event = (seq, type, body = {}) => ({ type: 'event',
    event: { meeting: 'm1', seq, ts: 1000 + seq, type, actor: 'p1', body, hash: `h${seq}` } });

let conn;
let seen;

beforeEach(() => {
    FakeSocket.all = [];
    globalThis.WebSocket = FakeSocket;
    globalThis.window = new EventTarget();
    globalThis.location = { protocol: 'http:', host: '127.0.0.1:8080', hash: '', pathname: '/m/m1', search: '' };
    conn = new Conn('m1', 'TOKEN', { fromSnapshot, applyEvent });
    seen = { status: [], change: [], failed: [], error: [] };
    for (const type of Object.keys(seen)) {
        conn.addEventListener(type, (e) => seen[type].push(e.detail));
    }
    conn.start();
});

afterEach(() => {
    conn.stop();
});

function welcome(ws, body) {
    const hello = ws.sent.find((m) => m.type === 'hello');
    ws.reply({ type: 'welcome', id: hello.id, body: { you, ...body } });
    return hello;
}

test('says hello with the token, then holds the snapshot', () => {
    const ws = last();
    assert.equal(ws.url, 'ws://127.0.0.1:8080/ws?meeting=m1');
    assert.equal(ws.protocol, 'concerto.v1');
    ws.accept();
    const hello = welcome(ws, { mode: 'snapshot', seq: 10, snapshot: snapshotAt(10) });
    assert.deepEqual(hello.body, { token: 'TOKEN' }, 'no since on the first hello');
    assert.equal(conn.status, 'online');
    assert.equal(conn.state.seq, 10);
    assert.equal(conn.you.role, 'chair');
    assert.ok(seen.change[0].reset);
    ws.reply(event(11, 'meeting.opened'));
    assert.equal(conn.state.meeting.state, 'open');
    ws.reply(event(11, 'meeting.opened'));
    assert.equal(seen.change.length, 2, 'a repeated event is ignored');
});

test('after a drop it resumes from the last seq and sends an unanswered command again, same key', async () => {
    let ws = last();
    ws.accept();
    welcome(ws, { mode: 'snapshot', seq: 10, snapshot: snapshotAt(10) });
    const done = conn.command('meeting.open');
    const sent = ws.sent.find((m) => m.type === 'meeting.open');
    assert.match(sent.key, /^[0-9a-f]{32}$/);
    ws.drop();
    assert.equal(conn.status, 'offline');

    window.dispatchEvent(new Event('online')); // reconnect now, without waiting for the backoff
    ws = last();
    assert.equal(FakeSocket.all.length, 2);
    ws.accept();
    const hello = welcome(ws, { mode: 'resume', seq: 10 });
    assert.equal(hello.body.since, 10);
    const again = ws.sent.find((m) => m.type === 'meeting.open');
    assert.deepEqual(again, sent, 'same id, same key, same body');
    ws.reply(event(11, 'meeting.opened'));
    ws.reply({ type: 'ok', id: sent.id, body: { seq: 11, replayed: true } });
    assert.deepEqual(await done, { seq: 11, replayed: true });
    assert.equal(conn.state.meeting.state, 'open');
    assert.deepEqual(seen.status.map((d) => d.status), ['online', 'offline', 'online']);
});

test('a command made offline waits for the connection', async () => {
    const done = conn.command('meeting.open');
    const ws = last();
    assert.equal(ws.sent.length, 0);
    ws.accept();
    welcome(ws, { mode: 'snapshot', seq: 10, snapshot: snapshotAt(10) });
    const sent = ws.sent.find((m) => m.type === 'meeting.open');
    assert.ok(sent);
    ws.reply({ type: 'error', id: sent.id, body: { code: 'bad_state', message: 'no' } });
    await assert.rejects(done, (e) => e.code === 'bad_state');
});

test('a gap in the events makes it start over from a snapshot', () => {
    let ws = last();
    ws.accept();
    welcome(ws, { mode: 'snapshot', seq: 10, snapshot: snapshotAt(10) });
    ws.reply(event(12, 'meeting.opened'));
    assert.equal(conn.state.seq, 10, 'the event after the gap is not applied');
    assert.equal(conn.status, 'offline');
    window.dispatchEvent(new Event('online'));
    ws = last();
    ws.accept();
    const hello = ws.sent.find((m) => m.type === 'hello');
    assert.equal(hello.body.since, undefined, 'asks for a fresh snapshot');
    welcome(ws, { mode: 'snapshot', seq: 12, snapshot: { ...snapshotAt(12),
        meeting: { ...snapshotAt(12).meeting, state: 'open' } } });
    assert.equal(conn.state.seq, 12);
    assert.equal(conn.state.meeting.state, 'open');
});

test('a refused token stops it for good', async () => {
    const ws = last();
    ws.accept();
    const hello = ws.sent.find((m) => m.type === 'hello');
    ws.reply({ type: 'error', id: hello.id, body: { code: 'bad_token', message: 'invalid' } });
    ws.drop(1008);
    assert.equal(conn.status, 'failed');
    assert.deepEqual(seen.failed, [{ code: 'bad_token' }]);
    window.dispatchEvent(new Event('online'));
    assert.equal(FakeSocket.all.length, 1, 'no new attempt');
    await assert.rejects(conn.command('meeting.open'), (e) => e.code === 'bad_token');
});

test('an error nobody asked for is passed on', () => {
    const ws = last();
    ws.accept();
    welcome(ws, { mode: 'snapshot', seq: 1, snapshot: snapshotAt(1) });
    ws.reply({ type: 'error', body: { code: 'rate_limited', message: 'slow down' } });
    assert.deepEqual(seen.error, [{ code: 'rate_limited', message: 'slow down' }]);
});

test('going offline drops the socket at once', () => {
    const ws = last();
    ws.accept();
    welcome(ws, { mode: 'snapshot', seq: 1, snapshot: snapshotAt(1) });
    window.dispatchEvent(new Event('offline'));
    assert.equal(conn.status, 'offline');
    assert.equal(ws.readyState, 3);
    assert.equal(ws.onmessage, null, 'nothing more is heard from the old socket');
});

test('idempotency keys are fresh and printable', () => {
    const keys = new Set(Array.from({ length: 100 }, newKey));
    assert.equal(keys.size, 100);
    for (const k of keys) {
        assert.match(k, /^[\x20-\x7e]{1,64}$/);
    }
});
