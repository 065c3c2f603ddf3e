/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * roster.h - the words of a roster file, as a secretariat types them.
 *
 * A roster comes from a spreadsheet kept in French or in English: its header
 * says "Nom;Collège;Rôle" or "name,college,role", its roles "présidente",
 * "Secrétaire" or "member", its colleges "Bailleurs" where the commission
 * says "bailleurs". This module maps those words onto the protocol's: it
 * folds case and the accents of French letters (so "PRÉSIDENT", "president"
 * and "Président" are one word), trims the spaces around, and looks the
 * result up in small tables. It does no I/O and allocates nothing.
 *
 * The CSV syntax itself is csv.c's; what a bad line is called on the wire
 * (the `reason` codes below) is documented in proto/PROTOCOL.md section 3.
 */
#ifndef CONCERTO_ROSTER_H
#define CONCERTO_ROSTER_H

#include <stddef.h>

enum roster_column {
    ROSTER_NONE = -1,
    ROSTER_NAME = 0,
    ROSTER_COLLEGE,
    ROSTER_ROLE,
    ROSTER_EMAIL,
    ROSTER_LANG,
    ROSTER_COLUMNS
};

/* The column a header cell names ("Nom", "collège", "ROLE", "qualité"...),
 * or ROSTER_NONE. */
enum roster_column
roster_column(const char *header);

/* The protocol's role for a role word in French or English ("président",
 * "Présidente", "chair", "secrétaire", "membre", "observatrice"...): a static
 * string among "chair", "secretary", "member", "observer", or NULL. */
const char *
roster_role(const char *word);

/* The protocol's language for a language word, any case and accents
 * ("fr", "Français", "francais", "french", "en", "anglais", "English"): a
 * static "fr" or "en", or NULL. */
const char *
roster_lang(const char *word);

/* The college of `colleges` (the commission's, comma separated) that `word`
 * names, case and accents aside, copied into out[cap] as the commission
 * spells it. 0, or -1 when it names none of them. */
int
roster_college(const char *colleges, const char *word, char *out, size_t cap);

/* Is `s` an e-mail address the server will hand to the mail system: at most
 * 254 bytes of printable ASCII, one '@' with a local part and a domain of
 * at least one dot, none of the characters that would end or split a header
 * (spaces, quotes, <>,;:()[]\\) and no leading '-' (never an option to the
 * mail command). The empty string is "no address" and is accepted. */
int
roster_email_ok(const char *s);

/* `s` folded for comparison into out[cap]: ASCII lower case, French accented
 * letters to their base letter, spaces around trimmed, inner runs of spaces
 * to one. Returns 0, or -1 when it does not fit. */
int
roster_fold(const char *s, char *out, size_t cap);

#endif
