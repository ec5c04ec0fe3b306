/* ric dataset import-images (src/cmd_dataset_images.c) and pair-images
 * (src/cmd_dataset_pairs.c), subcommands of ric dataset: their options,
 * help and signal flag are cmd_dataset's. */
#ifndef RIC_SRC_CMD_DATASET_IMAGES_H
#define RIC_SRC_CMD_DATASET_IMAGES_H

#include <signal.h>

#include "src/cli.h"
#include "src/cli_store.h"

/* argv[0] is "import-images" (PNG files or folders) or "import-image-pairs"
 * (one JSON Lines file naming chosen and rejected PNGs); *stop is set (to
 * the signal) by the caller's handlers, and the import stops between images
 * and removes its rows. */
int dataset_import_images(const struct cli_command *cmd, struct cli *cli, int argc, char **argv,
                          volatile sig_atomic_t *stop);

/* argv[0] is "pair-images" (src/cmd_dataset_pairs.c): pairs of an image
 * dataset's rows ranked by one of its objectives, stored as a new dataset. */
int dataset_pair_images(const struct cli_command *cmd, struct cli *cli, int argc, char **argv);

#endif
