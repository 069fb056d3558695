/*
 * Unit tests for proto/table.c: roles and rules, the body, signatures,
 * strict decoding, acceptance of genesis and amendments, text form.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "tafel/card.h"
#include "tafel/mp.h"
#include "tafel/table.h"
#include "tafel/tafel.h"
#include "tafel/util.h"

#define ISSUED		1767225600ULL		/* 2026-01-01 */
#define EXPIRES		1861920000ULL		/* 2029-01-01 */

enum { COORD, POLICE, CAW, SCHOOL, NORGS };

struct org {
	const char	*id;
	const char	*role;
	uint8_t		 sk[64];
	uint8_t		*card;
	size_t		 cardlen;
};

struct fixture {
	struct org	org[NORGS];
};

static void
make_card(struct org *o, const char *id, const char *role)
{
	struct tafel_card c;

	memset(&c, 0, sizeof(c));
	o->id = id;
	o->role = role;
	crypto_sign_keypair(c.sign_pk, o->sk);
	snprintf(c.org, sizeof(c.org), "%s", id);
	snprintf(c.name, sizeof(c.name), "Organisation %s", id);
	snprintf(c.role, sizeof(c.role), "%s", role);
	c.nendpoints = 1;
	snprintf(c.endpoints[0], sizeof(c.endpoints[0]), "tcp://%s:7400", id);
	randombytes_buf(c.box_pk, 32);
	randombytes_buf(c.curve_pk, 32);
	assert_int_equal(tafel_card_encode(&c, o->sk, &o->card, &o->cardlen),
	    0);
}

static int
setup(void **state)
{
	struct fixture *fx;

	if (sodium_init() < 0 || (fx = calloc(1, sizeof(*fx))) == NULL)
		return -1;
	make_card(&fx->org[COORD], "stad-aalst", "coordinator");
	make_card(&fx->org[POLICE], "politie-aalst", "police");
	make_card(&fx->org[CAW], "caw-oost-vlaanderen", "caw");
	make_card(&fx->org[SCHOOL], "atheneum-aalst", "school");
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;
	int i;

	for (i = 0; i < NORGS; i++)
		free(fx->org[i].card);
	free(fx);
	return 0;
}

/*
 * A sealed table: members and signers are bit sets over the orgs, in
 * org order.  prev may be NULL (zeros).
 */
static struct tafel_table *
make_table(struct fixture *fx, uint64_t version, const uint8_t *prev,
    unsigned members, unsigned signers, unsigned threshold)
{
	struct tafel_table *t = tafel_table_new();
	int i;

	assert_non_null(t);
	snprintf(t->id, sizeof(t->id), "livc-aalst");
	t->version = version;
	if (prev != NULL)
		memcpy(t->prev, prev, 32);
	t->issued = ISSUED;
	t->expires = EXPIRES;
	for (i = 0; i < NORGS; i++)
		if (members & (1u << i))
			assert_int_equal(tafel_table_add_member(t,
			    fx->org[i].card, fx->org[i].cardlen), 0);
	for (i = 0; i < NORGS; i++)
		if (signers & (1u << i))
			snprintf(t->signers[t->nsigners++],
			    sizeof(t->signers[0]), "%s", fx->org[i].id);
	t->threshold = threshold;
	tafel_rules_default(&t->rules);
	assert_int_equal(tafel_table_seal_body(t), 0);
	return t;
}

static void
sign_as(struct fixture *fx, struct tafel_table *t, int who)
{
	assert_int_equal(tafel_table_sign(t, fx->org[who].id, fx->org[who].sk),
	    0);
}

/* Appends a signature by who without the API's checks. */
static void
inject_sig(struct fixture *fx, struct tafel_table *t, int who,
    const char *as_org, bool domain)
{
	uint8_t *m;
	size_t dl = domain ? sizeof(TAFEL_TABLE_DOMAIN) : 0;

	m = malloc(dl + t->bodylen);
	assert_non_null(m);
	memcpy(m, TAFEL_TABLE_DOMAIN, dl);
	memcpy(m + dl, t->body, t->bodylen);
	crypto_sign_detached(t->sigs[t->nsigs].sig, NULL, m, dl + t->bodylen,
	    fx->org[who].sk);
	snprintf(t->sigs[t->nsigs].org, sizeof(t->sigs[0].org), "%s",
	    as_org != NULL ? as_org : fx->org[who].id);
	t->nsigs++;
	free(m);
}

/* encode then decode. */
static struct tafel_table *
roundtrip(const struct tafel_table *t)
{
	struct tafel_table *d;
	uint8_t *b;
	size_t n;

	assert_int_equal(tafel_table_encode(t, &b, &n), 0);
	assert_int_equal(tafel_table_decode(b, n, &d), 0);
	free(b);
	return d;
}

#define M_ALL3	((1u << COORD) | (1u << POLICE) | (1u << CAW))
#define S_CP	((1u << COORD) | (1u << POLICE))

static struct tafel_table *
genesis(struct fixture *fx)
{
	struct tafel_table *t = make_table(fx, 1, NULL, M_ALL3, S_CP, 2);

	sign_as(fx, t, COORD);
	sign_as(fx, t, POLICE);
	return t;
}

static void
test_roles(void **state)
{
	static const char *const roles[] = { "coordinator", "police", "caw",
	    "ocmw", "vdab", "justitiehuis", "clb", "school", "youth",
	    "mental-health", "auditor", "other" };
	static const char *const cats[] = { "signal", "context", "identity",
	    "assessment", "action", "note" };
	int i;

	for (i = 0; i < TAFEL_NROLES; i++) {
		assert_string_equal(tafel_roles[i], roles[i]);
		assert_int_equal(tafel_role_index(roles[i]), i);
	}
	for (i = 0; i < TAFEL_NCATS; i++) {
		assert_string_equal(tafel_categories[i], cats[i]);
		assert_int_equal(tafel_cat_index(cats[i]), i);
	}
	assert_int_equal(tafel_role_index("chef"), -1);
	assert_int_equal(tafel_role_index("Police"), -1);
	assert_int_equal(tafel_role_index("polic"), -1);
	assert_int_equal(tafel_role_index("police "), -1);
	assert_int_equal(tafel_role_index(""), -1);
	assert_int_equal(tafel_role_index(NULL), -1);
	assert_int_equal(tafel_cat_index("signal"), 0);
	assert_int_equal(tafel_cat_index("police"), -1);
	assert_int_equal(tafel_cat_index(NULL), -1);
}

static void
test_rules_default(void **state)
{
	struct tafel_rules r;
	int i, aud = tafel_role_index("auditor");

	memset(&r, 0xff, sizeof(r));
	tafel_rules_default(&r);
	assert_int_equal(r.open, 1u << tafel_role_index("coordinator"));
	assert_int_equal(r.open, 1);
	for (i = 0; i < TAFEL_NROLES; i++) {
		assert_int_equal(r.send[i], i == aud ? 0 : 0x3f);
		assert_int_equal(r.recv[i], i == aud ? 0 : 0x3f);
	}
	assert_int_equal(r.retention_days, 1825);
	assert_int_equal(r.max_record, 65536);
}

/*
 * An independent writer for rules, with variants that the decoder must
 * accept or refuse.
 */
enum rv {
	RV_CANON, RV_CAT_ORDER, RV_ROLE_ORDER, RV_UNKNOWN_ROLE, RV_UNKNOWN_CAT,
	RV_DUP_CAT, RV_DUP_ROLE_KEY, RV_DUP_OPEN, RV_EMPTY_LIST, RV_EXTRA_KEY,
	RV_MISSING_KEY, RV_RETENTION_0, RV_MAX_RECORD_BIG, RV_CAT_BIN,
	RV_OPEN_MAP, RV_13_OPEN, RV_CAT_7, RV_MINORS, RV_MINORS_EMPTY,
	RV_MINORS_UNKNOWN_CAT, RV_MINORS_EMPTY_LIST
};

static void
write_rules(struct tafel_mpw *w, enum rv v)
{
	int i, k, nsend = 11;

	tafel_mpw_map(w, v == RV_EXTRA_KEY || v >= RV_MINORS ? 6 :
	    v == RV_MISSING_KEY ? 4 : 5);
	tafel_mpw_str(w, "open");
	if (v == RV_OPEN_MAP) {
		tafel_mpw_map(w, 1);
		tafel_mpw_str(w, "coordinator");
		tafel_mpw_bool(w, true);
	} else if (v == RV_ROLE_ORDER) {
		tafel_mpw_array(w, 2);
		tafel_mpw_str(w, "police");
		tafel_mpw_str(w, "coordinator");
	} else if (v == RV_UNKNOWN_ROLE) {
		tafel_mpw_array(w, 2);
		tafel_mpw_str(w, "coordinator");
		tafel_mpw_str(w, "mayor");
	} else if (v == RV_DUP_OPEN) {
		tafel_mpw_array(w, 2);
		tafel_mpw_str(w, "coordinator");
		tafel_mpw_str(w, "coordinator");
	} else if (v == RV_13_OPEN) {
		tafel_mpw_array(w, 13);
		for (i = 0; i < 13; i++)
			tafel_mpw_str(w, tafel_roles[i % TAFEL_NROLES]);
	} else {
		tafel_mpw_array(w, 1);
		tafel_mpw_str(w, "coordinator");
	}
	if (v == RV_DUP_ROLE_KEY || v == RV_EMPTY_LIST)
		nsend = 12;
	tafel_mpw_str(w, "send");
	tafel_mpw_map(w, nsend);
	for (i = 0; i < TAFEL_NROLES; i++) {
		if (strcmp(tafel_roles[i], "auditor") == 0)
			continue;
		tafel_mpw_str(w, tafel_roles[i]);
		if (v == RV_CAT_ORDER && i == 1) {
			tafel_mpw_array(w, 6);
			for (k = 5; k >= 0; k--)
				tafel_mpw_str(w, tafel_categories[k]);
		} else if (v == RV_UNKNOWN_CAT && i == 2) {
			tafel_mpw_array(w, 1);
			tafel_mpw_str(w, "gossip");
		} else if (v == RV_DUP_CAT && i == 3) {
			tafel_mpw_array(w, 7);
			for (k = 0; k < 7; k++)
				tafel_mpw_str(w, tafel_categories[k % 6]);
		} else if (v == RV_CAT_7 && i == 3) {
			tafel_mpw_array(w, 7);
			for (k = 0; k < 6; k++)
				tafel_mpw_str(w, tafel_categories[k]);
			tafel_mpw_str(w, "signal");
		} else if (v == RV_CAT_BIN && i == 4) {
			tafel_mpw_array(w, 1);
			tafel_mpw_bin(w, "note", 4);
		} else {
			tafel_mpw_array(w, 6);
			for (k = 0; k < 6; k++)
				tafel_mpw_str(w, tafel_categories[k]);
		}
	}
	if (v == RV_DUP_ROLE_KEY) {
		tafel_mpw_str(w, "police");
		tafel_mpw_array(w, 1);
		tafel_mpw_str(w, "note");
	} else if (v == RV_EMPTY_LIST) {
		tafel_mpw_str(w, "auditor");
		tafel_mpw_array(w, 0);
	}
	tafel_mpw_str(w, "recv");
	tafel_mpw_map(w, 11);
	for (i = 0; i < TAFEL_NROLES; i++) {
		if (strcmp(tafel_roles[i], "auditor") == 0)
			continue;
		tafel_mpw_str(w, tafel_roles[i]);
		tafel_mpw_array(w, 6);
		for (k = 0; k < 6; k++)
			tafel_mpw_str(w, tafel_categories[k]);
	}
	tafel_mpw_str(w, "retention_days");
	tafel_mpw_uint(w, v == RV_RETENTION_0 ? 0 : 1825);
	if (v != RV_MISSING_KEY) {
		tafel_mpw_str(w, "max_record");
		tafel_mpw_uint(w, v == RV_MAX_RECORD_BIG ? TAFEL_MAX_TEXT + 1 :
		    65536);
	}
	if (v == RV_EXTRA_KEY) {
		tafel_mpw_str(w, "police_may_read_all");
		tafel_mpw_bool(w, true);
	}
	if (v >= RV_MINORS) {
		/* In a case about a minor, CAW receives no assessment. */
		tafel_mpw_str(w, "minors");
		tafel_mpw_map(w, v == RV_MINORS_EMPTY ? 0 : 1);
		if (v != RV_MINORS_EMPTY) {
			tafel_mpw_str(w, "caw");
			tafel_mpw_array(w, v == RV_MINORS_EMPTY_LIST ? 0 : 1);
			if (v == RV_MINORS_UNKNOWN_CAT)
				tafel_mpw_str(w, "gossip");
			else if (v == RV_MINORS)
				tafel_mpw_str(w, "assessment");
		}
	}
}

/* Knobs for the independent body writer. */
struct bk {
	uint64_t	v;
	enum rv		rules;
	size_t		prevlen;
	bool		extra_key;
	size_t		repeat_member;	/* > 0: member 0 this many times */
	size_t		repeat_signer;	/* > 0: signer 0 this many times */
	bool		bad_member;	/* a member that is not a card */
};

#define BK_DEFAULT	{ 1, RV_CANON, 32, false, 0, 0, false }

/* Writes t's body from its fields, unchecked. */
static void
raw_body(const struct tafel_table *t, const struct bk *k, uint8_t **out,
    size_t *len)
{
	struct tafel_mpw w;
	size_t i, n;

	tafel_mpw_init(&w);
	tafel_mpw_map(&w, k->extra_key ? 11 : 10);
	tafel_mpw_str(&w, "v");
	tafel_mpw_uint(&w, k->v);
	tafel_mpw_str(&w, "table");
	tafel_mpw_str(&w, t->id);
	tafel_mpw_str(&w, "version");
	tafel_mpw_uint(&w, t->version);
	tafel_mpw_str(&w, "prev");
	tafel_mpw_bin(&w, t->prev, k->prevlen);
	tafel_mpw_str(&w, "issued");
	tafel_mpw_uint(&w, t->issued);
	tafel_mpw_str(&w, "expires");
	tafel_mpw_uint(&w, t->expires);
	tafel_mpw_str(&w, "members");
	n = k->repeat_member > 0 ? k->repeat_member : t->nmembers;
	tafel_mpw_array(&w, n + (k->bad_member ? 1 : 0));
	for (i = 0; i < n; i++) {
		const struct tafel_member *m = &t->members[
		    k->repeat_member > 0 ? 0 : i];

		tafel_mpw_bin(&w, m->raw, m->rawlen);
	}
	if (k->bad_member)
		tafel_mpw_bin(&w, "\x80", 1);
	tafel_mpw_str(&w, "signers");
	n = k->repeat_signer > 0 ? k->repeat_signer : t->nsigners;
	tafel_mpw_array(&w, n);
	for (i = 0; i < n; i++)
		tafel_mpw_str(&w, t->signers[k->repeat_signer > 0 ? 0 : i]);
	tafel_mpw_str(&w, "threshold");
	tafel_mpw_uint(&w, t->threshold);
	tafel_mpw_str(&w, "rules");
	write_rules(&w, k->rules);
	if (k->extra_key) {
		tafel_mpw_str(&w, "comment");
		tafel_mpw_str(&w, "x");
	}
	assert_int_equal(tafel_mpw_finish(&w, out, len), 0);
}

/* A document around body with nsigs copies of t's first signature. */
static void
raw_doc(const uint8_t *body, size_t bodylen, const struct tafel_table *t,
    size_t nsigs, uint64_t v, size_t siglen, uint8_t **out, size_t *len)
{
	struct tafel_mpw w;
	size_t i;

	tafel_mpw_init(&w);
	tafel_mpw_map(&w, 3);
	tafel_mpw_str(&w, "v");
	tafel_mpw_uint(&w, v);
	tafel_mpw_str(&w, "body");
	tafel_mpw_bin(&w, body, bodylen);
	tafel_mpw_str(&w, "sigs");
	tafel_mpw_array(&w, nsigs);
	for (i = 0; i < nsigs; i++) {
		tafel_mpw_map(&w, 2);
		tafel_mpw_str(&w, "org");
		tafel_mpw_str(&w, t->sigs[i < t->nsigs ? i : 0].org);
		tafel_mpw_str(&w, "sig");
		tafel_mpw_bin(&w, t->sigs[i < t->nsigs ? i : 0].sig, siglen);
	}
	assert_int_equal(tafel_mpw_finish(&w, out, len), 0);
}

/* Decodes t's fields written by raw_body with knobs k. */
static int
decode_raw(const struct tafel_table *t, const struct bk *k,
    struct tafel_table **out)
{
	uint8_t *body, *doc;
	size_t blen, dlen;
	int r;

	raw_body(t, k, &body, &blen);
	raw_doc(body, blen, t, 0, 1, 64, &doc, &dlen);
	*out = (struct tafel_table *)1;
	r = tafel_table_decode(doc, dlen, out);
	if (r != 0)
		assert_null(*out);
	free(doc);
	free(body);
	return r;
}

static void
test_roundtrip(void **state)
{
	struct fixture *fx = *state;
	struct tafel_table *t = genesis(fx), *d;
	struct bk k = BK_DEFAULT;
	uint8_t *body, h[32];
	size_t blen, i;

	d = roundtrip(t);
	assert_string_equal(d->id, "livc-aalst");
	assert_int_equal(d->version, 1);
	assert_true(sodium_is_zero(d->prev, 32));
	assert_int_equal(d->issued, ISSUED);
	assert_int_equal(d->expires, EXPIRES);
	assert_int_equal(d->nmembers, 3);
	for (i = 0; i < 3; i++) {
		assert_int_equal(d->members[i].rawlen, t->members[i].rawlen);
		assert_memory_equal(d->members[i].raw, t->members[i].raw,
		    t->members[i].rawlen);
		assert_string_equal(d->members[i].card.org, fx->org[i].id);
	}
	assert_int_equal(d->nsigners, 2);
	assert_string_equal(d->signers[0], "stad-aalst");
	assert_string_equal(d->signers[1], "politie-aalst");
	assert_int_equal(d->threshold, 2);
	assert_memory_equal(&d->rules, &t->rules, sizeof(d->rules));
	assert_int_equal(d->bodylen, t->bodylen);
	assert_memory_equal(d->body, t->body, t->bodylen);
	crypto_hash_sha256(h, t->body, t->bodylen);
	assert_memory_equal(d->hash, h, 32);
	assert_memory_equal(t->hash, h, 32);
	assert_int_equal(d->nsigs, 2);
	assert_string_equal(d->sigs[0].org, "stad-aalst");
	assert_memory_equal(d->sigs[1].sig, t->sigs[1].sig, 64);
	assert_int_equal(tafel_table_valid_sigs(d, d), 2);
	/* The library's body is byte for byte what our own writer makes. */
	raw_body(t, &k, &body, &blen);
	assert_int_equal(blen, t->bodylen);
	assert_memory_equal(body, t->body, blen);
	free(body);
	/* Member lookup. */
	assert_non_null(tafel_table_member(d, "caw-oost-vlaanderen"));
	assert_string_equal(tafel_table_member(d, "caw-oost-vlaanderen")->
	    card.role, "caw");
	assert_null(tafel_table_member(d, "atheneum-aalst"));
	assert_null(tafel_table_member(d, "caw"));
	assert_null(tafel_table_member(d, NULL));
	tafel_table_destroy(&d);
	assert_null(d);
	tafel_table_destroy(&d);
	tafel_table_destroy(NULL);
	tafel_table_destroy(&t);
}

static void
test_rules_roundtrip(void **state)
{
	struct fixture *fx = *state;
	struct tafel_table *t = make_table(fx, 1, NULL, M_ALL3, S_CP, 1), *d;
	static const char open_want[] = "\xa4open\x93\xab" "coordinator\xac"
	    "justitiehuis\xa5other";
	static const char minors_want[] = "\xa6minors\x81\xa6school\x92"
	    "\xa8identity\xaa" "assessment";
	int i;

	/* Unusual rules survive encoding; absent roles send nothing. */
	memset(&t->rules, 0, sizeof(t->rules));
	t->rules.open = (1u << 0) | (1u << 11) | (1u << 5);
	t->rules.send[3] = 0x21;
	t->rules.recv[11] = 0x3f;
	t->rules.recv[0] = 0x02;
	t->rules.retention_days = 1;
	t->rules.max_record = TAFEL_MAX_TEXT;
	t->rules.minors[tafel_role_index("school")] = 0x0c;
	assert_int_equal(tafel_table_seal_body(t), 0);
	d = roundtrip(t);
	assert_memory_equal(&d->rules, &t->rules, sizeof(t->rules));
	assert_false(tafel_rules_minor_allows(&d->rules, "school",
	    "identity"));
	assert_false(tafel_rules_minor_allows(&d->rules, "school",
	    "assessment"));
	assert_true(tafel_rules_minor_allows(&d->rules, "school", "note"));
	assert_true(tafel_rules_minor_allows(&d->rules, "police",
	    "identity"));
	assert_false(tafel_rules_minor_allows(&d->rules, "mayor", "note"));
	assert_false(tafel_rules_minor_allows(&d->rules, "police", "gossip"));
	assert_non_null(memmem(t->body, t->bodylen, minors_want,
	    sizeof(minors_want) - 1));
	for (i = 0; i < TAFEL_NROLES; i++)
		if (i != 3)
			assert_int_equal(d->rules.send[i], 0);
	/* Open is written in canonical role order. */
	assert_non_null(memmem(t->body, t->bodylen, open_want,
	    sizeof(open_want) - 1));
	tafel_table_destroy(&d);
	tafel_table_destroy(&t);
}

static void
test_rules_decode(void **state)
{
	struct fixture *fx = *state;
	struct tafel_table *t = make_table(fx, 1, NULL, M_ALL3, S_CP, 2), *d;
	struct tafel_table *canon;
	struct bk k = BK_DEFAULT;
	static const enum rv bad[] = {
		RV_UNKNOWN_ROLE, RV_UNKNOWN_CAT, RV_DUP_CAT, RV_DUP_ROLE_KEY,
		RV_DUP_OPEN, RV_EMPTY_LIST, RV_EXTRA_KEY, RV_MISSING_KEY,
		RV_RETENTION_0, RV_MAX_RECORD_BIG, RV_CAT_BIN, RV_OPEN_MAP,
		RV_13_OPEN, RV_CAT_7, RV_MINORS_EMPTY, RV_MINORS_UNKNOWN_CAT,
		RV_MINORS_EMPTY_LIST,
	};
	size_t i;

	assert_int_equal(decode_raw(t, &k, &d), 0);
	tafel_table_destroy(&d);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		k.rules = bad[i];
		if (decode_raw(t, &k, &d) != TAFEL_EMALFORMED)
			fail_msg("rules variant %d not refused", (int)bad[i]);
	}
	/* A minors rule. */
	k.rules = RV_MINORS;
	assert_int_equal(decode_raw(t, &k, &d), 0);
	assert_int_equal(d->rules.minors[tafel_role_index("caw")],
	    1u << tafel_cat_index("assessment"));
	tafel_table_destroy(&d);
	/* Out of order is accepted, and sealing again makes it canonical. */
	k.rules = RV_CAT_ORDER;
	assert_int_equal(decode_raw(t, &k, &d), 0);
	assert_memory_equal(&d->rules, &t->rules, sizeof(t->rules));
	assert_int_not_equal(d->bodylen == t->bodylen &&
	    memcmp(d->body, t->body, t->bodylen) == 0, 1);
	assert_int_equal(tafel_table_seal_body(d), 0);
	assert_int_equal(d->bodylen, t->bodylen);
	assert_memory_equal(d->body, t->body, t->bodylen);
	tafel_table_destroy(&d);
	k.rules = RV_ROLE_ORDER;
	assert_int_equal(decode_raw(t, &k, &d), 0);
	assert_int_equal(d->rules.open, 0x3);
	canon = make_table(fx, 1, NULL, M_ALL3, S_CP, 2);
	canon->rules.open = 0x3;
	assert_int_equal(tafel_table_seal_body(canon), 0);
	assert_int_equal(tafel_table_seal_body(d), 0);
	assert_memory_equal(d->body, canon->body, canon->bodylen);
	tafel_table_destroy(&canon);
	tafel_table_destroy(&d);
	tafel_table_destroy(&t);
}

static void
test_body_decode_refuses(void **state)
{
	struct fixture *fx = *state;
	struct tafel_table *t = make_table(fx, 1, NULL, M_ALL3, S_CP, 2), *d;
	struct tafel_table saved;
	struct bk k = BK_DEFAULT;

	/* Control. */
	assert_int_equal(decode_raw(t, &k, &d), 0);
	tafel_table_destroy(&d);
	saved = *t;
#define BAD(code, stmt) do {						\
	*t = saved;							\
	k = (struct bk)BK_DEFAULT;					\
	stmt;								\
	if (decode_raw(t, &k, &d) != (code))				\
		fail_msg("not refused: %s", #stmt);			\
} while (0)
	BAD(TAFEL_EVERSION, k.v = 2);
	BAD(TAFEL_EMALFORMED, k.extra_key = true);
	BAD(TAFEL_EMALFORMED, k.prevlen = 31);
	BAD(TAFEL_EMALFORMED, t->version = 0);
	BAD(TAFEL_EMALFORMED, t->id[0] = 'L');
	BAD(TAFEL_EMALFORMED, t->expires = t->issued);
	BAD(TAFEL_EMALFORMED, t->expires = t->issued - 1);
	BAD(TAFEL_EMALFORMED, t->threshold = 0);
	BAD(TAFEL_EMALFORMED, t->threshold = 3);
	BAD(TAFEL_EMALFORMED, k.repeat_member = 2);	/* duplicate member */
	BAD(TAFEL_EMALFORMED, k.repeat_signer = 2);	/* duplicate signer */
	BAD(TAFEL_EMALFORMED, k.bad_member = true);
	BAD(TAFEL_EMALFORMED, snprintf(t->signers[1], sizeof(t->signers[1]),
	    "atheneum-aalst"));			/* signer not a member */
	BAD(TAFEL_EMALFORMED, t->nsigners = 0);
	BAD(TAFEL_ETOOBIG, k.repeat_member = TAFEL_MAX_MEMBERS + 1);
	BAD(TAFEL_ETOOBIG, k.repeat_signer = TAFEL_MAX_MEMBERS + 1);
#undef BAD
	*t = saved;
	/* Limits that are fine. */
	k = (struct bk)BK_DEFAULT;
	t->threshold = 1;
	t->expires = t->issued + 1;
	assert_int_equal(decode_raw(t, &k, &d), 0);
	tafel_table_destroy(&d);
	tafel_table_destroy(&t);
}

static void
test_doc_decode_refuses(void **state)
{
	struct fixture *fx = *state;
	struct tafel_table *t = genesis(fx), *d;
	uint8_t *doc, *b;
	size_t n, k;

	/* Control. */
	raw_doc(t->body, t->bodylen, t, 2, 1, 64, &doc, &n);
	assert_int_equal(tafel_table_decode(doc, n, &d), 0);
	tafel_table_destroy(&d);
	/* Truncated at every length, and one trailing byte. */
	for (k = 0; k < n; k++) {
		b = malloc(k + 1);
		assert_non_null(b);
		memcpy(b, doc, k);
		assert_int_not_equal(tafel_table_decode(b, k, &d), 0);
		assert_null(d);
		free(b);
	}
	b = malloc(n + 1);
	assert_non_null(b);
	memcpy(b, doc, n);
	b[n] = 0;
	assert_int_equal(tafel_table_decode(b, n + 1, &d), TAFEL_EMALFORMED);
	free(b);
	free(doc);
	/* Two signatures by one org. */
	raw_doc(t->body, t->bodylen, t, 3, 1, 64, &doc, &n);
	assert_int_equal(tafel_table_decode(doc, n, &d), TAFEL_EMALFORMED);
	free(doc);
	/* More than TAFEL_MAX_SIGS signatures. */
	raw_doc(t->body, t->bodylen, t, TAFEL_MAX_SIGS + 1, 1, 64, &doc, &n);
	assert_int_equal(tafel_table_decode(doc, n, &d), TAFEL_ETOOBIG);
	free(doc);
	/* A signature of 63 bytes; the document version. */
	raw_doc(t->body, t->bodylen, t, 1, 1, 63, &doc, &n);
	assert_int_equal(tafel_table_decode(doc, n, &d), TAFEL_EMALFORMED);
	free(doc);
	raw_doc(t->body, t->bodylen, t, 1, 2, 64, &doc, &n);
	assert_int_equal(tafel_table_decode(doc, n, &d), TAFEL_EVERSION);
	free(doc);
	/* The body with a trailing byte. */
	b = malloc(t->bodylen + 1);
	assert_non_null(b);
	memcpy(b, t->body, t->bodylen);
	b[t->bodylen] = 0xc0;
	raw_doc(b, t->bodylen + 1, t, 1, 1, 64, &doc, &n);
	assert_int_equal(tafel_table_decode(doc, n, &d), TAFEL_EMALFORMED);
	free(doc);
	free(b);
	/* Hostile sizes. */
	assert_int_equal(tafel_table_decode((const uint8_t *)
	    "\xdf\x02\xfa\xf0\x80", 5, &d), TAFEL_EMALFORMED);
	assert_int_equal(tafel_table_decode((const uint8_t *)
	    "\x83\xa1v\x01\xa4" "body\xc4\x01\x80\xa4sigs\xdd\x02\xfa\xf0\x80",
	    22, &d), TAFEL_EMALFORMED);
	b = calloc(1, TAFEL_TABLE_DOC_MAX + 1);
	assert_non_null(b);
	assert_int_equal(tafel_table_decode(b, TAFEL_TABLE_DOC_MAX + 1, &d),
	    TAFEL_ETOOBIG);
	free(b);
	assert_int_equal(tafel_table_decode(NULL, 0, &d), TAFEL_EMALFORMED);
	tafel_table_destroy(&t);
}

static void
test_member_card_checked(void **state)
{
	struct fixture *fx = *state;
	struct tafel_table *t = make_table(fx, 1, NULL, M_ALL3, S_CP, 2), *d;
	struct bk k = BK_DEFAULT;
	uint8_t *saved = t->members[1].raw, *copy;

	/* A member card with a broken self-signature. */
	copy = malloc(t->members[1].rawlen);
	assert_non_null(copy);
	memcpy(copy, saved, t->members[1].rawlen);
	copy[t->members[1].rawlen - 1] ^= 0x10;
	t->members[1].raw = copy;
	assert_int_equal(decode_raw(t, &k, &d), TAFEL_ESIG);
	/* And seal_body notices it too. */
	assert_int_equal(tafel_table_seal_body(t), TAFEL_EINVAL);
	t->members[1].raw = saved;
	free(copy);
	tafel_table_destroy(&t);
}

static void
test_add_member(void **state)
{
	struct fixture *fx = *state;
	struct tafel_table *t = tafel_table_new(), *t2;
	struct org many;
	uint8_t *bad;
	int i;

	assert_non_null(t);
	assert_int_equal(tafel_table_add_member(t, fx->org[0].card,
	    fx->org[0].cardlen), 0);
	/* A second card for one org. */
	assert_int_equal(tafel_table_add_member(t, fx->org[0].card,
	    fx->org[0].cardlen), TAFEL_EINVAL);
	/* A card that does not verify. */
	bad = malloc(fx->org[1].cardlen);
	assert_non_null(bad);
	memcpy(bad, fx->org[1].card, fx->org[1].cardlen);
	bad[fx->org[1].cardlen - 2] ^= 1;
	assert_int_equal(tafel_table_add_member(t, bad, fx->org[1].cardlen),
	    TAFEL_ESIG);
	assert_int_equal(tafel_table_add_member(t, bad, 3), TAFEL_EMALFORMED);
	free(bad);
	assert_int_equal(t->nmembers, 1);
	/* The bytes are copied. */
	assert_ptr_not_equal(t->members[0].raw, fx->org[0].card);
	tafel_table_destroy(&t);

	/* Not after sealing. */
	t = make_table(fx, 1, NULL, M_ALL3, S_CP, 2);
	assert_int_equal(tafel_table_add_member(t, fx->org[SCHOOL].card,
	    fx->org[SCHOOL].cardlen), TAFEL_EINVAL);
	tafel_table_destroy(&t);

	/* A full list. */
	t2 = tafel_table_new();
	assert_non_null(t2);
	for (i = 0; i <= TAFEL_MAX_MEMBERS; i++) {
		char id[16];

		snprintf(id, sizeof(id), "org-%d", i);
		make_card(&many, id, "other");
		assert_int_equal(tafel_table_add_member(t2, many.card,
		    many.cardlen), i < TAFEL_MAX_MEMBERS ? 0 : TAFEL_ETOOBIG);
		free(many.card);
	}
	assert_int_equal(t2->nmembers, TAFEL_MAX_MEMBERS);
	tafel_table_destroy(&t2);
}

static void
test_seal_refuses(void **state)
{
	struct fixture *fx = *state;
	struct tafel_table *t = make_table(fx, 1, NULL, M_ALL3, S_CP, 2);
	struct tafel_table saved = *t;
	struct tafel_table *empty;

#define BAD(stmt) do {							\
	*t = saved;							\
	t->body = NULL;	/* the saved body stays with saved */		\
	stmt;								\
	if (tafel_table_seal_body(t) == 0)				\
		fail_msg("sealed: %s", #stmt);				\
	assert_null(t->body);						\
} while (0)
	BAD(t->version = 0);
	BAD(t->id[0] = '\0');
	BAD(t->id[0] = '-');
	BAD(t->expires = t->issued);
	BAD(t->threshold = 0);
	BAD(t->threshold = 3);
	BAD(t->nsigners = 0);
	BAD(snprintf(t->signers[1], sizeof(t->signers[1]), "atheneum-aalst"));
	BAD(snprintf(t->signers[1], sizeof(t->signers[1]), "stad-aalst"));
	BAD(snprintf(t->signers[1], sizeof(t->signers[1]), "Stad"));
	BAD(t->rules.open = 1u << TAFEL_NROLES);
	BAD(t->rules.send[2] = 1u << TAFEL_NCATS);
	BAD(t->rules.recv[11] = 0x80);
	BAD(t->rules.retention_days = 0);
	BAD(t->rules.max_record = 0);
	BAD(t->rules.max_record = TAFEL_MAX_TEXT + 1);
	BAD(t->members[1].card.hash[0] ^= 1);	/* card edited after adding */
	BAD(t->members[2] = t->members[1]);	/* the same member twice */
#undef BAD
	*t = saved;
	assert_int_equal(tafel_table_seal_body(t), 0);
	tafel_table_destroy(&t);
	empty = tafel_table_new();
	assert_non_null(empty);
	snprintf(empty->id, sizeof(empty->id), "x");
	empty->version = 1;
	empty->expires = 1;
	assert_int_not_equal(tafel_table_seal_body(empty), 0);
	tafel_table_destroy(&empty);
	assert_int_equal(tafel_table_seal_body(NULL), TAFEL_EINVAL);
}

static void
test_sign(void **state)
{
	struct fixture *fx = *state;
	struct tafel_table *t = tafel_table_new();
	uint8_t *b;
	size_t n;

	/* Nothing to sign before sealing. */
	assert_non_null(t);
	assert_int_equal(tafel_table_sign(t, fx->org[COORD].id,
	    fx->org[COORD].sk), TAFEL_EINVAL);
	assert_int_equal(tafel_table_encode(t, &b, &n), TAFEL_EINVAL);
	tafel_table_destroy(&t);

	t = make_table(fx, 1, NULL, M_ALL3, S_CP, 2);
	/* Not a signer; not a member; the wrong key. */
	assert_int_equal(tafel_table_sign(t, fx->org[CAW].id, fx->org[CAW].sk),
	    TAFEL_EINVAL);
	assert_int_equal(tafel_table_sign(t, fx->org[SCHOOL].id,
	    fx->org[SCHOOL].sk), TAFEL_EINVAL);
	assert_int_equal(tafel_table_sign(t, fx->org[COORD].id,
	    fx->org[POLICE].sk), TAFEL_EINVAL);
	assert_int_equal(t->nsigs, 0);
	sign_as(fx, t, COORD);
	assert_int_equal(tafel_table_valid_sigs(t, t), 1);
	/* Signing again replaces. */
	sign_as(fx, t, COORD);
	assert_int_equal(t->nsigs, 1);
	sign_as(fx, t, POLICE);
	assert_int_equal(t->nsigs, 2);
	assert_int_equal(tafel_table_valid_sigs(t, t), 2);
	/* Sealing again drops the signatures. */
	assert_int_equal(tafel_table_seal_body(t), 0);
	assert_int_equal(t->nsigs, 0);
	assert_int_equal(tafel_table_valid_sigs(t, t), 0);
	tafel_table_destroy(&t);
}

static void
test_valid_sigs(void **state)
{
	struct fixture *fx = *state;
	struct tafel_table *t = make_table(fx, 1, NULL, M_ALL3, S_CP, 2), *d;

	/* A member who is not a signer does not count. */
	sign_as(fx, t, COORD);
	inject_sig(fx, t, CAW, NULL, true);
	assert_int_equal(tafel_table_valid_sigs(t, t), 1);
	d = roundtrip(t);
	assert_int_equal(d->nsigs, 2);
	assert_int_equal(tafel_table_valid_sigs(d, d), 1);
	tafel_table_destroy(&d);
	/* A signer's name on another member's signature does not count. */
	inject_sig(fx, t, CAW, fx->org[POLICE].id, true);
	assert_int_equal(tafel_table_valid_sigs(t, t), 1);
	t->nsigs--;
	/* Nor a signature without the domain prefix. */
	inject_sig(fx, t, POLICE, NULL, false);
	assert_int_equal(tafel_table_valid_sigs(t, t), 1);
	t->nsigs--;
	/* The real one does. */
	inject_sig(fx, t, POLICE, NULL, true);
	assert_int_equal(tafel_table_valid_sigs(t, t), 2);
	/* A flipped bit in the body: nothing counts. */
	t->body[t->bodylen - 1] ^= 1;
	assert_int_equal(tafel_table_valid_sigs(t, t), 0);
	t->body[t->bodylen - 1] ^= 1;
	/* An org listed twice as signer counts once (hand-built struct). */
	t->nsigners = 3;
	snprintf(t->signers[2], sizeof(t->signers[2]), "%s",
	    fx->org[COORD].id);
	assert_int_equal(tafel_table_valid_sigs(t, t), 2);
	assert_int_equal(tafel_table_valid_sigs(t, NULL), 0);
	assert_int_equal(tafel_table_valid_sigs(NULL, t), 0);
	tafel_table_destroy(&t);
}

static void
test_accept_genesis(void **state)
{
	struct fixture *fx = *state;
	struct tafel_table *t = make_table(fx, 1, NULL, M_ALL3, S_CP, 2), *d;
	struct tafel_table *t2;
	uint8_t expect[32], prev[32];
	const char *why;

	memcpy(expect, t->hash, 32);
	/* Unsigned, then one of two. */
	assert_int_equal(tafel_table_accept_genesis(t, expect, &why),
	    TAFEL_ESIG);
	assert_string_equal(why, "only 0 of 2 required signatures");
	sign_as(fx, t, COORD);
	inject_sig(fx, t, CAW, NULL, true);	/* a non-signer */
	d = roundtrip(t);
	assert_int_equal(tafel_table_accept_genesis(d, expect, &why),
	    TAFEL_ESIG);
	assert_string_equal(why, "only 1 of 2 required signatures");
	tafel_table_destroy(&d);
	inject_sig(fx, t, POLICE, NULL, true);
	d = roundtrip(t);
	why = "unset";
	assert_int_equal(tafel_table_accept_genesis(d, expect, &why), 0);
	assert_null(why);
	assert_int_equal(tafel_table_accept_genesis(d, expect, NULL), 0);
	/* The fingerprint the operator expects must match. */
	expect[31] ^= 1;
	assert_int_equal(tafel_table_accept_genesis(d, expect, &why),
	    TAFEL_EPOLICY);
	assert_string_equal(why, "fingerprint does not match");
	tafel_table_destroy(&d);

	/* Version 2 and a prev are no genesis, even fully signed. */
	randombytes_buf(prev, sizeof(prev));
	t2 = make_table(fx, 2, prev, M_ALL3, S_CP, 2);
	sign_as(fx, t2, COORD);
	sign_as(fx, t2, POLICE);
	assert_int_equal(tafel_table_accept_genesis(t2, t2->hash, &why),
	    TAFEL_EPOLICY);
	assert_string_equal(why, "version must be 1");
	tafel_table_destroy(&t2);
	t2 = make_table(fx, 1, prev, M_ALL3, S_CP, 2);
	sign_as(fx, t2, COORD);
	sign_as(fx, t2, POLICE);
	assert_int_equal(tafel_table_accept_genesis(t2, t2->hash, &why),
	    TAFEL_EPOLICY);
	assert_non_null(why);
	tafel_table_destroy(&t2);
	/* Threshold 1 of 2 signers. */
	t2 = make_table(fx, 1, NULL, M_ALL3, S_CP, 1);
	sign_as(fx, t2, POLICE);
	assert_int_equal(tafel_table_accept_genesis(t2, t2->hash, &why), 0);
	tafel_table_destroy(&t2);
	tafel_table_destroy(&t);
}

static void
test_accept_next(void **state)
{
	struct fixture *fx = *state;
	struct tafel_table *cur = genesis(fx), *next, *d;
	const char *why;
	uint8_t wrong[32];

	/* v2 adds the school and the caw as signer. */
	next = make_table(fx, 2, cur->hash, M_ALL3 | (1u << SCHOOL),
	    S_CP | (1u << CAW), 2);
	sign_as(fx, next, COORD);
	sign_as(fx, next, POLICE);
	d = roundtrip(next);
	why = "unset";
	assert_int_equal(tafel_table_accept_next(cur, d, &why), 0);
	assert_null(why);
	tafel_table_destroy(&d);
	tafel_table_destroy(&next);

	/* Enough of its own signers, not enough of the current ones. */
	next = make_table(fx, 2, cur->hash, M_ALL3, S_CP | (1u << CAW), 2);
	sign_as(fx, next, POLICE);
	sign_as(fx, next, CAW);
	assert_int_equal(tafel_table_valid_sigs(next, next), 2);
	assert_int_equal(tafel_table_accept_next(cur, next, &why), TAFEL_ESIG);
	assert_string_equal(why,
	    "only 1 of 2 required signatures of the current version");
	tafel_table_destroy(&next);

	/* Enough of the current signers, not of its own. */
	next = make_table(fx, 2, cur->hash, M_ALL3 | (1u << SCHOOL),
	    (1u << CAW) | (1u << SCHOOL), 2);
	inject_sig(fx, next, COORD, NULL, true);
	inject_sig(fx, next, POLICE, NULL, true);
	assert_int_equal(tafel_table_accept_next(cur, next, &why), TAFEL_ESIG);
	assert_string_equal(why,
	    "only 0 of 2 required signatures of the new version");
	sign_as(fx, next, CAW);
	assert_int_equal(tafel_table_accept_next(cur, next, &why), TAFEL_ESIG);
	assert_string_equal(why,
	    "only 1 of 2 required signatures of the new version");
	sign_as(fx, next, SCHOOL);
	assert_int_equal(tafel_table_accept_next(cur, next, &why), 0);
	tafel_table_destroy(&next);

	/* A skipped version. */
	next = make_table(fx, 3, cur->hash, M_ALL3, S_CP, 2);
	sign_as(fx, next, COORD);
	sign_as(fx, next, POLICE);
	assert_int_equal(tafel_table_accept_next(cur, next, &why),
	    TAFEL_EPOLICY);
	assert_string_equal(why, "version must be N+1");
	tafel_table_destroy(&next);

	/* The wrong previous hash. */
	memcpy(wrong, cur->hash, 32);
	wrong[0] ^= 1;
	next = make_table(fx, 2, wrong, M_ALL3, S_CP, 2);
	sign_as(fx, next, COORD);
	sign_as(fx, next, POLICE);
	assert_int_equal(tafel_table_accept_next(cur, next, &why),
	    TAFEL_EPOLICY);
	assert_string_equal(why, "does not name the current version's hash");
	tafel_table_destroy(&next);

	/* Another table. */
	next = make_table(fx, 2, cur->hash, M_ALL3, S_CP, 2);
	snprintf(next->id, sizeof(next->id), "livc-gent");
	assert_int_equal(tafel_table_seal_body(next), 0);
	sign_as(fx, next, COORD);
	sign_as(fx, next, POLICE);
	assert_int_equal(tafel_table_accept_next(cur, next, &why),
	    TAFEL_EPOLICY);
	assert_string_equal(why, "table id differs");
	tafel_table_destroy(&next);
	tafel_table_destroy(&cur);
}

static void
test_rollback(void **state)
{
	struct fixture *fx = *state;
	struct tafel_table *v1 = genesis(fx), *v2, *v1b;
	const char *why;

	v2 = make_table(fx, 2, v1->hash, M_ALL3, S_CP, 2);
	sign_as(fx, v2, COORD);
	sign_as(fx, v2, POLICE);
	assert_int_equal(tafel_table_accept_next(v1, v2, &why), 0);
	/* Back to version 1, or version 2 again. */
	assert_int_equal(tafel_table_accept_next(v2, v1, &why),
	    TAFEL_EPOLICY);
	assert_string_equal(why, "version is not newer than the current one");
	assert_int_equal(tafel_table_accept_next(v2, v2, &why),
	    TAFEL_EPOLICY);
	assert_string_equal(why, "version is not newer than the current one");
	/* A different version 1 that names v2's hash. */
	v1b = make_table(fx, 1, v2->hash, M_ALL3, S_CP, 2);
	sign_as(fx, v1b, COORD);
	sign_as(fx, v1b, POLICE);
	assert_int_equal(tafel_table_accept_next(v2, v1b, &why),
	    TAFEL_EPOLICY);
	tafel_table_destroy(&v1b);
	/*
	 * No wrap-around at the top: version 0 after UINT64_MAX, with the
	 * right prev and signatures (fields edited after sealing).
	 */
	v1->version = UINT64_MAX;
	v2->version = 0;
	assert_int_equal(tafel_table_accept_next(v1, v2, &why),
	    TAFEL_EPOLICY);
	assert_string_equal(why, "version is not newer than the current one");
	tafel_table_destroy(&v2);
	tafel_table_destroy(&v1);
}

static void
test_key_rotation(void **state)
{
	struct fixture *fx = *state;
	struct tafel_table *cur = genesis(fx), *next;
	struct org newpol;
	const char *why;
	int i;

	/*
	 * v2 replaces the police card (new key).  A signature with only the
	 * new key counts for v2's own threshold, not for v1's.
	 */
	make_card(&newpol, "politie-aalst", "police");
	next = tafel_table_new();
	assert_non_null(next);
	snprintf(next->id, sizeof(next->id), "livc-aalst");
	next->version = 2;
	memcpy(next->prev, cur->hash, 32);
	next->issued = ISSUED;
	next->expires = EXPIRES;
	for (i = 0; i < 3; i++) {
		const struct org *o = i == POLICE ? &newpol : &fx->org[i];

		assert_int_equal(tafel_table_add_member(next, o->card,
		    o->cardlen), 0);
	}
	next->nsigners = 2;
	snprintf(next->signers[0], sizeof(next->signers[0]), "stad-aalst");
	snprintf(next->signers[1], sizeof(next->signers[1]), "politie-aalst");
	next->threshold = 2;
	tafel_rules_default(&next->rules);
	assert_int_equal(tafel_table_seal_body(next), 0);
	sign_as(fx, next, COORD);
	assert_int_equal(tafel_table_sign(next, "politie-aalst", newpol.sk), 0);
	assert_int_equal(tafel_table_valid_sigs(next, next), 2);
	assert_int_equal(tafel_table_valid_sigs(next, cur), 1);
	assert_int_equal(tafel_table_accept_next(cur, next, &why), TAFEL_ESIG);
	/* The old key cannot sign through the API (not v2's card) ... */
	assert_int_equal(tafel_table_sign(next, "politie-aalst",
	    fx->org[POLICE].sk), TAFEL_EINVAL);
	tafel_table_destroy(&next);
	free(newpol.card);
	tafel_table_destroy(&cur);
}

static void
test_signer_dropped(void **state)
{
	struct fixture *fx = *state;
	struct tafel_table *cur = genesis(fx), *next;
	const char *why;

	/*
	 * v2's signers are police and caw; the coordinator, a v1 signer,
	 * must still sign for v1's threshold.  tafel_table_sign() only
	 * signs for v2's own signers, so the signature is added directly.
	 */
	next = make_table(fx, 2, cur->hash, M_ALL3,
	    (1u << POLICE) | (1u << CAW), 2);
	sign_as(fx, next, POLICE);
	sign_as(fx, next, CAW);
	assert_int_equal(tafel_table_accept_next(cur, next, &why), TAFEL_ESIG);
	assert_int_equal(tafel_table_sign(next, fx->org[COORD].id,
	    fx->org[COORD].sk), TAFEL_EINVAL);
	inject_sig(fx, next, COORD, NULL, true);
	assert_int_equal(tafel_table_accept_next(cur, next, &why), 0);
	tafel_table_destroy(&next);

	/* The same through tafel_table_sign_prev(). */
	next = make_table(fx, 2, cur->hash, M_ALL3,
	    (1u << POLICE) | (1u << CAW), 2);
	sign_as(fx, next, POLICE);
	sign_as(fx, next, CAW);
	/* Not a v1 signer; the wrong key; a document not naming v1. */
	assert_int_equal(tafel_table_sign_prev(next, cur, fx->org[CAW].id,
	    fx->org[CAW].sk), TAFEL_EINVAL);
	assert_int_equal(tafel_table_sign_prev(next, cur, fx->org[COORD].id,
	    fx->org[POLICE].sk), TAFEL_EINVAL);
	assert_int_equal(tafel_table_sign_prev(cur, cur, fx->org[COORD].id,
	    fx->org[COORD].sk), TAFEL_EINVAL);
	assert_int_equal(tafel_table_accept_next(cur, next, &why), TAFEL_ESIG);
	assert_int_equal(tafel_table_sign_prev(next, cur, fx->org[COORD].id,
	    fx->org[COORD].sk), 0);
	assert_int_equal(tafel_table_accept_next(cur, next, &why), 0);
	tafel_table_destroy(&next);
	tafel_table_destroy(&cur);
}

static bool
same_doc(const struct tafel_table *a, const struct tafel_table *b)
{
	size_t i;

	if (a->bodylen != b->bodylen || a->nsigs != b->nsigs ||
	    memcmp(a->body, b->body, a->bodylen) != 0)
		return false;
	for (i = 0; i < a->nsigs; i++)
		if (strcmp(a->sigs[i].org, b->sigs[i].org) != 0 ||
		    memcmp(a->sigs[i].sig, b->sigs[i].sig, 64) != 0)
			return false;
	return true;
}

static void
test_tamper_every_byte(void **state)
{
	struct fixture *fx = *state;
	struct tafel_table *t = genesis(fx), *d;
	static const uint8_t masks[] = { 0x01, 0x80, 0xff };
	uint8_t *doc, *b;
	size_t n, i, k, decoded = 0;
	const char *why;

	assert_int_equal(tafel_table_encode(t, &doc, &n), 0);
	b = malloc(n);
	assert_non_null(b);
	for (i = 0; i < n; i++) {
		for (k = 0; k < sizeof(masks); k++) {
			memcpy(b, doc, n);
			b[i] ^= masks[k];
			if (tafel_table_decode(b, n, &d) != 0)
				continue;
			decoded++;
			/*
			 * The decoder does not check table signatures, so a
			 * damaged signature decodes; it must not be accepted.
			 */
			if (tafel_table_accept_genesis(d, t->hash, &why) == 0 &&
			    !same_doc(d, t))
				fail_msg("byte %zu ^ 0x%02x accepted", i,
				    masks[k]);
			tafel_table_destroy(&d);
		}
	}
	/* Flips in signatures, prev, dates decode; acceptance stops them. */
	assert_true(decoded > 0);
	free(b);
	free(doc);
	tafel_table_destroy(&t);
}

static void
test_text(void **state)
{
	struct fixture *fx = *state;
	struct tafel_table *t = genesis(fx);
	uint8_t *doc, *back;
	size_t n, backlen;
	char *text, want[256], fpr[TAFEL_FPR_LEN + 1], *p;

	assert_int_equal(tafel_table_encode(t, &doc, &n), 0);
	assert_int_equal(tafel_table_to_text(doc, n, &text), 0);
	tafel_fingerprint(fpr, t->hash);
	snprintf(want, sizeof(want), "-----BEGIN TAFEL TABLE-----\n"
	    "Table: livc-aalst\nVersion: 1\nExpires: 2029-01-01\n"
	    "Signatures: 2\nFingerprint: %s\n\n", fpr);
	assert_true(strncmp(text, want, strlen(want)) == 0);
	assert_int_equal(tafel_table_from_text(text, strlen(text), &back,
	    &backlen), 0);
	assert_int_equal(backlen, n);
	assert_memory_equal(back, doc, n);
	free(back);
	/* Edited comment lines. */
	p = strstr(text, "Version: 1");
	p[9] = '2';
	back = (uint8_t *)1;
	assert_int_equal(tafel_table_from_text(text, strlen(text), &back,
	    &backlen), TAFEL_EMALFORMED);
	assert_null(back);
	p[9] = '1';
	p = strstr(text, "Expires: 2029");
	p[12] = '8';
	assert_int_equal(tafel_table_from_text(text, strlen(text), &back,
	    &backlen), TAFEL_EMALFORMED);
	p[12] = '9';
	p = strstr(text, "Signatures: 2");
	p[12] = '3';
	assert_int_equal(tafel_table_from_text(text, strlen(text), &back,
	    &backlen), TAFEL_EMALFORMED);
	p[12] = '2';
	p = strstr(text, "Table: livc");
	p[7] = 'L';
	assert_int_equal(tafel_table_from_text(text, strlen(text), &back,
	    &backlen), TAFEL_EMALFORMED);
	p[7] = 'l';
	/* Control: restored, it reads again. */
	assert_int_equal(tafel_table_from_text(text, strlen(text), &back,
	    &backlen), 0);
	free(back);
	/* A card block is not a table block. */
	free(text);
	assert_int_equal(tafel_card_to_text(fx->org[0].card, fx->org[0].cardlen,
	    &text), 0);
	assert_int_equal(tafel_table_from_text(text, strlen(text), &back,
	    &backlen), TAFEL_EMALFORMED);
	free(text);
	assert_int_not_equal(tafel_table_to_text(doc, n - 1, &text), 0);
	assert_null(text);
	free(doc);
	tafel_table_destroy(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roles),
		cmocka_unit_test(test_rules_default),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_rules_roundtrip),
		cmocka_unit_test(test_rules_decode),
		cmocka_unit_test(test_body_decode_refuses),
		cmocka_unit_test(test_doc_decode_refuses),
		cmocka_unit_test(test_member_card_checked),
		cmocka_unit_test(test_add_member),
		cmocka_unit_test(test_seal_refuses),
		cmocka_unit_test(test_sign),
		cmocka_unit_test(test_valid_sigs),
		cmocka_unit_test(test_accept_genesis),
		cmocka_unit_test(test_accept_next),
		cmocka_unit_test(test_rollback),
		cmocka_unit_test(test_key_rotation),
		cmocka_unit_test(test_signer_dropped),
		cmocka_unit_test(test_tamper_every_byte),
		cmocka_unit_test(test_text),
	};

	return cmocka_run_group_tests_name("table", tests, setup, teardown);
}
