#include "config.h"

#include "src/stage_state.h"
#include "engine/atomicfile.h"
#include "engine/readfile.h"
#include "engine/checkpoint.h"
#include "engine/safetensors.h"

#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *stage_state_join(const char *a, const char *b)
{
	size_t n = strlen(a) + strlen(b) + 2;
	char *s = malloc(n);
	if (s)
		snprintf(s, n, "%s%s", a, b);
	return s;
}

static int stage_state_rm_one(const char *path, const struct stat *sb, int flag, struct FTW *f)
{
	(void)sb;
	(void)flag;
	(void)f;
	return remove(path);
}

static void stage_state_rmtree(const char *dir)
{
	struct stat sb;
	if (lstat(dir, &sb) == 0)
		nftw(dir, stage_state_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int stage_state_exists(const char *dir)
{
	char *p = stage_state_join(dir, "/trainer_state.json");
	int ok = p && access(p, R_OK) == 0;
	free(p);
	return ok;
}

static enum status_code stage_state_write(const char *dir, const struct model_params *p,
                                          const struct checkpoint_save_opts *o,
                                          const struct optim *opt, const struct stage_state *ss,
                                          struct status *st)
{
	enum status_code rc = checkpoint_save(dir, p, o, st);
	if (rc != STATUS_OK)
		return rc;
	char *path = stage_state_join(dir, "/optimizer.safetensors");
	struct safetensors_writer *w = safetensors_writer_new();
	if (!path || !w) {
		free(path);
		safetensors_writer_free(w);
		return status_set(st, STATUS_NOMEM, "%s: out of memory", dir);
	}
	int64_t shape[1] = { (int64_t)opt->count };
	rc = safetensors_writer_add_ref(w, "exp_avg", ST_F32, 1, shape, opt->m, st);
	if (rc == STATUS_OK)
		rc = safetensors_writer_add_ref(w, "exp_avg_sq", ST_F32, 1, shape, opt->v, st);
	if (rc == STATUS_OK)
		rc = safetensors_writer_save(w, path, st);
	safetensors_writer_free(w);
	free(path);
	if (rc != STATUS_OK)
		return rc;

	char rng[4][17];
	for (int i = 0; i < 4; i++)
		snprintf(rng[i], sizeof rng[i], "%016" PRIx64, ss->rng.s[i]);
	json_t *j = json_pack("{s:I, s:I, s:[s,s,s,s], s:b, s:f, s:f, s:I}", "step", (json_int_t)ss->step,
	                      "optimizer_step", (json_int_t)opt->step, "rng", rng[0], rng[1], rng[2],
	                      rng[3], "rng_has_spare", ss->rng.has_spare, "rng_spare",
	                      (double)ss->rng.spare, "lr", (double)opt->cfg.lr, "total_steps",
	                      (json_int_t)opt->cfg.total_steps);
	if (j && ss->extra)
		json_object_set(j, "stage", ss->extra);
	char *text = j ? json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
	json_decref(j);
	path = stage_state_join(dir, "/trainer_state.json");
	if (!text || !path) {
		free(text);
		free(path);
		return status_set(st, STATUS_NOMEM, "%s: out of memory", dir);
	}
	rc = atomicfile_save(path, text, strlen(text), st);
	free(text);
	free(path);
	return rc;
}

enum status_code stage_state_save(const char *dir, const struct model_params *p,
                                  const struct checkpoint_save_opts *o, const struct optim *opt,
                                  const struct stage_state *ss, struct status *st)
{
	char *tmp = stage_state_join(dir, ".partial");
	char *old = stage_state_join(dir, ".old");
	if (!tmp || !old) {
		free(tmp);
		free(old);
		return status_set(st, STATUS_NOMEM, "%s: out of memory", dir);
	}
	stage_state_rmtree(tmp);
	enum status_code rc = stage_state_write(tmp, p, o, opt, ss, st);
	if (rc == STATUS_OK) {
		stage_state_rmtree(old);
		struct stat sb;
		int had = stat(dir, &sb) == 0;
		if (had && rename(dir, old) != 0)
			rc = status_errno(st, STATUS_IO, errno, "rename %s", dir);
		else if (rename(tmp, dir) != 0)
			rc = status_errno(st, STATUS_IO, errno, "rename %s", tmp);
		else if (had)
			stage_state_rmtree(old);
	}
	if (rc != STATUS_OK)
		stage_state_rmtree(tmp);
	free(tmp);
	free(old);
	return rc;
}

enum status_code stage_state_load_model(const char *dir, struct model_params *p,
                                        struct stage_state *ss, struct status *st)
{
	enum status_code rc = stage_state_read(dir, ss, st);
	if (rc == STATUS_OK)
		rc = checkpoint_load(dir, p, NULL, st);
	if (rc != STATUS_OK) {
		json_decref(ss->extra);
		ss->extra = NULL;
	}
	return rc;
}

enum status_code stage_state_read(const char *dir, struct stage_state *ss, struct status *st)
{
	char *path = stage_state_join(dir, "/trainer_state.json");
	if (!path)
		return status_set(st, STATUS_NOMEM, "out of memory");
	char *text = NULL;
	size_t len = 0;
	enum status_code rc = readfile(path, 1u << 24, &text, &len, st);
	json_t *j = NULL;
	if (rc == STATUS_OK) {
		json_error_t je;
		j = json_loadb(text, len, 0, &je);
		if (!j)
			rc = status_set(st, STATUS_FORMAT, "%s: line %d: %s", path, je.line, je.text);
	}
	free(text);
	memset(ss, 0, sizeof *ss);
	if (rc == STATUS_OK) {
		json_int_t step = 0;
		const char *r[4] = { 0 };
		int spare_has = 0;
		double spare = 0;
		json_error_t je;
		if (json_unpack_ex(j, &je, 0, "{s:I, s:[ssss], s:b, s:F}", "step", &step, "rng", &r[0],
		                   &r[1], &r[2], &r[3], "rng_has_spare", &spare_has, "rng_spare", &spare) != 0) {
			rc = status_set(st, STATUS_FORMAT, "%s: %s", path, je.text);
		} else {
			ss->step = (long)step;
			for (int i = 0; i < 4; i++)
				ss->rng.s[i] = strtoull(r[i], NULL, 16);
			ss->rng.has_spare = spare_has;
			ss->rng.spare = (float)spare;
			ss->extra = json_incref(json_object_get(j, "stage"));
		}
	}
	json_decref(j);
	free(path);
	return rc;
}

enum status_code stage_state_load_optim(const char *dir, struct optim *opt, struct status *st)
{
	char *path = stage_state_join(dir, "/optimizer.safetensors");
	char *tpath = stage_state_join(dir, "/trainer_state.json");
	if (!path || !tpath) {
		free(path);
		free(tpath);
		return status_set(st, STATUS_NOMEM, "out of memory");
	}
	struct safetensors *f = NULL;
	enum status_code rc = safetensors_open(path, &f, st);
	const char *names[2] = { "exp_avg", "exp_avg_sq" };
	float *dst[2] = { opt->m, opt->v };
	for (int i = 0; rc == STATUS_OK && i < 2; i++) {
		const struct safetensors_tensor *t = safetensors_find(f, names[i]);
		if (!t || t->dtype != ST_F32 || safetensors_numel(t) != (int64_t)opt->count)
			rc = status_set(st, STATUS_FORMAT, "%s: %s missing or not F32 [%zu]", path, names[i],
			                opt->count);
		else
			rc = checkpoint_tensor_f32(t, dst[i], path, st);
	}
	/* a negative second moment would make AdamW's sqrt NaN at the next step */
	for (size_t i = 0; rc == STATUS_OK && i < opt->count; i++)
		if (opt->v[i] < 0)
			rc = status_set(st, STATUS_FORMAT, "%s: tensor 'exp_avg_sq': element %zu is "
			                "negative (a second moment is a mean of squares)", path, i);
	safetensors_close(f);
	if (rc == STATUS_OK) {
		json_error_t je;
		json_t *j = json_load_file(tpath, 0, &je);
		json_int_t ostep = -1;
		if (!j || json_unpack_ex(j, &je, 0, "{s:I}", "optimizer_step", &ostep) != 0)
			rc = status_set(st, STATUS_FORMAT, "%s: %s", tpath, je.text);
		else
			opt->step = (long)ostep;
		json_decref(j);
	}
	free(path);
	free(tpath);
	return rc;
}
