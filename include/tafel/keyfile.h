/*
 * The secret-key file of an organisation.
 *
 * Fixed layout, 218 bytes:
 *   magic    8  "TAFELSK1"
 *   alg      1  0 = stored in clear (file mode 0600 is the protection),
 *               1 = Argon2id v1.3 (crypto_pwhash_ALG_ARGON2ID13)
 *   opslimit 8  big-endian; 0 when alg = 0
 *   memlimit 8  big-endian; 0 when alg = 0
 *   salt    16  zero when alg = 0
 *   nonce   24  zero when alg = 0
 *   payload 153 alg 0: 137 bytes of secrets + 16 zero bytes;
 *               alg 1: XChaCha20-Poly1305(key, nonce, secrets,
 *                      AD = the 65 header bytes before it)
 * secrets (137 bytes): version 1 (1) || Ed25519 seed (32) || box secret
 * key (32) || transport secret key (32) || store key (32) || reserved 8
 * zero bytes.  key = Argon2id(passphrase, salt, opslimit, memlimit), 32
 * bytes.  Limits read from a file are capped (ops <= 16, mem <= 1 GiB)
 * so that a hostile file cannot make us allocate without bound.
 */
#ifndef TAFEL_KEYFILE_H
#define TAFEL_KEYFILE_H

#include <stddef.h>
#include <stdint.h>

#define TAFEL_KEYFILE_LEN	218
#define TAFEL_KEYFILE_ALG_NONE	0
#define TAFEL_KEYFILE_ALG_ARGON	1

/* Secret keys of one organisation.  Keep it in sodium_malloc memory. */
struct tafel_secrets {
	uint8_t	sign_sk[64];	/* libsodium form: seed || public key */
	uint8_t	sign_pk[32];
	uint8_t	box_sk[32];
	uint8_t	box_pk[32];
	uint8_t	curve_sk[32];
	uint8_t	curve_pk[32];
	uint8_t	store_key[32];	/* wraps per-case data keys at rest */
};

/* Fresh random keys into *s. */
void	tafel_secrets_generate(struct tafel_secrets *s);

/*
 * Writes the file image into out (TAFEL_KEYFILE_LEN bytes).  With pass ==
 * NULL the secrets are stored in clear (alg 0); otherwise under Argon2id
 * with the given limits (crypto_pwhash_OPSLIMIT_MODERATE and
 * MEMLIMIT_MODERATE for people; tests may pass the _MIN values).
 */
int	tafel_keyfile_encode(const struct tafel_secrets *s, const char *pass,
	    size_t passlen, uint64_t ops, uint64_t mem,
	    uint8_t out[TAFEL_KEYFILE_LEN]) __attribute__((warn_unused_result));

/* Returns the alg byte of a file image, or TAFEL_EMALFORMED. */
int	tafel_keyfile_alg(const uint8_t *buf, size_t len)
	    __attribute__((warn_unused_result));

/*
 * Reads a file image.  pass may be NULL only for alg 0.  Fills *s (all
 * public halves are derived again).  Returns 0, TAFEL_EMALFORMED,
 * TAFEL_EVERSION, TAFEL_EDECRYPT (wrong passphrase or damaged file),
 * TAFEL_EINVAL (a passphrase is needed) or TAFEL_ENOMEM.
 */
int	tafel_keyfile_decode(const uint8_t *buf, size_t len, const char *pass,
	    size_t passlen, struct tafel_secrets *s)
	    __attribute__((warn_unused_result));

#endif
