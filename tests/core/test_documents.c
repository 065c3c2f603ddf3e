/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_documents.c - core/documents.c: which files are accepted (content and
 * extension together), which names, the document events folded and refused,
 * and proto_disposition(), the Content-Disposition of a download.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/meeting.h"
#include "err.h"
#include "proto/proto.h"

#include <stdlib.h>
#include <string.h>

static const char *
sniff(const char *bytes, size_t len, const char *name)
{
    return doc_sniff((const unsigned char *)bytes, len, name);
}

#define S(lit) lit, sizeof(lit) - 1

static void
test_content_and_extension_must_agree(void **state)
{
    (void)state;
    assert_string_equal(sniff(S("%PDF-1.7\n..."), "Bilan 2020.pdf"), "pdf");
    assert_string_equal(sniff(S("%PDF-1.7\n..."), "BILAN.PDF"), "pdf");
    assert_string_equal(sniff(S("\x89PNG\r\n\x1a\n...."), "plan.png"), "png");
    assert_string_equal(sniff(S("\xff\xd8\xff\xe0...."), "photo.jpg"), "jpeg");
    assert_string_equal(sniff(S("\xff\xd8\xff\xe0...."), "photo.JPEG"), "jpeg");
    assert_string_equal(sniff(S("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1...."), "ancien.doc"), "doc");
    assert_string_equal(sniff(S("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1...."), "ancien.xls"), "xls");
    /* refused: another content under the extension, or no extension */
    assert_null(sniff(S("%PDF-1.7\n..."), "bilan.png"));
    assert_null(sniff(S("%PDF-1.7\n..."), "bilan"));
    assert_null(sniff(S("<html><script>alert(1)</script>"), "bilan.pdf"));
    assert_null(sniff(S("<html></html>"), "page.html"));
    assert_null(sniff(S("\x89PNG\r\n\x1a\n...."), "plan.pdf"));
    assert_null(sniff(S("%PD"), "court.pdf"));
    assert_null(sniff(S("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1...."), "ancien.ppt"));
}

static void
test_office_zips_are_told_apart_by_what_they_hold(void **state)
{
    (void)state;
    static const char odt[] = "PK\x03\x04" "01234567890123456789012345"
                              "mimetypeapplication/vnd.oasis.opendocument.textPK";
    static const char ods[] = "PK\x03\x04" "01234567890123456789012345"
                              "mimetypeapplication/vnd.oasis.opendocument.spreadsheetPK";
    static const char odt_template[] = "PK\x03\x04" "01234567890123456789012345"
                                       "mimetypeapplication/vnd.oasis.opendocument.text-templatePK";
    static const char docx[] = "PK\x03\x04....[Content_Types].xml....word/document.xml....";
    static const char xlsx[] = "PK\x03\x04....[Content_Types].xml....xl/workbook.xml....";
    static const char zip[] = "PK\x03\x04....readme.txt....";
    assert_string_equal(sniff(odt, sizeof(odt) - 1, "feuille.odt"), "odt");
    assert_string_equal(sniff(ods, sizeof(ods) - 1, "budget.ods"), "ods");
    assert_null(sniff(ods, sizeof(ods) - 1, "budget.odt"));
    assert_null(sniff(odt_template, sizeof(odt_template) - 1, "modele.odt"));
    assert_string_equal(sniff(docx, sizeof(docx) - 1, "protocole.docx"), "docx");
    assert_string_equal(sniff(xlsx, sizeof(xlsx) - 1, "impayes.xlsx"), "xlsx");
    assert_null(sniff(xlsx, sizeof(xlsx) - 1, "impayes.docx"));
    assert_null(sniff(zip, sizeof(zip) - 1, "archive.docx"));
    assert_string_equal(doc_format_mime("docx"),
                        "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
    assert_null(doc_format_mime("html"));
}

static void
test_names_are_utf8_without_paths_quotes_or_controls(void **state)
{
    (void)state;
    assert_true(doc_name_valid("Bilan 2020 – révisé.pdf"));
    assert_true(doc_name_valid("Protocole d'accord impayés.docx"));
    assert_false(doc_name_valid(""));
    assert_false(doc_name_valid(NULL));
    assert_false(doc_name_valid(".cache.pdf"));
    assert_false(doc_name_valid("../bilan.pdf"));
    assert_false(doc_name_valid("dossier\\bilan.pdf"));
    assert_false(doc_name_valid("bi\"lan.pdf"));
    assert_false(doc_name_valid("bilan\n.pdf"));
    assert_false(doc_name_valid("bilan\x7f.pdf"));
    assert_false(doc_name_valid("bilan\xc3.pdf"));        /* cut UTF-8 */
    assert_false(doc_name_valid("bilan\xc0\xaf.pdf"));    /* overlong */
    assert_false(doc_name_valid("bilan\xed\xa0\x80.pdf")); /* surrogate */
    assert_false(doc_name_valid("bilan\xc2\x85.pdf"));    /* C1 control */
    char longname[DOC_NAME_MAX + 2];
    memset(longname, 'a', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = 0;
    assert_false(doc_name_valid(longname));
    longname[DOC_NAME_MAX] = 0;
    assert_true(doc_name_valid(longname));
    assert_true(doc_sha_valid("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"));
    assert_false(doc_sha_valid("0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef"));
    assert_false(doc_sha_valid("0123"));
}

static void
test_the_disposition_has_an_ascii_form_and_the_utf8_name(void **state)
{
    (void)state;
    char out[PROTO_DISPOSITION_MAX];
    assert_int_equal(proto_disposition("bilan-2020.pdf", out, sizeof(out)), 0);
    assert_string_equal(out, "attachment; filename=\"bilan-2020.pdf\"");
    assert_int_equal(proto_disposition("Bilan révisé.pdf", out, sizeof(out)), 0);
    assert_string_equal(out, "attachment; filename=\"Bilan r_vis_.pdf\"; "
                             "filename*=UTF-8''Bilan%20r%C3%A9vis%C3%A9.pdf");
    char small[16];
    assert_int_equal(proto_disposition("bilan-2020.pdf", small, sizeof(small)), ERR_TOO_LARGE);
    assert_string_equal(small, "");
}

#define SHA1 "1111111111111111111111111111111111111111111111111111111111111111"

static struct meeting *
meeting_with_item(void)
{
    struct meeting *m = meeting_new("m1");
    struct evlist out = {0};
    struct body b = {.title = "CCR", .date = "", .place = "", .room = "", .lang = "fr",
                     .commission = "c1", .commission_name = "CCR"};
    assert_int_equal(meeting_create(m, &b, 1000, &out), 0);
    struct cmd c = {.type = CMD_AGENDA_ADD, .b = {.title = "Bilan 2020"}};
    assert_int_equal(meeting_admin_handle(m, &c, 2000, &out), 0);
    evlist_clear(&out);
    return m;
}

static void
test_documents_attach_once_and_detach_with_events(void **state)
{
    (void)state;
    struct meeting *m = meeting_with_item();
    struct evlist out = {0};
    struct body b = {.item = "i1", .sha256 = SHA1, .name = "Bilan.pdf", .format = "pdf",
                     .has = HAS_SIZE, .size = 42};
    assert_int_equal(meeting_document_add(m, &b, "admin", 3000, &out), 0);
    assert_int_equal(out.len, 1);
    assert_int_equal(out.v[0].type, EV_DOCUMENT_ADDED);
    assert_int_equal(m->ndocs, 1);
    assert_int_equal(m->docs[0].added, 3000);
    uint64_t seq = m->seq;
    assert_int_equal(meeting_document_add(m, &b, "admin", 3001, &out), ERR_CONFLICT);
    b.item = "i9";
    assert_int_equal(meeting_document_add(m, &b, "admin", 3001, &out), ERR_NOT_FOUND);
    b.item = "i1";
    b.format = "html";
    assert_int_equal(meeting_document_add(m, &b, "admin", 3001, &out), ERR_INVALID);
    b.format = "pdf";
    b.sha256 = "abc";
    assert_int_equal(meeting_document_add(m, &b, "admin", 3001, &out), ERR_INVALID);
    assert_int_equal(m->seq, seq);
    assert_int_equal(meeting_document_remove(m, "i1", SHA1, "admin", 4000, &out), 0);
    assert_true(m->docs[0].removed);
    assert_int_equal(meeting_document_index(m, "i1", SHA1, false), -1);
    assert_int_equal(meeting_document_index(m, NULL, SHA1, true), 0);
    assert_int_equal(meeting_document_remove(m, "i1", SHA1, "admin", 4001, &out), ERR_NOT_FOUND);
    evlist_clear(&out);
    meeting_free(m);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_content_and_extension_must_agree),
        cmocka_unit_test(test_office_zips_are_told_apart_by_what_they_hold),
        cmocka_unit_test(test_names_are_utf8_without_paths_quotes_or_controls),
        cmocka_unit_test(test_the_disposition_has_an_ascii_form_and_the_utf8_name),
        cmocka_unit_test(test_documents_attach_once_and_detach_with_events),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
