// SPDX-License-Identifier: AGPL-3.0-or-later
//
// ballot.mjs - what this browser remembers of the ballots it cast, and the
// receipts of secret ballots (PROTOCOL.md §6.5).
//
// The server never tells a page how it voted: ballot.cast events are not
// sent, and a snapshot gives only how many voted. So the page keeps, in
// localStorage, one record per meeting, vote and voter (the person, or a
// member whose proxy they hold):
//
//   concerto.ballot.MEETING.VOTE.VOTER = {choice, receipt, previous, state}
//
// `receipt` is the secret ballot's receipt: 16 random bytes from
// crypto.getRandomValues, in base64url (22 characters). It is made before the
// ballot is sent and kept, so that once the vote is published the person
// finds it in the list of ballots; the server stores it with the choice and
// without the voter. To change a secret ballot the next cast names the
// receipt it replaces. A record is written as `sending` before the command
// leaves and becomes `cast` on the server's ok; `previous` holds the receipt
// it replaces until then, because a page closed in between cannot know which
// of the two the server has (castPlan() offers both, newest first).
//
// The choice of a secret ballot is kept too, so that the person can check
// that their receipt is listed with their choice. It stays in this browser.
//
// No DOM here: the module is tested under plain Node.

const PREFIX = 'concerto.ballot.';

function storage() {
    try {
        return globalThis.localStorage || null;
    } catch {
        return null;
    }
}

function keyOf(meeting, vote, voter) {
    return `${PREFIX}${meeting}.${vote}.${voter}`;
}

// A fresh receipt: 16 random bytes as base64url, without padding.
export function newReceipt() {
    const b = new Uint8Array(16);
    crypto.getRandomValues(b);
    let bin = '';
    for (const x of b) {
        bin += String.fromCharCode(x);
    }
    return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

// The record of `voter`'s ballot in `vote`, or null.
export function load(meeting, vote, voter) {
    const s = storage();
    try {
        const r = s ? JSON.parse(s.getItem(keyOf(meeting, vote, voter)) || 'null') : null;
        return r && typeof r === 'object' ? r : null;
    } catch {
        return null;
    }
}

// The voters this browser keeps a record for in `vote`, in key order.
export function voters(meeting, vote) {
    const s = storage();
    const prefix = `${PREFIX}${meeting}.${vote}.`;
    const out = [];
    try {
        for (let i = 0; s && i < s.length; i++) {
            const k = s.key(i);
            if (k && k.startsWith(prefix)) {
                out.push(k.slice(prefix.length));
            }
        }
    } catch {
        // storage refused: nothing remembered
    }
    return out.sort();
}

export function save(meeting, vote, voter, record) {
    const s = storage();
    try {
        if (s && record) {
            s.setItem(keyOf(meeting, vote, voter), JSON.stringify(record));
        } else if (s) {
            s.removeItem(keyOf(meeting, vote, voter));
        }
    } catch {
        // storage full or refused: the ballot is still cast, only not remembered
    }
}

// What to send for a new ballot of `choice` by each of `voters` in a vote
// (`secret` or not). Returns {body, records, olds, fallback}: `body` the
// fields of vote.cast beyond vote/for/all, `records` the new record per voter
// (state `sending`), `olds` the records before, `fallback` another `replaces`
// to try if the server answers `invalid` (the older receipt of a record left
// in `sending` by a page closed too early), or null.
export function castPlan(meeting, vote, voters, choice, secret) {
    const old = voters.map((voter) => load(meeting, vote, voter));
    if (!secret) {
        return { body: { choice }, olds: old, fallback: null,
            records: voters.map(() => ({ choice, receipt: '', previous: '', state: 'sending' })) };
    }
    const receipts = voters.map(() => newReceipt());
    const replaces = old.map((r) => r?.receipt || '');
    const body = { choice, receipts };
    if (replaces.some(Boolean)) {
        body.replaces = replaces;
    }
    const unsure = old.some((r) => r && r.state === 'sending');
    const fallback = unsure ? old.map((r) => (r && r.state === 'sending' ? r.previous || '' : r?.receipt || '')) : null;
    const records = voters.map((voter, i) => ({ choice, receipt: receipts[i], previous: replaces[i], state: 'sending' }));
    return { body, records, olds: old, fallback };
}

// Write the records of a plan before sending it.
export function begin(meeting, vote, voters, records) {
    voters.forEach((voter, i) => save(meeting, vote, voter, records[i]));
}

// The server took the ballots: they are cast.
export function confirm(meeting, vote, voters) {
    for (const voter of voters) {
        const r = load(meeting, vote, voter);
        if (r) {
            save(meeting, vote, voter, { ...r, previous: '', state: 'cast' });
        }
    }
}

// The server refused them: back to what was cast before (`olds` as loaded
// before begin()), or to nothing.
export function abandon(meeting, vote, voters, olds) {
    voters.forEach((voter, i) => save(meeting, vote, voter, olds[i] || null));
}
