# SPDX-License-Identifier: AGPL-3.0-or-later
"""Roster import from CSV (PROTOCOL.md 3): all or nothing, the bad line named."""
import re

import pytest

from harness import SCHEMA


@pytest.fixture
def commission(server):
    return server.api().create_commission("CCR import", ["bailleurs", "locataires"], check=False)


def post_csv(server, cid, text, token=None):
    return server.api(token).call(
        "POST", "/api/commissions/%s/members.csv" % cid, raw=text.encode("utf-8"),
        headers={"Content-Type": "text/csv; charset=utf-8"},
    )


def roster(server, cid):
    return sorted((m["name"], m["college"], m["role"]) for m in server.api().commission(cid)["members"])


def test_a_semicolon_csv_with_french_headers_and_quoted_fields_is_imported(server, commission):
    text = (
        "Nom;Collège;Rôle\n"
        "Zoé L’Hermitte;bailleurs;member\n"
        '"Dubois; Marc ""Le Quai""";locataires;member\n'
        "Claire Vasseur;;chair\n"
    )
    r = post_csv(server, commission["id"], text)
    assert r.status == 201, r
    SCHEMA.check("http.members.json", r.json)
    want = sorted([
        ("Zoé L’Hermitte", "bailleurs", "member"),
        ('Dubois; Marc "Le Quai"', "locataires", "member"),
        ("Claire Vasseur", "", "chair"),
    ])
    assert sorted((m["name"], m["college"], m["role"]) for m in r.json["members"]) == want
    assert roster(server, commission["id"]) == want


def test_a_comma_csv_with_columns_in_another_order_and_any_case_is_imported(server, commission):
    text = "ROLE,name,College\nsecretary,Paul Lefèvre,\nobserver,Anne Mercier,\nmember,\"Roux, Jean\",locataires\n"
    r = post_csv(server, commission["id"], text)
    assert r.status == 201, r
    assert roster(server, commission["id"]) == sorted([
        ("Paul Lefèvre", "", "secretary"), ("Anne Mercier", "", "observer"), ("Roux, Jean", "locataires", "member"),
    ])


def test_a_language_column_in_either_language_and_any_case_is_read(server, commission):
    text = ("Nom;Collège;Rôle;LANGUE\nA;bailleurs;membre;Anglais\nB;bailleurs;membre;français\n"
            "C;bailleurs;membre;ENGLISH\nD;bailleurs;membre;FR\nE;bailleurs;membre;\n")
    r = post_csv(server, commission["id"], text)
    assert r.status == 201, r
    assert [(m["name"], m["lang"]) for m in r.json["members"]] == [
        ("A", "en"), ("B", "fr"), ("C", "en"), ("D", "fr"), ("E", "fr")]
    assert sorted((m["name"], m["lang"]) for m in server.api().commission(commission["id"])["members"]) == [
        ("A", "en"), ("B", "fr"), ("C", "en"), ("D", "fr"), ("E", "fr")]
    # without the column everyone reads French
    r = post_csv(server, commission["id"], "name,college,role\nF,locataires,member\n")
    assert [m["lang"] for m in r.json["members"]] == ["fr"]


def test_headers_mixing_english_and_french_spellings_are_accepted(server, commission):
    text = "name;college;rôle\nA B;bailleurs;member\n"
    assert post_csv(server, commission["id"], text).status == 201


@pytest.mark.parametrize("text,line", [
    ("name;college;role\nA;bailleurs;member\nB;locataires;member\nC;bailleurs;emperor\nD;bailleurs;member\n", 4),
    ("name;college;role\nA;bailleurs;member\nB;locataires\nC;bailleurs;member\n", 3),
    ("name;college;role\nA;bailleurs;member\n\"B;locataires;member\n", 3),
    ("name;college;role\nA;bailleurs;member\n;bailleurs;member\n", 3),
])
def test_a_bad_line_rejects_the_whole_file_with_its_line_number(server, commission, text, line):
    r = post_csv(server, commission["id"], text)
    assert r.status == 400 and r.json["error"]["code"] == "invalid", r
    assert re.search(r"\b%d\b" % line, r.json["error"]["message"]), r.json["error"]["message"]
    assert roster(server, commission["id"]) == [], "a rejected file imported something"


@pytest.mark.parametrize("text", [
    "",
    "name;role\nA;member\n",
    "nom;collège;couleur\nA;bailleurs;rouge\n",
])
def test_a_file_without_the_right_header_is_invalid(server, commission, text):
    r = post_csv(server, commission["id"], text)
    assert r.status == 400 and r.json["error"]["code"] == "invalid", r
    assert roster(server, commission["id"]) == []


def test_csv_import_is_for_the_admin_only(shared_meeting):
    srv = shared_meeting.server
    cid = shared_meeting.commission["id"]
    before = roster(srv, cid)
    r = post_csv(srv, cid, "name;college;role\nRogue;bailleurs;member\n", token=shared_meeting.token("chair"))
    assert r.status == 403 and r.json["error"]["code"] == "forbidden"
    assert roster(srv, cid) == before


def test_csv_import_into_an_unknown_commission_is_not_found(server):
    r = post_csv(server, "nosuch9", "name;college;role\nA;bailleurs;member\n")
    assert r.status == 404 and r.json["error"]["code"] == "not_found"


def test_a_nul_byte_in_a_name_rejects_the_file_naming_its_line(server, commission):
    text = "name;college;role\nClaire Vasseur;;chair\nA\0B;bailleurs;member\nJean Martin;locataires;member\n"
    r = post_csv(server, commission["id"], text)
    assert r.status == 400 and r.json["error"]["code"] == "invalid", r
    assert "line 3" in r.json["error"]["message"] and "NUL" in r.json["error"]["message"], r.json
    assert roster(server, commission["id"]) == []
