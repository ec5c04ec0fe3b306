/* sha256: FIPS 180-4 SHA-256, to fingerprint checkpoint files in the store.
 *
 *   char hex[65];
 *   if (sha256_file("run/model.safetensors", hex) != 0) ...;   // errno says why
 *
 * A few dozen lines here instead of a crypto library the project would need
 * only for this.
 */
#ifndef RIC_SRC_SHA256_H
#define RIC_SRC_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct sha256 {
	uint32_t h[8];
	uint64_t len;
	unsigned char buf[64];
	size_t nbuf;
};

void sha256_init(struct sha256 *c);
void sha256_update(struct sha256 *c, const void *data, size_t n);
void sha256_final(struct sha256 *c, unsigned char out[32]);
/* Lowercase hex of the file's digest into out[65]; -1 (errno set) on error. */
int sha256_file(const char *path, char out[65]);

#endif
