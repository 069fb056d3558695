/*
 * The persistent outbox: one row per (recipient, envelope) in DB_OUTBOX,
 * written in the same transaction as the event.  A row goes away only
 * when that recipient acknowledges the envelope (applied, duplicate or
 * refused for good).  Until then it is resent with capped exponential
 * backoff; the backoff state lives in memory, so after a restart every
 * row is due at once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "tafel/util.h"

#define OB_KEY_MAX	(TAFEL_ORG_MAX + 1 + TAFEL_HASH_BYTES)
#define GONE_MAX	64	/* rows settled per round, for a member gone */
#define OB_ROW_LEN	9	/* kind, enqueue time */

struct retry {
	uint64_t	next;	/* ms */
	uint32_t	tries;
};

static void
retry_free(void **item)
{
	free(*item);
	*item = NULL;
}

static size_t
ob_key(uint8_t key[OB_KEY_MAX], const char *org, const uint8_t hash[32])
{
	size_t n = strlen(org);

	memcpy(key, org, n);
	key[n] = 0;
	memcpy(key + n + 1, hash, 32);
	return n + 1 + 32;
}

static void
retry_name(char *buf, size_t bufsz, const char *org, const uint8_t h[32])
{
	char hex[65];

	tafel_hex(hex, h, 32);
	snprintf(buf, bufsz, "%s:%s", org, hex);
}

/* Backoff state of one row, created on first use. */
static struct retry *
retry_get(struct tafeld *d, const char *org, const uint8_t h[32])
{
	char name[TAFEL_ORG_MAX + 66];
	struct retry *r;

	if (d->retries == NULL) {
		if ((d->retries = zhashx_new()) == NULL)
			fatal("zhashx_new");
		zhashx_set_destructor(d->retries, retry_free);
	}
	retry_name(name, sizeof(name), org, h);
	if ((r = zhashx_lookup(d->retries, name)) == NULL) {
		if ((r = calloc(1, sizeof(*r))) == NULL)
			fatal("calloc");
		if (zhashx_insert(d->retries, name, r) != 0)
			fatal("zhashx_insert");
	}
	return r;
}

static void
retry_drop(struct tafeld *d, const char *org, const uint8_t h[32])
{
	char name[TAFEL_ORG_MAX + 66];

	if (d->retries == NULL)
		return;
	retry_name(name, sizeof(name), org, h);
	zhashx_delete(d->retries, name);
}

void
outbox_free(struct tafeld *d)
{
	zhashx_destroy(&d->retries);
}

int
outbox_add(struct tafeld *d, MDB_txn *txn, enum outbox_kind kind,
    const uint8_t hash[32], const char *const *orgs, size_t n)
{
	uint8_t key[OB_KEY_MAX], row[OB_ROW_LEN];
	uint64_t t = now_sec();
	MDB_val k, v;
	size_t i;
	int rc;

	/* kind (1) || enqueue time, seconds (u64be) */
	row[0] = (uint8_t)kind;
	for (i = 0; i < 8; i++)
		row[1 + i] = (uint8_t)(t >> (56 - 8 * i));
	for (i = 0; i < n; i++) {
		k.mv_data = key;
		k.mv_size = ob_key(key, orgs[i], hash);
		v.mv_data = row;
		v.mv_size = sizeof(row);
		if ((rc = mdb_put(txn, store_dbi(d->store, DB_OUTBOX), &k, &v,
		    0)) != 0)
			return rc;
	}
	return 0;
}

/*
 * Is org still a member of the table the envelope names?  An envelope
 * queued before a member left its table is not sent to it any more (it
 * may still sit at another table with us).
 */
static bool
still_member(struct tafeld *d, const char *org, const uint8_t *env,
    size_t len)
{
	struct tafel_hdr h;
	struct dtable *dt;
	struct tafel_env *e;
	bool ok = false;

	if ((e = malloc(sizeof(*e))) == NULL)
		fatal("malloc");
	if (tafel_env_parse(env, len, e) == 0) {
		h = e->h;
		ok = (dt = tables_find(d, h.table)) != NULL &&
		    tables_member(dt, org) != NULL;
	}
	free(e);
	return ok;
}

/* Sends one envelope or document to one peer; schedules the next try. */
static void
send_one(struct tafeld *d, const char *org, uint8_t kind,
    const uint8_t hash[32], const uint8_t *env, size_t envlen)
{
	struct peer *p = peer_find(d, org);
	struct retry *r = retry_get(d, org, hash);
	uint64_t delay;
	uint8_t *frame;
	size_t len;

	delay = (uint64_t)TAFELD_RETRY_MIN_MS << (r->tries < 6 ? r->tries : 6);
	if (delay > TAFELD_RETRY_MAX_MS)
		delay = TAFELD_RETRY_MAX_MS;
	r->next = now_ms() + delay;
	r->tries++;
	if (p == NULL)
		return;		/* not a peer now; the row waits */
	if (r->tries > 1)	/* a resend: is anybody there? */
		net_redial(d, p);
	if ((kind == OUTBOX_TABLE ? tafel_peer_table_encode(env, envlen,
	    &frame, &len) : tafel_peer_env_encode(env, envlen, &frame, &len))
	    != 0)
		return;
	(void)net_send(d, p, frame, len);
	free(frame);
}

void
outbox_kick(struct tafeld *d, const uint8_t hash[32],
    const char *const *orgs, size_t n)
{
	uint8_t key[OB_KEY_MAX];
	MDB_txn *txn;
	MDB_val k, v, kv;
	size_t i;

	if (n == 0 || store_read(d->store, &txn) != 0)
		return;
	k.mv_data = (void *)hash;
	k.mv_size = 32;
	if (mdb_get(txn, store_dbi(d->store, DB_ENVS), &k, &v) == 0)
		for (i = 0; i < n; i++) {
			k.mv_data = key;
			k.mv_size = ob_key(key, orgs[i], hash);
			if (mdb_get(txn, store_dbi(d->store, DB_OUTBOX), &k,
			    &kv) == 0 && kv.mv_size == OB_ROW_LEN &&
			    (*(uint8_t *)kv.mv_data != OUTBOX_ENV ||
			    still_member(d, orgs[i], v.mv_data, v.mv_size)))
				send_one(d, orgs[i], *(uint8_t *)kv.mv_data,
				    hash, v.mv_data, v.mv_size);
		}
	mdb_txn_abort(txn);
}

int
outbox_retry(struct tafeld *d)
{
	struct {
		char	org[TAFEL_ORG_MAX + 1];
		uint8_t	h[32];
	} gone[GONE_MAX];
	MDB_cursor *c;
	MDB_txn *txn;
	MDB_val k, v, ev;
	uint64_t now = now_ms();
	size_t ngone = 0, i;
	int rc, sent = 0;

	if (store_read(d->store, &txn) != 0)
		return -1;
	if (mdb_cursor_open(txn, store_dbi(d->store, DB_OUTBOX), &c) != 0) {
		mdb_txn_abort(txn);
		return -1;
	}
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		const uint8_t *p = k.mv_data, *z;
		char org[TAFEL_ORG_MAX + 1];
		struct retry *r;
		uint8_t kind;
		MDB_val ev2;

		if (k.mv_size < 34 || (z = memchr(p, 0, k.mv_size)) == NULL ||
		    (size_t)(z - p) > TAFEL_ORG_MAX ||
		    k.mv_size != (size_t)(z - p) + 33)
			continue;
		memcpy(org, p, z - p);
		org[z - p] = '\0';
		if (v.mv_size != OB_ROW_LEN)
			continue;
		kind = *(uint8_t *)v.mv_data;
		r = retry_get(d, org, z + 1);
		if (r->next > now)
			continue;
		ev.mv_data = (void *)(z + 1);
		ev.mv_size = 32;
		if (mdb_get(txn, store_dbi(d->store, DB_ENVS), &ev, &ev2) != 0)
			continue;
		if (kind == OUTBOX_ENV && !still_member(d, org, ev2.mv_data,
		    ev2.mv_size)) {
			if (ngone < GONE_MAX) {
				memcpy(gone[ngone].org, org, sizeof(org));
				memcpy(gone[ngone].h, z + 1, 32);
				ngone++;
			}
			continue;
		}
		send_one(d, org, kind, z + 1, ev2.mv_data, ev2.mv_size);
		sent++;
	}
	mdb_cursor_close(c);
	mdb_txn_abort(txn);
	if (sent > 0)
		log_debug("outbox: resent %d envelope(s)", sent);
	for (i = 0; i < ngone; i++) {
		struct tafel_peer_msg m;
		struct peer p;

		/* Settle it as if the recipient had refused it. */
		memset(&m, 0, sizeof(m));
		memset(&p, 0, sizeof(p));
		memcpy(p.org, gone[i].org, sizeof(p.org));
		memcpy(m.h, gone[i].h, 32);
		m.type = TAFEL_PEER_ACK;
		m.st = TAFEL_ACK_REFUSED;
		snprintf(m.why, sizeof(m.why), "no longer a member of the "
		    "table; not sent");
		outbox_ack(d, &p, &m);
	}
	return 0;
}

struct ack_arg {
	struct store		*store;
	const char		*org;
	const uint8_t		*h;
	enum tafel_ack_status	 st;
	const char		*why;
	bool			 had;
	struct tafeld		*d;		/* audit: a receipt */
	bool			 from_peer;	/* not settled here */
};

static int
ack_txn(MDB_txn *txn, void *arg)
{
	struct ack_arg *a = arg;
	uint8_t key[OB_KEY_MAX], dk[32 + TAFEL_ORG_MAX], dv[1 +
	    TAFEL_PEER_WHY_MAX];
	size_t n = strlen(a->org), wl = strlen(a->why);
	MDB_val k, v;
	int rc;

	k.mv_data = key;
	k.mv_size = ob_key(key, a->org, a->h);
	rc = mdb_del(txn, store_dbi(a->store, DB_OUTBOX), &k, NULL);
	if (rc == MDB_NOTFOUND) {
		a->had = false;
		return 1;	/* a stale or repeated ack: nothing to do */
	}
	if (rc != 0)
		return rc;
	a->had = true;
	memcpy(dk, a->h, 32);
	memcpy(dk + 32, a->org, n);
	dv[0] = (uint8_t)a->st;
	memcpy(dv + 1, a->why, wl);
	k.mv_data = dk;
	k.mv_size = 32 + n;
	v.mv_data = dv;
	v.mv_size = 1 + wl;
	if ((rc = mdb_put(txn, store_dbi(a->store, DB_DELIV), &k, &v, 0)) != 0)
		return rc;
	if (!a->from_peer)
		return 0;
	return audit_receipt(a->d, txn, a->org, a->h, a->st, a->why);
}

void
outbox_ack(struct tafeld *d, struct peer *p, const struct tafel_peer_msg *m)
{
	struct ack_arg a;
	char hex[65];
	int rc;

	tafel_hex(hex, m->h, 32);
	if (m->st == TAFEL_ACK_RETRY) {
		log_debug("peer %s deferred %.16s: %s", p->org, hex, m->why);
		return;		/* the backoff already set stays */
	}
	a.store = d->store;
	a.d = d;
	a.from_peer = peer_find(d, p->org) == p;	/* not a settlement */
	a.org = p->org;
	a.h = m->h;
	a.st = m->st;
	a.why = m->why;
	a.had = false;
	rc = store_write(d->store, ack_txn, &a);
	if (rc == 1)
		return;
	if (rc != 0) {
		log_warnx("outbox: could not record the ack of %s", p->org);
		return;
	}
	retry_drop(d, p->org, m->h);
	if (m->st == TAFEL_ACK_OK)
		log_info("delivered %.16s to %s", hex, p->org);
	else
		log_warnx("%s refused %.16s: %s", p->org, hex, m->why);
}

int
outbox_drop_org(struct tafeld *d, MDB_txn *txn, const char *org)
{
	static const char why[] = "\002no longer a member of the table";
	uint8_t key[OB_KEY_MAX], dk[32 + TAFEL_ORG_MAX], *hashes = NULL, *p;
	size_t n = strlen(org), count = 0, i;
	MDB_cursor *c;
	MDB_val k, v;
	int rc;

	/* First collect the rows, then change the database. */
	if (mdb_cursor_open(txn, store_dbi(d->store, DB_OUTBOX), &c) != 0)
		return -1;
	memcpy(key, org, n);
	key[n] = 0;
	k.mv_data = key;
	k.mv_size = n + 1;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0 &&
	    k.mv_size == n + 1 + 32 && memcmp(k.mv_data, key, n + 1) == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if ((p = realloc(hashes, (count + 1) * 32)) == NULL) {
			mdb_cursor_close(c);
			free(hashes);
			return -1;
		}
		hashes = p;
		memcpy(hashes + 32 * count++, (uint8_t *)k.mv_data + n + 1, 32);
	}
	mdb_cursor_close(c);
	rc = 0;
	for (i = 0; i < count && rc == 0; i++) {
		k.mv_data = key;
		k.mv_size = ob_key(key, org, hashes + 32 * i);
		if ((rc = mdb_del(txn, store_dbi(d->store, DB_OUTBOX), &k,
		    NULL)) != 0)
			break;
		memcpy(dk, hashes + 32 * i, 32);
		memcpy(dk + 32, org, n);
		k.mv_data = dk;
		k.mv_size = 32 + n;
		v.mv_data = (void *)why;
		v.mv_size = sizeof(why) - 1;
		rc = mdb_put(txn, store_dbi(d->store, DB_DELIV), &k, &v, 0);
	}
	/* The backoff state goes only once the transaction is certain. */
	free(hashes);
	if (rc != 0)
		return rc == MDB_MAP_FULL ? MDB_MAP_FULL : -1;
	return (int)count;
}

size_t
outbox_pending(struct tafeld *d, const char *org, uint64_t *oldest)
{
	uint8_t key[TAFEL_ORG_MAX + 1];
	size_t n = strlen(org), count = 0, i;
	MDB_cursor *c;
	MDB_txn *txn;
	MDB_val k, v;
	int rc;

	*oldest = 0;
	if (store_read(d->store, &txn) != 0)
		return 0;
	if (mdb_cursor_open(txn, store_dbi(d->store, DB_OUTBOX), &c) != 0) {
		mdb_txn_abort(txn);
		return 0;
	}
	memcpy(key, org, n);
	key[n] = 0;
	k.mv_data = key;
	k.mv_size = n + 1;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0 &&
	    k.mv_size > n && memcmp(k.mv_data, key, n + 1) == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		uint64_t t = 0;

		count++;
		if (v.mv_size != OB_ROW_LEN)
			continue;
		for (i = 0; i < 8; i++)
			t = (t << 8) | ((uint8_t *)v.mv_data)[1 + i];
		if (*oldest == 0 || t < *oldest)
			*oldest = t;
	}
	mdb_cursor_close(c);
	mdb_txn_abort(txn);
	return count;
}

void
outbox_peer_up(struct tafeld *d, const char *org)
{
	struct retry *r;
	size_t n = strlen(org);
	const char *name;

	if (d->retries == NULL)
		return;
	for (r = zhashx_first(d->retries); r != NULL;
	    r = zhashx_next(d->retries)) {
		name = zhashx_cursor(d->retries);
		if (strncmp(name, org, n) == 0 && name[n] == ':')
			r->next = 0;	/* due at the next tick */
	}
}
