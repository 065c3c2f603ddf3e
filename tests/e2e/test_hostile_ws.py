# SPDX-License-Identifier: AGPL-3.0-or-later
"""Hostile input on the WebSocket (PROTOCOL.md 4, 7): each gets its typed error,
changes nothing, and the server goes on serving everyone else."""
import json

import pytest

from harness import Client, RawSocket, make_meeting

MAX = 65536


class Scene:
    """A meeting whose chair is connected and caught up; `before` is its snapshot."""

    def __init__(self, meeting):
        self.m = meeting
        self.chair = meeting.connect("chair")
        self.before = meeting.server.api().snapshot(meeting.id)

    def assert_nothing_changed(self):
        """The log and the meeting are as before the error. (When the error closed
        the chair's connection, the grace period keeps them present meanwhile.)"""
        now = self.m.server.api().snapshot(self.m.id)
        assert now["meeting"] == self.before["meeting"]
        assert now["seq"] == self.before["seq"], "an error changed the log"
        assert now["head"] == self.before["head"]

    def assert_still_serving(self):
        """Another participant can connect, say hello and get answers."""
        other = Client(self.m.server, self.m.id)
        w = other.hello(self.m.token("member3"))
        assert w["you"]["participant"] == self.m.pid("member3")
        other.ping()
        other.close()


@pytest.fixture
def scene(meeting):
    return Scene(meeting)


# A value of the right type but outside its documented form (key of 1 to 64
# printable characters, id of at most 64): section 7 allows reading this as a
# wrong field (bad_message), a malformed value (invalid) or a field too large.
MALFORMED_VALUE = ("bad_message", "invalid", "too_large")

# (name, raw text, expected code(s), expected echoed id or None)
MALFORMED = [
    ("truncated_json", '{"type": "meeting.open", "id": 1, "key": "k1"', "bad_json", None),
    ("not_json", "meeting.open please", "bad_json", None),
    ("trailing_garbage", '{"type":"meeting.open","id":1,"key":"k1"} x', "bad_json", None),
    ("json_array", '[{"type":"meeting.open","id":1,"key":"k1"}]', "bad_message", None),
    ("json_string", '"meeting.open"', "bad_message", None),
    ("json_number", "42", "bad_message", None),
    ("json_null", "null", "bad_message", None),
    ("id_is_an_object", '{"type":"meeting.open","id":{},"key":"k1","body":{}}', "bad_message", None),
    ("id_is_a_float", '{"type":"meeting.open","id":1.5,"key":"k1","body":{}}', "bad_message", None),
    ("id_too_long", json.dumps({"type": "meeting.open", "id": "i" * 65, "key": "k1"}), MALFORMED_VALUE, None),
    ("body_is_an_array", '{"type":"meeting.open","id":3,"key":"k1","body":[]}', "bad_message", 3),
    ("body_is_a_string", '{"type":"meeting.open","id":3,"key":"k1","body":"x"}', "bad_message", 3),
    ("key_is_a_number", '{"type":"meeting.open","id":4,"key":5,"body":{}}', "bad_message", 4),
    ("key_is_empty", '{"type":"meeting.open","id":4,"key":"","body":{}}', MALFORMED_VALUE, 4),
    ("key_too_long", json.dumps({"type": "meeting.open", "id": 4, "key": "k" * 65}), MALFORMED_VALUE, 4),
    ("key_not_printable", '{"type":"meeting.open","id":4,"key":"a\\u0001b"}', MALFORMED_VALUE, 4),
    ("no_key", '{"type":"meeting.open","id":5,"body":{}}', "bad_message", 5),
    ("type_is_a_number", '{"type":7,"id":6,"key":"k1"}', "bad_message", 6),
    ("no_type", '{"id":6,"key":"k1","body":{}}', "bad_message", 6),
    ("unknown_type", '{"type":"meeting.dance","id":7,"key":"k1","body":{}}', "unknown_type", 7),
    ("unknown_type_close_to_a_real_one", '{"type":"meeting.open ","id":7,"key":"k1"}', "unknown_type", 7),
]


@pytest.mark.parametrize("raw,code,rid", [c[1:] for c in MALFORMED], ids=[c[0] for c in MALFORMED])
def test_malformed_message_from_the_chair_gets_its_typed_error_and_changes_nothing(scene, raw, code, rid):
    scene.chair.send_raw(raw)
    r = scene.chair.next_reply()
    assert r["type"] == "error", r
    assert r["body"]["code"] in ((code,) if isinstance(code, str) else code), r
    if rid is not None:
        assert r.get("id") == rid, "the error must echo the request id: %s" % r
    scene.assert_nothing_changed()
    scene.assert_still_serving()


def test_hello_without_a_token_is_a_bad_message(meeting):
    c = Client(meeting.server, meeting.id)
    c.send_raw('{"type":"hello","id":1,"body":{}}')
    r = c.next_reply()
    assert r["type"] == "error" and r["body"]["code"] == "bad_message", r


def test_hello_with_a_token_of_the_wrong_type_is_a_bad_message(meeting):
    c = Client(meeting.server, meeting.id)
    c.send_raw('{"type":"hello","id":1,"body":{"token":12345}}')
    r = c.next_reply()
    assert r["type"] == "error" and r["body"]["code"] == "bad_message", r


def test_hello_with_a_negative_since_is_refused(meeting):
    c = Client(meeting.server, meeting.id)
    c.send_raw(json.dumps({"type": "hello", "id": 1, "body": {"token": meeting.token("member0"), "since": -1}}))
    r = c.next_reply()
    assert r["type"] == "error" and r["body"]["code"] in ("bad_message", "invalid"), r


def test_a_frame_over_65536_bytes_gets_too_large_then_close_1009(scene):
    pad = '{"type":"ping","id":1}'
    raw = pad + " " * (MAX + 1 - len(pad))
    assert len(raw) == MAX + 1
    scene.chair.send_raw(raw)
    code, got = scene.chair.wait_closed()
    errors = [m for m in got if m["type"] == "error"]
    assert [e["body"]["code"] for e in errors] == ["too_large"], got
    assert code == 1009
    scene.assert_nothing_changed()
    scene.assert_still_serving()


def test_a_message_of_exactly_65536_bytes_is_accepted(scene):
    pad = '{"type":"ping","id":1}'
    scene.chair.send_raw(pad + " " * (MAX - len(pad)))
    assert scene.chair.next_reply()["type"] == "pong"


def test_a_fragmented_message_is_reassembled_and_its_total_size_counts(scene):
    scene.chair.send_fragments(['{"type":', '"ping",', '"id":2}'])
    assert scene.chair.next_reply()["type"] == "pong"
    head = '{"type":"ping","id":3}'
    # Every frame is small; the message is one byte too many, and that byte comes last.
    parts = [head, " " * 30000, " " * (MAX - len(head) - 30000), " "]
    assert sum(map(len, parts)) == MAX + 1
    scene.chair.send_fragments(parts)
    code, got = scene.chair.wait_closed()
    assert [m["body"]["code"] for m in got if m["type"] == "error"] == ["too_large"]
    assert code == 1009
    scene.assert_still_serving()


def test_too_large_and_1009_are_sent_even_while_the_client_is_still_sending(meeting):
    # The server decides at 65,537 bytes while the rest of the message is in flight;
    # read at the socket level, so that a client library's abort on the failed
    # write cannot hide what the server sent.
    for attempt in range(5):
        raw = RawSocket(meeting.server, meeting.id)
        raw.send_text([json.dumps({"type": "hello", "id": 1, "body": {"token": meeting.token("chair")}})])
        raw.send_text(['{"type":"ping","id":2}'] + [" " * 20000] * 10)
        msgs, code = raw.read_all()
        raw.close()
        errors = [m["body"]["code"] for m in msgs if m["type"] == "error"]
        assert (errors, code) == (["too_large"], 1009), "attempt %d: %s, close %s" % (attempt + 1, msgs, code)


def test_a_huge_frame_does_not_stop_the_server(scene):
    scene.chair.send_raw("x" * (4 * 1024 * 1024))
    code, _ = scene.chair.wait_closed(10)
    assert code in (1009, 1006)
    scene.assert_nothing_changed()
    scene.assert_still_serving()


@pytest.mark.parametrize("first", [
    {"type": "meeting.open", "id": 1, "key": "k1", "body": {}},
    {"type": "ping", "id": 1},
])
def test_a_command_before_hello_is_not_authenticated(meeting, first):
    c = Client(meeting.server, meeting.id)
    before = meeting.server.api().snapshot(meeting.id)
    c.send(first)
    r = c.next_reply()
    assert r["type"] == "error" and r["body"]["code"] == "not_authenticated", r
    assert r.get("id") == 1
    assert meeting.server.api().snapshot(meeting.id)["seq"] == before["seq"]


def assert_bad_token_then_close_1008(client, token):
    client.send_raw(json.dumps({"type": "hello", "id": 1, "body": {"token": token}}))
    code, got = client.wait_closed()
    assert [m["type"] for m in got] == ["error"], got
    assert got[0]["body"]["code"] == "bad_token"
    assert code == 1008


def test_a_token_for_another_meeting_gets_bad_token_and_close(server, meeting):
    other = make_meeting(server)
    before = server.api().snapshot(meeting.id)
    assert_bad_token_then_close_1008(Client(server, meeting.id), other.token("chair"))
    after = server.api().snapshot(meeting.id)
    assert after["seq"] == before["seq"]
    assert server.api().snapshot(other.id)["participants"] == other.snapshot["participants"]


def test_an_unknown_token_gets_bad_token_and_close(meeting):
    assert_bad_token_then_close_1008(Client(meeting.server, meeting.id), "A" * 43)


def test_a_malformed_token_gets_bad_token_and_close(meeting):
    assert_bad_token_then_close_1008(Client(meeting.server, meeting.id), "not a token")


def test_the_admin_token_is_not_a_participant_token(meeting):
    assert_bad_token_then_close_1008(Client(meeting.server, meeting.id), meeting.server.admin_token)


def test_a_revoked_token_gets_bad_token_and_close(meeting):
    token = meeting.token("member1")
    r = meeting.server.api().revoke(meeting.id, meeting.pid("member1"))
    assert r["revoked"] == 1
    assert_bad_token_then_close_1008(Client(meeting.server, meeting.id), token)


def test_revoking_a_participant_closes_their_open_connections(meeting):
    obs = meeting.connect("observer")
    victim = meeting.connect("member1")
    obs.wait_event("participant.joined", participant=meeting.pid("member1"))
    meeting.server.api().revoke(meeting.id, meeting.pid("member1"))
    victim.wait_closed()  # the protocol fixes no status for this close


def test_a_new_invitation_works_after_a_revocation_and_old_ones_stay_revoked(meeting):
    api = meeting.server.api()
    old = meeting.token("member1")
    api.revoke(meeting.id, meeting.pid("member1"))
    new = api.invite(meeting.id, [meeting.pid("member1")])
    assert [i["participant"] for i in new] == [meeting.pid("member1")]
    assert new[0]["token"] != old
    assert Client(meeting.server, meeting.id).hello(new[0]["token"])["you"]["role"] == "member"
    assert_bad_token_then_close_1008(Client(meeting.server, meeting.id), old)


def test_issuing_a_second_invitation_revokes_the_first(meeting):
    first = meeting.token("member0")
    second = meeting.server.api().invite(meeting.id, [meeting.pid("member0")])[0]["token"]
    assert first != second
    assert_bad_token_then_close_1008(Client(meeting.server, meeting.id), first)
    assert Client(meeting.server, meeting.id).hello(second)["you"]["participant"] == meeting.pid("member0")
    assert meeting.server.api().revoke(meeting.id, meeting.pid("member0"))["revoked"] == 1


@pytest.mark.parametrize("who", ["member0", "observer", "secretary"])
def test_only_the_chair_may_open_the_meeting(meeting, who):
    scene = Scene(meeting)
    c = meeting.connect(who)
    scene.before = meeting.server.api().snapshot(meeting.id)
    assert c.error("meeting.open", "forbidden")
    scene.assert_nothing_changed()
    scene.assert_still_serving()


@pytest.mark.parametrize("cmd", ["meeting.resume", "meeting.suspend", "meeting.close"])
def test_a_lifecycle_command_in_the_wrong_state_is_bad_state(scene, cmd):
    assert scene.chair.error(cmd, "bad_state")
    scene.assert_nothing_changed()
    scene.assert_still_serving()


def test_opening_an_open_meeting_is_bad_state(scene):
    scene.chair.command("meeting.open")
    scene.before = scene.m.server.api().snapshot(scene.m.id)
    assert scene.chair.error("meeting.open", "bad_state")
    scene.assert_nothing_changed()


def test_nothing_can_be_done_once_the_meeting_is_closed(scene):
    scene.chair.command("meeting.open")
    scene.chair.command("meeting.close")
    scene.before = scene.m.server.api().snapshot(scene.m.id)
    for cmd in ("meeting.open", "meeting.suspend", "meeting.resume", "meeting.close"):
        assert scene.chair.error(cmd, "bad_state")
    scene.assert_nothing_changed()


def test_an_error_does_not_consume_the_connection(scene):
    scene.chair.send_raw("{nope")
    assert scene.chair.next_reply()["body"]["code"] == "bad_json"
    scene.chair.ping()
    assert scene.chair.command("meeting.open")["seq"] == scene.before["seq"] + 1


def test_a_burst_beyond_the_message_rate_gets_rate_limited_errors_without_id(scene):
    c = scene.m.connect("member0")
    scene.before = scene.m.server.api().snapshot(scene.m.id)
    for i in range(60):
        c.send({"type": "ping", "id": i})
    got = [m for m in c.drain(0.5) if m["type"] != "event"]
    limited = [m for m in got if m["type"] == "error"]
    pongs = [m for m in got if m["type"] == "pong"]
    assert limited, "60 messages at once passed a rate of 20 a second in bursts of 40"
    assert all(m["body"]["code"] == "rate_limited" and m.get("id") is None for m in limited), limited
    assert 35 <= len(pongs) < 60, "a burst of 40 (hello included) passes, the rest is dropped"
    scene.assert_nothing_changed()
    scene.assert_still_serving()


def test_a_client_that_keeps_flooding_is_closed_with_1008(scene):
    c = scene.m.connect("member0")
    payload = '{"type":"ping"}'
    for _ in range(3000):
        c.send_raw(payload)
        if c.close_code is not None:
            break
    code, got = c.wait_closed(10)
    assert code == 1008
    assert c.ws.close_reason == "flooding"
    scene.assert_still_serving()
