// SPDX-License-Identifier: AGPL-3.0-or-later
//
// speakers.mjs - the floor: who speaks now, with the time left, and the list
// of speakers of the current item in the order the floor will be given.
//
//   time left = turn.allowed - turn.elapsed - (server now - turn.running_since)
//
// counted down every second from the server's clock (conn.serverNow());
// below zero the turn is overrun, which the page says in words (and the
// chair sees in red). The order is the server's: the lists it sends after
// every change (the `speakers` message, state.mjs applySpeakers), shown as
// they are (state.mjs speakersOrder); this page never applies the rule
// (points of order, replies, then contributions, first turns first,
// alternating colleges when the chair asks for it) itself.
//
// Members (and the chair and the secretary) ask for the floor with a kind
// (intervention, réponse, motion d'ordre), see their place, and withdraw.
// The chair gives the floor to the next one, to a chosen request or to
// anyone, ends, pauses and resumes the turn, removes and moves requests,
// closes and reopens the list, and sets the speaking rules
// (meeting.configure). The new speaker is announced through the page's live
// region (state.mjs sets `announce`); the countdown itself is a timer, which
// screen readers do not read out every second.

import { h, button, enable, reconcile, setText, newId } from '../dom.mjs';
import { t, tn, formatClock, collegeName } from '../i18n.mjs';
import { speakersOrder, turnRemaining, turnSpoken, agendaNumbers, nameOf, collegeOf } from '../state.mjs';

const KINDS = ['contribution', 'reply', 'point_of_order'];
const MAY_ASK = new Set(['member', 'chair', 'secretary']);

export function speakersView(ctx) {
    let st = null;
    let me = null;
    let role = '';

    const itemLine = h('p', { class: 'speakers-item', id: 'speakers-item' });
    const floorName = h('p', { class: 'floor-name', id: 'floor-name' });
    const timer = h('p', { class: 'floor-timer', id: 'floor-timer', role: 'timer', 'aria-live': 'off' });
    const floor = h('div', { class: 'floor', id: 'floor' }, h('p', { class: 'floor-label' }, t('speakers.floor')),
        floorName, timer);

    // The chair's controls of the turn and of the list.
    const nextBtn = button({ id: 'speaker-next', class: 'primary' }, t('speakers.next'), () => ctx.send('speaker.next', {}, nextBtn));
    const endBtn = button({ id: 'speaker-end' }, t('speakers.end'), () => ctx.send('speaker.end', {}, endBtn));
    const pauseBtn = button({ id: 'speaker-pause' }, t('speakers.pause'), () => {
        const paused = st.turn && !st.turn.running_since;
        ctx.send(paused ? 'speaker.resume' : 'speaker.pause', {}, pauseBtn);
    });
    const listBtn = button({ id: 'speaker-list' }, t('speakers.closeList'), () => {
        const it = st.agenda.get(st.current);
        ctx.send(it?.list_closed ? 'speaker.reopen_list' : 'speaker.close_list', {}, listBtn);
    });
    const chairTools = h('div', { class: 'actions', role: 'group', 'aria-label': t('speakers.chairTools') },
        nextBtn, endBtn, pauseBtn, listBtn);

    // The queue.
    const queueH = h('h3', { id: 'queue-h' });
    // role=list: a list drawn without its markers is still one for every screen reader.
    const queue = h('ol', { class: 'queue', id: 'queue', role: 'list', 'aria-labelledby': 'queue-h' });
    const queueRows = new Map();
    const queueEmpty = h('p', { class: 'muted', id: 'queue-empty' }, t('speakers.nobody'));
    const closedNote = h('p', { class: 'list-closed', id: 'list-closed' }, t('speakers.listClosed'));

    // Asking for the floor.
    const kindName = newId('speak-kind');
    const kindRadios = KINDS.map((k, i) => h('input', { type: 'radio', name: kindName, value: k,
        id: `speak-kind-${k}`, checked: i === 0 }));
    const kindSet = h('fieldset', { class: 'kinds', id: 'speak-kinds' },
        h('legend', {}, t('speakers.kind.legend')),
        KINDS.map((k, i) => h('div', { class: 'choice' }, kindRadios[i],
            h('label', { for: kindRadios[i].id }, t(`speakers.kind.${k}`),
                h('span', { class: 'kind-help' }, ` — ${t(`speakers.kind.help.${k}`)}`)))));
    const askBtn = button({ id: 'speak-ask', class: 'primary' }, t('speakers.ask'), () => {
        const kind = kindRadios.find((r) => r.checked)?.value || 'contribution';
        ctx.send('speaker.request', { kind }, askBtn);
    });
    const withdrawBtn = button({ id: 'speak-withdraw' }, t('speakers.withdraw'),
        () => ctx.send('speaker.withdraw', {}, withdrawBtn));
    const myPlace = h('p', { class: 'my-place', id: 'my-place', role: 'status' });
    const mine = h('div', { class: 'speak-mine', id: 'speak-mine' }, kindSet,
        h('div', { class: 'actions' }, askBtn, withdrawBtn), myPlace);

    // The chair gives the floor to anyone.
    const giveSelect = h('select', { id: 'give-to' });
    const giveBtn = button({ id: 'give-floor' }, t('speakers.giveTo.submit'), () => {
        if (giveSelect.value) {
            ctx.send('speaker.give', { participant: giveSelect.value }, giveBtn);
        }
    });
    const giveBox = h('details', { class: 'give', id: 'give' }, h('summary', {}, t('speakers.giveTo.title')),
        h('div', { class: 'field' }, h('label', { for: 'give-to' }, t('speakers.giveTo.label')), giveSelect),
        h('div', { class: 'actions' }, giveBtn));

    // The chair's speaking rules.
    const timeInput = h('input', { id: 'speaking-time', type: 'number', min: '0', max: '1440', step: '1',
        inputmode: 'numeric', 'aria-describedby': 'speaking-time-help' });
    const secInput = h('input', { id: 'speaking-time-s', type: 'number', min: '0', max: '59', step: '1',
        inputmode: 'numeric' });
    const firstTurn = h('input', { id: 'first-turn', type: 'checkbox' });
    const alternate = h('input', { id: 'alternate', type: 'checkbox' });
    const rulesStatus = h('p', { class: 'form-status', role: 'status' });
    const rulesSubmit = h('button', { type: 'submit', id: 'rules-submit' }, t('speakers.rules.submit'));
    const rulesForm = h('form', { id: 'rules-form', novalidate: true },
        h('fieldset', { class: 'speaking-time' }, h('legend', {}, t('speakers.rules.time')),
            h('div', { class: 'field-row' },
                h('div', { class: 'field' }, h('label', { for: 'speaking-time' }, t('speakers.rules.minutes')), timeInput),
                h('div', { class: 'field' }, h('label', { for: 'speaking-time-s' }, t('speakers.rules.seconds')), secInput)),
            h('p', { class: 'help', id: 'speaking-time-help' }, t('speakers.rules.timeHelp'))),
        h('div', { class: 'check' }, firstTurn, h('label', { for: 'first-turn' }, t('speakers.rules.firstTurn'))),
        h('div', { class: 'check' }, alternate, h('label', { for: 'alternate' }, t('speakers.rules.alternate'))),
        h('div', { class: 'actions' }, rulesSubmit), rulesStatus);
    const rulesBox = h('details', { class: 'rules', id: 'rules' }, h('summary', {}, t('speakers.rules.title')), rulesForm);
    let rulesEdited = false;
    for (const x of [timeInput, secInput, firstTurn, alternate]) {
        x.addEventListener('input', () => {
            rulesEdited = true;
        });
    }
    rulesForm.addEventListener('submit', async (e) => {
        e.preventDefault();
        const minutes = timeInput.value === '' ? 0 : Number(timeInput.value);
        const seconds = secInput.value === '' ? 0 : Number(secInput.value);
        const total = minutes * 60 + seconds;
        if (!Number.isInteger(minutes) || !Number.isInteger(seconds) || minutes < 0 || seconds < 0 || seconds > 59
            || total > 86400) {
            rulesStatus.textContent = t('speakers.rules.timeBad');
            timeInput.focus();
            return;
        }
        const ok = await ctx.send('meeting.configure', { speaking_time: total,
            first_turn: firstTurn.checked, alternate: alternate.checked }, rulesSubmit);
        if (ok) {
            rulesEdited = false;
            rulesStatus.textContent = t('speakers.rules.done');
        }
    });
    // The form shows the meeting's rules, until the chair starts changing them.
    function fillRules() {
        timeInput.value = String(Math.floor(st.settings.speaking_time / 60));
        secInput.value = String(st.settings.speaking_time % 60);
        firstTurn.checked = !!st.settings.first_turn;
        alternate.checked = !!st.settings.alternate;
    }

    const el = h('section', { class: 'panel speakers', id: 'speakers', 'aria-labelledby': 'speakers-h' },
        h('h2', { id: 'speakers-h' }, t('speakers.title')),
        itemLine, floor, chairTools, queueH, closedNote, queue, queueEmpty, mine, giveBox, rulesBox);

    const nameOrId = (id) => nameOf(st, id) || t('participants.unknown', { id });
    function who(id) {
        const college = collegeOf(st, id);
        return college ? `${nameOrId(id)} (${collegeName(college)})` : nameOrId(id);
    }

    function makeRow(r) {
        let req = r;
        // The number is written out: the browser's list counter is not always
        // redrawn when a row before it goes. Screen readers count the list
        // themselves.
        const pos = h('span', { class: 'queue-pos', 'aria-hidden': 'true' });
        const name = h('span', { class: 'queue-name' });
        const kind = h('span', { class: 'badge queue-kind' });
        const you = h('span', { class: 'person-you' });
        const ref = h('span', { class: 'visually-hidden' });
        const tools = {};
        let toolsEl = null;
        if (role === 'chair') {
            const b = (key, fn) => button({ dataset: { action: key } }, [t(`speakers.action.${key}`), ' ', ref.cloneNode()], fn);
            tools.give = b('give', () => ctx.send('speaker.give', { request: req.id }, tools.give));
            tools.up = b('up', () => ctx.send('speaker.move', { request: req.id, position: req.pos - 1 }, tools.up));
            tools.down = b('down', () => ctx.send('speaker.move', { request: req.id, position: req.pos + 1 }, tools.down));
            tools.remove = b('remove', () => ctx.send('speaker.remove', { request: req.id }, tools.remove));
            toolsEl = h('div', { class: 'actions queue-tools' }, Object.values(tools));
        }
        const li = h('li', { class: 'queue-row', dataset: { request: r.id } },
            h('div', { class: 'queue-head' }, pos, name, ' ', kind, you), toolsEl);
        return {
            el: li,
            update(x) {
                req = x;
                li.dataset.participant = x.participant;
                li.dataset.kind = x.kind;
                setText(pos, `${x.pos + 1}. `);
                setText(name, who(x.participant));
                setText(kind, t(`speakers.kind.${x.kind}`));
                kind.dataset.kind = x.kind;
                setText(you, x.participant === me?.participant ? ` ${t('participants.you')}` : '');
                const refText = t('speakers.requestRef', { name: nameOrId(x.participant) });
                for (const s of li.querySelectorAll('.visually-hidden')) {
                    setText(s, refText);
                }
                if (toolsEl) {
                    enable(tools.up, x.pos > 0);
                    enable(tools.down, x.pos < x.count - 1);
                }
            },
        };
    }

    function drawTimer(now) {
        const turn = st?.turn;
        if (!turn) {
            setText(timer, '');
            timer.dataset.over = 'false';
            return;
        }
        const left = turnRemaining(turn, now);
        const paused = !turn.running_since;
        let text;
        if (left === null) {
            text = t('speakers.spoken', { time: formatClock(turnSpoken(turn, now)) });
        } else if (left >= 0) {
            text = t('speakers.left', { time: formatClock(left) });
        } else {
            text = t('speakers.over', { time: formatClock(-left) });
        }
        if (paused) {
            text = `${text} ${t('speakers.paused')}`;
        }
        setText(timer, text);
        timer.dataset.over = String(left !== null && left < 0);
        timer.dataset.paused = String(paused);
    }

    return {
        el,
        update(s, you) {
            st = s;
            me = you;
            role = you?.role || '';
            const cur = s.agenda.get(s.current);
            const open = s.meeting.state === 'open';
            setText(itemLine, cur ? t('speakers.item', { num: agendaNumbers(s).get(cur.id), title: cur.title })
                : t('speakers.noItem'));
            el.dataset.chair = String(role === 'chair');

            // The floor.
            if (s.turn) {
                const kind = s.turn.kind !== 'contribution' ? ` — ${t(`speakers.kind.${s.turn.kind}`)}` : '';
                setText(floorName, `${who(s.turn.participant)}${kind}`);
                floor.dataset.participant = s.turn.participant;
            } else {
                setText(floorName, t('speakers.nobodySpeaking'));
                delete floor.dataset.participant;
            }
            floor.dataset.active = String(!!s.turn);
            drawTimer(ctx.now());

            // The queue, in the server's order.
            const order = cur ? speakersOrder(s, cur.id) : [];
            const rows = order.map((r, i) => ({ ...r, pos: i, count: order.length }));
            reconcile(queue, queueRows, rows, (r) => r.id, makeRow);
            setText(queueH, tn('speakers.queue', order.length));
            queue.hidden = order.length === 0;
            queueEmpty.hidden = order.length > 0 || !cur;
            closedNote.hidden = !cur?.list_closed;

            // The chair.
            chairTools.hidden = role !== 'chair';
            giveBox.hidden = role !== 'chair';
            rulesBox.hidden = role !== 'chair';
            if (role === 'chair') {
                enable(nextBtn, open && !!cur && (order.length > 0 || !!s.turn));
                enable(endBtn, open && !!s.turn);
                enable(pauseBtn, open && !!s.turn);
                setText(pauseBtn, s.turn && !s.turn.running_since ? t('speakers.resume') : t('speakers.pause'));
                enable(listBtn, open && !!cur);
                setText(listBtn, cur?.list_closed ? t('speakers.reopenList') : t('speakers.closeList'));
                const keep = giveSelect.value;
                const people = s.participants.filter((p) => p.role !== 'observer');
                if (giveSelect.options.length !== people.length + 1) {
                    giveSelect.replaceChildren(h('option', { value: '' }, t('speakers.giveTo.choose')),
                        ...people.map((p) => h('option', { value: p.id }, who(p.id))));
                    giveSelect.value = keep;
                }
                enable(giveBtn, open && !!cur);
                if (!rulesEdited && !rulesForm.contains(document.activeElement)) {
                    fillRules();
                }
            }

            // My own request.
            const canAsk = MAY_ASK.has(role) && s.meeting.state !== 'closed';
            mine.hidden = !canAsk;
            if (canAsk) {
                const at = order.findIndex((r) => r.participant === you.participant);
                const waiting = at >= 0;
                const closed = !!cur?.list_closed;
                enable(askBtn, open && !!cur && !waiting);
                enable(withdrawBtn, waiting);
                // One of the two buttons at a time; the focus follows to the other.
                const focused = document.activeElement;
                // While one has the floor, asking for it again is not the thing to do.
                const speaking = !!s.turn && s.turn.participant === you.participant;
                askBtn.hidden = waiting || speaking;
                withdrawBtn.hidden = !waiting;
                kindSet.hidden = waiting || speaking;
                if (focused === askBtn && waiting) {
                    withdrawBtn.focus();
                } else if (focused === withdrawBtn && !waiting) {
                    askBtn.focus();
                }
                for (const r of kindRadios) {
                    r.disabled = closed && r.value !== 'point_of_order';
                    if (r.disabled && r.checked) {
                        kindRadios[2].checked = true;
                    }
                }
                if (s.turn && s.turn.participant === you.participant) {
                    setText(myPlace, t('speakers.youSpeak'));
                } else if (waiting) {
                    setText(myPlace, t('speakers.place', { place: at + 1, total: order.length,
                        kind: t(`speakers.kind.${order[at].kind}`) }));
                } else if (!cur) {
                    setText(myPlace, open ? t('speakers.waitItem') : t('speakers.waitOpen'));
                } else {
                    setText(myPlace, closed ? t('speakers.closedOnlyOrder') : '');
                }
            }
        },
        tick(now) {
            if (st) {
                drawTimer(now);
            }
        },
    };
}
