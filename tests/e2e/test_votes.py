# SPDX-License-Identifier: AGPL-3.0-or-later
"""Votes end to end, over real WebSockets: a named and a secret vote with
members of both colleges, proxies and a recusal; what clients see while a
vote is open (`count`, never a choice) and at its close; the list of ballots
once published; a reconnect and a retry during voting; a deadline; and the
whole database read after a secret vote.

The roster (votes_helpers.roster) has three members in each college, b1..b3
(bailleurs) and l1..l3 (locataires), a chair, a secretary and an observer.
"""
import json
import threading
import time

import pytest

from harness import Client, http_request, load_factor
from limits_helpers import sanitized
from votes_helpers import (
    VoteRoom, cells_by_offset, counts_seen, db_events, db_secret_rows, db_tables, db_verify_chain,
    receipt, wait_count,
)

EVERYONE = ("chair", "secretary", "observer", "b1", "b2", "b3", "l1", "l2", "l3")


def ballot_casts(server, meeting, vote):
    return [ev for ev in db_events(server, meeting) if ev["type"] == "ballot.cast" and ev["body"]["vote"] == vote]


def test_a_named_vote_with_both_colleges_proxies_and_a_recusal(server):
    r = VoteRoom(server)
    r.connect(*EVERYONE)
    r.open_meeting(grace=1)
    # b3 left a proxy on paper for b1; l3 gives one to l2 before leaving
    r.do("secretary", "proxy.record", {"from": r.pid("b3"), "to": r.pid("b1")})
    r.do("l3", "proxy.give", {"to": r.pid("l2")})
    r.leave("b3")
    r.leave("l3")
    # l1 has a conflict of interest on the item
    r.do("l1", "recusal.declare", {})
    snap = r.snap()
    assert sorted((p["from"], p["to"]) for p in snap["proxies"]) == sorted(
        [(r.pid("b3"), r.pid("b1")), (r.pid("l3"), r.pid("l2"))])
    assert snap["recusals"] == [{"participant": r.pid("l1"), "item": "i1"}]

    vote = r.prepare(rule="double")
    opened = r.open_vote(vote)["body"]
    assert opened["entitled_n"] == 5
    assert sorted(opened["entitled"]) == sorted(r.pid(w) for w in ("b1", "b2", "b3", "l2", "l3"))
    assert sorted(opened["present"]) == sorted(r.pid(w) for w in ("b1", "b2", "l1", "l2"))
    assert opened["quorum_met"] is True and opened["deadline"] == 0

    acks = {}
    acks["b1"] = r.cast("b1", vote, "yes", all=True)["seq"]  # own, then b3's
    acks["b2"] = r.cast("b2", vote, "no")["seq"]
    acks["l2-for-l3"] = r.cast("l2", vote, "yes", for_=r.pid("l3"))["seq"]
    acks["l2"] = r.cast("l2", vote, "yes")["seq"]
    err = r.refuse("l1", "vote.cast", "forbidden", {"vote": vote, "choice": "no"})
    assert err["message"]
    wait_count(r.c["observer"], vote, 5)
    assert all(b == {"vote": vote, "voted": b["voted"], "entitled": 5} for b in counts_seen(r.c["observer"], vote))
    # while open: k of n, never a result, never a ballot
    sv = r.vote_in_snapshot(vote)
    assert (sv["state"], sv["voted"], sv["entitled"]) == ("open", 5, 5)
    assert "result" not in sv

    closed = r.close_vote(vote)["body"]
    assert closed["counts"] == [4, 1, 0]
    assert closed["colleges"] == ["bailleurs", "locataires"]
    assert closed["college_counts"] == [2, 1, 0, 2, 0, 0]
    assert closed["passed"] is True and closed["winner"] == ""
    assert (closed["voted"], closed["entitled_n"], closed["quorum_met"]) == (5, 5, True)
    assert sorted(closed["present"]) == sorted(r.pid(w) for w in ("b1", "b2", "l1", "l2"))
    ballots = sorted(zip(closed["voters"], closed["by"], closed["choices"]))
    assert ballots == sorted([
        (r.pid("b1"), "", 0), (r.pid("b2"), "", 1), (r.pid("b3"), r.pid("b1"), 0),
        (r.pid("l2"), "", 0), (r.pid("l3"), r.pid("l2"), 0)])

    # no client ever received a ballot.cast; their seq skip exactly those events
    casts = ballot_casts(server, r.id, vote)
    assert len(casts) == 5
    assert acks["b1"] == casts[1]["seq"] and casts[1]["body"]["by"] == r.pid("b1")
    assert acks["l2"] == casts[4]["seq"] and casts[4]["body"] == {
        "vote": vote, "voter": r.pid("l2"), "by": "", "choice": "yes"}
    obs = r.c["observer"]
    obs.wait_event("vote.closed", vote=vote)
    seen = [ev["seq"] for ev in obs.events]
    assert not [ev for c in r.c.values() for ev in c.events if ev["type"] == "ballot.cast"]
    head = seen[-1]
    assert sorted(set(range(seen[0], head + 1)) - set(seen)) == [ev["seq"] for ev in casts]

    r.do("secretary", "vote.publish", {"vote": vote})
    listed = r.ballots(vote, who="b2")
    assert listed["mode"] == "named"
    assert sorted((b["voter"], b["by"], b["choice"]) for b in listed["ballots"]) == sorted([
        (r.pid("b1"), "", "yes"), (r.pid("b2"), "", "no"), (r.pid("b3"), r.pid("b1"), "yes"),
        (r.pid("l2"), "", "yes"), (r.pid("l3"), r.pid("l2"), "yes")])
    result = r.vote_in_snapshot(vote)["result"]
    assert result["passed"] is True and result["quorum_close"] is True
    assert len(result["ballots"]) == 5
    db_verify_chain(server, r.id)


def secret_vote(r, options):
    """A secret choice vote on i1 with proxies and a recusal; returns
    (vote, the current receipt and choice of each voter, every receipt made)."""
    r.connect(*EVERYONE)
    r.open_meeting(grace=1)
    r.do("secretary", "proxy.record", {"from": r.pid("b3"), "to": r.pid("b2")})
    r.do("l3", "proxy.give", {"to": r.pid("l1")})
    r.leave("b3")
    r.leave("l3")
    r.do("secretary", "recusal.declare", {"participant": r.pid("l2")})
    alpha, beta, gamma = options
    vote = r.prepare("Quel scénario pour 2021 ?", kind="choice", options=list(options), mode="secret")
    r.open_vote(vote)
    made = []

    def rc():
        made.append(receipt())
        return made[-1]

    mine = {}
    mine["b1"] = (rc(), alpha)
    r.cast("b1", vote, alpha, receipts=[mine["b1"][0]])
    mine["b2"], mine["b3"] = (rc(), gamma), (rc(), gamma)
    r.cast("b2", vote, gamma, all=True, receipts=[mine["b2"][0], mine["b3"][0]])
    mine["l1"] = (rc(), alpha)
    r.cast("l1", vote, alpha, receipts=[mine["l1"][0]])
    mine["l3"] = (rc(), beta)
    r.cast("l1", vote, beta, for_=r.pid("l3"), receipts=[mine["l3"][0]])
    # two change their mind: the new receipt replaces the old one
    old, mine["l1"] = mine["l1"][0], (rc(), gamma)
    r.cast("l1", vote, gamma, receipts=[mine["l1"][0]], replaces=[old])
    old, mine["b1"] = mine["b1"][0], (rc(), beta)
    r.cast("b1", vote, beta, receipts=[mine["b1"][0]], replaces=[old])
    r.refuse("l2", "vote.cast", "forbidden", {"vote": vote, "choice": alpha, "receipts": [receipt()]})
    return vote, mine, made


def test_a_secret_vote_is_counted_and_each_voter_finds_their_receipt(server):
    r = VoteRoom(server)
    opts = ["alpha-" + receipt()[:6], "beta-" + receipt()[:6], "gamma-" + receipt()[:6]]
    vote, mine, made = secret_vote(r, opts)
    wait_count(r.c["observer"], vote, 5)
    assert r.vote_in_snapshot(vote)["voted"] == 5
    closed = r.close_vote(vote)["body"]
    assert closed["counts"] == [0, 2, 3, 0]
    # Two ballots among the locataires (l1, and l3 by proxy): counts by
    # college would tell each of them the other's choice; none are published.
    assert closed["colleges"] == ["bailleurs", "locataires"] and closed["college_counts"] == []
    assert (closed["passed"], closed["winner"]) == (True, opts[2])
    assert (closed["voted"], closed["entitled_n"]) == (5, 5)
    assert closed["voters"] == [] and closed["by"] == [] and closed["choices"] == []
    assert r.vote_in_snapshot(vote)["result"]["ballots"] == []
    r.ballots(vote, status=409)  # not before publication
    r.do("chair", "vote.publish", {"vote": vote})
    listed = r.ballots(vote, who="l1")
    assert listed["mode"] == "secret"
    got = [(b["receipt"], b["choice"]) for b in listed["ballots"]]
    assert got == sorted(got)  # receipt order, which says nothing of who or when
    assert sorted(got) == sorted(mine.values())
    replaced = set(made) - {rc for rc, _ in mine.values()}
    assert len(replaced) == 2 and not replaced & {rc for rc, _ in got}
    db_verify_chain(server, r.id)


def test_after_a_secret_vote_no_row_of_the_database_links_a_member_to_a_choice(server):
    r = VoteRoom(server)
    opts = ["alpha-" + receipt()[:6], "beta-" + receipt()[:6], "gamma-" + receipt()[:6]]
    vote, mine, made = secret_vote(r, opts)
    r.close_vote(vote)
    r.do("chair", "vote.publish", {"vote": vote})
    members = {p["id"] for p in r.snap()["participants"] if p["role"] == "member"}
    tables = db_tables(server)
    assert tables["secret_ballots"][0] == ["meeting", "vote", "receipt", "college", "choice", "owner"]
    ours = [row for row in tables["secret_ballots"][1] if row[0] == r.id and row[1] == vote]
    assert sorted((row[2], row[4]) for row in ours) == sorted(mine.values())
    # closed: neither the college nor the owner tag is kept
    assert {(row[3], row[5]) for row in ours} == {("", None)}
    checked = 0
    for table, (columns, rows) in tables.items():
        for row in rows:
            text = [v.hex() if isinstance(v, bytes) else str(v) for v in row]
            who = {m for m in members if any(m in t for t in text)}
            what = {o for o in opts if any(o in t for t in text)}
            receipts = {rc for rc in made if any(rc in t for t in text)}
            where = "%s row %r" % (table, row)
            if table == "secret_ballots":
                assert not who, "a secret ballot names a member: " + where
                continue
            assert not receipts, "a receipt outside the table of secret ballots: " + where
            if table == "events" and row[columns.index("meeting")] == r.id:
                body = json.loads(row[columns.index("body")])
                if row[columns.index("type")] == "ballot.cast" and body["vote"] == vote:
                    assert body["choice"] == "", where
                if row[columns.index("type")] == "vote.closed" and body["vote"] == vote:
                    # present members and the winning option, never who chose it
                    assert body["voters"] == [] and body["by"] == [] and body["choices"] == [], where
                    assert what == {body["winner"]}, where
                    checked += 1
                    continue
            assert not (who and what), "a row links %s to %s: %s" % (who, what, where)
            checked += 1
    assert checked > 50
    assert len(ballot_casts(server, r.id, vote)) == 7  # every ballot, replacements included


# ---- the file, below the rows ----------------------------------------------------------------

def test_the_database_file_does_not_reveal_the_order_in_which_secret_ballots_were_stored(spawn):
    srv = spawn().start()
    r = VoteRoom(srv, per_college=4)
    r.connect("chair", *r.members)
    r.open_meeting(grace=30)
    vote = r.prepare(mode="secret")
    r.open_vote(vote)
    truth = {}
    for i, w in enumerate(r.members):  # one after the other: one commit each
        choice = ("yes", "no", "abstain")[i % 3]
        rc = receipt()
        r.cast(w, vote, choice, receipts=[rc])
        truth[r.pid(w)] = (rc, choice)
    r.close_vote(vote)
    assert srv.stop() == 0  # the log is checkpointed into the file and the WAL removed
    voters = [ev["body"]["voter"] for ev in ballot_casts(srv, r.id, vote)]
    cells = cells_by_offset(str(srv.db), "secret_ballots")
    stored = []
    for _, _, payload in sorted(cells, key=lambda c: (c[0], -c[1])):
        stored += [(rc, ch) for rc, ch in truth.values() if rc.encode() in payload]
    assert len(stored) == len(voters) == len(truth)
    linked = dict(zip(voters, stored))
    assert linked != truth, "the file alone says who chose what: %r" % linked


# ---- what clients see while the vote is open -----------------------------------------------------

def test_the_bureau_of_a_named_vote_is_told_who_has_not_voted_yet_and_nobody_else_is(server):
    r = VoteRoom(server)
    r.connect(*EVERYONE)
    r.open_meeting(grace=30)
    vote = r.prepare()
    r.open_vote(vote)
    r.cast("b1", vote, "yes")
    r.cast("l2", vote, "no")
    entitled = {r.pid(w) for w in r.members}
    chair = wait_count(r.c["chair"], vote, 2)
    assert set(chair["waiting"]) == entitled - {r.pid("b1"), r.pid("l2")}
    assert "waiting" in wait_count(r.c["secretary"], vote, 2)
    assert "waiting" not in wait_count(r.c["b3"], vote, 2)
    assert "waiting" not in wait_count(r.c["observer"], vote, 2)
    # a chair who comes back mid-vote is told within a second, with no new ballot
    again = r.second_connection("chair")
    got = wait_count(again, vote, 2)
    assert set(got["waiting"]) == entitled - {r.pid("b1"), r.pid("l2")}
    r.close_vote(vote)
    # a secret vote: nobody is told who has voted
    secret = r.prepare(mode="secret")
    r.open_vote(secret)
    r.cast("b1", secret, "yes", receipts=[receipt()])
    assert "waiting" not in wait_count(r.c["chair"], secret, 1)


def test_count_messages_come_at_most_twice_a_second_and_within_half_a_second_of_the_last_ballot(server):
    r = VoteRoom(server)
    r.connect(*EVERYONE)
    r.open_meeting(grace=30)
    vote = r.prepare()
    r.open_vote(vote)
    obs = r.c["observer"]
    arrivals = []
    stop = threading.Event()
    last_ok = []
    last_cast = [0.0]  # when the last ballot was acknowledged

    def voters():
        # about ten ballots a second from each member: under the message rate
        # a connection may keep up (PROTOCOL.md 4), sixty a second in all
        choices = ("yes", "no", "abstain")
        k = 0
        t_end = time.monotonic() + 2.5
        try:
            while time.monotonic() < t_end:
                for w in ("b1", "b2", "b3", "l1", "l2", "l3"):
                    r.cast(w, vote, choices[k % 3])
                    k += 1
                last_cast[:] = [time.monotonic()]
                time.sleep(0.1)
        finally:
            last_ok.append(time.monotonic())
            stop.set()

    t = threading.Thread(target=voters)
    t.start()
    # a busy machine delays the server's timers too, and a sanitizer slows
    # every one of its threads several times over (Debug build, checks on each access)
    slack = load_factor() * (2 if sanitized(server) else 1)
    while not stop.is_set() or time.monotonic() < last_ok[0] + 1.5 * slack:
        try:
            m = obs.recv(0.05)
        except AssertionError as e:
            if "no message within" in str(e):
                continue
            raise
        if m["type"] == "count":
            arrivals.append((time.monotonic(), m["body"]))
        assert m["type"] != "event" or m["event"]["type"] != "ballot.cast"
    t.join()
    assert len(arrivals) >= 4
    gaps = [b[0] - a[0] for a, b in zip(arrivals, arrivals[1:])]
    assert min(gaps) > 0.3, "count messages closer than half a second: %r" % gaps
    assert len(arrivals) <= 2 * (arrivals[-1][0] - arrivals[0][0]) + 2
    # the last ballot is followed by a count within half a second (it may
    # leave with its own ok): the server wakes for a count the rate held back
    # rather than wait for its one-second tick
    last = last_cast[0]
    assert [t for t, _ in arrivals if last - 0.1 < t < last + 0.5 + 0.4 * slack], \
        "no count within half a second of the last ballot: %r" % [t - last for t, _ in arrivals]
    assert arrivals[-1][1] == {"vote": vote, "voted": 6, "entitled": 6}



def test_a_ballot_held_back_by_the_rate_is_counted_half_a_second_after_the_previous_count(server):
    """A ballot that arrives just after a count went out is counted when the
    half-second has passed, not at the server's next one-second tick."""
    r = VoteRoom(server)
    r.connect(*EVERYONE)
    r.open_meeting(grace=30)
    vote = r.prepare()
    r.open_vote(vote)
    obs = r.c["observer"]
    slack = load_factor() * (2 if sanitized(server) else 1)

    def count_arrival(voted):
        deadline = time.monotonic() + 5 * slack
        while True:
            m = obs.recv(max(0.01, deadline - time.monotonic()))
            if m["type"] == "count" and m["body"]["vote"] == vote and m["body"]["voted"] == voted:
                return time.monotonic()

    r.cast("b1", vote, "yes")
    previous = count_arrival(1)
    delays = []
    for k, who in enumerate(("b2", "b3", "l1", "l2"), start=2):
        r.cast(who, vote, "no")
        arrived = count_arrival(k)
        delays.append(arrived - previous)
        previous = arrived
    assert min(delays) > 0.3, "counts closer than half a second: %r" % delays
    assert max(delays) < 0.5 + 0.3 * slack, "a held-back count waited: %r" % delays

# ---- drops, reconnections, retries ------------------------------------------------------------------

def test_a_member_who_reconnects_during_the_vote_finds_their_ballot_and_may_change_it(server):
    r = VoteRoom(server)
    r.connect(*EVERYONE)
    r.open_meeting(grace=30)
    vote = r.prepare(mode="secret")
    r.open_vote(vote)
    first = receipt()
    r.cast("l1", vote, "yes", receipts=[first])
    since = r.c["l1"].position()[0]
    r.c.pop("l1").close()  # the network drops
    back = r.connect("l1", since=since, settle=False)
    assert back.welcome["mode"] == "resume"
    assert r.vote_in_snapshot(vote)["voted"] == 1
    # a fresh first ballot would count twice: refused; the replacement is accepted
    r.refuse("l1", "vote.cast", "conflict", {"vote": vote, "choice": "no", "receipts": [receipt()]})
    second = receipt()
    r.cast("l1", vote, "no", receipts=[second], replaces=[first])
    assert r.vote_in_snapshot(vote)["voted"] == 1
    assert db_secret_rows(server, r.id, vote) == [(second, "locataires", "no")]
    # the snapshot of a client too far behind says the same
    late = Client(server, r.id)
    late.hello(r.token("observer"))  # no since: a snapshot
    sv = next(v for v in late.welcome["snapshot"]["votes"] if v["id"] == vote)
    assert (sv["voted"], sv["state"]) == (1, "open")


def test_a_ballot_whose_answer_was_lost_is_retried_with_its_key_and_counted_once(server):
    r = VoteRoom(server)
    r.connect(*EVERYONE)
    r.open_meeting(grace=30)
    vote = r.prepare(mode="secret")
    r.open_vote(vote)
    rc, key = receipt(), "ballot-l2-" + receipt()
    lost = r.c.pop("l2")
    lost.send({"type": "vote.cast", "id": 1, "key": key, "body": {"vote": vote, "choice": "yes", "receipts": [rc]}})
    lost.close()  # gone before reading the answer
    c = r.connect("l2", settle=False)
    retried = c.request("vote.cast", {"vote": vote, "choice": "yes", "receipts": [rc]}, key)
    assert retried["type"] == "ok", retried
    casts = [ev for ev in ballot_casts(server, r.id, vote) if ev["body"]["voter"] == r.pid("l2")]
    assert len(casts) == 1 and retried["body"]["seq"] == casts[0]["seq"]
    assert db_secret_rows(server, r.id, vote) == [(rc, "locataires", "yes")]
    # and again, with the same key: the first answer, nothing more
    again = c.request("vote.cast", {"vote": vote, "choice": "yes", "receipts": [rc]}, key)
    assert again["type"] == "ok" and again["body"] == {"seq": casts[0]["seq"], "replayed": True}
    assert r.vote_in_snapshot(vote)["voted"] == 1


def test_a_key_reused_with_another_choice_is_a_conflict_and_the_first_ballot_stands(server):
    r = VoteRoom(server)
    r.connect(*EVERYONE)
    r.open_meeting(grace=30)
    vote = r.prepare()
    r.open_vote(vote)
    first = r.cast("b2", vote, "yes", key="b2-ballot-1")
    r.cast("l3", vote, "no")
    assert r.cast("b2", vote, "yes", key="b2-ballot-1") == {"seq": first["seq"], "replayed": True}
    r.c["b2"].error("vote.cast", "conflict", {"vote": vote, "choice": "no"}, key="b2-ballot-1")
    mine = [ev for ev in ballot_casts(server, r.id, vote) if ev["body"]["voter"] == r.pid("b2")]
    assert [ev["body"]["choice"] for ev in mine] == ["yes"]
    closed = r.close_vote(vote)["body"]
    assert closed["counts"] == [1, 1, 0] and closed["voted"] == 2


# ---- deadlines ---------------------------------------------------------------------------------------

def test_a_vote_with_a_duration_closes_itself_and_refuses_later_ballots(server):
    r = VoteRoom(server)
    r.connect(*EVERYONE)
    r.open_meeting(grace=30)
    vote = r.prepare(duration=2)
    opened = r.open_vote(vote)
    assert opened["body"]["deadline"] == opened["ts"] + 2000
    r.cast("b1", vote, "yes")
    r.cast("l1", vote, "yes", key="l1-yes")
    closed = r.c["observer"].wait_event("vote.closed", timeout=6, vote=vote)
    assert closed["actor"] == "system"
    assert closed["ts"] >= opened["body"]["deadline"]
    assert closed["body"]["counts"] == [2, 0, 0] and closed["body"]["passed"] is True
    err = r.refuse("b2", "vote.cast", "bad_state", {"vote": vote, "choice": "no"})
    assert err["message"]
    r.refuse("chair", "vote.close", "bad_state", {"vote": vote})
    sv = r.vote_in_snapshot(vote)
    assert sv["state"] == "closed" and sv["closed_at"] == closed["ts"]
    db_verify_chain(server, r.id)


# ---- the list of ballots --------------------------------------------------------------------------------

def test_the_list_of_ballots_is_for_participants_and_only_once_published(server):
    r = VoteRoom(server)
    other = VoteRoom(server)
    r.connect("chair", "b1")
    r.open_meeting(grace=30)
    vote = r.prepare()
    r.open_vote(vote)
    r.cast("b1", vote, "yes")
    r.ballots(vote, who="b1", status=409)
    r.close_vote(vote)
    r.ballots(vote, who="observer", status=409)
    r.do("chair", "vote.publish", {"vote": vote})
    assert r.ballots(vote, who="observer")["ballots"] == [{"voter": r.pid("b1"), "by": "", "choice": "yes"}]
    assert server.api().call("GET", "/api/meetings/%s/votes/%s/ballots" % (r.id, vote), None,
                             "http.ballots.json", 200).json["mode"] == "named"
    r.ballots("v9", who="b1", status=404)
    path = "/api/meetings/%s/votes/%s/ballots" % (r.id, vote)
    assert http_request(server.port, "GET", path).status == 401
    foreign = http_request(server.port, "GET", path, headers={"Authorization": "Bearer " + other.token("b1")})
    assert foreign.status == 403 and foreign.json["error"]["code"] == "forbidden"
