/*
 * Unit tests for proto/mp.c: the strict msgpack scanner, decoder, field
 * checker and writer.
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

/* Runs tafel_mp_fields on one encoded map. */
static int
fields_of(const void *p, size_t n, struct tafel_mp_field *f, size_t nf)
{
	msgpack_unpacked u;
	int r;

	if ((r = tafel_mp_decode(&u, p, n, TAFEL_MAX_DEPTH)) != 0)
		return 100 + r;
	r = tafel_mp_fields(&u.data, f, nf);
	msgpack_unpacked_destroy(&u);
	return r;
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
	};

	return cmocka_run_group_tests_name("mp", tests, NULL, NULL);
}
