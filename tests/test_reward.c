/* reward: every kind against known answers, and cmd: scorers that misbehave. */
#include "config.h"

#include "tests/harness.h"
#include "engine/reward.h"
#include "engine/safetensors.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static struct reward_env env(void)
{
	static char share[4096];
	snprintf(share, sizeof share, "%s/share", harness_srcdir());
	return (struct reward_env){ .datadir = share, .timeout_s = 10, .batch = 4 };
}

static struct reward *open_ok(const char *spec, const struct reward_env *e)
{
	struct reward *r;
	struct status st = STATUS_INIT;
	ck_assert_msg(reward_open(spec, e, &r, &st) == STATUS_OK, "%s: %s", spec, st.msg);
	ck_assert_str_eq(reward_spec(r), spec);
	return r;
}

/* The reward of one response. */
static double one(const char *spec, const char *response)
{
	struct reward_env e = env();
	struct reward *r = open_ok(spec, &e);
	struct status st = STATUS_INIT;
	double v = NAN;
	const char *p = "prompt";
	ck_assert_msg(reward_score(r, 1, &p, &response, &v, &st) == STATUS_OK, "%s", st.msg);
	reward_close(r);
	return v;
}

#define ck_near(got, want) \
	ck_assert_msg(fabs((got) - (want)) < 1e-12, "got %.15g, wanted %.15g", (double)(got), (double)(want))

START_TEST(positivity_sums_valences_with_negation)
{
	/* good 3, great 3, like 2, bad -3; "can't stand" is a phrase of -3 */
	ck_near(one("positivity", "good"), tanh(3 / 5.0));
	ck_near(one("positivity", "Good, GREAT!"), tanh(6 / 5.0));
	/* AFINN's own phrase "not good" (-2) wins over negating "good" */
	ck_near(one("positivity", "not good"), tanh(-2 / 5.0));
	ck_near(one("positivity", "This is not a good day"), tanh(-3 / 5.0));
	/* "not" is 3 words before "good": still negated; 4 words before: not */
	ck_near(one("positivity", "not that very good"), tanh(-3 / 5.0));
	ck_near(one("positivity", "not at all that good"), tanh(3 / 5.0));
	ck_near(one("positivity", "I don't like it"), tanh(-2 / 5.0));
	ck_near(one("positivity", "I don\xe2\x80\x99t like it"), tanh(-2 / 5.0));
	ck_near(one("positivity", "never bad"), tanh(3 / 5.0));
	ck_near(one("positivity", "I can't stand it"), tanh(-3 / 5.0));
	ck_near(one("positivity", "the cat sat on the mat"), 0);
	/* "no" is a word of the lexicon (-1) and negates "feeling" (+1) 3 words on */
	ck_near(one("positivity", "no words of feeling here"), tanh(-2 / 5.0));
	ck_near(one("rule:positivity", "good"), tanh(3 / 5.0));
}
END_TEST

START_TEST(brevity_length_and_informativeness)
{
	ck_near(one("brevity", "one two three"), exp(-3 / 20.0));
	ck_near(one("brevity:5", "one two three"), exp(-3 / 5.0));
	ck_near(one("brevity:2.5", ""), 1);
	ck_near(one("length", "Hello, world! It's 3 o'clock..."), 5);
	ck_near(one("length", "  \n\t "), 0);
	/* committee, municipal, budget, yesterday; "approved" is in the sentiment
	 * lexicon, "the" a stop word, "of" too short; repeats count once */
	ck_near(one("informativeness", "The committee approved the municipal budget yesterday, "
	                               "the BUDGET of the committee."), 1 - exp(-4 / 8.0));
	ck_near(one("informativeness", "it is a good one"), 0);
	/* digits are not letters; three letters are enough */
	ck_near(one("informativeness", "cat 123 ab4c"), 1 - exp(-1 / 8.0));
}
END_TEST

START_TEST(regex_counts_matches_like_perl)
{
	ck_near(one("regex:[0-9]+", "a1b22c333"), 3);
	ck_near(one("regex:a*", "baa"), 3);
	ck_near(one("regex:\\bthe\\b", "the cat and the hat, then"), 2);
	ck_near(one("regex:(?i)hello", "Hello hello HELLO"), 3);
	ck_near(one("regex:\\p{L}", "h\xc3\xa9!"), 2);
	ck_near(one("regex:x", "no match"), 0);
	/* invalid UTF-8 in the response is searched, not refused */
	ck_near(one("regex:a", "a\xff" "a"), 2);
}
END_TEST

static void open_fails(const char *spec, const char *want)
{
	struct reward_env e = env();
	struct reward *r;
	struct status st = STATUS_INIT;
	ck_assert_int_ne(reward_open(spec, &e, &r, &st), STATUS_OK);
	ck_assert_ptr_null(r);
	ck_assert_msg(strstr(st.msg, want) != NULL, "%s: '%s' lacks '%s'", spec, st.msg, want);
}

START_TEST(bad_specs_are_refused_by_name)
{
	open_fails("sentiment", "unknown kind 'sentiment'");
	open_fails("brevity:0", "brevity:L wants a number L > 0");
	open_fails("brevity:x", "not 'x'");
	open_fails("positivity:3", "takes no argument");
	open_fails("regex:(", "bad pattern at offset 1");
	open_fails("regex:", "wants an argument");
	open_fails("rm:/nonexistent/model", "/nonexistent/model");
	ck_assert(reward_spec_known("brevity:3"));
	ck_assert(reward_spec_known("cmd:true"));
	ck_assert(!reward_spec_known("given"));
	/* rule rewards need the lexicon folder */
	struct reward_env e = env();
	e.datadir = "/nonexistent";
	struct reward *r;
	struct status st = STATUS_INIT;
	ck_assert_int_eq(reward_open("positivity", &e, &r, &st), STATUS_IO);
	ck_assert_ptr_nonnull(strstr(st.msg, "/nonexistent/lexicons/afinn-165.txt"));
}
END_TEST

/* A fixture reward model (tests/fixtures/FIXTURE) in TMP/NAME with a
 * tokenizer that maps character '0' + i to id i (i < 63), so the texts below
 * give exactly the token rows of the fixtures' cases.txt. */
static const char *rm_dir_of(const char *fixture, const char *name)
{
	static char dir[4096];
	snprintf(dir, sizeof dir, "%s/%s", harness_tmpdir(), name);
	mkdir(dir, 0777);
	static const char *const files[] = { "config.json", "model.safetensors" };
	for (int i = 0; i < 2; i++) {
		char from[4096], to[4096 + 32];
		snprintf(from, sizeof from, "%s/tests/fixtures/%s/%s", harness_srcdir(), fixture, files[i]);
		snprintf(to, sizeof to, "%s/%s", dir, files[i]);
		unlink(to);
		ck_assert_int_eq(symlink(from, to), 0);
	}
	char path[4096 + 32];
	snprintf(path, sizeof path, "%s/tokenizer.json", dir);
	FILE *f = fopen(path, "w");
	/* Every byte needs a token: the 63 characters '0'..'n' get ids 0..62,
	 * <|endoftext|> 63, and the other bytes ids past the model's 64 (so a
	 * text using them fails in the forward pass). Keys are GPT-2's
	 * byte-level characters: printable bytes stand for themselves, the others
	 * for U+0100 + n in byte order. */
	fputs("{\"model\": {\"type\": \"BPE\", \"merges\": [], \"vocab\": {", f);
	int n = 0, next = 64;
	for (int b = 0; b < 256; b++) {
		int self = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
		unsigned cp = self ? (unsigned)b : 256u + (unsigned)n++;
		char utf[4];
		if (cp < 0x80) {
			utf[0] = (char)cp;
			utf[1] = '\0';
		} else {
			utf[0] = (char)(0xC0 | (cp >> 6));
			utf[1] = (char)(0x80 | (cp & 0x3F));
			utf[2] = '\0';
		}
		int id = b >= '0' && b < '0' + 63 ? b - '0' : next++;
		fprintf(f, "\"%s%s\": %d, ", b == '"' || b == '\\' ? "\\" : "", utf, id);
	}
	fputs("\"<|endoftext|>\": 63}}, \"pre_tokenizer\": {\"type\": \"ByteLevel\"},"
	      " \"added_tokens\": [{\"id\": 63, \"content\": \"<|endoftext|>\", \"special\": true}]}", f);
	fclose(f);
	return dir;
}

/* rm-1 (GPT-2, tests/fixtures/gpt2/cases.txt) as TMP/rm. */
static const char *rm_dir(void)
{
	return rm_dir_of("gpt2/rm-1", "rm");
}

/* PyTorch's scores (label 0) of a fixture's rows. */
static void rm_want(const char *fixture, double *want, size_t n)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/tests/fixtures/%s/forward.safetensors", harness_srcdir(),
	         fixture);
	struct safetensors *sf;
	struct status st = STATUS_INIT;
	ck_assert_msg(safetensors_open(path, &sf, &st) == STATUS_OK, "%s", st.msg);
	const struct safetensors_tensor *t = safetensors_find(sf, "scores");
	ck_assert_ptr_nonnull(t);
	size_t labels = (size_t)safetensors_numel(t) / n;
	float v[16];
	ck_assert_uint_le(n * labels, 16);
	ck_assert_int_eq(safetensors_to_f32(t, v), 0);
	for (size_t i = 0; i < n; i++)
		want[i] = v[i * labels];
	safetensors_close(sf);
}

START_TEST(rm_scores_match_pytorch)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/tests/fixtures/gpt2/rm-1/forward.safetensors", harness_srcdir());
	struct safetensors *sf;
	struct status st = STATUS_INIT;
	ck_assert_msg(safetensors_open(path, &sf, &st) == STATUS_OK, "%s", st.msg);
	const struct safetensors_tensor *t = safetensors_find(sf, "scores");
	ck_assert_ptr_nonnull(t);
	float want[3];
	ck_assert_int_eq(safetensors_numel(t), 3);
	ck_assert_int_eq(safetensors_to_f32(t, want), 0);
	safetensors_close(sf);
	/* rows 1,2,3,4,5,6 / 9,8,7 / 20,21,22,23; prompt and response are joined */
	const char *prompts[] = { "12", "", "DE" };
	const char *responses[] = { "3456", "987", "FG" };
	char spec[4096 + 8];
	snprintf(spec, sizeof spec, "rm:%s", rm_dir());
	for (size_t batch = 1; batch <= 3; batch++) {
		struct reward_env e = env();
		e.batch = batch;
		struct reward *r = open_ok(spec, &e);
		double v[3];
		ck_assert_msg(reward_score(r, 3, prompts, responses, v, &st) == STATUS_OK, "%s", st.msg);
		for (int i = 0; i < 3; i++)
			ck_assert_msg(fabs(v[i] - want[i]) <= 1e-4 * fabs(want[i]) + 1e-6,
			              "batch %zu row %d: %g, PyTorch %g", batch, i, v[i], want[i]);
		reward_close(r);
	}
	/* A relative DIR that is not found from here comes from the data folder. */
	struct reward_env rel = env();
	rel.datadir = harness_tmpdir();
	struct reward *rr = open_ok("rm:rm", &rel);
	double vr[3];
	ck_assert_msg(reward_score(rr, 3, prompts, responses, vr, &st) == STATUS_OK, "%s", st.msg);
	for (int i = 0; i < 3; i++)
		ck_assert_msg(fabs(vr[i] - want[i]) <= 1e-4 * fabs(want[i]) + 1e-6, "rm:rm row %d", i);
	reward_close(rr);
	open_fails("rm:no-such-model", "no-such-model");
	/* Longer than n_positions (32): the last 32 tokens are scored. */
	struct reward_env e = env();
	struct reward *r = open_ok(spec, &e);
	const char *longp = "ABCDEFGHIJ", *longr = "0123456789012345678901234567890123456789";
	const char *cut = "89012345678901234567890123456789";
	double a, b;
	ck_assert_msg(reward_score(r, 1, &longp, &longr, &a, &st) == STATUS_OK, "%s", st.msg);
	const char *empty = "";
	ck_assert_msg(reward_score(r, 1, &empty, &cut, &b, &st) == STATUS_OK, "%s", st.msg);
	ck_assert_msg(a == b, "%g != %g", a, b);
	/* A character outside this tiny vocabulary is an error naming the reward. */
	const char *bad = "~";
	ck_assert_int_ne(reward_score(r, 1, &empty, &bad, &a, &st), STATUS_OK);
	ck_assert_msg(strstr(st.msg, "reward 'rm:") != NULL, "%s", st.msg);
	reward_close(r);
	/* A language model is not a reward model. */
	snprintf(spec, sizeof spec, "rm:%s/tests/fixtures/gpt2/chat", harness_srcdir());
	open_fails(spec, "not a reward model");
}
END_TEST

/* rm: with BF16 or int8 weights loads the reward model for decoding only and
 * scores each row through the KV-cache decoder at the token the forward pass
 * reads (padding on the right skipped): F32 within 1e-4 of PyTorch, BF16
 * within 2% and int8 within 5% of the largest score, in every batch size. */
START_TEST(rm_scores_with_bf16_and_int8_weights)
{
	static const struct {
		const char *fixture;
		const char *rows[3];
	} cases[] = {
		/* gpt2/cases.txt rm-1: 1..6 / 9,8,7 / 20..23 (no pad id) */
		{ "gpt2/rm-1", { "123456", "987", "DEFG" } },
		/* llama/cases.txt, pad id 0 ('0'): rm-llama two labels, rm-qwen2 right padding */
		{ "llama/rm-llama", { "12345", "98762", "DEFG3" } },
		{ "llama/rm-qwen2", { "12300", "987G0", "DEFG3" } },
	};
	const char *const empty[3] = { "", "", "" };
	const float tol[3] = { 1e-4f, 2e-2f, 5e-2f };
	struct status st = STATUS_INIT;
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		double want[3], big = 0.0;
		rm_want(cases[c].fixture, want, 3);
		for (int i = 0; i < 3; i++)
			big = fmax(big, fabs(want[i]));
		char name[32], spec[4096 + 8];
		snprintf(name, sizeof name, "rmw%zu", c);
		snprintf(spec, sizeof spec, "rm:%s", rm_dir_of(cases[c].fixture, name));
		for (int w = 0; w < 3; w++)
			for (size_t batch = 1; batch <= 3; batch += 2) {
				struct reward_env e = env();
				e.batch = batch;
				e.weights = w;
				struct reward *r = open_ok(spec, &e);
				double v[3];
				ck_assert_msg(reward_score(r, 3, empty, cases[c].rows, v, &st) == STATUS_OK,
				              "%s", st.msg);
				for (int i = 0; i < 3; i++)
					ck_assert_msg(fabs(v[i] - want[i]) <= tol[w] * (w ? big : fabs(want[i])) + 1e-6,
					              "%s weights %d batch %zu row %d: %g, PyTorch %g",
					              cases[c].fixture, w, batch, i, v[i], want[i]);
				reward_close(r);
			}
	}
}
END_TEST

/* ---- cmd: ------------------------------------------------------------------ */

static char *scorer_spec(const char *args)
{
	static char spec[8192];
	snprintf(spec, sizeof spec, "cmd:python3 %s/share/scorers/example_scorer.py %s",
	         harness_srcdir(), args);
	return spec;
}

static void no_children_left(void)
{
	/* Every scorer was reaped: this process has no child, dead or alive. */
	errno = 0;
	ck_assert_int_eq(waitpid(-1, NULL, WNOHANG), -1);
	ck_assert_int_eq(errno, ECHILD);
}

START_TEST(cmd_scores_in_batches_and_stays_alive)
{
	const char *prompts[6] = { "a", "b", "c", "d", "e", "f" };
	const char *responses[6] = { "one", "one two", "x y z", "\"quoted\"\nnew line", "four w o r", "\xc3\xa9t\xc3\xa9" };
	for (size_t batch = 1; batch <= 4; batch += 3) {
		struct reward_env e = env();
		e.batch = batch;
		struct reward *r = open_ok(scorer_spec(""), &e);
		double v[6];
		struct status st = STATUS_INIT;
		for (int call = 0; call < 3; call++) {
			ck_assert_msg(reward_score(r, 6, prompts, responses, v, &st) == STATUS_OK, "%s", st.msg);
			static const double want[6] = { 1, 2, 3, 3, 4, 1 };
			for (int i = 0; i < 6; i++)
				ck_assert_msg(v[i] == want[i], "batch %zu call %d row %d: %g", batch, call, i, v[i]);
		}
		reward_close(r);
	}
	/* Big requests (2 MB) go through while the scorer answers. */
	struct reward_env e = env();
	e.batch = 16;
	struct reward *r = open_ok(scorer_spec("--per-char"), &e);
	size_t big = 128 * 1024;
	char *text = malloc(big + 1);
	memset(text, 'a', big);
	text[big] = '\0';
	const char *many[16];
	for (int i = 0; i < 16; i++)
		many[i] = text;
	double v[16];
	struct status st = STATUS_INIT;
	ck_assert_msg(reward_score(r, 16, many, many, v, &st) == STATUS_OK, "%s", st.msg);
	ck_assert(v[15] == (double)big);
	reward_close(r);
	free(text);
	no_children_left();
}
END_TEST

/* Scoring with `spec` fails with a message holding `want`. */
static void cmd_fails(const char *spec, size_t batch, double timeout, const char *want)
{
	struct reward_env e = env();
	e.batch = batch;
	e.timeout_s = timeout;
	struct reward *r = open_ok(spec, &e);
	const char *p[3] = { "p", "p", "p" }, *q[3] = { "r", "r s", "r s t" };
	double v[3];
	struct status st = STATUS_INIT;
	ck_assert_int_ne(reward_score(r, 3, p, q, v, &st), STATUS_OK);
	ck_assert_msg(strstr(st.msg, want) != NULL, "'%s' lacks '%s'", st.msg, want);
	ck_assert_msg(strstr(st.msg, spec) != NULL, "'%s' does not name the command", st.msg);
	/* It stays failed, and says why. */
	char first[STATUS_MSG_MAX];
	snprintf(first, sizeof first, "%s", st.msg);
	status_clear(&st);
	ck_assert_int_ne(reward_score(r, 1, p, q, v, &st), STATUS_OK);
	ck_assert_str_eq(st.msg, first);
	reward_close(r);
	no_children_left();
}

START_TEST(cmd_scorers_that_fail_say_how)
{
	cmd_fails("cmd:read line; exit 3", 3, 30, "the scorer exited with status 3 (request 1, 0 answered before)");
	cmd_fails("cmd:kill -9 $$", 3, 30, "killed by signal 9");
	cmd_fails(scorer_spec("--die-after 1"), 1, 30, "exited with status 1 (request 2, 1 answered before)");
	cmd_fails("cmd:sleep 30", 3, 0.3, "no reply within 0.3 s (request 1); the scorer was killed");
	cmd_fails("cmd:read line; echo hello", 3, 30, "a reply that is not JSON");
	cmd_fails("cmd:read line; echo '[1,2,3]'", 3, 30, "not a JSON object");
	cmd_fails("cmd:while read l; do echo '{\"rewards\": [1]}'; done", 3, 30,
	          "1 rewards for a batch of 3 rows");
	cmd_fails("cmd:while read l; do echo '{\"reward\": 1}'; done", 3, 30, "\"rewards\" is missing");
	cmd_fails("cmd:while read l; do echo '{\"rewards\": [1, \"x\", 2]}'; done", 3, 30,
	          "rewards[1] is not a number");
	cmd_fails("cmd:while read l; do echo '{\"rewards\": [1, 1e999, 2]}'; done", 3, 30, "not JSON");
	cmd_fails("cmd:while read l; do printf '{\"reward\": 2}\\n{\"reward\": 2}\\n'; done", 1, 30,
	          "more than one line for request 1");
	cmd_fails("cmd:read l; echo '{\"error\": \"model not loaded\"}'", 3, 30,
	          "the scorer reported an error: model not loaded");
	cmd_fails("cmd:no-such-command-anywhere", 3, 30, "exited with status 127");
	/* A scorer that stops reading: 4 MB cannot all go into the socket first. */
	struct reward_env e = env();
	struct reward *r = open_ok("cmd:exec 0<&-; sleep 5", &e);
	size_t big = 4u << 20;
	char *text = malloc(big + 1);
	memset(text, 'x', big);
	text[big] = '\0';
	const char *t = text;
	double v;
	struct status st = STATUS_INIT;
	ck_assert_int_ne(reward_score(r, 1, &t, &t, &v, &st), STATUS_OK);
	ck_assert_msg(strstr(st.msg, "closed its input and was killed after 2 s") != NULL, "%s", st.msg);
	free(text);
	reward_close(r);
	no_children_left();
}
END_TEST

/* Scoring `spec` (a scorer answering `value`) gives v[0] or an error naming the spec. */
static enum status_code cmd_scores(const char *value, double *v, struct status *st)
{
	char spec[256];
	snprintf(spec, sizeof spec, "cmd:while read l; do echo '{\"reward\": %s}'; done", value);
	struct reward_env e = env();
	e.batch = 1;
	struct reward *r = open_ok(spec, &e);
	const char *p = "p", *q = "r";
	enum status_code c = reward_score(r, 1, &p, &q, v, st);
	if (c != STATUS_OK)
		ck_assert_msg(strstr(st->msg, spec) != NULL, "'%s' does not name the scorer", st->msg);
	reward_close(r);
	no_children_left();
	return c;
}

START_TEST(rewards_beyond_the_bound_are_refused)
{
	double v;
	struct status st = STATUS_INIT;
	ck_assert_int_eq(cmd_scores("1e6", &v, &st), STATUS_OK);
	ck_assert(v == 1e6);
	ck_assert_int_eq(cmd_scores("-1e6", &v, &st), STATUS_OK);
	const char *beyond[] = { "1e308", "-1e308", "1000001" };
	for (size_t i = 0; i < 3; i++) {
		status_clear(&st);
		ck_assert_int_eq(cmd_scores(beyond[i], &v, &st), STATUS_INVALID);
		ck_assert_msg(strstr(st.msg, "row 1 scored") && strstr(st.msg, "beyond +-1e+06"), "%s",
		              st.msg);
	}
}
END_TEST

START_TEST(cmd_output_nobody_asked_for_is_garbage)
{
	struct reward_env e = env();
	e.batch = 1;
	struct reward *r = open_ok("cmd:read l; echo '{\"reward\": 2}'; sleep 0.1; echo '{\"reward\": 3}'; sleep 5", &e);
	const char *p = "p";
	double v;
	struct status st = STATUS_INIT;
	ck_assert_msg(reward_score(r, 1, &p, &p, &v, &st) == STATUS_OK, "%s", st.msg);
	ck_assert(v == 2);
	usleep(500 * 1000);
	ck_assert_int_ne(reward_score(r, 1, &p, &p, &v, &st), STATUS_OK);
	ck_assert_msg(strstr(st.msg, "output nobody asked for before request 2: '{\"reward\": 3}?'") != NULL,
	              "%s", st.msg);
	reward_close(r);
	no_children_left();
}
END_TEST

START_TEST(cmd_ignores_stderr_floods_and_blank_lines)
{
	/* 1 MB on stderr (to /dev/null through the shell, so the test log stays
	 * small) is nothing to wait for; blank lines before a reply are skipped. */
	const char *spec = "cmd:while read l; do head -c 1000000 /dev/zero >&2; echo; echo '{\"rewards\": [1,2,3]}'; done 2>/dev/null";
	struct reward_env e = env();
	e.batch = 3;
	struct reward *r = open_ok(spec, &e);
	const char *p[3] = { "p", "p", "p" };
	double v[3];
	struct status st = STATUS_INIT;
	ck_assert_msg(reward_score(r, 3, p, p, v, &st) == STATUS_OK, "%s", st.msg);
	ck_assert(v[0] == 1 && v[2] == 3);
	reward_close(r);
	no_children_left();
}
END_TEST

/* ---- consent -------------------------------------------------------------- */

static void open_denied(const char *spec, const struct reward_env *e, const char *says)
{
	struct reward *r = (struct reward *)1;
	struct status st = STATUS_INIT;
	ck_assert_int_eq(reward_open(spec, e, &r, &st), STATUS_DENIED);
	ck_assert_ptr_null(r);
	ck_assert_msg(strstr(st.msg, spec) && strstr(st.msg, says), "%s: %s", spec, st.msg);
	struct status p = STATUS_INIT;
	ck_assert_int_eq(reward_permit(spec, e, &p), STATUS_DENIED);
	ck_assert_str_eq(p.msg, st.msg);
}

START_TEST(specs_from_files_need_consent)
{
	char mark[4096], spec[4200];
	snprintf(mark, sizeof mark, "%s/ran", harness_tmpdir());
	unlink(mark);
	/* cmd: from a file starts nothing, however it is spelt, until the user agrees. */
	snprintf(spec, sizeof spec, "cmd:touch %s", mark);
	struct reward_env e = env();
	e.from_file = 1;
	open_denied(spec, &e, "starts a program");
	char ruled[4300];
	snprintf(ruled, sizeof ruled, "rule:%s", spec);
	open_denied(ruled, &e, "starts a program");
	const char *p = "p", *resp = "r";
	double v;
	struct status st = STATUS_INIT;
	ck_assert_int_ne(access(mark, F_OK), 0);
	for (int consent = 0; consent < 2; consent++) {
		struct reward_env ok = env();
		ok.from_file = consent; /* from the command line, or from a file with consent */
		ok.consent = consent;
		struct reward *r = open_ok(spec, &ok);
		/* touch answers nothing: the scoring fails, but the program ran. */
		reward_score(r, 1, &p, &resp, &v, &st);
		reward_close(r);
		ck_assert_int_eq(access(mark, F_OK), 0);
		unlink(mark);
	}
	/* rm: from a checkpoint's ric.json stays inside its folder or the data folder. */
	char home[4096], link[4200], abs[4200];
	snprintf(home, sizeof home, "%s/ckpt", harness_tmpdir());
	mkdir(home, 0777);
	const char *model = rm_dir(); /* TMP/rm, beside the checkpoint */
	snprintf(link, sizeof link, "%s/escape", home);
	unlink(link);
	ck_assert_int_eq(symlink(model, link), 0);
	snprintf(abs, sizeof abs, "rm:%s", model);
	struct reward_env f = env();
	f.from_file = 1;
	f.home = home;
	f.datadir = "/nonexistent";
	open_denied("rm:../rm", &f, "outside the checkpoint's folder");
	open_denied(abs, &f, model);
	open_denied("rm:escape", &f, "outside the checkpoint's folder");
	open_denied("rm:./escape/", &f, model);
	/* The same folder inside home, or in the (trusted) data folder, opens. */
	f.home = harness_tmpdir();
	reward_close(open_ok("rm:rm", &f));
	reward_close(open_ok(abs, &f));
	f.home = home;
	f.datadir = harness_tmpdir();
	reward_close(open_ok("rm:rm", &f));
	/* With consent, or from the command line, it opens wherever it is. */
	f.datadir = "/nonexistent";
	f.consent = 1;
	reward_close(open_ok("rm:escape", &f));
	f.consent = 0;
	f.from_file = 0;
	reward_close(open_ok(abs, &f));
	/* Rule rewards have nothing to ask. */
	f.from_file = 1;
	reward_close(open_ok("length", &f));
	ck_assert_int_eq(reward_permit("regex:a", &f, &st), STATUS_OK);
}
END_TEST

Suite *harness_suite(void)
{
	Suite *s = suite_create("reward");
	TCase *tc = harness_add(s, "rules", positivity_sums_valences_with_negation,
	                        brevity_length_and_informativeness, regex_counts_matches_like_perl,
	                        bad_specs_are_refused_by_name, rm_scores_match_pytorch,
	                        rm_scores_with_bf16_and_int8_weights, NULL);
	(void)tc;
	tc = harness_add(s, "cmd", cmd_scores_in_batches_and_stays_alive, cmd_scorers_that_fail_say_how,
	                 cmd_output_nobody_asked_for_is_garbage, cmd_ignores_stderr_floods_and_blank_lines,
	                 specs_from_files_need_consent, rewards_beyond_the_bound_are_refused, NULL);
	tcase_set_timeout(tc, 60);
	return s;
}
