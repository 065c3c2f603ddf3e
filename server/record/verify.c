/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * verify.c - `concerto verify`: check a downloaded record without trusting
 * the server that made it.
 *
 * Three checks, each reported on its own line:
 *   1. every file present has a .minisig that verifies with the public key
 *      (the same computation as `minisign -V`), and its trusted comment
 *      names that file;
 *   2. the events inside record.json chain from the zero hash to a head,
 *      each hash recomputed from the event as PROTOCOL.md 5.2 defines it,
 *      with dense sequence numbers;
 *   3. that head and the number of events are those of `chain` in
 *      record.json and of every signature's trusted comment.
 *   4. when an approval attestation is there (approval.json, or
 *      pv-....approval.json, with its .minisig: the minutes approved by a
 *      later meeting, RECORD.md), its signature verifies with the same key
 *      and names approval.json, and the SHA-256, events and head it names
 *      are those of this record.json, byte for byte.
 * Any failure makes the result non-zero; all checks run regardless, so the
 * report says everything that is wrong at once.
 */
#define _POSIX_C_SOURCE 200809L
#include "verify.h"

#include "../crypto/sec.h"
#include "../err.h"
#include "../proto/proto.h"

#include <dirent.h>
#include <stdbool.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const names[] = {"record.json", "record.md", "record.html", "record.pdf"};
#define NFILES (sizeof(names) / sizeof(names[0]))
#define FILE_MAX (512u << 20)

/* The whole file (new), or NULL when it cannot be read. */
static char *
slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    if (!f) {
        return NULL;
    }
    if (fseek(f, 0, SEEK_END) == 0) {
        long n = ftell(f);
        if (n >= 0 && (unsigned long)n < FILE_MAX && fseek(f, 0, SEEK_SET) == 0 &&
            (buf = malloc((size_t)n + 1))) {
            if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
                free(buf);
                buf = NULL;
            } else {
                buf[n] = 0;
                *len = (size_t)n;
            }
        }
    }
    fclose(f);
    return buf;
}

/* The path of record file `name` in `dir`: DIR/name, or the one file named
 * MEETING-name there (as the server named downloads before), or the one
 * named pv-...EXT for record.EXT (as it names them now: pv-DATE-COMMISSION.pdf,
 * record.h). The part before EXT has no dot, so that the attestation beside
 * it, pv-DATE-COMMISSION.approval.json, is not taken for record.json.
 * 0 or ERR_NOT_FOUND. */
static int
locate(const char *dir, const char *name, char *out, size_t outlen)
{
    snprintf(out, outlen, "%s/%s", dir, name);
    FILE *f = fopen(out, "rb");
    if (f) {
        fclose(f);
        return 0;
    }
    DIR *d = opendir(dir);
    struct dirent *e;
    int found = 0;
    size_t n = strlen(name);
    const char *ext = strncmp(name, "record.", 7) == 0 ? name + 6 : NULL;
    size_t ne = ext ? strlen(ext) : 0;
    while (d && (e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if ((len > n + 1 && strcmp(e->d_name + len - n, name) == 0 &&
             e->d_name[len - n - 1] == '-') ||
            (ext && len > ne + 3 && strncmp(e->d_name, "pv-", 3) == 0 &&
             strcmp(e->d_name + len - ne, ext) == 0 && !memchr(e->d_name, '.', len - ne))) {
            snprintf(out, outlen, "%s/%s", dir, e->d_name);
            found++;
        }
    }
    if (d) {
        closedir(d);
    }
    return found == 1 ? 0 : ERR_NOT_FOUND;
}

/* The value of `key=` in a trusted comment, into out. */
static void
field(const char *tc, const char *key, char *out, size_t outlen)
{
    out[0] = 0;
    size_t k = strlen(key);
    for (const char *p = tc; (p = strstr(p, key)); p++) {
        if ((p == tc || p[-1] == ' ') && p[k] == '=') {
            size_t n = strcspn(p + k + 1, " ");
            snprintf(out, outlen, "%.*s", (int)n, p + k + 1);
            return;
        }
    }
}

struct chain {
    char meeting[64];
    uint64_t events;
    char head[65];
};

/* Recompute the chain of record.json's events; 0, or a reason in why. */
static int
check_chain(const char *json, size_t len, struct chain *c, struct chain *claimed, char *why,
            size_t whylen)
{
    json_error_t jerr;
    json_t *root = json_loadb(json, len, 0, &jerr);
    int rc = ERR_INVALID;
    uint8_t head[SEC_HASH_LEN] = {0};
    memset(c, 0, sizeof(*c));
    if (!root) {
        snprintf(why, whylen, "record.json is not JSON (line %d: %s)", jerr.line, jerr.text);
        return ERR_BAD_JSON;
    }
    json_t *events = json_object_get(root, "events");
    json_t *chain = json_object_get(root, "chain");
    json_t *meeting = json_object_get(json_object_get(root, "meeting"), "id");
    if (!json_is_array(events) || !json_is_object(chain) || !json_is_string(meeting)) {
        snprintf(why, whylen, "record.json lacks events, chain or meeting.id");
        goto fail;
    }
    snprintf(c->meeting, sizeof(c->meeting), "%s", json_string_value(meeting));
    snprintf(claimed->meeting, sizeof(claimed->meeting), "%s", c->meeting);
    claimed->events = (uint64_t)json_integer_value(json_object_get(chain, "events"));
    snprintf(claimed->head, sizeof(claimed->head), "%s",
             json_string_value(json_object_get(chain, "head")) ? json_string_value(json_object_get(chain, "head")) : "");
    size_t i;
    json_t *ev;
    json_array_foreach(events, i, ev)
    {
        const char *m = json_string_value(json_object_get(ev, "meeting"));
        const char *actor = json_string_value(json_object_get(ev, "actor"));
        const char *type = json_string_value(json_object_get(ev, "type"));
        const char *hash = json_string_value(json_object_get(ev, "hash"));
        json_t *seq = json_object_get(ev, "seq"), *ts = json_object_get(ev, "ts");
        json_t *body = json_object_get(ev, "body");
        if (!m || !actor || !type || !hash || !json_is_integer(seq) || !json_is_integer(ts) ||
            !json_is_object(body)) {
            snprintf(why, whylen, "event %zu is malformed", i + 1);
            goto fail;
        }
        if ((uint64_t)json_integer_value(seq) != i + 1 || strcmp(m, c->meeting) != 0) {
            snprintf(why, whylen, "event %zu: seq %" JSON_INTEGER_FORMAT " or meeting %s out of place",
                     i + 1, json_integer_value(seq), m);
            goto fail;
        }
        char *canon = proto_json_dump(body, JSON_COMPACT | JSON_SORT_KEYS, proto_json_mark());
        size_t n = 0;
        char *pre = canon ? proto_chain_preimage(m, (uint64_t)json_integer_value(seq),
                                                 (int64_t)json_integer_value(ts), actor, type,
                                                 canon, strlen(canon), &n)
                          : NULL;
        if (!pre) {
            free(canon);
            rc = ERR_NOMEM;
            goto fail;
        }
        sec_chain_hash(head, (const uint8_t *)pre, n, head);
        free(pre);
        free(canon);
        char hex[2 * SEC_HASH_LEN + 1];
        sec_hex(head, SEC_HASH_LEN, hex);
        if (strcmp(hex, hash) != 0) {
            snprintf(why, whylen, "event %zu (%s): hash does not chain (recomputed %.16s..., "
                     "recorded %.16s...)", i + 1, type, hex, hash);
            goto fail;
        }
        c->events = i + 1;
    }
    sec_hex(head, SEC_HASH_LEN, c->head);
    rc = 0;
fail:
    json_decref(root);
    return rc;
}

/* DIR/approval.json, or the one file named ....approval.json there (with
 * `sig`: its .minisig). 0 or ERR_NOT_FOUND. */
static int
locate_approval(const char *dir, bool sig, char *out, size_t outlen)
{
    const char *name = sig ? "approval.json.minisig" : "approval.json";
    snprintf(out, outlen, "%s/%s", dir, name);
    FILE *f = fopen(out, "rb");
    if (f) {
        fclose(f);
        return 0;
    }
    DIR *d = opendir(dir);
    struct dirent *e;
    int found = 0;
    size_t n = strlen(name);
    while (d && (e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len > n + 1 && strcmp(e->d_name + len - n, name) == 0 && e->d_name[len - n - 1] == '.') {
            snprintf(out, outlen, "%s/%s", dir, e->d_name);
            found++;
        }
    }
    if (d) {
        closedir(d);
    }
    return found == 1 ? 0 : ERR_NOT_FOUND;
}

/* Check 4: the approval attestation against record.json (`json`, whose
 * chain is `c`). 0 when absent or good, 1 when it fails (reported). */
static int
check_approval(const char *dir, const struct sec_pub *pub, const char *json, size_t json_len,
               const struct chain *c, FILE *out)
{
    char path[4096];
    size_t alen = 0, slen = 0;
    char *data = locate_approval(dir, false, path, sizeof(path)) ? NULL : slurp(path, &alen);
    if (!data) {
        return 0; /* not approved by a later meeting, or not downloaded */
    }
    char *sig = locate_approval(dir, true, path, sizeof(path)) ? NULL : slurp(path, &slen);
    char tc[1024] = "", fname[64], why[300] = "";
    int rc = sig ? sec_verify(pub, (const uint8_t *)data, alen, sig, slen, tc, sizeof(tc))
                 : ERR_IO;
    field(tc, "file", fname, sizeof(fname));
    json_t *a = NULL;
    if (!sig) {
        snprintf(why, sizeof(why), "no .minisig beside it");
    } else if (rc) {
        snprintf(why, sizeof(why), "signature does not verify (file changed, or another key)");
    } else if (strcmp(fname, "approval.json") != 0) {
        snprintf(why, sizeof(why), "the signature is for another file");
    } else if (!(a = json_loadb(data, alen, 0, NULL))) {
        snprintf(why, sizeof(why), "not JSON");
    } else {
        char sha[65], tsha[80], tmeeting[64];
        sec_sha256_hex((const uint8_t *)json, json_len, sha);
        field(tc, "sha256", tsha, sizeof(tsha));
        field(tc, "meeting", tmeeting, sizeof(tmeeting));
        json_t *rec = json_object_get(a, "record"), *m = json_object_get(a, "meeting");
        const char *asha = json_string_value(json_object_get(rec, "sha256"));
        const char *ahead = json_string_value(json_object_get(rec, "head"));
        const char *aid = json_string_value(json_object_get(m, "id"));
        json_t *aev = json_object_get(rec, "events");
        if (!asha || !ahead || !aid || !json_is_integer(aev)) {
            snprintf(why, sizeof(why), "not an approval attestation");
        } else if (strcmp(asha, sha) != 0) {
            snprintf(why, sizeof(why), "it approves another record.json (SHA-256 %.16s..., this one %.16s...)",
                     asha, sha);
        } else if (strcmp(tsha, sha) != 0 || strcmp(tmeeting, aid) != 0) {
            snprintf(why, sizeof(why), "its signature names another record");
        } else if (strcmp(aid, c->meeting) != 0 || strcmp(ahead, c->head) != 0 ||
                   (uint64_t)json_integer_value(aev) != c->events) {
            snprintf(why, sizeof(why), "it names another meeting or state of the log");
        }
    }
    if (why[0]) {
        fprintf(out, "FAIL approval.json: %s\n", why);
    } else {
        json_t *ap = json_object_get(a, "approved");
        fprintf(out, "ok   approval.json: signature verifies; approves this record.json "
                     "(SHA-256 matches), by meeting %s (%s)\n",
                json_string_value(json_object_get(ap, "meeting")),
                json_string_value(json_object_get(ap, "result")));
    }
    json_decref(a);
    free(sig);
    free(data);
    return why[0] != 0;
}

/* Step 1: the public key, given or found in `dir`; 0, or ERR_IO (reported). */
static int
load_key(const char *dir, const char *pubfile, struct sec_pub *pub, FILE *out)
{
    char pubpath[4096];
    size_t len = 0;
    snprintf(pubpath, sizeof(pubpath), "%s", pubfile ? pubfile : "");
    if (!pubfile && locate(dir, "concerto.pub", pubpath, sizeof(pubpath))) {
        snprintf(pubpath, sizeof(pubpath), "%s/concerto.pub", dir);
    }
    char *pubtext = slurp(pubpath, &len);
    if (!pubtext || sec_pub_parse(pubtext, len, pub)) {
        fprintf(out, "FAIL public key %s: %s\n", pubpath,
                pubtext ? "not a minisign public key" : "cannot be read");
        free(pubtext);
        return ERR_IO;
    }
    free(pubtext);
    char keyid[2 * SEC_KEY_ID_LEN + 1];
    for (int i = 0; i < SEC_KEY_ID_LEN; i++) {
        snprintf(keyid + 2 * i, 3, "%02X", pub->key_id[SEC_KEY_ID_LEN - 1 - i]);
    }
    fprintf(out, "key  %s (key id %s)\n", pubpath, keyid);
    return 0;
}

/* Step 2, for file `f` of names[]: its signature, and the state of the log
 * it was signed for (*signed_). 1 when it verifies, 0 when it is absent
 * (record.json's absence is reported, *bad set) or fails (reported, *bad
 * set). *data gets the file's bytes (new) when it was read. */
static int
verify_file(const char *dir, const struct sec_pub *pub, size_t f, struct chain *signed_,
            char **data, size_t *flen, int *bad, FILE *out)
{
    char path[4096], signame[64];
    size_t slen = 0;
    *flen = 0;
    snprintf(signame, sizeof(signame), "%s.minisig", names[f]);
    *data = locate(dir, names[f], path, sizeof(path)) ? NULL : slurp(path, flen);
    char *sig = locate(dir, signame, path, sizeof(path)) ? NULL : slurp(path, &slen);
    if (!*data) {
        free(sig);
        if (f == 0) {
            fprintf(out, "FAIL %s: missing\n", names[f]);
            *bad = 1;
        }
        return 0;
    }
    char tc[1024], fname[64];
    int rc =
        sig ? sec_verify(pub, (const uint8_t *)*data, *flen, sig, slen, tc, sizeof(tc)) : ERR_IO;
    bool has_sig = sig != NULL;
    free(sig);
    field(tc, "file", fname, sizeof(fname));
    if (rc || strcmp(fname, names[f]) != 0) {
        fprintf(out, "FAIL %s: %s\n", names[f],
                !has_sig            ? "no .minisig beside it"
                : rc == ERR_INVALID ? "malformed signature"
                : rc                ? "signature does not verify (file changed, or another key)"
                                    : "the signature is for another file");
        *bad = 1;
        return 0;
    }
    char events[32];
    field(tc, "meeting", signed_->meeting, sizeof(signed_->meeting));
    field(tc, "events", events, sizeof(events));
    field(tc, "head", signed_->head, sizeof(signed_->head));
    signed_->events = strtoull(events, NULL, 10);
    fprintf(out,
            "ok   %s: signature verifies; signed for meeting %s, %" PRIu64
            " events, head %.16s...\n",
            names[f], signed_->meeting, signed_->events, signed_->head);
    return 1;
}

/* Step 3: record.json's events chain to its head, and every signed file
 * was signed for that state of the log. False when the events could not be
 * chained; *bad set on any failure (reported). */
static bool
check_state(const char *json, size_t json_len, const struct chain *signed_, const int *present,
            struct chain *c, int *bad, FILE *out)
{
    struct chain claimed = {0};
    char why[300] = "";
    if (check_chain(json, json_len, c, &claimed, why, sizeof(why))) {
        fprintf(out, "FAIL record.json: %s\n", why);
        *bad = 1;
        return false;
    }
    fprintf(out, "ok   record.json: %" PRIu64 " events chain to head %.16s...\n", c->events,
            c->head);
    if (c->events != claimed.events || strcmp(c->head, claimed.head) != 0) {
        fprintf(out,
                "FAIL record.json: its \"chain\" says %" PRIu64
                " events and head %.16s..., the events give %" PRIu64 " and %.16s...\n",
                claimed.events, claimed.head, c->events, c->head);
        *bad = 1;
    }
    for (size_t f = 0; f < NFILES; f++) {
        if (present[f] &&
            (signed_[f].events != c->events || strcmp(signed_[f].head, c->head) != 0 ||
             strcmp(signed_[f].meeting, c->meeting) != 0)) {
            fprintf(out,
                    "FAIL %s: signed for another state of the log (%s, %" PRIu64
                    " events, head %.16s...)\n",
                    names[f], signed_[f].meeting, signed_[f].events, signed_[f].head);
            *bad = 1;
        }
    }
    return true;
}

int
record_verify(const char *dir, const char *pubfile, FILE *out)
{
    struct sec_pub pub;
    if (load_key(dir, pubfile, &pub, out)) {
        return ERR_IO;
    }
    struct chain signed_[NFILES];
    int present[NFILES] = {0}, bad = 0;
    char *json = NULL;
    size_t json_len = 0;
    for (size_t f = 0; f < NFILES; f++) {
        char *data;
        size_t flen;
        present[f] = verify_file(dir, &pub, f, &signed_[f], &data, &flen, &bad, out);
        if (f == 0) {
            json = data;
            json_len = flen;
        } else {
            free(data);
        }
    }
    if (json) {
        struct chain c;
        if (check_state(json, json_len, signed_, present, &c, &bad, out)) {
            bad |= check_approval(dir, &pub, json, json_len, &c, out);
        }
    }
    free(json);
    fprintf(out, bad ? "record NOT verified\n" : "record verified\n");
    return bad ? ERR_INVALID : 0;
}
