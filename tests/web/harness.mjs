// SPDX-License-Identifier: AGPL-3.0-or-later
//
// harness.mjs - what the browser tests share: the real server on a free
// loopback port with a fresh database and key, Debian's Chromium, axe-core
// and screenshots.
//
// The server is the built binary (CONCERTO_BIN, default build/concerto of
// this repository) serving CONCERTO_WEB (default web/), run with --demo; its
// printed admin token and invitation links are parsed from stdout. The
// browser never leaves the machine: every host name but 127.0.0.1 resolves to
// nothing, and any request to another origin (the Jitsi iframe, for one) is
// aborted before it is made.

import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import AxeBuilder from '@axe-core/playwright';

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(here, '..', '..');
export const ARTIFACTS = path.join(here, 'artifacts');
const BIN = process.env.CONCERTO_BIN || path.join(REPO, 'build', 'concerto');
const WEB = process.env.CONCERTO_WEB || path.join(REPO, 'web');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

function freePort() {
    return new Promise((resolve, reject) => {
        const s = net.createServer();
        s.unref();
        s.on('error', reject);
        s.listen(0, '127.0.0.1', () => {
            const { port } = s.address();
            s.close(() => resolve(port));
        });
    });
}

// Parse the demo's lines "  <role> <college> <name>: <url>" (college may be
// empty or "-"); returns [{role, college, name, url, meeting, token}].
export function parseLinks(text) {
    const out = [];
    for (const line of text.split('\n')) {
        const m = /^\s+(chair|secretary|member|observer)\s+(.*?):\s+(https?:\/\/\S+)\s*$/.exec(line);
        if (!m) {
            continue;
        }
        const [, role, rest, url] = m;
        let college = '';
        let name = rest.trim();
        const words = name.split(/\s+/);
        if (role === 'member' || /^(-|[a-z0-9]+)$/.test(words[0]) && words.length > 1) {
            college = words[0] === '-' ? '' : words[0];
            name = words.slice(1).join(' ');
        }
        const u = new URL(url);
        out.push({ role, college, name, url, meeting: u.pathname.split('/').pop(),
            token: new URLSearchParams(u.hash.slice(1)).get('t') });
    }
    return out;
}

// Start the server (with `extra` options); resolves with {base, adminToken, links, stop()}.
// options.env: more environment for the server (a mail configuration);
// options.publicUrl: pass --public-url with the server's own address, so
// that the links it mails open here.
export async function startServer(extra = [], options = {}) {
    if (!fs.existsSync(BIN)) {
        throw new Error(`no server binary at ${BIN}: build it first (cmake) or set CONCERTO_BIN`);
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'concerto-web-'));
    const port = await freePort();
    const args = ['serve', '--listen', `127.0.0.1:${port}`, '--db', path.join(dir, 'concerto.db'),
        '--key', path.join(dir, 'concerto.key'), '--web', WEB, '--demo', ...extra];
    if (options.publicUrl) {
        args.push('--public-url', `http://127.0.0.1:${port}`);
    }
    const proc = spawn(BIN, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env } });
    // However the test process ends, the server does not outlive it.
    const reap = () => proc.exitCode === null && proc.kill('SIGKILL');
    process.on('exit', reap);
    let out = '';
    let err = '';
    proc.stdout.on('data', (d) => {
        out += d;
    });
    proc.stderr.on('data', (d) => {
        err += d;
    });
    const ready = await new Promise((resolve) => {
        const timer = setTimeout(() => resolve(false), 20000);
        const check = () => {
            if (/^ready: /m.test(out)) {
                clearTimeout(timer);
                resolve(true);
            }
        };
        proc.stdout.on('data', check);
        proc.on('exit', () => {
            clearTimeout(timer);
            resolve(false);
        });
        check();
    });
    if (!ready) {
        proc.kill('SIGKILL');
        throw new Error(`server did not start.\nstdout:\n${out}\nstderr:\n${err}`);
    }
    // A server that dies under a test says so, with what it printed.
    let stopping = false;
    proc.on('exit', (code, signal) => {
        if (!stopping) {
            process.stderr.write(`harness: the server exited (code ${code}, signal ${signal}).\n${out}\n${err}\n`);
        }
    });
    const adminToken = (/admin token: (\S+)/.exec(out) || [])[1] || '';
    const base = `http://127.0.0.1:${port}`;
    return {
        base,
        adminToken,
        links: parseLinks(out),
        output: () => out + err,
        async stop() {
            stopping = true;
            if (proc.exitCode === null) {
                proc.kill('SIGTERM');
                await new Promise((r) => {
                    const t = setTimeout(() => {
                        proc.kill('SIGKILL');
                        r();
                    }, 3000);
                    proc.on('exit', () => {
                        clearTimeout(t);
                        r();
                    });
                });
            }
            fs.rmSync(dir, { recursive: true, force: true });
        },
    };
}

export async function launchBrowser() {
    if (!fs.existsSync(CHROMIUM)) {
        throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium`);
    }
    return chromium.launch({
        executablePath: CHROMIUM,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
            '--disable-component-update', '--disable-sync', '--no-first-run',
            '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1'],
    });
}

// A context that stays on the machine. Console errors and page errors are
// collected in ctx.problems for the tests to assert on.
export async function newContext(browser, base, options = {}) {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
    const origin = new URL(base).origin;
    await ctx.route('**/*', (route) => {
        const u = route.request().url();
        if (u.startsWith(origin) || u.startsWith('data:') || u.startsWith('blob:')) {
            return route.continue();
        }
        return route.abort('blockedbyclient');
    });
    ctx.problems = [];
    ctx.on('page', (page) => watch(ctx, page));
    return ctx;
}

function watch(ctx, page) {
    page.on('pageerror', (e) => ctx.problems.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
        // Requests this harness blocks on purpose (the video room), HTTP
        // errors that the tests provoke and check, and a request that fails
        // because a test holds the browser offline are not problems.
        const expected =
            /ERR_BLOCKED_BY_CLIENT|ERR_NAME_NOT_RESOLVED|ERR_INTERNET_DISCONNECTED|server responded with a status of/;
        if (m.type() === 'error' && !expected.test(m.text())) {
            ctx.problems.push(`console: ${m.text()}`);
        }
    });
}

// axe-core over the page, the third-party video frame left out. Returns the
// serious and critical violations, as readable strings.
export async function seriousViolations(page) {
    const res = await new AxeBuilder({ page }).exclude('#room-frame').analyze();
    return res.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

// After a change of size: two animation frames, so that the page has laid
// itself out and drawn (what a fixed delay guessed at on a busy machine).
export async function settled(page) {
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

// Full-page screenshots of `page` at 1280 and 360 px wide, as NAME-1280.png
// and NAME-360.png under artifacts/; the viewport is put back afterwards.
export async function screenshots(page, name) {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    const size = page.viewportSize();
    for (const width of [1280, 360]) {
        await page.setViewportSize({ width, height: width === 360 ? 740 : 900 });
        await settled(page);
        await page.screenshot({ path: path.join(ARTIFACTS, `${name}-${width}.png`), fullPage: true });
    }
    await page.setViewportSize(size);
}

// Whether the page scrolls sideways (it must not at 360 px).
export async function overflowsX(page) {
    return page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth + 1);
}

// Screenshots of one panel (`selector`) at 1280 and 360 px wide, as
// NAME-1280.png and NAME-360.png under artifacts/; the viewport is put back.
export async function panelShots(page, selector, name) {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    const size = page.viewportSize();
    for (const width of [1280, 360]) {
        await page.setViewportSize({ width, height: width === 360 ? 740 : 900 });
        await settled(page);
        // On a phone the page shows one section at a time: the panel's own.
        const section = await page.locator(selector).evaluate((el) => el.closest('[data-section]')?.dataset.section);
        if (section && await page.isVisible(`#nav-${section}`)) {
            await page.click(`#nav-${section}`);
            await settled(page);
        }
        await page.locator(selector).screenshot({ path: path.join(ARTIFACTS, `${name}-${width}.png`) });
    }
    await page.setViewportSize(size);
}

// At 360 px wide, `what` does not scroll sideways; the viewport is put back.
export async function narrow(page, what) {
    await page.setViewportSize({ width: 360, height: 740 });
    assert.equal(await overflowsX(page), false, `${what} scrolls sideways at 360 px`);
    await page.setViewportSize({ width: 1280, height: 900 });
}

// Wait until the live region has said something matching `re`.
export async function announced(page, re) {
    await page.waitForFunction((src) => new RegExp(src).test(document.querySelector('#announcer').textContent),
        re.source);
}

// The snapshot the server gives this page's participant, over HTTP.
export async function snapshot(page) {
    return page.evaluate(async () => {
        const meeting = location.pathname.split('/').pop();
        const token = sessionStorage.getItem(`concerto.token.${meeting}`);
        const res = await fetch(`/api/meetings/${meeting}`, { headers: { Authorization: `Bearer ${token}` } });
        return res.json();
    });
}

// A real mail system on loopback: Debian's aiosmtpd as the SMTP server,
// delivering to a Maildir, and msmtp as the sendmail the server runs,
// configured through XDG_CONFIG_HOME. Resolves with {sendmail, env,
// messages(), stop()}: pass `env` to startServer and `--sendmail` the path.
export async function startMail() {
    const MSMTP = '/usr/bin/msmtp';
    if (!fs.existsSync(MSMTP)) {
        throw new Error('msmtp is missing: deploy/install-deps.sh --test installs it');
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'concerto-mail-'));
    const maildir = path.join(dir, 'Maildir');
    const port = await freePort();
    const proc = spawn('/usr/bin/python3', ['-m', 'aiosmtpd', '-n', '-l', `127.0.0.1:${port}`,
        '-c', 'aiosmtpd.handlers.Mailbox', maildir], { stdio: ['ignore', 'ignore', 'pipe'] });
    const reap = () => proc.exitCode === null && proc.kill('SIGKILL');
    process.on('exit', reap);
    let err = '';
    proc.stderr.on('data', (d) => {
        err += d;
    });
    const deadline = Date.now() + 20000;
    for (;;) {
        if (proc.exitCode !== null) {
            throw new Error(`the SMTP server stopped: ${err}`);
        }
        const up = await new Promise((resolve) => {
            const s = net.connect(port, '127.0.0.1', () => {
                s.end();
                resolve(true);
            });
            s.on('error', () => resolve(false));
        });
        if (up) {
            break;
        }
        if (Date.now() > deadline) {
            throw new Error(`the SMTP server did not listen: ${err}`);
        }
        await new Promise((r) => setTimeout(r, 100));
    }
    const conf = path.join(dir, 'xdg', 'msmtp');
    fs.mkdirSync(conf, { recursive: true });
    fs.writeFileSync(path.join(conf, 'config'), 'defaults\nauth off\ntls off\n\naccount default\n'
        + `host 127.0.0.1\nport ${port}\nfrom secretariat@example.org\n`, { mode: 0o600 });
    return {
        sendmail: MSMTP,
        env: { XDG_CONFIG_HOME: path.join(dir, 'xdg'), HOME: dir },
        messages() {
            if (!fs.existsSync(path.join(maildir, 'new'))) {
                return [];
            }
            const out = execFileSync('/usr/bin/python3', [path.join(here, 'maildir_json.py'), maildir], { encoding: 'utf8' });
            return JSON.parse(out);
        },
        async stop() {
            reap();
            fs.rmSync(dir, { recursive: true, force: true });
        },
    };
}
