/*
 * The signed exchange log (docs/protocol.md, "The exchange log").
 *
 * One append-only log per daemon.  A leaf is the exact bytes of one audit
 * entry (include/tafel/audit.h), appended by audit_append() inside the
 * write transaction of the event it records, together with every Merkle
 * node that the new leaf completes; roots and proofs are then computed
 * from O(log n) stored nodes.
 *
 *   DB_AUDIT        seq(be64) -> entry bytes
 *   DB_AUDIT_NODES  level(1) index(be64) -> node hash
 *   DB_AUDIT_CKPT   size(be64) -> signed checkpoint note; cosignature
 *                   lines of partners are appended to it as they come
 *   DB_AUDIT_PEERS  'C' org -> size(be64): how far org has cosigned us
 *                   'H' org -> the last checkpoint of org's log that we
 *                          cosigned (its note, as received)
 *                   'F' org -> evidence that org's log forked
 *
 * Checkpoints are C2SP tlog-checkpoints in signed notes, signed with the
 * daemon's sign key under the key name = origin (tafel_audit_origin).
 * At most one a second, from the loop's timer, and on demand; before
 * signing, the new tree is checked to extend the last signed one
 * (consistency proof from the stored nodes), so that two inconsistent
 * checkpoints are never signed.  Should that check ever fail, signing
 * stops for good and the daemon says so loudly.
 *
 * Witnessing: every connected partner is sent our latest checkpoint
 * ("ckpt" frame, with a consistency proof from the size it last
 * cosigned); it checks the proof against the last checkpoint it holds
 * from us and answers with a tlog-cosignature, or with "fork".
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "tafel/merkle.h"
#include "tafel/note.h"
#include "tafel/util.h"

#define AUDIT_TICK_MS	1000
#define RESEND_MS	30000
#define MAX_WSTATE	256
#define LEAVES_BYTES	(768 * 1024)	/* per audit.leaves answer */
#define CKPTS_BYTES	(768 * 1024)

#define TAG_COSIGNED	'C'
#define TAG_HELD	'H'
#define TAG_FORK	'F'

struct wstate {
	char		org[TAFEL_ORG_MAX + 1];
	uint64_t	sent_size;
	uint64_t	sent_ms;
	bool		accused;	/* it says our log forked */
	char		why[TAFEL_AUDIT_WHY_MAX + 1];
};

struct audit {
	char			origin[TAFEL_CKPT_ORIGIN_MAX + 1];
	char			vkey[TAFEL_NOTE_VKEY_MAX];
	struct tafel_note_key	key;
	bool			halted;
	int			timer;
	size_t			nws;
	struct wstate		ws[MAX_WSTATE];
};

static void
be64_put(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (56 - 8 * i));
}

static uint64_t
be64_get(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

static struct wstate *
wstate(struct audit *a, const char *org)
{
	size_t i;

	for (i = 0; i < a->nws; i++)
		if (strcmp(a->ws[i].org, org) == 0)
			return &a->ws[i];
	if (a->nws == MAX_WSTATE)
		return &a->ws[MAX_WSTATE - 1];	/* shared; peers are few */
	memset(&a->ws[a->nws], 0, sizeof(a->ws[0]));
	snprintf(a->ws[a->nws].org, sizeof(a->ws[0].org), "%s", org);
	return &a->ws[a->nws++];
}

/* The number of leaves, read in txn. */
static int
log_size(struct tafeld *d, MDB_txn *txn, uint64_t *size)
{
	MDB_cursor *c;
	MDB_val k, v;
	int rc;

	*size = 0;
	if ((rc = mdb_cursor_open(txn, store_dbi(d->store, DB_AUDIT), &c))
	    != 0)
		return rc;
	rc = mdb_cursor_get(c, &k, &v, MDB_LAST);
	mdb_cursor_close(c);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return rc;
	if (k.mv_size != 8) {
		log_warnx("audit: a log key of %zu bytes", k.mv_size);
		return -1;
	}
	*size = be64_get(k.mv_data) + 1;
	return 0;
}

struct nodearg {
	struct tafeld	*d;
	MDB_txn		*txn;
};

static int
get_node(void *arg, unsigned level, uint64_t index, uint8_t out[32])
{
	struct nodearg *na = arg;
	uint8_t key[9];
	MDB_val k, v;
	int rc;

	key[0] = (uint8_t)level;
	be64_put(key + 1, index);
	k.mv_data = key;
	k.mv_size = sizeof(key);
	rc = mdb_get(na->txn, store_dbi(na->d->store, DB_AUDIT_NODES), &k, &v);
	if (rc != 0 || v.mv_size != 32) {
		log_warnx("audit: Merkle node (%u, %llu) missing from the "
		    "store", level, (unsigned long long)index);
		return TAFEL_EMALFORMED;
	}
	memcpy(out, v.mv_data, 32);
	return 0;
}

int
audit_append(struct tafeld *d, MDB_txn *txn,
    const struct tafel_audit_entry *in)
{
	struct tafel_merkle_node nodes[TAFEL_MERKLE_MAX_LEVELS];
	struct tafel_audit_entry *e;
	struct nodearg na = { d, txn };
	uint8_t lh[32], key[9], *buf = NULL;
	size_t len, n, i;
	uint64_t size;
	MDB_val k, v;
	int rc;

	if ((e = malloc(sizeof(*e))) == NULL)
		fatal("malloc");
	*e = *in;
	if ((rc = log_size(d, txn, &size)) != 0)
		goto out;
	e->seq = size;
	e->time = now_sec();
	if (tafel_audit_entry_encode(e, &buf, &len) != 0) {
		log_warnx("audit: a %s entry does not encode",
		    tafel_audit_kind_name(e->kind) ? tafel_audit_kind_name(
		    e->kind) : "?");
		rc = -1;
		goto out;
	}
	tafel_merkle_leaf_hash(buf, len, lh);
	if (tafel_merkle_append(size, lh, get_node, &na, nodes, &n) != 0) {
		rc = -1;
		goto out;
	}
	be64_put(key, size);
	k.mv_data = key;
	k.mv_size = 8;
	v.mv_data = buf;
	v.mv_size = len;
	if ((rc = mdb_put(txn, store_dbi(d->store, DB_AUDIT), &k, &v,
	    MDB_APPEND)) != 0)
		goto out;
	for (i = 0; i < n; i++) {
		key[0] = (uint8_t)nodes[i].level;
		be64_put(key + 1, nodes[i].index);
		k.mv_data = key;
		k.mv_size = 9;
		v.mv_data = nodes[i].hash;
		v.mv_size = 32;
		if ((rc = mdb_put(txn, store_dbi(d->store, DB_AUDIT_NODES), &k,
		    &v, 0)) != 0)
			goto out;
	}
out:
	free(buf);
	free(e);
	return rc;
}

int
audit_receipt(struct tafeld *d, MDB_txn *txn, const char *peer_org,
    const uint8_t env_hash[32], enum tafel_ack_status st, const char *why)
{
	struct tafel_audit_entry e;

	if (st != TAFEL_ACK_OK && st != TAFEL_ACK_REFUSED)
		return 0;
	memset(&e, 0, sizeof(e));
	e.kind = TAFEL_AUDIT_RECEIPT;
	e.has_env = true;
	memcpy(e.env, env_hash, 32);
	snprintf(e.from, sizeof(e.from), "%s", peer_org);
	snprintf(e.status, sizeof(e.status), "%s", st == TAFEL_ACK_OK ? "ok" :
	    "refused");
	if (st == TAFEL_ACK_REFUSED && why != NULL)
		tafel_audit_why(e.why, sizeof(e.why), why);
	return audit_append(d, txn, &e);
}

struct one_arg {
	struct tafeld			*d;
	const struct tafel_audit_entry	*e;
};

static int
one_txn(MDB_txn *txn, void *arg)
{
	struct one_arg *o = arg;

	return audit_append(o->d, txn, o->e);
}

int
audit_refused(struct tafeld *d, const char *peer_org, const uint8_t hash[32],
    const char *event, const char *why)
{
	struct tafel_audit_entry e;
	struct one_arg o = { d, &e };

	memset(&e, 0, sizeof(e));
	e.kind = TAFEL_AUDIT_REFUSED;
	e.has_env = true;
	memcpy(e.env, hash, 32);
	snprintf(e.from, sizeof(e.from), "%s", peer_org);
	if (event != NULL)
		snprintf(e.event, sizeof(e.event), "%s", event);
	tafel_audit_why(e.why, sizeof(e.why), why != NULL && *why ? why :
	    "refused");
	if (store_write(d->store, one_txn, &o) != 0) {
		log_warnx("audit: could not record a refusal from %s",
		    peer_org);
		return -1;
	}
	return 0;
}

int
audit_viewed(struct tafeld *d, const char *table, const uint8_t case_id[16],
    const char *person)
{
	struct tafel_audit_entry e;
	struct one_arg o = { d, &e };

	memset(&e, 0, sizeof(e));
	e.kind = TAFEL_AUDIT_VIEWED;
	snprintf(e.table, sizeof(e.table), "%s", table);
	e.has_case = true;
	memcpy(e.case_id, case_id, 16);
	snprintf(e.person, sizeof(e.person), "%s", person);
	if (store_write(d->store, one_txn, &o) != 0) {
		log_warnx("audit: could not record a view of a case");
		return -1;
	}
	return 0;
}

/* Checkpoints. */

struct ckpt {
	uint64_t	 size;
	uint8_t		 root[32];
	uint8_t		*note;		/* malloc'd */
	size_t		 notelen;
	size_t		 loglen;	/* text and our own line only */
};

/*
 * Parses a stored or received checkpoint note whose first signature is
 * the one that matters; fills size, root and loglen.
 */
static int
ckpt_parse(const uint8_t *note, size_t len, struct ckpt *c)
{
	struct tafel_note *n;
	struct tafel_checkpoint cp;
	int rc = -1;

	if ((n = malloc(sizeof(*n))) == NULL)
		fatal("malloc");
	if (tafel_note_parse(note, len, n) == 0 &&
	    tafel_checkpoint_parse(n->text, n->textlen, &cp) == 0) {
		c->size = cp.size;
		memcpy(c->root, cp.root, 32);
		c->loglen = (size_t)(n->sigs[0].line + n->sigs[0].linelen -
		    note);
		rc = 0;
	}
	free(n);
	return rc;
}

static void
ckpt_free(struct ckpt *c)
{
	free(c->note);
	memset(c, 0, sizeof(*c));
}

/* The latest checkpoint (at or below max; 0: the latest).  1: none. */
static int
ckpt_get(struct tafeld *d, MDB_txn *txn, uint64_t max, struct ckpt *c)
{
	MDB_cursor *cur;
	MDB_val k, v;
	uint8_t key[8];
	int rc;

	memset(c, 0, sizeof(*c));
	if ((rc = mdb_cursor_open(txn, store_dbi(d->store, DB_AUDIT_CKPT),
	    &cur)) != 0)
		return -1;
	if (max == 0)
		rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
	else {
		be64_put(key, max);
		k.mv_data = key;
		k.mv_size = 8;
		rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
		if (rc == 0 && be64_get(k.mv_data) != max)
			rc = mdb_cursor_get(cur, &k, &v, MDB_PREV);
		else if (rc == MDB_NOTFOUND)
			rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
	}
	if (rc == MDB_NOTFOUND) {
		mdb_cursor_close(cur);
		return 1;
	}
	if (rc != 0 || k.mv_size != 8) {
		mdb_cursor_close(cur);
		return -1;
	}
	if ((c->note = malloc(v.mv_size)) == NULL)
		fatal("malloc");
	memcpy(c->note, v.mv_data, v.mv_size);
	c->notelen = v.mv_size;
	mdb_cursor_close(cur);
	if (ckpt_parse(c->note, c->notelen, c) != 0 ||
	    c->size != be64_get(k.mv_data)) {
		log_warnx("audit: a stored checkpoint does not parse");
		ckpt_free(c);
		return -1;
	}
	return 0;
}

struct sign_arg {
	struct tafeld	*d;
	bool		 halt;
	bool		 signed_now;
	uint64_t	 size;
	char		 why[200];
};

static int
sign_txn(MDB_txn *txn, void *arg)
{
	struct sign_arg *s = arg;
	struct tafeld *d = s->d;
	struct tafel_checkpoint cp;
	struct nodearg na = { d, txn };
	struct ckpt last;
	uint8_t proof[TAFEL_MERKLE_MAX_PROOF][32], text[TAFEL_CKPT_TEXT_MAX];
	uint8_t line[TAFEL_NOTE_LINE_MAX], *note, key[8];
	size_t np, textlen, linelen;
	uint64_t size;
	MDB_val k, v;
	int rc, got;

	s->signed_now = false;
	if ((rc = log_size(d, txn, &size)) != 0)
		return rc;
	s->size = size;
	if (size == 0)
		return 1;
	if ((got = ckpt_get(d, txn, 0, &last)) < 0)
		return -1;
	if (got == 0 && last.size == size) {
		ckpt_free(&last);
		return 1;
	}
	if (got == 0 && last.size > size) {
		snprintf(s->why, sizeof(s->why), "the log has %llu entries "
		    "but a checkpoint of size %llu was signed",
		    (unsigned long long)size, (unsigned long long)last.size);
		s->halt = true;
		ckpt_free(&last);
		return 1;
	}
	memset(&cp, 0, sizeof(cp));
	snprintf(cp.origin, sizeof(cp.origin), "%s", d->audit->origin);
	cp.size = size;
	if (tafel_merkle_root(size, get_node, &na, cp.root) != 0) {
		snprintf(s->why, sizeof(s->why), "the root of size %llu cannot "
		    "be computed from the stored nodes",
		    (unsigned long long)size);
		s->halt = true;
		if (got == 0)
			ckpt_free(&last);
		return 1;
	}
	if (got == 0) {
		rc = tafel_merkle_prove_consistency(last.size, size, get_node,
		    &na, proof, &np);
		if (rc == 0)
			rc = tafel_merkle_verify_consistency(last.size, size,
			    last.root, cp.root, (const uint8_t (*)[32])proof,
			    np);
		if (rc != 0) {
			snprintf(s->why, sizeof(s->why), "the tree of size "
			    "%llu is not consistent with the checkpoint of "
			    "size %llu signed before",
			    (unsigned long long)size,
			    (unsigned long long)last.size);
			s->halt = true;
			ckpt_free(&last);
			return 1;
		}
		ckpt_free(&last);
	}
	if (tafel_checkpoint_encode(&cp, text, sizeof(text), &textlen) != 0 ||
	    keys_note_sign(d->keys, d->audit->origin, text, textlen, line,
	    sizeof(line), &linelen) != 0) {
		log_warnx("audit: cannot sign a checkpoint");
		return -1;
	}
	if ((note = malloc(textlen + 1 + linelen)) == NULL)
		fatal("malloc");
	memcpy(note, text, textlen);
	note[textlen] = '\n';
	memcpy(note + textlen + 1, line, linelen);
	be64_put(key, size);
	k.mv_data = key;
	k.mv_size = 8;
	v.mv_data = note;
	v.mv_size = textlen + 1 + linelen;
	rc = mdb_put(txn, store_dbi(d->store, DB_AUDIT_CKPT), &k, &v, 0);
	free(note);
	if (rc == 0)
		s->signed_now = true;
	return rc;
}

/* Signs a checkpoint if the log grew since the last one. */
static int
audit_sign(struct tafeld *d)
{
	struct sign_arg s;
	int rc;

	if (d->audit->halted)
		return -1;
	/* Most ticks: nothing new, and no write transaction for that. */
	{
		MDB_txn *txn;
		MDB_cursor *c;
		MDB_val k, v;
		uint64_t size = 0, last = 0;

		if (store_read(d->store, &txn) == 0) {
			if (log_size(d, txn, &size) == 0 && mdb_cursor_open(txn,
			    store_dbi(d->store, DB_AUDIT_CKPT), &c) == 0) {
				if (mdb_cursor_get(c, &k, &v, MDB_LAST) == 0 &&
				    k.mv_size == 8)
					last = be64_get(k.mv_data);
				mdb_cursor_close(c);
			}
			mdb_txn_abort(txn);
			if (size == last)
				return 0;
		}
	}
	memset(&s, 0, sizeof(s));
	s.d = d;
	rc = store_write(d->store, sign_txn, &s);
	if (s.halt) {
		d->audit->halted = true;
		log_warnx("AUDIT: REFUSING TO SIGN: %s.  The exchange log of "
		    "this daemon is damaged or was tampered with; no further "
		    "checkpoint will be signed.  Keep the state directory "
		    "as it is and call in the auditor.", s.why);
		return -1;
	}
	if (rc != 0 && rc != 1) {
		log_warnx("audit: could not store a checkpoint");
		return -1;
	}
	if (s.signed_now)
		log_debug("audit: checkpoint of size %llu signed",
		    (unsigned long long)s.size);
	return 0;
}

/* Witnessing: the sending side. */

static int
peers_get(struct tafeld *d, MDB_txn *txn, char tag, const char *org,
    MDB_val *v)
{
	uint8_t key[1 + TAFEL_ORG_MAX];
	MDB_val k;
	size_t n = strlen(org);

	key[0] = (uint8_t)tag;
	memcpy(key + 1, org, n);
	k.mv_data = key;
	k.mv_size = n + 1;
	return mdb_get(txn, store_dbi(d->store, DB_AUDIT_PEERS), &k, v);
}

static int
peers_put(struct tafeld *d, MDB_txn *txn, char tag, const char *org,
    const void *val, size_t len)
{
	uint8_t key[1 + TAFEL_ORG_MAX];
	MDB_val k, v;
	size_t n = strlen(org);

	key[0] = (uint8_t)tag;
	memcpy(key + 1, org, n);
	k.mv_data = key;
	k.mv_size = n + 1;
	v.mv_data = (void *)val;
	v.mv_size = len;
	return mdb_put(txn, store_dbi(d->store, DB_AUDIT_PEERS), &k, &v, 0);
}

static void
send_ckpt(struct tafeld *d, struct peer *p, MDB_txn *txn,
    const struct ckpt *c, uint64_t old)
{
	struct nodearg na = { d, txn };
	struct wstate *ws = wstate(d->audit, p->org);
	uint8_t proof[TAFEL_MERKLE_MAX_PROOF][32], *frame;
	size_t np = 0, len;

	if (old > c->size) {
		log_warnx("AUDIT: %s has cosigned our log up to size %llu, but "
		    "it has only %llu entries here: this store is older than "
		    "what we signed (restored from a copy?)", p->org,
		    (unsigned long long)old, (unsigned long long)c->size);
		old = 0;
	}
	if (old > 0 && old < c->size &&
	    tafel_merkle_prove_consistency(old, c->size, get_node, &na, proof,
	    &np) != 0)
		return;
	if (tafel_wit_ckpt_encode(c->note, c->loglen, old,
	    (const uint8_t (*)[32])proof, np, &frame, &len) != 0)
		return;
	if (net_send(d, p, frame, len) == 0) {
		ws->sent_size = c->size;
		ws->sent_ms = now_ms();
	}
	free(frame);
}

/* Our latest checkpoint to every connected partner that needs it. */
static void
witness_push(struct tafeld *d)
{
	struct peer *p;
	struct ckpt c;
	MDB_txn *txn;
	MDB_val v;
	uint64_t now = now_ms();

	if (TAILQ_EMPTY(&d->peers) || store_read(d->store, &txn) != 0)
		return;
	if (ckpt_get(d, txn, 0, &c) != 0) {
		mdb_txn_abort(txn);
		return;
	}
	TAILQ_FOREACH(p, &d->peers, entry) {
		struct wstate *ws = wstate(d->audit, p->org);
		uint64_t held = 0;

		if (!p->connected)
			continue;
		if (peers_get(d, txn, TAG_COSIGNED, p->org, &v) == 0 &&
		    v.mv_size == 8)
			held = be64_get(v.mv_data);
		/*
		 * Once per connection at least (so that a partner sees a
		 * fork at the next exchange), then whenever we grew.
		 */
		if (ws->sent_ms != 0 && (held >= c.size ||
		    (ws->sent_size == c.size && now - ws->sent_ms < RESEND_MS)))
			continue;
		send_ckpt(d, p, txn, &c, held);
	}
	ckpt_free(&c);
	mdb_txn_abort(txn);
}

static int
audit_tick(zloop_t *loop, int timer_id, void *arg)
{
	struct tafeld *d = arg;
	struct peer *p;

	/*
	 * Sign and send only what is durable: a checkpoint a partner holds
	 * must never cover entries a crash could still take back (it would
	 * look like a fork).  So the open batch is committed first (as the
	 * outbox's retry tick does), and the checkpoint is written outside
	 * any batch.
	 */
	if (commit_pending(d) && commit_flush(d) != 0)
		return 0;
	(void)audit_sign(d);
	/* A connection that dropped is a new exchange when it comes back. */
	TAILQ_FOREACH(p, &d->peers, entry)
		if (!p->connected)
			wstate(d->audit, p->org)->sent_ms = 0;
	witness_push(d);
	return 0;
}

/* Witnessing: the receiving side. */

struct wit_arg {
	struct tafeld			*d;
	const char			*org;
	const struct tafel_wit_msg	*m;
	const struct tafel_checkpoint	*cp;
	const uint8_t			*text;
	size_t				 textlen;
	/* out */
	enum tafel_wit_status		 st;
	uint64_t			 size;
	uint8_t				 line[TAFEL_NOTE_LINE_MAX];
	size_t				 linelen;
	char				 why[TAFEL_AUDIT_WHY_MAX + 1];
	bool				 new_fork;
};

static int
fork_record(struct wit_arg *w, MDB_txn *txn, const uint8_t *held,
    size_t heldlen)
{
	struct tafel_audit_entry e;
	struct tafel_mpw mw;
	uint8_t *ev;
	size_t evlen;
	int rc;

	tafel_mpw_init(&mw);
	tafel_mpw_map(&mw, 4);
	tafel_mpw_str(&mw, "time");
	tafel_mpw_uint(&mw, now_sec());
	tafel_mpw_str(&mw, "why");
	tafel_mpw_str(&mw, w->why);
	tafel_mpw_str(&mw, "held");
	tafel_mpw_bin(&mw, held, heldlen);
	tafel_mpw_str(&mw, "presented");
	tafel_mpw_bin(&mw, w->m->note, w->m->notelen);
	if (tafel_mpw_finish(&mw, &ev, &evlen) != 0)
		return -1;
	rc = peers_put(w->d, txn, TAG_FORK, w->org, ev, evlen);
	free(ev);
	if (rc != 0)
		return rc;
	memset(&e, 0, sizeof(e));
	e.kind = TAFEL_AUDIT_REFUSED;
	e.has_env = true;
	crypto_hash_sha256(e.env, w->m->note, w->m->notelen);
	snprintf(e.from, sizeof(e.from), "%s", w->org);
	snprintf(e.event, sizeof(e.event), "checkpoint");
	tafel_audit_why(e.why, sizeof(e.why), w->why);
	w->st = TAFEL_WIT_FORK;
	w->new_fork = true;
	return audit_append(w->d, txn, &e);
}

static int
wit_txn(MDB_txn *txn, void *arg)
{
	struct wit_arg *w = arg;
	const struct tafel_wit_msg *m = w->m;
	struct ckpt held;
	MDB_val v;
	uint8_t *heldnote = NULL;
	size_t heldlen = 0;
	int rc;

	w->new_fork = false;
	w->linelen = 0;
	w->why[0] = '\0';
	w->size = w->cp->size;
	if (peers_get(w->d, txn, TAG_FORK, w->org, &v) == 0) {
		w->st = TAFEL_WIT_FORK;
		snprintf(w->why, sizeof(w->why), "the log of %s was found "
		    "forked before; no further cosignature", w->org);
		return 1;
	}
	memset(&held, 0, sizeof(held));
	if ((rc = peers_get(w->d, txn, TAG_HELD, w->org, &v)) == 0) {
		if ((heldnote = malloc(v.mv_size)) == NULL)
			fatal("malloc");
		memcpy(heldnote, v.mv_data, v.mv_size);
		heldlen = v.mv_size;
		if (ckpt_parse(heldnote, heldlen, &held) != 0) {
			free(heldnote);
			return -1;
		}
	} else if (rc != MDB_NOTFOUND)
		return rc;
	rc = 1;
	if (heldnote == NULL) {
		if (m->size != 0) {
			w->st = TAFEL_WIT_OLD;
			w->size = 0;
			goto out;
		}
	} else if (w->cp->size < held.size) {
		snprintf(w->why, sizeof(w->why), "checkpoint of size %llu is "
		    "smaller than the size %llu it signed and we cosigned "
		    "before (log rolled back)",
		    (unsigned long long)w->cp->size,
		    (unsigned long long)held.size);
		rc = fork_record(w, txn, heldnote, heldlen);
		goto out;
	} else if (m->size != held.size) {
		w->st = TAFEL_WIT_OLD;
		w->size = held.size;
		goto out;
	} else if (w->cp->size == held.size ? (m->nproof != 0 ||
	    sodium_memcmp(w->cp->root, held.root, 32) != 0) :
	    tafel_merkle_verify_consistency(held.size, w->cp->size,
	    held.root, w->cp->root, (const uint8_t (*)[32])m->proof,
	    m->nproof) != 0) {
		snprintf(w->why, sizeof(w->why), "checkpoint of size %llu is "
		    "not consistent with the checkpoint of size %llu it "
		    "signed and we cosigned before (forked log)",
		    (unsigned long long)w->cp->size,
		    (unsigned long long)held.size);
		rc = fork_record(w, txn, heldnote, heldlen);
		goto out;
	}
	/* Consistent: cosign, and hold this one from now on. */
	if (keys_cosign(w->d->keys, w->d->audit->origin, now_sec(), w->text,
	    w->textlen, w->line, sizeof(w->line), &w->linelen) != 0) {
		rc = -1;
		goto out;
	}
	if ((rc = peers_put(w->d, txn, TAG_HELD, w->org, m->note,
	    m->notelen)) != 0)
		goto out;
	w->st = TAFEL_WIT_OK;
out:
	free(heldnote);
	return rc;
}

/* An answer on the ROUTER, sent once what it says is durable. */
struct wreply {
	zsock_t		*router;
	zframe_t	*rid;
	uint8_t		*buf;
	size_t		 len;
};

static void
reply_action(struct tafeld *d, void *arg, bool durable)
{
	struct wreply *r = arg;
	zmsg_t *rep;

	/* Not durable, or the ROUTER was made anew: the peer sends again. */
	if (durable && d->router == r->router) {
		rep = zmsg_new();
		zmsg_append(rep, &r->rid);
		zmsg_addmem(rep, r->buf, r->len);
		if (zmsg_send(&rep, d->router) != 0)
			zmsg_destroy(&rep);
	}
	zframe_destroy(&r->rid);
	free(r->buf);
	free(r);
}

static void
reply(struct tafeld *d, zsock_t *router, zframe_t *rid, uint8_t *buf,
    size_t len)
{
	struct wreply *r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		fatal("calloc");
	r->router = router;
	r->rid = zframe_dup(rid);
	r->buf = buf;	/* takes ownership */
	r->len = len;
	commit_after(d, reply_action, r);
}

bool
audit_router_frame(struct tafeld *d, const char *org, zsock_t *router,
    zframe_t *rid, const uint8_t *buf, size_t len)
{
	struct tafel_wit_msg *m;
	struct tafel_note *n = NULL;
	struct tafel_note_verifier v;
	struct tafel_checkpoint cp;
	struct wit_arg w;
	struct peer *p;
	char origin[TAFEL_CKPT_ORIGIN_MAX + 1];
	uint8_t *out;
	size_t outlen, nv;
	int rc;

	if ((m = malloc(sizeof(*m))) == NULL)
		fatal("malloc");
	if ((rc = tafel_wit_decode(buf, len, m)) == TAFEL_EINVAL) {
		free(m);
		return false;
	}
	memset(&w, 0, sizeof(w));
	w.d = d;
	w.org = org;
	w.m = m;
	w.st = TAFEL_WIT_BAD;
	if (rc != 0 || m->type != TAFEL_WIT_CKPT) {
		d->refused++;
		log_warnx("peer %s: malformed witnessing frame refused", org);
		goto done;
	}
	if ((n = malloc(sizeof(*n))) == NULL)
		fatal("malloc");
	memset(&v, 0, sizeof(v));
	if ((p = peer_find(d, org)) == NULL ||
	    tafel_audit_origin(org, p->sign_pk, origin) != 0 ||
	    tafel_note_key_init(&v.key, origin, TAFEL_NOTE_ED25519,
	    p->sign_pk) != 0 ||
	    tafel_note_parse(m->note, m->notelen, n) != 0 ||
	    tafel_note_verify(n, &v, 1, &nv) != 0 || !v.verified ||
	    tafel_checkpoint_parse(n->text, n->textlen, &cp) != 0 ||
	    strcmp(cp.origin, origin) != 0 || cp.extlen != 0 ||
	    cp.size == 0) {
		d->refused++;
		snprintf(w.why, sizeof(w.why), "not a checkpoint of the log "
		    "of %s signed with its key", org);
		log_warnx("peer %s: checkpoint refused: %s", org, w.why);
		goto reply;
	}
	w.cp = &cp;
	w.text = n->text;
	w.textlen = n->textlen;
	if (commit_begin(d) != 0)
		goto done;
	rc = store_write(d->store, wit_txn, &w);
	if (rc != 0 && rc != 1) {
		log_warnx("audit: could not witness the log of %s", org);
		goto done;
	}
	if (w.new_fork) {
		d->refused++;
		log_warnx("AUDIT: THE LOG OF %s HAS FORKED: %s.  Not "
		    "cosigned; the evidence is kept (tafel status).", org,
		    w.why);
	} else if (w.st == TAFEL_WIT_OK)
		log_debug("audit: cosigned the log of %s at size %llu", org,
		    (unsigned long long)cp.size);
reply:
	if (tafel_wit_cosig_encode(w.st, w.size, w.linelen ? w.line : NULL,
	    w.linelen, w.why, &out, &outlen) == 0)
		reply(d, router, rid, out, outlen);
done:
	free(n);
	free(m);
	return true;
}

struct cosig_arg {
	struct tafeld			*d;
	struct peer			*p;
	const struct tafel_wit_msg	*m;
	bool				 stored;
};

/* Does the note already carry a signature line by this key name? */
static bool
has_signer(const uint8_t *note, size_t len, const char *name)
{
	struct tafel_note *n;
	bool yes = false;
	size_t i;

	if ((n = malloc(sizeof(*n))) == NULL)
		fatal("malloc");
	if (tafel_note_parse(note, len, n) == 0)
		for (i = 0; i < n->nsigs; i++)
			if (n->sigs[i].namelen == strlen(name) &&
			    memcmp(n->sigs[i].name, name, strlen(name)) == 0)
				yes = true;
	free(n);
	return yes;
}

/*
 * Appends a verified cosignature line to our checkpoint of that size
 * (one per cosigner), and notes how far the cosigner has seen our log.
 */
static int
cosig_txn(MDB_txn *txn, void *arg)
{
	struct cosig_arg *c = arg;
	struct tafel_note *n = NULL;
	struct tafel_note_verifier v;
	char origin[TAFEL_CKPT_ORIGIN_MAX + 1];
	uint8_t key[8], *note = NULL, sz[8];
	MDB_val k, val;
	size_t nv, len, loglen;
	struct ckpt ck;
	int rc = 1;

	c->stored = false;
	be64_put(key, c->m->size);
	k.mv_data = key;
	k.mv_size = 8;
	if (mdb_get(txn, store_dbi(c->d->store, DB_AUDIT_CKPT), &k, &val) != 0)
		return 1;	/* not a size we signed */
	if (tafel_audit_origin(c->p->org, c->p->sign_pk, origin) != 0 ||
	    ckpt_parse(val.mv_data, val.mv_size, &ck) != 0)
		return 1;
	loglen = ck.loglen;
	/* Verify the line against our own note, text and log line only. */
	len = loglen + c->m->notelen;
	if (len > TAFEL_NOTE_MAX || (note = malloc(val.mv_size +
	    c->m->notelen)) == NULL)
		return 1;
	memcpy(note, val.mv_data, loglen);
	memcpy(note + loglen, c->m->note, c->m->notelen);
	if ((n = malloc(sizeof(*n))) == NULL)
		fatal("malloc");
	memset(&v, 0, sizeof(v));
	if (tafel_note_key_init(&v.key, origin, TAFEL_NOTE_COSIG,
	    c->p->sign_pk) != 0 || tafel_note_parse(note, len, n) != 0 ||
	    tafel_note_verify(n, &v, 1, &nv) != 0 || !v.verified) {
		log_warnx("peer %s: a cosignature that does not verify "
		    "refused", c->p->org);
		goto out;
	}
	if (!has_signer(val.mv_data, val.mv_size, origin)) {
		memcpy(note, val.mv_data, val.mv_size);
		memcpy(note + val.mv_size, c->m->note, c->m->notelen);
		len = val.mv_size + c->m->notelen;
		if (len > TAFEL_NOTE_MAX)
			goto out;
		val.mv_data = note;
		val.mv_size = len;
		if ((rc = mdb_put(txn, store_dbi(c->d->store, DB_AUDIT_CKPT),
		    &k, &val, 0)) != 0)
			goto out;
	}
	be64_put(sz, c->m->size);
	if (peers_get(c->d, txn, TAG_COSIGNED, c->p->org, &val) == 0 &&
	    val.mv_size == 8 && be64_get(val.mv_data) >= c->m->size) {
		rc = 0;
		c->stored = true;
		goto out;
	}
	if ((rc = peers_put(c->d, txn, TAG_COSIGNED, c->p->org, sz, 8)) == 0)
		c->stored = true;
out:
	free(n);
	free(note);
	return rc;
}

struct held_arg {
	struct tafeld	*d;
	const char	*org;
	uint64_t	 size;
};

static int
held_txn(MDB_txn *txn, void *arg)
{
	struct held_arg *h = arg;
	uint8_t sz[8];

	be64_put(sz, h->size);
	return peers_put(h->d, txn, TAG_COSIGNED, h->org, sz, 8);
}

bool
audit_dealer_frame(struct tafeld *d, struct peer *p, const uint8_t *buf,
    size_t len)
{
	struct tafel_wit_msg *m;
	struct wstate *ws;
	int rc;

	if ((m = malloc(sizeof(*m))) == NULL)
		fatal("malloc");
	if ((rc = tafel_wit_decode(buf, len, m)) == TAFEL_EINVAL) {
		free(m);
		return false;
	}
	ws = wstate(d->audit, p->org);
	if (rc != 0 || m->type != TAFEL_WIT_COSIG) {
		d->refused++;
		log_warnx("peer %s: malformed witnessing reply refused",
		    p->org);
	} else if (m->st == TAFEL_WIT_OK) {
		struct cosig_arg c = { d, p, m, false };

		if (commit_begin(d) == 0 &&
		    store_write(d->store, cosig_txn, &c) == 0 && c.stored) {
			log_debug("audit: %s cosigned our log at size %llu",
			    p->org, (unsigned long long)m->size);
			ws->accused = false;
		}
	} else if (m->st == TAFEL_WIT_OLD) {
		struct held_arg h = { d, p->org, m->size };

		/* Prove from what it holds, at the next tick. */
		if (commit_begin(d) == 0 &&
		    store_write(d->store, held_txn, &h) == 0)
			ws->sent_ms = 0;
		if (ws->sent_size < m->size)
			log_warnx("AUDIT: %s holds a checkpoint of size %llu of "
			    "our log, larger than our latest (%llu): this "
			    "store is older than what we signed", p->org,
			    (unsigned long long)m->size,
			    (unsigned long long)ws->sent_size);
	} else {
		ws->accused = true;
		snprintf(ws->why, sizeof(ws->why), "%s", m->why);
		log_warnx("AUDIT: %s does not cosign our log (%s): %s", p->org,
		    tafel_wit_status_name(m->st), m->why);
	}
	free(m);
	return true;
}

/* Start and stop. */

int
audit_start(struct tafeld *d)
{
	struct audit *a;
	uint8_t pk[32];

	if ((a = calloc(1, sizeof(*a))) == NULL)
		fatal("calloc");
	keys_public(d->keys, pk, NULL, NULL);
	if (tafel_audit_origin(d->self.org, pk, a->origin) != 0 ||
	    tafel_note_key_init(&a->key, a->origin, TAFEL_NOTE_ED25519, pk) !=
	    0 || tafel_note_vkey_encode(&a->key, a->vkey, sizeof(a->vkey)) !=
	    0) {
		log_warnx("audit: cannot make the log's key name");
		free(a);
		return -1;
	}
	d->audit = a;
	if ((a->timer = zloop_timer(d->loop, AUDIT_TICK_MS, 0, audit_tick,
	    d)) == -1) {
		log_warnx("audit: cannot start the timer");
		return -1;
	}
	log_info("exchange log %s", a->vkey);
	return 0;
}

void
audit_stop(struct tafeld *d)
{
	free(d->audit);
	d->audit = NULL;
}

/* Status. */

void
audit_status(struct tafeld *d, struct tafel_mpw *w)
{
	MDB_txn *txn = NULL;
	MDB_cursor *c = NULL;
	MDB_val k, v;
	struct ckpt ck;
	uint64_t size = 0, signed_size = 0;
	size_t nforks = 0, naccused = 0, i;
	int rc;

	memset(&ck, 0, sizeof(ck));
	if (store_read(d->store, &txn) == 0) {
		(void)log_size(d, txn, &size);
		if (ckpt_get(d, txn, 0, &ck) == 0)
			signed_size = ck.size;
		ckpt_free(&ck);
		if (mdb_cursor_open(txn, store_dbi(d->store, DB_AUDIT_PEERS),
		    &c) != 0)
			c = NULL;
	}
	for (rc = c ? mdb_cursor_get(c, &k, &v, MDB_FIRST) : MDB_NOTFOUND;
	    rc == 0; rc = mdb_cursor_get(c, &k, &v, MDB_NEXT))
		if (k.mv_size > 1 && ((uint8_t *)k.mv_data)[0] == TAG_FORK)
			nforks++;
	for (i = 0; i < d->audit->nws; i++)
		if (d->audit->ws[i].accused)
			naccused++;
	tafel_mpw_map(w, 6);
	tafel_mpw_str(w, "origin");
	tafel_mpw_str(w, d->audit->origin);
	tafel_mpw_str(w, "size");
	tafel_mpw_uint(w, size);
	tafel_mpw_str(w, "checkpoint");
	tafel_mpw_uint(w, signed_size);
	tafel_mpw_str(w, "halted");
	tafel_mpw_bool(w, d->audit->halted);
	/* Partners whose log we found forked. */
	tafel_mpw_str(w, "forked");
	tafel_mpw_array(w, nforks);
	for (rc = c ? mdb_cursor_get(c, &k, &v, MDB_FIRST) : MDB_NOTFOUND;
	    rc == 0 && nforks > 0; rc = mdb_cursor_get(c, &k, &v, MDB_NEXT))
		if (k.mv_size > 1 && ((uint8_t *)k.mv_data)[0] == TAG_FORK) {
			tafel_mpw_strn(w, (const char *)k.mv_data + 1,
			    k.mv_size - 1);
			nforks--;
		}
	/* Partners that refuse to cosign our log. */
	tafel_mpw_str(w, "accused_by");
	tafel_mpw_array(w, naccused);
	for (i = 0; i < d->audit->nws; i++)
		if (d->audit->ws[i].accused)
			tafel_mpw_str(w, d->audit->ws[i].org);
	if (c != NULL)
		mdb_cursor_close(c);
	if (txn != NULL)
		mdb_txn_abort(txn);
}

/* Control operations. */

static void
op_checkpoint(struct tafeld *d, struct tafel_mpw *w)
{
	struct ckpt c;
	MDB_txn *txn;
	int got;

	(void)audit_sign(d);
	if (store_read(d->store, &txn) != 0) {
		tafel_ctl_err(w, "storage", "the store cannot be read");
		return;
	}
	got = ckpt_get(d, txn, 0, &c);
	mdb_txn_abort(txn);
	if (got != 0) {
		tafel_ctl_err(w, got > 0 ? "empty" : "storage", got > 0 ?
		    "the exchange log is empty: nothing signed yet" :
		    "the checkpoint cannot be read");
		return;
	}
	tafel_ctl_ok_begin(w);
	tafel_mpw_map(w, 2);
	tafel_mpw_str(w, "size");
	tafel_mpw_uint(w, c.size);
	tafel_mpw_str(w, "note");
	tafel_mpw_bin(w, c.note, c.notelen);
	ckpt_free(&c);
}

static void
op_export(struct tafeld *d, const char *person, struct tafel_mpw *w)
{
	struct tafel_audit_entry e;
	struct one_arg o = { d, &e };
	struct ckpt c;
	MDB_cursor *cur;
	MDB_txn *txn;
	MDB_val k, v;
	size_t n = 0;
	int rc;

	memset(&e, 0, sizeof(e));
	e.kind = TAFEL_AUDIT_EXPORTED;
	snprintf(e.person, sizeof(e.person), "%s", person);
	if (store_write(d->store, one_txn, &o) != 0 || audit_sign(d) != 0) {
		tafel_ctl_err(w, "storage", "the export cannot be recorded or "
		    "the log cannot be signed (see the daemon's log)");
		return;
	}
	if (store_read(d->store, &txn) != 0) {
		tafel_ctl_err(w, "storage", "the store cannot be read");
		return;
	}
	if (ckpt_get(d, txn, 0, &c) != 0 ||
	    mdb_cursor_open(txn, store_dbi(d->store, DB_TABLEHIST), &cur) !=
	    0) {
		mdb_txn_abort(txn);
		tafel_ctl_err(w, "storage", "the checkpoint cannot be read");
		return;
	}
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
		n++;
	tafel_ctl_ok_begin(w);
	tafel_mpw_map(w, 5);
	tafel_mpw_str(w, "org");
	tafel_mpw_str(w, d->self.org);
	tafel_mpw_str(w, "vkey");
	tafel_mpw_str(w, d->audit->vkey);
	tafel_mpw_str(w, "size");
	tafel_mpw_uint(w, c.size);
	tafel_mpw_str(w, "note");
	tafel_mpw_bin(w, c.note, c.notelen);
	tafel_mpw_str(w, "tables");
	tafel_mpw_array(w, n);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && n > 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT), n--)
		tafel_mpw_bin(w, v.mv_data, v.mv_size);
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	ckpt_free(&c);
}

static void
op_leaves(struct tafeld *d, const struct tafel_ctl_req *r,
    struct tafel_mpw *w)
{
	struct tafel_mp_field f[] = {
		{ "from", TAFEL_MP_UINT, 0, TAFEL_MERKLE_MAX_SIZE, false, NULL },
		{ "max", TAFEL_MP_UINT, 1, 100000, false, NULL },
	};
	uint64_t from, max, size, i, n = 0;
	size_t bytes = 0;
	uint8_t key[8];
	MDB_txn *txn;
	MDB_val k, v;

	if (tafel_mp_fields(r->args, f, 2) != 0) {
		tafel_ctl_err(w, "bad-request", "audit.leaves: bad arguments");
		return;
	}
	from = f[0].obj->via.u64;
	max = f[1].obj->via.u64;
	if (store_read(d->store, &txn) != 0 || log_size(d, txn, &size) != 0) {
		tafel_ctl_err(w, "storage", "the store cannot be read");
		return;
	}
	/* First count what fits, then write it. */
	for (i = from; i < size && n < max; i++, n++) {
		be64_put(key, i);
		k.mv_data = key;
		k.mv_size = 8;
		if (mdb_get(txn, store_dbi(d->store, DB_AUDIT), &k, &v) != 0)
			break;
		if (n > 0 && bytes + v.mv_size > LEAVES_BYTES)
			break;
		bytes += v.mv_size + 8;
	}
	tafel_ctl_ok_begin(w);
	tafel_mpw_map(w, 2);
	tafel_mpw_str(w, "size");
	tafel_mpw_uint(w, size);
	tafel_mpw_str(w, "leaves");
	tafel_mpw_array(w, n);
	for (i = from; i < from + n; i++) {
		be64_put(key, i);
		k.mv_data = key;
		k.mv_size = 8;
		if (mdb_get(txn, store_dbi(d->store, DB_AUDIT), &k, &v) != 0)
			v.mv_size = 0;	/* cannot happen: counted above */
		tafel_mpw_bin(w, v.mv_data, v.mv_size);
	}
	mdb_txn_abort(txn);
}

/*
 * Signed checkpoints with sizes in (after, upto], each with the
 * consistency proof from the one before it (from after for the first).
 */
static void
op_checkpoints(struct tafeld *d, const struct tafel_ctl_req *r,
    struct tafel_mpw *w)
{
	struct tafel_mp_field f[] = {
		{ "after", TAFEL_MP_UINT, 0, TAFEL_MERKLE_MAX_SIZE, false,
		    NULL },
		{ "upto", TAFEL_MP_UINT, 1, TAFEL_MERKLE_MAX_SIZE, false, NULL },
	};
	uint8_t proof[TAFEL_MERKLE_MAX_PROOF][32], key[8];
	uint64_t after, upto, prev;
	struct nodearg na;
	MDB_cursor *c;
	MDB_txn *txn;
	MDB_val k, v;
	size_t n = 0, bytes = 0, np, i, j;
	int rc;

	if (tafel_mp_fields(r->args, f, 2) != 0) {
		tafel_ctl_err(w, "bad-request", "audit.checkpoints: bad "
		    "arguments");
		return;
	}
	after = f[0].obj->via.u64;
	upto = f[1].obj->via.u64;
	if (store_read(d->store, &txn) != 0) {
		tafel_ctl_err(w, "storage", "the store cannot be read");
		return;
	}
	if (mdb_cursor_open(txn, store_dbi(d->store, DB_AUDIT_CKPT), &c) !=
	    0) {
		mdb_txn_abort(txn);
		tafel_ctl_err(w, "storage", "the store cannot be read");
		return;
	}
	na.d = d;
	na.txn = txn;
	be64_put(key, after + 1);
	k.mv_data = key;
	k.mv_size = 8;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0 &&
	    k.mv_size == 8 && be64_get(k.mv_data) <= upto;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (n > 0 && bytes + v.mv_size + 64 * 32 > CKPTS_BYTES)
			break;
		bytes += v.mv_size + 64 * 32;
		n++;
	}
	tafel_ctl_ok_begin(w);
	tafel_mpw_map(w, 1);
	tafel_mpw_str(w, "checkpoints");
	tafel_mpw_array(w, n);
	prev = after;
	k.mv_data = key;
	k.mv_size = 8;
	for (i = 0, rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); i < n &&
	    rc == 0; i++, rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		uint64_t size = be64_get(k.mv_data);

		np = 0;
		if (prev > 0 && prev < size &&
		    tafel_merkle_prove_consistency(prev, size, get_node, &na,
		    proof, &np) != 0)
			np = 0;	/* the verifier will say so */
		tafel_mpw_map(w, 2);
		tafel_mpw_str(w, "note");
		tafel_mpw_bin(w, v.mv_data, v.mv_size);
		tafel_mpw_str(w, "proof");
		tafel_mpw_array(w, np);
		for (j = 0; j < np; j++)
			tafel_mpw_bin(w, proof[j], 32);
		prev = size;
	}
	mdb_cursor_close(c);
	mdb_txn_abort(txn);
}

static void
op_prove(struct tafeld *d, const struct tafel_ctl_req *r,
    struct tafel_mpw *w)
{
	struct tafel_mp_field f[] = {
		{ "index", TAFEL_MP_UINT, 0, TAFEL_MERKLE_MAX_SIZE, false,
		    NULL },
	};
	uint8_t proof[TAFEL_MERKLE_MAX_PROOF][32], *out = NULL, key[8];
	struct nodearg na;
	struct ckpt c;
	MDB_txn *txn;
	MDB_val k, v;
	size_t np, outlen;
	uint64_t index;
	char err[128];

	if (tafel_mp_fields(r->args, f, 1) != 0) {
		tafel_ctl_err(w, "bad-request", "audit.prove: bad arguments");
		return;
	}
	index = f[0].obj->via.u64;
	(void)audit_sign(d);
	if (store_read(d->store, &txn) != 0) {
		tafel_ctl_err(w, "storage", "the store cannot be read");
		return;
	}
	if (ckpt_get(d, txn, 0, &c) != 0) {
		mdb_txn_abort(txn);
		tafel_ctl_err(w, "empty", "the exchange log is empty");
		return;
	}
	if (index >= c.size) {
		snprintf(err, sizeof(err), "no entry %llu: the log has %llu "
		    "entries (0 to %llu)", (unsigned long long)index,
		    (unsigned long long)c.size,
		    (unsigned long long)c.size - 1);
		tafel_ctl_err(w, "bad-index", err);
		goto out;
	}
	na.d = d;
	na.txn = txn;
	if (tafel_merkle_prove_inclusion(index, c.size, get_node, &na, proof,
	    &np) != 0 || (out = malloc(TAFEL_TLOG_PROOF_MAX)) == NULL ||
	    tafel_tlog_proof_encode(NULL, 0, index,
	    (const uint8_t (*)[32])proof, np, c.note, c.notelen, out,
	    TAFEL_TLOG_PROOF_MAX, &outlen) != 0) {
		tafel_ctl_err(w, "storage", "the proof cannot be made");
		goto out;
	}
	be64_put(key, index);
	k.mv_data = key;
	k.mv_size = 8;
	if (mdb_get(txn, store_dbi(d->store, DB_AUDIT), &k, &v) != 0) {
		tafel_ctl_err(w, "storage", "the entry cannot be read");
		goto out;
	}
	tafel_ctl_ok_begin(w);
	tafel_mpw_map(w, 2);
	tafel_mpw_str(w, "proof");
	tafel_mpw_bin(w, out, outlen);
	tafel_mpw_str(w, "leaf");
	tafel_mpw_bin(w, v.mv_data, v.mv_size);
out:
	free(out);
	ckpt_free(&c);
	mdb_txn_abort(txn);
}

int
audit_ctl(struct tafeld *d, const struct tafel_ctl_req *r, const char *person,
    struct tafel_mpw *w)
{
	struct tafel_mp_field none[1];

	if (strncmp(r->op, "audit.", 6) != 0)
		return -1;
	if (strcmp(r->op, "audit.leaves") == 0)
		op_leaves(d, r, w);
	else if (strcmp(r->op, "audit.checkpoints") == 0)
		op_checkpoints(d, r, w);
	else if (strcmp(r->op, "audit.prove") == 0)
		op_prove(d, r, w);
	else if (strcmp(r->op, "audit.checkpoint") != 0 &&
	    strcmp(r->op, "audit.vkey") != 0 &&
	    strcmp(r->op, "audit.export") != 0)
		return -1;
	else if (tafel_mp_fields(r->args, none, 0) != 0)
		tafel_ctl_err(w, "bad-request", "this operation takes no "
		    "arguments");
	else if (strcmp(r->op, "audit.checkpoint") == 0)
		op_checkpoint(d, w);
	else if (strcmp(r->op, "audit.export") == 0)
		op_export(d, person, w);
	else {
		tafel_ctl_ok_begin(w);
		tafel_mpw_map(w, 2);
		tafel_mpw_str(w, "vkey");
		tafel_mpw_str(w, d->audit->vkey);
		tafel_mpw_str(w, "origin");
		tafel_mpw_str(w, d->audit->origin);
	}
	return 0;
}
