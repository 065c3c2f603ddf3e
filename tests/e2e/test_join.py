# SPDX-License-Identifier: AGPL-3.0-or-later
"""hello and welcome (PROTOCOL.md 4.2), attendance from connections (4.3)."""
import time

import pytest

from harness import Client, chain_verify


@pytest.mark.parametrize("who,role", [
    ("chair", "chair"), ("secretary", "secretary"), ("member0", "member"), ("observer", "observer"),
])
def test_hello_with_a_good_token_gets_a_snapshot_welcome_with_the_right_role(meeting, who, role):
    c = Client(meeting.server, meeting.id)
    assert c.ws.subprotocol == "concerto.v1"
    w = c.hello(meeting.token(who))
    assert w["mode"] == "snapshot"
    assert w["meeting"] == meeting.id
    assert abs(w["now"] - time.time() * 1000) < 60000, "now is the server's clock in ms"
    me = meeting.participants[meeting.pid(who)]
    assert w["you"] == {"participant": me["id"], "name": me["name"], "college": me["college"], "role": role,
                        "lang": "fr",
                        "voted": []}
    snap = w["snapshot"]
    assert snap["seq"] == w["seq"]
    assert snap["meeting"]["id"] == meeting.id
    assert snap["meeting"]["state"] == "scheduled"
    assert snap["meeting"]["title"] == meeting.meeting["title"]
    assert snap["meeting"]["commission"] == {"id": meeting.commission["id"], "name": meeting.commission["name"]}
    assert {p["id"] for p in snap["participants"]} == set(meeting.participants)


def test_welcome_reply_echoes_the_request_id(meeting):
    c = Client(meeting.server, meeting.id)
    c.send({"type": "hello", "id": "hello-1", "body": {"token": meeting.token("member1")}})
    r = c.next_reply()
    assert r["type"] == "welcome" and r["id"] == "hello-1"


def test_a_new_meeting_log_is_created_then_one_participant_added_per_roster_entry(meeting):
    c = meeting.connect("observer", since=0)
    w = c.welcome
    assert w["mode"] == "resume" and w["seq"] == 0
    n = len(meeting.participants)
    events = c.wait_seq(1 + n)
    assert [e["type"] for e in events[: 1 + n]] == ["meeting.created"] + ["participant.added"] * n
    assert all(e["actor"] == "admin" and e["meeting"] == meeting.id for e in events[: 1 + n])
    created = events[0]["body"]
    assert created["title"] == meeting.meeting["title"]
    assert (created["commission"], created["commission_name"]) == (meeting.commission["id"], meeting.commission["name"])
    added = {e["body"]["participant"]: e["body"] for e in events[1: 1 + n]}
    for pid, p in meeting.participants.items():
        assert added[pid] == {"participant": pid, "name": p["name"], "college": p["college"], "role": p["role"]}
    chain_verify(events, first_seq=1)


def test_participant_joined_is_broadcast_to_the_others(meeting):
    obs = meeting.connect("observer")
    member = meeting.connect("member0")
    ev = obs.wait_event("participant.joined", participant=meeting.pid("member0"))
    assert ev["actor"] == meeting.pid("member0")
    assert ev["seq"] > obs.welcome["seq"]
    # The newcomer has it too: in the state of its welcome, or as the event after it.
    if member.welcome["seq"] >= ev["seq"]:
        me = [p for p in member.welcome["snapshot"]["participants"] if p["id"] == meeting.pid("member0")]
        assert me[0]["present"] is True
    else:
        assert member.wait_event("participant.joined", participant=meeting.pid("member0")) == ev


def test_a_second_connection_of_the_same_participant_writes_no_second_joined(meeting):
    obs = meeting.connect("observer")
    meeting.connect("member0")
    ev = obs.wait_event("participant.joined", participant=meeting.pid("member0"))
    second = meeting.connect("member0")
    second.ping()
    obs.ping()
    assert [e for e in obs.events if e["seq"] > ev["seq"]] == []
    second.close()
    obs.ping()
    obs.drain(0.3)
    assert [e for e in obs.events if e["seq"] > ev["seq"]] == [], "closing one of two connections wrote an event"


def test_participant_left_is_written_when_the_last_connection_closes_with_no_grace(meeting):
    chair = meeting.connect("chair")
    chair.command("meeting.configure", {"grace": 0})
    obs = meeting.connect("observer")
    member = meeting.connect("member2")
    obs.wait_event("participant.joined", participant=meeting.pid("member2"))
    member.close()
    ev = obs.wait_event("participant.left", participant=meeting.pid("member2"))
    assert ev["actor"] == meeting.pid("member2")
    snap = meeting.wait_present("member2", present=False)
    me = next(p for p in snap["participants"] if p["id"] == meeting.pid("member2"))
    assert (me["connected"], me["left"], me["disconnections"]) == (False, ev["ts"], 1)


def test_a_drop_and_reconnect_within_the_grace_period_writes_nothing(meeting):
    obs = meeting.connect("observer")
    member = meeting.connect("member2")
    head = meeting.head()
    member.close()
    time.sleep(0.2)
    back = meeting.connect("member2")
    back.ping()
    obs.ping()
    assert meeting.head() == head, "a drop shorter than the grace period (30 s by default) is not written"
    assert [e for e in obs.events if e["seq"] > head] == []


def test_participant_left_is_written_once_the_grace_period_has_passed(meeting):
    chair = meeting.connect("chair")
    chair.command("meeting.configure", {"grace": 1})
    obs = meeting.connect("observer")
    member = meeting.connect("member2")
    member.close()
    closed_at = time.time() * 1000
    time.sleep(0.5)
    obs.ping()
    assert not [e for e in obs.events if e["type"] == "participant.left"], "left before the grace period"
    ev = obs.wait_event("participant.left", timeout=5, participant=meeting.pid("member2"))
    assert ev["ts"] >= closed_at + 900


def test_snapshot_shows_who_is_present_and_counts_attendance_by_college(meeting):
    a = meeting.connect("member0")  # bailleurs
    b = meeting.connect("member2")  # locataires
    meeting.connect("observer")
    snap = meeting.server.api().snapshot(meeting.id)
    present = {p["id"] for p in snap["participants"] if p["present"]}
    assert present == {meeting.pid("member0"), meeting.pid("member2"), meeting.pid("observer")}
    cols = snap["attendance"]["colleges"]
    assert (cols["bailleurs"]["present"], cols["bailleurs"]["total"]) == (1, 2)
    assert (cols["locataires"]["present"], cols["locataires"]["total"]) == (1, 2)
    assert (snap["attendance"]["present"], snap["attendance"]["total"]) == (2, 4), "members only"
    a.close()
    b.close()


def test_ping_is_answered_with_pong_and_writes_nothing(meeting):
    c = meeting.connect("member1")
    head = meeting.head()
    r = c.request("ping")
    assert r["type"] == "pong"
    assert abs(r["body"]["now"] - time.time() * 1000) < 60000
    assert meeting.head() == head


def test_a_second_hello_on_the_same_connection_is_bad_state(meeting):
    c = meeting.connect("member1")
    head = meeting.head()
    r = c.request("hello", {"token": meeting.token("member1")})
    assert r["type"] == "error" and r["body"]["code"] == "bad_state", r
    r = c.request("hello", {"token": meeting.token("member0")})
    assert r["type"] == "error" and r["body"]["code"] == "bad_state", "no changing identity on a connection: %s" % r
    c.ping()
    assert meeting.head() == head
