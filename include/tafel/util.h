/*
 * Small helpers shared by daemon and client: identifier checks, hex,
 * fingerprints for a phone check, and the text armour that wraps binary
 * documents (member cards, table documents) so they survive e-mail.
 */
#ifndef TAFEL_UTIL_H
#define TAFEL_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* True when s is an org or table id: [a-z0-9][a-z0-9-]{0,62}. */
bool	tafel_id_valid(const char *s);
/* The same for a counted string (not NUL terminated). */
bool	tafel_id_validn(const char *s, size_t n);

/* Lower-case hex of bin into hex (size 2*len+1).  Never fails. */
void	tafel_hex(char *hex, const uint8_t *bin, size_t len);
/* Exactly 2*len hex digits into bin.  Returns 0 or TAFEL_EMALFORMED. */
int	tafel_unhex(uint8_t *bin, size_t len, const char *hex)
	    __attribute__((warn_unused_result));

/*
 * Fingerprint of a 32-byte hash, for reading aloud over the phone: six
 * groups of five decimal digits separated by single spaces (35
 * characters).  Group i (0..5) is the big-endian 40-bit integer of hash
 * bytes 5i..5i+4, modulo 100000, written with leading zeros.  This is the
 * "safety number" style of Signal; it keeps about 99 bits of the hash.
 */
#define TAFEL_FPR_LEN	35
void	tafel_fingerprint(char out[TAFEL_FPR_LEN + 1],
	    const uint8_t hash[32]);

/*
 * Armour: a text block that carries a binary document.
 *
 *   -----BEGIN TAFEL <LABEL>-----
 *   <comment lines, "Key: value">
 *   <blank line>
 *   <base64 (standard, padded) of the bytes, 64 columns>
 *   -----END TAFEL <LABEL>-----
 *
 * The comment lines are for people; tafel_armor_decode returns them so
 * that the caller can regenerate them from the decoded document and
 * refuse a block whose comments were edited.
 *
 * tafel_armor_encode: caller owns *out (free(3)), a NUL-terminated text.
 * comments may be NULL; otherwise it is "Key: value\n" lines.
 */
int	tafel_armor_encode(const char *label, const char *comments,
	    const uint8_t *bin, size_t len, char **out)
	    __attribute__((warn_unused_result));

/*
 * Decodes an armoured block of exactly the given label.  CRLF line ends
 * are accepted; text before BEGIN or after END is refused.  On success
 * the caller owns *bin (free(3)) and *comments (free(3), may be "").
 * Returns 0, TAFEL_EMALFORMED or TAFEL_ETOOBIG (over maxlen bytes).
 */
int	tafel_armor_decode(const char *label, const char *text, size_t textlen,
	    size_t maxlen, uint8_t **bin, size_t *len, char **comments)
	    __attribute__((warn_unused_result));

/* Seconds since the epoch as YYYY-MM-DD (UTC).  buf of at least 11. */
void	tafel_date(char buf[11], uint64_t t);
/* YYYY-MM-DD (UTC midnight) to seconds.  Returns 0 or TAFEL_EMALFORMED. */
int	tafel_parse_date(const char *s, uint64_t *t)
	    __attribute__((warn_unused_result));

#endif
