/*
 * Cases: opening a case, adding records and the other events written
 * here, and applying envelopes from peers.  Reading a case's events back
 * (case.show, case.list) is in timeline.c, relaying earlier events to a
 * member added later in history.c; cases_int.h is what the three share.
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
#include "cases_int.h"
#include "tafel/util.h"

#define CASE_REC_MAX	8192

/* Case records in DB_CASES. */

static int
case_encode(const struct dcase *c, uint8_t **out, size_t *outlen)
{
	struct tafel_mpw w;
	size_t i;

	tafel_mpw_init(&w);
	tafel_mpw_map(&w, 12);
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
	tafel_mpw_str(&w, "closed");
	tafel_mpw_uint(&w, c->closed);
	tafel_mpw_str(&w, "cleared");
	tafel_mpw_array(&w, c->ncleared);
	for (i = 0; i < c->ncleared; i++)
		tafel_mpw_str(&w, c->cleared[i]);
	tafel_mpw_str(&w, "lamport");
	tafel_mpw_uint(&w, c->lamport);
	tafel_mpw_str(&w, "heads");
	tafel_mpw_array(&w, c->nheads);
	for (i = 0; i < c->nheads; i++)
		tafel_mpw_bin(&w, c->heads[i], TAFEL_HASH_BYTES);
	tafel_mpw_str(&w, "key");
	tafel_mpw_bin(&w, c->wkey, KEYS_WRAPPED_LEN);
	tafel_mpw_str(&w, "pseudo");
	tafel_mpw_bin(&w, c->pseudo, c->pseudolen);
	tafel_mpw_str(&w, "minor");
	tafel_mpw_bool(&w, c->minor);
	return tafel_mpw_finish(&w, out, outlen);
}

int
cases_decode(const uint8_t id[16], const uint8_t *buf, size_t len,
    struct dcase *c)
{
	struct tafel_mp_field f[] = {
		{ "v", TAFEL_MP_UINT, 1, 1, false, NULL },
		{ "table", TAFEL_MP_ID, 1, TAFEL_ORG_MAX, false, NULL },
		{ "owner", TAFEL_MP_ID, 1, TAFEL_ORG_MAX, false, NULL },
		{ "members", TAFEL_MP_ARRAY, 1, TAFEL_MAX_RECIPIENTS, false,
		    NULL },
		{ "opened", TAFEL_MP_UINT, 0, UINT64_MAX, false, NULL },
		{ "closed", TAFEL_MP_UINT, 0, UINT64_MAX, false, NULL },
		{ "lamport", TAFEL_MP_UINT, 0, UINT64_MAX, false, NULL },
		{ "heads", TAFEL_MP_ARRAY, 0, TAFEL_MAX_PREV, false, NULL },
		{ "key", TAFEL_MP_BIN, KEYS_WRAPPED_LEN, KEYS_WRAPPED_LEN,
		    false, NULL },
		{ "pseudo", TAFEL_MP_BIN, SEALED_OVERHEAD + 1,
		    SEALED_OVERHEAD + TAFEL_PSEUDONYM_MAX, false, NULL },
		{ "cleared", TAFEL_MP_ARRAY, 0, TAFEL_MAX_RECIPIENTS, false,
		    NULL },
		{ "minor", TAFEL_MP_BOOL, 0, 0, true, NULL },
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
	c->closed = f[5].obj->via.u64;
	c->lamport = f[6].obj->via.u64;
	c->minor = f[11].obj != NULL && f[11].obj->via.boolean;
	a = f[10].obj;
	for (i = 0; i < a->via.array.size; i++)
		if (!tafel_mp_check(&a->via.array.ptr[i], TAFEL_MP_ID, 1,
		    TAFEL_ORG_MAX) || tafel_mp_strcpy(c->cleared[i],
		    sizeof(c->cleared[i]), &a->via.array.ptr[i]) != 0)
			goto out;
	c->ncleared = a->via.array.size;
	a = f[7].obj;
	for (i = 0; i < a->via.array.size; i++) {
		if (!tafel_mp_check(&a->via.array.ptr[i], TAFEL_MP_BIN,
		    TAFEL_HASH_BYTES, TAFEL_HASH_BYTES))
			goto out;
		memcpy(c->heads[i], a->via.array.ptr[i].via.bin.ptr,
		    TAFEL_HASH_BYTES);
	}
	c->nheads = a->via.array.size;
	memcpy(c->wkey, f[8].obj->via.bin.ptr, KEYS_WRAPPED_LEN);
	c->pseudolen = f[9].obj->via.bin.size;
	memcpy(c->pseudo, f[9].obj->via.bin.ptr, c->pseudolen);
	rc = 0;
out:
	msgpack_unpacked_destroy(&u);
	return rc;
}

bool
cases_cleared(const struct dcase *c, const char *org)
{
	size_t i;

	if (strcmp(c->owner, org) == 0)
		return true;	/* the owner knows who it is about */
	for (i = 0; i < c->ncleared; i++)
		if (strcmp(c->cleared[i], org) == 0)
			return true;
	return false;
}

bool
cases_has_member(const struct dcase *c, const char *org)
{
	size_t i;

	for (i = 0; i < c->nmembers; i++)
		if (strcmp(c->members[i], org) == 0)
			return true;
	return false;
}

/* Reads a case in txn.  Returns 0, 1 when absent, -1 on a bad record. */
int
cases_get(struct tafeld *d, MDB_txn *txn, const uint8_t id[16],
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
	if (cases_decode(id, v.mv_data, v.mv_size, c) != 0) {
		log_warnx("store: case record does not decode");
		return -1;
	}
	return 0;
}

int
cases_put(struct tafeld *d, MDB_txn *txn, const struct dcase *c)
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

/* AD of a content key at rest: case id || SHA-256("ckey" || event hash). */
static void
ckey_ad(uint8_t ad[48], const uint8_t case_id[16], const uint8_t ehash[32])
{
	crypto_hash_sha256_state st;

	memcpy(ad, case_id, 16);
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)"ckey", 4);
	crypto_hash_sha256_update(&st, ehash, 32);
	crypto_hash_sha256_final(&st, ad + 16);
}

int
cases_pseudonym(struct tafeld *d, const struct dcase *c, char *buf,
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

/*
 * The heads of a case's DAG: events that no known event names in its
 * prev yet.  A new event replaces the heads it names; at most
 * TAFEL_MAX_PREV are kept (the oldest go first: they are merged later).
 */
static void
heads_add(struct dcase *c, const struct tafel_hdr *h, const uint8_t e[32])
{
	size_t i, j, keep = 0;

	for (i = 0; i < c->nheads; i++) {
		for (j = 0; j < h->nprev; j++)
			if (memcmp(c->heads[i], h->prev[j], 32) == 0)
				break;
		if (j == h->nprev && memcmp(c->heads[i], e, 32) != 0)
			memmove(c->heads[keep++], c->heads[i], 32);
	}
	if (keep == TAFEL_MAX_PREV) {
		memmove(c->heads[0], c->heads[1], 32 * (TAFEL_MAX_PREV - 1));
		keep--;
	}
	memcpy(c->heads[keep++], e, 32);
	c->nheads = keep;
}

/*
 * Event rows in DB_EVENTS: case id || lamport || event hash, where the
 * event hash is SHA-256 of the exact header bytes (the same on every
 * member, whether it got the content or a header-only copy).
 */

void
cases_event_key(uint8_t key[56], const uint8_t case_id[16], uint64_t lamport,
    const uint8_t hash[32])
{
	int i;

	memcpy(key, case_id, 16);
	for (i = 0; i < 8; i++)
		key[16 + i] = (uint8_t)(lamport >> (56 - 8 * i));
	memcpy(key + 24, hash, 32);
}

int
cases_row_decode(const uint8_t *buf, size_t len, struct event_row *r)
{
	struct tafel_mp_field f[] = {
		{ "v", TAFEL_MP_UINT, 1, 1, false, NULL },
		{ "env", TAFEL_MP_BIN, 32, 32, false, NULL },
		{ "hdr", TAFEL_MP_BIN, 1, 16384, false, NULL },
		{ "body", TAFEL_MP_BIN, 0, SEALED_OVERHEAD + TAFEL_MAX_BODY,
		    false, NULL },
		{ "ckey", TAFEL_MP_BIN, SEALED_OVERHEAD + 32,
		    SEALED_OVERHEAD + 32, true, NULL },
	};
	msgpack_unpacked u;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	if (tafel_mp_decode(&u, buf, len, 2) != 0)
		return -1;
	/* Bin objects point into buf, not into u. */
	if (tafel_mp_fields(&u.data, f, 5) == 0) {
		r->env = (const uint8_t *)f[1].obj->via.bin.ptr;
		r->hdr = (const uint8_t *)f[2].obj->via.bin.ptr;
		r->hdrlen = f[2].obj->via.bin.size;
		r->body = (const uint8_t *)f[3].obj->via.bin.ptr;
		r->bodylen = f[3].obj->via.bin.size;
		if (f[4].obj != NULL) {
			r->ckey = (const uint8_t *)f[4].obj->via.bin.ptr;
			r->ckeylen = f[4].obj->via.bin.size;
		}
		rc = 0;
	}
	msgpack_unpacked_destroy(&u);
	return rc;
}

/*
 * Writes the row cases_row_decode reads, and the event's DB_EVIDX entry
 * (later events may name it in prev: 11, gaps).
 */
int
cases_row_put(struct tafeld *d, MDB_txn *txn, const uint8_t case_id[16],
    uint8_t ck[32], const struct tafel_env *e, const uint8_t ehash[32],
    const uint8_t *body, size_t bodylen, const uint8_t *ckey)
{
	struct tafel_mpw w;
	uint8_t key[56], ad[48], *sealed, *row, wck[SEALED_OVERHEAD + 32];
	size_t rowlen;
	bool withkey = body != NULL && ckey != NULL;
	MDB_val k, v;
	int rc;

	/* An empty body where only the header reached us. */
	if ((sealed = malloc(bodylen + SEALED_OVERHEAD)) == NULL) {
		sodium_memzero(ck, 32);
		return -1;
	}
	if (body != NULL) {
		seal_ad(ad, case_id, ehash, 32);
		case_seal(ck, ad, body, bodylen, sealed);
	}
	/* The content key, to re-share the content later (8.12). */
	if (withkey) {
		ckey_ad(ad, case_id, ehash);
		case_seal(ck, ad, ckey, 32, wck);
	}
	sodium_memzero(ck, 32);
	tafel_mpw_init(&w);
	tafel_mpw_map(&w, withkey ? 5 : 4);
	tafel_mpw_str(&w, "v");
	tafel_mpw_uint(&w, 1);
	tafel_mpw_str(&w, "env");
	tafel_mpw_bin(&w, e->hash, 32);
	tafel_mpw_str(&w, "hdr");
	tafel_mpw_bin(&w, e->hdr, e->hdrlen);
	tafel_mpw_str(&w, "body");
	tafel_mpw_bin(&w, sealed, body != NULL ? bodylen + SEALED_OVERHEAD :
	    0);
	if (withkey) {
		tafel_mpw_str(&w, "ckey");
		tafel_mpw_bin(&w, wck, sizeof(wck));
	}
	free(sealed);
	if (tafel_mpw_finish(&w, &row, &rowlen) != 0)
		return -1;
	cases_event_key(key, case_id, e->h.lamport, ehash);
	k.mv_data = key;
	k.mv_size = sizeof(key);
	v.mv_data = row;
	v.mv_size = rowlen;
	d->events_gen++;	/* what timeline.c keeps of a case is old */
	rc = store_put_end(txn, store_dbi(d->store, DB_EVENTS), &k, &v);
	free(row);
	if (rc != 0)
		return rc;
	k.mv_data = (void *)ehash;
	k.mv_size = 32;
	v.mv_data = key;
	v.mv_size = 24;		/* case id, lamport */
	return mdb_put(txn, store_dbi(d->store, DB_EVIDX), &k, &v, 0);
}

/*
 * The one decoder of a body by its event type: for bodies received
 * (cases_receive), relayed (history.c) and read back (cases_row_open).
 * Checks against the table or the case are the caller's.
 */
int
cases_body_decode(const char *type, const uint8_t *body, size_t len,
    struct evbody *b)
{
	int rc;

	memset(b, 0, sizeof(*b));
	if (strcmp(type, "open") == 0)
		rc = tafel_open_decode(body, len, &b->text, &b->textlen,
		    &b->minor);
	else if (strcmp(type, "reveal") == 0)
		rc = tafel_reveal_decode(body, len, b->org, &b->text,
		    &b->textlen);
	else if (strcmp(type, "decide") == 0)
		rc = tafel_decision_decode(body, len, b->followup, &b->text,
		    &b->textlen, &b->review);
	else if (strcmp(type, "members") == 0) {
		if ((b->mb = malloc(sizeof(*b->mb))) == NULL)
			fatal("malloc");
		if ((rc = tafel_members_decode(body, len, b->mb)) == 0) {
			b->text = b->mb->reason;
			b->textlen = b->mb->reasonlen;
		}
	} else if (strcmp(type, "share") == 0) {
		if ((b->sb = malloc(sizeof(*b->sb))) == NULL)
			fatal("malloc");
		if ((rc = tafel_share_decode(body, len, b->sb)) == 0)
			snprintf(b->org, sizeof(b->org), "%s", b->sb->org);
	} else
		rc = tafel_body_decode(type, body, len, &b->text, &b->textlen);
	if (rc != 0) {
		cases_body_free(b);
		return -1;
	}
	return 0;
}

void
cases_body_free(struct evbody *b)
{
	free(b->mb);
	free(b->sb);
	memset(b, 0, sizeof(*b));
}

/*
 * Opens a row of DB_EVENTS of case case_id (as cases_row_decode reads
 * it) into e, which the caller zeroed: the header and its hash, the
 * envelope's hash and, where the content reached us, the content key
 * and the body, decrypted under the case key ck and decoded by type.
 * 0 or -1; what e holds then, after a failure too, the caller frees
 * (timeline_ev_free).
 */
int
cases_row_open(const uint8_t ck[32], const uint8_t case_id[16],
    const uint8_t *buf, size_t len, struct ev *e)
{
	struct event_row row;
	uint8_t ad[48];
	size_t kl;

	if (cases_row_decode(buf, len, &row) != 0 ||
	    tafel_hdr_decode(row.hdr, row.hdrlen, &e->h) != 0)
		return -1;
	crypto_hash_sha256(e->ehash, row.hdr, row.hdrlen);
	memcpy(e->env, row.env, 32);
	if (row.ckey != NULL && row.bodylen > 0) {
		ckey_ad(ad, case_id, e->ehash);
		if (case_unseal(ck, ad, row.ckey, row.ckeylen, e->ckey,
		    &kl) != 0 || kl != 32)
			return -1;
		e->haskey = true;
	}
	/* Only the header reached us: no content. */
	if (row.bodylen == 0)
		return 0;
	if ((e->body = malloc(row.bodylen)) == NULL)
		fatal("malloc");
	seal_ad(ad, case_id, e->ehash, 32);
	if (case_unseal(ck, ad, row.body, row.bodylen, e->body,
	    &e->bodylen) != 0)
		return -1;
	return cases_body_decode(e->h.type, e->body, e->bodylen, &e->b);
}

struct apply {
	struct tafeld		*d;
	const uint8_t		*env;		/* envelope bytes */
	size_t			 envlen;
	const struct tafel_env	*e;
	const uint8_t		*body;		/* plaintext; NULL: none */
	size_t			 bodylen;
	const char		*reveal;	/* "reveal": the org cleared */
	const struct tafel_members_body *mb;	/* "members" */
	const uint8_t		*ck;		/* case key (new case) */
	const uint8_t		*wkey;		/* wrapped case key (new) */
	const char		*pseudonym;	/* new case */
	size_t			 pseudolen;
	bool			 minor;		/* new case: about a minor */
	const uint8_t		*ckey;		/* content key, or NULL */
	const struct tafel_rules *rules;	/* received: the table's */
	/* Run last in the same transaction (history for a new member). */
	int			(*extra)(MDB_txn *, void *);
	void			*extra_arg;
	bool			 local;		/* written here, not received */
	const uint8_t		*rxhash;	/* received: hash as received */
	const char *const	*outbox;	/* recipients to queue */
	size_t			 noutbox;
	const uint8_t		*ho;		/* header-only copy, or NULL */
	size_t			 holen;
	uint8_t			 hohash[32];
	const char *const	*outbox_ho;	/* recipients of the copy */
	size_t			 noutbox_ho;
	struct gap		*gap;		/* received: its missing prev */
	bool			 gap_ok;	/* waited long enough for them */
	/* out */
	enum tafel_ack_status	 st;
	bool			 dup;		/* seen before: nothing done */
	char			 why[TAFEL_PEER_WHY_MAX + 1];
};

/* The prev of h that this store does not hold, into g. */
static int
prevs_missing(struct tafeld *d, MDB_txn *txn, const struct tafel_hdr *h,
    struct gap *g)
{
	MDB_val k, v;
	size_t i;
	int rc;

	g->n = 0;
	for (i = 0; i < h->nprev && i < TAFEL_MAX_PREV; i++) {
		k.mv_data = (void *)h->prev[i];
		k.mv_size = 32;
		rc = mdb_get(txn, store_dbi(d->store, DB_EVIDX), &k, &v);
		if (rc == MDB_NOTFOUND)
			memcpy(g->h[g->n++], h->prev[i], 32);
		else if (rc != 0)
			return rc;
	}
	return 0;
}

/*
 * How long an event has waited for missing predecessors: the first
 * time each deferred envelope was seen, in memory.  After gap_wait
 * seconds it is applied anyway (the gap is logged): an event that
 * never comes (refused here, or from before this member joined) must
 * not hold up the case for ever.
 */
#define GAPS_MAX	4096

static void
gap_free(void **item)
{
	free(*item);
	*item = NULL;
}

void
cases_free(struct tafeld *d)
{
	zhashx_destroy(&d->gaps);
	timeline_shown_free(d);
}

static bool
gap_expired(struct tafeld *d, const uint8_t h[32])
{
	char hex[65];
	uint64_t *first;

	if (d->gaps == NULL)
		return false;
	tafel_hex(hex, h, 32);
	if ((first = zhashx_lookup(d->gaps, hex)) == NULL)
		return zhashx_size(d->gaps) >= GAPS_MAX;	/* cannot track */
	return now_ms() - *first >= (uint64_t)d->gap_wait * 1000;
}

static void
gap_note(struct tafeld *d, const uint8_t h[32], bool waiting)
{
	char hex[65];
	uint64_t *first;

	tafel_hex(hex, h, 32);
	if (!waiting) {
		if (d->gaps != NULL)
			zhashx_delete(d->gaps, hex);
		return;
	}
	if (d->gaps == NULL) {
		if ((d->gaps = zhashx_new()) == NULL)
			fatal("zhashx_new");
		zhashx_set_destructor(d->gaps, gap_free);
	}
	if (zhashx_lookup(d->gaps, hex) != NULL ||
	    zhashx_size(d->gaps) >= GAPS_MAX)
		return;
	if ((first = malloc(sizeof(*first))) == NULL)
		fatal("malloc");
	*first = now_ms();
	if (zhashx_insert(d->gaps, hex, first) != 0)
		fatal("zhashx_insert");
}

/*
 * A new exchange log entry of kind about the envelope hash of the event
 * whose header is h: ids and hashes only.  The caller adds what the kind
 * needs, then audit_entry_add.
 */
static struct tafel_audit_entry *
audit_entry_new(enum tafel_audit_kind kind, const struct tafel_hdr *h,
    const uint8_t hash[32])
{
	struct tafel_audit_entry *ae;

	if ((ae = calloc(1, sizeof(*ae))) == NULL)
		fatal("calloc");
	ae->kind = kind;
	memcpy(ae->table, h->table, sizeof(ae->table));
	ae->has_case = true;
	memcpy(ae->case_id, h->case_id, 16);
	ae->has_env = true;
	memcpy(ae->env, hash, 32);
	return ae;
}

/* Appends ae to the exchange log in txn, and frees it. */
static int
audit_entry_add(struct tafeld *d, MDB_txn *txn, struct tafel_audit_entry *ae)
{
	int rc;

	ae->has_to = ae->nto > 0;
	rc = audit_append(d, txn, ae);
	free(ae);
	return rc;
}

/*
 * The sent or received entry of one envelope: h its header, hash the
 * hash of the envelope as sent or received; to: NULL for received (the
 * header's recipients are logged).
 */
int
cases_audit_env(struct tafeld *d, MDB_txn *txn, enum tafel_audit_kind kind,
    const struct tafel_hdr *h, const uint8_t hash[32], const char *const *to,
    size_t nto)
{
	struct tafel_audit_entry *ae = audit_entry_new(kind, h, hash);
	size_t i;

	snprintf(ae->event, sizeof(ae->event), "%s", h->type);
	snprintf(ae->cat, sizeof(ae->cat), "%s", h->cat);
	memcpy(ae->from, h->from, sizeof(ae->from));
	if (kind == TAFEL_AUDIT_SENT) {
		snprintf(ae->person, sizeof(ae->person), "%s", h->by);
		for (i = 0; i < nto; i++)
			snprintf(ae->to[i], sizeof(ae->to[i]), "%s", to[i]);
		ae->nto = nto;
	} else {
		for (i = 0; i < h->nto; i++)
			memcpy(ae->to[i], h->to[i], sizeof(ae->to[i]));
		ae->nto = h->nto;
	}
	return audit_entry_add(d, txn, ae);
}

/*
 * The exchange log entries of an applied event, in its transaction: one
 * "sent" entry per envelope queued here (full and header-only copies
 * apart), or one "received" entry; and for an event of our own the entry
 * of what it does to the case (opened, members changed, ...).  Ids,
 * hashes and the acting person only: never content or the pseudonym.
 */
static int
apply_audit(MDB_txn *txn, struct apply *a, const struct dcase *c)
{
	const struct tafel_hdr *h = &a->e->h;
	struct tafel_audit_entry *ae;
	enum tafel_audit_kind kind = 0;
	size_t i;
	int rc;

	if (!a->local)
		return cases_audit_env(a->d, txn, TAFEL_AUDIT_RECEIVED, h,
		    a->rxhash, NULL, 0);
	if (a->noutbox > 0 && (rc = cases_audit_env(a->d, txn,
	    TAFEL_AUDIT_SENT, h, a->e->hash, a->outbox, a->noutbox)) != 0)
		return rc;
	if (a->ho != NULL && a->noutbox_ho > 0 && (rc = cases_audit_env(a->d,
	    txn, TAFEL_AUDIT_SENT, h, a->hohash, a->outbox_ho,
	    a->noutbox_ho)) != 0)
		return rc;
	if (strcmp(h->type, "open") == 0)
		kind = TAFEL_AUDIT_CASE_OPENED;
	else if (strcmp(h->type, "members") == 0)
		kind = TAFEL_AUDIT_MEMBERS_CHANGED;
	else if (strcmp(h->type, "reveal") == 0)
		kind = TAFEL_AUDIT_REVEALED;
	else if (strcmp(h->type, "decide") == 0)
		kind = TAFEL_AUDIT_DECIDED;
	else if (strcmp(h->type, "close") == 0)
		kind = TAFEL_AUDIT_CLOSED;
	if (kind == 0)
		return 0;
	ae = audit_entry_new(kind, h, a->e->hash);
	snprintf(ae->person, sizeof(ae->person), "%s", h->by);
	if (kind == TAFEL_AUDIT_REVEALED) {
		snprintf(ae->to[0], sizeof(ae->to[0]), "%s", a->reveal);
		ae->nto = 1;
	} else if (kind == TAFEL_AUDIT_CASE_OPENED ||
	    kind == TAFEL_AUDIT_MEMBERS_CHANGED) {
		/* The case's members now, the owner first. */
		for (i = 0; i < c->nmembers; i++)
			memcpy(ae->to[i], c->members[i], sizeof(ae->to[i]));
		ae->nto = c->nmembers;
	}
	return audit_entry_add(a->d, txn, ae);
}

/*
 * Applies one event (local or received) in a write transaction: the case
 * record, the event row, the envelope, the dedup row and the outbox rows.
 * A refusal or a duplicate sets a->st or a->dup and returns 0 having
 * written nothing; apply_guarded then aborts the transaction.
 */
/* DB_SEEN's key: the sender's org, a NUL, the message id. */
static size_t
seen_key(uint8_t key[TAFEL_ORG_MAX + 1 + TAFEL_ID_BYTES], const char *from,
    const uint8_t id[TAFEL_ID_BYTES])
{
	size_t n = strnlen(from, TAFEL_ORG_MAX);

	memcpy(key, from, n);
	key[n] = 0;
	memcpy(key + n + 1, id, TAFEL_ID_BYTES);
	return n + 1 + TAFEL_ID_BYTES;
}

int
cases_seen_lookup(struct tafeld *d, MDB_txn *txn, const char *from,
    const uint8_t id[TAFEL_ID_BYTES], const uint8_t hash[32], int *state)
{
	uint8_t key[TAFEL_ORG_MAX + 1 + TAFEL_ID_BYTES];
	MDB_val k, v;
	int rc;

	*state = SEEN_NO;
	k.mv_data = key;
	k.mv_size = seen_key(key, from, id);
	if ((rc = mdb_get(txn, store_dbi(d->store, DB_SEEN), &k, &v)) ==
	    MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return rc;
	*state = v.mv_size == 32 && memcmp(v.mv_data, hash, 32) == 0 ?
	    SEEN_SAME : SEEN_OTHER;
	return 0;
}

int
cases_seen_put(struct tafeld *d, MDB_txn *txn, const char *from,
    const uint8_t id[TAFEL_ID_BYTES], const uint8_t hash[32])
{
	uint8_t key[TAFEL_ORG_MAX + 1 + TAFEL_ID_BYTES];
	MDB_val k, v;

	k.mv_data = key;
	k.mv_size = seen_key(key, from, id);
	v.mv_data = (void *)hash;
	v.mv_size = 32;
	return store_put_end(txn, store_dbi(d->store, DB_SEEN), &k, &v);
}

static size_t
rxenv_key(uint8_t key[TAFEL_ID_BYTES + TAFEL_ORG_MAX],
    const struct tafel_hdr *h)
{
	size_t n = strnlen(h->from, TAFEL_ORG_MAX);

	memcpy(key, h->id, TAFEL_ID_BYTES);
	memcpy(key + TAFEL_ID_BYTES, h->from, n);
	return TAFEL_ID_BYTES + n;
}

int
cases_rxenv_put(struct tafeld *d, MDB_txn *txn, const struct tafel_hdr *h,
    const uint8_t *ho, size_t holen)
{
	uint8_t key[TAFEL_ID_BYTES + TAFEL_ORG_MAX];
	MDB_val k, v;

	k.mv_data = key;
	k.mv_size = rxenv_key(key, h);
	v.mv_data = (void *)ho;
	v.mv_size = holen;
	return store_put_end(txn, store_dbi(d->store, DB_RXENVS), &k, &v);
}

int
cases_rxenv_get(struct tafeld *d, MDB_txn *txn, const struct tafel_hdr *h,
    uint8_t **ho, size_t *holen)
{
	uint8_t key[TAFEL_ID_BYTES + TAFEL_ORG_MAX];
	MDB_val k, v;
	int rc;

	k.mv_data = key;
	k.mv_size = rxenv_key(key, h);
	if ((rc = mdb_get(txn, store_dbi(d->store, DB_RXENVS), &k, &v)) != 0)
		return rc;
	if ((*ho = malloc(v.mv_size)) == NULL)
		fatal("malloc");
	memcpy(*ho, v.mv_data, v.mv_size);
	*holen = v.mv_size;
	return 0;
}

static int
apply_txn(MDB_txn *txn, void *arg)
{
	struct apply *a = arg;
	struct tafeld *d = a->d;
	const struct tafel_hdr *h = &a->e->h;
	uint8_t ck[32], ad[48], ehash[32];
	struct dcase c;
	size_t i;
	int rc, got, seen;

	a->st = TAFEL_ACK_OK;
	a->dup = false;
	a->why[0] = '\0';
	/* The event's own hash: the same for a full and a header-only copy. */
	if (a->gap != NULL)
		memcpy(ehash, a->gap->ehash, 32);	/* computed on receipt */
	else
		crypto_hash_sha256(ehash, a->e->hdr, a->e->hdrlen);

	/* Duplicate? */
	if ((rc = cases_seen_lookup(d, txn, h->from, h->id, a->e->hash,
	    &seen)) != 0)
		return rc;
	if (seen == SEEN_SAME) {
		a->dup = true;
		return 0;
	}
	if (seen == SEEN_OTHER)
		REFUSE(a, TAFEL_ACK_REFUSED, "message id reused with other "
		    "content");

	got = cases_get(d, txn, h->case_id, &c);
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
		c.minor = a->minor;
		memcpy(c.wkey, a->wkey, KEYS_WRAPPED_LEN);
		memcpy(ck, a->ck, 32);
		seal_ad(ad, c.id, (const uint8_t *)"pseudonym", 9);
		case_seal(ck, ad, (const uint8_t *)a->pseudonym, a->pseudolen,
		    c.pseudo);
		c.pseudolen = a->pseudolen + SEALED_OVERHEAD;
	} else if (strcmp(h->type, "members") == 0 && got == 1) {
		/* We join a case we did not know: the event describes it. */
		size_t j;

		for (j = 0; j < a->mb->nadd; j++)
			if (strcmp(a->mb->add[j], d->self.org) == 0)
				break;
		if (j == a->mb->nadd)
			REFUSE(a, TAFEL_ACK_RETRY, "case not known here yet");
		memset(&c, 0, sizeof(c));
		memcpy(c.id, h->case_id, 16);
		memcpy(c.table, h->table, sizeof(c.table));
		memcpy(c.owner, h->from, sizeof(c.owner));
		for (i = 0; i < a->mb->nmembers; i++)
			memcpy(c.members[i], a->mb->members[i],
			    sizeof(c.members[0]));
		c.nmembers = a->mb->nmembers;
		c.opened = a->mb->opened;
		c.minor = a->mb->minor;
		memcpy(c.wkey, a->wkey, KEYS_WRAPPED_LEN);
		memcpy(ck, a->ck, 32);
		seal_ad(ad, c.id, (const uint8_t *)"pseudonym", 9);
		case_seal(ck, ad, (const uint8_t *)a->mb->pseudonym,
		    a->mb->pseudolen, c.pseudo);
		c.pseudolen = a->mb->pseudolen + SEALED_OVERHEAD;
	} else {
		if (got == 1)
			REFUSE(a, TAFEL_ACK_RETRY, "case not known here yet");
		if (strcmp(h->type, "members") == 0 &&
		    strcmp(h->from, c.owner) != 0)
			REFUSE(a, TAFEL_ACK_REFUSED, "only the case owner "
			    "changes its members");
		if (strcmp(c.table, h->table) != 0)
			REFUSE(a, TAFEL_ACK_REFUSED, "case belongs to another "
			    "table");
		if (!cases_has_member(&c, h->from))
			REFUSE(a, TAFEL_ACK_REFUSED, "sender is not a member of "
			    "the case");
		if (!cases_has_member(&c, d->self.org))
			REFUSE(a, TAFEL_ACK_REFUSED, "we are not a member of the "
			    "case");
		if (strcmp(h->type, "reveal") == 0) {
			if (strcmp(h->from, c.owner) != 0)
				REFUSE(a, TAFEL_ACK_REFUSED, "only the case owner "
				    "clears members for identity records");
			if (!cases_has_member(&c, a->reveal))
				REFUSE(a, TAFEL_ACK_REFUSED, "%s is not a member "
				    "of the case", a->reveal);
		}
		if (!a->local && a->body != NULL &&
		    strcmp(h->type, "record") == 0 &&
		    strcmp(h->cat, "identity") == 0 &&
		    !cases_cleared(&c, d->self.org))
			REFUSE(a, TAFEL_ACK_RETRY, "not cleared for identity "
			    "records of this case (yet)");
		if (!a->local && a->body != NULL && c.minor &&
		    a->rules != NULL && strcmp(h->type, "record") == 0 &&
		    !tafel_rules_minor_allows(a->rules, d->self.role, h->cat))
			REFUSE(a, TAFEL_ACK_REFUSED, "the rules of table %s do "
			    "not let %s receive %s in a case about a minor",
			    h->table, d->self.role, h->cat);
		/* Gaps: an event waits for the events it follows. */
		if (!a->local && a->gap != NULL) {
			if ((rc = prevs_missing(d, txn, h, a->gap)) != 0)
				return rc;
			if (a->gap->n > 0 && !a->gap_ok)
				REFUSE(a, TAFEL_ACK_RETRY, "waiting for %zu "
				    "earlier event(s) of the case", a->gap->n);
		}
		if (keys_unwrap_casekey(d->keys, c.id, c.wkey, ck) != 0) {
			log_warnx("store: cannot unwrap a case key");
			return -1;
		}
	}
	if (strcmp(h->type, "members") == 0) {
		for (i = 0; i < a->mb->nmembers; i++)
			memcpy(c.members[i], a->mb->members[i],
			    sizeof(c.members[0]));
		c.nmembers = a->mb->nmembers;
	}
	if (strcmp(h->type, "reveal") == 0 && !cases_cleared(&c, a->reveal) &&
	    c.ncleared < TAFEL_MAX_RECIPIENTS)
		snprintf(c.cleared[c.ncleared++], sizeof(c.cleared[0]), "%s",
		    a->reveal);
	if (h->lamport > c.lamport)
		c.lamport = h->lamport;
	heads_add(&c, h, ehash);
	if (strcmp(h->type, "close") == 0 && c.closed == 0)
		c.closed = h->time;

	/* The event row (the case key is wiped there). */
	if ((rc = cases_row_put(d, txn, c.id, ck, a->e, ehash, a->body,
	    a->bodylen, a->ckey)) != 0)
		return rc;
	if ((rc = cases_put(d, txn, &c)) != 0)
		return rc;
	/* Ours, to send again; or the header-only copy we received. */
	if (a->local) {
		if ((rc = outbox_env_put(d, txn, a->e->hash, h->id, a->env,
		    a->envlen)) != 0)
			return rc;
	} else if ((rc = cases_rxenv_put(d, txn, h, a->env, a->envlen)) != 0)
		return rc;
	if ((rc = cases_seen_put(d, txn, h->from, h->id, a->e->hash)) != 0)
		return rc;
	if (a->noutbox > 0 && (rc = outbox_add(d, txn, OUTBOX_ENV, a->e->hash,
	    h->id, a->outbox, a->noutbox)) != 0)
		return rc;
	if (a->ho != NULL && a->noutbox_ho > 0 &&
	    ((rc = outbox_env_put(d, txn, a->hohash, h->id, a->ho,
	    a->holen)) != 0 || (rc = outbox_add(d, txn, OUTBOX_ENV, a->hohash,
	    h->id, a->outbox_ho, a->noutbox_ho)) != 0))
		return rc;
	if (a->extra != NULL && (rc = a->extra(txn, a->extra_arg)) != 0)
		return rc;
	return apply_audit(txn, a, &c);
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

	if (commit_begin(d) != 0)
		return -1;
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
	MDB_txn *txn;
	int rc, seen;

	if (store_read(d->store, &txn) != 0)
		return -1;
	rc = cases_seen_lookup(d, txn, e->h.from, e->h.id, e->hash, &seen);
	mdb_txn_abort(txn);
	return rc != 0 ? -1 : seen;
}

int
cases_rules_allow(const struct dtable *dt, const char *from_role,
    const char *to_role, const char *cat)
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
    size_t envlen, uint8_t hash[32], uint8_t id[TAFEL_ID_BYTES],
    struct gap *gap, enum tafel_ack_status *st, char *why, size_t whylen)
{
	struct tafel_env *e;
	const struct tafel_member *m;
	struct dtable *dt;
	struct apply a;
	uint8_t *body = NULL, *ho = NULL, ck[32] = { 0 }, cont[32] = { 0 };
	uint8_t wkey[KEYS_WRAPPED_LEN];
	struct evbody b;
	size_t bodylen, bodymax = 0, holen;
	int rc;

	*st = TAFEL_ACK_REFUSED;
	memset(id, 0, TAFEL_ID_BYTES);
	memset(gap, 0, sizeof(*gap));
	memset(&b, 0, sizeof(b));
	if ((e = calloc(1, sizeof(*e))) == NULL)
		fatal("calloc");
#define NO(s, ...)	do {						\
		*st = (s);						\
		snprintf(why, whylen, __VA_ARGS__);			\
		goto done;						\
	} while (0)
	/* The hash of the bytes as received: the parse computes it. */
	if ((rc = tafel_env_parse(env, envlen, e)) != 0) {
		crypto_hash_sha256(hash, env, envlen);
		NO(TAFEL_ACK_REFUSED, "malformed envelope: %s",
		    tafel_strerror(rc));
	}
	memcpy(hash, e->hash, 32);
	memcpy(id, e->h.id, TAFEL_ID_BYTES);
	memcpy(gap->case_id, e->h.case_id, TAFEL_ID_BYTES);
	crypto_hash_sha256(gap->ehash, e->hdr, e->hdrlen);
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
	/*
	 * Clocks differ a little; an event from the future or from before
	 * the retention period is not believable.  (A resend after a long
	 * outage is still inside the retention period.)
	 */
	if (e->h.time > now_sec() + TAFELD_CLOCK_SKEW)
		NO(TAFEL_ACK_REFUSED, "event time is in the future (check the "
		    "sender's clock)");
	if (e->h.time + (uint64_t)dt->t->rules.retention_days * 86400 <
	    now_sec())
		NO(TAFEL_ACK_REFUSED, "event time is older than the retention "
		    "period of table %s", e->h.table);
	if (strcmp(e->h.type, "history") == 0) {
		/* Not an event of the timeline: an earlier one, relayed. */
		history_receive(d, dt, m, e, st, why, whylen);
		goto done;
	}
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
		bool content = false;
		size_t w;

		for (w = 0; e->ct != NULL && w < e->nwraps; w++)
			if (strcmp(e->wrap[w].org, d->self.org) == 0)
				content = true;
		if (tafel_cat_index(e->h.cat) < 0)
			NO(TAFEL_ACK_REFUSED, "unknown record category");
		/* The header alone may go to every member: the rules are
		 * about who reads what. */
		if (content &&
		    !cases_rules_allow(dt, m->card.role, d->self.role,
		    e->h.cat))
			NO(TAFEL_ACK_REFUSED, "the rules of table %s do not "
			    "allow %s to send %s to %s", e->h.table,
			    m->card.role, e->h.cat, d->self.role);
	} else if (strcmp(e->h.type, "decide") == 0 ||
	    strcmp(e->h.type, "close") == 0) {
		int r = tafel_role_index(m->card.role);

		if (r < 0 || !(dt->t->rules.open & (1u << r)))
			NO(TAFEL_ACK_REFUSED, "role %s may not decide on cases",
			    m->card.role);
		if (e->h.cat[0] != '\0')
			NO(TAFEL_ACK_REFUSED, "a %s event has no category",
			    e->h.type);
	} else if (strcmp(e->h.type, "members") == 0) {
		int r = tafel_role_index(m->card.role);

		if (r < 0 || !(dt->t->rules.open & (1u << r)))
			NO(TAFEL_ACK_REFUSED, "role %s may not own cases",
			    m->card.role);
		if (e->h.cat[0] != '\0')
			NO(TAFEL_ACK_REFUSED, "a members event has no category");
	} else if (strcmp(e->h.type, "decline") == 0 ||
	    strcmp(e->h.type, "reveal") == 0 ||
	    strcmp(e->h.type, "share") == 0) {
		if (e->h.cat[0] != '\0')
			NO(TAFEL_ACK_REFUSED, "a %s event has no category",
			    e->h.type);
	} else
		NO(TAFEL_ACK_REFUSED, "unknown event type %s", e->h.type);

	/* The plaintext is shorter than the envelope that carries it. */
	bodymax = envlen < TAFEL_MAX_BODY ? envlen : TAFEL_MAX_BODY;
	if ((body = malloc(bodymax)) == NULL)
		fatal("malloc");
	rc = keys_open_key(d->keys, e, d->self.org, m->card.box_pk, body,
	    bodymax, &bodylen, cont);
	if (rc == TAFEL_ENOTFOR && strcmp(e->h.type, "record") == 0) {
		/* Narrowed to others: we keep that it exists, not what. */
		free(body);
		body = NULL;
		bodylen = 0;
	} else if (rc != 0)
		NO(TAFEL_ACK_REFUSED, "cannot open the envelope: %s",
		    tafel_strerror(rc));
	else if (cases_body_decode(e->h.type, body, bodylen, &b) != 0)
		NO(TAFEL_ACK_REFUSED, "malformed body");
	else if (b.mb != NULL) {
		const struct tafel_members_body *mb = b.mb;
		size_t i, k;

		if (strcmp(mb->members[0], e->h.from) != 0 ||
		    mb->nmembers != e->h.nto + 1)
			NO(TAFEL_ACK_REFUSED, "the member list does not match "
			    "the recipients");
		for (i = 0; i < mb->nmembers; i++) {
			if (tables_member(dt, mb->members[i]) == NULL)
				NO(TAFEL_ACK_REFUSED, "case member %s is not a "
				    "member of table %s", mb->members[i],
				    e->h.table);
			for (k = 0; i > 0 && k < e->h.nto; k++)
				if (strcmp(e->h.to[k], mb->members[i]) == 0)
					break;
			if (i > 0 && k == e->h.nto)
				NO(TAFEL_ACK_REFUSED, "the member list does not "
				    "match the recipients");
		}
	} else if (b.sb != NULL && tables_member(dt, b.sb->org) == NULL)
		NO(TAFEL_ACK_REFUSED, "%s is not a member of table %s",
		    b.sb->org, e->h.table);
	if (body != NULL && strcmp(e->h.type, "record") == 0 &&
	    b.textlen > dt->t->rules.max_record)
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
	a.reveal = b.org;
	a.mb = b.mb;
	a.rxhash = hash;
	a.minor = b.minor;
	a.ckey = body != NULL ? cont : NULL;
	a.rules = &dt->t->rules;
	if (strcmp(e->h.type, "open") == 0 ||
	    strcmp(e->h.type, "members") == 0) {
		crypto_aead_xchacha20poly1305_ietf_keygen(ck);
		if (keys_wrap_casekey(d->keys, e->h.case_id, ck, wkey) != 0)
			NO(TAFEL_ACK_RETRY, "internal error");
		a.ck = ck;
		a.wkey = wkey;
		a.pseudonym = b.text;
		a.pseudolen = b.textlen;
	}
	a.gap = gap;
	a.gap_ok = gap_expired(d, hash);
	if (run_apply(d, &a) != 0)
		NO(TAFEL_ACK_RETRY, "could not store the event durably");
	*st = a.st;
	snprintf(why, whylen, "%s", a.dup ? "duplicate" : a.why);
	gap_note(d, hash, a.st == TAFEL_ACK_RETRY && gap->n > 0);
	if (a.st == TAFEL_ACK_OK && !a.dup && gap->n > 0)
		log_warnx("envelope from %s applied although %zu earlier "
		    "event(s) of its case did not arrive within %u s",
		    peer_org, gap->n, d->gap_wait);
	if (a.st != TAFEL_ACK_RETRY)
		gap->n = 0;	/* nothing to ask for */
	gap->applied = a.st == TAFEL_ACK_OK && !a.dup;
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
		if (*st == TAFEL_ACK_REFUSED)
			(void)audit_refused(d, peer_org, hash, NULL, why);
	}
	sodium_memzero(ck, sizeof(ck));
	sodium_memzero(cont, sizeof(cont));
	if (body != NULL) {
		sodium_memzero(body, bodymax);
		free(body);
	}
	free(ho);
	cases_body_free(&b);
	free(e);
}

/* Local events: written here, then queued for the recipients. */

static bool
named_has(char named[][TAFEL_ORG_MAX + 1], size_t n, const char *org)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(named[i], org) == 0)
			return true;
	return false;
}

static bool
in_list(const char *const *list, size_t n, const char *org)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(list[i], org) == 0)
			return true;
	return false;
}

/*
 * Seals and signs one event for l->to (every recipient of the header),
 * wrapping the content key for l->wrap only (NULL: all of l->to); the
 * others are sent a header-only copy.  Stores and queues it in one
 * transaction, then tries to send.
 */
int
cases_local_event(struct tafeld *d, struct local *l, const char **code,
    char *err, size_t errlen)
{
	const char *const *wrap = l->wrap != NULL ? l->wrap : l->to;
	size_t nwrap = l->wrap != NULL ? l->nwrap : l->nto;
	const char *hoto[TAFEL_MAX_RECIPIENTS];
	struct tafel_hdr *h;
	struct tafel_env *e = NULL;
	struct apply a;
	uint8_t (*pks)[32] = NULL, cont[32];
	uint8_t *body = NULL, *env = NULL, *ho = NULL;
	size_t bodylen = 0, envlen, holen = 0, nho = 0, i;
	int rc = -1;

	*code = "internal";
	if ((h = calloc(1, sizeof(*h))) == NULL ||
	    (e = calloc(1, sizeof(*e))) == NULL ||
	    (pks = calloc(nwrap ? nwrap : 1, 32)) == NULL)
		fatal("calloc");
	snprintf(h->type, sizeof(h->type), "%s", l->type);
	msgid_new(h->id);
	memcpy(h->table, l->dt->t->id, sizeof(h->table));
	h->tver = l->dt->t->version;
	memcpy(h->case_id, l->case_id, TAFEL_ID_BYTES);
	snprintf(h->cat, sizeof(h->cat), "%s", l->cat);
	memcpy(h->from, d->self.org, sizeof(h->from));
	snprintf(h->by, sizeof(h->by), "%s", l->person);
	for (i = 0; i < l->nto; i++) {
		if (tables_member(l->dt, l->to[i]) == NULL) {
			snprintf(err, errlen, "%s is not a member of table %s",
			    l->to[i], l->dt->t->id);
			*code = "not-member";
			goto out;
		}
		snprintf(h->to[i], sizeof(h->to[i]), "%s", l->to[i]);
		if (!in_list(wrap, nwrap, l->to[i]))
			hoto[nho++] = l->to[i];
	}
	for (i = 0; i < nwrap; i++) {
		const struct tafel_member *m = tables_member(l->dt, wrap[i]);

		if (m == NULL || !in_list(l->to, l->nto, wrap[i])) {
			snprintf(err, errlen, "%s does not receive this event",
			    wrap[i]);
			goto out;
		}
		memcpy(pks[i], m->card.box_pk, 32);
	}
	h->nto = l->nto;
	h->time = now_sec();
	h->lamport = l->lamport;
	if (l->nprev > 0)
		memcpy(h->prev, l->prev, l->nprev * TAFEL_HASH_BYTES);
	h->nprev = l->nprev;
	if (l->body != NULL) {
		if ((body = malloc(l->bodylen)) == NULL)
			fatal("malloc");
		memcpy(body, l->body, l->bodylen);
		bodylen = l->bodylen;
		rc = 0;
	} else if (strcmp(l->type, "open") == 0)
		rc = tafel_open_encode(l->text, l->textlen, l->minor, &body,
		    &bodylen);
	else if (strcmp(l->type, "decide") == 0)
		rc = tafel_decision_encode(l->followup, l->text, l->textlen,
		    l->review, &body, &bodylen);
	else if (strcmp(l->type, "reveal") == 0)
		rc = tafel_reveal_encode(l->reveal, l->text, l->textlen, &body,
		    &bodylen);
	else
		rc = tafel_body_encode(l->type, l->text, l->textlen, &body,
		    &bodylen);
	if (rc != 0) {
		snprintf(err, errlen, "cannot encode the %s", l->type);
		rc = -1;
		goto out;
	}
	if ((rc = keys_seal_key(d->keys, h, body, bodylen, wrap,
	    (const uint8_t (*)[32])pks, nwrap, &env, &envlen, cont)) != 0 ||
	    (rc = tafel_env_parse(env, envlen, e)) != 0 ||
	    (nho > 0 && (rc = tafel_env_header_only(e, &ho, &holen)) != 0)) {
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
	a.reveal = l->reveal;
	a.mb = l->mb;
	a.ck = l->ck;
	a.wkey = l->wkey;
	a.pseudonym = l->text;
	a.pseudolen = l->textlen;
	a.minor = l->minor;
	a.ckey = cont;
	a.extra = l->extra;
	a.extra_arg = l->extra_arg;
	a.local = true;
	a.outbox = wrap;
	a.noutbox = nwrap;
	if (ho != NULL) {
		a.ho = ho;
		a.holen = holen;
		crypto_hash_sha256(a.hohash, ho, holen);
		a.outbox_ho = hoto;
		a.noutbox_ho = nho;
	}
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
	outbox_kick(d, e->hash, h->table, wrap, nwrap);
	if (ho != NULL)
		outbox_kick(d, a.hohash, h->table, hoto, nho);
	rc = 0;
out:
	sodium_memzero(cont, sizeof(cont));
	if (body != NULL) {
		sodium_memzero(body, bodylen);
		free(body);
	}
	free(ho);
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
		{ "minor", TAFEL_MP_BOOL, 0, 0, true, NULL },
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

	if (tafel_mp_fields(r->args, f, 4) != 0 ||
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
	l.minor = f[3].obj != NULL && f[3].obj->via.boolean;
	if (cases_local_event(d, &l, &code, err, sizeof(err)) != 0) {
		sodium_memzero(ck, sizeof(ck));
		tafel_ctl_err(w, code, err);
		return;
	}
	sodium_memzero(ck, sizeof(ck));
	tafel_hex(hex, case_id, 16);
	log_info("case %.8s opened in table %s by %s with %zu other "
	    "member(s)%s", hex, table, person, n, l.minor ?
	    "; it concerns a minor" : "");
	tafel_ctl_ok_begin(w);
	tafel_mpw_map(w, 1);
	tafel_mpw_str(w, "case");
	tafel_mpw_str(w, hex);
}

int
cases_ctl_get(struct tafeld *d, const msgpack_object *o, struct dcase *c,
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
	rc = cases_get(d, txn, id, c);
	mdb_txn_abort(txn);
	if (rc != 0) {
		snprintf(err, sizeof(err), "no case %s here", hex);
		tafel_ctl_err(w, rc == 1 ? "no-case" : "storage", err);
		return -1;
	}
	return 0;
}

/* Every other member of the case that is still at its table. */
size_t
cases_recipients(struct tafeld *d, struct dtable *dt, const struct dcase *c,
    const char *to[TAFEL_MAX_RECIPIENTS])
{
	size_t i, n = 0;

	for (i = 0; i < c->nmembers; i++)
		if (strcmp(c->members[i], d->self.org) != 0 &&
		    tables_member(dt, c->members[i]) != NULL)
			to[n++] = c->members[i];
	return n;
}

/* A new event of case c, after its current heads. */
void
cases_local_begin(struct local *l, struct dtable *dt, const struct dcase *c,
    const char *type, const char *cat, const char *person,
    const char *const *to, size_t nto)
{
	memset(l, 0, sizeof(*l));
	l->dt = dt;
	l->type = type;
	l->case_id = c->id;
	l->cat = cat;
	l->person = person;
	l->to = to;
	l->nto = nto;
	l->lamport = c->lamport + 1;
	l->prev = (const uint8_t (*)[TAFEL_HASH_BYTES])c->heads;
	l->nprev = c->nheads;
}

/*
 * The case a control request names, ready for a new event from here: it
 * is held here, its table is adopted and in force, this organisation is
 * one of its members and it is not closed.  hex receives its id.  On
 * failure the error answer is written to w.
 */
int
cases_writable(struct tafeld *d, const msgpack_object *o, struct dcase *c,
    struct dtable **dtp, char hex[33], struct tafel_mpw *w)
{
	const char *code = "internal";
	char err[512];

	if (cases_ctl_get(d, o, c, w) != 0)
		return -1;
	tafel_hex(hex, c->id, 16);
	if ((*dtp = tables_find(d, c->table)) == NULL) {
		snprintf(err, sizeof(err), "table %s of case %s is not adopted "
		    "here", c->table, hex);
		tafel_ctl_err(w, "no-table", err);
		return -1;
	}
	if (!table_usable(*dtp, &code, err, sizeof(err))) {
		tafel_ctl_err(w, code, err);
		return -1;
	}
	if (!cases_has_member(c, d->self.org)) {
		tafel_ctl_err(w, "not-member", "this organisation is not a "
		    "member of the case");
		return -1;
	}
	if (c->closed != 0) {
		snprintf(err, sizeof(err), "case %s is closed", hex);
		tafel_ctl_err(w, "closed", err);
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
		{ "to", TAFEL_MP_ARRAY, 1, TAFEL_MAX_RECIPIENTS, true, NULL },
	};
	const char *to[TAFEL_MAX_RECIPIENTS], *code = "bad-request";
	const char *wrap[TAFEL_MAX_RECIPIENTS], *denied[TAFEL_MAX_RECIPIENTS];
	const char *minordenied[TAFEL_MAX_RECIPIENTS];
	char cat[TAFEL_CAT_MAX + 1], err[512], hex[33], chex[33];
	char named[TAFEL_MAX_RECIPIENTS][TAFEL_ORG_MAX + 1];
	struct dtable *dt;
	struct dcase c;
	struct local l;
	size_t i, j, n = 0, nwrap = 0, nnamed = 0, ndenied = 0, nminor = 0;
	bool identity;
	int ci, role;

	if (tafel_mp_fields(r->args, f, 4) != 0 ||
	    tafel_mp_strcpy(cat, sizeof(cat), f[1].obj) != 0) {
		tafel_ctl_err(w, "bad-request", "record.add: bad arguments");
		return;
	}
	if ((ci = tafel_cat_index(cat)) < 0) {
		tafel_ctl_err(w, "bad-request", "unknown record category");
		return;
	}
	identity = strcmp(cat, "identity") == 0;
	if (f[3].obj != NULL) {
		const msgpack_object *a = f[3].obj;

		for (i = 0; i < a->via.array.size; i++) {
			if (!tafel_mp_check(&a->via.array.ptr[i], TAFEL_MP_ID,
			    1, TAFEL_ORG_MAX) || tafel_mp_strcpy(named[i],
			    sizeof(named[i]), &a->via.array.ptr[i]) != 0) {
				tafel_ctl_err(w, "bad-request", "record.add: "
				    "--to needs organisation ids");
				return;
			}
			for (j = 0; j < i; j++)
				if (strcmp(named[i], named[j]) == 0) {
					tafel_ctl_err(w, "bad-request", "--to "
					    "names an organisation twice");
					return;
				}
		}
		nnamed = a->via.array.size;
	}
	if (cases_writable(d, f[0].obj, &c, &dt, chex, w) != 0)
		return;
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
		if (!cases_rules_allow(dt, d->self.role, m->card.role, cat)) {
			log_info("case %.8s: the rules do not let %s (%s) "
			    "receive %s; not sealed for it (header only)",
			    chex, m->card.org, m->card.role, cat);
			denied[ndenied++] = c.members[i];
		} else if (c.minor && !tafel_rules_minor_allows(&dt->t->rules,
		    m->card.role, cat)) {
			log_info("case %.8s: the rules do not let %s (%s) "
			    "receive %s in a case about a minor; not sealed "
			    "for it (header only)", chex, m->card.org,
			    m->card.role, cat);
			minordenied[nminor++] = c.members[i];
			denied[ndenied++] = c.members[i];
		}
		to[n++] = c.members[i];
	}
	/*
	 * Content on need-to-know: for those named with --to (else every
	 * recipient), and an identity record only for members the owner
	 * cleared.  The others get the signed header alone.
	 */
	for (i = 0; i < nnamed; i++) {
		for (j = 0; j < n; j++)
			if (strcmp(named[i], to[j]) == 0)
				break;
		if (in_list(minordenied, nminor, named[i])) {
			snprintf(err, sizeof(err), "the rules of table %s do "
			    "not let %.63s (%s) receive %s records in a case "
			    "about a minor", c.table, named[i],
			    tables_member(dt, named[i])->card.role, cat);
			tafel_ctl_err(w, "forbidden", err);
			return;
		}
		if (j == n || in_list(denied, ndenied, named[i])) {
			snprintf(err, sizeof(err), "%.63s cannot receive this "
			    "record: not a member of the case, or the rules "
			    "do not let it receive %s", named[i], cat);
			tafel_ctl_err(w, "not-member", err);
			return;
		}
		if (identity && !cases_cleared(&c, named[i])) {
			snprintf(err, sizeof(err), "%.63s is not cleared for "
			    "identity records of this case (the owner clears "
			    "it with: tafel case reveal)", named[i]);
			tafel_ctl_err(w, "forbidden", err);
			return;
		}
	}
	for (i = 0; i < n; i++) {
		if (nnamed > 0 && !named_has(named, nnamed, to[i]))
			continue;
		if (in_list(denied, ndenied, to[i]))
			continue;
		if (identity && !cases_cleared(&c, to[i]))
			continue;
		wrap[nwrap++] = to[i];
	}
	cases_local_begin(&l, dt, &c, "record", cat, person, to, n);
	l.wrap = wrap;
	l.nwrap = nwrap;
	l.text = f[2].obj->via.str.ptr;
	l.textlen = f[2].obj->via.str.size;
	if (cases_local_event(d, &l, &code, err, sizeof(err)) != 0) {
		tafel_ctl_err(w, code, err);
		return;
	}
	tafel_hex(hex, l.id, 16);
	log_info("record %s (%s) added to case %.8s by %s: content for "
	    "%zu, header only for %zu", hex, cat, chex, person, nwrap,
	    n - nwrap);
	tafel_ctl_ok_begin(w);
	tafel_mpw_map(w, 1);
	tafel_mpw_str(w, "record");
	tafel_mpw_str(w, hex);
}

/*
 * case.decide, case.close and case.decline: an event with a reason (and,
 * to decide, a follow-up level and review date) for every other member.
 * Deciding and closing take a role that may open cases; any member may
 * decline to contribute.
 */
static void
op_case_event(struct tafeld *d, const struct tafel_ctl_req *r,
    const char *person, struct tafel_mpw *w, const char *type)
{
	struct tafel_mp_field f[] = {
		{ "case", TAFEL_MP_STR, 32, 32, false, NULL },
		{ "reason", TAFEL_MP_TEXT, 1, TAFEL_REASON_MAX, false, NULL },
		{ "followup", TAFEL_MP_ID, 1, TAFEL_FOLLOWUP_MAX, true, NULL },
		{ "review", TAFEL_MP_UINT, 0, UINT64_MAX, true, NULL },
	};
	const char *to[TAFEL_MAX_RECIPIENTS], *code = "bad-request";
	char level[TAFEL_FOLLOWUP_MAX + 1] = "", err[512], hex[33];
	bool decide = strcmp(type, "decide") == 0;
	struct dtable *dt;
	struct dcase c;
	struct local l;
	size_t n;
	int role;

	if (tafel_mp_fields(r->args, f, 4) != 0 ||
	    (decide != (f[2].obj != NULL)) || (decide != (f[3].obj != NULL)) ||
	    (decide && (tafel_mp_strcpy(level, sizeof(level), f[2].obj) != 0 ||
	    tafel_followup_index(level) < 0))) {
		snprintf(err, sizeof(err), "case.%s: bad arguments", type);
		tafel_ctl_err(w, "bad-request", err);
		return;
	}
	if (cases_writable(d, f[0].obj, &c, &dt, hex, w) != 0)
		return;
	role = tafel_role_index(d->self.role);
	if (strcmp(type, "decline") != 0 &&
	    (role < 0 || !(dt->t->rules.open & (1u << role)))) {
		snprintf(err, sizeof(err), "the rules of table %s do not let "
		    "the role %s decide on cases", c.table, d->self.role);
		tafel_ctl_err(w, "forbidden", err);
		return;
	}
	n = cases_recipients(d, dt, &c, to);
	cases_local_begin(&l, dt, &c, type, "", person, to, n);
	l.text = f[1].obj->via.str.ptr;
	l.textlen = f[1].obj->via.str.size;
	l.followup = level;
	l.review = decide ? f[3].obj->via.u64 : 0;
	if (cases_local_event(d, &l, &code, err, sizeof(err)) != 0) {
		tafel_ctl_err(w, code, err);
		return;
	}
	log_info("case %.8s: %s%s%s by %s", hex, type, decide ? " " : "",
	    level, person);
	tafel_hex(hex, l.id, 16);
	tafel_ctl_ok_begin(w);
	tafel_mpw_map(w, 1);
	tafel_mpw_str(w, "event");
	tafel_mpw_str(w, hex);
}

/*
 * case.reveal: the owner clears a member for the identity records of a
 * case, with a reason.  Every member receives it, so the timeline says
 * who was told who the person is, and why.
 */
static void
op_case_reveal(struct tafeld *d, const struct tafel_ctl_req *r,
    const char *person, struct tafel_mpw *w)
{
	struct tafel_mp_field f[] = {
		{ "case", TAFEL_MP_STR, 32, 32, false, NULL },
		{ "to", TAFEL_MP_ID, 1, TAFEL_ORG_MAX, false, NULL },
		{ "reason", TAFEL_MP_TEXT, 1, TAFEL_REASON_MAX, false, NULL },
	};
	const char *to[TAFEL_MAX_RECIPIENTS], *code = "bad-request";
	char org[TAFEL_ORG_MAX + 1], err[512], hex[33];
	struct dtable *dt;
	struct dcase c;
	struct local l;
	size_t n;

	if (tafel_mp_fields(r->args, f, 3) != 0 ||
	    tafel_mp_strcpy(org, sizeof(org), f[1].obj) != 0) {
		tafel_ctl_err(w, "bad-request", "case.reveal: bad arguments");
		return;
	}
	if (cases_writable(d, f[0].obj, &c, &dt, hex, w) != 0)
		return;
	if (strcmp(c.owner, d->self.org) != 0) {
		snprintf(err, sizeof(err), "only the owner of case %s (%s) "
		    "clears members for identity records", hex, c.owner);
		tafel_ctl_err(w, "forbidden", err);
		return;
	}
	if (!cases_has_member(&c, org)) {
		snprintf(err, sizeof(err), "%s is not a member of case %s", org,
		    hex);
		tafel_ctl_err(w, "not-member", err);
		return;
	}
	n = cases_recipients(d, dt, &c, to);
	cases_local_begin(&l, dt, &c, "reveal", "", person, to, n);
	l.text = f[2].obj->via.str.ptr;
	l.textlen = f[2].obj->via.str.size;
	l.reveal = org;
	if (cases_local_event(d, &l, &code, err, sizeof(err)) != 0) {
		tafel_ctl_err(w, code, err);
		return;
	}
	log_info("case %.8s: %s cleared for identity records by %s", hex, org,
	    person);
	tafel_hex(hex, l.id, 16);
	tafel_ctl_ok_begin(w);
	tafel_mpw_map(w, 1);
	tafel_mpw_str(w, "event");
	tafel_mpw_str(w, hex);
}

/*
 * case.members: the owner adds or removes members.  The new list goes
 * to every member that stays or joins (with the pseudonym, so that a new
 * member knows the case); a removed member receives nothing more, and a
 * new one receives what is written from now on.
 */
static void
op_case_members(struct tafeld *d, const struct tafel_ctl_req *r,
    const char *person, struct tafel_mpw *w)
{
	struct tafel_mp_field f[] = {
		{ "case", TAFEL_MP_STR, 32, 32, false, NULL },
		{ "add", TAFEL_MP_ARRAY, 0, TAFEL_MAX_RECIPIENTS, false, NULL },
		{ "remove", TAFEL_MP_ARRAY, 0, TAFEL_MAX_RECIPIENTS, false,
		    NULL },
		{ "reason", TAFEL_MP_TEXT, 0, TAFEL_REASON_MAX, false, NULL },
	};
	const char *to[TAFEL_MAX_RECIPIENTS], *code = "bad-request";
	char pseudo[TAFEL_PSEUDONYM_MAX + 1], err[512], hex[33];
	struct tafel_members_body *mb;
	struct hist hs = { d, NULL, 0 };
	struct dtable *dt;
	struct dcase c;
	struct local l;
	uint8_t *body;
	size_t i, j, n = 0, bodylen;

	if ((mb = calloc(1, sizeof(*mb))) == NULL)
		fatal("calloc");
	if (tafel_mp_fields(r->args, f, 4) != 0) {
		tafel_ctl_err(w, "bad-request", "case.members: bad arguments");
		goto out;
	}
	for (i = 0; i < 2; i++) {
		const msgpack_object *a = f[1 + i].obj;
		char (*ids)[TAFEL_ORG_MAX + 1] = i == 0 ? mb->add : mb->remove;

		for (j = 0; j < a->via.array.size; j++)
			if (!tafel_mp_check(&a->via.array.ptr[j], TAFEL_MP_ID,
			    1, TAFEL_ORG_MAX) || tafel_mp_strcpy(ids[j],
			    sizeof(ids[j]), &a->via.array.ptr[j]) != 0 ||
			    named_has(ids, j, ids[j])) {
				tafel_ctl_err(w, "bad-request", "case.members: "
				    "distinct organisation ids expected");
				goto out;
			}
		if (i == 0)
			mb->nadd = a->via.array.size;
		else
			mb->nremove = a->via.array.size;
	}
	if (mb->nadd + mb->nremove == 0) {
		tafel_ctl_err(w, "bad-request", "give --add or --remove");
		goto out;
	}
	if (cases_writable(d, f[0].obj, &c, &dt, hex, w) != 0)
		goto out;
	if (strcmp(c.owner, d->self.org) != 0) {
		snprintf(err, sizeof(err), "only the owner of case %s (%s) "
		    "changes its members", hex, c.owner);
		tafel_ctl_err(w, "forbidden", err);
		goto out;
	}
	/* The new list: the owner first, those that stay, then the new. */
	snprintf(mb->members[mb->nmembers++], sizeof(mb->members[0]), "%s",
	    c.owner);
	for (i = 0; i < mb->nremove; i++) {
		if (strcmp(mb->remove[i], c.owner) == 0) {
			tafel_ctl_err(w, "bad-request", "the owner cannot "
			    "remove itself from its case");
			goto out;
		}
		if (!cases_has_member(&c, mb->remove[i])) {
			snprintf(err, sizeof(err), "%s is not a member of case "
			    "%s", mb->remove[i], hex);
			tafel_ctl_err(w, "not-member", err);
			goto out;
		}
	}
	for (i = 0; i < c.nmembers; i++)
		if (strcmp(c.members[i], c.owner) != 0 &&
		    !named_has(mb->remove, mb->nremove, c.members[i]))
			snprintf(mb->members[mb->nmembers++],
			    sizeof(mb->members[0]), "%s", c.members[i]);
	for (i = 0; i < mb->nadd; i++) {
		if (cases_has_member(&c, mb->add[i]) ||
		    named_has(mb->add, i, mb->add[i])) {
			snprintf(err, sizeof(err), "%s is already a member",
			    mb->add[i]);
			tafel_ctl_err(w, "bad-request", err);
			goto out;
		}
		if (tables_member(dt, mb->add[i]) == NULL) {
			snprintf(err, sizeof(err), "%s is not a member of table "
			    "%s", mb->add[i], c.table);
			tafel_ctl_err(w, "not-member", err);
			goto out;
		}
		if (mb->nmembers == TAFEL_MAX_RECIPIENTS) {
			tafel_ctl_err(w, "bad-request", "too many members");
			goto out;
		}
		snprintf(mb->members[mb->nmembers++], sizeof(mb->members[0]),
		    "%s", mb->add[i]);
	}
	for (i = 1; i < mb->nmembers; i++)
		if (tables_member(dt, mb->members[i]) != NULL)
			to[n++] = mb->members[i];
	if (cases_pseudonym(d, &c, pseudo, sizeof(pseudo)) != 0) {
		tafel_ctl_err(w, "storage", "the case cannot be read");
		goto out;
	}
	mb->reason = f[3].obj->via.str.ptr;
	mb->reasonlen = f[3].obj->via.str.size;
	mb->pseudonym = pseudo;
	mb->pseudolen = strlen(pseudo);
	mb->opened = c.opened;
	mb->minor = c.minor;
	/* A new member gets the headers of what came before (8.12). */
	for (i = 0; i < mb->nadd; i++)
		if (history_build(d, dt, &c, person, tables_member(dt,
		    mb->add[i]), false, &hs, NULL) != 0) {
			tafel_ctl_err(w, "storage", "the case cannot be read "
			    "from the store");
			goto out;
		}
	if (tafel_members_encode(mb, &body, &bodylen) != 0) {
		tafel_ctl_err(w, "internal", "cannot encode the change");
		goto out;
	}
	cases_local_begin(&l, dt, &c, "members", "", person, to, n);
	l.body = body;
	l.bodylen = bodylen;
	l.mb = mb;
	l.extra = history_txn;
	l.extra_arg = &hs;
	if (cases_local_event(d, &l, &code, err, sizeof(err)) != 0) {
		sodium_memzero(body, bodylen);
		free(body);
		tafel_ctl_err(w, code, err);
		goto out;
	}
	sodium_memzero(body, bodylen);
	free(body);
	history_kick(&hs);
	log_info("case %.8s: members changed by %s (+%zu -%zu); %zu earlier "
	    "event header(s) sent to the new member(s)", hex, person,
	    mb->nadd, mb->nremove, hs.n);
	tafel_hex(hex, l.id, 16);
	tafel_ctl_ok_begin(w);
	tafel_mpw_map(w, 1);
	tafel_mpw_str(w, "event");
	tafel_mpw_str(w, hex);
out:
	history_free(&hs);
	sodium_memzero(pseudo, sizeof(pseudo));
	free(mb);
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
		timeline_ctl_show(d, r, person, w);
	else if (strcmp(r->op, "case.list") == 0)
		timeline_ctl_list(d, r, w);
	else if (strcmp(r->op, "case.decide") == 0)
		op_case_event(d, r, person, w, "decide");
	else if (strcmp(r->op, "case.close") == 0)
		op_case_event(d, r, person, w, "close");
	else if (strcmp(r->op, "case.decline") == 0)
		op_case_event(d, r, person, w, "decline");
	else if (strcmp(r->op, "case.reveal") == 0)
		op_case_reveal(d, r, person, w);
	else if (strcmp(r->op, "case.members") == 0)
		op_case_members(d, r, person, w);
	else if (strcmp(r->op, "case.share_history") == 0)
		history_ctl_share(d, r, person, w);
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
		    cases_decode(k.mv_data, v.mv_data, v.mv_size, c) != 0 ||
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

		if ((rc = cases_put(d, txn, &changed[j])) != 0) {
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
