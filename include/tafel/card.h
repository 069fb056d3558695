/*
 * Member cards: who an organisation is and which public keys it uses.
 *
 * Wire form (signed card), a msgpack map in this key order:
 *   { "v": 1, "card": bin(inner), "sig": bin(64) }
 * inner, a msgpack map in this key order:
 *   { "v": 1, "org": id, "name": str, "role": id, "endpoints": [str, ...],
 *     "sign": bin(32), "box": bin(32), "curve": bin(32) }
 * sig = Ed25519(sign secret key, "tafel card v1" || 0x00 || inner),
 * verified with inner's own "sign" key.  The card hash is SHA-256(inner);
 * its fingerprint (tafel_fingerprint) is what partners read aloud.
 */
#ifndef TAFEL_CARD_H
#define TAFEL_CARD_H

#include <stddef.h>
#include <stdint.h>

#include "tafel.h"

#define TAFEL_CARD_DOMAIN	"tafel card v1"
#define TAFEL_CARD_MAX		4096	/* bytes of a signed card */

struct tafel_card {
	char	org[TAFEL_ORG_MAX + 1];
	char	name[TAFEL_NAME_MAX + 1];
	char	role[TAFEL_ROLE_MAX + 1];
	size_t	nendpoints;
	char	endpoints[TAFEL_MAX_ENDPOINTS][TAFEL_ENDPOINT_MAX + 1];
	uint8_t	sign_pk[32];		/* Ed25519 */
	uint8_t	box_pk[32];		/* X25519, for content-key wraps */
	uint8_t	curve_pk[32];		/* X25519, for CurveZMQ only */
	uint8_t	hash[TAFEL_HASH_BYTES];	/* SHA-256 of the inner bytes */
};

/*
 * Encodes and self-signs c.  sign_sk is the 64-byte libsodium Ed25519
 * secret key whose public half must equal c->sign_pk.  Sets c->hash.
 * Caller owns *out (free(3)).
 */
int	tafel_card_encode(struct tafel_card *c, const uint8_t sign_sk[64],
	    uint8_t **out, size_t *outlen) __attribute__((warn_unused_result));

/*
 * Strictly decodes a signed card and verifies its self-signature.  On
 * success fills *c (including c->hash).  Returns 0 or a TAFEL_E* code.
 */
int	tafel_card_decode(const uint8_t *buf, size_t len, struct tafel_card *c)
	    __attribute__((warn_unused_result));

/*
 * Text form of a signed card (armour label "CARD"), with comment lines
 * Org, Name, Role, Endpoint (one per endpoint) and Fingerprint.  The
 * card must decode.  Caller owns *text (free(3)).
 */
int	tafel_card_to_text(const uint8_t *card, size_t len, char **text)
	    __attribute__((warn_unused_result));

/*
 * Reads the text form: decodes the armour and the card, regenerates the
 * text and refuses the block unless it is identical (so that the comment
 * lines people read cannot differ from the signed content).  On success
 * the caller owns *card (free(3)); *c is filled when c is not NULL.
 */
int	tafel_card_from_text(const char *text, size_t textlen, uint8_t **card,
	    size_t *cardlen, struct tafel_card *c)
	    __attribute__((warn_unused_result));

#endif
