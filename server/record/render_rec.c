/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * render_rec.c - record.json read for the renderer: checked once, indexed,
 * and its values formatted (dates, times, durations, counts, shares) in the
 * meeting's language (render_impl.h).
 *
 * The record is checked once against small field tables (`struct spec`):
 * every field the renderer reads must have its type, the ones it cannot do
 * without must be there, and arrays that index each other must agree in
 * length (a vote's counts and its options, college_counts and colleges x
 * options). After rec_open() the getters cannot fail and no index leaves
 * its array. Numbers are clamped to [0, NUM_MAX] on the way in.
 *
 * Nothing here reads the clock, the locale or the time zone: times are shown
 * in the offset of the meeting's `date` (UTC when it has none), so the same
 * record always reads the same.
 */
#include "render_impl.h"

#include "../err.h"
#include "render.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- calendar names (the other words are in words.h) ------------------ */

static const char *const weekdays[7][2] = {
    {"dimanche", "Sunday"},    {"lundi", "Monday"},   {"mardi", "Tuesday"},
    {"mercredi", "Wednesday"}, {"jeudi", "Thursday"}, {"vendredi", "Friday"},
    {"samedi", "Saturday"},
};

/* --- the record ------------------------------------------------------ */

enum jt { J_STR, J_INT, J_BOOL, J_OBJ, J_ARR, J_COUNT /* integer, or array: its size */ };

struct spec {
    const char *key;
    enum jt type;
    bool required;
};

static bool
spec_ok(const json_t *o, const struct spec *s, size_t n)
{
    if (!json_is_object(o)) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        const json_t *v = json_object_get(o, s[i].key);
        bool ok;
        if (!v) {
            ok = !s[i].required;
        } else {
            switch (s[i].type) {
            case J_STR:
                ok = json_is_string(v);
                break;
            case J_INT:
                ok = json_is_integer(v);
                break;
            case J_BOOL:
                ok = json_is_boolean(v);
                break;
            case J_OBJ:
                ok = json_is_object(v);
                break;
            case J_ARR:
                ok = json_is_array(v);
                break;
            case J_COUNT:
                ok = json_is_integer(v) || json_is_array(v);
                break;
            default:
                ok = false;
            }
        }
        if (!ok) {
            return false;
        }
    }
    return true;
}

#define SPEC_OK(o, s) spec_ok((o), (s), sizeof(s) / sizeof((s)[0]))

static const struct spec top_spec[] = {
    {"format", J_STR, true},   {"lang", J_STR, false},        {"commission", J_OBJ, true},
    {"meeting", J_OBJ, true},  {"participants", J_ARR, true}, {"attendance", J_OBJ, false},
    {"proxies", J_ARR, false}, {"recusals", J_ARR, false},    {"agenda", J_ARR, true},
    {"votes", J_ARR, true},    {"minutes", J_ARR, true},      {"finalized", J_OBJ, true},
    {"chain", J_OBJ, true},    {"signing", J_OBJ, false},
};
static const struct spec commission_spec[] = {{"id", J_STR, false}, {"name", J_STR, true}};
static const struct spec meeting_spec[] = {
    {"id", J_STR, false},       {"title", J_STR, true}, {"date", J_STR, false},
    {"place", J_STR, false},    {"room", J_STR, false}, {"opened_at", J_INT, false},
    {"closed_at", J_INT, true},
};
static const struct spec participant_spec[] = {
    {"id", J_STR, true},
    {"name", J_STR, true},
    {"college", J_STR, false},
    {"role", J_STR, false},
    {"arrived", J_INT, false},
    {"left", J_INT, false},
    {"disconnections", J_INT, false},
    {"mark", J_STR, false},
    {"reason", J_STR, false},
    {"turns", J_INT, false},
    {"spoken", J_INT, false},
    {"periods", J_ARR, false},
    {"present_at_close", J_BOOL, false},
};
static const struct spec period_spec[] = {{"from", J_INT, true}, {"to", J_INT, true}};
static const struct spec attendance_spec[] = {
    {"colleges", J_OBJ, false}, {"quorum", J_OBJ, false}, {"at", J_INT, false}};
static const struct spec quorum_spec[] = {{"met", J_BOOL, true},
                                          {"present", J_INT, true},
                                          {"required", J_INT, true},
                                          {"failing", J_ARR, false}};
static const struct spec college_spec[] = {
    {"present", J_INT, true}, {"total", J_INT, true}, {"required", J_INT, true}};
static const struct spec proxy_spec[] = {
    {"from", J_STR, true},      {"to", J_STR, true},       {"given", J_INT, false},
    {"given_by", J_STR, false}, {"revoked", J_INT, false}, {"revoked_by", J_STR, false},
    {"used", J_ARR, false},
};
static const struct spec recusal_spec[] = {{"participant", J_STR, true}, {"item", J_STR, true}};
static const struct spec item_spec[] = {
    {"id", J_STR, true},         {"title", J_STR, true},  {"description", J_STR, false},
    {"presenter", J_STR, false}, {"kind", J_STR, false},  {"parent", J_STR, false},
    {"duration", J_INT, false},  {"state", J_STR, false}, {"actual", J_INT, false},
    {"documents", J_ARR, false},
};
static const struct spec document_spec[] = {
    {"sha256", J_STR, true}, {"name", J_STR, true},   {"format", J_STR, true},
    {"size", J_INT, true},   {"added", J_INT, false}, {"removed", J_BOOL, false},
};
static const struct spec vote_spec[] = {
    {"id", J_STR, true},
    {"item", J_STR, false},
    {"question", J_STR, true},
    {"kind", J_STR, false},
    {"options", J_ARR, true},
    {"mode", J_STR, false},
    {"rule", J_STR, false},
    {"share_num", J_INT, false},
    {"share_den", J_INT, false},
    {"state", J_STR, true},
    {"opened_at", J_INT, false},
    {"closed_at", J_INT, false},
    {"entitled", J_COUNT, false},
    {"present_open", J_COUNT, false},
    {"present_close", J_COUNT, false},
    {"voted", J_COUNT, false},
    {"quorum_open", J_BOOL, false},
    {"quorum_close", J_BOOL, false},
    {"counts", J_ARR, true},
    {"colleges", J_ARR, false},
    {"college_counts", J_ARR, false},
    {"college_passed", J_ARR, false},
    {"small_colleges", J_ARR, false},
    {"passed", J_BOOL, false},
    {"winner", J_STR, false},
    {"ballots", J_ARR, false},
};
static const struct spec ballot_spec[] = {
    {"voter", J_STR, true}, {"by", J_STR, false}, {"choice", J_STR, true}};
static const struct spec minute_spec[] = {
    {"ts", J_INT, true},   {"item", J_STR, false},  {"source", J_STR, false},
    {"text", J_STR, true}, {"entry", J_STR, false}, {"edited", J_BOOL, false},
};
static const struct spec by_at_spec[] = {{"by", J_STR, true}, {"at", J_INT, true}};
static const struct spec chain_spec[] = {{"events", J_INT, true}, {"head", J_STR, true}};

const char *
rec_word(const struct rec *r, enum word w)
{
    return words_get(r->lang, w);
}

const char *
get_str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

long long
num_clamp(json_int_t v)
{
    return v < 0 ? 0 : v > NUM_MAX ? NUM_MAX : (long long)v;
}

long long
get_num(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    if (json_is_array(v)) {
        return num_clamp((json_int_t)json_array_size(v));
    }
    return num_clamp(json_integer_value(v));
}

bool
get_bool(const json_t *o, const char *key)
{
    return json_is_true(json_object_get(o, key));
}

long long
add_saturated(long long a, long long b)
{
    return a > LLONG_MAX - b ? LLONG_MAX : a + b;
}

static bool
all_of(const json_t *a, int (*is)(const json_t *))
{
    size_t i;
    const json_t *v;
    json_array_foreach(a, i, v)
    {
        if (!is(v)) {
            return false;
        }
    }
    return true;
}

static int
is_string(const json_t *v)
{
    return json_is_string(v);
}

static int
is_integer(const json_t *v)
{
    return json_is_integer(v);
}

static bool
each_ok(const json_t *a, const struct spec *s, size_t n)
{
    size_t i;
    const json_t *v;
    json_array_foreach(a, i, v)
    {
        if (!spec_ok(v, s, n)) {
            return false;
        }
    }
    return true;
}

#define EACH_OK(a, s) each_ok((a), (s), sizeof(s) / sizeof((s)[0]))

static bool
vote_ok(const json_t *v)
{
    const json_t *options = json_object_get(v, "options");
    const json_t *counts = json_object_get(v, "counts");
    const json_t *colleges = json_object_get(v, "colleges");
    const json_t *cc = json_object_get(v, "college_counts");
    const json_t *ballots = json_object_get(v, "ballots");
    size_t no = json_array_size(options), nc = json_array_size(colleges);
    /* a vote never closed (prepared, cancelled) has no counts yet */
    if (!SPEC_OK(v, vote_spec) || !all_of(options, is_string) || !all_of(counts, is_integer) ||
        (json_array_size(counts) != no && json_array_size(counts) != 0) ||
        !all_of(colleges, is_string) || !all_of(cc, is_integer) ||
        (ballots && !EACH_OK(ballots, ballot_spec))) {
        return false;
    }
    /* row-major, one row per college; none at all is allowed */
    return json_array_size(cc) == 0 ||
           (nc <= SIZE_MAX / (no ? no : 1) && json_array_size(cc) == nc * no);
}

static bool
hex_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 128) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) {
            return false;
        }
    }
    return true;
}

static int
cmp_key(const void *a, const void *b)
{
    const struct key *x = a, *y = b;
    int c = strcmp(x->id, y->id);
    return c ? c : (x->i > y->i) - (x->i < y->i);
}

/* Sorted keys of `field` over the objects of `a` (new); NULL when out of memory. */
static struct key *
keys_build(const json_t *a, const char *field, size_t *n)
{
    *n = json_array_size(a);
    struct key *v = malloc((*n ? *n : 1) * sizeof(*v));
    if (!v) {
        return NULL;
    }
    for (size_t i = 0; i < *n; i++) {
        v[i].id = get_str(json_array_get(a, i), field);
        v[i].i = i;
    }
    qsort(v, *n, sizeof(*v), cmp_key);
    return v;
}

/* Position of the first object with `id`, or -1. */
static long
keys_find(const struct key *v, size_t n, const char *id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(v[mid].id, id) < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo < n && strcmp(v[lo].id, id) == 0 ? (long)v[lo].i : -1;
}

const json_t *
rec_participant(const struct rec *r, const char *id)
{
    long i = keys_find(r->pkeys, r->np, id);
    return i < 0 ? NULL : json_array_get(r->parts, (size_t)i);
}

/* The participant's name, or the id itself when unknown. */
const char *
rec_name_of(const struct rec *r, const char *id)
{
    const json_t *p = rec_participant(r, id);
    return p ? get_str(p, "name") : id[0] ? id : "—";
}

long
rec_item_index(const struct rec *r, const char *id)
{
    return id[0] ? keys_find(r->akeys, r->na, id) : -1;
}

static bool
digits(const char *s, int n, int *out)
{
    *out = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return false;
        }
        *out = *out * 10 + (s[i] - '0');
    }
    return true;
}

struct date
date_parse(const char *s)
{
    struct date t = {0};
    size_t n = strlen(s);
    if (n < 10 || !digits(s, 4, &t.y) || s[4] != '-' || !digits(s + 5, 2, &t.mo) || s[7] != '-' ||
        !digits(s + 8, 2, &t.d) || t.mo < 1 || t.mo > 12 || t.d < 1 || t.d > 31) {
        return t;
    }
    const char *p = s + 10;
    if (*p == 'T' || *p == ' ') {
        if (!digits(p + 1, 2, &t.h) || p[3] != ':' || !digits(p + 4, 2, &t.mi) || t.h > 23 ||
            t.mi > 59) {
            return t;
        }
        t.has_time = true;
        p += 6;
        int sec;
        if (*p == ':' && digits(p + 1, 2, &sec)) {
            p += 3;
            if (*p == '.') {
                do {
                    p++;
                } while (*p >= '0' && *p <= '9');
            }
        }
        if (*p == 'Z') {
            t.has_offset = true;
            p++;
        } else if (*p == '+' || *p == '-') {
            int oh, om;
            if (!digits(p + 1, 2, &oh) || p[3] != ':' || !digits(p + 4, 2, &om) || oh > 18 ||
                om > 59) {
                return t;
            }
            t.has_offset = true;
            t.offset = (*p == '-' ? -1 : 1) * (oh * 60 + om);
            p += 6;
        }
    }
    t.ok = *p == 0;
    return t;
}

/* Days since 1970-01-01 of a proleptic Gregorian date, and back
 * (H. Hinnant's algorithms, exact for every int64 range used here). */
long long
days_from_civil(long long y, unsigned m, unsigned d)
{
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long long)doe - 719468;
}

struct when
rec_civil(const struct rec *r, long long ms)
{
    struct when w;
    long long secs = ms / 1000 + (long long)r->offset * 60;
    long long z = (secs >= 0 ? secs : secs - 86399) / 86400;
    long long rem = secs - z * 86400;
    w.h = (int)(rem / 3600);
    w.mi = (int)(rem % 3600 / 60);
    w.s = (int)(rem % 60);
    w.wd = (int)(((z % 7) + 11) % 7); /* 1970-01-01 was a Thursday */
    z += 719468;
    long long era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    w.d = (int)(doy - (153 * mp + 2) / 5 + 1);
    w.mo = (int)(mp < 10 ? mp + 3 : mp - 9);
    w.y = (long long)yoe + era * 400 + (w.mo <= 2);
    return w;
}

/* "mardi 2 février 2021", "lundi 1er mars 2021", "Tuesday 2 February 2021". */
void
fmt_day(const struct rec *r, long long y, int mo, int d, int wd, char *out, size_t len)
{
    snprintf(out, len, "%s %d%s %s %lld", weekdays[wd][r->lang], d,
             r->lang == FR && d == 1 ? "er" : "", words_month(r->lang, mo), y);
}

/* "09:32", or "—" for 0 (never). */
void
fmt_time(const struct rec *r, long long ms, char *out, size_t len)
{
    if (ms <= 0) {
        snprintf(out, len, "—");
        return;
    }
    struct when w = rec_civil(r, ms);
    snprintf(out, len, "%02d:%02d", w.h, w.mi);
}

/* "mardi 2 février 2021 à 12:15" */
void
fmt_datetime(const struct rec *r, long long ms, char *out, size_t len)
{
    char day[96], hm[16];
    if (ms <= 0) {
        snprintf(out, len, "—");
        return;
    }
    struct when w = rec_civil(r, ms);
    fmt_day(r, w.y, w.mo, w.d, w.wd, day, sizeof(day));
    fmt_time(r, ms, hm, sizeof(hm));
    snprintf(out, len, rec_word(r, W_DATE_AT), day, hm);
}

/* "2 h 05 min", "38 min 12 s", "40 min", "45 s" */
void
fmt_duration(long long ms, char *out, size_t len)
{
    long long s = ms / 1000 + (ms % 1000 >= 500);
    if (s >= 3600) {
        snprintf(out, len, "%lld h %02lld min", s / 3600, s % 3600 / 60);
    } else if (s >= 60 && s % 60) {
        snprintf(out, len, "%lld min %02lld s", s / 60, s % 60);
    } else if (s >= 60) {
        snprintf(out, len, "%lld min", s / 60);
    } else {
        snprintf(out, len, "%lld s", s);
    }
}

/* 12345 as "12 345" (no-break space) or "12,345". */
void
fmt_count(const struct rec *r, long long v, char *out, size_t len)
{
    char digits_[32], tmp[64];
    int n = snprintf(digits_, sizeof(digits_), "%lld", v);
    const char *sep = r->lang == FR ? "\xc2\xa0" : ",";
    size_t k = 0;
    for (int i = 0; i < n && k + 4 < sizeof(tmp); i++) {
        if (i && (n - i) % 3 == 0) {
            for (const char *c = sep; *c; c++) {
                tmp[k++] = *c;
            }
        }
        tmp[k++] = digits_[i];
    }
    tmp[k] = 0;
    k = k < len ? k : len - 1;
    memcpy(out, tmp, k);
    out[k] = 0;
}

/* 12.5 as "12,5 %" or "12.5%". */
void
fmt_share(const struct rec *r, long long part, long long whole, char *out, size_t len)
{
    double pct = whole > 0 ? (double)part * 100.0 / (double)whole : 0.0;
    long long tenths = (long long)(pct * 10.0 + 0.5);
    snprintf(out, len, r->lang == FR ? "%lld,%lld\xc2\xa0%%" : "%lld.%lld%%", tenths / 10,
             tenths % 10);
}

const char *
role_word(const struct rec *r, const char *role)
{
    static const struct {
        const char *role;
        enum word w;
    } roles[] = {{"chair", W_CHAIR},
                 {"secretary", W_SECRETARY},
                 {"member", W_ROLE_MEMBER},
                 {"observer", W_OBSERVER},
                 {"admin", W_ADMIN}};
    for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
        if (strcmp(role, roles[i].role) == 0) {
            return rec_word(r, roles[i].w);
        }
    }
    return role;
}

/* The record's parts, borrowed from `root`, and its language; false when the
 * top level or its language is not the record's. */
static bool
rec_take_parts(struct rec *r, json_t *root)
{
    r->root = root;
    if (!SPEC_OK(root, top_spec) || strcmp(get_str(root, "format"), "concerto-record/1") != 0) {
        return false;
    }
    const char *lang = get_str(root, "lang");
    if (strcmp(lang, "en") == 0) {
        r->lang = EN;
    } else if (lang[0] && strcmp(lang, "fr") != 0) {
        return false;
    }
    r->commission = json_object_get(root, "commission");
    r->meeting = json_object_get(root, "meeting");
    r->parts = json_object_get(root, "participants");
    r->agenda = json_object_get(root, "agenda");
    r->votes = json_object_get(root, "votes");
    r->minutes = json_object_get(root, "minutes");
    r->proxies = json_object_get(root, "proxies");
    r->recusals = json_object_get(root, "recusals");
    r->attendance = json_object_get(root, "attendance");
    r->finalized = json_object_get(root, "finalized");
    r->approved = json_object_get(root, "approved");
    r->chain = json_object_get(root, "chain");
    r->signing = json_object_get(root, "signing");
    return true;
}

/* The parts' own fields: each object and each array of objects. */
static bool
rec_parts_ok(const struct rec *r)
{
    return SPEC_OK(r->commission, commission_spec) && SPEC_OK(r->meeting, meeting_spec) &&
           EACH_OK(r->parts, participant_spec) && EACH_OK(r->agenda, item_spec) &&
           EACH_OK(r->minutes, minute_spec) && EACH_OK(r->proxies, proxy_spec) &&
           EACH_OK(r->recusals, recusal_spec) && SPEC_OK(r->finalized, by_at_spec) &&
           SPEC_OK(r->chain, chain_spec) && hex_ok(get_str(r->chain, "head")) &&
           (!r->approved || json_is_null(r->approved) || SPEC_OK(r->approved, by_at_spec));
}

/* The attendance block (optional): its quorum, each college's figures and
 * the failing colleges' names. */
static bool
rec_attendance_ok(const struct rec *r)
{
    if (!r->attendance) {
        return true;
    }
    const json_t *q = json_object_get(r->attendance, "quorum");
    const json_t *colleges = json_object_get(r->attendance, "colleges");
    const char *k;
    const json_t *c;
    if (!SPEC_OK(r->attendance, attendance_spec) || (q && !SPEC_OK(q, quorum_spec))) {
        return false;
    }
    json_object_foreach((json_t *)colleges, k, c)
    {
        if (!SPEC_OK(c, college_spec)) {
            return false;
        }
    }
    const json_t *failing = json_object_get(q, "failing");
    return !failing || all_of(failing, is_string);
}

/* What lies inside the array elements: votes, documents of each item,
 * presence periods of each participant, the votes a proxy was used in. */
static bool
rec_nested_ok(const struct rec *r)
{
    size_t i;
    const json_t *v;
    json_array_foreach(r->votes, i, v)
    {
        if (!vote_ok(v)) {
            return false;
        }
    }
    json_array_foreach(r->agenda, i, v)
    {
        const json_t *docs = json_object_get(v, "documents");
        if (docs && !EACH_OK(docs, document_spec)) {
            return false;
        }
    }
    json_array_foreach(r->parts, i, v)
    {
        const json_t *periods = json_object_get(v, "periods");
        if (periods && !EACH_OK(periods, period_spec)) {
            return false;
        }
    }
    json_array_foreach(r->proxies, i, v)
    {
        const json_t *used = json_object_get(v, "used");
        if (used && !all_of(used, is_string)) {
            return false;
        }
    }
    return true;
}

/* Number the agenda: top-level items 1, 2 ...; sub-items 2.1, 2.2 ...
 * 0 or ERR_NOMEM. */
static int
rec_number_agenda(struct rec *r)
{
    r->num = malloc((r->na ? r->na : 1) * sizeof(*r->num));
    int *subs = calloc(r->na ? r->na : 1, sizeof(*subs));
    if (!r->num || !subs) {
        free(subs);
        return ERR_NOMEM;
    }
    int top = 0;
    for (size_t i = 0; i < r->na; i++) {
        const char *parent = get_str(json_array_get(r->agenda, i), "parent");
        long p = rec_item_index(r, parent);
        if (p < 0 || (size_t)p >= i) {
            snprintf(r->num[i], sizeof(r->num[i]), "%d", ++top);
        } else {
            char up[16];
            snprintf(up, sizeof(up), "%.12s", r->num[p]);
            snprintf(r->num[i], sizeof(r->num[i]), "%s.%d", up, ++subs[p]);
        }
    }
    free(subs);
    return 0;
}

/* Check the record and index it. 0, ERR_INVALID or ERR_NOMEM. */
int
rec_open(struct rec *r, json_t *root)
{
    memset(r, 0, sizeof(*r));
    if (!rec_take_parts(r, root) || !rec_parts_ok(r) || !rec_attendance_ok(r) ||
        !rec_nested_ok(r)) {
        return ERR_INVALID;
    }
    struct date d = date_parse(get_str(r->meeting, "date"));
    r->has_offset = d.ok && d.has_offset;
    r->offset = r->has_offset ? d.offset : 0;

    r->pkeys = keys_build(r->parts, "id", &r->np);
    r->akeys = keys_build(r->agenda, "id", &r->na);
    if (!r->pkeys || !r->akeys) {
        return ERR_NOMEM;
    }
    return rec_number_agenda(r);
}

void
rec_close(struct rec *r)
{
    free(r->pkeys);
    free(r->akeys);
    free(r->num);
}

/* --- a meeting's date, for other documents (render.h) ---------------- */

void
render_when(const char *date, const char *lang, char *out, size_t len, long long *utc_ms)
{
    struct rec r;
    memset(&r, 0, sizeof(r));
    r.lang = lang && strcmp(lang, "en") == 0 ? EN : FR;
    struct date t = date_parse(date ? date : "");
    char day[128], hm[16];
    *utc_ms = -1;
    if (!t.ok) {
        snprintf(out, len, "%s", date ? date : "");
        return;
    }
    long long days = days_from_civil(t.y, (unsigned)t.mo, (unsigned)t.d);
    fmt_day(&r, t.y, t.mo, t.d, (int)(((days % 7) + 11) % 7), day, sizeof(day));
    if (!t.has_time) {
        snprintf(out, len, "%s", day);
        return;
    }
    snprintf(hm, sizeof(hm), "%02d:%02d", t.h, t.mi);
    snprintf(out, len, rec_word(&r, W_DATE_AT), day, hm);
    *utc_ms = ((days * 86400) + t.h * 3600LL + t.mi * 60LL - t.offset * 60LL) * 1000;
}
