# SPDX-License-Identifier: AGPL-3.0-or-later
"""Durability: what was acknowledged survives kill -9 (docs/ARCHITECTURE.md, PROTOCOL.md 4.1),
and the state after a restart is the fold of the log."""
import socket
import time

from harness import Client, chain_verify, make_meeting


def alternate(n):
    return ["meeting.suspend" if i % 2 == 0 else "meeting.resume" for i in range(n)]


def test_acknowledged_events_survive_sigkill_and_the_whole_log_still_chains(spawn):
    srv = spawn().start()
    m = make_meeting(srv)
    observer = m.connect("observer")
    chair = m.connect("chair")
    replies = chair.pipeline(["meeting.open"] + alternate(21))
    srv.kill()  # right after the last ok: nothing may be lost
    assert all(r["type"] == "ok" for r in replies)
    acked = [r["body"]["seq"] for r in replies]
    last = acked[-1]
    observer.wait_closed()  # takes in whatever reached the observer before the crash
    live = {e["seq"]: e for e in observer.events}

    srv.start()
    c = Client(srv, m.id)
    w = c.hello(m.token("secretary"), since=0)
    assert w["mode"] == "resume", "the whole log is under 100 events"
    log = c.wait_seq(last)
    chain_verify(log, first_seq=1)
    by_seq = {e["seq"]: e for e in log}
    types = ["meeting.opened"] + ["meeting.suspended" if i % 2 == 0 else "meeting.resumed" for i in range(21)]
    assert [by_seq[s]["type"] for s in acked] == types
    for seq, ev in live.items():
        assert by_seq[seq] == ev, "event %d changed across the crash" % seq

    snap = srv.api().snapshot(m.id)
    assert snap["seq"] >= last
    assert snap["meeting"]["state"] == "suspended"  # open, then 21 alternations: ends suspended
    assert snap["meeting"]["opened_at"] == by_seq[acked[0]]["ts"]


def test_after_a_crash_with_over_100_events_a_hello_gets_the_acknowledged_state(spawn):
    srv = spawn().start()
    m = make_meeting(srv)
    observer = m.connect("observer")
    chair = m.connect("chair")
    replies = m.pipeline("chair", ["meeting.open"] + alternate(110))
    assert all(r["type"] == "ok" for r in replies)
    mark = replies[-51]["body"]["seq"]
    observer.wait_seq(mark)
    mark_hash = next(e["hash"] for e in observer.events if e["seq"] == mark)
    last = chair.command("meeting.close")["seq"]
    srv.kill()

    srv.start()
    c = Client(srv, m.id)
    w = c.hello(m.token("member0"), since=0)
    assert w["mode"] == "snapshot", "since 0 is more than 100 behind"
    assert w["seq"] >= last
    assert w["snapshot"]["meeting"]["state"] == "closed"
    c.close()

    # The tail of the log, fetched by resuming from an event seen before the crash.
    r = Client(srv, m.id)
    w = r.hello(m.token("member1"), since=mark)
    assert w["mode"] == "resume"
    tail = r.wait_seq(last)
    chain_verify(tail, prev_hex=mark_hash, first_seq=mark + 1)
    assert [e["type"] for e in tail if e["seq"] <= last][-1] == "meeting.closed"


def test_sigterm_stops_the_server_cleanly_and_state_survives_the_restart(spawn):
    srv = spawn().start()
    m = make_meeting(srv)
    chair = m.connect("chair")
    chair.command("meeting.open")
    before = srv.api().snapshot(m.id)
    assert srv.stop() == 0
    srv.start()
    after = srv.api().snapshot(m.id)
    assert after["meeting"] == before["meeting"]
    assert after["seq"] >= before["seq"]
    c = m.connect("chair")
    assert c.welcome["snapshot"]["meeting"]["state"] == "open"


def test_sigterm_with_connections_in_every_state_exits_cleanly(spawn):
    """A join storm that a load generator gave up half-way leaves sockets
    accepted with no request yet, requests half sent, upgrades without a
    hello and members with messages still queued: SIGTERM closes them all
    and the server exits 0. (Stopping used to crash on the first kind: its
    close comes with no session.)"""
    srv = spawn().start()
    m = make_meeting(srv)
    socks = []
    for i in range(40):
        s = socket.create_connection(("127.0.0.1", srv.port))
        if i % 4 == 1:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # headers not finished
        elif i % 4 == 2:
            s.sendall(("GET /ws?meeting=%s HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                       "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                       "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: concerto.v1\r\n\r\n"
                       % m.id).encode())  # upgraded, never says hello
        socks.append(s)
    members = [m.connect(who) for who in ("chair", "member0", "member1")]
    members[0].command("meeting.open")
    time.sleep(0.3)
    assert srv.stop() == 0
    for s in socks:
        s.close()
    for c in members:
        c.close()


def test_after_a_restart_who_was_connected_gets_the_grace_period_to_come_back(spawn):
    srv = spawn().start()
    m = make_meeting(srv)
    chair = m.connect("chair")
    chair.command("meeting.configure", {"grace": 2})
    m.connect("member0")
    m.connect("member2")
    assert srv.stop() == 0
    srv.start()
    snap = srv.api().snapshot(m.id)
    present = {p["id"] for p in snap["participants"] if p["present"]}
    assert {m.pid("chair"), m.pid("member0"), m.pid("member2")} <= present, "within the grace period"
    back = m.connect("member2", settle=False)  # comes back in time
    watch = Client(srv, m.id)
    watch.hello(m.token("observer"), since=snap["seq"])
    left = [watch.wait_event("participant.left", timeout=10, participant=m.pid(w))["body"]["participant"]
            for w in ("chair", "member0")]
    assert sorted(left) == sorted([m.pid("chair"), m.pid("member0")])
    watch.ping()
    time.sleep(0.3)
    watch.ping()
    assert not [e for e in watch.events if e["type"] == "participant.left" and e["body"]["participant"] == m.pid("member2")]
    assert not [e for e in watch.events if e["type"] == "participant.joined" and e["body"]["participant"] == m.pid("member2")]
    back.ping()


def test_after_a_restart_with_no_grace_who_was_connected_is_left(spawn):
    srv = spawn().start()
    m = make_meeting(srv)
    chair = m.connect("chair")
    chair.command("meeting.configure", {"grace": 0})
    m.connect("member0")
    assert srv.stop() == 0
    srv.start()
    snap = m.wait_present("member0", present=False)
    assert not [p for p in snap["participants"] if p["present"] or p["connected"]], "nobody is connected"
