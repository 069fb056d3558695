/*
 * bench_limits: what the libraries and the machine allow, measured with
 * the same release flags as tafeld (make bench).
 *
 *   bench_limits [--quick] TMPDIR
 *
 * Prints one "key value" line per measurement (rates per second, times
 * in microseconds), for tests/bench/run.sh to put in its table:
 *
 *   sign, verify          Ed25519 (crypto_sign_detached / _verify_)
 *   box1k, box32          crypto_box_easy_afternm on 1 KiB and on a
 *                         32-byte content key (what a wrap is)
 *   boxopen32             crypto_box_open_easy_afternm of that wrap
 *   aead1k                XChaCha20-Poly1305 (IETF) encrypt of 1 KiB
 *   sha256                SHA-256 of a 200-byte leaf
 *   commit1               LMDB durable commits of one 1 KiB record
 *   commit1000            LMDB durable commits of 1,000 such records
 *   commit1_par4          commit1 from four processes at once, each
 *                         with its own environment: the sum
 *   zmq_rt, zmq_oneway    CurveZMQ, 1 KiB, between two processes on
 *                         loopback: round trips and one-way messages
 *
 * Each crypto loop runs for a fixed time (0.5 s, 0.2 s with --quick)
 * and reports operations per second.  LMDB uses a real file in TMPDIR
 * with default (durable) flags.  The ZeroMQ peer is forked before this
 * process creates any ZeroMQ context.
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <lmdb.h>
#include <signal.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#define MSG_LEN		1024
#define ZMQ_RT_N	4000
#define ZMQ_OW_N	50000

static double run_secs = 0.5;

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
put(const char *key, double per_s)
{
	printf("%s %.0f %.2f\n", key, per_s, per_s > 0 ? 1e6 / per_s : 0);
	fflush(stdout);
}

static void
die(const char *what)
{
	fprintf(stderr, "bench_limits: %s\n", what);
	exit(1);
}

/* ---- crypto ---- */

/*
 * Runs fn in batches of 64 until run_secs have passed; returns calls
 * per second.  A volatile sink keeps the compiler from dropping work.
 */
static volatile int sink;

#define TIMED(name, body) do {						\
	double t0 = now(), t;						\
	unsigned long n = 0;						\
	do {								\
		int i_;							\
		for (i_ = 0; i_ < 64; i_++) {				\
			body;						\
		}							\
		n += 64;						\
	} while ((t = now() - t0) < run_secs);				\
	put(name, n / t);						\
} while (0)

static void
bench_crypto(void)
{
	uint8_t pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	uint8_t sig[crypto_sign_BYTES], m[MSG_LEN], c[MSG_LEN + 64];
	uint8_t bpk[32], bsk[32], bpk2[32], bsk2[32], k1[32], k2[32];
	uint8_t nonce[24], key[32], h[32], out[MSG_LEN];
	unsigned long long clen;

	randombytes_buf(m, sizeof(m));
	crypto_sign_keypair(pk, sk);
	crypto_box_keypair(bpk, bsk);
	crypto_box_keypair(bpk2, bsk2);
	if (crypto_box_beforenm(k1, bpk2, bsk) != 0 ||
	    crypto_box_beforenm(k2, bpk, bsk2) != 0)
		die("crypto_box_beforenm");
	randombytes_buf(nonce, sizeof(nonce));
	randombytes_buf(key, sizeof(key));

	/* The envelope signature covers about 1 KiB of header and wraps. */
	TIMED("sign", crypto_sign_detached(sig, NULL, m, MSG_LEN, sk));
	TIMED("verify",
	    sink += crypto_sign_verify_detached(sig, m, MSG_LEN, pk));
	TIMED("box1k", sink += crypto_box_easy_afternm(c, m, MSG_LEN, nonce,
	    k1));
	TIMED("box32", sink += crypto_box_easy_afternm(c, m, 32, nonce, k1));
	if (crypto_box_easy_afternm(c, m, 32, nonce, k1) != 0)
		die("crypto_box_easy_afternm");
	TIMED("boxopen32", sink += crypto_box_open_easy_afternm(out, c,
	    32 + crypto_box_MACBYTES, nonce, k2));
	TIMED("aead1k", sink += crypto_aead_xchacha20poly1305_ietf_encrypt(c,
	    &clen, m, MSG_LEN, h, sizeof(h), NULL, nonce, key));
	TIMED("sha256", sink += crypto_hash_sha256(h, m, 200));
	/* The envelope hash: SHA-256 of about 1.6 KiB. */
	TIMED("sha256_env", sink += crypto_hash_sha256(h, m, MSG_LEN));
}

/* ---- LMDB ---- */

static void
mdb_check(int rc, const char *what)
{
	if (rc != 0) {
		fprintf(stderr, "bench_limits: %s: %s\n", what,
		    mdb_strerror(rc));
		exit(1);
	}
}

static int
commits(MDB_env *env, MDB_dbi dbi, int per_txn, double secs, uint64_t *seq,
    unsigned long *ntxn)
{
	uint8_t kb[16], val[MSG_LEN];
	double t0 = now();
	MDB_txn *txn;
	MDB_val k, v;
	int i;

	randombytes_buf(val, sizeof(val));
	*ntxn = 0;
	do {
		mdb_check(mdb_txn_begin(env, NULL, 0, &txn), "txn_begin");
		for (i = 0; i < per_txn; i++) {
			/* Random 16-byte keys, as message ids are. */
			randombytes_buf(kb, sizeof(kb));
			memcpy(kb, seq, sizeof(*seq));
			(*seq)++;
			k.mv_data = kb;
			k.mv_size = sizeof(kb);
			v.mv_data = val;
			v.mv_size = sizeof(val);
			mdb_check(mdb_put(txn, dbi, &k, &v, 0), "put");
		}
		mdb_check(mdb_txn_commit(txn), "commit");
		(*ntxn)++;
	} while (now() - t0 < secs);
	return 0;
}

static void
bench_lmdb(const char *tmp)
{
	char dir[4096];
	uint64_t seq = 0;
	unsigned long n;
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	double t0, t;

	if ((size_t)snprintf(dir, sizeof(dir), "%s/lmdb", tmp) >= sizeof(dir))
		die("path too long");
	if (mkdir(dir, 0700) == -1 && errno != EEXIST)
		die("mkdir");
	mdb_check(mdb_env_create(&env), "env_create");
	mdb_check(mdb_env_set_mapsize(env, (size_t)4 << 30), "mapsize");
	/* Default flags: every commit is durable (fdatasync). */
	mdb_check(mdb_env_open(env, dir, 0, 0600), "env_open");
	mdb_check(mdb_txn_begin(env, NULL, 0, &txn), "txn_begin");
	mdb_check(mdb_dbi_open(txn, NULL, 0, &dbi), "dbi_open");
	mdb_check(mdb_txn_commit(txn), "commit");

	/* Warm the file up a little, then one record per commit. */
	commits(env, dbi, 1, 0.1, &seq, &n);
	t0 = now();
	commits(env, dbi, 1, run_secs * 2, &seq, &n);
	t = now() - t0;
	put("commit1", n / t);

	t0 = now();
	commits(env, dbi, 1000, run_secs * 2, &seq, &n);
	t = now() - t0;
	put("commit1000", n / t);
	printf("commit1000_records %.0f\n", n * 1000 / t);
	mdb_env_close(env);
}

/*
 * Four processes, each with its own environment, committing one record
 * at a time on the same disk, as four daemons on one machine do: the
 * sum of their commits per second.  Shows whether the disk serialises
 * their flushes.
 */
static void
bench_lmdb_parallel(const char *tmp, int nproc)
{
	int fds[2], i, status;
	double sum = 0, r;
	pid_t pid;

	if (pipe(fds) == -1)
		die("pipe");
	for (i = 0; i < nproc; i++) {
		if ((pid = fork()) == -1)
			die("fork");
		if (pid == 0) {
			char dir[4096];
			uint64_t seq = 0;
			unsigned long n;
			MDB_env *env;
			MDB_txn *txn;
			MDB_dbi dbi;
			double t0;

			snprintf(dir, sizeof(dir), "%s/lmdb-%d", tmp, i);
			if (mkdir(dir, 0700) == -1 && errno != EEXIST)
				_exit(1);
			mdb_check(mdb_env_create(&env), "env_create");
			mdb_check(mdb_env_set_mapsize(env, (size_t)1 << 30),
			    "mapsize");
			mdb_check(mdb_env_open(env, dir, 0, 0600), "env_open");
			mdb_check(mdb_txn_begin(env, NULL, 0, &txn), "begin");
			mdb_check(mdb_dbi_open(txn, NULL, 0, &dbi), "dbi");
			mdb_check(mdb_txn_commit(txn), "commit");
			t0 = now();
			commits(env, dbi, 1, run_secs * 2, &seq, &n);
			r = n / (now() - t0);
			mdb_env_close(env);
			if (write(fds[1], &r, sizeof(r)) != sizeof(r))
				_exit(1);
			_exit(0);
		}
	}
	close(fds[1]);
	for (i = 0; i < nproc; i++) {
		if (read(fds[0], &r, sizeof(r)) != sizeof(r))
			die("a committing process died");
		sum += r;
	}
	close(fds[0]);
	while (wait(&status) > 0)
		;
	put("commit1_par4", sum);
}

/* ---- CurveZMQ ---- */

static void
zcheck(int rc, const char *what)
{
	if (rc == -1) {
		fprintf(stderr, "bench_limits: %s: %s\n", what,
		    zmq_strerror(zmq_errno()));
		exit(1);
	}
}

static void
curve_server(void *s, const char *sk)
{
	int one = 1;

	zcheck(zmq_setsockopt(s, ZMQ_CURVE_SERVER, &one, sizeof(one)),
	    "curve_server");
	zcheck(zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, sk, 40), "secretkey");
}

static void
curve_client(void *s, const char *spk, const char *pk, const char *sk)
{
	zcheck(zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, spk, 40), "serverkey");
	zcheck(zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, pk, 40), "publickey");
	zcheck(zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, sk, 40), "secretkey");
}

static void
endpoint(void *s, char *buf, size_t bufsz)
{
	size_t n = bufsz;

	zcheck(zmq_getsockopt(s, ZMQ_LAST_ENDPOINT, buf, &n), "endpoint");
}

/*
 * The peer: a REP socket for round trips and a PULL socket for one-way
 * messages, both CURVE servers on ephemeral loopback ports, which it
 * writes to the pipe.  After every count messages on PULL it answers one
 * byte on the pipe, so the other side knows when the last one arrived.
 */
static void
zmq_peer(int wfd, const char *ssk)
{
	char buf[MSG_LEN], ep[2][256];
	void *ctx = zmq_ctx_new(), *rep, *pull;
	zmq_pollitem_t items[2];
	uint32_t want = 0, got = 0;
	int n;

	rep = zmq_socket(ctx, ZMQ_REP);
	pull = zmq_socket(ctx, ZMQ_PULL);
	curve_server(rep, ssk);
	curve_server(pull, ssk);
	zcheck(zmq_bind(rep, "tcp://127.0.0.1:*"), "bind");
	zcheck(zmq_bind(pull, "tcp://127.0.0.1:*"), "bind");
	endpoint(rep, ep[0], sizeof(ep[0]));
	endpoint(pull, ep[1], sizeof(ep[1]));
	if (write(wfd, ep, sizeof(ep)) != sizeof(ep))
		_exit(1);
	items[0] = (zmq_pollitem_t){ rep, 0, ZMQ_POLLIN, 0 };
	items[1] = (zmq_pollitem_t){ pull, 0, ZMQ_POLLIN, 0 };
	for (;;) {
		if (zmq_poll(items, 2, -1) == -1)
			_exit(1);
		if (items[0].revents & ZMQ_POLLIN) {
			n = zmq_recv(rep, buf, sizeof(buf), 0);
			if (n == 4 && memcmp(buf, "quit", 4) == 0)
				break;
			if (n == 4 && memcmp(buf, "cnt", 3) == 0) {
				/* "cnt" + 1 byte: expect that many k. */
				want = (uint8_t)buf[3] * 1000u;
				got = 0;
			}
			zmq_send(rep, buf, n > 0 ? (size_t)n : 0, 0);
		}
		while ((n = zmq_recv(pull, buf, sizeof(buf), ZMQ_DONTWAIT)) >=
		    0) {
			if (want != 0 && ++got == want) {
				if (write(wfd, "x", 1) != 1)
					_exit(1);
				want = 0;
			}
		}
	}
	zmq_close(rep);
	zmq_close(pull);
	zmq_ctx_term(ctx);
	_exit(0);
}

static void
rt(void *req, char *buf, size_t len)
{
	zcheck(zmq_send(req, buf, len, 0), "send");
	zcheck(zmq_recv(req, buf, MSG_LEN, 0), "recv");
}

static void
bench_zmq(void)
{
	char spk[41], ssk[41], cpk[41], csk[41], ep[2][256], buf[MSG_LEN], x;
	void *ctx, *req, *push;
	int fds[2], i, n, status, rtn = ZMQ_RT_N, own = ZMQ_OW_N;
	double t0, t;
	pid_t pid;

	if (run_secs < 0.5) {
		rtn /= 4;
		own /= 5;
	}
	if (zmq_curve_keypair(spk, ssk) != 0 ||
	    zmq_curve_keypair(cpk, csk) != 0)
		die("zmq_curve_keypair (libzmq without CURVE?)");
	if (pipe(fds) == -1)
		die("pipe");
	/* Fork before this process makes any ZeroMQ context. */
	if ((pid = fork()) == -1)
		die("fork");
	if (pid == 0) {
		close(fds[0]);
		zmq_peer(fds[1], ssk);
	}
	close(fds[1]);
	if (read(fds[0], ep, sizeof(ep)) != sizeof(ep))
		die("peer did not start");

	ctx = zmq_ctx_new();
	req = zmq_socket(ctx, ZMQ_REQ);
	push = zmq_socket(ctx, ZMQ_PUSH);
	curve_client(req, spk, cpk, csk);
	curve_client(push, spk, cpk, csk);
	zcheck(zmq_connect(req, ep[0]), "connect");
	zcheck(zmq_connect(push, ep[1]), "connect");
	randombytes_buf(buf, sizeof(buf));

	/* Handshake and warm-up, then timed round trips of 1 KiB. */
	for (i = 0; i < 100; i++)
		rt(req, buf, sizeof(buf));
	t0 = now();
	for (i = 0; i < rtn; i++)
		rt(req, buf, sizeof(buf));
	t = now() - t0;
	put("zmq_rt", rtn / t);

	/* One-way: a warm-up of 1,000 messages, then own timed ones. */
	for (i = 0; i < 2; i++) {
		int k = i == 0 ? 1 : own / 1000;
		char cnt[4] = { 'c', 'n', 't', (char)k };

		memcpy(buf, cnt, 4);
		rt(req, buf, 4);
		randombytes_buf(buf, sizeof(buf));
		t0 = now();
		for (n = 0; n < k * 1000; n++)
			zcheck(zmq_send(push, buf, sizeof(buf), 0), "send");
		if (read(fds[0], &x, 1) != 1)
			die("peer died");
		t = now() - t0;
	}
	put("zmq_oneway", own / 1000 * 1000 / t);
	memcpy(buf, "quit", 4);
	zcheck(zmq_send(req, buf, 4, 0), "send");
	zmq_close(req);
	zmq_close(push);
	zmq_ctx_term(ctx);
	waitpid(pid, &status, 0);
}

int
main(int argc, char *argv[])
{
	const char *tmp;

	if (argc == 3 && strcmp(argv[1], "--quick") == 0) {
		run_secs = 0.2;
		tmp = argv[2];
	} else if (argc == 2)
		tmp = argv[1];
	else {
		fprintf(stderr, "usage: bench_limits [--quick] TMPDIR\n");
		return 2;
	}
	if (sodium_init() < 0)
		die("sodium_init");
	bench_crypto();
	bench_lmdb(tmp);
	bench_lmdb_parallel(tmp, 4);
	bench_zmq();
	return sink == 42 ? 0 : 0;
}
