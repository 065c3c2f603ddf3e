/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * hub_metrics.c - the hub's counters for GET /metrics, in the Prometheus
 * text format.
 *
 * The counters (struct hub_metrics) are kept where things happen: commits
 * in hub_flush.c, error replies where they are sent, HTTP requests in
 * api.c; here they are only written out, with the gauges read at that
 * moment (connections, meetings, the WAL's state, resident memory). Loop
 * thread only: the counters are plain integers.
 */
#define _POSIX_C_SOURCE 200809L
#include "hub_impl.h"

#include "../err.h"
#include "../store/wal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Resident memory from /proc/self/statm, in bytes; 0 when unavailable. */
static uint64_t
resident_bytes(void)
{
    unsigned long size = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f) {
        return 0;
    }
    if (fscanf(f, "%lu %lu", &size, &resident) != 2) {
        resident = 0;
    }
    fclose(f);
    return (uint64_t)resident * 4096u;
}

char *
hub_metrics_text(const struct hub *h, const char *extra)
{
    static const char *const bounds[COMMIT_BUCKETS] = {
        "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1"};
    const struct hub_metrics *mt = &h->metrics;
    size_t loaded = 0, open = 0;
    for (const struct live *l = h->lives; l; l = l->next) {
        loaded++;
        open += l->m->state == MEETING_OPEN || l->m->state == MEETING_SUSPENDED;
    }
    size_t cap = 8192 + (extra ? strlen(extra) : 0), n = 0;
    char *out = malloc(cap);
    if (!out) {
        return NULL;
    }
#define PUT(...) n += (size_t)snprintf(out + n, n < cap ? cap - n : 0, __VA_ARGS__)
    PUT("# HELP concerto_connections Open WebSocket connections.\n"
        "# TYPE concerto_connections gauge\nconcerto_connections %zu\n",
        h->nconns);
    PUT("# HELP concerto_meetings_loaded Meetings held in memory.\n"
        "# TYPE concerto_meetings_loaded gauge\nconcerto_meetings_loaded %zu\n",
        loaded);
    PUT("# HELP concerto_meetings_open Meetings open or suspended.\n"
        "# TYPE concerto_meetings_open gauge\nconcerto_meetings_open %zu\n",
        open);
    PUT("# HELP concerto_events_committed_total Events committed to the log.\n"
        "# TYPE concerto_events_committed_total counter\n"
        "concerto_events_committed_total %" PRIu64 "\n",
        mt->events);
    PUT("# HELP concerto_commit_failures_total Turns whose commit failed.\n"
        "# TYPE concerto_commit_failures_total counter\n"
        "concerto_commit_failures_total %" PRIu64 "\n",
        mt->commit_failures);
    PUT("# HELP concerto_commit_seconds Duration of each group commit.\n"
        "# TYPE concerto_commit_seconds histogram\n");
    for (int i = 0; i < COMMIT_BUCKETS; i++) {
        PUT("concerto_commit_seconds_bucket{le=\"%s\"} %" PRIu64 "\n", bounds[i],
            mt->commit_le[i]);
    }
    PUT("concerto_commit_seconds_bucket{le=\"+Inf\"} %" PRIu64 "\n"
        "concerto_commit_seconds_sum %.6f\nconcerto_commit_seconds_count %" PRIu64 "\n",
        mt->commits, mt->commit_seconds, mt->commits);
    PUT("# HELP concerto_errors_total Error replies by code.\n"
        "# TYPE concerto_errors_total counter\n");
    for (int i = 1; i < ERR_COUNT_; i++) {
        PUT("concerto_errors_total{code=\"%s\"} %" PRIu64 "\n", err_str(-i), mt->errors[i]);
    }
    PUT("# HELP concerto_http_requests_total HTTP API requests.\n"
        "# TYPE concerto_http_requests_total counter\n"
        "concerto_http_requests_total %" PRIu64 "\n",
        mt->http_requests);
    struct wal_stats ws;
    wal_stats(h->cfg.wal, &ws);
    PUT("# HELP concerto_wal_checkpoint_pending 1 from the end of a secret vote until the"
        " write-ahead log is truncated (a reader of the database delays it).\n"
        "# TYPE concerto_wal_checkpoint_pending gauge\nconcerto_wal_checkpoint_pending %d\n",
        ws.pending ? 1 : 0);
    PUT("# HELP concerto_wal_checkpoint_failures_total Attempts to truncate the write-ahead log"
        " that could not complete.\n"
        "# TYPE concerto_wal_checkpoint_failures_total counter\n"
        "concerto_wal_checkpoint_failures_total %" PRIu64 "\n",
        ws.failures);
    PUT("# HELP concerto_wal_truncations_total Truncations of the write-ahead log completed.\n"
        "# TYPE concerto_wal_truncations_total counter\nconcerto_wal_truncations_total %" PRIu64
        "\n",
        ws.done);
    PUT("# HELP concerto_resident_memory_bytes Resident memory of the process.\n"
        "# TYPE concerto_resident_memory_bytes gauge\n"
        "concerto_resident_memory_bytes %" PRIu64 "\n",
        resident_bytes());
    PUT("%s", extra ? extra : "");
#undef PUT
    if (n >= cap) {
        free(out);
        return NULL;
    }
    return out;
}
