/*
 * Signed delivery receipts.  See include/tafel/receipt.h.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "tafel/mp.h"
#include "tafel/receipt.h"

#define DOMAIN_LEN	(sizeof(TAFEL_RCPT_DOMAIN))	/* with the 0x00 */
#define INNER_DEPTH	4	/* inner map, items, item, its values */
#define ITEM_MAX	(8 + 2 + TAFEL_ID_BYTES + 3 + TAFEL_HASH_BYTES + \
			 11 + 4 + 3 + TAFEL_PEER_WHY_MAX)
#define INNER_MAX	(128 + 2 * TAFEL_ORG_MAX + \
			 TAFEL_RCPT_MAX_ITEMS * ITEM_MAX)
#define RCPT_MAX	(INNER_MAX + 128)

static const char *
st_name(enum tafel_ack_status st)
{
	return st == TAFEL_ACK_OK ? "ok" : "refused";
}

/* "tafel receipt v1" || 0x00 || inner, into a fresh buffer. */
static uint8_t *
signed_message(const uint8_t *inner, size_t len, size_t *mlen)
{
	uint8_t *m;

	if ((m = malloc(DOMAIN_LEN + len)) == NULL)
		return NULL;
	memcpy(m, TAFEL_RCPT_DOMAIN, DOMAIN_LEN);
	memcpy(m + DOMAIN_LEN, inner, len);
	*mlen = DOMAIN_LEN + len;
	return m;
}

static int
encode_inner(const struct tafel_rcpt *r, uint8_t **out, size_t *outlen)
{
	struct tafel_mpw w;
	size_t i, n;

	tafel_mpw_init(&w);
	tafel_mpw_map(&w, 5);
	tafel_mpw_str(&w, "v");
	tafel_mpw_uint(&w, TAFEL_WIRE_VERSION);
	tafel_mpw_str(&w, "by");
	tafel_mpw_str(&w, r->by);
	tafel_mpw_str(&w, "to");
	tafel_mpw_str(&w, r->to);
	tafel_mpw_str(&w, "time");
	tafel_mpw_uint(&w, r->time_ms);
	tafel_mpw_str(&w, "items");
	tafel_mpw_array(&w, r->nitems);
	for (i = 0; i < r->nitems; i++) {
		const struct tafel_rcpt_item *it = &r->items[i];

		n = strnlen(it->why, TAFEL_PEER_WHY_MAX);
		tafel_mpw_map(&w, 4);
		tafel_mpw_str(&w, "id");
		tafel_mpw_bin(&w, it->id, TAFEL_ID_BYTES);
		tafel_mpw_str(&w, "h");
		tafel_mpw_bin(&w, it->h, TAFEL_HASH_BYTES);
		tafel_mpw_str(&w, "st");
		tafel_mpw_str(&w, st_name(it->st));
		tafel_mpw_str(&w, "why");
		tafel_mpw_strn(&w, it->why, n);
	}
	return tafel_mpw_finish(&w, out, outlen);
}

static bool
org_valid(const char *s)
{
	size_t i, n = strnlen(s, TAFEL_ORG_MAX + 1);

	if (n == 0 || n > TAFEL_ORG_MAX)
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' &&
		    s[i] <= '9') || (s[i] == '-' && i > 0)))
			return false;
	return true;
}

int
tafel_rcpt_sign(const struct tafel_rcpt *r, const uint8_t sign_sk[64],
    uint8_t **out, size_t *outlen)
{
	struct tafel_mpw w;
	uint8_t sig[64], *inner = NULL, *m = NULL;
	size_t innerlen, mlen, i;
	int rc;

	*out = NULL;
	*outlen = 0;
	if (r->nitems == 0 || r->nitems > TAFEL_RCPT_MAX_ITEMS ||
	    !org_valid(r->by) || !org_valid(r->to))
		return TAFEL_EINVAL;
	for (i = 0; i < r->nitems; i++)
		if (r->items[i].st != TAFEL_ACK_OK &&
		    r->items[i].st != TAFEL_ACK_REFUSED)
			return TAFEL_EINVAL;
	if ((rc = encode_inner(r, &inner, &innerlen)) != 0)
		return rc;
	rc = TAFEL_ENOMEM;
	if ((m = signed_message(inner, innerlen, &mlen)) == NULL)
		goto out;
	rc = TAFEL_EINVAL;
	if (crypto_sign_ed25519_detached(sig, NULL, m, mlen, sign_sk) != 0)
		goto out;
	tafel_mpw_init(&w);
	tafel_mpw_map(&w, 3);
	tafel_mpw_str(&w, "v");
	tafel_mpw_uint(&w, TAFEL_WIRE_VERSION);
	tafel_mpw_str(&w, "r");
	tafel_mpw_bin(&w, inner, innerlen);
	tafel_mpw_str(&w, "sig");
	tafel_mpw_bin(&w, sig, sizeof(sig));
	rc = tafel_mpw_finish(&w, out, outlen);
out:
	free(m);
	free(inner);
	return rc;
}

static int
decode_items(const msgpack_object *arr, struct tafel_rcpt *r)
{
	const msgpack_object_array *a = &arr->via.array;
	uint32_t i;

	if ((r->items = calloc(a->size, sizeof(*r->items))) == NULL)
		return TAFEL_ENOMEM;
	r->nitems = a->size;
	for (i = 0; i < a->size; i++) {
		struct tafel_mp_field f[] = {
			{ "id", TAFEL_MP_BIN, TAFEL_ID_BYTES, TAFEL_ID_BYTES,
			    false, NULL },
			{ "h", TAFEL_MP_BIN, TAFEL_HASH_BYTES,
			    TAFEL_HASH_BYTES, false, NULL },
			{ "st", TAFEL_MP_ID, 1, 16, false, NULL },
			{ "why", TAFEL_MP_STR, 0, TAFEL_PEER_WHY_MAX, false,
			    NULL },
		};
		struct tafel_rcpt_item *it = &r->items[i];

		if (tafel_mp_fields(&a->ptr[i], f, 4) != 0)
			return TAFEL_EMALFORMED;
		memcpy(it->id, f[0].obj->via.bin.ptr, TAFEL_ID_BYTES);
		memcpy(it->h, f[1].obj->via.bin.ptr, TAFEL_HASH_BYTES);
		if (tafel_mp_streq(f[2].obj, "ok"))
			it->st = TAFEL_ACK_OK;
		else if (tafel_mp_streq(f[2].obj, "refused"))
			it->st = TAFEL_ACK_REFUSED;
		else
			return TAFEL_EMALFORMED;
		if (tafel_mp_strcpy(it->why, sizeof(it->why), f[3].obj) != 0)
			return TAFEL_EMALFORMED;
	}
	return 0;
}

static int
decode_inner(const uint8_t *buf, size_t len, struct tafel_rcpt *r)
{
	struct tafel_mp_field f[] = {
		{ "v", TAFEL_MP_UINT, 0, UINT64_MAX, false, NULL },
		{ "by", TAFEL_MP_ID, 1, TAFEL_ORG_MAX, false, NULL },
		{ "to", TAFEL_MP_ID, 1, TAFEL_ORG_MAX, false, NULL },
		{ "time", TAFEL_MP_UINT, 0, UINT64_MAX, false, NULL },
		{ "items", TAFEL_MP_ARRAY, 1, TAFEL_RCPT_MAX_ITEMS, false,
		    NULL },
	};
	msgpack_unpacked u;
	int rc;

	if ((rc = tafel_mp_decode(&u, buf, len, INNER_DEPTH)) != 0)
		return rc;
	rc = TAFEL_EMALFORMED;
	if (tafel_mp_fields(&u.data, f, sizeof(f) / sizeof(f[0])) != 0)
		goto out;
	if (f[0].obj->via.u64 != TAFEL_WIRE_VERSION) {
		rc = TAFEL_EVERSION;
		goto out;
	}
	if (tafel_mp_strcpy(r->by, sizeof(r->by), f[1].obj) != 0 ||
	    tafel_mp_strcpy(r->to, sizeof(r->to), f[2].obj) != 0)
		goto out;
	r->time_ms = f[3].obj->via.u64;
	rc = decode_items(f[4].obj, r);
out:
	msgpack_unpacked_destroy(&u);
	return rc;
}

/* The outer map: inner bytes and signature, pointing into buf. */
static int
decode_outer(const uint8_t *buf, size_t len, const uint8_t **inner,
    size_t *innerlen, uint8_t sig[64])
{
	struct tafel_mp_field f[] = {
		{ "v", TAFEL_MP_UINT, 0, UINT64_MAX, false, NULL },
		{ "r", TAFEL_MP_BIN, 1, INNER_MAX, false, NULL },
		{ "sig", TAFEL_MP_BIN, 64, 64, false, NULL },
	};
	msgpack_unpacked u;
	int rc;

	if (len > RCPT_MAX)
		return TAFEL_ETOOBIG;
	if ((rc = tafel_mp_decode(&u, buf, len, 2)) != 0)
		return rc;
	rc = TAFEL_EMALFORMED;
	if (tafel_mp_fields(&u.data, f, sizeof(f) / sizeof(f[0])) != 0)
		goto out;
	if (f[0].obj->via.u64 != TAFEL_WIRE_VERSION) {
		rc = TAFEL_EVERSION;
		goto out;
	}
	/* bin objects point into buf, which outlives u. */
	*inner = (const uint8_t *)f[1].obj->via.bin.ptr;
	*innerlen = f[1].obj->via.bin.size;
	memcpy(sig, f[2].obj->via.bin.ptr, 64);
	rc = 0;
out:
	msgpack_unpacked_destroy(&u);
	return rc;
}

static int
rcpt_read(const uint8_t *buf, size_t len, const uint8_t *sign_pk,
    struct tafel_rcpt *r)
{
	const uint8_t *inner;
	uint8_t sig[64], *m;
	size_t innerlen, mlen;
	int rc;

	memset(r, 0, sizeof(*r));
	if ((rc = decode_outer(buf, len, &inner, &innerlen, sig)) != 0)
		return rc;
	if (sign_pk != NULL) {
		if ((m = signed_message(inner, innerlen, &mlen)) == NULL)
			return TAFEL_ENOMEM;
		rc = crypto_sign_ed25519_verify_detached(sig, m, mlen,
		    sign_pk) == 0 ? 0 : TAFEL_ESIG;
		free(m);
		if (rc != 0)
			return rc;
	}
	if ((rc = decode_inner(inner, innerlen, r)) != 0) {
		free(r->items);
		memset(r, 0, sizeof(*r));
	}
	return rc;
}

int
tafel_rcpt_verify(const uint8_t *buf, size_t len, const uint8_t sign_pk[32],
    struct tafel_rcpt *r)
{
	return rcpt_read(buf, len, sign_pk, r);
}

int
tafel_rcpt_decode(const uint8_t *buf, size_t len, struct tafel_rcpt *r)
{
	return rcpt_read(buf, len, NULL, r);
}
