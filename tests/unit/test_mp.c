/*
 * Unit tests for proto/mp.c: the strict msgpack scanner, decoder, field
 * checker, writer and reader.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tafel/mp.h"
#include "tafel/tafel.h"

/* A byte string literal and its length. */
#define L(s)	(s), sizeof(s) - 1

/* Writes { "a": 1, "b": "xy", "c": bin(3), "d": [true, nil] }. */
static void
sample(uint8_t **out, size_t *len)
{
	struct tafel_mpw w;

	tafel_mpw_init(&w);
	tafel_mpw_map(&w, 4);
	tafel_mpw_str(&w, "a");
	tafel_mpw_uint(&w, 1);
	tafel_mpw_str(&w, "b");
	tafel_mpw_str(&w, "xy");
	tafel_mpw_str(&w, "c");
	tafel_mpw_bin(&w, "\x01\x02\x03", 3);
	tafel_mpw_str(&w, "d");
	tafel_mpw_array(&w, 2);
	tafel_mpw_bool(&w, true);
	tafel_mpw_nil(&w);
	assert_int_equal(tafel_mpw_finish(&w, out, len), 0);
}

static int
scan(const void *p, size_t n)
{
	return tafel_mp_scan(p, n, TAFEL_MAX_DEPTH, TAFEL_MAX_ITEMS);
}

static int
decode(const void *p, size_t n)
{
	msgpack_unpacked u;
	int r;

	r = tafel_mp_decode(&u, p, n, TAFEL_MAX_DEPTH);
	if (r == 0)
		msgpack_unpacked_destroy(&u);
	return r;
}

static void
test_scan_valid(void **state)
{
	uint8_t *b;
	size_t n;

	sample(&b, &n);
	assert_int_equal(scan(b, n), 0);
	assert_int_equal(decode(b, n), 0);
	free(b);
	/* Scalars of every accepted kind. */
	assert_int_equal(scan(L("\xc0")), 0);
	assert_int_equal(scan(L("\xc3")), 0);
	assert_int_equal(scan(L("\xff")), 0);
	assert_int_equal(scan(L("\xcf\0\0\0\0\0\0\0\1")), 0);
	assert_int_equal(scan(L("\xd3\0\0\0\0\0\0\0\1")), 0);
	assert_int_equal(scan(L("\xd9\x02hi")), 0);
	assert_int_equal(scan(L("\xc5\x00\x01z")), 0);
	assert_int_equal(scan(L("\x90")), 0);
	assert_int_equal(scan(L("\x80")), 0);
}

static void
test_scan_empty(void **state)
{
	assert_int_equal(scan(L("")), TAFEL_EMALFORMED);
	assert_int_equal(tafel_mp_scan(NULL, 5, 6, 10), TAFEL_EMALFORMED);
	assert_int_equal(decode(L("")), TAFEL_EMALFORMED);
}

static void
test_trailing_bytes(void **state)
{
	uint8_t *b, *c;
	size_t n;

	sample(&b, &n);
	c = malloc(n + 1);
	assert_non_null(c);
	memcpy(c, b, n);
	c[n] = 0xc0;
	assert_int_equal(scan(c, n + 1), TAFEL_EMALFORMED);
	assert_int_equal(decode(c, n + 1), TAFEL_EMALFORMED);
	/* Two complete objects back to back. */
	assert_int_equal(decode(L("\x01\x02")), TAFEL_EMALFORMED);
	free(c);
	free(b);
}

static void
test_truncated(void **state)
{
	uint8_t *b, *c;
	size_t n, k;

	sample(&b, &n);
	for (k = 0; k < n; k++) {
		/* A fresh allocation of exactly k bytes, for ASan. */
		c = malloc(k + 1);
		assert_non_null(c);
		memcpy(c, b, k);
		assert_int_not_equal(scan(c, k), 0);
		assert_int_not_equal(decode(c, k), 0);
		free(c);
	}
	free(b);
}

static void
test_huge_counts(void **state)
{
	/* msgpack-c would reserve gigabytes for these 5-byte headers. */
	assert_int_equal(decode(L("\xdf\x02\xfa\xf0\x80")), TAFEL_EMALFORMED);
	assert_int_equal(decode(L("\xdd\x02\xfa\xf0\x80")), TAFEL_EMALFORMED);
	assert_int_equal(decode(L("\xdd\xff\xff\xff\xff")), TAFEL_EMALFORMED);
	assert_int_equal(decode(L("\xdf\xff\xff\xff\xff")), TAFEL_EMALFORMED);
	assert_int_equal(decode(L("\xde\xff\xff")), TAFEL_EMALFORMED);
	assert_int_equal(decode(L("\xdc\xff\xff")), TAFEL_EMALFORMED);
	assert_int_equal(decode(L("\xdb\xff\xff\xff\xff")), TAFEL_EMALFORMED);
	assert_int_equal(decode(L("\xc6\xff\xff\xff\xff")), TAFEL_EMALFORMED);
	assert_int_equal(decode(L("\xc4\x02z")), TAFEL_EMALFORMED);
	/* A map of 2 entries needs at least 4 more bytes. */
	assert_int_equal(scan(L("\x82\x01\x01\x01")), TAFEL_EMALFORMED);
	assert_int_equal(scan(L("\x82\x01\x01\x01\x01")), 0);
	/* An array of 3 needs 3 more bytes. */
	assert_int_equal(scan(L("\x93\x01\x01")), TAFEL_EMALFORMED);
	/* Length bytes of the header itself missing. */
	assert_int_equal(scan(L("\xdd\x00\x00")), TAFEL_EMALFORMED);
	assert_int_equal(scan(L("\xd9")), TAFEL_EMALFORMED);
	assert_int_equal(scan(L("\xcd\x01")), TAFEL_EMALFORMED);
}

static void
test_refused_types(void **state)
{
	assert_int_equal(scan(L("\xc1")), TAFEL_EMALFORMED);
	assert_int_equal(scan(L("\xca\0\0\0\0")), TAFEL_EMALFORMED);
	assert_int_equal(scan(L("\xcb\0\0\0\0\0\0\0\0")), TAFEL_EMALFORMED);
	assert_int_equal(scan(L("\xd4\x01\x00")), TAFEL_EMALFORMED);
	assert_int_equal(scan(L("\xd8\x01" "0123456789abcdef")),
	    TAFEL_EMALFORMED);
	assert_int_equal(scan(L("\xc7\x01\x01\x00")), TAFEL_EMALFORMED);
	assert_int_equal(scan(L("\xc9\0\0\0\x01\x01\x00")), TAFEL_EMALFORMED);
	/* Hidden inside a container. */
	assert_int_equal(scan(L("\x92\x01\xc1")), TAFEL_EMALFORMED);
}

/* n nested arrays around a 1, or around nothing when empty. */
static size_t
nest(uint8_t *b, size_t n, bool empty)
{
	size_t i;

	for (i = 0; i < n; i++)
		b[i] = empty && i == n - 1 ? 0x90 : 0x91;
	if (!empty)
		b[n++] = 0x01;
	return n;
}

static void
test_depth(void **state)
{
	uint8_t b[64];
	size_t n;

	/* Objects at depth maxdepth are fine, at maxdepth + 1 not. */
	n = nest(b, 5, false);			/* the 1 is at depth 6 */
	assert_int_equal(scan(b, n), 0);
	assert_int_equal(decode(b, n), 0);
	n = nest(b, 6, false);			/* the 1 is at depth 7 */
	assert_int_equal(scan(b, n), TAFEL_EMALFORMED);
	assert_int_equal(decode(b, n), TAFEL_EMALFORMED);
	n = nest(b, 6, true);			/* empty array at depth 6 */
	assert_int_equal(scan(b, n), 0);
	n = nest(b, 7, true);			/* empty array at depth 7 */
	assert_int_equal(scan(b, n), TAFEL_EMALFORMED);
	/* Deep maps, too: {"a": {"a": ... 1}}. */
	memset(b, 0, sizeof(b));
	for (n = 0; n < 6 * 3; n += 3) {
		b[n] = 0x81;
		b[n + 1] = 0xa1;
		b[n + 2] = 'a';
	}
	b[n++] = 0x01;
	assert_int_equal(scan(b, n), TAFEL_EMALFORMED);
	/* A huge maxdepth is capped, not trusted. */
	n = nest(b, 40, false);
	assert_int_equal(tafel_mp_scan(b, n, 1000, TAFEL_MAX_ITEMS),
	    TAFEL_EMALFORMED);
}

static void
test_max_items(void **state)
{
	size_t n = 3 + TAFEL_MAX_ITEMS, i;
	uint8_t *b = malloc(n);

	assert_non_null(b);
	/* An array of TAFEL_MAX_ITEMS - 1 nils: exactly the cap. */
	b[0] = 0xdc;
	b[1] = (uint8_t)((TAFEL_MAX_ITEMS - 1) >> 8);
	b[2] = (uint8_t)(TAFEL_MAX_ITEMS - 1);
	for (i = 3; i < n; i++)
		b[i] = 0xc0;
	assert_int_equal(decode(b, n - 1), 0);
	/* One more: array32 of TAFEL_MAX_ITEMS nils. */
	free(b);
	n = 5 + TAFEL_MAX_ITEMS;
	b = malloc(n);
	assert_non_null(b);
	b[0] = 0xdd;
	b[1] = 0;
	b[2] = (uint8_t)(TAFEL_MAX_ITEMS >> 16);
	b[3] = (uint8_t)(TAFEL_MAX_ITEMS >> 8);
	b[4] = (uint8_t)TAFEL_MAX_ITEMS;
	for (i = 5; i < n; i++)
		b[i] = 0xc0;
	assert_int_equal(decode(b, n), TAFEL_ETOOBIG);
	assert_int_equal(tafel_mp_scan(b, n, 6, 10), TAFEL_ETOOBIG);
	free(b);
}

/*
 * Runs tafel_mp_fields on the tree of one encoded map, and
 * tafel_mpr_fields with the reader on its bytes: the same answer, or
 * the test fails.  Not msgpack at all: 100 + the decoder's error.
 */
static int
fields_of(const void *p, size_t n, struct tafel_mp_field *f, size_t nf)
{
	struct tafel_mpr_field g[8];
	struct tafel_mpr r;
	msgpack_unpacked u;
	size_t j;
	int a, b;

	assert_true(nf <= 8);
	if ((a = tafel_mp_decode(&u, p, n, TAFEL_MAX_DEPTH)) != 0)
		return 100 + a;
	a = tafel_mp_fields(&u.data, f, nf);
	msgpack_unpacked_destroy(&u);
	for (j = 0; j < nf; j++)
		g[j] = (struct tafel_mpr_field){ f[j].key, f[j].type,
		    f[j].min, f[j].max, f[j].optional, false, { 0 } };
	tafel_mpr_init(&r, p, n);
	b = tafel_mpr_fields(&r, g, nf);
	assert_int_equal(a, b);
	if (b == 0) {
		assert_true(tafel_mpr_done(&r));
		for (j = 0; j < nf; j++)
			assert_int_equal(g[j].seen, f[j].obj != NULL);
	}
	return b;
}

#define SAMPLE_FIELDS							\
	struct tafel_mp_field f[] = {					\
		{ "a", TAFEL_MP_UINT, 1, 10, false, NULL },		\
		{ "b", TAFEL_MP_STR, 1, 8, false, NULL },		\
		{ "c", TAFEL_MP_BIN, 3, 3, false, NULL },		\
		{ "d", TAFEL_MP_ARRAY, 0, 2, false, NULL },		\
		{ "e", TAFEL_MP_BOOL, 0, 0, true, NULL },		\
	}

static void
test_fields_ok(void **state)
{
	SAMPLE_FIELDS;
	msgpack_unpacked u;
	uint8_t *b;
	size_t n;

	sample(&b, &n);
	assert_int_equal(tafel_mp_decode(&u, b, n, TAFEL_MAX_DEPTH), 0);
	assert_int_equal(tafel_mp_fields(&u.data, f, 5), 0);
	assert_non_null(f[0].obj);
	assert_int_equal(f[0].obj->via.u64, 1);
	assert_true(tafel_mp_streq(f[1].obj, "xy"));
	assert_int_equal(f[2].obj->via.bin.size, 3);
	assert_int_equal(f[3].obj->via.array.size, 2);
	assert_null(f[4].obj);		/* optional, absent */
	/* Not a map at all. */
	assert_int_equal(tafel_mp_fields(&f[3].obj->via.array.ptr[0], f, 5),
	    TAFEL_EMALFORMED);
	assert_int_equal(tafel_mp_fields(NULL, f, 5), TAFEL_EMALFORMED);
	msgpack_unpacked_destroy(&u);
	free(b);
}

static void
test_fields_keys(void **state)
{
	SAMPLE_FIELDS;

	/* Duplicate key "a". */
	assert_int_equal(fields_of(L("\x85\xa1" "a\x01\xa1" "b\xa1x\xa1" "c"
	    "\xc4\x03xyz\xa1" "d\x90\xa1" "a\x02"), f, 5), TAFEL_EMALFORMED);
	/* Unknown key "z". */
	assert_int_equal(fields_of(L("\x85\xa1" "a\x01\xa1" "b\xa1x\xa1" "c"
	    "\xc4\x03xyz\xa1" "d\x90\xa1" "z\x02"), f, 5), TAFEL_EMALFORMED);
	/* Required key "d" missing. */
	assert_int_equal(fields_of(L("\x83\xa1" "a\x01\xa1" "b\xa1x\xa1" "c"
	    "\xc4\x03xyz"), f, 5), TAFEL_EMALFORMED);
	/* Integer key. */
	assert_int_equal(fields_of(L("\x85\xa1" "a\x01\xa1" "b\xa1x\xa1" "c"
	    "\xc4\x03xyz\xa1" "d\x90\x01\x02"), f, 5), TAFEL_EMALFORMED);
	/* Bin key that spells "e". */
	assert_int_equal(fields_of(L("\x85\xa1" "a\x01\xa1" "b\xa1x\xa1" "c"
	    "\xc4\x03xyz\xa1" "d\x90\xc4\x01" "e\xc3"), f, 5),
	    TAFEL_EMALFORMED);
	/* The same with the str key "e": fine. */
	assert_int_equal(fields_of(L("\x85\xa1" "a\x01\xa1" "b\xa1x\xa1" "c"
	    "\xc4\x03xyz\xa1" "d\x90\xa1" "e\xc3"), f, 5), 0);
	/* Key order does not matter. */
	assert_int_equal(fields_of(L("\x84\xa1" "d\x90\xa1" "c\xc4\x03xyz\xa1"
	    "b\xa1x\xa1" "a\x01"), f, 5), 0);
}

static void
test_fields_types(void **state)
{
	SAMPLE_FIELDS;

	/* a out of range (0 and 11), negative, str. */
	assert_int_equal(fields_of(L("\x84\xa1" "a\x00\xa1" "b\xa1x\xa1" "c"
	    "\xc4\x03xyz\xa1" "d\x90"), f, 5), TAFEL_EMALFORMED);
	assert_int_equal(fields_of(L("\x84\xa1" "a\x0b\xa1" "b\xa1x\xa1" "c"
	    "\xc4\x03xyz\xa1" "d\x90"), f, 5), TAFEL_EMALFORMED);
	assert_int_equal(fields_of(L("\x84\xa1" "a\xff\xa1" "b\xa1x\xa1" "c"
	    "\xc4\x03xyz\xa1" "d\x90"), f, 5), TAFEL_EMALFORMED);
	assert_int_equal(fields_of(L("\x84\xa1" "a\xa1" "1\xa1" "b\xa1x\xa1" "c"
	    "\xc4\x03xyz\xa1" "d\x90"), f, 5), TAFEL_EMALFORMED);
	/* A wide encoding of 5 is still 5: values, not widths. */
	assert_int_equal(fields_of(L("\x84\xa1" "a\xcf\0\0\0\0\0\0\0\x05\xa1"
	    "b\xa1x\xa1" "c\xc4\x03xyz\xa1" "d\x90"), f, 5), 0);
	/* b as bin instead of str. */
	assert_int_equal(fields_of(L("\x84\xa1" "a\x01\xa1" "b\xc4\x01x\xa1" "c"
	    "\xc4\x03xyz\xa1" "d\x90"), f, 5), TAFEL_EMALFORMED);
	/* c bin of 2 and of 4, and c as str. */
	assert_int_equal(fields_of(L("\x84\xa1" "a\x01\xa1" "b\xa1x\xa1" "c"
	    "\xc4\x02xy\xa1" "d\x90"), f, 5), TAFEL_EMALFORMED);
	assert_int_equal(fields_of(L("\x84\xa1" "a\x01\xa1" "b\xa1x\xa1" "c"
	    "\xc4\x04wxyz\xa1" "d\x90"), f, 5), TAFEL_EMALFORMED);
	assert_int_equal(fields_of(L("\x84\xa1" "a\x01\xa1" "b\xa1x\xa1" "c"
	    "\xa3xyz\xa1" "d\x90"), f, 5), TAFEL_EMALFORMED);
	/* d with 3 elements, and d as a map. */
	assert_int_equal(fields_of(L("\x84\xa1" "a\x01\xa1" "b\xa1x\xa1" "c"
	    "\xc4\x03xyz\xa1" "d\x93\x01\x01\x01"), f, 5), TAFEL_EMALFORMED);
	assert_int_equal(fields_of(L("\x84\xa1" "a\x01\xa1" "b\xa1x\xa1" "c"
	    "\xc4\x03xyz\xa1" "d\x80"), f, 5), TAFEL_EMALFORMED);
	/* e nil instead of bool. */
	assert_int_equal(fields_of(L("\x85\xa1" "a\x01\xa1" "b\xa1x\xa1" "c"
	    "\xc4\x03xyz\xa1" "d\x90\xa1" "e\xc0"), f, 5), TAFEL_EMALFORMED);
}

/* tafel_mp_check on a str object made from s[0..n). */
static bool
check_str(const char *s, size_t n, enum tafel_mp_type t)
{
	msgpack_object o;

	memset(&o, 0, sizeof(o));
	o.type = MSGPACK_OBJECT_STR;
	o.via.str.ptr = s;
	o.via.str.size = (uint32_t)n;
	return tafel_mp_check(&o, t, 0, 1000);
}

#define CHECK(s, t)	check_str((s), sizeof(s) - 1, (t))

static void
test_utf8(void **state)
{
	assert_true(CHECK("plain ascii", TAFEL_MP_STR));
	assert_true(CHECK("", TAFEL_MP_STR));
	assert_true(CHECK("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
	    TAFEL_MP_STR));
	assert_true(CHECK("\xf4\x8f\xbf\xbf", TAFEL_MP_STR));	/* U+10FFFF */
	assert_false(CHECK("\xf4\x90\x80\x80", TAFEL_MP_STR));	/* > 10FFFF */
	assert_false(CHECK("\xc0\x80", TAFEL_MP_STR));		/* overlong */
	assert_false(CHECK("\xc1\xbf", TAFEL_MP_STR));
	assert_false(CHECK("\xe0\x80\xaf", TAFEL_MP_STR));
	assert_false(CHECK("\xf0\x80\x80\xaf", TAFEL_MP_STR));
	assert_false(CHECK("\xed\xa0\x80", TAFEL_MP_STR));	/* surrogate */
	assert_false(CHECK("\xf5\x80\x80\x80", TAFEL_MP_STR));
	assert_false(CHECK("\xff", TAFEL_MP_STR));
	assert_false(CHECK("\x80", TAFEL_MP_STR));		/* lone cont. */
	assert_false(CHECK("a\xc3", TAFEL_MP_STR));		/* truncated */
	assert_false(CHECK("\xe2\x82", TAFEL_MP_STR));
	assert_false(CHECK("\xe2\x28\xa1", TAFEL_MP_STR));
	assert_false(CHECK("\xc2\x85", TAFEL_MP_STR));		/* C1 NEL */
	assert_false(CHECK("a\x7f", TAFEL_MP_STR));		/* DEL */
	assert_false(CHECK("a\0b", TAFEL_MP_STR));
	assert_false(CHECK("a\nb", TAFEL_MP_STR));
	assert_false(CHECK("a\tb", TAFEL_MP_STR));
	assert_false(CHECK("a\rb", TAFEL_MP_STR));
	assert_true(CHECK("a\nb\tc", TAFEL_MP_TEXT));
	assert_false(CHECK("a\rb", TAFEL_MP_TEXT));
	assert_false(CHECK("a\x1b[31m", TAFEL_MP_TEXT));
	assert_false(CHECK("\xed\xbf\xbf", TAFEL_MP_TEXT));
}

static void
test_id(void **state)
{
	char s[80];

	assert_true(CHECK("politie-aalst", TAFEL_MP_ID));
	assert_true(CHECK("0", TAFEL_MP_ID));
	assert_false(CHECK("", TAFEL_MP_ID));
	assert_false(CHECK("-x", TAFEL_MP_ID));
	assert_false(CHECK("Politie", TAFEL_MP_ID));
	assert_false(CHECK("a_b", TAFEL_MP_ID));
	assert_false(CHECK("a b", TAFEL_MP_ID));
	assert_false(CHECK("a.b", TAFEL_MP_ID));
	assert_false(CHECK("caf\xc3\xa9", TAFEL_MP_ID));
	assert_false(CHECK("a\0", TAFEL_MP_ID));
	memset(s, 'a', sizeof(s));
	assert_true(check_str(s, TAFEL_ORG_MAX, TAFEL_MP_ID));
	assert_false(check_str(s, TAFEL_ORG_MAX + 1, TAFEL_MP_ID));
}

static void
test_check_ranges(void **state)
{
	msgpack_object o;

	memset(&o, 0, sizeof(o));
	o.type = MSGPACK_OBJECT_STR;
	o.via.str.ptr = "abcd";
	o.via.str.size = 4;
	assert_true(tafel_mp_check(&o, TAFEL_MP_STR, 4, 4));
	assert_false(tafel_mp_check(&o, TAFEL_MP_STR, 5, 9));
	assert_false(tafel_mp_check(&o, TAFEL_MP_STR, 0, 3));
	assert_true(tafel_mp_check(&o, TAFEL_MP_ID, 1, 4));
	assert_false(tafel_mp_check(&o, TAFEL_MP_ID, 1, 3));
	assert_false(tafel_mp_check(&o, TAFEL_MP_BIN, 0, 10));
	o.type = MSGPACK_OBJECT_BIN;
	o.via.bin.ptr = "abcd";
	o.via.bin.size = 4;
	assert_true(tafel_mp_check(&o, TAFEL_MP_BIN, 4, 4));
	assert_false(tafel_mp_check(&o, TAFEL_MP_STR, 0, 10));
	o.type = MSGPACK_OBJECT_NEGATIVE_INTEGER;
	o.via.i64 = -1;
	assert_false(tafel_mp_check(&o, TAFEL_MP_UINT, 0, UINT64_MAX));
	o.type = MSGPACK_OBJECT_POSITIVE_INTEGER;
	o.via.u64 = UINT64_MAX;
	assert_true(tafel_mp_check(&o, TAFEL_MP_UINT, 0, UINT64_MAX));
	assert_false(tafel_mp_check(&o, TAFEL_MP_UINT, 0, UINT64_MAX - 1));
	assert_false(tafel_mp_check(&o, TAFEL_MP_BOOL, 0, 0));
	o.type = MSGPACK_OBJECT_FLOAT64;
	assert_false(tafel_mp_check(&o, TAFEL_MP_UINT, 0, UINT64_MAX));
}

static void
test_strcpy_streq(void **state)
{
	msgpack_object o;
	char buf[5];

	memset(&o, 0, sizeof(o));
	o.type = MSGPACK_OBJECT_STR;
	o.via.str.ptr = "abcdXYZ";
	o.via.str.size = 4;
	assert_int_equal(tafel_mp_strcpy(buf, sizeof(buf), &o), 0);
	assert_string_equal(buf, "abcd");
	o.via.str.size = 5;
	assert_int_equal(tafel_mp_strcpy(buf, sizeof(buf), &o),
	    TAFEL_ETOOBIG);
	o.via.str.size = 0;
	assert_int_equal(tafel_mp_strcpy(buf, sizeof(buf), &o), 0);
	assert_string_equal(buf, "");
	o.via.str.size = 3;
	assert_true(tafel_mp_streq(&o, "abc"));
	assert_false(tafel_mp_streq(&o, "abcd"));
	assert_false(tafel_mp_streq(&o, "ab"));
	assert_false(tafel_mp_streq(&o, "abx"));
	o.type = MSGPACK_OBJECT_BIN;
	assert_false(tafel_mp_streq(&o, "abc"));
	assert_int_equal(tafel_mp_strcpy(buf, sizeof(buf), &o),
	    TAFEL_ETOOBIG);
}

static void
test_writer(void **state)
{
	struct tafel_mpw w;
	uint8_t *b;
	size_t n;

	/* Smallest integer forms. */
	tafel_mpw_init(&w);
	tafel_mpw_array(&w, 4);
	tafel_mpw_uint(&w, 1);
	tafel_mpw_uint(&w, 255);
	tafel_mpw_uint(&w, 256);
	tafel_mpw_uint(&w, UINT64_MAX);
	assert_int_equal(tafel_mpw_finish(&w, &b, &n), 0);
	assert_int_equal(n, 1 + 1 + 2 + 3 + 9);
	assert_memory_equal(b, "\x94\x01\xcc\xff\xcd\x01\x00"
	    "\xcf\xff\xff\xff\xff\xff\xff\xff\xff", n);
	free(b);

	/* Strings, empty ones, bins, raw. */
	tafel_mpw_init(&w);
	tafel_mpw_array(&w, 5);
	tafel_mpw_str(&w, "");
	tafel_mpw_strn(&w, "abcdef", 2);
	tafel_mpw_bin(&w, "", 0);
	tafel_mpw_bool(&w, false);
	tafel_mpw_raw(&w, "\x91\xc0", 2);
	assert_int_equal(tafel_mpw_finish(&w, &b, &n), 0);
	assert_int_equal(n, 10);
	assert_memory_equal(b, "\x95\xa0\xa2" "ab\xc4\x00\xc2\x91\xc0", n);
	assert_int_equal(decode(b, n), 0);
	free(b);

	/* Nothing written is an error, and the writer is reusable. */
	tafel_mpw_init(&w);
	assert_int_equal(tafel_mpw_finish(&w, &b, &n), TAFEL_EINVAL);
	assert_null(b);
	assert_int_equal(n, 0);
	tafel_mpw_nil(&w);
	assert_int_equal(tafel_mpw_finish(&w, &b, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(b[0], 0xc0);
	free(b);
	tafel_mpw_str(&w, "left over");
	tafel_mpw_free(&w);
}

static void
test_decode_tree(void **state)
{
	msgpack_unpacked u;
	uint8_t *b;
	size_t n;

	sample(&b, &n);
	assert_int_equal(tafel_mp_decode(&u, b, n, TAFEL_MAX_DEPTH), 0);
	assert_int_equal(u.data.type, MSGPACK_OBJECT_MAP);
	assert_int_equal(u.data.via.map.size, 4);
	/* Strings point into the input. */
	assert_ptr_equal(u.data.via.map.ptr[1].val.via.str.ptr,
	    (const char *)b + 7);
	msgpack_unpacked_destroy(&u);
	/* A depth too small for the sample. */
	assert_int_equal(tafel_mp_decode(&u, b, n, 2), TAFEL_EMALFORMED);
	assert_int_equal(tafel_mp_decode(&u, b, n, 3), 0);
	msgpack_unpacked_destroy(&u);
	free(b);
}

/* ---- The reader ---- */

/* One header read from p[0..n): it must be all of p. */
static struct tafel_mpr_obj
one(const void *p, size_t n, int want)
{
	struct tafel_mpr r;
	struct tafel_mpr_obj o;

	memset(&o, 0, sizeof(o));
	tafel_mpr_init(&r, p, n);
	assert_int_equal(tafel_mpr_next(&r, &o), want);
	if (want == 0 && o.type != TAFEL_MPR_ARRAY &&
	    o.type != TAFEL_MPR_MAP)
		assert_true(tafel_mpr_done(&r));
	if (want != 0)
		assert_int_equal(r.off, 0);	/* did not move */
	return o;
}

static void
test_reader_scalars(void **state)
{
	static const struct {
		const char		*b;
		size_t			 n;
		enum tafel_mpr_type	 type;
		uint64_t		 u;
		int64_t			 i;
		bool			 canon;
	} v[] = {
		{ L("\x00"), TAFEL_MPR_UINT, 0, 0, true },
		{ L("\x7f"), TAFEL_MPR_UINT, 127, 0, true },
		{ L("\xcc\x7f"), TAFEL_MPR_UINT, 127, 0, false },
		{ L("\xcc\x80"), TAFEL_MPR_UINT, 128, 0, true },
		{ L("\xcd\x00\xff"), TAFEL_MPR_UINT, 255, 0, false },
		{ L("\xcd\x01\x00"), TAFEL_MPR_UINT, 256, 0, true },
		{ L("\xce\x00\x00\xff\xff"), TAFEL_MPR_UINT, 65535, 0, false },
		{ L("\xce\x00\x01\x00\x00"), TAFEL_MPR_UINT, 65536, 0, true },
		{ L("\xcf\0\0\0\0\xff\xff\xff\xff"), TAFEL_MPR_UINT,
		    0xffffffff, 0, false },
		{ L("\xcf\0\0\0\1\0\0\0\0"), TAFEL_MPR_UINT, 0x100000000, 0,
		    true },
		{ L("\xcf\xff\xff\xff\xff\xff\xff\xff\xff"), TAFEL_MPR_UINT,
		    UINT64_MAX, 0, true },
		/* Signed forms of values >= 0: msgpack-c's positive. */
		{ L("\xd0\x05"), TAFEL_MPR_UINT, 5, 0, false },
		{ L("\xd1\x7f\xff"), TAFEL_MPR_UINT, 32767, 0, false },
		{ L("\xd2\0\0\0\1"), TAFEL_MPR_UINT, 1, 0, false },
		{ L("\xd3\x7f\xff\xff\xff\xff\xff\xff\xff"), TAFEL_MPR_UINT,
		    INT64_MAX, 0, false },
		{ L("\xff"), TAFEL_MPR_NINT, 0, -1, true },
		{ L("\xe0"), TAFEL_MPR_NINT, 0, -32, true },
		{ L("\xd0\xe0"), TAFEL_MPR_NINT, 0, -32, false },
		{ L("\xd0\xdf"), TAFEL_MPR_NINT, 0, -33, true },
		{ L("\xd0\x80"), TAFEL_MPR_NINT, 0, -128, true },
		{ L("\xd1\xff\x80"), TAFEL_MPR_NINT, 0, -128, false },
		{ L("\xd1\x80\x00"), TAFEL_MPR_NINT, 0, -32768, true },
		{ L("\xd2\x80\0\0\0"), TAFEL_MPR_NINT, 0, INT32_MIN, true },
		{ L("\xd3\x80\0\0\0\0\0\0\0"), TAFEL_MPR_NINT, 0, INT64_MIN,
		    true },
		{ L("\xd3\xff\xff\xff\xff\x80\0\0\0"), TAFEL_MPR_NINT, 0,
		    INT32_MIN, false },
		{ L("\xc0"), TAFEL_MPR_NIL, 0, 0, true },
		{ L("\xc2"), TAFEL_MPR_BOOL, 0, 0, true },
		{ L("\xc3"), TAFEL_MPR_BOOL, 1, 0, true },
		{ L("\xa0"), TAFEL_MPR_STR, 0, 0, true },
		{ L("\xa2hi"), TAFEL_MPR_STR, 2, 0, true },
		{ L("\xd9\x02hi"), TAFEL_MPR_STR, 2, 0, false },
		{ L("\xda\x00\x02hi"), TAFEL_MPR_STR, 2, 0, false },
		{ L("\xdb\0\0\0\x02hi"), TAFEL_MPR_STR, 2, 0, false },
		{ L("\xc4\x00"), TAFEL_MPR_BIN, 0, 0, true },
		{ L("\xc4\x02hi"), TAFEL_MPR_BIN, 2, 0, true },
		{ L("\xc5\x00\x02hi"), TAFEL_MPR_BIN, 2, 0, false },
		{ L("\xc6\0\0\0\x02hi"), TAFEL_MPR_BIN, 2, 0, false },
		{ L("\x92\x01\x02"), TAFEL_MPR_ARRAY, 2, 0, true },
		{ L("\xdc\x00\x02\x01\x02"), TAFEL_MPR_ARRAY, 2, 0, false },
		{ L("\xdd\0\0\0\x02\x01\x02"), TAFEL_MPR_ARRAY, 2, 0, false },
		{ L("\x81\x01\x02"), TAFEL_MPR_MAP, 1, 0, true },
		{ L("\xde\x00\x01\x01\x02"), TAFEL_MPR_MAP, 1, 0, false },
		{ L("\xdf\0\0\0\x01\x01\x02"), TAFEL_MPR_MAP, 1, 0, false },
	};
	struct tafel_mpr_obj o;
	size_t k;

	for (k = 0; k < sizeof(v) / sizeof(v[0]); k++) {
		o = one(v[k].b, v[k].n, 0);
		assert_int_equal(o.type, v[k].type);
		assert_int_equal(o.u, v[k].u);
		assert_int_equal(o.i, v[k].i);
		assert_int_equal(o.canon, v[k].canon);
		assert_int_equal(o.off, 0);
		if (o.type == TAFEL_MPR_STR || o.type == TAFEL_MPR_BIN)
			assert_ptr_equal(o.ptr, (const uint8_t *)v[k].b +
			    v[k].n - o.u);
	}
}

static void
test_reader_canon_sizes(void **state)
{
	/* Each larger form, just below and at its first canonical size. */
	static const struct {
		uint8_t		tag;
		size_t		w;		/* bytes of the length */
		uint64_t	n;		/* the length or count */
		size_t		each;		/* bytes an element takes */
		bool		canon;
	} v[] = {
		{ 0xd9, 1, 31, 1, false }, { 0xd9, 1, 32, 1, true },
		{ 0xda, 2, 255, 1, false }, { 0xda, 2, 256, 1, true },
		{ 0xdb, 4, 65535, 1, false }, { 0xdb, 4, 65536, 1, true },
		{ 0xc4, 1, 0, 1, true }, { 0xc4, 1, 255, 1, true },
		{ 0xc5, 2, 255, 1, false }, { 0xc5, 2, 256, 1, true },
		{ 0xc6, 4, 65535, 1, false }, { 0xc6, 4, 65536, 1, true },
		{ 0xdc, 2, 15, 1, false }, { 0xdc, 2, 16, 1, true },
		{ 0xdd, 4, 65535, 1, false }, { 0xdd, 4, 65536, 1, true },
		{ 0xde, 2, 15, 2, false }, { 0xde, 2, 16, 2, true },
		{ 0xdf, 4, 65535, 2, false }, { 0xdf, 4, 65536, 2, true },
	};
	static uint8_t b[5 + 2 * 65536];
	size_t k, i;

	/* 0x01: a byte of a str or bin, or an element of its own. */
	memset(b, 0x01, sizeof(b));
	for (k = 0; k < sizeof(v) / sizeof(v[0]); k++) {
		b[0] = v[k].tag;
		for (i = 0; i < v[k].w; i++)
			b[1 + i] = (uint8_t)(v[k].n >> (8 * (v[k].w - 1 - i)));
		assert_int_equal(one(b, 1 + v[k].w + v[k].n * v[k].each,
		    0).canon, v[k].canon);
		for (i = 0; i < v[k].w; i++)
			b[1 + i] = 0x01;
	}
}

static void
test_reader_refused(void **state)
{
	static const struct {
		const char	*b;
		size_t		 n;
	} v[] = {
		{ L("") },
		{ L("\xc1") },
		{ L("\xca\0\0\0\0") },
		{ L("\xcb\0\0\0\0\0\0\0\0") },
		{ L("\xd4\x01\x00") },
		{ L("\xd8\x01" "0123456789abcdef") },
		{ L("\xc7\x01\x01\x00") },
		{ L("\xc8\0\x01\x01\x00") },
		{ L("\xc9\0\0\0\x01\x01\x00") },
		/* Headers cut short. */
		{ L("\xcc") },
		{ L("\xcd\x01") },
		{ L("\xcf\0\0\0\0\0\0\0") },
		{ L("\xd3\0") },
		{ L("\xd9") },
		{ L("\xda\x01") },
		{ L("\xdc\x00") },
		{ L("\xdf\0\0\0") },
		/* Lengths and counts past the end. */
		{ L("\xa3hi") },
		{ L("\xd9\x03hi") },
		{ L("\xc4\x03hi") },
		{ L("\xc6\xff\xff\xff\xffhi") },
		{ L("\xdb\xff\xff\xff\xff") },
		{ L("\x93\x01\x01") },
		{ L("\xdd\xff\xff\xff\xff") },
		{ L("\xdd\x02\xfa\xf0\x80") },
		{ L("\x82\x01\x01\x01") },
		{ L("\xde\x00\x02\x01\x01\x01") },
		{ L("\xdf\xff\xff\xff\xff") },
	};
	struct tafel_mpr r;
	struct tafel_mpr_obj o;
	size_t k;

	for (k = 0; k < sizeof(v) / sizeof(v[0]); k++)
		(void)one(v[k].b, v[k].n, TAFEL_EMALFORMED);
	/* No buffer at all. */
	tafel_mpr_init(&r, NULL, 10);
	assert_int_equal(tafel_mpr_next(&r, &o), TAFEL_EMALFORMED);
	assert_true(tafel_mpr_done(&r));
}

/* Reads all of sample() with typed reads. */
static int
read_sample(const uint8_t *b, size_t n, bool canon)
{
	struct tafel_mpr r;
	const uint8_t *s;
	size_t k, len;
	uint64_t v;

	tafel_mpr_init(&r, b, n);
	r.canon = canon;
	if (tafel_mpr_map(&r, &k) != 0 || k != 4 ||
	    tafel_mpr_str(&r, &s, &len) != 0 || len != 1 || s[0] != 'a' ||
	    tafel_mpr_uint(&r, &v) != 0 || v != 1 ||
	    tafel_mpr_str(&r, &s, &len) != 0 ||
	    tafel_mpr_str(&r, &s, &len) != 0 || len != 2 ||
	    memcmp(s, "xy", 2) != 0 ||
	    tafel_mpr_str(&r, &s, &len) != 0 ||
	    tafel_mpr_bin(&r, &s, &len) != 0 || len != 3 ||
	    tafel_mpr_str(&r, &s, &len) != 0 ||
	    tafel_mpr_array(&r, &k) != 0 || k != 2 ||
	    tafel_mpr_skip(&r) != 0 || tafel_mpr_skip(&r) != 0)
		return -1;
	return tafel_mpr_done(&r) ? 0 : -2;
}

static void
test_reader_typed(void **state)
{
	struct tafel_mpr r;
	const uint8_t *s;
	uint8_t *b, *c;
	size_t n, k, len;
	uint64_t v;

	sample(&b, &n);
	assert_int_equal(read_sample(b, n, false), 0);
	assert_int_equal(read_sample(b, n, true), 0);
	/* Every truncation fails, in a buffer of exactly that size. */
	for (k = 0; k < n; k++) {
		c = malloc(k > 0 ? k : 1);
		assert_non_null(c);
		memcpy(c, b, k);
		assert_int_not_equal(read_sample(c, k, false), 0);
		free(c);
	}
	free(b);

	/* A wrong type is refused and the reader stays where it was. */
	tafel_mpr_init(&r, (const uint8_t *)"\xa1x\x05", 3);
	assert_int_equal(tafel_mpr_uint(&r, &v), TAFEL_EMALFORMED);
	assert_int_equal(tafel_mpr_bin(&r, &s, &len), TAFEL_EMALFORMED);
	assert_int_equal(tafel_mpr_array(&r, &k), TAFEL_EMALFORMED);
	assert_int_equal(tafel_mpr_map(&r, &k), TAFEL_EMALFORMED);
	assert_int_equal(r.off, 0);
	assert_int_equal(tafel_mpr_str(&r, &s, &len), 0);
	assert_int_equal(r.off, 2);
	assert_int_equal(tafel_mpr_str(&r, &s, &len), TAFEL_EMALFORMED);
	assert_int_equal(tafel_mpr_uint(&r, &v), 0);
	assert_int_equal(v, 5);
	assert_true(tafel_mpr_done(&r));
	assert_int_equal(tafel_mpr_uint(&r, &v), TAFEL_EMALFORMED);
	/* A negative integer is not a uint; neither are nil and bool. */
	tafel_mpr_init(&r, (const uint8_t *)"\xff\xc0\xc3", 3);
	assert_int_equal(tafel_mpr_uint(&r, &v), TAFEL_EMALFORMED);
	/* With canon, the larger forms are refused, as the others take them. */
	tafel_mpr_init(&r, (const uint8_t *)"\xcc\x05", 2);
	r.canon = true;
	assert_int_equal(tafel_mpr_uint(&r, &v), TAFEL_EMALFORMED);
	r.canon = false;
	assert_int_equal(tafel_mpr_uint(&r, &v), 0);
	assert_int_equal(v, 5);
	tafel_mpr_init(&r, (const uint8_t *)"\xd0\x05", 2);
	r.canon = true;
	assert_int_equal(tafel_mpr_uint(&r, &v), TAFEL_EMALFORMED);
	tafel_mpr_init(&r, (const uint8_t *)"\xd9\x01x", 3);
	r.canon = true;
	assert_int_equal(tafel_mpr_str(&r, &s, &len), TAFEL_EMALFORMED);
	tafel_mpr_init(&r, (const uint8_t *)"\xc5\x00\x01x", 4);
	r.canon = true;
	assert_int_equal(tafel_mpr_bin(&r, &s, &len), TAFEL_EMALFORMED);
	tafel_mpr_init(&r, (const uint8_t *)"\xdc\x00\x01\x01", 4);
	r.canon = true;
	assert_int_equal(tafel_mpr_array(&r, &k), TAFEL_EMALFORMED);
	tafel_mpr_init(&r, (const uint8_t *)"\xde\x00\x00", 3);
	r.canon = true;
	assert_int_equal(tafel_mpr_map(&r, &k), TAFEL_EMALFORMED);
	r.canon = false;
	assert_int_equal(tafel_mpr_map(&r, &k), 0);
	assert_int_equal(k, 0);
}

static void
test_reader_skip(void **state)
{
	struct tafel_mpr r;
	uint64_t v;

	/* [ {"a": [1, {}], 2: nil}, "s", -1 ], then 7. */
	static const uint8_t b[] = {
		0x93, 0x82, 0xa1, 'a', 0x92, 0x01, 0x80, 0x02, 0xc0, 0xa1, 's',
		0xff, 0x07
	};

	tafel_mpr_init(&r, b, sizeof(b));
	assert_int_equal(tafel_mpr_skip(&r), 0);
	assert_int_equal(r.off, sizeof(b) - 1);
	assert_int_equal(tafel_mpr_uint(&r, &v), 0);
	assert_int_equal(v, 7);
	assert_true(tafel_mpr_done(&r));
	/* Cut anywhere inside, skip fails and does not move. */
	tafel_mpr_init(&r, b, sizeof(b) - 2);
	assert_int_equal(tafel_mpr_skip(&r), TAFEL_EMALFORMED);
	assert_int_equal(r.off, 0);
	tafel_mpr_init(&r, b, 5);
	assert_int_equal(tafel_mpr_skip(&r), TAFEL_EMALFORMED);
}

/*
 * The reader and msgpack-c agree on a tree: the same types and values,
 * object by object.  Returns false at the first difference.
 */
static bool
same_tree(struct tafel_mpr *r, const msgpack_object *o)
{
	struct tafel_mpr_obj x;
	uint32_t i;

	if (tafel_mpr_next(r, &x) != 0)
		return false;
	switch (o->type) {
	case MSGPACK_OBJECT_NIL:
		return x.type == TAFEL_MPR_NIL;
	case MSGPACK_OBJECT_BOOLEAN:
		return x.type == TAFEL_MPR_BOOL && x.u == o->via.boolean;
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		return x.type == TAFEL_MPR_UINT && x.u == o->via.u64;
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		return x.type == TAFEL_MPR_NINT && x.i == o->via.i64;
	/* An empty str or bin points anywhere. */
	case MSGPACK_OBJECT_STR:
		return x.type == TAFEL_MPR_STR && x.u == o->via.str.size &&
		    (x.u == 0 || x.ptr == (const uint8_t *)o->via.str.ptr);
	case MSGPACK_OBJECT_BIN:
		return x.type == TAFEL_MPR_BIN && x.u == o->via.bin.size &&
		    (x.u == 0 || x.ptr == (const uint8_t *)o->via.bin.ptr);
	case MSGPACK_OBJECT_ARRAY:
		if (x.type != TAFEL_MPR_ARRAY || x.u != o->via.array.size)
			return false;
		for (i = 0; i < o->via.array.size; i++)
			if (!same_tree(r, &o->via.array.ptr[i]))
				return false;
		return true;
	case MSGPACK_OBJECT_MAP:
		if (x.type != TAFEL_MPR_MAP || x.u != o->via.map.size)
			return false;
		for (i = 0; i < o->via.map.size; i++)
			if (!same_tree(r, &o->via.map.ptr[i].key) ||
			    !same_tree(r, &o->via.map.ptr[i].val))
				return false;
		return true;
	default:
		return false;
	}
}

/*
 * Every input that decodes reads the same with the reader, and skip
 * takes exactly all of it.  Returns whether b decoded.
 */
static bool
agree(const uint8_t *b, size_t n)
{
	msgpack_unpacked u;
	struct tafel_mpr r;

	if (tafel_mp_decode(&u, b, n, TAFEL_MAX_DEPTH) != 0)
		return false;
	tafel_mpr_init(&r, b, n);
	assert_true(same_tree(&r, &u.data));
	assert_true(tafel_mpr_done(&r));
	tafel_mpr_init(&r, b, n);
	assert_int_equal(tafel_mpr_skip(&r), 0);
	assert_true(tafel_mpr_done(&r));
	msgpack_unpacked_destroy(&u);
	return true;
}

static void
test_reader_msgpack_agree(void **state)
{
	static const char *const ints[] = {
		"\xd0\x05", "\xd0\xfb", "\xd1\x00\x05", "\xd1\xff\x00",
		"\xd2\x00\x00\x00\x05", "\xd2\xff\xff\xff\x00",
		"\xd3\0\0\0\0\0\0\0\x05", "\xd3\x80\0\0\0\0\0\0\x05",
		"\xcf\xff\xff\xff\xff\xff\xff\xff\xff", "\xe0", "\xc3",
	};
	static const size_t intlen[] = { 2, 2, 3, 3, 5, 5, 9, 9, 9, 1, 1 };
	uint8_t *b, c;
	size_t n, k, decoded = 0;
	int x;

	for (k = 0; k < sizeof(ints) / sizeof(ints[0]); k++)
		assert_true(agree((const uint8_t *)ints[k], intlen[k]));
	/* The sample with every byte set to every value. */
	sample(&b, &n);
	for (k = 0; k < n; k++) {
		c = b[k];
		for (x = 0; x < 256; x++) {
			b[k] = (uint8_t)x;
			decoded += agree(b, n);
		}
		b[k] = c;
	}
	assert_true(decoded > n);
	free(b);
}

static void
test_reader_fields(void **state)
{
	SAMPLE_FIELDS;
	struct tafel_mpr_field g[2] = {
		{ "a", TAFEL_MP_UINT, 1, 10, false, false, { 0 } },
		{ "d", TAFEL_MP_ARRAY, 0, 2, false, false, { 0 } },
	};
	struct tafel_mpr r;
	uint8_t *b, c;
	size_t n, k;
	int x;

	/* A signed form of a value in range: a uint, as in msgpack-c. */
	assert_int_equal(fields_of(L("\x84\xa1" "a\xd0\x05\xa1"
	    "b\xa1x\xa1" "c\xc4\x03xyz\xa1" "d\x90"), f, 5), 0);
	assert_int_equal(fields_of(L("\x90"), f, 5), TAFEL_EMALFORMED);
	/* The sample with every byte set to every value. */
	sample(&b, &n);
	for (k = 0; k < n; k++) {
		c = b[k];
		for (x = 0; x < 256; x++) {
			b[k] = (uint8_t)x;
			(void)fields_of(b, n, f, 5);
		}
		b[k] = c;
	}
	/* A container value is skipped whole; its header can be read again. */
	tafel_mpr_init(&r, (const uint8_t *)"\x82\xa1" "d\x92\x81\xa1" "k\x05"
	    "\xc0\xa1" "a\x03", 12);
	assert_int_equal(tafel_mpr_fields(&r, g, 2), 0);
	assert_true(tafel_mpr_done(&r));
	assert_int_equal(g[0].obj.u, 3);
	assert_int_equal(g[1].obj.off, 3);
	assert_int_equal(g[1].obj.u, 2);
	free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scan_valid),
		cmocka_unit_test(test_scan_empty),
		cmocka_unit_test(test_trailing_bytes),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_huge_counts),
		cmocka_unit_test(test_refused_types),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_max_items),
		cmocka_unit_test(test_fields_ok),
		cmocka_unit_test(test_fields_keys),
		cmocka_unit_test(test_fields_types),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_id),
		cmocka_unit_test(test_check_ranges),
		cmocka_unit_test(test_strcpy_streq),
		cmocka_unit_test(test_writer),
		cmocka_unit_test(test_decode_tree),
		cmocka_unit_test(test_reader_scalars),
		cmocka_unit_test(test_reader_canon_sizes),
		cmocka_unit_test(test_reader_refused),
		cmocka_unit_test(test_reader_typed),
		cmocka_unit_test(test_reader_skip),
		cmocka_unit_test(test_reader_msgpack_agree),
		cmocka_unit_test(test_reader_fields),
	};

	return cmocka_run_group_tests_name("mp", tests, NULL, NULL);
}
