/*
 * Cases: opening a case, adding records, applying envelopes from peers,
 * and showing a case's timeline.
 *
 * At rest: each case has a random 32-byte data key, stored wrapped under
 * the store key (keys module).  Event bodies and the pseudonym are stored
 * encrypted under the case key (XChaCha20-Poly1305, AD = case id ||
 * envelope hash, or case id || "pseudonym").  Headers (who, when, which
 * category, to whom) are stored as the exact signed bytes.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "tafel/util.h"

#define CASE_REC_MAX	8192
#define SEALED_OVERHEAD	(24 + 16)

struct dcase {
	uint8_t		id[TAFEL_ID_BYTES];
	char		table[TAFEL_ORG_MAX + 1];
	char		owner[TAFEL_ORG_MAX + 1];
	size_t		nmembers;
	char		members[TAFEL_MAX_RECIPIENTS][TAFEL_ORG_MAX + 1];
	uint64_t	opened;
	uint64_t	lamport;
	bool		has_head;
	uint8_t		head[TAFEL_HASH_BYTES];
	uint8_t		wkey[KEYS_WRAPPED_LEN];
	size_t		pseudolen;
	uint8_t		pseudo[SEALED_OVERHEAD + TAFEL_PSEUDONYM_MAX];
};

/* Case records in DB_CASES. */

static int
case_encode(const struct dcase *c, uint8_t **out, size_t *outlen)
{
	struct tafel_mpw w;
	size_t i;

	tafel_mpw_init(&w);
	tafel_mpw_map(&w, 9);
	tafel_mpw_str(&w, "v");
	tafel_mpw_uint(&w, 1);
	tafel_mpw_str(&w, "table");
	tafel_mpw_str(&w, c->table);
	tafel_mpw_str(&w, "owner");
	tafel_mpw_str(&w, c->owner);
	tafel_mpw_str(&w, "members");
	tafel_mpw_array(&w, c->nmembers);
	for (i = 0; i < c->nmembers; i++)
		tafel_mpw_str(&w, c->members[i]);
	tafel_mpw_str(&w, "opened");
	tafel_mpw_uint(&w, c->opened);
	tafel_mpw_str(&w, "lamport");
	tafel_mpw_uint(&w, c->lamport);
	tafel_mpw_str(&w, "head");
	tafel_mpw_bin(&w, c->head, c->has_head ? TAFEL_HASH_BYTES : 0);
	tafel_mpw_str(&w, "key");
	tafel_mpw_bin(&w, c->wkey, KEYS_WRAPPED_LEN);
	tafel_mpw_str(&w, "pseudo");
	tafel_mpw_bin(&w, c->pseudo, c->pseudolen);
	return tafel_mpw_finish(&w, out, outlen);
}

static int
case_decode(const uint8_t id[16], const uint8_t *buf, size_t len,
    struct dcase *c)
{
	struct tafel_mp_field f[] = {
		{ "v", TAFEL_MP_UINT, 1, 1, false, NULL },
		{ "table", TAFEL_MP_ID, 1, TAFEL_ORG_MAX, false, NULL },
		{ "owner", TAFEL_MP_ID, 1, TAFEL_ORG_MAX, false, NULL },
		{ "members", TAFEL_MP_ARRAY, 1, TAFEL_MAX_RECIPIENTS, false,
		    NULL },
		{ "opened", TAFEL_MP_UINT, 0, UINT64_MAX, false, NULL },
		{ "lamport", TAFEL_MP_UINT, 0, UINT64_MAX, false, NULL },
		{ "head", TAFEL_MP_BIN, 0, TAFEL_HASH_BYTES, false, NULL },
		{ "key", TAFEL_MP_BIN, KEYS_WRAPPED_LEN, KEYS_WRAPPED_LEN,
		    false, NULL },
		{ "pseudo", TAFEL_MP_BIN, SEALED_OVERHEAD + 1,
		    SEALED_OVERHEAD + TAFEL_PSEUDONYM_MAX, false, NULL },
	};
	msgpack_unpacked u;
	const msgpack_object *a;
	size_t i;
	int rc;

	memset(c, 0, sizeof(*c));
	memcpy(c->id, id, TAFEL_ID_BYTES);
	if (len > CASE_REC_MAX || tafel_mp_decode(&u, buf, len, 3) != 0)
		return -1;
	rc = -1;
	if (tafel_mp_fields(&u.data, f, sizeof(f) / sizeof(f[0])) != 0 ||
	    tafel_mp_strcpy(c->table, sizeof(c->table), f[1].obj) != 0 ||
	    tafel_mp_strcpy(c->owner, sizeof(c->owner), f[2].obj) != 0)
		goto out;
	a = f[3].obj;
	for (i = 0; i < a->via.array.size; i++)
		if (!tafel_mp_check(&a->via.array.ptr[i], TAFEL_MP_ID, 1,
		    TAFEL_ORG_MAX) || tafel_mp_strcpy(c->members[i],
		    sizeof(c->members[i]), &a->via.array.ptr[i]) != 0)
			goto out;
	c->nmembers = a->via.array.size;
	c->opened = f[4].obj->via.u64;
	c->lamport = f[5].obj->via.u64;
	if (f[6].obj->via.bin.size == TAFEL_HASH_BYTES) {
		c->has_head = true;
		memcpy(c->head, f[6].obj->via.bin.ptr, TAFEL_HASH_BYTES);
	} else if (f[6].obj->via.bin.size != 0)
		goto out;
	memcpy(c->wkey, f[7].obj->via.bin.ptr, KEYS_WRAPPED_LEN);
	c->pseudolen = f[8].obj->via.bin.size;
	memcpy(c->pseudo, f[8].obj->via.bin.ptr, c->pseudolen);
	rc = 0;
out:
	msgpack_unpacked_destroy(&u);
	return rc;
}

static bool
case_has_member(const struct dcase *c, const char *org)
{
	size_t i;

	for (i = 0; i < c->nmembers; i++)
		if (strcmp(c->members[i], org) == 0)
			return true;
	return false;
}

/* Reads a case in txn.  Returns 0, 1 when absent, -1 on a bad record. */
static int
case_get(struct tafeld *d, MDB_txn *txn, const uint8_t id[16],
    struct dcase *c)
{
	MDB_val k, v;
	int rc;

	k.mv_data = (void *)id;
	k.mv_size = TAFEL_ID_BYTES;
	if ((rc = mdb_get(txn, store_dbi(d->store, DB_CASES), &k, &v)) ==
	    MDB_NOTFOUND)
		return 1;
	if (rc != 0)
		return -1;
	if (case_decode(id, v.mv_data, v.mv_size, c) != 0) {
		log_warnx("store: case record does not decode");
		return -1;
	}
	return 0;
}

static int
case_put(struct tafeld *d, MDB_txn *txn, const struct dcase *c)
{
	MDB_val k, v;
	uint8_t *buf;
	size_t len;
	int rc;

	if (case_encode(c, &buf, &len) != 0)
		return -1;
	k.mv_data = (void *)c->id;
	k.mv_size = TAFEL_ID_BYTES;
	v.mv_data = buf;
	v.mv_size = len;
	rc = mdb_put(txn, store_dbi(d->store, DB_CASES), &k, &v, 0);
	free(buf);
	return rc;
}

/* Encryption under a case key. */

static void
seal_ad(uint8_t ad[48], const uint8_t case_id[16], const uint8_t *what,
    size_t whatlen)
{
	memset(ad, 0, 48);
	memcpy(ad, case_id, 16);
	memcpy(ad + 16, what, whatlen > 32 ? 32 : whatlen);
}

static void
case_seal(const uint8_t ck[32], const uint8_t ad[48], const uint8_t *m,
    size_t n, uint8_t *out)
{
	unsigned long long clen;

	randombytes_buf(out, 24);
	crypto_aead_xchacha20poly1305_ietf_encrypt(out + 24, &clen, m, n, ad,
	    48, NULL, out, ck);
}

static int
case_unseal(const uint8_t ck[32], const uint8_t ad[48], const uint8_t *in,
    size_t n, uint8_t *out, size_t *outlen)
{
	unsigned long long mlen;

	if (n < SEALED_OVERHEAD)
		return -1;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(out, &mlen, NULL,
	    in + 24, n - 24, ad, 48, in, ck) != 0)
		return -1;
	*outlen = mlen;
	return 0;
}

/* Event rows in DB_EVENTS: case id || lamport || envelope hash. */

static void
event_key(uint8_t key[56], const uint8_t case_id[16], uint64_t lamport,
    const uint8_t hash[32])
{
	int i;

	memcpy(key, case_id, 16);
	for (i = 0; i < 8; i++)
		key[16 + i] = (uint8_t)(lamport >> (56 - 8 * i));
	memcpy(key + 24, hash, 32);
}

struct apply {
	struct tafeld		*d;
	const uint8_t		*env;		/* envelope bytes */
	size_t			 envlen;
	const struct tafel_env	*e;
	const uint8_t		*body;		/* plaintext */
	size_t			 bodylen;
	const uint8_t		*ck;		/* case key (new case) */
	const uint8_t		*wkey;		/* wrapped case key (new) */
	const char		*pseudonym;	/* new case */
	size_t			 pseudolen;
	bool			 local;		/* written here, not received */
	const char *const	*outbox;	/* recipients to queue */
	size_t			 noutbox;
	/* out */
	enum tafel_ack_status	 st;
	bool			 dup;		/* seen before: nothing done */
	char			 why[TAFEL_PEER_WHY_MAX + 1];
};

#define REFUSE(a, s, ...)	do {					\
		(a)->st = (s);						\
		snprintf((a)->why, sizeof((a)->why), __VA_ARGS__);	\
		return 0;						\
	} while (0)

/*
 * Applies one event (local or received) in a write transaction: the case
 * record, the event row, the envelope, the dedup row and the outbox rows.
 * A refusal or a duplicate sets a->st or a->dup and returns 0 having
 * written nothing; apply_guarded then aborts the transaction.
 */
static int
apply_txn(MDB_txn *txn, void *arg)
{
	struct apply *a = arg;
	struct tafeld *d = a->d;
	const struct tafel_hdr *h = &a->e->h;
	uint8_t key[56], ck[32], ad[48];
	uint8_t seenk[TAFEL_ORG_MAX + 1 + TAFEL_ID_BYTES];
	uint8_t *sealed = NULL;
	struct dcase c;
	MDB_val k, v;
	size_t i, n;
	int rc, got;

	a->st = TAFEL_ACK_OK;
	a->dup = false;
	a->why[0] = '\0';

	/* Duplicate? */
	n = strlen(h->from);
	memcpy(seenk, h->from, n);
	seenk[n] = 0;
	memcpy(seenk + n + 1, h->id, TAFEL_ID_BYTES);
	k.mv_data = seenk;
	k.mv_size = n + 1 + TAFEL_ID_BYTES;
	if ((rc = mdb_get(txn, store_dbi(d->store, DB_SEEN), &k, &v)) == 0) {
		if (v.mv_size == 32 && memcmp(v.mv_data, a->e->hash, 32) == 0) {
			a->dup = true;
			return 0;
		}
		REFUSE(a, TAFEL_ACK_REFUSED, "message id reused with other "
		    "content");
	} else if (rc != MDB_NOTFOUND)
		return rc;

	got = case_get(d, txn, h->case_id, &c);
	if (got < 0)
		return -1;
	if (strcmp(h->type, "open") == 0) {
		if (got == 0)
			REFUSE(a, TAFEL_ACK_REFUSED, "case already exists");
		if (h->nto + 1 > TAFEL_MAX_RECIPIENTS)
			REFUSE(a, TAFEL_ACK_REFUSED, "too many case members");
		memset(&c, 0, sizeof(c));
		memcpy(c.id, h->case_id, 16);
		memcpy(c.table, h->table, sizeof(c.table));
		memcpy(c.owner, h->from, sizeof(c.owner));
		memcpy(c.members[0], h->from, sizeof(c.members[0]));
		for (i = 0; i < h->nto; i++)
			memcpy(c.members[i + 1], h->to[i],
			    sizeof(c.members[0]));
		c.nmembers = h->nto + 1;
		c.opened = h->time;
		memcpy(c.wkey, a->wkey, KEYS_WRAPPED_LEN);
		memcpy(ck, a->ck, 32);
		seal_ad(ad, c.id, (const uint8_t *)"pseudonym", 9);
		case_seal(ck, ad, (const uint8_t *)a->pseudonym, a->pseudolen,
		    c.pseudo);
		c.pseudolen = a->pseudolen + SEALED_OVERHEAD;
	} else {
		if (got == 1)
			REFUSE(a, TAFEL_ACK_RETRY, "case not known here yet");
		if (strcmp(c.table, h->table) != 0)
			REFUSE(a, TAFEL_ACK_REFUSED, "case belongs to another "
			    "table");
		if (!case_has_member(&c, h->from))
			REFUSE(a, TAFEL_ACK_REFUSED, "sender is not a member of "
			    "the case");
		if (!case_has_member(&c, d->self.org))
			REFUSE(a, TAFEL_ACK_REFUSED, "we are not a member of the "
			    "case");
		if (keys_unwrap_casekey(d->keys, c.id, c.wkey, ck) != 0) {
			log_warnx("store: cannot unwrap a case key");
			return -1;
		}
	}
	if (h->lamport > c.lamport) {
		c.lamport = h->lamport;
		c.has_head = true;
		memcpy(c.head, a->e->hash, 32);
	}

	/* The event row: header bytes, body sealed under the case key. */
	if ((sealed = malloc(a->bodylen + SEALED_OVERHEAD)) == NULL) {
		sodium_memzero(ck, sizeof(ck));
		return -1;
	}
	seal_ad(ad, c.id, a->e->hash, 32);
	case_seal(ck, ad, a->body, a->bodylen, sealed);
	sodium_memzero(ck, sizeof(ck));
	{
		struct tafel_mpw w;
		uint8_t *row;
		size_t rowlen;

		tafel_mpw_init(&w);
		tafel_mpw_map(&w, 4);
		tafel_mpw_str(&w, "v");
		tafel_mpw_uint(&w, 1);
		tafel_mpw_str(&w, "env");
		tafel_mpw_bin(&w, a->e->hash, 32);
		tafel_mpw_str(&w, "hdr");
		tafel_mpw_bin(&w, a->e->hdr, a->e->hdrlen);
		tafel_mpw_str(&w, "body");
		tafel_mpw_bin(&w, sealed, a->bodylen + SEALED_OVERHEAD);
		free(sealed);
		if (tafel_mpw_finish(&w, &row, &rowlen) != 0)
			return -1;
		event_key(key, c.id, h->lamport, a->e->hash);
		k.mv_data = key;
		k.mv_size = sizeof(key);
		v.mv_data = row;
		v.mv_size = rowlen;
		rc = mdb_put(txn, store_dbi(d->store, DB_EVENTS), &k, &v, 0);
		free(row);
		if (rc != 0)
			return rc;
	}
	if ((rc = case_put(d, txn, &c)) != 0)
		return rc;
	k.mv_data = (void *)a->e->hash;
	k.mv_size = 32;
	v.mv_data = (void *)a->env;
	v.mv_size = a->envlen;
	if ((rc = mdb_put(txn, store_dbi(d->store, DB_ENVS), &k, &v, 0)) != 0)
		return rc;
	k.mv_data = seenk;
	k.mv_size = n + 1 + TAFEL_ID_BYTES;
	v.mv_data = (void *)a->e->hash;
	v.mv_size = 32;
	if ((rc = mdb_put(txn, store_dbi(d->store, DB_SEEN), &k, &v, 0)) != 0)
		return rc;
	if (a->noutbox > 0 && (rc = outbox_add(d, txn, OUTBOX_ENV, a->e->hash,
	    a->outbox, a->noutbox)) != 0)
		return rc;
	return 0;
}

static int
apply_guarded(MDB_txn *txn, void *arg)
{
	struct apply *a = arg;
	int rc;

	if ((rc = apply_txn(txn, arg)) != 0)
		return rc;
	if (a->st != TAFEL_ACK_OK || a->dup)
		return 1;	/* nothing to commit */
	return 0;
}

static int
run_apply(struct tafeld *d, struct apply *a)
{
	int rc;

	rc = store_write(d->store, apply_guarded, a);
	if (rc == 1)
		return 0;	/* refused or duplicate: a->st says which */
	return rc;
}

/*
 * Has (from, id) been applied?  0: no; 1: yes, this very envelope; 2: yes,
 * but with other content (a reused message id); -1: store error.
 */
static int
seen_before(struct tafeld *d, const struct tafel_env *e)
{
	uint8_t key[TAFEL_ORG_MAX + 1 + TAFEL_ID_BYTES];
	size_t n = strlen(e->h.from);
	MDB_txn *txn;
	MDB_val k, v;
	int rc;

	memcpy(key, e->h.from, n);
	key[n] = 0;
	memcpy(key + n + 1, e->h.id, TAFEL_ID_BYTES);
	k.mv_data = key;
	k.mv_size = n + 1 + TAFEL_ID_BYTES;
	if (store_read(d->store, &txn) != 0)
		return -1;
	rc = mdb_get(txn, store_dbi(d->store, DB_SEEN), &k, &v);
	if (rc == 0)
		rc = v.mv_size == 32 && memcmp(v.mv_data, e->hash, 32) == 0 ?
		    1 : 2;
	else
		rc = rc == MDB_NOTFOUND ? 0 : -1;
	mdb_txn_abort(txn);
	return rc;
}

static int
rules_allow(const struct dtable *dt, const char *from_role, const char *to_role,
    const char *cat)
{
	int rf = tafel_role_index(from_role), rt = tafel_role_index(to_role);
	int ci = tafel_cat_index(cat);

	if (rf < 0 || rt < 0 || ci < 0)
		return 0;
	return (dt->t->rules.send[rf] & (1u << ci)) &&
	    (dt->t->rules.recv[rt] & (1u << ci));
}

void
cases_receive(struct tafeld *d, const char *peer_org, const uint8_t *env,
    size_t envlen, uint8_t hash[32], enum tafel_ack_status *st, char *why,
    size_t whylen)
{
	struct tafel_env *e;
	const struct tafel_member *m;
	struct dtable *dt;
	struct apply a;
	uint8_t *body = NULL, *ho = NULL, ck[32] = { 0 };
	uint8_t wkey[KEYS_WRAPPED_LEN];
	const char *text;
	size_t bodylen, textlen, holen;
	int rc;

	*st = TAFEL_ACK_REFUSED;
	crypto_hash_sha256(hash, env, envlen);
	if ((e = calloc(1, sizeof(*e))) == NULL)
		fatal("calloc");
#define NO(s, ...)	do {						\
		*st = (s);						\
		snprintf(why, whylen, __VA_ARGS__);			\
		goto done;						\
	} while (0)
	if ((rc = tafel_env_parse(env, envlen, e)) != 0)
		NO(TAFEL_ACK_REFUSED, "malformed envelope: %s",
		    tafel_strerror(rc));
	if ((dt = tables_find(d, e->h.table)) == NULL)
		NO(TAFEL_ACK_REFUSED, "unknown table %s", e->h.table);
	if (e->h.tver > dt->t->version)
		NO(TAFEL_ACK_RETRY, "table %s version %llu not adopted here "
		    "yet", e->h.table, (unsigned long long)e->h.tver);
	/*
	 * An envelope sealed under an older version (still in an outbox when
	 * an amendment came) is judged by the version in force now: its
	 * sender must still be a member, with the same keys, and the rules
	 * of now apply.
	 */
	if ((m = tables_member(dt, e->h.from)) == NULL)
		NO(TAFEL_ACK_REFUSED, "sender %s is not a member of table %s",
		    e->h.from, e->h.table);
	if (strcmp(peer_org, e->h.from) != 0)
		NO(TAFEL_ACK_REFUSED, "sent by %s on behalf of %s", peer_org,
		    e->h.from);
	if (tafel_env_verify(e, m->card.sign_pk) != 0)
		NO(TAFEL_ACK_REFUSED, "bad signature");
	if (!tafel_env_addressed(e, d->self.org))
		NO(TAFEL_ACK_REFUSED, "not addressed to %s", d->self.org);
	/* A resend of what was applied gets its ack again, and nothing else. */
	switch (seen_before(d, e)) {
	case 1:
		NO(TAFEL_ACK_OK, "duplicate");
	case 2:
		NO(TAFEL_ACK_REFUSED, "message id reused with other content");
	case -1:
		NO(TAFEL_ACK_RETRY, "store unavailable");
	}
	if (dt->t->expires <= now_sec())
		NO(TAFEL_ACK_REFUSED, "table %s has expired", e->h.table);
	if (strcmp(e->h.type, "open") == 0) {
		int r = tafel_role_index(m->card.role);
		size_t i;

		if (r < 0 || !(dt->t->rules.open & (1u << r)))
			NO(TAFEL_ACK_REFUSED, "role %s may not open cases",
			    m->card.role);
		if (e->h.cat[0] != '\0')
			NO(TAFEL_ACK_REFUSED, "an open event has no category");
		if (e->h.nto + 1 > TAFEL_MAX_RECIPIENTS)
			NO(TAFEL_ACK_REFUSED, "too many case members");
		for (i = 0; i < e->h.nto; i++)
			if (strcmp(e->h.to[i], e->h.from) == 0 ||
			    tables_member(dt, e->h.to[i]) == NULL)
				NO(TAFEL_ACK_REFUSED, "case member %s is not a "
				    "member of table %s", e->h.to[i],
				    e->h.table);
	} else if (strcmp(e->h.type, "record") == 0) {
		if (!rules_allow(dt, m->card.role, d->self.role, e->h.cat))
			NO(TAFEL_ACK_REFUSED, "the rules of table %s do not "
			    "allow %s to send %s to %s", e->h.table,
			    m->card.role, e->h.cat, d->self.role);
	} else
		NO(TAFEL_ACK_REFUSED, "unknown event type %s", e->h.type);

	if ((body = malloc(TAFEL_MAX_BODY)) == NULL)
		fatal("malloc");
	if ((rc = keys_open(d->keys, e, d->self.org, m->card.box_pk, body,
	    TAFEL_MAX_BODY, &bodylen)) != 0)
		NO(TAFEL_ACK_REFUSED, "cannot open the envelope: %s",
		    tafel_strerror(rc));
	if (tafel_body_decode(e->h.type, body, bodylen, &text, &textlen) != 0)
		NO(TAFEL_ACK_REFUSED, "malformed body");
	if (strcmp(e->h.type, "record") == 0 &&
	    textlen > dt->t->rules.max_record)
		NO(TAFEL_ACK_REFUSED, "record longer than table %s allows",
		    e->h.table);

	/*
	 * Keep a header-only copy, not the envelope as received: it still
	 * verifies, but its content cannot be opened with our box key, so
	 * destroying the case key destroys the content (crypto-shredding).
	 */
	if (tafel_env_header_only(e, &ho, &holen) != 0)
		NO(TAFEL_ACK_RETRY, "out of memory");
	memset(&a, 0, sizeof(a));
	a.d = d;
	a.env = ho;
	a.envlen = holen;
	a.e = e;
	a.body = body;
	a.bodylen = bodylen;
	if (strcmp(e->h.type, "open") == 0) {
		crypto_aead_xchacha20poly1305_ietf_keygen(ck);
		if (keys_wrap_casekey(d->keys, e->h.case_id, ck, wkey) != 0)
			NO(TAFEL_ACK_RETRY, "internal error");
		a.ck = ck;
		a.wkey = wkey;
		a.pseudonym = text;
		a.pseudolen = textlen;
	}
	if (run_apply(d, &a) != 0)
		NO(TAFEL_ACK_RETRY, "could not store the event durably");
	*st = a.st;
	snprintf(why, whylen, "%s", a.dup ? "duplicate" : a.why);
done:
#undef NO
	if (*st == TAFEL_ACK_OK && strcmp(why, "duplicate") == 0)
		log_debug("duplicate envelope from %s acknowledged again",
		    peer_org);
	else if (*st == TAFEL_ACK_OK) {
		char hex[33];

		tafel_hex(hex, e->h.case_id, 16);
		log_info("received %s %s in case %.8s from %s", e->h.type,
		    e->h.cat[0] ? e->h.cat : "event", hex, peer_org);
	} else {
		d->refused++;
		log_warnx("envelope from %s %s: %s", peer_org,
		    *st == TAFEL_ACK_RETRY ? "deferred" : "refused", why);
	}
	sodium_memzero(ck, sizeof(ck));
	if (body != NULL) {
		sodium_memzero(body, TAFEL_MAX_BODY);
		free(body);
	}
	free(ho);
	free(e);
}

/* Local events: written here, then queued for the recipients. */

struct local {
	struct dtable		*dt;
	const char		*type;
	const uint8_t		*case_id;
	const char		*cat;
	const char		*person;
	const char *const	*to;
	size_t			 nto;
	uint64_t		 lamport;
	const uint8_t		*prev;		/* NULL: none */
	const char		*text;
	size_t			 textlen;
	const uint8_t		*ck;		/* "open" only */
	const uint8_t		*wkey;		/* "open" only */
	uint8_t			 id[TAFEL_ID_BYTES];	/* out */
};

static int
local_event(struct tafeld *d, struct local *l, const char **code, char *err,
    size_t errlen)
{
	struct tafel_hdr *h;
	struct tafel_env *e = NULL;
	struct apply a;
	uint8_t (*pks)[32] = NULL;
	uint8_t *body = NULL, *env = NULL;
	size_t bodylen, envlen, i;
	int rc = -1;

	*code = "internal";
	if ((h = calloc(1, sizeof(*h))) == NULL ||
	    (e = calloc(1, sizeof(*e))) == NULL ||
	    (pks = calloc(l->nto ? l->nto : 1, 32)) == NULL)
		fatal("calloc");
	snprintf(h->type, sizeof(h->type), "%s", l->type);
	randombytes_buf(h->id, sizeof(h->id));
	memcpy(h->table, l->dt->t->id, sizeof(h->table));
	h->tver = l->dt->t->version;
	memcpy(h->case_id, l->case_id, TAFEL_ID_BYTES);
	snprintf(h->cat, sizeof(h->cat), "%s", l->cat);
	memcpy(h->from, d->self.org, sizeof(h->from));
	snprintf(h->by, sizeof(h->by), "%s", l->person);
	for (i = 0; i < l->nto; i++) {
		const struct tafel_member *m = tables_member(l->dt, l->to[i]);

		if (m == NULL) {
			snprintf(err, errlen, "%s is not a member of table %s",
			    l->to[i], l->dt->t->id);
			*code = "not-member";
			goto out;
		}
		snprintf(h->to[i], sizeof(h->to[i]), "%s", l->to[i]);
		memcpy(pks[i], m->card.box_pk, 32);
	}
	h->nto = l->nto;
	h->time = now_sec();
	h->lamport = l->lamport;
	if (l->prev != NULL) {
		memcpy(h->prev[0], l->prev, 32);
		h->nprev = 1;
	}
	if (tafel_body_encode(l->type, l->text, l->textlen, &body, &bodylen)
	    != 0) {
		snprintf(err, errlen, "cannot encode the %s", l->type);
		goto out;
	}
	if ((rc = keys_seal(d->keys, h, body, bodylen, l->to,
	    (const uint8_t (*)[32])pks, l->nto, &env, &envlen)) != 0 ||
	    (rc = tafel_env_parse(env, envlen, e)) != 0) {
		snprintf(err, errlen, "cannot seal the %s: %s", l->type,
		    tafel_strerror(rc));
		rc = -1;
		goto out;
	}
	memset(&a, 0, sizeof(a));
	a.d = d;
	a.env = env;
	a.envlen = envlen;
	a.e = e;
	a.body = body;
	a.bodylen = bodylen;
	a.ck = l->ck;
	a.wkey = l->wkey;
	a.pseudonym = l->text;
	a.pseudolen = l->textlen;
	a.local = true;
	a.outbox = l->to;
	a.noutbox = l->nto;
	if (run_apply(d, &a) != 0) {
		*code = "storage";
		snprintf(err, errlen, "could not store the %s durably; nothing "
		    "was shared", l->type);
		rc = -1;
		goto out;
	}
	if (a.st != TAFEL_ACK_OK || a.dup) {
		snprintf(err, errlen, "%s", a.why);
		rc = -1;
		goto out;
	}
	memcpy(l->id, h->id, TAFEL_ID_BYTES);
	outbox_kick(d, e->hash, l->to, l->nto);
	rc = 0;
out:
	if (body != NULL) {
		sodium_memzero(body, bodylen);
		free(body);
	}
	free(env);
	free(pks);
	free(e);
	free(h);
	return rc;
}

static bool
table_usable(struct dtable *dt, const char **code, char *err, size_t errlen)
{
	char date[11];

	if (dt->t->expires > now_sec())
		return true;
	tafel_date(date, dt->t->expires);
	*code = "expired";
	snprintf(err, errlen, "table %s expired on %s: no new sharing until "
	    "a new version is adopted", dt->t->id, date);
	return false;
}

static void
op_case_open(struct tafeld *d, const struct tafel_ctl_req *r,
    const char *person, struct tafel_mpw *w)
{
	struct tafel_mp_field f[] = {
		{ "table", TAFEL_MP_ID, 1, TAFEL_ORG_MAX, false, NULL },
		{ "members", TAFEL_MP_ARRAY, 0, TAFEL_MAX_RECIPIENTS - 1,
		    false, NULL },
		{ "pseudonym", TAFEL_MP_STR, 1, TAFEL_PSEUDONYM_MAX, false,
		    NULL },
	};
	char table[TAFEL_ORG_MAX + 1], err[512], hex[33];
	char members[TAFEL_MAX_RECIPIENTS][TAFEL_ORG_MAX + 1];
	const char *to[TAFEL_MAX_RECIPIENTS], *code = "bad-request";
	uint8_t case_id[16], ck[32], wkey[KEYS_WRAPPED_LEN];
	const msgpack_object *a;
	struct dtable *dt;
	struct local l;
	size_t i, j, n;
	int role;

	if (tafel_mp_fields(r->args, f, 3) != 0 ||
	    tafel_mp_strcpy(table, sizeof(table), f[0].obj) != 0) {
		tafel_ctl_err(w, "bad-request", "case.open: bad arguments");
		return;
	}
	a = f[1].obj;
	n = a->via.array.size;
	for (i = 0; i < n; i++) {
		if (!tafel_mp_check(&a->via.array.ptr[i], TAFEL_MP_ID, 1,
		    TAFEL_ORG_MAX) || tafel_mp_strcpy(members[i],
		    sizeof(members[i]), &a->via.array.ptr[i]) != 0) {
			tafel_ctl_err(w, "bad-request", "case.open: a member "
			    "is not a valid organisation id");
			return;
		}
		if (strcmp(members[i], d->self.org) == 0) {
			tafel_ctl_err(w, "bad-request", "do not list your own "
			    "organisation: the opener is always a member");
			return;
		}
		for (j = 0; j < i; j++)
			if (strcmp(members[i], members[j]) == 0) {
				tafel_ctl_err(w, "bad-request", "a member is "
				    "listed twice");
				return;
			}
		to[i] = members[i];
	}
	if ((dt = tables_find(d, table)) == NULL) {
		snprintf(err, sizeof(err), "this daemon has not adopted a "
		    "table %s", table);
		tafel_ctl_err(w, "no-table", err);
		return;
	}
	if (!table_usable(dt, &code, err, sizeof(err))) {
		tafel_ctl_err(w, code, err);
		return;
	}
	role = tafel_role_index(d->self.role);
	if (role < 0 || !(dt->t->rules.open & (1u << role))) {
		snprintf(err, sizeof(err), "the rules of table %s do not let "
		    "the role %s open cases", table, d->self.role);
		tafel_ctl_err(w, "forbidden", err);
		return;
	}
	randombytes_buf(case_id, sizeof(case_id));
	crypto_aead_xchacha20poly1305_ietf_keygen(ck);
	if (keys_wrap_casekey(d->keys, case_id, ck, wkey) != 0) {
		sodium_memzero(ck, sizeof(ck));
		tafel_ctl_err(w, "internal", "cannot protect the case key");
		return;
	}
	memset(&l, 0, sizeof(l));
	l.dt = dt;
	l.type = "open";
	l.case_id = case_id;
	l.cat = "";
	l.person = person;
	l.to = to;
	l.nto = n;
	l.lamport = 1;
	l.text = f[2].obj->via.str.ptr;
	l.textlen = f[2].obj->via.str.size;
	l.ck = ck;
	l.wkey = wkey;
	if (local_event(d, &l, &code, err, sizeof(err)) != 0) {
		sodium_memzero(ck, sizeof(ck));
		tafel_ctl_err(w, code, err);
		return;
	}
	sodium_memzero(ck, sizeof(ck));
	tafel_hex(hex, case_id, 16);
	log_info("case %.8s opened in table %s by %s with %zu other "
	    "member(s)", hex, table, person, n);
	tafel_ctl_ok_begin(w);
	tafel_mpw_map(w, 1);
	tafel_mpw_str(w, "case");
	tafel_mpw_str(w, hex);
}

/* Reads a case by its hex id for a control request. */
static int
ctl_case(struct tafeld *d, const msgpack_object *o, struct dcase *c,
    struct tafel_mpw *w)
{
	char hex[33], err[128];
	uint8_t id[16];
	MDB_txn *txn;
	int rc;

	if (tafel_mp_strcpy(hex, sizeof(hex), o) != 0 ||
	    tafel_unhex(id, 16, hex) != 0) {
		tafel_ctl_err(w, "bad-request", "a case id is 32 hex digits");
		return -1;
	}
	if (store_read(d->store, &txn) != 0) {
		tafel_ctl_err(w, "storage", "cannot read the store");
		return -1;
	}
	rc = case_get(d, txn, id, c);
	mdb_txn_abort(txn);
	if (rc != 0) {
		snprintf(err, sizeof(err), "no case %s here", hex);
		tafel_ctl_err(w, rc == 1 ? "no-case" : "storage", err);
		return -1;
	}
	return 0;
}

static void
op_record_add(struct tafeld *d, const struct tafel_ctl_req *r,
    const char *person, struct tafel_mpw *w)
{
	struct tafel_mp_field f[] = {
		{ "case", TAFEL_MP_STR, 32, 32, false, NULL },
		{ "category", TAFEL_MP_ID, 1, TAFEL_CAT_MAX, false, NULL },
		{ "text", TAFEL_MP_TEXT, 1, TAFEL_MAX_TEXT, false, NULL },
	};
	const char *to[TAFEL_MAX_RECIPIENTS], *code = "bad-request";
	char cat[TAFEL_CAT_MAX + 1], err[512], hex[33], chex[33];
	struct dtable *dt;
	struct dcase c;
	struct local l;
	size_t i, n = 0;
	int ci, role;

	if (tafel_mp_fields(r->args, f, 3) != 0 ||
	    tafel_mp_strcpy(cat, sizeof(cat), f[1].obj) != 0) {
		tafel_ctl_err(w, "bad-request", "record.add: bad arguments");
		return;
	}
	if ((ci = tafel_cat_index(cat)) < 0) {
		tafel_ctl_err(w, "bad-request", "unknown record category");
		return;
	}
	if (ctl_case(d, f[0].obj, &c, w) != 0)
		return;
	tafel_hex(chex, c.id, 16);
	if ((dt = tables_find(d, c.table)) == NULL) {
		snprintf(err, sizeof(err), "table %s of case %s is not adopted "
		    "here", c.table, chex);
		tafel_ctl_err(w, "no-table", err);
		return;
	}
	if (!table_usable(dt, &code, err, sizeof(err))) {
		tafel_ctl_err(w, code, err);
		return;
	}
	if (!case_has_member(&c, d->self.org)) {
		tafel_ctl_err(w, "not-member", "this organisation is not a "
		    "member of the case");
		return;
	}
	role = tafel_role_index(d->self.role);
	if (role < 0 || !(dt->t->rules.send[role] & (1u << ci))) {
		snprintf(err, sizeof(err), "the rules of table %s do not let "
		    "the role %s share %s records", c.table, d->self.role, cat);
		tafel_ctl_err(w, "forbidden", err);
		return;
	}
	if (f[2].obj->via.str.size > dt->t->rules.max_record) {
		snprintf(err, sizeof(err), "the record is longer than table %s "
		    "allows (%u bytes)", c.table, dt->t->rules.max_record);
		tafel_ctl_err(w, "bad-request", err);
		return;
	}
	for (i = 0; i < c.nmembers; i++) {
		const struct tafel_member *m;

		if (strcmp(c.members[i], d->self.org) == 0)
			continue;
		if ((m = tables_member(dt, c.members[i])) == NULL) {
			log_info("case %.8s: %s is no longer a member of table "
			    "%s; not sealed for it", chex, c.members[i],
			    c.table);
			continue;
		}
		if (!rules_allow(dt, d->self.role, m->card.role, cat)) {
			log_info("case %.8s: the rules do not let %s (%s) "
			    "receive %s; not sealed for it", chex, m->card.org,
			    m->card.role, cat);
			continue;
		}
		to[n++] = c.members[i];
	}
	memset(&l, 0, sizeof(l));
	l.dt = dt;
	l.type = "record";
	l.case_id = c.id;
	l.cat = cat;
	l.person = person;
	l.to = to;
	l.nto = n;
	l.lamport = c.lamport + 1;
	l.prev = c.has_head ? c.head : NULL;
	l.text = f[2].obj->via.str.ptr;
	l.textlen = f[2].obj->via.str.size;
	if (local_event(d, &l, &code, err, sizeof(err)) != 0) {
		tafel_ctl_err(w, code, err);
		return;
	}
	tafel_hex(hex, l.id, 16);
	log_info("record %.8s (%s) added to case %.8s by %s for %zu "
	    "recipient(s)", hex, cat, chex, person, n);
	tafel_ctl_ok_begin(w);
	tafel_mpw_map(w, 1);
	tafel_mpw_str(w, "record");
	tafel_mpw_str(w, hex);
}

/* The pseudonym of a case, decrypted into buf (NUL terminated). */
static int
case_pseudonym(struct tafeld *d, const struct dcase *c, char *buf,
    size_t bufsz)
{
	uint8_t ck[32], ad[48];
	size_t n;
	int rc;

	if (bufsz < TAFEL_PSEUDONYM_MAX + 1 ||
	    keys_unwrap_casekey(d->keys, c->id, c->wkey, ck) != 0)
		return -1;
	seal_ad(ad, c->id, (const uint8_t *)"pseudonym", 9);
	rc = case_unseal(ck, ad, c->pseudo, c->pseudolen, (uint8_t *)buf, &n);
	sodium_memzero(ck, sizeof(ck));
	if (rc != 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

/* Calls fn for each event row of a case, in timeline order. */
static int
case_events(struct tafeld *d, const struct dcase *c,
    int (*fn)(const struct tafel_hdr *, const char *, size_t, void *),
    void *arg)
{
	struct tafel_mp_field f[] = {
		{ "v", TAFEL_MP_UINT, 1, 1, false, NULL },
		{ "env", TAFEL_MP_BIN, 32, 32, false, NULL },
		{ "hdr", TAFEL_MP_BIN, 1, 16384, false, NULL },
		{ "body", TAFEL_MP_BIN, SEALED_OVERHEAD, SEALED_OVERHEAD +
		    TAFEL_MAX_BODY, false, NULL },
	};
	struct tafel_hdr *h;
	msgpack_unpacked u;
	uint8_t ck[32], ad[48], *body;
	MDB_cursor *cur;
	MDB_txn *txn;
	MDB_val k, v;
	const char *text;
	size_t n, textlen;
	int rc, ret = -1;

	if (keys_unwrap_casekey(d->keys, c->id, c->wkey, ck) != 0)
		return -1;
	if ((h = malloc(sizeof(*h))) == NULL ||
	    (body = malloc(TAFEL_MAX_BODY)) == NULL)
		fatal("malloc");
	if (store_read(d->store, &txn) != 0)
		goto nocursor;
	if (mdb_cursor_open(txn, store_dbi(d->store, DB_EVENTS), &cur) != 0)
		goto notxn;
	k.mv_data = (void *)c->id;
	k.mv_size = 16;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != 56 || memcmp(k.mv_data, c->id, 16) != 0)
			break;
		if (tafel_mp_decode(&u, v.mv_data, v.mv_size, 2) != 0)
			goto bad;
		if (tafel_mp_fields(&u.data, f, 4) != 0 ||
		    tafel_hdr_decode((const uint8_t *)f[2].obj->via.bin.ptr,
		    f[2].obj->via.bin.size, h) != 0) {
			msgpack_unpacked_destroy(&u);
			goto bad;
		}
		seal_ad(ad, c->id, (const uint8_t *)f[1].obj->via.bin.ptr, 32);
		rc = case_unseal(ck, ad, (const uint8_t *)f[3].obj->via.bin.ptr,
		    f[3].obj->via.bin.size, body, &n);
		msgpack_unpacked_destroy(&u);
		if (rc != 0 || tafel_body_decode(h->type, body, n, &text,
		    &textlen) != 0)
			goto bad;
		if (fn(h, text, textlen, arg) != 0)
			goto out;
	}
	ret = 0;
	goto out;
bad:
	log_warnx("store: an event row of a case does not decode");
out:
	mdb_cursor_close(cur);
notxn:
	mdb_txn_abort(txn);
nocursor:
	sodium_memzero(ck, sizeof(ck));
	sodium_memzero(body, TAFEL_MAX_BODY);
	free(body);
	free(h);
	return ret;
}

static int
count_event(const struct tafel_hdr *h, const char *text, size_t len,
    void *arg)
{
	(*(size_t *)arg)++;
	return 0;
}

static int
emit_event(const struct tafel_hdr *h, const char *text, size_t len,
    void *arg)
{
	struct tafel_mpw *w = arg;
	char hex[33];
	bool open = strcmp(h->type, "open") == 0;

	tafel_hex(hex, h->id, 16);
	tafel_mpw_map(w, 8);
	tafel_mpw_str(w, "id");
	tafel_mpw_str(w, hex);
	tafel_mpw_str(w, "type");
	tafel_mpw_str(w, h->type);
	tafel_mpw_str(w, "from");
	tafel_mpw_str(w, h->from);
	tafel_mpw_str(w, "by");
	tafel_mpw_str(w, h->by);
	tafel_mpw_str(w, "time");
	tafel_mpw_uint(w, h->time);
	tafel_mpw_str(w, "lamport");
	tafel_mpw_uint(w, h->lamport);
	tafel_mpw_str(w, "category");
	tafel_mpw_str(w, h->cat);
	tafel_mpw_str(w, "text");
	tafel_mpw_strn(w, text, open ? 0 : len);
	return 0;
}

static void
op_case_show(struct tafeld *d, const struct tafel_ctl_req *r,
    struct tafel_mpw *w)
{
	struct tafel_mp_field f[] = {
		{ "case", TAFEL_MP_STR, 32, 32, false, NULL },
	};
	char pseudo[TAFEL_PSEUDONYM_MAX + 1], hex[33];
	struct tafel_mpw ev;
	uint8_t *evb;
	struct dcase c;
	size_t i, n = 0, evlen;

	if (tafel_mp_fields(r->args, f, 1) != 0) {
		tafel_ctl_err(w, "bad-request", "case.show: bad arguments");
		return;
	}
	if (ctl_case(d, f[0].obj, &c, w) != 0)
		return;
	tafel_mpw_init(&ev);
	if (case_pseudonym(d, &c, pseudo, sizeof(pseudo)) != 0 ||
	    case_events(d, &c, count_event, &n) != 0 ||
	    (tafel_mpw_array(&ev, n), case_events(d, &c, emit_event, &ev))
	    != 0 || tafel_mpw_finish(&ev, &evb, &evlen) != 0) {
		tafel_mpw_free(&ev);
		tafel_ctl_err(w, "storage", "the case cannot be read from the "
		    "store");
		return;
	}
	tafel_hex(hex, c.id, 16);
	tafel_ctl_ok_begin(w);
	tafel_mpw_map(w, 7);
	tafel_mpw_str(w, "case");
	tafel_mpw_str(w, hex);
	tafel_mpw_str(w, "table");
	tafel_mpw_str(w, c.table);
	tafel_mpw_str(w, "owner");
	tafel_mpw_str(w, c.owner);
	tafel_mpw_str(w, "pseudonym");
	tafel_mpw_str(w, pseudo);
	tafel_mpw_str(w, "members");
	tafel_mpw_array(w, c.nmembers);
	for (i = 0; i < c.nmembers; i++)
		tafel_mpw_str(w, c.members[i]);
	tafel_mpw_str(w, "opened");
	tafel_mpw_uint(w, c.opened);
	tafel_mpw_str(w, "events");
	tafel_mpw_raw(w, evb, evlen);
	sodium_memzero(evb, evlen);
	free(evb);
	sodium_memzero(pseudo, sizeof(pseudo));
}

static void
op_case_list(struct tafeld *d, const struct tafel_ctl_req *r,
    struct tafel_mpw *w)
{
	struct tafel_mp_field none[1];
	char pseudo[TAFEL_PSEUDONYM_MAX + 1], hex[33];
	MDB_cursor *cur;
	MDB_txn *txn;
	MDB_val k, v;
	MDB_stat st;
	struct dcase c;
	size_t i, n, count, done = 0;
	int rc;

	if (tafel_mp_fields(r->args, none, 0) != 0) {
		tafel_ctl_err(w, "bad-request", "case.list takes no arguments");
		return;
	}
	if (store_read(d->store, &txn) != 0)
		goto fail;
	if (mdb_stat(txn, store_dbi(d->store, DB_CASES), &st) != 0 ||
	    mdb_cursor_open(txn, store_dbi(d->store, DB_CASES), &cur) != 0) {
		mdb_txn_abort(txn);
		goto fail;
	}
	count = st.ms_entries;
	tafel_ctl_ok_begin(w);
	tafel_mpw_map(w, 1);
	tafel_mpw_str(w, "cases");
	tafel_mpw_array(w, count);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 &&
	    done < count; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != 16 ||
		    case_decode(k.mv_data, v.mv_data, v.mv_size, &c) != 0 ||
		    case_pseudonym(d, &c, pseudo, sizeof(pseudo)) != 0)
			snprintf(pseudo, sizeof(pseudo), "(unreadable)");
		n = 0;
		if (case_events(d, &c, count_event, &n) != 0)
			n = 0;
		tafel_hex(hex, c.id, 16);
		tafel_mpw_map(w, 7);
		tafel_mpw_str(w, "case");
		tafel_mpw_str(w, hex);
		tafel_mpw_str(w, "table");
		tafel_mpw_str(w, c.table);
		tafel_mpw_str(w, "owner");
		tafel_mpw_str(w, c.owner);
		tafel_mpw_str(w, "pseudonym");
		tafel_mpw_str(w, pseudo);
		tafel_mpw_str(w, "members");
		tafel_mpw_array(w, c.nmembers);
		for (i = 0; i < c.nmembers; i++)
			tafel_mpw_str(w, c.members[i]);
		tafel_mpw_str(w, "records");
		tafel_mpw_uint(w, n > 0 ? n - 1 : 0);
		tafel_mpw_str(w, "opened");
		tafel_mpw_uint(w, c.opened);
		done++;
	}
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	sodium_memzero(pseudo, sizeof(pseudo));
	return;
fail:
	tafel_ctl_err(w, "storage", "cannot read the store");
}

size_t
cases_count(struct tafeld *d)
{
	MDB_txn *txn;
	MDB_stat st;
	size_t n = 0;

	if (store_read(d->store, &txn) != 0)
		return 0;
	if (mdb_stat(txn, store_dbi(d->store, DB_CASES), &st) == 0)
		n = st.ms_entries;
	mdb_txn_abort(txn);
	return n;
}

int
cases_ctl(struct tafeld *d, const struct tafel_ctl_req *r,
    const char *person, struct tafel_mpw *w)
{
	if (strcmp(r->op, "case.open") == 0)
		op_case_open(d, r, person, w);
	else if (strcmp(r->op, "record.add") == 0)
		op_record_add(d, r, person, w);
	else if (strcmp(r->op, "case.show") == 0)
		op_case_show(d, r, w);
	else if (strcmp(r->op, "case.list") == 0)
		op_case_list(d, r, w);
	else
		return -1;
	return 0;
}

int
cases_revoke(struct tafeld *d, MDB_txn *txn, const struct tafel_table *t)
{
	struct dcase *c, *changed = NULL, *p;
	MDB_cursor *cur;
	MDB_val k, v;
	size_t n = 0, i, j, keep;
	int rc;

	if ((c = malloc(sizeof(*c))) == NULL)
		return -1;
	if (mdb_cursor_open(txn, store_dbi(d->store, DB_CASES), &cur) != 0) {
		free(c);
		return -1;
	}
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != 16 ||
		    case_decode(k.mv_data, v.mv_data, v.mv_size, c) != 0 ||
		    strcmp(c->table, t->id) != 0)
			continue;
		for (i = 0, keep = 0; i < c->nmembers; i++)
			if (tafel_table_member(t, c->members[i]) != NULL)
				memmove(c->members[keep++], c->members[i],
				    sizeof(c->members[0]));
		if (keep == c->nmembers || keep == 0)
			continue;
		c->nmembers = keep;
		if ((p = realloc(changed, (n + 1) * sizeof(*p))) == NULL) {
			rc = -1;
			break;
		}
		changed = p;
		changed[n++] = *c;
	}
	mdb_cursor_close(cur);
	free(c);
	if (rc != 0 && rc != MDB_NOTFOUND) {
		free(changed);
		return -1;
	}
	/* Write after the scan: a put moves what the cursor saw. */
	for (j = 0; j < n; j++) {
		char hex[33];

		if ((rc = case_put(d, txn, &changed[j])) != 0) {
			free(changed);
			return rc == MDB_MAP_FULL ? MDB_MAP_FULL : -1;
		}
		tafel_hex(hex, changed[j].id, 16);
		log_info("case %.8s: members no longer at table %s removed",
		    hex, t->id);
	}
	free(changed);
	return (int)n;
}
