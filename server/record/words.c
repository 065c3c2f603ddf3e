/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * words.c - the word table of the record (see words.h).
 */
#include "words.h"

#include <stdio.h>
#include <string.h>

/* French first. Formats take their arguments in the same order in both. */
static const char *const words[W_COUNT][2] = {
    [W_APPROVAL_ITEM] = {"Approbation du procès-verbal de la séance du %s",
                         "Approval of the minutes of the meeting of %s"},
    [W_APPROVAL_ITEM_UNDATED] = {"Approbation du procès-verbal de la séance « %s »",
                                 "Approval of the minutes of the meeting \"%s\""},
    [W_AUTO_APPROVED_VOTE] = {"Le procès-verbal de la séance du %s est approuvé par le vote « %s ».",
                              "The minutes of the meeting of %s are approved by the vote \"%s\"."},
    [W_AUTO_APPROVED_NO_OBJECTION] = {"Le procès-verbal de la séance du %s est approuvé sans opposition.",
                                      "The minutes of the meeting of %s are approved without objection."},
    [W_APPROVED_BY] = {"Approuvé le %s par la séance du %s.", "Approved on %s by the meeting of %s."},
    [W_PV] = {"Procès-verbal", "Minutes"},
    [W_MEETING_OF] = {"Procès-verbal de la réunion du %s", "Minutes of the meeting of %s"},
    [W_DATE_AT] = {"%s à\xc2\xa0%s", "%s at %s"},
    [W_PLACE] = {"Lieu", "Place"},
    [W_ROOM] = {"Visioconférence", "Video conference"},
    [W_SESSION] = {"Séance ouverte à %s, levée à %s (durée : %s).",
                   "The meeting opened at %s and closed at %s (%s)."},
    [W_TZ_LOCAL] = {"Les heures sont données en heure locale (UTC%s).", "Times are local (UTC%s)."},
    [W_TZ_UTC] = {"Les heures sont données en temps universel (UTC).", "Times are in UTC."},
    [W_PRESENT] = {"Étaient présents", "Present"},
    [W_EXCUSED] = {"Excusés", "Excused"},
    [W_ABSENT] = {"Absents", "Absent"},
    [W_COLLEGE] = {"Collège %s", "College %s"},
    [W_OTHERS] = {"Autres participants", "Other participants"},
    [W_NO_COLLEGE] = {"sans collège", "no college"},
    [W_NAME] = {"Nom", "Name"},
    [W_NOTES] = {"Observations", "Notes"},
    [W_HOLDS] = {"pouvoir de %s", "proxy from %s"},
    [W_NOBODY] = {"Aucun.", "None."},
    [W_QUORUM_COLLEGE] = {"%s : %s sur %lld, %lld requis (%s).",
                          "%s: %s of %lld, %lld required (%s)."},
    [W_MET] = {"atteint", "met"},
    [W_NOT_MET] = {"non atteint", "not met"},
    [W_PROXIES] = {"Pouvoirs", "Proxies"},
    [W_GIVER] = {"Mandant", "Giver"},
    [W_HOLDER] = {"Mandataire", "Holder"},
    [W_COLLEGE_COL] = {"Collège", "College"},
    [W_NO_PROXY] = {"Aucun pouvoir.", "No proxy."},
    [W_RECUSALS] = {"Déports", "Recusals"},
    [W_MEMBER] = {"Membre", "Member"},
    [W_ITEM] = {"Point", "Item"},
    [W_ITEM_REF] = {"Point %s : %s", "Item %s: %s"},
    [W_NO_RECUSAL] = {"Aucun déport.", "No recusal."},
    [W_AGENDA] = {"Ordre du jour", "Agenda"},
    [W_NUM] = {"N°", "No."},
    [W_KIND] = {"Nature", "Kind"},
    [W_PRESENTER] = {"Rapporteur", "Presenter"},
    [W_PLANNED] = {"Prévu", "Planned"},
    [W_ACTUAL] = {"Réel", "Actual"},
    [W_STATE] = {"Suite", "Outcome"},
    [W_INFORMATION] = {"information", "information"},
    [W_DELIBERATION] = {"délibération", "deliberation"},
    [W_VOTE_KIND] = {"vote", "vote"},
    [W_DONE] = {"traité", "dealt with"},
    [W_POSTPONED] = {"reporté", "postponed"},
    [W_PENDING] = {"non traité", "not reached"},
    [W_CURRENT] = {"en cours", "current"},
    [W_NO_AGENDA] = {"Aucun point.", "No item."},
    [W_DOCUMENTS] = {"Documents", "Documents"},
    [W_DOCUMENT] = {"Document", "Document"},
    [W_FORMAT] = {"Format, taille", "Format, size"},
    [W_SHA256] = {"SHA-256", "SHA-256"},
    [W_DOC_REMOVED] = {"(retiré de l’ordre du jour)", "(removed from the agenda)"},
    [W_MINUTES] = {"Déroulement de la séance", "Proceedings"},
    [W_LEGEND] = {"Les mentions en italique sont écrites automatiquement à partir du journal "
                  "de la séance ; les autres sont rédigées par le secrétariat de séance.",
                  "Entries in italics are written automatically from the meeting's log; "
                  "the others are written by the secretary."},
    [W_OUTSIDE] = {"Hors ordre du jour", "Outside the agenda"},
    [W_CONTINUED] = {"(suite)", "(continued)"},
    [W_PRESENTED_BY] = {"Rapporteur : %s.", "Presented by %s."},
    [W_EDITED] = {"(modifié)", "(edited)"},
    [W_NO_MINUTES] = {"Aucune mention.", "No entry."},
    [W_VOTE] = {"Vote : %s", "Vote: %s"},
    [W_MODE] = {"Mode", "Mode"},
    [W_NAMED] = {"scrutin nominal", "roll-call vote"},
    [W_SECRET] = {"scrutin secret", "secret ballot"},
    [W_RULE] = {"Règle", "Rule"},
    [W_SIMPLE] = {"majorité simple des suffrages exprimés", "simple majority of votes cast"},
    [W_ABSOLUTE] = {"majorité absolue des membres appelés à voter",
                    "absolute majority of the members entitled to vote"},
    [W_QUALIFIED] = {"majorité qualifiée de %lld/%lld des suffrages exprimés",
                     "qualified majority of %lld/%lld of votes cast"},
    [W_DOUBLE] = {"double majorité : majorité simple dans chaque collège",
                  "double majority: a simple majority in every college"},
    [W_RELATIVE] = {"majorité relative", "plurality"},
    [W_ABSOLUTE_CAST] = {"majorité absolue des suffrages exprimés",
                         "absolute majority of votes cast"},
    [W_VOTERS] = {"Votants", "Voted"},
    [W_VOTERS_VALUE] = {"%lld sur %s", "%lld of %s"},
    [W_QUORUM] = {"Quorum", "Quorum"},
    [W_QUORUM_VALUE] = {"%s à l’ouverture (%s), %s à la clôture (%s)",
                        "%s at opening (%s), %s at close (%s)"},
    [W_OPTION] = {"Option", "Option"},
    [W_TOTAL] = {"Total", "Total"},
    [W_YES] = {"Pour", "For"},
    [W_NO] = {"Contre", "Against"},
    [W_ABSTAIN] = {"Abstention", "Abstain"},
    [W_RESULT] = {"Résultat : %s", "Result: %s"},
    [W_ADOPTED] = {"adopté", "adopted"},
    [W_REJECTED] = {"rejeté", "rejected"},
    [W_WINNER] = {"option « %s » retenue", "option \"%s\" chosen"},
    [W_NO_WINNER] = {"aucune option ne l’emporte, rejeté", "no option prevails, rejected"},
    [W_NO_QUORUM_OPEN] = {"quorum non atteint à l’ouverture", "no quorum at opening"},
    [W_SECRET_NOTE] = {"Scrutin secret : le journal établit qui a voté, jamais le choix de "
                       "chacun.",
                       "Secret ballot: the log records who voted, never anyone's choice."},
    [W_ROLL_CALL] = {"%s : %s.", "%s: %s."},
    [W_CAST_BY] = {"%s (pouvoir exercé par %s)", "%s (proxy cast by %s)"},
    [W_CANCELLED] = {"Le vote « %s » a été annulé.", "The vote \"%s\" was cancelled."},
    [W_STATS] = {"Temps de parole", "Speaking time"},
    [W_BY_PARTICIPANT] = {"Par participant", "By participant"},
    [W_BY_COLLEGE] = {"Par collège", "By college"},
    [W_TURNS] = {"Interventions", "Turns"},
    [W_TIME] = {"Durée", "Time"},
    [W_SHARE] = {"Part", "Share"},
    [W_MEMBERS] = {"Membres", "Members"},
    [W_STATS_TOTAL] = {"Total : %s en %s interventions.", "Total: %s in %s turns."},
    [W_NO_TURNS] = {"Aucune prise de parole enregistrée.", "No turn of speech recorded."},
    [W_CLOSING] = {"Clôture du procès-verbal", "Closing"},
    [W_FINALIZED] = {"Procès-verbal finalisé par %s le %s.", "Minutes finalised by %s on %s."},
    [W_APPROVED] = {"Approuvé par %s le %s.", "Approved by %s on %s."},
    [W_NOT_APPROVED] = {"Non encore approuvé.", "Not yet approved."},
    [W_CHAIN] = {"Journal de la séance : %s événements ; tête de la chaîne (BLAKE2b-256) :",
                 "Meeting log: %s events; head of the chain (BLAKE2b-256):"},
    [W_VERIFY] = {"Chaque fichier du procès-verbal est signé (minisign) et sa signature le lie à "
                  "cette tête de chaîne. Pour vérifier ce document, puis les quatre fichiers "
                  "et la chaîne des événements, depuis le dossier qui les contient :",
                  "Each file of the record is signed (minisign), and its signature binds it to "
                  "this chain head. To check this document, then the four files and the chain "
                  "of events, from the folder that holds them:"},
    [W_PAGE] = {"page %d / %d", "page %d / %d"},
    [W_SEP] = {"\xc2\xa0: ", ": "},
    [W_CHAIR] = {"présidence", "chair"},
    [W_SECRETARY] = {"secrétariat", "secretary"},
    [W_ROLE_MEMBER] = {"membre", "member"},
    [W_OBSERVER] = {"observateur", "observer"},
    [W_ADMIN] = {"administration", "administrator"},
    [W_ATTENDANCE_AT] = {"Présences et quorum à la clôture de la séance (%s) ; les périodes de "
                         "présence couvrent toute la séance.",
                         "Attendance and quorum at the close of the meeting (%s); presence periods "
                         "cover the whole meeting."},
    [W_PRESENCE] = {"Présence", "Presence"},
    [W_AT_CLOSE] = {"À la clôture", "At the close"},
    [W_PERIOD] = {"%s–%s", "%s–%s"},
    [W_UNTIL_CLOSE] = {"clôture", "close"},
    [W_STAYED] = {"présent", "present"},
    [W_GONE] = {"parti", "left"},
    [W_CHECKED_IN] = {"émargement", "checked in"},
    [W_MET_PAREN] = {"atteint", "met"},
    [W_GIVEN] = {"Donné", "Given"},
    [W_USED] = {"Exercé", "Used"},
    [W_REVOKED] = {"Retiré", "Revoked"},
    [W_IN_FORCE] = {"en vigueur à la clôture", "in force at the close"},
    [W_NOT_USED] = {"non exercé", "not used"},
    [W_BY_ROLE] = {"%s (%s)", "%s (%s)"},
    [W_QUOTED] = {"« %s »", "\"%s\""},
    [W_SIGNATURES] = {"Signatures", "Signatures"},
    [W_CHAIR_TITLE] = {"La présidence de séance", "The chair"},
    [W_SECRETARY_TITLE] = {"Le secrétariat de séance", "The secretary"},
    [W_SIGNED] = {"Signé électroniquement le %s", "Signed electronically on %s"},
    [W_SIGNED_FINALIZED] = {"en finalisant le procès-verbal", "on finalising the minutes"},
    [W_SIGNED_APPROVED] = {"en approuvant le procès-verbal", "on approving the minutes"},
    [W_AWAITING] = {"En attente de l’approbation", "Awaiting approval"},
    [W_KEY] = {"Clé de signature (minisign) : %s", "Signing key (minisign): %s"},
    [W_KEY_UNKNOWN] = {"non indiquée", "not given"},
    [W_HEAD] = {"Tête de la chaîne signée : %s", "Signed chain head: %s"},
    /* the automatic minutes */
    [W_AUTO_OPENED] = {"Ouverture de la séance.", "The meeting is opened."},
    [W_AUTO_SUSPENDED] = {"Suspension de séance.", "The meeting is suspended."},
    [W_AUTO_RESUMED] = {"Reprise de la séance.", "The meeting resumes."},
    [W_AUTO_CLOSED] = {"Clôture de la séance.", "The meeting is closed."},
    [W_AUTO_ITEM_OPENED] = {"Ouverture du point « %s ».", "Item \"%s\" is opened."},
    [W_AUTO_ITEM_CLOSED] = {"Clôture du point « %s ».", "Item \"%s\" is closed."},
    [W_AUTO_ITEM_POSTPONED] = {"Le point « %s » est reporté.", "Item \"%s\" is postponed."},
    [W_AUTO_TURN] = {"Intervention de %s (%s, %s).", "%s speaks (%s, %s)."},
    [W_AUTO_VOTE_OPENED] = {"Ouverture du vote « %s » (%s, %s) : %s.",
                            "Vote \"%s\" opens (%s, %s): %s."},
    [W_AUTO_VOTE_CLOSED] = {"Résultat du vote « %s » : %s. %s (%s sur %lld).",
                            "Result of the vote \"%s\": %s. %s (%s of %lld)."},
    [W_AUTO_VOTE_CANCELLED] = {"Le vote « %s » est annulé.", "Vote \"%s\" is cancelled."},
    [W_AUTO_ENTITLED_1] = {"%lld membre appelé à voter", "%lld member entitled to vote"},
    [W_AUTO_ENTITLED] = {"%lld membres appelés à voter", "%lld members entitled to vote"},
    [W_AUTO_VOTED_1] = {"%lld votant", "%lld voted"},
    [W_AUTO_VOTED] = {"%lld votants", "%lld voted"},
    [W_AUTO_PROXY_GIVEN] = {"%s donne pouvoir à %s.", "%s gives a proxy to %s."},
    [W_AUTO_PROXY_RECORDED] = {"%s enregistre le pouvoir donné par %s à %s.",
                               "%s records the proxy given by %s to %s."},
    [W_AUTO_PROXY_REVOKED] = {"%s retire le pouvoir donné à %s.",
                              "%s revokes the proxy given to %s."},
    [W_AUTO_PROXY_REVOKED_BY] = {"%s enregistre le retrait du pouvoir donné par %s à %s.",
                                 "%s records the revocation of the proxy given by %s to %s."},
    [W_AUTO_RECUSAL] = {"%s se déporte sur le point « %s ».",
                        "%s recuses themselves on item \"%s\"."},
    [W_AUTO_RECUSAL_BY] = {"%s enregistre le déport de %s sur le point « %s ».",
                           "%s records the recusal of %s on item \"%s\"."},
    [W_AUTO_RECUSAL_WITHDRAWN] = {"%s lève son déport sur le point « %s ».",
                                  "%s withdraws their recusal on item \"%s\"."},
    [W_AUTO_RECUSAL_WITHDRAWN_BY] = {"%s enregistre la levée du déport de %s sur le point « %s ».",
                                     "%s records that %s no longer recuses themselves on item "
                                     "\"%s\"."},
    [W_AUTO_JOINED] = {"Arrivée : %s.", "%s arrives."},
    [W_AUTO_LEFT] = {"Départ : %s.", "%s leaves."},
    [W_AUTO_CHECKIN] = {"%s émarge.", "%s checks in."},
    [W_AUTO_MARKED] = {"%s note %s : %s.", "%s marks %s: %s."},
    [W_AUTO_THE_CHAIR] = {"La présidence", "The chair"},
    [W_AUTO_THE_SECRETARY] = {"Le secrétariat", "The secretary"},
    [W_AUTO_ADOPTED] = {"adopté", "adopted"},
    [W_AUTO_REJECTED] = {"rejeté", "rejected"},
    [W_AUTO_NO_DECISION] = {"aucune option ne l’emporte", "no option prevails"},
    [W_AUTO_WINNER] = {"« %s » l’emporte", "\"%s\" prevails"},
    [W_AUTO_CONTRIBUTION] = {"intervention", "contribution"},
    [W_AUTO_REPLY] = {"réponse", "reply"},
    [W_AUTO_POINT_OF_ORDER] = {"motion d’ordre", "point of order"},
    [W_AUTO_YES] = {"pour", "yes"},
    [W_AUTO_NO] = {"contre", "no"},
    [W_AUTO_ABSTAIN] = {"abstention", "abstain"},
    [W_AUTO_PRESENT] = {"présent", "present"},
    [W_AUTO_EXCUSED] = {"excusé", "excused"},
    [W_AUTO_ABSENT] = {"absent", "absent"},
    [W_AUTO_NONE] = {"présence selon la connexion", "presence follows the connection"},
    [W_AUTO_NO_QUORUM] = {"quorum non atteint à l’ouverture", "no quorum at opening"},
    /* the quorum, in the minutes and in the attendance (words_quorum()) */
    [W_Q_REACHED] = {"Le quorum est atteint : %s.", "The quorum is reached: %s."},
    [W_Q_LOST] = {"Le quorum n’est plus atteint : %s.", "The quorum is lost: %s."},
    [W_AUTO_THE_ADMIN] = {"L’administration de la commission", "The commission’s administration"},
    [W_AUTO_INVITED] = {"%s émet un nouveau lien personnel pour %s ; le précédent ne vaut plus.",
                        "%s issues a new personal link for %s; the earlier one is void."},
    [W_AUTO_INVITED_ALL] = {"%s émet les liens personnels des participants (%lld).",
                            "%s issues the participants’ personal links (%lld)."},
    [W_AUTO_SMALL_COLLEGES] = {"Avertissement : vote secret à la double majorité avec moins de 3 "
                               "votants possibles dans le collège %s ; le résultat de ce collège "
                               "peut révéler comment ses membres ont voté.",
                               "Warning: secret vote under the double majority with fewer than 3 "
                               "possible voters in the college %s; that college’s result may "
                               "reveal how its members voted."},
    [W_WITHHELD] = {"Résultats par collège non publiés : un collège compte moins de 3 bulletins, "
                    "et ses résultats révéleraient des votes secrets.",
                    "Results by college not published: a college has fewer than 3 ballots, and "
                    "its results would reveal secret votes."},
    [W_COLLEGE_FOR] = {"%s : majorité pour", "%s: majority in favour"},
    [W_COLLEGE_NOT_FOR] = {"%s : pas de majorité pour", "%s: no majority in favour"},
    [W_BY_COLLEGE_OUTCOMES] = {"Par collège : %s.", "By college: %s."},
    [W_CONV_TITLE] = {"Convocation", "Notice of meeting"},
    [W_CONV_SUBJECT] = {"Convocation : %s, %s", "Notice of meeting: %s, %s"},
    [W_CONV_GREETING] = {"Bonjour %s,", "Dear %s,"},
    [W_CONV_INVITED] = {"Vous êtes convoqué(e) à la réunion « %s » de la commission %s.",
                        "You are invited to the meeting “%s” of %s."},
    [W_CONV_DATE] = {"Date", "Date"},
    [W_CONV_NO_DATE] = {"date à venir", "date to be announced"},
    [W_CONV_DOCUMENTS] = {"Documents", "Documents"},
    [W_CONV_LINK] = {"Votre lien personnel", "Your personal link"},
    [W_CONV_LINK_NOTE] = {"Ce lien est personnel : il vous permet de participer et de voter en "
                          "votre nom. Ne le transmettez pas. Tout nouveau lien remplace le "
                          "précédent.",
                          "This link is yours alone: it lets you take part and vote in your "
                          "name. Do not pass it on. Any new link replaces the previous one."},
    [W_CONV_ITEM] = {"%s. %s", "%s. %s"},
    [W_CONV_SIGNED] = {"Le secrétariat de la commission", "The commission's secretariat"},
    /* decisions and actions: the title of the follow-up item the server adds
     * to the next meeting's agenda, and the automatic entries */
    [W_FOLLOWUP_ITEM] = {"Suivi des actions", "Follow-up of actions"},
    [W_AUTO_DECISION] = {"Décision : %s", "Decision: %s"},
    [W_AUTO_DECISION_VOTE] = {"Décision (à la suite du vote « %s ») : %s",
                              "Decision (following the vote “%s”): %s"},
    [W_AUTO_ACTION] = {"Action : %s ; responsable : %s ; %s ; statut : %s.",
                       "Action: %s; owner: %s; %s; status: %s."},
    [W_AUTO_ACTION_CARRIED] = {"Action reprise de la réunion %s : %s ; responsable : %s ; %s ; "
                               "statut : %s.",
                               "Action carried from the meeting %s: %s; owner: %s; %s; "
                               "status: %s."},
    [W_AUTO_ACTION_UPDATED] = {"Action « %s » : statut « %s » (auparavant « %s »).",
                               "Action “%s”: status “%s” (was “%s”)."},
    [W_AUTO_DUE] = {"échéance le %s", "due %s"},
    [W_AUTO_NO_DUE] = {"sans échéance", "no due date"},
    [W_ACTION_OPEN] = {"à faire", "open"},
    [W_ACTION_IN_PROGRESS] = {"en cours", "in progress"},
    [W_ACTION_DONE] = {"fait", "done"},
    [W_ACTION_DROPPED] = {"abandonné", "dropped"},
    /* the items of the built-in agenda template, for a commission that has
     * saved none of its own (hub/template.c) */
    [W_TPL_OPENING] = {"Ouverture de la séance et vérification du quorum",
                       "Opening of the meeting and check of the quorum"},
    [W_TPL_AGENDA] = {"Adoption de l’ordre du jour", "Adoption of the agenda"},
    [W_TPL_MISC] = {"Questions diverses", "Any other business"},
    [W_TPL_NEXT] = {"Date de la prochaine séance", "Date of the next meeting"},
    [W_Q_CLOSE_MET] = {"Quorum à la clôture : atteint, %s.", "Quorum at the close: met, %s."},
    [W_Q_CLOSE_NOT_MET] = {"Quorum à la clôture : non atteint, %s.",
                           "Quorum at the close: not met, %s."},
    [W_Q_FIGURES] = {"%s pour %lld requis", "%s, %lld required"},
    [W_Q_PRESENT_1] = {"%lld membre présent", "%lld member present"},
    [W_Q_PRESENT] = {"%lld membres présents", "%lld members present"},
    [W_Q_COLLEGE] = {"collège %s : %s", "college %s: %s"},
    [W_Q_COLLEGE_SHORT_1] = {"%lld présent", "%lld present"},
    [W_Q_COLLEGE_SHORT] = {"%lld présents", "%lld present"},
    [W_Q_OVERALL] = {"%s (en tout : %s)", "%s (overall: %s)"},
    [W_Q_BY_COLLEGE] = {"%s ; par collège, %s", "%s; by college, %s"},
};

enum lang
words_lang(const char *lang)
{
    return lang && strcmp(lang, "en") == 0 ? EN : FR;
}

const char *
words_get(enum lang lang, enum word w)
{
    return words[w][lang];
}

void
words_count(enum lang lang, enum word singular, long long n, char *out, size_t len)
{
    /* French counts 0 and 1 in the singular, English 1 alone; the plural
     * form follows its singular in the table. */
    bool one = lang == FR ? n <= 1 : n == 1;
    snprintf(out, len, words[one ? singular : singular + 1][lang], n);
}

const char *
words_rule(enum lang lang, const char *rule, bool choice, long long num, long long den, char *buf,
           size_t len)
{
    if (strcmp(rule, "absolute") == 0) {
        return words[choice ? W_ABSOLUTE_CAST : W_ABSOLUTE][lang];
    }
    if (strcmp(rule, "qualified") == 0 && !choice) {
        snprintf(buf, len, words[W_QUALIFIED][lang], num, den);
        return buf;
    }
    if (strcmp(rule, "double") == 0 && !choice) {
        return words[W_DOUBLE][lang];
    }
    return words[choice ? W_RELATIVE : W_SIMPLE][lang]; /* what vote.c counts for a choice */
}

/* "collège A : 2 présents pour 3 requis" (or the whole body's figures when
 * `college` is NULL), appended at out[*n]. */
static void
figures(enum lang lang, const char *college, long long present, long long required, bool short_,
        char *out, size_t len, size_t *n)
{
    char count[96], fig[192];
    words_count(lang, short_ ? W_Q_COLLEGE_SHORT_1 : W_Q_PRESENT_1, present, count, sizeof(count));
    snprintf(fig, sizeof(fig), words[W_Q_FIGURES][lang], count, required);
    int k = college ? snprintf(out + *n, len - *n, words[W_Q_COLLEGE][lang], college, fig)
                    : snprintf(out + *n, len - *n, "%s", fig);
    *n += k > 0 && (size_t)k < len - *n ? (size_t)k : 0;
}

void
words_quorum(enum lang lang, enum word lead, const struct words_quorum *q, char *out, size_t len)
{
    char body[1536], rest[1024];
    size_t n = 0, m = 0;
    bool overall = q->present >= q->required, met = overall;
    bool college_rule = false;
    for (size_t c = 0; c < q->n; c++) {
        met = met && q->cpresent[c] >= q->crequired[c];
        college_rule = college_rule || q->crequired[c] > 0;
    }
    body[0] = rest[0] = 0;
    if (met) {
        /* every figure holds: the whole body, then each college if the rule asks */
        figures(lang, NULL, q->present, q->required, false, body, sizeof(body), &n);
        for (size_t c = 0; college_rule && c < q->n; c++) {
            if (m) {
                m += (size_t)snprintf(rest + m, sizeof(rest) - m, ", ");
            }
            figures(lang, q->colleges[c], q->cpresent[c], q->crequired[c], true, rest, sizeof(rest),
                    &m);
        }
        if (m) {
            char whole[1536];
            snprintf(whole, sizeof(whole), "%s", body);
            snprintf(body, sizeof(body), words[W_Q_BY_COLLEGE][lang], whole, rest);
        }
    } else {
        /* what fails, named: the whole body's count, then each college short of
         * its own threshold; the overall figures follow when they hold */
        if (!overall) {
            figures(lang, NULL, q->present, q->required, false, body, sizeof(body), &n);
        }
        for (size_t c = 0; c < q->n; c++) {
            if (q->cpresent[c] < q->crequired[c]) {
                if (n) {
                    n += (size_t)snprintf(body + n, sizeof(body) - n, lang == FR ? " ; " : "; ");
                }
                figures(lang, q->colleges[c], q->cpresent[c], q->crequired[c], true, body,
                        sizeof(body), &n);
            }
        }
        if (overall) {
            char whole[1536];
            figures(lang, NULL, q->present, q->required, false, rest, sizeof(rest), &m);
            snprintf(whole, sizeof(whole), "%s", body);
            snprintf(body, sizeof(body), words[W_Q_OVERALL][lang], whole, rest);
        }
    }
    snprintf(out, len, words[lead][lang], body);
}

static const char *const months[12][2] = {
    {"janvier", "January"}, {"février", "February"},  {"mars", "March"},
    {"avril", "April"},     {"mai", "May"},           {"juin", "June"},
    {"juillet", "July"},    {"août", "August"},       {"septembre", "September"},
    {"octobre", "October"}, {"novembre", "November"}, {"décembre", "December"},
};

const char *
words_month(enum lang lang, int mo)
{
    return mo >= 1 && mo <= 12 ? months[mo - 1][lang == EN] : "";
}

bool
words_day(enum lang lang, const char *date, char *out, size_t len)
{
    int y, mo, d;
    char tail;
    if (!date || strlen(date) < 10 || sscanf(date, "%4d-%2d-%2d%c", &y, &mo, &d, &tail) < 3 ||
        date[4] != '-' || date[7] != '-' || mo < 1 || mo > 12 || d < 1 || d > 31) {
        return false;
    }
    snprintf(out, len, "%d%s %s %d", d, lang == FR && d == 1 ? "er" : "", words_month(lang, mo),
             y);
    return true;
}

void
words_approval_item(enum lang lang, const char *date, const char *title, char *out, size_t len)
{
    char day[64];
    if (words_day(lang, date, day, sizeof(day))) {
        snprintf(out, len, words_get(lang, W_APPROVAL_ITEM), day);
    } else if (date && *date) {
        snprintf(out, len, words_get(lang, W_APPROVAL_ITEM), date);
    } else {
        snprintf(out, len, words_get(lang, W_APPROVAL_ITEM_UNDATED), title ? title : "");
    }
}
