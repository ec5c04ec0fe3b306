/* tui_app: the state of ric-tui and everything that changes it, without a
 * terminal: the loaded checkpoint and its generation worker, the preference
 * sliders (A and B), the samples streaming in, the Front, Runs and Jobs
 * screens' data, the status line, and the actions and `:` commands that
 * act on all of it. The event loop (src/ric_tui.c) owns curses and readline;
 * tests drive this module directly.
 *
 *   struct tui_app *a = tui_app_new(store_path, 0, err, sizeof err);
 *   tui_app_load(a, "share/demo/policy");           // status says how it went
 *   tui_app_action(a, ACTION_SLIDER_INC);           // re-balances, restarts generation
 *   ... poll(tui_app_gen_fd(a)) ... tui_app_gen_events(a);   // samples grow
 *   tui_app_command(a, ":set temperature 0.9");
 *   tui_app_tick(a);                                // store polling: jobs, fronts, runs
 *   ... view models: src/tui_view.h ...
 *   tui_app_free(a);
 */
#ifndef RIC_SRC_TUI_APP_H
#define RIC_SRC_TUI_APP_H

#include <stddef.h>
#include <stdint.h>

#include "src/tui_cmd.h"
#include "src/tui_form.h"
#include "src/tui_fronts.h"
#include "src/tui_gen.h"
#include "src/tui_jobs.h"
#include "src/tui_runs.h"
#include "src/tui_store.h"
#include "ui/keys.h"
#include "ui/view.h"

#define TUI_APP_MAX_FRONTS 8
/* Runs overlaid on one metric chart. */
#define TUI_APP_CHART_MAX 8
/* How long a message stays in the status line (an error: once the user has
 * acted after it). */
#define TUI_APP_STATUS_MS 6000
/* Scored samples remembered for the response view (the newest). */
#define TUI_APP_RESP_MAX 512
/* What a store change leaves to reload once its screen shows (jobs reload
 * at once: the header counts the running ones). */
#define TUI_STALE_RUNS 1
#define TUI_STALE_FRONTS 2
/* form_field for the form's stage and its "add an option" rows. */
#define TUI_FORM_STAGE (-1)
#define TUI_FORM_ADD (-2)

struct tui_sample {
	char *text;                  /* streamed so far, then the final response */
	size_t len, cap;
	int done;
	int scored;
	double raw[TUI_GEN_MAX_OBJ], norm[TUI_GEN_MAX_OBJ];
	double bar[TUI_GEN_MAX_OBJ]; /* norm placed in the objective's lo..hi, as 0..1 (or beyond) */
	unsigned char *rgb;          /* image models: the latest x0 estimate, [width][width][3] */
	int width;
	size_t step, steps;
};

/* What the event loop should open for the user to type. TUI_LINE_WORD:
 * the argument of one command (line_word: "filter", "search", "tag"), the
 * word in the line's prompt where editing cannot delete it. */
enum tui_line { TUI_LINE_NONE, TUI_LINE_COMMAND, TUI_LINE_PROMPT, TUI_LINE_WORD,
                TUI_LINE_FIELD /* a field of the new-job form (form_field) */ };

enum tui_confirm { TUI_CONFIRM_NONE, TUI_CONFIRM_DELETE_RUN, TUI_CONFIRM_CANCEL_JOB,
                   TUI_CONFIRM_ALLOW_CMD, /* confirm_id: the objective whose reward waits */
                   TUI_CONFIRM_RESUME_JOB /* its stored command line would start a program */ };

struct tui_app {
	struct tui_store store;
	int has_store;
	struct tui_gen *gen;                 /* NULL: no checkpoint loaded */
	enum decoder_dtype weights;          /* how checkpoints load for decoding (--weights) */
	char *ckpt;                          /* its folder as given */
	size_t n_obj;
	const char *obj_names[TUI_GEN_MAX_OBJ];
	double lo[TUI_GEN_MAX_OBJ], hi[TUI_GEN_MAX_OBJ];

	/* Steer */
	double w[2][TUI_GEN_MAX_OBJ];
	int locked[2][TUI_GEN_MAX_OBJ];
	double target[2][TUI_GEN_MAX_OBJ];
	int compare, side, focus;
	char *prompt;
	struct tui_gen_req req;              /* samples, seed, temperature, top-p, max-tokens, mapping */
	int mapping_chosen;                  /* the user set the mapping: a load keeps it */
	struct tui_sample samples[2][TUI_GEN_MAX_SAMPLES];
	unsigned gen_id;                     /* the request whose events are shown */
	int generating;
	double tokens_per_s;
	int64_t first_token_ms;              /* submit to first token of the last request, -1 */
	int64_t done_ms;                     /* submit to the end of the last request, -1 */
	int sample_focus;
	int steer_scroll;                    /* first text row of the samples pane (the wheel) */
	unsigned char fresh[2][TUI_GEN_MAX_SAMPLES]; /* got a token of the current request */
	/* Every scored sample of this checkpoint: its weights and scores, for the
	 * response view (a ring of the newest TUI_APP_RESP_MAX). */
	struct tui_resp {
		double w[TUI_GEN_MAX_OBJ], z[TUI_GEN_MAX_OBJ], raw[TUI_GEN_MAX_OBJ];
		double t[TUI_GEN_MAX_OBJ];   /* the desired (target) z it was asked for */
	} resp[TUI_APP_RESP_MAX];
	size_t n_resp;                       /* ever added; the ring holds the last */

	enum view_screen screen, back;       /* back: where Help returns to */
	int help_scroll;

	/* Runs */
	struct tui_runs runs;
	size_t *runs_idx, runs_n;
	int runs_sel, runs_scroll;
	enum tui_runs_sort runs_sort;
	int runs_desc;
	char *runs_filter;
	char *runs_search;                   /* the last search, for n and N */
	char *live_filter;                   /* the filter before the line opened */
	int live_from;                       /* the row a live search started from */
	store_id *marked;                    /* marked run ids */
	size_t n_marked;
	struct tui_run_detail detail;        /* of the selected run */
	int has_detail;
	int details_scroll;                  /* first line of the details shown */
	/* The details pane as a chart (v) of one metric over the selected run
	 * and the marked ones (m picks the metric). */
	int runs_chart;
	char chart_metric[96];
	struct tui_chart_run {
		store_id id;
		char name[96];
		struct tui_series s;
	} chart[TUI_APP_CHART_MAX];
	size_t n_chart;

	/* Front */
	store_id front_ids[TUI_APP_MAX_FRONTS];
	struct tui_front fronts[TUI_APP_MAX_FRONTS];
	size_t n_fronts;
	int fronts_auto;                     /* the newest eval runs, refreshed as new ones land */
	int x_axis, y_axis;
	int cur_series, cur_point;
	int overlay;
	int response;                        /* Front shows obtained vs weight */
	int response_desired;                /* ... vs the desired score instead */
	/* Steer: the online run and iteration whose checkpoint is loaded, when
	 * it was stepped to (< >); 0 otherwise. */
	store_id steer_online;
	int steer_iter, steer_iters;         /* the iteration, and how many have an eval */
	struct tui_point_text ptext;

	/* Jobs */
	struct tui_jobs jobs;
	int jobs_sel, jobs_scroll;
	int log_lines;
	char log[8192];
	struct tui_form *form;               /* the new-job form, NULL when closed */
	int form_field;                      /* the field a TUI_LINE_FIELD edits: its index,
	                                      * TUI_FORM_STAGE or TUI_FORM_ADD */
	char form_policy[4096];              /* tui_form_env's answer */

	/* status line and questions */
	char status[512];
	int status_error;
	int64_t status_ms;                   /* when the status was set (monotonic) */
	enum tui_confirm confirm;
	store_id confirm_id;
	char confirm_text[2048];             /* whole: it may quote a command to run */

	enum tui_line want_line;             /* set by actions; the loop opens it and clears this */
	char line_init[1024];                /* text the line starts with */
	char line_word[16];                  /* TUI_LINE_WORD: the command it completes */
	int mouse;
	int raw_units;                       /* scores in raw units, not normalised z */
	int rows, cols;                      /* the terminal's size (tui_app_resize) */
	int quit;
	int dirty;                           /* something changed: redraw */
	int stale;                           /* TUI_STALE_*: the store changed since loaded */
	struct keys_map *keys;
};

/* Opens (creating) the store, with tui_store_open's store_flags; NULL with a
 * message in err (cap bytes) on failure. */
struct tui_app *tui_app_new(const char *store_path, int store_flags, char *err, size_t cap);
void tui_app_free(struct tui_app *a);

/* Loads a RiC checkpoint (replacing the one loaded) and starts generating
 * when a prompt is set. 0, or -1 with the reason in the status line. Its
 * ric.json is a file: each reward that would start a program (or read a
 * model outside the checkpoint) is asked about first (TUI_CONFIRM_ALLOW_CMD,
 * default no) and is not scored until the answer is yes. */
int tui_app_load(struct tui_app *a, const char *dir);
/* Side B of compare mode from another PEFT adapter of the base the loaded
 * checkpoint stands on: the base is not read again (tui_gen_set_b); compare
 * mode turns on. 0, or -1 with the reason in the status line. */
int tui_app_load_b(struct tui_app *a, const char *dir);
/* Asks about the first objective from `from` on whose reward waits for
 * consent; 0 when none is left to ask about. */
int tui_app_ask_consent(struct tui_app *a, size_t from);
/* The answer to that question. */
void tui_app_consent(struct tui_app *a, int yes);

/* The worker's pipe (-1 without a checkpoint) and its events. */
int tui_app_gen_fd(const struct tui_app *a);
void tui_app_gen_events(struct tui_app *a);

/* Cancels what runs and generates with the current sliders, prompt and
 * settings. */
void tui_app_regenerate(struct tui_app *a);

/* Sets the weight of objective i on side `side` to v, re-balancing the
 * unlocked others so the sum stays 1, and regenerates. */
void tui_app_set_weight(struct tui_app *a, int side, int i, double v);

void tui_app_action(struct tui_app *a, enum action act);
/* A line typed at `:` (0, or -1 when it failed: the status says why). */
int tui_app_command(struct tui_app *a, const char *line);
/* A setting by name (ricrc's `set`, :set): 0, or -1 with the reason in err. */
int tui_app_setting(struct tui_app *a, const char *name, const char *value, char *err, size_t cap);
/* The text typed on a TUI_LINE_WORD line: runs `line_word TEXT`. */
void tui_app_word_line(struct tui_app *a, const char *text);
/* While it is typed (filter and search act at once), or cancelled (NULL:
 * what was shown before comes back). */
void tui_app_word_typing(struct tui_app *a, const char *text);
/* The text typed on a TUI_LINE_FIELD line (NULL: cancelled). */
void tui_app_field_line(struct tui_app *a, const char *text);
/* A line typed into the prompt editor. */
void tui_app_set_prompt(struct tui_app *a, const char *text);
/* The terminal's size: pages and ends of scrolling panes follow it. */
void tui_app_resize(struct tui_app *a, int rows, int cols);
/* Rows of the current screen's scrolling pane (the help, the Runs table). */
int tui_app_pane_rows(const struct tui_app *a);
/* The store poller: reloads what another process changed; old messages
 * leave the status line. */
void tui_app_tick(struct tui_app *a);
/* Reloads runs, jobs and fronts now. */
void tui_app_reload(struct tui_app *a);

void tui_app_say(struct tui_app *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void tui_app_error(struct tui_app *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A mouse hit (ui/view.h) on the current screen; drag = the button is held. */
void tui_app_click(struct tui_app *a, const struct view_hit *h, int drag);
/* The wheel: +1 down, -1 up. */
void tui_app_wheel(struct tui_app *a, int dir);

#endif
