/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_sec.c - the crypto/ module: tokens, hashes, hex, the signing key, signatures.
 *
 * Hash vectors were computed independently with Python's hashlib.blake2b, not
 * with libsodium, and this file does not include <sodium.h>: it checks sec.c
 * from the outside. The key and signature tests work in a fresh directory
 * under /tmp and hold the files to the one judge that matters, the stock
 * `minisign` binary (0.11): signatures made here must verify with it, fail
 * after one byte of the file changes, and the key files written here must be
 * usable by `minisign -S` and `minisign -R`, while key files written by
 * `minisign -G -W` must load here. Those tests are skipped when no minisign
 * is on the PATH. Every command runs under `timeout` so that a minisign
 * waiting for a password cannot hang the suite.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "crypto/sec.h"
#include "err.h"

#define PATH_SIZE 256

static char tmpdir[] = "/tmp/concerto-sec-XXXXXX";
static int have_minisign;

/* ---- Helpers --------------------------------------------------------------------------- */

static void
path_in(char out[PATH_SIZE], const char *name)
{
    int n = snprintf(out, PATH_SIZE, "%s/%s", tmpdir, name);

    assert_true(n > 0 && n < PATH_SIZE);
}

/* Run a shell command built from fmt; its exit status, or -1 if it did not exit. */
static int
run(const char *fmt, ...)
{
    char cmd[2048];
    va_list ap;
    int n;
    int status;

    va_start(ap, fmt);
    n = vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    assert_true(n > 0 && (size_t)n < sizeof cmd);
    status = system(cmd);
    if (status == -1 || !WIFEXITED(status)) {
        return -1;
    }
    return WEXITSTATUS(status);
}

static void
write_file(const char *path, const void *buf, size_t len)
{
    FILE *f = fopen(path, "wb");

    assert_non_null(f);
    if (len > 0) {
        assert_int_equal(fwrite(buf, 1, len, f), len);
    }
    assert_int_equal(fclose(f), 0);
}

/* The whole file, NUL-terminated; new, caller frees. */
static char *
read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long size;

    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    size = ftell(f);
    assert_true(size >= 0);
    rewind(f);
    buf = malloc((size_t)size + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)size, f), (size_t)size);
    buf[size] = '\0';
    fclose(f);
    if (len != NULL) {
        *len = (size_t)size;
    }
    return buf;
}

/* Line n (from 0) of text, without its newline, into out. */
static void
line_of(const char *text, int n, char *out, size_t size)
{
    size_t len;

    while (n-- > 0) {
        text = strchr(text, '\n');
        assert_non_null(text);
        text++;
    }
    len = strcspn(text, "\n");
    assert_true(len < size);
    memcpy(out, text, len);
    out[len] = '\0';
}

/* Standard padded base64 into out; the decoded length, or -1. Independent of libsodium. */
static int
b64_decode(const char *in, uint8_t *out, size_t max)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t len = strlen(in);
    size_t i;
    size_t n = 0;
    uint32_t acc = 0;
    int bits = 0;

    if (len % 4 != 0) {
        return -1;
    }
    for (i = 0; i < len && in[i] != '='; i++) {
        const char *p = strchr(alphabet, in[i]);

        if (p == NULL || in[i] == '\0') {
            return -1;
        }
        acc = (acc << 6) | (uint32_t)(p - alphabet);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (n == max) {
                return -1;
            }
            out[n++] = (uint8_t)(acc >> bits);
        }
    }
    return (int)n;
}

static int
minisign_verifies(const char *file, const char *sig, const char *pub)
{
    return run("timeout 30 minisign -Vm '%s' -x '%s' -p '%s' >/dev/null", file, sig, pub) == 0;
}

static int
minisign_rejects(const char *file, const char *sig, const char *pub)
{
    return run("timeout 30 minisign -q -Vm '%s' -x '%s' -p '%s' >/dev/null 2>&1", file, sig, pub) ==
           1;
}

static struct sec_key *
key_at(const char *name, int want_created)
{
    char path[PATH_SIZE];
    struct sec_key *k = NULL;
    int created = -1;

    path_in(path, name);
    assert_int_equal(sec_key_load_or_create(path, &k, &created), 0);
    assert_non_null(k);
    assert_int_equal(created, want_created);
    return k;
}

static void
assert_key_refused(const char *name, const char *reason)
{
    char path[PATH_SIZE];
    struct sec_key *k = NULL;

    path_in(path, name);
    assert_int_equal(sec_key_load_or_create(path, &k, NULL), ERR_IO);
    assert_null(k);
    assert_non_null(strstr(sec_key_error(), reason));
    assert_non_null(strstr(sec_key_error(), path));
}

/* ---- Tokens, ids, hashes, hex ---------------------------------------------------------- */

static void
test_sec_token_new_gives_43_base64url_chars_and_their_hash(void **state)
{
    char token[SEC_TOKEN_LEN + 1];
    uint8_t hash[SEC_HASH_LEN];
    uint8_t again[SEC_HASH_LEN];
    size_t i;

    (void)state;
    assert_int_equal(sec_token_new(token, hash), 0);
    assert_int_equal(strlen(token), SEC_TOKEN_LEN);
    for (i = 0; i < SEC_TOKEN_LEN; i++) {
        assert_non_null(
            strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", token[i]));
    }
    assert_int_equal(sec_token_hash(token, strlen(token), again), 0);
    assert_memory_equal(hash, again, SEC_HASH_LEN);
    sec_wipe(token, sizeof token);
    for (i = 0; i < sizeof token; i++) {
        assert_int_equal(token[i], 0);
    }
}

static int
cmp_token(const void *a, const void *b)
{
    return memcmp(a, b, SEC_TOKEN_LEN + 1);
}

static void
test_sec_token_new_never_repeats(void **state)
{
    enum { N = 2000 };
    char(*tokens)[SEC_TOKEN_LEN + 1] = malloc(N * sizeof *tokens);
    uint8_t hash[SEC_HASH_LEN];
    size_t i;

    (void)state;
    assert_non_null(tokens);
    for (i = 0; i < N; i++) {
        assert_int_equal(sec_token_new(tokens[i], hash), 0);
    }
    qsort(tokens, N, sizeof *tokens, cmp_token);
    for (i = 1; i < N; i++) {
        assert_int_not_equal(cmp_token(tokens[i - 1], tokens[i]), 0);
    }
    free(tokens);
}

static void
test_sec_token_hash_matches_known_vector(void **state)
{
    /* hashlib.blake2b(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ", digest_size=32) */
    static const char token[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ";
    static const char want[] = "5de4f7533d6e6a4a5c78c1763c3cc9632c60f6707b201fcfc5206247825a129e";
    uint8_t hash[SEC_HASH_LEN];
    char hex[2 * SEC_HASH_LEN + 1];

    (void)state;
    assert_int_equal(sec_token_hash(token, sizeof token - 1, hash), 0);
    sec_hex(hash, sizeof hash, hex);
    assert_string_equal(hex, want);
}

static void
test_sec_token_hash_rejects_wrong_length(void **state)
{
    char token[SEC_TOKEN_LEN + 2];
    uint8_t hash[SEC_HASH_LEN];
    uint8_t zero[SEC_HASH_LEN] = {0};

    (void)state;
    memset(token, 'A', sizeof token);
    assert_int_equal(sec_token_hash(token, SEC_TOKEN_LEN, hash), 0);
    assert_int_equal(sec_token_hash(token, SEC_TOKEN_LEN - 1, hash), ERR_BAD_TOKEN);
    assert_memory_equal(hash, zero, SEC_HASH_LEN);
    assert_int_equal(sec_token_hash(token, SEC_TOKEN_LEN + 1, hash), ERR_BAD_TOKEN);
    assert_int_equal(sec_token_hash(token, 0, hash), ERR_BAD_TOKEN);
    assert_int_equal(sec_token_hash(NULL, SEC_TOKEN_LEN, hash), ERR_BAD_TOKEN);
}

static void
test_sec_token_hash_rejects_chars_outside_base64url(void **state)
{
    static const char bad[] = {'+', '/', '=', ' ', '.', '\n', '\0', '%', (char)0xc3};
    char token[SEC_TOKEN_LEN + 1];
    uint8_t hash[SEC_HASH_LEN];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof bad; i++) {
        assert_int_equal(sec_token_new(token, hash), 0);
        token[i * 4] = bad[i]; /* anywhere in the token, the last char included below */
        assert_int_equal(sec_token_hash(token, SEC_TOKEN_LEN, hash), ERR_BAD_TOKEN);
        assert_int_equal(sec_token_new(token, hash), 0);
        token[SEC_TOKEN_LEN - 1] = bad[i];
        assert_int_equal(sec_token_hash(token, SEC_TOKEN_LEN, hash), ERR_BAD_TOKEN);
    }
}

static void
test_sec_random_id_uses_only_the_unambiguous_alphabet(void **state)
{
    char id[65];
    int seen[256] = {0};
    int i;
    int j;

    (void)state;
    for (i = 0; i < 200; i++) {
        sec_random_id(id, 64);
        assert_int_equal(strlen(id), 64);
        for (j = 0; j < 64; j++) {
            assert_non_null(strchr("abcdefghjkmnpqrstuvwxyz23456789", id[j]));
            seen[(unsigned char)id[j]] = 1;
        }
    }
    /* 12,800 draws from 31 symbols: every symbol shows up. */
    for (i = 0; i < 31; i++) {
        assert_true(seen[(unsigned char)"abcdefghjkmnpqrstuvwxyz23456789"[i]]);
    }
    sec_random_id(id, 0);
    assert_string_equal(id, "");
}

static void
test_sec_random_fills_different_bytes_each_time(void **state)
{
    uint8_t a[32] = {0};
    uint8_t b[32] = {0};

    (void)state;
    sec_random(a, sizeof a);
    sec_random(b, sizeof b);
    assert_memory_not_equal(a, b, sizeof a);
}

static void
test_sec_equal_tells_equal_from_different_buffers(void **state)
{
    uint8_t a[64];
    uint8_t b[64];

    (void)state;
    sec_random(a, sizeof a);
    memcpy(b, a, sizeof a);
    assert_int_equal(sec_equal(a, b, sizeof a), 1);
    b[0] ^= 1;
    assert_int_equal(sec_equal(a, b, sizeof a), 0);
    b[0] ^= 1;
    b[63] ^= 0x80;
    assert_int_equal(sec_equal(a, b, sizeof a), 0);
    assert_int_equal(sec_equal(a, b, 63), 1);
    assert_int_equal(sec_equal(a, b, 0), 1);
}

static void
test_sec_chain_hash_matches_known_vector(void **state)
{
    /* hashlib.blake2b(bytes(range(32)) + preimage, digest_size=32) */
    static const char preimage[] = "{\"seq\":1,\"type\":\"meeting.created\"}";
    static const char want[] = "07a92a19e91ea8138649af581ffdef1906675ae04a4d0e7c03bb4812db68332e";
    static const char want_empty[] =
        "cb2f5160fc1f7e05a55ef49d340b48da2e5a78099d53393351cd579dd42503d6";
    uint8_t prev[SEC_HASH_LEN];
    uint8_t out[SEC_HASH_LEN];
    char hex[2 * SEC_HASH_LEN + 1];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof prev; i++) {
        prev[i] = (uint8_t)i;
    }
    sec_chain_hash(prev, (const uint8_t *)preimage, sizeof preimage - 1, out);
    sec_hex(out, sizeof out, hex);
    assert_string_equal(hex, want);
    sec_chain_hash(prev, NULL, 0, out);
    sec_hex(out, sizeof out, hex);
    assert_string_equal(hex, want_empty);
    /* In place, as a chain is walked. */
    sec_chain_hash(prev, (const uint8_t *)preimage, sizeof preimage - 1, prev);
    sec_hex(prev, sizeof prev, hex);
    assert_string_equal(hex, want);
}

static void
test_sec_hex_round_trips(void **state)
{
    uint8_t buf[40];
    uint8_t back[40];
    char hex[81];

    (void)state;
    sec_random(buf, sizeof buf);
    sec_hex(buf, sizeof buf, hex);
    assert_int_equal(strlen(hex), 80);
    assert_int_equal(strspn(hex, "0123456789abcdef"), 80);
    assert_int_equal(sec_unhex(hex, back, sizeof back), 0);
    assert_memory_equal(buf, back, sizeof buf);
    assert_int_equal(sec_unhex("00FFaB", back, 3), 0);
    assert_int_equal(back[0], 0x00);
    assert_int_equal(back[1], 0xff);
    assert_int_equal(back[2], 0xab);
    assert_int_equal(sec_unhex("", back, 0), 0);
}

static void
test_sec_unhex_rejects_wrong_length_and_non_hex(void **state)
{
    uint8_t out[3];
    uint8_t zero[3] = {0};

    (void)state;
    assert_int_equal(sec_unhex("00ff", out, 3), ERR_INVALID);
    assert_memory_equal(out, zero, 3);
    assert_int_equal(sec_unhex("00ff00ff", out, 3), ERR_INVALID);
    assert_int_equal(sec_unhex("00ff0", out, 3), ERR_INVALID);
    assert_int_equal(sec_unhex("00ff0g", out, 3), ERR_INVALID);
    assert_int_equal(sec_unhex("00 ff0", out, 3), ERR_INVALID);
    assert_int_equal(sec_unhex(" 00ff0", out, 3), ERR_INVALID);
    assert_int_equal(sec_unhex("0xff00", out, 3), ERR_INVALID);
    assert_int_equal(sec_unhex(NULL, out, 3), ERR_INVALID);
}

/* ---- The signing key ------------------------------------------------------------------- */

static void
test_sec_key_create_writes_a_0600_key_and_a_minisign_pub(void **state)
{
    char path[PATH_SIZE];
    char line[256];
    char want[256];
    char id[17];
    uint8_t pub[64];
    uint8_t blob[200];
    uint8_t pk[SEC_PUBLIC_LEN];
    struct sec_key *k;
    struct stat st;
    char *text;
    int i;

    (void)state;
    k = key_at("create.key", 1);
    path_in(path, "create.key");
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);

    path_in(path, "create.pub");
    assert_string_equal(sec_key_pub_path(k), path);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0644);

    /* Line 1: the comment minisign writes, with the key id; line 2: "Ed" | id LE | pk. */
    sec_key_id_hex(k, id);
    assert_int_equal(strlen(id), 16);
    assert_int_equal(strspn(id, "0123456789ABCDEF"), 16);
    text = read_file(path, NULL);
    line_of(text, 0, line, sizeof line);
    /* minisign writes the id without leading zeros in the comment */
    snprintf(want, sizeof want, "untrusted comment: minisign public key %s",
             id + strspn(id, "0") - (id[strspn(id, "0")] == 0));
    assert_string_equal(line, want);
    line_of(text, 1, line, sizeof line);
    assert_int_equal(b64_decode(line, pub, sizeof pub), 42);
    assert_memory_equal(pub, "Ed", 2);
    for (i = 0; i < 8; i++) {
        char byte[3];

        snprintf(byte, sizeof byte, "%02X", pub[2 + 7 - i]);
        assert_memory_equal(byte, id + 2 * i, 2);
    }
    sec_key_public(k, pk);
    assert_memory_equal(pub + 10, pk, SEC_PUBLIC_LEN);
    assert_string_equal(text + strlen(text) - 1, "\n");
    free(text);

    /* The secret key: minisign's 158-byte layout, kdf none, zero salt and limits, the same
     * key id, sk = seed | pk, then a checksum. */
    path_in(path, "create.key");
    text = read_file(path, NULL);
    line_of(text, 0, line, sizeof line);
    assert_int_equal(strncmp(line, "untrusted comment: ", 19), 0);
    line_of(text, 1, line, sizeof line);
    assert_int_equal(b64_decode(line, blob, sizeof blob), 158);
    assert_memory_equal(blob, "Ed\0\0B2", 6);
    for (i = 6; i < 54; i++) {
        assert_int_equal(blob[i], 0);
    }
    assert_memory_equal(blob + 54, pub + 2, 8);
    assert_memory_equal(blob + 62 + 32, pk, SEC_PUBLIC_LEN);
    free(text);
    sec_key_free(k);
}

static void
test_sec_key_load_gives_the_same_public_key(void **state)
{
    struct sec_key *a;
    struct sec_key *b;
    uint8_t pa[SEC_PUBLIC_LEN];
    uint8_t pb[SEC_PUBLIC_LEN];
    char ida[17];
    char idb[17];
    char path[PATH_SIZE];
    char *before;
    char *after;

    (void)state;
    a = key_at("same.key", 1);
    path_in(path, "same.pub");
    before = read_file(path, NULL);
    b = key_at("same.key", 0);
    after = read_file(path, NULL);
    sec_key_public(a, pa);
    sec_key_public(b, pb);
    assert_memory_equal(pa, pb, SEC_PUBLIC_LEN);
    sec_key_id_hex(a, ida);
    sec_key_id_hex(b, idb);
    assert_string_equal(ida, idb);
    assert_string_equal(before, after);
    free(before);
    free(after);
    sec_key_free(a);
    sec_key_free(b);
    sec_key_free(NULL);
}

static void
test_sec_key_load_refuses_a_group_or_other_readable_key(void **state)
{
    char path[PATH_SIZE];

    (void)state;
    sec_key_free(key_at("readable.key", 1));
    path_in(path, "readable.key");
    assert_int_equal(chmod(path, 0640), 0);
    assert_key_refused("readable.key", "mode 0640");
    assert_int_equal(chmod(path, 0604), 0);
    assert_key_refused("readable.key", "mode 0604");
    assert_int_equal(chmod(path, 0620), 0);
    assert_key_refused("readable.key", "chmod 600");
    assert_int_equal(chmod(path, 0600), 0);
    sec_key_free(key_at("readable.key", 0));
    assert_string_equal(sec_key_error(), "");
}

static void
test_sec_key_load_refuses_a_truncated_key(void **state)
{
    char path[PATH_SIZE];
    size_t len;
    size_t first;
    char *text;
    size_t cut[4];
    size_t i;

    (void)state;
    sec_key_free(key_at("truncated.key", 1));
    path_in(path, "truncated.key");
    text = read_file(path, &len);
    first = (size_t)(strchr(text, '\n') - text) + 1;
    cut[0] = 0;
    cut[1] = 10;
    cut[2] = first;
    cut[3] = len - 6;
    for (i = 0; i < sizeof cut / sizeof cut[0]; i++) {
        assert_int_equal(truncate(path, (off_t)cut[i]), 0);
        assert_key_refused("truncated.key", "malformed");
        write_file(path, text, len);
    }
    /* The key is still there, untouched by the failed loads. */
    sec_key_free(key_at("truncated.key", 0));
    free(text);
}

static void
test_sec_key_load_refuses_a_corrupted_key(void **state)
{
    char path[PATH_SIZE];
    size_t len;
    size_t first;
    char *text;

    (void)state;
    sec_key_free(key_at("corrupt.key", 1));
    path_in(path, "corrupt.key");
    text = read_file(path, &len);
    first = (size_t)(strchr(text, '\n') - text) + 1;
    /* Base64 character 120 encodes bytes 90..92: inside sk. */
    text[first + 120] = text[first + 120] == 'A' ? 'B' : 'A';
    write_file(path, text, len);
    assert_key_refused("corrupt.key", "corrupted");
    free(text);
}

static void
test_sec_key_load_refuses_a_password_protected_key(void **state)
{
    char path[PATH_SIZE];
    size_t len;
    size_t first;
    char *text;

    (void)state;
    sec_key_free(key_at("password.key", 1));
    path_in(path, "password.key");
    text = read_file(path, &len);
    first = (size_t)(strchr(text, '\n') - text) + 1;
    /* base64("Ed\0\0B2") -> base64("EdScB2"): what `minisign -G` without -W writes. */
    assert_memory_equal(text + first, "RWQAAEIy", 8);
    memcpy(text + first, "RWRTY0Iy", 8);
    write_file(path, text, len);
    assert_key_refused("password.key", "password");
    free(text);
}

static void
test_sec_key_load_rewrites_a_missing_pub_and_refuses_a_foreign_one(void **state)
{
    char path[PATH_SIZE];
    char other[PATH_SIZE];
    char *before;
    char *after;
    char *foreign;
    size_t len;

    (void)state;
    sec_key_free(key_at("mine.key", 1));
    sec_key_free(key_at("theirs.key", 1));
    path_in(path, "mine.pub");
    before = read_file(path, NULL);
    assert_int_equal(unlink(path), 0);
    sec_key_free(key_at("mine.key", 0));
    after = read_file(path, NULL);
    assert_string_equal(before, after);

    path_in(other, "theirs.pub");
    foreign = read_file(other, &len);
    write_file(path, foreign, len);
    assert_key_refused("mine.key", "does not hold the public key");
    free(before);
    free(after);
    free(foreign);
}

static void
test_sec_key_pub_path_replaces_the_extension(void **state)
{
    char path[PATH_SIZE];
    char want[PATH_SIZE];
    struct sec_key *k;

    (void)state;
    k = key_at("noext", 1);
    path_in(want, "noext.pub");
    assert_string_equal(sec_key_pub_path(k), want);
    sec_key_free(k);

    path_in(path, "dir.d");
    assert_int_equal(mkdir(path, 0700), 0);
    k = key_at("dir.d/signing", 1);
    path_in(want, "dir.d/signing.pub");
    assert_string_equal(sec_key_pub_path(k), want);
    sec_key_free(k);

    k = key_at("dir.d/.hidden", 1);
    path_in(want, "dir.d/.hidden.pub");
    assert_string_equal(sec_key_pub_path(k), want);
    sec_key_free(k);

    path_in(path, "signing.pub");
    assert_int_equal(sec_key_load_or_create(path, &k, NULL), ERR_INVALID);
    assert_null(k);
    path_in(path, "dir.d/");
    assert_int_equal(sec_key_load_or_create(path, &k, NULL), ERR_INVALID);
    assert_int_equal(sec_key_load_or_create("", &k, NULL), ERR_INVALID);
}

static void
test_sec_key_create_fails_cleanly_without_its_directory(void **state)
{
    char path[PATH_SIZE];
    struct sec_key *k;

    (void)state;
    path_in(path, "missing/signing.key");
    assert_int_equal(sec_key_load_or_create(path, &k, NULL), ERR_IO);
    assert_null(k);
    assert_non_null(strstr(sec_key_error(), "cannot create"));
}

/* ---- Signatures, judged by the stock minisign ------------------------------------------ */

static void
sign_to_files(const struct sec_key *k, const char *name, const uint8_t *buf, size_t len,
              const char *trusted, char file[PATH_SIZE], char sig[PATH_SIZE])
{
    char *text = NULL;
    char sig_name[PATH_SIZE];

    path_in(file, name);
    snprintf(sig_name, sizeof sig_name, "%s.minisig", name);
    path_in(sig, sig_name);
    write_file(file, buf, len);
    assert_int_equal(sec_sign(k, buf, len, "concerto record", trusted, &text), 0);
    assert_non_null(text);
    write_file(sig, text, strlen(text));
    free(text);
}

static void
test_sec_sign_verifies_with_stock_minisign(void **state)
{
    static const char minutes[] = "Procès-verbal de la CCR du 12 mars\nQuorum atteint.\n";
    char file[PATH_SIZE];
    char sig[PATH_SIZE];
    char cmd_out[1024];
    struct sec_key *k;
    FILE *p;

    (void)state;
    if (!have_minisign) {
        skip();
    }
    k = key_at("sign.key", 1);
    sign_to_files(k, "minutes.txt", (const uint8_t *)minutes, sizeof minutes - 1,
                  "timestamp:1710240000\tfile:minutes.txt\thead:07a92a19", file, sig);
    assert_true(minisign_verifies(file, sig, sec_key_pub_path(k)));
    /* Prehashed ("ED") is what -H demands. */
    assert_int_equal(run("timeout 30 minisign -H -Vm '%s' -x '%s' -p '%s' >/dev/null", file, sig,
                         sec_key_pub_path(k)),
                     0);
    /* minisign reads back the trusted comment we signed. */
    snprintf(cmd_out, sizeof cmd_out, "timeout 30 minisign -Q -Vm '%s' -x '%s' -p '%s'", file, sig,
             sec_key_pub_path(k));
    p = popen(cmd_out, "r");
    assert_non_null(p);
    assert_non_null(fgets(cmd_out, sizeof cmd_out, p));
    assert_int_equal(pclose(p), 0);
    assert_string_equal(cmd_out, "timestamp:1710240000\tfile:minutes.txt\thead:07a92a19\n");

    /* An empty file and an empty trusted comment are fine too. */
    sign_to_files(k, "empty.txt", NULL, 0, "", file, sig);
    assert_true(minisign_verifies(file, sig, sec_key_pub_path(k)));
    sec_key_free(k);
}

static void
test_sec_sign_fails_minisign_when_one_byte_of_the_file_changes(void **state)
{
    uint8_t buf[4096];
    char file[PATH_SIZE];
    char sig[PATH_SIZE];
    struct sec_key *k;
    char *text;
    size_t len;

    (void)state;
    if (!have_minisign) {
        skip();
    }
    k = key_at("tamper.key", 1);
    sec_random(buf, sizeof buf);
    sign_to_files(k, "tamper.bin", buf, sizeof buf, "tamper test", file, sig);
    assert_true(minisign_verifies(file, sig, sec_key_pub_path(k)));

    buf[1234] ^= 0x01;
    write_file(file, buf, sizeof buf);
    assert_true(minisign_rejects(file, sig, sec_key_pub_path(k)));
    buf[1234] ^= 0x01;
    write_file(file, buf, sizeof buf);
    assert_true(minisign_verifies(file, sig, sec_key_pub_path(k)));

    /* The trusted comment is signed too. */
    text = read_file(sig, &len);
    *strstr(text, "tamper test") = 'T';
    write_file(sig, text, len);
    assert_true(minisign_rejects(file, sig, sec_key_pub_path(k)));
    free(text);
    sec_key_free(k);
}

static void
test_sec_sign_rejects_newlines_and_overlong_comments(void **state)
{
    static char sentinel;
    static const char default_comment[] = "untrusted comment: signature from minisign secret key\n";
    struct sec_key *k;
    char *out = &sentinel; /* must come back NULL */
    char *longc;

    (void)state;
    k = key_at("comments.key", 1);
    assert_int_equal(sec_sign(k, (const uint8_t *)"x", 1, NULL, "a\nb", &out), ERR_INVALID);
    assert_null(out);
    assert_int_equal(sec_sign(k, (const uint8_t *)"x", 1, NULL, "a\rb", &out), ERR_INVALID);
    assert_int_equal(sec_sign(k, (const uint8_t *)"x", 1, "a\nb", "ok", &out), ERR_INVALID);
    assert_int_equal(sec_sign(k, (const uint8_t *)"x", 1, "ok", NULL, &out), ERR_INVALID);
    longc = malloc(SEC_TRUSTED_MAX + 2);
    assert_non_null(longc);
    memset(longc, 'c', SEC_TRUSTED_MAX + 1);
    longc[SEC_TRUSTED_MAX + 1] = '\0';
    assert_int_equal(sec_sign(k, (const uint8_t *)"x", 1, NULL, longc, &out), ERR_INVALID);
    longc[SEC_TRUSTED_MAX] = '\0';
    assert_int_equal(sec_sign(k, (const uint8_t *)"x", 1, NULL, longc, &out), 0);
    assert_int_equal(strncmp(out, default_comment, sizeof default_comment - 1), 0);
    free(out);
    longc[SEC_UNTRUSTED_MAX + 1] = '\0';
    assert_int_equal(sec_sign(k, (const uint8_t *)"x", 1, longc, "ok", &out), ERR_INVALID);
    free(longc);
    sec_key_free(k);
}

static void
test_sec_signer_in_pieces_matches_sec_sign_and_verifies(void **state)
{
    enum { LEN = 3 * 1024 * 1024 + 17, CHUNK = 65536 + 7 };
    uint8_t *buf = malloc(LEN);
    char file[PATH_SIZE];
    char sig[PATH_SIZE];
    struct sec_signer *s = NULL;
    struct sec_key *k;
    char *whole = NULL;
    char *pieces = NULL;
    char *again = NULL;
    size_t i;

    (void)state;
    assert_non_null(buf);
    for (i = 0; i < LEN; i++) {
        buf[i] = (uint8_t)(i * 2654435761u >> 13);
    }
    k = key_at("stream.key", 1);
    assert_int_equal(sec_sign(k, buf, LEN, "u", "big file", &whole), 0);
    assert_int_equal(sec_signer_new(k, &s), 0);
    for (i = 0; i < LEN; i += CHUNK) {
        sec_signer_update(s, buf + i, LEN - i < CHUNK ? LEN - i : CHUNK);
    }
    assert_int_equal(sec_signer_finish(s, "u", "big\nfile", &pieces), ERR_INVALID);
    assert_int_equal(sec_signer_finish(s, "u", "big file", &pieces), 0);
    assert_int_equal(sec_signer_finish(s, "u", "big file", &again), 0);
    /* Ed25519 is deterministic: same key, same hash, same text. */
    assert_string_equal(whole, pieces);
    assert_string_equal(whole, again);
    sec_signer_free(s);
    sec_signer_free(NULL);

    if (have_minisign) {
        path_in(file, "stream.bin");
        path_in(sig, "stream.bin.minisig");
        write_file(file, buf, LEN);
        write_file(sig, pieces, strlen(pieces));
        assert_true(minisign_verifies(file, sig, sec_key_pub_path(k)));
    }
    free(whole);
    free(pieces);
    free(again);
    free(buf);
    sec_key_free(k);
}

static void
test_stock_minisign_signs_with_a_key_created_here(void **state)
{
    char key[PATH_SIZE];
    char file[PATH_SIZE];
    char sig[PATH_SIZE];
    char pub[PATH_SIZE];
    char *ours;
    char *theirs;
    struct sec_key *k;

    (void)state;
    if (!have_minisign) {
        skip();
    }
    k = key_at("operator.key", 1);
    path_in(key, "operator.key");
    path_in(file, "operator.txt");
    path_in(sig, "operator.txt.minisig");
    write_file(file, "signed by hand\n", 15);
    /* Unencrypted: no password is asked, stdin is empty anyway. -p makes minisign
     * check its own signature against our public key before writing it. */
    assert_int_equal(run("timeout 30 minisign -S -s '%s' -p '%s' -m '%s' -x '%s' -t 'by hand' "
                         "</dev/null >/dev/null",
                         key, sec_key_pub_path(k), file, sig),
                     0);
    assert_true(minisign_verifies(file, sig, sec_key_pub_path(k)));

    /* minisign -R derives the very public key file we wrote. */
    path_in(pub, "operator-recreated.pub");
    assert_int_equal(run("timeout 30 minisign -R -s '%s' -p '%s' </dev/null >/dev/null", key, pub),
                     0);
    ours = read_file(sec_key_pub_path(k), NULL);
    theirs = read_file(pub, NULL);
    assert_string_equal(ours, theirs);
    free(ours);
    free(theirs);
    sec_key_free(k);
}

static void
test_sec_key_loads_a_key_made_by_stock_minisign(void **state)
{
    char key[PATH_SIZE];
    char pub[PATH_SIZE];
    char file[PATH_SIZE];
    char sig[PATH_SIZE];
    char want[64];
    char id[17];
    char *pub_text;
    struct sec_key *k;

    (void)state;
    if (!have_minisign) {
        skip();
    }
    path_in(key, "stock.key");
    path_in(pub, "stock.pub");
    assert_int_equal(
        run("timeout 30 minisign -G -W -s '%s' -p '%s' </dev/null >/dev/null", key, pub), 0);
    k = key_at("stock.key", 0);
    assert_string_equal(sec_key_pub_path(k), pub);
    sec_key_id_hex(k, id);
    snprintf(want, sizeof want, "minisign public key %s\n",
             id + strspn(id, "0") - (id[strspn(id, "0")] == 0));
    pub_text = read_file(pub, NULL);
    assert_non_null(strstr(pub_text, want));
    free(pub_text);
    sign_to_files(k, "stock.txt", (const uint8_t *)"hello\n", 6, "stock key", file, sig);
    assert_true(minisign_verifies(file, sig, pub));
    sec_key_free(k);
}

/* ---- Runner ---------------------------------------------------------------------------- */

static int
group_setup(void **state)
{
    (void)state;
    if (sec_init() != 0 || mkdtemp(tmpdir) == NULL) {
        return -1;
    }
    have_minisign = system("command -v minisign >/dev/null 2>&1") == 0;
    if (!have_minisign) {
        fprintf(stderr, "minisign not found: the checks against it are skipped\n");
    }
    return 0;
}

static int
group_teardown(void **state)
{
    (void)state;
    return run("rm -rf '%s'", tmpdir) == 0 ? 0 : -1;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sec_token_new_gives_43_base64url_chars_and_their_hash),
        cmocka_unit_test(test_sec_token_new_never_repeats),
        cmocka_unit_test(test_sec_token_hash_matches_known_vector),
        cmocka_unit_test(test_sec_token_hash_rejects_wrong_length),
        cmocka_unit_test(test_sec_token_hash_rejects_chars_outside_base64url),
        cmocka_unit_test(test_sec_random_id_uses_only_the_unambiguous_alphabet),
        cmocka_unit_test(test_sec_random_fills_different_bytes_each_time),
        cmocka_unit_test(test_sec_equal_tells_equal_from_different_buffers),
        cmocka_unit_test(test_sec_chain_hash_matches_known_vector),
        cmocka_unit_test(test_sec_hex_round_trips),
        cmocka_unit_test(test_sec_unhex_rejects_wrong_length_and_non_hex),
        cmocka_unit_test(test_sec_key_create_writes_a_0600_key_and_a_minisign_pub),
        cmocka_unit_test(test_sec_key_load_gives_the_same_public_key),
        cmocka_unit_test(test_sec_key_load_refuses_a_group_or_other_readable_key),
        cmocka_unit_test(test_sec_key_load_refuses_a_truncated_key),
        cmocka_unit_test(test_sec_key_load_refuses_a_corrupted_key),
        cmocka_unit_test(test_sec_key_load_refuses_a_password_protected_key),
        cmocka_unit_test(test_sec_key_load_rewrites_a_missing_pub_and_refuses_a_foreign_one),
        cmocka_unit_test(test_sec_key_pub_path_replaces_the_extension),
        cmocka_unit_test(test_sec_key_create_fails_cleanly_without_its_directory),
        cmocka_unit_test(test_sec_sign_verifies_with_stock_minisign),
        cmocka_unit_test(test_sec_sign_fails_minisign_when_one_byte_of_the_file_changes),
        cmocka_unit_test(test_sec_sign_rejects_newlines_and_overlong_comments),
        cmocka_unit_test(test_sec_signer_in_pieces_matches_sec_sign_and_verifies),
        cmocka_unit_test(test_stock_minisign_signs_with_a_key_created_here),
        cmocka_unit_test(test_sec_key_loads_a_key_made_by_stock_minisign),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
