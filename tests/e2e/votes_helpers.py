# SPDX-License-Identifier: AGPL-3.0-or-later
"""Helpers for the end-to-end tests of votes, proxies and recusals.

- VoteRoom: a meeting of two colleges on a server, its people by short name
  ("chair", "secretary", "observer", "b1".."bN" for bailleurs, "l1".."lN"
  for locataires), their connections, and the vote commands in one line.
- receipt(): a secret ballot's receipt as a client makes it.
- Database readers: the event log and every table, read from the SQLite file
  with Python's sqlite3 (read-only), as an operator would; the hash chain of
  the log recomputed with harness.chain_verify.
- counts_seen(): the `count` messages a client received.
- The files below the rows: the cells of a table read from the database
  file's bytes, the frames of the write-ahead log grouped by commit, and
  link_voters(), which tries to pair voters with receipts from them.

Built on harness.py; nothing here changes how the harness itself works.
"""
import base64
import contextlib
import json
import os
import re
import sqlite3
import struct
import time

from harness import TIMEOUT, SCHEMA, Client, chain_verify, http_request, make_meeting


def roster(per_college=3):
    """chair and secretary without college, `per_college` members in each
    college, an observer."""
    r = [("Hélène Vasseur", "", "chair"), ("Thomas Leroy", "", "secretary")]
    for college, names in (("bailleurs", "Claire Marc Sophie Paul Inès Hugo Chloé Louis Emma Noah"),
                           ("locataires", "Jean Fatima Luc Aïcha Yves Nora Omar Lise Rémi Zoé")):
        first = names.split()
        for i in range(per_college):
            r.append(("%s %s-%d" % (first[i % len(first)], college.capitalize(), i + 1), college, "member"))
    r.append(("Anne Petit", "", "observer"))
    return r


def receipt():
    """22 characters of base64url from 16 random bytes (PROTOCOL.md 6.5)."""
    return base64.urlsafe_b64encode(os.urandom(16)).decode("ascii").rstrip("=")


class VoteRoom:
    """A meeting of roster(per_college) on `server` and its people's connections."""

    def __init__(self, server, per_college=3):
        self.server = server
        self.m = make_meeting(server, roster=roster(per_college))
        self.pids = {}
        n = {"bailleurs": 0, "locataires": 0}
        for p in self.m.snapshot["participants"]:
            if p["role"] == "member":
                n[p["college"]] += 1
                self.pids["%s%d" % (p["college"][0], n[p["college"]])] = p["id"]
            else:
                self.pids.setdefault(p["role"], p["id"])
        self.names = {pid: name for name, pid in self.pids.items()}
        self.members = [w for w in self.pids if w[0] in "bl" and w[1:].isdigit()]
        self.c = {}

    @property
    def id(self):
        return self.m.id

    def pid(self, who):
        return self.pids[who]

    def token(self, who):
        return self.m.token(self.pids[who])

    # --- connections

    def connect(self, *who, since=None, settle=True):
        """Connect each of `who` (replacing a previous connection in self.c);
        with settle, return once each is shown present. Returns the last client."""
        for w in who:
            c = Client(self.server, self.m.id)
            c.hello(self.token(w), since)
            self.c[w] = c
        if settle:
            for w in who:
                self.m.wait_present(self.pids[w])
        return self.c[who[-1]] if who else None

    def second_connection(self, who):
        """Another connection of `who`, not kept in self.c."""
        c = Client(self.server, self.m.id)
        c.hello(self.token(who))
        return c

    def leave(self, who, wait=True):
        """Close `who`'s connection; with wait, return once the departure is
        written (after the grace period, which the tests set short)."""
        self.c.pop(who).close()
        if wait:
            self.m.wait_present(self.pids[who], present=False, timeout=TIMEOUT + 5)

    # --- commands

    def do(self, who, type, body=None, key=None):
        """A command that must succeed; returns its ok body."""
        return self.c[who].command(type, body, key)

    def refuse(self, who, type, code, body=None):
        """A command that must fail with `code`; returns the error body."""
        return self.c[who].error(type, code, body)

    def open_meeting(self, grace=1, items=("Bilan 2020", "Feuille de route 2021"), **settings):
        """The chair opens the meeting with the given settings, adds the items and
        opens the first (i1)."""
        conf = {"grace": grace}
        conf.update(settings)
        self.do("chair", "meeting.configure", conf)
        self.do("chair", "meeting.open")
        for title in items:
            self.do("chair", "agenda.add", {"title": title})
        self.do("chair", "agenda.open", {"item": "i1"})

    def prepare(self, question="La délibération est-elle adoptée ?", who="chair", **body):
        """Prepare a vote; returns its id, read from the vote.prepared event."""
        body = dict(body, question=question)
        seq = self.do(who, "vote.prepare", body)["seq"]
        ev = self.c[who].wait_event("vote.prepared", after=seq - 1)
        assert ev["seq"] == seq
        return ev["body"]["vote"]

    def open_vote(self, vote):
        """Open a vote; returns the vote.opened event."""
        seq = self.do("chair", "vote.open", {"vote": vote})["seq"]
        return self.c["chair"].wait_event("vote.opened", after=seq - 1, vote=vote)

    def close_vote(self, vote, who="chair"):
        """Close a vote; returns the vote.closed event."""
        seq = self.do(who, "vote.close", {"vote": vote})["seq"]
        return self.c[who].wait_event("vote.closed", after=seq - 1, vote=vote)

    def cast(self, who, vote, choice, key=None, **extra):
        """One vote.cast that must succeed (extra: for, all, receipts, replaces)."""
        body = {"vote": vote, "choice": choice}
        body.update({("for" if k == "for_" else k): v for k, v in extra.items()})
        return self.do(who, "vote.cast", body, key)

    def snap(self, check=True):
        return self.server.api().snapshot(self.m.id, check=check)

    def vote_in_snapshot(self, vote, snap=None):
        snap = snap or self.snap()
        return next(v for v in snap["votes"] if v["id"] == vote)

    def ballots(self, vote, who="observer", status=200):
        """GET .../votes/V/ballots with `who`'s token; the body, checked against
        http.ballots.json on success, http.error.json otherwise."""
        r = http_request(self.server.port, "GET", "/api/meetings/%s/votes/%s/ballots" % (self.m.id, vote),
                         headers={"Authorization": "Bearer " + self.token(who)})
        assert r.status == status, "ballots of %s: expected %d, got %r" % (vote, status, r)
        SCHEMA.check("http.ballots.json" if status == 200 else "http.error.json", r.json)
        return r.json


# --- what clients received


def counts_seen(client, vote=None):
    """The bodies of the `count` messages `client` received so far (of `vote`)."""
    return [m["body"] for m in client.messages
            if m.get("type") == "count" and (vote is None or m["body"]["vote"] == vote)]


def wait_count(client, vote, voted, timeout=TIMEOUT):
    """Receive until a count message says `voted` for `vote`; returns its body."""
    deadline = time.monotonic() + timeout
    while True:
        for b in counts_seen(client, vote):
            if b["voted"] == voted:
                return b
        client.recv(max(0.01, deadline - time.monotonic()))


# --- the database, from the outside


def db_connect(server):
    """A read-only connection to the server's database (the WAL included)."""
    return contextlib.closing(sqlite3.connect("file:%s?mode=ro" % server.db, uri=True))


def db_events(server, meeting):
    """Every event of `meeting` in the log, as harness events (body parsed)."""
    with db_connect(server) as db:
        rows = db.execute("SELECT seq, ts, actor, type, body, hash FROM events WHERE meeting = ? ORDER BY seq",
                          (meeting,)).fetchall()
    return [{"meeting": meeting, "seq": s, "ts": ts, "actor": a, "type": t, "body": json.loads(b),
             "hash": h.hex(), "raw": b} for s, ts, a, t, b, h in rows]


def db_verify_chain(server, meeting):
    """The log of `meeting` is dense from 1, each body canonical, each hash the
    link from the previous one. Returns the events."""
    evs = db_events(server, meeting)
    for ev in evs:
        canon = json.dumps(ev["body"], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert ev["raw"] == canon, "seq %d: body not canonical: %s" % (ev["seq"], ev["raw"])
    chain_verify([{k: v for k, v in ev.items() if k != "raw"} for ev in evs], first_seq=1)
    return evs


def db_tables(server):
    """{table: (column names, rows)} for every table of the database."""
    out = {}
    with db_connect(server) as db:
        names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for t in names:
            cur = db.execute('SELECT * FROM "%s"' % t.replace('"', '""'))
            out[t] = ([d[0] for d in cur.description], cur.fetchall())
    return out


def db_secret_rows(server, meeting, vote):
    with db_connect(server) as db:
        return db.execute("SELECT receipt, college, choice FROM secret_ballots WHERE meeting = ? AND vote = ?",
                          (meeting, vote)).fetchall()


# --- the files, below the rows


def _varint(b, i):
    v = 0
    for k in range(9):
        c = b[i + k]
        if k == 8:
            return (v << 8) | c, i + 9
        v = (v << 7) | (c & 0x7F)
        if c < 0x80:
            return v, i + k + 1


def cells_by_offset(path, table):
    """The records of the leaf pages of WITHOUT ROWID `table` in the file at
    `path`, as (page, offset in the page, payload), read straight from the bytes."""
    db = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    root = db.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
    db.close()
    data = open(path, "rb").read()
    size = struct.unpack(">H", data[16:18])[0]
    size = 65536 if size == 1 else size
    out = []
    todo = [root]
    while todo:
        pg = todo.pop()
        page = data[(pg - 1) * size:pg * size]
        h = 100 if pg == 1 else 0
        kind, n = page[h], struct.unpack(">H", page[h + 3:h + 5])[0]
        head = 12 if kind in (2, 5) else 8
        ptrs = [struct.unpack(">H", page[h + head + 2 * i:h + head + 2 * i + 2])[0] for i in range(n)]
        if kind == 2:  # interior index page: children, then the right-most one
            todo += [struct.unpack(">I", page[p:p + 4])[0] for p in ptrs]
            todo.append(struct.unpack(">I", page[h + 8:h + 12])[0])
            continue
        assert kind == 10, "page %d of %s is of kind %d" % (pg, table, kind)
        for p in ptrs:
            length, j = _varint(page, p)
            out.append((pg, p, page[j:j + length]))
    return out


def wal_commits(path):
    """The frames of the write-ahead log at `path`, every one of them (those
    of an older generation too, as someone reading the file would), grouped
    into transactions: [[(page number, page bytes)]], in file order."""
    try:
        data = open(path, "rb").read()
    except FileNotFoundError:
        return []
    if len(data) < 32:
        return []
    size = struct.unpack(">I", data[8:12])[0]
    commits, cur, off = [], [], 32
    while off + 24 + size <= len(data):
        pgno, commit = struct.unpack(">II", data[off:off + 8])
        cur.append((pgno, data[off + 24:off + 24 + size]))
        off += 24 + size
        if commit:
            commits.append(cur)
            cur = []
    if cur:
        commits.append(cur)
    return commits


def link_voters(commits, vote, receipts):
    """Pair voters with receipts as the reviewer of the write-ahead log did:
    walk the transactions in order; when one brings exactly one new
    ballot.cast of `vote` (a voter's JSON body) and exactly one new receipt
    of `receipts`, the two belong together. Returns [(voter, receipt)]."""
    cast = re.compile(rb'"vote":"%s","voter":"([A-Za-z0-9_-]+)"' % re.escape(vote.encode()))
    seen_casts, seen_receipts, links = {}, set(), []
    for frames in commits:
        data = b"".join(page for _, page in frames)
        casts = {}
        for m in cast.finditer(data):
            casts[m.group(1)] = casts.get(m.group(1), 0) + 1
        new_casts = [v for v, n in casts.items() if n > seen_casts.get(v, 0)]
        new_receipts = [rc for rc in receipts if rc.encode() in data and rc not in seen_receipts]
        for v, n in casts.items():
            seen_casts[v] = max(n, seen_casts.get(v, 0))
        seen_receipts.update(new_receipts)
        if len(new_casts) == 1 and len(new_receipts) == 1:
            links.append((new_casts[0].decode(), new_receipts[0]))
    return links
