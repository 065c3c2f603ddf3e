/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * worker.h - one thread for the hub's slow work, with a database connection
 * of its own (see worker.c for the design).
 *
 * A job is a struct of the caller's that begins with a `struct worker_job`.
 * The caller fills it, submits it, and does not touch it again until
 * worker_done() hands it back; then it is the caller's again (it always
 * was its owner: the worker never frees a job).
 */
#ifndef CONCERTO_WORKER_H
#define CONCERTO_WORKER_H

#include <stdbool.h>

struct store;
struct worker;

struct worker_job {
    /* Run on the worker's thread, with the worker's store (read only). A
     * long run asks worker_stopping() between its pieces and returns early
     * when it says true. */
    void (*run)(struct worker_job *j, struct store *st);
    bool quick;                 /* set by the caller: a lane of its own, never
                                 * behind a long job (a PDF) */
    struct worker_job *next;    /* the worker's */
    const struct worker *by;    /* the worker's: set before run() */
};

/* Start the threads (a lane for the long jobs, one for the quick ones, each
 * with its connection) over the database at `path` (already opened and
 * migrated by the hub's store). `wake(ctx)` is called on the worker's thread each time
 * a job is done and the finished list was empty: it must be thread-safe and
 * make the hub's thread call worker_done() soon. *out is new (worker_close). */
int worker_open(const char *path, void (*wake)(void *ctx), void *ctx, struct worker **out);

/* Stop the threads and free the worker; NULL-safe. A job running is told to
 * stop (worker_stopping()) and waited for only until its next check; jobs
 * queued are not run, and none is handed back: their owner frees them. */
void worker_close(struct worker *w);

/* Queue `j` behind the others of its lane. */
void worker_submit(struct worker *w, struct worker_job *j);

/* The jobs done since the last call, in the order they ended (linked
 * through `next`), or NULL. */
struct worker_job *worker_done(struct worker *w);

/* Should the job `j`, running, give up? (The worker is closing.) Any thread. */
bool worker_stopping(const struct worker_job *j);

/* How many jobs have run to their end (the tests count the hub's). */
unsigned long worker_runs(struct worker *w);

#endif
