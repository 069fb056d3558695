/*
 * Unit tests for daemon/cases.c: the one decoder of event rows
 * (DB_EVENTS), which the timeline, the history and the outbox share.
 * It takes what apply_txn writes and nothing else.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "../../daemon/daemon.h"

#define SEALED	(24 + 16)	/* nonce and tag of a value sealed at rest */

/* What a row holds; a length of -1 leaves the key out. */
struct spec {
	uint64_t	 v;
	long		 env;
	long		 hdr;
	long		 body;
	long		 ckey;
	bool		 env_str;	/* "env" as a string, not bin */
	const char	*extra;		/* one more key, or NULL */
	bool		 twice;		/* "hdr" twice */
};

static const struct spec good = { 1, 32, 100, 60, SEALED + 32, false,
    NULL, false };

static uint8_t *
row(const struct spec *s, size_t *len)
{
	static uint8_t fill[SEALED + TAFEL_MAX_BODY + 1];
	struct tafel_mpw w;
	uint8_t *out;
	size_t n;

	memset(fill, 0xa5, sizeof(fill));
	n = 1 + (s->env >= 0) + (s->hdr >= 0) + (s->body >= 0) +
	    (s->ckey >= 0) + (s->extra != NULL) + s->twice;
	tafel_mpw_init(&w);
	tafel_mpw_map(&w, n);
	tafel_mpw_str(&w, "v");
	tafel_mpw_uint(&w, s->v);
	if (s->env >= 0) {
		tafel_mpw_str(&w, "env");
		if (s->env_str)
			tafel_mpw_strn(&w, "0123456789abcdef0123456789abcdef",
			    (size_t)s->env);
		else
			tafel_mpw_bin(&w, fill, (size_t)s->env);
	}
	if (s->hdr >= 0) {
		tafel_mpw_str(&w, "hdr");
		tafel_mpw_bin(&w, fill, (size_t)s->hdr);
	}
	if (s->twice) {
		tafel_mpw_str(&w, "hdr");
		tafel_mpw_bin(&w, fill, (size_t)s->hdr);
	}
	if (s->body >= 0) {
		tafel_mpw_str(&w, "body");
		tafel_mpw_bin(&w, fill, (size_t)s->body);
	}
	if (s->ckey >= 0) {
		tafel_mpw_str(&w, "ckey");
		tafel_mpw_bin(&w, fill, (size_t)s->ckey);
	}
	if (s->extra != NULL) {
		tafel_mpw_str(&w, s->extra);
		tafel_mpw_uint(&w, 0);
	}
	assert_int_equal(tafel_mpw_finish(&w, &out, len), 0);
	return out;
}

static int
decode(const struct spec *s, struct event_row *r)
{
	uint8_t *buf;
	size_t len;
	int rc;

	buf = row(s, &len);
	rc = cases_row_decode(buf, len, r);
	free(buf);
	return rc;
}

static void
test_row_accepted(void **state)
{
	struct event_row r;
	struct spec s = good;
	uint8_t *buf;
	size_t len;

	(void)state;
	buf = row(&s, &len);
	assert_int_equal(cases_row_decode(buf, len, &r), 0);
	/* Everything points into the row itself. */
	assert_true(r.env > buf && r.env + 32 <= buf + len);
	assert_true(r.hdr > buf && r.hdr + 100 <= buf + len);
	assert_int_equal(r.hdrlen, 100);
	assert_true(r.body > buf && r.body + 60 <= buf + len);
	assert_int_equal(r.bodylen, 60);
	assert_non_null(r.ckey);
	assert_true(r.ckey > buf && r.ckey + SEALED + 32 <= buf + len);
	assert_int_equal(r.ckeylen, SEALED + 32);
	free(buf);

	/* A header-only row, without a content key. */
	s.body = 0;
	s.ckey = -1;
	assert_int_equal(decode(&s, &r), 0);
	assert_int_equal(r.bodylen, 0);
	assert_null(r.ckey);
	assert_int_equal(r.ckeylen, 0);

	/* The largest body and header. */
	s = good;
	s.body = SEALED + TAFEL_MAX_BODY;
	s.hdr = 16384;
	assert_int_equal(decode(&s, &r), 0);
	assert_int_equal(r.bodylen, SEALED + TAFEL_MAX_BODY);
}

static void
test_row_refused(void **state)
{
	struct event_row r;
	struct spec s;
	static const uint8_t junk[] = { 0xc1 };
	static const uint8_t notmap[] = { 0x91, 0x01 };
	uint8_t *buf, *more;
	size_t len;

	(void)state;
#define NO(field, value)	do {					\
		s = good;						\
		s.field = value;					\
		assert_int_equal(decode(&s, &r), -1);			\
	} while (0)
	NO(v, 0);
	NO(v, 2);
	NO(env, -1);
	NO(env, 31);
	NO(env, 33);
	NO(env_str, true);
	NO(hdr, -1);
	NO(hdr, 0);
	NO(hdr, 16385);
	NO(body, -1);
	NO(body, SEALED + TAFEL_MAX_BODY + 1);
	NO(ckey, 0);
	NO(ckey, SEALED + 31);
	NO(ckey, SEALED + 33);
	NO(extra, "time");
	NO(twice, true);
#undef NO
	assert_int_equal(cases_row_decode(junk, sizeof(junk), &r), -1);
	assert_int_equal(cases_row_decode(notmap, sizeof(notmap), &r), -1);
	assert_int_equal(cases_row_decode(notmap, 0, &r), -1);

	/* A good row with a byte after it. */
	buf = row(&good, &len);
	if ((more = realloc(buf, len + 1)) == NULL)
		fail();
	more[len] = 0xc0;
	assert_int_equal(cases_row_decode(more, len + 1, &r), -1);
	assert_int_equal(cases_row_decode(more, len - 1, &r), -1);
	assert_int_equal(cases_row_decode(more, len, &r), 0);
	free(more);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_row_accepted),
		cmocka_unit_test(test_row_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
