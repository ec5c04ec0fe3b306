/* cfgjson: keys of a Hugging Face config.json, each read with a message that
 * names the file (`name`) and the key when it is wrong. Shared by the model
 * families' config readers. */
#ifndef RIC_ENGINE_CFGJSON_H
#define RIC_ENGINE_CFGJSON_H

#include <jansson.h>

#include "engine/status.h"

/* A reward head scores a handful of objectives; this bounds what config.json may ask for. */
#define CFGJSON_MAX_LABELS 4096

/* An integer key: `def` when absent; when null, `null_value` (or an error if
 * null_value is INT_MIN, for sizes that cannot be unset). */
enum status_code cfgjson_int(json_t *root, const char *name, const char *key, int def,
                             int null_value, int *out, struct status *st);
/* A boolean key that must have `want` (or be absent) for the engine to compute it. */
enum status_code cfgjson_flag(json_t *root, const char *name, const char *key, int want,
                              struct status *st);
/* A string key that must be one of `allowed` (NULL-terminated) or absent. */
enum status_code cfgjson_string(json_t *root, const char *name, const char *key,
                                const char *const *allowed, struct status *st);
/* Label count: id2label first, then num_labels, default 2 (as transformers). */
enum status_code cfgjson_labels(json_t *root, const char *name, int *labels, struct status *st);
enum status_code cfgjson_number(json_t *root, const char *name, const char *key, double def,
                                double *out, struct status *st);
enum status_code cfgjson_bool(json_t *root, const char *name, const char *key, int def, int *out,
                              struct status *st);
/* The shortest decimal of a float, as a double json_real writes back exactly. */
double cfgjson_float_value(float x);
/* num_labels, id2label, label2id; nonzero when out of memory. */
int cfgjson_set_labels(json_t *o, int labels);
/* architectures: absent, null, or a list of strings, each `prefix` followed
 * by one of the language-model classes `lm` (NULL-terminated) or by
 * ForSequenceClassification (then *classify = 1). `scope` follows "is not
 * supported" in the message (" for model_type ..." or ""). */
enum status_code cfgjson_architectures(json_t *root, const char *name, const char *prefix,
                                       const char *const *lm, const char *scope, int *classify,
                                       struct status *st);
/* What every family writes after its own keys: torch_dtype (when given),
 * pad_token_id (when set, and always for a reward model) and the labels;
 * nonzero when out of memory. */
int cfgjson_set_common(json_t *o, const char *torch_dtype, int pad_token_id, int num_labels);

#endif
