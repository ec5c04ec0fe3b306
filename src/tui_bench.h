/* tui_bench: `ric-tui --bench CHECKPOINT`: how fast the Steer screen answers,
 * measured through the same app, worker and drawing code as the screen
 * (curses draws into a terminal whose output is discarded).
 *
 *   return tui_bench_run("share/demo/policy", 10, DECODER_BF16, stdout);
 *
 * Figures: slider move -> first new token drawn (ms), and 4 samples x 48
 * tokens finished (ms, EOS held off so every sample makes all 48 tokens),
 * each as the median and worst of `reps` tries, with the thread count. On
 * an image model: slider move -> the first refined preview drawn (the x0
 * estimates after the first DDIM step), and 4 images of 20 DDIM steps
 * finished.
 */
#ifndef RIC_SRC_TUI_BENCH_H
#define RIC_SRC_TUI_BENCH_H

#include <stdio.h>

#include "engine/decoder.h"

/* 0, or 1 with a message on out. */
int tui_bench_run(const char *ckpt, int reps, enum decoder_dtype weights, FILE *out);

#endif
