// SPDX-License-Identifier: AGPL-3.0-or-later
//
// secretariat.mjs - the commission's year on the administration page.
//
// What exists is read from the server on load (GET /api/commissions), so
// that nothing depends on identifiers kept from an earlier visit: the list of
// commissions, then one commission opened (its roster, to export as CSV in
// the import's own columns, and its meetings), then one meeting prepared
// before it opens (its rules: quorum overall and per college, grace period,
// proxies; and its agenda: add, edit, move, remove, or start from the
// previous meeting's or from the commission's agenda template, shown beside
// it, which the agenda may also become (PROTOCOL.md 3.8); and the documents of each item: attach, remove,
// download, before and during the meeting), and its working groups and the
// actions still to be done across its meetings. Every change goes through the secretariat's routes
// (PROTOCOL.md 3), whose answer is the meeting's snapshot: the view redraws
// from it and never guesses.
//
// Under the meeting, its convocations: each participant with their e-mail
// address and where the sending stands (GET .../convocations), a button to
// send to everyone who has an address or to one person, and each person's
// convocation to download as HTML, PDF or iCalendar, for those who get it by
// other means. Sending and each download issue the person a new personal
// link (PROTOCOL.md 3, "Convocations"); while a message is pending the list
// is read again every two seconds. A person's links can be revoked from
// their row, after a second look (a lost phone, a mail sent astray).
//
// Each member of the roster is edited in place or removed after a
// confirmation (POST and DELETE .../members/P): the change also reaches the
// meetings not yet opened, never one that has opened (PROTOCOL.md 3,
// "Changing the roster"); each working group is edited in place.
//
// The view keeps its state in this closure, so a redraw of the page (a change
// of language) keeps what is open. The token is the page's, read at each call.

import { h, fill } from '../dom.mjs';
import { t, tn, roleName, collegeName, getLang, formatDateTime, formatDay, formatMeetingDate, LANGS, LANG_NAMES }
    from '../i18n.mjs';
import { request, download } from '../api.mjs';
import { ACCEPT, formatBytes, formatLabel, uploadDocument } from '../documents.mjs';
import { noticesView } from './notices.mjs';
import { confirmView } from './confirm.mjs';

// The roster as CSV in the import's columns: French headers and role and
// language words with semicolons in French, English with commas; a BOM so
// accents survive. The server reads it back as it is (PROTOCOL.md 3, roster CSV).
export function rosterCsv(members, lang) {
    const sep = lang === 'fr' ? ';' : ',';
    const words = lang === 'fr'
        ? { chair: 'président', secretary: 'secrétaire', member: 'membre', observer: 'observateur' }
        : { chair: 'chair', secretary: 'secretary', member: 'member', observer: 'observer' };
    const langs = lang === 'fr' ? { fr: 'français', en: 'anglais' } : { fr: 'French', en: 'English' };
    const head = lang === 'fr' ? ['nom', 'collège', 'rôle', 'courriel', 'langue']
        : ['name', 'college', 'role', 'email', 'language'];
    const cell = (v) => {
        const s = String(v ?? '');
        return s.includes(sep) || /["\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
    };
    const lines = [head, ...members.map((m) => [m.name, m.college, words[m.role] || m.role, m.email || '',
        langs[m.lang] || langs.fr])]
        .map((cells) => cells.map(cell).join(sep));
    return `\ufeff${lines.join('\r\n')}\r\n`;
}

// The text of a refused roster file, from the error's line, field and
// reason (PROTOCOL.md 3), in the page's language; null when it has none.
export function rosterErrorText(err) {
    if (!err || !err.reason) {
        return null;
    }
    const field = err.field ? t(`admin.csvField.${err.field}`) : '';
    const what = t(`admin.csvReason.${err.reason}`, { field });
    return err.line ? t('admin.csvError.line', { line: err.line, what }) : what;
}

// POST a roster file; a refusal throws {code, message} with the message
// said in the page's language when the server says where and why.
export async function importRoster(token, cid, text) {
    const res = await fetch(`/api/commissions/${encodeURIComponent(cid)}/members.csv`, {
        method: 'POST', credentials: 'omit', cache: 'no-store',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'text/csv; charset=utf-8',
            Accept: 'application/json' },
        body: text,
    }).catch((e) => {
        throw { code: 'network', message: e.message };
    });
    const data = await res.json().catch(() => null);
    if (!res.ok) {
        const e = (data && data.error) || {};
        throw { code: e.code || `http_${res.status}`, message: rosterErrorText(e) || e.message || '' };
    }
    return data;
}

// POST one member (PROTOCOL.md 3): resolves with the member; a refusal
// throws {code, message}, said in the page's language as for a roster file.
export async function addMember(token, cid, member) {
    const res = await fetch(`/api/commissions/${encodeURIComponent(cid)}/members`, {
        method: 'POST', credentials: 'omit', cache: 'no-store',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify(member),
    }).catch((e) => {
        throw { code: 'network', message: e.message };
    });
    const data = await res.json().catch(() => null);
    if (!res.ok) {
        const e = (data && data.error) || {};
        throw { code: e.code || `http_${res.status}`, message: rosterErrorText(e) || e.message || '' };
    }
    return data;
}

const SETTINGS = [
    // [field, type, min, max]; durations are shown in the unit typed
    ['quorum', 'number', 0, 100],
    ['quorum_college', 'number', 0, 100],
    ['grace', 'number', 0, 3600],
    ['speaking_time', 'number', 0, 86400],
    ['proxy_max', 'number', 0, 100],
    ['proxy_college', 'checkbox'],
    ['proxy_quorum', 'checkbox'],
];

export function secretariatView({ getToken, announce }) {
    const st = {
        commissions: null, // [{id,name,colleges,members,meetings}]
        commission: null, // {id,name,colleges,members:[...]}
        meetings: null, // [{id,title,date,state,finalized,approved,items}]
        snap: null, // the snapshot of the meeting being prepared
        editing: null, // the id of the item in the form, or null for a new one
        convocations: null, // [{participant,name,email,status,reason,...}] of the meeting prepared
        template: null, // the agenda template the meeting prepared would start from (PROTOCOL.md 3.8)
        linkRevoke: null, // the participant whose links wait for a confirmation to be revoked
        status: '',
    };
    const notices = noticesView();
    const confirm = confirmView();
    const el = h('section', { class: 'panel step', id: 'step-year', 'aria-labelledby': 'step-year-h' });
    let exportUrl = null;

    const api = (method, path, json) => request(method, path, { token: getToken(), json });

    async function run(work) {
        try {
            await work();
            notices.clear();
        } catch (e) {
            notices.show({ code: e.code || 'internal', message: e.message });
        }
        render();
    }

    function say(key, params) {
        st.status = t(key, params);
        announce?.(st.status);
    }

    // `key`, or `keyDrafts` in the plural of n when the change reached n drafts.
    function sayCount(key, n, params) {
        st.status = n ? tn(`${key}Drafts`, n, params) : t(key, params);
        announce?.(st.status);
    }

    async function load() {
        if (!getToken()) {
            st.commissions = null;
            render();
            return;
        }
        await run(async () => {
            st.commissions = (await api('GET', '/api/commissions')).commissions;
        });
    }

    async function openCommission(id, { quiet = false } = {}) {
        await run(async () => {
            const c = encodeURIComponent(id);
            st.commission = await api('GET', `/api/commissions/${c}`);
            st.meetings = (await api('GET', `/api/commissions/${c}/meetings`)).meetings;
            st.groups = (await api('GET', `/api/commissions/${c}/groups`)).groups;
            st.actions = (await api('GET', `/api/commissions/${c}/actions`)).actions;
            if (!quiet) {
                st.snap = null;
                say('admin.year.opened', { name: st.commission.name });
            }
        });
        if (!quiet) {
            document.getElementById('year-commission-h')?.focus();
        }
    }

    let convTimer = null;

    // The convocations of the meeting prepared; read again while one is pending.
    async function loadConvocations() {
        clearTimeout(convTimer);
        if (!st.snap) {
            return;
        }
        const id = st.snap.meeting.id;
        const r = await api('GET', `/api/meetings/${encodeURIComponent(id)}/convocations`);
        if (st.snap?.meeting.id !== id) {
            return;
        }
        st.convocations = r.convocations;
        if (st.convocations.some((c) => c.status === 'pending')) {
            convTimer = setTimeout(() => run(loadConvocations), 2000);
        }
    }

    async function sendConvocations(participants) {
        await run(async () => {
            const mid = encodeURIComponent(st.snap.meeting.id);
            // each in their own language (the roster's), not the page's
            const r = await api('POST', `/api/meetings/${mid}/convocations`, participants ? { participants } : {});
            say('admin.conv.queued', { count: r.convocations.length });
            await loadConvocations();
        });
    }

    // A person's links to the meeting revoked (a lost phone, a mail sent to
    // the wrong address): their open pages are closed; a new convocation or
    // download gives them a new link (PROTOCOL.md 3, DELETE .../invitations/P).
    async function revokeLinks(c) {
        await run(async () => {
            const mid = encodeURIComponent(st.snap.meeting.id);
            const r = await api('DELETE', `/api/meetings/${mid}/invitations/${encodeURIComponent(c.participant)}`);
            st.linkRevoke = null;
            say(r.revoked ? 'admin.conv.revoked' : 'admin.conv.revokedNone', { name: c.name, count: r.revoked });
            await loadConvocations();
        });
        render();
        document.getElementById(`conv-revoke-${c.participant}`)?.focus();
    }

    function revokeControls(c) {
        if (st.linkRevoke === c.participant) {
            return h('span', { class: 'member-confirm', role: 'group', 'aria-labelledby': `conv-revoke-q-${c.participant}` },
                h('span', { id: `conv-revoke-q-${c.participant}` }, t('admin.conv.revokeQuestion', { name: c.name })), ' ',
                button(`conv-revoke-confirm-${c.participant}`, 'admin.conv.revokeConfirm', () => revokeLinks(c),
                    { class: 'danger' }), ' ',
                button(`conv-revoke-cancel-${c.participant}`, 'admin.member.cancel', () => {
                    st.linkRevoke = null;
                    render();
                    document.getElementById(`conv-revoke-${c.participant}`)?.focus();
                }));
        }
        return button(`conv-revoke-${c.participant}`, 'admin.conv.revoke', () => {
            st.linkRevoke = c.participant;
            render();
            document.getElementById(`conv-revoke-confirm-${c.participant}`)?.focus();
        }, { 'aria-label': t('admin.conv.revokeName', { name: c.name }) });
    }

    async function downloadConvocation(pid, ext) {
        await run(async () => {
            const mid = encodeURIComponent(st.snap.meeting.id);
            const name = await download(`/api/meetings/${mid}/convocations/${encodeURIComponent(pid)}/convocation.${ext}`,
                { token: getToken(), method: 'POST', json: {}, fallback: `convocation.${ext}` });
            say('admin.conv.downloaded', { name });
        });
    }

    async function openMeeting(id) {
        await run(async () => {
            st.snap = await api('GET', `/api/meetings/${encodeURIComponent(id)}`);
            st.convocations = null;
            st.template = null;
            await loadConvocations();
            await loadTemplate();
            st.editing = null;
            say('admin.prep.opened', { title: st.snap.meeting.title });
        });
        document.getElementById('prep-h')?.focus();
    }

    async function loadTemplate() {
        st.template = await api('GET', `/api/meetings/${encodeURIComponent(st.snap.meeting.id)}/agenda/template`);
    }

    // Start from the template; a second look when the agenda holds items already.
    async function applyTemplate() {
        if (st.snap.agenda.length && !await confirm.ask({ title: t('admin.tpl.applyTitle'),
            text: t('admin.tpl.applyText'), yes: t('admin.tpl.applyYes') })) {
            return;
        }
        await change('POST', '/agenda/from-template', undefined, 'admin.tpl.applied');
    }

    // Save this agenda as the commission's template; a second look before
    // replacing one the commission saved.
    async function saveTemplate() {
        if (st.template?.saved && !await confirm.ask({ title: t('admin.tpl.replaceTitle'),
            text: t('admin.tpl.replaceText'), yes: t('admin.tpl.replaceYes') })) {
            return;
        }
        await run(async () => {
            st.template = await api('POST', `/api/commissions/${encodeURIComponent(st.commission.id)}/agenda-template`,
                { meeting: st.snap.meeting.id });
            say('admin.tpl.savedOk');
        });
    }

    // A change through the secretariat's routes; the answer is the snapshot.
    async function change(method, path, json, key) {
        await run(async () => {
            st.snap = await api(method, `/api/meetings/${encodeURIComponent(st.snap.meeting.id)}${path}`, json);
            say(key);
            if (st.meetings) {
                st.meetings = (await api('GET',
                    `/api/commissions/${encodeURIComponent(st.commission.id)}/meetings`)).meetings;
            }
        });
    }

    // Attach the file chosen for item `item` (PROTOCOL.md 3.6); the answer is
    // the document, the snapshot is read again to show it.
    async function attach(item, input) {
        const file = input.files?.[0];
        if (!file) {
            say('docs.pick');
            render();
            return;
        }
        const mid = st.snap.meeting.id;
        try {
            const doc = await uploadDocument(getToken(), mid, item.id, file);
            st.snap = await api('GET', `/api/meetings/${encodeURIComponent(mid)}`);
            notices.clear();
            say(item.documents?.some((d) => d.sha256 === doc.sha256) ? 'docs.already' : 'docs.added',
                { name: doc.name });
        } catch (e) {
            const code = e.code === 'invalid' ? 'doc_invalid' : e.code === 'too_large' ? 'doc_too_large' : e.code;
            notices.show({ code: code || 'internal', message: code === e.code ? e.message : '' });
        }
        render();
        document.getElementById(`doc-file-${item.id}`)?.focus();
    }

    function docsPart(i, closed) {
        const list = i.documents || [];
        const docs = list.length ? h('ul', { class: 'prep-docs', id: `prep-docs-${i.id}` }, list.map((d) => {
            const meta = t('docs.meta', { format: formatLabel(d.format), size: formatBytes(d.size, getLang()) });
            const a = h('a', { href: d.url, class: 'doc-link' }, d.name);
            a.addEventListener('click', async (e) => {
                e.preventDefault();
                try {
                    await download(d.url, { token: getToken(), fallback: d.name });
                } catch (err) {
                    notices.show({ code: err.code || 'internal', message: err.message });
                    render();
                }
            });
            return h('li', { class: 'doc', dataset: { sha256: d.sha256 } }, a, ' ',
                h('span', { class: 'doc-meta' }, `(${meta})`), ' ',
                closed ? null : button(`doc-remove-${i.id}-${d.sha256.slice(0, 12)}`, 'docs.remove',
                    () => change('DELETE', `/agenda/${i.id}/documents/${d.sha256}`, undefined, 'docs.removedOk'),
                    { 'aria-label': t('docs.removeTitle', { name: d.name }) }));
        })) : null;
        if (closed) {
            return docs;
        }
        const input = h('input', { type: 'file', id: `doc-file-${i.id}`, name: `doc-file-${i.id}`, accept: ACCEPT });
        return [docs, h('div', { class: 'doc-upload' },
            h('label', { for: `doc-file-${i.id}` }, t('docs.file', { title: i.title })), input,
            button(`doc-upload-${i.id}`, 'docs.upload', () => attach(i, input)))];
    }

    function button(id, key, onclick, extra = {}) {
        return h('button', { type: 'button', id, onclick, ...extra }, t(key));
    }

    function commissionsTable() {
        if (!getToken()) {
            return h('p', { class: 'muted' }, t('admin.year.noToken'));
        }
        if (!st.commissions) {
            return null;
        }
        if (!st.commissions.length) {
            return h('p', { class: 'muted' }, t('admin.year.none'));
        }
        return h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-labelledby': 'year-caption' },
            h('table', { id: 'commissions-table' },
                h('caption', { id: 'year-caption' }, t('admin.year.caption')),
                h('thead', {}, h('tr', {}, ['admin.col.name', 'admin.year.colColleges', 'admin.year.colMembers',
                    'admin.year.colMeetings', 'admin.col.actions'].map((k) => h('th', { scope: 'col' }, t(k))))),
                h('tbody', {}, st.commissions.map((c) => h('tr', {},
                    h('th', { scope: 'row' }, c.name),
                    h('td', {}, c.colleges.map(collegeName).join(', ')),
                    h('td', {}, String(c.members)), h('td', {}, String(c.meetings)),
                    h('td', {}, button(`open-${c.id}`, 'admin.year.open', () => openCommission(c.id),
                        { 'aria-label': t('admin.year.openName', { name: c.name }) })))))));
    }

    // A member edited or taken off the roster (PROTOCOL.md 3, "Changing the
    // roster"): the change reaches the meetings not yet opened. The list
    // redraws from the server's answer; a refusal says its field and reason
    // in the page's language and puts the focus back where it was.
    async function memberChange(m, method, json) {
        const path = `/api/commissions/${encodeURIComponent(st.commission.id)}/members/${encodeURIComponent(m.id)}`;
        try {
            const r = await api(method, path, json);
            notices.clear();
            if (method === 'DELETE') {
                st.commission.members = st.commission.members.filter((x) => x.id !== r.removed);
                st.groups = st.groups?.map((g) => ({ ...g, members: g.members.filter((id) => id !== r.removed) }));
                sayCount('admin.member.removed', r.meetings.length, { name: m.name });
            } else {
                const { meetings, ...member } = r;
                st.commission.members = st.commission.members.map((x) => (x.id === member.id ? member : x));
                sayCount('admin.member.saved', meetings.length, { name: member.name });
            }
            st.memberEdit = st.memberRemove = null;
            return true;
        } catch (e) {
            notices.show({ code: e.code || 'internal', message: rosterErrorText(e) || e.message });
            return e;
        } finally {
            render();
        }
    }

    function memberEditForm(m) {
        const c = st.commission;
        const id = (f) => `member-${f}-${m.id}`;
        const field = (f, label, control) => h('div', { class: 'field' }, h('label', { for: id(f) }, t(label)), control);
        const name = h('input', { id: id('name'), type: 'text', maxlength: '200', required: true, value: m.name,
            autocomplete: 'off' });
        const college = h('select', { id: id('college') }, h('option', { value: '' }, t('admin.member.noCollege')),
            ...c.colleges.map((x) => h('option', { value: x, selected: x === m.college }, collegeName(x))));
        const role = h('select', { id: id('role') }, ['chair', 'secretary', 'member', 'observer']
            .map((r) => h('option', { value: r, selected: r === m.role }, roleName(r))));
        const email = h('input', { id: id('email'), type: 'email', maxlength: '254', value: m.email || '',
            autocomplete: 'off' });
        const lang = h('select', { id: id('lang') }, LANGS.map((l) => h('option', { value: l, lang: l,
            selected: l === (m.lang || 'fr') }, LANG_NAMES[l])));
        const inputs = { name, college, role, email, lang };
        const form = h('form', { class: 'member-edit', id: id('form'), 'aria-label': t('admin.member.editTitle', { name: m.name }),
            onsubmit: async (ev) => {
                ev.preventDefault();
                const r = await memberChange(m, 'POST', { name: name.value.trim(), college: college.value,
                    role: role.value, email: email.value.trim(), lang: lang.value });
                document.getElementById(r === true ? `member-edit-${m.id}` : id(r.field || 'name'))?.focus();
            } },
        field('name', 'admin.col.name', name), field('college', 'admin.col.college', college),
        field('role', 'admin.col.role', role), field('email', 'admin.member.email', email),
        field('lang', 'admin.member.lang', lang),
        h('p', { class: 'actions' }, h('button', { type: 'submit', id: id('save'), class: 'primary' }, t('admin.member.save')),
            button(id('cancel'), 'admin.member.cancel', () => {
                st.memberEdit = null;
                render();
                document.getElementById(`member-edit-${m.id}`)?.focus();
            })));
        return { form, inputs };
    }

    function memberActions(m) {
        if (st.memberRemove === m.id) {
            return h('div', { class: 'member-confirm', role: 'group', 'aria-labelledby': `member-confirm-q-${m.id}` },
                h('p', { id: `member-confirm-q-${m.id}` }, t('admin.member.confirm', { name: m.name })),
                button(`member-remove-confirm-${m.id}`, 'admin.member.removeConfirm', async () => {
                    const r = await memberChange(m, 'DELETE');
                    document.getElementById(r === true ? 'year-roster-h' : `member-remove-${m.id}`)?.focus();
                }, { class: 'danger' }), ' ',
                button(`member-remove-cancel-${m.id}`, 'admin.member.cancel', () => {
                    st.memberRemove = null;
                    render();
                    document.getElementById(`member-remove-${m.id}`)?.focus();
                }));
        }
        return [button(`member-edit-${m.id}`, 'admin.member.edit', () => {
            st.memberEdit = m.id;
            st.memberRemove = null;
            render();
            document.getElementById(`member-name-${m.id}`)?.focus();
        }, { 'aria-label': t('admin.member.editTitle', { name: m.name }) }), ' ',
        button(`member-remove-${m.id}`, 'admin.member.remove', () => {
            st.memberRemove = m.id;
            st.memberEdit = null;
            render();
            document.getElementById(`member-remove-confirm-${m.id}`)?.focus();
        }, { 'aria-label': t('admin.member.removeTitle', { name: m.name }) })];
    }

    function memberRow(m) {
        if (st.memberEdit === m.id) {
            return h('tr', { dataset: { member: m.id } }, h('td', { colspan: '5' }, memberEditForm(m).form));
        }
        return h('tr', { dataset: { member: m.id } }, h('td', {}, m.name),
            h('td', {}, m.college ? collegeName(m.college) : '—'), h('td', {}, roleName(m.role)),
            h('td', { lang: m.lang || 'fr' }, LANG_NAMES[m.lang] || LANG_NAMES.fr),
            h('td', { class: 'member-actions' }, memberActions(m)));
    }

    function rosterPart() {
        const c = st.commission;
        if (exportUrl) {
            URL.revokeObjectURL(exportUrl);
        }
        exportUrl = URL.createObjectURL(new Blob([rosterCsv(c.members, getLang())], { type: 'text/csv;charset=utf-8' }));
        return [
            h('h4', { id: 'year-roster-h', tabindex: '-1' }, t('admin.year.roster', { count: c.members.length })),
            c.members.length ? h('div', { class: 'table-wrap', tabindex: '0', role: 'region',
                'aria-labelledby': 'year-roster-caption' },
            h('table', { id: 'year-roster' },
                h('caption', { id: 'year-roster-caption' }, t('admin.roster.caption')),
                h('thead', {}, h('tr', {}, ['admin.col.name', 'admin.col.college', 'admin.col.role', 'admin.col.lang',
                    'admin.col.actions'].map((k) => h('th', { scope: 'col' }, t(k))))),
                h('tbody', {}, c.members.map(memberRow))))
                : h('p', { class: 'muted' }, t('admin.roster.empty')),
            h('p', { class: 'help' }, t('admin.member.help')),
            h('p', { class: 'actions' }, h('a', { href: exportUrl, id: 'roster-export', class: 'button-link',
                download: t('admin.year.exportFile', { id: c.id }) }, t('admin.year.export'))),
            memberForm(),
        ];
    }

    // One member added to the roster: name, college, role, e-mail address
    // and the language of their convocations and page (PROTOCOL.md 3).
    function memberForm() {
        const c = st.commission;
        const field = (id, key, control) => h('div', { class: 'field' }, h('label', { for: id }, t(key)), control);
        const name = h('input', { id: 'member-name', type: 'text', maxlength: '200', autocomplete: 'off' });
        const college = h('select', { id: 'member-college' }, h('option', { value: '' }, t('admin.member.noCollege')),
            ...c.colleges.map((x) => h('option', { value: x }, collegeName(x))));
        const role = h('select', { id: 'member-role' }, ...['member', 'chair', 'secretary', 'observer']
            .map((r) => h('option', { value: r }, roleName(r))));
        const email = h('input', { id: 'member-email', type: 'email', maxlength: '254', autocomplete: 'off' });
        const lang = h('select', { id: 'member-lang' }, ...LANGS.map((l) => h('option', { value: l, lang: l }, LANG_NAMES[l])));
        const add = button('member-add', 'admin.member.add', async () => {
            if (!name.value.trim()) {
                name.focus();
                return;
            }
            await run(async () => {
                const m = await addMember(getToken(), c.id, { name: name.value.trim(), college: college.value,
                    role: role.value, email: email.value.trim(), lang: lang.value });
                c.members = [...c.members, m];
                say('admin.member.added', { name: m.name });
            });
        });
        return h('details', { class: 'paper', id: 'member-new' }, h('summary', {}, t('admin.member.new')),
            field('member-name', 'admin.col.name', name), field('member-college', 'admin.col.college', college),
            field('member-role', 'admin.col.role', role), field('member-email', 'admin.member.email', email),
            field('member-lang', 'admin.member.lang', lang), h('p', { class: 'actions' }, add));
    }

    // The commission's working groups (PROTOCOL.md 3.7): who leads, who is
    // in, when the report is due; a new group is created from its name, lead
    // and due date, and each is edited in place (members ticked among the
    // roster, mandate).
    function memberName(id) {
        return st.commission.members.find((m) => m.id === id)?.name || collegeName(id);
    }

    // One group edited in place: name, lead, members ticked among the
    // roster, mandate and due date; the answer (the group) replaces it.
    function groupForm(g) {
        const c = st.commission;
        const id = (f) => `group-${f}-${g.id}`;
        const field = (f, label, control) => h('div', { class: 'field' }, h('label', { for: id(f) }, t(label)), control);
        const name = h('input', { id: id('name'), type: 'text', maxlength: '200', required: true, value: g.name });
        const lead = h('select', { id: id('lead') }, h('option', { value: '' }, t('admin.groups.noLead')),
            ...c.colleges.map((x) => h('option', { value: x, selected: x === g.lead }, t('admin.groups.college', { name: collegeName(x) }))),
            ...c.members.map((m) => h('option', { value: m.id, selected: m.id === g.lead }, m.name)));
        const boxes = c.members.map((m) => h('input', { type: 'checkbox', id: `${id('member')}-${m.id}`, value: m.id,
            checked: g.members.includes(m.id) }));
        const members = h('fieldset', { class: 'group-members', id: id('members') },
            h('legend', {}, t('admin.groups.membersLabel')),
            c.members.map((m, i) => h('div', { class: 'check' }, boxes[i],
                h('label', { for: `${id('member')}-${m.id}` }, m.name))));
        const mandate = h('textarea', { id: id('mandate'), rows: '3', maxlength: '10000' });
        mandate.value = g.mandate || '';
        const due = h('input', { id: id('due'), type: 'date', value: g.due || '' });
        return h('form', { class: 'group-edit', id: id('form'), 'aria-label': t('admin.groups.editTitle', { name: g.name }),
            onsubmit: async (ev) => {
                ev.preventDefault();
                let ok = false;
                await run(async () => {
                    const json = { name: name.value.trim(), lead: lead.value,
                        members: boxes.filter((b) => b.checked).map((b) => b.value), mandate: mandate.value, due: due.value };
                    const path = `/api/commissions/${encodeURIComponent(c.id)}/groups/${encodeURIComponent(g.id)}`;
                    const got = await api('POST', path, json);
                    st.groups = st.groups.map((x) => (x.id === got.id ? got : x));
                    st.groupEdit = null;
                    say('admin.groups.saved', { name: got.name });
                    ok = true;
                });
                document.getElementById(ok ? `group-edit-${g.id}` : id('name'))?.focus();
            } },
        field('name', 'admin.groups.name', name), field('lead', 'admin.groups.leadLabel', lead), members,
        field('mandate', 'admin.groups.mandateLabel', mandate), field('due', 'admin.groups.dueLabel', due),
        h('p', { class: 'actions' }, h('button', { type: 'submit', id: id('save'), class: 'primary' }, t('admin.member.save')),
            button(id('cancel'), 'admin.member.cancel', () => {
                st.groupEdit = null;
                render();
                document.getElementById(`group-edit-${g.id}`)?.focus();
            })));
    }

    function groupItem(g) {
        if (st.groupEdit === g.id) {
            return h('li', { dataset: { group: g.id } }, groupForm(g));
        }
        return h('li', { dataset: { group: g.id } }, h('strong', {}, g.name),
            g.lead ? ` — ${t('admin.groups.lead', { name: memberName(g.lead) })}` : '',
            g.members.length ? ` — ${t('admin.groups.members', { names: g.members.map(memberName).join(', ') })}` : '',
            g.due ? ` — ${t('admin.groups.due', { date: formatDay(g.due) })}` : '',
            g.mandate ? h('span', { class: 'group-mandate' }, ` — ${g.mandate}`) : '', ' ',
            button(`group-edit-${g.id}`, 'admin.member.edit', () => {
                st.groupEdit = g.id;
                render();
                document.getElementById(`group-name-${g.id}`)?.focus();
            }, { 'aria-label': t('admin.groups.editTitle', { name: g.name }) }));
    }

    function groupsPart() {
        const name = h('input', { id: 'group-name', type: 'text', maxlength: '200' });
        const lead = h('select', { id: 'group-lead' }, h('option', { value: '' }, t('admin.groups.noLead')),
            ...st.commission.colleges.map((c) => h('option', { value: c }, t('admin.groups.college', { name: collegeName(c) }))),
            ...st.commission.members.map((m) => h('option', { value: m.id }, m.name)));
        const due = h('input', { id: 'group-due', type: 'date' });
        const create = button('group-create', 'admin.groups.create', async () => {
            if (!name.value.trim()) {
                name.focus();
                return;
            }
            await run(async () => {
                const json = { name: name.value.trim() };
                if (lead.value) {
                    json.lead = lead.value;
                }
                if (due.value) {
                    json.due = due.value;
                }
                const c = encodeURIComponent(st.commission.id);
                await api('POST', `/api/commissions/${c}/groups`, json);
                st.groups = (await api('GET', `/api/commissions/${c}/groups`)).groups;
                say('admin.groups.created', { name: json.name });
            });
        });
        return [
            h('h4', {}, t('admin.groups.title')),
            st.groups?.length ? h('ul', { id: 'groups-list', class: 'register' }, st.groups.map(groupItem))
                : h('p', { class: 'muted' }, t('admin.groups.none')),
            h('details', { class: 'paper', id: 'group-new' }, h('summary', {}, t('admin.groups.new')),
                h('div', { class: 'field' }, h('label', { for: 'group-name' }, t('admin.groups.name')), name),
                h('div', { class: 'field' }, h('label', { for: 'group-lead' }, t('admin.groups.leadLabel')), lead),
                h('div', { class: 'field' }, h('label', { for: 'group-due' }, t('admin.groups.dueLabel')), due),
                h('p', { class: 'actions' }, create)),
            h('h4', {}, t('admin.actions.title')),
            st.actions?.length ? h('ul', { id: 'open-actions', class: 'register' }, st.actions.map((a) => h('li',
                { dataset: { action: `${a.meeting}/${a.action}` } }, h('strong', {}, a.title),
                ` — ${a.owner_name || a.owner} — ${a.due ? t('followup.due', { date: formatDay(a.due) }) : t('followup.noDue')}`,
                ` — ${t(`followup.status.${a.status}`)}`,
                ` — ${t('admin.actions.meeting', { title: st.meetings?.find((m) => m.id === a.meeting)?.title || a.meeting })}`)))
                : h('p', { class: 'muted' }, t('admin.actions.none')),
        ];
    }

    function meetingState(m) {
        if (m.approved_by) { // approved by a later meeting (PROTOCOL.md 6.7)
            const by = st.meetings.find((x) => x.id === m.approved_by.meeting);
            return t('admin.year.approvedBy', { when: formatMeetingDate(m.approved_by.at, 'medium'),
                date: m.approved_by.date ? formatMeetingDate(m.approved_by.date, 'medium') : (by?.title || m.approved_by.meeting) });
        }
        if (m.approved) {
            return t('admin.year.approved');
        }
        if (m.finalized) {
            return t('admin.year.finalized');
        }
        return t(`state.${m.state}`);
    }

    function meetingsPart() {
        return [
            h('h4', {}, t('admin.year.meetings')),
            st.meetings.length ? h('div', { class: 'table-wrap', tabindex: '0', role: 'region',
                'aria-labelledby': 'year-meetings-caption' },
            h('table', { id: 'meetings-table' },
                h('caption', { id: 'year-meetings-caption' }, t('admin.year.meetingsCaption')),
                h('thead', {}, h('tr', {}, ['admin.year.colDate', 'admin.year.colTitle', 'admin.year.colState',
                    'admin.col.actions'].map((k) => h('th', { scope: 'col' }, t(k))))),
                h('tbody', {}, [...st.meetings].sort((a, b) => (b.date || '').localeCompare(a.date || ''))
                    .map((m) => h('tr', { dataset: { meeting: m.id } },
                        h('td', {}, m.date ? formatMeetingDate(m.date, 'medium') : '—'),
                        h('th', { scope: 'row' }, m.title),
                        h('td', {}, meetingState(m)),
                        h('td', {}, button(`prepare-${m.id}`, 'admin.year.prepare', () => openMeeting(m.id),
                            { 'aria-label': t('admin.year.prepareTitle', { title: m.title }) })))))))
                : h('p', { class: 'muted' }, t('admin.year.noMeetings')),
        ];
    }

    function settingsForm() {
        const s = st.snap.settings;
        const open = st.snap.meeting.state !== 'scheduled';
        const inputs = {};
        const fields = SETTINGS.map(([k, type, min, max]) => {
            const id = `set-${k}`;
            const input = type === 'checkbox'
                ? h('input', { id, name: id, type, checked: !!s[k], disabled: open })
                : h('input', { id, name: id, type, min, max, step: 1, value: String(s[k]), required: true,
                    disabled: open, inputmode: 'numeric', 'aria-describedby': `${id}-help` });
            inputs[k] = input;
            return type === 'checkbox'
                ? h('div', { class: 'field check' }, input, h('label', { for: id }, t(`admin.set.${k}`)))
                : h('div', { class: 'field' }, h('label', { for: id }, t(`admin.set.${k}`)), input,
                    h('p', { class: 'help', id: `${id}-help` }, t(`admin.set.${k}Help`)));
        });
        // Who approves the minutes: the chair in this meeting, or the next
        // meeting by its own vote (PROTOCOL.md 6.1, 6.7).
        const approval = h('select', { id: 'set-minutes_approval', name: 'set-minutes_approval',
            disabled: open, 'aria-describedby': 'set-minutes_approval-help' },
        ['next_meeting', 'same_meeting'].map((v) => h('option', { value: v,
            selected: (s.minutes_approval || 'same_meeting') === v }, t(`admin.set.approval.${v}`))));
        const form = h('form', { id: 'settings-form' },
            h('h4', {}, t('admin.set.title')),
            open ? h('p', { class: 'help', id: 'settings-open' }, t('admin.set.open')) : null,
            ...fields,
            h('div', { class: 'field' }, h('label', { for: 'set-minutes_approval' }, t('admin.set.minutes_approval')),
                approval, h('p', { class: 'help', id: 'set-minutes_approval-help' }, t('admin.set.minutes_approvalHelp'))),
            open ? null : h('div', { class: 'actions' },
                h('button', { type: 'submit', class: 'primary', id: 'settings-save' }, t('admin.set.save'))));
        form.addEventListener('submit', (e) => {
            e.preventDefault();
            const body = {};
            for (const [k, type] of SETTINGS) {
                body[k] = type === 'checkbox' ? inputs[k].checked : Number(inputs[k].value);
            }
            body.minutes_approval = approval.value;
            change('POST', '/settings', body, 'admin.set.saved');
        });
        return form;
    }

    function agendaList() {
        const items = st.snap.agenda.filter((i) => !i.parent);
        const closed = st.snap.meeting.state === 'closed';
        if (!st.snap.agenda.length) {
            return h('p', { class: 'muted', id: 'prep-agenda-empty' }, t('admin.agenda.empty'));
        }
        const row = (i, siblings) => {
            const pos = siblings.indexOf(i);
            const kids = st.snap.agenda.filter((k) => k.parent === i.id);
            return h('li', { dataset: { item: i.id } },
                h('p', {}, h('strong', {}, i.title), ' — ', t(`agenda.kind.${i.kind}`),
                    i.duration ? ` — ${t('admin.agenda.minutes', { n: Math.round(i.duration / 60) })}` : '',
                    i.origin ? ` — ${t('admin.agenda.carried')}` : ''),
                closed ? null : h('p', { class: 'actions' },
                    pos > 0 ? button(`up-${i.id}`, 'admin.agenda.up',
                        () => change('POST', `/agenda/${i.id}/move`, { position: pos - 1 }, 'admin.agenda.moved'),
                        { 'aria-label': t('admin.agenda.upTitle', { title: i.title }) }) : null,
                    pos < siblings.length - 1 ? button(`down-${i.id}`, 'admin.agenda.down',
                        () => change('POST', `/agenda/${i.id}/move`, { position: pos + 1 }, 'admin.agenda.moved'),
                        { 'aria-label': t('admin.agenda.downTitle', { title: i.title }) }) : null,
                    button(`edit-${i.id}`, 'admin.agenda.edit', () => {
                        st.editing = i.id;
                        render();
                        document.getElementById('item-title')?.focus();
                    }, { 'aria-label': t('admin.agenda.editTitle', { title: i.title }) }),
                    i.state === 'pending' ? button(`remove-${i.id}`, 'admin.agenda.remove',
                        () => change('DELETE', `/agenda/${i.id}`, undefined, 'admin.agenda.removed'),
                        { 'aria-label': t('admin.agenda.removeTitle', { title: i.title }) }) : null),
                docsPart(i, closed),
                kids.length ? h('ol', {}, kids.map((k) => row(k, kids))) : null);
        };
        return h('ol', { id: 'prep-agenda', class: 'prep-agenda' }, items.map((i) => row(i, items)));
    }

    function itemForm() {
        const it = st.editing && st.snap.agenda.find((i) => i.id === st.editing);
        const title = h('input', { id: 'item-title', name: 'item-title', type: 'text', required: true,
            value: it ? it.title : '', autocomplete: 'off' });
        const desc = h('textarea', { id: 'item-description', name: 'item-description', rows: 3 },
            it ? it.description : '');
        const kind = h('select', { id: 'item-kind', name: 'item-kind' },
            ['information', 'deliberation', 'vote'].map((k) => h('option', { value: k,
                selected: (it ? it.kind : 'information') === k }, t(`agenda.kind.${k}`))));
        const duration = h('input', { id: 'item-duration', name: 'item-duration', type: 'number', min: 0, step: 1,
            value: it ? String(Math.round(it.duration / 60)) : '', inputmode: 'numeric' });
        const form = h('form', { id: 'item-form' },
            h('h4', {}, t(it ? 'admin.agenda.editing' : 'admin.agenda.add')),
            h('div', { class: 'field' }, h('label', { for: 'item-title' }, t('admin.agenda.title')), title),
            h('div', { class: 'field' }, h('label', { for: 'item-description' }, t('admin.agenda.description')), desc),
            h('div', { class: 'field' }, h('label', { for: 'item-kind' }, t('admin.agenda.kind')), kind),
            h('div', { class: 'field' }, h('label', { for: 'item-duration' }, t('admin.agenda.duration')), duration),
            h('div', { class: 'actions' },
                h('button', { type: 'submit', class: 'primary', id: 'item-save' },
                    t(it ? 'admin.agenda.save' : 'admin.agenda.addButton')),
                it ? button('item-cancel', 'admin.agenda.cancel', () => {
                    st.editing = null;
                    render();
                }) : null));
        form.addEventListener('submit', async (e) => {
            e.preventDefault();
            const body = { title: title.value.trim(), description: desc.value, kind: kind.value,
                duration: Math.max(0, Math.round(Number(duration.value || 0) * 60)) };
            if (it) {
                await change('POST', `/agenda/${it.id}`, body, 'admin.agenda.edited');
                st.editing = null;
            } else {
                await change('POST', '/agenda', body, 'admin.agenda.added');
            }
            render();
            document.getElementById('item-title')?.focus();
        });
        return form;
    }

    function templateItem(i) {
        return h('li', {}, h('span', {}, i.title), ' — ', t(`agenda.kind.${i.kind}`),
            i.duration ? ` — ${t('admin.agenda.minutes', { n: Math.round(i.duration / 60) })}` : '',
            i.items?.length ? h('ol', { 'aria-label': t('admin.tpl.subItems', { title: i.title }) },
                i.items.map(templateItem)) : null);
    }

    // The template beside the agenda, and the two ways between them.
    function templatePart() {
        const tpl = st.template;
        const m = st.snap.meeting;
        if (!tpl) {
            return null;
        }
        const from = st.meetings?.find((x) => x.id === tpl.meeting)?.title || tpl.meeting;
        return h('div', { class: 'agenda-template', id: 'agenda-template' },
            h('h4', { id: 'tpl-h' }, t('admin.tpl.title')),
            h('p', { id: 'tpl-source' }, tpl.saved
                ? t('admin.tpl.saved', { when: formatDateTime(tpl.updated), title: from })
                : t('admin.tpl.default')),
            h('ol', { id: 'tpl-items', class: 'tpl-items', 'aria-labelledby': 'tpl-h' }, tpl.items.map(templateItem)),
            m.state === 'scheduled' ? h('p', { class: 'help', id: 'tpl-help' }, t('admin.tpl.help'))
                : h('p', { class: 'help' }, t('admin.tpl.open')),
            h('p', { class: 'actions' },
                m.state === 'scheduled' ? button('tpl-apply', 'admin.tpl.apply', applyTemplate,
                    { 'aria-describedby': 'tpl-help' }) : null,
                st.snap.agenda.length ? button('tpl-save', 'admin.tpl.save', saveTemplate) : null));
    }

    function convocationsPart() {
        const list = st.convocations;
        if (!list) {
            return null;
        }
        const withEmail = list.filter((c) => c.email).length;
        const status = (c) => (c.status === 'failed'
            ? t('admin.conv.failed', { reason: c.reason }) : t(`admin.conv.status.${c.status}`));
        return h('div', { id: 'convocations', class: 'convocations' },
            h('h4', { id: 'conv-h' }, t('admin.conv.title')),
            h('p', { class: 'help' }, t('admin.conv.help')),
            h('p', { class: 'actions' },
                button('conv-send-all', 'admin.conv.sendAll', () => sendConvocations(null),
                    { disabled: !withEmail, class: 'primary' }),
                button('conv-refresh', 'admin.conv.refresh', () => run(loadConvocations))),
            h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-labelledby': 'conv-caption' },
                h('table', { id: 'conv-table' },
                    h('caption', { id: 'conv-caption' }, t('admin.conv.caption')),
                    h('thead', {}, h('tr', {}, ['admin.col.name', 'admin.conv.colEmail', 'admin.conv.colStatus',
                        'admin.col.actions'].map((k) => h('th', { scope: 'col' }, t(k))))),
                    h('tbody', {}, list.map((c) => h('tr', { dataset: { participant: c.participant, status: c.status } },
                        h('th', { scope: 'row' }, c.name),
                        h('td', {}, c.email || t('admin.conv.noEmail')),
                        h('td', { class: `conv-status conv-${c.status}` }, status(c)),
                        h('td', { class: 'actions' },
                            c.email ? button(`conv-send-${c.participant}`, 'admin.conv.send',
                                () => sendConvocations([c.participant]),
                                { 'aria-label': t('admin.conv.sendName', { name: c.name }) }) : null,
                            ...['html', 'pdf', 'ics'].map((ext) => button(`conv-${ext}-${c.participant}`,
                                `admin.conv.${ext}`, () => downloadConvocation(c.participant, ext),
                                { 'aria-label': t(`admin.conv.${ext}Name`, { name: c.name }) })),
                            ' ', revokeControls(c))))))));
    }

    function prepPart() {
        const m = st.snap.meeting;
        const closed = m.state === 'closed';
        return h('div', { class: 'prep', id: 'prep' },
            h('h3', { id: 'prep-h', tabindex: '-1' }, t('admin.prep.title', { title: m.title })),
            settingsForm(),
            h('h4', {}, t('admin.agenda.heading')),
            agendaList(),
            closed ? h('p', { class: 'help' }, t('admin.agenda.closed')) : h('p', { class: 'actions' },
                button('agenda-previous', 'admin.agenda.previous',
                    () => change('POST', '/agenda/from-previous', undefined, 'admin.agenda.copied'))),
            templatePart(),
            closed ? null : itemForm(),
            convocationsPart());
    }

    function render() {
        notices.render();
        fill(el,
            h('h2', { id: 'step-year-h' }, t('admin.year.title')),
            notices.el,
            h('p', { class: 'help' }, t('admin.year.help')),
            h('p', { class: 'actions' }, button('year-refresh', 'admin.year.refresh', load)),
            commissionsTable(),
            st.commission ? h('div', { class: 'year-commission' },
                h('h3', { id: 'year-commission-h', tabindex: '-1' }, st.commission.name),
                ...rosterPart(), ...(st.meetings ? meetingsPart() : []), ...groupsPart()) : null,
            st.snap ? prepPart() : null,
            h('p', { class: 'form-status', role: 'status', id: 'year-status' }, st.status),
            confirm.el);
    }

    render();
    return { el, render, load, openCommission, shown: () => st.commission?.id || null };
}
