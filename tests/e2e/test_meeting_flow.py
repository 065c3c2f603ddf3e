# SPDX-License-Identifier: AGPL-3.0-or-later
"""A meeting from end to end over real WebSockets (PROTOCOL.md 4.3, 5, 6): the
agenda built and reordered, items opened, a list of speakers served in the
order of section 6.3, a member who drops keeping their place, the quorum lost
and regained as members leave and come back, and a crash (SIGKILL) in the
middle after which everything is as it was.

Names are those of meetings.ROSTER: chair, secretary, observer, b1..b3
(bailleurs) and l1..l3 (locataires)."""
from harness import Client, chain_verify
from meetings import Room, without_presence, wait_until


def build_agenda(room):
    """Five items and two sub-items, reordered, edited, one removed; returns
    the ids by short name."""
    ids = {}
    for key, title, extra in [
        ("welcome", "Ouverture de la séance", {"duration": 300}),
        ("report", "Bilan 2020 des attributions", {"duration": 1800, "kind": "information",
                                                   "presenter": "DREAL Hauts-de-France"}),
        ("plan", "Feuille de route 2021", {"duration": 1200, "kind": "deliberation",
                                            "speaking_time": 90}),
        ("misc", "Questions diverses", {}),
        ("typo", "Point ajouté par erreur", {}),
    ]:
        ok = room.do("secretary", "agenda.add", dict(title=title, **extra))
        ev = room.c["secretary"].events[-1]
        assert ev["seq"] == ok["seq"] and ev["type"] == "agenda.item_added"
        ids[key] = ev["body"]["item"]
    room.do("chair", "agenda.add", {"title": "Bilan locatif", "parent": ids["report"]})
    ids["rent"] = room.c["chair"].events[-1]["body"]["item"]
    room.do("chair", "agenda.add", {"title": "Bilan financier", "parent": ids["report"], "position": 0})
    ids["money"] = room.c["chair"].events[-1]["body"]["item"]
    # the plan before the report; the mistaken item goes; the misc item gets a description
    room.do("chair", "agenda.move", {"item": ids["plan"], "position": 1})
    room.do("secretary", "agenda.remove", {"item": ids["typo"]})
    room.do("secretary", "agenda.edit", {"item": ids["misc"], "description": "Tour de table\n\tdes associations"})
    return ids


def test_a_whole_meeting_with_a_crash_in_the_middle(spawn):
    srv = spawn().start()
    room = Room(srv)
    # The observer follows from the first event, to check the whole chain at the end.
    obs = Client(srv, room.id)
    assert obs.hello(room.m.token(room.pids["observer"]), since=0)["mode"] == "resume"
    room.c["observer"] = obs
    room.connect("chair", "secretary", "b1", "b2", "b3", "l1", "l2", "l3")

    room.do("chair", "meeting.configure", {"alternate": True, "first_turn": True, "speaking_time": 120,
                                           "grace": 1})
    conf = room.events_of("chair", "meeting.configured")[-1]["body"]
    assert (conf["alternate"], conf["first_turn"], conf["speaking_time"], conf["grace"]) == (True, True, 120, 1)
    assert conf["quorum"] == 50

    # --- the agenda, prepared before the meeting opens
    ids = build_agenda(room)
    snap = room.snap()
    assert [(i, t, p, pos) for i, t, p, pos in room.agenda(snap)] == [
        (ids["welcome"], "Ouverture de la séance", "", 0),
        (ids["plan"], "Feuille de route 2021", "", 1),
        (ids["report"], "Bilan 2020 des attributions", "", 2),
        (ids["money"], "Bilan financier", ids["report"], 0),
        (ids["rent"], "Bilan locatif", ids["report"], 1),
        (ids["misc"], "Questions diverses", "", 3),
    ]
    assert room.item(ids["misc"], snap)["description"] == "Tour de table\n\tdes associations"
    assert room.item(ids["plan"], snap)["speaking_time"] == 90
    assert all(i["state"] == "pending" and i["actual"] == 0 for i in snap["agenda"])

    # --- opening: six members connected, the quorum (3 of 6) holds at once
    room.do("chair", "meeting.open")
    opened = room.events_of("chair", "meeting.opened")[-1]
    reached = room.events_of("chair", "quorum.reached")[-1]
    assert reached["seq"] == opened["seq"] + 1 and reached["actor"] == "system"
    assert reached["body"] == {"present": 6, "required": 3, "colleges": ["bailleurs", "locataires"],
                               "college_present": [3, 3], "college_required": [0, 0], "failing": []}

    room.do("chair", "agenda.open", {"item": ids["welcome"]})
    welcome_opened = room.c["chair"].events[-1]
    room.do("chair", "speaker.give", {"participant": room.pids["chair"]})
    room.do("chair", "agenda.open", {"item": ids["plan"]})
    evs = [e for e in room.c["chair"].events if e["seq"] > welcome_opened["seq"] + 1]
    assert [e["type"] for e in evs] == ["speaker.turn_ended", "agenda.item_closed", "agenda.item_opened"]
    closed = evs[1]
    welcome = room.item(ids["welcome"])
    assert welcome["state"] == "done" and welcome["duration"] == 300
    assert welcome["actual"] == closed["ts"] - welcome_opened["ts"]

    # --- the queue: a point of order, a reply, contributions alternating colleges
    room.do("b1", "speaker.request")
    room.do("b2", "speaker.request", {"kind": "contribution"})
    room.do("l1", "speaker.request")
    room.do("b3", "speaker.request", {"kind": "reply"})
    room.do("l2", "speaker.request", {"kind": "point_of_order"})
    room.do("secretary", "speaker.request")
    room.refuse("b1", "speaker.request", "conflict")
    # nobody with a college has spoken: the first contribution leads, then the colleges alternate
    expected = ["l2", "b3", "b1", "l1", "b2", "secretary"]
    assert room.order(ids["plan"]) == expected
    # every client sees the same list in its own snapshot
    late = Client(srv, room.id)
    assert room.order(ids["plan"], late.hello(room.m.token(room.pids["observer"]))["snapshot"]) == expected
    late.close()

    # --- b1 drops mid-queue and is gone longer than the grace period (1 s)
    left_before = len(room.events_of("observer", "participant.left"))
    room.leave("b1")
    left = obs.wait_event("participant.left", timeout=5, participant=room.pids["b1"])
    assert len(room.events_of("observer", "participant.left")) == left_before + 1
    snap = room.snap()
    assert room.participant("b1", snap)["connected"] is False
    assert room.order(ids["plan"], snap) == expected, "a drop never loses a request"
    room.connect("b1", since=left["seq"])
    assert room.order(ids["plan"]) == expected
    assert room.participant("b1")["disconnections"] == 1

    # --- the floor, in that order; timers from the server's timestamps
    room.do("chair", "speaker.next")
    started = room.c["chair"].events[-1]
    assert started["type"] == "speaker.turn_started"
    assert started["body"]["participant"] == room.pids["l2"]
    assert started["body"]["kind"] == "point_of_order"
    assert started["body"]["allowed"] == 90000, "the item's speaking time, not the meeting's"
    room.do("chair", "speaker.pause")
    paused = room.c["chair"].events[-1]
    assert paused["body"]["elapsed"] == paused["ts"] - started["ts"]
    snap = room.snap()
    assert snap["turn"]["running_since"] == 0 and snap["turn"]["elapsed"] == paused["body"]["elapsed"]
    room.do("chair", "speaker.resume")
    resumed = room.c["chair"].events[-1]
    assert room.snap()["turn"]["running_since"] == resumed["ts"]
    room.do("chair", "speaker.next")
    ended, started = room.c["chair"].events[-2:]
    assert ended["type"] == "speaker.turn_ended" and ended["body"]["participant"] == room.pids["l2"]
    assert ended["body"]["spoken"] == paused["body"]["elapsed"] + (ended["ts"] - resumed["ts"])
    assert started["body"]["participant"] == room.pids["b3"] and started["body"]["kind"] == "reply"
    # a bailleur speaks: a locataire next; the secretary (no college) before a second bailleur
    assert room.order(ids["plan"]) == ["l1", "b1", "secretary", "b2"]

    # --- the crash, a turn running: everything must come back as it was
    room.do("chair", "meeting.configure", {"grace": 60})  # nobody leaves while the server is down
    before = room.snap()
    srv.kill()
    for c in room.c.values():
        c.wait_closed()
    assert chain_verify(obs.events, first_seq=1) == before["head"]
    last_seen = obs.events[-1]
    assert last_seen["seq"] == before["seq"]
    srv.start()
    after = room.snap()
    assert (after["seq"], after["head"]) == (before["seq"], before["head"])
    assert without_presence(after) == without_presence(before)
    assert after["turn"]["participant"] == room.pids["b3"] and after["turn"]["running_since"] == started["ts"]
    who = list(room.c)
    room.c = {}
    for w in who:
        c = Client(srv, room.id)
        w_body = c.hello(room.m.token(room.pids[w]), since=before["seq"])
        assert w_body["mode"] == "resume" and w_body["seq"] == before["seq"]
        room.c[w] = c
    obs = room.c["observer"]
    again = room.snap()
    assert again == before, "back within the grace period: no departure, no arrival, nothing new"

    # --- the queue goes on where it was
    served = []
    for _ in range(4):
        room.do("chair", "speaker.next")
        served.append(room.names[room.c["chair"].events[-1]["body"]["participant"]])
    assert served == ["l1", "b1", "secretary", "b2"]
    room.do("chair", "speaker.end")
    snap = room.snap()
    assert snap["turn"] is None and room.order(ids["plan"], snap) == []
    assert snap["attendance"]["colleges"]["bailleurs"]["turns"] == 3
    assert snap["attendance"]["colleges"]["locataires"]["turns"] == 2
    assert room.participant("chair", snap)["turns"] == 1

    # --- the quorum: members leave (grace 1 s), it is lost, then regained
    room.do("chair", "meeting.configure", {"grace": 1})
    mark = room.snap()["seq"]
    for w in ("b1", "b2", "l1", "l2"):
        room.leave(w)
    lost = obs.wait_event("quorum.lost", timeout=6, after=mark)
    assert lost["actor"] == "system"
    assert lost["body"]["required"] == 3 and lost["body"]["present"] == 2
    wait_until(lambda: room.snap()["attendance"]["present"] == 2, what="four departures")
    assert len(room.events_of("observer", "quorum.lost", after=mark)) == 1
    assert room.snap()["attendance"]["quorum"] == {"met": False, "present": 2, "required": 3}
    room.connect("l1")
    reached = obs.wait_event("quorum.reached", after=lost["seq"])
    assert {k: reached["body"][k] for k in ("present", "required", "failing")} == {
        "present": 3, "required": 3, "failing": []}
    room.connect("b1")
    mark = room.snap()["seq"]
    assert room.events_of("observer", "quorum.reached", after=reached["seq"]) == []
    assert room.snap()["attendance"]["quorum"]["met"] is True

    # --- the end: the report with its sub-items, then the meeting closes
    room.do("chair", "agenda.open", {"item": ids["money"]})
    room.do("chair", "agenda.open", {"item": ids["rent"]})
    room.do("chair", "agenda.postpone", {"item": ids["report"]})
    room.do("chair", "meeting.close")
    closing = [e for e in obs.wait_seq(room.snap()["seq"]) if e["seq"] > mark]
    assert [e["type"] for e in closing][-2:] == ["agenda.item_closed", "meeting.closed"]
    snap = room.snap()
    states = {i["id"]: i["state"] for i in snap["agenda"]}
    assert states == {ids["welcome"]: "done", ids["plan"]: "done", ids["report"]: "postponed",
                      ids["money"]: "done", ids["rent"]: "done", ids["misc"]: "pending"}
    assert snap["meeting"]["state"] == "closed" and snap["current_item"] == ""

    # The observer saw every event once, in order, and the chain holds across the crash.
    seen = [e for e in obs.events]
    head = chain_verify(seen, prev_hex=last_seen["hash"], first_seq=last_seen["seq"] + 1)
    assert head == snap["head"]


def test_a_member_who_reconnects_keeps_their_place_in_the_queue(server):
    room = Room(server)
    room.connect("chair", "b1", "b2", "l1", "l2", "observer")
    room.do("chair", "meeting.configure", {"grace": 0})
    room.do("chair", "agenda.add", {"title": "Bilan"})
    room.do("chair", "meeting.open")
    room.do("chair", "agenda.open", {"item": "i1"})
    for w in ("l1", "b1", "l2", "b2"):
        room.do(w, "speaker.request")
    assert room.order("i1") == ["l1", "b1", "l2", "b2"]
    # b1 drops twice, once for long (participant.left written), once briefly
    room.leave("b1")
    room.c["observer"].wait_event("participant.left", participant=room.pids["b1"])
    assert room.order("i1") == ["l1", "b1", "l2", "b2"]
    room.connect("b1")
    room.leave("b1")
    room.connect("b1")
    assert room.order("i1") == ["l1", "b1", "l2", "b2"]
    room.do("chair", "speaker.next")
    room.do("chair", "speaker.next")
    assert room.names[room.c["chair"].events[-1]["body"]["participant"]] == "b1"
    # the withdrawal of the reconnected member is still hers to make
    room.do("b2", "speaker.withdraw")
    assert room.order("i1") == ["l2"]


def test_quorum_by_college_from_marks_and_connections(server):
    room = Room(server)
    room.connect("chair", "secretary", "observer", "b1", "b2", "b3")
    room.do("chair", "meeting.configure", {"quorum": 50, "quorum_college": 50, "grace": 0})
    room.do("chair", "meeting.open")
    snap = room.snap()
    # three bailleurs connected: 3 of 6 overall, but the locataires need 2 of 3
    assert snap["attendance"]["quorum"] == {"met": False, "present": 3, "required": 3}
    assert snap["attendance"]["colleges"]["locataires"]["required"] == 2
    assert room.events_of("observer", "quorum.reached") == []
    # two locataires are in the room without a connection: the secretary marks them
    room.do("secretary", "attendance.mark", {"participant": room.pids["l1"], "status": "present"})
    assert room.events_of("observer", "quorum.reached") == []
    room.do("secretary", "attendance.mark", {"participant": room.pids["l2"], "status": "present"})
    reached = room.c["secretary"].events[-1]
    assert reached["type"] == "quorum.reached" and reached["body"] == {
        "present": 5, "required": 3, "colleges": ["bailleurs", "locataires"], "college_present": [3, 2],
        "college_required": [2, 2], "failing": []}
    # a bailleur connected but excused does not count; b3 checks in and counts anyway
    room.do("chair", "attendance.mark", {"participant": room.pids["b1"], "status": "excused",
                                         "reason": "Conseil d'administration"})
    room.do("b3", "attendance.checkin")
    room.refuse("b3", "attendance.checkin", "conflict")
    snap = room.snap()
    b1 = room.participant("b1", snap)
    assert (b1["connected"], b1["present"], b1["mark"], b1["reason"]) == (True, False, "excused",
                                                                         "Conseil d'administration")
    assert snap["attendance"]["colleges"]["bailleurs"]["present"] == 2
    assert snap["attendance"]["quorum"]["met"] is True
    # the roll call tells a member who checked in online from one marked in the room
    assert (room.participant("b3", snap)["mark"], room.participant("b3", snap)["checkin"]) == ("present", True)
    assert (room.participant("l1", snap)["mark"], room.participant("l1", snap)["checkin"]) == ("present", False)
    # the two marked locataires go back to following their (absent) connections
    room.do("secretary", "attendance.mark", {"participant": room.pids["l2"], "status": "none"})
    lost = room.c["secretary"].events[-1]
    # 3 present, 3 required: what fails is the locataires' own share, and the event names it
    assert lost["type"] == "quorum.lost" and lost["body"] == {
        "present": 3, "required": 3, "colleges": ["bailleurs", "locataires"], "college_present": [2, 1],
        "college_required": [2, 2], "failing": ["locataires"]}
