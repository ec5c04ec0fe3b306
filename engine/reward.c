/* reward: opens a reward by its spec and forwards calls to its kind. */
#include "config.h"

#include "engine/reward_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

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
	return strcmp(kind, "regex") == 0 || strcmp(kind, "rm") == 0 || strcmp(kind, "cmd") == 0;
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
	return status_set(st, STATUS_INVALID, "reward '%s': unknown kind '%s' (positivity, brevity[:L], "
	                  "informativeness, length, regex:PATTERN, rm:DIR, cmd:COMMAND)", spec, kind);
}

enum status_code reward_score(struct reward *r, size_t n, const char *const *prompts,
                              const char *const *responses, double *out, struct status *st)
{
	if (n == 0)
		return STATUS_OK;
	if (!responses)
		return status_set(st, STATUS_INVALID, "reward '%s': no responses given", r->spec);
	for (size_t i = 0; i < n; i++)
		if (!responses[i] || (prompts && !prompts[i]))
			return status_set(st, STATUS_INVALID, "reward '%s': row %zu has no text", r->spec, i);
	enum status_code c = r->ops->score(r, n, prompts, responses, out, st);
	if (c != STATUS_OK)
		return c;
	for (size_t i = 0; i < n; i++)
		if (!(fabs(out[i]) <= REWARD_ABS_MAX))
			return status_set(st, STATUS_INVALID, "reward '%s': row %zu scored %g, beyond "
			                  "+-%g (a broken scorer?)", r->spec, i + 1, out[i], REWARD_ABS_MAX);
	return STATUS_OK;
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
