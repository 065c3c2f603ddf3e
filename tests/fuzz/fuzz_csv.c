/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * fuzz_csv.c - the roster CSV: csv_parse() alone, then the whole import
 * (POST /api/commissions/C/members.csv) on a store in memory.
 *
 * Input: the file, as an admin would upload it.
 *
 * Checks:
 *   - the parser hands out at most CSV_MAX_FIELDS fields of at most
 *     CSV_MAX_FIELD bytes, NUL-terminated, valid UTF-8, with line numbers
 *     that never go backwards; it returns 0, the callback's value or
 *     ERR_INVALID with the line of the fault;
 *   - the import either takes every line (201, one member per record after
 *     the header) or none (an error, and the commission's roster unchanged),
 *     and an error names its line in `message` when the file is malformed.
 */
#define _POSIX_C_SOURCE 200809L
#include "fuzz.h"

#include "proto/csv.h"

struct fc_seen {
    size_t rows;
    size_t last_line;
};

/* Is s[0..n) valid UTF-8 (what the parser promises of every field)? */
static int
fc_utf8_ok(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned char c = s[i];
        size_t k = c < 0x80 ? 0 : (c >> 5) == 6 ? 1 : (c >> 4) == 14 ? 2 : (c >> 3) == 30 ? 3 : 9;
        if (k == 9 || i + k >= n) {
            return 0;
        }
        for (size_t j = 1; j <= k; j++) {
            if ((s[i + j] & 0xc0) != 0x80) {
                return 0;
            }
        }
        i += k + 1;
    }
    return 1;
}

static int
fc_row(void *ctx, size_t line, char **fields, size_t n)
{
    struct fc_seen *s = ctx;
    FUZZ_CHECK(n >= 1 && n <= CSV_MAX_FIELDS, "%zu fields", n);
    FUZZ_CHECK(line > s->last_line, "line %zu after line %zu", line, s->last_line);
    s->last_line = line;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(fields[i]);
        FUZZ_CHECK(len <= CSV_MAX_FIELD, "a field of %zu bytes", len);
        FUZZ_CHECK(fc_utf8_ok((const unsigned char *)fields[i], len),
                   "field %zu of line %zu is not UTF-8", i, line);
    }
    s->rows++;
    return 0;
}

/* Like the importer, the parser stops at the callback's first non-zero value. */
static int
fc_stop_row(void *ctx, size_t line, char **fields, size_t n)
{
    (void)line;
    (void)fields;
    (void)n;
    return ++*(size_t *)ctx == 2 ? 42 : 0;
}

int
FUZZ_ENTRY(const uint8_t *data, size_t size)
{
    fuzz_init();
    const char *buf = (const char *)data;
    struct fc_seen seen = {0};
    size_t line = 0;
    int rc = csv_parse(buf, size, fc_row, &seen, &line);
    FUZZ_CHECK(rc == 0 || rc == ERR_INVALID, "csv_parse returned %d", rc);
    FUZZ_CHECK(rc == 0 ? line == 0 : line >= 1, "rc %d with line %zu", rc, line);
    size_t calls = 0;
    int stop = csv_parse(buf, size, fc_stop_row, &calls, &line);
    FUZZ_CHECK(seen.rows < 2 || rc != 0 || (stop == 42 && calls == 2), "stop: %d after %zu",
               stop, calls);

    /* The whole import, through the API. */
    struct fuzz_hub f;
    fh_open(&f, FH_COMMISSION);
    char path[128];
    snprintf(path, sizeof(path), "/api/commissions/%s/members.csv", f.commission);
    size_t before = fh_member_count(&f);
    char *body = malloc(size + 1); /* net/ hands bodies NUL-terminated */
    FUZZ_CHECK(body != NULL, "out of memory in the fixture");
    memcpy(body, data, size);
    body[size] = 0;
    struct fh_answer *a = fh_request(&f, "POST", path, f.admin, body, size);
    int status = a->status;
    json_t *v = json_loads(a->body, 0, NULL);
    FUZZ_CHECK(v != NULL, "answer %d is not JSON: %s", status, a->body);
    size_t after = fh_member_count(&f);
    if (status == 201) {
        size_t added = json_array_size(json_object_get(v, "members"));
        FUZZ_CHECK(rc == 0 && added >= 1 && added + 1 == seen.rows,
                   "201 with %zu members from %zu records (parse %d)", added, seen.rows, rc);
        FUZZ_CHECK(after == before + added, "%zu members stored, %zu announced", after - before,
                   added);
    } else {
        const char *code = json_string_value(json_object_get(json_object_get(v, "error"), "code"));
        const char *message =
            json_string_value(json_object_get(json_object_get(v, "error"), "message"));
        FUZZ_CHECK(status == 400 && code && strcmp(code, "invalid") == 0 && message,
                   "refused with %d %s", status, a->body);
        FUZZ_CHECK(after == before, "a refused file still added %zu members", after - before);
        FUZZ_CHECK(rc == 0 || strncmp(message, "line ", 5) == 0,
                   "a malformed file is refused without its line: %s", message);
    }
    json_decref(v);
    free(body);
    fh_close(&f);
    return 0;
}
