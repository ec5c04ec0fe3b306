/* demo: the bundled demo, registered in a fresh default store so that the
 * first `ric runs` or ric-tui shows its runs, checkpoints, dataset and
 * evaluation fronts without any set-up.
 *
 *   int fresh = access(path, F_OK) != 0;          // before store_open creates it
 *   store_open(path, STORE_CREATE, &s, &err);
 *   if (fresh && is_default_store)
 *       demo_register(s, paths_datadir(), stderr); // one line on what it did
 *
 * DATADIR/demo/demo.db holds the runs and results (no corpus text); the
 * dataset's texts are rebuilt from the installed Debian packages at build
 * time (demo/rows.jsonl) and matched by their SHA-256, recorded as the import
 * run's parameter rows_sha256. DATADIR/demo/image/image.db, the image demo
 * (issue 20: a RiC DiT on the Tango icons), goes in first and the text demo
 * after it, its ids moved past the image demo's (store_seed_add), so that the
 * text demo's runs are the newest. The image demo's dataset pictures come
 * from `make demo-images`, not from the store; its evaluation pictures
 * (PNGs in DATADIR/demo/image/pictures/RUN-NAME) are copied beside the new
 * store into their runs' files folders (store_run_files_adopt), so Front
 * shows them and removing a run removes the copies alone. Problems are
 * reported on `log` and never fail the command that opened the store.
 */
#ifndef RIC_SRC_DEMO_H
#define RIC_SRC_DEMO_H

#include "store/store.h"

#include <stdio.h>

/* 1 when a demo was registered, 0 when there is none to register, -1 on a problem. */
int demo_register(struct store *s, const char *datadir, FILE *log);

/* Where the demo's rows file is: DATADIR/demo/rows.jsonl when installed,
 * else the build tree's demo/rows.jsonl; NULL when neither exists. */
char *demo_rows_file(const char *datadir);

#endif
