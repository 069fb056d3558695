/*
 * tafeld: the partner-table case-sharing daemon of one organisation.
 *
 *   tafeld -d DIR [--passphrase-file FILE] [-v] [--map-size MIB]
 *          [--allow-root-dangerously]
 *
 * Runs in the foreground and logs to stderr; SIGTERM or SIGINT stops it
 * cleanly.  Refuses to run as root unless told otherwise.  See tafeld(8).
 */
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "tafel/util.h"

#define RETRY_TICK_MS		250
#define READER_CHECK_MS		60000
#define DEFAULT_MAPSIZE		((size_t)64 << 20)
#define DEFAULT_GAP_WAIT	120	/* seconds */

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: tafeld -d DIR [--passphrase-file FILE] [-v] "
	    "[--map-size MIB] [--gap-wait SECONDS] [--allow-root-dangerously] "
	    "[--version]\n");
	exit(2);
}

/* DIR/tafel.conf: "listen ENDPOINT"; '#' starts a comment. */
static int
read_conf(struct tafeld *d)
{
	char path[PATH_MAX], line[1024];
	FILE *f;
	int lineno = 0, rc = 0;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", d->dir,
	    TAFELD_CONF) >= sizeof(path))
		return -1;
	if ((f = fopen(path, "re")) == NULL) {
		log_warn("%s", path);
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		char *p = line, *key, *val;

		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			log_warnx("%s:%d: line too long", path, lineno);
			rc = -1;
			break;
		}
		p[strcspn(p, "#\r\n")] = '\0';
		key = strtok(p, " \t");
		if (key == NULL)
			continue;
		val = strtok(NULL, " \t");
		if (val == NULL || strtok(NULL, " \t") != NULL) {
			log_warnx("%s:%d: expected: %s VALUE", path, lineno,
			    key);
			rc = -1;
			break;
		}
		if (strcmp(key, "listen") == 0) {
			if ((size_t)snprintf(d->listen, sizeof(d->listen),
			    "%s", val) >= sizeof(d->listen) ||
			    strncmp(val, "tcp://", 6) != 0) {
				log_warnx("%s:%d: listen: a tcp://HOST:PORT "
				    "endpoint is needed", path, lineno);
				rc = -1;
				break;
			}
		} else {
			log_warnx("%s:%d: unknown setting %s", path, lineno,
			    key);
			rc = -1;
			break;
		}
	}
	fclose(f);
	if (rc == 0 && d->listen[0] == '\0') {
		log_warnx("%s: no listen endpoint", path);
		rc = -1;
	}
	return rc;
}

static int
read_card(struct tafeld *d)
{
	char path[PATH_MAX], *text;
	uint8_t *raw;
	size_t rawlen;
	long n;
	FILE *f;
	int rc;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", d->dir,
	    TAFELD_CARD) >= sizeof(path))
		return -1;
	if ((f = fopen(path, "re")) == NULL) {
		log_warn("%s", path);
		return -1;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || n > 65536 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		log_warnx("%s: not a member card", path);
		fclose(f);
		return -1;
	}
	if ((text = malloc(n + 1)) == NULL)
		fatal("malloc");
	if (fread(text, 1, n, f) != (size_t)n) {
		log_warnx("%s: read error", path);
		free(text);
		fclose(f);
		return -1;
	}
	fclose(f);
	rc = tafel_card_from_text(text, n, &raw, &rawlen, &d->self);
	free(text);
	if (rc != 0) {
		log_warnx("%s: not a valid member card: %s", path,
		    tafel_strerror(rc));
		return -1;
	}
	free(raw);
	d->self_role = tafel_role_index(d->self.role);
	return 0;
}

static int
check_dir(const char *dir)
{
	struct stat st;

	if (stat(dir, &st) == -1) {
		log_warn("%s", dir);
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		log_warnx("%s: not a directory", dir);
		return -1;
	}
	if ((st.st_mode & 022) != 0) {
		log_warnx("%s: writable by group or others (mode %03o); "
		    "refusing to run: chmod 700 %s", dir, st.st_mode & 0777,
		    dir);
		return -1;
	}
	if (st.st_uid != getuid()) {
		log_warnx("%s: owned by uid %u, not by this user (%u)", dir,
		    (unsigned)st.st_uid, (unsigned)getuid());
		return -1;
	}
	return 0;
}

/* One daemon per state directory: an exclusive lock held for life. */
static int
lock_dir(const char *dir)
{
	char path[PATH_MAX];
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/tafeld.lock", dir) >=
	    sizeof(path))
		return -1;
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	    0600)) == -1) {
		log_warn("%s", path);
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		log_warnx("another tafeld is already running for %s", dir);
		close(fd);
		return -1;
	}
	return fd;
}

/* The secrets, opened during a turn of the loop, close at its end. */
static int
keys_tick(zloop_t *loop, int timer_id, void *arg)
{
	struct tafeld *d = arg;

	d->keys_timer = -1;	/* a one-shot timer ends by itself */
	keys_lock_now(d->keys);
	return 0;
}

static int
keys_later(void *arg)
{
	struct tafeld *d = arg;

	if (d->keys_timer == -1 && (d->keys_timer = zloop_timer(d->loop, 0,
	    1, keys_tick, d)) == -1)
		return -1;
	return 0;
}

static int
retry_tick(zloop_t *loop, int timer_id, void *arg)
{
	net_reap(arg, false);
	(void)outbox_retry(arg);
	return 0;
}

static int
reader_tick(zloop_t *loop, int timer_id, void *arg)
{
	struct tafeld *d = arg;

	store_reader_check(d->store);
	return 0;
}

int
main(int argc, char *argv[])
{
	struct tafeld *d;
	struct rlimit rl = { 0, 0 };
	const char *dir = getenv("TAFEL_DIR"), *passfile = NULL;
	uint8_t sign_pk[32], box_pk[32], curve_pk[32];
	size_t mapsize = DEFAULT_MAPSIZE;
	unsigned gap_wait = DEFAULT_GAP_WAIT;
	int i, debug = 0, allow_root = 0, lockfd, rc = 1;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-d") == 0 && i + 1 < argc)
			dir = argv[++i];
		else if (strcmp(argv[i], "--passphrase-file") == 0 &&
		    i + 1 < argc)
			passfile = argv[++i];
		else if (strcmp(argv[i], "-v") == 0)
			debug = 1;
		else if (strcmp(argv[i], "--map-size") == 0 && i + 1 < argc) {
			/*
			 * The store's first map size, in MiB; it grows by
			 * itself when full (this is for tests and small
			 * machines).
			 */
			char *end;
			unsigned long mib;

			errno = 0;
			mib = strtoul(argv[++i], &end, 10);
			if (errno != 0 || *end != '\0' || mib < 1 ||
			    mib > 1024 * 1024)
				usage();
			mapsize = (size_t)mib << 20;
		}
		else if (strcmp(argv[i], "--gap-wait") == 0 && i + 1 < argc) {
			/*
			 * Seconds an event waits for the events it follows
			 * before it is applied anyway (tests shorten it).
			 */
			char *end;
			unsigned long s;

			errno = 0;
			s = strtoul(argv[++i], &end, 10);
			if (errno != 0 || *end != '\0' || s > 86400)
				usage();
			gap_wait = (unsigned)s;
		}
		else if (strcmp(argv[i], "--allow-root-dangerously") == 0)
			allow_root = 1;
		else if (strcmp(argv[i], "--version") == 0) {
			printf("tafeld %s\n", TAFEL_VERSION);
			return 0;
		} else
			usage();
	}
	if (dir == NULL || *dir == '\0')
		usage();
	log_init(debug, "tafeld");
	/*
	 * A client that goes away before its answer (Ctrl-C on tafel while
	 * a commit runs), or a log on a pipe whose reader is gone, is an
	 * EPIPE to handle, never a signal that ends the daemon.
	 */
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		fatal("signal");

	/*
	 * tafeld parses what other organisations send it.  As root, one
	 * exploitable bug in that code would hand the whole machine to an
	 * attacker; as a dedicated account it hands over only what that
	 * account can reach.
	 */
	if (getuid() == 0 || geteuid() == 0) {
		if (!allow_root)
			fatalx("refusing to run as root: one exploitable bug "
			    "would give an attacker the whole machine; run "
			    "tafeld as a dedicated account that owns %s (see "
			    "tafeld(8)), or override with "
			    "--allow-root-dangerously", dir);
		log_warnx("running as root (--allow-root-dangerously): one "
		    "exploitable bug would give an attacker the whole "
		    "machine");
	}

	/* No core dumps: they would hold keys and case content. */
	if (setrlimit(RLIMIT_CORE, &rl) == -1 ||
	    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1)
		fatal("cannot disable core dumps");
	if (sodium_init() < 0)
		fatalx("libsodium cannot initialise");
	if ((d = calloc(1, sizeof(*d))) == NULL)
		fatal("calloc");
	TAILQ_INIT(&d->tables);
	TAILQ_INIT(&d->peers);
	d->ctl_fd = d->ctl_ep = -1;
	d->commit_timer = -1;
	d->keys_timer = -1;
	d->gap_wait = gap_wait;
	d->actions_tail = &d->actions;
	if (realpath(dir, d->dir) == NULL)
		fatal("%s", dir);
	if (check_dir(d->dir) != 0 || (lockfd = lock_dir(d->dir)) == -1 ||
	    read_conf(d) != 0 || read_card(d) != 0)
		fatalx("cannot start for %s", d->dir);
	if (keys_load(d->dir, passfile, &d->keys) != 0)
		fatalx("cannot load the keys of %s", d->dir);
	keys_public(d->keys, sign_pk, box_pk, curve_pk);
	if (memcmp(sign_pk, d->self.sign_pk, 32) != 0 ||
	    memcmp(box_pk, d->self.box_pk, 32) != 0 ||
	    memcmp(curve_pk, d->self.curve_pk, 32) != 0)
		fatalx("%s/card does not match %s/%s", d->dir, d->dir,
		    TAFELD_SECRET);
	if (store_open(d->dir, mapsize, &d->store) != 0)
		fatalx("cannot open the store of %s", d->dir);
	if (tables_load(d) != 0)
		fatalx("cannot load the adopted tables");

	/* ZeroMQ only now: after everything that could fork or fail. */
	zsys_init();
	zsys_set_linger(0);
	if ((d->loop = zloop_new()) == NULL)
		fatalx("zloop_new");
	keys_defer_lock(d->keys, keys_later, d);
	if (audit_start(d) != 0 || net_start(d) != 0 ||
	    net_peers_refresh(d) != 0 || ctl_start(d) != 0)
		goto out;
	d->retry_timer = zloop_timer(d->loop, RETRY_TICK_MS, 0, retry_tick, d);
	zloop_timer(d->loop, READER_CHECK_MS, 0, reader_tick, d);
	log_info("tafeld %s running for %s (%s), control socket %s",
	    TAFEL_VERSION, d->self.org, d->self.role, d->ctl_path);
	zloop_start(d->loop);
	log_info("stopping");
	(void)commit_flush(d);
	rc = 0;
out:
	ctl_stop(d);
	net_stop(d);
	keys_defer_lock(d->keys, NULL, NULL);
	zloop_destroy(&d->loop);
	audit_stop(d);
	outbox_free(d);
	cases_free(d);
	tables_free(d);
	store_close(&d->store);
	keys_free(&d->keys);
	zsys_shutdown();
	close(lockfd);
	free(d);
	return rc;
}
