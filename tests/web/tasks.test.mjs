// SPDX-License-Identifier: AGPL-3.0-or-later
//
// What each person must do now, on the screens they use: the chair on a
// desktop (1366x768), a member on a phone (360x740). The status line, the
// prompt of the moment (a vote that opens, the floor given, checking in, a
// result published, a closed meeting), the sections of the phone page, the
// ballot's confirmation in its place, the chair's questions before a step
// with consequences, the device that remembers the link, the video room that
// explains itself, and no sideways scroll at 200 % text. axe-core checks each
// moment; screenshots of the viewport (what the person sees without
// scrolling) go to artifacts/tasks-*.png.
//
// Every wait is on what the page shows, never on a fixed delay.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, launchBrowser, newContext, seriousViolations, overflowsX, ARTIFACTS } from './harness.mjs';

const PHONE = { width: 360, height: 740 };
const DESK = { width: 1366, height: 768 };

let server;
let browser;
const people = {};

async function join(name, viewport) {
    const l = server.links.find((x) => x.name === name);
    assert.ok(l, `a link for ${name}`);
    const ctx = await newContext(browser, server.base, { viewport, hasTouch: viewport === PHONE });
    // navigator.vibrate, recorded: the page asks for it, the test reads it.
    await ctx.addInitScript(() => {
        window.vibrations = [];
        Object.defineProperty(navigator, 'vibrate', { value: (p) => {
            window.vibrations.push(p);
            return true;
        } });
    });
    const page = await ctx.newPage();
    await page.goto(l.url);
    await page.waitForSelector('#conn[data-status="online"]');
    await page.waitForSelector('#status-line');
    return { ctx, page, link: l };
}

async function shot(page, name) {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    await page.screenshot({ path: path.join(ARTIFACTS, `tasks-${name}.png`) });
}

async function axe(page, what) {
    assert.deepEqual(await seriousViolations(page), [], what);
}

// Whether the element is within the viewport (the person sees it without scrolling).
async function inView(page, selector) {
    return page.locator(selector).evaluate((el) => {
        const r = el.getBoundingClientRect();
        return r.height > 0 && r.top >= 0 && r.bottom <= innerHeight + 1;
    });
}

// Answer the modal question that is open with `answer` ('yes' or 'no'); returns its text.
async function answer(page, ans) {
    const dialog = page.locator('dialog[open]');
    await dialog.waitFor();
    const text = await dialog.textContent();
    await dialog.locator(ans === 'yes' ? '[data-answer="yes"], #close-confirm' : '[data-answer="no"], #close-cancel')
        .click();
    await page.waitForSelector('dialog[open]', { state: 'detached' }).catch(() => {});
    await page.waitForFunction(() => !document.querySelector('dialog[open]'));
    return text;
}

before(async () => {
    server = await startServer();
    browser = await launchBrowser();
});

after(async () => {
    await browser?.close();
    await server?.stop();
});

test('the chair opening an empty meeting is told the quorum is missing, and may go on', async () => {
    people.chair = await join('Hélène Vasseur', DESK);
    const { page } = people.chair;
    assert.match(await page.textContent('#status-state'), /programmée/);
    await page.click('#cmd-meeting-open');
    const text = await answer(page, 'no');
    assert.match(text, /quorum n’est pas atteint/);
    assert.match(await page.textContent('#status-state'), /programmée/, 'answering no changes nothing');
    await page.click('#cmd-meeting-open');
    await answer(page, 'yes');
    await page.waitForFunction(() => document.querySelector('#status-state').dataset.state === 'open');
    await axe(page, 'the chair, meeting open');
    await shot(page, 'chair-open-1366');
});

test('a member on a phone gets sections, not one long column, and is asked to check in', async () => {
    people.dubois = await join('Claire Dubois', PHONE);
    const { page } = people.dubois;
    assert.ok(await page.isVisible('#sections'), 'the sections bar on a phone');
    assert.equal(await page.getAttribute('#nav-floor', 'aria-pressed'), 'true');
    assert.ok(await page.isVisible('#speakers'));
    assert.equal(await page.isVisible('#agenda'), false, 'one section at a time');
    assert.equal(await page.isVisible('#votes'), false);
    // The task of the moment: checking in, one tap.
    await page.waitForFunction(() => document.querySelector('#prompt')?.dataset.kind === 'checkin');
    assert.ok(await inView(page, '#prompt-go'), 'the check-in button is on the first screen');
    await shot(page, 'member-checkin-360');
    await axe(page, 'a member on a phone, before checking in');
    await page.click('#prompt-go');
    await page.waitForFunction(() => document.querySelector('#prompt').hidden
        || document.querySelector('#prompt').dataset.kind !== 'checkin');
    // The agenda, one tap away, its descriptions folded.
    await page.click('#nav-agenda');
    assert.ok(await page.isVisible('#agenda'));
    assert.equal(await page.isVisible('#speakers'), false);
    assert.equal(await page.locator('.item-desc').first().isVisible(), false, 'descriptions are folded');
    assert.ok(await page.locator('.item-more summary').first().isVisible());
    await shot(page, 'member-agenda-360');
    // Check-in from here is the person's own, not "in the room".
    await people.chair.page.waitForFunction(() => /émargé en ligne/.test(
        document.querySelector('#attendance')?.textContent || ''));
    await page.click('#nav-floor');
});

test('nothing scrolls sideways at 360 px, at 200 % text', async () => {
    const { page } = people.dubois;
    assert.equal(await overflowsX(page), false);
    await page.evaluate(() => {
        document.documentElement.style.fontSize = '200%';
    });
    for (const s of ['floor', 'vote', 'agenda', 'people', 'minutes']) {
        await page.click(`#nav-${s}`);
        assert.equal(await overflowsX(page), false, `section ${s} at 200 %`);
    }
    await shot(page, 'member-200pc-360');
    await page.evaluate(() => {
        document.documentElement.style.fontSize = '';
    });
    await page.click('#nav-floor');
});

test('a vote that opens reaches the member: banner, tab title, vibration, the ballot in view', async () => {
    people.lefebvre = await join('Marc Lefebvre', PHONE);
    people.moreau = await join('Jean Moreau', PHONE);
    const { page: chair } = people.chair;
    await chair.click('#agenda-open-next');
    await chair.waitForFunction(() => /Point 1/.test(document.querySelector('#status-item').textContent));
    // Prepare a vote from the defaults, open it.
    await chair.click('#vote-prepare-summary');
    await chair.fill('#vote-question', 'Approuvez-vous l’ordre du jour ?');
    await chair.click('#vote-prepare-submit');
    await chair.waitForSelector('#vote-v1');
    await chair.waitForFunction(() => document.querySelector('#attendance-total')?.dataset.present === '3');
    const met = await chair.$eval('#status-quorum', (e) => e.dataset.met === 'true');
    await chair.click('#vote-v1 [data-action="open"]');
    if (!met) {
        // Without the quorum the chair is told so, and may go on.
        assert.match(await answer(chair, 'yes'), /quorum n’est pas atteint/);
    }
    await chair.waitForFunction(() => document.querySelector('#vote-v1')?.dataset.state === 'open');

    const { page } = people.dubois;
    await page.waitForFunction(() => document.querySelector('#prompt')?.dataset.kind === 'vote');
    assert.ok(await inView(page, '#prompt-go'), 'the banner is on the screen, wherever the page was');
    assert.match(await page.title(), /^Vote ouvert — /);
    assert.deepEqual(await page.evaluate(() => window.vibrations.length), 1);
    assert.match(await page.textContent('#nav-vote'), /à faire/);
    await shot(page, 'member-vote-opened-360');
    await axe(page, 'a member, a vote open');
    await page.click('#prompt-go');
    await page.waitForFunction(() => document.activeElement?.closest('#ballot-v1'));
    assert.ok(await page.isVisible('#votes'));
    assert.ok(await inView(page, '#ballot-v1-choices legend'), 'the ballot is in view');
    await page.check('#ballot-v1 input[value="yes"]');
    await page.click('#ballot-v1-cast');
    await answer(page, 'yes');
    // The confirmation takes the ballot's place, in view; the banner goes.
    await page.waitForSelector('#ballot-v1-done:not([hidden])');
    assert.match(await page.textContent('#ballot-v1-done'), /Vous avez voté «\s?Pour\s?»/);
    assert.ok(await inView(page, '#ballot-v1-done'));
    assert.equal(await page.isVisible('#ballot-v1-cast'), false, '"Voter" is no longer the thing to do');
    await page.waitForFunction(() => document.querySelector('#prompt').dataset.kind !== 'vote'
        || document.querySelector('#prompt').hidden);
    assert.doesNotMatch(await page.title(), /Vote ouvert/);
    await shot(page, 'member-voted-360');
    await axe(page, 'a member who voted');
    // Changing it brings the ballot back.
    await page.click('#ballot-v1-change');
    assert.ok(await page.isVisible('#ballot-v1-cast'));
    await page.check('#ballot-v1 input[value="no"]');
    await page.click('#ballot-v1-cast');
    await answer(page, 'yes');
    await page.waitForFunction(() => /«\s?Contre\s?»/.test(document.querySelector('#ballot-v1-done')?.textContent || '')
        && !document.querySelector('#ballot-v1-done').hidden);
    // Two others vote so the result has columns for both colleges.
    for (const who of ['lefebvre', 'moreau']) {
        const p = people[who].page;
        await p.waitForFunction(() => document.querySelector('#prompt')?.dataset.kind === 'vote');
        await p.click('#prompt-go');
        await p.check('#ballot-v1 input[value="yes"]');
        await p.click('#ballot-v1-cast');
        await answer(p, 'yes');
        await p.waitForSelector('#ballot-v1-done:not([hidden])');
    }
});

test('the chair closes and publishes; members see the result published, every column in view', async () => {
    const { page: chair } = people.chair;
    await chair.waitForFunction(() => document.querySelector('#progress-v1')?.dataset.voted === '3');
    await chair.click('#vote-v1 [data-action="close"]');
    await answer(chair, 'yes');
    await chair.waitForSelector('#vote-v1[data-state="closed"]');
    await chair.click('#vote-v1 [data-action="publish"]');
    const { page } = people.dubois;
    await page.waitForFunction(() => document.querySelector('#prompt')?.dataset.kind === 'result');
    assert.match(await page.textContent('#prompt-text'), /Résultat publié/);
    await page.click('#prompt-go');
    await page.waitForSelector('#result-v1');
    const fits = await page.locator('#result-v1').evaluate((t) => t.scrollWidth <= t.parentElement.clientWidth + 1);
    assert.ok(fits, 'the results table shows every college without scrolling');
    await shot(page, 'member-result-360');
    await axe(page, 'a member, result published');
});

test('the prepare form starts from the defaults; a choice vote speaks of options', async () => {
    const { page } = people.chair;
    await page.click('#vote-mode-secret');
    await page.selectOption('#vote-rule', 'absolute');
    await page.fill('#vote-question', 'Vote secret');
    await page.click('#vote-prepare-submit');
    await page.waitForSelector('#vote-v2');
    await page.waitForFunction(() => /Vote secret/.test(document.querySelector('#vote-prepare-status').textContent));
    assert.ok(await page.isChecked('#vote-mode-named'), 'back to a named vote');
    assert.equal(await page.inputValue('#vote-rule'), 'simple');
    await page.click('#vote-kind-choice');
    const labels = await page.locator('#vote-rule option:not([hidden])').allTextContents();
    assert.ok(labels.every((x) => !/pour que de contre/.test(x)), labels.join(' | '));
    assert.match(labels[0], /le plus de voix/);
    await page.click('#vote-kind-yesno');
});

test('the floor given to a member: banner and tab title, on the phone', async () => {
    const { page } = people.dubois;
    await page.click('#nav-floor');
    // The kinds of request explain themselves.
    assert.match(await page.textContent('label[for="speak-kind-reply"]'), /répondre/);
    assert.match(await page.textContent('label[for="speak-kind-point_of_order"]'), /déroulement/);
    await page.click('#speak-ask');
    await people.chair.page.waitForSelector('#queue [data-participant]');
    await people.chair.page.click('#speaker-next');
    await page.waitForFunction(() => document.querySelector('#prompt')?.dataset.kind === 'turn');
    assert.match(await page.title(), /^À vous de parler — /);
    assert.match(await page.textContent('#status-floor'), /vous/);
    assert.ok(await inView(page, '#prompt-text'));
    // With the floor, asking for it again is no longer offered; it comes back after.
    assert.equal(await page.isVisible('#speak-ask'), false);
    await shot(page, 'member-turn-360');
    await axe(page, 'a member with the floor');
    await people.chair.page.click('#speaker-end');
    await page.waitForFunction(() => document.querySelector('#prompt')?.dataset.kind !== 'turn');
    await page.waitForSelector('#speak-ask:not([hidden])');
});

test('a request made offline says it will be sent', async () => {
    const { ctx, page } = people.lefebvre;
    await page.click('#nav-floor');
    await ctx.setOffline(true);
    await page.waitForSelector('#conn[data-status="offline"]');
    await page.click('#speak-ask');
    await page.waitForFunction(() => /Hors ligne/.test(document.querySelector('#status-pending').textContent));
    assert.ok(await inView(page, '#status-pending'));
    await shot(page, 'member-offline-360');
    await ctx.setOffline(false);
    await page.waitForFunction(() => document.querySelector('#status-pending').hidden);
    await page.waitForSelector('#speak-withdraw:not([hidden])');
    await page.click('#speak-withdraw');
});

test('moving on from an item of kind vote without a vote asks first', async () => {
    const { page } = people.chair;
    // Item 1 had its vote: no question. Item 2 is information; item 7 is of kind vote.
    await page.click('#agenda-open-next');
    await page.waitForFunction(() => /Point 2/.test(document.querySelector('#status-item').textContent));
    const seven = page.locator('.agenda-item[data-item]').filter({ hasText: 'Lancement de trois groupes' }).first();
    await seven.locator(':scope > .item-tools > summary').click();
    await seven.locator(':scope > .item-tools [data-action="open"]').click();
    await page.waitForFunction(() => /Lancement/.test(document.querySelector('#status-item').textContent));
    await page.click('#agenda-open-next');
    const text = await answer(page, 'no');
    assert.match(text, /aucun vote n’a eu lieu/);
    assert.match(await page.textContent('#status-item'), /Lancement/, 'still on the item');
});

test('closing the meeting names what is left; after it, a closed meeting shows as closed', async () => {
    const { page } = people.chair;
    await page.click('#cmd-meeting-close');
    const dialog = page.locator('#close-dialog');
    await dialog.waitFor();
    const text = await dialog.textContent();
    assert.match(text, /points jamais traités/);
    assert.match(text, /vote préparé jamais ouvert.*Vote secret/);
    await shot(page, 'chair-close-1366');
    await axe(page, 'the chair closing');
    await page.click('#close-confirm');
    const { page: m } = people.dubois;
    await m.waitForFunction(() => document.querySelector('#prompt')?.dataset.kind === 'closed');
    assert.match(await m.textContent('#prompt-text'), /levée/);
    assert.equal(await m.isVisible('#speak-ask'), false);
    await page.waitForFunction(() => document.querySelector('.layout')?.dataset.meeting === 'closed');
    assert.equal(await page.isVisible('#agenda-open-next'), false, 'no controls left that do nothing');
    assert.equal(await page.isVisible('#speaker-next'), false);
    await shot(page, 'chair-closed-1366');
    await shot(m, 'member-closed-360');
    await axe(m, 'a member, meeting closed');
});

test('"remember me" keeps the link on this device, and "forget" removes it', async () => {
    const { ctx, page } = people.moreau;
    const meeting = people.moreau.link.meeting;
    // Without it, a new tab has no link.
    const bare = await ctx.newPage();
    await bare.goto(`${server.base}/m/${meeting}`);
    await bare.waitForSelector('#stop-text');
    assert.match(await bare.textContent('h1'), /Lien incomplet/);
    await bare.close();
    await page.click('#device summary');
    await page.check('#remember-me');
    assert.ok(await page.isVisible('#forget-device'));
    await shot(page, 'member-device-360');
    const again = await ctx.newPage();
    await again.goto(`${server.base}/m/${meeting}`);
    await again.waitForSelector('#conn[data-status="online"]');
    assert.match(await again.textContent('#you'), /Jean Moreau/);
    await axe(again, 'a remembered device');
    await again.click('#device summary');
    await again.click('#forget-device');
    await again.waitForSelector('#stop-text');
    assert.match(await again.textContent('h1'), /Appareil oublié/);
    assert.deepEqual(await again.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('concerto.remember'))),
        []);
    await again.close();
});

test('the video room says what to do when it stays grey', async () => {
    const { page } = people.chair;
    assert.ok(await page.isVisible('#room-trouble'));
    assert.match(await page.textContent('#room-trouble'), /nouvelle fenêtre/);
    assert.ok(await page.isVisible('#room-open'));
    assert.deepEqual(people.chair.ctx.problems, []);
    assert.deepEqual(people.dubois.ctx.problems, []);
});
