// SPDX-License-Identifier: AGPL-3.0-or-later
//
// The convocations of a meeting on the administration page: the list with
// each participant's address and where the sending stands, a convocation
// downloaded, and a sending the mail system refuses, shown with its reason
// (the server is given a sendmail that does not exist; the real mail path is
// tests/e2e/test_convocation.py's).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { startServer, launchBrowser, newContext, seriousViolations, panelShots, overflowsX } from './harness.mjs';

let server;
let browser;
let ctx;
let page;
let mid;
const ids = {};

const ROSTER = [
    'Nom;Collège;Rôle;Courriel',
    'Hélène Vasseur;;présidente;helene@example.org',
    'Jean Moreau;locataires;membre;jean@example.org',
    'Anne Petit;bailleurs;membre;',
].join('\r\n');

async function api(method, path, body, type = 'application/json') {
    const res = await fetch(`${server.base}${path}`, {
        method,
        headers: { Authorization: `Bearer ${server.adminToken}`, 'Content-Type': type },
        body: body === undefined ? undefined : type === 'application/json' ? JSON.stringify(body) : body,
    });
    const data = await res.json();
    assert.ok(res.ok, `${method} ${path}: ${JSON.stringify(data)}`);
    return data;
}

before(async () => {
    server = await startServer(['--sendmail', '/nonexistent/sendmail', '--public-url', 'https://concerto.example.org']);
    const c = await api('POST', '/api/commissions', { name: 'Commission des convocations', colleges: ['bailleurs', 'locataires'] });
    for (const m of (await api('POST', `/api/commissions/${c.id}/members.csv`, ROSTER, 'text/csv')).members) {
        ids[m.name] = m.id;
    }
    mid = (await api('POST', '/api/meetings', { commission: c.id, title: 'Séance de mars', date: '2027-03-04T14:00+01:00' }))
        .meeting.id;
    await api('POST', `/api/meetings/${mid}/agenda`, { title: 'Budget 2027' });
    browser = await launchBrowser();
    ctx = await newContext(browser, server.base);
    page = await ctx.newPage();
    await page.goto(`${server.base}/`);
    await page.waitForSelector('#token-form');
    await page.fill('#admin-token', server.adminToken);
    await page.keyboard.press('Enter');
    await page.waitForSelector('#token-forget');
});

after(async () => {
    await browser?.close();
    await server?.stop();
});

test('a meeting lists its convocations, in French', async () => {
    await page.click('#year-refresh');
    await page.click('#commissions-table tbody tr:last-child button');
    await page.click(`#prepare-${mid}`);
    await page.waitForSelector('#conv-table');
    assert.equal(await page.textContent('#conv-h'), 'Convocations');
    const rows = await page.$$eval('#conv-table tbody tr', (trs) => trs.map((tr) =>
        [tr.dataset.participant, tr.dataset.status, tr.querySelector('td').textContent]));
    assert.deepEqual(rows, [[ids['Hélène Vasseur'], 'none', 'helene@example.org'],
        [ids['Jean Moreau'], 'none', 'jean@example.org'], [ids['Anne Petit'], 'none', 'aucune']]);
    // who has no address gets no send button, but can have the documents
    assert.equal(await page.$(`#conv-send-${ids['Anne Petit']}`), null);
    assert.ok(await page.$(`#conv-pdf-${ids['Anne Petit']}`));
    assert.deepEqual(await seriousViolations(page), []);
});

test('a convocation is downloaded, with the person’s link', async () => {
    const got = page.waitForEvent('download');
    await page.click(`#conv-html-${ids['Anne Petit']}`);
    const d = await got;
    assert.equal(d.suggestedFilename(), `convocation-${mid}-${ids['Anne Petit']}.html`);
    const html = fs.readFileSync(await d.path(), 'utf8');
    assert.match(html, /Anne Petit/);
    assert.match(html, /Budget 2027/);
    assert.match(html, new RegExp(`https://concerto\\.example\\.org/m/${mid}#t=[A-Za-z0-9_-]{43}`));
    await page.waitForSelector('#year-status:has-text("Convocation téléchargée")');
});

test('a person’s link is revoked from the list, after a second look, and their open page is closed', async () => {
    const anne = ids['Anne Petit'];
    const got = page.waitForEvent('download');
    await page.click(`#conv-html-${anne}`);
    const html = fs.readFileSync(await (await got).path(), 'utf8');
    const link = new RegExp(`https://concerto\\.example\\.org(/m/${mid}#t=[A-Za-z0-9_-]{43})`).exec(html)[1];
    const other = await newContext(browser, server.base);
    const her = await other.newPage();
    await her.goto(`${server.base}${link}`);
    await her.waitForSelector('#conn[data-status="online"]');

    await page.click(`#conv-revoke-${anne}`);
    assert.equal(await page.evaluate(() => document.activeElement.id), `conv-revoke-confirm-${anne}`);
    assert.match(await page.textContent(`#conv-revoke-q-${anne}`), /Anne Petit : son lien ne fonctionnera plus/);
    assert.deepEqual(await seriousViolations(page), []);
    // Changing one's mind changes nothing.
    await page.click(`#conv-revoke-cancel-${anne}`);
    assert.equal(await page.evaluate(() => document.activeElement.id), `conv-revoke-${anne}`);
    assert.equal(await her.getAttribute('#conn', 'data-status'), 'online');
    await page.click(`#conv-revoke-${anne}`);
    await page.click(`#conv-revoke-confirm-${anne}`);
    await page.waitForSelector('#year-status:has-text("Anne Petit : lien révoqué.")');
    await her.waitForSelector('h1:has-text("Lien non valable"), h2:has-text("Lien non valable")');
    assert.match(await her.textContent('body'), /Demandez un nouveau lien au secrétariat/);
    assert.equal(await page.evaluate(() => document.activeElement.id), `conv-revoke-${anne}`);
    // Nothing is left to revoke.
    await page.click(`#conv-revoke-${anne}`);
    await page.click(`#conv-revoke-confirm-${anne}`);
    await page.waitForSelector('#year-status:has-text("Anne Petit : aucun lien en cours.")');
    await other.close();
});

test('a sending the mail system refuses shows failed, with the reason', async () => {
    await page.click(`#conv-send-${ids['Jean Moreau']}`);
    const row = `#conv-table tr[data-participant="${ids['Jean Moreau']}"]`;
    await page.waitForSelector(`${row}[data-status="failed"]`, { timeout: 20000 });
    assert.match(await page.textContent(`${row} .conv-status`), /échec : cannot run \/nonexistent\/sendmail/);
    assert.equal(await page.getAttribute(`#conv-table tr[data-participant="${ids['Hélène Vasseur']}"]`, 'data-status'),
        'none');
});

test('the section switches to English', async () => {
    await page.click('#lang-switch');
    await page.waitForSelector('#conv-send-all:has-text("Send to everyone")');
    assert.match(await page.textContent('#conv-table'), /failed: cannot run/);
    assert.deepEqual(ctx.problems, []);
});

test('a member is added with the single-member form, in English', async () => {
    await page.click('#member-new summary');
    await page.fill('#member-name', 'Mary Jones');
    await page.selectOption('#member-college', 'bailleurs');
    await page.fill('#member-email', 'mary@example.org');
    await page.selectOption('#member-lang', 'en');
    await panelShots(page, '#member-new', 'admin-member-form');
    await page.setViewportSize({ width: 360, height: 740 });
    assert.equal(await overflowsX(page), false, 'no sideways scroll at 360 px');
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.click('#member-add');
    const row = '#year-roster tbody tr:has-text("Mary Jones")';
    await page.waitForSelector(row);
    assert.match(await page.textContent(row), /English/);
    const c = (await api('GET', '/api/commissions')).commissions.at(-1);
    const mary = (await api('GET', `/api/commissions/${c.id}`)).members.find((m) => m.name === 'Mary Jones');
    assert.equal(mary.lang, 'en');
    ids['Mary Jones'] = mary.id;
    // the roster's export carries the language in the import's words
    const exported = page.waitForEvent('download');
    await page.click('#roster-export');
    const csv = fs.readFileSync(await (await exported).path(), 'utf8').replace(/^\ufeff/, '');
    assert.equal(csv.split('\r\n')[0], 'name,college,role,email,language');
    assert.ok(csv.includes('Mary Jones,bailleurs,member,mary@example.org,English'), csv);
    assert.ok(csv.includes('Jean Moreau,locataires,member,jean@example.org,French'), csv);
    assert.deepEqual(await seriousViolations(page), []);
    assert.deepEqual(ctx.problems, []);
});

test('an English member’s link opens the meeting in English, unless this device chose French', async () => {
    const c = (await api('GET', '/api/commissions')).commissions.at(-1);
    const m2 = (await api('POST', '/api/meetings', { commission: c.id, title: 'Séance d’avril', date: '2027-04-01T14:00+02:00' }))
        .meeting.id;
    const invs = (await api('POST', `/api/meetings/${m2}/invitations`, { participants: [ids['Mary Jones'], ids['Jean Moreau']] }))
        .invitations;
    const link = (name) => `${server.base}${invs.find((i) => i.name === name).link}`;
    // a fresh device: Mary's page starts in English, Jean's in French
    const enCtx = await newContext(browser, server.base);
    const en = await enCtx.newPage();
    await en.goto(link('Mary Jones'));
    await en.waitForSelector('#meeting-title:has-text("Séance d’avril")');
    assert.equal(await en.getAttribute('html', 'lang'), 'en');
    assert.match(await en.textContent('#meeting-state'), /Scheduled/);
    const frCtx = await newContext(browser, server.base);
    const fr = await frCtx.newPage();
    await fr.goto(link('Jean Moreau'));
    await fr.waitForSelector('#meeting-title:has-text("Séance d’avril")');
    assert.equal(await fr.getAttribute('html', 'lang'), 'fr');
    assert.match(await fr.textContent('#meeting-state'), /programmée/);
    // Mary chooses French on her device: it wins from then on
    await en.click('#lang-switch');
    await en.waitForSelector('html[lang="fr"]');
    await en.reload();
    await en.waitForSelector('#meeting-title:has-text("Séance d’avril")');
    await en.waitForSelector('#conn[data-status="online"]');
    assert.equal(await en.getAttribute('html', 'lang'), 'fr');
    assert.deepEqual(enCtx.problems, []);
    assert.deepEqual(frCtx.problems, []);
    await enCtx.close();
    await frCtx.close();
});
