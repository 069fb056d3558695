/*
 * RFC 6962 / RFC 9162 Merkle trees: hashes, proofs from stored nodes,
 * proof verification, appending.  See include/tafel/merkle.h.
 */
#include <sodium.h>
#include <string.h>

#include "tafel/merkle.h"
#include "tafel/tafel.h"

void
tafel_merkle_leaf_hash(const uint8_t *leaf, size_t len, uint8_t out[32])
{
	crypto_hash_sha256_state st;
	static const uint8_t prefix = 0x00;

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, &prefix, 1);
	if (len > 0)
		crypto_hash_sha256_update(&st, leaf, len);
	crypto_hash_sha256_final(&st, out);
}

void
tafel_merkle_node_hash(const uint8_t left[32], const uint8_t right[32],
    uint8_t out[32])
{
	crypto_hash_sha256_state st;
	static const uint8_t prefix = 0x01;

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, &prefix, 1);
	crypto_hash_sha256_update(&st, left, 32);
	crypto_hash_sha256_update(&st, right, 32);
	crypto_hash_sha256_final(&st, out);
}

void
tafel_merkle_empty_root(uint8_t out[32])
{
	crypto_hash_sha256(out, NULL, 0);
}

/* Largest power of two strictly smaller than n, for n >= 2. */
static uint64_t
split_point(uint64_t n)
{
	return (uint64_t)1 << (63 - __builtin_clzll(n - 1));
}

/* log2 of a power of two. */
static unsigned
log2_exact(uint64_t k)
{
	return (unsigned)__builtin_ctzll(k);
}

static int
get(int (*get_node)(void *, unsigned, uint64_t, uint8_t [32]), void *arg,
    unsigned level, uint64_t index, uint8_t out[32])
{
	int rc;

	if ((rc = get_node(arg, level, index, out)) == 0)
		return 0;
	return rc < 0 ? rc : TAFEL_EINVAL;
}

/*
 * MTH(D[start:start+n]) for n >= 1, where start is a multiple of the
 * highest power of two in n (true of every range that RFC 6962's
 * recursion visits).  The range splits into one perfect subtree per set
 * bit of n, largest first; folding them from the right gives the MTH.
 */
static int
range_hash(uint64_t start, uint64_t n,
    int (*get_node)(void *, unsigned, uint64_t, uint8_t [32]), void *arg,
    uint8_t out[32])
{
	uint8_t h[32];
	unsigned b;
	int rc, have = 0;

	for (b = 0; b < 64; b++) {
		uint64_t off;

		if (((n >> b) & 1) == 0)
			continue;
		/* Offset of this chunk: start plus the higher chunks. */
		off = start + (b == 63 ? 0 : (n >> (b + 1)) << (b + 1));
		if ((rc = get(get_node, arg, b, off >> b, h)) != 0)
			return rc;
		if (have)
			tafel_merkle_node_hash(h, out, out);
		else
			memcpy(out, h, 32);
		have = 1;
	}
	return 0;
}

int
tafel_merkle_root(uint64_t size,
    int (*get_node)(void *, unsigned, uint64_t, uint8_t [32]), void *arg,
    uint8_t out[32])
{
	if (size > TAFEL_MERKLE_MAX_SIZE)
		return TAFEL_EINVAL;
	if (size == 0) {
		tafel_merkle_empty_root(out);
		return 0;
	}
	return range_hash(0, size, get_node, arg, out);
}

/* Reverses the n hashes of p: proofs are built from the top down. */
static void
reverse(uint8_t p[][32], size_t n)
{
	uint8_t t[32];
	size_t i;

	for (i = 0; i < n / 2; i++) {
		memcpy(t, p[i], 32);
		memcpy(p[i], p[n - 1 - i], 32);
		memcpy(p[n - 1 - i], t, 32);
	}
}

int
tafel_merkle_prove_inclusion(uint64_t index, uint64_t size,
    int (*get_node)(void *, unsigned, uint64_t, uint8_t [32]), void *arg,
    uint8_t proof[TAFEL_MERKLE_MAX_PROOF][32], size_t *nproof)
{
	uint64_t s = 0, n = size, k;
	size_t cnt = 0;
	int rc;

	*nproof = 0;
	if (size > TAFEL_MERKLE_MAX_SIZE || index >= size)
		return TAFEL_EINVAL;
	/* PATH(m, D[s:s+n]) from the top; cnt <= 63 as size < 2^63. */
	while (n > 1) {
		k = split_point(n);
		if (index < s + k) {
			rc = range_hash(s + k, n - k, get_node, arg,
			    proof[cnt]);
			n = k;
		} else {
			rc = get(get_node, arg, log2_exact(k),
			    s >> log2_exact(k), proof[cnt]);
			s += k;
			n -= k;
		}
		if (rc != 0)
			return rc;
		cnt++;
	}
	reverse(proof, cnt);
	*nproof = cnt;
	return 0;
}

int
tafel_merkle_prove_consistency(uint64_t size1, uint64_t size2,
    int (*get_node)(void *, unsigned, uint64_t, uint8_t [32]), void *arg,
    uint8_t proof[TAFEL_MERKLE_MAX_PROOF][32], size_t *nproof)
{
	uint64_t s = 0, n = size2, m = size1, k;
	size_t cnt = 0;
	int rc, whole = 1;

	*nproof = 0;
	if (size1 == 0 || size1 > size2 || size2 > TAFEL_MERKLE_MAX_SIZE)
		return TAFEL_EINVAL;
	/* SUBPROOF(m, D[s:s+n], whole) from the top. */
	while (m != n) {
		k = split_point(n);
		if (m <= k) {
			rc = range_hash(s + k, n - k, get_node, arg,
			    proof[cnt]);
			n = k;
		} else {
			rc = get(get_node, arg, log2_exact(k),
			    s >> log2_exact(k), proof[cnt]);
			s += k;
			n -= k;
			m -= k;
			whole = 0;
		}
		if (rc != 0)
			return rc;
		cnt++;
	}
	if (!whole) {
		if ((rc = range_hash(s, n, get_node, arg, proof[cnt])) != 0)
			return rc;
		cnt++;
	}
	reverse(proof, cnt);
	*nproof = cnt;
	return 0;
}

int
tafel_merkle_verify_inclusion(uint64_t index, uint64_t size,
    const uint8_t leaf_hash[32], const uint8_t (*proof)[32], size_t nproof,
    const uint8_t root[32])
{
	uint64_t fn, sn;
	uint8_t r[32];
	size_t i;

	if (nproof > TAFEL_MERKLE_MAX_PROOF)
		return TAFEL_ETOOBIG;
	/* 1. */
	if (size > TAFEL_MERKLE_MAX_SIZE || index >= size)
		return TAFEL_EMALFORMED;
	/* 2., 3. */
	fn = index;
	sn = size - 1;
	memcpy(r, leaf_hash, 32);
	/* 4. */
	for (i = 0; i < nproof; i++) {
		if (sn == 0)
			return TAFEL_EMALFORMED;	/* a. */
		if ((fn & 1) != 0 || fn == sn) {	/* b. */
			tafel_merkle_node_hash(proof[i], r, r);
			while ((fn & 1) == 0 && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else
			tafel_merkle_node_hash(r, proof[i], r);
		fn >>= 1;				/* c. */
		sn >>= 1;
	}
	/* 5. */
	if (sn != 0)
		return TAFEL_EMALFORMED;
	return sodium_memcmp(r, root, 32) == 0 ? 0 : TAFEL_ESIG;
}

int
tafel_merkle_verify_consistency(uint64_t size1, uint64_t size2,
    const uint8_t root1[32], const uint8_t root2[32],
    const uint8_t (*proof)[32], size_t nproof)
{
	const uint8_t *c;
	uint64_t fn, sn;
	uint8_t fr[32], sr[32];
	size_t i, first;

	if (nproof > TAFEL_MERKLE_MAX_PROOF)
		return TAFEL_ETOOBIG;
	if (size1 == 0 || size1 > size2 || size2 > TAFEL_MERKLE_MAX_SIZE)
		return TAFEL_EMALFORMED;
	if (size1 == size2) {
		if (nproof != 0)
			return TAFEL_EMALFORMED;
		return sodium_memcmp(root1, root2, 32) == 0 ? 0 : TAFEL_ESIG;
	}
	/* 1. */
	if (nproof == 0)
		return TAFEL_EMALFORMED;
	/* 2.: a power of two is itself a node of the new tree. */
	if ((size1 & (size1 - 1)) == 0) {
		c = root1;
		first = 0;
	} else {
		c = proof[0];
		first = 1;
	}
	/* 3., 4. */
	fn = size1 - 1;
	sn = size2 - 1;
	while ((fn & 1) != 0) {
		fn >>= 1;
		sn >>= 1;
	}
	/* 5. */
	memcpy(fr, c, 32);
	memcpy(sr, c, 32);
	/* 6. */
	for (i = first; i < nproof; i++) {
		c = proof[i];
		if (sn == 0)
			return TAFEL_EMALFORMED;	/* a. */
		if ((fn & 1) != 0 || fn == sn) {	/* b. */
			tafel_merkle_node_hash(c, fr, fr);
			tafel_merkle_node_hash(c, sr, sr);
			while ((fn & 1) == 0 && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else
			tafel_merkle_node_hash(sr, c, sr);
		fn >>= 1;				/* c. */
		sn >>= 1;
	}
	/* 7. */
	if (sn != 0)
		return TAFEL_EMALFORMED;
	if (sodium_memcmp(fr, root1, 32) != 0 ||
	    sodium_memcmp(sr, root2, 32) != 0)
		return TAFEL_ESIG;
	return 0;
}

int
tafel_merkle_append(uint64_t size, const uint8_t leaf_hash[32],
    int (*get_node)(void *, unsigned, uint64_t, uint8_t [32]), void *arg,
    struct tafel_merkle_node out[TAFEL_MERKLE_MAX_LEVELS], size_t *nout)
{
	uint8_t left[32];
	uint64_t n = size;
	unsigned l = 0;
	size_t cnt = 0;
	int rc;

	*nout = 0;
	if (size >= TAFEL_MERKLE_MAX_SIZE)
		return TAFEL_EINVAL;
	out[cnt].level = 0;
	out[cnt].index = size;
	memcpy(out[cnt].hash, leaf_hash, 32);
	cnt++;
	/* A right child completes its parent; n < 2^63 bounds cnt by 63. */
	while ((n & 1) != 0) {
		if ((rc = get(get_node, arg, l, n - 1, left)) != 0)
			return rc;
		tafel_merkle_node_hash(left, out[cnt - 1].hash, out[cnt].hash);
		n >>= 1;
		l++;
		out[cnt].level = l;
		out[cnt].index = n;
		cnt++;
	}
	*nout = cnt;
	return 0;
}

void
tafel_merkle_frontier_init(struct tafel_merkle_frontier *f)
{
	memset(f, 0, sizeof(*f));
}

int
tafel_merkle_frontier_append(struct tafel_merkle_frontier *f,
    const uint8_t leaf_hash[32])
{
	uint8_t r[32];
	uint64_t n = f->size;
	unsigned l = 0;

	if (f->size >= TAFEL_MERKLE_MAX_SIZE)
		return TAFEL_EINVAL;
	memcpy(r, leaf_hash, 32);
	while ((n & 1) != 0) {
		tafel_merkle_node_hash(f->hash[l], r, r);
		n >>= 1;
		l++;
	}
	memcpy(f->hash[l], r, 32);
	f->size++;
	return 0;
}

void
tafel_merkle_frontier_root(const struct tafel_merkle_frontier *f,
    uint8_t out[32])
{
	unsigned b;
	int have = 0;

	for (b = 0; b < TAFEL_MERKLE_MAX_LEVELS; b++) {
		if (((f->size >> b) & 1) == 0)
			continue;
		if (have)
			tafel_merkle_node_hash(f->hash[b], out, out);
		else
			memcpy(out, f->hash[b], 32);
		have = 1;
	}
	if (!have)
		tafel_merkle_empty_root(out);
}
