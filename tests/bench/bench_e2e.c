/*
 * bench_e2e: drives a running tafeld through its control socket
 * (include/tafel/ctl.h, docs/protocol.md 12) for make bench, with many
 * requests in flight (ctl_batch_run: K non-blocking Unix sockets
 * under poll(2), one request per connection, as the daemon wants it).
 * No client process per record.
 *
 *   bench_e2e -d DIR open TABLE N K [MEMBER...]
 *	Opens N cases (K in flight) with these members; prints the first
 *	case id ("case HEX") and "open_per_s".
 *   bench_e2e -d DIR settle NPEERS SECONDS
 *	Waits until NPEERS peers are connected and every outbox is empty.
 *   bench_e2e -d DIR throughput CASE N K
 *	Adds N records of 1 KiB (K in flight), then waits until every
 *	outbox is empty, then asks record.delivery about every record.
 *   bench_e2e -d DIR latency CASE RATE SECONDS
 *	Adds RATE records per second for SECONDS, then waits as above and
 *	takes each record's latency from the time its call was due (open
 *	loop) to its last receipt.
 *
 * With BENCH_CPU_PIDS="SENDER RECEIVER..." a throughput run also
 * reports the CPU time per record of the sender and of a receiver (the
 * mean), from /proc/PID/stat, until every outbox is empty.
 *
 * Output: "key value" lines for tests/bench/run.sh.  record.delivery
 * (args: case, record; data: recipients [{org, status, why, time_ms}])
 * is used when the daemon has it; when it answers unknown-op (a daemon
 * from before that op), the driver says "delivery_op missing"
 * and falls back to the outbox depth for throughput and to the
 * record.add answer (the durable commit) for latency.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctlbatch.h"
#include "tafel/ctl.h"
#include "tafel/mp.h"
#include "tafel/tafel.h"

#define KMAX		256
#define REC_LEN		1024
#define SETTLE_POLL_MS	10

static char sockpath[sizeof(((struct sockaddr_un *)0)->sun_path)];
static const char *statedir;	/* the sender's, -d */

static void __attribute__((format(printf, 1, 2), noreturn))
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "bench_e2e: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

static double
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double
real_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* ---- msgpack helpers: look keys up by name, ignore the rest ---- */

static const msgpack_object *
mget(const msgpack_object *map, const char *key)
{
	uint32_t i;

	if (map == NULL || map->type != MSGPACK_OBJECT_MAP)
		return NULL;
	for (i = 0; i < map->via.map.size; i++)
		if (tafel_mp_streq(&map->via.map.ptr[i].key, key))
			return &map->via.map.ptr[i].val;
	return NULL;
}

static uint64_t
mget_uint(const msgpack_object *map, const char *key)
{
	const msgpack_object *o = mget(map, key);

	return o != NULL && o->type == MSGPACK_OBJECT_POSITIVE_INTEGER ?
	    o->via.u64 : 0;
}

static bool
mget_str(const msgpack_object *map, const char *key, char *dst, size_t sz)
{
	const msgpack_object *o = mget(map, key);

	return o != NULL && tafel_mp_strcpy(dst, sz, o) == 0;
}

/* ---- requests ---- */

/* Builds request i into w (after tafel_ctl_req_begin). */
typedef void	(*gen_fn)(void *, size_t, struct tafel_mpw *);
/* Called with the decoded answer to request i. */
typedef void	(*done_fn)(void *, size_t, const struct tafel_ctl_resp *);

struct adapt {
	gen_fn		 gen;
	done_fn		 done;
	void		*arg;
};

static int
adapt_gen(void *arg, size_t i, struct tafel_mpw *w)
{
	struct adapt *a = arg;

	a->gen(a->arg, i, w);
	return 0;
}

static void
adapt_done(void *arg, size_t i, enum ctl_fate fate, int err,
    uint8_t *buf, size_t len)
{
	struct adapt *a = arg;
	struct tafel_ctl_resp r;
	msgpack_unpacked u;

	if (fate != CTL_ANSWERED)
		die("request %zu: no answer (%s)", i, strerror(err));
	if (tafel_ctl_resp_decode(&u, buf, len, &r) != 0)
		die("%s", "an answer that does not decode");
	a->done(a->arg, i, &r);
	msgpack_unpacked_destroy(&u);
	free(buf);
}

/*
 * Sends requests 0..n-1 with at most k in flight (ctl_batch_run,
 * the engine of tafel record import).  With rate > 0, request i is not
 * sent before t0 + i / rate seconds (t0: the call).
 */
static void
run(size_t n, int k, double rate, gen_fn gen, done_fn done, void *arg)
{
	struct adapt a = { gen, done, arg };
	struct ctl_batch b = {
		.sock = sockpath, .n = n, .inflight = k > KMAX ? KMAX : k,
		.rate = rate, .timeout_ms = 600000, .gen = adapt_gen,
		.done = adapt_done, .arg = &a,
	};

	if (ctl_batch_run(&b) != 0)
		die("ctl_batch_run: %s", strerror(errno));
}

/* One request, synchronously. */
struct one {
	gen_fn		 gen;
	void		*arg;
	done_fn		 done;
};

static void
one_gen(void *arg, size_t i, struct tafel_mpw *w)
{
	struct one *o = arg;

	o->gen(o->arg, i, w);
}

static void
one_done(void *arg, size_t i, const struct tafel_ctl_resp *r)
{
	struct one *o = arg;

	o->done(o->arg, i, r);
}

static void
call(gen_fn gen, done_fn done, void *arg)
{
	struct one o = { gen, arg, done };

	run(1, 1, 0, one_gen, one_done, &o);
}

/* ---- peers: connected and outbox depth ---- */

struct peers {
	size_t		 connected;
	uint64_t	 outbox;
};

static void
peers_gen(void *arg, size_t i, struct tafel_mpw *w)
{
	tafel_ctl_req_begin(w, "peers");
	tafel_mpw_map(w, 0);
}

static void
peers_done(void *arg, size_t i, const struct tafel_ctl_resp *r)
{
	struct peers *p = arg;
	const msgpack_object *a;
	uint32_t j;

	memset(p, 0, sizeof(*p));
	if (!r->ok)
		die("peers: %s", r->msg);
	if ((a = mget(r->data, "peers")) == NULL ||
	    a->type != MSGPACK_OBJECT_ARRAY)
		die("%s", "peers: no peers array");
	for (j = 0; j < a->via.array.size; j++) {
		const msgpack_object *c = mget(&a->via.array.ptr[j],
		    "connected");

		if (c != NULL && c->type == MSGPACK_OBJECT_BOOLEAN &&
		    c->via.boolean)
			p->connected++;
		p->outbox += mget_uint(&a->via.array.ptr[j], "outbox");
	}
}

/* Polls until npeers are connected and every outbox is empty. */
static int
settle(size_t npeers, double limit_ms)
{
	struct peers p;
	double t0 = mono_ms();

	for (;;) {
		call(peers_gen, peers_done, &p);
		if (p.connected >= npeers && p.outbox == 0)
			return 0;
		if (mono_ms() - t0 > limit_ms) {
			fprintf(stderr, "bench_e2e: not settled: %zu peers "
			    "connected, %" PRIu64 " in the outboxes\n",
			    p.connected, p.outbox);
			return -1;
		}
		usleep(SETTLE_POLL_MS * 1000);
	}
}

/* ---- case.open ---- */

struct opener {
	const char	*table;
	char	       **members;
	int		 nmembers;
	char		 first[33];
	size_t		 failed;
};

static void
open_gen(void *arg, size_t i, struct tafel_mpw *w)
{
	struct opener *o = arg;
	char pseudo[64];
	int j;

	snprintf(pseudo, sizeof(pseudo), "Bench-%zu", i);
	tafel_ctl_req_begin(w, "case.open");
	tafel_mpw_map(w, 3);
	tafel_mpw_str(w, "table");
	tafel_mpw_str(w, o->table);
	tafel_mpw_str(w, "members");
	tafel_mpw_array(w, o->nmembers);
	for (j = 0; j < o->nmembers; j++)
		tafel_mpw_str(w, o->members[j]);
	tafel_mpw_str(w, "pseudonym");
	tafel_mpw_str(w, pseudo);
}

static void
open_done(void *arg, size_t i, const struct tafel_ctl_resp *r)
{
	struct opener *o = arg;

	if (!r->ok) {
		if (o->failed++ == 0)
			fprintf(stderr, "bench_e2e: case.open: %s: %s\n",
			    r->code, r->msg);
		return;
	}
	if (i == 0 && !mget_str(r->data, "case", o->first, sizeof(o->first)))
		die("%s", "case.open: no case id");
}

/* ---- record.add ---- */

/* Times are CLOCK_REALTIME in ms, as record.delivery's time_ms. */
struct rec {
	char		 id[33];
	double		 start;		/* the call (or when it was due) */
	double		 committed;	/* the answer to record.add */
	double		 last_receipt;	/* max time_ms of the recipients */
	int		 delivered;	/* recipients "delivered" */
	int		 recipients;
};

struct adder {
	const char	*case_id;
	char		 text[REC_LEN + 1];
	struct rec	*recs;
	size_t		 failed;
	int		 no_delivery_op;
	size_t		 not_delivered;
};

static void
add_gen(void *arg, size_t i, struct tafel_mpw *w)
{
	struct adder *a = arg;

	/* 1 KiB of text, made different per record. */
	snprintf(a->text, 24, "%020zu ", i);
	a->text[21] = 'x';
	tafel_ctl_req_begin(w, "record.add");
	tafel_mpw_map(w, 3);
	tafel_mpw_str(w, "case");
	tafel_mpw_str(w, a->case_id);
	tafel_mpw_str(w, "category");
	tafel_mpw_str(w, "note");
	tafel_mpw_str(w, "text");
	tafel_mpw_strn(w, a->text, REC_LEN);
	a->recs[i].start = real_ms();
}

static void
add_done(void *arg, size_t i, const struct tafel_ctl_resp *r)
{
	struct adder *a = arg;

	a->recs[i].committed = real_ms();
	if (!r->ok) {
		if (a->failed++ == 0)
			fprintf(stderr, "bench_e2e: record.add: %s: %s\n",
			    r->code, r->msg);
		return;
	}
	if (!mget_str(r->data, "record", a->recs[i].id, sizeof(a->recs[i].id)))
		die("%s", "record.add: no record id");
}

/* ---- record.delivery ---- */

static void
deliv_gen(void *arg, size_t i, struct tafel_mpw *w)
{
	struct adder *a = arg;

	tafel_ctl_req_begin(w, "record.delivery");
	tafel_mpw_map(w, 2);
	tafel_mpw_str(w, "case");
	tafel_mpw_str(w, a->case_id);
	tafel_mpw_str(w, "record");
	tafel_mpw_str(w, a->recs[i].id);
}

static void
deliv_done(void *arg, size_t i, const struct tafel_ctl_resp *r)
{
	struct adder *a = arg;
	struct rec *rc = &a->recs[i];
	const msgpack_object *arr;
	char status[16];
	uint32_t j;

	if (!r->ok) {
		if (strcmp(r->code, "unknown-op") == 0) {
			a->no_delivery_op = 1;
			return;
		}
		die("record.delivery: %s", r->msg);
	}
	if ((arr = mget(r->data, "recipients")) == NULL ||
	    arr->type != MSGPACK_OBJECT_ARRAY)
		die("%s", "record.delivery: no recipients array");
	rc->recipients = arr->via.array.size;
	rc->delivered = 0;
	rc->last_receipt = 0;
	for (j = 0; j < arr->via.array.size; j++) {
		const msgpack_object *m = &arr->via.array.ptr[j];
		uint64_t t = mget_uint(m, "time_ms");

		if (mget_str(m, "status", status, sizeof(status)) &&
		    strcmp(status, "delivered") == 0)
			rc->delivered++;
		if ((double)t > rc->last_receipt)
			rc->last_receipt = (double)t;
	}
}

/*
 * Asks record.delivery about every record; returns 0 when the op
 * exists (and counts the records not delivered to all), -1 when not.
 */
static int
delivery(struct adder *a, size_t n, int k)
{
	size_t i;

	a->no_delivery_op = 0;
	a->not_delivered = 0;
	/* One probe first, so that an old daemon is asked only once. */
	call(deliv_gen, deliv_done, a);
	if (a->no_delivery_op)
		return -1;
	run(n, k, 0, deliv_gen, deliv_done, a);
	for (i = 0; i < n; i++)
		if (a->recs[i].recipients == 0 ||
		    a->recs[i].delivered != a->recs[i].recipients)
			a->not_delivered++;
	return 0;
}

static int
cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return a < b ? -1 : a > b;
}

static double
pct(const double *v, size_t n, double p)
{
	size_t i = (size_t)(p / 100.0 * (n - 1) + 0.5);

	return v[i < n ? i : n - 1];
}

static size_t
parse_size(const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v == 0)
		die("not a count: %s", s);
	return v;
}

static void
adder_init(struct adder *a, const char *case_id, size_t n)
{
	memset(a, 0, sizeof(*a));
	a->case_id = case_id;
	memset(a->text, 'r', REC_LEN);
	if ((a->recs = calloc(n, sizeof(*a->recs))) == NULL)
		die("%s", "out of memory");
}

/*
 * CPU time (user + system, all threads) of process pid so far, in ms;
 * -1 when it cannot be read.
 */
static double
cpu_ms(long pid)
{
	char path[64], buf[1024], *p;
	unsigned long ut, st;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* After the command name in parentheses: state is field 3. */
	if ((p = strrchr(buf, ')')) == NULL || sscanf(p + 2,
	    "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut,
	    &st) != 2)
		return -1;
	return (ut + st) * 1e3 / sysconf(_SC_CLK_TCK);
}

/*
 * Writes so far to the block device that holds path, from
 * /sys/dev/block/MAJ:MIN/stat: *reqs the write requests completed
 * (field 5; adjacent pages merge into one request), and the bytes
 * (field 7 counts 512-byte sectors).  That is what the disk was asked
 * to do, the file system's own writes included, for every process on
 * the machine.  -1 when there is no such device (tmpfs).  The kernel's
 * per-process "write_bytes" is no measure of it: with large folios it
 * counts a whole folio for each 4 KiB page dirtied.
 */
static double
disk_written(const char *path, double *reqs)
{
	char sys[96];
	unsigned long long w, sectors;
	struct stat st;
	FILE *f;
	int n;

	*reqs = -1;
	if (stat(path, &st) == -1)
		return -1;
	snprintf(sys, sizeof(sys), "/sys/dev/block/%u:%u/stat",
	    major(st.st_dev), minor(st.st_dev));
	if ((f = fopen(sys, "re")) == NULL)
		return -1;
	n = fscanf(f, "%*u %*u %*u %*u %llu %*u %llu", &w, &sectors);
	fclose(f);
	if (n != 2)
		return -1;
	*reqs = w;
	return sectors * 512.0;
}

/*
 * BENCH_CPU_PIDS="SENDER RECEIVER...": the daemons whose CPU time a
 * throughput run reports per record; and the bytes written to the disk
 * that holds their stores.
 */
struct cpu {
	long	 pid[8];
	int	 n;
	double	 t[8];
	double	 disk;
	double	 disk_reqs;
};

static void
cpu_start(struct cpu *c)
{
	const char *env = getenv("BENCH_CPU_PIDS");
	char *end;
	int i;

	c->n = 0;
	while (env != NULL && *env != '\0' && c->n < 8) {
		c->pid[c->n] = strtol(env, &end, 10);
		if (end == env)
			break;
		c->n++;
		env = end;
	}
	for (i = 0; i < c->n; i++)
		c->t[i] = cpu_ms(c->pid[i]);
	c->disk = disk_written(statedir, &c->disk_reqs);
}

static void
cpu_report(struct cpu *c, size_t n)
{
	double r = 0, w, reqs;
	int i;

	if ((w = disk_written(statedir, &reqs)) >= 0 && c->disk >= 0) {
		printf("tp_disk_kib %.1f\n", (w - c->disk) / 1024 / n);
		printf("tp_disk_reqs %.1f\n", (reqs - c->disk_reqs) / n);
	}
	if (c->n == 0)
		return;
	printf("tp_cpu_sender_us %.0f\n", (cpu_ms(c->pid[0]) - c->t[0]) *
	    1e3 / n);
	for (i = 1; i < c->n; i++)
		r += cpu_ms(c->pid[i]) - c->t[i];
	if (c->n > 1)
		printf("tp_cpu_receiver_us %.0f\n", r / (c->n - 1) * 1e3 / n);
}

static int
cmd_throughput(const char *case_id, size_t n, int k)
{
	struct adder a;
	struct cpu c;
	double t0, t0r, tc, td, last = 0;
	size_t i;

	adder_init(&a, case_id, n);
	cpu_start(&c);
	t0 = mono_ms();
	t0r = real_ms();
	run(n, k, 0, add_gen, add_done, &a);
	tc = mono_ms();
	if (a.failed != 0) {
		printf("tp_failed %zu\n", a.failed);
		return 1;
	}
	if (settle(0, 120e3) != 0)
		return 1;
	td = mono_ms();
	/* Before the record.delivery questions, which cost CPU too. */
	cpu_report(&c, n);
	printf("tp_records %zu\n", n);
	printf("tp_inflight %d\n", k);
	printf("tp_commit_per_s %.0f\n", n / ((tc - t0) / 1e3));
	printf("tp_outbox_per_s %.0f\n", n / ((td - t0) / 1e3));
	if (delivery(&a, n, k) != 0) {
		printf("tp_delivery_op missing\n");
		printf("tp_per_s %.0f\n", n / ((td - t0) / 1e3));
		return 0;
	}
	for (i = 0; i < n; i++)
		if (a.recs[i].last_receipt > last)
			last = a.recs[i].last_receipt;
	printf("tp_delivery_op present\n");
	printf("tp_not_delivered %zu\n", a.not_delivered);
	printf("tp_per_s %.0f\n", n / ((last - t0r) / 1e3));
	free(a.recs);
	return a.not_delivered == 0 ? 0 : 1;
}

static int
cmd_latency(const char *case_id, double rate, double secs)
{
	struct adder a;
	size_t n = (size_t)(rate * secs), i, m = 0;
	double *lat, t0, t0r;
	int fallback = 0;

	adder_init(&a, case_id, n);
	if ((lat = calloc(n, sizeof(*lat))) == NULL)
		die("%s", "out of memory");
	t0 = mono_ms();
	t0r = real_ms();
	/* Enough slots that a slow answer never holds the rate back. */
	run(n, KMAX, rate, add_gen, add_done, &a);
	/*
	 * Open loop: a call starts when it is due, even when the daemon is
	 * so far behind that it could not be made then (no coordinated
	 * omission).
	 */
	for (i = 0; i < n; i++)
		a.recs[i].start = t0r + i * 1e3 / rate;
	printf("lat_offered_per_s %.0f\n", rate);
	printf("lat_achieved_per_s %.0f\n", n / ((mono_ms() - t0) / 1e3));
	if (a.failed != 0) {
		printf("lat_failed %zu\n", a.failed);
		return 1;
	}
	if (settle(0, 120e3) != 0)
		return 1;
	if (delivery(&a, n, 16) != 0) {
		fallback = 1;
		printf("lat_to commit\n");
	} else
		printf("lat_to receipt\n");
	for (i = 0; i < n; i++) {
		if (fallback)
			lat[m++] = a.recs[i].committed - a.recs[i].start;
		else if (a.recs[i].delivered == a.recs[i].recipients &&
		    a.recs[i].recipients > 0)
			lat[m++] = a.recs[i].last_receipt - a.recs[i].start;
	}
	qsort(lat, m, sizeof(*lat), cmp_double);
	/* The first leg alone: the call to the sender's durable commit. */
	if (!fallback) {
		double *cl;

		if ((cl = calloc(n, sizeof(*cl))) == NULL)
			die("%s", "out of memory");
		for (i = 0; i < n; i++)
			cl[i] = a.recs[i].committed - a.recs[i].start;
		qsort(cl, n, sizeof(*cl), cmp_double);
		printf("lat_commit_p50_ms %.1f\n", pct(cl, n, 50));
		printf("lat_commit_p99_ms %.1f\n", pct(cl, n, 99));
		free(cl);
	}
	printf("lat_records %zu\n", n);
	printf("lat_measured %zu\n", m);
	if (m > 0) {
		printf("lat_p50_ms %.1f\n", pct(lat, m, 50));
		printf("lat_p99_ms %.1f\n", pct(lat, m, 99));
		printf("lat_max_ms %.1f\n", lat[m - 1]);
	}
	free(lat);
	free(a.recs);
	return m == n ? 0 : 1;
}

static void
usage(void)
{
	fprintf(stderr, "usage: bench_e2e -d DIR open TABLE N K [MEMBER...]\n"
	    "       bench_e2e -d DIR settle NPEERS SECONDS\n"
	    "       bench_e2e -d DIR throughput CASE N K\n"
	    "       bench_e2e -d DIR latency CASE RATE SECONDS\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	const char *cmd;

	if (argc < 4 || strcmp(argv[1], "-d") != 0)
		usage();
	statedir = argv[2];
	if ((size_t)snprintf(sockpath, sizeof(sockpath), "%s/%s", argv[2],
	    TAFEL_CTL_SOCK) >= sizeof(sockpath))
		die("%s", "socket path too long");
	cmd = argv[3];
	argc -= 4;
	argv += 4;
	if (strcmp(cmd, "open") == 0 && argc >= 3) {
		struct opener o = { argv[0], argv + 3, argc - 3, "", 0 };
		size_t n = parse_size(argv[1]);
		double t0 = mono_ms();

		run(n, (int)parse_size(argv[2]), 0, open_gen, open_done, &o);
		printf("open_per_s %.0f\n", n / ((mono_ms() - t0) / 1e3));
		printf("case %s\n", o.first);
		return o.failed == 0 ? 0 : 1;
	}
	if (strcmp(cmd, "settle") == 0 && argc == 2)
		return settle(strtoul(argv[0], NULL, 10),
		    parse_size(argv[1]) * 1e3) == 0 ? 0 : 1;
	if (strcmp(cmd, "throughput") == 0 && argc == 3)
		return cmd_throughput(argv[0], parse_size(argv[1]),
		    (int)parse_size(argv[2]));
	if (strcmp(cmd, "latency") == 0 && argc == 3)
		return cmd_latency(argv[0], parse_size(argv[1]),
		    parse_size(argv[2]));
	usage();
	return 2;
}
