/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * demo.c - the demo commission and meeting of `concerto serve --demo`.
 *
 * The Commission de Concertation Régionale of Hauts-de-France, with its two
 * colleges, meets to review 2020 and prepare 2021. The data goes through the
 * same functions as the HTTP API (store rows, then meeting events), inside
 * one transaction, so the demo is an ordinary meeting in the log. The three
 * working groups it launches are the commission's, each with its first
 * action recorded on its item, and the decision that launches them. Run again
 * on the same database, it finds the meeting and only issues fresh links,
 * revoking the previous ones: a token is shown once.
 */
#define _POSIX_C_SOURCE 200809L
#include "hub_impl.h"

#include "../crypto/sec.h"
#include "../err.h"
#include "../log.h"
#include "../store/store.h"

#include <stdio.h>
#include <string.h>

#define DEMO_COMMISSION "ccr-hdf"
#define DEMO_MEETING "ccr-2021-02"

static const struct {
    const char *id, *name, *college, *role;
} people[] = {
    {"vasseur", "Hélène Vasseur", "", "chair"},
    {"leroy", "Thomas Leroy", "", "secretary"},
    {"dubois", "Claire Dubois", "bailleurs", "member"},
    {"lefebvre", "Marc Lefebvre", "bailleurs", "member"},
    {"martin", "Sophie Martin", "bailleurs", "member"},
    {"moreau", "Jean Moreau", "locataires", "member"},
    {"benali", "Fatima Benali", "locataires", "member"},
    {"caron", "Lucien Caron", "locataires", "member"},
    {"petit", "Anne Petit", "", "observer"},
};

#define NPEOPLE (sizeof(people) / sizeof(people[0]))

/* The agenda, from the commission's meeting of 2 February 2021. `sub` items
 * belong to the last top-level item before them. */
static const struct {
    int sub;
    const char *title, *kind, *presenter;
    int minutes;
    const char *description;
} agenda[] = {
    {0, "Ouverture de la séance et approbation de l'ordre du jour", "vote", "Hélène Vasseur", 5,
     "Vérification du quorum, désignation du secrétaire de séance."},
    {0, "Bilan 2020 : la crise sanitaire", "information", "Claire Dubois", 40,
     "Les effets de la crise sanitaire de 2020 sur les locataires et les organismes Hlm."},
    {1, "Les deux confinements : continuité du service aux locataires", "information",
     "Claire Dubois", 10,
     "Mesures prises dès mars 2020 pour protéger les collaborateurs et les locataires ; "
     "maintien du contact (application, appels, communication dématérialisée)."},
    {1, "Cellules d'appels pour les locataires âgés", "information", "Marc Lefebvre", 10,
     "Préserver le lien social avec les ménages les plus fragiles et les plus âgés."},
    {1, "Accord national avec les associations de locataires", "information", "Jean Moreau", 10,
     "Accord négocié avec les plus grandes associations de locataires et décliné "
     "régionalement."},
    {1, "Accords locaux de prévention des impayés", "deliberation", "Fatima Benali", 10,
     "Le risque d'impayé n'est pas avéré à ce jour ; anticiper la crise sociale à venir."},
    {0, "Feuille de route 2021", "deliberation", "Hélène Vasseur", 30,
     "Reporter les thèmes prévus en 2020, avec une mise en œuvre adaptée : réunions en "
     "visioconférence."},
    {0, "Lancement de trois groupes de travail", "vote", "Hélène Vasseur", 20,
     "Constitution des groupes et désignation de leurs animateurs."},
    {1, "Groupe 1 : tranquillité résidentielle", "information", "Sophie Martin", 5, ""},
    {1, "Groupe 2 : parcours résidentiel des locataires", "information", "Lucien Caron", 5, ""},
    {1, "Groupe 3 : prévention des impayés et accompagnement social", "information",
     "Fatima Benali", 5, ""},
    {0, "Questions diverses et date de la prochaine réunion", "information", "Hélène Vasseur", 10,
     "La prochaine réunion fera le point sur l'avancée des travaux."},
};

#define NAGENDA (sizeof(agenda) / sizeof(agenda[0]))

/* The three working groups launched that day (the items of the same titles),
 * their leads and members, and each one's first action. */
static const struct {
    const char *id, *item, *lead, *members, *mandate, *due, *action;
} groups[] = {
    {"g1-tranquillite", "Groupe 1 : tranquillité résidentielle", "martin", "martin,dubois,moreau",
     "Recenser les bonnes pratiques de tranquillité résidentielle et les améliorations à déployer "
     "sur les territoires.",
     "2021-06-30", "Recenser les bonnes pratiques des organismes et des associations"},
    {"g2-parcours", "Groupe 2 : parcours résidentiel des locataires", "caron", "caron,lefebvre,benali",
     "Travailler le parcours résidentiel des locataires, en réunions en visioconférence.",
     "2021-06-30", "Établir l'état des lieux des demandes de mutation"},
    {"g3-impayes", "Groupe 3 : prévention des impayés et accompagnement social", "benali",
     "benali,dubois,caron",
     "Suivre les accords locaux de prévention des impayés et anticiper la crise sociale à venir.",
     "2021-05-31", "Faire le bilan des accords locaux de prévention des impayés"},
};

#define NGROUPS (sizeof(groups) / sizeof(groups[0]))

/* The groups as the secretariat would create them (the store), and the
 * decision and actions of the item that launches them, as the chair would
 * record them (commands). */
static int
launch_groups(struct hub *h, struct meeting *m, int64_t now, struct evlist *evs)
{
    int rc = 0;
    int32_t launch = -1;
    for (size_t i = 0; i < m->nitems; i++) {
        if (strcmp(m->items[i].title, "Lancement de trois groupes de travail") == 0) {
            launch = (int32_t)i;
        }
    }
    for (size_t i = 0; rc == 0 && i < NGROUPS; i++) {
        struct store_group g = {.commission = DEMO_COMMISSION, .id = groups[i].id,
                                .name = groups[i].item, .lead = groups[i].lead,
                                .members = groups[i].members, .mandate = groups[i].mandate,
                                .due = groups[i].due};
        rc = store_group_put(h->st, &g, true, now);
        int32_t it = -1;
        for (size_t k = 0; k < m->nitems; k++) {
            if (strcmp(m->items[k].title, groups[i].item) == 0) {
                it = (int32_t)k;
            }
        }
        struct cmd c = {.type = CMD_ACTION_RECORD};
        c.b.title = (char *)groups[i].action;
        c.b.owner = (char *)groups[i].id;
        c.b.name = (char *)groups[i].item; /* the group's name, as the hub finds it */
        c.b.due = (char *)groups[i].due;
        c.b.item = it >= 0 ? m->items[it].id : "";
        if (rc == 0) {
            rc = meeting_handle(m, &c, "vasseur", now, evs);
        }
    }
    if (rc == 0 && launch >= 0) {
        struct cmd d = {.type = CMD_DECISION_RECORD};
        d.b.text = "Trois groupes de travail sont constitués ; la prochaine réunion fera le point sur "
                   "l'avancée de leurs travaux.";
        d.b.item = m->items[launch].id;
        rc = meeting_handle(m, &d, "vasseur", now, evs);
    }
    return rc;
}

/* Build the agenda and the quorum rule as the chair would, with commands. */
static int
prepare(struct meeting *m, int64_t now, struct evlist *evs)
{
    char parent[ID_MAX] = "";
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < NAGENDA; i++) {
        struct cmd c = {.type = CMD_AGENDA_ADD};
        c.b.title = (char *)agenda[i].title;
        c.b.kind = (char *)agenda[i].kind;
        c.b.presenter = (char *)agenda[i].presenter;
        c.b.description = (char *)agenda[i].description;
        c.b.parent = agenda[i].sub ? parent : "";
        c.b.has = HAS_DURATION;
        c.b.duration = agenda[i].minutes * 60;
        rc = meeting_handle(m, &c, "vasseur", now, evs);
        if (rc == 0 && !agenda[i].sub) {
            snprintf(parent, sizeof(parent), "%s", evs->v[evs->len - 1].b.item);
        }
    }
    struct cmd q = {.type = CMD_MEETING_CONFIGURE};
    q.b.has = HAS_QUORUM | HAS_QUORUM_COLLEGE;
    q.b.quorum = 50;
    q.b.quorum_college = 50;
    q.b.approval = (char *)approval_str(true); /* the commission approves its minutes at the next meeting */
    return rc ? rc : meeting_handle(m, &q, "vasseur", now, evs);
}

static int
create(struct hub *h, int64_t now, struct live **out)
{
    struct evlist evs = {0};
    struct live *l = NULL;
    int rc = store_commission_add(h->st, DEMO_COMMISSION, "CCR Hauts-de-France",
                                  "bailleurs,locataires", now);
    for (size_t i = 0; rc == 0 && i < NPEOPLE; i++) {
        rc = store_member_add(h->st, people[i].id, DEMO_COMMISSION, people[i].name,
                              people[i].college, people[i].role, now);
    }
    if (rc == 0) {
        rc = store_meeting_add(h->st, DEMO_MEETING, DEMO_COMMISSION, now);
    }
    if (rc == 0) {
        rc = hub_live(h, DEMO_MEETING, &l);
    }
    char room[256];
    snprintf(room, sizeof(room), "%sconcerto-%s", h->cfg.room_base, DEMO_MEETING);
    struct body b = {.title = "Bilan 2020 et feuille de route 2021",
                     .date = "2021-02-02T09:30:00+01:00",
                     .place = "Visioconférence",
                     .room = room,
                     .lang = "fr",
                     .commission = DEMO_COMMISSION,
                     .commission_name = "CCR Hauts-de-France"};
    if (rc == 0) {
        rc = meeting_create(l->m, &b, now, &evs);
    }
    for (size_t i = 0; rc == 0 && i < NPEOPLE; i++) {
        struct body p = {.participant = (char *)people[i].id, .name = (char *)people[i].name,
                         .college = (char *)people[i].college, .role = (char *)people[i].role};
        rc = meeting_add_participant(l->m, &p, now, &evs);
    }
    if (rc == 0) {
        rc = prepare(l->m, now, &evs);
    }
    if (rc == 0) {
        rc = launch_groups(h, l->m, now, &evs);
    }
    if (rc == 0) {
        rc = hub_write_events(h, l, &evs);
    }
    evlist_clear(&evs);
    *out = l;
    return rc;
}

int
hub_demo(struct hub *h, const char *base, int64_t now, void (*print)(const char *line))
{
    struct live *l = NULL;
    char line[512];
    h->now = now;
    int rc = hub_begin(h);
    if (rc) {
        return rc;
    }
    rc = hub_live(h, DEMO_MEETING, &l);
    if (rc == ERR_NOT_FOUND) {
        rc = create(h, now, &l);
    }
    for (size_t i = 0; rc == 0 && i < l->m->nparts; i++) {
        const struct participant *p = &l->m->parts[i];
        char token[SEC_TOKEN_LEN + 1];
        uint8_t hash[SEC_HASH_LEN];
        if ((rc = store_token_revoke(h->st, l->m->id, p->id, now, NULL)) == 0 &&
            (rc = sec_token_new(token, hash)) == 0) {
            rc = store_token_add(h->st, hash, "invitation", l->m->id, p->id, now);
        }
        if (rc == 0) {
            snprintf(line, sizeof(line), "  %-9s %-10s %s: %s/m/%s#t=%s", role_str(p->role),
                     p->college[0] ? p->college : "-", p->name, base, l->m->id, token);
            print(line);
        }
        sec_wipe(token, sizeof(token));
        sec_wipe(line, sizeof(line));
    }
    hub_end(h, rc ? l : NULL, 0, rc);
    if (rc) {
        store_rollback(h->st);
        return rc;
    }
    return hub_flush(h, now);
}

int
hub_admin_token(struct hub *h, char *out, size_t outlen, int64_t now)
{
    uint8_t hash[SEC_HASH_LEN];
    if (outlen < SEC_TOKEN_LEN + 1) {
        return ERR_INVALID;
    }
    int rc = sec_token_new(out, hash);
    if (rc) {
        return rc;
    }
    if ((rc = store_begin(h->st)) == 0) {
        rc = store_token_add(h->st, hash, "admin", "", "", now);
        rc = rc ? (store_rollback(h->st), rc) : store_commit(h->st);
    }
    sec_wipe(hash, sizeof(hash));
    if (rc) {
        sec_wipe(out, outlen);
    }
    return rc;
}
