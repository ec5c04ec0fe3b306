/* ric grads: loss, logits and every parameter's gradient for token rows, in
 * the format of the reference script's `grads` command. */
#include "config.h"

#include "src/cli.h"
#include "src/rows.h"
#include "src/stage_lora.h"
#include "engine/checkpoint.h"
#include "engine/kernels.h"
#include "engine/lora.h"
#include "engine/safetensors.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int grads_run(struct cli *cli, int argc, char **argv);

const struct cli_command cmd_grads = {
	.name = "grads",
	.summary = "write the loss and every parameter's gradient for token rows",
	.usage = "ric grads --model DIR [--adapter DIR] --tokens ROWS --targets ROWS --out FILE.safetensors",
	.help = "Options:\n"
	        "  --model DIR     Hugging Face model folder (GPT-2, Llama, Mistral, Qwen2)\n"
	        "  --tokens ROWS   token ids, rows separated by ';' (1,2,3;4,5,6)\n"
	        "  --targets ROWS  the target of every token (-100: no loss); for a reward\n"
	        "                  model one label per row (0;1)\n"
	        "  --out FILE      safetensors file with 'loss' [1] (mean cross-entropy over\n"
	        "                  counted targets), 'logits' (or the scores) and 'grad.NAME'\n"
	        "                  for every parameter under the checkpoint's own names\n"
	        "  --adapter DIR   a PEFT LoRA adapter over --model (without --model: over its\n"
	        "                  base_model_name_or_path); the base is frozen and 'grad.NAME'\n"
	        "                  is written for the adapter's tensors under their PEFT names\n",
	.run = grads_run,
};

/* Whether the checkpoint names its tensors with the family's optional prefix
 * ("transformer.h.0..." for GPT-2). */
static int grads_prefixed(const char *dir, const char *prefix)
{
	if (!prefix)
		return 0;
	size_t plen = strlen(prefix);
	char path[4200];
	struct safetensors *f;
	struct status st = STATUS_INIT;
	int found = 0;
	snprintf(path, sizeof path, "%s/model.safetensors", dir);
	if (safetensors_open(path, &f, &st) == STATUS_OK) {
		for (size_t i = 0; i < safetensors_count(f); i++)
			found |= strncmp(safetensors_at(f, i)->name, prefix, plen) == 0;
		safetensors_close(f);
		return found;
	}
	snprintf(path, sizeof path, "%s/model.safetensors.index.json", dir);
	json_t *idx = json_load_file(path, 0, NULL);
	const char *key;
	json_t *val;
	json_object_foreach(json_object_get(idx, "weight_map"), key, val)
		found |= strncmp(key, prefix, plen) == 0;
	json_decref(idx);
	return found;
}

static int grads_run(struct cli *cli, int argc, char **argv)
{
	(void)cli;
	static const struct option opts[] = {
		{ "model", required_argument, NULL, 'm' },
		{ "tokens", required_argument, NULL, 't' },
		{ "targets", required_argument, NULL, 'g' },
		{ "out", required_argument, NULL, 'o' },
		{ "adapter", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *model = NULL, *tokens = NULL, *targets = NULL, *out = NULL, *adapter = NULL;
	int c, exit_rc;
	while ((c = cli_next_option(&cmd_grads, argc, argv, "h", opts, &exit_rc)) != -1) {
		switch (c) {
		case 'm': model = optarg; break;
		case 't': tokens = optarg; break;
		case 'g': targets = optarg; break;
		case 'o': out = optarg; break;
		case 'a': adapter = optarg; break;
		case CLI_OPT_EXIT: return exit_rc;
		}
	}
	if (optind < argc)
		return cli_bad_usage(&cmd_grads, "unexpected argument '%s'", argv[optind]);
	if ((!model && !adapter) || !tokens || !targets || !out)
		return cli_bad_usage(&cmd_grads,
		                     "--model (or --adapter), --tokens, --targets and --out are required");
	char err[256];
	struct rows r, tg;
	if (rows_parse(tokens, &r, err, sizeof err) != 0)
		return cli_bad_usage(&cmd_grads, "--tokens: %s", err);
	if (rows_parse(targets, &tg, err, sizeof err) != 0) {
		rows_free(&r);
		return cli_bad_usage(&cmd_grads, "--targets: %s", err);
	}

	struct status st = STATUS_INIT;
	struct model_params p = { 0 }, g = { 0 };
	struct model_pass *a = NULL;
	struct safetensors_writer *w = NULL;
	struct model_tensor *t = NULL;
	float *saved = NULL, *dscores = NULL, *ga = NULL;
	struct lora l = { 0 };
	struct lora_view v = { 0 };
	char bdir[4096];
	int rc = CLI_FAIL;
	if (adapter && lora_base_dir(adapter, model, bdir, sizeof bdir, &st) == STATUS_OK)
		model = bdir;
	if ((adapter && !model) || checkpoint_load(model, &p, NULL, &st) != STATUS_OK ||
	    model_want_text(&p.cfg, model, &st) != STATUS_OK) {
		model_params_free(&p);
		rows_free(&r);
		rows_free(&tg);
		cli_error("%s", st.msg);
		return CLI_FAIL;
	}
	/* the adapter's gradient as LoRA training computes it: the base frozen
	 * and unmerged, s (x A^T) B^T beside each adapted layer (engine/lora_run.h) */
	if (adapter) {
		if (lora_load(adapter, &p, &l, &st) != STATUS_OK)
			goto out;
		lora_apply_saved(&l, &p);
		if (!(ga = calloc(l.count ? l.count : 1, sizeof *ga))) {
			status_set(&st, STATUS_NOMEM, "out of memory");
			goto out;
		}
		if (lora_view_init(&v, &l, &p, &st) != STATUS_OK)
			goto out;
		/* a BF16 base stays BF16, as training keeps it */
		if (stage_lora_bf16_base(model, &p) && model_params_freeze_bf16(&p, &st) != STATUS_OK)
			goto out;
	}
	if (model_pass_new(&a, &p, 1, &st) != STATUS_OK ||
	    (adapter ? model_pass_set_lora(a, &v, l.mem, ga, &st)
	             : model_params_alloc(&g, &p.cfg, &st)) != STATUS_OK)
		goto out;
	size_t per_row = a->labels ? 1 : r.T;
	if (tg.B != r.B || tg.T != per_row) {
		status_set(&st, STATUS_INVALID, "--targets has %zu rows of %zu, expected %zu rows of %zu",
		           tg.B, tg.T, r.B, per_row);
		goto out;
	}
	for (size_t i = 0; a->labels && i < tg.B; i++)
		if (tg.v[i] != -100 && (tg.v[i] < 0 || (size_t)tg.v[i] >= a->labels)) {
			status_set(&st, STATUS_INVALID, "label %d is outside 0..%zu", tg.v[i], a->labels - 1);
			goto out;
		}
	if (model_forward(a, p.mem, r.v, r.B, r.T, a->labels ? NULL : tg.v, NULL, &st) != STATUS_OK)
		goto out;
	/* the logits (scores) before backward turns them into their gradient */
	size_t nout = a->labels ? r.B * a->labels : r.B * r.T * a->V;
	saved = malloc(nout * sizeof *saved);
	dscores = a->labels ? malloc(nout * sizeof *dscores) : NULL;
	if (!saved || (a->labels && !dscores)) {
		status_set(&st, STATUS_NOMEM, "out of memory");
		goto out;
	}
	memcpy(saved, a->labels ? a->scores : a->logits, nout * sizeof *saved);
	double loss_sum;
	size_t count;
	if (a->labels) { /* classification loss over the scores, as the reference computes */
		loss_sum = crossentropy_forward(saved, tg.v, r.B, a->labels, &count);
		memcpy(dscores, saved, nout * sizeof *dscores);
		crossentropy_backward(dscores, tg.v, r.B, a->labels, count ? 1.0f / (float)count : 0.0f);
	} else {
		loss_sum = a->loss_sum;
		count = a->count;
	}
	if (count == 0) {
		status_set(&st, STATUS_INVALID, "every target is -100: there is no loss");
		goto out;
	}
	if (model_backward(a, p.mem, adapter ? NULL : g.mem, r.v, tg.v, 1.0f / (float)count, dscores, NULL, &st) !=
	    STATUS_OK)
		goto out;

	w = safetensors_writer_new();
	size_t nt = adapter ? 0 : model_params_describe(&g, NULL); /* the frozen base: none */
	t = calloc(nt ? nt : 1, sizeof *t);
	if (!w || !t) {
		status_set(&st, STATUS_NOMEM, "out of memory");
		goto out;
	}
	if (nt)
		model_params_describe(&g, t);
	float loss = (float)(loss_sum / (double)count);
	int64_t one = 1;
	if (safetensors_writer_add(w, "loss", ST_F32, 1, &one, &loss, &st) != STATUS_OK)
		goto out;
	int64_t lshape[3] = { (int64_t)r.B, (int64_t)r.T, (int64_t)a->V };
	if (a->labels)
		lshape[1] = (int64_t)a->labels;
	if (safetensors_writer_add(w, "logits", ST_F32, a->labels ? 2 : 3, lshape, saved, &st) !=
	    STATUS_OK)
		goto out;
	for (size_t i = 0; i < l.n; i++)
		for (int isB = 0; isB < 2; isB++) {
			const struct lora_module *m = &l.m[i];
			char name[sizeof m->name + 64];
			int64_t shape[2] = { isB ? (int64_t)m->out : l.r, isB ? l.r : (int64_t)m->in };
			snprintf(name, sizeof name, "grad.%s%s.lora_%c.weight", LORA_PREFIX, m->name,
			         isB ? 'B' : 'A');
			if (safetensors_writer_add(w, name, ST_F32, 2, shape,
			                           ga + ((isB ? m->B : m->A) - l.mem), &st) != STATUS_OK)
				goto out;
		}
	const struct model_family *fam = model_family_of(&p.cfg);
	int prefixed = grads_prefixed(model, fam->file_prefix);
	for (size_t i = 0; i < nt; i++) {
		char name[MODEL_NAME_MAX + 32];
		int pre = prefixed && fam->save_prefixed(t[i].name);
		snprintf(name, sizeof name, "grad.%s%s", pre ? fam->file_prefix : "", t[i].name);
		if (safetensors_writer_add(w, name, ST_F32, t[i].ndim, t[i].shape, t[i].data, &st) !=
		    STATUS_OK)
			goto out;
	}
	if (safetensors_writer_save(w, out, &st) == STATUS_OK) {
		printf("loss %.6f\n", (double)loss);
		if (p.frozen)
			printf("base kept in BF16, frozen, as LoRA training keeps it\n");
		rc = CLI_OK;
	}
out:
	if (rc != CLI_OK)
		cli_error("%s", st.msg);
	safetensors_writer_free(w);
	free(t);
	free(saved);
	free(dscores);
	free(ga);
	model_pass_free(a);
	lora_view_free(&v);
	lora_free(&l);
	model_params_free(&g);
	model_params_free(&p);
	rows_free(&r);
	rows_free(&tg);
	return rc;
}
