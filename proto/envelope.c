/*
 * Envelopes: header codec, seal, parse, verify, open.  See
 * include/tafel/envelope.h for the wire format.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "tafel/envelope.h"
#include "tafel/mp.h"
#include "tafel/tafel.h"
#include "tafel/util.h"

#define ENV_DEPTH	4
#define ENV_FIELDS	7	/* keys of the outer map */

int
tafel_hdr_encode(const struct tafel_hdr *h, uint8_t **out, size_t *outlen)
{
	struct tafel_mpw w;
	size_t i;

	*out = NULL;
	if (h->nto > TAFEL_MAX_RECIPIENTS || h->nprev > TAFEL_MAX_PREV ||
	    !tafel_id_valid(h->type) || !tafel_id_valid(h->table) ||
	    !tafel_id_valid(h->from) || h->tver == 0)
		return TAFEL_EINVAL;
	for (i = 0; i < h->nto; i++)
		if (!tafel_id_valid(h->to[i]))
			return TAFEL_EINVAL;
	tafel_mpw_init(&w);
	tafel_mpw_map(&w, 13);
	tafel_mpw_str(&w, "v");
	tafel_mpw_uint(&w, TAFEL_WIRE_VERSION);
	tafel_mpw_str(&w, "type");
	tafel_mpw_str(&w, h->type);
	tafel_mpw_str(&w, "id");
	tafel_mpw_bin(&w, h->id, TAFEL_ID_BYTES);
	tafel_mpw_str(&w, "table");
	tafel_mpw_str(&w, h->table);
	tafel_mpw_str(&w, "tver");
	tafel_mpw_uint(&w, h->tver);
	tafel_mpw_str(&w, "case");
	tafel_mpw_bin(&w, h->case_id, TAFEL_ID_BYTES);
	tafel_mpw_str(&w, "cat");
	tafel_mpw_str(&w, h->cat);
	tafel_mpw_str(&w, "from");
	tafel_mpw_str(&w, h->from);
	tafel_mpw_str(&w, "by");
	tafel_mpw_str(&w, h->by);
	tafel_mpw_str(&w, "to");
	tafel_mpw_array(&w, h->nto);
	for (i = 0; i < h->nto; i++)
		tafel_mpw_str(&w, h->to[i]);
	tafel_mpw_str(&w, "time");
	tafel_mpw_uint(&w, h->time);
	tafel_mpw_str(&w, "lamport");
	tafel_mpw_uint(&w, h->lamport);
	tafel_mpw_str(&w, "prev");
	tafel_mpw_array(&w, h->nprev);
	for (i = 0; i < h->nprev; i++)
		tafel_mpw_bin(&w, h->prev[i], TAFEL_HASH_BYTES);
	return tafel_mpw_finish(&w, out, outlen);
}

int
tafel_hdr_decode(const uint8_t *buf, size_t len, struct tafel_hdr *h)
{
	struct tafel_mp_field f[] = {
		{ "v", TAFEL_MP_UINT, 1, 1, false, NULL },
		{ "type", TAFEL_MP_ID, 1, TAFEL_TYPE_MAX, false, NULL },
		{ "id", TAFEL_MP_BIN, TAFEL_ID_BYTES, TAFEL_ID_BYTES, false,
		    NULL },
		{ "table", TAFEL_MP_ID, 1, TAFEL_ORG_MAX, false, NULL },
		{ "tver", TAFEL_MP_UINT, 1, UINT64_MAX, false, NULL },
		{ "case", TAFEL_MP_BIN, TAFEL_ID_BYTES, TAFEL_ID_BYTES, false,
		    NULL },
		{ "cat", TAFEL_MP_STR, 0, TAFEL_CAT_MAX, false, NULL },
		{ "from", TAFEL_MP_ID, 1, TAFEL_ORG_MAX, false, NULL },
		{ "by", TAFEL_MP_STR, 0, TAFEL_PERSON_MAX, false, NULL },
		{ "to", TAFEL_MP_ARRAY, 0, TAFEL_MAX_RECIPIENTS, false, NULL },
		{ "time", TAFEL_MP_UINT, 0, UINT64_MAX, false, NULL },
		{ "lamport", TAFEL_MP_UINT, 0, UINT64_MAX, false, NULL },
		{ "prev", TAFEL_MP_ARRAY, 0, TAFEL_MAX_PREV, false, NULL },
	};
	msgpack_unpacked u;
	const msgpack_object *a;
	size_t i, j;
	int rc;

	memset(h, 0, sizeof(*h));
	if (len > TAFEL_MAX_FRAME)
		return TAFEL_ETOOBIG;
	if ((rc = tafel_mp_decode(&u, buf, len, ENV_DEPTH)) != 0)
		return rc;
	rc = TAFEL_EMALFORMED;
	if (tafel_mp_fields(&u.data, f, sizeof(f) / sizeof(f[0])) != 0)
		goto out;
	if (tafel_mp_strcpy(h->type, sizeof(h->type), f[1].obj) != 0 ||
	    tafel_mp_strcpy(h->table, sizeof(h->table), f[3].obj) != 0 ||
	    tafel_mp_strcpy(h->cat, sizeof(h->cat), f[6].obj) != 0 ||
	    tafel_mp_strcpy(h->from, sizeof(h->from), f[7].obj) != 0 ||
	    tafel_mp_strcpy(h->by, sizeof(h->by), f[8].obj) != 0)
		goto out;
	memcpy(h->id, f[2].obj->via.bin.ptr, TAFEL_ID_BYTES);
	memcpy(h->case_id, f[5].obj->via.bin.ptr, TAFEL_ID_BYTES);
	h->tver = f[4].obj->via.u64;
	h->time = f[10].obj->via.u64;
	h->lamport = f[11].obj->via.u64;
	a = f[9].obj;
	for (i = 0; i < a->via.array.size; i++) {
		const msgpack_object *o = &a->via.array.ptr[i];

		if (!tafel_mp_check(o, TAFEL_MP_ID, 1, TAFEL_ORG_MAX) ||
		    tafel_mp_strcpy(h->to[i], sizeof(h->to[i]), o) != 0)
			goto out;
		for (j = 0; j < i; j++)
			if (strcmp(h->to[i], h->to[j]) == 0)
				goto out;	/* a recipient twice */
	}
	h->nto = a->via.array.size;
	a = f[12].obj;
	for (i = 0; i < a->via.array.size; i++) {
		const msgpack_object *o = &a->via.array.ptr[i];

		if (!tafel_mp_check(o, TAFEL_MP_BIN, TAFEL_HASH_BYTES,
		    TAFEL_HASH_BYTES))
			goto out;
		memcpy(h->prev[i], o->via.bin.ptr, TAFEL_HASH_BYTES);
	}
	h->nprev = a->via.array.size;
	rc = 0;
out:
	msgpack_unpacked_destroy(&u);
	return rc;
}

static void
be32(uint8_t p[4], uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

/* The bytes the sender signs; see envelope.h. */
static int
sig_input(const uint8_t *hdr, size_t hdrlen, const uint8_t *wraps,
    size_t wrapslen, const uint8_t nonce[24], const uint8_t ctd[32],
    uint8_t **out, size_t *outlen)
{
	size_t dl = sizeof(TAFEL_ENV_DOMAIN), n, off = 0;
	uint8_t *p;

	if (hdrlen > UINT32_MAX || wrapslen > UINT32_MAX)
		return TAFEL_ETOOBIG;
	n = dl + 4 + hdrlen + 4 + wrapslen + 24 + 32;
	if ((p = malloc(n)) == NULL)
		return TAFEL_ENOMEM;
	memcpy(p, TAFEL_ENV_DOMAIN, dl);	/* includes the 0x00 */
	off = dl;
	be32(p + off, (uint32_t)hdrlen);
	off += 4;
	memcpy(p + off, hdr, hdrlen);
	off += hdrlen;
	be32(p + off, (uint32_t)wrapslen);
	off += 4;
	if (wrapslen > 0)
		memcpy(p + off, wraps, wrapslen);
	off += wrapslen;
	memcpy(p + off, nonce, 24);
	off += 24;
	memcpy(p + off, ctd, 32);
	*out = p;
	*outlen = n;
	return 0;
}

int
tafel_env_seal(const struct tafel_hdr *h, const uint8_t *body,
    size_t bodylen, const struct tafel_wrap_to *to, size_t nto,
    const uint8_t sign_sk[64], uint8_t **out, size_t *outlen)
{
	return tafel_env_seal_key(h, body, bodylen, to, nto, sign_sk, out,
	    outlen, NULL);
}

int
tafel_env_seal_key(const struct tafel_hdr *h, const uint8_t *body,
    size_t bodylen, const struct tafel_wrap_to *to, size_t nto,
    const uint8_t sign_sk[64], uint8_t **out, size_t *outlen, uint8_t *ckey)
{
	uint8_t key[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];
	uint8_t nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES];
	uint8_t ad[32], ctd[32], sig[64], wrap[TAFEL_WRAP_BYTES];
	uint8_t *hdr = NULL, *wraps = NULL, *ct = NULL, *si = NULL;
	size_t hdrlen, wrapslen, silen, i, j;
	unsigned long long ctlen;
	struct tafel_mpw w;
	int rc;

	*out = NULL;
	if (bodylen > TAFEL_MAX_BODY || nto > h->nto)
		return TAFEL_EINVAL;
	for (i = 0; i < nto; i++) {
		for (j = 0; j < h->nto; j++)
			if (strcmp(to[i].org, h->to[j]) == 0)
				break;
		if (j == h->nto)
			return TAFEL_EINVAL;	/* wrap for a non-recipient */
		for (j = 0; j < i; j++)
			if (strcmp(to[i].org, to[j].org) == 0)
				return TAFEL_EINVAL;
	}
	if ((rc = tafel_hdr_encode(h, &hdr, &hdrlen)) != 0)
		return rc;
	crypto_aead_xchacha20poly1305_ietf_keygen(key);
	randombytes_buf(nonce, sizeof(nonce));

	/* Wraps. */
	tafel_mpw_init(&w);
	tafel_mpw_array(&w, nto);
	for (i = 0; i < nto; i++) {
		randombytes_buf(wrap, 24);
		if (crypto_box_easy_afternm(wrap + 24, key, sizeof(key), wrap,
		    to[i].k) != 0) {
			tafel_mpw_free(&w);
			rc = TAFEL_EINVAL;
			goto out;
		}
		tafel_mpw_array(&w, 2);
		tafel_mpw_str(&w, to[i].org);
		tafel_mpw_bin(&w, wrap, sizeof(wrap));
	}
	if ((rc = tafel_mpw_finish(&w, &wraps, &wrapslen)) != 0)
		goto out;

	/* Body. */
	crypto_hash_sha256(ad, hdr, hdrlen);
	if ((ct = malloc(bodylen + crypto_aead_xchacha20poly1305_ietf_ABYTES))
	    == NULL) {
		rc = TAFEL_ENOMEM;
		goto out;
	}
	crypto_aead_xchacha20poly1305_ietf_encrypt(ct, &ctlen, body, bodylen,
	    ad, sizeof(ad), NULL, nonce, key);
	crypto_hash_sha256(ctd, ct, ctlen);

	/* Signature. */
	if ((rc = sig_input(hdr, hdrlen, wraps, wrapslen, nonce, ctd, &si,
	    &silen)) != 0)
		goto out;
	crypto_sign_detached(sig, NULL, si, silen, sign_sk);

	tafel_mpw_init(&w);
	tafel_mpw_map(&w, 6);
	tafel_mpw_str(&w, "v");
	tafel_mpw_uint(&w, TAFEL_WIRE_VERSION);
	tafel_mpw_str(&w, "hdr");
	tafel_mpw_bin(&w, hdr, hdrlen);
	tafel_mpw_str(&w, "wraps");
	tafel_mpw_bin(&w, wraps, wrapslen);
	tafel_mpw_str(&w, "nonce");
	tafel_mpw_bin(&w, nonce, sizeof(nonce));
	tafel_mpw_str(&w, "ct");
	tafel_mpw_bin(&w, ct, ctlen);
	tafel_mpw_str(&w, "sig");
	tafel_mpw_bin(&w, sig, sizeof(sig));
	rc = tafel_mpw_finish(&w, out, outlen);
	if (rc == 0 && *outlen > TAFEL_MAX_FRAME) {
		free(*out);
		*out = NULL;
		rc = TAFEL_ETOOBIG;
	}
	if (rc == 0 && ckey != NULL)
		memcpy(ckey, key, sizeof(key));
out:
	sodium_memzero(key, sizeof(key));
	sodium_memzero(wrap, sizeof(wrap));
	free(hdr);
	free(wraps);
	free(ct);
	free(si);
	return rc;
}

static int
parse_wraps(struct tafel_env *e)
{
	msgpack_unpacked u;
	const msgpack_object *a;
	size_t i, j;
	int rc;

	e->nwraps = 0;
	if ((rc = tafel_mp_decode(&u, e->wraps, e->wrapslen, 3)) != 0)
		return rc;
	rc = TAFEL_EMALFORMED;
	a = &u.data;
	if (!tafel_mp_check(a, TAFEL_MP_ARRAY, 0, TAFEL_MAX_RECIPIENTS))
		goto out;
	for (i = 0; i < a->via.array.size; i++) {
		const msgpack_object *p = &a->via.array.ptr[i];

		if (!tafel_mp_check(p, TAFEL_MP_ARRAY, 2, 2) ||
		    !tafel_mp_check(&p->via.array.ptr[0], TAFEL_MP_ID, 1,
		    TAFEL_ORG_MAX) ||
		    !tafel_mp_check(&p->via.array.ptr[1], TAFEL_MP_BIN,
		    TAFEL_WRAP_BYTES, TAFEL_WRAP_BYTES) ||
		    tafel_mp_strcpy(e->wrap[i].org, sizeof(e->wrap[i].org),
		    &p->via.array.ptr[0]) != 0)
			goto out;
		if (!tafel_env_addressed(e, e->wrap[i].org))
			goto out;	/* a wrap for someone not in "to" */
		for (j = 0; j < i; j++)
			if (strcmp(e->wrap[i].org, e->wrap[j].org) == 0)
				goto out;
		/* bin points into e->wraps, which points into the input. */
		e->wrap[i].box = (const uint8_t *)p->via.array.ptr[1].via.bin.ptr;
	}
	e->nwraps = a->via.array.size;
	rc = 0;
out:
	msgpack_unpacked_destroy(&u);
	return rc;
}

/* The outer map of an envelope, checked; f[7] as below.  u to destroy. */
static int
env_unpack(const uint8_t *buf, size_t len, msgpack_unpacked *u,
    struct tafel_mp_field *f)
{
	const struct tafel_mp_field spec[ENV_FIELDS] = {
		{ "v", TAFEL_MP_UINT, 0, UINT64_MAX, false, NULL },
		{ "hdr", TAFEL_MP_BIN, 1, 16384, false, NULL },
		{ "wraps", TAFEL_MP_BIN, 1, 16384, false, NULL },
		{ "nonce", TAFEL_MP_BIN, 24, 24, false, NULL },
		{ "ct", TAFEL_MP_BIN, 16, TAFEL_MAX_BODY + 16, true, NULL },
		{ "ctd", TAFEL_MP_BIN, 32, 32, true, NULL },
		{ "sig", TAFEL_MP_BIN, 64, 64, false, NULL },
	};
	int rc;

	memcpy(f, spec, sizeof(spec));
	if (buf == NULL || len == 0)
		return TAFEL_EMALFORMED;
	if (len > TAFEL_MAX_FRAME)
		return TAFEL_ETOOBIG;
	if ((rc = tafel_mp_decode(u, buf, len, 2)) != 0)
		return rc;
	rc = TAFEL_EMALFORMED;
	if (tafel_mp_fields(&u->data, f, ENV_FIELDS) != 0)
		goto bad;
	if (f[0].obj->via.u64 != TAFEL_WIRE_VERSION) {
		rc = TAFEL_EVERSION;
		goto bad;
	}
	if ((f[4].obj == NULL) == (f[5].obj == NULL))
		goto bad;		/* exactly one of ct and ctd */
	return 0;
bad:
	msgpack_unpacked_destroy(u);
	return rc;
}

int
tafel_env_parse(const uint8_t *buf, size_t len, struct tafel_env *e)
{
	struct tafel_mp_field f[ENV_FIELDS];
	msgpack_unpacked u;
	int rc;

	memset(e, 0, sizeof(*e));
	if ((rc = env_unpack(buf, len, &u, f)) != 0)
		return rc;
	e->hdr = (const uint8_t *)f[1].obj->via.bin.ptr;
	e->hdrlen = f[1].obj->via.bin.size;
	e->wraps = (const uint8_t *)f[2].obj->via.bin.ptr;
	e->wrapslen = f[2].obj->via.bin.size;
	e->nonce = (const uint8_t *)f[3].obj->via.bin.ptr;
	e->sig = (const uint8_t *)f[6].obj->via.bin.ptr;
	if (f[4].obj != NULL) {
		e->ct = (const uint8_t *)f[4].obj->via.bin.ptr;
		e->ctlen = f[4].obj->via.bin.size;
		crypto_hash_sha256(e->ctd, e->ct, e->ctlen);
	} else
		memcpy(e->ctd, f[5].obj->via.bin.ptr, 32);
	if ((rc = tafel_hdr_decode(e->hdr, e->hdrlen, &e->h)) != 0)
		goto out;
	if ((rc = parse_wraps(e)) != 0)
		goto out;
	crypto_hash_sha256(e->hash, buf, len);
	rc = 0;
out:
	msgpack_unpacked_destroy(&u);
	if (rc != 0)
		memset(e, 0, sizeof(*e));
	return rc;
}

int
tafel_env_parse_hdr(const uint8_t *buf, size_t len, struct tafel_hdr *h)
{
	struct tafel_mp_field f[ENV_FIELDS];
	msgpack_unpacked u;
	int rc;

	memset(h, 0, sizeof(*h));
	if ((rc = env_unpack(buf, len, &u, f)) != 0)
		return rc;
	rc = tafel_hdr_decode((const uint8_t *)f[1].obj->via.bin.ptr,
	    f[1].obj->via.bin.size, h);
	msgpack_unpacked_destroy(&u);
	if (rc != 0)
		memset(h, 0, sizeof(*h));
	return rc;
}

int
tafel_env_verify(const struct tafel_env *e, const uint8_t sign_pk[32])
{
	uint8_t *si;
	size_t silen;
	int rc;

	if ((rc = sig_input(e->hdr, e->hdrlen, e->wraps, e->wrapslen,
	    e->nonce, e->ctd, &si, &silen)) != 0)
		return rc;
	rc = crypto_sign_verify_detached(e->sig, si, silen, sign_pk) == 0 ?
	    0 : TAFEL_ESIG;
	free(si);
	return rc;
}

bool
tafel_env_addressed(const struct tafel_env *e, const char *org)
{
	size_t i;

	for (i = 0; i < e->h.nto; i++)
		if (strcmp(e->h.to[i], org) == 0)
			return true;
	return false;
}

int
tafel_env_open(const struct tafel_env *e, const char *org,
    const uint8_t k[32], uint8_t *body, size_t bodymax, size_t *bodylen)
{
	return tafel_env_open_key(e, org, k, body, bodymax, bodylen, NULL);
}

int
tafel_env_open_key(const struct tafel_env *e, const char *org,
    const uint8_t k[32], uint8_t *body, size_t bodymax, size_t *bodylen,
    uint8_t *ckey)
{
	uint8_t key[32], ad[32];
	unsigned long long n;
	size_t i;
	int rc;

	*bodylen = 0;
	if (e->ct == NULL)
		return TAFEL_ENOTFOR;
	for (i = 0; i < e->nwraps; i++)
		if (strcmp(e->wrap[i].org, org) == 0)
			break;
	if (i == e->nwraps)
		return TAFEL_ENOTFOR;
	if (e->ctlen - crypto_aead_xchacha20poly1305_ietf_ABYTES > bodymax)
		return TAFEL_ETOOBIG;
	if (crypto_box_open_easy_afternm(key, e->wrap[i].box + 24,
	    TAFEL_WRAP_BYTES - 24, e->wrap[i].box, k) != 0)
		return TAFEL_EDECRYPT;
	crypto_hash_sha256(ad, e->hdr, e->hdrlen);
	rc = crypto_aead_xchacha20poly1305_ietf_decrypt(body, &n, NULL, e->ct,
	    e->ctlen, ad, sizeof(ad), e->nonce, key) == 0 ? 0 : TAFEL_EDECRYPT;
	if (rc == 0 && ckey != NULL)
		memcpy(ckey, key, sizeof(key));
	sodium_memzero(key, sizeof(key));
	if (rc == 0)
		*bodylen = n;
	return rc;
}

int
tafel_env_content_check(const struct tafel_env *e, const uint8_t ckey[32],
    const uint8_t *body, size_t bodylen)
{
	uint8_t ad[32], d[32], *ct;
	unsigned long long ctlen;

	if (bodylen > TAFEL_MAX_BODY)
		return TAFEL_ETOOBIG;
	if ((ct = malloc(bodylen +
	    crypto_aead_xchacha20poly1305_ietf_ABYTES)) == NULL)
		return TAFEL_ENOMEM;
	crypto_hash_sha256(ad, e->hdr, e->hdrlen);
	crypto_aead_xchacha20poly1305_ietf_encrypt(ct, &ctlen, body, bodylen,
	    ad, sizeof(ad), NULL, e->nonce, ckey);
	crypto_hash_sha256(d, ct, ctlen);
	sodium_memzero(ct, ctlen);
	free(ct);
	return sodium_memcmp(d, e->ctd, sizeof(d)) == 0 ? 0 : TAFEL_EDECRYPT;
}

int
tafel_env_header_only(const struct tafel_env *e, uint8_t **out,
    size_t *outlen)
{
	struct tafel_mpw w;

	tafel_mpw_init(&w);
	tafel_mpw_map(&w, 6);
	tafel_mpw_str(&w, "v");
	tafel_mpw_uint(&w, TAFEL_WIRE_VERSION);
	tafel_mpw_str(&w, "hdr");
	tafel_mpw_bin(&w, e->hdr, e->hdrlen);
	tafel_mpw_str(&w, "wraps");
	tafel_mpw_bin(&w, e->wraps, e->wrapslen);
	tafel_mpw_str(&w, "nonce");
	tafel_mpw_bin(&w, e->nonce, 24);
	tafel_mpw_str(&w, "ctd");
	tafel_mpw_bin(&w, e->ctd, 32);
	tafel_mpw_str(&w, "sig");
	tafel_mpw_bin(&w, e->sig, 64);
	return tafel_mpw_finish(&w, out, outlen);
}

static const char *
body_key(const char *type, size_t *max)
{
	if (strcmp(type, "open") == 0) {
		*max = TAFEL_PSEUDONYM_MAX;
		return "pseudonym";
	}
	if (strcmp(type, "record") == 0) {
		*max = TAFEL_MAX_TEXT;
		return "text";
	}
	if (strcmp(type, "close") == 0 || strcmp(type, "decline") == 0) {
		*max = TAFEL_REASON_MAX;
		return "reason";
	}
	return NULL;
}

const char *const tafel_followups[4] = {
	"none", "latent", "prominent", "judicial"
};

int
tafel_followup_index(const char *s)
{
	int i;

	for (i = 0; i < 4; i++)
		if (strcmp(s, tafel_followups[i]) == 0)
			return i;
	return -1;
}

int
tafel_decision_encode(const char *followup, const char *reason,
    size_t reasonlen, uint64_t review, uint8_t **out, size_t *outlen)
{
	struct tafel_mpw w;

	*out = NULL;
	if (tafel_followup_index(followup) < 0 || reasonlen == 0 ||
	    reasonlen > TAFEL_REASON_MAX)
		return TAFEL_EINVAL;
	tafel_mpw_init(&w);
	tafel_mpw_map(&w, 3);
	tafel_mpw_str(&w, "followup");
	tafel_mpw_str(&w, followup);
	tafel_mpw_str(&w, "reason");
	tafel_mpw_strn(&w, reason, reasonlen);
	tafel_mpw_str(&w, "review");
	tafel_mpw_uint(&w, review);
	return tafel_mpw_finish(&w, out, outlen);
}

int
tafel_decision_decode(const uint8_t *buf, size_t len,
    char followup[TAFEL_FOLLOWUP_MAX + 1], const char **reason,
    size_t *reasonlen, uint64_t *review)
{
	struct tafel_mp_field f[] = {
		{ "followup", TAFEL_MP_ID, 1, TAFEL_FOLLOWUP_MAX, false, NULL },
		{ "reason", TAFEL_MP_TEXT, 1, TAFEL_REASON_MAX, false, NULL },
		{ "review", TAFEL_MP_UINT, 0, UINT64_MAX, false, NULL },
	};
	msgpack_unpacked u;
	int rc;

	*reason = NULL;
	*reasonlen = 0;
	if (len > TAFEL_MAX_BODY)
		return TAFEL_ETOOBIG;
	if ((rc = tafel_mp_decode(&u, buf, len, 2)) != 0)
		return rc;
	if ((rc = tafel_mp_fields(&u.data, f, 3)) == 0 &&
	    (tafel_mp_strcpy(followup, TAFEL_FOLLOWUP_MAX + 1, f[0].obj) != 0 ||
	    tafel_followup_index(followup) < 0))
		rc = TAFEL_EMALFORMED;
	if (rc == 0) {
		*reason = f[1].obj->via.str.ptr;
		*reasonlen = f[1].obj->via.str.size;
		*review = f[2].obj->via.u64;
	}
	msgpack_unpacked_destroy(&u);
	return rc;
}

int
tafel_body_encode(const char *type, const char *text, size_t len,
    uint8_t **out, size_t *outlen)
{
	struct tafel_mpw w;
	const char *key;
	size_t max;

	*out = NULL;
	if ((key = body_key(type, &max)) == NULL || len == 0 || len > max)
		return TAFEL_EINVAL;
	tafel_mpw_init(&w);
	tafel_mpw_map(&w, 1);
	tafel_mpw_str(&w, key);
	tafel_mpw_strn(&w, text, len);
	return tafel_mpw_finish(&w, out, outlen);
}

int
tafel_body_decode(const char *type, const uint8_t *buf, size_t len,
    const char **text, size_t *textlen)
{
	struct tafel_mp_field f[1];
	msgpack_unpacked u;
	size_t max;
	int rc;

	*text = NULL;
	*textlen = 0;
	if ((f[0].key = body_key(type, &max)) == NULL)
		return TAFEL_EINVAL;
	f[0].type = TAFEL_MP_TEXT;
	f[0].min = 1;
	f[0].max = max;
	f[0].optional = false;
	if (len > TAFEL_MAX_BODY)
		return TAFEL_ETOOBIG;
	if ((rc = tafel_mp_decode(&u, buf, len, 2)) != 0)
		return rc;
	if ((rc = tafel_mp_fields(&u.data, f, 1)) == 0) {
		*text = f[0].obj->via.str.ptr;
		*textlen = f[0].obj->via.str.size;
	}
	msgpack_unpacked_destroy(&u);
	return rc;
}

int
tafel_reveal_encode(const char *org, const char *reason, size_t reasonlen,
    uint8_t **out, size_t *outlen)
{
	struct tafel_mpw w;

	*out = NULL;
	if (!tafel_id_valid(org) || reasonlen == 0 ||
	    reasonlen > TAFEL_REASON_MAX)
		return TAFEL_EINVAL;
	tafel_mpw_init(&w);
	tafel_mpw_map(&w, 2);
	tafel_mpw_str(&w, "org");
	tafel_mpw_str(&w, org);
	tafel_mpw_str(&w, "reason");
	tafel_mpw_strn(&w, reason, reasonlen);
	return tafel_mpw_finish(&w, out, outlen);
}

int
tafel_reveal_decode(const uint8_t *buf, size_t len,
    char org[TAFEL_ORG_MAX + 1], const char **reason, size_t *reasonlen)
{
	struct tafel_mp_field f[] = {
		{ "org", TAFEL_MP_ID, 1, TAFEL_ORG_MAX, false, NULL },
		{ "reason", TAFEL_MP_TEXT, 1, TAFEL_REASON_MAX, false, NULL },
	};
	msgpack_unpacked u;
	int rc;

	*reason = NULL;
	*reasonlen = 0;
	if (len > TAFEL_MAX_BODY)
		return TAFEL_ETOOBIG;
	if ((rc = tafel_mp_decode(&u, buf, len, 2)) != 0)
		return rc;
	if ((rc = tafel_mp_fields(&u.data, f, 2)) == 0 &&
	    tafel_mp_strcpy(org, TAFEL_ORG_MAX + 1, f[0].obj) != 0)
		rc = TAFEL_EMALFORMED;
	if (rc == 0) {
		*reason = f[1].obj->via.str.ptr;
		*reasonlen = f[1].obj->via.str.size;
	}
	msgpack_unpacked_destroy(&u);
	return rc;
}

int
tafel_open_encode(const char *pseudonym, size_t len, bool minor,
    uint8_t **out, size_t *outlen)
{
	struct tafel_mpw w;

	*out = NULL;
	if (len == 0 || len > TAFEL_PSEUDONYM_MAX)
		return TAFEL_EINVAL;
	tafel_mpw_init(&w);
	tafel_mpw_map(&w, minor ? 2 : 1);
	tafel_mpw_str(&w, "pseudonym");
	tafel_mpw_strn(&w, pseudonym, len);
	if (minor) {
		tafel_mpw_str(&w, "minor");
		tafel_mpw_bool(&w, true);
	}
	return tafel_mpw_finish(&w, out, outlen);
}

int
tafel_open_decode(const uint8_t *buf, size_t len, const char **pseudonym,
    size_t *pseudolen, bool *minor)
{
	struct tafel_mp_field f[] = {
		{ "pseudonym", TAFEL_MP_TEXT, 1, TAFEL_PSEUDONYM_MAX, false,
		    NULL },
		{ "minor", TAFEL_MP_BOOL, 0, 0, true, NULL },
	};
	msgpack_unpacked u;
	int rc;

	*pseudonym = NULL;
	*pseudolen = 0;
	*minor = false;
	if (len > TAFEL_MAX_BODY)
		return TAFEL_ETOOBIG;
	if ((rc = tafel_mp_decode(&u, buf, len, 2)) != 0)
		return rc;
	/* "minor" is there only when true. */
	if ((rc = tafel_mp_fields(&u.data, f, 2)) == 0 && f[1].obj != NULL &&
	    !f[1].obj->via.boolean)
		rc = TAFEL_EMALFORMED;
	if (rc == 0) {
		*pseudonym = f[0].obj->via.str.ptr;
		*pseudolen = f[0].obj->via.str.size;
		*minor = f[1].obj != NULL;
	}
	msgpack_unpacked_destroy(&u);
	return rc;
}

static void
put_ids(struct tafel_mpw *w, char ids[][TAFEL_ORG_MAX + 1], size_t n)
{
	size_t i;

	tafel_mpw_array(w, n);
	for (i = 0; i < n; i++)
		tafel_mpw_str(w, ids[i]);
}

static bool
ids_unique(const char ids[][TAFEL_ORG_MAX + 1], size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		if (!tafel_id_valid(ids[i]))
			return false;
		for (j = 0; j < i; j++)
			if (strcmp(ids[i], ids[j]) == 0)
				return false;
	}
	return true;
}

int
tafel_members_encode(const struct tafel_members_body *b, uint8_t **out,
    size_t *outlen)
{
	struct tafel_mpw w;

	*out = NULL;
	if (b->nadd > TAFEL_MAX_RECIPIENTS ||
	    b->nremove > TAFEL_MAX_RECIPIENTS ||
	    b->nmembers > TAFEL_MAX_RECIPIENTS ||
	    !ids_unique(b->add, b->nadd) || !ids_unique(b->remove, b->nremove) ||
	    !ids_unique(b->members, b->nmembers))
		return TAFEL_EINVAL;
	if (b->nmembers == 0 || b->nmembers > TAFEL_MAX_RECIPIENTS ||
	    b->nadd > TAFEL_MAX_RECIPIENTS || b->nremove > TAFEL_MAX_RECIPIENTS ||
	    b->reasonlen > TAFEL_REASON_MAX || b->pseudolen == 0 ||
	    b->pseudolen > TAFEL_PSEUDONYM_MAX)
		return TAFEL_EINVAL;
	tafel_mpw_init(&w);
	tafel_mpw_map(&w, b->minor ? 7 : 6);
	tafel_mpw_str(&w, "add");
	put_ids(&w, (char (*)[TAFEL_ORG_MAX + 1])b->add, b->nadd);
	tafel_mpw_str(&w, "remove");
	put_ids(&w, (char (*)[TAFEL_ORG_MAX + 1])b->remove, b->nremove);
	tafel_mpw_str(&w, "members");
	put_ids(&w, (char (*)[TAFEL_ORG_MAX + 1])b->members, b->nmembers);
	tafel_mpw_str(&w, "reason");
	tafel_mpw_strn(&w, b->reasonlen ? b->reason : "", b->reasonlen);
	tafel_mpw_str(&w, "pseudonym");
	tafel_mpw_strn(&w, b->pseudonym, b->pseudolen);
	tafel_mpw_str(&w, "opened");
	tafel_mpw_uint(&w, b->opened);
	if (b->minor) {
		tafel_mpw_str(&w, "minor");
		tafel_mpw_bool(&w, true);
	}
	return tafel_mpw_finish(&w, out, outlen);
}

/* A unique list of ids into out. */
static int
get_ids(const msgpack_object *a, char out[][TAFEL_ORG_MAX + 1], size_t *n)
{
	size_t i, j;

	for (i = 0; i < a->via.array.size; i++) {
		if (!tafel_mp_check(&a->via.array.ptr[i], TAFEL_MP_ID, 1,
		    TAFEL_ORG_MAX) || tafel_mp_strcpy(out[i], TAFEL_ORG_MAX + 1,
		    &a->via.array.ptr[i]) != 0)
			return TAFEL_EMALFORMED;
		for (j = 0; j < i; j++)
			if (strcmp(out[i], out[j]) == 0)
				return TAFEL_EMALFORMED;
	}
	*n = a->via.array.size;
	return 0;
}

int
tafel_members_decode(const uint8_t *buf, size_t len,
    struct tafel_members_body *b)
{
	struct tafel_mp_field f[] = {
		{ "add", TAFEL_MP_ARRAY, 0, TAFEL_MAX_RECIPIENTS, false, NULL },
		{ "remove", TAFEL_MP_ARRAY, 0, TAFEL_MAX_RECIPIENTS, false,
		    NULL },
		{ "members", TAFEL_MP_ARRAY, 1, TAFEL_MAX_RECIPIENTS, false,
		    NULL },
		{ "reason", TAFEL_MP_TEXT, 0, TAFEL_REASON_MAX, false, NULL },
		{ "pseudonym", TAFEL_MP_TEXT, 1, TAFEL_PSEUDONYM_MAX, false,
		    NULL },
		{ "opened", TAFEL_MP_UINT, 0, UINT64_MAX, false, NULL },
		{ "minor", TAFEL_MP_BOOL, 0, 0, true, NULL },
	};
	msgpack_unpacked u;
	int rc;

	memset(b, 0, sizeof(*b));
	if (len > TAFEL_MAX_BODY)
		return TAFEL_ETOOBIG;
	if ((rc = tafel_mp_decode(&u, buf, len, 3)) != 0)
		return rc;
	if ((rc = tafel_mp_fields(&u.data, f, 7)) == 0 &&
	    ((f[6].obj != NULL && !f[6].obj->via.boolean) ||
	    (rc = get_ids(f[0].obj, b->add, &b->nadd)) != 0 ||
	    (rc = get_ids(f[1].obj, b->remove, &b->nremove)) != 0 ||
	    (rc = get_ids(f[2].obj, b->members, &b->nmembers)) != 0))
		rc = TAFEL_EMALFORMED;
	if (rc == 0) {
		b->reason = f[3].obj->via.str.ptr;
		b->reasonlen = f[3].obj->via.str.size;
		b->pseudonym = f[4].obj->via.str.ptr;
		b->pseudolen = f[4].obj->via.str.size;
		b->opened = f[5].obj->via.u64;
		b->minor = f[6].obj != NULL;
	}
	msgpack_unpacked_destroy(&u);
	return rc;
}

int
tafel_share_encode(const struct tafel_share_body *b, uint8_t **out,
    size_t *outlen)
{
	struct tafel_mpw w;
	size_t i, j;

	*out = NULL;
	if (!tafel_id_valid(b->org) || b->nevents == 0 ||
	    b->nevents > TAFEL_SHARE_MAX)
		return TAFEL_EINVAL;
	for (i = 0; i < b->nevents; i++)
		for (j = 0; j < i; j++)
			if (memcmp(b->events[i], b->events[j], 32) == 0)
				return TAFEL_EINVAL;
	tafel_mpw_init(&w);
	tafel_mpw_map(&w, 2);
	tafel_mpw_str(&w, "org");
	tafel_mpw_str(&w, b->org);
	tafel_mpw_str(&w, "events");
	tafel_mpw_array(&w, b->nevents);
	for (i = 0; i < b->nevents; i++)
		tafel_mpw_bin(&w, b->events[i], 32);
	return tafel_mpw_finish(&w, out, outlen);
}

int
tafel_share_decode(const uint8_t *buf, size_t len, struct tafel_share_body *b)
{
	struct tafel_mp_field f[] = {
		{ "org", TAFEL_MP_ID, 1, TAFEL_ORG_MAX, false, NULL },
		{ "events", TAFEL_MP_ARRAY, 1, TAFEL_SHARE_MAX, false, NULL },
	};
	const msgpack_object *a;
	msgpack_unpacked u;
	size_t i, j;
	int rc;

	memset(b->org, 0, sizeof(b->org));
	b->nevents = 0;
	if (len > TAFEL_MAX_BODY)
		return TAFEL_ETOOBIG;
	if ((rc = tafel_mp_decode(&u, buf, len, 3)) != 0)
		return rc;
	if ((rc = tafel_mp_fields(&u.data, f, 2)) != 0)
		goto out;
	rc = TAFEL_EMALFORMED;
	if (tafel_mp_strcpy(b->org, sizeof(b->org), f[0].obj) != 0)
		goto out;
	a = f[1].obj;
	for (i = 0; i < a->via.array.size; i++) {
		if (!tafel_mp_check(&a->via.array.ptr[i], TAFEL_MP_BIN, 32, 32))
			goto out;
		memcpy(b->events[i], a->via.array.ptr[i].via.bin.ptr, 32);
		for (j = 0; j < i; j++)
			if (memcmp(b->events[i], b->events[j], 32) == 0)
				goto out;
	}
	b->nevents = a->via.array.size;
	rc = 0;
out:
	if (rc != 0)
		b->nevents = 0;
	msgpack_unpacked_destroy(&u);
	return rc;
}

int
tafel_history_encode(const struct tafel_history_body *b, uint8_t **out,
    size_t *outlen)
{
	struct tafel_mpw w;

	*out = NULL;
	if (b->envlen == 0 || b->envlen > TAFEL_HISTORY_ENV_MAX ||
	    (b->content && (b->bodylen == 0 ||
	    b->bodylen > TAFEL_HISTORY_BODY_MAX)))
		return TAFEL_EINVAL;
	tafel_mpw_init(&w);
	tafel_mpw_map(&w, b->content ? 3 : 1);
	tafel_mpw_str(&w, "env");
	tafel_mpw_bin(&w, b->env, b->envlen);
	if (b->content) {
		tafel_mpw_str(&w, "key");
		tafel_mpw_bin(&w, b->key, 32);
		tafel_mpw_str(&w, "body");
		tafel_mpw_bin(&w, b->body, b->bodylen);
	}
	return tafel_mpw_finish(&w, out, outlen);
}

int
tafel_history_decode(const uint8_t *buf, size_t len,
    struct tafel_history_body *b)
{
	struct tafel_mp_field f[] = {
		{ "env", TAFEL_MP_BIN, 1, TAFEL_HISTORY_ENV_MAX, false, NULL },
		{ "key", TAFEL_MP_BIN, 32, 32, true, NULL },
		{ "body", TAFEL_MP_BIN, 1, TAFEL_HISTORY_BODY_MAX, true, NULL },
	};
	msgpack_unpacked u;
	int rc;

	memset(b, 0, sizeof(*b));
	if (len > TAFEL_MAX_BODY)
		return TAFEL_ETOOBIG;
	if ((rc = tafel_mp_decode(&u, buf, len, 2)) != 0)
		return rc;
	if ((rc = tafel_mp_fields(&u.data, f, 3)) == 0 &&
	    (f[1].obj == NULL) != (f[2].obj == NULL))
		rc = TAFEL_EMALFORMED;	/* the key and the body go together */
	if (rc == 0) {
		b->env = (const uint8_t *)f[0].obj->via.bin.ptr;
		b->envlen = f[0].obj->via.bin.size;
		if (f[1].obj != NULL) {
			b->content = true;
			memcpy(b->key, f[1].obj->via.bin.ptr, 32);
			b->body = (const uint8_t *)f[2].obj->via.bin.ptr;
			b->bodylen = f[2].obj->via.bin.size;
		}
	}
	msgpack_unpacked_destroy(&u);
	return rc;
}
