/*
 * The control socket: DIR/tafeld.sock, a Unix stream socket (mode 0600 in
 * a 0700 directory).  Length-prefixed msgpack requests, one per
 * connection (include/tafel/ctl.h).  The caller's uid comes from
 * SO_PEERCRED, never from the request.
 *
 * The connections that wait for their request are watched by one epoll
 * instance, itself one item of the event loop: adding or removing a
 * zloop poller makes zloop stop handing out the events of that turn, so
 * a poller per connection let a busy listening socket (always first and
 * always ready under load) starve the connections behind it until they
 * timed out.
 */
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "tafel/util.h"

#define CTL_TIMEOUT_MS	10000
#define CTL_ACCEPT_MAX	64
#define CTL_EVENTS_MAX	64	/* connections read per turn */
#define STAFF_FILE	"staff"
#define STAFF_MAX	65536

static uid_t	 self_uid;	/* the daemon's own account */

/*
 * DIR/staff: who may use the control socket besides the daemon's own
 * account and root, and the name each person is shown under:
 *
 *   # account  name
 *   jpeeters   Jan Peeters
 *
 * Checked at every connection, so an edit takes effect at once: one
 * stat(2) per connection, and the file is read again only when its
 * inode, size, modification or change time differ from the copy held.
 */
static struct {
	bool		 have;		/* the file existed at the last look */
	struct stat	 st;
	char		*text;		/* NUL-terminated */
} staff;

static bool
same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
	    a->st_size == b->st_size &&
	    a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	    a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	    a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
	    a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/* The staff file as it is now, or NULL when there is none (or bad). */
static const char *
staff_text(const char *dir)
{
	char path[PATH_MAX];
	struct stat st;
	ssize_t n;
	size_t got = 0;
	char *buf;
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, STAFF_FILE) >=
	    sizeof(path) || stat(path, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size > STAFF_MAX) {
		staff.have = false;
		return NULL;
	}
	if (staff.have && same_file(&st, &staff.st))
		return staff.text;
	staff.have = false;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1)
		return NULL;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size > STAFF_MAX || (buf = malloc((size_t)st.st_size + 1)) ==
	    NULL) {
		close(fd);
		return NULL;
	}
	while (got < (size_t)st.st_size && (n = read(fd, buf + got,
	    (size_t)st.st_size - got)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (got != (size_t)st.st_size) {	/* changed while read: not now */
		free(buf);
		return NULL;
	}
	buf[got] = '\0';
	free(staff.text);
	staff.text = buf;
	staff.st = st;
	staff.have = true;
	return staff.text;
}

/*
 * Returns true and the display name (or "" when none is given) for an
 * account listed in the staff file.
 */
static bool
staff_lookup(const char *dir, const char *account, char *name, size_t namesz)
{
	const char *p, *acct, *eol;
	size_t n, alen = strlen(account);

	name[0] = '\0';
	if ((p = staff_text(dir)) == NULL)
		return false;
	for (; *p != '\0'; p = *eol == '\0' ? eol : eol + 1) {
		eol = p + strcspn(p, "\n");
		p += strspn(p, " \t");
		acct = p;
		n = strcspn(p, " \t#\r\n");
		if (n == 0 || n != alen || strncmp(acct, account, n) != 0)
			continue;
		p += n;
		p += strspn(p, " \t");
		n = strcspn(p, "#\r\n");
		/* No trailing blanks in the name. */
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		snprintf(name, namesz, "%.*s", (int)n, p);
		return true;
	}
	return false;
}

/*
 * The account name of a uid.  getpwuid(3) opens and reads /etc/passwd
 * (or asks another NSS source) every time; a name is kept for
 * PWCACHE_SECS.
 */
#define PWCACHE		8
#define PWCACHE_SECS	60

static bool
account_name(uid_t uid, char *name, size_t namesz)
{
	static struct {
		uid_t		uid;
		uint64_t	until;
		char		name[TAFEL_PERSON_MAX + 1];
	} pc[PWCACHE];
	static size_t next;
	struct passwd *pw;
	uint64_t now = now_ms();
	size_t i;

	for (i = 0; i < PWCACHE; i++)
		if (pc[i].until > now && pc[i].uid == uid) {
			snprintf(name, namesz, "%s", pc[i].name);
			return true;
		}
	if ((pw = getpwuid(uid)) == NULL ||
	    strlen(pw->pw_name) >= sizeof(pc[0].name))
		return false;
	i = next++ % PWCACHE;
	pc[i].uid = uid;
	pc[i].until = now + PWCACHE_SECS * 1000;
	snprintf(pc[i].name, sizeof(pc[i].name), "%s", pw->pw_name);
	snprintf(name, namesz, "%s", pw->pw_name);
	return true;
}

struct conn {
	struct tafeld	*d;
	int		 fd;
	uid_t		 uid;
	pid_t		 pid;
	uint8_t		 hdr[4];
	size_t		 hgot;
	uint8_t		*buf;
	size_t		 len;
	size_t		 got;
	int		 timer;
	uint8_t		*out;		/* an answer waiting for the commit */
	size_t		 outlen;
	bool		 polled;
};

/* Stops watching c for its request (it was read, or c goes). */
static void
conn_unwatch(struct conn *c)
{
	if (c->polled && epoll_ctl(c->d->ctl_ep, EPOLL_CTL_DEL, c->fd,
	    NULL) == -1)
		log_warn("control: epoll_ctl");
	c->polled = false;
}

static void
conn_close(struct conn *c)
{
	conn_unwatch(c);
	if (c->timer != -1)
		zloop_timer_end(c->d->loop, c->timer);
	close(c->fd);
	free(c->buf);
	free(c->out);
	free(c);
}

static int
conn_timeout(zloop_t *loop, int timer_id, void *arg)
{
	struct conn *c = arg;

	/*
	 * Do not free here: the poller may still fire for this connection
	 * in the same loop iteration.  Shutting the socket down makes it
	 * readable (EOF), and conn_read then closes it.
	 */
	log_warnx("control: request from uid %u timed out", (unsigned)c->uid);
	c->timer = -1;	/* a one-shot timer ends by itself */
	shutdown(c->fd, SHUT_RDWR);
	return 0;
}

/*
 * The length and the answer in one sendmsg(2): nearly every answer fits
 * in the socket's buffer, so that is the only system call.  A larger one
 * waits for the client to read, with the socket made blocking, but at
 * most CTL_TIMEOUT_MS for each piece: a client that stops reading holds
 * the daemon up for that long, then loses its answer.  A client that
 * left gets EPIPE, not the daemon a SIGPIPE.
 */
static void
send_answer(struct conn *c, uint8_t *out, size_t n)
{
	struct timeval tv = { CTL_TIMEOUT_MS / 1000, 0 };
	struct iovec iov[2];
	struct msghdr mh;
	uint8_t len[4];
	size_t off = 0;
	ssize_t w;
	int flags = MSG_NOSIGNAL | MSG_DONTWAIT, fl;

	len[0] = n >> 24;
	len[1] = n >> 16;
	len[2] = n >> 8;
	len[3] = n;
	while (off < n + 4) {
		memset(&mh, 0, sizeof(mh));
		mh.msg_iov = iov;
		if (off < 4) {
			iov[0].iov_base = len + off;
			iov[0].iov_len = 4 - off;
			iov[1].iov_base = out;
			iov[1].iov_len = n;
			mh.msg_iovlen = 2;
		} else {
			iov[0].iov_base = out + (off - 4);
			iov[0].iov_len = n - (off - 4);
			mh.msg_iovlen = 1;
		}
		if ((w = sendmsg(c->fd, &mh, flags)) > 0) {
			off += (size_t)w;
			continue;
		}
		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1 && errno == EAGAIN && (flags & MSG_DONTWAIT) &&
		    setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv,
		    sizeof(tv)) == 0 && (fl = fcntl(c->fd, F_GETFL)) != -1 &&
		    fcntl(c->fd, F_SETFL, fl & ~O_NONBLOCK) != -1) {
			flags &= ~MSG_DONTWAIT;
			continue;
		}
		if (w == -1 && errno == EAGAIN)
			log_warnx("control: uid %u did not take its answer "
			    "within %d s; the rest of it dropped",
			    (unsigned)c->uid, CTL_TIMEOUT_MS / 1000);
		break;
	}
	free(out);
}

/* After the group commit: the answer, or an error if it failed. */
static void
answer_action(struct tafeld *d, void *arg, bool durable)
{
	struct conn *c = arg;
	struct tafel_mpw w;
	uint8_t *out;
	size_t n;

	if (durable) {
		send_answer(c, c->out, c->outlen);
		c->out = NULL;
	} else {
		tafel_mpw_init(&w);
		tafel_ctl_err(&w, "storage", "the change could not be "
		    "stored durably; nothing was shared (see the daemon's "
		    "log)");
		if (tafel_mpw_finish(&w, &out, &n) == 0)
			send_answer(c, out, n);
	}
	conn_close(c);
}

/*
 * Answers the request.  While a group commit is open, what the request
 * did (or read) is not durable yet: the answer waits for the commit.
 * Returns true when the connection is done, false when it waits.
 */
static bool
respond(struct conn *c, struct tafel_mpw *w)
{
	uint8_t *out;
	size_t n;

	if (tafel_mpw_finish(w, &out, &n) != 0) {
		tafel_ctl_err(w, "internal", "out of memory");
		if (tafel_mpw_finish(w, &out, &n) != 0)
			return true;
	}
	/* No answer beyond what a client may take (12.1). */
	if (n > TAFEL_MAX_FRAME) {
		log_warnx("control: an answer of %zu bytes to uid %u is larger "
		    "than 1 MiB; answered too-large", n, (unsigned)c->uid);
		free(out);
		tafel_ctl_err(w, "too-large", "the answer would be larger than "
		    "1 MiB, more than one answer may carry");
		if (tafel_mpw_finish(w, &out, &n) != 0)
			return true;
	}
	if (!commit_pending(c->d)) {
		send_answer(c, out, n);
		return true;
	}
	conn_unwatch(c);
	if (c->timer != -1) {
		zloop_timer_end(c->d->loop, c->timer);
		c->timer = -1;
	}
	c->out = out;
	c->outlen = n;
	commit_after(c->d, answer_action, c);
	return false;
}

/*
 * Every peer: connected (its CurveZMQ handshake succeeded and the link
 * has not dropped since), last contact, how many items wait for it and
 * since when the oldest waits.
 */
static void
emit_peers(struct tafeld *d, struct tafel_mpw *w)
{
	struct peer *p;
	uint64_t oldest;
	size_t n = 0;

	TAILQ_FOREACH(p, &d->peers, entry)
		n++;
	tafel_mpw_array(w, n);
	TAILQ_FOREACH(p, &d->peers, entry) {
		n = outbox_pending(d, p->org, &oldest);
		tafel_mpw_map(w, 6);
		tafel_mpw_str(w, "org");
		tafel_mpw_str(w, p->org);
		tafel_mpw_str(w, "endpoint");
		tafel_mpw_str(w, p->endpoint);
		tafel_mpw_str(w, "connected");
		tafel_mpw_bool(w, p->connected);
		tafel_mpw_str(w, "last_seen");
		tafel_mpw_uint(w, p->last_seen);
		tafel_mpw_str(w, "outbox");
		tafel_mpw_uint(w, n);
		tafel_mpw_str(w, "oldest");
		tafel_mpw_uint(w, oldest);
	}
}

static void
op_status(struct tafeld *d, struct tafel_mpw *w)
{
	char fpr[TAFEL_FPR_LEN + 1];
	struct dtable *dt;
	size_t n;

	tafel_ctl_ok_begin(w);
	tafel_mpw_map(w, 10);
	tafel_mpw_str(w, "audit");
	audit_status(d, w);
	tafel_mpw_str(w, "org");
	tafel_mpw_str(w, d->self.org);
	tafel_mpw_str(w, "name");
	tafel_mpw_str(w, d->self.name);
	tafel_mpw_str(w, "role");
	tafel_mpw_str(w, d->self.role);
	tafel_mpw_str(w, "listen");
	tafel_mpw_str(w, d->listen);
	tafel_mpw_str(w, "version");
	tafel_mpw_str(w, TAFEL_VERSION);
	tafel_mpw_str(w, "uid");
	tafel_mpw_uint(w, getuid());
	tafel_mpw_str(w, "tables");
	n = 0;
	TAILQ_FOREACH(dt, &d->tables, entry)
		n++;
	tafel_mpw_array(w, n);
	TAILQ_FOREACH(dt, &d->tables, entry) {
		tafel_fingerprint(fpr, dt->t->hash);
		tafel_mpw_map(w, 5);
		tafel_mpw_str(w, "table");
		tafel_mpw_str(w, dt->t->id);
		tafel_mpw_str(w, "version");
		tafel_mpw_uint(w, dt->t->version);
		tafel_mpw_str(w, "expires");
		tafel_mpw_uint(w, dt->t->expires);
		tafel_mpw_str(w, "members");
		tafel_mpw_uint(w, dt->t->nmembers);
		tafel_mpw_str(w, "fingerprint");
		tafel_mpw_str(w, fpr);
	}
	tafel_mpw_str(w, "peers");
	emit_peers(d, w);
	tafel_mpw_str(w, "cases");
	tafel_mpw_uint(w, cases_count(d));
}

static void
op_adopt(struct tafeld *d, const struct tafel_ctl_req *r, struct tafel_mpw *w)
{
	struct tafel_mp_field f[] = {
		{ "doc", TAFEL_MP_BIN, 1, TAFEL_TABLE_DOC_MAX, false, NULL },
		{ "expect", TAFEL_MP_STR, 0, 128, false, NULL },
	};
	char expect[129], err[512], fpr[TAFEL_FPR_LEN + 1];
	const char *code = "internal";
	struct tafel_table *t = NULL;
	struct dtable *dt;

	if (tafel_mp_fields(r->args, f, 2) != 0 ||
	    tafel_mp_strcpy(expect, sizeof(expect), f[1].obj) != 0) {
		tafel_ctl_err(w, "bad-request", "table.adopt: bad arguments");
		return;
	}
	if (tables_adopt(d, (const uint8_t *)f[0].obj->via.bin.ptr,
	    f[0].obj->via.bin.size, expect, &code, err, sizeof(err)) != 0) {
		tafel_ctl_err(w, code, err);
		return;
	}
	/* Report what is now in force. */
	if (tafel_table_decode((const uint8_t *)f[0].obj->via.bin.ptr,
	    f[0].obj->via.bin.size, &t) != 0 ||
	    (dt = tables_find(d, t->id)) == NULL) {
		tafel_table_destroy(&t);
		tafel_ctl_err(w, "internal", "adopted, but cannot report it");
		return;
	}
	tafel_table_destroy(&t);
	tafel_fingerprint(fpr, dt->t->hash);
	tafel_ctl_ok_begin(w);
	tafel_mpw_map(w, 3);
	tafel_mpw_str(w, "table");
	tafel_mpw_str(w, dt->t->id);
	tafel_mpw_str(w, "version");
	tafel_mpw_uint(w, dt->t->version);
	tafel_mpw_str(w, "fingerprint");
	tafel_mpw_str(w, fpr);
}

/* The documents in force: one table, or all ("" for the table). */
static void
op_table_show(struct tafeld *d, const struct tafel_ctl_req *r,
    struct tafel_mpw *w)
{
	struct tafel_mp_field f[] = {
		{ "table", TAFEL_MP_STR, 0, TAFEL_ORG_MAX, false, NULL },
	};
	char id[TAFEL_ORG_MAX + 1], err[128];
	struct dtable *dt;
	size_t n = 0;

	if (tafel_mp_fields(r->args, f, 1) != 0 ||
	    tafel_mp_strcpy(id, sizeof(id), f[0].obj) != 0) {
		tafel_ctl_err(w, "bad-request", "table.show: bad arguments");
		return;
	}
	TAILQ_FOREACH(dt, &d->tables, entry)
		if (id[0] == '\0' || strcmp(dt->t->id, id) == 0)
			n++;
	if (id[0] != '\0' && n == 0) {
		snprintf(err, sizeof(err), "this daemon has not adopted a table "
		    "%s", id);
		tafel_ctl_err(w, "no-table", err);
		return;
	}
	tafel_ctl_ok_begin(w);
	tafel_mpw_map(w, 1);
	tafel_mpw_str(w, "tables");
	tafel_mpw_array(w, n);
	TAILQ_FOREACH(dt, &d->tables, entry)
		if (id[0] == '\0' || strcmp(dt->t->id, id) == 0)
			tafel_mpw_bin(w, dt->doc, dt->doclen);
}

/* Returns false when the answer waits for the group commit. */
static bool
handle(struct conn *c)
{
	struct tafeld *d = c->d;
	struct tafel_ctl_req r;
	struct tafel_mpw w;
	msgpack_unpacked u;
	char person[TAFEL_PERSON_MAX + 1], acct[TAFEL_PERSON_MAX + 1];

	tafel_mpw_init(&w);
	if (tafel_ctl_req_decode(&u, c->buf, c->len, &r) != 0) {
		log_warnx("control: malformed request from uid %u refused",
		    (unsigned)c->uid);
		tafel_ctl_err(&w, "bad-request", "malformed request");
		return respond(c, &w);
	}
	/*
	 * The acting person: the account the kernel says is at the other
	 * end of the socket, shown under the name the operator gave it.
	 */
	if (!account_name(c->uid, acct, sizeof(acct)))
		snprintf(person, sizeof(person), "uid %u", (unsigned)c->uid);
	else {
		char name[TAFEL_PERSON_MAX + 1];
		size_t alen = strlen(acct);

		/* "Name, account", the name cut to make room for both. */
		if (staff_lookup(d->dir, acct, name, sizeof(name)) &&
		    name[0] != '\0' && alen + 3 < TAFEL_PERSON_MAX) {
			name[strnlen(name, TAFEL_PERSON_MAX - alen - 3)] = '\0';
			if (snprintf(person, sizeof(person), "%s, %s", name,
			    acct) < 0)
				person[0] = '\0';
		} else
			snprintf(person, sizeof(person), "%s", acct);
	}
	log_debug("control: %s by %s (pid %ld)", r.op, person, (long)c->pid);
	if (strcmp(r.op, "status") == 0) {
		struct tafel_mp_field none[1];

		if (tafel_mp_fields(r.args, none, 0) != 0)
			tafel_ctl_err(&w, "bad-request", "status takes no "
			    "arguments");
		else
			op_status(d, &w);
	} else if (strcmp(r.op, "table.adopt") == 0)
		op_adopt(d, &r, &w);
	else if (strcmp(r.op, "table.show") == 0)
		op_table_show(d, &r, &w);
	else if (strcmp(r.op, "peers") == 0) {
		struct tafel_mp_field none[1];

		if (tafel_mp_fields(r.args, none, 0) != 0)
			tafel_ctl_err(&w, "bad-request", "peers takes no "
			    "arguments");
		else {
			tafel_ctl_ok_begin(&w);
			tafel_mpw_map(&w, 1);
			tafel_mpw_str(&w, "peers");
			emit_peers(d, &w);
		}
	}
	else if (audit_ctl(d, &r, person, &w) == 0)
		;
	else if (delivery_ctl(d, &r, &w) != 0 &&
	    cases_ctl(d, &r, person, &w) != 0) {
		tafel_mpw_free(&w);
		tafel_ctl_err(&w, "unknown-op", "unknown operation");
	}
	msgpack_unpacked_destroy(&u);
	return respond(c, &w);
}

/*
 * Reads what has arrived of c's request and handles it once whole.
 * Returns true while c still waits for bytes of it; false when c is
 * closed or waits for the group commit (it is then not to be watched).
 */
static bool
conn_read(struct conn *c)
{
	ssize_t n;

	if (c->hgot < 4) {
		n = read(c->fd, c->hdr + c->hgot, 4 - c->hgot);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return true;
		if (n <= 0)
			goto done;
		c->hgot += n;
		if (c->hgot < 4)
			return true;
		c->len = (size_t)c->hdr[0] << 24 | (size_t)c->hdr[1] << 16 |
		    (size_t)c->hdr[2] << 8 | c->hdr[3];
		if (c->len == 0 || c->len > TAFEL_MAX_FRAME) {
			struct tafel_mpw w;

			log_warnx("control: request of %zu bytes from uid %u "
			    "refused", c->len, (unsigned)c->uid);
			tafel_mpw_init(&w);
			tafel_ctl_err(&w, "bad-request", "request too large");
			if (!respond(c, &w))
				return false;
			goto done;
		}
		if ((c->buf = malloc(c->len)) == NULL)
			goto done;
		/* The body usually came with the header: read on. */
	}
	n = read(c->fd, c->buf + c->got, c->len - c->got);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return true;
	if (n <= 0)
		goto done;
	c->got += n;
	if (c->got < c->len)
		return true;
	if (!handle(c))
		return false;	/* answered after the group commit */
done:
	conn_close(c);
	return false;
}

/* The connections whose request has more bytes (or an EOF) to read. */
static int
ctl_conns(zloop_t *loop, zmq_pollitem_t *item, void *arg)
{
	struct tafeld *d = arg;
	struct epoll_event ev[CTL_EVENTS_MAX];
	int i, n;

	if ((n = epoll_wait(d->ctl_ep, ev, CTL_EVENTS_MAX, 0)) == -1) {
		if (errno != EINTR)
			log_warn("control: epoll_wait");
		return 0;
	}
	for (i = 0; i < n; i++)
		(void)conn_read(ev[i].data.ptr);
	return 0;
}

/* Accepts one connection; returns false when none is waiting. */
static bool
accept_one(zloop_t *loop, zmq_pollitem_t *item, struct tafeld *d)
{
	struct ucred cred;
	socklen_t sl = sizeof(cred);
	struct conn *c;
	int fd;

	if ((fd = accept4(item->fd, NULL, NULL, SOCK_NONBLOCK |
	    SOCK_CLOEXEC)) == -1) {
		if (errno != EAGAIN && errno != EINTR)
			log_warn("control: accept");
		return false;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &sl) == -1) {
		log_warn("control: SO_PEERCRED");
		close(fd);
		return true;
	}
	if (cred.uid != self_uid && cred.uid != 0) {
		char acct[TAFEL_PERSON_MAX + 1], name[TAFEL_PERSON_MAX + 1];
		bool known = account_name(cred.uid, acct, sizeof(acct));

		if (!known || !staff_lookup(d->dir, acct, name,
		    sizeof(name))) {
			log_warnx("control: connection from uid %u (%s) "
			    "refused: not this daemon's account and not in "
			    "%s/%s", (unsigned)cred.uid, known ? acct :
			    "unknown", d->dir, STAFF_FILE);
			d->refused++;
			close(fd);
			return true;
		}
	}
	if ((c = calloc(1, sizeof(*c))) == NULL)
		fatal("calloc");
	c->d = d;
	c->uid = cred.uid;
	c->pid = cred.pid;
	c->fd = fd;
	c->timer = zloop_timer(loop, CTL_TIMEOUT_MS, 1, conn_timeout, c);
	/*
	 * A client writes its request right after connecting: read it now,
	 * so that it joins this turn's group commit.  Only a request not
	 * whole yet is watched for the rest.
	 */
	if (conn_read(c)) {
		struct epoll_event ev;

		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN;
		ev.data.ptr = c;
		if (epoll_ctl(d->ctl_ep, EPOLL_CTL_ADD, fd, &ev) == -1) {
			log_warn("control: epoll_ctl");
			conn_close(c);
		} else
			c->polled = true;
	}
	return true;
}

/*
 * Every waiting connection (up to CTL_ACCEPT_MAX a turn), so that K
 * clients in flight share one group commit instead of one each.
 */
static int
ctl_accept(zloop_t *loop, zmq_pollitem_t *item, void *arg)
{
	int i;

	for (i = 0; i < CTL_ACCEPT_MAX && accept_one(loop, item, arg); i++)
		;
	return 0;
}

int
ctl_start(struct tafeld *d)
{
	struct sockaddr_un sun;
	mode_t old;
	int fd;

	self_uid = getuid();
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if ((size_t)snprintf(d->ctl_path, sizeof(d->ctl_path), "%s/%s",
	    d->dir, TAFEL_CTL_SOCK) >= sizeof(d->ctl_path) ||
	    strlen(d->ctl_path) >= sizeof(sun.sun_path)) {
		log_warnx("control socket path too long: %s/%s", d->dir,
		    TAFEL_CTL_SOCK);
		return -1;
	}
	memcpy(sun.sun_path, d->ctl_path, strlen(d->ctl_path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1) {
		log_warn("control: socket");
		return -1;
	}
	if (unlink(d->ctl_path) == -1 && errno != ENOENT) {
		log_warn("control: unlink %s", d->ctl_path);
		close(fd);
		return -1;
	}
	old = umask(0177);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		log_warn("control: bind %s", d->ctl_path);
		umask(old);
		close(fd);
		return -1;
	}
	umask(old);
	if (chmod(d->ctl_path, 0600) == -1 || listen(fd, 16) == -1) {
		log_warn("control: %s", d->ctl_path);
		close(fd);
		return -1;
	}
	/*
	 * An operator who opened DIR to a group (mode 0710 or 0750) lets that
	 * group reach the socket too; who may use it is still decided per
	 * connection (the daemon's account, root, and DIR/staff).
	 */
	{
		struct stat st;

		if (stat(d->dir, &st) == 0 && (st.st_mode & 0010) &&
		    (chown(d->ctl_path, (uid_t)-1, st.st_gid) == -1 ||
		    chmod(d->ctl_path, 0660) == -1)) {
			log_warn("control: %s", d->ctl_path);
			close(fd);
			return -1;
		}
	}
	if ((d->ctl_ep = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		log_warn("control: epoll_create1");
		close(fd);
		return -1;
	}
	d->ctl_fd = fd;
	memset(&d->ctl_item, 0, sizeof(d->ctl_item));
	d->ctl_item.fd = fd;
	d->ctl_item.events = ZMQ_POLLIN;
	memset(&d->ctl_ep_item, 0, sizeof(d->ctl_ep_item));
	d->ctl_ep_item.fd = d->ctl_ep;
	d->ctl_ep_item.events = ZMQ_POLLIN;
	if (zloop_poller(d->loop, &d->ctl_item, ctl_accept, d) != 0 ||
	    zloop_poller(d->loop, &d->ctl_ep_item, ctl_conns, d) != 0) {
		zloop_poller_end(d->loop, &d->ctl_item);
		close(d->ctl_ep);
		close(fd);
		d->ctl_fd = d->ctl_ep = -1;
		return -1;
	}
	return 0;
}

void
ctl_stop(struct tafeld *d)
{
	if (d->ctl_fd != -1) {
		zloop_poller_end(d->loop, &d->ctl_item);
		zloop_poller_end(d->loop, &d->ctl_ep_item);
		close(d->ctl_fd);
		close(d->ctl_ep);
		unlink(d->ctl_path);
		d->ctl_fd = d->ctl_ep = -1;
	}
	free(staff.text);
	memset(&staff, 0, sizeof(staff));
}
