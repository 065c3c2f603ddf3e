// SPDX-License-Identifier: AGPL-3.0-or-later
//
// The administration page against the real server: from the admin token to
// invitation links that work, the way an administrator does it.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, launchBrowser, newContext, seriousViolations, screenshots, overflowsX, ARTIFACTS } from './harness.mjs';

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
    // On a phone the steps are one long column: the links at the top reach each one.
    const names = await page.$$eval('.sections-nav a', (as) => as.map((a) => a.textContent));
    assert.deepEqual(names, ['Jeton d’administration', 'Créer une commission', 'Importer la liste des membres',
        'Programmer une séance', 'Liens d’invitation', 'Commissions et séances']);
    assert.equal(await page.isVisible('#step-year-h') && await page.evaluate(() =>
        document.getElementById('step-year').getBoundingClientRect().top < innerHeight), false);
    await page.click('#nav-step-year');
    await page.waitForFunction(() => {
        const r = document.getElementById('step-year').getBoundingClientRect();
        return r.top >= 0 && r.top < innerHeight;
    });
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${server.base}/`);
    await page.waitForSelector('#token-form');
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
    assert.deepEqual(order.filter((id) => !/^notice/.test(id)), ['skip', 'lang-switch', 'nav-step-token',
        'nav-step-commission', 'nav-step-roster', 'nav-step-meeting', 'nav-step-invite', 'nav-step-year',
        'admin-token', 'token-save',
        'commission-name', 'commission-colleges', 'commission-create', 'roster-commission', 'roster-load',
        'roster-file', 'roster-import', 'meeting-commission', 'meeting-title-field', 'meeting-date',
        'meeting-place', 'meeting-room', 'meeting-lang', 'meeting-create', 'invite-meeting', 'invite-create',
        'year-refresh']);
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
        buffer: Buffer.from('nom,college,role\nA,bailleurs,member\nB,locataires,emperor\n') });
    await page.click('#roster-import');
    await page.waitForSelector('#step-roster .notice');
    assert.match(await page.textContent('#step-roster .notice'), /Une valeur est incorrecte/);
    assert.match(await page.textContent('#step-roster .notice-detail'), /Ligne 3 : ce rôle est inconnu/);

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

test('after a reload the commissions and meetings are listed, and a meeting is prepared', async () => {
    await page.reload();
    await page.waitForSelector('#commissions-table');
    const name = await page.$$eval('#commissions-table tbody th', (ths) => ths.map((th) => th.textContent));
    assert.ok(name.includes('CCR Hauts-de-France (essai)'), name.join(', '));
    const openButton = await page.$('#commissions-table tbody tr:last-child button');
    await openButton.click();
    await page.waitForSelector('#meetings-table');
    assert.match(await page.textContent('#year-roster'), /Hélène Vasseur/);
    const exported = page.waitForEvent('download');
    await page.click('#roster-export');
    const csv = fs.readFileSync(await (await exported).path(), 'utf8').replace(/^\ufeff/, '');
    assert.equal(csv.split('\r\n')[0], 'nom;collège;rôle;courriel;langue');
    assert.ok(csv.includes('Hélène Vasseur;;président;'), csv);
    assert.match(await page.textContent('#meetings-table'), /Séance d’essai/);
    assert.match(await page.textContent('#meetings-table tbody td'), /^2 févr\. 2021, 09:30$/);

    await page.click('#meetings-table tbody button');
    await page.waitForSelector('#settings-form');
    assert.equal(await page.inputValue('#set-quorum'), '50');
    assert.equal(await page.inputValue('#set-quorum_college'), '0');
    await page.fill('#set-quorum_college', '50');
    await page.fill('#set-grace', '60');
    assert.equal(await page.inputValue('#set-minutes_approval'), 'same_meeting');
    await page.selectOption('#set-minutes_approval', 'next_meeting');
    await page.click('#settings-save');
    await page.waitForSelector('#year-status:has-text("Règles enregistrées")');
    for (const title of ['Bilan 2020', 'Feuille de route 2021', 'Questions diverses']) {
        await page.fill('#item-title', title);
        await page.click('#item-save');
        await page.waitForSelector(`#prep-agenda li:has-text("${title}")`);
    }
    const second = await page.getAttribute('#prep-agenda > li:nth-child(2)', 'data-item');
    await page.click(`#up-${second}`);
    await page.waitForSelector('#prep-agenda > li:first-child:has-text("Feuille de route 2021")');
    await page.click(`#edit-${second}`);
    await page.fill('#item-title', 'Feuille de route 2021 : trois groupes');
    await page.click('#item-save');
    await page.waitForSelector('#prep-agenda li:has-text("trois groupes")');
    const last = await page.getAttribute('#prep-agenda > li:last-child', 'data-item');
    await page.click(`#remove-${last}`);
    await page.waitForFunction(() => document.querySelectorAll('#prep-agenda > li').length === 2);

    // What the page wrote is what the server holds.
    const token = await page.evaluate(() => sessionStorage.getItem('concerto.admin.token'));
    const mid = await page.getAttribute('#meetings-table tbody tr', 'data-meeting');
    const snap = await (await fetch(`${server.base}/api/meetings/${mid}`,
        { headers: { Authorization: `Bearer ${token}` } })).json();
    assert.deepEqual(snap.agenda.map((i) => i.title), ['Feuille de route 2021 : trois groupes', 'Bilan 2020']);
    assert.equal(snap.settings.quorum_college, 50);
    assert.equal(snap.settings.grace, 60);
    assert.equal(snap.settings.minutes_approval, 'next_meeting');

    assert.deepEqual(await seriousViolations(page), []);
    for (const [width, height] of [[1366, 768], [360, 740]]) {
        await page.setViewportSize({ width, height });
        assert.equal(await overflowsX(page), false, `the prepared meeting at ${width} px scrolls sideways`);
        await page.screenshot({ path: path.join(ARTIFACTS, `admin-prepare-${width}.png`), fullPage: true });
        assert.deepEqual(await seriousViolations(page), []);
    }
    await page.setViewportSize({ width: 1280, height: 900 });
    assert.deepEqual(ctx.problems, []);
});

test('a refused roster is explained in the page’s language, line and field', async () => {
    const file = path.join(ARTIFACTS, 'roster-bad.csv');
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    fs.writeFileSync(file, 'Nom;Collège;Rôle\r\nA B;Bailleurs;membre\r\nC D;bailleurs;présidnt\r\n');
    const commission = await page.$eval('#commissions-table tbody tr:last-child button', (b) => b.id.slice(5));
    await page.fill('#roster-commission', commission);
    await page.setInputFiles('#roster-file', file);
    await page.click('#roster-import');
    await page.waitForSelector('#step-roster .notice');
    assert.match(await page.textContent('#step-roster .notice'), /Ligne 3 : ce rôle est inconnu/);
    fs.writeFileSync(file, 'Nom;Collège;Rôle\r\nÉmilie Roux;BAILLEURS;Membre\r\nLuc Petit;;Secrétaire\r\n');
    await page.setInputFiles('#roster-file', file);
    await page.click('#roster-import');
    await page.waitForSelector('#roster-status:has-text("2 membres importés")');
});
