// SPDX-License-Identifier: AGPL-3.0-or-later
//
// proxies.mjs - proxies (pouvoirs) and recusals (déports), PROTOCOL.md §6.6.
//
// Everyone sees the register: who gave a proxy to whom, and who is recused
// on which item. A member gives a proxy to another member (of their own
// college when the meeting's rule says so), revokes it, and declares or
// withdraws a recusal on the current item. The secretary records a proxy
// given on paper and revokes any proxy, and declares or lifts the recusal
// of any member on any item. The server has the last word on
// every rule (no chains, at most proxy_max per holder, no change while a
// vote is open); the page offers only what it can see is possible and
// explains a refusal in words.

import { h, button, enable, reconcile, setText } from '../dom.mjs';
import { t, collegeName } from '../i18n.mjs';
import { proxyFrom, proxiesHeld, agendaNumbers, agendaOrder, nameOf as nameIn, knownMembers } from '../state.mjs';

export function proxiesView(ctx) {
    let st = null;
    let me = null;
    let role = '';

    // A member's own proxy.
    const mineText = h('p', { class: 'proxy-mine', id: 'proxy-mine' });
    const toSelect = h('select', { id: 'proxy-to' });
    const giveBtn = button({ id: 'proxy-give', class: 'primary' }, t('proxies.give.submit'), () => {
        if (!toSelect.value) {
            setText(mineText, t('proxies.give.chooseFirst'));
            toSelect.focus();
            return;
        }
        ctx.send('proxy.give', { to: toSelect.value }, giveBtn);
    });
    // A large meeting sends members no roster: it is fetched when asked for.
    const rosterBtn = button({ id: 'proxy-roster' }, t('proxies.give.loadRoster'), () => ctx.loadRoster(rosterBtn));
    const giveBox = h('div', { class: 'proxy-give', id: 'proxy-give-box' },
        h('div', { class: 'field' }, h('label', { for: 'proxy-to' }, t('proxies.give.label')), toSelect,
            h('p', { class: 'help', id: 'proxy-to-help' })),
        h('div', { class: 'actions' }, rosterBtn, giveBtn));
    toSelect.setAttribute('aria-describedby', 'proxy-to-help');
    const revokeBtn = button({ id: 'proxy-revoke' }, t('proxies.revoke.mine'), () => ctx.send('proxy.revoke', {}, revokeBtn));
    const recusalText = h('p', { class: 'recusal-mine', id: 'recusal-mine' });
    const recuseBtn = button({ id: 'recusal-toggle' }, t('proxies.recusal.declare'), () => {
        const on = isRecused();
        ctx.send(on ? 'recusal.withdraw' : 'recusal.declare', {}, recuseBtn);
    });
    const memberBox = h('div', { class: 'proxy-member', id: 'proxy-member' },
        h('h3', {}, t('proxies.mine.title')), mineText, giveBox, h('div', { class: 'actions' }, revokeBtn),
        h('h3', {}, t('proxies.recusal.title')), recusalText, h('div', { class: 'actions' }, recuseBtn));

    // The register.
    const register = h('ul', { class: 'register', id: 'proxy-register', 'aria-labelledby': 'proxy-register-h' });
    const recusals = h('ul', { class: 'register', id: 'recusal-register', 'aria-labelledby': 'recusal-register-h' });

    // The secretary's paper proxy.
    const fromSelect = h('select', { id: 'paper-from' });
    const paperTo = h('select', { id: 'paper-to' });
    const paperStatus = h('p', { class: 'form-status', role: 'status' });
    const paperBtn = button({ id: 'paper-record', class: 'primary' }, t('proxies.paper.submit'), async () => {
        if (!fromSelect.value || !paperTo.value) {
            paperStatus.textContent = t('proxies.paper.chooseBoth');
            (fromSelect.value ? paperTo : fromSelect).focus();
            return;
        }
        const ok = await ctx.send('proxy.record', { from: fromSelect.value, to: paperTo.value }, paperBtn);
        paperStatus.textContent = ok ? t('proxies.paper.done') : '';
    });
    const paperBox = h('details', { class: 'paper', id: 'paper' }, h('summary', {}, t('proxies.paper.title')),
        h('div', { class: 'field-row' },
            h('div', { class: 'field' }, h('label', { for: 'paper-from' }, t('proxies.paper.from')), fromSelect),
            h('div', { class: 'field' }, h('label', { for: 'paper-to' }, t('proxies.paper.to')), paperTo)),
        h('div', { class: 'actions' }, paperBtn), paperStatus);

    // The secretary declares a member's recusal.
    const recMember = h('select', { id: 'recusal-for-member' });
    const recItem = h('select', { id: 'recusal-for-item' });
    const recStatus = h('p', { class: 'form-status', role: 'status' });
    const recBtn = button({ id: 'recusal-for-submit', class: 'primary' }, t('proxies.recusalFor.submit'), async () => {
        if (!recMember.value) {
            recStatus.textContent = t('proxies.recusalFor.chooseMember');
            recMember.focus();
            return;
        }
        if (!recItem.value && !st.current) {
            recStatus.textContent = t('proxies.recusalFor.chooseItem');
            recItem.focus();
            return;
        }
        const body = { participant: recMember.value };
        if (recItem.value) {
            body.item = recItem.value;
        }
        const ok = await ctx.send('recusal.declare', body, recBtn);
        recStatus.textContent = ok ? t('proxies.recusalFor.done') : '';
    });
    const recBox = h('details', { class: 'paper', id: 'recusal-for' }, h('summary', {}, t('proxies.recusalFor.title')),
        h('div', { class: 'field-row' },
            h('div', { class: 'field' }, h('label', { for: 'recusal-for-member' }, t('proxies.recusalFor.member')),
                recMember),
            h('div', { class: 'field' }, h('label', { for: 'recusal-for-item' }, t('proxies.recusalFor.item')), recItem)),
        h('div', { class: 'actions' }, recBtn), recStatus);
    function recusalOptions() {
        options(recMember, knownMembers(st), t('proxies.give.choose'));
        const nums = agendaNumbers(st);
        const cur = st.agenda.get(st.current);
        const opts = [h('option', { value: '' }, cur ? t('proxies.recusalFor.itemCurrent', { num: nums.get(cur.id),
            title: cur.title }) : t('proxies.recusalFor.itemCurrentNone'))];
        for (const it of agendaOrder(st)) {
            opts.push(h('option', { value: it.id }, `${nums.get(it.id)}. ${it.title}`));
        }
        const sig = opts.map((o) => `${o.value}=${o.textContent}`).join('\n');
        if (recItem.dataset.sig !== sig) {
            const keep = recItem.value;
            recItem.dataset.sig = sig;
            recItem.replaceChildren(...opts);
            recItem.value = [...recItem.options].some((o) => o.value === keep) ? keep : '';
        }
    }

    fromSelect.addEventListener('change', () => paperOptions());
    function paperOptions() {
        const members = knownMembers(st);
        options(fromSelect, members.filter((p) => !proxyFrom(st, p.id)), t('proxies.give.choose'));
        const from = members.find((p) => p.id === fromSelect.value);
        options(paperTo, members.filter((p) => p.id !== fromSelect.value
            && (!from || !st.settings.proxy_college || p.college === from.college)), t('proxies.give.choose'));
    }

    const registerRows = new Map();
    const recusalRows = new Map();
    const noProxy = h('p', { class: 'muted', id: 'proxy-none' }, t('proxies.noneYet'));
    const noRecusal = h('p', { class: 'muted', id: 'recusal-none' }, t('proxies.noRecusal'));

    function proxyRow(x0) {
        const text = h('span');
        const hidden = h('span', { class: 'visually-hidden' });
        const revoke = role === 'secretary' ? button({ class: 'small', dataset: { action: 'revoke' } },
            [t('proxies.revoke.one'), ' ', hidden], () => ctx.send('proxy.revoke', { from: x0.from }, revoke)) : null;
        const li = h('li', { dataset: { from: x0.from } }, text, revoke ? ' ' : null, revoke);
        return {
            el: li,
            // `closed`: the meeting is over and nothing can change, so no button is shown.
            enable(on, closed) {
                if (revoke) {
                    enable(revoke, on);
                    revoke.hidden = closed;
                }
            },
            update(x) {
                li.dataset.to = x.to;
                setText(text, t('proxies.line', { from: nameOf(x.from), to: nameOf(x.to) }));
                setText(hidden, t('proxies.revoke.of', { name: nameOf(x.from) }));
            },
        };
    }

    function recusalRow(r0) {
        const text = h('span');
        const hidden = h('span', { class: 'visually-hidden' });
        const lift = role === 'secretary' ? button({ class: 'small', dataset: { action: 'withdraw' } },
            [t('proxies.recusal.withdrawOne'), ' ', hidden],
            () => ctx.send('recusal.withdraw', { participant: r0.participant, item: r0.item }, lift)) : null;
        const li = h('li', { dataset: { participant: r0.participant, item: r0.item } }, text, lift ? ' ' : null, lift);
        return {
            el: li,
            enable(on, closed) {
                if (lift) {
                    enable(lift, on);
                    lift.hidden = closed;
                }
            },
            update(r) {
                const num = agendaNumbers(st).get(r.item);
                setText(text, t('proxies.recusalLine', { name: nameOf(r.participant), num,
                    title: st.agenda.get(r.item)?.title || '' }));
                setText(hidden, t('proxies.recusal.of', { name: nameOf(r.participant), num }));
            },
        };
    }

    const el = h('section', { class: 'panel proxies', id: 'proxies', 'aria-labelledby': 'proxies-h' },
        h('h2', { id: 'proxies-h' }, t('proxies.title')),
        memberBox,
        h('h3', { id: 'proxy-register-h' }, t('proxies.register')), register, noProxy,
        h('h3', { id: 'recusal-register-h' }, t('proxies.recusals')), recusals, noRecusal,
        paperBox, recBox);

    const nameOf = (id) => nameIn(st, id) || t('participants.unknown', { id });
    const label = (p) => (p.college ? `${p.name} (${collegeName(p.college)})` : p.name);


    function isRecused() {
        return !!st.current && st.recusals.some((r) => r.participant === me?.participant && r.item === st.current);
    }

    function options(select, people, placeholder) {
        const keep = select.value;
        const sig = people.map((p) => p.id).join(' ');
        if (select.dataset.sig !== sig) {
            select.dataset.sig = sig;
            select.replaceChildren(h('option', { value: '' }, placeholder), ...people.map((p) => h('option', { value: p.id }, label(p))));
        }
        select.value = people.some((p) => p.id === keep) ? keep : '';
    }

    return {
        el,
        update(s, you) {
            st = s;
            me = you;
            role = you?.role || '';
            const closed = s.meeting.state === 'closed';
            const voteOpen = [...s.votes.values()].some((v) => v.state === 'open');
            const members = knownMembers(s);

            // Mine.
            memberBox.hidden = role !== 'member';
            if (role === 'member') {
                const gave = proxyFrom(s, me.participant);
                const held = proxiesHeld(s, me.participant);
                if (gave) {
                    setText(mineText, t('proxies.mine.gave', { name: nameOf(gave.to) }));
                } else if (held.length) {
                    setText(mineText, t('proxies.mine.holds', { names: held.map(nameOf).join(', ') }));
                } else {
                    setText(mineText, t('proxies.mine.none'));
                }
                giveBox.hidden = !!gave || held.length > 0 || closed;
                revokeBtn.hidden = !gave || closed;
                enable(revokeBtn, !closed && !voteOpen);
                const candidates = members.filter((p) => p.id !== me.participant
                    && (!s.settings.proxy_college || p.college === me.college) && !proxyFrom(s, p.id));
                options(toSelect, candidates, t('proxies.give.choose'));
                rosterBtn.hidden = !s.membersOmitted || candidates.length > 0;
                setText(el.querySelector('#proxy-to-help'), s.settings.proxy_college
                    ? t('proxies.give.helpCollege', { college: collegeName(me.college) }) : t('proxies.give.help'));
                enable(giveBtn, !closed);
                const cur = s.agenda.get(s.current);
                const on = isRecused();
                if (cur) {
                    const num = agendaNumbers(s).get(cur.id);
                    setText(recusalText, on ? t('proxies.recusal.on', { num, title: cur.title })
                        : t('proxies.recusal.off', { num, title: cur.title }));
                } else {
                    setText(recusalText, t('proxies.recusal.noItem'));
                }
                setText(recuseBtn, on ? t('proxies.recusal.withdraw') : t('proxies.recusal.declare'));
                recuseBtn.hidden = !cur || closed;
                enable(recuseBtn, !!cur && !closed && !voteOpen);
            }

            // The register, in roster order of the givers.
            const proxies = s.participants.map((p) => proxyFrom(s, p.id)).filter(Boolean);
            reconcile(register, registerRows, proxies, (x) => x.from, proxyRow);
            noProxy.hidden = proxies.length > 0;
            register.hidden = proxies.length === 0;
            for (const r of registerRows.values()) {
                r.enable(!closed && !voteOpen, closed);
            }
            const recs = s.recusals.filter((r) => s.agenda.has(r.item));
            reconcile(recusals, recusalRows, recs, (r) => `${r.participant} ${r.item}`, recusalRow);
            noRecusal.hidden = recs.length > 0;
            recusals.hidden = recs.length === 0;
            for (const r of recs) {
                // No change on an item while a vote on it is open (PROTOCOL.md §6.6).
                const voting = [...s.votes.values()].some((v) => v.state === 'open' && v.item === r.item);
                recusalRows.get(`${r.participant} ${r.item}`).enable(!closed && !voting, closed);
            }

            // The secretary.
            paperBox.hidden = role !== 'secretary' || closed;
            recBox.hidden = role !== 'secretary' || closed;
            if (role === 'secretary') {
                paperOptions();
                recusalOptions();
            }
        },
    };
}
