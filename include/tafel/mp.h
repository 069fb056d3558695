/*
 * Strict MessagePack for untrusted input, on top of msgpack-c.
 *
 * msgpack-c allocates on a container's declared count before it has seen
 * the elements, accepts trailing bytes and duplicate map keys.  Every
 * decoder in libtafel therefore goes through tafel_mp_decode(), which
 * first walks the bytes without allocating (tafel_mp_scan), then lets
 * msgpack-c build the tree, then requires exact consumption; and through
 * tafel_mp_fields(), which checks a map against an exact key set.  Large
 * inputs (export bundles) and canonical-only formats (audit entries) are
 * read instead with the reader (tafel_mpr_*), which builds no tree.
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
/* tafel_mp_check on every element of an array. */
bool	tafel_mp_check_all(const msgpack_object_array *a,
	    enum tafel_mp_type t, uint64_t min, uint64_t max);

/*
 * Copies a str object into dst (size dstsz) with a terminating NUL.
 * Returns 0, or TAFEL_ETOOBIG when it does not fit.
 */
int	tafel_mp_strcpy(char *dst, size_t dstsz, const msgpack_object *o)
	    __attribute__((warn_unused_result));

/* True when o is a str equal to s. */
bool	tafel_mp_streq(const msgpack_object *o, const char *s);

/*
 * Reader: walks MessagePack in the caller's buffer one object header at a
 * time, with no tree and no allocation, for inputs too large for a
 * msgpack_object tree (an export bundle holds millions of objects) and
 * for decoders that check canonical bytes as they read them.
 *
 * It reads what msgpack-c reads for the types our formats use and types
 * them as msgpack-c does: nil, bool, integers (a signed form holding a
 * value >= 0 is UINT, as msgpack-c makes it a positive integer), str,
 * bin, array and map.  It refuses 0xc1, ext, float, truncation, and a
 * container count larger than the bytes left could hold.  It does not
 * limit depth or count objects: run tafel_mp_scan first for that.
 *
 * A str or bin points into the buffer, which must outlive its use.
 */
enum tafel_mpr_type {
	TAFEL_MPR_NIL = 1,
	TAFEL_MPR_BOOL,
	TAFEL_MPR_UINT,
	TAFEL_MPR_NINT,		/* negative integer */
	TAFEL_MPR_STR,
	TAFEL_MPR_BIN,
	TAFEL_MPR_ARRAY,
	TAFEL_MPR_MAP
};

/* One object header. */
struct tafel_mpr_obj {
	enum tafel_mpr_type	 type;
	bool			 canon;	/* in its smallest form */
	uint64_t		 u;	/* UINT, BOOL: the value; STR, BIN:
					   the length; ARRAY, MAP: count */
	int64_t			 i;	/* NINT: the value */
	const uint8_t		*ptr;	/* STR, BIN: the bytes */
	size_t			 off;	/* where the header starts */
};

struct tafel_mpr {
	const uint8_t	*buf;
	size_t		 len;
	size_t		 off;		/* the next header */
	bool		 canon;		/* typed reads refuse larger forms */
};

void	tafel_mpr_init(struct tafel_mpr *r, const uint8_t *buf, size_t len);
/*
 * Reads the next header into *o and moves past it: past the bytes of a
 * str or bin, to the first element of an array or map.  Returns 0 or
 * TAFEL_EMALFORMED (and then the reader does not move).
 */
int	tafel_mpr_next(struct tafel_mpr *r, struct tafel_mpr_obj *o)
	    __attribute__((warn_unused_result));
/* Skips one whole object, with what it contains.  0 or TAFEL_EMALFORMED. */
int	tafel_mpr_skip(struct tafel_mpr *r)
	    __attribute__((warn_unused_result));
/*
 * Typed reads: the next object must be of that type (and, when r->canon
 * is set, in its smallest form, as tafel_mpw writes it), or they return
 * TAFEL_EMALFORMED and the reader does not move.  str and bin set a
 * pointer into the buffer and the length; array and map the count, and
 * the reader is then at the first element.
 */
int	tafel_mpr_uint(struct tafel_mpr *r, uint64_t *v)
	    __attribute__((warn_unused_result));
int	tafel_mpr_str(struct tafel_mpr *r, const uint8_t **s, size_t *n)
	    __attribute__((warn_unused_result));
int	tafel_mpr_bin(struct tafel_mpr *r, const uint8_t **s, size_t *n)
	    __attribute__((warn_unused_result));
int	tafel_mpr_array(struct tafel_mpr *r, size_t *n)
	    __attribute__((warn_unused_result));
int	tafel_mpr_map(struct tafel_mpr *r, size_t *n)
	    __attribute__((warn_unused_result));
/* True when the reader is exactly at the end of the buffer. */
bool	tafel_mpr_done(const struct tafel_mpr *r);

/* tafel_mp_check on a header read by the reader. */
bool	tafel_mpr_check(const struct tafel_mpr_obj *o, enum tafel_mp_type t,
	    uint64_t min, uint64_t max);

/* A field of tafel_mpr_fields(). */
struct tafel_mpr_field {
	const char		*key;
	enum tafel_mp_type	 type;
	uint64_t		 min;
	uint64_t		 max;
	bool			 optional;
	bool			 seen;	/* out */
	struct tafel_mpr_obj	 obj;	/* out: the value's header */
};

/*
 * tafel_mp_fields on the map at the reader: the same keys, types and
 * ranges are accepted and refused, in any order.  Only a value's header
 * is checked (an array's count, not its elements); the reader skips each
 * value and ends after the map.  To read an array or map value, start a
 * reader at f[i].obj.off.  Returns 0 or TAFEL_EMALFORMED.
 */
int	tafel_mpr_fields(struct tafel_mpr *r, struct tafel_mpr_field *f,
	    size_t n) __attribute__((warn_unused_result));

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
