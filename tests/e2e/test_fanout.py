# SPDX-License-Identifier: AGPL-3.0-or-later
"""Fan-out (PROTOCOL.md 4.1): every event reaches every connection of the meeting,
in seq order without gaps, chained by hash (5.2); ok only after the commit."""
from harness import chain_verify


def connect_all(meeting, *who):
    """Everyone connected and caught up with the log."""
    clients = [meeting.connect(w) for w in who]
    head = meeting.head()
    for c in clients:
        c.wait_seq(head)
    return clients


def test_chair_opens_the_meeting_and_every_client_receives_the_same_event(meeting):
    chair, member, secretary, observer = connect_all(meeting, "chair", "member0", "secretary", "observer")
    ok = chair.command("meeting.open")
    seen = []
    for c in (chair, member, secretary, observer):
        ev = c.wait_event("meeting.opened")
        seen.append((ev["seq"], ev["hash"], ev["ts"], ev["actor"]))
    assert len(set(seen)) == 1, seen
    seq, _, ts, actor = seen[0]
    assert ok["seq"] == seq
    assert actor == meeting.pid("chair")
    assert "replayed" not in ok or ok["replayed"] is False


def test_ok_is_sent_only_once_the_event_is_committed(meeting):
    chair = meeting.connect("chair")
    ok = chair.command("meeting.open")
    snap = meeting.server.api().snapshot(meeting.id)
    assert snap["seq"] >= ok["seq"]
    assert snap["meeting"]["state"] == "open"
    opened = chair.wait_event("meeting.opened")
    assert snap["meeting"]["opened_at"] == opened["ts"]


def test_events_arrive_dense_in_seq_order_and_their_hashes_chain_from_the_snapshot_head(meeting):
    observer = meeting.connect("observer")
    snap = observer.welcome["snapshot"]
    chair = meeting.connect("chair")
    chair.command("meeting.configure", {"grace": 0})
    member = meeting.connect("member3")
    chair.command("meeting.open")
    chair.command("meeting.suspend")
    chair.command("meeting.resume")
    member.close()
    last = chair.command("meeting.close")
    events = observer.wait_seq(last["seq"])
    assert events[0]["seq"] == snap["seq"] + 1
    head = chain_verify(events, prev_hex=snap["head"], first_seq=snap["seq"] + 1)
    types = [e["type"] for e in events]
    assert types.index("meeting.opened") < types.index("meeting.suspended") < types.index("meeting.resumed")
    assert types[-1] == "meeting.closed"
    assert "participant.left" in types
    final = meeting.server.api().snapshot(meeting.id)
    assert final["seq"] == events[-1]["seq"] and final["head"] == head
    assert final["meeting"]["state"] == "closed"
    assert final["meeting"]["closed_at"] == events[-1]["ts"]


def test_event_timestamps_never_go_backwards(meeting):
    observer = meeting.connect("observer", since=0)
    chair = meeting.connect("chair")
    last = chair.command("meeting.open")
    events = observer.wait_seq(last["seq"])
    ts = [e["ts"] for e in events]
    assert ts == sorted(ts)


def test_the_whole_log_of_a_meeting_chains_from_32_zero_bytes(meeting):
    chair = meeting.connect("chair")
    for cmd in ("meeting.open", "meeting.suspend", "meeting.resume", "meeting.suspend"):
        last = chair.command(cmd)
    c = meeting.connect("secretary", since=0)
    assert c.welcome["mode"] == "resume"
    events = c.wait_seq(last["seq"])
    chain_verify(events, first_seq=1)
    snap = meeting.server.api().snapshot(meeting.id)
    c.wait_seq(snap["seq"])
    assert snap["head"] == events[snap["seq"] - 1]["hash"]


def test_lifecycle_commands_move_the_meeting_through_its_states(meeting):
    chair = meeting.connect("chair")
    api = meeting.server.api()
    for cmd, state in [("meeting.open", "open"), ("meeting.suspend", "suspended"),
                       ("meeting.resume", "open"), ("meeting.suspend", "suspended"),
                       ("meeting.close", "closed")]:
        chair.command(cmd)
        assert api.snapshot(meeting.id)["meeting"]["state"] == state, cmd
