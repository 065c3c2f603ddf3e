# SPDX-License-Identifier: AGPL-3.0-or-later
"""A whole meeting to its signed record (RECORD.md): driven over WebSockets,
finalised, downloaded over HTTP, checked by `concerto verify` and Debian's
minisign, read back with pdftotext; then tampered with in every way a
forger would try, and refused by both verifiers."""
import json
import secrets
import shutil
import subprocess

import pytest

from harness import http_request, make_meeting, run_cli

FILES = ["record.json", "record.md", "record.html", "record.pdf"]
need_tools = pytest.mark.skipif(not (shutil.which("minisign") and shutil.which("pdftotext")),
                                reason="minisign and poppler-utils are installed by deploy/install-deps.sh --test")


def receipt():
    return secrets.token_urlsafe(16)


@pytest.fixture(scope="module")
def record(tmp_path_factory, shared_server):
    """A finalised meeting: two items, turns of speech, a named and a secret
    vote, written and edited minutes. Returns (meeting, directory of files)."""
    srv = shared_server
    m = make_meeting(srv)
    chair, sec = m.connect("chair"), m.connect("secretary")
    members = [m.connect("member%d" % i) for i in range(4)]
    chair.command("agenda.add", {"title": "Bilan 2020 : la crise sanitaire", "duration": 1200})
    chair.command("agenda.add", {"title": "Feuille de route 2021", "kind": "vote"})
    chair.command("meeting.open")
    chair.command("agenda.open", {"item": "i1"})
    members[0].command("speaker.request")
    members[2].command("speaker.request")
    chair.command("speaker.next")
    chair.command("speaker.next")
    chair.command("speaker.end")
    sec.command("minutes.add", {"text": "Mme L’Hermitte présente les cellules d’appels « seniors ».",
                                "speakers": [m.pid("member0")]})
    chair.command("vote.prepare", {"question": "Approuver le bilan 2020 ?", "mode": "named"})
    chair.command("vote.open", {"vote": "v1"})
    for c, choice in zip(members, ["yes", "yes", "no", "abstain"]):
        c.command("vote.cast", {"vote": "v1", "choice": choice})
    chair.command("vote.close", {"vote": "v1"})
    chair.command("vote.publish", {"vote": "v1"})
    chair.command("agenda.open", {"item": "i2"})
    chair.command("vote.prepare", {"question": "Adopter la feuille de route 2021 ?", "mode": "secret",
                                   "rule": "double"})
    chair.command("vote.open", {"vote": "v2"})
    for c in members:
        c.command("vote.cast", {"vote": "v2", "choice": "yes", "receipts": [receipt()]})
    chair.command("vote.close", {"vote": "v2"})
    entry = sec.command("minutes.add", {"text": "La feuille de route est adoptée."})
    sec.command("minutes.edit", {"entry": "e2", "text": "La feuille de route 2021 est adoptée à l'unanimité."})
    chair.command("meeting.close")
    sec.command("minutes.finalize")
    d = tmp_path_factory.mktemp("record")
    api = srv.api(m.token("secretary"))
    for name in FILES:
        for f in (name, name + ".minisig"):
            (d / f).write_bytes(api.call("GET", "/api/meetings/%s/record/%s" % (m.id, f), expect=200).data)
    (d / "concerto.pub").write_bytes(http_request(srv.port, "GET", "/api/pubkey").data)
    assert entry["seq"] > 0
    return m, d


def verify(d, pub=None):
    return run_cli("verify", "--pub", str(pub or d / "concerto.pub"), str(d))


def minisign_ok(d, name, pub=None):
    return subprocess.run(["minisign", "-Vm", str(d / name), "-p", str(pub or d / "concerto.pub"), "-q"],
                          capture_output=True, timeout=30).returncode == 0


@need_tools
def test_the_record_of_a_whole_meeting_verifies_with_both_verifiers(record):
    m, d = record
    r = verify(d)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "record verified" in r.stdout
    for name in FILES:
        assert minisign_ok(d, name), name


@need_tools
def test_the_pdf_holds_the_title_every_item_every_result_and_the_accents(record):
    m, d = record
    text = subprocess.run(["pdftotext", "-layout", str(d / "record.pdf"), "-"], capture_output=True,
                          text=True, timeout=60).stdout
    flat = " ".join(text.split())
    for want in [m.meeting["title"].split(" — ")[0], "Bilan 2020 : la crise sanitaire", "Feuille de route 2021",
                 "Approuver le bilan 2020 ?", "Adopter la feuille de route 2021 ?", "adopté", "Zoé L’Hermitte",
                 "« seniors »", "CCR Hauts-de-France"]:
        assert want in flat, "%r not in the PDF text" % want
    info = subprocess.run(["pdfinfo", str(d / "record.pdf")], capture_output=True, text=True, timeout=30).stdout
    pages = int([line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")][0])
    assert pages >= 2


def copy_record(d, tmp_path, name="forged"):
    out = tmp_path / name
    shutil.copytree(d, out)
    return out


@need_tools
@pytest.mark.parametrize("name", FILES)
def test_one_byte_changed_in_any_file_is_refused_by_both_verifiers(record, tmp_path, name):
    _, d = record
    f = copy_record(d, tmp_path)
    data = bytearray((f / name).read_bytes())
    data[len(data) // 2] ^= 0x01
    (f / name).write_bytes(bytes(data))
    assert not minisign_ok(f, name)
    r = verify(f)
    assert r.returncode != 0 and "FAIL %s" % name in r.stdout, r.stdout


def forge(d, tmp_path, change):
    """A forger's record: record.json changed by `change`, then signed again
    with the forger's own key, keeping the server's trusted comment."""
    f = copy_record(d, tmp_path)
    rec = json.loads((f / "record.json").read_text("utf-8"))
    change(rec)
    (f / "record.json").write_text(json.dumps(rec, sort_keys=True, separators=(",", ":"), ensure_ascii=False),
                                   "utf-8")
    key = tmp_path / "forger.key"
    assert run_cli("keygen", "--key", str(key)).returncode == 0
    trusted = [line for line in (d / "record.json.minisig").read_text().splitlines()
               if line.startswith("trusted comment: ")][0][len("trusted comment: "):]
    (f / "record.json.minisig").unlink()
    s = subprocess.run(["minisign", "-S", "-s", str(key), "-m", str(f / "record.json"), "-t", trusted],
                       capture_output=True, text=True, timeout=30, input="")
    assert s.returncode == 0, s.stderr
    return f, tmp_path / "forger.pub"


@need_tools
def test_an_entry_removed_is_refused_by_both_verifiers(record, tmp_path):
    m, d = record
    f, forger = forge(d, tmp_path, lambda rec: rec["minutes"].pop())
    # With the server's key: minisign and concerto verify both refuse the signature.
    assert not minisign_ok(f, "record.json")
    assert verify(f).returncode != 0
    # Even with the forger's key, whose signature holds, the minutes no longer
    # match the events they come from: the chain still verifies (events were
    # kept) but the files signed by the server no longer match.
    assert minisign_ok(f, "record.json", forger)
    r = verify(f, forger)
    assert r.returncode != 0, r.stdout


@need_tools
def test_events_reordered_are_refused_even_under_a_forger_key(record, tmp_path):
    m, d = record

    def swap(rec):
        ev = rec["events"]
        ev[3], ev[4] = ev[4], ev[3]
    f, forger = forge(d, tmp_path, swap)
    assert not minisign_ok(f, "record.json")
    assert verify(f).returncode != 0
    r = verify(f, forger)
    assert r.returncode != 0
    assert "does not chain" in r.stdout or "out of place" in r.stdout, r.stdout


@need_tools
def test_an_event_removed_and_the_chain_recomputed_is_refused(record, tmp_path):
    """A forger who drops an event must recompute every later hash; the head
    then differs from the one the server signed in every trusted comment."""
    m, d = record
    from harness import chain_link, ZERO_HASH

    def drop(rec):
        ev = rec["events"]
        del ev[5]
        h = ZERO_HASH
        for i, e in enumerate(ev):
            e["seq"] = i + 1
            e["hash"] = chain_link(h, e)
            h = e["hash"]
        rec["chain"] = {"events": len(ev), "head": h}
    f, forger = forge(d, tmp_path, drop)
    r = verify(f, forger)
    assert r.returncode != 0
    assert "signed for another state of the log" in r.stdout or "does not verify" in r.stdout, r.stdout


def test_keygen_makes_a_private_key_and_refuses_to_replace_it(tmp_path):
    import os
    import stat
    key = tmp_path / "k.key"
    r = run_cli("keygen", "--key", str(key))
    assert r.returncode == 0, r.stderr
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
    assert (tmp_path / "k.pub").read_text().startswith("untrusted comment: minisign public key ")
    again = run_cli("keygen", "--key", str(key))
    assert again.returncode != 0 and "already exists" in again.stderr


@need_tools
def test_concerto_verify_takes_the_files_as_the_server_names_them(record, tmp_path):
    m, d = record
    out = tmp_path / "downloads"
    out.mkdir()
    for f in d.iterdir():
        name = f.name if f.name == "concerto.pub" else "%s-%s" % (m.id, f.name)
        (out / name).write_bytes(f.read_bytes())
    r = run_cli("verify", str(out))
    assert r.returncode == 0, r.stdout + r.stderr
