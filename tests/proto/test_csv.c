/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_csv.c - proto/csv.c, the roster CSV reader.
 *
 * Each test feeds a buffer and collects the records handed to the callback
 * (line number and a copy of every field), then compares them with what a
 * spreadsheet user meant. Files come the way LibreOffice and Excel write
 * them: semicolons in French locales, CRLF line ends, a byte-order mark,
 * quoted fields with "" escapes and line breaks inside.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "proto/csv.h"

#define MAX_ROWS 32

struct rows {
    size_t n;
    size_t line[MAX_ROWS];
    size_t nf[MAX_ROWS];
    char *f[MAX_ROWS][CSV_MAX_FIELDS];
    int stop_at; /* return 99 from the callback at this record (1-based), 0 never */
};

static int
collect(void *ctx, size_t line, char **fields, size_t n)
{
    struct rows *r = ctx;
    assert_true(r->n < MAX_ROWS);
    assert_true(n <= CSV_MAX_FIELDS);
    r->line[r->n] = line;
    r->nf[r->n] = n;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(fields[i]);
        r->f[r->n][i] = malloc(len + 1);
        assert_non_null(r->f[r->n][i]);
        memcpy(r->f[r->n][i], fields[i], len + 1);
    }
    r->n++;
    return r->stop_at && (int)r->n == r->stop_at ? 99 : 0;
}

static void
rows_free(struct rows *r)
{
    for (size_t i = 0; i < r->n; i++) {
        for (size_t j = 0; j < r->nf[i]; j++) {
            free(r->f[i][j]);
        }
    }
    memset(r, 0, sizeof(*r));
}

static int
parse(const char *text, struct rows *r, size_t *line)
{
    memset(r, 0, sizeof(*r));
    return csv_parse(text, strlen(text), collect, r, line);
}

/* Record `i` has exactly the fields given (NULL-terminated list). */
static void
assert_row(const struct rows *r, size_t i, size_t line, ...)
{
    va_list ap;
    size_t n = 0;
    assert_true(i < r->n);
    assert_int_equal(r->line[i], line);
    va_start(ap, line);
    for (const char *want = va_arg(ap, const char *); want; want = va_arg(ap, const char *)) {
        assert_true(n < r->nf[i]);
        assert_string_equal(r->f[i][n], want);
        n++;
    }
    va_end(ap);
    assert_int_equal(r->nf[i], n);
}

/* ---- separators and line ends -------------------------------------------------------- */

static void
test_comma_separated_roster_gives_one_record_per_line(void **state)
{
    (void)state;
    struct rows r;
    size_t line;
    assert_int_equal(parse("name,college,role\n"
                           "Claire Dubois,bailleurs,member\n"
                           "Anne Petit,,observer\n",
                           &r, &line),
                     0);
    assert_int_equal(line, 0);
    assert_int_equal(r.n, 3);
    assert_row(&r, 0, 1, "name", "college", "role", NULL);
    assert_row(&r, 1, 2, "Claire Dubois", "bailleurs", "member", NULL);
    assert_row(&r, 2, 3, "Anne Petit", "", "observer", NULL);
    rows_free(&r);
}

static void
test_semicolon_separator_is_taken_from_the_header(void **state)
{
    (void)state;
    struct rows r;
    size_t line;
    assert_int_equal(parse("nom;coll\xc3\xa8ge;r\xc3\xb4le\n"
                           "Dubois, Claire;bailleurs;member\n",
                           &r, &line),
                     0);
    assert_int_equal(r.n, 2);
    assert_row(&r, 0, 1, "nom", "coll\xc3\xa8ge", "r\xc3\xb4le", NULL);
    /* the comma is data once the separator is the semicolon */
    assert_row(&r, 1, 2, "Dubois, Claire", "bailleurs", "member", NULL);
    rows_free(&r);
}

static void
test_comma_header_keeps_semicolons_as_data(void **state)
{
    (void)state;
    struct rows r;
    size_t line;
    assert_int_equal(parse("name,role\nA;B,member\n", &r, &line), 0);
    assert_row(&r, 1, 2, "A;B", "member", NULL);
    rows_free(&r);
}

static void
test_crlf_line_ends_are_not_part_of_the_last_field(void **state)
{
    (void)state;
    struct rows r;
    size_t line;
    assert_int_equal(parse("name;college;role\r\nClaire Dubois;bailleurs;member\r\n", &r, &line),
                     0);
    assert_int_equal(r.n, 2);
    assert_row(&r, 0, 1, "name", "college", "role", NULL);
    assert_row(&r, 1, 2, "Claire Dubois", "bailleurs", "member", NULL);
    rows_free(&r);
}

static void
test_crlf_after_a_quoted_last_field_is_a_line_end(void **state)
{
    (void)state;
    struct rows r;
    size_t line;
    assert_int_equal(parse("\"name\";\"college\";\"role\"\r\n"
                           "\"Claire Dubois\";\"bailleurs\";\"member\"\r\n",
                           &r, &line),
                     0);
    assert_int_equal(r.n, 2);
    assert_row(&r, 0, 1, "name", "college", "role", NULL);
    assert_row(&r, 1, 2, "Claire Dubois", "bailleurs", "member", NULL);
    rows_free(&r);
}

static void
test_a_last_line_without_line_end_is_read(void **state)
{
    (void)state;
    struct rows r;
    size_t line;
    assert_int_equal(parse("name,role\nAnne Petit,observer", &r, &line), 0);
    assert_int_equal(r.n, 2);
    assert_row(&r, 1, 2, "Anne Petit", "observer", NULL);
    rows_free(&r);
    assert_int_equal(parse("name,role\r\n\"Anne Petit\",\"observer\"", &r, &line), 0);
    assert_row(&r, 1, 2, "Anne Petit", "observer", NULL);
    rows_free(&r);
}

static void
test_a_utf8_byte_order_mark_is_skipped(void **state)
{
    (void)state;
    struct rows r;
    size_t line;
    assert_int_equal(parse("\xef\xbb\xbfname;role\nH\xc3\xa9l\xc3\xa8ne;chair\n", &r, &line), 0);
    assert_int_equal(r.n, 2);
    assert_row(&r, 0, 1, "name", "role", NULL);
    assert_row(&r, 1, 2, "H\xc3\xa9l\xc3\xa8ne", "chair", NULL);
    rows_free(&r);
}

static void
test_blank_lines_are_skipped_but_counted(void **state)
{
    (void)state;
    struct rows r;
    size_t line;
    assert_int_equal(parse("name,role\n\nA,member\n\n\nB,observer\n\n", &r, &line), 0);
    assert_int_equal(r.n, 3);
    assert_row(&r, 0, 1, "name", "role", NULL);
    assert_row(&r, 1, 3, "A", "member", NULL);
    assert_row(&r, 2, 6, "B", "observer", NULL);
    rows_free(&r);
}

static void
test_blank_crlf_lines_are_skipped_too(void **state)
{
    (void)state;
    struct rows r;
    size_t line;
    assert_int_equal(parse("name;role\r\n\r\nA;member\r\n\r\n", &r, &line), 0);
    assert_int_equal(r.n, 2);
    assert_row(&r, 0, 1, "name", "role", NULL);
    assert_row(&r, 1, 3, "A", "member", NULL);
    rows_free(&r);
}

static void
test_an_empty_buffer_gives_no_record(void **state)
{
    (void)state;
    struct rows r;
    size_t line = 7;
    assert_int_equal(parse("", &r, &line), 0);
    assert_int_equal(r.n, 0);
    assert_int_equal(line, 0);
    assert_int_equal(parse("\xef\xbb\xbf", &r, &line), 0);
    assert_int_equal(r.n, 0);
}

/* ---- quotes ---------------------------------------------------------------------------- */

static void
test_quoted_fields_keep_separators_and_doubled_quotes(void **state)
{
    (void)state;
    struct rows r;
    size_t line;
    assert_int_equal(parse("name,role\n"
                           "\"Dubois, Claire\",member\n"
                           "\"Jean \"\"Jeannot\"\" Moreau\",\"member\"\n"
                           "\"\",observer\n",
                           &r, &line),
                     0);
    assert_int_equal(r.n, 4);
    assert_row(&r, 1, 2, "Dubois, Claire", "member", NULL);
    assert_row(&r, 2, 3, "Jean \"Jeannot\" Moreau", "member", NULL);
    assert_row(&r, 3, 4, "", "observer", NULL);
    rows_free(&r);
}

static void
test_a_quoted_empty_line_is_a_record(void **state)
{
    (void)state;
    struct rows r;
    size_t line;
    assert_int_equal(parse("name\n\"\"\n", &r, &line), 0);
    assert_int_equal(r.n, 2);
    assert_row(&r, 1, 2, "", NULL);
    rows_free(&r);
}

static void
test_quoted_newlines_stay_in_the_field_and_lines_are_counted(void **state)
{
    (void)state;
    struct rows r;
    size_t line;
    assert_int_equal(parse("name;role\r\n"
                           "\"Claire\nDubois\";member\r\n"
                           "\"Anne\r\n\r\nPetit\";observer\r\n"
                           "Jean;member\r\n",
                           &r, &line),
                     0);
    assert_int_equal(r.n, 4);
    assert_row(&r, 1, 2, "Claire\nDubois", "member", NULL);
    assert_row(&r, 2, 4, "Anne\r\n\r\nPetit", "observer", NULL);
    assert_row(&r, 3, 7, "Jean", "member", NULL);
    rows_free(&r);
}

static void
test_a_quote_inside_an_unquoted_field_is_data(void **state)
{
    (void)state;
    struct rows r;
    size_t line;
    assert_int_equal(parse("name,role\nO\"Neil,member\n", &r, &line), 0);
    assert_row(&r, 1, 2, "O\"Neil", "member", NULL);
    rows_free(&r);
}

static void
test_an_unterminated_quote_is_invalid_at_the_line_it_opened(void **state)
{
    (void)state;
    struct rows r;
    size_t line;
    assert_int_equal(parse("name,role\nA,member\n\"Claire Dubois,member\nB,observer\n", &r, &line),
                     ERR_INVALID);
    assert_int_equal(line, 3);
    assert_int_equal(r.n, 2); /* the records before it were seen */
    rows_free(&r);
    assert_int_equal(parse("\"name", &r, &line), ERR_INVALID);
    assert_int_equal(line, 1);
    rows_free(&r);
}

static void
test_text_after_a_closing_quote_is_invalid(void **state)
{
    (void)state;
    struct rows r;
    size_t line;
    assert_int_equal(parse("name,role\n\"Claire\" Dubois,member\n", &r, &line), ERR_INVALID);
    assert_int_equal(line, 2);
    rows_free(&r);
    assert_int_equal(parse("name,role\r\n\"Claire\"\rX,member\r\n", &r, &line), ERR_INVALID);
    assert_int_equal(line, 2);
    rows_free(&r);
}

/* ---- limits ---------------------------------------------------------------------------- */

static void
test_sixteen_fields_are_accepted_and_seventeen_refused(void **state)
{
    (void)state;
    struct rows r;
    size_t line;
    char text[256] = "name\n";
    for (int i = 0; i < CSV_MAX_FIELDS; i++) {
        strcat(text, i ? ",x" : "x");
    }
    strcat(text, "\n");
    assert_int_equal(parse(text, &r, &line), 0);
    assert_int_equal(r.nf[1], CSV_MAX_FIELDS);
    rows_free(&r);
    strcpy(text, "name\nok\n");
    for (int i = 0; i <= CSV_MAX_FIELDS; i++) {
        strcat(text, i ? ",x" : "x");
    }
    strcat(text, "\n");
    assert_int_equal(parse(text, &r, &line), ERR_INVALID);
    assert_int_equal(line, 3);
    rows_free(&r);
    /* the 17th field empty still counts */
    strcpy(text, "name\n");
    for (int i = 0; i < CSV_MAX_FIELDS; i++) {
        strcat(text, "x,");
    }
    strcat(text, "\n");
    assert_int_equal(parse(text, &r, &line), ERR_INVALID);
    assert_int_equal(line, 2);
    rows_free(&r);
}

static void
test_a_field_of_the_maximum_length_is_accepted_and_one_more_byte_refused(void **state)
{
    (void)state;
    struct rows r;
    size_t line;
    size_t n = CSV_MAX_FIELD + 32;
    char *text = malloc(n);
    assert_non_null(text);
    strcpy(text, "name,role\n");
    size_t at = strlen(text);
    memset(text + at, 'a', CSV_MAX_FIELD);
    strcpy(text + at + CSV_MAX_FIELD, ",member\n");
    assert_int_equal(parse(text, &r, &line), 0);
    assert_int_equal(strlen(r.f[1][0]), CSV_MAX_FIELD);
    rows_free(&r);
    memset(text + at, 'a', CSV_MAX_FIELD + 1);
    strcpy(text + at + CSV_MAX_FIELD + 1, ",member\n");
    assert_int_equal(parse(text, &r, &line), ERR_INVALID);
    assert_int_equal(line, 2);
    rows_free(&r);
    /* quoted, the limit is the same */
    strcpy(text, "name\n\"");
    at = strlen(text);
    memset(text + at, 'b', CSV_MAX_FIELD + 1);
    strcpy(text + at + CSV_MAX_FIELD + 1, "\"\n");
    assert_int_equal(parse(text, &r, &line), ERR_INVALID);
    assert_int_equal(line, 2);
    rows_free(&r);
    free(text);
}

static void
test_bytes_that_are_not_utf8_are_invalid(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "name,role\nH\xe9l\xe8ne,chair\n",       /* Latin-1 */
        "name,role\nA\xc3,member\n",             /* truncated sequence */
        "name,role\nA\xc0\xaf,member\n",         /* overlong '/' */
        "name,role\nA\xed\xa0\x80,member\n",     /* surrogate */
        "name,role\nA\xf4\x90\x80\x80,member\n", /* past U+10FFFF */
        "name,role\nA\xff,member\n",
        "name,role\nA,member\xc3", /* cut at the very end */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct rows r;
        size_t line = 0;
        if (parse(bad[i], &r, &line) != ERR_INVALID) {
            fail_msg("case %zu was accepted", i);
        }
        assert_true(line >= 1);
        assert_int_equal(r.n, 0); /* refused before any record */
        rows_free(&r);
    }
}

static void
test_invalid_utf8_reports_the_line_it_is_on(void **state)
{
    (void)state;
    struct rows r;
    size_t line;
    assert_int_equal(parse("name,role\nA,member\nB\xe9,member\n", &r, &line), ERR_INVALID);
    assert_int_equal(line, 3);
    rows_free(&r);
}

static void
test_four_byte_characters_are_accepted(void **state)
{
    (void)state;
    struct rows r;
    size_t line;
    assert_int_equal(parse("name,role\n\xf0\x9f\x8f\xa0 Maison,member\n", &r, &line), 0);
    assert_row(&r, 1, 2, "\xf0\x9f\x8f\xa0 Maison", "member", NULL);
    rows_free(&r);
}

/* ---- the callback ------------------------------------------------------------------------ */

static void
test_a_callback_error_stops_the_parse_and_gives_its_line(void **state)
{
    (void)state;
    struct rows r;
    memset(&r, 0, sizeof(r));
    r.stop_at = 2;
    size_t line = 0;
    const char *text = "name,role\n\"A\nA\",member\nB,observer\n";
    assert_int_equal(csv_parse(text, strlen(text), collect, &r, &line), 99);
    assert_int_equal(r.n, 2);
    assert_int_equal(line, 2);
    rows_free(&r);
}

static void
test_a_buffer_is_read_by_length_not_up_to_a_nul(void **state)
{
    (void)state;
    struct rows r;
    memset(&r, 0, sizeof(r));
    size_t line;
    static const char text[] = "name,role\nA,member\nB,observer\n";
    /* only the first two lines */
    assert_int_equal(csv_parse(text, 19, collect, &r, &line), 0);
    assert_int_equal(r.n, 2);
    assert_row(&r, 1, 2, "A", "member", NULL);
    rows_free(&r);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_comma_separated_roster_gives_one_record_per_line),
        cmocka_unit_test(test_semicolon_separator_is_taken_from_the_header),
        cmocka_unit_test(test_comma_header_keeps_semicolons_as_data),
        cmocka_unit_test(test_crlf_line_ends_are_not_part_of_the_last_field),
        cmocka_unit_test(test_crlf_after_a_quoted_last_field_is_a_line_end),
        cmocka_unit_test(test_a_last_line_without_line_end_is_read),
        cmocka_unit_test(test_a_utf8_byte_order_mark_is_skipped),
        cmocka_unit_test(test_blank_lines_are_skipped_but_counted),
        cmocka_unit_test(test_blank_crlf_lines_are_skipped_too),
        cmocka_unit_test(test_an_empty_buffer_gives_no_record),
        cmocka_unit_test(test_quoted_fields_keep_separators_and_doubled_quotes),
        cmocka_unit_test(test_a_quoted_empty_line_is_a_record),
        cmocka_unit_test(test_quoted_newlines_stay_in_the_field_and_lines_are_counted),
        cmocka_unit_test(test_a_quote_inside_an_unquoted_field_is_data),
        cmocka_unit_test(test_an_unterminated_quote_is_invalid_at_the_line_it_opened),
        cmocka_unit_test(test_text_after_a_closing_quote_is_invalid),
        cmocka_unit_test(test_sixteen_fields_are_accepted_and_seventeen_refused),
        cmocka_unit_test(test_a_field_of_the_maximum_length_is_accepted_and_one_more_byte_refused),
        cmocka_unit_test(test_bytes_that_are_not_utf8_are_invalid),
        cmocka_unit_test(test_invalid_utf8_reports_the_line_it_is_on),
        cmocka_unit_test(test_four_byte_characters_are_accepted),
        cmocka_unit_test(test_a_callback_error_stops_the_parse_and_gives_its_line),
        cmocka_unit_test(test_a_buffer_is_read_by_length_not_up_to_a_nul),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
