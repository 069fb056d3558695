/*
 * Signed delivery receipts.
 *
 * A recipient answers the envelopes it has settled (applied durably,
 * or refused for good) with a receipt signed by its identity key.  One
 * receipt covers every envelope from one sender settled in one group
 * commit, so that neither side signs or verifies once per record.
 *
 *   receipt = { "v": 1, "r": bin(inner), "sig": bin(64) }
 *   sig     = Ed25519(recipient's sign key, "tafel receipt v1" || 0x00 ||
 *             inner)
 *   inner   = { "v": 1, "by": id (the recipient, who signs),
 *               "to": id (the sender of the envelopes),
 *               "time": uint (Unix time in milliseconds, at signing),
 *               "items": [ item, ... ] (1 .. TAFEL_RCPT_MAX_ITEMS) }
 *   item    = { "id": bin(16) (the envelope header's message id; zeros
 *               when the envelope could not be parsed),
 *               "h": bin(32) (SHA-256 of the envelope bytes),
 *               "st": "ok" | "refused",
 *               "why": str[0..200] }
 *
 * The receipt hash is SHA-256 of the whole receipt's bytes.  The map
 * keys are written in the order above (canonical encoding).
 */
#ifndef TAFEL_RECEIPT_H
#define TAFEL_RECEIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tafel.h"
#include "peer.h"

#define TAFEL_RCPT_DOMAIN	"tafel receipt v1"
#define TAFEL_RCPT_MAX_ITEMS	512

struct tafel_rcpt_item {
	uint8_t			 id[TAFEL_ID_BYTES];
	uint8_t			 h[TAFEL_HASH_BYTES];
	enum tafel_ack_status	 st;		/* OK or REFUSED */
	char			 why[TAFEL_PEER_WHY_MAX + 1];
};

struct tafel_rcpt {
	char			 by[TAFEL_ORG_MAX + 1];
	char			 to[TAFEL_ORG_MAX + 1];
	uint64_t		 time_ms;
	size_t			 nitems;
	struct tafel_rcpt_item	*items;		/* decode: caller frees */
};

/*
 * Encodes and signs r with sign_sk (64 bytes, whose public half must be
 * sign_pk).  *out is the caller's (free(3)).
 */
int	tafel_rcpt_sign(const struct tafel_rcpt *r, const uint8_t sign_sk[64],
	    uint8_t **out, size_t *outlen) __attribute__((warn_unused_result));

/*
 * Strict decode of a receipt, and verification of its signature with
 * sign_pk (the key of the member named "by").  r->items is allocated
 * (free(3)) on success only.  Returns 0, TAFEL_EMALFORMED, TAFEL_ETOOBIG,
 * TAFEL_EVERSION or TAFEL_ESIG.
 */
int	tafel_rcpt_verify(const uint8_t *buf, size_t len,
	    const uint8_t sign_pk[32], struct tafel_rcpt *r)
	    __attribute__((warn_unused_result));

/* Decode without a key: the signature is not checked (for tools). */
int	tafel_rcpt_decode(const uint8_t *buf, size_t len, struct tafel_rcpt *r)
	    __attribute__((warn_unused_result));

#endif
