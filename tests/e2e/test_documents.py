# SPDX-License-Identifier: AGPL-3.0-or-later
"""Documents on agenda items (PROTOCOL.md 3.6): the secretariat uploads the
2020 review or the draft roadmap to an item, everyone of the meeting sees it on
the item and downloads the very same bytes, refusals change nothing, the file
is stored once by its SHA-256, the log and the signed record name it."""
import hashlib
import io
import json
import socket
import struct
import urllib.parse
import zipfile

import pytest

from harness import SCHEMA, http_request, make_meeting, run_cli
from limits_helpers import metrics, wait_for

PDF = b"%PDF-1.4\n% Bilan 2020\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def odt(text="Feuille de route 2021"):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        z.writestr("content.xml", "<office:document-content>%s</office:document-content>" % text)
    return buf.getvalue()


def docx():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document>Protocole d'accord</w:document>")
    return buf.getvalue()


def add_item(server, m, title="Bilan 2020"):
    snap = server.api().call("POST", "/api/meetings/%s/agenda" % m.id, {"title": title}, expect=201).json
    return [it for it in snap["agenda"] if it["title"] == title][-1]["id"]


def upload(server, m, item, name, data, token=None, expect=None):
    path = "/api/meetings/%s/agenda/%s/documents?name=%s" % (m.id, item, urllib.parse.quote(name, safe=""))
    r = server.api(token).call("POST", path, raw=data, headers={"Content-Type": "application/octet-stream"})
    if r.status < 300:
        SCHEMA.check("http.document.json", r.json)
    if expect is not None:
        assert r.status == expect, r
    return r


def item_docs(server, m, item, token=None):
    snap = server.api(token).snapshot(m.id)
    return [it for it in snap["agenda"] if it["id"] == item][0]["documents"]


def doc_files(server):
    d = server.dir / "documents"
    return sorted(p.name for p in d.iterdir()) if d.exists() else []


def test_an_upload_is_on_the_item_for_everyone_and_downloads_identical(server):
    m = make_meeting(server)
    item = add_item(server, m)
    member = m.connect("member0")
    r = upload(server, m, item, "Bilan 2020 – révisé.pdf", PDF, expect=201)
    sha = hashlib.sha256(PDF).hexdigest()
    doc = r.json
    assert (doc["sha256"], doc["name"], doc["format"], doc["type"], doc["size"], doc["item"]) == (
        sha, "Bilan 2020 – révisé.pdf", "pdf", "application/pdf", len(PDF), item)
    assert doc["url"] == "/api/meetings/%s/documents/%s" % (m.id, sha)
    ev = member.wait_event("document.added")
    assert (ev["body"]["item"], ev["body"]["sha256"], ev["body"]["size"]) == (item, sha, len(PDF))
    for who in ("member0", "observer", "chair"):
        docs = item_docs(server, m, item, m.token(who))
        assert [(d["sha256"], d["name"]) for d in docs] == [(sha, "Bilan 2020 – révisé.pdf")]
        got = http_request(server.port, "GET", doc["url"], headers={"Authorization": "Bearer " + m.token(who)})
        assert got.status == 200 and got.data == PDF, got
        assert got.content_type == "application/pdf"
        assert got.headers["X-Content-Type-Options"] == "nosniff"
        disp = got.headers["Content-Disposition"]
        assert disp.startswith('attachment; filename="Bilan 2020 _ r_vis_.pdf"'), disp
        assert "filename*=UTF-8''Bilan%202020%20%E2%80%93%20r%C3%A9vis%C3%A9.pdf" in disp, disp


def test_office_files_and_images_are_recognised_by_content_and_extension(server):
    m = make_meeting(server)
    item = add_item(server, m)
    for name, data, fmt in (("feuille-de-route.odt", odt(), "odt"), ("protocole.docx", docx(), "docx"),
                            ("plan.PNG", PNG, "png")):
        assert upload(server, m, item, name, data, expect=201).json["format"] == fmt


def test_the_same_file_is_stored_once_and_not_attached_twice(server):
    m = make_meeting(server)
    i1, i2 = add_item(server, m, "Bilan 2020"), add_item(server, m, "Feuille de route")
    data = odt("dédoublonné %s" % m.id)
    sha = hashlib.sha256(data).hexdigest()
    upload(server, m, i1, "feuille.odt", data, expect=201)
    seq = m.head()
    again = upload(server, m, i1, "feuille.odt", data, expect=200)
    assert again.json["sha256"] == sha
    assert m.head() == seq, "the same content on the same item writes nothing"
    upload(server, m, i2, "annexe.odt", data, expect=201)
    assert doc_files(server).count(sha) == 1
    assert (server.dir / "documents" / sha).read_bytes() == data


@pytest.mark.parametrize("name,data,status,code", [
    ("bilan.pdf", b"<html><script>alert(1)</script></html>", 400, "invalid"),
    ("page.html", b"<html></html>", 400, "invalid"),
    ("bilan.png", PDF, 400, "invalid"),              # content and extension disagree
    ("bilan", PDF, 400, "invalid"),                  # no extension
    ("../bilan.pdf", PDF, 400, "invalid"),           # no path in a name
    ('bi"lan.pdf', PDF, 400, "invalid"),
    ("", PDF, 400, "invalid"),                       # no name
    ("vide.pdf", b"", 400, "invalid"),
    ("archive.docx", b"PK\x03\x04" + b"\x00" * 40, 400, "invalid"),  # a zip, not an office file
])
def test_refused_files_change_nothing(server, name, data, status, code):
    m = make_meeting(server)
    item = add_item(server, m)
    seq, files = m.head(), doc_files(server)
    r = upload(server, m, item, name, data)
    assert (r.status, r.json["error"]["code"]) == (status, code), r
    assert m.head() == seq and item_docs(server, m, item) == [] and doc_files(server) == files


def test_a_document_over_the_limit_is_refused_before_it_is_read(spawn):
    srv = spawn().start("--max-document", "1")
    m = make_meeting(srv)
    item = add_item(srv, m)
    seq = m.head()
    big = PDF + b"0" * (1 << 20)
    r = upload(srv, m, item, "gros.pdf", big)
    assert (r.status, r.json["error"]["code"]) == (413, "too_large"), r
    assert m.head() == seq and doc_files(srv) == []
    upload(srv, m, item, "petit.pdf", PDF + b"0" * ((1 << 20) - len(PDF)), expect=201)


def raw_upload_start(srv, m, item, name, body, sent):
    """An upload whose headers and first `sent` bytes are on their way: the
    socket, to finish (send the rest) or to drop."""
    path = "/api/meetings/%s/agenda/%s/documents?name=%s" % (m.id, item, urllib.parse.quote(name, safe=""))
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=60)
    s.sendall(("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
               "Content-Type: application/pdf\r\nContent-Length: %d\r\n\r\n"
               % (path, srv.admin_token, len(body))).encode() + body[:sent])
    return s


def raw_answer(s):
    data = b""
    while True:
        got = s.recv(65536)
        if not got:
            break
        data += got
    s.close()
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ")[1]), json.loads(body[body.index(b"{"):body.rindex(b"}") + 1])


def test_uploads_beyond_the_memory_budget_are_refused_and_a_vanished_client_frees_its_share(spawn):
    """Bodies of uploads in progress are held in memory, at most four times
    --max-document in all: beyond, rate_limited (429) at once, while the
    server goes on serving; a client gone mid-upload gives its share back."""
    srv = spawn().start("--max-document", "1", "--http-timeout", "300")
    m = make_meeting(srv)
    item = add_item(srv, m)
    size = 1 << 20
    assert metrics(srv)["concerto_upload_budget_bytes"] == 4 * size
    assert metrics(srv)["concerto_upload_bytes"] == 0
    bodies = [(PDF + b"%% part %d\n" % i).ljust(size, b"0") for i in range(4)]
    held = [raw_upload_start(srv, m, item, "part%d.pdf" % i, b, 100) for i, b in enumerate(bodies)]
    wait_for(lambda: metrics(srv)["concerto_upload_bytes"] == 4 * size, what="four uploads held")
    seq = m.head()
    # a fifth, however small, is refused at once, its body unread, nothing written
    r = upload(srv, m, item, "cinq.pdf", PDF)
    assert (r.status, r.json["error"]["code"]) == (429, "rate_limited"), r
    assert "too many uploads at once" in r.json["error"]["message"]
    assert m.head() == seq and item_docs(srv, m, item) == []
    # ... and everything else is served meanwhile
    assert http_request(srv.port, "GET", "/healthz").status == 200
    member = m.connect("member0")
    assert member.welcome["you"]["role"] == "member"
    # a client that vanishes mid-upload (a reset, no goodbye) frees its share
    held[0].setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    held[0].close()
    wait_for(lambda: metrics(srv)["concerto_upload_bytes"] == 3 * size, what="the vanished share freed")
    r = upload(srv, m, item, "cinq.pdf", PDF, expect=201)
    # the uploads still held finish as usual
    held[1].sendall(bodies[1][100:])
    status, doc = raw_answer(held[1])
    assert status == 201 and doc["sha256"] == hashlib.sha256(bodies[1]).hexdigest()
    for s in held[2:]:
        s.close()
    wait_for(lambda: metrics(srv)["concerto_upload_bytes"] == 0, what="every share freed")
    assert sorted(d["name"] for d in item_docs(srv, m, item)) == ["cinq.pdf", "part1.pdf"]


def test_only_the_bureau_uploads_and_only_the_meeting_downloads(server):
    m, other = make_meeting(server), make_meeting(server)
    item = add_item(server, m)
    for who in ("member0", "observer"):
        r = upload(server, m, item, "bilan.pdf", PDF, token=m.token(who))
        assert (r.status, r.json["error"]["code"]) == (403, "forbidden"), r
    assert item_docs(server, m, item) == []
    r = upload(server, m, item, "bilan.pdf", PDF, token=m.token("secretary"), expect=201)
    url = r.json["url"]
    assert r.json["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert http_request(server.port, "GET", url).status == 401
    assert http_request(server.port, "GET", url, headers={"Authorization": "Bearer nope"}).status == 401
    r = http_request(server.port, "GET", url, headers={"Authorization": "Bearer " + other.token("chair")})
    assert r.status == 403, r
    # a document of another meeting is not served through this one
    r = http_request(server.port, "GET", "/api/meetings/%s/documents/%s" % (other.id, r"%s" % url.rsplit("/", 1)[1]),
                     headers={"Authorization": "Bearer " + other.token("chair")})
    assert r.status == 404, r
    r = upload(server, m, item, "bilan.pdf", PDF, token=other.token("chair"))
    assert r.status == 403, r


def test_removal_takes_it_off_the_item_and_the_record_still_names_it(spawn, tmp_path):
    srv = spawn().start()
    m = make_meeting(srv)
    item = add_item(srv, m)
    keep = upload(srv, m, item, "Bilan 2020.pdf", PDF, expect=201).json
    gone = upload(srv, m, item, "brouillon.odt", odt("brouillon"), expect=201).json
    chair = m.connect("chair")
    sec = m.connect("secretary")
    chair.command("meeting.open")
    r = srv.api(m.token("secretary")).call(
        "DELETE", "/api/meetings/%s/agenda/%s/documents/%s" % (m.id, item, gone["sha256"]), expect=200)
    assert [d["sha256"] for d in [it for it in r.json["agenda"] if it["id"] == item][0]["documents"]] == [
        keep["sha256"]]
    chair.wait_event("document.removed", sha256=gone["sha256"])
    srv.api().error("DELETE", "/api/meetings/%s/agenda/%s/documents/%s" % (m.id, item, gone["sha256"]),
                    404, "not_found")
    chair.command("meeting.close")
    r = upload(srv, m, item, "tard.pdf", PDF + b"tard", token=m.token("secretary"))
    assert (r.status, r.json["error"]["code"]) == (409, "bad_state"), r
    sec.command("minutes.finalize")
    # restart: the documents come back from the log, the bytes from their files
    srv.restart()
    assert [d["sha256"] for d in item_docs(srv, m, item)] == [keep["sha256"]]
    got = http_request(srv.port, "GET", keep["url"], headers={"Authorization": "Bearer " + m.token("member1")})
    assert got.data == PDF
    rec = tmp_path / "record"
    rec.mkdir()
    for f in ("record.json", "record.md", "record.html", "record.pdf"):
        for g in (f, f + ".minisig"):
            (rec / g).write_bytes(srv.api().call("GET", "/api/meetings/%s/record/%s" % (m.id, g), expect=200).data)
    doc = json.loads((rec / "record.json").read_bytes())
    it = [x for x in doc["agenda"] if x["id"] == item][0]
    assert [(d["sha256"], d["name"], d["removed"]) for d in it["documents"]] == [
        (keep["sha256"], "Bilan 2020.pdf", False), (gone["sha256"], "brouillon.odt", True)]
    assert [e["type"] for e in doc["events"]].count("document.added") == 2
    md = (rec / "record.md").read_text("utf-8")
    assert keep["sha256"] in md and gone["sha256"] in md and "Bilan 2020.pdf" in md
    assert keep["sha256"] in (rec / "record.html").read_text("utf-8")
    pub = tmp_path / "server.pub"
    pub.write_bytes(http_request(srv.port, "GET", "/api/pubkey").data)
    ok = run_cli("verify", "--pub", str(pub), str(rec))
    assert ok.returncode == 0, ok.stdout + ok.stderr
