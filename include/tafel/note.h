/*
 * C2SP signed notes, transparency-log checkpoints, cosignatures and
 * offline inclusion proofs, for the signed exchange log.
 *
 * signed-note v1.0.0: a text of one or more lines, each ending in "\n";
 * one empty line; one or more signature lines
 *
 *   "— " <key name> " " base64(key ID[4] || signature) "\n"
 *
 * ("—" is U+2014, bytes E2 80 94).  The whole note is valid UTF-8 with no
 * control character other than "\n"; text and signatures split at the
 * last "\n\n", so the text may hold empty lines but the signature block
 * cannot.  Key names are non-empty, without Unicode spaces or "+".
 *   key ID = SHA-256(name || 0x0A || type || public key)[:4], big endian
 *   vkey   = name "+" hex8(key ID) "+" base64(type || public key)
 *   type 0x01: Ed25519 over the text (64-byte signature).
 *   type 0x04: tlog-cosignature/v1, timestamped Ed25519: the signature is
 *     u64be(time) || Ed25519 over "cosignature/v1\ntime " decimal(time)
 *     "\n" || text, where text is a checkpoint and time <= 2^63 - 1.
 * base64 is RFC 4648 section 4, padded; only the canonical encoding is
 * accepted.
 *
 * tlog-checkpoint v1.0.0, the text of the log's note:
 *   <origin>\n<size, decimal, no leading zeros>\n<base64(root)>\n
 *   followed by optional non-empty extension lines.
 *
 * tlog-proof (c2sp.org/tlog-proof@v1):
 *   "c2sp.org/tlog-proof@v1\n" ["extra " base64(data) "\n"]
 *   "index " decimal "\n" (base64(hash) "\n"){0,64} "\n" <checkpoint note>
 *
 * Parsers never allocate: parsed structures point into the caller's
 * buffer, which must outlive them.  Every count and size is capped below.
 */
#ifndef TAFEL_NOTE_H
#define TAFEL_NOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "merkle.h"
#include "tafel.h"

#define TAFEL_NOTE_MAX		65536	/* one signed note, in bytes */
#define TAFEL_NOTE_MAX_SIGS	64	/* signature lines in one note */
#define TAFEL_NOTE_NAME_MAX	255	/* key name, in bytes */
#define TAFEL_NOTE_BLOB_MAX	8192	/* key ID || signature, unknown types */
#define TAFEL_NOTE_SIG_MAX	72	/* signature bytes kept: 0x04 is 8+64 */
#define TAFEL_NOTE_LINE_MAX	384	/* a line we write: 4+255+1+104+1 */
#define TAFEL_NOTE_VKEY_MAX	320	/* name+hex8+base64(33), with NUL */
#define TAFEL_NOTE_SKEY_MAX	336	/* PRIVATE+KEY+ and the same */

#define TAFEL_NOTE_ED25519	0x01	/* signature type: Ed25519 */
#define TAFEL_NOTE_COSIG	0x04	/* tlog-cosignature/v1 */

/* True when name[0..len) is a valid key name of at most NAME_MAX bytes. */
bool	tafel_note_name_valid(const char *name, size_t len);

/* A public key of a signer or cosigner, as a vkey says. */
struct tafel_note_key {
	char		name[TAFEL_NOTE_NAME_MAX + 1];
	uint8_t		type;		/* TAFEL_NOTE_ED25519 or _COSIG */
	uint32_t	id;
	uint8_t		pk[32];
};

/* Fills k and computes its key ID.  Returns 0 or TAFEL_EINVAL. */
int	tafel_note_key_init(struct tafel_note_key *k, const char *name,
	    uint8_t type, const uint8_t pk[32])
	    __attribute__((warn_unused_result));

/* The vkey of k, NUL terminated, into out.  Returns 0 or TAFEL_EINVAL. */
int	tafel_note_vkey_encode(const struct tafel_note_key *k, char *out,
	    size_t outmax) __attribute__((warn_unused_result));
/*
 * Parses a vkey (split at the first two "+"; lower-case hex; type 0x01
 * or 0x04 with a 32-byte key; the key ID must match).  Returns 0,
 * TAFEL_EMALFORMED or TAFEL_ETOOBIG.
 */
int	tafel_note_vkey_parse(const char *s, size_t len,
	    struct tafel_note_key *k) __attribute__((warn_unused_result));

/*
 * Go's private key string (golang.org/x/mod/sumdb/note, not C2SP):
 * "PRIVATE+KEY+" name "+" hex8(key ID) "+" base64(0x01 || seed), seed
 * being the 32-byte crypto_sign_seed_keypair seed.  For moving keys to
 * and from Go tools.  The string is as secret as the seed.
 * encode: NUL terminated into out.  parse: fills k (type 0x01) and seed;
 * the caller wipes seed.  Return 0, TAFEL_EINVAL / TAFEL_EMALFORMED.
 */
int	tafel_note_skey_encode(const char *name, const uint8_t seed[32],
	    char *out, size_t outmax) __attribute__((warn_unused_result));
int	tafel_note_skey_parse(const char *s, size_t len,
	    struct tafel_note_key *k, uint8_t seed[32])
	    __attribute__((warn_unused_result));

/*
 * Signing.  k is the signer's public key (type 0x01 for notes, 0x04 for
 * cosignatures), sk its libsodium secret key (seed || pk; k->pk must be
 * its public half).  text is the whole note text: valid UTF-8, no control
 * character but "\n", ending in "\n".
 *
 * tafel_note_sign_line: one signature line "— name base64\n" into
 * line[0..*linelen), linemax >= TAFEL_NOTE_LINE_MAX is always enough.
 * tafel_note_sign: the whole note, text "\n" line, into out[0..*outlen).
 * tafel_cosig_sign_line: a cosignature line at time t over a checkpoint
 * text (which must parse as one).
 * Return 0, TAFEL_EINVAL (bad key, text or time; buffer too small).
 */
int	tafel_note_sign_line(const struct tafel_note_key *k,
	    const uint8_t sk[64], const uint8_t *text, size_t textlen,
	    uint8_t *line, size_t linemax, size_t *linelen)
	    __attribute__((warn_unused_result));
int	tafel_note_sign(const struct tafel_note_key *k, const uint8_t sk[64],
	    const uint8_t *text, size_t textlen, uint8_t *out, size_t outmax,
	    size_t *outlen) __attribute__((warn_unused_result));
int	tafel_cosig_sign_line(const struct tafel_note_key *k,
	    const uint8_t sk[64], uint64_t t, const uint8_t *text,
	    size_t textlen, uint8_t *line, size_t linemax, size_t *linelen)
	    __attribute__((warn_unused_result));

/* One signature line of a parsed note.  Pointers point into the note. */
struct tafel_note_sig {
	const char	*name;		/* not NUL terminated */
	size_t		 namelen;
	uint32_t	 id;
	const uint8_t	*line;		/* the whole line, with its "\n" */
	size_t		 linelen;
	size_t		 siglen;	/* bytes after the key ID */
	uint8_t		 sig[TAFEL_NOTE_SIG_MAX];	/* if siglen fits */
};

struct tafel_note {
	const uint8_t	*text;		/* the signed text, final "\n" incl. */
	size_t		 textlen;
	size_t		 nsigs;
	struct tafel_note_sig sigs[TAFEL_NOTE_MAX_SIGS];
};

/*
 * Strict parse of a signed note.  Refuses: over TAFEL_NOTE_MAX bytes or
 * TAFEL_NOTE_MAX_SIGS signatures (TAFEL_ETOOBIG); invalid UTF-8, control
 * characters, no "\n\n", no signature line, a line not of the form above,
 * a bad key name, non-canonical base64, a blob shorter than 5 bytes or
 * longer than TAFEL_NOTE_BLOB_MAX, two lines with the same key name and
 * ID (TAFEL_EMALFORMED).  buf must outlive *n.
 */
int	tafel_note_parse(const uint8_t *buf, size_t len, struct tafel_note *n)
	    __attribute__((warn_unused_result));

/* A key the caller trusts, and what verification found for it. */
struct tafel_note_verifier {
	struct tafel_note_key key;	/* in */
	bool		 verified;	/* out: its signature verified */
	uint64_t	 time;		/* out: the cosignature's time */
};

/*
 * Verifies n against the keys v[0..nv).  Signature lines whose (name,
 * key ID) match no key are ignored; every line that matches a key is
 * verified, and one that fails rejects the whole note.  Sets
 * v[i].verified (and v[i].time for type 0x04) and *nverified, the number
 * of keys that verified.  Returns 0 when at least one did; TAFEL_ESIG
 * when a known key's signature fails (a type 0x04 signature over a text
 * longer than TAFEL_CKPT_TEXT_MAX always fails); TAFEL_EPOLICY when no
 * signature is from a known key; TAFEL_EINVAL for a key in v[] whose ID
 * does not match its name, type and public key.  The caller applies its
 * policy (the log's key, a quorum of witnesses, no future times) to v[].
 */
int	tafel_note_verify(const struct tafel_note *n,
	    struct tafel_note_verifier *v, size_t nv, size_t *nverified)
	    __attribute__((warn_unused_result));

/* tlog-checkpoint: the text of a log's note. */
#define TAFEL_CKPT_TEXT_MAX	4096
#define TAFEL_CKPT_ORIGIN_MAX	255

struct tafel_checkpoint {
	char		 origin[TAFEL_CKPT_ORIGIN_MAX + 1];
	uint64_t	 size;		/* <= TAFEL_MERKLE_MAX_SIZE */
	uint8_t		 root[32];
	const uint8_t	*ext;		/* extension lines, each with "\n" */
	size_t		 extlen;	/* 0: none (ext is then ignored) */
};

/*
 * Checkpoint text into out[0..*outlen).  The origin is non-empty UTF-8
 * without control characters; ext lines, if any, are non-empty and end
 * in "\n".  Returns 0 or TAFEL_EINVAL.
 */
int	tafel_checkpoint_encode(const struct tafel_checkpoint *cp,
	    uint8_t *out, size_t outmax, size_t *outlen)
	    __attribute__((warn_unused_result));
/*
 * Strict parse of checkpoint text (a parsed note's text): origin, size
 * without leading zeros and at most 2^63 - 1, a 44-character base64 root,
 * non-empty extension lines, a final "\n".  cp->ext points into text.
 * Returns 0, TAFEL_EMALFORMED or TAFEL_ETOOBIG.
 */
int	tafel_checkpoint_parse(const uint8_t *text, size_t len,
	    struct tafel_checkpoint *cp) __attribute__((warn_unused_result));

/* tlog-proof. */
#define TAFEL_TLOG_PROOF_HEADER	"c2sp.org/tlog-proof@v1"
#define TAFEL_TLOG_PROOF_EXTRA_MAX 1024
#define TAFEL_TLOG_PROOF_MAX	(TAFEL_NOTE_MAX + 8192)

struct tafel_tlog_proof {
	bool		 has_extra;
	size_t		 extralen;
	uint8_t		 extra[TAFEL_TLOG_PROOF_EXTRA_MAX];
	uint64_t	 index;
	size_t		 nproof;
	uint8_t		 proof[TAFEL_MERKLE_MAX_PROOF][32];
	const uint8_t	*note;		/* the checkpoint note, verbatim */
	size_t		 notelen;
	struct tafel_note n;		/* note, parsed */
	struct tafel_checkpoint cp;	/* n.text, parsed */
};

/*
 * A tlog-proof into out[0..*outlen).  extra: NULL for no extra line.
 * note must parse as a signed checkpoint with index < its size.  Returns
 * 0 or TAFEL_EINVAL (also for a buffer too small).
 */
int	tafel_tlog_proof_encode(const uint8_t *extra, size_t extralen,
	    uint64_t index, const uint8_t (*proof)[32], size_t nproof,
	    const uint8_t *note, size_t notelen, uint8_t *out, size_t outmax,
	    size_t *outlen) __attribute__((warn_unused_result));
/*
 * Strict parse of a tlog-proof, its note and its checkpoint; refuses
 * more than TAFEL_MERKLE_MAX_PROOF hashes, extra data over
 * TAFEL_TLOG_PROOF_EXTRA_MAX bytes and index >= the checkpoint's size.
 * Signatures and the proof are not checked yet.  buf must outlive *p.
 * Returns 0, TAFEL_EMALFORMED or TAFEL_ETOOBIG.
 */
int	tafel_tlog_proof_parse(const uint8_t *buf, size_t len,
	    struct tafel_tlog_proof *p) __attribute__((warn_unused_result));
/*
 * tafel_note_verify on the checkpoint, then the inclusion of leaf_hash
 * at p->index under its root.  Returns 0 or the first failure; the
 * caller then applies its policy to v[] as for tafel_note_verify.
 */
int	tafel_tlog_proof_verify(const struct tafel_tlog_proof *p,
	    const uint8_t leaf_hash[32], struct tafel_note_verifier *v,
	    size_t nv, size_t *nverified) __attribute__((warn_unused_result));

#endif
