// SPDX-License-Identifier: AGPL-3.0-or-later
//
// The roster and the working groups changed from the administration page
// (PROTOCOL.md 3, "Changing the roster"), against the real server: a member
// edited in place, a member removed after a confirmation, a group edited
// with its members ticked; the keyboard's focus follows, and what the page
// shows is what the server holds.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import fs from 'node:fs';
import { startServer, launchBrowser, newContext, seriousViolations, overflowsX, settled, ARTIFACTS }
    from './harness.mjs';

let server;
let browser;
let ctx;
let page;
let cid;
let mid;
const ids = {};

async function api(method, p, json) {
    const res = await fetch(`${server.base}${p}`, {
        method,
        headers: { Authorization: `Bearer ${server.adminToken}`, 'Content-Type': 'application/json' },
        body: json === undefined ? undefined : JSON.stringify(json),
    });
    const data = await res.json();
    assert.ok(res.ok, `${method} ${p}: ${JSON.stringify(data)}`);
    return data;
}

const focused = () => page.evaluate(() => document.activeElement?.id || '');

async function shots(name) {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    for (const [width, height] of [[1366, 768], [360, 740]]) {
        await page.setViewportSize({ width, height });
        await settled(page);
        assert.equal(await overflowsX(page), false, `${name} scrolls sideways at ${width} px`);
        await page.locator('.year-commission').screenshot({ path: path.join(ARTIFACTS, `${name}-${width}.png`) });
    }
    await page.setViewportSize({ width: 1280, height: 900 });
}

before(async () => {
    server = await startServer();
    const c = await api('POST', '/api/commissions', { name: 'CCR Bretagne', colleges: ['bailleurs', 'locataires'] });
    cid = c.id;
    for (const [key, name, college, role] of [['chair', 'Hélène Vasseur', '', 'présidente'],
        ['claire', 'Claire Dubois', 'bailleurs', 'membre'], ['jean', 'Jean Moreau', 'locataires', 'membre'],
        ['anne', 'Anne Petit', '', 'observatrice']]) {
        ids[key] = (await api('POST', `/api/commissions/${cid}/members`, { name, college, role })).id;
    }
    mid = (await api('POST', '/api/meetings', { commission: cid, title: 'Séance de printemps' })).meeting.id;
    await api('POST', `/api/commissions/${cid}/groups`, { id: 'charges', name: 'Charges locatives', lead: 'bailleurs',
        members: [ids.claire] });
    browser = await launchBrowser();
    ctx = await newContext(browser, server.base);
    page = await ctx.newPage();
    await page.goto(`${server.base}/`);
    await page.fill('#admin-token', server.adminToken);
    await page.keyboard.press('Enter');
    await page.waitForSelector('#commissions-table');
    await page.click(`#open-${cid}`);
    await page.waitForSelector('#year-roster');
});

after(async () => {
    await browser?.close();
    await server?.stop();
});

test('a member is edited in place, in French words, and the draft meeting follows', async () => {
    await page.click(`#member-edit-${ids.jean}`);
    assert.equal(await focused(), `member-name-${ids.jean}`);
    for (const f of ['name', 'college', 'role', 'email']) {
        assert.ok(await page.$(`label[for="member-${f}-${ids.jean}"]`), `${f} has a label`);
    }
    assert.equal(await page.inputValue(`#member-college-${ids.jean}`), 'locataires');
    assert.deepEqual(await seriousViolations(page), []);
    await shots('roster-edit');
    await page.fill(`#member-name-${ids.jean}`, 'Jean-Yves Moreau');
    await page.selectOption(`#member-college-${ids.jean}`, 'bailleurs');
    await page.fill(`#member-email-${ids.jean}`, 'jy.moreau@exemple.fr');
    await page.press(`#member-email-${ids.jean}`, 'Enter');
    await page.waitForSelector(`#year-roster tr[data-member="${ids.jean}"]:has-text("Jean-Yves Moreau")`);
    assert.match(await page.textContent('#year-status'), /Jean-Yves Moreau\s: modification enregistrée, et dans 1 séance pas encore ouverte/);
    assert.equal(await focused(), `member-edit-${ids.jean}`);
    const roster = (await api('GET', `/api/commissions/${cid}`)).members.find((m) => m.id === ids.jean);
    assert.deepEqual([roster.name, roster.college, roster.email], ['Jean-Yves Moreau', 'bailleurs', 'jy.moreau@exemple.fr']);
    const p = (await api('GET', `/api/meetings/${mid}`)).participants.find((x) => x.id === ids.jean);
    assert.deepEqual([p.name, p.college], ['Jean-Yves Moreau', 'bailleurs']);
});

test('a refused edit says its reason in French and keeps the form', async () => {
    await page.click(`#member-edit-${ids.claire}`);
    await page.selectOption(`#member-college-${ids.claire}`, '');
    await page.click(`#member-save-${ids.claire}`);
    await page.waitForSelector('#step-year .notice');
    assert.match(await page.textContent('#step-year .notice'), /un membre doit avoir un collège/);
    assert.equal(await focused(), `member-college-${ids.claire}`);
    await page.click(`#member-cancel-${ids.claire}`);
    assert.equal(await focused(), `member-edit-${ids.claire}`);
    const roster = (await api('GET', `/api/commissions/${cid}`)).members.find((m) => m.id === ids.claire);
    assert.equal(roster.college, 'bailleurs');
});

test('a group is edited: its lead, members ticked among the roster, mandate', async () => {
    await page.click('#group-edit-charges');
    assert.equal(await focused(), 'group-name-charges');
    assert.equal(await page.isChecked(`#group-member-charges-${ids.claire}`), true);
    await page.selectOption('#group-lead-charges', ids.claire);
    await page.check(`#group-member-charges-${ids.jean}`);
    await page.fill('#group-mandate-charges', 'Comparer les charges de 2020 et 2021.');
    await page.fill('#group-due-charges', '2021-06-30');
    assert.deepEqual(await seriousViolations(page), []);
    await shots('group-edit');
    await page.click('#group-save-charges');
    await page.waitForSelector('#groups-list li[data-group="charges"]:has-text("animé par Claire Dubois")');
    assert.equal(await focused(), 'group-edit-charges');
    const g = (await api('GET', `/api/commissions/${cid}/groups`)).groups[0];
    assert.deepEqual([g.lead, g.members, g.mandate, g.due],
        [ids.claire, [ids.claire, ids.jean], 'Comparer les charges de 2020 et 2021.', '2021-06-30']);
});

test('a member is removed after a confirmation; a group lead is refused with the reason', async () => {
    // Claire now leads the group: refused, nothing changed
    await page.click(`#member-remove-${ids.claire}`);
    assert.equal(await focused(), `member-remove-confirm-${ids.claire}`);
    await page.click(`#member-remove-confirm-${ids.claire}`);
    await page.waitForSelector('#step-year .notice');
    assert.match(await page.textContent('#step-year .notice'), /anime un groupe de travail/);
    assert.ok(await page.$(`#year-roster tr[data-member="${ids.claire}"]`));
    // Cancelling puts the focus back on the button
    await page.click(`#member-remove-${ids.anne}`);
    await page.keyboard.press('Tab');
    assert.equal(await focused(), `member-remove-cancel-${ids.anne}`);
    await page.keyboard.press('Enter');
    assert.equal(await focused(), `member-remove-${ids.anne}`);
    // Jean, a member of the group, is removed: gone from the list, the group and the draft
    await page.click(`#member-remove-${ids.jean}`);
    assert.match(await page.textContent(`#year-roster tr[data-member="${ids.jean}"]`), /Les séances déjà ouvertes gardent leurs participants/);
    await shots('roster-remove');
    await page.keyboard.press('Enter');
    await page.waitForFunction((id) => !document.querySelector(`#year-roster tr[data-member="${id}"]`), ids.jean);
    assert.equal(await focused(), 'year-roster-h');
    assert.match(await page.textContent('#year-status'), /Jean-Yves Moreau ne figure plus sur la liste des membres, ni dans 1 séance/);
    assert.doesNotMatch(await page.textContent('#groups-list'), /Jean-Yves/);
    const snap = await api('GET', `/api/meetings/${mid}`);
    assert.equal(snap.participants.some((x) => x.id === ids.jean), false);
    assert.deepEqual((await api('GET', `/api/commissions/${cid}/groups`)).groups[0].members, [ids.claire]);
    assert.deepEqual(ctx.problems, []);
});

test('at 200 % text the forms still fit: nothing scrolls sideways', async () => {
    await page.evaluate(() => {
        document.documentElement.style.fontSize = '200%';
    });
    await page.click(`#member-edit-${ids.anne}`);
    assert.equal(await focused(), `member-name-${ids.anne}`);
    await page.click('#group-edit-charges');
    await shots('roster-200pc');
    await page.click('#group-cancel-charges');
    assert.equal(await focused(), 'group-edit-charges');
    await page.evaluate(() => {
        document.documentElement.style.fontSize = '';
    });
});
