/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * err.c - names, sentences and HTTP statuses of the error codes in err.h.
 * One table, indexed by -e, so that the three never drift apart.
 */
#include "err.h"

static const struct {
    const char *name;
    const char *message;
    int http;
} table[ERR_COUNT_] = {
    [0] = {"ok", "success", 200},
    [-ERR_BAD_JSON] = {"bad_json", "the message is not valid JSON", 400},
    [-ERR_BAD_MESSAGE] = {"bad_message", "a field is missing or has the wrong type", 400},
    [-ERR_UNKNOWN_TYPE] = {"unknown_type", "unknown message type", 400},
    [-ERR_TOO_LARGE] = {"too_large", "message or field too large", 413},
    [-ERR_NOT_AUTHENTICATED] = {"not_authenticated", "send hello first", 401},
    [-ERR_BAD_TOKEN] = {"bad_token", "invalid, revoked or foreign token", 401},
    [-ERR_FORBIDDEN] = {"forbidden", "your role may not do this", 403},
    [-ERR_BAD_STATE] = {"bad_state", "not possible in the current state", 409},
    [-ERR_NOT_FOUND] = {"not_found", "no such object", 404},
    [-ERR_INVALID] = {"invalid", "a value is out of range or malformed", 400},
    [-ERR_CONFLICT] = {"conflict", "already exists or already done", 409},
    [-ERR_STORAGE] = {"storage_failed", "the change could not be stored", 503},
    [-ERR_NOMEM] = {"no_memory", "out of memory", 503},
    [-ERR_RATE_LIMITED] = {"rate_limited", "too many messages, slow down", 429},
    [-ERR_UNAUTHORIZED] = {"unauthorized", "missing or invalid bearer token", 401},
    [-ERR_METHOD] = {"method_not_allowed", "method not allowed on this route", 405},
    [-ERR_INTERNAL] = {"internal", "internal error", 500},
    [-ERR_IO] = {"io_error", "a file could not be read or written", 500},
    [-ERR_TIMEOUT] = {"timeout", "the request did not arrive in time", 408},
};

static int
index_of(int e)
{
    if (e > 0 || e <= -ERR_COUNT_) {
        return -ERR_INTERNAL;
    }
    return -e;
}

const char *
err_str(int e)
{
    return table[index_of(e)].name;
}

const char *
err_message(int e)
{
    return table[index_of(e)].message;
}

int
err_http_status(int e)
{
    return table[index_of(e)].http;
}
