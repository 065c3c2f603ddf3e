# SPDX-License-Identifier: AGPL-3.0-or-later
"""A server killed with SIGKILL in the middle of a vote, with dozens of members
voting at once, then restarted on the same database.

Each member sends a ballot every few milliseconds without waiting for the
answers (each one changing their choice; in a secret vote each replacing the
receipt of the one before), and the server is killed halfway, with ballots in
flight. Then, from the database and over new connections:
- every acknowledged ballot is there, at the seq its `ok` gave;
- what was committed of each member's run is a prefix of what they sent, and
  holds each ballot once (one row per member in the table of secret ballots);
- the vote is still open, `voted` counts each voter once, the chain verifies;
- the unanswered ballots retried with their keys converge on each member's
  last choice, and the result counts exactly one ballot per member.
A vote whose deadline passed while the server was down is closed when the
meeting is next loaded, by `system`, and a ballot arriving in that same turn
is refused.
"""
import asyncio
import itertools
import json
import time

import websockets
from websockets.frames import Frame, Opcode

import harness
from harness import Client
from votes_helpers import VoteRoom, db_connect, db_events, db_verify_chain, receipt

PER_COLLEGE = 15  # 30 members
ROUNDS = 20
CHOICES = ("yes", "no", "abstain")


def send_together(c, *msgs):
    """Send `msgs` as WebSocket frames written to the socket at once, so that
    the server reads them together."""
    data = b""
    for m in msgs:
        harness.SCHEMA.check("client.json", m)
        data += Frame(Opcode.TEXT, json.dumps(m).encode("utf-8")).serialize(mask=True)
    loop = harness._event_loop()
    loop.call_soon_threadsafe(c.ws.transport.write, data)


def replies_of(srv, meeting):
    """{(participant, key): seq} of every command the database says was committed."""
    with db_connect(srv) as db:
        return {(p, k): s for p, k, s in db.execute(
            "SELECT participant, key, seq FROM replies WHERE meeting = ?", (meeting,))}


def vote_under_fire(srv, r, vote, secret):
    """Every member sends a ballot every few milliseconds, without waiting for
    the answers, each one changing their choice; the server is killed halfway,
    right after a round was queued on the sockets, so that ballots are in
    flight, committed but not answered, or answered. Returns (sent: member ->
    [command], acked: rid -> seq)."""
    sent = {w: [] for w in r.members}
    rid = itertools.count(1000)
    loop = harness._event_loop()
    writes = []
    for k in range(ROUNDS):
        for i, w in enumerate(r.members):
            choice = CHOICES[(i + k) % 3]
            body = {"vote": vote, "choice": choice}
            cmd = {"rid": next(rid), "key": "%s-ballot-%d" % (w, k), "choice": choice, "who": w}
            if secret:
                cmd["receipt"] = receipt()
                body["receipts"] = [cmd["receipt"]]
                if k:
                    body["replaces"] = [sent[w][-1]["receipt"]]
            cmd["body"] = body
            sent[w].append(cmd)
            msg = {"type": "vote.cast", "id": cmd["rid"], "key": cmd["key"], "body": body}
            harness.SCHEMA.check("client.json", msg)
            writes.append(asyncio.run_coroutine_threadsafe(r.c[w].ws.send(json.dumps(msg)), loop))
        if k == ROUNDS // 2:
            srv.kill()  # with this round on its way
            break
        time.sleep(0.01)
    for f in writes:
        try:
            f.result(5)
        except websockets.ConnectionClosed:
            pass  # it never left
    acked = {}
    for w in r.members:
        r.c[w].wait_closed(timeout=5)
        for m in r.c[w].messages:
            if m["type"] == "ok" and isinstance(m.get("id"), int) and m["id"] >= 1000:
                acked[m["id"]] = m["body"]["seq"]
            assert m["type"] != "error", "a ballot was refused under load: %r" % m
    assert acked, "no ballot was answered before the kill"
    return sent, acked


def check_after_restart(srv, r, vote, secret, sent, acked):
    """The database after the restart, against what was sent and acknowledged.
    Returns member -> the last committed command (or None)."""
    evs = {ev["seq"]: ev for ev in db_verify_chain(srv, r.id)}
    committed = replies_of(srv, r.id)
    last = {}
    for w, cmds in sent.items():
        pid = r.pid(w)
        done = [c for c in cmds if (pid, c["key"]) in committed]
        assert done == cmds[:len(done)], "%s: committed ballots are not a prefix of those sent" % w
        for c in cmds:
            if c["rid"] in acked:
                assert c in done, "%s: an acknowledged ballot is lost: %r" % (w, c["key"])
                assert committed[(pid, c["key"])] == acked[c["rid"]]
        for c in done:
            ev = evs[committed[(pid, c["key"])]]
            assert ev["type"] == "ballot.cast" and ev["actor"] == pid
            assert ev["body"] == {"vote": vote, "voter": pid, "by": "", "choice": "" if secret else c["choice"]}
        casts = [ev for ev in evs.values() if ev["type"] == "ballot.cast" and ev["body"]["voter"] == pid]
        assert len(casts) == len(done), "%s: %d ballot.cast for %d committed ballots" % (w, len(casts), len(done))
        last[w] = done[-1] if done else None
    if secret:
        with db_connect(srv) as db:
            rows = db.execute("SELECT receipt, college, choice FROM secret_ballots WHERE meeting = ? AND vote = ?",
                              (r.id, vote)).fetchall()
        want = sorted((c["receipt"], r.m.participants[r.pid(w)]["college"], c["choice"])
                      for w, c in last.items() if c)
        assert sorted(rows) == want, "the table of secret ballots is not one row per voter's last ballot"
    return last


def retry_unanswered(srv, r, sent, acked):
    """Each member sends again, with the same keys, what was not answered."""
    for w, cmds in sent.items():
        pending = [c for c in cmds if c["rid"] not in acked]
        if not pending:
            continue
        c = Client(srv, r.id)
        c.hello(r.token(w))
        for cmd in pending:
            reply = c.request("vote.cast", cmd["body"], cmd["key"])
            assert reply["type"] == "ok", "%s: retry of %s: %r" % (w, cmd["key"], reply)
        c.close()


def crash_in_the_middle_of_a_vote(spawn, secret):
    srv = spawn().start()
    r = VoteRoom(srv, per_college=PER_COLLEGE)
    r.connect("chair", "observer", *r.members)
    r.open_meeting(grace=60)
    vote = r.prepare(mode="secret" if secret else "named")
    r.open_vote(vote)
    sent, acked = vote_under_fire(srv, r, vote, secret)

    srv.start()
    last = check_after_restart(srv, r, vote, secret, sent, acked)
    voters = sum(1 for c in last.values() if c)
    sv = r.vote_in_snapshot(vote)
    assert (sv["state"], sv["voted"], sv["entitled"]) == ("open", voters, 2 * PER_COLLEGE)

    retry_unanswered(srv, r, sent, acked)
    final = {w: cmds[-1] for w, cmds in sent.items()}
    assert check_after_restart(srv, r, vote, secret, sent, {}) == final
    r.connect("chair", settle=False)
    closed = r.close_vote(vote)["body"]
    want = [sum(1 for c in final.values() if c["choice"] == o) for o in CHOICES]
    assert closed["counts"] == want
    assert closed["voted"] == sum(closed["counts"]) == 2 * PER_COLLEGE
    if secret:
        r.do("chair", "vote.publish", {"vote": vote})
        listed = r.ballots(vote)["ballots"]
        assert sorted((b["receipt"], b["choice"]) for b in listed) == sorted(
            (c["receipt"], c["choice"]) for c in final.values())
    else:
        assert sorted(zip(closed["voters"], closed["choices"])) == sorted(
            (r.pid(w), CHOICES.index(c["choice"])) for w, c in final.items())
    db_verify_chain(srv, r.id)


def test_sigkill_in_the_middle_of_a_named_vote_loses_no_acknowledged_ballot(spawn):
    crash_in_the_middle_of_a_vote(spawn, secret=False)


def test_sigkill_in_the_middle_of_a_secret_vote_loses_no_acknowledged_ballot(spawn):
    crash_in_the_middle_of_a_vote(spawn, secret=True)


def test_a_vote_whose_deadline_passed_while_the_server_was_down_is_closed_at_restart(spawn):
    srv = spawn().start()
    r = VoteRoom(srv, per_college=6)
    r.connect("chair", *r.members)
    r.open_meeting(grace=60)
    vote = r.prepare(duration=3)
    opened = r.open_vote(vote)
    deadline = opened["body"]["deadline"]
    acked = {}
    for i, w in enumerate(r.members):
        acked[r.pid(w)] = CHOICES[i % 3]
        r.cast(w, vote, acked[r.pid(w)])
    srv.kill()
    while time.time() * 1000 < deadline + 300:
        time.sleep(0.05)
    srv.start()
    # the meeting is loaded by this hello; the ballot right behind it, in the
    # same packet and so the same loop turn, comes after the deadline
    c = Client(srv, r.id)
    send_together(c, {"type": "hello", "id": 1, "body": {"token": r.token("b1")}},
                  {"type": "vote.cast", "id": 2, "key": "late-ballot", "body": {"vote": vote, "choice": "no"}})
    # an error needs no commit: it may overtake the welcome, sent at the end of the turn
    got = {}
    while len(got) < 2:
        m = c.next_reply()
        got[m["id"]] = m
    welcome, late = got[1]["body"], got[2]
    assert late["type"] == "error" and late["body"]["code"] == "bad_state", late
    # closed in the turn that loaded the meeting: the welcome already shows it
    assert next(v for v in welcome["snapshot"]["votes"] if v["id"] == vote)["state"] == "closed"
    closed = next(ev for ev in db_events(srv, r.id) if ev["type"] == "vote.closed")
    assert closed["actor"] == "system" and closed["ts"] >= deadline
    want = [sum(1 for ch in acked.values() if ch == o) for o in CHOICES]
    assert closed["body"]["counts"] == want
    assert sorted(zip(closed["body"]["voters"], closed["body"]["choices"])) == sorted(
        (p, CHOICES.index(ch)) for p, ch in acked.items())
    assert r.vote_in_snapshot(vote)["state"] == "closed"
    evs = db_verify_chain(srv, r.id)
    assert [ev["type"] for ev in evs].count("vote.closed") == 1
    assert not [ev for ev in db_events(srv, r.id) if ev["type"] == "ballot.cast" and ev["seq"] > closed["seq"]]
