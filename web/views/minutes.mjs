// SPDX-License-Identifier: AGPL-3.0-or-later
//
// minutes.mjs - the minutes (procès-verbal), from the first entry to the
// signed files (PROTOCOL.md §6.7, RECORD.md).
//
// Everyone reads the minutes as they grow, in time order, grouped by agenda
// item the way the record groups them: a new item starts a group, an item
// that comes back starts one marked "(suite)", and what happens outside any
// item stays where it falls in time. Two sources are merged:
//
//   the secretary's entries   state.mjs (the snapshot's `minutes`, then the
//                             minutes.entry_* events): live, no request
//   the automatic entries     GET /api/meetings/M/minutes (the invitation
//                             token as bearer), fetched again, debounced,
//                             when an event the server narrates arrives
//                             (state.autoSeq moves, AUTO_MINUTES)
//
// The request is answered from the whole log, so a large meeting spreads
// its pages' requests over ten seconds instead of sending them all at once.
// Automatic entries are set apart in italics with a visible mark, and named
// for screen readers.
//
// The secretary writes with an editor kept open under the list: each entry
// is stamped by the server with the time of its event and attaches to the
// current item or a chosen one, with speakers picked from the participants.
// Ctrl+Enter adds (or saves an edit), Escape cancels an edit, Alt+Shift+M
// goes to the editor from anywhere on the page (to the minutes, for the
// others); the shortcuts are listed in the panel. Their entries can be
// edited and deleted until the minutes are finalised; a draft view shows the
// minutes as they will read, without the controls. Once the meeting is
// closed the secretary finalises (minutes.finalize) and the chair approves
// (record.approve), each after a confirmation; from the finalisation on,
// every control that writes is gone, and both may download the record's
// files with their minisign signatures and the server's public key.
//
// Minutes approved at the commission's next meeting keep their record as it
// was signed: the approval is a separate signed file, approval.json (RECORD.md,
// "Approval at the next meeting"), which the server has once the later
// meeting approved them and answers 404 for until then. The chair's and the
// secretary's page asks for it once the minutes are finalised, says who
// approved them and offers it with its signature beside the record's files.

import { h, button, setText, fill, newId } from '../dom.mjs';
import { t, errorText, formatTime, formatTimeSeconds, formatDateTime, formatMeetingDate } from '../i18n.mjs';
import { agendaNumbers, agendaOrder, nameOf as nameIn } from '../state.mjs';
import { request, download } from '../api.mjs';
import { confirmView } from './confirm.mjs';

// The item select's two values that are not items (an id is [a-z0-9_-]).
const CURRENT = '*current';
const NONE = '*none';
const TEXT_MAX = 20000; // bytes, PROTOCOL.md §6.7
const PICKS_SHOWN = 30;
const DRAFT_KEY = 'concerto.minutes.draft.';

// The record's files, in the order offered (RECORD.md).
export const RECORD_FILES = ['record.pdf', 'record.html', 'record.md', 'record.json'];
const APPROVAL_FILE = 'approval.json';

// The secretary's entries (from the state) and the automatic ones (from the
// server) in one list in time order; at the same millisecond the automatic
// entry comes first. Each gets a `key` that stays with it across updates.
export function mergeMinutes(written, autos) {
    const own = [...written].map((e) => ({ ...e, source: 'secretary', key: `s:${e.entry}` }))
        .sort((a, b) => a.ts - b.ts || (Number(a.entry.replace(/\D/g, '')) - Number(b.entry.replace(/\D/g, ''))));
    const seen = new Map();
    const auto = autos.map((e) => {
        const n = seen.get(e.ts) || 0;
        seen.set(e.ts, n + 1);
        return { entry: '', item: e.item || '', text: e.text || '', speakers: e.speakers || [], ts: e.ts || 0,
            edited: false, source: 'auto', key: `a:${e.ts}:${n}` };
    });
    const out = [];
    let i = 0;
    let j = 0;
    while (i < auto.length || j < own.length) {
        if (j >= own.length || (i < auto.length && auto[i].ts <= own[j].ts)) {
            out.push(auto[i++]);
        } else {
            out.push(own[j++]);
        }
    }
    return out;
}

// Groups of consecutive entries, as the record draws them: [{key, item,
// continued, entries}], `item` '' for outside the agenda. `known(id)` says
// whether an item exists (an entry of an unknown item is outside).
export function groupMinutes(entries, known) {
    const groups = [];
    const seen = new Set();
    let current = null;
    for (const e of entries) {
        const it = e.item && known(e.item) ? e.item : '';
        if (current === null || (it && it !== current)) {
            groups.push({ key: `${groups.length}:${it}`, item: it, continued: !!it && seen.has(it), entries: [] });
            if (it) {
                seen.add(it);
            }
            current = it;
        }
        groups[groups.length - 1].entries.push(e);
    }
    return groups;
}

// Alt+Shift+M, wherever the focus is: one listener for the page, pointed at
// the panel drawn last (the page is drawn again on a change of language).
let goToMinutes = null;
let listening = false;

function onShortcut(e) {
    if (!e.altKey || !e.shiftKey || e.ctrlKey || e.metaKey || !goToMinutes) {
        return;
    }
    const k = e.key.length === 1 ? e.key.toLowerCase() : '';
    // The letter M, or the key where M is when the layout gives another sign (Option on a Mac).
    if (k === 'm' || (e.code === 'KeyM' && !/^[a-z]$/.test(k))) {
        e.preventDefault();
        goToMinutes();
    }
}

const fold = (x) => x.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
const bytes = (x) => new TextEncoder().encode(x).length;

function storage() {
    try {
        return globalThis.sessionStorage || null;
    } catch {
        return null;
    }
}

export function minutesView(ctx) {
    let st = null;
    let role = '';
    let draft = false; // the draft view (secretary)
    let editing = ''; // the entry being edited
    let editBack = null; // the control to go back to after an edit
    let saved = ''; // the new entry's text, kept while another is edited
    let drawnFor = '';
    const confirm = confirmView();
    const picked = new Set();

    // The automatic entries: kept on ctx, so that a redraw of the page (a
    // change of language) does not ask the server again.
    const cache = ctx.minutesCache || (ctx.minutesCache = { seq: -1, list: [], version: 0 });
    let timer = 0;
    let inflight = false;
    let failed = false;
    let tried = -1; // the seq the last request was made for

    const heading = h('h2', { id: 'minutes-h', tabindex: '-1' }, t('minutes.title'));
    const stateLine = h('p', { class: 'minutes-state', id: 'minutes-state', tabindex: '-1' });
    const errorLine = h('p', { class: 'form-status form-error', id: 'minutes-error', role: 'alert' });
    const okLine = h('p', { class: 'form-status', id: 'minutes-msg', role: 'status' });

    // ---- the secretary's editor ----
    const clock = h('span', { class: 'minutes-clock-time' });
    const stampNote = h('p', { class: 'help minutes-stamp', id: 'minutes-stamp' });
    const text = h('textarea', { id: 'minutes-text', rows: '4', 'aria-describedby': 'minutes-text-help minutes-stamp',
        'aria-keyshortcuts': 'Alt+Shift+M' });
    const itemSelect = h('select', { id: 'minutes-item' });
    const filter = h('input', { id: 'minutes-speaker-filter', type: 'search', autocomplete: 'off',
        'aria-describedby': 'minutes-speaker-help' });
    const picks = h('ul', { class: 'speaker-picks', id: 'minutes-speaker-picks', role: 'list' });
    const pickHelp = h('p', { class: 'help', id: 'minutes-speaker-help' });
    const chosen = h('p', { class: 'minutes-chosen', id: 'minutes-speakers-chosen' });
    const editorH = h('h3', { id: 'minutes-editor-h' }, t('minutes.editor.new'));
    const submit = h('button', { type: 'submit', class: 'primary', id: 'minutes-submit',
        'aria-keyshortcuts': 'Control+Enter' }, t('minutes.editor.add'));
    const cancel = h('button', { type: 'button', id: 'minutes-cancel', hidden: true, 'aria-keyshortcuts': 'Escape' },
        t('minutes.editor.cancel'));
    const formStatus = h('p', { class: 'form-status', id: 'minutes-form-status', role: 'status' });
    const form = h('form', { id: 'minutes-form', class: 'minutes-form', novalidate: true,
        'aria-labelledby': 'minutes-editor-h' },
        editorH,
        h('p', { class: 'minutes-clock' }, t('minutes.editor.clock'), ' ', clock),
        h('div', { class: 'field' }, h('label', { for: 'minutes-text' }, t('minutes.editor.text')), text,
            h('p', { class: 'help', id: 'minutes-text-help' }, t('minutes.editor.textHelp')), stampNote),
        h('div', { class: 'field' }, h('label', { for: 'minutes-item' }, t('minutes.editor.item')), itemSelect),
        h('fieldset', { class: 'minutes-speakers', id: 'minutes-speakers' },
            h('legend', {}, t('minutes.editor.speakers')),
            h('div', { class: 'field' }, h('label', { for: 'minutes-speaker-filter' }, t('minutes.editor.filter')), filter,
                pickHelp),
            picks, chosen),
        h('div', { class: 'actions' }, submit, cancel), formStatus);
    cancel.addEventListener('click', () => stopEdit(true));
    form.addEventListener('keydown', (e) => {
        if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && !e.altKey) {
            e.preventDefault();
            form.requestSubmit(submit);
        } else if (e.key === 'Escape' && editing) {
            e.preventDefault();
            stopEdit(true);
        }
    });
    text.addEventListener('input', () => {
        if (!editing) {
            const s = storage();
            try {
                if (text.value) {
                    s?.setItem(DRAFT_KEY + ctx.meeting, text.value);
                } else {
                    s?.removeItem(DRAFT_KEY + ctx.meeting);
                }
            } catch {
                // a full or refused storage: the text stays in the field
            }
        }
    });
    text.value = storage()?.getItem(DRAFT_KEY + ctx.meeting) || '';
    filter.addEventListener('input', () => drawPicks());
    picks.addEventListener('change', (e) => {
        const box = e.target;
        if (box.type !== 'checkbox') {
            return;
        }
        if (box.checked) {
            picked.add(box.value);
        } else {
            picked.delete(box.value);
        }
        drawChosen();
    });
    form.addEventListener('submit', async (e) => {
        e.preventDefault();
        if (submit.getAttribute('aria-busy') === 'true') {
            return;
        }
        const value = text.value.trim();
        if (!value) {
            setText(formStatus, '');
            showError(t('minutes.editor.empty'));
            text.focus();
            return;
        }
        if (bytes(value) > TEXT_MAX) {
            showError(t('minutes.editor.tooLong'));
            text.focus();
            return;
        }
        const body = { text: value };
        const choice = itemSelect.value;
        if (choice === NONE) {
            body.item = '';
        } else if (choice !== CURRENT) {
            body.item = choice;
        } else if (editing) {
            body.item = st.current || '';
        }
        if (editing) {
            body.entry = editing;
            body.speakers = [...picked];
        } else if (picked.size) {
            body.speakers = [...picked];
        }
        setText(formStatus, ctx.conn.status === 'online' ? '' : t('cmd.queued'));
        const wasEditing = editing;
        const ok = await act(editing ? 'minutes.edit' : 'minutes.add', body, submit);
        if (!ok) {
            return;
        }
        if (wasEditing) {
            setText(formStatus, t('minutes.editor.saved'));
            stopEdit(true);
        } else {
            text.value = '';
            storage()?.removeItem(DRAFT_KEY + ctx.meeting);
            picked.clear();
            filter.value = '';
            itemSelect.value = CURRENT;
            drawPicks();
            setText(formStatus, t('minutes.editor.added'));
            text.focus();
        }
    });

    const shortcutsList = h('dl', { class: 'shortcut-list' });
    const shortcuts = h('details', { class: 'shortcuts', id: 'minutes-shortcuts' },
        h('summary', {}, t('minutes.shortcuts.title')), shortcutsList);
    const draftBtn = button({ id: 'minutes-draft-toggle', 'aria-pressed': 'false' }, t('minutes.draft.show'), () => {
        draft = !draft;
        setText(okLine, '');
        setText(formStatus, '');
        if (draft && editing) {
            stopEdit(false);
        }
        draw();
    });
    const editor = h('div', { class: 'minutes-editor', id: 'minutes-editor' }, form);

    // ---- the list ----
    const draftHead = h('div', { class: 'minutes-draft-head', id: 'minutes-draft-head' });
    const feed = h('div', { class: 'minutes-feed', id: 'minutes-feed' });
    const empty = h('p', { class: 'muted', id: 'minutes-empty' }, t('minutes.empty'));
    const legend = h('p', { class: 'help minutes-legend' }, h('span', { class: 'minute-auto-badge', 'aria-hidden': 'true' },
        t('minutes.autoBadge')), ' ', t('minutes.legend'));
    const loadNote = h('p', { class: 'muted', id: 'minutes-load' });
    const retry = button({ id: 'minutes-retry', class: 'small' }, t('minutes.retry'), () => fetchAutos(0));
    const loadBox = h('div', { class: 'minutes-load', hidden: true }, loadNote, retry);
    const groups = new Map(); // key -> {el, title, list}
    const rows = new Map(); // entry key -> {el, update}

    // ---- finalisation, approval and the files ----
    const finalizeBtn = button({ id: 'minutes-finalize', class: 'primary' }, t('minutes.finalize.button'), async () => {
        const yes = await confirm.ask({ title: t('minutes.finalize.title'), text: t('minutes.finalize.text'),
            yes: t('minutes.finalize.yes') });
        if (yes && await act('minutes.finalize', {}, finalizeBtn)) {
            stateLine.focus();
        }
    });
    const finalizeNote = h('p', { class: 'help', id: 'minutes-finalize-note' });
    const approveBtn = button({ id: 'record-approve', class: 'primary' }, t('minutes.approve.button'), async () => {
        const yes = await confirm.ask({ title: t('minutes.approve.title'), text: t('minutes.approve.text'),
            yes: t('minutes.approve.yes') });
        if (yes && await act('record.approve', {}, approveBtn)) {
            stateLine.focus();
        }
    });
    const closing = h('div', { class: 'minutes-closing', id: 'minutes-closing' },
        finalizeNote, h('div', { class: 'actions' }, finalizeBtn, approveBtn));

    const command = h('code', { id: 'record-verify-command' }, 'minisign -Vm record.pdf -p concerto.pub');
    const dlStatus = h('p', { class: 'form-status', id: 'record-download-status', role: 'status' });
    const approvalRow = fileRow(APPROVAL_FILE, 'minutes.files.approval');
    approvalRow.el.hidden = true;
    const fileRows = [...RECORD_FILES.map((f) => fileRow(f)), approvalRow, keyRow()];
    const files = h('section', { class: 'record-files', id: 'record-files', 'aria-labelledby': 'record-files-h' },
        h('h3', { id: 'record-files-h' }, t('minutes.files.title')),
        h('p', { class: 'help', id: 'record-files-note' }),
        h('ul', { class: 'file-list', role: 'list' }, fileRows.map((r) => r.el)),
        dlStatus,
        h('h4', {}, t('minutes.verify.title')),
        h('p', {}, t('minutes.verify.text')),
        h('pre', { class: 'command' }, command),
        h('p', { class: 'help' }, t('minutes.verify.more')));

    function fileRow(name, what = `minutes.files.${name.split('.')[1]}`) {
        const id = name.replace(/\./g, '-');
        const get = (file, b) => fetchFile(`/api/meetings/${encodeURIComponent(ctx.meeting)}/record/${file}`, file, b);
        const main = button({ id: `download-${id}`, class: 'small', dataset: { file: name } },
            [h('span', { class: 'visually-hidden' }, `${t('minutes.files.download')} `), name], () => get(name, main));
        const sig = button({ id: `download-${id}-minisig`, class: 'small', dataset: { file: `${name}.minisig` } },
            [h('span', { class: 'visually-hidden' }, `${t('minutes.files.download')} `), `${name}.minisig`],
            () => get(`${name}.minisig`, sig));
        return { el: h('li', { class: 'file-row', dataset: { file: name } },
            h('p', { class: 'file-what' }, t(what)),
            h('div', { class: 'actions' }, main, sig)) };
    }

    function keyRow() {
        const b = button({ id: 'download-pubkey', class: 'small', dataset: { file: 'concerto.pub' } },
            [h('span', { class: 'visually-hidden' }, `${t('minutes.files.download')} `), 'concerto.pub'],
            () => fetchFile('/api/pubkey', 'concerto.pub', b));
        return { el: h('li', { class: 'file-row', dataset: { file: 'concerto.pub' } },
            h('p', { class: 'file-what' }, t('minutes.files.pub')), h('div', { class: 'actions' }, b)) };
    }

    async function fetchFile(path, fallback, b) {
        b.setAttribute('aria-busy', 'true');
        showError('');
        try {
            const name = await download(path, { token: ctx.token, fallback });
            setText(dlStatus, t('minutes.files.done', { name }));
            if (/\.pdf$/.test(name)) {
                setText(command, `minisign -Vm ${name} -p concerto.pub`);
            }
        } catch (e) {
            showError(e.code === 'bad_state' ? t('minutes.err.notFinalized') : errorText(e.code || 'internal'));
        } finally {
            b.removeAttribute('aria-busy');
        }
    }

    const el = h('section', { class: 'panel minutes', id: 'minutes', 'aria-labelledby': 'minutes-h' },
        h('div', { class: 'minutes-top' }, heading, draftBtn),
        stateLine, errorLine, okLine,
        draftHead, legend, loadBox, feed, empty,
        editor, shortcuts, closing, files, confirm.el);

    // ---- acting ----
    function showError(msg) {
        setText(errorLine, msg);
        if (msg) {
            setText(okLine, '');
        }
    }

    // The words for a refusal of `type`: a finalised record, a meeting not
    // closed, an entry gone.
    function refusal(type, code) {
        if (code === 'bad_state') {
            if (type === 'record.approve') {
                return t('minutes.err.notFinalized');
            }
            if (type === 'minutes.finalize' && st.meeting.state !== 'closed') {
                return t('minutes.err.notClosed');
            }
            return t('minutes.err.finalized');
        }
        if (code === 'conflict') {
            return t(type === 'record.approve' ? 'minutes.err.alreadyApproved' : 'minutes.err.alreadyFinalized');
        }
        if (code === 'not_found' && type !== 'record.approve') {
            return t('minutes.err.gone');
        }
        return errorText(code || 'internal');
    }

    async function act(type, body, b) {
        b?.setAttribute('aria-busy', 'true');
        showError('');
        setText(okLine, '');
        try {
            return (await ctx.conn.command(type, body)) || {};
        } catch (e) {
            setText(formStatus, '');
            showError(refusal(type, e.code));
            return null;
        } finally {
            b?.removeAttribute('aria-busy');
        }
    }

    function startEdit(entryId, back) {
        const e = st.minutes.get(entryId);
        if (!e || !writable()) {
            return;
        }
        if (!editing) {
            saved = text.value;
        }
        editing = entryId;
        editBack = back;
        text.value = e.text;
        picked.clear();
        e.speakers.forEach((p) => picked.add(p));
        filter.value = '';
        setText(editorH, t('minutes.editor.editing', { time: formatTime(e.ts) }));
        setText(submit, t('minutes.editor.save'));
        cancel.hidden = false;
        setText(formStatus, '');
        drawItems();
        itemSelect.value = e.item && st.agenda.has(e.item) ? e.item : NONE;
        drawPicks();
        draw();
        text.focus();
        text.setSelectionRange(text.value.length, text.value.length);
    }

    // Leave the edit; `refocus` puts the focus back where the edit began.
    function stopEdit(refocus) {
        if (!editing) {
            return;
        }
        const entry = editing;
        editing = '';
        text.value = saved;
        saved = '';
        picked.clear();
        setText(editorH, t('minutes.editor.new'));
        setText(submit, t('minutes.editor.add'));
        cancel.hidden = true;
        itemSelect.value = CURRENT;
        drawPicks();
        draw();
        if (refocus) {
            const again = editBack?.isConnected ? editBack
                : rows.get(`s:${entry}`)?.el.querySelector('[data-action="edit"]');
            (again || text).focus();
        }
        editBack = null;
    }

    async function remove(entryId, b) {
        const e = st.minutes.get(entryId);
        if (!e) {
            return;
        }
        const yes = await confirm.ask({ title: t('minutes.delete.title'),
            text: t('minutes.delete.text', { time: formatTime(e.ts), text: excerpt(e.text) }),
            yes: t('minutes.delete.yes'), danger: true });
        if (!yes) {
            return;
        }
        // Where the focus goes once the entry is gone: the next entry's, or the editor.
        const order = [...feed.querySelectorAll('li.minute[data-source="secretary"]')];
        const at = order.findIndex((li) => li.dataset.entry === entryId);
        const next = order[at + 1] || order[at - 1];
        if (await act('minutes.delete', { entry: entryId }, b)) {
            if (editing === entryId) {
                stopEdit(false);
            }
            setText(formStatus, '');
            setText(okLine, t('minutes.deleted'));
            const target = next?.querySelector('[data-action="edit"]');
            (target && !target.closest('[hidden]') ? target : text).focus();
        }
    }

    const excerpt = (x) => (x.length > 120 ? `${x.slice(0, 117)}…` : x);
    const writable = () => role === 'secretary' && !st.finalized.by;

    // ---- the automatic entries ----
    function fetchAutos(delay) {
        if (timer || inflight) {
            return;
        }
        timer = setTimeout(async () => {
            timer = 0;
            inflight = true;
            const target = st.autoSeq;
            tried = target;
            try {
                const list = await request('GET', `/api/meetings/${encodeURIComponent(ctx.meeting)}/minutes`,
                    { token: ctx.token });
                cache.list = (Array.isArray(list) ? list : []).filter((e) => e.source === 'auto');
                cache.seq = target;
                cache.version += 1;
                failed = false;
            } catch {
                failed = true;
            } finally {
                inflight = false;
            }
            draw();
            want(); // events that came in meanwhile
        }, delay);
    }

    // The approval by a later meeting (approval.json's `approved`), asked
    // for once per page while the minutes wait for it.
    let later = null;
    let laterAsked = false;
    function wantLater(officer, finalized) {
        if (laterAsked || !officer || !finalized || st.approved.by
            || st.settings.minutes_approval !== 'next_meeting') {
            return;
        }
        laterAsked = true;
        request('GET', `/api/meetings/${encodeURIComponent(ctx.meeting)}/record/${APPROVAL_FILE}`, { token: ctx.token })
            .then((a) => {
                later = a?.approved || null;
                draw();
            }, () => {}); // 404 until the next meeting approves them: nothing to say
    }

    function laterText(a) {
        return t(a.result === 'adopted' ? 'minutes.state.approvedLaterVote' : 'minutes.state.approvedLaterNoObjection',
            { date: formatMeetingDate(a.date), when: formatDateTime(a.at) });
    }

    function want() {
        if (st.autoSeq <= cache.seq || (failed && st.autoSeq <= tried)) {
            return; // up to date, or failed already for this change (the retry button is there)
        }
        // The first time at once; then a little later, so that a burst of events makes one request.
        const first = cache.seq < 0;
        const spread = st.large ? 1000 + Math.random() * 9000 : 500;
        fetchAutos(first && !st.large ? 0 : spread);
    }

    // ---- drawing ----
    function drawItems() {
        const nums = agendaNumbers(st);
        const cur = st.agenda.get(st.current);
        const opts = [h('option', { value: CURRENT }, cur
            ? t('minutes.editor.itemCurrent', { num: nums.get(cur.id), title: cur.title })
            : t('minutes.editor.itemCurrentNone')),
        h('option', { value: NONE }, t('minutes.group.outside'))];
        for (const it of agendaOrder(st)) {
            opts.push(h('option', { value: it.id }, `${nums.get(it.id)}. ${it.title}`));
        }
        const sig = opts.map((o) => `${o.value}=${o.textContent}`).join('\n');
        if (itemSelect.dataset.sig !== sig) {
            const keep = itemSelect.value || CURRENT;
            itemSelect.dataset.sig = sig;
            itemSelect.replaceChildren(...opts);
            itemSelect.value = [...itemSelect.options].some((o) => o.value === keep) ? keep : CURRENT;
        }
    }

    const label = (p) => p.name || nameOf(p.id);

    function drawPicks() {
        if (!st || picks.contains(document.activeElement)) {
            drawChosen();
            return;
        }
        const q = fold(filter.value.trim());
        const people = st.participants.filter((p) => p.role !== 'observer');
        const sig = `${q}\n${[...picked].join(' ')}\n${people.length}`;
        if (picks.dataset.sig === sig) {
            return;
        }
        picks.dataset.sig = sig;
        const chosenOnes = people.filter((p) => picked.has(p.id));
        const matches = people.filter((p) => !picked.has(p.id) && (!q || fold(p.name).includes(q)));
        const shown = chosenOnes.concat(matches.slice(0, PICKS_SHOWN));
        fill(picks, shown.map((p) => h('li', { class: 'check' },
            h('input', { type: 'checkbox', id: `minutes-sp-${p.id}`, value: p.id, checked: picked.has(p.id) }),
            h('label', { for: `minutes-sp-${p.id}` }, label(p)))));
        setText(pickHelp, matches.length > PICKS_SHOWN
            ? t('minutes.editor.filterMore', { shown: PICKS_SHOWN, total: matches.length })
            : (q && !matches.length ? t('minutes.editor.filterNone') : t('minutes.editor.filterHelp')));
        drawChosen();
    }

    function drawChosen() {
        const names = [...picked].map(nameOf);
        setText(chosen, names.length ? t('minutes.editor.chosen', { names: names.join(', ') })
            : t('minutes.editor.chosenNone'));
    }

    const nameOf = (id) => nameIn(st, id) || t('participants.unknown', { id });

    function entryRow(e0) {
        const time = h('time', { class: 'minute-time' });
        const auto = e0.source === 'auto';
        const txt = h('span', { class: 'minute-text' });
        const edited = h('span', { class: 'minute-edited' });
        const speakers = h('p', { class: 'minute-speakers' });
        const refs = [h('span', { class: 'visually-hidden' }), h('span', { class: 'visually-hidden' })];
        let e = e0;
        let tools = null;
        if (!auto && role === 'secretary') {
            const edit = button({ class: 'small', dataset: { action: 'edit' } },
                [t('minutes.action.edit'), ' ', refs[0]], () => startEdit(e.entry, edit));
            const del = button({ class: 'small', dataset: { action: 'delete' } },
                [t('minutes.action.delete'), ' ', refs[1]], () => remove(e.entry, del));
            tools = h('div', { class: 'actions minute-tools' }, edit, del);
        }
        const li = h('li', { class: 'minute', dataset: auto ? { source: 'auto' } : { source: e0.source, entry: e0.entry } },
            h('p', { class: 'minute-line' }, time, ' ',
                auto ? [h('span', { class: 'minute-auto-badge', 'aria-hidden': 'true' }, t('minutes.autoBadge')), ' ',
                    h('span', { class: 'visually-hidden' }, t('minutes.autoLabel'))] : null,
                txt, edited),
            speakers, tools);
        return {
            el: li,
            update(x) {
                e = x;
                const hm = formatTime(x.ts);
                setText(time, hm);
                time.dateTime = new Date(x.ts).toISOString();
                setText(txt, x.text);
                setText(edited, x.edited ? ` ${t('minutes.edited')}` : '');
                li.dataset.item = x.item;
                li.dataset.editing = String(!!editing && editing === x.entry);
                const who = !auto && x.speakers.length ? t('minutes.speakers', { names: x.speakers.map(nameOf).join(', ') })
                    : '';
                setText(speakers, who);
                speakers.hidden = !who;
                for (const r of refs) {
                    setText(r, t('minutes.entryRef', { time: hm }));
                }
                if (tools) {
                    tools.hidden = !writable() || draft;
                }
            },
        };
    }

    function groupBox(g0) {
        const gid = newId('minutes-group');
        const title = h('h3', { id: gid, class: 'minutes-group-h' });
        const list = h('ol', { class: 'minutes-entries', role: 'list' });
        return { el: h('section', { class: 'minutes-group', 'aria-labelledby': gid, dataset: { item: g0.item } }, title,
            list), title, list };
    }

    function drawFeed() {
        const merged = mergeMinutes(st.minutes.values(), cache.list);
        const grouped = groupMinutes(merged, (id) => st.agenda.has(id));
        const nums = agendaNumbers(st);
        const keepG = new Set();
        const keepR = new Set();
        const active = document.activeElement;
        grouped.forEach((g, gi) => {
            keepG.add(g.key);
            let box = groups.get(g.key);
            if (!box) {
                box = groupBox(g);
                groups.set(g.key, box);
            }
            const it = st.agenda.get(g.item);
            setText(box.title, it ? `${t('minutes.group.item', { num: nums.get(it.id), title: it.title })}${g.continued
                ? ` ${t('minutes.group.continued')}` : ''}` : t('minutes.group.outside'));
            g.entries.forEach((e, i) => {
                keepR.add(e.key);
                let row = rows.get(e.key);
                if (!row) {
                    row = entryRow(e);
                    rows.set(e.key, row);
                }
                row.update(e);
                if (box.list.children[i] !== row.el) {
                    box.list.insertBefore(row.el, box.list.children[i] || null);
                }
            });
            while (box.list.children.length > g.entries.length) {
                box.list.lastElementChild.remove();
            }
            if (feed.children[gi] !== box.el) {
                feed.insertBefore(box.el, feed.children[gi] || null);
            }
        });
        for (const [k, row] of rows) {
            if (!keepR.has(k)) {
                row.el.remove();
                rows.delete(k);
            }
        }
        for (const [k, box] of groups) {
            if (!keepG.has(k)) {
                box.el.remove();
                groups.delete(k);
            }
        }
        if (active && active !== document.activeElement && active.isConnected) {
            active.focus({ preventScroll: true });
        }
        empty.hidden = merged.length > 0;
        feed.hidden = merged.length === 0;
    }

    function drawState() {
        const f = st.finalized;
        const a = st.approved;
        const parts = [];
        if (!f.by) {
            parts.push(t(st.meeting.state === 'closed' ? 'minutes.state.toFinalize' : 'minutes.state.writing'));
        } else {
            parts.push(t('minutes.state.finalized', { name: nameOf(f.by), when: formatDateTime(f.at) }));
            if (a.by) {
                parts.push(t('minutes.state.approved', { name: nameOf(a.by), when: formatDateTime(a.at) }));
            } else if (later) {
                parts.push(laterText(later));
            } else {
                parts.push(t(st.settings.minutes_approval === 'next_meeting' ? 'minutes.approve.nextMeeting'
                    : 'minutes.state.toApprove'));
            }
        }
        setText(stateLine, parts.join(' '));
        el.dataset.finalized = String(!!f.by);
        el.dataset.approved = String(!!a.by);
    }

    function drawDraftHead() {
        const m = st.meeting;
        fill(draftHead, h('p', { class: 'minutes-draft-mark' },
            t(st.finalized.by ? 'minutes.draft.final' : 'minutes.draft.mark')),
        h('p', { class: 'minutes-draft-title' }, m.title || ''),
        h('p', { class: 'help' }, [m.commission?.name, formatMeetingDate(m.date), m.place].filter(Boolean).join(' · ')));
    }

    function drawShortcuts() {
        const list = role === 'secretary' && !st.finalized.by
            ? [[['ctrl', 'enter'], 'minutes.shortcuts.add'], [['escape'], 'minutes.shortcuts.cancel'],
                [['alt', 'shift', 'm'], 'minutes.shortcuts.focusEditor']]
            : [[['alt', 'shift', 'm'], 'minutes.shortcuts.focus']];
        const sig = list.map((x) => x[1]).join();
        if (shortcutsList.dataset.sig === sig) {
            return;
        }
        shortcutsList.dataset.sig = sig;
        fill(shortcutsList, list.map(([keys, what]) => [
            h('dt', {}, keys.map((k, i) => [i ? ' + ' : null, h('kbd', {}, t(`minutes.key.${k}`))])),
            h('dd', {}, t(what))]));
    }

    function draw() {
        if (!st) {
            return;
        }
        const secretary = role === 'secretary';
        const officer = secretary || role === 'chair';
        const closed = st.meeting.state === 'closed';
        const finalized = !!st.finalized.by;
        if (editing && (!writable() || !st.minutes.has(editing))) {
            // Finalised, or the entry deleted elsewhere, while it was being edited.
            const focusWasHere = form.contains(document.activeElement);
            const gone = !st.minutes.has(editing);
            stopEdit(false);
            if (gone && writable()) {
                showError(t('minutes.err.gone'));
            }
            if (focusWasHere) {
                (writable() ? text : stateLine).focus();
            }
        } else if (!writable() && form.contains(document.activeElement)) {
            stateLine.focus();
        }
        el.dataset.view = draft ? 'draft' : 'live';
        el.dataset.role = role;
        draftBtn.hidden = !secretary;
        draftBtn.setAttribute('aria-pressed', String(draft));
        setText(draftBtn, t(draft ? 'minutes.draft.hide' : 'minutes.draft.show'));
        draftHead.hidden = !draft;
        if (draft) {
            drawDraftHead();
        }
        drawState();
        // The list: drawn again after an event or a fetch, not on every vote count.
        const stamp = `${st.seq} ${cache.version} ${editing} ${draft} ${finalized} ${role}`;
        if (stamp !== drawnFor) {
            drawnFor = stamp;
            drawFeed();
        }
        loadBox.hidden = !failed;
        setText(loadNote, failed ? t('minutes.loadFailed') : '');
        legend.hidden = cache.list.length === 0;

        editor.hidden = !writable() || draft;
        if (!editor.hidden) {
            drawItems();
            drawPicks();
            if (!clock.textContent) {
                setText(clock, formatTimeSeconds(ctx.now()));
            }
            setText(stampNote, editing ? t('minutes.editor.stampKept') : t('minutes.editor.stamp'));
        }
        shortcuts.hidden = draft;
        drawShortcuts();

        // The closing steps.
        finalizeBtn.hidden = !secretary || finalized || !closed;
        // Under next_meeting the next meeting approves them (PROTOCOL.md 6.7).
        const nextMeeting = st.settings.minutes_approval === 'next_meeting';
        approveBtn.hidden = role !== 'chair' || !finalized || !!st.approved.by || nextMeeting;
        if (secretary && !finalized && !closed) {
            setText(finalizeNote, t('minutes.finalize.later'));
        } else if (secretary && !finalized) {
            setText(finalizeNote, t('minutes.finalize.help'));
        } else if (role === 'chair' && finalized && !st.approved.by && !later) {
            setText(finalizeNote, t(nextMeeting ? 'minutes.approve.nextMeeting' : 'minutes.approve.help'));
        } else {
            setText(finalizeNote, '');
        }
        closing.hidden = finalizeBtn.hidden && approveBtn.hidden && !finalizeNote.textContent;
        files.hidden = !officer || !finalized;
        wantLater(officer, finalized);
        approvalRow.el.hidden = !later;
        if (!files.hidden) {
            setText(files.querySelector('#record-files-note'), later ? t('minutes.files.noteApprovedLater')
                : t(st.approved.by ? 'minutes.files.noteApproved' : 'minutes.files.note'));
        }
    }

    goToMinutes = () => {
        if (!el.isConnected) {
            return;
        }
        if (!editor.hidden) {
            text.focus();
        } else {
            heading.focus();
        }
    };
    if (!listening) {
        document.addEventListener('keydown', onShortcut);
        listening = true;
    }

    return {
        el,
        update(s, you) {
            st = s;
            role = you?.role || '';
            want();
            draw();
        },
        tick(now) {
            if (st && !editor.hidden) {
                setText(clock, formatTimeSeconds(now));
            }
        },
    };
}
