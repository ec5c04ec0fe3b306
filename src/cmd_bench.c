/* ric bench: training-step and decoding speed on random weights. */
#include "config.h"

#include "src/cli.h"
#include "src/dist.h"
#include "src/train_loop.h"
#include "engine/checkpoint.h"
#include "engine/cpu.h"
#include "engine/cpu_peak.h"
#include "engine/decoder.h"
#include "engine/diffusion.h"
#include "engine/generate.h"
#include "engine/init.h"
#include "engine/kernels.h"
#include "engine/pool.h"
#include "engine/rng.h"
#include "engine/tokenizer.h"
#include "engine/train.h"
#include "engine/vmath.h"
#include "engine/monotonic.h"

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static int bench_run(struct cli *cli, int argc, char **argv);

const struct cli_command cmd_bench = {
	.name = "bench",
	.summary = "time training steps or batched decoding of a random GPT-2 or Llama",
	.usage = "ric bench train [--layers L --heads H --embd C --vocab V --ctx T --batch B\n"
	         "                 --seq S --steps N --threads K --abort N --lora-rank R\n"
	         "                 --weights f32|bf16 --recompute on|off --json]\n"
	         "       ric bench generate [same shape flags --batch B --seq PROMPT\n"
	         "                 --new-tokens N --threads K --weights W --abort N --json]\n"
	         "       ric bench generate --model DIR [--batch B --seq PROMPT ...]\n"
	         "       ric bench memory [same shape flags --mib N --threads K --json]\n"
	         "       ric bench blas [same shape flags --batch B --seq S --threads K --json]\n"
	         "       ric bench peak [--threads K --json]\n"
	         "       ric bench save DIR [same shape flags --labels N --weights f32|bf16\n"
	         "                 --tokenizer TOK]",
	.help = "Options (defaults: the GPT-2 small shape):\n"
	        "  --layers L --heads H --embd C --vocab V --ctx T   model shape\n"
	        "  --arch TYPE      gpt2 (default), llama, mistral or qwen2 (tied head), or\n"
	        "                   dit (train only: DDPM steps on random 32x32 images of\n"
	        "                   --batch, patches of 4; tokens_per_s counts patches)\n"
	        "  --kv-heads K --inner I   key-value heads (Llama family; default H) and\n"
	        "                   MLP width (default 4 C)\n"
	        "  --batch B        sequences per step (train) or decoded together (generate)\n"
	        "  --seq S          tokens per sequence (train) or prompt tokens (generate)\n"
	        "  --steps N        timed training steps, after one untimed (train)\n"
	        "  --lora-rank R    train a LoRA adapter of rank R (alpha 2R) on every linear\n"
	        "                   layer over the frozen model instead of every weight (train)\n"
	        "  --new-tokens N   tokens generated per sequence (generate)\n"
	        "  --threads K      BLIS threads\n"
	        "  --weights W      decode with f32 (default), bf16 or int8 weights (generate);\n"
	        "                   train --lora-rank: bf16 freezes the base in BF16, as a\n"
	        "                   BF16 checkpoint trains (activations then recomputed)\n"
	        "  --recompute on|off  train: backward recomputes each layer's activations\n"
	        "                   (Llama family; default: on over a BF16 base)\n"
	        "  --model DIR      generate: decode this checkpoint (its own shape; random\n"
	        "                   prompt tokens) instead of a random model\n"
	        "  --bf16           the same as --weights bf16\n"
	        "  --mib N          memory, generate: MiB read per pass (default 256)\n"
	        "  --abort N        then N runs cancelled at spread times: abort_ms_median/max\n"
	        "  --json           the last line is one JSON object (tokens_per_s, ...)\n"
	        "memory reads a buffer on the threads as decoding reads its weights and\n"
	        "prints GB/s and the batch-1 decoding ceiling of the model shape for f32,\n"
	        "bf16 and int8 weights at that bandwidth (every weight read once per token).\n"
	        "blas times sgemm on the products of a training step of the shape (B*S rows)\n"
	        "with every BLIS context this CPU runs: the chosen one, BLIS's own choice and\n"
	        "the others, in GFLOP/s and as a share of the best.\n"
	        "peak measures the arithmetic ceilings of the chosen kernels on the threads:\n"
	        "F32 fmas, the BF16 products (vdpbf16ps where present) and the int8 products\n"
	        "(vpdpbusd with VNNI, else vpmaddubsw), in GFLOP/s (2 per multiply-add).\n"
	        "generate prints model_gflop_s (2 flops a weight a token, plus attention's\n"
	        "products) beside peak_gflop_s, the ceiling of the kernel that serves its\n"
	        "weights measured in the same run, and their ratio share_of_peak; and the\n"
	        "roofline: a step reads every weight once (in its format) and each row's\n"
	        "KV cache (BF16 beside int8, and BF16 on vdpbf16ps) at read_gb_s (measured as memory does, same run) and does\n"
	        "its flops at the peak, so roofline_gflop_s = flops / max(step_memory_ms,\n"
	        "step_arithmetic_ms), with share_of_roofline and roofline_bound.\n"
	        "save writes the random model as a checkpoint folder (BF16 with --weights\n"
	        "bf16; a ...ForSequenceClassification reward model with --labels N; the\n"
	        "tokenizer files of TOK beside it), for the peak-memory benchmark of\n"
	        "decoding-only loads (bench/bf16_rss.sh).\n"
	        "Under mpirun -np N, train splits every batch between the ranks and sums the\n"
	        "gradients as training does; tokens_per_s is then the job's and\n"
	        "allreduce_share the part of a step spent summing gradients (make bench\n"
	        "prints the scaling efficiency against one rank). --json adds \"phases\"\n"
	        "and \"phases_cpu\": each rank's median wall and CPU seconds per step of\n"
	        "forward, backward, reduce_in_backward (the sum's calls during backward),\n"
	        "reduce_wait (after it), optimizer, gather (the weights after a sharded\n"
	        "step) and the whole step; \"sum\" says how the gradients were summed:\n"
	        "\"shared memory\" (ranks on one host: the wait for every rank's backward\n"
	        "pass and the adding of the own chunks are reduce_wait, the wait for the\n"
	        "others' updates gather), \"messages\" (the ring) or \"none\".\n",
	.run = bench_run,
};

struct bench_opts {
	int layers, heads, embd, vocab, ctx, batch, seq, steps, new_tokens, threads, json, weights;
	int aborts, mib, kv_heads, inner, labels, lora_rank;
	int recompute; /* train: -1 as training does (on over a BF16 base), 0 off, 1 on */
	const char *arch, *tokenizer;
	const char *model; /* generate: a checkpoint folder instead of a random model */
};

static long bench_peak_rss_kib(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/* Starts the process's peak resident size over from the present one
 * (Linux's clear_refs; elsewhere nothing happens and the peak stays). */
static void bench_reset_peak(void)
{
	FILE *f = fopen("/proc/self/clear_refs", "w");
	if (f) {
		fputs("5", f);
		fclose(f);
	}
}

/* The peak resident size since bench_reset_peak (VmHWM), or the process's. */
static long bench_hwm_kib(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kib = -1;
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "VmHWM: %ld", &kib) == 1)
			break;
	if (f)
		fclose(f);
	return kib >= 0 ? kib : bench_peak_rss_kib();
}

/* CPU seconds of every thread of the process so far: on a machine shared
 * with other work a fairer measure of a step than the wall clock. */
static double bench_cpu_s(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
}

static int bench_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* The model of the shape flags, allocated (untouched: zero pages). */
static int bench_alloc(const struct bench_opts *o, struct model_params *p, struct status *st)
{
	struct model_config c = { .n_layer = o->layers, .n_head = o->heads, .n_embd = o->embd,
	                          .n_inner = o->inner ? o->inner : 4 * o->embd,
	                          .n_positions = o->ctx, .n_kv_head = o->kv_heads,
	                          .vocab_size = o->vocab, .layer_norm_epsilon = 1e-5f,
	                          .bos_token_id = o->vocab - 1, .eos_token_id = -1,
	                          .pad_token_id = -1, .num_labels = o->labels };
	if (model_config_set_type(&c, o->arch, st) != STATUS_OK ||
	    model_params_alloc(p, &c, st) != STATUS_OK)
		return -1;
	return 0;
}

/* A random model as its family initialises one (N(0, 0.02) weights). */
static int bench_model(const struct bench_opts *o, struct model_params *p, struct status *st)
{
	if (bench_alloc(o, p, st) != 0)
		return -1;
	struct rng r;
	rng_seed(&r, 1234);
	init_model(p, &r, 0.02f);
	return 0;
}

/* Cancel latency: a timer thread sets the abort flag after a delay; the
 * latency is from then until the engine call (and, when the flag came too
 * late for it, the optimizer step after it) returns. */
struct bench_abort {
	atomic_int flag;
	double delay, set_at;
};

static int bench_abort_cb(void *ctx)
{
	return atomic_load(&((struct bench_abort *)ctx)->flag);
}

static void *bench_abort_timer(void *arg)
{
	struct bench_abort *ba = arg;
	struct timespec ts = { (time_t)ba->delay, (long)((ba->delay - (double)(time_t)ba->delay) * 1e9) };
	nanosleep(&ts, NULL);
	ba->set_at = monotonic_s();
	atomic_store(&ba->flag, 1);
	return NULL;
}

/* Median and worst of n latencies (sorted in place) into j, in ms. */
static void bench_abort_report(json_t *j, double *lat, size_t n)
{
	if (n == 0)
		return;
	qsort(lat, n, sizeof *lat, bench_cmp);
	json_object_set_new(j, "abort_trials", json_integer((json_int_t)n));
	json_object_set_new(j, "abort_ms_median", json_real(1e3 * lat[n / 2]));
	json_object_set_new(j, "abort_ms_max", json_real(1e3 * lat[n - 1]));
}

static void bench_report(const struct bench_opts *o, json_t *j)
{
	/* every figure with the kernels that made it */
	const struct cpu_info *ci = cpu_info();
	json_object_set_new(j, "kernels", json_string(ci->level_name));
	json_object_set_new(j, "blis", json_string(ci->blis_name));
	if (o->json) {
		char *s = json_dumps(j, JSON_COMPACT);
		if (s)
			puts(s);
		free(s);
	} else {
		const char *k;
		json_t *v;
		cli_cpu_print(stdout, "");
		json_object_foreach(j, k, v) {
			if (json_is_integer(v))
				printf("%-16s %lld\n", k, (long long)json_integer_value(v));
			else if (json_is_real(v))
				printf("%-16s %.4g\n", k, json_real_value(v));
			else if (json_is_string(v) && strcmp(k, "bench") != 0)
				printf("%-16s %s\n", k, json_string_value(v));
		}
	}
	json_decref(j);
}

/* DDPM training steps of a random DiT on random images: patches/s. */
static int bench_train_image(const struct bench_opts *o, struct model_params *p)
{
	struct status st = STATUS_INIT;
	struct optim_config oc = OPTIM_DEFAULTS;
	oc.lr = 1e-4f;
	struct train t;
	struct diffusion d;
	size_t B = (size_t)o->batch, D = 3 * (size_t)p->cfg.image_size * (size_t)p->cfg.image_size;
	float *x = malloc(B * D * sizeof *x);
	double *times = calloc((size_t)o->steps, sizeof *times);
	int rc = CLI_OK;
	if (!x || !times || diffusion_init(&d, &p->cfg, &st) != STATUS_OK) {
		cli_error("%s", st.msg[0] ? st.msg : "out of memory");
		free(x);
		free(times);
		return CLI_FAIL;
	}
	if (train_init(&t, p, &oc, &st) != STATUS_OK) {
		cli_error("%s", st.msg);
		free(x);
		free(times);
		diffusion_free(&d);
		return CLI_FAIL;
	}
	struct rng r;
	rng_seed(&r, 99);
	for (size_t i = 0; i < B * D; i++)
		x[i] = 2.0f * rng_uniform(&r) - 1.0f;
	double loss = 0.0;
	for (int s = 0; s <= o->steps && rc == CLI_OK; s++) {
		double t0 = monotonic_s(), sse;
		if (diffusion_accumulate(&t, &d, x, NULL, NULL, B, 99, (size_t)s * B,
		                         1.0f / (float)(B * D), &sse, NULL, &st) != STATUS_OK) {
			cli_error("%s", st.msg);
			rc = CLI_FAIL;
		}
		loss = sse / (double)(B * D);
		train_step(&t, 1.0f);
		if (s > 0)
			times[s - 1] = monotonic_s() - t0;
	}
	if (rc == CLI_OK) {
		qsort(times, (size_t)o->steps, sizeof *times, bench_cmp);
		double med = times[o->steps / 2], N = (double)B * (double)p->cfg.n_positions;
		json_t *j = json_pack("{s:s, s:s, s:I, s:i, s:f, s:f, s:I, s:f}", "bench", "train",
		                      "arch", "dit", "params", (json_int_t)p->count, "threads",
		                      o->threads, "median_step_s", med, "tokens_per_s", N / med,
		                      "peak_rss_kib", (json_int_t)bench_peak_rss_kib(), "last_loss", loss);
		bench_report(o, j);
	}
	train_free(&t);
	diffusion_free(&d);
	free(x);
	free(times);
	return rc;
}

/* The phases of a training step, timed on each rank: forward, backward
 * (less the time in the grads hook), the hook (starting and polling the
 * buckets during backward), the wait for the sums after backward, the
 * optimizer step, the weights' gather after a sharded step (src/dist.h),
 * and the whole step; in wall seconds and in CPU seconds
 * (monotonic_cpu_s: what a phase cost apart from waiting for a core on a
 * shared machine; Open MPI polls, so its waits cost CPU too). Data costs
 * nothing here (the batch is made once; in the stages it is the fill
 * before a step). */
#define BENCH_PHASES 7
static const char *const bench_phase_names[BENCH_PHASES] = {
	"forward", "backward", "reduce_in_backward", "reduce_wait", "optimizer", "gather", "step"
};

/* Each rank's median of each phase over the timed steps (ph[step][phase],
 * wall then CPU), gathered on rank 0 (which prints) as "phases" and
 * "phases_cpu": [{"rank": 0, "forward": s, ...}, ...]. */
static enum status_code bench_phases(json_t *j, double (*ph)[2 * BENCH_PHASES], int steps,
                                     struct status *st)
{
	size_t R = (size_t)dist_size(), me = (size_t)dist_rank(), P = 2 * BENCH_PHASES;
	double *all = calloc(R * P, sizeof *all), *col = calloc((size_t)steps, sizeof *col);
	if (!all || !col) {
		free(all);
		free(col);
		return status_set(st, STATUS_NOMEM, "out of memory");
	}
	for (size_t k = 0; k < P; k++) {
		for (int s = 0; s < steps; s++)
			col[s] = ph[s][k];
		qsort(col, (size_t)steps, sizeof *col, bench_cmp);
		all[me * P + k] = col[steps / 2];
	}
	enum status_code rc = dist_gather_spans(all, R, P * sizeof *all, st);
	for (size_t c = 0; c < 2; c++) {
		json_t *a = json_array();
		for (size_t r = 0; rc == STATUS_OK && r < R; r++) {
			json_t *o = json_pack("{s:I}", "rank", (json_int_t)r);
			for (size_t k = 0; k < BENCH_PHASES; k++)
				json_object_set_new(o, bench_phase_names[k],
				                    json_real(all[r * P + c * BENCH_PHASES + k]));
			json_array_append_new(a, o);
		}
		json_object_set_new(j, c ? "phases_cpu" : "phases", a);
	}
	free(all);
	free(col);
	return rc;
}

static int bench_train(const struct bench_opts *o)
{
	struct status st = STATUS_INIT;
	struct model_params p;
	if (bench_model(o, &p, &st) != 0) {
		cli_error("%s", st.msg[0] ? st.msg : "out of memory");
		return CLI_FAIL;
	}
	if (model_is_image(&p.cfg)) {
		int irc = bench_train_image(o, &p);
		model_params_free(&p);
		return irc;
	}
	struct optim_config oc = OPTIM_DEFAULTS;
	oc.lr = 1e-4f;
	struct train t;
	struct lora l = { 0 };
	struct lora_spec spec = { .r = o->lora_rank, .alpha = 2.0 * o->lora_rank,
	                          .targets = "all-linear", .seed = 1 };
	size_t N = (size_t)o->batch * (size_t)o->seq;
	int *tok = malloc(N * sizeof *tok), *tgt = malloc(N * sizeof *tgt);
	double *times = calloc((size_t)o->steps, sizeof *times);
	double *cpu = calloc((size_t)o->steps, sizeof *cpu);
	if (!tok || !tgt || !times || !cpu ||
	    (o->lora_rank ? lora_create(&l, &p, &spec, &st) != STATUS_OK ||
	                    (o->weights == DECODER_BF16 &&
	                     model_params_freeze_bf16(&p, &st) != STATUS_OK) ||
	                    train_init_lora(&t, &p, &l, &oc, 1, &st) != STATUS_OK
	                  : train_init(&t, &p, &oc, &st) != STATUS_OK)) {
		cli_error("%s", st.msg[0] ? st.msg : "out of memory");
		free(tok); free(tgt); free(times); free(cpu);
		lora_free(&l);
		model_params_free(&p);
		return CLI_FAIL;
	}
	/* what the setup (the F32 model made, then frozen) took at most; the
	 * steps' own peak is measured from here (clear_refs resets it) */
	long setup_rss = bench_peak_rss_kib();
	bench_reset_peak();
	t.pass->recompute = o->recompute >= 0 ? o->recompute : p.frozen != NULL;
	struct rng r;
	rng_seed(&r, 99);
	for (size_t i = 0; i < N; i++) {
		tok[i] = (int)rng_below(&r, (uint64_t)o->vocab);
		tgt[i] = (int)rng_below(&r, (uint64_t)o->vocab);
	}
	/* under mpirun each rank takes its rows of the batch and the gradients
	 * are summed, as src/train_loop.c does: the step of the whole batch */
	size_t lo, hi;
	dist_span((size_t)o->batch, &lo, &hi);
	struct train_batch b = { hi - lo, (size_t)o->seq, tok + lo * (size_t)o->seq,
	                         tgt + lo * (size_t)o->seq };
	int rc = CLI_OK;
	double loss = 0.0, reduce_s = 0.0;
	/* the buckets start during the backward pass (RIC_MPI_OVERLAP=0: after it) */
	struct dist_sum *sum = dist_sum_new(t.count);
	int rc_share = train_loop_share(&t, sum, &st) != STATUS_OK;
	/* each step's phases on this rank (BENCH_PHASES), for the breakdown */
	double (*ph)[2 * BENCH_PHASES] = calloc((size_t)o->steps, sizeof *ph);
	if (!ph || rc_share) {
		cli_error("%s", rc_share ? st.msg : "out of memory");
		rc = CLI_FAIL;
	}
	for (int s = 0; s <= o->steps && rc == CLI_OK; s++) {
		double t0 = monotonic_s(), r0 = dist_reduce_seconds(), c0 = bench_cpu_s();
		double f0 = t.forward_s, b0 = t.backward_s, k0 = dist_hook_seconds();
		double fc0 = t.forward_cpu_s, bc0 = t.backward_cpu_s, rc0, kc0;
		dist_reduce_cpu_seconds(&rc0, &kc0);
		if (sum) {
			dist_sum_begin(sum, t.g);
			if (!o->lora_rank) /* an adapter's gradients: all summed at the end */
				t.pass->grads = (struct model_grads_hook){ .ready = dist_sum_ready, .ctx = sum };
		}
		if ((b.B > 0 && train_accumulate(&t, &b, 1.0f / (float)N, NULL, &st) != STATUS_OK) ||
		    (sum ? dist_sum_end(sum, &st) : dist_sum_floats(t.g, t.count, &st)) != STATUS_OK) {
			cli_error("%s", st.msg);
			rc = CLI_FAIL;
			break;
		}
		loss = t.loss_count ? t.loss_sum / (double)t.loss_count : 0.0;
		double s0 = monotonic_s(), sc0 = bench_cpu_s(), r1 = dist_reduce_seconds(), rc1, kc1;
		dist_reduce_cpu_seconds(&rc1, &kc1);
		if (train_loop_step(&t, sum, 1.0f, NULL, &st) != STATUS_OK) {
			cli_error("%s", st.msg);
			rc = CLI_FAIL;
			break;
		}
		if (s > 0) {
			double *q = ph[s - 1], now = monotonic_s(), hook = dist_hook_seconds() - k0;
			double rc2, kc2, cnow = bench_cpu_s(), gather = dist_reduce_seconds() - r1;
			dist_reduce_cpu_seconds(&rc2, &kc2);
			times[s - 1] = now - t0;
			cpu[s - 1] = bench_cpu_s() - c0;
			reduce_s += dist_reduce_seconds() - r0;
			q[0] = t.forward_s - f0;
			q[1] = t.backward_s - b0 - hook;
			q[2] = hook;
			q[3] = r1 - r0 - hook;
			q[4] = now - s0 - gather;
			q[5] = gather;
			q[6] = now - t0;
			q += BENCH_PHASES;
			q[0] = t.forward_cpu_s - fc0;
			q[1] = t.backward_cpu_s - bc0 - (kc1 - kc0);
			q[2] = kc1 - kc0;
			q[3] = (rc1 - rc0) - (kc1 - kc0);
			q[4] = cnow - sc0 - (rc2 - rc1);
			q[5] = rc2 - rc1;
			q[6] = cnow - c0;
		}
	}
	t.pass->grads = (struct model_grads_hook){ 0 };
	const char *how = !sum ? "none" : dist_sum_shared(sum) ? "shared memory" : "messages";
	train_loop_unshare(&t, sum);
	dist_sum_free(sum);
	if (rc == CLI_OK) {
		qsort(times, (size_t)o->steps, sizeof *times, bench_cmp);
		double med = times[o->steps / 2];
		/* 6 flops per parameter per token, plus attention's 2 T x T products
		 * (computed in full) forward and twice backward */
		double flops = 6.0 * (double)p.count * (double)N +
		               12.0 * o->layers * (double)o->seq * o->embd * (double)N;
		if (o->lora_rank) /* no weight gradients: forward and the input gradients */
			flops = 4.0 * (double)p.count * (double)N + 6.0 * (double)l.count * (double)N +
			        12.0 * o->layers * (double)o->seq * o->embd * (double)N;
		json_t *j = json_pack("{s:s, s:I, s:i, s:f, s:f, s:f, s:I, s:f}", "bench", "train",
		                      "params", (json_int_t)p.count, "threads", o->threads,
		                      "median_step_s", med, "tokens_per_s", (double)N / med,
		                      "gflops", flops / med / 1e9, "peak_rss_kib",
		                      (json_int_t)bench_peak_rss_kib(), "last_loss", loss);
		double *lat = calloc((size_t)o->aborts + 1, sizeof *lat);
		size_t nl = 0;
		for (int k = 0; lat && k < o->aborts; k++) {
			struct bench_abort ba = { .delay = med * (k + 0.5) / o->aborts };
			struct hooks hk = { .abort = bench_abort_cb, .ctx = &ba };
			pthread_t th;
			if (pthread_create(&th, NULL, bench_abort_timer, &ba) != 0)
				break;
			if (train_accumulate(&t, &b, 1.0f / (float)N, &hk, &st) == STATUS_OK)
				train_step_hooks(&t, 1.0f, &hk);
			double end = monotonic_s();
			train_step_finish(&t);
			pthread_join(th, NULL);
			if (ba.set_at < end)
				lat[nl++] = end - ba.set_at;
			memset(t.g, 0, t.count * sizeof *t.g);
			t.loss_sum = 0.0;
			t.loss_count = 0;
		}
		bench_abort_report(j, lat, nl);
		double total_s = 0.0;
		for (int k = 0; k < o->steps; k++)
			total_s += times[k];
		json_object_set_new(j, "ranks", json_integer(dist_size()));
		json_object_set_new(j, "sum", json_string(how));
		json_object_set_new(j, "trained_params", json_integer((json_int_t)t.count));
		qsort(cpu, (size_t)o->steps, sizeof *cpu, bench_cmp);
		json_object_set_new(j, "cpu_s_per_step", json_real(cpu[o->steps / 2]));
		json_object_set_new(j, "lora_rank", json_integer(o->lora_rank));
		json_object_set_new(j, "base_dtype", json_string(p.frozen ? "bf16" : "f32"));
		json_object_set_new(j, "recompute", json_boolean(t.pass->recompute));
		long steps_rss = bench_hwm_kib();
		json_object_set_new(j, "setup_peak_rss_kib", json_integer(setup_rss));
		json_object_set_new(j, "steps_peak_rss_kib", json_integer(steps_rss));
		json_object_set_new(j, "peak_rss_kib",
		                    json_integer(steps_rss > setup_rss ? steps_rss : setup_rss));
		json_object_set_new(j, "allreduce_share", json_real(total_s > 0 ? reduce_s / total_s : 0));
		if (bench_phases(j, ph, o->steps, &st) != STATUS_OK) {
			cli_error("%s", st.msg);
			rc = CLI_FAIL;
		}
		free(lat);
		bench_report(o, j);
	}
	train_free(&t);
	lora_free(&l);
	free(tok);
	free(tgt);
	free(times);
	free(cpu);
	free(ph);
	model_params_free(&p);
	return rc;
}

struct bench_gen {
	double first;  /* when the first token (the prefill's) arrived */
	size_t seen;
};

static int bench_on_token(void *ctx, size_t seq, int token)
{
	(void)seq; (void)token;
	struct bench_gen *g = ctx;
	if (g->seen++ == 0)
		g->first = monotonic_s();
	return 0;
}

static double bench_read_per_token(const struct model_params *p);
static double bench_read_gb_s(int mib);

/* Flops of one decoded token at n cached positions: 2 a weight read, and the
 * scores and weighted values of every head over the positions. */
static double bench_token_flops(const struct model_params *p, double n)
{
	struct model_dims d;
	model_dims(&p->cfg, &d);
	return 2.0 * bench_read_per_token(p) + 4.0 * (double)(d.L * d.NH * d.D) * n;
}

/* The roofline of a decoding step of B rows at n cached positions: its
 * time is at least the larger of its reads from memory (every weight once,
 * in its format, and each row's KV cache) at the read bandwidth and its
 * flops at the kernel's peak, so the ceiling is flops / that time. At batch
 * 1 that is the bandwidth ceiling; at batch 32 a step sits near the ridge
 * point, where the two times are close. */
static void bench_roofline(json_t *j, const struct model_params *p, const struct bench_opts *o,
                           double read_gb_s, double peak, double gflop_s)
{
	struct model_dims d;
	model_dims(&p->cfg, &d);
	double n = (double)o->seq + 0.5 * (double)o->new_tokens, B = (double)o->batch;
	double per_weight = o->weights == DECODER_BF16   ? 2.0
	                    : o->weights == DECODER_INT8 ? 1.0 + 4.0 / 32.0 /* and a scale a group */
	                                                 : 4.0;
	double wbytes = per_weight * bench_read_per_token(p);
	double kvbytes = B * (double)(d.L * 2 * d.NKV * d.D) * n *
	                 (decoder_kv_bf16((enum decoder_dtype)o->weights) ? 2.0 : 4.0);
	double flops = B * bench_token_flops(p, n);
	double t_mem = read_gb_s > 0 ? (wbytes + kvbytes) / (read_gb_s * 1e9) : 0.0;
	double t_alu = peak > 0 ? flops / (peak * 1e9) : 0.0;
	double t = t_mem > t_alu ? t_mem : t_alu, roof = t > 0 ? flops / t / 1e9 : 0.0;
	json_object_set_new(j, "read_gb_s", json_real(read_gb_s));
	json_object_set_new(j, "step_weight_bytes", json_real(wbytes));
	json_object_set_new(j, "step_kv_bytes", json_real(kvbytes));
	json_object_set_new(j, "step_memory_ms", json_real(1e3 * t_mem));
	json_object_set_new(j, "step_arithmetic_ms", json_real(1e3 * t_alu));
	json_object_set_new(j, "roofline_gflop_s", json_real(roof));
	json_object_set_new(j, "roofline_bound", json_string(t_mem > t_alu ? "memory" : "arithmetic"));
	json_object_set_new(j, "share_of_roofline", json_real(roof > 0 ? gflop_s / roof : 0.0));
}

static int bench_generate(const struct bench_opts *o)
{
	struct status st = STATUS_INIT;
	struct model_params p;
	struct decoder_weights wb = { 0 };
	if (o->model) {
		/* as ric generate opens it: BF16 files straight into BF16 weights */
		if ((o->weights == DECODER_F32 ? checkpoint_load(o->model, &p, NULL, &st)
		                               : checkpoint_load_decoding(o->model, &p, &wb, o->weights,
		                                                          NULL, &st)) != STATUS_OK) {
			cli_error("%s", st.msg);
			return CLI_FAIL;
		}
		if ((size_t)o->seq + (size_t)o->new_tokens > (size_t)p.cfg.n_positions) {
			cli_error("--seq + --new-tokens exceeds the model's context %d", p.cfg.n_positions);
			decoder_weights_free(&wb);
			model_params_free(&p);
			return CLI_FAIL;
		}
	} else if (bench_model(o, &p, &st) != 0) {
		cli_error("%s", st.msg[0] ? st.msg : "out of memory");
		return CLI_FAIL;
	}
	size_t B = (size_t)o->batch, S = (size_t)o->seq, vocab = (size_t)p.cfg.vocab_size;
	int *tok = malloc(B * S * sizeof *tok);
	const int **prompts = malloc(B * sizeof *prompts);
	size_t *lens = malloc(B * sizeof *lens);
	struct generate_output *out = calloc(B, sizeof *out);
	if (!tok || !prompts || !lens || !out) {
		cli_error("out of memory");
		free(tok); free(prompts); free(lens); free(out);
		decoder_weights_free(&wb);
		model_params_free(&p);
		return CLI_FAIL;
	}
	struct rng r;
	rng_seed(&r, 7);
	for (size_t i = 0; i < B * S; i++)
		tok[i] = (int)rng_below(&r, (uint64_t)vocab);
	for (size_t b = 0; b < B; b++) {
		prompts[b] = tok + b * S;
		lens[b] = S;
	}
	struct bench_gen g = { 0 };
	struct generate_params gp = GENERATE_DEFAULTS;
	gp.max_new = (size_t)o->new_tokens;
	gp.sampling = (struct sampler_params){ .temperature = 1.0f, .top_k = 0, .top_p = 1.0f };
	gp.on_token = bench_on_token;
	gp.ctx = &g;
	if (o->weights != DECODER_F32 && !o->model) {
		if (decoder_weights_init(&wb, &p, (enum decoder_dtype)o->weights, &st) != STATUS_OK) {
			cli_error("%s", st.msg);
			free(tok); free(prompts); free(lens); free(out);
			model_params_free(&p);
			return CLI_FAIL;
		}
	}
	if (o->weights != DECODER_F32)
		gp.weights = &wb;
	/* the ceiling of the kernel that serves these weights, measured now */
	struct cpu_peak pk;
	cpu_peak_measure(&pk);
	double peak = o->weights == DECODER_BF16 ? pk.bf16 : o->weights == DECODER_INT8 ? pk.int8
	                                                                                 : pk.f32;
	const char *peak_how = o->weights == DECODER_BF16   ? pk.bf16_how
	                       : o->weights == DECODER_INT8 ? pk.int8_how
	                                                    : pk.f32_how;
	double read_gb_s = bench_read_gb_s(o->mib); /* and the read bandwidth, for the roofline */
	double t0 = monotonic_s();
	enum status_code sc = generate(&p, prompts, lens, B, &gp, NULL, out, &st);
	double t1 = monotonic_s();
	int rc = CLI_OK;
	if (sc != STATUS_OK) {
		cli_error("%s", st.msg);
		rc = CLI_FAIL;
	} else {
		size_t made = 0;
		for (size_t b = 0; b < B; b++)
			made += out[b].n;
		double decode_s = t1 - g.first;
		double per_s = made > B && decode_s > 0 ? (double)(made - B) / decode_s : 0.0;
		json_t *j = json_pack("{s:s, s:I, s:i, s:i, s:s, s:f, s:f, s:f, s:I}", "bench",
		                      "generate", "params", (json_int_t)p.count, "threads", o->threads,
		                      "batch", o->batch, "weights",
		                      decoder_dtype_name((enum decoder_dtype)o->weights),
		                      "prefill_s", g.first - t0, "decode_s", decode_s,
		                      "tokens_per_s", per_s, "peak_rss_kib",
		                      (json_int_t)bench_peak_rss_kib());
		generate_output_free(out, B);
		double *lat = calloc((size_t)o->aborts + 1, sizeof *lat), prefill_s = g.first - t0;
		size_t nl = 0;
		for (int k = 0; lat && k < o->aborts; k++) {
			struct bench_abort ba = { .delay = prefill_s + decode_s * (k + 0.5) / o->aborts };
			struct hooks hk = { .abort = bench_abort_cb, .ctx = &ba };
			pthread_t th;
			if (pthread_create(&th, NULL, bench_abort_timer, &ba) != 0)
				break;
			g.seen = 0;
			generate(&p, prompts, lens, B, &gp, &hk, out, &st);
			double end = monotonic_s();
			pthread_join(th, NULL);
			if (ba.set_at < end)
				lat[nl++] = end - ba.set_at;
			generate_output_free(out, B);
		}
		bench_abort_report(j, lat, nl);
		free(lat);
		/* the decoded tokens see S + 1 .. S + N - 1 positions */
		double gflop_s = per_s * bench_token_flops(&p, (double)S + 0.5 * (double)o->new_tokens) / 1e9;
		json_object_set_new(j, "model_gflop_s", json_real(gflop_s));
		json_object_set_new(j, "peak_gflop_s", json_real(peak));
		json_object_set_new(j, "peak_kernel", json_string(peak_how));
		json_object_set_new(j, "share_of_peak", json_real(peak > 0 ? gflop_s / peak : 0.0));
		json_object_set_new(j, "weights_per_token", json_real(bench_read_per_token(&p)));
		bench_roofline(j, &p, o, read_gb_s, peak, gflop_s);
		bench_report(o, j);
	}
	decoder_weights_free(&wb);
	free(tok);
	free(prompts);
	free(lens);
	free(out);
	model_params_free(&p);
	return rc;
}

struct bench_read {
	const float *buf;
	float sum; /* read back by no one: the pool's calls keep the loads */
	size_t part;
};

static void bench_read_part(void *ctx, size_t lo, size_t hi)
{
	struct bench_read *r = ctx;
	float s = vmath_stream_sum(r->buf + lo * r->part, (hi - lo) * r->part);
	__atomic_fetch_add((uint32_t *)(void *)&r->sum, (uint32_t)(s != 0.0f), __ATOMIC_RELAXED);
}

/* sgemm GFLOP/s of one BLIS context over the forward products of a training step:
 * rows x (C -> 3C, C -> C, C -> 4C, 4C -> C, C -> V). */
static double bench_blas_one(const struct bench_opts *o, void *cntx, const float *a,
                             const float *b, float *c)
{
	size_t C = (size_t)o->embd, N = (size_t)o->batch * (size_t)o->seq;
	size_t shapes[5][2] = { { C, 3 * C }, { C, C }, { C, 4 * C }, { 4 * C, C },
	                        { C, (size_t)o->vocab } };
	double flops = 0.0, t0 = monotonic_s();
	int reps = 0;
	do { /* at least 3 passes and 0.5 s */
		for (int s = 0; s < 5; s++) {
			kernels_sgemm_on(cntx, N, shapes[s][1], shapes[s][0], a, b, c);
			flops += 2.0 * (double)N * (double)shapes[s][0] * (double)shapes[s][1];
		}
		reps++;
	} while (reps < 2 || monotonic_s() - t0 < 0.3);
	return flops / (monotonic_s() - t0) / 1e9;
}

static int bench_blas(const struct bench_opts *o)
{
	size_t C = (size_t)o->embd, N = (size_t)o->batch * (size_t)o->seq;
	size_t wide = (size_t)o->vocab > 4 * C ? (size_t)o->vocab : 4 * C, nb = C * wide;
	float *a = malloc(N * 4 * C * sizeof *a), *b = malloc(nb * sizeof *b),
	      *c = malloc(N * wide * sizeof *c);
	if (!a || !b || !c) {
		free(a), free(b), free(c);
		cli_error("out of memory");
		return CLI_FAIL;
	}
	struct rng r;
	rng_seed(&r, 1);
	for (size_t i = 0; i < N * 4 * C; i++)
		a[i] = rng_normal(&r);
	for (size_t i = 0; i < nb; i++)
		b[i] = 0.02f * rng_normal(&r);
	memset(c, 0, N * wide * sizeof *c); /* its pages faulted in before any timing */
	const struct cpu_info *ci = cpu_info();
	json_t *j = json_pack("{s:s, s:i, s:i, s:s, s:s}", "bench", "blas", "threads",
	                      o->threads, "rows", (int)N, "chosen", ci->blis_name, "own",
	                      ci->blis_own);
	/* the chosen context, BLIS's own (NULL) and every other this CPU runs,
	 * taking turns for 3 rounds, each its best round: a machine busy with
	 * other work slows them alike */
	enum { MAXC = 8 };
	void *cx[MAXC] = { ci->blis_cntx, NULL };
	const char *name[MAXC] = { "chosen", "own" };
	double g[MAXC] = { 0 };
	int n = ci->blis_cntx ? 2 : 1;
	for (int i = 0; i < cpu_blis_count() && n < MAXC; i++)
		if (cpu_blis_lookup(i) && cpu_blis_lookup(i) != ci->blis_cntx)
			cx[n] = cpu_blis_lookup(i), name[n++] = cpu_blis_name(i);
	for (int round = 0; round < 3; round++)
		for (int i = 0; i < n; i++) {
			double v = bench_blas_one(o, cx[i], a, b, c);
			if (v > g[i])
				g[i] = v;
		}
	double best = 0.0;
	for (int i = 0; i < n; i++) {
		char key[64];
		snprintf(key, sizeof key, "%s_gflop_s", name[i]);
		json_object_set_new(j, key, json_real(g[i]));
		if (g[i] > best)
			best = g[i];
	}
	if (n == 1) /* BLIS's own is the chosen one */
		json_object_set_new(j, "own_gflop_s", json_real(g[0]));
	char key[64]; /* the chosen one under its own name too */
	snprintf(key, sizeof key, "%s_gflop_s", ci->blis_name);
	json_object_set_new(j, key, json_real(g[0]));
	double chosen = g[0];
	json_object_set_new(j, "best_gflop_s", json_real(best));
	json_object_set_new(j, "chosen_share_of_best", json_real(chosen / best));
	free(a), free(b), free(c);
	bench_report(o, j);
	return CLI_OK;
}

/* Read bandwidth of this machine on the engine's threads, and what it
 * allows decoding one sequence of the given shape. */
/* ric bench save DIR: the random model as a checkpoint. */
static int bench_save(const struct bench_opts *o, const char *dir)
{
	struct status st = STATUS_INIT;
	struct model_params p;
	if (bench_model(o, &p, &st) != 0) {
		cli_error("%s", st.msg[0] ? st.msg : "out of memory");
		return CLI_FAIL;
	}
	struct checkpoint_save_opts so = { .bf16 = o->weights == DECODER_BF16,
	                                   .tokenizer_dir = o->tokenizer };
	struct tokenizer *tok = NULL;
	enum status_code rc = o->tokenizer ? tokenizer_load(o->tokenizer, &tok, &st) : STATUS_OK;
	if (tok) { /* its <|endoftext|> (or none) as BOS, EOS and a reward model's pad */
		int eos = tokenizer_token_id(tok, "<|endoftext|>");
		p.cfg.bos_token_id = p.cfg.eos_token_id = eos;
		p.cfg.pad_token_id = p.cfg.num_labels > 0 ? eos : -1;
		tokenizer_free(tok);
	}
	if (rc == STATUS_OK)
		rc = checkpoint_save(dir, &p, &so, &st);
	if (rc == STATUS_OK)
		printf("%s: %zu parameters, %s\n", dir, p.count, so.bf16 ? "BF16" : "F32");
	else
		cli_error("%s", st.msg);
	model_params_free(&p);
	return rc == STATUS_OK ? CLI_OK : CLI_FAIL;
}

/* Weights a batch-1 decoding step reads, once each: every matrix, the head
 * (a tied head is the embedding), but not the rows gathered from an
 * untied token embedding or from a position embedding ([P, C]). */
static double bench_read_per_token(const struct model_params *p)
{
	struct model_dims d;
	model_dims(&p->cfg, &d);
	size_t n = model_params_describe(p, NULL);
	struct model_tensor *t = calloc(n, sizeof *t);
	if (!t)
		return 0.0;
	model_params_describe(p, t);
	double w = 0.0;
	for (size_t i = 0; i < n; i++)
		if (t[i].ndim == 2 && !((size_t)t[i].shape[0] == d.P && (size_t)t[i].shape[1] == d.C))
			w += (double)t[i].shape[0] * (double)t[i].shape[1];
	free(t);
	return model_tied_head(&p->cfg) ? w : w - (double)d.V * (double)d.C;
}

/* Read bandwidth on the pool's threads: the median of 7 passes over a
 * buffer of `mib` MiB, read as the decoding kernels read their weights; 0
 * when it cannot be allocated. */
static double bench_read_gb_s(int mib)
{
	size_t part = 1 << 16, n = (size_t)mib << 18; /* floats */
	n = (n + part - 1) / part * part;
	struct bench_read r = { .part = part };
	float *buf = malloc(n * sizeof *buf);
	if (!buf)
		return 0.0;
	for (size_t i = 0; i < n; i++)
		buf[i] = 1.0f;
	r.buf = buf;
	double t[7];
	for (int k = 0; k < 7; k++) {
		double t0 = monotonic_s();
		pool_for(n / part, 1, bench_read_part, &r);
		t[k] = monotonic_s() - t0;
	}
	qsort(t, 7, sizeof t[0], bench_cmp);
	free(buf);
	return (double)(n * sizeof *buf) / t[3] / 1e9;
}

static int bench_memory(const struct bench_opts *o)
{
	struct status st = STATUS_INIT;
	struct model_params p;
	if (bench_alloc(o, &p, &st) != 0) {
		cli_error("%s", st.msg[0] ? st.msg : "out of memory");
		return CLI_FAIL;
	}
	double mats = bench_read_per_token(&p);
	model_params_free(&p);
	double gbs = bench_read_gb_s(o->mib);
	if (gbs <= 0.0 || mats <= 0.0) {
		cli_error("cannot allocate %d MiB", o->mib);
		return CLI_FAIL;
	}
	json_t *j = json_pack("{s:s, s:i, s:i, s:f, s:f, s:f, s:f, s:f}", "bench", "memory",
	                      "threads", o->threads, "mib", o->mib, "read_gb_s", gbs,
	                      "weights_per_token", mats,
	                      "ceiling_f32_tok_s", gbs * 1e9 / (mats * 4.0),
	                      "ceiling_bf16_tok_s", gbs * 1e9 / (mats * 2.0),
	                      "ceiling_int8_tok_s", gbs * 1e9 / (mats * (1.0 + 4.0 / 32.0)));
	bench_report(o, j);
	return CLI_OK;
}

/* ric bench peak: the chosen kernels' arithmetic ceilings on the threads. */
static int bench_peak(const struct bench_opts *o)
{
	struct cpu_peak pk;
	cpu_peak_measure(&pk);
	json_t *j = json_pack("{s:s, s:i, s:f, s:s, s:f, s:s, s:f, s:s}", "bench", "peak", "threads",
	                      pk.threads, "f32_gflop_s", pk.f32, "f32_kernel", pk.f32_how,
	                      "bf16_gflop_s", pk.bf16, "bf16_kernel", pk.bf16_how, "int8_gop_s",
	                      pk.int8, "int8_kernel", pk.int8_how);
	if (!o->json) {
		printf("F32   %8.1f GFLOP/s  %s\n", pk.f32, pk.f32_how);
		printf("BF16  %8.1f GFLOP/s  %s\n", pk.bf16, pk.bf16_how);
		printf("int8  %8.1f GOP/s    %s\n", pk.int8, pk.int8_how);
	}
	bench_report(o, j);
	return CLI_OK;
}

static int bench_run(struct cli *cli, int argc, char **argv)
{
	(void)cli;
	static const struct option opts[] = {
		{ "layers", required_argument, NULL, 'L' },
		{ "heads", required_argument, NULL, 'H' },
		{ "embd", required_argument, NULL, 'C' },
		{ "vocab", required_argument, NULL, 'V' },
		{ "ctx", required_argument, NULL, 'P' },
		{ "batch", required_argument, NULL, 'B' },
		{ "seq", required_argument, NULL, 'S' },
		{ "steps", required_argument, NULL, 'n' },
		{ "new-tokens", required_argument, NULL, 'g' },
		{ "threads", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ "bf16", no_argument, NULL, 'b' },
		{ "weights", required_argument, NULL, 'w' },
		{ "abort", required_argument, NULL, 'a' },
		{ "mib", required_argument, NULL, 'i' },
		{ "arch", required_argument, NULL, 'A' },
		{ "kv-heads", required_argument, NULL, 'K' },
		{ "inner", required_argument, NULL, 'I' },
		{ "lora-rank", required_argument, NULL, 'R' },
		{ "labels", required_argument, NULL, 'l' },
		{ "tokenizer", required_argument, NULL, 'T' },
		{ "model", required_argument, NULL, 'M' },
		{ "recompute", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct bench_opts o = { .layers = 12, .heads = 12, .embd = 768, .vocab = 50257,
	                        .ctx = 1024, .batch = 4, .seq = 64, .steps = 5,
	                        .new_tokens = 32, .threads = 1, .mib = 256, .recompute = -1 };
	int c, exit_rc;
	while ((c = cli_next_option(&cmd_bench, argc, argv, "h", opts, &exit_rc)) != -1) {
		int *field = NULL;
		switch (c) {
		case 'L': field = &o.layers; break;
		case 'H': field = &o.heads; break;
		case 'C': field = &o.embd; break;
		case 'V': field = &o.vocab; break;
		case 'P': field = &o.ctx; break;
		case 'B': field = &o.batch; break;
		case 'S': field = &o.seq; break;
		case 'n': field = &o.steps; break;
		case 'g': field = &o.new_tokens; break;
		case 't': field = &o.threads; break;
		case 'a': field = &o.aborts; break;
		case 'i': field = &o.mib; break;
		case 'K': field = &o.kv_heads; break;
		case 'I': field = &o.inner; break;
		case 'R': field = &o.lora_rank; break;
		case 'l': field = &o.labels; break;
		case 'T': o.tokenizer = optarg; break;
		case 'A': o.arch = optarg; break;
		case 'M': o.model = optarg; break;
		case 'j': o.json = 1; break;
		case 'r':
			if (strcmp(optarg, "on") != 0 && strcmp(optarg, "off") != 0)
				return cli_bad_usage(&cmd_bench, "--recompute is on or off, not '%s'", optarg);
			o.recompute = strcmp(optarg, "on") == 0;
			break;
		case 'b': o.weights = DECODER_BF16; break;
		case 'w':
			if ((o.weights = decoder_dtype_parse(optarg)) < 0)
				return cli_bad_usage(&cmd_bench, "--weights is f32, bf16 or int8, not '%s'",
				                     optarg);
			break;
		case CLI_OPT_EXIT: return exit_rc;
		}
		if (field) {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (*end || v <= 0 || v > 1000000)
				return cli_bad_usage(&cmd_bench, "%s wants a positive number, not '%s'",
				                     argv[optind - 2 >= 0 ? optind - 2 : 0], optarg);
			*field = (int)v;
		}
	}
	if (optind < argc && strcmp(argv[optind], "save") == 0) {
		if (optind + 2 != argc)
			return cli_bad_usage(&cmd_bench, "save wants one folder");
	} else if (optind + 1 != argc)
		return cli_bad_usage(&cmd_bench, "say 'train', 'generate', 'memory', 'blas', 'peak' or 'save'");
	if (o.arch && !model_family_find(o.arch))
		return cli_bad_usage(&cmd_bench, "--arch is one of %s, not '%s'", model_family_types(),
		                     o.arch);
	if (o.embd % o.heads)
		return cli_bad_usage(&cmd_bench, "--embd %d is not divisible by --heads %d", o.embd,
		                     o.heads);
	kernels_set_threads(o.threads);
	const char *what = argv[optind];
	if (o.model && strcmp(what, "generate") != 0)
		return cli_bad_usage(&cmd_bench, "--model is for 'generate' only");
	if (o.arch && strcmp(o.arch, "dit") == 0 && strcmp(what, "train") != 0)
		return cli_bad_usage(&cmd_bench, "--arch dit times training only ('train')");
	if (strcmp(what, "train") == 0) {
		if (o.seq > o.ctx)
			return cli_bad_usage(&cmd_bench, "--seq %d exceeds --ctx %d", o.seq, o.ctx);
		if (o.weights == DECODER_INT8 || (o.weights == DECODER_BF16 && !o.lora_rank))
			return cli_bad_usage(&cmd_bench, "train --weights bf16 is a frozen base: give "
			                     "--lora-rank");
		return bench_train(&o);
	}
	if (strcmp(what, "generate") == 0) {
		if (o.seq + o.new_tokens > o.ctx && !o.model)
			return cli_bad_usage(&cmd_bench, "--seq + --new-tokens exceeds --ctx %d", o.ctx);
		return bench_generate(&o);
	}
	if (strcmp(what, "memory") == 0)
		return bench_memory(&o);
	if (strcmp(what, "blas") == 0)
		return bench_blas(&o);
	if (strcmp(what, "peak") == 0)
		return bench_peak(&o);
	if (strcmp(what, "save") == 0) {
		if (o.weights == DECODER_INT8)
			return cli_bad_usage(&cmd_bench, "save writes f32 or bf16");
		return bench_save(&o, argv[optind + 1]);
	}
	return cli_bad_usage(&cmd_bench, "unknown benchmark '%s' (train, generate, memory, blas, peak or save)",
	                     what);
}
