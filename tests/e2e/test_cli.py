# SPDX-License-Identifier: AGPL-3.0-or-later
"""The command line: help, refusals in one clear line, start-up output."""
import re
import socket
import subprocess

import pytest

from harness import BIN, Client, free_port, make_meeting, run_cli


LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\dT[\d:.]+Z (debug|info|notice) ")


def one_line(text, logs_allowed=False):
    """The one line of an error on stderr. With logs_allowed, ordinary log lines
    written before the failure (key created ...) are not counted."""
    lines = [l for l in text.splitlines() if l.strip() and not (logs_allowed and LOG_LINE.match(l))]
    assert len(lines) == 1, "expected one line on stderr, got %r" % text
    return lines[0]


def serve_args(tmp_path, port=None, db=None, **over):
    """serve's arguments; the database is initialised unless one is given."""
    if db is None:
        assert run_cli("init", "--db", str(tmp_path / "c.db")).returncode == 0
    args = {
        "--listen": "127.0.0.1:%d" % (port or free_port()),
        "--db": str(db or tmp_path / "c.db"),
        "--web": str(tmp_path),
        "--key": str(tmp_path / "c.key"),
    }
    args.update(over)
    out = ["serve"]
    for k, v in args.items():
        if v is not None:
            out += [k, v]
    return out


def run_serve_expecting_failure(args, timeout=5):
    """serve must exit by itself, non-zero, without ever saying ready."""
    p = subprocess.Popen([BIN, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        pytest.fail("serve %s kept running instead of refusing: %r %r" % (args, out, err))
    assert p.returncode != 0
    assert "ready:" not in out
    return err


def test_help_describes_the_commands(binary):
    r = run_cli("--help")
    assert r.returncode == 0
    assert "serve" in r.stdout and "init" in r.stdout


def test_serve_help_lists_its_options(binary):
    r = run_cli("serve", "--help")
    assert r.returncode == 0
    for opt in ("--listen", "--db", "--web", "--key", "--demo", "--threads"):
        assert opt in r.stdout, opt


def test_init_help_lists_its_options(binary):
    r = run_cli("init", "--help")
    assert r.returncode == 0
    assert "--db" in r.stdout


@pytest.mark.parametrize("args", [
    ["serve", "--bogus"],
    ["serve", "--threads", "0"],
    ["serve", "--threads", "65"],
    ["serve", "--threads", "two"],
    ["serve", "--threads"],
    ["serve", "--threads=3x"],
    ["serve", "--log-interval", "0"],
    ["serve", "stray"],
    ["init", "--bogus"],
    ["init", "--db"],
    ["backup", "a.db", "b.db"],
    ["verify", "--pub"],
    ["keygen", "--key"],
    ["--bogus"],
    ["frobnicate"],
])
def test_a_bad_flag_or_command_gets_one_line_on_stderr_and_a_failure(binary, args):
    r = run_cli(*args)
    assert r.returncode != 0
    one_line(r.stderr)


@pytest.mark.parametrize("listen", ["nonsense", "127.0.0.1:99999", "127.0.0.1:", "256.1.1.1:8080"])
def test_a_bad_listen_address_is_refused_in_one_line(binary, tmp_path, listen):
    one_line(run_serve_expecting_failure(serve_args(tmp_path, **{"--listen": listen})), logs_allowed=True)


def test_a_busy_port_is_refused_with_a_clear_one_line_error(binary, tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        line = one_line(run_serve_expecting_failure(serve_args(tmp_path, port=port)), logs_allowed=True)
    assert str(port) in line, "the error should name the address: %r" % line


@pytest.mark.parametrize("db", ["{dir}", "/proc/nonexistent/x/y.db", "{dir}/missing/sub/c.db"])
def test_an_unusable_database_path_is_refused_with_a_clear_error(binary, tmp_path, db):
    db = db.format(dir=tmp_path)
    one_line(run_serve_expecting_failure(serve_args(tmp_path, db=db)), logs_allowed=True)
    r = run_cli("init", "--db", db)
    assert r.returncode != 0
    one_line(r.stderr)


def test_serve_refuses_a_database_that_was_never_initialised(binary, tmp_path):
    db = tmp_path / "never.db"
    line = one_line(run_serve_expecting_failure(serve_args(tmp_path, db=db)), logs_allowed=True)
    assert str(db) in line and "init" in line, line


def test_init_prints_the_admin_token_once_on_stdout(binary, tmp_path):
    r = run_cli("init", "--db", str(tmp_path / "x.db"))
    assert r.returncode == 0, r.stderr
    m = re.search(r"^admin token: ([A-Za-z0-9_-]{43})$", r.stdout, re.M)
    assert m, r.stdout
    assert m.group(1) not in r.stderr


def test_serve_says_ready_with_its_address(spawn):
    srv = spawn().start()
    ready = [l for l in srv.output_since_start() if l.startswith("ready: ")]
    assert ready == ["ready: http://127.0.0.1:%d/\n" % srv.port]


DEMO_LINE = r"  (chair|secretary|member|observer) +(.*): http://127\.0\.0\.1:%d/m/([^/#]+)#t=([A-Za-z0-9_-]{43})\n"


def demo_links(srv):
    pat = re.compile(DEMO_LINE % srv.port)
    links = [pat.fullmatch(l) for l in srv.output_since_start() if l.startswith("  ")]
    assert links and all(links), srv.output_since_start()
    return links


def test_demo_prints_the_admin_token_one_link_per_participant_then_ready(spawn):
    srv = spawn(init=False).start("--demo")
    out = srv.output_since_start()
    assert any(re.fullmatch(r"admin token: [A-Za-z0-9_-]{43}\n", l) for l in out), out
    roles = {m.group(1) for m in demo_links(srv)}
    assert {"chair", "secretary", "member", "observer"} <= roles
    assert out[-1] == "ready: http://127.0.0.1:%d/\n" % srv.port
    meeting = demo_links(srv)[0].group(3)
    assert srv.api().snapshot(meeting, check=False)["meeting"]["state"] == "scheduled"


def test_demo_meeting_id_is_a_protocol_identifier(spawn):
    srv = spawn(init=False).start("--demo")
    for m in demo_links(srv):
        assert re.fullmatch(r"[a-z0-9_-]{1,32}", m.group(3)), "meeting id %r is not [a-z0-9_-]{1,32}" % m.group(3)


def test_demo_links_let_each_participant_in_with_their_role(spawn):
    srv = spawn(init=False).start("--demo")
    for m in demo_links(srv):
        c = Client(srv, m.group(3))
        w = c.hello(m.group(4))
        assert w["you"]["role"] == m.group(1)
        assert w["you"]["name"] in m.group(2)
        c.close()


def test_demo_shows_the_admin_token_only_for_a_new_database(spawn):
    srv = spawn(init=False).start("--demo")
    first = demo_links(srv)
    srv.restart("--demo")
    assert not any(l.startswith("admin token:") for l in srv.output_since_start())
    assert srv.output_since_start()[-1].startswith("ready: ")
    assert first[0].group(3) == demo_links(srv)[0].group(3), "the same demo meeting, not a second one"


def test_the_server_log_never_contains_a_token(spawn):
    srv = spawn().start()
    m = make_meeting(srv)
    fake = "Q" * 42 + "w"  # presented but never issued: must not be logged either
    srv.tokens.add(fake)
    c = m.connect("chair")
    c.command("meeting.open")
    bad = Client(srv, m.id)
    bad.send({"type": "hello", "id": 1, "body": {"token": fake}})
    bad.wait_closed()
    srv.api(fake).call("GET", "/api/meetings/" + m.id)
    srv.api(m.token("member0")).snapshot(m.id)
    srv.api().revoke(m.id, m.pid("member0"))
    gone = Client(srv, m.id)
    gone.send({"type": "hello", "id": 1, "body": {"token": m.token("member0")}})
    gone.wait_closed()
    c.send_raw('{"type":"hello","id":2,"body":{"token":"%s"}, oops' % m.token("member1"))
    c.next_reply()
    srv.api().call("POST", "/api/commissions", raw=('{"name":"%s"' % m.token("member2")).encode())
    assert srv.stop() == 0
    assert srv.stderr_text() is not None
    assert srv.leaked_tokens() == []
