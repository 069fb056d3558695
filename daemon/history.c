/*
 * History: earlier events of a case, relayed to a member that was not
 * one of their recipients (8.12).
 *
 * When the owner adds a member (case.members, in cases.c), it sends that
 * member a header-only copy of every earlier event it holds, so that the
 * member's DAG and timeline are complete.  `case.share_history`
 * re-shares the content of earlier events the sharer may pass on, each
 * with its content key, so that the receiver can check that the content
 * is what the event's author sealed and signed.  Each event travels in
 * an envelope of its own, of type "history", addressed to that one
 * member; it is not an event of the timeline.  Re-sharing content is
 * recorded by a "share" event that every member receives.
 *
 * Sending: history_build seals the envelopes, history_txn stores and
 * queues them in the transaction of the members or share event, and
 * history_kick sends them once that is durable.  Receiving (from
 * cases_receive): history_receive checks a history envelope and the
 * event it relays, and stores that event as an earlier one of the case.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "cases_int.h"
#include "tafel/util.h"

/* At most this many header-only copies are sent to one new member. */
#define HISTORY_MAX	4096

struct hist_item {
	char		 org[TAFEL_ORG_MAX + 1];
	uint8_t		 hash[TAFEL_HASH_BYTES];
	uint8_t		 id[TAFEL_ID_BYTES];	/* its header's message id */
	uint8_t		*env;
	size_t		 envlen;
};

void
history_free(struct hist *hs)
{
	size_t i;

	for (i = 0; i < hs->n; i++)
		free(hs->it[i].env);
	free(hs->it);
	hs->it = NULL;
	hs->n = 0;
}

/* The exchange log's "sent" entry of one relayed-history envelope. */
static int
hist_audit(MDB_txn *txn, struct hist *hs, const struct hist_item *it)
{
	struct tafel_env *e;
	const char *org = it->org;
	int rc = -1;

	if ((e = calloc(1, sizeof(*e))) == NULL)
		fatal("calloc");
	if (tafel_env_parse(it->env, it->envlen, e) == 0)
		rc = cases_audit_env(hs->d, txn, TAFEL_AUDIT_SENT, &e->h,
		    it->hash, &org, 1);
	free(e);
	return rc;
}

/* Inside the event's write transaction: store and queue every item. */
int
history_txn(MDB_txn *txn, void *arg)
{
	struct hist *hs = arg;
	const char *org;
	size_t i;
	int rc;

	for (i = 0; i < hs->n; i++) {
		org = hs->it[i].org;
		if ((rc = outbox_env_put(hs->d, txn, hs->it[i].hash,
		    hs->it[i].id, hs->it[i].env, hs->it[i].envlen)) != 0 ||
		    (rc = outbox_add(hs->d, txn, OUTBOX_ENV,
		    hs->it[i].hash, hs->it[i].id, &org, 1)) != 0 ||
		    (rc = hist_audit(txn, hs, &hs->it[i])) != 0)
			return rc;
	}
	return 0;
}

void
history_kick(struct hist *hs)
{
	const char *org;
	size_t i;

	for (i = 0; i < hs->n; i++) {
		org = hs->it[i].org;
		outbox_kick(hs->d, hs->it[i].hash, NULL, &org, 1);
	}
}

/*
 * Was record e narrowed (8.5): is there a recipient without a wrap that
 * the rules let read it (in a case about a minor too) and that, for an
 * identity record, is cleared?  A recipient no longer at the table, or an
 * author no longer at it, counts as narrowed: nothing is re-shared then.
 */
static bool
record_narrowed(struct dtable *dt, const struct dcase *c,
    const struct tafel_env *e)
{
	const struct tafel_member *from = tables_member(dt, e->h.from), *m;
	size_t i, w;

	if (from == NULL)
		return true;
	for (i = 0; i < e->h.nto; i++) {
		for (w = 0; w < e->nwraps; w++)
			if (strcmp(e->wrap[w].org, e->h.to[i]) == 0)
				break;
		if (w < e->nwraps)
			continue;
		if ((m = tables_member(dt, e->h.to[i])) == NULL)
			return true;
		if (!cases_rules_allow(dt, from->card.role, m->card.role,
		    e->h.cat))
			continue;
		if (c->minor && !tafel_rules_minor_allows(&dt->t->rules,
		    m->card.role, e->h.cat))
			continue;
		if (strcmp(e->h.cat, "identity") == 0 &&
		    !cases_cleared(c, e->h.to[i]))
			continue;
		return true;
	}
	return false;
}

int
history_stored_ho(struct tafeld *d, const struct ev *ev, uint8_t **hop,
    size_t *holen, struct tafel_env *e)
{
	uint8_t *buf = NULL;
	MDB_txn *txn;
	MDB_val v;
	size_t len = 0;
	int rc;

	*hop = NULL;
	if (store_read(d->store, &txn) != 0)
		return -1;
	if ((rc = cases_rxenv_get(d, txn, &ev->h, &buf, &len)) ==
	    MDB_NOTFOUND) {
		if ((rc = outbox_env_get(d, txn, ev->env, ev->h.id, &v)) ==
		    0) {
			if ((buf = malloc(v.mv_size)) == NULL)
				fatal("malloc");
			memcpy(buf, v.mv_data, v.mv_size);
			len = v.mv_size;
		}
	}
	mdb_txn_abort(txn);
	if (rc != 0 || tafel_env_parse(buf, len, e) != 0) {
		free(buf);
		return -1;
	}
	if (e->ct == NULL) {
		*hop = buf;
		*holen = len;
		return 0;
	}
	rc = tafel_env_header_only(e, hop, holen);
	free(buf);
	if (rc != 0 || tafel_env_parse(*hop, *holen, e) != 0) {
		free(*hop);
		*hop = NULL;
		return -1;
	}
	return 0;
}

/*
 * May event ev be relayed to the member om?  Not when om received it (it
 * is in its "to", or wrote it), nor when its author has left the table
 * (om could not check its signature).  With content, also not: without
 * a content key or body here, a record narrowed to others (8.5), an
 * identity record om is not cleared for (8.6), a category the rules (or,
 * in a case about a minor, the minors rule) keep from om's role.
 * Returns NULL when it may, else the reason.
 */
static const char *
history_refusal(struct dtable *dt, const struct dcase *c,
    const struct tafel_member *om, const struct ev *ev,
    const struct tafel_env *e, bool content)
{
	const struct tafel_member *am = tables_member(dt, ev->h.from);
	size_t i;

	if (strcmp(ev->h.from, om->card.org) == 0)
		return "written by it";
	for (i = 0; i < ev->h.nto; i++)
		if (strcmp(ev->h.to[i], om->card.org) == 0)
			return "it received it";
	if (am == NULL)
		return "its author is no longer at the table";
	if (!content)
		return NULL;
	if (ev->body == NULL || !ev->haskey)
		return "its content is not held here";
	if (ev->bodylen > TAFEL_HISTORY_BODY_MAX)
		return "too large";
	if (strcmp(ev->h.type, "record") != 0)
		return NULL;
	if (!cases_rules_allow(dt, am->card.role, om->card.role, ev->h.cat))
		return "the rules do not let it receive the category";
	if (c->minor && !tafel_rules_minor_allows(&dt->t->rules,
	    om->card.role, ev->h.cat))
		return "the minors rule does not let it receive the category";
	if (strcmp(ev->h.cat, "identity") == 0 &&
	    !cases_cleared(c, om->card.org))
		return "it is not cleared for identity records";
	if (record_narrowed(dt, c, e))
		return "narrowed to other members";
	return NULL;
}

/* Seals one history envelope of event ev for om and adds it to hs. */
static int
history_item(struct tafeld *d, struct dtable *dt, const struct dcase *c,
    const char *person, const struct tafel_member *om, const struct ev *ev,
    const uint8_t *ho, size_t holen, bool content, struct hist *hs)
{
	struct tafel_history_body hb;
	struct tafel_hdr *h;
	struct hist_item *p;
	const char *org = om->card.org;
	uint8_t *body = NULL, *env = NULL;
	size_t bodylen = 0, envlen;
	int rc = -1;

	memset(&hb, 0, sizeof(hb));
	hb.env = ho;
	hb.envlen = holen;
	if (content) {
		hb.content = true;
		memcpy(hb.key, ev->ckey, 32);
		hb.body = ev->body;
		hb.bodylen = ev->bodylen;
	}
	if ((h = calloc(1, sizeof(*h))) == NULL)
		fatal("calloc");
	snprintf(h->type, sizeof(h->type), "history");
	msgid_new(h->id);
	memcpy(h->table, dt->t->id, sizeof(h->table));
	h->tver = dt->t->version;
	memcpy(h->case_id, c->id, TAFEL_ID_BYTES);
	memcpy(h->from, d->self.org, sizeof(h->from));
	snprintf(h->by, sizeof(h->by), "%s", person);
	snprintf(h->to[0], sizeof(h->to[0]), "%s", org);
	h->nto = 1;
	h->time = now_sec();
	/*
	 * Not an event of the DAG: its counter only makes a sender that
	 * sends in Lamport order send it after the members or share event
	 * that goes with it (c->lamport + 1).
	 */
	h->lamport = c->lamport + 2;
	if (tafel_history_encode(&hb, &body, &bodylen) != 0 ||
	    keys_seal(d->keys, h, body, bodylen, &org,
	    (const uint8_t (*)[32])om->card.box_pk, 1, &env, &envlen) != 0)
		goto out;
	if ((p = realloc(hs->it, (hs->n + 1) * sizeof(*p))) == NULL)
		fatal("realloc");
	hs->it = p;
	p = &hs->it[hs->n++];
	snprintf(p->org, sizeof(p->org), "%s", org);
	crypto_hash_sha256(p->hash, env, envlen);
	memcpy(p->id, h->id, sizeof(p->id));
	p->env = env;
	p->envlen = envlen;
	env = NULL;
	rc = 0;
out:
	sodium_memzero(hb.key, sizeof(hb.key));
	if (body != NULL) {
		sodium_memzero(body, bodylen);
		free(body);
	}
	free(env);
	free(h);
	return rc;
}

/*
 * The history of case c for om: header-only copies (content false) of
 * every earlier event om may not have, or the content of those it may
 * read (content true).  Adds one item per event to hs and, with shared
 * not NULL, the event hashes to shared.  Returns 0 or -1.
 */
int
history_build(struct tafeld *d, struct dtable *dt, const struct dcase *c,
    const char *person, const struct tafel_member *om, bool content,
    struct hist *hs, struct tafel_share_body *shared)
{
	struct tafel_env *e;
	struct timeline tl;
	struct ev ev;
	const char *why;
	uint8_t *ho;
	size_t holen, i, max = content ? TAFEL_SHARE_MAX : HISTORY_MAX;
	size_t start = hs->n;	/* hs may hold items for other members */
	char hex[33];
	int rc = 0;

	if (timeline_open(d, c, &tl) != 0)
		return -1;
	if ((e = calloc(1, sizeof(*e))) == NULL)
		fatal("calloc");
	tafel_hex(hex, c->id, 16);
	/* One event open at a time: a case can be long. */
	for (i = 0; i < tl.n && rc == 0; timeline_ev_free(&ev), i++) {
		if (timeline_event(&tl, i, &ev) != 0) {
			rc = -1;
			continue;
		}
		if (history_stored_ho(d, &ev, &ho, &holen, e) != 0) {
			log_warnx("case %.8s: the envelope of an event is not "
			    "in the store; not relayed", hex);
			continue;
		}
		if ((why = history_refusal(dt, c, om, &ev, e,
		    content)) != NULL) {
			if (content)
				log_debug("case %.8s: %s %s not re-shared with "
				    "%s: %s", hex, ev.h.type,
				    ev.h.cat, om->card.org, why);
		} else if (hs->n - start >= max) {
			log_warnx("case %.8s: more than %zu earlier events; "
			    "the rest is not relayed to %s", hex, max,
			    om->card.org);
			free(ho);
			timeline_ev_free(&ev);
			break;
		} else if (history_item(d, dt, c, person, om, &ev, ho,
		    holen, content, hs) != 0)
			rc = -1;
		else if (shared != NULL)
			memcpy(shared->events[shared->nevents++],
			    ev.ehash, 32);
		free(ho);
	}
	free(e);
	timeline_close(&tl);
	return rc;
}

/*
 * case.share_history: re-shares the content of the case's earlier events
 * with a member that did not receive them (it joined later), as far as
 * need-to-know allows (history_refusal).  Every member receives a
 * "share" event naming the member and the events.
 */
void
history_ctl_share(struct tafeld *d, const struct tafel_ctl_req *r,
    const char *person, struct tafel_mpw *w)
{
	struct tafel_mp_field f[] = {
		{ "case", TAFEL_MP_STR, 32, 32, false, NULL },
		{ "to", TAFEL_MP_ID, 1, TAFEL_ORG_MAX, false, NULL },
	};
	const char *to[TAFEL_MAX_RECIPIENTS], *code = "internal";
	char org[TAFEL_ORG_MAX + 1], err[512], hex[33];
	const struct tafel_member *om;
	struct tafel_share_body *sb;
	struct hist hs = { d, NULL, 0 };
	struct dtable *dt;
	struct dcase c;
	struct local l;
	uint8_t *body = NULL;
	size_t bodylen = 0, n;

	if ((sb = calloc(1, sizeof(*sb))) == NULL)
		fatal("calloc");
	if (tafel_mp_fields(r->args, f, 2) != 0 ||
	    tafel_mp_strcpy(org, sizeof(org), f[1].obj) != 0) {
		tafel_ctl_err(w, "bad-request", "case.share_history: bad "
		    "arguments");
		goto out;
	}
	if (cases_writable(d, f[0].obj, &c, &dt, hex, w) != 0)
		goto out;
	if (strcmp(org, d->self.org) == 0) {
		tafel_ctl_err(w, "bad-request", "--to names your own "
		    "organisation");
		goto out;
	}
	if (!cases_has_member(&c, org) || (om = tables_member(dt, org)) ==
	    NULL) {
		snprintf(err, sizeof(err), "%s is not a member of case %s (the "
		    "owner adds it with: tafel case members --add)", org, hex);
		tafel_ctl_err(w, "not-member", err);
		goto out;
	}
	if (history_build(d, dt, &c, person, om, true, &hs, sb) != 0) {
		tafel_ctl_err(w, "storage", "the case cannot be read from the "
		    "store");
		goto out;
	}
	if (hs.n == 0) {
		snprintf(err, sizeof(err), "nothing to share with %s: it "
		    "received every event of case %s that it may read here; "
		    "records narrowed to others, identity records it is not "
		    "cleared for and categories the rules keep from it are "
		    "never re-shared", org, hex);
		tafel_ctl_err(w, "forbidden", err);
		goto out;
	}
	snprintf(sb->org, sizeof(sb->org), "%s", org);
	if (tafel_share_encode(sb, &body, &bodylen) != 0) {
		tafel_ctl_err(w, "internal", "cannot encode the share");
		goto out;
	}
	n = cases_recipients(d, dt, &c, to);
	cases_local_begin(&l, dt, &c, "share", "", person, to, n);
	l.body = body;
	l.bodylen = bodylen;
	l.extra = history_txn;
	l.extra_arg = &hs;
	if (cases_local_event(d, &l, &code, err, sizeof(err)) != 0) {
		tafel_ctl_err(w, code, err);
		goto out;
	}
	history_kick(&hs);
	log_info("case %.8s: %zu earlier event(s) re-shared with %s by %s",
	    hex, hs.n, org, person);
	tafel_hex(hex, l.id, 16);
	tafel_ctl_ok_begin(w);
	tafel_mpw_map(w, 2);
	tafel_mpw_str(w, "event");
	tafel_mpw_str(w, hex);
	tafel_mpw_str(w, "shared");
	tafel_mpw_uint(w, hs.n);
out:
	history_free(&hs);
	free(body);
	free(sb);
}

/* Receiving one history envelope. */
struct happly {
	struct tafeld		*d;
	struct dtable		*dt;
	const struct tafel_env	*outer;
	const struct tafel_env	*in;		/* the relayed event */
	const uint8_t		*ho;		/* its header-only copy */
	size_t			 holen;
	const uint8_t		*body;		/* its body, or NULL */
	size_t			 bodylen;
	const uint8_t		*ckey;
	const char		*reveal;	/* "reveal" with content */
	enum tafel_ack_status	 st;
	bool			 dup;
	bool			 held;		/* already held: nothing new */
	char			 why[TAFEL_PEER_WHY_MAX + 1];
};

static int
happly_txn(MDB_txn *txn, void *arg)
{
	struct happly *a = arg;
	struct tafeld *d = a->d;
	const struct tafel_hdr *h = &a->in->h, *oh = &a->outer->h;
	uint8_t key[56], ck[32], ehash[32];
	struct dcase c;
	MDB_val k, v;
	int rc, got, seen;

	a->st = TAFEL_ACK_OK;
	a->dup = a->held = false;
	a->why[0] = '\0';
	if ((rc = cases_seen_lookup(d, txn, oh->from, oh->id, a->outer->hash,
	    &seen)) != 0)
		return rc;
	if (seen == SEEN_SAME) {
		a->dup = true;
		return 0;
	}
	if (seen == SEEN_OTHER)
		REFUSE(a, TAFEL_ACK_REFUSED, "message id reused with other "
		    "content");
	if ((got = cases_get(d, txn, h->case_id, &c)) < 0)
		return -1;
	if (got == 1)
		REFUSE(a, TAFEL_ACK_RETRY, "case not known here yet");
	if (strcmp(c.table, h->table) != 0)
		REFUSE(a, TAFEL_ACK_REFUSED, "case belongs to another table");
	if (!cases_has_member(&c, oh->from))
		REFUSE(a, TAFEL_ACK_REFUSED, "sender is not a member of the "
		    "case");
	if (!cases_has_member(&c, d->self.org))
		REFUSE(a, TAFEL_ACK_REFUSED, "we are not a member of the case");
	if (a->body != NULL && strcmp(h->type, "record") == 0) {
		if (c.minor && !tafel_rules_minor_allows(&a->dt->t->rules,
		    d->self.role, h->cat))
			REFUSE(a, TAFEL_ACK_REFUSED, "the rules of table %s do "
			    "not let %s receive %s in a case about a minor",
			    h->table, d->self.role, h->cat);
		if (strcmp(h->cat, "identity") == 0 &&
		    !cases_cleared(&c, d->self.org))
			REFUSE(a, TAFEL_ACK_RETRY, "not cleared for identity "
			    "records of this case (yet)");
		if (record_narrowed(a->dt, &c, a->in))
			REFUSE(a, TAFEL_ACK_REFUSED, "the relayed record was "
			    "narrowed to other members");
	}
	crypto_hash_sha256(ehash, a->in->hdr, a->in->hdrlen);
	cases_event_key(key, c.id, h->lamport, ehash);
	k.mv_data = key;
	k.mv_size = sizeof(key);
	if ((rc = mdb_get(txn, store_dbi(d->store, DB_EVENTS), &k, &v)) == 0) {
		struct event_row er;

		if (cases_row_decode(v.mv_data, v.mv_size, &er) != 0)
			return -1;
		a->held = er.bodylen > 0 || a->body == NULL;
	} else if (rc != MDB_NOTFOUND)
		return rc;
	if (!a->held) {
		if (keys_unwrap_casekey(d->keys, c.id, c.wkey, ck) != 0) {
			log_warnx("store: cannot unwrap a case key");
			return -1;
		}
		if ((rc = cases_row_put(d, txn, c.id, ck, a->in, ehash,
		    a->body, a->bodylen, a->ckey)) != 0)
			return rc;
		if ((rc = cases_rxenv_put(d, txn, h, a->ho, a->holen)) != 0)
			return rc;
		/* An earlier event: the heads stay; the counter catches up. */
		if (h->lamport > c.lamport)
			c.lamport = h->lamport;
		if (a->reveal != NULL && !cases_cleared(&c, a->reveal) &&
		    c.ncleared < TAFEL_MAX_RECIPIENTS)
			snprintf(c.cleared[c.ncleared++], sizeof(c.cleared[0]),
			    "%s", a->reveal);
		if ((rc = cases_put(d, txn, &c)) != 0)
			return rc;
	}
	return cases_seen_put(d, txn, oh->from, oh->id, a->outer->hash);
}

static int
happly_guarded(MDB_txn *txn, void *arg)
{
	struct happly *a = arg;
	int rc;

	if ((rc = happly_txn(txn, arg)) != 0)
		return rc;
	if (a->st != TAFEL_ACK_OK || a->dup)
		return 1;
	/* The exchange log's "received" entry of the history envelope. */
	return cases_audit_env(a->d, txn, TAFEL_AUDIT_RECEIVED, &a->outer->h,
	    a->outer->hash, NULL, 0);
}

/* Is type one of the event types of a timeline (8.1)? */
static bool
timeline_type(const char *type)
{
	static const char *const types[] = { "open", "record", "reveal",
	    "decide", "close", "decline", "members", "share" };
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(type, types[i]) == 0)
			return true;
	return false;
}

/*
 * Checks a relayed body against its type as cases_receive does; for a
 * reveal, copies the org cleared into reveal.
 */
static const char *
history_body_refusal(struct dtable *dt, const struct tafel_member *am,
    struct tafeld *d, const struct tafel_hdr *h, const uint8_t *body,
    size_t len, char reveal[TAFEL_ORG_MAX + 1])
{
	struct evbody b;
	const char *no = NULL;

	if (cases_body_decode(h->type, body, len, &b) != 0)
		return "malformed body of the relayed event";
	if (strcmp(h->type, "reveal") == 0)
		memcpy(reveal, b.org, sizeof(b.org));
	else if (strcmp(h->type, "record") == 0) {
		if (!cases_rules_allow(dt, am->card.role, d->self.role,
		    h->cat))
			no = "the rules do not let this organisation receive "
			    "the relayed record's category";
		else if (b.textlen > dt->t->rules.max_record)
			no = "the relayed record is longer than the table "
			    "allows";
	}
	cases_body_free(&b);
	return no;
}

void
history_receive(struct tafeld *d, struct dtable *dt,
    const struct tafel_member *m, const struct tafel_env *e,
    enum tafel_ack_status *st, char *why, size_t whylen)
{
	struct tafel_history_body hb;
	const struct tafel_member *am;
	struct tafel_env *in;
	struct happly a;
	char reveal[TAFEL_ORG_MAX + 1] = "";
	const char *no;
	uint8_t *body;
	size_t bodylen, bodymax;
	int rc;

	*st = TAFEL_ACK_REFUSED;
	memset(&hb, 0, sizeof(hb));
	/* The plaintext is shorter than its ciphertext. */
	bodymax = e->ct != NULL && e->ctlen < TAFEL_MAX_BODY ? e->ctlen :
	    TAFEL_MAX_BODY;
	if ((in = calloc(1, sizeof(*in))) == NULL ||
	    (body = malloc(bodymax)) == NULL)
		fatal("calloc");
#define NO(s, ...)	do {						\
		*st = (s);						\
		snprintf(why, whylen, __VA_ARGS__);			\
		goto done;						\
	} while (0)
	if (e->h.cat[0] != '\0' || e->h.nto != 1)
		NO(TAFEL_ACK_REFUSED, "a history envelope has no category and "
		    "one recipient");
	if ((rc = keys_open(d->keys, e, d->self.org, m->card.box_pk, body,
	    bodymax, &bodylen)) != 0)
		NO(TAFEL_ACK_REFUSED, "cannot open the envelope: %s",
		    tafel_strerror(rc));
	if (tafel_history_decode(body, bodylen, &hb) != 0)
		NO(TAFEL_ACK_REFUSED, "malformed body");
	if ((rc = tafel_env_parse(hb.env, hb.envlen, in)) != 0)
		NO(TAFEL_ACK_REFUSED, "malformed relayed event: %s",
		    tafel_strerror(rc));
	if (in->ct != NULL)
		NO(TAFEL_ACK_REFUSED, "malformed relayed event: not a "
		    "header-only copy");
	if (strcmp(in->h.table, e->h.table) != 0 ||
	    memcmp(in->h.case_id, e->h.case_id, TAFEL_ID_BYTES) != 0)
		NO(TAFEL_ACK_REFUSED, "the relayed event is of another case");
	if (!timeline_type(in->h.type))
		NO(TAFEL_ACK_REFUSED, "unknown event type %s", in->h.type);
	if ((am = tables_member(dt, in->h.from)) == NULL)
		NO(TAFEL_ACK_REFUSED, "the author %s of the relayed event is "
		    "not a member of table %s", in->h.from, e->h.table);
	if (tafel_env_verify(in, am->card.sign_pk) != 0)
		NO(TAFEL_ACK_REFUSED, "bad signature on the relayed event");
	if (in->h.time > now_sec() + TAFELD_CLOCK_SKEW ||
	    in->h.time + (uint64_t)dt->t->rules.retention_days * 86400 <
	    now_sec())
		NO(TAFEL_ACK_REFUSED, "the relayed event's time is in the "
		    "future or older than the retention period");
	if ((strcmp(in->h.type, "record") == 0) !=
	    (tafel_cat_index(in->h.cat) >= 0))
		NO(TAFEL_ACK_REFUSED, "the relayed event has a bad category");
	if (hb.content) {
		if ((rc = tafel_env_content_check(in, hb.key, hb.body,
		    hb.bodylen)) != 0)
			NO(rc == TAFEL_ENOMEM ? TAFEL_ACK_RETRY :
			    TAFEL_ACK_REFUSED, "the relayed content is not "
			    "what its author sealed");
		if ((no = history_body_refusal(dt, am, d, &in->h, hb.body,
		    hb.bodylen, reveal)) != NULL)
			NO(TAFEL_ACK_REFUSED, "%s", no);
	}
	memset(&a, 0, sizeof(a));
	a.d = d;
	a.dt = dt;
	a.outer = e;
	a.in = in;
	a.ho = hb.env;
	a.holen = hb.envlen;
	if (hb.content) {
		a.body = hb.body;
		a.bodylen = hb.bodylen;
		a.ckey = hb.key;
		if (strcmp(in->h.type, "reveal") == 0)
			a.reveal = reveal;
	}
	if ((rc = commit_begin(d)) == 0)
		rc = store_write(d->store, happly_guarded, &a);
	if (rc != 0 && rc != 1)
		NO(TAFEL_ACK_RETRY, "could not store the event durably");
	*st = a.st;
	snprintf(why, whylen, "%s", a.dup ? "duplicate" : a.why);
	if (a.st == TAFEL_ACK_OK && !a.dup)
		log_info("history from %s: %s %s of %s (%s)%s", e->h.from,
		    in->h.type, in->h.cat, in->h.from, hb.content ? "content" :
		    "header only", a.held ? ", held already" : "");
done:
#undef NO
	sodium_memzero(hb.key, sizeof(hb.key));
	sodium_memzero(body, bodymax);
	free(body);
	free(in);
}
