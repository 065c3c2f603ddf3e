# SPDX-License-Identifier: AGPL-3.0-or-later
"""A member of the roster edited or taken off it (PROTOCOL.md 3, "Changing the
roster"): the change reaches the meetings not yet opened, live, and never a
meeting that has opened; a removed member's links to the drafts stop working;
bad input is refused with a typed error and changes nothing."""
import pytest

from harness import SCHEMA, Client, make_meeting


def member_path(m, who):
    return "/api/commissions/%s/members/%s" % (m.commission["id"], m.pid(who))


def edit(api, path, body, expect=200):
    SCHEMA.check("http.member.edit.request.json", body)
    return api.call("POST", path, body, "http.member.edit.json", expect).json


def by_id(snapshot):
    return {p["id"]: p for p in snapshot["participants"]}


def open_meeting(m):
    chair = m.connect("chair")
    chair.command("meeting.open")
    return chair


def test_an_edit_reaches_the_draft_live_and_the_roster(server):
    m = make_meeting(server)
    api = server.api()
    observer = m.connect("observer")
    got = edit(api, member_path(m, "member0"),
               {"name": "Zoé Hermitte-Roux", "college": "Locataires", "email": " zoe@exemple.fr "})
    assert (got["name"], got["college"], got["role"], got["email"]) == (
        "Zoé Hermitte-Roux", "locataires", "member", "zoe@exemple.fr")
    assert got["meetings"] == [m.id]
    ev = observer.wait_event("participant.edited", participant=m.pid("member0"))
    assert ev["actor"] == "admin"
    assert ev["body"] == {"participant": m.pid("member0"), "name": "Zoé Hermitte-Roux",
                          "college": "locataires", "role": "member"}
    p = by_id(api.snapshot(m.id))[m.pid("member0")]
    assert (p["name"], p["college"], p["role"]) == ("Zoé Hermitte-Roux", "locataires", "member")
    roster = {r["id"]: r for r in api.commission(m.commission["id"])["members"]}
    assert roster[m.pid("member0")]["email"] == "zoe@exemple.fr"
    # the role in French, the rest kept
    got = edit(api, member_path(m, "member0"), {"role": "Observatrice", "college": ""})
    assert (got["name"], got["college"], got["role"]) == ("Zoé Hermitte-Roux", "", "observer")
    # nothing changed in the meeting: nothing written (the language is the roster's)
    seq = m.head()
    got = edit(api, member_path(m, "member0"), {"email": "", "lang": "Anglais"})
    assert got["meetings"] == [] and (got["email"], got["lang"]) == ("", "en")
    assert m.head() == seq


def test_a_meeting_already_opened_keeps_its_participants(server):
    m = make_meeting(server)
    api = server.api()
    open_meeting(m)
    before = api.snapshot(m.id)
    draft = api.create_meeting(m.commission["id"], "Séance suivante")["meeting"]["id"]
    got = edit(api, member_path(m, "member1"), {"name": "Marc Dubois"})
    assert got["meetings"] == [draft]
    after = api.snapshot(m.id)
    assert after["participants"] == before["participants"] and after["seq"] == before["seq"]
    assert by_id(api.snapshot(draft))[m.pid("member1")]["name"] == "Marc Dubois"
    r = api.call("DELETE", member_path(m, "member1"), None, "http.member.removed.json", 200).json
    assert r == {"removed": m.pid("member1"), "meetings": [draft], "groups": []}
    assert m.pid("member1") in by_id(api.snapshot(m.id))
    assert m.pid("member1") not in by_id(api.snapshot(draft))
    # their link to the opened meeting still works: they took part in it
    c = Client(server, m.id)
    c.hello(m.token("member1"))
    c.close()


def test_a_removed_member_leaves_the_draft_and_their_link_stops_working(server):
    m = make_meeting(server)
    api = server.api()
    pid = m.pid("member2")
    observer = m.connect("observer")
    member = m.connect("member2")
    member.command("proxy.give", {"to": m.pid("member3")})
    r = api.call("DELETE", member_path(m, "member2"), None, "http.member.removed.json", 200).json
    assert r == {"removed": pid, "meetings": [m.id], "groups": []}
    revoked = observer.wait_event("proxy.revoked", **{"from": pid})
    removed = observer.wait_event("participant.removed", participant=pid)
    assert revoked["actor"] == removed["actor"] == "admin"
    code, _ = member.wait_closed()
    assert code == 1008
    snap = api.snapshot(m.id)
    assert pid not in by_id(snap) and snap["proxies"] == []
    assert pid not in [x["id"] for x in api.commission(m.commission["id"])["members"]]
    again = Client(server, m.id)
    assert again.hello(m.token("member2"), expect="error")["code"] == "bad_token"
    api.error("GET", "/api/meetings/" + m.id, 401, "unauthorized", token=m.token("member2"))
    # nor can the secretariat issue them a new link, or send them a convocation
    api.error("POST", "/api/meetings/%s/invitations" % m.id, 404, "not_found", body={"participants": [pid]})
    assert pid not in [i["participant"] for i in api.invite(m.id)]
    assert pid not in [c["participant"] for c in
                       api.call("GET", "/api/meetings/%s/convocations" % m.id, None, None, 200).json["convocations"]]
    # the quorum counts the members left: 3 of them
    assert snap["attendance"]["quorum"]["required"] == 2
    # and a second removal finds nobody
    api.error("DELETE", member_path(m, "member2"), 404, "not_found")


def test_a_group_lead_is_not_removed_a_group_member_leaves_the_group(server):
    m = make_meeting(server)
    api = server.api()
    cid = m.commission["id"]
    g = api.call("POST", "/api/commissions/%s/groups" % cid,
                 {"name": "Charges locatives", "lead": m.pid("member0"),
                  "members": [m.pid("member0"), m.pid("member1")]}, "http.group.json", 201).json
    seq = m.head()
    err = api.error("DELETE", member_path(m, "member0"), 409, "conflict")
    assert err["reason"] == "group_lead" and "Charges locatives" in err["message"]
    assert m.pid("member0") in by_id(api.snapshot(m.id)) and m.head() == seq
    r = api.call("DELETE", member_path(m, "member1"), None, "http.member.removed.json", 200).json
    assert r["groups"] == [g["id"]]
    groups = api.call("GET", "/api/commissions/%s/groups" % cid, None, "http.groups.json", 200).json["groups"]
    assert groups[0]["members"] == [m.pid("member0")]


def test_the_owner_of_an_open_action_is_not_removed(server):
    m = make_meeting(server)
    api = server.api()
    secretary = m.connect("secretary")
    api.call("POST", "/api/meetings/%s/agenda" % m.id, {"title": "Bilan 2020"}, None, 201)
    item = api.snapshot(m.id)["agenda"][0]["id"]
    secretary.command("action.record", {"title": "Diffuser le bilan", "owner": m.pid("member0"), "item": item})
    err = api.error("DELETE", member_path(m, "member0"), 409, "conflict")
    assert err["reason"] == "open_actions"
    assert m.pid("member0") in [x["id"] for x in api.commission(m.commission["id"])["members"]]


@pytest.mark.parametrize("body,field,reason", [
    ({"role": "présidnt"}, "role", "role"),
    ({"college": "élus"}, "college", "college"),
    ({"college": ""}, "college", "college_required"),
    ({"name": " "}, "name", "name"),
    ({"email": "pas une adresse"}, "email", "email"),
    ({"lang": "klingon"}, "lang", "lang"),
])
def test_bad_words_are_refused_by_field_and_nothing_changes(server, body, field, reason):
    m = make_meeting(server)
    api = server.api()
    before, seq = api.commission(m.commission["id"]), m.head()
    r = api.call("POST", member_path(m, "member0"), body)
    assert r.status == 400, r
    e = r.json["error"]
    assert (e["code"], e["field"], e["reason"]) == ("invalid", field, reason), e
    assert api.commission(m.commission["id"]) == before and m.head() == seq


def test_bad_requests_are_typed_and_change_nothing(server):
    m = make_meeting(server)
    api = server.api()
    other = api.create_commission("CCR Bretagne", ["bailleurs"])
    before, seq = api.commission(m.commission["id"]), m.head()
    api.error("POST", member_path(m, "member0"), 400, "bad_message", body={"nom": "X"})
    api.error("POST", member_path(m, "member0"), 400, "bad_message", body={"name": 3})
    api.error("POST", "/api/commissions/%s/members/nobody" % m.commission["id"], 404, "not_found", body={})
    api.error("POST", "/api/commissions/%s/members/%s" % (other["id"], m.pid("member0")), 404, "not_found",
              body={"name": "X"})
    api.error("DELETE", "/api/commissions/%s/members/%s" % (other["id"], m.pid("member0")), 404, "not_found")
    api.error("GET", member_path(m, "member0"), 405, "method_not_allowed")
    for who in ("chair", "secretary", "member0"):
        api.error("POST", member_path(m, "member1"), 403, "forbidden", body={"name": "X"}, token=m.token(who))
        api.error("DELETE", member_path(m, "member1"), 403, "forbidden", token=m.token(who))
    api.error("DELETE", member_path(m, "member1"), 401, "unauthorized", token=None)
    assert api.commission(m.commission["id"]) == before and m.head() == seq


def test_a_draft_rebuilt_from_its_log_keeps_the_changes(server):
    m = make_meeting(server)
    api = server.api()
    edit(api, member_path(m, "member0"), {"name": "Zoé Hermitte"})
    api.call("DELETE", member_path(m, "member3"), None, "http.member.removed.json", 200)
    before = api.snapshot(m.id)
    server.restart()
    after = server.api().snapshot(m.id)
    assert after["participants"] == before["participants"]
    assert by_id(after)[m.pid("member0")]["name"] == "Zoé Hermitte"
    assert m.pid("member3") not in by_id(after)


def test_a_new_role_takes_effect_on_a_connection_already_open(server):
    m = make_meeting(server)
    api = server.api()
    member = m.connect("member0")
    member.error("agenda.add", "forbidden", {"title": "Point du collège"})
    edit(api, member_path(m, "member0"), {"role": "secrétaire", "college": ""})
    member.wait_event("participant.edited", participant=m.pid("member0"))
    member.command("agenda.add", {"title": "Point du collège"})
    # an observer's connection still works after the bureau's list changed
    observer = m.connect("observer")
    edit(api, member_path(m, "member0"), {"role": "observateur"})
    observer.wait_event("participant.edited", participant=m.pid("member0"))
    member.error("agenda.add", "forbidden", {"title": "Encore un point"})


def test_the_record_lists_the_participants_as_the_meeting_opened(server):
    m = make_meeting(server)
    api = server.api()
    gone, renamed = m.pid("member3"), m.pid("member0")
    member = m.connect("member3")  # connected in the draft, then taken off the roster
    member.command("proxy.give", {"to": m.pid("member2")})
    api.call("DELETE", member_path(m, "member3"), None, "http.member.removed.json", 200)
    member.wait_closed()
    edit(api, member_path(m, "member0"), {"name": "Zoé Hermitte"})
    chair, sec = m.connect("chair"), m.connect("secretary")
    chair.command("meeting.open")
    edit(api, member_path(m, "member0"), {"name": "Zoé L."})  # too late for this meeting
    chair.command("meeting.close")
    sec.command("minutes.finalize")
    for f in ("record.json", "record.md", "record.html", "record.pdf"):
        api.call("GET", "/api/meetings/%s/record/%s" % (m.id, f), None, None, 200)
    record = api.call("GET", "/api/meetings/%s/record/record.json" % m.id, None, None, 200).json
    people = {p["id"]: p for p in record["participants"]}
    assert gone not in people and people[renamed]["name"] == "Zoé Hermitte"
    assert [(x["from"], x["revoked_by"]) for x in record["proxies"]] == [(gone, "admin")]
