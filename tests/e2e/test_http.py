# SPDX-License-Identifier: AGPL-3.0-or-later
"""The HTTP API (PROTOCOL.md 3): bearer tokens, roles, JSON errors, limits."""
import http.client
import json
import re

import pytest

from harness import SCHEMA, Client, http_request, make_meeting

FAKE = "Zm9vYmFyZm9vYmFyZm9vYmFyZm9vYmFyZm9vYmFyZm9"  # 43 base64url characters, never issued


def test_healthz_answers_ok_with_a_version_to_anyone(server):
    r = http_request(server.port, "GET", "/healthz")
    assert r.status == 200
    assert r.content_type == "application/json"
    SCHEMA.check("http.healthz.json", r.json)


@pytest.mark.parametrize("method,path", [
    ("POST", "/api/commissions"),
    ("GET", "/api/commissions/{c}"),
    ("POST", "/api/commissions/{c}/members"),
    ("POST", "/api/meetings"),
    ("GET", "/api/meetings/{m}"),
    ("POST", "/api/meetings/{m}/invitations"),
])
@pytest.mark.parametrize("auth", [None, "Bearer " + FAKE, "Bearer", "Basic YWRtaW46YWRtaW4=", "bearer  "])
def test_missing_or_bad_bearer_gets_401_unauthorized(shared_meeting, method, path, auth):
    meeting = shared_meeting
    path = path.format(c=meeting.commission["id"], m=meeting.id)
    api = meeting.server.api()
    headers = {"Authorization": auth} if auth else {}
    body = {"name": "x", "colleges": []} if method == "POST" else None
    err = api.error(method, path, 401, "unauthorized", token=None, headers=headers, body=body)
    assert err["message"]


@pytest.mark.parametrize("method,path,body", [
    ("POST", "/api/commissions", {"name": "Rogue", "colleges": ["bailleurs"]}),
    ("GET", "/api/commissions/{c}", None),
    ("POST", "/api/commissions/{c}/members", {"name": "Rogue", "college": "bailleurs", "role": "chair"}),
    ("POST", "/api/meetings", {"commission": "{c}", "title": "Rogue", "date": "2021-02-03", "place": "",
                               "room": "", "lang": "fr"}),
])
@pytest.mark.parametrize("who", ["chair", "member0"])
def test_admin_routes_with_a_participant_token_are_forbidden(shared_meeting, method, path, body, who):
    meeting = shared_meeting
    c = meeting.commission["id"]
    path = path.format(c=c)
    if body and body.get("commission"):
        body = dict(body, commission=c)
    api = meeting.server.api(meeting.token(who))
    api.error(method, path, 403, "forbidden", body=body)
    assert len(meeting.server.api().commission(c)["members"]) == len(meeting.participants)


def test_a_participant_may_read_the_snapshot_of_their_own_meeting(meeting):
    snap = meeting.server.api(meeting.token("member2")).snapshot(meeting.id)
    assert snap["meeting"]["id"] == meeting.id


def test_a_participant_of_another_meeting_may_not_read_it(server, meeting):
    other = make_meeting(server)
    server.api(other.token("chair")).error("GET", "/api/meetings/" + meeting.id, 403, "forbidden")


def test_a_new_link_replaces_the_old_one_tells_its_holder_and_is_written_in_the_log(meeting):
    """Only the secretariat issues links; a new one revokes the person's
    earlier link, closes their connection with a reason, and the log says
    when (PROTOCOL.md 3)."""
    chair = meeting.connect("chair")
    member = meeting.connect("member3")
    old = meeting.token("member3")
    invs = meeting.server.api().invite(meeting.id, [meeting.pid("member3")])
    assert [i["participant"] for i in invs] == [meeting.pid("member3")]
    # the holder of the old link is told, then closed
    err = member.recv()
    assert err["type"] == "error" and err["body"]["code"] == "bad_token", err
    assert "replaced" in err["body"]["message"]
    member.wait_closed()
    assert member.close_code == 1008
    # the old link no longer opens the meeting; the new one does
    Client(meeting.server, meeting.id).hello(old, expect="error")
    Client(meeting.server, meeting.id).hello(invs[0]["token"])
    ev = chair.wait_event("invitation.issued")
    assert ev["actor"] == "admin" and ev["body"] == {"participants": [meeting.pid("member3")]}
    assert invs[0]["token"] not in json.dumps(ev)
    # and the minutes say it, with who did it
    minutes = meeting.server.api().call("GET", "/api/meetings/%s/minutes" % meeting.id, expect=200).json
    name = meeting.participants[meeting.pid("member3")]["name"]
    said = [e["text"] for e in minutes if e.get("source") == "auto"]
    assert ("L’administration de la commission émet un nouveau lien personnel pour %s ; le précédent ne "
            "vaut plus." % name) in said, said


@pytest.mark.parametrize("who", ["chair", "member0", "secretary", "observer"])
def test_no_participant_may_invite_or_revoke(meeting, who):
    """Not even the chair: a link lets its holder act as that person."""
    api = meeting.server.api(meeting.token(who))
    api.error("POST", "/api/meetings/%s/invitations" % meeting.id, 403, "forbidden", body={})
    api.error("DELETE", "/api/meetings/%s/invitations/%s" % (meeting.id, meeting.pid("member3")), 403, "forbidden")
    c = Client(meeting.server, meeting.id)
    c.hello(meeting.token("member3"))  # still valid


def test_the_chair_of_one_meeting_may_not_invite_in_another(server, meeting):
    other = make_meeting(server)
    api = server.api(other.token("chair"))
    api.error("POST", "/api/meetings/%s/invitations" % meeting.id, 403, "forbidden", body={})
    api.error("DELETE", "/api/meetings/%s/invitations/%s" % (meeting.id, meeting.pid("member0")), 403, "forbidden")


def test_invitations_are_43_character_tokens_with_a_link_to_the_meeting(meeting):
    invs = meeting.server.api().invite(meeting.id)
    assert {i["participant"] for i in invs} == set(meeting.participants)
    for i in invs:
        assert re.fullmatch(r"[A-Za-z0-9_-]{43}", i["token"])
        assert i["link"].endswith("/m/%s#t=%s" % (meeting.id, i["token"]))
    assert len({i["token"] for i in invs}) == len(invs)


@pytest.mark.parametrize("path", [
    "/api/nope", "/api", "/api/commissions/nosuch9", "/api/meetings/nosuch9",
    "/api/meetings/nosuch9/invitations/x", "/api/commissions/{c}/nope",
])
def test_unknown_route_or_object_gets_404_json_not_found(meeting, path):
    path = path.format(c=meeting.commission["id"])
    method = "DELETE" if path.endswith("/x") else "GET"
    meeting.server.api().error(method, path, 404, "not_found")


def test_an_unknown_participant_cannot_be_invited_or_revoked(meeting):
    api = meeting.server.api()
    api.error("POST", "/api/meetings/%s/invitations" % meeting.id, 404, "not_found", body={"participants": ["nosuch9"]})
    api.error("DELETE", "/api/meetings/%s/invitations/nosuch9" % meeting.id, 404, "not_found")


def test_a_meeting_for_an_unknown_commission_is_not_found(server):
    body = {"commission": "nosuch9", "title": "T", "date": "2021-02-02", "place": "", "room": "", "lang": "fr"}
    server.api().error("POST", "/api/meetings", 404, "not_found", body=body)


def test_a_wrong_method_on_a_known_route_gets_405(meeting):
    api = meeting.server.api()
    api.error("PUT", "/api/commissions", 405, "method_not_allowed", body={})
    api.error("DELETE", "/api/meetings/" + meeting.id, 405, "method_not_allowed")


@pytest.mark.parametrize("raw", [b"{nope", b"", b'{"name": "x", "colleges": [}', b"\xff\xfe{}"])
def test_a_body_that_is_not_json_gets_400_bad_json(server, raw):
    server.api().error("POST", "/api/commissions", 400, "bad_json", raw=raw,
                       headers={"Content-Type": "application/json"})


@pytest.mark.parametrize("body", [
    [], "x", {"colleges": ["a"]}, {"name": 5, "colleges": []}, {"name": "x", "colleges": "bailleurs"},
    {"name": "x", "colleges": [1]},
])
def test_a_json_body_of_the_wrong_shape_gets_400_bad_message(server, body):
    server.api().error("POST", "/api/commissions", 400, "bad_message", body=body)


@pytest.mark.parametrize("role", ["admin", "présidnt", "superviseur", ""])
def test_a_member_with_an_unknown_role_is_invalid(meeting, role):
    c = meeting.commission["id"]
    api = meeting.server.api()
    api.error("POST", "/api/commissions/%s/members" % c, 400, "invalid",
              body={"name": "Rogue", "college": "bailleurs", "role": role})
    assert len(api.commission(c)["members"]) == len(meeting.participants)


def test_a_body_over_1_mib_gets_413_too_large(server):
    raw = b'{"name": "' + b"x" * (1024 * 1024 + 16) + b'", "colleges": []}'
    server.api().error("POST", "/api/commissions", 413, "too_large", raw=raw,
                       headers={"Content-Type": "application/json"})
    assert http_request(server.port, "GET", "/healthz").status == 200


def test_a_commission_lists_its_roster(meeting):
    detail = meeting.server.api().commission(meeting.commission["id"])
    assert detail["name"] == meeting.commission["name"]
    assert detail["colleges"] == ["bailleurs", "locataires"]
    got = sorted((m["name"], m["college"], m["role"]) for m in detail["members"])
    assert got == sorted((p["name"], p["college"], p["role"]) for p in meeting.participants.values())


def test_a_meetings_participants_are_the_roster_at_its_creation(meeting):
    api = meeting.server.api()
    api.add_member(meeting.commission["id"], "Late Comer", "bailleurs", "member")
    snap = api.snapshot(meeting.id)
    assert "Late Comer" not in {p["name"] for p in snap["participants"]}
    later = api.create_meeting(meeting.commission["id"], "Next one", check=False)
    later_id = later["meeting"]["id"]
    assert "Late Comer" in {p["name"] for p in api.snapshot(later_id)["participants"]}


def test_creating_a_commission_answers_its_id_name_and_colleges(server):
    com = server.api().create_commission("CCR Nord", ["bailleurs", "locataires"])  # checks the schema
    assert (com["name"], com["colleges"]) == ("CCR Nord", ["bailleurs", "locataires"])


def test_adding_a_member_answers_the_roster_entry(server):
    api = server.api()
    com = api.create_commission("CCR Sud", ["bailleurs"], check=False)
    m = api.add_member(com["id"], "Zoé L’Hermitte", "bailleurs", "member")
    assert (m["name"], m["college"], m["role"]) == ("Zoé L’Hermitte", "bailleurs", "member")
    assert api.commission(com["id"])["members"] == [m]


def test_a_new_meeting_is_scheduled_and_echoes_what_was_asked(server):
    api = server.api()
    com = api.create_commission("CCR Nord", ["bailleurs", "locataires"], check=False)
    made = api.create_meeting(com["id"], "Séance « spéciale »", date="2021-03-04T10:00", place="Arras",
                              room="B/12", lang="en")
    m = made["meeting"]
    assert (m["title"], m["date"], m["place"], m["room"], m["lang"]) == (
        "Séance « spéciale »", "2021-03-04T10:00", "Arras", "B/12", "en")
    assert (m["state"], m["opened_at"], m["closed_at"]) == ("scheduled", 0, 0)
    assert m["commission"] == {"id": com["id"], "name": "CCR Nord"}
    assert api.snapshot(m["id"]) == made
    assert made["participants"] == [] and made["attendance"]["present"] == 0


def test_a_new_meeting_gets_defaults_for_what_was_not_given(server):
    api = server.api()
    com = api.create_commission("CCR Est", ["bailleurs"], check=False)
    r = api.call("POST", "/api/meetings", {"commission": com["id"], "title": "Sans détails"}, "http.meeting.json", 201)
    m = r.json["meeting"]
    assert (m["date"], m["place"], m["lang"]) == ("", "", "fr")
    assert m["room"].endswith("concerto-" + m["id"]), m["room"]


@pytest.mark.parametrize("path", ["/api/x%00y", "/api/commissions%00", "/healthz%00", "/nosuch%00.html"])
def test_a_nul_byte_in_the_path_is_refused_and_the_server_lives_on(server, path):
    # libwebsockets refuses a %00 while decoding the path, before the server
    # sees the request: the connection is closed without an answer. Either
    # way the request is refused and everyone else is still served.
    try:
        r = http_request(server.port, "GET", path)
        assert r.status in (400, 404), r
    except (ConnectionError, http.client.HTTPException):
        pass
    assert server.proc.poll() is None, "the server died on %s" % path
    assert http_request(server.port, "GET", "/healthz").status == 200


def test_metrics_are_served_to_anyone_in_prometheus_text_format(server):
    r = http_request(server.port, "GET", "/metrics")
    assert r.status == 200
    assert r.content_type == "text/plain"
    assert re.search(r"^# TYPE \S+ (counter|gauge)$", r.text(), re.M), r.text()[:300]
