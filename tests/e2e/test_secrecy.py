# SPDX-License-Identifier: AGPL-3.0-or-later
"""Secrecy in a small college (PROTOCOL.md 6.5), tried as a member would
try to break it: from everything the server sends and every file of the
record, can one tell how the one bailleur present voted?

Two meetings are played the same way, but for two ballots: in one, the only
bailleur present votes yes and a locataire no; in the other, the bailleur no
and the locataire yes. The totals are the same. Whatever a member or an
observer receives (events, counts, snapshots, the list of ballots, the
automatic minutes) and whatever the record says (record.json, record.md)
must then be the same in both meetings, once what differs anyway (ids,
times, hashes, receipts) is set aside: if it differed, it would tell the
bailleur's choice."""
import json
import re

from harness import http_request
from votes_helpers import VoteRoom, receipt, wait_count

EVERYONE_BUT = ("chair", "secretary", "observer", "b1", "l1", "l2", "l3")


def _play(server, bailleur, locataire, rule="simple"):
    r = VoteRoom(server)
    r.connect(*EVERYONE_BUT)
    r.open_meeting(grace=1)
    vote = r.prepare("Le projet d'accord sur les impayés est-il approuvé ?", mode="secret", rule=rule)
    opened = r.open_vote(vote)
    for who, choice in (("b1", bailleur), ("l1", locataire), ("l2", "yes"), ("l3", "no")):
        r.cast(who, vote, choice, receipts=[receipt()])
    wait_count(r.c["observer"], vote, 4)
    closed = r.close_vote(vote)
    r.do("chair", "vote.publish", {"vote": vote})
    seen = {"opened": opened["body"], "closed": closed["body"],
            "snapshot": r.vote_in_snapshot(vote),
            "ballots": sorted(b["choice"] for b in r.ballots(vote)["ballots"])}
    r.do("chair", "meeting.close")
    r.do("secretary", "minutes.finalize")
    r.c["observer"].drain()
    seen["observer"] = [m for m in r.c["observer"].messages if m.get("type") in ("event", "count")]
    seen["member"] = [m for m in r.c["l2"].messages if m.get("type") in ("event", "count")]
    api = server.api()
    seen["minutes"] = api.call("GET", "/api/meetings/%s/minutes" % r.id, expect=200).json
    for f in ("record.json", "record.md"):
        got = http_request(server.port, "GET", "/api/meetings/%s/record/%s" % (r.id, f),
                           headers={"Authorization": "Bearer " + server.admin_token})
        assert got.status == 200, got
        seen[f] = json.loads(got.data) if f.endswith(".json") else got.data.decode("utf-8")
    return r, seen


def _normalised(r, seen):
    text = json.dumps(seen, ensure_ascii=False, sort_keys=True)
    for short, pid in sorted(r.pids.items(), key=lambda kv: -len(kv[1])):
        text = text.replace(pid, "<%s>" % short)
    text = text.replace(r.id, "<meeting>").replace(r.m.commission["id"], "<commission>")
    text = re.sub(r"[0-9a-f]{32,}", "<hash>", text)
    text = re.sub(r"[A-Za-z0-9_-]{22}(?=[^A-Za-z0-9_-])", "<receipt>", text)
    text = re.sub(r"\b1[6-9]\d{11}\b", "<ms>", text)  # times in ms
    text = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)?", "<time>", text)
    text = re.sub(r"\b\d{1,2}[:h]\d\d(:\d\d)?\b", "<time>", text)
    text = re.sub(r"\b\d+ (s|min|h)\b", "<duration>", text)  # how long things took, in words
    # ... and in ms
    text = re.sub(r'"(seq|hash|prev|ts|key|id|actual|elapsed|spoken|ms|events|head)": ?("[^"]*"|\d+)',
                  r'"\1": "<x>"', text)
    return text


def _first_difference(a, b):
    i = next((k for k in range(min(len(a), len(b))) if a[k] != b[k]), min(len(a), len(b)))
    return "...%s...\n  vs\n...%s..." % (a[max(0, i - 300):i + 200], b[max(0, i - 300):i + 200])


def test_nobody_can_tell_how_the_one_bailleur_voted_from_anything_the_server_gives(server):
    ra, a = _play(server, "yes", "no")
    rb, b = _play(server, "no", "yes")
    # The vote really ran: same totals, two bailleurs absent, the result given.
    assert a["closed"]["counts"] == b["closed"]["counts"] == [2, 2, 0]
    assert a["closed"]["college_counts"] == [] and a["closed"]["colleges"] == ["bailleurs", "locataires"]
    na, nb = _normalised(ra, a), _normalised(rb, b)
    assert na == nb, "what the server gives differs with the bailleur's choice:\n" + _first_difference(na, nb)


def test_a_secret_double_vote_warns_of_a_small_college_at_opening_and_in_the_minutes(server):
    r, seen = _play(server, "yes", "no", rule="double")
    assert seen["opened"]["small_colleges"] == ["bailleurs"]
    assert seen["snapshot"]["small_colleges"] == ["bailleurs"]
    # The double rule rests on each college's outcome: it is given, the counts are not.
    assert seen["closed"]["college_counts"] == [] and seen["closed"]["college_passed"] == [1, 0]
    # ... and the signed minutes say both, in the record and in the minutes of the moment
    md = " ".join(seen["record.md"].split())
    assert ("Avertissement : vote secret à la double majorité avec moins de 3 votants possibles dans le "
            "collège bailleurs") in md
    assert "Par collège : bailleurs : majorité pour, locataires : pas de majorité pour." in md
    assert "Résultats par collège non publiés" in md
    auto = [e["text"] for e in seen["minutes"] if e.get("source") == "auto"]
    assert any(t.startswith("Avertissement : vote secret") for t in auto), auto
