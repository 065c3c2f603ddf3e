// SPDX-License-Identifier: AGPL-3.0-or-later
//
// participants.mjs - the side panel of who is here: the attendance count
// (members present / members on the roster), whether the quorum holds, the
// same per college with what its quorum requires, and the names, each marked
// present or absent in words as well as with a dot. Presence is the quorum's
// (state.mjs, isPresent): a mark by the secretary wins over the connection,
// and says so next to the name (excused, with the reason; present in the
// room; marked absent).
//
// The chair, the secretary and observers are listed apart, under "officers
// and observers": they do not count toward attendance (state.mjs, counts()).
// A large college (an assembly of thousands) is folded in a <details> so that
// the page stays quick; a group the person opened or closed stays so across
// updates, because its element is kept and only its list is rebuilt.
//
// A member (the chair and the secretary too) checks in (émarger,
// attendance.checkin): they count as present from then on, whatever their
// connection does, until the secretary marks them otherwise.

import { h, fill, button, enable, setText } from '../dom.mjs';
import { t, tn, roleName, collegeName } from '../i18n.mjs';
import { counts } from '../state.mjs';

const FOLD_ABOVE = 40;
const OTHERS = '';
const MAY_CHECK_IN = new Set(['member', 'chair', 'secretary']);

export function participantsView(ctx) {
    const total = h('p', { class: 'attendance-total', id: 'attendance-total' });
    const quorum = h('p', { class: 'quorum', id: 'quorum' });
    const groupsEl = h('div', { class: 'groups' });
    const checkinText = h('p', { class: 'help', id: 'checkin-text' });
    let checkedIn = false; // for a page that has no roster to see its own mark in (a large meeting)
    const checkinBtn = button({ id: 'attendance-checkin', class: 'primary', 'aria-describedby': 'checkin-text' },
        t('participants.checkin.button'), async () => {
            if (await ctx.send('attendance.checkin', {}, checkinBtn)) {
                checkedIn = true;
                checkinText.focus();
            }
        });
    const checkin = h('div', { class: 'checkin', id: 'checkin', hidden: true },
        h('div', { class: 'actions' }, checkinBtn), checkinText);
    checkinText.setAttribute('tabindex', '-1');
    const el = h('section', { class: 'panel participants', id: 'participants',
        'aria-labelledby': 'participants-h' },
        h('h2', { id: 'participants-h' }, t('participants.title')),
        checkin,
        total,
        quorum,
        groupsEl);
    const groups = new Map(); // college ('' for others) -> {el, count, list, details}

    function group(college) {
        let g = groups.get(college);
        if (g) {
            return g;
        }
        const hid = `college-h-${college || 'others'}`;
        const count = h('span', { class: 'count' });
        const list = h('ul', { class: 'people' });
        const title = college ? collegeName(college) : t('participants.others');
        g = { count, list, details: null, el: null };
        g.el = h('section', { class: 'college', 'aria-labelledby': hid,
            dataset: { college: college || 'others' } },
            h('h3', { id: hid }, h('span', { class: 'college-name' }, title), ' ', count));
        g.el.append(list);
        groups.set(college, g);
        return g;
    }

    // What a mark says, when there is one worth saying.
    function markText(p) {
        if (p.mark === 'excused') {
            return p.reason ? t('participants.mark.excusedWhy', { reason: p.reason }) : t('participants.mark.excused');
        }
        if (p.mark === 'present' && p.checkin) {
            return t('participants.mark.checkin');
        }
        if (p.mark === 'absent' || (p.mark === 'present' && !p.connected)) {
            return t(`participants.mark.${p.mark}`);
        }
        return '';
    }

    function person(p, me) {
        const here = p.present;
        const mark = markText(p);
        return h('li', { class: 'person', dataset: { participant: p.id, present: String(here),
            connected: String(!!p.connected), mark: p.mark } },
            h('span', { class: 'presence-dot', 'aria-hidden': 'true' }),
            h('span', { class: 'person-name' }, p.name),
            mark ? h('span', { class: 'person-mark' }, ` (${mark})`) : null,
            p.college && p.role === 'member' ? null
                : h('span', { class: 'person-role' }, ` — ${roleName(p.role)}`),
            me && me.participant === p.id ? h('span', { class: 'person-you' }, ` ${t('participants.you')}`) : null,
            h('span', { class: 'visually-hidden' }, `, ${t(here ? 'participants.present' : 'participants.absent')}`));
    }

    // The quorum in words, naming what fails: the whole body's count, or a
    // college short of its own share (its figures, not the overall ones,
    // which may well pass).
    function quorumText(a) {
        const q = a.quorum;
        if (q.met) {
            return tn('participants.quorumMet', q.present, { present: q.present, required: q.required });
        }
        const figures = (present, required) => tn('participants.quorumFigures', present, { present, required });
        const reasons = [];
        const overall = q.present >= q.required;
        if (!overall) {
            reasons.push(figures(q.present, q.required));
        }
        const failing = Array.isArray(q.failing) ? q.failing
            : Object.keys(a.colleges).filter((c) => a.colleges[c].present < a.colleges[c].required);
        for (const c of failing) {
            const x = a.colleges[c] || { present: 0, required: 0 };
            reasons.push(t('participants.quorumCollege', { college: collegeName(c), figures: figures(x.present, x.required) }));
        }
        if (reasons.length === 0) { // the server's word, with no figure that fails here
            return tn('participants.quorumNotMet', q.present, { present: q.present, required: q.required });
        }
        const why = reasons.join(t('participants.quorumAnd'));
        return t('participants.quorumWhy', {
            reasons: overall ? t('participants.quorumOverall', { reasons: why, figures: figures(q.present, q.required) }) : why });
    }

    return {
        el,
        update(state, me) {
            // Checking in: until one is marked present.
            const mine = me && state.byId.get(me.participant);
            const open = state.meeting.state !== 'closed';
            checkin.hidden = !me || !MAY_CHECK_IN.has(me.role) || !open || (!mine && !state.membersOmitted);
            if (!checkin.hidden) {
                const done = mine ? mine.mark === 'present' : checkedIn;
                checkinBtn.hidden = done;
                enable(checkinBtn, !done);
                setText(checkinText, t(done ? 'participants.checkin.done' : 'participants.checkin.help'));
            }
            const a = state.attendance;
            total.textContent = tn('participants.summary', a.present, { present: a.present, total: a.total });
            Object.assign(total.dataset, { present: a.present, total: a.total });
            const q = a.quorum;
            quorum.textContent = q ? quorumText(a) : '';
            quorum.dataset.met = String(!!q?.met);
            const byGroup = new Map([...state.colleges.map((c) => [c, []]), [OTHERS, []]]);
            for (const p of state.participants) {
                const key = counts(p) ? p.college : OTHERS;
                if (!byGroup.has(key)) {
                    byGroup.set(key, []);
                }
                byGroup.get(key).push(p);
            }
            const order = [];
            for (const [college, people] of byGroup) {
                if (college === OTHERS && people.length === 0) {
                    continue;
                }
                const g = group(college);
                order.push(g.el);
                if (college !== OTHERS) {
                    const c = a.colleges[college] || { present: 0, total: 0, required: 0 };
                    g.count.textContent = `${tn('participants.college', c.present,
                        { present: c.present, total: c.total })}, ${t('participants.required', { required: c.required })}`;
                    Object.assign(g.count.dataset, { present: c.present, total: c.total, required: c.required });
                } else {
                    const here = people.filter((p) => p.present).length;
                    g.count.textContent = tn('participants.college', here,
                        { present: here, total: people.length });
                }
                let items = people.length ? people.map((p) => person(p, me))
                    : [h('li', { class: 'person-empty' }, t('participants.empty'))];
                if (state.membersOmitted && college !== OTHERS) {
                    // A large meeting: the server sends members their number, not their names.
                    items = [h('li', { class: 'person-empty' }, t('participants.omitted'))];
                }
                fill(g.list, items);
                if (people.length > FOLD_ABOVE && !g.details) {
                    // Fold once; from then on the person decides.
                    g.details = h('details', {}, h('summary', {}, t('participants.names')));
                    g.details.append(g.list);
                    g.el.append(g.details);
                }
            }
            fill(groupsEl, order);
        },
    };
}
