/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_roster.c - proto/roster.c, a roster's words in French or English.
 *
 * The words are the ones a secretariat's spreadsheet holds: headers typed
 * in either language, roles in the feminine, capitals with or without their
 * accents, a college capitalised where the commission's is not.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "proto/roster.h"

static void
test_roster_reads_role_words_in_french_and_english_in_any_case(void **state)
{
    (void)state;
    assert_string_equal(roster_role("président"), "chair");
    assert_string_equal(roster_role("Présidente"), "chair");
    assert_string_equal(roster_role("PRÉSIDENT"), "chair");
    assert_string_equal(roster_role("president"), "chair");
    assert_string_equal(roster_role("Chair"), "chair");
    assert_string_equal(roster_role("secrétaire"), "secretary");
    assert_string_equal(roster_role("SECRETAIRE"), "secretary");
    assert_string_equal(roster_role("secretary"), "secretary");
    assert_string_equal(roster_role(" Membre "), "member");
    assert_string_equal(roster_role("member"), "member");
    assert_string_equal(roster_role("observateur"), "observer");
    assert_string_equal(roster_role("Observatrice"), "observer");
    assert_string_equal(roster_role("OBSERVER"), "observer");
}

static void
test_roster_refuses_words_that_name_no_role(void **state)
{
    (void)state;
    assert_null(roster_role(""));
    assert_null(roster_role("emperor"));
    assert_null(roster_role("présidnt"));
    assert_null(roster_role("admin"));
    assert_null(roster_role("member member"));
}

static void
test_roster_reads_headers_in_either_language(void **state)
{
    (void)state;
    assert_int_equal(roster_column("Nom"), ROSTER_NAME);
    assert_int_equal(roster_column("NAME"), ROSTER_NAME);
    assert_int_equal(roster_column("Collège"), ROSTER_COLLEGE);
    assert_int_equal(roster_column("COLLÈGE"), ROSTER_COLLEGE);
    assert_int_equal(roster_column("college"), ROSTER_COLLEGE);
    assert_int_equal(roster_column("Rôle"), ROSTER_ROLE);
    assert_int_equal(roster_column("RÔLE"), ROSTER_ROLE);
    assert_int_equal(roster_column("Qualité"), ROSTER_ROLE);
    assert_int_equal(roster_column("couleur"), ROSTER_NONE);
    assert_int_equal(roster_column("Langue"), ROSTER_LANG);
    assert_int_equal(roster_column("LANGUAGE"), ROSTER_LANG);
}

static void
test_roster_reads_language_words_in_french_and_english(void **state)
{
    (void)state;
    const char *fr[] = {"fr", "FR", "Français", "FRANÇAIS", "francais", " french "};
    const char *en[] = {"en", "En", "anglais", "Anglais", "ENGLISH", "english"};
    for (size_t i = 0; i < sizeof(fr) / sizeof(fr[0]); i++) {
        assert_string_equal(roster_lang(fr[i]), "fr");
        assert_string_equal(roster_lang(en[i]), "en");
    }
    assert_null(roster_lang("de"));
    assert_null(roster_lang("allemand"));
    assert_null(roster_lang(""));
}

static void
test_roster_matches_a_college_as_the_commission_spells_it(void **state)
{
    (void)state;
    char out[33];
    assert_int_equal(roster_college("bailleurs,locataires", "Bailleurs", out, sizeof(out)), 0);
    assert_string_equal(out, "bailleurs");
    assert_int_equal(roster_college("bailleurs,locataires", " LOCATAIRES", out, sizeof(out)), 0);
    assert_string_equal(out, "locataires");
    assert_int_equal(roster_college("bailleurs,locataires", "bail", out, sizeof(out)), -1);
    assert_int_equal(roster_college("bailleurs,locataires", "", out, sizeof(out)), -1);
}

static void
test_roster_folds_case_accents_and_spaces(void **state)
{
    (void)state;
    char out[32];
    assert_int_equal(roster_fold("  Élise\xc2\xa0  Cœur ", out, sizeof(out)), 0);
    assert_string_equal(out, "elise coeur");
    assert_int_equal(roster_fold("   ", out, sizeof(out)), 0);
    assert_string_equal(out, "");
    assert_int_equal(roster_fold("a much longer text than the room", out, 8), -1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roster_reads_role_words_in_french_and_english_in_any_case),
        cmocka_unit_test(test_roster_refuses_words_that_name_no_role),
        cmocka_unit_test(test_roster_reads_headers_in_either_language),
        cmocka_unit_test(test_roster_reads_language_words_in_french_and_english),
        cmocka_unit_test(test_roster_matches_a_college_as_the_commission_spells_it),
        cmocka_unit_test(test_roster_folds_case_accents_and_spaces),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
