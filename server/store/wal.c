/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * wal.c - the thread that truncates the write-ahead log (see wal.h).
 *
 * One attempt is a PASSIVE checkpoint, then a TRUNCATE one, on a connection
 * without busy handler. PASSIVE copies what it can into the database
 * without taking the writer's lock, so that TRUNCATE, which takes it, has
 * little left to copy: the hub's next BEGIN IMMEDIATE waits for that little
 * (its busy timeout), never for a reader. When TRUNCATE cannot take the
 * writer's lock (the hub is in a transaction) or finds a reader, it returns
 * SQLITE_BUSY at once and releases what it took.
 *
 * The hub holds the writer's lock for a few milliseconds per loop turn, a
 * reader for as long as it likes. So a failed attempt is retried after 20,
 * 100 and 300 ms, then every second; only an attempt still failing a second
 * after the first is worth a warning (one per request, not per retry).
 *
 * Measured on the 2-core machine with a read transaction held open during
 * the close of a secret vote of 8 members: `vote.close` was answered after
 * 5,018 ms when the hub ran the checkpoint itself (its busy timeout), and
 * in a few milliseconds since.
 */
#define _POSIX_C_SOURCE 200809L
#include "wal.h"

#include "../err.h"
#include "../log.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <time.h>

#define WARN_AFTER_MS 1000

static const int64_t retry_ms[] = {20, 100, 300, 1000};

struct wal {
    sqlite3 *db; /* the thread's alone */
    pthread_t thread;
    pthread_mutex_t mu; /* guards everything below */
    pthread_cond_t cv;  /* on CLOCK_MONOTONIC */
    bool stop;
    bool pending; /* asked, not completed */
    bool asked;   /* asked again since the current attempt began */
    uint64_t failures;
    uint64_t done;
};

static int64_t
now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* SQLITE_OK when the WAL is empty, SQLITE_BUSY when a writer or a reader
 * prevented it, another code on an error. */
static int
attempt(sqlite3 *db)
{
    int nlog = 0, ncopied = 0;
    sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE, &nlog, &ncopied);
    return sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_TRUNCATE, &nlog, &ncopied);
}

/* Wait on the condition until `at` (monotonic ms), or a stop. */
static void
sleep_until(struct wal *w, int64_t at)
{
    struct timespec ts = {.tv_sec = (time_t)(at / 1000), .tv_nsec = (long)(at % 1000) * 1000000};
    while (!w->stop && now_ms() < at) {
        pthread_cond_timedwait(&w->cv, &w->mu, &ts);
    }
}

static void *
run(void *arg)
{
    struct wal *w = arg;
    unsigned tries = 0; /* failed attempts since the request */
    int64_t first = 0;  /* when the first of them failed */
    bool warned = false;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->stop && !w->pending) {
            pthread_cond_wait(&w->cv, &w->mu);
        }
        if (w->stop) {
            break;
        }
        w->asked = false;
        pthread_mutex_unlock(&w->mu);
        int rc = attempt(w->db);
        int64_t t = now_ms();
        pthread_mutex_lock(&w->mu);
        if (rc == SQLITE_OK) {
            w->done++;
            w->pending = w->asked; /* asked again meanwhile: once more */
            if (warned) {
                log_line(LOG_INFO, "write-ahead log truncated, after %u attempts in %.1f s",
                         tries + 1, (double)(t - first) / 1000);
            }
            tries = 0;
            warned = false;
            continue;
        }
        w->failures++;
        first = tries++ ? first : t;
        if (!warned && t - first >= WARN_AFTER_MS) {
            warned = true;
            log_line(LOG_WARN,
                     "write-ahead log cannot be truncated yet (%s): it may hold the order of the "
                     "ballots of the secret vote that ended, until it is; retrying every second",
                     rc == SQLITE_BUSY ? "a read transaction is open on the database"
                                       : sqlite3_errstr(rc));
        }
        size_t k = tries - 1 < sizeof(retry_ms) / sizeof(retry_ms[0])
                       ? tries - 1
                       : sizeof(retry_ms) / sizeof(retry_ms[0]) - 1;
        sleep_until(w, t + retry_ms[k]);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

int
wal_open(const char *path, struct wal **out)
{
    *out = NULL;
    struct wal *w = calloc(1, sizeof(*w));
    if (!w) {
        return ERR_NOMEM;
    }
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    int cv = pthread_cond_init(&w->cv, &ca);
    pthread_condattr_destroy(&ca);
    if (cv) {
        free(w);
        return ERR_NOMEM;
    }
    pthread_mutex_init(&w->mu, NULL);
    /* No busy timeout: a busy checkpoint returns at once and is retried. */
    if (sqlite3_open_v2(path, &w->db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        goto fail;
    }
    /* A connection that never read the database has not opened its WAL:
     * its checkpoints would succeed without doing anything. */
    if (sqlite3_exec(w->db, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL) != SQLITE_OK) {
        goto fail;
    }
    if (pthread_create(&w->thread, NULL, run, w)) {
        goto fail;
    }
    *out = w;
    return 0;
fail:
    sqlite3_close(w->db);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    free(w);
    return ERR_STORAGE;
}

void
wal_close(struct wal *w)
{
    if (!w) {
        return;
    }
    pthread_mutex_lock(&w->mu);
    w->stop = true;
    bool pending = w->pending;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    if (pending && attempt(w->db) != SQLITE_OK) {
        log_line(LOG_WARN, "write-ahead log still not truncated at stop: it will be at the next "
                           "start");
    }
    sqlite3_close(w->db);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    free(w);
}

void
wal_truncate_soon(struct wal *w)
{
    if (!w) {
        return;
    }
    pthread_mutex_lock(&w->mu);
    w->pending = w->asked = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

void
wal_stats(struct wal *w, struct wal_stats *out)
{
    *out = (struct wal_stats){0};
    if (!w) {
        return;
    }
    pthread_mutex_lock(&w->mu);
    out->pending = w->pending;
    out->failures = w->failures;
    out->done = w->done;
    pthread_mutex_unlock(&w->mu);
}
