/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * blobs.c - the bytes of documents, one file each, named by the SHA-256 of
 * their content (64 hex digits) in one directory.
 *
 * Content-addressed: the same file attached twice, to two items or two
 * meetings, is stored once, and a name never changes meaning, so a file is
 * never rewritten nor deleted (the log refers to it for ever; the signed
 * record names its digest). A file appears whole or not at all: written to
 * a temporary name in the same directory, flushed (fsync), renamed, and the
 * directory flushed, so that a crash leaves either nothing or the whole
 * file (a stray temporary file at worst, which a later write of the same
 * content replaces). The caller computed the digest from the same bytes;
 * names are checked here again, since they become paths.
 */
#define _POSIX_C_SOURCE 200809L
#include "store.h"

#include "../err.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool
name_ok(const char *sha256)
{
    if (!sha256 || strlen(sha256) != 64) {
        return false;
    }
    for (const char *p = sha256; *p; p++) {
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'))) {
            return false;
        }
    }
    return true;
}

static int
write_all(int fd, const char *p, size_t len)
{
    while (len) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            return -1;
        }
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

int
store_blob_put(const char *dir, const char *sha256, const void *buf, size_t len)
{
    char path[PATH_MAX], tmp[PATH_MAX];
    struct stat st;
    if (!dir || !name_ok(sha256) ||
        snprintf(path, sizeof(path), "%s/%s", dir, sha256) >= (int)sizeof(path) ||
        snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, sha256) >= (int)sizeof(tmp)) {
        return ERR_STORAGE;
    }
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size == len) {
        return 0; /* already there: same name, same content */
    }
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        return ERR_STORAGE;
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        return ERR_STORAGE;
    }
    bool ok = write_all(fd, buf, len) == 0 && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return ERR_STORAGE;
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        ok = fsync(dfd) == 0;
        close(dfd);
    }
    return ok && dfd >= 0 ? 0 : ERR_STORAGE;
}

int
store_blob_read(const char *dir, const char *sha256, char **out, size_t *len)
{
    char path[PATH_MAX];
    struct stat st;
    *out = NULL;
    *len = 0;
    if (!dir || !name_ok(sha256) ||
        snprintf(path, sizeof(path), "%s/%s", dir, sha256) >= (int)sizeof(path)) {
        return ERR_NOT_FOUND;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return errno == ENOENT ? ERR_NOT_FOUND : ERR_STORAGE;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return ERR_STORAGE;
    }
    size_t n = (size_t)st.st_size;
    char *buf = malloc(n ? n : 1);
    if (!buf) {
        close(fd);
        return ERR_NOMEM;
    }
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            break;
        }
        got += (size_t)r;
    }
    close(fd);
    if (got != n) {
        free(buf);
        return ERR_STORAGE;
    }
    *out = buf;
    *len = n;
    return 0;
}
