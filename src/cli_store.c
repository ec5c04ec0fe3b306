#include "config.h"

#include "src/cli_store.h"
#include "src/json_text.h"
#include "src/demo.h"
#include "src/dist.h"
#include "src/job_state.h"
#include "src/paths.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int cli_store_open(struct cli *cli, struct store **out)
{
	char *path = paths_store(cli->store_opt);
	if (!path) {
		cli_error("no store: set HOME, RIC_STORE or pass --store PATH");
		return CLI_FAIL;
	}
	/* Only the default store gets the demo: a store named on purpose is the
	 * user's own experiment. */
	const char *no_demo = getenv("RIC_NO_DEMO");
	int is_default = paths_store_default(cli->store_opt);
	int fresh_default = is_default && !(no_demo && *no_demo && strcmp(no_demo, "0") != 0) &&
	                    access(path, F_OK) != 0;
	struct store_err err;
	if (dist_rank() > 0) {
		/* under mpirun rank 0 alone writes: the others read what it wrote */
		enum store_code rc = store_open(path, STORE_READONLY, out, &err);
		if (rc != STORE_OK)
			cli_error("rank %d: %s (every rank must see the store rank 0 writes, on a shared "
			          "file system)", dist_rank(), err.msg);
		free(path);
		return rc == STORE_OK ? CLI_OK : CLI_FAIL;
	}
	enum store_code rc = store_open(path, STORE_CREATE | (is_default ? STORE_MKDIR : 0), out, &err);
	free(path);
	if (rc != STORE_OK) {
		cli_error("%s", err.msg);
		return CLI_FAIL;
	}
	/* Runs and jobs this process makes record who does them. */
	job_state_register(*out);
	if (fresh_default)
		demo_register(*out, paths_datadir(), stderr);
	return CLI_OK;
}

int cli_store_run(struct store *s, const char *ref, store_id *out)
{
	struct store_err err;
	if (store_run_resolve(s, ref, out, &err) != STORE_OK) {
		cli_error("%s", err.msg);
		return CLI_FAIL;
	}
	return CLI_OK;
}

static int cli_store_tag_json(void *ctx, const char *tag)
{
	json_array_append_new(ctx, json_string(tag));
	return 0;
}

json_t *cli_store_run_json(struct store *s, const struct store_run *r)
{
	json_t *tags = json_array();
	struct store_err err;
	store_tags_each(s, r->id, cli_store_tag_json, tags, &err);
	return json_pack("{s:I, s:s, s:s, s:s, s:o, s:o, s:I, s:o, s:o, s:o}",
	                 "id", (json_int_t)r->id, "name", r->name, "stage", r->stage,
	                 "status", r->status,
	                 "parent", r->parent ? json_integer(r->parent) : json_null(),
	                 "resumed_from", r->resumed_from ? json_integer(r->resumed_from) : json_null(),
	                 "created_ms", (json_int_t)r->created_ms,
	                 "finished_ms", r->finished_ms ? json_integer(r->finished_ms) : json_null(),
	                 "error", r->error ? json_string(r->error) : json_null(),
	                 "tags", tags);
}

void cli_store_time(char *buf, size_t cap, int64_t ms)
{
	if (ms <= 0) {
		snprintf(buf, cap, "-");
		return;
	}
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	localtime_r(&t, &tm);
	strftime(buf, cap, "%Y-%m-%d %H:%M:%S", &tm);
}

void cli_store_duration(char *buf, size_t cap, int64_t ms)
{
	if (ms < 0)
		snprintf(buf, cap, "-");
	else if (ms < 60000)
		snprintf(buf, cap, "%.1fs", ms / 1000.0);
	else if (ms < 3600000)
		snprintf(buf, cap, "%lldm%02llds", (long long)(ms / 60000), (long long)(ms / 1000 % 60));
	else
		snprintf(buf, cap, "%lldh%02lldm", (long long)(ms / 3600000), (long long)(ms / 60000 % 60));
}

void cli_store_double(char *buf, size_t cap, double v)
{
	for (int prec = 6; prec <= 17; prec++) {
		snprintf(buf, cap, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			return;
	}
}

int cli_store_json_line(FILE *out, json_t *v)
{
	char *text = v ? json_dumps(v, JSON_COMPACT | JSON_REAL_PRECISION(16)) : NULL;
	json_decref(v);
	if (!text)
		return -1;
	fputs(text, out);
	fputc('\n', out);
	free(text);
	return 0;
}

json_t *cli_store_json_text(const char *text)
{
	return json_text(text);
}

json_t *cli_store_json_vec(const double *v, int n)
{
	json_t *a = json_array();
	for (int i = 0; i < n; i++)
		json_array_append_new(a, json_real(v[i]));
	return a;
}

void cli_store_vec_text(char *buf, size_t cap, const double *v, int n)
{
	size_t len = 0;
	buf[0] = '\0';
	if (cap < 3)
		return;
	buf[len++] = '[';
	for (int i = 0; i < n && len < cap; i++) {
		char num[32];
		cli_store_double(num, sizeof num, v[i]);
		int w = snprintf(buf + len, cap - len, "%s%s", i ? "," : "", num);
		if (w < 0)
			break;
		len += (size_t)w;
	}
	if (len + 2 <= cap) {
		buf[len++] = ']';
		buf[len] = '\0';
	}
}

void cli_store_csv_field(FILE *out, const char *s)
{
	if (!s)
		return;   /* SQL NULL: an empty field */
	size_t n = strlen(s);
	int quote = n && (s[0] == ' ' || s[n - 1] == ' ');
	for (const char *p = s; *p && !quote; p++)
		quote = *p == ',' || *p == '"' || *p == '\n' || *p == '\r';
	if (!quote) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			fputc('"', out);
		fputc(*p, out);
	}
	fputc('"', out);
}

void cli_store_csv_row(FILE *out, int n, const char *const *fields)
{
	for (int i = 0; i < n; i++) {
		if (i)
			fputc(',', out);
		cli_store_csv_field(out, fields[i]);
	}
	fputs("\r\n", out);
}
