/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * sec.h - every cryptographic primitive Concerto uses, behind one prefix.
 *
 * This module is the only one that includes <sodium.h>; everything else sees
 * plain bytes and the names below. It owns:
 *   - randomness: raw bytes, human-friendly ids, invitation/admin tokens;
 *   - hashing: token hashes and the event hash chain (BLAKE2b-256);
 *   - constant-time comparison and wiping of secrets;
 *   - the server's Ed25519 signing key and signatures that the stock
 *     `minisign -V` verifies.
 *
 * Rules: call sec_init() once at start-up before anything else here. Secrets
 * (token text, the secret key) are wiped after use and never logged; the
 * signing key lives in locked, guarded memory until sec_key_free(). Fallible
 * functions return 0 or a negative enum err (err.h). Fixed-size outputs are
 * written into caller buffers; variable-size ones are *new* (caller frees).
 *
 * File formats are minisign 0.11's, byte for byte, so that operators can use
 * their usual tools: the secret key file is an unencrypted minisign secret key
 * (`minisign -G -W`), the public key sits beside it with ".pub", and
 * signatures are prehashed ("ED") .minisig texts.
 */
#ifndef CONCERTO_SEC_H
#define CONCERTO_SEC_H

#include <stddef.h>
#include <stdint.h>

#define SEC_HASH_LEN 32   /* BLAKE2b-256 */
#define SEC_TOKEN_LEN 43  /* 32 random bytes, base64url without padding */
#define SEC_KEY_ID_LEN 8  /* minisign key id, bytes */
#define SEC_PUBLIC_LEN 32 /* Ed25519 public key, bytes */

/* Longest comments minisign 0.11 reads back (its line buffers are 1024 and 8192 bytes). */
#define SEC_UNTRUSTED_MAX 1003
#define SEC_TRUSTED_MAX 8173

/* Initialise libsodium. 0, or ERR_INTERNAL if no secure random source is available. */
int
sec_init(void);

/* Fill buf[0..len) with cryptographically secure random bytes. */
void
sec_random(uint8_t *buf, size_t len);

/*
 * A random id of `len` characters drawn uniformly from the 31-character alphabet
 * "abcdefghjkmnpqrstuvwxyz23456789" (no 0/o/1/l/i), into out[len + 1], NUL-terminated.
 */
void
sec_random_id(char *out, size_t len);

/*
 * A new invitation/admin token: out gets SEC_TOKEN_LEN base64url characters and a
 * NUL, hash gets BLAKE2b-256 of those characters (what the store keeps). The
 * caller shows `out` once, then wipes it with sec_wipe(). Returns 0.
 */
int
sec_token_new(char out[SEC_TOKEN_LEN + 1], uint8_t hash[SEC_HASH_LEN]);

/*
 * Hash a presented token (borrowed, not NUL-terminated necessarily). ERR_BAD_TOKEN,
 * and hash zeroed, if len != SEC_TOKEN_LEN or a character is outside base64url.
 */
int
sec_token_hash(const char *token, size_t len, uint8_t hash[SEC_HASH_LEN]);

/* Constant-time equality of a[0..len) and b[0..len): 1 if equal, 0 otherwise. */
int
sec_equal(const uint8_t *a, const uint8_t *b, size_t len);

/* Zero buf[0..len) in a way the compiler may not optimise away. */
void
sec_wipe(void *buf, size_t len);

/*
 * One link of the event hash chain: out = BLAKE2b-256(prev || preimage), prev being
 * exactly SEC_HASH_LEN bytes. The preimage layout is defined in proto/. out may
 * alias prev.
 */
void
sec_chain_hash(const uint8_t prev[SEC_HASH_LEN], const uint8_t *preimage, size_t len,
               uint8_t out[SEC_HASH_LEN]);

#define SEC_OWNER_LEN 16 /* the owner tag of a secret ballot, bytes */

/*
 * The key that ties a secret ballot to whoever cast it, from their token
 * (borrowed; checked by sec_token_hash() first): BLAKE2b-256 keyed with a
 * constant of its own, so unlike the token's stored hash. The hub keeps it,
 * in memory only, for the life of the connection, and wipes it.
 */
void
sec_owner_key(const char *token, size_t len, uint8_t key[SEC_HASH_LEN]);

/*
 * The owner tag stored beside a secret ballot: BLAKE2b-128 of the receipt,
 * keyed with the caster's owner key. Whoever reads the database has no
 * token, only the tokens' hashes, so a tag names nobody; the server, shown
 * the token again, can tell whether a ballot is the caster's own.
 */
void
sec_owner_tag(const uint8_t key[SEC_HASH_LEN], const char *receipt, uint8_t tag[SEC_OWNER_LEN]);

/* out = BLAKE2b-256(buf[0..len)): a digest of public data, no key. */
void
sec_digest(const uint8_t *buf, size_t len, uint8_t out[SEC_HASH_LEN]);

/* out = SHA-256(buf[0..len)): the name of a stored document (its content's
 * digest, which anyone can recompute with sha256sum). */
#define SEC_SHA256_LEN 32
void
sec_sha256(const uint8_t *buf, size_t len, uint8_t out[SEC_SHA256_LEN]);

/* out = lowercase hex of SHA-256(buf[0..len)): the digest an approval
 * attestation names a record file by (RECORD.md), checkable with sha256sum. */
void
sec_sha256_hex(const uint8_t *buf, size_t len, char out[65]);

/* Lowercase hex of buf[0..len) into out[2 * len + 1], NUL-terminated. */
void
sec_hex(const uint8_t *buf, size_t len, char *out);

/*
 * Decode exactly 2 * len hex digits (either case, NUL-terminated string) into
 * out[0..len). ERR_INVALID, and out zeroed, on any other length or character.
 */
int
sec_unhex(const char *hex, uint8_t *out, size_t len);

/* ---- The signing key ------------------------------------------------------------------- */

/* Opaque: key id, public key, and the secret key in locked memory. */
struct sec_key;

/*
 * Load the Ed25519 signing key at `path` (borrowed), or create it if the file does
 * not exist. *out is *new* (free with sec_key_free()); *created (may be NULL) is
 * set to 1 if the key was just made, else 0.
 *
 * Creating: open(O_CREAT | O_EXCL, 0600), write an unencrypted minisign secret
 * key, and write the public key beside it: `path` with its extension replaced by
 * ".pub" (./var/signing.key -> ./var/signing.pub), or ".pub" appended when the
 * name has none. Loading: the file must be a regular file with no permission bits
 * for group or others, an unencrypted minisign 0.11 secret key (as written here
 * or by `minisign -G -W`), whose secret and public halves agree. A missing .pub is
 * written again; a .pub for another key is an error.
 *
 * Errors: ERR_IO (sec_key_error() says why: permissions, malformed, encrypted,
 * unreadable ...), ERR_INVALID (bad path), ERR_NOMEM. On error *out is NULL.
 */
int
sec_key_load_or_create(const char *path, struct sec_key **out, int *created);

/*
 * Why the last sec_key_load_or_create() of this thread failed, as one English
 * sentence naming the file; "" after a success. Static storage, per thread.
 */
const char *
sec_key_error(void);

/* Wipe and free k. NULL is harmless. */
void
sec_key_free(struct sec_key *k);

/* The public key file path; borrowed, valid until sec_key_free(k). */
const char *
sec_key_pub_path(const struct sec_key *k);

/* The key id as minisign prints it: 16 uppercase hex digits and a NUL. */
void
sec_key_id_hex(const struct sec_key *k, char out[17]);

/* The raw Ed25519 public key. */
void
sec_key_public(const struct sec_key *k, uint8_t out[SEC_PUBLIC_LEN]);

/* ---- Signatures ------------------------------------------------------------------------ */

/*
 * Sign buf[0..len) as `minisign -S` (0.11, prehashed, algorithm "ED") does: the
 * signature covers BLAKE2b-512(buf), the global signature covers signature ||
 * trusted. *out is *new*: the complete .minisig text,
 *   "untrusted comment: <untrusted>\n<base64 sig>\ntrusted comment: <trusted>\n<base64>\n".
 * untrusted may be NULL (minisign's default comment). ERR_INVALID if a comment
 * holds '\n' or '\r' or is longer than SEC_UNTRUSTED_MAX / SEC_TRUSTED_MAX, or
 * trusted is NULL; ERR_NOMEM; ERR_INTERNAL if the signature does not check out.
 * On error *out is NULL.
 */
int
sec_sign(const struct sec_key *k, const uint8_t *buf, size_t len, const char *untrusted,
         const char *trusted, char **out);

/*
 * The same signature over data given in pieces (a large file read in chunks):
 * sec_signer_new(), any number of sec_signer_update(), sec_signer_finish() with
 * the same arguments and result as sec_sign(). finish does not consume the signer:
 * a bad comment can be corrected and finish called again. The signer borrows k
 * until it is freed. *out of sec_signer_new() is *new* (sec_signer_free(); NULL is
 * harmless); ERR_NOMEM.
 */
struct sec_signer;

int
sec_signer_new(const struct sec_key *k, struct sec_signer **out);

void
sec_signer_update(struct sec_signer *s, const uint8_t *buf, size_t len);

int
sec_signer_finish(struct sec_signer *s, const char *untrusted, const char *trusted, char **out);

void
sec_signer_free(struct sec_signer *s);

/* A minisign public key, as read from its file. */
struct sec_pub {
    uint8_t key_id[SEC_KEY_ID_LEN];
    uint8_t pk[SEC_PUBLIC_LEN];
};

/* Parse the text of a minisign public key file; ERR_INVALID when malformed. */
int
sec_pub_parse(const char *text, size_t len, struct sec_pub *out);

/* Verify a .minisig (prehashed, "ED") of `buf` as `minisign -V` does: the
 * signature over BLAKE2b-512 of the data, then the global signature over
 * the signature and the trusted comment. 0 when both hold, with the trusted
 * comment copied to `trusted` (may be NULL); ERR_INVALID for a malformed
 * signature, ERR_BAD_TOKEN for a wrong key or a signature that fails. */
int
sec_verify(const struct sec_pub *pub, const uint8_t *buf, size_t len, const char *sig,
           size_t siglen, char *trusted, size_t trusted_len);

#endif
