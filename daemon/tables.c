/*
 * Adopted partner-table documents: adoption (genesis and amendment),
 * lookups of members by org and by transport key.
 */
#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "tafel/util.h"

static struct dtable *
dtable_new(struct tafel_table *t, const uint8_t *doc, size_t len)
{
	struct dtable *dt;

	if ((dt = calloc(1, sizeof(*dt))) == NULL ||
	    (dt->doc = malloc(len)) == NULL)
		fatal("%s", __func__);
	memcpy(dt->doc, doc, len);
	dt->doclen = len;
	dt->t = t;
	return dt;
}

static void
dtable_free(struct dtable *dt)
{
	tafel_table_destroy(&dt->t);
	free(dt->doc);
	free(dt);
}

int
tables_load(struct tafeld *d)
{
	struct dtable *dt;
	MDB_txn *txn;
	MDB_cursor *c;
	MDB_val k, v;
	int rc, n = 0;

	if (store_read(d->store, &txn) != 0)
		return -1;
	if (mdb_cursor_open(txn, store_dbi(d->store, DB_TABLES), &c) != 0) {
		mdb_txn_abort(txn);
		return -1;
	}
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		struct tafel_table *t;

		if (tafel_table_decode(v.mv_data, v.mv_size, &t) != 0) {
			log_warnx("store: table %.*s does not decode; skipped",
			    (int)k.mv_size, (char *)k.mv_data);
			continue;
		}
		dt = dtable_new(t, v.mv_data, v.mv_size);
		TAILQ_INSERT_TAIL(&d->tables, dt, entry);
		n++;
	}
	mdb_cursor_close(c);
	mdb_txn_abort(txn);
	log_info("loaded %d adopted table(s)", n);
	return 0;
}

void
tables_free(struct tafeld *d)
{
	struct dtable *dt;

	while ((dt = TAILQ_FIRST(&d->tables)) != NULL) {
		TAILQ_REMOVE(&d->tables, dt, entry);
		dtable_free(dt);
	}
}

struct dtable *
tables_find(struct tafeld *d, const char *id)
{
	struct dtable *dt;

	TAILQ_FOREACH(dt, &d->tables, entry)
		if (strcmp(dt->t->id, id) == 0)
			return dt;
	return NULL;
}

const struct tafel_member *
tables_member(const struct dtable *dt, const char *org)
{
	return tafel_table_member(dt->t, org);
}

const char *
tables_org_by_curve(struct tafeld *d, const uint8_t pk[32])
{
	struct dtable *dt;
	size_t i;

	TAILQ_FOREACH(dt, &d->tables, entry)
		for (i = 0; i < dt->t->nmembers; i++) {
			const struct tafel_card *c = &dt->t->members[i].card;

			if (strcmp(c->org, d->self.org) != 0 &&
			    memcmp(c->curve_pk, pk, 32) == 0)
				return c->org;
		}
	return NULL;
}

bool
tables_is_member(struct tafeld *d, const char *org)
{
	struct dtable *dt;

	TAILQ_FOREACH(dt, &d->tables, entry)
		if (tafel_table_member(dt->t, org) != NULL)
			return true;
	return false;
}

/* Does expect (fingerprint digits, spaces optional, or 64 hex) match? */
static bool
expect_matches(const char *expect, const uint8_t hash[32])
{
	char fpr[TAFEL_FPR_LEN + 1], a[80], b[80], hex[65];
	size_t i, n = 0;

	for (i = 0; expect[i] != '\0'; i++) {
		if (expect[i] == ' ')
			continue;
		if (n == sizeof(a) - 1)
			return false;
		a[n++] = tolower((unsigned char)expect[i]);
	}
	a[n] = '\0';
	tafel_hex(hex, hash, 32);
	if (n == 64)
		return strcmp(a, hex) == 0;
	tafel_fingerprint(fpr, hash);
	for (i = 0, n = 0; fpr[i] != '\0'; i++)
		if (fpr[i] != ' ')
			b[n++] = fpr[i];
	b[n] = '\0';
	return n == 30 && strcmp(a, b) == 0;
}

struct adopt_arg {
	struct tafeld		*d;
	const struct tafel_table *t;
	const struct tafel_table *cur;		/* NULL: a new table */
	const uint8_t		*doc;
	size_t			 len;
	uint8_t			 dochash[32];	/* SHA-256 of doc */
	const char		*to[TAFEL_MAX_MEMBERS];	/* distribute to */
	size_t			 nto;
};

/* Is org a member of an adopted table other than id? */
static bool
at_other_table(struct tafeld *d, const char *id, const char *org)
{
	struct dtable *dt;

	TAILQ_FOREACH(dt, &d->tables, entry)
		if (strcmp(dt->t->id, id) != 0 &&
		    tafel_table_member(dt->t, org) != NULL)
			return true;
	return false;
}

/* The "table-adopted" entry of the exchange log. */
static int
adopt_audit(struct adopt_arg *a, MDB_txn *txn)
{
	struct tafel_audit_entry e;

	memset(&e, 0, sizeof(e));
	e.kind = TAFEL_AUDIT_TABLE_ADOPTED;
	snprintf(e.table, sizeof(e.table), "%s", a->t->id);
	e.has_tver = true;
	e.tver = a->t->version;
	e.has_env = true;
	memcpy(e.env, a->dochash, 32);
	return audit_append(a->d, txn, &e);
}

/*
 * One transaction: the document (current and history), its distribution
 * to the other members, and, for an amendment, the revocation of those
 * that left: out of every case of the table, their outbox rows dropped.
 */
static int
adopt_txn(MDB_txn *txn, void *arg)
{
	struct adopt_arg *a = arg;
	struct store *st = a->d->store;
	uint8_t key[TAFEL_ORG_MAX + 1 + 8];
	size_t idlen = strlen(a->t->id), i;
	MDB_val k, v;
	int rc;

	k.mv_data = (void *)a->t->id;
	k.mv_size = idlen;
	v.mv_data = (void *)a->doc;
	v.mv_size = a->len;
	if ((rc = mdb_put(txn, store_dbi(st, DB_TABLES), &k, &v, 0)) != 0)
		return rc;
	memcpy(key, a->t->id, idlen);
	key[idlen] = 0;
	for (i = 0; i < 8; i++)
		key[idlen + 1 + i] = (uint8_t)(a->t->version >> (56 - 8 * i));
	k.mv_data = key;
	k.mv_size = idlen + 9;
	if ((rc = mdb_put(txn, store_dbi(st, DB_TABLEHIST), &k, &v, 0)) != 0)
		return rc;
	if ((rc = adopt_audit(a, txn)) != 0)
		return rc;
	if (a->nto > 0) {
		k.mv_data = a->dochash;
		k.mv_size = 32;
		if ((rc = mdb_put(txn, store_dbi(st, DB_ENVS), &k, &v, 0)) != 0 ||
		    (rc = outbox_add(a->d, txn, OUTBOX_TABLE, a->dochash, NULL,
		    a->to, a->nto)) != 0)
			return rc;
	}
	if (a->cur == NULL)
		return 0;
	if ((rc = cases_revoke(a->d, txn, a->t)) < 0)
		return rc == MDB_MAP_FULL ? rc : -1;
	for (i = 0; i < a->cur->nmembers; i++) {
		const char *org = a->cur->members[i].card.org;

		if (tafel_table_member(a->t, org) != NULL ||
		    strcmp(org, a->d->self.org) == 0 ||
		    at_other_table(a->d, a->t->id, org))
			continue;	/* its rows of other tables stay */
		if ((rc = outbox_drop_org(a->d, txn, org)) < 0)
			return rc == MDB_MAP_FULL ? rc : -1;
		if (rc > 0)
			log_info("table %s: %d undelivered item(s) for %s "
			    "dropped: no longer a member", a->t->id, rc, org);
	}
	return 0;
}

/* True when a transport key allowed by cur is not allowed by next. */
static bool
keys_withdrawn(const struct tafel_table *cur, const struct tafel_table *next)
{
	const struct tafel_member *m;
	size_t i;

	for (i = 0; i < cur->nmembers; i++) {
		m = tafel_table_member(next, cur->members[i].card.org);
		if (m == NULL || memcmp(m->card.curve_pk,
		    cur->members[i].card.curve_pk, 32) != 0)
			return true;
	}
	return false;
}

#define FAIL(c, ...)	do {						\
		*code = (c);						\
		snprintf(err, errlen, __VA_ARGS__);			\
		goto fail;						\
	} while (0)

/*
 * Checks t against what is in force and adopts it.  expect: the
 * operator's fingerprint (NULL from a peer).  distribute: queue the
 * document for every other member.  Takes ownership of t.  On failure
 * sets *code (a ctl error code) and err.
 */
static int
adopt(struct tafeld *d, struct tafel_table *t, const uint8_t *doc,
    size_t len, const char *expect, bool distribute, const char **code,
    char *err, size_t errlen)
{
	const struct tafel_member *me;
	struct dtable *cur, *dt;
	struct adopt_arg *a = NULL;
	const char *why = NULL;
	uint8_t sign_pk[32], box_pk[32], curve_pk[32];
	char date[11];
	bool restart;
	size_t i;
	int rc;

	cur = tables_find(d, t->id);
	if (cur != NULL && memcmp(cur->t->hash, t->hash, 32) == 0)
		FAIL("rollback", "table %s version %llu is already adopted",
		    t->id, (unsigned long long)t->version);
	if (cur != NULL && t->version == cur->t->version)
		FAIL("fork", "table %s: a different version %llu than the one "
		    "in force here (a fork: two versions with one number); "
		    "check with the signers", t->id,
		    (unsigned long long)t->version);
	if (cur != NULL && t->version < cur->t->version)
		FAIL("rollback", "table %s: version %llu is older than the "
		    "adopted version %llu", t->id,
		    (unsigned long long)t->version,
		    (unsigned long long)cur->t->version);
	if (expect != NULL && *expect != '\0' &&
	    !expect_matches(expect, t->hash))
		FAIL("fingerprint", "table %s version %llu: the fingerprint "
		    "does not match the one expected; do not adopt it", t->id,
		    (unsigned long long)t->version);
	if (cur == NULL) {
		if (expect == NULL || *expect == '\0')
			FAIL("fingerprint", "table %s is new here: adopt it "
			    "with --expect FINGERPRINT, checked by phone with "
			    "its author", t->id);
		if (t->version == 1)
			rc = tafel_table_accept_genesis(t, t->hash, &why);
		else {
			/*
			 * Joining at a later version: the operator's
			 * fingerprint is the anchor, and the version must
			 * carry the threshold of its own signers.
			 */
			unsigned n = tafel_table_valid_sigs(t, t);

			rc = n >= t->threshold ? 0 : TAFEL_ESIG;
			why = rc ? "too few valid signatures of its signers" :
			    NULL;
		}
	} else {
		if (t->version != cur->t->version + 1)
			FAIL("missing", "table %s: version %llu does not follow "
			    "the adopted version %llu; adopt version %llu "
			    "first", t->id, (unsigned long long)t->version,
			    (unsigned long long)cur->t->version,
			    (unsigned long long)cur->t->version + 1);
		rc = tafel_table_accept_next(cur->t, t, &why);
	}
	if (rc != 0)
		FAIL(rc == TAFEL_ESIG || (why && strstr(why, "signature")) ?
		    "threshold" : "bad-document", "table %s version %llu "
		    "refused: %s", t->id, (unsigned long long)t->version,
		    why ? why : tafel_strerror(rc));
	if (t->expires <= now_sec()) {
		tafel_date(date, t->expires);
		FAIL("expired", "table %s expired on %s", t->id, date);
	}
	if ((me = tafel_table_member(t, d->self.org)) == NULL)
		FAIL("not-member", "this organisation (%s) is not a member "
		    "of table %s version %llu", d->self.org, t->id,
		    (unsigned long long)t->version);
	keys_public(d->keys, sign_pk, box_pk, curve_pk);
	if (memcmp(me->card.sign_pk, sign_pk, 32) != 0 ||
	    memcmp(me->card.box_pk, box_pk, 32) != 0 ||
	    memcmp(me->card.curve_pk, curve_pk, 32) != 0)
		FAIL("bad-document", "table %s lists a card for %s with "
		    "other keys than this daemon's", t->id, d->self.org);

	if ((a = calloc(1, sizeof(*a))) == NULL)
		fatal("calloc");
	a->d = d;
	a->t = t;
	a->cur = cur != NULL ? cur->t : NULL;
	a->doc = doc;
	a->len = len;
	crypto_hash_sha256(a->dochash, doc, len);
	if (distribute)
		for (i = 0; i < t->nmembers; i++)
			if (strcmp(t->members[i].card.org, d->self.org) != 0)
				a->to[a->nto++] = t->members[i].card.org;
	/* Durable before anything in memory changes (commit_flush). */
	if (store_write(d->store, adopt_txn, a) != 0 || commit_flush(d) != 0)
		FAIL("storage", "could not store table %s durably", t->id);
	restart = cur != NULL && keys_withdrawn(cur->t, t);
	dt = dtable_new(t, doc, len);
	if (cur != NULL) {
		TAILQ_INSERT_BEFORE(cur, dt, entry);
		TAILQ_REMOVE(&d->tables, cur, entry);
		dtable_free(cur);
	} else
		TAILQ_INSERT_TAIL(&d->tables, dt, entry);
	log_info("adopted table %s version %llu (%zu members)", dt->t->id,
	    (unsigned long long)dt->t->version, dt->t->nmembers);
	if (net_peers_refresh(d) != 0)
		log_warnx("table %s: could not update peer connections",
		    dt->t->id);
	if (restart && net_router_restart(d) != 0)
		log_warnx("table %s: could not close the connections of "
		    "members that left", dt->t->id);
	outbox_kick(d, a->dochash, NULL, a->to, a->nto);
	free(a);
	return 0;
fail:
	log_warnx("table adoption refused: %s", err);
	free(a);
	tafel_table_destroy(&t);
	return -1;
}

int
tables_adopt(struct tafeld *d, const uint8_t *doc, size_t len,
    const char *expect, const char **code, char *err, size_t errlen)
{
	struct tafel_table *t = NULL;
	int rc;

	if ((rc = tafel_table_decode(doc, len, &t)) != 0) {
		*code = "bad-document";
		snprintf(err, errlen, "the table document is not valid: %s",
		    tafel_strerror(rc));
		log_warnx("table adoption refused: %s", err);
		return -1;
	}
	return adopt(d, t, doc, len, expect, true, code, err, errlen);
}

void
tables_receive(struct tafeld *d, const char *peer_org, const uint8_t *doc,
    size_t len, uint8_t hash[32], enum tafel_ack_status *st, char *why,
    size_t whylen)
{
	struct tafel_table *t = NULL;
	struct dtable *cur;
	const char *code = "";
	int rc;

	crypto_hash_sha256(hash, doc, len);
	*st = TAFEL_ACK_REFUSED;
	if ((rc = tafel_table_decode(doc, len, &t)) != 0) {
		snprintf(why, whylen, "table document does not decode: %s",
		    tafel_strerror(rc));
		goto out;
	}
	if ((cur = tables_find(d, t->id)) == NULL) {
		/* A table nobody here adopted: only the operator may. */
		snprintf(why, whylen, "table %s is not adopted here", t->id);
		tafel_table_destroy(&t);
		goto out;
	}
	if (tafel_table_member(cur->t, peer_org) == NULL) {
		snprintf(why, whylen, "%s is not a member of table %s",
		    peer_org, t->id);
		tafel_table_destroy(&t);
		goto out;
	}
	if (memcmp(cur->t->hash, t->hash, 32) == 0 ||
	    t->version < cur->t->version) {
		*st = TAFEL_ACK_OK;
		snprintf(why, whylen, "%s", t->version < cur->t->version ?
		    "older than the version in force" : "already adopted");
		tafel_table_destroy(&t);
		return;
	}
	if (adopt(d, t, doc, len, NULL, false, &code, why, whylen) == 0) {
		*st = TAFEL_ACK_OK;
		why[0] = '\0';
		log_info("table document from %s adopted", peer_org);
		return;
	}
	if (strcmp(code, "missing") == 0 || strcmp(code, "storage") == 0)
		*st = TAFEL_ACK_RETRY;
	else if (strcmp(code, "fork") == 0)
		log_warnx("FORK: %s sent a different version of a table than "
		    "the one in force here: %s", peer_org, why);
out:
	d->refused++;
	log_warnx("table document from %s %s: %s", peer_org,
	    *st == TAFEL_ACK_RETRY ? "deferred" : "refused", why);
	if (*st == TAFEL_ACK_REFUSED)
		(void)audit_refused(d, peer_org, hash, "table", why);
}
