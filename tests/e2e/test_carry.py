# SPDX-License-Identifier: AGPL-3.0-or-later
"""Postponed items come back on the agenda of the commission's next meeting
(PROTOCOL.md 6.2), pointing at the meeting where their history is."""
from harness import make_meeting


def test_a_postponed_item_is_carried_into_the_next_meeting_with_its_origin(server):
    m = make_meeting(server)
    chair = m.connect("chair")
    chair.command("agenda.add", {"title": "Bilan 2020", "duration": 600})
    chair.command("agenda.add", {"title": "Prévention des impayés", "description": "Accords locaux.",
                                 "presenter": "Fatima Benali", "duration": 900, "kind": "deliberation"})
    chair.command("agenda.add", {"title": "Questions diverses"})
    chair.command("meeting.open")
    chair.command("agenda.open", {"item": "i1"})
    chair.command("agenda.close", {"item": "i1"})
    chair.command("agenda.postpone", {"item": "i2"})
    chair.command("meeting.close")

    api = server.api()
    made = api.create_meeting(m.commission["id"], "Séance suivante")
    agenda = made["agenda"]
    assert [i["title"] for i in agenda] == ["Prévention des impayés"], agenda
    carried = agenda[0]
    assert carried["origin"] == "%s/i2" % m.id
    assert (carried["description"], carried["presenter"], carried["duration"], carried["kind"]) == \
        ("Accords locaux.", "Fatima Benali", 900, "deliberation")
    assert carried["state"] == "pending"

    # Postponed again, it keeps pointing at where its history began.
    nxt = made["meeting"]["id"]
    api.invite(nxt)
    third = api.create_meeting(m.commission["id"], "Troisième séance")
    assert third["agenda"] == []  # nothing was postponed in the second one
    assert api.snapshot(m.id)["agenda"][1]["origin"] == ""


def test_a_meeting_id_may_be_chosen_by_the_client_once(server):
    m = make_meeting(server)
    api = server.api()
    body = {"commission": m.commission["id"], "title": "Séance choisie", "id": "seance-choisie-1"}
    r = api.call("POST", "/api/meetings", body, "http.meeting.json", 201)
    assert r.json["meeting"]["id"] == "seance-choisie-1"
    again = api.call("POST", "/api/meetings", body, None, 409)
    assert again.json["error"]["code"] == "conflict"
    bad = api.call("POST", "/api/meetings", dict(body, id="Pas Valide!"), None, 400)
    assert bad.json["error"]["code"] == "invalid"
