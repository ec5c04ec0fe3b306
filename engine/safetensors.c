#include "config.h"

#include "engine/safetensors.h"

#include "engine/atomicfile.h"
#include "engine/jsonerr.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <emmintrin.h>
#define ST_SSE2 1 /* part of every x86-64 */
#else
#define ST_SSE2 0
#endif

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "safetensors data is little-endian and is read in place; this host is not"
#endif

/* The reference reader's bound: a larger header is refused before parsing. */
#define SAFETENSORS_MAX_HEADER 100000000ull

static const struct {
	const char *name;
	size_t size;
} safetensors_dtypes[] = {
	[ST_BOOL] = { "BOOL", 1 }, [ST_U8] = { "U8", 1 },   [ST_I8] = { "I8", 1 },
	[ST_I16] = { "I16", 2 },   [ST_U16] = { "U16", 2 }, [ST_F16] = { "F16", 2 },
	[ST_BF16] = { "BF16", 2 }, [ST_I32] = { "I32", 4 }, [ST_U32] = { "U32", 4 },
	[ST_F32] = { "F32", 4 },   [ST_F64] = { "F64", 8 }, [ST_I64] = { "I64", 8 },
	[ST_U64] = { "U64", 8 },
};
#define SAFETENSORS_NDTYPES (sizeof safetensors_dtypes / sizeof safetensors_dtypes[0])

size_t safetensors_dtype_size(enum safetensors_dtype dt)
{
	return (unsigned)dt < SAFETENSORS_NDTYPES ? safetensors_dtypes[dt].size : 0;
}

const char *safetensors_dtype_name(enum safetensors_dtype dt)
{
	return (unsigned)dt < SAFETENSORS_NDTYPES ? safetensors_dtypes[dt].name : "?";
}

static int safetensors_dtype_parse(const char *s, enum safetensors_dtype *dt)
{
	for (size_t i = 0; i < SAFETENSORS_NDTYPES; i++)
		if (strcmp(s, safetensors_dtypes[i].name) == 0) {
			*dt = (enum safetensors_dtype)i;
			return 0;
		}
	return -1;
}

/* ---- scalar conversions ---------------------------------------------- */

static uint32_t safetensors_bits(float f)
{
	uint32_t u;
	memcpy(&u, &f, sizeof u);
	return u;
}

static float safetensors_float(uint32_t u)
{
	float f;
	memcpy(&f, &u, sizeof f);
	return f;
}

float safetensors_bf16_to_f32(uint16_t b)
{
	return safetensors_float((uint32_t)b << 16);
}

float safetensors_f16_to_f32(uint16_t h)
{
	uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
	uint32_t exp = (h >> 10) & 0x1fu, man = h & 0x3ffu;
	if (exp == 0x1f)
		return safetensors_float(sign | 0x7f800000u | man << 13);
	if (exp != 0)
		return safetensors_float(sign | (exp + 112u) << 23 | man << 13);
	if (man == 0)
		return safetensors_float(sign);
	/* Subnormal: shift the leading one into the implicit bit position. */
	uint32_t e = 113;
	while (!(man & 0x400u)) {
		man <<= 1;
		e--;
	}
	return safetensors_float(sign | e << 23 | (man & 0x3ffu) << 13);
}

uint16_t safetensors_f32_to_bf16(float f)
{
	uint32_t u = safetensors_bits(f);
	if (isnan(f))
		return 0x7fc0; /* what torch writes for every NaN */
	return (uint16_t)((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}

/* The float-arithmetic rounding of the FP16 library that torch (c10) uses, so
 * our F16 files match torch's bit for bit, ties to even and subnormals included. */
uint16_t safetensors_f32_to_f16(float f)
{
	const float to_inf = 0x1.0p+112f, to_zero = 0x1.0p-110f;
	float base = (fabsf(f) * to_inf) * to_zero;
	uint32_t w = safetensors_bits(f), shl1 = w + w, sign = w & 0x80000000u;
	uint32_t bias = shl1 & 0xff000000u;
	if (bias < 0x71000000u)
		bias = 0x71000000u;
	base = safetensors_float((bias >> 1) + 0x07800000u) + base;
	uint32_t bits = safetensors_bits(base);
	uint32_t nonsign = ((bits >> 13) & 0x7c00u) + (bits & 0x0fffu);
	return (uint16_t)((sign >> 16) | (shl1 > 0xff000000u ? 0x7e00u : nonsign));
}

int64_t safetensors_numel(const struct safetensors_tensor *t)
{
	int64_t n = 1;
	for (int i = 0; i < t->ndim; i++)
		n *= t->shape[i];
	return n;
}

int safetensors_to_f32(const struct safetensors_tensor *t, float *dst)
{
	size_t n = (size_t)safetensors_numel(t);
	const unsigned char *p = t->data;
	if (t->dtype == ST_F32) {
		if (n)
			memcpy(dst, p, n * sizeof *dst);
		return 0;
	}
	/* Every load goes through memcpy: the data section need not be aligned. */
#define CONVERT(type, expr) do { \
		for (size_t i = 0; i < n; i++) { \
			type v; \
			memcpy(&v, p + i * sizeof v, sizeof v); \
			dst[i] = (expr); \
		} \
	} while (0)
	switch (t->dtype) {
	case ST_F16: CONVERT(uint16_t, safetensors_f16_to_f32(v)); break;
	case ST_BF16: {
		size_t i = 0;
#if ST_SSE2
		/* a BF16 value is the top half of its float: 8 a step, each put
		 * above 16 zero bits (the loads of every BF16 checkpoint pass here) */
		const __m128i zero = _mm_setzero_si128();
		for (; i + 8 <= n; i += 8) {
			__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + 2 * i));
			_mm_storeu_si128((__m128i *)(void *)(dst + i), _mm_unpacklo_epi16(zero, v));
			_mm_storeu_si128((__m128i *)(void *)(dst + i + 4), _mm_unpackhi_epi16(zero, v));
		}
#endif
		for (; i < n; i++) {
			uint16_t v;
			memcpy(&v, p + 2 * i, sizeof v);
			dst[i] = safetensors_bf16_to_f32(v);
		}
		break;
	}
	case ST_F64: CONVERT(double, (float)v); break;
	case ST_U8: CONVERT(uint8_t, (float)v); break;
	case ST_I8: CONVERT(int8_t, (float)v); break;
	case ST_I16: CONVERT(int16_t, (float)v); break;
	case ST_U16: CONVERT(uint16_t, (float)v); break;
	case ST_I32: CONVERT(int32_t, (float)v); break;
	case ST_U32: CONVERT(uint32_t, (float)v); break;
	case ST_I64: CONVERT(int64_t, (float)v); break;
	case ST_U64: CONVERT(uint64_t, (float)v); break;
	default: return -1;
	}
#undef CONVERT
	return 0;
}

/* ---- reader ------------------------------------------------------------ */

struct safetensors {
	char *path;
	void *map;     /* mmap of the whole file, NULL for safetensors_open_mem */
	size_t map_len;
	json_t *header; /* owns the names and metadata strings */
	struct safetensors_tensor *t; /* sorted by data offset */
	size_t n;
	const struct safetensors_tensor **by_name; /* into t, sorted by name */
	const char **meta; /* key, value pairs */
	size_t n_meta;
};

void safetensors_close(struct safetensors *f)
{
	if (!f)
		return;
	if (f->map)
		munmap(f->map, f->map_len);
	json_decref(f->header);
	free(f->t);
	free(f->by_name);
	free(f->meta);
	free(f->path);
	free(f);
}

size_t safetensors_count(const struct safetensors *f) { return f->n; }
const char *safetensors_path(const struct safetensors *f) { return f->path; }

void safetensors_drop_bytes(const struct safetensors *f, const struct safetensors_tensor *t,
                            size_t at, size_t n)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	const unsigned char *base = f->map, *data = t->data;
	if (!base || !page || at > t->nbytes || n > t->nbytes - at || data < base ||
	    data + t->nbytes > base + f->map_len)
		return;
	/* whole pages inside the range only: a page shared with a neighbour
	 * still being read stays */
	uintptr_t lo = ((uintptr_t)(data + at) + page - 1) / page * page;
	uintptr_t hi = (uintptr_t)(data + at + n) / page * page;
	if (hi > lo)
		madvise((void *)lo, hi - lo, MADV_DONTNEED);
}

void safetensors_drop(const struct safetensors *f, const struct safetensors_tensor *t)
{
	safetensors_drop_bytes(f, t, 0, t->nbytes);
}

const struct safetensors_tensor *safetensors_at(const struct safetensors *f, size_t i)
{
	return i < f->n ? &f->t[i] : NULL;
}

const struct safetensors_tensor *safetensors_find(const struct safetensors *f, const char *name)
{
	size_t lo = 0, hi = f->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(f->by_name[mid]->name, name);
		if (c == 0)
			return f->by_name[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const char *safetensors_meta(const struct safetensors *f, const char *key)
{
	for (size_t i = 0; i < f->n_meta; i++)
		if (strcmp(f->meta[2 * i], key) == 0)
			return f->meta[2 * i + 1];
	return NULL;
}

/* Parsing state: the begin/end offsets travel with each tensor until the
 * contiguity check. */
struct safetensors_span {
	uint64_t begin, end;
	size_t index;
};

static int safetensors_span_cmp(const void *a, const void *b)
{
	const struct safetensors_span *x = a, *y = b;
	if (x->begin != y->begin)
		return x->begin < y->begin ? -1 : 1;
	if (x->end != y->end)
		return x->end < y->end ? -1 : 1;
	return 0;
}

static int safetensors_name_cmp(const void *a, const void *b)
{
	const struct safetensors_tensor *const *x = a, *const *y = b;
	return strcmp((*x)->name, (*y)->name);
}

static int safetensors_nonneg_int(const json_t *v, uint64_t *out)
{
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return -1;
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

/* Validates one tensor entry; fills t (not data) and its span. */
static enum status_code safetensors_parse_entry(const char *path, const char *name, json_t *v,
                                                struct safetensors_tensor *t,
                                                struct safetensors_span *span, struct status *st)
{
	if (!json_is_object(v))
		return status_set(st, STATUS_FORMAT, "%s: tensor '%s': entry is not a JSON object", path, name);
	json_t *dtype = json_object_get(v, "dtype"), *shape = json_object_get(v, "shape"),
	       *offs = json_object_get(v, "data_offsets");
	if (!json_is_string(dtype))
		return status_set(st, STATUS_FORMAT, "%s: tensor '%s': dtype is missing or not a string",
		                  path, name);
	if (safetensors_dtype_parse(json_string_value(dtype), &t->dtype) != 0)
		return status_set(st, STATUS_FORMAT, "%s: tensor '%s': unknown dtype '%s'", path, name,
		                  json_string_value(dtype));
	if (!json_is_array(shape))
		return status_set(st, STATUS_FORMAT, "%s: tensor '%s': shape is missing or not an array",
		                  path, name);
	size_t ndim = json_array_size(shape);
	if (ndim > SAFETENSORS_MAX_DIMS)
		return status_set(st, STATUS_UNSUPPORTED,
		                  "%s: tensor '%s': %zu dimensions (at most %d are supported)", path, name,
		                  ndim, SAFETENSORS_MAX_DIMS);
	uint64_t numel = 1;
	int overflow = 0;
	for (size_t i = 0; i < ndim; i++) {
		uint64_t d;
		if (safetensors_nonneg_int(json_array_get(shape, i), &d) != 0)
			return status_set(st, STATUS_FORMAT,
			                  "%s: tensor '%s': shape[%zu] is not a non-negative integer", path,
			                  name, i);
		t->shape[i] = (int64_t)d;
		overflow |= __builtin_mul_overflow(numel, d, &numel);
	}
	t->ndim = (int)ndim;
	uint64_t nbytes;
	overflow |= __builtin_mul_overflow(numel, (uint64_t)safetensors_dtype_size(t->dtype), &nbytes);
	if (overflow || nbytes > (uint64_t)INT64_MAX || nbytes > SIZE_MAX)
		return status_set(st, STATUS_FORMAT, "%s: tensor '%s': shape is too large (its size overflows)",
		                  path, name);
	if (!json_is_array(offs) || json_array_size(offs) != 2 ||
	    safetensors_nonneg_int(json_array_get(offs, 0), &span->begin) != 0 ||
	    safetensors_nonneg_int(json_array_get(offs, 1), &span->end) != 0)
		return status_set(st, STATUS_FORMAT,
		                  "%s: tensor '%s': data_offsets is missing or not [begin, end] with "
		                  "non-negative integers", path, name);
	if (span->end < span->begin)
		return status_set(st, STATUS_FORMAT,
		                  "%s: tensor '%s': data_offsets [%" PRIu64 ", %" PRIu64 "] end before they begin",
		                  path, name, span->begin, span->end);
	if (span->end - span->begin != nbytes)
		return status_set(st, STATUS_FORMAT,
		                  "%s: tensor '%s': %" PRIu64 " elements of %s take %" PRIu64 " bytes but "
		                  "data_offsets [%" PRIu64 ", %" PRIu64 "] span %" PRIu64, path, name, numel,
		                  safetensors_dtype_name(t->dtype), nbytes, span->begin, span->end,
		                  span->end - span->begin);
	t->nbytes = (size_t)nbytes;
	t->name = name;
	return STATUS_OK;
}

static enum status_code safetensors_parse_meta(const char *path, struct safetensors *f, json_t *m,
                                               struct status *st)
{
	if (!json_is_object(m))
		return status_set(st, STATUS_FORMAT, "%s: __metadata__ is not a JSON object", path);
	f->meta = calloc(2 * json_object_size(m) + 1, sizeof *f->meta);
	if (!f->meta)
		return status_set(st, STATUS_NOMEM, "%s: out of memory", path);
	const char *k;
	json_t *v;
	json_object_foreach(m, k, v) {
		if (!json_is_string(v))
			return status_set(st, STATUS_FORMAT, "%s: __metadata__ value of '%s' is not a string",
			                  path, k);
		f->meta[2 * f->n_meta] = k;
		f->meta[2 * f->n_meta + 1] = json_string_value(v);
		f->n_meta++;
	}
	return STATUS_OK;
}

/* Parses the header of `len` bytes at `base` into f (whose path is set). */
static enum status_code safetensors_parse(struct safetensors *f, const unsigned char *base, size_t len,
                                          struct status *st)
{
	const char *path = f->path;
	if (len < 8)
		return status_set(st, STATUS_FORMAT,
		                  "%s: %zu bytes are too short for a safetensors file (8-byte header length)",
		                  path, len);
	uint64_t hlen = 0;
	for (int i = 7; i >= 0; i--)
		hlen = hlen << 8 | base[i];
	if (hlen > SAFETENSORS_MAX_HEADER)
		return status_set(st, STATUS_FORMAT,
		                  "%s: header length %" PRIu64 " exceeds the limit of %llu bytes", path, hlen,
		                  SAFETENSORS_MAX_HEADER);
	if (hlen > len - 8)
		return status_set(st, STATUS_FORMAT,
		                  "%s: header length %" PRIu64 " runs past the end of the file (%zu bytes; "
		                  "truncated?)", path, hlen, len);
	json_error_t jerr;
	f->header = json_loadb((const char *)base + 8, (size_t)hlen, JSON_REJECT_DUPLICATES, &jerr);
	if (!f->header)
		return jsonerr_set(st, path, "tensor", &jerr);
	if (!json_is_object(f->header))
		return status_set(st, STATUS_FORMAT, "%s: header is not a JSON object", path);

	size_t cap = json_object_size(f->header);
	f->t = calloc(cap + 1, sizeof *f->t);
	f->by_name = calloc(cap + 1, sizeof *f->by_name);
	struct safetensors_span *spans = calloc(cap + 1, sizeof *spans);
	if (!f->t || !f->by_name || !spans) {
		free(spans);
		return status_set(st, STATUS_NOMEM, "%s: out of memory for %zu tensors", path, cap);
	}
	enum status_code rc = STATUS_OK;
	const char *key;
	json_t *v;
	json_object_foreach(f->header, key, v) {
		if (strcmp(key, "__metadata__") == 0)
			rc = safetensors_parse_meta(path, f, v, st);
		else {
			rc = safetensors_parse_entry(path, key, v, &f->t[f->n], &spans[f->n], st);
			spans[f->n].index = f->n;
			f->n++;
		}
		if (rc != STATUS_OK)
			break;
	}
	if (rc != STATUS_OK) {
		free(spans);
		return rc;
	}

	/* Contiguity: sorted by (begin, end), each tensor starts where the last ended
	 * and the last ends at the end of the file. */
	uint64_t data_len = (uint64_t)(len - 8 - hlen), at = 0;
	const unsigned char *data = base + 8 + hlen;
	const char *prev = NULL;
	qsort(spans, f->n, sizeof *spans, safetensors_span_cmp);
	struct safetensors_tensor *sorted = calloc(f->n + 1, sizeof *sorted);
	if (!sorted) {
		free(spans);
		return status_set(st, STATUS_NOMEM, "%s: out of memory", path);
	}
	for (size_t i = 0; i < f->n && rc == STATUS_OK; i++) {
		struct safetensors_span *s = &spans[i];
		const char *name = f->t[s->index].name;
		if (s->begin > at)
			rc = status_set(st, STATUS_FORMAT,
			                "%s: tensor '%s': data_offsets [%" PRIu64 ", %" PRIu64 "] leave a gap of "
			                "%" PRIu64 " bytes after %s%s%s", path, name, s->begin, s->end,
			                s->begin - at, prev ? "tensor '" : "the header", prev ? prev : "",
			                prev ? "'" : "");
		else if (s->begin < at)
			rc = status_set(st, STATUS_FORMAT,
			                "%s: tensor '%s': data_offsets [%" PRIu64 ", %" PRIu64 "] overlap tensor "
			                "'%s' (which ends at %" PRIu64 ")", path, name, s->begin, s->end,
			                prev, at);
		else if (s->end > data_len)
			rc = status_set(st, STATUS_FORMAT,
			                "%s: tensor '%s': data_offsets [%" PRIu64 ", %" PRIu64 "] run past the "
			                "end of the data (%" PRIu64 " bytes; truncated?)", path, name, s->begin,
			                s->end, data_len);
		sorted[i] = f->t[s->index];
		sorted[i].data = data + s->begin;
		at = s->end;
		prev = name;
	}
	free(spans);
	if (rc == STATUS_OK && at != data_len)
		rc = status_set(st, STATUS_FORMAT,
		                "%s: %" PRIu64 " bytes after %s%s%s belong to no tensor", path, data_len - at,
		                prev ? "tensor '" : "the header", prev ? prev : "", prev ? "'" : "");
	free(f->t);
	f->t = sorted;
	if (rc != STATUS_OK)
		return rc;
	for (size_t i = 0; i < f->n; i++)
		f->by_name[i] = &f->t[i];
	qsort(f->by_name, f->n, sizeof *f->by_name, safetensors_name_cmp);
	return STATUS_OK;
}

static struct safetensors *safetensors_new(const char *name, struct status *st)
{
	struct safetensors *f = calloc(1, sizeof *f);
	if (f)
		f->path = strdup(name);
	if (!f || !f->path) {
		free(f);
		status_set(st, STATUS_NOMEM, "%s: out of memory", name);
		return NULL;
	}
	return f;
}

enum status_code safetensors_open_mem(const void *buf, size_t len, const char *name,
                                      struct safetensors **out, struct status *st)
{
	*out = NULL;
	struct safetensors *f = safetensors_new(name, st);
	if (!f)
		return STATUS_NOMEM;
	enum status_code rc = safetensors_parse(f, buf, len, st);
	if (rc != STATUS_OK) {
		jsonerr_oneline(st);
		safetensors_close(f);
		return rc;
	}
	*out = f;
	return STATUS_OK;
}

enum status_code safetensors_open(const char *path, struct safetensors **out, struct status *st)
{
	*out = NULL;
	/* O_NONBLOCK: a FIFO must not block the open; it is refused below. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return status_errno(st, STATUS_IO, errno, "%s", path);
	struct stat sb;
	if (fstat(fd, &sb) != 0) {
		int err = errno;
		close(fd);
		return status_errno(st, STATUS_IO, err, "%s", path);
	}
	if (!S_ISREG(sb.st_mode)) {
		close(fd);
		return status_set(st, STATUS_IO, "%s: not a regular file", path);
	}
	struct safetensors *f = safetensors_new(path, st);
	if (!f) {
		close(fd);
		return STATUS_NOMEM;
	}
	size_t len = (size_t)sb.st_size;
	const unsigned char *base = (const unsigned char *)"";
	if (len > 0) {
		f->map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
		if (f->map == MAP_FAILED) {
			int err = errno;
			f->map = NULL;
			close(fd);
			safetensors_close(f);
			return status_errno(st, STATUS_IO, err, "%s: cannot map %zu bytes", path, len);
		}
		f->map_len = len;
		base = f->map;
	}
	close(fd);
	enum status_code rc = safetensors_parse(f, base, len, st);
	if (rc != STATUS_OK) {
		jsonerr_oneline(st);
		safetensors_close(f);
		return rc;
	}
	*out = f;
	return STATUS_OK;
}

/* ---- writer ------------------------------------------------------------ */

struct safetensors_entry {
	char *name;
	enum safetensors_dtype dtype;
	int ndim;
	int64_t shape[SAFETENSORS_MAX_DIMS];
	size_t numel, nbytes;
	void *owned;      /* bytes in dtype, or NULL */
	const float *ref; /* borrowed floats converted at save time, or NULL */
};

struct safetensors_writer {
	struct safetensors_entry *e;
	size_t n, cap;
	char **meta; /* key, value pairs */
	size_t n_meta;
	int nomem; /* a metadata allocation failed; reported by save */
};

struct safetensors_writer *safetensors_writer_new(void)
{
	return calloc(1, sizeof(struct safetensors_writer));
}

void safetensors_writer_free(struct safetensors_writer *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->n; i++) {
		free(w->e[i].name);
		free(w->e[i].owned);
	}
	for (size_t i = 0; i < 2 * w->n_meta; i++)
		free(w->meta[i]);
	free(w->meta);
	free(w->e);
	free(w);
}

void safetensors_writer_meta(struct safetensors_writer *w, const char *key, const char *value)
{
	for (size_t i = 0; i < w->n_meta; i++)
		if (strcmp(w->meta[2 * i], key) == 0) {
			char *v = strdup(value);
			if (!v) {
				w->nomem = 1;
				return;
			}
			free(w->meta[2 * i + 1]);
			w->meta[2 * i + 1] = v;
			return;
		}
	char **m = realloc(w->meta, (2 * w->n_meta + 2) * sizeof *m);
	if (!m) {
		w->nomem = 1;
		return;
	}
	w->meta = m;
	m[2 * w->n_meta] = strdup(key);
	m[2 * w->n_meta + 1] = strdup(value);
	if (!m[2 * w->n_meta] || !m[2 * w->n_meta + 1]) {
		free(m[2 * w->n_meta]);
		free(m[2 * w->n_meta + 1]);
		w->nomem = 1;
		return;
	}
	w->n_meta++;
}

/* Checks the name and shape and appends an entry without data. */
static enum status_code safetensors_writer_entry(struct safetensors_writer *w, const char *name,
                                                 enum safetensors_dtype dtype, int ndim,
                                                 const int64_t *shape, struct safetensors_entry **out,
                                                 struct status *st)
{
	if (!name[0] || strcmp(name, "__metadata__") == 0)
		return status_set(st, STATUS_INVALID, "tensor name '%s' is reserved", name);
	if ((unsigned)dtype >= SAFETENSORS_NDTYPES)
		return status_set(st, STATUS_INVALID, "tensor '%s': unknown dtype %d", name, (int)dtype);
	if (ndim < 0 || ndim > SAFETENSORS_MAX_DIMS)
		return status_set(st, STATUS_INVALID, "tensor '%s': %d dimensions", name, ndim);
	for (size_t i = 0; i < w->n; i++)
		if (strcmp(w->e[i].name, name) == 0)
			return status_set(st, STATUS_INVALID, "tensor '%s' is added twice", name);
	size_t numel = 1, nbytes;
	for (int i = 0; i < ndim; i++)
		if (shape[i] < 0 || __builtin_mul_overflow(numel, (size_t)shape[i], &numel))
			return status_set(st, STATUS_INVALID, "tensor '%s': bad shape", name);
	if (__builtin_mul_overflow(numel, safetensors_dtype_size(dtype), &nbytes))
		return status_set(st, STATUS_INVALID, "tensor '%s': shape is too large", name);
	if (w->n == w->cap) {
		size_t cap = w->cap ? 2 * w->cap : 16;
		struct safetensors_entry *e = realloc(w->e, cap * sizeof *e);
		if (!e)
			return status_set(st, STATUS_NOMEM, "out of memory adding tensor '%s'", name);
		w->e = e;
		w->cap = cap;
	}
	struct safetensors_entry *e = &w->e[w->n];
	memset(e, 0, sizeof *e);
	e->name = strdup(name);
	if (!e->name)
		return status_set(st, STATUS_NOMEM, "out of memory adding tensor '%s'", name);
	e->dtype = dtype;
	e->ndim = ndim;
	if (ndim)
		memcpy(e->shape, shape, (size_t)ndim * sizeof *shape);
	e->numel = numel;
	e->nbytes = nbytes;
	*out = e;
	return STATUS_OK;
}

static int safetensors_float_dtype(enum safetensors_dtype dt)
{
	return dt == ST_F32 || dt == ST_BF16 || dt == ST_F16;
}

/* Converts n floats to dtype (one of the float dtypes) into dst. */
static void safetensors_from_f32(enum safetensors_dtype dt, const float *src, size_t n, void *dst)
{
	if (dt == ST_F32) {
		if (n)
			memcpy(dst, src, n * sizeof *src);
		return;
	}
	uint16_t *d = dst;
	for (size_t i = 0; i < n; i++)
		d[i] = dt == ST_BF16 ? safetensors_f32_to_bf16(src[i]) : safetensors_f32_to_f16(src[i]);
}

/* The entry of a float tensor about to be stored as `dtype`, counted once the
 * caller has attached its data. */
static enum status_code safetensors_writer_float_entry(struct safetensors_writer *w, const char *name,
                                                       enum safetensors_dtype dtype, int ndim,
                                                       const int64_t *shape,
                                                       struct safetensors_entry **e, struct status *st)
{
	if (!safetensors_float_dtype(dtype))
		return status_set(st, STATUS_INVALID, "tensor '%s': cannot store floats as %s", name,
		                  safetensors_dtype_name(dtype));
	return safetensors_writer_entry(w, name, dtype, ndim, shape, e, st);
}

/* Gives an entry its own buffer for the bytes the writer will store. */
static enum status_code safetensors_writer_own(struct safetensors_entry *e, const char *name,
                                               struct status *st)
{
	e->owned = malloc(e->nbytes ? e->nbytes : 1);
	if (e->owned)
		return STATUS_OK;
	free(e->name);
	return status_set(st, STATUS_NOMEM, "out of memory adding tensor '%s'", name);
}

enum status_code safetensors_writer_add(struct safetensors_writer *w, const char *name,
                                        enum safetensors_dtype dtype, int ndim,
                                        const int64_t *shape, const float *f32, struct status *st)
{
	struct safetensors_entry *e;
	enum status_code rc = safetensors_writer_float_entry(w, name, dtype, ndim, shape, &e, st);
	if (rc != STATUS_OK)
		return rc;
	if ((rc = safetensors_writer_own(e, name, st)) != STATUS_OK)
		return rc;
	safetensors_from_f32(dtype, f32, e->numel, e->owned);
	w->n++;
	return STATUS_OK;
}

enum status_code safetensors_writer_add_ref(struct safetensors_writer *w, const char *name,
                                            enum safetensors_dtype dtype, int ndim,
                                            const int64_t *shape, const float *f32, struct status *st)
{
	struct safetensors_entry *e;
	enum status_code rc = safetensors_writer_float_entry(w, name, dtype, ndim, shape, &e, st);
	if (rc != STATUS_OK)
		return rc;
	e->ref = f32;
	w->n++;
	return STATUS_OK;
}

enum status_code safetensors_writer_add_raw(struct safetensors_writer *w, const char *name,
                                            enum safetensors_dtype dtype, int ndim,
                                            const int64_t *shape, const void *bytes, struct status *st)
{
	struct safetensors_entry *e;
	enum status_code rc = safetensors_writer_entry(w, name, dtype, ndim, shape, &e, st);
	if (rc != STATUS_OK)
		return rc;
	if ((rc = safetensors_writer_own(e, name, st)) != STATUS_OK)
		return rc;
	if (e->nbytes)
		memcpy(e->owned, bytes, e->nbytes);
	w->n++;
	return STATUS_OK;
}

/* The header text, padded with spaces to a multiple of 8 so the data is aligned. */
static char *safetensors_writer_header(const struct safetensors_writer *w, size_t *len)
{
	json_t *root = json_object(), *meta = json_object();
	int bad = !root || !meta;
	for (size_t i = 0; !bad && i < w->n_meta; i++)
		bad |= json_object_set_new(meta, w->meta[2 * i], json_string(w->meta[2 * i + 1]));
	if (!bad && w->n_meta)
		bad |= json_object_set(root, "__metadata__", meta);
	uint64_t off = 0;
	for (size_t i = 0; !bad && i < w->n; i++) {
		const struct safetensors_entry *e = &w->e[i];
		json_t *shape = json_array(), *entry;
		for (int d = 0; shape && d < e->ndim; d++)
			bad |= json_array_append_new(shape, json_integer(e->shape[d]));
		entry = json_pack("{s:s, s:o, s:[I,I]}", "dtype", safetensors_dtype_name(e->dtype),
		                  "shape", shape, "data_offsets", (json_int_t)off,
		                  (json_int_t)(off + e->nbytes));
		bad |= !entry || json_object_set_new(root, e->name, entry);
		off += e->nbytes;
	}
	char *text = bad ? NULL : json_dumps(root, JSON_COMPACT);
	json_decref(meta);
	json_decref(root);
	if (!text)
		return NULL;
	size_t n = strlen(text), padded = (n + 7) & ~(size_t)7;
	char *out = realloc(text, padded + 1);
	if (!out) {
		free(text);
		return NULL;
	}
	memset(out + n, ' ', padded - n);
	out[padded] = '\0';
	*len = padded;
	return out;
}

enum status_code safetensors_writer_save(struct safetensors_writer *w, const char *path, struct status *st)
{
	size_t hlen = 0;
	char *header = w->nomem ? NULL : safetensors_writer_header(w, &hlen);
	if (!header)
		return status_set(st, STATUS_NOMEM, "%s: out of memory building the header", path);
	unsigned char len8[8];
	for (int i = 0; i < 8; i++)
		len8[i] = (unsigned char)((uint64_t)hlen >> (8 * i));
	struct atomicfile af;
	enum status_code rc = atomicfile_open(&af, path, st);
	if (rc == STATUS_OK)
		rc = atomicfile_write(&af, len8, sizeof len8, st);
	if (rc == STATUS_OK)
		rc = atomicfile_write(&af, header, hlen, st);
	free(header);
	enum { CHUNK = 1 << 16 };
	uint16_t *buf = NULL;
	for (size_t i = 0; i < w->n && rc == STATUS_OK; i++) {
		const struct safetensors_entry *e = &w->e[i];
		if (!e->ref || e->dtype == ST_F32) {
			rc = atomicfile_write(&af, e->ref ? (const void *)e->ref : e->owned, e->nbytes, st);
			continue;
		}
		if (!buf && !(buf = malloc(CHUNK * sizeof *buf))) {
			atomicfile_abort(&af);
			rc = status_set(st, STATUS_NOMEM, "%s: out of memory", path);
			break;
		}
		for (size_t at = 0; at < e->numel && rc == STATUS_OK; at += CHUNK) {
			size_t n = e->numel - at < CHUNK ? e->numel - at : CHUNK;
			safetensors_from_f32(e->dtype, e->ref + at, n, buf);
			rc = atomicfile_write(&af, buf, n * sizeof *buf, st);
		}
	}
	free(buf);
	if (rc == STATUS_OK)
		rc = atomicfile_commit(&af, st);
	return rc;
}
