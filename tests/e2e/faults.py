# SPDX-License-Identifier: AGPL-3.0-or-later
"""Helpers for the tests of crashes and storage faults (test_crash.py,
test_storage_faults.py).

- QuietClient: a harness client that does not check what it receives against
  the schemas. A meeting of twenty people sends every event twenty times;
  three checked clients (chair, secretary, observer) see the same events, so
  the others only keep them, which keeps the crash test within its time.
- Ledger: every state-changing command a test sent, its idempotency key, and
  what the server answered (ok and its seq, or an error code).
- check_log(): the log after a restart, against the ledger and what clients
  had received: the chain recomputed and ending at the snapshot's head, every
  acknowledged command at its seq, nothing applied twice, every event a
  client saw still there.
- Small file systems: a tmpfs of a given size, mounted read-write or
  read-only; tests skip with the reason when mounting is not allowed.

Built on harness.py and votes_helpers.py; nothing here changes how they work.
"""
import collections
import contextlib
import json
import os
import shutil
import subprocess
import tempfile

import pytest

from harness import TIMEOUT, Client
from votes_helpers import db_connect, db_verify_chain

# What each command of the tests leaves in the log: the type of the last event
# it writes (its `ok` seq names it).
LAST_EVENT = {
    "minutes.add": ("minutes.entry_added",),
    "vote.cast": ("ballot.cast",),
    "speaker.request": ("speaker.requested",),
    "speaker.withdraw": ("speaker.withdrawn",),
    "speaker.next": ("speaker.turn_started", "speaker.turn_ended"),
    "agenda.add": ("agenda.item_added",),
}


class QuietClient(Client):
    """A harness Client that keeps what it receives without schema checks."""

    def _accept(self, raw):
        if isinstance(raw, bytes):
            self.schema_errors.append("binary frame from server: %r" % raw[:100])
            return
        self.inbox.put(json.loads(raw))


class Sent:
    __slots__ = ("who", "pid", "type", "body", "key", "rid", "seq", "error", "replayed")

    def __init__(self, who, pid, type, body, key, rid):
        self.who, self.pid, self.type, self.body, self.key, self.rid = who, pid, type, body, key, rid
        self.seq = None  # acknowledged at this seq
        self.error = None  # refused with this code
        self.replayed = False

    def message(self):
        msg = {"type": self.type, "id": self.rid, "key": self.key}
        if self.body is not None:
            msg["body"] = self.body
        return msg

    def __repr__(self):
        return "<%s %s by %s key %s seq %s error %s>" % (self.type, json.dumps(self.body, ensure_ascii=False),
                                                          self.who, self.key, self.seq, self.error)


class Ledger:
    """Every state-changing command sent, by request id."""

    def __init__(self):
        self.by_rid = {}
        self._rid = 10000

    def new(self, who, pid, type, body, key):
        self._rid += 1
        s = Sent(who, pid, type, body, key, self._rid)
        self.by_rid[s.rid] = s
        return s

    def take_replies(self, client):
        """Record the ok and error answers `client` received to ledger commands."""
        for m in client.messages:
            s = self.by_rid.get(m.get("id")) if m.get("type") in ("ok", "error") else None
            if s is None:
                continue
            if m["type"] == "ok":
                assert s.seq in (None, m["body"]["seq"]), "%r answered twice with different seqs" % s
                s.seq, s.error = m["body"]["seq"], None
                s.replayed = s.replayed or m["body"].get("replayed", False)
            elif s.seq is None:
                s.error = m["body"]["code"]

    def acknowledged(self):
        return [s for s in self.by_rid.values() if s.seq is not None]

    def unanswered(self):
        return [s for s in self.by_rid.values() if s.seq is None and s.error is None]


def replies_table(server, meeting):
    """{(participant, key): seq} of every command the database holds as committed."""
    with db_connect(server) as db:
        return {(p, k): s for p, k, s in db.execute(
            "SELECT participant, key, seq FROM replies WHERE meeting = ?", (meeting,))}


def check_log(server, meeting, ledger, seen=()):
    """The log of `meeting` after a restart, read from the database and the API:
    - the chain recomputed from seq 1 ends at the head of GET /api/meetings/M;
    - every acknowledged command is committed (replies table) at the seq its
      `ok` gave, and the event there is its own (type, actor, body);
    - nothing is applied twice: the events the ledger's command types write
      are exactly one per committed key of that type;
    - every event a client received (`seen`: lists of events) is in the log,
      same seq, same hash.
    Returns (events by seq, committed keys)."""
    evs = db_verify_chain(server, meeting)
    by_seq = {ev["seq"]: ev for ev in evs}
    snap = server.api().snapshot(meeting, check=False)
    assert snap["seq"] == evs[-1]["seq"] and snap["head"] == evs[-1]["hash"], (
        "snapshot at %d %s, log ends at %d %s" % (snap["seq"], snap["head"], evs[-1]["seq"], evs[-1]["hash"]))
    committed = replies_table(server, meeting)
    for s in ledger.acknowledged():
        assert (s.pid, s.key) in committed, "acknowledged at seq %d, not committed: %r" % (s.seq, s)
        assert committed[(s.pid, s.key)] == s.seq, "%r: committed at seq %d" % (s, committed[(s.pid, s.key)])
    for s in ledger.by_rid.values():
        seq = committed.get((s.pid, s.key))
        if seq is None:
            continue
        ev = by_seq[seq]
        assert ev["type"] in LAST_EVENT[s.type] and ev["actor"] == s.pid, "%r: seq %d is %r" % (s, seq, ev)
        if s.type == "minutes.add":
            assert ev["body"]["text"] == s.body["text"], "%r: seq %d is %r" % (s, seq, ev)
        elif s.type == "vote.cast":
            assert (ev["body"]["vote"], ev["body"]["voter"], ev["body"]["choice"]) == (
                s.body["vote"], s.pid, s.body["choice"]), "%r: seq %d is %r" % (s, seq, ev)
    keys_of = collections.Counter(s.type for s in ledger.by_rid.values() if (s.pid, s.key) in committed)
    events_of = collections.Counter(ev["type"] for ev in evs)
    for kind, first in (("minutes.add", "minutes.entry_added"), ("vote.cast", "ballot.cast"),
                        ("speaker.request", "speaker.requested"), ("speaker.withdraw", "speaker.withdrawn")):
        assert events_of[first] == keys_of[kind], (
            "%d %s events for %d committed %s commands" % (events_of[first], first, keys_of[kind], kind))
    texts = collections.Counter(ev["body"]["text"] for ev in evs if ev["type"] == "minutes.entry_added")
    assert not [t for t, n in texts.items() if n > 1], "minutes written twice: %r" % [t for t, n in texts.items() if n > 1]
    for events in seen:
        for ev in events:
            assert ev["seq"] in by_seq and by_seq[ev["seq"]]["hash"] == ev["hash"], (
                "a client received seq %d (%s), which the log does not hold" % (ev["seq"], ev["type"]))
    return by_seq, committed


# ---------------------------------------------------------------- file systems


def _mount(args):
    return subprocess.run(["mount", *args], capture_output=True, text=True)


@contextlib.contextmanager
def small_fs(size):
    """A tmpfs of `size` (e.g. "1m") on a new directory; skips the test when
    mounting is not permitted (not root, no CAP_SYS_ADMIN, no mount)."""
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a small tmpfs needs root and mount(8)")
    d = tempfile.mkdtemp(prefix="concerto-fs-")
    r = _mount(["-t", "tmpfs", "-o", "size=%s,mode=0700" % size, "tmpfs", d])
    if r.returncode != 0:
        os.rmdir(d)
        pytest.skip("cannot mount a tmpfs here: %s" % (r.stderr.strip() or r.returncode))
    try:
        yield d
    finally:
        subprocess.run(["umount", "-l", d], capture_output=True)
        os.rmdir(d)


@contextlib.contextmanager
def read_only_view(path):
    """`path` (a directory) seen through a read-only bind mount, which binds
    root too (file modes do not); skips when mounting is not permitted."""
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("a read-only bind mount needs root and mount(8)")
    d = tempfile.mkdtemp(prefix="concerto-ro-")
    r = _mount(["--bind", str(path), d])
    if r.returncode == 0:
        r = _mount(["-o", "remount,ro,bind", d])
        if r.returncode != 0:
            subprocess.run(["umount", d], capture_output=True)
    if r.returncode != 0:
        os.rmdir(d)
        pytest.skip("cannot make a read-only bind mount here: %s" % (r.stderr.strip() or r.returncode))
    try:
        yield d
    finally:
        subprocess.run(["umount", "-l", d], capture_output=True)
        os.rmdir(d)


def fill(directory, leave=0):
    """Fill the file system of `directory` with a ballast file until at most
    `leave` bytes are free; returns the ballast's path (remove it to free)."""
    path = os.path.join(directory, "ballast")
    with open(path, "wb") as f:
        chunk = b"\0" * 65536
        while True:
            free = os.statvfs(directory).f_bavail * os.statvfs(directory).f_frsize
            if free <= leave:
                break
            try:
                f.write(chunk[:max(1, min(len(chunk), free - leave))])
                f.flush()
            except OSError:
                break
    return path


def wait_closed_all(clients, timeout=TIMEOUT):
    """Drain every client until the server closed it (after a kill)."""
    for c in clients:
        try:
            c.wait_closed(timeout=timeout)
        except AssertionError:
            pass
