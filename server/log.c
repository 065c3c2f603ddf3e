/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * log.c - the timestamped stderr lines of log.h. One fprintf per line, so
 * that lines never interleave.
 */
#define _POSIX_C_SOURCE 200809L
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

static int quiet_;

void
log_quiet(int quiet)
{
    quiet_ = quiet;
}

void
log_line(enum log_level level, const char *fmt, ...)
{
    if (quiet_) {
        return;
    }
    static const char *const names[] = {"info", "warn", "error"};
    struct timespec ts;
    struct tm tm;
    char when[32], text[1024];
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s.%03ldZ %s %s\n", when, ts.tv_nsec / 1000000L, names[level], text);
}
