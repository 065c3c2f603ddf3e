// SPDX-License-Identifier: AGPL-3.0-or-later
//
// Documents on agenda items (PROTOCOL.md 3.6) in the browser: the
// secretariat attaches a PDF to an item, a member sees it under the item
// (name, format, size, in French, at 360 px) and downloads the same bytes with
// the token of the page; and the size and format as a person reads them
// (documents.mjs), without a browser.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { startServer, launchBrowser, newContext, overflowsX, screenshots } from './harness.mjs';
import { formatBytes, formatLabel, uploadPath } from '../../web/documents.mjs';

const PDF = Buffer.from('%PDF-1.4\n% Bilan 2020 du PDALHPD\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n'
    + 'x'.repeat(3000));

let server;
let browser;

before(async () => {
    server = await startServer();
    browser = await launchBrowser();
});

after(async () => {
    await browser?.close();
    await server?.stop();
});

test('sizes and formats read as a person reads them, in French and English', () => {
    assert.equal(formatBytes(512, 'fr'), '512\u00a0octets');
    assert.equal(formatBytes(3072, 'fr'), '3\u00a0Ko');
    assert.equal(formatBytes(1288490, 'fr'), '1,2\u00a0Mo');
    assert.equal(formatBytes(1288490, 'en'), '1.2 MB');
    assert.equal(formatBytes(2048, 'en'), '2 KB');
    assert.equal(formatLabel('jpeg'), 'JPEG');
    assert.equal(uploadPath('m1', 'i2', 'Bilan 2020 – révisé.pdf'),
        '/api/meetings/m1/agenda/i2/documents?name=Bilan%202020%20%E2%80%93%20r%C3%A9vis%C3%A9.pdf');
});

test('a member sees the document under its item and downloads the same bytes', async () => {
    const member = server.links.find((l) => l.role === 'member');
    assert.ok(member, server.output());
    const auth = { Authorization: `Bearer ${server.adminToken}` };
    const snap = await (await fetch(`${server.base}/api/meetings/${member.meeting}`, { headers: auth })).json();
    const item = snap.agenda[0];
    const ctx = await newContext(browser, server.base, { acceptDownloads: true });
    const page = await ctx.newPage();
    await page.goto(member.url);
    await page.waitForSelector('#conn[data-status="online"]');
    // Attached while the member's page is open: it comes with document.added.
    const res = await fetch(`${server.base}${uploadPath(member.meeting, item.id, 'Bilan 2020 – révisé.pdf')}`,
        { method: 'POST', headers: { ...auth, 'Content-Type': 'application/octet-stream' }, body: PDF });
    const text = await res.text();
    assert.equal(res.status, 201, text);
    const doc = JSON.parse(text);
    const link = page.locator(`.agenda-item[data-item="${item.id}"] .doc-link[data-sha256="${doc.sha256}"]`);
    await link.waitFor();
    assert.equal(await link.textContent(), 'Bilan 2020 – révisé.pdf');
    const row = page.locator(`.agenda-item[data-item="${item.id}"] .doc`);
    assert.match(await row.textContent(), /\(PDF, 3\u00a0Ko\)/);
    assert.match(await link.getAttribute('aria-label'), /^Télécharger Bilan 2020 – révisé\.pdf/);
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    assert.equal(download.suggestedFilename(), 'Bilan 2020 – révisé.pdf');
    assert.deepEqual(fs.readFileSync(await download.path()), PDF);
    await page.setViewportSize({ width: 360, height: 740 });
    await page.click('#nav-agenda');
    assert.ok(await link.isVisible(), 'the document link shows at 360 px');
    assert.equal(await overflowsX(page), false, 'the agenda with a document scrolls sideways at 360 px');
    await screenshots(page, 'documents-member');
    assert.deepEqual(ctx.problems, []);
    await ctx.close();
});

test('the secretariat attaches a document to an item, is told why a file is refused, and removes it', async () => {
    const ctx = await newContext(browser, server.base);
    const page = await ctx.newPage();
    await page.goto(`${server.base}/`);
    await page.fill('#admin-token', server.adminToken);
    await page.click('#token-save');
    await page.waitForSelector('#commissions-table');
    await page.click('#commissions-table tbody tr:first-child button');
    await page.waitForSelector('#meetings-table');
    await page.click('#meetings-table tbody button');
    await page.waitForSelector('#prep-agenda');
    const item = await page.getAttribute('#prep-agenda > li:nth-child(3)', 'data-item');
    assert.ok(await page.$(`label[for="doc-file-${item}"]`), 'the file input has a label');
    await page.setInputFiles(`#doc-file-${item}`, { name: 'page.pdf', mimeType: 'application/pdf',
        buffer: Buffer.from('<html><script>alert(1)</script></html>') });
    await page.click(`#doc-upload-${item}`);
    await page.waitForSelector('.notice:has-text("Ce fichier n’est pas accepté")');
    assert.equal(await page.$(`#prep-docs-${item}`), null, 'a refused file is not listed');
    await page.setInputFiles(`#doc-file-${item}`, { name: 'Feuille de route 2021.pdf', mimeType: 'application/pdf',
        buffer: PDF });
    await page.click(`#doc-upload-${item}`);
    await page.waitForSelector(`#prep-docs-${item} .doc-link:has-text("Feuille de route 2021.pdf")`);
    await page.waitForSelector('#year-status:has-text("joint")');
    await page.setViewportSize({ width: 360, height: 740 });
    assert.equal(await overflowsX(page), false, 'the secretariat with a document scrolls sideways at 360 px');
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.click(`#prep-docs-${item} button`);
    await page.waitForSelector(`#prep-docs-${item}`, { state: 'detached' });
    await page.waitForSelector('#year-status:has-text("Document retiré")');
    await ctx.close();
});
