/*
 * The persistent outbox: one row per (recipient, envelope) in DB_OUTBOX,
 * written in the same transaction as the event.  A row goes away only
 * when that recipient acknowledges the envelope (applied, duplicate or
 * refused for good).  Until then it is resent with capped exponential
 * backoff; the backoff state lives in memory, so after a restart every
 * row is due at once.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "tafel/receipt.h"
#include "tafel/util.h"

#define OB_KEY_MAX	(TAFEL_ORG_MAX + 1 + TAFEL_HASH_BYTES)
#define GONE_MAX	64	/* rows settled per round, for a member gone */
#define OB_ROW_LEN	9	/* kind, enqueue time */
#define OB_ROW_ID_LEN	25	/* ... then an event's message id */
#define DELIV_HDR	41	/* status, time, receipt hash */

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

/* An outbox row's value; *id is its message id, or NULL (a table). */
static bool
ob_row(const MDB_val *v, const uint8_t **id)
{
	*id = v->mv_size == OB_ROW_ID_LEN ? (const uint8_t *)v->mv_data +
	    OB_ROW_LEN : NULL;
	return v->mv_size == OB_ROW_LEN || v->mv_size == OB_ROW_ID_LEN;
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
    const uint8_t hash[32], const uint8_t *id, const char *const *orgs,
    size_t n)
{
	uint8_t key[OB_KEY_MAX], row[OB_ROW_ID_LEN];
	uint64_t t = now_sec();
	MDB_val k, v;
	size_t i;
	int rc;

	/* kind (1) || enqueue time, seconds (u64be) [|| message id (16)] */
	row[0] = (uint8_t)kind;
	for (i = 0; i < 8; i++)
		row[1 + i] = (uint8_t)(t >> (56 - 8 * i));
	if (id != NULL)
		memcpy(row + OB_ROW_LEN, id, TAFEL_ID_BYTES);
	for (i = 0; i < n; i++) {
		k.mv_data = key;
		k.mv_size = ob_key(key, orgs[i], hash);
		v.mv_data = row;
		v.mv_size = id != NULL ? OB_ROW_ID_LEN : OB_ROW_LEN;
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
    size_t len, uint64_t *lamport)
{
	struct dtable *dt;
	struct tafel_hdr *h;
	bool ok = false;

	if ((h = malloc(sizeof(*h))) == NULL)
		fatal("malloc");
	if (tafel_env_parse_hdr(env, len, h) == 0) {
		ok = (dt = tables_find(d, h->table)) != NULL &&
		    tables_member(dt, org) != NULL;
		if (lamport != NULL)
			*lamport = h->lamport;
	}
	free(h);
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

/*
 * Our envelopes under message id and hash: ids begin with the time and
 * grow, so each new one goes to the end of DB_TXENVS, where under its
 * hash alone it went to a page at random.
 */
static void
txenv_key(uint8_t key[TAFEL_ID_BYTES + 32], const uint8_t *id,
    const uint8_t h[32])
{
	memcpy(key, id, TAFEL_ID_BYTES);
	memcpy(key + TAFEL_ID_BYTES, h, 32);
}

int
outbox_env_put(struct tafeld *d, MDB_txn *txn, const uint8_t hash[32],
    const uint8_t id[16], const uint8_t *buf, size_t len)
{
	uint8_t key[TAFEL_ID_BYTES + 32];
	MDB_val k, v;

	txenv_key(key, id, hash);
	k.mv_data = key;
	k.mv_size = sizeof(key);
	v.mv_data = (void *)buf;
	v.mv_size = len;
	return store_put_end(txn, store_dbi(d->store, DB_TXENVS), &k, &v);
}

int
outbox_env_get(struct tafeld *d, MDB_txn *txn, const uint8_t hash[32],
    const uint8_t *id, MDB_val *v)
{
	uint8_t key[TAFEL_ID_BYTES + 32];
	MDB_val k;
	int rc;

	if (id != NULL) {
		txenv_key(key, id, hash);
		k.mv_data = key;
		k.mv_size = sizeof(key);
		if ((rc = mdb_get(txn, store_dbi(d->store, DB_TXENVS), &k,
		    v)) != MDB_NOTFOUND)
			return rc;
	}
	k.mv_data = (void *)hash;
	k.mv_size = 32;
	return mdb_get(txn, store_dbi(d->store, DB_ENVS), &k, v);
}

/*
 * table: the table the envelope belongs to, when the caller knows it
 * (no need to parse the envelope once per recipient); NULL: read it
 * from the envelope.
 */
static void
kick_now(struct tafeld *d, const uint8_t hash[32], const char *table,
    const char *const *orgs, size_t n)
{
	uint8_t key[OB_KEY_MAX];
	struct dtable *dt = NULL;
	MDB_txn *txn;
	const uint8_t *id;
	MDB_val k, v, kv;
	size_t i;
	bool member;

	if (n == 0 || store_read(d->store, &txn) != 0)
		return;
	if (table != NULL)
		dt = tables_find(d, table);
	v.mv_data = NULL;
	for (i = 0; i < n; i++) {
		k.mv_data = key;
		k.mv_size = ob_key(key, orgs[i], hash);
		if (mdb_get(txn, store_dbi(d->store, DB_OUTBOX), &k,
		    &kv) != 0 || !ob_row(&kv, &id))
			continue;
		/* The same bytes for every recipient: read once. */
		if (v.mv_data == NULL && outbox_env_get(d, txn, hash,
		    id, &v) != 0)
			break;
		if (*(uint8_t *)kv.mv_data != OUTBOX_ENV)
			member = true;
		else if (table != NULL)
			member = dt != NULL &&
			    tables_member(dt, orgs[i]) != NULL;
		else
			member = still_member(d, orgs[i], v.mv_data,
			    v.mv_size, NULL);
		if (member)
			send_one(d, orgs[i], *(uint8_t *)kv.mv_data,
			    hash, v.mv_data, v.mv_size);
	}
	mdb_txn_abort(txn);
}

struct kick {
	uint8_t		 hash[32];
	char		 table[TAFEL_ORG_MAX + 1];	/* "": unknown */
	size_t		 n;
	char		 org[TAFEL_MAX_RECIPIENTS][TAFEL_ORG_MAX + 1];
};

static void
kick_action(struct tafeld *d, void *arg, bool durable)
{
	struct kick *k = arg;
	const char *orgs[TAFEL_MAX_RECIPIENTS];
	size_t i;

	for (i = 0; i < k->n; i++)
		orgs[i] = k->org[i];
	if (durable)	/* else there are no rows to send */
		kick_now(d, k->hash, k->table[0] != '\0' ? k->table : NULL,
		    orgs, k->n);
	free(k);
}

void
outbox_kick(struct tafeld *d, const uint8_t hash[32], const char *table,
    const char *const *orgs, size_t n)
{
	struct kick *k;
	size_t i;

	if (n == 0)
		return;
	if ((k = malloc(sizeof(*k))) == NULL)
		fatal("malloc");
	memcpy(k->hash, hash, 32);
	snprintf(k->table, sizeof(k->table), "%s", table != NULL ? table : "");
	k->n = n < TAFEL_MAX_RECIPIENTS ? n : TAFEL_MAX_RECIPIENTS;
	for (i = 0; i < k->n; i++)
		snprintf(k->org[i], sizeof(k->org[i]), "%s", orgs[i]);
	/* Rows are sent once they are durable, after the group commit. */
	commit_after(d, kick_action, k);
}

/* A row that is due, to be sent in causal order. */
struct due {
	char		 org[TAFEL_ORG_MAX + 1];
	const uint8_t	*h;		/* into the read transaction */
	const uint8_t	*env;
	size_t		 envlen;
	uint8_t		 kind;
	uint64_t	 lamport;	/* 0 for table documents */
	size_t		 seq;
};

static int
due_cmp(const void *a, const void *b)
{
	const struct due *x = a, *y = b;

	if (x->lamport != y->lamport)
		return x->lamport < y->lamport ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/*
 * Every row that is due, sent in Lamport order: an event is never sent
 * before one it follows (its prev has a smaller counter), so that a
 * recipient catching up after an outage applies them in one round
 * instead of waiting for each missing predecessor (11, gaps).
 */
int
outbox_retry(struct tafeld *d)
{
	struct {
		char	org[TAFEL_ORG_MAX + 1];
		uint8_t	h[32];
	} gone[GONE_MAX];
	struct due *due = NULL, *dp;
	size_t ndue = 0, cap = 0;
	MDB_cursor *c;
	MDB_txn *txn;
	MDB_val k, v;
	uint64_t now = now_ms();
	size_t ngone = 0, i;
	int rc, sent = 0;

	/* Only what is durable leaves: commit an open batch first. */
	if (commit_pending(d) && commit_flush(d) != 0)
		return -1;
	if (store_read(d->store, &txn) != 0)
		return -1;
	if (mdb_cursor_open(txn, store_dbi(d->store, DB_OUTBOX), &c) != 0) {
		mdb_txn_abort(txn);
		return -1;
	}
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		const uint8_t *p = k.mv_data, *z, *id;
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
		if (!ob_row(&v, &id))
			continue;
		kind = *(uint8_t *)v.mv_data;
		r = retry_get(d, org, z + 1);
		if (r->next > now)
			continue;
		if (outbox_env_get(d, txn, z + 1, id, &ev2) != 0)
			continue;
		if (ndue == cap) {
			cap = cap ? 2 * cap : 64;
			if ((dp = reallocarray(due, cap, sizeof(*due))) == NULL)
				fatal("reallocarray");
			due = dp;
		}
		dp = &due[ndue];
		dp->lamport = 0;
		if (kind == OUTBOX_ENV && !still_member(d, org, ev2.mv_data,
		    ev2.mv_size, &dp->lamport)) {
			if (ngone < GONE_MAX) {
				memcpy(gone[ngone].org, org, sizeof(org));
				memcpy(gone[ngone].h, z + 1, 32);
				ngone++;
			}
			continue;
		}
		memcpy(dp->org, org, sizeof(org));
		dp->h = z + 1;
		dp->env = ev2.mv_data;
		dp->envlen = ev2.mv_size;
		dp->kind = kind;
		dp->seq = ndue++;
	}
	mdb_cursor_close(c);
	if (ndue > 1)
		qsort(due, ndue, sizeof(*due), due_cmp);
	for (i = 0; i < ndue; i++) {
		send_one(d, due[i].org, due[i].kind, due[i].h, due[i].env,
		    due[i].envlen);
		sent++;
	}
	free(due);
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

/*
 * A delivery row: status (1) || time in ms (u64be) || receipt hash (32;
 * zeros when settled here, without a receipt) || reason.  An event's
 * row is DB_EVDELIV[message id || org]: message ids begin with the time,
 * so the rows a receipt settles lie together at the end of the table
 * instead of one page each.  A table document's row, and an event's
 * written before DB_EVDELIV existed, is DB_DELIV[hash || org].
 */
static size_t
deliv_key(struct tafeld *d, uint8_t dk[32 + TAFEL_ORG_MAX], const uint8_t h[32],
    const uint8_t *id, const char *org, MDB_dbi *dbi)
{
	size_t n = strnlen(org, TAFEL_ORG_MAX), klen = id != NULL ?
	    TAFEL_ID_BYTES : 32;

	memcpy(dk, id != NULL ? id : h, klen);
	memcpy(dk + klen, org, n);
	*dbi = store_dbi(d->store, id != NULL ? DB_EVDELIV : DB_DELIV);
	return klen + n;
}

static int
deliv_put(struct tafeld *d, MDB_txn *txn, const char *org,
    const uint8_t h[32], const uint8_t *id, enum tafel_ack_status st,
    uint64_t time_ms, const uint8_t *rcpt_hash, const char *why)
{
	uint8_t dk[32 + TAFEL_ORG_MAX], dv[DELIV_HDR + TAFEL_PEER_WHY_MAX];
	size_t wl = strnlen(why, TAFEL_PEER_WHY_MAX), i;
	MDB_dbi dbi;
	MDB_val k, v;

	k.mv_size = deliv_key(d, dk, h, id, org, &dbi);
	dv[0] = (uint8_t)st;
	for (i = 0; i < 8; i++)
		dv[1 + i] = (uint8_t)(time_ms >> (56 - 8 * i));
	if (rcpt_hash != NULL)
		memcpy(dv + 9, rcpt_hash, 32);
	else
		memset(dv + 9, 0, 32);
	memcpy(dv + DELIV_HDR, why, wl);
	k.mv_data = dk;
	v.mv_data = dv;
	v.mv_size = DELIV_HDR + wl;
	return store_put_end(txn, dbi, &k, &v);
}

int
outbox_deliv_get(struct tafeld *d, MDB_txn *txn, const uint8_t h[32],
    const uint8_t *id, const char *org, struct deliv *out)
{
	uint8_t dk[32 + TAFEL_ORG_MAX];
	MDB_dbi dbi;
	MDB_val k, v;
	const uint8_t *p;
	size_t i;
	int rc;

	memset(out, 0, sizeof(*out));
	k.mv_data = dk;
	rc = MDB_NOTFOUND;
	if (id != NULL) {
		k.mv_size = deliv_key(d, dk, h, id, org, &dbi);
		rc = mdb_get(txn, dbi, &k, &v);
	}
	if (rc == MDB_NOTFOUND) {
		k.mv_data = dk;
		k.mv_size = deliv_key(d, dk, h, NULL, org, &dbi);
		rc = mdb_get(txn, dbi, &k, &v);
	}
	if (rc == MDB_NOTFOUND) {
		uint8_t key[OB_KEY_MAX];

		k.mv_data = key;
		k.mv_size = ob_key(key, org, h);
		rc = mdb_get(txn, store_dbi(d->store, DB_OUTBOX), &k, &v);
		if (rc == MDB_NOTFOUND)
			return 1;
		if (rc != 0)
			return -1;
		out->st = 0;	/* pending */
		return 0;
	}
	if (rc != 0 || v.mv_size < DELIV_HDR ||
	    v.mv_size > DELIV_HDR + TAFEL_PEER_WHY_MAX)
		return -1;
	p = v.mv_data;
	out->st = p[0];
	for (i = 0; i < 8; i++)
		out->time_ms = (out->time_ms << 8) | p[1 + i];
	memcpy(out->rcpt, p + 9, 32);
	memcpy(out->why, p + DELIV_HDR, v.mv_size - DELIV_HDR);
	out->why[v.mv_size - DELIV_HDR] = '\0';
	return 0;
}

struct ack_arg {
	struct tafeld		*d;
	const char		*org;
	const struct tafel_rcpt_item *items;
	size_t			 n;
	bool			*had;		/* per item */
	const uint8_t		*rcpt;		/* receipt bytes, or NULL */
	size_t			 rcptlen;
	uint8_t			 rcpt_hash[32];
	uint64_t		 time_ms;
};

/* Settles the rows the items name: the receipt, the delivery rows. */
static int
ack_txn(MDB_txn *txn, void *arg)
{
	struct ack_arg *a = arg;
	uint8_t key[OB_KEY_MAX], id[TAFEL_ID_BYTES];
	const uint8_t *rid;
	MDB_cursor *c;
	MDB_val k, v;
	size_t i, settled = 0;
	int rc;

	/* One lookup per item: the row is read and deleted at the cursor. */
	if ((rc = mdb_cursor_open(txn, store_dbi(a->d->store, DB_OUTBOX),
	    &c)) != 0)
		return rc;
	for (i = 0; i < a->n; i++) {
		a->had[i] = false;
		k.mv_data = key;
		k.mv_size = ob_key(key, a->org, a->items[i].h);
		rc = mdb_cursor_get(c, &k, &v, MDB_SET_KEY);
		if (rc == MDB_NOTFOUND)
			continue;	/* a stale or repeated answer */
		if (rc != 0)
			break;
		/* The row's message id, before the row goes. */
		if (ob_row(&v, &rid) && rid != NULL)
			memcpy(id, rid, sizeof(id));
		if ((rc = mdb_cursor_del(c, 0)) != 0)
			break;
		a->had[i] = true;
		settled++;
		if ((rc = deliv_put(a->d, txn, a->org, a->items[i].h,
		    rid != NULL ? id : NULL, a->items[i].st, a->time_ms,
		    a->rcpt != NULL ? a->rcpt_hash : NULL,
		    a->items[i].why)) != 0)
			break;
		/* The exchange log: a signed receipt only, not a settlement. */
		if (a->rcpt != NULL && (rc = audit_receipt(a->d, txn, a->org,
		    a->items[i].h, a->items[i].st, a->items[i].why)) != 0)
			break;
	}
	mdb_cursor_close(c);
	if (i < a->n)
		return rc;
	if (settled == 0)
		return 1;	/* nothing to do */
	if (a->rcpt != NULL) {
		/* Kept as received, for the sender's own proof. */
		k.mv_data = a->rcpt_hash;
		k.mv_size = 32;
		v.mv_data = (void *)a->rcpt;
		v.mv_size = a->rcptlen;
		if ((rc = mdb_put(txn, store_dbi(a->d->store, DB_ENVS), &k, &v,
		    0)) != 0)
			return rc;
	}
	return 0;
}

/* Settles n rows of org in one write; logs each. */
static void
settle(struct tafeld *d, const char *org, const struct tafel_rcpt_item *items,
    size_t n, const uint8_t *rcpt, size_t rcptlen, uint64_t time_ms)
{
	struct ack_arg a;
	bool had[TAFEL_RCPT_MAX_ITEMS];
	char hex[65], first[17] = "";
	size_t i, ok;
	int rc;

	if (n == 0 || n > TAFEL_RCPT_MAX_ITEMS)
		return;
	memset(&a, 0, sizeof(a));
	a.d = d;
	a.org = org;
	a.items = items;
	a.n = n;
	a.had = had;
	a.rcpt = rcpt;
	a.rcptlen = rcptlen;
	a.time_ms = time_ms;
	if (rcpt != NULL)
		crypto_hash_sha256(a.rcpt_hash, rcpt, rcptlen);
	if (commit_begin(d) != 0)
		return;
	rc = store_write(d->store, ack_txn, &a);
	if (rc == 1)
		return;
	if (rc != 0) {
		log_warnx("outbox: could not record the receipt of %s", org);
		return;
	}
	/*
	 * One line per receipt under load (a receipt covers a commit's
	 * worth of envelopes; the exchange log and record.delivery keep
	 * each one), one line per item at -v.  A refusal is always its
	 * own warning.
	 */
	for (i = 0, ok = 0; i < n; i++) {
		if (!had[i])
			continue;
		retry_drop(d, org, items[i].h);
		tafel_hex(hex, items[i].h, 32);
		if (items[i].st == TAFEL_ACK_OK) {
			log_debug("delivered %.16s to %s", hex, org);
			if (ok++ == 0)
				memcpy(first, hex, sizeof(first) - 1);
		} else
			log_warnx("%s refused %.16s: %s", org, hex,
			    items[i].why);
	}
	if (ok == 1)
		log_info("delivered %s to %s", first, org);
	else if (ok > 1)
		log_info("delivered %zu items to %s in one receipt", ok,
		    org);
}

void
outbox_ack(struct tafeld *d, struct peer *p, const struct tafel_peer_msg *m)
{
	struct tafel_rcpt_item it;
	char hex[65];

	if (m->st == TAFEL_ACK_RETRY) {
		tafel_hex(hex, m->h, 32);
		log_debug("peer %s deferred %.16s: %s", p->org, hex, m->why);
		return;		/* the backoff already set stays */
	}
	memset(&it, 0, sizeof(it));
	memcpy(it.h, m->h, 32);
	it.st = m->st;
	snprintf(it.why, sizeof(it.why), "%s", m->why);
	settle(d, p->org, &it, 1, NULL, 0, now_ms_wall());
}

void
outbox_receipt(struct tafeld *d, struct peer *p, const uint8_t *buf,
    size_t len)
{
	struct tafel_rcpt r;
	int rc;

	if ((rc = tafel_rcpt_verify(buf, len, p->sign_pk, &r)) != 0) {
		d->refused++;
		log_warnx("peer %s: receipt refused: %s", p->org,
		    tafel_strerror(rc));
		return;
	}
	if (strcmp(r.by, p->org) != 0 || strcmp(r.to, d->self.org) != 0) {
		d->refused++;
		log_warnx("peer %s: receipt refused: it is from %s to %s",
		    p->org, r.by, r.to);
		free(r.items);
		return;
	}
	settle(d, p->org, r.items, r.nitems, buf, len, now_ms_wall());
	free(r.items);
}

int
outbox_drop_org(struct tafeld *d, MDB_txn *txn, const char *org)
{
	/* Per row: its hash (32), 1 if a message id follows, the id. */
	enum { ROW = 32 + 1 + TAFEL_ID_BYTES };
	uint8_t key[OB_KEY_MAX], *rows = NULL, *p;
	const uint8_t *id;
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
		if ((p = reallocarray(rows, count + 1, ROW)) == NULL) {
			mdb_cursor_close(c);
			free(rows);
			return -1;
		}
		rows = p;
		p += ROW * count++;
		memcpy(p, (uint8_t *)k.mv_data + n + 1, 32);
		p[32] = ob_row(&v, &id) && id != NULL;
		if (p[32])
			memcpy(p + 33, id, TAFEL_ID_BYTES);
	}
	mdb_cursor_close(c);
	rc = 0;
	for (i = 0, p = rows; i < count && rc == 0; i++, p += ROW) {
		k.mv_data = key;
		k.mv_size = ob_key(key, org, p);
		if ((rc = mdb_del(txn, store_dbi(d->store, DB_OUTBOX), &k,
		    NULL)) != 0)
			break;
		rc = deliv_put(d, txn, org, p, p[32] ? p + 33 : NULL,
		    TAFEL_ACK_REFUSED, now_ms_wall(), NULL,
		    "no longer a member of the table");
	}
	/* The backoff state goes only once the transaction is certain. */
	free(rows);
	if (rc != 0)
		return rc == MDB_MAP_FULL ? MDB_MAP_FULL : -1;
	return (int)count;
}

size_t
outbox_pending(struct tafeld *d, const char *org, uint64_t *oldest)
{
	const uint8_t *id;
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
		if (!ob_row(&v, &id))
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

/* The envelope hash an event row names (its "env"), and its message id. */
static int
event_env(struct tafeld *d, MDB_txn *txn, const uint8_t eh[32],
    uint8_t env[32], uint8_t id[TAFEL_ID_BYTES])
{
	struct tafel_hdr *h;
	struct event_row row;
	uint8_t key[56];
	MDB_val k, v;

	k.mv_data = (void *)eh;
	k.mv_size = 32;
	if (mdb_get(txn, store_dbi(d->store, DB_EVIDX), &k, &v) != 0 ||
	    v.mv_size != 24)
		return -1;
	memcpy(key, v.mv_data, 24);
	memcpy(key + 24, eh, 32);
	k.mv_data = key;
	k.mv_size = sizeof(key);
	if (mdb_get(txn, store_dbi(d->store, DB_EVENTS), &k, &v) != 0 ||
	    cases_row_decode(v.mv_data, v.mv_size, &row) != 0)
		return -1;
	if ((h = malloc(sizeof(*h))) == NULL)
		fatal("malloc");
	if (tafel_hdr_decode(row.hdr, row.hdrlen, h) != 0) {
		free(h);
		return -1;
	}
	memcpy(env, row.env, 32);
	memcpy(id, h->id, TAFEL_ID_BYTES);
	free(h);
	return 0;
}

void
outbox_want(struct tafeld *d, struct peer *p, const uint8_t (*eh)[32],
    size_t n)
{
	uint8_t env[32], ho[32], key[OB_KEY_MAX], id[TAFEL_ID_BYTES];
	MDB_txn *txn;
	MDB_val k, v;
	size_t i, due = 0;

	if (store_read(d->store, &txn) != 0)
		return;
	for (i = 0; i < n; i++) {
		if (event_env(d, txn, eh[i], env, id) != 0)
			continue;	/* not here: its author sends it */
		k.mv_data = key;
		k.mv_size = ob_key(key, p->org, env);
		if (mdb_get(txn, store_dbi(d->store, DB_OUTBOX), &k, &v) == 0) {
			retry_get(d, p->org, env)->next = 0;
			due++;
			continue;
		}
		if (delivery_copy_hash(d, txn, env, id, ho) != 0)
			continue;
		k.mv_size = ob_key(key, p->org, ho);
		if (mdb_get(txn, store_dbi(d->store, DB_OUTBOX), &k, &v) == 0) {
			retry_get(d, p->org, ho)->next = 0;
			due++;
		}
	}
	mdb_txn_abort(txn);
	log_debug("peer %s waits for %zu event(s); %zu of them queued here "
	    "go at once", p->org, n, due);
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
