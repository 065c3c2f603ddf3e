# SPDX-License-Identifier: AGPL-3.0-or-later
"""`concerto backup` while the server runs and clients act, and a server
started on the copy (deploy/README.md, "Backups").

The method. A backup is one read transaction (VACUUM INTO) over a database
that commits a whole event-loop turn at a time, so it holds, for each
meeting, the events 1..k of its log for some k, never part of a command's
events. k is not known in advance, so the test:

- records, for every command, when it was sent and when its `ok` came back.
  An `ok` is sent after the commit, so every command acknowledged before the
  backup started is in it; a command sent after the backup ended is not.
  Hence: last seq acknowledged before the backup <= k < first seq of a
  command sent after it;
- checks that the head of the restored log is the hash the original server
  gave event k (an observer received every event and the chain from
  seq 1 verifies): the hash chains commit to every earlier event, so the
  restored events 1..k are exactly the original ones; the last of them are
  also compared one by one;
- in one meeting, where a single chair acts and reads the snapshot after
  every `ok`, the snapshot of the original at each seq is known: the restored
  server's snapshot must be exactly the one the original showed at k;
- and the restored server goes on from k: its next event chains from the
  restored head.
"""
import os
import pathlib
import re
import shutil
import subprocess
import threading
import time

import harness
from harness import chain_verify

BACKUP_SH = harness.REPO / "deploy" / "backup.sh"

PAUSE = 0.07  # per connection, under the server's 20 messages a second


class Actor(threading.Thread):
    """One connection sending commands in a loop; remembers (seq, sent, acknowledged)."""

    def __init__(self, client, commands, after_ok=None):
        super().__init__(daemon=True)
        self.client, self.commands, self.after_ok = client, commands, after_ok
        self.done, self.stop, self.error = [], threading.Event(), None

    def run(self):
        try:
            i = 0
            while not self.stop.is_set():
                type_, body = self.commands(i)
                sent = time.monotonic()
                seq = self.client.command(type_, body)["seq"]
                self.done.append((seq, sent, time.monotonic()))
                if self.after_ok:
                    self.after_ok(seq)
                i += 1
                time.sleep(PAUSE)
        except Exception as e:  # noqa: BLE001 - reported by the test
            self.error = e


def bounds(actors, t0, t1):
    """(last seq acknowledged before t0, first seq of a command sent after t1)."""
    done = [d for a in actors for d in a.done]
    before = max(seq for seq, sent, ok in done if ok < t0)
    after = min(seq for seq, sent, ok in done if sent > t1)
    return before, after


def test_a_backup_taken_under_load_restores_to_the_same_chain_head_and_state(spawn):
    srv = spawn().start()

    # A busy meeting: the chair adds items while three members ask for and give up the floor.
    busy = harness.make_meeting(srv)
    busy_observer = busy.connect("observer", since=0)  # the whole log, from seq 1
    chair = busy.connect("chair")
    chair.command("meeting.open")
    chair.command("agenda.add", {"title": "Point 1"})
    chair.command("agenda.open", {"item": "i1"})
    actors = [Actor(chair, lambda i: ("agenda.add", {"title": "Point %d" % (i + 2)}))]
    for who in ("member0", "member1", "member2"):
        actors.append(Actor(busy.connect(who), lambda i: ("speaker.request" if i % 2 == 0 else "speaker.withdraw", {})))

    # A traced meeting: one chair, the snapshot read after every ok.
    traced = harness.make_meeting(srv)
    traced_observer = traced.connect("observer", since=0)
    tchair = traced.connect("chair")
    tchair.command("meeting.open")
    member = traced.pid("member1")
    cycle = [
        lambda i: ("agenda.add", {"title": "Question %d" % i, "duration": 60 + i}),
        lambda i: ("agenda.open", {"item": "i%d" % (i // 8 + 1)}),
        lambda i: ("speaker.give", {"participant": member}),
        lambda i: ("speaker.pause", {}),
        lambda i: ("speaker.resume", {}),
        lambda i: ("speaker.end", {}),
        lambda i: ("attendance.mark", {"participant": member, "status": "excused", "reason": "absent %d" % i}),
        lambda i: ("attendance.mark", {"participant": member, "status": "none"}),
    ]
    states, api = {}, srv.api()

    def trace(seq):
        snap = api.snapshot(traced.id, check=False)
        assert snap["seq"] == seq, "another event came between the ok and the snapshot"
        states[seq] = snap

    tracer = Actor(tchair, lambda i: cycle[i % len(cycle)](i), after_ok=trace)
    actors.append(tracer)

    for a in actors:
        a.start()
    time.sleep(1.0)
    backup = srv.dir.parent / "backup.db"
    t0 = time.monotonic()
    r = harness.run_cli("backup", "--db", str(srv.db), str(backup))
    t1 = time.monotonic()
    assert r.returncode == 0, r.stderr
    time.sleep(0.7)
    for a in actors:
        a.stop.set()
    for a in actors:
        a.join(10)
        assert a.error is None, a.error
    ends = {m.id: srv.api().snapshot(m.id)["seq"] for m in (busy, traced)}

    # A second backup never replaces a file.
    before = backup.read_bytes()
    r = harness.run_cli("backup", "--db", str(srv.db), str(backup))
    assert r.returncode != 0 and "exists" in r.stderr
    assert backup.read_bytes() == before

    # The restored server: the copy, the same signing key, the same admin token.
    restored = spawn(init=False)
    shutil.copy(backup, restored.db)
    shutil.copy2(srv.key, restored.key)
    restored.admin_token = srv.admin_token
    restored.tokens |= srv.tokens
    restored.start()

    for m, observer, mine in ((busy, busy_observer, actors[:4]), (traced, traced_observer, [tracer])):
        observer.wait_seq(ends[m.id])
        log = [e for e in observer.events]
        chain_verify(log, first_seq=1)
        by_seq = {e["seq"]: e for e in log}
        snap = restored.api().snapshot(m.id)
        k = snap["seq"]
        lo, hi = bounds(mine, t0, t1)
        assert lo <= k < hi, "backup at seq %d, outside [%d, %d)" % (k, lo, hi)
        assert snap["head"] == by_seq[k]["hash"], "restored head is not the original's hash of seq %d" % k

        # The restored log's last events, one by one.
        c = harness.Client(restored, m.id)
        since = max(0, k - 100)
        w = c.hello(m.token("secretary"), since=since)
        assert w["mode"] == "resume"
        tail = c.wait_seq(k)
        assert [e for e in tail if e["seq"] <= k] == [by_seq[s] for s in range(since + 1, k + 1)]
        c.close()

        if m is traced:
            assert k in states, "the backup fell between two traced commands"
            assert snap == states[k], "the restored state differs from the original's at seq %d" % k

    # The restored server goes on from the head it restored.
    head = restored.api().snapshot(busy.id)
    c = harness.Client(restored, busy.id)
    c.hello(busy.token("chair"), since=head["seq"])
    nxt = c.command("agenda.add", {"title": "After the restore"})
    ev = c.wait_seq(nxt["seq"])[-1]
    assert ev["type"] == "agenda.item_added"
    chain_verify([e for e in c.events if e["seq"] > head["seq"]], prev_hex=head["head"], first_seq=head["seq"] + 1)


def test_backup_sh_keeps_dated_copies_and_a_restore_in_place_after_a_crash_gives_the_copy(spawn, tmp_path):
    """deploy/backup.sh, then the restore of deploy/README.md on the machine
    whose server crashed: the stale -wal and -shm files go, the copy takes the
    database's place."""
    srv = spawn().start()
    m = harness.make_meeting(srv)
    chair = m.connect("chair")
    chair.command("meeting.open")
    chair.command("agenda.add", {"title": "Point 1"})
    at_backup = srv.api().snapshot(m.id)

    dest = tmp_path / "backups"
    dest.mkdir()
    old = dest / "concerto-20200101T000000Z.db"
    old.write_bytes(b"a copy from long ago")
    month_ago = time.time() - 30 * 86400
    os.utime(old, (month_ago, month_ago))
    env = dict(os.environ, CONCERTO_DB=str(srv.db), CONCERTO_BIN=harness.BIN, KEEP_DAYS="14")
    offsite = None
    if shutil.which("rsync"):
        offsite = tmp_path / "offsite"
        offsite.mkdir()
        env["OFFSITE"] = str(offsite) + "/"
    r = subprocess.run(["bash", str(BACKUP_SH), str(dest)], env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    copy = pathlib.Path(r.stdout.strip().splitlines()[-1])
    assert copy.parent == dest and re.fullmatch(r"concerto-\d{8}T\d{6}Z\.db", copy.name), copy
    assert copy.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in dest.iterdir()) == [copy.name], "the old copy is pruned, no partial file is left"
    if offsite:
        assert (offsite / copy.name).read_bytes() == copy.read_bytes()

    chair.command("meeting.suspend")  # after the backup: lost with the machine
    srv.kill()
    for suffix in ("-wal", "-shm"):
        pathlib.Path(str(srv.db) + suffix).unlink(missing_ok=True)
    shutil.copy(copy, srv.db)
    srv.start()
    restored = srv.api().snapshot(m.id)
    assert restored["seq"] == at_backup["seq"] and restored["head"] == at_backup["head"]
    assert restored == at_backup
