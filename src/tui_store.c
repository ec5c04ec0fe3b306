#include "config.h"

#include "src/tui_store.h"
#include "src/job_state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum store_code tui_store_open(struct tui_store *ts, const char *path, int flags,
                               struct store_err *err)
{
	memset(ts, 0, sizeof *ts);
	ts->version = -1;
	enum store_code rc = store_open(path, STORE_CREATE | flags, &ts->s, err);
	if (rc != STORE_OK)
		return rc;
	job_state_register(ts->s);
	if (!(ts->path = strdup(path))) {
		store_close(ts->s);
		ts->s = NULL;
		if (err) {
			err->code = STORE_EINTERNAL;
			strcpy(err->msg, "out of memory");
		}
		return STORE_EINTERNAL;
	}
	return STORE_OK;
}

void tui_store_close(struct tui_store *ts)
{
	if (ts->s) {
		/* A session run is finished when its session is. */
		if (ts->session_run)
			store_run_finish(ts->s, ts->session_run, "done", NULL, NULL);
		store_close(ts->s);
	}
	free(ts->path);
	free(ts->session_ckpt);
	memset(ts, 0, sizeof *ts);
}

int tui_store_changed(struct tui_store *ts)
{
	int64_t v;
	if (!ts->s || store_data_version(ts->s, &v, NULL) != STORE_OK)
		return 0;
	if (v == ts->version)
		return 0;
	ts->version = v;
	return 1;
}

void tui_store_touch(struct tui_store *ts)
{
	ts->version = -1;
}

static enum store_code tui_store_session(struct tui_store *ts, const struct tui_saved *smp,
                                         struct store_err *err)
{
	if (ts->session_run && ts->session_ckpt && strcmp(ts->session_ckpt, smp->checkpoint) == 0)
		return STORE_OK;
	if (ts->session_run)
		store_run_finish(ts->s, ts->session_run, "done", NULL, NULL);
	ts->session_run = 0;
	free(ts->session_ckpt);
	ts->session_ckpt = NULL;
	store_id run;
	enum store_code rc = store_begin(ts->s, err);
	if (rc != STORE_OK)
		return rc;
	rc = store_run_create(ts->s, "generate", NULL, 0, &run, err);
	if (rc == STORE_OK)
		rc = store_param_set(ts->s, run, "model", smp->checkpoint, err);
	if (rc == STORE_OK)
		rc = store_param_set(ts->s, run, "source", "ric-tui", err);
	if (rc == STORE_OK)
		rc = store_commit(ts->s, err);
	else
		store_rollback(ts->s);
	if (rc != STORE_OK)
		return rc;
	ts->session_run = run;
	ts->session_ckpt = strdup(smp->checkpoint);
	return STORE_OK;
}

enum store_code tui_store_save(struct tui_store *ts, const struct tui_saved *smp, store_id *id,
                               struct store_err *err)
{
	enum store_code rc = tui_store_session(ts, smp, err);
	if (rc != STORE_OK)
		return rc;
	struct store_sample x;
	memset(&x, 0, sizeof x);
	x.run = ts->session_run;
	x.prompt = smp->prompt;
	x.response = smp->response;
	x.n = smp->n;
	x.kept = -1;
	memcpy(x.preference, smp->preference, sizeof x.preference);
	memcpy(x.desired, smp->desired, sizeof x.desired);
	memcpy(x.raw, smp->raw, sizeof x.raw);
	memcpy(x.norm, smp->norm, sizeof x.norm);
	rc = store_samples_add(ts->s, &x, 1, id, err);
	/* The sampling settings of the newest save: enough to make it again. */
	char v[64];
	if (rc == STORE_OK) {
		snprintf(v, sizeof v, "%g", smp->temperature);
		store_param_set(ts->s, ts->session_run, "temperature", v, NULL);
		snprintf(v, sizeof v, "%g", smp->top_p);
		store_param_set(ts->s, ts->session_run, "top_p", v, NULL);
		snprintf(v, sizeof v, "%llu", (unsigned long long)smp->seed);
		store_param_set(ts->s, ts->session_run, "seed", v, NULL);
		if (smp->mapping)
			store_param_set(ts->s, ts->session_run, "mapping", smp->mapping, NULL);
		tui_store_touch(ts);
	}
	return rc;
}
