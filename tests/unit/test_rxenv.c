/*
 * The header-only copies of received envelopes in a real LMDB store
 * (daemon/cases.c, DB_RXENVS): kept under message id and sender, read
 * back byte for byte, one sender's copy never taken for another's; and,
 * keyed by time-first message ids, they fill their pages in order.
 * history_stored_ho finds the copy of an event wherever this version or
 * an earlier one put it, and makes it from an envelope of our own (kept
 * now under message id and hash, before under the hash alone).
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
#include <unistd.h>

#define FIXTURE_NAME "rxenv"
#include "store_fixture.h"
#include "../../daemon/cases_int.h"
#include "tafel/envelope.h"

#define COPY_LEN	500

struct put {
	struct tafeld		*d;
	const struct tafel_hdr	*h;
	size_t			 n;	/* headers, ids in order */
};

/* A copy's bytes, made from its header so that each is told apart. */
static void
copy_of(const struct tafel_hdr *h, uint8_t buf[COPY_LEN])
{
	size_t i;

	for (i = 0; i < COPY_LEN; i++)
		buf[i] = (uint8_t)(h->id[i % TAFEL_ID_BYTES] + h->from[0] + i);
}

static int
put_txn(MDB_txn *txn, void *arg)
{
	struct put *p = arg;
	uint8_t buf[COPY_LEN];
	size_t i;
	int rc;

	for (i = 0; i < p->n; i++) {
		copy_of(&p->h[i], buf);
		if ((rc = cases_rxenv_put(p->d, txn, &p->h[i], buf,
		    sizeof(buf))) != 0)
			return rc;
	}
	return 0;
}

/* 0 with the copy matching copy_of, or the LMDB error. */
static int
get(struct tafeld *d, const struct tafel_hdr *h)
{
	uint8_t want[COPY_LEN], *ho = NULL;
	size_t holen = 0;
	MDB_txn *txn;
	int rc;

	assert_int_equal(store_read(d->store, &txn), 0);
	rc = cases_rxenv_get(d, txn, h, &ho, &holen);
	mdb_txn_abort(txn);
	if (rc == 0) {
		copy_of(h, want);
		assert_int_equal(holen, COPY_LEN);
		assert_memory_equal(ho, want, COPY_LEN);
	}
	free(ho);
	return rc;
}

static void
test_rxenv(void **state)
{
	struct fixture *f = *state;
	struct tafel_hdr *h;
	struct put p;
	MDB_txn *txn;
	MDB_stat st;
	size_t i, n = 350;

	if ((h = calloc(n + 1, sizeof(*h))) == NULL)
		fail();
	/* Two senders, their ids interleaved in time, as they arrive. */
	for (i = 0; i < n + 1; i++) {
		msgid_new(h[i].id);
		snprintf(h[i].from, sizeof(h[i].from), "%s",
		    i % 2 ? "politie" : "caw");
	}
	/* In commits of 50, as group commit makes them. */
	for (i = 0; i < n; i += 50) {
		p = (struct put){ &f->d, &h[i], 50 };
		assert_int_equal(store_write(f->d.store, put_txn, &p), 0);
	}
	for (i = 0; i < n; i++)
		assert_int_equal(get(&f->d, &h[i]), 0);
	/* Not received: unknown id; a known id from another sender. */
	assert_int_equal(get(&f->d, &h[n]), MDB_NOTFOUND);
	snprintf(h[0].from, sizeof(h[0].from), "ocmw");
	assert_int_equal(get(&f->d, &h[0]), MDB_NOTFOUND);

	/* Seven copies of 500 bytes to a 4 KiB page: every page full. */
	assert_int_equal(store_read(f->d.store, &txn), 0);
	assert_int_equal(mdb_stat(txn, store_dbi(f->d.store, DB_RXENVS), &st),
	    0);
	mdb_txn_abort(txn);
	assert_int_equal(st.ms_entries, n);
	assert_true(st.ms_leaf_pages <= n / 7 + 2);
	free(h);
}

/* An envelope from alice, content for bob, and its header-only copy. */
static void
envelope(uint8_t **env, size_t *envlen, uint8_t **ho, size_t *holen,
    struct tafel_env *e)
{
	uint8_t sk[64], pk[32], bpk[32], bsk[32], k[32];
	static const uint8_t body[] = "\x81\xa4text\xa5hello";
	struct tafel_wrap_to to[1];
	struct tafel_hdr h;

	memset(&h, 0, sizeof(h));
	strcpy(h.type, "record");
	msgid_new(h.id);
	strcpy(h.table, "aalst");
	h.tver = 1;
	randombytes_buf(h.case_id, sizeof(h.case_id));
	strcpy(h.cat, "signal");
	strcpy(h.from, "alice");
	strcpy(h.by, "jan");
	h.nto = 1;
	strcpy(h.to[0], "bob");
	h.time = 1790000000;
	h.lamport = 1;
	crypto_sign_keypair(pk, sk);
	crypto_box_keypair(bpk, bsk);
	assert_int_equal(crypto_box_beforenm(k, bpk, bsk), 0);
	to[0].org = "bob";
	to[0].k = k;
	assert_int_equal(tafel_env_seal(&h, body, sizeof(body) - 1, to, 1, sk,
	    env, envlen), 0);
	assert_int_equal(tafel_env_parse(*env, *envlen, e), 0);
	assert_int_equal(tafel_env_header_only(e, ho, holen), 0);
}

struct raw {
	struct tafeld	*d;
	enum store_db	 db;
	const uint8_t	*key;
	size_t		 keylen;
	const uint8_t	*val;
	size_t		 vallen;
};

static int
raw_txn(MDB_txn *txn, void *arg)
{
	struct raw *r = arg;
	MDB_val k = { r->keylen, (void *)r->key }, v = { r->vallen,
	    (void *)r->val };

	return mdb_put(txn, store_dbi(r->d->store, r->db), &k, &v, 0);
}

static int
rx_txn(MDB_txn *txn, void *arg)
{
	struct raw *r = arg;
	struct tafel_env e;

	assert_int_equal(tafel_env_parse(r->val, r->vallen, &e), 0);
	return cases_rxenv_put(r->d, txn, &e.h, r->val, r->vallen);
}

static int
tx_txn(MDB_txn *txn, void *arg)
{
	struct raw *r = arg;
	struct tafel_env e;

	assert_int_equal(tafel_env_parse(r->val, r->vallen, &e), 0);
	return outbox_env_put(r->d, txn, e.hash, e.h.id, r->val, r->vallen);
}

/* history_stored_ho gives exactly ho for the event of e (stored as env). */
static void
stored_is(struct tafeld *d, const struct tafel_env *e, const uint8_t *ho,
    size_t holen)
{
	struct tafel_env out;
	struct ev ev;
	uint8_t *got = NULL;
	size_t gotlen = 0;

	memset(&ev, 0, sizeof(ev));
	ev.h = e->h;
	memcpy(ev.env, e->hash, 32);
	assert_int_equal(history_stored_ho(d, &ev, &got, &gotlen, &out), 0);
	assert_int_equal(gotlen, holen);
	assert_memory_equal(got, ho, holen);
	assert_null(out.ct);
	free(got);
}

static void
test_stored_ho(void **state)
{
	struct fixture *f = *state;
	struct tafel_env e1, e2, e3, e4;
	struct raw r;
	struct ev ev;
	uint8_t *env1, *ho1, *env2, *ho2, *env3, *ho3, *env4, *ho4;
	uint8_t *got = NULL;
	size_t env1len, ho1len, env2len, ho2len, env3len, ho3len, env4len;
	size_t ho4len, gotlen;

	envelope(&env1, &env1len, &ho1, &ho1len, &e1);
	envelope(&env2, &env2len, &ho2, &ho2len, &e2);
	envelope(&env3, &env3len, &ho3, &ho3len, &e3);
	/* Received now: the copy under message id and sender. */
	r = (struct raw){ &f->d, DB_RXENVS, NULL, 0, ho1, ho1len };
	assert_int_equal(store_write(f->d.store, rx_txn, &r), 0);
	stored_is(&f->d, &e1, ho1, ho1len);
	/* Received by an earlier version: the copy under the hash. */
	r = (struct raw){ &f->d, DB_ENVS, e2.hash, 32, ho2, ho2len };
	assert_int_equal(store_write(f->d.store, raw_txn, &r), 0);
	stored_is(&f->d, &e2, ho2, ho2len);
	/* Our own, as an earlier version kept it: the whole envelope. */
	r = (struct raw){ &f->d, DB_ENVS, e3.hash, 32, env3, env3len };
	assert_int_equal(store_write(f->d.store, raw_txn, &r), 0);
	stored_is(&f->d, &e3, ho3, ho3len);
	/* Our own now: under message id and hash (outbox_env_put). */
	envelope(&env4, &env4len, &ho4, &ho4len, &e4);
	r = (struct raw){ &f->d, DB_TXENVS, NULL, 0, env4, env4len };
	assert_int_equal(store_write(f->d.store, tx_txn, &r), 0);
	stored_is(&f->d, &e4, ho4, ho4len);
	/* Not held here at all. */
	memset(&ev, 0, sizeof(ev));
	ev.h = e3.h;
	ev.h.id[15] ^= 1;
	memset(ev.env, 0x5a, 32);
	assert_int_equal(history_stored_ho(&f->d, &ev, &got, &gotlen, &e3),
	    -1);
	assert_null(got);
	free(env1);
	free(ho1);
	free(env2);
	free(ho2);
	free(env3);
	free(ho3);
	free(env4);
	free(ho4);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rxenv, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stored_ho, setup,
		    teardown),
	};

	log_init(0, "test_rxenv");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
