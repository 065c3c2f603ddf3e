#!/usr/bin/env python3
# SPDX-License-Identifier: AGPL-3.0-or-later
"""Write record.json, the fixture of tests/record/test_render.c.

The demo meeting of the CCR Hauts-de-France (2 February 2021) as
proto/RECORD.md describes it: a log of events with a real hash chain
(PROTOCOL.md 5.2), the final state, and the minutes, automatic and written
by the secretary. The state and the automatic entries are written here the
way server/record/record.c derives them, so that feeding this log to the
record builder gives the same file, byte for byte. Run it to regenerate:

    python3 tests/record/data/make_record.py > tests/record/data/record.json
"""
import datetime as dt
import hashlib
import json
import sys

TZ = dt.timezone(dt.timedelta(hours=1))
MEETING = "ccr-2021-02"


def at(hm, day=2, s=0):
    """ms since the epoch of hh:mm (local time, February 2021)."""
    h, m = map(int, hm.split(":"))
    return int(dt.datetime(2021, 2, day, h, m, s, tzinfo=TZ).timestamp() * 1000)


def canon(v):
    return json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


people = [
    ("vasseur", "Hélène Vasseur", "", "chair"),
    ("leroy", "Thomas Leroy", "", "secretary"),
    ("dubois", "Claire Dubois", "bailleurs", "member"),
    ("lefebvre", "Marc Lefebvre", "bailleurs", "member"),
    ("martin", "Sophie Martin", "bailleurs", "member"),
    ("moreau", "Jean Moreau", "locataires", "member"),
    ("benali", "Fatima Benali", "locataires", "member"),
    ("caron", "Lucien Caron", "locataires", "member"),
    ("garnier", "Paul Garnier", "locataires", "member"),
    ("petit", "Anne Petit", "", "observer"),
]
names = {p[0]: p[1] for p in people}
college = {p[0]: p[2] for p in people}

# id, parent, title, kind, presenter, minutes planned, description, state
agenda = [
    ("i1", "", "Ouverture de la séance et approbation de l'ordre du jour", "vote",
     "Hélène Vasseur", 5, "Vérification du quorum, désignation du secrétaire de séance.", "done"),
    ("i2", "", "Bilan 2020 : la crise sanitaire", "information", "Claire Dubois", 40,
     "Les effets de la crise sanitaire de 2020 sur les locataires et les organismes Hlm.", "done"),
    ("i3", "i2", "Les deux confinements : continuité du service aux locataires", "information",
     "Claire Dubois", 10, "Mesures prises dès mars 2020 pour protéger les collaborateurs et les "
     "locataires ; maintien du contact (application, appels, communication dématérialisée).",
     "done"),
    ("i4", "i2", "Cellules d'appels pour les locataires âgés", "information", "Marc Lefebvre", 10,
     "Préserver le lien social avec les ménages les plus fragiles et les plus âgés.", "done"),
    ("i5", "i2", "Accord national avec les associations de locataires", "information",
     "Jean Moreau", 10, "Accord négocié avec les plus grandes associations de locataires et "
     "décliné régionalement.", "done"),
    ("i6", "i2", "Accords locaux de prévention des impayés", "deliberation", "Fatima Benali", 10,
     "Le risque d'impayé n'est pas avéré à ce jour ; anticiper la crise sociale à venir.", "done"),
    ("i7", "", "Feuille de route 2021", "deliberation", "Hélène Vasseur", 30,
     "Reporter les thèmes prévus en 2020, avec une mise en œuvre adaptée : réunions en "
     "visioconférence.", "done"),
    ("i8", "", "Lancement de trois groupes de travail", "vote", "Hélène Vasseur", 20,
     "Constitution des groupes et désignation de leurs animateurs.", "done"),
    ("i9", "i8", "Groupe 1 : tranquillité résidentielle", "information", "Sophie Martin", 5, "",
     "done"),
    ("i10", "i8", "Groupe 2 : parcours résidentiel des locataires", "information",
     "Lucien Caron", 5, "", "done"),
    ("i11", "i8", "Groupe 3 : prévention des impayés et accompagnement social", "information",
     "Fatima Benali", 5, "", "postponed"),
    ("i12", "", "Questions diverses et date de la prochaine réunion", "information",
     "Hélène Vasseur", 10, "La prochaine réunion fera le point sur l'avancée des travaux.",
     "done"),
]
titles = {a[0]: a[2] for a in agenda}

events = []
minutes = []
current = [""]
state = {"arrived": {}, "left": {}, "disc": {}, "turns": {}, "spoken": {}, "actual": {},
         "opened_item": {}}
turns = []
entry_no = [0]


def roll_call(ballots):
    """Named ballots as the record lists them: in roster order."""
    order = [p[0] for p in people]
    return [{"voter": v, "by": b, "choice": c}
            for v, b, c in sorted(ballots, key=lambda x: order.index(x[0]))]


def ev(ts, actor, type_, body):
    events.append((ts, actor, type_, body))


def auto(ts, text, speakers=()):
    minutes.append({"ts": ts, "item": current[0], "source": "auto", "text": text,
                    "speakers": list(speakers), "entry": "", "edited": False})


def note(ts, text, speakers=(), edited=False):
    entry_no[0] += 1
    e = "e%d" % entry_no[0]
    ev(ts, "leroy", "minutes.entry_added",
       {"entry": e, "item": current[0], "text": text if not edited else edited,
        "speakers": list(speakers)})
    if edited:
        ev(ts + 60000, "leroy", "minutes.entry_edited",
           {"entry": e, "item": current[0], "text": text, "speakers": list(speakers)})
    minutes.append({"ts": ts, "item": current[0], "source": "secretary", "text": text,
                    "speakers": list(speakers), "entry": e, "edited": bool(edited)})


def join(ts, pid, session=True):
    ev(ts, pid, "participant.joined", {"participant": pid})
    state["arrived"].setdefault(pid, ts)
    if session:
        auto(ts, "Arrivée de %s." % names[pid], [pid])


def leave(ts, pid):
    ev(ts, pid, "participant.left", {"participant": pid})
    state["left"][pid] = ts
    state["disc"][pid] = state["disc"].get(pid, 0) + 1
    auto(ts, "Départ de %s." % names[pid], [pid])


def open_item(ts, item):
    if current[0]:
        close_item(ts, current[0])
    ev(ts, "vasseur", "agenda.item_opened", {"item": item})
    current[0] = item
    state["opened_item"][item] = ts
    auto(ts, "Ouverture du point « %s »." % titles[item])


def close_item(ts, item, postponed=False):
    ev(ts, "vasseur", "agenda.item_postponed" if postponed else "agenda.item_closed",
       {"item": item})
    if item in state["opened_item"]:
        state["actual"][item] = state["actual"].get(item, 0) + ts - state["opened_item"].pop(item)
    current[0] = ""  # the builder writes the entry once the item is no longer current
    auto(ts, ("Le point « %s » est reporté." if postponed else "Clôture du point « %s ».")
         % titles[item])


def turn(ts, pid, seconds, kind="contribution"):
    ms = seconds * 1000
    ev(ts, "vasseur", "speaker.requested",
       {"request": "r%d" % (len(turns) + 1), "participant": pid, "kind": kind, "item": current[0]})
    ev(ts, "vasseur", "speaker.turn_started",
       {"request": "r%d" % (len(turns) + 1), "participant": pid, "kind": kind,
        "item": current[0], "allowed": 180000})
    end = ts + ms
    ev(end, "vasseur", "speaker.turn_ended", {"participant": pid, "spoken": ms})
    turns.append({"participant": pid, "item": current[0], "kind": kind, "started": ts,
                  "spoken": ms})
    state["turns"][pid] = state["turns"].get(pid, 0) + 1
    state["spoken"][pid] = state["spoken"].get(pid, 0) + ms
    label = {"contribution": "intervention", "reply": "réponse",
             "point_of_order": "motion d'ordre"}[kind]
    m, s = divmod(seconds, 60)
    d = "%d min %02d s" % (m, s) if m else "%d s" % s
    auto(end, "Intervention de %s (%s, %s)." % (names[pid], label, d), [pid])
    return end


t0 = at("09:00", day=1)
ev(t0, "admin", "meeting.created",
   {"title": "Bilan 2020 et feuille de route 2021", "date": "2021-02-02T09:30:00+01:00",
    "place": "Visioconférence", "room": "https://meet.jit.si/concerto-ccr-2021-02",
    "lang": "fr", "commission": "ccr-hdf", "commission_name": "CCR Hauts-de-France"})
for pid, name, col, role in people:
    ev(t0, "admin", "participant.added",
       {"participant": pid, "name": name, "college": col, "role": role})
settings = {"speaking_time": 180, "first_turn": True, "alternate": True, "quorum": 50,
            "quorum_college": 50, "grace": 30, "proxy_max": 1, "proxy_college": True,
            "proxy_quorum": False}
for pos, a in enumerate(agenda):
    ev(t0, "vasseur", "agenda.item_added",
       {"item": a[0], "title": a[2], "description": a[6], "presenter": a[4],
        "duration": a[5] * 60, "kind": a[3], "parent": a[1], "position": pos,
        "speaking_time": 0})
ev(t0, "vasseur", "meeting.configured", settings)

join(at("09:20"), "leroy", session=False)
join(at("09:25"), "vasseur", session=False)
join(at("09:28"), "dubois", session=False)
join(at("09:29"), "moreau", session=False)
join(at("09:31"), "lefebvre", session=False)
ev(at("09:30"), "leroy", "attendance.marked",
   {"participant": "martin", "status": "excused", "reason": "congé"})
auto(at("09:30"), "Sophie Martin : excusé (congé).", ["martin"])
ev(at("09:30"), "leroy", "proxy.given", {"from": "martin", "to": "dubois"})
auto(at("09:30"), "Sophie Martin donne pouvoir à Claire Dubois.", ["martin", "dubois"])
ev(at("09:30"), "leroy", "attendance.marked",
   {"participant": "garnier", "status": "absent", "reason": ""})
auto(at("09:30"), "Paul Garnier : absent.", ["garnier"])

ev(at("09:32"), "vasseur", "meeting.opened", {})
auto(at("09:32"), "Ouverture de la séance.")
open_item(at("09:33"), "i1")
join(at("09:35"), "benali")
ev(at("09:35"), "system", "quorum.reached", {"present": 4, "required": 4})
auto(at("09:35"), "Le quorum est atteint (4 présents, 4 requis).")
note(at("09:36"), "Hélène Vasseur ouvre la séance et rappelle l’ordre du jour ; Thomas Leroy "
     "est désigné secrétaire de séance. Sophie Martin, excusée, a donné pouvoir à Claire "
     "Dubois.", ["vasseur", "leroy", "martin", "dubois"])
turn(at("09:37"), "moreau", 100)
join(at("09:40"), "caron")

votes = []
ev(at("09:40"), "vasseur", "vote.prepared",
   {"vote": "v1", "item": "i1", "question": "Approbation de l’ordre du jour", "kind": "yesno",
    "options": ["yes", "no", "abstain"], "mode": "named", "rule": "simple", "share_num": 2,
    "share_den": 3, "duration": 0})
members = [p[0] for p in people if p[3] == "member"]
ev(at("09:41"), "vasseur", "vote.opened",
   {"vote": "v1", "deadline": 0, "quorum_met": True, "entitled_n": 7, "entitled": members,
    "present": ["dubois", "lefebvre", "moreau", "benali", "caron"]})
auto(at("09:41"), "Ouverture du vote « Approbation de l’ordre du jour » (scrutin nominal, "
     "majorité simple des suffrages exprimés) : 7 votants inscrits.")
ballots1 = [("dubois", "", "yes"), ("martin", "dubois", "yes"), ("lefebvre", "", "yes"),
            ("moreau", "", "yes"), ("benali", "", "yes"), ("caron", "", "abstain")]
for i, (voter, by, choice) in enumerate(ballots1):
    ev(at("09:42", s=5 * i), by or voter, "ballot.cast",
       {"vote": "v1", "voter": voter, "by": by, "choice": choice})
ev(at("09:44"), "vasseur", "vote.closed",
   {"vote": "v1", "counts": [5, 0, 1], "colleges": ["bailleurs", "locataires"],
    "college_counts": [3, 0, 0, 2, 0, 1], "passed": True, "winner": "", "quorum_met": True,
    "voted": 6, "entitled_n": 7, "present": ["dubois", "lefebvre", "moreau", "benali", "caron"],
    "voters": [b[0] for b in ballots1], "by": [b[1] for b in ballots1],
    "choices": [["yes", "no", "abstain"].index(b[2]) for b in ballots1]})
auto(at("09:44"), "Résultat du vote « Approbation de l’ordre du jour » : adopté. Pour 5, "
     "contre 0, abstention 1 (6 votants sur 7).")
ev(at("09:44"), "leroy", "vote.published", {"vote": "v1"})
votes.append({
    "id": "v1", "item": "i1", "question": "Approbation de l’ordre du jour", "kind": "yesno",
    "options": ["yes", "no", "abstain"], "mode": "named", "rule": "simple", "share_num": 2,
    "share_den": 3, "state": "published", "opened_at": at("09:41"), "closed_at": at("09:44"),
    "entitled": members, "present_open": ["dubois", "lefebvre", "moreau", "benali", "caron"],
    "present_close": ["dubois", "lefebvre", "moreau", "benali", "caron"], "voted": 6,
    "quorum_open": True, "quorum_close": True, "counts": [5, 0, 1],
    "colleges": ["bailleurs", "locataires"], "college_counts": [3, 0, 0, 2, 0, 1],
    "passed": True, "winner": "",
    "ballots": roll_call(ballots1)})

open_item(at("09:45"), "i2")
join(at("09:45"), "petit")
t = turn(at("09:46"), "dubois", 175)
note(t + 30000, "Claire Dubois présente le bilan de l’année : face à l’urgence, les bailleurs "
     "ont dû prendre dès mars 2020 des mesures « indispensables et sans précédent » pour "
     "protéger leurs collaborateurs et les locataires.", ["dubois"])
t = turn(at("09:52"), "moreau", 140, "reply")
note(t + 20000, "Jean Moreau souligne le sentiment d’inquiétude de certains locataires, "
     "associé aux mesures contraintes imposées par le gouvernement (déplacements, visites, "
     "déménagements…).", ["moreau"])

open_item(at("09:58"), "i3")
t = turn(at("09:59"), "dubois", 160)
note(t + 15000, "Les organismes du mouvement Hlm Hauts-de-France ont maintenu le contact avec "
     "leurs locataires par les moyens les plus adaptés : application, appels téléphoniques, "
     "communication dématérialisée.", ["dubois"])
t = turn(at("10:04"), "benali", 95)

open_item(at("10:10"), "i4")
t = turn(at("10:11"), "lefebvre", 170)
note(t + 10000, "Marc Lefebvre décrit les cellules d’appels mises en place pour préserver le "
     "lien social entre le bailleur et le résident, en particulier avec les ménages les plus "
     "âgés.", ["lefebvre"])
t = turn(at("10:16"), "caron", 65, "reply")

open_item(at("10:22"), "i5")
t = turn(at("10:23"), "moreau", 178)
note(t + 12000, "Un accord national a été négocié avec les plus grandes associations de "
     "locataires ; sa déclinaison régionale est en œuvre depuis l’automne.", ["moreau"],
     edited="Un accord national a été négocié avec les associations de locataires.")
t = turn(at("10:28"), "dubois", 80)

open_item(at("10:35"), "i6")
t = turn(at("10:36"), "benali", 180)
t = turn(at("10:40"), "lefebvre", 120)
note(t + 20000, "Des accords locaux sur la prévention des impayés ont aussi été mis en "
     "place. À ce jour, le risque d’impayé n’est pas avéré, mais les participants "
     "s’accordent sur les risques qui émergeront lors de la crise sociale qui se profile à "
     "l’horizon.", ["benali", "lefebvre"])
close_item(at("10:50"), "i6")
ev(at("10:50"), "vasseur", "meeting.suspended", {})
auto(at("10:50"), "Suspension de séance.")
ev(at("11:00"), "vasseur", "meeting.resumed", {})
auto(at("11:00"), "Reprise de la séance.")

open_item(at("11:01"), "i7")
t = turn(at("11:02"), "vasseur", 150)
note(t + 10000, "Dans ce contexte si particulier, la CCR n’a pas pu déployer la feuille de "
     "route prévue pour 2020. Les grands thèmes sont reportés, avec une mise en œuvre adaptée "
     "aux conditions actuelles, notamment le recours aux réunions en visioconférence.",
     ["vasseur"])
t = turn(at("11:07"), "caron", 110)
t = turn(at("11:10"), "dubois", 90, "reply")
t = turn(at("11:13"), "moreau", 45, "point_of_order")
ev(at("11:20"), "caron", "recusal.declared", {"participant": "caron", "item": "i8"})
auto(at("11:20"), "Lucien Caron se déporte sur le point « Lancement de trois groupes de "
     "travail ».", ["caron"])

open_item(at("11:25"), "i8")
note(at("11:27"), "Trois groupes vont démarrer leurs travaux ; chacun désigne son animateur "
     "et rend compte à la prochaine réunion.", [])
ev(at("11:33"), "vasseur", "vote.prepared",
   {"vote": "v2", "item": "i8",
    "question": "Création des trois groupes de travail et désignation de leurs animateurs",
    "kind": "yesno", "options": ["yes", "no", "abstain"], "mode": "secret", "rule": "absolute",
    "share_num": 2, "share_den": 3, "duration": 300})
entitled2 = [m for m in members if m != "caron"]
present2 = ["dubois", "lefebvre", "moreau", "benali"]
ev(at("11:35"), "vasseur", "vote.opened",
   {"vote": "v2", "deadline": at("11:40"), "quorum_met": True, "entitled_n": 6,
    "entitled": entitled2, "present": present2 + ["caron"]})
q2 = "Création des trois groupes de travail et désignation de leurs animateurs"
auto(at("11:35"), "Ouverture du vote « %s » (scrutin secret, majorité absolue des membres) : "
     "6 votants inscrits." % q2)
for i, (voter, by) in enumerate([("dubois", ""), ("martin", "dubois"), ("lefebvre", ""),
                                 ("moreau", ""), ("benali", "")]):
    ev(at("11:36", s=7 * i), by or voter, "ballot.cast",
       {"vote": "v2", "voter": voter, "by": by, "choice": ""})
ev(at("11:39"), "vasseur", "vote.closed",
   {"vote": "v2", "counts": [4, 1, 0], "colleges": ["bailleurs", "locataires"],
    "college_counts": [3, 0, 0, 1, 1, 0], "passed": True, "winner": "", "quorum_met": True,
    "voted": 5, "entitled_n": 6, "present": present2, "voters": [], "by": [], "choices": []})
auto(at("11:39"), "Résultat du vote « %s » : adopté. Pour 4, contre 1, abstention 0 "
     "(5 votants sur 6)." % q2)
ev(at("11:39"), "leroy", "vote.published", {"vote": "v2"})
votes.append({
    "id": "v2", "item": "i8", "question": q2, "kind": "yesno",
    "options": ["yes", "no", "abstain"], "mode": "secret", "rule": "absolute", "share_num": 2,
    "share_den": 3, "state": "published", "opened_at": at("11:35"), "closed_at": at("11:39"),
    "entitled": entitled2, "present_open": present2 + ["caron"], "present_close": present2,
    "voted": 5,
    "quorum_open": True, "quorum_close": True, "counts": [4, 1, 0],
    "colleges": ["bailleurs", "locataires"], "college_counts": [3, 0, 0, 1, 1, 0],
    "passed": True, "winner": "", "ballots": []})

open_item(at("11:41"), "i9")
t = turn(at("11:42"), "lefebvre", 75)
open_item(at("11:45"), "i10")
note(at("11:46"), "Groupe 2 : Lucien Caron animera les travaux sur le parcours résidentiel, "
     "de l’entrée dans les lieux au départ du locataire.", ["caron"])
current[0] = "i10"
close_item(at("11:49"), "i10")
close_item(at("11:50"), "i11", postponed=True)

open_item(at("11:51"), "i12")
note(at("11:52"), "Questions diverses : aucune.", [])
ev(at("11:53"), "vasseur", "vote.prepared",
   {"vote": "v3", "item": "i12", "question": "Date de la prochaine réunion", "kind": "choice",
    "options": ["mardi 4 mai 2021", "jeudi 6 mai 2021", "abstain"], "mode": "named",
    "rule": "simple", "share_num": 2, "share_den": 3, "duration": 0})
present3 = ["dubois", "lefebvre", "moreau", "benali", "caron"]
ev(at("11:53"), "vasseur", "vote.opened",
   {"vote": "v3", "deadline": 0, "quorum_met": True, "entitled_n": 7, "entitled": members,
    "present": present3})
auto(at("11:53"), "Ouverture du vote « Date de la prochaine réunion » (scrutin nominal, "
     "majorité simple des suffrages exprimés) : 7 votants inscrits.")
ballots3 = [("dubois", "", "jeudi 6 mai 2021"), ("martin", "dubois", "jeudi 6 mai 2021"),
            ("lefebvre", "", "mardi 4 mai 2021"), ("moreau", "", "jeudi 6 mai 2021"),
            ("benali", "", "jeudi 6 mai 2021"), ("caron", "", "abstain")]
for i, (voter, by, choice) in enumerate(ballots3):
    ev(at("11:54", s=6 * i), by or voter, "ballot.cast",
       {"vote": "v3", "voter": voter, "by": by, "choice": choice})
ev(at("11:55"), "vasseur", "vote.closed",
   {"vote": "v3", "counts": [1, 4, 1], "colleges": ["bailleurs", "locataires"],
    "college_counts": [1, 2, 0, 0, 2, 1], "passed": True, "winner": "jeudi 6 mai 2021",
    "quorum_met": True, "voted": 6, "entitled_n": 7, "present": present3,
    "voters": [b[0] for b in ballots3], "by": [b[1] for b in ballots3],
    "choices": [["mardi 4 mai 2021", "jeudi 6 mai 2021", "abstain"].index(b[2])
                for b in ballots3]})
auto(at("11:55"), "Résultat du vote « Date de la prochaine réunion » : « jeudi 6 mai 2021 » "
     "l'emporte. Mardi 4 mai 2021 1, jeudi 6 mai 2021 4, abstention 1 (6 votants sur 7).")
ev(at("11:55"), "leroy", "vote.published", {"vote": "v3"})
votes.append({
    "id": "v3", "item": "i12", "question": "Date de la prochaine réunion", "kind": "choice",
    "options": ["mardi 4 mai 2021", "jeudi 6 mai 2021", "abstain"], "mode": "named",
    "rule": "simple", "share_num": 2, "share_den": 3, "state": "published",
    "opened_at": at("11:53"), "closed_at": at("11:55"), "entitled": members,
    "present_open": present3, "present_close": present3, "voted": 6, "quorum_open": True,
    "quorum_close": True, "counts": [1, 4, 1], "colleges": ["bailleurs", "locataires"],
    "college_counts": [1, 2, 0, 0, 2, 1], "passed": True, "winner": "jeudi 6 mai 2021",
    "ballots": roll_call(ballots3)})
leave(at("11:58"), "benali")
note(at("12:02"), "La prochaine réunion permettra de faire le point sur l’avancée des "
     "travaux ; le secrétariat adressera le procès-verbal aux membres sous huitaine.", [])
close_item(at("12:06"), "i12")
ev(at("12:07"), "vasseur", "meeting.closed", {})
auto(at("12:07"), "Clôture de la séance.")
ev(at("12:15"), "leroy", "minutes.finalized", {})
ev(at("10:02", day=3), "vasseur", "record.approved", {})

# the hash chain of PROTOCOL.md 5.2
prev = bytes(32)
wire = []
for seq, (ts, actor, type_, body) in enumerate(events, 1):
    pre = "\n".join([MEETING, str(seq), str(ts), actor, type_, canon(body)]).encode()
    prev = hashlib.blake2b(prev + pre, digest_size=32).digest()
    wire.append({"meeting": MEETING, "seq": seq, "ts": ts, "actor": actor, "type": type_,
                 "body": body, "hash": prev.hex()})

present_close = ["dubois", "lefebvre", "moreau", "caron"]
participants = []
for pid, name, col, role in people:
    mark = {"martin": "excused", "garnier": "absent"}.get(pid, "none")
    participants.append({
        "id": pid, "name": name, "college": col, "role": role,
        "arrived": state["arrived"].get(pid, 0), "left": state["left"].get(pid, 0),
        "disconnections": state["disc"].get(pid, 0), "mark": mark,
        "reason": "congé" if pid == "martin" else "", "turns": state["turns"].get(pid, 0),
        "spoken": state["spoken"].get(pid, 0)})

record = {
    "format": "concerto-record/1",
    "lang": "fr",
    "commission": {"id": "ccr-hdf", "name": "CCR Hauts-de-France"},
    "meeting": {"id": MEETING, "title": "Bilan 2020 et feuille de route 2021",
                "date": "2021-02-02T09:30:00+01:00", "place": "Visioconférence",
                "room": "https://meet.jit.si/concerto-ccr-2021-02",
                "opened_at": at("09:32"), "closed_at": at("12:07")},
    "participants": participants,
    "attendance": {"present": 4, "total": 7,
                   "colleges": {"bailleurs": {"present": 2, "total": 3, "required": 2},
                                "locataires": {"present": 2, "total": 4, "required": 2}},
                   "quorum": {"met": True, "present": 4, "required": 4}},
    "settings": settings,
    "proxies": [{"from": "martin", "to": "dubois"}],
    "recusals": [{"participant": "caron", "item": "i8"}],
    "agenda": [{"id": a[0], "title": a[2], "description": a[6], "presenter": a[4],
                "kind": a[3], "parent": a[1], "duration": a[5] * 60, "state": a[7],
                "actual": state["actual"].get(a[0], 0)} for a in agenda],
    "turns": turns,
    "votes": votes,
    "minutes": sorted(minutes, key=lambda m: m["ts"]),
    "finalized": {"by": "leroy", "at": at("12:15")},
    "approved": {"by": "vasseur", "at": at("10:02", day=3)},
    "chain": {"events": len(wire), "head": prev.hex()},
    "events": wire,
}
sys.stdout.write(canon(record))
