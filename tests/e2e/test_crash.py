# SPDX-License-Identifier: AGPL-3.0-or-later
"""SIGKILL at random moments of a busy meeting, many times over.

Twenty-one people are connected: the chair gives the floor, eighteen members
vote (each ballot replacing their last) and ask for the floor and withdraw,
the secretary writes the minutes. They send without waiting for answers, and
the server is killed with SIGKILL at a random moment of the burst, with
commands unread, read and uncommitted, committed and unanswered, answered.
It restarts on the same database, fifteen times. After each restart:
- the chain recomputed from the log ends at the head of the snapshot;
- every acknowledged command is committed at the seq its `ok` gave, and its
  event is there; no command is applied twice (one event per committed key);
- every event a client had received is still in the log, with its hash;
- each client resumes with `since` (the events it missed, or a snapshot when
  too far behind), and what it receives is the log;
- commands left unanswered, sent again with their keys, are answered: with
  `replayed` and their first seq when they had been committed, else run now.
The random seed is printed; CONCERTO_CRASH_SEED replays a run.
"""
import collections
import os
import random
import time

import pytest

from faults import LAST_EVENT, Ledger, QuietClient, check_log, wait_closed_all
from harness import TIMEOUT, Client, chain_verify
from votes_helpers import VoteRoom, db_events

CYCLES = 15
PER_COLLEGE = 9  # 18 members; with the chair, the secretary and an observer, 21 clients
ROUNDS = 6       # commands per member in a burst, at most
CHOICES = ("yes", "no", "abstain")


class Crowd:
    """The meeting, its people's connections, and what they sent."""

    def __init__(self, srv, rng):
        self.srv = srv
        self.rng = rng
        self.r = VoteRoom(srv, per_college=PER_COLLEGE)
        self.ledger = Ledger()
        self.c = {}
        self.pos = {}  # who -> (seq, hash) of the last event received, across restarts
        self.seen = []  # every list of events a connection received
        self.vote = None
        self.n = 0
        self.stats = collections.Counter()

    @property
    def everyone(self):
        return ["chair", "secretary", "observer", *self.r.members]

    def connect_all(self, check_resume):
        """Everyone connects; with check_resume, each says the last seq it saw and
        what it receives must be the log from there."""
        head = self.srv.api().snapshot(self.r.id, check=False)["seq"] if check_resume else None
        log = {ev["seq"]: ev for ev in db_events(self.srv, self.r.id)} if check_resume else {}
        for w in self.everyone:
            cls = Client if w in ("chair", "secretary", "observer") else QuietClient
            c = cls(self.srv, self.r.id)
            since = self.pos.get(w, (None, None))[0]
            welcome = c.hello(self.r.token(w), since)
            self.c[w] = c
            if not check_resume:
                continue
            if welcome["mode"] == "resume":
                assert since is not None and head - since <= 100, "%s resumed from %s at %d" % (w, since, head)
                want = [s for s in sorted(log) if s > since and log[s]["type"] != "ballot.cast"]
                got = c.wait_seq(want[-1]) if want else []
                assert [(ev["seq"], ev["hash"]) for ev in got] == [(s, log[s]["hash"]) for s in want], (
                    "%s resumed from %d and received other events than the log's" % (w, since))
            else:
                snap = welcome["snapshot"]
                assert since is None or head - since > 100, "%s got a snapshot %d behind" % (w, head - since)
                assert (snap["seq"], snap["head"]) == (head, log[head]["hash"])
        for w in self.everyone:
            self.r.m.wait_present(self.r.pid(w))

    def command(self, who, type, body):
        self.n += 1
        return self.ledger.new(who, self.r.pid(who), type, body, "%s-%d" % (who, self.n))

    def burst(self):
        """One random burst of commands; returns them in sending order."""
        out = []
        for k in range(ROUNDS):
            for w in self.r.members:
                roll = self.rng.random()
                if roll < 0.5 and self.vote:
                    out.append(self.command(w, "vote.cast", {"vote": self.vote, "choice": self.rng.choice(CHOICES)}))
                elif roll < 0.75:
                    out.append(self.command(w, "speaker.request", None))
                else:
                    out.append(self.command(w, "speaker.withdraw", None))
            out.append(self.command("secretary", "minutes.add",
                                    {"text": "Intervention n\u00b0%d \u2014 \u00ab relev\u00e9 \u00bb" % self.n}))
            if k % 2:
                out.append(self.command("chair", "speaker.next", None))
        return out

    def fire_and_kill(self):
        """Send a burst, and kill the server at a random moment of it: after a
        random time, or right when a first answer arrives (the other answers
        of that turn, committed with it, are then often still unsent)."""
        cmds = self.burst()
        stop = self.rng.randrange(len(cmds) // 4, len(cmds) + 1)
        self.stats["sent"] += stop
        for i, s in enumerate(cmds[:stop]):
            self.c[s.who].send(s.message())
            if i % 19 == 0:
                time.sleep(self.rng.uniform(0, 0.004))
        if self.rng.random() < 0.5:
            time.sleep(self.rng.uniform(0, 0.05))
        else:
            watch = self.c[self.rng.choice([s.who for s in cmds[:stop]])]
            deadline = time.monotonic() + TIMEOUT
            while time.monotonic() < deadline and watch.recv()["type"] not in ("ok", "error"):
                pass
        self.srv.kill()
        clients = list(self.c.values())
        wait_closed_all(clients)
        for w, c in self.c.items():
            self.ledger.take_replies(c)
            if c.welcome:
                self.pos[w] = c.position()
            self.seen.append(list(c.events))
            c.close()
        self.c = {}

    def replay_some(self, committed, n=4):
        """Send again a few acknowledged commands: answered, not applied again."""
        for s in self.rng.sample(self.ledger.acknowledged(), n):
            reply = self.c[s.who].request(s.type, s.body, s.key)
            assert reply["type"] == "ok" and reply["body"] == {"seq": s.seq, "replayed": True}, (
                "%r sent again: %r" % (s, reply))
            self.stats["replayed"] += 1

    def retry_unanswered(self, committed):
        """Send again, with their keys, the commands that got no answer."""
        for s in self.ledger.unanswered():
            self.stats["retried"] += 1
            self.stats["committed unanswered"] += (s.pid, s.key) in committed
            reply = self.c[s.who].request(s.type, s.body, s.key)
            if (s.pid, s.key) in committed:
                assert reply["type"] == "ok" and reply["body"].get("replayed") is True, (
                    "%r was committed; its retry got %r" % (s, reply))
                assert reply["body"]["seq"] == committed[(s.pid, s.key)], "%r: replayed at another seq" % s
            if reply["type"] == "ok":
                s.seq, s.replayed = reply["body"]["seq"], reply["body"].get("replayed", False)
            else:
                s.error = reply["body"]["code"]

    def rotate_vote(self):
        """Close the open vote and open another (between bursts, as the chair)."""
        if self.vote:
            self.r.c["chair"] = self.c["chair"]
            self.r.close_vote(self.vote)
        self.r.c["chair"] = self.c["chair"]
        self.vote = self.r.prepare("Question %d" % self.n)
        self.r.open_vote(self.vote)


def test_sigkill_at_random_moments_of_a_busy_meeting_loses_nothing_acknowledged(spawn):
    seed = int(os.environ.get("CONCERTO_CRASH_SEED") or time.time_ns() % 2 ** 32)
    print("crash test seed: CONCERTO_CRASH_SEED=%d" % seed)
    rng = random.Random(seed)
    started = time.monotonic()
    srv = spawn().start()
    crowd = Crowd(srv, rng)
    crowd.connect_all(check_resume=False)
    crowd.r.c["chair"] = crowd.c["chair"]
    crowd.r.open_meeting(grace=3600, items=("Bilan 2020", "Loyers 2021"))
    crowd.rotate_vote()
    kills = 0
    for cycle in range(CYCLES):
        crowd.fire_and_kill()
        kills += 1
        srv.start()
        _, committed = check_log(srv, crowd.r.id, crowd.ledger, crowd.seen)
        crowd.connect_all(check_resume=True)
        crowd.retry_unanswered(committed)
        crowd.replay_some(committed)
        if cycle % 4 == 3:
            crowd.rotate_vote()
    by_seq, committed = check_log(srv, crowd.r.id, crowd.ledger, crowd.seen)
    # every command answered in the end, once: none pending, each ok at its own event
    assert not crowd.ledger.unanswered()
    acked = crowd.ledger.acknowledged()
    assert len({s.seq for s in acked}) == len(acked), "two commands acknowledged at one seq"
    kinds = {s.type for s in acked}
    assert {"vote.cast", "minutes.add", "speaker.request"} <= kinds, kinds
    crowd.stats["acknowledged"] = len(acked)
    print("%d kills in %.1fs: %s" % (kills, time.monotonic() - started, dict(crowd.stats)))
    for c in crowd.c.values():
        c.close()
