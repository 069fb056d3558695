/*
 * Peer frames (env, ack): round trips and refusals.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "tafel/mp.h"
#include "tafel/peer.h"

static void
test_env_round_trip(void **state)
{
	struct tafel_peer_msg m;
	uint8_t *f;
	size_t n;

	assert_int_equal(tafel_peer_env_encode((const uint8_t *)"abc", 3, &f,
	    &n), 0);
	assert_int_equal(tafel_peer_decode(f, n, &m), 0);
	assert_int_equal(m.type, TAFEL_PEER_ENV);
	assert_int_equal(m.envlen, 3);
	assert_memory_equal(m.env, "abc", 3);
	/* Truncated anywhere, or one byte more: refused. */
	for (size_t i = 0; i < n; i++)
		assert_int_not_equal(tafel_peer_decode(f, i, &m), 0);
	f = realloc(f, n + 1);
	f[n] = 0x00;
	assert_int_equal(tafel_peer_decode(f, n + 1, &m), TAFEL_EMALFORMED);
	free(f);
	assert_int_equal(tafel_peer_env_encode(NULL, 0, &f, &n), TAFEL_EINVAL);
}

static void
test_table_round_trip(void **state)
{
	struct tafel_peer_msg m;
	uint8_t *f;
	size_t n;

	assert_int_equal(tafel_peer_table_encode((const uint8_t *)"doc", 3,
	    &f, &n), 0);
	assert_int_equal(tafel_peer_decode(f, n, &m), 0);
	assert_int_equal(m.type, TAFEL_PEER_TABLE);
	assert_int_equal(m.envlen, 3);
	assert_memory_equal(m.env, "doc", 3);
	free(f);
}

static void
b_table_with_env(struct tafel_mpw *w)
{
	tafel_mpw_map(w, 4);
	tafel_mpw_str(w, "v");
	tafel_mpw_uint(w, 1);
	tafel_mpw_str(w, "t");
	tafel_mpw_str(w, "table");
	tafel_mpw_str(w, "doc");
	tafel_mpw_bin(w, "x", 1);
	tafel_mpw_str(w, "env");
	tafel_mpw_bin(w, "x", 1);
}

static void
b_table_without_doc(struct tafel_mpw *w)
{
	tafel_mpw_map(w, 2);
	tafel_mpw_str(w, "v");
	tafel_mpw_uint(w, 1);
	tafel_mpw_str(w, "t");
	tafel_mpw_str(w, "table");
}

static int decode_built(void (*)(struct tafel_mpw *));

static void
test_table_refusals(void **state)
{
	assert_int_equal(decode_built(b_table_with_env), TAFEL_EMALFORMED);
	assert_int_equal(decode_built(b_table_without_doc), TAFEL_EMALFORMED);
}

static void
test_ack_round_trip(void **state)
{
	struct tafel_peer_msg m;
	uint8_t h[32], *f;
	size_t n;

	memset(h, 7, sizeof(h));
	assert_int_equal(tafel_peer_ack_encode(h, TAFEL_ACK_REFUSED,
	    "bad signature", &f, &n), 0);
	assert_int_equal(tafel_peer_decode(f, n, &m), 0);
	assert_int_equal(m.type, TAFEL_PEER_ACK);
	assert_int_equal(m.st, TAFEL_ACK_REFUSED);
	assert_string_equal(m.why, "bad signature");
	assert_memory_equal(m.h, h, 32);
	free(f);
	assert_string_equal(tafel_ack_status_name(TAFEL_ACK_RETRY), "retry");
	assert_int_equal(tafel_peer_ack_encode(h, 0, "", &f, &n),
	    TAFEL_EINVAL);
}

static int
decode_built(void (*build)(struct tafel_mpw *))
{
	struct tafel_peer_msg m;
	struct tafel_mpw w;
	uint8_t *f;
	size_t n;
	int rc;

	tafel_mpw_init(&w);
	build(&w);
	assert_int_equal(tafel_mpw_finish(&w, &f, &n), 0);
	rc = tafel_peer_decode(f, n, &m);
	free(f);
	return rc;
}

static void
b_unknown_type(struct tafel_mpw *w)
{
	tafel_mpw_map(w, 3);
	tafel_mpw_str(w, "v");
	tafel_mpw_uint(w, 1);
	tafel_mpw_str(w, "t");
	tafel_mpw_str(w, "hello");
	tafel_mpw_str(w, "env");
	tafel_mpw_bin(w, "x", 1);
}

static void
b_env_with_ack_fields(struct tafel_mpw *w)
{
	tafel_mpw_map(w, 4);
	tafel_mpw_str(w, "v");
	tafel_mpw_uint(w, 1);
	tafel_mpw_str(w, "t");
	tafel_mpw_str(w, "env");
	tafel_mpw_str(w, "env");
	tafel_mpw_bin(w, "x", 1);
	tafel_mpw_str(w, "why");
	tafel_mpw_str(w, "");
}

static void
b_ack_bad_status(struct tafel_mpw *w)
{
	uint8_t h[32] = { 0 };

	tafel_mpw_map(w, 5);
	tafel_mpw_str(w, "v");
	tafel_mpw_uint(w, 1);
	tafel_mpw_str(w, "t");
	tafel_mpw_str(w, "ack");
	tafel_mpw_str(w, "h");
	tafel_mpw_bin(w, h, 32);
	tafel_mpw_str(w, "st");
	tafel_mpw_str(w, "maybe");
	tafel_mpw_str(w, "why");
	tafel_mpw_str(w, "");
}

static void
b_ack_short_hash(struct tafel_mpw *w)
{
	uint8_t h[31] = { 0 };

	tafel_mpw_map(w, 5);
	tafel_mpw_str(w, "v");
	tafel_mpw_uint(w, 1);
	tafel_mpw_str(w, "t");
	tafel_mpw_str(w, "ack");
	tafel_mpw_str(w, "h");
	tafel_mpw_bin(w, h, 31);
	tafel_mpw_str(w, "st");
	tafel_mpw_str(w, "ok");
	tafel_mpw_str(w, "why");
	tafel_mpw_str(w, "");
}

static void
b_version_2(struct tafel_mpw *w)
{
	tafel_mpw_map(w, 3);
	tafel_mpw_str(w, "v");
	tafel_mpw_uint(w, 2);
	tafel_mpw_str(w, "t");
	tafel_mpw_str(w, "env");
	tafel_mpw_str(w, "env");
	tafel_mpw_bin(w, "x", 1);
}

static void
b_not_a_map(struct tafel_mpw *w)
{
	tafel_mpw_array(w, 1);
	tafel_mpw_uint(w, 1);
}

/* A want frame with n hashes of hlen bytes, plus an "env" if extra. */
static int	want_n, want_hlen;
static bool	want_extra;

static void
b_want(struct tafel_mpw *w)
{
	uint8_t h[40] = { 7 };
	int i;

	tafel_mpw_map(w, want_extra ? 4 : 3);
	tafel_mpw_str(w, "v");
	tafel_mpw_uint(w, 1);
	tafel_mpw_str(w, "t");
	tafel_mpw_str(w, "want");
	tafel_mpw_str(w, "want");
	tafel_mpw_array(w, want_n);
	for (i = 0; i < want_n; i++)
		tafel_mpw_bin(w, h, want_hlen);
	if (want_extra) {
		tafel_mpw_str(w, "env");
		tafel_mpw_bin(w, "x", 1);
	}
}

static int
want_case(int n, int hlen, bool extra)
{
	want_n = n;
	want_hlen = hlen;
	want_extra = extra;
	return decode_built(b_want);
}

static void
test_want(void **state)
{
	struct tafel_peer_msg m;
	uint8_t h[3][32], *f;
	size_t n;

	memset(h[0], 1, 32);
	memset(h[1], 2, 32);
	memset(h[2], 3, 32);
	assert_int_equal(tafel_peer_want_encode((const uint8_t (*)[32])h, 3,
	    &f, &n), 0);
	assert_int_equal(tafel_peer_decode(f, n, &m), 0);
	assert_int_equal(m.type, TAFEL_PEER_WANT);
	assert_int_equal(m.nwant, 3);
	assert_memory_equal(m.want, h, sizeof(h));
	free(f);
	assert_int_equal(tafel_peer_want_encode((const uint8_t (*)[32])h, 0,
	    &f, &n), TAFEL_EINVAL);
	assert_int_equal(want_case(1, 32, false), 0);	/* control */
	assert_int_equal(want_case(16, 32, false), 0);
	assert_int_equal(want_case(0, 32, false), TAFEL_EMALFORMED);
	assert_int_equal(want_case(17, 32, false), TAFEL_EMALFORMED);
	assert_int_equal(want_case(1, 31, false), TAFEL_EMALFORMED);
	assert_int_equal(want_case(1, 33, false), TAFEL_EMALFORMED);
	assert_int_equal(want_case(1, 32, true), TAFEL_EMALFORMED);
}

static void
test_refusals(void **state)
{
	assert_int_equal(decode_built(b_unknown_type), TAFEL_EMALFORMED);
	assert_int_equal(decode_built(b_env_with_ack_fields), TAFEL_EMALFORMED);
	assert_int_equal(decode_built(b_ack_bad_status), TAFEL_EMALFORMED);
	assert_int_equal(decode_built(b_ack_short_hash), TAFEL_EMALFORMED);
	assert_int_equal(decode_built(b_version_2), TAFEL_EVERSION);
	assert_int_equal(decode_built(b_not_a_map), TAFEL_EMALFORMED);
}

static void
test_hostile_headers(void **state)
{
	struct tafel_peer_msg m;
	static const uint8_t map32[] = { 0xdf, 0x7f, 0xff, 0xff, 0xff };
	static const uint8_t deep[] = { 0x91, 0x91, 0x91, 0x91, 0x91, 0x91,
	    0x91, 0x91, 0x90 };
	static const uint8_t reserved[] = { 0xc1 };
	static const uint8_t ext[] = { 0xd4, 0x01, 0x00 };
	static const uint8_t flt[] = { 0xca, 0, 0, 0, 0 };

	assert_int_not_equal(tafel_peer_decode(map32, sizeof(map32), &m), 0);
	assert_int_not_equal(tafel_peer_decode(deep, sizeof(deep), &m), 0);
	assert_int_not_equal(tafel_peer_decode(reserved, 1, &m), 0);
	assert_int_not_equal(tafel_peer_decode(ext, sizeof(ext), &m), 0);
	assert_int_not_equal(tafel_peer_decode(flt, sizeof(flt), &m), 0);
	assert_int_not_equal(tafel_peer_decode(map32, 0, &m), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_env_round_trip),
		cmocka_unit_test(test_ack_round_trip),
		cmocka_unit_test(test_table_round_trip),
		cmocka_unit_test(test_table_refusals),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_want),
		cmocka_unit_test(test_hostile_headers),
	};

	return cmocka_run_group_tests_name("peer", tests, NULL, NULL);
}
