# SPDX-License-Identifier: AGPL-3.0-or-later
"""Hostile and mistaken commands against the meeting rules (PROTOCOL.md 6, 7):
each gets its typed error, writes nothing (same seq, same snapshot before
and after) and the server goes on serving everyone else.

The scene: a meeting of meetings.ROSTER, open, item i1 current with a list of
speakers (r1 of b1, r2 of l1) and i2 pending; everyone connected."""
import json

import pytest

from harness import Client
from meetings import Room, raw_request


class Scene(Room):
    def __init__(self, server):
        super().__init__(server)
        self.connect_everyone()
        self.do("chair", "agenda.add", {"title": "Bilan 2020", "duration": 600})
        self.do("chair", "agenda.add", {"title": "Feuille de route 2021"})
        self.do("chair", "meeting.open")
        self.do("chair", "agenda.open", {"item": "i1"})
        self.do("b1", "speaker.request")
        self.do("l1", "speaker.request")
        self.before = self.snap()

    def unchanged(self):
        """Nothing was written and the state is as before (presence included)."""
        now = self.snap()
        assert now["seq"] == self.before["seq"], "an error changed the log"
        assert now == self.before

    def still_serving(self):
        """Others still get answers, and a change still goes through."""
        self.c["observer"].ping()
        other = Client(self.server, self.id)
        other.hello(self.m.token(self.pids["observer"]))
        other.ping()
        other.close()
        ok = self.do("l3", "speaker.request")
        assert ok["seq"] == self.before["seq"] + 1
        assert self.order("i1") == ["b1", "l1", "l3"]


@pytest.fixture
def scene(server):
    return Scene(server)


def refused(scene, who, type, code, body=None):
    """A schema-valid command that must be refused with `code` and change nothing."""
    err = scene.refuse(who, type, code, body)
    assert err["code"] == code
    scene.unchanged()
    return err


def refused_raw(scene, who, type, body, codes):
    """A command sent as raw JSON (wrong types, out of range ...) that must get
    one of `codes` and change nothing."""
    r = raw_request(scene.c[who], type, body)
    assert r["type"] == "error", r
    codes = (codes,) if isinstance(codes, str) else codes
    assert r["body"]["code"] in codes, r
    scene.unchanged()
    return r["body"]


# --- roles ------------------------------------------------------------------------------


def test_a_member_may_not_give_the_floor(scene):
    refused(scene, "b2", "speaker.give", "forbidden", {"participant": scene.pids["b2"]})
    refused(scene, "b2", "speaker.give", "forbidden", {"request": "r1"})
    refused(scene, "b2", "speaker.next", "forbidden")
    refused(scene, "secretary", "speaker.next", "forbidden")
    refused(scene, "observer", "speaker.end", "forbidden")
    scene.still_serving()


def test_members_and_observers_may_not_run_the_agenda_or_mark_attendance(scene):
    refused(scene, "b1", "agenda.add", "forbidden", {"title": "Mon point"})
    refused(scene, "l2", "agenda.open", "forbidden", {"item": "i2"})
    refused(scene, "observer", "speaker.request", "forbidden")
    refused(scene, "b3", "speaker.move", "forbidden", {"request": "r2", "position": 0})
    refused(scene, "b3", "attendance.mark", "forbidden", {"participant": scene.pids["b1"], "status": "absent"})
    refused(scene, "secretary", "meeting.configure", "forbidden", {"grace": 0})
    scene.still_serving()


# --- the list of speakers ------------------------------------------------------------------


def test_requesting_twice_is_a_conflict(scene):
    refused(scene, "b1", "speaker.request", "conflict")
    refused(scene, "b1", "speaker.request", "conflict", {"kind": "point_of_order"})
    scene.still_serving()


def test_withdrawing_someone_elses_request_is_forbidden(scene):
    refused(scene, "l1", "speaker.withdraw", "forbidden", {"request": "r1"})
    refused(scene, "chair", "speaker.withdraw", "forbidden", {"request": "r1"})
    refused(scene, "b2", "speaker.withdraw", "not_found")  # has none
    refused(scene, "b1", "speaker.withdraw", "not_found", {"request": "r99"})
    scene.still_serving()


def test_unknown_requests_and_items_are_not_found(scene):
    refused(scene, "chair", "speaker.remove", "not_found", {"request": "r3"})
    refused(scene, "chair", "speaker.give", "not_found", {"request": "r42"})
    refused(scene, "chair", "speaker.give", "not_found", {"participant": "nobody"})
    refused(scene, "chair", "agenda.open", "not_found", {"item": "i3"})
    refused(scene, "chair", "agenda.edit", "not_found", {"item": "i3", "title": "x"})
    refused(scene, "chair", "speaker.close_list", "not_found", {"item": "i7"})
    scene.still_serving()


def test_an_item_of_another_meeting_is_not_found_here_and_that_meeting_is_untouched(scene):
    other = Room(scene.server)
    other.connect("chair")
    for title in ("A", "B", "C", "D", "E"):
        other.do("chair", "agenda.add", {"title": title})
    other_before = other.snap()
    # i5 exists in the other meeting only
    refused(scene, "chair", "agenda.open", "not_found", {"item": "i5"})
    refused(scene, "chair", "agenda.remove", "not_found", {"item": "i4"})
    refused(scene, "chair", "agenda.move", "not_found", {"item": "i5", "position": 0})
    # a body naming the other meeting is not a command of this protocol
    refused_raw(scene, "chair", "agenda.open", {"item": "i1", "meeting": other.id}, "bad_message")
    # the other meeting's token is refused on this meeting's socket
    c = Client(scene.server, scene.id)
    r = c.hello(other.m.token(other.pids["chair"]), expect="error")
    assert r["code"] == "bad_token"
    assert other.snap() == other_before
    scene.unchanged()
    scene.still_serving()


# --- durations, positions, sizes -----------------------------------------------------------


@pytest.mark.parametrize("type, body", [
    ("agenda.add", {"title": "x", "duration": -60}),
    ("agenda.add", {"title": "x", "speaking_time": -1}),
    ("agenda.add", {"title": "x", "position": -1}),
    ("agenda.add", {"title": "x", "duration": 86401}),
    ("agenda.add", {"title": "x", "duration": 10 ** 15}),
    ("agenda.add", {"title": "x", "position": 3}),
    ("agenda.add", {"title": "x", "position": 100000}),
    ("agenda.edit", {"item": "i1", "duration": -1}),
    ("agenda.edit", {"item": "i1", "speaking_time": 86401}),
    ("agenda.move", {"item": "i1", "position": -1}),
    ("agenda.move", {"item": "i1", "position": 2}),
    ("agenda.move", {"item": "i1", "position": 99999}),
    ("speaker.move", {"request": "r1", "position": -2}),
    ("speaker.move", {"request": "r1", "position": 2}),
    ("meeting.configure", {"speaking_time": -30}),
    ("meeting.configure", {"speaking_time": 86401}),
    ("meeting.configure", {"grace": -1}),
    ("meeting.configure", {"grace": 3601}),
    ("meeting.configure", {"quorum": 101}),
    ("meeting.configure", {"quorum_college": -5}),
], ids=lambda v: v if isinstance(v, str) else json.dumps(v, sort_keys=True))
def test_negative_or_absurd_numbers_are_invalid(scene, type, body):
    refused_raw(scene, "chair", type, body, "invalid")


def test_integers_beyond_64_bits_are_refused_as_bad_json(scene):
    # jansson cannot represent them: the whole message is unreadable, so its id
    # cannot be echoed either.
    chair = scene.c["chair"]
    for type, body in [("agenda.add", {"title": "x", "duration": 10 ** 20}),
                       ("agenda.move", {"item": "i1", "position": -(10 ** 20)})]:
        chair.send_raw(json.dumps({"type": type, "id": 77, "key": chair.new_key(), "body": body}))
        r = chair.next_reply()
        assert r["type"] == "error" and r["body"]["code"] == "bad_json", r
        assert r.get("id") is None
        scene.unchanged()
    scene.still_serving()


def test_a_600_byte_title_is_too_large(scene):
    refused(scene, "chair", "agenda.add", "too_large", {"title": "é" * 300})  # 600 bytes of UTF-8
    refused_raw(scene, "secretary", "agenda.edit", {"item": "i1", "title": "t" * 501}, "too_large")
    # 500 bytes is the limit, inclusive
    scene.do("secretary", "agenda.add", {"title": "t" * 500})
    assert scene.snap()["agenda"][-1]["title"] == "t" * 500


def test_a_10_mb_title_closes_the_connection_with_too_large(scene):
    # A second connection of the chair, so that the chair stays present.
    c = Client(scene.server, scene.id)
    c.hello(scene.m.token(scene.pids["chair"]))
    huge = json.dumps({"type": "agenda.add", "id": 1, "key": "k-huge", "body": {"title": "A" * (10 << 20)}})
    try:
        c.send_raw(huge)
    except Exception:  # noqa: BLE001 - the server may close while we are still sending
        pass
    code, got = c.wait_closed(timeout=10)
    errors = [m["body"]["code"] for m in got if m["type"] == "error"]
    assert (errors, code) == (["too_large"], 1009), got
    scene.unchanged()
    scene.still_serving()


# --- wrong types -----------------------------------------------------------------------------


@pytest.mark.parametrize("type, body", [
    ("agenda.add", {"title": 42}),
    ("agenda.add", {"title": ["Bilan"]}),
    ("agenda.add", {"title": None}),
    ("agenda.add", {"title": "x", "duration": "600"}),
    ("agenda.add", {"title": "x", "duration": 60.5}),
    ("agenda.add", {"title": "x", "duration": True}),
    ("agenda.add", {"title": "x", "position": "0"}),
    ("agenda.add", {"title": "x", "kind": ["vote"]}),
    ("agenda.add", {"title": "x", "parent": 1}),
    ("agenda.add", {"title": "x", "colour": "red"}),
    ("agenda.add", {}),
    ("agenda.open", {"item": 1}),
    ("agenda.open", {}),
    ("agenda.move", {"item": "i1"}),
    ("agenda.move", {"item": "i1", "position": 1.0}),
    ("speaker.request", {"kind": 1}),
    ("speaker.withdraw", {"request": ["r1"]}),
    ("speaker.give", {"participant": {"id": "x"}}),
    ("speaker.move", {"request": "r1", "position": None}),
    ("meeting.configure", {"alternate": "yes"}),
    ("meeting.configure", {"first_turn": 1}),
    ("meeting.configure", {"quorum": "50"}),
    ("meeting.configure", {}),
    ("attendance.mark", {"participant": "x", "status": True}),
    ("attendance.mark", {"status": "absent"}),
    ("attendance.checkin", {"participant": "x"}),
], ids=lambda v: v if isinstance(v, str) else json.dumps(v, sort_keys=True))
def test_wrong_types_and_missing_fields_are_bad_messages(scene, type, body):
    refused_raw(scene, "chair", type, body, "bad_message")


def test_a_body_that_is_not_an_object_is_a_bad_message(scene):
    refused_raw(scene, "chair", "agenda.add", ["Bilan"], "bad_message")
    refused_raw(scene, "chair", "speaker.next", "now", "bad_message")
    scene.still_serving()


def test_malformed_values_are_invalid(scene):
    refused_raw(scene, "chair", "agenda.add", {"title": "x", "kind": "debate"}, "invalid")
    refused_raw(scene, "chair", "agenda.add", {"title": ""}, "invalid")
    refused_raw(scene, "chair", "agenda.add", {"title": "a\u0001b"}, "invalid")
    refused_raw(scene, "chair", "agenda.add", {"title": "x\ny"}, "invalid")  # one line
    refused_raw(scene, "chair", "agenda.open", {"item": "I1"}, ("invalid", "not_found"))
    refused_raw(scene, "b2", "speaker.request", {"kind": "filibuster"}, "invalid")
    refused_raw(scene, "secretary", "attendance.mark",
                {"participant": scene.pids["b1"], "status": "present", "reason": "en retard"}, "invalid")
    refused_raw(scene, "secretary", "attendance.mark", {"participant": scene.pids["b1"], "status": "late"},
                "invalid")
    scene.still_serving()


def test_state_rules_give_bad_state_or_conflict(scene):
    refused(scene, "chair", "agenda.open", "conflict", {"item": "i1"})
    refused(scene, "chair", "agenda.remove", "bad_state", {"item": "i1"})
    refused(scene, "chair", "agenda.move", "conflict", {"item": "i2", "position": 1})
    refused(scene, "chair", "speaker.end", "bad_state")
    refused(scene, "chair", "speaker.pause", "bad_state")
    refused(scene, "chair", "speaker.reopen_list", "bad_state")
    refused(scene, "chair", "meeting.open", "bad_state")
    refused(scene, "chair", "meeting.resume", "bad_state")
    refused(scene, "secretary", "attendance.mark", "conflict", {"participant": scene.pids["b1"], "status": "none"})
    scene.still_serving()


def test_an_edit_that_names_nothing_to_change_is_invalid_and_writes_nothing(scene):
    # the schemas say an edit names at least one field: sent raw, as a client
    # that ignores them would
    refused_raw(scene, "chair", "agenda.edit", {"item": "i1"}, "invalid")
    refused_raw(scene, "secretary", "agenda.edit", {"item": "i2"}, "invalid")
    scene.do("secretary", "minutes.add", {"text": "Ouverture de la séance."})
    scene.before = scene.snap()
    refused_raw(scene, "secretary", "minutes.edit", {"entry": "e1"}, "invalid")
    refused_raw(scene, "secretary", "minutes.edit", {"entry": "e1", "speakers": []}, "invalid")
    refused(scene, "secretary", "minutes.edit", "not_found", {"entry": "e9", "text": "x"})
    scene.do("secretary", "minutes.edit", {"entry": "e1", "text": "Ouverture de la séance à 14 h."})
    scene.do("chair", "agenda.edit", {"item": "i1", "duration": 900})
