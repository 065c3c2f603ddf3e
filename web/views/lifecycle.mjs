// SPDX-License-Identifier: AGPL-3.0-or-later
//
// lifecycle.mjs - the chair's controls of the meeting's life: open, suspend,
// resume, close (PROTOCOL.md §6). Shown to the chair only. The meeting cannot
// be closed over an open vote: the button says so until the vote is closed
// or cancelled.
//
// Every button is always there, in the same place, and the ones the current
// state does not allow are marked aria-disabled rather than disabled: a
// keyboard user who just opened the meeting keeps the focus where it was
// instead of being thrown back to the top of the page. Closing cannot be
// undone, so it asks first, in a modal <dialog> that says what is left
// behind: items never treated, results not published, votes never opened.
// Opening without the quorum asks too, saying how many are present: the
// chair may go on (a meeting may open to note that the quorum is missing).
// These questions inform, they never forbid.

import { h } from '../dom.mjs';
import { t } from '../i18n.mjs';
import { LIFECYCLE, allowedIn, openVote, agendaOrder, agendaNumbers } from '../state.mjs';
import { confirmView } from './confirm.mjs';

export function lifecycleView(ctx) {
    const hint = h('p', { class: 'chair-hint', id: 'chair-hint' });
    const status = h('p', { class: 'chair-status', id: 'chair-status' });
    const buttons = new Map();
    let state = 'scheduled';
    let voteOpen = false;
    let busy = null;
    let st = null;
    const confirm = confirmView();
    const closeText = h('p', { id: 'close-dialog-text' }, t('close.confirm.text'));
    const closeLeft = h('ul', { class: 'close-left', id: 'close-left' });

    const confirmYes = h('button', { type: 'button', class: 'danger', id: 'close-confirm' },
        t('close.confirm.yes'));
    const confirmNo = h('button', { type: 'button', id: 'close-cancel', autofocus: true },
        t('close.confirm.no'));
    const dialog = h('dialog', { class: 'confirm', id: 'close-dialog',
        'aria-labelledby': 'close-dialog-h', 'aria-describedby': 'close-dialog-text' },
        h('h2', { id: 'close-dialog-h' }, t('close.confirm.title')),
        closeText, closeLeft,
        h('div', { class: 'actions' }, confirmNo, confirmYes));
    confirmNo.addEventListener('click', () => dialog.close());
    confirmYes.addEventListener('click', () => {
        dialog.close();
        send('meeting.close');
    });

    function send(type) {
        busy = type;
        render();
        ctx.conn.command(type).catch((e) => ctx.notify(e)).finally(() => {
            busy = null;
            render();
        });
    }

    for (const { type } of LIFECYCLE) {
        const b = h('button', { type: 'button', id: `cmd-${type.replace('.', '-')}`,
            class: type === 'meeting.close' ? 'danger' : 'primary', dataset: { command: type } },
            t(`cmd.${type}`));
        b.addEventListener('click', () => {
            if (b.getAttribute('aria-disabled') === 'true') {
                return;
            }
            if (type === 'meeting.close') {
                const left = leftBehind();
                closeLeft.replaceChildren(...left.map((x) => h('li', {}, x)));
                closeLeft.hidden = !left.length;
                closeText.textContent = t(left.length ? 'close.confirm.textLeft' : 'close.confirm.text');
                dialog.showModal();
            } else if (type === 'meeting.open' && st?.attendance?.quorum && !st.attendance.quorum.met) {
                const q = st.attendance.quorum;
                confirm.ask({ title: t('open.noQuorum.title'), text: t('open.noQuorum.text',
                    { present: q.present, required: q.required }), yes: t('open.noQuorum.yes') })
                    .then((yes) => yes && send(type));
            } else {
                send(type);
            }
        });
        buttons.set(type, b);
    }

    // What closing now would leave behind, one sentence each.
    function leftBehind() {
        if (!st) {
            return [];
        }
        const out = [];
        const nums = agendaNumbers(st);
        const untreated = agendaOrder(st).filter((it) => it.state === 'pending');
        if (untreated.length) {
            out.push(t('close.left.items', { items: untreated.map((it) => `${nums.get(it.id)}. ${it.title}`)
                .join(' ; ') }));
        }
        for (const v of st.votes.values()) {
            if (v.state === 'closed') {
                out.push(t('close.left.unpublished', { question: v.question }));
            } else if (v.state === 'prepared') {
                out.push(t('close.left.prepared', { question: v.question }));
            }
        }
        return out;
    }

    function render() {
        for (const [type, b] of buttons) {
            const ok = allowedIn(type, state) && !busy && !(type === 'meeting.close' && voteOpen);
            b.setAttribute('aria-disabled', String(!ok));
            if (busy === type) {
                b.setAttribute('aria-busy', 'true');
            } else {
                b.removeAttribute('aria-busy');
            }
        }
        hint.textContent = voteOpen && state !== 'closed' ? `${t(`chair.hint.${state}`)} ${t('chair.hint.voteOpen')}`
            : t(`chair.hint.${state}`);
        if (!busy) {
            status.textContent = '';
        } else {
            status.textContent = t(ctx.conn.status === 'online' ? 'cmd.pending' : 'cmd.queued');
        }
    }

    const el = h('section', { class: 'panel chair', id: 'chair', 'aria-labelledby': 'chair-h' },
        h('h2', { id: 'chair-h' }, t('chair.title')),
        hint,
        h('div', { class: 'actions', role: 'group', 'aria-labelledby': 'chair-h' }, [...buttons.values()]),
        status,
        dialog, confirm.el);

    return {
        el,
        update(s) {
            st = s;
            state = s.meeting.state;
            voteOpen = !!openVote(s);
            render();
        },
        render,
    };
}
