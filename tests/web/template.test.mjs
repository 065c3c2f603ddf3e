// SPDX-License-Identifier: AGPL-3.0-or-later
//
// The agenda template on the administration page, against the real server
// (PROTOCOL.md 3.8): a meeting not yet open starts from the built-in default,
// another meeting's agenda becomes the commission's template, and the first
// meeting starts from it after a second look (its agenda is no longer empty);
// what the page shows is what the server holds. French first, English on a
// switch; axe finds nothing serious; 360 px without sideways scrolling.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startServer, launchBrowser, newContext, seriousViolations, overflowsX, settled, ARTIFACTS } from './harness.mjs';

let server;
let browser;
let ctx;
let page;
const ids = {};

async function api(method, url, json) {
    const res = await fetch(`${server.base}${url}`, {
        method,
        headers: { Authorization: `Bearer ${server.adminToken}`, 'Content-Type': 'application/json' },
        body: json === undefined ? undefined : JSON.stringify(json),
    });
    const data = await res.json();
    assert.ok(res.ok, `${method} ${url}: ${JSON.stringify(data)}`);
    return data;
}

const titles = (snap) => snap.agenda.filter((i) => !i.parent).sort((a, b) => a.position - b.position)
    .map((i) => i.title);

before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    const c = await api('POST', '/api/commissions', { name: 'Commission de test des ordres du jour',
        colleges: ['bailleurs', 'locataires'] });
    ids.commission = c.id;
    const first = await api('POST', '/api/meetings', { commission: c.id, title: 'Séance de janvier',
        date: '2021-01-12T14:00' });
    ids.january = first.meeting.id;
    const bilan = await api('POST', `/api/meetings/${ids.january}/agenda`, { title: 'Bilan 2020',
        kind: 'deliberation', duration: 1800, presenter: 'DREAL' });
    const parent = bilan.agenda.find((i) => i.title === 'Bilan 2020').id;
    await api('POST', `/api/meetings/${ids.january}/agenda`, { title: 'Chiffres des bailleurs', parent });
    await api('POST', `/api/meetings/${ids.january}/agenda`, { title: 'Questions diverses' });
    const march = await api('POST', '/api/meetings', { commission: c.id, title: 'Séance de mars',
        date: '2021-03-02T14:00' });
    ids.march = march.meeting.id;
    ctx = await newContext(browser, server.base);
    page = await ctx.newPage();
    await page.goto(`${server.base}/`);
    await page.waitForSelector('#token-form');
    await page.fill('#admin-token', server.adminToken);
    await page.press('#admin-token', 'Enter');
    await page.waitForSelector('#token-forget');
});

after(async () => {
    await browser?.close();
    await server?.stop();
});

async function prepare(mid) {
    await page.click(`#prepare-${mid}`);
    await page.waitForSelector(`#prep-h:has-text("${mid === ids.march ? 'Séance de mars' : 'Séance de janvier'}")`);
    await page.waitForSelector('#agenda-template');
}

test('a meeting starts from the default template, another becomes the template, the first starts from it', async () => {
    await page.click('#year-refresh');
    await page.click(`#open-${ids.commission}`);
    await page.waitForSelector('#meetings-table');
    await prepare(ids.march);
    assert.match(await page.textContent('#tpl-source'), /pas encore d’ordre du jour type/);
    assert.deepEqual(await page.$$eval('#tpl-items > li > span', (s) => s.map((x) => x.textContent)),
        ['Ouverture de la séance et vérification du quorum', 'Adoption de l’ordre du jour',
            'Questions diverses', 'Date de la prochaine séance']);
    assert.equal(await page.$('#tpl-save'), null, 'an empty agenda is not saved as the template');

    // an empty agenda starts at once, without a question
    await page.click('#tpl-apply');
    await page.waitForSelector('#prep-agenda li:has-text("Date de la prochaine séance")');
    assert.match(await page.textContent('#year-status'), /Points de l’ordre du jour type ajoutés/);
    let snap = await api('GET', `/api/meetings/${ids.march}`);
    assert.deepEqual(titles(snap), ['Ouverture de la séance et vérification du quorum', 'Adoption de l’ordre du jour',
        'Questions diverses', 'Date de la prochaine séance']);
    assert.ok(snap.agenda.length && (await page.$$('#prep-agenda > li')).length === snap.agenda.length);

    // January's agenda becomes the commission's template
    await prepare(ids.january);
    await page.click('#tpl-save');
    await page.waitForSelector('#tpl-source:has-text("Séance de janvier")');
    const tpl = await api('GET', `/api/commissions/${ids.commission}/agenda-template`);
    assert.equal(tpl.saved, true);
    assert.deepEqual(tpl.items.map((i) => i.title), ['Bilan 2020', 'Questions diverses']);
    assert.deepEqual(await page.$$eval('#tpl-items > li > span', (s) => s.map((x) => x.textContent)),
        ['Bilan 2020', 'Questions diverses']);
    assert.match(await page.textContent('#tpl-items'), /Chiffres des bailleurs/);

    // March's agenda is not empty: a second look first; going back changes nothing
    await prepare(ids.march);
    await page.click('#tpl-apply');
    await page.waitForSelector('dialog.confirm[open]');
    assert.match(await page.textContent('dialog.confirm[open]'), /n’est pas vide/);
    assert.deepEqual(await seriousViolations(page), []);
    await page.click('dialog.confirm[open] button[data-answer="no"]');
    await page.waitForSelector('dialog.confirm', { state: 'hidden' });
    assert.equal(await page.evaluate(() => document.activeElement.id), 'tpl-apply', 'the focus comes back');
    assert.equal((await api('GET', `/api/meetings/${ids.march}`)).agenda.length, 4);
    await page.click('#tpl-apply');
    await page.click('dialog.confirm[open] button[data-answer="yes"]');
    await page.waitForSelector('#prep-agenda li:has-text("Bilan 2020")');
    snap = await api('GET', `/api/meetings/${ids.march}`);
    assert.deepEqual(titles(snap), ['Ouverture de la séance et vérification du quorum', 'Adoption de l’ordre du jour',
        'Questions diverses', 'Date de la prochaine séance', 'Bilan 2020'], 'Questions diverses is not added twice');
    const bilan = snap.agenda.find((i) => i.title === 'Bilan 2020');
    assert.equal(bilan.presenter, 'DREAL');
    assert.deepEqual(snap.agenda.filter((i) => i.parent === bilan.id).map((i) => i.title), ['Chiffres des bailleurs']);

    // saving over the commission's template asks first; going back keeps it
    await page.click('#tpl-save');
    await page.waitForSelector('dialog.confirm[open]:has-text("Remplacer l’ordre du jour type")');
    await page.click('dialog.confirm[open] button[data-answer="no"]');
    await page.waitForSelector('dialog.confirm', { state: 'hidden' });
    assert.deepEqual(await api('GET', `/api/commissions/${ids.commission}/agenda-template`), tpl);

    assert.deepEqual(await seriousViolations(page), []);
    for (const [width, height] of [[1366, 768], [360, 740]]) {
        await page.setViewportSize({ width, height });
        await settled(page);
        assert.equal(await overflowsX(page), false, `the template at ${width} px scrolls sideways`);
        await page.locator('#agenda-template').scrollIntoViewIfNeeded();
        await page.screenshot({ path: path.join(ARTIFACTS, `admin-template-${width}.png`) });
    }
    await page.setViewportSize({ width: 1280, height: 900 });

    // in English
    await page.click('#lang-switch');
    await page.waitForSelector('html[lang="en"]');
    assert.equal(await page.textContent('#tpl-apply'), 'Start from the agenda template');
    assert.equal(await page.textContent('#tpl-save'), 'Save as the agenda template');
    assert.match(await page.textContent('#tpl-source'), /saved on .* from the meeting “Séance de janvier”/);
    await page.click('#lang-switch');
    await page.waitForSelector('html[lang="fr"]');
    assert.deepEqual(ctx.problems, []);
});
