/*
 * bench_auditlog: the daemon's own exchange log at N entries (make bench).
 *
 *   bench_auditlog DIR ORG N
 *
 * DIR is a state directory made by `tafel init` for ORG, with no daemon
 * running on it.  Appends N "sent" entries (the shape of a record sent
 * to three partners) with the daemon's audit_append, 1,000 per durable
 * transaction, as a busy daemon's group commit does, and prints
 * "audit_append_per_s N" for tests/bench/run.sh.  The proof and the
 * offline verify are then timed by run.sh with the real tafeld and
 * tafel (`tafel audit prove`, `audit export`, `audit verify`).
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../daemon/daemon.h"

#define BATCH	1000

struct fill {
	struct tafeld	*d;
	uint64_t	 first;
	uint64_t	 n;
};

static int
fill_txn(MDB_txn *txn, void *arg)
{
	struct fill *f = arg;
	struct tafel_audit_entry *e;
	uint64_t i;
	int rc = 0;

	if ((e = calloc(1, sizeof(*e))) == NULL)
		return -1;
	e->kind = TAFEL_AUDIT_SENT;
	snprintf(e->table, sizeof(e->table), "aalst");
	e->has_case = true;
	e->has_env = true;
	snprintf(e->event, sizeof(e->event), "record");
	snprintf(e->cat, sizeof(e->cat), "note");
	snprintf(e->from, sizeof(e->from), "%s", f->d->self.org);
	e->has_to = true;
	e->nto = 3;
	snprintf(e->to[0], sizeof(e->to[0]), "politie");
	snprintf(e->to[1], sizeof(e->to[1]), "caw");
	snprintf(e->to[2], sizeof(e->to[2]), "ocmw");
	snprintf(e->person, sizeof(e->person), "bench");
	for (i = 0; i < f->n && rc == 0; i++) {
		uint64_t x = f->first + i;

		memcpy(e->case_id, &x, sizeof(x));
		crypto_generichash(e->env, sizeof(e->env), (uint8_t *)&x,
		    sizeof(x), NULL, 0);
		rc = audit_append(f->d, txn, e);
	}
	free(e);
	return rc;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int
main(int argc, char *argv[])
{
	struct tafeld *d;
	struct fill f;
	uint64_t n, done;
	double t0, t1;

	if (argc != 4) {
		fprintf(stderr, "usage: bench_auditlog DIR ORG N\n");
		return 2;
	}
	n = strtoull(argv[3], NULL, 10);
	if (sodium_init() < 0 || (d = calloc(1, sizeof(*d))) == NULL)
		return 1;
	log_init(0, "bench_auditlog");
	snprintf(d->dir, sizeof(d->dir), "%s", argv[1]);
	snprintf(d->self.org, sizeof(d->self.org), "%s", argv[2]);
	d->commit_timer = -1;
	d->actions_tail = &d->actions;
	if (keys_load(d->dir, NULL, &d->keys) != 0 ||
	    store_open(d->dir, (size_t)64 << 20, &d->store) != 0 ||
	    (d->loop = zloop_new()) == NULL || audit_start(d) != 0) {
		fprintf(stderr, "bench_auditlog: cannot open %s\n", d->dir);
		return 1;
	}
	t0 = now();
	for (done = 0; done < n; done += f.n) {
		f.d = d;
		f.first = done;
		f.n = n - done < BATCH ? n - done : BATCH;
		if (store_write(d->store, fill_txn, &f) != 0) {
			fprintf(stderr, "bench_auditlog: append failed at %llu\n",
			    (unsigned long long)done);
			return 1;
		}
	}
	t1 = now();
	printf("audit_append_per_s %.0f\n", n / (t1 - t0));
	audit_stop(d);
	zloop_destroy(&d->loop);
	store_close(&d->store);
	keys_free(&d->keys);
	free(d);
	return 0;
}
