// SPDX-License-Identifier: AGPL-3.0-or-later
//
// device.mjs - "remember me on this device", and forgetting it.
//
// The invitation token normally lives in this tab only (sessionStorage):
// a new tab, the history or a phone that discarded the tab would need the
// invitation again. A person who ticks the box keeps it in localStorage on
// this device (conn.mjs, rememberToken); "forget this device" removes it,
// and the page then says how to come back (the invitation link).

import { h, button, setText } from '../dom.mjs';
import { t } from '../i18n.mjs';
import { rememberToken, forgetToken, isRemembered } from '../conn.mjs';

export function deviceView(ctx, onForget) {
    const box = h('input', { type: 'checkbox', id: 'remember-me', 'aria-describedby': 'remember-help' });
    const help = h('p', { class: 'help', id: 'remember-help' });
    const forget = button({ id: 'forget-device', class: 'danger' }, t('device.forget'), () => {
        forgetToken(ctx.meeting);
        onForget();
    });
    const el = h('details', { class: 'device', id: 'device' },
        h('summary', {}, t('device.title')),
        h('div', { class: 'check' }, box, h('label', { for: 'remember-me' }, t('device.remember'))),
        help, h('div', { class: 'actions' }, forget));

    function render() {
        const on = isRemembered(ctx.meeting);
        box.checked = on;
        forget.hidden = !on;
        setText(help, t(on ? 'device.rememberedHelp' : 'device.rememberHelp'));
        el.dataset.remembered = String(on);
    }
    box.addEventListener('change', () => {
        if (box.checked) {
            rememberToken(ctx.meeting, ctx.token);
        } else {
            forgetToken(ctx.meeting);
            // This tab keeps working until it is closed.
            try {
                sessionStorage.setItem(`concerto.token.${ctx.meeting}`, ctx.token);
            } catch {
                // fine
            }
        }
        render();
    });
    render();
    return { el, render };
}
