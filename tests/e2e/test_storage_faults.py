# SPDX-License-Identifier: AGPL-3.0-or-later
"""The database and the signing key when storage fails.

- A full disk (the database on a small tmpfs, filled): every change is
  answered storage_failed and nothing of it is acknowledged, sent to anyone
  or kept; a newcomer is not welcomed (their arrival cannot be written);
  reads go on; once space is freed, the same commands with the same keys
  are applied, once, and the log verifies after a restart.
- A write that makes SQLite roll the whole turn back by itself (as a full
  disk does when its page cache spills): the commands of the turn handled
  before it are not acknowledged either.
- A read-only database (file or file system), a corrupted database (bytes
  overwritten in the middle of the file, or its header), a broken chain:
  one clear line at start-up and exit status 1, or, when only a meeting's
  log is damaged, a clear error for that meeting while the server serves
  the others.
- The signing key: missing (created 0600 with its public key), readable by
  others (0644: refused), not a file, malformed, or impossible to create:
  one clear line and exit status 1.
Mounting needs root: those tests skip with the reason otherwise.
"""
import json
import os
import shutil
import sqlite3
import stat
import subprocess
import time

import pytest

import harness
from faults import fill, read_only_view, small_fs
from harness import Client, make_meeting, run_cli
from votes_helpers import db_events, db_verify_chain


def serve_fails(srv, *args, db=None, key=None):
    """Run `concerto serve` expecting it to refuse to start: returns its
    stderr, which must be one line."""
    cmd = [harness.BIN, "serve", "--listen", "127.0.0.1:%d" % harness.free_port(),
           "--db", str(db or srv.db), "--key", str(key or srv.key), "--web", str(srv.web), *args]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
    assert r.returncode == 1, "serve started or failed otherwise (%d): %s" % (r.returncode, r.stderr)
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    assert len(lines) == 1 and lines[0].startswith("concerto serve: "), "not one clear line: %r" % r.stderr
    return lines[0]


def send_together(c, *msgs):
    """Frames written to the socket at once: the server reads them in one turn."""
    from websockets.frames import Frame, Opcode
    data = b"".join(Frame(Opcode.TEXT, json.dumps(m).encode("utf-8")).serialize(mask=True) for m in msgs)
    harness._event_loop().call_soon_threadsafe(c.ws.transport.write, data)


def replies(c, n):
    """The next `n` replies of `c`, by request id."""
    got = {}
    while len(got) < n:
        m = c.next_reply()
        got[m.get("id")] = m
    return got


def texts_in_log(srv, meeting):
    return [ev["body"]["text"] for ev in db_events(srv, meeting) if ev["type"] == "minutes.entry_added"]


# ---------------------------------------------------------------- a full disk


def server_on(fs, workdir, web_root):
    """A server whose database is on `fs` (its key and logs stay in `workdir`)."""
    srv = harness.Server(workdir, web=web_root)
    srv.db = srv.db.__class__(fs) / "concerto.db"
    srv.init()
    return srv


def test_a_full_disk_refuses_every_change_keeps_serving_reads_and_recovers_when_freed(tmp_path, web_root):
    with small_fs("8m") as d:
        srv = server_on(d, tmp_path / "srv", web_root)
        srv.start()
        try:
            m = make_meeting(srv)
            chair, sec, obs = m.connect("chair"), m.connect("secretary"), m.connect("observer")
            chair.command("meeting.open")
            before = srv.api().snapshot(m.id)
            obs.drain(0.2)
            ballast = fill(d)
            assert os.statvfs(d).f_bavail == 0

            # changes: refused, each with storage_failed, none seen by anyone
            for i in range(3):
                sec.error("minutes.add", "storage_failed", {"text": "note %d" % i}, key="note-%d" % i)
            chair.error("agenda.add", "storage_failed", {"title": "Point ajouté"}, key="item-1")
            assert not [x for x in obs.drain(0.3) if x["type"] == "event"], "an unstored event was sent"
            # a newcomer's arrival cannot be written: not welcomed, told why
            late = Client(srv, m.id)
            r = late.request("hello", {"token": m.token("member0")})
            assert r["type"] == "error" and r["body"]["code"] == "storage_failed", r
            assert late.wait_closed()[0] == 1011
            # reads go on, and show nothing of what was refused
            after = srv.api().snapshot(m.id)
            assert (after["seq"], after["head"], after["minutes"]) == (before["seq"], before["head"], [])
            assert obs.ping()["type"] == "pong"
            assert srv.proc.poll() is None
            assert "commit failed" in srv.stderr_text()

            # space again: the same keys are new commands, applied once
            os.remove(ballast)
            for i in range(3):
                ok = sec.command("minutes.add", {"text": "note %d" % i}, key="note-%d" % i)
                assert "replayed" not in ok
            chair.command("agenda.add", {"title": "Point ajouté"}, key="item-1")
            obs.wait_event("agenda.item_added")
            assert texts_in_log(srv, m.id) == ["note 0", "note 1", "note 2"]
            srv.stop()
            srv.start()
            evs = db_verify_chain(srv, m.id)
            assert srv.api().snapshot(m.id)["head"] == evs[-1]["hash"]
        finally:
            if srv.proc and srv.proc.poll() is None:
                srv.stop()
    assert not srv.leaked_tokens()


def test_a_server_started_on_a_full_disk_says_so_or_serves_reads_and_refuses_changes(tmp_path, web_root):
    with small_fs("8m") as d:
        srv = server_on(d, tmp_path / "srv", web_root)
        srv.start()
        m = make_meeting(srv)
        srv.stop()
        ballast = fill(d)
        try:
            srv.start()
        except harness.ServerFailed as e:
            # refusing to start is acceptable, with one clear line
            err = srv.stderr_text().strip().splitlines()
            assert err and "concerto serve:" in err[-1] and "disk full" in err[-1], e
            os.remove(ballast)
            return
        try:
            assert srv.api().snapshot(m.id)["meeting"]["id"] == m.id
            c = Client(srv, m.id)
            r = c.request("hello", {"token": m.token("chair")})
            assert r["type"] == "error" and r["body"]["code"] == "storage_failed", r
            os.remove(ballast)
            chair = m.connect("chair")
            chair.command("meeting.open")
            db_verify_chain(srv, m.id)
        finally:
            srv.stop()


def test_a_write_that_makes_sqlite_drop_the_turn_acknowledges_nothing_of_that_turn(spawn):
    """SQLite rolls a whole transaction back by itself on some errors (a full
    disk when its page cache spills to the log): a trigger raising ROLLBACK
    does the same on demand. The command before it in the same turn must not
    be acknowledged, nor its event sent."""
    srv = spawn().start()
    m = make_meeting(srv)
    sec, obs = m.connect("secretary"), m.connect("observer")
    obs.drain(0.2)
    with sqlite3.connect(str(srv.db)) as db:
        db.execute("CREATE TRIGGER t_full AFTER INSERT ON events WHEN NEW.body LIKE '%drop the turn%'"
                   " BEGIN SELECT RAISE(ROLLBACK, 'as a full disk would'); END")
    first = {"type": "minutes.add", "id": 1, "key": "first", "body": {"text": "written first"}}
    second = {"type": "minutes.add", "id": 2, "key": "second", "body": {"text": "this one will drop the turn"}}
    send_together(sec, first, second)
    got = replies(sec, 2)
    assert got[2]["type"] == "error" and got[2]["body"]["code"] == "storage_failed", got
    assert got[1]["type"] == "error" and got[1]["body"]["code"] == "storage_failed", (
        "acknowledged, though its transaction was rolled back: %r" % got[1])
    assert not [x for x in obs.drain(0.3) if x["type"] == "event"], "an unstored event was sent"
    assert texts_in_log(srv, m.id) == []
    snap = srv.api().snapshot(m.id)
    assert snap["minutes"] == [] and snap["seq"] == db_events(srv, m.id)[-1]["seq"]
    with sqlite3.connect(str(srv.db)) as db:
        db.execute("DROP TRIGGER t_full")
    assert "replayed" not in sec.command("minutes.add", first["body"], key="first")
    obs.wait_event("minutes.entry_added")
    assert texts_in_log(srv, m.id) == ["written first"]
    db_verify_chain(srv, m.id)


# ---------------------------------------------------------------- read-only, corrupted


def test_a_read_only_database_file_is_refused_at_start_up(spawn, tmp_path):
    srv = spawn()
    ro_file = tmp_path / "view.db"
    ro_file.write_bytes(b"")
    r = subprocess.run(["mount", "--bind", str(srv.db), str(ro_file)], capture_output=True, text=True)
    if os.geteuid() != 0 or r.returncode != 0:
        pytest.skip("a read-only bind mount needs root: %s" % r.stderr.strip())
    try:
        r = subprocess.run(["mount", "-o", "remount,ro,bind", str(ro_file)], capture_output=True, text=True)
        if r.returncode != 0:
            pytest.skip("cannot remount read-only: %s" % r.stderr.strip())
        line = serve_fails(srv, db=ro_file)
        assert "read-only" in line, line
    finally:
        subprocess.run(["umount", "-l", str(ro_file)], capture_output=True)


def test_a_database_on_a_read_only_file_system_is_refused_at_start_up(spawn):
    srv = spawn()
    with read_only_view(srv.dir) as view:
        line = serve_fails(srv, db=os.path.join(view, srv.db.name))
        assert "read-only" in line and srv.db.name in line, line
        # nothing else to write to either: init says so too
        r = run_cli("init", "--db", os.path.join(view, "other.db"))
        assert r.returncode == 1 and "cannot open database" in r.stderr, r


def corrupt(path, offset, length):
    with open(path, "r+b") as f:
        f.seek(offset)
        f.write(b"\xa5" * length)


def busy_meeting(srv, entries=40):
    """A meeting with a long enough log to span many pages of the file."""
    m = make_meeting(srv)
    sec = m.connect("secretary")
    for i in range(entries):
        time.sleep(0.05)  # within the message rate
        sec.command("minutes.add", {"text": "Relevé %d — " % i + "détail " * 150})
    sec.close()
    return m


def test_a_database_with_a_corrupted_header_is_refused_at_start_up(spawn):
    srv = spawn().start()
    busy_meeting(srv, entries=5)
    srv.stop()
    corrupt(srv.db, 0, 100)
    line = serve_fails(srv)
    assert "database" in line, line


def log_page(srv, meeting):
    """The offset and size of a leaf page of the log holding only `meeting`'s
    events: the middle one of the events table, when `meeting` has most of them."""
    with sqlite3.connect(str(srv.db)) as db:
        size = db.execute("PRAGMA page_size").fetchone()[0]
        leaves = [p for (p,) in db.execute(
            "SELECT pageno FROM dbstat WHERE name = 'events' AND pagetype = 'leaf' ORDER BY path")]
        ours = db.execute("SELECT count(*) FROM events WHERE meeting = ?", (meeting,)).fetchone()[0]
        total = db.execute("SELECT count(*) FROM events").fetchone()[0]
    assert len(leaves) >= 5 and ours > 0.8 * total, "the log is too small to aim at: %d pages" % len(leaves)
    return (leaves[len(leaves) // 2] - 1) * size, size


def test_a_meeting_whose_log_is_damaged_is_reported_and_the_others_are_served(spawn):
    srv = spawn().start()
    fine = make_meeting(srv)
    hurt = busy_meeting(srv)
    srv.stop()
    offset, size = log_page(srv, hurt.id)
    corrupt(srv.db, offset + 64, size - 128)
    srv.start()
    assert srv.proc.poll() is None
    err = srv.api().error("GET", "/api/meetings/" + hurt.id, 503, "storage_failed")
    assert "cannot be read" in err["message"], err
    c = Client(srv, hurt.id)
    r = c.request("hello", {"token": hurt.token("chair")})
    assert r["type"] == "error", r
    # the other meeting is served, read and written
    chair = fine.connect("chair")
    chair.command("meeting.open")
    assert srv.api().snapshot(fine.id)["meeting"]["state"] == "open"
    assert "log unreadable or chain broken" in srv.stderr_text()
    srv.stop()


def test_an_edited_row_breaks_the_chain_and_the_meeting_is_refused_not_rewritten(spawn):
    srv = spawn().start()
    m = busy_meeting(srv, entries=3)
    srv.stop()
    with sqlite3.connect(str(srv.db)) as db:
        db.execute("UPDATE events SET body = replace(body, 'Relevé 1', 'Relevé 9') WHERE meeting = ?", (m.id,))
    raw = {ev["seq"]: ev["raw"] for ev in db_events(srv, m.id)}
    srv.start()
    srv.api().error("GET", "/api/meetings/" + m.id, 503, "storage_failed")
    assert "chain broken" in srv.stderr_text()
    assert {ev["seq"]: ev["raw"] for ev in db_events(srv, m.id)} == raw, "the log was changed"
    srv.stop()


# ---------------------------------------------------------------- the signing key


def test_a_missing_signing_key_is_created_readable_by_its_owner_only(spawn):
    srv = spawn()
    assert not srv.key.exists()
    srv.start()
    srv.stop()
    assert stat.S_IMODE(os.stat(srv.key).st_mode) == 0o600
    pub = srv.key.with_suffix(".pub")
    assert pub.read_text().startswith("untrusted comment:")
    srv.start()  # and read back as it was written
    assert srv.proc.poll() is None
    srv.stop()


@pytest.mark.parametrize("fault", ["readable by others", "a directory", "malformed", "cannot be created"])
def test_a_bad_signing_key_is_refused_at_start_up_with_one_clear_line(spawn, tmp_path, fault):
    srv = spawn()
    key = srv.key
    if fault == "readable by others":
        assert run_cli("keygen", "--key", str(key)).returncode == 0
        os.chmod(key, 0o644)
        want = "mode 0644"
    elif fault == "a directory":
        key.mkdir()
        want = "not a regular file"
    elif fault == "malformed":
        key.write_text("untrusted comment: nothing after\n")
        os.chmod(key, 0o600)
        want = "malformed"
    else:
        key = tmp_path / "no-such-directory" / "signing.key"
        want = "cannot create"
    line = serve_fails(srv, key=key)
    assert "signing key" in line and want in line, line
