/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * render.c - record.json to Markdown, HTML and PDF (see render.h): the entry
 * points, which tie the steps together.
 *
 *   record.json --check--> struct rec --build--> struct doc --+--> md_emit   (render_md.c)
 *    (jansson)              (validated)            (blocks)     +--> html_emit (render_html.c)
 *               render_rec.c            render_build.c          +--> pdf_emit  (render_pdf.c:
 *                                                                    pango, cairo)
 *   struct doc and struct buf, the text the back-ends write: render_doc.c
 *
 * The steps share their types and helpers through render_impl.h, which no
 * other part of the server includes. Another short document (the
 * convocation, convoc.c) gives its own blocks through render_doc_html and
 * render_doc_pdf and is laid out by the same back-ends.
 *
 * Invariant: each entry point returns 0 with the whole document, or an
 * error with *out NULL: a record that does not check, or any allocation,
 * PDF library or stop failure on the way, is an error, never a shorter
 * document.
 */
#include "render.h"

#include "../err.h"
#include "../proto/proto.h"
#include "record.h"
#include "render_impl.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

enum format { FMT_MD, FMT_HTML, FMT_PDF };

static int
render(const char *json, size_t json_len, enum format fmt, char **out, size_t *len,
       const struct render_stop *stop)
{
    static const char *const exts[] = {".md", ".html", ".pdf"};
    char file[320];
    struct rec r;
    struct doc d = {0};
    struct buf b = {0};
    json_t *root = NULL;
    int rc = ERR_BAD_JSON;
    *out = NULL;
    *len = 0;
    memset(&r, 0, sizeof(r));
    root = json ? proto_json_load(json, json_len, JSON_REJECT_DUPLICATES, &rc) : NULL;
    if (!root) {
        goto fail;
    }
    if ((rc = rec_open(&r, root)) != 0) {
        goto fail;
    }
    record_file_name(get_str(r.meeting, "date"), get_str(r.commission, "name"),
                     get_str(r.commission, "id"), get_str(r.meeting, "id"), exts[fmt], file,
                     sizeof(file));
    if ((rc = doc_build(&d, &r, file))) {
        goto fail;
    }
    switch (fmt) {
    case FMT_MD:
        md_emit(&d, &b);
        break;
    case FMT_HTML:
        html_emit(&d, &b);
        break;
    case FMT_PDF:
        rc = pdf_emit(&d, &b, stop);
        break;
    }
    size_t n = b.len;
    char *text = buf_take(&b);
    if (rc == 0 && !text) {
        rc = ERR_NOMEM;
    }
    if (rc) {
        free(text);
        goto fail;
    }
    *out = text;
    *len = n;
fail:
    free(b.p);
    doc_free(&d);
    rec_close(&r);
    json_decref(root);
    return rc;
}

int
render_md(const char *json, size_t json_len, char **out, size_t *len)
{
    return render(json, json_len, FMT_MD, out, len, NULL);
}

int
render_html(const char *json, size_t json_len, char **out, size_t *len)
{
    return render(json, json_len, FMT_HTML, out, len, NULL);
}

int
render_pdf(const char *json, size_t json_len, char **out, size_t *len)
{
    return render(json, json_len, FMT_PDF, out, len, NULL);
}

int
render_pdf_until(const char *json, size_t json_len, char **out, size_t *len,
                 const struct render_stop *stop)
{
    return render(json, json_len, FMT_PDF, out, len, stop);
}

/* --- a document given block by block (render_doc) --------------------- */

static int
doc_from(const struct render_doc *rd, struct doc *d)
{
    memset(d, 0, sizeof(*d));
    d->lang = rd->lang && strcmp(rd->lang, "en") == 0 ? EN : FR;
    d->title = str_printf("%s", rd->title ? rd->title : "");
    d->header = str_printf("%s", rd->header ? rd->header : "");
    d->author = str_printf("%s", rd->author ? rd->author : "");
    d->created = str_printf("%s", rd->created ? rd->created : "");
    d->oom = !d->title || !d->header || !d->author || !d->created;
    struct table *rows = NULL;
    for (size_t i = 0; i < rd->n && !d->oom; i++) {
        const struct render_block *k = &rd->v[i];
        const char *text = k->text ? k->text : "";
        if (k->kind != RENDER_ROW) {
            rows = NULL;
        }
        switch (k->kind) {
        case RENDER_KICKER:
            doc_add(d, BK_PARA, ST_KICKER, text);
            break;
        case RENDER_TITLE:
            doc_add(d, BK_H1, ST_NORMAL, text);
            break;
        case RENDER_HEADING:
            doc_add(d, BK_H2, ST_NORMAL, text);
            break;
        case RENDER_SUBHEADING:
            doc_add(d, BK_H3, ST_NORMAL, text);
            break;
        case RENDER_PARA:
            doc_add(d, BK_PARA, ST_NORMAL, text);
            break;
        case RENDER_META:
            doc_add(d, BK_PARA, ST_META, text);
            break;
        case RENDER_ROW:
            if (!rows) {
                rows = doc_table(d, 2, false);
            }
            table_cell(d, rows, text);
            table_cell(d, rows, k->value ? k->value : "");
            break;
        }
    }
    return d->oom ? ERR_NOMEM : 0;
}

static int
doc_render(const struct render_doc *rd, enum format fmt, char **out, size_t *len)
{
    struct doc d;
    struct buf b = {0};
    *out = NULL;
    *len = 0;
    int rc = doc_from(rd, &d);
    if (rc == 0) {
        if (fmt == FMT_PDF) {
            rc = pdf_emit(&d, &b, NULL);
        } else {
            html_emit(&d, &b);
        }
    }
    size_t n = b.len;
    char *text = rc == 0 ? buf_take(&b) : NULL;
    if (rc == 0 && !text) {
        rc = ERR_NOMEM;
    }
    if (rc == 0) {
        *out = text;
        *len = n;
    }
    free(b.p);
    doc_free(&d);
    return rc;
}

int
render_doc_html(const struct render_doc *rd, char **out, size_t *len)
{
    return doc_render(rd, FMT_HTML, out, len);
}

int
render_doc_pdf(const struct render_doc *rd, char **out, size_t *len)
{
    return doc_render(rd, FMT_PDF, out, len);
}
