# SPDX-License-Identifier: AGPL-3.0-or-later
"""Helpers for the tests of the server's limits (PROTOCOL.md 4, "Limits").

- RawWS: a WebSocket client on a plain blocking socket, for the clients that
  misbehave: it can come from another local address, send any Origin, shrink
  its receive buffer and never read, or send frames already built. With
  start_reading() a thread of its own reads everything, stamping each message
  as it comes off the socket.
- LatencyProbe: the chair changes the meeting every 100 ms (meeting.configure,
  a speaking_time of its own each time) while a member measures the delay
  from the chair's send to the event's arrival. Both are RawWS read by
  threads of their own, away from the harness's event loop, so that the
  schema checks of the harness's clients never count as server latency and a
  busy test never turns the well-behaved clients into slow readers.
- Background: an abusive client's loop, in a thread, until stopped.
- metrics(), vm_rss(), tcp_state(): what the server shows of itself.
- LocalAddresses: extra IPv4 addresses on the loopback interface, for the
  per-address cap (loopback itself is exempt).

Built on harness.py; nothing here changes how the harness itself works.
"""
import base64
import fcntl
import json
import os
import re
import socket
import struct
import subprocess
import threading
import time

from harness import load_factor, TIMEOUT, http_request

PROBE_PERIOD = 0.1  # the chair's cadence, seconds


# ---------------------------------------------------------------- raw WebSocket


class HandshakeRefused(Exception):
    def __init__(self, status, head):
        super().__init__("upgrade answered %s: %r" % (status, head[:300]))
        self.status = status
        self.head = head


def ws_frame(payload, opcode=0x1):
    """One masked client frame (FIN set)."""
    if isinstance(payload, str):
        payload = payload.encode("utf-8")
    n = len(payload)
    if n < 126:
        head = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
    elif n < 65536:
        head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
    mask = os.urandom(4)
    m = int.from_bytes(mask * ((n + 3) // 4), "big") >> (8 * (-n % 4)) if n else 0
    body = (int.from_bytes(payload, "big") ^ m).to_bytes(n, "big") if n else b""
    return head + mask + body


def ws_json_frame(msg):
    return ws_frame(json.dumps(msg, ensure_ascii=False))


class RawWS:
    """A WebSocket over a blocking socket.

    RawWS(port, meeting) performs the upgrade and raises HandshakeRefused on
    any answer but 101. Options: source (local address to bind), origin
    (Origin header), rcvbuf (SO_RCVBUF, set before connecting)."""

    def __init__(self, port, meeting, source=None, origin=None, rcvbuf=None, subprotocol="concerto.v1",
                 timeout=TIMEOUT, host="127.0.0.1"):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        if source:
            self.sock.bind((source, 0))
        self.sock.settimeout(timeout)
        self.sock.connect((host, port))
        self.buf = b""
        self.close_code = None
        self.close_reason = None
        self.ended_at = None  # when the reading thread saw the end
        self.messages = []  # (arrival, message) once start_reading() runs
        self._replies = {}
        self._cond = threading.Condition()
        self._reader = None
        self._stop = threading.Event()
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [
            "GET /ws?meeting=%s HTTP/1.1" % meeting, "Host: %s:%d" % (host, port), "Upgrade: websocket",
            "Connection: Upgrade", "Sec-WebSocket-Key: " + key, "Sec-WebSocket-Version: 13",
        ]
        if subprotocol:
            lines.append("Sec-WebSocket-Protocol: " + subprotocol)
        if origin is not None:
            lines.append("Origin: " + origin)
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        try:
            while b"\r\n\r\n" not in self.buf:
                chunk = self.sock.recv(4096)
                if not chunk:
                    break
                self.buf += chunk
        except ConnectionResetError:
            pass
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        m = re.match(rb"HTTP/1\.[01] (\d{3})", head)
        self.status = int(m.group(1)) if m else None
        if self.status != 101:
            self.sock.close()
            raise HandshakeRefused(self.status, head)

    @property
    def local_port(self):
        return self.sock.getsockname()[1]

    # --- sending

    def send_bytes(self, data):
        """Frames already built; a connection the server already closed is no error."""
        try:
            self.sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def send_json(self, msg):
        self.send_bytes(ws_json_frame(msg))

    # --- receiving, synchronously

    def _fill(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(262144)
            if not chunk:
                raise EOFError("connection closed (%d bytes pending)" % len(self.buf))
            self.buf += chunk

    def recv_frame(self):
        """(opcode, payload) of the next server frame. Restartable after a
        socket timeout: nothing is consumed until a whole frame is there."""
        self._fill(2)
        b1 = self.buf[1]
        n, off = b1 & 0x7F, 2
        if n == 126:
            self._fill(4)
            n, off = struct.unpack("!H", self.buf[2:4])[0], 4
        elif n == 127:
            self._fill(10)
            n, off = struct.unpack("!Q", self.buf[2:10])[0], 10
        assert not b1 & 0x80, "a server frame must not be masked"
        self._fill(off + n)
        op, payload = self.buf[0] & 0x0F, self.buf[off:off + n]
        self.fin = bool(self.buf[0] & 0x80)
        self.buf = self.buf[off + n:]
        return op, payload

    def recv(self):
        """The next text message as JSON; EOFError at the close frame or the end."""
        while True:
            op, payload = self.recv_frame()
            if op == 0x1 and not self.fin:  # a message in several frames
                self.parts = payload
                continue
            if op == 0x0:
                self.parts += payload
                if not self.fin:
                    continue
                op, payload = 0x1, self.parts
            if op == 0x1:
                return json.loads(payload.decode("utf-8"))
            if op == 0x8:
                self._closed_with(payload)
                raise EOFError("close frame %s %r" % (self.close_code, self.close_reason))
            if op == 0x9:
                self.send_bytes(ws_frame(payload, 0xA))

    def _closed_with(self, payload):
        self.close_code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
        self.close_reason = payload[2:].decode("utf-8", "replace")

    def until_closed(self, timeout=TIMEOUT):
        """Every message until the server's close frame or the end of the
        connection; close_code is then the status (None if there was none)."""
        self.sock.settimeout(timeout)
        got = []
        try:
            while True:
                got.append(self.recv())
        except (EOFError, ConnectionResetError):
            pass
        except socket.timeout:
            raise AssertionError("the server did not close within %ss (%d messages, last %s)"
                                 % (timeout, len(got), got[-1:]))
        return got

    def reply(self, rid, timeout=TIMEOUT):
        self.sock.settimeout(timeout)
        while True:
            m = self.recv()
            if m.get("type") != "event" and m.get("id") == rid:
                return m

    def hello(self, token):
        """Say hello and wait for the welcome (synchronously: before start_reading)."""
        self.send_json({"type": "hello", "id": "hello", "body": {"token": token}})
        r = self.reply("hello")
        assert r["type"] == "welcome", r
        return r["body"]

    # --- receiving, in a thread

    def start_reading(self):
        self.sock.settimeout(0.2)
        self._reader = threading.Thread(target=self._read, daemon=True, name="rawws-reader")
        self._reader.start()
        return self

    def _read(self):
        while not self._stop.is_set():
            try:
                op, payload = self.recv_frame()
            except socket.timeout:
                continue
            except (EOFError, OSError):
                break
            t = time.monotonic()
            if op == 0x1:
                msg = json.loads(payload)
                self.messages.append((t, msg))
                if msg.get("type") != "event" and "id" in msg:
                    with self._cond:
                        self._replies[msg["id"]] = msg
                        self._cond.notify_all()
            elif op == 0x8:
                self._closed_with(payload)
                break
            elif op == 0x9:
                self.send_bytes(ws_frame(payload, 0xA))
        self.ended_at = time.monotonic()
        with self._cond:
            self._cond.notify_all()

    def wait_reply(self, rid, timeout=TIMEOUT):
        """The reply with this id, as read by the reading thread."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while rid not in self._replies:
                left = deadline - time.monotonic()
                if left <= 0 or (self.ended_at and rid not in self._replies):
                    raise AssertionError("no reply %r within %ss (connection %s)"
                                         % (rid, timeout, "ended" if self.ended_at else "open"))
                self._cond.wait(left)
            return self._replies.pop(rid)

    def events(self):
        return [m["event"] for _, m in self.messages if m.get("type") == "event"]

    def close(self):
        self._stop.set()
        try:
            self.sock.close()
        except OSError:
            pass
        if self._reader:
            self._reader.join(2)


# ---------------------------------------------------------------- latency


def percentile(values, p):
    """Nearest-rank percentile of a non-empty list."""
    s = sorted(values)
    k = max(0, min(len(s) - 1, -(-p * len(s) // 100) - 1))
    return s[k]


class LatencyProbe:
    """The chair sends meeting.configure every 100 ms, each with a speaking_time of
    its own; a member receives meeting.configured. The delay from send to arrival
    is one sample, labelled with the phase at send time.

        with LatencyProbe(meeting) as probe:
            probe.run_for(1.0, "quiet")
            probe.phase = "abuse"
            ...
        probe.check("flood")  # prints the figures, asserts nothing lost and p99
    """

    def __init__(self, meeting, chair="chair", member="member0"):
        self.m = meeting
        port = meeting.server.port
        self.chair = RawWS(port, meeting.id)
        self.chair.hello(meeting.token(chair))
        self.member = RawWS(port, meeting.id)
        self.member.hello(meeting.token(member))
        meeting.wait_present(chair)
        meeting.wait_present(member)
        self.chair.start_reading()
        self.member.start_reading()
        self.phase = "quiet"
        self.sent = {}  # speaking_time -> (t0, phase)
        self.acks = {}  # speaking_time -> delay of the chair's ok (s)
        self.failures = []
        self._stop = threading.Event()
        self._thread = None

    def __enter__(self):
        self._thread = threading.Thread(target=self._run, daemon=True, name="latency-probe")
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def close(self):
        self.chair.close()
        self.member.close()

    def _run(self):
        i = 0
        nxt = time.monotonic()
        while not self._stop.is_set():
            st = 100 + i  # unique: names the event this send produces
            rid = "probe%d" % i
            frame = ws_json_frame({"type": "meeting.configure", "id": rid,
                                   "key": "probe-%d-%s" % (i, os.urandom(3).hex()), "body": {"speaking_time": st}})
            t0 = time.monotonic()
            self.sent[st] = (t0, self.phase)
            self.chair.send_bytes(frame)
            try:
                r = self.chair.wait_reply(rid)
            except AssertionError as e:
                self.failures.append("configure %d: %s" % (i, e))
                return
            if r["type"] != "ok":
                self.failures.append("configure %d: %s" % (i, r))
                return
            self.acks[st] = time.monotonic() - t0
            i += 1
            nxt += PROBE_PERIOD
            self._stop.wait(max(0.0, nxt - time.monotonic()))

    def run_for(self, seconds, phase):
        self.phase = phase
        time.sleep(seconds)

    def stop(self, settle=1.0):
        if self._thread and self._thread.is_alive():
            self._stop.set()
            self._thread.join(TIMEOUT + 1)
        deadline = time.monotonic() + settle  # the last events may still be on their way
        while time.monotonic() < deadline and len(self._received()) < len(self.sent):
            time.sleep(0.02)

    def _received(self):
        got = {}
        for t, msg in list(self.member.messages):
            if msg.get("type") == "event" and msg["event"]["type"] == "meeting.configured":
                got.setdefault(msg["event"]["body"]["speaking_time"], t)
        return got

    def stats(self, phase):
        got = self._received()
        mine = {st: t0 for st, (t0, ph) in list(self.sent.items()) if ph == phase}
        lat = [(got[st] - t0) * 1000 for st, t0 in mine.items() if st in got]
        acks = [self.acks[st] * 1000 for st in mine if st in self.acks]
        out = {"n": len(lat), "lost": len(mine) - len(lat)}
        if lat:
            out.update(p50=percentile(lat, 50), p99=percentile(lat, 99), max=max(lat),
                       ack_p99=percentile(acks, 99) if acks else float("nan"))
        return out

    def report(self, label):
        """Print the figures of every phase; returns them."""
        phases = []
        for _, ph in list(self.sent.values()):
            if ph not in phases:
                phases.append(ph)
        figures = {}
        for ph in phases:
            s = figures[ph] = self.stats(ph)
            if s["n"]:
                print("[latency] %-16s %-6s n=%3d lost=%d  p50=%6.1f ms  p99=%6.1f ms  max=%6.1f ms"
                      "  (chair's ok p99 %.1f ms)" % (label, ph, s["n"], s["lost"], s["p50"], s["p99"], s["max"],
                                                     s["ack_p99"]))
            else:
                print("[latency] %-16s %-6s n=0 lost=%d" % (label, ph, s["lost"]))
        return figures

    def check(self, label, phase="abuse", p99_ms=250.0, min_samples=10):
        """Stop; print the figures; assert that the chair's commands all succeeded,
        that the member got every event, dense in seq order, and that the phase's
        p99 is under p99_ms."""
        self.stop()
        figures = self.report(label)
        assert not self.failures, "the chair's commands failed: %s" % self.failures
        s = figures.get(phase)
        assert s and s["n"] >= min_samples, "too few samples during %s: %s" % (phase, s)
        for ph, f in figures.items():
            assert f["lost"] == 0, "the member missed %d of the events sent during %s" % (f["lost"], ph)
        assert self.member.ended_at is None, "the well-behaved member was disconnected (%s %r)" % (
            self.member.close_code, self.member.close_reason)
        seqs = [e["seq"] for e in self.member.events()]
        assert seqs == list(range(seqs[0], seqs[0] + len(seqs))), "the member's events are not dense"
        if thread_sanitized(self.m.server):
            p99_ms *= 5  # every memory access checked: several times slower, the same behaviour
        # Another suite or a build beside this one (the load is more than
        # the cores): the server, the abuser and the probe wait for the CPU
        # too; what is checked is that nobody waits for the abuser alone.
        p99_ms *= load_factor()
        assert s["p99"] < p99_ms, "p99 latency during %s: %.1f ms (limit %.0f ms): %s" % (phase, s["p99"], p99_ms, s)
        self.close()
        return figures


# ---------------------------------------------------------------- abuse in the background


class Background:
    """Run fn() over and over in a thread until stopped, `pause` seconds apart
    (a few hundred connections a second at most: enough to abuse, not so many
    that the machine runs short of ports); keeps what each call returns, and
    the exceptions raised."""

    def __init__(self, fn, name="abuser", pause=0.005):
        self.fn = fn
        self.pause = pause
        self.results = []
        self.errors = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name=name)

    def _run(self):
        while not self._stop.is_set():
            try:
                self.results.append(self.fn())
            except Exception as e:  # noqa: BLE001 - reported by the test
                self.errors.append(e)
            self._stop.wait(self.pause)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def stop(self):
        self._stop.set()
        self._thread.join(TIMEOUT * 2)
        assert not self._thread.is_alive(), "the abusing thread did not stop"


# ---------------------------------------------------------------- the server


def metrics(server):
    """/metrics as {name: value} (lines without labels only)."""
    r = http_request(server.port, "GET", "/metrics")
    assert r.status == 200, r
    out = {}
    for line in r.text().splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            if "{" not in name:
                out[name] = float(value)
    return out


def vm_rss(server):
    """VmRSS of the server process, in bytes."""
    with open("/proc/%d/status" % server.proc.pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS for pid %d" % server.proc.pid)


def sanitized(server):
    """Does the server run with AddressSanitizer (whose quarantine makes its RSS meaningless)?"""
    with open("/proc/%d/maps" % server.proc.pid) as f:
        return any("libasan" in line or "libtsan" in line for line in f)


def thread_sanitized(server):
    """Does the server run with ThreadSanitizer?"""
    with open("/proc/%d/maps" % server.proc.pid) as f:
        return any("libtsan" in line for line in f)


TCP_STATES = {1: "ESTABLISHED", 2: "SYN_SENT", 3: "SYN_RECV", 4: "FIN_WAIT1", 5: "FIN_WAIT2", 6: "TIME_WAIT",
              7: "CLOSE", 8: "CLOSE_WAIT", 9: "LAST_ACK", 10: "LISTEN", 11: "CLOSING"}


def tcp_state(server_port, client_port):
    """The state of the server's end of the TCP connection to client_port
    (from /proc/net/tcp and tcp6), or None once the kernel has forgotten it."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                next(f)
                for line in f:
                    fields = line.split()
                    local, remote, st = fields[1], fields[2], fields[3]
                    if (int(local.rsplit(":", 1)[1], 16) == server_port
                            and int(remote.rsplit(":", 1)[1], 16) == client_port):
                        return TCP_STATES.get(int(st, 16), st)
        except OSError:
            continue
    return None


def wait_for(pred, timeout=TIMEOUT, step=0.05, what="condition"):
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        assert time.monotonic() < deadline, "%s not met within %ss" % (what, timeout)
        time.sleep(step)


# ---------------------------------------------------------------- local addresses


class LocalAddresses:
    """Extra IPv4 addresses on the loopback interface (needs CAP_NET_ADMIN):
    a client bound to one reaches 127.0.0.1 from an address that is not
    loopback to the server. Only the addresses added here are removed after;
    why_not says why they could not be had."""

    LOCK = "/tmp/concerto-tests-local-addresses.lock"

    def __init__(self, *addrs):
        self.addrs = addrs
        self.added = []
        self.why_not = None
        self.lock = None

    def __enter__(self):
        # Another test run beside this one (the machine is shared) adds and
        # removes the same addresses: one run holds them at a time.
        self.lock = open(self.LOCK, "a")
        fcntl.flock(self.lock, fcntl.LOCK_EX)
        for a in self.addrs:
            if self._usable(a):
                continue
            try:
                r = subprocess.run(["ip", "addr", "add", a + "/32", "dev", "lo"], capture_output=True, text=True,
                                   timeout=5)
            except (OSError, subprocess.SubprocessError) as e:
                self.why_not = "cannot run ip: %s" % e
                break
            if r.returncode == 0:
                self.added.append(a)
            if not self._usable(a):
                self.why_not = "cannot use %s as a source address (ip addr add: %s)" % (a, r.stderr.strip() or "ok")
                break
        return self

    def __exit__(self, *exc):
        for a in self.added:
            subprocess.run(["ip", "addr", "del", a + "/32", "dev", "lo"], capture_output=True, timeout=5)
        self.lock.close()  # and with it the lock

    @staticmethod
    def _usable(a):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind((a, 0))
                return True
            except OSError:
                return False
