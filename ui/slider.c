#include "config.h"

#include "ui/slider.h"

#include "ui/bar.h"
#include "ui/draw.h"
#include "ui/theme.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static int slider_is_locked(const int *locked, size_t i)
{
	return locked && locked[i];
}

double slider_max(const double *w, const int *locked, size_t n, size_t i)
{
	double l = 0;
	for (size_t j = 0; j < n; j++)
		if (j != i && slider_is_locked(locked, j))
			l += w[j];
	return l < 1 ? 1 - l : 0;
}

int slider_set(double *w, const int *locked, size_t n, size_t i, double v)
{
	if (i >= n)
		return -1;
	double max = slider_max(w, locked, n, i);
	size_t nfree = 0;
	double free_sum = 0;
	for (size_t j = 0; j < n; j++) {
		if (j != i && !slider_is_locked(locked, j)) {
			nfree++;
			free_sum += w[j] > 0 ? w[j] : 0;
		}
	}
	if (slider_is_locked(locked, i) || nfree == 0) {
		/* Nothing else can give or take weight: keep the sum whole. */
		if (!slider_is_locked(locked, i))
			w[i] = max;
		return -1;
	}
	if (!(v >= 0)) /* NaN too */
		v = 0;
	if (v > max)
		v = max;
	double rest = max - v;
	/* Share `rest` among the free weights in proportion, the last one taking
	 * the remainder so the sum is exact up to one rounding. */
	size_t last = n;
	double given = 0;
	for (size_t j = 0; j < n; j++) {
		if (j == i || slider_is_locked(locked, j))
			continue;
		last = j;
	}
	for (size_t j = 0; j < n; j++) {
		if (j == i || slider_is_locked(locked, j))
			continue;
		if (j == last) {
			double r = rest - given;
			w[j] = r > 0 ? r : 0;
		} else {
			double share = free_sum > 1e-12 ? (w[j] > 0 ? w[j] : 0) / free_sum : 1.0 / (double)nfree;
			w[j] = rest * share;
			given += w[j];
		}
	}
	w[i] = v;
	return 0;
}

int slider_step(double *w, const int *locked, size_t n, size_t i, double delta)
{
	if (i >= n)
		return -1;
	return slider_set(w, locked, n, i, w[i] + delta);
}

void slider_normalize(double *w, size_t n)
{
	double sum = 0;
	for (size_t i = 0; i < n; i++) {
		if (!(w[i] > 0) || !isfinite(w[i]))
			w[i] = 0;
		sum += w[i];
	}
	for (size_t i = 0; i < n; i++)
		w[i] = sum > 0 ? w[i] / sum : 1.0 / (double)n;
}

/* One line: marker, name, bar, value, target, lock:
 *   ">humor        ████████▌          0.57 → 0.80 L" */
struct slider_cols {
	int name_w, bar_x, bar_w, target_w, got_w;
	int sep, lock_w;  /* blank after the name (none without a bar); lock column */
	int compact;      /* target "→0.80", obtained " 0.62±0.10▲" without "got" */
	int pad;          /* blanks at the end (no bar: the line stays `width` wide) */
};

#define SLIDER_VALUE_W 5   /* " 0.57" */
#define SLIDER_TARGET_W 8  /* " → -1.25" */
#define SLIDER_TARGET_CW 6 /* "→-1.25" */
#define SLIDER_LOCK_W 2    /* " L" */
#define SLIDER_GOT_W 17    /* " got -0.37±0.05▲" (ASCII "+-") */
#define SLIDER_GOT_CW 13   /* " -0.37±0.05 ▲" */
#define SLIDER_MARK_W 2    /* " ▲" */
#define SLIDER_BAR_MIN 6

static int slider_fixed(const struct slider_cols *c)
{
	return 1 + c->name_w + c->sep + SLIDER_VALUE_W + c->target_w + c->got_w + c->lock_w;
}

/* Narrow widths keep the numbers (weight, target, obtained) longest, since
 * they are what steering is read by: the name shrinks to 8 columns, the bar
 * to 3, the name to 3, the target and obtained lose their spaces and "got",
 * the bar goes (arrows still move the weight); only then the obtained score
 * and at last the target are left out. */
static struct slider_cols slider_cols(const struct slider_look *s, int width)
{
	struct slider_cols c = { .name_w = s->name_width > 0 ? s->name_width : 12, .sep = 1,
		                 .lock_w = SLIDER_LOCK_W };
	c.target_w = s->has_target ? SLIDER_TARGET_W : 0;
	c.got_w = s->has_target && s->has_obtained ? SLIDER_GOT_W : 0;
	const int floors[] = { 8, 3 }, bars[] = { SLIDER_BAR_MIN, 3 };
	for (int k = 0; k < 2; k++)
		if (width - slider_fixed(&c) < bars[k] && c.name_w > floors[k]) {
			int nw = c.name_w - (bars[k] - (width - slider_fixed(&c)));
			c.name_w = nw < floors[k] ? floors[k] : nw;
		}
	if (width - slider_fixed(&c) < 3 && c.target_w) {
		c.compact = 1;
		c.target_w = SLIDER_TARGET_CW;
		if (c.got_w)
			c.got_w = SLIDER_GOT_CW;
	}
	if (width - slider_fixed(&c) < 3) { /* no bar */
		c.sep = 0;
		c.lock_w = 1;
		if (width - slider_fixed(&c) < 0 && c.got_w)
			c.got_w = SLIDER_MARK_W; /* the mark alone: above, below or within */
		if (width - slider_fixed(&c) < 0 && c.got_w)
			c.got_w = 0;
		if (width - slider_fixed(&c) < 0 && c.target_w)
			c.target_w = 0;
		/* the columns left go back to the name, then to blanks at the end */
		int want = s->name_width > 0 ? s->name_width : 12;
		while (width - slider_fixed(&c) > 0 && c.name_w < want)
			c.name_w++;
		c.pad = width - slider_fixed(&c) > 0 ? width - slider_fixed(&c) : 0;
		c.bar_x = 1 + c.name_w;
		c.bar_w = 0;
		return c;
	}
	c.bar_x = 1 + c.name_w + c.sep;
	c.bar_w = width - slider_fixed(&c);
	return c;
}

void slider_bar_span(const struct slider_look *s, int width, int *bar_x, int *bar_w)
{
	struct slider_cols c = slider_cols(s, width);
	*bar_x = c.bar_x;
	*bar_w = c.bar_w;
}

double slider_value_at(int bar_w, int x)
{
	if (bar_w <= 1)
		return 0;
	double v = (double)x / (double)(bar_w - 1);
	return v < 0 ? 0 : v > 1 ? 1 : v;
}

static void slider_put(char *buf, size_t len, size_t *used, const char *s)
{
	size_t n = strlen(s);
	if (*used + n < len) {
		memcpy(buf + *used, s, n);
		*used += n;
		buf[*used] = '\0';
	}
}

/* The name cut or padded to exactly w columns. */
static void slider_name(const char *name, int w, char *out, size_t len)
{
	int used = 0;
	size_t nb = draw_fit(name ? name : "", name ? strlen(name) : 0, w, &used);
	if (nb >= len)
		nb = len - 1;
	memcpy(out, name ? name : "", nb);
	size_t o = nb;
	for (; used < w && o + 1 < len; used++)
		out[o++] = ' ';
	out[o] = '\0';
}

/* " → 0.80" (SLIDER_TARGET_W columns): the target score is in the
 * objective's own units, so it may be negative or large. */
static void slider_target(const struct slider_look *s, int utf8, int compact, char *out,
                          size_t len)
{
	char t[64];
	snprintf(t, sizeof t, "%5.2f", s->target);
	if (strlen(t) > 5)
		snprintf(t, sizeof t, "%5.0f", s->target);
	if (strlen(t) > 5 || s->target != s->target)
		snprintf(t, sizeof t, "%s", s->target != s->target ? "    ?" : s->target < 0 ? " -big" : "  big");
	snprintf(out, len, compact ? "%s%s" : " %s %s", utf8 ? "\xe2\x86\x92" : ">", t);
}

/* " got  0.62±0.10▼" (SLIDER_GOT_W columns): the samples' mean against the
 * target: above, below, or within one standard error of it. */
static void slider_got(const struct slider_look *s, int utf8, int compact, int width, char *out,
                       size_t len)
{
	double d = s->obtained - s->target;
	const char *mark = !isnan(s->obtained_se) && fabs(d) <= s->obtained_se ? (utf8 ? "\xe2\x89\x88" : "=")
	                   : d > 0 ? (utf8 ? "\xe2\x96\xb2" : "^")
	                           : (utf8 ? "\xe2\x96\xbc" : "v");
	char m[16], e[16];
	snprintf(m, sizeof m, "%5.2f", s->obtained);
	if (strlen(m) > 5)
		snprintf(m, sizeof m, "%5.0f", s->obtained);
	if (isnan(s->obtained_se))
		snprintf(e, sizeof e, "   ?");
	else
		snprintf(e, sizeof e, "%4.2f", s->obtained_se);
	if (strlen(e) > 4)
		snprintf(e, sizeof e, "%4.0f", s->obtained_se);
	if (isnan(s->obtained))
		mark = " ";
	if (width == SLIDER_MARK_W) {
		snprintf(out, len, " %s", mark);
		return;
	}
	snprintf(out, len, "%s%s%s%s%s%s", compact ? " " : " got ", m, utf8 ? "\xc2\xb1" : "+-", e,
	         utf8 ? " " : "", mark);
}

void slider_render(const struct slider_look *s, int width, int utf8, char *buf, size_t len)
{
	struct slider_cols c = slider_cols(s, width);
	char part[512];
	size_t used = 0;
	if (!len)
		return;
	buf[0] = '\0';
	slider_put(buf, len, &used, s->focused ? ">" : " ");
	slider_name(s->name, c.name_w, part, sizeof part);
	slider_put(buf, len, &used, part);
	if (c.sep)
		slider_put(buf, len, &used, " ");
	bar_render_track(s->weight, c.bar_w, utf8, utf8 ? "\xc2\xb7" : "-", part, sizeof part);
	slider_put(buf, len, &used, part);
	snprintf(part, sizeof part, " %4.2f", s->weight >= 0 && s->weight <= 1 ? s->weight : 0.0);
	slider_put(buf, len, &used, part);
	if (c.target_w) {
		slider_target(s, utf8, c.compact, part, sizeof part);
		slider_put(buf, len, &used, part);
	}
	if (c.got_w) {
		slider_got(s, utf8, c.compact, c.got_w, part, sizeof part);
		slider_put(buf, len, &used, part);
	}
	slider_put(buf, len, &used, s->locked ? (c.lock_w > 1 ? " L" : "L") : c.lock_w > 1 ? "  " : " ");
	for (int i = 0; i < c.pad; i++)
		slider_put(buf, len, &used, " ");
}

void slider_draw(WINDOW *w, int y, int x, int width, const struct slider_look *s)
{
	char line[2048];
	int utf8 = draw_utf8();
	struct slider_cols c = slider_cols(s, width);
	slider_render(s, width, utf8, line, sizeof line);
	wattrset(w, theme_attr(s->focused ? THEME_SLIDER_FOCUS : THEME_STATUS));
	int col = draw_text(w, y, x, width, line);
	/* Re-draw the bar and the target in their own colors over the plain line. */
	char bar[1024];
	bar_render_track(s->weight, c.bar_w, utf8, utf8 ? "\xc2\xb7" : "-", bar, sizeof bar);
	wattrset(w, theme_attr(s->locked ? THEME_SLIDER_LOCKED : THEME_SLIDER));
	draw_text(w, y, x + c.bar_x, c.bar_w, bar);
	if (c.target_w) {
		char t[64];
		slider_target(s, utf8, c.compact, t, sizeof t);
		wattrset(w, theme_attr(THEME_TARGET));
		draw_text(w, y, x + c.bar_x + c.bar_w + SLIDER_VALUE_W, c.target_w, t);
	}
	if (c.got_w) {
		char t[64];
		slider_got(s, utf8, c.compact, c.got_w, t, sizeof t);
		double d = s->obtained - s->target;
		int near = !isnan(s->obtained_se) && fabs(d) <= s->obtained_se;
		wattrset(w, theme_attr(near ? THEME_TARGET : d > 0 ? THEME_SLIDER : THEME_ERROR));
		draw_text(w, y, x + c.bar_x + c.bar_w + SLIDER_VALUE_W + c.target_w, c.got_w, t);
	}
	(void)col;
	wattrset(w, A_NORMAL);
}
