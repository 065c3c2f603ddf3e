# SPDX-License-Identifier: AGPL-3.0-or-later
"""Helpers for the tests of the meeting rules (agenda, speakers, attendance):
a commission with two colleges of three members each, everyone's connection,
and short ways to read the snapshot (the agenda in display order, a list of
speakers as names).

Built on harness.py; nothing here changes how the harness itself works.
"""
import json
import time

from harness import TIMEOUT, Client, make_meeting

# chair and secretary without college; three members per college; an observer.
ROSTER = [
    ("Hélène Vasseur", "", "chair"),
    ("Thomas Leroy", "", "secretary"),
    ("Claire Dubois", "bailleurs", "member"),
    ("Marc Lemaire", "bailleurs", "member"),
    ("Sophie Caron", "bailleurs", "member"),
    ("Jean Moreau", "locataires", "member"),
    ("Fatima Benali", "locataires", "member"),
    ("Luc L’Hermitte", "locataires", "member"),
    ("Anne Petit", "", "observer"),
]

# Presence moves with connections and the clock: what a restart may change.
PRESENCE_FIELDS = ("present", "connected", "arrived", "left", "disconnections")


class Room:
    """A meeting of ROSTER on `server` and the connections of its people.

    Names: "chair", "secretary", "observer", and the members by college,
    "b1".."b3" (bailleurs) and "l1".."l3" (locataires)."""

    def __init__(self, server):
        self.server = server
        self.m = make_meeting(server, roster=ROSTER)
        self.pids = {"chair": self.m.pid("chair"), "secretary": self.m.pid("secretary"),
                     "observer": self.m.pid("observer")}
        counts = {"bailleurs": 0, "locataires": 0}
        for p in self.m.snapshot["participants"]:
            if p["role"] == "member":
                counts[p["college"]] += 1
                self.pids["%s%d" % (p["college"][0], counts[p["college"]])] = p["id"]
        self.names = {pid: name for name, pid in self.pids.items()}
        self.c = {}

    @property
    def id(self):
        return self.m.id

    def connect(self, *who, since=None):
        for w in who:
            c = Client(self.server, self.m.id)
            c.hello(self.m.token(self.pids[w]), since)
            self.c[w] = c
        for w in who:
            self.m.wait_present(self.pids[w])
        return self.c[who[-1]] if who else None

    def connect_everyone(self):
        self.connect(*self.pids)

    def leave(self, who):
        """Close `who`'s connection (their departure waits for the grace period)."""
        self.c.pop(who).close()

    def do(self, who, type, body=None):
        """A command that must succeed; returns its ok body."""
        return self.c[who].command(type, body)

    def refuse(self, who, type, code, body=None):
        return self.c[who].error(type, code, body)

    def snap(self, check=True):
        return self.server.api().snapshot(self.m.id, check=check)

    def order(self, item, snap=None):
        """The waiting list of `item`, as names, in the order the floor will be given."""
        snap = snap or self.snap()
        return [self.names[r["participant"]] for r in snap["speakers"].get(item, [])]

    def agenda(self, snap=None):
        """The agenda in display order, as (id, title, parent, position)."""
        snap = snap or self.snap()
        return [(i["id"], i["title"], i["parent"], i["position"]) for i in snap["agenda"]]

    def item(self, item_id, snap=None):
        snap = snap or self.snap()
        return next(i for i in snap["agenda"] if i["id"] == item_id)

    def participant(self, who, snap=None):
        snap = snap or self.snap()
        return next(p for p in snap["participants"] if p["id"] == self.pids[who])

    def events_of(self, who, type, after=0):
        return [e for e in self.c[who].events if e["type"] == type and e["seq"] > after]


def without_presence(snap):
    """A snapshot with what connections (and so a restart) may change left out."""
    s = json.loads(json.dumps(snap))
    for p in s["participants"]:
        for f in PRESENCE_FIELDS:
            p.pop(f, None)
    att = s.get("attendance", {})
    att.pop("present", None)
    att.pop("quorum", None)
    for c in att.get("colleges", {}).values():
        c.pop("present", None)
    return s


def raw_request(client, type, body, key=True, rid=None):
    """Send a command as raw JSON, schema or not (hostile input); returns the reply."""
    rid = rid if rid is not None else "raw-%d" % time.monotonic_ns()
    msg = {"type": type, "id": rid}
    if key:
        msg["key"] = client.new_key()
    if body is not ...:
        msg["body"] = body
    client.send_raw(json.dumps(msg, ensure_ascii=False))
    return client.reply(rid, TIMEOUT)


def wait_until(predicate, timeout=TIMEOUT, what="condition"):
    deadline = time.monotonic() + timeout
    while True:
        got = predicate()
        if got:
            return got
        assert time.monotonic() < deadline, "timed out waiting for %s" % what
        time.sleep(0.02)
