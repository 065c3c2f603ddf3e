/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * worker.c - the threads that build records, documents and minutes for the hub.
 *
 * The hub runs every meeting of the node on one thread: whatever it does
 * inline, no meeting gets an acknowledgement, a broadcast or a vote
 * deadline meanwhile. Building a 50,000-event meeting's record.json takes
 * about 0.4 s and its PDF 1.5 to 4.8 s, and folding its log into the
 * minutes a good part of the former, so the hub hands that work to these
 * threads (records.c says what a job holds and how its answer comes back).
 *
 *   hub:    GET record/F or minutes -> job (meeting, head seq, file)
 *           -> after COMMIT: submit to a lane
 *   lane:   own read-only use of its connection: the log up to the head,
 *           record.json, document, signatures -> done list -> wake(ctx)
 *   hub:    next turn: worker_done() -> answer the waiting requests, cache
 *
 * A job is fed an immutable copy of what it needs, or reads it itself: the
 * meeting's id and the head seq its request saw, and the lane reads the log
 * on its own SQLite connection. The hub submits only after its turn's
 * commit, so the rows up to that head are committed; one SELECT is one
 * consistent snapshot (WAL mode), so a meeting that moves on meanwhile does
 * not change what the job reads. The connections never write.
 *
 * Two lanes, each a thread with its connection and its queue, jobs in
 * order: the long one for the record and its documents (a node builds a
 * record now and then, and two PDFs at once would only halve each other's
 * speed on a small machine while doubling the memory), the quick one for
 * the minutes, which every page asks for whenever the log moves and which
 * must not wait seconds behind a PDF. The hub shares one job between the
 * requests for the same file at the same head.
 *
 * The threads are SCHED_BATCH: a loop that answers the meetings and wakes
 * takes the core from them at once, and they still get their fair share
 * of a busy machine. (At nice 5 they did not: on a 2-core machine running
 * thirty other processes, a small meeting's PDF took over 8 s instead of
 * 2.4 s on the hub's thread under ThreadSanitizer, past its clients'
 * patience.)
 *
 * Stopping: worker_close() sets `stop` and wakes the lanes. A job running
 * asks worker_stopping() between its pieces (every 1,024 rows of the log,
 * between record.json and the events-free record, before each block laid
 * out and each page written of the PDF) and gives up; the lane then leaves
 * without handing it back, and queued jobs are never run: the hub, which
 * owns them all, frees them after. So SIGTERM during a 50 s PDF is a
 * matter of milliseconds, not of the PDF's end, and nothing is detached.
 *
 * Measured with tests/e2e/test_record_worker.py (a meeting of 20,000
 * minutes entries, a PDF of 1.6 MB), `nproc` 2, with other test suites
 * running beside it (`uptime` load average 20 to 33; nothing here is an
 * idle machine's figure). SCHED_BATCH, load 21: the PDF took 27 s to make;
 * another meeting's agenda.add, sent one after the other meanwhile, was
 * acknowledged with p50 857 ms, p99 1,601 ms, where the same commands took
 * p50 374 ms, up to 774 ms with nothing being built (the machine's own
 * noise). At nice 5, load 33: PDF 49 s, acknowledgements p50 174 ms, p99
 * 1,235 ms (without a build p50 428 ms, up to 660 ms): kinder to the
 * commands, but it starved small PDFs under ThreadSanitizer past their
 * clients' 5 s. That meeting's minutes came in 59 to 213 ms during the
 * build; a SIGTERM during the second PDF ended the server in 1.1 to 2.9 s
 * (the PDF had 11 to 67 s to go). Under ThreadSanitizer (4,000 entries,
 * PDF 11 s): acknowledgements p50 12 ms, p99 195 ms (without a build p50
 * 12 ms, up to 19 ms). On the hub's thread (before this worker), the first
 * command sent during the build waited for the whole PDF: 4,789 ms when it
 * took 4.8 s.
 *
 * The threads own nothing of the jobs but the run: the hub owns them from
 * creation to free. `wake` is net/'s (it wakes loop 0, which then runs a
 * turn of the hub); the worker must be closed before net/ is freed.
 */
#define _GNU_SOURCE /* SCHED_BATCH */
#include "worker.h"

#include "../err.h"
#include "../log.h"
#include "../store/store.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sched.h>


/* A thread, its connection and its queue. */
struct lane {
    struct worker *w;
    struct store *st; /* the lane's thread's alone */
    pthread_t thread;
    bool started;
    struct worker_job *queue, **queue_tail; /* submitted, not run (w->mu) */
};

struct worker {
    void (*wake)(void *ctx);
    void *ctx;
    atomic_bool stop; /* set once, by worker_close(); read between pieces */
    pthread_mutex_t mu; /* guards the queues and everything below */
    pthread_cond_t cv;
    struct worker_job *done, **done_tail; /* run, not handed back */
    unsigned long runs;                   /* jobs run to their end */
    struct lane lanes[2];                 /* [1]: the quick jobs */
};

bool
worker_stopping(const struct worker_job *j)
{
    return j->by && atomic_load_explicit(&j->by->stop, memory_order_relaxed);
}

static void *
run(void *arg)
{
    struct lane *ln = arg;
    struct worker *w = ln->w;
    /* A batch thread: its fair share of the cores, but a loop that wakes
     * is never kept waiting behind it. Failing, it only competes on equal
     * terms. */
    struct sched_param sp = {.sched_priority = 0};
    pthread_setschedparam(pthread_self(), SCHED_BATCH, &sp);
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!atomic_load(&w->stop) && !ln->queue) {
            pthread_cond_wait(&w->cv, &w->mu);
        }
        if (atomic_load(&w->stop)) {
            break;
        }
        struct worker_job *j = ln->queue;
        ln->queue = j->next;
        if (!ln->queue) {
            ln->queue_tail = &ln->queue;
        }
        pthread_mutex_unlock(&w->mu);
        j->next = NULL;
        j->by = w;
        j->run(j, ln->st);
        pthread_mutex_lock(&w->mu);
        if (atomic_load(&w->stop)) {
            break; /* abandoned: its owner frees it */
        }
        w->runs++;
        bool wake = !w->done;
        *w->done_tail = j;
        w->done_tail = &j->next;
        if (wake && w->wake) {
            w->wake(w->ctx);
        }
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

int
worker_open(const char *path, void (*wake)(void *ctx), void *ctx, struct worker **out)
{
    *out = NULL;
    struct worker *w = calloc(1, sizeof(*w));
    if (!w) {
        return ERR_NOMEM;
    }
    w->wake = wake;
    w->ctx = ctx;
    atomic_init(&w->stop, false);
    w->done_tail = &w->done;
    if (pthread_cond_init(&w->cv, NULL)) {
        free(w);
        return ERR_NOMEM;
    }
    pthread_mutex_init(&w->mu, NULL);
    int rc = 0;
    for (int i = 0; rc == 0 && i < 2; i++) {
        struct lane *ln = &w->lanes[i];
        ln->w = w;
        ln->queue_tail = &ln->queue;
        rc = store_open(path, &ln->st, NULL);
        if (rc == 0 && pthread_create(&ln->thread, NULL, run, ln)) {
            rc = ERR_NOMEM;
        }
        ln->started = rc == 0;
    }
    if (rc) {
        worker_close(w);
        return rc;
    }
    *out = w;
    return 0;
}

void
worker_close(struct worker *w)
{
    if (!w) {
        return;
    }
    pthread_mutex_lock(&w->mu);
    atomic_store(&w->stop, true);
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    for (int i = 0; i < 2; i++) {
        if (w->lanes[i].started) {
            pthread_join(w->lanes[i].thread, NULL);
        }
        store_close(w->lanes[i].st);
    }
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    free(w);
}

void
worker_submit(struct worker *w, struct worker_job *j)
{
    struct lane *ln = &w->lanes[j->quick ? 1 : 0];
    j->by = NULL;
    j->next = NULL;
    pthread_mutex_lock(&w->mu);
    *ln->queue_tail = j;
    ln->queue_tail = &j->next;
    /* Both lanes wait on the one condition: wake both, the other waits again. */
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

struct worker_job *
worker_done(struct worker *w)
{
    pthread_mutex_lock(&w->mu);
    struct worker_job *j = w->done;
    w->done = NULL;
    w->done_tail = &w->done;
    pthread_mutex_unlock(&w->mu);
    return j;
}

unsigned long
worker_runs(struct worker *w)
{
    pthread_mutex_lock(&w->mu);
    unsigned long n = w->runs;
    pthread_mutex_unlock(&w->mu);
    return n;
}
