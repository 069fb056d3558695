/*
 * tafel: public constants, limits and error codes of libtafel.
 *
 * libtafel (proto/) is a pure library: no I/O, no logging, no globals.
 * Every decoder takes (const uint8_t *buf, size_t len) and refuses input
 * that is not exactly what the format allows.
 */
#ifndef TAFEL_TAFEL_H
#define TAFEL_TAFEL_H

#include <stddef.h>
#include <stdint.h>

#define TAFEL_VERSION		"0.1.0"
#define TAFEL_WIRE_VERSION	1

/* Identifiers. */
#define TAFEL_ORG_MAX		63	/* [a-z0-9][a-z0-9-]{0,62} */
#define TAFEL_NAME_MAX		128	/* display name of a member, UTF-8 */
#define TAFEL_ROLE_MAX		31
#define TAFEL_CAT_MAX		31
#define TAFEL_ENDPOINT_MAX	255
#define TAFEL_ID_BYTES		16	/* message id, case id */
#define TAFEL_HASH_BYTES	32	/* SHA-256 */

/* Caps that every decoder enforces. */
#define TAFEL_MAX_FRAME		(1024 * 1024)	/* one peer or control frame */
#define TAFEL_MAX_BODY		(512 * 1024)	/* plaintext of one record */
#define TAFEL_MAX_TEXT		(256 * 1024)	/* one record's text */
#define TAFEL_MAX_RECIPIENTS	64
#define TAFEL_MAX_PREV		16
#define TAFEL_MAX_MEMBERS	64	/* members of one table */
#define TAFEL_MAX_ENDPOINTS	4
#define TAFEL_MAX_SIGS		64
#define TAFEL_MAX_DEPTH		6	/* msgpack nesting our schemas need */
#define TAFEL_MAX_ITEMS		65536	/* msgpack objects in one message */

/* Error codes of libtafel: 0 is success, these are all negative. */
#define TAFEL_OK		0
#define TAFEL_EMALFORMED	(-1)	/* not the format: bad msgpack, keys, types */
#define TAFEL_ETOOBIG		(-2)	/* over a size or count cap */
#define TAFEL_EVERSION		(-3)	/* unknown format version */
#define TAFEL_ESIG		(-4)	/* a signature does not verify */
#define TAFEL_EDECRYPT		(-5)	/* authenticated decryption failed */
#define TAFEL_ENOTFOR		(-6)	/* nothing in it is addressed to us */
#define TAFEL_ENOMEM		(-7)
#define TAFEL_EINVAL		(-8)	/* bad argument from the caller */
#define TAFEL_EPOLICY		(-9)	/* well formed, but the rules refuse it */

/* Returns a static, human readable text for a TAFEL_E* code. */
const char	*tafel_strerror(int);

#endif
