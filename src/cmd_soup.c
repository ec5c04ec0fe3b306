/* ric soup: one Rewarded Soups model written out -- experts fine-tuned from
 * one base, mixed in weight space for one preference -- to chat with (ric
 * generate, ric-tui) or ship; `ric eval --baseline soups` mixes them per grid
 * point without writing anything. */
#include "config.h"

#include "engine/checkpoint.h"
#include "engine/mapping.h"
#include "engine/soup.h"
#include "src/cli.h"
#include "src/termtext.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static int soup_run(struct cli *cli, int argc, char **argv);

const struct cli_command cmd_soup = {
	.name = "soup",
	.summary = "write the Rewarded Soups model of experts for one preference",
	.usage = "ric soup --experts DIR,DIR,... --pref W1,W2,... --out DIR [--dtype f32|bf16]",
	.help = "Mixes the experts (models fine-tuned from one base, one per objective: ric\n"
	        "sft --expert NAME) in weight space, sum_i w_i theta_i, and writes OUT with\n"
	        "config.json, model.safetensors, the first expert's tokenizer files and a\n"
	        "ric.json that records the soup (experts, their objectives and weights).\n\n"
	        "Options:\n"
	        "  --experts DIR,...   the experts\n"
	        "  --pref W1,W2,...    one weight per expert, in the order of --experts, each\n"
	        "                      >= 0, summing to 1\n"
	        "  --out DIR           where the soup goes (not one of the experts)\n"
	        "  --dtype D           f32 (default) or bf16\n",
	.run = soup_run,
};

#define SOUP_MAX 16

struct soup_in {
	char *list;
	const char *dir[SOUP_MAX];
	size_t n;
	struct model_params p[SOUP_MAX];
	json_t *ric[SOUP_MAX];
	size_t loaded;
};

static void soup_in_free(struct soup_in *in)
{
	for (size_t i = 0; i < in->loaded; i++) {
		model_params_free(&in->p[i]);
		json_decref(in->ric[i]);
	}
	free(in->list);
}

/* The experts of --experts, loaded and checked to mix. */
static enum status_code soup_load(struct soup_in *in, const char *experts, const char *out,
                                  struct status *st)
{
	if (!(in->list = strdup(experts)))
		return status_set(st, STATUS_NOMEM, "out of memory");
	for (char *p = in->list, *q; p; p = q) {
		if ((q = strchr(p, ',')))
			*q++ = '\0';
		if (!*p || in->n == SOUP_MAX)
			return status_set(st, STATUS_INVALID, "--experts '%s': %s", experts,
			                  *p ? "more than 16 folders" : "an empty folder name");
		if (strcmp(p, out) == 0)
			return status_set(st, STATUS_INVALID, "--out %s is one of the experts", out);
		in->dir[in->n++] = p;
	}
	for (; in->loaded < in->n; in->loaded++) {
		size_t i = in->loaded;
		if (checkpoint_load(in->dir[i], &in->p[i], &in->ric[i], st) != STATUS_OK)
			return st->code;
		if (i && soup_check(&in->p[0], &in->p[i], st) != STATUS_OK) {
			status_prefix(st, "experts %s and %s", in->dir[0], in->dir[i]);
			in->loaded++;
			return st->code;
		}
	}
	return STATUS_OK;
}

/* ric.json of the soup: the first expert's (objectives, template, marker),
 * no longer an expert of one objective, with the soup it is. */
static json_t *soup_meta(const struct soup_in *in, const double *w)
{
	json_t *ric = in->ric[0] ? json_deep_copy(in->ric[0]) : json_object();
	json_t *list = json_array();
	if (!ric || !list) {
		json_decref(ric);
		json_decref(list);
		return NULL;
	}
	json_object_del(ric, "expert");
	json_object_del(ric, "expert_quantile");
	json_object_set_new(ric, "conditioned", json_false());
	for (size_t i = 0; i < in->n; i++) {
		json_t *e = json_object();
		json_t *name = in->ric[i] ? json_object_get(in->ric[i], "expert") : NULL;
		json_object_set_new(e, "model", json_string(in->dir[i]));
		if (json_is_string(name))
			json_object_set(e, "objective", name);
		json_object_set_new(e, "weight", json_real(w[i]));
		json_array_append_new(list, e);
	}
	json_object_set_new(ric, "soup", list);
	return ric;
}

static int soup_run(struct cli *cli, int argc, char **argv)
{
	(void)cli;
	static const struct option opts[] = {
		{ "experts", required_argument, NULL, 'e' }, { "pref", required_argument, NULL, 'p' },
		{ "out", required_argument, NULL, 'o' },     { "dtype", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },          { NULL, 0, NULL, 0 }
	};
	const char *experts = NULL, *pref = NULL, *out = NULL, *dtype = "f32";
	int c, exit_rc;
	while ((c = cli_next_option(&cmd_soup, argc, argv, "h", opts, &exit_rc)) != -1) {
		switch (c) {
		case 'e': experts = optarg; break;
		case 'p': pref = optarg; break;
		case 'o': out = optarg; break;
		case 'd': dtype = optarg; break;
		case CLI_OPT_EXIT: return exit_rc;
		}
	}
	if (optind < argc)
		return cli_bad_usage(&cmd_soup, "unexpected argument '%s'", argv[optind]);
	if (!experts || !pref || !out)
		return cli_bad_usage(&cmd_soup, "--experts, --pref and --out are required");
	if (strcmp(dtype, "f32") != 0 && strcmp(dtype, "bf16") != 0)
		return cli_bad_usage(&cmd_soup, "--dtype is f32 or bf16, not '%s'", dtype);
	struct status st = STATUS_INIT;
	struct soup_in in = { 0 };
	struct model_params mix = { 0 };
	double w[SOUP_MAX];
	json_t *ric = NULL;
	const struct model_params *ps[SOUP_MAX];
	enum status_code rc = soup_load(&in, experts, out, &st);
	if (rc == STATUS_OK)
		rc = mapping_parse_vector(pref, in.n, "--pref", w, &st);
	if (rc == STATUS_OK)
		rc = model_params_alloc(&mix, &in.p[0].cfg, &st);
	for (size_t i = 0; i < in.n; i++)
		ps[i] = &in.p[i];
	if (rc == STATUS_OK)
		rc = soup_mix(&mix, ps, w, in.n, &st);
	if (rc == STATUS_OK && !(ric = soup_meta(&in, w)))
		rc = status_set(&st, STATUS_NOMEM, "out of memory");
	struct checkpoint_save_opts so = { .bf16 = strcmp(dtype, "bf16") == 0,
		                           .tokenizer_dir = in.dir[0], .ric = ric };
	if (rc == STATUS_OK)
		rc = checkpoint_save(out, &mix, &so, &st);
	if (rc == STATUS_OK) {
		termtext_printf(stdout, "soup of");
		for (size_t i = 0; i < in.n; i++) {
			json_t *name = in.ric[i] ? json_object_get(in.ric[i], "expert") : NULL;
			termtext_printf(stdout, "%s %g %s%s%s%s", i ? " +" : "", w[i], in.dir[i],
			                json_is_string(name) ? " (" : "",
			                json_is_string(name) ? json_string_value(name) : "",
			                json_is_string(name) ? ")" : "");
		}
		termtext_printf(stdout, " saved to %s\n", out);
	} else {
		cli_error("%s", st.msg);
	}
	json_decref(ric);
	if (mix.mem)
		model_params_free(&mix);
	soup_in_free(&in);
	return rc == STATUS_OK ? CLI_OK : CLI_FAIL;
}
