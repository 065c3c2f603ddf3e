// SPDX-License-Identifier: AGPL-3.0-or-later
//
// attendance.mjs - the secretary's roll call (pointage): for each member,
// what the connection says and the mark the secretary sets (PROTOCOL.md
// §6.4): present in the room, excused with a reason, absent, or none (back
// to following the connection). A mark wins over the connection for the
// quorum. Shown to the secretary and to the chair, who may both mark.
//
// One small form per person, kept across updates (dom.mjs reconcile) so that
// a half-typed reason or a focused control is never lost when someone else
// joins; the form shows the current mark until the person changes it.

import { h, button, reconcile, setText } from '../dom.mjs';
import { t, collegeName, roleName } from '../i18n.mjs';

const MARKS = ['none', 'present', 'excused', 'absent'];

export function attendanceView(ctx) {
    let st = null;
    const rows = new Map();
    const list = h('ul', { class: 'roll', id: 'roll' });
    const el = h('section', { class: 'panel attendance', id: 'attendance', 'aria-labelledby': 'attendance-h' },
        h('h2', { id: 'attendance-h' }, t('attendance.title')),
        h('p', { class: 'help' }, t('attendance.help')),
        list);

    function makeRow(p0) {
        const id = p0.id;
        const name = h('span', { class: 'roll-name', id: `roll-name-${id}` });
        const now = h('span', { class: 'roll-now' });
        const select = h('select', { id: `mark-${id}`, 'aria-labelledby': `mark-label-${id} roll-name-${id}` },
            MARKS.map((m) => h('option', { value: m }, t(`attendance.mark.${m}`))));
        const reason = h('input', { id: `reason-${id}`, autocomplete: 'off', maxlength: '500' });
        const reasonField = h('div', { class: 'field roll-reason' },
            h('label', { for: `reason-${id}` }, t('attendance.reason')), reason);
        const save = button({ id: `mark-save-${id}`, class: 'primary' },
            [t('attendance.save'), h('span', { class: 'visually-hidden' }, ` ${p0.name}`)], async () => {
                const body = { participant: id, status: select.value };
                if (select.value === 'excused' && reason.value.trim()) {
                    body.reason = reason.value.trim();
                }
                const ok = await ctx.send('attendance.mark', body, save);
                if (ok) {
                    dirty = false;
                    sync(st.byId.get(id));
                }
            });
        let dirty = false;
        const form = h('div', { class: 'roll-form' },
            h('div', { class: 'field' }, h('label', { id: `mark-label-${id}`, for: `mark-${id}` }, t('attendance.mark.label')), select),
            reasonField, h('div', { class: 'actions' }, save));
        select.addEventListener('change', () => {
            dirty = true;
            reasonField.hidden = select.value !== 'excused';
        });
        reason.addEventListener('input', () => {
            dirty = true;
        });
        const li = h('li', { class: 'roll-row', dataset: { participant: id } },
            h('p', { class: 'roll-who' }, name, ' ', now), form);
        function sync(p) {
            if (!dirty && !li.contains(document.activeElement)) {
                // A member's own check-in is not "in the room": it says so.
                select.querySelector('option[value="present"]').textContent =
                    t(p.checkin ? 'attendance.mark.checkin' : 'attendance.mark.present');
                select.value = p.mark;
                reason.value = p.reason || '';
                reasonField.hidden = p.mark !== 'excused';
            }
        }
        return {
            el: li,
            update(p) {
                li.dataset.mark = p.mark;
                li.dataset.present = String(p.present);
                setText(name, p.college ? `${p.name} (${collegeName(p.college)})` : `${p.name} — ${roleName(p.role)}`);
                let text = t(p.connected ? 'attendance.connected' : 'attendance.notConnected');
                if (p.mark !== 'none') {
                    text += ` · ${p.mark === 'excused' && p.reason ? t('participants.mark.excusedWhy', { reason: p.reason })
                        : t(p.checkin ? 'attendance.marked.checkin' : `attendance.marked.${p.mark}`)}`;
                }
                setText(now, `— ${text}`);
                sync(p);
            },
        };
    }

    return {
        el,
        update(s) {
            st = s;
            reconcile(list, rows, s.participants.filter((p) => p.role === 'member'), (p) => p.id, makeRow);
            el.dataset.closed = String(s.meeting.state === 'closed');
        },
    };
}
