// SPDX-License-Identifier: AGPL-3.0-or-later
//
// The client's modules without a browser: the state fold, the translation
// tables, and the rules every file of web/ must keep (no innerHTML, no inline
// script or style, every key it uses translated in both languages).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { REPO } from './harness.mjs';
import { fromSnapshot, applyEvent, allowedIn } from '../../web/state.mjs';
import { TABLES, t, tn, setLang, formatMeetingDate, withZoneOffset, errorText } from '../../web/i18n.mjs';
import { invitationsCsv } from '../../web/views/admin.mjs';
import { roomUrl } from '../../web/views/room.mjs';

const WEB = path.join(REPO, 'web');

// A snapshot as the server sends it (PROTOCOL.md §5.3), cut to what the fold uses.
function snapshot() {
    const p = (id, college, role, connected, mark = 'none') => ({ id, name: id.toUpperCase(), college, role,
        present: mark === 'present' || (mark === 'none' && connected), connected, mark, reason: '',
        arrived: 0, left: 0, disconnections: 0, turns: 0, spoken: 0 });
    return {
        meeting: { id: 'm1', title: 'CCR', date: '2021-02-02T09:30', place: '', room: '', lang: 'fr',
            state: 'scheduled', opened_at: 0, closed_at: 0, commission: { id: 'c1', name: 'CCR' } },
        settings: { speaking_time: 180, first_turn: true, alternate: false, quorum: 50, quorum_college: 50, grace: 30 },
        participants: [
            p('chair', '', 'chair', true),
            p('b1', 'bailleurs', 'member', false),
            p('b2', 'bailleurs', 'member', true),
            p('b3', 'bailleurs', 'member', false),
            p('l1', 'locataires', 'member', true),
            p('l2', 'locataires', 'member', false, 'excused'),
        ],
        attendance: {
            present: 2, total: 5,
            colleges: { bailleurs: { present: 1, total: 3, required: 2, turns: 0, spoken: 0 },
                locataires: { present: 1, total: 2, required: 1, turns: 0, spoken: 0 } },
            quorum: { met: false, present: 2, required: 3 },
        },
        seq: 10,
        head: 'h10',
    };
}

const ev = (seq, type, body = {}) => ({ meeting: 'm1', seq, ts: 1612254600000 + seq, type, actor: 'chair', body,
    hash: `h${seq}` });

// The attendance as the server writes it, without the speaking statistics.
function plain(a) {
    const colleges = Object.fromEntries(Object.entries(a.colleges).map(([k, c]) =>
        [k, { present: c.present, total: c.total, required: c.required }]));
    return { present: a.present, total: a.total, colleges, quorum: { ...a.quorum } };
}

test('the fold reproduces the snapshot attendance and follows events', () => {
    const s = fromSnapshot(snapshot());
    assert.deepEqual(plain(s.attendance), plain(snapshot().attendance));
    const changed = applyEvent(s, ev(11, 'participant.joined', { participant: 'b1' }));
    assert.equal(changed.participants, true);
    assert.equal(changed.meeting, false);
    assert.equal(changed.announce, null);
    assert.deepEqual(s.attendance.colleges.bailleurs, { present: 2, total: 3, required: 2 });
    assert.deepEqual(s.attendance.quorum, { met: true, present: 3, required: 3 });
    applyEvent(s, ev(12, 'participant.joined', { participant: 'chair' }));
    assert.equal(s.attendance.present, 3, 'the chair does not count');
    const out = applyEvent(s, ev(13, 'meeting.opened'));
    assert.equal(out.announce, 'announce.state.open');
    assert.equal(s.meeting.state, 'open');
    assert.equal(s.meeting.opened_at, 1612254600013);
    applyEvent(s, ev(14, 'meeting.suspended'));
    assert.equal(applyEvent(s, ev(15, 'meeting.resumed')).announce, 'announce.state.resumed');
    applyEvent(s, ev(16, 'participant.left', { participant: 'l1' }));
    assert.deepEqual(s.attendance.colleges.locataires, { present: 0, total: 2, required: 1 });
    assert.equal(s.byId.get('l1').disconnections, 1);
    assert.equal(s.attendance.quorum.met, false, 'a college below its share breaks the quorum');
    assert.equal(applyEvent(s, ev(17, 'quorum.lost', { present: 2, required: 3 })).announce, 'announce.quorum.lost');
    assert.deepEqual(s.attendance.quorum, { met: false, present: 2, required: 3 });
    applyEvent(s, ev(18, 'meeting.closed'));
    assert.equal(s.meeting.state, 'closed');
    assert.equal(s.seq, 18);
    assert.equal(s.head, 'h18');
});

test('quorum.lost names the college short of its share, and the page words it', () => {
    const s = fromSnapshot(snapshot());
    applyEvent(s, ev(11, 'participant.joined', { participant: 'b1' }));
    applyEvent(s, ev(12, 'participant.left', { participant: 'l1' }));
    applyEvent(s, ev(13, 'quorum.lost', { present: 2, required: 3, colleges: ['bailleurs', 'locataires'],
        college_present: [2, 0], college_required: [2, 1], failing: ['locataires'] }));
    assert.deepEqual(s.attendance.quorum.failing, ['locataires']);
    assert.deepEqual(s.attendance.colleges.locataires, { present: 0, total: 2, required: 1 });
    // the words the page puts together (views/participants.mjs), singular for 0 and 1 in French
    setLang('fr');
    assert.equal(tn('participants.quorumFigures', 0, { present: 0, required: 1 }), '0 présent, 1 requis');
    assert.equal(tn('participants.quorumFigures', 2, { present: 2, required: 3 }), '2 présents, 3 requis');
    assert.equal(t('participants.quorumCollege', { college: 'locataires', figures: '0 présent, 1 requis' }),
        'collège locataires\u00a0: 0 présent, 1 requis');
    setLang('en');
    assert.equal(tn('participants.quorumFigures', 1, { present: 1, required: 1 }), '1 present, 1 required');
    setLang('fr');
});

test('a mark wins over the connection, and "none" follows it again', () => {
    const s = fromSnapshot(snapshot());
    applyEvent(s, ev(11, 'attendance.marked', { participant: 'b2', status: 'excused', reason: 'malade' }));
    assert.equal(s.byId.get('b2').present, false, 'connected but excused');
    assert.equal(s.byId.get('b2').reason, 'malade');
    applyEvent(s, ev(12, 'attendance.marked', { participant: 'b3', status: 'present', reason: '' }));
    assert.equal(s.byId.get('b3').present, true, 'in the room without a connection');
    applyEvent(s, ev(13, 'attendance.marked', { participant: 'b2', status: 'none', reason: '' }));
    assert.equal(s.byId.get('b2').present, true, 'back to the connection');
    applyEvent(s, ev(14, 'attendance.marked', { participant: 'l1', status: 'absent', reason: '' }));
    assert.equal(s.byId.get('l1').present, false);
    assert.deepEqual(s.attendance.colleges.bailleurs, { present: 2, total: 3, required: 2 });
    assert.equal(s.attendance.present, 2);
});

test('the quorum follows the rule the chair sets', () => {
    const s = fromSnapshot(snapshot());
    applyEvent(s, ev(11, 'meeting.configured', { speaking_time: 180, first_turn: true, alternate: false,
        quorum: 40, quorum_college: 30, grace: 30 }));
    assert.deepEqual(s.attendance.quorum, { met: true, present: 2, required: 2 });
    assert.equal(s.attendance.colleges.bailleurs.required, 1);
    applyEvent(s, ev(12, 'meeting.configured', { speaking_time: 180, first_turn: true, alternate: false,
        quorum: 0, quorum_college: 0, grace: 30 }));
    assert.deepEqual(s.attendance.quorum, { met: true, present: 2, required: 0 });
});

test('the fold refuses a gap and skips what it does not show yet', () => {
    const s = fromSnapshot(snapshot());
    assert.equal(applyEvent(s, ev(12, 'meeting.opened')), null);
    assert.equal(s.seq, 10);
    assert.equal(s.meeting.state, 'scheduled');
    assert.ok(applyEvent(s, ev(11, 'agenda.item_opened', { item: 'i1' })));
    assert.equal(s.seq, 11);
});

test('participant.added and meeting.created build the meeting from the start', () => {
    const s = fromSnapshot({ meeting: { id: 'm1', state: 'scheduled' }, participants: [], seq: 0, head: '' });
    applyEvent(s, ev(1, 'meeting.created', { title: 'T', date: '2021-02-02', place: 'Lille', room: '', lang: 'fr',
        commission: 'c1', commission_name: 'CCR' }));
    assert.deepEqual(s.meeting.commission, { id: 'c1', name: 'CCR' });
    applyEvent(s, ev(2, 'participant.added', { participant: 'u1', name: 'C', college: 'usagers', role: 'member' }));
    assert.equal(s.participants.length, 1);
    // quorum_college defaults to 0 (PROTOCOL.md §6.1): a college requires nothing.
    assert.deepEqual(s.attendance.colleges.usagers, { present: 0, total: 1, required: 0 });
    assert.equal(s.attendance.total, 1);
});

test('the lifecycle follows PROTOCOL.md section 6', () => {
    const table = {
        'meeting.open': ['scheduled'],
        'meeting.suspend': ['open'],
        'meeting.resume': ['suspended'],
        'meeting.close': ['open', 'suspended'],
    };
    for (const [type, from] of Object.entries(table)) {
        for (const st of ['scheduled', 'open', 'suspended', 'closed']) {
            assert.equal(allowedIn(type, st), from.includes(st), `${type} in ${st}`);
        }
    }
});

test('French and English have the same keys, and no text is empty', () => {
    assert.deepEqual(Object.keys(TABLES.en).sort(), Object.keys(TABLES.fr).sort());
    for (const [lang, table] of Object.entries(TABLES)) {
        for (const [k, v] of Object.entries(table)) {
            assert.ok(typeof v === 'string' && v.trim(), `${lang} ${k}`);
            const params = (s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
            assert.deepEqual(params(v), params(TABLES.fr[k]), `${lang} ${k} placeholders`);
        }
    }
});

test('every error code of the protocol has a sentence', () => {
    const proto = fs.readFileSync(path.join(REPO, 'proto', 'PROTOCOL.md'), 'utf8');
    const section = proto.slice(proto.indexOf('## 7. Errors'));
    const codes = [...section.matchAll(/^\| `([a-z_]+)` \|/gm)].map((m) => m[1]);
    assert.ok(codes.length >= 18, 'the error table is found');
    for (const code of codes) {
        assert.ok(`err.${code}` in TABLES.fr, `err.${code}`);
    }
    setLang('fr');
    assert.equal(errorText('no_such_code'), 'Erreur inattendue (no_such_code).');
});

test('dates are shown in Paris time, in the interface language', () => {
    setLang('fr');
    assert.equal(formatMeetingDate('2021-02-02T09:30'), 'mardi 2 février 2021 à 09:30');
    assert.equal(formatMeetingDate('2021-02-02'), 'mardi 2 février 2021');
    assert.equal(formatMeetingDate(Date.UTC(2021, 6, 14, 8, 0)), 'mercredi 14 juillet 2021 à 10:00');
    assert.equal(formatMeetingDate('le 2 février'), 'le 2 février');
    // What the admin page sends: the Paris time typed, with Paris's offset then.
    assert.equal(withZoneOffset('2021-02-02T09:30'), '2021-02-02T09:30+01:00');
    assert.equal(withZoneOffset('2021-07-14T10:00'), '2021-07-14T10:00+02:00');
    assert.equal(withZoneOffset('2021-10-31T02:30'), '2021-10-31T02:30+01:00');
    assert.equal(withZoneOffset(''), '');
    assert.equal(formatMeetingDate('2021-02-02T09:30+01:00'), 'mardi 2 février 2021 à 09:30');
    assert.equal(formatMeetingDate('2021-02-02T09:30+01:00', 'medium'), '2 févr. 2021, 09:30');
    assert.equal(tn('participants.summary', 1, { present: 1, total: 3 }), '1 présent sur 3');
    assert.equal(tn('participants.summary', 2, { present: 2, total: 3 }), '2 présents sur 3');
    setLang('en');
    assert.match(formatMeetingDate('2021-02-02T09:30'), /^Tuesday,? 2 February 2021 at 09:30$/);
    assert.equal(t('state.open'), 'In session');
    setLang('fr');
});

test('the invitation table is a CSV a spreadsheet opens', () => {
    const rows = [{ name: 'Dubois; "Claire"', college: 'Bailleurs', role: 'Membre', link: 'http://x/m/a#t=b' }];
    const csv = invitationsCsv(rows, 'fr', ['nom', 'collège', 'rôle', 'lien']);
    assert.equal(csv, '\ufeffnom;collège;rôle;lien\r\n"Dubois; ""Claire""";Bailleurs;Membre;http://x/m/a#t=b\r\n');
    assert.match(invitationsCsv(rows, 'en', ['name', 'college', 'role', 'link']), /^\ufeffname,college,role,link\r\n/);
});

test('only https rooms are framed', () => {
    assert.equal(roomUrl('https://meet.jit.si/concerto-abc'), 'https://meet.jit.si/concerto-abc');
    assert.equal(roomUrl('concerto-abc'), 'https://meet.jit.si/concerto-abc');
    assert.equal(roomUrl('http://evil.example/x'), '');
    assert.equal(roomUrl('javascript:alert(1)'), '');
    assert.equal(roomUrl(''), '');
});

function webFiles(dir = WEB) {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? webFiles(path.join(dir, e.name)) : [path.join(dir, e.name)]);
}

test('web/ never parses data as HTML nor runs or styles inline', () => {
    for (const f of webFiles()) {
        const text = fs.readFileSync(f, 'utf8');
        const name = path.relative(REPO, f);
        if (f.endsWith('.mjs')) {
            assert.doesNotMatch(text, /\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML|document\.write/, name);
            assert.doesNotMatch(text, /\beval\s*\(|new Function\s*\(|setTimeout\(\s*['"`]/, name);
            assert.doesNotMatch(text, /\.style\.|setAttribute\(\s*['"]style['"]|['"]style['"]\s*:/, name);
        }
        if (f.endsWith('.html')) {
            assert.doesNotMatch(text, /<script(?![^>]*\bsrc=)/, `${name}: inline script`);
            assert.doesNotMatch(text, /<style|\sstyle=|\son[a-z]+=/, `${name}: inline style or handler`);
        }
    }
});

test('every translation key the code uses exists', () => {
    // Keys appear as literals: t('x.y'), tn('x.y', n), or handed to a helper
    // (said(), section(), field() ...) that calls t() or tn() with them.
    const spaces = 'admin|participants|chair|room|conn|cmd|state|announce|token|err|close|lang|notice|you|app'
        + '|agenda|speakers|vote|proxies|attendance|confirm|minutes';
    const literal = new RegExp(`'((?:${spaces})\\.[a-zA-Z0-9_.]+|meeting\\.[a-z]+[A-Z][a-zA-Z]*|meeting\\.(?:loading|when|where))'`, 'g');
    const used = new Set();
    for (const f of webFiles().filter((x) => x.endsWith('.mjs') && !x.endsWith('i18n.mjs'))) {
        const text = fs.readFileSync(f, 'utf8');
        for (const re of [/\bt\(\s*'([a-zA-Z0-9_.]+)'/g, /\btn\(\s*'([a-zA-Z0-9_.]+)'/g, literal]) {
            for (const m of text.matchAll(re)) {
                used.add(m[1]);
            }
        }
    }
    assert.ok(used.size > 50, `keys found: ${used.size}`);
    // Event and command types of the protocol ('agenda.item_opened',
    // 'vote.open' ...) appear as literals too; they are not words.
    const proto = fs.readFileSync(path.join(REPO, 'proto', 'PROTOCOL.md'), 'utf8');
    const types = new Set([...proto.matchAll(/^\| `([a-z_]+\.[a-z_]+)` \|/gm)].map((m) => m[1]));
    const missing = [...used].filter((k) => !(k in TABLES.fr) && !(`${k}.other` in TABLES.fr) && !k.endsWith('.')
        && !types.has(k));
    assert.deepEqual(missing, []);
});
