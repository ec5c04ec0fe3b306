#include "config.h"

#include "src/tui_form.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const char *const tui_form_stages[] = { "sft", "eval", "online", "relabel", "rm-train",
	                                "pretrain", NULL };

static void tui_form_copy(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src ? src : "");
}

enum tui_form_kind tui_form_kind_of(const struct cli_spec_opt *o)
{
	if (!o)
		return TUI_FORM_FILES;
	if (!o->arg[0])
		return TUI_FORM_FLAG;
	if (strcmp(o->name, "out") == 0)
		return TUI_FORM_OUT;
	int file = strstr(o->arg, "FILE") != NULL;
	int named = strstr(o->arg, "DATASET") || strstr(o->arg, "|NAME");
	if (file && named)
		return TUI_FORM_FILE_OR_DATASET;
	if (file)
		return TUI_FORM_FILE;
	if (strcmp(o->name, "dataset") == 0)
		return TUI_FORM_DATASET;
	if (strcmp(o->arg, "DIR") == 0)
		return TUI_FORM_FOLDER;
	return TUI_FORM_TEXT;
}

static struct tui_form_field *tui_form_push(struct tui_form *f, const struct cli_spec_opt *o)
{
	if (f->n == TUI_FORM_MAX)
		return NULL;
	struct tui_form_field *x = &f->f[f->n++];
	memset(x, 0, sizeof *x);
	x->opt = o;
	x->kind = tui_form_kind_of(o);
	return x;
}

static void tui_form_json_str(json_t *o, const char *key, char *dst, size_t cap)
{
	tui_form_copy(dst, cap, json_string_value(json_object_get(o, key)));
}

int tui_form_load(struct tui_form *f, const char *stage, const char *json, char *err, size_t cap)
{
	memset(f, 0, sizeof *f);
	json_error_t je;
	json_t *root = json_loads(json, 0, &je);
	json_t *opts = root ? json_object_get(root, "options") : NULL;
	if (!json_is_array(opts)) {
		snprintf(err, cap, "ric job options %s: %s", stage, root ? "no options in its answer" : json);
		json_decref(root);
		return -1;
	}
	tui_form_copy(f->stage, sizeof f->stage, stage);
	struct cli_spec *sp = &f->spec;
	for (size_t i = 0; i < json_array_size(opts) && sp->n < CLI_SPEC_MAX; i++) {
		json_t *o = json_array_get(opts, i);
		struct cli_spec_opt *x = &sp->opt[sp->n++];
		tui_form_json_str(o, "name", x->name, sizeof x->name);
		tui_form_json_str(o, "arg", x->arg, sizeof x->arg);
		tui_form_json_str(o, "help", x->help, sizeof x->help);
		tui_form_json_str(o, "default", x->def, sizeof x->def);
		x->required = json_is_true(json_object_get(o, "required"));
		x->repeat = json_is_true(json_object_get(o, "repeat"));
		x->group = (int)json_integer_value(json_object_get(o, "group"));
	}
	tui_form_json_str(root, "positional", sp->positional, sizeof sp->positional);
	sp->positional_required = json_is_true(json_object_get(root, "positional_required"));
	json_decref(root);
	/* The required options, and the first of each group one of which is. */
	int groups_seen[CLI_SPEC_MAX] = { 0 };
	for (size_t i = 0; i < sp->n; i++) {
		const struct cli_spec_opt *o = &sp->opt[i];
		int g = o->group > 0 && o->group < CLI_SPEC_MAX ? o->group : 0;
		if (o->required || (g && !groups_seen[g]))
			tui_form_push(f, o);
		if (g)
			groups_seen[g] = 1;
	}
	if (sp->positional[0])
		tui_form_push(f, NULL);
	f->sel = f->n ? 1 : 0;
	return 0;
}

void tui_form_prefill(struct tui_form *f, const char *policy, const char *dataset)
{
	int put_policy = 0, put_dataset = 0;
	for (size_t i = 0; i < f->n; i++) {
		struct tui_form_field *x = &f->f[i];
		if (!x->opt || x->value[0])
			continue;
		if (policy && !put_policy && x->kind == TUI_FORM_FOLDER &&
		    strcmp(x->opt->name, "resume") != 0 && strcmp(x->opt->name, "data") != 0) {
			tui_form_copy(x->value, sizeof x->value, policy);
			put_policy = 1;
		} else if (dataset && !put_dataset &&
		           (x->kind == TUI_FORM_DATASET || x->kind == TUI_FORM_FILE_OR_DATASET)) {
			tui_form_copy(x->value, sizeof x->value, dataset);
			put_dataset = 1;
		}
	}
}

void tui_form_set(struct tui_form *f, size_t i, const char *value)
{
	if (i < f->n) {
		tui_form_copy(f->f[i].value, sizeof f->f[i].value, value);
		f->f[i].error[0] = '\0';
	}
}

int tui_form_add(struct tui_form *f, const char *name, char *err, size_t cap)
{
	while (*name == '-')
		name++;
	const struct cli_spec_opt *o = cli_spec_find(&f->spec, name);
	if (!o) {
		snprintf(err, cap, "%s has no option --%s (Tab lists them)", f->stage, name);
		return -1;
	}
	for (size_t i = 0; i < f->n && !o->repeat; i++)
		if (f->f[i].opt == o) {
			f->sel = (int)i + 1;
			snprintf(err, cap, "--%s is in the form already", name);
			return -1;
		}
	/* Before the positional, which stays last. */
	size_t at = f->n && !f->f[f->n - 1].opt ? f->n - 1 : f->n;
	if (!tui_form_push(f, o)) {
		snprintf(err, cap, "the form is full");
		return -1;
	}
	struct tui_form_field added = f->f[f->n - 1];
	memmove(&f->f[at + 1], &f->f[at], (f->n - 1 - at) * sizeof f->f[0]);
	f->f[at] = added;
	f->sel = (int)at + 1;
	return 0;
}

static int tui_form_needed(const struct tui_form_field *x)
{
	return x->opt ? x->opt->required : 0;
}

int tui_form_remove(struct tui_form *f, size_t i)
{
	if (i >= f->n || tui_form_needed(&f->f[i]) || !f->f[i].opt)
		return -1;
	memmove(&f->f[i], &f->f[i + 1], (f->n - i - 1) * sizeof f->f[0]);
	f->n--;
	if (f->sel > (int)f->n)
		f->sel = (int)f->n;
	return 0;
}

const char *tui_form_complete_option(const struct tui_form *f, const char *prefix, int *state)
{
	static char buf[64];
	while (*prefix == '-')
		prefix++;
	size_t len = strlen(prefix);
	while ((size_t)*state < f->spec.n) {
		const struct cli_spec_opt *o = &f->spec.opt[(*state)++];
		int in = 0;
		for (size_t i = 0; i < f->n && !o->repeat; i++)
			in |= f->f[i].opt == o;
		if (!in && strncmp(o->name, prefix, len) == 0) {
			snprintf(buf, sizeof buf, "--%s", o->name);
			return buf;
		}
	}
	return NULL;
}

static int tui_form_is_dir(const char *p)
{
	struct stat sb;
	return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

static int tui_form_is_file(const char *p)
{
	struct stat sb;
	return stat(p, &sb) == 0 && S_ISREG(sb.st_mode);
}

static int tui_form_bad(struct tui_form_field *x, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Puts the problem beside the field; 1: the form cannot start. */
static int tui_form_bad(struct tui_form_field *x, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(x->error, sizeof x->error, fmt, ap);
	va_end(ap);
	return 1;
}

static int tui_form_check_one(struct tui_form *f, struct tui_form_field *x,
                              const struct tui_form_env *env)
{
	const char *v = x->value;
	x->error[0] = '\0';
	if (x->kind == TUI_FORM_FLAG)
		return 0;
	if (!*v) {
		if (!x->opt)
			return f->spec.positional_required ? tui_form_bad(x, "required: %s", f->spec.positional) : 0;
		if (x->opt->required)
			return tui_form_bad(x, "required: %s cannot start without it", f->stage);
		if (x->opt->group) {
			for (size_t i = 0; i < f->n; i++)
				if (f->f[i].opt && f->f[i].opt->group == x->opt->group && f->f[i].value[0])
					return 0;
			return tui_form_bad(x, "required: this or another of its alternatives (+ adds them)");
		}
		return tui_form_bad(x, "empty: give a value or remove it (d)");
	}
	switch (x->kind) {
	case TUI_FORM_FOLDER:
		if (tui_form_is_dir(v) || (env && env->run_policy && env->run_policy(env->ctx, v)))
			return 0;
		return tui_form_bad(x, "no folder or run with a policy named '%.120s'", v);
	case TUI_FORM_FILE:
		return tui_form_is_file(v) ? 0 : tui_form_bad(x, "no file '%.120s'", v);
	case TUI_FORM_DATASET:
		if (!env || !env->dataset_exists || env->dataset_exists(env->ctx, v))
			return 0;
		return tui_form_bad(x, "no dataset '%.120s' in the store (ric dataset list)", v);
	case TUI_FORM_FILE_OR_DATASET:
		if (tui_form_is_file(v) || !env || !env->dataset_exists || env->dataset_exists(env->ctx, v))
			return 0;
		return tui_form_bad(x, "no file or dataset '%.120s'", v);
	case TUI_FORM_FILES: {
		char copy[1024];
		tui_form_copy(copy, sizeof copy, v);
		for (char *w = strtok(copy, " "); w; w = strtok(NULL, " "))
			if (!tui_form_is_file(w))
				return tui_form_bad(x, "no file '%.120s'", w);
		return 0;
	}
	default:
		return 0;
	}
}

int tui_form_check_field(struct tui_form *f, size_t i, const struct tui_form_env *env)
{
	return i < f->n ? tui_form_check_one(f, &f->f[i], env) : 0;
}

int tui_form_check(struct tui_form *f, const struct tui_form_env *env)
{
	int bad = 0, first = -1;
	for (size_t i = 0; i < f->n; i++)
		if (tui_form_check_one(f, &f->f[i], env)) {
			if (first < 0)
				first = (int)i;
			bad++;
		}
	if (bad) {
		const struct tui_form_field *x = &f->f[first];
		snprintf(f->message, sizeof f->message, "%d field%s to fix; %s%s: %s", bad, bad == 1 ? "" : "s",
		         x->opt ? "--" : "", x->opt ? x->opt->name : f->spec.positional, x->error);
		f->sel = first + 1;
	} else {
		snprintf(f->message, sizeof f->message, "ready to start (s)");
	}
	return bad;
}

static char *tui_form_dup2(const char *a, const char *b)
{
	size_t n = strlen(a) + strlen(b) + 1;
	char *s = malloc(n);
	if (s)
		snprintf(s, n, "%s%s", a, b);
	return s;
}

size_t tui_form_words(const struct tui_form *f, const struct tui_form_env *env, char **out,
                      size_t max)
{
	size_t n = 0;
	if (max)
		out[n++] = strdup(f->stage);
	const struct tui_form_field *pos = NULL;
	for (size_t i = 0; i < f->n && n + 2 <= max; i++) {
		const struct tui_form_field *x = &f->f[i];
		if (!x->opt) {
			pos = x;
			continue;
		}
		if (x->kind != TUI_FORM_FLAG && !x->value[0])
			continue;
		out[n++] = tui_form_dup2("--", x->opt->name);
		if (x->kind == TUI_FORM_FLAG)
			continue;
		const char *v = x->value;
		if (x->kind == TUI_FORM_FOLDER && !tui_form_is_dir(v) && env && env->run_policy &&
		    env->run_policy(env->ctx, v))
			v = env->run_policy(env->ctx, v);
		out[n++] = strdup(v);
	}
	if (pos) {
		char copy[1024];
		tui_form_copy(copy, sizeof copy, pos->value);
		for (char *w = strtok(copy, " "); w && n < max; w = strtok(NULL, " "))
			out[n++] = strdup(w);
	}
	return n;
}

void tui_form_line(const struct tui_form *f, const struct tui_form_env *env, char *buf, size_t cap)
{
	char *w[TUI_FORM_WORDS];
	size_t n = tui_form_words(f, env, w, TUI_FORM_WORDS), used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		/* Quoted unless plain: tui_cmd splits like a shell. */
		int plain = w[i] && *w[i] && strcspn(w[i], " \t'\"\\") == strlen(w[i]);
		if (used < cap && w[i]) {
			if (plain) {
				used += (size_t)snprintf(buf + used, cap - used, "%s%s", i ? " " : "", w[i]);
			} else {
				used += (size_t)snprintf(buf + used, cap - used, "%s'", i ? " " : "");
				for (const char *c = w[i]; *c && used < cap; c++) {
					if (*c == '\'')
						used += (size_t)snprintf(buf + used, cap - used, "'\\''");
					else
						used += (size_t)snprintf(buf + used, cap - used, "%c", *c);
				}
				if (used < cap)
					used += (size_t)snprintf(buf + used, cap - used, "'");
			}
		}
		free(w[i]);
	}
}
