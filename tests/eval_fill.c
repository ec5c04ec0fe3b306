/* Not a test: makes a store with a small dataset for the eval and front
 * command-line tests.  eval_fill STORE DATASET N_EVAL  (N_EVAL eval rows, as
 * many train rows, prompts "Say k." and each eval prompt twice, as a pair's
 * two rows would be). */
#include "config.h"

#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: eval_fill STORE DATASET N_EVAL\n");
		return 2;
	}
	struct store *s;
	struct store_err e;
	if (store_open(argv[1], STORE_CREATE, &s, &e) != STORE_OK) {
		fprintf(stderr, "eval_fill: %s\n", e.msg);
		return 1;
	}
	store_id ds;
	int n = atoi(argv[3]);
	struct store_row *rows = calloc((size_t)n * 3, sizeof *rows);
	char (*text)[32] = calloc((size_t)n * 3, sizeof *text);
	size_t k = 0;
	for (int i = 0; i < n; i++) {
		snprintf(text[k], sizeof text[k], "Say %d.", i);
		for (int r = 0; r < 2; r++)
			rows[k + (size_t)r] = (struct store_row){ .prompt = text[k],
				                                  .response = r ? "no" : "yes", .split = "eval" };
		k += 2;
		snprintf(text[k], sizeof text[k], "Tell %d.", i);
		rows[k] = (struct store_row){ .prompt = text[k], .response = "ok", .split = "train" };
		k++;
	}
	int rc = store_dataset_create(s, argv[2], "eval_fill", 0, &ds, &e) != STORE_OK ||
	         store_rows_add(s, ds, rows, k, NULL, &e) != STORE_OK;
	if (rc)
		fprintf(stderr, "eval_fill: %s\n", e.msg);
	free(rows);
	free(text);
	store_close(s);
	return rc;
}
