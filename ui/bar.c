#include "config.h"

#include "ui/bar.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Appends s to buf[*used..len) when it fits whole (a cut UTF-8 sequence would
 * draw garbage). */
static void bar_put(char *buf, size_t len, size_t *used, const char *s)
{
	size_t n = strlen(s);
	if (*used + n < len) {
		memcpy(buf + *used, s, n);
		*used += n;
		buf[*used] = '\0';
	}
}

const char *bar_render_track(double frac, int width, int utf8, const char *track, char *buf,
                             size_t len)
{
	/* Eighths from 1/8 (U+258F) to 7/8 (U+2589). */
	static const char *const eighths[8] = { "", "\xe2\x96\x8f", "\xe2\x96\x8e", "\xe2\x96\x8d",
		                                "\xe2\x96\x8c", "\xe2\x96\x8b", "\xe2\x96\x8a",
		                                "\xe2\x96\x89" };
	size_t used = 0;
	if (!len)
		return buf;
	buf[0] = '\0';
	if (width <= 0)
		return buf;
	if (!(frac >= 0)) /* NaN too */
		frac = 0;
	if (frac > 1)
		frac = 1;
	long units = lround(frac * width * 8);
	int full = (int)(units / 8), part = (int)(units % 8);
	int col = 0;
	for (; col < full; col++)
		bar_put(buf, len, &used, utf8 ? "\xe2\x96\x88" : "#");
	if (col < width && part) {
		if (utf8)
			bar_put(buf, len, &used, eighths[part]);
		else
			bar_put(buf, len, &used, part >= 4 ? "+" : track);
		col++;
	}
	for (; col < width; col++)
		bar_put(buf, len, &used, track);
	return buf;
}

const char *bar_render(double frac, int width, int utf8, char *buf, size_t len)
{
	return bar_render_track(frac, width, utf8, " ", buf, len);
}

const char *bar_duration(double s, char *buf, size_t len)
{
	if (!(s >= 0) || !isfinite(s)) {
		snprintf(buf, len, "--");
		return buf;
	}
	long t = lround(s);
	if (t < 60)
		snprintf(buf, len, "%lds", t);
	else if (t < 3600)
		snprintf(buf, len, "%ldm%02lds", t / 60, t % 60);
	else if (t < 86400)
		snprintf(buf, len, "%ldh%02ldm", t / 3600, t % 3600 / 60);
	else
		snprintf(buf, len, "%ldd%02ldh", t / 86400, t % 86400 / 3600);
	return buf;
}

const char *progress_render(double frac, double eta_s, int width, int utf8, char *buf, size_t len)
{
	char text[64], eta[32];
	if (frac < 0 || frac != frac)
		snprintf(text, sizeof text, "  ?%%");
	else
		snprintf(text, sizeof text, "%3d%%", (int)floor((frac > 1 ? 1 : frac) * 100 + 1e-9));
	if (eta_s >= 0) {
		size_t n = strlen(text);
		snprintf(text + n, sizeof text - n, " ETA %s", bar_duration(eta_s, eta, sizeof eta));
	}
	/* The text takes a fixed width ("100% ETA 99d23h"), so bars of one width
	 * stay one width whatever their ETA says; a narrow bar keeps the percent
	 * and drops the ETA. */
	int tw = PROGRESS_TEXT_W;
	if (width - tw - 3 < PROGRESS_MIN_BAR) {
		text[4] = '\0';
		tw = 4;
	}
	char padded[64];
	snprintf(padded, sizeof padded, "%*s", tw, text);
	int bw = width - tw - 3; /* "[" bar "] " */
	size_t used = 0;
	if (!len)
		return buf;
	buf[0] = '\0';
	if (bw >= 3) {
		char b[1024];
		bar_render_track(frac < 0 ? 0 : frac, bw, utf8, utf8 ? "\xc2\xb7" : "-", b, sizeof b);
		bar_put(buf, len, &used, "[");
		bar_put(buf, len, &used, b);
		bar_put(buf, len, &used, "] ");
	}
	if (tw <= width)
		bar_put(buf, len, &used, padded);
	return buf;
}
