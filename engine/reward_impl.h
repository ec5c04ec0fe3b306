/* reward_impl: what the reward kinds share with the dispatcher (engine/reward.c);
 * not for callers.
 *
 *   static const struct reward_ops brevity_ops = { brevity_score, brevity_close };
 *   struct reward *r = reward_new(&brevity_ops, spec, sizeof(struct brevity), st);
 *
 * A kind allocates its state after the common head through reward_new (one
 * block, the kind's struct starts with `struct reward base`), and its close
 * frees what it owns besides that block.
 */
#ifndef RIC_ENGINE_REWARD_IMPL_H
#define RIC_ENGINE_REWARD_IMPL_H

#include "engine/image.h"
#include "engine/reward.h"

struct reward_ops {
	enum status_code (*score)(struct reward *r, size_t n, const char *const *prompts,
	                          const char *const *responses, double *out, struct status *st);
	void (*close)(struct reward *r);
	/* kinds that score images (NULL: text only; score NULL: images only) */
	enum status_code (*score_images)(struct reward *r, size_t n, const struct image *im, double *out,
	                                 struct status *st);
};

struct reward {
	const struct reward_ops *ops;
	char *spec;
	struct reward_env env;
};

/* A zeroed block of `size` bytes (>= sizeof(struct reward)) with the head filled. */
struct reward *reward_new(const struct reward_ops *ops, const char *spec,
                          const struct reward_env *env, size_t size, struct status *st);

/* The kinds; `arg` is the spec after its "kind:" prefix (NULL when it has none). */
enum status_code reward_rule_open(const char *spec, const char *kind, const char *arg,
                                  const struct reward_env *env, struct reward **out,
                                  struct status *st);
enum status_code reward_regex_open(const char *spec, const char *arg, const struct reward_env *env,
                                   struct reward **out, struct status *st);
enum status_code reward_rm_open(const char *spec, const char *arg, const struct reward_env *env,
                                struct reward **out, struct status *st);
enum status_code reward_cmd_open(const char *spec, const char *arg, const struct reward_env *env,
                                 struct reward **out, struct status *st);

/* The image kinds (engine/reward_image.c): their index, or -1 for another name. */
int reward_image_kind(const char *kind);
enum status_code reward_image_open(const char *spec, const char *kind, const char *arg,
                                   const struct reward_env *env, struct reward **out,
                                   struct status *st);

/* Where rm:DIR's folder is under env (see reward.h): *path gets a new
 * string, or NULL to use arg as given. */
enum status_code reward_rm_resolve(const char *arg, const struct reward_env *env, char **path,
                                   struct status *st);

/* Words as the rule rewards see them (see reward.h): calls fn with each word,
 * lower-cased into a buffer valid during the call (words longer than 255 bytes
 * are cut). Returns the number of words. */
size_t reward_words(const char *text, void (*fn)(void *ctx, const char *w, size_t len), void *ctx);

/* The cmd: protocol's two messages (see man/ric.1, REWARD PROTOCOL), apart
 * from the process so they can be fuzzed. A request for one row is
 * {"prompt": P, "response": R}; with batch set, {"batch": [{...}, ...]} for n
 * rows. The line ends in "\n" and is malloc'd; NULL with st set when a text is
 * not valid UTF-8 or memory ran out. */
char *reward_proto_request(size_t n, int batch, const char *const *prompts,
                           const char *const *responses, size_t *len, struct status *st);
/* The same for images: a row is {"prompt": "", "image": PATH}, PATH a PNG
 * file the scorer may read until it replies. */
char *reward_proto_request_images(size_t n, int batch, const char *const *paths, size_t *len,
                                  struct status *st);
/* One reply line (without its "\n") to a request of n rows: {"reward": x} or,
 * for a batch, {"rewards": [x, ...]} with n finite numbers; or {"error": text}.
 * Messages say what is wrong and quote the start of the line. */
enum status_code reward_proto_reply(const char *line, size_t len, size_t n, int batch, double *out,
                                    struct status *st);

#endif
