#include "config.h"

#include "ui/spark.h"

#include <math.h>
#include <string.h>

static const char *const spark_utf8[8] = { "\xe2\x96\x81", "\xe2\x96\x82", "\xe2\x96\x83",
	                                   "\xe2\x96\x84", "\xe2\x96\x85", "\xe2\x96\x86",
	                                   "\xe2\x96\x87", "\xe2\x96\x88" };
static const char spark_ascii[8] = { '_', '.', ',', '-', '=', '+', '*', '#' };

const char *spark_render(const double *v, size_t n, int width, int utf8, char *buf, size_t len)
{
	size_t used = 0;
	if (!len)
		return buf;
	buf[0] = '\0';
	if (width <= 0 || n == 0)
		return buf;
	size_t cols = n < (size_t)width ? n : (size_t)width;
	double lo = INFINITY, hi = -INFINITY;
	for (size_t i = 0; i < n; i++) {
		if (isfinite(v[i])) {
			lo = fmin(lo, v[i]);
			hi = fmax(hi, v[i]);
		}
	}
	for (size_t c = 0; c < cols; c++) {
		size_t a = c * n / cols, b = (c + 1) * n / cols;
		double s = 0;
		size_t k = 0;
		for (size_t i = a; i < b; i++) {
			if (isfinite(v[i])) {
				s += v[i];
				k++;
			}
		}
		const char *g;
		char one[2] = { ' ', '\0' };
		if (!k) {
			g = " ";
		} else {
			int level = hi > lo ? (int)floor((s / (double)k - lo) / (hi - lo) * 7 + 0.5) : 3;
			level = level < 0 ? 0 : level > 7 ? 7 : level;
			if (utf8) {
				g = spark_utf8[level];
			} else {
				one[0] = spark_ascii[level];
				g = one;
			}
		}
		size_t gl = strlen(g);
		if (used + gl >= len)
			break;
		memcpy(buf + used, g, gl + 1);
		used += gl;
	}
	return buf;
}
