/*
 * Strict MessagePack: a pre-scan that never allocates, exact consumption,
 * exact key sets, and a reader that builds no tree.  See
 * include/tafel/mp.h.
 */
#include <string.h>

#include "tafel/mp.h"
#include "tafel/tafel.h"
#include "tafel/util.h"

#define SCAN_MAXDEPTH	16

static int
need(size_t off, size_t len, uint64_t n)
{
	return off <= len && n <= len - off;
}

static uint64_t
be(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < n; i++)
		v = (v << 8) | p[i];
	return v;
}

int
tafel_mp_scan(const uint8_t *p, size_t len, unsigned maxdepth,
    size_t maxitems)
{
	uint64_t stack[SCAN_MAXDEPTH + 1];
	unsigned depth;
	size_t off = 0, items = 0;

	if (p == NULL || len == 0)
		return TAFEL_EMALFORMED;
	if (maxdepth > SCAN_MAXDEPTH)
		maxdepth = SCAN_MAXDEPTH;
	stack[0] = 1;
	depth = 1;
	while (depth > 0) {
		uint8_t b;
		uint64_t n = 0;		/* payload bytes or element count */
		size_t lenbytes = 0;
		int kind = 0;		/* 0 scalar, 1 array, 2 map */

		if (stack[depth - 1] == 0) {
			depth--;
			continue;
		}
		stack[depth - 1]--;
		if (++items > maxitems)
			return TAFEL_ETOOBIG;
		if (!need(off, len, 1))
			return TAFEL_EMALFORMED;
		b = p[off++];
		if (b <= 0x7f || b >= 0xe0)
			n = 0;
		else if (b <= 0x8f) {
			kind = 2;
			n = b & 0x0f;
		} else if (b <= 0x9f) {
			kind = 1;
			n = b & 0x0f;
		} else if (b <= 0xbf)
			n = b & 0x1f;
		else {
			switch (b) {
			case 0xc0: case 0xc2: case 0xc3:
				break;
			case 0xc4: case 0xd9:
				lenbytes = 1;
				break;
			case 0xc5: case 0xda:
				lenbytes = 2;
				break;
			case 0xc6: case 0xdb:
				lenbytes = 4;
				break;
			case 0xcc: case 0xd0:
				n = 1;
				break;
			case 0xcd: case 0xd1:
				n = 2;
				break;
			case 0xce: case 0xd2:
				n = 4;
				break;
			case 0xcf: case 0xd3:
				n = 8;
				break;
			case 0xdc:
				kind = 1;
				lenbytes = 2;
				break;
			case 0xdd:
				kind = 1;
				lenbytes = 4;
				break;
			case 0xde:
				kind = 2;
				lenbytes = 2;
				break;
			case 0xdf:
				kind = 2;
				lenbytes = 4;
				break;
			default:
				/* 0xc1, ext, fixext, float: not in our formats. */
				return TAFEL_EMALFORMED;
			}
			if (lenbytes > 0) {
				if (!need(off, len, lenbytes))
					return TAFEL_EMALFORMED;
				n = be(p + off, lenbytes);
				off += lenbytes;
			}
		}
		switch (kind) {
		case 0:
			if (!need(off, len, n))
				return TAFEL_EMALFORMED;
			off += n;
			break;
		case 1:
		case 2:
			/* Every element takes at least one byte. */
			if (kind == 2) {
				if (n > (len - off) / 2)
					return TAFEL_EMALFORMED;
				n *= 2;
			} else if (!need(off, len, n))
				return TAFEL_EMALFORMED;
			if (n == 0)
				break;
			if (depth >= maxdepth)
				return TAFEL_EMALFORMED;
			stack[depth++] = n;
			break;
		}
	}
	return off == len ? 0 : TAFEL_EMALFORMED;
}

int
tafel_mp_decode(msgpack_unpacked *u, const uint8_t *buf, size_t len,
    unsigned maxdepth)
{
	msgpack_unpack_return rc;
	size_t off = 0;
	int r;

	msgpack_unpacked_init(u);
	if ((r = tafel_mp_scan(buf, len, maxdepth, TAFEL_MAX_ITEMS)) != 0) {
		msgpack_unpacked_destroy(u);
		return r;
	}
	rc = msgpack_unpack_next(u, (const char *)buf, len, &off);
	if (rc != MSGPACK_UNPACK_SUCCESS || off != len) {
		msgpack_unpacked_destroy(u);
		return rc == MSGPACK_UNPACK_NOMEM_ERROR ? TAFEL_ENOMEM :
		    TAFEL_EMALFORMED;
	}
	return 0;
}

/*
 * UTF-8 check (RFC 3629: no overlongs, no surrogates, <= U+10FFFF).
 * With text, \t and \n are allowed; no other C0/C1 control or DEL.
 */
static bool
utf8_ok(const uint8_t *s, size_t n, bool text)
{
	size_t i = 0;

	while (i < n) {
		uint32_t c = s[i];
		size_t k, extra;

		if (c < 0x80) {
			if ((c < 0x20 && !(text && (c == '\t' || c == '\n'))) ||
			    c == 0x7f)
				return false;
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			extra = 1;
			c &= 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			extra = 2;
			c &= 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			extra = 3;
			c &= 0x07;
		} else
			return false;
		if (extra > n - i - 1)
			return false;
		for (k = 1; k <= extra; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			c = (c << 6) | (s[i + k] & 0x3f);
		}
		if ((extra == 2 && c < 0x800) || (extra == 3 && c < 0x10000) ||
		    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff ||
		    (c >= 0x80 && c <= 0x9f))
			return false;
		i += extra + 1;
	}
	return true;
}

bool
tafel_mpr_check(const struct tafel_mpr_obj *o, enum tafel_mp_type t,
    uint64_t min, uint64_t max)
{
	switch (t) {
	case TAFEL_MP_UINT:
		return o->type == TAFEL_MPR_UINT && o->u >= min && o->u <= max;
	case TAFEL_MP_ID:
		return o->type == TAFEL_MPR_STR && o->u >= min && o->u <= max &&
		    tafel_id_validn((const char *)o->ptr, o->u);
	case TAFEL_MP_STR:
	case TAFEL_MP_TEXT:
		return o->type == TAFEL_MPR_STR && o->u >= min && o->u <= max &&
		    utf8_ok(o->ptr, o->u, t == TAFEL_MP_TEXT);
	case TAFEL_MP_BIN:
		return o->type == TAFEL_MPR_BIN && o->u >= min && o->u <= max;
	case TAFEL_MP_ARRAY:
		return o->type == TAFEL_MPR_ARRAY && o->u >= min && o->u <= max;
	case TAFEL_MP_MAP:
		return o->type == TAFEL_MPR_MAP && o->u >= min && o->u <= max;
	case TAFEL_MP_BOOL:
		return o->type == TAFEL_MPR_BOOL;
	}
	return false;
}

bool
tafel_mp_check(const msgpack_object *o, enum tafel_mp_type t, uint64_t min,
    uint64_t max)
{
	struct tafel_mpr_obj x;

	/* The same checks as on the reader's headers. */
	memset(&x, 0, sizeof(x));
	switch (o->type) {
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		x.type = TAFEL_MPR_UINT;
		x.u = o->via.u64;
		break;
	case MSGPACK_OBJECT_STR:
		x.type = TAFEL_MPR_STR;
		x.u = o->via.str.size;
		x.ptr = (const uint8_t *)o->via.str.ptr;
		break;
	case MSGPACK_OBJECT_BIN:
		x.type = TAFEL_MPR_BIN;
		x.u = o->via.bin.size;
		x.ptr = (const uint8_t *)o->via.bin.ptr;
		break;
	case MSGPACK_OBJECT_ARRAY:
		x.type = TAFEL_MPR_ARRAY;
		x.u = o->via.array.size;
		break;
	case MSGPACK_OBJECT_MAP:
		x.type = TAFEL_MPR_MAP;
		x.u = o->via.map.size;
		break;
	case MSGPACK_OBJECT_BOOLEAN:
		x.type = TAFEL_MPR_BOOL;
		x.u = o->via.boolean;
		break;
	default:
		return false;	/* nil, negative, float, ext: never wanted */
	}
	return tafel_mpr_check(&x, t, min, max);
}

bool
tafel_mp_check_all(const msgpack_object_array *a, enum tafel_mp_type t,
    uint64_t min, uint64_t max)
{
	uint32_t i;

	for (i = 0; i < a->size; i++)
		if (!tafel_mp_check(&a->ptr[i], t, min, max))
			return false;
	return true;
}

int
tafel_mp_fields(const msgpack_object *map, struct tafel_mp_field *f,
    size_t n)
{
	uint32_t i;
	size_t j;

	for (j = 0; j < n; j++)
		f[j].obj = NULL;
	if (map == NULL || map->type != MSGPACK_OBJECT_MAP)
		return TAFEL_EMALFORMED;
	for (i = 0; i < map->via.map.size; i++) {
		const msgpack_object_kv *kv = &map->via.map.ptr[i];

		if (kv->key.type != MSGPACK_OBJECT_STR)
			return TAFEL_EMALFORMED;
		for (j = 0; j < n; j++)
			if (tafel_mp_streq(&kv->key, f[j].key))
				break;
		if (j == n || f[j].obj != NULL)
			return TAFEL_EMALFORMED;	/* unknown or duplicate */
		if (!tafel_mp_check(&kv->val, f[j].type, f[j].min, f[j].max))
			return TAFEL_EMALFORMED;
		f[j].obj = &kv->val;
	}
	for (j = 0; j < n; j++)
		if (f[j].obj == NULL && !f[j].optional)
			return TAFEL_EMALFORMED;
	return 0;
}

int
tafel_mp_strcpy(char *dst, size_t dstsz, const msgpack_object *o)
{
	if (o->type != MSGPACK_OBJECT_STR || o->via.str.size >= dstsz)
		return TAFEL_ETOOBIG;
	memcpy(dst, o->via.str.ptr, o->via.str.size);
	dst[o->via.str.size] = '\0';
	return 0;
}

bool
tafel_mp_streq(const msgpack_object *o, const char *s)
{
	size_t n = strlen(s);

	return o->type == MSGPACK_OBJECT_STR && o->via.str.size == n &&
	    memcmp(o->via.str.ptr, s, n) == 0;
}

/* Reader. */

void
tafel_mpr_init(struct tafel_mpr *r, const uint8_t *buf, size_t len)
{
	r->buf = buf;
	r->len = buf != NULL ? len : 0;
	r->off = 0;
	r->canon = false;
}

bool
tafel_mpr_done(const struct tafel_mpr *r)
{
	return r->off == r->len;
}

int
tafel_mpr_next(struct tafel_mpr *r, struct tafel_mpr_obj *o)
{
	const uint8_t *p = r->buf;
	size_t off = r->off, left, w = 0;
	uint64_t n = 0;
	uint8_t b;

	if (off >= r->len)
		return TAFEL_EMALFORMED;
	b = p[off++];
	o->off = r->off;
	o->canon = true;
	o->u = 0;
	o->i = 0;
	o->ptr = NULL;
	if (b <= 0x7f) {
		o->type = TAFEL_MPR_UINT;
		o->u = b;
	} else if (b <= 0x8f) {
		o->type = TAFEL_MPR_MAP;
		n = b & 0x0f;
	} else if (b <= 0x9f) {
		o->type = TAFEL_MPR_ARRAY;
		n = b & 0x0f;
	} else if (b <= 0xbf) {
		o->type = TAFEL_MPR_STR;
		n = b & 0x1f;
	} else if (b >= 0xe0) {
		o->type = TAFEL_MPR_NINT;
		o->i = (int8_t)b;
	} else {
		switch (b) {
		case 0xc0:
			o->type = TAFEL_MPR_NIL;
			break;
		case 0xc2:
		case 0xc3:
			o->type = TAFEL_MPR_BOOL;
			o->u = b & 1;
			break;
		case 0xc4: case 0xc5: case 0xc6:
			o->type = TAFEL_MPR_BIN;
			w = (size_t)1 << (b - 0xc4);
			break;
		case 0xcc: case 0xcd: case 0xce: case 0xcf:
			o->type = TAFEL_MPR_UINT;
			w = (size_t)1 << (b - 0xcc);
			break;
		case 0xd0: case 0xd1: case 0xd2: case 0xd3:
			o->type = TAFEL_MPR_NINT;
			w = (size_t)1 << (b - 0xd0);
			break;
		case 0xd9: case 0xda: case 0xdb:
			o->type = TAFEL_MPR_STR;
			w = (size_t)1 << (b - 0xd9);
			break;
		case 0xdc: case 0xdd:
			o->type = TAFEL_MPR_ARRAY;
			w = (size_t)2 << (b - 0xdc);
			break;
		case 0xde: case 0xdf:
			o->type = TAFEL_MPR_MAP;
			w = (size_t)2 << (b - 0xde);
			break;
		default:
			/* 0xc1, ext, fixext, float: not in our formats. */
			return TAFEL_EMALFORMED;
		}
		if (!need(off, r->len, w))
			return TAFEL_EMALFORMED;
		n = be(p + off, w);
		off += w;
	}
	/*
	 * A form with w bytes of value or length is the smallest when the
	 * value does not fit in w / 2 bytes, or, for w = 1, in the fix form
	 * of its type: 7 bits of a positive fixint, 5 of a negative one, 5
	 * of a fixstr (bin has no fix form: bin8 is always the smallest).
	 */
	left = r->len - off;
	switch (o->type) {
	case TAFEL_MPR_UINT:
		if (w > 0) {
			o->u = n;
			o->canon = n >> (w == 1 ? 7 : 4 * w) != 0;
		}
		break;
	case TAFEL_MPR_NINT:
		if (w > 0) {
			uint64_t sign = (uint64_t)1 << (8 * w - 1);

			/* Sign-extend the w-byte value. */
			o->i = w == 8 ? (int64_t)n :
			    (int64_t)(n ^ sign) - (int64_t)sign;
			if (o->i >= 0) {
				/* msgpack-c: a positive integer. */
				o->type = TAFEL_MPR_UINT;
				o->u = (uint64_t)o->i;
				o->i = 0;
				o->canon = false;
			} else
				o->canon = o->i < (w == 1 ? -32 :
				    -((int64_t)1 << (4 * w - 1)));
		}
		break;
	case TAFEL_MPR_STR:
	case TAFEL_MPR_BIN:
		if (n > left)
			return TAFEL_EMALFORMED;
		o->u = n;
		o->ptr = p + off;
		off += n;
		if (w > 1)
			o->canon = n >> (4 * w) != 0;
		else if (w == 1 && o->type == TAFEL_MPR_STR)
			o->canon = n >= 32;
		break;
	case TAFEL_MPR_ARRAY:
	case TAFEL_MPR_MAP:
		/* Every element takes at least one byte. */
		if (n > (o->type == TAFEL_MPR_MAP ? left / 2 : left))
			return TAFEL_EMALFORMED;
		o->u = n;
		/* 16 or 32 bits of count, after a fix form of 4 bits. */
		if (w > 0)
			o->canon = n >> (w == 2 ? 4 : 16) != 0;
		break;
	default:
		break;
	}
	r->off = off;
	return 0;
}

/* Skips n whole objects. */
static int
skip_n(struct tafel_mpr *r, uint64_t n)
{
	struct tafel_mpr_obj o;

	while (n > 0) {
		if (tafel_mpr_next(r, &o) != 0)
			return TAFEL_EMALFORMED;
		n--;
		/* Counts are bounded by the bytes left: no overflow. */
		if (o.type == TAFEL_MPR_ARRAY)
			n += o.u;
		else if (o.type == TAFEL_MPR_MAP)
			n += 2 * o.u;
	}
	return 0;
}

int
tafel_mpr_skip(struct tafel_mpr *r)
{
	size_t off = r->off;

	if (skip_n(r, 1) != 0) {
		r->off = off;
		return TAFEL_EMALFORMED;
	}
	return 0;
}

/* The next object, which must be of type t (and canonical if asked). */
static int
typed(struct tafel_mpr *r, enum tafel_mpr_type t, struct tafel_mpr_obj *o)
{
	size_t off = r->off;

	if (tafel_mpr_next(r, o) != 0)
		return TAFEL_EMALFORMED;
	if (o->type != t || (r->canon && !o->canon)) {
		r->off = off;
		return TAFEL_EMALFORMED;
	}
	return 0;
}

/* A str or bin: its bytes; an array or map: its count (s NULL). */
static int
typed_n(struct tafel_mpr *r, enum tafel_mpr_type t, const uint8_t **s,
    size_t *n)
{
	struct tafel_mpr_obj o;

	if (typed(r, t, &o) != 0)
		return TAFEL_EMALFORMED;
	if (s != NULL)
		*s = o.ptr;
	*n = o.u;
	return 0;
}

int
tafel_mpr_uint(struct tafel_mpr *r, uint64_t *v)
{
	struct tafel_mpr_obj o;

	if (typed(r, TAFEL_MPR_UINT, &o) != 0)
		return TAFEL_EMALFORMED;
	*v = o.u;
	return 0;
}

int
tafel_mpr_str(struct tafel_mpr *r, const uint8_t **s, size_t *n)
{
	return typed_n(r, TAFEL_MPR_STR, s, n);
}

int
tafel_mpr_bin(struct tafel_mpr *r, const uint8_t **s, size_t *n)
{
	return typed_n(r, TAFEL_MPR_BIN, s, n);
}

int
tafel_mpr_array(struct tafel_mpr *r, size_t *n)
{
	return typed_n(r, TAFEL_MPR_ARRAY, NULL, n);
}

int
tafel_mpr_map(struct tafel_mpr *r, size_t *n)
{
	return typed_n(r, TAFEL_MPR_MAP, NULL, n);
}

int
tafel_mpr_fields(struct tafel_mpr *r, struct tafel_mpr_field *f, size_t n)
{
	struct tafel_mpr_obj key, val;
	size_t npairs, i, j;

	for (j = 0; j < n; j++)
		f[j].seen = false;
	if (tafel_mpr_next(r, &key) != 0 || key.type != TAFEL_MPR_MAP)
		return TAFEL_EMALFORMED;
	npairs = key.u;
	for (i = 0; i < npairs; i++) {
		if (tafel_mpr_next(r, &key) != 0 || key.type != TAFEL_MPR_STR)
			return TAFEL_EMALFORMED;
		for (j = 0; j < n; j++)
			if (key.u == strlen(f[j].key) &&
			    memcmp(key.ptr, f[j].key, key.u) == 0)
				break;
		if (j == n || f[j].seen)
			return TAFEL_EMALFORMED;	/* unknown, duplicate */
		if (tafel_mpr_next(r, &val) != 0 ||
		    !tafel_mpr_check(&val, f[j].type, f[j].min, f[j].max))
			return TAFEL_EMALFORMED;
		/* Past what the value holds. */
		if (skip_n(r, val.type == TAFEL_MPR_ARRAY ? val.u :
		    val.type == TAFEL_MPR_MAP ? 2 * val.u : 0) != 0)
			return TAFEL_EMALFORMED;
		f[j].seen = true;
		f[j].obj = val;
	}
	for (j = 0; j < n; j++)
		if (!f[j].seen && !f[j].optional)
			return TAFEL_EMALFORMED;
	return 0;
}

/* Writer. */

void
tafel_mpw_init(struct tafel_mpw *w)
{
	msgpack_sbuffer_init(&w->sb);
	msgpack_packer_init(&w->pk, &w->sb, msgpack_sbuffer_write);
	w->err = 0;
}

#define MPW(w, call)	do { if ((w)->err == 0 && (call) != 0)	\
				(w)->err = TAFEL_ENOMEM; } while (0)

void
tafel_mpw_map(struct tafel_mpw *w, size_t n)
{
	MPW(w, msgpack_pack_map(&w->pk, n));
}

void
tafel_mpw_array(struct tafel_mpw *w, size_t n)
{
	MPW(w, msgpack_pack_array(&w->pk, n));
}

void
tafel_mpw_str(struct tafel_mpw *w, const char *s)
{
	tafel_mpw_strn(w, s, strlen(s));
}

void
tafel_mpw_strn(struct tafel_mpw *w, const char *s, size_t n)
{
	MPW(w, msgpack_pack_str(&w->pk, n));
	if (n > 0)
		MPW(w, msgpack_pack_str_body(&w->pk, s, n));
}

void
tafel_mpw_bin(struct tafel_mpw *w, const void *p, size_t n)
{
	MPW(w, msgpack_pack_bin(&w->pk, n));
	if (n > 0)
		MPW(w, msgpack_pack_bin_body(&w->pk, p, n));
}

void
tafel_mpw_uint(struct tafel_mpw *w, uint64_t v)
{
	MPW(w, msgpack_pack_uint64(&w->pk, v));
}

void
tafel_mpw_bool(struct tafel_mpw *w, bool v)
{
	MPW(w, v ? msgpack_pack_true(&w->pk) : msgpack_pack_false(&w->pk));
}

void
tafel_mpw_nil(struct tafel_mpw *w)
{
	MPW(w, msgpack_pack_nil(&w->pk));
}

void
tafel_mpw_raw(struct tafel_mpw *w, const void *p, size_t n)
{
	if (n > 0)
		MPW(w, msgpack_sbuffer_write(&w->sb, p, n));
}

int
tafel_mpw_finish(struct tafel_mpw *w, uint8_t **out, size_t *outlen)
{
	int err = w->err;

	*out = NULL;
	*outlen = 0;
	if (err == 0 && w->sb.size == 0)
		err = TAFEL_EINVAL;
	if (err != 0) {
		tafel_mpw_free(w);
		return err;
	}
	*outlen = w->sb.size;
	*out = (uint8_t *)msgpack_sbuffer_release(&w->sb);
	tafel_mpw_init(w);
	return 0;
}

void
tafel_mpw_free(struct tafel_mpw *w)
{
	msgpack_sbuffer_destroy(&w->sb);
	tafel_mpw_init(w);
}
