# SPDX-License-Identifier: AGPL-3.0-or-later
"""The permission matrix of proto/permissions.md, cell by cell, against the
real server: `-` is `forbidden` whatever the state and changes nothing; `yes`
is never `forbidden` (it may still fail on the state rules)."""
import re

import pytest

from harness import REPO, Client, make_meeting

MATRIX = REPO / "proto" / "permissions.md"
ROLES = ["chair", "secretary", "member", "observer"]


def read_tables():
    """(commands, routes): {name: {column: allowed}} from the two tables."""
    commands, routes = {}, {}
    section = commands
    for line in MATRIX.read_text("utf-8").splitlines():
        if line.startswith("## HTTP routes"):
            section = routes
        m = re.match(r"^\| `([^`]+)` \|(.*)\|\s*$", line)
        if m:
            cells = [c.strip() for c in m.group(2).split("|")]
            assert all(c in ("yes", "-") for c in cells), line
            section[m.group(1)] = [c == "yes" for c in cells]
    return commands, routes


COMMANDS, ROUTES = read_tables()


def test_the_matrix_covers_every_command_of_the_client_schema():
    from harness import SCHEMA
    assert sorted(COMMANDS) == sorted(SCHEMA.store["client.json"]["properties"]["type"]["enum"])
    assert all(len(v) == 4 for v in COMMANDS.values())
    assert all(len(v) == 5 for v in ROUTES.values())


def body_for(command, m, role):
    """A body of the right shape for `command` sent by `role` in meeting m."""
    me = m.pid("member0" if role == "member" else role)
    b0, b1, l0 = m.pid("member0"), m.pid("member1"), m.pid("member2")
    bodies = {
        "meeting.configure": {"speaking_time": 120},
        "agenda.add": {"title": "Point ajouté"},
        "agenda.edit": {"item": "i1", "title": "Point modifié"},
        "agenda.move": {"item": "i1", "position": 0},
        "agenda.remove": {"item": "i2"},
        "agenda.open": {"item": "i1"},
        "agenda.postpone": {"item": "i2"},
        "speaker.remove": {"request": "r99"},
        "speaker.move": {"request": "r99", "position": 0},
        "speaker.give": {"participant": me},
        "attendance.mark": {"participant": l0, "status": "excused", "reason": "souffrante"},
        "vote.prepare": {"question": "Adopter le bilan ?"},
        "vote.open": {"vote": "v99"},
        "vote.cast": {"vote": "v99", "choice": "yes"},
        "vote.close": {"vote": "v99"},
        "vote.publish": {"vote": "v99"},
        "vote.cancel": {"vote": "v99"},
        "proxy.give": {"to": b1},
        "proxy.record": {"from": b0, "to": b1},
        "proxy.revoke": {} if role == "member" else {"from": b0},
        "recusal.declare": {} if role == "member" else {"participant": b0},
        "recusal.withdraw": {} if role == "member" else {"participant": b0},
        "minutes.add": {"text": "Relevé de décisions."},
        "minutes.edit": {"entry": "e99", "text": "Relevé corrigé."},
        "minutes.delete": {"entry": "e99"},
        "minutes.approve_previous": {"item": "i99"},
        "decision.record": {"text": "Le bilan est adopté."},
        "action.record": {"title": "Rédiger la note", "owner": me},
        "action.update": {"action": "a99", "status": "done"},
    }
    return bodies.get(command, {})


@pytest.fixture(scope="module")
def ready(shared_server):
    """Per command, a fresh meeting open on item i1 (i2 pending), with one
    connection per role."""

    def make():
        m = make_meeting(shared_server)
        conns = {r: m.connect("member0" if r == "member" else r) for r in ROLES}
        chair = conns["chair"]
        chair.command("meeting.open")
        chair.command("agenda.add", {"title": "Bilan 2020"})
        chair.command("agenda.add", {"title": "Feuille de route 2021"})
        chair.command("agenda.open", {"item": "i1"})
        return m, conns

    return make


@pytest.mark.parametrize("command", [c for c in COMMANDS if c not in ("hello", "ping")])
def test_only_the_roles_of_the_matrix_may_send(ready, command):
    m, conns = ready()
    allowed = dict(zip(ROLES, COMMANDS[command]))
    head = m.head()
    for role in [r for r in ROLES if not allowed[r]]:  # refusals first, on the untouched state
        r = conns[role].request(command, body_for(command, m, role), conns[role].new_key())
        assert r["type"] == "error" and r["body"]["code"] == "forbidden", "%s by %s: %s" % (command, role, r)
    assert m.head() == head, "a refusal changed the log"
    for role in [r for r in ROLES if allowed[r]]:
        r = conns[role].request(command, body_for(command, m, role), conns[role].new_key())
        assert not (r["type"] == "error" and r["body"]["code"] == "forbidden"), "%s by %s: %s" % (command, role, r)


@pytest.mark.parametrize("role", ROLES)
def test_every_role_may_say_hello_and_ping(meeting, role):
    c = Client(meeting.server, meeting.id)
    assert c.hello(meeting.token("member0" if role == "member" else role))["you"]["role"] == role
    assert c.request("ping")["type"] == "pong"


def route_call(route, m, other):
    """(method, path, body) for a route of the matrix in meeting m."""
    method, path = route.split(" ", 1)
    path = (path.replace("/C", "/" + m.commission["id"]).replace("/M", "/" + m.id)
            .replace("/P", "/" + m.pid("member3")).replace("/V", "/v99").replace("/F", "/record.json")
            .replace("/I", "/i99").replace("/D", "/" + "0" * 64).replace("/G", "/g99"))
    body = {
        "POST /api/commissions": {"name": "CCR test", "colleges": ["bailleurs"]},
        "POST /api/commissions/C/members": {"name": "Nouveau", "college": "bailleurs", "role": "member"},
        "POST /api/commissions/C/members/P": {},  # an edit that changes nothing
        "POST /api/meetings": {"commission": m.commission["id"], "title": "Autre séance"},
        "POST /api/meetings/M/invitations": {"participants": [m.pid("member3")]},
        # bodies that change nothing (this meeting is shared by the module)
        "POST /api/meetings/M/settings": {},
        "POST /api/meetings/M/agenda": {},
        "POST /api/meetings/M/agenda/I": {},
        "POST /api/meetings/M/agenda/I/move": {},
    }.get(route)
    if route == "DELETE /api/commissions/C/members/P":
        path = path.rsplit("/", 1)[0] + "/nobody"  # nobody is removed from the shared meeting
    raw = "name;college;role\nImporté;bailleurs;member\n".encode() if route.endswith("members.csv") else None
    if route.endswith("/documents"):
        path += "?name=bilan.pdf"
        raw = b"%PDF-1.4\n%%EOF\n"  # item i99 does not exist: nothing is attached
    return method, path, body, raw


@pytest.mark.parametrize("route", list(ROUTES))
def test_http_routes_answer_each_bearer_as_the_matrix_says(shared_meeting, route):
    m = shared_meeting
    srv = m.server
    bearers = [srv.admin_token, m.token("chair"), m.token("secretary"), m.token("member0"), None]
    for column, (bearer, allowed) in enumerate(zip(bearers, ROUTES[route])):
        method, path, body, raw = route_call(route, m, None)
        r = srv.api(bearer).call(method, path, body=body, raw=raw, token=bearer)
        who = ["admin", "chair of M", "secretary of M", "member of M", "anyone"][column]
        if allowed:
            assert r.status not in (401, 403), "%s as %s: %r" % (route, who, r)
        elif bearer is None:
            assert (r.status, r.json["error"]["code"]) == (401, "unauthorized"), "%s as %s: %r" % (route, who, r)
        else:
            assert (r.status, r.json["error"]["code"]) == (403, "forbidden"), "%s as %s: %r" % (route, who, r)
