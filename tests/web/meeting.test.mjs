// SPDX-License-Identifier: AGPL-3.0-or-later
//
// The meeting page against the real server: a chair and two members, each in
// a browser context of their own, from the links the demo prints.
// The tests run in order and share the meeting, as the people would.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newContext, seriousViolations, screenshots, overflowsX } from './harness.mjs';

let server;
let browser;
const people = {}; // name -> {ctx, page, link}

async function join(link) {
    const ctx = await newContext(browser, server.base);
    const page = await ctx.newPage();
    await page.goto(link.url);
    await page.waitForSelector('#conn[data-status="online"]');
    await page.waitForSelector('#attendance-total');
    return { ctx, page, link };
}

async function attendance(page) {
    return page.$eval('#attendance-total', (el) => ({ present: +el.dataset.present, total: +el.dataset.total }));
}

async function waitAttendance(page, present) {
    await page.waitForFunction((n) => document.querySelector('#attendance-total')?.dataset.present === String(n),
        present);
}

function link(role, nth = 0) {
    const l = server.links.filter((x) => x.role === role)[nth];
    assert.ok(l, `the demo prints a ${role} link (#${nth + 1}): ${server.output()}`);
    return l;
}

before(async () => {
    server = await startServer();
    browser = await launchBrowser();
});

after(async () => {
    await browser?.close();
    await server?.stop();
});

test('the chair joins from the link and the token leaves the address bar', async () => {
    const chair = link('chair');
    people.chair = await join(chair);
    const { page } = people.chair;
    assert.equal(new URL(page.url()).hash, '');
    assert.ok(!page.url().includes(chair.token));
    const stored = await page.evaluate(() => Object.entries(sessionStorage));
    assert.ok(stored.some(([, v]) => v === chair.token), 'the token is kept in sessionStorage');
    assert.equal(await page.getAttribute('html', 'lang'), 'fr');
    assert.equal(await page.getAttribute('#meeting-state', 'data-state'), 'scheduled');
    assert.match(await page.textContent('#you'), new RegExp(chair.name));
    assert.equal(await page.getAttribute('#cmd-meeting-open', 'aria-disabled'), 'false');
    for (const id of ['suspend', 'resume', 'close']) {
        assert.equal(await page.getAttribute(`#cmd-meeting-${id}`, 'aria-disabled'), 'true', id);
    }
});

test('two members join and the chair sees them arrive', async () => {
    const before0 = await attendance(people.chair.page);
    people.m1 = await join(link('member', 0));
    people.m2 = await join(link('member', 1));
    await waitAttendance(people.chair.page, before0.present + 2);
    for (const who of ['m1', 'm2']) {
        const { page, link: l } = people[who];
        assert.equal(new URL(page.url()).hash, '');
        assert.equal(await page.$('#chair'), null, 'members have no chair controls');
        await waitAttendance(page, before0.present + 2);
        const li = `#participants li[data-participant] >> text=${l.name}`;
        assert.ok(await page.$(li), `${l.name} is listed`);
    }
    const college = link('member', 0).college;
    const count = await people.chair.page.$eval(`[data-college="${college}"] .count`, (el) => +el.dataset.present);
    assert.ok(count >= 1, `the ${college} college counts its member`);
});

test('the chair opens the meeting and the members see it', async () => {
    await people.chair.page.click('#cmd-meeting-open');
    // Without the quorum the chair is asked first, and goes on.
    if (await people.chair.page.isVisible('dialog[open]')) {
        await people.chair.page.click('dialog[open] [data-answer="yes"]');
    }
    for (const who of ['chair', 'm1', 'm2']) {
        const { page } = people[who];
        await page.waitForSelector('#meeting-state[data-state="open"]');
        assert.equal((await page.textContent('#meeting-state')).trim(), 'Séance ouverte');
        await page.waitForFunction(() => document.querySelector('#announcer').textContent.includes('ouverte'));
    }
    const page = people.chair.page;
    await page.waitForSelector('#cmd-meeting-suspend[aria-disabled="false"]');
    assert.equal(await page.getAttribute('#cmd-meeting-open', 'aria-disabled'), 'true');
    assert.equal(await page.getAttribute('#cmd-meeting-close', 'aria-disabled'), 'false');
    assert.equal(await page.getAttribute('#cmd-meeting-resume', 'aria-disabled'), 'true');
});

test('a disabled lifecycle button does nothing', async () => {
    const page = people.chair.page;
    // A person can still click it: force past Playwright's own aria-disabled check.
    const before = await page.evaluate(() => window.concerto.conn.nextId);
    await page.click('#cmd-meeting-resume', { force: true });
    assert.equal(await page.evaluate(() => window.concerto.conn.nextId), before, 'no command was made');
    assert.equal(await page.getAttribute('#meeting-state', 'data-state'), 'open');
    assert.equal(await page.$('.notice'), null);
});

test('axe finds nothing serious on the chair and member views; screenshots', async () => {
    for (const who of ['chair', 'm1']) {
        const { page } = people[who];
        assert.deepEqual(await seriousViolations(page), [], who);
        await screenshots(page, who === 'chair' ? 'chair' : 'member');
        await page.setViewportSize({ width: 360, height: 740 });
        assert.equal(await overflowsX(page), false, `${who} at 360 px scrolls sideways`);
        await page.setViewportSize({ width: 1280, height: 900 });
    }
});

test('the video room can be hidden, and opened in a window of its own', async () => {
    const { page } = people.m1;
    const src = await page.getAttribute('#room-frame', 'src');
    assert.match(src, /^https:\/\//);
    assert.equal(await page.getAttribute('#room-frame', 'allow'), 'camera; microphone; display-capture');
    assert.ok(await page.getAttribute('#room-frame', 'title'));
    assert.equal(await page.getAttribute('#room-open', 'target'), '_blank');
    assert.equal((await page.getAttribute('#room-open', 'href')).split('#')[0], src.split('#')[0]);
    await page.click('#room-toggle');
    assert.equal(await page.$('#room-frame'), null, 'hiding removes the frame, and so camera and microphone');
    assert.equal(await page.getAttribute('#room-toggle', 'aria-expanded'), 'false');
    await page.reload();
    await page.waitForSelector('#conn[data-status="online"]');
    assert.equal(await page.$('#room-frame'), null, 'still hidden after a reload');
    await page.click('#room-toggle');
    await page.waitForSelector('#room-frame');
});

test('attendance drops when a member closes the page, after the grace period', async () => {
    const { page } = people.chair;
    // The server waits `grace` seconds for a dropped participant to come back
    // (30 by default); the chair shortens it for this test.
    await page.evaluate(() => window.concerto.conn.command('meeting.configure', { grace: 2 }));
    const before1 = await attendance(page);
    const gone = people.m2.link;
    await people.m2.ctx.close();
    delete people.m2;
    await page.waitForTimeout(500);
    assert.equal((await attendance(page)).present, before1.present, 'still counted within the grace period');
    await waitAttendance(page, before1.present - 1);
    const li = await page.$(`#participants li[data-participant]:has-text("${gone.name}")`);
    assert.equal(await li.getAttribute('data-present'), 'false');
    await waitAttendance(people.m1.page, before1.present - 1);
});

test('a member who goes offline comes back and catches up', async () => {
    const { ctx, page } = people.m1;
    await page.emulateMedia({ reducedMotion: 'reduce' });
    await ctx.setOffline(true);
    await page.waitForSelector('#conn[data-status="offline"]');
    assert.equal(await page.$eval('.conn-dot', (el) => getComputedStyle(el).animationName), 'none',
        'no blinking for people who asked for reduced motion');
    // Meanwhile the chair suspends the meeting.
    await people.chair.page.click('#cmd-meeting-suspend');
    await people.chair.page.waitForSelector('#meeting-state[data-state="suspended"]');
    await page.waitForTimeout(300);
    assert.equal(await page.getAttribute('#meeting-state', 'data-state'), 'open', 'offline pages hear nothing');
    await ctx.setOffline(false);
    await page.waitForSelector('#conn[data-status="online"]', { timeout: 20000 });
    await page.waitForSelector('#meeting-state[data-state="suspended"]');
    assert.match(await page.textContent('#conn'), /Connecté/);
    // The state is the server's: compare with a fresh snapshot over HTTP.
    const snap = await page.evaluate(async () => {
        const meeting = location.pathname.split('/').pop();
        const token = sessionStorage.getItem(`concerto.token.${meeting}`);
        const res = await fetch(`/api/meetings/${meeting}`, { headers: { Authorization: `Bearer ${token}` } });
        return res.json();
    });
    assert.equal(snap.meeting.state, 'suspended');
    const shown = await attendance(page);
    assert.equal(shown.total, snap.attendance.total);
    assert.equal(shown.present, snap.attendance.present);
    assert.equal(await page.getAttribute('#quorum', 'data-met'), String(snap.attendance.quorum.met));
    assert.deepEqual(ctx.problems, []);
});

test('the language switch turns the page to English and is remembered', async () => {
    const { page } = people.m1;
    await page.click('#lang-switch');
    await page.waitForSelector('html[lang="en"]');
    assert.equal((await page.textContent('#meeting-state')).trim(), 'Suspended');
    assert.equal((await page.textContent('#lang-switch')).trim(), 'Français');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'lang-switch', 'focus stays on the switch');
    assert.match(await page.textContent('#participants-h'), /Participants/);
    assert.match(await page.textContent('#conn'), /Connected/);
    // A reload keeps both the language and the session (token from sessionStorage).
    await page.reload();
    await page.waitForSelector('#conn[data-status="online"]');
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    assert.match(await page.textContent('#room-h'), /Video conference/);
    assert.deepEqual(await seriousViolations(page), []);
    await page.click('#lang-switch');
    await page.waitForSelector('html[lang="fr"]');
});

test('the chair resumes and closes the meeting with the keyboard alone', async () => {
    const { page } = people.chair;
    await page.keyboard.press('Escape');
    await page.evaluate(() => document.activeElement?.blur());
    async function tabTo(id) {
        for (let i = 0; i < 40; i++) {
            await page.keyboard.press('Tab');
            if (await page.evaluate((x) => document.activeElement?.id === x, id)) {
                return;
            }
        }
        assert.fail(`Tab never reaches #${id}`);
    }
    await tabTo('cmd-meeting-resume');
    assert.notEqual(await page.$eval('#cmd-meeting-resume', (el) => getComputedStyle(el).outlineStyle), 'none',
        'the keyboard focus is visible');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#meeting-state[data-state="open"]');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'cmd-meeting-resume', 'focus stays');
    await tabTo('cmd-meeting-close');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#close-dialog[open]');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'close-cancel', 'the safe choice has focus');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'close-confirm');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#meeting-state[data-state="closed"]');
    await people.m1.page.waitForSelector('#meeting-state[data-state="closed"]');
    for (const id of ['open', 'suspend', 'resume', 'close']) {
        assert.equal(await page.getAttribute(`#cmd-meeting-${id}`, 'aria-disabled'), 'true', id);
    }
    assert.deepEqual(people.chair.ctx.problems, []);
});

test('a refused command is explained in words', async () => {
    const { page } = people.m1;
    // A member sends a chair's command by hand: the server refuses, the page says why.
    await page.evaluate(() => window.concerto.conn.command('meeting.open').catch((e) => {
        window.concerto.conn.dispatchEvent(new CustomEvent('error', { detail: e }));
    }));
    await page.waitForSelector('.notice');
    const text = await page.textContent('.notice');
    assert.match(text, /rôle ne permet pas|n’est pas possible/);
    await page.click('.notice-close');
    assert.equal(await page.$('.notice'), null);
});

test('a bad invitation link says so', async () => {
    const ctx = await newContext(browser, server.base);
    const page = await ctx.newPage();
    const m = link('chair').meeting;
    await page.goto(`${server.base}/m/${m}#t=${'A'.repeat(43)}`);
    await page.waitForSelector('#stop-text');
    assert.match(await page.textContent('h1'), /Lien non valable/);
    assert.equal(new URL(page.url()).hash, '');
    const again = await ctx.newPage();
    await again.goto(`${server.base}/m/${m}`);
    await again.waitForSelector('#stop-text');
    assert.match(await again.textContent('h1'), /Lien incomplet/);
    await ctx.close();
});
