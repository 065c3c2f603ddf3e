# SPDX-License-Identifier: AGPL-3.0-or-later
"""Drive the real concerto binary over loopback.

- Server: one `concerto serve` process on a free port, with its own database,
  key and captured stderr; knows every token it issued so a test can check
  that none of them reached the log.
- Api: the HTTP API through http.client (raw paths are sent as written).
- Client: a WebSocket client with a blocking interface over one shared asyncio
  loop thread. Every message it receives is validated against
  proto/schemas/server.json as it arrives; every well-formed message it sends
  against client.json. Schema errors are collected and fail the test.
- make_meeting: a commission, its roster, a meeting and everyone's invitation.
- chain_verify: the hash chain of PROTOCOL.md 5.2, recomputed in Python.
"""
import asyncio
import base64
import hashlib
import http.client
import itertools
import json
import os
import pathlib
import queue
import re
import signal
import socket
import struct
import subprocess
import threading
import time

import jsonschema
import websockets
import websockets.client

REPO = pathlib.Path(__file__).resolve().parents[2]
BIN = os.environ.get("CONCERTO_BIN", str(REPO / "build" / "concerto"))
# --threads for every server the suite starts (unless a test sets its own).
THREADS = os.environ.get("CONCERTO_TEST_THREADS", "2")
# --event-loop for every server the suite starts (unless a test sets its own);
# empty: the server's default.
EVENT_LOOP = os.environ.get("CONCERTO_TEST_EVENT_LOOP", "")
WEB = os.environ.get("CONCERTO_WEB", str(REPO / "web"))
SCHEMAS = REPO / "proto" / "schemas"

TIMEOUT = 5.0
ZERO_HASH = "0" * 64
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{43}$")


# ---------------------------------------------------------------- schemas


class Schemas:
    """All proto/schemas/*.json, keyed by $id; validation is serialised by a lock
    because RefResolver keeps per-call state."""

    def __init__(self):
        self.store = {}
        for p in sorted(SCHEMAS.glob("*.json")):
            s = json.loads(p.read_text("utf-8"))
            self.store[s["$id"]] = s
        self._validators = {}
        self._lock = threading.Lock()

    def validator(self, name):
        v = self._validators.get(name)
        if v is None:
            s = self.store[name]
            resolver = jsonschema.RefResolver.from_schema(s, store=self.store)
            v = jsonschema.Draft202012Validator(s, resolver=resolver)
            self._validators[name] = v
        return v

    def errors(self, name, instance):
        with self._lock:
            v = self.validator(name)
            return [
                "%s at /%s: %s" % (name, "/".join(map(str, e.absolute_path)), e.message)
                for e in v.iter_errors(instance)
            ]

    def check(self, name, instance):
        errs = self.errors(name, instance)
        assert not errs, "%s\nin %s" % ("\n".join(errs), json.dumps(instance, ensure_ascii=False)[:2000])


SCHEMA = Schemas()


# ---------------------------------------------------------------- hash chain


def canonical(body):
    """The canonical JSON of PROTOCOL.md 5.2: sorted keys, compact, UTF-8 unescaped."""
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def chain_link(prev_hex, ev):
    pre = "\n".join(
        [ev["meeting"], str(ev["seq"]), str(ev["ts"]), ev["actor"], ev["type"], canonical(ev["body"])]
    )
    return hashlib.blake2b(bytes.fromhex(prev_hex) + pre.encode("utf-8"), digest_size=32).hexdigest()


def chain_verify(events, prev_hex=ZERO_HASH, first_seq=None):
    """Assert that events are dense from first_seq (default: whatever the first is)
    and that each hash is the link from the previous one. Returns the last hash."""
    if first_seq is not None and events:
        assert events[0]["seq"] == first_seq, "chain starts at %d, expected %d" % (events[0]["seq"], first_seq)
    h = prev_hex
    for i, ev in enumerate(events):
        if i:
            assert ev["seq"] == events[i - 1]["seq"] + 1, "seq gap: %d after %d" % (ev["seq"], events[i - 1]["seq"])
        want = chain_link(h, ev)
        assert ev["hash"] == want, "hash of seq %d (%s) is %s, recomputed %s" % (ev["seq"], ev["type"], ev["hash"], want)
        h = ev["hash"]
    return h


# ---------------------------------------------------------------- server


def load_factor():
    """How much slower than usual a timing may be on this machine now: 1, or
    more when other work beside the suite keeps the cores busier than they
    are many (load average over 1.5 per core), up to 3. For the few checks
    that are about time itself."""
    busy = os.getloadavg()[0] / (os.cpu_count() or 1)
    return min(max(busy / 1.5, 1.0), 3.0)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_cli(*args, timeout=10):
    """Run the binary to completion; returns CompletedProcess with text output."""
    return subprocess.run([BIN, *args], capture_output=True, text=True, timeout=timeout)


class ServerFailed(Exception):
    pass


class Server:
    _count = itertools.count()

    def __init__(self, workdir, web=None, env=None):
        self.env = env  # the server's environment (None: this process's)
        self.dir = pathlib.Path(workdir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.db = self.dir / "concerto.db"
        self.key = self.dir / "concerto.key"
        self.web = pathlib.Path(web or WEB)
        self.port = None
        self.proc = None
        self.admin_token = None
        self.tokens = set()  # every token issued, for the log check
        self.stdout_lines = []
        self.stderr_paths = []
        self.crashes = []  # exit statuses of unexpected deaths
        self._ready = None

    # --- lifecycle

    def init(self):
        r = run_cli("init", "--db", str(self.db))
        assert r.returncode == 0, "concerto init failed (%d): %s" % (r.returncode, r.stderr)
        m = re.search(r"^admin token: (\S+)\s*$", r.stdout, re.M)
        assert m, "no 'admin token: TOKEN' line in: %r" % r.stdout
        self.admin_token = m.group(1)
        self.tokens.add(self.admin_token)
        return self.admin_token

    def start(self, *extra, port=None, attempts=3):
        for attempt in range(attempts):
            self.port = port or free_port()
            try:
                self._spawn(extra)
                return self
            except ServerFailed:
                if port or attempt == attempts - 1:
                    raise

    def _spawn(self, extra):
        n = next(Server._count)
        errpath = self.dir / ("stderr.%d.log" % n)
        self.stderr_paths.append(errpath)
        if "--threads" not in extra:
            # Two loops at least, whatever the machine: the paths between
            # threads are tested on a one-core machine too.
            extra = (*extra, "--threads", THREADS)
        if EVENT_LOOP and "--event-loop" not in extra:
            extra = (*extra, "--event-loop", EVENT_LOOP)
        cmd = [
            BIN, "serve", "--listen", "127.0.0.1:%d" % self.port, "--db", str(self.db),
            "--web", str(self.web), "--key", str(self.key), *extra,
        ]
        self._errfile = open(errpath, "wb")
        self.proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=self._errfile, stdin=subprocess.DEVNULL,
            text=True, encoding="utf-8", env=self.env,
        )
        self._ready = threading.Event()
        self._lines_start = len(self.stdout_lines)
        threading.Thread(target=self._read_stdout, args=(self.proc, self._ready), daemon=True).start()
        deadline = time.monotonic() + 10
        while not self._ready.wait(0.02):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.proc.kill()
                self.proc.wait()
                self._errfile.close()
                raise ServerFailed(
                    "server did not become ready (rc %s): stdout %r stderr %r"
                    % (self.proc.returncode, "".join(self.stdout_lines[self._lines_start:]), errpath.read_text("utf-8", "replace"))
                )
        for line in self.stdout_lines[self._lines_start:]:
            if line.startswith("admin token: "):
                self.admin_token = line.split(": ", 1)[1].strip()
                self.tokens.add(self.admin_token)
            for tok in re.findall(r"#t=([A-Za-z0-9_-]+)", line):
                self.tokens.add(tok)

    def _read_stdout(self, proc, ready):
        for line in proc.stdout:
            self.stdout_lines.append(line)
            if line.startswith("ready: "):
                ready.set()

    def output_since_start(self):
        return self.stdout_lines[self._lines_start:]

    def stop(self, timeout=5):
        """SIGTERM; returns the exit status."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("server did not stop within %ss of SIGTERM" % timeout)
        finally:
            self._errfile.close()
        return rc

    def kill(self):
        """SIGKILL: a crash, nothing flushed by the process itself."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(5)
        self._errfile.close()

    def restart(self, *extra):
        self.stop()
        return self.start(*extra)

    def stderr_text(self):
        return "".join(p.read_text("utf-8", "replace") for p in self.stderr_paths if p.exists())

    def leaked_tokens(self):
        log = self.stderr_text()
        return sorted(t for t in self.tokens if t and t in log)

    def sanitizer_reports(self):
        """The reports a sanitizer build wrote in the server's log (a data
        race does not stop a ThreadSanitizer build: it is found here)."""
        log = self.stderr_text()
        return [line for line in log.splitlines()
                if line.startswith(("WARNING: ThreadSanitizer", "ERROR: AddressSanitizer",
                                    "ERROR: LeakSanitizer"))
                or ": runtime error: " in line]

    # --- clients

    def api(self, token=None):
        return Api(self, self.admin_token if token is None else token)

    def client(self, meeting, **kw):
        return Client(self, meeting, **kw)


# ---------------------------------------------------------------- HTTP


class Response:
    def __init__(self, status, headers, data):
        self.status = status
        self.headers = headers  # http.client.HTTPMessage, case-insensitive
        self.data = data
        self._json = None

    @property
    def json(self):
        if self._json is None:
            self._json = json.loads(self.data.decode("utf-8"))
        return self._json

    @property
    def content_type(self):
        return (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()

    def text(self):
        return self.data.decode("utf-8", "replace")

    def __repr__(self):
        return "<%d %s %r>" % (self.status, self.content_type, self.data[:300])


def http_request(port, method, path, body=None, headers=None, timeout=TIMEOUT):
    """One request on a fresh connection; `path` goes on the wire as written."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        hdrs = dict(headers or {})
        if body is not None:
            hdrs.setdefault("Content-Length", str(len(body)))
        for k, v in hdrs.items():
            conn.putheader(k, v)
        conn.endheaders()
        if body is not None:
            try:
                conn.send(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the server may answer (413) before reading all of it
        r = conn.getresponse()
        return Response(r.status, r.headers, r.read())
    finally:
        conn.close()


class Api:
    """The HTTP API as one bearer. Every error answer is validated against
    http.error.json; a success against the schema the caller names. The admin
    helpers name their route's schema unless check=False (setup plumbing, so
    that one drifting answer fails its own test rather than every test)."""

    def __init__(self, server, token):
        self.server = server
        self.token = token

    def call(self, method, path, body=None, schema=None, expect=None, token=..., raw=None, headers=None):
        hdrs = dict(headers or {})
        tok = self.token if token is ... else token
        if tok:
            hdrs["Authorization"] = "Bearer " + tok
        data = raw
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            hdrs.setdefault("Content-Type", "application/json")
        r = http_request(self.server.port, method, path, data, hdrs)
        if r.status >= 400:
            assert r.content_type == "application/json", "error answer is not JSON: %r" % r
            SCHEMA.check("http.error.json", r.json)
        elif schema:
            assert r.content_type == "application/json", "answer is not JSON: %r" % r
            SCHEMA.check(schema, r.json)
        if expect is not None:
            assert r.status == expect, "%s %s: expected %d, got %r" % (method, path, expect, r)
        return r

    def error(self, method, path, status, code, **kw):
        r = self.call(method, path, **kw)
        assert r.status == status and r.json["error"]["code"] == code, (
            "%s %s: expected %d %s, got %r" % (method, path, status, code, r)
        )
        return r.json["error"]

    # --- admin helpers; each returns the decoded answer

    def create_commission(self, name, colleges, check=True):
        body = {"name": name, "colleges": colleges}
        SCHEMA.check("http.commission.request.json", body)
        return self.call("POST", "/api/commissions", body, check and "http.commission.json", 201).json

    def commission(self, cid, check=True):
        return self.call("GET", "/api/commissions/" + cid, None, check and "http.commission.detail.json", 200).json

    def add_member(self, cid, name, college, role, check=True):
        body = {"name": name, "college": college, "role": role}
        SCHEMA.check("http.member.request.json", body)
        return self.call("POST", "/api/commissions/%s/members" % cid, body, check and "http.member.json", 201).json

    def create_meeting(self, cid, title, date="2021-02-02T14:00", place="Lille", room="Salle 2", lang="fr",
                       check=True):
        body = {"commission": cid, "title": title, "date": date, "place": place, "room": room, "lang": lang}
        SCHEMA.check("http.meeting.request.json", body)
        return self.call("POST", "/api/meetings", body, check and "http.meeting.json", 201).json

    def snapshot(self, mid, check=True):
        return self.call("GET", "/api/meetings/" + mid, None, check and "snapshot.json", 200).json

    def invite(self, mid, participants=None, check=True):
        body = {} if participants is None else {"participants": participants}
        SCHEMA.check("http.invitations.request.json", body)
        invs = self.call("POST", "/api/meetings/%s/invitations" % mid, body, check and "http.invitations.json",
                         201).json
        for inv in invs["invitations"]:
            self.server.tokens.add(inv["token"])
        return invs["invitations"]

    def revoke(self, mid, pid):
        return self.call("DELETE", "/api/meetings/%s/invitations/%s" % (mid, pid), None, "http.revoked.json", 200).json


# ---------------------------------------------------------------- WebSocket

_loop = None
_loop_lock = threading.Lock()


def _event_loop():
    global _loop
    with _loop_lock:
        if _loop is None:
            _loop = asyncio.new_event_loop()
            threading.Thread(target=_loop.run_forever, daemon=True, name="ws-loop").start()
    return _loop


def _run(coro, timeout=TIMEOUT):
    return asyncio.run_coroutine_threadsafe(coro, _event_loop()).result(timeout)


class Closed(Exception):
    """The server closed the connection; .code is its close status (1006 if none)."""

    def __init__(self, code):
        super().__init__("connection closed by server with status %s" % code)
        self.code = code


_CLOSED = object()


class Client:
    """A WebSocket connection to one meeting, with a blocking interface.

    recv() returns messages in order; events are also appended to .events, so
    tests can wait for a seq or an event type and then look at what came."""

    registry = []  # every client of the running test, checked at teardown

    def __init__(self, server, meeting, subprotocol=True, path=None):
        self.server = server
        self.url = "ws://127.0.0.1:%d%s" % (server.port, path or "/ws?meeting=" + meeting)
        self.inbox = queue.Queue()
        self.messages = []
        self.events = []
        self.schema_errors = []
        self.schema_errors_raised = 0
        self.close_code = None
        self.welcome = None
        self._ids = itertools.count(1)
        self._keys = itertools.count(1)
        self._closed = False
        self.ws = _run(self._connect(["concerto.v1"] if subprotocol else None))
        Client.registry.append(self)

    async def _connect(self, subprotocols):
        ws = await websockets.client.connect(
            self.url, subprotocols=subprotocols, ping_interval=None, max_size=None,
            open_timeout=TIMEOUT, close_timeout=1, compression=None,
        )
        asyncio.ensure_future(self._read(ws))
        return ws

    async def _read(self, ws):
        try:
            async for raw in ws:
                self._accept(raw)
        except websockets.ConnectionClosed:
            pass
        except Exception as e:  # noqa: BLE001 - reported to the test
            self.schema_errors.append("reader failed: %r" % e)
        finally:
            self.close_code = ws.close_code
            self.inbox.put(_CLOSED)

    def _accept(self, raw):
        if isinstance(raw, bytes):
            self.schema_errors.append("binary frame from server: %r" % raw[:100])
            return
        try:
            msg = json.loads(raw)
        except ValueError:
            self.schema_errors.append("not JSON from server: %r" % raw[:300])
            return
        errs = SCHEMA.errors("server.json", msg)
        if errs:
            self.schema_errors.append("%s\nin %s" % ("\n".join(errs), raw[:2000]))
        self.inbox.put(msg)

    # --- receiving

    def recv(self, timeout=TIMEOUT):
        try:
            item = self.inbox.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError("no message within %ss (received so far: %s)" % (timeout, _brief(self.messages[-5:])))
        if item is _CLOSED:
            self.inbox.put(_CLOSED)
            self._closed = True
            raise Closed(self.close_code)
        if len(self.schema_errors) > self.schema_errors_raised:
            new = self.schema_errors[self.schema_errors_raised:]
            self.schema_errors_raised = len(self.schema_errors)
            raise AssertionError("server message does not match its schema:\n" + "\n".join(new))
        self.messages.append(item)
        if item.get("type") == "event":
            self.events.append(item["event"])
        return item

    def reply(self, rid, timeout=TIMEOUT):
        """The next ok/error/welcome/pong with this id; events before it are kept."""
        deadline = time.monotonic() + timeout
        while True:
            m = self.recv(max(0.01, deadline - time.monotonic()))
            if m["type"] != "event" and m.get("id") == rid:
                return m

    def next_reply(self, timeout=TIMEOUT):
        """The next reply (not an event, nor a count, attendance or speakers
        message, which come unasked), whatever its id."""
        deadline = time.monotonic() + timeout
        while True:
            m = self.recv(max(0.01, deadline - time.monotonic()))
            if m["type"] not in ("event", "count", "attendance", "speakers"):
                return m

    def position(self):
        """(seq, hash) of the last event this client knows: its last event, else
        its welcome (hash None after a resume welcome with no event yet)."""
        if self.events:
            return self.events[-1]["seq"], self.events[-1]["hash"]
        w = self.welcome
        return w["seq"], w["snapshot"]["head"] if "snapshot" in w else None

    def wait_seq(self, seq, timeout=TIMEOUT):
        """Receive until the client knows event `seq`; returns all events so far."""
        deadline = time.monotonic() + timeout
        while self.position()[0] < seq:
            self.recv(max(0.01, deadline - time.monotonic()))
        return self.events

    def wait_event(self, type, timeout=TIMEOUT, after=0, **body):
        """The first event of `type` (body fields matching) with seq > after."""
        deadline = time.monotonic() + timeout
        seen = 0
        while True:
            for ev in self.events[seen:]:
                if ev["type"] == type and ev["seq"] > after and all(ev["body"].get(k) == v for k, v in body.items()):
                    return ev
            seen = len(self.events)
            self.recv(max(0.01, deadline - time.monotonic()))

    def drain(self, quiet=0.3):
        """Receive until nothing arrives for `quiet` seconds; returns what came."""
        got = []
        while True:
            try:
                got.append(self.recv(quiet))
            except AssertionError as e:
                if "no message within" in str(e):
                    return got
                raise

    def wait_closed(self, timeout=TIMEOUT):
        """Receive until the server closes; returns (close status, messages before)."""
        deadline = time.monotonic() + timeout
        got = []
        try:
            while True:
                got.append(self.recv(max(0.01, deadline - time.monotonic())))
        except Closed as c:
            return c.code, got

    # --- sending

    def send_raw(self, data):
        """Send text (str) or binary (bytes) exactly as given, schema or not. The
        server may close the connection before it has all: that is no error here."""
        try:
            _run(self.ws.send(data))
        except websockets.ConnectionClosed:
            pass

    def send_fragments(self, parts):
        """One text message sent as len(parts) WebSocket frames (continuations).
        The server may close the connection before it has all: that is no error here."""
        try:
            _run(self.ws.send(iter(parts)))
        except websockets.ConnectionClosed:
            pass

    def send(self, msg):
        SCHEMA.check("client.json", msg)
        self.send_raw(json.dumps(msg, ensure_ascii=False))

    def new_key(self):
        return "k%d-%s" % (next(self._keys), os.urandom(4).hex())

    def request(self, type, body=None, key=None, timeout=TIMEOUT):
        """Send a command with a fresh id and return its reply (ok or error)."""
        rid = next(self._ids)
        msg = {"type": type, "id": rid}
        if key is not None:
            msg["key"] = key
        if body is not None:
            msg["body"] = body
        self.send(msg)
        return self.reply(rid, timeout)

    def pipeline(self, types, timeout=TIMEOUT * 4):
        """Send many state-changing commands at once, then collect their replies in
        order. Mind the message rate of one connection: 40 at once at most."""
        ids = []
        for t in types:
            rid = next(self._ids)
            ids.append(rid)
            self.send({"type": t, "id": rid, "key": self.new_key()})
        return [self.reply(rid, timeout) for rid in ids]

    def hello(self, token, since=None, expect="welcome"):
        body = {"token": token}
        if since is not None:
            body["since"] = since
        r = self.request("hello", body)
        assert r["type"] == expect, "hello: expected %s, got %s" % (expect, r)
        if expect == "welcome":
            self.welcome = r["body"]
        return r["body"]

    def command(self, type, body=None, key=None):
        """A state-changing command that must succeed; returns the ok body."""
        r = self.request(type, body, key or self.new_key())
        assert r["type"] == "ok", "%s: expected ok, got %s" % (type, r)
        return r["body"]

    def error(self, type, code, body=None, key=..., timeout=TIMEOUT):
        """A command that must fail with `code`; returns the error body."""
        r = self.request(type, body, self.new_key() if key is ... else key, timeout)
        assert r["type"] == "error" and r["body"]["code"] == code, "%s: expected error %s, got %s" % (type, code, r)
        return r["body"]

    def ping(self):
        r = self.request("ping")
        assert r["type"] == "pong", r
        return r

    def close(self):
        if not self._closed:
            self._closed = True
            try:
                _run(self.ws.close(), 3)
            except Exception:  # noqa: BLE001 - already gone is fine
                pass


class RawSocket:
    """A WebSocket spoken by hand over a plain socket: for what a client library
    would not send, and to read every byte the server wrote even after it has
    stopped reading (a library aborts on the first failed write)."""

    def __init__(self, server, meeting):
        self.sock = socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((
            "GET /ws?meeting=%s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n"
            "Sec-WebSocket-Protocol: concerto.v1\r\n\r\n" % (meeting, server.port, key)).encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            assert chunk, "no upgrade answer"
            head += chunk
        assert head.startswith(b"HTTP/1.1 101"), head[:200]
        self.buf = head.split(b"\r\n\r\n", 1)[1]

    @staticmethod
    def frame(opcode, payload, fin=True):
        mask = os.urandom(4)
        n = len(payload)
        b0 = (0x80 if fin else 0) | opcode
        if n < 126:
            hdr = struct.pack("!BB", b0, 0x80 | n)
        elif n < 65536:
            hdr = struct.pack("!BBH", b0, 0x80 | 126, n)
        else:
            hdr = struct.pack("!BBQ", b0, 0x80 | 127, n)
        return hdr + mask + bytes(c ^ mask[i % 4] for i, c in enumerate(payload))

    def send_text(self, parts):
        """One text message in len(parts) frames; False if the server stopped reading."""
        try:
            for i, p in enumerate(parts):
                self.sock.sendall(self.frame(0x1 if i == 0 else 0x0, p.encode(), fin=i == len(parts) - 1))
            return True
        except OSError:
            return False

    def read_all(self):
        """Everything the server sent until it closed: ([messages], close status or None)."""
        data = self.buf
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    break
                data += chunk
        except OSError:
            pass
        msgs, code, parts = [], None, None
        while len(data) >= 2:
            fin, op, n = data[0] & 0x80, data[0] & 0x0F, data[1] & 0x7F
            off = 2
            if n == 126:
                n, off = struct.unpack("!H", data[2:4])[0], 4
            elif n == 127:
                n, off = struct.unpack("!Q", data[2:10])[0], 10
            payload, data = data[off:off + n], data[off + n:]
            if op in (0x1, 0x0):  # a text message may come in several frames
                parts = payload if op == 0x1 else parts + payload
                if fin:
                    msgs.append(json.loads(parts))
            elif op == 0x8:
                code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
        return msgs, code

    def close(self):
        self.sock.close()


def _brief(msgs):
    return [json.dumps(m, ensure_ascii=False)[:200] for m in msgs]


# ---------------------------------------------------------------- a meeting

ROSTER = [
    # name, college, role: names exercise the canonical JSON of 5.2
    ("Claire Vasseur", "", "chair"),
    ("Paul Lefèvre", "", "secretary"),
    ("Zoé L’Hermitte", "bailleurs", "member"),
    ('Marc "Le Quai" Dubois', "bailleurs", "member"),
    ("Fatima Benali", "locataires", "member"),
    ("Jean/Pierre Roux \\ fils", "locataires", "member"),
    ("Anne Mercier", "", "observer"),
]


class Meeting:
    """A meeting made through the HTTP API, with everyone's invitation.

    who: "chair", "secretary", "observer", "member0".."member3" -> participant id.
    tokens: participant id -> token. snapshot: as returned right after creation."""

    def __init__(self, server, title="Séance plénière — bilan 2020 / feuille de route 2021", roster=ROSTER,
                 colleges=("bailleurs", "locataires"), lang="fr"):
        self.server = server
        api = server.api()
        self.commission = api.create_commission("CCR Hauts-de-France", list(colleges), check=False)
        for name, college, role in roster:
            api.add_member(self.commission["id"], name, college, role, check=False)
        made = api.create_meeting(self.commission["id"], title, lang=lang, check=False)
        self.id = made["meeting"]["id"]  # the snapshot of the new meeting; test_http checks its shape
        self.snapshot = api.snapshot(self.id, check=False)
        self.meeting = self.snapshot["meeting"]
        self.participants = {p["id"]: p for p in self.snapshot["participants"]}
        self.who = {}
        n = 0
        for p in self.snapshot["participants"]:
            if p["role"] == "member":
                self.who["member%d" % n] = p["id"]
                n += 1
            else:
                self.who.setdefault(p["role"], p["id"])
        self.tokens = {inv["participant"]: inv["token"] for inv in api.invite(self.id, check=False)}
        self.links = {}

    def token(self, who):
        return self.tokens[self.who.get(who, who)]

    def pid(self, who):
        return self.who[who]

    def connect(self, who, since=None, settle=True):
        """A client of `who` that has said hello and got its welcome. With settle,
        returns once the server shows `who` present, i.e. once their
        participant.joined (if this was their first connection) is committed."""
        c = Client(self.server, self.id)
        c.hello(self.token(who), since)
        if settle:
            self.wait_present(who)
        return c

    def pipeline(self, who, types, batch=30):
        """Many state-changing commands of `who`, applied in order and pipelined,
        each batch on a fresh connection of theirs so as to stay within the
        message rate of one connection (PROTOCOL.md 4). Returns the replies."""
        replies = []
        for i in range(0, len(types), batch):
            c = self.connect(who, settle=False)
            replies += c.pipeline(types[i:i + batch])
            c.close()
        return replies

    def wait_present(self, who, present=True, timeout=TIMEOUT):
        """Poll the snapshot until `who` is (or is no longer) present; returns it."""
        pid = self.who.get(who, who)
        deadline = time.monotonic() + timeout
        while True:
            snap = self.server.api().snapshot(self.id, check=False)
            if any(p["id"] == pid and p["present"] == present for p in snap["participants"]):
                return snap
            assert time.monotonic() < deadline, "%s never became %spresent" % (who, "" if present else "not ")
            time.sleep(0.01)

    def head(self):
        return self.server.api().snapshot(self.id)["seq"]


def make_meeting(server, **kw):
    return Meeting(server, **kw)
