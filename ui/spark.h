/* spark: sparklines, a series of values as one line of bar glyphs.
 *
 *   double loss[] = { 3.1, 2.7, 2.2, 2.0, 1.9 };
 *   char buf[256];
 *   spark_render(loss, 5, 5, 1, buf, sizeof buf);   // "█▆▃▁▁" (UTF-8)
 *   spark_render(loss, 5, 5, 0, buf, sizeof buf);   // "#+,._" (ASCII)
 *
 * Values are scaled between their min and max (a flat series sits in the
 * middle). With more values than columns, each column shows the mean of its
 * share of the values, so the whole history stays visible. NaN values are
 * skipped (a column with none is blank).
 */
#ifndef RIC_UI_SPARK_H
#define RIC_UI_SPARK_H

#include <stddef.h>

/* At most `width` columns (fewer when there are fewer values). Returns buf. */
const char *spark_render(const double *v, size_t n, int width, int utf8, char *buf, size_t len);

#endif
