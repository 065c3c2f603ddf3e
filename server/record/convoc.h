/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * convoc.h - a participant's convocation to a meeting, in every form it is
 * handed out: an HTML page and an A4 PDF (laid out by the renderer's back-ends,
 * so it looks like the record), a plain-text version for the body of an
 * e-mail, its subject line, and an iCalendar invitation (RFC 5545).
 *
 * It says, in the participant's language (French unless "en"): the
 * commission, the meeting's title, date and time, place and video room when
 * the meeting has them, the agenda in order (each item's number, title,
 * description and documents), and the person's personal link with what it
 * lets its holder do.
 *
 * The caller gives everything, the time of the invitation (DTSTAMP)
 * included: nothing here reads the clock, the locale or the time zone, and
 * the same input gives the same bytes. Each function returns 0 or a
 * negative enum err (ERR_NOMEM; ERR_BAD_STATE from convoc_ics when the
 * meeting's date has no time of day, since an invitation needs one); *out
 * is new (caller frees), NUL-terminated, *len its length without the NUL.
 */
#ifndef CONCERTO_CONVOC_H
#define CONCERTO_CONVOC_H

#include <stddef.h>
#include <stdint.h>

struct convoc_doc {
    const char *name;
    const char *url;
};

struct convoc_item {
    const char *number; /* "2", "2.1" */
    const char *title;
    const char *description; /* "" for none */
    const struct convoc_doc *docs;
    size_t ndocs;
};

struct convoc {
    const char *lang;    /* "fr" (default) or "en" */
    const char *meeting; /* id: the invitation's UID */
    const char *commission;
    const char *title;
    const char *date;      /* the meeting's, ISO 8601 ("" for none) */
    int64_t duration_s;    /* planned length: the invitation's end (0: two hours) */
    const char *place;     /* "" for none */
    const char *room;      /* the video room's address, "" for none */
    const char *name;      /* the participant */
    const char *email;     /* the participant's address ("" for none): ATTENDEE */
    const char *organizer; /* the sender's address ("" for none): ORGANIZER */
    const char *link;      /* the personal link, absolute */
    const char *host;      /* the UID's domain */
    int64_t now_ms;        /* DTSTAMP */
    const struct convoc_item *items;
    size_t nitems;
};

int
convoc_subject(const struct convoc *c, char **out, size_t *len);
int
convoc_text(const struct convoc *c, char **out, size_t *len);
int
convoc_html(const struct convoc *c, char **out, size_t *len);
int
convoc_pdf(const struct convoc *c, char **out, size_t *len);
int
convoc_ics(const struct convoc *c, char **out, size_t *len);

#endif
