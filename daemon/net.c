/*
 * Transport: one ROUTER bound as CurveZMQ server with our own ZAP
 * handler, and one DEALER per peer as CurveZMQ client pinned to the
 * peer's transport key.
 *
 * Fail-closed setup (see the engineering notes): the ZAP handler is bound
 * before the ROUTER, the ROUTER has a non-empty ZAP domain and
 * ZMQ_ZAP_ENFORCE_DOMAIN set through zmq_setsockopt (the CZMQ setter is a
 * no-op on Debian).  ZAP runs only at handshake, so every inbound message
 * is checked again against the current tables by its authenticated key.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "tafel/util.h"

#define ZAP_ENDPOINT		"inproc://zeromq.zap.01"
#define ZAP_DOMAIN		"tafel"
#define OPT_ZAP_ENFORCE_DOMAIN	93
#define HEARTBEAT_IVL		5000
#define HEARTBEAT_TIMEOUT	15000

static int
sockopt_int(zsock_t *s, int opt, int v)
{
	return zmq_setsockopt(zsock_resolve(s), opt, &v, sizeof(v));
}

static int
common_opts(zsock_t *s)
{
	int64_t max = TAFEL_MAX_FRAME + 1024;

	if (sockopt_int(s, ZMQ_LINGER, 0) != 0 ||
	    sockopt_int(s, ZMQ_HEARTBEAT_IVL, HEARTBEAT_IVL) != 0 ||
	    sockopt_int(s, ZMQ_HEARTBEAT_TIMEOUT, HEARTBEAT_TIMEOUT) != 0 ||
	    sockopt_int(s, ZMQ_HEARTBEAT_TTL, HEARTBEAT_TIMEOUT) != 0 ||
	    sockopt_int(s, ZMQ_HANDSHAKE_IVL, 10000) != 0 ||
	    zmq_setsockopt(zsock_resolve(s), ZMQ_MAXMSGSIZE, &max,
	    sizeof(max)) != 0) {
		log_warn("%s: zmq_setsockopt", __func__);
		return -1;
	}
	return 0;
}

/*
 * ZAP (RFC 27): admit a CURVE client only if its key is the transport key
 * of a current member of an adopted table.  User-Id becomes the key in
 * hex, so that each message can be checked against the tables again.
 */
static int
zap_handler(zloop_t *loop, zsock_t *zap, void *arg)
{
	struct tafeld *d = arg;
	zmsg_t *req, *rep;
	zframe_t *f[7];
	char hex[65] = "", *seq = NULL, *addr = NULL;
	const char *org = NULL;
	bool ok = false;
	int i;

	if ((req = zmsg_recv(zap)) == NULL)
		return 0;
	memset(f, 0, sizeof(f));
	if (zmsg_size(req) == 7) {
		for (i = 0; i < 7; i++)
			f[i] = zmsg_pop(req);
		seq = zframe_strdup(f[1]);
		addr = zframe_strdup(f[3]);
		if (zframe_streq(f[0], "1.0") &&
		    zframe_streq(f[2], ZAP_DOMAIN) &&
		    zframe_streq(f[5], "CURVE") && zframe_size(f[6]) == 32) {
			tafel_hex(hex, zframe_data(f[6]), 32);
			org = tables_org_by_curve(d, zframe_data(f[6]));
			ok = org != NULL;
		}
	}
	if (seq == NULL) {
		log_warnx("zap: malformed request dropped");
		goto out;
	}
	if (ok)
		log_debug("zap: admitted %s from %s", org, addr);
	else {
		d->zap_denied++;
		log_warnx("zap: refused a connection from %s: transport key "
		    "%.16s... is not a member of any adopted table",
		    addr ? addr : "?", f[6] ? hex : "(none)");
	}
	rep = zmsg_new();
	zmsg_addstr(rep, "1.0");
	zmsg_addstr(rep, seq);
	zmsg_addstr(rep, ok ? "200" : "400");
	zmsg_addstr(rep, ok ? "OK" : "not a member");
	zmsg_addstr(rep, ok ? hex : "");
	zmsg_addmem(rep, "", 0);
	if (zmsg_send(&rep, zap) != 0)
		log_warnx("zap: could not send the reply");
out:
	for (i = 0; i < 7; i++)
		zframe_destroy(&f[i]);
	free(seq);
	free(addr);
	zmsg_destroy(&req);
	return 0;
}

/* An answer to a peer, sent once what it answers is durable. */
struct reply {
	zsock_t		*router;	/* the ROUTER it came in on */
	zframe_t	*rid;
	uint8_t		*frame;
	size_t		 len;
	char		 org[TAFEL_ORG_MAX + 1];
};

static void
reply_action(struct tafeld *d, void *arg, bool durable)
{
	struct reply *r = arg;
	zmsg_t *rep;

	/*
	 * Not durable: no answer, so the peer sends again.  A ROUTER made
	 * anew since: the connection is gone, and the peer sends again.
	 */
	if (durable && d->router == r->router) {
		rep = zmsg_new();
		zmsg_append(rep, &r->rid);
		zmsg_addmem(rep, r->frame, r->len);
		if (zmsg_send(&rep, d->router) != 0) {
			log_debug("peer %s: answer not sent (gone)", r->org);
			zmsg_destroy(&rep);
		} else {
			struct peer *p = peer_find(d, r->org);

			/*
			 * Inbound traffic says the peer runs, not that our
			 * DEALER to it works: heard_ms is only set by
			 * answers on the DEALER.
			 */
			if (p != NULL)
				p->last_seen = now_sec();
		}
	}
	zframe_destroy(&r->rid);
	free(r->frame);
	free(r);
}

/* Queues frame (owned) as an answer on rid, sent after the commit. */
static void
reply_later(struct tafeld *d, zsock_t *router, zframe_t *rid,
    const char *org, uint8_t *frame, size_t len)
{
	struct reply *rp;

	if ((rp = calloc(1, sizeof(*rp))) == NULL)
		fatal("calloc");
	rp->router = router;
	rp->rid = zframe_dup(rid);
	rp->frame = frame;
	rp->len = len;
	snprintf(rp->org, sizeof(rp->org), "%s", org);
	commit_after(d, reply_action, rp);
}

#define ROUTER_BATCH	512	/* frames taken per turn of the loop */

/*
 * Envelopes deferred for a gap (11, check 23'), by envelope hash: when
 * another event of the same case is applied here, it may be what they
 * wait for, so their senders are asked for them again at once (a want
 * frame naming the deferred event: the sender still has it queued)
 * instead of after their backoff, which grows to a minute.
 */
#define DEFERRED_MAX	4096

struct deferred {
	zsock_t		*router;
	zframe_t	*rid;
	char		 org[TAFEL_ORG_MAX + 1];
	uint8_t		 case_id[TAFEL_ID_BYTES];
	uint8_t		 ehash[TAFEL_HASH_BYTES];
};

static void
deferred_free(void **item)
{
	struct deferred *df = *item;

	if (df != NULL) {
		zframe_destroy(&df->rid);
		free(df);
	}
	*item = NULL;
}

static void
deferred_put(struct tafeld *d, zsock_t *router, zframe_t *rid,
    const char *org, const uint8_t h[32], const struct gap *g)
{
	struct deferred *df;
	char hex[65];

	if (d->deferred == NULL) {
		if ((d->deferred = zhashx_new()) == NULL)
			fatal("zhashx_new");
		zhashx_set_destructor(d->deferred, deferred_free);
	}
	tafel_hex(hex, h, 32);
	if (zhashx_size(d->deferred) >= DEFERRED_MAX)
		return;		/* its sender's backoff still brings it */
	if ((df = calloc(1, sizeof(*df))) == NULL)
		fatal("calloc");
	df->router = router;
	df->rid = zframe_dup(rid);
	snprintf(df->org, sizeof(df->org), "%s", org);
	memcpy(df->case_id, g->case_id, TAFEL_ID_BYTES);
	memcpy(df->ehash, g->ehash, TAFEL_HASH_BYTES);
	zhashx_update(d->deferred, hex, df);	/* replaces an older one */
}

static void	reply_later(struct tafeld *, zsock_t *, zframe_t *,
		    const char *, uint8_t *, size_t);

/* An event of case_id was applied: ask again for what waits in it. */
static void
deferred_nudge(struct tafeld *d, const uint8_t case_id[TAFEL_ID_BYTES])
{
	char keys[64][65];
	struct deferred *df;
	uint8_t *frame;
	size_t n = 0, i, len;

	if (d->deferred == NULL)
		return;
	for (df = zhashx_first(d->deferred); df != NULL && n < 64;
	    df = zhashx_next(d->deferred))
		if (memcmp(df->case_id, case_id, TAFEL_ID_BYTES) == 0)
			snprintf(keys[n++], sizeof(keys[0]), "%s",
			    (const char *)zhashx_cursor(d->deferred));
	for (i = 0; i < n; i++) {
		df = zhashx_lookup(d->deferred, keys[i]);
		if (df->router == d->router &&
		    tafel_peer_want_encode((const uint8_t (*)[32])df->ehash,
		    1, &frame, &len) == 0)
			reply_later(d, df->router, df->rid, df->org, frame,
			    len);
		zhashx_delete(d->deferred, keys[i]);
	}
}

static void
deferred_drop(struct tafeld *d, const uint8_t h[32])
{
	char hex[65];

	if (d->deferred == NULL)
		return;
	tafel_hex(hex, h, 32);
	zhashx_delete(d->deferred, hex);
}

/*
 * Receipts: the envelopes of one sender settled in one group commit,
 * answered with one signed receipt after that commit.
 */
struct rcpt_batch {
	struct rcpt_batch	*next;
	zsock_t			*router;
	zframe_t		*rid;
	char			 org[TAFEL_ORG_MAX + 1];
	size_t			 n;
	struct tafel_rcpt_item	 items[TAFEL_RCPT_MAX_ITEMS];
};

static void
rcpts_action(struct tafeld *d, void *arg, bool durable)
{
	struct rcpt_batch *b, *next;
	struct tafel_rcpt r;
	uint8_t *rc, *frame;
	size_t rclen, len;
	zmsg_t *rep;

	b = d->rcpts;
	d->rcpts = NULL;
	for (; b != NULL; b = next) {
		next = b->next;
		/* Not durable, or a new ROUTER: the peer sends again. */
		if (!durable || b->router != d->router)
			goto next;
		memset(&r, 0, sizeof(r));
		snprintf(r.by, sizeof(r.by), "%s", d->self.org);
		snprintf(r.to, sizeof(r.to), "%s", b->org);
		r.time_ms = now_ms_wall();
		r.items = b->items;
		r.nitems = b->n;
		if (keys_sign_rcpt(d->keys, &r, &rc, &rclen) != 0) {
			log_warnx("peer %s: cannot sign a receipt", b->org);
			goto next;
		}
		if (tafel_peer_rcpt_encode(rc, rclen, &frame, &len) != 0) {
			free(rc);
			goto next;
		}
		free(rc);
		rep = zmsg_new();
		zmsg_append(rep, &b->rid);
		zmsg_addmem(rep, frame, len);
		free(frame);
		if (zmsg_send(&rep, d->router) != 0) {
			log_debug("peer %s: receipt not sent (gone)", b->org);
			zmsg_destroy(&rep);
		} else {
			struct peer *p = peer_find(d, b->org);

			if (p != NULL)
				p->last_seen = now_sec();
		}
next:
		zframe_destroy(&b->rid);
		free(b);
	}
}

/* One settled envelope, for the receipt to its sender. */
static void
rcpt_add(struct tafeld *d, zsock_t *router, zframe_t *rid, const char *org,
    const uint8_t id[TAFEL_ID_BYTES], const uint8_t h[32],
    enum tafel_ack_status st, const char *why)
{
	struct rcpt_batch *b, **tail;
	struct tafel_rcpt_item *it;
	bool first = d->rcpts == NULL;

	for (tail = &d->rcpts; (b = *tail) != NULL; tail = &b->next)
		if (strcmp(b->org, org) == 0 && b->router == router &&
		    b->n < TAFEL_RCPT_MAX_ITEMS && zframe_eq(b->rid, rid))
			break;
	if (b == NULL) {
		if ((b = calloc(1, sizeof(*b))) == NULL)
			fatal("calloc");
		b->router = router;
		b->rid = zframe_dup(rid);
		snprintf(b->org, sizeof(b->org), "%s", org);
		*tail = b;
	}
	it = &b->items[b->n++];
	memcpy(it->id, id, TAFEL_ID_BYTES);
	memcpy(it->h, h, 32);
	it->st = st;
	snprintf(it->why, sizeof(it->why), "%s", why);
	if (first)
		commit_after(d, rcpts_action, NULL);
}

/*
 * One frame from a peer's DEALER, on our ROUTER.  Returns false when
 * the ROUTER was made anew meanwhile (read no more from it).
 */
static bool
router_one(struct tafeld *d, zsock_t *router)
{
	struct tafel_peer_msg m;
	enum tafel_ack_status st;
	zframe_t *rid, *body;
	zmsg_t *msg;
	const char *uid, *member;
	char org[TAFEL_ORG_MAX + 1];
	uint8_t key[32], hash[32], id[TAFEL_ID_BYTES], *ack;
	struct gap gap;
	char why[TAFEL_PEER_WHY_MAX + 1];
	size_t acklen;
	bool more = true;

	if ((msg = zmsg_recv(router)) == NULL)
		return false;
	if (zmsg_size(msg) != 2) {
		d->refused++;
		log_warnx("peer: frame with %zu parts dropped", zmsg_size(msg));
		zmsg_destroy(&msg);
		return true;
	}
	rid = zmsg_pop(msg);
	body = zmsg_pop(msg);
	zmsg_destroy(&msg);
	uid = zframe_meta(body, "User-Id");
	if (uid == NULL || tafel_unhex(key, 32, uid) != 0 ||
	    (member = tables_org_by_curve(d, key)) == NULL) {
		/* Admitted once, but no longer a member: drop. */
		d->refused++;
		log_warnx("peer: message from a key that is no longer a "
		    "member (%.16s...) dropped", uid ? uid : "?");
		goto out;
	}
	/* A copy: adopting a table document replaces what member points to. */
	snprintf(org, sizeof(org), "%s", member);
	if (audit_router_frame(d, org, router, rid, zframe_data(body),
	    zframe_size(body)))
		goto out;	/* a checkpoint to witness, answered */
	if (tafel_peer_decode(zframe_data(body), zframe_size(body), &m) != 0 ||
	    m.type == TAFEL_PEER_ACK || m.type == TAFEL_PEER_RCPT ||
	    m.type == TAFEL_PEER_WANT) {
		d->refused++;
		log_warnx("peer %s: malformed frame of %zu bytes refused", org,
		    zframe_size(body));
		goto out;
	}
	if (m.type == TAFEL_PEER_TABLE) {
		tables_receive(d, org, m.env, m.envlen, hash, &st, why,
		    sizeof(why));
		if (d->router != router) {
			more = false;
			goto out;	/* restarted: the peer sends again */
		}
	} else {
		cases_receive(d, org, m.env, m.envlen, hash, id, &gap, &st,
		    why, sizeof(why));
		if (gap.applied)
			deferred_nudge(d, gap.case_id);
		if (st != TAFEL_ACK_RETRY) {
			deferred_drop(d, hash);
			rcpt_add(d, router, rid, org, id, hash, st, why);
			goto out;
		}
		/* Ask the sender for what the envelope waits for. */
		if (gap.n > 0) {
			deferred_put(d, router, rid, org, hash, &gap);
			if (tafel_peer_want_encode((const uint8_t (*)[32])gap.h,
			    gap.n, &ack, &acklen) == 0)
				reply_later(d, router, rid, org, ack, acklen);
		}
	}
	if (tafel_peer_ack_encode(hash, st, why, &ack, &acklen) != 0) {
		log_warnx("peer %s: cannot encode ack", org);
		goto out;
	}
	reply_later(d, router, rid, org, ack, acklen);
out:
	zframe_destroy(&rid);
	zframe_destroy(&body);
	return more;
}

/*
 * Every frame that is ready (up to ROUTER_BATCH), so that what they
 * write goes into one group commit.
 */
static int
router_handler(zloop_t *loop, zsock_t *router, void *arg)
{
	struct tafeld *d = arg;
	int n;

	for (n = 0; n < ROUTER_BATCH; n++) {
		if (!router_one(d, router))
			break;
		if (d->router != router ||
		    !(zsock_events(router) & ZMQ_POLLIN))
			break;
	}
	return 0;
}

/* An answer on one of our DEALERs. */
static void
dealer_one(struct tafeld *d, struct peer *p, zsock_t *s)
{
	struct tafel_peer_msg m;
	zmsg_t *msg;
	zframe_t *f;

	if ((msg = zmsg_recv(s)) == NULL)
		return;
	if (zmsg_size(msg) != 1) {
		zmsg_destroy(&msg);
		return;
	}
	f = zmsg_first(msg);
	if (audit_dealer_frame(d, p, zframe_data(f), zframe_size(f))) {
		p->last_seen = now_sec();
		p->heard_ms = now_ms();
		zmsg_destroy(&msg);
		return;
	}
	if (tafel_peer_decode(zframe_data(f), zframe_size(f), &m) != 0 ||
	    (m.type != TAFEL_PEER_ACK && m.type != TAFEL_PEER_RCPT &&
	    m.type != TAFEL_PEER_WANT)) {
		d->refused++;
		log_warnx("peer %s: malformed reply refused", p->org);
	} else {
		p->last_seen = now_sec();
		p->heard_ms = now_ms();
		if (m.type == TAFEL_PEER_RCPT)
			outbox_receipt(d, p, m.env, m.envlen);
		else if (m.type == TAFEL_PEER_WANT)
			outbox_want(d, p, (const uint8_t (*)[32])m.want,
			    m.nwant);
		else
			outbox_ack(d, p, &m);
	}
	zmsg_destroy(&msg);
}

/* Every answer that is ready (up to ROUTER_BATCH): one group commit. */
static int
dealer_handler(zloop_t *loop, zsock_t *s, void *arg)
{
	struct tafeld *d = arg;
	struct peer *p;
	int n;

	TAILQ_FOREACH(p, &d->peers, entry)
		if (p->dealer == s)
			break;
	if (p == NULL) {
		zmsg_t *msg = zmsg_recv(s);

		zmsg_destroy(&msg);
		return 0;
	}
	for (n = 0; n < ROUTER_BATCH; n++) {
		dealer_one(d, p, s);
		if (p->dealer != s || !(zsock_events(s) & ZMQ_POLLIN))
			break;
	}
	return 0;
}

static int	router_open(struct tafeld *, bool);

int
net_start(struct tafeld *d)
{
	d->rebind_timer = -1;

	/* The ZAP handler first, before any CURVE socket can handshake. */
	if ((d->zap = zsock_new(ZMQ_REP)) == NULL ||
	    zsock_bind(d->zap, "%s", ZAP_ENDPOINT) != 0) {
		log_warnx("cannot bind the ZAP handler");
		return -1;
	}
	if (zloop_reader(d->loop, d->zap, zap_handler, d) != 0)
		return -1;
	if (router_open(d, false) != 0)
		return -1;
	log_info("listening on %s (CurveZMQ, members only)", d->listen);
	return 0;
}

/*
 * The listening ROUTER: CURVE server, ZAP enforced, bounded frames.
 * quiet: a failure to bind is expected (a rebind in progress).
 */
static int
router_open(struct tafeld *d, bool quiet)
{
	int on = 1;

	if ((d->router = zsock_new(ZMQ_ROUTER)) == NULL ||
	    common_opts(d->router) != 0 ||
	    keys_curve_apply(d->keys, d->router) != 0 ||
	    sockopt_int(d->router, ZMQ_CURVE_SERVER, 1) != 0 ||
	    zmq_setsockopt(zsock_resolve(d->router), ZMQ_ZAP_DOMAIN,
	    ZAP_DOMAIN, strlen(ZAP_DOMAIN)) != 0 ||
	    zmq_setsockopt(zsock_resolve(d->router), OPT_ZAP_ENFORCE_DOMAIN,
	    &on, sizeof(on)) != 0 ||
	    sockopt_int(d->router, ZMQ_ROUTER_MANDATORY, 1) != 0 ||
	    sockopt_int(d->router, ZMQ_SNDTIMEO, 0) != 0) {
		log_warnx("cannot set up the listening socket");
		goto fail;
	}
	if (zsock_bind(d->router, "%s", d->listen) == -1) {
		if (!quiet)
			log_warnx("cannot listen on %s: %s", d->listen,
			    zmq_strerror(zmq_errno()));
		goto fail;
	}
	if (zloop_reader(d->loop, d->router, router_handler, d) != 0)
		goto fail;
	return 0;
fail:
	zsock_destroy(&d->router);
	return -1;
}

#define REBIND_MS	50
#define REBIND_TRIES	200	/* ten seconds */

/*
 * libzmq closes the old listening socket in its I/O thread, so the port
 * may still be taken for a moment: bind again until it works.
 */
static int
rebind_tick(zloop_t *loop, int timer_id, void *arg)
{
	struct tafeld *d = arg;

	/*
	 * zloop may call an ended timer once more in the same round: the
	 * work is done then.
	 */
	if (d->rebind_timer == -1 || d->router != NULL)
		return 0;
	if (router_open(d, true) == 0) {
		log_info("listening on %s again after %d attempt(s); members "
		    "reconnect and are checked against the tables in force",
		    d->listen, d->rebind_tries + 1);
		zloop_timer_end(loop, timer_id);
		d->rebind_timer = -1;
		return 0;
	}
	if (++d->rebind_tries == REBIND_TRIES)
		fatalx("cannot listen on %s again", d->listen);
	return 0;
}

static void	bury(struct tafeld *, zsock_t *, zactor_t *);

int
net_router_restart(struct tafeld *d)
{
	if (d->rebind_timer != -1)
		return 0;	/* already under way */
	if (d->router != NULL) {
		/* Closed (and its connections with it) in a later turn. */
		zloop_reader_end(d->loop, d->router);
		bury(d, d->router, NULL);
		d->router = NULL;
	}
	log_info("closing every inbound connection");
	d->rebind_tries = 0;
	if ((d->rebind_timer = zloop_timer(d->loop, REBIND_MS, 0, rebind_tick,
	    d)) == -1)
		return -1;
	return 0;
}

/*
 * Sockets taken out of the loop are destroyed only in a later turn.
 * zloop polls a set it built at the top of a turn and then calls the
 * handlers of every ready socket in it; a socket destroyed by an
 * earlier handler or a timer of the same turn (a redial from the retry
 * timer) would be read after it was freed.  Their handlers find no
 * peer for them and discard what they read.
 */
struct grave {
	struct grave	*next;
	zsock_t		*sock;
	zactor_t	*actor;
	uint64_t	 at;		/* ms, monotonic */
};

#define GRAVE_MS	100	/* certainly a later turn */

static void
bury(struct tafeld *d, zsock_t *sock, zactor_t *actor)
{
	struct grave *g;

	if ((g = calloc(1, sizeof(*g))) == NULL)
		fatal("calloc");
	g->sock = sock;
	g->actor = actor;
	g->at = now_ms();
	g->next = d->graves;
	d->graves = g;
}

void
net_reap(struct tafeld *d, bool all)
{
	struct grave *g, **gp;
	uint64_t now = now_ms();

	for (gp = &d->graves; (g = *gp) != NULL;) {
		if (!all && now - g->at < GRAVE_MS) {
			gp = &g->next;
			continue;
		}
		*gp = g->next;
		zsock_destroy(&g->sock);
		zactor_destroy(&g->actor);
		free(g);
	}
}

/*
 * Ends a peer's connection.  The monitor goes first: closing a monitored
 * socket before its monitor hangs libzmq's I/O thread (libzmq#3575).
 */
static void
peer_hangup(struct tafeld *d, struct peer *p)
{
	if (p->monitor != NULL) {
		zloop_reader_end(d->loop, zactor_sock(p->monitor));
		bury(d, NULL, p->monitor);
		p->monitor = NULL;
	}
	if (p->dealer != NULL) {
		zloop_reader_end(d->loop, p->dealer);
		bury(d, p->dealer, NULL);
		p->dealer = NULL;
	}
	p->connected = false;
}

static void
peer_free(struct tafeld *d, struct peer *p)
{
	peer_hangup(d, p);
	free(p);
}

/*
 * Connection events of a peer's DEALER: connected once the CurveZMQ
 * handshake succeeds, not when a TCP connection opens; on every
 * (re)connection whatever waits for that peer is sent at once.
 */
static int
monitor_handler(zloop_t *loop, zsock_t *s, void *arg)
{
	struct tafeld *d = arg;
	struct peer *p;
	char *event = NULL, *value = NULL, *endpoint = NULL;

	if (zstr_recvx(s, &event, &value, &endpoint, NULL) < 1)
		return 0;
	TAILQ_FOREACH(p, &d->peers, entry)
		if (p->monitor != NULL && zactor_sock(p->monitor) == s)
			break;
	if (p != NULL && event != NULL) {
		if (strcmp(event, "HANDSHAKE_SUCCEEDED") == 0) {
			p->connected = true;
			p->heard_ms = now_ms();
			p->last_seen = now_sec();
			log_info("peer %s: connected", p->org);
			outbox_peer_up(d, p->org);
		} else if (strcmp(event, "DISCONNECTED") == 0 && p->connected) {
			p->connected = false;
			log_info("peer %s: disconnected", p->org);
		}
	}
	zstr_free(&event);
	zstr_free(&value);
	zstr_free(&endpoint);
	return 0;
}

void
net_stop(struct tafeld *d)
{
	struct peer *p;

	while ((p = TAILQ_FIRST(&d->peers)) != NULL) {
		TAILQ_REMOVE(&d->peers, p, entry);
		peer_free(d, p);
	}
	zhashx_destroy(&d->deferred);
	net_reap(d, true);
	if (d->router != NULL) {
		zloop_reader_end(d->loop, d->router);
		zsock_destroy(&d->router);
	}
	if (d->zap != NULL) {
		zloop_reader_end(d->loop, d->zap);
		zsock_destroy(&d->zap);
	}
}

struct peer *
peer_find(struct tafeld *d, const char *org)
{
	struct peer *p;

	TAILQ_FOREACH(p, &d->peers, entry)
		if (strcmp(p->org, org) == 0)
			return p;
	return NULL;
}

static int
peer_connect(struct tafeld *d, struct peer *p)
{
	if ((p->dealer = zsock_new(ZMQ_DEALER)) == NULL ||
	    common_opts(p->dealer) != 0 ||
	    sockopt_int(p->dealer, ZMQ_RECONNECT_IVL, 100) != 0 ||
	    sockopt_int(p->dealer, ZMQ_RECONNECT_IVL_MAX, 10000) != 0 ||
	    sockopt_int(p->dealer, ZMQ_SNDHWM, 10000) != 0 ||
	    keys_curve_apply(d->keys, p->dealer) != 0 ||
	    zmq_setsockopt(zsock_resolve(p->dealer), ZMQ_CURVE_SERVERKEY,
	    p->curve_pk, 32) != 0) {
		log_warnx("peer %s: cannot set up a connection", p->org);
		return -1;
	}
	if ((p->monitor = zactor_new(zmonitor, p->dealer)) == NULL) {
		log_warnx("peer %s: cannot watch the connection", p->org);
		return -1;
	}
	zstr_sendx(p->monitor, "LISTEN", "HANDSHAKE_SUCCEEDED", "DISCONNECTED",
	    NULL);
	zstr_sendx(p->monitor, "START", NULL);
	if (zsock_wait(p->monitor) != 0 ||
	    zloop_reader(d->loop, zactor_sock(p->monitor), monitor_handler,
	    d) != 0) {
		log_warnx("peer %s: cannot watch the connection", p->org);
		return -1;
	}
	if (zsock_connect(p->dealer, "%s", p->endpoint) != 0) {
		log_warnx("peer %s: bad endpoint %s", p->org, p->endpoint);
		return -1;
	}
	if (zloop_reader(d->loop, p->dealer, dealer_handler, d) != 0)
		return -1;
	p->dialled_ms = now_ms();
	log_info("peer %s: connecting to %s", p->org, p->endpoint);
	return 0;
}

#define REDIAL_AFTER_MS	1000

void
net_redial(struct tafeld *d, struct peer *p)
{
	uint64_t now = now_ms();

	if (p->dealer != NULL && (p->heard_ms > p->dialled_ms ||
	    now - p->dialled_ms < REDIAL_AFTER_MS))
		return;
	peer_hangup(d, p);
	log_debug("peer %s: silent since %llu ms; dialling again", p->org,
	    (unsigned long long)(now - p->dialled_ms));
	if (peer_connect(d, p) != 0)
		log_warnx("peer %s: cannot dial again", p->org);
}

int
net_peers_refresh(struct tafeld *d)
{
	struct dtable *dt;
	struct peer *p, *next;
	size_t i;
	int rc = 0;

	TAILQ_FOREACH(p, &d->peers, entry)
		p->keep = false;
	TAILQ_FOREACH(dt, &d->tables, entry) {
		for (i = 0; i < dt->t->nmembers; i++) {
			const struct tafel_card *c = &dt->t->members[i].card;

			if (strcmp(c->org, d->self.org) == 0)
				continue;
			if ((p = peer_find(d, c->org)) != NULL) {
				if (memcmp(p->curve_pk, c->curve_pk, 32) == 0 &&
				    memcmp(p->box_pk, c->box_pk, 32) == 0 &&
				    memcmp(p->sign_pk, c->sign_pk, 32) == 0 &&
				    strcmp(p->endpoint, c->endpoints[0]) == 0) {
					p->keep = true;
					continue;
				}
				if (p->keep)
					continue;	/* first table wins */
				TAILQ_REMOVE(&d->peers, p, entry);
				peer_free(d, p);
			}
			if ((p = calloc(1, sizeof(*p))) == NULL)
				fatal("calloc");
			memcpy(p->org, c->org, sizeof(p->org));
			memcpy(p->role, c->role, sizeof(p->role));
			memcpy(p->endpoint, c->endpoints[0],
			    sizeof(p->endpoint));
			memcpy(p->sign_pk, c->sign_pk, 32);
			memcpy(p->box_pk, c->box_pk, 32);
			memcpy(p->curve_pk, c->curve_pk, 32);
			p->keep = true;
			TAILQ_INSERT_TAIL(&d->peers, p, entry);
			if (peer_connect(d, p) != 0)
				rc = -1;
		}
	}
	for (p = TAILQ_FIRST(&d->peers); p != NULL; p = next) {
		next = TAILQ_NEXT(p, entry);
		if (!p->keep) {
			log_info("peer %s: no longer a member; disconnected",
			    p->org);
			TAILQ_REMOVE(&d->peers, p, entry);
			peer_free(d, p);
		}
	}
	return rc;
}

int
net_send(struct tafeld *d, struct peer *p, const uint8_t *buf, size_t len)
{
	if (p->dealer == NULL)
		return -1;
	if (zmq_send(zsock_resolve(p->dealer), buf, len, ZMQ_DONTWAIT) == -1) {
		log_debug("peer %s: send deferred: %s", p->org,
		    zmq_strerror(zmq_errno()));
		return -1;
	}
	return 0;
}
