/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * convocations.c - a meeting's convocations (proto/PROTOCOL.md, section 3,
 * "Convocations"): the list with where each stands, the documents one
 * participant gets (HTML, PDF, iCalendar), and the sending by e-mail.
 *
 * Every convocation carries a personal link, and links are stored only as
 * hashes, so each document handed out and each message sent issues a new
 * link (hub_issue_links: the earlier ones are revoked, invitation.issued is
 * written): the last convocation a person received is the one that works.
 *
 * Each convocation is written in its participant's language (the roster's
 * `lang`), unless the request names one for all.
 *
 * Sending never waits on the mail system. The route writes the new links
 * and the status `pending` in the turn's transaction and queues each
 * message in h->outbox; hub_convocations_flush() hands the outbox to the
 * mailer (server/mail) only once that transaction is committed, so no
 * message carries a link that a failed commit took back, and drops it
 * otherwise. The mailer's thread runs the sendmail program; its outcomes
 * come back at a later turn (hub_flush polls them, at least once a second)
 * and are written as `sent` or `failed` with the reason.
 */
#define _POSIX_C_SOURCE 200809L
#include "hub_impl.h"

#include "../crypto/sec.h"
#include "../err.h"
#include "../log.h"
#include "../mail/mail.h"
#include "../proto/pj.h"
#include "../proto/proto.h"
#include "../record/convoc.h"
#include "../store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_SENDMAIL "/usr/sbin/sendmail"

struct outgoing {
    char tag[2 * ID_MAX + 2]; /* "MEETING/PARTICIPANT" */
    char *msg;
    size_t len;
};

/* --- the convocation of one participant -------------------------------- */

struct agenda_text {
    struct convoc_item *items;
    struct convoc_doc *docs; /* each item's slice, in the agenda's order */
    char (*num)[32];
    size_t n;
};

/* The meeting's agenda in order, numbered "2", "2.1" as the record numbers
 * it, each item with the names of its documents (those not removed, in the
 * order they were added). No address goes with them: a document is read
 * from the item on the meeting's page, through the personal link. */
static int
agenda_text(const struct meeting *m, struct agenda_text *a, int64_t *duration_s)
{
    uint32_t *order = malloc((m->nitems ? m->nitems : 1) * sizeof(*order));
    a->items = calloc(m->nitems ? m->nitems : 1, sizeof(*a->items));
    a->num = calloc(m->nitems ? m->nitems : 1, sizeof(*a->num));
    a->docs = calloc(m->ndocs ? m->ndocs : 1, sizeof(*a->docs));
    a->n = 0;
    *duration_s = 0;
    if (!order || !a->items || !a->num || !a->docs) {
        free(order);
        free(a->items);
        free(a->num);
        free(a->docs);
        return ERR_NOMEM;
    }
    size_t ndocs = 0;
    size_t n = agenda_order(m, order);
    int top = 0, sub = 0;
    for (size_t i = 0; i < n; i++) {
        const struct item *it = &m->items[order[i]];
        if (!it->parent[0]) {
            top++;
            sub = 0;
            snprintf(a->num[a->n], sizeof(a->num[0]), "%d", top);
            *duration_s += it->duration_s;
        } else {
            snprintf(a->num[a->n], sizeof(a->num[0]), "%d.%d", top, ++sub);
        }
        a->items[a->n].number = a->num[a->n];
        a->items[a->n].title = it->title ? it->title : "";
        a->items[a->n].description = it->description ? it->description : "";
        a->items[a->n].docs = a->docs + ndocs;
        for (size_t k = 0; k < m->ndocs; k++) {
            const struct document *d = &m->docs[k];
            if (d->item == order[i] && !d->removed) {
                a->docs[ndocs++] = (struct convoc_doc){.name = d->name ? d->name : "", .url = NULL};
                a->items[a->n].ndocs++;
            }
        }
        a->n++;
    }
    free(order);
    return 0;
}

static void
agenda_text_free(struct agenda_text *a)
{
    free(a->items);
    free(a->num);
    free(a->docs);
}

/* The host part of the public address, for UIDs and Message-IDs. */
static void
public_host(const struct hub *h, char *out, size_t len)
{
    const char *u = h->cfg.public_url ? h->cfg.public_url : "";
    const char *p = strstr(u, "://");
    p = p ? p + 3 : u;
    size_t n = strcspn(p, ":/");
    snprintf(out, len, "%.*s", (int)(n < len ? n : len - 1), p);
    if (!out[0]) {
        snprintf(out, len, "localhost");
    }
}

struct one {
    struct convoc c;
    struct agenda_text a;
    char link[1200];
    char host[256];
    char lang[8];
};

static int
one_build(struct hub *h, struct live *l, const struct participant *p, const char *lang,
          const char *email, const char *token, int64_t now, struct one *o)
{
    const struct meeting *m = l->m;
    memset(o, 0, sizeof(*o));
    int64_t duration = 0;
    int rc = agenda_text(m, &o->a, &duration);
    if (rc) {
        return rc;
    }
    const char *base = h->cfg.public_url ? h->cfg.public_url : "";
    size_t bl = strlen(base);
    snprintf(o->link, sizeof(o->link), "%.*s/m/%s#t=%s",
             (int)(bl && base[bl - 1] == '/' ? bl - 1 : bl), base, m->id, token);
    public_host(h, o->host, sizeof(o->host));
    /* the language asked for, or the participant's own (the roster's), or
     * the meeting's for a participant the roster no longer has */
    if (!lang && (rc = store_member_lang(h->st, p->id, o->lang, sizeof(o->lang)))) {
        agenda_text_free(&o->a);
        return rc;
    }
    o->c = (struct convoc){.lang = lang         ? lang
                                   : o->lang[0] ? o->lang
                                   : m->lang    ? m->lang
                                                : "fr",
                           .meeting = m->id,
                           .commission = m->commission_name ? m->commission_name : "",
                           .title = m->title ? m->title : "",
                           .date = m->date ? m->date : "",
                           .duration_s = duration,
                           .place = m->place ? m->place : "",
                           .room = m->room ? m->room : "",
                           .name = p->name ? p->name : "",
                           .email = email ? email : "",
                           .organizer = h->cfg.mail_from ? h->cfg.mail_from : "",
                           .link = o->link,
                           .host = o->host,
                           .now_ms = now,
                           .items = o->a.items,
                           .nitems = o->a.n};
    return 0;
}

static void
one_free(struct one *o)
{
    sec_wipe(o->link, sizeof(o->link));
    agenda_text_free(&o->a);
}

/* --- the list ------------------------------------------------------------- */

static struct pj *
row_json(struct hub *h, struct live *l, const struct participant *p, int *rc)
{
    char email[256], status[16], reason[256];
    int64_t updated = 0;
    struct pj *o = pj_object();
    *rc = store_member_email(h->st, p->id, email, sizeof(email));
    if (*rc == 0) {
        *rc =
            store_convocation_get(h->st, l->m->id, p->id, status, reason, sizeof(reason), &updated);
        if (*rc == ERR_NOT_FOUND) {
            *rc = 0;
            snprintf(status, sizeof(status), "none");
        }
    }
    pj_set_str(o, "participant", p->id);
    pj_set_str(o, "name", p->name ? p->name : "");
    pj_set_str(o, "college", p->college);
    pj_set_str(o, "role", role_str(p->role));
    pj_set_str(o, "email", email);
    pj_set_str(o, "status", status);
    pj_set_str(o, "reason", reason);
    pj_set_int(o, "updated", updated);
    return o;
}

static void
list_answer(struct hub *h, void *req, struct live *l, int status, const struct strlist *only)
{
    struct pj *list = pj_array();
    int rc = 0;
    size_t n = only && only->n ? only->n : l->m->nparts;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const struct participant *p =
            only && only->n ? meeting_participant(l->m, only->v[i]) : &l->m->parts[i];
        if (!p->removed) {
            pj_push(list, row_json(h, l, p, &rc));
        }
    }
    if (rc) {
        pj_free(list);
        hub_http_fail(h, req, rc, NULL);
        return;
    }
    struct pj *o = pj_object();
    pj_set_str(o, "meeting", l->m->id);
    pj_set(o, "convocations", list);
    char *s = pj_dump(o);
    pj_free(o);
    s ? hub_http_answer(h, req, status, s) : hub_http_fail(h, req, ERR_NOMEM, NULL);
}

/* --- one participant's document -------------------------------------------- */

static void
document(struct hub *h, void *req, struct live *l, const char *pid, const char *file,
         const char *body, size_t len, int64_t now)
{
    static const struct {
        const char *file, *ctype, *ext;
        int (*make)(const struct convoc *, char **, size_t *);
    } kinds[] = {
        {"convocation.html", "text/html; charset=utf-8", "html", convoc_html},
        {"convocation.pdf", "application/pdf", "pdf", convoc_pdf},
        {"convocation.ics", "text/calendar; charset=utf-8; method=REQUEST", "ics", convoc_ics},
    };
    size_t k = 0;
    while (k < sizeof(kinds) / sizeof(kinds[0]) && strcmp(kinds[k].file, file) != 0) {
        k++;
    }
    if (k == sizeof(kinds) / sizeof(kinds[0])) {
        hub_http_fail(h, req, ERR_NOT_FOUND, "no such route");
        return;
    }
    const struct participant *p = meeting_participant(l->m, pid);
    if (!p) {
        hub_http_fail(h, req, ERR_NOT_FOUND, "no such participant in this meeting");
        return;
    }
    struct api_convocation in;
    int rc = proto_api_convocation(body, len, &in);
    if (rc == 0 && in.n) {
        rc = ERR_INVALID;
    }
    if (rc) {
        proto_api_convocation_clear(&in);
        hub_http_fail(h, req, rc,
                      rc == ERR_INVALID ? "the body is {\"lang\"?: \"fr\" or \"en\"}" : NULL);
        return;
    }
    char email[256];
    if ((rc = store_member_email(h->st, p->id, email, sizeof(email)))) {
        proto_api_convocation_clear(&in);
        hub_http_fail(h, req, rc, NULL);
        return;
    }
    /* an invitation is tried before the link is issued, so that a meeting
     * without a time of day refuses an .ics without revoking anything */
    struct one o;
    char *out = NULL;
    size_t outlen = 0;
    char token[SEC_TOKEN_LEN + 1] = "";
    char probe[SEC_TOKEN_LEN + 1];
    memset(probe, 'x', SEC_TOKEN_LEN);
    probe[SEC_TOKEN_LEN] = '\0';
    if (kinds[k].make == convoc_ics &&
        (rc = one_build(h, l, p, in.lang, email, probe, now, &o)) == 0) {
        rc = kinds[k].make(&o.c, &out, &outlen);
        free(out);
        one_free(&o);
    }
    struct strlist one_pid = {0};
    int replaced = 0;
    if (rc == 0 && (rc = strlist_push(&one_pid, p->id)) == 0) {
        rc = hub_issue_links(h, l, &one_pid, now, (char(*)[SEC_TOKEN_LEN + 1]) token, &replaced);
    }
    strlist_clear(&one_pid);
    if (rc == 0 && (rc = one_build(h, l, p, in.lang, email, token, now, &o)) == 0) {
        rc = kinds[k].make(&o.c, &out, &outlen);
        one_free(&o);
    }
    sec_wipe(token, sizeof(token));
    proto_api_convocation_clear(&in);
    if (rc) {
        hub_http_fail(h, req, rc,
                      rc == ERR_BAD_STATE && k == 2 ? "the meeting's date has no time of day"
                                                    : hub_issue_error(rc));
        return;
    }
    char name[96];
    snprintf(name, sizeof(name), "convocation-%s-%s.%s", l->m->id, p->id, kinds[k].ext);
    hub_http_file(h, req, out, outlen, kinds[k].ctype, name);
}

/* --- sending ------------------------------------------------------------ */

static int
outbox_push(struct hub *h, const char *meeting, const char *pid, char *msg, size_t len)
{
    if (h->noutbox == h->capoutbox) {
        size_t cap = h->capoutbox ? h->capoutbox * 2 : 16;
        struct outgoing *v = realloc(h->outbox, cap * sizeof(*v));
        if (!v) {
            free(msg);
            return ERR_NOMEM;
        }
        h->outbox = v;
        h->capoutbox = cap;
    }
    struct outgoing *o = &h->outbox[h->noutbox++];
    snprintf(o->tag, sizeof(o->tag), "%s/%s", meeting, pid);
    o->msg = msg;
    o->len = len;
    return 0;
}

/* The whole message for one participant with their new token. */
static int
message_for(struct hub *h, struct live *l, const struct participant *p, const char *lang,
            const char *email, const char *token, int64_t now, char **msg, size_t *len)
{
    struct one o;
    char *subject = NULL, *text = NULL, *html = NULL, *ics = NULL;
    size_t sl, tl, hl, il = 0;
    int rc = one_build(h, l, p, lang, email, token, now, &o);
    if (rc) {
        return rc;
    }
    if ((rc = convoc_subject(&o.c, &subject, &sl)) == 0 &&
        (rc = convoc_text(&o.c, &text, &tl)) == 0 && (rc = convoc_html(&o.c, &html, &hl)) == 0) {
        rc = convoc_ics(&o.c, &ics, &il);
        rc = rc == ERR_BAD_STATE ? 0 : rc; /* no time of day: no invitation attached */
    }
    if (rc == 0) {
        struct mail_parts mp = {.from = h->cfg.mail_from,
                                .from_name = o.c.commission,
                                .to = email,
                                .to_name = p->name,
                                .subject = subject,
                                .text = text,
                                .html = html,
                                .ics = ics,
                                .ics_len = il,
                                .ics_name = "convocation.ics",
                                .message_id_host = o.host,
                                .now_ms = now};
        sec_random((uint8_t *)&mp.unique, sizeof(mp.unique));
        rc = mail_message(&mp, msg, len);
    }
    if (text) {
        sec_wipe(text, tl);
    }
    if (html) {
        sec_wipe(html, hl);
    }
    if (ics) {
        sec_wipe(ics, il);
    }
    free(subject);
    free(text);
    free(html);
    free(ics);
    one_free(&o);
    return rc;
}

static void
send_route(struct hub *h, void *req, struct live *l, const char *body, size_t len, int64_t now)
{
    struct api_convocation in;
    int rc = proto_api_convocation(body, len, &in);
    if (rc) {
        hub_http_fail(h, req, rc, NULL);
        return;
    }
    /* who: those listed (each must have an address), or everyone who has one */
    struct strlist pids = {0};
    char email[256];
    const char *why = NULL;
    for (size_t i = 0; rc == 0 && i < (in.n ? in.n : l->m->nparts); i++) {
        const struct participant *p =
            in.n ? meeting_participant(l->m, in.participants[i]) : &l->m->parts[i];
        if (!p) {
            rc = ERR_NOT_FOUND;
            why = "no such participant in this meeting";
        } else if (p->removed) {
            continue; /* off the roster */
        } else if ((rc = store_member_email(h->st, p->id, email, sizeof(email))) == 0 &&
                   !email[0]) {
            if (in.n) {
                rc = ERR_INVALID;
                why = "a participant listed has no e-mail address";
            }
        } else if (rc == 0) {
            rc = strlist_push(&pids, p->id);
        }
    }
    size_t n = pids.n;
    char(*tokens)[SEC_TOKEN_LEN + 1] = NULL;
    if (rc == 0 && n == 0) {
        rc = ERR_INVALID;
        why = "nobody to send to: no participant has an e-mail address";
    }
    if (rc == 0 && !(tokens = calloc(n, sizeof(*tokens)))) {
        rc = ERR_NOMEM;
    }
    int replaced = 0;
    if (rc == 0 && (rc = hub_issue_links(h, l, &pids, now, tokens, &replaced))) {
        why = hub_issue_error(rc);
    }
    /* the messages, then the statuses, in a savepoint of their own: a
     * failure here leaves the new links (already issued) and sends nothing */
    size_t first = h->noutbox;
    if (rc == 0 && (rc = hub_begin(h)) == 0) {
        for (size_t i = 0; rc == 0 && i < n; i++) {
            const struct participant *p = meeting_participant(l->m, pids.v[i]);
            char *msg = NULL;
            size_t mlen = 0;
            if ((rc = store_member_email(h->st, p->id, email, sizeof(email))) == 0 &&
                (rc = message_for(h, l, p, in.lang, email, tokens[i], now, &msg, &mlen)) == 0 &&
                (rc = outbox_push(h, l->m->id, p->id, msg, mlen)) == 0) {
                rc = store_convocation_set(h->st, l->m->id, p->id, "pending", "", now);
            }
        }
        hub_end(h, NULL, 0, rc);
        if (rc) {
            while (h->noutbox > first) {
                struct outgoing *o = &h->outbox[--h->noutbox];
                sec_wipe(o->msg, o->len);
                free(o->msg);
            }
        }
    }
    if (tokens) {
        sec_wipe(tokens, n * sizeof(*tokens));
        free(tokens);
    }
    proto_api_convocation_clear(&in);
    if (rc) {
        strlist_clear(&pids);
        hub_http_fail(h, req, rc, why);
        return;
    }
    log_line(LOG_INFO, "meeting %s: %zu convocation(s) queued for sending", l->m->id, n);
    list_answer(h, req, l, 202, &pids);
    strlist_clear(&pids);
}

void
hub_convocations_route(struct hub *h, void *req, struct live *l, const char *method, char **seg,
                       size_t n, const char *body, size_t len, int64_t now)
{
    bool get = strcmp(method, "GET") == 0, post = strcmp(method, "POST") == 0;
    if (n == 1) {
        get    ? list_answer(h, req, l, 200, NULL)
        : post ? send_route(h, req, l, body, len, now)
               : hub_http_fail(h, req, ERR_METHOD, NULL);
    } else if (n == 3) {
        post ? document(h, req, l, seg[1], seg[2], body, len, now)
             : hub_http_fail(h, req, ERR_METHOD, NULL);
    } else {
        hub_http_fail(h, req, ERR_NOT_FOUND, "no such route");
    }
}

/* --- the turn's end ------------------------------------------------------ */

static void
outcome(void *ctx, const char *tag, bool ok, const char *reason)
{
    struct hub *h = ctx;
    char meeting[ID_MAX], pid[ID_MAX];
    const char *slash = strchr(tag, '/');
    if (!slash || (size_t)(slash - tag) >= sizeof(meeting) || strlen(slash + 1) >= sizeof(pid)) {
        return;
    }
    snprintf(meeting, sizeof(meeting), "%.*s", (int)(slash - tag), tag);
    snprintf(pid, sizeof(pid), "%s", slash + 1);
    int rc = hub_begin(h);
    if (rc == 0) {
        rc = store_convocation_set(h->st, meeting, pid, ok ? "sent" : "failed", reason, h->now);
        hub_end(h, NULL, 0, rc);
    }
    log_line(ok ? LOG_INFO : LOG_WARN, "meeting %s: convocation of %s %s%s%s", meeting, pid,
             ok ? "sent" : "not sent", ok ? "" : ": ", ok ? "" : reason);
}

void
hub_convocations_poll(struct hub *h)
{
    if (h->mailer) {
        mailer_poll(h->mailer, outcome, h);
    }
}

void
hub_convocations_flush(struct hub *h, bool committed)
{
    if (committed && h->noutbox && !h->mailer) {
        h->mailer =
            mailer_new(h->cfg.sendmail && *h->cfg.sendmail ? h->cfg.sendmail : DEFAULT_SENDMAIL,
                       h->cfg.mail_timeout_s);
        if (!h->mailer) {
            log_line(LOG_ERROR, "cannot start the mail sender: %zu convocation(s) left pending",
                     h->noutbox);
        }
    }
    for (size_t i = 0; i < h->noutbox; i++) {
        struct outgoing *o = &h->outbox[i];
        if (committed && h->mailer) {
            mailer_send(h->mailer, o->tag, o->msg, o->len);
        } else {
            sec_wipe(o->msg, o->len);
            free(o->msg);
        }
    }
    h->noutbox = 0;
}
