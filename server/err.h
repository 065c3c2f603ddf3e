/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * err.h - the one error vocabulary of Concerto.
 *
 * Every function that can fail returns 0 or a negative `enum err`. The same
 * names travel on the wire: err_str(ERR_FORBIDDEN) is "forbidden", the `code`
 * of an `error` reply and of an HTTP error body. proto/PROTOCOL.md lists them
 * with their meaning; err_http_status() gives the HTTP status for each.
 *
 * Adding a code: add it here, in err.c's table, and in proto/PROTOCOL.md.
 */
#ifndef CONCERTO_ERR_H
#define CONCERTO_ERR_H

enum err {
    ERR_OK = 0,
    ERR_BAD_JSON = -1,          /* the message is not valid JSON (or not UTF-8) */
    ERR_BAD_MESSAGE = -2,       /* valid JSON, wrong shape: missing field, wrong type */
    ERR_UNKNOWN_TYPE = -3,      /* no such command */
    ERR_TOO_LARGE = -4,         /* message or field over its size limit */
    ERR_NOT_AUTHENTICATED = -5, /* command before a successful hello */
    ERR_BAD_TOKEN = -6,         /* token unknown, revoked, or for another meeting */
    ERR_FORBIDDEN = -7,         /* the role may not do this */
    ERR_BAD_STATE = -8,         /* not possible in the current state */
    ERR_NOT_FOUND = -9,         /* no such meeting, item, participant ... */
    ERR_INVALID = -10,          /* a value out of range or malformed */
    ERR_CONFLICT = -11,         /* already exists / already done */
    ERR_STORAGE = -12,          /* the database refused the write; nothing changed */
    ERR_NOMEM = -13,            /* out of memory; nothing changed */
    ERR_RATE_LIMITED = -14,     /* too many messages */
    ERR_UNAUTHORIZED = -15,     /* HTTP: missing or bad bearer token */
    ERR_METHOD = -16,           /* HTTP: method not allowed on this route */
    ERR_INTERNAL = -17,         /* a bug; logged */
    ERR_IO = -18,               /* a file could not be read or written */
    ERR_TIMEOUT = -19,          /* HTTP: the request did not arrive in time */
    ERR_COUNT_ = 20
};

/* The wire name of `e` ("forbidden"); static storage. Unknown values give "internal". */
const char *err_str(int e);

/* The human sentence for `e`, in English, for logs and the `message` field. */
const char *err_message(int e);

/* The HTTP status that goes with `e` (400, 401, 403, 404, 409, 413, 500 ...). */
int err_http_status(int e);

#endif
