#include "config.h"

#include "src/cli_spec.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* The index of the option called name, or sp->n. */
static size_t cli_spec_index(const struct cli_spec *sp, const char *name)
{
	size_t i = 0;
	while (i < sp->n && strcmp(sp->opt[i].name, name) != 0)
		i++;
	return i;
}

const struct cli_spec_opt *cli_spec_find(const struct cli_spec *sp, const char *name)
{
	size_t i = cli_spec_index(sp, name);
	return i < sp->n ? &sp->opt[i] : NULL;
}

static struct cli_spec_opt *cli_spec_add(struct cli_spec *sp, const char *name, size_t len)
{
	char n[48];
	snprintf(n, sizeof n, "%.*s", (int)(len < sizeof n - 1 ? len : sizeof n - 1), name);
	if (strcmp(n, "help") == 0 || strcmp(n, "job") == 0 || !*n)
		return NULL;
	size_t i = cli_spec_index(sp, n);
	if (i < sp->n)
		return &sp->opt[i];
	if (sp->n == CLI_SPEC_MAX)
		return NULL;
	struct cli_spec_opt *o = &sp->opt[sp->n++];
	memset(o, 0, sizeof *o);
	memcpy(o->name, n, strlen(n) + 1);
	return o;
}

static size_t cli_spec_optlen(const char *p)
{
	size_t k = 0;
	while (isalnum((unsigned char)p[k]) || p[k] == '-')
		k++;
	return k;
}

/* One word of the usage at bracket depth `depth` (before its own brackets). */
struct cli_spec_word {
	char text[96];
	int depth;   /* brackets open before the word */
	int repeat;  /* the bracket it closes is followed by "..." */
};

static size_t cli_spec_words(const char *usage, struct cli_spec_word *w, size_t max)
{
	size_t n = 0;
	int depth = 0;
	const char *p = usage;
	while (*p && n < max) {
		if (isspace((unsigned char)*p)) {
			p++;
			continue;
		}
		if (*p == '[') {
			depth++;
			p++;
			continue;
		}
		if (*p == ']') {
			depth--;
			p++;
			if (strncmp(p, "...", 3) == 0) {
				/* the words of the bracket just closed repeat */
				for (size_t k = n; k-- > 0 && w[k].depth > depth;)
					w[k].repeat = 1;
				p += 3;
			}
			continue;
		}
		size_t len = 0;
		/* "NAME[=SPEC]" stays one word, its brackets with it */
		while (p[len] && !isspace((unsigned char)p[len]) && p[len] != ']') {
			if (p[len] == '[') {
				const char *close = strchr(p + len, ']');
				if (!close)
					break;
				len = (size_t)(close - p) + 1;
				continue;
			}
			len++;
		}
		snprintf(w[n].text, sizeof w[n].text, "%.*s", (int)(len < 95 ? len : 95), p);
		w[n].depth = depth;
		w[n].repeat = 0;
		n++;
		p += len;
	}
	return n;
}

static void cli_spec_usage(const char *usage, struct cli_spec *sp)
{
	struct cli_spec_word w[160];
	size_t n = cli_spec_words(usage, w, 160);
	int group = 0;
	/* Skip "ric STAGE" (and a sub-command word). */
	size_t i = 0;
	while (i < n && w[i].text[0] != '-' && w[i].depth == 0 && !isupper((unsigned char)w[i].text[0]))
		i++;
	for (; i < n; i++) {
		const char *t = w[i].text;
		if (strncmp(t, "--", 2) != 0) {
			if (w[i].depth == 0 && isupper((unsigned char)t[0]) && !sp->positional[0]) {
				snprintf(sp->positional, sizeof sp->positional, "%s", t);
				sp->positional_required = 1;
			}
			continue;
		}
		struct cli_spec_opt *o = cli_spec_add(sp, t + 2, cli_spec_optlen(t + 2));
		if (!o)
			continue;
		o->repeat |= w[i].repeat;
		if (i + 1 >= n || strncmp(w[i + 1].text, "--", 2) == 0 || w[i + 1].depth != w[i].depth ||
		    !isupper((unsigned char)w[i + 1].text[0])) {
			o->required |= w[i].depth == 0;
			continue;
		}
		const char *arg = w[++i].text;
		const char *alt = strstr(arg, "|--");
		if (!alt) {
			o->required |= w[i].depth == 0;
			if (!o->arg[0])
				snprintf(o->arg, sizeof o->arg, "%s", arg);
			continue;
		}
		/* "--dataset NAME|--data DIR": one of them */
		snprintf(o->arg, sizeof o->arg, "%.*s", (int)(alt - arg), arg);
		struct cli_spec_opt *b = cli_spec_add(sp, alt + 3, cli_spec_optlen(alt + 3));
		if (w[i].depth == 0) {
			o->group = ++group;
			if (b)
				b->group = group;
		}
		if (b && i + 1 < n && isupper((unsigned char)w[i + 1].text[0]))
			snprintf(b->arg, sizeof b->arg, "%s", w[++i].text);
	}
}

static void cli_spec_append(char *dst, size_t cap, const char *src, size_t len)
{
	size_t used = strlen(dst);
	if (used && used + 1 < cap)
		dst[used++] = ' ';
	snprintf(dst + used, cap - used, "%.*s", (int)len, src);
}

static void cli_spec_help(const char *help, struct cli_spec *sp)
{
	struct cli_spec_opt *last = NULL;
	const char *p = help;
	while (p && *p) {
		size_t len = strcspn(p, "\n");
		const char *line = p;
		p += len + (p[len] == '\n');
		if (len > 4 && strncmp(line, "  --", 4) == 0) {
			const char *q = line + 4;
			size_t nl = cli_spec_optlen(q);
			last = cli_spec_add(sp, q, nl);
			if (!last)
				continue;
			q += nl;
			const char *end = line + len;
			/* " ARG" when one word follows with a single blank before the text */
			if (*q == ' ' && q[1] != ' ' && q < end) {
				const char *a = q + 1;
				size_t al = 0;
				while (a + al < end && a[al] != ' ')
					al++;
				if (!last->arg[0])
					snprintf(last->arg, sizeof last->arg, "%.*s", (int)al, a);
				q = a + al;
			}
			while (q < end && *q == ' ')
				q++;
			last->help[0] = '\0';
			cli_spec_append(last->help, sizeof last->help, q, (size_t)(end - q));
		} else if (last && len > 4 && strncmp(line, "    ", 4) == 0) {
			const char *q = line;
			while (*q == ' ')
				q++;
			cli_spec_append(last->help, sizeof last->help, q, (size_t)(line + len - q));
		} else {
			last = NULL;
		}
	}
	for (size_t i = 0; i < sp->n; i++) {
		const char *d = strstr(sp->opt[i].help, "(default ");
		if (!d)
			d = strstr(sp->opt[i].help, "(default: ");
		if (!d)
			continue;
		d += strlen("(default");
		if (*d == ':')
			d++;
		d++;
		size_t dl = strcspn(d, ")");
		snprintf(sp->opt[i].def, sizeof sp->opt[i].def, "%.*s", (int)(dl < 95 ? dl : 95), d);
	}
}

void cli_spec_parse(const char *usage, const char *help, struct cli_spec *out)
{
	memset(out, 0, sizeof *out);
	if (usage)
		cli_spec_usage(usage, out);
	if (help)
		cli_spec_help(help, out);
}
