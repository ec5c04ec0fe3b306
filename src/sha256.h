/* sha256: hex SHA-256 digests (Nettle's), to fingerprint checkpoint files in
 * the store.
 *
 *   char hex[SHA256_HEX_SIZE];
 *   if (sha256_file("run/model.safetensors", hex) != 0) ...;   // errno says why
 *
 *   struct sha256_ctx c;                 // Nettle's, for data in memory
 *   sha256_init(&c);
 *   sha256_update(&c, n, data);
 *   sha256_hex(&c, hex);
 */
#ifndef RIC_SRC_SHA256_H
#define RIC_SRC_SHA256_H

#include <nettle/sha2.h>

/* 64 lowercase hex digits and the NUL. */
#define SHA256_HEX_SIZE (2 * SHA256_DIGEST_SIZE + 1)

/* Lowercase hex of the digest of everything fed to c into out; c is reset
 * for a new message, as sha256_digest does. */
void sha256_hex(struct sha256_ctx *c, char out[SHA256_HEX_SIZE]);
/* Lowercase hex of the file's digest into out; -1 (errno set) on error. */
int sha256_file(const char *path, char out[SHA256_HEX_SIZE]);

#endif
