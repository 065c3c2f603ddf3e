// SPDX-License-Identifier: AGPL-3.0-or-later
//
// langswitch.mjs - the button that switches the interface to the other
// language. It names the other language in that language ("English" on the
// French page, "Français" on the English one), marked with its own lang so a
// screen reader pronounces it right. The choice is kept by i18n.mjs.

import { h } from '../dom.mjs';
import { t, setLang } from '../i18n.mjs';

export function langSwitchView() {
    const other = t('lang.otherCode');
    return h('button', { type: 'button', id: 'lang-switch', class: 'lang-switch', lang: other,
        onclick: () => setLang(other) }, t('lang.other'));
}
