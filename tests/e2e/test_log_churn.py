# SPDX-License-Identifier: AGPL-3.0-or-later
"""The server's log and connection churn: by default, connections opened,
joined, left and closed are counted and summed up in one line at most every
--log-interval seconds ("connections: +50 -50 in 1 s, 0 open; participants:
50 joined, 50 left"), so that a join storm of ten thousand writes a line, not
forty thousand; refused hellos keep a line each. With --log-connections, every
connection has its lines again.
"""
import re
import time

from harness import TIMEOUT, Client, make_meeting

N = 50
SUMMARY = re.compile(r"connections: \+(\d+) -(\d+) in (\d+) s, (\d+) open; "
                     r"participants: (\d+) joined, (\d+) left")


def churn(srv, m):
    """N connections of the meeting's members, each saying hello, then all
    closed; and one hello refused."""
    members = [w for w in m.who if w.startswith("member")]
    clients = [m.connect(members[i % len(members)], settle=False) for i in range(N)]
    for c in clients:
        c.close()
    bad = Client(srv, m.id)
    bad.hello("x" * 43, expect="error")
    bad.close()


def wait_log(srv, done, timeout=TIMEOUT):
    """Poll the server's log until done(text) holds; returns the text."""
    deadline = time.monotonic() + timeout
    while True:
        text = srv.stderr_text()
        if done(text):
            return text
        assert time.monotonic() < deadline, "the log never showed it:\n" + text[-3000:]
        time.sleep(0.02)


def sums(text):
    rows = [tuple(map(int, g)) for g in SUMMARY.findall(text)]
    return rows, [sum(r[k] for r in rows) for k in range(6)]


def test_connection_churn_is_summed_up_in_a_few_lines(spawn):
    srv = spawn().start("--log-interval", "1")
    m = make_meeting(srv)
    before = len(srv.stderr_text().splitlines())
    churn(srv, m)
    # N members and the refused one opened and closed; N joined and left.
    text = wait_log(srv, lambda t: sums(t)[1][:2] == [N + 1, N + 1] and sums(t)[1][4:] == [N, N])
    rows, total = sums(text)
    assert rows[-1][3] == 0, "nothing left open"
    assert all(r[2] >= 1 for r in rows), "at most one summary a second"
    lines = text.splitlines()[before:]
    assert len(lines) <= 10, "far fewer lines than connections:\n" + "\n".join(lines)
    assert not [ln for ln in lines if "joined meeting" in ln or "left meeting" in ln or "connection from" in ln]
    assert len([ln for ln in lines if "hello refused from" in ln]) == 1, "a refusal keeps its line"


def test_log_connections_gives_each_connection_its_lines(spawn):
    srv = spawn().start("--log-connections", "--log-interval", "1")
    m = make_meeting(srv)
    churn(srv, m)
    text = wait_log(srv, lambda t: t.count(" left meeting %s" % m.id) == N
                    and "connection from 127.0.0.1 closed" in t)
    assert text.count(" joined meeting %s from " % m.id) == N
    assert text.count("to meeting %s" % m.id) == N + 1
    assert len(re.findall(r"connection from \S+ closed", text)) == 1, "the refused one never joined"
    assert "hello refused from" in text
    assert not SUMMARY.search(text)
