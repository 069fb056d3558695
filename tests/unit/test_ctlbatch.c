/*
 * ctl_batch_run (proto/ctlbatch.c), the client side of the control
 * socket that tafel and make bench use, against a small server in a
 * child process that answers, hangs up, stalls or lies as each request
 * asks.  Every request must end exactly once, with the right fate.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctlbatch.h"
#include "tafel/ctl.h"
#include "tafel/mp.h"

#define MAXREQ	512
#define BIGTEXT	(900 * 1024)	/* more than a socket buffer holds */

static char dir[64], sockpath[108];
static pid_t server;

/* ---- the server (child) ---- */

static int
read_full(int fd, uint8_t *b, size_t n)
{
	ssize_t k;

	while (n > 0) {
		if ((k = read(fd, b, n)) <= 0)
			return -1;
		b += k;
		n -= (size_t)k;
	}
	return 0;
}

static void
write_frame(int fd, const uint8_t *b, size_t n)
{
	uint8_t h[4] = { n >> 24, n >> 16, n >> 8, n };

	(void)!write(fd, h, 4);
	(void)!write(fd, b, n);
}

static void
answer(int fd, bool ok, uint64_t i)
{
	struct tafel_mpw w;
	uint8_t *b;
	size_t n;

	tafel_mpw_init(&w);
	if (ok) {
		tafel_ctl_ok_begin(&w);
		tafel_mpw_map(&w, 1);
		tafel_mpw_str(&w, "i");
		tafel_mpw_uint(&w, i);
	} else
		tafel_ctl_err(&w, "too-large", "go away");
	if (tafel_mpw_finish(&w, &b, &n) != 0)
		_exit(3);
	write_frame(fd, b, n);
	free(b);
}

/* Serves one connection after the other; keeps "stall" ones open. */
static void __attribute__((noreturn))
serve(int lfd)
{
	struct tafel_ctl_req r;
	msgpack_unpacked u;
	const msgpack_object *a;
	uint8_t h[4], *b;
	uint64_t i;
	size_t n;
	int fd;

	for (;;) {
		if ((fd = accept(lfd, NULL, NULL)) == -1)
			continue;
		/* "early": answers before reading a byte, then hangs up. */
		if (read(fd, h, 1) != 1)
			goto next;
		if (read_full(fd, h + 1, 3) != 0)
			goto next;
		n = (size_t)h[0] << 24 | h[1] << 16 | h[2] << 8 | h[3];
		if (n > 64 * 1024) {
			uint8_t head[24];

			/*
			 * "early" answers before reading the rest, "cutoff"
			 * hangs up without a word.
			 */
			if (read_full(fd, head, sizeof(head)) == 0 &&
			    memmem(head, sizeof(head), "early", 5) != NULL)
				answer(fd, false, 0);
			goto next;
		}
		if ((b = malloc(n)) == NULL || read_full(fd, b, n) != 0 ||
		    tafel_ctl_req_decode(&u, b, n, &r) != 0)
			_exit(3);
		a = r.args;
		i = a->via.map.size > 0 ? a->via.map.ptr[0].val.via.u64 : 0;
		if (strcmp(r.op, "echo") == 0)
			answer(fd, true, i);
		else if (strcmp(r.op, "huge") == 0) {
			uint8_t big[4] = { 0x00, 0x10, 0x00, 0x01 };

			(void)!write(fd, big, 4);
		} else if (strcmp(r.op, "zero") == 0) {
			uint8_t z[4] = { 0, 0, 0, 0 };

			(void)!write(fd, z, 4);
		} else if (strcmp(r.op, "stall") == 0)
			fd = -1;	/* held open, never answered */
		/* "hangup": closes having read it all. */
		msgpack_unpacked_destroy(&u);
		free(b);
next:
		if (fd != -1)
			close(fd);
	}
}

static int
setup(void **state)
{
	struct sockaddr_un sun;
	int lfd;

	snprintf(dir, sizeof(dir), "/tmp/tafel-ctlbatch.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(sockpath, sizeof(sockpath), "%s/tafeld.sock", dir);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, sockpath, strlen(sockpath));
	if ((lfd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
	    bind(lfd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    listen(lfd, 128) == -1)
		return -1;
	if ((server = fork()) == -1)
		return -1;
	if (server == 0)
		serve(lfd);
	close(lfd);
	return 0;
}

static int
teardown(void **state)
{
	kill(server, SIGKILL);
	waitpid(server, NULL, 0);
	unlink(sockpath);
	rmdir(dir);
	return 0;
}

/* ---- the client ---- */

struct script {
	const char		*ops[MAXREQ];	/* NULL: gen leaves it out */
	volatile sig_atomic_t	 stop;
	size_t			 stop_after;	/* sets stop when i ends; 0: no */
	size_t			 ngen;
	size_t			 ndone[MAXREQ];
	enum ctl_fate	 fate[MAXREQ];
	int			 err[MAXREQ];
	struct tafel_ctl_resp	 resp[MAXREQ];
	uint64_t		 echoed[MAXREQ];
};

static int
gen(void *arg, size_t i, struct tafel_mpw *w)
{
	struct script *s = arg;
	static char big[BIGTEXT];

	s->ngen++;
	if (s->ops[i] == NULL)
		return -1;
	tafel_ctl_req_begin(w, s->ops[i]);
	if (strcmp(s->ops[i], "early") == 0 ||
	    strcmp(s->ops[i], "cutoff") == 0 ||
	    strcmp(s->ops[i], "oversize") == 0) {
		size_t n = strcmp(s->ops[i], "oversize") != 0 ? BIGTEXT :
		    TAFEL_MAX_FRAME;

		memset(big, 'x', sizeof(big));
		tafel_mpw_map(w, 1);
		tafel_mpw_str(w, "text");
		if (n == TAFEL_MAX_FRAME) {
			char *p = calloc(1, n);

			assert_non_null(p);
			tafel_mpw_strn(w, p, n);
			free(p);
		} else
			tafel_mpw_strn(w, big, n);
		return 0;
	}
	tafel_mpw_map(w, 1);
	tafel_mpw_str(w, "i");
	tafel_mpw_uint(w, i);
	return 0;
}

static void
done(void *arg, size_t i, enum ctl_fate fate, int err, uint8_t *buf,
    size_t len)
{
	struct script *s = arg;
	msgpack_unpacked u;

	s->ndone[i]++;
	s->fate[i] = fate;
	s->err[i] = err;
	if (s->stop_after != 0 && i + 1 == s->stop_after)
		s->stop = 1;	/* as a signal handler would */
	if (fate != CTL_ANSWERED) {
		assert_null(buf);
		return;
	}
	assert_int_equal(tafel_ctl_resp_decode(&u, buf, len, &s->resp[i]), 0);
	if (s->resp[i].ok)
		s->echoed[i] = s->resp[i].data->via.map.ptr[0].val.via.u64;
	s->resp[i].data = NULL;
	msgpack_unpacked_destroy(&u);
	free(buf);
}

static void
run(struct script *s, const char *sock, size_t n, unsigned inflight,
    double rate, int timeout_ms)
{
	struct ctl_batch b = {
		.sock = sock, .n = n, .inflight = inflight, .rate = rate,
		.timeout_ms = timeout_ms, .gen = gen, .done = done, .arg = s,
		.stop = &s->stop,
	};

	assert_int_equal(ctl_batch_run(&b), 0);
}

static void
test_many_in_flight(void **state)
{
	struct script *s = calloc(1, sizeof(*s));
	size_t i;

	for (i = 0; i < 300; i++)
		s->ops[i] = "echo";
	run(s, sockpath, 300, 32, 0, 10000);
	for (i = 0; i < 300; i++) {
		assert_int_equal(s->ndone[i], 1);
		assert_int_equal(s->fate[i], CTL_ANSWERED);
		assert_true(s->resp[i].ok);
		assert_int_equal(s->echoed[i], i);	/* its own answer */
	}
	assert_int_equal(s->ngen, 300);
	free(s);
}

static void
test_each_fate(void **state)
{
	static const char *ops[] = { "echo", "hangup", "huge", "zero",
	    "stall", NULL, "early", "oversize", "cutoff", "echo" };
	struct script *s = calloc(1, sizeof(*s));
	size_t i, n = sizeof(ops) / sizeof(ops[0]);

	for (i = 0; i < n; i++)
		s->ops[i] = ops[i];
	run(s, sockpath, n, 4, 0, 500);
	for (i = 0; i < n; i++)
		assert_int_equal(s->ndone[i], 1);
	assert_int_equal(s->fate[0], CTL_ANSWERED);
	assert_int_equal(s->echoed[0], 0);
	/* Read it all, then hung up: it may have acted. */
	assert_int_equal(s->fate[1], CTL_LOST);
	assert_true(s->err[1] == 0 || s->err[1] == ECONNRESET);
	/* Answer lengths out of bounds are not read. */
	assert_int_equal(s->fate[2], CTL_LOST);
	assert_int_equal(s->err[2], EMSGSIZE);
	assert_int_equal(s->fate[3], CTL_LOST);
	assert_int_equal(s->err[3], EMSGSIZE);
	assert_int_equal(s->fate[4], CTL_LOST);
	assert_int_equal(s->err[4], ETIMEDOUT);
	assert_int_equal(s->fate[5], CTL_SKIPPED);
	/* The server said no before it read the request: still read. */
	assert_int_equal(s->fate[6], CTL_ANSWERED);
	assert_false(s->resp[6].ok);
	assert_string_equal(s->resp[6].msg, "go away");
	/* Over TAFEL_MAX_FRAME: never sent. */
	assert_int_equal(s->fate[7], CTL_NOT_SENT);
	assert_int_equal(s->err[7], EMSGSIZE);
	/* Hung up before the whole request was in: it cannot have acted. */
	assert_int_equal(s->fate[8], CTL_NOT_SENT);
	assert_int_equal(s->fate[9], CTL_ANSWERED);
	assert_int_equal(s->echoed[9], 9);
	free(s);
}

static void
test_no_daemon(void **state)
{
	struct script *s = calloc(1, sizeof(*s));
	char nowhere[128];
	size_t i;

	snprintf(nowhere, sizeof(nowhere), "%s/none.sock", dir);
	for (i = 0; i < 50; i++)
		s->ops[i] = "echo";
	run(s, nowhere, 50, 8, 0, 1000);
	for (i = 0; i < 50; i++) {
		assert_int_equal(s->ndone[i], 1);
		assert_int_equal(s->fate[i], CTL_NOT_SENT);
		assert_int_equal(s->err[i], ENOENT);
	}
	/* The first failure stops the building of requests. */
	assert_true(s->ngen <= 8);
	free(s);
}

static void
test_rate(void **state)
{
	struct script *s = calloc(1, sizeof(*s));
	struct timespec a, b;
	double ms;
	size_t i;

	for (i = 0; i < 21; i++)
		s->ops[i] = "echo";
	clock_gettime(CLOCK_MONOTONIC, &a);
	run(s, sockpath, 21, 8, 200, 10000);
	clock_gettime(CLOCK_MONOTONIC, &b);
	ms = (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6;
	/* Request 20 is not sent before 20 / 200 s. */
	assert_true(ms >= 100.0);
	for (i = 0; i < 21; i++)
		assert_int_equal(s->echoed[i], i);
	free(s);
}

/* Stopped (a signal) after request 2: nothing more is sent. */
static void
test_stop(void **state)
{
	struct script *s = calloc(1, sizeof(*s));
	size_t i;

	for (i = 0; i < 20; i++)
		s->ops[i] = "echo";
	s->stop_after = 3;
	run(s, sockpath, 20, 1, 0, 10000);
	for (i = 0; i < 20; i++) {
		assert_int_equal(s->ndone[i], 1);
		if (i < 3) {
			assert_int_equal(s->fate[i], CTL_ANSWERED);
			assert_int_equal(s->echoed[i], i);
		} else {
			assert_int_equal(s->fate[i], CTL_NOT_SENT);
			assert_int_equal(s->err[i], EINTR);
		}
	}
	assert_int_equal(s->ngen, 3);
	free(s);
}

static void
test_bad_arguments(void **state)
{
	struct script s;
	struct ctl_batch b = {
		.sock = sockpath, .n = 1, .inflight = 0, .timeout_ms = 1000,
		.gen = gen, .done = done, .arg = &s,
	};
	char longpath[200];

	errno = 0;
	assert_int_equal(ctl_batch_run(&b), -1);
	assert_int_equal(errno, EINVAL);
	b.inflight = CTL_INFLIGHT_MAX + 1;
	assert_int_equal(ctl_batch_run(&b), -1);
	b.inflight = 1;
	b.timeout_ms = 0;
	assert_int_equal(ctl_batch_run(&b), -1);
	b.timeout_ms = 1000;
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[sizeof(longpath) - 1] = '\0';
	b.sock = longpath;
	assert_int_equal(ctl_batch_run(&b), -1);
	assert_int_equal(errno, ENAMETOOLONG);
	/* Nothing to do is done at once. */
	b.sock = sockpath;
	b.n = 0;
	assert_int_equal(ctl_batch_run(&b), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_many_in_flight),
		cmocka_unit_test(test_each_fate),
		cmocka_unit_test(test_no_daemon),
		cmocka_unit_test(test_rate),
		cmocka_unit_test(test_stop),
		cmocka_unit_test(test_bad_arguments),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
