/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * mail.h - e-mail: a message in MIME, and a sender that hands messages to
 * the machine's mail system through the sendmail interface.
 *
 * The message (mail_message) is multipart/mixed: a multipart/alternative
 * body (text/plain and text/html, UTF-8, base64) and, when given, an
 * iCalendar invitation attached as text/calendar; method=REQUEST. Header
 * text that is not ASCII (the subject, a recipient's name) is written as
 * RFC 2047 encoded-words. No I/O, no clock: the date comes in.
 *
 * The sender (struct mailer) owns one thread. mailer_send() queues a
 * message and returns at once; the thread runs the sendmail program with
 * posix_spawn (argv `PATH -t -oi`, never a shell: recipients are read from
 * the message's To header), writes the message to its standard input and
 * waits for it, at most the mailer's timeout (then the program is killed
 * and the message failed, and the next one goes); the outcome (sent, or
 * failed with the program's complaint) is collected by mailer_poll() on the
 * caller's thread. So the hub never waits on the mail system, and one
 * message at a time reaches it.
 */
#ifndef CONCERTO_MAIL_H
#define CONCERTO_MAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mail_parts {
    const char *from; /* address, or NULL/"" (the mail system then sets it) */
    const char *from_name;
    const char *to;      /* address */
    const char *to_name; /* any UTF-8 */
    const char *subject; /* any UTF-8 */
    const char *text;    /* text/plain body */
    const char *html;    /* text/html body */
    const char *ics;     /* the invitation, or NULL */
    size_t ics_len;
    const char *ics_name;        /* its file name */
    const char *message_id_host; /* the Message-ID's domain */
    int64_t now_ms;              /* the Date header */
    uint64_t unique;             /* makes the Message-ID and boundaries unique */
};

/* The message (new, NUL-terminated, CRLF line endings). 0, ERR_NOMEM, or
 * ERR_INVALID when an address holds a character a header cannot. */
int
mail_message(const struct mail_parts *p, char **out, size_t *len);

struct mailer;

/* Seconds a message may take, when the caller does not say. */
#define MAIL_TIMEOUT_DEFAULT 60

/* A sender for the program at `path` (copied), each message given at most
 * `timeout_s` seconds (<= 0: MAIL_TIMEOUT_DEFAULT). NULL when out of
 * memory or the thread cannot start. */
struct mailer *
mailer_new(const char *path, int timeout_s);
/* Stops the thread, and the program it runs if any (the queue is dropped). */
void
mailer_free(struct mailer *m);

/* Queue `msg` (taken, freed by the mailer) under `tag` (copied: the
 * caller's name for it). 0 or ERR_NOMEM (msg then freed). */
int
mailer_send(struct mailer *m, const char *tag, char *msg, size_t len);

/* Call `cb` for every message done since the last call: sent (ok) or not,
 * with a one-line reason. Returns how many. */
size_t
mailer_poll(struct mailer *m, void (*cb)(void *ctx, const char *tag, bool ok, const char *reason),
            void *ctx);

#endif
