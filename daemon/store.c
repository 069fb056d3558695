/*
 * The store: one LMDB environment with named databases.
 *
 * Durable by default (no NOSYNC flags), never WRITEMAP, never NOMEMINIT.
 * All writes go through store_write(), which retries a transaction that
 * ran out of map space after growing the map, so that a full map never
 * loses a write.  See docs/architecture.md for what each database holds;
 * nothing in it is plaintext case content.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"

#define STORE_MAP_MAX	((size_t)1 << 40)	/* 1 TiB of address space */

static const char *const db_names[DB_COUNT] = {
	"tables", "tablehist", "cases", "events", "envs", "outbox", "seen",
	"deliv", "evdeliv", "evidx", "rxenvs", "txenvs", "audit",
	"auditnodes", "auditckpt", "auditpeers"
};

struct store {
	MDB_env	*env;
	MDB_dbi	 dbi[DB_COUNT];
	size_t	 mapsize;
	MDB_txn	*batch;		/* the open group commit, or NULL */
	bool	 batch_lost;	/* part of the open batch was not stored */
};

/*
 * The event index (event hash -> case id, Lamport counter) came after
 * the event rows: a store that has rows but no index gets one, once.
 */
static int
evidx_build(struct store *s, MDB_txn *txn)
{
	MDB_cursor *c;
	MDB_stat st;
	MDB_val k, v, ik, iv;
	size_t n = 0;
	int rc;

	if ((rc = mdb_stat(txn, s->dbi[DB_EVIDX], &st)) != 0)
		return rc;
	if (st.ms_entries > 0)
		return 0;
	if ((rc = mdb_cursor_open(txn, s->dbi[DB_EVENTS], &c)) != 0)
		return rc;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size != 56)
			continue;
		ik.mv_data = (uint8_t *)k.mv_data + 24;
		ik.mv_size = 32;
		iv.mv_data = k.mv_data;
		iv.mv_size = 24;
		if ((rc = mdb_put(txn, s->dbi[DB_EVIDX], &ik, &iv, 0)) != 0)
			break;
		n++;
	}
	mdb_cursor_close(c);
	if (rc != MDB_NOTFOUND)
		return rc;
	if (n > 0)
		log_info("store: indexed %zu event(s)", n);
	return 0;
}

int
store_open(const char *dir, size_t mapsize, struct store **sp)
{
	char path[PATH_MAX];
	struct store *s;
	MDB_txn *txn;
	int rc, i, dead;

	*sp = NULL;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
	    TAFELD_STORE_DIR) >= sizeof(path)) {
		log_warnx("%s: path too long", dir);
		return -1;
	}
	if (mkdir(path, 0700) == -1 && errno != EEXIST) {
		log_warn("mkdir %s", path);
		return -1;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL)
		fatal("calloc");
	s->mapsize = mapsize;
	if ((rc = mdb_env_create(&s->env)) != 0 ||
	    (rc = mdb_env_set_maxdbs(s->env, DB_COUNT)) != 0 ||
	    (rc = mdb_env_set_mapsize(s->env, mapsize)) != 0 ||
	    (rc = mdb_env_set_maxreaders(s->env, 126)) != 0) {
		log_warnx("%s: lmdb: %s", path, mdb_strerror(rc));
		goto fail;
	}
	if ((rc = mdb_env_open(s->env, path, MDB_NOTLS, 0600)) != 0) {
		log_warnx("%s: cannot open the store: %s", path,
		    mdb_strerror(rc));
		goto fail;
	}
	if (mdb_reader_check(s->env, &dead) == 0 && dead > 0)
		log_info("store: cleared %d stale reader slot(s)", dead);
	if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn)) != 0) {
		log_warnx("%s: lmdb: %s", path, mdb_strerror(rc));
		goto fail;
	}
	for (i = 0; i < DB_COUNT; i++)
		if ((rc = mdb_dbi_open(txn, db_names[i], MDB_CREATE,
		    &s->dbi[i])) != 0) {
			log_warnx("%s: lmdb %s: %s", path, db_names[i],
			    mdb_strerror(rc));
			mdb_txn_abort(txn);
			goto fail;
		}
	if ((rc = evidx_build(s, txn)) != 0) {
		log_warnx("%s: lmdb: cannot index the events: %s", path,
		    mdb_strerror(rc));
		mdb_txn_abort(txn);
		goto fail;
	}
	if ((rc = mdb_txn_commit(txn)) != 0) {
		log_warnx("%s: lmdb: %s", path, mdb_strerror(rc));
		goto fail;
	}
	*sp = s;
	return 0;
fail:
	if (s->env != NULL)
		mdb_env_close(s->env);
	free(s);
	return -1;
}

void
store_close(struct store **sp)
{
	struct store *s = *sp;

	if (s == NULL)
		return;
	if (s->batch != NULL)
		mdb_txn_abort(s->batch);	/* nobody was told yet */
	mdb_env_close(s->env);
	free(s);
	*sp = NULL;
}

MDB_dbi
store_dbi(struct store *s, enum store_db db)
{
	return s->dbi[db];
}

/*
 * LMDB splits a full leaf in the middle, so rows that always arrive in
 * key order leave every page half full (a row of 1.5 KiB: one to a 4 KiB
 * page).  Put at the end of the table with MDB_APPEND, which fills the
 * page first, when the key sorts after every other one; anywhere else,
 * or for a key already there, LMDB answers MDB_KEYEXIST without having
 * touched anything, and it is an ordinary put (which may overwrite).
 */
int
store_put_end(MDB_txn *txn, MDB_dbi dbi, MDB_val *k, MDB_val *v)
{
	int rc;

	if ((rc = mdb_put(txn, dbi, k, v, MDB_APPEND)) != MDB_KEYEXIST)
		return rc;
	return mdb_put(txn, dbi, k, v, 0);
}

static int
grow(struct store *s)
{
	size_t next = s->mapsize * 2;
	int rc;

	if (next > STORE_MAP_MAX || next < s->mapsize) {
		log_warnx("store: map size limit reached (%zu bytes)",
		    s->mapsize);
		return -1;
	}
	if ((rc = mdb_env_set_mapsize(s->env, next)) != 0) {
		log_warnx("store: cannot grow the map to %zu bytes: %s", next,
		    mdb_strerror(rc));
		return -1;
	}
	log_info("store: map grown from %zu to %zu bytes", s->mapsize, next);
	s->mapsize = next;
	return 0;
}

/* Runs fn in a transaction of its own, committed durably at once. */
static int
write_now(struct store *s, int (*fn)(MDB_txn *, void *), void *arg)
{
	MDB_txn *txn;
	int rc, r, tries;

	for (tries = 0; tries < 40; tries++) {
		if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn)) != 0) {
			if (rc == MDB_MAP_RESIZED &&
			    mdb_env_set_mapsize(s->env, 0) == 0)
				continue;
			log_warnx("store: begin: %s", mdb_strerror(rc));
			return -1;
		}
		r = fn(txn, arg);
		if (r == MDB_MAP_FULL) {
			mdb_txn_abort(txn);
			if (grow(s) == -1)
				return -1;
			continue;
		}
		if (r != 0) {
			mdb_txn_abort(txn);
			return r;
		}
		rc = mdb_txn_commit(txn);
		if (rc == 0)
			return 0;
		if (rc == MDB_MAP_FULL) {
			if (grow(s) == -1)
				return -1;
			continue;
		}
		log_warnx("store: commit: %s", mdb_strerror(rc));
		return -1;
	}
	log_warnx("store: gave up after repeated map growth");
	return -1;
}

/*
 * The map filled up inside the open batch: make durable what the batch
 * holds so far, grow the map and open the batch again.  Returns 0, or
 * -1 when what the batch held is lost (its commit failed) or no new
 * batch could be opened.
 */
static int
batch_regrow(struct store *s)
{
	int rc, lost = 0;

	rc = mdb_txn_commit(s->batch);
	s->batch = NULL;
	if (rc != 0) {
		log_warnx("store: commit: %s", mdb_strerror(rc));
		s->batch_lost = true;
		lost = -1;
	}
	if (grow(s) == -1)
		return -1;
	if ((rc = mdb_txn_begin(s->env, NULL, 0, &s->batch)) != 0) {
		log_warnx("store: begin: %s", mdb_strerror(rc));
		s->batch = NULL;
		return -1;
	}
	return lost;
}

/* Runs fn in a transaction nested in the open batch. */
static int
write_batched(struct store *s, int (*fn)(MDB_txn *, void *), void *arg)
{
	MDB_txn *child;
	int rc, r, tries;

	for (tries = 0; tries < 40 && s->batch != NULL; tries++) {
		if ((rc = mdb_txn_begin(s->env, s->batch, 0, &child)) != 0) {
			log_warnx("store: begin nested: %s", mdb_strerror(rc));
			return -1;
		}
		r = fn(child, arg);
		if (r == 0)
			r = mdb_txn_commit(child);	/* into the batch */
		else
			mdb_txn_abort(child);
		/*
		 * fn may have been given what earlier items of the batch
		 * wrote (a new event's prev and Lamport counter are read in
		 * the batch): run it again only if those are durable now.
		 */
		if (r == MDB_MAP_FULL) {
			if (batch_regrow(s) == -1)
				return -1;
			continue;
		}
		return r;
	}
	log_warnx("store: gave up after repeated map growth");
	return -1;
}

int
store_write(struct store *s, int (*fn)(MDB_txn *, void *), void *arg)
{
	if (s->batch != NULL)
		return write_batched(s, fn, arg);
	return write_now(s, fn, arg);
}

int
store_batch_begin(struct store *s)
{
	MDB_envinfo info;
	MDB_stat st;
	int rc;

	if (s->batch != NULL)
		return 0;
	/*
	 * A batch cannot be run again after a full map, so grow ahead of
	 * need: when the map is more than half used.  (A write that still
	 * finds it full commits what came before, then grows; if that
	 * commit fails too, the batch is lost and every item of it is
	 * answered with an error: nothing is announced that is not
	 * stored.)
	 */
	if (mdb_env_info(s->env, &info) == 0 && mdb_env_stat(s->env, &st) ==
	    0 && (info.me_last_pgno + 1) * (size_t)st.ms_psize >
	    s->mapsize / 2)
		(void)grow(s);
	for (;;) {
		rc = mdb_txn_begin(s->env, NULL, 0, &s->batch);
		if (rc == MDB_MAP_RESIZED && mdb_env_set_mapsize(s->env, 0) ==
		    0)
			continue;
		break;
	}
	if (rc != 0) {
		log_warnx("store: begin: %s", mdb_strerror(rc));
		s->batch = NULL;
		return -1;
	}
	return 0;	/* batch_lost stays until the commit reports it */
}

bool
store_batch_open(struct store *s)
{
	return s->batch != NULL;
}

int
store_batch_commit(struct store *s)
{
	bool lost = s->batch_lost;
	int rc;

	s->batch_lost = false;
	if (s->batch == NULL)
		return lost ? -1 : 0;
	rc = mdb_txn_commit(s->batch);
	s->batch = NULL;
	if (rc != 0) {
		log_warnx("store: commit: %s", mdb_strerror(rc));
		return -1;
	}
	return lost ? -1 : 0;
}

int
store_read(struct store *s, MDB_txn **txn)
{
	int rc;

	/* Inside a batch, a reader sees what the batch wrote so far. */
	if (s->batch != NULL) {
		if ((rc = mdb_txn_begin(s->env, s->batch, 0, txn)) != 0) {
			log_warnx("store: read: %s", mdb_strerror(rc));
			return -1;
		}
		return 0;
	}
	if ((rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, txn)) != 0) {
		if (rc == MDB_MAP_RESIZED &&
		    mdb_env_set_mapsize(s->env, 0) == 0 &&
		    mdb_txn_begin(s->env, NULL, MDB_RDONLY, txn) == 0)
			return 0;
		log_warnx("store: read: %s", mdb_strerror(rc));
		return -1;
	}
	return 0;
}

int
store_reader_check(struct store *s)
{
	int dead = 0;

	if (mdb_reader_check(s->env, &dead) == 0 && dead > 0)
		log_info("store: cleared %d stale reader slot(s)", dead);
	return dead;
}
