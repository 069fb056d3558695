/*
 * The daemon's keys module: loading the key file, and sealing for many
 * peers through its cache of precomputed box keys.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/stat.h>

#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../daemon/daemon.h"
#include "tafel/keyfile.h"

#define NPEERS	TAFEL_MAX_RECIPIENTS	/* per envelope */
#define ROUNDS	6			/* 384 peers: past the 256 cache */

static char dir[] = "/tmp/tafel-test-keys.XXXXXX";

static void
write_file(const char *name, const void *buf, size_t len, mode_t mode)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
	assert_true((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode)) >=
	    0);
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	close(fd);
}

static struct tafel_secrets *
keyfile(void)
{
	struct tafel_secrets *s;
	uint8_t img[TAFEL_KEYFILE_LEN];

	assert_non_null(s = sodium_malloc(sizeof(*s)));
	tafel_secrets_generate(s);
	assert_int_equal(tafel_keyfile_encode(s, NULL, 0, 0, 0, img), 0);
	write_file(TAFELD_SECRET, img, sizeof(img), 0600);
	return s;
}

static void
cleanup_dir(void)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, TAFELD_SECRET);
	unlink(path);
	rmdir(dir);
}

static void
test_load(void **state)
{
	struct tafel_secrets *s = keyfile();
	struct keys *k;
	uint8_t sign_pk[32], box_pk[32], curve_pk[32];

	assert_int_equal(keys_load(dir, NULL, &k), 0);
	keys_public(k, sign_pk, box_pk, curve_pk);
	assert_memory_equal(sign_pk, s->sign_pk, 32);
	assert_memory_equal(box_pk, s->box_pk, 32);
	assert_memory_equal(curve_pk, s->curve_pk, 32);
	keys_free(&k);
	assert_null(k);
	keys_free(&k);
	sodium_free(s);
}

static void
test_load_refuses(void **state)
{
	struct tafel_secrets *s = keyfile();
	struct keys *k = NULL;
	char path[PATH_MAX];
	uint8_t img[TAFEL_KEYFILE_LEN];

	snprintf(path, sizeof(path), "%s/%s", dir, TAFELD_SECRET);
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(keys_load(dir, NULL, &k), -1);
	assert_null(k);
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(tafel_keyfile_encode(s, NULL, 0, 0, 0, img), 0);
	write_file(TAFELD_SECRET, img, sizeof(img) - 1, 0600);
	assert_int_equal(keys_load(dir, NULL, &k), -1);
	img[0] ^= 1;
	write_file(TAFELD_SECRET, img, sizeof(img), 0600);
	assert_int_equal(keys_load(dir, NULL, &k), -1);
	assert_null(k);
	sodium_free(s);
}

/*
 * Seal for new peers, 10 and then 64 at a time, more peers in all than
 * the cache of precomputed keys holds, so that the cache fills in the
 * middle of a seal: every recipient must open its wrap.  (The cache once
 * evicted and moved its entries while a seal still pointed at them, so
 * that some recipients' wraps were made with a zeroed key.)
 */
static void
test_seal_many_peers(void **state)
{
	struct tafel_secrets *s = keyfile();
	struct keys *k;
	struct tafel_hdr *h;
	struct tafel_env *e;
	static uint8_t pk[NPEERS][32], sk[NPEERS][32];
	static char names[NPEERS][16];
	const char *orgs[NPEERS];
	uint8_t *env, kk[32], body[64], out[64];
	size_t envlen, bodylen = 0, outlen, i, r, n;

	assert_int_equal(keys_load(dir, NULL, &k), 0);
	assert_non_null(h = calloc(1, sizeof(*h)));
	assert_non_null(e = calloc(1, sizeof(*e)));
	strcpy(h->type, "record");
	strcpy(h->table, "aalst");
	strcpy(h->cat, "signal");
	strcpy(h->from, "stad-aalst");
	h->tver = 1;
	h->lamport = 1;
	for (i = 0; i < NPEERS; i++) {
		snprintf(names[i], sizeof(names[i]), "org-%zu", i);
		strcpy(h->to[i], names[i]);
		orgs[i] = names[i];
	}
	memcpy(body, "\x81\xa4text\xa2hi", 9);
	bodylen = 9;
	for (r = 0; r < ROUNDS; r++) {
		n = r == 0 ? 10 : NPEERS;
		h->nto = n;
		for (i = 0; i < n; i++)
			crypto_box_keypair(pk[i], sk[i]);
		randombytes_buf(h->id, sizeof(h->id));
		assert_int_equal(keys_seal(k, h, body, bodylen, orgs,
		    (const uint8_t (*)[32])pk, n, &env, &envlen), 0);
		assert_int_equal(tafel_env_parse(env, envlen, e), 0);
		assert_int_equal(tafel_env_verify(e, s->sign_pk), 0);
		for (i = 0; i < n; i++) {
			assert_int_equal(crypto_box_beforenm(kk, s->box_pk,
			    sk[i]), 0);
			assert_int_equal(tafel_env_open(e, names[i], kk, out,
			    sizeof(out), &outlen), 0);
			assert_memory_equal(out, body, bodylen);
		}
		free(env);
	}
	free(e);
	free(h);
	keys_free(&k);
	sodium_free(s);
}

static void
test_casekey(void **state)
{
	struct tafel_secrets *s = keyfile();
	struct keys *k;
	uint8_t id[16], other[16], ck[32], back[32], w[KEYS_WRAPPED_LEN];

	assert_int_equal(keys_load(dir, NULL, &k), 0);
	randombytes_buf(id, sizeof(id));
	randombytes_buf(other, sizeof(other));
	randombytes_buf(ck, sizeof(ck));
	assert_int_equal(keys_wrap_casekey(k, id, ck, w), 0);
	assert_int_equal(keys_unwrap_casekey(k, id, w, back), 0);
	assert_memory_equal(ck, back, 32);
	/* Bound to the case id, and authenticated. */
	assert_int_equal(keys_unwrap_casekey(k, other, w, back), -1);
	w[40] ^= 1;
	assert_int_equal(keys_unwrap_casekey(k, id, w, back), -1);
	keys_free(&k);
	sodium_free(s);
}

static int	later_calls, later_rc;

static int
later(void *arg)
{
	assert_ptr_equal(arg, &later_calls);
	later_calls++;
	return later_rc;
}

/*
 * The secrets close after each use, or, with a scheduler, once at the
 * end of the event loop's turn: one scheduling for many uses.
 */
static void
test_lock_deferred(void **state)
{
	struct tafel_secrets *s = keyfile();
	struct keys *k;
	uint8_t id[16], ck[32], back[32], w[KEYS_WRAPPED_LEN];
	int i;

	assert_int_equal(keys_load(dir, NULL, &k), 0);
	assert_true(keys_locked(k));
	randombytes_buf(id, sizeof(id));
	randombytes_buf(ck, sizeof(ck));
	assert_int_equal(keys_wrap_casekey(k, id, ck, w), 0);
	assert_true(keys_locked(k));

	later_calls = 0;
	later_rc = 0;
	keys_defer_lock(k, later, &later_calls);
	for (i = 0; i < 5; i++) {
		assert_int_equal(keys_unwrap_casekey(k, id, w, back), 0);
		assert_memory_equal(ck, back, 32);
		assert_false(keys_locked(k));
	}
	assert_int_equal(later_calls, 1);
	keys_lock_now(k);
	assert_true(keys_locked(k));
	assert_int_equal(keys_unwrap_casekey(k, id, w, back), 0);
	assert_int_equal(later_calls, 2);

	/* A scheduler that fails: closed at once. */
	keys_lock_now(k);
	later_rc = -1;
	assert_int_equal(keys_unwrap_casekey(k, id, w, back), 0);
	assert_true(keys_locked(k));
	assert_int_equal(later_calls, 3);

	/* Back to closing after each use. */
	later_rc = 0;
	keys_defer_lock(k, NULL, NULL);
	assert_int_equal(keys_unwrap_casekey(k, id, w, back), 0);
	assert_true(keys_locked(k));
	assert_int_equal(later_calls, 3);
	keys_free(&k);
	sodium_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_load_refuses),
		cmocka_unit_test(test_seal_many_peers),
		cmocka_unit_test(test_casekey),
		cmocka_unit_test(test_lock_deferred),
	};
	int rc;

	if (sodium_init() < 0 || mkdtemp(dir) == NULL)
		return 1;
	log_init(0, "test_keys");
	rc = cmocka_run_group_tests_name("keys", tests, NULL, NULL);
	cleanup_dir();
	return rc;
}
