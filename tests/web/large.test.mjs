// SPDX-License-Identifier: AGPL-3.0-or-later
//
// A large meeting (more than 200 participants, PROTOCOL.md §4.5): the server
// sends members `attendance` summaries instead of arrivals and departures,
// and a snapshot without the members. The member's page must keep working:
// counts from the summaries, seq skips taken in its stride (no reconnection
// loop), the ballot shown from the vote's opening or, after a reload, from
// the member's role, and the roster fetched only when the person asks for
// it (to give a proxy).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newContext, seriousViolations, snapshot } from './harness.mjs';

let server;
let browser;
let meeting;
const people = {}; // key -> {ctx, page, p}
const MEMBERS = 210;

async function api(method, path, body, type = 'application/json') {
    const res = await fetch(server.base + path, { method, headers: { Authorization: `Bearer ${server.adminToken}`,
        'Content-Type': type }, body: typeof body === 'string' ? body : JSON.stringify(body) });
    const data = await res.json();
    assert.ok(res.ok, `${method} ${path}: ${JSON.stringify(data)}`);
    return data;
}

async function join(key, inv) {
    const ctx = await newContext(browser, server.base);
    const page = await ctx.newPage();
    await page.goto(server.base + inv.link);
    await page.waitForSelector('#conn[data-status="online"]');
    await page.waitForSelector('#agenda');
    // Count the page's reconnections from now on.
    await page.evaluate(() => {
        window.drops = 0;
        window.concerto.conn.addEventListener('status', (e) => {
            if (e.detail.status !== 'online') {
                window.drops += 1;
            }
        });
    });
    people[key] = { ctx, page, p: inv };
}

const chairCmd = (type, body = {}) => people.chair.page.evaluate(([ty, b]) => window.concerto.conn.command(ty, b),
    [type, body]);

before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    const com = await api('POST', '/api/commissions', { name: 'Assemblée', colleges: ['bailleurs', 'locataires'] });
    const rows = ['nom;collège;rôle', 'Présidente;;chair', 'Secrétaire;;secretary'];
    for (let i = 1; i <= MEMBERS; i++) {
        rows.push(`Membre ${String(i).padStart(3, '0')};${i % 2 ? 'bailleurs' : 'locataires'};member`);
    }
    await api('POST', `/api/commissions/${com.id}/members.csv`, rows.join('\n'), 'text/csv');
    const snap = await api('POST', '/api/meetings', { commission: com.id, title: 'Assemblée plénière' });
    meeting = snap.meeting.id;
    const pick = (name) => snap.participants.find((p) => p.name === name).id;
    const ids = ['Présidente', 'Membre 001', 'Membre 003', 'Membre 002', 'Membre 005'].map(pick);
    const inv = await api('POST', `/api/meetings/${meeting}/invitations`, { participants: ids });
    const by = (id) => inv.invitations.find((x) => x.participant === id);
    await join('chair', by(ids[0]));
    await join('a', by(ids[1]));
    await join('b', by(ids[2]));
    await join('c', by(ids[3]));
});

after(async () => {
    await browser?.close();
    await server?.stop();
});

test('a member’s page counts the members without listing them', async () => {
    const { page } = people.a;
    assert.equal(await page.evaluate(() => window.concerto.conn.state.membersOmitted), true);
    assert.equal(await people.chair.page.evaluate(() => window.concerto.conn.state.membersOmitted), false,
        'the chair has the roster');
    assert.match(await page.textContent('#participants'), /Assemblée nombreuse/);
    await page.waitForFunction(() => document.querySelector('#attendance-total').dataset.present === '3');
    assert.equal(await page.getAttribute('#attendance-total', 'data-total'), String(MEMBERS));
    // Another member arrives: an `attendance` summary, not an event.
    await join('d', (await api('POST', `/api/meetings/${meeting}/invitations`, { participants:
        [(await api('GET', `/api/meetings/${meeting}`)).participants.find((p) => p.name === 'Membre 007').id] }))
        .invitations[0]);
    await page.waitForFunction(() => document.querySelector('#attendance-total').dataset.present === '4');
    assert.deepEqual(await seriousViolations(page), []);
});

test('events after skipped seq numbers apply without a reconnection', async () => {
    await chairCmd('meeting.open');
    await chairCmd('agenda.add', { title: 'Rapport d’activité' });
    await chairCmd('agenda.open', { item: 'i1' });
    for (const key of ['a', 'b', 'c', 'd']) {
        const { page } = people[key];
        await page.waitForSelector('li[data-item="i1"][aria-current="true"]');
        assert.equal(await page.evaluate(() => window.drops), 0, `${key} never dropped`);
    }
});

test('requests to speak show, named when the snapshot names them', async () => {
    await people.a.page.click('#speak-ask');
    await people.b.page.waitForSelector('#queue > li');
    const shown = await people.b.page.textContent('#queue > li .queue-name');
    assert.match(shown, /membre|Membre 001/, 'a member unknown to this page is shown by id');
    assert.match(await people.chair.page.textContent('#queue > li .queue-name'), /Membre 001/);
    // A page loaded now names the speakers from its snapshot.
    await people.b.page.reload();
    await people.b.page.waitForSelector('#queue > li');
    assert.match(await people.b.page.textContent('#queue > li .queue-name'), /Membre 001 \(Bailleurs\)/);
});

test('the ballot is there from the opening, and after a reload', async () => {
    await chairCmd('vote.prepare', { question: 'Adopter le rapport' });
    await chairCmd('vote.open', { vote: 'v1' });
    const { page } = people.c;
    await page.waitForSelector('#ballot-v1:visible');
    await page.check('#ballot-v1 input[value="yes"]');
    await page.click('#ballot-v1-cast');
    await page.click('dialog[open] [data-answer="yes"]');
    await page.waitForSelector('#ballot-v1-status li[data-state="cast"]');
    await people.chair.page.waitForSelector('#progress-v1[data-voted="1"]');
    await page.reload();
    await page.waitForSelector('#ballot-v1:visible');
    assert.match(await page.textContent('#ballot-v1-status'), /a voté « Pour »/);
    assert.match(await page.textContent('#ballot-v1-done'), /Vous avez voté «\s?Pour\s?»/);
    await page.click('#ballot-v1-change');
    assert.equal(await page.isChecked('#ballot-v1 input[value="yes"]'), true);
    await page.check('#ballot-v1 input[value="no"]');
    await page.click('#ballot-v1-cast');
    await page.click('dialog[open] [data-answer="yes"]');
    await page.waitForFunction(() => /« Contre »/.test(document.querySelector('#ballot-v1-status').textContent));
    assert.equal((await snapshot(people.chair.page)).votes.find((v) => v.id === 'v1').voted, 1, 'replaced, not added');
    await chairCmd('vote.close', { vote: 'v1' });
    await page.waitForSelector('#result-v1');
    assert.match(await page.textContent('#vote-v1 .vote-verdict'), /Non adopté/);
});

test('the roster comes when a member asks for it, to give a proxy', async () => {
    const { page } = people.d;
    assert.equal(await page.locator('#proxy-to option').count(), 1, 'no roster yet');
    await page.click('#proxy-roster');
    await page.waitForFunction(() => document.querySelectorAll('#proxy-to option').length > 1);
    const options = await page.$$eval('#proxy-to option', (o) => o.map((x) => x.textContent).filter((x) => x.includes('(')));
    assert.equal(options.length, MEMBERS / 2 - 1, 'the members of the same college, but oneself');
    assert.ok(options.every((x) => x.endsWith('(Bailleurs)')));
    assert.equal(await page.isVisible('#proxy-roster'), false);
    await page.selectOption('#proxy-to', { label: 'Membre 009 (Bailleurs)' });
    await page.click('#proxy-give');
    await people.chair.page.waitForSelector('#proxy-register li');
    assert.match(await people.chair.page.textContent('#proxy-register'), /Membre 007 a donné pouvoir à Membre 009/);
    for (const { ctx } of Object.values(people)) {
        assert.deepEqual(ctx.problems, []);
    }
});
