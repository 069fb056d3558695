/*
 * The daemon's exchange log in a real LMDB store (daemon/audit.c): what
 * audit_append leaves behind must be what an auditor recomputes.  For
 * every size, the root from the stored nodes equals the root recomputed
 * from the stored entries alone; inclusion and consistency proofs from
 * the stored nodes verify; entries carry their index; an aborted
 * transaction leaves no trace; a full map is grown without a gap.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tafel/merkle.h"

#define FIXTURE_NAME "auditlog"
#include "store_fixture.h"

struct app {
	struct tafeld	*d;
	size_t		 n;
	uint64_t	 first;
	int		 fail;	/* return this after appending */
};

/* Entries of every kind, in turn, each with its own envelope hash. */
static void
entry(struct tafel_audit_entry *e, uint64_t i)
{
	static const enum tafel_audit_kind kinds[] = {
		TAFEL_AUDIT_SENT, TAFEL_AUDIT_RECEIVED, TAFEL_AUDIT_RECEIPT,
		TAFEL_AUDIT_VIEWED, TAFEL_AUDIT_EXPORTED
	};

	memset(e, 0, sizeof(*e));
	e->kind = kinds[i % 5];
	switch (e->kind) {
	case TAFEL_AUDIT_SENT:
	case TAFEL_AUDIT_RECEIVED:
		snprintf(e->table, sizeof(e->table), "aalst");
		e->has_case = true;
		memset(e->case_id, (int)(i & 0xff), 16);
		snprintf(e->event, sizeof(e->event), "record");
		snprintf(e->from, sizeof(e->from), "stad");
		if (e->kind == TAFEL_AUDIT_SENT) {
			e->has_to = true;
			e->nto = 1;
			snprintf(e->to[0], sizeof(e->to[0]), "politie");
		}
		/* FALLTHROUGH */
	case TAFEL_AUDIT_RECEIPT:
		e->has_env = true;
		memcpy(e->env, &i, sizeof(i));
		if (e->kind == TAFEL_AUDIT_RECEIPT) {
			snprintf(e->from, sizeof(e->from), "politie");
			snprintf(e->status, sizeof(e->status), "ok");
		}
		break;
	case TAFEL_AUDIT_VIEWED:
		snprintf(e->table, sizeof(e->table), "aalst");
		e->has_case = true;
		/* FALLTHROUGH */
	default:
		snprintf(e->person, sizeof(e->person), "Jan Peeters, jp");
		break;
	}
}

static int
append_txn(MDB_txn *txn, void *arg)
{
	struct app *a = arg;
	struct tafel_audit_entry e;
	size_t i;
	int rc;

	for (i = 0; i < a->n; i++) {
		entry(&e, a->first + i);
		if ((rc = audit_append(a->d, txn, &e)) != 0)
			return rc;
	}
	return a->fail;
}

struct nodes {
	struct tafeld	*d;
	MDB_txn		*txn;
};

static int
get_node(void *arg, unsigned level, uint64_t index, uint8_t out[32])
{
	struct nodes *n = arg;
	uint8_t key[9];
	MDB_val k, v;
	int i;

	key[0] = (uint8_t)level;
	for (i = 0; i < 8; i++)
		key[1 + i] = (uint8_t)(index >> (56 - 8 * i));
	k.mv_data = key;
	k.mv_size = 9;
	if (mdb_get(n->txn, store_dbi(n->d->store, DB_AUDIT_NODES), &k, &v) !=
	    0 || v.mv_size != 32)
		return TAFEL_EMALFORMED;
	memcpy(out, v.mv_data, 32);
	return 0;
}

static uint64_t
count(struct fixture *f)
{
	MDB_txn *txn;
	MDB_stat st;

	assert_int_equal(store_read(f->d.store, &txn), 0);
	assert_int_equal(mdb_stat(txn, store_dbi(f->d.store, DB_AUDIT), &st),
	    0);
	mdb_txn_abort(txn);
	return st.ms_entries;
}

/*
 * What an auditor does with the stored log: recompute each root from
 * the entries, and check the stored nodes agree, with proofs.
 */
static void
audit_store(struct fixture *f, uint64_t n)
{
	struct tafel_merkle_frontier *fr = malloc(sizeof(*fr));
	uint8_t (*roots)[32] = calloc(n + 1, 32);
	uint8_t proof[TAFEL_MERKLE_MAX_PROOF][32], lh[32], root[32], key[8];
	struct tafel_audit_entry e;
	struct nodes nd;
	MDB_val k, v;
	size_t np;
	uint64_t i, s;
	int j;

	assert_non_null(fr);
	assert_non_null(roots);
	nd.d = &f->d;
	assert_int_equal(store_read(f->d.store, &nd.txn), 0);
	tafel_merkle_frontier_init(fr);
	tafel_merkle_frontier_root(fr, roots[0]);
	for (i = 0; i < n; i++) {
		for (j = 0; j < 8; j++)
			key[j] = (uint8_t)(i >> (56 - 8 * j));
		k.mv_data = key;
		k.mv_size = 8;
		assert_int_equal(mdb_get(nd.txn, store_dbi(f->d.store,
		    DB_AUDIT), &k, &v), 0);
		assert_int_equal(tafel_audit_entry_decode(v.mv_data, v.mv_size,
		    &e), 0);
		assert_int_equal(e.seq, i);
		tafel_merkle_leaf_hash(v.mv_data, v.mv_size, lh);
		assert_int_equal(tafel_merkle_frontier_append(fr, lh), 0);
		tafel_merkle_frontier_root(fr, roots[i + 1]);
	}
	for (s = 1; s <= n; s++) {
		assert_int_equal(tafel_merkle_root(s, get_node, &nd, root), 0);
		assert_memory_equal(root, roots[s], 32);
	}
	/* Proofs for a spread of (index, size) pairs. */
	for (s = 1; s <= n; s += 1 + s / 4)
		for (i = 0; i < s; i += 1 + s / 3) {
			for (j = 0; j < 8; j++)
				key[j] = (uint8_t)(i >> (56 - 8 * j));
			k.mv_data = key;
			k.mv_size = 8;
			assert_int_equal(mdb_get(nd.txn, store_dbi(f->d.store,
			    DB_AUDIT), &k, &v), 0);
			tafel_merkle_leaf_hash(v.mv_data, v.mv_size, lh);
			assert_int_equal(tafel_merkle_prove_inclusion(i, s,
			    get_node, &nd, proof, &np), 0);
			assert_int_equal(tafel_merkle_verify_inclusion(i, s, lh,
			    (const uint8_t (*)[32])proof, np, roots[s]), 0);
			if (i == 0 || i == s)
				continue;
			assert_int_equal(tafel_merkle_prove_consistency(i, s,
			    get_node, &nd, proof, &np), 0);
			assert_int_equal(tafel_merkle_verify_consistency(i, s,
			    roots[i], roots[s], (const uint8_t (*)[32])proof,
			    np), 0);
		}
	mdb_txn_abort(nd.txn);
	free(roots);
	free(fr);
}

static void
test_append_and_audit(void **state)
{
	struct fixture *f = *state;
	struct app a = { &f->d, 1, 0, 0 };
	uint64_t i;

	/* One entry per transaction, then batches. */
	for (i = 0; i < 37; i++) {
		a.first = i;
		assert_int_equal(store_write(f->d.store, append_txn, &a), 0);
	}
	a.n = 50;
	for (i = 37; i < 37 + 150; i += 50) {
		a.first = i;
		assert_int_equal(store_write(f->d.store, append_txn, &a), 0);
	}
	assert_int_equal(count(f), 187);
	audit_store(f, 187);
}

static void
test_aborted_txn(void **state)
{
	struct fixture *f = *state;
	struct app a = { &f->d, 5, 0, 0 };

	assert_int_equal(store_write(f->d.store, append_txn, &a), 0);
	/* The event's transaction fails after its entries: none stays. */
	a.first = 5;
	a.fail = 7;
	assert_int_equal(store_write(f->d.store, append_txn, &a), 7);
	assert_int_equal(count(f), 5);
	a.fail = 0;
	assert_int_equal(store_write(f->d.store, append_txn, &a), 0);
	assert_int_equal(count(f), 10);
	audit_store(f, 10);
}

static void
test_map_full(void **state)
{
	struct fixture *f = *state;
	struct app a = { &f->d, 8000, 0, 0 };

	/* 8000 entries do not fit in the 1 MiB map: grown, written once. */
	assert_int_equal(store_write(f->d.store, append_txn, &a), 0);
	assert_int_equal(count(f), 8000);
	audit_store(f, 8000);
}

static int
bad_txn(MDB_txn *txn, void *arg)
{
	struct fixture *f = arg;
	struct tafel_audit_entry e;

	/* A sent entry without table, case, envelope or recipients. */
	memset(&e, 0, sizeof(e));
	e.kind = TAFEL_AUDIT_SENT;
	return audit_append(&f->d, txn, &e);
}

static void
test_bad_entry(void **state)
{
	struct fixture *f = *state;

	/* An entry of the wrong shape fails the event's transaction. */
	assert_int_not_equal(store_write(f->d.store, bad_txn, f), 0);
	assert_int_equal(count(f), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_append_and_audit, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_aborted_txn, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_map_full, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bad_entry, setup,
		    teardown),
	};

	if (sodium_init() < 0)
		return 1;
	log_init(0, "test_auditlog");
	return cmocka_run_group_tests_name("auditlog", tests, NULL, NULL);
}
