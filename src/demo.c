#include "config.h"

#include "engine/dataset.h"
#include "src/demo.h"
#include "src/paths.h"
#include "src/sha256.h"
#include "src/termtext.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *demo_rows_file(const char *datadir)
{
	const char *dirs[] = { datadir, RIC_BUILDDIR };
	for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) {
		char *p = paths_join(dirs[i], "demo/rows.jsonl");
		if (p && access(p, R_OK) == 0)
			return p;
		free(p);
	}
	return NULL;
}

struct demo_ids { store_id *v; size_t n, cap; };

static int demo_take_id(void *ctx, const struct store_row *r)
{
	struct demo_ids *ids = ctx;
	if (ids->n == ids->cap) {
		size_t cap = ids->cap ? 2 * ids->cap : 4096;
		store_id *v = realloc(ids->v, cap * sizeof *v);
		if (!v)
			return 1;
		ids->v = v;
		ids->cap = cap;
	}
	ids->v[ids->n++] = r->id;
	return 0;
}

struct demo_param { const char *key; char value[128]; };

static int demo_find_param(void *ctx, const char *key, const char *value)
{
	struct demo_param *p = ctx;
	if (strcmp(key, p->key) == 0)
		snprintf(p->value, sizeof p->value, "%s", value);
	return 0;
}

struct demo_dataset { const char *name; store_id id, run; };

static int demo_find_dataset(void *ctx, const struct store_dataset *d)
{
	struct demo_dataset *w = ctx;
	if (strcmp(d->name, w->name) == 0) {
		w->id = d->id;
		w->run = d->run;
	}
	return 0;
}

/* Reads the rows file into texts for the dataset's row ids, in order; fails
 * (with a message in why) on any mismatch. */
static int demo_fill_rows(struct store *s, store_id dataset, const char *file, char *why,
                          size_t cap)
{
	struct demo_ids ids = { 0 };
	struct store_err err;
	if (store_rows_each(s, dataset, demo_take_id, &ids, &err) != STORE_OK) {
		snprintf(why, cap, "%s", err.msg);
		free(ids.v);
		return -1;
	}
	struct store_row *rows = calloc(ids.n ? ids.n : 1, sizeof *rows);
	struct dataset_reader *r = NULL;
	struct status st = STATUS_INIT;
	size_t n = 0;
	int rc = -1;
	if (!rows) {
		snprintf(why, cap, "out of memory");
	} else if (dataset_open(file, DATASET_JSONL, &r, &st) != STATUS_OK) {
		snprintf(why, cap, "%s", st.msg);
	} else {
		struct dataset_record rec;
		int got;
		rc = 0;
		while (rc == 0 && dataset_next(r, &rec, &got, &st) == STATUS_OK && got) {
			if (n == ids.n) {
				snprintf(why, cap, "%s: more rows than the demo dataset's %zu", file, ids.n);
				rc = -1;
				break;
			}
			rows[n] = (struct store_row){ .id = ids.v[n], .prompt = strdup(rec.prompt),
			                              .response = strdup(rec.response) };
			if (!rows[n].prompt || !rows[n].response) {
				snprintf(why, cap, "out of memory");
				rc = -1;
			}
			n++;
		}
		if (rc == 0 && st.code != STATUS_OK) {
			snprintf(why, cap, "%s", st.msg);
			rc = -1;
		} else if (rc == 0 && n != ids.n) {
			snprintf(why, cap, "%s: %zu rows, the demo dataset has %zu", file, n, ids.n);
			rc = -1;
		}
		if (rc == 0 && store_rows_set_text(s, dataset, rows, n, &err) != STORE_OK) {
			snprintf(why, cap, "%s", err.msg);
			rc = -1;
		}
	}
	if (r)
		dataset_close(r);
	for (size_t i = 0; rows && i < n; i++) {
		/* the rows' text is ours (read above); the struct holds it as const */
		free((void *)(uintptr_t)rows[i].prompt);
		free((void *)(uintptr_t)rows[i].response);
	}
	free(rows);
	free(ids.v);
	return rc;
}

/* The dataset's texts from the rows file whose digest the import run
 * recorded; without them the dataset goes (its runs and results stay). */
static void demo_dataset_texts(struct store *s, const char *datadir, FILE *log)
{
	struct demo_dataset d = { .name = "demo" };
	struct store_err err;
	if (store_datasets_each(s, demo_find_dataset, &d, &err) != STORE_OK || !d.id)
		return;
	struct demo_param want = { .key = "rows_sha256" };
	store_params_each(s, d.run, demo_find_param, &want, &err);
	char *file = demo_rows_file(datadir);
	char hex[SHA256_HEX_SIZE], why[600] = "";
	if (!file)
		snprintf(why, sizeof why, "demo/rows.jsonl was not built (`make` builds it from the "
		         "fortunes, fortunes-min and wordnet-base packages)");
	else if (sha256_file(file, hex) != 0)
		snprintf(why, sizeof why, "%s: %s", file, strerror(errno));
	else if (strcmp(hex, want.value) != 0)
		snprintf(why, sizeof why, "%s differs from the demo's rows (other package versions?)",
		         file);
	if (!why[0] && demo_fill_rows(s, d.id, file, why, sizeof why) == 0) {
		free(file);
		return;
	}
	free(file);
	termtext_printf(log, "ric: the demo's dataset is left out: %s\n", why);
	store_dataset_delete(s, d.id, &err);
}

/* Seeds the store with DATADIR/file (the first demo into the fresh store,
 * a later one added past its ids); 1 when done, 0 when there is no such
 * file, -1 on a problem (said on log). */
static int demo_seed(struct store *s, const char *datadir, const char *file, int add, FILE *log)
{
	char *db = paths_join(datadir, file);
	if (!db || access(db, R_OK) != 0) {
		free(db);
		return 0;
	}
	struct store_err err;
	enum store_code rc = add ? store_seed_add(s, db, &err) : store_seed(s, db, &err);
	free(db);
	if (rc == STORE_OK)
		rc = store_checkpoints_rebase(s, datadir, &err);
	if (rc != STORE_OK) {
		termtext_printf(log, "ric: the bundled demo %s was not registered: %s\n", file, err.msg);
		return -1;
	}
	return 1;
}

/* The image demo's evaluation pictures: DATADIR/demo/image/pictures/NAME/
 * holds the PNGs of the run named NAME, copied beside this store where its
 * eval would have drawn them (store_run_files_adopt), so that removing the
 * run removes the copies and never the shipped files. A folder that will
 * not go in is said on log; its run's points then show no picture. */
static void demo_image_pictures(struct store *s, const char *datadir, FILE *log)
{
	char *dir = paths_join(datadir, "demo/image/pictures");
	DIR *d = dir ? opendir(dir) : NULL;
	struct dirent *e;
	while (d && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char *from = paths_join(dir, e->d_name);
		struct store_err err;
		store_id run = 0;
		size_t n = 0;
		if (!from)
			break;
		if (store_run_resolve(s, e->d_name, &run, &err) != STORE_OK ||
		    store_run_files_adopt(s, run, from, &n, &err) != STORE_OK)
			termtext_printf(log, "ric: the image demo's pictures in %s are left out: %s\n", from,
			                err.msg);
		free(from);
	}
	if (d)
		closedir(d);
	free(dir);
}

int demo_register(struct store *s, const char *datadir, FILE *log)
{
	/* The image demo (issue 20) first: the text demo's runs come after it,
	 * the newest, so that ric-tui's Front shows the text demo's fronts
	 * beside the text policy it opens by default. */
	int image = demo_seed(s, datadir, "demo/image/image.db", 0, log);
	if (image > 0)
		demo_image_pictures(s, datadir, log);
	int text = demo_seed(s, datadir, "demo/demo.db", 1, log);
	if (text > 0)
		demo_dataset_texts(s, datadir, log);
	if (text <= 0 && image <= 0)
		return text < 0 || image < 0 ? -1 : 0;
	fprintf(log, "ric: registered the bundled demo%s in this new store (see `ric runs`)\n",
	        text > 0 && image > 0 ? "s (text and images)" : image > 0 ? " (images)" : "");
	return text < 0 || image < 0 ? -1 : 1;
}
