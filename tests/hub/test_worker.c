/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_worker.c - hub/worker.c: its queues, the quick lane, the hand-back
 * of finished jobs through wake(), and its abandon at close.
 *
 * Jobs here are the test's own: each records when it ran and, for the long
 * ones, spins until a gate the test opens or the worker's stop flag. The
 * test waits on what the worker does (its wake() signals a condition), with
 * a generous deadline only so that a bug fails instead of hanging; no fixed
 * sleep decides anything. The hub's use of it (one job per file and head,
 * requests that go away) is in test_hub.c.
 */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hub/worker.h"
#include "store/store.h"

#define DEADLINE_S 20 /* a bug fails the test rather than hang it */

struct fx {
    char path[128];
    struct worker *w;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int wakes;
    int order; /* the next job to run gets this number */
};

struct tjob {
    struct worker_job w; /* first */
    struct fx *f;
    atomic_int ran;       /* 0, or 1 + its place in the order of runs */
    atomic_bool gate;     /* a long job spins until this, or the stop flag */
    atomic_bool long_job;
    atomic_bool stopped; /* it saw worker_stopping() */
    atomic_bool had_store;
};

static void
wake(void *ctx)
{
    struct fx *f = ctx;
    pthread_mutex_lock(&f->mu);
    f->wakes++;
    pthread_cond_broadcast(&f->cv);
    pthread_mutex_unlock(&f->mu);
}

static void
job_run(struct worker_job *wj, struct store *st)
{
    struct tjob *j = (struct tjob *)wj;
    atomic_store(&j->had_store, st != NULL);
    pthread_mutex_lock(&j->f->mu);
    atomic_store(&j->ran, ++j->f->order);
    pthread_mutex_unlock(&j->f->mu);
    while (atomic_load(&j->long_job) && !atomic_load(&j->gate)) {
        if (worker_stopping(wj)) {
            atomic_store(&j->stopped, true);
            return;
        }
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL); /* a piece of the work */
    }
}

static void
job_init(struct tjob *j, struct fx *f, bool quick, bool long_job)
{
    memset(j, 0, sizeof(*j));
    j->w.run = job_run;
    j->w.quick = quick;
    j->f = f;
    atomic_init(&j->ran, 0);
    atomic_init(&j->gate, false);
    atomic_init(&j->long_job, long_job);
    atomic_init(&j->stopped, false);
    atomic_init(&j->had_store, false);
}

/* Wait for a wake() and take the jobs done; NULL-terminated into `out`. */
static size_t
collect(struct fx *f, struct worker_job **out, size_t cap, size_t want)
{
    size_t n = 0;
    struct timespec end;
    clock_gettime(CLOCK_REALTIME, &end);
    end.tv_sec += DEADLINE_S;
    while (n < want) {
        pthread_mutex_lock(&f->mu);
        int rc = 0;
        while (f->wakes == 0 && rc == 0) {
            rc = pthread_cond_timedwait(&f->cv, &f->mu, &end);
        }
        f->wakes = 0;
        pthread_mutex_unlock(&f->mu);
        if (rc) {
            fail_msg("no wake from the worker within %d s (%zu of %zu jobs)", DEADLINE_S, n, want);
        }
        for (struct worker_job *j = worker_done(f->w); j; j = j->next) {
            assert_true(n < cap);
            out[n++] = j;
        }
    }
    return n;
}

static int
setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    snprintf(f->path, sizeof(f->path), "/tmp/concerto-test-worker-%d.db", (int)getpid());
    struct store *st = NULL;
    const char *msg = NULL;
    assert_int_equal(store_open(f->path, &st, &msg), 0); /* made and migrated */
    store_close(st);
    pthread_mutex_init(&f->mu, NULL);
    pthread_cond_init(&f->cv, NULL);
    assert_int_equal(worker_open(f->path, wake, f, &f->w), 0);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fx *f = *state;
    worker_close(f->w);
    pthread_cond_destroy(&f->cv);
    pthread_mutex_destroy(&f->mu);
    char p[160];
    unlink(f->path);
    snprintf(p, sizeof(p), "%s-wal", f->path);
    unlink(p);
    snprintf(p, sizeof(p), "%s-shm", f->path);
    unlink(p);
    free(f);
    return 0;
}

static void
test_jobs_run_in_order_and_come_back_through_wake(void **state)
{
    struct fx *f = *state;
    struct tjob j[5];
    for (int i = 0; i < 5; i++) {
        job_init(&j[i], f, false, false);
    }
    for (int i = 0; i < 5; i++) {
        worker_submit(f->w, &j[i].w);
    }
    struct worker_job *done[8];
    assert_int_equal(collect(f, done, 8, 5), 5);
    for (int i = 0; i < 5; i++) {
        assert_ptr_equal(done[i], &j[i].w); /* handed back in the order run */
        assert_int_equal(atomic_load(&j[i].ran), i + 1);
        assert_true(atomic_load(&j[i].had_store));
    }
    assert_null(worker_done(f->w)); /* each once */
}

static void
test_a_quick_job_is_not_behind_a_long_one(void **state)
{
    struct fx *f = *state;
    struct tjob slow, behind, quick;
    job_init(&slow, f, false, true);
    job_init(&behind, f, false, false);
    job_init(&quick, f, true, false);
    worker_submit(f->w, &slow.w);
    worker_submit(f->w, &behind.w);
    worker_submit(f->w, &quick.w);
    struct worker_job *done[4];
    assert_int_equal(collect(f, done, 4, 1), 1);
    assert_ptr_equal(done[0], &quick.w); /* while the long one still runs */
    assert_int_equal(atomic_load(&behind.ran), 0); /* its lane waits for it */
    atomic_store(&slow.gate, true);
    assert_int_equal(collect(f, done, 4, 2), 2);
    assert_ptr_equal(done[0], &slow.w);
    assert_ptr_equal(done[1], &behind.w);
}

static void
test_close_abandons_the_running_job_and_runs_no_queued_one(void **state)
{
    struct fx *f = *state;
    struct tjob slow, queued;
    job_init(&slow, f, false, true); /* never let through: only the stop flag ends it */
    job_init(&queued, f, false, false);
    worker_submit(f->w, &slow.w);
    worker_submit(f->w, &queued.w);
    while (atomic_load(&slow.ran) == 0) {
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    worker_close(f->w);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    f->w = NULL;
    assert_true(atomic_load(&slow.stopped));
    assert_int_equal(atomic_load(&queued.ran), 0);
    double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    assert_true(ms < 5000); /* the job's next check, not its end: it has none */
    /* Neither was handed back: both are still the test's, on its stack. */
}

static void
test_close_with_nothing_to_do_and_a_null_worker(void **state)
{
    struct fx *f = *state;
    worker_close(f->w);
    f->w = NULL;
    worker_close(NULL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_jobs_run_in_order_and_come_back_through_wake, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_quick_job_is_not_behind_a_long_one, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_close_abandons_the_running_job_and_runs_no_queued_one,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_close_with_nothing_to_do_and_a_null_worker, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
