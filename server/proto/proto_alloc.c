/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * proto_alloc.c - jansson's allocator, and the checked start and end of
 * every encoding and parse in proto/.
 *
 * jansson and memory. Its setters report a failure that is easy to drop,
 * and its lexer does not check its own buffer: when an allocation fails it
 * drops the character it was saving and carries on, so that a parse under
 * memory pressure returns a value that is not the text it was given, or
 * stops the process on one of jansson's assertions. Hence:
 *   - jansson allocates through spare_malloc(), which counts its failures;
 *     an encoding or a parse is good only when none failed since its start
 *     (proto_json_mark(), then proto_json_dump() or proto_json_load()): a
 *     body missing a part must never reach the log, nor a parse that is not
 *     the text reach core/;
 *   - during a parse, a block malloc() refuses comes from a static spare
 *     area (enough for the tokens of a WebSocket message), so that the
 *     parse runs to its end on true data before proto_json_load() reports
 *     ERR_NOMEM. Spare blocks never leave a parse; they go back through
 *     spare_free(), and the area is reused once all are back.
 * Threads: the meetings' thread parses and encodes, and the network threads
 * encode their own error answers (proto_http_error()). So the count of
 * failures and the parse in progress are each thread's own, and a parse
 * takes the spare area for its whole length (a parse on another thread
 * meanwhile runs without it, and still reports ERR_NOMEM).
 */
#define _POSIX_C_SOURCE 200809L
#include "proto_impl.h"

#include "../err.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

#define SPARE_SIZE (512 * 1024)
static _Alignas(16) unsigned char spare[SPARE_SIZE];
static size_t spare_used, spare_live; /* guarded by spare_taken */
static atomic_flag spare_taken = ATOMIC_FLAG_INIT;
static _Thread_local bool loading;           /* this thread's parse holds the spare area */
static _Thread_local unsigned long failures; /* allocations jansson asked for and did not get */
static pthread_once_t installed = PTHREAD_ONCE_INIT;

static void *
spare_malloc(size_t n)
{
    void *p = malloc(n);
    if (!p) {
        size_t need = (n + 15) & ~(size_t)15;
        failures++;
        if (loading && need >= n && need <= SPARE_SIZE - spare_used) {
            p = spare + spare_used;
            spare_used += need;
            spare_live++;
        }
    }
    return p;
}

static void
spare_free(void *p)
{
    if ((unsigned char *)p >= spare && (unsigned char *)p < spare + SPARE_SIZE) {
        if (--spare_live == 0) {
            spare_used = 0;
        }
        return;
    }
    free(p);
}

static void
install(void)
{
    json_set_alloc_funcs(spare_malloc, spare_free);
}

/* The start of an encoding or a parse: installs the allocator once. */
unsigned long
proto_json_mark(void)
{
    pthread_once(&installed, install);
    return failures;
}

bool
proto_json_failed(unsigned long mark)
{
    return failures != mark;
}

/* The text of `v` (new), NULL when `v` is NULL or any allocation failed
 * since `mark` (then `v` may be missing a part). */
char *
proto_json_dump(const json_t *v, size_t flags, unsigned long mark)
{
    char *s = v ? json_dumps(v, flags) : NULL;
    if (s && failures != mark) {
        free(s);
        s = NULL;
    }
    return s;
}

/* The value of text[0..len) (new), or NULL with *rc ERR_BAD_JSON or ERR_NOMEM. */
json_t *
proto_json_load(const char *text, size_t len, size_t flags, int *rc)
{
    unsigned long mark = proto_json_mark();
    json_error_t jerr;
    loading = !atomic_flag_test_and_set(&spare_taken);
    json_t *v = json_loadb(text, len, flags, &jerr);
    bool failed = failures != mark;
    if (failed) {
        json_decref(v); /* every spare block is back */
        v = NULL;
    }
    if (loading) {
        loading = false;
        atomic_flag_clear(&spare_taken);
    }
    *rc = failed ? ERR_NOMEM : v ? 0 : ERR_BAD_JSON;
    return v;
}
