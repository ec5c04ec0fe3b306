#include "config.h"

#include "tests/tui_fixture.h"
#include "tests/gpt2_util.h"
#include "engine/checkpoint.h"
#include "engine/init.h"
#include "engine/ricmeta.h"

#include <stdio.h>

enum status_code tui_fixture_make(const char *dir, const char *srcdir, int positions, int with_eos,
                                  struct status *st)
{
	return tui_fixture_make_type(dir, srcdir, positions, with_eos, NULL, st);
}

enum status_code tui_fixture_make_type(const char *dir, const char *srcdir, int positions,
                                       int with_eos, const char *model_type, struct status *st)
{
	struct model_config c = gpt2_util_tiny(0);
	c.n_layer = 2;
	c.n_head = 2;
	c.n_embd = 32;
	c.n_inner = 64;
	c.n_positions = positions;
	c.vocab_size = 257;
	c.bos_token_id = with_eos ? 256 : -1;
	c.eos_token_id = with_eos ? 256 : -1;
	struct model_params p;
	enum status_code rc = STATUS_OK;
	if (model_type) { /* another family: its own initialisation, wide enough to vary */
		c.n_head = 4;
		c.n_kv_head = 2;
		rc = model_config_set_type(&c, model_type, st);
	}
	if (rc == STATUS_OK)
		rc = model_params_alloc(&p, &c, st);
	if (rc != STATUS_OK)
		return rc;
	if (model_type) {
		struct rng r;
		rng_seed(&r, 7);
		init_model(&p, &r, 0.3f);
	} else
		gpt2_util_randomize(&p, 7);
	struct ricmeta m;
	ricmeta_init(&m);
	char tok[4096];
	snprintf(tok, sizeof tok, "%s/tests/fixtures/gpt2/chat", srcdir);
	rc = ricmeta_add_objective(&m, "length", "length", 5, 3, -1.5, 1.5, st);
	if (rc == STATUS_OK)
		rc = ricmeta_add_objective(&m, "brevity", "brevity:4", 0.4, 0.3, -1.2, 1.8, st);
	if (rc == STATUS_OK)
		rc = ricmeta_configure(&m, NULL, RICMETA_MARKER_PLAIN, MAPPING_LINF, 0, NULL, st);
	json_t *j = rc == STATUS_OK ? ricmeta_to_json(&m) : NULL;
	if (rc == STATUS_OK && !j)
		rc = status_set(st, STATUS_NOMEM, "out of memory");
	if (rc == STATUS_OK) {
		struct checkpoint_save_opts o = { .tokenizer_dir = tok, .ric = j };
		rc = checkpoint_save(dir, &p, &o, st);
	}
	json_decref(j);
	ricmeta_free(&m);
	model_params_free(&p);
	return rc;
}
