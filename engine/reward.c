/* reward: opens a reward by its spec and forwards calls to its kind. */
#include "config.h"

#include "engine/reward_impl.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static enum status_code reward_bounded(const struct reward *r, size_t n, const double *out,
                                       struct status *st);

struct reward *reward_new(const struct reward_ops *ops, const char *spec,
                          const struct reward_env *env, size_t size, struct status *st)
{
	struct reward *r = calloc(1, size);
	char *copy = strdup(spec);
	if (!r || !copy) {
		free(r);
		free(copy);
		status_set(st, STATUS_NOMEM, "reward '%s': out of memory", spec);
		return NULL;
	}
	r->ops = ops;
	r->spec = copy;
	r->env = *env;
	return r;
}

static const char *const reward_rules[] = { "positivity", "brevity", "informativeness", "length",
                                            NULL };

/* The kind's name in `kind` and where its argument starts (NULL: none). */
static const char *reward_split(const char *spec, char *kind, size_t cap)
{
	if (strncmp(spec, "rule:", 5) == 0)
		spec += 5;
	const char *colon = strchr(spec, ':');
	size_t len = colon ? (size_t)(colon - spec) : strlen(spec);
	if (len >= cap)
		len = cap - 1;
	memcpy(kind, spec, len);
	kind[len] = '\0';
	return colon ? colon + 1 : NULL;
}

int reward_spec_known(const char *spec)
{
	char kind[32];
	if (!spec)
		return 0;
	reward_split(spec, kind, sizeof kind);
	for (size_t i = 0; reward_rules[i]; i++)
		if (strcmp(kind, reward_rules[i]) == 0)
			return 1;
	if (reward_image_kind(kind) >= 0)
		return 1;
	return strcmp(kind, "regex") == 0 || strcmp(kind, "rm") == 0 || strcmp(kind, "cmd") == 0;
}

int reward_spec_image(const char *spec)
{
	char kind[32];
	if (!spec)
		return 0;
	reward_split(spec, kind, sizeof kind);
	return reward_image_kind(kind) >= 0;
}

/* Whether `path` (resolved) is `dir` (resolved) or inside it. */
static int reward_inside(const char *path, const char *dir)
{
	char real[PATH_MAX];
	if (!dir || !realpath(dir, real))
		return 0;
	size_t n = strlen(real);
	if (n == 1) /* "/" holds everything */
		return 1;
	return strncmp(path, real, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* rm:DIR from a checkpoint's ric.json: inside that checkpoint or the data folder. */
static enum status_code reward_permit_rm(const char *spec, const char *arg,
                                         const struct reward_env *env, struct status *st)
{
	char *found, real[PATH_MAX];
	if (reward_rm_resolve(arg, env, &found, st) != STATUS_OK)
		return st->code;
	const char *path = found ? found : arg;
	enum status_code c = STATUS_OK;
	/* A folder that is not there opens nothing: the open says it is missing. */
	if (realpath(path, real) && !reward_inside(real, env->home) &&
	    !reward_inside(real, env->datadir))
		c = status_set(st, STATUS_DENIED, "reward '%s' came from a file and reads %s, outside "
		               "the checkpoint's folder %s: not opened without your consent", spec, real,
		               env->home);
	free(found);
	return c;
}

enum status_code reward_permit(const char *spec, const struct reward_env *env, struct status *st)
{
	if (!spec || !env || !env->from_file || env->consent)
		return STATUS_OK;
	char kind[32];
	const char *arg = reward_split(spec, kind, sizeof kind);
	if (!arg || !*arg)
		return STATUS_OK; /* reward_open says what is missing */
	if (strcmp(kind, "cmd") == 0)
		return status_set(st, STATUS_DENIED, "reward '%s' came from a file and starts a program: "
		                  "not run without your consent", spec);
	if (strcmp(kind, "rm") == 0 && env->home)
		return reward_permit_rm(spec, arg, env, st);
	return STATUS_OK;
}

enum status_code reward_open(const char *spec, const struct reward_env *env, struct reward **out,
                             struct status *st)
{
	static const struct reward_env none;
	*out = NULL;
	if (!env)
		env = &none;
	if (!spec || !*spec)
		return status_set(st, STATUS_INVALID, "an empty reward spec");
	if (reward_permit(spec, env, st) != STATUS_OK)
		return st->code;
	char kind[32];
	const char *arg = reward_split(spec, kind, sizeof kind);
	if (strcmp(kind, "regex") == 0 || strcmp(kind, "rm") == 0 || strcmp(kind, "cmd") == 0) {
		if (!arg || !*arg)
			return status_set(st, STATUS_INVALID, "reward '%s': %s: wants an argument after the colon",
			                  spec, kind);
		if (kind[0] == 'r' && kind[1] == 'e')
			return reward_regex_open(spec, arg, env, out, st);
		if (kind[0] == 'r')
			return reward_rm_open(spec, arg, env, out, st);
		return reward_cmd_open(spec, arg, env, out, st);
	}
	for (size_t i = 0; reward_rules[i]; i++)
		if (strcmp(kind, reward_rules[i]) == 0)
			return reward_rule_open(spec, kind, arg, env, out, st);
	if (reward_image_kind(kind) >= 0)
		return reward_image_open(spec, kind, arg, env, out, st);
	return status_set(st, STATUS_INVALID, "reward '%s': unknown kind '%s' (positivity, brevity[:L], "
	                  "informativeness, length, regex:PATTERN, rm:DIR, cmd:COMMAND; for images jpeg, "
	                  "colorfulness, brightness, symmetry)", spec, kind);
}

enum status_code reward_score(struct reward *r, size_t n, const char *const *prompts,
                              const char *const *responses, double *out, struct status *st)
{
	if (n == 0)
		return STATUS_OK;
	if (!r->ops->score)
		return status_set(st, STATUS_INVALID, "reward '%s' scores images, not text", r->spec);
	if (!responses)
		return status_set(st, STATUS_INVALID, "reward '%s': no responses given", r->spec);
	for (size_t i = 0; i < n; i++)
		if (!responses[i] || (prompts && !prompts[i]))
			return status_set(st, STATUS_INVALID, "reward '%s': row %zu has no text", r->spec, i);
	enum status_code c = r->ops->score(r, n, prompts, responses, out, st);
	return c != STATUS_OK ? c : reward_bounded(r, n, out, st);
}

/* The values' bound, as for text. */
static enum status_code reward_bounded(const struct reward *r, size_t n, const double *out,
                                       struct status *st)
{
	for (size_t i = 0; i < n; i++)
		if (!(fabs(out[i]) <= REWARD_ABS_MAX))
			return status_set(st, STATUS_INVALID, "reward '%s': row %zu scored %g, beyond "
			                  "+-%g (a broken scorer?)", r->spec, i + 1, out[i], REWARD_ABS_MAX);
	return STATUS_OK;
}

enum status_code reward_score_images(struct reward *r, size_t n, const struct image *im, double *out,
                                     struct status *st)
{
	if (n == 0)
		return STATUS_OK;
	if (!r->ops->score_images)
		return status_set(st, STATUS_INVALID, "reward '%s' scores text, not images", r->spec);
	for (size_t i = 0; i < n; i++)
		if (!im || !im[i].px || im[i].w <= 0 || im[i].h <= 0)
			return status_set(st, STATUS_INVALID, "reward '%s': row %zu has no picture", r->spec,
			                  i + 1);
	enum status_code c = r->ops->score_images(r, n, im, out, st);
	return c != STATUS_OK ? c : reward_bounded(r, n, out, st);
}

int reward_modality(const struct reward *r)
{
	return !r->ops->score_images ? 0 : !r->ops->score ? 1 : 2;
}

void reward_close(struct reward *r)
{
	if (!r)
		return;
	if (r->ops->close)
		r->ops->close(r);
	free(r->spec);
	free(r);
}

const char *reward_spec(const struct reward *r)
{
	return r->spec;
}
