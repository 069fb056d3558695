/*
 * tafel init, card and id, and the files of the state directory:
 * reading and atomically writing files, passphrases, the member card and
 * the secret keys.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "client.h"
#include "tafel/card.h"
#include "tafel/keyfile.h"
#include "tafel/table.h"
#include "tafel/tafel.h"
#include "tafel/util.h"

#define PASS_MAX	1024		/* bytes of a passphrase */
#define CARD_TEXT_MAX	(64 * 1024)	/* bytes of a card's text form */
#define CONF_MODE	0600
#define CARD_MODE	0644
#define KEY_MODE	0600

/* The state directory. */

void
state_need(const struct client *c)
{
	struct stat st;

	if (c->dir == NULL)
		errx(EXIT_USAGE, "no state directory: use -d DIR or set "
		    "TAFEL_DIR");
	if (stat(c->dir, &st) == -1) {
		if (errno == ENOENT)
			errx(1, "%s: no such directory (create it with: "
			    "tafel -d %s init ...)", c->dir, c->dir);
		err(1, "%s", c->dir);
	}
	if (!S_ISDIR(st.st_mode))
		errx(1, "%s is not a directory", c->dir);
}

void
state_path(const struct client *c, const char *name, char *buf, size_t sz)
{
	int n;

	n = snprintf(buf, sz, "%s/%s", c->dir, name);
	if (n < 0 || (size_t)n >= sz)
		errx(1, "the path of the state directory is too long");
}

/* Files. */

char *
file_load(const char *path, size_t max, size_t *len)
{
	struct stat st;
	char *buf = NULL;
	size_t off = 0;
	ssize_t n;
	int fd, e;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return NULL;
	if (fstat(fd, &st) == -1)
		e = errno;
	else if (S_ISDIR(st.st_mode))
		e = EISDIR;
	else if ((buf = malloc(max + 2)) == NULL)
		e = ENOMEM;
	else
		e = 0;
	if (e != 0) {
		close(fd);
		errno = e;
		return NULL;
	}
	/* Read one byte more than max, to tell a file that is too long. */
	while (off <= max) {
		if ((n = read(fd, buf + off, max + 1 - off)) == -1) {
			if (errno == EINTR)
				continue;
			e = errno;
			free(buf);
			close(fd);
			errno = e;
			return NULL;
		}
		if (n == 0)
			break;
		off += (size_t)n;
	}
	close(fd);
	if (off > max) {
		free(buf);
		errno = EFBIG;
		return NULL;
	}
	buf[off] = '\0';
	*len = off;
	return buf;
}

char *
file_read(const char *path, size_t max, const char *what, size_t *len)
{
	char *buf;

	if ((buf = file_load(path, max, len)) != NULL)
		return buf;
	if (errno == EISDIR)
		errx(1, "%s is a directory, not a %s", path, what);
	if (errno == EFBIG)
		errx(1, "%s is too large for a %s (over %zu bytes)", path,
		    what, max);
	err(1, "%s", path);
}

/* The directory part of path, for fsync. */
static void
parent_dir(const char *path, char *buf, size_t sz)
{
	const char *slash = strrchr(path, '/');
	size_t n;

	if (slash == NULL) {
		snprintf(buf, sz, ".");
		return;
	}
	n = slash == path ? 1 : (size_t)(slash - path);
	if (n >= sz)
		n = sz - 1;
	memcpy(buf, path, n);
	buf[n] = '\0';
}

static int
sync_dir(const char *path)
{
	char dir[PATH_MAX];
	int fd, r;

	parent_dir(path, dir, sizeof(dir));
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	r = fsync(fd);
	if (r == -1 && errno == EINVAL)	/* some file systems cannot */
		r = 0;
	close(fd);
	return r;
}

int
file_stage(struct staged *s, const char *path, const void *buf, size_t len,
    mode_t mode)
{
	const uint8_t *p = buf;
	uint8_t rnd[6];
	char hex[sizeof(rnd) * 2 + 1];
	ssize_t n;
	int fd, k, e;

	memset(s, 0, sizeof(*s));
	k = snprintf(s->path, sizeof(s->path), "%s", path);
	if (k < 0 || (size_t)k >= sizeof(s->path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	randombytes_buf(rnd, sizeof(rnd));
	tafel_hex(hex, rnd, sizeof(rnd));
	k = snprintf(s->tmp, sizeof(s->tmp), "%s.tmp-%s", path, hex);
	if (k < 0 || (size_t)k >= sizeof(s->tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open(s->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    mode);
	if (fd == -1)
		return -1;
	s->live = true;
	/* The umask must not loosen or tighten what we mean. */
	if (fchmod(fd, mode) == -1)
		goto fail;
	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		p += n;
		len -= (size_t)n;
	}
	if (fsync(fd) == -1)
		goto fail;
	if (close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	return 0;
fail:
	e = errno;
	if (fd != -1)
		close(fd);
	file_abort(s);
	errno = e;
	return -1;
}

int
file_commit(struct staged *s, bool replace)
{
	int r, e;

	if (!s->live) {
		errno = EINVAL;
		return -1;
	}
	if (replace)
		r = rename(s->tmp, s->path);
	else {
		r = renameat2(AT_FDCWD, s->tmp, AT_FDCWD, s->path,
		    RENAME_NOREPLACE);
		if (r == -1 && (errno == EINVAL || errno == ENOSYS)) {
			/* No RENAME_NOREPLACE here: link(2) never replaces. */
			if ((r = link(s->tmp, s->path)) == 0)
				(void)unlink(s->tmp);
		}
	}
	if (r == -1) {
		e = errno;
		file_abort(s);
		errno = e;
		return -1;
	}
	s->live = false;
	return sync_dir(s->path);
}

void
file_abort(struct staged *s)
{
	if (s->live)
		(void)unlink(s->tmp);
	s->live = false;
}

void
file_write(const char *path, const void *buf, size_t len, mode_t mode,
    bool replace)
{
	struct staged s;

	if (file_stage(&s, path, buf, len, mode) == -1)
		err(1, "cannot write %s", path);
	if (file_commit(&s, replace) == -1) {
		if (errno == EEXIST)
			errx(1, "%s already exists; refusing to overwrite it",
			    path);
		err(1, "cannot write %s", path);
	}
}

/* Passphrases. */

static volatile sig_atomic_t prompt_signal;

static void
prompt_catch(int sig)
{
	prompt_signal = sig;
}

static const int prompt_signals[] = {
	SIGINT, SIGHUP, SIGQUIT, SIGTERM, SIGTSTP, SIGTTIN, SIGTTOU
};
#define NPROMPT_SIGNALS	(sizeof(prompt_signals) / sizeof(prompt_signals[0]))

static void
tty_write(int fd, const char *s)
{
	size_t len = strlen(s);
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, s, len)) == -1) {
			if (errno == EINTR)
				continue;
			return;
		}
		s += n;
		len -= (size_t)n;
	}
}

/*
 * Reads one line from the terminal with echo off into buf (PASS_MAX + 1
 * bytes).  Returns its length, or -1 when there is no terminal.  A
 * signal restores the terminal first and is then delivered again.
 */
static ssize_t
prompt_tty(const char *prompt, char *buf)
{
	struct sigaction sa, old[NPROMPT_SIGNALS];
	struct termios term, saved;
	size_t i, len = 0;
	bool toolong = false;
	ssize_t n;
	char ch;
	int fd, sig;

	if ((fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)) == -1)
		return -1;
	if (tcgetattr(fd, &saved) == -1) {
		close(fd);
		return -1;
	}
	prompt_signal = 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = prompt_catch;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;	/* no SA_RESTART: read(2) must return */
	for (i = 0; i < NPROMPT_SIGNALS; i++)
		(void)sigaction(prompt_signals[i], &sa, &old[i]);
	term = saved;
	term.c_lflag &= ~(ECHO | ECHONL);
	(void)tcsetattr(fd, TCSAFLUSH, &term);
	tty_write(fd, prompt);
	for (;;) {
		n = read(fd, &ch, 1);
		if (n != 1 || ch == '\n' || ch == '\r' || prompt_signal != 0)
			break;
		if (len < PASS_MAX)
			buf[len++] = ch;
		else
			toolong = true;
	}
	sodium_memzero(&ch, sizeof(ch));
	(void)tcsetattr(fd, TCSAFLUSH, &saved);
	tty_write(fd, "\n");
	close(fd);
	for (i = 0; i < NPROMPT_SIGNALS; i++)
		(void)sigaction(prompt_signals[i], &old[i], NULL);
	buf[len] = '\0';
	if ((sig = prompt_signal) != 0) {
		sodium_memzero(buf, PASS_MAX + 1);
		(void)raise(sig);
		errx(1, "interrupted");
	}
	if (toolong) {
		sodium_memzero(buf, PASS_MAX + 1);
		errx(1, "the passphrase is too long (at most %d bytes)",
		    PASS_MAX);
	}
	return (ssize_t)len;
}

/* The first line of a file, without its line end, into buf. */
static size_t
pass_from_file(const char *path, char *buf)
{
	size_t off = 0, len;
	ssize_t n;
	char *nl;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		err(1, "%s", path);
	while (off <= PASS_MAX) {
		if ((n = read(fd, buf + off, PASS_MAX + 1 - off)) == -1) {
			if (errno == EINTR)
				continue;
			err(1, "%s", path);
		}
		if (n == 0)
			break;
		off += (size_t)n;
		if (memchr(buf, '\n', off) != NULL)
			break;
	}
	close(fd);
	if ((nl = memchr(buf, '\n', off)) != NULL)
		len = (size_t)(nl - buf);
	else if (off > PASS_MAX)
		errx(1, "%s: the passphrase is too long (at most %d bytes on "
		    "the first line)", path, PASS_MAX);
	else
		len = off;
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	sodium_memzero(buf + len, PASS_MAX + 1 - len);
	if (len == 0)
		errx(1, "%s: the passphrase (the first line) is empty", path);
	if (memchr(buf, '\0', len) != NULL)
		errx(1, "%s: the passphrase holds a NUL byte", path);
	return len;
}

char *
pass_read(const char *path, const char *keyfile, size_t *lenp)
{
	char *buf, prompt[PATH_MAX + 32];
	ssize_t n;
	int k;

	if ((buf = sodium_malloc(PASS_MAX + 1)) == NULL)
		err(1, NULL);
	sodium_memzero(buf, PASS_MAX + 1);
	if (path != NULL) {
		*lenp = pass_from_file(path, buf);
		return buf;
	}
	k = snprintf(prompt, sizeof(prompt), "Passphrase for %s: ", keyfile);
	if (k < 0 || (size_t)k >= sizeof(prompt))
		snprintf(prompt, sizeof(prompt), "Passphrase: ");
	if ((n = prompt_tty(prompt, buf)) == -1)
		errx(1, "%s is protected by a passphrase and there is no "
		    "terminal to ask it on: use --passphrase-file FILE",
		    keyfile);
	if (n == 0)
		errx(1, "no passphrase given");
	*lenp = (size_t)n;
	return buf;
}

void
pass_free(char **pp)
{
	if (*pp == NULL)
		return;
	sodium_memzero(*pp, PASS_MAX + 1);
	sodium_free(*pp);
	*pp = NULL;
}

/* The member card and the secret keys. */

/*
 * Reads and verifies DIR/card.  Caller owns *bin (free(3)) of *binlen
 * bytes, the signed card.
 */
static void
card_read(const struct client *c, struct tafel_card *card, uint8_t **bin,
    size_t *binlen)
{
	char path[PATH_MAX], *text;
	size_t len;
	int r;

	state_need(c);
	state_path(c, "card", path, sizeof(path));
	if (access(path, F_OK) == -1 && errno == ENOENT)
		errx(1, "%s has no member card yet (create one with: "
		    "tafel -d %s init ...)", c->dir, c->dir);
	text = file_read(path, CARD_TEXT_MAX, "member card", &len);
	if ((r = tafel_card_from_text(text, len, bin, binlen, card)) != 0)
		errx(1, "%s is damaged or was edited: %s", path,
		    tafel_strerror(r));
	free(text);
}

void
card_load(const struct client *c, struct tafel_card *card)
{
	uint8_t *bin;
	size_t binlen;

	card_read(c, card, &bin, &binlen);
	free(bin);
}

struct tafel_secrets *
keys_load(const struct client *c, const char *passfile,
    const struct tafel_card *card)
{
	struct tafel_secrets *s;
	struct stat st;
	char path[PATH_MAX], *pass = NULL;
	uint8_t *img;
	size_t passlen = 0, off = 0;
	ssize_t n;
	int fd, alg, r;

	state_need(c);
	state_path(c, "secret.key", path, sizeof(path));
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			errx(1, "%s has no secret key (create one with: "
			    "tafel -d %s init ...)", c->dir, c->dir);
		err(1, "%s", path);
	}
	if (fstat(fd, &st) == -1)
		err(1, "%s", path);
	if (!S_ISREG(st.st_mode))
		errx(1, "%s is not a regular file", path);
	if ((st.st_mode & 077) != 0)
		errx(1, "%s can be read by other users; fix it with: "
		    "chmod 600 %s", path, path);
	if (st.st_size != TAFEL_KEYFILE_LEN)
		errx(1, "%s is not a tafel secret-key file (wrong size)",
		    path);
	if ((img = sodium_malloc(TAFEL_KEYFILE_LEN)) == NULL ||
	    (s = sodium_malloc(sizeof(*s))) == NULL)
		err(1, NULL);
	while (off < TAFEL_KEYFILE_LEN) {
		if ((n = read(fd, img + off, TAFEL_KEYFILE_LEN - off)) == -1) {
			if (errno == EINTR)
				continue;
			err(1, "%s", path);
		}
		if (n == 0)
			errx(1, "%s is shorter than a tafel secret-key file",
			    path);
		off += (size_t)n;
	}
	close(fd);

	if ((alg = tafel_keyfile_alg(img, TAFEL_KEYFILE_LEN)) < 0)
		errx(1, "%s is not a tafel secret-key file", path);
	if (alg == TAFEL_KEYFILE_ALG_ARGON)
		pass = pass_read(passfile, path, &passlen);
	r = tafel_keyfile_decode(img, TAFEL_KEYFILE_LEN, pass, passlen, s);
	pass_free(&pass);
	sodium_memzero(img, TAFEL_KEYFILE_LEN);
	sodium_free(img);
	switch (r) {
	case 0:
		break;
	case TAFEL_EDECRYPT:
		errx(1, "wrong passphrase for %s (or the file is damaged)",
		    path);
	case TAFEL_EVERSION:
		errx(1, "%s was made by a newer version of tafel", path);
	case TAFEL_ENOMEM:
		errx(1, "out of memory while opening %s", path);
	default:
		errx(1, "%s is damaged: %s", path, tafel_strerror(r));
	}
	/* All three public halves, as the daemon checks them. */
	if (sodium_memcmp(s->sign_pk, card->sign_pk, sizeof(s->sign_pk)) != 0 ||
	    sodium_memcmp(s->box_pk, card->box_pk, sizeof(s->box_pk)) != 0 ||
	    sodium_memcmp(s->curve_pk, card->curve_pk, sizeof(s->curve_pk)) != 0)
		errx(1, "%s does not belong to the member card in %s/card",
		    path, c->dir);
	return s;
}

void
keys_free(struct tafel_secrets **sp)
{
	if (*sp == NULL)
		return;
	sodium_memzero(*sp, sizeof(**sp));
	sodium_free(*sp);
	*sp = NULL;
}

/* tafel init */

/*
 * True when s is "tcp://HOST:PORT" as member cards allow it (HOST a DNS
 * name, an IPv4 address or an IPv6 address in brackets; PORT 1..65535),
 * or, with wildcard, the host "*" that listens on every address.
 */
static bool
endpoint_valid(const char *s, bool wildcard)
{
	const char *host, *colon, *p;
	size_t n = strlen(s), hlen, i;
	unsigned long port = 0;

	if (n > TAFEL_ENDPOINT_MAX || strncmp(s, "tcp://", 6) != 0)
		return false;
	host = s + 6;
	if ((colon = strrchr(host, ':')) == NULL || colon == host)
		return false;
	hlen = (size_t)(colon - host);
	p = colon + 1;
	if (p[0] == '\0' || p[0] == '0' || strlen(p) > 5)
		return false;
	for (; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return false;
		port = port * 10 + (unsigned long)(*p - '0');
	}
	if (port < 1 || port > 65535)
		return false;
	if (hlen == 1 && host[0] == '*')
		return wildcard;
	if (host[0] == '[') {
		if (hlen < 4 || host[hlen - 1] != ']')
			return false;
		for (i = 1; i < hlen - 1; i++)
			if (!strchr("0123456789abcdefABCDEF:.", host[i]))
				return false;
		return true;
	}
	for (i = 0; i < hlen; i++) {
		char ch = host[i];

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9'))
			continue;
		if ((ch == '-' || ch == '.') && i > 0)
			continue;
		return false;
	}
	return true;
}

/* True when partners could not connect to the endpoint's address. */
static bool
endpoint_unreachable(const char *s)
{
	return strncmp(s, "tcp://*:", 8) == 0 ||
	    strncmp(s, "tcp://0.0.0.0:", 14) == 0 ||
	    strncmp(s, "tcp://[::]:", 11) == 0;
}

static void
copy_field(char *dst, size_t sz, const char *src, const char *what)
{
	int n;

	n = snprintf(dst, sz, "%s", src);
	if (n < 0 || (size_t)n >= sz)
		errx(EXIT_USAGE, "the %s is too long (at most %zu bytes)",
		    what, sz - 1);
}

/* Refuses a state directory that others could tamper with. */
static void
check_dir(const char *dir)
{
	struct stat st;

	if (stat(dir, &st) == -1)
		err(1, "%s", dir);
	if (!S_ISDIR(st.st_mode))
		errx(1, "%s is not a directory", dir);
	if (st.st_uid != geteuid())
		errx(1, "%s belongs to another user; run tafel init as that "
		    "user, or choose another directory", dir);
	if ((st.st_mode & 022) != 0)
		errx(1, "%s can be changed by other users; fix it with: "
		    "chmod 700 %s", dir, dir);
}

static bool
exists(const char *path)
{
	struct stat st;

	if (lstat(path, &st) == 0)
		return true;
	if (errno != ENOENT)
		err(1, "%s", path);
	return false;
}

int
init_main(struct client *c, int argc, char **argv)
{
	enum { O_ORG, O_NAME, O_ROLE, O_LISTEN, O_ENDPOINT, O_PASSFILE,
	    O_NOPASS, O_N };
	struct opt o[O_N] = {
		[O_ORG] = OPT("--org", OPT_VALUE),
		[O_NAME] = OPT("--name", OPT_TEXT),
		[O_ROLE] = OPT("--role", OPT_VALUE),
		[O_LISTEN] = OPT("--listen", OPT_VALUE),
		[O_ENDPOINT] = OPT("--endpoint", OPT_VALUE),
		[O_PASSFILE] = OPT("--passphrase-file", OPT_VALUE),
		[O_NOPASS] = OPT("--no-passphrase", OPT_FLAG),
	};
	struct tafel_secrets *s = NULL;
	struct tafel_card card;
	struct staged st_key, st_card, st_conf;
	char keypath[PATH_MAX], cardpath[PATH_MAX], confpath[PATH_MAX];
	char conf[TAFEL_ENDPOINT_MAX + 16], roles[512], fpr[TAFEL_FPR_LEN + 1];
	char *pass = NULL, *text = NULL;
	const char *endpoint;
	uint8_t img[TAFEL_KEYFILE_LEN], *cardbin = NULL;
	size_t passlen = 0, cardlen = 0;
	bool created = false;
	int r, n, e;

	(void)opt_parse("init", "init", argc, argv, 1, o, O_N, NULL,
	    0);
	opt_require("init", &o[O_ORG], "ORG");
	opt_require("init", &o[O_NAME], "NAME");
	opt_require("init", &o[O_ROLE], "ROLE");
	opt_require("init", &o[O_LISTEN], "ENDPOINT");
	if (o[O_PASSFILE].seen == o[O_NOPASS].seen)
		errx(EXIT_USAGE, "init needs --passphrase-file FILE or "
		    "--no-passphrase");

	/* Check everything before touching anything. */
	if (!tafel_id_valid(o[O_ORG].val))
		errx(EXIT_USAGE, "'%s' is not an organisation id: use "
		    "lower-case letters, digits and '-' (not first), at most "
		    "%d characters, e.g. politie-aalst", o[O_ORG].val,
		    TAFEL_ORG_MAX);
	if (o[O_NAME].val[0] == '\0')
		errx(EXIT_USAGE, "--name needs a value");
	if (strlen(o[O_NAME].val) > TAFEL_NAME_MAX)
		errx(EXIT_USAGE, "the name is too long (at most %d bytes)",
		    TAFEL_NAME_MAX);
	if (!text_valid(o[O_NAME].val, strlen(o[O_NAME].val), false))
		errx(EXIT_USAGE, "the name must be UTF-8 text on one line");
	if (tafel_role_index(o[O_ROLE].val) < 0) {
		names_join(roles, sizeof(roles), tafel_roles, TAFEL_NROLES);
		errx(EXIT_USAGE, "unknown role '%s' (one of: %s)",
		    o[O_ROLE].val, roles);
	}
	if (!endpoint_valid(o[O_LISTEN].val, true))
		errx(EXIT_USAGE, "--listen '%s' is not an endpoint: write "
		    "tcp://HOST:PORT, e.g. tcp://192.0.2.10:7400",
		    o[O_LISTEN].val);
	if (o[O_ENDPOINT].seen) {
		endpoint = o[O_ENDPOINT].val;
		if (!endpoint_valid(endpoint, false) ||
		    endpoint_unreachable(endpoint))
			errx(EXIT_USAGE, "--endpoint '%s' is not an address "
			    "partners can connect to: write tcp://HOST:PORT, "
			    "e.g. tcp://tafel.example.be:7400", endpoint);
	} else {
		endpoint = o[O_LISTEN].val;
		if (endpoint_unreachable(endpoint))
			errx(EXIT_USAGE, "--listen %s listens on every "
			    "address; add --endpoint tcp://HOST:PORT with "
			    "the address partners connect to", endpoint);
	}
	if (c->dir == NULL)
		errx(EXIT_USAGE, "no state directory: use -d DIR or set "
		    "TAFEL_DIR");
	n = snprintf(conf, sizeof(conf), "listen %s\n", o[O_LISTEN].val);
	if (n < 0 || (size_t)n >= sizeof(conf))
		errx(EXIT_USAGE, "--listen is too long");
	memset(&card, 0, sizeof(card));
	copy_field(card.org, sizeof(card.org), o[O_ORG].val, "org");
	copy_field(card.name, sizeof(card.name), o[O_NAME].val, "name");
	copy_field(card.role, sizeof(card.role), o[O_ROLE].val, "role");
	copy_field(card.endpoints[0], sizeof(card.endpoints[0]), endpoint,
	    "endpoint");
	card.nendpoints = 1;
	state_path(c, "secret.key", keypath, sizeof(keypath));
	state_path(c, "card", cardpath, sizeof(cardpath));
	state_path(c, "tafel.conf", confpath, sizeof(confpath));
	if (o[O_PASSFILE].seen)
		pass = pass_read(o[O_PASSFILE].val, keypath, &passlen);

	/* The directory: create it, or make sure it is ours alone. */
	if (mkdir(c->dir, 0700) == 0)
		created = true;
	else if (errno != EEXIST)
		err(1, "cannot create %s", c->dir);
	check_dir(c->dir);
	if (exists(keypath) || exists(cardpath))
		errx(1, "%s already holds keys; refusing to overwrite them",
		    c->dir);
	if (chmod(c->dir, 0700) == -1)
		err(1, "%s", c->dir);

	/* The keys, the card and the key file. */
	if ((s = sodium_malloc(sizeof(*s))) == NULL)
		err(1, NULL);
	tafel_secrets_generate(s);
	memcpy(card.sign_pk, s->sign_pk, sizeof(card.sign_pk));
	memcpy(card.box_pk, s->box_pk, sizeof(card.box_pk));
	memcpy(card.curve_pk, s->curve_pk, sizeof(card.curve_pk));
	if ((r = tafel_card_encode(&card, s->sign_sk, &cardbin,
	    &cardlen)) != 0 ||
	    (r = tafel_card_to_text(cardbin, cardlen, &text)) != 0)
		errx(1, "cannot make the member card: %s", tafel_strerror(r));
	r = tafel_keyfile_encode(s, pass, passlen,
	    crypto_pwhash_OPSLIMIT_MODERATE, crypto_pwhash_MEMLIMIT_MODERATE,
	    img);
	keys_free(&s);
	pass_free(&pass);
	if (r != 0)
		errx(1, "cannot make the secret-key file: %s",
		    tafel_strerror(r));

	/* Write all three, then move them into place. */
	if (file_stage(&st_key, keypath, img, sizeof(img), KEY_MODE) == -1) {
		sodium_memzero(img, sizeof(img));
		err(1, "cannot write %s", keypath);
	}
	sodium_memzero(img, sizeof(img));
	if (file_stage(&st_card, cardpath, text, strlen(text),
	    CARD_MODE) == -1) {
		file_abort(&st_key);
		err(1, "cannot write %s", cardpath);
	}
	if (file_stage(&st_conf, confpath, conf, strlen(conf),
	    CONF_MODE) == -1) {
		file_abort(&st_key);
		file_abort(&st_card);
		err(1, "cannot write %s", confpath);
	}
	if (file_commit(&st_key, false) == -1) {
		file_abort(&st_card);
		file_abort(&st_conf);
		err(1, "cannot write %s", keypath);
	}
	/* On failure leave no half-made state: the key is used nowhere. */
	if (file_commit(&st_card, false) == -1) {
		e = errno;
		file_abort(&st_conf);
		(void)unlink(keypath);
		if (created)
			(void)rmdir(c->dir);
		errno = e;
		err(1, "cannot write %s", cardpath);
	}
	if (file_commit(&st_conf, true) == -1) {
		e = errno;
		(void)unlink(keypath);
		(void)unlink(cardpath);
		if (created)
			(void)rmdir(c->dir);
		errno = e;
		err(1, "cannot write %s", confpath);
	}

	tafel_fingerprint(fpr, card.hash);
	printf("Created the keys of %s in %s:\n", card.org, c->dir);
	printf("  %-*s secret keys, %s\n", (int)strlen(confpath), keypath,
	    o[O_PASSFILE].seen ? "protected by the passphrase" :
	    "NOT protected by a passphrase: keep this file safe");
	printf("  %-*s member card, to send to the table's coordinator\n",
	    (int)strlen(confpath), cardpath);
	printf("  %s daemon configuration (listen %s)\n", confpath,
	    o[O_LISTEN].val);
	printf("Fingerprint: %s\n", fpr);
	printf("When you send your card, read this fingerprint to the "
	    "coordinator by phone.\n");
	free(text);
	free(cardbin);
	return 0;
}

/* tafel card */

int
card_main(struct client *c, int argc, char **argv)
{
	struct tafel_card card;
	uint8_t *bin;
	size_t binlen;
	char *text;
	int r;

	(void)opt_parse("card", "card", argc, argv, 1, NULL, 0, NULL, 0);
	card_read(c, &card, &bin, &binlen);
	/* Print the canonical text, which the file matched. */
	if ((r = tafel_card_to_text(bin, binlen, &text)) != 0)
		errx(1, "cannot print the member card: %s", tafel_strerror(r));
	fputs(text, stdout);
	free(text);
	free(bin);
	return 0;
}

/* tafel id */

int
id_main(struct client *c, int argc, char **argv)
{
	struct tafel_card card;
	char fpr[TAFEL_FPR_LEN + 1];

	(void)opt_parse("id", "id", argc, argv, 1, NULL, 0, NULL, 0);
	card_load(c, &card);
	tafel_fingerprint(fpr, card.hash);
	printf("Org: %s\n", card.org);
	printf("Fingerprint: %s\n", fpr);
	return 0;
}
