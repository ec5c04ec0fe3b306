#include "config.h"

#include "src/tui_cmd.h"
#include "ui/ricrc.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct {
	const char *name;
	enum tui_cmd_kind kind;
	int min, max;            /* words after the command */
	const char *usage;
} tui_cmds[] = {
	{ "load", TUI_CMD_LOAD, 1, 2, ":load [b] PATH" },
	{ "pref", TUI_CMD_PREF, 1, TUI_CMD_MAX_PREF + 1, ":pref [a|b] W1 W2 ..." },
	{ "lock", TUI_CMD_LOCK, 1, 1, ":lock N" },
	{ "set", TUI_CMD_SET, 2, 2, ":set NAME VALUE" },
	{ "prompt", TUI_CMD_PROMPT, 0, TUI_CMD_MAX_WORDS, ":prompt TEXT" },
	{ "job", TUI_CMD_JOB, 1, TUI_CMD_MAX_WORDS, ":job STAGE ARGS..." },
	{ "cancel", TUI_CMD_CANCEL, 1, 1, ":cancel JOB" },
	{ "resume", TUI_CMD_RESUME, 1, 1, ":resume JOB" },
	{ "export", TUI_CMD_EXPORT, 1, 1, ":export FILE" },
	{ "save", TUI_CMD_SAVE, 0, 0, ":save" },
	{ "front", TUI_CMD_FRONT, 1, TUI_CMD_MAX_WORDS, ":front RUN..." },
	{ "tag", TUI_CMD_TAG, 1, 1, ":tag TAG" },
	{ "filter", TUI_CMD_FILTER, 0, TUI_CMD_MAX_WORDS, ":filter [TEXT]" },
	{ "search", TUI_CMD_SEARCH, 1, TUI_CMD_MAX_WORDS, ":search TEXT" },
	{ "sort", TUI_CMD_SORT, 1, 1, ":sort id|name|stage|status|created" },
	{ "axes", TUI_CMD_AXES, 2, 2, ":axes X Y" },
	{ "quit", TUI_CMD_QUIT, 0, 0, ":quit" },
	{ "q", TUI_CMD_QUIT, 0, 0, ":q" },
	{ "help", TUI_CMD_HELP, 0, 0, ":help" },
};
#define TUI_N_CMDS (sizeof tui_cmds / sizeof tui_cmds[0])

static const char *const tui_settings[TUI_SET_COUNT + 1] = {
	"temperature", "top-p", "samples", "max-tokens", "seed", "mapping", "mouse", NULL
};
static const char *const tui_stages[] = { "pretrain", "rm-train", "sft", "online", "relabel",
	                                  "eval", NULL };
static const char *const tui_mappings[] = { "linf", "l2", "linear", NULL };
static const char *const tui_onoff[] = { "on", "off", NULL };

const char *tui_cmd_setting_name(enum tui_setting s)
{
	return s < TUI_SET_COUNT ? tui_settings[s] : "?";
}

static int tui_cmd_fail(char *err, size_t cap, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int tui_cmd_fail(char *err, size_t cap, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, cap, fmt, ap);
	va_end(ap);
	return -1;
}

int tui_cmd_split(const char *text, char **words, size_t max, size_t *n, char *err, size_t cap)
{
	size_t len = strlen(text);
	char *buf = malloc(len + 1);
	*n = 0;
	if (!buf)
		return tui_cmd_fail(err, cap, "out of memory");
	const char *p = text;
	for (;;) {
		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		size_t k = 0;
		char quote = 0;
		for (; *p && (quote || !isspace((unsigned char)*p)); p++) {
			if (quote) {
				if (*p == quote)
					quote = 0;
				else if (*p == '\\' && quote == '"' && (p[1] == '"' || p[1] == '\\'))
					buf[k++] = *++p;
				else
					buf[k++] = *p;
			} else if (*p == '\'' || *p == '"') {
				quote = *p;
			} else if (*p == '\\' && p[1]) {
				buf[k++] = *++p;
			} else {
				buf[k++] = *p;
			}
		}
		if (quote) {
			free(buf);
			for (size_t i = 0; i < *n; i++)
				free(words[i]);
			*n = 0;
			return tui_cmd_fail(err, cap, "unfinished %c quote", quote);
		}
		if (*n == max) {
			free(buf);
			for (size_t i = 0; i < *n; i++)
				free(words[i]);
			*n = 0;
			return tui_cmd_fail(err, cap, "more than %zu words", max);
		}
		buf[k] = '\0';
		if (!(words[*n] = strdup(buf))) {
			free(buf);
			return tui_cmd_fail(err, cap, "out of memory");
		}
		(*n)++;
	}
	free(buf);
	return 0;
}

void tui_cmd_free(struct tui_cmd *c)
{
	for (size_t i = 0; i < c->n_words; i++)
		free(c->words[i]);
	free(c->rest);
	memset(c, 0, sizeof *c);
}

static int tui_cmd_number(const char *s, double lo, double hi, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (!*s || *end || errno || !isfinite(v) || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int tui_cmd_set(struct tui_cmd *c, char *err, size_t cap)
{
	const char *name = c->words[1], *value = c->words[2];
	/* ricrc's names are the canonical ones ("top_p" reads as "top-p"). */
	const char *canon = ricrc_setting(name);
	int s = -1;
	for (int i = 0; canon && i < TUI_SET_COUNT; i++)
		if (strcmp(canon, tui_settings[i]) == 0)
			s = i;
	if (s < 0)
		return tui_cmd_fail(err, cap,
		                    "no setting '%s' (temperature, top-p, samples, max-tokens, seed, "
		                    "mapping, mouse)", name);
	c->setting = (enum tui_setting)s;
	c->text = value;
	static const struct {
		double lo, hi;
		int integer;
	} range[] = {
		[TUI_SET_TEMPERATURE] = { 0, 100, 0 }, [TUI_SET_TOP_P] = { 0, 1, 0 },
		[TUI_SET_SAMPLES] = { 1, 16, 1 }, [TUI_SET_MAX_TOKENS] = { 1, 1024, 1 },
		[TUI_SET_SEED] = { 0, 9e15, 1 },
	};
	switch (c->setting) {
	case TUI_SET_MAPPING:
		for (size_t i = 0; tui_mappings[i]; i++)
			if (strcmp(value, tui_mappings[i]) == 0)
				return 0;
		return tui_cmd_fail(err, cap, "mapping '%s': choose linf, l2 or linear", value);
	case TUI_SET_MOUSE:
		if (strcmp(value, "on") == 0 || strcmp(value, "1") == 0)
			c->number = 1;
		else if (strcmp(value, "off") == 0 || strcmp(value, "0") == 0)
			c->number = 0;
		else
			return tui_cmd_fail(err, cap, "mouse is on or off, not '%s'", value);
		return 0;
	default:
		if (tui_cmd_number(value, range[s].lo, range[s].hi, &c->number) != 0 ||
		    (range[s].integer && c->number != floor(c->number)))
			return tui_cmd_fail(err, cap, "%s wants %s in %g..%g, not '%s'", name,
			                    range[s].integer ? "a whole number" : "a number", range[s].lo,
			                    range[s].hi, value);
		return 0;
	}
}

static int tui_cmd_id(const char *s, long long *id)
{
	char *end;
	const char *p = *s == '#' ? s + 1 : s;
	long long v = strtoll(p, &end, 10);
	if (!*p || *end || v <= 0)
		return -1;
	*id = v;
	return 0;
}

static int tui_cmd_args(struct tui_cmd *c, int which, char *err, size_t cap)
{
	size_t args = c->n_words - 1;
	if ((int)args < tui_cmds[which].min || (int)args > tui_cmds[which].max)
		return tui_cmd_fail(err, cap, "usage: %s", tui_cmds[which].usage);
	switch (c->kind) {
	case TUI_CMD_LOAD:
		/* :load b ADAPTER: side B of compare mode (another adapter of A's base) */
		if (c->n_words == 3 && strcasecmp(c->words[1], "b") != 0)
			return tui_cmd_fail(err, cap, "usage: %s", tui_cmds[which].usage);
		c->side = c->n_words == 3;
		c->path = c->words[c->n_words - 1];
		return 0;
	case TUI_CMD_EXPORT:
		if (c->n_words != 2)
			return tui_cmd_fail(err, cap, "usage: %s", tui_cmds[which].usage);
		c->path = c->words[1];
		return 0;
	case TUI_CMD_PREF: {
		size_t first = 1;
		if (strcmp(c->words[1], "a") == 0 || strcmp(c->words[1], "A") == 0) {
			first = 2;
		} else if (strcmp(c->words[1], "b") == 0 || strcmp(c->words[1], "B") == 0) {
			c->side = 1;
			first = 2;
		}
		/* "0.3 0.7", "0.3,0.7" and "0.3, 0.7" all read the same */
		for (size_t i = first; i < c->n_words; i++) {
			char *p = c->words[i];
			while (*p) {
				char *end;
				if (*p == ',') {
					p++;
					continue;
				}
				if (c->n_pref == TUI_CMD_MAX_PREF)
					return tui_cmd_fail(err, cap, "at most %d weights", TUI_CMD_MAX_PREF);
				double v = strtod(p, &end);
				if (end == p || !isfinite(v) || v < 0)
					return tui_cmd_fail(err, cap, "'%s' is not a weight (a number >= 0)",
					                    c->words[i]);
				c->pref[c->n_pref++] = v;
				p = end;
				if (*p && *p != ',')
					return tui_cmd_fail(err, cap, "'%s' is not a weight (a number >= 0)",
					                    c->words[i]);
			}
		}
		if (c->n_pref == 0)
			return tui_cmd_fail(err, cap, "usage: %s", tui_cmds[which].usage);
		return 0;
	}
	case TUI_CMD_LOCK: {
		double v;
		if (tui_cmd_number(c->words[1], 1, TUI_CMD_MAX_PREF, &v) != 0 || v != floor(v))
			return tui_cmd_fail(err, cap, "lock wants an objective number 1..%d, not '%s'",
			                    TUI_CMD_MAX_PREF, c->words[1]);
		c->index = (int)v - 1;
		return 0;
	}
	case TUI_CMD_SET:
		return tui_cmd_set(c, err, cap);
	case TUI_CMD_JOB: {
		for (size_t i = 0; tui_stages[i]; i++)
			if (strcmp(c->words[1], tui_stages[i]) == 0)
				return 0;
		return tui_cmd_fail(err, cap,
		                    "'%s' is not a stage that runs as a job (pretrain, rm-train, sft, "
		                    "online, relabel, eval)", c->words[1]);
	}
	case TUI_CMD_CANCEL:
	case TUI_CMD_RESUME:
		if (tui_cmd_id(c->words[1], &c->id) != 0)
			return tui_cmd_fail(err, cap, "'%s' is not a job id", c->words[1]);
		return 0;
	case TUI_CMD_TAG:
	case TUI_CMD_SORT:
		c->text = c->words[1];
		return 0;
	default:
		return 0;
	}
}

int tui_cmd_parse(const char *line, struct tui_cmd *c, char *err, size_t cap)
{
	memset(c, 0, sizeof *c);
	while (isspace((unsigned char)*line))
		line++;
	if (*line == ':')
		line++;
	while (isspace((unsigned char)*line))
		line++;
	if (!*line)
		return tui_cmd_fail(err, cap, "type a command (Tab completes), or Esc");
	/* :prompt and :filter take the rest of the line as typed (quotes and all). */
	size_t name_len = strcspn(line, " \t");
	const char *after = line + name_len;
	while (isspace((unsigned char)*after))
		after++;
	if (name_len == 6 && (strncmp(line, "prompt", 6) == 0 || strncmp(line, "filter", 6) == 0 ||
	                      strncmp(line, "search", 6) == 0)) {
		c->kind = line[0] == 'p' ? TUI_CMD_PROMPT : line[0] == 'f' ? TUI_CMD_FILTER : TUI_CMD_SEARCH;
		if (!(c->rest = strdup(after)))
			return tui_cmd_fail(err, cap, "out of memory");
		size_t n = strlen(c->rest);
		while (n > 0 && isspace((unsigned char)c->rest[n - 1]))
			c->rest[--n] = '\0';
		if (c->kind != TUI_CMD_FILTER && n == 0) {
			const char *name = c->kind == TUI_CMD_PROMPT ? "prompt" : "search";
			tui_cmd_free(c);
			return tui_cmd_fail(err, cap, "usage: :%s TEXT", name);
		}
		c->text = c->rest;
		return 0;
	}
	if (tui_cmd_split(line, c->words, TUI_CMD_MAX_WORDS, &c->n_words, err, cap) != 0)
		return -1;
	const char *name = c->words[0];
	for (size_t i = 0; i < TUI_N_CMDS; i++) {
		if (strcmp(name, tui_cmds[i].name) == 0) {
			c->kind = tui_cmds[i].kind;
			if (tui_cmd_args(c, (int)i, err, cap) != 0) {
				tui_cmd_free(c);
				return -1;
			}
			return 0;
		}
	}
	enum action a = keys_action_from_name(name);
	if (a != ACTION_NONE) {
		if (c->n_words > 1) {
			tui_cmd_fail(err, cap, "%s takes no arguments", name);
			tui_cmd_free(c);
			return -1;
		}
		c->kind = TUI_CMD_ACTION;
		c->action = a;
		return 0;
	}
	tui_cmd_fail(err, cap, "unknown command '%s' (Tab completes; :help lists the keys)", name);
	tui_cmd_free(c);
	return -1;
}

/* ---- completion ------------------------------------------------------------ */

enum tui_complete tui_cmd_complete_kind(const char *line, int start)
{
	const char *p = line;
	while (isspace((unsigned char)*p) || *p == ':')
		p++;
	if (p - line >= start)
		return TUI_COMPLETE_COMMAND;
	size_t len = strcspn(p, " \t");
	if ((int)(p - line + len) >= start)
		return TUI_COMPLETE_COMMAND;
	/* which word is being completed: count the words before start */
	int word = 0;
	for (const char *q = p + len; q < line + start;) {
		while (q < line + start && isspace((unsigned char)*q))
			q++;
		if (q >= line + start)
			break;
		word++;
		while (q < line + start && !isspace((unsigned char)*q))
			q++;
	}
	word++; /* the word at start */
#define IS(s) (len == strlen(s) && strncmp(p, s, len) == 0)
	if (IS("load"))
		return word <= 2 ? TUI_COMPLETE_PATH : TUI_COMPLETE_NONE;
	if (IS("export"))
		return word == 1 ? TUI_COMPLETE_PATH : TUI_COMPLETE_NONE;
	if (IS("front"))
		return TUI_COMPLETE_RUN;
	if (IS("set") && word == 1)
		return TUI_COMPLETE_SETTING;
	if (IS("set") && word == 2) {
		const char *w = p + len;
		while (isspace((unsigned char)*w))
			w++;
		if (strncmp(w, "mapping", 7) == 0 && isspace((unsigned char)w[7]))
			return TUI_COMPLETE_MAPPING;
		if (strncmp(w, "mouse", 5) == 0 && isspace((unsigned char)w[5]))
			return TUI_COMPLETE_ONOFF;
	}
	if (IS("job"))
		return word == 1 ? TUI_COMPLETE_STAGE : TUI_COMPLETE_PATH;
#undef IS
	return TUI_COMPLETE_NONE;
}

static const char *tui_cmd_from_list(const char *const *list, const char *prefix, int *state)
{
	size_t n = strlen(prefix);
	for (int i = *state; list[i]; i++) {
		if (strncmp(list[i], prefix, n) == 0) {
			*state = i + 1;
			return list[i];
		}
	}
	*state = -1;
	return NULL;
}

#define TUI_CMD_KEYS_STATE (1 << 20)

const char *tui_cmd_complete_word(enum tui_complete k, const char *prefix, int *state)
{
	if (*state < 0)
		return NULL;
	switch (k) {
	case TUI_COMPLETE_COMMAND: {
		size_t n = strlen(prefix);
		for (int i = *state; i < (int)TUI_N_CMDS && i < TUI_CMD_KEYS_STATE; i++) {
			/* ":q" is a shorthand, not something to offer */
			if (strcmp(tui_cmds[i].name, "q") != 0 && strncmp(tui_cmds[i].name, prefix, n) == 0) {
				*state = i + 1;
				return tui_cmds[i].name;
			}
		}
		int ks = *state >= TUI_CMD_KEYS_STATE ? *state - TUI_CMD_KEYS_STATE : 0;
		const char *s = keys_complete(prefix, &ks);
		*state = s ? TUI_CMD_KEYS_STATE + ks : -1;
		return s;
	}
	case TUI_COMPLETE_SETTING:
		return tui_cmd_from_list(tui_settings, prefix, state);
	case TUI_COMPLETE_STAGE:
		return tui_cmd_from_list(tui_stages, prefix, state);
	case TUI_COMPLETE_MAPPING:
		return tui_cmd_from_list(tui_mappings, prefix, state);
	case TUI_COMPLETE_ONOFF:
		return tui_cmd_from_list(tui_onoff, prefix, state);
	default:
		return NULL;
	}
}
