/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_mail.c - the MIME message's headers: a recipient's name and a
 * subject that are not ASCII as RFC 2047 encoded-words, folded so that no
 * header line passes 78 characters; the date in UTC; an address that a
 * header cannot hold refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../../server/err.h"
#include "../../server/mail/mail.h"

#include <stdlib.h>
#include <string.h>

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

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(mime_headers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
