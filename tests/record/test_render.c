/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_render.c - record/render.c, the procès-verbal in Markdown, HTML, PDF.
 *
 * The fixture (data/record.json, written by data/make_record.py) is the
 * demo meeting of the CCR Hauts-de-France as the record builder writes it.
 * Each test renders it, or a copy changed through jansson, and reads the
 * result as a person would: the words it must contain, escaped where the
 * format needs it. The PDF is read back with poppler's pdftotext and
 * pdfinfo (run through popen), so what is checked is the text a reader can
 * find in the file, not the bytes cairo wrote.
 *
 * The last test builds a large record (2,000 minutes entries, 50,000
 * events) and prints how long each format takes.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "record/render.h"
#include "record/words.h"

#ifndef CONCERTO_SOURCE_DIR
#define CONCERTO_SOURCE_DIR "."
#endif

/*
 * fontconfig holds each font pattern's elements at an offset from the
 * pattern rather than by pointer, so leak checkers see its one-time font
 * cache (the same ~16 KB after 1 or 20 renders) as lost. LeakSanitizer
 * reads this hook; valgrind takes tests/record/valgrind.supp.
 */
const char *
__lsan_default_suppressions(void);

const char *
__lsan_default_suppressions(void)
{
    return "leak:libfontconfig.so\n";
}

typedef int (*render_fn)(const char *json, size_t json_len, char **out, size_t *len);

static const render_fn all[] = {render_md, render_html, render_pdf};

/* --- helpers ----------------------------------------------------------- */

static char *
slurp(FILE *f, size_t *len)
{
    size_t cap = 1 << 16, n = 0, got;
    char *buf = malloc(cap);
    assert_non_null(buf);
    while ((got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (cap - n - 1 == 0) {
            cap *= 2;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
    }
    buf[n] = 0;
    if (len) {
        *len = n;
    }
    return buf;
}

/* The fixture's text (new). */
static char *
fixture(size_t *len)
{
    FILE *f = fopen(CONCERTO_SOURCE_DIR "/tests/record/data/record.json", "rb");
    assert_non_null(f);
    char *text = slurp(f, len);
    fclose(f);
    return text;
}

static json_t *
fixture_json(void)
{
    size_t len;
    char *text = fixture(&len);
    json_t *root = json_loadb(text, len, 0, NULL);
    free(text);
    assert_non_null(root);
    return root;
}

/* Render `root` with `fn`; returns the rc, the output in *out (new). */
static int
render_json(render_fn fn, const json_t *root, char **out, size_t *len)
{
    char *text = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
    assert_non_null(text);
    int rc = fn(text, strlen(text), out, len);
    free(text);
    return rc;
}

static char *
render_ok(render_fn fn, const json_t *root, size_t *len)
{
    char *out = NULL;
    size_t n = 0;
    assert_int_equal(render_json(fn, root, &out, &n), 0);
    assert_non_null(out);
    assert_int_equal(strlen(out) <= n, 1);
    if (len) {
        *len = n;
    }
    return out;
}

static size_t
count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + strlen(needle), needle)) {
        n++;
    }
    return n;
}

#define assert_has(hay, needle)                                                                    \
    do {                                                                                           \
        if (!strstr((hay), (needle))) {                                                            \
            fail_msg("missing: \"%s\"", (needle));                                                 \
        }                                                                                          \
    } while (0)

#define assert_lacks(hay, needle)                                                                  \
    do {                                                                                           \
        if (strstr((hay), (needle))) {                                                             \
            fail_msg("present: \"%s\"", (needle));                                                 \
        }                                                                                          \
    } while (0)

/* Every run of white space (with no-break spaces) as one space (in place). */
static char *
squash(char *s)
{
    char *w = s;
    bool space = false;
    for (const char *r = s; *r;) {
        size_t n = strncmp(r, "\xc2\xa0", 2) == 0 ? 2 : strncmp(r, "\xe2\x80\xaf", 3) == 0 ? 3 : 0;
        if (n || *r == ' ' || *r == '\n' || *r == '\t' || *r == '\r' || *r == '\f') {
            r += n ? n : 1;
            space = true;
            continue;
        }
        if (space && w != s) {
            *w++ = ' ';
        }
        space = false;
        *w++ = *r++;
    }
    *w = 0;
    return s;
}

/* Run `cmd` (poppler's pdftotext or pdfinfo; %s is the file) on the PDF;
 * what it prints (new). */
static char *
pdf_tool(const char *cmd, const char *pdf, size_t len)
{
    char path[] = "/tmp/concerto-render-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, pdf, len), (ssize_t)len);
    close(fd);
    char line[256];
    snprintf(line, sizeof(line), cmd, path);
    FILE *p = popen(line, "r");
    assert_non_null(p);
    char *out = slurp(p, NULL);
    int status = pclose(p);
    unlink(path);
    if (status != 0) {
        fail_msg("\"%s\" failed (is poppler-utils installed?)", line);
    }
    return out;
}

static char *
pdf_text(const char *pdf, size_t len)
{
    return squash(pdf_tool("pdftotext -enc UTF-8 %s - 2>/dev/null", pdf, len));
}

static int
pdf_pages(const char *pdf, size_t len)
{
    char *info = pdf_tool("pdfinfo %s 2>/dev/null", pdf, len);
    const char *p = strstr(info, "Pages:");
    assert_non_null(p);
    int pages = atoi(p + 6);
    free(info);
    return pages;
}

/* The agenda titles, the meeting's title and the outcome of each vote. */
static void
assert_says_everything(const char *text, const json_t *root, bool html)
{
    size_t i;
    const json_t *it;
    assert_has(text, "Bilan 2020 et feuille de route 2021");
    assert_has(text, "CCR Hauts-de-France");
    json_array_foreach(json_object_get(root, "agenda"), i, it)
    {
        const char *title = json_string_value(json_object_get(it, "title"));
        if (html && strchr(title, '\'')) {
            /* the one special in these titles */
            char want[512];
            size_t k = 0;
            for (const char *c = title; *c && k + 6 < sizeof(want); c++) {
                if (*c == '\'') {
                    memcpy(want + k, "&#39;", 5);
                    k += 5;
                } else {
                    want[k++] = *c;
                }
            }
            want[k] = 0;
            assert_has(text, want);
        } else {
            assert_has(text, title);
        }
    }
    assert_int_equal(count(text, "Résultat : adopté"), 2);
    assert_has(text, "Résultat : option « jeudi 6 mai 2021 » retenue");
}

static void
assert_accents_intact(const char *text)
{
    assert_has(text, "Étaient présents");
    assert_has(text, "Excusés");
    assert_has(text, "Déports");
    assert_has(text, "Hélène Vasseur");
    assert_has(text, "mise en œuvre adaptée");
    assert_has(text, "l’ordre du jour");
    assert_has(text, "« indispensables et sans précédent »");
    assert_has(text, "déménagements…");
}

/* The record's chain head, 64 hex digits (borrowed from `root`). */
static const char *
chain_head(const json_t *root)
{
    const char *head = json_string_value(json_object_get(json_object_get(root, "chain"), "head"));
    assert_non_null(head);
    assert_int_equal(strlen(head), 64);
    return head;
}

/* The minutes entry whose text is `text`. */
static json_t *
entry_with(json_t *root, const char *text)
{
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(root, "minutes"), i, e)
    {
        if (strcmp(json_string_value(json_object_get(e, "text")), text) == 0) {
            return e;
        }
    }
    fail_msg("no entry \"%s\"", text);
    return NULL;
}

/* --- the three documents say the meeting --------------------------------- */

static void
test_render_md_has_title_items_votes_and_accents(void **state)
{
    (void)state;
    json_t *root = fixture_json();
    char *md = render_ok(render_md, root, NULL);
    assert_says_everything(md, root, false);
    assert_accents_intact(md);
    assert_has(md, "# Bilan 2020 et feuille de route 2021\n");
    assert_has(md, "**Procès-verbal de la réunion du mardi 2 février 2021 à\xc2\xa0"
                   "09:30**");
    assert_has(md,
               "## Étaient présents\n\n### Collège bailleurs\n\n| Nom | Présence | À la clôture |");
    assert_has(md, "| Claire Dubois | 09:28–clôture | présent | pouvoir de Sophie Martin |");
    assert_has(md, "| Sophie Martin (bailleurs) | Claire Dubois |");
    assert_has(md, "| Lucien Caron | Point 4 : Lancement de trois groupes de travail |");
    assert_has(md, "| 2.1 | Les deux confinements : continuité du service aux locataires |");
    /* automatic entries in italics, the secretary's upright, edits marked */
    assert_has(md, "- **09:32** — *Ouverture de la séance.*\n");
    assert_has(md, "- **09:36** — Hélène Vasseur ouvre la séance");
    assert_has(md, "depuis l’automne. (modifié)\n");
    /* a vote: how, the counts per college, the outcome, the roll call */
    assert_has(md, "- **Mode**\xc2\xa0: scrutin secret\n");
    assert_has(md, "| Option | Total | Collège bailleurs | Collège locataires |\n"
                   "|---|---:|---:|---:|\n| Pour | 5 | 3 | 2 |\n");
    assert_has(md, "Pour : Claire Dubois, Marc Lefebvre, Sophie Martin (pouvoir exercé par "
                   "Claire Dubois), Jean Moreau, Fatima Benali.");
    assert_has(md, "Scrutin secret : le journal établit qui a voté");
    assert_has(md, "| Claire Dubois | bailleurs | 4 | 8 min 25 s | 26,1\xc2\xa0% |");
    assert_has(md, "Journal de la séance : 157 événements");
    assert_has(md, chain_head(root));
    assert_has(md, "minisign -Vm pv-2021-02-02-ccr-hauts-de-france.md -p concerto.pub\n"
                   "concerto verify .");
    free(md);
    json_decref(root);
}

static void
test_render_html_has_title_items_votes_and_accents(void **state)
{
    (void)state;
    json_t *root = fixture_json();
    char *html = render_ok(render_html, root, NULL);
    assert_says_everything(html, root, true);
    assert_accents_intact(html);
    assert_true(strncmp(html, "<!DOCTYPE html>\n<html lang=\"fr\">", 32) == 0);
    assert_has(html, "<meta charset=\"utf-8\">");
    assert_has(html, "<style>");
    assert_has(html, "@media print");
    assert_has(html, "<h1>Bilan 2020 et feuille de route 2021</h1>");
    assert_has(html, "<p class=\"entry auto\"><span class=\"time\">09:32</span>Ouverture de la "
                     "séance.</p>");
    assert_has(html, "<td>Claire Dubois</td><td>09:28–clôture</td>");
    assert_has(html, "minisign -Vm pv-2021-02-02-ccr-hauts-de-france.html -p concerto.pub");
    /* standalone: no script, nothing fetched */
    assert_lacks(html, "<script");
    assert_lacks(html, "<link");
    assert_lacks(html, "src=");
    free(html);
    json_decref(root);
}

static void
test_render_html_escapes_hostile_text(void **state)
{
    (void)state;
    json_t *root = fixture_json();
    json_t *e = entry_with(root, "Questions diverses : aucune.");
    json_object_set_new(e, "text", json_string("<script>alert(\"x\")</script> & 'co'\nfin"));
    json_object_set_new(json_object_get(root, "meeting"), "title",
                        json_string("</title><script>alert(1)</script>"));
    char *html = render_ok(render_html, root, NULL);
    assert_lacks(html, "<script");
    assert_lacks(html, "</title><");
    assert_has(html, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;co&#39;<br>fin");
    assert_has(html, "<title>Procès-verbal — CCR Hauts-de-France — &lt;/title&gt;&lt;script&gt;");
    free(html);
    json_decref(root);
}

static void
test_render_md_escapes_markdown_in_user_text(void **state)
{
    (void)state;
    json_t *root = fixture_json();
    json_t *e = entry_with(root, "Questions diverses : aucune.");
    json_object_set_new(e, "text",
                        json_string("*gras* _x_ [lien](javascript:alert(1)) `code` "
                                    "<b>html</b> R&D a|b\n# titre\n- puce\n12. liste"));
    char *md = render_ok(render_md, root, NULL);
    assert_has(md,
               "- **11:52** — \\*gras\\* \\_x\\_ \\[lien\\](javascript:alert(1)) \\`code\\` "
               "\\<b\\>html\\</b\\> R\\&D a\\|b\\\n  \\# titre\\\n  \\- puce\\\n  12\\. liste\n");
    free(md);
    json_decref(root);
}

static void
test_render_pdf_has_title_items_votes_and_accents(void **state)
{
    (void)state;
    json_t *root = fixture_json();
    size_t len;
    char *pdf = render_ok(render_pdf, root, &len);
    assert_true(len > 1000);
    assert_memory_equal(pdf, "%PDF-", 5);
    char *text = pdf_text(pdf, len);
    assert_says_everything(text, root, false);
    assert_accents_intact(text);
    assert_has(text, "Hauts-de-France");
    assert_has(text, "œ");
    assert_has(text, "Point 2.4 : Accords locaux de prévention des impayés");
    assert_has(text, "Pour 5 3 2");
    assert_has(text, chain_head(root));
    assert_has(text, "minisign -Vm pv-2021-02-02-ccr-hauts-de-france.pdf -p concerto.pub concerto "
                     "verify .");
    /* header and footer on every page */
    int pages = pdf_pages(pdf, len);
    assert_true(pages >= 2);
    char footer[64];
    for (int i = 1; i <= pages; i++) {
        snprintf(footer, sizeof(footer), "page %d / %d", i, pages);
        assert_has(text, footer);
    }
    assert_int_equal(count(text, "CCR Hauts-de-France — Bilan 2020 et feuille de route 2021"),
                     (size_t)pages);
    free(text);
    free(pdf);
    json_decref(root);
}

static void
test_render_pdf_carries_metadata_from_the_record(void **state)
{
    (void)state;
    json_t *root = fixture_json();
    size_t len;
    char *pdf = render_ok(render_pdf, root, &len);
    char *info = squash(pdf_tool("pdfinfo -isodates %s 2>/dev/null", pdf, len));
    assert_has(info, "Title: Procès-verbal — CCR Hauts-de-France — Bilan 2020 et feuille de route "
                     "2021 ");
    assert_has(info, "Author: CCR Hauts-de-France ");
    assert_has(info, "CreationDate: 2021-02-02T12:07:00+01");
    assert_has(info, "ModDate: 2021-02-02T12:07:00+01");
    assert_has(info, "Page size: 595.276 x 841.89 pts (A4)");
    free(info);
    free(pdf);
    json_decref(root);
}

/* The server renders from the record without its events (record_state()):
 * every document must be the same bytes as from the whole record.json. */
static void
test_render_reads_nothing_from_the_events(void **state)
{
    (void)state;
    json_t *root = fixture_json();
    assert_true(json_array_size(json_object_get(root, "events")) > 0);
    json_t *bare = json_deep_copy(root);
    json_object_set_new(bare, "events", json_array());
    for (size_t f = 0; f < sizeof(all) / sizeof(all[0]); f++) {
        size_t a_len, b_len;
        char *a = render_ok(all[f], root, &a_len);
        char *b = render_ok(all[f], bare, &b_len);
        assert_int_equal(a_len, b_len);
        assert_memory_equal(a, b, a_len);
        free(a);
        free(b);
    }
    json_decref(bare);
    json_decref(root);
}

static void
test_render_pdf_gives_the_same_bytes_twice(void **state)
{
    (void)state;
    json_t *root = fixture_json();
    size_t a_len, b_len;
    char *a = render_ok(render_pdf, root, &a_len);
    char *b = render_ok(render_pdf, root, &b_len);
    assert_int_equal(a_len, b_len);
    assert_memory_equal(a, b, a_len);
    free(a);
    free(b);
    json_decref(root);
}

static void
test_render_speaks_english_when_the_meeting_does(void **state)
{
    (void)state;
    json_t *root = fixture_json();
    json_object_set_new(root, "lang", json_string("en"));
    char *md = render_ok(render_md, root, NULL);
    assert_has(md, "**Minutes of the meeting of Tuesday 2 February 2021 at 09:30**");
    assert_has(md, "## Present\n");
    assert_has(md, "**Result: adopted**");
    assert_has(md, "**Result: option \"jeudi 6 mai 2021\" chosen**");
    assert_has(md, "Approved by Hélène Vasseur on Wednesday 3 February 2021 at 10:02.");
    assert_has(md, "Meeting log: 157 events");
    assert_lacks(md, "Étaient présents");
    char *html = render_ok(render_html, root, NULL);
    assert_true(strncmp(html, "<!DOCTYPE html>\n<html lang=\"en\">", 32) == 0);
    size_t len;
    char *pdf = render_ok(render_pdf, root, &len);
    char *text = pdf_text(pdf, len);
    assert_has(text, "Speaking time");
    assert_has(text, "page 1 / ");
    free(text);
    free(pdf);
    free(html);
    free(md);
    json_decref(root);
}

static void
test_render_notes_a_cancelled_vote_and_skips_one_never_opened(void **state)
{
    (void)state;
    json_t *root = fixture_json();
    json_t *votes = json_object_get(root, "votes");
    json_array_append_new(
        votes,
        json_pack("{s:s,s:s,s:s,s:s,s:[sss],s:s,s:s,s:s,s:I,s:I,s:[],s:[],s:[],s:[]}", "id", "v4",
                  "item", "i7", "question", "Report de la feuille de route", "kind", "yesno",
                  "options", "yes", "no", "abstain", "mode", "named", "rule", "simple", "state",
                  "cancelled", "opened_at", (json_int_t)1612260300000, "closed_at",
                  (json_int_t)1612260360000, "counts", "colleges", "college_counts", "ballots"));
    json_array_append_new(
        votes, json_pack("{s:s,s:s,s:s,s:s,s:[sss],s:s,s:s,s:s,s:I,s:I,s:[],s:[],s:[],s:[]}", "id",
                         "v5", "item", "i12", "question", "Motion jamais ouverte", "kind", "yesno",
                         "options", "yes", "no", "abstain", "mode", "secret", "rule", "simple",
                         "state", "prepared", "opened_at", (json_int_t)0, "closed_at",
                         (json_int_t)0, "counts", "colleges", "college_counts", "ballots"));
    char *md = render_ok(render_md, root, NULL);
    assert_has(md, "Le vote « Report de la feuille de route » a été annulé.");
    assert_lacks(md, "Motion jamais ouverte");
    assert_int_equal(count(md, "**Vote :"), 3);
    free(md);
    json_decref(root);
}

/* --- long records break across pages ------------------------------------- */

static void
test_render_pdf_paginates_a_long_record(void **state)
{
    (void)state;
    json_t *root = fixture_json();
    json_t *minutes = json_array();
    char text[1200];
    for (int i = 0; i < 400; i++) {
        snprintf(text, sizeof(text),
                 "Mention %d : les participants reviennent sur la mise en œuvre des accords "
                 "locaux, la tranquillité résidentielle et le parcours résidentiel des "
                 "locataires ; « chaque organisme » présente ses chiffres.%s",
                 i,
                 i % 50 == 0 ? "\nUn second paragraphe, plus long, détaille les mesures "
                               "d’accompagnement social proposées aux ménages âgés."
                             : "");
        json_array_append_new(minutes, json_pack("{s:I,s:s,s:s,s:s,s:[],s:s,s:b}", "ts",
                                                 (json_int_t)1612254720000 + i * 10000, "item",
                                                 i < 200 ? "i2" : "i7", "source",
                                                 i % 3 ? "secretary" : "auto", "text", text,
                                                 "speakers", "entry", "", "edited", 0));
    }
    json_object_set_new(root, "minutes", minutes);
    size_t len;
    char *pdf = render_ok(render_pdf, root, &len);
    int pages = pdf_pages(pdf, len);
    assert_true(pages >= 10);
    char *out = pdf_text(pdf, len);
    assert_has(out, "Mention 0 :");
    assert_has(out, "Mention 399 : les participants reviennent");
    char footer[64];
    snprintf(footer, sizeof(footer), "page %d / %d", pages, pages);
    assert_has(out, footer);
    free(out);
    free(pdf);
    json_decref(root);
}

/* --- what is not a record ------------------------------------------------ */

static void
test_render_refuses_malformed_json(void **state)
{
    (void)state;
    static const char *const bad[] = {"",
                                      "{",
                                      "{\"format\":",
                                      "nul",
                                      "[1,2",
                                      "{\"a\":1,\"a\":2}",
                                      "{\"format\":\"\xff\xfe\"}",
                                      "{\"t\":\"\\u0000\"}"};
    for (size_t f = 0; f < 3; f++) {
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
            char *out = (char *)1;
            size_t len = 99;
            assert_int_equal(all[f](bad[i], strlen(bad[i]), &out, &len), ERR_BAD_JSON);
            assert_null(out);
            assert_int_equal(len, 0);
        }
        char *out;
        size_t len;
        assert_int_equal(all[f](NULL, 0, &out, &len), ERR_BAD_JSON);
    }
}

/* Remove or change one field (by a path "a.b" or "a.0.b"): ERR_INVALID. */
static void
assert_invalid_after(const char *path, json_t *value)
{
    json_t *root = fixture_json();
    json_t *parent = root;
    char key[64];
    const char *p = path;
    for (;;) {
        size_t n = strcspn(p, ".");
        snprintf(key, sizeof(key), "%.*s", (int)n, p);
        if (!p[n]) {
            break;
        }
        parent = json_is_array(parent) ? json_array_get(parent, (size_t)atoi(key))
                                       : json_object_get(parent, key);
        assert_non_null(parent);
        p += n + 1;
    }
    if (json_is_array(parent)) {
        size_t i = (size_t)atoi(key);
        if (value) {
            json_array_set_new(parent, i, value);
        } else {
            json_array_remove(parent, i);
        }
    } else if (value) {
        json_object_set_new(parent, key, value);
    } else {
        assert_int_equal(json_object_del(parent, key), 0);
    }
    for (size_t f = 0; f < 2; f++) {
        char *out = (char *)1;
        size_t len = 99;
        int rc = render_json(all[f], root, &out, &len);
        if (rc != ERR_INVALID) {
            fail_msg("%s: rc %d, expected invalid", path, rc);
        }
        assert_null(out);
    }
    json_decref(root);
}

static void
test_render_refuses_a_record_missing_fields(void **state)
{
    (void)state;
    static const char *const required[] = {"format",
                                           "commission",
                                           "meeting",
                                           "participants",
                                           "agenda",
                                           "votes",
                                           "minutes",
                                           "finalized",
                                           "chain",
                                           "commission.name",
                                           "meeting.title",
                                           "meeting.closed_at",
                                           "participants.0.id",
                                           "participants.0.name",
                                           "agenda.3.id",
                                           "agenda.3.title",
                                           "votes.0.id",
                                           "votes.0.question",
                                           "votes.0.options",
                                           "votes.0.counts",
                                           "votes.0.state",
                                           "minutes.5.ts",
                                           "minutes.5.text",
                                           "finalized.by",
                                           "finalized.at",
                                           "chain.head",
                                           "chain.events"};
    for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
        assert_invalid_after(required[i], NULL);
    }
    /* the shapes that index each other must agree */
    assert_invalid_after("votes.0.counts.2", NULL); /* counts: none, or one per option */
    assert_invalid_after("votes.0.college_counts.5", NULL);
    assert_invalid_after("votes.0.options.1", json_integer(1));
    assert_invalid_after("votes.0.ballots.0.voter", NULL);
    /* wrong types and values */
    assert_invalid_after("format", json_string("concerto-record/2"));
    assert_invalid_after("lang", json_string("de"));
    assert_invalid_after("meeting.title", json_integer(3));
    assert_invalid_after("meeting.closed_at", json_string("12:07"));
    assert_invalid_after("participants.0", json_string("vasseur"));
    assert_invalid_after("minutes.0.edited", json_string("yes"));
    assert_invalid_after("chain.head", json_string("not hex"));
    assert_invalid_after("approved", json_string("vasseur"));
    assert_invalid_after("attendance.colleges.bailleurs.present", json_null());

    char *out;
    size_t len;
    assert_int_equal(render_md("[]", 2, &out, &len), ERR_INVALID);
    assert_int_equal(render_pdf("{}", 2, &out, &len), ERR_INVALID);
}

/* Any field of any shape: a document or ERR_INVALID, never a crash. */
static void
test_render_survives_any_type_in_any_field(void **state)
{
    (void)state;
    static const char *const objects[] = {
        "",          "meeting", "commission", "participants.2",    "agenda.2", "votes.0",
        "minutes.3", "chain",   "attendance", "attendance.quorum", "finalized"};
    json_t *probe = fixture_json();
    size_t tried = 0;
    for (size_t o = 0; o < sizeof(objects) / sizeof(objects[0]); o++) {
        for (int kind = 0; kind < 6; kind++) {
            json_t *target = probe;
            char path[64];
            snprintf(path, sizeof(path), "%s", objects[o]);
            for (char *tok = strtok(path, "."); tok; tok = strtok(NULL, ".")) {
                target = json_is_array(target) ? json_array_get(target, (size_t)atoi(tok))
                                               : json_object_get(target, tok);
            }
            const char *key;
            json_t *v;
            json_object_foreach(target, key, v)
            {
                json_t *root = json_deep_copy(probe);
                json_t *t = root;
                snprintf(path, sizeof(path), "%s", objects[o]);
                for (char *tok = strtok(path, "."); tok; tok = strtok(NULL, ".")) {
                    t = json_is_array(t) ? json_array_get(t, (size_t)atoi(tok))
                                         : json_object_get(t, tok);
                }
                json_t *values[] = {json_null(),  json_integer(-5), json_string("x"),
                                    json_array(), json_object(),    json_true()};
                json_object_set_new(t, key, values[kind]);
                for (int k = 0; k < 6; k++) {
                    if (k != kind) {
                        json_decref(values[k]);
                    }
                }
                for (size_t f = 0; f < 2; f++) {
                    char *out = NULL;
                    size_t len = 0;
                    int rc = render_json(all[f], root, &out, &len);
                    assert_true(rc == 0 || rc == ERR_INVALID);
                    assert_true((rc == 0) == (out != NULL));
                    free(out);
                }
                tried++;
                json_decref(root);
            }
        }
    }
    assert_true(tried > 300);
    json_decref(probe);
}

static void
test_render_a_minimal_record_in_all_formats(void **state)
{
    (void)state;
    static const char minimal[] =
        "{\"agenda\":[],\"chain\":{\"events\":0,\"head\":\"00\"},\"commission\":{\"name\":\"\"},"
        "\"finalized\":{\"at\":0,\"by\":\"\"},\"format\":\"concerto-record/1\","
        "\"meeting\":{\"closed_at\":0,\"title\":\"\"},\"minutes\":[],\"participants\":[],"
        "\"votes\":[]}";
    for (size_t f = 0; f < 3; f++) {
        char *out = NULL;
        size_t len = 0;
        assert_int_equal(all[f](minimal, sizeof(minimal) - 1, &out, &len), 0);
        assert_non_null(out);
        assert_true(len > 100);
        free(out);
    }
}

/* --- a large record ------------------------------------------------------ */

static double
now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void
test_render_a_large_record_and_time_it(void **state)
{
    (void)state;
    json_t *root = fixture_json();
    json_t *minutes = json_array(), *events = json_array();
    static const char *const items[] = {"i1", "i2", "i3", "i4",  "i5", "i6",
                                        "i7", "i8", "i9", "i10", "i12"};
    char text[600];
    for (int i = 0; i < 2000; i++) {
        snprintf(text, sizeof(text),
                 "Entrée %d : Claire Dubois et Jean Moreau échangent sur la mise en œuvre de "
                 "l’accord « prévention des impayés » ; le secrétariat note les engagements "
                 "pris par chacun des bailleurs pour le trimestre à venir.",
                 i);
        json_array_append_new(
            minutes,
            json_pack("{s:I,s:s,s:s,s:s,s:[s],s:s,s:b}", "ts", (json_int_t)1612254720000 + i * 3000,
                      "item", items[i / 182], "source", i % 2 ? "secretary" : "auto", "text", text,
                      "speakers", "dubois", "entry", i % 2 ? "e" : "", "edited", i % 7 == 0));
    }
    for (int i = 0; i < 50000; i++) {
        char hash[65];
        snprintf(hash, sizeof(hash), "%064x", i);
        json_array_append_new(
            events, json_pack("{s:s,s:i,s:I,s:s,s:s,s:{s:s,s:s,s:s},s:s}", "meeting", "ccr-2021-02",
                              "seq", i + 1, "ts", (json_int_t)1612254720000 + i * 100, "actor",
                              "moreau", "type", "speaker.requested", "body", "participant",
                              "moreau", "kind", "contribution", "item", "i2", "hash", hash));
    }
    json_object_set_new(root, "minutes", minutes);
    json_object_set_new(root, "events", events);
    json_object_set_new(json_object_get(root, "chain"), "events", json_integer(50000));
    char *json = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
    size_t json_len = strlen(json);
    double ms[3];
    size_t lens[3];
    char *pdf = NULL;
    for (size_t f = 0; f < 3; f++) {
        char *out;
        double t0 = now_ms();
        assert_int_equal(all[f](json, json_len, &out, &lens[f]), 0);
        ms[f] = now_ms() - t0;
        if (f == 2) {
            pdf = out;
        } else {
            assert_has(out, "Entrée 1999 :");
            assert_has(out, "50\xc2\xa0"
                            "000 événements");
            free(out);
        }
    }
    int pages = pdf_pages(pdf, lens[2]);
    assert_true(pages >= 50);
    print_message("large record: 2,000 entries, 50,000 events, %.1f MB of JSON\n"
                  "  md   %7.1f ms  %zu bytes\n  html %7.1f ms  %zu bytes\n"
                  "  pdf  %7.1f ms  %zu bytes, %d pages\n",
                  (double)json_len / 1e6, ms[0], lens[0], ms[1], lens[1], ms[2], lens[2], pages);
    free(pdf);
    free(json);
    json_decref(root);
}

/* --- the word table ---------------------------------------------------- */

static void
test_every_word_is_written_in_both_languages(void **state)
{
    (void)state;
    for (int w = 0; w < W_COUNT; w++) {
        assert_non_null(words_get(FR, (enum word)w));
        assert_non_null(words_get(EN, (enum word)w));
    }
}

static void
test_counts_agree_with_their_number(void **state)
{
    (void)state;
    char out[64];
    words_count(FR, W_Q_PRESENT_1, 0, out, sizeof(out));
    assert_string_equal(out, "0 membre présent");
    words_count(FR, W_Q_PRESENT_1, 1, out, sizeof(out));
    assert_string_equal(out, "1 membre présent");
    words_count(FR, W_Q_PRESENT_1, 2, out, sizeof(out));
    assert_string_equal(out, "2 membres présents");
    words_count(EN, W_Q_PRESENT_1, 0, out, sizeof(out));
    assert_string_equal(out, "0 members present");
    words_count(EN, W_Q_PRESENT_1, 1, out, sizeof(out));
    assert_string_equal(out, "1 member present");
}

static void
test_a_quorum_lost_in_a_college_names_the_college_not_the_overall_count(void **state)
{
    (void)state;
    static const char *const colleges[] = {"bailleurs", "locataires"};
    static const long long present[] = {6, 1}, required[] = {3, 2};
    struct words_quorum q = {.present = 7,
                             .required = 5,
                             .n = 2,
                             .colleges = colleges,
                             .cpresent = present,
                             .crequired = required};
    char out[512];
    words_quorum(FR, W_Q_LOST, &q, out, sizeof(out));
    assert_string_equal(out, "Le quorum n’est plus atteint : collège locataires : 1 présent pour 2 "
                             "requis (en tout : 7 membres présents pour 5 requis).");
    words_quorum(EN, W_Q_CLOSE_NOT_MET, &q, out, sizeof(out));
    assert_string_equal(out, "Quorum at the close: not met, college locataires: 1 present, 2 "
                             "required (overall: 7 members present, 5 required).");
    q.present = 4; /* both fail: both are named */
    words_quorum(FR, W_Q_LOST, &q, out, sizeof(out));
    assert_string_equal(out, "Le quorum n’est plus atteint : 4 membres présents pour 5 requis ; "
                             "collège locataires : 1 présent pour 2 requis.");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_word_is_written_in_both_languages),
        cmocka_unit_test(test_counts_agree_with_their_number),
        cmocka_unit_test(test_a_quorum_lost_in_a_college_names_the_college_not_the_overall_count),
        cmocka_unit_test(test_render_md_has_title_items_votes_and_accents),
        cmocka_unit_test(test_render_html_has_title_items_votes_and_accents),
        cmocka_unit_test(test_render_html_escapes_hostile_text),
        cmocka_unit_test(test_render_md_escapes_markdown_in_user_text),
        cmocka_unit_test(test_render_pdf_has_title_items_votes_and_accents),
        cmocka_unit_test(test_render_pdf_carries_metadata_from_the_record),
        cmocka_unit_test(test_render_pdf_gives_the_same_bytes_twice),
        cmocka_unit_test(test_render_speaks_english_when_the_meeting_does),
        cmocka_unit_test(test_render_notes_a_cancelled_vote_and_skips_one_never_opened),
        cmocka_unit_test(test_render_pdf_paginates_a_long_record),
        cmocka_unit_test(test_render_refuses_malformed_json),
        cmocka_unit_test(test_render_refuses_a_record_missing_fields),
        cmocka_unit_test(test_render_survives_any_type_in_any_field),
        cmocka_unit_test(test_render_a_minimal_record_in_all_formats),
        cmocka_unit_test(test_render_a_large_record_and_time_it),
        cmocka_unit_test(test_render_reads_nothing_from_the_events),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
