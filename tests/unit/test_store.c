/*
 * The store's group commit: writes nested in an open batch, each undone
 * alone when it fails, readers that see the batch, durability only at
 * store_batch_commit, and a map that fills up in the middle of a batch;
 * store_put_end, which fills pages when rows come in key order; and the
 * message ids, whose time prefix keeps DB_SEEN growing at its end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../daemon/daemon.h"

static char dir[] = "/tmp/tafel-test-store.XXXXXX";

struct put {
	struct store	*s;
	uint32_t	 key;
	size_t		 vlen;
	bool		 fail_after;	/* write, then report a failure */
};

static int
put_txn(MDB_txn *txn, void *arg)
{
	struct put *p = arg;
	uint8_t *buf;
	MDB_val k, v;
	int rc;

	if ((buf = calloc(1, p->vlen)) == NULL)
		return -1;
	memcpy(buf, &p->key, sizeof(p->key));
	k.mv_data = &p->key;
	k.mv_size = sizeof(p->key);
	v.mv_data = buf;
	v.mv_size = p->vlen;
	rc = mdb_put(txn, store_dbi(p->s, DB_SEEN), &k, &v, 0);
	free(buf);
	if (rc != 0)
		return rc;
	return p->fail_after ? 7 : 0;
}

static int
put(struct store *s, uint32_t key, size_t vlen, bool fail_after)
{
	struct put p = { s, key, vlen, fail_after };

	return store_write(s, put_txn, &p);
}

/* 1 if key is there, 0 if not (read as the daemon reads). */
static int
has(struct store *s, uint32_t key)
{
	MDB_txn *txn;
	MDB_val k, v;
	int rc;

	assert_int_equal(store_read(s, &txn), 0);
	k.mv_data = &key;
	k.mv_size = sizeof(key);
	rc = mdb_get(txn, store_dbi(s, DB_SEEN), &k, &v);
	mdb_txn_abort(txn);
	assert_true(rc == 0 || rc == MDB_NOTFOUND);
	return rc == 0;
}

static struct store *
reopen(struct store **sp, size_t mapsize)
{
	if (*sp != NULL)
		store_close(sp);
	assert_int_equal(store_open(dir, mapsize, sp), 0);
	return *sp;
}

static int
setup(void **state)
{
	if (mkdtemp(dir) == NULL)
		return -1;
	log_init(1, "test_store");
	return 0;
}

static int
teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
test_batch(void **state)
{
	struct store *s = NULL;

	reopen(&s, 1 << 20);
	assert_int_equal(store_batch_begin(s), 0);
	assert_true(store_batch_open(s));
	assert_int_equal(put(s, 1, 16, false), 0);
	/* A write that fails is undone alone; the batch goes on. */
	assert_int_equal(put(s, 2, 16, true), 7);
	assert_int_equal(put(s, 3, 16, false), 0);
	/* Readers inside the batch see what it wrote so far. */
	assert_int_equal(has(s, 1), 1);
	assert_int_equal(has(s, 2), 0);
	assert_int_equal(has(s, 3), 1);
	assert_int_equal(store_batch_commit(s), 0);
	assert_false(store_batch_open(s));
	/* Durable: a new process (a reopened store) sees it. */
	reopen(&s, 1 << 20);
	assert_int_equal(has(s, 1), 1);
	assert_int_equal(has(s, 2), 0);
	assert_int_equal(has(s, 3), 1);
	store_close(&s);
}

static void
test_uncommitted_is_lost(void **state)
{
	struct store *s = NULL;

	reopen(&s, 1 << 20);
	assert_int_equal(store_batch_begin(s), 0);
	assert_int_equal(put(s, 40, 16, false), 0);
	/* Closed (a crash) before the commit: nothing was made durable. */
	reopen(&s, 1 << 20);
	assert_int_equal(has(s, 40), 0);
	/* Without a batch, store_write commits at once. */
	assert_int_equal(put(s, 41, 16, false), 0);
	reopen(&s, 1 << 20);
	assert_int_equal(has(s, 41), 1);
	store_close(&s);
}

static void
test_map_full_in_batch(void **state)
{
	struct store *s = NULL;
	uint32_t i;

	/* 64 KiB of map; 300 values of 4 KiB need about 1.2 MiB. */
	reopen(&s, 64 << 10);
	assert_int_equal(store_batch_begin(s), 0);
	for (i = 0; i < 300; i++)
		assert_int_equal(put(s, 1000 + i, 4096, false), 0);
	assert_int_equal(store_batch_commit(s), 0);
	reopen(&s, 64 << 10);
	for (i = 0; i < 300; i++)
		assert_int_equal(has(s, 1000 + i), 1);
	store_close(&s);
}

struct fill {
	struct store	*s;
	MDB_dbi		 dbi;
	uint32_t	 from, to;	/* keys, big-endian */
	uint8_t		 tag;		/* first byte of each value */
};

static int
fill_txn(MDB_txn *txn, void *arg)
{
	struct fill *f = arg;
	uint8_t key[4], val[1500];
	MDB_val k, v;
	uint32_t i;
	int rc;

	memset(val, 0, sizeof(val));
	val[0] = f->tag;
	for (i = f->from; i < f->to; i++) {
		key[0] = i >> 24;
		key[1] = i >> 16;
		key[2] = i >> 8;
		key[3] = i;
		k.mv_data = key;
		k.mv_size = 4;
		v.mv_data = val;
		v.mv_size = sizeof(val);
		if ((rc = store_put_end(txn, f->dbi, &k, &v)) != 0)
			return rc;
	}
	return 0;
}

/* The first byte of key i's value, or -1 if it is not there. */
static int
fill_tag(struct store *s, MDB_dbi dbi, uint32_t i)
{
	uint8_t key[4] = { i >> 24, i >> 16, i >> 8, i };
	MDB_txn *txn;
	MDB_val k = { 4, key }, v;
	int tag = -1;

	assert_int_equal(store_read(s, &txn), 0);
	if (mdb_get(txn, dbi, &k, &v) == 0 && v.mv_size == 1500)
		tag = ((const uint8_t *)v.mv_data)[0];
	mdb_txn_abort(txn);
	return tag;
}

/*
 * store_put_end: rows that arrive in key order fill their pages (two rows
 * of 1,500 bytes to a 4 KiB page, where LMDB's split in the middle would
 * leave one); rows out of order, and a key already there, are still an
 * ordinary put that overwrites.
 */
static void
test_put_end(void **state)
{
	struct store *s = NULL;
	MDB_dbi dbi;
	MDB_txn *txn;
	MDB_stat st;
	struct fill f;
	uint32_t i;

	reopen(&s, 16 << 20);
	dbi = store_dbi(s, DB_EVENTS);
	/* Even keys in order, in batches as the daemon commits them. */
	for (i = 0; i < 800; i += 80) {
		f = (struct fill){ s, dbi, 0, 0, 1 };
		f.from = 1000 + i;
		f.to = 1000 + i + 80;
		assert_int_equal(store_write(s, fill_txn, &f), 0);
	}
	assert_int_equal(store_read(s, &txn), 0);
	assert_int_equal(mdb_stat(txn, dbi, &st), 0);
	mdb_txn_abort(txn);
	assert_int_equal(st.ms_entries, 800);
	assert_true(st.ms_leaf_pages <= 800 / 2 + 2);
	/* Before every key, in the middle, and over keys already there. */
	f = (struct fill){ s, dbi, 10, 20, 2 };
	assert_int_equal(store_write(s, fill_txn, &f), 0);
	f = (struct fill){ s, dbi, 1400, 1410, 3 };
	assert_int_equal(store_write(s, fill_txn, &f), 0);
	reopen(&s, 16 << 20);
	for (i = 10; i < 20; i++)
		assert_int_equal(fill_tag(s, dbi, i), 2);
	assert_int_equal(fill_tag(s, dbi, 1399), 1);
	for (i = 1400; i < 1410; i++)
		assert_int_equal(fill_tag(s, dbi, i), 3);
	assert_int_equal(fill_tag(s, dbi, 1410), 1);
	assert_int_equal(fill_tag(s, dbi, 1799), 1);
	assert_int_equal(fill_tag(s, dbi, 1800), -1);
	assert_int_equal(store_read(s, &txn), 0);
	assert_int_equal(mdb_stat(txn, dbi, &st), 0);
	mdb_txn_abort(txn);
	assert_int_equal(st.ms_entries, 810);
	store_close(&s);
}

/*
 * Time in ms first (big-endian, 48 bits), then 10 random bytes; strictly
 * increasing, also among the many made in one millisecond.
 */
static void
test_msgid(void **state)
{
	uint8_t id[16], prev[16];
	uint64_t before, after, t;
	int i, j, same_tail = 0;

	(void)state;
	before = now_ms_wall();
	msgid_new(prev);
	for (i = 0; i < 1000; i++) {
		msgid_new(id);
		/* Every id sorts after the one before it. */
		assert_true(memcmp(prev, id, 16) < 0);
		if (memcmp(prev + 6, id + 6, 10) == 0)
			same_tail++;
		memcpy(prev, id, sizeof(id));
	}
	after = now_ms_wall();
	for (t = 0, j = 0; j < 6; j++)
		t = t << 8 | id[j];
	assert_true(t >= before && t <= after);
	assert_int_equal(same_tail, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_batch),
		cmocka_unit_test(test_uncommitted_is_lost),
		cmocka_unit_test(test_map_full_in_batch),
		cmocka_unit_test(test_put_end),
		cmocka_unit_test(test_msgid),
	};

	return cmocka_run_group_tests_name("store", tests, setup, teardown);
}
