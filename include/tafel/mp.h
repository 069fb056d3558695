/*
 * Strict MessagePack for untrusted input, on top of msgpack-c.
 *
 * msgpack-c allocates on a container's declared count before it has seen
 * the elements, accepts trailing bytes and duplicate map keys.  Every
 * decoder in libtafel therefore goes through tafel_mp_decode(), which
 * first walks the bytes without allocating (tafel_mp_scan), then lets
 * msgpack-c build the tree, then requires exact consumption; and through
 * tafel_mp_fields(), which checks a map against an exact key set.
 *
 * Encoders write one canonical form: keys in the order the schema lists
 * them and the smallest integer forms (msgpack-c does the latter).
 */
#ifndef TAFEL_MP_H
#define TAFEL_MP_H

#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Walks buf without allocating.  Refuses: the reserved byte 0xc1, ext,
 * float, an array count larger than the bytes left, a map count larger
 * than half the bytes left, a str/bin longer than the bytes left, nesting
 * deeper than maxdepth, more than maxitems objects in all, and anything
 * that does not end exactly at len.  Returns 0 or TAFEL_EMALFORMED /
 * TAFEL_ETOOBIG.
 */
int	tafel_mp_scan(const uint8_t *buf, size_t len, unsigned maxdepth,
	    size_t maxitems) __attribute__((warn_unused_result));

/*
 * tafel_mp_scan, then msgpack_unpack_next with exact consumption.  On
 * success *u holds the tree; the caller destroys it with
 * msgpack_unpacked_destroy().  str and bin objects point into buf, so buf
 * must outlive every use of them.  On failure *u is already destroyed.
 */
int	tafel_mp_decode(msgpack_unpacked *u, const uint8_t *buf, size_t len,
	    unsigned maxdepth) __attribute__((warn_unused_result));

/* Field types for tafel_mp_fields(). */
enum tafel_mp_type {
	TAFEL_MP_UINT,		/* positive integer, value in [min, max] */
	TAFEL_MP_ID,		/* str: [a-z0-9][a-z0-9-]*, length in [min, max] */
	TAFEL_MP_STR,		/* str: UTF-8 without control characters */
	TAFEL_MP_TEXT,		/* str: UTF-8, allows \t \n; no other controls */
	TAFEL_MP_BIN,		/* bin, length in [min, max] */
	TAFEL_MP_ARRAY,		/* array, count in [min, max] */
	TAFEL_MP_MAP,		/* map, count in [min, max] */
	TAFEL_MP_BOOL
};

struct tafel_mp_field {
	const char		*key;
	enum tafel_mp_type	 type;
	uint64_t		 min;
	uint64_t		 max;
	bool			 optional;
	const msgpack_object	*obj;	/* out: the value, or NULL if absent */
};

/*
 * Checks that map is a MAP whose keys are str, unique, each one of the
 * keys in f[0..n), every non-optional key present, and every value of the
 * listed type and range.  Sets f[i].obj.  Returns 0 or TAFEL_EMALFORMED.
 */
int	tafel_mp_fields(const msgpack_object *map, struct tafel_mp_field *f,
	    size_t n) __attribute__((warn_unused_result));

/* Checks one object against a type and range as tafel_mp_fields does. */
bool	tafel_mp_check(const msgpack_object *o, enum tafel_mp_type t,
	    uint64_t min, uint64_t max);

/*
 * Copies a str object into dst (size dstsz) with a terminating NUL.
 * Returns 0, or TAFEL_ETOOBIG when it does not fit.
 */
int	tafel_mp_strcpy(char *dst, size_t dstsz, const msgpack_object *o)
	    __attribute__((warn_unused_result));

/* True when o is a str equal to s. */
bool	tafel_mp_streq(const msgpack_object *o, const char *s);

/*
 * Writer: a msgpack_sbuffer and packer with a sticky error, so that a
 * sequence of calls needs one check at the end.
 */
struct tafel_mpw {
	msgpack_sbuffer	sb;
	msgpack_packer	pk;
	int		err;
};

void	tafel_mpw_init(struct tafel_mpw *);
void	tafel_mpw_map(struct tafel_mpw *, size_t);
void	tafel_mpw_array(struct tafel_mpw *, size_t);
void	tafel_mpw_str(struct tafel_mpw *, const char *);
void	tafel_mpw_strn(struct tafel_mpw *, const char *, size_t);
void	tafel_mpw_bin(struct tafel_mpw *, const void *, size_t);
void	tafel_mpw_uint(struct tafel_mpw *, uint64_t);
void	tafel_mpw_bool(struct tafel_mpw *, bool);
void	tafel_mpw_nil(struct tafel_mpw *);
/* Appends bytes that are already one encoded msgpack object. */
void	tafel_mpw_raw(struct tafel_mpw *, const void *, size_t);
/*
 * Ends writing.  On success the caller owns *out (free(3)) of *outlen
 * bytes and returns 0; otherwise returns TAFEL_ENOMEM.  Either way the
 * writer is reset.
 */
int	tafel_mpw_finish(struct tafel_mpw *, uint8_t **out, size_t *outlen)
	    __attribute__((warn_unused_result));
void	tafel_mpw_free(struct tafel_mpw *);

#endif
