// SPDX-License-Identifier: AGPL-3.0-or-later
//
// agenda.mjs - the agenda (ordre du jour): items in display order, sub-items
// nested under their item, the current one highlighted, the planned time
// against the time spent, and the state of each in words (à venir, en cours,
// traité, reporté).
//
// Time spent is the item's `actual` plus, while it is current, the server's
// now minus its opening (PROTOCOL.md §5.3); tick() redraws it every second
// from the server's clock (conn.serverNow()), so that every page shows the
// same figure.
//
// The chair and the secretary manage the agenda: add an item (title,
// description, presenter, planned minutes, kind, parent, and its own speaking
// time when it is not the meeting's), edit, move up and
// down among its siblings, remove one never opened. The chair also opens,
// closes and postpones items, and has "open the next item" at the top. The
// actions of an item sit in a disclosure of their own, so that the list
// stays short to read and to tab through.
//
// Rows are kept per item id and updated in place (dom.mjs reconcile), so a
// focused button keeps the focus when the list changes under it.

import { h, button, enable, reconcile, setText, newId } from '../dom.mjs';
import { t, formatMinutes, formatDuration, getLang } from '../i18n.mjs';
import { download } from '../api.mjs';
import { formatBytes, formatLabel } from '../documents.mjs';
import { agendaOrder, agendaNumbers, itemElapsed } from '../state.mjs';
import { confirmView } from './confirm.mjs';

const KINDS = ['information', 'deliberation', 'vote'];

// The item the chair most likely opens next: the first pending item after
// the current one in display order (its first sub-item, if it has some), or
// the first pending item when none is current.
export function nextItem(s) {
    const order = agendaOrder(s);
    const at = order.findIndex((it) => it.id === s.current);
    return order.slice(at + 1).find((it) => it.state === 'pending')
        || (at >= 0 ? null : order.find((it) => it.state === 'pending')) || null;
}

// The fields of an item, for adding and for editing. `prefix` makes the ids.
function itemFields(prefix, withParent) {
    const f = {
        title: h('input', { id: `${prefix}-title`, name: 'title', autocomplete: 'off', maxlength: '500' }),
        description: h('textarea', { id: `${prefix}-description`, name: 'description', rows: '3',
            maxlength: '10000' }),
        presenter: h('input', { id: `${prefix}-presenter`, name: 'presenter', autocomplete: 'off',
            maxlength: '200' }),
        duration: h('input', { id: `${prefix}-duration`, name: 'duration', type: 'number', min: '0', step: '1',
            inputmode: 'numeric' }),
        kind: h('select', { id: `${prefix}-kind`, name: 'kind' },
            KINDS.map((k) => h('option', { value: k }, t(`agenda.kind.${k}`)))),
        parent: withParent ? h('select', { id: `${prefix}-parent`, name: 'parent' }) : null,
        // The item's own speaking time (PROTOCOL.md §6.3): 0 is the meeting's.
        speakMin: h('input', { id: `${prefix}-speaking-min`, name: 'speaking-min', type: 'number', min: '0',
            max: '1440', step: '1', inputmode: 'numeric' }),
        speakSec: h('input', { id: `${prefix}-speaking-sec`, name: 'speaking-sec', type: 'number', min: '0',
            max: '59', step: '1', inputmode: 'numeric' }),
    };
    const speakHelp = h('p', { class: 'help', id: `${prefix}-speaking-help` });
    f.speakMin.setAttribute('aria-describedby', speakHelp.id);
    f.speakSec.setAttribute('aria-describedby', speakHelp.id);
    const field = (input, label, extra) => h('div', { class: 'field' },
        h('label', { for: input.id }, label, extra ? h('span', { class: 'required' }, ` ${extra}`) : null), input);
    const el = h('div', { class: 'item-fields' },
        field(f.title, t('agenda.form.title'), t('agenda.form.required')),
        field(f.description, t('agenda.form.description')),
        h('div', { class: 'field-row' },
            field(f.presenter, t('agenda.form.presenter')),
            field(f.duration, t('agenda.form.duration'))),
        h('div', { class: 'field-row' },
            field(f.kind, t('agenda.form.kind')),
            f.parent ? field(f.parent, t('agenda.form.parent')) : null),
        h('fieldset', { class: 'speaking-time' }, h('legend', {}, t('agenda.form.speakingTime')),
            h('div', { class: 'field-row' },
                field(f.speakMin, t('agenda.form.speakingMin')),
                field(f.speakSec, t('agenda.form.speakingSec'))),
            speakHelp));
    return {
        el,
        f,
        values() {
            const minutes = Number.parseInt(f.duration.value, 10);
            const v = { title: f.title.value.trim(), description: f.description.value.trim(),
                presenter: f.presenter.value.trim(), duration: Number.isFinite(minutes) && minutes > 0 ? minutes * 60 : 0,
                kind: f.kind.value };
            const sm = f.speakMin.value === '' ? 0 : Number(f.speakMin.value);
            const ss = f.speakSec.value === '' ? 0 : Number(f.speakSec.value);
            v.speaking_time = sm * 60 + ss;
            if (!Number.isInteger(sm) || !Number.isInteger(ss) || sm < 0 || ss < 0 || ss > 59 || v.speaking_time > 86400) {
                v.speaking_time = -1; // told to the person, never sent
            }
            if (f.parent) {
                v.parent = f.parent.value;
            }
            return v;
        },
        set(it) {
            f.title.value = it?.title || '';
            f.description.value = it?.description || '';
            f.presenter.value = it?.presenter || '';
            f.duration.value = it?.duration ? String(Math.round(it.duration / 60)) : '';
            f.kind.value = it?.kind || 'information';
            const st = it?.speaking_time || 0;
            f.speakMin.value = st ? String(Math.floor(st / 60)) : '';
            f.speakSec.value = st ? String(st % 60) : '';
        },
        // The help says what 0 means in this meeting.
        defaults(s) {
            setText(speakHelp, t('agenda.form.speakingHelp', { time: formatDuration(s.settings.speaking_time * 1000) }));
        },
        parents(s, nums) {
            if (!f.parent) {
                return;
            }
            const keep = f.parent.value;
            const tops = agendaOrder(s).filter((it) => !it.parent);
            f.parent.replaceChildren(h('option', { value: '' }, t('agenda.form.noParent')),
                ...tops.map((it) => h('option', { value: it.id }, `${nums.get(it.id)}. ${it.title}`)));
            f.parent.value = tops.some((it) => it.id === keep) ? keep : '';
        },
    };
}

export function agendaView(ctx) {
    let st = null;
    let role = '';
    const canEdit = () => role === 'chair' || role === 'secretary';
    const confirm = confirmView();
    const current = h('p', { class: 'agenda-current', id: 'agenda-current' });
    // role=list: a list drawn without its markers is still one for every screen reader.
    const list = h('ol', { class: 'agenda-list', id: 'agenda-list', role: 'list' });
    const empty = h('p', { class: 'muted', id: 'agenda-empty' }, t('agenda.empty'));
    const rows = new Map();
    let nums = new Map();
    let ticking = []; // rows whose time runs

    // Leaving the current item marks it done: an item of kind "vote" on
    // which no vote was held asks first, saying so (the chair may go on).
    async function mayLeaveCurrent() {
        const cur = st.agenda.get(st.current);
        if (!cur || cur.kind !== 'vote' || cur.approved || [...st.votes.values()].some((v) => v.item === cur.id
            && (v.state === 'open' || v.state === 'closed' || v.state === 'published'))) {
            return true;
        }
        return confirm.ask({ title: t('agenda.leaveVote.title'),
            text: t('agenda.leaveVote.text', { num: nums.get(cur.id), title: cur.title }),
            yes: t('agenda.leaveVote.yes') });
    }

    // The chair's shortcuts.
    const openNext = button({ id: 'agenda-open-next', class: 'primary' }, t('agenda.openNext'), async () => {
        const n = nextItem(st);
        if (n && await mayLeaveCurrent()) {
            ctx.send('agenda.open', { item: n.id }, openNext);
        }
    });
    const closeCurrent = button({ id: 'agenda-close-current' }, t('agenda.closeCurrent'),
        async () => (await mayLeaveCurrent()) && ctx.send('agenda.close', {}, closeCurrent));
    const chairTools = h('div', { class: 'actions', role: 'group', 'aria-label': t('agenda.chairTools') },
        openNext, closeCurrent);

    // On the item that approves the previous meeting's minutes (PROTOCOL.md
    // 6.7), the chair puts them to the vote, records the vote that passed,
    // or records their approval without objection.
    const approvalNote = h('p', { id: 'approval-note' });
    const approvalCurrent = () => {
        const cur = st.agenda.get(st.current);
        return cur && cur.approves ? cur : null;
    };
    const passedVote = (it) => [...st.votes.values()].filter((v) => v.item === it.id
        && (v.state === 'closed' || v.state === 'published') && v.result?.passed).pop();
    const approvalVote = button({ id: 'approval-vote', class: 'primary' }, t('approval.vote'), async () => {
        const it = approvalCurrent();
        if (!it) {
            return;
        }
        const ok = await ctx.send('vote.prepare', { item: it.id, question: t('approval.question', { title: it.title }) },
            approvalVote);
        const v = ok && [...st.votes.values()].filter((x) => x.item === it.id && x.state === 'prepared').pop();
        if (v) {
            ctx.send('vote.open', { vote: v.id }, approvalVote);
        }
    });
    const approvalRecord = button({ id: 'approval-record-vote', class: 'primary' }, t('approval.recordVote'), () => {
        const it = approvalCurrent();
        const v = it && passedVote(it);
        if (v) {
            ctx.send('minutes.approve_previous', { item: it.id, vote: v.id }, approvalRecord);
        }
    });
    const approvalNoObjection = button({ id: 'approval-no-objection' }, t('approval.noObjection'), async () => {
        const it = approvalCurrent();
        if (it && await confirm.ask({ title: t('approval.noObjection.title'), text: t('approval.noObjection.text',
            { title: it.title }), yes: t('approval.noObjection.yes') })) {
            ctx.send('minutes.approve_previous', { item: it.id }, approvalNoObjection);
        }
    });
    const approvalTools = h('div', { class: 'actions approval-tools', id: 'approval-tools', role: 'group',
        'aria-label': t('approval.tools') }, approvalNote, approvalVote, approvalRecord, approvalNoObjection);

    // Adding an item.
    const add = itemFields('agenda-add', true);
    const addStatus = h('p', { class: 'form-status', id: 'agenda-add-status', role: 'status' });
    const addSubmit = h('button', { type: 'submit', class: 'primary', id: 'agenda-add-submit' }, t('agenda.add.submit'));
    const addForm = h('form', { id: 'agenda-add-form', class: 'agenda-add-form', novalidate: true },
        add.el, h('div', { class: 'actions' }, addSubmit), addStatus);
    const addBox = h('details', { class: 'agenda-add', id: 'agenda-add' },
        h('summary', { id: 'agenda-add-summary' }, t('agenda.add.title')), addForm);
    addForm.addEventListener('submit', async (e) => {
        e.preventDefault();
        const v = add.values();
        if (!v.title) {
            addStatus.textContent = t('agenda.form.titleMissing');
            add.f.title.focus();
            return;
        }
        if (v.speaking_time < 0) {
            addStatus.textContent = t('agenda.form.speakingBad');
            add.f.speakMin.focus();
            return;
        }
        addStatus.textContent = '';
        const body = { title: v.title, kind: v.kind };
        if (v.speaking_time) {
            body.speaking_time = v.speaking_time;
        }
        for (const k of ['description', 'presenter', 'parent']) {
            if (v[k]) {
                body[k] = v[k];
            }
        }
        if (v.duration) {
            body.duration = v.duration;
        }
        const ok = await ctx.send('agenda.add', body, addSubmit);
        if (ok) {
            add.set(null);
            addStatus.textContent = t('agenda.add.done', { title: v.title });
            add.f.title.focus();
        }
    });

    // Editing an item, in a dialog.
    const edit = itemFields('agenda-edit', false);
    let editing = '';
    let editBack = null;
    const editSubmit = h('button', { type: 'submit', class: 'primary', id: 'agenda-edit-submit' }, t('agenda.edit.submit'));
    const editCancel = h('button', { type: 'button', id: 'agenda-edit-cancel' }, t('confirm.back'));
    const editStatus = h('p', { class: 'form-status form-error', role: 'status' });
    const editH = newId('agenda-edit-h');
    const editForm = h('form', { novalidate: true, id: 'agenda-edit-form' },
        h('h2', { id: editH }, t('agenda.edit.title')), edit.el, editStatus,
        h('div', { class: 'actions' }, editCancel, editSubmit));
    const editDialog = h('dialog', { class: 'confirm form-dialog', id: 'agenda-edit', 'aria-labelledby': editH }, editForm);
    editCancel.addEventListener('click', () => editDialog.close());
    editDialog.addEventListener('close', () => {
        editing = '';
        if (editBack?.isConnected) {
            editBack.focus();
        }
    });
    editForm.addEventListener('submit', async (e) => {
        e.preventDefault();
        const v = edit.values();
        if (!v.title) {
            editStatus.textContent = t('agenda.form.titleMissing');
            edit.f.title.focus();
            return;
        }
        if (v.speaking_time < 0) {
            editStatus.textContent = t('agenda.form.speakingBad');
            edit.f.speakMin.focus();
            return;
        }
        const ok = await ctx.send('agenda.edit', { item: editing, ...v }, editSubmit);
        if (ok) {
            editDialog.close();
        }
    });
    function openEdit(it) {
        editing = it.id;
        editBack = document.activeElement;
        edit.set(it);
        edit.defaults(st);
        editStatus.textContent = '';
        editDialog.showModal();
        edit.f.title.focus();
    }

    const el = h('section', { class: 'panel agenda', id: 'agenda', 'aria-labelledby': 'agenda-h' },
        h('h2', { id: 'agenda-h' }, t('agenda.title')),
        current, chairTools, approvalTools, list, empty, addBox, confirm.el, editDialog);

    let siblings = new Map(); // parent id ('' for the top level) -> number of items
    function siblingsOf(it) {
        return siblings.get(it.parent) || 0;
    }

    function makeRow(entry) {
        const it0 = entry.item;
        const num = h('span', { class: 'item-num' });
        const title = h('span', { class: 'item-title' });
        const stateBadge = h('span', { class: 'badge item-state' });
        const kindBadge = h('span', { class: 'badge item-kind' });
        const info = h('span', { class: 'item-info' });
        const time = h('span', { class: 'item-time' });
        const meta = h('p', { class: 'item-meta' }, info, time);
        const sub = it0.parent ? null : h('ol', { class: 'agenda-sub', role: 'list' });
        const subRows = new Map();
        let item = it0;
        const ref = h('span', { class: 'visually-hidden' });
        // The description folds: the list stays short on a phone.
        const descText = h('p', { class: 'item-desc' });
        const desc = h('details', { class: 'item-more' }, h('summary', {}, t('agenda.more'),
            ' ', ref.cloneNode(true)), descText);
        // The documents attached to the item (PROTOCOL.md 3.6), for every
        // role: a link each, fetched with the page's token when followed.
        const docsList = h('ul', { class: 'item-docs', role: 'list' });
        const docs = h('div', { class: 'item-docs-box' },
            h('p', { class: 'item-docs-h' }, t('docs.heading')), docsList);
        function drawDocs(list) {
            docs.hidden = list.length === 0;
            docsList.replaceChildren(...list.map((d) => {
                const meta = t('docs.meta', { format: formatLabel(d.format), size: formatBytes(d.size, getLang()) });
                const a = h('a', { href: d.url, class: 'doc-link', dataset: { sha256: d.sha256 },
                    'aria-label': t('docs.download', { name: d.name, format: formatLabel(d.format),
                        size: formatBytes(d.size, getLang()) }) }, d.name);
                a.addEventListener('click', async (e) => {
                    e.preventDefault();
                    try {
                        await download(d.url, { token: ctx.token, fallback: d.name });
                    } catch (err) {
                        ctx.notify?.(err);
                    }
                });
                return h('li', { class: 'doc' }, a, ' ', h('span', { class: 'doc-meta' }, `(${meta})`));
            }));
        }
        const tool = (cls, key, fn) => button({ class: cls, dataset: { action: key } },
            [t(`agenda.action.${key}`), ' ', ref.cloneNode(true)], fn);
        const tools = {};
        let toolsBox = null;
        if (canEdit()) {
            if (role === 'chair') {
                tools.open = tool('primary', 'open', async () => (await mayLeaveCurrent())
                    && ctx.send('agenda.open', { item: item.id }, tools.open));
                tools.close = tool('', 'close', async () => (await mayLeaveCurrent())
                    && ctx.send('agenda.close', { item: item.id }, tools.close));
                tools.postpone = tool('', 'postpone', () => ctx.send('agenda.postpone', { item: item.id }, tools.postpone));
            }
            tools.edit = tool('', 'edit', () => openEdit(item));
            tools.up = tool('', 'up', () => ctx.send('agenda.move', { item: item.id, position: item.position - 1 }, tools.up));
            tools.down = tool('', 'down', () => ctx.send('agenda.move', { item: item.id, position: item.position + 1 }, tools.down));
            tools.remove = tool('danger', 'remove', async () => {
                const yes = await confirm.ask({ title: t('agenda.remove.title'),
                    text: t('agenda.remove.text', { title: item.title }), yes: t('agenda.remove.yes'), danger: true });
                if (yes) {
                    ctx.send('agenda.remove', { item: item.id }, tools.remove);
                }
            });
            const summary = h('summary', { class: 'item-tools-summary' }, t('agenda.manage'), ' ', ref);
            toolsBox = h('details', { class: 'item-tools' }, summary,
                h('div', { class: 'actions' }, Object.values(tools)));
        }
        const li = h('li', { class: 'agenda-item', dataset: { item: it0.id } },
            h('div', { class: 'item-head' }, num, ' ', title, ' ', stateBadge, ' ', kindBadge),
            meta, desc, docs, toolsBox, sub);

        function drawTime(now) {
            const spent = itemElapsed(item, now);
            const over = item.duration > 0 && spent > item.duration * 1000;
            time.dataset.over = String(over);
            if (item.state === 'current' || spent > 0) {
                setText(time, over ? t('agenda.spentOver', { spent: formatDuration(spent) })
                    : t('agenda.spent', { spent: formatDuration(spent) }));
            } else {
                setText(time, '');
            }
        }

        return {
            el: li,
            tick: drawTime,
            update(entry2) {
                item = entry2.item;
                const n = nums.get(item.id) || '';
                setText(num, `${n}.`);
                setText(title, item.title);
                setText(ref, t('agenda.itemRef', { num: n, title: item.title }));
                for (const r of li.querySelectorAll(':scope > .item-tools .visually-hidden, :scope > .item-more .visually-hidden')) {
                    setText(r, ref.textContent);
                }
                li.dataset.state = item.state;
                if (item.state === 'current') {
                    li.setAttribute('aria-current', 'true');
                } else {
                    li.removeAttribute('aria-current');
                }
                stateBadge.hidden = item.state === 'pending';
                stateBadge.dataset.state = item.state;
                setText(stateBadge, t(`agenda.state.${item.state}`));
                setText(kindBadge, t(`agenda.kind.${item.kind}`));
                kindBadge.dataset.kind = item.kind;
                const parts = [];
                if (item.presenter) {
                    parts.push(t('agenda.presenter', { name: item.presenter }));
                }
                if (item.duration) {
                    parts.push(t('agenda.planned', { planned: formatMinutes(item.duration) }));
                }
                if (item.speaking_time) {
                    parts.push(t('agenda.speakingTime', { time: formatDuration(item.speaking_time * 1000) }));
                }
                setText(info, parts.join(' · '));
                drawTime(ctx.now());
                setText(descText, item.description);
                desc.hidden = !item.description;
                drawDocs(item.documents || []);
                if (toolsBox) {
                    const live = st.meeting.state !== 'closed';
                    const n2 = siblingsOf(item);
                    const hasSubs = entry2.subs.length > 0;
                    if (tools.open) {
                        enable(tools.open, st.meeting.state === 'open' && item.state !== 'current');
                        enable(tools.close, item.state === 'current');
                        enable(tools.postpone, live && item.state !== 'done' && item.state !== 'postponed');
                    }
                    enable(tools.edit, live);
                    enable(tools.up, live && item.position > 0);
                    enable(tools.down, live && item.position < n2 - 1);
                    enable(tools.remove, live && !item.opened && !hasSubs);
                }
                if (sub) {
                    reconcile(sub, subRows, entry2.subs.map((x) => ({ item: x, subs: [] })), (x) => x.item.id, makeRow);
                    sub.hidden = entry2.subs.length === 0;
                }
                if (item.state === 'current') {
                    ticking.push(this);
                }
            },
        };
    }

    return {
        el,
        update(s, you) {
            st = s;
            role = you?.role || '';
            nums = agendaNumbers(s);
            siblings = new Map();
            for (const it of s.agenda.values()) {
                siblings.set(it.parent, (siblings.get(it.parent) || 0) + 1);
            }
            ticking = [];
            const order = agendaOrder(s);
            const tops = order.filter((it) => !it.parent).map((it) => ({ item: it,
                subs: order.filter((x) => x.parent === it.id) }));
            reconcile(list, rows, tops, (x) => x.item.id, makeRow);
            empty.hidden = order.length > 0;
            list.hidden = order.length === 0;
            const cur = s.agenda.get(s.current);
            setText(current, cur ? t('agenda.current', { num: nums.get(cur.id), title: cur.title })
                : t('agenda.noCurrent'));
            chairTools.hidden = role !== 'chair';
            if (role === 'chair') {
                const n = nextItem(s);
                enable(openNext, s.meeting.state === 'open' && !!n);
                setText(openNext, n ? t('agenda.openNextNum', { num: nums.get(n.id) }) : t('agenda.openNext'));
                enable(closeCurrent, !!cur);
            }
            const ap = role === 'chair' && s.meeting.state === 'open' ? approvalCurrent() : null;
            approvalTools.hidden = !ap;
            if (ap) {
                const busy = [...s.votes.values()].some((v) => v.item === ap.id
                    && (v.state === 'prepared' || v.state === 'open'));
                const passed = passedVote(ap);
                setText(approvalNote, t(ap.approved ? 'approval.done' : passed ? 'approval.passed'
                    : busy ? 'approval.running' : 'approval.hint'));
                approvalVote.hidden = ap.approved || !!passed || busy;
                approvalRecord.hidden = ap.approved || !passed;
                approvalNoObjection.hidden = ap.approved || !!passed || busy;
            }
            addBox.hidden = !canEdit() || s.meeting.state === 'closed';
            if (canEdit()) {
                add.parents(s, nums);
                add.defaults(s);
            }
        },
        tick(now) {
            for (const r of ticking) {
                r.tick(now);
            }
        },
    };
}
