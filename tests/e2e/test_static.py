# SPDX-License-Identifier: AGPL-3.0-or-later
"""Static files of the web client: served with the right type and a CSP,
never anything outside the web root, never a directory listing."""
import http.client

import pytest

from conftest import OUTSIDE_SECRET, SAMPLES
from harness import http_request

FORBIDDEN_CONTENT = [b"root:", OUTSIDE_SECRET[:24], b"untrusted comment", b"SQLite format"]


@pytest.mark.parametrize("path", [
    "/../../etc/passwd",
    "/%2e%2e/%2e%2e/etc/passwd",
    "/%2E%2E/%2E%2E/etc/passwd",
    "/web/..%2f..%2fetc/passwd",
    "/..%2f..%2f..%2f..%2fetc/passwd",
    "/_e2e/..%2f..%2f..%2f..%2f..%2f..%2fetc/passwd",
    "/_e2e/%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fetc/passwd",
    "/%252e%252e/%252e%252e/etc/passwd",
    "/..\\..\\..\\etc\\passwd",
    "/etc/passwd",
    "//etc/passwd",
    "/%2fetc%2fpasswd",
    "/../outside-secret.txt",
    "/_e2e/../../outside-secret.txt",
    "/%2e%2e/outside-secret.txt",
    "/.%2e/outside-secret.txt",
    "/_e2e/..%2f..%2foutside-secret.txt",
    "/_e2e/%2e%2e/%2e%2e/outside-secret.txt",
    "/../../shared0/concerto.key",
    "/%2e%2e/%2e%2e/shared0/concerto.db",
    "/_e2e/app.mjs%00.html",
    "/_e2e/app.mjs/../../../outside-secret.txt",
])
def test_path_traversal_never_returns_a_file_outside_the_web_root(server, path):
    try:
        r = http_request(server.port, "GET", path)
    except (ConnectionError, http.client.HTTPException):
        r = None  # %00: libwebsockets closes the connection before any answer
    if r is not None:
        assert r.status in (400, 403, 404), r
        for bad in FORBIDDEN_CONTENT:
            assert bad not in r.data, "%s served %r" % (path, r.data[:200])
    else:
        assert "%00" in path, "%s: no answer" % path
    assert server.proc.poll() is None
    assert http_request(server.port, "GET", "/healthz").status == 200


@pytest.mark.parametrize("path", ["/_e2e/listing/", "/_e2e/listing", "/_e2e/", "/_e2e/listing/."])
def test_a_directory_is_never_listed(server, path):
    r = http_request(server.port, "GET", path)
    for name in ("alpha-secret-name", "beta-secret-name", "app.mjs"):
        assert name.encode() not in r.data, "%s lists the directory: %r" % (path, r.data[:300])
    assert r.status != 500


@pytest.mark.parametrize("name,mime", [
    ("app.mjs", "text/javascript"),
    ("classic.js", "text/javascript"),
    ("style.css", "text/css"),
    ("page.html", "text/html"),
    ("logo.svg", "image/svg+xml"),
])
def test_static_files_are_served_with_their_mime_type(server, name, mime):
    r = http_request(server.port, "GET", "/_e2e/" + name)
    assert r.status == 200, r
    assert r.content_type == mime
    assert r.data == SAMPLES[name]


def test_html_is_served_with_a_content_security_policy(server):
    r = http_request(server.port, "GET", "/_e2e/page.html")
    assert r.status == 200
    csp = r.headers.get("Content-Security-Policy")
    assert csp and csp.strip(), "no Content-Security-Policy on HTML"


def test_a_missing_static_file_is_404(server):
    r = http_request(server.port, "GET", "/_e2e/no-such-file.js")
    assert r.status == 404


def test_the_invitation_link_serves_the_meeting_page_as_html_with_a_csp(shared_meeting):
    r = http_request(shared_meeting.server.port, "GET", "/m/" + shared_meeting.id)
    assert r.status == 200, r
    assert r.content_type == "text/html"
    assert r.headers.get("Content-Security-Policy")
