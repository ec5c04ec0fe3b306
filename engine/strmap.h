/* strmap: a hash table from byte strings to 64-bit values, keys copied.
 *
 *   struct strmap *m = strmap_new();
 *   int added;
 *   int64_t *v = strmap_put(m, "hello", 5, &added);   // NULL: out of memory
 *   if (added) *v = 42;
 *   int64_t *w = strmap_get(m, "hello", 5);           // NULL: absent
 *   strmap_free(m);
 *
 * Open addressing with linear probing, FNV-1a hashes; keys live in one arena,
 * so a table of 50k tokens is a few allocations. Not thread-safe.
 */
#ifndef RIC_ENGINE_STRMAP_H
#define RIC_ENGINE_STRMAP_H

#include <stddef.h>
#include <stdint.h>

struct strmap;

struct strmap *strmap_new(void);
void strmap_free(struct strmap *m);

int64_t *strmap_get(const struct strmap *m, const void *key, size_t len);
/* The value slot for `key`, inserted (value 0, *added = 1) when absent. */
int64_t *strmap_put(struct strmap *m, const void *key, size_t len, int *added);

size_t strmap_count(const struct strmap *m);
/* Bytes of keys held, for callers that bound a cache's memory. */
size_t strmap_key_bytes(const struct strmap *m);
/* Removes every key (keeps the allocated capacity). */
void strmap_clear(struct strmap *m);

#endif
