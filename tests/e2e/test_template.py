# SPDX-License-Identifier: AGPL-3.0-or-later
"""A commission's agenda template (PROTOCOL.md 3.8), through the HTTP API
and a WebSocket client of the meeting: the built-in default in the meeting's
language, a template saved from a meeting's agenda, a meeting that starts
from it (agenda.item_added, actor admin, as for items added by hand, with
the approval of the previous minutes and the follow-up of its actions), and
the refusals, which change nothing."""
from harness import SCHEMA, Client, make_meeting

DEFAULT_FR = ["Ouverture de la séance et vérification du quorum", "Adoption de l’ordre du jour",
              "Questions diverses", "Date de la prochaine séance"]
DEFAULT_EN = ["Opening of the meeting and check of the quorum", "Adoption of the agenda",
              "Any other business", "Date of the next meeting"]


def tpl_path(cid):
    return "/api/commissions/%s/agenda-template" % cid


def save(api, cid, mid):
    body = {"meeting": mid}
    SCHEMA.check("http.agenda_template.request.json", body)
    return api.call("POST", tpl_path(cid), body, "http.agenda_template.json", 200).json


def start(api, mid):
    return api.call("POST", "/api/meetings/%s/agenda/from-template" % mid, None, "snapshot.json", 200).json


def top(snap):
    return [i["title"] for i in sorted((i for i in snap["agenda"] if not i["parent"]),
                                       key=lambda i: i["position"])]


def test_the_default_then_a_saved_template_start_a_meeting_not_yet_open(server):
    m = make_meeting(server)
    api = server.api()
    cid = m.commission["id"]
    got = api.call("GET", tpl_path(cid), None, "http.agenda_template.json", 200).json
    assert (got["saved"], got["meeting"], got["updated"]) == (False, "", 0)
    assert [i["title"] for i in got["items"]] == DEFAULT_FR
    assert got["items"][1]["kind"] == "vote" and got["items"][0]["duration"] == 300
    mine = api.call("GET", "/api/meetings/%s/agenda/template" % m.id, None, "http.agenda_template.json", 200).json
    assert mine == got

    # the default starts the meeting: the chair's connection sees each item added by the admin
    chair = m.connect("chair")
    head = m.head()
    snap = start(api, m.id)
    assert top(snap) == DEFAULT_FR
    for it in snap["agenda"]:
        ev = chair.wait_event("agenda.item_added", item=it["id"])
        assert ev["actor"] == "admin" and ev["body"]["title"] == it["title"] and ev["seq"] > head
    again = start(api, m.id)
    assert again["agenda"] == snap["agenda"], "a second start adds nothing"

    # a fuller agenda, saved as the commission's template
    point = api.call("POST", "/api/meetings/%s/agenda" % m.id,
                     {"title": "Bilan 2020", "description": "Présentation du bilan.", "presenter": "DREAL",
                      "kind": "deliberation", "duration": 1800, "speaking_time": 120, "position": 2},
                     "snapshot.json", 201).json
    bilan = [i for i in point["agenda"] if i["title"] == "Bilan 2020"][0]["id"]
    api.call("POST", "/api/meetings/%s/agenda" % m.id, {"title": "Chiffres des bailleurs", "parent": bilan,
                                                        "duration": 600}, "snapshot.json", 201)
    api.call("POST", "/api/meetings/%s/agenda" % m.id, {"title": "Chiffres des locataires", "parent": bilan},
             "snapshot.json", 201)
    last = [i for i in api.snapshot(m.id)["agenda"] if i["title"] == "Date de la prochaine séance"][0]["id"]
    api.call("DELETE", "/api/meetings/%s/agenda/%s" % (m.id, last), None, "snapshot.json", 200)
    saved = save(api, cid, m.id)
    assert (saved["saved"], saved["meeting"], saved["commission"]) == (True, m.id, cid)
    assert saved["updated"] > 0
    assert [i["title"] for i in saved["items"]] == [DEFAULT_FR[0], DEFAULT_FR[1], "Bilan 2020", DEFAULT_FR[2]]
    assert saved["items"][2] == {
        "title": "Bilan 2020", "description": "Présentation du bilan.", "presenter": "DREAL",
        "kind": "deliberation", "duration": 1800, "speaking_time": 120,
        "items": [{"title": "Chiffres des bailleurs", "description": "", "presenter": "", "kind": "information",
                   "duration": 600, "speaking_time": 0},
                  {"title": "Chiffres des locataires", "description": "", "presenter": "", "kind": "information",
                   "duration": 0, "speaking_time": 0}]}
    assert api.call("GET", tpl_path(cid), None, "http.agenda_template.json", 200).json == saved

    # refusals: typed, and nothing changes
    other = make_meeting(server)
    empty = api.create_meeting(cid, "Séance vide")["meeting"]["id"]
    bad = [
        ({}, 400, "bad_message"),
        ({"meeting": 5}, 400, "bad_message"),
        ({"meeting": m.id, "items": []}, 400, "bad_message"),
        ({"meeting": "Pas Un Id"}, 400, "invalid"),
        ({"meeting": "inconnue"}, 404, "not_found"),
        ({"meeting": other.id}, 400, "invalid"),
        ({"meeting": empty}, 400, "invalid"),
    ]
    for body, status, code in bad:
        api.error("POST", tpl_path(cid), status, code, body=body)
    api.error("POST", tpl_path(cid), 400, "bad_message", raw=b"[1]", headers={"Content-Type": "application/json"})
    api.error("POST", tpl_path("inconnue"), 404, "not_found", body={"meeting": m.id})
    api.error("GET", tpl_path("inconnue"), 404, "not_found")
    api.error("PUT", tpl_path(cid), 405, "method_not_allowed", body={"meeting": m.id})
    api.error("GET", "/api/meetings/%s/agenda/from-template" % m.id, 405, "method_not_allowed")
    assert api.call("GET", tpl_path(cid), None, "http.agenda_template.json", 200).json == saved

    # the secretariat's alone
    for who in ("chair", "secretary", "member0"):
        other_api = server.api(m.token(who))
        other_api.error("GET", tpl_path(cid), 403, "forbidden")
        other_api.error("POST", tpl_path(cid), 403, "forbidden", body={"meeting": m.id})
        other_api.error("GET", "/api/meetings/%s/agenda/template" % m.id, 403, "forbidden")
        other_api.error("POST", "/api/meetings/%s/agenda/from-template" % m.id, 403, "forbidden")

    # the empty meeting starts from the saved template, sub-items under their item
    snap = start(api, empty)
    assert top(snap) == [DEFAULT_FR[0], DEFAULT_FR[1], "Bilan 2020", DEFAULT_FR[2]]
    b = [i for i in snap["agenda"] if i["title"] == "Bilan 2020"][0]
    assert (b["description"], b["presenter"], b["kind"], b["duration"], b["speaking_time"]) == \
        ("Présentation du bilan.", "DREAL", "deliberation", 1800, 120)
    subs = sorted((i for i in snap["agenda"] if i["parent"] == b["id"]), key=lambda i: i["position"])
    assert [(i["title"], i["duration"]) for i in subs] == [("Chiffres des bailleurs", 600),
                                                         ("Chiffres des locataires", 0)]

    # once open, the meeting no longer starts from a template: bad_state, nothing written
    chair.command("meeting.open")
    head = m.head()
    api.error("POST", "/api/meetings/%s/agenda/from-template" % m.id, 409, "bad_state")
    assert m.head() == head

    # dropped, the commission has the default again; kept across a restart otherwise
    save(api, cid, empty)
    server.restart()
    api = server.api()
    assert api.call("GET", tpl_path(cid), None, "http.agenda_template.json", 200).json["saved"] is True
    dropped = api.call("DELETE", tpl_path(cid), None, "http.agenda_template.json", 200).json
    assert dropped["saved"] is False and [i["title"] for i in dropped["items"]] == DEFAULT_FR


def run_first(server, agenda, lang="fr"):
    """Meeting 1 approves its minutes at the next meeting; meeting 2 is created
    while meeting 1 still runs (so nothing is carried at its creation); meeting
    1 then records an open action, closes, and its minutes are finalised."""
    m1 = make_meeting(server)
    api = server.api()
    cid = m1.commission["id"]
    api.call("POST", "/api/meetings/%s/settings" % m1.id, {"minutes_approval": "next_meeting"},
             "snapshot.json", 200)
    for title in agenda:
        api.call("POST", "/api/meetings/%s/agenda" % m1.id, {"title": title}, "snapshot.json", 201)
    m2 = api.create_meeting(cid, "Séance de mars", date="2021-03-02T14:00", lang=lang)["meeting"]["id"]
    chair, sec = m1.connect("chair"), m1.connect("secretary")
    chair.command("meeting.open")
    chair.command("agenda.open", {"item": "i1"})
    sec.command("action.record", {"title": "Diffuser le bilan", "owner": m1.pid("member1")})
    chair.command("meeting.close")
    sec.command("minutes.finalize")
    return m1, m2


def test_the_template_brings_the_approval_of_the_minutes_and_the_follow_up_of_actions(server):
    m1, m2 = run_first(server, ["Bilan 2020", "Suivi des actions", "Questions diverses"])
    api = server.api()
    cid = m1.commission["id"]
    assert save(api, cid, m1.id)["items"][1]["title"] == "Suivi des actions"
    assert api.snapshot(m2)["agenda"] == []
    snap = start(api, m2)
    assert top(snap) == ["Approbation du procès-verbal de la séance du 2 février 2021", "Bilan 2020",
                         "Suivi des actions", "Questions diverses"]
    approval = [i for i in snap["agenda"] if i["approves"]]
    assert [(i["approves"], i["kind"]) for i in approval] == [(m1.id, "vote")]
    follow = [i["id"] for i in snap["agenda"] if i["title"] == "Suivi des actions"]
    assert [(a["title"], a["item"], a["origin"]) for a in snap["actions"]] == \
        [("Diffuser le bilan", follow[0], "%s/a1" % m1.id)]
    # nothing twice
    again = start(api, m2)
    assert again["agenda"] == snap["agenda"] and again["actions"] == snap["actions"]


def test_an_english_meeting_starts_from_the_default_in_english(server):
    m1, m2 = run_first(server, ["Bilan 2020"], lang="en")
    api = server.api()
    tokens = {inv["participant"]: inv["token"] for inv in api.invite(m2)}
    watcher = Client(server, m2)
    watcher.hello(tokens[m1.pid("observer")])
    got = api.call("GET", "/api/meetings/%s/agenda/template" % m2, None, "http.agenda_template.json", 200).json
    assert got["saved"] is False and [i["title"] for i in got["items"]] == DEFAULT_EN
    snap = start(api, m2)
    assert top(snap) == ["Approval of the minutes of the meeting of 2 February 2021"] + DEFAULT_EN + \
        ["Follow-up of actions"]
    for it in snap["agenda"]:
        ev = watcher.wait_event("agenda.item_added", item=it["id"])
        assert ev["actor"] == "admin" and ev["body"]["title"] == it["title"]
    assert [a["title"] for a in snap["actions"]] == ["Diffuser le bilan"]
