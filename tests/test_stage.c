/* src/sha256 (hex over Nettle) and src/stage_state: digests with known answers, and training
 * state that comes back exactly as it was saved. */
#include "config.h"

#include "tests/harness.h"
#include "tests/gpt2_util.h"
#include "src/sha256.h"
#include "src/stage_state.h"
#include "engine/init.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Through Nettle's context in uneven pieces, so its block buffering is
 * exercised, and our hex on top. */
static void digest_hex(const void *data, size_t n, char out[SHA256_HEX_SIZE])
{
	struct sha256_ctx c;
	sha256_init(&c);
	size_t off = 0, piece = 1;
	while (off < n) {
		size_t take = n - off < piece ? n - off : piece;
		sha256_update(&c, take, (const uint8_t *)data + off);
		off += take;
		piece = piece * 3 + 1;
	}
	sha256_hex(&c, out);
}

START_TEST(sha256_known_answers)
{
	char hex[SHA256_HEX_SIZE];
	digest_hex("", 0, hex);
	ck_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	digest_hex("abc", 3, hex);
	ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	digest_hex(two, strlen(two), hex);
	ck_assert_str_eq(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	char *million = malloc(1000000);
	ck_assert_ptr_nonnull(million);
	memset(million, 'a', 1000000);
	digest_hex(million, 1000000, hex);
	ck_assert_str_eq(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");

	char path[] = "/tmp/ric-sha-XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, million, 1000000), 1000000);
	close(fd);
	ck_assert_int_eq(sha256_file(path, hex), 0);
	ck_assert_str_eq(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	unlink(path);
	ck_assert_int_eq(sha256_file(path, hex), -1);
	free(million);
}
END_TEST

START_TEST(state_round_trip)
{
	char dir[] = "/tmp/ric-state-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char ck[64];
	snprintf(ck, sizeof ck, "%s/checkpoint-3", dir);

	struct status st = STATUS_INIT;
	struct model_config cfg = gpt2_util_tiny(0);
	struct model_params p;
	ck_assert_int_eq(model_params_alloc(&p, &cfg, &st), STATUS_OK);
	struct stage_state ss = { .step = 3 };
	rng_seed(&ss.rng, 99);
	init_gpt2(&p, &ss.rng, 0.02f);
	(void)rng_normal(&ss.rng); /* leave a spare normal in the state */
	struct optim_config oc = OPTIM_DEFAULTS;
	struct optim o;
	ck_assert_int_eq(optim_init(&o, &p, &oc, &st), STATUS_OK);
	for (size_t i = 0; i < o.count; i++) {
		o.m[i] = (float)i * 1e-3f;
		o.v[i] = (float)i * 1e-6f;
	}
	o.step = 3;
	ss.extra = json_pack("{s:i}", "pos", 17);
	ck_assert_int_eq(stage_state_save(ck, &p, NULL, &o, &ss, &st), STATUS_OK);
	/* Saving again over the folder replaces it whole. */
	ck_assert_int_eq(stage_state_save(ck, &p, NULL, &o, &ss, &st), STATUS_OK);
	ck_assert(stage_state_exists(ck));

	struct model_params q;
	struct stage_state back;
	ck_assert_int_eq(stage_state_load_model(ck, &q, &back, &st), STATUS_OK);
	ck_assert_int_eq(back.step, 3);
	ck_assert_int_eq(memcmp(back.rng.s, ss.rng.s, sizeof ss.rng.s), 0);
	ck_assert_int_eq(back.rng.has_spare, ss.rng.has_spare);
	ck_assert(back.rng.spare == ss.rng.spare);
	ck_assert_int_eq(rng_next(&back.rng), rng_next(&ss.rng));
	ck_assert_int_eq(json_integer_value(json_object_get(back.extra, "pos")), 17);
	ck_assert_uint_eq(q.count, p.count);
	ck_assert_int_eq(memcmp(q.mem, p.mem, p.count * sizeof *p.mem), 0);
	struct optim o2;
	ck_assert_int_eq(optim_init(&o2, &q, &oc, &st), STATUS_OK);
	ck_assert_int_eq(stage_state_load_optim(ck, &o2, &st), STATUS_OK);
	ck_assert_int_eq(o2.step, 3);
	ck_assert_int_eq(memcmp(o2.m, o.m, o.count * sizeof *o.m), 0);
	ck_assert_int_eq(memcmp(o2.v, o.v, o.count * sizeof *o.v), 0);

	/* A checkpoint without optimizer state names the missing file. */
	char opt[96];
	snprintf(opt, sizeof opt, "%s/optimizer.safetensors", ck);
	unlink(opt);
	ck_assert_int_ne(stage_state_load_optim(ck, &o2, &st), STATUS_OK);
	ck_assert_ptr_nonnull(strstr(st.msg, "optimizer.safetensors"));

	optim_free(&o);
	optim_free(&o2);
	json_decref(ss.extra);
	json_decref(back.extra);
	model_params_free(&p);
	model_params_free(&q);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

Suite *harness_suite(void)
{
	Suite *s = suite_create("stage");
	harness_add(s, "sha256", sha256_known_answers, NULL);
	harness_add(s, "state", state_round_trip, NULL);
	return s;
}
