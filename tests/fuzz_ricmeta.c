/* Fuzz harness for the ric.json reader (engine/ricmeta.h; see tests/fuzz.h):
 * the input is a checkpoint's ric.json, read as checkpoint_read_ric reads it.
 * What is accepted validates, writes back and reads back the same, and
 * renders a prompt for any targets within its ranges. */
#include "config.h"

#include "tests/fuzz.h"
#include "engine/jsonerr.h"
#include "engine/ricmeta.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fuzz_same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void fuzz_same(const struct ricmeta *a, const struct ricmeta *b)
{
	if (a->n_obj != b->n_obj || !fuzz_same_str(a->template, b->template) ||
	    !fuzz_same_str(a->marker, b->marker) || a->mapping != b->mapping || a->run != b->run ||
	    !fuzz_same_str(a->base_model, b->base_model))
		abort();
	for (size_t i = 0; i < a->n_obj; i++) {
		const struct ricmeta_objective *x = &a->obj[i], *y = &b->obj[i];
		if (strcmp(x->name, y->name) != 0 || strcmp(x->reward, y->reward) != 0 ||
		    memcmp(&x->mu, &y->mu, sizeof x->mu) != 0 || memcmp(&x->sigma, &y->sigma, sizeof x->sigma) != 0 ||
		    memcmp(&x->lo, &y->lo, sizeof x->lo) != 0 || memcmp(&x->hi, &y->hi, sizeof x->hi) != 0)
			abort();
	}
}

/* The context for targets z: it holds the prompt, and a target beyond the
 * bound is refused. */
static void fuzz_context(const struct ricmeta *m)
{
	struct status st = STATUS_INIT;
	double *z = calloc(m->n_obj + 1, sizeof *z);
	if (!z)
		abort();
	for (int pick = 0; pick < 3; pick++) {
		for (size_t i = 0; i < m->n_obj; i++)
			z[i] = pick == 0 ? m->obj[i].lo : pick == 1 ? m->obj[i].hi : 0.5 * (m->obj[i].lo + m->obj[i].hi);
		char *out = NULL;
		size_t len = 0;
		if (ricmeta_context(m, "PROMPT", z, &out, &len, &st) != STATUS_OK || !out ||
		    len != strlen(out) || !strstr(out, "PROMPT")) {
			fprintf(stderr, "context failed: %s\n", st.msg);
			abort();
		}
		/* "-1000000.0" is the longest number a target prints as: a {zK} of 4+
		 * bytes grows at most 2.5 times, each 8-byte {marker} by the marker */
		size_t tl = strlen(m->template);
		if (len > 3 * tl + (tl / 8 + 1) * strlen(m->marker) + 6)
			abort();
		free(out);
	}
	char *out = NULL;
	if (ricmeta_context(m, "PROMPT", NULL, &out, NULL, &st) != STATUS_OK || !out)
		abort();
	free(out);
	z[0] = 2 * RICMETA_Z_MAX;
	out = (char *)1;
	if (ricmeta_context(m, "PROMPT", z, &out, NULL, &st) == STATUS_OK || out)
		abort();
	free(z);
	size_t pair[2];
	if (ricmeta_unlabelled(m, pair, &st) != STATUS_OK)
		abort();
}

int fuzz_accepts(const uint8_t *data, size_t size)
{
	struct status st = STATUS_INIT;
	json_error_t je;
	json_t *j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &je);
	if (!j) {
		jsonerr_set(&st, "fuzz", "key", &je);
		fuzz_check_message(&st, "fuzz");
		return 0;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		return 0;
	}
	struct ricmeta m, again, text_again;
	if (ricmeta_from_json(j, "fuzz", &m, &st) != STATUS_OK) {
		fuzz_check_message(&st, "fuzz");
		if (m.n_obj != 0)
			abort(); /* left empty */
		json_decref(j);
		return 0;
	}
	json_decref(j);
	if (ricmeta_validate(&m, &st) != STATUS_OK) {
		fprintf(stderr, "accepted but invalid: %s\n", st.msg);
		abort();
	}
	for (size_t i = 0; i < m.n_obj; i++)
		if (!(fabs(m.obj[i].lo) <= RICMETA_Z_MAX) || !(fabs(m.obj[i].hi) <= RICMETA_Z_MAX))
			abort();
	/* What we read we write, and what we write reads back the same. */
	json_t *back = ricmeta_to_json(&m);
	if (!back || ricmeta_from_json(back, "again", &again, &st) != STATUS_OK) {
		fprintf(stderr, "round trip failed: %s\n", st.msg);
		abort();
	}
	json_decref(back);
	fuzz_same(&m, &again);
	ricmeta_free(&again);
	char *text = ricmeta_to_string(&m);
	json_t *parsed = text ? json_loads(text, JSON_REJECT_DUPLICATES, &je) : NULL;
	if (!parsed || ricmeta_from_json(parsed, "text", &text_again, &st) != STATUS_OK) {
		fprintf(stderr, "text round trip failed: %s\n%s\n", st.msg, text ? text : "(null)");
		abort();
	}
	json_decref(parsed);
	free(text);
	fuzz_same(&m, &text_again);
	ricmeta_free(&text_again);
	fuzz_context(&m);
	ricmeta_free(&m);
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_accepts(data, size);
	return 0;
}
