# SPDX-License-Identifier: AGPL-3.0-or-later
"""Hostile and mistaken vote commands over real WebSockets: each gets its
typed error and changes nothing (the log's head, the votes, proxies and
recusals of the snapshot, the ballots in the database), and the server goes
on serving.

The roster (votes_helpers.roster) has three members in each college, b1..b3
(bailleurs) and l1..l3 (locataires), a chair, a secretary and an observer.
Everybody is connected and the grace period is long, so that nothing but the
commands under test could move the log.
"""
import json

import pytest

from harness import Client
from votes_helpers import VoteRoom, db_connect, receipt

EVERYONE = ("chair", "secretary", "observer", "b1", "b2", "b3", "l1", "l2", "l3")


def state(r):
    """What a refused command must leave as it was."""
    snap = r.snap()
    with db_connect(r.server) as db:
        rows = db.execute("SELECT * FROM secret_ballots WHERE meeting = ? ORDER BY receipt", (r.id,)).fetchall()
        casts = db.execute("SELECT count(*) FROM events WHERE meeting = ? AND type = 'ballot.cast'",
                           (r.id,)).fetchone()[0]
    return {"seq": snap["seq"], "head": snap["head"], "votes": snap["votes"], "proxies": snap["proxies"],
            "recusals": snap["recusals"], "secret_ballots": rows, "ballot.cast": casts}


class Unchanged:
    """with Unchanged(r): ... -- the block must leave the meeting as it was."""

    def __init__(self, r):
        self.r = r

    def __enter__(self):
        self.before = state(self.r)
        return self

    def __exit__(self, kind, value, tb):
        if kind is None:
            after = state(self.r)
            assert after == self.before, "a refused command changed the meeting:\nbefore %s\nafter  %s" % (
                json.dumps(self.before, default=str)[:3000], json.dumps(after, default=str)[:3000])
        return False


def raw(c, msg):
    """Send `msg` as JSON exactly as given (schema or not) and return the reply."""
    c.send_raw(json.dumps(msg))
    return c.reply(msg.get("id"))


def refused_raw(c, msg, code):
    rep = raw(c, msg)
    assert rep["type"] == "error" and rep["body"]["code"] == code, "%s: expected %s, got %s" % (msg, code, rep)
    assert rep["body"]["message"]
    return rep["body"]


@pytest.fixture
def room(server):
    r = VoteRoom(server)
    r.connect(*EVERYONE)
    r.open_meeting(grace=30)
    return r


def test_one_member_voting_on_two_connections_is_counted_once(room):
    r = room
    vote = r.prepare()
    r.open_vote(vote)
    other = r.second_connection("b1")
    r.cast("b1", vote, "yes")
    assert other.command("vote.cast", {"vote": vote, "choice": "no"})
    for k in range(50):  # and a flood of changes of mind
        (r.c["b1"] if k % 2 else other).command("vote.cast", {"vote": vote, "choice": ("yes", "no")[k % 2]})
    other.command("vote.cast", {"vote": vote, "choice": "yes"})  # the last one counts
    assert r.vote_in_snapshot(vote)["voted"] == 1
    closed = r.close_vote(vote)["body"]
    assert closed["counts"] == [1, 0, 0] and closed["voted"] == 1
    assert closed["voters"] == [r.pid("b1")]


def test_two_first_secret_ballots_racing_on_two_connections_count_once(room):
    r = room
    vote = r.prepare(mode="secret")
    r.open_vote(vote)
    a, b = r.c["l2"], r.second_connection("l2")
    ra, rb = receipt(), receipt()
    a.send({"type": "vote.cast", "id": "race-a", "key": "race-a", "body": {"vote": vote, "choice": "yes",
                                                                           "receipts": [ra]}})
    b.send({"type": "vote.cast", "id": "race-b", "key": "race-b", "body": {"vote": vote, "choice": "no",
                                                                           "receipts": [rb]}})
    answers = {"a": a.reply("race-a"), "b": b.reply("race-b")}
    kinds = sorted(m["type"] if m["type"] == "ok" else m["body"]["code"] for m in answers.values())
    assert kinds == ["conflict", "ok"], answers
    won = (ra, "yes") if answers["a"]["type"] == "ok" else (rb, "no")
    with db_connect(r.server) as db:
        rows = db.execute("SELECT receipt, choice FROM secret_ballots WHERE meeting = ? AND vote = ?",
                          (r.id, vote)).fetchall()
    assert rows == [won]
    assert r.vote_in_snapshot(vote)["voted"] == 1


def test_a_ballot_for_an_option_that_does_not_exist_is_invalid(room):
    r = room
    vote = r.prepare("Quel scénario ?", kind="choice", options=["Scénario A", "Scénario B"])
    r.open_vote(vote)
    with Unchanged(r):
        for choice in ("yes", "Scénario C", "scénario a", "Scénario A ", "abstention"):
            assert r.refuse("b2", "vote.cast", "invalid", {"vote": vote, "choice": choice})["message"]
        refused_raw(r.c["b2"], {"type": "vote.cast", "id": 1, "key": "empty-choice",
                                "body": {"vote": vote, "choice": ""}}, "invalid")
    r.cast("b2", vote, "Scénario B")
    r.cast("b3", vote, "abstain")


def test_a_ballot_in_a_vote_of_another_meeting_is_refused_and_changes_neither(room, server):
    r = room
    other = VoteRoom(server)
    other.connect("chair", "b1")
    other.open_meeting(grace=30)
    theirs = other.prepare()
    other.open_vote(theirs)  # v1 open over there
    mine = r.prepare()  # v1 prepared here, and v2
    v2 = r.prepare("Deuxième question")
    assert (theirs, mine, v2) == ("v1", "v1", "v2")
    other_before = state(other)
    with Unchanged(r):
        r.refuse("b1", "vote.cast", "bad_state", {"vote": "v1", "choice": "yes"})  # ours is not open
        r.refuse("b1", "vote.cast", "bad_state", {"vote": "v2", "choice": "yes"})
        r.refuse("b1", "vote.cast", "not_found", {"vote": "v3", "choice": "yes"})
        r.refuse("chair", "vote.close", "bad_state", {"vote": "v1"})
        # a token of this meeting on a connection to the other one
        c = Client(server, other.id)
        assert c.hello(r.token("b1"), expect="error")["code"] == "bad_token"
    assert state(other) == other_before
    other.cast("b1", theirs, "no")


def test_members_and_the_secretary_may_not_run_a_vote(room):
    r = room
    vote = r.prepare()
    with Unchanged(r):
        r.refuse("b1", "vote.prepare", "forbidden", {"question": "Q"})
        r.refuse("b1", "vote.open", "forbidden", {"vote": vote})
        r.refuse("secretary", "vote.open", "forbidden", {"vote": vote})
        r.refuse("observer", "vote.open", "forbidden", {"vote": vote})
        r.refuse("l3", "vote.cancel", "forbidden", {"vote": vote})
    r.open_vote(vote)
    r.cast("b1", vote, "yes")
    with Unchanged(r):
        r.refuse("b1", "vote.close", "forbidden", {"vote": vote})
        r.refuse("secretary", "vote.close", "forbidden", {"vote": vote})
        r.refuse("secretary", "vote.cancel", "forbidden", {"vote": vote})
        r.refuse("chair", "vote.cast", "forbidden", {"vote": vote, "choice": "no"})
        r.refuse("secretary", "vote.cast", "forbidden", {"vote": vote, "choice": "no"})
        r.refuse("observer", "vote.cast", "forbidden", {"vote": vote, "choice": "no"})
        r.refuse("b1", "vote.publish", "forbidden", {"vote": vote})
        r.refuse("chair", "vote.publish", "bad_state", {"vote": vote})
        r.refuse("chair", "vote.open", "bad_state", {"vote": vote})
    r.close_vote(vote)
    with Unchanged(r):
        r.refuse("l1", "vote.publish", "forbidden", {"vote": vote})
        r.refuse("chair", "vote.cancel", "bad_state", {"vote": vote})


def test_a_ballot_after_the_close_is_refused_with_a_clear_error(room):
    r = room
    vote = r.prepare(mode="secret")
    r.open_vote(vote)
    mine = receipt()
    r.cast("l1", vote, "yes", receipts=[mine])
    r.close_vote(vote)
    with Unchanged(r):
        err = r.refuse("l1", "vote.cast", "bad_state", {"vote": vote, "choice": "no", "receipts": [receipt()],
                                                        "replaces": [mine]})
        assert err["message"]
        r.refuse("l2", "vote.cast", "bad_state", {"vote": vote, "choice": "no", "receipts": [receipt()]})
        r.refuse("chair", "vote.close", "bad_state", {"vote": vote})


def test_a_ballot_from_someone_not_entitled_is_forbidden(room, server):
    r = room
    other = VoteRoom(server)  # its members are strangers here
    r.do("b2", "proxy.give", {"to": r.pid("b1")})  # b2 stays connected: they vote themselves
    r.do("l2", "recusal.declare", {})
    r.do("l3", "proxy.give", {"to": r.pid("l1")})
    r.do("secretary", "recusal.declare", {"participant": r.pid("l3")})
    vote = r.prepare()
    r.open_vote(vote)
    with Unchanged(r):
        r.refuse("l2", "vote.cast", "forbidden", {"vote": vote, "choice": "yes"})  # recused
        r.refuse("l1", "vote.cast", "forbidden", {"vote": vote, "choice": "yes", "for": r.pid("l3")})
        r.refuse("b1", "vote.cast", "forbidden", {"vote": vote, "choice": "yes", "for": r.pid("b2")})  # present
        r.refuse("b1", "vote.cast", "forbidden", {"vote": vote, "choice": "yes", "for": r.pid("b3")})  # no proxy
        r.refuse("b3", "vote.cast", "forbidden", {"vote": vote, "choice": "yes", "for": r.pid("l1")})
        r.refuse("b1", "vote.cast", "not_found", {"vote": vote, "choice": "yes", "for": "nobody"})
        r.refuse("b1", "vote.cast", "not_found", {"vote": vote, "choice": "yes", "for": other.pid("b1")})
        r.refuse("l2", "vote.cast", "forbidden", {"vote": vote, "choice": "yes", "all": True})
    r.cast("l1", vote, "yes", all=True)  # only their own: l3 is recused
    assert r.vote_in_snapshot(vote)["voted"] == 1


def test_proxies_to_oneself_in_chains_or_across_colleges_are_refused(room):
    r = room
    with Unchanged(r):
        r.refuse("b1", "proxy.give", "invalid", {"to": r.pid("b1")})
        r.refuse("b1", "proxy.give", "invalid", {"to": r.pid("l1")})  # the other college
        r.refuse("b1", "proxy.give", "invalid", {"to": r.pid("chair")})
        r.refuse("b1", "proxy.give", "invalid", {"to": r.pid("observer")})
        r.refuse("b1", "proxy.give", "not_found", {"to": "nobody"})
        r.refuse("secretary", "proxy.record", "invalid", {"from": r.pid("l1"), "to": r.pid("l1")})
        r.refuse("secretary", "proxy.record", "invalid", {"from": r.pid("l1"), "to": r.pid("b1")})
        r.refuse("b1", "proxy.record", "forbidden", {"from": r.pid("b2"), "to": r.pid("b1")})
        r.refuse("chair", "proxy.give", "forbidden", {"to": r.pid("b1")})
        r.refuse("b1", "proxy.revoke", "not_found", {})
    r.do("b1", "proxy.give", {"to": r.pid("b2")})  # A to B
    with Unchanged(r):
        r.refuse("b2", "proxy.give", "invalid", {"to": r.pid("b3")})  # then B to C: a chain
        r.refuse("b3", "proxy.give", "invalid", {"to": r.pid("b1")})  # C to A: a chain too
        r.refuse("b2", "proxy.give", "invalid", {"to": r.pid("b1")})  # back to A: a loop
        r.refuse("b3", "proxy.give", "conflict", {"to": r.pid("b2")})  # B holds one already
        r.refuse("b1", "proxy.give", "conflict", {"to": r.pid("b3")})  # A gave one already
        r.refuse("b2", "proxy.revoke", "forbidden", {"from": r.pid("b1")})  # only the giver
        r.refuse("secretary", "proxy.revoke", "bad_message", {})
    # the commission may allow proxies across colleges: then it is accepted
    r.do("chair", "meeting.configure", {"proxy_college": False})
    r.do("l1", "proxy.give", {"to": r.pid("b3")})
    assert {(p["from"], p["to"]) for p in r.snap()["proxies"]} == {
        (r.pid("b1"), r.pid("b2")), (r.pid("l1"), r.pid("b3"))}


def test_proxies_and_recusals_are_frozen_while_a_vote_is_open(room):
    r = room
    r.do("b3", "proxy.give", {"to": r.pid("b1")})
    vote = r.prepare()
    r.open_vote(vote)
    with Unchanged(r):
        r.refuse("b3", "proxy.revoke", "bad_state", {})
        r.refuse("secretary", "proxy.revoke", "bad_state", {"from": r.pid("b3")})
        r.refuse("l1", "recusal.declare", "bad_state", {})
        r.refuse("secretary", "recusal.declare", "bad_state", {"participant": r.pid("l2"), "item": "i1"})
        r.refuse("l1", "recusal.declare", "forbidden", {"participant": r.pid("l2")})
        r.refuse("l1", "recusal.withdraw", "bad_state", {})
    r.close_vote(vote)
    r.do("b3", "proxy.revoke", {})


def test_malformed_ballots_get_typed_errors_and_change_nothing(room):
    r = room
    named = r.prepare()
    r.open_vote(named)
    r.cast("b1", named, "yes")
    c = r.c["b3"]

    def cast(body, code, key="malformed"):
        msg = {"type": "vote.cast", "id": 7, "body": body}
        if key:
            msg["key"] = key
        refused_raw(c, msg, code)

    with Unchanged(r):
        cast({"vote": named, "choice": 1}, "bad_message")
        cast({"vote": named, "choice": ["yes"]}, "bad_message")
        cast({"vote": named}, "bad_message")
        cast({"choice": "yes"}, "bad_message")
        cast({"vote": named, "choice": "yes", "weight": 2}, "bad_message")
        cast({"vote": named, "choice": "yes", "all": "yes"}, "bad_message")
        cast({"vote": named, "choice": "yes", "for": r.pid("b1"), "all": True}, "bad_message")
        cast({"vote": named, "choice": "yes", "receipts": "abc"}, "bad_message")
        cast({"vote": named, "choice": "yes", "receipts": [receipt()]}, "invalid")  # named: no receipt
        cast({"vote": named, "choice": "yes"}, "bad_message", key=None)
        cast({"vote": "V1!", "choice": "yes"}, "invalid")
        cast({"vote": named, "choice": "x" * 201}, "too_large")
    r.close_vote(named)
    secret = r.prepare(mode="secret")
    r.open_vote(secret)
    mine = receipt()
    r.cast("b3", secret, "no", receipts=[mine])
    with Unchanged(r):
        cast({"vote": secret, "choice": "yes"}, "invalid")  # a secret ballot needs its receipt
        cast({"vote": secret, "choice": "yes", "receipts": [receipt()]}, "conflict")  # needs `replaces`
        cast({"vote": secret, "choice": "yes", "receipts": [receipt()], "replaces": [receipt()]}, "invalid")
        cast({"vote": secret, "choice": "yes", "receipts": ["short"], "replaces": [mine]}, "invalid")
        cast({"vote": secret, "choice": "yes", "receipts": ["x" * 65], "replaces": [mine]}, "invalid")
        cast({"vote": secret, "choice": "yes", "receipts": ["a+b/c=d" * 4], "replaces": [mine]}, "invalid")
        cast({"vote": secret, "choice": "yes", "receipts": [receipt(), receipt()], "replaces": [mine]},
             "invalid")
        cast({"vote": secret, "choice": "yes", "receipts": [receipt()] * 1001}, "too_large")
        cast({"vote": secret, "choice": "yes", "receipts": [receipt()], "replaces": [mine, mine]}, "invalid")
        # first ballots that name a replaced receipt, or repeat a receipt in use
        r.refuse("l1", "vote.cast", "invalid", {"vote": secret, "choice": "yes", "receipts": [receipt()],
                                                "replaces": [mine]})
        r.refuse("l1", "vote.cast", "conflict", {"vote": secret, "choice": "yes", "receipts": [mine]})
    r.cast("b3", secret, "yes", receipts=[receipt()], replaces=[mine])
    assert r.vote_in_snapshot(secret)["voted"] == 1
    c.ping()  # still served


def test_a_replaced_receipt_of_another_vote_is_invalid(room):
    r = room
    first = r.prepare(mode="secret")
    r.open_vote(first)
    old = receipt()
    r.cast("l3", first, "yes", receipts=[old])
    r.close_vote(first)
    second = r.prepare(mode="secret")
    r.open_vote(second)
    mine = receipt()
    r.cast("l3", second, "no", receipts=[mine])
    with Unchanged(r):
        r.refuse("l3", "vote.cast", "invalid", {"vote": second, "choice": "yes", "receipts": [receipt()],
                                                "replaces": [old]})
    r.cast("l3", second, "yes", receipts=[receipt()], replaces=[mine])


def test_a_receipt_of_another_members_secret_ballot_replaces_nothing(room):
    """b1 learnt b2's receipt: naming it in `replaces` is refused like an
    unknown receipt, and b2's ballot still counts; b1 may still change their
    own ballot."""
    r = room
    vote = r.prepare(mode="secret")
    r.open_vote(vote)
    mine, theirs = receipt(), receipt()
    r.cast("b1", vote, "yes", receipts=[mine])
    r.cast("b2", vote, "no", receipts=[theirs])
    with Unchanged(r):
        r.refuse("b1", "vote.cast", "invalid", {"vote": vote, "choice": "yes", "receipts": [receipt()],
                                                "replaces": [theirs]})
    r.cast("b1", vote, "abstain", receipts=[receipt()], replaces=[mine])
    counts = r.close_vote(vote)["body"]["counts"]
    assert counts == [0, 1, 1], counts  # b2's "no" stands, b1's last ballot counts once


def test_a_receipt_of_another_members_ballot_replaces_nothing_after_a_restart_either(spawn):
    """The server is killed mid-vote and restarted: what it held in memory
    is gone, yet b1, who learnt b2's receipt, still cannot replace b2's
    ballot; b1's own receipt still replaces b1's."""
    srv = spawn()
    srv.start()
    r = VoteRoom(srv)
    r.connect(*EVERYONE)
    r.open_meeting(grace=30)
    vote = r.prepare(mode="secret")
    r.open_vote(vote)
    mine, theirs = receipt(), receipt()
    r.cast("b1", vote, "yes", receipts=[mine])
    r.cast("b2", vote, "no", receipts=[theirs])
    for c in r.c.values():
        c.close()
    srv.kill()
    srv.start()
    r.connect(*EVERYONE, settle=False)
    with Unchanged(r):
        r.refuse("b1", "vote.cast", "invalid", {"vote": vote, "choice": "yes", "receipts": [receipt()],
                                                "replaces": [theirs]})
    r.cast("b1", vote, "abstain", receipts=[receipt()], replaces=[mine])
    counts = r.close_vote(vote)["body"]["counts"]
    assert counts == [0, 1, 1], counts


def test_a_proxy_holder_replaces_only_the_ballots_they_cast(room):
    """b1 holds b3's proxy: b1 may replace the ballot they cast for b3 with
    its receipt, not b2's ballot through b3's place, nor b3's through their own."""
    r = room
    r.do("chair", "meeting.configure", {"grace": 1})
    r.do("b3", "proxy.give", {"to": r.pid("b1")})
    r.leave("b3")
    vote = r.prepare(mode="secret")
    r.open_vote(vote)
    own, held, other = receipt(), receipt(), receipt()
    r.cast("b1", vote, "yes", all=True, receipts=[own, held])
    r.cast("b2", vote, "no", receipts=[other])
    with Unchanged(r):
        r.refuse("b1", "vote.cast", "invalid", {"vote": vote, "choice": "yes", "for": r.pid("b3"),
                                                "receipts": [receipt()], "replaces": [other]})
        r.refuse("b1", "vote.cast", "invalid", {"vote": vote, "choice": "no", "receipts": [receipt()],
                                                "replaces": [held]})
    r.cast("b1", vote, "no", for_=r.pid("b3"), receipts=[receipt()], replaces=[held])
    counts = r.close_vote(vote)["body"]["counts"]
    assert counts == [1, 2, 0], counts


def test_a_named_ballot_names_no_receipt_to_replace(room):
    """In a named vote a new ballot replaces only the caster's own (or the one
    they cast for a giver): `replaces` is refused and the other ballot stands."""
    r = room
    vote = r.prepare()
    r.open_vote(vote)
    r.cast("b1", vote, "yes")
    r.cast("b2", vote, "no")
    with Unchanged(r):
        r.refuse("b1", "vote.cast", "invalid", {"vote": vote, "choice": "yes", "receipts": [receipt()],
                                                "replaces": [receipt()]})
    r.cast("b1", vote, "yes")
    closed = r.close_vote(vote)["body"]
    assert closed["counts"] == [1, 1, 0] and closed["voted"] == 2, closed
