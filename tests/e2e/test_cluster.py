# SPDX-License-Identifier: AGPL-3.0-or-later
"""Several nodes behind a real nginx running deploy/nginx/cluster.conf (plain
HTTP on loopback, the rest as shipped): each meeting lives on the node its id
hashes to, a node can die and come back without losing anything, and a node
can be added without moving the meetings that exist.

Every node has its own database; all start from one seed database, so that
one admin token works on all of them (deploy/README.md, "Running at scale").
Meetings are created through nginx as deploy/nginx/cluster.conf describes:
the whole setup carries one routing key (?meeting=KEY), and a meeting whose
id hashes to another node than KEY's is left unused and the setup retried.
"""
import json
import os
import re
import shutil
import sqlite3
import subprocess
import threading
import time

import pytest
import websockets

import harness
import nginx_harness
from harness import chain_verify, http_request

pytestmark = pytest.mark.skipif(
    not nginx_harness.NGINX, reason="nginx is not installed (Debian package nginx, see deploy/install-deps.sh --test)")

EXAMPLE = "10.0.0.1%d:8080"  # node N (1, 2, ...) of cluster.conf: 10.0.0.11:8080, 10.0.0.12:8080


# Each node logs a line per connection ("connection from A to meeting M"): the
# tests read there which node served a meeting.
NODE_ARGS = ("--log-connections",)

class WrongNode(Exception):
    """The new meeting's id hashes to another node than the one that made it."""


class RoutedApi(harness.Api):
    """The admin's setup of a meeting through nginx: every call carries the
    routing key; creating the meeting checks where its id is routed."""

    def __init__(self, front, token, key):
        super().__init__(front, token)
        self.key = key

    def call(self, method, path, *args, **kw):
        if self.key and "?" not in path:
            path += "?meeting=" + self.key  # ignored by nginx when the path names a meeting
        return super().call(method, path, *args, **kw)

    def create_meeting(self, *args, **kw):
        made = super().create_meeting(*args, **kw)
        r = self.call("GET", "/api/meetings/" + made["meeting"]["id"])
        if r.status == 404:
            raise WrongNode(made["meeting"]["id"])
        assert r.status == 200, r
        return made


class ClusterFront(nginx_harness.Front):
    key = None

    def api(self, token=None):
        return RoutedApi(self, self.admin_token if token is None else token, self.key)


class Cluster:
    def __init__(self, spawn, nodes=2):
        self.spawn = spawn
        first = spawn()  # concerto init: the cluster's admin token
        self.seed = first.dir.parent / "seed.db"
        r = harness.run_cli("backup", "--db", str(first.db), str(self.seed))
        assert r.returncode == 0, r.stderr
        self.nodes = [first]
        while len(self.nodes) < nodes:
            self._new_node()
        for n in self.nodes:
            n.start(*NODE_ARGS)
        self.nginx = nginx_harness.Nginx()
        self.front = ClusterFront(self.nginx, first.admin_token)
        self.nginx.start(self.conf())

    def _new_node(self):
        """A node as deploy/install.sh --seed-db makes it."""
        s = self.spawn(init=False)
        shutil.copy(self.seed, s.db)
        s.admin_token = self.nodes[0].admin_token
        s.tokens.add(s.admin_token)
        self.nodes.append(s)
        return s

    def add_node(self):
        return self._new_node().start(*NODE_ARGS)

    def address(self, node):
        return "127.0.0.1:%d" % node.port

    def conf(self):
        text = nginx_harness.shipped("cluster.conf")
        for i in range(3, len(self.nodes) + 1):
            text = nginx_harness.add_node(text, like=EXAMPLE % 2, address=EXAMPLE % i,
                                          name="concerto_node%d" % i, like_name="concerto_node2")
        return self.nginx.site(text, {EXAMPLE % (i + 1): self.address(n) for i, n in enumerate(self.nodes)})

    def meeting(self, tries=60):
        """A meeting created through nginx (the procedure of cluster.conf)."""
        for _ in range(tries):
            self.front.key = "r" + os.urandom(6).hex()
            try:
                return harness.Meeting(self.front)
            except WrongNode:
                continue
        raise AssertionError("no meeting landed on its own node in %d tries" % tries)

    def owner(self, mid):
        """The node whose database holds the meeting (asked directly, not through nginx)."""
        have = [n for n in self.nodes if n.api().call("GET", "/api/meetings/" + mid).status == 200]
        assert len(have) == 1, "meeting %s is on %d nodes" % (mid, len(have))
        return have[0]

    def meeting_on(self, node, tries=40):
        for _ in range(tries):
            m = self.meeting()
            if self.owner(m.id) is node:
                return m
        raise AssertionError("no meeting landed on node %s" % node.port)

    def close(self):
        tokens = set(self.front.tokens)
        for n in self.nodes:
            n.tokens |= tokens  # the spawn fixture searches every node's log for all of them
            tokens |= n.tokens
        logs = self.nginx.logs()
        self.nginx.cleanup()
        leaked = sorted(t for t in tokens if t in logs)
        assert not leaked, "tokens in nginx's logs: %s" % leaked


@pytest.fixture
def cluster(spawn):
    made = []

    def make(nodes=2):
        c = Cluster(spawn, nodes)
        made.append(c)
        return c

    yield make
    for c in made:
        c.close()


def connections(node):
    text = http_request(node.port, "GET", "/metrics").text()
    return int(re.search(r"^concerto_connections (\d+)$", text, re.M).group(1))


def wait_connections(cluster, want, timeout=harness.TIMEOUT):
    deadline = time.monotonic() + timeout
    while True:
        got = {n.port: connections(n) for n in cluster.nodes}
        if got == {n.port: want.get(n, 0) for n in cluster.nodes}:
            return
        assert time.monotonic() < deadline, "connections per node: %s, expected %s" % (
            got, {n.port: want.get(n, 0) for n in cluster.nodes})
        time.sleep(0.05)


def restart(node, within=10):
    """Start a stopped node again on its port (nginx knows it by its address)."""
    port, deadline = node.port, time.monotonic() + within
    while True:
        try:
            return node.start(*NODE_ARGS, port=port)
        except harness.ServerFailed:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def ws_status(front, mid):
    """The HTTP status nginx answers to a WebSocket upgrade for this meeting, 101 if it opens."""
    try:
        c = harness.Client(front, mid)
    except websockets.InvalidStatusCode as e:
        return e.status_code
    c.close()
    return 101


# ---------------------------------------------------------------- routing


def test_meetings_created_through_nginx_live_and_are_joined_on_the_node_their_id_hashes_to(cluster):
    c = cluster(2)
    meetings, owner = [], {}
    while len(meetings) < 12 and not (len(meetings) >= 4 and len(set(owner.values())) == 2):
        m = c.meeting()
        meetings.append(m)
        owner[m.id] = c.owner(m.id)
    assert len(set(owner.values())) == 2, "12 meetings, all on one node"

    clients = []
    for m in meetings:
        clients.append((m, m.connect("chair"), m.connect("member0")))
    want = {}
    for m in meetings:
        want[owner[m.id]] = want.get(owner[m.id], 0) + 2
    wait_connections(c, want)

    for m, chair, member in clients:
        chair.command("meeting.open")
        assert member.wait_event("meeting.opened")["actor"] == m.pid("chair")
        page = http_request(c.nginx.port, "GET", "/m/" + m.id)
        assert page.status == 200 and page.content_type == "text/html"
        own, other = owner[m.id], next(n for n in c.nodes if n is not owner[m.id])
        assert "to meeting %s" % m.id in own.stderr_text()
        assert m.id not in other.stderr_text()

    # nginx's own account (a WebSocket is logged when it ends): every request
    # about a meeting went to its node.
    for _, chair, member in clients:
        chair.close()
        member.close()
    wait_connections(c, {})
    rows = [r for r in c.nginx.routing_log() if r["meeting"] in owner]
    for m in meetings:
        uris = {r["uri"] for r in rows if r["meeting"] == m.id}
        assert {"/ws", "/m/" + m.id, "/api/meetings/" + m.id, "/api/meetings/%s/invitations" % m.id} <= uris, uris
    for r in rows:
        if r["upstream"] != "-":  # "-": answered from nginx's cache (the page)
            assert r["upstream"] == c.address(owner[r["meeting"]]), r


def test_a_node_killed_and_restarted_behind_nginx_loses_nothing(cluster):
    c = cluster(2)
    a, b = c.nodes
    ma, mb = c.meeting_on(a), c.meeting_on(b)
    assert http_request(c.nginx.port, "GET", "/m/" + ma.id).status == 200  # the page, now in the cache

    observer, chair, member = ma.connect("observer"), ma.connect("chair"), ma.connect("member0")
    bchair, bmember = mb.connect("chair"), mb.connect("member1")
    wait_connections(c, {a: 3, b: 2})
    chair.command("meeting.open")
    chair.command("agenda.add", {"title": "Point 1"})
    chair.command("agenda.open", {"item": "i1"})
    asked = member.command("speaker.request")
    requested = next(e for e in member.wait_seq(asked["seq"]) if e["type"] == "speaker.requested")
    bchair.command("meeting.open")
    replies = chair.pipeline(["meeting.suspend" if i % 2 == 0 else "meeting.resume" for i in range(20)])
    a.kill()  # right after the last ok
    assert all(r["type"] == "ok" for r in replies), replies
    acked = [r["body"]["seq"] for r in replies]

    for cl in (observer, chair, member):
        cl.wait_closed()
    seen = {who: (cl.events[-1]["seq"], cl.events[-1]["hash"])
            for who, cl in (("observer", observer), ("chair", chair), ("member0", member))}

    # The other node's meeting carries on as if nothing happened.
    item = bchair.command("agenda.add", {"title": "Point B"})
    assert bmember.wait_seq(item["seq"])[-1]["type"] == "agenda.item_added"
    bmember.ping()

    # While its node is down, the meeting is unavailable: never sent to the other node.
    assert ws_status(c.front, ma.id) == 502
    assert http_request(c.nginx.port, "GET", "/api/meetings/" + ma.id,
                        headers={"Authorization": "Bearer " + ma.token("chair")}).status == 502
    page = http_request(c.nginx.port, "GET", "/m/" + ma.id)
    assert page.status == 200 and page.content_type == "text/html"  # from the cache: it can show "reconnecting"

    # Clients retry through nginx while the node restarts (systemd does it; here the test).
    refused, back = [], {}

    def reconnect(who):
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                cl = harness.Client(c.front, ma.id)
            except websockets.InvalidStatusCode as e:
                refused.append(e.status_code)
                time.sleep(0.1)
                continue
            except OSError:
                time.sleep(0.1)
                continue
            cl.hello(ma.token(who), since=seen[who][0])
            back[who] = cl
            return

    threads = [threading.Thread(target=reconnect, args=(who,)) for who in seen]
    for t in threads:
        t.start()
    time.sleep(0.5)
    restart(a)
    for t in threads:
        t.join()
    assert set(back) == set(seen), "not everyone came back: %s" % sorted(back)
    assert refused and set(refused) == {502}, refused

    last = acked[-1]
    for who, cl in back.items():
        since, since_hash = seen[who]
        assert cl.welcome["mode"] == "resume", who
        assert cl.welcome["seq"] == since
        tail = [e for e in cl.wait_seq(last) if e["seq"] > since]
        chain_verify(tail, prev_hex=since_hash, first_seq=since + 1)
        assert {e["seq"] for e in tail} >= {s for s in acked if s > since}
        assert not [e for e in tail if e["type"] == "participant.left"], "a short outage broke attendance"
    wait_connections(c, {a: 3, b: 2})

    snap = c.front.api(ma.token("chair")).snapshot(ma.id)
    assert snap["seq"] >= last
    assert snap["meeting"]["state"] == "open"  # open, then 20 alternations
    assert [r["request"] for r in snap["speakers"]["i1"]] == [requested["body"]["request"]]  # kept its place
    present = {p["id"] for p in snap["participants"] if p["present"]}
    assert {ma.pid("chair"), ma.pid("member0"), ma.pid("observer")} <= present

    # ...and the chain goes on from where the crash left it.
    more = back["chair"].command("meeting.suspend")
    obs = back["observer"]
    assert obs.wait_seq(more["seq"])[-1]["type"] == "meeting.suspended"
    chain_verify(obs.events, prev_hex=seen["observer"][1], first_seq=seen["observer"][0] + 1)


def test_the_readme_procedure_creates_a_meeting_on_the_node_its_id_hashes_to(cluster, tmp_path):
    """The shell steps of deploy/README.md ("Creating a meeting"), run as written
    with curl against the proxy."""
    if not shutil.which("curl"):
        pytest.skip("curl is not installed (deploy/install-deps.sh --test)")
    c = cluster(2)
    readme = (harness.REPO / "deploy" / "README.md").read_text("utf-8")
    part = readme[readme.index("**Creating a meeting**"):]
    script = re.search(r"```sh\n(.*?)```", part, re.S).group(1)
    script = nginx_harness.replace(script, "P=https://concerto.example.org\n", "P=http://127.0.0.1:%d\n" % c.nginx.port, 1)
    roster = "name;college;role\n" + "".join("%s;%s;%s\n" % row for row in harness.ROSTER)
    (tmp_path / "roster.csv").write_text(roster, "utf-8")
    r = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=tmp_path, capture_output=True, text=True,
                       timeout=120, env=dict(os.environ, T=c.front.admin_token))
    assert r.returncode == 0, r.stderr
    invitations = json.loads(r.stdout)["invitations"]
    assert len(invitations) == len(harness.ROSTER)
    mid = re.match(r"/m/([a-z0-9_-]+)#t=", invitations[0]["link"]).group(1)
    for inv in invitations:
        c.front.tokens.add(inv["token"])
    owner = c.owner(mid)
    cl = harness.Client(c.front, mid)
    w = cl.hello(invitations[0]["token"])
    assert w["meeting"] == mid
    wait_connections(c, {owner: 1})


# ---------------------------------------------------------------- adding a node


def test_adding_a_node_moves_no_meeting_once_existing_meetings_are_pinned(cluster):
    c = cluster(2)
    meetings = [c.meeting() for _ in range(16)]
    owner = {m.id: c.owner(m.id) for m in meetings}
    admin = c.front.api()

    c.add_node()
    c.nginx.reload(c.conf())
    moved = [m for m in meetings if admin.call("GET", "/api/meetings/" + m.id).status == 404]
    assert moved, "a third node took none of 16 meetings: the premise of this test does not hold"
    # What "Adding a node" in deploy/README.md does: list each node's meetings
    # from a backup of its database and pin them to it.
    lines = []
    for i, node in enumerate(c.nodes[:2], start=1):
        copy = node.dir / "pins-source.db"
        r = harness.run_cli("backup", "--db", str(node.db), str(copy))
        assert r.returncode == 0, r.stderr
        with sqlite3.connect("file:%s?mode=ro" % copy, uri=True) as db:
            lines += ["%s concerto_node%d;" % (row[0], i) for row in db.execute("SELECT id FROM meetings")]
    (c.nginx.dir / "pins" / "before-node3.map").write_text("\n".join(lines) + "\n")
    c.nginx.reload(c.conf())

    for m in meetings:
        assert admin.call("GET", "/api/meetings/" + m.id).status == 200, m.id
    m = moved[0]
    cl = m.connect("member1")
    assert cl.welcome["meeting"] == m.id
    assert "to meeting %s" % m.id in owner[m.id].stderr_text()
    assert m.id not in c.nodes[2].stderr_text()
    cl.close()
    wait_connections(c, {})
    rows = [r for r in c.nginx.routing_log() if r["meeting"] == m.id and r["uri"] == "/ws"]
    assert rows and rows[-1]["upstream"] == c.address(owner[m.id])

    # New meetings also go to the new node.
    fresh = c.meeting_on(c.nodes[2])
    cl = fresh.connect("chair")
    cl.command("meeting.open")
    wait_connections(c, {c.nodes[2]: 1})
