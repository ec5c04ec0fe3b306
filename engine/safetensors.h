/* safetensors: read and write Hugging Face .safetensors files.
 *
 *   struct safetensors *f;
 *   struct status st = STATUS_INIT;
 *   if (safetensors_open("m/model.safetensors", &f, &st) != STATUS_OK) return st.code;
 *   const struct safetensors_tensor *t = safetensors_find(f, "wte.weight");
 *   float *w = malloc(safetensors_numel(t) * sizeof *w);
 *   safetensors_to_f32(t, w);                     // F32, F16, BF16 -> F32
 *   safetensors_close(f);
 *
 *   struct safetensors_writer *w = safetensors_writer_new();
 *   safetensors_writer_add(w, "logits", ST_F32, 3, (int64_t[]){2, 5, 64}, data);
 *   safetensors_writer_meta(w, "format", "pt");
 *   safetensors_writer_save(w, "out.safetensors", &st);  // temp file + rename
 *   safetensors_writer_free(w);
 *
 * Layout: u64 little-endian header length N, N bytes of a JSON object
 * {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {str: str}},
 * then the data; offsets are relative to byte 8 + N. The reader validates like
 * the reference implementation: N <= 100,000,000, a JSON object, known dtypes,
 * offsets contiguous from 0 to the end of the file, byte length = numel x dtype
 * size, no duplicate names. Every error names the file (and the tensor).
 */
#ifndef RIC_ENGINE_SAFETENSORS_H
#define RIC_ENGINE_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#include "engine/status.h"

enum safetensors_dtype {
	ST_BOOL, ST_U8, ST_I8, ST_I16, ST_U16, ST_F16, ST_BF16, ST_I32, ST_U32,
	ST_F32, ST_F64, ST_I64, ST_U64
};

#define SAFETENSORS_MAX_DIMS 8

struct safetensors_tensor {
	const char *name;
	enum safetensors_dtype dtype;
	int ndim;
	int64_t shape[SAFETENSORS_MAX_DIMS];
	size_t nbytes;
	const void *data; /* into the mapped file; valid until close */
};

struct safetensors;

enum status_code safetensors_open(const char *path, struct safetensors **out, struct status *st);
/* Parses a file already in memory (`len` bytes at `buf`, which must outlive the
 * result); `name` stands for the file in messages. Used by the fuzz harness. */
enum status_code safetensors_open_mem(const void *buf, size_t len, const char *name,
                                      struct safetensors **out, struct status *st);
void safetensors_close(struct safetensors *f);

size_t safetensors_count(const struct safetensors *f);
const struct safetensors_tensor *safetensors_at(const struct safetensors *f, size_t i);
const struct safetensors_tensor *safetensors_find(const struct safetensors *f, const char *name);
const char *safetensors_path(const struct safetensors *f);
/* Lets the pages of t's data in a mapped file leave this process's memory
 * (they stay readable: they come back from the page cache when read again). */
void safetensors_drop(const struct safetensors *f, const struct safetensors_tensor *t);
/* The same for bytes [at, at + n) of t's data only (a slice already read). */
void safetensors_drop_bytes(const struct safetensors *f, const struct safetensors_tensor *t,
                            size_t at, size_t n);
/* A __metadata__ value, or NULL. */
const char *safetensors_meta(const struct safetensors *f, const char *key);

int64_t safetensors_numel(const struct safetensors_tensor *t);
size_t safetensors_dtype_size(enum safetensors_dtype dt);
const char *safetensors_dtype_name(enum safetensors_dtype dt);
/* Converts F32/F16/BF16/F64 (and integer types) to F32; returns 0, or -1 for BOOL. */
int safetensors_to_f32(const struct safetensors_tensor *t, float *dst);

/* Scalar conversions: F16 with subnormals, infinities and NaN; F32 -> BF16/F16
 * round to nearest even (as torch's .to(dtype)), NaN stays NaN. */
float safetensors_f16_to_f32(uint16_t h);
float safetensors_bf16_to_f32(uint16_t b);
uint16_t safetensors_f32_to_f16(float f);
uint16_t safetensors_f32_to_bf16(float f);

struct safetensors_writer;
struct safetensors_writer *safetensors_writer_new(void);
/* Copies `f32` (numel floats) and stores it as `dtype` (ST_F32, ST_BF16 or ST_F16). */
enum status_code safetensors_writer_add(struct safetensors_writer *w, const char *name,
                                        enum safetensors_dtype dtype, int ndim,
                                        const int64_t *shape, const float *f32, struct status *st);
/* Like safetensors_writer_add but borrows `f32`, which must stay valid and
 * unchanged until safetensors_writer_save (no copy of a large model). */
enum status_code safetensors_writer_add_ref(struct safetensors_writer *w, const char *name,
                                            enum safetensors_dtype dtype, int ndim,
                                            const int64_t *shape, const float *f32, struct status *st);
/* Stores raw bytes already in `dtype` (e.g. I64 token ids). */
enum status_code safetensors_writer_add_raw(struct safetensors_writer *w, const char *name,
                                            enum safetensors_dtype dtype, int ndim,
                                            const int64_t *shape, const void *bytes, struct status *st);
void safetensors_writer_meta(struct safetensors_writer *w, const char *key, const char *value);
/* Writes `path` atomically (a temporary file in the same folder, fsync, rename). */
enum status_code safetensors_writer_save(struct safetensors_writer *w, const char *path, struct status *st);
void safetensors_writer_free(struct safetensors_writer *w);

#endif
