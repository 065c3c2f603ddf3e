# SPDX-License-Identifier: AGPL-3.0-or-later
"""The record says what participants saw, at the moment it describes
(RECORD.md, "Which moment each part describes").

A whole meeting is played over the public protocol: arrivals before the
opening, a late arrival that makes the quorum, a college of one member whose
departure loses it although the overall count holds, a paper proxy used in
two votes then revoked by the secretary, a recusal declared for another
item, a vote opened on an item that is not the current one, a postponed
item, the secretary leaving and coming back, and everybody hanging up after
the close. The test keeps what the clients were shown (the snapshot right
after meeting.closed, the quorum events as received) and compares every
record format with that, never with the code that wrote the record."""
import json
import re
import shutil
import subprocess
import time

import pytest

from harness import TIMEOUT, Server, http_request, make_meeting, run_cli

ROSTER = [
    ("Claire Vasseur", "", "chair"),
    ("Paul Lefèvre", "", "secretary"),
    ("Zoé L’Hermitte", "bailleurs", "member"),   # member0: present throughout
    ("Marc Dubois", "bailleurs", "member"),      # member1: holds member2's paper proxy
    ("Hugo Caron", "bailleurs", "member"),       # member2: absent, proxy on paper
    ("Fatima Benali", "locataires", "member"),   # member3: recused on i2
    ("Jean Roux", "locataires", "member"),       # member4
    ("Léa Martin", "locataires", "member"),      # member5
    ("Inès Petit", "locataires", "member"),      # member6: excused, connects after finalisation
    ("Yves Morel", "etat", "member"),            # member7: the college of one
    ("Anne Mercier", "", "observer"),
]
need_tools = pytest.mark.skipif(not (shutil.which("pdftotext")), reason="poppler-utils")


def present_fr(n):
    return "%d membre%s présent%s" % (n, "s" if n > 1 else "", "s" if n > 1 else "")


def watch_log(srv, text):
    """A function that waits until the server's log shows `text` once more
    than now: the end of a connection, which writes no event once the
    meeting is closed, is seen there."""
    seen = srv.stderr_text().count(text)

    def wait(timeout=TIMEOUT):
        deadline = time.monotonic() + timeout
        while srv.stderr_text().count(text) <= seen:
            assert time.monotonic() < deadline, "never logged: %s" % text
            time.sleep(0.01)
    return wait


def quorum_sentence(snap):
    """The quorum at the close in the record's words, from what the snapshot showed."""
    q, cols = snap["attendance"]["quorum"], snap["attendance"]["colleges"]
    figures = "%s pour %d requis" % (present_fr(q["present"]), q["required"])
    if q["met"]:
        parts = ["collège %s : %d présent%s pour %d requis" % (c, x["present"], "s" if x["present"] > 1 else "",
                                                              x["required"])
                 for c, x in cols.items() if x["total"]]
        return "Quorum à la clôture : atteint, %s ; par collège, %s." % (figures, ", ".join(parts))
    return None


def fetch(api, m, name):
    return api.call("GET", "/api/meetings/%s/record/%s" % (m.id, name), expect=200)


@pytest.fixture(scope="module")
def logging_server(binary, web_root, tmp_path_factory):
    """A server that logs every connection's arrival and departure, which
    these tests watch (by default the log sums them up)."""
    s = Server(tmp_path_factory.mktemp("moments-server"), web=web_root)
    s.init()
    s.start("--log-connections")
    yield s
    s.stop()
    assert not s.leaked_tokens(), "tokens found in the server log: %s" % s.leaked_tokens()


@pytest.fixture(scope="module")
def played(logging_server, tmp_path_factory):
    srv = logging_server
    m = make_meeting(srv, roster=ROSTER, colleges=("bailleurs", "locataires", "etat"))
    pid = m.pid
    chair, sec = m.connect("chair"), m.connect("secretary")
    chair.command("meeting.configure", {"quorum": 50, "quorum_college": 50, "grace": 0})
    for title, kind in [("Bilan 2020", "information"), ("Feuille de route 2021", "vote"),
                        ("Questions diverses", "information")]:
        chair.command("agenda.add", {"title": title, "kind": kind})
    early = {w: m.connect(w) for w in ["member0", "member1", "member3", "member4", "member5"]}
    sec.command("proxy.record", {"from": pid("member2"), "to": pid("member1")})
    sec.command("attendance.mark", {"participant": pid("member6"), "status": "excused", "reason": "congé"})
    chair.command("meeting.open")
    at_open = srv.api().snapshot(m.id)
    # Everyone but the college of one: 5 of 8 members, the overall count
    # holds, the college etat does not.
    late = m.connect("member7")
    reached = chair.wait_event("quorum.reached")
    chair.command("agenda.open", {"item": "i1"})
    chair.command("vote.prepare", {"question": "Approuver le bilan 2020 ?", "mode": "named"})
    chair.command("vote.open", {"vote": "v1"})
    for w, c in early.items():
        c.command("vote.cast", {"vote": "v1", "choice": "yes", "all": True})
    late.command("vote.cast", {"vote": "v1", "choice": "no"})
    chair.command("vote.close", {"vote": "v1"})
    # While i1 is current: a recusal on i2, and a vote of i2 opened.
    sec.command("recusal.declare", {"participant": pid("member3"), "item": "i2"})
    chair.command("vote.prepare", {"question": "Adopter la feuille de route ?", "item": "i2", "mode": "named"})
    chair.command("vote.open", {"vote": "v2"})
    for w, c in early.items():
        if w != "member3":
            c.command("vote.cast", {"vote": "v2", "choice": "yes", "all": True})
    chair.command("vote.close", {"vote": "v2"})
    chair.command("vote.prepare", {"question": "Quel calendrier ?", "kind": "choice", "rule": "absolute",
                                   "options": ["mars", "juin"], "mode": "named"})
    chair.command("vote.open", {"vote": "v3"})
    early["member0"].command("vote.cast", {"vote": "v3", "choice": "mars"})
    chair.command("vote.close", {"vote": "v3"})
    sec.command("proxy.revoke", {"from": pid("member2")})
    # The college of one leaves: the quorum is lost in that college alone.
    late.close()
    lost = chair.wait_event("quorum.lost")
    late = m.connect("member7")
    chair.wait_event("quorum.reached", after=lost["seq"])
    # The secretary drops out and comes back.
    sec.close()
    m.wait_present("secretary", False)
    sec = m.connect("secretary")
    chair.command("agenda.open", {"item": "i2"})
    chair.command("agenda.postpone", {"item": "i3"})
    chair.command("meeting.close")
    closed_seq = chair.wait_event("meeting.closed")["seq"]
    at_close = srv.api().snapshot(m.id)
    # Everybody hangs up after the close; the excused member connects.
    for w, c in list(early.items()) + [("member7", late)]:
        gone = watch_log(srv, "participant %s left meeting %s" % (pid(w), m.id))
        c.close()
        gone()
    sec.command("minutes.finalize")
    joined = watch_log(srv, "participant %s (member) joined meeting %s" % (pid("member6"), m.id))
    after_late = m.connect("member6", settle=False)
    joined()
    after_late.close()
    chair.command("record.approve")
    approved = srv.api().snapshot(m.id)
    api = srv.api(m.token("secretary"))
    d = tmp_path_factory.mktemp("moments")
    names = {}
    for ext in ["json", "md", "html", "pdf"]:
        r = fetch(api, m, "record." + ext)
        names[ext] = re.search(r'filename="?([^";]+)', r.headers.get("content-disposition", "")).group(1)
        (d / names[ext]).write_bytes(r.data)
    rec = json.loads((d / names["json"]).read_text("utf-8"))
    return dict(m=m, api=api, rec=rec, dir=d, names=names, at_open=at_open, at_close=at_close,
                approved=approved, reached=reached, lost=lost, closed_seq=closed_seq, chair=chair)


def text_of(p, name):
    d, names = p["dir"], p["names"]
    if name == "pdf":
        out = subprocess.run(["pdftotext", str(d / names["pdf"]), "-"], capture_output=True, text=True,
                             timeout=60).stdout
        # A sentence may run over a page break: drop each page's running
        # header (its first line, from page 2) and its "page N / M" footer.
        pages = []
        for k, page in enumerate(out.split("\f")):
            lines = [x for x in page.splitlines() if x.strip()]
            if k and lines:
                lines = lines[1:]
            if lines and re.fullmatch(r"page \d+ / \d+", lines[-1].strip()):
                lines = lines[:-1]
            pages.append("\n".join(lines))
        out = "\n".join(pages)
    else:
        out = (d / names[name]).read_text("utf-8")
        if name == "html":
            out = re.sub(r"<[^>]+>", " ", out).replace("&quot;", '"').replace("&#39;", "'")
    return " ".join(out.replace("*", "").split())


def test_attendance_and_quorum_are_those_the_clients_saw_at_the_close(played):
    rec, snap = played["rec"], played["at_close"]
    a, s = rec["attendance"], snap["attendance"]
    assert a["present"] == s["present"] and a["total"] == s["total"]
    assert {k: a["quorum"][k] for k in ("met", "present", "required")} == s["quorum"]
    for c, x in s["colleges"].items():
        assert all(a["colleges"][c][k] == x[k] for k in ("present", "total", "required")), c
    shown = {p["id"]: p["present"] for p in snap["participants"]}
    for p in rec["participants"]:
        assert p["present_at_close"] == shown[p["id"]], p["name"]
    # everybody hung up after the close: the close is what was shown then
    assert a["present"] == 6 and a["quorum"]["met"] and a["quorum"]["failing"] == []


@need_tools
@pytest.mark.parametrize("fmt", ["md", "html", "pdf"])
def test_every_format_states_the_quorum_at_the_close_as_shown(played, fmt):
    text = text_of(played, fmt)
    want = quorum_sentence(played["at_close"])
    assert want in text, "%r not in %s" % (want, fmt)
    assert "Collège etat : 1 membre présent sur 1, 1 requis (atteint)." in text
    assert "présents pour 0 requis" not in text and " 1 présents" not in text


def test_nothing_but_the_approval_follows_the_close_in_the_log(played):
    rec = played["rec"]
    after = [e["type"] for e in rec["events"] if e["seq"] > played["closed_seq"]]
    assert after == ["minutes.finalized", "record.approved"], after
    assert rec["chain"]["events"] == played["approved"]["seq"] == rec["events"][-1]["seq"]
    assert rec["chain"]["head"] == played["approved"]["head"]


def test_the_excused_member_who_connected_after_the_close_has_no_arrival(played):
    rec, m = played["rec"], played["m"]
    p = [x for x in rec["participants"] if x["id"] == m.pid("member6")][0]
    assert p["periods"] == [] and p["arrived"] == 0 and p["mark"] == "excused"
    md = text_of(played, "md")
    assert "Inès Petit (congé)" in md


def test_presence_periods_cover_the_whole_meeting(played):
    rec, m = played["rec"], played["m"]
    by = {p["id"]: p for p in rec["participants"]}
    sec = by[m.pid("secretary")]
    assert len(sec["periods"]) == 2 and sec["periods"][0]["to"] > 0 and sec["periods"][1]["to"] == 0
    late = by[m.pid("member7")]
    assert len(late["periods"]) == 2 and late["periods"][0]["from"] > rec["meeting"]["opened_at"]
    assert late["periods"][1]["to"] == 0  # connected at the close; hung up afterwards
    row = [line for line in (played["dir"] / played["names"]["md"]).read_text("utf-8").splitlines()
           if line.startswith("| Paul Lefèvre")][0]
    assert row.count("–") == 2 and "clôture" in row, row


def test_the_quorum_events_name_the_failing_college(played):
    lost, reached = played["lost"]["body"], played["reached"]["body"]
    assert lost["failing"] == ["etat"] and lost["present"] >= lost["required"]
    i = lost["colleges"].index("etat")
    assert (lost["college_present"][i], lost["college_required"][i]) == (0, 1)
    assert reached["failing"] == []
    # before the late arrival, the snapshot showed the quorum not met though
    # 5 of 8 were there, 4 required: the college etat had nobody
    q = played["at_open"]["attendance"]
    assert not q["quorum"]["met"] and q["present"] >= q["quorum"]["required"]
    assert q["colleges"]["etat"]["present"] == 0


@need_tools
@pytest.mark.parametrize("fmt", ["md", "html", "pdf"])
def test_the_minutes_say_which_college_lost_the_quorum(played, fmt):
    text = text_of(played, fmt)
    assert "Le quorum n’est plus atteint : collège etat : 0 présent pour 1 requis (en tout : 5 membres " \
           "présents pour 4 requis)." in text


def test_every_proxy_is_listed_with_its_uses_and_its_revocation(played):
    rec, m = played["rec"], played["m"]
    assert len(rec["proxies"]) == 1
    x = rec["proxies"][0]
    assert (x["from"], x["to"], x["given_by"], x["revoked_by"]) == (
        m.pid("member2"), m.pid("member1"), m.pid("secretary"), m.pid("secretary"))
    assert x["used"] == ["v1", "v2"] and x["revoked"] > x["given"] > 0
    md = text_of(played, "md")
    assert "Le secrétariat enregistre le retrait du pouvoir donné par Hugo Caron à Marc Dubois." in md
    assert "Le secrétariat enregistre le pouvoir donné par Hugo Caron à Marc Dubois." in md
    assert "retire son pouvoir" not in md
    assert "« Approuver le bilan 2020 ? », « Adopter la feuille de route ? »" in md


def test_automatic_entries_are_filed_under_the_item_they_concern(played):
    rec = played["rec"]

    def entry(start):
        found = [e for e in rec["minutes"] if e["source"] == "auto" and e["text"].startswith(start)]
        assert found, start
        return found[0]
    assert entry("Ouverture du vote « Adopter la feuille de route ? »")["item"] == "i2"
    assert entry("Résultat du vote « Adopter la feuille de route ? »")["item"] == "i2"
    assert entry("Le secrétariat enregistre le déport de Fatima Benali")["item"] == "i2"
    assert entry("Le secrétariat enregistre le retrait")["item"] == ""
    assert entry("Le secrétariat note Inès Petit : excusé (congé).")["item"] == ""
    assert entry("Le point « Questions diverses » est reporté.")["item"] == "i3"
    assert [it["state"] for it in rec["agenda"]] == ["done", "done", "postponed"]
    assert "majorité absolue des suffrages exprimés" in entry("Ouverture du vote « Quel calendrier ? »")["text"]
    assert "1 votant sur" in entry("Résultat du vote « Quel calendrier ? »")["text"]
    arrivals = [e for e in rec["minutes"] if e["text"].startswith("Arrivée") and e["ts"] < rec["meeting"]["opened_at"]]
    assert {e["text"] for e in arrivals} >= {"Arrivée : Zoé L’Hermitte.", "Arrivée : Marc Dubois."}


def test_files_are_named_for_the_meeting_and_the_old_names_still_work(played):
    m, names, api = played["m"], played["names"], played["api"]
    base = "pv-2021-02-02-ccr-hauts-de-france"
    assert names == {ext: "%s.%s" % (base, ext) for ext in ["json", "md", "html", "pdf"]}
    assert fetch(api, m, base + ".pdf").data == (played["dir"] / names["pdf"]).read_bytes()
    assert fetch(api, m, base + ".pdf.minisig").data.startswith(b"untrusted comment:")


def test_concerto_verify_takes_the_files_under_their_download_names(played, tmp_path):
    m, api = played["m"], played["api"]
    for ext in ["json", "md", "html", "pdf"]:
        for f in ("record." + ext, "record.%s.minisig" % ext):
            r = fetch(api, m, f)
            name = re.search(r'filename="?([^";]+)', r.headers.get("content-disposition", "")).group(1)
            assert name.startswith("pv-2021-02-02-ccr-hauts-de-france.")
            (tmp_path / name).write_bytes(r.data)
    (tmp_path / "concerto.pub").write_bytes(http_request(m.server.port, "GET", "/api/pubkey").data)
    r = run_cli("verify", str(tmp_path))
    assert r.returncode == 0 and "FAIL" not in r.stdout, r.stdout + r.stderr


@need_tools
def test_the_pdf_ends_with_the_signature_block(played):
    text = text_of(played, "pdf")
    sig = text[text.rindex("Signatures"):]
    for want in ["La présidence de séance", "Le secrétariat de séance", "Claire Vasseur", "Paul Lefèvre",
                 "en approuvant le procès-verbal", "en finalisant le procès-verbal",
                 "Clé de signature (minisign)", played["rec"]["chain"]["head"]]:
        assert want in sig.replace(" ", "") or want in sig, want
    assert "Signé électroniquement le" in sig
    key = http_request(played["m"].server.port, "GET", "/api/pubkey").data.decode()
    assert played["rec"]["signing"]["key_id"].upper() in key.upper()


def test_an_english_meeting_reads_english_throughout(shared_server):
    srv = shared_server
    m = make_meeting(srv, lang="en")
    chair, sec = m.connect("chair"), m.connect("secretary")
    chair.command("meeting.configure", {"grace": 0})
    one = m.connect("member0")
    chair.command("meeting.open")
    one.close()
    m.wait_present("member0", False)
    chair.command("meeting.close")
    sec.command("minutes.finalize")
    md = srv.api(m.token("secretary")).call("GET", "/api/meetings/%s/record/record.md" % m.id, expect=200).text()
    for want in ["The meeting is opened.", "The meeting is closed.", "Quorum at the close: not met",
                 "0 members present, 2 required", "Signatures", "The secretary"]:
        assert want in md, want
    for french in ["Ouverture", "Clôture de la séance", "présent", "Arrivée"]:
        assert french not in md, french
