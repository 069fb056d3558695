/*
 * The secret-key file of an organisation.  See include/tafel/keyfile.h.
 */
#include <sodium.h>
#include <stdbool.h>
#include <string.h>

#include "tafel/keyfile.h"
#include "tafel/tafel.h"

#define KF_MAGIC	"TAFELSK1"
#define KF_MAGIC_LEN	8
#define KF_OFF_ALG	8
#define KF_OFF_OPS	9
#define KF_OFF_MEM	17
#define KF_OFF_SALT	25
#define KF_OFF_NONCE	41
#define KF_HDR_LEN	65		/* the AEAD's associated data */
#define KF_PAYLOAD_LEN	(TAFEL_KEYFILE_LEN - KF_HDR_LEN)	/* 153 */

#define KF_SECRETS_VERSION	1
#define KF_SEC_OFF_SEED		1
#define KF_SEC_OFF_BOX		33
#define KF_SEC_OFF_CURVE	65
#define KF_SEC_OFF_STORE	97
#define KF_SEC_OFF_RESERVED	129
#define KF_SECRETS_LEN		137

#define KF_OPS_MIN	crypto_pwhash_argon2id_OPSLIMIT_MIN
#define KF_OPS_MAX	16ULL
#define KF_MEM_MIN	crypto_pwhash_argon2id_MEMLIMIT_MIN
#define KF_MEM_MAX	(1024ULL * 1024 * 1024)

_Static_assert(KF_SECRETS_LEN + crypto_aead_xchacha20poly1305_ietf_ABYTES ==
    KF_PAYLOAD_LEN, "keyfile payload size");
_Static_assert(KF_OFF_NONCE + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES ==
    KF_HDR_LEN, "keyfile header size");
_Static_assert(crypto_pwhash_SALTBYTES == KF_OFF_NONCE - KF_OFF_SALT,
    "keyfile salt size");

static void
put_be64(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

static uint64_t
get_be64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

/* A random X25519 secret key and its public key. */
static void
x25519_generate(uint8_t sk[32], uint8_t pk[32])
{
	do
		randombytes_buf(sk, 32);
	while (crypto_scalarmult_base(pk, sk) != 0);
}

void
tafel_secrets_generate(struct tafel_secrets *s)
{
	uint8_t seed[crypto_sign_SEEDBYTES];

	randombytes_buf(seed, sizeof(seed));
	/* Cannot fail: the seed is any 32 bytes. */
	(void)crypto_sign_seed_keypair(s->sign_pk, s->sign_sk, seed);
	sodium_memzero(seed, sizeof(seed));
	x25519_generate(s->box_sk, s->box_pk);
	x25519_generate(s->curve_sk, s->curve_pk);
	randombytes_buf(s->store_key, sizeof(s->store_key));
}

static bool
limits_ok(uint64_t ops, uint64_t mem)
{
	return ops >= KF_OPS_MIN && ops <= KF_OPS_MAX &&
	    mem >= KF_MEM_MIN && mem <= KF_MEM_MAX;
}

/* The Argon2id key for a file's header.  Returns 0 or TAFEL_ENOMEM. */
static int
derive_key(uint8_t key[32], const char *pass, size_t passlen,
    const uint8_t *hdr)
{
	uint64_t ops = get_be64(hdr + KF_OFF_OPS);
	uint64_t mem = get_be64(hdr + KF_OFF_MEM);

	if (crypto_pwhash(key, 32, pass, passlen, hdr + KF_OFF_SALT,
	    (unsigned long long)ops, (size_t)mem,
	    crypto_pwhash_ALG_ARGON2ID13) != 0) {
		sodium_memzero(key, 32);
		return TAFEL_ENOMEM;
	}
	return 0;
}

int
tafel_keyfile_encode(const struct tafel_secrets *s, const char *pass,
    size_t passlen, uint64_t ops, uint64_t mem,
    uint8_t out[TAFEL_KEYFILE_LEN])
{
	uint8_t sec[KF_SECRETS_LEN], key[32];
	unsigned long long clen = 0;
	int r;

	if (s == NULL || out == NULL)
		return TAFEL_EINVAL;
	if (pass != NULL && (!limits_ok(ops, mem) ||
	    passlen > crypto_pwhash_argon2id_PASSWD_MAX))
		return TAFEL_EINVAL;
	memset(out, 0, TAFEL_KEYFILE_LEN);
	memcpy(out, KF_MAGIC, KF_MAGIC_LEN);

	sodium_memzero(sec, sizeof(sec));
	sec[0] = KF_SECRETS_VERSION;
	memcpy(sec + KF_SEC_OFF_SEED, s->sign_sk, 32);	/* the seed half */
	memcpy(sec + KF_SEC_OFF_BOX, s->box_sk, 32);
	memcpy(sec + KF_SEC_OFF_CURVE, s->curve_sk, 32);
	memcpy(sec + KF_SEC_OFF_STORE, s->store_key, 32);

	if (pass == NULL) {
		out[KF_OFF_ALG] = TAFEL_KEYFILE_ALG_NONE;
		memcpy(out + KF_HDR_LEN, sec, sizeof(sec));
		sodium_memzero(sec, sizeof(sec));
		return 0;
	}
	out[KF_OFF_ALG] = TAFEL_KEYFILE_ALG_ARGON;
	put_be64(out + KF_OFF_OPS, ops);
	put_be64(out + KF_OFF_MEM, mem);
	randombytes_buf(out + KF_OFF_SALT, crypto_pwhash_SALTBYTES);
	randombytes_buf(out + KF_OFF_NONCE,
	    crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
	if ((r = derive_key(key, pass, passlen, out)) != 0)
		goto out;
	if (crypto_aead_xchacha20poly1305_ietf_encrypt(out + KF_HDR_LEN,
	    &clen, sec, sizeof(sec), out, KF_HDR_LEN, NULL,
	    out + KF_OFF_NONCE, key) != 0 || clen != KF_PAYLOAD_LEN) {
		r = TAFEL_EINVAL;
		goto out;
	}
	r = 0;
out:
	sodium_memzero(key, sizeof(key));
	sodium_memzero(sec, sizeof(sec));
	if (r != 0)
		sodium_memzero(out, TAFEL_KEYFILE_LEN);
	return r;
}

int
tafel_keyfile_alg(const uint8_t *buf, size_t len)
{
	if (buf == NULL || len != TAFEL_KEYFILE_LEN ||
	    memcmp(buf, KF_MAGIC, KF_MAGIC_LEN) != 0)
		return TAFEL_EMALFORMED;
	switch (buf[KF_OFF_ALG]) {
	case TAFEL_KEYFILE_ALG_NONE:
	case TAFEL_KEYFILE_ALG_ARGON:
		return buf[KF_OFF_ALG];
	}
	return TAFEL_EMALFORMED;
}

/* Checks the header fields that do not depend on the passphrase. */
static int
header_ok(const uint8_t *buf, int alg)
{
	uint64_t ops = get_be64(buf + KF_OFF_OPS);
	uint64_t mem = get_be64(buf + KF_OFF_MEM);

	if (alg == TAFEL_KEYFILE_ALG_NONE)
		return sodium_is_zero(buf + KF_OFF_OPS,
		    KF_HDR_LEN - KF_OFF_OPS) &&
		    sodium_is_zero(buf + KF_HDR_LEN + KF_SECRETS_LEN,
		    KF_PAYLOAD_LEN - KF_SECRETS_LEN);
	return limits_ok(ops, mem);
}

/* Fills s from the 137 bytes of secrets. */
static int
secrets_parse(const uint8_t *sec, struct tafel_secrets *s)
{
	if (sec[0] != KF_SECRETS_VERSION)
		return TAFEL_EVERSION;
	if (!sodium_is_zero(sec + KF_SEC_OFF_RESERVED,
	    KF_SECRETS_LEN - KF_SEC_OFF_RESERVED))
		return TAFEL_EMALFORMED;
	if (crypto_sign_seed_keypair(s->sign_pk, s->sign_sk,
	    sec + KF_SEC_OFF_SEED) != 0)
		return TAFEL_EMALFORMED;
	memcpy(s->box_sk, sec + KF_SEC_OFF_BOX, 32);
	memcpy(s->curve_sk, sec + KF_SEC_OFF_CURVE, 32);
	memcpy(s->store_key, sec + KF_SEC_OFF_STORE, 32);
	if (crypto_scalarmult_base(s->box_pk, s->box_sk) != 0 ||
	    crypto_scalarmult_base(s->curve_pk, s->curve_sk) != 0)
		return TAFEL_EMALFORMED;
	return 0;
}

int
tafel_keyfile_decode(const uint8_t *buf, size_t len, const char *pass,
    size_t passlen, struct tafel_secrets *s)
{
	uint8_t sec[KF_SECRETS_LEN], key[32];
	unsigned long long mlen = 0;
	int alg, r;

	if (s == NULL)
		return TAFEL_EINVAL;
	sodium_memzero(s, sizeof(*s));
	if ((alg = tafel_keyfile_alg(buf, len)) < 0)
		return alg;
	if (!header_ok(buf, alg))
		return TAFEL_EMALFORMED;
	if (alg == TAFEL_KEYFILE_ALG_NONE) {
		if ((r = secrets_parse(buf + KF_HDR_LEN, s)) != 0)
			sodium_memzero(s, sizeof(*s));
		return r;
	}
	if (pass == NULL)
		return TAFEL_EINVAL;
	if (passlen > crypto_pwhash_argon2id_PASSWD_MAX)
		return TAFEL_EINVAL;
	if ((r = derive_key(key, pass, passlen, buf)) != 0)
		return r;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(sec, &mlen, NULL,
	    buf + KF_HDR_LEN, KF_PAYLOAD_LEN, buf, KF_HDR_LEN,
	    buf + KF_OFF_NONCE, key) != 0 || mlen != KF_SECRETS_LEN) {
		r = TAFEL_EDECRYPT;
		goto out;
	}
	r = secrets_parse(sec, s);
out:
	sodium_memzero(key, sizeof(key));
	sodium_memzero(sec, sizeof(sec));
	if (r != 0)
		sodium_memzero(s, sizeof(*s));
	return r;
}
