# SPDX-License-Identifier: AGPL-3.0-or-later
"""Working groups, decisions and actions, followed from one meeting of a
commission to the next (PROTOCOL.md 3.7 and 6.8, RECORD.md), through the
HTTP API and the WebSocket only."""
import json

from harness import Client, make_meeting


def groups_path(cid, gid=None):
    return "/api/commissions/%s/groups%s" % (cid, "/" + gid if gid else "")


def test_working_groups_are_listed_created_and_edited_by_the_secretariat(server):
    m = make_meeting(server)
    api = server.api()
    cid = m.commission["id"]
    b0, b1 = m.pid("member0"), m.pid("member1")
    body = {"id": "gt-tranquillite", "name": "Groupe 1 : tranquillité résidentielle", "lead": "bailleurs",
            "members": [b0, b1], "mandate": "Recenser les bonnes pratiques.", "due": "2021-06-30"}
    r = api.call("POST", groups_path(cid), body, "http.group.json", 201)
    assert r.json == body
    made = api.call("POST", groups_path(cid), {"name": "Groupe 2 : parcours résidentiel", "lead": b1},
                    "http.group.json", 201).json
    assert made["members"] == [] and made["due"] == "" and made["lead"] == b1

    # refusals: typed, and nothing changes
    bad = [
        ({"name": "X", "due": "2021-02-30"}, 400, "invalid"),
        ({"name": "X", "lead": "inconnus"}, 400, "invalid"),
        ({"name": "X", "members": [b0, "personne"]}, 400, "invalid"),
        ({"name": "X", "members": [b0, b0]}, 400, "invalid"),
        ({"name": ""}, 400, "invalid"),
        ({"lead": "bailleurs"}, 400, "bad_message"),
        ({"name": "X", "colour": "red"}, 400, "bad_message"),
        ({"id": "gt-tranquillite", "name": "Doublon"}, 409, "conflict"),
        ({"id": b0, "name": "Comme un membre"}, 409, "conflict"),
    ]
    for b, status, code in bad:
        api.error("POST", groups_path(cid), status, code, body=b)
    api.error("POST", groups_path(cid, "gt-tranquillite"), 400, "bad_message", body={"id": "autre"})
    api.error("POST", groups_path(cid, "gt-inconnu"), 404, "not_found", body={"name": "Y"})
    api.error("POST", groups_path("nope"), 404, "not_found", body={"name": "Y"})
    listed = api.call("GET", groups_path(cid), None, "http.groups.json", 200).json
    assert [g["id"] for g in listed["groups"]] == ["gt-tranquillite", made["id"]]
    assert listed["groups"][0] == body

    edited = api.call("POST", groups_path(cid, "gt-tranquillite"), {"due": "2021-07-15", "members": [b1]},
                      "http.group.json", 200).json
    assert edited == dict(body, due="2021-07-15", members=[b1])

    # members of the meeting read them; the commission's routes stay the secretariat's
    mine = server.api(m.token("member2")).call("GET", "/api/meetings/%s/groups" % m.id, None,
                                                "http.groups.json", 200).json
    assert mine["groups"][0] == edited
    server.api(m.token("chair")).error("GET", groups_path(cid), 403, "forbidden")


def raw_error(client, type, body, code):
    """A command the schema refuses too (the harness checks what it sends):
    sent as text, its error read back."""
    rid = 900 + len(client.messages)
    client.send_raw(json.dumps({"type": type, "id": rid, "key": client.new_key(), "body": body}))
    r = client.reply(rid)
    assert r["type"] == "error" and r["body"]["code"] == code, r
    return r


def finalize(m, chair, sec):
    chair.command("meeting.close")
    sec.command("minutes.finalize")


def record(server, mid, name):
    r = server.api().call("GET", "/api/meetings/%s/record/%s" % (mid, name), None, None, 200)
    return r.json if name.endswith(".json") else r.data.decode("utf-8")


def test_actions_are_carried_to_the_next_meeting_and_followed_there(server):
    m = make_meeting(server)
    api = server.api()
    cid = m.commission["id"]
    api.call("POST", groups_path(cid), {"id": "gt-impayes", "name": "Groupe 3 : prévention des impayés",
                                         "lead": "locataires"}, "http.group.json", 201)
    chair, sec = m.connect("chair"), m.connect("secretary")
    member = m.connect("member0")
    chair.command("agenda.add", {"title": "Lancement des groupes de travail"})
    chair.command("agenda.add", {"title": "Questions diverses"})
    chair.command("meeting.open")
    chair.command("agenda.open", {"item": "i1"})

    d = chair.command("decision.record", {"text": "Trois groupes de travail sont constitués."})
    ev = member.wait_event("decision.recorded", after=d["seq"] - 1)
    assert ev["body"] == {"decision": "d1", "item": "i1", "text": "Trois groupes de travail sont constitués.",
                          "vote": ""}
    sec.command("action.record", {"title": "Établir l'état des lieux des impayés", "owner": "gt-impayes",
                                  "due": "2021-05-31"})
    ev = member.wait_event("action.recorded", action="a1")
    assert ev["actor"] == m.pid("secretary")
    assert ev["body"]["owner_name"] == "Groupe 3 : prévention des impayés"
    assert ev["body"]["status"] == "open" and ev["body"]["item"] == "i1"
    sec.command("action.record", {"title": "Diffuser le compte rendu", "owner": m.pid("member2"),
                                  "item": "i2"})
    chair.command("action.record", {"title": "Réserver la salle", "owner": m.pid("secretary"),
                                    "status": "done"})
    chair.command("action.update", {"action": "a2", "status": "in_progress"})

    # refusals change nothing
    head = m.head()
    assert member.error("action.record", "forbidden", {"title": "X", "owner": m.pid("member0")})
    assert member.error("decision.record", "forbidden", {"text": "X"})
    assert member.error("action.update", "forbidden", {"action": "a1", "status": "done"})
    assert raw_error(sec, "action.record", {"title": "X", "owner": m.pid("member0"), "due": "2021-02-30"}, "invalid")
    assert raw_error(sec, "action.record", {"title": "X", "owner": m.pid("member0"), "status": "fini"}, "invalid")
    assert sec.error("action.record", "not_found", {"title": "X", "owner": "personne"})
    assert sec.error("action.record", "not_found", {"title": "X", "owner": m.pid("member0"), "item": "i9"})
    assert raw_error(sec, "action.record", {"title": "X"}, "bad_message")
    assert raw_error(sec, "action.update", {"action": "a1", "status": "fini"}, "invalid")
    assert sec.error("action.update", "not_found", {"action": "a9", "status": "done"})
    assert sec.error("action.update", "conflict", {"action": "a2", "status": "in_progress"})
    assert sec.error("decision.record", "not_found", {"text": "X", "vote": "v9"})
    assert m.head() == head

    snap = api.snapshot(m.id)
    assert [(a["action"], a["status"], a["item"]) for a in snap["actions"]] == \
        [("a1", "open", "i1"), ("a2", "in_progress", "i2"), ("a3", "done", "i1")]
    assert [d["decision"] for d in snap["decisions"]] == ["d1"]

    finalize(m, chair, sec)
    open_ = api.call("GET", "/api/commissions/%s/actions" % cid, None, "http.actions.json", 200).json
    assert [(a["meeting"], a["action"]) for a in open_["actions"]] == [(m.id, "a1"), (m.id, "a2")]

    # the next meeting: a follow-up item with the actions still open
    made = api.create_meeting(cid, "Point d'étape des groupes de travail")
    m2 = made["meeting"]["id"]
    assert [i["title"] for i in made["agenda"]] == ["Suivi des actions"]
    follow = made["agenda"][0]["id"]
    carried = [(a["action"], a["origin"], a["status"], a["item"], a["title"]) for a in made["actions"]]
    assert carried == [("a1", "%s/a1" % m.id, "open", follow, "Établir l'état des lieux des impayés"),
                       ("a2", "%s/a2" % m.id, "in_progress", follow, "Diffuser le compte rendu")]
    # preparing the agenda from the previous meeting carries nothing twice
    again = api.call("POST", "/api/meetings/%s/agenda/from-previous" % m2, {}, "snapshot.json", 200).json
    assert len(again["actions"]) == 2
    assert [i["title"] for i in again["agenda"] if not i["parent"]] == \
        ["Suivi des actions", "Lancement des groupes de travail", "Questions diverses"]
    open_ = api.call("GET", "/api/commissions/%s/actions" % cid, None, "http.actions.json", 200).json
    assert [(a["meeting"], a["action"]) for a in open_["actions"]] == [(m2, "a1"), (m2, "a2")]

    tokens = {inv["participant"]: inv["token"] for inv in api.invite(m2)}
    chair2 = Client(server, m2)
    chair2.hello(tokens[m.pid("chair")])
    sec2 = Client(server, m2)
    sec2.hello(tokens[m.pid("secretary")])
    chair2.command("meeting.open")
    chair2.command("agenda.open", {"item": follow})
    up = sec2.command("action.update", {"action": "a1", "status": "done"})
    ev = chair2.wait_event("action.updated", after=up["seq"] - 1)
    assert ev["body"] == {"action": "a1", "status": "done"} and ev["meeting"] == m2
    assert api.snapshot(m.id)["actions"][0]["status"] == "open"  # the earlier meeting keeps its close
    open_ = api.call("GET", "/api/commissions/%s/actions" % cid, None, "http.actions.json", 200).json
    assert [(a["meeting"], a["action"], a["status"]) for a in open_["actions"]] == [(m2, "a2", "in_progress")]

    chair2.command("meeting.close")
    sec2.command("minutes.finalize")

    # both records list them: record.json and the minutes, in French
    r1, r2 = record(server, m.id, "record.json"), record(server, m2, "record.json")
    assert [a["status"] for a in r1["actions"]] == ["open", "in_progress", "done"]
    assert r1["decisions"][0]["text"] == "Trois groupes de travail sont constitués."
    assert [(a["origin"], a["status"]) for a in r2["actions"]] == [("%s/a1" % m.id, "done"),
                                                                  ("%s/a2" % m.id, "in_progress")]
    md1, md2 = record(server, m.id, "record.md"), record(server, m2, "record.md")
    assert "Décision : Trois groupes de travail sont constitués." in md1
    assert "Action : Établir l'état des lieux des impayés ; responsable : Groupe 3 : prévention des impayés ; " \
           "échéance le 2021-05-31 ; statut : à faire." in md1
    assert "Action « Diffuser le compte rendu » : statut « en cours » (auparavant « à faire »)." in md1
    assert "Action reprise de la réunion %s : Établir l'état des lieux des impayés" % m.id in md2
    assert "Action « Établir l'état des lieux des impayés » : statut « fait » (auparavant « à faire »)." in md2
    html2 = record(server, m2, "record.html")
    assert "Suivi des actions" in html2 and "statut « fait »" in html2

    # a restart keeps everything
    before = (api.snapshot(m.id)["actions"], api.snapshot(m2)["actions"],
              api.call("GET", groups_path(cid), None, "http.groups.json", 200).json)
    server.restart()
    api = server.api()
    after = (api.snapshot(m.id)["actions"], api.snapshot(m2)["actions"],
             api.call("GET", groups_path(cid), None, "http.groups.json", 200).json)
    assert after == before
    assert record(server, m2, "record.md") == md2


def test_an_english_meeting_reads_english(server):
    m = make_meeting(server, lang="en")
    chair = m.connect("chair")
    chair.command("agenda.add", {"title": "Working groups"})
    chair.command("meeting.open")
    chair.command("agenda.open", {"item": "i1"})
    chair.command("action.record", {"title": "Draft the note", "owner": m.pid("member1")})
    chair.command("meeting.close")
    made = server.api().create_meeting(m.commission["id"], "Next", lang="en")
    assert [i["title"] for i in made["agenda"]] == ["Follow-up of actions"]
    owner = next(p for p in m.snapshot["participants"] if p["id"] == m.pid("member1"))
    assert made["actions"][0]["owner_name"] == owner["name"]
