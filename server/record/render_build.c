/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * render_build.c - what the procès-verbal says, in order: the checked record
 * (struct rec) turned into the document's blocks (struct doc).
 *
 * All the wording and all the order of the readable record live here, in
 * doc_build() and the section steps it calls: heading, attendance by college,
 * proxies and recusals, agenda, documents, the minutes grouped by agenda
 * item with each vote as a table, speaking time, the closing block and the
 * signatures. The back-ends (render_md.c, render_html.c, render_pdf.c) add
 * no word of their own but the page numbers, so the three documents say
 * the same thing.
 *
 * Invariants: every word comes from words.h in the record's language; every
 * allocation goes through the document (doc_add*, cell*), whose `oom` flag
 * sticks, and doc_build() returns ERR_NOMEM when it is set, so a failed
 * allocation never yields a record with a section, a row or an entry missing.
 */
#include "render_impl.h"

#include "../err.h"
#include "record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool
is_member(const json_t *p)
{
    return strcmp(get_str(p, "role"), "member") == 0;
}

enum presence { PRESENT, EXCUSED, ABSENT, NOT_LISTED };

static enum presence
presence(const json_t *p)
{
    const char *mark = get_str(p, "mark");
    if (strcmp(mark, "excused") == 0) {
        return EXCUSED;
    }
    if (strcmp(mark, "absent") == 0) {
        return ABSENT;
    }
    if (strcmp(mark, "present") == 0 || get_num(p, "arrived") > 0 ||
        json_array_size(json_object_get(p, "periods")) > 0) {
        return PRESENT;
    }
    /* an observer who did not come is not part of the body */
    return strcmp(get_str(p, "role"), "observer") == 0 ? NOT_LISTED : ABSENT;
}

/* The colleges in roster order (new array of borrowed strings). */
static const char **
colleges_of(const struct rec *r, size_t *n)
{
    size_t np = json_array_size(r->parts);
    const char **v = malloc((np ? np : 1) * sizeof(*v));
    *n = 0;
    for (size_t i = 0; v && i < np; i++) {
        const char *c = get_str(json_array_get(r->parts, i), "college");
        size_t k = 0;
        while (c[0] && k < *n && strcmp(v[k], c) != 0) {
            k++;
        }
        if (c[0] && k == *n) {
            v[(*n)++] = c;
        }
    }
    return v;
}

static void
heading(struct doc *d, const struct rec *r)
{
    const char *title = get_str(r->meeting, "title");
    const char *place = get_str(r->meeting, "place"), *room = get_str(r->meeting, "room");
    const char *date = get_str(r->meeting, "date");
    long long opened = get_num(r->meeting, "opened_at"), closed = get_num(r->meeting, "closed_at");
    struct date t = date_parse(date);
    char day[128], hm[16], when[160], a[16], b[16], dur[48];

    doc_add(d, BK_PARA, ST_KICKER, get_str(r->commission, "name"));
    doc_add(d, BK_H1, ST_NORMAL, title[0] ? title : rec_word(r, W_PV));
    if (t.ok) {
        fmt_day(r, t.y, t.mo, t.d,
                (int)(((days_from_civil(t.y, (unsigned)t.mo, (unsigned)t.d) % 7) + 11) % 7), day,
                sizeof(day));
        snprintf(hm, sizeof(hm), "%02d:%02d", t.h, t.mi);
        if (t.has_time) {
            snprintf(when, sizeof(when), rec_word(r, W_DATE_AT), day, hm);
        } else {
            snprintf(when, sizeof(when), "%s", day);
        }
        doc_addf(d, BK_PARA, ST_STRONG, rec_word(r, W_MEETING_OF), when);
    } else if (date[0]) {
        doc_addf(d, BK_PARA, ST_STRONG, rec_word(r, W_MEETING_OF), date);
    } else if (opened > 0) {
        struct when w = rec_civil(r, opened);
        fmt_day(r, w.y, w.mo, w.d, w.wd, day, sizeof(day));
        doc_addf(d, BK_PARA, ST_STRONG, rec_word(r, W_MEETING_OF), day);
    }
    if (place[0]) {
        doc_addf(d, BK_PARA, ST_NORMAL, "%s%s%s", rec_word(r, W_PLACE), rec_word(r, W_SEP), place);
    }
    if (room[0]) {
        doc_addf(d, BK_PARA, ST_NORMAL, "%s%s%s", rec_word(r, W_ROOM), rec_word(r, W_SEP), room);
    }
    if (opened > 0 && closed >= opened) {
        fmt_time(r, opened, a, sizeof(a));
        fmt_time(r, closed, b, sizeof(b));
        fmt_duration(closed - opened, dur, sizeof(dur));
        doc_addf(d, BK_PARA, ST_NORMAL, rec_word(r, W_SESSION), a, b, dur);
    }
    if (r->has_offset && r->offset) {
        snprintf(hm, sizeof(hm), "%c%02d:%02d", r->offset < 0 ? '-' : '+', abs(r->offset) / 60,
                 abs(r->offset) % 60);
        doc_addf(d, BK_PARA, ST_META, rec_word(r, W_TZ_LOCAL), hm);
    } else {
        doc_add(d, BK_PARA, ST_META, rec_word(r, W_TZ_UTC));
    }
}

/* The proxies `holder` holds, as "pouvoir de A, pouvoir de B" (appended). */
static void
proxies_held(const struct rec *r, const char *holder, struct buf *b)
{
    size_t i;
    const json_t *x;
    json_array_foreach(r->proxies, i, x)
    {
        if (strcmp(get_str(x, "to"), holder) == 0 && get_num(x, "revoked") == 0) {
            if (b->len) {
                buf_puts(b, ", ");
            }
            buf_printf(b, rec_word(r, W_HOLDS), rec_name_of(r, get_str(x, "from")));
        }
    }
}

/* "18:02–19:40, 19:45–clôture": every presence period (appended). Records
 * made before periods were kept show the first arrival and last departure. */
static void
periods_text(const struct rec *r, const json_t *p, struct buf *b)
{
    const json_t *periods = json_object_get(p, "periods");
    char from[16], to[16];
    size_t i;
    const json_t *x;
    if (!periods) {
        fmt_time(r, get_num(p, "arrived"), from, sizeof(from));
        fmt_time(r, get_num(p, "left"), to, sizeof(to));
        buf_printf(b, rec_word(r, W_PERIOD), get_num(p, "arrived") ? from : "",
                   get_num(p, "left") ? to : rec_word(r, W_UNTIL_CLOSE));
        return;
    }
    json_array_foreach(periods, i, x)
    {
        fmt_time(r, get_num(x, "from"), from, sizeof(from));
        fmt_time(r, get_num(x, "to"), to, sizeof(to));
        if (i) {
            buf_puts(b, ", ");
        }
        buf_printf(b, rec_word(r, W_PERIOD), from,
                   get_num(x, "to") ? to : rec_word(r, W_UNTIL_CLOSE));
    }
    if (json_array_size(periods) == 0) {
        buf_puts(b, "—"); /* in the room, marked present, never connected */
    }
}

static bool
present_at_close(const json_t *p)
{
    const json_t *v = json_object_get(p, "present_at_close");
    return v ? json_is_true(v) : get_num(p, "arrived") > 0 && get_num(p, "left") == 0;
}

static void
present_table(struct doc *d, const struct rec *r, const char *college)
{
    struct table *t = NULL;
    size_t i;
    const json_t *p;
    json_array_foreach(r->parts, i, p)
    {
        if (strcmp(get_str(p, "college"), college) != 0 || presence(p) != PRESENT) {
            continue;
        }
        if (!t) {
            if (college[0]) {
                doc_addf(d, BK_H3, ST_NORMAL, rec_word(r, W_COLLEGE), college);
            } else {
                doc_add(d, BK_H3, ST_NORMAL, rec_word(r, W_OTHERS));
            }
            t = doc_table(d, 4, true);
            if (!t) {
                return;
            }
            table_cell(d, t, rec_word(r, W_NAME));
            table_cell(d, t, rec_word(r, W_PRESENCE));
            table_cell(d, t, rec_word(r, W_AT_CLOSE));
            table_cell(d, t, rec_word(r, W_NOTES));
        }
        struct buf notes = {0}, when = {0};
        if (!is_member(p)) {
            buf_puts(&notes, role_word(r, get_str(p, "role")));
        }
        if (strcmp(get_str(p, "mark"), "present") == 0) {
            buf_printf(&notes, "%s%s", notes.len ? ", " : "", rec_word(r, W_CHECKED_IN));
        }
        proxies_held(r, get_str(p, "id"), &notes);
        periods_text(r, p, &when);
        table_cell(d, t, get_str(p, "name"));
        table_cell_owned(d, t, buf_take(&when));
        table_cell(d, t, rec_word(r, present_at_close(p) ? W_STAYED : W_GONE));
        table_cell_owned(d, t, buf_take(&notes));
    }
}

/* One paragraph per college: "Collège bailleurs : A (reason), B." */
static void
names_by_college(struct doc *d, const struct rec *r, enum presence which, const char **colleges,
                 size_t ncolleges)
{
    bool any = false;
    for (size_t c = 0; c <= ncolleges; c++) {
        const char *college = c < ncolleges ? colleges[c] : "";
        struct buf b = {0};
        size_t i, n = 0;
        const json_t *p;
        if (college[0]) {
            buf_printf(&b, rec_word(r, W_COLLEGE), college);
        } else {
            buf_puts(&b, rec_word(r, W_OTHERS));
        }
        buf_puts(&b, rec_word(r, W_SEP));
        json_array_foreach(r->parts, i, p)
        {
            if (strcmp(get_str(p, "college"), college) != 0 || presence(p) != which) {
                continue;
            }
            buf_printf(&b, "%s%s", n++ ? ", " : "", get_str(p, "name"));
            const char *reason = get_str(p, "reason");
            if (!is_member(p) && reason[0]) {
                buf_printf(&b, " (%s, %s)", role_word(r, get_str(p, "role")), reason);
            } else if (!is_member(p)) {
                buf_printf(&b, " (%s)", role_word(r, get_str(p, "role")));
            } else if (reason[0]) {
                buf_printf(&b, " (%s)", reason);
            }
        }
        if (n) {
            buf_puts(&b, ".");
            doc_add_owned(d, BK_PARA, ST_NORMAL, buf_take(&b));
            any = true;
        } else {
            free(buf_take(&b));
        }
    }
    if (!any) {
        doc_add(d, BK_PARA, ST_NORMAL, rec_word(r, W_NOBODY));
    }
}

static void
attendance(struct doc *d, const struct rec *r)
{
    size_t ncolleges;
    const char **colleges = colleges_of(r, &ncolleges);
    if (!colleges) {
        d->oom = true;
        return;
    }
    size_t before = d->n;
    doc_add(d, BK_H2, ST_NORMAL, rec_word(r, W_PRESENT));
    for (size_t c = 0; c <= ncolleges; c++) {
        present_table(d, r, c < ncolleges ? colleges[c] : "");
    }
    if (d->n == before + 1) {
        doc_add(d, BK_PARA, ST_NORMAL, rec_word(r, W_NOBODY));
    }
    const json_t *q = json_object_get(r->attendance, "quorum");
    if (q) {
        const json_t *cq = json_object_get(r->attendance, "colleges");
        long long *cp = calloc(ncolleges + 1, sizeof(*cp)),
                  *cr = calloc(ncolleges + 1, sizeof(*cr));
        const char **names = calloc(ncolleges + 1, sizeof(*names));
        size_t n = 0;
        char text[4096], at[160];
        if (!cp || !cr || !names) {
            d->oom = true;
        }
        for (size_t c = 0; !d->oom && c < ncolleges; c++) {
            const json_t *x = json_object_get(cq, colleges[c]);
            if (x) {
                names[n] = colleges[c];
                cp[n] = get_num(x, "present");
                cr[n++] = get_num(x, "required");
            }
        }
        if (!d->oom) {
            struct words_quorum wq = {.present = get_num(q, "present"),
                                      .required = get_num(q, "required"),
                                      .n = n,
                                      .colleges = names,
                                      .cpresent = cp,
                                      .crequired = cr};
            if (get_num(r->attendance, "at") > 0) {
                fmt_time(r, get_num(r->attendance, "at"), at, sizeof(at));
                doc_addf(d, BK_PARA, ST_META, rec_word(r, W_ATTENDANCE_AT), at);
            }
            words_quorum(r->lang, get_bool(q, "met") ? W_Q_CLOSE_MET : W_Q_CLOSE_NOT_MET, &wq, text,
                         sizeof(text));
            doc_add(d, BK_PARA, ST_NORMAL, text);
        }
        for (size_t c = 0; !d->oom && c < n; c++) {
            const json_t *x = json_object_get(cq, names[c]);
            char name[256], count[96];
            snprintf(name, sizeof(name), rec_word(r, W_COLLEGE), names[c]);
            words_count(r->lang, W_Q_PRESENT_1, cp[c], count, sizeof(count));
            doc_addf(d, BK_PARA, ST_META, rec_word(r, W_QUORUM_COLLEGE), name, count,
                     get_num(x, "total"), cr[c],
                     rec_word(r, cp[c] >= cr[c] ? W_MET_PAREN : W_NOT_MET));
        }
        free(cp);
        free(cr);
        free(names);
    }
    doc_add(d, BK_H2, ST_NORMAL, rec_word(r, W_EXCUSED));
    names_by_college(d, r, EXCUSED, colleges, ncolleges);
    doc_add(d, BK_H2, ST_NORMAL, rec_word(r, W_ABSENT));
    names_by_college(d, r, ABSENT, colleges, ncolleges);
    free(colleges);
}

/* "18:05", or "18:05 (secrétariat)" when someone else than the giver acted
 * (appended). */
static void
when_by(const struct rec *r, const json_t *x, const char *at, const char *by, struct buf *b)
{
    char hm[16];
    const char *who = get_str(x, by);
    const json_t *actor = rec_participant(r, who);
    if (get_num(x, at) == 0) {
        buf_puts(b, "—"); /* a record made before proxies had their history */
        return;
    }
    fmt_time(r, get_num(x, at), hm, sizeof(hm));
    if (who[0] && strcmp(who, get_str(x, "from")) != 0) {
        buf_printf(b, rec_word(r, W_BY_ROLE), hm,
                   actor && !is_member(actor) ? role_word(r, get_str(actor, "role"))
                                              : rec_name_of(r, who));
    } else {
        buf_puts(b, hm);
    }
}

static const json_t *
vote_by_id(const struct rec *r, const char *id)
{
    size_t i;
    const json_t *v;
    json_array_foreach(r->votes, i, v)
    {
        if (id && strcmp(get_str(v, "id"), id) == 0) {
            return v;
        }
    }
    return NULL;
}

static void
proxies_and_recusals(struct doc *d, const struct rec *r)
{
    size_t i;
    const json_t *x;
    doc_add(d, BK_H2, ST_NORMAL, rec_word(r, W_PROXIES));
    if (json_array_size(r->proxies) == 0) {
        doc_add(d, BK_PARA, ST_NORMAL, rec_word(r, W_NO_PROXY));
    } else {
        /* every proxy of the meeting, revoked or not: a proxy exercised and
         * then revoked still carried those ballots */
        struct table *t = doc_table(d, 5, true);
        table_cell(d, t, rec_word(r, W_GIVER));
        table_cell(d, t, rec_word(r, W_HOLDER));
        table_cell(d, t, rec_word(r, W_GIVEN));
        table_cell(d, t, rec_word(r, W_USED));
        table_cell(d, t, rec_word(r, W_REVOKED));
        json_array_foreach(r->proxies, i, x)
        {
            const json_t *giver = rec_participant(r, get_str(x, "from"));
            const json_t *used = json_object_get(x, "used");
            struct buf b = {0};
            size_t k;
            const json_t *u;
            if (giver && get_str(giver, "college")[0]) {
                table_cellf(d, t, "%s (%s)", rec_name_of(r, get_str(x, "from")),
                            get_str(giver, "college"));
            } else {
                table_cell(d, t, rec_name_of(r, get_str(x, "from")));
            }
            table_cell(d, t, rec_name_of(r, get_str(x, "to")));
            when_by(r, x, "given", "given_by", &b);
            table_cell_owned(d, t, buf_take(&b));
            json_array_foreach(used, k, u)
            {
                const json_t *v = vote_by_id(r, json_string_value(u));
                if (k) {
                    buf_puts(&b, ", ");
                }
                buf_printf(&b, rec_word(r, W_QUOTED),
                           v ? get_str(v, "question") : json_string_value(u));
            }
            if (!b.len) {
                buf_puts(&b, rec_word(r, W_NOT_USED));
            }
            table_cell_owned(d, t, buf_take(&b));
            if (get_num(x, "revoked") > 0) {
                when_by(r, x, "revoked", "revoked_by", &b);
                table_cell_owned(d, t, buf_take(&b));
            } else {
                table_cell(d, t, rec_word(r, W_IN_FORCE));
            }
        }
    }
    doc_add(d, BK_H2, ST_NORMAL, rec_word(r, W_RECUSALS));
    if (json_array_size(r->recusals) == 0) {
        doc_add(d, BK_PARA, ST_NORMAL, rec_word(r, W_NO_RECUSAL));
    } else {
        struct table *t = doc_table(d, 2, true);
        table_cell(d, t, rec_word(r, W_MEMBER));
        table_cell(d, t, rec_word(r, W_ITEM));
        json_array_foreach(r->recusals, i, x)
        {
            long it = rec_item_index(r, get_str(x, "item"));
            table_cell(d, t, rec_name_of(r, get_str(x, "participant")));
            if (it >= 0) {
                table_cellf(d, t, rec_word(r, W_ITEM_REF), r->num[it],
                            get_str(json_array_get(r->agenda, (size_t)it), "title"));
            } else {
                table_cell(d, t, get_str(x, "item"));
            }
        }
    }
}

static const char *
kind_word(const struct rec *r, const char *kind)
{
    return strcmp(kind, "deliberation") == 0 ? rec_word(r, W_DELIBERATION)
           : strcmp(kind, "vote") == 0       ? rec_word(r, W_VOTE_KIND)
                                             : rec_word(r, W_INFORMATION);
}

static const char *
state_word(const struct rec *r, const char *state)
{
    return strcmp(state, "done") == 0        ? rec_word(r, W_DONE)
           : strcmp(state, "postponed") == 0 ? rec_word(r, W_POSTPONED)
           : strcmp(state, "current") == 0   ? rec_word(r, W_CURRENT)
                                             : rec_word(r, W_PENDING);
}

static void
agenda(struct doc *d, const struct rec *r)
{
    size_t i;
    const json_t *it;
    char planned[48], actual[48];
    doc_add(d, BK_H2, ST_NORMAL, rec_word(r, W_AGENDA));
    if (r->na == 0) {
        doc_add(d, BK_PARA, ST_NORMAL, rec_word(r, W_NO_AGENDA));
        return;
    }
    struct table *t = doc_table(d, 7, true);
    if (t) {
        t->right = 0x30;
    }
    const enum word head[] = {W_NUM, W_ITEM, W_KIND, W_PRESENTER, W_PLANNED, W_ACTUAL, W_STATE};
    for (size_t c = 0; c < 7; c++) {
        table_cell(d, t, rec_word(r, head[c]));
    }
    json_array_foreach(r->agenda, i, it)
    {
        long long dur = get_num(it, "duration");
        fmt_duration(dur > NUM_MAX / 1000 ? NUM_MAX : dur * 1000, planned, sizeof(planned));
        fmt_duration(get_num(it, "actual"), actual, sizeof(actual));
        table_cell(d, t, r->num[i]);
        table_cell(d, t, get_str(it, "title"));
        table_cell(d, t, kind_word(r, get_str(it, "kind")));
        table_cell(d, t, get_str(it, "presenter"));
        table_cell(d, t, dur > 0 ? planned : "—");
        table_cell(d, t, get_num(it, "actual") > 0 ? actual : "—");
        table_cell(d, t, state_word(r, get_str(it, "state")));
    }
}

/* 2_400_000 bytes as "2,3 Mo" or "2.3 MB"; under 1 MiB in Ko / KB. */
static void
fmt_size(const struct rec *r, long long bytes, char *out, size_t len)
{
    bool fr = r->lang == FR;
    if (bytes < 1024) {
        snprintf(out, len, fr ? "%lld\xc2\xa0octets" : "%lld bytes", bytes);
    } else if (bytes < 1024 * 1024) {
        snprintf(out, len, fr ? "%lld\xc2\xa0Ko" : "%lld KB", (bytes + 512) / 1024);
    } else {
        long long tenths = (bytes * 10 + 512 * 1024) / (1024 * 1024);
        snprintf(out, len, fr ? "%lld,%lld\xc2\xa0Mo" : "%lld.%lld MB", tenths / 10, tenths % 10);
    }
}

/* The documents attached to the items, each with its SHA-256: which
 * version was on the table. No section when there are none. */
static void
documents(struct doc *d, const struct rec *r)
{
    size_t i, k, n = 0;
    const json_t *it, *x;
    json_array_foreach(r->agenda, i, it)
    {
        n += json_array_size(json_object_get(it, "documents"));
    }
    if (n == 0) {
        return;
    }
    doc_add(d, BK_H2, ST_NORMAL, rec_word(r, W_DOCUMENTS));
    struct table *t = doc_table(d, 4, true);
    const enum word head[] = {W_NUM, W_DOCUMENT, W_FORMAT, W_SHA256};
    for (size_t c = 0; c < 4; c++) {
        table_cell(d, t, rec_word(r, head[c]));
    }
    json_array_foreach(r->agenda, i, it)
    {
        json_array_foreach(json_object_get(it, "documents"), k, x)
        {
            char size[48], fmt[24], *name;
            const char *f = get_str(x, "format");
            size_t j = 0;
            for (; f[j] && j + 1 < sizeof(fmt); j++) {
                fmt[j] = (f[j] >= 'a' && f[j] <= 'z') ? (char)(f[j] - 'a' + 'A') : f[j];
            }
            fmt[j] = 0;
            fmt_size(r, num_clamp(get_num(x, "size")), size, sizeof(size));
            char *format = str_printf("%s, %s", fmt, size);
            if (json_is_true(json_object_get(x, "removed"))) {
                name = str_printf("%s — %s %s", get_str(it, "title"), get_str(x, "name"),
                                  rec_word(r, W_DOC_REMOVED));
            } else {
                name = str_printf("%s — %s", get_str(it, "title"), get_str(x, "name"));
            }
            d->oom = d->oom || !name || !format;
            table_cell(d, t, r->num[i]);
            table_cell(d, t, name ? name : "");
            table_cell(d, t, format ? format : "");
            table_cell(d, t, get_str(x, "sha256"));
            free(name);
            free(format);
        }
    }
}

static const char *
option_word(const struct rec *r, const json_t *v, size_t o)
{
    const json_t *options = json_object_get(v, "options");
    const char *opt = json_string_value(json_array_get(options, o));
    bool yesno = strcmp(get_str(v, "kind"), "choice") != 0;
    if (yesno || o + 1 == json_array_size(options)) {
        if (strcmp(opt, "yes") == 0) {
            return rec_word(r, W_YES);
        }
        if (strcmp(opt, "no") == 0) {
            return rec_word(r, W_NO);
        }
        if (strcmp(opt, "abstain") == 0) {
            return rec_word(r, W_ABSTAIN);
        }
    }
    return opt;
}

static void
rule_text(const struct rec *r, const json_t *v, struct buf *b)
{
    const char *rule = get_str(v, "rule");
    bool choice = strcmp(get_str(v, "kind"), "choice") == 0;
    if (strcmp(rule, "absolute") == 0) {
        buf_puts(b, rec_word(r, choice ? W_ABSOLUTE_CAST : W_ABSOLUTE));
    } else if (strcmp(rule, "qualified") == 0) {
        buf_printf(b, rec_word(r, W_QUALIFIED), get_num(v, "share_num"), get_num(v, "share_den"));
    } else if (strcmp(rule, "double") == 0) {
        buf_puts(b, rec_word(r, W_DOUBLE));
    } else {
        buf_puts(b, rec_word(r, choice ? W_RELATIVE : W_SIMPLE));
    }
}

/* The vote's caption and how it was held: mode, rule, voters, quorum. */
static void
vote_how(struct doc *d, const struct rec *r, const json_t *v, bool secret)
{
    struct buf b = {0};
    doc_addf(d, BK_PARA, ST_STRONG, rec_word(r, W_VOTE), get_str(v, "question"));
    struct table *t = doc_table(d, 2, false);
    table_cell(d, t, rec_word(r, W_MODE));
    table_cell(d, t, rec_word(r, secret ? W_SECRET : W_NAMED));
    table_cell(d, t, rec_word(r, W_RULE));
    rule_text(r, v, &b);
    table_cell_owned(d, t, buf_take(&b));
    table_cell(d, t, rec_word(r, W_VOTERS));
    {
        char entitled[96];
        words_count(r->lang, W_AUTO_ENTITLED_1, get_num(v, "entitled"), entitled, sizeof(entitled));
        table_cellf(d, t, rec_word(r, W_VOTERS_VALUE), get_num(v, "voted"), entitled);
    }
    table_cell(d, t, rec_word(r, W_QUORUM));
    {
        char po[96], pc[96];
        words_count(r->lang, W_Q_PRESENT_1, get_num(v, "present_open"), po, sizeof(po));
        words_count(r->lang, W_Q_PRESENT_1, get_num(v, "present_close"), pc, sizeof(pc));
        table_cellf(d, t, rec_word(r, W_QUORUM_VALUE),
                    rec_word(r, get_bool(v, "quorum_open") ? W_MET : W_NOT_MET), po,
                    rec_word(r, get_bool(v, "quorum_close") ? W_MET : W_NOT_MET), pc);
    }
}

/* The counts: one row per option, its total and, unless withheld, each
 * college's count. */
static void
vote_counts(struct doc *d, const struct rec *r, const json_t *v)
{
    const json_t *options = json_object_get(v, "options");
    const json_t *counts = json_object_get(v, "counts");
    const json_t *colleges = json_object_get(v, "colleges");
    const json_t *cc = json_object_get(v, "college_counts");
    size_t no = json_array_size(options), nc = json_array_size(cc) ? json_array_size(colleges) : 0;
    struct table *t = doc_table(d, 2 + nc, true);
    if (t) {
        t->right = ~(uint64_t)1;
    }
    table_cell(d, t, rec_word(r, W_OPTION));
    table_cell(d, t, rec_word(r, W_TOTAL));
    for (size_t c = 0; c < nc; c++) {
        table_cellf(d, t, rec_word(r, W_COLLEGE), json_string_value(json_array_get(colleges, c)));
    }
    for (size_t o = 0; o < no; o++) {
        table_cell(d, t, option_word(r, v, o));
        table_cellf(d, t, "%lld", num_clamp(json_integer_value(json_array_get(counts, o))));
        for (size_t c = 0; c < nc; c++) {
            table_cellf(d, t, "%lld",
                        num_clamp(json_integer_value(json_array_get(cc, c * no + o))));
        }
    }
}

/* A paragraph of `fmt` around the text gathered in `b` (taken): out of
 * memory in either is the document's. */
static void
add_gathered(struct doc *d, enum block_style style, const char *fmt, struct buf *b)
{
    char *text = buf_take(b);
    doc_addf(d, BK_PARA, style, fmt, text ? text : "");
    d->oom = d->oom || !text;
    free(text);
}

/* The outcome: adopted, rejected or the winner, and under the double rule
 * each college's (counts withheld for secrecy), and the small colleges. */
static void
vote_outcome(struct doc *d, const struct rec *r, const json_t *v)
{
    const json_t *colleges = json_object_get(v, "colleges");
    const json_t *cc = json_object_get(v, "college_counts");
    struct buf b = {0};
    if (strcmp(get_str(v, "kind"), "choice") == 0) {
        const char *winner = get_str(v, "winner");
        if (get_bool(v, "passed") && winner[0]) {
            buf_printf(&b, rec_word(r, W_WINNER), winner);
        } else {
            buf_puts(&b, rec_word(r, W_NO_WINNER));
        }
    } else {
        buf_puts(&b, rec_word(r, get_bool(v, "passed") ? W_ADOPTED : W_REJECTED));
    }
    if (!get_bool(v, "quorum_open")) {
        buf_printf(&b, " (%s)", rec_word(r, W_NO_QUORUM_OPEN));
    }
    add_gathered(d, ST_STRONG, rec_word(r, W_RESULT), &b);
    const json_t *cp = json_object_get(v, "college_passed");
    if (json_array_size(cp) && json_array_size(cp) == json_array_size(colleges)) {
        for (size_t c = 0; c < json_array_size(cp); c++) {
            char one[300];
            snprintf(one, sizeof(one),
                     rec_word(r, json_integer_value(json_array_get(cp, c)) ? W_COLLEGE_FOR
                                                                           : W_COLLEGE_NOT_FOR),
                     json_string_value(json_array_get(colleges, c)));
            buf_printf(&b, "%s%s", c ? ", " : "", one);
        }
        add_gathered(d, ST_NORMAL, rec_word(r, W_BY_COLLEGE_OUTCOMES), &b);
    }
    if (json_array_size(colleges) && !json_array_size(cc)) {
        doc_add(d, BK_PARA, ST_META, rec_word(r, W_WITHHELD));
    }
    const json_t *small = json_object_get(v, "small_colleges");
    for (size_t c = 0; c < json_array_size(small); c++) {
        buf_printf(&b, "%s%s", c ? ", " : "", json_string_value(json_array_get(small, c)));
    }
    if (json_array_size(small)) {
        add_gathered(d, ST_META, rec_word(r, W_AUTO_SMALL_COLLEGES), &b);
    }
}

/* A named vote's roll call: who chose each option (and for whom, by proxy). */
static void
vote_roll_call(struct doc *d, const struct rec *r, const json_t *v)
{
    const json_t *options = json_object_get(v, "options");
    const json_t *ballots = json_object_get(v, "ballots");
    for (size_t o = 0; o < json_array_size(options); o++) {
        const char *opt = json_string_value(json_array_get(options, o));
        struct buf names = {0};
        size_t i;
        const json_t *x;
        json_array_foreach(ballots, i, x)
        {
            if (strcmp(get_str(x, "choice"), opt) != 0) {
                continue;
            }
            if (names.len) {
                buf_puts(&names, ", ");
            }
            if (get_str(x, "by")[0]) {
                buf_printf(&names, rec_word(r, W_CAST_BY), rec_name_of(r, get_str(x, "voter")),
                           rec_name_of(r, get_str(x, "by")));
            } else {
                buf_puts(&names, rec_name_of(r, get_str(x, "voter")));
            }
        }
        char *list = buf_take(&names);
        if (list && list[0]) {
            doc_addf(d, BK_PARA, ST_META, rec_word(r, W_ROLL_CALL), option_word(r, v, o), list);
        }
        d->oom = d->oom || !list;
        free(list);
    }
}

/* The vote's tables: how it was held, the counts, the outcome, the roll call. */
static void
vote_blocks(struct doc *d, const struct rec *r, const json_t *v)
{
    bool secret = strcmp(get_str(v, "mode"), "secret") == 0;
    size_t first = d->n;
    vote_how(d, r, v, secret);
    vote_counts(d, r, v);
    vote_outcome(d, r, v);
    if (!d->oom) {
        d->v[first].keep = d->n - first; /* the caption, both tables and the outcome */
    }
    if (secret) {
        doc_add(d, BK_PARA, ST_META, rec_word(r, W_SECRET_NOTE));
    } else {
        vote_roll_call(d, r, v);
    }
}

/* Where a vote stands in the minutes: its close (or its cancellation). */
struct placed {
    long long ts;
    size_t i;
};

static int
cmp_placed(const void *a, const void *b)
{
    const struct placed *x = a, *y = b;
    if (x->ts != y->ts) {
        return (x->ts > y->ts) - (x->ts < y->ts);
    }
    return (x->i > y->i) - (x->i < y->i);
}

/* The sub-heading of agenda item `it` (its index; -1: outside the agenda),
 * with its presenter and description the first time. */
static void
group(struct doc *d, const struct rec *r, long it, bool *seen)
{
    if (it < 0) {
        doc_add(d, BK_H3, ST_NORMAL, rec_word(r, W_OUTSIDE));
        return;
    }
    const json_t *x = json_array_get(r->agenda, (size_t)it);
    char *ref = str_printf(rec_word(r, W_ITEM_REF), r->num[it], get_str(x, "title"));
    doc_addf(d, BK_H3, ST_NORMAL, "%s%s%s", ref ? ref : "", seen[it] ? " " : "",
             seen[it] ? rec_word(r, W_CONTINUED) : "");
    d->oom = d->oom || !ref;
    free(ref);
    if (!seen[it]) {
        const char *presenter = get_str(x, "presenter"), *desc = get_str(x, "description");
        if (presenter[0]) {
            doc_addf(d, BK_PARA, ST_META, rec_word(r, W_PRESENTED_BY), presenter);
        }
        if (desc[0]) {
            doc_add(d, BK_PARA, ST_META, desc);
        }
    }
    seen[it] = true;
}

static void
minutes(struct doc *d, const struct rec *r)
{
    size_t nm = json_array_size(r->minutes), nv = 0;
    struct placed *votes = malloc((json_array_size(r->votes) + 1) * sizeof(*votes));
    bool *seen = calloc(r->na + 1, sizeof(*seen));
    long current = -2; /* no group yet */
    char hm[16];
    size_t i;
    const json_t *v;
    if (!votes || !seen) {
        d->oom = true;
        goto fail;
    }
    json_array_foreach(r->votes, i, v)
    {
        const char *state = get_str(v, "state");
        long long at = get_num(v, "closed_at") ? get_num(v, "closed_at") : get_num(v, "opened_at");
        if (at > 0 && (strcmp(state, "closed") == 0 || strcmp(state, "published") == 0 ||
                       strcmp(state, "cancelled") == 0)) {
            votes[nv].ts = at;
            votes[nv++].i = i;
        }
    }
    qsort(votes, nv, sizeof(*votes), cmp_placed);

    doc_add(d, BK_H2, ST_NORMAL, rec_word(r, W_MINUTES));
    doc_add(d, BK_PARA, ST_META, rec_word(r, W_LEGEND));
    if (nm == 0 && nv == 0) {
        doc_add(d, BK_PARA, ST_NORMAL, rec_word(r, W_NO_MINUTES));
    }
    /*
     * Merge by time; at equal times the entry (the vote's own line) comes
     * first. A new item opens a group (again "continued" if it comes back).
     * What happens outside any item (the session opened, suspended or
     * closed, an item's closing, written once it is no longer current)
     * stays where it falls in time: only before the first item does it get
     * a heading of its own.
     */
    for (size_t m = 0, k = 0; !d->oom && (m < nm || k < nv);) {
        const json_t *e = m < nm ? json_array_get(r->minutes, m) : NULL;
        bool take_vote = k < nv && (!e || votes[k].ts < get_num(e, "ts"));
        const json_t *x = take_vote ? json_array_get(r->votes, votes[k].i) : e;
        long it = rec_item_index(r, get_str(x, "item"));
        if (current == -2 || (it >= 0 && it != current)) {
            group(d, r, it, seen);
            current = it;
        }
        if (take_vote) {
            k++;
            if (strcmp(get_str(x, "state"), "cancelled") == 0) {
                doc_addf(d, BK_PARA, ST_META, rec_word(r, W_CANCELLED), get_str(x, "question"));
            } else {
                vote_blocks(d, r, x);
            }
            continue;
        }
        m++;
        bool automatic = strcmp(get_str(e, "source"), "auto") == 0;
        fmt_time(r, get_num(e, "ts"), hm, sizeof(hm));
        if (get_bool(e, "edited")) {
            char *text = str_printf("%s %s", get_str(e, "text"), rec_word(r, W_EDITED));
            doc_entry(d, automatic, hm, text ? text : "");
            d->oom = d->oom || !text;
            free(text);
        } else {
            doc_entry(d, automatic, hm, get_str(e, "text"));
        }
    }
fail:
    free(seen);
    free(votes);
}

/* Speaking time by participant: members, and anyone else who spoke. */
static void
stats_by_participant(struct doc *d, const struct rec *r, long long total)
{
    size_t i;
    const json_t *p;
    char dur[48], share[32];
    doc_add(d, BK_H3, ST_NORMAL, rec_word(r, W_BY_PARTICIPANT));
    struct table *t = doc_table(d, 5, true);
    if (t) {
        t->right = 0x1c;
    }
    table_cell(d, t, rec_word(r, W_NAME));
    table_cell(d, t, rec_word(r, W_COLLEGE_COL));
    table_cell(d, t, rec_word(r, W_TURNS));
    table_cell(d, t, rec_word(r, W_TIME));
    table_cell(d, t, rec_word(r, W_SHARE));
    json_array_foreach(r->parts, i, p)
    {
        if (!is_member(p) && get_num(p, "turns") == 0) {
            continue;
        }
        const char *college = get_str(p, "college");
        fmt_duration(get_num(p, "spoken"), dur, sizeof(dur));
        fmt_share(r, get_num(p, "spoken"), total, share, sizeof(share));
        table_cell(d, t, get_str(p, "name"));
        table_cell(d, t, college[0] ? college : role_word(r, get_str(p, "role")));
        table_cellf(d, t, "%lld", get_num(p, "turns"));
        table_cell(d, t, dur);
        table_cell(d, t, share);
    }
}

/* Speaking time by college, in roster order, then those of no college
 * when they spoke. */
static void
stats_by_college(struct doc *d, const struct rec *r, const char **colleges, size_t ncolleges,
                 long long total)
{
    size_t i;
    const json_t *p;
    char dur[48], share[32];
    doc_add(d, BK_H3, ST_NORMAL, rec_word(r, W_BY_COLLEGE));
    struct table *t = doc_table(d, 5, true);
    if (t) {
        t->right = 0x1e;
    }
    table_cell(d, t, rec_word(r, W_COLLEGE_COL));
    table_cell(d, t, rec_word(r, W_MEMBERS));
    table_cell(d, t, rec_word(r, W_TURNS));
    table_cell(d, t, rec_word(r, W_TIME));
    table_cell(d, t, rec_word(r, W_SHARE));
    for (size_t c = 0; c <= ncolleges; c++) {
        const char *college = c < ncolleges ? colleges[c] : "";
        long long members = 0, ct = 0, cs = 0;
        json_array_foreach(r->parts, i, p)
        {
            if (strcmp(get_str(p, "college"), college) == 0) {
                members += is_member(p);
                ct = add_saturated(ct, get_num(p, "turns"));
                cs = add_saturated(cs, get_num(p, "spoken"));
            }
        }
        if (!college[0] && ct == 0) {
            continue;
        }
        fmt_duration(cs, dur, sizeof(dur));
        fmt_share(r, cs, total, share, sizeof(share));
        table_cell(d, t, college[0] ? college : rec_word(r, W_NO_COLLEGE));
        table_cellf(d, t, "%lld", members);
        table_cellf(d, t, "%lld", ct);
        table_cell(d, t, dur);
        table_cell(d, t, share);
    }
}

static void
statistics(struct doc *d, const struct rec *r)
{
    size_t ncolleges, i;
    const json_t *p;
    long long total = 0, turns = 0;
    char dur[48], n[48];
    const char **colleges = colleges_of(r, &ncolleges);
    if (!colleges) {
        d->oom = true;
        return;
    }
    json_array_foreach(r->parts, i, p)
    {
        total = add_saturated(total, get_num(p, "spoken"));
        turns = add_saturated(turns, get_num(p, "turns"));
    }
    doc_add(d, BK_H2, ST_NORMAL, rec_word(r, W_STATS));
    if (turns == 0) {
        doc_add(d, BK_PARA, ST_NORMAL, rec_word(r, W_NO_TURNS));
        free(colleges);
        return;
    }
    stats_by_participant(d, r, total);
    stats_by_college(d, r, colleges, ncolleges, total);
    fmt_duration(total, dur, sizeof(dur));
    fmt_count(r, turns, n, sizeof(n));
    doc_addf(d, BK_PARA, ST_NORMAL, rec_word(r, W_STATS_TOTAL), dur, n);
    free(colleges);
}

static void
closing(struct doc *d, const struct rec *r, const char *file)
{
    char when[160], n[48];
    size_t first = d->n;
    doc_add(d, BK_H2, ST_NORMAL, rec_word(r, W_CLOSING));
    fmt_datetime(r, get_num(r->finalized, "at"), when, sizeof(when));
    doc_addf(d, BK_PARA, ST_NORMAL, rec_word(r, W_FINALIZED),
             rec_name_of(r, get_str(r->finalized, "by")), when);
    if (json_is_object(r->approved)) {
        fmt_datetime(r, get_num(r->approved, "at"), when, sizeof(when));
        doc_addf(d, BK_PARA, ST_NORMAL, rec_word(r, W_APPROVED),
                 rec_name_of(r, get_str(r->approved, "by")), when);
    } else {
        doc_add(d, BK_PARA, ST_NORMAL, rec_word(r, W_NOT_APPROVED));
    }
    fmt_count(r, get_num(r->chain, "events"), n, sizeof(n));
    doc_addf(d, BK_PARA, ST_NORMAL, rec_word(r, W_CHAIN), n);
    doc_add(d, BK_CODE, ST_NORMAL, get_str(r->chain, "head"));
    doc_add(d, BK_PARA, ST_NORMAL, rec_word(r, W_VERIFY));
    doc_addf(d, BK_CODE, ST_NORMAL, "minisign -Vm %s -p concerto.pub\nconcerto verify .", file);
    if (!d->oom) {
        d->v[first].keep = d->n - first; /* the closing block stays whole */
    }
}

/* The signatures: the chair's (approving) and the secretary's (finalising),
 * each with their role and when they signed, then the key and the chain
 * head those signatures bind the document to. Kept on one page. */
static void
signatures(struct doc *d, const struct rec *r)
{
    char when[160], line[256];
    size_t first = d->n, i;
    const json_t *p, *chair = NULL;
    bool approved = json_is_object(r->approved);
    if (approved) {
        chair = rec_participant(r, get_str(r->approved, "by"));
    }
    json_array_foreach(r->parts, i, p)
    {
        if (!chair && strcmp(get_str(p, "role"), "chair") == 0) {
            chair = p;
        }
    }
    doc_add(d, BK_H2, ST_NORMAL, rec_word(r, W_SIGNATURES));
    struct table *t = doc_table(d, 2, true);
    table_cell(d, t, rec_word(r, W_CHAIR_TITLE));
    table_cell(d, t, rec_word(r, W_SECRETARY_TITLE));
    table_cell(d, t, chair ? get_str(chair, "name") : "");
    table_cell(d, t, rec_name_of(r, get_str(r->finalized, "by")));
    if (approved) {
        fmt_datetime(r, get_num(r->approved, "at"), when, sizeof(when));
        snprintf(line, sizeof(line), rec_word(r, W_SIGNED), when);
        table_cellf(d, t, "%s\n%s", line, rec_word(r, W_SIGNED_APPROVED));
    } else {
        table_cell(d, t, rec_word(r, W_AWAITING));
    }
    fmt_datetime(r, get_num(r->finalized, "at"), when, sizeof(when));
    snprintf(line, sizeof(line), rec_word(r, W_SIGNED), when);
    table_cellf(d, t, "%s\n%s", line, rec_word(r, W_SIGNED_FINALIZED));
    const char *key = get_str(r->signing, "key_id");
    doc_addf(d, BK_PARA, ST_META, rec_word(r, W_KEY), key[0] ? key : rec_word(r, W_KEY_UNKNOWN));
    doc_addf(d, BK_PARA, ST_META, rec_word(r, W_HEAD), get_str(r->chain, "head"));
    if (!d->oom) {
        d->v[first].keep = d->n - first;
    }
}

/* The whole procès-verbal of `r`; `file` is the document's own name. */
int
doc_build(struct doc *d, const struct rec *r, const char *file)
{
    const char *commission = get_str(r->commission, "name"), *title = get_str(r->meeting, "title");
    struct when w = rec_civil(r, get_num(r->meeting, "closed_at"));
    memset(d, 0, sizeof(*d));
    d->lang = r->lang;
    d->header = str_printf("%s%s%s", commission, commission[0] && title[0] ? " — " : "", title);
    d->title = str_printf("%s — %s", rec_word(r, W_PV), d->header ? d->header : "");
    d->author = str_printf("%s", commission);
    d->created =
        str_printf("%04lld-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", w.y, w.mo, w.d, w.h, w.mi, w.s,
                   r->offset < 0 ? '-' : '+', abs(r->offset) / 60, abs(r->offset) % 60);
    if (!d->header || !d->title || !d->author || !d->created) {
        return ERR_NOMEM;
    }
    heading(d, r);
    attendance(d, r);
    proxies_and_recusals(d, r);
    agenda(d, r);
    documents(d, r);
    minutes(d, r);
    statistics(d, r);
    closing(d, r, file);
    signatures(d, r);
    return d->oom ? ERR_NOMEM : 0;
}
