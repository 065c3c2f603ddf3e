/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * verify.h - check a record's signatures and hash chain (concerto verify).
 */
#ifndef CONCERTO_VERIFY_H
#define CONCERTO_VERIFY_H

#include <stdio.h>

/* Check the record files in `dir` against the minisign public key in
 * `pubfile` (NULL: DIR/concerto.pub), reporting one line per check to
 * `out`. 0 when everything verifies; ERR_INVALID or ERR_IO otherwise. */
int record_verify(const char *dir, const char *pubfile, FILE *out);

#endif
