/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * log.h - one line per event worth telling the operator, on stderr:
 * "2021-02-02T09:30:00.123Z level message". Never given a token or a secret:
 * callers log participant ids and error codes, not what was presented.
 */
#ifndef CONCERTO_LOG_H
#define CONCERTO_LOG_H

#if defined(__GNUC__)
#define LOG_PRINTF __attribute__((format(printf, 2, 3)))
#else
#define LOG_PRINTF
#endif

enum log_level { LOG_INFO, LOG_WARN, LOG_ERROR };

void log_line(enum log_level level, const char *fmt, ...) LOG_PRINTF;
void log_quiet(int quiet); /* tests of the store and core keep stderr clean */

#endif
