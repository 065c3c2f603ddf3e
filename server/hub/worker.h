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

struct store;
struct worker;

struct worker_job {
    /* Run on the worker's thread, with the worker's store (read only). */
    void (*run)(struct worker_job *j, struct store *st);
    struct worker_job *next; /* the worker's */
};

/* Start the thread over the database at `path` (already opened and migrated
 * by the hub's store). `wake(ctx)` is called on the worker's thread each time
 * a job is done and the finished list was empty: it must be thread-safe and
 * make the hub's thread call worker_done() soon. *out is new (worker_close). */
int worker_open(const char *path, void (*wake)(void *ctx), void *ctx, struct worker **out);

/* Stop the thread once the running job ends, and free the worker; NULL-safe.
 * Jobs submitted and not handed back are not touched: their owner frees them. */
void worker_close(struct worker *w);

/* Queue `j` behind the others. */
void worker_submit(struct worker *w, struct worker_job *j);

/* The jobs done since the last call, in the order they were submitted
 * (linked through `next`), or NULL. */
struct worker_job *worker_done(struct worker *w);

#endif
