// SPDX-License-Identifier: AGPL-3.0-or-later
//
// votes.mjs - votes: preparing them, the ballot, the running count, the
// results, and checking a secret ballot's receipt.
//
// Everyone sees each vote with its question, mode and rule; while it is
// open, only "k of n have voted" from the server's `count` messages (never a
// partial result: the server sends none); once closed, the counts per option
// and per college, the rule, whether it passed, the quorum, and the named
// ballots. The chair and the secretary prepare votes; the chair opens,
// closes and cancels them; either of them publishes the results.
//
// A member entitled to vote gets the ballot while the vote is open: one
// radio per answer, labelled, and one button per ballot they cast (their
// own, and each absent member whose proxy they hold), plus "vote for all"
// when they hold proxies. Every ballot asks for a confirmation and can be
// changed until the close. What this browser cast is remembered by
// ballot.mjs; a secret ballot gets a receipt made here, shown to the person,
// and once the results are published the page finds it in the list of
// ballots (GET /api/meetings/M/votes/V/ballots, the invitation token as
// bearer). A ballot cast from another device shows as cast, from the
// welcome's `you.voted` (PROTOCOL.md §4.2). The opening of a vote is
// announced through the page's live region.

import { h, button, enable, reconcile, setText, fill } from '../dom.mjs';
import { t, tn, optionName, collegeName, formatTime, formatClock, errorText } from '../i18n.mjs';
import { ballotsFor, agendaNumbers, agendaOrder, nameOf as nameIn, isPresent } from '../state.mjs';
import * as ballot from '../ballot.mjs';
import { request } from '../api.mjs';
import { confirmView } from './confirm.mjs';

const STATE_ORDER = { open: 0, prepared: 1, closed: 2, published: 3, cancelled: 4 };

export function ruleText(v) {
    if (v.rule === 'qualified') {
        return t('vote.rule.qualifiedShare', { num: v.share_num, den: v.share_den });
    }
    // Between options there is no "for" and "against": the words of a choice.
    return t(v.kind === 'choice' ? `vote.rule.choice.${v.rule}` : `vote.rule.${v.rule}`);
}

// The prepare form (chair and secretary).
function prepareForm(ctx) {
    const question = h('textarea', { id: 'vote-question', rows: '2', maxlength: '2000' });
    const kindYes = h('input', { type: 'radio', name: 'vote-kind', id: 'vote-kind-yesno', value: 'yesno', checked: true });
    const kindChoice = h('input', { type: 'radio', name: 'vote-kind', id: 'vote-kind-choice', value: 'choice' });
    const options = h('textarea', { id: 'vote-options', rows: '3', 'aria-describedby': 'vote-options-help' });
    const optionsField = h('div', { class: 'field', id: 'vote-options-field' },
        h('label', { for: 'vote-options' }, t('vote.prepare.options')), options,
        h('p', { class: 'help', id: 'vote-options-help' }, t('vote.prepare.optionsHelp')));
    const named = h('input', { type: 'radio', name: 'vote-mode', id: 'vote-mode-named', value: 'named', checked: true });
    const secret = h('input', { type: 'radio', name: 'vote-mode', id: 'vote-mode-secret', value: 'secret' });
    const rule = h('select', { id: 'vote-rule' },
        ['simple', 'absolute', 'qualified', 'double'].map((r) => h('option', { value: r }, t(`vote.rule.${r}`))));
    const num = h('input', { id: 'vote-share-num', type: 'number', min: '1', max: '100', value: '2', inputmode: 'numeric' });
    const den = h('input', { id: 'vote-share-den', type: 'number', min: '1', max: '100', value: '3', inputmode: 'numeric' });
    const shareRow = h('div', { class: 'field-row', id: 'vote-share' },
        h('div', { class: 'field' }, h('label', { for: 'vote-share-num' }, t('vote.prepare.shareNum')), num),
        h('div', { class: 'field' }, h('label', { for: 'vote-share-den' }, t('vote.prepare.shareDen')), den));
    const duration = h('input', { id: 'vote-duration', type: 'number', min: '0', step: '1', inputmode: 'numeric',
        'aria-describedby': 'vote-duration-help' });
    const item = h('select', { id: 'vote-item' });
    const status = h('p', { class: 'form-status', id: 'vote-prepare-status', role: 'status' });
    const submit = h('button', { type: 'submit', class: 'primary', id: 'vote-prepare-submit' }, t('vote.prepare.submit'));
    const radio = (input, label) => h('div', { class: 'choice' }, input, h('label', { for: input.id }, label));
    const form = h('form', { id: 'vote-prepare-form', novalidate: true },
        h('div', { class: 'field' }, h('label', { for: 'vote-question' }, t('vote.prepare.question'),
            h('span', { class: 'required' }, ` ${t('agenda.form.required')}`)), question),
        h('fieldset', { class: 'choices' }, h('legend', {}, t('vote.prepare.kind')),
            radio(kindYes, t('vote.kind.yesno')), radio(kindChoice, t('vote.kind.choice'))),
        optionsField,
        h('fieldset', { class: 'choices' }, h('legend', {}, t('vote.prepare.mode')),
            radio(named, t('vote.mode.named')), radio(secret, t('vote.mode.secret'))),
        h('div', { class: 'field' }, h('label', { for: 'vote-rule' }, t('vote.prepare.rule')), rule),
        shareRow,
        h('div', { class: 'field-row' },
            h('div', { class: 'field' }, h('label', { for: 'vote-duration' }, t('vote.prepare.duration')), duration,
                h('p', { class: 'help', id: 'vote-duration-help' }, t('vote.prepare.durationHelp'))),
            h('div', { class: 'field' }, h('label', { for: 'vote-item' }, t('vote.prepare.item')), item)),
        h('div', { class: 'actions' }, submit), status);
    let hasCurrent = false;
    const box = h('details', { class: 'vote-prepare', id: 'vote-prepare' },
        h('summary', { id: 'vote-prepare-summary' }, t('vote.prepare.title')), form);

    function sync() {
        const choice = kindChoice.checked;
        optionsField.hidden = !choice;
        for (const o of rule.options) {
            o.disabled = choice && (o.value === 'qualified' || o.value === 'double');
            o.hidden = o.disabled;
            o.textContent = o.value === 'qualified' ? t('vote.rule.qualified')
                : ruleText({ kind: choice ? 'choice' : 'yesno', rule: o.value });
        }
        if (rule.selectedOptions[0]?.disabled) {
            rule.value = 'simple';
        }
        shareRow.hidden = rule.value !== 'qualified';
    }
    for (const x of [kindYes, kindChoice, rule]) {
        x.addEventListener('change', sync);
    }
    sync();

    form.addEventListener('submit', async (e) => {
        e.preventDefault();
        const q = question.value.trim();
        if (!q) {
            status.textContent = t('vote.prepare.questionMissing');
            question.focus();
            return;
        }
        const body = { question: q, kind: kindChoice.checked ? 'choice' : 'yesno',
            mode: secret.checked ? 'secret' : 'named', rule: rule.value };
        if (body.kind === 'choice') {
            body.options = options.value.split('\n').map((x) => x.trim()).filter(Boolean);
            if (body.options.length < 2 || body.options.length > 20) {
                status.textContent = t('vote.prepare.optionsBad');
                options.focus();
                return;
            }
        }
        if (body.rule === 'qualified') {
            body.share_num = Number.parseInt(num.value, 10);
            body.share_den = Number.parseInt(den.value, 10);
            if (!(body.share_num >= 1 && body.share_den >= body.share_num && body.share_den <= 100)) {
                status.textContent = t('vote.prepare.shareBad');
                num.focus();
                return;
            }
        }
        const minutes = Number.parseInt(duration.value, 10);
        if (Number.isFinite(minutes) && minutes > 0) {
            body.duration = minutes * 60;
        }
        if (item.value) {
            body.item = item.value;
        } else if (!hasCurrent) {
            // A vote belongs to an item (PROTOCOL.md §6.5).
            status.textContent = t('vote.prepare.itemMissing');
            item.focus();
            return;
        }
        status.textContent = '';
        const ok = await ctx.send('vote.prepare', body, submit);
        if (ok) {
            // The next vote starts from the defaults, not from this one's settings.
            form.reset();
            kindYes.checked = true;
            named.checked = true;
            rule.value = 'simple';
            num.value = '2';
            den.value = '3';
            item.value = '';
            sync();
            status.textContent = t('vote.prepare.done', { question: q });
        }
    });

    return {
        el: box,
        update(s) {
            const nums = agendaNumbers(s);
            const keep = item.value;
            const cur = s.agenda.get(s.current);
            hasCurrent = !!cur;
            const opts = [h('option', { value: '' }, cur ? t('vote.prepare.itemCurrent', { num: nums.get(cur.id) })
                : t('vote.prepare.itemNone'))];
            for (const it of agendaOrder(s)) {
                opts.push(h('option', { value: it.id }, `${nums.get(it.id)}. ${it.title}`));
            }
            const sig = opts.map((o) => `${o.value}=${o.textContent}`).join('\n');
            if (item.dataset.sig !== sig) {
                item.dataset.sig = sig;
                item.replaceChildren(...opts);
                item.value = [...item.options].some((o) => o.value === keep) ? keep : '';
            }
        },
    };
}

// The colleges in which fewer than 3 members entitled to vote `v` are
// present now: what vote.opened would name in small_colleges (PROTOCOL.md
// 6.5), for the warning before opening.
function smallCollegesNow(st, v) {
    const by = new Map();
    for (const p of st.participants) {
        if (p.role !== 'member' || !p.college
            || st.recusals.some((r) => r.participant === p.id && r.item === v.item)) {
            continue;
        }
        by.set(p.college, (by.get(p.college) || 0) + (isPresent(p) ? 1 : 0));
    }
    return [...by].filter(([, n]) => n < 3).map(([c]) => c);
}

export function votesView(ctx) {
    let st = null;
    let me = null;
    let role = '';
    const confirm = confirmView();
    const prepare = prepareForm(ctx);
    const list = h('div', { class: 'vote-list', id: 'vote-list' });
    const rows = new Map();
    const empty = h('p', { class: 'muted', id: 'votes-empty' }, t('vote.none'));
    const checked = new Map(); // vote id -> the published list of ballots, once fetched
    let ticking = [];

    const el = h('section', { class: 'panel votes', id: 'votes', 'aria-labelledby': 'votes-h' },
        h('h2', { id: 'votes-h' }, t('vote.title')), empty, list, prepare.el, confirm.el);

    const nameOf = (id) => nameIn(st, id) || t('participants.unknown', { id });

    // The receipts this browser keeps for `v`: the person's own, and those
    // of the members whose proxy they held. [[voter, record]], own first.
    function receiptsHere(v) {
        const ids = ballot.voters(ctx.meeting, v.id);
        ids.sort((a, b) => (b === me?.participant) - (a === me?.participant));
        return ids.map((id) => [id, ballot.load(ctx.meeting, v.id, id)]).filter(([, r]) => r?.receipt);
    }

    // The ballot of a member, for the open vote `v`.
    function ballotBox(v) {
        const prefix = `ballot-${v.id}`;
        const radios = v.options.map((o, i) => h('input', { type: 'radio', name: prefix, value: o,
            id: `${prefix}-${i}`, dataset: { option: o } }));
        const legendId = `${prefix}-legend`;
        const choices = h('fieldset', { class: 'ballot-choices', id: `${prefix}-choices` },
            h('legend', { id: legendId }, t('vote.ballot.legend', { question: v.question })),
            v.options.map((o, i) => h('div', { class: 'choice' }, radios[i],
                h('label', { for: radios[i].id }, optionName(o)))));
        const note = h('p', { class: 'help ballot-note' },
            v.mode === 'secret' ? t('vote.ballot.secretNote') : t('vote.ballot.namedNote'));
        const buttons = h('div', { class: 'actions ballot-buttons' });
        const statusList = h('ul', { class: 'ballot-status', id: `${prefix}-status` });
        const msg = h('p', { class: 'ballot-msg', id: `${prefix}-msg`, role: 'status' });
        // Once every ballot is cast, what was voted takes the ballot's place,
        // with a way back to it: the ballot is not the thing to do any more.
        const doneText = h('p', { class: 'ballot-done-text', id: `${prefix}-done-text` });
        const changeBtn = button({ id: `${prefix}-change` }, t('vote.ballot.change'), () => {
            changing = true;
            redraw();
            (radios.find((r) => r.checked) || radios[0]).focus();
        });
        const done = h('div', { class: 'ballot-done', id: `${prefix}-done`, tabindex: '-1', hidden: true },
            doneText, h('div', { class: 'actions' }, changeBtn));
        const el2 = h('div', { class: 'ballot', id: prefix },
            h('h4', {}, t('vote.ballot.title')), done, note, choices, buttons, statusList, msg);
        let shape = '';
        let busy = false;
        let preset = false;
        let changing = false;

        function chosen() {
            return radios.find((r) => r.checked)?.value || '';
        }

        async function cast(voters, mode) {
            const choice = chosen();
            if (!choice) {
                msg.textContent = t('vote.ballot.chooseFirst');
                radios[0].focus();
                return;
            }
            const names = voters.map((x) => (x.voter === me.participant ? t('vote.ballot.yourself') : nameOf(x.voter)));
            const yes = await confirm.ask({ title: t('vote.ballot.confirmTitle'),
                text: t('vote.ballot.confirmText', { choice: optionName(choice), who: names.join(', ') }),
                yes: t('vote.ballot.confirmYes') });
            if (!yes) {
                return;
            }
            const ids = voters.map((x) => x.voter);
            const secretVote = v.mode === 'secret';
            const plan = ballot.castPlan(ctx.meeting, v.id, ids, choice, secretVote);
            ballot.begin(ctx.meeting, v.id, ids, plan.records);
            const body = { vote: v.id, ...plan.body };
            if (mode === 'for') {
                body.for = ids[0];
            } else if (mode === 'all') {
                body.all = true;
            }
            busy = true;
            msg.textContent = t(ctx.conn.status === 'online' ? 'vote.ballot.sending' : 'vote.ballot.queued');
            redraw();
            try {
                try {
                    await ctx.conn.command('vote.cast', body);
                } catch (e) {
                    if (e.code !== 'invalid' || !plan.fallback) {
                        throw e;
                    }
                    // A page closed while sending left two candidates: the older one.
                    const again = { ...body };
                    delete again.replaces;
                    if (plan.fallback.some(Boolean)) {
                        again.replaces = plan.fallback;
                    }
                    await ctx.conn.command('vote.cast', again);
                }
                ballot.confirm(ctx.meeting, v.id, ids);
                msg.textContent = t('vote.ballot.done', { choice: optionName(choice) });
                changing = false;
                requestAnimationFrame(() => {
                    if (!done.hidden) {
                        done.scrollIntoView({ block: 'nearest' });
                        done.focus({ preventScroll: true });
                    }
                });
            } catch (e) {
                ballot.abandon(ctx.meeting, v.id, ids, plan.olds);
                const key = { conflict: 'vote.ballot.elsewhere', bad_state: 'vote.ballot.closed',
                    forbidden: 'vote.ballot.forbidden' }[e.code];
                msg.textContent = key ? t(key) : errorText(e.code || 'internal');
            } finally {
                busy = false;
                redraw();
            }
        }

        function redraw() {
            const mine = ballotsFor(st, v, me?.participant);
            const key = mine.map((x) => x.voter).join(' ');
            if (key !== shape) {
                shape = key;
                const list2 = [];
                const own = mine.find((x) => !x.proxy);
                if (mine.length === 1) {
                    list2.push(button({ id: `${prefix}-cast`, class: 'primary', dataset: { voter: mine[0].voter } },
                        own ? t('vote.ballot.cast') : t('vote.ballot.castFor', { name: nameOf(mine[0].voter) }),
                        () => cast(mine, own ? 'self' : 'for')));
                } else if (mine.length > 1) {
                    for (const x of mine) {
                        list2.push(button({ id: x.proxy ? `${prefix}-cast-${x.voter}` : `${prefix}-cast`,
                            class: x.proxy ? '' : 'primary', dataset: { voter: x.voter } },
                        x.proxy ? t('vote.ballot.castFor', { name: nameOf(x.voter) }) : t('vote.ballot.castSelf'),
                        () => cast([x], x.proxy ? 'for' : 'self')));
                    }
                    list2.push(button({ id: `${prefix}-cast-all`, dataset: { voter: 'all' } },
                        tn('vote.ballot.castAll', mine.length), () => cast(ballotsFor(st, v, me.participant), 'all')));
                }
                fill(buttons, list2);
            }
            for (const b of buttons.children) {
                enable(b, !busy);
            }
            const items = mine.map((x) => {
                const rec = ballot.load(ctx.meeting, v.id, x.voter);
                const who = x.proxy ? t('vote.ballot.forProxy', { name: nameOf(x.voter) }) : t('vote.ballot.you');
                let what = t('vote.ballot.notYet');
                let state = rec?.state || 'none';
                if (rec && rec.state === 'cast') {
                    what = t('vote.ballot.state.cast', { choice: optionName(rec.choice) });
                } else if (rec) {
                    what = t('vote.ballot.state.sending', { choice: optionName(rec.choice) });
                } else if (!x.proxy && (me?.voted || []).includes(v.id)) {
                    // The server's word at the welcome: a ballot this browser did not cast.
                    what = t('vote.ballot.state.elsewhere');
                    state = 'elsewhere';
                }
                return h('li', { dataset: { voter: x.voter, state } },
                    h('span', { class: 'ballot-who' }, `${who}\u00a0: `), what,
                    rec?.receipt ? [' ', h('span', { class: 'receipt-label' }, t('vote.receipt.label')), ' ',
                        h('code', { class: 'receipt' }, rec.receipt)] : null);
            });
            fill(statusList, items);
            // The answer already given is the one checked, until the person picks another.
            if (!preset && mine.length) {
                const rec = ballot.load(ctx.meeting, v.id, mine[0].voter);
                const r = radios.find((x) => x.value === rec?.choice);
                if (r) {
                    r.checked = true;
                }
                preset = true;
            }
            el2.hidden = mine.length === 0;
            // Every ballot cast (or on its way): say what, in the ballot's place.
            const recs = mine.map((x) => ballot.load(ctx.meeting, v.id, x.voter));
            const elsewhere = mine.some((x, i) => !recs[i] && !x.proxy && (me?.voted || []).includes(v.id));
            const allCast = mine.length > 0 && mine.every((x, i) => recs[i]
                || (!x.proxy && (me?.voted || []).includes(v.id)));
            const showDone = allCast && !changing && !busy;
            done.hidden = !showDone;
            for (const x of [note, choices, buttons]) {
                x.hidden = showDone;
            }
            if (showDone) {
                const choicesCast = [...new Set(recs.filter(Boolean).map((r) => r.choice))];
                let text;
                if (elsewhere && !choicesCast.length) {
                    text = t('vote.ballot.doneElsewhere');
                } else if (choicesCast.length === 1 && mine.length === 1) {
                    text = t('vote.ballot.doneOne', { choice: optionName(choicesCast[0]) });
                } else {
                    text = tn('vote.ballot.doneMany', mine.length);
                }
                setText(doneText, text);
                msg.hidden = true;
            } else {
                msg.hidden = false;
            }
        }
        return { el: el2, update(v2) {
            v = v2;
            redraw();
        } };
    }

    // What the published list says of this browser's receipts.
    function receiptCheck(v, box, out, listBox) {
        const data = checked.get(v.id);
        if (!data) {
            return;
        }
        const mineRecs = receiptsHere(v);
        const byReceipt = new Map(data.ballots.map((b) => [b.receipt, b.choice]));
        const lines = mineRecs.map(([voter, rec]) => {
            const who = voter === me?.participant ? t('vote.ballot.you') : t('vote.ballot.forProxy', { name: nameOf(voter) });
            const found = byReceipt.get(rec.receipt);
            let text;
            if (found === undefined) {
                text = t('vote.receipt.missing', { receipt: rec.receipt });
            } else if (found === rec.choice) {
                text = t('vote.receipt.found', { receipt: rec.receipt, choice: optionName(found) });
            } else {
                text = t('vote.receipt.other', { receipt: rec.receipt, choice: optionName(found),
                    mine: optionName(rec.choice) });
            }
            return h('li', { dataset: { receipt: rec.receipt, found: String(found !== undefined),
                match: String(found === rec.choice) } }, `${who}\u00a0: ${text}`);
        });
        fill(out, lines.length ? lines : [h('li', {}, t('vote.receipt.noneHere'))]);
        const mineSet = new Set(mineRecs.map(([, r]) => r.receipt));
        fill(listBox, h('summary', {}, tn('vote.receipt.list', data.ballots.length)),
            h('div', { class: 'table-wrap' }, h('table', { class: 'receipts', id: `receipts-${v.id}` },
                h('caption', { class: 'visually-hidden' }, t('vote.receipt.caption', { question: v.question })),
                h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('vote.receipt.col')),
                    h('th', { scope: 'col' }, t('vote.col.choice')))),
                h('tbody', {}, data.ballots.map((b) => h('tr', { class: mineSet.has(b.receipt) ? 'mine' : null,
                    dataset: { receipt: b.receipt } },
                h('td', {}, h('code', {}, b.receipt), mineSet.has(b.receipt) ? ` ${t('vote.receipt.yours')}` : null),
                h('td', {}, optionName(b.choice))))))));
        listBox.hidden = false;
        box.hidden = false;
    }

    function resultBox(v) {
        const r = v.result;
        const verdict = v.kind === 'choice'
            ? (r.winner ? t('vote.result.winner', { option: optionName(r.winner) }) : t('vote.result.noWinner'))
            : t(r.passed ? 'vote.result.passed' : 'vote.result.failed');
        // A secret vote in a small college has no counts by college (the
        // server withholds them): the totals only, and why.
        const withheld = (r.colleges || []).length > 0 && !(r.college_counts || []).length;
        const colleges = withheld ? [] : r.colleges || [];
        const n = v.options.length;
        const passedBy = (r.college_passed || []).map((won, k) => h('li', { dataset: { college: r.colleges[k] } },
            t(won ? 'vote.result.collegePassed' : 'vote.result.collegeFailed', { college: collegeName(r.colleges[k]) })));
        const table = h('table', { class: 'result', id: `result-${v.id}` },
            h('caption', {}, t(withheld ? 'vote.result.captionTotals' : 'vote.result.caption')),
            h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('vote.col.option')),
                h('th', { scope: 'col', class: 'num' }, t('vote.col.total')),
                colleges.map((c) => h('th', { scope: 'col', class: 'num' }, collegeName(c))))),
            h('tbody', {}, v.options.map((o, i) => h('tr', { dataset: { option: o } },
                h('th', { scope: 'row' }, optionName(o)),
                h('td', { class: 'num' }, String(r.counts[i] ?? 0)),
                colleges.map((c, k) => h('td', { class: 'num' }, String(r.college_counts[k * n + i] ?? 0)))))));
        const ballots = r.ballots || [];
        const named = v.mode === 'named' && ballots.length
            ? h('details', { class: 'named-ballots', id: `named-${v.id}` },
                h('summary', {}, tn('vote.named.title', ballots.length)),
                h('div', { class: 'table-wrap' }, h('table', {},
                    h('caption', { class: 'visually-hidden' }, t('vote.named.caption', { question: v.question })),
                    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('vote.col.voter')),
                        h('th', { scope: 'col' }, t('vote.col.choice')))),
                    h('tbody', {}, ballots.map((b) => h('tr', { dataset: { voter: b.voter } },
                        h('td', {}, nameOf(b.voter), b.by ? ` ${t('vote.named.by', { name: nameOf(b.by) })}` : null),
                        h('td', {}, optionName(b.choice))))))))
            : null;
        return h('div', { class: 'vote-result' },
            h('p', { class: 'vote-verdict', dataset: { passed: String(!!r.passed) } }, verdict),
            h('p', { class: 'vote-turnout' }, tn('vote.result.turnout', v.voted, { voted: v.voted, entitled: v.entitled }),
                ' · ', t(r.quorum_close ? 'vote.result.quorumClose' : 'vote.result.noQuorumClose')),
            h('div', { class: 'table-wrap' }, table),
            withheld ? h('p', { class: 'help vote-withheld' }, t('vote.result.withheld')) : null,
            passedBy.length ? h('ul', { class: 'vote-college-outcomes' }, passedBy) : null, named);
    }

    function makeRow(v0) {
        let v = v0;
        const question = h('h3', { class: 'vote-question' });
        const badge = h('span', { class: 'badge vote-state' });
        const meta = h('p', { class: 'vote-meta' });
        const progress = h('p', { class: 'vote-progress', id: `progress-${v0.id}` });
        const waiting = h('details', { class: 'vote-waiting', id: `waiting-${v0.id}` });
        const deadline = h('p', { class: 'vote-deadline' });
        const quorum = h('p', { class: 'vote-quorum' });
        const result = h('div', { class: 'vote-result-box' });
        const small = h('p', { class: 'warning vote-small-colleges', role: 'note' });
        let smallNow = []; // colleges that would be small if the vote opened now
        const notEntitled = h('p', { class: 'vote-not-entitled' }, t('vote.ballot.notEntitled'));
        let resultFor = '';
        const ballotEl = ballotBox(v0);
        // Checking receipts, once published.
        const checkOut = h('ul', { class: 'receipt-check', id: `receipt-check-${v0.id}` });
        const listBox = h('details', { class: 'receipt-list', hidden: true });
        const checkBox = h('div', { class: 'receipt-box' });
        const checkBtn = button({ id: `check-${v0.id}`, class: 'primary' }, t('vote.receipt.check'), async () => {
            try {
                checkBtn.setAttribute('aria-busy', 'true');
                const data = await request('GET', `/api/meetings/${encodeURIComponent(ctx.meeting)}/votes/${encodeURIComponent(v.id)}/ballots`,
                    { token: ctx.token });
                checked.set(v.id, { ballots: data.ballots || [] });
                receiptCheck(v, checkBox, checkOut, listBox);
            } catch (e) {
                ctx.notify(e);
            } finally {
                checkBtn.removeAttribute('aria-busy');
            }
        });
        const receiptNote = h('p', { class: 'help' });
        checkBox.append(receiptNote, h('div', { class: 'actions' }, checkBtn), h('div', { role: 'status' }, checkOut),
            listBox);
        // The officers' buttons.
        const tools = {
            open: button({ class: 'primary', dataset: { action: 'open' } }, t('vote.action.open'), async () => {
                // A secret vote under the double rule with a college of one
                // or two voters: its outcome may tell their votes. Warned first.
                if (smallNow.length && !await confirm.ask({ title: t('vote.open.title'),
                    text: t('vote.smallColleges', { colleges: smallNow.map(collegeName).join(', ') }),
                    yes: t('vote.action.open') })) {
                    return;
                }
                // Without the quorum the vote may run, but its result will say so.
                const q = st.attendance?.quorum;
                if (q && !q.met && !await confirm.ask({ title: t('vote.open.title'),
                    text: t('vote.open.noQuorum', { present: q.present, required: q.required }),
                    yes: t('vote.action.open') })) {
                    return;
                }
                ctx.send('vote.open', { vote: v.id }, tools.open);
            }),
            close: button({ class: 'primary', dataset: { action: 'close' } }, t('vote.action.close'), async () => {
                const yes = await confirm.ask({ title: t('vote.close.title'), text: tn('vote.close.text', v.voted,
                    { voted: v.voted, entitled: v.entitled, question: v.question }), yes: t('vote.action.close') });
                if (yes) {
                    ctx.send('vote.close', { vote: v.id }, tools.close);
                }
            }),
            publish: button({ class: 'primary', dataset: { action: 'publish' } }, t('vote.action.publish'),
                () => ctx.send('vote.publish', { vote: v.id }, tools.publish)),
            cancel: button({ class: 'danger', dataset: { action: 'cancel' } }, t('vote.action.cancel'), async () => {
                const yes = await confirm.ask({ title: t('vote.cancel.title'), text: t('vote.cancel.text',
                    { question: v.question }), yes: t('vote.action.cancel'), danger: true });
                if (yes) {
                    ctx.send('vote.cancel', { vote: v.id }, tools.cancel);
                }
            }),
        };
        const toolsEl = h('div', { class: 'actions vote-tools', role: 'group', 'aria-label': t('vote.tools') },
            Object.values(tools));
        const art = h('article', { class: 'vote', id: `vote-${v0.id}`, dataset: { vote: v0.id },
            'aria-labelledby': `vote-${v0.id}-q` },
        h('div', { class: 'vote-head' }, question, ' ', badge), meta, progress, waiting, deadline, quorum, small,
        notEntitled, ballotEl.el, result, checkBox, toolsEl);
        question.id = `vote-${v0.id}-q`;

        function drawDeadline(now) {
            if (v.state === 'open' && v.deadline) {
                setText(deadline, t('vote.deadline', { time: formatTime(v.deadline),
                    left: formatClock(Math.max(0, v.deadline - now)) }));
                deadline.hidden = false;
            } else {
                deadline.hidden = true;
            }
        }

        return {
            el: art,
            tick: drawDeadline,
            update(x) {
                v = x;
                art.dataset.state = v.state;
                art.dataset.mode = v.mode;
                setText(question, v.question);
                setText(badge, t(`vote.state.${v.state}`));
                badge.dataset.state = v.state;
                const nums = agendaNumbers(st);
                const parts = [t(`vote.mode.${v.mode}Short`), ruleText(v)];
                if (v.item && st.agenda.get(v.item)) {
                    parts.push(t('vote.onItem', { num: nums.get(v.item) }));
                }
                if (v.duration && v.state === 'prepared') {
                    parts.push(t('vote.lasts', { minutes: Math.round(v.duration / 60) }));
                }
                setText(meta, parts.join(' · '));
                const open = v.state === 'open';
                progress.hidden = !open;
                if (open) {
                    setText(progress, tn('vote.progress', v.voted, { voted: v.voted, entitled: v.entitled }));
                    progress.dataset.voted = String(v.voted);
                    progress.dataset.entitled = String(v.entitled);
                }
                // The chair's list of who has not voted yet (named votes: the server sends it).
                const late = open && Array.isArray(v.waiting) ? v.waiting : null;
                waiting.hidden = !late || !late.length;
                if (late && late.length && waiting.dataset.list !== late.join(' ')) {
                    waiting.dataset.list = late.join(' ');
                    fill(waiting, h('summary', {}, tn('vote.waiting', late.length, { count: late.length })),
                        h('ul', {}, late.map((id) => h('li', { dataset: { participant: id } }, nameOf(id)))));
                }
                drawDeadline(ctx.now());
                quorum.hidden = v.state === 'prepared' || v.state === 'cancelled';
                setText(quorum, t(v.quorum_open ? 'vote.quorumOpen' : 'vote.noQuorumOpen'));
                quorum.dataset.met = String(v.quorum_open);
                small.hidden = !(v.small_colleges || []).length || v.state === 'prepared' || v.state === 'cancelled';
                setText(small, small.hidden ? '' : t('vote.smallColleges',
                    { colleges: v.small_colleges.map(collegeName).join(', ') }));
                smallNow = v.state === 'prepared' && v.mode === 'secret' && v.rule === 'double' && v.kind !== 'choice'
                    ? smallCollegesNow(st, v) : [];
                ballotEl.el.hidden = !open;
                if (open) {
                    ballotEl.update(v);
                }
                notEntitled.hidden = !(open && role === 'member' && !(v.entitledIds || []).includes(me?.participant)
                    && ballotsFor(st, v, me?.participant).length === 0);
                const done = (v.state === 'closed' || v.state === 'published') && v.result;
                const stamp = done ? `${v.state} ${v.voted}` : '';
                if (stamp !== resultFor) {
                    resultFor = stamp;
                    fill(result, done ? resultBox(v) : null);
                }
                result.hidden = !done;
                // Receipts: shown while the vote runs and after, checked once published.
                const secretDone = v.mode === 'secret' && done && receiptsHere(v).length > 0;
                checkBox.hidden = !secretDone;
                if (secretDone) {
                    const published = v.state === 'published';
                    checkBtn.hidden = !published;
                    setText(receiptNote, published ? t('vote.receipt.canCheck') : t('vote.receipt.afterPublish'));
                    if (!checkOut.childElementCount && !published) {
                        const lines = receiptsHere(v).map(([id, r]) => h('li', {},
                                `${id === me?.participant ? t('vote.ballot.you') : t('vote.ballot.forProxy', { name: nameOf(id) })}\u00a0: `,
                                h('code', { class: 'receipt' }, r.receipt), ` (${optionName(r.choice)})`));
                        fill(checkOut, lines);
                    }
                    if (published && checked.has(v.id)) {
                        receiptCheck(v, checkBox, checkOut, listBox);
                    }
                }
                // Officers.
                const officer = role === 'chair' || role === 'secretary';
                toolsEl.hidden = !officer || v.state === 'published' || v.state === 'cancelled';
                const live = st.meeting.state === 'open';
                tools.open.hidden = role !== 'chair' || v.state !== 'prepared';
                enable(tools.open, live && ![...st.votes.values()].some((o) => o.state === 'open'));
                tools.close.hidden = role !== 'chair' || v.state !== 'open';
                tools.cancel.hidden = role !== 'chair' || (v.state !== 'prepared' && v.state !== 'open');
                tools.publish.hidden = !officer || v.state !== 'closed';
                if (open) {
                    ticking.push(this);
                }
            },
        };
    }

    return {
        el,
        update(s, you) {
            st = s;
            me = you;
            role = you?.role || '';
            ticking = [];
            const votes = [...s.votes.values()].sort((a, b) => (STATE_ORDER[a.state] - STATE_ORDER[b.state])
                || (Number(b.id.replace(/\D/g, '')) - Number(a.id.replace(/\D/g, ''))));
            reconcile(list, rows, votes, (v) => v.id, makeRow);
            empty.hidden = votes.length > 0;
            const officer = role === 'chair' || role === 'secretary';
            prepare.el.hidden = !officer || s.meeting.state === 'closed';
            if (officer) {
                prepare.update(s);
            }
        },
        tick(now) {
            for (const r of ticking) {
                r.tick(now);
            }
        },
    };
}
