/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * pj.c - the JSON builder of pj.h, a thin layer over jansson. A failure
 * inside a builder is remembered by a NULL child or a refused set, and shows
 * as a NULL from pj_dump(): the caller then answers no_memory.
 */
#include "pj.h"

#include "../err.h"

#include <jansson.h>

struct pj *
pj_object(void)
{
    return (struct pj *)json_object();
}

struct pj *
pj_array(void)
{
    return (struct pj *)json_array();
}

struct pj *
pj_null(void)
{
    return (struct pj *)json_null();
}

/* A child that failed to build poisons its parent, so pj_dump() sees it. */
static int
poison(struct pj *o)
{
    if (o) {
        json_object_set_new((json_t *)o, "\x01", json_null());
    }
    return ERR_NOMEM;
}

int
pj_set(struct pj *o, const char *key, struct pj *child)
{
    if (!o || !child) {
        json_decref((json_t *)child);
        return poison(o);
    }
    if (json_is_array((json_t *)o)) {
        json_decref((json_t *)child);
        return ERR_INTERNAL;
    }
    return json_object_set_new((json_t *)o, key, (json_t *)child) ? poison(o) : 0;
}

int
pj_set_str(struct pj *o, const char *key, const char *value)
{
    return pj_set(o, key, (struct pj *)json_string(value ? value : ""));
}

int
pj_set_int(struct pj *o, const char *key, int64_t value)
{
    return pj_set(o, key, (struct pj *)json_integer((json_int_t)value));
}

int
pj_set_bool(struct pj *o, const char *key, bool value)
{
    return pj_set(o, key, (struct pj *)json_boolean(value));
}

int
pj_push(struct pj *a, struct pj *child)
{
    if (!a || !child || json_array_append_new((json_t *)a, (json_t *)child)) {
        if (a) {
            json_array_append_new((json_t *)a, json_string("\x01"));
        }
        return ERR_NOMEM;
    }
    return 0;
}

int
pj_push_str(struct pj *a, const char *value)
{
    return pj_push(a, (struct pj *)json_string(value ? value : ""));
}

struct pj *
pj_parse(const char *text)
{
    json_error_t jerr;
    return (struct pj *)json_loads(text, JSON_DECODE_ANY, &jerr);
}

/* Poisoned values hold the marker "\x01", as a key or a string. */
static bool
poisoned(const json_t *v)
{
    const char *k;
    json_t *c;
    size_t i;
    if (json_is_object(v)) {
        if (json_object_get(v, "\x01")) {
            return true;
        }
        json_object_foreach((json_t *)v, k, c)
        {
            if (poisoned(c)) {
                return true;
            }
        }
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, c)
        {
            if (poisoned(c) || (json_is_string(c) && json_string_value(c)[0] == '\x01')) {
                return true;
            }
        }
    }
    return false;
}

char *
pj_dump(const struct pj *v)
{
    if (!v || poisoned((const json_t *)v)) {
        return NULL;
    }
    return json_dumps((const json_t *)v, JSON_COMPACT | JSON_ENCODE_ANY);
}

void
pj_free(struct pj *v)
{
    json_decref((json_t *)v);
}
