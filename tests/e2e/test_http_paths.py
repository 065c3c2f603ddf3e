# SPDX-License-Identifier: AGPL-3.0-or-later
"""Paths that try to leave their route: answered not_found, whatever the
token, and never with a file."""
import pytest

from harness import SCHEMA, http_request

TRAVERSALS = [
    "record/..%2F..%2Fsigning.key",
    "record/..%2fsigning.key",
    "record/%2E%2E%2F%2E%2E%2Fsigning.key",
    "record/../../signing.key",
    "record/%00record.json",
]


@pytest.mark.parametrize("tail", TRAVERSALS)
@pytest.mark.parametrize("who", ["chair", "observer", "admin"])
def test_a_path_that_climbs_out_of_the_record_is_not_found(shared_meeting, tail, who):
    m = shared_meeting
    token = m.server.admin_token if who == "admin" else m.token(m.pid(who))
    r = http_request(m.server.port, "GET", "/api/meetings/%s/%s" % (m.id, tail),
                     headers={"Authorization": "Bearer " + token})
    assert r.status == 404, "%s as %s: %r" % (tail, who, r)
    SCHEMA.check("http.error.json", r.json)
    assert r.json["error"]["code"] == "not_found", r.json
    assert "participant" not in r.json["error"]["message"], r.json
