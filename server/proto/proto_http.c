/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * proto_http.c - the HTTP API's bodies: request bodies into their structs
 * (commissions, members, meetings, invitations, convocations, groups,
 * templates), the error body, and the Content-Disposition of downloads.
 *
 * A request body is an object of known keys only, at most 1 MiB, strings
 * checked as text or identifiers as the command fields are (one rule:
 * proto_check_text(), proto_check_id()). Each parser leaves `out` cleared
 * on error and the caller frees it with the matching *_clear() otherwise.
 * Threads: the hub's thread parses the bodies; proto_http_error() is also
 * called on the network threads, for the answers they make themselves.
 */
#define _POSIX_C_SOURCE 200809L
#include "proto_impl.h"

#include "../err.h"

#include <stdlib.h>
#include <string.h>

char *
proto_http_error(int code, const char *message)
{
    unsigned long mark = proto_json_mark();
    json_t *o = json_pack("{s:{s:s,s:s}}", "error", "code", err_str(code), "message",
                          message ? message : err_message(code));
    char *s = proto_json_dump(o, JSON_COMPACT, mark);
    json_decref(o);
    return s;
}

int
proto_disposition(const char *name, char *out, size_t outlen)
{
    static const char hexd[] = "0123456789ABCDEF";
    size_t n = 0;
    bool ascii = true;
#define PUT(c)                                                                                   \
    do {                                                                                         \
        if (n + 1 >= outlen) {                                                                   \
            goto full;                                                                           \
        }                                                                                        \
        out[n++] = (c);                                                                          \
    } while (0)
    if (!outlen) {
        return ERR_TOO_LARGE;
    }
    for (const char *p = "attachment; filename=\""; *p; p++) {
        PUT(*p);
    }
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        if (*p >= 0x80) {
            ascii = false;
            if ((*p & 0xc0) != 0x80) {
                PUT('_'); /* one _ per non-ASCII character */
            }
        } else {
            PUT((*p < 0x20 || *p == '"' || *p == '\\') ? '_' : (char)*p);
        }
    }
    PUT('"');
    if (!ascii) {
        for (const char *p = "; filename*=UTF-8''"; *p; p++) {
            PUT(*p);
        }
        for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
            bool plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                         (*p >= '0' && *p <= '9') || strchr("!#$&+-.^_`|~", *p);
            if (plain) {
                PUT((char)*p);
            } else {
                PUT('%');
                PUT(hexd[*p >> 4]);
                PUT(hexd[*p & 15]);
            }
        }
    }
    out[n] = 0;
    return 0;
full:
    out[0] = 0;
    return ERR_TOO_LARGE;
#undef PUT
}

/* HTTP API bodies. Each parser leaves `out` cleared on error. */

static json_t *
load_object(const char *buf, size_t len, int *rc)
{
    if (len > 1 << 20) {
        *rc = ERR_TOO_LARGE;
        return NULL;
    }
    json_t *o = proto_json_load(buf, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, rc);
    if (!o) {
        return NULL;
    }
    if (!json_is_object(o)) {
        json_decref(o);
        *rc = ERR_BAD_MESSAGE;
        return NULL;
    }
    *rc = 0;
    return o;
}

/* Take the string `name` of `o` into *dst: required or not, checked as text or id. */
static int
take_str(json_t *o, const char *name, char **dst, size_t max, int required, int is_id)
{
    json_t *v = json_object_get(o, name);
    if (!v) {
        return required ? ERR_BAD_MESSAGE : 0;
    }
    if (!json_is_string(v)) {
        return ERR_BAD_MESSAGE;
    }
    const char *s = json_string_value(v);
    if (strlen(s) != json_string_length(v)) {
        return ERR_INVALID;
    }
    int rc = is_id ? (json_string_length(v) > max ? ERR_TOO_LARGE : proto_check_id(s, max))
                   : proto_check_text(s, max, 0);
    if (is_id && !*s && !required) {
        rc = 0;
    }
    if (rc) {
        return rc;
    }
    if (required && !*s) {
        return ERR_INVALID;
    }
    return (*dst = strdup(s)) ? 0 : ERR_NOMEM;
}

static int
only_keys(json_t *o, const char *const *keys)
{
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v)
    {
        const char *const *p = keys;
        while (*p && strcmp(*p, k)) {
            p++;
        }
        if (!*p) {
            return ERR_BAD_MESSAGE;
        }
    }
    return 0;
}

static int
take_id_array(json_t *o, const char *name, char ***out, size_t *n, size_t maxn)
{
    json_t *a = json_object_get(o, name);
    if (!a) {
        return 0;
    }
    if (!json_is_array(a)) {
        return ERR_BAD_MESSAGE;
    }
    size_t len = json_array_size(a);
    if (len > maxn) {
        return ERR_TOO_LARGE;
    }
    *out = calloc(len ? len : 1, sizeof(char *));
    if (!*out) {
        return ERR_NOMEM;
    }
    for (size_t i = 0; i < len; i++) {
        json_t *v = json_array_get(a, i);
        if (!json_is_string(v)) {
            return ERR_BAD_MESSAGE;
        }
        int rc = proto_check_id(json_string_value(v), ID_MAX - 1);
        if (rc) {
            return rc;
        }
        if (!((*out)[i] = strdup(json_string_value(v)))) {
            return ERR_NOMEM;
        }
        (*n)++;
    }
    return 0;
}

static void
free_array(char **a, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(a[i]);
    }
    free(a);
}

int
proto_api_commission(const char *buf, size_t len, struct api_commission *out)
{
    static const char *const keys[] = {"name", "colleges", NULL};
    memset(out, 0, sizeof(*out));
    int rc;
    json_t *o = load_object(buf, len, &rc);
    if (!o) {
        return rc;
    }
    if ((rc = only_keys(o, keys)) || (rc = take_str(o, "name", &out->name, NAME_MAX_, 1, 0)) ||
        (rc = take_id_array(o, "colleges", &out->colleges, &out->ncolleges, 16))) {
        goto fail;
    }
    if (!json_object_get(o, "colleges")) {
        rc = ERR_BAD_MESSAGE;
    }
fail:
    json_decref(o);
    if (rc) {
        proto_api_commission_clear(out);
    }
    return rc;
}

void
proto_api_commission_clear(struct api_commission *c)
{
    free(c->name);
    free_array(c->colleges, c->ncolleges);
    memset(c, 0, sizeof(*c));
}

int
proto_api_member(const char *buf, size_t len, bool create, struct api_member *out)
{
    static const char *const keys[] = {"name", "college", "role", "email", "lang", NULL};
    memset(out, 0, sizeof(*out));
    int rc;
    json_t *o = load_object(buf, len, &rc);
    if (!o) {
        return rc;
    }
    if ((rc = only_keys(o, keys)) || (rc = take_str(o, "name", &out->name, NAME_MAX_, create, 0)) ||
        (rc = take_str(o, "college", &out->college, ID_MAX - 1, 0, 0)) ||
        (rc = take_str(o, "role", &out->role, 15, create, 0)) ||
        (rc = take_str(o, "email", &out->email, 254, 0, 0)) ||
        (rc = take_str(o, "lang", &out->lang, 32, 0, 0))) {
        goto fail;
    }
fail:
    json_decref(o);
    if (rc) {
        proto_api_member_clear(out);
    }
    return rc;
}

void
proto_api_member_clear(struct api_member *c)
{
    free(c->name);
    free(c->college);
    free(c->role);
    free(c->email);
    free(c->lang);
    memset(c, 0, sizeof(*c));
}

int
proto_api_meeting(const char *buf, size_t len, struct api_meeting *out)
{
    static const char *const keys[] = {"id",   "commission", "title", "date",
                                       "place", "room",      "lang",  NULL};
    memset(out, 0, sizeof(*out));
    int rc;
    json_t *o = load_object(buf, len, &rc);
    if (!o) {
        return rc;
    }
    if ((rc = only_keys(o, keys)) ||
        (rc = take_str(o, "id", &out->id, ID_MAX - 1, 0, 1)) ||
        (rc = take_str(o, "commission", &out->commission, ID_MAX - 1, 1, 1)) ||
        (rc = take_str(o, "title", &out->title, TITLE_MAX, 1, 0)) ||
        (rc = take_str(o, "date", &out->date, 64, 0, 0)) ||
        (rc = take_str(o, "place", &out->place, TITLE_MAX, 0, 0)) ||
        (rc = take_str(o, "room", &out->room, 1000, 0, 0)) ||
        (rc = take_str(o, "lang", &out->lang, 8, 0, 1))) {
        goto fail;
    }
fail:
    json_decref(o);
    if (rc) {
        proto_api_meeting_clear(out);
    }
    return rc;
}

void
proto_api_meeting_clear(struct api_meeting *c)
{
    free(c->id);
    free(c->commission);
    free(c->title);
    free(c->date);
    free(c->place);
    free(c->room);
    free(c->lang);
    memset(c, 0, sizeof(*c));
}

int
proto_api_invite(const char *buf, size_t len, struct api_invite *out)
{
    static const char *const keys[] = {"participants", NULL};
    memset(out, 0, sizeof(*out));
    int rc;
    json_t *o = load_object(buf, len, &rc);
    if (!o) {
        return rc;
    }
    if ((rc = only_keys(o, keys)) ||
        (rc = take_id_array(o, "participants", &out->participants, &out->n, 100000))) {
        goto fail;
    }
fail:
    json_decref(o);
    if (rc) {
        proto_api_invite_clear(out);
    }
    return rc;
}

int
proto_api_convocation(const char *buf, size_t len, struct api_convocation *out)
{
    static const char *const keys[] = {"participants", "lang", NULL};
    memset(out, 0, sizeof(*out));
    int rc;
    json_t *o = len ? load_object(buf, len, &rc) : json_object();
    if (!o) {
        return len ? rc : ERR_NOMEM;
    }
    if ((rc = only_keys(o, keys)) ||
        (rc = take_id_array(o, "participants", &out->participants, &out->n, 100000)) ||
        (rc = take_str(o, "lang", &out->lang, 8, 0, 1))) {
        goto fail;
    }
    if (out->lang && strcmp(out->lang, "fr") != 0 && strcmp(out->lang, "en") != 0) {
        rc = ERR_INVALID;
    }
fail:
    json_decref(o);
    if (rc) {
        proto_api_convocation_clear(out);
    }
    return rc;
}

void
proto_api_convocation_clear(struct api_convocation *c)
{
    free_array(c->participants, c->n);
    free(c->lang);
    memset(c, 0, sizeof(*c));
}

void
proto_api_invite_clear(struct api_invite *c)
{
    free_array(c->participants, c->n);
    memset(c, 0, sizeof(*c));
}

int
proto_api_template(const char *buf, size_t len, char **meeting)
{
    static const char *const keys[] = {"meeting", NULL};
    *meeting = NULL;
    int rc;
    json_t *o = load_object(buf, len, &rc);
    if (!o) {
        return rc;
    }
    if ((rc = only_keys(o, keys)) == 0) {
        rc = take_str(o, "meeting", meeting, ID_MAX - 1, 1, 1);
    }
    json_decref(o);
    if (rc) {
        free(*meeting);
        *meeting = NULL;
    }
    return rc;
}

int
proto_api_group(const char *buf, size_t len, bool create, struct api_group *out)
{
    static const char *const keys[] = {"id", "name", "lead", "members", "mandate", "due", NULL};
    memset(out, 0, sizeof(*out));
    int rc;
    json_t *o = load_object(buf, len, &rc);
    if (!o) {
        return rc;
    }
    if ((rc = only_keys(o, keys)) ||
        (rc = take_str(o, "id", &out->id, ID_MAX - 1, 0, 1)) ||
        (rc = take_str(o, "name", &out->name, NAME_MAX_, create, 0)) ||
        (rc = take_str(o, "lead", &out->lead, ID_MAX - 1, 0, 1)) ||
        (rc = take_id_array(o, "members", &out->members, &out->nmembers, 1000)) ||
        (rc = take_str(o, "mandate", &out->mandate, DESC_MAX, 0, 0)) ||
        (rc = take_str(o, "due", &out->due, 10, 0, 0))) {
        goto fail;
    }
    out->has_members = json_object_get(o, "members") != NULL;
    if (!create && out->id) {
        rc = ERR_BAD_MESSAGE; /* the path names the group */
    } else if (out->name && !*out->name) {
        rc = ERR_INVALID;
    }
fail:
    json_decref(o);
    if (rc) {
        proto_api_group_clear(out);
    }
    return rc;
}

void
proto_api_group_clear(struct api_group *g)
{
    free(g->id);
    free(g->name);
    free(g->lead);
    free_array(g->members, g->nmembers);
    free(g->mandate);
    free(g->due);
    memset(g, 0, sizeof(*g));
}
