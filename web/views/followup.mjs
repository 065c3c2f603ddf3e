// SPDX-License-Identifier: AGPL-3.0-or-later
//
// followup.mjs - decisions and actions (PROTOCOL.md §6.8, §3.1).
//
// Everyone reads, item by item in the order of the agenda, what was decided
// and who does what by when, with each action's status; the current item
// comes first, the rest under it. An action carried from the previous
// meeting says so. The chair and the secretary record a decision or an
// action on an item (the current one by default) and change an action's
// status from its row. An action's owner is a participant or one of the
// commission's working groups, which the page fetches once
// (GET /api/meetings/M/groups). The layout is a single column of short
// rows, so that it reads on a 360-pixel phone.

import { h, button, setText } from '../dom.mjs';
import { t, formatDay } from '../i18n.mjs';
import { request } from '../api.mjs';
import { agendaOrder, agendaNumbers, followupOf, ACTION_STATUSES } from '../state.mjs';

export function followupView(ctx) {
    let st = null;
    let bureau = false;
    let groups = [];
    let groupsAsked = false;

    const list = h('div', { class: 'followup-list', id: 'followup-list' });
    const none = h('p', { class: 'muted', id: 'followup-none' }, t('followup.none'));

    // The bureau's forms.
    const itemSelect = h('select', { id: 'followup-item' });
    const decisionText = h('textarea', { id: 'decision-text', rows: '3', maxlength: '1200' });
    const decisionStatus = h('p', { class: 'form-status', role: 'status' });
    // Without a current item, the form names one.
    function noItem(status) {
        if (itemSelect.value || st?.current) {
            return false;
        }
        setText(status, t('followup.itemFirst'));
        itemSelect.focus();
        return true;
    }
    const decisionBtn = button({ id: 'decision-submit', class: 'primary' }, t('followup.decision.submit'), async () => {
        if (noItem(decisionStatus)) {
            return;
        }
        if (!decisionText.value.trim()) {
            setText(decisionStatus, t('followup.decision.empty'));
            decisionText.focus();
            return;
        }
        const body = { text: decisionText.value.trim() };
        if (itemSelect.value) {
            body.item = itemSelect.value;
        }
        const ok = await ctx.send('decision.record', body, decisionBtn);
        if (ok) {
            decisionText.value = '';
        }
        setText(decisionStatus, ok ? t('followup.decision.done') : '');
    });
    const actionTitle = h('input', { id: 'action-title', type: 'text', maxlength: '500' });
    const ownerSelect = h('select', { id: 'action-owner' });
    const dueInput = h('input', { id: 'action-due', type: 'date' });
    const actionStatus = h('p', { class: 'form-status', role: 'status' });
    const actionBtn = button({ id: 'action-submit', class: 'primary' }, t('followup.action.submit'), async () => {
        if (noItem(actionStatus)) {
            return;
        }
        if (!actionTitle.value.trim() || !ownerSelect.value) {
            setText(actionStatus, t('followup.action.missing'));
            (actionTitle.value.trim() ? ownerSelect : actionTitle).focus();
            return;
        }
        const body = { title: actionTitle.value.trim(), owner: ownerSelect.value };
        if (dueInput.value) {
            body.due = dueInput.value;
        }
        if (itemSelect.value) {
            body.item = itemSelect.value;
        }
        const ok = await ctx.send('action.record', body, actionBtn);
        if (ok) {
            actionTitle.value = '';
            dueInput.value = '';
        }
        setText(actionStatus, ok ? t('followup.action.done') : '');
    });
    const forms = h('details', { class: 'paper', id: 'followup-forms' },
        h('summary', {}, t('followup.record.title')),
        h('div', { class: 'field' }, h('label', { for: 'followup-item' }, t('followup.item')), itemSelect),
        h('h3', {}, t('followup.decision.title')),
        h('div', { class: 'field' }, h('label', { for: 'decision-text' }, t('followup.decision.text')), decisionText),
        h('div', { class: 'actions' }, decisionBtn), decisionStatus,
        h('h3', {}, t('followup.action.title')),
        h('div', { class: 'field' }, h('label', { for: 'action-title' }, t('followup.action.what')), actionTitle),
        h('div', { class: 'field' }, h('label', { for: 'action-owner' }, t('followup.action.owner')), ownerSelect),
        h('div', { class: 'field' }, h('label', { for: 'action-due' }, t('followup.action.due')), dueInput),
        h('div', { class: 'actions' }, actionBtn), actionStatus);

    const el = h('section', { class: 'panel followup', id: 'followup', 'aria-labelledby': 'followup-h' },
        h('h2', { id: 'followup-h' }, t('followup.title')), list, none, forms);

    async function loadGroups() {
        groupsAsked = true;
        try {
            const r = await request('GET', `/api/meetings/${encodeURIComponent(ctx.meeting)}/groups`,
                { token: ctx.token });
            groups = Array.isArray(r.groups) ? r.groups : [];
            if (st) {
                render();
            }
        } catch (e) {
            groupsAsked = false; // asked again at the next change
        }
    }

    function statusLabel(s) {
        return t(`followup.status.${s}`);
    }

    function actionRow(a) {
        const due = a.due ? t('followup.due', { date: formatDay(a.due) }) : t('followup.noDue');
        const text = [h('strong', {}, a.title), ' — ', a.owner_name || a.owner, ' — ', due];
        const li = h('li', { class: 'action', dataset: { action: a.action, status: a.status } });
        if (a.origin) {
            text.push(' ', h('span', { class: 'muted' }, t('followup.carried', { meeting: a.origin.split('/')[0] })));
        }
        li.append(h('span', {}, ...text), ' ');
        if (bureau) {
            const id = `action-status-${a.action}`;
            const sel = h('select', { id, dataset: { action: a.action } },
                ...ACTION_STATUSES.map((s) => h('option', { value: s }, statusLabel(s))));
            sel.value = a.status;
            sel.addEventListener('change', async () => {
                const ok = await ctx.send('action.update', { action: a.action, status: sel.value }, sel);
                if (!ok) {
                    sel.value = a.status;
                }
            });
            li.append(h('label', { for: id, class: 'visually-hidden' }, t('followup.status.label', { title: a.title })), sel);
        } else {
            li.append(h('span', { class: 'badge' }, statusLabel(a.status)));
        }
        return li;
    }

    function render() {
        const nums = agendaNumbers(st);
        const order = agendaOrder(st);
        const cur = order.filter((it) => it.id === st.current);
        const blocks = [];
        for (const it of [...cur, ...order.filter((x) => x.id !== st.current)]) {
            const f = followupOf(st, it.id);
            if (!f.decisions.length && !f.actions.length) {
                continue;
            }
            blocks.push(h('div', { class: 'followup-item', dataset: { item: it.id } },
                h('h3', {}, `${nums.get(it.id)}. ${it.title}`),
                f.decisions.length ? h('ul', { class: 'decisions' },
                    ...f.decisions.map((d) => h('li', { dataset: { decision: d.decision } },
                        h('span', { class: 'label' }, t('followup.decision.label')), ' ', d.text))) : null,
                f.actions.length ? h('ul', { class: 'actions-list' }, ...f.actions.map(actionRow)) : null));
        }
        list.replaceChildren(...blocks);
        none.hidden = blocks.length > 0;
        forms.hidden = !bureau || st.finalized.by !== '';
        if (!bureau) {
            return;
        }
        const opts = [h('option', { value: '' }, st.current
            ? t('followup.itemCurrent', { num: nums.get(st.current), title: st.agenda.get(st.current)?.title || '' })
            : t('followup.itemChoose'))];
        for (const it of order) {
            opts.push(h('option', { value: it.id }, `${nums.get(it.id)}. ${it.title}`));
        }
        fillSelect(itemSelect, opts);
        const owners = [h('option', { value: '' }, t('followup.action.ownerChoose'))];
        for (const g of groups) {
            owners.push(h('option', { value: g.id }, t('followup.group', { name: g.name })));
        }
        for (const p of st.participants) {
            owners.push(h('option', { value: p.id }, p.name));
        }
        fillSelect(ownerSelect, owners);
    }

    // Replace a select's options only when they changed, keeping the choice.
    function fillSelect(sel, opts) {
        const sig = opts.map((o) => `${o.value}=${o.textContent}`).join('\n');
        if (sel.dataset.sig === sig) {
            return;
        }
        const keep = sel.value;
        sel.dataset.sig = sig;
        sel.replaceChildren(...opts);
        sel.value = [...sel.options].some((o) => o.value === keep) ? keep : '';
    }

    return {
        el,
        update(state, you) {
            st = state;
            bureau = you?.role === 'chair' || you?.role === 'secretary';
            if (bureau && !groupsAsked) {
                loadGroups();
            }
            render();
        },
    };
}
