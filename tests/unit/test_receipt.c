/*
 * Signed receipts: round trip, signature, and what a decoder refuses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "tafel/mp.h"
#include "tafel/peer.h"
#include "tafel/receipt.h"

static uint8_t pk[32], sk[64];

static int
setup(void **state)
{
	if (sodium_init() < 0)
		return -1;
	crypto_sign_ed25519_seed_keypair(pk, sk,
	    (const uint8_t *)"0123456789abcdef0123456789abcdef");
	return 0;
}

static void
sample(struct tafel_rcpt *r, struct tafel_rcpt_item *it, size_t n)
{
	size_t i;

	memset(r, 0, sizeof(*r));
	strcpy(r->by, "politie-aalst");
	strcpy(r->to, "stad-aalst");
	r->time_ms = 1790000000123ULL;
	r->items = it;
	r->nitems = n;
	for (i = 0; i < n; i++) {
		memset(&it[i], 0, sizeof(it[i]));
		memset(it[i].id, (int)i + 1, sizeof(it[i].id));
		memset(it[i].h, 0xa0 + (int)i, sizeof(it[i].h));
		it[i].st = i % 2 ? TAFEL_ACK_REFUSED : TAFEL_ACK_OK;
		if (i % 2)
			strcpy(it[i].why, "the rules forbid it");
	}
}

static void
test_round_trip(void **state)
{
	struct tafel_rcpt_item it[3];
	struct tafel_rcpt r, back;
	uint8_t *buf;
	size_t len, i;

	sample(&r, it, 3);
	assert_int_equal(tafel_rcpt_sign(&r, sk, &buf, &len), 0);
	assert_int_equal(tafel_rcpt_verify(buf, len, pk, &back), 0);
	assert_string_equal(back.by, "politie-aalst");
	assert_string_equal(back.to, "stad-aalst");
	assert_true(back.time_ms == 1790000000123ULL);
	assert_int_equal(back.nitems, 3);
	for (i = 0; i < 3; i++) {
		assert_memory_equal(back.items[i].id, it[i].id, 16);
		assert_memory_equal(back.items[i].h, it[i].h, 32);
		assert_int_equal(back.items[i].st, it[i].st);
		assert_string_equal(back.items[i].why, it[i].why);
	}
	free(back.items);
	/* Signing is deterministic: the same receipt, the same bytes. */
	{
		uint8_t *again;
		size_t alen;

		assert_int_equal(tafel_rcpt_sign(&r, sk, &again, &alen), 0);
		assert_int_equal(alen, len);
		assert_memory_equal(again, buf, len);
		free(again);
	}
	free(buf);
}

static void
test_every_byte_matters(void **state)
{
	struct tafel_rcpt_item it[2];
	struct tafel_rcpt r, back;
	uint8_t *buf;
	size_t len, i;

	sample(&r, it, 2);
	assert_int_equal(tafel_rcpt_sign(&r, sk, &buf, &len), 0);
	for (i = 0; i < len; i++) {
		buf[i] ^= 0x01;
		assert_int_not_equal(tafel_rcpt_verify(buf, len, pk, &back), 0);
		buf[i] ^= 0x01;
	}
	for (i = 0; i < len; i++)
		assert_int_not_equal(tafel_rcpt_verify(buf, i, pk, &back), 0);
	free(buf);
}

static void
test_wrong_key(void **state)
{
	struct tafel_rcpt_item it[1];
	struct tafel_rcpt r, back;
	uint8_t other_pk[32], other_sk[64], *buf;
	size_t len;

	crypto_sign_ed25519_keypair(other_pk, other_sk);
	sample(&r, it, 1);
	assert_int_equal(tafel_rcpt_sign(&r, other_sk, &buf, &len), 0);
	assert_int_equal(tafel_rcpt_verify(buf, len, pk, &back), TAFEL_ESIG);
	/* Without a key it still decodes (tools that only show it). */
	assert_int_equal(tafel_rcpt_decode(buf, len, &back), 0);
	free(back.items);
	free(buf);
}

static void
test_sign_refuses(void **state)
{
	struct tafel_rcpt_item it[2];
	struct tafel_rcpt r;
	uint8_t *buf;
	size_t len;

	sample(&r, it, 2);
	r.nitems = 0;
	assert_int_equal(tafel_rcpt_sign(&r, sk, &buf, &len), TAFEL_EINVAL);
	sample(&r, it, 2);
	it[1].st = TAFEL_ACK_RETRY;	/* retry is never receipted */
	assert_int_equal(tafel_rcpt_sign(&r, sk, &buf, &len), TAFEL_EINVAL);
	sample(&r, it, 2);
	strcpy(r.by, "Politie");
	assert_int_equal(tafel_rcpt_sign(&r, sk, &buf, &len), TAFEL_EINVAL);
	sample(&r, it, 2);
	r.to[0] = '\0';
	assert_int_equal(tafel_rcpt_sign(&r, sk, &buf, &len), TAFEL_EINVAL);
}

/* An outer map around inner bytes, signed properly. */
static void
wrap(const uint8_t *inner, size_t n, uint8_t **out, size_t *outlen)
{
	struct tafel_mpw w;
	uint8_t sig[64], *m;

	m = malloc(sizeof(TAFEL_RCPT_DOMAIN) + n);
	assert_non_null(m);
	memcpy(m, TAFEL_RCPT_DOMAIN, sizeof(TAFEL_RCPT_DOMAIN));
	memcpy(m + sizeof(TAFEL_RCPT_DOMAIN), inner, n);
	crypto_sign_ed25519_detached(sig, NULL, m,
	    sizeof(TAFEL_RCPT_DOMAIN) + n, sk);
	free(m);
	tafel_mpw_init(&w);
	tafel_mpw_map(&w, 3);
	tafel_mpw_str(&w, "v");
	tafel_mpw_uint(&w, 1);
	tafel_mpw_str(&w, "r");
	tafel_mpw_bin(&w, inner, n);
	tafel_mpw_str(&w, "sig");
	tafel_mpw_bin(&w, sig, 64);
	assert_int_equal(tafel_mpw_finish(&w, out, outlen), 0);
}

/* A signed receipt whose inner map has one thing wrong. */
static int
inner_case(int which)
{
	struct tafel_mpw w;
	struct tafel_rcpt back;
	uint8_t *inner, *buf, id[16] = { 1 }, h[32] = { 2 };
	size_t n, len;
	int rc;

	tafel_mpw_init(&w);
	tafel_mpw_map(&w, which == 1 ? 6 : 5);
	tafel_mpw_str(&w, "v");
	tafel_mpw_uint(&w, which == 2 ? 2 : 1);
	tafel_mpw_str(&w, "by");
	tafel_mpw_str(&w, "politie");
	tafel_mpw_str(&w, "to");
	tafel_mpw_str(&w, "stad");
	tafel_mpw_str(&w, "time");
	tafel_mpw_uint(&w, 1);
	tafel_mpw_str(&w, "items");
	tafel_mpw_array(&w, which == 3 ? 0 : 1);
	if (which != 3) {
		tafel_mpw_map(&w, 4);
		tafel_mpw_str(&w, "id");
		tafel_mpw_bin(&w, id, which == 4 ? 15 : 16);
		tafel_mpw_str(&w, "h");
		tafel_mpw_bin(&w, h, 32);
		tafel_mpw_str(&w, "st");
		tafel_mpw_str(&w, which == 5 ? "retry" : "ok");
		tafel_mpw_str(&w, "why");
		tafel_mpw_str(&w, which == 6 ? "bad\001control" : "");
	}
	if (which == 1) {
		tafel_mpw_str(&w, "extra");
		tafel_mpw_uint(&w, 0);
	}
	assert_int_equal(tafel_mpw_finish(&w, &inner, &n), 0);
	wrap(inner, n, &buf, &len);
	rc = tafel_rcpt_verify(buf, len, pk, &back);
	if (rc == 0)
		free(back.items);
	free(inner);
	free(buf);
	return rc;
}

static void
test_inner_refusals(void **state)
{
	assert_int_equal(inner_case(0), 0);	/* the control case */
	assert_int_equal(inner_case(1), TAFEL_EMALFORMED);	/* extra key */
	assert_int_equal(inner_case(2), TAFEL_EVERSION);
	assert_int_equal(inner_case(3), TAFEL_EMALFORMED);	/* no items */
	assert_int_equal(inner_case(4), TAFEL_EMALFORMED);	/* short id */
	assert_int_equal(inner_case(5), TAFEL_EMALFORMED);	/* retry */
	assert_int_equal(inner_case(6), TAFEL_EMALFORMED);	/* control */
}

static void
test_frame(void **state)
{
	struct tafel_peer_msg m;
	uint8_t *f;
	size_t n;

	assert_int_equal(tafel_peer_rcpt_encode((const uint8_t *)"xyz", 3, &f,
	    &n), 0);
	assert_int_equal(tafel_peer_decode(f, n, &m), 0);
	assert_int_equal(m.type, TAFEL_PEER_RCPT);
	assert_int_equal(m.envlen, 3);
	assert_memory_equal(m.env, "xyz", 3);
	free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_every_byte_matters),
		cmocka_unit_test(test_wrong_key),
		cmocka_unit_test(test_sign_refuses),
		cmocka_unit_test(test_inner_refusals),
		cmocka_unit_test(test_frame),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
