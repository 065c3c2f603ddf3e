// SPDX-License-Identifier: AGPL-3.0-or-later
//
// The administration page against the real server: from the admin token to
// invitation links that work, the way an administrator does it.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { startServer, launchBrowser, newContext, seriousViolations, screenshots, overflowsX } from './harness.mjs';

let server;
let browser;
let ctx;
let page;

const ROSTER = [
    'Nom;Collège;Rôle',
    'Hélène Vasseur;;chair',
    'Thomas Leroy;;secretary',
    '"Dubois; Claire";bailleurs;member',
    'Jean Moreau;locataires;member',
    'Anne Petit;;observer',
].join('\r\n');

before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    ctx = await newContext(browser, server.base);
    await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.base });
    page = await ctx.newPage();
    await page.goto(`${server.base}/`);
    await page.waitForSelector('#token-form');
});

after(async () => {
    await browser?.close();
    await server?.stop();
});

test('the admin page is French, labelled and passes axe', async () => {
    assert.equal(await page.getAttribute('html', 'lang'), 'fr');
    assert.match(await page.textContent('h1'), /Administration/);
    for (const id of ['admin-token', 'commission-name', 'commission-colleges', 'roster-file',
        'meeting-title-field', 'meeting-date', 'meeting-lang', 'invite-meeting']) {
        assert.ok(await page.$(`label[for="${id}"]`), `#${id} has a label`);
    }
    assert.deepEqual(await seriousViolations(page), []);
    await screenshots(page, 'admin');
    await page.setViewportSize({ width: 360, height: 740 });
    assert.equal(await overflowsX(page), false, 'the admin page at 360 px scrolls sideways');
    await page.setViewportSize({ width: 1280, height: 900 });
});

test('every control is reached with Tab, in reading order', async () => {
    await page.evaluate(() => document.activeElement?.blur());
    const order = [];
    for (let i = 0; i < 60; i++) {
        await page.keyboard.press('Tab');
        const id = await page.evaluate(() => document.activeElement?.id || document.activeElement?.tagName);
        if (id === 'BODY' || (order.length && id === order[0])) {
            break;
        }
        if (order[order.length - 1] !== id) {
            order.push(id);
        }
    }
    assert.deepEqual(order.filter((id) => !/^notice/.test(id)), ['skip', 'lang-switch', 'admin-token', 'token-save',
        'commission-name', 'commission-colleges', 'commission-create', 'roster-commission', 'roster-load',
        'roster-file', 'roster-import', 'meeting-commission', 'meeting-title-field', 'meeting-date',
        'meeting-place', 'meeting-room', 'meeting-lang', 'meeting-create', 'invite-meeting', 'invite-create']);
    // The skip link takes the keyboard past the banner.
    await page.focus('#skip');
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'main');
});

test('without the token the server refuses, and the page says why', async () => {
    await page.fill('#commission-name', 'Sans jeton');
    await page.click('#commission-create');
    await page.waitForSelector('#step-commission .notice');
    assert.match(await page.textContent('#step-commission .notice'), /Jeton d’administration absent ou incorrect/);
    await page.click('#step-commission .notice-close');
});

test('the token is kept for the tab, typed with the keyboard', async () => {
    await page.focus('#admin-token');
    await page.keyboard.type(server.adminToken);
    await page.keyboard.press('Enter');
    await page.waitForSelector('#token-forget');
    const kept = await page.evaluate(() => Object.values(sessionStorage));
    assert.ok(kept.includes(server.adminToken));
    assert.equal(await page.evaluate(() => document.activeElement.id), 'commission-name');
});

test('create a commission, import its roster, schedule a meeting, make the links', async () => {
    await page.fill('#commission-name', 'CCR Hauts-de-France (essai)');
    await page.fill('#commission-colleges', 'bailleurs, locataires');
    await page.click('#commission-create');
    await page.waitForFunction(() => /créée/.test(document.querySelector('#commission-status')?.textContent));
    const commission = await page.inputValue('#roster-commission');
    assert.match(commission, /^[a-z0-9]+$/);

    // A roster with a bad role is refused whole, with its line number.
    await page.setInputFiles('#roster-file', { name: 'bad.csv', mimeType: 'text/csv',
        buffer: Buffer.from('nom,college,role\nA,bailleurs,member\nB,locataires,president\n') });
    await page.click('#roster-import');
    await page.waitForSelector('#step-roster .notice');
    assert.match(await page.textContent('#step-roster .notice'), /Une valeur est incorrecte/);
    assert.match(await page.textContent('#step-roster .notice-detail'), /3/);

    await page.setInputFiles('#roster-file', { name: 'roster.csv', mimeType: 'text/csv',
        buffer: Buffer.from(ROSTER) });
    await page.click('#roster-import');
    await page.waitForFunction(() => /5 membres importés/.test(document.querySelector('#roster-status')?.textContent));
    assert.equal(await page.$$eval('#roster-table tbody tr', (r) => r.length), 5);
    assert.match(await page.textContent('#roster-table'), /Dubois; Claire/);
    assert.equal(await page.$('#step-roster .notice'), null, 'success clears the earlier error');

    assert.equal(await page.inputValue('#meeting-commission'), commission);
    await page.fill('#meeting-title-field', 'Séance d’essai');
    await page.fill('#meeting-date', '2021-02-02T09:30');
    await page.fill('#meeting-place', 'Lille');
    await page.click('#meeting-create');
    await page.waitForFunction(() => /créée/.test(document.querySelector('#meeting-status')?.textContent));
    const meeting = await page.inputValue('#invite-meeting');
    assert.ok(meeting, 'the meeting id fills the invitation step');

    await page.click('#invite-create');
    await page.waitForSelector('#invite-table');
    const rows = await page.$$eval('#invite-table tbody tr', (trs) => trs.map((tr) => ({
        name: tr.querySelector('th').textContent, link: tr.querySelector('input').value })));
    assert.equal(rows.length, 5);
    for (const r of rows) {
        assert.match(r.link, new RegExp(`^${server.base}/m/${meeting}#t=[A-Za-z0-9_-]{43}$`), r.name);
    }
    assert.deepEqual(await seriousViolations(page), []);
    await screenshots(page, 'admin-links');

    // Copy one link.
    const first = await page.$('#invite-table tbody tr button.copy');
    await first.click();
    await page.waitForFunction(() => /copié/.test(document.querySelector('#announcer').textContent));
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), rows[0].link);

    // Download the table for a mail merge.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#invite-download')]);
    const csv = fs.readFileSync(await download.path(), 'utf8');
    const lines = csv.replace(/^\ufeff/, '').trim().split('\r\n');
    assert.equal(lines[0], 'nom;collège;rôle;lien');
    assert.equal(lines.length, 6);
    assert.ok(lines.some((l) => l.startsWith('"Dubois; Claire";Bailleurs;Membre;http')), csv);
    assert.match(download.suggestedFilename(), /^invitations-.+\.csv$/);

    // A link made here opens the meeting for that person.
    const chairRow = rows.find((r) => r.name === 'Hélène Vasseur');
    const other = await newContext(browser, server.base);
    const p2 = await other.newPage();
    await p2.goto(chairRow.link);
    await p2.waitForSelector('#conn[data-status="online"]');
    assert.equal(await p2.textContent('#meeting-title'), 'Séance d’essai');
    assert.match(await p2.textContent('.meeting-meta'), /mardi 2 février 2021 à 09:30 · Lille/);
    assert.ok(await p2.$('#chair'), 'the chair gets the controls');
    assert.deepEqual(other.problems, []);
    await other.close();
    assert.deepEqual(ctx.problems, []);
});

test('the admin page switches to English and keeps what was typed', async () => {
    await page.fill('#meeting-place', 'Arras');
    await page.click('#lang-switch');
    await page.waitForSelector('html[lang="en"]');
    assert.match(await page.textContent('#step-meeting-h'), /Schedule a meeting/);
    assert.equal(await page.inputValue('#meeting-place'), 'Arras');
    assert.ok(await page.$('#invite-table'), 'the links are still shown');
    await page.click('#lang-switch');
    await page.waitForSelector('html[lang="fr"]');
});
