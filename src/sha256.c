/* sha256: hex digests over Nettle's SHA-256. */
#include "config.h"

#include "src/sha256.h"

#include <stdio.h>

void sha256_hex(struct sha256_ctx *c, char out[SHA256_HEX_SIZE])
{
	uint8_t d[SHA256_DIGEST_SIZE];
	sha256_digest(c, sizeof d, d);
	for (int i = 0; i < SHA256_DIGEST_SIZE; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

int sha256_file(const char *path, char out[SHA256_HEX_SIZE])
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	struct sha256_ctx c;
	sha256_init(&c);
	unsigned char buf[65536];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		sha256_update(&c, n, buf);
	int bad = ferror(f);
	fclose(f);
	if (bad)
		return -1;
	sha256_hex(&c, out);
	return 0;
}
