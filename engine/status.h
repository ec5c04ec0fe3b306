/* status: the error value every engine call returns, with a message.
 *
 *   struct status st = STATUS_INIT;
 *   if (model_load(dir, &m, &st) != STATUS_OK) {
 *       fprintf(stderr, "ric: %s\n", st.msg);   // caller prints; the engine never does
 *       return 1;
 *   }
 *
 * Functions fill `st` on failure and return its code; on success they leave it
 * untouched, so one status can follow a sequence of calls.
 */
#ifndef RIC_ENGINE_STATUS_H
#define RIC_ENGINE_STATUS_H

#include <stdarg.h>

enum status_code {
	STATUS_OK = 0,
	STATUS_INVALID,     /* bad argument or value from the caller */
	STATUS_IO,          /* a file or process could not be read or written */
	STATUS_FORMAT,      /* a file's contents are malformed */
	STATUS_NOMEM,       /* an allocation failed */
	STATUS_CANCELLED,   /* the abort callback asked to stop */
	STATUS_UNSUPPORTED, /* valid input this build does not handle */
	STATUS_INTERNAL,    /* a broken invariant: a bug in ric */
	STATUS_DENIED       /* needs the user's consent first (a program named in a file) */
};

#define STATUS_MSG_MAX 512

struct status {
	enum status_code code;
	char msg[STATUS_MSG_MAX];
};

#define STATUS_INIT { STATUS_OK, "" }

/* Record `code` with a printf-style message; returns `code`. `st` may be NULL. */
enum status_code status_set(struct status *st, enum status_code code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
enum status_code status_setv(struct status *st, enum status_code code, const char *fmt, va_list ap);

/* Record `code` with the text of errno `err` appended: "open x: No such file". */
enum status_code status_errno(struct status *st, enum status_code code, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Put "context: " in front of an existing message, e.g. the file being read. */
void status_prefix(struct status *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void status_clear(struct status *st);

/* A short stable name for a code ("format", "io"), for logs and JSON. */
const char *status_name(enum status_code code);

/* The hooks every long-running engine call takes: the engine reports through
 * `log` and polls `abort` (non-zero = stop) often enough that a cancel lands
 * within ~50 ms. Either may be NULL. */
enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN };
struct hooks {
	void (*log)(void *ctx, enum log_level level, const char *msg);
	int (*abort)(void *ctx);
	void *ctx;
};

void hooks_log(const struct hooks *h, enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int hooks_aborted(const struct hooks *h);

#endif
