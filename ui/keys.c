#include "config.h"

#include "ui/keys.h"

#include <ctype.h>
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct keys_action_row {
	const char *id;        /* "SLIDER_NEXT" */
	enum action_group group;
	const char *keys;
	const char *help;
};

static const struct keys_action_row keys_table[ACTION_COUNT] = {
	[ACTION_NONE] = { "NONE", ACTION_GROUP_GLOBAL, "", "" },
#define ACTION(name, group, keys, help) [ACTION_##name] = { #name, ACTION_GROUP_##group, keys, help },
#include "ui/actions.def"
#undef ACTION
};

/* User-visible names, made once from the identifiers. */
static char keys_names[ACTION_COUNT][32];

static void keys_init_names(void)
{
	if (keys_names[1][0])
		return;
	for (int a = 1; a < ACTION_COUNT; a++) {
		const char *id = keys_table[a].id;
		size_t i = 0;
		for (; id[i] && i + 1 < sizeof keys_names[a]; i++)
			keys_names[a][i] = id[i] == '_' ? '-' : (char)tolower((unsigned char)id[i]);
		keys_names[a][i] = '\0';
	}
}

static int keys_valid(enum action a)
{
	return a > ACTION_NONE && a < ACTION_COUNT;
}

const char *keys_action_name(enum action a)
{
	if (!keys_valid(a))
		return NULL;
	keys_init_names();
	return keys_names[a];
}

const char *keys_action_help(enum action a)
{
	return keys_valid(a) ? keys_table[a].help : "";
}

const char *keys_action_defaults(enum action a)
{
	return keys_valid(a) ? keys_table[a].keys : "";
}

enum action_group keys_action_group(enum action a)
{
	return keys_valid(a) ? keys_table[a].group : ACTION_GROUP_GLOBAL;
}

enum action keys_action_from_name(const char *name)
{
	if (!name)
		return ACTION_NONE;
	keys_init_names();
	for (int a = 1; a < ACTION_COUNT; a++) {
		const char *n = keys_names[a], *p = name;
		while (*n && *p && (*n == tolower((unsigned char)*p) || (*n == '-' && *p == '_'))) {
			n++;
			p++;
		}
		if (!*n && !*p)
			return (enum action)a;
	}
	return ACTION_NONE;
}

static const struct {
	const char *name, *title;
} keys_groups[ACTION_GROUP_COUNT] = {
	[ACTION_GROUP_GLOBAL] = { "global", "Everywhere" },
	[ACTION_GROUP_STEER] = { "steer", "Steer screen" },
	[ACTION_GROUP_FRONT] = { "front", "Front screen" },
	[ACTION_GROUP_RUNS] = { "runs", "Runs screen" },
	[ACTION_GROUP_JOBS] = { "jobs", "Jobs screen" },
	[ACTION_GROUP_LIST] = { "list", "Tables (Runs, Jobs) and this help" },
	[ACTION_GROUP_HELP] = { "help", "Help" },
	[ACTION_GROUP_CONFIRM] = { "confirm", "Questions" },
	[ACTION_GROUP_FORM] = { "form", "New-job form (n on Jobs)" },
};

const char *keys_group_name(enum action_group g)
{
	return g < ACTION_GROUP_COUNT ? keys_groups[g].name : "";
}

const char *keys_group_title(enum action_group g)
{
	return g < ACTION_GROUP_COUNT ? keys_groups[g].title : "";
}

const char *keys_complete(const char *prefix, int *state)
{
	size_t n = prefix ? strlen(prefix) : 0;
	keys_init_names();
	for (int a = *state + 1; a < ACTION_COUNT; a++) {
		if (strncmp(keys_names[a], prefix ? prefix : "", n) == 0) {
			*state = a;
			return keys_names[a];
		}
	}
	*state = ACTION_COUNT;
	return NULL;
}

/* ---- key names --------------------------------------------------------- */

static const struct {
	const char *name;
	int key;
} keys_named[] = {
	{ "Up", KEY_UP }, { "Down", KEY_DOWN }, { "Left", KEY_LEFT }, { "Right", KEY_RIGHT },
	{ "S-Left", KEY_SLEFT }, { "S-Right", KEY_SRIGHT }, { "S-Up", KEY_SR }, { "S-Down", KEY_SF },
	{ "Home", KEY_HOME }, { "End", KEY_END }, { "PgUp", KEY_PPAGE }, { "PgDn", KEY_NPAGE },
	{ "Ins", KEY_IC }, { "Del", KEY_DC }, { "Tab", '\t' }, { "S-Tab", KEY_BTAB },
	{ "Enter", '\r' }, { "Esc", 27 }, { "Space", ' ' }, { "Backspace", KEY_BACKSPACE },
};

int keys_normalize(int key)
{
	if (key == '\n' || key == KEY_ENTER)
		return '\r';
	if (key == 127 || key == 8)
		return KEY_BACKSPACE;
	return key;
}

static int keys_error(char *err, size_t len, const char *name, const char *why)
{
	if (err && len)
		snprintf(err, len, "unknown key '%s': %s", name, why);
	return -1;
}

int keys_parse(const char *name, int *key, char *err, size_t errlen)
{
	if (!name || !*name)
		return keys_error(err, errlen, "", "empty key name");
	for (size_t i = 0; i < sizeof keys_named / sizeof keys_named[0]; i++) {
		if (strcasecmp(name, keys_named[i].name) == 0) {
			*key = keys_named[i].key;
			return 0;
		}
	}
	/* Aliases people type. */
	if (strcasecmp(name, "PageUp") == 0 || strcasecmp(name, "PPage") == 0) {
		*key = KEY_PPAGE;
		return 0;
	}
	if (strcasecmp(name, "PageDown") == 0 || strcasecmp(name, "NPage") == 0) {
		*key = KEY_NPAGE;
		return 0;
	}
	if (strcasecmp(name, "Return") == 0) {
		*key = '\r';
		return 0;
	}
	if (strcasecmp(name, "Escape") == 0) {
		*key = 27;
		return 0;
	}
	if (strcasecmp(name, "Delete") == 0) {
		*key = KEY_DC;
		return 0;
	}
	if (name[1] == '\0') {
		unsigned char c = (unsigned char)name[0];
		if (c < 0x21 || c > 0x7e)
			return keys_error(err, errlen, name, "use a name (Space, Tab, Enter...) for this key");
		*key = c;
		return 0;
	}
	if ((name[0] == 'C' || name[0] == 'c' || name[0] == '^') &&
	    (name[1] == '-' || name[0] == '^') && name[name[0] == '^' ? 1 : 2] &&
	    !name[name[0] == '^' ? 2 : 3]) {
		unsigned char c = (unsigned char)tolower((unsigned char)name[name[0] == '^' ? 1 : 2]);
		if (c < 'a' || c > 'z')
			return keys_error(err, errlen, name, "control keys are C-a to C-z");
		*key = c - 'a' + 1;
		return 0;
	}
	if ((name[0] == 'F' || name[0] == 'f') && isdigit((unsigned char)name[1])) {
		char *end;
		long n = strtol(name + 1, &end, 10);
		if (*end || n < 1 || n > 12)
			return keys_error(err, errlen, name, "function keys are F1 to F12");
		*key = KEY_F((int)n);
		return 0;
	}
	return keys_error(err, errlen, name,
	                  "expected a character, C-x, F1-F12 or one of Up Down Left Right "
	                  "S-Left S-Right Home End PgUp PgDn Ins Del Tab S-Tab Enter Esc Space Backspace");
}

const char *keys_name(int key, char *buf, size_t len)
{
	key = keys_normalize(key);
	for (size_t i = 0; i < sizeof keys_named / sizeof keys_named[0]; i++) {
		if (keys_named[i].key == key) {
			snprintf(buf, len, "%s", keys_named[i].name);
			return buf;
		}
	}
	if (key >= KEY_F(1) && key <= KEY_F(12))
		snprintf(buf, len, "F%d", key - KEY_F0);
	else if (key >= 1 && key <= 26)
		snprintf(buf, len, "C-%c", 'a' + key - 1);
	else if (key > 0x20 && key < 0x7f)
		snprintf(buf, len, "%c", key);
	else
		snprintf(buf, len, "<%d>", key);
	return buf;
}

/* ---- the map ----------------------------------------------------------- */

struct keys_binding {
	int key;
	enum action action;
};

struct keys_map {
	size_t n, cap;
	struct keys_binding *b;
};

static struct keys_binding *keys_find(const struct keys_map *m, enum action_group g, int key)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->b[i].key == key && keys_table[m->b[i].action].group == g)
			return &m->b[i];
	return NULL;
}

int keys_bind(struct keys_map *m, int key, enum action a)
{
	if (!keys_valid(a))
		return -1;
	key = keys_normalize(key);
	struct keys_binding *old = keys_find(m, keys_table[a].group, key);
	if (old) {
		old->action = a;
		return 0;
	}
	if (m->n == m->cap) {
		size_t cap = m->cap ? 2 * m->cap : 128;
		struct keys_binding *b = realloc(m->b, cap * sizeof *b);
		if (!b)
			return -1;
		m->b = b;
		m->cap = cap;
	}
	m->b[m->n++] = (struct keys_binding){ key, a };
	return 0;
}

void keys_unbind(struct keys_map *m, enum action_group group, int key)
{
	struct keys_binding *old = keys_find(m, group, keys_normalize(key));
	if (old)
		*old = m->b[--m->n];
}

struct keys_map *keys_map_new(void)
{
	struct keys_map *m = calloc(1, sizeof *m);
	if (!m)
		return NULL;
	for (int a = 1; a < ACTION_COUNT; a++) {
		char name[32];
		const char *p = keys_table[a].keys;
		while (*p) {
			size_t n = strcspn(p, " ");
			if (n && n < sizeof name) {
				int key;
				memcpy(name, p, n);
				name[n] = '\0';
				/* The table's names are checked by tests/test_keys. */
				if (keys_parse(name, &key, NULL, 0) == 0 && keys_bind(m, key, (enum action)a) != 0) {
					keys_map_free(m);
					return NULL;
				}
			}
			p += n;
			p += strspn(p, " ");
		}
	}
	return m;
}

void keys_map_free(struct keys_map *m)
{
	if (!m)
		return;
	free(m->b);
	free(m);
}

static const enum action_group keys_chain[KEYS_SCREEN_COUNT][4] = {
	[KEYS_SCREEN_STEER] = { ACTION_GROUP_STEER, ACTION_GROUP_GLOBAL, ACTION_GROUP_COUNT },
	[KEYS_SCREEN_FRONT] = { ACTION_GROUP_FRONT, ACTION_GROUP_GLOBAL, ACTION_GROUP_COUNT },
	[KEYS_SCREEN_RUNS] = { ACTION_GROUP_RUNS, ACTION_GROUP_LIST, ACTION_GROUP_GLOBAL, ACTION_GROUP_COUNT },
	[KEYS_SCREEN_JOBS] = { ACTION_GROUP_JOBS, ACTION_GROUP_LIST, ACTION_GROUP_GLOBAL, ACTION_GROUP_COUNT },
	[KEYS_SCREEN_HELP] = { ACTION_GROUP_HELP, ACTION_GROUP_LIST, ACTION_GROUP_GLOBAL, ACTION_GROUP_COUNT },
	[KEYS_SCREEN_CONFIRM] = { ACTION_GROUP_CONFIRM, ACTION_GROUP_COUNT },
	[KEYS_SCREEN_FORM] = { ACTION_GROUP_FORM, ACTION_GROUP_COUNT },
};

enum action keys_lookup(const struct keys_map *m, enum keys_screen s, int key)
{
	if (!m || s >= KEYS_SCREEN_COUNT)
		return ACTION_NONE;
	key = keys_normalize(key);
	for (int i = 0; i < 4 && keys_chain[s][i] != ACTION_GROUP_COUNT; i++) {
		const struct keys_binding *b = keys_find(m, keys_chain[s][i], key);
		if (b)
			return b->action;
	}
	return ACTION_NONE;
}

const char *keys_of(const struct keys_map *m, enum action a, char *buf, size_t len)
{
	size_t used = 0;
	if (!len)
		return buf;
	buf[0] = '\0';
	/* Default keys first, in the table's order, then the user's additions. */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < m->n; i++) {
			if (m->b[i].action != a)
				continue;
			char name[32];
			keys_name(m->b[i].key, name, sizeof name);
			int is_default = 0;
			const char *p = keys_table[a].keys;
			while (*p) {
				size_t n = strcspn(p, " ");
				int k;
				char tok[32];
				if (n < sizeof tok) {
					memcpy(tok, p, n);
					tok[n] = '\0';
					if (keys_parse(tok, &k, NULL, 0) == 0 && keys_normalize(k) == m->b[i].key)
						is_default = 1;
				}
				p += n;
				p += strspn(p, " ");
			}
			if (is_default != (pass == 0))
				continue;
			int w = snprintf(buf + used, len - used, "%s%s", used ? ", " : "", name);
			if (w < 0 || (size_t)w >= len - used)
				return buf;
			used += (size_t)w;
		}
	}
	return buf;
}

void keys_help(const struct keys_map *m,
               void (*line)(void *ctx, enum action a, const char *keys, const char *text),
               void *ctx)
{
	char buf[128];
	for (int g = 0; g < ACTION_GROUP_COUNT; g++) {
		line(ctx, ACTION_NONE, NULL, keys_groups[g].title);
		for (int a = 1; a < ACTION_COUNT; a++) {
			if (keys_table[a].group != (enum action_group)g)
				continue;
			line(ctx, (enum action)a, keys_of(m, (enum action)a, buf, sizeof buf),
			     keys_table[a].help);
		}
	}
}
