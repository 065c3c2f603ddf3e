// SPDX-License-Identifier: AGPL-3.0-or-later
//
// confirm.mjs - a modal question with two answers, for the steps that
// deserve a second look: casting a ballot, removing an agenda item,
// cancelling a vote. ask() resolves true or false; Escape is "no". The focus
// goes to the safe answer for destructive steps, to the confirmation
// otherwise, and comes back to the control that asked when the dialog closes.

import { h, newId } from '../dom.mjs';
import { t } from '../i18n.mjs';

export function confirmView() {
    const hid = newId('confirm-h');
    const tid = newId('confirm-text');
    const title = h('h2', { id: hid });
    const text = h('p', { id: tid, class: 'confirm-text' });
    const yes = h('button', { type: 'button', class: 'primary', dataset: { answer: 'yes' } });
    const no = h('button', { type: 'button', dataset: { answer: 'no' } }, t('confirm.back'));
    const el = h('dialog', { class: 'confirm', 'aria-labelledby': hid, 'aria-describedby': tid },
        title, text, h('div', { class: 'actions' }, no, yes));
    let resolve = null;
    let back = null;

    function finish(answer) {
        const r = resolve;
        resolve = null;
        if (el.open) {
            el.close();
        }
        if (back && back.isConnected) {
            back.focus();
        }
        back = null;
        r?.(answer);
    }
    yes.addEventListener('click', () => finish(true));
    no.addEventListener('click', () => finish(false));
    el.addEventListener('close', () => finish(false));

    return {
        el,
        // ask({title, text, yes, danger}) -> Promise<boolean>
        ask(q) {
            if (resolve) {
                finish(false);
            }
            title.textContent = q.title;
            text.textContent = q.text || '';
            yes.textContent = q.yes;
            yes.className = q.danger ? 'danger' : 'primary';
            back = document.activeElement;
            return new Promise((r) => {
                resolve = r;
                el.showModal();
                (q.danger ? no : yes).focus();
            });
        },
    };
}
