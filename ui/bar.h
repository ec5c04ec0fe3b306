/* bar: horizontal bars (reward bars, slider bars) and progress with ETA.
 *
 *   char b[128];
 *   bar_render(0.45, 10, 1, b, sizeof b);     // "████▌     " (10 columns)
 *   bar_render(0.45, 10, 0, b, sizeof b);     // "####+     "
 *   progress_render(0.45, 192.0, 30, 1, b, sizeof b); // "████▌       45% ETA 3m12s"
 *   bar_duration(192.0, b, sizeof b);         // "3m12s"
 *
 * UTF-8 bars use the eighth blocks (U+2589..U+258F) for sub-cell precision;
 * ASCII bars use '#' for full cells and '+' for a cell at least half full.
 * Fractions are clamped to 0..1; NaN draws an empty bar.
 */
#ifndef RIC_UI_BAR_H
#define RIC_UI_BAR_H

#include <stddef.h>

/* A bar exactly `width` columns wide (filled part, then `track` glyphs:
 * bar_render uses spaces). Returns buf. */
const char *bar_render(double frac, int width, int utf8, char *buf, size_t len);
const char *bar_render_track(double frac, int width, int utf8, const char *track, char *buf,
                             size_t len);

/* "45s", "3m12s", "1h05m", "2d03h"; "--" when negative or not finite. */
const char *bar_duration(double seconds, char *buf, size_t len);

/* "[bar]   45% ETA 3m12s" in `width` columns: the text takes a fixed
 * PROGRESS_TEXT_W columns (right-aligned), the bar the rest, so one width
 * gives one bar width whatever the ETA; below PROGRESS_MIN_BAR bar columns
 * only the percent is shown. frac < 0 (unknown) shows "  ?%" and an empty
 * bar; eta < 0 omits the ETA. */
#define PROGRESS_TEXT_W 15
#define PROGRESS_MIN_BAR 8
const char *progress_render(double frac, double eta_s, int width, int utf8, char *buf, size_t len);

#endif
