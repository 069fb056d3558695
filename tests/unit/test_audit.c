/*
 * Audit entries, bundles and witnessing frames: round trips, the shape
 * each kind must have, canonical bytes only, and the ways to break them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tafel/audit.h"
#include "tafel/mp.h"
#include "tafel/tafel.h"

static void
sent_entry(struct tafel_audit_entry *e)
{
	memset(e, 0, sizeof(*e));
	e->seq = 7;
	e->time = 1700000000;
	e->kind = TAFEL_AUDIT_SENT;
	snprintf(e->table, sizeof(e->table), "aalst");
	memset(e->case_id, 0xca, 16);
	e->has_case = true;
	memset(e->env, 0xee, 32);
	e->has_env = true;
	snprintf(e->event, sizeof(e->event), "record");
	snprintf(e->cat, sizeof(e->cat), "signal");
	snprintf(e->from, sizeof(e->from), "politie-aalst");
	e->has_to = true;
	e->nto = 2;
	snprintf(e->to[0], sizeof(e->to[0]), "caw");
	snprintf(e->to[1], sizeof(e->to[1]), "ocmw");
	snprintf(e->person, sizeof(e->person), "Jan Peeters, jpeeters");
}

static void
test_entry_roundtrip(void **state)
{
	struct tafel_audit_entry e, d;
	uint8_t *buf;
	size_t len;

	sent_entry(&e);
	assert_int_equal(tafel_audit_entry_encode(&e, &buf, &len), 0);
	assert_int_equal(tafel_audit_entry_decode(buf, len, &d), 0);
	assert_int_equal(d.seq, 7);
	assert_int_equal(d.kind, TAFEL_AUDIT_SENT);
	assert_string_equal(d.table, "aalst");
	assert_memory_equal(d.case_id, e.case_id, 16);
	assert_memory_equal(d.env, e.env, 32);
	assert_int_equal(d.nto, 2);
	assert_string_equal(d.to[1], "ocmw");
	assert_string_equal(d.person, e.person);
	/* Every byte matters: a truncation or an extra byte is refused. */
	assert_int_not_equal(tafel_audit_entry_decode(buf, len - 1, &d), 0);
	{
		uint8_t *x = malloc(len + 1);

		memcpy(x, buf, len);
		x[len] = 0xc0;
		assert_int_not_equal(tafel_audit_entry_decode(x, len + 1, &d),
		    0);
		free(x);
	}
	free(buf);
}

static void
test_entry_kinds(void **state)
{
	struct tafel_audit_entry e, d;
	uint8_t *buf;
	size_t len;
	int k;

	for (k = TAFEL_AUDIT_SENT; k <= TAFEL_AUDIT_KIND_MAX; k++) {
		const char *name = tafel_audit_kind_name(k);

		assert_non_null(name);
		assert_int_equal(tafel_audit_kind_parse(name), k);
	}
	assert_null(tafel_audit_kind_name(0));
	assert_null(tafel_audit_kind_name(TAFEL_AUDIT_KIND_MAX + 1));
	assert_int_equal(tafel_audit_kind_parse("purged"), 0);
	assert_string_equal(tafel_audit_kind_name(TAFEL_AUDIT_TABLE_ADOPTED),
	    "table-adopted");

	/* A sent entry without recipients is not an entry. */
	sent_entry(&e);
	e.has_to = false;
	e.nto = 0;
	assert_int_equal(tafel_audit_entry_encode(&e, &buf, &len),
	    TAFEL_EINVAL);
	/* A viewed entry carries no envelope. */
	sent_entry(&e);
	e.kind = TAFEL_AUDIT_VIEWED;
	assert_int_equal(tafel_audit_entry_encode(&e, &buf, &len),
	    TAFEL_EINVAL);
	/* The smallest entries of each kind. */
	memset(&e, 0, sizeof(e));
	e.kind = TAFEL_AUDIT_EXPORTED;
	snprintf(e.person, sizeof(e.person), "auditor");
	assert_int_equal(tafel_audit_entry_encode(&e, &buf, &len), 0);
	assert_int_equal(tafel_audit_entry_decode(buf, len, &d), 0);
	free(buf);
	memset(&e, 0, sizeof(e));
	e.kind = TAFEL_AUDIT_RECEIPT;
	e.has_env = true;
	snprintf(e.from, sizeof(e.from), "caw");
	snprintf(e.status, sizeof(e.status), "ok");
	assert_int_equal(tafel_audit_entry_encode(&e, &buf, &len), 0);
	assert_int_equal(tafel_audit_entry_decode(buf, len, &d), 0);
	free(buf);
	snprintf(e.status, sizeof(e.status), "maybe");
	assert_int_equal(tafel_audit_entry_encode(&e, &buf, &len),
	    TAFEL_EINVAL);
	/* Control characters in a reason are refused. */
	memset(&e, 0, sizeof(e));
	e.kind = TAFEL_AUDIT_REFUSED;
	e.has_env = true;
	snprintf(e.from, sizeof(e.from), "caw");
	snprintf(e.why, sizeof(e.why), "bad\nline");
	assert_int_equal(tafel_audit_entry_encode(&e, &buf, &len),
	    TAFEL_EINVAL);
}

/* Builds a map by hand to test what the encoder never writes. */
static void
hand(struct tafel_mpw *w, int variant)
{
	tafel_mpw_init(w);
	switch (variant) {
	case 0:		/* keys out of order */
		tafel_mpw_map(w, 5);
		tafel_mpw_str(w, "v");
		tafel_mpw_uint(w, 1);
		tafel_mpw_str(w, "time");
		tafel_mpw_uint(w, 1);
		tafel_mpw_str(w, "seq");
		tafel_mpw_uint(w, 1);
		tafel_mpw_str(w, "kind");
		tafel_mpw_str(w, "exported");
		tafel_mpw_str(w, "person");
		tafel_mpw_str(w, "x");
		break;
	case 1:		/* an unknown key */
		tafel_mpw_map(w, 6);
		tafel_mpw_str(w, "v");
		tafel_mpw_uint(w, 1);
		tafel_mpw_str(w, "seq");
		tafel_mpw_uint(w, 1);
		tafel_mpw_str(w, "time");
		tafel_mpw_uint(w, 1);
		tafel_mpw_str(w, "kind");
		tafel_mpw_str(w, "exported");
		tafel_mpw_str(w, "person");
		tafel_mpw_str(w, "x");
		tafel_mpw_str(w, "text");
		tafel_mpw_str(w, "case content");
		break;
	case 2:		/* version 2 */
		tafel_mpw_map(w, 5);
		tafel_mpw_str(w, "v");
		tafel_mpw_uint(w, 2);
		tafel_mpw_str(w, "seq");
		tafel_mpw_uint(w, 1);
		tafel_mpw_str(w, "time");
		tafel_mpw_uint(w, 1);
		tafel_mpw_str(w, "kind");
		tafel_mpw_str(w, "exported");
		tafel_mpw_str(w, "person");
		tafel_mpw_str(w, "x");
		break;
	case 3:		/* an unknown kind */
		tafel_mpw_map(w, 5);
		tafel_mpw_str(w, "v");
		tafel_mpw_uint(w, 1);
		tafel_mpw_str(w, "seq");
		tafel_mpw_uint(w, 1);
		tafel_mpw_str(w, "time");
		tafel_mpw_uint(w, 1);
		tafel_mpw_str(w, "kind");
		tafel_mpw_str(w, "purged");
		tafel_mpw_str(w, "person");
		tafel_mpw_str(w, "x");
		break;
	case 4:		/* a string where bin belongs */
		tafel_mpw_map(w, 8);
		tafel_mpw_str(w, "v");
		tafel_mpw_uint(w, 1);
		tafel_mpw_str(w, "seq");
		tafel_mpw_uint(w, 1);
		tafel_mpw_str(w, "time");
		tafel_mpw_uint(w, 1);
		tafel_mpw_str(w, "kind");
		tafel_mpw_str(w, "viewed");
		tafel_mpw_str(w, "table");
		tafel_mpw_str(w, "t");
		tafel_mpw_str(w, "case");
		tafel_mpw_str(w, "0123456789abcdef");
		tafel_mpw_str(w, "person");
		tafel_mpw_str(w, "x");
		tafel_mpw_str(w, "why");
		tafel_mpw_str(w, "");
		break;
	default:	/* duplicate key */
		tafel_mpw_map(w, 5);
		tafel_mpw_str(w, "v");
		tafel_mpw_uint(w, 1);
		tafel_mpw_str(w, "seq");
		tafel_mpw_uint(w, 1);
		tafel_mpw_str(w, "seq");
		tafel_mpw_uint(w, 1);
		tafel_mpw_str(w, "kind");
		tafel_mpw_str(w, "exported");
		tafel_mpw_str(w, "person");
		tafel_mpw_str(w, "x");
		break;
	}
}

static void
test_entry_negative(void **state)
{
	struct tafel_audit_entry d;
	struct tafel_mpw w;
	uint8_t *buf;
	size_t len;
	int v;

	for (v = 0; v <= 5; v++) {
		hand(&w, v);
		assert_int_equal(tafel_mpw_finish(&w, &buf, &len), 0);
		assert_int_not_equal(tafel_audit_entry_decode(buf, len, &d), 0);
		free(buf);
	}
	/* Non-canonical integer width: seq 1 written as uint16. */
	{
		static const uint8_t x[] = {
			0x85, 0xa1, 'v', 0x01, 0xa3, 's', 'e', 'q', 0xcd, 0x00,
			0x01, 0xa4, 't', 'i', 'm', 'e', 0x01, 0xa4, 'k', 'i',
			'n', 'd', 0xa8, 'e', 'x', 'p', 'o', 'r', 't', 'e', 'd',
			0xa6, 'p', 'e', 'r', 's', 'o', 'n', 0xa1, 'x'
		};
		static const uint8_t y[] = {
			0x85, 0xa1, 'v', 0x01, 0xa3, 's', 'e', 'q', 0x01,
			0xa4, 't', 'i', 'm', 'e', 0x01, 0xa4, 'k', 'i',
			'n', 'd', 0xa8, 'e', 'x', 'p', 'o', 'r', 't', 'e', 'd',
			0xa6, 'p', 'e', 'r', 's', 'o', 'n', 0xa1, 'x'
		};

		assert_int_equal(tafel_audit_entry_decode(x, sizeof(x), &d),
		    TAFEL_EMALFORMED);
		assert_int_equal(tafel_audit_entry_decode(y, sizeof(y), &d), 0);
	}
	assert_int_not_equal(tafel_audit_entry_decode(NULL, 0, &d), 0);
}

static void
test_origin(void **state)
{
	char a[TAFEL_CKPT_ORIGIN_MAX + 1], b[TAFEL_CKPT_ORIGIN_MAX + 1];
	uint8_t pk[32];

	memset(pk, 1, 32);
	assert_int_equal(tafel_audit_origin("caw", pk, a), 0);
	assert_int_equal(strncmp(a, "tafel/caw/", 10), 0);
	assert_int_equal(strlen(a), 10 + 16);
	assert_true(tafel_note_name_valid(a, strlen(a)));
	pk[0] = 2;
	assert_int_equal(tafel_audit_origin("caw", pk, b), 0);
	assert_string_not_equal(a, b);
	assert_int_equal(tafel_audit_origin("Bad Org", pk, b), TAFEL_EINVAL);
}

static uint8_t *
bundle(size_t nleaves, size_t *len)
{
	struct tafel_mpw w;
	uint8_t *out, h[32] = { 0 };
	size_t i;

	tafel_mpw_init(&w);
	tafel_mpw_map(&w, 8);
	tafel_mpw_str(&w, "v");
	tafel_mpw_uint(&w, 1);
	tafel_mpw_str(&w, "type");
	tafel_mpw_str(&w, "tafel-audit-bundle");
	tafel_mpw_str(&w, "org");
	tafel_mpw_str(&w, "caw");
	tafel_mpw_str(&w, "vkey");
	tafel_mpw_str(&w, "tafel/caw/x+01020304+AQ==");
	tafel_mpw_str(&w, "leaves");
	tafel_mpw_array(&w, nleaves);
	for (i = 0; i < nleaves; i++)
		tafel_mpw_bin(&w, "leaf", 4);
	tafel_mpw_str(&w, "hashes");
	tafel_mpw_array(&w, nleaves);
	for (i = 0; i < nleaves; i++)
		tafel_mpw_bin(&w, h, 32);
	tafel_mpw_str(&w, "checkpoints");
	tafel_mpw_array(&w, 1);
	tafel_mpw_map(&w, 2);
	tafel_mpw_str(&w, "note");
	tafel_mpw_bin(&w, "note", 4);
	tafel_mpw_str(&w, "proof");
	tafel_mpw_array(&w, 1);
	tafel_mpw_bin(&w, h, 32);
	tafel_mpw_str(&w, "tables");
	tafel_mpw_array(&w, 0);
	assert_int_equal(tafel_mpw_finish(&w, &out, len), 0);
	return out;
}

static void
test_bundle_parse(void **state)
{
	struct tafel_audit_bundle b;
	uint8_t *buf;
	size_t len, i;

	buf = bundle(3, &len);
	assert_int_equal(tafel_audit_bundle_parse(buf, len, &b), 0);
	assert_int_equal(b.nleaves, 3);
	assert_int_equal(b.nckpts, 1);
	assert_int_equal(b.ckpt[0].nproof, 1);
	assert_string_equal(b.org, "caw");
	assert_memory_equal(buf + b.leaf_off[2], "leaf", 4);
	assert_memory_equal(buf + b.note_off[0], "note", 4);
	tafel_audit_bundle_free(&b);
	/* Every truncation fails cleanly. */
	for (i = 0; i < len; i++)
		assert_int_not_equal(tafel_audit_bundle_parse(buf, i, &b), 0);
	/* A leaf count that differs from the hash count. */
	buf[len - 1] = 0x91;	/* tables: [] -> [ ... ] truncated */
	assert_int_not_equal(tafel_audit_bundle_parse(buf, len, &b), 0);
	free(buf);
	assert_int_not_equal(tafel_audit_bundle_parse(NULL, 0, &b), 0);
}

static void
test_wit_frames(void **state)
{
	struct tafel_wit_msg m;
	uint8_t proof[2][32], *buf;
	size_t len;

	memset(proof, 7, sizeof(proof));
	assert_int_equal(tafel_wit_ckpt_encode((const uint8_t *)"n\n", 2, 4,
	    (const uint8_t (*)[32])proof, 2, &buf, &len), 0);
	assert_int_equal(tafel_wit_decode(buf, len, &m), 0);
	assert_int_equal(m.type, TAFEL_WIT_CKPT);
	assert_int_equal(m.size, 4);
	assert_int_equal(m.nproof, 2);
	assert_int_equal(m.notelen, 2);
	assert_int_not_equal(tafel_wit_decode(buf, len - 1, &m), 0);
	free(buf);
	assert_int_equal(tafel_wit_cosig_encode(TAFEL_WIT_OK, 9,
	    (const uint8_t *)"line\n", 5, "", &buf, &len), 0);
	assert_int_equal(tafel_wit_decode(buf, len, &m), 0);
	assert_int_equal(m.type, TAFEL_WIT_COSIG);
	assert_int_equal(m.st, TAFEL_WIT_OK);
	assert_int_equal(m.size, 9);
	free(buf);
	assert_int_equal(tafel_wit_cosig_encode(TAFEL_WIT_FORK, 9, NULL, 0,
	    "inconsistent", &buf, &len), 0);
	assert_int_equal(tafel_wit_decode(buf, len, &m), 0);
	assert_int_equal(m.st, TAFEL_WIT_FORK);
	assert_string_equal(m.why, "inconsistent");
	free(buf);
	/* An ok without a line cannot be written. */
	assert_int_equal(tafel_wit_cosig_encode(TAFEL_WIT_OK, 9, NULL, 0, "",
	    &buf, &len), TAFEL_EINVAL);
	/* Other peer frames are not witnessing frames. */
	{
		struct tafel_mpw w;

		tafel_mpw_init(&w);
		tafel_mpw_map(&w, 3);
		tafel_mpw_str(&w, "v");
		tafel_mpw_uint(&w, 1);
		tafel_mpw_str(&w, "t");
		tafel_mpw_str(&w, "env");
		tafel_mpw_str(&w, "env");
		tafel_mpw_bin(&w, "x", 1);
		assert_int_equal(tafel_mpw_finish(&w, &buf, &len), 0);
		assert_int_equal(tafel_wit_decode(buf, len, &m), TAFEL_EINVAL);
		free(buf);
		/* A cosig frame with an extra key. */
		tafel_mpw_init(&w);
		tafel_mpw_map(&w, 7);
		tafel_mpw_str(&w, "v");
		tafel_mpw_uint(&w, 1);
		tafel_mpw_str(&w, "t");
		tafel_mpw_str(&w, "cosig");
		tafel_mpw_str(&w, "st");
		tafel_mpw_str(&w, "old");
		tafel_mpw_str(&w, "size");
		tafel_mpw_uint(&w, 1);
		tafel_mpw_str(&w, "line");
		tafel_mpw_bin(&w, "", 0);
		tafel_mpw_str(&w, "why");
		tafel_mpw_str(&w, "");
		tafel_mpw_str(&w, "x");
		tafel_mpw_str(&w, "");
		assert_int_equal(tafel_mpw_finish(&w, &buf, &len), 0);
		assert_int_equal(tafel_wit_decode(buf, len, &m),
		    TAFEL_EMALFORMED);
		free(buf);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entry_roundtrip),
		cmocka_unit_test(test_entry_kinds),
		cmocka_unit_test(test_entry_negative),
		cmocka_unit_test(test_origin),
		cmocka_unit_test(test_bundle_parse),
		cmocka_unit_test(test_wit_frames),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests_name("audit", tests, NULL, NULL);
}
