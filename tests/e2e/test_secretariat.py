# SPDX-License-Identifier: AGPL-3.0-or-later
"""The secretariat's year (PROTOCOL.md 3): rosters in French, the lists of
commissions and meetings, a meeting's settings and agenda prepared through
HTTP before it opens, seen live by whoever is connected."""
import pytest

from harness import SCHEMA, make_meeting


def post_csv(server, cid, text):
    return server.api().call("POST", "/api/commissions/%s/members.csv" % cid, raw=text.encode("utf-8"),
                             headers={"Content-Type": "text/csv; charset=utf-8"})


@pytest.fixture
def commission(server):
    return server.api().create_commission("CCR Hauts-de-France", ["bailleurs", "locataires"], check=False)


def test_a_french_secretariats_roster_is_imported_as_typed(server, commission):
    text = ("Nom;Collège;Rôle\n"
            "Claire Vasseur;;Présidente\n"
            "Paul Lefèvre;;secrétaire\n"
            "Fatima Benali;Bailleurs;membre\n"
            "Jean Roux; LOCATAIRES ;MEMBRE\n"
            "Anne Mercier;;observatrice\n"
            "Marc Dubois;;Observateur\n"
            "Luc Martin;;président\n")
    r = post_csv(server, commission["id"], text)
    assert r.status == 201, r
    SCHEMA.check("http.members.json", r.json)
    got = sorted((m["name"], m["college"], m["role"]) for m in server.api().commission(commission["id"])["members"])
    assert got == sorted([
        ("Claire Vasseur", "", "chair"), ("Paul Lefèvre", "", "secretary"),
        ("Fatima Benali", "bailleurs", "member"), ("Jean Roux", "locataires", "member"),
        ("Anne Mercier", "", "observer"), ("Marc Dubois", "", "observer"), ("Luc Martin", "", "chair"),
    ])


def test_one_member_is_added_in_the_same_words_as_the_roster(server, commission):
    api = server.api()
    cid = commission["id"]
    m = api.add_member(cid, "Claire Vasseur", "", "Présidente")
    assert (m["college"], m["role"], m["lang"]) == ("", "chair", "fr")
    m = api.add_member(cid, "Fatima Benali", " Bailleurs ", "MEMBRE")
    assert (m["college"], m["role"]) == ("bailleurs", "member")
    for word, lang in (("English", "en"), (" FRANÇAIS ", "fr"), ("en", "en"), ("", "fr")):
        body = {"name": "Lang %s" % lang, "college": "", "role": "observer", "lang": word}
        SCHEMA.check("http.member.request.json", body)
        m = api.call("POST", "/api/commissions/%s/members" % cid, body, "http.member.json", 201).json
        assert m["lang"] == lang, (word, m)
        assert [x["lang"] for x in api.commission(cid)["members"] if x["id"] == m["id"]] == [lang]
    before = api.commission(cid)["members"]
    for body, field, reason in [
        ({"name": "Jean Roux", "college": "locataires", "role": "présidnt"}, "role", "role"),
        ({"name": "Jean Roux", "college": "élus", "role": "membre"}, "college", "college"),
        ({"name": "Jean Roux", "college": "", "role": "membre"}, "college", "college_required"),
        ({"name": " ", "college": "locataires", "role": "membre"}, "name", "name"),
        ({"name": "Jean Roux", "college": "locataires", "role": "membre", "lang": "deutsch"}, "lang", "lang"),
    ]:
        r = api.call("POST", "/api/commissions/%s/members" % cid, body)
        assert r.status == 400, (body, r)
        err = r.json["error"]
        assert (err["code"], err["field"], err["reason"]) == ("invalid", field, reason), err
        assert "line" not in err
    assert api.commission(cid)["members"] == before


@pytest.mark.parametrize("text,line,field,reason", [
    ("nom;collège;rôle\nA;bailleurs;membre\nB;bailleurs;présidnt\n", 3, "role", "role"),
    ("nom;collège;rôle\nA;Bailleurs;membre\nB;propriétaires;membre\n", 3, "college", "college"),
    ("nom;collège;rôle\nA;;membre\n", 2, "college", "college_required"),
    ("nom;collège;rôle\nA;bailleurs;membre\n  ;bailleurs;membre\n", 3, "name", "name"),
    ("nom;collège;rôle\nA;bailleurs;membre\nB;bailleurs\n", 3, "role", "fields"),
    ("nom;collège;couleur\nA;bailleurs;rouge\n", 1, "role", "header"),
    ("collège;rôle\nbailleurs;membre\n", 1, "name", "header"),
    ("nom;collège;rôle;langue\nA;bailleurs;membre;anglais\nB;bailleurs;membre;breton\n", 3, "lang", "lang"),
])
def test_a_bad_line_is_named_by_its_number_field_and_reason(server, commission, text, line, field, reason):
    r = post_csv(server, commission["id"], text)
    assert r.status == 400, r
    SCHEMA.check("http.error.json", r.json)
    e = r.json["error"]
    assert (e["code"], e["line"], e["field"], e["reason"]) == ("invalid", line, field, reason), e
    assert server.api().commission(commission["id"])["members"] == []


def test_a_file_that_is_not_text_or_not_csv_says_so(server, commission):
    r = post_csv(server, commission["id"], 'nom;collège;rôle\nA;bailleurs;membre\n"B;bailleurs;membre\n')
    assert (r.json["error"]["line"], r.json["error"]["reason"]) == (3, "syntax"), r
    r = server.api().call("POST", "/api/commissions/%s/members.csv" % commission["id"],
                          raw=b"nom;coll\xe8ge;r\xf4le\nA;bailleurs;membre\n", headers={"Content-Type": "text/csv"})
    assert (r.json["error"]["line"], r.json["error"]["reason"]) == (1, "not_text"), r
    r = post_csv(server, commission["id"], "nom;collège;rôle\n")
    assert r.json["error"]["reason"] == "empty" and "line" not in r.json["error"], r


def test_the_lists_of_commissions_and_meetings_survive_a_reload(server):
    m = make_meeting(server)
    api = server.api()
    api.create_meeting(m.commission["id"], "Séance de juin", date="2021-06-15T14:00", check=False)
    r = api.call("GET", "/api/commissions", None, "http.commissions.json", 200)
    mine = [c for c in r.json["commissions"] if c["id"] == m.commission["id"]]
    assert len(mine) == 1
    assert (mine[0]["name"], mine[0]["colleges"], mine[0]["meetings"]) == \
        ("CCR Hauts-de-France", ["bailleurs", "locataires"], 2)
    assert mine[0]["members"] == len(m.participants)
    r = api.call("GET", "/api/commissions/%s/meetings" % m.commission["id"], None,
                 "http.commission.meetings.json", 200)
    rows = r.json["meetings"]
    assert [x["id"] for x in rows][0] == m.id and [x["title"] for x in rows][1] == "Séance de juin"
    assert rows[0]["state"] == "scheduled" and not rows[0]["finalized"] and not rows[0]["approved"]
    assert rows[1]["date"] == "2021-06-15T14:00" and rows[1]["participants"] == len(m.participants)
    api.error("GET", "/api/commissions/nope/meetings", 404, "not_found")
    api.error("GET", "/api/commissions", 403, "forbidden", token=m.token("chair"))


def test_settings_set_before_the_meeting_reach_a_connected_member_and_stop_at_opening(server):
    m = make_meeting(server)
    member = m.connect("member0")
    api = server.api()
    body = {"quorum": 40, "quorum_college": 50, "grace": 60, "proxy_max": 2, "proxy_college": False}
    SCHEMA.check("http.settings.request.json", body)
    r = api.call("POST", "/api/meetings/%s/settings" % m.id, body, "http.meeting.json", 200)
    s = r.json["settings"]
    assert (s["quorum"], s["quorum_college"], s["grace"], s["proxy_max"], s["proxy_college"]) == (40, 50, 60, 2, False)
    ev = member.wait_event("meeting.configured")
    assert ev["actor"] == "admin" and ev["body"]["quorum_college"] == 50
    api.error("POST", "/api/meetings/%s/settings" % m.id, 400, "bad_message", body={})
    api.error("POST", "/api/meetings/%s/settings" % m.id, 400, "bad_message", body={"quorum": "half"})
    m.connect("chair").command("meeting.open")
    r = api.error("POST", "/api/meetings/%s/settings" % m.id, 409, "bad_state", body={"quorum": 50})
    assert api.snapshot(m.id)["settings"]["quorum"] == 40


def test_the_agenda_is_prepared_through_http_and_seen_live(server):
    m = make_meeting(server)
    member = m.connect("member0")
    api = server.api()
    base = "/api/meetings/%s/agenda" % m.id
    add = {"title": "Bilan 2020", "description": "Les effets de la crise sanitaire.", "duration": 1200,
           "kind": "information"}
    SCHEMA.check("http.agenda.request.json", add)
    r = api.call("POST", base, add, "http.meeting.json", 201)
    assert [i["title"] for i in r.json["agenda"]] == ["Bilan 2020"]
    first = r.json["agenda"][0]["id"]
    ev = member.wait_event("agenda.item_added")
    assert ev["actor"] == "admin" and ev["body"]["title"] == "Bilan 2020"
    r = api.call("POST", base, {"title": "Feuille de route 2021", "kind": "deliberation"}, "http.meeting.json", 201)
    second = r.json["agenda"][1]["id"]
    api.call("POST", base, {"title": "Questions diverses"}, "http.meeting.json", 201)

    r = api.call("POST", "%s/%s" % (base, second), {"title": "Feuille de route 2021 : trois groupes"},
                 "http.meeting.json", 200)
    assert member.wait_event("agenda.item_edited")["actor"] == "admin"
    r = api.call("POST", "%s/%s/move" % (base, second), {"position": 0}, "http.meeting.json", 200)
    assert [i["title"] for i in r.json["agenda"]][:2] == ["Feuille de route 2021 : trois groupes", "Bilan 2020"]
    assert member.wait_event("agenda.item_moved")["body"]["position"] == 0
    r = api.call("DELETE", "%s/%s" % (base, first), None, "http.meeting.json", 200)
    assert [i["title"] for i in r.json["agenda"]] == ["Feuille de route 2021 : trois groupes", "Questions diverses"]
    assert member.wait_event("agenda.item_removed")["body"]["item"] == first

    api.error("POST", "%s/%s" % (base, "i99"), 404, "not_found", body={"title": "x"})
    api.error("POST", "%s/%s" % (base, second), 400, "invalid", body={"item": "i1", "title": "x"})
    api.error("POST", base, 400, "bad_message", body={})
    api.error("POST", "%s/%s/move" % (base, second), 409, "conflict", body={"position": 0})
    api.error("POST", base, 403, "forbidden", body={"title": "x"}, token=m.token("chair"))

    chair = m.connect("chair")
    chair.command("meeting.open")
    api.call("POST", base, {"title": "Point ajouté en séance"}, "http.meeting.json", 201)  # open: still allowed
    chair.command("agenda.open", {"item": second})
    api.error("DELETE", "%s/%s" % (base, second), 409, "bad_state")
    chair.command("meeting.close")
    api.error("POST", base, 409, "bad_state", body={"title": "Trop tard"})


def test_the_next_meeting_starts_from_the_previous_agenda_without_doubling_postponed_items(server):
    m = make_meeting(server)
    api = server.api()
    base = "/api/meetings/%s/agenda" % m.id
    api.call("POST", base, {"title": "Bilan 2020", "description": "Crise sanitaire.", "duration": 600}, None, 201)
    r = api.call("POST", base, {"title": "Groupes de travail", "kind": "deliberation", "duration": 900}, None, 201)
    groups = r.json["agenda"][1]["id"]
    api.call("POST", base, {"title": "Tranquillité", "parent": groups, "duration": 300}, None, 201)
    api.call("POST", base, {"title": "Impayés", "description": "Accords locaux.", "presenter": "F. Benali"}, None, 201)
    impayes = [i for i in api.snapshot(m.id)["agenda"] if i["title"] == "Impayés"][0]["id"]
    chair = m.connect("chair")
    chair.command("meeting.open")
    chair.command("agenda.postpone", {"item": impayes})
    chair.command("meeting.close")

    nxt = api.create_meeting(m.commission["id"], "Séance suivante", check=False)
    nid = nxt["meeting"]["id"]
    assert [i["title"] for i in nxt["agenda"]] == ["Impayés"]  # carried at creation
    r = api.call("POST", "/api/meetings/%s/agenda/from-previous" % nid, None, "http.meeting.json", 200)
    agenda = r.json["agenda"]
    assert [i["title"] for i in agenda] == ["Impayés", "Bilan 2020", "Groupes de travail", "Tranquillité"]
    bilan = agenda[1]
    assert (bilan["description"], bilan["duration"], bilan["kind"], bilan["origin"], bilan["state"]) == \
        ("Crise sanitaire.", 600, "information", "", "pending")
    assert agenda[2]["kind"] == "deliberation" and agenda[3]["parent"] == agenda[2]["id"]
    again = api.call("POST", "/api/meetings/%s/agenda/from-previous" % nid, None, "http.meeting.json", 200)
    assert [i["title"] for i in again.json["agenda"]] == [i["title"] for i in agenda]
    api.error("POST", "/api/meetings/%s/agenda/from-previous" % m.id, 409, "bad_state")
    first = make_meeting(server)
    api.error("POST", "/api/meetings/%s/agenda/from-previous" % first.id, 404, "not_found")
