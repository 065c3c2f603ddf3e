/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * sec.c - libsodium behind the sec_ names; the only file that includes <sodium.h>.
 *
 * Everything is BLAKE2b (crypto_generichash) and Ed25519 (crypto_sign). The only
 * files it touches are the signing key and its public key, in minisign 0.11's
 * formats, which are fixed byte layouts encoded in base64 on the second line of a
 * text file whose first line is "untrusted comment: ...":
 *
 *   secret key (158 bytes)   "Ed" | kdf_alg[2] | "B2" | salt[32] | ops[8] | mem[8] |
 *                            key_id[8] | sk[64] = seed[32] pk[32] | chk[32]
 *   public key (42 bytes)    "Ed" | key_id[8] | pk[32]
 *   signature (74 bytes)     "ED" | key_id[8] | Ed25519(BLAKE2b-512(file))[64]
 *   global signature (64)    Ed25519(signature[64] | trusted comment bytes)
 *
 * We write kdf_alg = {0, 0} (no password, as `minisign -G -W`): a server restarts
 * unattended. chk is BLAKE2b-256(sig_alg | key_id | sk). minisign itself writes chk
 * as zeros for -G -W keys and checks chk only when it decrypts a key, so on load
 * we accept a correct or an all-zero chk; either way we then re-derive the key pair
 * from the seed and require both halves of sk to agree, which catches corruption.
 * The key id is printed as the little-endian u64 in uppercase hex (%016 PRIX64).
 *
 * Secrets (sk, token bytes, decoded key files) live in sodium_malloc'd memory,
 * which is locked, guarded and wiped on sodium_free(); stack copies are wiped.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "crypto/sec.h"
#include "err.h"

#define TOKEN_RAW_LEN 32
#define PREHASH_LEN crypto_generichash_BYTES_MAX /* 64: BLAKE2b-512 */

/* Secret key file layout, byte offsets into the decoded blob. */
#define SK_SIG_ALG 0
#define SK_KDF_ALG 2
#define SK_CHK_ALG 4
#define SK_KEY_ID 54 /* after salt[32], opslimit[8], memlimit[8] */
#define SK_SK 62
#define SK_CHK 126
#define SK_BLOB_LEN 158
#define PK_BLOB_LEN (2 + SEC_KEY_ID_LEN + crypto_sign_PUBLICKEYBYTES)
#define SIG_BLOB_LEN (2 + SEC_KEY_ID_LEN + crypto_sign_BYTES)

#define B64_SIZE(n) sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL)

#define UNTRUSTED_PREFIX "untrusted comment: "
#define TRUSTED_PREFIX "trusted comment: "
#define SK_COMMENT UNTRUSTED_PREFIX "minisign unencrypted secret key\n"
#define DEFAULT_SIG_COMMENT "signature from minisign secret key"
#define KEY_FILE_MAX 2048 /* a comment line of up to 1024 bytes and the key line */
#define PUB_TEXT_SIZE 128 /* "untrusted comment: minisign public key <16>\n" + 56 + "\n" */

_Static_assert(SEC_HASH_LEN == crypto_generichash_BYTES, "BLAKE2b-256");
_Static_assert(SEC_PUBLIC_LEN == crypto_sign_PUBLICKEYBYTES, "Ed25519 public key");
_Static_assert(SK_CHK - SK_SK == crypto_sign_SECRETKEYBYTES, "minisign secret key layout");
_Static_assert(SK_BLOB_LEN - SK_CHK == crypto_generichash_BYTES, "minisign checksum");
_Static_assert(SK_SK - SK_KEY_ID == SEC_KEY_ID_LEN, "minisign key id");
_Static_assert(SEC_TOKEN_LEN + 1 ==
                   sodium_base64_ENCODED_LEN(TOKEN_RAW_LEN,
                                             sodium_base64_VARIANT_URLSAFE_NO_PADDING),
               "token text length");

struct sec_key {
    uint8_t key_id[SEC_KEY_ID_LEN];
    uint8_t pk[crypto_sign_PUBLICKEYBYTES];
    uint8_t *sk;    /* new, sodium_malloc'd: crypto_sign_SECRETKEYBYTES */
    char *pub_path; /* new */
};

struct sec_signer {
    crypto_generichash_state hs; /* BLAKE2b-512 of the data so far; 64-byte aligned */
    const struct sec_key *key;   /* borrowed until sec_signer_free() */
};

/* Working memory for loading or creating a key: all of it secret, all of it wiped. */
struct scratch {
    char text[KEY_FILE_MAX + 1];
    uint8_t blob[SK_BLOB_LEN];
    uint8_t pk[crypto_sign_PUBLICKEYBYTES];
    uint8_t sk[crypto_sign_SECRETKEYBYTES];
    uint8_t chk[crypto_generichash_BYTES];
};

static _Thread_local char key_error[384];

static const char id_alphabet[] = "abcdefghjkmnpqrstuvwxyz23456789";

int
sec_init(void)
{
    if (sodium_init() < 0) {
        return ERR_INTERNAL;
    }
    return 0;
}

void
sec_random(uint8_t *buf, size_t len)
{
    randombytes_buf(buf, len);
}

void
sec_random_id(char *out, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++) {
        out[i] = id_alphabet[randombytes_uniform((uint32_t)(sizeof id_alphabet - 1))];
    }
    out[len] = '\0';
}

int
sec_token_new(char out[SEC_TOKEN_LEN + 1], uint8_t hash[SEC_HASH_LEN])
{
    uint8_t raw[TOKEN_RAW_LEN];

    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(out, SEC_TOKEN_LEN + 1, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
    crypto_generichash(hash, SEC_HASH_LEN, (const unsigned char *)out, SEC_TOKEN_LEN, NULL, 0);
    return 0;
}

static int
is_base64url(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}

int
sec_token_hash(const char *token, size_t len, uint8_t hash[SEC_HASH_LEN])
{
    int bad = 0;
    size_t i;

    if (token == NULL || len != SEC_TOKEN_LEN) {
        sodium_memzero(hash, SEC_HASH_LEN);
        return ERR_BAD_TOKEN;
    }
    /* Look at every character whatever the first bad one: no early exit on secrets. */
    for (i = 0; i < len; i++) {
        bad |= !is_base64url(token[i]);
    }
    if (bad) {
        sodium_memzero(hash, SEC_HASH_LEN);
        return ERR_BAD_TOKEN;
    }
    crypto_generichash(hash, SEC_HASH_LEN, (const unsigned char *)token, len, NULL, 0);
    return 0;
}

void
sec_owner_key(const char *token, size_t len, uint8_t key[SEC_HASH_LEN])
{
    static const unsigned char context[] = "concerto secret ballot owner v1"; /* 31 bytes */
    crypto_generichash(key, SEC_HASH_LEN, (const unsigned char *)token, len, context,
                       sizeof(context) - 1);
}

void
sec_owner_tag(const uint8_t key[SEC_HASH_LEN], const char *receipt, uint8_t tag[SEC_OWNER_LEN])
{
    crypto_generichash(tag, SEC_OWNER_LEN, (const unsigned char *)receipt, strlen(receipt), key,
                       SEC_HASH_LEN);
}

int
sec_equal(const uint8_t *a, const uint8_t *b, size_t len)
{
    if (len == 0) {
        return 1;
    }
    return sodium_memcmp(a, b, len) == 0;
}

void
sec_wipe(void *buf, size_t len)
{
    sodium_memzero(buf, len);
}

void
sec_digest(const uint8_t *buf, size_t len, uint8_t out[SEC_HASH_LEN])
{
    crypto_generichash(out, SEC_HASH_LEN, buf, len, NULL, 0);
}

void
sec_sha256(const uint8_t *buf, size_t len, uint8_t out[SEC_SHA256_LEN])
{
    crypto_hash_sha256(out, buf, len);
}

void
sec_sha256_hex(const uint8_t *buf, size_t len, char out[65])
{
    uint8_t d[SEC_SHA256_LEN];
    sec_sha256(buf, len, d);
    sec_hex(d, sizeof(d), out);
}

void
sec_chain_hash(const uint8_t prev[SEC_HASH_LEN], const uint8_t *preimage, size_t len,
               uint8_t out[SEC_HASH_LEN])
{
    crypto_generichash_state hs;

    crypto_generichash_init(&hs, NULL, 0, SEC_HASH_LEN);
    crypto_generichash_update(&hs, prev, SEC_HASH_LEN);
    if (len > 0) {
        crypto_generichash_update(&hs, preimage, len);
    }
    crypto_generichash_final(&hs, out, SEC_HASH_LEN);
}

void
sec_hex(const uint8_t *buf, size_t len, char *out)
{
    sodium_bin2hex(out, 2 * len + 1, buf, len);
}

int
sec_unhex(const char *hex, uint8_t *out, size_t len)
{
    size_t bin_len = 0;

    if (hex == NULL || strlen(hex) != 2 * len ||
        sodium_hex2bin(out, len, hex, 2 * len, NULL, &bin_len, NULL) != 0 || bin_len != len) {
        if (len > 0) {
            memset(out, 0, len);
        }
        return ERR_INVALID;
    }
    return 0;
}

/* ---- The signing key ------------------------------------------------------------------- */

static void
key_fail(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(key_error, sizeof key_error, fmt, ap);
    va_end(ap);
}

const char *
sec_key_error(void)
{
    return key_error;
}

static uint64_t
key_id_u64(const struct sec_key *k)
{
    uint64_t v = 0;
    int i;

    for (i = SEC_KEY_ID_LEN - 1; i >= 0; i--) {
        v = (v << 8) | k->key_id[i];
    }
    return v;
}

/*
 * "dir/name.ext" -> "dir/name.pub", "dir/name" -> "dir/name.pub". A leading dot
 * (".key") is a hidden name, not an extension. Returns *new* string or NULL.
 */
static char *
pub_path_of(const char *path)
{
    const char *base = strrchr(path, '/');
    const char *dot;
    size_t stem;
    char *pub;

    base = base != NULL ? base + 1 : path;
    dot = strrchr(base, '.');
    stem = (dot != NULL && dot != base) ? (size_t)(dot - path) : strlen(path);
    pub = malloc(stem + sizeof ".pub");
    if (pub == NULL) {
        return NULL;
    }
    memcpy(pub, path, stem);
    memcpy(pub + stem, ".pub", sizeof ".pub");
    return pub;
}

static void
key_checksum(const uint8_t blob[SK_BLOB_LEN], uint8_t chk[crypto_generichash_BYTES])
{
    crypto_generichash_state hs;

    crypto_generichash_init(&hs, NULL, 0, crypto_generichash_BYTES);
    crypto_generichash_update(&hs, blob + SK_SIG_ALG, 2);
    crypto_generichash_update(&hs, blob + SK_KEY_ID, SEC_KEY_ID_LEN);
    crypto_generichash_update(&hs, blob + SK_SK, crypto_sign_SECRETKEYBYTES);
    crypto_generichash_final(&hs, chk, crypto_generichash_BYTES);
    sodium_memzero(&hs, sizeof hs);
}

/* The .pub text for k into out; returns its length. */
static size_t
pub_text(const struct sec_key *k, char out[PUB_TEXT_SIZE])
{
    uint8_t blob[PK_BLOB_LEN];
    char b64[B64_SIZE(PK_BLOB_LEN)];
    int n;

    memcpy(blob, "Ed", 2);
    memcpy(blob + 2, k->key_id, SEC_KEY_ID_LEN);
    memcpy(blob + 2 + SEC_KEY_ID_LEN, k->pk, crypto_sign_PUBLICKEYBYTES);
    sodium_bin2base64(b64, sizeof b64, blob, sizeof blob, sodium_base64_VARIANT_ORIGINAL);
    n = snprintf(out, PUB_TEXT_SIZE, UNTRUSTED_PREFIX "minisign public key %" PRIX64 "\n%s\n",
                 key_id_u64(k), b64);
    return (size_t)n;
}

static int
write_all(int fd, const char *buf, size_t len)
{
    ssize_t n;

    while (len > 0) {
        n = write(fd, buf, len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return -1;
        }
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Make a new directory entry in path's directory durable. Best effort. */
static void
sync_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir;
    int fd;

    if (slash == NULL) {
        dir = malloc(2);
        if (dir != NULL) {
            memcpy(dir, ".", 2);
        }
    } else {
        size_t n = slash == path ? 1 : (size_t)(slash - path);
        dir = malloc(n + 1);
        if (dir != NULL) {
            memcpy(dir, path, n);
            dir[n] = '\0';
        }
    }
    if (dir == NULL) {
        return;
    }
    fd = open(dir, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
    free(dir);
}

/* Replace the public key file atomically (temporary file, then rename), mode 0644. */
static int
pub_write(const struct sec_key *k)
{
    char text[PUB_TEXT_SIZE];
    size_t len = pub_text(k, text);
    size_t plen = strlen(k->pub_path);
    char *tmp;
    int fd = -1;
    int rc = ERR_IO;

    tmp = malloc(plen + sizeof ".tmp");
    if (tmp == NULL) {
        key_fail("out of memory writing %s", k->pub_path);
        return ERR_NOMEM;
    }
    memcpy(tmp, k->pub_path, plen);
    memcpy(tmp + plen, ".tmp", sizeof ".tmp");
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        key_fail("cannot create public key file %s: %s", tmp, strerror(errno));
        goto fail;
    }
    /* Public by design: readable by all whatever the umask. */
    if (fchmod(fd, 0644) != 0 || write_all(fd, text, len) != 0 || fsync(fd) != 0) {
        key_fail("cannot write public key file %s: %s", tmp, strerror(errno));
        goto fail;
    }
    if (close(fd) != 0) {
        fd = -1;
        key_fail("cannot write public key file %s: %s", tmp, strerror(errno));
        goto fail;
    }
    fd = -1;
    if (rename(tmp, k->pub_path) != 0) {
        key_fail("cannot rename %s to %s: %s", tmp, k->pub_path, strerror(errno));
        goto fail;
    }
    sync_dir(k->pub_path);
    rc = 0;
fail:
    if (fd >= 0) {
        close(fd);
    }
    if (rc != 0) {
        unlink(tmp);
    }
    free(tmp);
    return rc;
}

/*
 * The public key beside a loaded secret key: written if missing, an error if it
 * holds another key (publishing it would make every signature fail to verify).
 */
static int
pub_check_or_write(const struct sec_key *k, const char *path)
{
    char want[PUB_TEXT_SIZE];
    char have[KEY_FILE_MAX + 1];
    const char *want_line;
    const char *have_line;
    size_t have_len = 0;
    size_t line_len;
    ssize_t n;
    int fd;

    fd = open(k->pub_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) {
        return pub_write(k);
    }
    if (fd < 0) {
        key_fail("cannot open public key file %s: %s", k->pub_path, strerror(errno));
        return ERR_IO;
    }
    while (have_len < KEY_FILE_MAX) {
        n = read(fd, have + have_len, KEY_FILE_MAX - have_len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        have_len += (size_t)n;
    }
    close(fd);
    have[have_len] = '\0';
    pub_text(k, want);
    /* Compare the key lines: the comment is free text. */
    want_line = strchr(want, '\n') + 1;
    have_line = strchr(have, '\n');
    line_len = strcspn(want_line, "\n");
    if (have_line == NULL || strncmp(have_line + 1, want_line, line_len) != 0 ||
        strcspn(have_line + 1, "\r\n") != line_len) {
        key_fail("public key file %s does not hold the public key of signing key %s "
                 "(remove it and it will be written again)",
                 k->pub_path, path);
        return ERR_IO;
    }
    return 0;
}

/* Read the secret key file open on fd into s->text after checking its type and mode. */
static int
key_read(int fd, const char *path, struct scratch *s, size_t *len)
{
    struct stat st;
    ssize_t n;

    *len = 0;
    if (fstat(fd, &st) != 0) {
        key_fail("cannot stat signing key %s: %s", path, strerror(errno));
        return ERR_IO;
    }
    if (!S_ISREG(st.st_mode)) {
        key_fail("signing key %s is not a regular file", path);
        return ERR_IO;
    }
    if ((st.st_mode & 077) != 0) {
        key_fail("signing key %s has mode %04o: group and others must have no access "
                 "(chmod 600 %s)",
                 path, (unsigned)(st.st_mode & 07777), path);
        return ERR_IO;
    }
    for (;;) {
        n = read(fd, s->text + *len, sizeof s->text - *len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            key_fail("cannot read signing key %s: %s", path, strerror(errno));
            return ERR_IO;
        }
        if (n == 0) {
            break;
        }
        *len += (size_t)n;
        if (*len == sizeof s->text) {
            key_fail("signing key %s is malformed: larger than %d bytes", path, KEY_FILE_MAX);
            return ERR_IO;
        }
    }
    s->text[*len] = '\0';
    return 0;
}

/* Parse s->text[0..len) as an unencrypted minisign secret key into k. */
static int
key_parse(struct sec_key *k, struct scratch *s, size_t len, const char *path)
{
    const char *end = s->text + len;
    const char *line;
    const char *nl;
    size_t line_len;
    size_t bin_len = 0;
    static const uint8_t none[2] = {0, 0};

    if (len < sizeof UNTRUSTED_PREFIX - 1 ||
        memcmp(s->text, UNTRUSTED_PREFIX, sizeof UNTRUSTED_PREFIX - 1) != 0) {
        key_fail("signing key %s is malformed: it does not start with \"%s\"", path,
                 UNTRUSTED_PREFIX);
        return ERR_IO;
    }
    nl = memchr(s->text, '\n', len);
    if (nl == NULL) {
        key_fail("signing key %s is malformed: the key line is missing", path);
        return ERR_IO;
    }
    line = nl + 1;
    nl = memchr(line, '\n', (size_t)(end - line));
    line_len = nl != NULL ? (size_t)(nl - line) : (size_t)(end - line);
    if (nl != NULL && nl + 1 != end) {
        key_fail("signing key %s is malformed: unexpected data after the key line", path);
        return ERR_IO;
    }
    if (line_len > 0 && line[line_len - 1] == '\r') {
        line_len--;
    }
    if (sodium_base642bin(s->blob, sizeof s->blob, line, line_len, NULL, &bin_len, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        bin_len != SK_BLOB_LEN) {
        key_fail("signing key %s is malformed: the key line is not a minisign secret key "
                 "(truncated?)",
                 path);
        return ERR_IO;
    }
    if (memcmp(s->blob + SK_SIG_ALG, "Ed", 2) != 0 || memcmp(s->blob + SK_CHK_ALG, "B2", 2) != 0) {
        key_fail("signing key %s is malformed: unsupported algorithm", path);
        return ERR_IO;
    }
    if (memcmp(s->blob + SK_KDF_ALG, "Sc", 2) == 0) {
        key_fail("signing key %s is protected by a password; a server cannot type it: "
                 "remove it with `minisign -C -W -s %s`",
                 path, path);
        return ERR_IO;
    }
    if (memcmp(s->blob + SK_KDF_ALG, none, 2) != 0) {
        key_fail("signing key %s is malformed: unknown key derivation", path);
        return ERR_IO;
    }
    key_checksum(s->blob, s->chk);
    if (sodium_memcmp(s->chk, s->blob + SK_CHK, sizeof s->chk) != 0 &&
        !sodium_is_zero(s->blob + SK_CHK, sizeof s->chk)) {
        key_fail("signing key %s is corrupted: its checksum does not match", path);
        return ERR_IO;
    }
    /* sk is seed || pk: the pair derived from the seed must be the one stored. */
    crypto_sign_seed_keypair(s->pk, s->sk, s->blob + SK_SK);
    if (sodium_memcmp(s->sk, s->blob + SK_SK, sizeof s->sk) != 0) {
        key_fail("signing key %s is corrupted: its secret and public halves disagree", path);
        return ERR_IO;
    }
    memcpy(k->key_id, s->blob + SK_KEY_ID, SEC_KEY_ID_LEN);
    memcpy(k->pk, s->pk, sizeof k->pk);
    memcpy(k->sk, s->sk, crypto_sign_SECRETKEYBYTES);
    return 0;
}

/* A new key pair in k, written to path (created, never replaced) and its .pub. */
static int
key_create(struct sec_key *k, struct scratch *s, const char *path)
{
    size_t len;
    int fd = -1;
    int rc = ERR_IO;
    int made = 0;

    randombytes_buf(k->key_id, sizeof k->key_id);
    crypto_sign_keypair(k->pk, k->sk);

    memset(s->blob, 0, sizeof s->blob);
    memcpy(s->blob + SK_SIG_ALG, "Ed", 2);
    memcpy(s->blob + SK_CHK_ALG, "B2", 2);
    memcpy(s->blob + SK_KEY_ID, k->key_id, SEC_KEY_ID_LEN);
    memcpy(s->blob + SK_SK, k->sk, crypto_sign_SECRETKEYBYTES);
    key_checksum(s->blob, s->blob + SK_CHK);
    len = sizeof SK_COMMENT - 1;
    memcpy(s->text, SK_COMMENT, len);
    sodium_bin2base64(s->text + len, sizeof s->text - len, s->blob, sizeof s->blob,
                      sodium_base64_VARIANT_ORIGINAL);
    len += strlen(s->text + len);
    s->text[len++] = '\n';

    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        key_fail("cannot create signing key %s: %s", path, strerror(errno));
        goto fail;
    }
    made = 1;
    /* The umask may have taken bits away; make the mode exactly 0600. */
    if (fchmod(fd, 0600) != 0 || write_all(fd, s->text, len) != 0 || fsync(fd) != 0) {
        key_fail("cannot write signing key %s: %s", path, strerror(errno));
        goto fail;
    }
    if (close(fd) != 0) {
        fd = -1;
        key_fail("cannot write signing key %s: %s", path, strerror(errno));
        goto fail;
    }
    fd = -1;
    sync_dir(path);
    rc = pub_write(k);
fail:
    if (fd >= 0) {
        close(fd);
    }
    /* Leave no half-made key behind: the next start makes a fresh pair. */
    if (rc != 0 && made) {
        unlink(path);
    }
    return rc;
}

int
sec_key_load_or_create(const char *path, struct sec_key **out, int *created)
{
    struct sec_key *k = NULL;
    struct scratch *s = NULL;
    size_t len = 0;
    int fd = -1;
    int made = 0;
    int rc;

    *out = NULL;
    if (created != NULL) {
        *created = 0;
    }
    key_error[0] = '\0';
    if (path == NULL || *path == '\0' || path[strlen(path) - 1] == '/') {
        key_fail("the signing key path is empty or names a directory");
        return ERR_INVALID;
    }
    if (sodium_init() < 0) {
        key_fail("no secure random source for the signing key");
        return ERR_INTERNAL;
    }
    rc = ERR_NOMEM;
    k = calloc(1, sizeof *k);
    if (k == NULL) {
        goto fail;
    }
    k->sk = sodium_malloc(crypto_sign_SECRETKEYBYTES);
    k->pub_path = pub_path_of(path);
    s = sodium_malloc(sizeof *s);
    if (k->sk == NULL || k->pub_path == NULL || s == NULL) {
        goto fail;
    }
    if (strcmp(k->pub_path, path) == 0) {
        key_fail("signing key %s ends in .pub, the name of its public key", path);
        rc = ERR_INVALID;
        goto fail;
    }

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        rc = key_read(fd, path, s, &len);
        if (rc == 0) {
            rc = key_parse(k, s, len, path);
        }
        if (rc == 0) {
            rc = pub_check_or_write(k, path);
        }
    } else if (errno == ENOENT) {
        rc = key_create(k, s, path);
        made = 1;
    } else {
        key_fail("cannot open signing key %s: %s", path, strerror(errno));
        rc = ERR_IO;
    }
fail:
    if (rc == ERR_NOMEM) {
        key_fail("out of memory loading signing key %s", path);
    }
    if (fd >= 0) {
        close(fd);
    }
    sodium_free(s);
    if (rc != 0) {
        sec_key_free(k);
        return rc;
    }
    if (created != NULL) {
        *created = made;
    }
    *out = k;
    return 0;
}

void
sec_key_free(struct sec_key *k)
{
    if (k == NULL) {
        return;
    }
    sodium_free(k->sk);
    free(k->pub_path);
    sodium_memzero(k, sizeof *k);
    free(k);
}

const char *
sec_key_pub_path(const struct sec_key *k)
{
    return k->pub_path;
}

void
sec_key_id_hex(const struct sec_key *k, char out[17])
{
    snprintf(out, 17, "%016" PRIX64, key_id_u64(k));
}

void
sec_key_public(const struct sec_key *k, uint8_t out[SEC_PUBLIC_LEN])
{
    memcpy(out, k->pk, SEC_PUBLIC_LEN);
}

/* ---- Signatures ------------------------------------------------------------------------ */

static int
comment_ok(const char *c, size_t max)
{
    return strlen(c) <= max && strpbrk(c, "\r\n") == NULL;
}

/*
 * The .minisig text for a file whose BLAKE2b-512 is `hash`. Each signature is
 * verified before it is given out, as minisign does, so that a fault while
 * signing cannot publish a bad signature (or leak the key through one).
 */
static int
sign_prehashed(const struct sec_key *k, const uint8_t hash[PREHASH_LEN], const char *untrusted,
               const char *trusted, char **out)
{
    uint8_t sig[SIG_BLOB_LEN]; /* "ED" | key id | signature */
    uint8_t global[crypto_sign_BYTES];
    char sig_b64[B64_SIZE(SIG_BLOB_LEN)];
    char global_b64[B64_SIZE(crypto_sign_BYTES)];
    uint8_t *signed_comment = NULL; /* signature | trusted comment */
    uint8_t *raw_sig = sig + 2 + SEC_KEY_ID_LEN;
    char *text = NULL;
    size_t tlen;
    size_t size;
    int rc = ERR_INVALID;

    *out = NULL;
    if (untrusted == NULL) {
        untrusted = DEFAULT_SIG_COMMENT;
    }
    if (trusted == NULL || !comment_ok(untrusted, SEC_UNTRUSTED_MAX) ||
        !comment_ok(trusted, SEC_TRUSTED_MAX)) {
        goto fail;
    }
    tlen = strlen(trusted);
    rc = ERR_NOMEM;
    signed_comment = malloc(crypto_sign_BYTES + tlen);
    if (signed_comment == NULL) {
        goto fail;
    }
    memcpy(sig, "ED", 2);
    memcpy(sig + 2, k->key_id, SEC_KEY_ID_LEN);
    crypto_sign_detached(raw_sig, NULL, hash, PREHASH_LEN, k->sk);
    memcpy(signed_comment, raw_sig, crypto_sign_BYTES);
    memcpy(signed_comment + crypto_sign_BYTES, trusted, tlen);
    crypto_sign_detached(global, NULL, signed_comment, crypto_sign_BYTES + tlen, k->sk);
    if (crypto_sign_verify_detached(raw_sig, hash, PREHASH_LEN, k->pk) != 0 ||
        crypto_sign_verify_detached(global, signed_comment, crypto_sign_BYTES + tlen, k->pk) != 0) {
        rc = ERR_INTERNAL;
        goto fail;
    }
    sodium_bin2base64(sig_b64, sizeof sig_b64, sig, sizeof sig, sodium_base64_VARIANT_ORIGINAL);
    sodium_bin2base64(global_b64, sizeof global_b64, global, sizeof global,
                      sodium_base64_VARIANT_ORIGINAL);
    size = sizeof UNTRUSTED_PREFIX + strlen(untrusted) + sizeof sig_b64 + sizeof TRUSTED_PREFIX +
           tlen + sizeof global_b64 + 1;
    text = malloc(size);
    if (text == NULL) {
        goto fail;
    }
    snprintf(text, size, UNTRUSTED_PREFIX "%s\n%s\n" TRUSTED_PREFIX "%s\n%s\n", untrusted, sig_b64,
             trusted, global_b64);
    *out = text;
    text = NULL;
    rc = 0;
fail:
    free(text);
    free(signed_comment);
    return rc;
}

int
sec_sign(const struct sec_key *k, const uint8_t *buf, size_t len, const char *untrusted,
         const char *trusted, char **out)
{
    uint8_t hash[PREHASH_LEN];

    crypto_generichash(hash, sizeof hash, buf, len, NULL, 0);
    return sign_prehashed(k, hash, untrusted, trusted, out);
}

int
sec_signer_new(const struct sec_key *k, struct sec_signer **out)
{
    struct sec_signer *s;

    /* crypto_generichash_state asks for 64-byte alignment, more than malloc promises. */
    s = aligned_alloc(_Alignof(struct sec_signer), sizeof *s);
    *out = s;
    if (s == NULL) {
        return ERR_NOMEM;
    }
    crypto_generichash_init(&s->hs, NULL, 0, PREHASH_LEN);
    s->key = k;
    return 0;
}

void
sec_signer_update(struct sec_signer *s, const uint8_t *buf, size_t len)
{
    if (len > 0) {
        crypto_generichash_update(&s->hs, buf, len);
    }
}

int
sec_signer_finish(struct sec_signer *s, const char *untrusted, const char *trusted, char **out)
{
    crypto_generichash_state hs = s->hs; /* finalise a copy: s stays usable */
    uint8_t hash[PREHASH_LEN];

    crypto_generichash_final(&hs, hash, sizeof hash);
    return sign_prehashed(s->key, hash, untrusted, trusted, out);
}

void
sec_signer_free(struct sec_signer *s)
{
    free(s);
}

/* --- verification ------------------------------------------------------- */

/* The next line of `text` from *pos, without its newline, into out. */
static int
next_line(const char *text, size_t len, size_t *pos, char *out, size_t outlen)
{
    size_t start = *pos, end = start;
    while (end < len && text[end] != '\n') {
        end++;
    }
    if (end == len && start == len) {
        return ERR_INVALID;
    }
    size_t n = end - start;
    if (n && text[start + n - 1] == '\r') {
        n--;
    }
    if (n >= outlen) {
        return ERR_INVALID;
    }
    memcpy(out, text + start, n);
    out[n] = 0;
    *pos = end < len ? end + 1 : end;
    return 0;
}

static int
decode_b64(const char *b64, uint8_t *out, size_t want)
{
    size_t got = 0;
    if (sodium_base642bin(out, want, b64, strlen(b64), NULL, &got, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        got != want) {
        return ERR_INVALID;
    }
    return 0;
}

int
sec_pub_parse(const char *text, size_t len, struct sec_pub *out)
{
    char line[1100];
    uint8_t blob[PK_BLOB_LEN];
    size_t pos = 0;
    if (next_line(text, len, &pos, line, sizeof(line)) ||
        strncmp(line, UNTRUSTED_PREFIX, strlen(UNTRUSTED_PREFIX)) != 0 ||
        next_line(text, len, &pos, line, sizeof(line)) || decode_b64(line, blob, sizeof(blob)) ||
        blob[0] != 'E' || blob[1] != 'd') {
        return ERR_INVALID;
    }
    memcpy(out->key_id, blob + 2, SEC_KEY_ID_LEN);
    memcpy(out->pk, blob + 2 + SEC_KEY_ID_LEN, SEC_PUBLIC_LEN);
    return 0;
}

int
sec_verify(const struct sec_pub *pub, const uint8_t *buf, size_t len, const char *sig,
           size_t siglen, char *trusted, size_t trusted_len)
{
    char line[SEC_TRUSTED_MAX + 64];
    uint8_t blob[SIG_BLOB_LEN], global[crypto_sign_BYTES], hash[PREHASH_LEN];
    size_t pos = 0;
    if (next_line(sig, siglen, &pos, line, sizeof(line)) ||
        strncmp(line, UNTRUSTED_PREFIX, strlen(UNTRUSTED_PREFIX)) != 0 ||
        next_line(sig, siglen, &pos, line, sizeof(line)) || decode_b64(line, blob, sizeof(blob))) {
        return ERR_INVALID;
    }
    if (blob[0] != 'E' || blob[1] != 'D') {
        return ERR_INVALID; /* only prehashed signatures are made and accepted here */
    }
    if (memcmp(blob + 2, pub->key_id, SEC_KEY_ID_LEN) != 0) {
        return ERR_BAD_TOKEN; /* signed by another key */
    }
    char tline[SEC_TRUSTED_MAX + 64];
    if (next_line(sig, siglen, &pos, tline, sizeof(tline)) ||
        strncmp(tline, TRUSTED_PREFIX, strlen(TRUSTED_PREFIX)) != 0 ||
        next_line(sig, siglen, &pos, line, sizeof(line)) ||
        decode_b64(line, global, sizeof(global))) {
        return ERR_INVALID;
    }
    crypto_generichash(hash, sizeof(hash), buf, len, NULL, 0);
    const uint8_t *s = blob + 2 + SEC_KEY_ID_LEN;
    if (crypto_sign_verify_detached(s, hash, sizeof(hash), pub->pk) != 0) {
        return ERR_BAD_TOKEN;
    }
    const char *tc = tline + strlen(TRUSTED_PREFIX);
    size_t tclen = strlen(tc);
    uint8_t *gm = malloc(crypto_sign_BYTES + tclen);
    if (!gm) {
        return ERR_NOMEM;
    }
    memcpy(gm, s, crypto_sign_BYTES);
    memcpy(gm + crypto_sign_BYTES, tc, tclen);
    int ok = crypto_sign_verify_detached(global, gm, crypto_sign_BYTES + tclen, pub->pk) == 0;
    free(gm);
    if (!ok) {
        return ERR_BAD_TOKEN; /* the trusted comment was changed */
    }
    if (trusted && trusted_len) {
        snprintf(trusted, trusted_len, "%s", tc);
    }
    return 0;
}
