#!/usr/bin/python3
# SPDX-License-Identifier: AGPL-3.0-or-later
"""Write the seed corpora of the fuzz targets, and their dictionaries, from
the protocol reference: tests/fuzz/corpus/TARGET/ and tests/fuzz/dict/TARGET.dict.

- fuzz_proto_decode: every JSON message of proto/PROTOCOL.md; one message per
  command, its body made from proto/schemas/command.*.json; one stored body
  per event type ("TYPE\\n{body}") from event.*.json; the HTTP request
  bodies of http.*.request.json; a few hand-made hostile messages.
- fuzz_core_handle: per command, the message sent by a role allowed to send
  it (proto/permissions.md), in both starting states; and whole scripts of
  a meeting (see the input format in fuzz_core_handle.c).
- fuzz_api: one request per route of PROTOCOL.md section 3, as the admin and
  as participants, and a few sequences (fuzz_api.c).
- fuzz_csv: roster files as spreadsheets write them.

Bodies made from a schema use the identifiers of the fuzz fixtures (items
i1.., votes v1.., participants b1, l2 ...), so that seeds reach the rules
and not only the decoder. Run it again after changing the protocol:
    /usr/bin/python3 tests/fuzz/make_corpus.py
It replaces the generated seeds and leaves nothing else behind.
"""
import hashlib
import json
import pathlib
import re
import shutil

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parents[1]
PROTO = REPO / "proto"
SCHEMAS = PROTO / "schemas"

# ------------------------------------------------------------------ schemas

STORE = {p.name: json.loads(p.read_text("utf-8")) for p in SCHEMAS.glob("*.json")}

# Values by field name, fitting the fixture of fuzz_core_handle.c.
BY_NAME = {
    "vote": "v1", "item": "i2", "parent": "i2", "request": "r1", "participant": "b2",
    "from": "l3", "to": "l2", "for": "l3", "entry": "e1", "choice": "yes", "voter": "b1",
    "by": "", "winner": "", "question": "Approuver le bilan 2020 ?", "title": "Bilan 2020",
    "description": "Pr\u00e9sentation du bilan.\nD\u00e9bat.", "presenter": "Claire Dubois",
    "text": "Le bilan est approuv\u00e9 \u00e0 l\u2019unanimit\u00e9.\n\tSans d\u00e9bat.",
    "reason": "Cong\u00e9", "name": "Zo\u00e9 L\u2019Hermitte", "college": "bailleurs",
    "commission": "ccr-hdf", "commission_name": "CCR Hauts-de-France",
    "token": "A" * 43, "date": "2021-02-02T14:00", "place": "Lille", "room": "https://meet.jit.si/x",
    "lang": "fr", "meeting": "ccr-2021-02", "receipt": "Rcpt_AAAAAAAAAAAAAAAAAA",
}
INT_BY_NAME = {"position": 1, "duration": 300, "speaking_time": 120, "quorum": 50,
               "quorum_college": 50, "grace": 30, "share_num": 2, "share_den": 3, "since": 3,
               "proxy_max": 2, "allowed": 180000, "elapsed": 5000, "spoken": 42000,
               "present": 5, "required": 3, "deadline": 1612255000000, "voted": 2, "entitled_n": 6}


def resolve(schema, base):
    while "$ref" in schema:
        ref = schema["$ref"]
        doc, _, frag = ref.partition("#")
        doc = doc or base
        node = STORE[doc]
        for part in [p for p in frag.split("/") if p]:
            node = node[part]
        schema, base = node, doc
    return schema, base


def instance(schema, base, name=None, full=True):
    schema, base = resolve(schema, base)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return instance(schema[key][0], base, name, full)
    t = schema.get("type")
    if isinstance(t, list):
        t = t[0]
    if t == "object":
        props = schema.get("properties", {})
        keys = list(props) if full else schema.get("required", [])
        return {k: instance(props[k], base, k, full) for k in keys}
    if t == "array":
        if name in ("receipts", "replaces"):
            return ["Rcpt_AAAAAAAAAAAAAAAAAA"] if name == "receipts" else [""]
        if name == "options":
            return ["mars", "avril"]
        if name in ("speakers", "entitled", "present", "voters", "participants"):
            return ["b1", "l1"]
        item = schema.get("items", {"type": "string"})
        return [instance(item, base, None, full) for _ in range(max(1, schema.get("minItems", 1)))]
    if t == "integer":
        return INT_BY_NAME.get(name, max(0, schema.get("minimum", 0)))
    if t == "boolean":
        return True
    if t == "null":
        return None
    return BY_NAME.get(name, "texte")


def body_of(filename, full=True):
    return instance(STORE[filename], filename, None, full)


def kinds(prefix):
    return sorted(n[len(prefix):-len(".json")] for n in STORE if n.startswith(prefix))


COMMANDS = kinds("command.")
EVENTS = [n for n in kinds("event.") if n.count(".") == 1]

# ------------------------------------------------------------------ PROTOCOL.md

def protocol_messages():
    """Every complete JSON object written in PROTOCOL.md: code blocks and inline code."""
    text = (PROTO / "PROTOCOL.md").read_text("utf-8")
    found = []
    for block in re.findall(r"```json\n(.*?)```", text, re.S):
        for line in block.splitlines():
            found.append(line.strip())
        found.append(block)
    found += re.findall(r"`(\{[^`]*\})`", text)
    out = []
    for s in found:
        try:
            v = json.loads(s)
        except ValueError:
            continue
        if isinstance(v, dict) and s not in out:
            out.append(s)
    return out


def permissions():
    """command -> roles allowed, from proto/permissions.md."""
    allowed = {}
    roles = ["chair", "secretary", "member", "observer"]
    for line in (PROTO / "permissions.md").read_text("utf-8").splitlines():
        m = re.match(r"\| `([a-z_.]+)` \|(.*)\|\s*$", line)
        if m:
            cells = [c.strip() for c in m.group(2).split("|")]
            if len(cells) == 4:
                allowed[m.group(1)] = [r for r, c in zip(roles, cells) if c == "yes"]
    return allowed

# ------------------------------------------------------------------ writing


class Corpus:
    def __init__(self, target):
        self.dir = HERE / "corpus" / target
        if self.dir.exists():
            shutil.rmtree(self.dir)
        self.dir.mkdir(parents=True)
        self.seen = set()

    def add(self, name, data):
        if isinstance(data, str):
            data = data.encode("utf-8")
        digest = hashlib.sha1(data).hexdigest()
        if digest in self.seen:
            return
        self.seen.add(digest)
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", name)[:60]
        (self.dir / ("%s-%s" % (safe, digest[:8]))).write_bytes(data)


def compact(v):
    return json.dumps(v, ensure_ascii=False, separators=(",", ":"))


def message(kind, body, n):
    return compact({"type": kind, "id": n, "key": "k%s" % n, "body": body})

# ------------------------------------------------------------------ targets


def proto_decode():
    c = Corpus("fuzz_proto_decode")
    for i, s in enumerate(protocol_messages()):
        c.add("protocol-%d" % i, s)
    for n, kind in enumerate(COMMANDS, 1):
        c.add("cmd-" + kind, message(kind, body_of("command.%s.json" % kind), n))
        c.add("cmd-min-" + kind, message(kind, body_of("command.%s.json" % kind, full=False), n))
    for kind in EVENTS:
        c.add("ev-" + kind, kind + "\n" + compact(body_of("event.%s.json" % kind)))
    for name in sorted(STORE):
        if name.startswith("http.") and name.endswith(".request.json"):
            c.add("http-" + name, compact(body_of(name)))
    hostile = [
        '{"type":"hello","id":"a\\u0000b","body":{"token":"x"}}',
        '{"type":"agenda.add","id":1,"key":"k","body":{"title":"\\ud800"}}',
        '{"type":"agenda.add","id":1,"key":"k","key":"k2","body":{"title":"t"}}',
        '{"type":"meeting.configure","id":9223372036854775807,"key":"k","body":{"quorum":1e2}}',
        '{"type":"speaker.move","id":-1,"key":"k","body":{"request":"r1","position":-9223372036854775808}}',
        '{"type":"vote.prepare","id":1.5,"key":"k","body":{"question":"q","kind":"choice","options":["a","a","abstain"]}}',
        '{"type":"ping","id":' + '"' + "x" * 64 + '"}',
        '{"type":"ping","id":' + '"' + "\\\"" * 40 + '"}',
        '[{"type":"ping"}]', '"ping"', 'null', '{}', '{"type":null}',
        '{"type":"minutes.add","id":2,"key":"k","body":{"text":"' + "\u00e9" * 300 + '","speakers":[]}}',
        'vote.closed\n{"vote":"v1","counts":[1,2,3],"colleges":["a"],"college_counts":[],"passed":true,'
        '"winner":"","quorum_met":true,"voted":1,"entitled_n":0,"present":[],"voters":[],"by":[],"choices":[]}',
        'speaker.turn_ended\n{"participant":"b1","spoken":99999999999999}',
    ]
    for i, s in enumerate(hostile):
        c.add("hand-%d" % i, s)
    for name, s in limits().items():
        c.add("limit-" + name, s)


def limits():
    """Messages at the documented limits (PROTOCOL.md), where buffers end."""
    long_id = "a" * 32
    return {
        "ids": message("speaker.give", {"participant": long_id}, "x" * 64),
        "key": compact({"type": "meeting.open", "id": 1, "key": "~" * 64}),
        "title": message("agenda.add", {"title": "\u00e9" * 250, "description": "d\n" * 5000,
                                        "presenter": "p" * 200}, 1),
        "options": message("vote.prepare", {"question": "q" * 500, "kind": "choice",
                                            "options": ["o%02d" % i + "x" * 190 for i in range(20)]}, 1),
        "speakers": message("minutes.add", {"text": "t" * 20000, "speakers": [long_id] * 50}, 1),
        "receipts": message("vote.cast", {"vote": long_id, "choice": "yes", "all": True,
                                          "receipts": ["R" * 64] * 3, "replaces": ["", "S" * 16, ""]}, 1),
        "commission": compact({"name": "n" * 200,
                               "colleges": ["%02d" % i + "x" * 30 for i in range(16)]}),
        "invitations": compact({"participants": [long_id] * 100}),
    }


ROSTER = ["chair", "secr", "b1", "b2", "b3", "l1", "l2", "l3", "obs"]
SENDER = {"chair": "0", "secretary": "1", "member": "2", "observer": "8"}


def core_handle():
    c = Corpus("fuzz_core_handle")
    allowed = permissions()
    for n, kind in enumerate(COMMANDS, 1):
        roles = allowed.get(kind) or ["chair"]
        for state in "01":
            for role in roles[:2]:
                for full in (True, False):
                    line = SENDER[role] + " " + message(kind, body_of("command.%s.json" % kind, full), n)
                    c.add("%s-%s-%s" % (state, kind, role), state + "\n" + line + "\n")
    r = ["Rcpt_%s" % (ch * 17) for ch in "ABCDEFGHIJ"]
    scripts = {
        "secret-vote": [
            '0 {"type":"vote.close","key":"a0","body":{"vote":"v2"}}',
            '0 {"type":"vote.open","key":"a1","body":{"vote":"v1"}}',
            '21{"type":"vote.cast","key":"a2","body":{"vote":"v1","choice":"yes","receipts":["%s"]}}' % r[0],
            '31{"type":"vote.cast","key":"a3","body":{"vote":"v1","choice":"yes","receipts":["%s"]}}' % r[1],
            '5 {"type":"vote.cast","key":"a4","body":{"vote":"v1","choice":"no","receipts":["%s"]}}' % r[2],
            '6 {"type":"vote.cast","key":"a5","body":{"vote":"v1","choice":"abstain","all":true,'
            '"receipts":["%s","%s"]}}' % (r[3], r[4]),
            '2 {"type":"vote.cast","key":"a6","body":{"vote":"v1","choice":"no","receipts":["%s"],'
            '"replaces":["%s"]}}' % (r[5], r[0]),
            '4 {"type":"vote.cast","key":"a7","body":{"vote":"v1","choice":"yes","receipts":["%s"]}}' % r[6],
            '09{"type":"vote.close","key":"a8","body":{"vote":"v1"}}',
            '1 {"type":"vote.publish","key":"a9","body":{"vote":"v1"}}',
        ],
        "named-votes": [
            '7 {"type":"vote.cast","key":"b0","body":{"vote":"v2","choice":"mars"}}',
            '6 {"type":"vote.cast","key":"b1","body":{"vote":"v2","choice":"mars","for":"l3"}}',
            '3 {"type":"vote.cast","key":"b2","body":{"vote":"v2","choice":"avril"}}',
            '0 {"type":"vote.close","key":"b3","body":{"vote":"v2"}}',
            '1 {"type":"vote.prepare","key":"b4","body":{"question":"Double ?","rule":"double"}}',
            '1 {"type":"vote.prepare","key":"b5","body":{"question":"Qualifi\u00e9e ?","rule":"qualified",'
            '"share_num":3,"share_den":4}}',
            '0 {"type":"vote.open","key":"b6","body":{"vote":"v3"}}',
            '2 {"type":"vote.cast","key":"b7","body":{"vote":"v3","choice":"yes"}}',
            '5 {"type":"vote.cast","key":"b8","body":{"vote":"v3","choice":"no"}}',
            '0 {"type":"vote.cancel","key":"b9","body":{"vote":"v3"}}',
            '0 {"type":"vote.open","key":"b10","body":{"vote":"v4"}}',
            '4 {"type":"vote.cast","key":"b11","body":{"vote":"v4","choice":"yes"}}',
            '-4',
            '0 {"type":"vote.close","key":"b12","body":{"vote":"v4"}}',
            '1 {"type":"vote.publish","key":"b13","body":{"vote":"v4"}}',
        ],
        "deadline": [
            '2 {"type":"vote.cast","key":"c0","body":{"vote":"v2","choice":"avril"}}',
            '0*{"type":"ping","id":1}',
            '1 {"type":"vote.publish","key":"c1","body":{"vote":"v2"}}',
        ],
        "speakers": [
            '6 {"type":"speaker.request","key":"d0","body":{"kind":"point_of_order"}}',
            '4 {"type":"speaker.request","key":"d1"}',
            '0 {"type":"speaker.move","key":"d2","body":{"request":"r5","position":0}}',
            '05{"type":"speaker.pause","key":"d3"}',
            '09{"type":"speaker.resume","key":"d4"}',
            '0*{"type":"speaker.next","key":"d5"}',
            '0 {"type":"speaker.give","key":"d6","body":{"participant":"obs"}}',
            '5 {"type":"speaker.withdraw","key":"d7"}',
            '0 {"type":"speaker.close_list","key":"d8"}',
            '3 {"type":"speaker.request","key":"d9","body":{"kind":"point_of_order"}}',
            '0 {"type":"speaker.remove","key":"d10","body":{"request":"r6"}}',
            '0 {"type":"speaker.reopen_list","key":"d11"}',
            '0 {"type":"speaker.end","key":"d12"}',
            '0 {"type":"agenda.open","key":"d13","body":{"item":"i3"}}',
            '1 {"type":"agenda.move","key":"d14","body":{"item":"i4","position":0}}',
            '1 {"type":"agenda.edit","key":"d15","body":{"item":"i4","title":"Divers","kind":"vote"}}',
            '0 {"type":"agenda.postpone","key":"d16","body":{"item":"i1"}}',
            '1 {"type":"agenda.add","key":"d17","body":{"title":"Nouveau","position":0}}',
            '1 {"type":"agenda.remove","key":"d18","body":{"item":"i5"}}',
            '0 {"type":"agenda.close","key":"d19"}',
        ],
        "attendance-proxies": [
            '-2', '-3', '-5',
            '4 {"type":"attendance.checkin","key":"e0"}',
            '1 {"type":"attendance.mark","key":"e1","body":{"participant":"b1","status":"excused","reason":"Cong\u00e9"}}',
            '2 {"type":"proxy.give","key":"e2","body":{"to":"b3"}}',
            '+2',
            '1 {"type":"proxy.revoke","key":"e3","body":{"from":"l3"}}',
            '7 {"type":"proxy.give","key":"e4","body":{"to":"l1"}}',
            '0 {"type":"meeting.configure","key":"e5","body":{"proxy_quorum":true,"quorum":100}}',
            '1 {"type":"attendance.mark","key":"e6","body":{"participant":"b1","status":"none"}}',
            '5 {"type":"recusal.declare","key":"e7"}',
            '5 {"type":"recusal.withdraw","key":"e8"}',
            '+3', '+5', '+7',
        ],
        "lifecycle": [
            '0 {"type":"meeting.configure","key":"f0","body":{"speaking_time":60,"first_turn":false,'
            '"alternate":true,"quorum":0,"grace":0}}',
            '0 {"type":"meeting.open","key":"f1"}',
            '1 {"type":"agenda.add","key":"f2","body":{"title":"Point unique"}}',
            '0 {"type":"agenda.open","key":"f3","body":{"item":"i1"}}',
            '2 {"type":"speaker.request","key":"f4"}',
            '0 {"type":"speaker.next","key":"f5"}',
            '1 {"type":"minutes.add","key":"f6","body":{"text":"Intervention.","speakers":["b1"]}}',
            '1 {"type":"minutes.edit","key":"f7","body":{"entry":"e1","text":"Intervention de Claire."}}',
            '1 {"type":"minutes.add","key":"f8","body":{"text":"\u00c0 supprimer","item":""}}',
            '1 {"type":"minutes.delete","key":"f9","body":{"entry":"e2"}}',
            '0 {"type":"meeting.suspend","key":"f10"}',
            '0*{"type":"meeting.resume","key":"f11"}',
            '0 {"type":"meeting.close","key":"f12"}',
            '1 {"type":"minutes.finalize","key":"f13"}',
            '0 {"type":"record.approve","key":"f14"}',
        ],
    }
    for name, lines in scripts.items():
        state = "0" if name == "lifecycle" else "1"
        c.add("script-" + name, state + "\n" + "\n".join(lines) + "\n")


def api():
    c = Corpus("fuzz_api")
    csv = "nom;coll\u00e8ge;r\u00f4le\r\nL\u00e9a Martin;bailleurs;member\r\nPaul Roux;;observer\r\n"
    reqs = {
        "healthz": ("GET", "/healthz", "-", ""),
        "pubkey": ("GET", "/api/pubkey", "-", ""),
        "commission-create": ("POST", "/api/commissions", "{A}", compact(body_of("http.commission.request.json"))),
        "commission-get": ("GET", "/api/commissions/{C}", "{A}", ""),
        "member-add": ("POST", "/api/commissions/{C}/members", "{A}", compact(body_of("http.member.request.json"))),
        "members-csv": ("POST", "/api/commissions/{C}/members.csv", "{A}", csv),
        "meeting-create": ("POST", "/api/meetings", "{A}",
                           compact(dict(body_of("http.meeting.request.json"), commission="{C}", lang="en"))),
        "snapshot-admin": ("GET", "/api/meetings/{M}", "{A}", ""),
        "snapshot-chair": ("GET", "/api/meetings/{M}", "{T0}", ""),
        "snapshot-member": ("GET", "/api/meetings/{M}", "{T2}", ""),
        "snapshot-stranger": ("GET", "/api/meetings/{M}", "nottoken", ""),
        "invite-all": ("POST", "/api/meetings/{M}/invitations", "{T0}", "{}"),
        "invite-some": ("POST", "/api/meetings/{M}/invitations", "{A}", '{"participants":["{P2}","{P4}"]}'),
        "invite-member": ("POST", "/api/meetings/{M}/invitations", "{T2}", "{}"),
        "revoke": ("DELETE", "/api/meetings/{M}/invitations/{P3}", "{T0}", ""),
        "ballots": ("GET", "/api/meetings/{M}/votes/v1/ballots", "{T3}", ""),
        "minutes": ("GET", "/api/meetings/{M}/minutes", "{T1}", ""),
        "record": ("GET", "/api/meetings/{M}/record/record.json", "{T1}", ""),
        "record-sig": ("GET", "/api/meetings/{M}/record/record.pdf.minisig", "{A}", ""),
        "method": ("PUT", "/api/meetings/{M}", "{A}", "{}"),
        "route": ("GET", "/api/meetings/{M}/votes", "{A}", ""),
        "deep": ("GET", "/api/a/b/c/d/e/f/g", "{A}", ""),
        "dots": ("GET", "/api/meetings/..%2f/x", "{A}", ""),
        "slashes": ("GET", "//api//meetings//{M}", "{A}", ""),
    }

    def req(m, p, b, body):
        return "%s %s\n%s\n%s" % (m, p, b, body)

    for name, r in reqs.items():
        c.add(name, req(*r))
    lim = limits()
    c.add("limit-commission", req("POST", "/api/commissions", "{A}", lim["commission"]))
    c.add("limit-invitations", req("POST", "/api/meetings/{M}/invitations", "{A}", lim["invitations"]))
    c.add("limit-member", req("POST", "/api/commissions/{C}/members", "{A}",
                              compact({"name": "\u00e9" * 100, "college": "locataires", "role": "member"})))
    c.add("seq-revoke-then-read", req(*reqs["revoke"]) + "\n===\n" +
          req("GET", "/api/meetings/{M}", "{T3}", ""))
    c.add("seq-create-meeting-invite", req(*reqs["meeting-create"]) + "\n===\n" + req(*reqs["members-csv"]) +
          "\n===\n" + req(*reqs["meeting-create"]))
    c.add("seq-commission-members", req(*reqs["commission-create"]) + "\n===\n" + req(*reqs["member-add"]) +
          "\n===\n" + req(*reqs["commission-get"]))


def csv():
    c = Corpus("fuzz_csv")
    files = {
        "semicolon-crlf-bom": "\ufeffnom;coll\u00e8ge;r\u00f4le\r\nH\u00e9l\u00e8ne Vasseur;;chair\r\n"
                              "Claire Dubois;bailleurs;member\r\nJean Moreau;locataires;MEMBER\r\n",
        "comma-lf": "name,college,role\nAnne Petit,,observer\nThomas Leroy,,secretary\n",
        "quoted": 'role,name,college\nmember,"Dubois, Claire",bailleurs\nmember,"Marc ""Le Quai""\nDubois",locataires\n',
        "columns-reordered": "R\u00d4LE;NOM;COLL\u00c8GE\r\nmember;Fatima Benali;locataires\r\n",
        "no-college-column": "name;role\nObservateur;observer\n",
        "blank-lines": "name,college,role\n\nA,bailleurs,member\n\r\n\nB,locataires,member",
        "bad-role": "name,college,role\nX,bailleurs,admin\n",
        "member-without-college": "name;college;role\nX;;member\n",
        "unknown-college": "name;college;role\nX;syndics;member\n",
        "unterminated-quote": 'name,college,role\n"X,bailleurs,member\n',
        "text-after-quote": 'name,college,role\n"X"y,bailleurs,member\n',
        "too-many-fields": "name,college,role" + ",x" * 20 + "\n",
        "long-field": "name,college,role\n" + "N" * 1100 + ",bailleurs,member\n",
        "not-utf8": b"name,college,role\nJos\xe9,bailleurs,member\n",
        "header-only": "name,college,role\n",
        "empty": "",
        "missing-fields": "name,college,role\nSeul\n",
    }
    for name, data in files.items():
        c.add(name, data)


# ------------------------------------------------------------------ dictionaries


def dictionaries():
    d = HERE / "dict"
    d.mkdir(exist_ok=True)
    words = set()
    for kind in COMMANDS + EVENTS:
        words.add('"%s"' % kind)
    for s in STORE.values():
        for k in s.get("properties", {}):
            words.add('"%s"' % k)
    for v in ["chair", "secretary", "member", "observer", "yes", "no", "abstain", "secret", "named",
              "choice", "yesno", "simple", "absolute", "qualified", "double", "present", "excused",
              "absent", "none", "contribution", "reply", "point_of_order", "vote", "deliberation",
              "information", "i1", "i2", "r1", "v1", "v2", "e1", "b1", "l2", "l3", "obs"]:
        words.add('"%s"' % v)
    for v in ["true", "false", "null", "{", "}", "[", "]", ":", ",", '"type"', '"id"', '"key"', '"body"',
              "\\u0000", "\\ud83d\\ude00", "9223372036854775807", "-1", "1e9"]:
        words.add(v)
    ordered = sorted(words)

    def esc(w):
        return "".join(chr(b) if 0x20 <= b < 0x7f and chr(b) not in '"\\' else "\\x%02x" % b
                       for b in w.encode("utf-8"))

    def write(target, extra=()):
        lines = ['"%s"' % esc(w) for w in list(ordered) + list(extra)]
        (d / (target + ".dict")).write_text("\n".join(lines) + "\n", "utf-8")

    write("fuzz_proto_decode")
    write("fuzz_core_handle", ["\n0 ", "\n1 ", "\n2 ", "\n6 ", "\n+7", "\n-2", "*"])
    write("fuzz_api", ["GET ", "POST ", "DELETE ", "/api/", "/api/meetings/{M}", "/api/commissions/{C}",
                       "/invitations", "/members.csv", "/members", "/votes/v1/ballots", "/minutes",
                       "/record/record.json", "{A}", "{C}", "{M}", "{P2}", "{T0}", "{T2}", "\n===\n",
                       "\n-\n"])
    (d / "fuzz_csv.dict").write_text("\n".join('"%s"' % esc(w) for w in [
        ",", ";", '"', '""', "\r\n", "\n", "\ufeff", "name", "nom", "college", "coll\u00e8ge", "role",
        "r\u00f4le", "chair", "secretary", "member", "observer", "bailleurs", "locataires"]) + "\n", "utf-8")


if __name__ == "__main__":
    proto_decode()
    core_handle()
    api()
    csv()
    dictionaries()
    for t in sorted((HERE / "corpus").iterdir()):
        print("%s: %d seeds" % (t.name, len(list(t.iterdir()))))
