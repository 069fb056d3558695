/*
 * Merkle hash trees of RFC 6962 / RFC 9162 with SHA-256, for the signed
 * exchange log.
 *
 *   leaf hash   SHA-256(0x00 || leaf bytes)
 *   node hash   SHA-256(0x01 || left || right)
 *   MTH({})     SHA-256() (the empty string)
 *   MTH(D[n])   node(MTH(D[0:k]), MTH(D[k:n])), k the largest power of
 *               two smaller than n; the tree is never padded.
 *
 * Stored nodes.  Node (level, index) is the root of the perfect subtree
 * of 2^level leaves that starts at leaf index * 2^level; level 0 holds
 * the leaf hashes.  A log of n leaves has every node with
 * (index + 1) * 2^level <= n, and never changes one once written, so a
 * store keyed by (level, index) is append-only.  Roots and proofs for any
 * size up to n are computed from O(log n) of these nodes (one per set bit
 * of the size for a root, at most 3 * 63 for a proof); the caller
 * provides them through a callback:
 *
 *   int get_node(void *arg, unsigned level, uint64_t index,
 *       uint8_t out[32]);
 *
 * which returns 0 with out filled, or a negative TAFEL_E* code that is
 * passed back to the caller unchanged (a positive value is turned into
 * TAFEL_EINVAL).  The functions here only ask for nodes that must exist
 * for the size they are given.
 *
 * Sizes and indices are uint64_t, at most TAFEL_MERKLE_MAX_SIZE (2^63 - 1,
 * the limit of Sigsum and tlog-cosignature).  Proofs are arrays of 32-byte
 * hashes, element 0 the deepest (for inclusion: the leaf's sibling), at
 * most TAFEL_MERKLE_MAX_PROOF of them.
 */
#ifndef TAFEL_MERKLE_H
#define TAFEL_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#include "tafel.h"

#define TAFEL_MERKLE_HASH_BYTES	32
#define TAFEL_MERKLE_MAX_PROOF	64
#define TAFEL_MERKLE_MAX_LEVELS	64
#define TAFEL_MERKLE_MAX_SIZE	((uint64_t)INT64_MAX)

/* SHA-256(0x00 || leaf).  Never fails. */
void	tafel_merkle_leaf_hash(const uint8_t *leaf, size_t len,
	    uint8_t out[32]);
/* SHA-256(0x01 || left || right).  out may alias left or right. */
void	tafel_merkle_node_hash(const uint8_t left[32],
	    const uint8_t right[32], uint8_t out[32]);
/* MTH of the empty tree, SHA-256 of the empty string. */
void	tafel_merkle_empty_root(uint8_t out[32]);

/*
 * Verifies that leaf_hash is leaf index of the tree of size leaves whose
 * root is root, with the algorithm of RFC 9162 section 2.1.3.2.  Returns
 * 0; TAFEL_EMALFORMED when index >= size, size > TAFEL_MERKLE_MAX_SIZE or
 * the proof has the wrong length for (index, size); TAFEL_ETOOBIG when
 * nproof > TAFEL_MERKLE_MAX_PROOF; TAFEL_ESIG when the hashes do not
 * lead to root.
 */
int	tafel_merkle_verify_inclusion(uint64_t index, uint64_t size,
	    const uint8_t leaf_hash[32], const uint8_t (*proof)[32],
	    size_t nproof, const uint8_t root[32])
	    __attribute__((warn_unused_result));

/*
 * Verifies that the tree of size2 leaves with root root2 extends the tree
 * of size1 leaves with root root1, with the algorithm of RFC 9162 section
 * 2.1.4.2.  size1 == size2 passes only with an empty proof and equal
 * roots.  size1 == 0 is always refused (nothing to prove: a protocol that
 * accepts an old size of 0 handles it itself, and checks that a size-0
 * root is the empty root).  Returns 0; TAFEL_EMALFORMED when size1 == 0,
 * size1 > size2, size2 > TAFEL_MERKLE_MAX_SIZE or the proof has the wrong
 * length; TAFEL_ETOOBIG when nproof > TAFEL_MERKLE_MAX_PROOF; TAFEL_ESIG
 * when the hashes do not match (for size1 == size2: the roots differ).
 */
int	tafel_merkle_verify_consistency(uint64_t size1, uint64_t size2,
	    const uint8_t root1[32], const uint8_t root2[32],
	    const uint8_t (*proof)[32], size_t nproof)
	    __attribute__((warn_unused_result));

/*
 * Root of the tree of size leaves from stored nodes: one node per set bit
 * of size, at most 64 calls of get_node.  size 0 gives the empty root
 * without any call.  Returns 0, TAFEL_EINVAL (size too large) or the
 * callback's error.
 */
int	tafel_merkle_root(uint64_t size,
	    int (*get_node)(void *, unsigned, uint64_t, uint8_t [32]),
	    void *arg, uint8_t out[32]) __attribute__((warn_unused_result));

/*
 * Inclusion proof (RFC 6962 PATH(index, D[size])) into
 * proof[0..*nproof).  Returns 0, TAFEL_EINVAL (index >= size, size too
 * large) or the callback's error.
 */
int	tafel_merkle_prove_inclusion(uint64_t index, uint64_t size,
	    int (*get_node)(void *, unsigned, uint64_t, uint8_t [32]),
	    void *arg, uint8_t proof[TAFEL_MERKLE_MAX_PROOF][32],
	    size_t *nproof) __attribute__((warn_unused_result));

/*
 * Consistency proof (RFC 6962 PROOF(size1, D[size2])) into
 * proof[0..*nproof), empty when size1 == size2.  Returns 0, TAFEL_EINVAL
 * (size1 == 0, size1 > size2, size2 too large) or the callback's error.
 */
int	tafel_merkle_prove_consistency(uint64_t size1, uint64_t size2,
	    int (*get_node)(void *, unsigned, uint64_t, uint8_t [32]),
	    void *arg, uint8_t proof[TAFEL_MERKLE_MAX_PROOF][32],
	    size_t *nproof) __attribute__((warn_unused_result));

/*
 * Appending: the nodes that become complete when leaf number size (the
 * tree grows from size to size + 1 leaves) is appended.  They are
 * (0, size) = leaf_hash, then (l, size >> l) for l = 1 .. the number of
 * trailing one bits of size; each needs its left sibling, asked from
 * get_node (the nodes that already exist for size leaves).  out[0..*nout)
 * receives them in that order, at most TAFEL_MERKLE_MAX_LEVELS; the
 * caller stores all of them, in the same transaction as the leaf.
 * Returns 0, TAFEL_EINVAL (size already TAFEL_MERKLE_MAX_SIZE) or the
 * callback's error.
 */
struct tafel_merkle_node {
	unsigned	level;
	uint64_t	index;
	uint8_t		hash[32];
};

int	tafel_merkle_append(uint64_t size, const uint8_t leaf_hash[32],
	    int (*get_node)(void *, unsigned, uint64_t, uint8_t [32]),
	    void *arg, struct tafel_merkle_node out[TAFEL_MERKLE_MAX_LEVELS],
	    size_t *nout) __attribute__((warn_unused_result));

/*
 * A frontier (compact range): the roots of the perfect subtrees that make
 * up a tree of size leaves, one per set bit of size, in 2 KiB and without
 * storage.  For an auditor that recomputes every root of an exported log
 * from its leaves, or a daemon that checks a stored root.
 *   hash[l] is the node of level l when bit l of size is set.
 */
struct tafel_merkle_frontier {
	uint64_t	size;
	uint8_t		hash[TAFEL_MERKLE_MAX_LEVELS][32];
};

void	tafel_merkle_frontier_init(struct tafel_merkle_frontier *f);
/* Adds one leaf hash.  Returns 0 or TAFEL_EINVAL (the tree is full). */
int	tafel_merkle_frontier_append(struct tafel_merkle_frontier *f,
	    const uint8_t leaf_hash[32]) __attribute__((warn_unused_result));
/* Root of the f->size leaves appended so far (the empty root for 0). */
void	tafel_merkle_frontier_root(const struct tafel_merkle_frontier *f,
	    uint8_t out[32]);

#endif
