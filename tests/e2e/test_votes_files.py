# SPDX-License-Identifier: AGPL-3.0-or-later
"""What the files of a server tell about a secret vote once it has ended.

A secret vote is played by eight members, one ballot per transaction, three
of them changing their mind (the new receipt replaces the old one); then it
ends by each path: the chair closes it, the chair cancels it, its deadline
passes, or the server is killed after the close and before the write-ahead
log was truncated, then restarted. Every file of the data directory (the
database, its -wal and -shm, the key, the server's logs) is then read as
bytes, and the database as SQLite, by someone trying to link a voter to a
receipt or a choice:
- transaction by transaction in the write-ahead log, a new ballot.cast next
  to a new receipt (how the outside review linked 20 voters of 20);
- a replaced receipt still anywhere, or any receipt of a cancelled vote;
- a receipt anywhere but in its row of the database;
- in the database file, rows stored in an order other than their receipts'.
None must link anyone.

A reader holding a read transaction open (an operator's sqlite3, a file
copy) while a secret vote closes: the close is answered at once and the
meeting goes on; the log and /metrics say the truncation is pending; once the
reader is gone, the write-ahead log is truncated and links no one.
"""
import contextlib
import sqlite3
import time

import pytest

from harness import http_request
from votes_helpers import VoteRoom, cells_by_offset, link_voters, receipt, wal_commits

PER_COLLEGE = 4  # 8 members
CHOICES = ("yes", "no", "abstain")
WAIT = 30.0  # generous: the machine is shared


def wal_path(srv):
    return srv.db.with_name(srv.db.name + "-wal")


def wal_size(srv):
    try:
        return wal_path(srv).stat().st_size
    except FileNotFoundError:
        return 0


def wait_for(what, cond, timeout=WAIT):
    """Poll `cond` until true; returns whether it became true in time."""
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def metric(srv, name):
    r = http_request(srv.port, "GET", "/metrics")
    assert r.status == 200, r
    for line in r.text().splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise AssertionError("no %s in /metrics" % name)


@contextlib.contextmanager
def reader(srv):
    """A read transaction on the database, held open until the block ends, as
    an operator's sqlite3 or a copy of the files would hold it."""
    db = sqlite3.connect("file:%s?mode=ro" % srv.db, uri=True, isolation_level=None)
    db.execute("BEGIN")
    db.execute("SELECT count(*) FROM events").fetchone()
    try:
        yield db
    finally:
        db.execute("ROLLBACK")
        db.close()


def play(r, vote):
    """Each member votes, one after the other (a transaction each); three of
    them then change their mind. Returns ({voter: (receipt, choice)}, every
    receipt made)."""
    truth, made = {}, []
    for i, w in enumerate(r.members):
        rc = receipt()
        made.append(rc)
        r.cast(w, vote, CHOICES[i % 3], receipts=[rc])
        truth[r.pid(w)] = (rc, CHOICES[i % 3])
    for i, w in enumerate(r.members[1:4]):
        old, rc = truth[r.pid(w)][0], receipt()
        made.append(rc)
        r.cast(w, vote, CHOICES[(i + 2) % 3], receipts=[rc], replaces=[old])
        truth[r.pid(w)] = (rc, CHOICES[(i + 2) % 3])
    return truth, made


def links_in_files(srv, vote, truth, made, cancelled):
    """Everything the data directory tells about who cast which ballot, as a
    list of findings (empty when the files link no one)."""
    found = []
    final = {rc for rc, _ in truth.values()}
    replaced = set(made) - final
    for f in sorted(p for p in srv.dir.iterdir() if p.is_file()):
        data = f.read_bytes()
        for rc in made:
            if rc.encode() not in data:
                continue
            if rc in replaced:
                found.append("replaced receipt %s in %s" % (rc, f.name))
            elif cancelled:
                found.append("receipt %s of the cancelled vote in %s" % (rc, f.name))
            elif f != srv.db:
                found.append("receipt %s in %s" % (rc, f.name))
    links = link_voters(wal_commits(wal_path(srv)), vote, made)
    if links:
        right = sum(1 for pid, rc in links if truth.get(pid, (None,))[0] == rc)
        found.append("the write-ahead log links %d voters (%d of them to their final receipt): %s"
                     % (len(links), right, links))
    with contextlib.closing(sqlite3.connect("file:%s?mode=ro" % srv.db, uri=True)) as db:
        rows = db.execute("SELECT receipt, choice FROM secret_ballots WHERE vote = ?", (vote,)).fetchall()
    want = [] if cancelled else sorted(truth.values())
    if sorted(rows) != want:
        found.append("the table of secret ballots holds %r, not %r" % (sorted(rows), want))
    by_page = {}
    for pg, off, payload in cells_by_offset(str(srv.db), "secret_ballots"):
        mine = [rc for rc in made if rc.encode() in payload]
        if mine:
            by_page.setdefault(pg, []).append((-off, mine[0]))
    for pg, cells in by_page.items():
        stored = [rc for _, rc in sorted(cells)]
        if stored != sorted(stored):
            found.append("page %d stores the ballots in an order other than their receipts'" % pg)
    return found


def end_and_check(spawn, path):
    srv = spawn().start()
    r = VoteRoom(srv, per_college=PER_COLLEGE)
    r.connect("chair", *r.members)
    r.open_meeting(grace=60)
    vote = r.prepare(mode="secret", **({"duration": 8} if path == "deadline" else {}))
    opened = r.open_vote(vote)
    truth, made = play(r, vote)
    assert len(made) == len(r.members) + 3
    if path == "close":
        r.close_vote(vote)
    elif path == "cancel":
        seq = r.do("chair", "vote.cancel", {"vote": vote})["seq"]
        r.c["chair"].wait_event("vote.cancelled", after=seq - 1, vote=vote)
    elif path == "deadline":
        assert time.time() * 1000 < opened["body"]["deadline"], "the ballots took longer than the vote"
        ev = r.c["chair"].wait_event("vote.closed", timeout=WAIT, vote=vote)
        assert ev["actor"] == "system"
    else:  # killed after the close and before the truncation, then restarted
        with reader(srv):
            chair = r.c["chair"]
            reply = chair.request("vote.close", {"vote": vote}, chair.new_key(), timeout=WAIT)
            assert reply["type"] == "ok", reply
            srv.kill()
        assert wal_size(srv) > 0, "the write-ahead log was truncated before the server died"
        srv.start()
    truncated = wait_for("the write-ahead log truncated", lambda: wal_size(srv) == 0)
    found = links_in_files(srv, vote, truth, made, cancelled=path == "cancel")
    assert not found, "after the %s of a secret vote, the files link voters:\n%s" % (path, "\n".join(found))
    assert truncated, "the write-ahead log is still %d bytes long" % wal_size(srv)


@pytest.mark.parametrize("path", ["close", "cancel", "deadline", "kill"])
def test_once_a_secret_vote_ends_no_file_of_the_server_links_a_voter_to_a_ballot(spawn, path):
    end_and_check(spawn, path)


def test_a_reader_of_the_database_delays_the_truncation_but_never_the_meeting(spawn):
    srv = spawn().start()
    r = VoteRoom(srv, per_college=PER_COLLEGE)
    r.connect("chair", *r.members)
    r.open_meeting(grace=60)
    vote = r.prepare(mode="secret")
    r.open_vote(vote)
    truth, made = play(r, vote)
    with reader(srv):
        chair, other = r.c["chair"], r.c[r.members[-1]]
        t0 = time.monotonic()
        chair.send({"type": "vote.close", "id": 9001, "key": chair.new_key(), "body": {"vote": vote}})
        pong = other.request("ping", timeout=WAIT)  # another member is answered meanwhile
        assert pong["type"] == "pong", pong
        pinged = time.monotonic() - t0
        reply = chair.reply(9001, timeout=WAIT)
        closed = time.monotonic() - t0
        assert reply["type"] == "ok", reply
        print("close answered in %.3f s, another member's ping in %.3f s" % (closed, pinged))
        assert closed < 1.5, "the close was answered after %.3f s" % closed
        assert pinged < 1.5, "another member's ping was answered after %.3f s" % pinged
        assert wait_for("the pending truncation in /metrics",
                        lambda: metric(srv, "concerto_wal_checkpoint_pending") == 1)
        assert wait_for("the log line", lambda: "write-ahead log cannot be truncated yet" in srv.stderr_text())
        assert metric(srv, "concerto_wal_checkpoint_failures_total") >= 1
        assert wal_size(srv) > 0
    assert wait_for("the write-ahead log truncated", lambda: wal_size(srv) == 0), \
        "the write-ahead log is still %d bytes long after the reader left" % wal_size(srv)
    assert wait_for("the log line", lambda: "write-ahead log truncated" in srv.stderr_text())
    assert metric(srv, "concerto_wal_checkpoint_pending") == 0
    log = srv.stderr_text()
    assert log.count("write-ahead log cannot be truncated yet") == 1, log  # once, not at every retry
    found = links_in_files(srv, vote, truth, made, cancelled=False)
    assert not found, "the files link voters:\n" + "\n".join(found)
