/*
 * The sender's delivery rows in a real LMDB store (daemon/outbox.c):
 * an event's row goes to DB_EVDELIV under its message id, a table
 * document's to DB_DELIV under its hash; rows and outbox rows that an
 * earlier tafeld wrote (DB_DELIV for events too, outbox rows without a
 * message id) are still read and settled, and a row of another length
 * harms nothing.  Our envelopes are kept under message id and hash, and
 * those an earlier version kept under the hash are still found.
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

#define FIXTURE_NAME "outbox"
#include "store_fixture.h"

static const char *const orgs[] = { "caw", "ocmw" };

struct add {
	struct tafeld	*d;
	enum outbox_kind kind;
	const uint8_t	*h;
	const uint8_t	*id;
	size_t		 rowlen;	/* 0: outbox_add; else a hand-made row */
};

static int
add_txn(MDB_txn *txn, void *arg)
{
	struct add *a = arg;
	uint8_t key[TAFEL_ORG_MAX + 1 + 32], row[64] = { 0 };
	MDB_val k, v;
	size_t n;

	if (a->rowlen == 0)
		return outbox_add(a->d, txn, a->kind, a->h, a->id, orgs, 1);
	n = strlen(orgs[0]);
	memcpy(key, orgs[0], n + 1);
	memcpy(key + n + 1, a->h, 32);
	k.mv_data = key;
	k.mv_size = n + 1 + 32;
	v.mv_data = row;
	v.mv_size = a->rowlen;
	return mdb_put(txn, store_dbi(a->d->store, DB_OUTBOX), &k, &v, 0);
}

static void
add(struct tafeld *d, enum outbox_kind kind, const uint8_t h[32],
    const uint8_t *id, size_t rowlen)
{
	struct add a = { d, kind, h, id, rowlen };

	assert_int_equal(store_write(d->store, add_txn, &a), 0);
}

/* The row under key in db, or false. */
static bool
row_in(struct tafeld *d, enum store_db db, const uint8_t *k1, size_t k1len,
    const char *org)
{
	uint8_t key[32 + TAFEL_ORG_MAX];
	MDB_txn *txn;
	MDB_val k, v;
	int rc;

	memcpy(key, k1, k1len);
	memcpy(key + k1len, org, strlen(org));
	k.mv_data = key;
	k.mv_size = k1len + strlen(org);
	assert_int_equal(store_read(d->store, &txn), 0);
	rc = mdb_get(txn, store_dbi(d->store, db), &k, &v);
	mdb_txn_abort(txn);
	return rc == 0;
}

static void
ack(struct tafeld *d, const char *org, const uint8_t h[32],
    enum tafel_ack_status st, const char *why)
{
	struct tafel_peer_msg m;
	struct peer p;

	memset(&m, 0, sizeof(m));
	memset(&p, 0, sizeof(p));
	snprintf(p.org, sizeof(p.org), "%s", org);
	memcpy(m.h, h, 32);
	m.type = TAFEL_PEER_ACK;
	m.st = st;
	snprintf(m.why, sizeof(m.why), "%s", why);
	outbox_ack(d, &p, &m);
	assert_int_equal(commit_flush(d), 0);
}

static int
get(struct tafeld *d, const uint8_t h[32], const uint8_t *id,
    const char *org, struct deliv *dv)
{
	MDB_txn *txn;
	int rc;

	assert_int_equal(store_read(d->store, &txn), 0);
	rc = outbox_deliv_get(d, txn, h, id, org, dv);
	mdb_txn_abort(txn);
	return rc;
}

static void
test_event_rows_by_id(void **state)
{
	struct fixture *f = *state;
	struct tafeld *d = &f->d;
	uint8_t h[32], id[16], other[16];
	struct deliv dv;

	memset(h, 0xa1, sizeof(h));
	msgid_new(id);
	msgid_new(other);
	assert_int_equal(get(d, h, id, "caw", &dv), 1);	/* never sent */
	add(d, OUTBOX_ENV, h, id, 0);
	assert_int_equal(get(d, h, id, "caw", &dv), 0);
	assert_int_equal(dv.st, 0);				/* pending */
	ack(d, "caw", h, TAFEL_ACK_OK, "");
	assert_true(row_in(d, DB_EVDELIV, id, 16, "caw"));
	assert_false(row_in(d, DB_DELIV, h, 32, "caw"));
	assert_int_equal(get(d, h, id, "caw", &dv), 0);
	assert_int_equal(dv.st, TAFEL_ACK_OK);
	assert_true(dv.time_ms > 0);
	/* Another event's id does not find it; a repeated ack changes nothing. */
	assert_int_equal(get(d, h, other, "ocmw", &dv), 1);
	ack(d, "caw", h, TAFEL_ACK_REFUSED, "late");
	assert_int_equal(get(d, h, id, "caw", &dv), 0);
	assert_int_equal(dv.st, TAFEL_ACK_OK);
}

static void
test_table_rows_by_hash(void **state)
{
	struct fixture *f = *state;
	struct tafeld *d = &f->d;
	uint8_t h[32];
	struct deliv dv;

	memset(h, 0xb2, sizeof(h));
	add(d, OUTBOX_TABLE, h, NULL, 0);
	ack(d, "caw", h, TAFEL_ACK_REFUSED, "older version");
	assert_true(row_in(d, DB_DELIV, h, 32, "caw"));
	assert_int_equal(get(d, h, NULL, "caw", &dv), 0);
	assert_int_equal(dv.st, TAFEL_ACK_REFUSED);
	assert_string_equal(dv.why, "older version");
}

/* What a store written before DB_EVDELIV holds is still read. */
static void
test_earlier_rows(void **state)
{
	struct fixture *f = *state;
	struct tafeld *d = &f->d;
	uint8_t h[32], id[16];
	struct deliv dv;

	memset(h, 0xc3, sizeof(h));
	msgid_new(id);
	add(d, OUTBOX_ENV, h, NULL, 9);	/* an outbox row without id */
	assert_int_equal(get(d, h, id, "caw", &dv), 0);
	assert_int_equal(dv.st, 0);
	ack(d, "caw", h, TAFEL_ACK_OK, "");
	/* Settled under the hash, and found from the event's id too. */
	assert_true(row_in(d, DB_DELIV, h, 32, "caw"));
	assert_false(row_in(d, DB_EVDELIV, id, 16, "caw"));
	assert_int_equal(get(d, h, id, "caw", &dv), 0);
	assert_int_equal(dv.st, TAFEL_ACK_OK);
}

/*
 * A row of neither length (a damaged store): counted as waiting, never
 * read for an id; its ack settles it under the hash, without a crash.
 */
static void
test_bad_row(void **state)
{
	struct fixture *f = *state;
	struct tafeld *d = &f->d;
	uint8_t h[32], id[16];
	struct deliv dv;
	uint64_t oldest;

	memset(h, 0xf6, sizeof(h));
	msgid_new(id);
	add(d, OUTBOX_ENV, h, NULL, 13);
	assert_int_equal(outbox_pending(d, "caw", &oldest), 1);
	assert_int_equal(oldest, 0);		/* no time read from it */
	ack(d, "caw", h, TAFEL_ACK_OK, "");
	assert_true(row_in(d, DB_DELIV, h, 32, "caw"));
	assert_false(row_in(d, DB_EVDELIV, id, 16, "caw"));
	assert_int_equal(get(d, h, id, "caw", &dv), 0);
	assert_int_equal(dv.st, TAFEL_ACK_OK);
	assert_int_equal(outbox_pending(d, "caw", &oldest), 0);
}

struct drop {
	struct tafeld	*d;
	int		 n;
};

static int
drop_txn(MDB_txn *txn, void *arg)
{
	struct drop *a = arg;

	a->n = outbox_drop_org(a->d, txn, "caw");
	return a->n < 0 ? a->n : 0;
}

/* A member gone: its rows are settled as refused, each in its table. */
static void
test_drop_org(void **state)
{
	struct fixture *f = *state;
	struct tafeld *d = &f->d;
	struct drop a = { d, 0 };
	uint8_t h1[32], h2[32], id[16];
	struct deliv dv;

	memset(h1, 0xd4, sizeof(h1));
	memset(h2, 0xe5, sizeof(h2));
	msgid_new(id);
	add(d, OUTBOX_ENV, h1, id, 0);
	add(d, OUTBOX_TABLE, h2, NULL, 0);
	assert_int_equal(store_write(d->store, drop_txn, &a), 0);
	assert_int_equal(a.n, 2);
	assert_true(row_in(d, DB_EVDELIV, id, 16, "caw"));
	assert_true(row_in(d, DB_DELIV, h2, 32, "caw"));
	assert_int_equal(get(d, h1, id, "caw", &dv), 0);
	assert_int_equal(dv.st, TAFEL_ACK_REFUSED);
	assert_string_equal(dv.why, "no longer a member of the table");
	assert_int_equal(outbox_pending(d, "caw", &(uint64_t){ 0 }), 0);
}

struct envput {
	struct tafeld	*d;
	const uint8_t	*h;
	const uint8_t	*id;	/* NULL: into DB_ENVS, as before */
	uint8_t		 tag;
	size_t		 len;
};

static int
envput_txn(MDB_txn *txn, void *arg)
{
	struct envput *e = arg;
	uint8_t buf[1500];
	MDB_val k = { 32, (void *)e->h }, v = { e->len, buf };

	memset(buf, e->tag, sizeof(buf));
	if (e->id != NULL)
		return outbox_env_put(e->d, txn, e->h, e->id, buf, e->len);
	return mdb_put(txn, store_dbi(e->d->store, DB_ENVS), &k, &v, 0);
}

/* The first byte of what outbox_env_get finds, or -1. */
static int
envget(struct tafeld *d, const uint8_t h[32], const uint8_t *id)
{
	MDB_txn *txn;
	MDB_val v;
	int tag = -1;

	assert_int_equal(store_read(d->store, &txn), 0);
	if (outbox_env_get(d, txn, h, id, &v) == 0 && v.mv_size > 0)
		tag = ((const uint8_t *)v.mv_data)[0];
	mdb_txn_abort(txn);
	return tag;
}

/*
 * Our envelopes under message id and hash (DB_TXENVS), in order, fill
 * their pages; one an earlier version kept under its hash in DB_ENVS is
 * still found, with or without an id; a hash under another id is not.
 */
static void
test_envelopes(void **state)
{
	struct fixture *f = *state;
	struct envput e;
	uint8_t h[200][32], id[200][16], old[32], other[16];
	MDB_txn *txn;
	MDB_stat st;
	size_t i;

	for (i = 0; i < 200; i++) {
		randombytes_buf(h[i], 32);
		msgid_new(id[i]);
	}
	for (i = 0; i < 200; i++) {
		e = (struct envput){ &f->d, h[i], id[i], (uint8_t)(i + 1),
		    1500 };
		assert_int_equal(store_write(f->d.store, envput_txn, &e), 0);
	}
	for (i = 0; i < 200; i++)
		assert_int_equal(envget(&f->d, h[i], id[i]), (int)(i + 1) & 0xff);
	/* Two envelopes of 1,500 bytes to a 4 KiB page. */
	assert_int_equal(store_read(f->d.store, &txn), 0);
	assert_int_equal(mdb_stat(txn, store_dbi(f->d.store, DB_TXENVS),
	    &st), 0);
	mdb_txn_abort(txn);
	assert_int_equal(st.ms_entries, 200);
	assert_true(st.ms_leaf_pages <= 200 / 2 + 2);
	/* Kept by an earlier version. */
	randombytes_buf(old, sizeof(old));
	e = (struct envput){ &f->d, old, NULL, 0xee, 700 };
	assert_int_equal(store_write(f->d.store, envput_txn, &e), 0);
	assert_int_equal(envget(&f->d, old, id[0]), 0xee);
	assert_int_equal(envget(&f->d, old, NULL), 0xee);
	/* Ours under another id; or only by hash: not found. */
	msgid_new(other);
	assert_int_equal(envget(&f->d, h[5], other), -1);
	assert_int_equal(envget(&f->d, h[5], NULL), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_event_rows_by_id, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_table_rows_by_hash, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_earlier_rows, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_drop_org, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_envelopes, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bad_row, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
