/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * documents.c - documents attached to agenda items: which formats are
 * accepted, how a file is recognised, and the document.added /
 * document.removed events.
 *
 * A document is known by the SHA-256 of its bytes; the bytes themselves are
 * stored by the server apart from the log (content-addressed, see
 * server/hub/documents.c), the log says which content was attached to which
 * item, under which name, when, and by whom. So the chain, and the signed
 * record built from it, prove which version of a document was on the table.
 * A removed document stays in the state, marked, like a removed item: the
 * record still lists what was attached and when it was taken off.
 *
 * Recognition is by content and name together: the first bytes must be
 * those of the format the extension names (a PDF named .png is refused, as
 * is an HTML page named .pdf). Office files of ODF and OOXML are zip
 * archives: ODF names its type in the archive's first entry ("mimetype",
 * stored), OOXML has a [Content_Types].xml and a folder per kind (word/,
 * xl/, ppt/), whose names appear uncompressed in the archive. The legacy
 * .doc and .xls are OLE compound files, recognised by their signature.
 */
#include "internal.h"

#include "../err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct format {
    const char *name;
    const char *mime;
    const char *ext[2]; /* accepted extensions, lowercase, without the dot */
};

static const struct format formats[] = {
    {"pdf", "application/pdf", {"pdf", NULL}},
    {"odt", "application/vnd.oasis.opendocument.text", {"odt", NULL}},
    {"ods", "application/vnd.oasis.opendocument.spreadsheet", {"ods", NULL}},
    {"odp", "application/vnd.oasis.opendocument.presentation", {"odp", NULL}},
    {"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
     {"docx", NULL}},
    {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", {"xlsx", NULL}},
    {"pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation",
     {"pptx", NULL}},
    {"doc", "application/msword", {"doc", NULL}},
    {"xls", "application/vnd.ms-excel", {"xls", NULL}},
    {"png", "image/png", {"png", NULL}},
    {"jpeg", "image/jpeg", {"jpg", "jpeg"}},
};
#define NFORMATS (sizeof(formats) / sizeof(formats[0]))

static const struct format *
format_find(const char *name)
{
    for (size_t i = 0; name && i < NFORMATS; i++) {
        if (strcmp(formats[i].name, name) == 0) {
            return &formats[i];
        }
    }
    return NULL;
}

const char *
doc_format_mime(const char *format)
{
    const struct format *f = format_find(format);
    return f ? f->mime : NULL;
}

static bool
has_bytes(const unsigned char *buf, size_t len, size_t at, const char *s, size_t n)
{
    return len >= at + n && memcmp(buf + at, s, n) == 0;
}

static bool
contains(const unsigned char *buf, size_t len, const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i + n <= len; i++) {
        if (buf[i] == (unsigned char)s[0] && memcmp(buf + i, s, n) == 0) {
            return true;
        }
    }
    return false;
}

/* The format the content says, before the name is considered. */
static const char *
content_format(const unsigned char *buf, size_t len)
{
    if (has_bytes(buf, len, 0, "%PDF-", 5)) {
        return "pdf";
    }
    if (has_bytes(buf, len, 0, "\x89PNG\r\n\x1a\n", 8)) {
        return "png";
    }
    if (has_bytes(buf, len, 0, "\xff\xd8\xff", 3)) {
        return "jpeg";
    }
    if (has_bytes(buf, len, 0, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8)) {
        return "ole"; /* .doc or .xls: the name tells */
    }
    if (!has_bytes(buf, len, 0, "PK\x03\x04", 4)) {
        return NULL;
    }
    /* ODF: the first entry is "mimetype", stored, holding the type. */
    static const char odf[] = "mimetypeapplication/vnd.oasis.opendocument.";
    if (has_bytes(buf, len, 30, odf, sizeof(odf) - 1)) {
        size_t at = 30 + sizeof(odf) - 1;
        if (has_bytes(buf, len, at, "text", 4) && !has_bytes(buf, len, at + 4, "-", 1)) {
            return "odt";
        }
        if (has_bytes(buf, len, at, "spreadsheet", 11) && !has_bytes(buf, len, at + 11, "-", 1)) {
            return "ods";
        }
        if (has_bytes(buf, len, at, "presentation", 12) &&
            !has_bytes(buf, len, at + 12, "-", 1)) {
            return "odp";
        }
        return NULL;
    }
    if (!contains(buf, len, "[Content_Types].xml")) {
        return NULL;
    }
    if (contains(buf, len, "word/document.xml")) {
        return "docx";
    }
    if (contains(buf, len, "xl/workbook.xml")) {
        return "xlsx";
    }
    if (contains(buf, len, "ppt/presentation.xml")) {
        return "pptx";
    }
    return NULL;
}

/* The extension of `name`, lowercased into out; "" when none. */
static void
extension(const char *name, char *out, size_t outlen)
{
    const char *dot = strrchr(name, '.');
    out[0] = 0;
    if (!dot || strlen(dot + 1) >= outlen) {
        return;
    }
    size_t i = 0;
    for (const char *p = dot + 1; *p; p++) {
        out[i++] = (*p >= 'A' && *p <= 'Z') ? (char)(*p - 'A' + 'a') : *p;
    }
    out[i] = 0;
}

const char *
doc_sniff(const unsigned char *buf, size_t len, const char *name)
{
    char ext[8];
    if (!buf || !name) {
        return NULL;
    }
    extension(name, ext, sizeof(ext));
    const char *by_content = content_format(buf, len);
    if (!by_content || !ext[0]) {
        return NULL;
    }
    for (size_t i = 0; i < NFORMATS; i++) {
        const struct format *f = &formats[i];
        bool ext_ok = (f->ext[0] && strcmp(f->ext[0], ext) == 0) ||
                      (f->ext[1] && strcmp(f->ext[1], ext) == 0);
        if (!ext_ok) {
            continue;
        }
        bool ole = strcmp(by_content, "ole") == 0 &&
                   (strcmp(f->name, "doc") == 0 || strcmp(f->name, "xls") == 0);
        return (ole || strcmp(by_content, f->name) == 0) ? f->name : NULL;
    }
    return NULL;
}

/* Length of the UTF-8 sequence at s (1..4), 0 when it is not valid UTF-8
 * (overlong forms, surrogates and code points beyond U+10FFFF refused). */
static size_t
utf8_len(const unsigned char *s)
{
    if (s[0] < 0x80) {
        return 1;
    }
    size_t n = (s[0] & 0xe0) == 0xc0 ? 2 : (s[0] & 0xf0) == 0xe0 ? 3 : (s[0] & 0xf8) == 0xf0 ? 4 : 0;
    if (n == 0 || (n == 2 && s[0] < 0xc2)) {
        return 0;
    }
    uint32_t cp = s[0] & (0x7f >> n);
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
        (n == 4 && (cp < 0x10000 || cp > 0x10ffff))) {
        return 0;
    }
    if (cp >= 0x80 && cp < 0xa0) {
        return 0; /* C1 controls */
    }
    return n;
}

bool
doc_name_valid(const char *name)
{
    size_t len = name ? strlen(name) : 0;
    if (len == 0 || len > DOC_NAME_MAX || name[0] == '.') {
        return false;
    }
    const unsigned char *s = (const unsigned char *)name;
    for (size_t i = 0; i < len;) {
        if (s[i] < 0x20 || s[i] == 0x7f || s[i] == '/' || s[i] == '\\' || s[i] == '"') {
            return false;
        }
        size_t n = utf8_len(s + i);
        if (n == 0) {
            return false;
        }
        i += n;
    }
    return true;
}

bool
doc_sha_valid(const char *s)
{
    if (!s || strlen(s) != DOC_SHA_LEN) {
        return false;
    }
    for (; *s; s++) {
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f'))) {
            return false;
        }
    }
    return true;
}

int32_t
meeting_document_index(const struct meeting *m, const char *item, const char *sha256, bool any)
{
    int32_t it = item ? meeting_item_index(m, item) : -1;
    if (item && it < 0) {
        return -1;
    }
    for (size_t i = m->ndocs; i-- > 0;) {
        const struct document *d = &m->docs[i];
        if ((!d->removed || any) && (!item || d->item == (uint32_t)it) &&
            strcmp(d->sha256, sha256) == 0) {
            return (int32_t)i;
        }
    }
    return -1;
}

static size_t
live_on(const struct meeting *m, uint32_t item)
{
    size_t n = 0;
    for (size_t i = 0; i < m->ndocs; i++) {
        n += !m->docs[i].removed && m->docs[i].item == item;
    }
    return n;
}

int
documents_apply(struct meeting *m, const struct event *ev)
{
    if (ev->type != EV_DOCUMENT_ADDED && ev->type != EV_DOCUMENT_REMOVED) {
        return 1;
    }
    int32_t it = meeting_item_index(m, ev->b.item);
    if (it < 0 || !ev->b.sha256) {
        return ERR_INTERNAL;
    }
    if (ev->type == EV_DOCUMENT_REMOVED) {
        int32_t d = meeting_document_index(m, ev->b.item, ev->b.sha256, false);
        if (d < 0) {
            return ERR_INTERNAL;
        }
        m->docs[d].removed = true;
        return 0;
    }
    if (!ev->b.name || !ev->b.format || strlen(ev->b.format) >= sizeof(m->docs->format)) {
        return ERR_INTERNAL;
    }
    if (m->ndocs == m->capdocs) {
        size_t cap = m->capdocs ? m->capdocs * 2 : 8;
        struct document *v = realloc(m->docs, cap * sizeof(*v));
        if (!v) {
            return ERR_NOMEM;
        }
        m->docs = v;
        m->capdocs = cap;
    }
    struct document *d = &m->docs[m->ndocs];
    memset(d, 0, sizeof(*d));
    if (!(d->name = core_strdup(ev->b.name))) {
        return ERR_NOMEM;
    }
    snprintf(d->sha256, sizeof(d->sha256), "%s", ev->b.sha256);
    snprintf(d->format, sizeof(d->format), "%s", ev->b.format);
    d->size = ev->b.size;
    d->item = (uint32_t)it;
    d->added = ev->ts;
    m->ndocs++;
    return 0;
}

int
meeting_document_add(struct meeting *m, const struct body *b, const char *actor, int64_t now,
                     struct evlist *out)
{
    int32_t it = b->item ? meeting_item_index(m, b->item) : -1;
    if (it < 0 || m->items[it].removed) {
        return ERR_NOT_FOUND;
    }
    if (m->state == MEETING_CLOSED) {
        return ERR_BAD_STATE;
    }
    if (!doc_sha_valid(b->sha256) || !doc_name_valid(b->name) || !format_find(b->format) ||
        b->size <= 0) {
        return ERR_INVALID;
    }
    if (meeting_document_index(m, b->item, b->sha256, false) >= 0) {
        return ERR_CONFLICT;
    }
    if (live_on(m, (uint32_t)it) >= DOC_PER_ITEM) {
        return ERR_TOO_LARGE;
    }
    struct event *ev = core_emit(m, out, EV_DOCUMENT_ADDED, actor, now);
    if (!ev) {
        return ERR_NOMEM;
    }
    ev->b.has = HAS_SIZE;
    ev->b.size = b->size;
    if (!(ev->b.item = core_strdup(b->item)) || !(ev->b.sha256 = core_strdup(b->sha256)) ||
        !(ev->b.name = core_strdup(b->name)) || !(ev->b.format = core_strdup(b->format))) {
        core_emit_drop(out);
        return ERR_NOMEM;
    }
    return core_emit_done(m, out);
}

int
meeting_document_remove(struct meeting *m, const char *item, const char *sha256,
                        const char *actor, int64_t now, struct evlist *out)
{
    int32_t it = item ? meeting_item_index(m, item) : -1;
    if (it < 0 || m->items[it].removed || !sha256 ||
        meeting_document_index(m, item, sha256, false) < 0) {
        return ERR_NOT_FOUND;
    }
    if (m->state == MEETING_CLOSED) {
        return ERR_BAD_STATE;
    }
    struct event *ev = core_emit(m, out, EV_DOCUMENT_REMOVED, actor, now);
    if (!ev) {
        return ERR_NOMEM;
    }
    if (!(ev->b.item = core_strdup(item)) || !(ev->b.sha256 = core_strdup(sha256))) {
        core_emit_drop(out);
        return ERR_NOMEM;
    }
    return core_emit_done(m, out);
}
