/*
 * Envelope: seal, parse, verify and open, and every way to break them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "tafel/envelope.h"
#include "tafel/mp.h"

struct party {
	uint8_t	sign_pk[32], sign_sk[64];
	uint8_t	box_pk[32], box_sk[32];
};

static struct party alice, bob, carol;

static void
party_init(struct party *p)
{
	crypto_sign_keypair(p->sign_pk, p->sign_sk);
	crypto_box_keypair(p->box_pk, p->box_sk);
}

/*
 * A map written by hand, for the decoders to refuse: hand_map(&buf,
 * &len, key, value, ..., NULL) writes the entries in the order given,
 * duplicates and unknown keys too, each value as BIN(p, n), STR(s) or
 * UINT(u).  The caller frees *buf.
 */
#define BIN(p, n)	'b', (const void *)(p), (size_t)(n)
#define STR(s)		's', (const char *)(s)
#define UINT(u)		'u', (uint64_t)(u)

/* Takes one value off ap and writes it to w (NULL: only takes it). */
static void
hand_value(struct tafel_mpw *w, va_list *ap)
{
	const void *p;
	size_t n;
	uint64_t u;

	switch (va_arg(*ap, int)) {
	case 'b':
		p = va_arg(*ap, const void *);
		n = va_arg(*ap, size_t);
		if (w != NULL)
			tafel_mpw_bin(w, p, n);
		break;
	case 's':
		p = va_arg(*ap, const char *);
		if (w != NULL)
			tafel_mpw_str(w, p);
		break;
	default:
		u = va_arg(*ap, uint64_t);
		if (w != NULL)
			tafel_mpw_uint(w, u);
		break;
	}
}

static void
hand_map(uint8_t **buf, size_t *len, ...)
{
	struct tafel_mpw w;
	const char *k;
	size_t n = 0;
	va_list ap;

	va_start(ap, len);
	while (va_arg(ap, const char *) != NULL) {
		hand_value(NULL, &ap);
		n++;
	}
	va_end(ap);
	tafel_mpw_init(&w);
	tafel_mpw_map(&w, n);
	va_start(ap, len);
	while ((k = va_arg(ap, const char *)) != NULL) {
		tafel_mpw_str(&w, k);
		hand_value(&w, &ap);
	}
	va_end(ap);
	assert_int_equal(tafel_mpw_finish(&w, buf, len), 0);
}

static void
hdr_fill(struct tafel_hdr *h)
{
	memset(h, 0, sizeof(*h));
	strcpy(h->type, "record");
	randombytes_buf(h->id, sizeof(h->id));
	strcpy(h->table, "aalst");
	h->tver = 1;
	randombytes_buf(h->case_id, sizeof(h->case_id));
	strcpy(h->cat, "signal");
	strcpy(h->from, "alice");
	strcpy(h->by, "jan");
	h->nto = 2;
	strcpy(h->to[0], "bob");
	strcpy(h->to[1], "carol");
	h->time = 1790000000;
	h->lamport = 7;
	h->nprev = 1;
	memset(h->prev[0], 0xab, 32);
}

static const char body[] = "\x81\xa4text\xa5hello";

/* Seals from alice to bob (content) and carol (header only). */
static void
seal(uint8_t **env, size_t *len)
{
	struct tafel_hdr h;
	struct tafel_wrap_to to[1];
	uint8_t k[32];

	hdr_fill(&h);
	assert_int_equal(crypto_box_beforenm(k, bob.box_pk, alice.box_sk), 0);
	to[0].org = "bob";
	to[0].k = k;
	assert_int_equal(tafel_env_seal(&h, (const uint8_t *)body,
	    sizeof(body) - 1, to, 1, alice.sign_sk, env, len), 0);
}

static int
open_as(const uint8_t *env, size_t len, const char *org,
    const struct party *me, uint8_t *out, size_t *outlen)
{
	struct tafel_env *e = calloc(1, sizeof(*e));
	uint8_t k[32];
	int rc;

	assert_non_null(e);
	if ((rc = tafel_env_parse(env, len, e)) == 0 &&
	    (rc = tafel_env_verify(e, alice.sign_pk)) == 0) {
		assert_int_equal(crypto_box_beforenm(k, alice.box_pk,
		    me->box_sk), 0);
		rc = tafel_env_open(e, org, k, out, 1024, outlen);
	}
	free(e);
	return rc;
}

static void
test_round_trip(void **state)
{
	uint8_t *env, out[1024];
	size_t len, outlen;
	struct tafel_env *e = calloc(1, sizeof(*e));
	struct tafel_hdr h;

	seal(&env, &len);
	assert_int_equal(open_as(env, len, "bob", &bob, out, &outlen), 0);
	assert_int_equal(outlen, sizeof(body) - 1);
	assert_memory_equal(out, body, outlen);
	/* Header fields survive exactly. */
	assert_int_equal(tafel_env_parse(env, len, e), 0);
	hdr_fill(&h);
	assert_string_equal(e->h.type, "record");
	assert_string_equal(e->h.by, "jan");
	assert_int_equal(e->h.nto, 2);
	assert_string_equal(e->h.to[1], "carol");
	assert_int_equal(e->h.lamport, 7);
	assert_int_equal(e->nwraps, 1);
	assert_true(tafel_env_addressed(e, "carol"));
	assert_false(tafel_env_addressed(e, "dave"));
	/* The hash is SHA-256 of the exact bytes. */
	{
		uint8_t hh[32];

		crypto_hash_sha256(hh, env, len);
		assert_memory_equal(hh, e->hash, 32);
	}
	free(e);
	free(env);
}

static void
test_wrong_recipient(void **state)
{
	uint8_t *env, out[1024];
	size_t len, outlen;

	seal(&env, &len);
	/* carol is addressed but has no wrap. */
	assert_int_equal(open_as(env, len, "carol", &carol, out, &outlen),
	    TAFEL_ENOTFOR);
	/* carol's key on bob's wrap fails to decrypt. */
	assert_int_equal(open_as(env, len, "bob", &carol, out, &outlen),
	    TAFEL_EDECRYPT);
	free(env);
}

static void
test_flip_every_byte(void **state)
{
	uint8_t *env, out[1024];
	size_t len, outlen, i;
	int bad = 0;

	seal(&env, &len);
	for (i = 0; i < len; i++) {
		env[i] ^= 0x01;
		if (open_as(env, len, "bob", &bob, out, &outlen) != 0)
			bad++;
		env[i] ^= 0x01;
	}
	/* Every single-bit change anywhere is caught. */
	assert_int_equal(bad, len);
	free(env);
}

static void
test_wrong_signer(void **state)
{
	struct tafel_env *e = calloc(1, sizeof(*e));
	uint8_t *env;
	size_t len;

	seal(&env, &len);
	assert_int_equal(tafel_env_parse(env, len, e), 0);
	assert_int_equal(tafel_env_verify(e, bob.sign_pk), TAFEL_ESIG);
	free(e);
	free(env);
}

static void
test_header_only(void **state)
{
	struct tafel_env *e = calloc(1, sizeof(*e)), *e2 = calloc(1,
	    sizeof(*e2));
	uint8_t *env, *ho, out[64], k[32];
	size_t len, holen, outlen;

	seal(&env, &len);
	assert_int_equal(tafel_env_parse(env, len, e), 0);
	assert_int_equal(tafel_env_header_only(e, &ho, &holen), 0);
	assert_int_equal(tafel_env_parse(ho, holen, e2), 0);
	assert_null(e2->ct);
	/* Still signed by alice, but carries no content to open. */
	assert_int_equal(tafel_env_verify(e2, alice.sign_pk), 0);
	assert_int_equal(crypto_box_beforenm(k, alice.box_pk, bob.box_sk), 0);
	assert_int_equal(tafel_env_open(e2, "bob", k, out, sizeof(out),
	    &outlen), TAFEL_ENOTFOR);
	free(ho);
	free(e);
	free(e2);
	free(env);
}

static void
test_truncated_and_trailing(void **state)
{
	struct tafel_env *e = calloc(1, sizeof(*e));
	uint8_t *env, *big;
	size_t len, i;

	seal(&env, &len);
	for (i = 0; i < len; i++)
		assert_int_not_equal(tafel_env_parse(env, i, e), 0);
	big = malloc(len + 1);
	memcpy(big, env, len);
	big[len] = 0xc0;
	assert_int_equal(tafel_env_parse(big, len + 1, e), TAFEL_EMALFORMED);
	free(big);
	free(e);
	free(env);
}

/*
 * tafel_env_parse_hdr reads the same header as the full parse, of a full
 * envelope and of a header-only copy, and refuses what the full parse
 * refuses in the outer map: truncation, trailing bytes, and every byte
 * flip that the full parse refuses before the signature check.
 */
static void
test_parse_hdr(void **state)
{
	struct tafel_env *e = calloc(1, sizeof(*e));
	struct tafel_hdr *h = calloc(1, sizeof(*h));
	uint8_t *env, *ho, *big;
	size_t len, holen, i;
	int full, part;

	assert_non_null(e);
	assert_non_null(h);
	seal(&env, &len);
	assert_int_equal(tafel_env_parse(env, len, e), 0);
	assert_int_equal(tafel_env_parse_hdr(env, len, h), 0);
	assert_memory_equal(h, &e->h, sizeof(*h));
	assert_string_equal(h->table, "aalst");
	assert_int_equal(h->lamport, 7);
	assert_int_equal(tafel_env_header_only(e, &ho, &holen), 0);
	assert_int_equal(tafel_env_parse_hdr(ho, holen, h), 0);
	assert_memory_equal(h, &e->h, sizeof(*h));
	for (i = 0; i < len; i++)
		assert_int_not_equal(tafel_env_parse_hdr(env, i, h), 0);
	assert_non_null(big = malloc(len + 1));
	memcpy(big, env, len);
	big[len] = 0xc0;
	assert_int_equal(tafel_env_parse_hdr(big, len + 1, h),
	    TAFEL_EMALFORMED);
	free(big);
	/*
	 * A flip the full parse refuses outside the wraps and the hashes
	 * is refused here too; one it accepts gives the same header.
	 */
	for (i = 0; i < len; i++) {
		env[i] ^= 0x01;
		full = tafel_env_parse(env, len, e);
		part = tafel_env_parse_hdr(env, len, h);
		if (full == 0)
			assert_int_equal(part, 0);
		if (full == 0 && part == 0)
			assert_memory_equal(h, &e->h, sizeof(*h));
		if (part != 0)
			assert_int_not_equal(full, 0);
		env[i] ^= 0x01;
	}
	assert_int_equal(tafel_env_parse_hdr(NULL, 0, h), TAFEL_EMALFORMED);
	free(ho);
	free(env);
	free(h);
	free(e);
}

/* Builds an envelope map by hand with the given extra/missing keys. */
static void
test_keys(void **state)
{
	struct tafel_env *e = calloc(1, sizeof(*e));
	uint8_t *buf, z[64];
	size_t len;

	memset(z, 0, sizeof(z));
	/* Unknown key. */
	hand_map(&buf, &len, "v", UINT(1), "hdr", BIN(z, 4),
	    "wraps", BIN("\x90", 1), "nonce", BIN(z, 24), "ct", BIN(z, 16),
	    "sig", BIN(z, 64), "extra", UINT(1), NULL);
	assert_int_equal(tafel_env_parse(buf, len, e), TAFEL_EMALFORMED);
	free(buf);
	/* Duplicate key. */
	hand_map(&buf, &len, "v", UINT(1), "v", UINT(1), "hdr", BIN(z, 4),
	    "wraps", BIN("\x90", 1), "nonce", BIN(z, 24), "ct", BIN(z, 16),
	    "sig", BIN(z, 64), NULL);
	assert_int_equal(tafel_env_parse(buf, len, e), TAFEL_EMALFORMED);
	free(buf);
	/* Both ct and ctd. */
	hand_map(&buf, &len, "v", UINT(1), "hdr", BIN(z, 4),
	    "wraps", BIN("\x90", 1), "nonce", BIN(z, 24), "ct", BIN(z, 16),
	    "ctd", BIN(z, 32), "sig", BIN(z, 64), NULL);
	assert_int_equal(tafel_env_parse(buf, len, e), TAFEL_EMALFORMED);
	free(buf);
	free(e);
}

static void
test_oversized_counts(void **state)
{
	struct tafel_env *e = calloc(1, sizeof(*e));
	/* map32 claiming 50M entries, array32 claiming 4G elements. */
	static const uint8_t map32[] = { 0xdf, 0x02, 0xfa, 0xf0, 0x80 };
	static const uint8_t arr32[] = { 0xdd, 0xff, 0xff, 0xff, 0xff, 0x00 };
	static const uint8_t bin32[] = { 0x81, 0xa1, 'v', 0xc6, 0xff, 0xff,
	    0xff, 0xff };

	assert_int_equal(tafel_env_parse(map32, sizeof(map32), e),
	    TAFEL_EMALFORMED);
	assert_int_equal(tafel_env_parse(arr32, sizeof(arr32), e),
	    TAFEL_EMALFORMED);
	assert_int_equal(tafel_env_parse(bin32, sizeof(bin32), e),
	    TAFEL_EMALFORMED);
	free(e);
}

static void
test_hdr_rules(void **state)
{
	struct tafel_hdr h, back;
	uint8_t *buf;
	size_t len;

	hdr_fill(&h);
	assert_int_equal(tafel_hdr_encode(&h, &buf, &len), 0);
	assert_int_equal(tafel_hdr_decode(buf, len, &back), 0);
	assert_memory_equal(back.id, h.id, 16);
	assert_string_equal(back.to[0], "bob");
	free(buf);
	/* A recipient twice is refused by the decoder. */
	strcpy(h.to[1], "bob");
	assert_int_equal(tafel_hdr_encode(&h, &buf, &len), 0);
	assert_int_equal(tafel_hdr_decode(buf, len, &back), TAFEL_EMALFORMED);
	free(buf);
	/* A bad org id is refused by the encoder. */
	hdr_fill(&h);
	strcpy(h.from, "Alice");
	assert_int_equal(tafel_hdr_encode(&h, &buf, &len), TAFEL_EINVAL);
}

static void
test_seal_refuses_stranger(void **state)
{
	struct tafel_hdr h;
	struct tafel_wrap_to to[1];
	uint8_t k[32] = { 0 }, *env;
	size_t len;

	hdr_fill(&h);
	to[0].org = "dave";	/* not in "to" */
	to[0].k = k;
	assert_int_equal(tafel_env_seal(&h, (const uint8_t *)body,
	    sizeof(body) - 1, to, 1, alice.sign_sk, &env, &len), TAFEL_EINVAL);
}

static void
test_body(void **state)
{
	const char *t;
	uint8_t *buf;
	size_t len, tl;

	assert_int_equal(tafel_body_encode("record", "hi\nthere", 8, &buf,
	    &len), 0);
	assert_int_equal(tafel_body_decode("record", buf, len, &t, &tl), 0);
	assert_int_equal(tl, 8);
	assert_memory_equal(t, "hi\nthere", 8);
	/* Same bytes under another type's schema. */
	assert_int_equal(tafel_body_decode("open", buf, len, &t, &tl),
	    TAFEL_EMALFORMED);
	free(buf);
	assert_int_equal(tafel_body_encode("record", "", 0, &buf, &len),
	    TAFEL_EINVAL);
	assert_int_equal(tafel_body_encode("nope", "x", 1, &buf, &len),
	    TAFEL_EINVAL);
	/* Invalid UTF-8 and control characters. */
	assert_int_not_equal(tafel_body_decode("record",
	    (const uint8_t *)"\x81\xa4text\xa2\xc3\x28", 9, &t, &tl), 0);
	assert_int_not_equal(tafel_body_decode("record",
	    (const uint8_t *)"\x81\xa4text\xa2\x01x", 9, &t, &tl), 0);
}

/*
 * Re-sharing (8.12): the content key from sealing and from opening is the
 * same; with it, the body checks against a header-only copy, and any
 * other body, key or header does not.
 */
static void
test_content_key(void **state)
{
	struct tafel_env *e = calloc(1, sizeof(*e));
	struct tafel_env *ho = calloc(1, sizeof(*ho));
	struct tafel_hdr h;
	struct tafel_wrap_to to[1];
	uint8_t k[32], ks[32], ko[32], *env, *hob, out[1024];
	size_t len, holen, outlen;
	char bad[sizeof(body)];

	assert_non_null(e);
	assert_non_null(ho);
	hdr_fill(&h);
	assert_int_equal(crypto_box_beforenm(k, bob.box_pk, alice.box_sk), 0);
	to[0].org = "bob";
	to[0].k = k;
	assert_int_equal(tafel_env_seal_key(&h, (const uint8_t *)body,
	    sizeof(body) - 1, to, 1, alice.sign_sk, &env, &len, ks), 0);
	assert_int_equal(tafel_env_parse(env, len, e), 0);
	assert_int_equal(crypto_box_beforenm(k, alice.box_pk, bob.box_sk), 0);
	assert_int_equal(tafel_env_open_key(e, "bob", k, out, sizeof(out),
	    &outlen, ko), 0);
	assert_memory_equal(ks, ko, 32);
	/* carol has no wrap: no key comes out. */
	memset(ko, 0, sizeof(ko));
	assert_int_equal(tafel_env_open_key(e, "carol", k, out, sizeof(out),
	    &outlen, ko), TAFEL_ENOTFOR);
	assert_true(sodium_is_zero(ko, sizeof(ko)));
	assert_int_equal(tafel_env_content_check(e, ks, (const uint8_t *)body,
	    sizeof(body) - 1), 0);
	assert_int_equal(tafel_env_header_only(e, &hob, &holen), 0);
	assert_int_equal(tafel_env_parse(hob, holen, ho), 0);
	assert_int_equal(tafel_env_verify(ho, alice.sign_pk), 0);
	assert_int_equal(tafel_env_content_check(ho, ks, (const uint8_t *)body,
	    sizeof(body) - 1), 0);
	/* Another body, a shorter one, another key. */
	memcpy(bad, body, sizeof(body));
	bad[sizeof(body) - 2] ^= 1;
	assert_int_equal(tafel_env_content_check(ho, ks, (const uint8_t *)bad,
	    sizeof(body) - 1), TAFEL_EDECRYPT);
	assert_int_equal(tafel_env_content_check(ho, ks, (const uint8_t *)body,
	    sizeof(body) - 2), TAFEL_EDECRYPT);
	ks[0] ^= 1;
	assert_int_equal(tafel_env_content_check(ho, ks, (const uint8_t *)body,
	    sizeof(body) - 1), TAFEL_EDECRYPT);
	assert_int_equal(tafel_env_content_check(ho, ks, (const uint8_t *)body,
	    TAFEL_MAX_BODY + 1), TAFEL_ETOOBIG);
	free(hob);
	free(env);
	free(ho);
	free(e);
}

static void
test_open_body(void **state)
{
	const char *p;
	uint8_t *buf;
	size_t len, pl;
	bool minor;

	/* Without the flag: the bytes of a plain open body. */
	assert_int_equal(tafel_open_encode("Casus", 5, false, &buf, &len), 0);
	assert_int_equal(len, 17);
	assert_memory_equal(buf, "\x81\xa9pseudonym\xa5" "Casus", 17);
	assert_int_equal(tafel_open_decode(buf, len, &p, &pl, &minor), 0);
	assert_false(minor);
	assert_int_equal(pl, 5);
	free(buf);
	assert_int_equal(tafel_open_encode("Casus", 5, true, &buf, &len), 0);
	assert_int_equal(len, 24);
	assert_memory_equal(buf + 17, "\xa5minor\xc3", 7);
	assert_int_equal(tafel_open_decode(buf, len, &p, &pl, &minor), 0);
	assert_true(minor);
	free(buf);
	/* "minor": false is not canonical; other values and keys refused. */
	assert_int_equal(tafel_open_decode((const uint8_t *)
	    "\x82\xa9pseudonym\xa1x\xa5minor\xc2", 19, &p, &pl, &minor),
	    TAFEL_EMALFORMED);
	assert_int_equal(tafel_open_decode((const uint8_t *)
	    "\x82\xa9pseudonym\xa1x\xa5minor\x01", 19, &p, &pl, &minor),
	    TAFEL_EMALFORMED);
	assert_int_equal(tafel_open_decode((const uint8_t *)
	    "\x82\xa9pseudonym\xa1x\xa5major\xc3", 19, &p, &pl, &minor),
	    TAFEL_EMALFORMED);
	assert_int_equal(tafel_open_decode((const uint8_t *)
	    "\x81\xa5minor\xc3", 8, &p, &pl, &minor), TAFEL_EMALFORMED);
	assert_int_equal(tafel_open_encode("", 0, true, &buf, &len),
	    TAFEL_EINVAL);
}

static void
test_members_minor(void **state)
{
	struct tafel_members_body *b = calloc(1, sizeof(*b));
	struct tafel_members_body *d = calloc(1, sizeof(*d));
	uint8_t *buf;
	size_t len, len0;

	assert_non_null(b);
	assert_non_null(d);
	strcpy(b->members[0], "stad");
	b->nmembers = 1;
	b->pseudonym = "P";
	b->pseudolen = 1;
	assert_int_equal(tafel_members_encode(b, &buf, &len0), 0);
	assert_int_equal(buf[0], 0x86);
	free(buf);
	b->minor = true;
	assert_int_equal(tafel_members_encode(b, &buf, &len), 0);
	assert_int_equal(buf[0], 0x87);
	assert_int_equal(len, len0 + 7);
	assert_int_equal(tafel_members_decode(buf, len, d), 0);
	assert_true(d->minor);
	/* "minor": false is refused. */
	buf[len - 1] = 0xc2;
	assert_int_equal(tafel_members_decode(buf, len, d), TAFEL_EMALFORMED);
	free(buf);
	free(b);
	free(d);
}

static void
test_share_body(void **state)
{
	struct tafel_share_body *b = calloc(1, sizeof(*b));
	struct tafel_share_body *d = calloc(1, sizeof(*d));
	struct tafel_mpw w;
	uint8_t *buf;
	size_t len;

	assert_non_null(b);
	assert_non_null(d);
	strcpy(b->org, "ocmw");
	b->nevents = 2;
	memset(b->events[0], 1, 32);
	memset(b->events[1], 2, 32);
	assert_int_equal(tafel_share_encode(b, &buf, &len), 0);
	assert_int_equal(tafel_share_decode(buf, len, d), 0);
	assert_string_equal(d->org, "ocmw");
	assert_int_equal(d->nevents, 2);
	assert_memory_equal(d->events[1], b->events[1], 32);
	free(buf);
	/* An event twice, none, a bad org: the encoder refuses. */
	memset(b->events[1], 1, 32);
	assert_int_equal(tafel_share_encode(b, &buf, &len), TAFEL_EINVAL);
	b->nevents = 0;
	assert_int_equal(tafel_share_encode(b, &buf, &len), TAFEL_EINVAL);
	b->nevents = 1;
	strcpy(b->org, "OCMW");
	assert_int_equal(tafel_share_encode(b, &buf, &len), TAFEL_EINVAL);
	/* The decoder refuses the same, and short hashes. */
	tafel_mpw_init(&w);
	tafel_mpw_map(&w, 2);
	tafel_mpw_str(&w, "org");
	tafel_mpw_str(&w, "ocmw");
	tafel_mpw_str(&w, "events");
	tafel_mpw_array(&w, 2);
	tafel_mpw_bin(&w, b->events[0], 32);
	tafel_mpw_bin(&w, b->events[0], 32);
	assert_int_equal(tafel_mpw_finish(&w, &buf, &len), 0);
	assert_int_equal(tafel_share_decode(buf, len, d), TAFEL_EMALFORMED);
	assert_int_equal(d->nevents, 0);
	free(buf);
	tafel_mpw_init(&w);
	tafel_mpw_map(&w, 2);
	tafel_mpw_str(&w, "org");
	tafel_mpw_str(&w, "ocmw");
	tafel_mpw_str(&w, "events");
	tafel_mpw_array(&w, 1);
	tafel_mpw_bin(&w, b->events[0], 31);
	assert_int_equal(tafel_mpw_finish(&w, &buf, &len), 0);
	assert_int_equal(tafel_share_decode(buf, len, d), TAFEL_EMALFORMED);
	free(buf);
	tafel_mpw_init(&w);
	tafel_mpw_map(&w, 2);
	tafel_mpw_str(&w, "org");
	tafel_mpw_str(&w, "ocmw");
	tafel_mpw_str(&w, "events");
	tafel_mpw_array(&w, 0);
	assert_int_equal(tafel_mpw_finish(&w, &buf, &len), 0);
	assert_int_equal(tafel_share_decode(buf, len, d), TAFEL_EMALFORMED);
	free(buf);
	free(b);
	free(d);
}

static void
test_history_body(void **state)
{
	struct tafel_history_body b, d;
	uint8_t *buf, env[100];
	size_t len;

	memset(&b, 0, sizeof(b));
	memset(env, 0x5a, sizeof(env));
	b.env = env;
	b.envlen = sizeof(env);
	assert_int_equal(tafel_history_encode(&b, &buf, &len), 0);
	assert_int_equal(tafel_history_decode(buf, len, &d), 0);
	assert_false(d.content);
	assert_int_equal(d.envlen, sizeof(env));
	free(buf);
	b.content = true;
	memset(b.key, 7, 32);
	b.body = (const uint8_t *)body;
	b.bodylen = sizeof(body) - 1;
	assert_int_equal(tafel_history_encode(&b, &buf, &len), 0);
	assert_int_equal(tafel_history_decode(buf, len, &d), 0);
	assert_true(d.content);
	assert_memory_equal(d.key, b.key, 32);
	assert_int_equal(d.bodylen, sizeof(body) - 1);
	free(buf);
	/* An empty body, an empty or oversized copy: refused. */
	b.bodylen = 0;
	assert_int_equal(tafel_history_encode(&b, &buf, &len), TAFEL_EINVAL);
	b.envlen = 0;
	assert_int_equal(tafel_history_encode(&b, &buf, &len), TAFEL_EINVAL);
	b.envlen = TAFEL_HISTORY_ENV_MAX + 1;
	assert_int_equal(tafel_history_encode(&b, &buf, &len), TAFEL_EINVAL);
	/* A key without a body, a short key, another key: refused. */
	hand_map(&buf, &len, "env", BIN(env, sizeof(env)), "key",
	    BIN(env, 32), NULL);
	assert_int_equal(tafel_history_decode(buf, len, &d), TAFEL_EMALFORMED);
	free(buf);
	hand_map(&buf, &len, "env", BIN(env, sizeof(env)), "key",
	    BIN(env, 31), "body", BIN(env, 3), NULL);
	assert_int_equal(tafel_history_decode(buf, len, &d), TAFEL_EMALFORMED);
	free(buf);
	hand_map(&buf, &len, "env", BIN(env, sizeof(env)), "text",
	    BIN(env, 3), NULL);
	assert_int_equal(tafel_history_decode(buf, len, &d), TAFEL_EMALFORMED);
	free(buf);
	hand_map(&buf, &len, "env", STR("not bin"), NULL);
	assert_int_equal(tafel_history_decode(buf, len, &d), TAFEL_EMALFORMED);
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_wrong_recipient),
		cmocka_unit_test(test_flip_every_byte),
		cmocka_unit_test(test_wrong_signer),
		cmocka_unit_test(test_header_only),
		cmocka_unit_test(test_parse_hdr),
		cmocka_unit_test(test_truncated_and_trailing),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_oversized_counts),
		cmocka_unit_test(test_hdr_rules),
		cmocka_unit_test(test_seal_refuses_stranger),
		cmocka_unit_test(test_body),
		cmocka_unit_test(test_content_key),
		cmocka_unit_test(test_open_body),
		cmocka_unit_test(test_members_minor),
		cmocka_unit_test(test_share_body),
		cmocka_unit_test(test_history_body),
	};

	if (sodium_init() < 0)
		return 1;
	party_init(&alice);
	party_init(&bob);
	party_init(&carol);
	return cmocka_run_group_tests_name("envelope", tests, NULL, NULL);
}
