// SPDX-License-Identifier: AGPL-3.0-or-later
//
// room.mjs - the video room: the meeting's Jitsi Meet room in an iframe.
//
// meeting.room is either a full https:// address or a bare room name on the
// public Jitsi Meet; anything else is not shown (the page's CSP only lets
// https: frames in anyway). The person can hide the video, which removes the
// iframe and so really turns their camera and microphone off, or open the
// room in a window of its own (the embedded one is then hidden, so they do
// not join twice). Hiding is remembered in this browser.
//
// A room that cannot load shows the browser's broken-page frame, and a
// cross-origin frame cannot be looked into: so the frame always has a line
// under it saying what to do if it stays grey, with the "new window" button,
// and a frame that has not loaded within LOAD_WAIT is replaced by that
// explanation alone.
//
// The name the person was invited under is passed to Jitsi in the address's
// fragment (userInfo.displayName), so they show up under the right name.

import { h, fill } from '../dom.mjs';
import { t, getLang } from '../i18n.mjs';

const HIDDEN_KEY = 'concerto.video.hidden';
const PUBLIC_JITSI = 'https://meet.jit.si/';
const LOAD_WAIT = 20000;

// The https address of a room, or '' when there is none.
export function roomUrl(room) {
    if (typeof room !== 'string' || room === '') {
        return '';
    }
    if (/^https:\/\/[^\s]+$/i.test(room)) {
        return room;
    }
    if (/^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/.test(room)) {
        return PUBLIC_JITSI + room;
    }
    return '';
}

function withName(url, name) {
    const base = url.split('#')[0];
    const params = [`config.defaultLanguage=${encodeURIComponent(JSON.stringify(getLang()))}`];
    if (name) {
        params.push(`userInfo.displayName=${encodeURIComponent(JSON.stringify(name))}`);
    }
    return `${base}#${params.join('&')}`;
}

function isHidden() {
    try {
        return localStorage.getItem(HIDDEN_KEY) === '1';
    } catch {
        return false;
    }
}

function remember(hidden) {
    try {
        localStorage.setItem(HIDDEN_KEY, hidden ? '1' : '0');
    } catch {
        // not remembered: fine
    }
}

export function roomView() {
    const body = h('div', { class: 'room-body', id: 'room-body' });
    const toggle = h('button', { type: 'button', id: 'room-toggle', 'aria-controls': 'room-body' });
    const open = h('a', { id: 'room-open', class: 'button-link', target: '_blank', rel: 'noopener noreferrer' },
        t('room.newWindow'));
    const tools = h('div', { class: 'actions room-tools' }, toggle, open);
    let waiting = 0;
    const el = h('section', { class: 'panel room', id: 'room', 'aria-labelledby': 'room-h' },
        h('h2', { id: 'room-h' }, t('room.title')), tools, body);
    let url = '';
    let name = '';
    let hidden = isHidden();
    let frameFor = null; // the address the current iframe shows

    function render() {
        tools.hidden = !url;
        if (!url) {
            frameFor = null;
            fill(body, h('p', { class: 'muted' }, t('room.none')));
            return;
        }
        const src = withName(url, name);
        open.href = src;
        toggle.textContent = t(hidden ? 'room.show' : 'room.hide');
        toggle.setAttribute('aria-expanded', String(!hidden));
        if (hidden) {
            frameFor = null;
            fill(body, h('p', { class: 'muted' }, t('room.hidden')));
        } else if (frameFor !== src) {
            frameFor = src;
            const frame = h('iframe', { src, title: t('room.frameTitle'), id: 'room-frame',
                allow: 'camera; microphone; display-capture',
                allowfullscreen: true, referrerpolicy: 'no-referrer' });
            clearTimeout(waiting);
            let loaded = false;
            frame.addEventListener('load', () => {
                loaded = true;
            });
            waiting = setTimeout(() => {
                if (!loaded && frame.isConnected) {
                    failed();
                }
            }, LOAD_WAIT);
            fill(body, h('div', { class: 'frame-box' }, frame),
                h('p', { class: 'help room-trouble', id: 'room-trouble' }, t('room.trouble')));
        }
    }

    // The frame did not load: words and the button instead of a grey frame.
    function failed() {
        frameFor = null;
        const again = h('a', { class: 'button-link primary', href: open.href, target: '_blank',
            rel: 'noopener noreferrer', id: 'room-open-failed' }, t('room.newWindow'));
        again.addEventListener('click', () => {
            hidden = true;
            remember(true);
            render();
        });
        fill(body, h('div', { class: 'room-failed', id: 'room-failed', role: 'status' },
            h('p', {}, t('room.failed')), h('div', { class: 'actions' }, again)));
    }

    toggle.addEventListener('click', () => {
        hidden = !hidden;
        remember(hidden);
        render();
    });
    open.addEventListener('click', () => {
        hidden = true;
        remember(true);
        render();
    });

    return {
        el,
        update(state, me) {
            const nextUrl = roomUrl(state.meeting.room);
            const nextName = me?.name || '';
            if (nextUrl !== url || nextName !== name || !body.firstChild) {
                url = nextUrl;
                name = nextName;
                render();
            }
        },
    };
}
