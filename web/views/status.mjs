// SPDX-License-Identifier: AGPL-3.0-or-later
//
// status.mjs - what is happening and what the person must do now.
//
//   +--------------------------------------------------------------+
//   | Séance ouverte · Point 2 · Parole : M. X · Quorum · Vote …    |  status line
//   +--------------------------------------------------------------+
//   | Un vote est ouvert : « … »                 [Voter maintenant] |  the prompt
//   +--------------------------------------------------------------+
//
// The status line is always there (sticky at the top on a screen tall enough
// for it). The prompt is the one task of the moment, by priority: the floor
// is yours, a ballot you have not cast, a result just published, checking in;
// a suspended or closed meeting says so in its place. Its button takes the
// person to the task (sections.mjs shows the right section on a phone, and
// the control gets the focus). A vote that opens or a turn that starts also
// changes the tab's title and vibrates the device where it can
// (navigator.vibrate), for a member whose video runs in another window.
//
// The view keeps no state of the meeting: update() reads it all from the
// fold; it only remembers which prompts were already signalled, so that a
// redraw does not vibrate twice, and which published result was dismissed.

import { h, button, setText } from '../dom.mjs';
import { t, tn, formatTime, optionName, collegeName } from '../i18n.mjs';
import { openVote, ballotsFor, agendaNumbers, nameOf } from '../state.mjs';
import * as ballot from '../ballot.mjs';

const VIBRATE = [200, 100, 200];

// The ballots `me` still has to cast in the open vote `v`: [{voter, proxy}].
export function ballotsToCast(s, v, me, meeting) {
    return ballotsFor(s, v, me?.participant).filter((x) => {
        const rec = ballot.load(meeting, v.id, x.voter);
        if (rec) {
            return false;
        }
        return x.proxy || !(me?.voted || []).includes(v.id);
    });
}

export function statusView(ctx, go) {
    const stateEl = h('span', { class: 'status-state', id: 'status-state' });
    const itemEl = h('span', { class: 'status-item', id: 'status-item' });
    const floorEl = h('span', { class: 'status-floor', id: 'status-floor' });
    const quorumEl = h('span', { class: 'status-quorum', id: 'status-quorum' });
    const voteEl = h('span', { class: 'status-vote', id: 'status-vote' });
    const pendingEl = h('span', { class: 'status-pending', id: 'status-pending', role: 'status' });
    const line = h('p', { class: 'status-line', id: 'status-line' }, stateEl, itemEl, floorEl, quorumEl, voteEl,
        pendingEl);
    const promptText = h('p', { class: 'prompt-text', id: 'prompt-text' });
    const promptGo = button({ class: 'primary', id: 'prompt-go' }, '', () => act());
    const promptLater = button({ id: 'prompt-dismiss' }, t('prompt.dismiss'), () => {
        dismissed.add(current.key);
        draw();
    });
    const prompt = h('div', { class: 'prompt', id: 'prompt', hidden: true, role: 'region',
        'aria-labelledby': 'prompt-text' }, promptText, h('div', { class: 'actions' }, promptGo, promptLater));
    const el = h('div', { class: 'status', id: 'status' }, line, prompt);

    let st = null;
    let me = null;
    let current = { key: '' };
    let first = true;
    const signalled = new Set();
    const dismissed = new Set();
    let lastPublished = '';
    let titlePrefix = '';

    function act() {
        const c = current;
        if (c.kind === 'vote') {
            go('vote', `#ballot-${c.vote}`);
        } else if (c.kind === 'turn') {
            go('floor', '#floor');
        } else if (c.kind === 'result') {
            dismissed.add(c.key);
            go('vote', `#result-${c.vote}`);
            draw();
        } else if (c.kind === 'checkin') {
            ctx.send('attendance.checkin', {}, promptGo);
        } else if (c.kind === 'closed') {
            go('minutes', '#minutes');
        }
    }

    // The one task of the moment, or null.
    function task() {
        const m = st.meeting;
        const you = me?.participant;
        if (m.state === 'closed') {
            return { key: 'closed', kind: 'closed', tone: 'closed',
                text: m.closed_at ? t('prompt.closedAt', { time: formatTime(m.closed_at) }) : t('prompt.closed'),
                go: me?.role === 'secretary' || me?.role === 'chair' ? t('prompt.toMinutes') : '',
                action: 'minutes' };
        }
        if (st.turn && st.turn.participant === you) {
            return { key: `turn-${st.turn.request || st.turn.item}-${you}`, kind: 'turn', tone: 'urgent',
                text: t('prompt.turn'), go: t('prompt.turnGo'), title: t('title.turn') };
        }
        const v = openVote(st);
        if (v && ballotsToCast(st, v, me, ctx.meeting).length) {
            return { key: `vote-${v.id}`, kind: 'vote', tone: 'urgent', vote: v.id,
                text: t('prompt.vote', { question: v.question }), go: t('prompt.voteGo'), title: t('title.vote') };
        }
        if (m.state === 'suspended') {
            return { key: 'suspended', kind: 'suspended', tone: 'paused', text: t('prompt.suspended') };
        }
        if (lastPublished && !dismissed.has(`result-${lastPublished}`)) {
            const pv = st.votes.get(lastPublished);
            if (pv?.result) {
                const r = pv.result;
                const verdict = pv.kind === 'choice'
                    ? (r.winner ? t('vote.result.winner', { option: optionName(r.winner) }) : t('vote.result.noWinner'))
                    : t(r.passed ? 'vote.result.passed' : 'vote.result.failed');
                return { key: `result-${pv.id}`, kind: 'result', tone: 'info', vote: pv.id,
                    text: t('prompt.published', { question: pv.question, verdict }), go: t('prompt.publishedGo'),
                    later: true };
            }
        }
        const mine = you && st.byId.get(you);
        // Officers do not count toward the quorum: the prompt is for members.
        if (mine && mine.mark !== 'present' && me.role === 'member'
            && !st.membersOmitted) {
            return { key: 'checkin', kind: 'checkin', tone: 'info', text: t('prompt.checkin'),
                go: t('prompt.checkinGo') };
        }
        return null;
    }

    function draw() {
        const c = task();
        current = c || { key: '' };
        prompt.hidden = !c;
        titlePrefix = c?.title || '';
        if (!c) {
            prompt.dataset.kind = '';
            prompt.dataset.tone = '';
            return;
        }
        prompt.dataset.kind = c.kind;
        prompt.dataset.tone = c.tone;
        setText(promptText, c.text);
        promptGo.hidden = !c.go;
        setText(promptGo, c.go || '');
        promptLater.hidden = !c.later;
        if ((c.kind === 'vote' || c.kind === 'turn') && !signalled.has(c.key)) {
            signalled.add(c.key);
            if (!first) {
                try {
                    navigator.vibrate?.(VIBRATE);
                } catch {
                    // no vibration here
                }
            }
        }
    }

    return {
        el,
        // The words to put before the tab's title, or ''.
        titlePrefix: () => titlePrefix,
        setPending(n, status) {
            setText(pendingEl, n && status !== 'online' ? tn('status.pending', n) : '');
            pendingEl.hidden = !(n && status !== 'online');
        },
        update(s, you) {
            st = s;
            me = you;
            const m = s.meeting;
            setText(stateEl, t(`state.${m.state}`));
            stateEl.dataset.state = m.state;
            el.dataset.state = m.state;
            const cur = s.agenda.get(s.current);
            itemEl.hidden = !cur;
            setText(itemEl, cur ? t('status.item', { num: agendaNumbers(s).get(cur.id), title: cur.title }) : '');
            floorEl.hidden = !s.turn;
            setText(floorEl, s.turn ? t('status.floor', { name: s.turn.participant === you?.participant
                ? t('status.floorYou') : (nameOf(s, s.turn.participant) || '') }) : '');
            const q = s.attendance?.quorum;
            quorumEl.hidden = !q || m.state === 'closed';
            // Not met with enough present overall: a college's own share fails; say which.
            const cols = s.attendance?.colleges || {};
            const failing = q && !q.met && q.present >= q.required
                ? (Array.isArray(q.failing) ? q.failing
                    : Object.keys(cols).filter((c) => cols[c].present < cols[c].required)) : [];
            setText(quorumEl, !q ? '' : failing.length
                ? t('status.quorumNotMetCollege', { colleges: failing.map(collegeName).join(', ') })
                : t(q.met ? 'status.quorumMet' : 'status.quorumNotMet', { present: q.present, required: q.required }));
            quorumEl.dataset.met = String(!!q?.met);
            const v = openVote(s);
            voteEl.hidden = !v;
            setText(voteEl, v ? t('status.vote', { voted: v.voted, entitled: v.entitled }) : '');
            // A result published since the page loaded is news once.
            for (const x of s.votes.values()) {
                if (x.state === 'published' && !signalled.has(`pub-${x.id}`)) {
                    signalled.add(`pub-${x.id}`);
                    if (!first && you?.role !== 'chair' && you?.role !== 'secretary') {
                        lastPublished = x.id;
                    }
                }
            }
            draw();
            first = false;
        },
    };
}
