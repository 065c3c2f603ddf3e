# SPDX-License-Identifier: AGPL-3.0-or-later
"""The record of a large meeting is made off the thread that runs the
meetings (server/hub/worker.c): while its PDF is built, the commands of
another meeting on the node are acknowledged as fast as ever.

The secretary of one meeting writes EVENTS minutes entries (in batches:
--msg-rate), the meeting is closed and its minutes finalised; then, while a
GET of record.pdf builds and signs it, the chair of another meeting adds
agenda items one after the other and each acknowledgement is timed. Built
on the hub's thread, that PDF held every other meeting for the whole build
(the first command sent during it waited for the end)."""
import threading
import time

from harness import http_request, make_meeting
from limits_helpers import RawWS, ws_json_frame

EVENTS = 20000
BATCH = 50
P99_MS = 150  # the bound is 50 ms; a busy 2-core machine, and sanitizer builds, get slack


def fill(srv, m, n):
    sec = RawWS(srv.port, m.id, timeout=60)
    sec.hello(m.token("secretary"))
    sec.start_reading()
    for b in range(0, n, BATCH):
        msgs = [{"type": "minutes.add", "id": "e%d" % k, "key": "e%d" % k,
                 "body": {"text": "Entrée %d : la commission prend acte des chiffres et des "
                                  "remarques des membres." % k}} for k in range(b, b + BATCH)]
        sec.send_bytes(b"".join(ws_json_frame(x) for x in msgs))
        for x in msgs:
            assert sec.wait_reply(x["id"], 60)["type"] == "ok"
    sec.close()


def test_another_meeting_is_acknowledged_while_a_large_pdf_is_built(spawn):
    srv = spawn()
    srv.start("--msg-rate", "2000")
    big = make_meeting(srv)
    big.connect("chair").command("meeting.open")
    fill(srv, big, EVENTS)
    big.connect("chair").command("meeting.close")  # a fresh connection: no backlog of events
    big.connect("secretary").command("minutes.finalize")
    # record.json first, so that the timed GET is the PDF's alone.
    r = http_request(srv.port, "GET", "/api/meetings/%s/record/record.json" % big.id,
                     headers={"Authorization": "Bearer " + big.token("chair")}, timeout=120)
    assert r.status == 200, r

    other = make_meeting(srv)
    busy = other.connect("chair")
    quiet = []  # the same commands with nothing being built: what this machine does now
    for k in range(20):
        t0 = time.monotonic()
        busy.command("agenda.add", {"title": "warm-up %d" % k})
        quiet.append((time.monotonic() - t0) * 1000)
    quiet.sort()

    got = {}

    def get_pdf():
        t0 = time.monotonic()
        r = http_request(srv.port, "GET", "/api/meetings/%s/record/record.pdf" % big.id,
                         headers={"Authorization": "Bearer " + big.token("chair")}, timeout=120)
        got["ms"] = (time.monotonic() - t0) * 1000
        got["status"] = r.status
        got["bytes"] = len(r.data)

    t = threading.Thread(target=get_pdf)
    t.start()
    lat = []
    while t.is_alive() and len(lat) < 900:
        t0 = time.monotonic()
        r = busy.request("agenda.add", {"title": "point %d" % len(lat)}, busy.new_key(), timeout=120)
        lat.append((time.monotonic() - t0) * 1000)
        assert r["type"] == "ok", r
    t.join()
    assert got["status"] == 200 and got["bytes"] > 0, got
    lat.sort()
    p50, p99 = lat[len(lat) // 2], lat[min(len(lat) - 1, (len(lat) * 99) // 100)]
    print("[record worker] %d events: record.pdf (%d bytes) answered in %.0f ms; %d agenda.add "
          "meanwhile, ack p50 %.1f ms, p99 %.1f ms, max %.1f ms (without a build: p50 %.1f ms, "
          "max %.1f ms)" % (EVENTS, got["bytes"], got["ms"], len(lat), p50, p99, lat[-1],
                            quiet[len(quiet) // 2], quiet[-1]))
    # A machine already this slow without a build gets its own noise as slack;
    # on the hub's thread the build held commands for seconds, well beyond.
    bound = max(P99_MS, 2 * quiet[-1])
    assert p99 <= bound, "ack p99 %.1f ms (max %.1f) while the PDF was built, over %.0f ms" % (
        p99, lat[-1], bound)
    assert len(lat) >= 5, "too few commands during the build (%d): the test shows nothing" % len(lat)
