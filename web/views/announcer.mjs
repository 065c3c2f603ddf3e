// SPDX-License-Identifier: AGPL-3.0-or-later
//
// announcer.mjs - the polite live region through which screen readers hear
// what changed without moving the focus: the meeting opened, the connection
// dropped, a link was copied. One region per page, visually hidden.

import { h } from '../dom.mjs';

export function announcerView() {
    const el = h('div', { class: 'visually-hidden', role: 'status', 'aria-live': 'polite',
        'aria-atomic': 'true', id: 'announcer' });
    let timer = null;
    return {
        el,
        // Say `text`. Clearing first makes a repeated message heard again.
        say(text) {
            clearTimeout(timer);
            el.textContent = '';
            timer = setTimeout(() => {
                el.textContent = text;
            }, 100);
        },
    };
}
