/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * roster.c - French and English roster words onto the protocol's.
 *
 * Folding covers the letters a French spreadsheet holds (Latin-1 Supplement
 * and œ, in UTF-8) and leaves every other byte as it is: a word in another
 * script simply matches nothing, which the caller reports with its line.
 * The tables are small and read linearly; a roster has hundreds of lines.
 */
#include "roster.h"

#include <stdbool.h>
#include <string.h>

/* The base letter of the two-byte UTF-8 sequence c3 xx (U+00C0..U+00FF), or 0. */
static char
latin1_base(unsigned char second)
{
    /* U+00C0.. U+00FF: index second - 0x80 */
    static const char base[65] = "aaaaaaaceeeeiiii"    /* C0-CF: À..Ï (Æ as a) */
                                 "dnooooo\0ouuuuy\0s"  /* D0-DF */
                                 "aaaaaaaceeeeiiii"    /* E0-EF */
                                 "dnooooo\0ouuuuy\0y"; /* F0-FF */
    if (second < 0x80 || second > 0xbf) {
        return 0;
    }
    return base[second - 0x80];
}

int
roster_fold(const char *s, char *out, size_t cap)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = 0;
    bool space = false;
    if (cap == 0) {
        return -1;
    }
    while (*p == ' ' || *p == '\t' || (p[0] == 0xc2 && p[1] == 0xa0)) {
        p += *p == 0xc2 ? 2 : 1;
    }
    for (; *p; p++) {
        char c, also = 0;
        if (*p == ' ' || *p == '\t' || (p[0] == 0xc2 && p[1] == 0xa0)) {
            p += *p == 0xc2 ? 1 : 0;
            space = true;
            continue;
        }
        if (p[0] == 0xc3 && (c = latin1_base(p[1]))) {
            p++;
        } else if (p[0] == 0xc5 && (p[1] == 0x92 || p[1] == 0x93)) { /* Œ œ */
            p++;
            c = 'o';
            also = 'e';
        } else {
            c = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
        }
        if (n + (space ? 2 : 1) + (also ? 1 : 0) >= cap) {
            return -1;
        }
        if (space) {
            out[n++] = ' ';
            space = false;
        }
        out[n++] = c;
        if (also) {
            out[n++] = also;
        }
    }
    out[n] = '\0';
    return 0;
}

struct word {
    const char *folded;
    int value;
};

static const struct word columns[] = {
    {"name", ROSTER_NAME},        {"nom", ROSTER_NAME},        {"full name", ROSTER_NAME},
    {"nom complet", ROSTER_NAME}, {"prenom nom", ROSTER_NAME}, {"nom prenom", ROSTER_NAME},
    {"college", ROSTER_COLLEGE},  {"role", ROSTER_ROLE},       {"fonction", ROSTER_ROLE},
    {"qualite", ROSTER_ROLE},     {"email", ROSTER_EMAIL},     {"e-mail", ROSTER_EMAIL},
    {"courriel", ROSTER_EMAIL},   {"mail", ROSTER_EMAIL},      {"adresse e-mail", ROSTER_EMAIL},
    {"adresse electronique", ROSTER_EMAIL},
    {"langue", ROSTER_LANG},      {"language", ROSTER_LANG},   {"lang", ROSTER_LANG},
};

enum { R_CHAIR, R_SECRETARY, R_MEMBER, R_OBSERVER };
static const char *const role_names[] = {"chair", "secretary", "member", "observer"};

static const struct word roles[] = {
    {"chair", R_CHAIR},           {"president", R_CHAIR},      {"presidente", R_CHAIR},
    {"secretary", R_SECRETARY},   {"secretaire", R_SECRETARY}, {"member", R_MEMBER},
    {"membre", R_MEMBER},         {"observer", R_OBSERVER},    {"observateur", R_OBSERVER},
    {"observatrice", R_OBSERVER},
};

static const char *const lang_names[] = {"fr", "en"};

static const struct word langs[] = {
    {"fr", 0}, {"francais", 0}, {"french", 0}, {"en", 1}, {"anglais", 1}, {"english", 1},
};

static int
lookup(const struct word *table, size_t n, const char *s)
{
    char f[64];
    if (roster_fold(s, f, sizeof(f))) {
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (strcmp(table[i].folded, f) == 0) {
            return table[i].value;
        }
    }
    return -1;
}

enum roster_column
roster_column(const char *header)
{
    int c = lookup(columns, sizeof(columns) / sizeof(columns[0]), header);
    return c < 0 ? ROSTER_NONE : (enum roster_column)c;
}

const char *
roster_role(const char *word)
{
    int r = lookup(roles, sizeof(roles) / sizeof(roles[0]), word);
    return r < 0 ? NULL : role_names[r];
}

const char *
roster_lang(const char *word)
{
    int l = lookup(langs, sizeof(langs) / sizeof(langs[0]), word);
    return l < 0 ? NULL : lang_names[l];
}

int
roster_college(const char *colleges, const char *word, char *out, size_t cap)
{
    char f[64], g[64];
    if (roster_fold(word, f, sizeof(f)) || !f[0]) {
        return -1;
    }
    for (const char *p = colleges; *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len < sizeof(g)) {
            memcpy(g, p, len);
            g[len] = '\0';
            char fg[64];
            if (roster_fold(g, fg, sizeof(fg)) == 0 && strcmp(fg, f) == 0 && len < cap) {
                memcpy(out, g, len + 1);
                return 0;
            }
        }
        p += len + (end ? 1 : 0);
    }
    return -1;
}

int
roster_email_ok(const char *s)
{
    size_t n = strlen(s), at = 0, ats = 0;
    if (n == 0) {
        return 1;
    }
    if (n > 254 || s[0] == '-') {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= ' ' || c >= 0x7f || strchr("\"<>,;:()[]\\", c)) {
            return 0;
        }
        if (c == '@') {
            at = i;
            ats++;
        }
    }
    const char *dot = ats == 1 ? strchr(s + at + 1, '.') : NULL;
    return ats == 1 && at > 0 && dot && dot > s + at + 1 && dot[1] != '\0' && s[n - 1] != '.';
}
