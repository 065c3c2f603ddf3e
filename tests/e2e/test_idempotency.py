# SPDX-License-Identifier: AGPL-3.0-or-later
"""Idempotency keys (PROTOCOL.md 4.1): a command retried with a key already used
by the same participant is answered with the first ok, replayed, never applied twice."""
from harness import Client, make_meeting


def test_same_key_twice_gets_the_first_ok_replayed_and_one_event_only(meeting):
    observer = meeting.connect("observer")
    chair = meeting.connect("chair")
    first = chair.request("meeting.open", key="open-once")
    assert first["type"] == "ok"
    assert first["body"].get("replayed", False) is False
    second = chair.request("meeting.open", key="open-once")
    assert second["type"] == "ok", "a retry must not be refused as bad_state: %s" % second
    assert second["body"] == {"seq": first["body"]["seq"], "replayed": True}
    chair.ping()
    observer.wait_seq(first["body"]["seq"])
    observer.ping()
    observer.drain(0.2)
    assert [e["type"] for e in observer.events].count("meeting.opened") == 1
    assert meeting.head() == first["body"]["seq"]


def test_retry_on_a_new_connection_after_a_drop_is_replayed(meeting):
    chair = meeting.connect("chair")
    keep = meeting.connect("chair")
    first = chair.request("meeting.open", key="drop-then-retry")
    chair.close()
    retry = Client(meeting.server, meeting.id)
    retry.hello(meeting.token("chair"))
    second = retry.request("meeting.open", key="drop-then-retry")
    assert second["type"] == "ok"
    assert second["body"] == {"seq": first["body"]["seq"], "replayed": True}
    keep.ping()
    opened = [e for e in keep.events if e["type"] == "meeting.opened"]
    assert len(opened) == 1


def test_a_replayed_ok_keeps_its_seq_though_the_meeting_moved_on(meeting):
    chair = meeting.connect("chair")
    first = chair.request("meeting.open", key="open-k")
    chair.command("meeting.suspend")
    chair.command("meeting.resume")
    again = chair.request("meeting.open", key="open-k")
    assert again["body"] == {"seq": first["body"]["seq"], "replayed": True}
    assert meeting.server.api().snapshot(meeting.id)["meeting"]["state"] == "open"


def test_a_new_key_for_the_same_command_is_a_new_attempt(meeting):
    chair = meeting.connect("chair")
    chair.request("meeting.open", key="one")
    assert chair.error("meeting.open", "bad_state", key="two")


def test_same_key_after_a_server_restart_is_still_replayed(spawn):
    srv = spawn().start()
    m = make_meeting(srv)
    chair = m.connect("chair")
    first = chair.request("meeting.open", key="survives-restart")
    assert first["type"] == "ok"
    chair.close()
    srv.restart()
    chair = m.connect("chair")
    head = m.head()
    second = chair.request("meeting.open", key="survives-restart")
    assert second["type"] == "ok", second
    assert second["body"] == {"seq": first["body"]["seq"], "replayed": True}
    chair.ping()
    assert m.head() == head
    assert [e["type"] for e in chair.events].count("meeting.opened") == 0


def test_a_key_reused_for_another_command_is_a_conflict_and_changes_nothing(meeting):
    chair = meeting.connect("chair")
    chair.command("meeting.open")
    first = chair.request("agenda.add", {"title": "Bilan 2020"}, key="reused")
    assert first["type"] == "ok"
    head = meeting.head()
    other_body = chair.error("agenda.add", "conflict", {"title": "Feuille de route"}, key="reused")
    assert "key" in other_body["message"]
    other_type = chair.error("meeting.suspend", "conflict", key="reused")
    assert other_type["message"]
    assert meeting.head() == head, "a refused command wrote an event"
    snap = meeting.server.api().snapshot(meeting.id)
    assert [i["title"] for i in snap["agenda"]] == ["Bilan 2020"]
    assert snap["meeting"]["state"] == "open"
    # the same command retried, with its body's keys in another order, still gets the first outcome
    again = chair.request("agenda.add", {"title": "Bilan 2020"}, key="reused")
    assert again["body"] == {"seq": first["body"]["seq"], "replayed": True}
