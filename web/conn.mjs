// SPDX-License-Identifier: AGPL-3.0-or-later
//
// conn.mjs - the client's one WebSocket to its meeting (PROTOCOL.md §4).
//
//   takeToken() -- #t=TOKEN --> sessionStorage (the address bar is cleaned),
//                  and localStorage too if the person chose "remember me"
//   Conn.start() -- hello{token, since} --> welcome (snapshot | resume) --> events
//        ^                                                                 |
//        +------------ backoff 0.5 s, 1 s, 2 s ... 15 s <--- close / silence
//
// The connection owns the meeting's state (state.mjs): a snapshot from the
// welcome, then every event applied in seq order. After a drop it says hello
// again with `since` = the last seq applied, so the server replays only what
// was missed; an event that does not follow (a gap) makes it start over from
// a fresh snapshot instead of guessing.
//
// Commands that change state get an idempotency key when first made and keep
// it: a command not yet answered when the socket drops is sent again, with
// the same key, after the next welcome, and the server applies it at most
// once. A command made while offline waits for the connection.
//
// A socket can die without a close (a laptop lid, a lost Wi-Fi): when nothing
// has been heard for 25 s a ping goes out, and no answer within 10 s counts as
// a drop. The browser's offline/online events shortcut both waits, and no
// attempt is made while the browser knows it is offline.
//
// The server's clock: welcome and pong carry its `now`; serverNow() is the
// local clock corrected by the difference, so that every page counts a turn
// of speech down from the same moment (PROTOCOL.md §4.2).
//
// Events dispatched (CustomEvent, details in brackets):
//   status   [status: connecting | online | offline | failed]
//   change   [meeting, participants, agenda, speakers, votes, proxies, minutes,
//             announce, reset, count]  after a welcome, an event, or a
//             `count`, `attendance` or `speakers` message
//   failed   [code]     the token was refused; no more attempts
//   error    [code, message]  an error reply that no command promise took
//   pending  []         a command was queued or settled

const TOKEN_PREFIX = 'concerto.token.';
const REMEMBER_PREFIX = 'concerto.remember.';
const BACKOFF_MIN = 500;
const BACKOFF_MAX = 15000;
const IDLE_PING = 25000;
const PING_TIMEOUT = 10000;
const FATAL = new Set(['bad_token', 'not_found']);

// The invitation token of `meeting`: taken from the URL fragment (#t=...) and
// moved to sessionStorage, or found there from an earlier load of this tab,
// or else in localStorage when the person asked this device to remember them
// (rememberToken). The fragment is removed from the address bar and from
// history so that the token is not shown, bookmarked or shared by accident.
// Returns '' if none.
export function takeToken(meeting) {
    const key = TOKEN_PREFIX + meeting;
    const frag = new URLSearchParams(location.hash.replace(/^#/, ''));
    const fromUrl = frag.get('t');
    if (location.hash) {
        history.replaceState(history.state, '', location.pathname + location.search);
    }
    try {
        if (fromUrl) {
            sessionStorage.setItem(key, fromUrl);
            if (localStorage.getItem(REMEMBER_PREFIX + meeting) !== null) {
                // A new link for a remembered device replaces the old one.
                localStorage.setItem(REMEMBER_PREFIX + meeting, fromUrl);
            }
            return fromUrl;
        }
        const kept = sessionStorage.getItem(key) || localStorage.getItem(REMEMBER_PREFIX + meeting) || '';
        if (kept) {
            sessionStorage.setItem(key, kept);
        }
        return kept;
    } catch {
        return fromUrl || '';
    }
}

// "Remember me on this device": the token of `meeting` kept in localStorage
// (key concerto.remember.MEETING) so that a new tab, the history or a phone
// that discarded the tab opens the meeting without the invitation. Opt-in,
// and undone by forgetToken(), which also clears this tab's copy.
export function rememberToken(meeting, token) {
    try {
        localStorage.setItem(REMEMBER_PREFIX + meeting, token);
        return true;
    } catch {
        return false;
    }
}

export function forgetToken(meeting) {
    try {
        localStorage.removeItem(REMEMBER_PREFIX + meeting);
        sessionStorage.removeItem(TOKEN_PREFIX + meeting);
    } catch {
        // nothing was kept
    }
}

export function isRemembered(meeting) {
    try {
        return localStorage.getItem(REMEMBER_PREFIX + meeting) !== null;
    } catch {
        return false;
    }
}

// A fresh idempotency key: 128 random bits as hex (1-64 printable ASCII).
export function newKey() {
    const b = new Uint8Array(16);
    crypto.getRandomValues(b);
    return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

export class Conn extends EventTarget {
    // `fold`: {fromSnapshot, applyEvent, applyCount?, applyAttendance?, applySpeakers?} from
    // state.mjs (passed in so that the connection does not care what the
    // state holds).
    constructor(meeting, token, fold) {
        super();
        this.meeting = meeting;
        this.token = token;
        this.fold = fold;
        this.status = 'connecting';
        this.state = null;
        this.you = null;
        this.ws = null;
        this.nextId = 1;
        this.helloId = null;
        this.pending = new Map(); // id -> {msg, resolve, reject}
        this.attempt = 0;
        this.timer = null;
        this.lastHeard = 0;
        this.pingAt = 0;
        this.wantSnapshot = false;
        this.watchdog = null;
        this.offset = 0; // server clock - local clock (ms)
        this.onOnline = () => this.reconnectNow();
        this.onOffline = () => this.drop();
    }

    start() {
        window.addEventListener('online', this.onOnline);
        window.addEventListener('offline', this.onOffline);
        this.watchdog = setInterval(() => this.watch(), 5000);
        this.connect();
    }

    stop() {
        window.removeEventListener('online', this.onOnline);
        window.removeEventListener('offline', this.onOffline);
        clearInterval(this.watchdog);
        clearTimeout(this.timer);
        this.abandon();
    }

    emit(type, detail = {}) {
        this.dispatchEvent(new CustomEvent(type, { detail }));
    }

    setStatus(s) {
        if (this.status !== s) {
            this.status = s;
            this.emit('status', { status: s });
        }
    }

    connect() {
        this.timer = null;
        if (this.status === 'failed') {
            return;
        }
        if (globalThis.navigator?.onLine === false) {
            // Known to be offline: the 'online' event will call; retry slowly meanwhile.
            this.setStatus('offline');
            this.timer = setTimeout(() => this.connect(), BACKOFF_MAX);
            return;
        }
        const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
        const url = `${scheme}//${location.host}/ws?meeting=${encodeURIComponent(this.meeting)}`;
        let ws;
        try {
            ws = new WebSocket(url, 'concerto.v1');
        } catch {
            this.scheduleReconnect();
            return;
        }
        this.ws = ws;
        ws.onopen = () => this.hello();
        ws.onmessage = (e) => this.receive(e.data);
        ws.onclose = (e) => this.closed(e.code);
        ws.onerror = () => {}; // onclose follows and does the work
    }

    hello() {
        this.lastHeard = Date.now();
        this.pingAt = 0;
        this.helloId = this.nextId++;
        const body = { token: this.token };
        if (this.state && !this.wantSnapshot) {
            body.since = this.state.seq;
        }
        this.raw({ type: 'hello', id: this.helloId, body });
    }

    raw(msg) {
        if (this.ws && this.ws.readyState === WebSocket.OPEN) {
            this.ws.send(JSON.stringify(msg));
            return true;
        }
        return false;
    }

    receive(text) {
        this.lastHeard = Date.now();
        this.pingAt = 0;
        let m;
        try {
            m = JSON.parse(text);
        } catch {
            return;
        }
        switch (m.type) {
        case 'welcome':
            this.welcome(m.body || {});
            break;
        case 'event':
            this.event(m.event);
            break;
        case 'ok':
            this.settle(m.id, true, m.body || {});
            break;
        case 'error':
            this.failure(m.id, m.body || {});
            break;
        case 'count':
            this.summary('applyCount', m.body || {});
            break;
        case 'attendance':
            this.summary('applyAttendance', m.body || {});
            break;
        case 'speakers':
            this.summary('applySpeakers', m.body || {});
            break;
        case 'pong':
            this.clock(m.body?.now);
            break;
        default:
            break; // a newer server's message
        }
    }

    clock(now) {
        if (typeof now === 'number' && now > 0) {
            this.offset = now - Date.now();
        }
    }

    // The server's clock now (ms since the epoch).
    serverNow() {
        return Date.now() + this.offset;
    }

    welcome(body) {
        this.clock(body.now);
        this.you = body.you || this.you;
        if (body.mode === 'snapshot' || !this.state) {
            const snap = { ...(body.snapshot || {}) };
            snap.seq = snap.seq ?? body.seq;
            this.state = this.fold.fromSnapshot(snap);
        }
        this.wantSnapshot = false;
        this.attempt = 0;
        this.setStatus('online');
        this.emit('change', { meeting: true, participants: true, reset: true });
        // Commands not yet answered go again, in order, with their keys.
        for (const p of this.pending.values()) {
            this.raw(p.msg);
        }
    }

    event(ev) {
        if (!this.state || !ev || typeof ev.seq !== 'number' || ev.seq <= this.state.seq) {
            return; // before the welcome, or already applied
        }
        const out = this.fold.applyEvent(this.state, ev);
        if (!out) {
            // A gap: the state can no longer be trusted; start again from a snapshot.
            this.wantSnapshot = true;
            this.drop();
            return;
        }
        this.emit('change', out);
    }

    // A message that summarises instead of an event (count, attendance, speakers):
    // handed to the fold's function `fn`, when it has one.
    summary(fn, body) {
        if (!this.state || !this.fold[fn]) {
            return;
        }
        const out = this.fold[fn](this.state, body);
        if (out) {
            this.emit('change', out);
        }
    }

    settle(id, ok, body) {
        const p = this.pending.get(id);
        if (!p) {
            return false;
        }
        this.pending.delete(id);
        if (ok) {
            p.resolve(body);
        } else {
            p.reject(Object.assign(new Error(body.message || body.code), body));
        }
        this.emit('pending');
        return true;
    }

    failure(id, body) {
        const code = body.code || 'internal';
        if (id !== undefined && id === this.helloId) {
            if (FATAL.has(code)) {
                this.fail(code);
            } else {
                this.drop(); // busy or rate-limited: try again later
            }
            return;
        }
        if (id === undefined || !this.settle(id, false, body)) {
            this.emit('error', { code, message: body.message || '' });
        }
    }

    fail(code) {
        this.setStatus('failed');
        this.abandon();
        for (const id of [...this.pending.keys()]) {
            this.settle(id, false, { code, message: '' });
        }
        this.emit('failed', { code });
    }

    closed(code) {
        this.ws = null;
        if (this.status === 'failed') {
            return;
        }
        if (code === 1008) {
            this.fail('bad_token');
            return;
        }
        this.setStatus('offline');
        this.scheduleReconnect();
    }

    // Forget the current socket without waiting for its close handshake.
    abandon() {
        const ws = this.ws;
        this.ws = null;
        if (ws) {
            ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
            try {
                ws.close();
            } catch {
                // already closed
            }
        }
    }

    drop() {
        if (this.status === 'failed') {
            return;
        }
        this.abandon();
        this.setStatus('offline');
        this.scheduleReconnect();
    }

    scheduleReconnect() {
        if (this.timer || this.status === 'failed') {
            return;
        }
        const base = Math.min(BACKOFF_MAX, BACKOFF_MIN * 2 ** this.attempt);
        this.attempt += 1;
        const delay = base / 2 + Math.random() * base / 2; // jitter spreads a crowd's retries
        this.timer = setTimeout(() => this.connect(), delay);
    }

    reconnectNow() {
        if (this.status === 'online' || this.status === 'failed') {
            return;
        }
        clearTimeout(this.timer);
        this.timer = null;
        this.attempt = 0;
        this.abandon();
        this.connect();
    }

    watch() {
        if (this.status !== 'online') {
            return;
        }
        const now = Date.now();
        if (this.pingAt && now - this.pingAt > PING_TIMEOUT) {
            this.drop();
        } else if (!this.pingAt && now - this.lastHeard > IDLE_PING) {
            this.pingAt = now;
            this.raw({ type: 'ping', id: this.nextId++ });
        }
    }

    // Send a command that changes state. Resolves with the ok body, rejects
    // with an Error carrying {code, message}. Queued while offline.
    command(type, body = {}) {
        return new Promise((resolve, reject) => {
            if (this.status === 'failed') {
                reject(Object.assign(new Error('bad_token'), { code: 'bad_token' }));
                return;
            }
            const id = this.nextId++;
            const msg = { type, id, key: newKey(), body };
            this.pending.set(id, { msg, resolve, reject });
            this.emit('pending');
            if (this.status === 'online') {
                this.raw(msg);
            }
        });
    }
}
