/* dataset: the three formats, auto-detection, gzip, and bad lines by number. */
#include "config.h"

#include "tests/harness.h"
#include "engine/dataset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static struct dataset_reader *mem(const char *text, enum dataset_format f)
{
	struct dataset_reader *r;
	struct status st = STATUS_INIT;
	ck_assert_int_eq(dataset_open_mem("t.jsonl", text, strlen(text), f, &r, &st), STATUS_OK);
	return r;
}

/* The next record, which must be there. */
static void next_ok(struct dataset_reader *r, struct dataset_record *rec)
{
	struct status st = STATUS_INIT;
	int got;
	ck_assert_msg(dataset_next(r, rec, &got, &st) == STATUS_OK, "%s", st.msg);
	ck_assert_int_eq(got, 1);
}

static void at_end(struct dataset_reader *r)
{
	struct dataset_record rec;
	struct status st = STATUS_INIT;
	int got = 1;
	ck_assert_msg(dataset_next(r, &rec, &got, &st) == STATUS_OK, "%s", st.msg);
	ck_assert_int_eq(got, 0);
}

/* The next line is bad with a message holding `want`. */
static void next_bad(struct dataset_reader *r, const char *want)
{
	struct dataset_record rec;
	struct status st = STATUS_INIT;
	int got;
	ck_assert_int_eq(dataset_next(r, &rec, &got, &st), STATUS_FORMAT);
	ck_assert_msg(strstr(st.msg, want) != NULL, "'%s' lacks '%s'", st.msg, want);
}

START_TEST(jsonl_rows_with_rewards)
{
	struct dataset_reader *r = mem(
		"\xEF\xBB\xBF{\"prompt\": \"Q\", \"response\": \"A\\nB\", \"rewards\": {\"h\": 1.5, \"k\": -2}}\r\n"
		"\n   \n"
		"{\"prompt\": \"\", \"response\": \"only\", \"extra\": [1]}", DATASET_AUTO);
	struct dataset_record rec;
	next_ok(r, &rec);
	ck_assert_int_eq(rec.kind, DATASET_JSONL);
	ck_assert_int_eq(dataset_format_of(r), DATASET_JSONL);
	ck_assert_int_eq(rec.line, 1);
	ck_assert_str_eq(rec.prompt, "Q");
	ck_assert_str_eq(rec.response, "A\nB");
	ck_assert_uint_eq(rec.n_rewards, 2);
	ck_assert_str_eq(rec.reward_name[0], "h");
	ck_assert(rec.reward_value[0] == 1.5 && rec.reward_value[1] == -2);
	next_ok(r, &rec);
	ck_assert_int_eq(rec.line, 4);
	ck_assert_str_eq(rec.prompt, "");
	ck_assert_uint_eq(rec.n_rewards, 0);
	at_end(r);
	dataset_close(r);
}
END_TEST

START_TEST(pairs_and_hh_dialogues)
{
	struct dataset_reader *r = mem("{\"prompt\": \"P\", \"chosen\": \"yes\", \"rejected\": \"no\"}\n",
	                               DATASET_AUTO);
	struct dataset_record rec;
	next_ok(r, &rec);
	ck_assert_int_eq(rec.kind, DATASET_PAIRS);
	ck_assert_str_eq(rec.chosen, "yes");
	ck_assert_str_eq(rec.rejected, "no");
	at_end(r);
	dataset_close(r);

	r = mem("{\"chosen\": \"\\n\\nHuman: hi\\n\\nAssistant: hello\\n\\nHuman: and?\\n\\nAssistant: "
	        " more\", \"rejected\": \"\\n\\nHuman: hi\\n\\nAssistant: hello\\n\\nHuman: and?"
	        "\\n\\nAssistant: go away\"}\n"
	        "{\"chosen\": \"\\n\\nHuman: a\\n\\nAssistant: b\", \"rejected\": \"\\n\\nHuman: c"
	        "\\n\\nAssistant: b\"}\n"
	        "{\"chosen\": \"no turns\", \"rejected\": \"\\n\\nHuman: a\\n\\nAssistant: b\"}\n"
	        "{\"chosen\": \"\\n\\nHuman: a\\n\\nAssistant: \", \"rejected\": \"\\n\\nHuman: a\\n\\nAssistant: b\"}\n"
	        "{\"chosen\": \"\\n\\nHuman: a\\n\\nAssistant:x\", \"rejected\": \"\\n\\nHuman: a\\n\\nAssistant: y\"}\n",
	        DATASET_AUTO);
	next_ok(r, &rec);
	ck_assert_int_eq(rec.kind, DATASET_HH);
	ck_assert_str_eq(rec.prompt, "\n\nHuman: hi\n\nAssistant: hello\n\nHuman: and?\n\nAssistant:");
	/* one leading space goes, the rest of the text stays */
	ck_assert_str_eq(rec.chosen, " more");
	ck_assert_str_eq(rec.rejected, "go away");
	next_bad(r, "t.jsonl:2: the chosen and rejected dialogues differ before their last Assistant turn");
	next_bad(r, "t.jsonl:3: \"chosen\" has no \"\\n\\nAssistant:\" turn");
	next_bad(r, "t.jsonl:4: \"chosen\" has an empty last Assistant turn");
	next_ok(r, &rec);
	ck_assert_str_eq(rec.chosen, "x");
	ck_assert_str_eq(rec.prompt, "\n\nHuman: a\n\nAssistant:");
	at_end(r);
	dataset_close(r);
}
END_TEST

/* Image pairs name files; their condition may be left out, and the format
 * is only ever asked for (a line of it reads as hh-rlhf when detected). */
START_TEST(image_pairs_prompt_optional)
{
	struct dataset_reader *r = mem(
		"{\"chosen\": \"a.png\", \"rejected\": \"b.png\"}\n"
		"{\"prompt\": \"a fox\", \"chosen\": \"c.png\", \"rejected\": \"d.png\", \"split\": \"eval\"}\n"
		"{\"prompt\": 3, \"chosen\": \"c.png\", \"rejected\": \"d.png\"}\n"
		"{\"chosen\": \"c.png\", \"rejected\": \" \"}\n"
		"{\"response\": \"c.png\"}\n", DATASET_IMAGE_PAIRS);
	struct dataset_record rec;
	next_ok(r, &rec);
	ck_assert_int_eq(rec.kind, DATASET_IMAGE_PAIRS);
	ck_assert_str_eq(rec.prompt, "");
	ck_assert_str_eq(rec.chosen, "a.png");
	ck_assert_str_eq(rec.rejected, "b.png");
	ck_assert_ptr_null(rec.split);
	next_ok(r, &rec);
	ck_assert_str_eq(rec.prompt, "a fox");
	ck_assert_str_eq(rec.split, "eval");
	next_bad(r, "t.jsonl:3: \"prompt\" is not a string");
	next_bad(r, "t.jsonl:4: \"rejected\" is empty");
	next_bad(r, "t.jsonl:5: missing key \"chosen\"");
	at_end(r);
	dataset_close(r);
	enum dataset_format fmt;
	ck_assert(!dataset_format_parse("image-pairs", &fmt));
	ck_assert_str_eq(dataset_format_name(DATASET_IMAGE_PAIRS), "image-pairs");
}
END_TEST

START_TEST(bad_lines_are_named_and_skippable)
{
	struct dataset_reader *r = mem(
		"{\"prompt\": \"a\", \"response\": \"b\"\n"          /* 1: invalid JSON */
		"{\"prompt\": \"a\"}\n"                              /* 2: no format fits */
		"[1, 2]\n"                                           /* 3: not an object */
		"{\"prompt\": \"a\", \"response\": \"b\"}\n"         /* 4: good: jsonl from here */
		"{\"prompt\": \"a\", \"chosen\": \"b\", \"rejected\": \"c\"}\n" /* 5: not jsonl */
		"{\"prompt\": 3, \"response\": \"b\"}\n"             /* 6: wrong type */
		"{\"prompt\": \"a\", \"response\": \" \\t\\n\"}\n"   /* 7: empty */
		"{\"prompt\": \"a\", \"response\": \"b\xff\"}\n"     /* 8: invalid UTF-8 */
		"{\"prompt\": \"a\", \"response\": \"b\\u0000c\"}\n" /* 9: NUL */
		"{\"prompt\": \"a\", \"response\": \"b\", \"rewards\": {\"x\": \"1\"}}\n" /* 10 */
		"{\"prompt\": \"a\", \"response\": \"b\", \"prompt\": \"c\"}\n" /* 11: duplicate */
		"{\"prompt\": \"a\", \"response\": \"last\"}", DATASET_AUTO);
	next_bad(r, "t.jsonl:1: invalid JSON");
	next_bad(r, "t.jsonl:2: no format fits");
	next_bad(r, "t.jsonl:3: not a JSON object");
	struct dataset_record rec;
	next_ok(r, &rec);
	ck_assert_int_eq(rec.line, 4);
	next_bad(r, "t.jsonl:5: missing key \"response\"");
	next_bad(r, "t.jsonl:6: \"prompt\" is not a string");
	next_bad(r, "t.jsonl:7: \"response\" is empty");
	next_bad(r, "t.jsonl:8: invalid UTF-8");
	next_bad(r, "t.jsonl:9: invalid JSON");
	next_bad(r, "t.jsonl:10: reward \"x\" is not a number");
	next_bad(r, "t.jsonl:11: invalid JSON: duplicate object key");
	next_ok(r, &rec);
	ck_assert_str_eq(rec.response, "last");
	ck_assert_int_eq(rec.line, 12);
	at_end(r);
	dataset_close(r);
	/* A format given up front holds from the first line. */
	r = mem("{\"prompt\": \"a\", \"response\": \"b\"}\n", DATASET_PAIRS);
	next_bad(r, "t.jsonl:1: missing key \"chosen\"");
	dataset_close(r);
}
END_TEST

static void write_gz(const char *path, const char *text, int gz)
{
	if (gz) {
		gzFile f = gzopen(path, "wb");
		ck_assert_ptr_nonnull(f);
		ck_assert_int_eq(gzwrite(f, text, (unsigned)strlen(text)), (int)strlen(text));
		gzclose(f);
	} else {
		FILE *f = fopen(path, "wb");
		fputs(text, f);
		fclose(f);
	}
}

START_TEST(gzip_and_plain_files_and_long_lines)
{
	/* a line much longer than the read chunk, in both kinds of file */
	size_t n = 300000;
	char *line = malloc(n + 100);
	strcpy(line, "{\"prompt\": \"p\", \"response\": \"");
	size_t at = strlen(line);
	for (size_t i = 0; i < n; i++)
		line[at++] = (char)('a' + i % 26);
	strcpy(line + at, "\"}\n{\"prompt\": \"q\", \"response\": \"r\"}\n");
	for (int gz = 0; gz <= 1; gz++) {
		char path[4096];
		snprintf(path, sizeof path, "%s/rows%d.jsonl%s", harness_tmpdir(), gz, gz ? ".gz" : "");
		write_gz(path, line, gz);
		struct dataset_reader *r;
		struct status st = STATUS_INIT;
		ck_assert_int_eq(dataset_open(path, DATASET_AUTO, &r, &st), STATUS_OK);
		struct dataset_record rec;
		next_ok(r, &rec);
		ck_assert_uint_eq(strlen(rec.response), n);
		ck_assert_int_eq(rec.response[n - 1], 'a' + (int)((n - 1) % 26));
		next_ok(r, &rec);
		ck_assert_str_eq(rec.response, "r");
		ck_assert_int_eq(rec.line, 2);
		at_end(r);
		dataset_close(r);
	}
	free(line);
	/* A damaged gzip stream is an I/O error naming the file. */
	char path[4096];
	snprintf(path, sizeof path, "%s/bad.jsonl.gz", harness_tmpdir());
	write_gz(path, "{\"prompt\": \"q\", \"response\": \"r\"}\n", 1);
	FILE *f = fopen(path, "r+b");
	fseek(f, 12, SEEK_SET);
	fputs("\xff\xff\xff\xff\xff\xff", f);
	fclose(f);
	struct dataset_reader *r;
	struct status st = STATUS_INIT;
	ck_assert_int_eq(dataset_open(path, DATASET_AUTO, &r, &st), STATUS_OK);
	struct dataset_record rec;
	int got;
	ck_assert_int_eq(dataset_next(r, &rec, &got, &st), STATUS_IO);
	ck_assert_ptr_nonnull(strstr(st.msg, path));
	dataset_close(r);
	ck_assert_int_eq(dataset_open("/nonexistent/x.jsonl", DATASET_AUTO, &r, &st), STATUS_IO);
	ck_assert_ptr_nonnull(strstr(st.msg, "/nonexistent/x.jsonl"));
	enum dataset_format fmt;
	ck_assert(dataset_format_parse("hh-rlhf", &fmt) && fmt == DATASET_HH);
	ck_assert(!dataset_format_parse("csv", &fmt));
	ck_assert_str_eq(dataset_format_name(DATASET_PAIRS), "pairs");
}
END_TEST

/* Reads `path` to its end: the records before the first error, and the error. */
static size_t read_all(const char *path, struct status *st)
{
	struct dataset_reader *r;
	ck_assert_int_eq(dataset_open(path, DATASET_AUTO, &r, st), STATUS_OK);
	size_t n = 0;
	for (;;) {
		struct dataset_record rec;
		int got;
		if (dataset_next(r, &rec, &got, st) != STATUS_OK || !got)
			break;
		n++;
	}
	dataset_close(r);
	return n;
}

START_TEST(rewards_beyond_the_bound_are_bad_lines)
{
	struct dataset_reader *r = mem("{\"prompt\": \"a\", \"response\": \"b\", \"rewards\": {\"x\": 1e6}}\n"
	                               "{\"prompt\": \"a\", \"response\": \"b\", \"rewards\": {\"x\": 1e308}}\n"
	                               "{\"prompt\": \"a\", \"response\": \"b\", \"rewards\": {\"y\": -2e6}}\n",
	                               DATASET_AUTO);
	struct dataset_record rec;
	next_ok(r, &rec);
	ck_assert(rec.n_rewards == 1 && rec.reward_value[0] == 1e6);
	next_bad(r, "t.jsonl:2: reward \"x\" is 1e+308, beyond +-1e+06");
	next_bad(r, "t.jsonl:3: reward \"y\" is -2e+06, beyond +-1e+06");
	at_end(r);
	dataset_close(r);
}
END_TEST

START_TEST(truncated_gzip_is_an_error)
{
	/* 1,000 lines gzipped, then cut: what came before the cut is no whole file. */
	size_t cap = 1000 * 64, len = 0;
	char *text = malloc(cap);
	for (int i = 0; i < 1000; i++)
		len += (size_t)snprintf(text + len, cap - len,
		                        "{\"prompt\": \"q%d\", \"response\": \"r%d %d\"}\n", i, i * 7919, i);
	char path[4096], cut[4096];
	snprintf(path, sizeof path, "%s/whole.jsonl.gz", harness_tmpdir());
	write_gz(path, text, 1);
	free(text);
	struct status st = STATUS_INIT;
	ck_assert_uint_eq(read_all(path, &st), 1000);
	ck_assert_int_eq(st.code, STATUS_OK);
	FILE *f = fopen(path, "rb");
	ck_assert_ptr_nonnull(f);
	static char bytes[1 << 16];
	size_t size = fread(bytes, 1, sizeof bytes, f);
	fclose(f);
	ck_assert(size > 100 && size < sizeof bytes);
	/* cut at 30%, just before the trailer, and right after the 10-byte header */
	size_t cuts[] = { size * 3 / 10, size - 4, 10 };
	for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++) {
		snprintf(cut, sizeof cut, "%s/cut%zu.jsonl.gz", harness_tmpdir(), i);
		f = fopen(cut, "wb");
		ck_assert_uint_eq(fwrite(bytes, 1, cuts[i], f), cuts[i]);
		fclose(f);
		status_clear(&st);
		size_t n = read_all(cut, &st);
		ck_assert_msg(st.code == STATUS_IO, "cut at %zu of %zu: %zu records, '%s'", cuts[i], size,
		              n, st.msg);
		ck_assert_msg(strstr(st.msg, cut) && strstr(st.msg, "truncated"), "%s", st.msg);
		ck_assert(i == 1 || n < 1000); /* the cut before the trailer keeps every line */
	}
}
END_TEST

Suite *harness_suite(void)
{
	Suite *s = suite_create("dataset");
	harness_add(s, "formats", jsonl_rows_with_rewards, pairs_and_hh_dialogues, image_pairs_prompt_optional,
	            bad_lines_are_named_and_skippable, gzip_and_plain_files_and_long_lines, truncated_gzip_is_an_error,
	            rewards_beyond_the_bound_are_bad_lines, NULL);
	return s;
}
