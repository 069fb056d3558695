/*
 * Unit tests for proto/keyfile.c: the 218-byte secret-key file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "tafel/keyfile.h"
#include "tafel/tafel.h"

#define OPS	crypto_pwhash_OPSLIMIT_MIN
#define MEM	crypto_pwhash_MEMLIMIT_MIN
#define PASS	"correct horse battery staple"
#define PASSLEN	(sizeof(PASS) - 1)

struct fixture {
	struct tafel_secrets	s;
	uint8_t			clear[TAFEL_KEYFILE_LEN];
	uint8_t			sealed[TAFEL_KEYFILE_LEN];
};

static int
setup(void **state)
{
	struct fixture *fx;

	if (sodium_init() < 0 || (fx = calloc(1, sizeof(*fx))) == NULL)
		return -1;
	tafel_secrets_generate(&fx->s);
	if (tafel_keyfile_encode(&fx->s, NULL, 0, 0, 0, fx->clear) != 0 ||
	    tafel_keyfile_encode(&fx->s, PASS, PASSLEN, OPS, MEM,
	    fx->sealed) != 0)
		return -1;
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	sodium_memzero(fx, sizeof(*fx));
	free(fx);
	return 0;
}

static uint64_t
be64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

static void
put64(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

static void
assert_secrets_equal(const struct tafel_secrets *a,
    const struct tafel_secrets *b)
{
	assert_memory_equal(a->sign_sk, b->sign_sk, 64);
	assert_memory_equal(a->sign_pk, b->sign_pk, 32);
	assert_memory_equal(a->box_sk, b->box_sk, 32);
	assert_memory_equal(a->box_pk, b->box_pk, 32);
	assert_memory_equal(a->curve_sk, b->curve_sk, 32);
	assert_memory_equal(a->curve_pk, b->curve_pk, 32);
	assert_memory_equal(a->store_key, b->store_key, 32);
}

static void
test_generate(void **state)
{
	struct tafel_secrets a, b;
	uint8_t pk[32], sk[64];

	tafel_secrets_generate(&a);
	tafel_secrets_generate(&b);
	/* Consistent halves. */
	crypto_sign_seed_keypair(pk, sk, a.sign_sk);
	assert_memory_equal(pk, a.sign_pk, 32);
	assert_memory_equal(sk, a.sign_sk, 64);
	assert_int_equal(crypto_scalarmult_base(pk, a.box_sk), 0);
	assert_memory_equal(pk, a.box_pk, 32);
	assert_int_equal(crypto_scalarmult_base(pk, a.curve_sk), 0);
	assert_memory_equal(pk, a.curve_pk, 32);
	/* Fresh and separate keys. */
	assert_memory_not_equal(a.sign_pk, b.sign_pk, 32);
	assert_memory_not_equal(a.box_sk, a.curve_sk, 32);
	assert_memory_not_equal(a.store_key, b.store_key, 32);
	assert_false(sodium_is_zero(a.store_key, 32));
	sodium_memzero(&a, sizeof(a));
	sodium_memzero(&b, sizeof(b));
	sodium_memzero(sk, sizeof(sk));
}

static void
test_clear_roundtrip(void **state)
{
	struct fixture *fx = *state;
	struct tafel_secrets s;

	assert_int_equal(tafel_keyfile_alg(fx->clear, TAFEL_KEYFILE_LEN),
	    TAFEL_KEYFILE_ALG_NONE);
	assert_memory_equal(fx->clear, "TAFELSK1\0", 9);
	assert_true(sodium_is_zero(fx->clear + 9, 56));
	assert_int_equal(fx->clear[65], 1);
	assert_memory_equal(fx->clear + 66, fx->s.sign_sk, 32);
	assert_memory_equal(fx->clear + 98, fx->s.box_sk, 32);
	assert_memory_equal(fx->clear + 130, fx->s.curve_sk, 32);
	assert_memory_equal(fx->clear + 162, fx->s.store_key, 32);
	assert_true(sodium_is_zero(fx->clear + 194, 24));
	memset(&s, 0xa5, sizeof(s));
	assert_int_equal(tafel_keyfile_decode(fx->clear, TAFEL_KEYFILE_LEN,
	    NULL, 0, &s), 0);
	assert_secrets_equal(&s, &fx->s);
	/* A passphrase given for a clear file is not needed. */
	assert_int_equal(tafel_keyfile_decode(fx->clear, TAFEL_KEYFILE_LEN,
	    "x", 1, &s), 0);
	sodium_memzero(&s, sizeof(s));
}

static void
test_sealed_roundtrip(void **state)
{
	struct fixture *fx = *state;
	struct tafel_secrets s;
	uint8_t again[TAFEL_KEYFILE_LEN];

	assert_int_equal(tafel_keyfile_alg(fx->sealed, TAFEL_KEYFILE_LEN),
	    TAFEL_KEYFILE_ALG_ARGON);
	assert_int_equal(be64(fx->sealed + 9), OPS);
	assert_int_equal(be64(fx->sealed + 17), MEM);
	memset(&s, 0xa5, sizeof(s));
	assert_int_equal(tafel_keyfile_decode(fx->sealed, TAFEL_KEYFILE_LEN,
	    PASS, PASSLEN, &s), 0);
	assert_secrets_equal(&s, &fx->s);
	/* Fresh salt and nonce each time. */
	assert_int_equal(tafel_keyfile_encode(&fx->s, PASS, PASSLEN, OPS, MEM,
	    again), 0);
	assert_memory_not_equal(again + 25, fx->sealed + 25, 16);
	assert_memory_not_equal(again + 41, fx->sealed + 41, 24);
	assert_memory_not_equal(again + 65, fx->sealed + 65, 153);
	/* No secret appears in clear. */
	assert_null(memmem(fx->sealed, TAFEL_KEYFILE_LEN, fx->s.box_sk, 8));
	assert_null(memmem(fx->sealed, TAFEL_KEYFILE_LEN, fx->s.sign_sk, 8));
	/* An empty passphrase is a passphrase. */
	assert_int_equal(tafel_keyfile_encode(&fx->s, "", 0, OPS, MEM, again),
	    0);
	assert_int_equal(tafel_keyfile_decode(again, TAFEL_KEYFILE_LEN, "", 0,
	    &s), 0);
	assert_int_equal(tafel_keyfile_decode(again, TAFEL_KEYFILE_LEN, "x", 1,
	    &s), TAFEL_EDECRYPT);
	sodium_memzero(&s, sizeof(s));
}

/* Opens a sealed file with libsodium directly, as the header describes. */
static void
test_layout(void **state)
{
	struct fixture *fx = *state;
	const uint8_t *f = fx->sealed;
	uint8_t key[32], sec[137];
	unsigned long long n;

	assert_memory_equal(f, "TAFELSK1", 8);
	assert_int_equal(f[8], 1);
	assert_int_equal(crypto_pwhash(key, 32, PASS, PASSLEN, f + 25,
	    be64(f + 9), be64(f + 17), crypto_pwhash_ALG_ARGON2ID13), 0);
	assert_int_equal(crypto_aead_xchacha20poly1305_ietf_decrypt(sec, &n,
	    NULL, f + 65, 153, f, 65, f + 41, key), 0);
	assert_int_equal(n, 137);
	assert_int_equal(sec[0], 1);
	assert_memory_equal(sec + 1, fx->s.sign_sk, 32);
	assert_memory_equal(sec + 33, fx->s.box_sk, 32);
	assert_memory_equal(sec + 65, fx->s.curve_sk, 32);
	assert_memory_equal(sec + 97, fx->s.store_key, 32);
	assert_true(sodium_is_zero(sec + 129, 8));
	/* The header is the AD: without it, no decryption. */
	assert_int_not_equal(crypto_aead_xchacha20poly1305_ietf_decrypt(sec,
	    &n, NULL, f + 65, 153, NULL, 0, f + 41, key), 0);
	sodium_memzero(key, sizeof(key));
	sodium_memzero(sec, sizeof(sec));
}

/*
 * Writes an alg 1 file around arbitrary secrets, independently of the
 * library, so that the checks after decryption can be reached.
 */
static void
seal_raw(uint8_t out[TAFEL_KEYFILE_LEN], const uint8_t sec[137])
{
	uint8_t key[32];
	unsigned long long n;

	memset(out, 0, TAFEL_KEYFILE_LEN);
	memcpy(out, "TAFELSK1", 8);
	out[8] = 1;
	put64(out + 9, OPS);
	put64(out + 17, MEM);
	randombytes_buf(out + 25, 16 + 24);
	assert_int_equal(crypto_pwhash(key, 32, PASS, PASSLEN, out + 25, OPS,
	    MEM, crypto_pwhash_ALG_ARGON2ID13), 0);
	assert_int_equal(crypto_aead_xchacha20poly1305_ietf_encrypt(out + 65,
	    &n, sec, 137, out, 65, NULL, out + 41, key), 0);
	sodium_memzero(key, sizeof(key));
}

static void
test_inner_checks(void **state)
{
	struct fixture *fx = *state;
	uint8_t sec[137], f[TAFEL_KEYFILE_LEN];
	struct tafel_secrets s;

	memcpy(sec, fx->clear + 65, 137);
	seal_raw(f, sec);		/* control */
	assert_int_equal(tafel_keyfile_decode(f, sizeof(f), PASS, PASSLEN,
	    &s), 0);
	assert_secrets_equal(&s, &fx->s);
	sec[0] = 2;
	seal_raw(f, sec);
	assert_int_equal(tafel_keyfile_decode(f, sizeof(f), PASS, PASSLEN,
	    &s), TAFEL_EVERSION);
	assert_true(sodium_is_zero((uint8_t *)&s, sizeof(s)));
	sec[0] = 1;
	sec[136] = 1;
	seal_raw(f, sec);
	assert_int_equal(tafel_keyfile_decode(f, sizeof(f), PASS, PASSLEN,
	    &s), TAFEL_EMALFORMED);
	assert_true(sodium_is_zero((uint8_t *)&s, sizeof(s)));
	sodium_memzero(sec, sizeof(sec));
	sodium_memzero(f, sizeof(f));
}

static void
test_wrong_passphrase(void **state)
{
	struct fixture *fx = *state;
	struct tafel_secrets s;

	memset(&s, 0xa5, sizeof(s));
	assert_int_equal(tafel_keyfile_decode(fx->sealed, TAFEL_KEYFILE_LEN,
	    "correct horse battery stapler", PASSLEN + 1, &s), TAFEL_EDECRYPT);
	/* Nothing is left in *s. */
	assert_true(sodium_is_zero((uint8_t *)&s, sizeof(s)));
	assert_int_equal(tafel_keyfile_decode(fx->sealed, TAFEL_KEYFILE_LEN,
	    PASS, PASSLEN - 1, &s), TAFEL_EDECRYPT);
	assert_int_equal(tafel_keyfile_decode(fx->sealed, TAFEL_KEYFILE_LEN,
	    "", 0, &s), TAFEL_EDECRYPT);
	/* No passphrase at all. */
	assert_int_equal(tafel_keyfile_decode(fx->sealed, TAFEL_KEYFILE_LEN,
	    NULL, 0, &s), TAFEL_EINVAL);
}

static void
test_lengths_and_magic(void **state)
{
	struct fixture *fx = *state;
	struct tafel_secrets s;
	uint8_t big[TAFEL_KEYFILE_LEN + 1], f[TAFEL_KEYFILE_LEN];
	size_t n;

	for (n = 0; n < TAFEL_KEYFILE_LEN; n++) {
		uint8_t *b = malloc(n + 1);

		assert_non_null(b);
		memcpy(b, fx->clear, n);
		assert_int_equal(tafel_keyfile_alg(b, n), TAFEL_EMALFORMED);
		assert_int_equal(tafel_keyfile_decode(b, n, NULL, 0, &s),
		    TAFEL_EMALFORMED);
		free(b);
	}
	memcpy(big, fx->clear, TAFEL_KEYFILE_LEN);
	big[TAFEL_KEYFILE_LEN] = 0;
	assert_int_equal(tafel_keyfile_decode(big, sizeof(big), NULL, 0, &s),
	    TAFEL_EMALFORMED);
	assert_int_equal(tafel_keyfile_alg(NULL, TAFEL_KEYFILE_LEN),
	    TAFEL_EMALFORMED);
	memcpy(f, fx->clear, sizeof(f));
	f[7] = '2';			/* "TAFELSK2" */
	assert_int_equal(tafel_keyfile_alg(f, sizeof(f)), TAFEL_EMALFORMED);
	assert_int_equal(tafel_keyfile_decode(f, sizeof(f), NULL, 0, &s),
	    TAFEL_EMALFORMED);
	memcpy(f, fx->clear, sizeof(f));
	f[8] = 2;			/* unknown alg */
	assert_int_equal(tafel_keyfile_alg(f, sizeof(f)), TAFEL_EMALFORMED);
	assert_int_equal(tafel_keyfile_decode(f, sizeof(f), PASS, PASSLEN,
	    &s), TAFEL_EMALFORMED);
	f[8] = 0xff;
	assert_int_equal(tafel_keyfile_alg(f, sizeof(f)), TAFEL_EMALFORMED);
	sodium_memzero(big, sizeof(big));
	sodium_memzero(f, sizeof(f));
}

static void
test_clear_strict(void **state)
{
	struct fixture *fx = *state;
	struct tafel_secrets s;
	uint8_t f[TAFEL_KEYFILE_LEN];
	size_t i;

	/* Any nonzero byte in ops, mem, salt, nonce or padding. */
	for (i = 9; i < 65; i++) {
		memcpy(f, fx->clear, sizeof(f));
		f[i] = 1;
		assert_int_equal(tafel_keyfile_decode(f, sizeof(f), NULL, 0,
		    &s), TAFEL_EMALFORMED);
	}
	for (i = 65 + 129; i < TAFEL_KEYFILE_LEN; i++) {
		memcpy(f, fx->clear, sizeof(f));
		f[i] = 0x80;
		assert_int_equal(tafel_keyfile_decode(f, sizeof(f), NULL, 0,
		    &s), TAFEL_EMALFORMED);
	}
	/* The version byte. */
	memcpy(f, fx->clear, sizeof(f));
	f[65] = 2;
	assert_int_equal(tafel_keyfile_decode(f, sizeof(f), NULL, 0, &s),
	    TAFEL_EVERSION);
	f[65] = 0;
	assert_int_equal(tafel_keyfile_decode(f, sizeof(f), NULL, 0, &s),
	    TAFEL_EVERSION);
	assert_true(sodium_is_zero((uint8_t *)&s, sizeof(s)));
	sodium_memzero(f, sizeof(f));
}

static void
test_limits(void **state)
{
	struct fixture *fx = *state;
	struct tafel_secrets s;
	uint8_t f[TAFEL_KEYFILE_LEN];
	static const struct {
		uint64_t ops, mem;
	} bad[] = {
		{ 17, MEM }, { 0, MEM }, { UINT64_MAX, MEM },
		{ OPS, 1024ULL * 1024 * 1024 + 1 }, { OPS, MEM - 1 },
		{ OPS, 0 }, { OPS, UINT64_MAX }, { 1ULL << 32, MEM },
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		/* The writer refuses them ... */
		assert_int_equal(tafel_keyfile_encode(&fx->s, PASS, PASSLEN,
		    bad[i].ops, bad[i].mem, f), TAFEL_EINVAL);
		/* ... and so does the reader, before running Argon2. */
		memcpy(f, fx->sealed, sizeof(f));
		put64(f + 9, bad[i].ops);
		put64(f + 17, bad[i].mem);
		assert_int_equal(tafel_keyfile_decode(f, sizeof(f), PASS,
		    PASSLEN, &s), TAFEL_EMALFORMED);
	}
	/* The bounds themselves are allowed (checked by the writer only). */
	assert_int_equal(tafel_keyfile_encode(&fx->s, PASS, PASSLEN, 16, MEM,
	    f), 0);
	assert_int_equal(be64(f + 9), 16);
	sodium_memzero(f, sizeof(f));
}

static void
test_tamper(void **state)
{
	struct fixture *fx = *state;
	struct tafel_secrets s;
	uint8_t f[TAFEL_KEYFILE_LEN];
	size_t i;
	int r;

	/* Every header byte is authenticated (or checked). */
	for (i = 0; i < 65; i++) {
		memcpy(f, fx->sealed, sizeof(f));
		/* Keep mem small: flip a low bit, except in mem's top bytes. */
		f[i] ^= (i >= 17 && i < 25) ? 0x80 : 0x01;
		r = tafel_keyfile_decode(f, sizeof(f), PASS, PASSLEN, &s);
		if (r != TAFEL_EDECRYPT && r != TAFEL_EMALFORMED)
			fail_msg("header byte %zu: %d", i, r);
	}
	/* And every payload byte. */
	for (i = 65; i < TAFEL_KEYFILE_LEN; i += 3) {
		memcpy(f, fx->sealed, sizeof(f));
		f[i] ^= 0x01;
		assert_int_equal(tafel_keyfile_decode(f, sizeof(f), PASS,
		    PASSLEN, &s), TAFEL_EDECRYPT);
	}
	assert_true(sodium_is_zero((uint8_t *)&s, sizeof(s)));
	/* Control: the untouched file still opens. */
	assert_int_equal(tafel_keyfile_decode(fx->sealed, sizeof(f), PASS,
	    PASSLEN, &s), 0);
	sodium_memzero(&s, sizeof(s));
	sodium_memzero(f, sizeof(f));
}

static void
test_alg_swap(void **state)
{
	struct fixture *fx = *state;
	struct tafel_secrets s;
	uint8_t f[TAFEL_KEYFILE_LEN];

	/* A sealed file relabelled clear: refused (nonzero header). */
	memcpy(f, fx->sealed, sizeof(f));
	f[8] = 0;
	assert_int_equal(tafel_keyfile_decode(f, sizeof(f), NULL, 0, &s),
	    TAFEL_EMALFORMED);
	/* A clear file relabelled sealed: limits of 0 are refused. */
	memcpy(f, fx->clear, sizeof(f));
	f[8] = 1;
	assert_int_equal(tafel_keyfile_decode(f, sizeof(f), PASS, PASSLEN,
	    &s), TAFEL_EMALFORMED);
	sodium_memzero(f, sizeof(f));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_generate),
		cmocka_unit_test(test_clear_roundtrip),
		cmocka_unit_test(test_sealed_roundtrip),
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_inner_checks),
		cmocka_unit_test(test_wrong_passphrase),
		cmocka_unit_test(test_lengths_and_magic),
		cmocka_unit_test(test_clear_strict),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_tamper),
		cmocka_unit_test(test_alg_swap),
	};

	return cmocka_run_group_tests_name("keyfile", tests, setup, teardown);
}
