# SPDX-License-Identifier: AGPL-3.0-or-later
"""The deployment files of deploy/: the systemd unit as systemd reads it and as
the binary runs it, install.sh, and deploy/nginx/concerto.conf run for real
with TLS in front of a server (nothing installed system-wide)."""
import asyncio
import http.client
import json
import os
import re
import shlex
import shutil
import socket
import ssl
import subprocess

import pytest
import websockets

import harness
import nginx_harness
from harness import http_request, make_meeting

UNIT = harness.REPO / "deploy" / "concerto.service"
INSTALL = harness.REPO / "deploy" / "install.sh"
SYSTEMD_ANALYZE = shutil.which("systemd-analyze")


def unit_text():
    return UNIT.read_text("utf-8")


def unit_values(key):
    return [m.group(1).strip() for m in re.finditer(r"^%s=(.*)$" % re.escape(key), unit_text(), re.M)]


@pytest.fixture
def unit_copy(tmp_path, binary):
    """The unit with ExecStart on a copy of the binary (systemd-analyze checks that it exists)."""
    exe = tmp_path / "concerto"
    shutil.copy(binary, exe)
    text = unit_text()
    assert text.count("\nExecStart=/usr/local/bin/concerto serve") == 1
    path = tmp_path / "concerto.service"
    path.write_text(text.replace("ExecStart=/usr/local/bin/concerto", "ExecStart=%s" % exe))
    return path


# ---------------------------------------------------------------- systemd


@pytest.mark.skipif(not SYSTEMD_ANALYZE, reason="systemd-analyze is not installed")
def test_the_unit_passes_systemd_analyze_verify_without_a_warning(unit_copy):
    r = subprocess.run([SYSTEMD_ANALYZE, "verify", str(unit_copy)], capture_output=True, text=True, timeout=60)
    out = r.stdout + r.stderr
    assert r.returncode == 0, out
    assert "concerto.service" not in out, "systemd-analyze verify complains:\n" + out


@pytest.mark.skipif(not SYSTEMD_ANALYZE, reason="systemd-analyze is not installed")
def test_the_unit_is_hardened_by_systemd_analyze_security(unit_copy):
    r = subprocess.run([SYSTEMD_ANALYZE, "security", "--offline=yes", "--no-pager", str(unit_copy)],
                       capture_output=True, text=True, timeout=60)
    out = r.stdout + r.stderr
    m = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", out)
    assert m, out
    assert float(m.group(1)) <= 2.0, "exposure %s:\n%s" % (m.group(1), out)


def test_the_unit_runs_as_a_dedicated_user_with_state_directory_and_restart():
    assert unit_values("User") == ["concerto"] or unit_values("DynamicUser") == ["yes"]
    assert unit_values("StateDirectory") == ["concerto"]
    assert unit_values("Restart") == ["on-failure"]
    for key, value in [("ProtectSystem", "strict"), ("PrivateTmp", "yes"), ("NoNewPrivileges", "yes"),
                       ("ProtectHome", "yes"), ("PrivateDevices", "yes"), ("MemoryDenyWriteExecute", "yes"),
                       ("RestrictAddressFamilies", "AF_INET AF_INET6 AF_UNIX AF_NETLINK"), ("CapabilityBoundingSet", "")]:
        assert unit_values(key) == [value], key
    assert "@system-service" in unit_values("SystemCallFilter")
    exec_start = shlex.split(unit_values("ExecStart")[0])
    assert exec_start[:2] == ["/usr/local/bin/concerto", "serve"]
    opts = dict(zip(exec_start[2::2], exec_start[3::2]))
    assert opts == {"--listen": "127.0.0.1:8080", "--db": "/var/lib/concerto/concerto.db",
                    "--key": "/var/lib/concerto/signing.key", "--web": "/usr/share/concerto/web"}


def test_the_command_line_of_the_unit_serves(binary, web_root, tmp_path):
    """ExecStart as written, with its paths moved under a temporary directory."""
    state = tmp_path / "var-lib-concerto"
    state.mkdir(mode=0o700)
    port = harness.free_port()
    line = unit_values("ExecStart")[0]
    line = (line.replace("/usr/local/bin/concerto", binary).replace("/var/lib/concerto", str(state))
            .replace("/usr/share/concerto/web", str(web_root)).replace("127.0.0.1:8080", "127.0.0.1:%d" % port))
    r = harness.run_cli("init", "--db", str(state / "concerto.db"))
    assert r.returncode == 0, r.stderr
    token = re.search(r"^admin token: (\S+)$", r.stdout, re.M).group(1)
    proc = subprocess.Popen(shlex.split(line), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().startswith("ready: "), proc.stderr.read() if proc.poll() is not None else ""
        assert http_request(port, "GET", "/healthz").status == 200
        assert http_request(port, "GET", "/api/commissions/x", headers={"Authorization": "Bearer " + token}).status == 404
        assert (state / "signing.key").stat().st_mode & 0o777 == 0o600
    finally:
        proc.terminate()
        out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert token not in err


def listeners(port):
    """(address, port) of the sockets listening on `port`, from /proc/net/tcp and tcp6."""
    found = []
    for name in ("tcp", "tcp6"):
        path = "/proc/net/" + name
        if not os.path.exists(path):
            continue
        for line in open(path).read().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            addr, p = local.split(":")
            if state == "0A" and int(p, 16) == port:  # 0A: LISTEN
                raw = bytes.fromhex(addr)
                words = b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4))
                found.append((socket.inet_ntop(socket.AF_INET if len(raw) == 4 else socket.AF_INET6, words), port))
    return found


def test_the_server_listens_only_on_the_address_it_is_given(spawn):
    """The unit listens on 127.0.0.1 so that nginx (TLS, the /metrics rule) is the only way in."""
    srv = spawn().start()
    assert listeners(srv.port) == [("127.0.0.1", srv.port)]


def test_install_script_is_valid_bash_and_initialises_only_once():
    r = subprocess.run(["bash", "-n", str(INSTALL)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    text = INSTALL.read_text("utf-8")
    assert "set -euo pipefail" in text
    guard, init = text.find('if [ -e "$DB" ]; then'), text.find('init --db "$DB"')
    assert 0 < guard < init, "concerto init must run only when there is no database yet"


# ---------------------------------------------------------------- nginx, one node, TLS


@pytest.fixture
def certificate(tmp_path):
    openssl = shutil.which("openssl")
    if not openssl:
        pytest.skip("openssl is not installed")
    cert, key = tmp_path / "fullchain.pem", tmp_path / "privkey.pem"
    r = subprocess.run([openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                        "-days", "2", "-nodes", "-subj", "/CN=localhost",
                        "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                        "-keyout", str(key), "-out", str(cert)], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    return cert, key


@pytest.fixture
def tls_front(spawn, certificate):
    nginx_harness.require_nginx()
    srv = spawn().start("--log-connections")  # a line per connection, which a test looks for
    ng = nginx_harness.Nginx()
    try:
        ng.start(ng.site("concerto.conf", {nginx_harness.SINGLE_NODE: "127.0.0.1:%d" % srv.port}, tls=certificate))
        shutil.copy(certificate[0], ng.dir / "ca.pem")
        ctx = ssl.create_default_context(cafile=str(ng.dir / "ca.pem"))
        yield srv, ng, ctx
        leaked = sorted(t for t in srv.tokens if t in ng.logs())
        assert not leaked, "tokens in nginx's logs: %s" % leaked
    finally:
        ng.cleanup()


def https(ng, ctx, method, path, body=None, headers=None, source=None):
    conn = http.client.HTTPSConnection("127.0.0.1", ng.https_port, context=ctx, timeout=harness.TIMEOUT,
                                       source_address=(source, 0) if source else None)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return harness.Response(r.status, r.headers, r.read()), conn.sock.version()
    finally:
        conn.close()


def test_nginx_redirects_http_to_https(tls_front):
    srv, ng, ctx = tls_front
    r = http_request(ng.http_port, "GET", "/m/abc?x=1")
    assert r.status == 301
    assert r.headers["Location"] == "https://127.0.0.1/m/abc?x=1"


def test_nginx_terminates_tls_with_modern_protocols_and_adds_security_headers(tls_front):
    srv, ng, ctx = tls_front
    r, version = https(ng, ctx, "GET", "/healthz")
    assert r.status == 200 and r.json["status"] == "ok"
    assert version == "TLSv1.3"
    tls12 = ssl.create_default_context(cafile=str(ng.dir / "ca.pem"))
    tls12.maximum_version = ssl.TLSVersion.TLSv1_2
    tls12.set_ciphers("ECDHE-ECDSA-AES128-GCM-SHA256")
    assert https(ng, tls12, "GET", "/healthz")[1] == "TLSv1.2"
    tls12.set_ciphers("ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES128-SHA")  # CBC: refused
    with pytest.raises(ssl.SSLError):
        https(ng, tls12, "GET", "/healthz")
    page, _ = https(ng, ctx, "GET", "/m/abcdef")
    assert page.status == 200 and page.content_type == "text/html"
    for resp in (r, page):
        assert resp.headers["Strict-Transport-Security"].startswith("max-age=")
        assert resp.headers["Content-Security-Policy"]  # the server's own, passed through
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert resp.headers.get_all("Cache-Control") == ["no-store"]
        assert "nginx/" not in (resp.headers["Server"] or "")


def test_nginx_caches_the_web_client_and_serves_it_while_the_server_is_down(tls_front):
    srv, ng, ctx = tls_front
    first, _ = https(ng, ctx, "GET", "/app.mjs")
    assert first.status == 200 and first.content_type == "text/javascript"
    assert first.headers.get_all("Cache-Control") == ["public, max-age=300"]
    https(ng, ctx, "GET", "/m/abcdef")
    srv.stop()
    again, _ = https(ng, ctx, "GET", "/app.mjs")
    assert again.status == 200 and again.data == first.data
    page, _ = https(ng, ctx, "GET", "/m/othermeeting")
    assert page.status == 200 and page.content_type == "text/html"
    api, _ = https(ng, ctx, "GET", "/api/meetings/abc")
    assert api.status == 502  # the API is never answered from a cache


def test_nginx_serves_metrics_to_this_machine_only(tls_front):
    srv, ng, ctx = tls_front
    r, _ = https(ng, ctx, "GET", "/metrics")
    assert r.status == 200 and "concerto_connections" in r.text()
    r, _ = https(ng, ctx, "GET", "/metrics", source="127.0.0.3")
    assert r.status == 403


def test_a_meeting_runs_over_wss_through_nginx(tls_front):
    srv, ng, ctx = tls_front
    m = make_meeting(srv)
    snap, _ = https(ng, ctx, "GET", "/api/meetings/" + m.id, headers={"Authorization": "Bearer " + m.token("chair")})
    assert snap.status == 200 and snap.json["meeting"]["id"] == m.id
    assert snap.headers.get_all("Cache-Control") == ["no-store"]

    async def scenario():
        url = "wss://127.0.0.1:%d/ws?meeting=%s" % (ng.https_port, m.id)
        kw = dict(subprotocols=["concerto.v1"], ssl=ctx, ping_interval=None, open_timeout=harness.TIMEOUT)
        # A browser sends the page's origin; through nginx it is still the server's own.
        own = "https://127.0.0.1:%d" % ng.https_port
        with pytest.raises(websockets.InvalidStatusCode) as refused:
            await websockets.connect(url, origin="https://elsewhere.example", **kw)
        assert refused.value.status_code == 403
        async with websockets.connect(url, origin=own, **kw) as chair, websockets.connect(url, **kw) as member:
            assert chair.subprotocol == "concerto.v1"
            got = {}
            for ws, who in ((chair, "chair"), (member, "member0")):
                await ws.send(json.dumps({"type": "hello", "id": 1, "body": {"token": m.token(who)}}))
                while True:
                    msg = json.loads(await asyncio.wait_for(ws.recv(), harness.TIMEOUT))
                    if msg["type"] == "welcome":
                        got[who] = msg["body"]
                        break
            await chair.send(json.dumps({"type": "meeting.open", "id": 2, "key": "open-1"}))
            while True:
                msg = json.loads(await asyncio.wait_for(member.recv(), harness.TIMEOUT))
                if msg["type"] == "event" and msg["event"]["type"] == "meeting.opened":
                    return got, msg["event"]

    welcomes, opened = asyncio.run(scenario())
    assert welcomes["member0"]["you"]["participant"] == m.pid("member0")
    assert opened["actor"] == m.pid("chair")
    assert "connection from" in srv.stderr_text()


def test_the_websocket_location_outlasts_the_server_ping_and_idle_timeout():
    """The server pings idle sockets every 30 s and drops them after 70 s: nginx
    must not cut the socket first, in either file."""
    for name in ("concerto.conf", "cluster.conf"):
        text = (nginx_harness.DEPLOY / "nginx" / name).read_text("utf-8")
        ws = re.search(r"location = /ws \{(.*?)\n    \}", text, re.S)
        assert ws, name
        for key in ("proxy_read_timeout", "proxy_send_timeout"):
            m = re.search(r"%s (\d+)s;" % key, ws.group(1))
            assert m and int(m.group(1)) >= 100, "%s: %s" % (name, key)
        assert "proxy_set_header Upgrade $http_upgrade;" in text
        assert "proxy_http_version 1.1;" in text
