/*
 * Adopted partner-table documents: adoption (genesis and amendment),
 * lookups of members by org and by transport key.
 */
#include <ctype.h>
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
	struct store		*store;
	const char		*id;
	uint64_t		 version;
	const uint8_t		*doc;
	size_t			 len;
};

static int
adopt_txn(MDB_txn *txn, void *arg)
{
	struct adopt_arg *a = arg;
	uint8_t key[TAFEL_ORG_MAX + 1 + 8];
	size_t idlen = strlen(a->id);
	MDB_val k, v;
	int i, rc;

	k.mv_data = (void *)a->id;
	k.mv_size = idlen;
	v.mv_data = (void *)a->doc;
	v.mv_size = a->len;
	if ((rc = mdb_put(txn, store_dbi(a->store, DB_TABLES), &k, &v, 0))
	    != 0)
		return rc;
	memcpy(key, a->id, idlen);
	key[idlen] = 0;
	for (i = 0; i < 8; i++)
		key[idlen + 1 + i] = (uint8_t)(a->version >> (56 - 8 * i));
	k.mv_data = key;
	k.mv_size = idlen + 9;
	return mdb_put(txn, store_dbi(a->store, DB_TABLEHIST), &k, &v, 0);
}

#define FAIL(c, ...)	do {						\
		*code = (c);						\
		snprintf(err, errlen, __VA_ARGS__);			\
		goto fail;						\
	} while (0)

int
tables_adopt(struct tafeld *d, const uint8_t *doc, size_t len,
    const char *expect, const char **code, char *err, size_t errlen)
{
	struct tafel_table *t = NULL;
	const struct tafel_member *me;
	struct dtable *cur, *dt;
	struct adopt_arg a;
	const char *why = NULL;
	uint8_t sign_pk[32], box_pk[32], curve_pk[32];
	char date[11];
	int rc;

	if ((rc = tafel_table_decode(doc, len, &t)) != 0)
		FAIL("bad-document", "the table document is not valid: %s",
		    tafel_strerror(rc));
	cur = tables_find(d, t->id);
	if (cur != NULL && memcmp(cur->t->hash, t->hash, 32) == 0)
		FAIL("rollback", "table %s version %llu is already adopted",
		    t->id, (unsigned long long)t->version);
	if (cur != NULL && t->version <= cur->t->version)
		FAIL("rollback", "table %s: version %llu is not newer than "
		    "the adopted version %llu", t->id,
		    (unsigned long long)t->version,
		    (unsigned long long)cur->t->version);
	if (cur == NULL) {
		if (expect == NULL || *expect == '\0')
			FAIL("fingerprint", "table %s is new here: adopt it "
			    "with --expect FINGERPRINT, checked by phone with "
			    "its author", t->id);
		if (!expect_matches(expect, t->hash))
			FAIL("fingerprint", "table %s: the fingerprint does "
			    "not match the one expected; do not adopt it",
			    t->id);
		rc = tafel_table_accept_genesis(t, t->hash, &why);
	} else {
		if (expect != NULL && *expect != '\0' &&
		    !expect_matches(expect, t->hash))
			FAIL("fingerprint", "table %s version %llu: the "
			    "fingerprint does not match the one expected; do "
			    "not adopt it", t->id,
			    (unsigned long long)t->version);
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
		    "of table %s", d->self.org, t->id);
	keys_public(d->keys, sign_pk, box_pk, curve_pk);
	if (memcmp(me->card.sign_pk, sign_pk, 32) != 0 ||
	    memcmp(me->card.box_pk, box_pk, 32) != 0 ||
	    memcmp(me->card.curve_pk, curve_pk, 32) != 0)
		FAIL("bad-document", "table %s lists a card for %s with "
		    "other keys than this daemon's", t->id, d->self.org);

	a.store = d->store;
	a.id = t->id;
	a.version = t->version;
	a.doc = doc;
	a.len = len;
	if (store_write(d->store, adopt_txn, &a) != 0)
		FAIL("storage", "could not store table %s durably", t->id);
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
	return 0;
fail:
	log_warnx("table adoption refused: %s", err);
	tafel_table_destroy(&t);
	return -1;
}
