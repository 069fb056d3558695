/*
 * Unit tests for proto/card.c: encoding, strict decoding, the
 * self-signature and the text form of member cards.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "tafel/card.h"
#include "tafel/mp.h"
#include "tafel/table.h"
#include "tafel/tafel.h"
#include "tafel/util.h"

struct fixture {
	uint8_t			sk[64];
	uint8_t			other_sk[64];
	struct tafel_card	card;
	uint8_t			*bin;
	size_t			len;
};

static int
setup(void **state)
{
	struct fixture *fx;

	if (sodium_init() < 0 || (fx = calloc(1, sizeof(*fx))) == NULL)
		return -1;
	crypto_sign_keypair(fx->card.sign_pk, fx->sk);
	{
		uint8_t pk[32];

		crypto_sign_keypair(pk, fx->other_sk);
	}
	snprintf(fx->card.org, sizeof(fx->card.org), "politie-aalst");
	snprintf(fx->card.name, sizeof(fx->card.name),
	    "Politiezone Aalst \xe2\x80\x93 Dender");
	snprintf(fx->card.role, sizeof(fx->card.role), "police");
	fx->card.nendpoints = 2;
	snprintf(fx->card.endpoints[0], sizeof(fx->card.endpoints[0]),
	    "tcp://tafel.politie-aalst.be:7400");
	snprintf(fx->card.endpoints[1], sizeof(fx->card.endpoints[1]),
	    "tcp://[2001:db8::1]:7400");
	randombytes_buf(fx->card.box_pk, 32);
	randombytes_buf(fx->card.curve_pk, 32);
	if (tafel_card_encode(&fx->card, fx->sk, &fx->bin, &fx->len) != 0)
		return -1;
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	free(fx->bin);
	free(fx);
	return 0;
}

static bool
card_equal(const struct tafel_card *a, const struct tafel_card *b)
{
	size_t i;

	if (strcmp(a->org, b->org) != 0 || strcmp(a->name, b->name) != 0 ||
	    strcmp(a->role, b->role) != 0 || a->nendpoints != b->nendpoints ||
	    memcmp(a->sign_pk, b->sign_pk, 32) != 0 ||
	    memcmp(a->box_pk, b->box_pk, 32) != 0 ||
	    memcmp(a->curve_pk, b->curve_pk, 32) != 0 ||
	    memcmp(a->hash, b->hash, 32) != 0)
		return false;
	for (i = 0; i < a->nendpoints; i++)
		if (strcmp(a->endpoints[i], b->endpoints[i]) != 0)
			return false;
	return true;
}

/* Ways to damage the inner map while keeping a valid signature. */
enum mut {
	M_NONE, M_REORDER, M_EXTRA_KEY, M_DUP_KEY, M_MISSING, M_V2, M_V_STR,
	M_SIGN31, M_SIGN33, M_BOX_STR, M_ORG_UPPER, M_ORG_BIN, M_ROLE_UNKNOWN,
	M_ROLE_UPPER, M_NAME_EMPTY, M_NAME_129, M_NAME_128, M_NAME_CTRL,
	M_NAME_UTF8, M_NAME_NEWLINE, M_EP_EMPTY, M_EP_5, M_EP_NOTSTR,
	M_EP_NESTED, M_EP_EMPTYSTR, M_NOT_MAP, M_TRAILING, M_NEG_V, M_NIL_BOX
};

/* Writes c's inner map, without any checks, damaged as m says. */
static void
inner_bytes(const struct tafel_card *c, enum mut m, uint8_t **out,
    size_t *len)
{
	struct tafel_mpw w;
	char long_name[TAFEL_NAME_MAX + 2];
	size_t i, n = 8;

	tafel_mpw_init(&w);
	if (m == M_NOT_MAP) {
		tafel_mpw_array(&w, 1);
		tafel_mpw_uint(&w, 1);
		assert_int_equal(tafel_mpw_finish(&w, out, len), 0);
		return;
	}
	if (m == M_EXTRA_KEY || m == M_DUP_KEY)
		n = 9;
	else if (m == M_MISSING)
		n = 7;
	tafel_mpw_map(&w, n);
	if (m == M_REORDER) {
		tafel_mpw_str(&w, "curve");
		tafel_mpw_bin(&w, c->curve_pk, 32);
	}
	tafel_mpw_str(&w, "v");
	if (m == M_V2)
		tafel_mpw_uint(&w, 2);
	else if (m == M_V_STR)
		tafel_mpw_str(&w, "1");
	else if (m == M_NEG_V)
		tafel_mpw_raw(&w, "\xff", 1);
	else
		tafel_mpw_uint(&w, 1);
	tafel_mpw_str(&w, "org");
	if (m == M_ORG_UPPER)
		tafel_mpw_str(&w, "Politie-Aalst");
	else if (m == M_ORG_BIN)
		tafel_mpw_bin(&w, c->org, strlen(c->org));
	else
		tafel_mpw_str(&w, c->org);
	tafel_mpw_str(&w, "name");
	memset(long_name, 'n', sizeof(long_name));
	if (m == M_NAME_EMPTY)
		tafel_mpw_str(&w, "");
	else if (m == M_NAME_129)
		tafel_mpw_strn(&w, long_name, TAFEL_NAME_MAX + 1);
	else if (m == M_NAME_128)
		tafel_mpw_strn(&w, long_name, TAFEL_NAME_MAX);
	else if (m == M_NAME_CTRL)
		tafel_mpw_str(&w, "Politie\x1b[2J");
	else if (m == M_NAME_UTF8)
		tafel_mpw_str(&w, "Politie \xc0\xae");
	else if (m == M_NAME_NEWLINE)
		tafel_mpw_str(&w, "Politie\nFingerprint: 1");
	else
		tafel_mpw_str(&w, c->name);
	tafel_mpw_str(&w, "role");
	if (m == M_ROLE_UNKNOWN)
		tafel_mpw_str(&w, "chef");
	else if (m == M_ROLE_UPPER)
		tafel_mpw_str(&w, "Police");
	else
		tafel_mpw_str(&w, c->role);
	tafel_mpw_str(&w, "endpoints");
	if (m == M_EP_EMPTY) {
		tafel_mpw_array(&w, 0);
	} else if (m == M_EP_5) {
		tafel_mpw_array(&w, 5);
		for (i = 0; i < 5; i++)
			tafel_mpw_str(&w, "tcp://a:1");
	} else if (m == M_EP_NOTSTR) {
		tafel_mpw_array(&w, 1);
		tafel_mpw_uint(&w, 7400);
	} else if (m == M_EP_NESTED) {
		tafel_mpw_array(&w, 1);
		for (i = 0; i < 8; i++)
			tafel_mpw_array(&w, 1);
		tafel_mpw_str(&w, "tcp://a:1");
	} else if (m == M_EP_EMPTYSTR) {
		tafel_mpw_array(&w, 1);
		tafel_mpw_str(&w, "");
	} else {
		tafel_mpw_array(&w, c->nendpoints);
		for (i = 0; i < c->nendpoints; i++)
			tafel_mpw_str(&w, c->endpoints[i]);
	}
	tafel_mpw_str(&w, "sign");
	if (m == M_SIGN31)
		tafel_mpw_bin(&w, c->sign_pk, 31);
	else if (m == M_SIGN33) {
		uint8_t b[33];

		memcpy(b, c->sign_pk, 32);
		b[32] = 0;
		tafel_mpw_bin(&w, b, 33);
	} else
		tafel_mpw_bin(&w, c->sign_pk, 32);
	tafel_mpw_str(&w, "box");
	if (m == M_BOX_STR)
		tafel_mpw_strn(&w, "0123456789abcdef0123456789abcdef", 32);
	else if (m == M_NIL_BOX)
		tafel_mpw_nil(&w);
	else
		tafel_mpw_bin(&w, c->box_pk, 32);
	if (m != M_REORDER && m != M_MISSING) {
		tafel_mpw_str(&w, "curve");
		tafel_mpw_bin(&w, c->curve_pk, 32);
	}
	if (m == M_EXTRA_KEY) {
		tafel_mpw_str(&w, "admin");
		tafel_mpw_bool(&w, true);
	} else if (m == M_DUP_KEY) {
		tafel_mpw_str(&w, "role");
		tafel_mpw_str(&w, "coordinator");
	}
	if (m == M_TRAILING)
		tafel_mpw_nil(&w);
	assert_int_equal(tafel_mpw_finish(&w, out, len), 0);
}

/* Signs inner (with a domain) and wraps it as { v, card, sig }. */
static void
wrap(const uint8_t *inner, size_t ilen, const uint8_t *sk,
    const char *domain, size_t domlen, uint8_t **out, size_t *len)
{
	struct tafel_mpw w;
	uint8_t sig[64], *msg;

	msg = malloc(domlen + ilen);
	assert_non_null(msg);
	memcpy(msg, domain, domlen);
	memcpy(msg + domlen, inner, ilen);
	crypto_sign_detached(sig, NULL, msg, domlen + ilen, sk);
	free(msg);
	tafel_mpw_init(&w);
	tafel_mpw_map(&w, 3);
	tafel_mpw_str(&w, "v");
	tafel_mpw_uint(&w, 1);
	tafel_mpw_str(&w, "card");
	tafel_mpw_bin(&w, inner, ilen);
	tafel_mpw_str(&w, "sig");
	tafel_mpw_bin(&w, sig, 64);
	assert_int_equal(tafel_mpw_finish(&w, out, len), 0);
}

#define DOMAIN	TAFEL_CARD_DOMAIN, sizeof(TAFEL_CARD_DOMAIN)

/* Decodes c damaged as m, correctly signed. */
static int
decode_mut(struct fixture *fx, enum mut m, struct tafel_card *out)
{
	uint8_t *inner, *b;
	size_t ilen, n;
	int r;

	inner_bytes(&fx->card, m, &inner, &ilen);
	wrap(inner, ilen, fx->sk, DOMAIN, &b, &n);
	r = tafel_card_decode(b, n, out);
	free(b);
	free(inner);
	return r;
}

static void
test_roundtrip(void **state)
{
	struct fixture *fx = *state;
	struct tafel_card c;
	uint8_t *inner, h[32];
	size_t ilen;

	memset(&c, 0xa5, sizeof(c));
	assert_int_equal(tafel_card_decode(fx->bin, fx->len, &c), 0);
	assert_true(card_equal(&c, &fx->card));
	assert_string_equal(c.org, "politie-aalst");
	assert_string_equal(c.endpoints[1], "tcp://[2001:db8::1]:7400");
	/* The hash is SHA-256 of the inner bytes, as our writer makes them. */
	inner_bytes(&fx->card, M_NONE, &inner, &ilen);
	crypto_hash_sha256(h, inner, ilen);
	assert_memory_equal(h, c.hash, 32);
	/* The encoder is canonical: our writer gives the same bytes. */
	assert_non_null(memmem(fx->bin, fx->len, inner, ilen));
	free(inner);
	/* Outer layout: fixmap 3, "v": 1, "card": bin. */
	assert_memory_equal(fx->bin, "\x83\xa1v\x01\xa4" "card\xc5", 10);
	/* Encoding again gives the same bytes (Ed25519 is deterministic). */
	{
		uint8_t *b2;
		size_t n2;

		assert_int_equal(tafel_card_encode(&c, fx->sk, &b2, &n2), 0);
		assert_int_equal(n2, fx->len);
		assert_memory_equal(b2, fx->bin, n2);
		free(b2);
	}
}

static void
test_encode_refuses(void **state)
{
	struct fixture *fx = *state;
	struct tafel_card c;
	uint8_t *b = (uint8_t *)1;
	size_t n = 1;

	c = fx->card;
	assert_int_equal(tafel_card_encode(&c, fx->other_sk, &b, &n),
	    TAFEL_EINVAL);
	assert_null(b);
	assert_int_equal(n, 0);
#define REFUSE(stmt) do {						\
	c = fx->card;							\
	stmt;								\
	assert_int_equal(tafel_card_encode(&c, fx->sk, &b, &n),	\
	    TAFEL_EINVAL);						\
} while (0)
	REFUSE(c.org[0] = '-');
	REFUSE(c.org[0] = '\0');
	REFUSE(c.org[1] = 'A');
	REFUSE(snprintf(c.role, sizeof(c.role), "chef"));
	REFUSE(c.role[0] = '\0');
	REFUSE(c.name[0] = '\0');
	REFUSE(c.name[3] = '\n');
	REFUSE(c.name[3] = '\xff');
	REFUSE(memset(c.name, 'x', sizeof(c.name)));	/* no NUL */
	REFUSE(c.nendpoints = 0);
	REFUSE(c.nendpoints = TAFEL_MAX_ENDPOINTS + 1);
	REFUSE(snprintf(c.endpoints[1], sizeof(c.endpoints[1]), "udp://a:1"));
	REFUSE(memset(c.endpoints[0], 'x', sizeof(c.endpoints[0])));
#undef REFUSE
	/* Limits are inclusive. */
	c = fx->card;
	memset(c.name, 'n', TAFEL_NAME_MAX);
	c.name[TAFEL_NAME_MAX] = '\0';
	memset(c.org, 'o', TAFEL_ORG_MAX);
	c.org[TAFEL_ORG_MAX] = '\0';
	c.nendpoints = TAFEL_MAX_ENDPOINTS;
	snprintf(c.endpoints[2], sizeof(c.endpoints[2]), "tcp://10.0.0.1:1");
	snprintf(c.endpoints[3], sizeof(c.endpoints[3]), "tcp://h:65535");
	assert_int_equal(tafel_card_encode(&c, fx->sk, &b, &n), 0);
	assert_true(n <= TAFEL_CARD_MAX);
	free(b);
}

static void
test_strict_inner(void **state)
{
	struct fixture *fx = *state;
	struct tafel_card c;
	static const enum mut bad[] = {
		M_EXTRA_KEY, M_DUP_KEY, M_MISSING, M_V_STR, M_NEG_V, M_SIGN31,
		M_SIGN33, M_BOX_STR, M_NIL_BOX, M_ORG_UPPER, M_ORG_BIN,
		M_ROLE_UNKNOWN, M_ROLE_UPPER, M_NAME_EMPTY, M_NAME_129,
		M_NAME_CTRL, M_NAME_UTF8, M_NAME_NEWLINE, M_EP_EMPTY, M_EP_5,
		M_EP_NOTSTR, M_EP_NESTED, M_EP_EMPTYSTR, M_NOT_MAP, M_TRAILING,
	};
	size_t i;

	/* The unmodified writer and harmless variants decode. */
	assert_int_equal(decode_mut(fx, M_NONE, &c), 0);
	assert_true(card_equal(&c, &fx->card));
	assert_int_equal(decode_mut(fx, M_REORDER, &c), 0);
	assert_string_equal(c.org, fx->card.org);
	assert_int_equal(decode_mut(fx, M_NAME_128, &c), 0);
	assert_int_equal(strlen(c.name), TAFEL_NAME_MAX);
	/* A future version is a version error. */
	assert_int_equal(decode_mut(fx, M_V2, &c), TAFEL_EVERSION);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&c, 0xa5, sizeof(c));
		if (decode_mut(fx, bad[i], &c) == 0)
			fail_msg("mutation %d decoded", (int)bad[i]);
		/* Nothing half decoded is left behind. */
		assert_true(sodium_is_zero((uint8_t *)&c, sizeof(c)));
	}
}

static void
test_endpoints(void **state)
{
	struct fixture *fx = *state;
	static const char *const good[] = {
		"tcp://a:1", "tcp://tafel.example.be:7400",
		"tcp://10.0.0.1:65535",
		"tcp://[::1]:7400", "tcp://[2001:DB8::a]:80", "tcp://Host-1:9",
	};
	static const char *const bad[] = {
		"", "tcp://", "tcp://a", "tcp://a:", "tcp://:80", "tcp://a:0",
		"tcp://a:65536", "tcp://a:99999", "tcp://a:07400",
		"tcp://a:+80",
		"tcp://a:8 0", "tcp://a:80x", "tcp://a:80/", "tcp://a b:80",
		"tcp://-a:80", "tcp://.a:80", "tcp://a_b:80", "udp://a:80",
		"TCP://a:80", "ipc:///tmp/x", "tcp://[::1:80", "tcp://[]:80",
		"tcp://[::g]:80", "tcp://*:80", "tcp://a:123456", " tcp://a:1",
		"tcp://user@a:80", "tcp://caf\xc3\xa9:80",
	};
	struct tafel_card c;
	uint8_t *inner, *b;
	size_t i, ilen, n;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		c = fx->card;
		snprintf(c.endpoints[0], sizeof(c.endpoints[0]), "%s", good[i]);
		if (tafel_card_encode(&c, fx->sk, &b, &n) != 0)
			fail_msg("good endpoint %s refused", good[i]);
		free(b);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		c = fx->card;
		snprintf(c.endpoints[0], sizeof(c.endpoints[0]), "%s", bad[i]);
		if (tafel_card_encode(&c, fx->sk, &b, &n) != TAFEL_EINVAL)
			fail_msg("bad endpoint '%s' encoded", bad[i]);
		/* And a correctly signed card carrying it does not decode. */
		inner_bytes(&c, M_NONE, &inner, &ilen);
		wrap(inner, ilen, fx->sk, DOMAIN, &b, &n);
		if (tafel_card_decode(b, n, &c) != TAFEL_EMALFORMED)
			fail_msg("bad endpoint '%s' decoded", bad[i]);
		free(b);
		free(inner);
	}
}

static void
test_signature(void **state)
{
	struct fixture *fx = *state;
	struct tafel_card c;
	uint8_t *inner, *b;
	size_t ilen, n, i;

	inner_bytes(&fx->card, M_NONE, &inner, &ilen);
	/* Signed by another key than the card's own. */
	wrap(inner, ilen, fx->other_sk, DOMAIN, &b, &n);
	assert_int_equal(tafel_card_decode(b, n, &c), TAFEL_ESIG);
	free(b);
	/* Without the domain, without its NUL, with the table's domain. */
	wrap(inner, ilen, fx->sk, "", 0, &b, &n);
	assert_int_equal(tafel_card_decode(b, n, &c), TAFEL_ESIG);
	free(b);
	wrap(inner, ilen, fx->sk, TAFEL_CARD_DOMAIN,
	    sizeof(TAFEL_CARD_DOMAIN) - 1, &b, &n);
	assert_int_equal(tafel_card_decode(b, n, &c), TAFEL_ESIG);
	free(b);
	wrap(inner, ilen, fx->sk, TAFEL_TABLE_DOMAIN,
	    sizeof(TAFEL_TABLE_DOMAIN), &b, &n);
	assert_int_equal(tafel_card_decode(b, n, &c), TAFEL_ESIG);
	free(b);
	/* The right domain works, as a control. */
	wrap(inner, ilen, fx->sk, DOMAIN, &b, &n);
	assert_int_equal(tafel_card_decode(b, n, &c), 0);
	/* Every bit of the signature matters. */
	for (i = 0; i < 64 * 8; i += 7) {
		b[n - 64 + i / 8] ^= (uint8_t)(1u << (i % 8));
		assert_int_equal(tafel_card_decode(b, n, &c), TAFEL_ESIG);
		b[n - 64 + i / 8] ^= (uint8_t)(1u << (i % 8));
	}
	assert_int_equal(tafel_card_decode(b, n, &c), 0);
	free(b);
	free(inner);
}

/* Writes an outer map from parts; which says what to damage. */
static int
decode_outer(struct fixture *fx, int which)
{
	struct tafel_mpw w;
	struct tafel_card c;
	uint8_t *inner, *b, sig[65], *msg;
	size_t ilen, n;
	int r;

	inner_bytes(&fx->card, M_NONE, &inner, &ilen);
	msg = malloc(sizeof(TAFEL_CARD_DOMAIN) + ilen);
	assert_non_null(msg);
	memcpy(msg, TAFEL_CARD_DOMAIN, sizeof(TAFEL_CARD_DOMAIN));
	memcpy(msg + sizeof(TAFEL_CARD_DOMAIN), inner, ilen);
	crypto_sign_detached(sig, NULL, msg, sizeof(TAFEL_CARD_DOMAIN) + ilen,
	    fx->sk);
	sig[64] = 0;
	free(msg);
	tafel_mpw_init(&w);
	tafel_mpw_map(&w, which == 1 || which == 2 ? 4 :
	    which == 3 ? 2 : 3);
	if (which != 5) {
		tafel_mpw_str(&w, "v");
		tafel_mpw_uint(&w, which == 4 ? 0 : 1);
	}
	if (which == 6) {
		tafel_mpw_str(&w, "sig");
		tafel_mpw_bin(&w, sig, 64);
	}
	tafel_mpw_str(&w, "card");
	if (which == 7)
		tafel_mpw_strn(&w, (const char *)inner, ilen);
	else
		tafel_mpw_bin(&w, inner, ilen);
	if (which == 5) {
		tafel_mpw_str(&w, "v");
		tafel_mpw_uint(&w, 1);
	}
	if (which != 3 && which != 6) {
		tafel_mpw_str(&w, "sig");
		tafel_mpw_bin(&w, sig, which == 8 ? 63 : which == 9 ? 65 : 64);
	}
	if (which == 1) {
		tafel_mpw_str(&w, "note");
		tafel_mpw_str(&w, "hi");
	} else if (which == 2) {
		tafel_mpw_str(&w, "v");
		tafel_mpw_uint(&w, 1);
	}
	assert_int_equal(tafel_mpw_finish(&w, &b, &n), 0);
	r = tafel_card_decode(b, n, &c);
	free(b);
	free(inner);
	return r;
}

static void
test_strict_outer(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(decode_outer(fx, 0), 0);		/* control */
	assert_int_equal(decode_outer(fx, 1), TAFEL_EMALFORMED); /* extra */
	assert_int_equal(decode_outer(fx, 2), TAFEL_EMALFORMED); /* dup v */
	assert_int_equal(decode_outer(fx, 3), TAFEL_EMALFORMED); /* no sig */
	assert_int_equal(decode_outer(fx, 4), TAFEL_EVERSION);	/* v 0 */
	assert_int_equal(decode_outer(fx, 5), 0);		/* order */
	assert_int_equal(decode_outer(fx, 6), 0);		/* order */
	assert_int_equal(decode_outer(fx, 7), TAFEL_EMALFORMED); /* str */
	assert_int_equal(decode_outer(fx, 8), TAFEL_EMALFORMED); /* 63 */
	assert_int_equal(decode_outer(fx, 9), TAFEL_EMALFORMED); /* 65 */
}

static void
test_truncated_trailing(void **state)
{
	struct fixture *fx = *state;
	struct tafel_card c;
	uint8_t *b;
	size_t k;

	for (k = 0; k < fx->len; k++) {
		b = malloc(k + 1);
		assert_non_null(b);
		memcpy(b, fx->bin, k);
		assert_int_not_equal(tafel_card_decode(b, k, &c), 0);
		free(b);
	}
	b = malloc(fx->len + 1);
	assert_non_null(b);
	memcpy(b, fx->bin, fx->len);
	b[fx->len] = 0xc0;
	assert_int_equal(tafel_card_decode(b, fx->len + 1, &c),
	    TAFEL_EMALFORMED);
	free(b);
	assert_int_equal(tafel_card_decode(NULL, 0, &c), TAFEL_EMALFORMED);
	assert_int_equal(tafel_card_decode(fx->bin, fx->len, NULL),
	    TAFEL_EINVAL);
}

static void
test_hostile_sizes(void **state)
{
	struct tafel_card c;
	uint8_t *b;

	/* map32 and array32 headers claiming 50M entries. */
	assert_int_equal(tafel_card_decode((const uint8_t *)
	    "\xdf\x02\xfa\xf0\x80", 5, &c), TAFEL_EMALFORMED);
	assert_int_equal(tafel_card_decode((const uint8_t *)
	    "\x83\xa1v\x01\xa4" "card\xdd\x02\xfa\xf0\x80", 14, &c),
	    TAFEL_EMALFORMED);
	/* A card bin claiming 4 GiB. */
	assert_int_equal(tafel_card_decode((const uint8_t *)
	    "\x83\xa1v\x01\xa4" "card\xc6\xff\xff\xff\xff", 14, &c),
	    TAFEL_EMALFORMED);
	/* Over the size cap, whatever it holds. */
	b = calloc(1, TAFEL_CARD_MAX + 1);
	assert_non_null(b);
	assert_int_equal(tafel_card_decode(b, TAFEL_CARD_MAX + 1, &c),
	    TAFEL_ETOOBIG);
	free(b);
}

static void
test_tamper_every_byte(void **state)
{
	struct fixture *fx = *state;
	static const uint8_t masks[] = { 0x01, 0x80, 0xff };
	struct tafel_card c;
	uint8_t *b;
	size_t i, k, same = 0;

	b = malloc(fx->len);
	assert_non_null(b);
	for (i = 0; i < fx->len; i++) {
		for (k = 0; k < sizeof(masks); k++) {
			memcpy(b, fx->bin, fx->len);
			b[i] ^= masks[k];
			if (tafel_card_decode(b, fx->len, &c) != 0)
				continue;
			if (!card_equal(&c, &fx->card))
				fail_msg("byte %zu ^ 0x%02x: different card",
				    i, masks[k]);
			same++;
		}
	}
	/* Only the spelling of the outer keys could survive, and none does. */
	assert_int_equal(same, 0);
	free(b);
}

static void
test_text_roundtrip(void **state)
{
	struct fixture *fx = *state;
	struct tafel_card c;
	char *t, want[1024], fpr[TAFEL_FPR_LEN + 1];
	uint8_t *b;
	size_t n;

	assert_int_equal(tafel_card_to_text(fx->bin, fx->len, &t), 0);
	tafel_fingerprint(fpr, fx->card.hash);
	snprintf(want, sizeof(want), "-----BEGIN TAFEL CARD-----\n"
	    "Org: politie-aalst\n"
	    "Name: Politiezone Aalst \xe2\x80\x93 Dender\n"
	    "Role: police\n"
	    "Endpoint: tcp://tafel.politie-aalst.be:7400\n"
	    "Endpoint: tcp://[2001:db8::1]:7400\n"
	    "Fingerprint: %s\n\n", fpr);
	assert_true(strncmp(t, want, strlen(want)) == 0);
	assert_non_null(strstr(t, "\n-----END TAFEL CARD-----\n"));
	memset(&c, 0, sizeof(c));
	assert_int_equal(tafel_card_from_text(t, strlen(t), &b, &n, &c), 0);
	assert_int_equal(n, fx->len);
	assert_memory_equal(b, fx->bin, n);
	assert_true(card_equal(&c, &fx->card));
	free(b);
	assert_int_equal(tafel_card_from_text(t, strlen(t), &b, &n, NULL), 0);
	free(b);
	free(t);
}

/* from_text of t with the first "from" replaced by "to". */
static int
from_edited(const char *t, const char *from, const char *to)
{
	const char *p = strstr(t, from);
	struct tafel_card c;
	uint8_t *b = (uint8_t *)1;
	size_t n = 1, len;
	char *s;
	int r;

	assert_non_null(p);
	len = strlen(t) - strlen(from) + strlen(to);
	s = malloc(len + 1);
	assert_non_null(s);
	memcpy(s, t, p - t);
	memcpy(s + (p - t), to, strlen(to));
	memcpy(s + (p - t) + strlen(to), p + strlen(from),
	    strlen(p + strlen(from)) + 1);
	r = tafel_card_from_text(s, len, &b, &n, &c);
	if (r != 0) {
		assert_null(b);
		assert_int_equal(n, 0);
		assert_true(sodium_is_zero((uint8_t *)&c, sizeof(c)));
	}
	free(b);
	free(s);
	return r;
}

static void
test_text_edited(void **state)
{
	struct fixture *fx = *state;
	char *t, *crlf, fpr[TAFEL_FPR_LEN + 1], line[64], b64[33], b64nl[34];
	size_t i, j;

	assert_int_equal(tafel_card_to_text(fx->bin, fx->len, &t), 0);
	/* A no-op edit is fine (control). */
	assert_int_equal(from_edited(t, "Org: ", "Org: "), 0);
	/* Edited, added, removed, reordered comment lines. */
	assert_int_equal(from_edited(t, "Name: Politiezone",
	    "Name: Politiezone Gent"), TAFEL_EMALFORMED);
	assert_int_equal(from_edited(t, "Org: politie-aalst",
	    "Org: politie-gent"), TAFEL_EMALFORMED);
	assert_int_equal(from_edited(t, "Role: police", "Role: coordinator"),
	    TAFEL_EMALFORMED);
	assert_int_equal(from_edited(t, "Endpoint: tcp://[2001:db8::1]:7400\n",
	    ""), TAFEL_EMALFORMED);
	assert_int_equal(from_edited(t, "Role: police\n",
	    "Role: police\nEndpoint: tcp://evil.example:7400\n"),
	    TAFEL_EMALFORMED);
	assert_int_equal(from_edited(t, "Org: politie-aalst\n",
	    "Org: politie-aalst\nNote: trust me\n"), TAFEL_EMALFORMED);
	assert_int_equal(from_edited(t,
	    "Org: politie-aalst\nName: Politiezone Aalst \xe2\x80\x93 Dender\n",
	    "Name: Politiezone Aalst \xe2\x80\x93 Dender\n"
	    "Org: politie-aalst\n"),
	    TAFEL_EMALFORMED);
	assert_int_equal(from_edited(t, "Role: police", "Role: police "),
	    TAFEL_EMALFORMED);
	assert_int_equal(from_edited(t, "Role: police", "Role:  police"),
	    TAFEL_EMALFORMED);
	tafel_fingerprint(fpr, fx->card.hash);
	snprintf(line, sizeof(line), "Fingerprint: %s", fpr);
	assert_int_equal(from_edited(t, line, "Fingerprint: 00000 00000 "
	    "00000 00000 00000 00000"), TAFEL_EMALFORMED);
	/* Base64 wrapped at 32 columns: still valid armour, not ours. */
	memcpy(b64, strstr(t, "\n\n") + 2, 32);
	b64[32] = '\0';
	snprintf(b64nl, sizeof(b64nl), "%s\n", b64);
	assert_int_equal(from_edited(t, b64, b64), 0);
	assert_int_equal(from_edited(t, b64, b64nl), TAFEL_EMALFORMED);
	/* Text around the block, and the wrong label. */
	assert_int_equal(from_edited(t, "-----BEGIN", "Hi!\n-----BEGIN"),
	    TAFEL_EMALFORMED);
	assert_int_equal(from_edited(t, "TAFEL CARD-----\nOrg",
	    "TAFEL TABLE-----\nOrg"), TAFEL_EMALFORMED);
	/* Trailing blank lines, a missing final newline: fine. */
	assert_int_equal(from_edited(t, "END TAFEL CARD-----\n",
	    "END TAFEL CARD-----\n\n\r\n\n"), 0);
	assert_int_equal(from_edited(t, "END TAFEL CARD-----\n",
	    "END TAFEL CARD-----"), 0);
	assert_int_equal(from_edited(t, "END TAFEL CARD-----\n",
	    "END TAFEL CARD-----\n \n"), TAFEL_EMALFORMED);
	/* A bare CR inside a line is not a line end. */
	assert_int_equal(from_edited(t, "Role: police", "Role: pol\rice"),
	    TAFEL_EMALFORMED);
	/* CRLF everywhere: fine. */
	crlf = malloc(2 * strlen(t) + 1);
	assert_non_null(crlf);
	for (i = j = 0; t[i] != '\0'; i++) {
		if (t[i] == '\n')
			crlf[j++] = '\r';
		crlf[j++] = t[i];
	}
	crlf[j] = '\0';
	assert_int_equal(from_edited(crlf, "-----BEGIN", "-----BEGIN"), 0);
	assert_int_equal(from_edited(crlf, "Role: police", "Role: polica"),
	    TAFEL_EMALFORMED);
	free(crlf);
	free(t);
}

static void
test_text_bad_card(void **state)
{
	struct fixture *fx = *state;
	uint8_t *b, *card;
	size_t n;
	char *t, *gen;

	/* A well-formed block whose card has a broken signature. */
	b = malloc(fx->len);
	assert_non_null(b);
	memcpy(b, fx->bin, fx->len);
	b[fx->len - 1] ^= 1;
	assert_int_equal(tafel_card_to_text(b, fx->len, &t), TAFEL_ESIG);
	assert_null(t);
	assert_int_equal(tafel_card_to_text(fx->bin, fx->len, &gen), 0);
	assert_int_equal(tafel_armor_encode("CARD", "Org: x\n", b, fx->len,
	    &t), 0);
	assert_int_equal(tafel_card_from_text(t, strlen(t), &card, &n, NULL),
	    TAFEL_ESIG);
	assert_null(card);
	free(t);
	free(gen);
	free(b);
	assert_int_equal(tafel_card_from_text("", 0, &card, &n, NULL),
	    TAFEL_EMALFORMED);
	assert_int_equal(tafel_card_from_text(NULL, 0, &card, &n, NULL),
	    TAFEL_EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_encode_refuses),
		cmocka_unit_test(test_strict_inner),
		cmocka_unit_test(test_endpoints),
		cmocka_unit_test(test_signature),
		cmocka_unit_test(test_strict_outer),
		cmocka_unit_test(test_truncated_trailing),
		cmocka_unit_test(test_hostile_sizes),
		cmocka_unit_test(test_tamper_every_byte),
		cmocka_unit_test(test_text_roundtrip),
		cmocka_unit_test(test_text_edited),
		cmocka_unit_test(test_text_bad_card),
	};

	return cmocka_run_group_tests_name("card", tests, setup, teardown);
}
