/* ricrc: ric-tui's configuration file, $XDG_CONFIG_HOME/ric/ricrc.
 *
 *   # comments start with '#'
 *   set temperature = 0.8        # or: set temperature 0.8
 *   set mouse off
 *   bind C-r regenerate          # a key (ui/keys.h names) and an action
 *   bind "#" help                # quote a key that looks like a comment
 *   unbind q                     # or: bind q none
 *   theme light                  # a preset: dark, light, monochrome
 *   color header white blue      # item, foreground, background
 *
 *   struct ricrc_ops ops = { .keys = km, .set = app_set, .ctx = app, .colors = 1 };
 *   struct ricrc_errors e = { 0 };
 *   char *path = paths_config_file("ricrc");   // src/paths.h finds the file
 *   if (path && ricrc_load(path, &ops, &e) > 0)
 *       fprintf(stderr, "%s", e.text);   // "…/ricrc:3: unknown action 'foo' …\n"
 *
 * Every problem is reported with the file, line and what is wrong; the other
 * lines still apply. A missing file is not an error.
 */
#ifndef RIC_UI_RICRC_H
#define RIC_UI_RICRC_H

#include <stddef.h>

#include "ui/keys.h"

/* RICRC_SETTING(name, help): the settings `set` accepts (also :set). */
#define RICRC_SETTINGS(S) \
	S("temperature", "Sampling temperature, 0 to 100; 0 is greedy (default 0.7)") \
	S("top-p", "Nucleus sampling mass, 0 to 1; 1 turns it off (default 0.9)") \
	S("samples", "Samples generated per preference, 1 to 16 (default 4)") \
	S("max-tokens", "Tokens generated per sample, 1 to 1024 (default 48)") \
	S("seed", "The sampling seed, a whole number (default 0); n draws a new one") \
	S("mapping", "How a preference maps to target scores: linf, l2 or linear (default linf)") \
	S("mouse", "Mouse support: on or off (default on)")

struct ricrc_ops {
	struct keys_map *keys;  /* bind/unbind apply here; NULL = rejected */
	/* Checks and applies one setting (name canonical: "top-p"); returns 0,
	 * or -1 with a message in err. NULL = settings are only checked by name. */
	int (*set)(void *ctx, const char *name, const char *value, char *err, size_t errlen);
	void *ctx;
	int colors;             /* 1: color lines go to the theme (theme_set) */
};

#define RICRC_ERRORS_MAX 4096

struct ricrc_errors {
	int count;
	char text[RICRC_ERRORS_MAX];   /* one "FILE:LINE: problem\n" per error */
};

/* Parses text (`name` is the file name used in messages); returns the number
 * of errors added to e. */
int ricrc_parse(const char *text, size_t len, const char *name, const struct ricrc_ops *ops,
                struct ricrc_errors *e);
/* Reads and parses a file; a missing file is 0 errors. */
int ricrc_load(const char *path, const struct ricrc_ops *ops, struct ricrc_errors *e);

/* The canonical name of a setting ("top_p" -> "top-p"), NULL when unknown. */
const char *ricrc_setting(const char *name);
/* Completion over the setting names (readline generator protocol, as
 * keys_complete). */
const char *ricrc_complete(const char *prefix, int *state);

#endif
