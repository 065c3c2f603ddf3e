# SPDX-License-Identifier: AGPL-3.0-or-later
"""A vote in a large meeting (more than 200 participants, PROTOCOL.md 4.5):
members and observers receive `vote.opened` and `vote.closed` abridged,
without the lists of members entitled, present and voting (hundreds of KB at
ten thousand members), live and on resume; the chair and the secretary
receive them whole; the hash is the whole event's, as in the log; members
still vote, and the rule still refuses a recused one; the named ballots left
out are in the full snapshot and, once published, in the ballots route. In a
small meeting everyone receives both whole.
"""
from harness import SCHEMA, chain_link
from votes_helpers import VoteRoom, db_events

PEOPLE = ("chair", "secretary", "observer", "b1", "b2", "l1")


def vote_opened(client, vote):
    return client.wait_event("vote.opened", vote=vote)


def vote_closed(client, vote):
    return client.wait_event("vote.closed", vote=vote)


HEAD = ("seq", "ts", "actor", "type", "hash")


def test_members_of_a_large_meeting_get_vote_opened_abridged_and_still_vote(server):
    r = VoteRoom(server, per_college=101)  # 202 members, a chair, a secretary, an observer
    assert len(r.snap()["participants"]) == 205
    r.connect(*PEOPLE)
    r.open_meeting(grace=1)
    r.do("l1", "recusal.declare", {})
    vote = r.prepare()
    whole = r.open_vote(vote)
    seen = {w: vote_opened(r.c[w], vote) for w in PEOPLE}

    body = whole["body"]
    assert body["entitled_n"] == 201 and len(body["entitled"]) == 201, "202 members, one recused"
    assert sorted(body["present"]) == sorted(r.pid(w) for w in ("b1", "b2", "l1"))
    for w in ("chair", "secretary"):
        assert seen[w] == whole, "the bureau gets the whole event"
    short = {k: v for k, v in body.items() if k not in ("entitled", "present")}
    short.update(present_n=3, abridged=True)
    for w in ("observer", "b1", "b2", "l1"):
        ev = seen[w]
        assert ev["body"] == short, (w, ev["body"])
        assert {k: ev[k] for k in ("seq", "ts", "actor", "type", "hash")} == \
            {k: whole[k] for k in ("seq", "ts", "actor", "type", "hash")}
        SCHEMA.check("event.vote.opened.json", ev["body"])

    # The log holds the whole body; the hash is its link in the chain.
    logged = {e["seq"]: e for e in db_events(server, r.id)}
    assert logged[whole["seq"]]["body"] == body
    assert chain_link(logged[whole["seq"] - 1]["hash"], logged[whole["seq"]]) == whole["hash"]

    # Members vote without the list; the recused one is refused.
    r.cast("b1", vote, "yes")
    r.cast("b2", vote, "no")
    r.refuse("l1", "vote.cast", "forbidden", {"vote": vote, "choice": "yes"})

    # On resume too: a member gets it abridged, the secretary whole.
    since = whole["seq"] - 1
    for w in ("b2", "secretary"):
        r.c[w].close()
        r.connect(w, since=since, settle=False)
        assert r.c[w].welcome["mode"] == "resume"
        again = vote_opened(r.c[w], vote)
        assert again == (whole if w == "secretary" else seen["b2"]), (w, again)

    closed = r.close_vote(vote)["body"]
    assert (closed["voted"], closed["counts"]) == (2, [1, 1, 0])


def test_in_a_small_meeting_everyone_gets_vote_opened_whole(server):
    r = VoteRoom(server)
    r.connect(*PEOPLE)
    r.open_meeting(grace=1)
    vote = r.prepare()
    whole = r.open_vote(vote)
    for w in PEOPLE:
        ev = vote_opened(r.c[w], vote)
        assert ev == whole and "abridged" not in ev["body"] and len(ev["body"]["entitled"]) == 6


def test_members_of_a_large_meeting_get_vote_closed_abridged(server):
    r = VoteRoom(server, per_college=101)
    r.connect(*PEOPLE)
    r.open_meeting(grace=1)
    vote = r.prepare(mode="named")
    r.open_vote(vote)
    r.cast("b1", vote, "yes")
    r.cast("b2", vote, "no")
    r.cast("l1", vote, "yes")
    whole = r.close_vote(vote)
    seen = {w: vote_closed(r.c[w], vote) for w in PEOPLE}

    body = whole["body"]
    assert (body["voted"], body["counts"]) == (3, [2, 1, 0])
    assert sorted(body["present"]) == sorted(r.pid(w) for w in ("b1", "b2", "l1"))
    assert sorted(body["voters"]) == sorted(r.pid(w) for w in ("b1", "b2", "l1"))
    SCHEMA.check("event.vote.closed.json", body)
    for w in ("chair", "secretary"):
        assert seen[w] == whole, "the bureau gets the whole event"
    short = {k: v for k, v in body.items() if k not in ("present", "voters", "by", "choices")}
    short.update(present_n=3, abridged=True)
    for w in ("observer", "b1", "b2", "l1"):
        ev = seen[w]
        assert ev["body"] == short, (w, ev["body"])
        assert {k: ev[k] for k in HEAD} == {k: whole[k] for k in HEAD}
        SCHEMA.check("event.vote.closed.json", ev["body"])

    # The log holds the whole body; the hash is its link in the chain.
    logged = {e["seq"]: e for e in db_events(server, r.id)}
    assert logged[whole["seq"]]["body"] == body
    assert chain_link(logged[whole["seq"] - 1]["hash"], logged[whole["seq"]]) == whole["hash"]

    # On resume too: a member gets it abridged, the secretary whole.
    since = whole["seq"] - 1
    for w in ("b2", "secretary"):
        r.c[w].close()
        r.connect(w, since=since, settle=False)
        assert r.c[w].welcome["mode"] == "resume"
        again = vote_closed(r.c[w], vote)
        assert again == (whole if w == "secretary" else seen["b2"]), (w, again)

    # The named ballots left out: in the full snapshot at once, in the
    # ballots route once published.
    named = sorted((b["voter"], b["choice"]) for b in r.vote_in_snapshot(vote)["result"]["ballots"])
    assert named == sorted(zip(body["voters"], [("yes", "no", "abstain")[c] for c in body["choices"]]))
    r.ballots(vote, who="b1", status=409)
    r.do("chair", "vote.publish", {"vote": vote})
    listed = r.ballots(vote, who="b1")["ballots"]
    assert sorted((b["voter"], b["choice"]) for b in listed) == named


def test_in_a_small_meeting_everyone_gets_vote_closed_whole(server):
    r = VoteRoom(server)
    r.connect(*PEOPLE)
    r.open_meeting(grace=1)
    vote = r.prepare(mode="named")
    r.open_vote(vote)
    r.cast("b1", vote, "yes")
    whole = r.close_vote(vote)
    for w in PEOPLE:
        ev = vote_closed(r.c[w], vote)
        assert ev == whole and "abridged" not in ev["body"] and ev["body"]["voters"] == [r.pid("b1")]
