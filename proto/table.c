/*
 * The partner-table document: rules, body, signatures, acceptance and
 * text form.  See include/tafel/table.h.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tafel/card.h"
#include "tafel/mp.h"
#include "tafel/table.h"
#include "tafel/tafel.h"
#include "tafel/util.h"

#define TABLE_DEPTH	TAFEL_MAX_DEPTH
#define DOMAIN_LEN	(sizeof(TAFEL_TABLE_DOMAIN))	/* with the 0x00 */
#define ROLES_MASK	((1u << TAFEL_NROLES) - 1)
#define CATS_MASK	((1u << TAFEL_NCATS) - 1)
#define RETENTION_MAX	36500u		/* days: one hundred years */

const char *const tafel_roles[TAFEL_NROLES] = {
	"coordinator", "police", "caw", "ocmw", "vdab", "justitiehuis",
	"clb", "school", "youth", "mental-health", "auditor", "other",
};

const char *const tafel_categories[TAFEL_NCATS] = {
	"signal", "context", "identity", "assessment", "action", "note",
};

static int
name_index(const char *const *names, int n, const char *s, size_t len)
{
	int i;

	for (i = 0; i < n; i++)
		if (strlen(names[i]) == len && memcmp(names[i], s, len) == 0)
			return i;
	return -1;
}

int
tafel_role_index(const char *s)
{
	if (s == NULL)
		return -1;
	return name_index(tafel_roles, TAFEL_NROLES, s, strlen(s));
}

int
tafel_cat_index(const char *s)
{
	if (s == NULL)
		return -1;
	return name_index(tafel_categories, TAFEL_NCATS, s, strlen(s));
}

/* Index of a str object in names, or -1. */
static int
obj_index(const msgpack_object *o, const char *const *names, int n)
{
	if (o->type != MSGPACK_OBJECT_STR)
		return -1;
	return name_index(names, n, o->via.str.ptr, o->via.str.size);
}

void
tafel_rules_default(struct tafel_rules *r)
{
	int i;

	memset(r, 0, sizeof(*r));
	r->open = 1u << tafel_role_index("coordinator");
	for (i = 0; i < TAFEL_NROLES; i++) {
		if (strcmp(tafel_roles[i], "auditor") == 0)
			continue;
		r->send[i] = CATS_MASK;
		r->recv[i] = CATS_MASK;
	}
	r->retention_days = 1825;
	r->max_record = 65536;
}

static bool
rules_valid(const struct tafel_rules *r)
{
	int i;

	if ((r->open & ~ROLES_MASK) != 0)
		return false;
	for (i = 0; i < TAFEL_NROLES; i++)
		if ((r->send[i] & ~CATS_MASK) != 0 ||
		    (r->recv[i] & ~CATS_MASK) != 0 ||
		    (r->minors[i] & ~CATS_MASK) != 0)
			return false;
	return r->retention_days >= 1 && r->retention_days <= RETENTION_MAX &&
	    r->max_record >= 1 && r->max_record <= TAFEL_MAX_TEXT;
}

static size_t
nbits(uint32_t v)
{
	size_t n = 0;

	for (; v != 0; v &= v - 1)
		n++;
	return n;
}

/* { role: [ category ] } for the roles with any bit set. */
static void
encode_catmap(struct tafel_mpw *w, const uint8_t bits[TAFEL_NROLES])
{
	int i, k, n = 0;

	for (i = 0; i < TAFEL_NROLES; i++)
		if (bits[i] != 0)
			n++;
	tafel_mpw_map(w, n);
	for (i = 0; i < TAFEL_NROLES; i++) {
		if (bits[i] == 0)
			continue;
		tafel_mpw_str(w, tafel_roles[i]);
		tafel_mpw_array(w, nbits(bits[i]));
		for (k = 0; k < TAFEL_NCATS; k++)
			if (bits[i] & (1u << k))
				tafel_mpw_str(w, tafel_categories[k]);
	}
}

bool
tafel_rules_minor_allows(const struct tafel_rules *r, const char *to_role,
    const char *cat)
{
	int rt = tafel_role_index(to_role), ci = tafel_cat_index(cat);

	if (rt < 0 || ci < 0)
		return false;
	return !(r->minors[rt] & (1u << ci));
}

static void
encode_rules(struct tafel_mpw *w, const struct tafel_rules *r)
{
	bool minors = false;
	int i;

	for (i = 0; i < TAFEL_NROLES; i++)
		if (r->minors[i] != 0)
			minors = true;
	/* "minors" is written only when some role has a restriction. */
	tafel_mpw_map(w, minors ? 6 : 5);
	tafel_mpw_str(w, "open");
	tafel_mpw_array(w, nbits(r->open));
	for (i = 0; i < TAFEL_NROLES; i++)
		if (r->open & (1u << i))
			tafel_mpw_str(w, tafel_roles[i]);
	tafel_mpw_str(w, "send");
	encode_catmap(w, r->send);
	tafel_mpw_str(w, "recv");
	encode_catmap(w, r->recv);
	tafel_mpw_str(w, "retention_days");
	tafel_mpw_uint(w, r->retention_days);
	tafel_mpw_str(w, "max_record");
	tafel_mpw_uint(w, r->max_record);
	if (minors) {
		tafel_mpw_str(w, "minors");
		encode_catmap(w, r->minors);
	}
}

/*
 * An array of distinct names (1..n of them unless allow_empty) into a
 * bit set.  Any order is accepted.
 */
static int
decode_nameset(const msgpack_object *o, const char *const *names, int n,
    bool allow_empty, uint32_t *bits)
{
	uint32_t i;
	int k;

	*bits = 0;
	if (!tafel_mp_check(o, TAFEL_MP_ARRAY, allow_empty ? 0 : 1,
	    (uint64_t)n))
		return TAFEL_EMALFORMED;
	for (i = 0; i < o->via.array.size; i++) {
		if ((k = obj_index(&o->via.array.ptr[i], names, n)) < 0 ||
		    (*bits & (1u << k)) != 0)
			return TAFEL_EMALFORMED;
		*bits |= 1u << k;
	}
	return 0;
}

static int
decode_catmap(const msgpack_object *o, uint8_t bits[TAFEL_NROLES])
{
	uint32_t i, set;
	int role;

	if (!tafel_mp_check(o, TAFEL_MP_MAP, 0, TAFEL_NROLES))
		return TAFEL_EMALFORMED;
	for (i = 0; i < o->via.map.size; i++) {
		const msgpack_object_kv *kv = &o->via.map.ptr[i];

		/* An unknown role, or one named twice. */
		if ((role = obj_index(&kv->key, tafel_roles,
		    TAFEL_NROLES)) < 0 || bits[role] != 0)
			return TAFEL_EMALFORMED;
		if (decode_nameset(&kv->val, tafel_categories, TAFEL_NCATS,
		    false, &set) != 0)
			return TAFEL_EMALFORMED;
		bits[role] = (uint8_t)set;
	}
	return 0;
}

static int
decode_rules(const msgpack_object *o, struct tafel_rules *r)
{
	struct tafel_mp_field f[] = {
		{ "open", TAFEL_MP_ARRAY, 0, TAFEL_NROLES, false, NULL },
		{ "send", TAFEL_MP_MAP, 0, TAFEL_NROLES, false, NULL },
		{ "recv", TAFEL_MP_MAP, 0, TAFEL_NROLES, false, NULL },
		{ "retention_days", TAFEL_MP_UINT, 1, RETENTION_MAX, false,
		    NULL },
		{ "max_record", TAFEL_MP_UINT, 1, TAFEL_MAX_TEXT, false, NULL },
		{ "minors", TAFEL_MP_MAP, 1, TAFEL_NROLES, true, NULL },
	};
	uint32_t open;

	memset(r, 0, sizeof(*r));
	if (tafel_mp_fields(o, f, sizeof(f) / sizeof(f[0])) != 0 ||
	    decode_nameset(f[0].obj, tafel_roles, TAFEL_NROLES, true,
	    &open) != 0 ||
	    decode_catmap(f[1].obj, r->send) != 0 ||
	    decode_catmap(f[2].obj, r->recv) != 0 ||
	    (f[5].obj != NULL && decode_catmap(f[5].obj, r->minors) != 0))
		return TAFEL_EMALFORMED;
	r->open = (uint16_t)open;
	r->retention_days = (uint32_t)f[3].obj->via.u64;
	r->max_record = (uint32_t)f[4].obj->via.u64;
	return 0;
}

struct tafel_table *
tafel_table_new(void)
{
	return calloc(1, sizeof(struct tafel_table));
}

void
tafel_table_destroy(struct tafel_table **tp)
{
	struct tafel_table *t;
	size_t i;

	if (tp == NULL || (t = *tp) == NULL)
		return;
	for (i = 0; i < t->nmembers && i < TAFEL_MAX_MEMBERS; i++)
		free(t->members[i].raw);
	free(t->body);
	free(t);
	*tp = NULL;
}

static size_t
member_index(const struct tafel_table *t, const char *org)
{
	size_t i;

	for (i = 0; i < t->nmembers; i++)
		if (strcmp(t->members[i].card.org, org) == 0)
			return i;
	return SIZE_MAX;
}

const struct tafel_member *
tafel_table_member(const struct tafel_table *t, const char *org)
{
	size_t i;

	if (t == NULL || org == NULL || t->nmembers > TAFEL_MAX_MEMBERS ||
	    (i = member_index(t, org)) == SIZE_MAX)
		return NULL;
	return &t->members[i];
}

int
tafel_table_add_member(struct tafel_table *t, const uint8_t *card,
    size_t len)
{
	struct tafel_card c;
	uint8_t *raw;
	int r;

	if (t == NULL || card == NULL || t->body != NULL)
		return TAFEL_EINVAL;
	if ((r = tafel_card_decode(card, len, &c)) != 0)
		return r;
	if (t->nmembers >= TAFEL_MAX_MEMBERS)
		return TAFEL_ETOOBIG;
	if (member_index(t, c.org) != SIZE_MAX)
		return TAFEL_EINVAL;
	if ((raw = malloc(len)) == NULL)
		return TAFEL_ENOMEM;
	memcpy(raw, card, len);
	t->members[t->nmembers].card = c;
	t->members[t->nmembers].raw = raw;
	t->members[t->nmembers].rawlen = len;
	t->nmembers++;
	return 0;
}

/*
 * The consistency rules shared by tafel_table_seal_body() and
 * tafel_table_decode(); the members are assumed to be decoded cards.
 */
static int
fields_valid(const struct tafel_table *t)
{
	size_t i, j;

	if (!tafel_id_valid(t->id) || t->version < 1 ||
	    t->expires <= t->issued)
		return TAFEL_EMALFORMED;
	if (t->nmembers < 1 || t->nmembers > TAFEL_MAX_MEMBERS ||
	    t->nsigners < 1 || t->nsigners > TAFEL_MAX_MEMBERS)
		return TAFEL_EMALFORMED;
	for (i = 0; i < t->nmembers; i++)
		for (j = 0; j < i; j++)
			if (strcmp(t->members[i].card.org,
			    t->members[j].card.org) == 0)
				return TAFEL_EMALFORMED;
	for (i = 0; i < t->nsigners; i++) {
		if (!tafel_id_valid(t->signers[i]) ||
		    member_index(t, t->signers[i]) == SIZE_MAX)
			return TAFEL_EMALFORMED;
		for (j = 0; j < i; j++)
			if (strcmp(t->signers[i], t->signers[j]) == 0)
				return TAFEL_EMALFORMED;
	}
	if (t->threshold < 1 || t->threshold > t->nsigners)
		return TAFEL_EMALFORMED;
	if (!rules_valid(&t->rules))
		return TAFEL_EMALFORMED;
	return 0;
}

int
tafel_table_seal_body(struct tafel_table *t)
{
	struct tafel_mpw w;
	struct tafel_card c;
	uint8_t *body;
	size_t i, bodylen;
	int r;

	if (t == NULL || t->nmembers > TAFEL_MAX_MEMBERS ||
	    t->nsigners > TAFEL_MAX_MEMBERS)
		return TAFEL_EINVAL;
	/* Each member must still be the card its bytes say. */
	for (i = 0; i < t->nmembers; i++) {
		const struct tafel_member *m = &t->members[i];

		if (m->raw == NULL ||
		    tafel_card_decode(m->raw, m->rawlen, &c) != 0 ||
		    memcmp(c.hash, m->card.hash, sizeof(c.hash)) != 0 ||
		    strcmp(c.org, m->card.org) != 0)
			return TAFEL_EINVAL;
	}
	if (fields_valid(t) != 0)
		return TAFEL_EINVAL;
	tafel_mpw_init(&w);
	tafel_mpw_map(&w, 10);
	tafel_mpw_str(&w, "v");
	tafel_mpw_uint(&w, TAFEL_WIRE_VERSION);
	tafel_mpw_str(&w, "table");
	tafel_mpw_str(&w, t->id);
	tafel_mpw_str(&w, "version");
	tafel_mpw_uint(&w, t->version);
	tafel_mpw_str(&w, "prev");
	tafel_mpw_bin(&w, t->prev, sizeof(t->prev));
	tafel_mpw_str(&w, "issued");
	tafel_mpw_uint(&w, t->issued);
	tafel_mpw_str(&w, "expires");
	tafel_mpw_uint(&w, t->expires);
	tafel_mpw_str(&w, "members");
	tafel_mpw_array(&w, t->nmembers);
	for (i = 0; i < t->nmembers; i++)
		tafel_mpw_bin(&w, t->members[i].raw, t->members[i].rawlen);
	tafel_mpw_str(&w, "signers");
	tafel_mpw_array(&w, t->nsigners);
	for (i = 0; i < t->nsigners; i++)
		tafel_mpw_str(&w, t->signers[i]);
	tafel_mpw_str(&w, "threshold");
	tafel_mpw_uint(&w, t->threshold);
	tafel_mpw_str(&w, "rules");
	encode_rules(&w, &t->rules);
	if ((r = tafel_mpw_finish(&w, &body, &bodylen)) != 0)
		return r;
	if (bodylen > TAFEL_TABLE_DOC_MAX) {
		free(body);
		return TAFEL_ETOOBIG;
	}
	free(t->body);
	t->body = body;
	t->bodylen = bodylen;
	crypto_hash_sha256(t->hash, body, bodylen);
	t->nsigs = 0;
	memset(t->sigs, 0, sizeof(t->sigs));
	return 0;
}

/* "tafel table v1" || 0x00 || body, into a fresh buffer. */
static uint8_t *
signed_message(const struct tafel_table *t, size_t *mlen)
{
	uint8_t *m;

	if (t->body == NULL || t->bodylen > TAFEL_TABLE_DOC_MAX ||
	    (m = malloc(DOMAIN_LEN + t->bodylen)) == NULL)
		return NULL;
	memcpy(m, TAFEL_TABLE_DOMAIN, DOMAIN_LEN);	/* copies the NUL */
	memcpy(m + DOMAIN_LEN, t->body, t->bodylen);
	*mlen = DOMAIN_LEN + t->bodylen;
	return m;
}

/* Signs t's body as org, whose card (in whichever version) is mem. */
static int
sign_with(struct tafel_table *t, const struct tafel_member *mem,
    const uint8_t sign_sk[64])
{
	uint8_t pk[32], sig[64], *m;
	size_t i, mlen = 0;
	int r = TAFEL_EINVAL;

	if (crypto_sign_ed25519_sk_to_pk(pk, sign_sk) != 0 ||
	    sodium_memcmp(pk, mem->card.sign_pk, sizeof(pk)) != 0)
		return TAFEL_EINVAL;
	if ((m = signed_message(t, &mlen)) == NULL)
		return TAFEL_ENOMEM;
	if (crypto_sign_detached(sig, NULL, m, mlen, sign_sk) != 0 ||
	    crypto_sign_verify_detached(sig, m, mlen, mem->card.sign_pk) != 0)
		goto out;
	for (i = 0; i < t->nsigs; i++)
		if (strcmp(t->sigs[i].org, mem->card.org) == 0)
			break;
	if (i == t->nsigs) {
		if (t->nsigs >= TAFEL_MAX_SIGS) {
			r = TAFEL_ETOOBIG;
			goto out;
		}
		t->nsigs++;
	}
	/* org is a member's id, so it fits. */
	memcpy(t->sigs[i].org, mem->card.org, sizeof(t->sigs[i].org));
	memcpy(t->sigs[i].sig, sig, sizeof(sig));
	r = 0;
out:
	free(m);
	return r;
}

int
tafel_table_sign(struct tafel_table *t, const char *org,
    const uint8_t sign_sk[64])
{
	const struct tafel_member *mem;
	size_t i;

	if (t == NULL || org == NULL || sign_sk == NULL || t->body == NULL ||
	    t->nsigners > TAFEL_MAX_MEMBERS || t->nsigs > TAFEL_MAX_SIGS)
		return TAFEL_EINVAL;
	for (i = 0; i < t->nsigners; i++)
		if (strcmp(t->signers[i], org) == 0)
			break;
	if (i == t->nsigners || (mem = tafel_table_member(t, org)) == NULL)
		return TAFEL_EINVAL;
	return sign_with(t, mem, sign_sk);
}

int
tafel_table_sign_prev(struct tafel_table *t, const struct tafel_table *prev,
    const char *org, const uint8_t sign_sk[64])
{
	const struct tafel_member *mem;
	size_t i;

	if (t == NULL || prev == NULL || org == NULL || sign_sk == NULL ||
	    t->body == NULL || prev->body == NULL ||
	    t->nsigs > TAFEL_MAX_SIGS || prev->nsigners > TAFEL_MAX_MEMBERS ||
	    t->version != prev->version + 1 ||
	    memcmp(t->prev, prev->hash, TAFEL_HASH_BYTES) != 0)
		return TAFEL_EINVAL;
	for (i = 0; i < prev->nsigners; i++)
		if (strcmp(prev->signers[i], org) == 0)
			break;
	if (i == prev->nsigners || (mem = tafel_table_member(prev, org)) ==
	    NULL)
		return TAFEL_EINVAL;
	return sign_with(t, mem, sign_sk);
}

int
tafel_table_encode(const struct tafel_table *t, uint8_t **out,
    size_t *outlen)
{
	struct tafel_mpw w;
	size_t i;
	int r;

	*out = NULL;
	*outlen = 0;
	if (t == NULL || t->body == NULL || t->nsigs > TAFEL_MAX_SIGS)
		return TAFEL_EINVAL;
	tafel_mpw_init(&w);
	tafel_mpw_map(&w, 3);
	tafel_mpw_str(&w, "v");
	tafel_mpw_uint(&w, TAFEL_WIRE_VERSION);
	tafel_mpw_str(&w, "body");
	tafel_mpw_bin(&w, t->body, t->bodylen);
	tafel_mpw_str(&w, "sigs");
	tafel_mpw_array(&w, t->nsigs);
	for (i = 0; i < t->nsigs; i++) {
		tafel_mpw_map(&w, 2);
		tafel_mpw_str(&w, "org");
		tafel_mpw_str(&w, t->sigs[i].org);
		tafel_mpw_str(&w, "sig");
		tafel_mpw_bin(&w, t->sigs[i].sig, sizeof(t->sigs[i].sig));
	}
	if ((r = tafel_mpw_finish(&w, out, outlen)) != 0)
		return r;
	if (*outlen > TAFEL_TABLE_DOC_MAX) {
		free(*out);
		*out = NULL;
		*outlen = 0;
		return TAFEL_ETOOBIG;
	}
	return 0;
}

static int
decode_body(struct tafel_table *t, const uint8_t *buf, size_t len)
{
	struct tafel_mp_field f[] = {
		{ "v", TAFEL_MP_UINT, 0, UINT64_MAX, false, NULL },
		{ "table", TAFEL_MP_ID, 1, TAFEL_ORG_MAX, false, NULL },
		{ "version", TAFEL_MP_UINT, 1, UINT64_MAX, false, NULL },
		{ "prev", TAFEL_MP_BIN, 32, 32, false, NULL },
		{ "issued", TAFEL_MP_UINT, 0, UINT64_MAX, false, NULL },
		{ "expires", TAFEL_MP_UINT, 0, UINT64_MAX, false, NULL },
		{ "members", TAFEL_MP_ARRAY, 1, UINT32_MAX, false, NULL },
		{ "signers", TAFEL_MP_ARRAY, 1, UINT32_MAX, false, NULL },
		{ "threshold", TAFEL_MP_UINT, 1, TAFEL_MAX_MEMBERS, false,
		    NULL },
		{ "rules", TAFEL_MP_MAP, 0, UINT32_MAX, false, NULL },
	};
	msgpack_unpacked u;
	const msgpack_object_array *a;
	uint32_t i;
	int r;

	if ((r = tafel_mp_decode(&u, buf, len, TABLE_DEPTH)) != 0)
		return r;
	r = TAFEL_EMALFORMED;
	if (tafel_mp_fields(&u.data, f, sizeof(f) / sizeof(f[0])) != 0)
		goto out;
	if (f[0].obj->via.u64 != TAFEL_WIRE_VERSION) {
		r = TAFEL_EVERSION;
		goto out;
	}
	if (tafel_mp_strcpy(t->id, sizeof(t->id), f[1].obj) != 0)
		goto out;
	t->version = f[2].obj->via.u64;
	memcpy(t->prev, f[3].obj->via.bin.ptr, sizeof(t->prev));
	t->issued = f[4].obj->via.u64;
	t->expires = f[5].obj->via.u64;

	a = &f[6].obj->via.array;
	if (a->size > TAFEL_MAX_MEMBERS) {
		r = TAFEL_ETOOBIG;
		goto out;
	}
	for (i = 0; i < a->size; i++) {
		struct tafel_member *m = &t->members[i];
		const msgpack_object *o = &a->ptr[i];

		if (!tafel_mp_check(o, TAFEL_MP_BIN, 1, TAFEL_CARD_MAX))
			goto out;
		if ((r = tafel_card_decode((const uint8_t *)o->via.bin.ptr,
		    o->via.bin.size, &m->card)) != 0)
			goto out;
		r = TAFEL_EMALFORMED;
		/* Duplicate orgs are refused by fields_valid() below. */
		if ((m->raw = malloc(o->via.bin.size)) == NULL) {
			r = TAFEL_ENOMEM;
			goto out;
		}
		memcpy(m->raw, o->via.bin.ptr, o->via.bin.size);
		m->rawlen = o->via.bin.size;
		t->nmembers++;
	}

	a = &f[7].obj->via.array;
	if (a->size > TAFEL_MAX_MEMBERS) {
		r = TAFEL_ETOOBIG;
		goto out;
	}
	for (i = 0; i < a->size; i++) {
		const msgpack_object *o = &a->ptr[i];

		if (!tafel_mp_check(o, TAFEL_MP_ID, 1, TAFEL_ORG_MAX) ||
		    tafel_mp_strcpy(t->signers[i], sizeof(t->signers[i]),
		    o) != 0)
			goto out;
	}
	t->nsigners = a->size;
	t->threshold = (unsigned)f[8].obj->via.u64;
	if (decode_rules(f[9].obj, &t->rules) != 0)
		goto out;
	if (fields_valid(t) != 0)
		goto out;
	r = 0;
out:
	msgpack_unpacked_destroy(&u);
	return r;
}

int
tafel_table_decode(const uint8_t *buf, size_t len, struct tafel_table **tp)
{
	struct tafel_mp_field f[] = {
		{ "v", TAFEL_MP_UINT, 0, UINT64_MAX, false, NULL },
		{ "body", TAFEL_MP_BIN, 1, TAFEL_TABLE_DOC_MAX, false, NULL },
		{ "sigs", TAFEL_MP_ARRAY, 0, UINT32_MAX, false, NULL },
	};
	struct tafel_mp_field sf[] = {
		{ "org", TAFEL_MP_ID, 1, TAFEL_ORG_MAX, false, NULL },
		{ "sig", TAFEL_MP_BIN, 64, 64, false, NULL },
	};
	struct tafel_table *t = NULL;
	msgpack_unpacked u;
	const msgpack_object_array *a;
	size_t j;
	uint32_t i;
	int r;

	if (tp == NULL || (buf == NULL && len > 0))
		return TAFEL_EINVAL;
	*tp = NULL;
	if (len > TAFEL_TABLE_DOC_MAX)
		return TAFEL_ETOOBIG;
	if ((r = tafel_mp_decode(&u, buf, len, TABLE_DEPTH)) != 0)
		return r;
	r = TAFEL_EMALFORMED;
	if (tafel_mp_fields(&u.data, f, sizeof(f) / sizeof(f[0])) != 0)
		goto out;
	if (f[0].obj->via.u64 != TAFEL_WIRE_VERSION) {
		r = TAFEL_EVERSION;
		goto out;
	}
	a = &f[2].obj->via.array;
	if (a->size > TAFEL_MAX_SIGS) {
		r = TAFEL_ETOOBIG;
		goto out;
	}
	if ((t = tafel_table_new()) == NULL) {
		r = TAFEL_ENOMEM;
		goto out;
	}
	for (i = 0; i < a->size; i++) {
		struct tafel_sig *s = &t->sigs[i];

		if (tafel_mp_fields(&a->ptr[i], sf, 2) != 0 ||
		    tafel_mp_strcpy(s->org, sizeof(s->org), sf[0].obj) != 0)
			goto out;
		for (j = 0; j < i; j++)
			if (strcmp(t->sigs[j].org, s->org) == 0)
				goto out;	/* one signature per org */
		memcpy(s->sig, sf[1].obj->via.bin.ptr, sizeof(s->sig));
	}
	t->nsigs = a->size;
	if ((r = decode_body(t, (const uint8_t *)f[1].obj->via.bin.ptr,
	    f[1].obj->via.bin.size)) != 0)
		goto out;
	if ((t->body = malloc(f[1].obj->via.bin.size)) == NULL) {
		r = TAFEL_ENOMEM;
		goto out;
	}
	t->bodylen = f[1].obj->via.bin.size;
	memcpy(t->body, f[1].obj->via.bin.ptr, t->bodylen);
	crypto_hash_sha256(t->hash, t->body, t->bodylen);
	*tp = t;
	t = NULL;
	r = 0;
out:
	tafel_table_destroy(&t);
	msgpack_unpacked_destroy(&u);
	return r;
}

unsigned
tafel_table_valid_sigs(const struct tafel_table *t,
    const struct tafel_table *signer_set)
{
	const struct tafel_member *mem;
	uint8_t *m;
	size_t i, j, k, mlen = 0;
	unsigned n = 0;

	if (t == NULL || signer_set == NULL ||
	    signer_set->nsigners > TAFEL_MAX_MEMBERS ||
	    t->nsigs > TAFEL_MAX_SIGS || (m = signed_message(t, &mlen)) == NULL)
		return 0;
	for (i = 0; i < signer_set->nsigners; i++) {
		const char *org = signer_set->signers[i];

		/* Each org counts once. */
		for (j = 0; j < i; j++)
			if (strcmp(signer_set->signers[j], org) == 0)
				break;
		if (j < i ||
		    (mem = tafel_table_member(signer_set, org)) == NULL)
			continue;
		for (k = 0; k < t->nsigs; k++) {
			if (strcmp(t->sigs[k].org, org) != 0)
				continue;
			if (crypto_sign_verify_detached(t->sigs[k].sig, m, mlen,
			    mem->card.sign_pk) == 0) {
				n++;
				break;
			}
		}
	}
	free(m);
	return n;
}

/*
 * Reasons for a signature shortfall, so that *why stays a static
 * string: "only K of N required signatures" for N up to SHORT_MAX.
 */
#define SHORT_MAX	8
#define ONLY(k, n, s)	"only " #k " of " #n " required signatures" s
#define SHORT_ROWS(s) {							\
	{ NULL },							\
	{ ONLY(0, 1, s) },						\
	{ ONLY(0, 2, s), ONLY(1, 2, s) },				\
	{ ONLY(0, 3, s), ONLY(1, 3, s), ONLY(2, 3, s) },		\
	{ ONLY(0, 4, s), ONLY(1, 4, s), ONLY(2, 4, s), ONLY(3, 4, s) },	\
	{ ONLY(0, 5, s), ONLY(1, 5, s), ONLY(2, 5, s), ONLY(3, 5, s),	\
	  ONLY(4, 5, s) },						\
	{ ONLY(0, 6, s), ONLY(1, 6, s), ONLY(2, 6, s), ONLY(3, 6, s),	\
	  ONLY(4, 6, s), ONLY(5, 6, s) },				\
	{ ONLY(0, 7, s), ONLY(1, 7, s), ONLY(2, 7, s), ONLY(3, 7, s),	\
	  ONLY(4, 7, s), ONLY(5, 7, s), ONLY(6, 7, s) },		\
	{ ONLY(0, 8, s), ONLY(1, 8, s), ONLY(2, 8, s), ONLY(3, 8, s),	\
	  ONLY(4, 8, s), ONLY(5, 8, s), ONLY(6, 8, s), ONLY(7, 8, s) },	\
}

enum short_of {
	SHORT_OWN,		/* a genesis document's own signers */
	SHORT_CUR,		/* the current version's signers */
	SHORT_NEXT		/* the new version's own signers */
};

static const char *
short_reason(enum short_of which, unsigned got, unsigned need)
{
	static const char *const tab[3][SHORT_MAX + 1][SHORT_MAX] = {
		SHORT_ROWS(""),
		SHORT_ROWS(" of the current version"),
		SHORT_ROWS(" of the new version"),
	};
	static const char *const generic[3] = {
		"too few required signatures",
		"too few required signatures of the current version",
		"too few required signatures of the new version",
	};

	if (need <= SHORT_MAX && got < need)
		return tab[which][need][got];
	return generic[which];
}

static int
refuse(const char **why, const char *reason, int code)
{
	if (why != NULL)
		*why = reason;
	return code;
}

int
tafel_table_accept_genesis(const struct tafel_table *t,
    const uint8_t expect[TAFEL_HASH_BYTES], const char **why)
{
	unsigned n;

	if (why != NULL)
		*why = NULL;
	if (t == NULL || expect == NULL || t->body == NULL)
		return refuse(why, "no table document", TAFEL_EINVAL);
	if (sodium_memcmp(t->hash, expect, TAFEL_HASH_BYTES) != 0)
		return refuse(why, "fingerprint does not match",
		    TAFEL_EPOLICY);
	if (t->version != 1)
		return refuse(why, "version must be 1", TAFEL_EPOLICY);
	if (!sodium_is_zero(t->prev, sizeof(t->prev)))
		return refuse(why, "version 1 must not name a previous hash",
		    TAFEL_EPOLICY);
	if ((n = tafel_table_valid_sigs(t, t)) < t->threshold ||
	    t->threshold < 1)
		return refuse(why, short_reason(SHORT_OWN, n, t->threshold),
		    TAFEL_ESIG);
	return 0;
}

int
tafel_table_accept_next(const struct tafel_table *cur,
    const struct tafel_table *next, const char **why)
{
	unsigned n;

	if (why != NULL)
		*why = NULL;
	if (cur == NULL || next == NULL || cur->body == NULL ||
	    next->body == NULL)
		return refuse(why, "no table document", TAFEL_EINVAL);
	if (strcmp(cur->id, next->id) != 0)
		return refuse(why, "table id differs", TAFEL_EPOLICY);
	if (next->version <= cur->version)
		return refuse(why, "version is not newer than the current one",
		    TAFEL_EPOLICY);
	if (next->version != cur->version + 1)
		return refuse(why, "version must be N+1", TAFEL_EPOLICY);
	if (sodium_memcmp(next->prev, cur->hash, TAFEL_HASH_BYTES) != 0)
		return refuse(why, "does not name the current version's hash",
		    TAFEL_EPOLICY);
	if ((n = tafel_table_valid_sigs(next, cur)) < cur->threshold ||
	    cur->threshold < 1)
		return refuse(why, short_reason(SHORT_CUR, n, cur->threshold),
		    TAFEL_ESIG);
	if ((n = tafel_table_valid_sigs(next, next)) < next->threshold ||
	    next->threshold < 1)
		return refuse(why, short_reason(SHORT_NEXT, n,
		    next->threshold), TAFEL_ESIG);
	return 0;
}

int
tafel_table_to_text(const uint8_t *doc, size_t len, char **text)
{
	struct tafel_table *t = NULL;
	char comments[512], fpr[TAFEL_FPR_LEN + 1], date[11];
	int n, r;

	*text = NULL;
	if ((r = tafel_table_decode(doc, len, &t)) != 0)
		return r;
	tafel_fingerprint(fpr, t->hash);
	tafel_date(date, t->expires);
	n = snprintf(comments, sizeof(comments),
	    "Table: %s\nVersion: %llu\nExpires: %s\nSignatures: %zu\n"
	    "Fingerprint: %s\n", t->id, (unsigned long long)t->version, date,
	    t->nsigs, fpr);
	tafel_table_destroy(&t);
	if (n < 0 || (size_t)n >= sizeof(comments))
		return TAFEL_ETOOBIG;
	return tafel_armor_encode("TABLE", comments, doc, len, text);
}

/*
 * Compares a text block a person handed us with the text we generate,
 * after turning CRLF into LF and ignoring trailing blank lines.
 */
static bool
same_text(const char *text, size_t textlen, const char *gen)
{
	size_t i = 0, j = 0, genlen = strlen(gen);

	while (genlen > 0 && gen[genlen - 1] == '\n')
		genlen--;
	for (;;) {
		/* Skip a CR that ends a line (or the text). */
		if (i < textlen && text[i] == '\r' &&
		    (i + 1 == textlen || text[i + 1] == '\n')) {
			i++;
			continue;
		}
		if (j == genlen)
			break;
		if (i == textlen || text[i] != gen[j])
			return false;
		i++;
		j++;
	}
	/* Only line ends may follow. */
	for (; i < textlen; i++)
		if (text[i] != '\n' && !(text[i] == '\r' &&
		    (i + 1 == textlen || text[i + 1] == '\n')))
			return false;
	return true;
}

int
tafel_table_from_text(const char *text, size_t textlen, uint8_t **doc,
    size_t *doclen)
{
	uint8_t *bin = NULL;
	size_t len = 0;
	char *comments = NULL, *gen = NULL;
	int r;

	*doc = NULL;
	*doclen = 0;
	if (text == NULL)
		return TAFEL_EINVAL;
	if ((r = tafel_armor_decode("TABLE", text, textlen,
	    TAFEL_TABLE_DOC_MAX, &bin, &len, &comments)) != 0)
		return r;
	if ((r = tafel_table_to_text(bin, len, &gen)) != 0)
		goto out;
	if (!same_text(text, textlen, gen)) {
		r = TAFEL_EMALFORMED;
		goto out;
	}
	*doc = bin;
	*doclen = len;
	bin = NULL;
	r = 0;
out:
	free(gen);
	free(comments);
	free(bin);
	return r;
}
