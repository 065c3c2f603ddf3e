/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_mail.c - the MIME message's headers: a recipient's name and a
 * subject that are not ASCII as RFC 2047 encoded-words, folded so that no
 * header line passes 78 characters; the date in UTC; an address that a
 * header cannot hold refused. The sender against real programs (shell
 * scripts written for the test): one that never finishes is stopped at the
 * timeout and the next message still goes; a stop does not wait for it.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../../server/err.h"
#include "../../server/mail/mail.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void
mime_headers(void **state)
{
    (void)state;
    struct mail_parts p = {.from = "secretariat@example.org",
                           .from_name = "CCR Hauts-de-France",
                           .to = "elise@example.org",
                           .to_name = "Élise Durand",
                           .subject = "Convocation : Séance plénière, jeudi 4 mars 2027 à 14:00 "
                                      "avec un sujet assez long pour tenir sur deux mots codés",
                           .text = "texte",
                           .html = "<p>html</p>",
                           .ics = "BEGIN:VCALENDAR\r\n",
                           .ics_len = 17,
                           .now_ms = 1796000000000LL,
                           .unique = 42};
    char *out;
    size_t len;
    assert_int_equal(mail_message(&p, &out, &len), 0);
    assert_non_null(strstr(out, "From: \"CCR Hauts-de-France\" <secretariat@example.org>\r\n"));
    assert_non_null(strstr(out, "To: =?UTF-8?B?w4lsaXNlIER1cmFuZA==?= <elise@example.org>\r\n"));
    assert_non_null(strstr(out, "Subject: =?UTF-8?B?"));
    assert_non_null(strstr(out, "?=\r\n =?UTF-8?B?")); /* folded into several words */
    assert_non_null(strstr(out, "Date: Mon, 30 Nov 2026 "));
    assert_non_null(strstr(out, "text/calendar; charset=utf-8; method=REQUEST"));
    /* no header line over 78 characters */
    const char *end = strstr(out, "\r\n\r\n");
    for (const char *l = out; l < end;) {
        const char *nl = strstr(l, "\r\n");
        assert_true(nl - l <= 78);
        l = nl + 2;
    }
    free(out);
    p.to = "bad address@example.org";
    assert_int_equal(mail_message(&p, &out, &len), ERR_INVALID);
}

/* --- the sender -------------------------------------------------------- */

static char dir[64];

static void
script(const char *name, const char *body, char *path, size_t cap)
{
    snprintf(path, cap, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "#!/bin/sh\n%s\n", body);
    fclose(f);
    assert_int_equal(chmod(path, 0755), 0);
}

static double
now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
nap(void)
{
    struct timespec ts = {0, 10 * 1000 * 1000};
    nanosleep(&ts, NULL);
}

struct outcomes {
    size_t n;
    char tag[4][16];
    bool ok[4];
    char reason[4][256];
};

static void
collect(void *ctx, const char *tag, bool ok, const char *reason)
{
    struct outcomes *o = ctx;
    if (o->n < 4) {
        snprintf(o->tag[o->n], sizeof(o->tag[0]), "%s", tag);
        o->ok[o->n] = ok;
        snprintf(o->reason[o->n], sizeof(o->reason[0]), "%s", reason);
        o->n++;
    }
}

static void
a_program_that_hangs_is_stopped_and_the_next_message_goes(void **state)
{
    (void)state;
    char path[128];
    /* reads its message, then never finishes; a message it does not read
     * would block the writer just the same */
    script("hang", "cat >/dev/null\nexec sleep 600", path, sizeof(path));
    struct mailer *m = mailer_new(path, 1);
    assert_non_null(m);
    double start = now_s();
    const char *msg = "To: a@example.org\r\n\r\nhi\r\n";
    assert_int_equal(mailer_send(m, "first", strdup(msg), strlen(msg)), 0);
    char *big = malloc(1 << 20); /* more than a pipe holds: never read */
    memset(big, 'x', 1 << 20);
    assert_int_equal(mailer_send(m, "second", big, 1 << 20), 0);
    struct outcomes o = {0};
    while (o.n < 2 && now_s() - start < 60) {
        mailer_poll(m, collect, &o);
        nap();
    }
    assert_int_equal(o.n, 2);
    for (size_t i = 0; i < 2; i++) {
        assert_string_equal(o.tag[i], i ? "second" : "first");
        assert_false(o.ok[i]);
        assert_non_null(strstr(o.reason[i], "hang did not finish within 1 s: stopped"));
    }
    mailer_free(m);
    /* the same queue with a program that answers: sent */
    script("ok", "cat >/dev/null", path, sizeof(path));
    m = mailer_new(path, 1);
    assert_non_null(m);
    memset(&o, 0, sizeof(o));
    assert_int_equal(mailer_send(m, "third", strdup("x"), 1), 0);
    for (start = now_s(); o.n < 1 && now_s() - start < 60; nap()) {
        mailer_poll(m, collect, &o);
    }
    assert_int_equal(o.n, 1);
    assert_true(o.ok[0]);
    mailer_free(m);
}

static void
a_stop_does_not_wait_for_a_program_that_hangs(void **state)
{
    (void)state;
    char path[128], marker[96], body[256];
    snprintf(marker, sizeof(marker), "%s/started", dir);
    snprintf(body, sizeof(body), "cat >/dev/null\n: > %s\nexec sleep 600", marker);
    script("slow", body, path, sizeof(path));
    struct mailer *m = mailer_new(path, 600);
    assert_non_null(m);
    assert_int_equal(mailer_send(m, "t", strdup("x"), 1), 0);
    double start = now_s();
    while (access(marker, F_OK) != 0 && now_s() - start < 60) {
        nap();
    }
    assert_int_equal(access(marker, F_OK), 0);
    start = now_s();
    mailer_free(m);
    assert_true(now_s() - start < 30);
    unlink(marker);
}

int
main(void)
{
    signal(SIGPIPE, SIG_IGN); /* as the server does */
    snprintf(dir, sizeof(dir), "/tmp/concerto-mail-XXXXXX");
    if (!mkdtemp(dir)) {
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(mime_headers),
        cmocka_unit_test(a_program_that_hangs_is_stopped_and_the_next_message_goes),
        cmocka_unit_test(a_stop_does_not_wait_for_a_program_that_hangs),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    const char *made[] = {"hang", "ok", "slow"};
    for (size_t i = 0; i < sizeof(made) / sizeof(made[0]); i++) {
        char path[128];
        snprintf(path, sizeof(path), "%s/%s", dir, made[i]);
        unlink(path);
    }
    rmdir(dir);
    return failed;
}
