/*
 * tafeld: what the three files of the cases module share, and nobody else.
 *
 * cases.c holds case records and the events written here or received;
 * timeline.c reads a case's events back and answers case.show and
 * case.list; history.c relays earlier events to a member that joined
 * later (share-history).  Included by those three files only: the rest
 * of the daemon sees the cases module through daemon.h.  Each helper
 * carries the prefix of the file that defines it: cases_, timeline_ or
 * history_.
 */
#ifndef TAFELD_CASES_INT_H
#define TAFELD_CASES_INT_H

/* A value sealed under a case key: nonce and tag (XChaCha20-Poly1305). */
#define SEALED_OVERHEAD	(24 + 16)

/* A case record (DB_CASES), decoded. */
struct dcase {
	uint8_t		id[TAFEL_ID_BYTES];
	char		table[TAFEL_ORG_MAX + 1];
	char		owner[TAFEL_ORG_MAX + 1];
	size_t		nmembers;
	char		members[TAFEL_MAX_RECIPIENTS][TAFEL_ORG_MAX + 1];
	uint64_t	opened;
	bool		minor;		/* the case is about a minor */
	uint64_t	closed;		/* time of a close event, or 0 */
	uint64_t	lamport;
	size_t		ncleared;	/* may receive identity records */
	char		cleared[TAFEL_MAX_RECIPIENTS][TAFEL_ORG_MAX + 1];
	size_t		nheads;		/* events nothing here follows yet */
	uint8_t		heads[TAFEL_MAX_PREV][TAFEL_HASH_BYTES];
	uint8_t		wkey[KEYS_WRAPPED_LEN];
	size_t		pseudolen;
	uint8_t		pseudo[SEALED_OVERHEAD + TAFEL_PSEUDONYM_MAX];
};

/* The body of an event, decoded by its type (cases_body_decode). */
struct evbody {
	const char	*text;		/* into body: text, pseudonym, reason */
	size_t		 textlen;
	char		 followup[TAFEL_FOLLOWUP_MAX + 1];	/* "decide" */
	uint64_t	 review;				/* "decide" */
	bool		 minor;					/* "open" */
	char		 org[TAFEL_ORG_MAX + 1];	/* "reveal", "share" */
	struct tafel_members_body *mb;		/* "members", owned */
	struct tafel_share_body *sb;		/* "share", owned */
};

/* One event of a case, as read back from the store. */
struct ev {
	struct tafel_hdr h;
	uint8_t		 ehash[TAFEL_HASH_BYTES];
	uint8_t		 env[TAFEL_HASH_BYTES];	/* envelope stored */
	uint8_t		*body;		/* plaintext, owned; NULL: none */
	size_t		 bodylen;
	struct evbody	 b;		/* body decoded; zero: none */
	bool		 haskey;		/* ckey holds its content key */
	uint8_t		 ckey[32];
};

/*
 * A new event of this organisation's (cases_local_begin,
 * cases_local_event).
 */
struct local {
	struct dtable		*dt;
	const char		*type;
	const uint8_t		*case_id;
	const char		*cat;
	const char		*person;
	const char *const	*to;
	size_t			 nto;
	uint64_t		 lamport;
	const uint8_t		(*prev)[TAFEL_HASH_BYTES];	/* heads */
	size_t			 nprev;
	const char		*text;		/* or the reason */
	size_t			 textlen;
	const char		*followup;	/* "decide" only */
	uint64_t		 review;	/* "decide" only */
	const char		*reveal;	/* "reveal" only: the org */
	const char *const	*wrap;		/* content for; NULL: all to */
	size_t			 nwrap;
	const uint8_t		*body;		/* encoded already, or NULL */
	size_t			 bodylen;
	const struct tafel_members_body *mb;	/* "members" only */
	const uint8_t		*ck;		/* "open" only */
	const uint8_t		*wkey;		/* "open" only */
	bool			 minor;		/* "open" only */
	int			(*extra)(MDB_txn *, void *);	/* or NULL */
	void			*extra_arg;
	uint8_t			 id[TAFEL_ID_BYTES];	/* out */
};

/*
 * In a function that applies an event in a write transaction: refuses
 * it (a->st, a->why) and returns 0, having written nothing.
 */
#define REFUSE(a, s, ...)	do {					\
		(a)->st = (s);						\
		snprintf((a)->why, sizeof((a)->why), __VA_ARGS__);	\
		return 0;						\
	} while (0)

/* cases.c */
/* Is org the owner, or cleared for the case's identity records? */
bool	cases_cleared(const struct dcase *, const char *org);
bool	cases_has_member(const struct dcase *, const char *org);
/* Decodes the DB_CASES record buf of case id into c: 0 or -1. */
int	cases_decode(const uint8_t id[16], const uint8_t *buf, size_t len,
	    struct dcase *c) __attribute__((warn_unused_result));
/* Reads a case in txn.  Returns 0, 1 when absent, -1 on a bad record. */
int	cases_get(struct tafeld *, MDB_txn *, const uint8_t id[16],
	    struct dcase *) __attribute__((warn_unused_result));
/* Writes a case record in txn: 0 or an LMDB error (or -1). */
int	cases_put(struct tafeld *, MDB_txn *, const struct dcase *)
	    __attribute__((warn_unused_result));
/*
 * Inside the write transaction: the event row of event e (hash ehash) of
 * the case, as cases_row_decode reads it, with the body (NULL: only the
 * header reached us) and, with a body, the content key ckey (unless
 * NULL) sealed under the case key ck, which it wipes; and the event's
 * DB_EVIDX entry.  0, an LMDB error or -1.
 */
int	cases_row_put(struct tafeld *, MDB_txn *, const uint8_t case_id[16],
	    uint8_t ck[32], const struct tafel_env *e, const uint8_t ehash[32],
	    const uint8_t *body, size_t bodylen, const uint8_t *ckey)
	    __attribute__((warn_unused_result));
/*
 * Decodes the body of an event of type type into b, whose text points
 * into body: strictly, as tafel_*_decode do, with nothing checked
 * against the table or the case.  0, or -1 with nothing held in b.  The
 * caller frees b with cases_body_free.
 */
int	cases_body_decode(const char *type, const uint8_t *body, size_t len,
	    struct evbody *b) __attribute__((warn_unused_result));
void	cases_body_free(struct evbody *b);
/*
 * Opens a DB_EVENTS row of case case_id into e, which the caller zeroed:
 * header, hashes and, with content, the content key and the body
 * decrypted under the case key ck and decoded.  0 or -1; what e holds,
 * after a failure too, the caller frees (timeline_ev_free).
 */
int	cases_row_open(const uint8_t ck[32], const uint8_t case_id[16],
	    const uint8_t *buf, size_t len, struct ev *e)
	    __attribute__((warn_unused_result));
/* The pseudonym of case c, decrypted into buf (NUL terminated): 0 or -1. */
int	cases_pseudonym(struct tafeld *, const struct dcase *c, char *buf,
	    size_t bufsz) __attribute__((warn_unused_result));
/*
 * The header-only copy of an envelope received (directly or relayed),
 * in DB_RXENVS under its message id and sender: ids begin with the time,
 * so these rows go to the end of the table, where under its envelope
 * hash each went to a page of its own.  cases_rxenv_get reads it back
 * (into a malloc'd copy): 0, MDB_NOTFOUND (a store of an earlier version
 * keeps it in DB_ENVS) or an LMDB error.
 */
int	cases_rxenv_put(struct tafeld *, MDB_txn *, const struct tafel_hdr *,
	    const uint8_t *ho, size_t holen)
	    __attribute__((warn_unused_result));
int	cases_rxenv_get(struct tafeld *, MDB_txn *, const struct tafel_hdr *,
	    uint8_t **ho, size_t *holen) __attribute__((warn_unused_result));
/*
 * history.c: the header-only copy of the envelope of event ev, held
 * here, parsed into e (pointing into *hop, which the caller frees): as
 * received (DB_RXENVS; a store of an earlier version kept it in DB_ENVS
 * under the envelope's hash), or made from our own envelope (DB_ENVS).
 * 0 or -1.
 */
int	history_stored_ho(struct tafeld *, const struct ev *, uint8_t **hop,
	    size_t *holen, struct tafel_env *e)
	    __attribute__((warn_unused_result));
/*
 * DB_SEEN: (sender, message id) -> the hash of the envelope applied.
 * cases_seen_lookup sets *state to SEEN_NO, SEEN_SAME (this hash: a
 * duplicate) or SEEN_OTHER (the id was used for other content) and
 * returns 0, or returns an LMDB error.  cases_seen_put records one.
 */
enum { SEEN_NO = 0, SEEN_SAME = 1, SEEN_OTHER = 2 };
int	cases_seen_lookup(struct tafeld *, MDB_txn *, const char *from,
	    const uint8_t id[TAFEL_ID_BYTES], const uint8_t hash[32],
	    int *state) __attribute__((warn_unused_result));
int	cases_seen_put(struct tafeld *, MDB_txn *, const char *from,
	    const uint8_t id[TAFEL_ID_BYTES], const uint8_t hash[32])
	    __attribute__((warn_unused_result));
/* The DB_EVENTS key of an event: case id || lamport (be64) || hash. */
void	cases_event_key(uint8_t key[56], const uint8_t case_id[16],
	    uint64_t lamport, const uint8_t hash[32]);
/* Do the table's rules let from_role send cat to to_role? 1 or 0. */
int	cases_rules_allow(const struct dtable *, const char *from_role,
	    const char *to_role, const char *cat);
/*
 * Inside the write transaction: the exchange log's "sent" (to: the
 * recipients) or "received" entry (to: NULL) of the envelope with hash
 * whose header is h.  0, or audit_append's error.
 */
int	cases_audit_env(struct tafeld *, MDB_txn *, enum tafel_audit_kind,
	    const struct tafel_hdr *h, const uint8_t hash[32],
	    const char *const *to, size_t nto)
	    __attribute__((warn_unused_result));
/*
 * For a control request: the case whose hex id is o, read into c.  0, or
 * -1 with the error answer written to w.
 */
int	cases_ctl_get(struct tafeld *, const msgpack_object *o,
	    struct dcase *c, struct tafel_mpw *w)
	    __attribute__((warn_unused_result));
/*
 * For a control request: the case o names, ready for a new event from
 * here (cases_writable; on failure the answer is written to w and -1
 * returned); its other members still at the table (cases_recipients,
 * pointers into c); a new event after its heads (cases_local_begin);
 * sealing, storing and queueing it (cases_local_event: 0, or -1 with
 * *code and err).
 */
int	cases_writable(struct tafeld *, const msgpack_object *o,
	    struct dcase *c, struct dtable **, char hex[33],
	    struct tafel_mpw *w) __attribute__((warn_unused_result));
size_t	cases_recipients(struct tafeld *, struct dtable *,
	    const struct dcase *c, const char *to[TAFEL_MAX_RECIPIENTS]);
void	cases_local_begin(struct local *, struct dtable *,
	    const struct dcase *c, const char *type, const char *cat,
	    const char *person, const char *const *to, size_t nto);
int	cases_local_event(struct tafeld *, struct local *, const char **code,
	    char *err, size_t errlen) __attribute__((warn_unused_result));

/* timeline.c: a case's events read back, and what is shown of them. */
/*
 * A case's timeline, read in one read transaction: an index of its
 * events in timeline order with what the follow-up needs (the header
 * decoded once, not kept), each row left where LMDB maps it.  An event
 * is opened whole, body decrypted, only when it is shown or relayed
 * (timeline_event): a case of 60,000 records costs ~100 bytes an event
 * to index, not its decoded events (5 KiB each).
 */
enum { TL_OTHER = 0, TL_RECORD, TL_DECIDE, TL_CLOSE };
struct tl_ev {
	const uint8_t	*row;		/* the DB_EVENTS value, in the map */
	size_t		 rowlen;
	uint8_t		 ehash[TAFEL_HASH_BYTES];
	uint64_t	 time;
	uint32_t	 prev0;		/* its prev held here: tl->prev */
	uint16_t	 nprev;
	uint8_t		 kind;		/* TL_* */
};
struct timeline {
	MDB_txn		*txn;
	uint8_t		 case_id[TAFEL_ID_BYTES];
	uint8_t		 ck[32];	/* the case key; wiped at close */
	struct tl_ev	*ev;
	size_t		 n;
	uint32_t	*prev;		/* indexes in ev */
};
/*
 * Indexes every event of case c (timeline_close frees it, wipes the
 * key): 0, or -1 (logged) with nothing held.
 */
int	timeline_open(struct tafeld *, const struct dcase *c,
	    struct timeline *) __attribute__((warn_unused_result));
void	timeline_close(struct timeline *);
/*
 * Opens event i whole into e (cases_row_open): 0, or -1 (logged).  The
 * caller frees e with timeline_ev_free, after a failure too.
 */
int	timeline_event(const struct timeline *, size_t i, struct ev *e)
	    __attribute__((warn_unused_result));
void	timeline_ev_free(struct ev *);
/* Frees what case.show keeps of the case shown last (at exit). */
void	timeline_shown_free(struct tafeld *);
/* The control ops case.show and case.list. */
void	timeline_ctl_show(struct tafeld *, const struct tafel_ctl_req *,
	    const char *person, struct tafel_mpw *);
void	timeline_ctl_list(struct tafeld *, const struct tafel_ctl_req *,
	    struct tafel_mpw *);

/* history.c: earlier events for a member that was not told (8.12). */
struct hist_item;
/* Envelopes of history to store and send with an event. */
struct hist {
	struct tafeld		*d;
	struct hist_item	*it;	/* owned; history_free */
	size_t			 n;
};
/*
 * Adds to hs the history of case c for the member om: header-only copies
 * (content false) or the content it may read (content true), recording
 * in shared (unless NULL) the events re-shared.  0 or -1.
 */
int	history_build(struct tafeld *, struct dtable *, const struct dcase *c,
	    const char *person, const struct tafel_member *om, bool content,
	    struct hist *hs, struct tafel_share_body *shared)
	    __attribute__((warn_unused_result));
/* struct local's extra (arg: a struct hist): stores and queues them. */
int	history_txn(MDB_txn *, void *arg);
/* After the event is applied: sends them. */
void	history_kick(struct hist *);
void	history_free(struct hist *);
/* The control op case.share_history. */
void	history_ctl_share(struct tafeld *, const struct tafel_ctl_req *,
	    const char *person, struct tafel_mpw *);
/* A "history" envelope e from member m (cases_receive), and its answer. */
void	history_receive(struct tafeld *, struct dtable *,
	    const struct tafel_member *m, const struct tafel_env *e,
	    enum tafel_ack_status *st, char *why, size_t whylen);

#endif
