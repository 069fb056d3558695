/*
 * Timeline: a case's events read back in order, and what case.show and
 * case.list make of them.
 *
 * timeline_events reads every event row of a case in timeline order (Lamport
 * counter, then event hash: the DB_EVENTS key) and opens each with the
 * case key (cases_row_open, in cases.c, which wrote them).  The
 * follow-up in force is computed from the decisions in the DAG: those no
 * later decision follows.  Writing cases and events is in cases.c.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "cases_int.h"
#include "tafel/util.h"

void
timeline_free(struct evlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		if (l->ev[i].body != NULL) {
			sodium_memzero(l->ev[i].body, l->ev[i].bodylen);
			free(l->ev[i].body);
		}
		cases_body_free(&l->ev[i].b);
		sodium_memzero(l->ev[i].ckey, sizeof(l->ev[i].ckey));
	}
	free(l->ev);
	l->ev = NULL;
	l->n = 0;
}

/* Reads every event of a case, in timeline order (lamport, hash). */
int
timeline_events(struct tafeld *d, const struct dcase *c, struct evlist *l)
{
	uint8_t ck[32];
	MDB_cursor *cur;
	MDB_txn *txn;
	MDB_val k, v;
	struct ev *e, *p;
	size_t cap = 0;
	int rc, ret = -1;

	memset(l, 0, sizeof(*l));
	if (keys_unwrap_casekey(d->keys, c->id, c->wkey, ck) != 0)
		return -1;
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
		/* Doubling: one event at a time copied the array each time. */
		if (l->n == cap) {
			cap = cap ? 2 * cap : 16;
			if ((p = reallocarray(l->ev, cap, sizeof(*p))) == NULL)
				fatal("reallocarray");
			l->ev = p;
		}
		e = &l->ev[l->n++];
		memset(e, 0, sizeof(*e));
		if (cases_row_open(ck, c->id, v.mv_data, v.mv_size, e) != 0)
			goto bad;
	}
	ret = 0;
	goto out;
bad:
	log_warnx("store: an event row of a case does not decode");
	timeline_free(l);
out:
	mdb_cursor_close(cur);
notxn:
	mdb_txn_abort(txn);
nocursor:
	sodium_memzero(ck, sizeof(ck));
	return ret;
}

/* Events by hash, sorted: a prev link is followed in O(log n). */
struct hidx {
	const uint8_t	*h;
	size_t		 i;
};

static int
hidx_cmp(const void *a, const void *b)
{
	return memcmp(((const struct hidx *)a)->h, ((const struct hidx *)b)->h,
	    TAFEL_HASH_BYTES);
}

/*
 * Is event a an ancestor of event b (through prev links)?  Depth first,
 * with the stack (room for l->n + 1) on the heap: a case's chain of
 * events can be as long as the case, too deep to recurse.  Each event
 * is pushed once at most (seen, which the caller zeroed).
 */
static bool
ancestor(const struct evlist *l, const struct hidx *idx, size_t a, size_t b,
    uint8_t *seen, size_t *stack)
{
	struct hidx key, *f;
	size_t top = 0, x, i;

	stack[top++] = b;
	while (top > 0) {
		x = stack[--top];
		for (i = 0; i < l->ev[x].h.nprev && i < TAFEL_MAX_PREV; i++) {
			key.h = l->ev[x].h.prev[i];
			if ((f = bsearch(&key, idx, l->n, sizeof(*idx),
			    hidx_cmp)) == NULL || seen[f->i])
				continue;
			if (f->i == a)
				return true;
			seen[f->i] = 1;
			stack[top++] = f->i;
		}
	}
	return false;
}

/*
 * The follow-up in force: the decisions that no later decision follows
 * (through the DAG).  One: its level and review date; more: a conflict,
 * until somebody decides again knowing both.  Marks them in current.
 */
struct followup {
	const char	*level;		/* "": none yet; "conflict" */
	uint64_t	 review;
	uint64_t	 closed;	/* time of a close event, or 0 */
	size_t		 ncurrent;
};

static void
case_followup(const struct evlist *l, struct followup *fu, uint8_t *current)
{
	struct hidx *idx;
	uint8_t *seen;
	size_t i, j, *stack;

	memset(fu, 0, sizeof(*fu));
	fu->level = "";
	if ((seen = calloc(l->n ? l->n : 1, 1)) == NULL ||
	    (idx = calloc(l->n ? l->n : 1, sizeof(*idx))) == NULL ||
	    (stack = calloc(l->n + 1, sizeof(*stack))) == NULL)
		fatal("calloc");
	for (i = 0; i < l->n; i++) {
		idx[i].h = l->ev[i].ehash;
		idx[i].i = i;
	}
	qsort(idx, l->n, sizeof(*idx), hidx_cmp);
	for (i = 0; i < l->n; i++) {
		current[i] = 0;
		if (strcmp(l->ev[i].h.type, "close") == 0)
			fu->closed = l->ev[i].h.time;
		if (strcmp(l->ev[i].h.type, "decide") != 0)
			continue;
		current[i] = 1;
		for (j = 0; j < l->n && current[i]; j++) {
			if (j == i || strcmp(l->ev[j].h.type, "decide") != 0)
				continue;
			memset(seen, 0, l->n);
			if (ancestor(l, idx, i, j, seen, stack))
				current[i] = 0;
		}
		if (current[i]) {
			fu->ncurrent++;
			fu->level = l->ev[i].b.followup;
			fu->review = l->ev[i].b.review;
		}
	}
	if (fu->ncurrent > 1) {
		fu->level = "conflict";
		fu->review = 0;
	}
	free(stack);
	free(idx);
	free(seen);
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

/* The index of the event with hash hex in l, or l->n when none has. */
static size_t
event_index(const struct evlist *l, const msgpack_object *hex)
{
	uint8_t h[TAFEL_HASH_BYTES];
	char buf[2 * TAFEL_HASH_BYTES + 1];
	size_t i;

	if (tafel_mp_strcpy(buf, sizeof(buf), hex) != 0 ||
	    tafel_unhex(h, sizeof(h), buf) != 0)
		return l->n;
	for (i = 0; i < l->n; i++)
		if (memcmp(l->ev[i].ehash, h, sizeof(h)) == 0)
			break;
	return i;
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
	struct tafel_mpw ew;
	struct followup fu;
	struct evlist l;
	struct dcase c;
	uint8_t *current;
	size_t i, start = 0, n = 0, items = 0, mark;
	bool delivery;

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
	if (cases_pseudonym(d, &c, pseudo, sizeof(pseudo)) != 0 ||
	    timeline_events(d, &c, &l) != 0) {
		tafel_ctl_err(w, "storage", "the case cannot be read from the "
		    "store");
		return;
	}
	if (f[2].obj != NULL && (start = event_index(&l, f[2].obj) + 1) >
	    l.n) {
		timeline_free(&l);
		sodium_memzero(pseudo, sizeof(pseudo));
		tafel_ctl_err(w, "bad-request", "case.show: after names no "
		    "event of the case");
		return;
	}
	if ((current = calloc(l.n ? l.n : 1, 1)) == NULL)
		fatal("calloc");
	case_followup(&l, &fu, current);
	/* The events that fit, written apart to be counted first. */
	tafel_mpw_init(&ew);
	for (i = start; i < l.n; i++) {
		mark = ew.sb.size;
		items += event_items(d, &l.ev[i], delivery);
		emit_event(d, &ew, &l.ev[i], fu.ncurrent > 1 && current[i],
		    delivery);
		if (n > 0 && (ew.sb.size > SHOW_BYTES || items > SHOW_ITEMS)) {
			ew.sb.size = mark;
			break;
		}
		n++;
	}
	tafel_ctl_ok_begin(w);
	tafel_mpw_map(w, 12);
	emit_case(w, &c, pseudo);
	emit_followup(w, &c, &fu);
	tafel_mpw_str(w, "events");
	tafel_mpw_array(w, n);
	if (ew.err == 0 && ew.sb.size > 0)
		tafel_mpw_raw(w, ew.sb.data, ew.sb.size);
	else if (ew.err != 0)
		w->err = ew.err;
	tafel_mpw_str(w, "more");
	tafel_mpw_bool(w, start + n < l.n);
	tafel_mpw_free(&ew);
	free(current);
	timeline_free(&l);
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
	char level[TAFEL_FOLLOWUP_MAX + 1];
	uint8_t after[16];
	struct tafel_mpw cw;
	struct followup fu;
	struct evlist l;
	MDB_cursor *cur;
	MDB_txn *txn;
	MDB_val k, v;
	struct dcase c;
	uint8_t *current;
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
		fu.level = "";
		n = 0;
		if (k.mv_size != 16 ||
		    cases_decode(k.mv_data, v.mv_data, v.mv_size, &c) != 0) {
			log_warnx("store: a case record that does not decode "
			    "is left out of case.list");
			continue;
		}
		if (cases_pseudonym(d, &c, pseudo, sizeof(pseudo)) != 0)
			snprintf(pseudo, sizeof(pseudo), "(unreadable)");
		else if (timeline_events(d, &c, &l) == 0) {
			if ((current = calloc(l.n ? l.n : 1, 1)) == NULL)
				fatal("calloc");
			case_followup(&l, &fu, current);
			for (i = 0; i < l.n; i++)
				n += strcmp(l.ev[i].h.type, "record") == 0;
			/* fu.level may point into l, which goes now. */
			snprintf(level, sizeof(level), "%s", fu.level);
			fu.level = level;
			free(current);
			timeline_free(&l);
		}
		mark = cw.sb.size;
		items += 1 + 2 * 11 + c.nmembers;
		tafel_mpw_map(&cw, 11);
		emit_case(&cw, &c, pseudo);
		tafel_mpw_str(&cw, "records");
		tafel_mpw_uint(&cw, n);
		emit_followup(&cw, &c, &fu);
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
