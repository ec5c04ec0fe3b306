/* tui_store: ric-tui's connection to the experiment store: opened on the UI
 * thread, polled for other processes' commits (jobs writing progress, an eval
 * storing its front), and the run that samples saved from the Steer screen
 * go under.
 *
 *   struct tui_store ts;
 *   if (tui_store_open(&ts, "/home/me/.local/share/ric/store.db", STORE_MKDIR, &err) != STORE_OK) ...
 *   if (tui_store_changed(&ts)) ... reload runs, jobs, fronts ...
 *   struct tui_saved smp = { .checkpoint = dir, .prompt = p, .response = r, .n = 2, ... };
 *   tui_store_save(&ts, &smp, &id, &err);          // under one "generate" run per session
 *   tui_store_close(&ts);
 */
#ifndef RIC_SRC_TUI_STORE_H
#define RIC_SRC_TUI_STORE_H

#include <stdint.h>

#include "store/store.h"

struct tui_store {
	struct store *s;
	char *path;            /* as given; absolute when jobs are started */
	int64_t version;       /* store_data_version last seen */
	store_id session_run;  /* the generate run of this session's saved samples, 0: none yet */
	char *session_ckpt;    /* the checkpoint that run is about */
};

/* Creates the store when missing; flags may add STORE_MKDIR (the default store). */
enum store_code tui_store_open(struct tui_store *ts, const char *path, int flags,
                               struct store_err *err);
void tui_store_close(struct tui_store *ts);

/* True once after another connection committed (and on the first call). */
int tui_store_changed(struct tui_store *ts);
/* Forces the next tui_store_changed to be true (after our own writes). */
void tui_store_touch(struct tui_store *ts);

struct tui_saved {
	const char *checkpoint;  /* the RiC checkpoint that generated it */
	const char *mapping;
	const char *prompt, *response;
	int n;
	double preference[STORE_MAX_OBJ], desired[STORE_MAX_OBJ];
	double raw[STORE_MAX_OBJ], norm[STORE_MAX_OBJ];
	double temperature, top_p;
	uint64_t seed;
};

/* Stores the sample under this session's "generate" run for that checkpoint
 * (made on the first save, and again when the checkpoint changes). */
enum store_code tui_store_save(struct tui_store *ts, const struct tui_saved *smp, store_id *id,
                               struct store_err *err);

#endif
