# SPDX-License-Identifier: AGPL-3.0-or-later
"""HTTP clients that leave before their answer: the request's handle lives on
two threads (its connection's loop and the meetings' thread), and a client
that closes at once must never leave either with a dangling one. Many clients
send a request and close at once, over and over, while a meeting keeps the
meetings' thread busy; the server must still answer, and stop cleanly.
"""
import socket
import struct
import threading
import time

import pytest

from harness import TIMEOUT, http_request, make_meeting
from limits_helpers import RawWS, wait_for

REQUESTS = [
    b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n",
    b"POST /api/commissions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    b"Content-Length: 13\r\n\r\n{\"name\":\"x\"}\n",
]


def hit_and_run(port, data, reset):
    """Send one request and close at once, with RST when `reset`."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.settimeout(TIMEOUT)
        s.connect(("127.0.0.1", port))
        if reset:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.sendall(data)
    except OSError:
        pass
    finally:
        s.close()


def keep_busy(srv, m, stop):
    """Members ping and the chair reconfigures the meeting as fast as the rate allows."""
    chair = RawWS(srv.port, m.id)
    chair.hello(m.token("chair"))
    members = []
    for who in ("member1", "member2", "member3"):
        ws = RawWS(srv.port, m.id)
        ws.hello(m.token(who))
        ws.start_reading()
        members.append(ws)
    chair.start_reading()
    i = 0
    while not stop.is_set():
        chair.send_json({"type": "meeting.configure", "id": "c%d" % i, "key": "busy-%d" % i,
                         "body": {"speaking_time": 60 + i % 100}})
        for ws in members:
            ws.send_json({"type": "ping", "id": i})
        i += 1
        stop.wait(0.05)
    for ws in members + [chair]:
        ws.close()


@pytest.mark.parametrize("threads", ["2", "3"])
def test_clients_that_close_before_their_answer_never_crash_the_server(spawn, threads):
    srv = spawn()
    srv.start("--threads", threads)
    m = make_meeting(srv)
    stop = threading.Event()
    busy = threading.Thread(target=keep_busy, args=(srv, m, stop), daemon=True)
    busy.start()
    try:
        def storm(k):
            for i in range(300):
                if srv.proc.poll() is not None:
                    return
                hit_and_run(srv.port, REQUESTS[(i + k) % len(REQUESTS)], reset=(i + k) % 2 == 0)

        for _ in range(3):
            workers = [threading.Thread(target=storm, args=(k,), daemon=True) for k in range(4)]
            for w in workers:
                w.start()
            for w in workers:
                w.join(60)
            assert srv.proc.poll() is None, "the server died (status %s): %s" % (
                srv.proc.returncode, srv.stderr_text()[-3000:])
            r = http_request(srv.port, "GET", "/healthz")
            assert r.status == 200, r
    finally:
        stop.set()
        busy.join(TIMEOUT * 2)
    # Every handle is released: the next clients are served and the server stops cleanly.
    wait_for(lambda: http_request(srv.port, "GET", "/healthz").status == 200, what="/healthz answered")
    assert srv.stop(timeout=20) == 0, srv.stderr_text()[-3000:]
    assert "ERROR: AddressSanitizer" not in srv.stderr_text()


FIRST = {
    "an API answer": b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
    "an error answered at once": b"GET /no-such-file HTTP/1.1\r\nHost: x\r\n\r\n",
    "metrics": b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n",
}
PIPELINED = {
    "a POST with its body": b"POST /api/commissions HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}",
    "a GET with a body": b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nabcde",
    "a POST cut short": b"POST /api/commissions HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\n{",
}


@pytest.mark.parametrize("first", sorted(FIRST))
def test_a_request_pipelined_after_an_answer_never_stalls_the_server(spawn, first):
    """A client may send its next requests before the first is answered (HTTP/1.1
    pipelining): whatever follows, the connection's loop goes on serving
    everyone (a request with a body behind one the server answered used to
    stall the loop for good)."""
    srv = spawn()
    srv.start("--threads", "1")
    for name, second in sorted(PIPELINED.items()):
        s = socket.create_connection(("127.0.0.1", srv.port), timeout=TIMEOUT)
        s.sendall(FIRST[first] + second)
        s.settimeout(TIMEOUT)
        got = b""
        try:
            while b"\r\n\r\n" not in got:
                chunk = s.recv(4096)
                if not chunk:
                    break
                got += chunk
        except OSError:
            pass
        assert got.startswith(b"HTTP/1.1 "), (name, got)
        t0 = time.monotonic()
        r = http_request(srv.port, "GET", "/healthz", timeout=TIMEOUT)
        assert r.status == 200, (first, name, r)
        assert time.monotonic() - t0 < TIMEOUT
        s.close()
    assert srv.stop(timeout=20) == 0
