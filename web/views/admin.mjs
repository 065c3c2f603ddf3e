// SPDX-License-Identifier: AGPL-3.0-or-later
//
// admin.mjs - the administration page, at / (no meeting in the address).
//
// Four steps, each a form that works on its own, top to bottom in the order
// an administrator follows them: create a commission, import its roster from
// a CSV file, schedule a meeting (its participants are the roster at that
// moment), and make the invitation links, to copy one by one or download as a
// table for a mail merge. The admin token is pasted once and kept in
// sessionStorage: it leaves with the tab and is never written anywhere else.
//
// What the steps produce (the ids of the commission and of the meeting) fills
// the next steps' fields. Everything typed lives in `model`, so a change of
// language redraws the page without losing it (except a chosen file, which a
// browser never lets a page set back). Errors show inside the step they
// belong to; successes are said in the step's status line, a live region.
// Below the steps, secretariat.mjs lists what exists (commissions, their
// rosters and meetings) and prepares a meeting's rules and agenda.

import { h, fill } from '../dom.mjs';
import { t, tn, onLangChange, getLang, roleName, collegeName, LANGS, LANG_NAMES, withZoneOffset } from '../i18n.mjs';
import { request } from '../api.mjs';
import { noticesView } from './notices.mjs';
import { announcerView } from './announcer.mjs';
import { langSwitchView } from './langswitch.mjs';
import { secretariatView, importRoster } from './secretariat.mjs';

const TOKEN_KEY = 'concerto.admin.token';

function loadToken() {
    try {
        return sessionStorage.getItem(TOKEN_KEY) || '';
    } catch {
        return '';
    }
}

function saveToken(v) {
    try {
        if (v) {
            sessionStorage.setItem(TOKEN_KEY, v);
        } else {
            sessionStorage.removeItem(TOKEN_KEY);
        }
    } catch {
        // kept in memory only
    }
}

// One CSV field, quoted when it must be.
function csvField(v, sep) {
    const s = String(v ?? '');
    return s.includes(sep) || /["\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

// The invitation table as CSV text: semicolons in French (what a French
// spreadsheet expects), commas in English; a BOM so that accents survive.
export function invitationsCsv(rows, lang, labels) {
    const sep = lang === 'fr' ? ';' : ',';
    const lines = [labels, ...rows.map((r) => [r.name, r.college, r.role, r.link])]
        .map((cells) => cells.map((c) => csvField(c, sep)).join(sep));
    return `\ufeff${lines.join('\r\n')}\r\n`;
}

export function adminPage(root) {
    const model = {
        token: loadToken(),
        commission: '',
        commissionName: '',
        roster: null, // [{id,name,college,role}] of the commission shown
        fields: {
            'commission-name': '', 'commission-colleges': 'bailleurs, locataires',
            'meeting-title-field': '', 'meeting-date': '', 'meeting-place': '', 'meeting-room': '',
            'meeting-lang': getLang(),
        },
        meeting: '',
        invitations: null, // [{participant,name,college,role,link}]
        status: {}, // section -> {key, params} of its last success
    };
    const announcer = announcerView();
    const notices = {
        token: noticesView(), commission: noticesView(), roster: noticesView(),
        meeting: noticesView(), invite: noticesView(),
    };
    let downloadUrl = null;
    // The commissions and meetings that exist, read from the server on load.
    const year = secretariatView({ getToken: () => model.token, announce: (s) => announcer.say(s) });

    // What was made in a step shows in the lists below at once.
    function refreshYear() {
        year.load().then(() => (model.commission && year.shown() === model.commission
            ? year.openCommission(model.commission, { quiet: true }) : null));
    }

    function fail(section, e) {
        notices[section].show({ code: e.code || 'internal', message: e.message });
    }

    function said(section, key, params, n) {
        model.status[section] = { key, params, n };
        notices[section].clear();
        rebuild();
    }

    function statusLine(section) {
        const st = model.status[section];
        const text = !st ? '' : st.n !== undefined ? tn(st.key, st.n, st.params) : t(st.key, st.params);
        return h('p', { class: 'form-status', role: 'status', id: `${section}-status` }, text);
    }

    // A labelled text field bound to model.fields[id].
    function field(id, labelKey, { type = 'text', required = false, help = null, ...rest } = {}) {
        const input = h('input', { id, name: id, type, required, value: model.fields[id] ?? '',
            'aria-describedby': help ? `${id}-help` : null, ...rest });
        input.addEventListener('input', () => {
            model.fields[id] = input.value;
        });
        return h('div', { class: 'field' },
            h('label', { for: id }, t(labelKey), required ? h('span', { class: 'required' }, ` ${t('admin.required')}`) : null),
            input,
            help ? h('p', { class: 'help', id: `${id}-help` }, t(help)) : null);
    }

    function idField(id, labelKey, key) {
        const input = h('input', { id, name: id, type: 'text', required: true, value: model[key],
            autocomplete: 'off', spellcheck: 'false', pattern: '[a-z0-9_\\-]{1,32}' });
        input.addEventListener('input', () => {
            model[key] = input.value.trim();
        });
        return h('div', { class: 'field' }, h('label', { for: id }, t(labelKey)), input);
    }

    function submitButton(id, key) {
        return h('button', { type: 'submit', class: 'primary', id }, t(key));
    }

    // Run `work` for a form, with its button busy meanwhile.
    function onSubmit(form, section, work) {
        form.addEventListener('submit', async (e) => {
            e.preventDefault();
            // Busy, not disabled: a disabled button would lose the keyboard focus.
            const button = form.querySelector('button[type=submit]');
            if (button.getAttribute('aria-busy') === 'true') {
                return;
            }
            button.setAttribute('aria-busy', 'true');
            try {
                await work();
            } catch (err) {
                fail(section, err);
            } finally {
                button.removeAttribute('aria-busy');
            }
        });
        return form;
    }

    function section(id, titleKey, ...children) {
        return h('section', { class: 'panel step', id, 'aria-labelledby': `${id}-h` },
            h('h2', { id: `${id}-h` }, t(titleKey)), ...children);
    }

    function tokenSection() {
        const input = h('input', { id: 'admin-token', name: 'admin-token', type: 'password',
            autocomplete: 'off', spellcheck: 'false', 'aria-describedby': 'admin-token-help' });
        const form = h('form', { id: 'token-form', class: 'form-inline' },
            h('div', { class: 'field' },
                h('label', { for: 'admin-token' }, t('admin.token.label')),
                input,
                h('p', { class: 'help', id: 'admin-token-help' }, t('admin.token.help'))),
            h('div', { class: 'actions' }, submitButton('token-save', 'admin.token.save')));
        onSubmit(form, 'token', async () => {
            const v = input.value.trim();
            if (!v) {
                notices.token.show({ code: 'unauthorized', message: t('admin.token.empty') });
                return;
            }
            model.token = v;
            saveToken(v);
            said('token', 'admin.token.saved');
            document.getElementById('commission-name')?.focus();
            year.load();
        });
        const forget = h('button', { type: 'button', id: 'token-forget' }, t('admin.token.forget'));
        forget.addEventListener('click', () => {
            model.token = '';
            saveToken('');
            said('token', 'admin.token.none');
            document.getElementById('admin-token')?.focus();
            year.load();
        });
        return section('step-token', 'admin.token.title', notices.token.el, form,
            h('p', { class: 'token-state', id: 'token-state' },
                t(model.token ? 'admin.token.saved' : 'admin.token.none')),
            model.token ? h('div', { class: 'actions' }, forget) : null);
    }

    function commissionSection() {
        const form = h('form', { id: 'commission-form' },
            field('commission-name', 'admin.commission.name', { required: true, autocomplete: 'off' }),
            field('commission-colleges', 'admin.commission.colleges',
                { required: true, help: 'admin.commission.collegesHelp', autocomplete: 'off', spellcheck: 'false' }),
            h('div', { class: 'actions' }, submitButton('commission-create', 'admin.commission.create')));
        onSubmit(form, 'commission', async () => {
            const colleges = model.fields['commission-colleges'].split(/[,;\s]+/)
                .map((c) => c.trim().toLowerCase()).filter(Boolean);
            const res = await request('POST', '/api/commissions',
                { token: model.token, json: { name: model.fields['commission-name'].trim(), colleges } });
            model.commission = res.id;
            model.commissionName = res.name;
            model.roster = [];
            said('commission', 'admin.commission.created', { name: res.name, id: res.id });
            refreshYear();
        });
        return section('step-commission', 'admin.commission.title', notices.commission.el, form,
            statusLine('commission'));
    }

    function rosterTable() {
        if (!model.roster) {
            return null;
        }
        if (model.roster.length === 0) {
            return h('p', { class: 'muted' }, t('admin.roster.empty'));
        }
        return h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-labelledby': 'roster-caption' },
            h('table', { id: 'roster-table' },
                h('caption', { id: 'roster-caption' }, t('admin.roster.caption')),
                h('thead', {}, h('tr', {},
                    ['admin.col.name', 'admin.col.college', 'admin.col.role'].map((k) => h('th', { scope: 'col' }, t(k))))),
                h('tbody', {}, model.roster.map((m) => h('tr', {},
                    h('td', {}, m.name), h('td', {}, m.college ? collegeName(m.college) : '—'),
                    h('td', {}, roleName(m.role)))))));
    }

    async function loadCommission() {
        const c = await request('GET', `/api/commissions/${encodeURIComponent(model.commission)}`,
            { token: model.token });
        model.commissionName = c.name;
        model.roster = c.members || [];
        return c;
    }

    function rosterSection() {
        const file = h('input', { id: 'roster-file', name: 'roster-file', type: 'file',
            accept: '.csv,text/csv,text/plain', 'aria-describedby': 'roster-file-help' });
        const load = h('button', { type: 'button', id: 'roster-load' }, t('admin.commission.load'));
        load.addEventListener('click', async () => {
            if (!model.commission) {
                notices.roster.show({ code: 'invalid', message: t('admin.roster.noCommission') });
                return;
            }
            try {
                const c = await loadCommission();
                said('roster', 'admin.commission.loaded', { name: c.name, count: model.roster.length });
            } catch (e) {
                fail('roster', e);
            }
        });
        const form = h('form', { id: 'roster-form' },
            h('div', { class: 'field-row' },
                idField('roster-commission', 'admin.commission.id', 'commission'),
                h('div', { class: 'actions' }, load)),
            h('div', { class: 'field' },
                h('label', { for: 'roster-file' }, t('admin.roster.file')),
                file,
                h('p', { class: 'help', id: 'roster-file-help' }, t('admin.roster.help'))),
            h('div', { class: 'actions' }, submitButton('roster-import', 'admin.roster.import')));
        onSubmit(form, 'roster', async () => {
            if (!model.commission) {
                notices.roster.show({ code: 'invalid', message: t('admin.roster.noCommission') });
                return;
            }
            const f = file.files && file.files[0];
            if (!f) {
                notices.roster.show({ code: 'invalid', message: t('admin.roster.noFile') });
                return;
            }
            const text = await f.text();
            // The server says which line and field it refuses, and why, in words
            // the page translates.
            const res = await importRoster(model.token, model.commission, text);
            const added = (res && res.members) || [];
            try {
                await loadCommission();
            } catch {
                model.roster = [...(model.roster || []), ...added];
            }
            said('roster', 'admin.roster.imported', {}, added.length);
            refreshYear();
        });
        return section('step-roster', 'admin.roster.title', notices.roster.el, form,
            statusLine('roster'), rosterTable());
    }

    function meetingSection() {
        const lang = h('select', { id: 'meeting-lang', name: 'meeting-lang' },
            LANGS.map((l) => h('option', { value: l, lang: l, selected: model.fields['meeting-lang'] === l },
                LANG_NAMES[l])));
        lang.addEventListener('change', () => {
            model.fields['meeting-lang'] = lang.value;
        });
        const form = h('form', { id: 'meeting-form' },
            idField('meeting-commission', 'admin.commission.id', 'commission'),
            field('meeting-title-field', 'admin.meeting.titleField', { required: true, autocomplete: 'off' }),
            field('meeting-date', 'admin.meeting.date', { type: 'datetime-local', required: true }),
            field('meeting-place', 'admin.meeting.place', { autocomplete: 'off' }),
            field('meeting-room', 'admin.meeting.room', { type: 'url', help: 'admin.meeting.roomHelp',
                autocomplete: 'off', spellcheck: 'false', pattern: 'https://.+' }),
            h('div', { class: 'field' }, h('label', { for: 'meeting-lang' }, t('admin.meeting.lang')), lang),
            h('div', { class: 'actions' }, submitButton('meeting-create', 'admin.meeting.create')));
        onSubmit(form, 'meeting', async () => {
            const f = model.fields;
            const title = f['meeting-title-field'].trim();
            const body = {
                commission: model.commission,
                title,
                date: withZoneOffset(f['meeting-date']), // Paris time, with its offset
                place: f['meeting-place'].trim(),
                lang: f['meeting-lang'],
            };
            if (f['meeting-room'].trim()) {
                body.room = f['meeting-room'].trim(); // otherwise the server gives the meeting a room
            }
            const res = await request('POST', '/api/meetings', { token: model.token, json: body });
            model.meeting = res.id || res.meeting?.id;
            model.invitations = null;
            said('meeting', 'admin.meeting.created', { title, id: model.meeting });
            refreshYear();
        });
        return section('step-meeting', 'admin.meeting.title', notices.meeting.el, form, statusLine('meeting'));
    }

    async function copy(row) {
        try {
            await navigator.clipboard.writeText(row.link);
        } catch {
            const input = document.getElementById(`link-${row.participant}`);
            input?.select();
            if (!document.execCommand || !document.execCommand('copy')) {
                announcer.say(t('admin.invite.copyFailed'));
                return;
            }
        }
        announcer.say(t('admin.invite.copied', { name: row.name }));
    }

    function inviteTable() {
        if (!model.invitations) {
            return null;
        }
        if (downloadUrl) {
            URL.revokeObjectURL(downloadUrl);
        }
        const csv = invitationsCsv(model.invitations.map((r) => ({ ...r, role: roleName(r.role),
            college: r.college ? collegeName(r.college) : '' })), getLang(),
        ['admin.csv.name', 'admin.csv.college', 'admin.csv.role', 'admin.csv.link'].map((k) => t(k)));
        downloadUrl = URL.createObjectURL(new Blob([csv], { type: 'text/csv;charset=utf-8' }));
        return h('div', { class: 'invitations' },
            h('p', { class: 'actions' },
                h('a', { href: downloadUrl, download: t('admin.csv.file', { id: model.meeting }),
                    id: 'invite-download', class: 'button-link' }, t('admin.invite.download'))),
            h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-labelledby': 'invite-caption' },
                h('table', { id: 'invite-table' },
                    h('caption', { id: 'invite-caption' }, t('admin.invite.caption', { id: model.meeting })),
                    h('thead', {}, h('tr', {},
                        ['admin.col.name', 'admin.col.role', 'admin.col.link', 'admin.col.actions']
                            .map((k) => h('th', { scope: 'col' }, t(k))))),
                    h('tbody', {}, model.invitations.map((r) => h('tr', { dataset: { participant: r.participant } },
                        h('th', { scope: 'row' }, r.name),
                        h('td', {}, r.college ? t('you.roleCollege', { role: roleName(r.role), college: collegeName(r.college) })
                            : roleName(r.role)),
                        h('td', {}, h('input', { type: 'text', readonly: true, value: r.link, class: 'link',
                            id: `link-${r.participant}`, 'aria-label': t('admin.invite.linkFor', { name: r.name }) })),
                        h('td', {}, h('button', { type: 'button', class: 'copy', id: `copy-${r.participant}`,
                            'aria-label': t('admin.invite.copyFor', { name: r.name }),
                            onclick: () => copy(r) }, t('admin.invite.copy')))))))));
    }

    function inviteSection() {
        const form = h('form', { id: 'invite-form' },
            idField('invite-meeting', 'admin.invite.meeting', 'meeting'),
            h('p', { class: 'help' }, t('admin.invite.help')),
            h('div', { class: 'actions' }, submitButton('invite-create', 'admin.invite.create')));
        onSubmit(form, 'invite', async () => {
            if (!model.meeting) {
                notices.invite.show({ code: 'invalid', message: t('admin.invite.noMeeting') });
                return;
            }
            const m = encodeURIComponent(model.meeting);
            const res = await request('POST', `/api/meetings/${m}/invitations`, { token: model.token, json: {} });
            const snap = await request('GET', `/api/meetings/${m}`, { token: model.token });
            const people = new Map((snap.participants || []).map((p) => [p.id, p]));
            model.invitations = (res.invitations || []).map((inv) => {
                const p = people.get(inv.participant) || {};
                return { participant: inv.participant, name: p.name || inv.participant,
                    college: p.college || '', role: p.role || '',
                    link: new URL(inv.link, location.origin).href };
            });
            said('invite', 'admin.invite.created', {}, model.invitations.length);
        });
        return section('step-invite', 'admin.invite.title', notices.invite.el, form,
            statusLine('invite'), inviteTable());
    }

    // Links to the page's sections, first on the page: on a phone the steps
    // are one long column, and a secretary comes back for one of them.
    function sectionsNav(steps) {
        return h('nav', { class: 'sections-nav', 'aria-label': t('admin.nav.label') },
            h('ul', {}, steps.map((s) => h('li', {},
                h('a', { href: `#${s.id}`, id: `nav-${s.id}` },
                    s.querySelector('h2')?.textContent || s.id)))));
    }

    function build() {
        for (const n of Object.values(notices)) {
            n.render();
        }
        year.render();
        const steps = [tokenSection(), commissionSection(), rosterSection(), meetingSection(),
            inviteSection(), year.el];
        fill(root,
            h('a', { class: 'skip', id: 'skip', href: '#main' }, t('skip')),
            h('header', { class: 'banner' },
                h('div', { class: 'bar' }, h('p', { class: 'brand' }, t('app.name')),
                    h('div', { class: 'bar-tools' }, langSwitchView()))),
            h('main', { id: 'main', class: 'admin', tabindex: '-1' },
                h('h1', {}, t('admin.title')),
                h('p', { class: 'intro' }, t('admin.intro')),
                sectionsNav(steps),
                h('div', { class: 'steps' }, ...steps)),
            announcer.el);
        document.title = `${t('admin.title')} — ${t('app.name')}`;
    }

    function rebuild() {
        const focused = document.activeElement?.id;
        build();
        const again = focused && document.getElementById(focused);
        if (again) {
            again.focus();
        }
    }

    onLangChange(rebuild);
    build();
    year.load();
}
