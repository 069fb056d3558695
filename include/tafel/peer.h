/*
 * Frames between daemons, over CurveZMQ (one ZeroMQ frame each).
 *
 * From a sender's DEALER to a recipient's ROUTER:
 *   { "v": 1, "t": "env", "env": bin(envelope) }
 * or, to distribute an adopted partner-table document:
 *   { "v": 1, "t": "table", "doc": bin(table document) }
 * Back from the ROUTER to that DEALER, once envelopes are durably
 * applied (or refused for good), a signed receipt (receipt.h) for them:
 *   { "v": 1, "t": "rcpt", "rcpt": bin(receipt) }
 * and otherwise (a table document; an envelope to be sent again later):
 *   { "v": 1, "t": "ack", "h": bin(32), "st": id, "why": str }
 * and, with an ack "retry" for an envelope that waits for events it
 * follows, the event hashes it waits for:
 *   { "v": 1, "t": "want", "want": [ bin(32), ... 1..16 ] }
 *   h: the envelope hash (for a table document: SHA-256 of the document
 *   bytes); st: "ok" (applied now or before), "refused"
 *   (final: the recipient will never apply it; why says why) or "retry"
 *   (temporary: e.g. an event it depends on has not arrived yet).
 */
#ifndef TAFEL_PEER_H
#define TAFEL_PEER_H

#include <stddef.h>
#include <stdint.h>

#include "tafel.h"

#define TAFEL_PEER_WHY_MAX	200

enum tafel_peer_type {
	TAFEL_PEER_ENV = 1,
	TAFEL_PEER_ACK,
	TAFEL_PEER_TABLE,
	TAFEL_PEER_RCPT,
	TAFEL_PEER_WANT
};

enum tafel_ack_status {
	TAFEL_ACK_OK = 1,
	TAFEL_ACK_REFUSED,
	TAFEL_ACK_RETRY
};

struct tafel_peer_msg {
	enum tafel_peer_type	 type;
	const uint8_t		*env;	/* ENV, TABLE, RCPT: into the frame */
	size_t			 envlen;
	uint8_t			 h[TAFEL_HASH_BYTES];	/* ACK */
	enum tafel_ack_status	 st;			/* ACK */
	char			 why[TAFEL_PEER_WHY_MAX + 1];	/* ACK */
	size_t			 nwant;				/* WANT */
	uint8_t			 want[TAFEL_MAX_PREV][TAFEL_HASH_BYTES];
};

/* Caller owns *out (free(3)). */
int	tafel_peer_env_encode(const uint8_t *env, size_t envlen, uint8_t **out,
	    size_t *outlen) __attribute__((warn_unused_result));
int	tafel_peer_table_encode(const uint8_t *doc, size_t len, uint8_t **out,
	    size_t *outlen) __attribute__((warn_unused_result));
int	tafel_peer_rcpt_encode(const uint8_t *rcpt, size_t len, uint8_t **out,
	    size_t *outlen) __attribute__((warn_unused_result));
int	tafel_peer_want_encode(const uint8_t (*h)[TAFEL_HASH_BYTES], size_t n,
	    uint8_t **out, size_t *outlen) __attribute__((warn_unused_result));
int	tafel_peer_ack_encode(const uint8_t h[TAFEL_HASH_BYTES],
	    enum tafel_ack_status st, const char *why, uint8_t **out,
	    size_t *outlen) __attribute__((warn_unused_result));

/* Strict decode; buf must outlive m (m->env points into it). */
int	tafel_peer_decode(const uint8_t *buf, size_t len,
	    struct tafel_peer_msg *m) __attribute__((warn_unused_result));

const char	*tafel_ack_status_name(enum tafel_ack_status);

#endif
