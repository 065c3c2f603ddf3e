// SPDX-License-Identifier: AGPL-3.0-or-later
//
// meeting.mjs - the page of one meeting, /m/MEETING#t=TOKEN.
//
// It takes the token from the address, opens the connection (conn.mjs) and
// lays the panels out:
//
//   +-------------------------------------------------------------+
//   | banner: title, date, state, you, this device, language      |
//   +-------------------------------------------------------------+
//   | status line and the task of the moment (status.mjs)         |
//   | sections: floor, vote, agenda, participants, minutes (phone)|
//   +---------------------------------------+---------------------+
//   | notices                               | agenda              |
//   | chair's controls (chair only)         | participants        |
//   | speakers: the floor and the queue     | proxies, recusals   |
//   | votes: ballot, count, results         | roll call (chair,   |
//   | video room                            |  secretary)         |
//   |                                       | decisions, actions  |
//   | minutes (in minutes-slot)             |                     |
//   +---------------------------------------+---------------------+
//
// On a phone only one section shows at a time (sections.mjs), chosen in one
// tap or by the prompt's button; on a wide screen every panel shows, in the
// two columns. Each panel carries its section in data-section. Each panel is a view module with
// update(state, you), and tick(now) for those that count time; new panels
// slot into one of the columns. The minutes panel sits in `minutes-slot`, at
// the end of the main column.
//
// Changes from the server are drawn at most once per animation frame (a
// resume can bring a hundred events at once); clocks are redrawn twice a
// second from the server's time (conn.serverNow()). A change of language
// redraws the whole page and puts the focus back on the control that had it.
// The page starts in the participant's own language (`you.lang` of the
// welcome, the roster's), else the meeting's, unless the person chose one on
// this device (i18n.mjs).

import { h, fill } from '../dom.mjs';
import { t, onLangChange, setDefaultLang } from '../i18n.mjs';
import { Conn, takeToken } from '../conn.mjs';
import { statusView, ballotsToCast } from './status.mjs';
import { sectionsView, firstSection } from './sections.mjs';
import { deviceView } from './device.mjs';
import { request } from '../api.mjs';
import { fromSnapshot, applyEvent, applyCount, applyAttendance, applySpeakers, addRoster, openVote } from '../state.mjs';
import { headerView } from './header.mjs';
import { participantsView } from './participants.mjs';
import { lifecycleView } from './lifecycle.mjs';
import { roomView } from './room.mjs';
import { noticesView } from './notices.mjs';
import { announcerView } from './announcer.mjs';
import { langSwitchView } from './langswitch.mjs';
import { agendaView } from './agenda.mjs';
import { speakersView } from './speakers.mjs';
import { votesView } from './votes.mjs';
import { proxiesView } from './proxies.mjs';
import { attendanceView } from './attendance.mjs';
import { minutesView } from './minutes.mjs';
import { followupView } from './followup.mjs';

function stopPage(root, titleKey, textKey) {
    fill(root,
        h('header', { class: 'banner' },
            h('div', { class: 'bar' }, h('p', { class: 'brand' }, t('app.name')),
                h('div', { class: 'bar-tools' }, langSwitchView()))),
        h('main', { id: 'main', class: 'stop', tabindex: '-1' },
            h('h1', {}, t(titleKey)),
            h('p', { id: 'stop-text' }, t(textKey))));
    document.title = `${t(titleKey)} — ${t('app.name')}`;
}

export function meetingPage(root, meetingId) {
    const token = takeToken(meetingId);
    if (!token) {
        stopPage(root, 'token.missing.title', 'token.missing.text');
        onLangChange(() => stopPage(root, 'token.missing.title', 'token.missing.text'));
        return;
    }

    const conn = new Conn(meetingId, token, { fromSnapshot, applyEvent, applyCount, applyAttendance,
        applySpeakers });
    const notices = noticesView();
    const announcer = announcerView();
    const notify = (e) => notices.show({ code: e.code || 'internal', message: e.message });
    const ctx = {
        conn,
        meeting: meetingId,
        token,
        notify,
        now: () => conn.serverNow(),
        // The whole roster, for a page of a large meeting whose snapshot left
        // the members out; fetched only when a person asks for it.
        async loadRoster(el) {
            el?.setAttribute('aria-busy', 'true');
            try {
                const snap = await request('GET', `/api/meetings/${encodeURIComponent(meetingId)}`, { token });
                if (conn.state && addRoster(conn.state, snap.participants)) {
                    draw();
                }
            } catch (e) {
                notify(e);
            } finally {
                el?.removeAttribute('aria-busy');
            }
        },
        // Send a command for a control: it is marked busy meanwhile; resolves
        // with the ok body, or null once a refusal has been shown.
        async send(type, body, el) {
            el?.setAttribute('aria-busy', 'true');
            if (conn.status !== 'online') {
                // Said at once: the command waits for the connection (conn.mjs).
                announcer.say(t('cmd.queued'));
            }
            try {
                return (await conn.command(type, body)) || {};
            } catch (e) {
                notify(e);
                return null;
            } finally {
                el?.removeAttribute('aria-busy');
            }
        },
    };
    let views = null;
    let failed = false;
    let welcomed = false;
    let langFromMeeting = false;
    let frame = 0;
    let section = '';

    // Show `name` (on a phone) and bring `selector` into view with the focus
    // on its first control: where a prompt's button takes the person.
    function go(name, selector) {
        section = name;
        const layout = root.querySelector('.layout');
        if (layout) {
            layout.dataset.section = name;
        }
        views?.sections.show(name);
        if (!selector) {
            return;
        }
        requestAnimationFrame(() => {
            const target = document.querySelector(selector);
            if (!target) {
                return;
            }
            target.scrollIntoView({ block: 'start' });
            const shown = (x) => x.getClientRects().length > 0;
            const controls = [...target.querySelectorAll('input, button, summary, textarea, [tabindex="-1"]')]
                .filter(shown);
            const control = controls.find((x) => x.checked) || controls[0];
            if (control) {
                control.focus({ preventScroll: true });
            } else {
                target.setAttribute('tabindex', '-1');
                target.focus({ preventScroll: true });
            }
        });
    }

    function build() {
        if (failed) {
            stopPage(root, 'token.bad.title', 'token.bad.text');
            return;
        }
        const you = conn.you;
        const role = you?.role || '';
        const device = deviceView(ctx, () => {
            conn.stop();
            stopPage(root, 'device.forgotten.title', 'device.forgotten.text');
        });
        const header = headerView(device.el);
        const status = statusView(ctx, go);
        const sections = sectionsView((name) => go(name, '.layout'));
        if (!section || views?.role !== role) {
            section = firstSection(role);
        }
        const room = roomView();
        const participants = participantsView(ctx);
        const chair = role === 'chair' ? lifecycleView(ctx) : null;
        const agenda = agendaView(ctx);
        const followup = followupView(ctx);
        const speakers = speakersView(ctx);
        const votes = votesView(ctx);
        const proxies = proxiesView(ctx);
        const attendance = role === 'chair' || role === 'secretary' ? attendanceView(ctx) : null;
        const minutes = minutesView(ctx);
        const minutesSlot = h('div', { class: 'minutes-slot', id: 'minutes-slot' }, minutes.el);
        notices.render();
        const place = (name, ...els) => els.forEach((x) => x?.setAttribute('data-section', name));
        place('floor', chair?.el, speakers.el, room.el);
        place('vote', votes.el);
        place('agenda', agenda.el, followup.el);
        place('people', participants.el, proxies.el, attendance?.el);
        place('minutes', minutesSlot);
        sections.show(section);
        const mainCol = h('div', { class: 'layout-main' }, notices.el, chair?.el, speakers.el, votes.el, room.el,
            minutesSlot);
        const sideCol = h('div', { class: 'layout-side' }, agenda.el, followup.el, participants.el, proxies.el, attendance?.el);
        const loading = h('p', { class: 'loading', id: 'loading' }, t('meeting.loading'));
        const main = h('main', { id: 'main', tabindex: '-1' },
            conn.state ? [h('div', { class: 'now' }, status.el, sections.el),
                h('div', { class: 'layout', dataset: { section } }, mainCol, sideCol)] : [notices.el, loading]);
        fill(root,
            h('a', { class: 'skip', id: 'skip', href: '#main' }, t('skip')),
            header.el, main, announcer.el);
        views = { header, status, sections, device, room, participants, chair, agenda, followup, speakers, votes, proxies,
            attendance, minutes, role, hasState: !!conn.state };
        status.setPending(conn.pending.size, conn.status);
        header.setStatus(conn.status);
        draw();
    }

    function draw() {
        frame = 0;
        const s = conn.state;
        if (!views || !s) {
            return;
        }
        for (const v of [views.header, views.status, views.room, views.participants, views.chair, views.agenda,
            views.followup, views.speakers,
            views.votes, views.proxies, views.attendance, views.minutes]) {
            v?.update(s, conn.you);
        }
        const prefix = views.status.titlePrefix();
        document.title = `${prefix ? `${prefix} — ` : ''}${s.meeting.title || ''} — ${t('app.name')}`;
        const layout = root.querySelector('.layout');
        if (layout) {
            layout.dataset.meeting = s.meeting.state;
        }
        const v = openVote(s);
        views.sections.flag('vote', v && ballotsToCast(s, v, conn.you, meetingId).length ? t('nav.toDo') : '');
        views.sections.flag('floor', s.turn && s.turn.participant === conn.you?.participant ? t('nav.yourTurn') : '');
    }

    function tick() {
        if (!views || !conn.state || document.hidden) {
            return;
        }
        const now = conn.serverNow();
        for (const v of [views.agenda, views.speakers, views.votes, views.minutes]) {
            v?.tick(now);
        }
    }

    // Rebuild when the layout itself must change (state arrived, role known),
    // keeping the focus on the same control.
    function rebuild() {
        const focused = document.activeElement?.id;
        build();
        const again = focused && document.getElementById(focused);
        if (again) {
            again.focus();
        }
    }

    conn.addEventListener('status', (e) => {
        const st = e.detail.status;
        views?.header.setStatus(st);
        views?.status.setPending(conn.pending.size, st);
        views?.chair?.render();
        if (welcomed && (st === 'online' || st === 'offline')) {
            announcer.say(t(st === 'online' ? 'announce.online' : 'announce.offline'));
        }
    });
    conn.addEventListener('change', (e) => {
        const d = e.detail;
        if (d.reset) {
            welcomed = true;
            // the person's own language (the roster's, said in the welcome),
            // else the meeting's: used only while they have not chosen one
            const lang = conn.you?.lang || conn.state.meeting.lang;
            if (!langFromMeeting && lang) {
                langFromMeeting = true;
                setDefaultLang(lang); // rebuilds if it changes the language
            }
            if (!views || !views.hasState || views.role !== (conn.you?.role || '')) {
                rebuild();
                return;
            }
        }
        if (d.announce) {
            const a = d.announce;
            announcer.say(typeof a === 'string' ? t(a) : t(a.key, a.params));
        }
        if (!frame) {
            frame = requestAnimationFrame(draw);
        }
    });
    conn.addEventListener('pending', () => {
        views?.status.setPending(conn.pending.size, conn.status);
        views?.chair?.render();
    });
    conn.addEventListener('error', (e) => ctx.notify(e.detail));
    conn.addEventListener('failed', () => {
        failed = true;
        rebuild();
    });
    onLangChange(rebuild);

    build();
    conn.start();
    setInterval(tick, 500);
    // For the browser tests and for debugging from the console.
    window.concerto = { conn };
}
