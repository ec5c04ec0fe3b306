#include "config.h"

#include "ui/ricrc.h"

#include "ui/theme.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const ricrc_settings[] = {
#define RICRC_NAME(name, help) name,
	RICRC_SETTINGS(RICRC_NAME)
#undef RICRC_NAME
	NULL
};

const char *ricrc_setting(const char *name)
{
	char canon[64];
	size_t n = name ? strlen(name) : 0;
	if (!n || n >= sizeof canon)
		return NULL;
	for (size_t i = 0; i <= n; i++)
		canon[i] = name[i] == '_' ? '-' : name[i];
	for (size_t i = 0; ricrc_settings[i]; i++)
		if (strcmp(canon, ricrc_settings[i]) == 0)
			return ricrc_settings[i];
	return NULL;
}

const char *ricrc_complete(const char *prefix, int *state)
{
	size_t n = prefix ? strlen(prefix) : 0;
	for (int i = *state; ricrc_settings[i]; i++) {
		if (strncmp(ricrc_settings[i], prefix ? prefix : "", n) == 0) {
			*state = i + 1;
			return ricrc_settings[i];
		}
	}
	return NULL;
}

static void ricrc_error(struct ricrc_errors *e, const char *name, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void ricrc_error(struct ricrc_errors *e, const char *name, int line, const char *fmt, ...)
{
	e->count++;
	size_t used = strlen(e->text);
	if (used + 1 >= sizeof e->text)
		return;
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (line > 0)
		snprintf(e->text + used, sizeof e->text - used, "%s:%d: %s\n", name, line, msg);
	else
		snprintf(e->text + used, sizeof e->text - used, "%s: %s\n", name, msg);
}

#define RICRC_MAX_WORDS 8

/* Splits a line into words: blanks separate, "double quotes" group (with \"
 * and \\ inside), an unquoted word starting with '#' ends the line. Words are
 * written into `store`. Returns the count, or -1 on an open quote. */
static int ricrc_words(const char *line, size_t len, char *store, char *words[RICRC_MAX_WORDS + 1])
{
	int n = 0;
	size_t i = 0, o = 0;
	for (;;) {
		while (i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'))
			i++;
		if (i >= len || line[i] == '#')
			return n;
		if (n > RICRC_MAX_WORDS)
			return n;
		words[n++] = store + o;
		if (line[i] == '"') {
			i++;
			while (i < len && line[i] != '"') {
				if (line[i] == '\\' && i + 1 < len && (line[i + 1] == '"' || line[i + 1] == '\\'))
					i++;
				store[o++] = line[i++];
			}
			if (i >= len)
				return -1;
			i++;
		} else {
			while (i < len && line[i] != ' ' && line[i] != '\t' && line[i] != '\r')
				store[o++] = line[i++];
		}
		store[o++] = '\0';
	}
}

static void ricrc_set(char **w, int n, const char *name, int ln, const struct ricrc_ops *ops,
                      struct ricrc_errors *e)
{
	/* "set NAME = VALUE", "set NAME VALUE" or "set NAME=VALUE" */
	if (n == 4 && strcmp(w[2], "=") == 0) {
		w[2] = w[3];
		n = 3;
	} else if (n == 2 && strchr(w[1], '=') && w[1][0] != '=') {
		char *eq = strchr(w[1], '=');
		*eq = '\0';
		w[2] = eq + 1;
		n = 3;
	} else if (n == 3 && (strchr(w[1], '=') || strcmp(w[2], "=") == 0)) {
		n = 0;
	}
	if (n != 3 || !*w[2]) {
		ricrc_error(e, name, ln, "usage: set NAME = VALUE");
		return;
	}
	const char *canon = ricrc_setting(w[1]);
	if (!canon) {
		char list[256] = "";
		for (size_t i = 0; ricrc_settings[i]; i++) {
			size_t u = strlen(list);
			snprintf(list + u, sizeof list - u, "%s%s", i ? ", " : "", ricrc_settings[i]);
		}
		ricrc_error(e, name, ln, "unknown setting '%s' (settings: %s)", w[1], list);
		return;
	}
	char err[256] = "";
	if (ops->set && ops->set(ops->ctx, canon, w[2], err, sizeof err) != 0)
		ricrc_error(e, name, ln, "set %s: %s", canon, err[0] ? err : "bad value");
}

static int ricrc_key(const char *word, const char *name, int ln, struct ricrc_errors *e, int *key)
{
	char err[256];
	if (keys_parse(word, key, err, sizeof err) != 0) {
		ricrc_error(e, name, ln, "%s", err);
		return -1;
	}
	return 0;
}

static void ricrc_unbind_all(struct keys_map *km, int key)
{
	for (int g = 0; g < ACTION_GROUP_COUNT; g++)
		keys_unbind(km, (enum action_group)g, key);
}

static void ricrc_bind(char **w, int n, const char *name, int ln, const struct ricrc_ops *ops,
                       struct ricrc_errors *e)
{
	int key;
	if (n != 3) {
		ricrc_error(e, name, ln, "usage: bind KEY ACTION (actions are listed by ? in ric-tui and in ric-tui(1))");
		return;
	}
	if (ricrc_key(w[1], name, ln, e, &key) != 0)
		return;
	if (strcmp(w[2], "none") == 0) {
		if (ops->keys)
			ricrc_unbind_all(ops->keys, key);
		return;
	}
	enum action a = keys_action_from_name(w[2]);
	if (a == ACTION_NONE) {
		ricrc_error(e, name, ln, "unknown action '%s' (actions are listed by ? in ric-tui and in ric-tui(1))",
		            w[2]);
		return;
	}
	if (!ops->keys)
		ricrc_error(e, name, ln, "key bindings are not read here");
	else if (keys_bind(ops->keys, key, a) != 0)
		ricrc_error(e, name, ln, "out of memory");
}

static void ricrc_color(char **w, int n, const char *name, int ln, const struct ricrc_ops *ops,
                        struct ricrc_errors *e)
{
	if (n != 3 && n != 4) {
		ricrc_error(e, name, ln, "usage: color ITEM FOREGROUND [BACKGROUND]");
		return;
	}
	int item = theme_item_from_name(w[1]);
	if (item < 0) {
		char list[512] = "";
		for (int i = 0; i < THEME_COUNT; i++) {
			size_t u = strlen(list);
			snprintf(list + u, sizeof list - u, "%s%s", i ? ", " : "", theme_item_name((enum theme_item)i));
		}
		ricrc_error(e, name, ln, "unknown color item '%s' (items: %s)", w[1], list);
		return;
	}
	int fg, bg = -1;
	for (int k = 2; k < n; k++) {
		if (theme_color_from_name(w[k], k == 2 ? &fg : &bg) != 0) {
			ricrc_error(e, name, ln,
			            "unknown color '%s' (black, red, green, yellow, blue, magenta, cyan, white, "
			            "bright-NAME, default or 0-255)",
			            w[k]);
			return;
		}
	}
	if (ops->colors)
		theme_set((enum theme_item)item, fg, bg);
}

int ricrc_parse(const char *text, size_t len, const char *name, const struct ricrc_ops *ops,
                struct ricrc_errors *e)
{
	int before = e->count;
	int ln = 0;
	size_t i = 0;
	while (i < len) {
		size_t end = i;
		while (end < len && text[end] != '\n')
			end++;
		ln++;
		size_t n = end - i;
		char *store = malloc(2 * n + 2);
		char *w[RICRC_MAX_WORDS + 1];
		if (!store) {
			ricrc_error(e, name, ln, "out of memory");
			return e->count - before;
		}
		if (memchr(text + i, '\0', n)) {
			ricrc_error(e, name, ln, "a NUL byte: this is not a text file");
		} else {
			int nw = ricrc_words(text + i, n, store, w);
			if (nw < 0)
				ricrc_error(e, name, ln, "unterminated \"quote\"");
			else if (nw > RICRC_MAX_WORDS)
				ricrc_error(e, name, ln, "too many words");
			else if (nw == 0)
				;
			else if (strcmp(w[0], "set") == 0)
				ricrc_set(w, nw, name, ln, ops, e);
			else if (strcmp(w[0], "bind") == 0)
				ricrc_bind(w, nw, name, ln, ops, e);
			else if (strcmp(w[0], "unbind") == 0) {
				int key;
				if (nw != 2)
					ricrc_error(e, name, ln, "usage: unbind KEY");
				else if (ricrc_key(w[1], name, ln, e, &key) == 0 && ops->keys)
					ricrc_unbind_all(ops->keys, key);
			} else if (strcmp(w[0], "color") == 0)
				ricrc_color(w, nw, name, ln, ops, e);
			else if (strcmp(w[0], "theme") == 0) {
				if (nw != 2)
					ricrc_error(e, name, ln, "usage: theme %s", "dark|light|monochrome");
				else if (strcasecmp(w[1], "dark") != 0 && strcasecmp(w[1], "light") != 0 &&
				         strcasecmp(w[1], "monochrome") != 0)
					ricrc_error(e, name, ln, "unknown theme '%s' (%s)", w[1], THEME_PRESETS);
				else if (ops->colors)
					theme_preset(w[1]);
			} else
				ricrc_error(e, name, ln, "unknown command '%s' (set, bind, unbind, color, theme)", w[0]);
		}
		free(store);
		i = end + 1;
	}
	return e->count - before;
}

int ricrc_load(const char *path, const struct ricrc_ops *ops, struct ricrc_errors *e)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		if (errno == ENOENT)
			return 0;
		ricrc_error(e, path, 0, "%s", strerror(errno));
		return 1;
	}
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	while (buf) {
		size_t got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (len < cap)
			break;
		if (cap >= (1u << 20)) {
			free(buf);
			buf = NULL;
			fclose(f);
			ricrc_error(e, path, 0, "larger than 1 MiB: not a configuration file");
			return 1;
		}
		char *nb = realloc(buf, cap * 2);
		if (!nb) {
			free(buf);
			buf = NULL;
			break;
		}
		buf = nb;
		cap *= 2;
	}
	int err = ferror(f);
	fclose(f);
	if (!buf || err) {
		ricrc_error(e, path, 0, "%s", buf ? "read error" : "out of memory");
		free(buf);
		return 1;
	}
	int n = ricrc_parse(buf, len, path, ops, e);
	free(buf);
	return n;
}
