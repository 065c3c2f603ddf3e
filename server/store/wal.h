/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * wal.h - truncating the write-ahead log, on a thread of its own.
 *
 * While a secret vote is open, each ballot's transaction appends to the WAL
 * the pages it changed: the new ballot.cast (who voted) beside the new
 * secret row (receipt and choice), one transaction per ballot, in the order
 * of voting. Whoever reads the WAL can pair them. When the vote ends, its
 * rows are rewritten in receipt order (closed) or deleted (cancelled), and
 * that order must then leave the WAL: a TRUNCATE checkpoint copies the last
 * version of each page into the database and empties the WAL file.
 *
 * That checkpoint waits for every reader of the database to finish, and an
 * operator's sqlite3 or a file copy may read for minutes. It must never run
 * on the hub's thread (it would stall every meeting), and it must not wait
 * for readers while holding the writer's lock (it would stall every write).
 * So a thread with its own connection and no busy timeout tries it when the
 * hub asks, and again every second until it completes: one log line when it
 * cannot complete for a while, one when it finally does.
 */
#ifndef CONCERTO_WAL_H
#define CONCERTO_WAL_H

#include <stdbool.h>
#include <stdint.h>

struct wal;

struct wal_stats {
    bool pending;      /* a truncation was asked and has not completed yet */
    uint64_t failures; /* attempts that could not complete */
    uint64_t done;     /* truncations completed */
};

/* Start the thread over the database at `path` (already created and in WAL
 * mode by store_open). *out is new (wal_close). */
int wal_open(const char *path, struct wal **out);

/* Stop the thread and close its connection; NULL-safe. Logs when a
 * truncation was still pending. */
void wal_close(struct wal *w);

/* Ask for a truncation of the WAL (after the commit that ended a secret
 * vote). Returns at once; NULL-safe (an in-memory database has no WAL). */
void wal_truncate_soon(struct wal *w);

/* A consistent copy of the counters; zeros for NULL. Any thread. */
void wal_stats(struct wal *w, struct wal_stats *out);

#endif
