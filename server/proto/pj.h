/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * pj.h - a small JSON builder for replies that have no fixed shape in the
 * codec tables (HTTP API answers), so that modules outside proto/ never see
 * jansson. A `struct pj` is a JSON object or array under construction.
 *
 * Ownership: pj_object()/pj_array() return *new* values; pj_set()/pj_push()
 * *steal* the child (also on failure); pj_dump() returns a *new* string and
 * leaves the value alive; pj_free(NULL) is harmless. Setters return 0 or
 * ERR_NOMEM; a failed setter leaves the value valid, so callers check only
 * pj_dump()'s NULL at the end.
 */
#ifndef CONCERTO_PJ_H
#define CONCERTO_PJ_H

#include <stdbool.h>
#include <stdint.h>

struct pj;

struct pj *pj_object(void);
struct pj *pj_array(void);
struct pj *pj_null(void);
int pj_set_str(struct pj *o, const char *key, const char *value);
int pj_set_int(struct pj *o, const char *key, int64_t value);
int pj_set_bool(struct pj *o, const char *key, bool value);
int pj_set(struct pj *o, const char *key, struct pj *child);
int pj_push(struct pj *a, struct pj *child);
int pj_push_str(struct pj *a, const char *value);
/* Parse JSON text into a value (new), NULL when invalid. */
struct pj *pj_parse(const char *text);
char *pj_dump(const struct pj *v);
void pj_free(struct pj *v);

#endif
