/*
 * The partner-table document: the digital form of the signed cooperation
 * protocol (samenwerkingsprotocol).  It is the root of trust.
 *
 * Document, a msgpack map in this key order:
 *   { "v": 1, "body": bin(body), "sigs": [ { "org": id, "sig": bin(64) } ] }
 * body, a msgpack map in this key order:
 *   { "v": 1, "table": id, "version": uint (>= 1), "prev": bin(32),
 *     "issued": uint, "expires": uint, "members": [ bin(signed card) ],
 *     "signers": [ id ], "threshold": uint, "rules": rules }
 * rules, a msgpack map in this key order:
 *   { "open": [ role ], "send": { role: [ category ] },
 *     "recv": { role: [ category ] }, "retention_days": uint,
 *     "max_record": uint }
 * (roles and categories in the order of tafel_roles / tafel_categories;
 * a role absent from "send" or "recv" may send or receive nothing.)
 *
 * sig = Ed25519(signer's card key, "tafel table v1" || 0x00 || body).
 * The table hash is SHA-256(body); "prev" of version 1 is 32 zero bytes,
 * of version N+1 the hash of version N.  Signatures cover the exact body
 * bytes as received; nothing is re-encoded before verification.
 *
 * Acceptance (TUF style): a genesis document (version 1) only with the
 * fingerprint the operator expects and the threshold of its own signers;
 * version N+1 only if it names N's hash and carries the threshold of N's
 * signers and of its own.  Signers must be members of the version whose
 * threshold they count towards; each org counts once.
 */
#ifndef TAFEL_TABLE_H
#define TAFEL_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "card.h"
#include "tafel.h"

#define TAFEL_TABLE_DOMAIN	"tafel table v1"
#define TAFEL_TABLE_DOC_MAX	(TAFEL_MAX_MEMBERS * TAFEL_CARD_MAX + 65536)

/* Roles and record categories, in canonical order. */
#define TAFEL_NROLES		12
#define TAFEL_NCATS		6
extern const char *const tafel_roles[TAFEL_NROLES];
extern const char *const tafel_categories[TAFEL_NCATS];

/* Index of a role or category name, or -1. */
int	tafel_role_index(const char *);
int	tafel_cat_index(const char *);

struct tafel_rules {
	uint16_t	open;			/* bit r: role r may open cases */
	uint8_t		send[TAFEL_NROLES];	/* bit c: may send category c */
	uint8_t		recv[TAFEL_NROLES];	/* bit c: may receive c */
	uint32_t	retention_days;
	uint32_t	max_record;		/* bytes of one record's text */
	/* bit c: in a case about a minor, the role may not receive c */
	uint8_t		minors[TAFEL_NROLES];
};

/*
 * May a record of category cat reach a member of role to_role in a case
 * about a minor?  (The send and recv rules apply besides.)  False for an
 * unknown role or category.
 */
bool	tafel_rules_minor_allows(const struct tafel_rules *,
	    const char *to_role, const char *cat);

/* The built-in LIVC-R default (documented in docs/operator.md). */
void	tafel_rules_default(struct tafel_rules *);

/*
 * The rules as plain text, for operators (docs/operator.md):
 *
 *   # a comment
 *   open ROLE...                   roles that may open cases
 *   send ROLE CATEGORY...|all      what ROLE may send
 *   recv ROLE CATEGORY...|all      what ROLE may receive
 *   minors ROLE CATEGORY...|all    what ROLE may not receive in a case
 *                                  about a minor (optional)
 *   retention-days N               1..36500
 *   max-record BYTES               1..TAFEL_MAX_TEXT
 *
 * A role without a send (recv) line may send (receive) nothing; each
 * role has at most one send and one recv line; open, retention-days and
 * max-record appear exactly once.  Words are separated by spaces or
 * tabs.  On failure *line is the 1-based line at fault (0: the whole
 * text) and why a static reason.
 */
int	tafel_rules_parse(const char *text, size_t len, struct tafel_rules *,
	    unsigned *line, const char **why)
	    __attribute__((warn_unused_result));
/* The rules in that text form.  Caller owns *text (free(3)). */
int	tafel_rules_format(const struct tafel_rules *, char **text)
	    __attribute__((warn_unused_result));

struct tafel_member {
	struct tafel_card	 card;
	uint8_t			*raw;		/* signed card bytes, owned */
	size_t			 rawlen;
};

struct tafel_sig {
	char	org[TAFEL_ORG_MAX + 1];
	uint8_t	sig[64];
};

struct tafel_table {
	char			id[TAFEL_ORG_MAX + 1];
	uint64_t		version;
	uint8_t			prev[TAFEL_HASH_BYTES];
	uint64_t		issued;
	uint64_t		expires;
	size_t			nmembers;
	struct tafel_member	members[TAFEL_MAX_MEMBERS];
	size_t			nsigners;
	char			signers[TAFEL_MAX_MEMBERS][TAFEL_ORG_MAX + 1];
	unsigned		threshold;
	struct tafel_rules	rules;

	/* Set by tafel_table_seal_body() or tafel_table_decode(). */
	uint8_t			*body;		/* exact body bytes, owned */
	size_t			 bodylen;
	uint8_t			 hash[TAFEL_HASH_BYTES];
	size_t			 nsigs;
	struct tafel_sig	 sigs[TAFEL_MAX_SIGS];
};

/* Caller owns the result; NULL when out of memory. */
struct tafel_table	*tafel_table_new(void);
/* Frees *tp and sets it to NULL; NULL is fine. */
void	tafel_table_destroy(struct tafel_table **tp);

/*
 * Adds a member from its signed card bytes (copied).  Refuses a card
 * that does not decode or verify, a second card for the same org, or a
 * full list.  Only before tafel_table_seal_body().
 */
int	tafel_table_add_member(struct tafel_table *, const uint8_t *card,
	    size_t len) __attribute__((warn_unused_result));

/*
 * Encodes the body from the fields and keeps it (t->body, t->hash); drops
 * any signatures.  Checks that the fields are consistent: ids valid,
 * version >= 1, expires > issued, signers are members and unique,
 * 1 <= threshold <= nsigners.
 */
int	tafel_table_seal_body(struct tafel_table *)
	    __attribute__((warn_unused_result));

/*
 * Adds (or replaces) org's signature over the body.  org must be one of
 * the signers and its card key must match sign_sk.
 */
int	tafel_table_sign(struct tafel_table *, const char *org,
	    const uint8_t sign_sk[64]) __attribute__((warn_unused_result));

/*
 * The same for a signer of the previous version prev (an amendment
 * needs prev's threshold too): org must be one of prev's signers, its
 * card key in prev must match sign_sk, and t must name prev's hash.
 * One org has one signature in a document: an org that is a signer of
 * both versions with the same key signs once, for both.
 */
int	tafel_table_sign_prev(struct tafel_table *t,
	    const struct tafel_table *prev, const char *org,
	    const uint8_t sign_sk[64]) __attribute__((warn_unused_result));

/* The document bytes (body and signatures).  Caller owns *out. */
int	tafel_table_encode(const struct tafel_table *, uint8_t **out,
	    size_t *outlen) __attribute__((warn_unused_result));

/*
 * Strictly decodes a document into a fresh table (caller destroys it).
 * Checks the body's internal consistency as tafel_table_seal_body does,
 * and every card's self-signature; it does not count signatures.
 */
int	tafel_table_decode(const uint8_t *buf, size_t len,
	    struct tafel_table **tp) __attribute__((warn_unused_result));

/* The member with this org id, or NULL. */
const struct tafel_member *tafel_table_member(const struct tafel_table *,
	    const char *org);

/*
 * Counts distinct orgs among signer_set's signers that have a valid
 * signature in t over t's body, using signer_set's member cards.
 */
unsigned	tafel_table_valid_sigs(const struct tafel_table *t,
	    const struct tafel_table *signer_set);

/*
 * Genesis acceptance: version 1, prev all zero, t->hash equal to
 * expect, and the threshold of its own signers.  Returns 0,
 * TAFEL_EPOLICY (with *why set to a static reason) or TAFEL_ESIG.
 */
int	tafel_table_accept_genesis(const struct tafel_table *t,
	    const uint8_t expect[TAFEL_HASH_BYTES], const char **why)
	    __attribute__((warn_unused_result));

/*
 * Amendment acceptance of next over cur (same table id, version exactly
 * cur+1, prev = cur's hash, cur's threshold of cur's signers and next's
 * threshold of its own).  Same returns as above.
 */
int	tafel_table_accept_next(const struct tafel_table *cur,
	    const struct tafel_table *next, const char **why)
	    __attribute__((warn_unused_result));

/* Text form (armour label "TABLE"), with Table, Version, Expires and
 * Fingerprint comment lines.  Caller owns *text. */
int	tafel_table_to_text(const uint8_t *doc, size_t len, char **text)
	    __attribute__((warn_unused_result));
/* Reads the text form; the comments must match the document. */
int	tafel_table_from_text(const char *text, size_t textlen,
	    uint8_t **doc, size_t *doclen)
	    __attribute__((warn_unused_result));

#endif
