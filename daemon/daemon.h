/*
 * tafeld: private declarations shared by the daemon's modules.
 *
 * One process, one thread: the event loop (CZMQ zloop) owns every socket
 * and every LMDB write transaction.  Long-term secrets stay behind the
 * keys module's narrow API.
 */
#ifndef TAFELD_DAEMON_H
#define TAFELD_DAEMON_H

#include <sys/queue.h>
#include <sys/types.h>

#include <czmq.h>
#include <lmdb.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "tafel/audit.h"
#include "tafel/card.h"
#include "tafel/ctl.h"
#include "tafel/envelope.h"
#include "tafel/mp.h"
#include "tafel/peer.h"
#include "tafel/receipt.h"
#include "tafel/table.h"
#include "tafel/tafel.h"

#define TAFELD_STORE_DIR	"store"
#define TAFELD_CONF		"tafel.conf"
#define TAFELD_SECRET		"secret.key"
#define TAFELD_CARD		"card"
#define TAFELD_RETRY_MIN_MS	1000
#define TAFELD_RETRY_MAX_MS	60000
#define TAFELD_SEEN_WINDOW	60	/* seconds: "connected" if heard since */
#define TAFELD_CLOCK_SKEW	600	/* seconds an event may lie ahead */

/* log.c */
void	log_init(int debug, const char *procname);
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

/* keys.c: every use of a long-term secret goes through here. */
struct keys;
int	keys_load(const char *dir, const char *passfile, struct keys **)
	    __attribute__((warn_unused_result));
void	keys_free(struct keys **);
/*
 * Keys opened for a use are closed again by keys_lock_now, which
 * later(arg) schedules (0) for the end of the event loop's turn; until
 * keys_defer_lock is called, or when later fails, at the end of the use.
 */
void	keys_defer_lock(struct keys *, int (*later)(void *), void *arg);
void	keys_lock_now(struct keys *);
bool	keys_locked(const struct keys *);
void	keys_public(struct keys *, uint8_t sign_pk[32], uint8_t box_pk[32],
	    uint8_t curve_pk[32]);
/* Seals and signs; recipients' box public keys in box_pks[i]. */
int	keys_seal(struct keys *, const struct tafel_hdr *,
	    const uint8_t *body, size_t bodylen, const char *const *orgs,
	    const uint8_t (*box_pks)[32], size_t n, uint8_t **out,
	    size_t *outlen) __attribute__((warn_unused_result));
int	keys_open(struct keys *, const struct tafel_env *, const char *me,
	    const uint8_t sender_box_pk[32], uint8_t *body, size_t bodymax,
	    size_t *bodylen) __attribute__((warn_unused_result));
/* The same, and the envelope's content key into ckey (32) unless NULL. */
int	keys_seal_key(struct keys *, const struct tafel_hdr *,
	    const uint8_t *body, size_t bodylen, const char *const *orgs,
	    const uint8_t (*box_pks)[32], size_t n, uint8_t **out,
	    size_t *outlen, uint8_t *ckey) __attribute__((warn_unused_result));
int	keys_open_key(struct keys *, const struct tafel_env *, const char *me,
	    const uint8_t sender_box_pk[32], uint8_t *body, size_t bodymax,
	    size_t *bodylen, uint8_t *ckey) __attribute__((warn_unused_result));
/* Signs a receipt (receipt.h) with the identity key. */
int	keys_sign_rcpt(struct keys *, const struct tafel_rcpt *, uint8_t **out,
	    size_t *outlen) __attribute__((warn_unused_result));
int	keys_curve_apply(struct keys *, zsock_t *)
	    __attribute__((warn_unused_result));
/*
 * The exchange log: one signed-note signature line (type 0x01, key name
 * name) over text, and a tlog-cosignature line (type 0x04) at time t
 * over a checkpoint text, both with the sign key.  Return 0 or -1.
 */
int	keys_note_sign(struct keys *, const char *name, const uint8_t *text,
	    size_t len, uint8_t *line, size_t linemax, size_t *linelen)
	    __attribute__((warn_unused_result));
int	keys_cosign(struct keys *, const char *name, uint64_t t,
	    const uint8_t *text, size_t len, uint8_t *line, size_t linemax,
	    size_t *linelen) __attribute__((warn_unused_result));
/* Per-case data keys, wrapped under the store key (72 bytes). */
#define KEYS_WRAPPED_LEN	72
int	keys_wrap_casekey(struct keys *, const uint8_t case_id[16],
	    const uint8_t ck[32], uint8_t out[KEYS_WRAPPED_LEN])
	    __attribute__((warn_unused_result));
int	keys_unwrap_casekey(struct keys *, const uint8_t case_id[16],
	    const uint8_t in[KEYS_WRAPPED_LEN], uint8_t ck[32])
	    __attribute__((warn_unused_result));

/* store.c: one LMDB environment, named databases. */
enum store_db {
	DB_TABLES,	/* table id -> current document */
	DB_TABLEHIST,	/* table id 0x00 version(be64) -> document */
	DB_CASES,	/* case id(16) -> case record */
	DB_EVENTS,	/* case id(16) lamport(be64) env hash(32) -> event */
	DB_ENVS,	/* hash(32) -> envelope or table document bytes */
	DB_OUTBOX,	/* org 0x00 hash(32) -> kind (backoff in memory) */
	DB_SEEN,	/* org 0x00 message id(16) -> env hash(32) */
	DB_DELIV,	/* env hash(32) org -> status, time, receipt, reason */
	DB_EVDELIV,	/* message id(16) org -> the same, for events */
	DB_EVIDX,	/* event hash(32) -> case id(16) lamport(be64) */
	DB_RXENVS,	/* message id(16) from -> header-only copy received */
	DB_TXENVS,	/* message id(16) hash(32) -> envelope we send */
	DB_AUDIT,	/* seq(be64) -> exact audit entry bytes (a leaf) */
	DB_AUDIT_NODES,	/* level(1) index(be64) -> Merkle node hash(32) */
	DB_AUDIT_CKPT,	/* size(be64) -> signed checkpoint note, cosigs */
	DB_AUDIT_PEERS,	/* tag(1) org -> witnessing state, see audit.c */
	DB_COUNT
};
struct store;
int	store_open(const char *dir, size_t mapsize, struct store **)
	    __attribute__((warn_unused_result));
void	store_close(struct store **);
MDB_dbi	store_dbi(struct store *, enum store_db);
/* mdb_put, filling the last page first when the key sorts last. */
int	store_put_end(MDB_txn *, MDB_dbi, MDB_val *k, MDB_val *v)
	    __attribute__((warn_unused_result));
/*
 * Runs fn in one write transaction.  On MDB_MAP_FULL the transaction is
 * aborted, the map grown and fn run again, so fn must have no effect
 * outside the transaction.  Returns 0, fn's non-zero result (what fn did
 * is undone) or -1 (storage failure).
 *
 * Without an open batch the transaction is committed durably before
 * store_write returns.  With one (group commit, store_batch_begin), fn
 * runs in a transaction nested in the batch, and is durable only once
 * store_batch_commit returns 0: nobody may be told before.
 */
int	store_write(struct store *, int (*fn)(MDB_txn *, void *), void *arg)
	    __attribute__((warn_unused_result));
int	store_batch_begin(struct store *) __attribute__((warn_unused_result));
bool	store_batch_open(struct store *);
/* Commits the batch durably: 0, or -1 when any of it was not stored. */
int	store_batch_commit(struct store *) __attribute__((warn_unused_result));
/*
 * A transaction to read in; end it with mdb_txn_abort, before the next
 * store_write.  Inside a batch it sees what the batch wrote so far.
 */
int	store_read(struct store *, MDB_txn **)
	    __attribute__((warn_unused_result));
int	store_reader_check(struct store *);

/* Peers: every member of an adopted table other than ourselves. */
struct peer {
	TAILQ_ENTRY(peer)	 entry;
	char			 org[TAFEL_ORG_MAX + 1];
	char			 role[TAFEL_ROLE_MAX + 1];
	char			 endpoint[TAFEL_ENDPOINT_MAX + 1];
	uint8_t			 sign_pk[32];
	uint8_t			 box_pk[32];
	uint8_t			 curve_pk[32];
	zsock_t			*dealer;
	zactor_t		*monitor;	/* zmonitor of dealer */
	bool			 connected;	/* handshake done, not lost */
	uint64_t		 last_seen;	/* seconds; 0 never */
	uint64_t		 heard_ms;	/* monotonic, last frame */
	uint64_t		 dialled_ms;	/* monotonic, DEALER made */
	bool			 keep;		/* refresh bookkeeping */
};

struct commit_action;
struct rcpt_batch;
struct grave;

/* An adopted table. */
struct dtable {
	TAILQ_ENTRY(dtable)	 entry;
	struct tafel_table	*t;
	uint8_t			*doc;
	size_t			 doclen;
};

struct tafeld {
	char			 dir[PATH_MAX];
	char			 listen[TAFEL_ENDPOINT_MAX + 1];
	struct tafel_card	 self;
	int			 self_role;
	struct keys		*keys;
	struct store		*store;
	zloop_t			*loop;
	zsock_t			*router;
	zsock_t			*zap;
	int			 ctl_fd;
	zmq_pollitem_t		 ctl_item;
	int			 ctl_ep;	/* epoll: connections */
	zmq_pollitem_t		 ctl_ep_item;
	char			 ctl_path[PATH_MAX];
	int			 retry_timer;
	int			 rebind_timer;	/* -1: none */
	int			 rebind_tries;
	int			 commit_timer;	/* -1: no batch open */
	int			 keys_timer;	/* -1: no lock of the keys due */
	struct commit_action	*actions;	/* after the commit */
	struct commit_action	**actions_tail;
	zhashx_t		*retries;	/* outbox backoff state */
	TAILQ_HEAD(, dtable)	 tables;
	TAILQ_HEAD(, peer)	 peers;
	struct audit		*audit;		/* audit.c */
	uint64_t		 refused;	/* counters */
	uint64_t		 zap_denied;
	struct rcpt_batch	*rcpts;		/* receipts to sign, net.c */
	zhashx_t		*gaps;		/* cases.c: deferred for prev */
	struct timeline_shown	*shown;		/* timeline.c: for its next page */
	uint64_t		 events_gen;	/* event rows written, lost batches */
	zhashx_t		*deferred;	/* net.c: who to tell it came */
	struct grave		*graves;	/* net.c: sockets to destroy */
	unsigned		 gap_wait;	/* seconds (--gap-wait) */
};

/* util */
uint64_t	now_sec(void);
uint64_t	now_ms(void);		/* monotonic */
uint64_t	now_ms_wall(void);	/* Unix time in ms */
void		msgid_new(uint8_t id[16]);	/* time first, then random */

/* tables.c */
int	tables_load(struct tafeld *) __attribute__((warn_unused_result));
void	tables_free(struct tafeld *);
struct dtable	*tables_find(struct tafeld *, const char *id);
/* On failure sets *code (a ctl error code) and err. */
int	tables_adopt(struct tafeld *, const uint8_t *doc, size_t len,
	    const char *expect, const char **code, char *err, size_t errlen)
	    __attribute__((warn_unused_result));
const struct tafel_member *tables_member(const struct dtable *,
	    const char *org);
/* The org of a current member with this transport key, or NULL. */
const char	*tables_org_by_curve(struct tafeld *, const uint8_t pk[32]);
bool	tables_is_member(struct tafeld *, const char *org);
/* A table document from a peer (distribution of an amendment). */
void	tables_receive(struct tafeld *, const char *peer_org,
	    const uint8_t *doc, size_t len, uint8_t hash[32],
	    enum tafel_ack_status *st, char *why, size_t whylen);

/* net.c */
int	net_start(struct tafeld *) __attribute__((warn_unused_result));
void	net_stop(struct tafeld *);
int	net_peers_refresh(struct tafeld *) __attribute__((warn_unused_result));
/*
 * Closes every inbound connection at once (by making the ROUTER anew):
 * used when a member is removed or its transport key changes, since ZAP
 * only runs at handshake.  Members reconnect and are checked again.
 */
int	net_router_restart(struct tafeld *) __attribute__((warn_unused_result));
struct peer	*peer_find(struct tafeld *, const char *org);
int	net_send(struct tafeld *, struct peer *, const uint8_t *, size_t);
/*
 * Called before a resend: if the peer has been silent since the DEALER
 * was made, make it again.  libzmq does not reconnect after a refused
 * handshake (a protocol error ends the session), e.g. when the peer had
 * not adopted the table yet.
 */
void	net_redial(struct tafeld *, struct peer *);
/* Destroys the sockets taken out of the loop in earlier turns (all). */
void	net_reap(struct tafeld *, bool all);

/*
 * commit.c: group commit.  Writes made while handling the input that is
 * ready in one turn of the event loop go into one write transaction,
 * committed at the start of the next turn; what must wait until they
 * are durable (answers to clients and peers, sends) waits in a list of
 * actions run after the commit, told whether it succeeded.
 */
/* Opens the batch for this turn, if not open yet. */
int	commit_begin(struct tafeld *) __attribute__((warn_unused_result));
/* Is a batch open (so answers must wait)? */
bool	commit_pending(struct tafeld *);
/* Runs fn(d, arg, durable) after the commit, or now if no batch is open. */
void	commit_after(struct tafeld *, void (*fn)(struct tafeld *, void *,
	    bool), void *arg);
/* Commits now and runs the actions; 0 or -1 (nothing was durable). */
int	commit_flush(struct tafeld *);

/* ctl.c */
int	ctl_start(struct tafeld *) __attribute__((warn_unused_result));
void	ctl_stop(struct tafeld *);

/* cases.c */
int	cases_ctl(struct tafeld *, const struct tafel_ctl_req *,
	    const char *person, struct tafel_mpw *) 
	    __attribute__((warn_unused_result));
/*
 * Inside a write transaction: removes every member of a case of table t
 * that is not a member of t (revocation).  Returns the number of cases
 * changed, or -1 (an LMDB error is returned as is).
 */
int	cases_revoke(struct tafeld *, MDB_txn *, const struct tafel_table *t);
/*
 * Events an envelope follows (prev) that are not here yet; and, for
 * whoever waits on a gap, what the envelope was: its case, its event
 * hash, and whether it was applied now (it may fill a gap).
 */
struct gap {
	size_t		n;
	uint8_t		h[TAFEL_MAX_PREV][TAFEL_HASH_BYTES];
	uint8_t		case_id[TAFEL_ID_BYTES];
	uint8_t		ehash[TAFEL_HASH_BYTES];
	bool		applied;
};
/*
 * Handles one envelope from an authenticated peer: its hash, its message
 * id (zeros if it could not be parsed), the events it waits for (when
 * the answer is "retry" for that reason) and the answer.
 */
void	cases_receive(struct tafeld *, const char *peer_org,
	    const uint8_t *env, size_t envlen, uint8_t hash[32],
	    uint8_t id[TAFEL_ID_BYTES], struct gap *,
	    enum tafel_ack_status *st, char *why, size_t whylen);
size_t	cases_count(struct tafeld *);
void	cases_free(struct tafeld *);
/*
 * An event row of DB_EVENTS, as cases_row_put (cases.c) writes it for
 * events applied here and for those relayed as history: a map of "v" (1),
 * "env" (the hash of the envelope stored in DB_ENVS), "hdr" (the exact
 * signed header bytes), "body" (the plaintext sealed under the case key;
 * empty where only the header reached us) and, optionally, "ckey" (the
 * content key, sealed under the case key).  cases_row_decode rejects
 * anything else: an unknown or repeated key, a wrong type or size.  The
 * pointers point into buf (for an MDB_val: valid until its transaction
 * ends).  Returns 0 or -1.
 */
struct event_row {
	const uint8_t	*env;		/* TAFEL_HASH_BYTES */
	const uint8_t	*hdr;
	size_t		 hdrlen;
	const uint8_t	*body;		/* sealed */
	size_t		 bodylen;	/* 0: header only */
	const uint8_t	*ckey;		/* sealed content key, or NULL */
	size_t		 ckeylen;
};
int	cases_row_decode(const uint8_t *buf, size_t len, struct event_row *)
	    __attribute__((warn_unused_result));

/* delivery.c: what became of this organisation's envelopes. */
/*
 * Writes an array with one map per recipient of the envelope whose full
 * copy has hash env (to: its header's recipients): { "org", "status"
 * (delivered, pending, refused or unknown), "why", "time_ms",
 * "receipt" }.
 */
void	delivery_emit(struct tafeld *, const uint8_t env[32],
	    const uint8_t id[16], const char *const *to, size_t nto,
	    struct tafel_mpw *);
/*
 * The hash of the header-only copy of our envelope h, of message id id
 * (NULL: unknown; looked up in DB_ENVS only).
 */
int	delivery_copy_hash(struct tafeld *, MDB_txn *, const uint8_t h[32],
	    const uint8_t *id, uint8_t out[32]);
/* The control op record.delivery; 0, or -1 if op is another. */
int	delivery_ctl(struct tafeld *, const struct tafel_ctl_req *,
	    struct tafel_mpw *) __attribute__((warn_unused_result));

/* outbox.c */
/*
 * What an outbox row sends: an envelope of ours in DB_TXENVS under its
 * message id and hash; a table document (and an envelope an earlier
 * version queued) in DB_ENVS under its hash.  outbox_env_put stores one
 * of ours; outbox_env_get finds either (id NULL: DB_ENVS only): 0,
 * MDB_NOTFOUND or an LMDB error.
 */
int	outbox_env_put(struct tafeld *, MDB_txn *, const uint8_t hash[32],
	    const uint8_t id[16], const uint8_t *buf, size_t len)
	    __attribute__((warn_unused_result));
int	outbox_env_get(struct tafeld *, MDB_txn *, const uint8_t hash[32],
	    const uint8_t *id, MDB_val *v) __attribute__((warn_unused_result));
enum outbox_kind {
	OUTBOX_ENV = 0,		/* an envelope, in an "env" frame */
	OUTBOX_TABLE = 1	/* a table document, in a "table" frame */
};
/*
 * Inside a write transaction: one outbox row per recipient.  id: the
 * message id of the event the envelope carries (its delivery rows are
 * kept under it), or NULL for a table document.
 */
int	outbox_add(struct tafeld *, MDB_txn *, enum outbox_kind,
	    const uint8_t hash[32], const uint8_t *id, const char *const *orgs,
	    size_t n)
	    __attribute__((warn_unused_result));
/*
 * Inside a write transaction: drops every row for org (no longer a
 * member), recording each as refused.  Returns the count or -1.
 */
int	outbox_drop_org(struct tafeld *, MDB_txn *, const char *org);
/*
 * After commit: try to send now.  table: the envelope's table, or NULL
 * (a table document, or read it from the envelope).
 */
void	outbox_kick(struct tafeld *, const uint8_t hash[32],
	    const char *table, const char *const *orgs, size_t n);
/* An unsigned answer (table documents; "retry" for envelopes). */
void	outbox_ack(struct tafeld *, struct peer *, const struct tafel_peer_msg *);
/* A signed receipt from p: verified, then its rows settled. */
void	outbox_receipt(struct tafeld *, struct peer *, const uint8_t *,
	    size_t);
/* What became of envelope h for org. */
struct deliv {
	uint8_t		st;	/* 0 pending, or enum tafel_ack_status */
	uint64_t	time_ms;	/* when settled (Unix ms) */
	uint8_t		rcpt[32];	/* receipt hash; zeros: none */
	char		why[TAFEL_PEER_WHY_MAX + 1];
};
/*
 * 0 (found), 1 (neither sent nor queued for org) or -1.  id: the
 * event's message id, or NULL (a table document).
 */
int	outbox_deliv_get(struct tafeld *, MDB_txn *, const uint8_t h[32],
	    const uint8_t *id, const char *org, struct deliv *);
int	outbox_retry(struct tafeld *);
/* Items waiting for org, and the enqueue time of the oldest (0: none). */
size_t	outbox_pending(struct tafeld *, const char *org, uint64_t *oldest);
/*
 * p waits for these events (hashes of headers): those this daemon still
 * has queued for p are due now.
 */
void	outbox_want(struct tafeld *, struct peer *,
	    const uint8_t (*)[TAFEL_HASH_BYTES], size_t);
/* A peer (re)connected: everything waiting for it is due now. */
void	outbox_peer_up(struct tafeld *, const char *org);
void	outbox_free(struct tafeld *);

/* audit.c: the signed exchange log (docs/protocol.md). */
int	audit_start(struct tafeld *) __attribute__((warn_unused_result));
void	audit_stop(struct tafeld *);
/*
 * Inside the write transaction of the event it records: appends e (seq
 * and time are set here) and its Merkle nodes.  Returns 0 or an LMDB
 * error (MDB_MAP_FULL passes through for store_write) or -1.
 */
int	audit_append(struct tafeld *, MDB_txn *, const struct tafel_audit_entry *)
	    __attribute__((warn_unused_result));
/*
 * A receipt from peer_org for the envelope env_hash we sent it, inside
 * the transaction that settles the outbox row, once the signed receipt
 * is verified (outbox.c, ack_txn, for each item of a receipt; final
 * statuses only: ok or refused).  Same returns.
 */
int	audit_receipt(struct tafeld *, MDB_txn *, const char *peer_org,
	    const uint8_t env_hash[32], enum tafel_ack_status st,
	    const char *why) __attribute__((warn_unused_result));
/*
 * Transactions of their own: something refused for good from peer_org
 * (hash: of the envelope or document as received; event: NULL for an
 * envelope, "table" for a table document), a case viewed.
 */
int	audit_refused(struct tafeld *, const char *peer_org,
	    const uint8_t hash[32], const char *event, const char *why);
int	audit_viewed(struct tafeld *, const char *table,
	    const uint8_t case_id[16], const char *person)
	    __attribute__((warn_unused_result));
/*
 * Witnessing frames on the ROUTER (a "ckpt" from org) and on a DEALER
 * (a "cosig" from p).  Return true when the frame was one (handled).
 */
bool	audit_router_frame(struct tafeld *, const char *org, zsock_t *router,
	    zframe_t *rid, const uint8_t *buf, size_t len);
bool	audit_dealer_frame(struct tafeld *, struct peer *p,
	    const uint8_t *buf, size_t len);
/* The "audit" map of the status answer. */
void	audit_status(struct tafeld *, struct tafel_mpw *);
/* Control operations audit.*; returns -1 for an op that is not one. */
int	audit_ctl(struct tafeld *, const struct tafel_ctl_req *,
	    const char *person, struct tafel_mpw *);

#endif
