/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * documents.c - the HTTP routes of documents on agenda items
 * (proto/PROTOCOL.md 3.6): upload, removal, download.
 *
 * An upload is checked whole before anything is written: the bureau of the
 * meeting (or the admin), a file name, a size within --max-document, a
 * content that is what its extension says (doc_sniff in core/). Then, in
 * the turn's transaction: core attaches it (document.added, which the
 * meeting's connections receive like any event), the index row is written,
 * and the bytes are stored under their SHA-256 (store_blob_put: a temporary
 * file, fsync, rename) before the turn commits. A failure anywhere rolls the
 * whole request back (a stored file that no event names is harmless: it is
 * named by its content and rewritten identical by the next upload of it).
 * The same content on the same item is not attached twice: the answer is
 * the document already there (200), and nothing is written.
 *
 * A download is served to any holder of a token of the meeting (or the
 * admin) for a document ever attached to it, removed ones included (the
 * record names them), as an attachment with its MIME type and file name;
 * net/ adds nosniff and the CSP, so that a browser never renders it as a
 * page of the site.
 */
#define _POSIX_C_SOURCE 200809L
#include "hub_impl.h"

#include "../crypto/sec.h"
#include "../err.h"
#include "../log.h"
#include "../proto/proto.h"
#include "../store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
answer_doc(struct hub *h, void *req, int status, struct live *l, int32_t d)
{
    char *s = d >= 0 ? proto_document(l->m, (size_t)d) : NULL;
    if (!s) {
        hub_http_fail(h, req, ERR_NOMEM, NULL);
        return;
    }
    hub_http_answer(h, req, status, s);
}

void
hub_document_upload(struct hub *h, void *req, struct live *l, const char *actor,
                    const char *item, const char *name, const char *body, size_t len,
                    int64_t now)
{
    if (!h->cfg.documents) {
        hub_http_fail(h, req, ERR_NOT_FOUND, "documents are not enabled on this server");
        return;
    }
    if (!name || !doc_name_valid(name)) {
        hub_http_fail(h, req, ERR_INVALID,
                      "a file name is required (?name=, at most 200 bytes, no / \\ or \")");
        return;
    }
    if (len == 0) {
        hub_http_fail(h, req, ERR_INVALID, "the file is empty");
        return;
    }
    if (len > h->cfg.document_max) {
        hub_http_fail(h, req, ERR_TOO_LARGE, "the file is over the server's size limit");
        return;
    }
    const char *format = doc_sniff((const unsigned char *)body, len, name);
    if (!format) {
        hub_http_fail(h, req, ERR_INVALID,
                      "not an accepted file: PDF, OpenDocument (odt, ods, odp), Office "
                      "(docx, xlsx, pptx, doc, xls) or image (png, jpeg) whose content "
                      "matches its extension");
        return;
    }
    uint8_t digest[SEC_SHA256_LEN];
    char sha[2 * SEC_SHA256_LEN + 1];
    sec_sha256((const uint8_t *)body, len, digest);
    sec_hex(digest, sizeof(digest), sha);
    struct body b = {.item = (char *)item,
                     .sha256 = sha,
                     .name = (char *)name,
                     .format = (char *)format,
                     .has = HAS_SIZE,
                     .size = (int64_t)len};
    struct evlist evs = {0};
    size_t mark = l->npending;
    int rc = hub_begin(h);
    if (rc == 0) {
        rc = meeting_document_add(l->m, &b, actor, now, &evs);
        if (rc == 0) {
            rc = hub_write_events(h, l, &evs);
        }
        if (rc == 0) {
            rc = store_document_add(h->st, l->m->id, item, sha, name, format, (int64_t)len,
                                    evs.v[0].ts);
        }
        if (rc == 0) {
            rc = store_blob_put(h->cfg.documents, sha, body, len);
            if (rc) {
                log_line(LOG_ERROR, "meeting %s: cannot store document %s in %s", l->m->id, sha,
                         h->cfg.documents);
            }
        }
        hub_end(h, l, mark, rc);
    }
    evlist_clear(&evs);
    if (rc == ERR_CONFLICT) {
        answer_doc(h, req, 200, l, meeting_document_index(l->m, item, sha, false));
        return;
    }
    if (rc) {
        hub_http_fail(h, req, rc,
                      rc == ERR_NOT_FOUND     ? "no such item in this meeting"
                      : rc == ERR_BAD_STATE   ? "the meeting is closed"
                      : rc == ERR_TOO_LARGE   ? "at most 20 documents on an item"
                      : rc == ERR_STORAGE     ? "the document cannot be stored (see the server log)"
                                              : NULL);
        return;
    }
    log_line(LOG_INFO, "meeting %s: document %s added to %s", l->m->id, sha, item);
    answer_doc(h, req, 201, l, meeting_document_index(l->m, item, sha, false));
}

void
hub_document_remove(struct hub *h, void *req, struct live *l, const char *actor,
                    const char *item, const char *sha, int64_t now)
{
    struct evlist evs = {0};
    size_t mark = l->npending;
    int rc = doc_sha_valid(sha) ? hub_begin(h) : ERR_NOT_FOUND;
    if (rc == 0) {
        rc = meeting_document_remove(l->m, item, sha, actor, now, &evs);
        if (rc == 0) {
            rc = hub_write_events(h, l, &evs);
        }
        if (rc == 0) {
            rc = store_document_remove(h->st, l->m->id, item, sha, evs.v[0].ts);
        }
        hub_end(h, l, mark, rc);
    }
    evlist_clear(&evs);
    if (rc) {
        hub_http_fail(h, req, rc,
                      rc == ERR_NOT_FOUND   ? "no such document on this item"
                      : rc == ERR_BAD_STATE ? "the meeting is closed"
                                            : NULL);
        return;
    }
    log_line(LOG_INFO, "meeting %s: document %s removed from %s", l->m->id, sha, item);
    hub_snapshot_answer(h, req, 200, l);
}

void
hub_document_get(struct hub *h, void *req, struct live *l, const char *sha)
{
    int32_t d = doc_sha_valid(sha) ? meeting_document_index(l->m, NULL, sha, true) : -1;
    if (d < 0) {
        hub_http_fail(h, req, ERR_NOT_FOUND, "no such document in this meeting");
        return;
    }
    const struct document *doc = &l->m->docs[d];
    char *buf = NULL;
    size_t len = 0;
    int rc = store_blob_read(h->cfg.documents, sha, &buf, &len);
    if (rc) {
        log_line(LOG_ERROR, "meeting %s: document %s cannot be read from %s", l->m->id, sha,
                 h->cfg.documents ? h->cfg.documents : "(none)");
        hub_http_fail(h, req, rc == ERR_NOMEM ? ERR_NOMEM : ERR_STORAGE,
                      "the document cannot be read (see the server log)");
        return;
    }
    hub_http_file(h, req, buf, len, doc_format_mime(doc->format), doc->name);
}
