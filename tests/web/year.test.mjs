// SPDX-License-Identifier: AGPL-3.0-or-later
//
// The secretariat's year, from the administration page alone, against the
// real server and a real mail system on loopback (aiosmtpd and msmtp): a new
// commission is set up (roster imported from a French spreadsheet, a name
// and an address corrected on the page, a working group and its members),
// its first meeting prepared (rules, the agenda from the built-in
// template with an item moved up, a document attached) and convened by
// e-mail; everyone comes in through the link their mail carried, the meeting
// is held (a vote, a minute, an action for the working group), closed and
// its minutes finalised. The next meeting starts from the commission's
// template, which brings the approval of the previous minutes and the
// follow-up of the open action; it is convened, the minutes are approved by
// a vote, the action is followed, and both records are downloaded from the
// pages and checked with `concerto verify`, the approval attested beside the
// first. Nothing is done through the API that the pages do not do.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, startMail, launchBrowser, newContext, seriousViolations, screenshots, overflowsX,
    REPO, ARTIFACTS } from './harness.mjs';

const BIN = process.env.CONCERTO_BIN || path.join(REPO, 'build', 'concerto');

const ROSTER = [
    'Nom;Collège;Rôle;Courriel',
    'Hélène Vasseur;;présidente;helene@example.org',
    'Thomas Leroy;;secrétaire;thomas@example.org',
    'Claire Dubois;Bailleurs;membre;claire@example.org',
    'Marc Lefebvre;bailleurs;membre;marc@example.org',
    'Jean Moreau;locataires;membre;jean@example.org',
    'Sophie Girrard;Locataires;membre;',
    'Anne Petit;;observatrice;',
].join('\r\n');
const MEMBERS = ['Claire Dubois', 'Marc Lefebvre', 'Jean Moreau', 'Sophie Girard'];
const EMAILS = {
    'Hélène Vasseur': 'helene@example.org', 'Thomas Leroy': 'thomas@example.org',
    'Claire Dubois': 'claire@example.org', 'Marc Lefebvre': 'marc@example.org',
    'Jean Moreau': 'jean@example.org', 'Sophie Girard': 'sophie@example.org',
};
// A small but real PDF: what the server checks is its signature and name.
const PDF = Buffer.from('%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n'
    + '2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n');

let mail;
let server;
let browser;
let admin; // the secretariat's page
const people = {}; // name -> page, in a context of its own
const year = {}; // what the steps learn: ids, links

before(async () => {
    mail = await startMail();
    server = await startServer(['--sendmail', mail.sendmail, '--mail-from', 'secretariat@example.org'],
        { env: mail.env, publicUrl: true });
    browser = await launchBrowser();
    const ctx = await newContext(browser, server.base);
    admin = await ctx.newPage();
    await admin.goto(`${server.base}/`);
    await admin.waitForSelector('#token-form');
    await admin.focus('#admin-token');
    await admin.keyboard.type(server.adminToken);
    await admin.keyboard.press('Enter');
    await admin.waitForSelector('#commissions-table');
});

after(async () => {
    await browser?.close();
    await server?.stop();
    await mail?.stop();
});

// Wait until the mail system holds `n` messages; returns them.
async function delivered(n) {
    const deadline = Date.now() + 60000;
    for (;;) {
        const got = mail.messages();
        if (got.length >= n) {
            return got;
        }
        assert.ok(Date.now() < deadline, `${got.length} of ${n} messages delivered`);
        await new Promise((r) => setTimeout(r, 200));
    }
}

// The personal link of each addressee among `messages`, for meeting `mid`.
function linksIn(messages, mid) {
    const out = {};
    for (const m of messages) {
        const link = new RegExp(`${server.base}/m/${mid}#t=[A-Za-z0-9_-]{43}`).exec(m.text);
        if (link) {
            out[m.to] = link[0];
        }
    }
    return out;
}

// Open `name`'s link (a page of their own, kept across meetings).
async function comeIn(name, link) {
    if (!people[name]) {
        const ctx = await newContext(browser, server.base);
        people[name] = await ctx.newPage();
    }
    const page = people[name];
    await page.goto(link);
    await page.waitForSelector('#conn[data-status="online"]');
    return page;
}

// The chair opens the next item and waits until every page shows it current.
async function openNext(title) {
    const chair = people['Hélène Vasseur'];
    await chair.click('#agenda-open-next');
    for (const page of Object.values(people)) {
        await page.waitForFunction((t) => document.querySelector('.agenda-item[aria-current="true"], .agenda-item.current')
            ?.textContent.includes(t), title);
    }
}

// A vote prepared and opened by the chair (or already open), cast by every
// member, closed; returns the verdict the members read.
async function voteAll(vote, choice) {
    const chair = people['Hélène Vasseur'];
    for (const name of MEMBERS) {
        const page = people[name];
        // On a phone the page shows one section at a time: the prompt says
        // a vote waits, and its button goes to the ballot.
        if ((page.viewportSize()?.width || 1280) < 600) {
            await page.waitForSelector('#prompt-go:visible');
            assert.match(await page.textContent('#prompt-text'), /vote/i);
            await page.click('#prompt-go');
        }
        await page.waitForSelector(`#ballot-${vote}:visible`);
        await page.check(`#ballot-${vote} input[value="${choice}"]`);
        await page.click(`#ballot-${vote}-cast`);
        await page.waitForSelector('dialog[open]');
        await page.click('dialog[open] [data-answer="yes"]');
        await page.waitForSelector(`#ballot-${vote}-status li[data-state="cast"]`);
    }
    await chair.waitForFunction((v) => /4\D+4/.test(document.querySelector(`#vote-${v}`)?.textContent || ''), vote);
    await chair.click(`#vote-${vote} [data-action="close"]`);
    await chair.waitForSelector('dialog[open]');
    await chair.click('dialog[open] [data-answer="yes"]');
    const member = people[MEMBERS[0]];
    await member.waitForSelector(`#vote-${vote} .vote-verdict`);
    return member.textContent(`#vote-${vote} .vote-verdict`);
}

// The record of the meeting `page` shows, in a new folder (returned), under
// the names the server gives: `viaPage` files through the page's buttons,
// the rest fetched with the page's token (Chromium refuses a tab more than
// about ten downloads in a row), and the server's key.
async function downloadRecord(page, viaPage) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'concerto-year-'));
    await page.waitForSelector('#record-files:visible');
    for (const file of [...viaPage, 'concerto.pub']) {
        const id = file === 'concerto.pub' ? '#download-pubkey' : `#download-${file.replace(/\./g, '-')}`;
        const [dl] = await Promise.all([page.waitForEvent('download'), page.click(id)]);
        await dl.saveAs(path.join(dir, dl.suggestedFilename()));
    }
    const { meeting, token } = await page.evaluate(() => {
        const m = location.pathname.split('/').pop();
        return { meeting: m, token: sessionStorage.getItem(`concerto.token.${m}`) };
    });
    const record = ['record.pdf', 'record.html', 'record.md', 'record.json'].flatMap((f) => [f, `${f}.minisig`]);
    for (const file of record.filter((f) => !viaPage.includes(f))) {
        const res = await fetch(`${server.base}/api/meetings/${meeting}/record/${file}`,
            { headers: { Authorization: `Bearer ${token}` } });
        assert.equal(res.status, 200, file);
        const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition'))[1];
        fs.writeFileSync(path.join(dir, name), Buffer.from(await res.arrayBuffer()));
    }
    return dir;
}

function verify(dir) {
    const run = spawnSync(BIN, ['verify', dir], { encoding: 'utf8' });
    const report = run.stdout + run.stderr;
    assert.equal(run.status, 0, report);
    assert.doesNotMatch(report, /FAIL/);
    return report;
}

test('the secretariat sets up the commission: roster from a French spreadsheet, a working group', async () => {
    await admin.fill('#commission-name', 'CCR Normandie');
    await admin.fill('#commission-colleges', 'bailleurs, locataires');
    await admin.click('#commission-create');
    await admin.waitForFunction(() => /créée/.test(document.querySelector('#commission-status')?.textContent));
    year.commission = await admin.inputValue('#roster-commission');
    await admin.setInputFiles('#roster-file', { name: 'membres.csv', mimeType: 'text/csv', buffer: Buffer.from(ROSTER) });
    await admin.click('#roster-import');
    await admin.waitForFunction(() => /7 membres importés/.test(document.querySelector('#roster-status')?.textContent));

    // The year's view lists it after a reload: nothing depends on what the page remembered.
    await admin.reload();
    await admin.waitForSelector(`#open-${year.commission}`);
    await admin.click(`#open-${year.commission}`);
    await admin.waitForSelector('#year-roster');
    assert.match(await admin.textContent('#year-roster'), /Claire Dubois.*Bailleurs.*Membre/s);
    // The spreadsheet misspelt a name and lacked an address: corrected on the page.
    const sophie = await admin.$eval('#year-roster tr:has-text("Sophie Girrard")', (tr) => tr.dataset.member);
    await admin.click(`#member-edit-${sophie}`);
    await admin.fill(`#member-name-${sophie}`, 'Sophie Girard');
    await admin.fill(`#member-email-${sophie}`, 'sophie@example.org');
    await admin.click(`#member-save-${sophie}`);
    await admin.waitForSelector(`#year-roster tr[data-member="${sophie}"]:has-text("Sophie Girard")`);
    year.claire = await admin.$eval('#year-roster tr:has-text("Claire Dubois")', (tr) => tr.dataset.member);
    year.jean = await admin.$eval('#year-roster tr:has-text("Jean Moreau")', (tr) => tr.dataset.member);

    await admin.click('#group-new summary');
    await admin.fill('#group-name', 'Groupe 1 : parcours résidentiel');
    await admin.selectOption('#group-lead', 'bailleurs');
    await admin.fill('#group-due', '2021-06-30');
    await admin.click('#group-create');
    await admin.waitForSelector('#groups-list li:has-text("Groupe 1 : parcours résidentiel")');
    assert.match(await admin.textContent('#groups-list'), /30 juin 2021/);
    // Its members, ticked among the roster.
    const group = await admin.getAttribute('#groups-list li:has-text("Groupe 1")', 'data-group');
    await admin.click(`#group-edit-${group}`);
    await admin.check(`#group-member-${group}-${year.claire}`);
    await admin.check(`#group-member-${group}-${year.jean}`);
    await admin.fill(`#group-mandate-${group}`, 'Fluidifier les parcours résidentiels des locataires.');
    await admin.click(`#group-save-${group}`);
    await admin.waitForSelector(`#groups-list li[data-group="${group}"]:has-text("Fluidifier")`);
    assert.match(await admin.textContent(`#groups-list li[data-group="${group}"]`), /Claire Dubois/);
});

test('the first meeting is prepared: rules, the agenda from the template, a document', async () => {
    await admin.fill('#meeting-commission', year.commission);
    await admin.fill('#meeting-title-field', 'Séance du 2 février 2021');
    await admin.fill('#meeting-date', '2021-02-02T09:30');
    await admin.fill('#meeting-place', 'Caen, salle du conseil');
    await admin.click('#meeting-create');
    await admin.waitForFunction(() => /créée/.test(document.querySelector('#meeting-status')?.textContent));
    year.m1 = await admin.inputValue('#invite-meeting');

    await admin.reload();
    await admin.waitForSelector(`#open-${year.commission}`);
    await admin.click(`#open-${year.commission}`);
    await admin.waitForSelector(`#prepare-${year.m1}`);
    await admin.click(`#prepare-${year.m1}`);
    await admin.waitForSelector('#settings-form');
    await admin.fill('#set-quorum_college', '50');
    await admin.selectOption('#set-minutes_approval', 'next_meeting');
    await admin.click('#settings-save');
    await admin.waitForSelector('#year-status:has-text("Règles enregistrées")');

    await admin.click('#tpl-apply');
    await admin.waitForSelector('#prep-agenda li:has-text("Questions diverses")');
    await admin.fill('#item-title', 'Bilan 2020 du logement social');
    await admin.click('#item-save');
    await admin.waitForSelector('#prep-agenda li:has-text("Bilan 2020")');
    // Moved up to come third, after the adoption of the agenda.
    for (;;) {
        const titles = await admin.$$eval('#prep-agenda > li', (lis) => lis.map((li) => li.textContent));
        const at = titles.findIndex((t) => t.includes('Bilan 2020'));
        if (at === 2) {
            break;
        }
        const id = await admin.getAttribute(`#prep-agenda > li:nth-child(${at + 1})`, 'data-item');
        await admin.click(`#up-${id}`);
        await admin.waitForFunction((n) => [...document.querySelectorAll('#prep-agenda > li')]
            .findIndex((li) => li.textContent.includes('Bilan 2020')) === n, at - 1);
    }
    year.bilan = await admin.getAttribute('#prep-agenda > li:nth-child(3)', 'data-item');
    await admin.setInputFiles(`#doc-file-${year.bilan}`, { name: 'Bilan 2020.pdf', mimeType: 'application/pdf', buffer: PDF });
    await admin.click(`#doc-upload-${year.bilan}`);
    await admin.waitForSelector(`#prep-docs-${year.bilan} .doc-link:has-text("Bilan 2020.pdf")`);
    assert.deepEqual(await seriousViolations(admin), []);
    await admin.setViewportSize({ width: 360, height: 740 });
    assert.equal(await overflowsX(admin), false, 'the prepared meeting scrolls sideways at 360 px');
    await admin.setViewportSize({ width: 1280, height: 900 });
});

test('the convocation is sent by e-mail, and downloaded for the observer who has no address', async () => {
    await admin.click('#conv-send-all');
    await admin.waitForFunction(() => document.querySelectorAll('#conv-table tr[data-status="sent"]').length === 6);
    assert.equal(await admin.getAttribute('#conv-table tbody tr:last-child', 'data-status'), 'none');
    const messages = await delivered(6);
    assert.deepEqual(messages.map((m) => m.to).sort(), Object.values(EMAILS).sort());
    for (const m of messages) {
        assert.match(m.subject, /^Convocation : Séance du 2 février 2021, mardi 2 février 2021/);
        assert.match(m.text, /Caen, salle du conseil/);
        assert.match(m.text, /Bilan 2020 du logement social/);
        assert.match(m.text, /Bilan 2020\.pdf/, 'the convocation lists the item’s document');
        assert.ok(m.attachments.includes('text/calendar'), 'an .ics invitation comes with it');
    }
    year.links1 = linksIn(messages, year.m1);
    assert.equal(Object.keys(year.links1).length, 6);

    const anne = await admin.getAttribute('#conv-table tbody tr:last-child', 'data-participant');
    const [dl] = await Promise.all([admin.waitForEvent('download'), admin.click(`#conv-pdf-${anne}`)]);
    const pdf = fs.readFileSync(await dl.path());
    assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
    await screenshots(admin, 'year-convocations');
});

test('the first meeting is held through the links the mails carried', async () => {
    for (const [name, address] of Object.entries(EMAILS)) {
        await comeIn(name, year.links1[address]);
    }
    const chair = people['Hélène Vasseur'];
    const sec = people['Thomas Leroy'];
    // A member on a phone.
    await people['Jean Moreau'].setViewportSize({ width: 360, height: 740 });
    await chair.click('#cmd-meeting-open');
    if (await chair.isVisible('dialog[open]')) {
        await chair.click('dialog[open] [data-answer="yes"]');
    }
    await chair.waitForSelector('#meeting-state[data-state="open"]');
    await openNext('Ouverture de la séance');
    await openNext('Adoption de l’ordre du jour');
    await chair.click('#vote-prepare-summary');
    await chair.fill('#vote-question', 'Adopter l’ordre du jour');
    await chair.click('#vote-prepare-submit');
    await chair.waitForSelector('#vote-v1[data-state="prepared"]');
    await chair.click('#vote-v1 [data-action="open"]');
    await people['Jean Moreau'].waitForSelector('#prompt-go:visible');
    await people['Jean Moreau'].screenshot({ path: path.join(ARTIFACTS, 'year-vote-prompt-360.png') });
    assert.match(await voteAll('v1', 'yes'), /^Adopté$/);

    await openNext('Bilan 2020 du logement social');
    // The document is there for the members, from the item.
    const phone = people['Jean Moreau'];
    const link = phone.locator(`.agenda-item[data-item="${year.bilan}"] .doc-link`);
    if (!(await link.isVisible()) && await phone.isVisible('#nav-agenda')) {
        await phone.click('#nav-agenda');
    }
    const [doc] = await Promise.all([phone.waitForEvent('download'), link.click()]);
    assert.deepEqual(fs.readFileSync(await doc.path()), PDF);

    await sec.fill('#minutes-text', 'Le bilan 2020 est présenté ; le groupe 1 rendra un premier rapport en juin.');
    await sec.keyboard.press('Control+Enter');
    await chair.waitForFunction(() => /premier rapport en juin/.test(document.querySelector('#minutes-feed').textContent));

    await chair.click('#followup-forms summary');
    await chair.fill('#action-title', 'Présenter le premier rapport du groupe 1');
    const group = await chair.$eval('#action-owner', (s) => [...s.options].find((o) => /Groupe 1/.test(o.textContent))?.value);
    assert.ok(group, 'the working group is offered as the action’s owner');
    await chair.selectOption('#action-owner', group);
    await chair.fill('#action-due', '2021-06-30');
    await chair.click('#action-submit');
    await phone.waitForFunction(() => /Présenter le premier rapport du groupe 1/
        .test(document.querySelector('#followup-list')?.textContent || ''));

    await chair.click('#cmd-meeting-close');
    await chair.click('#close-confirm');
    await sec.waitForSelector('#minutes-finalize:visible');
    await sec.click('#minutes-finalize');
    await sec.click('#minutes dialog[open] [data-answer="yes"]');
    for (const page of Object.values(people)) {
        await page.waitForSelector('#minutes[data-finalized="true"]', { state: 'attached' });
    }
    assert.match(await phone.textContent('#minutes-state'), /sera approuvé à la prochaine séance/);
});

test('the next meeting starts from the template, with the approval and the follow-up, and is convened', async () => {
    await admin.reload();
    await admin.waitForSelector(`#open-${year.commission}`);
    await admin.click(`#open-${year.commission}`);
    await admin.waitForSelector(`#prepare-${year.m1}`);
    await admin.fill('#meeting-commission', year.commission);
    await admin.fill('#meeting-title-field', 'Séance du 2 mars 2021');
    await admin.fill('#meeting-date', '2021-03-02T14:00');
    await admin.fill('#meeting-place', 'Caen, salle du conseil');
    await admin.click('#meeting-create');
    await admin.waitForFunction(() => /créée/.test(document.querySelector('#meeting-status')?.textContent));
    year.m2 = await admin.inputValue('#invite-meeting');
    await admin.reload();
    await admin.waitForSelector(`#open-${year.commission}`);
    await admin.click(`#open-${year.commission}`);
    await admin.waitForSelector(`#prepare-${year.m2}`);
    await admin.click(`#prepare-${year.m2}`);
    await admin.waitForSelector('#tpl-apply');
    await admin.click('#tpl-apply');
    if (await admin.isVisible('dialog[open]')) {
        await admin.click('dialog[open] [data-answer="yes"]');
    }
    await admin.waitForSelector('#prep-agenda li:has-text("Approbation du procès-verbal de la séance du 2 février 2021")');
    const titles = await admin.$$eval('#prep-agenda > li', (lis) => lis.map((li) => li.textContent));
    assert.match(titles[0], /^Approbation du procès-verbal de la séance du 2 février 2021/);
    assert.ok(titles.some((t) => /Suivi des actions/.test(t)), titles.join(' | '));
    // The action still to be done, owned by the working group, is listed for the secretariat.
    assert.match(await admin.textContent('#open-actions'), /Présenter le premier rapport du groupe 1/);

    await admin.click('#conv-send-all');
    await admin.waitForFunction(() => document.querySelectorAll('#conv-table tr[data-status="sent"]').length === 6);
    const messages = (await delivered(12)).slice(6);
    for (const m of messages) {
        assert.match(m.text, /Approbation du procès-verbal de la séance du 2 février 2021/);
    }
    year.links2 = linksIn(messages, year.m2);
    assert.equal(Object.keys(year.links2).length, 6);
});

test('the next meeting approves the previous minutes by a vote and follows the action', async () => {
    for (const [name, address] of Object.entries(EMAILS)) {
        await comeIn(name, year.links2[address]);
    }
    const chair = people['Hélène Vasseur'];
    const sec = people['Thomas Leroy'];
    await chair.click('#cmd-meeting-open');
    if (await chair.isVisible('dialog[open]')) {
        await chair.click('dialog[open] [data-answer="yes"]');
    }
    await chair.waitForSelector('#meeting-state[data-state="open"]');
    year.opened2 = /(\d{2}:\d{2})/.exec(await chair.textContent('.meeting-state'))[1];
    await openNext('Approbation du procès-verbal');
    await chair.waitForSelector('#approval-tools:visible');
    await chair.click('#approval-vote');
    assert.match(await voteAll('v1', 'yes'), /^Adopté$/);
    await chair.click('#approval-record-vote');
    await chair.waitForFunction(() => /est approuvé/.test(document.querySelector('#approval-note').textContent));

    // The action carried from the first meeting, followed here.
    const phone = people['Jean Moreau'];
    await phone.waitForFunction(() => /Présenter le premier rapport du groupe 1/
        .test(document.querySelector('#followup-list')?.textContent || ''));
    const action = await chair.$eval('#followup-list li', (li) => li.dataset.action);
    await chair.selectOption(`#action-status-${action}`, 'in_progress');
    await phone.waitForSelector(`li[data-action="${action}"][data-status="in_progress"]`, { state: 'attached' });

    await chair.click('#cmd-meeting-close');
    await chair.click('#close-confirm');
    await sec.waitForSelector('#minutes-finalize:visible');
    await sec.click('#minutes-finalize');
    await sec.click('#minutes dialog[open] [data-answer="yes"]');
    await chair.waitForSelector('#minutes[data-finalized="true"]');
});

test('both records are downloaded from the pages and verify, the first with its approval', async () => {
    const chair = people['Hélène Vasseur'];
    const second = await downloadRecord(chair, ['record.pdf', 'record.pdf.minisig', 'record.md', 'record.md.minisig']);
    try {
        verify(second);
        const md = fs.readFileSync(fs.readdirSync(second).map((f) => path.join(second, f)).find((f) => f.endsWith('.md')), 'utf8');
        assert.match(md, /procès-verbal de la séance du 2 février 2021 est approuvé par le vote/);
        // Its times are those the pages showed: Paris time, the date typed on the admin page.
        assert.match(md, /Les heures sont données en heure locale \(UTC\+01:00\)\./);
        assert.match(md, new RegExp(`Séance ouverte à ${year.opened2}`), 'the record’s time is the one the page showed');
    } finally {
        fs.rmSync(second, { recursive: true, force: true });
    }
    // The first meeting, in a new tab of the chair's browser.
    const tab = await chair.context().newPage();
    await tab.goto(year.links1[EMAILS['Hélène Vasseur']]);
    await tab.waitForSelector('#conn[data-status="online"]');
    await tab.waitForFunction(() => /Approuvé par un vote de la séance du mardi 2 mars 2021 à 14:00/
        .test(document.querySelector('#minutes-state').textContent));
    await tab.waitForSelector('#record-files li[data-file="approval.json"]:visible');
    const first = await downloadRecord(tab, ['approval.json', 'approval.json.minisig']);
    try {
        assert.match(verify(first), /ok\s+approval\.json/);
    } finally {
        fs.rmSync(first, { recursive: true, force: true });
    }

    // The secretariat's page tells the year.
    await admin.reload();
    await admin.waitForSelector(`#open-${year.commission}`);
    await admin.click(`#open-${year.commission}`);
    await admin.waitForSelector(`#meetings-table tr[data-meeting="${year.m1}"]`);
    assert.match(await admin.textContent(`#meetings-table tr[data-meeting="${year.m1}"]`),
        /Procès-verbal approuvé le .* par la séance du 2 mars 2021, 14:00/);
    assert.deepEqual(await seriousViolations(admin), []);
    await screenshots(admin, 'year-secretariat');
    for (const page of [admin, ...Object.values(people)]) {
        assert.deepEqual(page.context().problems, []);
    }
});
