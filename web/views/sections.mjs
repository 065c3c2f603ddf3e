// SPDX-License-Identifier: AGPL-3.0-or-later
//
// sections.mjs - on a phone, the page in sections reached in one tap: the
// floor, the vote, the agenda, the participants, the minutes.
//
// Every panel of the meeting page carries data-section; the layout carries
// the chosen one, and below 60rem style.css shows only the panels of that
// section (on a wider screen all of them, in two columns, and this bar is
// not shown). A section with something to do (a ballot not cast) is marked
// in words in its button. The first section is the one of the person's role:
// the minutes for the secretary, the floor for everyone else.

import { h, button, setText } from '../dom.mjs';
import { t } from '../i18n.mjs';

export const SECTIONS = ['floor', 'vote', 'agenda', 'people', 'minutes'];

export function firstSection(role) {
    return role === 'secretary' ? 'minutes' : 'floor';
}

// `choose(name)` is called when the person picks a section.
export function sectionsView(choose) {
    const flags = new Map();
    const buttons = new Map(SECTIONS.map((name) => {
        const flag = h('span', { class: 'nav-flag', hidden: true });
        flags.set(name, flag);
        const b = button({ id: `nav-${name}`, dataset: { section: name }, 'aria-pressed': 'false' },
            [h('span', { class: 'nav-label' }, t(`nav.${name}`)), flag], () => choose(name));
        return [name, b];
    }));
    const el = h('nav', { class: 'sections', id: 'sections', 'aria-label': t('nav.label') },
        h('ul', { role: 'list' }, [...buttons.values()].map((b) => h('li', {}, b))));
    return {
        el,
        show(name) {
            for (const [n, b] of buttons) {
                b.setAttribute('aria-pressed', String(n === name));
            }
        },
        // flag(name, words): words beside the section's name, or '' for none.
        flag(name, words) {
            const f = flags.get(name);
            setText(f, words ? ` · ${words}` : '');
            f.hidden = !words;
        },
    };
}
