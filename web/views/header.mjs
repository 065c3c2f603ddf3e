// SPDX-License-Identifier: AGPL-3.0-or-later
//
// header.mjs - the meeting page's banner: what meeting this is (title,
// commission, date, place), its state, who the person is, and whether the
// page is connected. The connection indicator says it in words as well as in
// colour; its changes are announced by the page, not here.

import { h, fill } from '../dom.mjs';
import { t, formatMeetingDate, formatTime, roleName, collegeName } from '../i18n.mjs';
import { langSwitchView } from './langswitch.mjs';

// `extra`: an element put under "you" (the device's memory, device.mjs).
export function headerView(extra) {
    const title = h('h1', { id: 'meeting-title', class: 'meeting-title' }, t('meeting.loading'));
    const meta = h('p', { class: 'meeting-meta' });
    const stateBadge = h('span', { class: 'state-badge', id: 'meeting-state' });
    const stateTime = h('span', { class: 'state-time' });
    const you = h('p', { class: 'you', id: 'you' });
    const connText = h('span', { class: 'conn-text' });
    const conn = h('p', { class: 'conn', id: 'conn', dataset: { status: 'connecting' } },
        h('span', { class: 'conn-dot', 'aria-hidden': 'true' }),
        h('span', { class: 'visually-hidden' }, t('conn.label'), ' '),
        connText);

    const el = h('header', { class: 'banner' },
        h('div', { class: 'bar' },
            h('p', { class: 'brand' }, t('app.name')),
            h('div', { class: 'bar-tools' }, conn, langSwitchView())),
        h('div', { class: 'meeting-head' },
            title,
            meta,
            h('p', { class: 'meeting-state' }, stateBadge, ' ', stateTime),
            you, extra));

    return {
        el,
        setStatus(status) {
            conn.dataset.status = status;
            connText.textContent = t(`conn.${status}`);
        },
        update(state, me) {
            const m = state.meeting;
            title.textContent = m.title || '';
            const parts = [m.commission?.name, formatMeetingDate(m.date), m.place].filter(Boolean);
            fill(meta, parts.join(' · '));
            stateBadge.textContent = t(`state.${m.state}`);
            stateBadge.dataset.state = m.state;
            if (m.state === 'closed' && m.closed_at) {
                stateTime.textContent = t('meeting.closedAt', { time: formatTime(m.closed_at) });
            } else if (m.state !== 'scheduled' && m.opened_at) {
                stateTime.textContent = t('meeting.openedAt', { time: formatTime(m.opened_at) });
            } else {
                stateTime.textContent = '';
            }
            if (me) {
                const role = roleName(me.role);
                fill(you, h('span', { class: 'you-label' }, t('you.label')), ' ',
                    h('strong', {}, me.name), ' — ',
                    me.college ? t('you.roleCollege', { role, college: collegeName(me.college) }) : role);
            }
        },
    };
}
