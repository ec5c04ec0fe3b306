/* ric dataset import-images: PNG files become image rows of a new dataset,
 * each fitted to 32x32 on a background and stored as PNG bytes in its row.
 * ric dataset import-image-pairs: the same for the chosen and rejected
 * pictures a JSON Lines file names, stored as pairs for ric rm-train. */
#include "config.h"

#include "src/cmd_dataset_images.h"
#include "src/job_state.h"
#include "src/termtext.h"
#include "engine/dataset.h"
#include "engine/image.h"
#include "engine/monotonic.h"
#include "engine/rng.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define IMAGES_BATCH 256
/* A folder holding more PNGs than this is not what the demo scale needs. */
#define IMAGES_MAX 1000000

/* A pair of import-image-pairs: path[2k] chosen, path[2k + 1] rejected. */
struct images_pair {
	char *prompt;
	char *where;     /* "FILE:LINE", for messages */
	int split;       /* the line's own: 0 train, 1 eval; -1 drawn */
};

struct images {
	char **path;
	size_t n, cap;
	struct images_pair *pair;  /* NULL for import-images */
	size_t npair, pcap;
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

static void images_free(struct images *im)
{
	for (size_t i = 0; i < im->n; i++)
		free(im->path[i]);
	free(im->path);
	for (size_t i = 0; i < im->npair; i++) {
		free(im->pair[i].prompt);
		free(im->pair[i].where);
	}
	free(im->pair);
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

/* A file the JSONL names: relative to the JSONL's folder; a regular file. */
static int images_pair_file(struct images *im, const char *where, const char *dir,
                            const char *role, const char *name, struct stat *sb)
{
	char path[PATH_MAX];
	if (name[0] == '/' || !*dir)
		snprintf(path, sizeof path, "%s", name);
	else if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path)
		return images_fail(im, "%s: %s %s: the path is too long", where, role, name);
	if (stat(path, sb) != 0)
		return images_fail(im, "%s: %s %s: %s", where, role, path, strerror(errno));
	if (!S_ISREG(sb->st_mode))
		return images_fail(im, "%s: %s %s: not a file", where, role, path);
	return images_push(im, path);
}

static int images_pair_push(struct images *im, const char *where, const struct dataset_record *rec)
{
	if (im->npair == im->pcap) {
		size_t cap = im->pcap ? 2 * im->pcap : 128;
		struct images_pair *p = realloc(im->pair, cap * sizeof *p);
		if (!p)
			return images_fail(im, "out of memory");
		im->pair = p;
		im->pcap = cap;
	}
	struct images_pair *p = &im->pair[im->npair];
	p->prompt = strdup(rec->prompt);
	p->where = strdup(where);
	p->split = rec->split ? strcmp(rec->split, "eval") == 0 : -1;
	if (!p->prompt || !p->where) {
		free(p->prompt);
		free(p->where);
		return images_fail(im, "out of memory");
	}
	im->npair++;
	return CLI_OK;
}

/* The pairs a JSON Lines file names (engine/dataset.h, format image-pairs),
 * each file there and the two of a pair not one file. */
static int images_collect_pairs(struct images *im, const char *file)
{
	struct dataset_reader *r;
	struct status st = STATUS_INIT;
	if (dataset_open(file, DATASET_IMAGE_PAIRS, &r, &st) != STATUS_OK)
		return images_fail(im, "%s", st.msg);
	char dir[PATH_MAX];
	snprintf(dir, sizeof dir, "%s", file);
	char *slash = strrchr(dir, '/');
	if (slash)
		slash[slash == dir] = '\0';  /* "/x.jsonl": the root */
	else
		dir[0] = '\0';
	int status = CLI_OK;
	for (;;) {
		struct dataset_record rec;
		int got;
		if (dataset_next(r, &rec, &got, &st) != STATUS_OK) {
			status = images_fail(im, "%s", st.msg);
			break;
		}
		if (!got)
			break;
		char where[PATH_MAX + 32];
		snprintf(where, sizeof where, "%s:%zu", file, rec.line);
		struct stat sc, sr;
		if ((status = images_pair_file(im, where, dir, "chosen", rec.chosen, &sc)) != CLI_OK ||
		    (status = images_pair_file(im, where, dir, "rejected", rec.rejected, &sr)) != CLI_OK)
			break;
		if (sc.st_dev == sr.st_dev && sc.st_ino == sr.st_ino) {
			status = images_fail(im, "%s: chosen and rejected are one file (%s)", where,
			                     im->path[im->n - 1]);
			break;
		}
		if ((status = images_pair_push(im, where, &rec)) != CLI_OK)
			break;
	}
	dataset_close(r);
	if (status == CLI_OK && im->npair == 0)
		status = images_fail(im, "%s: no pairs in this file", file);
	return status;
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
	static const char *const ext[] = { ".png", ".jsonl", ".json" };
	for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++) {
		size_t e = strlen(ext[i]);
		if (n > e && strcasecmp(buf + n - e, ext[i]) == 0) {
			buf[n - e] = '\0';
			break;
		}
	}
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
	/* import-image-pairs: the one JSONL file; its lines name the pictures */
	const char *what = argv[0];
	int pairs = strcmp(what, "import-image-pairs") == 0;
	if (pairs && optind + 1 != argc)
		return cli_bad_usage(cmd, "import-image-pairs wants one JSON Lines file");
	if (pairs && skip_bad)
		return cli_bad_usage(cmd, "import-image-pairs has no --skip-bad: a pair with a bad picture "
		                     "is an error to fix in the file");
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
	if ((pairs ? images_collect_pairs(&im, argv[optind])
	           : images_collect(&im, argc - optind, argv + optind)) != CLI_OK) {
		cli_error("%s: %s", what, im.err);
		images_free(&im);
		return CLI_FAIL;
	}
	struct store *s;
	if (cli_store_open(cli, &s) != CLI_OK) {
		images_free(&im);
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
		{ "files", source }, { "format", pairs ? "image-pairs" : "images" }, { "name", name },
		{ "background", bg_arg },
		{ "eval_fraction", eval_arg }, { "seed", seed_arg }, { "skip_bad", skip_bad ? "1" : "0" },
	};
	for (size_t i = 0; status == CLI_OK && i < sizeof params / sizeof params[0]; i++)
		if (store_param_set(s, run, params[i][0], params[i][1], &err) != STORE_OK)
			status = images_fail(&im, "%s", err.msg);
	if (status == CLI_OK && store_dataset_start(s, name, source, run, &dataset, &err) != STORE_OK)
		status = images_fail(&im, "%s", err.msg);
	double t0 = monotonic_s();
	int is_eval = 0;
	for (size_t i = 0; status == CLI_OK && i < im.n; i++) {
		const struct images_pair *pp = pairs ? &im.pair[i / 2] : NULL;
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
			if (pp)
				status = images_fail(&im, "%s: %s %s", pp->where, i % 2 ? "rejected" : "chosen",
				                     st.msg);
			else
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
		/* a pair's two pictures are of one split: the line's, or one draw */
		if (!pp || i % 2 == 0)
			is_eval = pp && pp->split >= 0 ? pp->split : rng_uniform_double(&rng) < eval_fraction;
		b->rows[k] = (struct store_row){ .prompt = pp ? pp->prompt : "", .response = im.path[i],
		                                 .split = is_eval ? "eval" : "train", .image = b->png[k],
		                                 .image_len = png_len,
		                                 .pair = pp ? (store_id)(i / 2 + 1) : 0,
		                                 .role = pp ? (i % 2 ? "rejected" : "chosen") : NULL };
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
			{ "pairs", 0, (double)im.npair, 0 },
			{ "rows_per_s", 0, secs > 0 ? (double)n_rows / secs : 0, 0 },
		};
		if (store_dataset_finish(s, dataset, run, m, sizeof m / sizeof m[0], &err) != STORE_OK)
			status = images_fail(&im, "%s", err.msg);
	}
	if (status == CLI_OK && pairs) {
		termtext_printf(stdout, "dataset %s: %zu pairs of images (%dx%d), %lld train, %lld eval\n",
		                name, im.npair, IMAGE_SIDE, IMAGE_SIDE, (long long)n_train / 2,
		                (long long)n_eval / 2);
		termtext_printf(stdout, "run %lld (import), %.2f s\n", (long long)run, secs);
	} else if (status == CLI_OK) {
		termtext_printf(stdout, "dataset %s: %lld images (%dx%d), %lld train, %lld eval; %lld bad "
		                "images skipped\n", name, (long long)n_rows, IMAGE_SIDE, IMAGE_SIDE,
		                (long long)n_train, (long long)n_eval, (long long)n_skipped);
		termtext_printf(stdout, "run %lld (import), %.2f s\n", (long long)run, secs);
	} else {
		cli_error("%s: %s", what, im.err);
		if (dataset) {
			if (store_dataset_delete(s, dataset, &err) == STORE_OK)
				fprintf(stderr, "ric: %s: the partial dataset %s was removed\n", what, name);
			else
				cli_error("%s: %s (the dataset stays incomplete and hidden; `ric store check` "
				          "removes it)", what, err.msg);
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
	images_free(&im);
	store_close(s);
	return status;
}
