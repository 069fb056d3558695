/*
 * The keys module: the only place that touches long-term secrets.
 *
 * The secrets live in one sodium_malloc region (guard pages, mlock),
 * kept PROT_NONE while idle and opened read-only while in use.  Inside
 * the daemon's event loop they stay open until the end of the turn that
 * opened them (keys_defer_lock), not one operation: each mprotect(2)
 * changes the page tables and interrupts the other core, and one turn
 * handles up to hundreds of envelopes.  Precomputed crypto_box keys (one per peer box key) live in
 * a second such region.  The narrow API (seal, open, wrap and unwrap a
 * case key, apply the transport key to a socket) lets this module move
 * into a separate key-agent process later without touching callers.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "tafel/keyfile.h"
#include "tafel/note.h"

#define KEYS_CACHE	256
#define CASEKEY_DOMAIN	"tafel case key v1"
#define TAFELD_PASS_MAX	1027	/* 1024 bytes, CR LF and NUL */

struct boxk {
	uint8_t	pk[32];
	uint8_t	k[32];
};

struct keys {
	struct tafel_secrets	*s;	/* sodium_malloc */
	struct boxk		*cache;	/* sodium_malloc, KEYS_CACHE */
	size_t			 ncache;
	uint8_t			 sign_pk[32];
	uint8_t			 box_pk[32];
	uint8_t			 curve_pk[32];
	bool			 open;		/* readable now */
	bool			 due;		/* a lock is scheduled */
	int			(*later)(void *);	/* schedules keys_lock_now */
	void			*later_arg;
};

void
keys_lock_now(struct keys *k)
{
	k->due = false;
	if (!k->open)
		return;
	sodium_mprotect_noaccess(k->s);
	sodium_mprotect_noaccess(k->cache);
	k->open = false;
}

/*
 * The end of a use.  Without a scheduler, or when it fails, the keys
 * close at once; with one, at the end of the event loop's turn.
 */
static void
lock(struct keys *k)
{
	if (k->later == NULL) {
		keys_lock_now(k);
		return;
	}
	if (!k->due) {
		if (k->later(k->later_arg) != 0) {
			keys_lock_now(k);
			return;
		}
		k->due = true;
	}
}

/*
 * For one use: the secrets read-only (nothing writes them after
 * loading), the cache of precomputed keys read-write.  Every function
 * that calls unlock() calls lock() on each of its return paths.
 */
static void
unlock(struct keys *k)
{
	if (k->open)
		return;
	sodium_mprotect_readonly(k->s);
	sodium_mprotect_readwrite(k->cache);
	k->open = true;
}

bool
keys_locked(const struct keys *k)
{
	return !k->open;
}

void
keys_defer_lock(struct keys *k, int (*later)(void *), void *arg)
{
	keys_lock_now(k);
	k->later = later;
	k->later_arg = arg;
}

/*
 * The first line of the passphrase file into buf (sodium_malloc memory).
 * Read with read(2), not stdio, so that no copy is left in a stdio
 * buffer.  The file must be a regular file that others cannot access:
 * whoever can read it can open the key file.  Group access is allowed
 * (a root-owned file readable by the daemon's group).
 */
static int
read_passphrase(const char *path, char *buf, size_t bufsz, size_t *len)
{
	struct stat st;
	size_t n = 0;
	ssize_t r;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		log_warn("passphrase file %s", path);
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		log_warnx("passphrase file %s: not a regular file", path);
		close(fd);
		return -1;
	}
	if ((st.st_mode & S_IRWXO) != 0) {
		log_warnx("passphrase file %s is accessible to others (mode "
		    "%03o); refusing to use it: chmod o-rwx %s", path,
		    (unsigned)(st.st_mode & 0777), path);
		close(fd);
		return -1;
	}
	while (n < bufsz - 1) {
		r = read(fd, buf + n, bufsz - 1 - n);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			log_warn("passphrase file %s", path);
			close(fd);
			sodium_memzero(buf, bufsz);
			return -1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	n = strcspn(buf, "\r\n");
	sodium_memzero(buf + n, bufsz - n);
	if (n == 0) {
		log_warnx("passphrase file %s is empty", path);
		return -1;
	}
	*len = n;
	return 0;
}

int
keys_load(const char *dir, const char *passfile, struct keys **kp)
{
	uint8_t img[TAFEL_KEYFILE_LEN + 1];
	char path[PATH_MAX], *pass = NULL;
	size_t passlen = 0;
	struct keys *k = NULL;
	struct stat st;
	ssize_t n = 0;
	int fd, rc = -1, alg;

	*kp = NULL;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, TAFELD_SECRET)
	    >= sizeof(path)) {
		log_warnx("%s: path too long", dir);
		return -1;
	}
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		log_warn("%s", path);
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		log_warnx("%s: not a regular file", path);
		close(fd);
		return -1;
	}
	if ((st.st_mode & 077) != 0) {
		log_warnx("%s: readable by group or others (mode %03o); "
		    "refusing to use it: chmod 600 %s", path,
		    (unsigned)(st.st_mode & 0777), path);
		close(fd);
		return -1;
	}
	n = read(fd, img, sizeof(img));
	close(fd);
	/* From here on img may hold secrets: every path wipes it. */
	if (n != TAFEL_KEYFILE_LEN) {
		log_warnx("%s: not a tafel key file (wrong size)", path);
		goto out;
	}
	if ((alg = tafel_keyfile_alg(img, n)) < 0) {
		log_warnx("%s: not a tafel key file", path);
		goto out;
	}
	if (alg != TAFEL_KEYFILE_ALG_NONE) {
		if (passfile == NULL) {
			log_warnx("%s is protected by a passphrase: start with "
			    "--passphrase-file FILE", path);
			goto out;
		}
		if ((pass = sodium_malloc(TAFELD_PASS_MAX)) == NULL)
			fatal("sodium_malloc");
		if (read_passphrase(passfile, pass, TAFELD_PASS_MAX, &passlen)
		    == -1)
			goto out;
	}
	if ((k = calloc(1, sizeof(*k))) == NULL)
		fatal("calloc");
	if ((k->s = sodium_malloc(sizeof(*k->s))) == NULL ||
	    (k->cache = sodium_malloc(KEYS_CACHE * sizeof(struct boxk))) ==
	    NULL)
		fatal("sodium_malloc");
	k->open = true;		/* sodium_malloc memory starts read-write */
	sodium_memzero(k->cache, KEYS_CACHE * sizeof(struct boxk));
	if ((rc = tafel_keyfile_decode(img, n, pass, passlen, k->s)) != 0) {
		log_warnx("%s: cannot read the keys: %s", path,
		    rc == TAFEL_EDECRYPT ? "wrong passphrase or damaged file" :
		    tafel_strerror(rc));
		rc = -1;
		goto out;
	}
	memcpy(k->sign_pk, k->s->sign_pk, 32);
	memcpy(k->box_pk, k->s->box_pk, 32);
	memcpy(k->curve_pk, k->s->curve_pk, 32);
	lock(k);
	*kp = k;
	k = NULL;
	rc = 0;
out:
	if (pass != NULL)
		sodium_free(pass);	/* wipes */
	sodium_memzero(img, sizeof(img));
	if (k != NULL)
		keys_free(&k);
	return rc;
}

void
keys_free(struct keys **kp)
{
	struct keys *k = *kp;

	if (k == NULL)
		return;
	sodium_free(k->s);	/* wipes: sodium_free zeroes before freeing */
	sodium_free(k->cache);
	free(k);
	*kp = NULL;
}

void
keys_public(struct keys *k, uint8_t sign_pk[32], uint8_t box_pk[32],
    uint8_t curve_pk[32])
{
	if (sign_pk != NULL)
		memcpy(sign_pk, k->sign_pk, 32);
	if (box_pk != NULL)
		memcpy(box_pk, k->box_pk, 32);
	if (curve_pk != NULL)
		memcpy(curve_pk, k->curve_pk, 32);
}

/* Precomputed box key for a peer; keys must be unlocked. */
static const uint8_t *
boxk(struct keys *k, const uint8_t pk[32])
{
	size_t i;

	for (i = 0; i < k->ncache; i++)
		if (memcmp(k->cache[i].pk, pk, 32) == 0)
			return k->cache[i].k;
	if (k->ncache == KEYS_CACHE) {
		/* Full: forget the oldest half; peers are few in practice. */
		memmove(k->cache, k->cache + KEYS_CACHE / 2,
		    KEYS_CACHE / 2 * sizeof(struct boxk));
		sodium_memzero(k->cache + KEYS_CACHE / 2,
		    KEYS_CACHE / 2 * sizeof(struct boxk));
		k->ncache = KEYS_CACHE / 2;
	}
	if (crypto_box_beforenm(k->cache[k->ncache].k, pk, k->s->box_sk) != 0)
		return NULL;
	memcpy(k->cache[k->ncache].pk, pk, 32);
	return k->cache[k->ncache++].k;
}

int
keys_seal(struct keys *k, const struct tafel_hdr *h, const uint8_t *body,
    size_t bodylen, const char *const *orgs, const uint8_t (*box_pks)[32],
    size_t n, uint8_t **out, size_t *outlen)
{
	return keys_seal_key(k, h, body, bodylen, orgs, box_pks, n, out,
	    outlen, NULL);
}

int
keys_seal_key(struct keys *k, const struct tafel_hdr *h, const uint8_t *body,
    size_t bodylen, const char *const *orgs, const uint8_t (*box_pks)[32],
    size_t n, uint8_t **out, size_t *outlen, uint8_t *ckey)
{
	struct tafel_wrap_to to[TAFEL_MAX_RECIPIENTS];
	size_t i;
	int rc;

	if (n > TAFEL_MAX_RECIPIENTS)
		return TAFEL_EINVAL;
	unlock(k);
	/*
	 * to[] keeps pointers into the cache, so the cache must not evict
	 * (and move) entries during this loop: make room for n first.
	 */
	if (k->ncache > KEYS_CACHE - n) {
		sodium_memzero(k->cache, KEYS_CACHE * sizeof(struct boxk));
		k->ncache = 0;
	}
	for (i = 0; i < n; i++) {
		to[i].org = orgs[i];
		if ((to[i].k = boxk(k, box_pks[i])) == NULL) {
			lock(k);
			return TAFEL_EINVAL;
		}
	}
	rc = tafel_env_seal_key(h, body, bodylen, to, n, k->s->sign_sk, out,
	    outlen, ckey);
	lock(k);
	return rc;
}

int
keys_open(struct keys *k, const struct tafel_env *e, const char *me,
    const uint8_t sender_box_pk[32], uint8_t *body, size_t bodymax,
    size_t *bodylen)
{
	return keys_open_key(k, e, me, sender_box_pk, body, bodymax, bodylen,
	    NULL);
}

int
keys_open_key(struct keys *k, const struct tafel_env *e, const char *me,
    const uint8_t sender_box_pk[32], uint8_t *body, size_t bodymax,
    size_t *bodylen, uint8_t *ckey)
{
	const uint8_t *bk;
	int rc;

	unlock(k);
	if ((bk = boxk(k, sender_box_pk)) == NULL)
		rc = TAFEL_EDECRYPT;
	else
		rc = tafel_env_open_key(e, me, bk, body, bodymax, bodylen,
		    ckey);
	lock(k);
	return rc;
}

int
keys_sign_rcpt(struct keys *k, const struct tafel_rcpt *r, uint8_t **out,
    size_t *outlen)
{
	int rc;

	unlock(k);
	rc = tafel_rcpt_sign(r, k->s->sign_sk, out, outlen);
	lock(k);
	return rc;
}

int
keys_curve_apply(struct keys *k, zsock_t *s)
{
	int rc;

	unlock(k);
	rc = zmq_setsockopt(zsock_resolve(s), ZMQ_CURVE_SECRETKEY,
	    k->s->curve_sk, 32);
	lock(k);
	if (rc == 0)
		rc = zmq_setsockopt(zsock_resolve(s), ZMQ_CURVE_PUBLICKEY,
		    k->curve_pk, 32);
	if (rc != 0)
		log_warn("%s: zmq_setsockopt", __func__);
	return rc;
}

static void
casekey_ad(uint8_t ad[sizeof(CASEKEY_DOMAIN) + 16], const uint8_t id[16])
{
	memcpy(ad, CASEKEY_DOMAIN, sizeof(CASEKEY_DOMAIN));
	memcpy(ad + sizeof(CASEKEY_DOMAIN), id, 16);
}

int
keys_wrap_casekey(struct keys *k, const uint8_t case_id[16],
    const uint8_t ck[32], uint8_t out[KEYS_WRAPPED_LEN])
{
	uint8_t ad[sizeof(CASEKEY_DOMAIN) + 16];
	unsigned long long n;

	casekey_ad(ad, case_id);
	randombytes_buf(out, 24);
	unlock(k);
	crypto_aead_xchacha20poly1305_ietf_encrypt(out + 24, &n, ck, 32, ad,
	    sizeof(ad), NULL, out, k->s->store_key);
	lock(k);
	return n == 48 ? 0 : -1;
}

int
keys_unwrap_casekey(struct keys *k, const uint8_t case_id[16],
    const uint8_t in[KEYS_WRAPPED_LEN], uint8_t ck[32])
{
	uint8_t ad[sizeof(CASEKEY_DOMAIN) + 16];
	unsigned long long n;
	int rc;

	casekey_ad(ad, case_id);
	unlock(k);
	rc = crypto_aead_xchacha20poly1305_ietf_decrypt(ck, &n, NULL, in + 24,
	    48, ad, sizeof(ad), in, k->s->store_key);
	lock(k);
	return rc == 0 && n == 32 ? 0 : -1;
}

/*
 * The exchange log: signatures in C2SP signed-note form with the sign
 * key.  A note text never contains a NUL, and every other message this
 * key signs starts with a domain string ending in one ("tafel envelope
 * v1", "tafel card v1", ...), so a note signature cannot stand for any
 * of them; a cosignature signs "cosignature/v1\n..." (type 0x04).
 */
static int
note_key(struct keys *k, const char *name, uint8_t type,
    struct tafel_note_key *nk)
{
	return tafel_note_key_init(nk, name, type, k->sign_pk) == 0 ? 0 : -1;
}

int
keys_note_sign(struct keys *k, const char *name, const uint8_t *text,
    size_t len, uint8_t *line, size_t linemax, size_t *linelen)
{
	struct tafel_note_key nk;
	int rc;

	if (note_key(k, name, TAFEL_NOTE_ED25519, &nk) != 0)
		return -1;
	unlock(k);
	rc = tafel_note_sign_line(&nk, k->s->sign_sk, text, len, line,
	    linemax, linelen);
	lock(k);
	return rc == 0 ? 0 : -1;
}

int
keys_cosign(struct keys *k, const char *name, uint64_t t,
    const uint8_t *text, size_t len, uint8_t *line, size_t linemax,
    size_t *linelen)
{
	struct tafel_note_key nk;
	int rc;

	if (note_key(k, name, TAFEL_NOTE_COSIG, &nk) != 0)
		return -1;
	unlock(k);
	rc = tafel_cosig_sign_line(&nk, k->s->sign_sk, t, text, len, line,
	    linemax, linelen);
	lock(k);
	return rc == 0 ? 0 : -1;
}
