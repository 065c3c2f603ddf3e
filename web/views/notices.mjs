// SPDX-License-Identifier: AGPL-3.0-or-later
//
// notices.mjs - errors told to the person, in their language.
//
// An error from the server is a code (PROTOCOL.md §7) and an English message
// meant for logs. The notice shows the translated sentence for the code, and
// the server's message underneath as a detail (it says which CSV line was
// wrong, for instance). Each notice is an alert, heard when it appears, and
// stays until dismissed; the list survives a change of language because it
// keeps codes, not sentences.

import { h, fill } from '../dom.mjs';
import { t, errorText } from '../i18n.mjs';

export function noticesView() {
    const el = h('div', { class: 'notices', id: 'notices' });
    const items = []; // {id, code, message}
    let next = 1;

    function render() {
        fill(el, items.map((n) => h('div', { class: 'notice', role: 'alert', id: `notice-${n.id}` },
            h('p', { class: 'notice-text' },
                h('strong', {}, t('notice.title')), ' ',
                errorText(n.code)),
            n.message ? h('p', { class: 'notice-detail' }, t('err.detail', { message: n.message })) : null,
            h('button', { type: 'button', class: 'notice-close', id: `notice-close-${n.id}`,
                onclick: () => dismiss(n.id) }, t('notice.dismiss')))));
    }

    function dismiss(id) {
        const i = items.findIndex((n) => n.id === id);
        if (i >= 0) {
            items.splice(i, 1);
            render();
        }
    }

    return {
        el,
        // Show the error {code, message}; the same code twice in a row is shown once.
        show({ code, message }) {
            const last = items[items.length - 1];
            if (last && last.code === code && last.message === (message || '')) {
                return;
            }
            items.push({ id: next++, code, message: message || '' });
            if (items.length > 5) {
                items.shift();
            }
            render();
        },
        clear() {
            items.length = 0;
            render();
        },
        render,
    };
}
