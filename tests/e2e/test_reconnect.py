# SPDX-License-Identifier: AGPL-3.0-or-later
"""Reconnecting with `since` (PROTOCOL.md 4.2): resume with exactly the missed
events when at most 100 behind, a fresh snapshot otherwise."""
from harness import Client, chain_verify


def churn(meeting, n):
    """n state-changing commands of the chair on an open meeting: suspend,
    resume, suspend ... Returns the last ok."""
    types = ["meeting.suspend" if i % 2 == 0 else "meeting.resume" for i in range(n)]
    replies = meeting.pipeline("chair", types)
    assert all(r["type"] == "ok" for r in replies), [r for r in replies if r["type"] != "ok"][:3]
    seqs = [r["body"]["seq"] for r in replies]
    assert seqs == list(range(seqs[0], seqs[0] + n)), "one event per command, dense"
    return replies[-1]["body"]


def test_client_that_reconnects_with_since_gets_resume_and_exactly_the_events_it_missed(meeting):
    observer = meeting.connect("observer")
    chair = meeting.connect("chair")
    member = meeting.connect("member0")
    observer.wait_event("participant.joined", participant=meeting.pid("member0"))
    member.wait_seq(meeting.head())
    last_seq, last_hash = member.position()
    member.close()  # a network drop: back within the grace period, nothing about it is written
    chair.command("meeting.open")
    last = chair.command("meeting.suspend")["seq"]

    again = Client(meeting.server, meeting.id)
    w = again.hello(meeting.token("member0"), since=last_seq)
    assert w["mode"] == "resume"
    assert w["seq"] == last_seq
    assert "snapshot" not in w
    again.wait_seq(last)
    again.ping()
    observer.wait_seq(last)
    missed = [e for e in observer.events if e["seq"] > last_seq]
    assert again.events == missed
    assert [e["type"] for e in again.events] == ["meeting.opened", "meeting.suspended"]
    chain_verify(again.events, prev_hex=last_hash, first_seq=last_seq + 1)


def test_reconnect_after_the_grace_period_replays_left_then_joined(meeting):
    chair = meeting.connect("chair")
    chair.command("meeting.configure", {"grace": 0})
    member = meeting.connect("member0")
    member.wait_seq(meeting.head())
    last_seq, last_hash = member.position()
    member.close()
    meeting.wait_present("member0", present=False)
    chair.command("meeting.open")
    again = Client(meeting.server, meeting.id)
    w = again.hello(meeting.token("member0"), since=last_seq)
    assert w["mode"] == "resume" and w["seq"] == last_seq
    again.wait_event("participant.joined", participant=meeting.pid("member0"))
    assert [e["type"] for e in again.events] == ["participant.left", "meeting.opened", "participant.joined"]
    chain_verify(again.events, prev_hex=last_hash, first_seq=last_seq + 1)


def test_reconnect_with_since_equal_to_the_head_resumes_with_no_event(meeting):
    keep = meeting.connect("member1")  # keeps member1 present: no joined/left on reconnect
    other = meeting.connect("member1")
    keep.ping()
    head = meeting.head()
    other.close()
    again = Client(meeting.server, meeting.id)
    w = again.hello(meeting.token("member1"), since=head)
    assert (w["mode"], w["seq"]) == ("resume", head)
    assert "snapshot" not in w
    again.ping()
    assert again.events == []


def test_reconnect_100_events_behind_resumes_and_101_behind_gets_a_snapshot(meeting):
    chair = meeting.connect("chair")
    keep = meeting.connect("member2")  # member2 stays present throughout
    away = meeting.connect("member2")
    opened = away.wait_event("meeting.opened", after=chair.command("meeting.open")["seq"] - 1)
    since, since_hash = opened["seq"], opened["hash"]
    assert meeting.head() == since
    away.close()

    last = churn(meeting, 100)
    assert last["seq"] == since + 100

    resumed = Client(meeting.server, meeting.id)
    w = resumed.hello(meeting.token("member2"), since=since)
    assert w["mode"] == "resume" and w["seq"] == since
    events = resumed.wait_seq(since + 100)
    assert len(events) == 100
    chain_verify(events, prev_hex=since_hash, first_seq=since + 1)
    resumed.close()

    last = churn(meeting, 1)
    assert last["seq"] == since + 101
    far = Client(meeting.server, meeting.id)
    w = far.hello(meeting.token("member2"), since=since)
    assert w["mode"] == "snapshot"
    assert w["seq"] == w["snapshot"]["seq"] == since + 101  # member2 stayed present: no joined
    assert w["snapshot"]["meeting"]["state"] == "suspended"  # 101 alternations from open end suspended
    assert w["snapshot"]["head"] == chair.wait_seq(since + 101)[-1]["hash"]
    keep.close()


def test_far_behind_client_gets_the_snapshot_then_only_newer_events(meeting):
    observer = meeting.connect("observer")
    chair = meeting.connect("chair")
    chair.command("meeting.open")
    churn(meeting, 110)
    late = Client(meeting.server, meeting.id)
    w = late.hello(meeting.token("member3"), since=1)
    assert w["mode"] == "snapshot"
    snap = w["snapshot"]
    assert snap["seq"] == w["seq"]
    observer.wait_seq(snap["seq"])
    assert snap["head"] == next(e["hash"] for e in observer.events if e["seq"] == snap["seq"])
    assert snap["meeting"]["state"] == "open"
    chair.command("meeting.suspend")
    late.wait_event("meeting.suspended")
    assert all(e["seq"] > snap["seq"] for e in late.events)
    chain_verify(late.events, prev_hex=snap["head"], first_seq=snap["seq"] + 1)
