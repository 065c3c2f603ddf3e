/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * alloc_shim.h - the allocator of a test program that fails allocations
 * one by one (tests/core/test_alloc_failures.c, tests/record/
 * test_record_alloc.c): included once, by the program's only source file,
 * after `#define _GNU_SOURCE`.
 *
 * malloc, calloc, realloc, free, strdup and strndup are defined here and
 * forward to the next definition (libc's, or the sanitizer's in an ASan
 * build), found with dlsym(RTLD_NEXT) by resolve(), which main() calls
 * first. Shared libraries (jansson, cairo) bind to them too. While the shim
 * is armed (arm(n)) it numbers allocations in shim.count, fails the one
 * numbered n (0: none; shim.failed counts the failures), and remembers every
 * pointer it hands out until it is freed (shim.live: how many are left).
 * Checks run with it disarmed (pause_shim(), resume_shim()).
 */
#ifndef CONCERTO_ALLOC_SHIM_H
#define CONCERTO_ALLOC_SHIM_H

#include <dlfcn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The shim runs before a sanitizer has set up its shadow memory (its own
 * start-up allocates): it must not be instrumented. */
#define SHIM __attribute__((no_sanitize_address))

#define TRACK_SLOTS (1u << 16) /* pointers alive at once: far more than the scenario holds */
#define TOMBSTONE ((void *)1)

static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static void (*real_free)(void *);

static struct {
    bool armed;
    long count;   /* allocations numbered while armed */
    long fail_at; /* the one to fail, 0 for none */
    long failed;
    long live; /* tracked pointers not yet freed */
} shim;

static void *tracked[TRACK_SLOTS];

/* Until main() finds the real functions (the dynamic loader and a sanitizer's
 * start-up allocate before, and dlsym() itself may), blocks come from here;
 * they are never given back. */
static _Alignas(16) char boot[1 << 20];
static size_t boot_used;

/* A block of the boot area, after 16 bytes that hold its size. */
SHIM static void *
boot_alloc(size_t n)
{
    size_t need = ((n + 15) & ~(size_t)15) + 16;
    if (need < n || need > sizeof(boot) - boot_used) {
        abort();
    }
    char *p = boot + boot_used + 16;
    memcpy(p - 16, &n, sizeof(n));
    boot_used += need;
    return p;
}

SHIM static size_t
boot_size(const void *p)
{
    size_t n;
    memcpy(&n, (const char *)p - 16, sizeof(n));
    return n;
}

SHIM static bool
in_boot(const void *p)
{
    return (const char *)p >= boot && (const char *)p < boot + sizeof(boot);
}

static void
resolve(void)
{
    void *f[4] = {dlsym(RTLD_NEXT, "malloc"), dlsym(RTLD_NEXT, "calloc"),
                  dlsym(RTLD_NEXT, "realloc"), dlsym(RTLD_NEXT, "free")};
    if (!f[0] || !f[1] || !f[2] || !f[3]) {
        abort();
    }
    *(void **)&real_malloc = f[0];
    *(void **)&real_calloc = f[1];
    *(void **)&real_realloc = f[2];
    *(void **)&real_free = f[3];
}

SHIM static size_t
slot_of(const void *p)
{
    return (size_t)(((uintptr_t)p >> 4) * 2654435761u) & (TRACK_SLOTS - 1);
}

SHIM static void
track(void *p)
{
    if (shim.live >= (long)(TRACK_SLOTS / 2)) {
        abort(); /* the table is too small for this scenario */
    }
    size_t s = slot_of(p);
    while (tracked[s] && tracked[s] != TOMBSTONE) {
        s = (s + 1) & (TRACK_SLOTS - 1);
    }
    tracked[s] = p;
    shim.live++;
}

SHIM static void
untrack(void *p)
{
    for (size_t s = slot_of(p); tracked[s]; s = (s + 1) & (TRACK_SLOTS - 1)) {
        if (tracked[s] == p) {
            tracked[s] = TOMBSTONE;
            shim.live--;
            return;
        }
    }
}

static void
untrack_all(void)
{
    memset(tracked, 0, sizeof(tracked));
    shim.live = 0;
}

/* Numbers one allocation; false when it is the one to fail. */
SHIM static bool
may_allocate(void)
{
    if (!shim.armed) {
        return true;
    }
    if (++shim.count == shim.fail_at) {
        shim.failed++;
        return false;
    }
    return true;
}

SHIM void *
malloc(size_t n)
{
    if (!real_free) {
        return boot_alloc(n);
    }
    if (!may_allocate()) {
        return NULL;
    }
    void *p = real_malloc(n);
    if (p && shim.armed) {
        track(p);
    }
    return p;
}

SHIM void *
calloc(size_t n, size_t size)
{
    if (!real_free) {
        void *p = boot_alloc(n * size);
        memset(p, 0, n * size);
        return p;
    }
    if (!may_allocate()) {
        return NULL;
    }
    void *p = real_calloc(n, size);
    if (p && shim.armed) {
        track(p);
    }
    return p;
}

SHIM void
free(void *p)
{
    if (!p || in_boot(p) || !real_free) {
        return;
    }
    untrack(p);
    real_free(p);
}

SHIM void *
realloc(void *old, size_t n)
{
    if (!real_free || in_boot(old)) {
        void *p = malloc(n);
        if (p && old) {
            memcpy(p, old, n < boot_size(old) ? n : boot_size(old));
        }
        return p;
    }
    if (old && n == 0) {
        free(old);
        return NULL;
    }
    if (!may_allocate()) {
        return NULL;
    }
    void *p = real_realloc(old, n);
    if (p) {
        if (old) {
            untrack(old);
        }
        if (shim.armed) {
            track(p);
        }
    }
    return p;
}

SHIM char *
strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) {
        memcpy(d, s, n);
    }
    return d;
}

SHIM char *
strndup(const char *s, size_t max)
{
    size_t n = strnlen(s, max);
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = 0;
    }
    return d;
}

static void
arm(long fail_at)
{
    untrack_all();
    shim.count = 0;
    shim.failed = 0;
    shim.fail_at = fail_at;
    shim.armed = true;
}

/* Run checks with the shim off; returns whether it was on. */
static bool
pause_shim(void)
{
    bool was = shim.armed;
    shim.armed = false;
    return was;
}

static void
resume_shim(bool was)
{
    shim.armed = was;
}

#endif
