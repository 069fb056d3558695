/*
 * The signed exchange log: audit entries, export bundles and the
 * witnessing frames between daemons.  docs/protocol.md, section "The
 * exchange log", is the normative text; docs/auditor.md explains it for
 * auditors.
 *
 * An audit entry is one canonical msgpack map; its exact bytes are a leaf
 * of the daemon's RFC 6962 tree (include/tafel/merkle.h).  Keys, in this
 * order, each present only where the kind allows it:
 *
 *   "v": 1, "seq": uint, "time": uint, "kind": str, "table": id,
 *   "tver": uint, "case": bin(16), "env": bin(32), "event": id,
 *   "cat": id, "from": id, "to": [id], "person": str, "status": id,
 *   "why": str
 *
 * No case content, no pseudonym and no subject identity ever goes into an
 * entry: only ids, hashes, times, event types and the acting person.
 *
 * The bundle (what "tafel audit export" writes) is one msgpack map:
 *
 *   { "v": 1, "type": "tafel-audit-bundle", "org": id, "vkey": str,
 *     "leaves": [bin], "hashes": [bin(32)],
 *     "checkpoints": [ { "note": bin, "proof": [bin(32)] } ],
 *     "tables": [bin] }
 *
 * Witnessing frames (peer frames of their own, next to those of
 * include/tafel/peer.h):
 *
 *   { "v": 1, "t": "ckpt", "note": bin, "old": uint, "proof": [bin(32)] }
 *   { "v": 1, "t": "cosig", "st": id, "size": uint, "line": bin,
 *     "why": str }
 */
#ifndef TAFEL_AUDIT_H
#define TAFEL_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "envelope.h"
#include "merkle.h"
#include "note.h"
#include "tafel.h"

#define TAFEL_AUDIT_ENTRY_MAX	8192	/* bytes of one entry */
#define TAFEL_AUDIT_WHY_MAX	200
#define TAFEL_AUDIT_EVENT_MAX	15
#define TAFEL_AUDIT_STATUS_MAX	15
#define TAFEL_AUDIT_BUNDLE_MAX	((size_t)512 << 20)	/* 512 MiB */
#define TAFEL_AUDIT_MAX_LEAVES	((size_t)1 << 22)
#define TAFEL_AUDIT_MAX_CKPTS	((size_t)1 << 20)
#define TAFEL_AUDIT_MAX_TABLES	4096
#define TAFEL_AUDIT_ORIGIN_PREFIX "tafel/"

enum tafel_audit_kind {
	TAFEL_AUDIT_SENT = 1,
	TAFEL_AUDIT_RECEIVED,
	TAFEL_AUDIT_RECEIPT,
	TAFEL_AUDIT_REFUSED,
	TAFEL_AUDIT_TABLE_ADOPTED,
	TAFEL_AUDIT_CASE_OPENED,
	TAFEL_AUDIT_MEMBERS_CHANGED,
	TAFEL_AUDIT_REVEALED,
	TAFEL_AUDIT_DECIDED,
	TAFEL_AUDIT_CLOSED,
	TAFEL_AUDIT_VIEWED,
	TAFEL_AUDIT_EXPORTED,
	TAFEL_AUDIT_KIND_MAX = TAFEL_AUDIT_EXPORTED
};

/* "sent", "received", ... "table-adopted" ...; NULL for a bad kind. */
const char	*tafel_audit_kind_name(enum tafel_audit_kind);
/* The kind with this name, or 0. */
enum tafel_audit_kind	tafel_audit_kind_parse(const char *);

/* Fields; an empty string or a false has_ flag means absent. */
struct tafel_audit_entry {
	uint64_t		 seq;
	uint64_t		 time;
	enum tafel_audit_kind	 kind;
	char			 table[TAFEL_ORG_MAX + 1];
	bool			 has_tver;
	uint64_t		 tver;
	bool			 has_case;
	uint8_t			 case_id[TAFEL_ID_BYTES];
	bool			 has_env;
	uint8_t			 env[TAFEL_HASH_BYTES];
	char			 event[TAFEL_AUDIT_EVENT_MAX + 1];
	char			 cat[TAFEL_CAT_MAX + 1];
	char			 from[TAFEL_ORG_MAX + 1];
	bool			 has_to;
	size_t			 nto;
	char			 to[TAFEL_MAX_RECIPIENTS][TAFEL_ORG_MAX + 1];
	char			 person[TAFEL_PERSON_MAX + 1];
	char			 status[TAFEL_AUDIT_STATUS_MAX + 1];
	char			 why[TAFEL_AUDIT_WHY_MAX + 1];
};

/*
 * Canonical encoding.  Checks the entry's shape (the fields its kind
 * requires and allows, see docs/protocol.md) first.  Caller owns *out
 * (free(3)).  Returns 0, TAFEL_EINVAL (bad shape) or TAFEL_ENOMEM.
 */
int	tafel_audit_entry_encode(const struct tafel_audit_entry *e,
	    uint8_t **out, size_t *outlen) __attribute__((warn_unused_result));
/*
 * Strict decode: exact keys and types, the shape of its kind, and the
 * canonical encoding (the bytes must be exactly what the encoder writes
 * for the decoded entry).  Returns 0, TAFEL_EMALFORMED, TAFEL_ETOOBIG or
 * TAFEL_EVERSION.
 */
int	tafel_audit_entry_decode(const uint8_t *buf, size_t len,
	    struct tafel_audit_entry *e) __attribute__((warn_unused_result));

/*
 * A reason for an entry: why with control characters made spaces, cut
 * to TAFEL_AUDIT_WHY_MAX bytes (and outsz - 1) on a UTF-8 boundary.
 */
void	tafel_audit_why(char *out, size_t outsz, const char *why);

/*
 * The origin (and key name) of org's log, whose checkpoints are signed
 * with sign_pk: "tafel/" org "/" the first 16 hex digits of
 * SHA-256("tafel audit log v1" || 0x00 || sign_pk).  Returns 0 or
 * TAFEL_EINVAL.
 */
int	tafel_audit_origin(const char *org, const uint8_t sign_pk[32],
	    char out[TAFEL_CKPT_ORIGIN_MAX + 1])
	    __attribute__((warn_unused_result));

/* A parsed bundle; every pointer points into the caller's buffer. */
struct tafel_audit_ckpt {
	const uint8_t	*note;
	size_t		 notelen;
	size_t		 nproof;
	const uint8_t	*proof[TAFEL_MERKLE_MAX_PROOF];	/* 32 bytes each */
};

struct tafel_audit_bundle {
	char			 org[TAFEL_ORG_MAX + 1];
	char			 vkey[TAFEL_NOTE_VKEY_MAX];
	size_t			 nleaves;
	const uint8_t		**leaf;		/* nleaves */
	size_t			*leaflen;
	const uint8_t		**hash;		/* nleaves, 32 bytes each */
	size_t			 nckpts;
	struct tafel_audit_ckpt	*ckpt;
	size_t			 ntables;
	const uint8_t		**table;
	size_t			*tablelen;
	/* Where each part starts in the buffer, for reports and tests. */
	size_t			*leaf_off, *hash_off, *note_off;
	size_t			*proof_off;	/* of the first hash, per ckpt */
	size_t			*table_off;
};

/*
 * Strict parse of a bundle (exact keys and types, caps above); the
 * entries, notes and proofs are not checked yet (tafel audit verify does
 * that).  On success the caller frees b with tafel_audit_bundle_free.
 * Returns 0, TAFEL_EMALFORMED, TAFEL_ETOOBIG, TAFEL_EVERSION or
 * TAFEL_ENOMEM.
 */
int	tafel_audit_bundle_parse(const uint8_t *buf, size_t len,
	    struct tafel_audit_bundle *b) __attribute__((warn_unused_result));
void	tafel_audit_bundle_free(struct tafel_audit_bundle *b);

/* Witnessing frames. */
enum tafel_wit_type {
	TAFEL_WIT_CKPT = 1,
	TAFEL_WIT_COSIG
};

enum tafel_wit_status {
	TAFEL_WIT_OK = 1,	/* line is our cosignature */
	TAFEL_WIT_OLD,		/* prove from size instead (what we hold) */
	TAFEL_WIT_FORK,		/* inconsistent with what we hold: no */
	TAFEL_WIT_BAD		/* unverifiable (signature, origin) */
};

struct tafel_wit_msg {
	enum tafel_wit_type	 type;
	const uint8_t		*note;		/* CKPT; COSIG: the line */
	size_t			 notelen;
	uint64_t		 size;		/* CKPT: old; COSIG: size */
	size_t			 nproof;
	uint8_t			 proof[TAFEL_MERKLE_MAX_PROOF][32];
	enum tafel_wit_status	 st;
	char			 why[TAFEL_AUDIT_WHY_MAX + 1];
};

int	tafel_wit_ckpt_encode(const uint8_t *note, size_t notelen,
	    uint64_t old, const uint8_t (*proof)[32], size_t nproof,
	    uint8_t **out, size_t *outlen) __attribute__((warn_unused_result));
/* line may be NULL (len 0) unless st is TAFEL_WIT_OK. */
int	tafel_wit_cosig_encode(enum tafel_wit_status st, uint64_t size,
	    const uint8_t *line, size_t linelen, const char *why,
	    uint8_t **out, size_t *outlen) __attribute__((warn_unused_result));
/*
 * Strict decode.  Returns 0; TAFEL_EINVAL when the frame is not a
 * witnessing frame at all (not msgpack, not a map, no "t" or a "t" other
 * than ckpt and cosig: the caller tries the other peer frames, and
 * refuses what none of them is); TAFEL_EMALFORMED and others for a bad
 * ckpt or cosig frame.  buf must outlive m.
 */
int	tafel_wit_decode(const uint8_t *buf, size_t len,
	    struct tafel_wit_msg *m) __attribute__((warn_unused_result));
const char	*tafel_wit_status_name(enum tafel_wit_status);

#endif
