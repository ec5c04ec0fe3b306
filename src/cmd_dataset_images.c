/* ric dataset import-images: PNG files become image rows of a new dataset,
 * each fitted to 32x32 on a background and stored as PNG bytes in its row. */
#include "config.h"

#include "src/cmd_dataset_images.h"
#include "src/job_state.h"
#include "src/termtext.h"
#include "engine/image.h"
#include "engine/monotonic.h"
#include "engine/rng.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define IMAGES_BATCH 256
/* A folder holding more PNGs than this is not what the demo scale needs. */
#define IMAGES_MAX 1000000

struct images {
	char **path;
	size_t n, cap;
	char err[1024];
};

static int images_fail(struct images *im, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int images_fail(struct images *im, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(im->err, sizeof im->err, fmt, ap);
	va_end(ap);
	return CLI_FAIL;
}

static int images_push(struct images *im, const char *path)
{
	if (im->n == IMAGES_MAX)
		return images_fail(im, "more than %d PNG files", IMAGES_MAX);
	if (im->n == im->cap) {
		size_t cap = im->cap ? 2 * im->cap : 256;
		char **p = realloc(im->path, cap * sizeof *p);
		if (!p)
			return images_fail(im, "out of memory");
		im->path = p;
		im->cap = cap;
	}
	if (!(im->path[im->n] = strdup(path)))
		return images_fail(im, "out of memory");
	im->n++;
	return CLI_OK;
}

static int images_is_png(const char *name)
{
	size_t l = strlen(name);
	return l > 4 && strcasecmp(name + l - 4, ".png") == 0;
}

/* The *.png files under dir, every level down; symbolic links to folders
 * are not followed (an icon theme links folders into each other). */
static int images_scan(struct images *im, const char *dir, int depth)
{
	if (depth > 32)
		return images_fail(im, "%s: folders nest deeper than 32 levels", dir);
	DIR *d = opendir(dir);
	if (!d)
		return images_fail(im, "%s: %s", dir, strerror(errno));
	int status = CLI_OK;
	struct dirent *e;
	while (status == CLI_OK && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		size_t len = strlen(dir) + strlen(e->d_name) + 2;
		char *p = malloc(len);
		if (!p) {
			status = images_fail(im, "out of memory");
			break;
		}
		snprintf(p, len, "%s/%s", dir, e->d_name);
		struct stat sb;
		if (lstat(p, &sb) == 0 && S_ISDIR(sb.st_mode))
			status = images_scan(im, p, depth + 1);
		else if (images_is_png(e->d_name) && stat(p, &sb) == 0 && S_ISREG(sb.st_mode))
			status = images_push(im, p);
		free(p);
	}
	closedir(d);
	return status;
}

static int images_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Folders give their PNGs (sorted, so a seed picks the same split on every
 * machine); files are taken as given, whatever their name. */
static int images_collect(struct images *im, int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		struct stat sb;
		if (stat(argv[i], &sb) != 0)
			return images_fail(im, "%s: %s", argv[i], strerror(errno));
		size_t first = im->n;
		if (S_ISDIR(sb.st_mode)) {
			if (images_scan(im, argv[i], 0) != CLI_OK)
				return CLI_FAIL;
			if (im->n == first)
				return images_fail(im, "%s: no .png files in this folder", argv[i]);
			qsort(im->path + first, im->n - first, sizeof *im->path, images_cmp);
		} else if (images_push(im, argv[i]) != CLI_OK) {
			return CLI_FAIL;
		}
	}
	return CLI_OK;
}

struct images_batch {
	struct store_row rows[IMAGES_BATCH];
	uint8_t *png[IMAGES_BATCH];
	size_t n;
};

static enum store_code images_flush(struct store *s, store_id dataset, struct images_batch *b,
                                    struct store_err *err)
{
	enum store_code rc = b->n ? store_rows_add(s, dataset, b->rows, b->n, NULL, err) : STORE_OK;
	for (size_t i = 0; i < b->n; i++)
		free(b->png[i]);
	b->n = 0;
	return rc;
}

static const char *images_default_name(const char *path, char *buf, size_t cap)
{
	size_t l = strlen(path);
	while (l > 1 && path[l - 1] == '/')
		l--;
	const char *base = path;
	for (size_t i = 0; i < l; i++)
		if (path[i] == '/')
			base = path + i + 1;
	snprintf(buf, cap, "%.*s", (int)(l - (size_t)(base - path)), base);
	size_t n = strlen(buf);
	if (n > 4 && strcasecmp(buf + n - 4, ".png") == 0)
		buf[n - 4] = '\0';
	return buf;
}

int dataset_import_images(const struct cli_command *cmd, struct cli *cli, int argc, char **argv,
                          volatile sig_atomic_t *stop)
{
	static const struct option opts[] = {
		{ "background", required_argument, NULL, 'B' },
		{ "name", required_argument, NULL, 'n' },
		{ "eval-fraction", required_argument, NULL, 'e' },
		{ "seed", required_argument, NULL, 's' },
		{ "skip-bad", no_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *name = NULL, *bg_arg = "white", *eval_arg = "0.05", *seed_arg = "0";
	double eval_fraction = 0.05, seed = 0;
	int skip_bad = 0, c, rc, exit_rc;
	while ((c = cli_next_option(cmd, argc, argv, "h", opts, &exit_rc)) != -1) {
		rc = CLI_OK;
		switch (c) {
		case 'B': bg_arg = optarg; break;
		case 'n': name = optarg; break;
		case 'e': eval_arg = optarg; rc = cli_number(cmd, "--eval-fraction", optarg, 0, 1, &eval_fraction); break;
		case 's': seed_arg = optarg; rc = cli_number(cmd, "--seed", optarg, 0, 9e15, &seed); break;
		case 'k': skip_bad = 1; break;
		case CLI_OPT_EXIT: return exit_rc;
		}
		if (rc != CLI_OK)
			return rc;
	}
	if (optind >= argc)
		return cli_bad_usage(cmd, "import-images wants a folder or PNG files");
	uint8_t bg[3];
	struct status st = STATUS_INIT;
	if (image_parse_color(bg_arg, bg, &st) != STATUS_OK)
		return cli_bad_usage(cmd, "--background: %s", st.msg);
	char namebuf[256];
	if (!name)
		name = images_default_name(argv[optind], namebuf, sizeof namebuf);
	if (!*name)
		return cli_bad_usage(cmd, "the dataset name is empty");

	struct images im = { 0 };
	if (images_collect(&im, argc - optind, argv + optind) != CLI_OK) {
		cli_error("import-images: %s", im.err);
		for (size_t i = 0; i < im.n; i++)
			free(im.path[i]);
		free(im.path);
		return CLI_FAIL;
	}
	struct store *s;
	if (cli_store_open(cli, &s) != CLI_OK) {
		for (size_t i = 0; i < im.n; i++)
			free(im.path[i]);
		free(im.path);
		return CLI_FAIL;
	}
	struct rng rng;
	rng_seed(&rng, (uint64_t)seed);
	struct images_batch *b = calloc(1, sizeof *b);
	struct store_err err;
	store_id run = 0, dataset = 0;
	int status = b ? CLI_OK : images_fail(&im, "out of memory");
	int64_t n_rows = 0, n_train = 0, n_eval = 0, n_skipped = 0, last_beat = store_now_ms();
	if (job_state_reap(s, NULL, NULL, &err) < 0)
		cli_error("warning: %s", err.msg);
	if (status == CLI_OK && store_run_create(s, "import", NULL, 0, &run, &err) != STORE_OK)
		status = images_fail(&im, "%s", err.msg);
	char source[1024];
	size_t off = 0;
	source[0] = '\0';
	for (int i = optind; i < argc && off < sizeof source; i++)
		off += (size_t)snprintf(source + off, sizeof source - off, "%s%s", i > optind ? " " : "", argv[i]);
	const char *const params[][2] = {
		{ "files", source }, { "format", "images" }, { "name", name }, { "background", bg_arg },
		{ "eval_fraction", eval_arg }, { "seed", seed_arg }, { "skip_bad", skip_bad ? "1" : "0" },
	};
	for (size_t i = 0; status == CLI_OK && i < sizeof params / sizeof params[0]; i++)
		if (store_param_set(s, run, params[i][0], params[i][1], &err) != STORE_OK)
			status = images_fail(&im, "%s", err.msg);
	if (status == CLI_OK && store_dataset_start(s, name, source, run, &dataset, &err) != STORE_OK)
		status = images_fail(&im, "%s", err.msg);
	double t0 = monotonic_s();
	for (size_t i = 0; status == CLI_OK && i < im.n; i++) {
		if (*stop) {
			status = images_fail(&im, "stopped by signal %d", (int)*stop);
			break;
		}
		struct image pic;
		size_t k = b->n;
		if (image_load_png(im.path[i], bg, &pic, &st) != STATUS_OK) {
			if (skip_bad && st.code == STATUS_FORMAT) {
				n_skipped++;
				continue;
			}
			status = images_fail(&im, "%s%s", st.msg, st.code == STATUS_FORMAT ?
			                     " (--skip-bad skips bad images)" : "");
			break;
		}
		size_t png_len;
		enum status_code ec = image_encode_png(&pic, &b->png[k], &png_len, &st);
		image_free(&pic);
		if (ec != STATUS_OK) {
			status = images_fail(&im, "%s: %s", im.path[i], st.msg);
			break;
		}
		int is_eval = rng_uniform_double(&rng) < eval_fraction;
		b->rows[k] = (struct store_row){ .prompt = "", .response = im.path[i],
		                                 .split = is_eval ? "eval" : "train", .image = b->png[k],
		                                 .image_len = png_len };
		b->n++;
		n_rows++;
		*(is_eval ? &n_eval : &n_train) += 1;
		if (b->n == IMAGES_BATCH) {
			if (images_flush(s, dataset, b, &err) != STORE_OK)
				status = images_fail(&im, "%s", err.msg);
			else if (store_now_ms() - last_beat >= 5000) {
				store_run_heartbeat(s, run, NULL);
				last_beat = store_now_ms();
			}
		}
	}
	if (status == CLI_OK && images_flush(s, dataset, b, &err) != STORE_OK)
		status = images_fail(&im, "%s", err.msg);
	if (status == CLI_OK && n_rows == 0)
		status = images_fail(&im, "no image could be read (%lld skipped)", (long long)n_skipped);
	double secs = monotonic_s() - t0;
	if (status == CLI_OK) {
		struct store_metric m[] = {
			{ "rows", 0, (double)n_rows, 0 }, { "train", 0, (double)n_train, 0 },
			{ "eval", 0, (double)n_eval, 0 }, { "skipped", 0, (double)n_skipped, 0 },
			{ "rows_per_s", 0, secs > 0 ? (double)n_rows / secs : 0, 0 },
		};
		if (store_dataset_finish(s, dataset, run, m, sizeof m / sizeof m[0], &err) != STORE_OK)
			status = images_fail(&im, "%s", err.msg);
	}
	if (status == CLI_OK) {
		termtext_printf(stdout, "dataset %s: %lld images (%dx%d), %lld train, %lld eval; %lld bad "
		                "images skipped\n", name, (long long)n_rows, IMAGE_SIDE, IMAGE_SIDE,
		                (long long)n_train, (long long)n_eval, (long long)n_skipped);
		termtext_printf(stdout, "run %lld (import), %.2f s\n", (long long)run, secs);
	} else {
		cli_error("import-images: %s", im.err);
		if (dataset) {
			if (store_dataset_delete(s, dataset, &err) == STORE_OK)
				fprintf(stderr, "ric: import-images: the partial dataset %s was removed\n", name);
			else
				cli_error("import-images: %s (the dataset stays incomplete and hidden; `ric "
				          "store check` removes it)", err.msg);
		}
		if (run)
			store_run_finish(s, run, *stop ? "cancelled" : "failed", *stop ? NULL : im.err, NULL);
		if (*stop)
			status = 130;
	}
	if (b)
		for (size_t i = 0; i < b->n; i++)
			free(b->png[i]);
	free(b);
	for (size_t i = 0; i < im.n; i++)
		free(im.path[i]);
	free(im.path);
	store_close(s);
	return status;
}
