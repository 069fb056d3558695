/*
 * The client side of the control socket (include/tafel/ctl.h): requests
 * with many in flight.  Used by tafel (ctl_call, tafel record import)
 * and by make bench; depends on libtafel only.
 */
#ifndef TAFEL_CTLBATCH_H
#define TAFEL_CTLBATCH_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tafel/mp.h"

/*
 * The client side: requests 0 .. n-1 to the daemon at sock, with up to
 * inflight connections open at once (one request each, as the daemon
 * wants it), under poll(2).  One call, inflight 1, is a plain call.
 *
 * gen writes request i into w from tafel_ctl_req_begin on; it returns
 * 0, or -1 to leave i out (it says why itself).  gen is called when a
 * connection is free for i, so at most inflight requests are held.
 *
 * done is called once for each i, in the order they end, with its fate:
 *   ANSWERED  buf/len: the answer's bytes, not yet decoded; done owns
 *             buf (free(3)).
 *   NOT_SENT  the daemon cannot have seen i: it could not be reached
 *             (err: errno of connect; every request not yet sent ends
 *             so too, without trying), the connection broke before the
 *             whole request was written, the request is over
 *             TAFEL_MAX_FRAME (EMSGSIZE), or no memory (ENOMEM).
 *   LOST      the whole request was written but no answer came: the
 *             daemon may or may not have done it.  err: 0 or
 *             ECONNRESET when it closed, ETIMEDOUT after timeout_ms,
 *             EMSGSIZE for an answer of a length out of bounds.
 *   SKIPPED   gen left it out.
 * With rate > 0, request i is not sent before t0 + i / rate seconds (t0:
 * the call), for an open-loop load.
 */
enum ctl_fate {
	CTL_ANSWERED,
	CTL_NOT_SENT,
	CTL_LOST,
	CTL_SKIPPED
};

struct ctl_batch {
	const char	*sock;
	size_t		 n;
	unsigned	 inflight;	/* 1 .. CTL_INFLIGHT_MAX */
	double		 rate;		/* requests a second; 0: at once */
	int		 timeout_ms;	/* for each request, from its connect */
	int		(*gen)(void *arg, size_t i, struct tafel_mpw *w);
	void		(*done)(void *arg, size_t i, enum ctl_fate fate,
			    int err, uint8_t *buf, size_t len);
	void		*arg;
	/*
	 * When *stop becomes non-zero (a signal handler sets it): no new
	 * request is sent, those not sent end NOT_SENT with EINTR, and
	 * those in flight are waited for.  NULL: never.
	 */
	volatile sig_atomic_t *stop;
};
#define CTL_INFLIGHT_MAX	256

/* Returns 0, or -1 with errno (EINVAL, ENOMEM) before anything is sent. */
int	ctl_batch_run(const struct ctl_batch *b)
	    __attribute__((warn_unused_result));

#endif
