# SPDX-License-Identifier: AGPL-3.0-or-later
"""The largest meeting the limits allow (PROTOCOL.md 4 and 5) can still be
joined: its welcome snapshot is larger than a connection's 8 MiB queue bound,
and a member who joins without `since` is welcomed all the same, not closed
"too slow" (the snapshot is one buffer shared by everyone welcomed with it).

The secretary fills the agenda to its 1,000 items, each with the longest
title, description and presenter, then the minutes until the server refuses
an entry with `too_large` (their text in all is bounded); --msg-rate lets the
commands go in batches."""
import json

from harness import make_meeting
from limits_helpers import RawWS, ws_json_frame

MIB = 1 << 20


def _batch(ws, msgs, timeout=60):
    ws.send_bytes(b"".join(ws_json_frame(m) for m in msgs))
    return [ws.wait_reply(m["id"], timeout) for m in msgs]


def test_the_largest_meeting_the_limits_allow_is_welcomed_whole(spawn):
    srv = spawn()
    srv.start("--msg-rate", "2000")
    m = make_meeting(srv)
    sec = RawWS(srv.port, m.id, timeout=60)
    sec.hello(m.token("secretary"))
    sec.start_reading()

    n = 0
    while True:
        batch = [{"type": "agenda.add", "id": "a%d" % (n + k), "key": "a%d" % (n + k),
                  "body": {"title": ("%04d " % (n + k)) * 100, "description": "é" * 5000,
                           "presenter": "p" * 200}} for k in range(50)]
        replies = _batch(sec, batch)
        n += sum(r["type"] == "ok" for r in replies)
        if any(r["type"] == "error" for r in replies):
            break
    assert n == 1000
    refusal = [r for r in replies if r["type"] == "error"][0]
    assert refusal["body"]["code"] == "too_large", refusal

    text = "Le collège des locataires rappelle l'accord régional sur les impayés. " * 280  # 20,000 bytes at most
    text = text.encode()[:19990].decode("utf-8", "ignore")
    entries, refused = 0, None
    while refused is None:
        batch = [{"type": "minutes.add", "id": "e%d" % (entries + k), "key": "e%d" % (entries + k),
                  "body": {"text": text, "item": ""}} for k in range(20)]
        for r in _batch(sec, batch):
            if r["type"] == "ok":
                entries += 1
            elif refused is None:
                refused = r
    assert refused["body"]["code"] == "too_large", refused
    assert entries * len(text.encode()) <= 4 * MIB < (entries + 1) * len(text.encode())

    # A member who never joined: no `since`, so the whole snapshot.
    member = RawWS(srv.port, m.id, timeout=60)
    member.send_json({"type": "hello", "id": "h", "body": {"token": m.token("member2")}})
    welcome = member.reply("h", 60)
    assert welcome["type"] == "welcome", welcome
    body = welcome["body"]
    assert len(body["snapshot"]["agenda"]) == 1000
    assert len(body["snapshot"]["minutes"]) == entries
    size = len(json.dumps(welcome, ensure_ascii=False, separators=(",", ":")).encode())
    assert size > 8 * MIB, "the snapshot is only %.1f MiB: the test does not reach the queue bound" % (size / MIB)
    # And the connection goes on: it is served like any other.
    member.send_json({"type": "ping", "id": "p"})
    assert member.reply("p", 30)["type"] == "pong"
    print("[large snapshot] 1,000 items and %d entries: a welcome of %.1f MiB" % (entries, size / MIB))
    member.close()
    sec.close()
