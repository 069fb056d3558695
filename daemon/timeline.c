/*
 * Timeline: a case's events read back in order, and what case.show and
 * case.list make of them.
 *
 * timeline_open indexes every event row of a case in timeline order
 * (Lamport counter, then event hash: the DB_EVENTS key) from its header
 * alone; timeline_event opens one with the case key (cases_row_open, in
 * cases.c, which wrote them) when it is shown or relayed.  The follow-up
 * in force is computed from the decisions in the DAG: those no later
 * decision follows; only the one in force is decrypted.  Writing cases
 * and events is in cases.c.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "cases_int.h"
#include "tafel/util.h"

void
timeline_ev_free(struct ev *e)
{
	if (e->body != NULL) {
		sodium_memzero(e->body, e->bodylen);
		free(e->body);
	}
	cases_body_free(&e->b);
	sodium_memzero(e->ckey, sizeof(e->ckey));
	memset(e, 0, sizeof(*e));
}

void
timeline_close(struct timeline *tl)
{
	if (tl->txn != NULL)
		mdb_txn_abort(tl->txn);
	free(tl->ev);
	free(tl->prev);
	sodium_memzero(tl->ck, sizeof(tl->ck));
	memset(tl, 0, sizeof(*tl));
}

static int
kind_of(const char *type)
{
	if (strcmp(type, "record") == 0)
		return TL_RECORD;
	if (strcmp(type, "decide") == 0)
		return TL_DECIDE;
	if (strcmp(type, "close") == 0)
		return TL_CLOSE;
	return TL_OTHER;
}

/* Events by hash, sorted once: a prev link is found in O(log n). */
struct byhash {
	const uint8_t	*h;
	uint32_t	 i;
};

static int
byhash_cmp(const void *a, const void *b)
{
	return memcmp(((const struct byhash *)a)->h,
	    ((const struct byhash *)b)->h, TAFEL_HASH_BYTES);
}

/*
 * The prev links of every event, as hashes (ph, nph) in the scan, become
 * indexes in tl->ev; a link to an event not held here is dropped.
 */
static void
timeline_link(struct timeline *tl, const uint8_t (*ph)[32], size_t nph)
{
	struct byhash *idx, key, *f;
	struct tl_ev *e;
	size_t i, j, x, np = 0;

	if ((idx = calloc(tl->n ? tl->n : 1, sizeof(*idx))) == NULL ||
	    (tl->prev = calloc(nph ? nph : 1, sizeof(uint32_t))) == NULL)
		fatal("calloc");
	for (i = 0; i < tl->n; i++) {
		idx[i].h = tl->ev[i].ehash;
		idx[i].i = (uint32_t)i;
	}
	qsort(idx, tl->n, sizeof(*idx), byhash_cmp);
	for (i = 0; i < tl->n; i++) {
		e = &tl->ev[i];
		x = e->prev0;
		e->prev0 = (uint32_t)np;
		for (j = 0; j < e->nprev; j++) {
			key.h = ph[x + j];
			if ((f = bsearch(&key, idx, tl->n, sizeof(*idx),
			    byhash_cmp)) != NULL)
				tl->prev[np++] = f->i;
		}
		e->nprev = (uint16_t)(np - e->prev0);
	}
	free(idx);
}

/* The case key and a read transaction, without the index. */
static int
timeline_begin(struct tafeld *d, const struct dcase *c, struct timeline *tl)
{
	memset(tl, 0, sizeof(*tl));
	memcpy(tl->case_id, c->id, sizeof(tl->case_id));
	if (keys_unwrap_casekey(d->keys, c->id, c->wkey, tl->ck) != 0)
		return -1;
	if (store_read(d->store, &tl->txn) != 0) {
		tl->txn = NULL;
		timeline_close(tl);
		return -1;
	}
	return 0;
}

/* Indexes every event of a case, in timeline order (lamport, hash). */
static int
timeline_index(struct tafeld *d, struct timeline *tl)
{
	struct event_row row;
	struct tafel_hdr *h;
	struct tl_ev *e;
	MDB_cursor *cur;
	MDB_val k, v;
	uint8_t (*ph)[32] = NULL, (*pp)[32];
	size_t cap = 0, nph = 0, phcap = 0, i;
	void *p;
	int rc;

	if (mdb_cursor_open(tl->txn, store_dbi(d->store, DB_EVENTS), &cur) !=
	    0)
		return -1;
	if ((h = calloc(1, sizeof(*h))) == NULL)
		fatal("calloc");
	k.mv_data = tl->case_id;
	k.mv_size = 16;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != 56 || memcmp(k.mv_data, tl->case_id, 16) != 0)
			break;
		if (cases_row_decode(v.mv_data, v.mv_size, &row) != 0 ||
		    tafel_hdr_decode(row.hdr, row.hdrlen, h) != 0 ||
		    tl->n >= UINT32_MAX - 1) {
			rc = -1;
			break;
		}
		if (tl->n == cap) {
			cap = cap ? 2 * cap : 64;
			if ((p = reallocarray(tl->ev, cap, sizeof(*e))) ==
			    NULL)
				fatal("reallocarray");
			tl->ev = p;
		}
		if (nph + TAFEL_MAX_PREV > phcap) {
			phcap = phcap ? 2 * phcap : 64 + TAFEL_MAX_PREV;
			if ((pp = reallocarray(ph, phcap, sizeof(*ph))) ==
			    NULL)
				fatal("reallocarray");
			ph = pp;
		}
		e = &tl->ev[tl->n++];
		memset(e, 0, sizeof(*e));
		e->row = v.mv_data;
		e->rowlen = v.mv_size;
		crypto_hash_sha256(e->ehash, row.hdr, row.hdrlen);
		e->time = h->time;
		e->kind = (uint8_t)kind_of(h->type);
		e->prev0 = (uint32_t)nph;
		for (i = 0; i < h->nprev && i < TAFEL_MAX_PREV; i++)
			memcpy(ph[nph++], h->prev[i], 32);
		e->nprev = (uint16_t)i;
	}
	mdb_cursor_close(cur);
	free(h);
	if (rc != 0 && rc != MDB_NOTFOUND) {
		log_warnx("store: an event row of a case does not decode");
		free(ph);
		return -1;
	}
	timeline_link(tl, (const uint8_t (*)[32])ph, nph);
	free(ph);
	return 0;
}

int
timeline_open(struct tafeld *d, const struct dcase *c, struct timeline *tl)
{
	if (timeline_begin(d, c, tl) != 0)
		return -1;
	if (timeline_index(d, tl) != 0) {
		timeline_close(tl);
		return -1;
	}
	return 0;
}

int
timeline_event(const struct timeline *tl, size_t i, struct ev *e)
{
	memset(e, 0, sizeof(*e));
	if (i >= tl->n || cases_row_open(tl->ck, tl->case_id, tl->ev[i].row,
	    tl->ev[i].rowlen, e) != 0) {
		log_warnx("store: an event row of a case does not decode");
		return -1;
	}
	return 0;
}

/*
 * The follow-up in force: the decisions that no later decision follows
 * (through the DAG).  One: its level and review date; more: a conflict,
 * until somebody decides again knowing both.  Their hashes in current;
 * followup_free frees them.
 */
struct followup {
	char		 level[TAFEL_FOLLOWUP_MAX + 1]; /* "": none; "conflict" */
	uint64_t	 review;
	uint64_t	 closed;	/* time of a close event, or 0 */
	size_t		 ncurrent;
	uint8_t		(*current)[TAFEL_HASH_BYTES];	/* their hashes */
};

static void
followup_free(struct followup *fu)
{
	free(fu->current);
	memset(fu, 0, sizeof(*fu));
}

/* Is the event with hash h one of two or more decisions in force? */
static bool
followup_conflict(const struct followup *fu, const uint8_t h[32])
{
	size_t i;

	for (i = 0; fu->ncurrent > 1 && i < fu->ncurrent; i++)
		if (memcmp(fu->current[i], h, TAFEL_HASH_BYTES) == 0)
			return true;
	return false;
}

/*
 * One walk through the prev links from every decision marks what some
 * decision follows; the decisions left unmarked are in force.  Each event
 * is pushed once at most (the stack, on the heap, has room for all: a
 * chain can be as long as the case, too deep to recurse).
 */
static int
case_followup(const struct timeline *tl, struct followup *fu)
{
	const struct tl_ev *e;
	struct ev last;
	uint8_t *followed;
	uint32_t *stack, x;
	size_t i, j, top = 0, in_force = 0;

	memset(fu, 0, sizeof(*fu));
	if ((followed = calloc(tl->n ? tl->n : 1, 1)) == NULL ||
	    (stack = calloc(tl->n + 1, sizeof(*stack))) == NULL)
		fatal("calloc");
	for (i = 0; i < tl->n; i++) {
		/* What a followed decision follows is marked already. */
		if (tl->ev[i].kind != TL_DECIDE || followed[i])
			continue;
		stack[top++] = (uint32_t)i;
		while (top > 0) {
			e = &tl->ev[stack[--top]];
			for (j = 0; j < e->nprev; j++) {
				x = tl->prev[e->prev0 + j];
				if (followed[x])
					continue;
				followed[x] = 1;
				stack[top++] = x;
			}
		}
	}
	for (i = 0; i < tl->n; i++) {
		if (tl->ev[i].kind == TL_CLOSE)
			fu->closed = tl->ev[i].time;
		if (tl->ev[i].kind == TL_DECIDE && !followed[i]) {
			fu->ncurrent++;
			in_force = i;
		}
	}
	if ((fu->current = calloc(fu->ncurrent ? fu->ncurrent : 1,
	    TAFEL_HASH_BYTES)) == NULL)
		fatal("calloc");
	for (i = 0, j = 0; i < tl->n; i++)
		if (tl->ev[i].kind == TL_DECIDE && !followed[i])
			memcpy(fu->current[j++], tl->ev[i].ehash,
			    TAFEL_HASH_BYTES);
	free(stack);
	free(followed);
	if (fu->ncurrent > 1)
		snprintf(fu->level, sizeof(fu->level), "conflict");
	else if (fu->ncurrent == 1) {
		if (timeline_event(tl, in_force, &last) != 0) {
			timeline_ev_free(&last);
			followup_free(fu);
			return -1;
		}
		snprintf(fu->level, sizeof(fu->level), "%s", last.b.followup);
		fu->review = last.b.review;
		timeline_ev_free(&last);
	}
	return 0;
}

static void
emit_event(struct tafeld *d, struct tafel_mpw *w, const struct ev *e,
    bool conflict, bool delivery)
{
	const struct evbody *b = &e->b;
	char hex[65];
	bool text = strcmp(e->h.type, "open") != 0;
	size_t i;

	/* Delivery: only for this organisation's own events, on request. */
	delivery = delivery && strcmp(e->h.from, d->self.org) == 0;
	tafel_hex(hex, e->h.id, 16);
	tafel_mpw_map(w, delivery ? 18 : 17);
	tafel_mpw_str(w, "id");
	tafel_mpw_str(w, hex);
	tafel_hex(hex, e->ehash, 32);
	tafel_mpw_str(w, "hash");
	tafel_mpw_str(w, hex);
	tafel_mpw_str(w, "type");
	tafel_mpw_str(w, e->h.type);
	tafel_mpw_str(w, "from");
	tafel_mpw_str(w, e->h.from);
	tafel_mpw_str(w, "by");
	tafel_mpw_str(w, e->h.by);
	tafel_mpw_str(w, "time");
	tafel_mpw_uint(w, e->h.time);
	tafel_mpw_str(w, "lamport");
	tafel_mpw_uint(w, e->h.lamport);
	tafel_mpw_str(w, "category");
	tafel_mpw_str(w, e->h.cat);
	tafel_mpw_str(w, "text");
	tafel_mpw_strn(w, b->text != NULL && text ? b->text : "",
	    b->text != NULL && text ? b->textlen : 0);
	tafel_mpw_str(w, "followup");
	tafel_mpw_str(w, b->followup);
	tafel_mpw_str(w, "review");
	tafel_mpw_uint(w, b->review);
	tafel_mpw_str(w, "conflict");
	tafel_mpw_bool(w, conflict);
	tafel_mpw_str(w, "org");
	tafel_mpw_str(w, b->org);
	tafel_mpw_str(w, "content");
	tafel_mpw_bool(w, e->body != NULL);
	tafel_mpw_str(w, "add");
	tafel_mpw_array(w, b->mb != NULL ? b->mb->nadd : 0);
	for (i = 0; b->mb != NULL && i < b->mb->nadd; i++)
		tafel_mpw_str(w, b->mb->add[i]);
	tafel_mpw_str(w, "remove");
	tafel_mpw_array(w, b->mb != NULL ? b->mb->nremove : 0);
	for (i = 0; b->mb != NULL && i < b->mb->nremove; i++)
		tafel_mpw_str(w, b->mb->remove[i]);
	tafel_mpw_str(w, "shared");
	tafel_mpw_array(w, b->sb != NULL ? b->sb->nevents : 0);
	for (i = 0; b->sb != NULL && i < b->sb->nevents; i++) {
		tafel_hex(hex, b->sb->events[i], 32);
		tafel_mpw_str(w, hex);
	}
	if (delivery) {
		const char *to[TAFEL_MAX_RECIPIENTS];

		for (i = 0; i < e->h.nto && i < TAFEL_MAX_RECIPIENTS; i++)
			to[i] = e->h.to[i];
		tafel_mpw_str(w, "delivery");
		delivery_emit(d, e->env, e->h.id, to, i, w);
	}
}

/*
 * Entries of a case's map in the answers to case.show and case.list:
 * who and what it is (emit_case), and where it stands (emit_followup).
 */
static void
emit_case(struct tafel_mpw *w, const struct dcase *c, const char *pseudo)
{
	char hex[33];
	size_t i;

	tafel_hex(hex, c->id, 16);
	tafel_mpw_str(w, "case");
	tafel_mpw_str(w, hex);
	tafel_mpw_str(w, "table");
	tafel_mpw_str(w, c->table);
	tafel_mpw_str(w, "owner");
	tafel_mpw_str(w, c->owner);
	tafel_mpw_str(w, "pseudonym");
	tafel_mpw_str(w, pseudo);
	tafel_mpw_str(w, "minor");
	tafel_mpw_bool(w, c->minor);
	tafel_mpw_str(w, "members");
	tafel_mpw_array(w, c->nmembers);
	for (i = 0; i < c->nmembers; i++)
		tafel_mpw_str(w, c->members[i]);
}

static void
emit_followup(struct tafel_mpw *w, const struct dcase *c,
    const struct followup *fu)
{
	tafel_mpw_str(w, "opened");
	tafel_mpw_uint(w, c->opened);
	tafel_mpw_str(w, "followup");
	tafel_mpw_str(w, fu->level);
	tafel_mpw_str(w, "review");
	tafel_mpw_uint(w, fu->review);
	tafel_mpw_str(w, "closed");
	tafel_mpw_uint(w, fu->closed);
}

/*
 * One answer to case.show carries the events that fit in SHOW_BYTES and
 * SHOW_ITEMS (the rest of the 1 MiB and 65,536 objects a message may
 * have is for the case's own keys), and at least one.  The client asks
 * again after the last of them while "more" is true.
 */
#define SHOW_BYTES	(TAFEL_MAX_FRAME - 64 * 1024)
#define SHOW_ITEMS	(TAFEL_MAX_ITEMS - 4096)

/* Objects emit_event writes for e (each key and value counts). */
static size_t
event_items(struct tafeld *d, const struct ev *e, bool delivery)
{
	const struct evbody *b = &e->b;
	size_t n = 1 + 2 * 17;

	if (b->mb != NULL)
		n += b->mb->nadd + b->mb->nremove;
	if (b->sb != NULL)
		n += b->sb->nevents;
	if (delivery && strcmp(e->h.from, d->self.org) == 0)
		n += 2 + e->h.nto * (1 + 2 * 5);
	return n;
}

/*
 * The follow-up of the case shown last, kept for its next page: a client
 * paging through a long case asks once per page, and each page would
 * index the whole timeline again.  Valid while no event row has been
 * written since (d->events_gen counts them, and group commits that
 * failed, whose rows may have been read before they were lost).
 */
struct timeline_shown {
	uint8_t		case_id[TAFEL_ID_BYTES];
	uint64_t	gen;
	struct followup	fu;
};

void
timeline_shown_free(struct tafeld *d)
{
	if (d->shown == NULL)
		return;
	followup_free(&d->shown->fu);
	free(d->shown);
	d->shown = NULL;
}

/*
 * The follow-up of the case tl reads: kept from the page before, or
 * worked out and kept.  NULL when the timeline cannot be read.
 */
static const struct followup *
show_followup(struct tafeld *d, struct timeline *tl)
{
	struct followup fu;

	if (d->shown != NULL && d->shown->gen == d->events_gen &&
	    memcmp(d->shown->case_id, tl->case_id, TAFEL_ID_BYTES) == 0)
		return &d->shown->fu;
	timeline_shown_free(d);
	if (timeline_index(d, tl) != 0 || case_followup(tl, &fu) != 0)
		return NULL;
	if ((d->shown = calloc(1, sizeof(*d->shown))) == NULL)
		fatal("calloc");
	memcpy(d->shown->case_id, tl->case_id, TAFEL_ID_BYTES);
	d->shown->gen = d->events_gen;
	d->shown->fu = fu;
	return &d->shown->fu;
}

/*
 * Puts cur on the first event of the case after the one with hash hex
 * (through DB_EVIDX), or on the case's first event when hex is NULL:
 * 0, MDB_NOTFOUND (no event after), 1 when hex names no event of the
 * case, or an LMDB error.  *k and *v as mdb_cursor_get leaves them.
 */
static int
show_start(struct tafeld *d, struct timeline *tl, MDB_cursor *cur,
    const msgpack_object *hex, MDB_val *k, MDB_val *v)
{
	uint8_t h[TAFEL_HASH_BYTES], key[56];
	char buf[2 * TAFEL_HASH_BYTES + 1];
	int rc;

	if (hex == NULL) {
		k->mv_data = tl->case_id;
		k->mv_size = TAFEL_ID_BYTES;
		return mdb_cursor_get(cur, k, v, MDB_SET_RANGE);
	}
	if (tafel_mp_strcpy(buf, sizeof(buf), hex) != 0 ||
	    tafel_unhex(h, sizeof(h), buf) != 0)
		return 1;
	k->mv_data = h;
	k->mv_size = sizeof(h);
	if ((rc = mdb_get(tl->txn, store_dbi(d->store, DB_EVIDX), k, v)) ==
	    MDB_NOTFOUND || (rc == 0 && (v->mv_size != 24 ||
	    memcmp(v->mv_data, tl->case_id, TAFEL_ID_BYTES) != 0)))
		return 1;
	if (rc != 0)
		return rc;
	memcpy(key, v->mv_data, 24);
	memcpy(key + 24, h, sizeof(h));
	k->mv_data = key;
	k->mv_size = sizeof(key);
	if ((rc = mdb_cursor_get(cur, k, v, MDB_SET_KEY)) != 0)
		return rc == MDB_NOTFOUND ? 1 : rc;
	return mdb_cursor_get(cur, k, v, MDB_NEXT);
}

void
timeline_ctl_show(struct tafeld *d, const struct tafel_ctl_req *r,
    const char *person, struct tafel_mpw *w)
{
	struct tafel_mp_field f[] = {
		{ "case", TAFEL_MP_STR, 32, 32, false, NULL },
		{ "delivery", TAFEL_MP_BOOL, 0, 0, true, NULL },
		{ "after", TAFEL_MP_STR, 64, 64, true, NULL },
	};
	char pseudo[TAFEL_PSEUDONYM_MAX + 1];
	const struct followup *fu;
	struct tafel_mpw ew;
	struct timeline tl;
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	struct dcase c;
	struct ev e;
	size_t n = 0, items = 0, mark;
	bool delivery, more = false;
	int rc;

	if (tafel_mp_fields(r->args, f, 3) != 0) {
		tafel_ctl_err(w, "bad-request", "case.show: bad arguments");
		return;
	}
	delivery = f[1].obj != NULL && f[1].obj->via.boolean;
	if (cases_ctl_get(d, f[0].obj, &c, w) != 0)
		return;
	/* Who looked at a case is logged before anything is shown. */
	if (audit_viewed(d, c.table, c.id, person) != 0) {
		tafel_ctl_err(w, "storage", "the view cannot be logged, so the "
		    "case is not shown");
		return;
	}
	tafel_mpw_init(&ew);
	if (cases_pseudonym(d, &c, pseudo, sizeof(pseudo)) != 0 ||
	    timeline_begin(d, &c, &tl) != 0) {
		tafel_ctl_err(w, "storage", "the case cannot be read from the "
		    "store");
		goto wipe;
	}
	if ((fu = show_followup(d, &tl)) == NULL ||
	    mdb_cursor_open(tl.txn, store_dbi(d->store, DB_EVENTS), &cur) !=
	    0)
		goto bad;
	if ((rc = show_start(d, &tl, cur, f[2].obj, &k, &v)) == 1) {
		tafel_ctl_err(w, "bad-request", "case.show: after names no "
		    "event of the case");
		goto out;
	}
	/*
	 * The events that fit, written apart to be counted first; only
	 * these are decrypted, one at a time.
	 */
	for (; rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != 56 || memcmp(k.mv_data, c.id, 16) != 0)
			break;
		memset(&e, 0, sizeof(e));
		if (cases_row_open(tl.ck, c.id, v.mv_data, v.mv_size, &e) !=
		    0) {
			log_warnx("store: an event row of a case does not "
			    "decode");
			timeline_ev_free(&e);
			goto bad;
		}
		mark = ew.sb.size;
		items += event_items(d, &e, delivery);
		emit_event(d, &ew, &e, followup_conflict(fu, e.ehash),
		    delivery);
		timeline_ev_free(&e);
		if (n > 0 && (ew.sb.size > SHOW_BYTES || items > SHOW_ITEMS)) {
			ew.sb.size = mark;
			more = true;
			break;
		}
		n++;
	}
	if (rc != 0 && rc != MDB_NOTFOUND)
		goto bad;
	tafel_ctl_ok_begin(w);
	tafel_mpw_map(w, 12);
	emit_case(w, &c, pseudo);
	emit_followup(w, &c, fu);
	tafel_mpw_str(w, "events");
	tafel_mpw_array(w, n);
	if (ew.err == 0 && ew.sb.size > 0)
		tafel_mpw_raw(w, ew.sb.data, ew.sb.size);
	else if (ew.err != 0)
		w->err = ew.err;
	tafel_mpw_str(w, "more");
	tafel_mpw_bool(w, more);
	goto out;
bad:
	tafel_ctl_err(w, "storage", "the case cannot be read from the store");
out:
	if (cur != NULL)
		mdb_cursor_close(cur);
	timeline_close(&tl);
wipe:
	tafel_mpw_free(&ew);
	sodium_memzero(pseudo, sizeof(pseudo));
}

void
timeline_ctl_list(struct tafeld *d, const struct tafel_ctl_req *r,
    struct tafel_mpw *w)
{
	struct tafel_mp_field f[] = {
		{ "after", TAFEL_MP_STR, 32, 32, true, NULL },
	};
	char pseudo[TAFEL_PSEUDONYM_MAX + 1], hex[33];
	uint8_t after[16];
	struct tafel_mpw cw;
	struct followup fu;
	struct timeline tl;
	MDB_cursor *cur;
	MDB_txn *txn;
	MDB_val k, v;
	struct dcase c;
	size_t i, n, done = 0, items = 0, mark;
	bool more = false;
	int rc;

	if (tafel_mp_fields(r->args, f, 1) != 0) {
		tafel_ctl_err(w, "bad-request", "case.list: bad arguments");
		return;
	}
	if (f[0].obj != NULL && (tafel_mp_strcpy(hex, sizeof(hex),
	    f[0].obj) != 0 || tafel_unhex(after, sizeof(after), hex) != 0)) {
		tafel_ctl_err(w, "bad-request", "case.list: after is not a "
		    "case id");
		return;
	}
	if (store_read(d->store, &txn) != 0)
		goto fail;
	if (mdb_cursor_open(txn, store_dbi(d->store, DB_CASES), &cur) != 0) {
		mdb_txn_abort(txn);
		goto fail;
	}
	/* From the first case, or the first one after "after". */
	if (f[0].obj != NULL) {
		k.mv_data = after;
		k.mv_size = sizeof(after);
		rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
		if (rc == 0 && k.mv_size == sizeof(after) &&
		    memcmp(k.mv_data, after, sizeof(after)) == 0)
			rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	} else
		rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	/* The cases that fit (as case.show's events), written apart. */
	tafel_mpw_init(&cw);
	for (; rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		memset(&fu, 0, sizeof(fu));
		n = 0;
		if (k.mv_size != 16 ||
		    cases_decode(k.mv_data, v.mv_data, v.mv_size, &c) != 0) {
			log_warnx("store: a case record that does not decode "
			    "is left out of case.list");
			continue;
		}
		if (cases_pseudonym(d, &c, pseudo, sizeof(pseudo)) != 0)
			snprintf(pseudo, sizeof(pseudo), "(unreadable)");
		else if (timeline_open(d, &c, &tl) == 0) {
			/* Headers only, but for the decision in force. */
			(void)case_followup(&tl, &fu);
			for (i = 0; i < tl.n; i++)
				n += tl.ev[i].kind == TL_RECORD;
			timeline_close(&tl);
		}
		mark = cw.sb.size;
		items += 1 + 2 * 11 + c.nmembers;
		tafel_mpw_map(&cw, 11);
		emit_case(&cw, &c, pseudo);
		tafel_mpw_str(&cw, "records");
		tafel_mpw_uint(&cw, n);
		emit_followup(&cw, &c, &fu);
		followup_free(&fu);
		if (done > 0 && (cw.sb.size > SHOW_BYTES ||
		    items > SHOW_ITEMS)) {
			cw.sb.size = mark;
			more = true;
			break;
		}
		done++;
	}
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	sodium_memzero(pseudo, sizeof(pseudo));
	if (rc != 0 && rc != MDB_NOTFOUND) {
		tafel_mpw_free(&cw);
		goto fail;
	}
	tafel_ctl_ok_begin(w);
	tafel_mpw_map(w, 2);
	tafel_mpw_str(w, "cases");
	tafel_mpw_array(w, done);
	if (cw.err != 0)
		w->err = cw.err;
	else
		tafel_mpw_raw(w, cw.sb.data, cw.sb.size);
	tafel_mpw_str(w, "more");
	tafel_mpw_bool(w, more);
	tafel_mpw_free(&cw);
	return;
fail:
	tafel_ctl_err(w, "storage", "cannot read the store");
}
