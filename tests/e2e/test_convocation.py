# SPDX-License-Identifier: AGPL-3.0-or-later
"""Convocations: the documents a participant gets, and their sending through
a real mail system on loopback.

The mail system is two Debian packages: aiosmtpd (python3-aiosmtpd), an SMTP
server listening on 127.0.0.1 that delivers into a Maildir in the test's
directory, and msmtp, the sendmail interface the server runs (`--sendmail
/usr/bin/msmtp`, its configuration found through XDG_CONFIG_HOME in the
server's environment). Nothing is mocked: a message goes through SMTP and is
read back from the spool.
"""
import email
import email.policy
import mailbox
import os
import re
import shutil
import socket
import subprocess
import sys
import time

import pytest

from harness import SCHEMA, Client, Server, free_port

MSMTP = shutil.which("msmtp") or "/usr/bin/msmtp"
DEADLINE = 60.0

ROSTER = (
    "Nom;Collège;Rôle;Courriel\n"
    "Élise Durand;;présidente;elise@example.org\n"
    "Jean Martin;bailleurs;membre;jean.martin@example.org\n"
    "Zoé Lefèvre;locataires;membre;\n"
    "Paul Petit;locataires;membre;paul@example.org\n"
)


def wait_for(what, check, deadline=DEADLINE, every=0.05):
    end = time.monotonic() + deadline
    while True:
        v = check()
        if v:
            return v
        if time.monotonic() > end:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(every)


def write_msmtp(conf_home, port):
    d = conf_home / "msmtp"
    d.mkdir(parents=True, exist_ok=True)
    p = d / "config"
    p.write_text(
        "defaults\nauth off\ntls off\n\naccount default\nhost 127.0.0.1\nport %d\n"
        "from secretariat@example.org\n" % port
    )
    os.chmod(p, 0o600)


@pytest.fixture
def mail(tmp_path):
    if not os.access(MSMTP, os.X_OK):
        pytest.fail("msmtp is missing: deploy/install-deps.sh --test installs it")
    maildir = tmp_path / "Maildir"
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable if sys.executable.startswith("/usr/bin/") else "/usr/bin/python3",
         "-m", "aiosmtpd", "-n", "-l", "127.0.0.1:%d" % port, "-c", "aiosmtpd.handlers.Mailbox", str(maildir)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )

    def listening():
        if proc.poll() is not None:
            raise AssertionError("the SMTP server stopped: %s" % proc.stderr.read().decode())
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            return False

    wait_for("the SMTP server to listen", listening, 20)
    conf = tmp_path / "xdg"
    write_msmtp(conf, port)
    env = dict(os.environ, XDG_CONFIG_HOME=str(conf), HOME=str(tmp_path))
    yield {"maildir": maildir, "port": port, "conf": conf, "env": env}
    proc.terminate()
    proc.wait(10)


@pytest.fixture
def server(tmp_path, mail):
    s = Server(tmp_path / "srv", env=mail["env"])
    s.init()
    s.start("--sendmail", MSMTP, "--mail-from", "secretariat@example.org",
            "--public-url", "https://concerto.example.org/")
    yield s
    s.stop()


def meeting_with_agenda(api):
    c = api.create_commission("CCR Hauts-de-France", ["bailleurs", "locataires"])
    r = api.call("POST", "/api/commissions/%s/members.csv" % c["id"], raw=ROSTER.encode(),
                 headers={"Content-Type": "text/csv"}, expect=201)
    members = r.json["members"]
    assert [m["email"] for m in members] == ["elise@example.org", "jean.martin@example.org", "",
                                             "paul@example.org"]
    m = api.create_meeting(c["id"], "Séance plénière", date="2027-03-04T14:00+01:00", place="Lille, salle 2",
                           room="https://visio.example.org/ccr")
    mid = m["meeting"]["id"]
    for title in ("Approbation du procès-verbal", "Budget 2027"):
        api.call("POST", "/api/meetings/%s/agenda" % mid, {"title": title, "duration": 1800}, expect=201)
    return mid, {p["name"]: p["id"] for p in members}


def delivered(maildir, n):
    def check():
        if not (maildir / "new").is_dir():
            return None
        box = mailbox.Maildir(str(maildir), factory=None, create=False)
        msgs = [email.message_from_bytes(box.get_bytes(k), policy=email.policy.default) for k in box.keys()]
        return msgs if len(msgs) >= n else None

    return wait_for("%d message(s) in the spool" % n, check)


def statuses(api, mid):
    r = api.call("GET", "/api/meetings/%s/convocations" % mid, expect=200, schema="http.convocations.json")
    return {c["participant"]: c for c in r.json["convocations"]}


def unfold_ics(raw):
    assert raw.endswith(b"\r\n")
    lines = raw.split(b"\r\n")[:-1]
    for line in lines:
        assert len(line) <= 75, line
    out = []
    for line in lines:
        if line.startswith(b" "):
            out[-1] += line[1:]
        else:
            out.append(line)
    return [x.decode("utf-8") for x in out]


def ics_fields(raw):
    fields = {}
    for line in unfold_ics(raw):
        name, _, value = line.partition(":")
        fields.setdefault(name.split(";")[0], []).append(value)
    assert fields["BEGIN"] == ["VCALENDAR", "VEVENT"] and fields["END"] == ["VEVENT", "VCALENDAR"]
    for k in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "DESCRIPTION"):
        assert len(fields.get(k, [])) == 1, k
    assert re.fullmatch(r"\d{8}T\d{6}Z", fields["DTSTAMP"][0])
    return fields


def test_send_convocations_by_mail(server, mail):
    api = server.api(server.admin_token)
    mid, ids = meeting_with_agenda(api)
    r = api.call("POST", "/api/meetings/%s/convocations" % mid, {}, expect=202, schema="http.convocations.json")
    queued = {c["participant"]: c["status"] for c in r.json["convocations"]}
    # Zoé has no address: she is left out of "everyone"
    assert queued == {ids["Élise Durand"]: "pending", ids["Jean Martin"]: "pending", ids["Paul Petit"]: "pending"}
    wait_for("every convocation sent", lambda: all(
        statuses(api, mid)[ids[n]]["status"] == "sent" for n in ("Élise Durand", "Jean Martin", "Paul Petit")))
    assert statuses(api, mid)[ids["Zoé Lefèvre"]]["status"] == "none"
    msgs = delivered(mail["maildir"], 3)
    by_to = {m["To"].addresses[0].addr_spec: m for m in msgs}
    assert sorted(by_to) == ["elise@example.org", "jean.martin@example.org", "paul@example.org"]
    msg = by_to["elise@example.org"]
    assert msg["To"].addresses[0].display_name == "Élise Durand"
    assert str(msg["Subject"]).startswith("Convocation : Séance plénière, jeudi 4 mars 2027")
    assert msg["From"].addresses[0].addr_spec == "secretariat@example.org"
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert "Ordre du jour" in text and "1. Approbation du procès-verbal" in text and "2. Budget 2027" in text
    assert "Lille, salle 2" in text and "https://visio.example.org/ccr" in text
    links = re.findall(r"https://concerto\.example\.org/m/%s#t=([A-Za-z0-9_-]{43})" % mid, text)
    assert links and "#t=" + links[0] in html
    token = links[0]
    server.tokens.add(token)
    ics = [p for p in msg.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert len(ics) == 1 and ics[0].get_param("method") == "REQUEST"
    f = ics_fields(ics[0].get_payload(decode=True))
    assert f["DTSTART"] == ["20270304T130000Z"] and f["DTEND"] == ["20270304T140000Z"]
    assert f["SUMMARY"] == ["Séance plénière"] and token in f["DESCRIPTION"][0].replace("\\n", "\n")
    # the link in the message works: a hello with it is welcomed
    c = Client(server, mid)
    welcome = c.hello(token)
    assert welcome["you"]["participant"] == ids["Élise Durand"]
    c.close()

    # an unreachable mail server: failed, with the reason; the others stay sent
    write_msmtp(mail["conf"], free_port())
    api.call("POST", "/api/meetings/%s/convocations" % mid, {"participants": [ids["Jean Martin"]]}, expect=202)
    st = wait_for("the failure", lambda: (lambda s: s if s[ids["Jean Martin"]]["status"] == "failed" else None)(
        statuses(api, mid)))
    assert "exited with status" in st[ids["Jean Martin"]]["reason"]
    assert st[ids["Élise Durand"]]["status"] == "sent" and st[ids["Paul Petit"]]["status"] == "sent"

    # asking for someone without an address changes nothing
    before = api.snapshot(mid)["seq"]
    api.error("POST", "/api/meetings/%s/convocations" % mid, 400, "invalid",
              body={"participants": [ids["Zoé Lefèvre"]]})
    assert statuses(api, mid)[ids["Zoé Lefèvre"]]["status"] == "none"
    assert api.snapshot(mid)["seq"] == before


def test_convocation_documents(server):
    api = server.api(server.admin_token)
    mid, ids = meeting_with_agenda(api)
    zoe = ids["Zoé Lefèvre"]
    base = "/api/meetings/%s/convocations/%s/" % (mid, zoe)
    r = api.call("POST", base + "convocation.html", {}, expect=200)
    assert r.content_type.startswith("text/html")
    page = r.text()
    assert '<html lang="fr">' in page and "Convocation" in page and "Zoé Lefèvre" in page
    assert "Budget 2027" in page and "Lille, salle 2" in page
    first = re.search(r"/m/%s#t=([A-Za-z0-9_-]{43})" % mid, page).group(1)
    server.tokens.add(first)
    r = api.call("POST", base + "convocation.html", {"lang": "en"}, expect=200)
    assert '<html lang="en">' in r.text() and "Notice of meeting" in r.text() and "Agenda" in r.text()
    second = re.search(r"#t=([A-Za-z0-9_-]{43})", r.text()).group(1)
    server.tokens.add(second)
    # each document carries a new link: the earlier one no longer opens the meeting
    c = Client(server, mid)
    c.hello(first, expect="error")
    c.close()
    c = Client(server, mid)
    c.hello(second)
    c.close()
    r = api.call("POST", base + "convocation.pdf", {}, expect=200)
    assert r.data.startswith(b"%PDF-") and r.content_type == "application/pdf"
    r = api.call("POST", base + "convocation.ics", {}, expect=200)
    assert r.content_type.startswith("text/calendar")
    f = ics_fields(r.data)
    assert f["DTSTART"] == ["20270304T130000Z"] and f["UID"] == ["concerto-%s@concerto.example.org" % mid]
    server.tokens.update(re.findall(r"#t=([A-Za-z0-9_-]{43})", r.data.decode().replace("\r\n ", "")))
    # bad input is refused and issues nothing
    api.error("POST", base + "convocation.html", 400, "invalid", body={"lang": "de"})
    api.error("POST", base + "convocation.doc", 404, "not_found", body={})
    api.error("POST", "/api/meetings/%s/convocations/nobody/convocation.html" % mid, 404, "not_found", body={})
    api.error("GET", "/api/meetings/%s/convocations" % mid, 401, "unauthorized", token=None)


def ics_of(msg):
    parts = [p for p in msg.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1
    return ics_fields(parts[0].get_payload(decode=True))


def test_each_participant_gets_the_convocation_and_the_page_in_their_language(server, mail):
    api = server.api(server.admin_token)
    c = api.create_commission("CCR Hauts-de-France", ["bailleurs", "locataires"])
    roster = ("Nom;Collège;Rôle;Courriel;Langue\n"
              "Élise Durand;;présidente;elise@example.org;Français\n"
              "John Smith;bailleurs;membre;john@example.org;ENGLISH\n"
              "Paul Petit;locataires;membre;paul@example.org;\n")
    r = api.call("POST", "/api/commissions/%s/members.csv" % c["id"], raw=roster.encode(),
                 headers={"Content-Type": "text/csv"}, expect=201, schema="http.members.json")
    assert [m["lang"] for m in r.json["members"]] == ["fr", "en", "fr"]
    body = {"name": "Anna Black", "college": "Locataires", "role": "member", "email": "anna@example.org",
            "lang": "anglais"}
    SCHEMA.check("http.member.request.json", body)
    anna = api.call("POST", "/api/commissions/%s/members" % c["id"], body, expect=201,
                    schema="http.member.json").json
    assert anna["lang"] == "en"
    langs = {m["name"]: m["lang"] for m in api.commission(c["id"])["members"]}
    assert langs == {"Élise Durand": "fr", "John Smith": "en", "Paul Petit": "fr", "Anna Black": "en"}
    # a word that names no language is refused, saying which field, and adds nobody
    e = api.error("POST", "/api/commissions/%s/members" % c["id"], 400, "invalid",
                  body={"name": "X Y", "college": "", "role": "observer", "lang": "allemand"})
    assert e["field"] == "lang" and e["reason"] == "lang" and "allemand" in e["message"]
    e = api.error("POST", "/api/commissions/%s/members.csv" % c["id"], 400, "invalid",
                  raw="name,role,language\nX Y,observer,de\n".encode(), headers={"Content-Type": "text/csv"})
    assert (e["line"], e["field"], e["reason"]) == (2, "lang", "lang")
    assert len(api.commission(c["id"])["members"]) == 4

    m = api.create_meeting(c["id"], "Séance plénière", date="2027-03-04T14:00+01:00", place="Lille, salle 2",
                           room="https://visio.example.org/ccr")
    mid = m["meeting"]["id"]
    api.call("POST", "/api/meetings/%s/agenda" % mid, {"title": "Budget 2027", "duration": 1800}, expect=201)
    ids = {p["name"]: p["id"] for p in api.snapshot(mid)["participants"]}
    api.call("POST", "/api/meetings/%s/convocations" % mid, {}, expect=202)
    wait_for("every convocation sent", lambda: all(s["status"] == "sent" for s in statuses(api, mid).values()))
    by_to = {m["To"].addresses[0].addr_spec: m for m in delivered(mail["maildir"], 4)}
    for addr, lang in (("john@example.org", "en"), ("anna@example.org", "en"),
                       ("elise@example.org", "fr"), ("paul@example.org", "fr")):
        msg = by_to[addr]
        text = msg.get_body(("plain",)).get_content()
        html = msg.get_body(("html",)).get_content()
        desc = ics_of(msg)["DESCRIPTION"][0]
        if lang == "en":
            assert str(msg["Subject"]).startswith("Notice of meeting: Séance plénière, Thursday 4 March 2027")
            assert "Agenda" in text and '<html lang="en">' in html and "Agenda" in desc
            assert "Ordre du jour" not in text + desc
        else:
            assert str(msg["Subject"]).startswith("Convocation : Séance plénière, jeudi 4 mars 2027")
            assert "Ordre du jour" in text and '<html lang="fr">' in html and "Ordre du jour" in desc
        server.tokens.update(re.findall(r"#t=([A-Za-z0-9_-]{43})", text))

    # a document downloaded is in the person's language too, unless the request names one
    base = "/api/meetings/%s/convocations/%s/" % (mid, ids["John Smith"])
    page = api.call("POST", base + "convocation.html", None, expect=200).text()
    assert '<html lang="en">' in page and "Notice of meeting" in page
    page = api.call("POST", base + "convocation.html", {"lang": "fr"}, expect=200).text()
    assert '<html lang="fr">' in page
    server.tokens.update(re.findall(r"#t=([A-Za-z0-9_-]{43})", page))
    # the personal link's welcome says the person's language, for the page to start in it
    token = re.search(r"#t=([A-Za-z0-9_-]{43})", page).group(1)
    cl = Client(server, mid)
    assert cl.hello(token)["you"]["lang"] == "en"
    cl.close()
    inv = {i["participant"]: i["token"] for i in api.invite(mid, [ids["Élise Durand"]])}
    server.tokens.update(inv.values())
    cl = Client(server, mid)
    assert cl.hello(inv[ids["Élise Durand"]])["you"]["lang"] == "fr"
    cl.close()


def test_a_sendmail_that_hangs_is_stopped_and_the_next_messages_still_go(tmp_path, mail):
    """--mail-timeout: a program that never finishes is killed, with what it
    started, its message failed with the reason; the queue goes on."""
    pids = tmp_path / "hung.pid"
    stand_in = tmp_path / "sendmail"
    stand_in.write_text(
        "#!/bin/sh\n"
        "msg=$(cat)\n"
        "case \"$msg\" in *hang@example.org*)\n"
        "  sleep 600 &\n"
        "  echo $! > %s\n"
        "  wait\n"
        "  exit 0;;\n"
        "esac\n"
        "printf '%%s\\n' \"$msg\" | exec %s \"$@\"\n" % (pids, MSMTP))
    stand_in.chmod(0o755)
    s = Server(tmp_path / "srv", env=mail["env"])
    s.init()
    s.start("--sendmail", str(stand_in), "--mail-timeout", "2", "--mail-from", "secretariat@example.org",
            "--public-url", "https://concerto.example.org/")
    try:
        api = s.api(s.admin_token)
        c = api.create_commission("CCR Hauts-de-France", ["bailleurs", "locataires"])
        roster = ("Nom;Collège;Rôle;Courriel\n"
                  "Henri Attente;;présidente;hang@example.org\n"
                  "Jean Martin;bailleurs;membre;jean.martin@example.org\n"
                  "Paul Petit;locataires;membre;paul@example.org\n")
        ids = {m["name"]: m["id"] for m in api.call(
            "POST", "/api/commissions/%s/members.csv" % c["id"], raw=roster.encode(),
            headers={"Content-Type": "text/csv"}, expect=201).json["members"]}
        mid = api.create_meeting(c["id"], "Séance plénière", date="2027-03-04T14:00+01:00")["meeting"]["id"]
        # Henri's message goes first: the mail thread is stuck on it until the timeout
        r = api.call("POST", "/api/meetings/%s/convocations" % mid,
                     {"participants": [ids["Henri Attente"], ids["Jean Martin"], ids["Paul Petit"]]}, expect=202)
        assert [x["status"] for x in r.json["convocations"]] == ["pending"] * 3
        st = wait_for("every outcome", lambda: (lambda x: x if all(
            v["status"] != "pending" for v in x.values()) else None)(statuses(api, mid)))
        assert st[ids["Henri Attente"]]["status"] == "failed"
        # the reason names the program (cut at 60 bytes) and the time it had
        assert st[ids["Henri Attente"]]["reason"] == "%s did not finish within 2 s: stopped" % str(stand_in)[:60]
        assert st[ids["Jean Martin"]]["status"] == "sent" and st[ids["Paul Petit"]]["status"] == "sent"
        got = sorted(m["To"].addresses[0].addr_spec for m in delivered(mail["maildir"], 2))
        assert got == ["jean.martin@example.org", "paul@example.org"]
        # what the program started was killed with it
        pid = int(pids.read_text())

        def gone():
            try:
                with open("/proc/%d/stat" % pid) as f:
                    return f.read().split(") ")[1].startswith("Z")  # a zombie awaiting its reaper
            except FileNotFoundError:
                return True

        wait_for("the hung program's child to die", gone)
        assert api.call("GET", "/healthz", expect=200).json["status"] == "ok"
    finally:
        s.stop()
