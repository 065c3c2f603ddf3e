// SPDX-License-Identifier: AGPL-3.0-or-later
//
// A whole meeting held through the pages, against the real server: the chair,
// the secretary and three members, each in a browser context of their own,
// from the links the demo prints. The tests run in order and share the
// meeting, as the people would: attendance marked, a member checking in, an
// agenda item with its own speaking time, an item opened, two requests to
// speak served in the server's order, a named vote and a secret vote cast and
// published (with a proxy, a member who drops offline while voting, and the
// same member on a second device), proxies and recusals (one declared by the
// secretary), the meeting closed. axe-core checks every view, and each panel
// is photographed at 1280 and 360 px in artifacts/. The minutes and the
// record have a meeting of their own (minutes.test.mjs).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newContext, seriousViolations, screenshots, panelShots,
    narrow, announced, snapshot }
    from './harness.mjs';

let server;
let browser;
const people = {}; // key -> {ctx, page, link}

function link(name) {
    const l = server.links.find((x) => x.name === name);
    assert.ok(l, `the demo prints a link for ${name}: ${server.output()}`);
    return l;
}

async function join(name) {
    const l = link(name);
    const ctx = await newContext(browser, server.base);
    const page = await ctx.newPage();
    await page.goto(l.url);
    await page.waitForSelector('#conn[data-status="online"]');
    await page.waitForSelector('#agenda-list');
    return { ctx, page, link: l };
}

const all = () => Object.values(people);
const members = () => [people.dubois, people.lefebvre, people.moreau];

async function axe(who, state) {
    assert.deepEqual(await seriousViolations(people[who].page), [], `${who}: ${state}`);
}

before(async () => {
    server = await startServer();
    browser = await launchBrowser();
});

after(async () => {
    await browser?.close();
    await server?.stop();
});

test('the chair, the secretary and three members join', async () => {
    people.chair = await join('Hélène Vasseur');
    people.secretary = await join('Thomas Leroy');
    people.dubois = await join('Claire Dubois');
    people.lefebvre = await join('Marc Lefebvre');
    people.moreau = await join('Jean Moreau');
    await people.chair.page.waitForFunction(() => document.querySelector('#attendance-total')?.dataset.present === '3');
    // Who sees what.
    const { page: chair } = people.chair;
    assert.ok(await chair.isVisible('#agenda-open-next'), 'the chair runs the agenda');
    assert.ok(await chair.isVisible('#speaker-next'), 'the chair gives the floor');
    assert.ok(await chair.isVisible('#attendance'), 'the chair may mark attendance');
    const { page: sec } = people.secretary;
    assert.equal(await sec.isVisible('#agenda-open-next'), false, 'the secretary does not open items');
    assert.ok(await sec.isVisible('#agenda-add'), 'the secretary edits the agenda');
    assert.ok(await sec.isVisible('#vote-prepare'), 'the secretary prepares votes');
    assert.ok(await sec.isVisible('#paper'), 'the secretary records paper proxies');
    const { page: m } = people.dubois;
    for (const id of ['#agenda-add', '#vote-prepare', '#attendance', '#speaker-next', '#paper']) {
        assert.equal(await m.isVisible(id), false, `a member has no ${id}`);
    }
    assert.ok(await m.isVisible('#speak-ask'));
    assert.ok(await m.isVisible('#proxy-give-box'));
    // The agenda as the demo has it: numbered, sub-items nested.
    assert.equal(await m.locator('#agenda-list > li').count(), 5);
    assert.equal(await m.locator('#agenda-list > li[data-item="i2"] .agenda-sub > li').count(), 4);
    assert.match(await m.textContent('li[data-item="i3"] .item-num'), /^2\.1\.$/);
    assert.match(await m.textContent('li[data-item="i2"] .item-meta'), /prévu\s*:\s*40\s*min/);
});

test('the chair opens the meeting; the secretary marks attendance and the quorum is reached', async () => {
    const { page: chair } = people.chair;
    await chair.click('#cmd-meeting-open');
    // Without the quorum the chair is asked first, and goes on.
    if (await chair.isVisible('dialog[open]')) {
        await chair.click('dialog[open] [data-answer="yes"]');
    }
    await chair.waitForSelector('#meeting-state[data-state="open"]');
    assert.equal(await chair.getAttribute('#quorum', 'data-met'), 'false', 'one tenant connected of three');
    const { page: sec } = people.secretary;
    // Fatima Benali is in the room without a connection; Lucien Caron sends his apologies.
    await sec.selectOption('#mark-benali', 'present');
    await sec.click('#mark-save-benali');
    await sec.selectOption('#mark-caron', 'excused');
    assert.ok(await sec.isVisible('#reason-caron'), 'a reason goes with an excuse');
    await sec.fill('#reason-caron', 'Malade');
    await sec.click('#mark-save-caron');
    for (const { page } of all()) {
        await page.waitForSelector('#quorum[data-met="true"]');
        await page.waitForSelector('#participants li[data-participant="caron"][data-mark="excused"]');
    }
    assert.match(await chair.textContent('#participants li[data-participant="caron"]'), /excusé\s*:\s*Malade/);
    await announced(people.dubois.page, /quorum est atteint/);
    assert.equal(await sec.inputValue('#mark-benali'), 'present', 'the form keeps the mark');
    assert.match(await sec.textContent('#roll li[data-participant="benali"]'), /pointé présent/);
    await sec.click('#attendance-h');
    await axe('secretary', 'roll call');
    await panelShots(sec, '#attendance', 'attendance');
    await narrow(sec, 'the secretary’s page');
});

test('a member checks in, and counts as present whatever the connection', async () => {
    const { page: d } = people.dubois;
    assert.ok(await d.isVisible('#attendance-checkin'));
    assert.match(await d.textContent('#checkin-text'), /quorum/);
    await d.click('#attendance-checkin');
    for (const { page } of all()) {
        await page.waitForSelector('#participants li[data-participant="dubois"][data-mark="present"]');
    }
    await d.waitForSelector('#attendance-checkin', { state: 'hidden' });
    assert.match(await d.textContent('#checkin-text'), /émargé/);
    assert.equal(await d.evaluate(() => document.activeElement.id), 'checkin-text', 'the focus stays near');
    // Her own check-in, from home: not "in the room".
    const roll = await people.secretary.page.textContent('#roll li[data-participant="dubois"]');
    assert.match(roll, /a émargé en ligne/);
    assert.doesNotMatch(roll, /en salle/);
    await axe('dubois', 'checked in');
});

test('the secretary adds, moves and edits an agenda item', async () => {
    const { page: sec } = people.secretary;
    await sec.click('#agenda-add-summary');
    await axe('secretary', 'the form to add an item');
    await sec.click('#agenda-add-submit');
    assert.match(await sec.textContent('#agenda-add-status'), /intitulé/, 'a title is required');
    assert.equal(await sec.evaluate(() => document.activeElement.id), 'agenda-add-title');
    await sec.fill('#agenda-add-title', 'Point d’actualité');
    await sec.fill('#agenda-add-presenter', 'Thomas Leroy');
    await sec.fill('#agenda-add-duration', '5');
    await sec.selectOption('#agenda-add-kind', 'information');
    await sec.selectOption('#agenda-add-parent', 'i2');
    // Its own speaking time; empty is the meeting's.
    assert.match(await sec.textContent('#agenda-add-speaking-help'), /le temps de la séance \(3\s*min/);
    await sec.fill('#agenda-add-speaking-min', '1');
    await sec.fill('#agenda-add-speaking-sec', '75');
    await sec.click('#agenda-add-submit');
    assert.match(await sec.textContent('#agenda-add-status'), /Temps de parole/, 'seconds up to 59');
    await sec.fill('#agenda-add-speaking-sec', '30');
    await sec.click('#agenda-add-submit');
    for (const { page } of all()) {
        await page.waitForSelector('li[data-item="i2"] .agenda-sub > li[data-item="i13"]');
    }
    const { page: m } = people.moreau;
    assert.match(await m.textContent('li[data-item="i13"] .item-num'), /^2\.5\.$/);
    assert.match(await m.textContent('li[data-item="i13"] .item-meta'), /temps de parole\s*:\s*1\s*min\s*30\s*s/);
    assert.equal((await snapshot(m)).agenda.find((it) => it.id === 'i13').speaking_time, 90);
    // Up one place, with the focus kept on the button.
    await sec.click('li[data-item="i13"] > .item-tools > summary');
    await sec.click('li[data-item="i13"] [data-action="up"]');
    await m.waitForFunction(() => document.querySelector('li[data-item="i13"] .item-num')?.textContent === '2.4.');
    await sec.waitForFunction(() => document.activeElement?.dataset.action === 'up'
        && document.activeElement.closest('li').dataset.item === 'i13');
    // Edit it in the dialog.
    await sec.click('li[data-item="i13"] [data-action="edit"]');
    await sec.waitForSelector('#agenda-edit[open]');
    assert.equal(await sec.inputValue('#agenda-edit-title'), 'Point d’actualité');
    assert.equal(await sec.inputValue('#agenda-edit-duration'), '5');
    assert.equal(await sec.inputValue('#agenda-edit-speaking-min'), '1');
    assert.equal(await sec.inputValue('#agenda-edit-speaking-sec'), '30');
    await axe('secretary', 'the edit dialog');
    await sec.fill('#agenda-edit-title', 'Point d’actualité régionale');
    await sec.fill('#agenda-edit-speaking-min', '');
    await sec.fill('#agenda-edit-speaking-sec', '');
    await sec.click('#agenda-edit-submit');
    await m.waitForFunction(() => document.querySelector('li[data-item="i13"] .item-title')?.textContent
        === 'Point d’actualité régionale');
    assert.doesNotMatch(await m.textContent('li[data-item="i13"] .item-meta'), /temps de parole/,
        'back to the meeting’s time');
    assert.equal((await snapshot(m)).agenda.find((it) => it.id === 'i13').speaking_time, 0);
    assert.equal(await sec.isVisible('#agenda-edit'), false);
    // And remove it: never opened, it may go.
    await sec.click('li[data-item="i13"] [data-action="remove"]');
    await sec.waitForSelector('dialog[open]');
    await sec.click('dialog[open] [data-answer="yes"]');
    await m.waitForSelector('li[data-item="i13"]', { state: 'detached' });
});

test('the chair opens the first item and everyone sees it current, with its time running', async () => {
    const { page: chair } = people.chair;
    assert.match(await chair.textContent('#agenda-open-next'), /\(1\)/);
    await chair.click('#agenda-open-next');
    for (const { page } of all()) {
        await page.waitForSelector('li[data-item="i1"][aria-current="true"][data-state="current"]');
        assert.match(await page.textContent('#agenda-current'), /Point en cours\s*:\s*1\. Ouverture/);
        assert.match(await page.textContent('#speakers-item'), /Point 1/);
    }
    await announced(people.moreau.page, /Point en cours/);
    const { page: m } = people.dubois;
    await m.waitForFunction(() => /écoulé\s*:\s*[1-9]/.test(document.querySelector('li[data-item="i1"] .item-time')
        ?.textContent || ''), null, { timeout: 5000 });
    assert.equal(await chair.getAttribute('#agenda-open-next', 'aria-disabled'), 'false');
    assert.match(await chair.textContent('#agenda-open-next'), /\(2\)/);
    await axe('chair', 'agenda with an item open');
    await axe('dubois', 'agenda with an item open');
    await panelShots(chair, '#agenda', 'agenda-chair');
    await panelShots(m, '#agenda', 'agenda-member');
});

test('two requests to speak are served in order, with a countdown', async () => {
    const { page: d } = people.dubois;
    const { page: mo } = people.moreau;
    const { page: chair } = people.chair;
    await d.click('#speak-ask');
    await d.waitForSelector('#speak-withdraw:visible');
    assert.equal(await d.evaluate(() => document.activeElement.id), 'speak-withdraw', 'the focus follows');
    await mo.click('#speak-ask');
    await chair.waitForFunction(() => document.querySelectorAll('#queue > li').length === 2);
    for (const { page } of all()) {
        await page.waitForFunction(() => [...document.querySelectorAll('#queue > li')].map((li) => li.dataset.participant)
            .join() === 'dubois,moreau');
        // The order shown is the one the server sent (its `speakers` message), not one computed here.
        await page.waitForFunction(() => window.concerto.conn.state.serverOrder === true);
    }
    assert.match(await mo.textContent('#my-place'), /2 sur 2/);
    assert.match(await d.textContent('#my-place'), /1 sur 2/);
    await axe('dubois', 'waiting for the floor');
    await panelShots(d, '#speakers', 'speakers-member');

    await chair.click('#speaker-next');
    for (const { page } of all()) {
        await page.waitForSelector('#floor[data-participant="dubois"]');
    }
    await announced(mo, /La parole est à Claire Dubois/);
    assert.match(await d.textContent('#my-place'), /Vous avez la parole/);
    // The countdown runs from the server's clock.
    const t1 = await mo.textContent('#floor-timer');
    assert.match(t1, /Temps restant\s*:\s*[23]:\d\d/);
    await mo.waitForFunction((before) => document.querySelector('#floor-timer').textContent !== before, t1);
    assert.deepEqual(await mo.$$eval('#queue > li', (l) => l.map((li) => li.dataset.participant)), ['moreau']);
    // The chair pauses and resumes the timer.
    await chair.click('#speaker-pause');
    await mo.waitForSelector('#floor-timer[data-paused="true"]');
    assert.match(await mo.textContent('#floor-timer'), /pause/);
    await chair.click('#speaker-pause');
    await mo.waitForSelector('#floor-timer[data-paused="false"]');
    await axe('chair', 'someone has the floor');
    await panelShots(chair, '#speakers', 'speakers-chair');

    await chair.click('#speaker-next');
    for (const { page } of all()) {
        await page.waitForSelector('#floor[data-participant="moreau"]');
        await page.waitForSelector('#queue-empty:visible');
    }
    await announced(d, /La parole est à Jean Moreau/);
    await chair.click('#speaker-end');
    await d.waitForSelector('#floor[data-active="false"]');
    const snap = await snapshot(d);
    assert.equal(snap.participants.find((p) => p.id === 'dubois').turns, 1);
    assert.equal(snap.participants.find((p) => p.id === 'moreau').turns, 1);
    assert.equal(snap.turn, null);
});

test('the chair sets the speaking rules; an overrun shows', async () => {
    const { page: chair } = people.chair;
    await chair.click('#rules summary');
    assert.equal(await chair.inputValue('#speaking-time'), '3');
    assert.equal(await chair.inputValue('#speaking-time-s'), '0');
    assert.equal(await chair.isChecked('#first-turn'), true);
    await axe('chair', 'the speaking rules');
    await chair.fill('#speaking-time', '0');
    await chair.fill('#speaking-time-s', '3');
    await chair.check('#alternate');
    await chair.click('#rules-submit');
    await chair.waitForFunction(() => /enregistrées/.test(document.querySelector('#rules-form .form-status').textContent));
    const snap = await snapshot(chair);
    assert.equal(snap.settings.speaking_time, 3);
    assert.equal(snap.settings.alternate, true);
    // Give the floor to someone without a request; let them overrun.
    await chair.click('#give summary');
    await chair.selectOption('#give-to', 'lefebvre');
    await chair.click('#give-floor');
    const { page: l } = people.lefebvre;
    await l.waitForSelector('#floor[data-participant="lefebvre"]');
    await chair.waitForSelector('#floor-timer[data-over="true"]', { timeout: 8000 });
    assert.match(await chair.textContent('#floor-timer'), /dépassé de 0:0\d/);
    assert.equal(await chair.$eval('#floor-timer', (e) => getComputedStyle(e).color), 'rgb(255, 255, 255)',
        'the chair sees the overrun in red');
    await chair.click('#speaker-end');
    await chair.fill('#speaking-time', '3');
    await chair.fill('#speaking-time-s', '0');
    await chair.uncheck('#alternate');
    await chair.click('#rules-submit');
    await l.waitForSelector('#floor[data-active="false"]');
});

test('a named vote: prepared, opened, cast, changed, closed and published', async () => {
    const { page: chair } = people.chair;
    const { page: sec } = people.secretary;
    await chair.click('#vote-prepare-summary');
    await chair.fill('#vote-question', 'Approuver l’ordre du jour');
    await axe('chair', 'the form to prepare a vote');
    await chair.click('#vote-prepare-submit');
    for (const { page } of all()) {
        await page.waitForSelector('#vote-v1[data-state="prepared"]');
    }
    assert.match(await people.dubois.page.textContent('#vote-v1 .vote-meta'), /Vote nominatif · Majorité simple/);
    assert.equal(await sec.isVisible('#vote-v1 [data-action="open"]'), false, 'only the chair opens');
    await chair.click('#vote-v1 [data-action="open"]');
    for (const { page } of members()) {
        await page.waitForSelector('#ballot-v1:visible');
        await announced(page, /Vote ouvert\s*:\s*Approuver/);
    }
    await chair.waitForSelector('#progress-v1');
    assert.match(await chair.textContent('#progress-v1'), /0 sur 6 a voté/);
    assert.equal(await chair.isVisible('#ballot-v1'), false, 'the chair does not vote');

    const { page: d } = people.dubois;
    assert.equal(await d.$$eval('#ballot-v1 input[type=radio]', (l) => l.map((r) => r.labels[0].textContent)).then(String),
        'Pour,Contre,Abstention');
    // Voting without a choice says so.
    await d.click('#ballot-v1-cast');
    assert.match(await d.textContent('#ballot-v1-msg'), /Choisissez/);
    await axe('dubois', 'the ballot');
    await panelShots(d, '#votes', 'ballot-named');
    async function vote(page, choice) {
        // A ballot already cast shows what was voted, and "change my vote".
        if (await page.isVisible('#ballot-v1-change')) {
            await page.click('#ballot-v1-change');
        }
        await page.check(`#ballot-v1 input[value="${choice}"]`);
        await page.click('#ballot-v1-cast');
        await page.waitForSelector('dialog[open]');
        await page.click('dialog[open] [data-answer="yes"]');
        await page.waitForSelector(`#ballot-v1-status li[data-state="cast"]`);
    }
    await vote(d, 'yes');
    await d.waitForSelector('dialog[open]', { state: 'detached' }).catch(() => {});
    await vote(people.lefebvre.page, 'no');
    // Jean Moreau votes with the keyboard alone.
    const { page: mo } = people.moreau;
    await mo.focus('#ballot-v1-1');
    await mo.keyboard.press('ArrowUp'); // the radio group moves and checks: "Pour"
    assert.equal(await mo.isChecked('#ballot-v1-0'), true);
    await mo.keyboard.press('Tab');
    assert.equal(await mo.evaluate(() => document.activeElement.id), 'ballot-v1-cast');
    await mo.keyboard.press('Enter');
    await mo.waitForSelector('dialog[open]');
    assert.equal(await mo.evaluate(() => document.activeElement.dataset.answer), 'yes', 'the confirmation has the focus');
    await mo.keyboard.press('Enter');
    await mo.waitForSelector('#ballot-v1-status li[data-state="cast"]');
    // What was voted takes the ballot's place, and has the focus.
    await mo.waitForFunction(() => document.activeElement?.id === 'ballot-v1-done');
    assert.match(await mo.textContent('#ballot-v1-done'), /Vous avez voté «\s?Pour\s?»/);
    for (const { page } of all()) {
        await page.waitForSelector('#progress-v1[data-voted="3"]');
    }
    assert.match(await chair.textContent('#progress-v1'), /3 sur 6 ont voté/);
    // A change of mind replaces the ballot: still three.
    await vote(people.lefebvre.page, 'yes');
    assert.match(await people.lefebvre.page.textContent('#ballot-v1-status'), /a voté « Pour »/);
    // The server counts three (its count is current once the ballot is acknowledged).
    assert.equal((await snapshot(chair)).votes.find((v) => v.id === 'v1').voted, 3);
    assert.equal(await chair.$('#result-v1'), null, 'no result while the vote runs');

    await chair.click('#vote-v1 [data-action="close"]');
    await chair.waitForSelector('dialog[open]');
    await chair.click('dialog[open] [data-answer="yes"]');
    for (const { page } of all()) {
        await page.waitForSelector('#result-v1');
        assert.match(await page.textContent('#vote-v1 .vote-verdict'), /^Adopté$/);
    }
    await announced(d, /Vote clos, adopté/);
    const rows = await d.$$eval('#result-v1 tbody tr', (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
    assert.deepEqual(rows, [['Pour', '3', '2', '1'], ['Contre', '0', '0', '0'], ['Abstention', '0', '0', '0']]);
    assert.deepEqual(await d.$$eval('#result-v1 thead th', (l) => l.map((x) => x.textContent)),
        ['Réponse', 'Total', 'Bailleurs', 'Locataires']);
    await d.click('#named-v1 summary');
    assert.deepEqual(await d.$$eval('#named-v1 tbody tr', (l) => l.map((tr) => tr.dataset.voter)),
        ['dubois', 'lefebvre', 'moreau']);
    await sec.click('#vote-v1 [data-action="publish"]');
    for (const { page } of all()) {
        await page.waitForSelector('#vote-v1[data-state="published"]');
    }
    await axe('dubois', 'a named result');
    await panelShots(d, '#vote-v1', 'result-named');
});

test('a member gives a proxy to another of the same college', async () => {
    const { page: l } = people.lefebvre;
    const options = await l.$$eval('#proxy-to option', (o) => o.map((x) => x.value).filter(Boolean));
    assert.deepEqual(options, ['dubois', 'martin'], 'the same college only');
    await l.selectOption('#proxy-to', 'dubois');
    await l.click('#proxy-give');
    for (const { page } of all()) {
        await page.waitForSelector('#proxy-register li[data-from="lefebvre"][data-to="dubois"]');
    }
    assert.match(await l.textContent('#proxy-mine'), /donné pouvoir à Claire Dubois/);
    assert.match(await people.dubois.page.textContent('#proxy-mine'), /détenez le pouvoir de\s*:\s*Marc Lefebvre/);
    assert.ok(await l.isVisible('#proxy-revoke'));
    await axe('lefebvre', 'a proxy given');
    await panelShots(people.dubois.page, '#proxies', 'proxies-member');
});

test('the secretary records a paper proxy and revokes it; a member recuses and withdraws', async () => {
    const { page: sec } = people.secretary;
    await sec.click('#paper summary');
    await sec.selectOption('#paper-from', 'benali');
    const to = await sec.$$eval('#paper-to option', (o) => o.map((x) => x.value).filter(Boolean));
    assert.deepEqual(to, ['moreau', 'caron'], 'same college as the giver');
    await sec.selectOption('#paper-to', 'moreau');
    await axe('secretary', 'the paper proxy form');
    await panelShots(sec, '#proxies', 'proxies-secretary');
    await sec.click('#paper-record');
    const { page: mo } = people.moreau;
    await mo.waitForSelector('#proxy-register li[data-from="benali"]');
    assert.match(await mo.textContent('#proxy-mine'), /pouvoir de\s*:\s*Fatima Benali/);
    await sec.click('#proxy-register li[data-from="benali"] [data-action="revoke"]');
    await mo.waitForSelector('#proxy-register li[data-from="benali"]', { state: 'detached' });
    // A recusal on the current item.
    await mo.click('#recusal-toggle');
    for (const { page } of all()) {
        await page.waitForSelector('#recusal-register li[data-participant="moreau"][data-item="i1"]');
    }
    assert.match(await mo.textContent('#recusal-mine'), /déporté sur le point 1/);
    await mo.click('#recusal-toggle');
    await people.chair.page.waitForSelector('#recusal-register li[data-participant="moreau"]', { state: 'detached' });
    // The secretary declares a member's recusal, and lifts it.
    await sec.click('#recusal-for summary');
    assert.match(await sec.textContent('#recusal-for-item option[value=""]'), /point en cours \(1\./);
    await sec.click('#recusal-for-submit');
    assert.match(await sec.textContent('#recusal-for .form-status'), /Choisissez le membre/);
    await sec.selectOption('#recusal-for-member', 'lefebvre');
    await axe('secretary', 'a member’s recusal');
    await sec.click('#recusal-for-submit');
    for (const { page } of all()) {
        await page.waitForSelector('#recusal-register li[data-participant="lefebvre"][data-item="i1"]');
    }
    assert.equal(await people.lefebvre.page.textContent('#recusal-toggle'), 'Retirer mon déport');
    assert.equal(await mo.locator('#recusal-register [data-action="withdraw"]').count(), 0, 'a member lifts only their own');
    await sec.click('#recusal-register li[data-participant="lefebvre"] [data-action="withdraw"]');
    for (const { page } of all()) {
        await page.waitForSelector('#recusal-register li[data-participant="lefebvre"]', { state: 'detached' });
    }
});

test('a secret vote with a proxy; a member drops offline while voting and is counted once', async () => {
    const { page: chair } = people.chair;
    const { page: sec } = people.secretary;
    // Marc Lefebvre leaves the room: his proxy holder votes for him. Sophie
    // Martin is marked present in his stead, which keeps the landlords' quorum.
    await sec.selectOption('#mark-martin', 'present');
    await sec.click('#mark-save-martin');
    await sec.selectOption('#mark-lefebvre', 'absent');
    await sec.click('#mark-save-lefebvre');
    await chair.waitForSelector('#participants li[data-participant="lefebvre"][data-mark="absent"]');
    await chair.waitForSelector('#quorum[data-met="true"]');

    await sec.click('#vote-prepare-summary');
    await sec.fill('#vote-question', 'Lancer les trois groupes de travail');
    await sec.check('#vote-mode-secret');
    await sec.selectOption('#vote-rule', 'qualified');
    assert.ok(await sec.isVisible('#vote-share'));
    await sec.click('#vote-prepare-submit');
    await chair.waitForSelector('#vote-v2[data-state="prepared"]');
    assert.match(await chair.textContent('#vote-v2 .vote-meta'), /bulletin secret · Majorité qualifiée \(2\/3/);
    await chair.click('#vote-v2 [data-action="open"]');

    // Claire Dubois votes for herself and for Marc Lefebvre, at once.
    const { page: d } = people.dubois;
    await d.waitForSelector('#ballot-v2:visible');
    assert.match(await d.textContent('#ballot-v2 .ballot-buttons'), /Voter pour moi.*Voter pour Marc Lefebvre.*Voter pour tous \(2 bulletins\)/);
    await axe('dubois', 'a secret ballot with a proxy');
    await panelShots(d, '#vote-v2', 'ballot-secret');
    await d.check('#ballot-v2 input[value="yes"]');
    await d.click('#ballot-v2-cast-all');
    await d.waitForSelector('dialog[open]');
    assert.match(await d.textContent('dialog[open]'), /vous-même, Marc Lefebvre/);
    await d.click('dialog[open] [data-answer="yes"]');
    await d.waitForFunction(() => document.querySelectorAll('#ballot-v2-status li[data-state="cast"]').length === 2);
    const receipts = await d.$$eval('#ballot-v2-status code', (l) => l.map((c) => c.textContent));
    assert.equal(receipts.length, 2);
    for (const r of receipts) {
        assert.match(r, /^[A-Za-z0-9_-]{22}$/, 'a receipt is 16 random bytes in base64url');
    }
    // The same member on another device: the server says at the welcome that a ballot is in.
    const other = await join('Claire Dubois');
    await other.page.waitForSelector('#ballot-v2-status li[data-voter="dubois"][data-state="elsewhere"]');
    assert.match(await other.page.textContent('#ballot-v2-status li[data-voter="dubois"]'), /déjà voté/);
    assert.equal(await other.page.getAttribute('#ballot-v2-status li[data-voter="lefebvre"]', 'data-state'), 'none');
    await other.ctx.close();
    const stored = await d.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('concerto.ballot.')).sort());
    assert.deepEqual(stored, ['concerto.ballot.ccr-2021-02.v1.dubois', 'concerto.ballot.ccr-2021-02.v2.dubois',
        'concerto.ballot.ccr-2021-02.v2.lefebvre']);
    await chair.waitForSelector('#progress-v2[data-voted="2"]');

    // Jean Moreau's connection drops while he votes: the ballot waits, then goes once.
    const { ctx, page: mo } = people.moreau;
    await mo.waitForSelector('#ballot-v2:visible');
    await ctx.setOffline(true);
    await mo.waitForSelector('#conn[data-status="offline"]');
    await mo.check('#ballot-v2 input[value="no"]');
    await mo.click('#ballot-v2-cast');
    await mo.click('dialog[open] [data-answer="yes"]');
    await mo.waitForFunction(() => /Hors ligne/.test(document.querySelector('#ballot-v2-msg').textContent));
    assert.equal(await mo.getAttribute('#ballot-v2-status li', 'data-state'), 'sending');
    assert.equal((await snapshot(chair)).votes.find((v) => v.id === 'v2').voted, 2, 'nothing arrives while offline');
    await ctx.setOffline(false);
    await mo.waitForSelector('#conn[data-status="online"]', { timeout: 20000 });
    await mo.waitForSelector('#ballot-v2-status li[data-state="cast"]');
    for (const { page } of all()) {
        await page.waitForSelector('#progress-v2[data-voted="3"]');
    }
    // Sending it again, as a person unsure it went, replaces it: still three.
    await mo.click('#ballot-v2-change');
    await mo.click('#ballot-v2-cast');
    await mo.click('dialog[open] [data-answer="yes"]');
    await mo.waitForFunction(() => /enregistré/.test(document.querySelector('#ballot-v2-msg').textContent));
    const snap = await snapshot(chair);
    assert.equal(snap.votes.find((v) => v.id === 'v2').voted, 3);
    assert.equal(snap.votes.find((v) => v.id === 'v2').entitled, 6);
    assert.deepEqual(ctx.problems, []);
});

test('the secret vote is closed and published, and each receipt is found in the list', async () => {
    const { page: chair } = people.chair;
    await chair.click('#vote-v2 [data-action="close"]');
    await chair.click('dialog[open] [data-answer="yes"]');
    const { page: d } = people.dubois;
    await d.waitForSelector('#result-v2');
    assert.match(await d.textContent('#vote-v2 .vote-verdict'), /^Adopté$/, '2 for, 1 against: two thirds');
    // Two ballots in one college, one in the other: counts by college would
    // tell how they voted, so only the totals are shown, and why.
    assert.deepEqual(await d.$$eval('#result-v2 tbody tr', (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent))),
        [['Pour', '2'], ['Contre', '1'], ['Abstention', '0']]);
    assert.match(await d.textContent('#vote-v2 .vote-withheld'), /moins de 3 bulletins/);
    assert.equal(await d.$('#named-v2'), null, 'no names in a secret vote');
    assert.match(await d.textContent('#vote-v2 .receipt-box'), /dès la publication/);
    assert.equal(await d.isVisible('#check-v2'), false, 'nothing to check before publication');

    await chair.click('#vote-v2 [data-action="publish"]');
    await d.waitForSelector('#check-v2:visible');
    await d.click('#check-v2');
    await d.waitForFunction(() => document.querySelectorAll('#receipt-check-v2 li[data-match="true"]').length === 2);
    const mine = await d.$$eval('#ballot-v2-status code, #receipt-check-v2 li', (l) => l.map((x) => x.dataset.receipt)
        .filter(Boolean));
    await d.click('.receipt-list summary');
    const listed = await d.$$eval('table.receipts tbody tr', (l) => l.map((tr) => tr.dataset.receipt));
    assert.equal(listed.length, 3);
    for (const r of mine) {
        assert.ok(listed.includes(r), `receipt ${r} is in the published list`);
    }
    assert.equal(await d.locator('table.receipts tr.mine').count(), 2);
    const { page: mo } = people.moreau;
    await mo.click('#check-v2');
    await mo.waitForSelector('#receipt-check-v2 li[data-match="true"]');
    assert.match(await mo.textContent('#receipt-check-v2'), /figure dans la liste avec le choix « Contre »/);
    await axe('dubois', 'a secret result and the receipts');
    await panelShots(d, '#vote-v2', 'result-secret');
    for (const { page } of all()) {
        await narrow(page, 'a page after the votes');
    }
});

test('the chair closes the meeting; the pages follow', async () => {
    const { page: chair } = people.chair;
    await chair.click('#cmd-meeting-close');
    await chair.click('#close-confirm');
    for (const { page } of all()) {
        await page.waitForSelector('#meeting-state[data-state="closed"]');
        await page.waitForSelector('li[data-item="i1"][data-state="done"]');
    }
    assert.match(await chair.textContent('#agenda-current'), /Aucun point/);
    assert.equal(await chair.getAttribute('#agenda-open-next', 'aria-disabled'), 'true');
    assert.equal(await people.dubois.page.isVisible('#speak-mine'), false, 'no more requests to speak');
    assert.equal(await people.secretary.page.isVisible('#agenda-add'), false);
    // The register still lists the proxies, but offers nothing to change after the close.
    const sec = people.secretary.page;
    await sec.waitForSelector('#proxy-register li[data-from="lefebvre"]', { state: 'attached' });
    assert.deepEqual(await sec.$$eval('#proxy-register [data-action="revoke"], #recusal-register button',
        (bs) => bs.filter((b) => !b.hidden).length), 0, 'no revoke or withdraw button after the close');
    assert.equal(await people.moreau.page.$eval('#proxy-give-box', (el) => el.hidden), true, 'no proxy to give');
    assert.equal(await people.lefebvre.page.$eval('#proxy-revoke', (el) => el.hidden), true, 'no proxy to revoke');
    for (const who of ['chair', 'secretary', 'dubois']) {
        await axe(who, 'the meeting closed');
        await screenshots(people[who].page, `session-${who === 'dubois' ? 'member' : who}`);
    }
    for (const { ctx } of all()) {
        assert.deepEqual(ctx.problems, []);
    }
});

test('the pages speak English too', async () => {
    const { page } = people.dubois;
    await page.click('#lang-switch');
    await page.waitForSelector('html[lang="en"]');
    assert.match(await page.textContent('#agenda-h'), /Agenda/);
    assert.match(await page.textContent('#vote-v1 .vote-verdict'), /^Adopted$/);
    assert.match(await page.textContent('#result-v1 tbody tr'), /For/);
    assert.match(await page.textContent('li[data-item="i1"] .item-state'), /Done/);
    assert.deepEqual(await seriousViolations(page), []);
    await page.click('#lang-switch');
    await page.waitForSelector('html[lang="fr"]');
});
