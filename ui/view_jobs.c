#include "config.h"

#include "ui/view.h"

#include "ui/bar.h"
#include "ui/draw.h"
#include "ui/spark.h"
#include "ui/table.h"
#include "ui/theme.h"

#include <stdio.h>
#include <string.h>

/* One job per row under a heading:
 *   "   id stage    state     progress ...            tok/s  loss"   */
#define JOBS_ID_W 6
#define JOBS_STAGE_W 9
#define JOBS_STATE_W 10
#define JOBS_RATE_W 12    /* "12.3k tok/s" and a blank */
#define JOBS_SPARK_W 9     /* the loss curve ... */
#define JOBS_LOSS_W 7      /* ... and its last value, "2.047" */

static struct layout_rect jobs_list_rect(const struct layout *L)
{
	/* Title row, then the heading row. */
	struct layout_rect r = L->table;
	r.y += 2;
	r.h -= 2;
	return r;
}

static int jobs_state_attr(const char *state)
{
	if (!state)
		return (int)A_NORMAL;
	if (strcmp(state, "failed") == 0)
		return theme_attr(THEME_ERROR);
	if (strcmp(state, "running") == 0)
		return theme_attr(THEME_BAR);
	if (strcmp(state, "cancelled") == 0 || strcmp(state, "done") == 0)
		return theme_attr(THEME_DIM);
	return (int)A_NORMAL;
}

/* Columns left for the progress bar once the fixed ones are placed; the
 * sparkline and the rate drop out first on narrow screens. */
static void jobs_widths(int width, int *prog_w, int *rate_w, int *spark_w, int *loss_w)
{
	int fixed = JOBS_ID_W + JOBS_STAGE_W + JOBS_STATE_W;
	*rate_w = JOBS_RATE_W;
	*spark_w = JOBS_SPARK_W;
	*loss_w = JOBS_LOSS_W;
	if (width - fixed - *rate_w - *spark_w - *loss_w < 16)
		*spark_w = 0;
	if (width - fixed - *rate_w - *spark_w - *loss_w < 16)
		*loss_w = 0;
	if (width - fixed - *rate_w - *spark_w - *loss_w < 16)
		*rate_w = 0;
	*prog_w = width - fixed - *rate_w - *spark_w - *loss_w;
	if (*prog_w < 0)
		*prog_w = 0;
}

/* Tokens per second in at most 11 columns, unit included. */
static void jobs_rate(double tps, char *buf, size_t cap)
{
	/* at most 4 digits before the unit: "114.5k tok/s" would lose its "s" */
	if (tps < 9999.5)
		snprintf(buf, cap, "%.0f tok/s", tps);
	else if (tps < 99950)
		snprintf(buf, cap, "%.1fk tok/s", tps / 1000);
	else if (tps < 999500)
		snprintf(buf, cap, "%.0fk tok/s", tps / 1000);
	else if (tps < 99950000)
		snprintf(buf, cap, "%.1fM tok/s", tps / 1e6);
	else
		snprintf(buf, cap, "%.0fM tok/s", tps / 1e6);
}

static void jobs_row(WINDOW *w, int y, const struct layout_rect *r, const struct view_job *j, int sel)
{
	int prog_w, rate_w, spark_w, loss_w;
	jobs_widths(r->w, &prog_w, &rate_w, &spark_w, &loss_w);
	int base = sel ? theme_attr(THEME_SELECTION) : (int)A_NORMAL;
	if (sel)
		draw_fill(w, &(struct layout_rect){ y, r->x, 1, r->w }, base);
	char buf[1024];
	int x = r->x;
	wattrset(w, base);
	snprintf(buf, sizeof buf, "%*lld ", JOBS_ID_W - 1, j->id);
	x += draw_text(w, y, x, JOBS_ID_W, buf);
	draw_text(w, y, x, JOBS_STAGE_W - 1, j->stage ? j->stage : "?");
	x += JOBS_STAGE_W;
	wattrset(w, sel ? base : jobs_state_attr(j->state));
	draw_text(w, y, x, JOBS_STATE_W - 1, j->state ? j->state : "?");
	x += JOBS_STATE_W;
	wattrset(w, sel ? base : theme_attr(THEME_PROGRESS) & ~(int)A_REVERSE);
	if (j->error && *j->error) {
		wattrset(w, sel ? base : theme_attr(THEME_ERROR));
		draw_text(w, y, x, prog_w - 1, j->error);
	} else {
		progress_render(j->progress, j->eta_s, prog_w - 1, draw_utf8(), buf, sizeof buf);
		draw_text(w, y, x, prog_w - 1, buf);
	}
	x += prog_w;
	wattrset(w, base);
	if (rate_w) {
		if (j->tokens_per_s > 0) {
			jobs_rate(j->tokens_per_s, buf, sizeof buf);
			draw_text_right(w, y, x, rate_w - 1, buf);
		}
		x += rate_w;
	}
	if (spark_w && j->loss && j->n_loss) {
		wattrset(w, sel ? base : theme_attr(THEME_SPARKLINE));
		spark_render(j->loss, j->n_loss, spark_w - 1, draw_utf8(), buf, sizeof buf);
		draw_text(w, y, x, spark_w - 1, buf);
	}
	x += spark_w;
	if (loss_w && j->loss && j->n_loss) {
		wattrset(w, base);
		snprintf(buf, sizeof buf, "%.4g", j->loss[j->n_loss - 1]);
		draw_text(w, y, x, loss_w, buf);
	}
	wattrset(w, A_NORMAL);
}

static void jobs_heading(WINDOW *w, int y, const struct layout_rect *r)
{
	int prog_w, rate_w, spark_w, loss_w;
	jobs_widths(r->w, &prog_w, &rate_w, &spark_w, &loss_w);
	draw_fill(w, &(struct layout_rect){ y, r->x, 1, r->w }, theme_attr(THEME_TABLE_HEADER));
	int x = r->x;
	draw_text_right(w, y, x, JOBS_ID_W - 1, "id");
	x += JOBS_ID_W;
	draw_text(w, y, x, JOBS_STAGE_W, "stage");
	x += JOBS_STAGE_W;
	draw_text(w, y, x, JOBS_STATE_W, "state");
	x += JOBS_STATE_W;
	draw_text(w, y, x, prog_w, "progress");
	x += prog_w;
	if (rate_w) {
		draw_text_right(w, y, x, rate_w - 1, "speed");
		x += rate_w;
	}
	if (spark_w || loss_w)
		draw_text(w, y, x, spark_w + loss_w, "loss");
	wattrset(w, A_NORMAL);
}

static void jobs_log(WINDOW *w, const struct layout_rect *r, const struct view_jobs *j)
{
	if (r->h <= 0)
		return;
	draw_title(w, r->y, r->x, r->w, j->log_title ? j->log_title : "Log", theme_attr(THEME_TITLE));
	int rows = r->h - 1;
	if (!j->log || !j->n_log) {
		wattrset(w, theme_attr(THEME_DIM));
		draw_text(w, r->y + 1, r->x, r->w, j->n_jobs ? "No log output yet." : "No jobs: n starts one.");
		wattrset(w, A_NORMAL);
		return;
	}
	/* The tail: the last lines that fit. */
	size_t first = j->n_log > (size_t)rows ? j->n_log - (size_t)rows : 0;
	for (size_t i = first; i < j->n_log; i++)
		draw_text(w, r->y + 1 + (int)(i - first), r->x, r->w, j->log[i] ? j->log[i] : "");
}

void view_jobs_draw(WINDOW *w, const struct layout *L, const struct view_jobs *j)
{
	char title[128];
	size_t running = 0;
	for (size_t i = 0; i < j->n_jobs; i++)
		running += j->jobs[i].state && strcmp(j->jobs[i].state, "running") == 0;
	snprintf(title, sizeof title, "Jobs (%zu, %zu running)", j->n_jobs, running);
	draw_title(w, L->table.y, L->table.x, L->table.w, title, theme_attr(THEME_TITLE));
	if (L->table.h > 1)
		jobs_heading(w, L->table.y + 1, &L->table);
	struct layout_rect lr = jobs_list_rect(L);
	int scroll = table_scroll(j->selected, j->scroll, j->n_jobs, lr.h);
	for (int i = 0; i < lr.h; i++) {
		size_t k = (size_t)(scroll + i);
		if (k >= j->n_jobs)
			break;
		jobs_row(w, lr.y + i, &lr, &j->jobs[k], (int)k == j->selected);
	}
	if (L->details.y == L->table.y && L->details.x > 0)
		draw_vrule(w, L->details.y, L->details.x - 1, L->details.h);
	jobs_log(w, &L->details, j);
}

int view_jobs_hit(const struct layout *L, const struct view_jobs *j, int y, int x, struct view_hit *h)
{
	memset(h, 0, sizeof *h);
	h->kind = VIEW_HIT_NONE;
	struct layout_rect lr = jobs_list_rect(L);
	if (!layout_contains(&lr, y, x))
		return 0;
	int row = table_scroll(j->selected, j->scroll, j->n_jobs, lr.h) + (y - lr.y);
	if (row >= (int)j->n_jobs)
		return 0;
	h->kind = VIEW_HIT_ROW;
	h->index = row;
	return 1;
}
