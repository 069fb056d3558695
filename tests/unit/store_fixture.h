/*
 * A daemon with nothing but a real LMDB store in a fresh directory, for
 * unit tests of the daemon's store-backed modules; removed after each
 * test.  Define FIXTURE_NAME (a word) before including this.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../../daemon/daemon.h"

struct fixture {
	char		 dir[64];
	struct tafeld	 d;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/tafel-%s.XXXXXX", FIXTURE_NAME);
	if (mkdtemp(f->dir) == NULL ||
	    store_open(f->dir, (size_t)1 << 20, &f->d.store) != 0)
		return -1;
	f->d.commit_timer = -1;		/* no event loop: commit_flush */
	f->d.keys_timer = -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	store_close(&f->d.store);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}
