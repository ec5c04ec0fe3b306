/* rows: the "1,2,3;4,5,6" token-row arguments of ric logits and ric grads.
 *
 *   struct rows r;
 *   if (rows_parse("1,2;3,4", &r, err, sizeof err) != 0) { cli_error("--tokens: %s", err); ... }
 *   ... r.B rows of r.T ints in r.v ...
 *   rows_free(&r);
 */
#ifndef RIC_SRC_ROWS_H
#define RIC_SRC_ROWS_H

#include <stddef.h>

struct rows {
	size_t B, T;
	int *v; /* [B*T] */
};

/* Rows separated by ';', integers by ','; every row the same length. Returns
 * 0, or -1 with a message in err. */
int rows_parse(const char *spec, struct rows *r, char *err, size_t errlen);
void rows_free(struct rows *r);

#endif
