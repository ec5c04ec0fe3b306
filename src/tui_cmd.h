/* tui_cmd: the `:` command line of ric-tui, parsed without a terminal.
 *
 *   struct tui_cmd c;
 *   char err[256];
 *   if (tui_cmd_parse(":set temperature 0.8", &c, err, sizeof err) != 0) status(err);
 *   else { ... c.kind == TUI_CMD_SET, c.setting == TUI_SET_TEMPERATURE, c.number == 0.8 ... }
 *   tui_cmd_free(&c);
 *
 *   // completion: what the word at `start` of the line is
 *   enum tui_complete k = tui_cmd_complete_kind(":load sh", 6);   // TUI_COMPLETE_PATH
 *   int state = 0; const char *s;
 *   while ((s = tui_cmd_complete_word(TUI_COMPLETE_COMMAND, "sa", &state))) ...  // save
 *
 * Words split like a shell's: blanks separate, '...' and "..." quote, \
 * escapes one character. `:prompt TEXT` takes the rest of the line as it is.
 * Any action of ui/actions.def is a command too (`:screen-front`,
 * `:compare-toggle`), so everything a key does can be typed. The leading ':'
 * is optional. Errors are one line, fit for the status bar.
 */
#ifndef RIC_SRC_TUI_CMD_H
#define RIC_SRC_TUI_CMD_H

#include <stddef.h>

#include "ui/keys.h"

#define TUI_CMD_MAX_WORDS 64
#define TUI_CMD_MAX_PREF 16

enum tui_cmd_kind {
	TUI_CMD_LOAD,      /* :load [b] PATH        path; side 1: compare mode's B */
	TUI_CMD_PREF,      /* :pref W1 W2 ...       pref, n_pref (A, or B with :pref b ...) */
	TUI_CMD_LOCK,      /* :lock N               index (0-based; the user types 1-based) */
	TUI_CMD_SET,       /* :set NAME VALUE       setting, number or text */
	TUI_CMD_PROMPT,    /* :prompt TEXT          text */
	TUI_CMD_JOB,       /* :job STAGE ARGS...    words[1..] */
	TUI_CMD_CANCEL,    /* :cancel ID            id */
	TUI_CMD_RESUME,    /* :resume ID            id */
	TUI_CMD_EXPORT,    /* :export FILE          path: the samples on screen as JSONL */
	TUI_CMD_SAVE,      /* :save                 the selected sample into the store */
	TUI_CMD_FRONT,     /* :front RUN...         words[1..] */
	TUI_CMD_TAG,       /* :tag TAG              the selected run */
	TUI_CMD_FILTER,    /* :filter [TEXT]        text ("" clears) */
	TUI_CMD_SEARCH,    /* :search TEXT          text: select the next run matching it */
	TUI_CMD_SORT,      /* :sort COLUMN          text */
	TUI_CMD_AXES,      /* :axes X Y             objective names or numbers, words[1..2] */
	TUI_CMD_QUIT,      /* :quit, :q */
	TUI_CMD_HELP,      /* :help */
	TUI_CMD_ACTION     /* an action's name      action */
};

enum tui_setting {
	TUI_SET_TEMPERATURE, TUI_SET_TOP_P, TUI_SET_SAMPLES, TUI_SET_MAX_TOKENS, TUI_SET_SEED,
	TUI_SET_MAPPING, TUI_SET_MOUSE, TUI_SET_COUNT
};

struct tui_cmd {
	enum tui_cmd_kind kind;
	size_t n_words;
	char *words[TUI_CMD_MAX_WORDS];  /* the split line; words[0] = the command */
	const char *path, *text;         /* point into words, or to `rest` */
	char *rest;                      /* :prompt's text */
	int side;                        /* :pref: 0 = A, 1 = B */
	size_t n_pref;
	double pref[TUI_CMD_MAX_PREF];
	int index;
	long long id;
	enum tui_setting setting;
	double number;                   /* numeric settings; mouse: 1 on, 0 off */
	enum action action;
};

/* 0, or -1 with the message in err (nothing to free then). An empty line is
 * an error too ("type a command, or Esc"). */
int tui_cmd_parse(const char *line, struct tui_cmd *c, char *err, size_t cap);
void tui_cmd_free(struct tui_cmd *c);

/* Splits text into at most max words (malloc'd; free each); -1 with err on
 * an open quote or too many words. */
int tui_cmd_split(const char *text, char **words, size_t max, size_t *n, char *err, size_t cap);

const char *tui_cmd_setting_name(enum tui_setting s);

enum tui_complete {
	TUI_COMPLETE_NONE,
	TUI_COMPLETE_COMMAND,   /* command and action names */
	TUI_COMPLETE_PATH,
	TUI_COMPLETE_RUN,       /* run names (the caller has them) */
	TUI_COMPLETE_SETTING,
	TUI_COMPLETE_STAGE,     /* stages `:job` starts */
	TUI_COMPLETE_MAPPING,
	TUI_COMPLETE_ONOFF
};

/* What belongs in the word that starts at byte `start` of line. */
enum tui_complete tui_cmd_complete_kind(const char *line, int start);
/* The fixed candidates of a kind (commands, settings, stages, mappings,
 * on/off) starting with prefix, one per call: state 0 first (readline's
 * generator protocol). NULL when done, or for PATH / RUN / NONE. */
const char *tui_cmd_complete_word(enum tui_complete k, const char *prefix, int *state);

#endif
