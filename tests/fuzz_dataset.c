/* Fuzz harness for the JSONL importer (engine/dataset.h; see tests/fuzz.h):
 * the input is a file of any of the text formats, read with auto-detection,
 * bad lines skipped as `ric dataset import --skip-bad` does; the same bytes
 * are then read as the image-pairs format `ric dataset import-image-pairs`
 * asks for (its acceptance is not the verdict, its invariants are held). */
#include "config.h"

#include "tests/fuzz.h"
#include "engine/dataset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void fuzz_text(const char *s, int nonblank)
{
	if (!s)
		abort();
	if (nonblank && strspn(s, " \t\r\n") == strlen(s))
		abort();
}

static int fuzz_read(const uint8_t *data, size_t size, enum dataset_format format)
{
	size_t lines = 1;
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	struct dataset_reader *r;
	struct status st = STATUS_INIT;
	if (dataset_open_mem("fuzz", (const char *)data, size, format, &r, &st) != STATUS_OK)
		abort();
	int all_good = 1;
	size_t last = 0;
	for (;;) {
		struct dataset_record rec;
		int got;
		status_clear(&st);
		enum status_code rc = dataset_next(r, &rec, &got, &st);
		if (rc == STATUS_FORMAT) {
			fuzz_check_message(&st, "fuzz");
			all_good = 0;
			continue;
		}
		if (rc != STATUS_OK)
			abort();
		if (!got)
			break;
		if (rec.line <= last || rec.line > lines || rec.kind != dataset_format_of(r))
			abort();
		last = rec.line;
		fuzz_text(rec.prompt, 0);
		if (rec.kind == DATASET_JSONL) {
			fuzz_text(rec.response, 1);
			for (size_t i = 0; i < rec.n_rewards; i++)
				if (!rec.reward_name[i][0])
					abort();
		} else {
			fuzz_text(rec.chosen, 1);
			fuzz_text(rec.rejected, 1);
			if (rec.kind == DATASET_HH) {
				size_t pl = strlen(rec.prompt);
				if (pl < 12 || strcmp(rec.prompt + pl - 12, "\n\nAssistant:") != 0)
					abort();
			}
		}
	}
	dataset_close(r);
	return all_good && last > 0;
}

int fuzz_accepts(const uint8_t *data, size_t size)
{
	fuzz_read(data, size, DATASET_IMAGE_PAIRS);
	return fuzz_read(data, size, DATASET_AUTO);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_accepts(data, size);
	return 0;
}
