/*
 * tafel-poke: a hostile peer and a hostile local client, for the
 * bad-input integration tests (tests/integration/badinput-*.sh).
 *
 *   tafel-poke -d DIR -c CARD [options] MODE [FILE...]
 *   tafel-poke -c CARD [--conns N] [--hold SEC] stall
 *   tafel-poke -d DIR [--hold SEC] ctl-MODE [FILE]
 *   tafel-poke -d DIR [--conns N] [--hold SEC] ctl-flood [FILE]
 *   tafel-poke -d DIR [--hold SEC] ctl-noread FILE
 *   tafel-poke -d DIR [--conns N] [--hold SEC] ctl-serve-reverse
 *   tafel-poke lmdb-reader STOREDIR [--no-txn]
 *
 * Peer modes connect a CurveZMQ DEALER to the endpoint and transport key
 * of the target's member card, with the transport key of DIR (or, for
 * some modes, a wrong or missing one), and send frames: read from files,
 * or made up by the mode.  Frames that carry an envelope are sealed and
 * signed with DIR's keys by libtafel, so that exactly one thing is wrong
 * with each.  Every ack that comes back is printed.  Unless --no-sync is
 * given, a last envelope for a table that does not exist is sent: the
 * daemon answers it "refused" without writing anything, and because a
 * connection's frames are handled in order, its ack shows that every
 * earlier frame has been handled (dropped frames get no ack).
 *
 * Output, one line each: "sent N: WHAT (BYTES bytes)", "ack N: STATUS:
 * WHY", "sync: answered", "event: ...", and a last "result: ..." line.
 *
 * Exit status: 0 connected, everything sent and the sync answered (or,
 * for ctl-*, an answer received); 1 a local failure; 2 a wrong command
 * line; 3 the daemon refused or dropped the connection (handshake
 * failed, disconnected); 4 connected but no answer within --wait (or,
 * for ctl-*, the connection was closed without an answer; for stall,
 * a connection the daemon never closed).
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <lmdb.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "tafel/card.h"
#include "tafel/ctl.h"
#include "tafel/envelope.h"
#include "tafel/keyfile.h"
#include "tafel/mp.h"
#include "tafel/peer.h"
#include "tafel/receipt.h"
#include "tafel/tafel.h"
#include "tafel/util.h"

#define EX_LOCAL	1
#define EX_USAGE	2
#define EX_REFUSED	3
#define EX_SILENT	4

#define SYNC_TABLE	"tafel-poke-sync"
#define GARBAGE_MARK	"TAFEL-POKE-GARBAGE"
#define NEST_DEPTH	100000
#define MAX_FRAMES	200000
#define YEAR		(365 * 24 * 3600ULL)

struct frame {
	uint8_t	*buf;
	size_t	 len;
	int	 parts;		/* sent as this many identical parts */
	char	 what[80];
	bool	 is_env;	/* carries a decodable envelope: has h */
	uint8_t	 h[TAFEL_HASH_BYTES];
};

struct poke {
	/* Options. */
	const char		*dir;
	const char		*card_path;
	const char		*table;
	const char		*cat;
	const char		*text;
	const char		*from;
	const char		*to;
	const char		*save;
	uint64_t		 tver;
	uint64_t		 count;
	uint64_t		 size;
	uint64_t		 wait_ms;
	uint64_t		 hold_s;
	uint64_t		 conns;
	bool			 has_case;
	uint8_t			 case_id[TAFEL_ID_BYTES];
	bool			 no_sync;
	bool			 quiet;
	bool			 no_txn;

	/* Our keys and card (from -d), the target's card (from -c). */
	struct tafel_secrets	*s;
	struct tafel_card	 self;
	bool			 have_self;
	struct tafel_card	 peer;

	/* The frames to send, in order. */
	struct frame		*f;
	size_t			 nf;
	size_t			 maxf;
};

static void __attribute__((noreturn, format(printf, 2, 3)))
die(int status, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("tafel-poke: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
	/* A failed run ends here; its memory goes with the process. */
	_exit(status);
}

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr,
	    "usage: tafel-poke -d DIR -c CARD [-t TABLE] [--case HEX] "
	    "[--cat CAT]\n"
	    "           [--text TEXT] [--tver N] [--from ORG] [--to ORG] "
	    "[--count N]\n"
	    "           [--size N] [--wait MS] [--save FILE] [--no-sync] "
	    "[-q] MODE [FILE...]\n"
	    "  peer modes: file garbage truncated oversized huge nested "
	    "multipart ack\n"
	    "    record open replay reuse-id readdress impersonate badsig "
	    "tamper\n"
	    "    unknown-table unknown-case future past flood\n"
	    "    history history-forged history-narrowed\n"
	    "    stranger wrong-key no-curve stall\n"
	    "  control modes (-d DIR): ctl-status ctl-garbage ctl-oversized "
	    "ctl-zero\n"
	    "    ctl-truncated ctl-nested ctl-unknown-op ctl-stall "
	    "ctl-file FILE\n"
	    "    ctl-slow (the body 500 ms after the length) "
	    "ctl-flood [FILE] (--conns N status\n"
	    "    requests, or FILE's, in flight for --hold SEC)\n"
	    "    ctl-noread FILE (sends it, reads nothing until the daemon "
	    "closes or\n    --hold SEC pass, then counts what came)\n"
	    "    ctl-serve-reverse (as a daemon: --conns N record.add "
	    "answered last first)\n"
	    "  lmdb-reader STOREDIR [--no-txn]\n");
	_exit(EX_USAGE);
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t
number(const char *opt, const char *s, uint64_t min, uint64_t max)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (*s == '\0' || *s == '-' || *end != '\0' || errno != 0 ||
	    v < min || v > max)
		die(EX_USAGE, "%s: not a number in [%" PRIu64 ", %" PRIu64 "]",
		    opt, min, max);
	return v;
}

/* The value of the option at argv[*i]; moves *i past it. */
static const char *
optval(int argc, char *argv[], int *i)
{
	if (*i + 1 >= argc)
		die(EX_USAGE, "%s needs a value", argv[*i]);
	return argv[++*i];
}

/* A whole file, at most max bytes; caller frees. */
static uint8_t *
slurp(const char *path, size_t max, size_t *len)
{
	uint8_t *buf;
	size_t n = 0;
	ssize_t r;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		die(EX_LOCAL, "%s: %s", path, strerror(errno));
	if ((buf = malloc(max + 1)) == NULL)
		die(EX_LOCAL, "out of memory");
	while ((r = read(fd, buf + n, max + 1 - n)) > 0) {
		n += (size_t)r;
		if (n > max)
			die(EX_LOCAL, "%s: larger than %zu bytes", path, max);
	}
	if (r == -1)
		die(EX_LOCAL, "%s: %s", path, strerror(errno));
	close(fd);
	buf[n] = '\0';
	*len = n;
	return buf;
}

static void
load_card(const char *path, struct tafel_card *c)
{
	uint8_t *text, *bin;
	size_t len, binlen;
	int rc;

	text = slurp(path, 65536, &len);
	if ((rc = tafel_card_from_text((char *)text, len, &bin, &binlen, c))
	    != 0)
		die(EX_LOCAL, "%s: not a member card: %s", path,
		    tafel_strerror(rc));
	free(bin);
	free(text);
}

/* DIR/card and DIR/secret.key (stored in clear: tests use no passphrase). */
static void
load_self(struct poke *p)
{
	char path[4096];
	uint8_t *img;
	size_t len;
	int rc;

	if (p->dir == NULL)
		die(EX_USAGE, "this mode needs -d DIR");
	if ((size_t)snprintf(path, sizeof(path), "%s/card", p->dir) >=
	    sizeof(path))
		die(EX_USAGE, "-d: path too long");
	load_card(path, &p->self);
	if ((size_t)snprintf(path, sizeof(path), "%s/secret.key", p->dir) >=
	    sizeof(path))
		die(EX_USAGE, "-d: path too long");
	img = slurp(path, TAFEL_KEYFILE_LEN, &len);
	if ((p->s = sodium_malloc(sizeof(*p->s))) == NULL)
		die(EX_LOCAL, "sodium_malloc");
	if ((rc = tafel_keyfile_decode(img, len, NULL, 0, p->s)) != 0)
		die(EX_LOCAL, "%s: %s (tafel-poke needs a key file without "
		    "a passphrase)", path, tafel_strerror(rc));
	sodium_memzero(img, len);
	free(img);
	if (memcmp(p->s->sign_pk, p->self.sign_pk, 32) != 0)
		die(EX_LOCAL, "%s does not belong to %s/card", path, p->dir);
	p->have_self = true;
}

/* Frames. */

static struct frame *
frame_add(struct poke *p, uint8_t *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static struct frame *
frame_add(struct poke *p, uint8_t *buf, size_t len, const char *fmt, ...)
{
	struct frame *f;
	va_list ap;

	if (p->nf == p->maxf) {
		p->maxf = p->maxf ? p->maxf * 2 : 16;
		if ((p->f = reallocarray(p->f, p->maxf, sizeof(*p->f))) ==
		    NULL)
			die(EX_LOCAL, "out of memory");
	}
	f = &p->f[p->nf++];
	memset(f, 0, sizeof(*f));
	f->buf = buf;
	f->len = len;
	f->parts = 1;
	va_start(ap, fmt);
	vsnprintf(f->what, sizeof(f->what), fmt, ap);
	va_end(ap);
	return f;
}

static uint8_t *
copy(const void *src, size_t len)
{
	uint8_t *b;

	if ((b = malloc(len ? len : 1)) == NULL)
		die(EX_LOCAL, "out of memory");
	memcpy(b, src, len);
	return b;
}

/* What an envelope made here looks like; the mode changes one thing. */
struct envspec {
	const char	*type;
	const char	*table;
	const char	*from;
	const char	*to;
	const char	*text;
	uint64_t	 time;
	bool		 fixed_id;
	uint8_t		 id[TAFEL_ID_BYTES];
	bool		 random_case;
};

static void
envspec_init(struct poke *p, struct envspec *es)
{
	memset(es, 0, sizeof(*es));
	es->type = "record";
	es->table = p->table;
	es->from = p->from;
	es->to = p->to;
	es->text = p->text;
	es->time = (uint64_t)time(NULL);
}

/* Seals and signs an envelope with DIR's keys.  Caller frees *env. */
static void
seal(struct poke *p, const struct envspec *es, uint8_t **env, size_t *envlen)
{
	struct tafel_hdr *h;
	struct tafel_wrap_to wt;
	uint8_t k[crypto_box_BEFORENMBYTES], *body;
	size_t bodylen;
	int rc;

	if (!p->have_self)
		load_self(p);
	if (es->table == NULL)
		die(EX_USAGE, "this mode needs -t TABLE");
	if (!es->random_case && !p->has_case && strcmp(es->type, "open") != 0)
		die(EX_USAGE, "this mode needs --case HEX");
	if ((h = calloc(1, sizeof(*h))) == NULL)
		die(EX_LOCAL, "out of memory");
	snprintf(h->type, sizeof(h->type), "%s", es->type);
	if (es->fixed_id)
		memcpy(h->id, es->id, sizeof(h->id));
	else
		randombytes_buf(h->id, sizeof(h->id));
	snprintf(h->table, sizeof(h->table), "%s", es->table);
	h->tver = p->tver;
	if (es->random_case || !p->has_case)
		randombytes_buf(h->case_id, sizeof(h->case_id));
	else
		memcpy(h->case_id, p->case_id, sizeof(h->case_id));
	snprintf(h->cat, sizeof(h->cat), "%s",
	    strcmp(es->type, "open") == 0 ? "" : p->cat);
	snprintf(h->from, sizeof(h->from), "%s",
	    es->from ? es->from : p->self.org);
	snprintf(h->by, sizeof(h->by), "tafel-poke");
	snprintf(h->to[0], sizeof(h->to[0]), "%s",
	    es->to ? es->to : p->peer.org);
	h->nto = 1;
	h->time = es->time;
	h->lamport = 1;
	if ((rc = tafel_body_encode(es->type, es->text, strlen(es->text),
	    &body, &bodylen)) != 0)
		die(EX_LOCAL, "cannot encode the body: %s", tafel_strerror(rc));
	/* The wrap is made for the target's box key, whoever is named. */
	if (crypto_box_beforenm(k, p->peer.box_pk, p->s->box_sk) != 0)
		die(EX_LOCAL, "crypto_box_beforenm failed");
	wt.org = h->to[0];
	wt.k = k;
	if ((rc = tafel_env_seal(h, body, bodylen, &wt, 1, p->s->sign_sk, env,
	    envlen)) != 0)
		die(EX_LOCAL, "cannot seal: %s", tafel_strerror(rc));
	sodium_memzero(k, sizeof(k));
	free(body);
	free(h);
}

/* The peer frame {v, t: env, env} around env; takes ownership of env. */
static struct frame *
add_env(struct poke *p, uint8_t *env, size_t envlen, const char *what)
{
	struct frame *f;
	uint8_t *buf;
	size_t len;

	if (tafel_peer_env_encode(env, envlen, &buf, &len) != 0)
		die(EX_LOCAL, "cannot encode a frame of %zu bytes", envlen);
	f = frame_add(p, buf, len, "%s", what);
	f->is_env = true;
	crypto_hash_sha256(f->h, env, envlen);
	free(env);
	return f;
}

/* A peer frame whose env is any bytes (not a decodable envelope). */
static void
add_raw_env(struct poke *p, const uint8_t *env, size_t envlen,
    const char *what)
{
	struct tafel_mpw w;
	uint8_t *buf;
	size_t len;

	tafel_mpw_init(&w);
	tafel_mpw_map(&w, 3);
	tafel_mpw_str(&w, "v");
	tafel_mpw_uint(&w, TAFEL_WIRE_VERSION);
	tafel_mpw_str(&w, "t");
	tafel_mpw_str(&w, "env");
	tafel_mpw_str(&w, "env");
	tafel_mpw_bin(&w, env, envlen);
	if (tafel_mpw_finish(&w, &buf, &len) != 0)
		die(EX_LOCAL, "out of memory");
	frame_add(p, buf, len, "%s", what);
}

static uint8_t *
garbage(size_t len)
{
	uint8_t *b;

	if ((b = malloc(len)) == NULL)
		die(EX_LOCAL, "out of memory");
	randombytes_buf(b, len);
	/* A reserved byte first, and a marker to look for in the store. */
	b[0] = 0xc1;
	if (len > sizeof(GARBAGE_MARK))
		memcpy(b + 1, GARBAGE_MARK, sizeof(GARBAGE_MARK) - 1);
	return b;
}

/* depth nested arrays of one element around a nil. */
static uint8_t *
nested(size_t depth, size_t *len)
{
	uint8_t *b;

	if ((b = malloc(depth + 1)) == NULL)
		die(EX_LOCAL, "out of memory");
	memset(b, 0x91, depth);
	b[depth] = 0xc0;
	*len = depth + 1;
	return b;
}

static void
sealed_env(struct poke *p, const struct envspec *es, const char *what)
{
	uint8_t *env;
	size_t envlen;

	seal(p, es, &env, &envlen);
	add_env(p, env, envlen, what);
}

/* Offset of the signature (the last field) in an envelope. */
static size_t
sig_offset(const uint8_t *env, size_t envlen)
{
	struct tafel_env *e;
	size_t off;

	if ((e = calloc(1, sizeof(*e))) == NULL)
		die(EX_LOCAL, "out of memory");
	if (tafel_env_parse(env, envlen, e) != 0)
		die(EX_LOCAL, "cannot parse our own envelope");
	off = (size_t)(e->sig - env);
	free(e);
	return off;
}

static size_t
ct_offset(const uint8_t *env, size_t envlen)
{
	struct tafel_env *e;
	size_t off;

	if ((e = calloc(1, sizeof(*e))) == NULL)
		die(EX_LOCAL, "out of memory");
	if (tafel_env_parse(env, envlen, e) != 0 || e->ct == NULL)
		die(EX_LOCAL, "cannot parse our own envelope");
	off = (size_t)(e->ct - env);
	free(e);
	return off;
}

/*
 * A "history" envelope (protocol.md 8.12) from DIR to the target that
 * relays a record of DIR's own, with its content key and body.  The
 * record is addressed to the target, with a wrap for it; "forged"
 * relays another body than the one sealed; "narrowed" also names --to
 * ORG in the record without a wrap for it (a record narrowed to the
 * target).  Caller frees *env.
 */
static void
history_env(struct poke *p, const struct envspec *es, const char *variant,
    uint8_t **env, size_t *envlen)
{
	struct tafel_history_body hb;
	struct tafel_wrap_to wt;
	struct tafel_env *in;
	struct tafel_hdr *h;
	uint8_t k[crypto_box_BEFORENMBYTES], *body, *inner, *ho, *hbuf;
	size_t bodylen, innerlen, holen, hlen;
	int rc;

	if (!p->have_self)
		load_self(p);
	if (es->table == NULL || !p->has_case)
		die(EX_USAGE, "history modes need -t TABLE and --case HEX");
	if ((h = calloc(1, sizeof(*h))) == NULL ||
	    (in = calloc(1, sizeof(*in))) == NULL)
		die(EX_LOCAL, "out of memory");
	/* The relayed record. */
	snprintf(h->type, sizeof(h->type), "record");
	randombytes_buf(h->id, sizeof(h->id));
	snprintf(h->table, sizeof(h->table), "%s", es->table);
	h->tver = p->tver;
	memcpy(h->case_id, p->case_id, sizeof(h->case_id));
	snprintf(h->cat, sizeof(h->cat), "%s", p->cat);
	snprintf(h->from, sizeof(h->from), "%s", p->self.org);
	snprintf(h->by, sizeof(h->by), "tafel-poke");
	snprintf(h->to[0], sizeof(h->to[0]), "%s", p->peer.org);
	h->nto = 1;
	if (strcmp(variant, "narrowed") == 0) {
		if (p->to == NULL)
			die(EX_USAGE, "history-narrowed needs --to ORG");
		snprintf(h->to[1], sizeof(h->to[1]), "%s", p->to);
		h->nto = 2;
	}
	h->time = es->time;
	h->lamport = 1;
	if (crypto_box_beforenm(k, p->peer.box_pk, p->s->box_sk) != 0)
		die(EX_LOCAL, "crypto_box_beforenm failed");
	wt.org = h->to[0];
	wt.k = k;
	if ((rc = tafel_body_encode("record", es->text, strlen(es->text),
	    &body, &bodylen)) != 0 ||
	    (rc = tafel_env_seal_key(h, body, bodylen, &wt, 1, p->s->sign_sk,
	    &inner, &innerlen, hb.key)) != 0 ||
	    (rc = tafel_env_parse(inner, innerlen, in)) != 0 ||
	    (rc = tafel_env_header_only(in, &ho, &holen)) != 0)
		die(EX_LOCAL, "cannot seal the relayed record: %s",
		    tafel_strerror(rc));
	if (strcmp(variant, "forged") == 0) {
		free(body);
		if (tafel_body_encode("record", "forged", 6, &body,
		    &bodylen) != 0)
			die(EX_LOCAL, "out of memory");
	}
	hb.env = ho;
	hb.envlen = holen;
	hb.content = true;
	hb.body = body;
	hb.bodylen = bodylen;
	if ((rc = tafel_history_encode(&hb, &hbuf, &hlen)) != 0)
		die(EX_LOCAL, "cannot encode the history: %s",
		    tafel_strerror(rc));
	/* The envelope around it, for the target alone. */
	memset(h, 0, sizeof(*h));
	snprintf(h->type, sizeof(h->type), "history");
	randombytes_buf(h->id, sizeof(h->id));
	snprintf(h->table, sizeof(h->table), "%s", es->table);
	h->tver = p->tver;
	memcpy(h->case_id, p->case_id, sizeof(h->case_id));
	snprintf(h->from, sizeof(h->from), "%s", p->self.org);
	snprintf(h->by, sizeof(h->by), "tafel-poke");
	snprintf(h->to[0], sizeof(h->to[0]), "%s", p->peer.org);
	h->nto = 1;
	h->time = es->time;
	if ((rc = tafel_env_seal(h, hbuf, hlen, &wt, 1, p->s->sign_sk, env,
	    envlen)) != 0)
		die(EX_LOCAL, "cannot seal: %s", tafel_strerror(rc));
	sodium_memzero(k, sizeof(k));
	sodium_memzero(hb.key, sizeof(hb.key));
	free(hbuf);
	free(ho);
	free(inner);
	free(body);
	free(in);
	free(h);
}

/* Builds the frames of a peer mode. */
static void
make_frames(struct poke *p, const char *mode, char **files, int nfiles)
{
	struct envspec es;
	uint8_t *env, *env2, *b;
	size_t envlen, env2len, len, i;

	envspec_init(p, &es);
	if (p->size > 64 * TAFEL_MAX_FRAME)
		die(EX_USAGE, "--size: at most %d bytes for a frame",
		    64 * TAFEL_MAX_FRAME);
	if (strcmp(mode, "file") == 0) {
		if (nfiles == 0)
			die(EX_USAGE, "file: name at least one file");
		for (i = 0; i < (size_t)nfiles; i++) {
			struct tafel_peer_msg m;
			struct frame *f;

			b = slurp(files[i], 4 * TAFEL_MAX_FRAME, &len);
			f = frame_add(p, b, len, "file %s", files[i]);
			/* A peer frame from a file: find its hash for acks. */
			if (tafel_peer_decode(b, len, &m) == 0 &&
			    m.type == TAFEL_PEER_ENV) {
				f->is_env = true;
				crypto_hash_sha256(f->h, m.env, m.envlen);
			}
		}
	} else if (strcmp(mode, "garbage") == 0) {
		len = p->size ? p->size : 256;
		frame_add(p, garbage(len), len, "garbage");
		add_raw_env(p, b = garbage(len), len,
		    "a peer frame carrying garbage as its envelope");
		free(b);
	} else if (strcmp(mode, "truncated") == 0) {
		seal(p, &es, &env, &envlen);
		if (tafel_peer_env_encode(env, envlen, &b, &len) != 0)
			die(EX_LOCAL, "cannot encode");
		frame_add(p, b, len / 2, "a peer frame cut in half");
		add_raw_env(p, env, envlen - 1,
		    "a peer frame carrying an envelope without its last byte");
		free(env);
	} else if (strcmp(mode, "oversized") == 0) {
		/* Over the protocol's cap, under the transport's. */
		len = p->size ? p->size : TAFEL_MAX_FRAME + 512;
		b = garbage(len);
		add_raw_env(p, b, len - 16, "a peer frame over 1 MiB");
		free(b);
	} else if (strcmp(mode, "huge") == 0) {
		/* Over the transport's cap (ZMQ_MAXMSGSIZE). */
		len = p->size ? p->size : 2 * TAFEL_MAX_FRAME;
		frame_add(p, garbage(len), len, "a frame of %zu bytes", len);
	} else if (strcmp(mode, "nested") == 0) {
		b = nested(NEST_DEPTH, &len);
		frame_add(p, b, len, "%d nested arrays", NEST_DEPTH);
		b = nested(NEST_DEPTH, &len);
		add_raw_env(p, b, len,
		    "a peer frame carrying nested arrays as its envelope");
		free(b);
	} else if (strcmp(mode, "multipart") == 0) {
		struct frame *f;

		seal(p, &es, &env, &envlen);
		f = add_env(p, env, envlen, "a valid envelope in 3 parts");
		f->parts = 3;
		f->is_env = false;	/* dropped before any ack */
	} else if (strcmp(mode, "ack") == 0) {
		uint8_t h[TAFEL_HASH_BYTES];

		randombytes_buf(h, sizeof(h));
		if (tafel_peer_ack_encode(h, TAFEL_ACK_OK, "", &b, &len) != 0)
			die(EX_LOCAL, "cannot encode an ack");
		frame_add(p, b, len, "an ack sent to the ROUTER");
	} else if (strcmp(mode, "record") == 0) {
		sealed_env(p, &es, "a valid record");
	} else if (strcmp(mode, "open") == 0) {
		es.type = "open";
		sealed_env(p, &es, "a valid open");
	} else if (strcmp(mode, "replay") == 0) {
		struct frame *f;

		seal(p, &es, &env, &envlen);
		f = add_env(p, env, envlen, "a valid record");
		b = copy(f->buf, f->len);
		len = f->len;
		f = frame_add(p, b, len, "the same record again (replay)");
		f->is_env = true;
		memcpy(f->h, p->f[p->nf - 2].h, sizeof(f->h));
	} else if (strcmp(mode, "reuse-id") == 0) {
		es.fixed_id = true;
		randombytes_buf(es.id, sizeof(es.id));
		sealed_env(p, &es, "a valid record");
		es.text = "another text under the same message id";
		sealed_env(p, &es, "another record with the same message id");
	} else if (strcmp(mode, "readdress") == 0) {
		if (es.to == NULL)
			die(EX_USAGE, "readdress needs --to ORG");
		sealed_env(p, &es, "a record addressed to another member");
	} else if (strcmp(mode, "impersonate") == 0) {
		if (es.from == NULL)
			die(EX_USAGE, "impersonate needs --from ORG");
		sealed_env(p, &es, "a record claiming another sender");
	} else if (strcmp(mode, "badsig") == 0) {
		size_t off, off2;

		seal(p, &es, &env, &envlen);
		seal(p, &es, &env2, &env2len);
		off = sig_offset(env, envlen);
		off2 = sig_offset(env2, env2len);
		memcpy(env + off, env2 + off2, crypto_sign_BYTES);
		free(env2);
		add_env(p, env, envlen,
		    "a record with another record's signature");
	} else if (strncmp(mode, "history", 7) == 0 && (mode[7] == '\0' ||
	    strcmp(mode + 7, "-forged") == 0 ||
	    strcmp(mode + 7, "-narrowed") == 0)) {
		history_env(p, &es, mode[7] ? mode + 8 : "", &env, &envlen);
		add_env(p, env, envlen, mode[7] == '\0' ?
		    "an earlier record, relayed with its content" :
		    mode[8] == 'f' ? "a relayed record with a forged body" :
		    "a relayed record narrowed to the target");
	} else if (strcmp(mode, "tamper") == 0) {
		seal(p, &es, &env, &envlen);
		env[ct_offset(env, envlen)] ^= 0x01;
		add_env(p, env, envlen,
		    "a record with one bit of its ciphertext flipped");
	} else if (strcmp(mode, "unknown-table") == 0) {
		es.table = "no-such-table";
		sealed_env(p, &es, "a record for a table not adopted there");
	} else if (strcmp(mode, "unknown-case") == 0) {
		es.random_case = true;
		sealed_env(p, &es, "a record for a case not known there");
	} else if (strcmp(mode, "future") == 0) {
		es.time = (uint64_t)time(NULL) + 100 * YEAR;
		sealed_env(p, &es, "a record dated 100 years ahead");
	} else if (strcmp(mode, "past") == 0) {
		es.time = 1;
		sealed_env(p, &es, "a record dated 1970-01-01");
	} else if (strcmp(mode, "flood") == 0) {
		size_t n = p->count ? p->count : 10000;
		uint8_t *bs;
		size_t bslen;

		/* One template of each kind, then copies round-robin. */
		seal(p, &es, &env, &envlen);
		seal(p, &es, &env2, &env2len);
		memcpy(env + sig_offset(env, envlen),
		    env2 + sig_offset(env2, env2len), crypto_sign_BYTES);
		free(env2);
		if (tafel_peer_env_encode(env, envlen, &bs, &bslen) != 0)
			die(EX_LOCAL, "cannot encode");
		for (i = 0; i < n; i++) {
			struct frame *f;

			switch (i % 4) {
			case 0:
				frame_add(p, garbage(64), 64, "garbage");
				break;
			case 1:
				b = nested(64, &len);
				frame_add(p, b, len, "nested");
				break;
			case 2:
				frame_add(p, copy(bs, bslen / 2), bslen / 2,
				    "truncated");
				break;
			default:
				f = frame_add(p, copy(bs, bslen), bslen,
				    "bad signature");
				f->is_env = true;
				crypto_hash_sha256(f->h, env, envlen);
				break;
			}
		}
		free(bs);
		free(env);
	} else
		die(EX_USAGE, "unknown mode %s", mode);
	if (p->nf > MAX_FRAMES)
		die(EX_USAGE, "too many frames");
}

/* The sync frame: refused without a write, in order with the rest. */
static struct frame *
sync_frame(struct poke *p)
{
	struct envspec es;

	envspec_init(p, &es);
	es.table = SYNC_TABLE;
	es.random_case = true;
	sealed_env(p, &es, "sync");
	return &p->f[p->nf - 1];
}

static void
save_frames(struct poke *p)
{
	FILE *fp;

	if (p->save == NULL || p->nf == 0)
		return;
	if ((fp = fopen(p->save, "we")) == NULL ||
	    fwrite(p->f[0].buf, 1, p->f[0].len, fp) != p->f[0].len ||
	    fclose(fp) != 0)
		die(EX_LOCAL, "%s: %s", p->save, strerror(errno));
}

/* ZeroMQ. */

static const char *
event_name(unsigned ev)
{
	switch (ev) {
	case ZMQ_EVENT_CONNECTED:
		return "connected";
	case ZMQ_EVENT_CONNECT_DELAYED:
		return "connect-delayed";
	case ZMQ_EVENT_CONNECT_RETRIED:
		return "connect-retried";
	case ZMQ_EVENT_CLOSED:
		return "closed";
	case ZMQ_EVENT_DISCONNECTED:
		return "disconnected";
	case ZMQ_EVENT_MONITOR_STOPPED:
		return "monitor-stopped";
	case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
		return "handshake-failed-no-detail";
	case ZMQ_EVENT_HANDSHAKE_SUCCEEDED:
		return "handshake-succeeded";
	case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
		return "handshake-failed-protocol";
	case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
		return "handshake-failed-auth";
	default:
		return "other";
	}
}

/* One monitor event, or 0 when none is waiting. */
static unsigned
monitor_read(void *mon, uint32_t *value)
{
	zmq_msg_t m;
	uint8_t *d;
	uint16_t ev;
	int more;

	zmq_msg_init(&m);
	if (zmq_msg_recv(&m, mon, ZMQ_DONTWAIT) == -1) {
		zmq_msg_close(&m);
		return 0;
	}
	ev = 0;
	*value = 0;
	if (zmq_msg_size(&m) >= 6) {
		d = zmq_msg_data(&m);
		memcpy(&ev, d, 2);
		memcpy(value, d + 2, 4);
	}
	more = zmq_msg_more(&m);
	zmq_msg_close(&m);
	while (more) {
		zmq_msg_init(&m);
		if (zmq_msg_recv(&m, mon, 0) == -1) {
			zmq_msg_close(&m);
			break;
		}
		more = zmq_msg_more(&m);
		zmq_msg_close(&m);
	}
	return ev;
}

static bool
event_is_failure(unsigned ev)
{
	return ev == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL ||
	    ev == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL ||
	    ev == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH ||
	    ev == ZMQ_EVENT_DISCONNECTED;
}

static void
print_event(unsigned ev, uint32_t value)
{
	printf("event: %s (value %" PRIu32 ", 0x%" PRIx32 ")\n",
	    event_name(ev), value, value);
}

enum keymode {
	KEY_OURS,	/* DIR's transport key, the target's server key */
	KEY_STRANGER,	/* a fresh client key nobody admitted */
	KEY_WRONG,	/* DIR's key, but a wrong server key */
	KEY_NONE	/* no CURVE at all */
};

static void *
dealer_new(struct poke *p, void *ctx, enum keymode km)
{
	uint8_t pk[32], sk[32], wrong[32];
	int zero = 0, on = 1, hwm = 0, ivl = 10000;
	void *s;

	if ((s = zmq_socket(ctx, ZMQ_DEALER)) == NULL)
		die(EX_LOCAL, "zmq_socket: %s", zmq_strerror(zmq_errno()));
	if (zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof(zero)) != 0 ||
	    zmq_setsockopt(s, ZMQ_SNDHWM, &hwm, sizeof(hwm)) != 0 ||
	    zmq_setsockopt(s, ZMQ_RCVHWM, &hwm, sizeof(hwm)) != 0 ||
	    zmq_setsockopt(s, ZMQ_RECONNECT_IVL, &ivl, sizeof(ivl)) != 0 ||
	    zmq_setsockopt(s, ZMQ_IMMEDIATE, &on, sizeof(on)) != 0)
		die(EX_LOCAL, "zmq_setsockopt: %s", zmq_strerror(zmq_errno()));
	if (km == KEY_NONE)
		return s;
	if (km == KEY_STRANGER) {
		crypto_box_keypair(pk, sk);
	} else {
		if (!p->have_self)
			load_self(p);
		memcpy(pk, p->s->curve_pk, 32);
		memcpy(sk, p->s->curve_sk, 32);
	}
	if (km == KEY_WRONG) {
		uint8_t junk[32];

		crypto_box_keypair(wrong, junk);
		sodium_memzero(junk, sizeof(junk));
	}
	if (zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, km == KEY_WRONG ? wrong :
	    p->peer.curve_pk, 32) != 0 ||
	    zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, pk, 32) != 0 ||
	    zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, sk, 32) != 0)
		die(EX_LOCAL, "CURVE options: %s", zmq_strerror(zmq_errno()));
	sodium_memzero(sk, sizeof(sk));
	return s;
}

struct acks {
	size_t	ok, refused, retry, unmatched;
	bool	synced;
};

/* One answer (an ack, or an item of a receipt); prints it. */
static void
one_answer(struct poke *p, struct frame *sync, struct acks *a,
    const struct tafel_peer_msg *mp)
{
	const struct tafel_peer_msg m = *mp;
	size_t i, num;

	{
		if (sync != NULL && memcmp(m.h, sync->h, 32) == 0) {
			a->synced = true;
			printf("sync: answered (%s: %s)\n",
			    tafel_ack_status_name(m.st), m.why);
			return;
		}
		switch (m.st) {
		case TAFEL_ACK_OK:
			a->ok++;
			break;
		case TAFEL_ACK_REFUSED:
			a->refused++;
			break;
		default:
			a->retry++;
			break;
		}
		/* The number of the frame it answers, as in "sent N". */
		num = 0;
		for (i = 0; i < p->nf && num == 0; i++)
			if (p->f[i].is_env && memcmp(p->f[i].h, m.h, 32) == 0)
				num = i + 1;
		if (num == 0)
			a->unmatched++;
		if (!p->quiet || m.st != TAFEL_ACK_REFUSED)
			printf("ack %zu: %s: %s\n", num,
			    tafel_ack_status_name(m.st), m.why);
	}
}

/*
 * Reads every answer waiting on s: acks, and signed receipts (checked
 * against the target's card), whose items count as acks.
 */
static void
read_acks(struct poke *p, void *s, struct frame *sync, struct acks *a)
{
	struct tafel_peer_msg m, im;
	struct tafel_rcpt r;
	zmq_msg_t msg;
	size_t i;
	int rc;

	for (;;) {
		zmq_msg_init(&msg);
		if (zmq_msg_recv(&msg, s, ZMQ_DONTWAIT) == -1) {
			zmq_msg_close(&msg);
			return;
		}
		if (tafel_peer_decode(zmq_msg_data(&msg), zmq_msg_size(&msg),
		    &m) != 0 || (m.type != TAFEL_PEER_ACK &&
		    m.type != TAFEL_PEER_RCPT)) {
			printf("reply: %zu bytes that are not an ack\n",
			    zmq_msg_size(&msg));
			a->unmatched++;
			zmq_msg_close(&msg);
			continue;
		}
		if (m.type == TAFEL_PEER_ACK) {
			zmq_msg_close(&msg);
			one_answer(p, sync, a, &m);
			continue;
		}
		rc = tafel_rcpt_verify(m.env, m.envlen, p->peer.sign_pk, &r);
		zmq_msg_close(&msg);
		if (rc != 0) {
			printf("reply: a receipt that does not verify: %s\n",
			    tafel_strerror(rc));
			a->unmatched++;
			continue;
		}
		if (strcmp(r.by, p->peer.org) != 0 ||
		    strcmp(r.to, p->self.org) != 0)
			printf("reply: a receipt from %s to %s\n", r.by, r.to);
		for (i = 0; i < r.nitems; i++) {
			memset(&im, 0, sizeof(im));
			im.type = TAFEL_PEER_ACK;
			memcpy(im.h, r.items[i].h, 32);
			im.st = r.items[i].st;
			snprintf(im.why, sizeof(im.why), "%s", r.items[i].why);
			one_answer(p, sync, a, &im);
		}
		free(r.items);
	}
}

static int
send_frame(void *s, const struct frame *f)
{
	int i;

	for (i = 0; i < f->parts; i++)
		if (zmq_send(s, f->buf, f->len, i + 1 < f->parts ?
		    ZMQ_SNDMORE : 0) == -1)
			return -1;
	return 0;
}

static int
run_peer(struct poke *p, enum keymode km)
{
	struct frame *sync = NULL;
	struct acks a;
	zmq_pollitem_t items[2];
	uint64_t deadline;
	uint32_t value;
	unsigned ev;
	void *ctx, *s, *mon;
	size_t i, next = 0;
	int rc, status = 0;
	bool up = false, gone = false;

	memset(&a, 0, sizeof(a));
	if (!p->no_sync && km == KEY_OURS)
		sync = sync_frame(p);
	if ((ctx = zmq_ctx_new()) == NULL)
		die(EX_LOCAL, "zmq_ctx_new");
	s = dealer_new(p, ctx, km);
	if (zmq_socket_monitor(s, "inproc://poke-monitor", ZMQ_EVENT_ALL) != 0)
		die(EX_LOCAL, "zmq_socket_monitor: %s",
		    zmq_strerror(zmq_errno()));
	if ((mon = zmq_socket(ctx, ZMQ_PAIR)) == NULL ||
	    zmq_connect(mon, "inproc://poke-monitor") != 0)
		die(EX_LOCAL, "monitor: %s", zmq_strerror(zmq_errno()));
	if (zmq_connect(s, p->peer.endpoints[0]) != 0)
		die(EX_LOCAL, "connect %s: %s", p->peer.endpoints[0],
		    zmq_strerror(zmq_errno()));
	printf("connecting to %s (%s) as %s\n", p->peer.endpoints[0],
	    p->peer.org, km == KEY_STRANGER ? "a stranger" :
	    km == KEY_NONE ? "a client without CURVE" :
	    km == KEY_WRONG ? "a client pinning a wrong server key" :
	    p->self.org);

	deadline = now_ms() + p->wait_ms;
	items[0].socket = mon;
	items[0].events = ZMQ_POLLIN;
	items[1].socket = s;
	items[1].events = ZMQ_POLLIN;
	for (;;) {
		uint64_t now = now_ms();

		if (up && (sync == NULL ? next == p->nf : a.synced))
			break;
		if (gone || now >= deadline)
			break;
		items[1].events = ZMQ_POLLIN |
		    (up && next < p->nf ? ZMQ_POLLOUT : 0);
		rc = zmq_poll(items, 2, (long)(deadline - now));
		if (rc == -1 && zmq_errno() != EINTR)
			die(EX_LOCAL, "zmq_poll: %s", zmq_strerror(zmq_errno()));
		while ((ev = monitor_read(mon, &value)) != 0) {
			if (!p->quiet || ev != ZMQ_EVENT_CONNECT_RETRIED)
				print_event(ev, value);
			if (ev == ZMQ_EVENT_HANDSHAKE_SUCCEEDED && !up) {
				up = true;
				/* Frames go out from now; so does the clock. */
				deadline = now_ms() + p->wait_ms +
				    p->nf / 2;
			} else if (event_is_failure(ev))
				gone = true;
		}
		read_acks(p, s, sync, &a);
		/* Send as much as the socket takes, a batch at a time. */
		for (i = 0; up && next < p->nf && i < 256; i++) {
			if (send_frame(s, &p->f[next]) == -1) {
				if (zmq_errno() == EAGAIN)
					break;
				die(EX_LOCAL, "send: %s",
				    zmq_strerror(zmq_errno()));
			}
			if (!p->quiet || &p->f[next] == sync)
				printf("sent %zu: %s (%zu bytes%s)\n", next + 1,
				    p->f[next].what, p->f[next].len,
				    p->f[next].parts > 1 ? " per part" : "");
			next++;
		}
	}
	/* Acks that arrived with the last events. */
	read_acks(p, s, sync, &a);
	if (!up) {
		printf("result: no connection: %s\n", gone ?
		    "the daemon refused the handshake" :
		    "no handshake within the wait");
		status = EX_REFUSED;
	} else if (gone) {
		printf("result: %zu of %zu frames sent; the daemon dropped "
		    "the connection\n", next, p->nf);
		status = EX_REFUSED;
	} else if (sync != NULL && !a.synced) {
		printf("result: %zu frames sent; no answer within %" PRIu64
		    " ms\n", next, p->wait_ms);
		status = EX_SILENT;
	} else
		printf("result: %zu frames sent; acks: %zu ok, %zu refused, "
		    "%zu retry, %zu unmatched\n", sync ? next - 1 : next,
		    a.ok, a.refused, a.retry, a.unmatched);
	fflush(stdout);
	zmq_socket_monitor(s, NULL, 0);
	zmq_close(mon);
	zmq_close(s);
	zmq_ctx_term(ctx);
	return status;
}

/* Raw TCP connections that never finish the ZMTP handshake. */
static int
run_stall(struct poke *p)
{
	struct addrinfo hints, *res;
	const char *ep = p->peer.endpoints[0];
	char host[256], *port;
	struct pollfd *pfd;
	uint64_t start, *closed_at, last = 0;
	size_t n = p->conns ? p->conns : 20, i, nclosed = 0;
	/* The first bytes of a ZMTP 3 greeting, and nothing more. */
	static const uint8_t part[] = { 0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f };
	char c;

	if (strncmp(ep, "tcp://", 6) != 0 ||
	    snprintf(host, sizeof(host), "%s", ep + 6) >= (int)sizeof(host) ||
	    (port = strrchr(host, ':')) == NULL)
		die(EX_LOCAL, "%s: not a tcp endpoint", ep);
	*port++ = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, port, &hints, &res) != 0)
		die(EX_LOCAL, "%s: cannot resolve", ep);
	if ((pfd = calloc(n, sizeof(*pfd))) == NULL ||
	    (closed_at = calloc(n, sizeof(*closed_at))) == NULL)
		die(EX_LOCAL, "out of memory");
	start = now_ms();
	for (i = 0; i < n; i++) {
		if ((pfd[i].fd = socket(res->ai_family, SOCK_STREAM, 0)) == -1 ||
		    connect(pfd[i].fd, res->ai_addr, res->ai_addrlen) == -1)
			die(EX_LOCAL, "connect %s: %s", ep, strerror(errno));
		if (write(pfd[i].fd, part, sizeof(part)) != sizeof(part))
			die(EX_LOCAL, "write: %s", strerror(errno));
		pfd[i].events = POLLIN;
	}
	freeaddrinfo(res);
	printf("stall: %zu connections open, each stopped after %zu bytes "
	    "of the greeting\n", n, sizeof(part));
	fflush(stdout);
	while (nclosed < n && now_ms() - start < p->hold_s * 1000) {
		if (poll(pfd, n, 100) == -1 && errno != EINTR)
			die(EX_LOCAL, "poll: %s", strerror(errno));
		for (i = 0; i < n; i++) {
			if (pfd[i].fd == -1 || pfd[i].revents == 0)
				continue;
			/* Greeting bytes may come first; wait for the end. */
			if (read(pfd[i].fd, &c, 1) > 0)
				continue;
			close(pfd[i].fd);
			pfd[i].fd = -1;
			closed_at[i] = now_ms() - start;
			if (closed_at[i] > last)
				last = closed_at[i];
			nclosed++;
		}
	}
	for (i = 0; i < n; i++)
		if (pfd[i].fd != -1)
			close(pfd[i].fd);
	printf("result: %zu of %zu stalled connections closed by the daemon "
	    "(the last after %" PRIu64 " ms); %zu still open after %" PRIu64
	    " s\n", nclosed, n, last, n - nclosed, p->hold_s);
	free(pfd);
	free(closed_at);
	return nclosed == n ? 0 : EX_SILENT;
}

/* The control socket. */

static void
put_len(uint8_t b[4], size_t n)
{
	b[0] = (uint8_t)(n >> 24);
	b[1] = (uint8_t)(n >> 16);
	b[2] = (uint8_t)(n >> 8);
	b[3] = (uint8_t)n;
}

static bool
write_all(int fd, const uint8_t *b, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, b, n)) == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		b += w;
		n -= (size_t)w;
	}
	return true;
}

/* Reads exactly n bytes before the deadline; returns the count read. */
static size_t
read_full(int fd, uint8_t *b, size_t n, uint64_t deadline)
{
	struct pollfd pfd;
	size_t got = 0;
	ssize_t r;
	uint64_t now;

	pfd.fd = fd;
	pfd.events = POLLIN;
	while (got < n && (now = now_ms()) < deadline) {
		if (poll(&pfd, 1, (int)(deadline - now)) <= 0)
			continue;
		if ((r = read(fd, b + got, n - got)) == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	return got;
}

static void
ctl_request(struct tafel_mpw *w, const char *op)
{
	tafel_ctl_req_begin(w, op);
	tafel_mpw_map(w, 0);
}

/*
 * ctl-flood: --conns status requests (or the request in FILE) in flight
 * for --hold seconds, each connection made again as soon as it is
 * answered, so that the daemon's listening socket has a connection
 * waiting at almost every turn.  Exit 0 when every request was
 * answered, EX_SILENT when one was closed without an answer.
 */
static int
run_ctl_flood(struct poke *p, char **files, int nfiles)
{
	enum { MAXC = 256 };
	struct pollfd pfd[MAXC];
	struct sockaddr_un sun;
	struct tafel_mpw w;
	uint8_t *req, *frame, buf[4096];
	size_t reqlen, n = p->conns ? p->conns : 32, i, answered = 0,
	    dropped = 0;
	uint64_t start = now_ms();
	ssize_t r;

	if (n > MAXC)
		die(EX_USAGE, "ctl-flood: at most %d connections", MAXC);
	if (nfiles > 1)
		die(EX_USAGE, "ctl-flood: at most one file");
	tafel_mpw_init(&w);
	ctl_request(&w, "status");
	if (nfiles == 1)
		req = slurp(files[0], TAFEL_MAX_FRAME, &reqlen);
	else if (tafel_mpw_finish(&w, &req, &reqlen) != 0)
		die(EX_LOCAL, "out of memory");
	tafel_mpw_free(&w);
	if ((frame = malloc(4 + reqlen)) == NULL)
		die(EX_LOCAL, "out of memory");
	put_len(frame, reqlen);
	memcpy(frame + 4, req, reqlen);
	free(req);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if ((size_t)snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/%s",
	    p->dir, TAFEL_CTL_SOCK) >= sizeof(sun.sun_path))
		die(EX_USAGE, "-d: path too long");
	for (i = 0; i < n; i++)
		pfd[i].fd = -1;
	while (now_ms() - start < p->hold_s * 1000) {
		for (i = 0; i < n; i++) {
			if (pfd[i].fd != -1)
				continue;
			/* A full backlog: try again at the next round. */
			if ((pfd[i].fd = socket(AF_UNIX, SOCK_STREAM |
			    SOCK_CLOEXEC, 0)) == -1)
				die(EX_LOCAL, "socket: %s", strerror(errno));
			if (connect(pfd[i].fd, (struct sockaddr *)&sun,
			    sizeof(sun)) == -1 ||
			    !write_all(pfd[i].fd, frame, 4 + reqlen)) {
				close(pfd[i].fd);
				pfd[i].fd = -1;
				continue;
			}
			pfd[i].events = POLLIN;
		}
		if (poll(pfd, n, 100) == -1 && errno != EINTR)
			die(EX_LOCAL, "poll: %s", strerror(errno));
		for (i = 0; i < n; i++) {
			if (pfd[i].fd == -1 || !(pfd[i].revents &
			    (POLLIN | POLLHUP | POLLERR)))
				continue;
			/* A status answer fits; its length says it came. */
			if ((r = read(pfd[i].fd, buf, sizeof(buf))) >= 4)
				answered++;
			else
				dropped++;
			close(pfd[i].fd);
			pfd[i].fd = -1;
		}
	}
	for (i = 0; i < n; i++)
		if (pfd[i].fd != -1)
			close(pfd[i].fd);
	free(frame);
	printf("result: %zu answered, %zu closed without an answer\n",
	    answered, dropped);
	return dropped == 0 && answered > 0 ? 0 : EX_SILENT;
}

/*
 * ctl-noread: a client that asked and then does not read, until the
 * daemon closes its end (POLLRDHUP, which does not need a read) or for
 * hold_s seconds.  Afterwards it reads what is there, and says how much
 * of the answer came and whether the daemon had closed the connection.
 * Exit 0 when the whole answer came.
 */
static int
noread(int fd, uint64_t hold_s)
{
	uint8_t buf[65536], hdr[4];
	size_t got = 0, want = 0, i;
	struct pollfd pfd;
	uint64_t end = now_ms() + hold_s * 1000, now;
	ssize_t r;
	bool closed = false;

	pfd.fd = fd;
	pfd.events = POLLRDHUP;
	while ((now = now_ms()) < end) {
		pfd.revents = 0;
		if (poll(&pfd, 1, (int)(end - now)) == -1 && errno != EINTR)
			die(EX_LOCAL, "poll: %s", strerror(errno));
		if (pfd.revents & (POLLRDHUP | POLLHUP | POLLERR))
			break;
	}
	for (;;) {
		if ((r = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) == -1 &&
		    errno == EINTR)
			continue;
		if (r == 0)
			closed = true;
		if (r <= 0)
			break;
		for (i = 0; got + i < 4 && i < (size_t)r; i++)
			hdr[got + i] = buf[i];
		got += (size_t)r;
		if (want == 0 && got >= 4)
			want = 4 + ((size_t)hdr[0] << 24 | (size_t)hdr[1] << 16 |
			    (size_t)hdr[2] << 8 | hdr[3]);
	}
	close(fd);
	printf("result: %zu bytes of an answer of %zu, then %s\n", got,
	    want, closed ? "closed by the daemon" : "still open");
	return want > 0 && got == want ? 0 : EX_SILENT;
}

static int
run_ctl(struct poke *p, const char *mode, char **files, int nfiles)
{
	struct sockaddr_un sun;
	struct tafel_mpw w;
	struct tafel_ctl_resp r;
	msgpack_unpacked u;
	uint8_t hdr[4], *req = NULL, *resp;
	size_t reqlen = 0, prefix, sendlen, got, n;
	uint64_t start;
	bool half_close = false;
	int fd;

	tafel_mpw_init(&w);
	if (strcmp(mode, "ctl-status") == 0) {
		ctl_request(&w, "status");
	} else if (strcmp(mode, "ctl-unknown-op") == 0) {
		ctl_request(&w, "frobnicate");
	} else if (strcmp(mode, "ctl-garbage") == 0) {
		reqlen = p->size ? p->size : 256;
		if (reqlen > 64 * TAFEL_MAX_FRAME)
			die(EX_USAGE, "--size: at most %d bytes of garbage",
			    64 * TAFEL_MAX_FRAME);
		req = garbage(reqlen);
	} else if (strcmp(mode, "ctl-nested") == 0) {
		req = nested(NEST_DEPTH, &reqlen);
	} else if (strcmp(mode, "ctl-file") == 0 ||
	    strcmp(mode, "ctl-noread") == 0) {
		if (nfiles != 1)
			die(EX_USAGE, "%s: name one file", mode);
		req = slurp(files[0], 4 * TAFEL_MAX_FRAME, &reqlen);
	} else if (strcmp(mode, "ctl-truncated") == 0 ||
	    strcmp(mode, "ctl-oversized") == 0 ||
	    strcmp(mode, "ctl-zero") == 0 || strcmp(mode, "ctl-stall") == 0 ||
	    strcmp(mode, "ctl-slow") == 0) {
		ctl_request(&w, "status");
	} else
		die(EX_USAGE, "unknown mode %s", mode);
	if (req == NULL && tafel_mpw_finish(&w, &req, &reqlen) != 0)
		die(EX_LOCAL, "out of memory");
	tafel_mpw_free(&w);

	/* What goes on the wire: the prefix, and how much of the body. */
	prefix = reqlen;
	sendlen = reqlen;
	if (strcmp(mode, "ctl-truncated") == 0) {
		sendlen = reqlen / 2;
		half_close = true;
	} else if (strcmp(mode, "ctl-oversized") == 0) {
		prefix = p->size ? p->size : 2 * TAFEL_MAX_FRAME;
		sendlen = 0;
	} else if (strcmp(mode, "ctl-zero") == 0) {
		prefix = 0;
		sendlen = 0;
	}

	if (p->dir == NULL)
		die(EX_USAGE, "control modes need -d DIR");
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if ((size_t)snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/%s",
	    p->dir, TAFEL_CTL_SOCK) >= sizeof(sun.sun_path))
		die(EX_USAGE, "-d: path too long");
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		die(EX_LOCAL, "socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		die(EX_LOCAL, "connect %s: %s", sun.sun_path, strerror(errno));
	start = now_ms();
	if (strcmp(mode, "ctl-stall") == 0) {
		printf("sent: nothing; waiting up to %" PRIu64 " s\n",
		    p->hold_s);
	} else {
		put_len(hdr, prefix);
		/* The daemon may answer and close early: EPIPE is fine. */
		if (write_all(fd, hdr, 4)) {
			/* ctl-slow: the daemon must come back for the rest. */
			if (strcmp(mode, "ctl-slow") == 0)
				usleep(500 * 1000);
			(void)write_all(fd, req, sendlen);
		}
		printf("sent: length prefix %zu, then %zu bytes of %s\n",
		    prefix, sendlen, mode + 4);
		if (half_close)
			shutdown(fd, SHUT_WR);
	}
	fflush(stdout);
	free(req);
	if (strcmp(mode, "ctl-noread") == 0)
		return noread(fd, p->hold_s);

	got = read_full(fd, hdr, 4, start + p->hold_s * 1000);
	if (got < 4) {
		close(fd);
		printf("result: %s after %" PRIu64 " ms, without an answer\n",
		    got == 0 && now_ms() - start < p->hold_s * 1000 ?
		    "closed by the daemon" : "nothing", now_ms() - start);
		return EX_SILENT;
	}
	n = (size_t)hdr[0] << 24 | (size_t)hdr[1] << 16 |
	    (size_t)hdr[2] << 8 | hdr[3];
	if (n == 0 || n > TAFEL_MAX_FRAME)
		die(EX_LOCAL, "answer with a bad length prefix %zu", n);
	if ((resp = malloc(n)) == NULL)
		die(EX_LOCAL, "out of memory");
	if (read_full(fd, resp, n, start + p->hold_s * 1000) != n)
		die(EX_LOCAL, "truncated answer");
	close(fd);
	if (tafel_ctl_resp_decode(&u, resp, n, &r) != 0)
		die(EX_LOCAL, "an answer that does not decode");
	if (r.ok)
		printf("result: answer ok\n");
	else
		printf("result: answer error %s: %s\n", r.code, r.msg);
	msgpack_unpacked_destroy(&u);
	free(resp);
	return 0;
}

/*
 * ctl-serve-reverse: a daemon that answers late and out of order, for
 * the client's side (tafel record import).  Listens on DIR/tafeld.sock
 * (no tafeld may run there), accepts --conns connections, reads each
 * record.add whole, and only then answers them, the last one first: ok
 * with "record" the first 16 bytes of SHA-256 of the request's text, in
 * hex, so that a client can be checked to print each file with its own
 * answer; 100 ms apart, so that the client takes them one at a time.
 * A text of "HANGUP" gets no answer: its connection is closed.  A text
 * of "NOID" gets an ok that names no record.  Prints "read N" as each
 * request is in.  Gives up after --hold SEC (closing every connection
 * unanswered).  Exit 0 when all were served.
 */
static int
run_ctl_serve_reverse(struct poke *p)
{
	enum { MAXC = 256 };
	struct sockaddr_un sun;
	struct tafel_ctl_req r;
	msgpack_unpacked u;
	struct tafel_mpw w;
	const msgpack_object *text;
	uint8_t hdr[4], *req, *resp, h[32];
	char hex[33];
	size_t n = p->conns ? p->conns : 8, i, len, resplen, hung = 0;
	uint64_t deadline = now_ms() + p->hold_s * 1000;
	int lfd, fd[MAXC];
	char ids[MAXC][33];
	bool hangup[MAXC], noid[MAXC];
	uint32_t k;

	if (n > MAXC)
		die(EX_USAGE, "ctl-serve-reverse: at most %d connections",
		    MAXC);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if ((size_t)snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/%s",
	    p->dir, TAFEL_CTL_SOCK) >= sizeof(sun.sun_path))
		die(EX_USAGE, "-d: path too long");
	if ((lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    bind(lfd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    listen(lfd, MAXC) == -1)
		die(EX_LOCAL, "listen on %s: %s", sun.sun_path,
		    strerror(errno));
	printf("listening\n");
	fflush(stdout);
	for (i = 0; i < n; i++) {
		struct pollfd pfd = { .fd = lfd, .events = POLLIN };

		if (poll(&pfd, 1, (int)(deadline - now_ms())) <= 0 ||
		    (fd[i] = accept(lfd, NULL, NULL)) == -1)
			die(EX_SILENT, "only %zu connections came", i);
		if (read_full(fd[i], hdr, 4, deadline) != 4)
			die(EX_SILENT, "connection %zu sent no request", i);
		len = (size_t)hdr[0] << 24 | (size_t)hdr[1] << 16 |
		    (size_t)hdr[2] << 8 | hdr[3];
		if (len == 0 || len > TAFEL_MAX_FRAME ||
		    (req = malloc(len)) == NULL ||
		    read_full(fd[i], req, len, deadline) != len)
			die(EX_SILENT, "connection %zu: no whole request", i);
		if (tafel_ctl_req_decode(&u, req, len, &r) != 0 ||
		    strcmp(r.op, "record.add") != 0)
			die(EX_LOCAL, "connection %zu: not a record.add", i);
		text = NULL;
		for (k = 0; k < r.args->via.map.size; k++)
			if (tafel_mp_streq(&r.args->via.map.ptr[k].key,
			    "text"))
				text = &r.args->via.map.ptr[k].val;
		if (text == NULL || text->type != MSGPACK_OBJECT_STR)
			die(EX_LOCAL, "connection %zu: no text", i);
		hangup[i] = text->via.str.size == 6 &&
		    memcmp(text->via.str.ptr, "HANGUP", 6) == 0;
		noid[i] = text->via.str.size == 4 &&
		    memcmp(text->via.str.ptr, "NOID", 4) == 0;
		crypto_hash_sha256(h, (const uint8_t *)text->via.str.ptr,
		    text->via.str.size);
		tafel_hex(hex, h, 16);
		memcpy(ids[i], hex, sizeof(ids[i]));
		msgpack_unpacked_destroy(&u);
		free(req);
		printf("read %zu\n", i + 1);
		fflush(stdout);
	}
	for (i = n; i-- > 0;) {
		if (hangup[i]) {
			close(fd[i]);
			hung++;
			continue;
		}
		tafel_mpw_init(&w);
		tafel_ctl_ok_begin(&w);
		tafel_mpw_map(&w, noid[i] ? 0 : 1);
		if (!noid[i]) {
			tafel_mpw_str(&w, "record");
			tafel_mpw_str(&w, ids[i]);
		}
		if (tafel_mpw_finish(&w, &resp, &resplen) != 0)
			die(EX_LOCAL, "out of memory");
		put_len(hdr, resplen);
		(void)(write_all(fd[i], hdr, 4) &&
		    write_all(fd[i], resp, resplen));
		free(resp);
		close(fd[i]);
		/* Apart, so that the client sees them one by one. */
		usleep(100 * 1000);
	}
	close(lfd);
	unlink(sun.sun_path);
	printf("result: %zu served, the last first; %zu hung up\n", n,
	    hung);
	return 0;
}

/* A process holding an LMDB reader slot, to be killed by the test. */
static int
run_lmdb_reader(const char *path, bool txn)
{
	MDB_env *env;
	MDB_txn *t;
	int rc;

	if ((rc = mdb_env_create(&env)) != 0 ||
	    (rc = mdb_env_set_maxdbs(env, 16)) != 0 ||
	    (rc = mdb_env_open(env, path, MDB_RDONLY | MDB_NOTLS, 0600)) != 0)
		die(EX_LOCAL, "%s: %s", path, mdb_strerror(rc));
	if (txn && (rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &t)) != 0)
		die(EX_LOCAL, "%s: %s", path, mdb_strerror(rc));
	printf("holding %s (pid %ld)\n", txn ? "a read transaction" :
	    "the environment open", (long)getpid());
	fflush(stdout);
	for (;;)
		pause();
}

int
main(int argc, char *argv[])
{
	struct poke p;
	const char *mode = NULL;
	char **files = NULL;
	int i, nfiles = 0, status;

	memset(&p, 0, sizeof(p));
	p.cat = "context";
	p.text = "A record from tafel-poke.";
	p.tver = 1;
	p.wait_ms = 5000;
	p.hold_s = 12;
	signal(SIGPIPE, SIG_IGN);
	if (sodium_init() < 0)
		die(EX_LOCAL, "libsodium cannot initialise");
	if ((files = calloc((size_t)argc, sizeof(*files))) == NULL)
		die(EX_LOCAL, "out of memory");
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "-d") == 0)
			p.dir = optval(argc, argv, &i);
		else if (strcmp(a, "-c") == 0)
			p.card_path = optval(argc, argv, &i);
		else if (strcmp(a, "-t") == 0)
			p.table = optval(argc, argv, &i);
		else if (strcmp(a, "--case") == 0) {
			if (tafel_unhex(p.case_id, sizeof(p.case_id),
			    optval(argc, argv, &i)) != 0)
				die(EX_USAGE, "--case: not 32 hex digits");
			p.has_case = true;
		} else if (strcmp(a, "--cat") == 0)
			p.cat = optval(argc, argv, &i);
		else if (strcmp(a, "--text") == 0)
			p.text = optval(argc, argv, &i);
		else if (strcmp(a, "--from") == 0)
			p.from = optval(argc, argv, &i);
		else if (strcmp(a, "--to") == 0)
			p.to = optval(argc, argv, &i);
		else if (strcmp(a, "--save") == 0)
			p.save = optval(argc, argv, &i);
		else if (strcmp(a, "--tver") == 0)
			p.tver = number(a, optval(argc, argv, &i), 1,
			    UINT64_MAX);
		else if (strcmp(a, "--count") == 0)
			p.count = number(a, optval(argc, argv, &i), 1,
			    MAX_FRAMES);
		else if (strcmp(a, "--size") == 0)
			p.size = number(a, optval(argc, argv, &i), 16,
			    UINT32_MAX);
		else if (strcmp(a, "--wait") == 0)
			p.wait_ms = number(a, optval(argc, argv, &i), 1,
			    600000);
		else if (strcmp(a, "--hold") == 0)
			p.hold_s = number(a, optval(argc, argv, &i), 1, 600);
		else if (strcmp(a, "--conns") == 0)
			p.conns = number(a, optval(argc, argv, &i), 1, 1000);
		else if (strcmp(a, "--no-sync") == 0)
			p.no_sync = true;
		else if (strcmp(a, "--no-txn") == 0)
			p.no_txn = true;
		else if (strcmp(a, "-q") == 0)
			p.quiet = true;
		else if (a[0] == '-')
			usage();
		else if (mode == NULL)
			mode = a;
		else
			files[nfiles++] = argv[i];
	}
	if (mode == NULL)
		usage();
	if (strcmp(mode, "lmdb-reader") == 0) {
		if (nfiles != 1)
			usage();
		return run_lmdb_reader(files[0], !p.no_txn);
	}
	if (strcmp(mode, "ctl-flood") == 0 ||
	    strcmp(mode, "ctl-serve-reverse") == 0) {
		if (p.dir == NULL)
			die(EX_USAGE, "control modes need -d DIR");
		status = mode[4] == 'f' ? run_ctl_flood(&p, files, nfiles) :
		    run_ctl_serve_reverse(&p);
	} else if (strncmp(mode, "ctl-", 4) == 0)
		status = run_ctl(&p, mode, files, nfiles);
	else {
		if (p.card_path == NULL)
			die(EX_USAGE, "peer modes need -c CARD (the target's "
			    "card)");
		load_card(p.card_path, &p.peer);
		if (strcmp(mode, "stall") == 0)
			status = run_stall(&p);
		else if (strcmp(mode, "stranger") == 0)
			status = run_peer(&p, KEY_STRANGER);
		else if (strcmp(mode, "wrong-key") == 0)
			status = run_peer(&p, KEY_WRONG);
		else if (strcmp(mode, "no-curve") == 0)
			status = run_peer(&p, KEY_NONE);
		else {
			make_frames(&p, mode, files, nfiles);
			save_frames(&p);
			status = run_peer(&p, KEY_OURS);
		}
	}
	for (i = 0; i < (int)p.nf; i++)
		free(p.f[i].buf);
	free(p.f);
	if (p.s != NULL)
		sodium_free(p.s);	/* wipes */
	free(files);
	return status;
}
