/*
 * Envelopes: one event of a case, signed by its sender and sealed for
 * the members that may read it.
 *
 * Envelope, a msgpack map in this key order:
 *   { "v": 1, "hdr": bin(header), "wraps": bin(wraps), "nonce": bin(24),
 *     "ct": bin(ciphertext), "sig": bin(64) }
 * A header-only copy (for a member that may see that the event exists
 * but not read it) carries "ctd": bin(32) = SHA-256(ciphertext) in place
 * of "ct"; its signature verifies all the same.
 *
 * header, a msgpack map in this key order:
 *   { "v": 1, "type": id, "id": bin(16), "table": id, "tver": uint,
 *     "case": bin(16), "cat": str, "from": id, "by": str, "to": [ id ],
 *     "time": uint, "lamport": uint, "prev": [ bin(32) ] }
 *   type: "open", "record", "members", "reveal", "decide", "close" or
 *   "decline" (bodies below);
 *   cat: the record category, "" for other types; by: the acting person;
 *   time: seconds since the epoch; to: every recipient (unique).
 *
 * wraps, a msgpack array of [ id, bin(72) ]: for each recipient that may
 * read the content, its org and nonce(24) || crypto_box_easy_afternm(
 * content key (32), nonce, k) where k = crypto_box_beforenm(recipient box
 * pk, sender box sk).  Each org at most once, each one of "to".
 *
 * ciphertext = XChaCha20-Poly1305-IETF(content key, nonce, body,
 *              AD = SHA-256(header)).
 * sig = Ed25519(sender sign key, "tafel envelope v1" || 0x00 ||
 *              u32be(len header) || header || u32be(len wraps) || wraps ||
 *              nonce || SHA-256(ciphertext)).
 * The envelope hash is SHA-256 of the exact envelope bytes.
 */
#ifndef TAFEL_ENVELOPE_H
#define TAFEL_ENVELOPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tafel.h"

#define TAFEL_ENV_DOMAIN	"tafel envelope v1"
#define TAFEL_TYPE_MAX		15
#define TAFEL_PERSON_MAX	TAFEL_NAME_MAX
#define TAFEL_WRAP_BYTES	72	/* nonce 24 + key 32 + MAC 16 */

struct tafel_hdr {
	char		type[TAFEL_TYPE_MAX + 1];
	uint8_t		id[TAFEL_ID_BYTES];
	char		table[TAFEL_ORG_MAX + 1];
	uint64_t	tver;
	uint8_t		case_id[TAFEL_ID_BYTES];
	char		cat[TAFEL_CAT_MAX + 1];
	char		from[TAFEL_ORG_MAX + 1];
	char		by[TAFEL_PERSON_MAX + 1];
	size_t		nto;
	char		to[TAFEL_MAX_RECIPIENTS][TAFEL_ORG_MAX + 1];
	uint64_t	time;
	uint64_t	lamport;
	size_t		nprev;
	uint8_t		prev[TAFEL_MAX_PREV][TAFEL_HASH_BYTES];
};

/* Canonical header bytes.  Caller owns *out (free(3)). */
int	tafel_hdr_encode(const struct tafel_hdr *, uint8_t **out,
	    size_t *outlen) __attribute__((warn_unused_result));
/* Strict decode of header bytes. */
int	tafel_hdr_decode(const uint8_t *buf, size_t len, struct tafel_hdr *)
	    __attribute__((warn_unused_result));

/* One recipient that gets the content key. */
struct tafel_wrap_to {
	const char	*org;
	const uint8_t	*k;	/* crypto_box_beforenm(its box pk, our box sk) */
};

/*
 * Seals body for the recipients in to[0..nto) (a subset of h->to) and
 * signs.  Caller owns *out (free(3)).  Wipes the content key.
 */
int	tafel_env_seal(const struct tafel_hdr *h, const uint8_t *body,
	    size_t bodylen, const struct tafel_wrap_to *to, size_t nto,
	    const uint8_t sign_sk[64], uint8_t **out, size_t *outlen)
	    __attribute__((warn_unused_result));

/*
 * tafel_env_seal, and the content key into ckey (32 bytes) when ckey is
 * not NULL, so that the sender can later re-share the content (8.12).
 * The caller wipes ckey.
 */
int	tafel_env_seal_key(const struct tafel_hdr *h, const uint8_t *body,
	    size_t bodylen, const struct tafel_wrap_to *to, size_t nto,
	    const uint8_t sign_sk[64], uint8_t **out, size_t *outlen,
	    uint8_t *ckey) __attribute__((warn_unused_result));

/* A parsed envelope.  Pointers point into the buffer given to parse. */
struct tafel_env {
	const uint8_t	*hdr;
	size_t		 hdrlen;
	const uint8_t	*wraps;
	size_t		 wrapslen;
	const uint8_t	*nonce;
	const uint8_t	*ct;		/* NULL for a header-only copy */
	size_t		 ctlen;
	uint8_t		 ctd[TAFEL_HASH_BYTES];
	const uint8_t	*sig;
	struct tafel_hdr h;
	size_t		 nwraps;
	struct {
		char		 org[TAFEL_ORG_MAX + 1];
		const uint8_t	*box;	/* TAFEL_WRAP_BYTES */
	}		 wrap[TAFEL_MAX_RECIPIENTS];
	uint8_t		 hash[TAFEL_HASH_BYTES];	/* of the whole envelope */
};

/*
 * Strict decode of an envelope, its header and its wraps; no signature
 * check yet (the caller first finds the sender's key from h.from).  buf
 * must outlive *e.
 */
int	tafel_env_parse(const uint8_t *buf, size_t len, struct tafel_env *e)
	    __attribute__((warn_unused_result));

/*
 * Only the header of an envelope, for one this store parsed strictly
 * before (what table, which recipients): the outer map is checked as by
 * tafel_env_parse, but no hash is computed and the wraps are not read.
 */
int	tafel_env_parse_hdr(const uint8_t *buf, size_t len,
	    struct tafel_hdr *h) __attribute__((warn_unused_result));

/* Verifies the sender's signature.  Returns 0 or TAFEL_ESIG. */
int	tafel_env_verify(const struct tafel_env *e,
	    const uint8_t sign_pk[32]) __attribute__((warn_unused_result));

/* True when org is one of the header's recipients. */
bool	tafel_env_addressed(const struct tafel_env *e, const char *org);

/*
 * Unwraps the content key for org with k = crypto_box_beforenm(sender
 * box pk, our box sk) and decrypts.  body has room for bodymax bytes.
 * Returns 0, TAFEL_ENOTFOR (no wrap for org, or a header-only copy),
 * TAFEL_EDECRYPT or TAFEL_ETOOBIG.
 */
int	tafel_env_open(const struct tafel_env *e, const char *org,
	    const uint8_t k[32], uint8_t *body, size_t bodymax,
	    size_t *bodylen) __attribute__((warn_unused_result));

/* tafel_env_open, and the content key into ckey (32) unless NULL. */
int	tafel_env_open_key(const struct tafel_env *e, const char *org,
	    const uint8_t k[32], uint8_t *body, size_t bodymax,
	    size_t *bodylen, uint8_t *ckey) __attribute__((warn_unused_result));

/*
 * Checks that body, encrypted under ckey with the envelope's nonce and
 * AD = SHA-256(hdr), gives the ciphertext whose digest the envelope
 * carries (ctd, or SHA-256(ct)): so content re-shared with its content
 * key is the content its sender signed.  Returns 0, TAFEL_EDECRYPT (it
 * is not) or TAFEL_ENOMEM / TAFEL_ETOOBIG.
 */
int	tafel_env_content_check(const struct tafel_env *e,
	    const uint8_t ckey[32], const uint8_t *body, size_t bodylen)
	    __attribute__((warn_unused_result));

/* Header-only copy of a parsed full envelope.  Caller owns *out. */
int	tafel_env_header_only(const struct tafel_env *e, uint8_t **out,
	    size_t *outlen) __attribute__((warn_unused_result));

/*
 * Event bodies (the plaintext that an envelope seals), msgpack maps:
 *   "open":    { "pseudonym": text (1..TAFEL_PSEUDONYM_MAX bytes) }
 *   "record":  { "text": text (1..TAFEL_MAX_TEXT bytes) }
 *   "close":   { "reason": text (1..TAFEL_REASON_MAX) }
 *   "decline": { "reason": text (1..TAFEL_REASON_MAX) }
 *   "reveal":  { "org": id (the member cleared for identity records),
 *                "reason": text (1..TAFEL_REASON_MAX) }
 *   "members": { "add": [ id ], "remove": [ id ], "members": [ id ],
 *                "reason": text (0..TAFEL_REASON_MAX),
 *                "pseudonym": text, "opened": uint }
 *              (members: the whole list after the change, owner first;
 *              pseudonym and opened let a member that joins know the
 *              case it joins)
 *   "decide":  { "followup": "none"|"latent"|"prominent"|"judicial",
 *                "reason": text (1..TAFEL_REASON_MAX),
 *                "review": uint (a date, seconds; 0: no review date) }
 * text is UTF-8; tab and newline are its only control characters.
 * tafel_body_encode and _decode handle the types with one text (for
 * close and decline the text is the reason); decide has its own pair.
 */
#define TAFEL_PSEUDONYM_MAX	256
#define TAFEL_REASON_MAX	4096
#define TAFEL_FOLLOWUP_MAX	15

/* The follow-up levels, in order of weight; -1 when unknown. */
int	tafel_followup_index(const char *);
extern const char *const tafel_followups[4];

int	tafel_reveal_encode(const char *org, const char *reason,
	    size_t reasonlen, uint8_t **out, size_t *outlen)
	    __attribute__((warn_unused_result));
/* *reason points into buf. */
int	tafel_reveal_decode(const uint8_t *buf, size_t len,
	    char org[TAFEL_ORG_MAX + 1], const char **reason,
	    size_t *reasonlen) __attribute__((warn_unused_result));

struct tafel_members_body {
	size_t		 nadd, nremove, nmembers;
	char		 add[TAFEL_MAX_RECIPIENTS][TAFEL_ORG_MAX + 1];
	char		 remove[TAFEL_MAX_RECIPIENTS][TAFEL_ORG_MAX + 1];
	char		 members[TAFEL_MAX_RECIPIENTS][TAFEL_ORG_MAX + 1];
	const char	*reason;	/* into the buffer on decode */
	size_t		 reasonlen;
	const char	*pseudonym;
	size_t		 pseudolen;
	uint64_t	 opened;
	bool		 minor;		/* "minor": true; absent when false */
};

/* Lists must hold unique ids; members at least one. */
/*
 * "open" with the minor flag: { "pseudonym": text } or, for a case about
 * a minor, { "pseudonym": text, "minor": true } ("minor": false is not
 * canonical and is refused).  *pseudonym points into buf.
 */
int	tafel_open_encode(const char *pseudonym, size_t len, bool minor,
	    uint8_t **out, size_t *outlen) __attribute__((warn_unused_result));
int	tafel_open_decode(const uint8_t *buf, size_t len,
	    const char **pseudonym, size_t *pseudolen, bool *minor)
	    __attribute__((warn_unused_result));

int	tafel_members_encode(const struct tafel_members_body *, uint8_t **out,
	    size_t *outlen) __attribute__((warn_unused_result));
int	tafel_members_decode(const uint8_t *buf, size_t len,
	    struct tafel_members_body *) __attribute__((warn_unused_result));

int	tafel_decision_encode(const char *followup, const char *reason,
	    size_t reasonlen, uint64_t review, uint8_t **out, size_t *outlen)
	    __attribute__((warn_unused_result));
/* *reason points into buf. */
int	tafel_decision_decode(const uint8_t *buf, size_t len,
	    char followup[TAFEL_FOLLOWUP_MAX + 1], const char **reason,
	    size_t *reasonlen, uint64_t *review)
	    __attribute__((warn_unused_result));

/* Caller owns *out. */
int	tafel_body_encode(const char *type, const char *text, size_t len,
	    uint8_t **out, size_t *outlen) __attribute__((warn_unused_result));
/* *text points into buf (not NUL terminated). */
int	tafel_body_decode(const char *type, const uint8_t *buf, size_t len,
	    const char **text, size_t *textlen)
	    __attribute__((warn_unused_result));

/*
 * "share": a member re-shared earlier events of the case with a member
 * (8.12).  { "org": id, "events": [ bin(32) ] }, the event hashes (7.8)
 * re-shared, 1..TAFEL_SHARE_MAX of them, each once.
 */
#define TAFEL_SHARE_MAX		1024

struct tafel_share_body {
	char		 org[TAFEL_ORG_MAX + 1];
	size_t		 nevents;
	uint8_t		 events[TAFEL_SHARE_MAX][TAFEL_HASH_BYTES];
};

int	tafel_share_encode(const struct tafel_share_body *, uint8_t **out,
	    size_t *outlen) __attribute__((warn_unused_result));
int	tafel_share_decode(const uint8_t *buf, size_t len,
	    struct tafel_share_body *) __attribute__((warn_unused_result));

/*
 * "history": one earlier event of a case, relayed to one member (8.12);
 * not an event of the timeline itself.
 *   { "env": bin(header-only copy of the original envelope) }
 *   { "env": bin, "key": bin(32) (its content key), "body": bin (its
 *     body, as its sender sealed it) }
 * env is at most TAFEL_HISTORY_ENV_MAX bytes, body at most
 * TAFEL_HISTORY_BODY_MAX.  Decoded pointers point into buf.
 */
#define TAFEL_HISTORY_ENV_MAX	40960
#define TAFEL_HISTORY_BODY_MAX	(TAFEL_MAX_BODY - TAFEL_HISTORY_ENV_MAX - 64)

struct tafel_history_body {
	const uint8_t	*env;
	size_t		 envlen;
	bool		 content;	/* key and body present */
	uint8_t		 key[32];
	const uint8_t	*body;
	size_t		 bodylen;
};

int	tafel_history_encode(const struct tafel_history_body *,
	    uint8_t **out, size_t *outlen) __attribute__((warn_unused_result));
int	tafel_history_decode(const uint8_t *buf, size_t len,
	    struct tafel_history_body *) __attribute__((warn_unused_result));

#endif
