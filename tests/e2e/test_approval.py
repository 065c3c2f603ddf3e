# SPDX-License-Identifier: AGPL-3.0-or-later
"""Approval of the minutes at the next meeting (PROTOCOL.md 6.7, RECORD.md
"Approval at the next meeting"), played through the HTTP API and the
WebSocket only: meeting 1 closes with its signed record; meeting 2, prepared
from it, has the approval item, a vote approves, meeting 2 closes; both
records verify, meeting 1's record is byte for byte what it was, and its
approval attestation verifies and detects tampering."""
import hashlib
import json

from harness import SCHEMA, Client, http_request, make_meeting, run_cli

FILES = ("record.json", "record.md", "record.html", "record.pdf")


class Second:
    """Another meeting of the same commission, with everyone's links."""

    def __init__(self, server, commission, title, date, lang="fr"):
        api = server.api()
        made = api.create_meeting(commission, title, date=date, lang=lang, check=False)
        SCHEMA.check("snapshot.json", made)
        self.server = server
        self.id = made["meeting"]["id"]
        self.tokens = {}
        self.roles = {}
        for inv in api.invite(self.id, check=False):
            self.tokens[inv["participant"]] = inv["token"]
            self.roles.setdefault(inv["role"], []).append(inv["participant"])

    def connect(self, role, i=0):
        c = Client(self.server, self.id)
        c.hello(self.tokens[self.roles[role][i]])
        return c

    def snap(self):
        return self.server.api().snapshot(self.id)


def download(server, mid, names):
    out = {}
    for n in names:
        out[n] = server.api().call("GET", "/api/meetings/%s/record/%s" % (mid, n), expect=200).data
    return out


def every_file(server, mid):
    return download(server, mid, [f + s for f in FILES for s in ("", ".minisig")])


def run_meeting_1(server):
    """A commission that approves its minutes at the next meeting: meeting 1
    runs, closes, its minutes finalised and signed."""
    m = make_meeting(server)
    server.api().call("POST", "/api/meetings/%s/settings" % m.id, {"minutes_approval": "next_meeting"},
                      "snapshot.json", 200)
    chair = m.connect("chair")
    sec = m.connect("secretary")
    chair.command("meeting.open")
    sec.command("minutes.add", {"text": "Le bilan 2020 est présenté."})
    chair.command("meeting.close")
    sec.command("minutes.finalize")
    # under next_meeting the chair does not approve in the same meeting
    chair.error("record.approve", "bad_state")
    return m, chair, sec


def write(dir_, files):
    dir_.mkdir()
    for name, data in files.items():
        (dir_ / name).write_bytes(data)


def test_two_meetings_the_second_approves_the_first_by_a_vote(spawn, tmp_path):
    srv = spawn().start()
    m1, chair1, _ = run_meeting_1(srv)
    before = every_file(srv, m1.id)
    cid = m1.commission["id"]
    # no attestation before the approval
    srv.api().error("GET", "/api/meetings/%s/record/approval.json" % m1.id, 404, "not_found")

    m2 = Second(srv, cid, "Séance de mars", "2021-03-02T14:00")
    snap = m2.snap()
    assert snap["settings"]["minutes_approval"] == "next_meeting", "the commission keeps its way"
    items = [i for i in snap["agenda"] if i["approves"]]
    assert [(i["title"], i["approves"], i["position"], i["approved"]) for i in items] == [
        ("Approbation du procès-verbal de la séance du 2 février 2021", m1.id, 0, False)]
    item = items[0]["id"]
    # preparing from the previous meeting does not add it twice
    r = srv.api().call("POST", "/api/meetings/%s/agenda/from-previous" % m2.id, None, "snapshot.json", 200)
    assert [i["id"] for i in r.json["agenda"] if i["approves"]] == [item]

    chair = m2.connect("chair")
    sec = m2.connect("secretary")
    members = [m2.connect("member", i) for i in range(len(m2.roles["member"]))]
    chair.command("meeting.open")
    # only on the current item
    chair.error("minutes.approve_previous", "bad_state", {"item": item})
    chair.command("agenda.open", {"item": item})
    sec.error("minutes.approve_previous", "forbidden", {"item": item})
    seq = chair.command("vote.prepare", {"item": item, "question": "Le procès-verbal est-il approuvé ?"})["seq"]
    vote = chair.wait_event("vote.prepared", after=seq - 1)["body"]["vote"]
    # a vote still open approves nothing
    chair.command("vote.open", {"vote": vote})
    chair.error("minutes.approve_previous", "bad_state", {"item": item, "vote": vote})
    for c in members:
        c.command("vote.cast", {"vote": vote, "choice": "yes"})
    chair.command("vote.close", {"vote": vote})
    ok = chair.command("minutes.approve_previous", {"item": item, "vote": vote})
    ev = chair.wait_event("minutes.approved_previous", after=ok["seq"] - 1)
    SCHEMA.check("event.json", {"type": "event", "event": ev})
    rec1 = json.loads(before["record.json"])
    assert ev["body"] == {
        "item": item, "meeting": m1.id, "date": "2021-02-02T14:00",
        "record": hashlib.sha256(before["record.json"]).hexdigest(),
        "events": rec1["chain"]["events"], "head": rec1["chain"]["head"],
        "vote": vote, "result": "adopted"}
    # once only
    chair.error("minutes.approve_previous", "conflict", {"item": item})
    chair.command("meeting.close")
    sec.command("minutes.finalize")
    chair.error("record.approve", "bad_state")

    # meeting 1's record: the same bytes, signatures included
    after = every_file(srv, m1.id)
    assert after == before
    rows = srv.api().call("GET", "/api/commissions/%s/meetings" % cid, None,
                          "http.commission.meetings.json", 200).json["meetings"]
    row1 = [r for r in rows if r["id"] == m1.id][0]
    assert row1["approved"] is False and row1["approved_by"] == {
        "meeting": m2.id, "date": "2021-03-02T14:00", "at": ev["ts"], "result": "adopted"}

    # its attestation
    att = download(srv, m1.id, ["approval.json", "approval.json.minisig"])
    a = json.loads(att["approval.json"])
    SCHEMA.check("approval.json", a)
    assert a["record"] == {"file": "record.json", "sha256": hashlib.sha256(before["record.json"]).hexdigest(),
                           "events": rec1["chain"]["events"], "head": rec1["chain"]["head"]}
    assert (a["approved"]["meeting"], a["approved"]["item"], a["approved"]["result"],
            a["approved"]["vote"]["id"], a["approved"]["vote"]["passed"]) == (m2.id, item, "adopted", vote, True)
    assert a["approved"]["seq"] == ev["seq"] and a["approved"]["event"] == ev["hash"]
    r = http_request(srv.port, "GET", "/api/meetings/%s/record/approval.json" % m1.id,
                     headers={"Authorization": "Bearer " + srv.admin_token})
    assert 'filename="pv-2021-02-02-ccr-hauts-de-france.approval.json"' in r.headers["Content-Disposition"]

    # meeting 2's record tells it
    rec2 = download(srv, m2.id, ["record.json", "record.md"])
    j2 = json.loads(rec2["record.json"])
    assert any(e["type"] == "minutes.approved_previous" for e in j2["events"])
    assert "Le procès-verbal de la séance du 2 février 2021 est approuvé par le vote" in rec2["record.md"].decode()

    # rebuilt from the logs after a restart: the same bytes again, attestation included
    srv.restart()
    assert every_file(srv, m1.id) == before
    assert download(srv, m1.id, ["approval.json", "approval.json.minisig"]) == att

    # both verify; tampering with the attestation or the record is detected
    pub = tmp_path / "server.pub"
    pub.write_bytes(http_request(srv.port, "GET", "/api/pubkey").data)
    d1 = tmp_path / "m1"
    write(d1, dict(after, **att))
    ok = run_cli("verify", "--pub", str(pub), str(d1))
    assert ok.returncode == 0 and "ok   approval.json" in ok.stdout, ok.stdout + ok.stderr
    d2 = tmp_path / "m2"
    write(d2, every_file(srv, m2.id))
    ok = run_cli("verify", "--pub", str(pub), str(d2))
    assert ok.returncode == 0, ok.stdout + ok.stderr

    # under the names the files are downloaded under, the attestation beside the record
    named = tmp_path / "downloaded"
    named.mkdir()
    for f, data in dict(after, **att).items():
        (named / f.replace("record", "pv-2021-02-02-ccr-hauts-de-france").replace(
            "approval", "pv-2021-02-02-ccr-hauts-de-france.approval")).write_bytes(data)
    assert (named / "pv-2021-02-02-ccr-hauts-de-france.approval.json").exists()
    assert (named / "pv-2021-02-02-ccr-hauts-de-france.json.minisig").exists()
    ok = run_cli("verify", "--pub", str(pub), str(named))
    assert ok.returncode == 0 and "ok   approval.json" in ok.stdout, ok.stdout + ok.stderr

    (d1 / "approval.json").write_bytes(att["approval.json"].replace(b'"result":"adopted"', b'"result":"rejected"'))
    bad = run_cli("verify", "--pub", str(pub), str(d1))
    assert bad.returncode != 0 and "FAIL approval.json" in bad.stdout, bad.stdout
    (d1 / "approval.json").write_bytes(att["approval.json"])
    # a record.json changed and signed again by the same server is not the one approved
    other = download(srv, m2.id, ["record.json", "record.json.minisig"])
    (d1 / "record.json").write_bytes(other["record.json"])
    (d1 / "record.json.minisig").write_bytes(other["record.json.minisig"])
    bad = run_cli("verify", "--pub", str(pub), str(d1))
    assert bad.returncode != 0 and "FAIL approval.json" in bad.stdout, bad.stdout


def test_prepared_before_the_close_the_item_comes_with_from_previous_and_in_english(spawn):
    srv = spawn().start()
    m1 = make_meeting(srv)
    srv.api().call("POST", "/api/meetings/%s/settings" % m1.id, {"minutes_approval": "next_meeting"},
                   "snapshot.json", 200)
    m2 = Second(srv, m1.commission["id"], "March meeting", "2021-03-02T14:00", lang="en")
    assert not [i for i in m2.snap()["agenda"] if i["approves"]], "meeting 1 is not closed yet"
    chair1 = m1.connect("chair")
    chair1.command("meeting.open")
    chair1.command("meeting.close")
    r = srv.api().call("POST", "/api/meetings/%s/agenda/from-previous" % m2.id, None, "snapshot.json", 200)
    items = [i for i in r.json["agenda"] if i["approves"]]
    assert [(i["title"], i["approves"]) for i in items] == [
        ("Approval of the minutes of the meeting of 2 February 2021", m1.id)]
    item = items[0]["id"]
    chair = m2.connect("chair")
    chair.command("meeting.open")
    chair.command("agenda.open", {"item": item})
    # meeting 1's minutes are not finalised: nothing signed to approve
    chair.error("minutes.approve_previous", "bad_state", {"item": item})
    m1.connect("secretary", settle=False).command("minutes.finalize")
    ok = chair.command("minutes.approve_previous", {"item": item})
    ev = chair.wait_event("minutes.approved_previous", after=ok["seq"] - 1)
    assert (ev["body"]["vote"], ev["body"]["result"]) == ("", "no_objection")
    a = json.loads(download(srv, m1.id, ["approval.json"])["approval.json"])
    assert a["approved"]["result"] == "no_objection" and a["approved"]["vote"] is None


def test_same_meeting_stays_the_default_and_adds_no_item(spawn):
    srv = spawn().start()
    m1 = make_meeting(srv)
    assert m1.snapshot["settings"]["minutes_approval"] == "same_meeting"
    chair = m1.connect("chair")
    chair.command("meeting.open")
    chair.command("meeting.close")
    m1.connect("secretary", settle=False).command("minutes.finalize")
    m2 = Second(srv, m1.commission["id"], "Séance de mars", "2021-03-02T14:00")
    snap = m2.snap()
    assert snap["settings"]["minutes_approval"] == "same_meeting"
    assert not [i for i in snap["agenda"] if i["approves"]]
    chair.command("record.approve")
    srv.api().call("POST", "/api/meetings/%s/settings" % m2.id, {"minutes_approval": "weekly"},
                   None, 400)
