// SPDX-License-Identifier: AGPL-3.0-or-later
//
// Decisions and actions on the meeting page, against the real server's demo
// (PROTOCOL.md 6.8): everyone reads the three working groups' actions and
// the decision under their items; the chair records an action for a group
// and changes another's status, and a member sees both at once; no control
// for a member; axe finds nothing serious, and the panel reads at 360 px.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newContext, seriousViolations, narrow, panelShots } from './harness.mjs';

let server;
let browser;

async function join(name) {
    const l = server.links.find((x) => x.name === name);
    assert.ok(l, `a link for ${name}`);
    const ctx = await newContext(browser, server.base);
    const page = await ctx.newPage();
    await page.goto(l.url);
    await page.waitForSelector('#conn[data-status="online"]');
    await page.waitForSelector('#followup-list');
    return page;
}

before(async () => {
    server = await startServer();
    browser = await launchBrowser();
});

after(async () => {
    await browser?.close();
    await server?.stop();
});

test('everyone reads the actions, the chair records and follows them', async () => {
    const chair = await join('Hélène Vasseur');
    const member = await join('Claire Dubois');
    for (const page of [chair, member]) {
        await page.waitForSelector('#followup-list li[data-action="a3"]');
        const text = await page.textContent('#followup-list');
        assert.match(text, /Groupe 3 : prévention des impayés et accompagnement social/);
        assert.match(text, /Trois groupes de travail sont constitués/);
        assert.match(text, /échéance le 31 mai 2021/);
    }
    assert.equal(await member.isVisible('#followup-forms'), false, 'a member records nothing');
    assert.equal(await member.$('#action-status-a1'), null, 'a member changes no status');
    assert.deepEqual(await seriousViolations(member), []);

    await chair.click('#followup-forms summary');
    await chair.waitForSelector('#action-owner option[value="g2-parcours"]', { state: 'attached' });
    // the demo's meeting has not opened: no item is current, one is named
    await chair.fill('#action-title', 'Organiser la première visioconférence du groupe');
    await chair.click('#action-submit');
    await chair.waitForFunction(() => /Aucun point n’est en cours/.test(document.querySelector('#followup-forms').textContent));
    await chair.selectOption('#followup-item', 'i10');
    await chair.selectOption('#action-owner', 'g2-parcours');
    await chair.fill('#action-due', '2021-03-15');
    await chair.click('#action-submit');
    await member.waitForSelector('#followup-list li[data-action="a4"]');
    assert.match(await member.textContent('li[data-action="a4"]'), /Groupe 2 : parcours résidentiel des locataires/);

    await chair.selectOption('#action-status-a1', 'in_progress');
    await member.waitForSelector('li[data-action="a1"][data-status="in_progress"]');
    assert.match(await member.textContent('li[data-action="a1"]'), /en cours/);
    assert.deepEqual(await seriousViolations(chair), []);
    await panelShots(member, '#followup', 'followup-member');
    await narrow(member, 'the decisions and actions');
});
