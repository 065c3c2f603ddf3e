# SPDX-License-Identifier: AGPL-3.0-or-later
"""The schemas themselves: valid draft 2020-12, and they accept the messages of
PROTOCOL.md and refuse the usual mistakes. Needs no server."""
import json

import jsonschema
import pytest

from harness import SCHEMA, SCHEMAS, chain_link, canonical, ZERO_HASH

H = "9f" * 32
TOKEN = "A" * 42 + "_"
SETTINGS = {"speaking_time": 180, "first_turn": True, "alternate": False, "quorum": 50, "quorum_college": 50,
            "grace": 30, "proxy_max": 1, "proxy_college": True, "proxy_quorum": False,
            "minutes_approval": "same_meeting"}
SNAPSHOT = {
    "meeting": {
        "id": "ccr-2021-02", "title": "CCR", "date": "2021-02-02T14:00", "place": "Lille", "room": "2",
        "lang": "fr", "state": "open", "opened_at": 1612270000000, "closed_at": 0,
        "commission": {"id": "c1", "name": "CCR Hauts-de-France"},
    },
    "settings": SETTINGS,
    "participants": [{"id": "p1", "name": "Zoé", "college": "bailleurs", "role": "member", "present": True,
                      "connected": True, "mark": "none", "checkin": False, "reason": "", "arrived": 1612270000000, "left": 0,
                      "disconnections": 0, "turns": 1, "spoken": 65000}],
    "attendance": {"present": 1, "total": 1,
                   "colleges": {"bailleurs": {"present": 1, "total": 1, "required": 1, "turns": 1, "spoken": 65000}},
                   "quorum": {"met": True, "present": 1, "required": 1}},
    "agenda": [{"id": "i1", "title": "Bilan", "description": "", "presenter": "", "kind": "vote", "parent": "",
                "position": 0, "duration": 600, "speaking_time": 0, "state": "current", "actual": 0,
                "opened_at": 1612270000000, "list_closed": False, "origin": "", "approves": "",
                "approved": False,
                "documents": [{"sha256": "9f" * 32, "name": "Bilan 2020 – révisé.pdf", "format": "pdf",
                               "type": "application/pdf", "size": 182344, "added": 1612270000000,
                               "url": "/api/meetings/ccr-2021-02/documents/" + "9f" * 32, "item": "i1"}]}],
    "current_item": "i1",
    "speakers": {"i1": [{"request": "r2", "participant": "p1", "name": "Zoé", "college": "bailleurs",
                         "kind": "reply", "ts": 1612270000000}]},
    "turn": {"participant": "p1", "name": "Zoé", "request": "r1", "kind": "contribution", "item": "i1",
             "allowed": 180000, "elapsed": 0, "running_since": 1612270000000},
    "votes": [{"id": "v1", "item": "i1", "question": "Adopt?", "kind": "yesno", "options": ["yes", "no", "abstain"],
               "mode": "named", "rule": "simple", "share_num": 0, "share_den": 0, "duration": 0, "state": "closed",
               "opened_at": 1, "deadline": 0, "closed_at": 2, "voted": 1, "entitled": 1, "quorum_open": True,
               "small_colleges": [],
               "result": {"counts": [1, 0, 0], "colleges": ["bailleurs"], "college_counts": [1, 0, 0],
                          "college_passed": [], "passed": True,
                          "winner": "", "quorum_close": True, "ballots": [{"voter": "p1", "by": "", "choice": "yes"}]}}],
    "proxies": [], "recusals": [],
    "minutes": [{"entry": "e1", "item": "i1", "text": "Relevé.", "speakers": ["p1"], "ts": 1612270000000,
                 "edited": False}],
    "decisions": [{"decision": "d1", "item": "i1", "text": "Le bilan est adopté.", "vote": "v1",
                   "ts": 1612270000000}],
    "actions": [{"action": "a1", "item": "i1", "title": "Diffuser le bilan", "owner": "p1", "owner_name": "Zoé",
                 "due": "2021-03-31", "status": "in_progress", "origin": "", "ts": 1612270000000,
                 "updated": 1612270060000}],
    "finalized": {"by": "", "at": 0}, "approved": {"by": "", "at": 0},
    "seq": 42, "head": H,
}
EVENT = {"meeting": "m1", "seq": 43, "ts": 1612270000000, "type": "meeting.opened", "actor": "k3m9xq2d",
         "body": {}, "hash": H}


TEMPLATE = {"commission": "ccr-hdf", "saved": True, "meeting": "ccr-2021-02", "updated": 1612270800000,
            "items": [{"title": "Bilan 2020", "description": "", "presenter": "DREAL", "kind": "deliberation",
                       "duration": 1800, "speaking_time": 120,
                       "items": [{"title": "Chiffres des bailleurs", "description": "", "presenter": "",
                                  "kind": "information", "duration": 600, "speaking_time": 0}]}]}


def test_every_schema_file_is_valid_draft_2020_12_with_its_file_name_as_id():
    files = sorted(SCHEMAS.glob("*.json"))
    assert len(files) >= 100
    for p in files:
        s = json.loads(p.read_text("utf-8"))
        jsonschema.Draft202012Validator.check_schema(s)
        assert s["$schema"] == "https://json-schema.org/draft/2020-12/schema", p.name
        assert s["$id"] == p.name


@pytest.mark.parametrize("name,msg", [
    ("client.json", {"type": "meeting.open", "id": 7, "key": "c1f0e9a2-4", "body": {}}),
    ("client.json", {"type": "hello", "id": 1, "body": {"token": TOKEN, "since": 41}}),
    ("client.json", {"type": "ping", "id": "p-9"}),
    ("server.json", {"type": "welcome", "id": 1, "body": {"mode": "resume", "meeting": "m1", "seq": 41, "now": 5,
                     "you": {"participant": "p1", "name": "Zoé", "college": "", "role": "chair", "lang": "fr", "voted": []}}}),
    ("server.json", {"type": "welcome", "id": 1, "body": {"mode": "snapshot", "meeting": "m1", "seq": 42, "now": 5,
                     "snapshot": SNAPSHOT,
                     "you": {"participant": "p1", "name": "Zoé", "college": "", "role": "observer", "lang": "en", "voted": ["v2"]}}}),
    ("server.json", {"type": "ok", "id": 7, "body": {"seq": 43}}),
    ("server.json", {"type": "ok", "id": 7, "body": {"seq": 43, "replayed": True}}),
    ("server.json", {"type": "error", "id": 7, "body": {"code": "forbidden", "message": "no"}}),
    ("server.json", {"type": "error", "body": {"code": "bad_json", "message": "no"}}),
    ("server.json", {"type": "event", "event": EVENT}),
    ("server.json", {"type": "pong", "id": 9, "body": {"now": 1612270000000}}),
    ("server.json", {"type": "count", "body": {"vote": "v1", "voted": 3, "entitled": 9}}),
    ("client.json", {"type": "meeting.configure", "key": "k", "body": {"grace": 0}}),
    ("client.json", {"type": "speaker.give", "key": "k", "body": {"participant": "p1"}}),
    ("client.json", {"type": "vote.cast", "key": "k", "body": {"vote": "v1", "choice": "yes", "all": True,
                     "receipts": ["abcdefghijklmnopqrstuv", "ABCDEFGHIJKLMNOPQRSTUV"]}}),
    ("server.json", {"type": "event", "event": dict(EVENT, type="quorum.reached", actor="system",
                                                    body={"present": 5, "required": 3})}),
    ("server.json", {"type": "event", "event": dict(EVENT, type="meeting.configured", body=SETTINGS)}),
    ("http.meeting.json", SNAPSHOT),
    ("http.ballots.json", {"vote": "v1", "mode": "secret", "ballots": [{"receipt": "abcdefghijklmnopqrstuv", "choice": "no"}]}),
    ("http.ballots.json", {"vote": "v1", "mode": "named", "ballots": [{"voter": "p1", "by": "p2", "choice": "no"}]}),
    ("server.json", {"type": "event", "event": dict(EVENT, type="meeting.created", actor="admin", body={
        "title": "CCR", "date": "2021-02-02", "place": "Lille", "room": "", "lang": "fr",
        "commission": "c1", "commission_name": "CCR"})}),
    ("server.json", {"type": "event", "event": dict(EVENT, type="participant.added", actor="admin", body={
        "participant": "p1", "name": "Zoé", "college": "locataires", "role": "member"})}),
    ("server.json", {"type": "event", "event": dict(EVENT, type="participant.joined", body={"participant": "p1"})}),
    ("snapshot.json", SNAPSHOT),
    ("http.error.json", {"error": {"code": "unauthorized", "message": "missing or invalid bearer token"}}),
    ("http.healthz.json", {"status": "ok", "version": "0.1.0"}),
    ("http.invitations.json", {"invitations": [{"participant": "p1", "token": TOKEN,
                                                "link": "http://127.0.0.1:8080/m/k3m9xq2d#t=" + TOKEN}]}),
    ("http.agenda_template.json", TEMPLATE),
    ("http.agenda_template.request.json", {"meeting": "ccr-2021-02"}),
])
def test_schemas_accept_the_messages_of_the_protocol(name, msg):
    SCHEMA.check(name, msg)


@pytest.mark.parametrize("name,msg", [
    ("client.json", {"type": "meeting.open", "id": 7, "body": {}}),              # no key
    ("client.json", {"type": "meeting.open", "id": {}, "key": "k"}),             # id object
    ("client.json", {"type": "meeting.open", "key": 5}),                         # key number
    ("client.json", {"type": "meeting.open", "key": "k", "body": []}),           # body array
    ("client.json", {"type": "meeting.open", "key": "x" * 65}),                  # key too long
    ("client.json", {"type": "hello", "body": {}}),                              # no token
    ("client.json", {"type": "meeting.dance", "key": "k"}),                      # unknown type
    ("server.json", {"type": "ok", "id": 7, "body": {}}),                        # no seq
    ("server.json", {"type": "error", "body": {"code": "oops", "message": ""}}),  # unknown code
    ("server.json", {"type": "event", "event": dict(EVENT, hash="9F" * 32)}),    # uppercase hex
    ("server.json", {"type": "event", "event": dict(EVENT, body={"x": 1})}),     # opened has no body
    ("server.json", {"type": "event", "event": dict(EVENT, type="participant.joined")}),  # body missing participant
    ("server.json", {"type": "welcome", "body": {"mode": "snapshot", "meeting": "m1", "seq": 1, "now": 5,
                     "you": {"participant": "p1", "name": "Z", "college": "", "role": "chair", "lang": "fr", "voted": []}}}),  # no snapshot
    ("server.json", {"type": "welcome", "body": {"mode": "resume", "meeting": "m1", "seq": 1, "now": 5,
                     "you": {"participant": "p1", "name": "Z", "college": "", "role": "admin", "lang": "fr", "voted": []}}}),
    ("client.json", {"type": "meeting.configure", "key": "k", "body": {}}),               # nothing to set
    ("client.json", {"type": "minutes.add", "body": {"text": "x"}}),                     # no key
    ("client.json", {"type": "record.approve"}),                                         # no key
    ("client.json", {"type": "meeting.configure", "key": "k", "body": {"grace": 3601}}),
    ("client.json", {"type": "speaker.give", "key": "k", "body": {"participant": "p1", "request": "r1"}}),
    ("client.json", {"type": "vote.cast", "key": "k", "body": {"vote": "v1", "choice": "yes", "receipts": ["short"]}}),
    ("server.json", {"type": "event", "event": dict(EVENT, type="quorum.lost", body={"present": 1, "required": 3})}),
    ("server.json", {"type": "event", "event": dict(EVENT, type="meeting.created", body={})}),
    ("http.ballots.json", {"vote": "v1", "mode": "secret", "ballots": [{"voter": "p1", "by": "", "choice": "no"}]}),
    ("snapshot.json", dict(SNAPSHOT, head="")),
    ("http.agenda_template.json", dict(TEMPLATE, items=[])),                     # a template holds items
    ("http.agenda_template.json", dict(TEMPLATE, items=[dict(TEMPLATE["items"][0], kind="debate")])),
    ("http.agenda_template.request.json", {"meeting": "ccr-2021-02", "items": []}),
])
def test_schemas_refuse_malformed_messages(name, msg):
    assert SCHEMA.errors(name, msg)


def test_chain_hash_follows_section_5_2_byte_for_byte():
    # The preimage written out by hand, to pin the Python helper to the text of 5.2.
    ev = {"meeting": "m1", "seq": 1, "ts": 1612270000000, "actor": "admin", "type": "meeting.created",
          "body": {"title": "Bilan \"2020\" / é", "lang": "fr", "n": 3}}
    pre = 'm1\n1\n1612270000000\nadmin\nmeeting.created\n{"lang":"fr","n":3,"title":"Bilan \\"2020\\" / é"}'
    import hashlib
    want = hashlib.blake2b(bytes(32) + pre.encode("utf-8"), digest_size=32).hexdigest()
    assert chain_link(ZERO_HASH, ev) == want
    assert canonical({"b": "\n\t\x01", "a": "\u2028"}) == '{"a":"\u2028","b":"\\n\\t\\u0001"}'
