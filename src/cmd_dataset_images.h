/* ric dataset import-images (src/cmd_dataset_images.c), a subcommand of
 * ric dataset: its options, help and signal flag are cmd_dataset's. */
#ifndef RIC_SRC_CMD_DATASET_IMAGES_H
#define RIC_SRC_CMD_DATASET_IMAGES_H

#include <signal.h>

#include "src/cli.h"
#include "src/cli_store.h"

/* argv[0] is "import-images"; *stop is set (to the signal) by the caller's
 * handlers, and the import stops between images and removes its rows. */
int dataset_import_images(const struct cli_command *cmd, struct cli *cli, int argc, char **argv,
                          volatile sig_atomic_t *stop);

#endif
