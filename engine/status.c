#include "config.h"

#include "engine/status.h"

#include <stdio.h>
#include <string.h>

enum status_code status_setv(struct status *st, enum status_code code, const char *fmt, va_list ap)
{
	if (!st)
		return code;
	st->code = code;
	vsnprintf(st->msg, sizeof st->msg, fmt, ap);
	return code;
}

enum status_code status_set(struct status *st, enum status_code code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	status_setv(st, code, fmt, ap);
	va_end(ap);
	return code;
}

enum status_code status_errno(struct status *st, enum status_code code, int err, const char *fmt, ...)
{
	va_list ap;
	if (!st)
		return code;
	va_start(ap, fmt);
	status_setv(st, code, fmt, ap);
	va_end(ap);
	size_t n = strlen(st->msg);
	snprintf(st->msg + n, sizeof st->msg - n, ": %s", strerror(err));
	return code;
}

void status_prefix(struct status *st, const char *fmt, ...)
{
	char head[STATUS_MSG_MAX];
	va_list ap;
	if (!st)
		return;
	va_start(ap, fmt);
	vsnprintf(head, sizeof head, fmt, ap);
	va_end(ap);
	size_t h = strlen(head), m = strlen(st->msg);
	if (h + 2 >= sizeof st->msg)
		h = sizeof st->msg - 3;
	if (h + 2 + m >= sizeof st->msg)
		m = sizeof st->msg - 1 - h - 2;
	memmove(st->msg + h + 2, st->msg, m);
	memcpy(st->msg, head, h);
	memcpy(st->msg + h, ": ", 2);
	st->msg[h + 2 + m] = '\0';
}

void status_clear(struct status *st)
{
	if (st) {
		st->code = STATUS_OK;
		st->msg[0] = '\0';
	}
}

const char *status_name(enum status_code code)
{
	switch (code) {
	case STATUS_OK: return "ok";
	case STATUS_INVALID: return "invalid";
	case STATUS_IO: return "io";
	case STATUS_FORMAT: return "format";
	case STATUS_NOMEM: return "nomem";
	case STATUS_CANCELLED: return "cancelled";
	case STATUS_UNSUPPORTED: return "unsupported";
	case STATUS_INTERNAL: return "internal";
	case STATUS_DENIED: return "denied";
	}
	return "unknown";
}

void hooks_log(const struct hooks *h, enum log_level level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	if (!h || !h->log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	h->log(h->ctx, level, msg);
}

int hooks_aborted(const struct hooks *h)
{
	return h && h->abort && h->abort(h->ctx);
}
