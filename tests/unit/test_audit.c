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

#include "audit_ref.h"

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

/*
 * Both entry decoders, libtafel's and the reference of audit_ref.h, on
 * b[0..n): the same result and the same entry, or the test fails.
 */
static int
equiv(const uint8_t *b, size_t n)
{
	struct tafel_audit_entry *x, *y;
	int a, r;
	size_t i;

	x = malloc(sizeof(*x));
	y = malloc(sizeof(*y));
	assert_non_null(x);
	assert_non_null(y);
	a = tafel_audit_entry_decode(b, n, x);
	r = ref_entry_decode(b, n, y);
	if (a != r) {
		fprintf(stderr, "# decode %d, reference %d:", a, r);
		for (i = 0; i < n; i++)
			fprintf(stderr, " %02x", b[i]);
		fprintf(stderr, "\n");
	}
	assert_int_equal(a, r);
	assert_memory_equal(x, y, sizeof(*x));
	free(x);
	free(y);
	return a;
}

/* fn on a copy of exactly n bytes, so that ASan sees any overread. */
static int
on_copy(int (*fn)(const uint8_t *, size_t), const uint8_t *b, size_t n)
{
	uint8_t *c = malloc(n > 0 ? n : 1);
	int r;

	assert_non_null(c);
	if (n > 0)
		memcpy(c, b, n);
	r = fn(c, n);
	free(c);
	return r;
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

/*
 * A map written by hand, to test what the encoder never writes: pairs
 * of key and value up to NULL; a value "#N" is the unsigned integer N,
 * any other a string.
 */
static void
hand_map(struct tafel_mpw *w, ...)
{
	const char *k, *val;
	size_t n = 0;
	va_list ap;

	va_start(ap, w);
	while (va_arg(ap, const char *) != NULL) {
		(void)va_arg(ap, const char *);
		n++;
	}
	va_end(ap);
	tafel_mpw_init(w);
	tafel_mpw_map(w, n);
	va_start(ap, w);
	while ((k = va_arg(ap, const char *)) != NULL) {
		val = va_arg(ap, const char *);
		tafel_mpw_str(w, k);
		if (val[0] == '#')
			tafel_mpw_uint(w, strtoull(val + 1, NULL, 10));
		else
			tafel_mpw_str(w, val);
	}
	va_end(ap);
}

static void
hand(struct tafel_mpw *w, int variant)
{
	switch (variant) {
	case 0:		/* keys out of order */
		hand_map(w, "v", "#1", "time", "#1", "seq", "#1",
		    "kind", "exported", "person", "x", NULL);
		break;
	case 1:		/* an unknown key */
		hand_map(w, "v", "#1", "seq", "#1", "time", "#1",
		    "kind", "exported", "person", "x",
		    "text", "case content", NULL);
		break;
	case 2:		/* version 2 */
		hand_map(w, "v", "#2", "seq", "#1", "time", "#1",
		    "kind", "exported", "person", "x", NULL);
		break;
	case 3:		/* an unknown kind */
		hand_map(w, "v", "#1", "seq", "#1", "time", "#1",
		    "kind", "purged", "person", "x", NULL);
		break;
	case 4:		/* a string where bin belongs */
		hand_map(w, "v", "#1", "seq", "#1", "time", "#1",
		    "kind", "viewed", "table", "t",
		    "case", "0123456789abcdef", "person", "x", "why", "",
		    NULL);
		break;
	default:	/* duplicate key */
		hand_map(w, "v", "#1", "seq", "#1", "seq", "#1",
		    "kind", "exported", "person", "x", NULL);
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
		assert_int_not_equal(on_copy(equiv, buf, len), 0);
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

/* A bundle's map up to its leaves: v, type, org, vkey. */
static void
bundle_begin(struct tafel_mpw *w, const char *vkey)
{
	tafel_mpw_init(w);
	tafel_mpw_map(w, 8);
	tafel_mpw_str(w, "v");
	tafel_mpw_uint(w, 1);
	tafel_mpw_str(w, "type");
	tafel_mpw_str(w, "tafel-audit-bundle");
	tafel_mpw_str(w, "org");
	tafel_mpw_str(w, "caw");
	tafel_mpw_str(w, "vkey");
	tafel_mpw_str(w, vkey);
}

static uint8_t *
bundle(size_t nleaves, size_t *len)
{
	struct tafel_mpw w;
	uint8_t *out, h[32] = { 0 };
	size_t i;

	bundle_begin(&w, "tafel/caw/x+01020304+AQ==");
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

/* ---- The decoders against the reference, on many inputs ---- */

/* A byte string literal and its length. */
#define L(s)	(s), sizeof(s) - 1

/* An entry of every kind, and the widest forms of each field. */
static void
vector(int k, struct tafel_audit_entry *e)
{
	size_t i;

	memset(e, 0, sizeof(*e));
	switch (k) {
	case 0:
		sent_entry(e);
		return;
	case 1:		/* 16 recipients, str8, 8- and 64-bit ints */
		sent_entry(e);
		e->seq = 128;
		e->time = (uint64_t)1 << 32;
		e->nto = 16;
		for (i = 0; i < e->nto; i++)
			snprintf(e->to[i], sizeof(e->to[i]), "org-%zu", i);
		memset(e->person, 'p', 32);
		return;
	case 2:
		e->kind = TAFEL_AUDIT_RECEIVED;
		e->seq = 255;
		e->time = 256;
		snprintf(e->table, sizeof(e->table), "t");
		e->has_case = e->has_env = e->has_to = true;
		memset(e->case_id, 1, 16);
		snprintf(e->event, sizeof(e->event), "checkpoint");
		snprintf(e->cat, sizeof(e->cat), "%s",
		    "0123456789012345678901234567890");
		snprintf(e->from, sizeof(e->from), "caw");
		e->nto = 1;
		snprintf(e->to[0], sizeof(e->to[0]), "stad");
		return;
	case 3:		/* a reason of the largest size, UTF-8 */
		e->kind = TAFEL_AUDIT_RECEIPT;
		e->seq = 65535;
		e->time = 65536;
		e->has_env = e->has_case = true;
		memset(e->env, 0xc1, 32);
		snprintf(e->table, sizeof(e->table), "%s", "a-b-c");
		memset(e->from, 'f', TAFEL_ORG_MAX);	/* the longest id */
		snprintf(e->status, sizeof(e->status), "refused");
		for (i = 0; i + 2 <= TAFEL_AUDIT_WHY_MAX; i += 2)
			memcpy(e->why + i, "\xc3\xa9", 2);
		return;
	case 4:
		e->kind = TAFEL_AUDIT_REFUSED;
		e->has_env = true;
		snprintf(e->from, sizeof(e->from), "caw");
		snprintf(e->event, sizeof(e->event), "%s", "123456789012345");
		snprintf(e->why, sizeof(e->why), "no such case \xe2\x82\xac");
		return;
	case 5:
		e->kind = TAFEL_AUDIT_TABLE_ADOPTED;
		e->seq = TAFEL_MERKLE_MAX_SIZE;
		e->time = UINT64_MAX;
		snprintf(e->table, sizeof(e->table), "aalst");
		e->has_tver = true;
		e->tver = 0xffffffff;
		e->has_env = true;
		snprintf(e->person, sizeof(e->person), "x");
		return;
	case 6:		/* 64 recipients, the longest person */
		e->kind = TAFEL_AUDIT_CASE_OPENED;
		snprintf(e->table, sizeof(e->table), "aalst");
		e->has_case = e->has_env = e->has_to = true;
		e->nto = TAFEL_MAX_RECIPIENTS;
		for (i = 0; i < e->nto; i++)
			snprintf(e->to[i], sizeof(e->to[i]), "%zu", i);
		memset(e->person, 'q', TAFEL_PERSON_MAX);
		return;
	case 7:
		e->kind = TAFEL_AUDIT_DECIDED;
		snprintf(e->table, sizeof(e->table), "aalst");
		e->has_case = e->has_env = true;
		snprintf(e->person, sizeof(e->person), "Jan \xf0\x9f\x98\x80");
		return;
	case 8:
		e->kind = TAFEL_AUDIT_VIEWED;
		snprintf(e->table, sizeof(e->table), "aalst");
		e->has_case = true;
		snprintf(e->person, sizeof(e->person), "auditor");
		return;
	default:
		e->kind = TAFEL_AUDIT_EXPORTED;
		snprintf(e->person, sizeof(e->person), "auditor");
		return;
	}
}

#define NVECTORS	10

static void
test_entry_equiv_vectors(void **state)
{
	struct tafel_audit_entry e, d;
	uint8_t *buf;
	size_t len;
	int k;

	for (k = 0; k < NVECTORS; k++) {
		vector(k, &e);
		assert_int_equal(tafel_audit_entry_encode(&e, &buf, &len), 0);
		assert_int_equal(on_copy(equiv, buf, len), 0);
		assert_int_equal(tafel_audit_entry_decode(buf, len, &d), 0);
		assert_memory_equal(&d, &e, sizeof(d));
		free(buf);
	}
	assert_int_equal(equiv(NULL, 0), TAFEL_EMALFORMED);
	assert_int_equal(equiv(NULL, 5), TAFEL_EMALFORMED);
	assert_int_equal(equiv(NULL, TAFEL_AUDIT_ENTRY_MAX + 1),
	    TAFEL_ETOOBIG);
}

static void
test_entry_equiv_bytes(void **state)
{
	struct tafel_audit_entry e;
	uint8_t *buf, *c;
	size_t len, i, j, ok;
	int k, x;

	for (k = 0; k < NVECTORS; k++) {
		vector(k, &e);
		assert_int_equal(tafel_audit_entry_encode(&e, &buf, &len), 0);
		/* Every byte set to every other value. */
		ok = 0;
		for (i = 0; i < len; i++) {
			uint8_t was = buf[i];

			for (x = 0; x < 256; x++) {
				if (x == was)
					continue;
				buf[i] = (uint8_t)x;
				ok += equiv(buf, len) == 0;
			}
			buf[i] = was;
		}
		/* Some changes keep a valid entry (a digit of an id). */
		assert_true(ok > 0);
		/* Every truncation, every byte left out, bytes added. */
		c = malloc(len + 2);
		assert_non_null(c);
		for (i = 0; i < len; i++) {
			assert_int_not_equal(on_copy(equiv, buf, i), 0);
			memcpy(c, buf, i);
			memcpy(c + i, buf + i + 1, len - i - 1);
			(void)on_copy(equiv, c, len - 1);
			for (j = 0; j < 4; j++) {
				static const uint8_t extra[] = {
					0x00, 0xc0, 0xa0, 0xcc
				};

				memcpy(c, buf, i);
				c[i] = extra[j];
				memcpy(c + i + 1, buf + i, len - i);
				(void)on_copy(equiv, c, len + 1);
			}
		}
		memcpy(c, buf, len);
		c[len] = 0xc0;
		assert_int_not_equal(on_copy(equiv, c, len + 1), 0);
		free(c);
		free(buf);
	}
}

/* Writes a header: tag, then v in w big-endian bytes. */
static size_t
put_hdr(uint8_t *p, uint8_t tag, size_t w, uint64_t v)
{
	size_t i;

	p[0] = tag;
	for (i = 0; i < w; i++)
		p[1 + i] = (uint8_t)(v >> (8 * (w - 1 - i)));
	return 1 + w;
}

/*
 * The forms other than fix forms that a header for o may take in
 * msgpack (the value fits): the smallest, if not a fix form, and every
 * larger one.
 * Returns how many were written to hdr[][10].
 */
static size_t
forms(const struct tafel_mpr_obj *o, uint8_t hdr[][10], size_t *hlen)
{
	size_t n = 0, w;
	uint64_t v = o->u;

	switch (o->type) {
	case TAFEL_MPR_UINT:
		for (w = 1; w <= 8; w *= 2) {
			if (w == 8 || v >> (8 * w) == 0)
				hlen[n] = put_hdr(hdr[n], (uint8_t)(0xcc +
				    (w == 1 ? 0 : w == 2 ? 1 : w == 4 ? 2 : 3)),
				    w, v), n++;
			if (v >> (8 * w - 1) == 0)
				hlen[n] = put_hdr(hdr[n], (uint8_t)(0xd0 +
				    (w == 1 ? 0 : w == 2 ? 1 : w == 4 ? 2 : 3)),
				    w, v), n++;
		}
		break;
	case TAFEL_MPR_STR:
		if (v < 256)
			hlen[n] = put_hdr(hdr[n], 0xd9, 1, v), n++;
		hlen[n] = put_hdr(hdr[n], 0xda, 2, v), n++;
		hlen[n] = put_hdr(hdr[n], 0xdb, 4, v), n++;
		break;
	case TAFEL_MPR_BIN:
		hlen[n] = put_hdr(hdr[n], 0xc5, 2, v), n++;
		hlen[n] = put_hdr(hdr[n], 0xc6, 4, v), n++;
		break;
	case TAFEL_MPR_ARRAY:
		hlen[n] = put_hdr(hdr[n], 0xdc, 2, v), n++;
		hlen[n] = put_hdr(hdr[n], 0xdd, 4, v), n++;
		break;
	case TAFEL_MPR_MAP:
		hlen[n] = put_hdr(hdr[n], 0xde, 2, v), n++;
		hlen[n] = put_hdr(hdr[n], 0xdf, 4, v), n++;
		break;
	default:
		break;
	}
	return n;
}

/*
 * Every header of every vector written in each larger form, one at a
 * time: not canonical, refused alike.  The same with "v" at 2 (a
 * version error while the fields are right) and with key/value pairs
 * swapped (all fields right, order wrong).
 */
static void
test_entry_equiv_forms(void **state)
{
	struct tafel_audit_entry e;
	struct tafel_mpr r;
	struct tafel_mpr_obj o;
	uint8_t *buf, *c, hdr[16][10];
	size_t len, hlen[16], nf, f, end, pair[16], npairs, i;
	int k, rc;

	for (k = 0; k < NVECTORS; k++) {
		vector(k, &e);
		assert_int_equal(tafel_audit_entry_encode(&e, &buf, &len), 0);
		c = malloc(len + 64);
		assert_non_null(c);
		tafel_mpr_init(&r, buf, len);
		while (!tafel_mpr_done(&r)) {
			assert_int_equal(tafel_mpr_next(&r, &o), 0);
			end = o.type == TAFEL_MPR_STR ||
			    o.type == TAFEL_MPR_BIN ? (size_t)(o.ptr - buf) :
			    r.off;
			nf = forms(&o, hdr, hlen);
			for (f = 0; f < nf; f++) {
				if (hlen[f] == end - o.off &&
				    memcmp(hdr[f], buf + o.off, hlen[f]) == 0)
					continue;	/* the form it has */
				memcpy(c, buf, o.off);
				memcpy(c + o.off, hdr[f], hlen[f]);
				memcpy(c + o.off + hlen[f], buf + end,
				    len - end);
				rc = on_copy(equiv, c, len - (end - o.off) +
				    hlen[f]);
				assert_int_equal(rc, TAFEL_EMALFORMED);
				/* The same with version 2. */
				if (o.off > 3 && buf[3] == 0x01) {
					c[3] = 0x02;
					assert_int_equal(on_copy(equiv, c, len -
					    (end - o.off) + hlen[f]),
					    TAFEL_EVERSION);
				}
			}
		}
		/* Where each key/value pair starts. */
		tafel_mpr_init(&r, buf, len);
		assert_int_equal(tafel_mpr_map(&r, &npairs), 0);
		for (i = 0; i <= npairs; i++) {
			pair[i] = r.off;
			if (i < npairs) {
				assert_int_equal(tafel_mpr_skip(&r), 0);
				assert_int_equal(tafel_mpr_skip(&r), 0);
			}
		}
		for (i = 0; i + 1 < npairs; i++) {
			size_t a = pair[i], b = pair[i + 1], z = pair[i + 2];

			memcpy(c, buf, len);
			memcpy(c + a, buf + b, z - b);
			memcpy(c + a + (z - b), buf + a, b - a);
			assert_int_equal(on_copy(equiv, c, len),
			    TAFEL_EMALFORMED);
			if (i > 0) {
				c[3] = 0x02;
				assert_int_equal(on_copy(equiv, c, len),
				    TAFEL_EVERSION);
			}
		}
		/* Version 1 as an int8: the fields pass, not canonical. */
		memcpy(c, buf, 3);
		c[3] = 0xd0;
		memcpy(c + 4, buf + 3, len - 3);
		assert_int_equal(on_copy(equiv, c, len + 1), TAFEL_EMALFORMED);
		c[4] = 0x00;
		assert_int_equal(on_copy(equiv, c, len + 1), TAFEL_EVERSION);
		free(c);
		free(buf);
	}
}

/* A bundle of real entries, two checkpoints and a table document. */
static uint8_t *
bundle_real(size_t *len)
{
	struct tafel_audit_entry e;
	struct tafel_mpw w;
	uint8_t *out, *leaf[3], h[32];
	size_t leaflen[3], i;

	for (i = 0; i < 3; i++) {
		vector((int)i * 4, &e);
		e.seq = i;
		assert_int_equal(tafel_audit_entry_encode(&e, &leaf[i],
		    &leaflen[i]), 0);
	}
	bundle_begin(&w, "tafel/caw/0123456789abcdef+01020304+AQ==");
	tafel_mpw_str(&w, "leaves");
	tafel_mpw_array(&w, 3);
	for (i = 0; i < 3; i++)
		tafel_mpw_bin(&w, leaf[i], leaflen[i]);
	tafel_mpw_str(&w, "hashes");
	tafel_mpw_array(&w, 3);
	for (i = 0; i < 3; i++) {
		tafel_merkle_leaf_hash(leaf[i], leaflen[i], h);
		tafel_mpw_bin(&w, h, 32);
		free(leaf[i]);
	}
	tafel_mpw_str(&w, "checkpoints");
	tafel_mpw_array(&w, 2);
	tafel_mpw_map(&w, 2);
	tafel_mpw_str(&w, "note");
	tafel_mpw_bin(&w, "tafel/caw\n1\nroot\n", 17);
	tafel_mpw_str(&w, "proof");
	tafel_mpw_array(&w, 0);
	tafel_mpw_map(&w, 2);
	tafel_mpw_str(&w, "proof");
	tafel_mpw_array(&w, 2);
	tafel_mpw_bin(&w, h, 32);
	tafel_mpw_bin(&w, h, 32);
	tafel_mpw_str(&w, "note");
	tafel_mpw_bin(&w, "tafel/caw\n3\nroot\n", 17);
	tafel_mpw_str(&w, "tables");
	tafel_mpw_array(&w, 1);
	tafel_mpw_bin(&w, "table document", 14);
	assert_int_equal(tafel_mpw_finish(&w, &out, len), 0);
	return out;
}

/* Both bundle parsers on buf[0..len): same result, same parts. */
static int
bundle_equiv(const uint8_t *buf, size_t len)
{
	const msgpack_object *part[8];
	struct tafel_audit_bundle b;
	msgpack_unpacked u;
	int a, r;

	a = tafel_audit_bundle_parse(buf, len, &b);
	r = ref_bundle_parse(buf, len, &u, part);
	assert_int_equal(a, r);
	if (a == 0) {
		assert_true(ref_bundle_same(&b, buf, part));
		tafel_audit_bundle_free(&b);
		msgpack_unpacked_destroy(&u);
	} else {
		assert_null(b.leaf);
		assert_int_equal(b.nleaves, 0);
		assert_int_equal(b.org[0], '\0');
	}
	return a;
}


static void
test_bundle_equiv(void **state)
{
	uint8_t *buf, was;
	size_t len, i, ok = 0;
	int x;

	buf = bundle_real(&len);
	assert_int_equal(bundle_equiv(buf, len), 0);
	for (i = 0; i < len; i++) {
		assert_int_not_equal(on_copy(bundle_equiv, buf, i), 0);
		was = buf[i];
		for (x = 0; x < 256; x++) {
			buf[i] = (uint8_t)x;
			ok += bundle_equiv(buf, len) == 0;
		}
		buf[i] = was;
	}
	assert_true(ok > len);	/* bytes inside bins change nothing */
	free(buf);
	buf = bundle(3, &len);
	assert_int_equal(bundle_equiv(buf, len), 0);
	free(buf);
	assert_int_equal(bundle_equiv(NULL, 0), TAFEL_EMALFORMED);
}

/* What the old parser took and the new one must take, or refuse, too. */
static void
test_bundle_equiv_forms(void **state)
{
	static const struct {
		const char	*b;
		size_t		 n;
		int		 want;
	} v[] = {
#define HEAD	"\xa4type\xb2tafel-audit-bundle\xa3org\xa3" "caw" \
		"\xa4vkey\xa1k"
#define REST	"\xa6leaves\x91\xc4\x01x\xa6hashes\x91\xc4\x20" \
		"0123456789abcdef0123456789abcdef" \
		"\xab" "checkpoints\x91\x82\xa5proof\x90\xa4note\xc4\x01n" \
		"\xa6tables\x90"
		{ L("\x88\xa1v\x01" HEAD REST), 0 },
		/* v in wide and signed forms: values, not widths. */
		{ L("\x88\xa1v\xcf\0\0\0\0\0\0\0\x01" HEAD REST), 0 },
		{ L("\x88\xa1v\xd0\x01" HEAD REST), 0 },
		{ L("\xde\x00\x08\xa1v\x01" HEAD REST), 0 },
		/* The keys in another order. */
		{ L("\x88" REST HEAD "\xa1v\x01"), 0 },
		/* Version 2: decided before the elements are looked at. */
		{ L("\x88\xa1v\x02" HEAD
		    "\xa6leaves\x91\xc0\xa6hashes\x90\xab" "checkpoints\x91\xc3"
		    "\xa6tables\x92\x80\xff"), TAFEL_EVERSION },
		{ L("\x88\xa1v\x01" HEAD
		    "\xa6leaves\x91\xc0\xa6hashes\x90\xab" "checkpoints\x91\xc3"
		    "\xa6tables\x92\x80\xff"), TAFEL_EMALFORMED },
		/* A leaf that is a str; a hash of 31 bytes. */
		{ L("\x88\xa1v\x01" HEAD "\xa6leaves\x91\xa1x\xa6hashes\x90"
		    "\xab" "checkpoints\x90\xa6tables\x90"), TAFEL_EMALFORMED },
		/* Too deep for the scan; too many elements. */
		{ L("\x88\xa1v\x01" HEAD "\xa6leaves\x90\xa6hashes\x90"
		    "\xab" "checkpoints\x91\x82\xa5proof\x91\x91\x91\x90"
		    "\xa4note"
		    "\xc4\x01n\xa6tables\x90"), TAFEL_EMALFORMED },
		{ L("\x88\xa1v\x01" HEAD "\xa6leaves\x90\xa6hashes\x90"
		    "\xab" "checkpoints\x90\xa6tables\xdc\x10\x01\xc4\x01x"),
		    TAFEL_EMALFORMED },
		/* A map key that is not a str, a duplicate key, trailing. */
		{ L("\x88\x01\x01" HEAD REST), TAFEL_EMALFORMED },
		{ L("\x89\xa1v\x01\xa1v\x01" HEAD REST), TAFEL_EMALFORMED },
		{ L("\x88\xa1v\x01" HEAD REST "\xc0"), TAFEL_EMALFORMED },
#undef HEAD
#undef REST
	};
	size_t k;

	for (k = 0; k < sizeof(v) / sizeof(v[0]); k++)
		assert_int_equal(on_copy(bundle_equiv, (const uint8_t *)v[k].b,
		    v[k].n), v[k].want);
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
		cmocka_unit_test(test_entry_equiv_vectors),
		cmocka_unit_test(test_entry_equiv_bytes),
		cmocka_unit_test(test_entry_equiv_forms),
		cmocka_unit_test(test_bundle_equiv),
		cmocka_unit_test(test_bundle_equiv_forms),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests_name("audit", tests, NULL, NULL);
}
