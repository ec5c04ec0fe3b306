/* store: the SQLite experiment store (runs, metrics, checkpoints, samples, jobs).
 *
 *   struct store *s;
 *   struct store_err err;
 *   if (store_open("/home/me/.local/share/ric/store.db", STORE_CREATE, &s, &err) != STORE_OK) {
 *       fprintf(stderr, "ric: %s\n", err.msg);
 *       return 1;
 *   }
 *   ...
 *   store_close(s);
 *
 * The store never prints and never exits; every call returns a code and fills
 * `err` with a message naming the file and the problem.
 */
#ifndef RIC_STORE_STORE_H
#define RIC_STORE_STORE_H

enum store_code {
	STORE_OK = 0,
	STORE_EINVAL,   /* bad argument */
	STORE_EIO,      /* the file or its folder cannot be used */
	STORE_ENOTDB,   /* the file is not a SQLite database */
	STORE_ENEWER,   /* written by a newer ric: refuse rather than guess */
	STORE_EREADONLY,/* a write was needed but the store is read-only */
	STORE_ENOTFOUND,/* no such run, tag, ... */
	STORE_ECORRUPT, /* integrity or invariant check failed */
	STORE_EINTERNAL /* an unexpected SQLite error */
};

#define STORE_ERR_MAX 512
struct store_err {
	enum store_code code;
	char msg[STORE_ERR_MAX];
};

enum store_open_flags {
	STORE_CREATE = 1 << 0,   /* create the file (and its folder) when missing */
	STORE_READONLY = 1 << 1  /* never write: no migration, no creation */
};

struct store;

enum store_code store_open(const char *path, int flags, struct store **out, struct store_err *err);
void store_close(struct store *s);
const char *store_path(const struct store *s);

#endif
