/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_convoc.c - the convocation's formats and the e-mail around them:
 * iCalendar lines (CRLF, folded at 75 octets without cutting a character,
 * TEXT escaped, times in UTC), the text and HTML saying the agenda in order
 * in each language, and which addresses roster_email_ok() accepts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../../server/err.h"
#include "../../server/proto/roster.h"
#include "../../server/record/convoc.h"

#include <stdlib.h>
#include <string.h>

static const struct convoc_doc docs[] = {{"Budget.pdf", "https://docs.example.org/b.pdf"}};
static const struct convoc_item items[] = {
    {"1", "Approbation du procès-verbal", "", NULL, 0},
    {"2", "Budget 2027 ; arbitrages, priorités et calendrier de mise en œuvre des programmes",
     "Les documents sont joints.", docs, 1},
    {"2.1", "Fonctionnement", "", NULL, 0},
};

static struct convoc
sample(const char *lang, const char *date)
{
    return (struct convoc){.lang = lang,
                           .meeting = "m1",
                           .commission = "CCR Hauts-de-France",
                           .title = "Séance plénière",
                           .date = date,
                           .duration_s = 5400,
                           .place = "Lille, salle 2",
                           .room = "https://visio.example.org/ccr",
                           .name = "Élise \"Lili\" Durand",
                           .email = "elise@example.org",
                           .organizer = "secretariat@example.org",
                           .link = "https://concerto.example.org/m/m1#t=AAAA",
                           .host = "concerto.example.org",
                           .now_ms = 1796000000000LL,
                           .items = items,
                           .nitems = 3};
}

static void
ics_lines(void **state)
{
    (void)state;
    struct convoc c = sample("fr", "2027-03-04T14:00+01:00");
    char *out;
    size_t len;
    assert_int_equal(convoc_ics(&c, &out, &len), 0);
    assert_int_equal(strlen(out), len);
    /* every line ends in CRLF and holds at most 75 octets */
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        if (out[i] == '\n') {
            assert_true(i > 0 && out[i - 1] == '\r');
            assert_true(i - 1 - start <= 75);
            /* a continuation never starts inside a UTF-8 sequence */
            if (out[i + 1] == ' ') {
                assert_true(((unsigned char)out[i + 2] & 0xc0) != 0x80);
            }
            start = i + 1;
        }
    }
    assert_int_equal(out[len - 1], '\n');
    assert_non_null(strstr(out, "\r\nDTSTART:20270304T130000Z\r\n"));
    assert_non_null(strstr(out, "\r\nDTEND:20270304T143000Z\r\n"));
    assert_non_null(strstr(out, "\r\nDTSTAMP:20261130T"));
    assert_non_null(strstr(out, "\r\nUID:concerto-m1@concerto.example.org\r\n"));
    assert_non_null(strstr(out, "\r\nMETHOD:REQUEST\r\n"));
    assert_non_null(strstr(out, "\r\nLOCATION:Lille\\, salle 2\r\n"));
    assert_non_null(strstr(out, "ATTENDEE;CN=\"Élise Lili Durand\""));
    free(out);
    /* no time of day: no invitation */
    c = sample("fr", "2027-03-04");
    assert_int_equal(convoc_ics(&c, &out, &len), ERR_BAD_STATE);
    assert_null(out);
}

static void
text_and_html(void **state)
{
    (void)state;
    struct convoc c = sample("fr", "2027-03-04T14:00+01:00");
    char *out;
    size_t len;
    assert_int_equal(convoc_subject(&c, &out, &len), 0);
    assert_string_equal(out, "Convocation : Séance plénière, jeudi 4 mars 2027 à\xc2\xa0"
                             "14:00");
    free(out);
    assert_int_equal(convoc_text(&c, &out, &len), 0);
    const char *a = strstr(out, "1. Approbation"), *b = strstr(out, "2. Budget"),
               *s = strstr(out, "2.1. Fonctionnement");
    assert_true(a && b && s && a < b && b < s);
    assert_non_null(strstr(out, "Budget.pdf: https://docs.example.org/b.pdf"));
    assert_non_null(strstr(out, c.link));
    assert_non_null(strstr(out, "Ordre du jour"));
    free(out);
    c = sample("en", "2027-03-04T14:00+01:00");
    assert_int_equal(convoc_html(&c, &out, &len), 0);
    assert_non_null(strstr(out, "<html lang=\"en\">"));
    assert_non_null(strstr(out, "Notice of meeting"));
    assert_non_null(strstr(out, "Thursday 4 March 2027 at 14:00"));
    assert_non_null(strstr(out, "Élise &quot;Lili&quot; Durand"));
    free(out);
    assert_int_equal(convoc_pdf(&c, &out, &len), 0);
    assert_true(len > 5 && memcmp(out, "%PDF-", 5) == 0);
    free(out);
}

/* A participant who reads English gets every part in English: the subject,
 * the text of the e-mail and the invitation, nothing left in French. */
static void
english_throughout(void **state)
{
    (void)state;
    struct convoc c = sample("en", "2027-03-04T14:00+01:00");
    char *out;
    size_t len;
    assert_int_equal(convoc_subject(&c, &out, &len), 0);
    assert_string_equal(out, "Notice of meeting: Séance plénière, Thursday 4 March 2027 at 14:00");
    free(out);
    assert_int_equal(convoc_text(&c, &out, &len), 0);
    assert_non_null(strstr(out, "Agenda"));
    assert_null(strstr(out, "Ordre du jour"));
    assert_null(strstr(out, "jeudi"));
    free(out);
    assert_int_equal(convoc_ics(&c, &out, &len), 0);
    assert_non_null(strstr(out, "Agenda"));
    assert_null(strstr(out, "Ordre du jour"));
    free(out);
}

static void
email_check(void **state)
{
    (void)state;
    assert_true(roster_email_ok(""));
    assert_true(roster_email_ok("jean.martin@example.org"));
    assert_true(roster_email_ok("a+b@sub.example.fr"));
    const char *bad[] = {"jean",
                         "@example.org",
                         "jean@",
                         "jean@localhost",
                         "a@b@c.org",
                         "-oQ@example.org",
                         "a b@example.org",
                         "a@example.org\nBcc: x@y.z",
                         "<a@example.org>",
                         "a@example.",
                         "a@.org",
                         "é@example.org"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_false(roster_email_ok(bad[i]));
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ics_lines),
        cmocka_unit_test(text_and_html),
        cmocka_unit_test(english_throughout),
        cmocka_unit_test(email_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
