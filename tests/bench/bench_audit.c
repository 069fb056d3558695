/*
 * bench_audit: the exchange log at 1,000,000 entries (make bench).
 *
 *   bench_audit TMPDIR [N]
 *
 * Until the daemon's audit module is on main, this measures what it is
 * built from, with the same storage discipline the design asks for:
 *   - append: N entries of about 200 bytes of MessagePack, each leaf
 *     stored with the Merkle nodes it completes (tafel_merkle_append,
 *     nodes keyed by level and index), 1,000 entries per durable LMDB
 *     transaction;
 *   - proof: an inclusion proof for one entry at size N from the stored
 *     nodes (tafel_merkle_prove_inclusion), and its verification;
 *   - recompute: every leaf read back in order, hashed and folded into a
 *     frontier, the root compared with the stored one: the work an
 *     offline verifier cannot avoid (the floor of `tafel audit verify`).
 * Prints "key value" lines (blk_*) for tests/bench/run.sh.
 */
#include <sys/stat.h>

#include <errno.h>
#include <lmdb.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tafel/merkle.h"
#include "tafel/mp.h"

#define BATCH		1000
#define NPROOFS		1000

struct log {
	MDB_env		*env;
	MDB_dbi		 leaves;
	MDB_dbi		 nodes;
	MDB_txn		*txn;
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
check(int rc, const char *what)
{
	if (rc != 0) {
		fprintf(stderr, "bench_audit: %s: %s\n", what,
		    rc > 0 || rc < -100 ? mdb_strerror(rc) :
		    "libtafel error");
		exit(1);
	}
}

static void
be64(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (56 - 8 * i));
}

static int
get_node(void *arg, unsigned level, uint64_t index, uint8_t out[32])
{
	struct log *l = arg;
	uint8_t key[9];
	MDB_val k, v;

	key[0] = (uint8_t)level;
	be64(key + 1, index);
	k.mv_data = key;
	k.mv_size = sizeof(key);
	if (mdb_get(l->txn, l->nodes, &k, &v) != 0 || v.mv_size != 32)
		return TAFEL_EINVAL;
	memcpy(out, v.mv_data, 32);
	return 0;
}

/* An entry shaped as the design describes one; about 200 bytes. */
static uint8_t *
entry(uint64_t seq, size_t *len)
{
	static const char *kinds[] = { "sent", "received", "receipt" };
	struct tafel_mpw w;
	uint8_t id[16], h[32], *out;

	memset(id, 0x5a, sizeof(id));
	memset(h, 0xa5, sizeof(h));
	be64(h, seq);
	tafel_mpw_init(&w);
	tafel_mpw_map(&w, 9);
	tafel_mpw_str(&w, "seq");
	tafel_mpw_uint(&w, seq);
	tafel_mpw_str(&w, "time");
	tafel_mpw_uint(&w, 1795000000 + seq / 100);
	tafel_mpw_str(&w, "kind");
	tafel_mpw_str(&w, kinds[seq % 3]);
	tafel_mpw_str(&w, "table");
	tafel_mpw_str(&w, "aalst");
	tafel_mpw_str(&w, "case");
	tafel_mpw_bin(&w, id, sizeof(id));
	tafel_mpw_str(&w, "env");
	tafel_mpw_bin(&w, h, sizeof(h));
	tafel_mpw_str(&w, "from");
	tafel_mpw_str(&w, "stad-aalst");
	tafel_mpw_str(&w, "to");
	tafel_mpw_str(&w, "politie-aalst");
	tafel_mpw_str(&w, "by");
	tafel_mpw_str(&w, "Jan Peeters (jpeeters)");
	if (tafel_mpw_finish(&w, &out, len) != 0) {
		fprintf(stderr, "bench_audit: out of memory\n");
		exit(1);
	}
	return out;
}

int
main(int argc, char *argv[])
{
	struct tafel_merkle_node nodes[TAFEL_MERKLE_MAX_LEVELS];
	struct tafel_merkle_frontier *f;
	uint8_t proof[TAFEL_MERKLE_MAX_PROOF][32], root[32], root2[32];
	uint8_t lh[32], key[9], *e;
	uint64_t n = 1000000, i, idx;
	size_t elen, nn, np, j, bytes = 0;
	char dir[4096];
	struct log l;
	MDB_cursor *cur;
	MDB_val k, v;
	double t0, t;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: bench_audit TMPDIR [N]\n");
		return 2;
	}
	if (argc == 3 && (n = strtoull(argv[2], NULL, 10)) < 2)
		return 2;
	if (sodium_init() < 0)
		return 1;
	if ((size_t)snprintf(dir, sizeof(dir), "%s/audit", argv[1]) >=
	    sizeof(dir) || (mkdir(dir, 0700) == -1 && errno != EEXIST)) {
		fprintf(stderr, "bench_audit: cannot make %s\n", dir);
		return 1;
	}
	check(mdb_env_create(&l.env), "env_create");
	check(mdb_env_set_maxdbs(l.env, 4), "maxdbs");
	check(mdb_env_set_mapsize(l.env, (size_t)8 << 30), "mapsize");
	check(mdb_env_open(l.env, dir, 0, 0600), "env_open");
	check(mdb_txn_begin(l.env, NULL, 0, &l.txn), "begin");
	check(mdb_dbi_open(l.txn, "leaves", MDB_CREATE, &l.leaves), "dbi");
	check(mdb_dbi_open(l.txn, "nodes", MDB_CREATE, &l.nodes), "dbi");
	check(mdb_txn_commit(l.txn), "commit");

	/* Append, BATCH entries per durable transaction. */
	t0 = now();
	for (i = 0; i < n; i++) {
		if (i % BATCH == 0)
			check(mdb_txn_begin(l.env, NULL, 0, &l.txn), "begin");
		e = entry(i, &elen);
		bytes += elen;
		tafel_merkle_leaf_hash(e, elen, lh);
		check(tafel_merkle_append(i, lh, get_node, &l, nodes, &nn),
		    "merkle_append");
		be64(key, i);
		k.mv_data = key;
		k.mv_size = 8;
		v.mv_data = e;
		v.mv_size = elen;
		check(mdb_put(l.txn, l.leaves, &k, &v, MDB_APPEND), "put leaf");
		free(e);
		for (j = 0; j < nn; j++) {
			key[0] = (uint8_t)nodes[j].level;
			be64(key + 1, nodes[j].index);
			k.mv_data = key;
			k.mv_size = 9;
			v.mv_data = nodes[j].hash;
			v.mv_size = 32;
			check(mdb_put(l.txn, l.nodes, &k, &v, 0), "put node");
		}
		if (i % BATCH == BATCH - 1 || i == n - 1)
			check(mdb_txn_commit(l.txn), "commit");
	}
	t = now() - t0;
	printf("blk_entries %llu\n", (unsigned long long)n);
	printf("blk_entry_bytes %zu\n", bytes / n);
	printf("blk_append_per_s %.0f\n", n / t);

	/* Inclusion proofs at size n from the stored nodes. */
	check(mdb_txn_begin(l.env, NULL, MDB_RDONLY, &l.txn), "begin");
	check(tafel_merkle_root(n, get_node, &l, root), "root");
	t0 = now();
	for (j = 0; j < NPROOFS; j++) {
		idx = (n / 2 + j * 7919) % n;
		check(tafel_merkle_prove_inclusion(idx, n, get_node, &l, proof,
		    &np), "prove");
	}
	t = now() - t0;
	printf("blk_proof_us %.1f\n", t / NPROOFS * 1e6);
	printf("blk_proof_hashes %zu\n", np);
	/* The last proof checks against a leaf hash read back. */
	be64(key, idx);
	k.mv_data = key;
	k.mv_size = 8;
	check(mdb_get(l.txn, l.leaves, &k, &v), "get leaf");
	tafel_merkle_leaf_hash(v.mv_data, v.mv_size, lh);
	check(tafel_merkle_verify_inclusion(idx, n, lh,
	    (const uint8_t (*)[32])proof, np, root), "verify inclusion");

	/* Recompute the root from every leaf, in order. */
	if ((f = malloc(sizeof(*f))) == NULL)
		return 1;
	tafel_merkle_frontier_init(f);
	t0 = now();
	check(mdb_cursor_open(l.txn, l.leaves, &cur), "cursor");
	while (mdb_cursor_get(cur, &k, &v, MDB_NEXT) == 0) {
		tafel_merkle_leaf_hash(v.mv_data, v.mv_size, lh);
		check(tafel_merkle_frontier_append(f, lh), "frontier");
	}
	tafel_merkle_frontier_root(f, root2);
	t = now() - t0;
	mdb_cursor_close(cur);
	mdb_txn_abort(l.txn);
	if (f->size != n || memcmp(root, root2, 32) != 0) {
		fprintf(stderr, "bench_audit: recomputed root differs\n");
		return 1;
	}
	printf("blk_recompute_per_s %.0f\n", n / t);
	free(f);
	mdb_env_close(l.env);
	return 0;
}
