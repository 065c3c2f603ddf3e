// SPDX-License-Identifier: AGPL-3.0-or-later
//
// The minutes (procès-verbal) of a meeting held through the pages, against
// the real server, from the first entry to the signed files: the chair, the
// secretary and two members, each in a browser context of their own. The
// secretary writes from the keyboard (Alt+Shift+M, Ctrl+Enter, Escape),
// picks speakers and items, edits and deletes; the members read every entry
// live, the server's automatic entries among them; the meeting is closed,
// the secretary finalises (and a late entry from an offline device is
// refused in words), the record is downloaded
// through the page and checked with minisign, `concerto verify` and
// pdftotext. The demo commission approves its minutes at the next meeting:
// a second meeting is made, its chair approves them without objection on
// the approval item, and the secretariat's page says so. axe-core checks
// each view; the panel is photographed at 1280 and 360 px in artifacts/.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, launchBrowser, newContext, seriousViolations, panelShots, REPO,
    narrow, announced, snapshot }
    from './harness.mjs';

const BIN = process.env.CONCERTO_BIN || path.join(REPO, 'build', 'concerto');

let server;
let browser;
const people = {}; // key -> {ctx, page, link}

async function join(name) {
    const l = server.links.find((x) => x.name === name);
    assert.ok(l, `the demo prints a link for ${name}: ${server.output()}`);
    const ctx = await newContext(browser, server.base);
    const page = await ctx.newPage();
    await page.goto(l.url);
    await page.waitForSelector('#conn[data-status="online"]');
    await page.waitForSelector('#minutes');
    return { ctx, page, link: l };
}

const all = () => Object.values(people);

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

test('the meeting opens, an item is current and two members speak', async () => {
    people.chair = await join('Hélène Vasseur');
    people.secretary = await join('Thomas Leroy');
    people.dubois = await join('Claire Dubois');
    people.moreau = await join('Jean Moreau');
    const { page: chair } = people.chair;
    for (const { page } of all()) {
        assert.match(await page.textContent('#minutes-state'), /Rédaction en cours/);
    }
    assert.match(await people.secretary.page.textContent('#minutes-finalize-note'), /une fois la séance levée/);
    await chair.click('#cmd-meeting-open');
    // Without the quorum the chair is asked first, and goes on.
    if (await chair.isVisible('dialog[open]')) {
        await chair.click('dialog[open] [data-answer="yes"]');
    }
    await chair.click('#agenda-open-next');
    await people.dubois.page.waitForSelector('li[data-item="i1"][aria-current="true"]');
    await people.dubois.page.click('#speak-ask');
    await people.moreau.page.click('#speak-ask');
    await chair.waitForFunction(() => document.querySelectorAll('#queue > li').length === 2);
    await chair.click('#speaker-next');
    await chair.waitForSelector('#floor[data-participant="dubois"]');
    await chair.click('#speaker-next');
    await chair.waitForSelector('#floor[data-participant="moreau"]');
    await chair.click('#speaker-end');
    await chair.waitForSelector('#floor[data-active="false"]');
    // The server's account of it reaches every page without a reload.
    for (const { page } of all()) {
        await page.waitForFunction(() => /Ouverture de la séance\./.test(document.querySelector('#minutes-feed').textContent));
    }
});

test('the secretary writes the minutes from the keyboard; everyone reads them live', async () => {
    const { page: sec } = people.secretary;
    const { page: d } = people.dubois;
    // From anywhere on the page, Alt+Shift+M goes to the editor.
    await sec.focus('#speak-ask');
    await sec.keyboard.press('Alt+Shift+M');
    assert.equal(await sec.evaluate(() => document.activeElement.id), 'minutes-text');
    await sec.click('#minutes-shortcuts summary');
    assert.match(await sec.textContent('#minutes-shortcuts'), /Ctrl\s*\+\s*Entrée.*Échap.*Alt\s*\+\s*Maj\s*\+\s*M/s);
    await sec.focus('#minutes-text');
    await sec.keyboard.type('Le quorum est vérifié ; la séance peut délibérer.');
    await sec.keyboard.press('Control+Enter');
    for (const { page } of all()) {
        await page.waitForSelector('#minutes li.minute[data-entry="e1"]');
    }
    assert.equal(await sec.inputValue('#minutes-text'), '', 'the editor is ready for the next entry');
    assert.equal(await sec.evaluate(() => document.activeElement.id), 'minutes-text');
    assert.match(await d.textContent('#minutes li[data-entry="e1"]'), /^\d\d:\d\d\s+Le quorum est vérifié/);
    // Stamped with the time of its event, on the current item.
    const e1 = (await snapshot(d)).minutes.find((e) => e.entry === 'e1');
    assert.equal(e1.item, 'i1');
    assert.equal(await d.getAttribute('#minutes li[data-entry="e1"] time', 'datetime'), new Date(e1.ts).toISOString());

    // Speakers picked from the participants, and another item chosen.
    await sec.fill('#minutes-speaker-filter', 'dub');
    assert.deepEqual(await sec.$$eval('#minutes-speaker-picks input', (l) => l.map((x) => x.value)), ['dubois']);
    await sec.check('#minutes-sp-dubois');
    await sec.fill('#minutes-speaker-filter', 'moreau');
    await sec.check('#minutes-sp-moreau');
    assert.match(await sec.textContent('#minutes-speakers-chosen'), /Claire Dubois, Jean Moreau/);
    await sec.selectOption('#minutes-item', 'i2');
    await sec.fill('#minutes-text', 'Claire Dubois et Jean Moreau présenteront le bilan 2020.');
    await sec.keyboard.press('Control+Enter');
    await d.waitForSelector('#minutes li[data-entry="e2"]');
    assert.match(await d.textContent('#minutes li[data-entry="e2"] .minute-speakers'),
        /Intervenants\s*:\s*Claire Dubois, Jean Moreau/);
    assert.match(await d.textContent('#minutes .minutes-group:has(li[data-entry="e2"]) h3'), /^Point 2\s*:\s*Bilan 2020/);
    assert.equal(await sec.inputValue('#minutes-item'), '*current', 'the next entry goes to the current item again');
    assert.equal(await sec.$$eval('#minutes-speaker-picks input:checked', (l) => l.length), 0);

    // The automatic entries: the server's account of the session, set apart.
    await d.waitForFunction(() => /Intervention de Jean Moreau/.test(document.querySelector('#minutes-feed').textContent));
    const auto = d.locator('#minutes li.minute[data-source="auto"]').first();
    assert.match(await auto.textContent(), /Entrée automatique/);
    assert.equal(await auto.locator('.minute-text').evaluate((e) => getComputedStyle(e).fontStyle), 'italic');
    assert.equal(await d.locator('#minutes li[data-entry="e1"] .minute-text').evaluate((e) => getComputedStyle(e).fontStyle),
        'normal');
    const times = await d.$$eval('#minutes-feed li.minute time', (l) => l.map((x) => Date.parse(x.dateTime)));
    assert.ok(times.length >= 6, `entries: ${times.length}`);
    assert.deepEqual(times, [...times].sort((a, b) => a - b), 'in time order');
    assert.equal(await d.isVisible('#minutes-editor'), false, 'members read');
    assert.equal(await d.locator('#minutes [data-action]').count(), 0);

    // Edit: Escape gives up and puts the focus back on the entry's button.
    await sec.fill('#minutes-text', 'Une note en cours');
    await sec.click('#minutes li[data-entry="e1"] [data-action="edit"]');
    assert.equal(await sec.evaluate(() => document.activeElement.id), 'minutes-text');
    assert.equal(await sec.inputValue('#minutes-text'), 'Le quorum est vérifié ; la séance peut délibérer.');
    assert.match(await sec.textContent('#minutes-editor-h'), /Modifier l’entrée de \d\d:\d\d/);
    await sec.keyboard.type(' Brouillon');
    await sec.keyboard.press('Escape');
    assert.deepEqual(await sec.evaluate(() => [document.activeElement.closest('li')?.dataset.entry,
        document.activeElement.dataset.action]), ['e1', 'edit']);
    assert.equal(await sec.inputValue('#minutes-text'), 'Une note en cours', 'the unfinished entry is back');
    // Edit for real, from the keyboard.
    await sec.keyboard.press('Enter');
    assert.equal(await sec.evaluate(() => document.activeElement.id), 'minutes-text');
    await sec.fill('#minutes-text', 'Le quorum est atteint ; la séance peut valablement délibérer.');
    await sec.keyboard.press('Control+Enter');
    for (const { page } of all()) {
        await page.waitForFunction(() => /valablement/.test(document.querySelector('#minutes li[data-entry="e1"]').textContent));
    }
    assert.match(await d.textContent('#minutes li[data-entry="e1"] .minute-edited'), /modifié/);
    assert.equal(await d.getAttribute('#minutes li[data-entry="e1"] time', 'datetime'), new Date(e1.ts).toISOString(),
        'an edit keeps the time of writing');
    assert.equal(await sec.inputValue('#minutes-text'), 'Une note en cours');

    // Delete, after a confirmation.
    await sec.fill('#minutes-text', 'Entrée à retirer');
    await sec.keyboard.press('Control+Enter');
    await d.waitForSelector('#minutes li[data-entry="e3"]');
    await sec.click('#minutes li[data-entry="e3"] [data-action="delete"]');
    await sec.waitForSelector('#minutes dialog[open]');
    assert.match(await sec.textContent('#minutes dialog[open]'), /Entrée à retirer/);
    await sec.click('#minutes dialog[open] [data-answer="yes"]');
    for (const { page } of all()) {
        await page.waitForSelector('#minutes li[data-entry="e3"]', { state: 'detached' });
    }
    await axe('secretary', 'the minutes editor');
    await axe('dubois', 'the minutes as a member reads them');
    await panelShots(sec, '#minutes', 'minutes-secretary');
    await panelShots(d, '#minutes', 'minutes-member');
    await narrow(sec, 'the minutes editor');

    // The draft view: the minutes as they will read, without the controls.
    await sec.click('#minutes-draft-toggle');
    assert.equal(await sec.getAttribute('#minutes-draft-toggle', 'aria-pressed'), 'true');
    assert.equal(await sec.isVisible('#minutes-editor'), false);
    assert.equal(await sec.locator('#minutes [data-action="edit"]:visible').count(), 0);
    assert.match(await sec.textContent('#minutes-draft-head'), /Projet de procès-verbal.*Bilan 2020 et feuille de route 2021/s);
    await axe('secretary', 'the draft minutes');
    await panelShots(sec, '#minutes', 'minutes-draft');
    await sec.click('#minutes-draft-toggle');
    assert.ok(await sec.isVisible('#minutes-editor'));
});

test('the chair closes the meeting; the minutes wait for the secretary', async () => {
    const { page: chair } = people.chair;
    await chair.click('#cmd-meeting-close');
    await chair.click('#close-confirm');
    for (const { page } of all()) {
        await page.waitForSelector('#meeting-state[data-state="closed"]');
    }
    await people.dubois.page.waitForFunction(() => /Clôture de la séance\./
        .test(document.querySelector('#minutes-feed').textContent));
    const { page: sec } = people.secretary;
    await sec.waitForSelector('#minutes-finalize:visible');
    assert.match(await sec.textContent('#minutes-finalize-note'), /relisez le procès-verbal/);
    assert.ok(await sec.isVisible('#minutes-editor'), 'entries may still be written until the finalisation');
});

test('the secretary finalises the minutes; a late entry is refused in words; the next meeting will approve them', async () => {
    const { page: sec } = people.secretary;
    const { page: chair } = people.chair;
    const { page: d } = people.dubois;
    assert.match(await d.textContent('#minutes-state'), /attend sa finalisation/);
    assert.equal(await chair.isVisible('#record-approve'), false, 'nothing to approve yet');
    assert.equal(await chair.isVisible('#record-files'), false);
    // An entry written after the close is still possible until the finalisation.
    await sec.fill('#minutes-text', 'La séance est levée à l’issue de l’ordre du jour.');
    await sec.keyboard.press('Control+Enter');
    await d.waitForSelector('#minutes li[data-entry="e4"]');

    // The secretary on a second device, offline, writes one more: it waits for the connection.
    const late = await join('Thomas Leroy');
    await late.ctx.setOffline(true);
    await late.page.waitForSelector('#conn[data-status="offline"]');
    await late.page.fill('#minutes-text', 'Une entrée trop tardive');
    await late.page.keyboard.press('Control+Enter');
    await late.page.waitForFunction(() => /Hors ligne/.test(document.querySelector('#minutes-form-status').textContent));

    assert.ok(await sec.isVisible('#minutes-finalize'));
    await sec.click('#minutes-finalize');
    await sec.waitForSelector('#minutes dialog[open]');
    assert.match(await sec.textContent('#minutes dialog[open]'), /plus aucune entrée/);
    await axe('secretary', 'the finalisation question');
    await sec.click('#minutes dialog[open] [data-answer="yes"]');
    for (const { page } of all()) {
        await page.waitForSelector('#minutes[data-finalized="true"]');
        assert.match(await page.textContent('#minutes-state'), /Finalisé par Thomas Leroy/);
        assert.equal(await page.isVisible('#minutes-editor'), false);
        assert.equal(await page.locator('#minutes [data-action]:visible').count(), 0, 'no edit control is left');
    }
    await announced(d, /procès-verbal est finalisé/);
    assert.equal(await sec.evaluate(() => document.activeElement.id), 'minutes-state');
    assert.equal(await sec.isVisible('#minutes-finalize'), false);
    assert.equal(await d.isVisible('#record-files'), false, 'members do not download the record');

    // The late entry arrives after the finalisation: refused, and said so.
    await late.ctx.setOffline(false);
    await late.page.waitForSelector('#conn[data-status="online"]', { timeout: 20000 });
    await late.page.waitForFunction(() => /finalisé\s*:\s*il ne peut plus être modifié/
        .test(document.querySelector('#minutes-error').textContent));
    assert.equal(await late.page.isVisible('#minutes-editor'), false);
    assert.equal(await late.page.getAttribute('#minutes-error', 'role'), 'alert');
    await late.ctx.close();
    assert.equal((await snapshot(d)).minutes.some((e) => /tardive/.test(e.text)), false);

    // The demo commission approves its minutes at its next meeting: no
    // approval in this one, and every page says where it will happen.
    for (const { page } of all()) {
        assert.match(await page.textContent('#minutes-state'), /sera approuvé à la prochaine séance/);
    }
    assert.equal(await chair.isVisible('#record-approve'), false);
    assert.match(await chair.textContent('#minutes-finalize-note'), /prochaine séance/);
    const snap = await snapshot(chair);
    assert.equal(snap.finalized.by, 'leroy');
    assert.equal(snap.approved.by, '');
    assert.equal(snap.settings.minutes_approval, 'next_meeting');
});

test('the record is downloaded through the page and its signatures check out', async () => {
    const { page: chair } = people.chair;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'concerto-record-'));
    try {
        await chair.waitForSelector('#record-files:visible');
        const names = {};
        for (const file of ['record.pdf', 'record.html', 'record.md', 'record.json']) {
            for (const f of [file, `${file}.minisig`]) {
                const id = `#download-${f.replace(/\./g, '-')}`;
                const [dl] = await Promise.all([chair.waitForEvent('download'), chair.click(id)]);
                names[f] = dl.suggestedFilename();
                await dl.saveAs(path.join(dir, names[f]));
            }
        }
        const [key] = await Promise.all([chair.waitForEvent('download'), chair.click('#download-pubkey')]);
        names.pub = key.suggestedFilename();
        await key.saveAs(path.join(dir, names.pub));
        // Named as the server's Content-Disposition says.
        assert.equal(names['record.pdf'], 'pv-2021-02-02-ccr-hauts-de-france.pdf');
        assert.equal(names['record.pdf.minisig'], 'pv-2021-02-02-ccr-hauts-de-france.pdf.minisig');
        assert.equal(names.pub, 'concerto.pub');
        assert.match(await chair.textContent('#record-download-status'), /concerto\.pub/);
        assert.match(await chair.textContent('#record-verify-command'), /^minisign -Vm pv-2021-02-02-ccr-hauts-de-france\.pdf -p concerto\.pub$/);

        // minisign, as the page tells the reader to run it.
        for (const file of ['record.pdf', 'record.html', 'record.md', 'record.json']) {
            const out = execFileSync('minisign', ['-Vm', path.join(dir, names[file]), '-p', path.join(dir, names.pub)],
                { encoding: 'utf8' });
            assert.match(out, /Signature and comment signature verified/);
            assert.match(out, new RegExp(`meeting=ccr-2021-02 .*file=${file.replace('.', '\\.')}`));
        }
        // `concerto verify` reads record.json ... in a folder, under those
        // names or the ones the files are downloaded under.
        const set = path.join(dir, 'set');
        fs.mkdirSync(set);
        for (const [file, saved] of Object.entries(names)) {
            fs.copyFileSync(path.join(dir, saved), path.join(set, file === 'pub' ? 'concerto.pub' : file));
        }
        const report = execFileSync(BIN, ['verify', set], { encoding: 'utf8' });
        assert.doesNotMatch(report, /FAIL/);
        // The PDF: the meeting's title, the minutes as edited, the approval.
        const text = execFileSync('pdftotext', [path.join(dir, names['record.pdf']), '-'], { encoding: 'utf8' });
        assert.match(text, /Bilan 2020 et feuille de route 2021/);
        assert.match(text, /valablement/);
        assert.doesNotMatch(text, /Entrée à retirer|trop tardive/);
        const record = JSON.parse(fs.readFileSync(path.join(dir, names['record.json']), 'utf8'));
        assert.equal(record.approved, null);
        assert.deepEqual(record.minutes.filter((e) => e.source === 'secretary').map((e) => [e.entry, e.edited]),
            [['e1', true], ['e2', false], ['e4', false]]);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
    // The secretary downloads too.
    const { page: sec } = people.secretary;
    const [dl] = await Promise.all([sec.waitForEvent('download'), sec.click('#download-record-md')]);
    assert.equal(dl.suggestedFilename(), 'pv-2021-02-02-ccr-hauts-de-france.md');
    for (const who of ['chair', 'secretary', 'dubois']) {
        await axe(who, 'the minutes finalised and approved');
        await narrow(people[who].page, `the ${who}’s finalised minutes`);
    }
    await panelShots(chair, '#minutes', 'minutes-record-chair');
    await panelShots(people.dubois.page, '#minutes', 'minutes-final-member');
    for (const { ctx } of all()) {
        assert.deepEqual(ctx.problems, []);
    }
});

test('the minutes speak English too', async () => {
    const { page } = people.dubois;
    await page.click('#lang-switch');
    await page.waitForSelector('html[lang="en"]');
    assert.match(await page.textContent('#minutes-h'), /^Minutes$/);
    assert.match(await page.textContent('#minutes-state'), /Finalised by Thomas Leroy on .*approved at the commission’s next meeting/);
    assert.match(await page.textContent('#minutes-feed'), /Item 1: Ouverture/);
    assert.match(await page.textContent('#minutes li[data-source="auto"]'), /Automatic entry/);
    assert.deepEqual(await seriousViolations(page), []);
    await page.click('#lang-switch');
    await page.waitForSelector('html[lang="fr"]');
});

test('the next meeting approves them without objection, and the secretariat’s page says so', async () => {
    const admin = { Authorization: `Bearer ${server.adminToken}`, 'Content-Type': 'application/json' };
    const api = async (method, url, body) => {
        const r = await fetch(`${server.base}${url}`, { method, headers: admin, body: body && JSON.stringify(body) });
        assert.ok(r.ok, `${method} ${url}: ${r.status}`);
        return r.json();
    };
    const first = await snapshot(people.chair.page);
    const cid = first.meeting.commission.id;
    const made = await api('POST', '/api/meetings', { commission: cid, title: 'Séance de mars', date: '2021-03-02T14:00' });
    const item = made.agenda.find((i) => i.approves === first.meeting.id);
    assert.ok(item, 'the new meeting has the approval item');
    assert.equal(item.title, 'Approbation du procès-verbal de la séance du 2 février 2021');
    const links = (await api('POST', `/api/meetings/${made.meeting.id}/invitations`, {})).invitations;
    const ctx = await newContext(browser, server.base);
    const chair = await ctx.newPage();
    await chair.goto(`${server.base}${links.find((l) => l.role === 'chair').link}`);
    await chair.waitForSelector('#conn[data-status="online"]');
    assert.equal(await chair.isVisible('#approval-tools'), false, 'nothing before the item is current');
    await chair.click('#cmd-meeting-open');
    if (await chair.isVisible('dialog[open]')) {
        await chair.click('dialog[open] [data-answer="yes"]');
    }
    await chair.click('#agenda-open-next');
    await chair.waitForSelector('#approval-tools:visible');
    assert.match(await chair.textContent('#approval-note'), /mettez-le aux voix/);
    assert.ok(await chair.isVisible('#approval-vote'));
    assert.equal(await chair.isVisible('#approval-record-vote'), false);
    assert.deepEqual(await seriousViolations(chair), [], 'the approval tools');
    await chair.click('#approval-no-objection');
    await chair.waitForSelector('#agenda dialog[open]');
    await chair.click('#agenda dialog[open] [data-answer="yes"]');
    await chair.waitForFunction(() => /est approuvé/.test(document.querySelector('#approval-note').textContent));
    assert.equal(await chair.isVisible('#approval-no-objection'), false);
    await announced(chair, /séance précédente est approuvé/);
    assert.deepEqual(ctx.problems, []);
    await ctx.close();

    // The secretariat's page: the first meeting, approved by the second.
    const actx = await newContext(browser, server.base);
    const page = await actx.newPage();
    await page.goto(`${server.base}/`);
    await page.focus('#admin-token');
    await page.keyboard.type(server.adminToken);
    await page.keyboard.press('Enter');
    await page.waitForSelector('#commissions-table');
    await page.click('#commissions-table tbody tr:first-child button');
    await page.waitForSelector('#meetings-table');
    const row = `#meetings-table tr[data-meeting="${first.meeting.id}"]`;
    assert.match(await page.textContent(row), /Procès-verbal approuvé le .* par la séance du mardi 2 mars 2021 à 14:00/);
    assert.deepEqual(await seriousViolations(page), []);
    assert.deepEqual(actx.problems, []);
    await actx.close();
});

test('the first meeting’s page says it is approved and offers the signed attestation, which verifies', async () => {
    const { page: chair } = people.chair;
    await chair.reload();
    await chair.waitForSelector('#conn[data-status="online"]');
    await chair.waitForFunction(() => /Approuvé sans opposition par la séance du mardi 2 mars 2021 à 14:00/
        .test(document.querySelector('#minutes-state').textContent));
    assert.doesNotMatch(await chair.textContent('#minutes-state'), /sera approuvé/);
    await chair.waitForSelector('#record-files li[data-file="approval.json"]:visible');
    assert.match(await chair.textContent('#record-files-note'), /attestée à part par approval\.json/);
    assert.equal(await chair.isVisible('#minutes-finalize-note'), false, 'nothing is left to do');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'concerto-approval-'));
    try {
        const names = {};
        // `concerto verify` wants the whole record beside the attestation.
        const files = ['approval.json', 'record.pdf', 'record.html', 'record.md', 'record.json']
            .flatMap((f) => [f, `${f}.minisig`]);
        for (const file of [...files, 'concerto.pub']) {
            const id = file === 'concerto.pub' ? '#download-pubkey' : `#download-${file.replace(/\./g, '-')}`;
            const [dl] = await Promise.all([chair.waitForEvent('download'), chair.click(id)]);
            names[file] = dl.suggestedFilename();
            await dl.saveAs(path.join(dir, names[file]));
        }
        assert.equal(names['approval.json'], 'pv-2021-02-02-ccr-hauts-de-france.approval.json');
        const approval = JSON.parse(fs.readFileSync(path.join(dir, names['approval.json']), 'utf8'));
        assert.equal(approval.approved.result, 'no_objection');
        assert.equal(approval.approved.date, '2021-03-02T14:00');
        // Under the names the page gave them, the attestation and the record check out together.
        const run = spawnSync(BIN, ['verify', dir], { encoding: 'utf8' });
        const report = run.stdout + run.stderr;
        assert.equal(run.status, 0, report);
        assert.doesNotMatch(report, /FAIL/);
        assert.match(report, /approval/i);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
    assert.deepEqual(await seriousViolations(chair), []);
    await panelShots(chair, '#minutes', 'minutes-approved-later');
    // The page in English says it too.
    await chair.click('#lang-switch');
    await chair.waitForSelector('html[lang="en"]');
    assert.match(await chair.textContent('#minutes-state'), /Approved without objection by the meeting of Tuesday, 2 March 2021/);
    await chair.click('#lang-switch');
    await chair.waitForSelector('html[lang="fr"]');
    assert.deepEqual(people.chair.ctx.problems, []);
});
