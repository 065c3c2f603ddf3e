# SPDX-License-Identifier: AGPL-3.0-or-later
"""Fixtures: the binary on a free loopback port, a web root with known files,
a fresh meeting per test, and the checks every test gets for free (server
messages valid against their schemas, no token in the server's log).

Run: /usr/bin/python3 -m pytest -q tests/e2e
Environment: CONCERTO_BIN (default build/concerto), CONCERTO_WEB (default web/).
"""
import os
import pathlib
import shutil

import pytest

import harness
from harness import Client, Server

# Files the static-file tests rely on, added under /_e2e/ of a copy of CONCERTO_WEB.
SAMPLES = {
    "app.mjs": b"export const answer = 42;\n",
    "classic.js": b"window.answer = 42;\n",
    "style.css": b"body { color: #123456; }\n",
    "page.html": b"<!doctype html><html><head><title>e2e</title></head><body>e2e page</body></html>\n",
    "logo.svg": b'<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"></svg>\n',
    "listing/alpha-secret-name.txt": b"alpha\n",
    "listing/beta-secret-name.json": b"{}\n",
}
OUTSIDE_SECRET = b"e2e-outside-secret-7f3a9c: this file is outside the web root\n"


@pytest.fixture(scope="session")
def binary():
    if not os.access(harness.BIN, os.X_OK):
        pytest.fail("no executable at %s: build it (cmake --build build) or set CONCERTO_BIN" % harness.BIN)
    return harness.BIN


@pytest.fixture(scope="session")
def web_root(tmp_path_factory):
    """tmp/web: a copy of CONCERTO_WEB plus SAMPLES; tmp/outside-secret.txt beside it."""
    top = tmp_path_factory.mktemp("webtop")
    web = top / "web"
    src = pathlib.Path(harness.WEB)
    if src.is_dir():
        shutil.copytree(src, web, ignore=shutil.ignore_patterns("node_modules"))
    else:
        web.mkdir()
    for name, data in SAMPLES.items():
        p = web / "_e2e" / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    (top / "outside-secret.txt").write_bytes(OUTSIDE_SECRET)
    return web


@pytest.fixture(scope="session")
def shared_server(binary, web_root, tmp_path_factory):
    s = Server(tmp_path_factory.mktemp("shared"), web=web_root)
    s.init()
    s.start()
    yield s
    s.stop()
    assert not s.leaked_tokens(), "tokens found in the server log: %s" % s.leaked_tokens()
    assert not s.sanitizer_reports(), "sanitizer reports in the shared server's log: %s" % s.sanitizer_reports()


@pytest.fixture
def server(shared_server):
    """One server shared by the tests that only need a meeting of their own. If a
    test made it crash, that test fails on its own checks; the next one gets the
    server restarted on the same database so that one crash is not reported 100 times."""
    if shared_server.proc.poll() is not None:
        shared_server.crashes.append(shared_server.proc.returncode)
        shared_server.start()
    return shared_server


@pytest.fixture
def spawn(binary, web_root, tmp_path):
    """A factory of private servers (restart, crash, --demo ...): spawn() -> Server,
    initialised and not started. Stopped at teardown; their logs must hold no token."""
    made = []

    def make(init=True):
        s = Server(tmp_path / ("srv%d" % len(made)), web=web_root)
        made.append(s)
        if init:
            s.init()
        return s

    yield make
    for s in made:
        if s.proc and s.proc.poll() is None:
            s.stop()
    for s in made:
        assert not s.leaked_tokens(), "tokens found in the server log: %s" % s.leaked_tokens()
        assert not s.sanitizer_reports(), "sanitizer reports in the server's log: %s" % s.sanitizer_reports()


@pytest.fixture
def meeting(server):
    """A new meeting on the shared server: commission, roster, everyone invited."""
    return harness.make_meeting(server)


@pytest.fixture(scope="module")
def _module_meeting(shared_server):
    return harness.make_meeting(shared_server)


@pytest.fixture
def shared_meeting(server, _module_meeting):
    """One meeting for a module's tests that must not change it (refusals, reads)."""
    return _module_meeting


@pytest.fixture(autouse=True)
def _clients_speak_the_schema():
    """Every server message any client received in the test matches its schema."""
    Client.registry = []
    yield
    errors = []
    for c in Client.registry:
        c.close()
        errors.extend(c.schema_errors[c.schema_errors_raised:])  # those not already raised by recv()
    Client.registry = []
    assert not errors, "server messages that do not match proto/schemas:\n" + "\n".join(errors)
