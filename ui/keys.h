/* keys: actions (from ui/actions.def), key names and the key -> action map.
 *
 *   struct keys_map *km = keys_map_new();          // the default bindings
 *   char err[256];
 *   int key;
 *   if (keys_parse("C-r", &key, err, sizeof err) == 0)
 *       keys_bind(km, key, ACTION_REGENERATE);     // ricrc "bind C-r regenerate"
 *   enum action a = keys_lookup(km, KEYS_SCREEN_STEER, getch());
 *   if (a == ACTION_QUIT) ...
 *   keys_map_free(km);
 *
 * Keys are curses key codes (what getch() returns). Names: a printable
 * character stands for itself ("a", "?", "\\"); "C-x" control keys; "F1".."F12";
 * Up Down Left Right S-Left S-Right Home End PgUp PgDn Ins Del Tab S-Tab Enter
 * Esc Space Backspace. Enter, '\n' and KEY_ENTER are one key; so are
 * Backspace, KEY_BACKSPACE and DEL (127).
 */
#ifndef RIC_UI_KEYS_H
#define RIC_UI_KEYS_H

#include <stddef.h>

enum action {
	ACTION_NONE = 0,
#define ACTION(name, group, keys, help) ACTION_##name,
#include "ui/actions.def"
#undef ACTION
	ACTION_COUNT
};

enum action_group {
	ACTION_GROUP_GLOBAL,
	ACTION_GROUP_STEER,
	ACTION_GROUP_FRONT,
	ACTION_GROUP_RUNS,
	ACTION_GROUP_JOBS,
	ACTION_GROUP_LIST,
	ACTION_GROUP_HELP,
	ACTION_GROUP_CONFIRM,
	ACTION_GROUP_FORM,
	ACTION_GROUP_COUNT
};

/* Where keys are read: decides which groups apply and in what order. */
enum keys_screen {
	KEYS_SCREEN_STEER,
	KEYS_SCREEN_FRONT,
	KEYS_SCREEN_RUNS,
	KEYS_SCREEN_JOBS,
	KEYS_SCREEN_HELP,
	KEYS_SCREEN_CONFIRM, /* a yes/no question is open: only CONFIRM keys */
	KEYS_SCREEN_FORM,    /* the new-job form is open: only FORM keys */
	KEYS_SCREEN_COUNT
};

/* The action table itself, in actions.def order (index = enum action - 1 is
 * not needed: use keys_action_*). */
const char *keys_action_name(enum action a);   /* "slider-next"; NULL for NONE */
const char *keys_action_help(enum action a);
const char *keys_action_defaults(enum action a); /* "Down j Tab" */
enum action_group keys_action_group(enum action a);
/* The action of a user-visible name ("slider-next"; case-insensitive, '_' as
 * '-' accepted), ACTION_NONE when there is none. */
enum action keys_action_from_name(const char *name);

const char *keys_group_name(enum action_group g);   /* "steer" */
const char *keys_group_title(enum action_group g);  /* "Steer screen" */

/* Completion source: the action names starting with `prefix`, one per call:
 * state 0 first, then the returned state until NULL (readline's generator
 * protocol). */
const char *keys_complete(const char *prefix, int *state);

/* Key names. keys_parse returns 0 and sets *key, or -1 with a message naming the
 * problem in err. keys_name writes the canonical name ("C-l", "S-Tab", "a"). */
int keys_parse(const char *name, int *key, char *err, size_t errlen);
const char *keys_name(int key, char *buf, size_t len);
/* Folds equivalent codes (KEY_ENTER, '\n' -> '\r'; 127, 8 -> KEY_BACKSPACE). */
int keys_normalize(int key);

struct keys_map;
struct keys_map *keys_map_new(void);   /* defaults from actions.def; NULL on OOM */
void keys_map_free(struct keys_map *m);
/* Bind `key` to `a` in a's group, replacing what the key did there. 0 or -1 (OOM). */
int keys_bind(struct keys_map *m, int key, enum action a);
/* Remove `key` from `group` ("bind KEY none" in ricrc). */
void keys_unbind(struct keys_map *m, enum action_group group, int key);
enum action keys_lookup(const struct keys_map *m, enum keys_screen s, int key);
/* The keys bound to `a`, as names separated by ", " ("Down, j, Tab"); "" when
 * none. Returns buf. */
const char *keys_of(const struct keys_map *m, enum action a, char *buf, size_t len);

/* Help text, grouped: calls `line` once per group heading (action NONE, keys
 * NULL, text = group title) and once per action (keys = keys_of, text = help). */
void keys_help(const struct keys_map *m,
               void (*line)(void *ctx, enum action a, const char *keys, const char *text),
               void *ctx);

#endif
