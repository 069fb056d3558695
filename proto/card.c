/*
 * Member cards: encoding, strict decoding, self-signature and text form.
 * See include/tafel/card.h.
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

#define CARD_DEPTH	TAFEL_MAX_DEPTH
#define DOMAIN_LEN	(sizeof(TAFEL_CARD_DOMAIN))	/* with the 0x00 */

/*
 * True when s[0..n) is "tcp://HOST:PORT": HOST a DNS name or IPv4
 * address ([A-Za-z0-9.-], starting with a letter or digit) or an IPv6
 * address in brackets, PORT a decimal 1..65535 without leading zeros.
 */
static bool
endpoint_valid(const char *s, size_t n)
{
	const char *host, *colon;
	size_t hlen, plen, i;
	unsigned long port = 0;

	if (n < 9 || n > TAFEL_ENDPOINT_MAX || memcmp(s, "tcp://", 6) != 0)
		return false;
	host = s + 6;
	colon = NULL;
	for (i = n; i > 6; i--)
		if (s[i - 1] == ':') {
			colon = s + i - 1;
			break;
		}
	if (colon == NULL || colon == host)
		return false;
	hlen = colon - host;
	plen = s + n - colon - 1;
	if (plen < 1 || plen > 5 || colon[1] == '0')
		return false;
	for (i = 1; i <= plen; i++) {
		if (colon[i] < '0' || colon[i] > '9')
			return false;
		port = port * 10 + (unsigned long)(colon[i] - '0');
	}
	if (port < 1 || port > 65535)
		return false;
	if (host[0] == '[') {
		if (hlen < 4 || host[hlen - 1] != ']')
			return false;
		for (i = 1; i < hlen - 1; i++) {
			char c = host[i];

			if ((c < '0' || c > '9') && (c < 'a' || c > 'f') &&
			    (c < 'A' || c > 'F') && c != ':' && c != '.')
				return false;
		}
		return true;
	}
	for (i = 0; i < hlen; i++) {
		char c = host[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9'))
			continue;
		if ((c == '-' || c == '.') && i > 0)
			continue;
		return false;
	}
	return true;
}

/* Length of s, or max + 1 when there is no NUL in s[0..max]. */
static size_t
bounded_len(const char *s, size_t max)
{
	const char *z = memchr(s, '\0', max + 1);

	return z == NULL ? max + 1 : (size_t)(z - s);
}

/* Wraps a NUL-terminated string as a msgpack str object for checking. */
static bool
str_check(const char *s, size_t max, enum tafel_mp_type t, size_t min)
{
	msgpack_object o;
	size_t n = bounded_len(s, max);

	o.type = MSGPACK_OBJECT_STR;
	o.via.str.ptr = s;
	o.via.str.size = (uint32_t)n;
	return n <= max && tafel_mp_check(&o, t, min, max);
}

/* Checks the fields of a card that we are about to encode. */
static bool
card_fields_valid(const struct tafel_card *c)
{
	size_t i;

	if (!str_check(c->org, TAFEL_ORG_MAX, TAFEL_MP_ID, 1) ||
	    !str_check(c->name, TAFEL_NAME_MAX, TAFEL_MP_STR, 1) ||
	    !str_check(c->role, TAFEL_ROLE_MAX, TAFEL_MP_ID, 1) ||
	    tafel_role_index(c->role) < 0)
		return false;
	if (c->nendpoints < 1 || c->nendpoints > TAFEL_MAX_ENDPOINTS)
		return false;
	for (i = 0; i < c->nendpoints; i++) {
		const char *e = c->endpoints[i];
		size_t n = bounded_len(e, TAFEL_ENDPOINT_MAX);

		if (!str_check(e, TAFEL_ENDPOINT_MAX, TAFEL_MP_STR, 1) ||
		    !endpoint_valid(e, n))
			return false;
	}
	return true;
}

/* "tafel card v1" || 0x00 || inner, into a fresh buffer. */
static uint8_t *
signed_message(const uint8_t *inner, size_t len, size_t *mlen)
{
	uint8_t *m;

	if (len > TAFEL_CARD_MAX || (m = malloc(DOMAIN_LEN + len)) == NULL)
		return NULL;
	memcpy(m, TAFEL_CARD_DOMAIN, DOMAIN_LEN);	/* copies the NUL */
	memcpy(m + DOMAIN_LEN, inner, len);
	*mlen = DOMAIN_LEN + len;
	return m;
}

static int
encode_inner(const struct tafel_card *c, uint8_t **out, size_t *outlen)
{
	struct tafel_mpw w;
	size_t i;

	tafel_mpw_init(&w);
	tafel_mpw_map(&w, 8);
	tafel_mpw_str(&w, "v");
	tafel_mpw_uint(&w, TAFEL_WIRE_VERSION);
	tafel_mpw_str(&w, "org");
	tafel_mpw_str(&w, c->org);
	tafel_mpw_str(&w, "name");
	tafel_mpw_str(&w, c->name);
	tafel_mpw_str(&w, "role");
	tafel_mpw_str(&w, c->role);
	tafel_mpw_str(&w, "endpoints");
	tafel_mpw_array(&w, c->nendpoints);
	for (i = 0; i < c->nendpoints; i++)
		tafel_mpw_str(&w, c->endpoints[i]);
	tafel_mpw_str(&w, "sign");
	tafel_mpw_bin(&w, c->sign_pk, sizeof(c->sign_pk));
	tafel_mpw_str(&w, "box");
	tafel_mpw_bin(&w, c->box_pk, sizeof(c->box_pk));
	tafel_mpw_str(&w, "curve");
	tafel_mpw_bin(&w, c->curve_pk, sizeof(c->curve_pk));
	return tafel_mpw_finish(&w, out, outlen);
}

int
tafel_card_encode(struct tafel_card *c, const uint8_t sign_sk[64],
    uint8_t **out, size_t *outlen)
{
	struct tafel_mpw w;
	uint8_t pk[32], sig[64], *inner = NULL, *m = NULL;
	size_t innerlen = 0, mlen = 0;
	int r;

	*out = NULL;
	*outlen = 0;
	if (c == NULL || sign_sk == NULL || !card_fields_valid(c))
		return TAFEL_EINVAL;
	if (crypto_sign_ed25519_sk_to_pk(pk, sign_sk) != 0 ||
	    sodium_memcmp(pk, c->sign_pk, sizeof(pk)) != 0)
		return TAFEL_EINVAL;
	if ((r = encode_inner(c, &inner, &innerlen)) != 0)
		return r;
	r = TAFEL_ENOMEM;
	if ((m = signed_message(inner, innerlen, &mlen)) == NULL)
		goto out;
	/* Verify what we signed: catches a secret key whose halves differ. */
	r = TAFEL_EINVAL;
	if (crypto_sign_detached(sig, NULL, m, mlen, sign_sk) != 0 ||
	    crypto_sign_verify_detached(sig, m, mlen, c->sign_pk) != 0)
		goto out;
	tafel_mpw_init(&w);
	tafel_mpw_map(&w, 3);
	tafel_mpw_str(&w, "v");
	tafel_mpw_uint(&w, TAFEL_WIRE_VERSION);
	tafel_mpw_str(&w, "card");
	tafel_mpw_bin(&w, inner, innerlen);
	tafel_mpw_str(&w, "sig");
	tafel_mpw_bin(&w, sig, sizeof(sig));
	if ((r = tafel_mpw_finish(&w, out, outlen)) != 0)
		goto out;
	if (*outlen > TAFEL_CARD_MAX) {
		free(*out);
		*out = NULL;
		*outlen = 0;
		r = TAFEL_ETOOBIG;
		goto out;
	}
	crypto_hash_sha256(c->hash, inner, innerlen);
	r = 0;
out:
	free(m);
	free(inner);
	return r;
}

static int
decode_inner(const uint8_t *buf, size_t len, struct tafel_card *c)
{
	struct tafel_mp_field f[] = {
		{ "v", TAFEL_MP_UINT, 0, UINT64_MAX, false, NULL },
		{ "org", TAFEL_MP_ID, 1, TAFEL_ORG_MAX, false, NULL },
		{ "name", TAFEL_MP_STR, 1, TAFEL_NAME_MAX, false, NULL },
		{ "role", TAFEL_MP_ID, 1, TAFEL_ROLE_MAX, false, NULL },
		{ "endpoints", TAFEL_MP_ARRAY, 1, TAFEL_MAX_ENDPOINTS, false,
		    NULL },
		{ "sign", TAFEL_MP_BIN, 32, 32, false, NULL },
		{ "box", TAFEL_MP_BIN, 32, 32, false, NULL },
		{ "curve", TAFEL_MP_BIN, 32, 32, false, NULL },
	};
	msgpack_unpacked u;
	const msgpack_object_array *ep;
	uint32_t i;
	int r;

	if ((r = tafel_mp_decode(&u, buf, len, CARD_DEPTH)) != 0)
		return r;
	r = TAFEL_EMALFORMED;
	if (tafel_mp_fields(&u.data, f, sizeof(f) / sizeof(f[0])) != 0)
		goto out;
	if (f[0].obj->via.u64 != TAFEL_WIRE_VERSION) {
		r = TAFEL_EVERSION;
		goto out;
	}
	if (tafel_mp_strcpy(c->org, sizeof(c->org), f[1].obj) != 0 ||
	    tafel_mp_strcpy(c->name, sizeof(c->name), f[2].obj) != 0 ||
	    tafel_mp_strcpy(c->role, sizeof(c->role), f[3].obj) != 0 ||
	    tafel_role_index(c->role) < 0)
		goto out;
	ep = &f[4].obj->via.array;
	for (i = 0; i < ep->size; i++) {
		const msgpack_object *e = &ep->ptr[i];

		if (!tafel_mp_check(e, TAFEL_MP_STR, 1, TAFEL_ENDPOINT_MAX) ||
		    !endpoint_valid(e->via.str.ptr, e->via.str.size) ||
		    tafel_mp_strcpy(c->endpoints[i], sizeof(c->endpoints[i]),
		    e) != 0)
			goto out;
	}
	c->nendpoints = ep->size;
	memcpy(c->sign_pk, f[5].obj->via.bin.ptr, 32);
	memcpy(c->box_pk, f[6].obj->via.bin.ptr, 32);
	memcpy(c->curve_pk, f[7].obj->via.bin.ptr, 32);
	r = 0;
out:
	msgpack_unpacked_destroy(&u);
	return r;
}

int
tafel_card_decode(const uint8_t *buf, size_t len, struct tafel_card *c)
{
	struct tafel_mp_field f[] = {
		{ "v", TAFEL_MP_UINT, 0, UINT64_MAX, false, NULL },
		{ "card", TAFEL_MP_BIN, 1, TAFEL_CARD_MAX, false, NULL },
		{ "sig", TAFEL_MP_BIN, 64, 64, false, NULL },
	};
	struct tafel_card tmp;
	msgpack_unpacked u;
	const uint8_t *inner;
	uint8_t *m = NULL;
	size_t innerlen, mlen = 0;
	int r;

	if (c == NULL || (buf == NULL && len > 0))
		return TAFEL_EINVAL;
	memset(c, 0, sizeof(*c));
	if (len > TAFEL_CARD_MAX)
		return TAFEL_ETOOBIG;
	if ((r = tafel_mp_decode(&u, buf, len, CARD_DEPTH)) != 0)
		return r;
	memset(&tmp, 0, sizeof(tmp));
	r = TAFEL_EMALFORMED;
	if (tafel_mp_fields(&u.data, f, sizeof(f) / sizeof(f[0])) != 0)
		goto out;
	if (f[0].obj->via.u64 != TAFEL_WIRE_VERSION) {
		r = TAFEL_EVERSION;
		goto out;
	}
	inner = (const uint8_t *)f[1].obj->via.bin.ptr;
	innerlen = f[1].obj->via.bin.size;
	if ((r = decode_inner(inner, innerlen, &tmp)) != 0)
		goto out;
	if ((m = signed_message(inner, innerlen, &mlen)) == NULL) {
		r = TAFEL_ENOMEM;
		goto out;
	}
	if (crypto_sign_verify_detached((const uint8_t *)f[2].obj->via.bin.ptr,
	    m, mlen, tmp.sign_pk) != 0) {
		r = TAFEL_ESIG;
		goto out;
	}
	crypto_hash_sha256(tmp.hash, inner, innerlen);
	*c = tmp;
	r = 0;
out:
	free(m);
	msgpack_unpacked_destroy(&u);
	return r;
}

/*
 * Appends "Key: value\n" to buf (size sz) at *off.  Returns false when it
 * does not fit.
 */
static bool
add_line(char *buf, size_t sz, size_t *off, const char *key, const char *val)
{
	int n;

	if (*off >= sz)
		return false;
	n = snprintf(buf + *off, sz - *off, "%s: %s\n", key, val);
	if (n < 0 || (size_t)n >= sz - *off)
		return false;
	*off += (size_t)n;
	return true;
}

int
tafel_card_to_text(const uint8_t *card, size_t len, char **text)
{
	struct tafel_card c;
	char comments[2048], fpr[TAFEL_FPR_LEN + 1];
	size_t off = 0, i;
	int r;

	*text = NULL;
	if ((r = tafel_card_decode(card, len, &c)) != 0)
		return r;
	tafel_fingerprint(fpr, c.hash);
	if (!add_line(comments, sizeof(comments), &off, "Org", c.org) ||
	    !add_line(comments, sizeof(comments), &off, "Name", c.name) ||
	    !add_line(comments, sizeof(comments), &off, "Role", c.role))
		return TAFEL_ETOOBIG;
	for (i = 0; i < c.nendpoints; i++)
		if (!add_line(comments, sizeof(comments), &off, "Endpoint",
		    c.endpoints[i]))
			return TAFEL_ETOOBIG;
	if (!add_line(comments, sizeof(comments), &off, "Fingerprint", fpr))
		return TAFEL_ETOOBIG;
	return tafel_armor_encode("CARD", comments, card, len, text);
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
tafel_card_from_text(const char *text, size_t textlen, uint8_t **card,
    size_t *cardlen, struct tafel_card *c)
{
	struct tafel_card tmp;
	uint8_t *bin = NULL;
	size_t len = 0;
	char *comments = NULL, *gen = NULL;
	int r;

	*card = NULL;
	*cardlen = 0;
	if (c != NULL)
		memset(c, 0, sizeof(*c));
	if (text == NULL)
		return TAFEL_EINVAL;
	if ((r = tafel_armor_decode("CARD", text, textlen, TAFEL_CARD_MAX,
	    &bin, &len, &comments)) != 0)
		return r;
	if ((r = tafel_card_decode(bin, len, &tmp)) != 0 ||
	    (r = tafel_card_to_text(bin, len, &gen)) != 0)
		goto out;
	if (!same_text(text, textlen, gen)) {
		r = TAFEL_EMALFORMED;
		goto out;
	}
	*card = bin;
	*cardlen = len;
	bin = NULL;
	if (c != NULL)
		*c = tmp;
	r = 0;
out:
	free(gen);
	free(comments);
	free(bin);
	return r;
}
