/*
 * libFuzzer harness: proof verification on arbitrary indices, sizes,
 * hashes and proof lengths; then a differential check on a tree built
 * from the input: stored-node roots equal the frontier's, generated
 * proofs verify, and a proof with one bit flipped never does.
 *
 * Input: index[8] size[8] nproof[1] hashes... for the raw part; the
 * same bytes give the tree size, the indices, the flipped bit and the
 * leaves of the differential part.
 */
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tafel/merkle.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define MAXN	256

struct store {
	uint64_t	size;
	uint8_t		node[9][MAXN][32];
};

static int
store_get(void *arg, unsigned level, uint64_t index, uint8_t out[32])
{
	struct store *st = arg;

	if (level >= 9 || index >= MAXN || ((index + 1) << level) > st->size)
		abort();	/* asked for a node that cannot exist */
	memcpy(out, st->node[level][index], 32);
	return 0;
}

static uint64_t
be64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static void
raw(const uint8_t *buf, size_t len)
{
	static uint8_t h[TAFEL_MERKLE_MAX_PROOF + 8][32];
	uint64_t a, b;
	size_t np, k;

	if (len < 17)
		return;
	a = be64(buf);
	b = be64(buf + 8);
	np = buf[16] % (TAFEL_MERKLE_MAX_PROOF + 3);
	memset(h, 0, sizeof(h));
	k = len - 17 < sizeof(h) ? len - 17 : sizeof(h);
	memcpy(h, buf + 17, k);
	/* h[0], h[1]: leaf / roots; the proof follows. */
	(void)tafel_merkle_verify_inclusion(a, b, h[0],
	    (const uint8_t (*)[32])h + 2, np, h[1]);
	(void)tafel_merkle_verify_consistency(a, b, h[0], h[1],
	    (const uint8_t (*)[32])h + 2, np);
	(void)tafel_merkle_verify_inclusion(a & 0xff, b & 0xff, h[0],
	    (const uint8_t (*)[32])h + 2, np % 9, h[1]);
	(void)tafel_merkle_verify_consistency(a & 0xff, b & 0xff, h[0], h[1],
	    (const uint8_t (*)[32])h + 2, np % 9);
}

static void
differential(const uint8_t *buf, size_t len)
{
	static struct store st;
	struct tafel_merkle_frontier f;
	struct tafel_merkle_node nodes[TAFEL_MERKLE_MAX_LEVELS];
	uint8_t p[TAFEL_MERKLE_MAX_PROOF][32], lh[32], r1[32], r2[32];
	uint8_t fr[32];
	size_t nn, np, i, off = 4, bit;
	uint64_t n, m, idx;
	int rc;

	if (len < 4)
		return;
	n = 1 + buf[0] % MAXN;
	m = 1 + buf[1] % n;
	idx = buf[2] % n;
	st.size = 0;
	tafel_merkle_frontier_init(&f);
	for (i = 0; i < n; i++) {
		size_t k = off < len ? (buf[off] & 7) : 0;

		if (off + 1 + k > len)
			k = 0;
		tafel_merkle_leaf_hash(buf + (off < len ? off + 1 : 0), k, lh);
		if (off < len)
			off += 1 + k;
		if (tafel_merkle_append(st.size, lh, store_get, &st, nodes,
		    &nn) != 0)
			abort();
		while (nn-- > 0)
			memcpy(st.node[nodes[nn].level][nodes[nn].index],
			    nodes[nn].hash, 32);
		st.size++;
		if (tafel_merkle_frontier_append(&f, lh) != 0)
			abort();
	}
	if (tafel_merkle_root(n, store_get, &st, r2) != 0 ||
	    tafel_merkle_root(m, store_get, &st, r1) != 0)
		abort();
	tafel_merkle_frontier_root(&f, fr);
	if (memcmp(fr, r2, 32) != 0)
		abort();
	bit = buf[3];

	if (tafel_merkle_prove_inclusion(idx, n, store_get, &st, p, &np) != 0 ||
	    tafel_merkle_verify_inclusion(idx, n, st.node[0][idx],
	    (const uint8_t (*)[32])p, np, r2) != 0)
		abort();
	if (np > 0) {
		p[bit % np][(bit / 8) % 32] ^= 1 << (bit % 8);
		if (tafel_merkle_verify_inclusion(idx, n, st.node[0][idx],
		    (const uint8_t (*)[32])p, np, r2) == 0)
			abort();
	}
	if (tafel_merkle_prove_consistency(m, n, store_get, &st, p, &np) != 0)
		abort();
	rc = tafel_merkle_verify_consistency(m, n, r1, r2,
	    (const uint8_t (*)[32])p, np);
	if (rc != 0)
		abort();
	if (np > 0) {
		p[bit % np][(bit / 8) % 32] ^= 1 << (bit % 8);
		if (tafel_merkle_verify_consistency(m, n, r1, r2,
		    (const uint8_t (*)[32])p, np) == 0)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *buf, size_t len)
{
	raw(buf, len);
	differential(buf, len);
	return 0;
}
