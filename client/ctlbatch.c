/*
 * The client side of the control socket: requests with many in flight,
 * one connection each, under poll(2).  See ctlbatch.h.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctlbatch.h"
#include "tafel/tafel.h"

#define RETRY_MS	1	/* the listen backlog is full: try so soon */

struct slot {
	int		 fd;		/* -1: not connected */
	size_t		 idx;
	double		 start;		/* first connect attempt, ms */
	uint8_t		*out;		/* length and request; NULL: free */
	size_t		 outlen;
	size_t		 sent;
	bool		 reading;
	uint8_t		 hdr[4];
	size_t		 hgot;
	uint8_t		*in;
	size_t		 inlen;
	size_t		 got;
};

struct run {
	const struct ctl_batch *b;
	struct sockaddr_un sun;
	struct slot	*slots;
	struct pollfd	*pfd;
	size_t		*map;		/* pfd index -> slot */
	size_t		 next;		/* the next request to build */
	size_t		 ended;
	int		 broken;	/* errno of a failed connect, or 0 */
};

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void
slot_end(struct run *r, struct slot *s, enum ctl_fate fate, int err)
{
	uint8_t *buf = NULL;
	size_t len = 0, idx = s->idx;

	if (fate == CTL_ANSWERED) {
		buf = s->in;
		len = s->inlen;
		s->in = NULL;
	}
	if (s->fd != -1)
		close(s->fd);
	free(s->out);
	free(s->in);
	memset(s, 0, sizeof(*s));
	s->fd = -1;
	r->ended++;
	r->b->done(r->b->arg, idx, fate, err, buf, len);
}

/* The fate of a request that got no answer: was all of it written? */
static enum ctl_fate
unanswered(const struct slot *s)
{
	return s->sent == s->outlen ? CTL_LOST : CTL_NOT_SENT;
}

/*
 * Builds the next request that gen does not leave out into the free slot
 * s.  Returns false when there is none left.
 */
static bool
slot_build(struct run *r, struct slot *s)
{
	const struct ctl_batch *b = r->b;
	struct tafel_mpw w;
	uint8_t *body;
	size_t i, n;

	while (r->next < b->n) {
		i = r->next++;
		tafel_mpw_init(&w);
		if (b->gen(b->arg, i, &w) != 0) {
			tafel_mpw_free(&w);
			r->ended++;
			b->done(b->arg, i, CTL_SKIPPED, 0, NULL, 0);
			continue;
		}
		s->idx = i;
		s->start = now_ms();
		if (tafel_mpw_finish(&w, &body, &n) != 0) {
			slot_end(r, s, CTL_NOT_SENT, ENOMEM);
			continue;
		}
		if (n > TAFEL_MAX_FRAME) {
			free(body);
			slot_end(r, s, CTL_NOT_SENT, EMSGSIZE);
			continue;
		}
		if ((s->out = malloc(n + 4)) == NULL) {
			free(body);
			slot_end(r, s, CTL_NOT_SENT, ENOMEM);
			continue;
		}
		s->out[0] = n >> 24;
		s->out[1] = n >> 16;
		s->out[2] = n >> 8;
		s->out[3] = n;
		memcpy(s->out + 4, body, n);
		free(body);
		s->outlen = n + 4;
		return true;
	}
	return false;
}

/*
 * Connects the built slot s.  Returns 0 (connected, or failed and
 * ended), or 1 when the backlog is full and s waits.
 */
static int
slot_connect(struct run *r, struct slot *s)
{
	int fd, e;

	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1) {
		r->broken = errno;
		slot_end(r, s, CTL_NOT_SENT, r->broken);
		return 0;
	}
	if (connect(fd, (struct sockaddr *)&r->sun, sizeof(r->sun)) == -1 &&
	    errno != EINPROGRESS) {
		e = errno;
		close(fd);
		if (e == EAGAIN || e == EINTR)
			return 1;
		r->broken = e;
		slot_end(r, s, CTL_NOT_SENT, e);
		return 0;
	}
	s->fd = fd;
	return 0;
}

/* Moves a connected slot on as far as the socket lets it. */
static void
slot_step(struct run *r, struct slot *s)
{
	ssize_t n;

	if (!s->reading) {
		n = send(s->fd, s->out + s->sent, s->outlen - s->sent,
		    MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			if (errno != EPIPE && errno != ECONNRESET) {
				slot_end(r, s, CTL_NOT_SENT, errno);
				return;
			}
			/* It closed; it may have written why first. */
			s->reading = true;
			return;
		}
		s->sent += (size_t)n;
		if (s->sent == s->outlen)
			s->reading = true;
		return;
	}
	if (s->hgot < 4) {
		n = recv(s->fd, s->hdr + s->hgot, 4 - s->hgot, 0);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			slot_end(r, s, unanswered(s), n == 0 ? 0 : errno);
			return;
		}
		s->hgot += (size_t)n;
		if (s->hgot < 4)
			return;
		s->inlen = (size_t)s->hdr[0] << 24 | (size_t)s->hdr[1] << 16 |
		    (size_t)s->hdr[2] << 8 | s->hdr[3];
		if (s->inlen == 0 || s->inlen > TAFEL_MAX_FRAME) {
			slot_end(r, s, unanswered(s), EMSGSIZE);
			return;
		}
		if ((s->in = malloc(s->inlen)) == NULL) {
			slot_end(r, s, unanswered(s), ENOMEM);
			return;
		}
	}
	n = recv(s->fd, s->in + s->got, s->inlen - s->got, 0);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		slot_end(r, s, unanswered(s), n == 0 ? 0 : errno);
		return;
	}
	s->got += (size_t)n;
	if (s->got == s->inlen)
		slot_end(r, s, CTL_ANSWERED, 0);
}

/* Fills the free slots; returns a poll timeout for what must wait. */
static int
fill(struct run *r, double t0)
{
	const struct ctl_batch *b = r->b;
	struct slot *s;
	double now, due;
	size_t k;

	for (k = 0; k < b->inflight; k++) {
		s = &r->slots[k];
		if (s->out == NULL) {
			if (r->next >= b->n || r->broken != 0)
				continue;
			if (b->rate > 0) {
				now = now_ms();
				due = t0 + (double)r->next * 1e3 / b->rate;
				if (due > now)
					return (int)(due - now) + 1;
			}
			if (!slot_build(r, s))
				continue;
		}
		if (s->fd != -1)
			continue;
		if (r->broken != 0)
			slot_end(r, s, CTL_NOT_SENT, r->broken);
		else if (slot_connect(r, s) == 1)
			return RETRY_MS;
	}
	return -1;
}

/* Ends what waited too long; returns the poll timeout for the rest. */
static int
expire(struct run *r, int timeout)
{
	const struct ctl_batch *b = r->b;
	struct slot *s;
	double now = now_ms(), left;
	size_t k;

	for (k = 0; k < b->inflight; k++) {
		s = &r->slots[k];
		if (s->out == NULL)
			continue;
		left = s->start + b->timeout_ms - now;
		if (left <= 0) {
			slot_end(r, s, unanswered(s), ETIMEDOUT);
			continue;
		}
		if (timeout == -1 || left + 1 < timeout)
			timeout = (int)left + 1;
	}
	return timeout;
}

int
ctl_batch_run(const struct ctl_batch *b)
{
	struct run r;
	struct slot *s;
	double t0 = now_ms();
	size_t k, np;
	int timeout, e;

	if (b->inflight == 0 || b->inflight > CTL_INFLIGHT_MAX ||
	    b->timeout_ms <= 0 || b->gen == NULL || b->done == NULL) {
		errno = EINVAL;
		return -1;
	}
	memset(&r, 0, sizeof(r));
	r.b = b;
	r.sun.sun_family = AF_UNIX;
	if (strlen(b->sock) >= sizeof(r.sun.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(r.sun.sun_path, b->sock, strlen(b->sock));
	r.slots = calloc(b->inflight, sizeof(*r.slots));
	r.pfd = calloc(b->inflight, sizeof(*r.pfd));
	r.map = calloc(b->inflight, sizeof(*r.map));
	if (r.slots == NULL || r.pfd == NULL || r.map == NULL) {
		free(r.slots);
		free(r.pfd);
		free(r.map);
		errno = ENOMEM;
		return -1;
	}
	for (k = 0; k < b->inflight; k++)
		r.slots[k].fd = -1;

	while (r.ended < b->n) {
		if (b->stop != NULL && *b->stop != 0 && r.broken == 0)
			r.broken = EINTR;
		/* A failed connect: what is not sent now never will be. */
		while (r.broken != 0 && r.next < b->n) {
			r.ended++;
			b->done(b->arg, r.next++, CTL_NOT_SENT, r.broken,
			    NULL, 0);
		}
		timeout = expire(&r, fill(&r, t0));
		for (k = 0, np = 0; k < b->inflight; k++) {
			s = &r.slots[k];
			if (s->fd == -1)
				continue;
			r.pfd[np].fd = s->fd;
			r.pfd[np].events = s->reading ? POLLIN : POLLOUT;
			r.pfd[np].revents = 0;
			r.map[np++] = k;
		}
		if (np == 0 && timeout == -1)
			continue;
		if (poll(r.pfd, np, timeout) == -1 && errno != EINTR) {
			e = errno;
			for (k = 0; k < b->inflight; k++)
				if (r.slots[k].out != NULL)
					slot_end(&r, &r.slots[k],
					    unanswered(&r.slots[k]), e);
			r.broken = e;
			continue;
		}
		for (k = 0; k < np; k++)
			if (r.pfd[k].revents != 0)
				slot_step(&r, &r.slots[r.map[k]]);
	}
	free(r.slots);
	free(r.pfd);
	free(r.map);
	return 0;
}
