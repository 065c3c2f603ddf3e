# SPDX-License-Identifier: AGPL-3.0-or-later
"""Minutes and the signed record (PROTOCOL.md 6.7, RECORD.md), end to end:
what the secretary writes, what the server adds, the files a participant
downloads, and signatures that the stock `minisign -V` accepts."""
import json
import shutil
import subprocess

import pytest

from harness import SCHEMA, chain_verify, http_request, make_meeting, run_cli

FILES = {
    "record.json": "application/json",
    "record.md": "text/markdown",
    "record.html": "text/html",
    "record.pdf": "application/pdf",
}


def closed_meeting(server):
    """A meeting opened, with one written entry, closed and finalised."""
    m = make_meeting(server)
    chair = m.connect("chair")
    sec = m.connect("secretary")
    chair.command("meeting.open")
    sec.command("minutes.add", {"text": "Le bilan 2020 est présenté.\nAucune objection.",
                                "speakers": [m.pid("chair")]})
    chair.command("meeting.close")
    sec.command("minutes.finalize")
    return m, chair, sec


def test_the_minutes_route_lists_written_and_automatic_entries_in_time_order(server):
    m = make_meeting(server)
    chair = m.connect("chair")
    sec = m.connect("secretary")
    chair.command("meeting.open")
    sec.command("minutes.add", {"text": "Une note."})
    r = server.api(m.token("member0")).call("GET", "/api/meetings/%s/minutes" % m.id, schema="http.minutes.json",
                                              expect=200)
    entries = r.json
    assert [e["ts"] for e in entries] == sorted(e["ts"] for e in entries)
    mine = [e for e in entries if e["source"] == "secretary"]
    assert [(e["text"], e["edited"]) for e in mine] == [("Une note.", False)]
    assert any(e["source"] == "auto" for e in entries), "opening the session is written by the server"


def test_the_record_is_not_served_before_the_minutes_are_finalised(server):
    m = make_meeting(server)
    server.api().error("GET", "/api/meetings/%s/record/record.json" % m.id, 409, "bad_state")


def test_finalising_needs_a_closed_meeting_and_freezes_the_minutes(server):
    m = make_meeting(server)
    chair = m.connect("chair")
    sec = m.connect("secretary")
    chair.command("meeting.open")
    assert sec.error("minutes.finalize", "bad_state")
    chair.command("meeting.close")
    sec.command("minutes.finalize")
    assert sec.error("minutes.add", "bad_state", {"text": "Trop tard."})
    assert sec.error("minutes.finalize", "bad_state")


@pytest.mark.parametrize("who", ["admin", "chair", "secretary"])
def test_the_record_files_download_as_attachments(server, who):
    m, _, _ = closed_meeting(server)
    token = server.admin_token if who == "admin" else m.token(who)
    for name, mime in FILES.items():
        for f in (name, name + ".minisig"):
            r = http_request(server.port, "GET", "/api/meetings/%s/record/%s" % (m.id, f),
                             headers={"Authorization": "Bearer " + token})
            assert r.status == 200, (f, r)
            assert "attachment" in (r.headers.get("Content-Disposition") or ""), f
            if f == name:
                assert r.content_type == mime, (f, r.content_type)


@pytest.mark.parametrize("who", ["member0", "observer"])
def test_members_and_observers_may_not_download_the_record(server, who):
    m, _, _ = closed_meeting(server)
    server.api(m.token(who)).error("GET", "/api/meetings/%s/record/record.json" % m.id, 403, "forbidden")


def test_record_json_holds_the_whole_log_and_its_chain_verifies(server):
    m, chair, _ = closed_meeting(server)
    r = server.api().call("GET", "/api/meetings/%s/record/record.json" % m.id, expect=200)
    rec = json.loads(r.data)
    assert rec["format"] == "concerto-record/1"
    assert rec["meeting"]["id"] == m.id
    head = chain_verify(rec["events"], first_seq=1)
    assert rec["chain"] == {"events": len(rec["events"]), "head": head}
    assert r.data.decode("utf-8") == json.dumps(rec, sort_keys=True, separators=(",", ":"), ensure_ascii=False), (
        "record.json is canonical JSON")
    written = [e for e in rec["minutes"] if e["source"] == "secretary"]
    assert [e["text"] for e in written] == ["Le bilan 2020 est présenté.\nAucune objection."]
    assert rec["finalized"]["by"] == m.pid("secretary")
    for ev in rec["events"]:
        SCHEMA.check("server.json", {"type": "event", "event": ev})


def test_the_public_key_route_serves_the_key_beside_the_signing_key(spawn):
    srv = spawn().start()
    r = http_request(srv.port, "GET", "/api/pubkey")
    assert r.status == 200
    assert r.data == srv.key.with_suffix(".pub").read_bytes()


@pytest.mark.skipif(shutil.which("minisign") is None, reason="minisign not installed")
def test_every_record_file_verifies_with_stock_minisign_before_and_after_approval(spawn, tmp_path):
    srv = spawn().start()
    m, chair, _ = closed_meeting(srv)
    pub = tmp_path / "server.pub"
    pub.write_bytes(http_request(srv.port, "GET", "/api/pubkey").data)

    def verify_all(tag):
        """Download and check the four files; returns record.json decoded."""
        rec = None
        for name in FILES:
            for f in (name, name + ".minisig"):
                r = srv.api().call("GET", "/api/meetings/%s/record/%s" % (m.id, f), expect=200)
                (tmp_path / (tag + f)).write_bytes(r.data)
            out = subprocess.run(["minisign", "-V", "-p", str(pub), "-m", str(tmp_path / (tag + name)),
                                  "-x", str(tmp_path / (tag + name + ".minisig"))],
                                 capture_output=True, text=True, timeout=10, stdin=subprocess.DEVNULL)
            assert out.returncode == 0, (name, out.stdout, out.stderr)
            rec = rec or json.loads((tmp_path / (tag + "record.json")).read_bytes())
            trusted = (tmp_path / (tag + name + ".minisig")).read_text("utf-8").splitlines()[2]
            assert trusted == "trusted comment: concerto record meeting=%s events=%d head=%s file=%s" % (
                m.id, rec["chain"]["events"], rec["chain"]["head"], name)
        return rec

    before = verify_all("a-")
    assert before["approved"] in (None, {"by": "", "at": 0})
    chair.command("record.approve")
    after = verify_all("b-")
    assert after["approved"]["by"] == m.pid("chair")
    assert after["chain"]["head"] != before["chain"]["head"], "signed again at the new head"
    assert after["events"][-1]["type"] == "record.approved"


def test_concerto_verify_accepts_a_downloaded_record_and_refuses_a_tampered_one(spawn, tmp_path):
    srv = spawn().start()
    m, _, _ = closed_meeting(srv)
    rec = tmp_path / "record"
    rec.mkdir()
    for name in FILES:
        for f in (name, name + ".minisig"):
            (rec / f).write_bytes(srv.api().call("GET", "/api/meetings/%s/record/%s" % (m.id, f), expect=200).data)
    pub = tmp_path / "server.pub"
    pub.write_bytes(http_request(srv.port, "GET", "/api/pubkey").data)
    ok = run_cli("verify", "--pub", str(pub), str(rec))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    data = (rec / "record.md").read_bytes()
    assert b"Aucune objection" in data
    (rec / "record.md").write_bytes(data.replace(b"Aucune objection", b"Aucune objectiom"))
    bad = run_cli("verify", "--pub", str(pub), str(rec))
    assert bad.returncode != 0
    assert "record.md" in bad.stdout + bad.stderr
