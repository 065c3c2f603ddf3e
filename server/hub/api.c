/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api.c - the HTTP JSON API (proto/PROTOCOL.md, section 3).
 *
 * A request is routed by method and path, authenticated by its bearer token
 * (admin, or a participant's invitation for routes of their meeting), then
 * handled like a command: writes go into the turn's transaction under a
 * savepoint and the answer is queued until the commit (hub_flush). Reads
 * answer at the end of the turn too, so that answers keep request order.
 *
 * Routes never trust the path: every identifier in it is checked with
 * id_valid() before it reaches the store.
 */
#define _POSIX_C_SOURCE 200809L
#include "hub_impl.h"

#include "../crypto/sec.h"
#include "../err.h"
#include "../log.h"
#include "../proto/csv.h"
#include "../proto/pj.h"
#include "../proto/proto.h"
#include "../proto/roster.h"
#include "../record/words.h"
#include "../store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define VERSION "0.1.0"
#define MAX_SEGMENTS 7
/* A commission's colleges joined by commas: at most 16 identifiers
 * (proto_api_commission) of ID_MAX - 1 bytes, 15 commas and the NUL. */
#define COLLEGES_TEXT (16 * ID_MAX)

struct who {
    enum role role;   /* ROLE_ADMIN, or the participant's role */
    char meeting[33]; /* for a participant */
    char participant[33];
};

static int
authenticate(struct hub *h, const char *bearer, struct who *w)
{
    uint8_t hash[SEC_HASH_LEN];
    struct store_token tok;
    memset(w, 0, sizeof(*w));
    if (!bearer || sec_token_hash(bearer, strlen(bearer), hash)) {
        return ERR_UNAUTHORIZED;
    }
    int rc = store_token_find(h->st, hash, &tok);
    if (rc == 0 && !sec_equal(hash, tok.hash, SEC_HASH_LEN)) {
        rc = ERR_BAD_TOKEN;
    }
    sec_wipe(hash, sizeof(hash));
    if (rc) {
        return rc == ERR_BAD_TOKEN ? ERR_UNAUTHORIZED : rc;
    }
    if (strcmp(tok.kind, "admin") == 0) {
        w->role = ROLE_ADMIN;
        return 0;
    }
    struct live *l;
    if (hub_live(h, tok.meeting, &l)) {
        return ERR_UNAUTHORIZED;
    }
    const struct participant *p = meeting_participant(l->m, tok.participant);
    if (!p) {
        return ERR_UNAUTHORIZED;
    }
    w->role = p->role;
    strcpy(w->meeting, tok.meeting);
    strcpy(w->participant, tok.participant);
    return 0;
}

/* --- commissions ------------------------------------------------------- */

static struct pj *
colleges_array(const char *csv)
{
    struct pj *a = pj_array();
    char buf[COLLEGES_TEXT];
    snprintf(buf, sizeof(buf), "%s", csv);
    char *save = NULL;
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        pj_push_str(a, t);
    }
    return a;
}

bool
hub_college_listed(const char *csv, const char *college)
{
    size_t n = strlen(college);
    for (const char *p = csv; *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == n && strncmp(p, college, n) == 0) {
            return true;
        }
        p += len + (end ? 1 : 0);
    }
    return false;
}

struct pj *
hub_member_json(const char *id, const char *name, const char *college, const char *role)
{
    struct pj *o = pj_object();
    pj_set_str(o, "id", id);
    pj_set_str(o, "name", name);
    pj_set_str(o, "college", college);
    pj_set_str(o, "role", role);
    return o;
}

/* A roster entry of GET /api/commissions/C, as POST .../members answers it. */
struct member_rows {
    struct store *st;
    struct pj *out;
};

static int
member_row(void *ctx, const char *id, const char *name, const char *college, const char *role)
{
    struct member_rows *mr = ctx;
    char email[256], lang[8];
    int rc = store_member_email(mr->st, id, email, sizeof(email));
    if (rc == 0) {
        rc = store_member_lang(mr->st, id, lang, sizeof(lang));
    }
    struct pj *o = rc ? NULL : hub_member_json(id, name, college, role);
    if (o) {
        pj_set_str(o, "email", email);
        pj_set_str(o, "lang", lang);
    }
    return rc ? rc : pj_push(mr->out, o);
}

static void
commission_create(struct hub *h, void *req, const char *body, size_t len, int64_t now)
{
    struct api_commission in;
    int rc = proto_api_commission(body, len, &in);
    if (rc) {
        hub_http_fail(h, req, rc, NULL);
        return;
    }
    char colleges[COLLEGES_TEXT] = "";
    if (in.ncolleges == 0) {
        rc = ERR_INVALID;
    }
    for (size_t i = 0; rc == 0 && i < in.ncolleges; i++) {
        if (hub_college_listed(colleges, in.colleges[i])) {
            rc = ERR_INVALID;
            break;
        }
        if (i) {
            strcat(colleges, ",");
        }
        strcat(colleges, in.colleges[i]);
    }
    char id[9];
    sec_random_id(id, 8);
    if (rc == 0 && (rc = hub_begin(h)) == 0) {
        rc = store_commission_add(h->st, id, in.name, colleges, now);
        hub_end(h, NULL, 0, rc);
    }
    if (rc) {
        proto_api_commission_clear(&in);
        hub_http_fail(h, req, rc, rc == ERR_INVALID ? "colleges must be distinct, at least one"
                                                    : NULL);
        return;
    }
    log_line(LOG_INFO, "commission %s created", id);
    struct pj *o = pj_object();
    pj_set_str(o, "id", id);
    pj_set_str(o, "name", in.name);
    pj_set(o, "colleges", colleges_array(colleges));
    proto_api_commission_clear(&in);
    hub_http_json(h, req, 201, o);
}

static void
commission_get(struct hub *h, void *req, const char *cid)
{
    char *name = NULL, *colleges = NULL;
    int rc = store_commission_get(h->st, cid, &name, &colleges);
    if (rc) {
        hub_http_fail(h, req, rc, rc == ERR_NOT_FOUND ? "no such commission" : NULL);
        return;
    }
    struct pj *o = pj_object();
    struct pj *members = pj_array();
    pj_set_str(o, "id", cid);
    pj_set_str(o, "name", name);
    pj_set(o, "colleges", colleges_array(colleges));
    struct member_rows mr = {.st = h->st, .out = members};
    rc = store_members(h->st, cid, member_row, &mr);
    pj_set(o, "members", members);
    free(name);
    free(colleges);
    if (rc) {
        pj_free(o);
        hub_http_fail(h, req, rc, NULL);
        return;
    }
    hub_http_json(h, req, 200, o);
}

/* Check one roster entry against the commission's colleges; 0 or ERR_INVALID with *why. */
/* An error answer that says where in a file the fault is (the roster
 * import): {"error":{"code","message","line","field","reason"}}, `line`
 * from 1 (0: the file as a whole), `field` and `reason` NULL when none.
 * `reason` is a stable code that a page translates (PROTOCOL.md 3). */
void
hub_fail_at(struct hub *h, void *req, int code, const char *message, size_t line,
            const char *field, const char *reason)
{
    if (code < 0 && code > -ERR_COUNT_) {
        h->metrics.errors[-code]++;
    }
    struct pj *e = pj_object();
    pj_set_str(e, "code", err_str(code));
    pj_set_str(e, "message", message ? message : err_message(code));
    if (line) {
        pj_set_int(e, "line", (int64_t)line);
    }
    if (field) {
        pj_set_str(e, "field", field);
    }
    if (reason) {
        pj_set_str(e, "reason", reason);
    }
    struct pj *o = pj_object();
    pj_set(o, "error", e);
    char *text = pj_dump(o);
    pj_free(o);
    if (!text) {
        hub_http_fail(h, req, ERR_NOMEM, NULL);
        return;
    }
    hub_http_answer(h, req, err_http_status(code), text);
}

/* `fmt` with `value` cut short at a character boundary, into out[cap]. */
static void
quote_word(char *out, size_t cap, const char *fmt, const char *value)
{
    char shown[64];
    size_t n = strlen(value ? value : "");
    if (n >= sizeof(shown)) {
        n = sizeof(shown) - 1;
        while (n && ((unsigned char)value[n] & 0xc0) == 0x80) {
            n--;
        }
    }
    memcpy(shown, value ? value : "", n);
    shown[n] = '\0';
    snprintf(out, cap, fmt, shown);
}

/* A member as the secretariat wrote them (hub_impl.h): one rule for the
 * roster import, a new member and a member's edit (roster.c);
 * member_store() then writes a new one. */
int
hub_member_words(const char *colleges, const char *name, const char *college_word,
                 const char *role_word, const char *email, const char *lang_word,
                 struct hub_member_words *m)
{
    char folded[8];
    m->college[0] = 0;
    m->email[0] = 0;
    m->role = NULL;
    m->lang = "fr";
    m->field = m->reason = NULL;
    m->why[0] = 0;
    if (!name || !*name || proto_check_text(name, 200, 0) ||
        (roster_fold(name, folded, sizeof(folded)) == 0 && !folded[0])) {
        m->field = m->reason = "name";
        quote_word(m->why, sizeof(m->why), "a name is required (at most 200 characters)%s", "");
        return ERR_INVALID;
    }
    if (!(m->role = roster_role(role_word ? role_word : ""))) {
        m->field = m->reason = "role";
        quote_word(m->why, sizeof(m->why),
                   "\"%s\" is not a role (chair, secretary, member, observer, or in French)",
                   role_word);
        return ERR_INVALID;
    }
    if (college_word && (roster_fold(college_word, folded, sizeof(folded)) != 0 || folded[0]) &&
        roster_college(colleges, college_word, m->college, sizeof(m->college))) {
        m->field = m->reason = "college";
        quote_word(m->why, sizeof(m->why), "\"%s\" is not one of the commission's colleges",
                   college_word);
        return ERR_INVALID;
    }
    if (strcmp(m->role, "member") == 0 && !m->college[0]) {
        m->field = "college";
        m->reason = "college_required";
        quote_word(m->why, sizeof(m->why), "a member needs a college%s", "");
        return ERR_INVALID;
    }
    const char *e = email ? email : "";
    e += strspn(e, " \t");
    size_t n = strlen(e);
    while (n && (e[n - 1] == ' ' || e[n - 1] == '\t')) {
        n--;
    }
    if (n < sizeof(m->email)) {
        memcpy(m->email, e, n);
        m->email[n] = 0;
    }
    if (n >= sizeof(m->email) || !roster_email_ok(m->email)) {
        m->email[0] = 0;
        m->field = m->reason = "email";
        quote_word(m->why, sizeof(m->why), "\"%s\" is not an e-mail address", e);
        return ERR_INVALID;
    }
    if (lang_word && (roster_fold(lang_word, folded, sizeof(folded)) != 0 || folded[0]) &&
        !(m->lang = roster_lang(lang_word))) {
        m->lang = "fr";
        m->field = m->reason = "lang";
        quote_word(m->why, sizeof(m->why), "\"%s\" is not a language (fr, en, or in French)",
                   lang_word);
        return ERR_INVALID;
    }
    return 0;
}

/* A new member of commission `cid` as hub_member_words() read them, in the
 * caller's transaction; *out (new) is the member as the routes answer it. */
static int
member_store(struct hub *h, const char *cid, const char *name, const struct hub_member_words *m,
             int64_t now, struct pj **out)
{
    char id[9];
    sec_random_id(id, 8);
    *out = NULL;
    int rc = store_member_add(h->st, id, cid, name, m->college, m->role, now);
    if (rc == 0 && m->email[0]) {
        rc = store_member_email_set(h->st, id, m->email);
    }
    if (rc == 0 && strcmp(m->lang, "fr") != 0) {
        rc = store_member_lang_set(h->st, id, m->lang);
    }
    if (rc == 0) {
        *out = hub_member_json(id, name, m->college, m->role);
        pj_set_str(*out, "email", m->email);
        pj_set_str(*out, "lang", m->lang);
    }
    return rc;
}

static void
member_create(struct hub *h, void *req, const char *cid, const char *body, size_t len,
              int64_t now)
{
    struct api_member in;
    struct hub_member_words m = {.why = ""};
    char *name = NULL, *colleges = NULL;
    int rc = proto_api_member(body, len, true, &in);
    if (rc) {
        hub_http_fail(h, req, rc, NULL);
        return;
    }
    if ((rc = store_commission_get(h->st, cid, &name, &colleges)) == 0) {
        rc = hub_member_words(colleges, in.name, in.college, in.role, in.email, in.lang, &m);
    }
    struct pj *o = NULL;
    if (rc == 0 && (rc = hub_begin(h)) == 0) {
        rc = member_store(h, cid, in.name, &m, now, &o);
        hub_end(h, NULL, 0, rc);
    }
    if (rc == 0) {
        hub_http_json(h, req, 201, o);
    } else if (m.field) {
        hub_fail_at(h, req, rc, m.why, 0, m.field, m.reason);
    } else {
        hub_http_fail(h, req, rc, rc == ERR_NOT_FOUND ? "no such commission" : NULL);
    }
    free(name);
    free(colleges);
    proto_api_member_clear(&in);
}

/* The roster import: the header names the columns in French or English,
 * each line's words are mapped by roster.c onto the protocol's, and the
 * first bad line stops everything (the transaction is rolled back) with its
 * number, its field and a reason code. */
struct csv_import {
    struct hub *h;
    const char *cid;
    const char *colleges;
    int64_t now;
    int col[ROSTER_COLUMNS]; /* by enum roster_column: the index of its column, or -1 */
    struct pj *out;
    size_t count;
    size_t line;
    const char *field;
    const char *reason;
    char why[200];
};

static const char *const column_names[] = {"name", "college", "role", "email", "lang"};

static int
csv_bad(struct csv_import *ci, size_t line, const char *field, const char *reason,
        const char *fmt, const char *value)
{
    char what[160];
    quote_word(what, sizeof(what), fmt, value);
    snprintf(ci->why, sizeof(ci->why), "line %zu: %s", line, what);
    ci->line = line;
    ci->field = field;
    ci->reason = reason;
    return ERR_INVALID;
}

static int
csv_header(struct csv_import *ci, char **f, size_t n)
{
    for (int c = 0; c < ROSTER_COLUMNS; c++) {
        ci->col[c] = -1;
    }
    for (size_t i = 0; i < n; i++) {
        enum roster_column c = roster_column(f[i]);
        if (c != ROSTER_NONE && ci->col[c] < 0) {
            ci->col[c] = (int)i;
        }
    }
    if (ci->col[ROSTER_NAME] < 0) {
        return csv_bad(ci, 1, "name", "header", "the header has no name column (name, nom)%s",
                       "");
    }
    if (ci->col[ROSTER_ROLE] < 0) {
        return csv_bad(ci, 1, "role", "header", "the header has no role column (role, rôle)%s",
                       "");
    }
    return 0;
}

static int
csv_row(void *ctx, size_t line, char **f, size_t n)
{
    struct csv_import *ci = ctx;
    if (line == 1) {
        return csv_header(ci, f, n);
    }
    for (int c = 0; c < ROSTER_COLUMNS; c++) {
        if (ci->col[c] >= (int)n) {
            return csv_bad(ci, line, column_names[c], "fields",
                           "the line ends before its %s field", column_names[c]);
        }
    }
    const char *name = f[ci->col[ROSTER_NAME]];
    const char *college_word = ci->col[ROSTER_COLLEGE] >= 0 ? f[ci->col[ROSTER_COLLEGE]] : "";
    const char *role_word = f[ci->col[ROSTER_ROLE]];
    const char *email = ci->col[ROSTER_EMAIL] >= 0 ? f[ci->col[ROSTER_EMAIL]] : "";
    const char *lang_word = ci->col[ROSTER_LANG] >= 0 ? f[ci->col[ROSTER_LANG]] : "";
    struct hub_member_words m;
    if (hub_member_words(ci->colleges, name, college_word, role_word, email, lang_word, &m)) {
        snprintf(ci->why, sizeof(ci->why), "line %zu: %s", line, m.why);
        ci->line = line;
        ci->field = m.field;
        ci->reason = m.reason;
        return ERR_INVALID;
    }
    struct pj *o = NULL;
    int rc = member_store(ci->h, ci->cid, name, &m, ci->now, &o);
    if (rc) {
        snprintf(ci->why, sizeof(ci->why), "line %zu: cannot store the member", line);
        ci->line = line;
        return rc;
    }
    ci->count++;
    return pj_push(ci->out, o);
}

static void
members_csv(struct hub *h, void *req, const char *cid, const char *body, size_t len, int64_t now)
{
    char *name = NULL, *colleges = NULL;
    int rc = store_commission_get(h->st, cid, &name, &colleges);
    if (rc) {
        hub_http_fail(h, req, rc, rc == ERR_NOT_FOUND ? "no such commission" : NULL);
        return;
    }
    struct csv_import ci = {.h = h, .cid = cid, .colleges = colleges, .now = now,
                            .out = pj_array()};
    size_t line = 0;
    if ((rc = hub_begin(h)) == 0) {
        rc = csv_parse(body, len, csv_row, &ci, &line);
        if (rc == 0 && ci.count == 0) {
            rc = ERR_INVALID;
            ci.reason = "empty";
            snprintf(ci.why, sizeof(ci.why), "no member in the file");
        }
        hub_end(h, NULL, 0, rc);
    }
    if (rc) {
        if (!ci.why[0] && line) {
            /* csv.c refused the text itself: say which line, and why */
            size_t end = csv_text_end(body, len), end_line = 1;
            for (size_t i = 0; i < end && end < len; i++) {
                end_line += body[i] == '\n';
            }
            bool text = end < len && end_line == line;
            ci.line = line;
            ci.reason = text ? "not_text" : "syntax";
            snprintf(ci.why, sizeof(ci.why), "line %zu: %s", line,
                     !text            ? "malformed CSV"
                     : body[end] == 0 ? "a NUL byte, which text may not hold"
                                      : "bytes that are not UTF-8 text (save the file as CSV UTF-8)");
        }
        pj_free(ci.out);
        hub_fail_at(h, req, rc, ci.why[0] ? ci.why : NULL, ci.line, ci.field, ci.reason);
    } else {
        struct pj *o = pj_object();
        pj_set(o, "members", ci.out);
        hub_http_json(h, req, 201, o);
    }
    free(name);
    free(colleges);
}

/* --- the secretariat's lists ---------------------------------------------- */

static int
commission_row(void *ctx, const char *id, const char *name, const char *colleges,
               int64_t members, int64_t meetings)
{
    struct pj *o = pj_object();
    pj_set_str(o, "id", id);
    pj_set_str(o, "name", name);
    pj_set(o, "colleges", colleges_array(colleges));
    pj_set_int(o, "members", members);
    pj_set_int(o, "meetings", meetings);
    return pj_push(ctx, o);
}

/* GET /api/commissions: every commission, oldest first, with its counts. */
static void
commissions_list(struct hub *h, void *req)
{
    struct pj *list = pj_array();
    int rc = store_commissions(h->st, commission_row, list);
    if (rc) {
        pj_free(list);
        hub_http_fail(h, req, rc, NULL);
        return;
    }
    struct pj *o = pj_object();
    pj_set(o, "commissions", list);
    hub_http_json(h, req, 200, o);
}

struct meeting_rows {
    struct hub *h;
    struct pj *list;
};

/* One meeting as the secretariat's list shows it, from its folded state. */
static int
meeting_row(void *ctx, const char *id)
{
    struct meeting_rows *r = ctx;
    struct live *l;
    int rc = hub_live(r->h, id, &l);
    if (rc) {
        return rc;
    }
    const struct meeting *m = l->m;
    int64_t items = 0;
    for (size_t i = 0; i < m->nitems; i++) {
        items += !m->items[i].removed;
    }
    struct pj *o = pj_object();
    pj_set_str(o, "id", m->id);
    pj_set_str(o, "title", m->title ? m->title : "");
    pj_set_str(o, "date", m->date ? m->date : "");
    pj_set_str(o, "place", m->place ? m->place : "");
    pj_set_str(o, "state", meeting_state_str(m->state));
    pj_set_bool(o, "finalized", m->finalized_by[0] != '\0');
    pj_set_bool(o, "approved", m->approved_by[0] != '\0');
    struct live *by;
    int32_t at;
    rc = hub_approval_find(r->h, m, &by, &at);
    if (rc == 0) {
        const struct item *it = &by->m->items[at];
        struct pj *a = pj_object();
        pj_set_str(a, "meeting", by->m->id);
        pj_set_str(a, "date", by->m->date ? by->m->date : "");
        pj_set_int(a, "at", it->approved_at);
        pj_set_str(a, "result", it->approved_vote >= 0 ? "adopted" : "no_objection");
        pj_set(o, "approved_by", a);
    } else if (rc == ERR_NOT_FOUND) {
        pj_set(o, "approved_by", pj_null());
    } else {
        pj_free(o);
        return rc;
    }
    pj_set_int(o, "items", items);
    pj_set_int(o, "participants", (int64_t)meeting_nlisted(m));
    return pj_push(r->list, o);
}

/* GET /api/commissions/C/meetings: its meetings, in order of creation. */
static void
commission_meetings(struct hub *h, void *req, const char *cid)
{
    char *name = NULL, *colleges = NULL;
    int rc = store_commission_get(h->st, cid, &name, &colleges);
    free(name);
    free(colleges);
    if (rc) {
        hub_http_fail(h, req, rc, rc == ERR_NOT_FOUND ? "no such commission" : NULL);
        return;
    }
    /* the ids first: a row reads the commission's meetings again (approved_by) */
    struct hub_ids ids = {0};
    struct meeting_rows r = {h, pj_array()};
    rc = store_commission_meetings(h->st, cid, hub_id_row, &ids);
    for (size_t k = 0; rc == 0 && k < ids.n; k++) {
        rc = meeting_row(&r, ids.v[k]);
    }
    free(ids.v);
    if (rc) {
        pj_free(r.list);
        hub_http_fail(h, req, rc, NULL);
        return;
    }
    struct pj *o = pj_object();
    pj_set_str(o, "commission", cid);
    pj_set(o, "meetings", r.list);
    hub_http_json(h, req, 200, o);
}

/* --- meetings ------------------------------------------------------------ */

struct roster {
    struct meeting *m;
    struct evlist *evs;
    int64_t now;
};

static int
roster_row(void *ctx, const char *id, const char *name, const char *college, const char *role)
{
    struct roster *r = ctx;
    struct body b = {.participant = (char *)id, .name = (char *)name,
                     .college = (char *)college, .role = (char *)role};
    return meeting_add_participant(r->m, &b, r->now, r->evs);
}

static void
snapshot_answer(struct hub *h, void *req, int status, struct live *l)
{
    char hex[2 * HASH_LEN + 1];
    sec_hex(l->head, HASH_LEN, hex);
    char *s = proto_snapshot(l->m, hex);
    if (!s) {
        hub_http_fail(h, req, ERR_NOMEM, NULL);
        return;
    }
    hub_http_answer(h, req, status, s);
}

void
hub_snapshot_answer(struct hub *h, void *req, int status, struct live *l)
{
    snapshot_answer(h, req, status, l);
}

/* When the previous meeting's minutes are to be approved at the next
 * meeting and are not approved yet (it is closed, nobody approved them),
 * `l` gets the item that approves them, first on its agenda. Once there,
 * it is not added again. */
static int
approval_item(struct hub *h, struct live *l, struct live *prev, int64_t now, struct evlist *evs)
{
    struct live *by;
    int32_t at;
    const struct meeting *pm = prev->m;
    if (!pm->set.approval_next || pm->state != MEETING_CLOSED || pm->approved_by[0]) {
        return 0;
    }
    int rc = hub_approval_find(h, pm, &by, &at);
    if (rc != ERR_NOT_FOUND) {
        return rc;
    }
    char title[600];
    words_approval_item(words_lang(l->m->lang), pm->date, pm->title, title, sizeof(title));
    rc = meeting_approval_item(l->m, pm->id, title, now, evs);
    return rc == ERR_CONFLICT ? 0 : rc;
}

/* The items postponed at the commission's previous meeting come back on the
 * new agenda, each pointing at the meeting where its history is; the item
 * that approves its minutes is added when they wait for it, and a
 * commission that approves its minutes at the next meeting keeps doing so
 * (the new meeting's minutes_approval is next_meeting too); its actions
 * still open come under a follow-up item (groups.c). */
static int
carry_postponed(struct hub *h, struct live *l, const char *commission, int64_t now,
                struct evlist *evs)
{
    char prev_id[33];
    struct live *prev;
    int rc = store_previous_meeting(h->st, commission, l->m->id, prev_id);
    if (rc == ERR_NOT_FOUND) {
        return 0;
    }
    if (rc || (rc = hub_live(h, prev_id, &prev))) {
        return rc;
    }
    if (prev->m->set.approval_next) {
        struct cmd c = {.type = CMD_MEETING_CONFIGURE};
        c.b.approval = (char *)approval_str(true);
        if ((rc = meeting_admin_handle(l->m, &c, now, evs))) {
            return rc;
        }
    }
    if ((rc = approval_item(h, l, prev, now, evs))) {
        return rc;
    }
    uint32_t *order = malloc((prev->m->nitems ? prev->m->nitems : 1) * sizeof(*order));
    if (!order) {
        return ERR_NOMEM;
    }
    size_t n = agenda_order(prev->m, order);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const struct item *it = &prev->m->items[order[i]];
        if (it->state == ITEM_POSTPONED) {
            rc = meeting_carry_item(l->m, it, prev->m->id, now, evs);
        }
    }
    free(order);
    return rc ? rc : hub_carry_actions(h, l, prev, now, evs);
}

static void
meeting_create_route(struct hub *h, void *req, const char *body, size_t len, int64_t now)
{
    struct api_meeting in;
    char *cname = NULL, *colleges = NULL;
    struct live *l = NULL;
    struct evlist evs = {0};
    int rc = proto_api_meeting(body, len, &in);
    if (rc) {
        hub_http_fail(h, req, rc, NULL);
        return;
    }
    if ((rc = store_commission_get(h->st, in.commission, &cname, &colleges))) {
        hub_http_fail(h, req, rc, rc == ERR_NOT_FOUND ? "no such commission" : NULL);
        goto fail;
    }
    char id[ID_MAX];
    if (in.id && *in.id) {
        char unused[33];
        if (store_meeting_get(h->st, in.id, unused) == 0) {
            hub_http_fail(h, req, ERR_CONFLICT, "a meeting with this id exists");
            goto fail;
        }
        snprintf(id, sizeof(id), "%s", in.id);
    } else {
        sec_random_id(id, 10);
    }
    char room[1100];
    snprintf(room, sizeof(room), "%sconcerto-%s", h->cfg.room_base, id);
    struct body b = {.title = in.title, .date = in.date ? in.date : "",
                     .place = in.place ? in.place : "", .room = in.room ? in.room : room,
                     .lang = in.lang ? in.lang : "fr", .commission = in.commission,
                     .commission_name = cname};
    if (strcmp(b.lang, "fr") != 0 && strcmp(b.lang, "en") != 0) {
        hub_http_fail(h, req, ERR_INVALID, "lang must be fr or en");
        goto fail;
    }
    if ((rc = hub_begin(h))) {
        hub_http_fail(h, req, rc, NULL);
        goto fail;
    }
    rc = store_meeting_add(h->st, id, in.commission, now);
    if (rc == 0) {
        rc = hub_live(h, id, &l);
    }
    if (rc == 0) {
        rc = meeting_create(l->m, &b, now, &evs);
    }
    if (rc == 0) {
        struct roster r = {l->m, &evs, now};
        rc = store_members(h->st, in.commission, roster_row, &r);
    }
    if (rc == 0) {
        rc = carry_postponed(h, l, in.commission, now, &evs);
    }
    if (rc == 0) {
        rc = hub_write_events(h, l, &evs);
    }
    hub_end(h, NULL, 0, rc);
    if (rc && l) {
        hub_unload(h, l); /* its row was rolled back with the savepoint */
    }
    if (rc) {
        hub_http_fail(h, req, rc, NULL);
        goto fail;
    }
    log_line(LOG_INFO, "meeting %s created in commission %s", id, in.commission);
    snapshot_answer(h, req, 201, l);
fail:
    evlist_clear(&evs);
    free(cname);
    free(colleges);
    proto_api_meeting_clear(&in);
}

/* --- the secretariat prepares a meeting ------------------------------------ */

/* Run `c` as the secretariat (meeting_admin_handle: actor "admin"), write
 * its events (the meeting's connections receive them as for any command)
 * and answer the meeting's snapshot. */
static void
admin_command(struct hub *h, void *req, struct live *l, struct cmd *c, int status, int64_t now)
{
    struct evlist evs = {0};
    size_t mark = l->npending;
    int rc = hub_begin(h);
    if (rc == 0) {
        rc = meeting_admin_handle(l->m, c, now, &evs);
        if (rc == 0) {
            rc = hub_write_events(h, l, &evs);
        }
        hub_end(h, l, mark, rc);
    }
    evlist_clear(&evs);
    if (rc) {
        bool settings = c->type == CMD_MEETING_CONFIGURE;
        hub_http_fail(h, req, rc,
                      rc == ERR_NOT_FOUND ? "no such item in this meeting"
                      : rc == ERR_BAD_STATE && settings
                          ? "the meeting has opened: its chair changes the rules in the room"
                      : rc == ERR_BAD_STATE && l->m->state == MEETING_CLOSED
                          ? "the meeting is closed"
                      : rc == ERR_BAD_STATE ? "the item was opened: it can only be postponed"
                      : rc == ERR_CONFLICT && c->type == CMD_AGENDA_REMOVE
                          ? "remove its sub-items first"
                      : rc == ERR_CONFLICT ? "the item is already at this position"
                                           : NULL);
        return;
    }
    log_line(LOG_INFO, "meeting %s: %s by the secretariat", l->m->id, proto_cmd_name(c->type));
    snapshot_answer(h, req, status, l);
}

/* A command from an HTTP body (the command's body, alone), with the item
 * of the path when there is one. */
static void
admin_route(struct hub *h, void *req, struct live *l, enum cmd_type type, const char *item,
            const char *body, size_t len, int status, int64_t now)
{
    struct cmd c = {.type = type};
    int rc = 0;
    if (body) {
        rc = proto_decode_body(type, item, len ? body : "{}", len ? len : 2, &c);
    } else if (item && !(c.b.item = strdup(item))) { /* DELETE has no body */
        rc = ERR_NOMEM;
    }
    if (rc == 0 && type == CMD_AGENDA_MOVE && !(c.b.has & HAS_POSITION)) {
        rc = ERR_BAD_MESSAGE;
    }
    if (rc == 0 && type == CMD_AGENDA_ADD && !c.b.title) {
        rc = ERR_BAD_MESSAGE;
    }
    if (rc) {
        cmd_clear(&c);
        hub_http_fail(h, req, rc, NULL);
        return;
    }
    admin_command(h, req, l, &c, status, now);
    cmd_clear(&c);
}

static bool
title_listed(const struct meeting *m, const char *parent, const char *title)
{
    for (size_t i = 0; i < m->nitems; i++) {
        const struct item *it = &m->items[i];
        if (!it->removed && strcmp(it->parent, parent) == 0 && strcmp(it->title, title) == 0) {
            return true;
        }
    }
    return false;
}

/* Start from the previous meeting's agenda: its items (title, description,
 * kind, planned duration and turn length; sub-items under their copied
 * parent) become new items at the end of this agenda. Items postponed there
 * were carried when this meeting was created (carry_postponed), and an item
 * whose title this agenda already holds at the same place is the same item:
 * neither is added again, so a second request adds nothing. */
static int
copy_previous(void *ctx, struct live *l, int64_t now, struct evlist *evs)
{
    const struct meeting *pm = ctx;
    uint32_t *order = malloc((pm->nitems ? pm->nitems : 1) * sizeof(*order));
    char(*copied)[ID_MAX] = calloc(pm->nitems ? pm->nitems : 1, sizeof(*copied));
    int rc = order && copied ? 0 : ERR_NOMEM;
    size_t n = rc ? 0 : agenda_order(pm, order);
    for (size_t k = 0; rc == 0 && k < n; k++) {
        const struct item *it = &pm->items[order[k]];
        const char *parent = "";
        if (it->parent[0]) {
            int32_t pi = meeting_item_index(pm, it->parent);
            if (pi < 0 || !copied[pi][0]) {
                continue; /* its parent was postponed (and carried with its history) */
            }
            parent = copied[pi];
        }
        if (it->state == ITEM_POSTPONED || it->approves[0]) {
            continue; /* an approval item is this meeting's own (approval_item) */
        }
        struct hub_item_copy src = {.title = it->title, .description = it->description,
                                    .kind = item_kind_str(it->kind),
                                    .duration = it->duration_s, .speaking = it->speaking_s};
        rc = hub_agenda_copy(l, &src, parent, now, evs, copied[order[k]]);
    }
    free(order);
    free(copied);
    return rc;
}

int
hub_agenda_copy(struct live *l, const struct hub_item_copy *src, const char *parent, int64_t now,
                struct evlist *evs, char id[ID_MAX])
{
    id[0] = '\0';
    if (title_listed(l->m, parent, src->title)) {
        if (!parent[0]) { /* its sub-items go under the item already there */
            for (size_t i = 0; i < l->m->nitems; i++) {
                const struct item *mine = &l->m->items[i];
                if (!mine->removed && !mine->parent[0] && strcmp(mine->title, src->title) == 0) {
                    snprintf(id, ID_MAX, "%s", mine->id);
                    break;
                }
            }
        }
        return 0;
    }
    struct cmd c = {.type = CMD_AGENDA_ADD};
    c.b.title = (char *)src->title;
    c.b.description = (char *)src->description;
    c.b.presenter = (char *)src->presenter;
    c.b.kind = (char *)src->kind;
    c.b.parent = (char *)parent;
    c.b.duration = src->duration;
    c.b.speaking_time = src->speaking;
    c.b.has = HAS_DURATION | HAS_SPEAKING_TIME;
    int rc = meeting_admin_handle(l->m, &c, now, evs);
    if (rc == 0) {
        snprintf(id, ID_MAX, "%s", l->m->items[l->m->nitems - 1].id);
    }
    return rc;
}

void
hub_agenda_start(struct hub *h, void *req, struct live *l, struct live *prev,
                 int (*add)(void *ctx, struct live *l, int64_t now, struct evlist *evs),
                 void *ctx, const char *from, int64_t now)
{
    struct evlist evs = {0};
    size_t mark = l->npending;
    int rc = hub_begin(h);
    if (rc == 0) {
        rc = prev ? approval_item(h, l, prev, now, &evs) : 0;
        if (rc == 0) {
            rc = add(ctx, l, now, &evs);
        }
        if (rc == 0 && prev) { /* and the actions still open, as at the meeting's creation */
            rc = hub_carry_actions(h, l, prev, now, &evs);
        }
        if (rc == 0) {
            rc = hub_write_events(h, l, &evs);
        }
        hub_end(h, l, mark, rc);
    }
    evlist_clear(&evs);
    if (rc) {
        hub_http_fail(h, req, rc, rc == ERR_BAD_STATE ? "the meeting is closed" : NULL);
        return;
    }
    log_line(LOG_INFO, "meeting %s: agenda started from %s", l->m->id, from);
    snapshot_answer(h, req, 200, l);
}

static void
agenda_from_previous(struct hub *h, void *req, struct live *l, int64_t now)
{
    char prev_id[33];
    struct live *prev;
    if (l->m->state == MEETING_CLOSED) {
        hub_http_fail(h, req, ERR_BAD_STATE, "the meeting is closed");
        return;
    }
    int rc = store_previous_meeting(h->st, l->m->commission, l->m->id, prev_id);
    if (rc == 0) {
        rc = hub_live(h, prev_id, &prev);
    }
    if (rc) {
        hub_http_fail(h, req, rc,
                      rc == ERR_NOT_FOUND ? "no previous meeting in this commission" : NULL);
        return;
    }
    hub_agenda_start(h, req, l, prev, copy_previous, prev->m, prev_id, now);
}

/* New personal links. Only the admin (the secretariat) issues them: a link
 * lets its holder act as that participant, so the chair who could issue a
 * member's link could vote in the member's name. A new link replaces the
 * person's earlier ones (revoked, their connections closed: the person
 * learns at once that their link changed), and the issue is an event of the
 * meeting, invitation.issued, so that the log and the record show from when
 * a new holder could act as them. */
int
hub_issue_links(struct hub *h, struct live *l, const struct strlist *pids, int64_t now,
                char (*tokens)[SEC_TOKEN_LEN + 1], int *replaced)
{
    struct evlist evs = {0};
    size_t n = pids->n ? pids->n : l->m->nparts;
    size_t mark = l->npending;
    int rc = hub_begin(h);
    *replaced = 0;
    if (rc) {
        return rc;
    }
    rc = meeting_invite(l->m, pids, "admin", now, &evs); /* checks every id */
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const struct participant *p =
            pids->n ? meeting_participant(l->m, pids->v[i]) : &l->m->parts[i];
        uint8_t hash[SEC_HASH_LEN];
        int count = 0;
        rc = store_token_revoke(h->st, l->m->id, p->id, now, &count);
        *replaced += count;
        if (rc == 0 && (rc = sec_token_new(tokens[i], hash)) == 0) {
            rc = store_token_add(h->st, hash, "invitation", l->m->id, p->id, now);
        }
    }
    if (rc == 0) {
        rc = hub_write_events(h, l, &evs);
    }
    hub_end(h, l, mark, rc);
    evlist_clear(&evs);
    if (rc) {
        sec_wipe(tokens, n * sizeof(*tokens));
        return rc;
    }
    log_line(LOG_INFO, "meeting %s: %zu invitation(s) issued, %d earlier one(s) replaced", l->m->id,
             n, *replaced);
    for (size_t i = 0; *replaced && i < n; i++) {
        hub_kick(h, l, pids->n ? pids->v[i] : l->m->parts[i].id,
                 "your personal link was replaced by a new one");
    }
    return 0;
}

const char *
hub_issue_error(int rc)
{
    return rc == ERR_NOT_FOUND   ? "no such participant in this meeting"
           : rc == ERR_BAD_STATE ? "the record is approved: the meeting is over"
                                 : NULL;
}

/* New personal links. Only the admin (the secretariat) issues them: a link
 * lets its holder act as that participant, so the chair who could issue a
 * member's link could vote in the member's name. */
static void
invitations_create(struct hub *h, void *req, struct live *l, const char *body, size_t len,
                   int64_t now)
{
    struct api_invite in;
    struct strlist pids = {0};
    int rc = proto_api_invite(body, len, &in);
    if (rc) {
        hub_http_fail(h, req, rc, NULL);
        return;
    }
    for (size_t i = 0; rc == 0 && i < in.n; i++) {
        rc = strlist_push(&pids, in.participants[i]);
    }
    bool everyone = in.n == 0; /* those on the roster, not those taken off it */
    for (size_t i = 0; rc == 0 && everyone && i < l->m->nparts; i++) {
        rc = l->m->parts[i].removed ? 0 : strlist_push(&pids, l->m->parts[i].id);
    }
    proto_api_invite_clear(&in);
    if (rc == 0 && everyone && pids.n == 0) {
        struct pj *none = pj_object();
        pj_set(none, "invitations", pj_array());
        hub_http_json(h, req, 201, none);
        return;
    }
    size_t n = pids.n ? pids.n : l->m->nparts;
    char(*tokens)[SEC_TOKEN_LEN + 1] = calloc(n ? n : 1, sizeof(*tokens));
    int replaced = 0;
    if (rc == 0) {
        rc = tokens ? hub_issue_links(h, l, &pids, now, tokens, &replaced) : ERR_NOMEM;
    }
    if (rc) {
        strlist_clear(&pids);
        free(tokens);
        hub_http_fail(h, req, rc, hub_issue_error(rc));
        return;
    }
    struct pj *list = pj_array();
    for (size_t i = 0; i < n; i++) {
        const struct participant *p =
            pids.n ? meeting_participant(l->m, pids.v[i]) : &l->m->parts[i];
        char link[128];
        snprintf(link, sizeof(link), "/m/%s#t=%s", l->m->id, tokens[i]);
        struct pj *o = hub_member_json(p->id, p->name, p->college, role_str(p->role));
        pj_set_str(o, "participant", p->id);
        pj_set_str(o, "token", tokens[i]);
        pj_set_str(o, "link", link);
        pj_push(list, o);
        sec_wipe(link, sizeof(link));
    }
    sec_wipe(tokens, n * sizeof(*tokens));
    free(tokens);
    strlist_clear(&pids);
    struct pj *o = pj_object();
    pj_set(o, "invitations", list);
    hub_http_json(h, req, 201, o);
}

static void
invitations_revoke(struct hub *h, void *req, struct live *l, const char *pid, int64_t now)
{
    if (!meeting_participant(l->m, pid)) {
        hub_http_fail(h, req, ERR_NOT_FOUND, "no such participant in this meeting");
        return;
    }
    int count = 0, rc;
    if ((rc = hub_begin(h)) == 0) {
        rc = store_token_revoke(h->st, l->m->id, pid, now, &count);
        hub_end(h, NULL, 0, rc);
    }
    if (rc) {
        hub_http_fail(h, req, rc, NULL);
        return;
    }
    log_line(LOG_INFO, "meeting %s: %d invitation(s) of %s revoked", l->m->id, count, pid);
    hub_kick(h, l, pid, "your invitation was revoked");
    struct pj *o = pj_object();
    pj_set_int(o, "revoked", count);
    hub_http_json(h, req, 200, o);
}

static int
ballot_row(void *ctx, const char *receipt, const char *choice, int64_t n)
{
    (void)n;
    struct pj *o = pj_object();
    pj_set_str(o, "receipt", receipt);
    pj_set_str(o, "choice", choice);
    return pj_push(ctx, o);
}

/* The list of ballots of a published vote: receipts and choices of a secret
 * vote, in receipt order (which says nothing of who or when); voters and
 * choices of a named one. */
static void
ballots_list(struct hub *h, void *req, struct live *l, const char *vid)
{
    int32_t vi = meeting_vote_index(l->m, vid);
    if (vi < 0) {
        hub_http_fail(h, req, ERR_NOT_FOUND, "no such vote");
        return;
    }
    const struct vote *v = &l->m->votes[vi];
    if (v->state != VOTE_PUBLISHED) {
        hub_http_fail(h, req, ERR_BAD_STATE, "the ballots are listed once the vote is published");
        return;
    }
    struct pj *list = pj_array();
    int rc = 0;
    if (v->secret) {
        rc = store_secret_list(h->st, l->m->id, v->id, ballot_row, list);
    } else {
        for (size_t k = 0; k < v->nslots; k++) {
            if (v->choice[k] < 0) {
                continue;
            }
            struct pj *o = pj_object();
            pj_set_str(o, "voter", l->m->parts[k].id);
            pj_set_str(o, "by", v->by[k] >= 0 ? l->m->parts[v->by[k]].id : "");
            pj_set_str(o, "choice", v->options.v[v->choice[k]]);
            pj_push(list, o);
        }
    }
    if (rc) {
        pj_free(list);
        hub_http_fail(h, req, rc, NULL);
        return;
    }
    struct pj *o = pj_object();
    pj_set_str(o, "vote", v->id);
    pj_set_str(o, "mode", v->secret ? "secret" : "named");
    pj_set(o, "ballots", list);
    hub_http_json(h, req, 200, o);
}

/* The secretariat's routes under a meeting: settings and agenda, seg[0] is
 * "settings" or "agenda" and n counts the segments from there. */
static void
prepare_route(struct hub *h, void *req, struct live *l, bool admin, const char *method,
              char **seg, size_t n, const char *body, size_t len, int64_t now)
{
    bool post = strcmp(method, "POST") == 0, del = strcmp(method, "DELETE") == 0;
    bool settings = strcmp(seg[0], "settings") == 0;
    if ((settings && n != 1) || n > 3 || (n == 3 && strcmp(seg[2], "move") != 0)) {
        hub_http_fail(h, req, ERR_NOT_FOUND, "no such route");
    } else if (!admin) {
        hub_http_fail(h, req, ERR_FORBIDDEN, "the secretariat (admin) only");
    } else if (settings) {
        post ? admin_route(h, req, l, CMD_MEETING_CONFIGURE, NULL, body, len, 200, now)
             : hub_http_fail(h, req, ERR_METHOD, NULL);
    } else if (n == 1) {
        post ? admin_route(h, req, l, CMD_AGENDA_ADD, NULL, body, len, 201, now)
             : hub_http_fail(h, req, ERR_METHOD, NULL);
    } else if (n == 2 && strcmp(seg[1], "from-previous") == 0) {
        post ? agenda_from_previous(h, req, l, now) : hub_http_fail(h, req, ERR_METHOD, NULL);
    } else if (n == 2 && strcmp(seg[1], "from-template") == 0) {
        post ? hub_agenda_from_template(h, req, l, now) : hub_http_fail(h, req, ERR_METHOD, NULL);
    } else if (n == 2 && strcmp(seg[1], "template") == 0) {
        strcmp(method, "GET") == 0 ? hub_template_get_for(h, req, l)
                                   : hub_http_fail(h, req, ERR_METHOD, NULL);
    } else if (n == 2) {
        post  ? admin_route(h, req, l, CMD_AGENDA_EDIT, seg[1], body, len, 200, now)
        : del ? admin_route(h, req, l, CMD_AGENDA_REMOVE, seg[1], NULL, 0, 200, now)
              : hub_http_fail(h, req, ERR_METHOD, NULL);
    } else {
        post ? admin_route(h, req, l, CMD_AGENDA_MOVE, seg[1], body, len, 200, now)
             : hub_http_fail(h, req, ERR_METHOD, NULL);
    }
}

/* --- routing ------------------------------------------------------------- */

/* A path segment: an identifier, or a file name such as members.csv or
 * record.pdf.minisig ([a-z0-9._-], no leading dot). */
static bool
segment_valid(const char *s)
{
    if (!*s || *s == '.' || strlen(s) > 64) {
        return false;
    }
    for (; *s; s++) {
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' || *s == '-' ||
              *s == '.')) {
            return false;
        }
    }
    return true;
}

/* Split "/api/a/b" into segments; 0, or ERR_NOT_FOUND when too deep or empty parts. */
static int
split(char *path, char **seg, size_t *n)
{
    *n = 0;
    char *save = NULL;
    for (char *t = strtok_r(path, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
        if (*n == MAX_SEGMENTS) {
            return ERR_NOT_FOUND;
        }
        seg[(*n)++] = t;
    }
    return 0;
}

/* Documents under an item: seg[0] is "agenda", seg[1] the item, seg[2]
 * "documents", then the document's SHA-256 for a removal. The bureau of
 * the meeting (chair, secretary) or the admin; `upload` says the request
 * came with a file (hub_http_upload). */
static void
documents_route(struct hub *h, void *req, struct live *l, const struct who *w, bool upload,
                const char *method, char **seg, size_t n, const char *name, const char *body,
                size_t len, int64_t now)
{
    bool admin = w->role == ROLE_ADMIN;
    bool bureau = admin || w->role == ROLE_CHAIR || w->role == ROLE_SECRETARY;
    const char *actor = admin ? "admin" : w->participant;
    if (!bureau) {
        hub_http_fail(h, req, ERR_FORBIDDEN, "admin, chair or secretary only");
    } else if (n == 3) {
        if (strcmp(method, "POST") != 0) {
            hub_http_fail(h, req, ERR_METHOD, NULL);
        } else if (!upload) {
            hub_http_fail(h, req, ERR_INVALID, "a file name is required (?name=)");
        } else {
            hub_document_upload(h, req, l, actor, seg[1], name, body, len, now);
        }
    } else if (strcmp(method, "DELETE") == 0) {
        hub_document_remove(h, req, l, actor, seg[1], seg[3], now);
    } else {
        hub_http_fail(h, req, ERR_METHOD, NULL);
    }
}

/* The routes that need no token: the health probe and the public key. */
static void
healthz_route(struct hub *h, void *req, const char *method)
{
    if (strcmp(method, "GET") != 0) {
        hub_http_fail(h, req, ERR_METHOD, NULL);
        return;
    }
    struct pj *o = pj_object();
    pj_set_str(o, "status", "ok");
    pj_set_str(o, "version", VERSION);
    hub_http_json(h, req, 200, o);
}

static void
pubkey_route(struct hub *h, void *req, const char *method)
{
    if (strcmp(method, "GET") != 0) {
        hub_http_fail(h, req, ERR_METHOD, NULL);
    } else if (!h->cfg.pubkey) {
        hub_http_fail(h, req, ERR_NOT_FOUND, "no signing key");
    } else {
        char *copy = strdup(h->cfg.pubkey);
        hub_http_file(h, req, copy, copy ? strlen(copy) : 0, "text/plain; charset=utf-8",
                      "concerto.pub");
    }
}

/* Splits an /api/... path (copied into buf) into its segments; false (the
 * request answered `not_found`) when it is too long, not under /api or has
 * a segment no route can name. */
static bool
api_path(struct hub *h, void *req, const char *path, char *buf, size_t size, char **seg,
         size_t *n)
{
    if (strlen(path) >= size) {
        hub_http_fail(h, req, ERR_NOT_FOUND, "no such route");
        return false;
    }
    strcpy(buf, path);
    if (split(buf, seg, n) || *n < 2 || strcmp(seg[0], "api") != 0) {
        hub_http_fail(h, req, ERR_NOT_FOUND, "no such route");
        return false;
    }
    for (size_t i = 1; i < *n; i++) {
        if (!segment_valid(seg[i])) {
            hub_http_fail(h, req, ERR_NOT_FOUND, "no such route");
            return false;
        }
    }
    return true;
}

/* /api/commissions/...: the admin only (checked by the caller). */
static void
commissions_route(struct hub *h, void *req, const char *method, char **seg, size_t n,
                  const char *body, size_t len, int64_t now)
{
    bool get = strcmp(method, "GET") == 0, post = strcmp(method, "POST") == 0;
    if (n == 2) {
        post  ? commission_create(h, req, body, len, now)
        : get ? commissions_list(h, req)
              : hub_http_fail(h, req, ERR_METHOD, NULL);
    } else if (n == 4 && strcmp(seg[3], "meetings") == 0) {
        get ? commission_meetings(h, req, seg[2]) : hub_http_fail(h, req, ERR_METHOD, NULL);
    } else if (n == 3) {
        get ? commission_get(h, req, seg[2]) : hub_http_fail(h, req, ERR_METHOD, NULL);
    } else if (n == 4 && strcmp(seg[3], "members") == 0) {
        post ? member_create(h, req, seg[2], body, len, now)
             : hub_http_fail(h, req, ERR_METHOD, NULL);
    } else if (n == 5 && strcmp(seg[3], "members") == 0) {
        hub_member_route(h, req, method, seg[2], seg[4], body, len, now);
    } else if (n == 4 && strcmp(seg[3], "members.csv") == 0) {
        post ? members_csv(h, req, seg[2], body, len, now)
             : hub_http_fail(h, req, ERR_METHOD, NULL);
    } else if (n == 4 && strcmp(seg[3], "groups") == 0) {
        post  ? hub_group_put(h, req, seg[2], NULL, body, len, now)
        : get ? hub_groups_list(h, req, seg[2])
              : hub_http_fail(h, req, ERR_METHOD, NULL);
    } else if (n == 5 && strcmp(seg[3], "groups") == 0) {
        post && id_valid(seg[4]) ? hub_group_put(h, req, seg[2], seg[4], body, len, now)
        : post                   ? hub_http_fail(h, req, ERR_NOT_FOUND, "no such working group")
                                 : hub_http_fail(h, req, ERR_METHOD, NULL);
    } else if (n == 4 && strcmp(seg[3], "agenda-template") == 0) {
        hub_template_route(h, req, seg[2], method, body, len, now);
    } else if (n == 4 && strcmp(seg[3], "actions") == 0) {
        get ? hub_open_actions(h, req, seg[2]) : hub_http_fail(h, req, ERR_METHOD, NULL);
    } else {
        hub_http_fail(h, req, ERR_NOT_FOUND, "no such route");
    }
}

/* /api/meetings/<id>/...: the admin, or a participant of that meeting.
 * A segment that cannot be a meeting's id (record/..%2F..%2Fsigning.key
 * arrives here as /api/meetings/signing.key) names no meeting. */
static void
meeting_route(struct hub *h, void *req, const struct who *w, const char *method, char **seg,
              size_t n, bool upload, const char *name, const char *body, size_t len, int64_t now)
{
    bool get = strcmp(method, "GET") == 0, post = strcmp(method, "POST") == 0,
         del = strcmp(method, "DELETE") == 0;
    bool admin = w->role == ROLE_ADMIN;
    if (!id_valid(seg[2])) {
        hub_http_fail(h, req, ERR_NOT_FOUND, "no such meeting");
        return;
    }
    if (!admin && strcmp(w->meeting, seg[2]) != 0) {
        hub_http_fail(h, req, ERR_FORBIDDEN, "not a participant of this meeting");
        return;
    }
    struct live *l;
    int rc;
    if ((rc = hub_live(h, seg[2], &l))) {
        hub_http_fail(h, req, rc,
                      rc == ERR_NOT_FOUND ? "no such meeting"
                      : rc == ERR_STORAGE ? "the log of this meeting cannot be read (see the server log)"
                                          : NULL);
        return;
    }
    bool bureau = admin || w->role == ROLE_CHAIR || w->role == ROLE_SECRETARY;
    if (n == 4 && strcmp(seg[3], "minutes") == 0) {
        get ? hub_minutes_route(h, req, l) : hub_http_fail(h, req, ERR_METHOD, NULL);
    } else if (n == 4 && strcmp(seg[3], "groups") == 0) {
        get ? hub_groups_list(h, req, l->m->commission) : hub_http_fail(h, req, ERR_METHOD, NULL);
    } else if (n == 5 && strcmp(seg[3], "record") == 0) {
        if (!bureau) {
            hub_http_fail(h, req, ERR_FORBIDDEN, "admin, chair or secretary only");
        } else {
            get ? hub_record_route(h, req, l, seg[4]) : hub_http_fail(h, req, ERR_METHOD, NULL);
        }
    } else if (n == 3) {
        get ? snapshot_answer(h, req, 200, l) : hub_http_fail(h, req, ERR_METHOD, NULL);
    } else if (n == 5 && strcmp(seg[3], "documents") == 0) {
        get ? hub_document_get(h, req, l, seg[4]) : hub_http_fail(h, req, ERR_METHOD, NULL);
    } else if ((n == 6 || n == 7) && strcmp(seg[3], "agenda") == 0 &&
               strcmp(seg[5], "documents") == 0) {
        documents_route(h, req, l, w, upload, method, seg + 3, n - 3, name, body, len, now);
    } else if (n == 6 && strcmp(seg[3], "votes") == 0 && strcmp(seg[5], "ballots") == 0) {
        get ? ballots_list(h, req, l, seg[4]) : hub_http_fail(h, req, ERR_METHOD, NULL);
    } else if (strcmp(seg[3], "convocations") == 0) {
        admin ? hub_convocations_route(h, req, l, method, seg + 3, n - 3, body, len, now)
              : hub_http_fail(h, req, ERR_FORBIDDEN, "the secretariat (admin) only");
    } else if (strcmp(seg[3], "settings") == 0 || strcmp(seg[3], "agenda") == 0) {
        prepare_route(h, req, l, admin, method, seg + 3, n - 3, body, len, now);
    } else if (strcmp(seg[3], "invitations") != 0 || n > 5) {
        hub_http_fail(h, req, ERR_NOT_FOUND, "no such route");
    } else if (!admin) {
        hub_http_fail(h, req, ERR_FORBIDDEN, "the secretariat (admin) only");
    } else if (n == 4) {
        post ? invitations_create(h, req, l, body, len, now)
             : hub_http_fail(h, req, ERR_METHOD, NULL);
    } else {
        del ? invitations_revoke(h, req, l, seg[4], now)
            : hub_http_fail(h, req, ERR_METHOD, NULL);
    }
}

/* The HTTP dispatcher: public routes, then the token, then the commission
 * and meeting route groups. */
static void
route(struct hub *h, void *req, const char *method, const char *path, const char *bearer,
      bool upload, const char *name, const char *body, size_t len, int64_t now)
{
    char buf[512];
    char *seg[MAX_SEGMENTS];
    size_t n;
    struct who w;
    h->now = now;
    h->metrics.http_requests++;
    if (strcmp(path, "/healthz") == 0) {
        healthz_route(h, req, method);
        return;
    }
    if (!api_path(h, req, path, buf, sizeof(buf), seg, &n))
        return;
    if (n == 2 && strcmp(seg[1], "pubkey") == 0) {
        pubkey_route(h, req, method);
        return;
    }
    int rc = authenticate(h, bearer, &w);
    if (rc) {
        hub_http_fail(h, req, rc, NULL);
        return;
    }
    bool admin = w.role == ROLE_ADMIN;
    if (strcmp(seg[1], "commissions") == 0) {
        admin ? commissions_route(h, req, method, seg, n, body, len, now)
              : hub_http_fail(h, req, ERR_FORBIDDEN, "admin only");
    } else if (strcmp(seg[1], "meetings") != 0) {
        hub_http_fail(h, req, ERR_NOT_FOUND, "no such route");
    } else if (n == 2 && !admin) {
        hub_http_fail(h, req, ERR_FORBIDDEN, "admin only");
    } else if (n == 2) {
        strcmp(method, "POST") == 0 ? meeting_create_route(h, req, body, len, now)
                                    : hub_http_fail(h, req, ERR_METHOD, NULL);
    } else {
        meeting_route(h, req, &w, method, seg, n, upload, name, body, len, now);
    }
}

void
hub_http(struct hub *h, void *req, const char *method, const char *path, const char *bearer,
         const char *body, size_t len, int64_t now)
{
    route(h, req, method, path, bearer, false, NULL, body, len, now);
}

void
hub_http_upload(struct hub *h, void *req, const char *path, const char *bearer,
                const char *name, const char *body, size_t len, int64_t now)
{
    route(h, req, "POST", path, bearer, true, name, body, len, now);
}
