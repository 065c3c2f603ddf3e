/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_minisign_vectors.c - Concerto's signatures against vectors made by
 * the real minisign tool (tests/crypto/data/README.md): same key, same data,
 * same comments give the same .minisig to the byte; minisign's signature
 * verifies here; a changed byte or comment does not.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/sec.h"
#include "err.h"

#define DATA CONCERTO_SOURCE_DIR "/tests/crypto/data/"

static char *
slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *buf = malloc(65536);
    assert_non_null(buf);
    *len = fread(buf, 1, 65535, f);
    buf[*len] = 0;
    fclose(f);
    return buf;
}

static void
spill(const char *path, const char *buf, size_t len, mode_t mode)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(buf, 1, len, f), len);
    fclose(f);
    assert_int_equal(chmod(path, mode), 0);
}

/* The vector key copied to a private directory with the mode a key needs. */
static struct sec_key *
vector_key(char dir[64])
{
    size_t n;
    char path[128];
    strcpy(dir, "/tmp/concerto-vectors-XXXXXX");
    assert_non_null(mkdtemp(dir));
    char *key = slurp(DATA "vector.key", &n);
    snprintf(path, sizeof(path), "%s/vector.key", dir);
    spill(path, key, n, 0600);
    free(key);
    char *pub = slurp(DATA "vector.pub", &n);
    snprintf(path, sizeof(path), "%s/vector.pub", dir);
    spill(path, pub, n, 0644);
    free(pub);
    struct sec_key *k = NULL;
    int created = 1;
    snprintf(path, sizeof(path), "%s/vector.key", dir);
    assert_int_equal(sec_key_load_or_create(path, &k, &created), 0);
    assert_int_equal(created, 0);
    return k;
}

static void
cleanup(const char *dir)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/vector.key", dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/vector.pub", dir);
    unlink(path);
    rmdir(dir);
}

static void
test_our_signature_is_minisigns_to_the_byte(void **state)
{
    (void)state;
    char dir[64];
    size_t dlen, slen;
    struct sec_key *k = vector_key(dir);
    char *data = slurp(DATA "vector.txt", &dlen);
    char *want = slurp(DATA "vector.txt.minisig", &slen);
    char *got = NULL;
    assert_int_equal(sec_sign(k, (const uint8_t *)data, dlen, "signature from minisign secret key",
                              "concerto test vector", &got),
                     0);
    assert_string_equal(got, want);
    free(got);
    free(data);
    free(want);
    sec_key_free(k);
    cleanup(dir);
}

static void
test_minisigns_signature_verifies_here_and_a_changed_byte_does_not(void **state)
{
    (void)state;
    size_t plen, dlen, slen;
    char *pubtext = slurp(DATA "vector.pub", &plen);
    char *data = slurp(DATA "vector.txt", &dlen);
    char *sig = slurp(DATA "vector.txt.minisig", &slen);
    struct sec_pub pub;
    char trusted[256];
    assert_int_equal(sec_pub_parse(pubtext, plen, &pub), 0);
    assert_int_equal(sec_verify(&pub, (const uint8_t *)data, dlen, sig, slen, trusted,
                                sizeof(trusted)),
                     0);
    assert_string_equal(trusted, "concerto test vector");
    data[3] ^= 1;
    assert_int_equal(sec_verify(&pub, (const uint8_t *)data, dlen, sig, slen, NULL, 0),
                     ERR_BAD_TOKEN);
    data[3] ^= 1;
    char *tc = strstr(sig, "concerto test vector");
    assert_non_null(tc);
    tc[0] = 'C'; /* the trusted comment is covered by the global signature */
    assert_int_equal(sec_verify(&pub, (const uint8_t *)data, dlen, sig, slen, NULL, 0),
                     ERR_BAD_TOKEN);
    free(pubtext);
    free(data);
    free(sig);
}

static void
test_a_malformed_signature_or_key_is_invalid(void **state)
{
    (void)state;
    struct sec_pub pub;
    assert_int_equal(sec_pub_parse("hello\n", 6, &pub), ERR_INVALID);
    size_t plen;
    char *pubtext = slurp(DATA "vector.pub", &plen);
    assert_int_equal(sec_pub_parse(pubtext, plen, &pub), 0);
    const char *junk = "untrusted comment: x\nnot base64!\ntrusted comment: y\nzz\n";
    assert_int_equal(sec_verify(&pub, (const uint8_t *)"a", 1, junk, strlen(junk), NULL, 0),
                     ERR_INVALID);
    free(pubtext);
}

int
main(void)
{
    assert_int_equal(sec_init(), 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_our_signature_is_minisigns_to_the_byte),
        cmocka_unit_test(test_minisigns_signature_verifies_here_and_a_changed_byte_does_not),
        cmocka_unit_test(test_a_malformed_signature_or_key_is_invalid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
