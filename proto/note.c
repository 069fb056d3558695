/*
 * C2SP signed notes, checkpoints, cosignatures and tlog-proofs.  See
 * include/tafel/note.h for the formats.
 */
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "tafel/merkle.h"
#include "tafel/note.h"
#include "tafel/tafel.h"

#define EM_DASH		"\xe2\x80\x94"
#define SIG_PREFIX	EM_DASH " "
#define SIG_PREFIX_LEN	4
#define COSIG_HEADER	"cosignature/v1\ntime "
#define SKEY_PREFIX	"PRIVATE+KEY+"
#define B64		sodium_base64_VARIANT_ORIGINAL

/* ---- Characters ---- */

/* Decodes one UTF-8 sequence at s[*i]; refuses overlong forms,
 * surrogates and code points above U+10FFFF. */
static bool
utf8_next(const uint8_t *s, size_t len, size_t *i, uint32_t *cp)
{
	uint32_t c = s[*i], min;
	size_t n, k;

	if (c < 0x80) {
		*cp = c;
		(*i)++;
		return true;
	}
	if ((c & 0xe0) == 0xc0) {
		n = 1;
		c &= 0x1f;
		min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		n = 2;
		c &= 0x0f;
		min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		n = 3;
		c &= 0x07;
		min = 0x10000;
	} else
		return false;
	if (len - *i <= n)
		return false;
	for (k = 1; k <= n; k++) {
		uint8_t b = s[*i + k];

		if ((b & 0xc0) != 0x80)
			return false;
		c = c << 6 | (b & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return false;
	*cp = c;
	*i += n + 1;
	return true;
}

/* Valid UTF-8 without control characters other than "\n". */
static bool
text_chars_ok(const uint8_t *s, size_t len)
{
	size_t i = 0;
	uint32_t c;

	while (i < len) {
		if (!utf8_next(s, len, &i, &c))
			return false;
		if (c < 0x20 && c != '\n')
			return false;
	}
	return true;
}

/* Go's unicode.IsSpace: the White_Space characters. */
static bool
is_space(uint32_t c)
{
	return (c >= 0x09 && c <= 0x0d) || c == 0x20 || c == 0x85 ||
	    c == 0xa0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
	    c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f ||
	    c == 0x3000;
}

bool
tafel_note_name_valid(const char *name, size_t len)
{
	const uint8_t *s = (const uint8_t *)name;
	size_t i = 0;
	uint32_t c;

	if (name == NULL || len == 0 || len > TAFEL_NOTE_NAME_MAX)
		return false;
	while (i < len) {
		if (!utf8_next(s, len, &i, &c))
			return false;
		if (c < 0x20 || c == 0x7f || c == '+' || is_space(c))
			return false;
	}
	return true;
}

/* A NUL-terminated name of at most TAFEL_NOTE_NAME_MAX bytes. */
static bool
cname_valid(const char *name)
{
	size_t n;

	if (name == NULL)
		return false;
	n = strnlen(name, TAFEL_NOTE_NAME_MAX + 1);
	return tafel_note_name_valid(name, n);
}

/* A note text: non-empty, valid characters, ending in "\n". */
static bool
note_text_ok(const uint8_t *text, size_t len, size_t max)
{
	return text != NULL && len > 0 && len <= max &&
	    text[len - 1] == '\n' && text_chars_ok(text, len);
}

/* ---- Numbers and base64 ---- */

static uint32_t
get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static void
put_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static uint64_t
get_be64(const uint8_t *p)
{
	return (uint64_t)get_be32(p) << 32 | get_be32(p + 4);
}

static void
put_be64(uint8_t *p, uint64_t v)
{
	put_be32(p, (uint32_t)(v >> 32));
	put_be32(p + 4, (uint32_t)v);
}

/* ASCII decimal without leading zeros, at most max. */
static bool
parse_dec(const uint8_t *s, size_t n, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (n == 0 || n > 20 || (n > 1 && s[0] == '0'))
		return false;
	for (i = 0; i < n; i++) {
		unsigned d;

		if (s[i] < '0' || s[i] > '9')
			return false;
		d = s[i] - '0';
		if (v > (max - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

/*
 * Standard padded base64 of exactly s[0..n) into out, at most outmax
 * bytes.  The alphabet is checked here: libsodium 1.0.18 decodes every
 * byte from 0x80 to 0xff as "/".  libsodium then refuses missing or
 * misplaced padding and non-zero unused bits, so only the canonical
 * encoding passes.
 */
static bool
b64_decode(const uint8_t *s, size_t n, uint8_t *out, size_t outmax,
    size_t *outlen)
{
	const char *end;
	size_t got, i;

	*outlen = 0;
	if (n == 0)
		return true;
	if (n % 4 != 0 || n / 4 * 3 > outmax + 2)
		return false;
	for (i = 0; i < n; i++) {
		uint8_t c = s[i];

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '+' || c == '/')
			continue;
		if (c == '=' && i >= n - 2)
			continue;
		return false;
	}
	if (sodium_base642bin(out, outmax, (const char *)s, n, NULL, &got,
	    &end, B64) != 0 || end != (const char *)s + n)
		return false;
	*outlen = got;
	return true;
}

/* base64 of in[0..n) with a NUL into out; false when it does not fit. */
static bool
b64_encode(char *out, size_t outmax, const uint8_t *in, size_t n)
{
	if (sodium_base64_ENCODED_LEN(n, B64) > outmax)
		return false;
	sodium_bin2base64(out, outmax, in, n, B64);
	return true;
}

/* ---- Keys ---- */

static uint32_t
key_id(const char *name, size_t namelen, uint8_t type, const uint8_t pk[32])
{
	crypto_hash_sha256_state st;
	uint8_t h[32];
	static const uint8_t nl = '\n';

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)name, namelen);
	crypto_hash_sha256_update(&st, &nl, 1);
	crypto_hash_sha256_update(&st, &type, 1);
	crypto_hash_sha256_update(&st, pk, 32);
	crypto_hash_sha256_final(&st, h);
	return get_be32(h);
}

static bool
type_known(uint8_t type)
{
	return type == TAFEL_NOTE_ED25519 || type == TAFEL_NOTE_COSIG;
}

/* k is well formed: valid name, known type, matching key ID. */
static bool
key_ok(const struct tafel_note_key *k)
{
	return k != NULL && cname_valid(k->name) && type_known(k->type) &&
	    key_id(k->name, strlen(k->name), k->type, k->pk) == k->id;
}

int
tafel_note_key_init(struct tafel_note_key *k, const char *name,
    uint8_t type, const uint8_t pk[32])
{
	size_t n;

	memset(k, 0, sizeof(*k));
	if (!cname_valid(name) || !type_known(type))
		return TAFEL_EINVAL;
	n = strlen(name);
	memcpy(k->name, name, n + 1);
	k->type = type;
	memcpy(k->pk, pk, 32);
	k->id = key_id(name, n, type, pk);
	return 0;
}

int
tafel_note_vkey_encode(const struct tafel_note_key *k, char *out,
    size_t outmax)
{
	uint8_t raw[33];
	char b64[48];
	int n;

	if (outmax > 0)
		out[0] = '\0';
	if (!key_ok(k))
		return TAFEL_EINVAL;
	raw[0] = k->type;
	memcpy(raw + 1, k->pk, 32);
	if (!b64_encode(b64, sizeof(b64), raw, sizeof(raw)))
		return TAFEL_EINVAL;
	n = snprintf(out, outmax, "%s+%08" PRIx32 "+%s", k->name, k->id, b64);
	if (n < 0 || (size_t)n >= outmax) {
		if (outmax > 0)
			out[0] = '\0';
		return TAFEL_EINVAL;
	}
	return 0;
}

/* Exactly 8 lower-case hex digits. */
static bool
parse_hex8(const char *s, size_t n, uint32_t *out)
{
	uint32_t v = 0;
	size_t i;

	if (n != 8)
		return false;
	for (i = 0; i < 8; i++) {
		char c = s[i];

		if (c >= '0' && c <= '9')
			v = v << 4 | (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v << 4 | (uint32_t)(c - 'a' + 10);
		else
			return false;
	}
	*out = v;
	return true;
}

/*
 * name "+" hex8 "+" base64(type || 32 bytes), split at the first two
 * "+" (base64 may hold more).  raw receives the 33 decoded bytes.
 */
static int
parse_keystring(const char *s, size_t len, struct tafel_note_key *k,
    uint8_t raw[33])
{
	const char *p1, *p2, *end = s + len;
	size_t got;

	if ((p1 = memchr(s, '+', len)) == NULL ||
	    (p2 = memchr(p1 + 1, '+', end - (p1 + 1))) == NULL)
		return TAFEL_EMALFORMED;
	if (!tafel_note_name_valid(s, p1 - s) ||
	    !parse_hex8(p1 + 1, p2 - (p1 + 1), &k->id))
		return TAFEL_EMALFORMED;
	if (end - (p2 + 1) != 44 || !b64_decode((const uint8_t *)p2 + 1, 44,
	    raw, 33, &got) || got != 33)
		return TAFEL_EMALFORMED;
	memcpy(k->name, s, p1 - s);
	k->name[p1 - s] = '\0';
	k->type = raw[0];
	return 0;
}

int
tafel_note_vkey_parse(const char *s, size_t len, struct tafel_note_key *k)
{
	uint8_t raw[33];
	int rc;

	memset(k, 0, sizeof(*k));
	if (s == NULL)
		return TAFEL_EMALFORMED;
	if (len >= TAFEL_NOTE_VKEY_MAX)
		return TAFEL_ETOOBIG;
	if ((rc = parse_keystring(s, len, k, raw)) != 0)
		goto fail;
	rc = TAFEL_EMALFORMED;
	if (!type_known(k->type))
		goto fail;
	memcpy(k->pk, raw + 1, 32);
	if (key_id(k->name, strlen(k->name), k->type, k->pk) != k->id)
		goto fail;
	return 0;
fail:
	memset(k, 0, sizeof(*k));
	return rc;
}

int
tafel_note_skey_encode(const char *name, const uint8_t seed[32], char *out,
    size_t outmax)
{
	uint8_t pk[32], sk[64], raw[33];
	char b64[48];
	uint32_t id;
	int n, rc = TAFEL_EINVAL;

	if (outmax > 0)
		out[0] = '\0';
	if (!cname_valid(name))
		return TAFEL_EINVAL;
	crypto_sign_seed_keypair(pk, sk, seed);
	id = key_id(name, strlen(name), TAFEL_NOTE_ED25519, pk);
	raw[0] = TAFEL_NOTE_ED25519;
	memcpy(raw + 1, seed, 32);
	if (!b64_encode(b64, sizeof(b64), raw, sizeof(raw)))
		goto out;
	n = snprintf(out, outmax, SKEY_PREFIX "%s+%08" PRIx32 "+%s", name, id,
	    b64);
	if (n < 0 || (size_t)n >= outmax) {
		sodium_memzero(out, outmax);
		goto out;
	}
	rc = 0;
out:
	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(raw, sizeof(raw));
	sodium_memzero(b64, sizeof(b64));
	return rc;
}

int
tafel_note_skey_parse(const char *s, size_t len, struct tafel_note_key *k,
    uint8_t seed[32])
{
	const size_t pl = sizeof(SKEY_PREFIX) - 1;
	uint8_t raw[33], sk[64];
	int rc = TAFEL_EMALFORMED;

	memset(k, 0, sizeof(*k));
	sodium_memzero(seed, 32);
	if (s == NULL || len < pl || memcmp(s, SKEY_PREFIX, pl) != 0)
		return TAFEL_EMALFORMED;
	if (len >= TAFEL_NOTE_SKEY_MAX)
		return TAFEL_ETOOBIG;
	if ((rc = parse_keystring(s + pl, len - pl, k, raw)) != 0)
		goto out;
	rc = TAFEL_EMALFORMED;
	if (k->type != TAFEL_NOTE_ED25519)
		goto out;
	crypto_sign_seed_keypair(k->pk, sk, raw + 1);
	if (key_id(k->name, strlen(k->name), k->type, k->pk) != k->id)
		goto out;
	memcpy(seed, raw + 1, 32);
	rc = 0;
out:
	if (rc != 0)
		memset(k, 0, sizeof(*k));
	sodium_memzero(raw, sizeof(raw));
	sodium_memzero(sk, sizeof(sk));
	return rc;
}

/* ---- Signing ---- */

/* "— name base64(blob)\n" into line. */
static int
sig_line(const char *name, const uint8_t *blob, size_t bloblen,
    uint8_t *line, size_t linemax, size_t *linelen)
{
	char b64[sodium_base64_ENCODED_LEN(4 + 8 + 64, B64)];
	int n;

	*linelen = 0;
	if (line == NULL || !b64_encode(b64, sizeof(b64), blob, bloblen))
		return TAFEL_EINVAL;
	n = snprintf((char *)line, linemax, SIG_PREFIX "%s %s\n", name, b64);
	if (n < 0 || (size_t)n >= linemax)
		return TAFEL_EINVAL;
	*linelen = (size_t)n;
	return 0;
}

/* k matches the secret key sk and is of the given type. */
static bool
signer_ok(const struct tafel_note_key *k, const uint8_t sk[64],
    uint8_t type)
{
	return key_ok(k) && k->type == type && sk != NULL &&
	    memcmp(k->pk, sk + 32, 32) == 0;
}

int
tafel_note_sign_line(const struct tafel_note_key *k, const uint8_t sk[64],
    const uint8_t *text, size_t textlen, uint8_t *line, size_t linemax,
    size_t *linelen)
{
	uint8_t blob[4 + crypto_sign_BYTES];

	*linelen = 0;
	if (!signer_ok(k, sk, TAFEL_NOTE_ED25519) ||
	    !note_text_ok(text, textlen, TAFEL_NOTE_MAX - TAFEL_NOTE_LINE_MAX))
		return TAFEL_EINVAL;
	put_be32(blob, k->id);
	if (crypto_sign_detached(blob + 4, NULL, text, textlen, sk) != 0)
		return TAFEL_EINVAL;
	return sig_line(k->name, blob, sizeof(blob), line, linemax, linelen);
}

int
tafel_note_sign(const struct tafel_note_key *k, const uint8_t sk[64],
    const uint8_t *text, size_t textlen, uint8_t *out, size_t outmax,
    size_t *outlen)
{
	uint8_t line[TAFEL_NOTE_LINE_MAX];
	size_t ll;
	int rc;

	*outlen = 0;
	if ((rc = tafel_note_sign_line(k, sk, text, textlen, line,
	    sizeof(line), &ll)) != 0)
		return rc;
	if (out == NULL || outmax < textlen + 1 + ll)
		return TAFEL_EINVAL;
	memcpy(out, text, textlen);
	out[textlen] = '\n';
	memcpy(out + textlen + 1, line, ll);
	*outlen = textlen + 1 + ll;
	return 0;
}

/* "cosignature/v1\ntime <t>\n" || text into msg. */
static bool
cosig_message(uint64_t t, const uint8_t *text, size_t textlen, uint8_t *msg,
    size_t msgmax, size_t *msglen)
{
	int n;

	n = snprintf((char *)msg, msgmax, COSIG_HEADER "%" PRIu64 "\n", t);
	if (n < 0 || (size_t)n >= msgmax || msgmax - (size_t)n < textlen)
		return false;
	memcpy(msg + n, text, textlen);
	*msglen = (size_t)n + textlen;
	return true;
}

int
tafel_cosig_sign_line(const struct tafel_note_key *k, const uint8_t sk[64],
    uint64_t t, const uint8_t *text, size_t textlen, uint8_t *line,
    size_t linemax, size_t *linelen)
{
	uint8_t msg[64 + TAFEL_CKPT_TEXT_MAX];
	uint8_t blob[4 + 8 + crypto_sign_BYTES];
	struct tafel_checkpoint cp;
	size_t msglen;

	*linelen = 0;
	if (!signer_ok(k, sk, TAFEL_NOTE_COSIG) || t > (uint64_t)INT64_MAX ||
	    text == NULL || tafel_checkpoint_parse(text, textlen, &cp) != 0 ||
	    !cosig_message(t, text, textlen, msg, sizeof(msg), &msglen))
		return TAFEL_EINVAL;
	put_be32(blob, k->id);
	put_be64(blob + 4, t);
	if (crypto_sign_detached(blob + 12, NULL, msg, msglen, sk) != 0)
		return TAFEL_EINVAL;
	return sig_line(k->name, blob, sizeof(blob), line, linemax, linelen);
}

/* ---- Parsing and verifying notes ---- */

static int
parse_sig_line(const uint8_t *line, size_t ll, struct tafel_note_sig *s)
{
	uint8_t blob[TAFEL_NOTE_BLOB_MAX];
	const uint8_t *rest, *sp;
	size_t rl, nl, bl;

	if (ll < SIG_PREFIX_LEN || memcmp(line, SIG_PREFIX,
	    SIG_PREFIX_LEN) != 0)
		return TAFEL_EMALFORMED;
	rest = line + SIG_PREFIX_LEN;
	rl = ll - SIG_PREFIX_LEN;
	if ((sp = memchr(rest, ' ', rl)) == NULL)
		return TAFEL_EMALFORMED;
	nl = sp - rest;
	if (!tafel_note_name_valid((const char *)rest, nl))
		return TAFEL_EMALFORMED;
	if (rl - nl - 1 > sodium_base64_ENCODED_LEN(sizeof(blob), B64))
		return TAFEL_ETOOBIG;
	if (!b64_decode(sp + 1, rl - nl - 1, blob, sizeof(blob), &bl) ||
	    bl < 5)
		return TAFEL_EMALFORMED;
	s->name = (const char *)rest;
	s->namelen = nl;
	s->id = get_be32(blob);
	s->line = line;
	s->linelen = ll + 1;
	s->siglen = bl - 4;
	memset(s->sig, 0, sizeof(s->sig));
	if (s->siglen <= sizeof(s->sig))
		memcpy(s->sig, blob + 4, s->siglen);
	return 0;
}

int
tafel_note_parse(const uint8_t *buf, size_t len, struct tafel_note *n)
{
	const uint8_t *nl;
	size_t i, j, p, ll;
	int rc;

	n->text = NULL;
	n->textlen = 0;
	n->nsigs = 0;
	if (buf == NULL || len < 2)
		return TAFEL_EMALFORMED;
	if (len > TAFEL_NOTE_MAX)
		return TAFEL_ETOOBIG;
	if (buf[len - 1] != '\n' || !text_chars_ok(buf, len))
		return TAFEL_EMALFORMED;
	/* The text ends at the last "\n\n". */
	for (i = len - 1; i > 0; i--)
		if (buf[i - 1] == '\n' && buf[i] == '\n')
			break;
	if (i == 0)
		return TAFEL_EMALFORMED;
	p = i + 1;
	if (p >= len)
		return TAFEL_EMALFORMED;	/* no signature line */
	while (p < len) {
		struct tafel_note_sig *s;

		if (n->nsigs == TAFEL_NOTE_MAX_SIGS) {
			n->nsigs = 0;
			return TAFEL_ETOOBIG;
		}
		s = &n->sigs[n->nsigs];
		nl = memchr(buf + p, '\n', len - p);	/* buf ends in "\n" */
		ll = nl - (buf + p);
		if ((rc = parse_sig_line(buf + p, ll, s)) != 0) {
			n->nsigs = 0;
			return rc;
		}
		for (j = 0; j < n->nsigs; j++) {
			const struct tafel_note_sig *o = &n->sigs[j];

			if (o->id == s->id && o->namelen == s->namelen &&
			    memcmp(o->name, s->name, s->namelen) == 0) {
				n->nsigs = 0;
				return TAFEL_EMALFORMED;
			}
		}
		n->nsigs++;
		p += ll + 1;
	}
	n->text = buf;
	n->textlen = i;		/* buf[0..i) ends with the text's "\n" */
	return 0;
}

/* Verifies one signature line with the key it names.  0 or TAFEL_ESIG. */
static int
verify_sig(const struct tafel_note *n, const struct tafel_note_sig *s,
    const struct tafel_note_key *k, uint64_t *t)
{
	uint8_t msg[64 + TAFEL_CKPT_TEXT_MAX];
	size_t msglen;

	*t = 0;
	switch (k->type) {
	case TAFEL_NOTE_ED25519:
		if (s->siglen != crypto_sign_BYTES ||
		    crypto_sign_verify_detached(s->sig, n->text, n->textlen,
		    k->pk) != 0)
			return TAFEL_ESIG;
		return 0;
	case TAFEL_NOTE_COSIG:
		if (s->siglen != 8 + crypto_sign_BYTES)
			return TAFEL_ESIG;
		*t = get_be64(s->sig);
		if (*t > (uint64_t)INT64_MAX ||
		    !cosig_message(*t, n->text, n->textlen, msg, sizeof(msg),
		    &msglen) ||
		    crypto_sign_verify_detached(s->sig + 8, msg, msglen,
		    k->pk) != 0) {
			*t = 0;
			return TAFEL_ESIG;
		}
		return 0;
	}
	return TAFEL_ESIG;
}

int
tafel_note_verify(const struct tafel_note *n, struct tafel_note_verifier *v,
    size_t nv, size_t *nverified)
{
	size_t i, j;
	uint64_t t;

	*nverified = 0;
	if (n == NULL || n->text == NULL || (v == NULL && nv > 0))
		return TAFEL_EINVAL;
	for (j = 0; j < nv; j++) {
		v[j].verified = false;
		v[j].time = 0;
		if (!key_ok(&v[j].key))
			return TAFEL_EINVAL;
	}
	for (i = 0; i < n->nsigs; i++) {
		const struct tafel_note_sig *s = &n->sigs[i];

		for (j = 0; j < nv; j++) {
			const struct tafel_note_key *k = &v[j].key;

			if (k->id != s->id || strlen(k->name) != s->namelen ||
			    memcmp(k->name, s->name, s->namelen) != 0)
				continue;
			if (verify_sig(n, s, k, &t) != 0) {
				for (j = 0; j < nv; j++) {
					v[j].verified = false;
					v[j].time = 0;
				}
				*nverified = 0;
				return TAFEL_ESIG;
			}
			if (!v[j].verified)
				(*nverified)++;
			v[j].verified = true;
			v[j].time = t;
		}
	}
	return *nverified > 0 ? 0 : TAFEL_EPOLICY;
}

/* ---- Checkpoints ---- */

/* Next line of s[*off..len), which must end in "\n". */
static bool
next_line(const uint8_t *s, size_t len, size_t *off, const uint8_t **line,
    size_t *ll)
{
	const uint8_t *nl;

	if (*off >= len ||
	    (nl = memchr(s + *off, '\n', len - *off)) == NULL)
		return false;
	*line = s + *off;
	*ll = nl - *line;
	*off += *ll + 1;
	return true;
}

/* Extension lines: non-empty, each ending in "\n". */
static bool
ext_ok(const uint8_t *ext, size_t len)
{
	const uint8_t *line;
	size_t off = 0, ll;

	if (len == 0)
		return true;
	if (ext == NULL || ext[len - 1] != '\n' || !text_chars_ok(ext, len))
		return false;
	while (next_line(ext, len, &off, &line, &ll))
		if (ll == 0)
			return false;
	return true;
}

static const uint8_t empty_root[32] = {
	0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14,
	0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
	0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c,
	0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
};

int
tafel_checkpoint_encode(const struct tafel_checkpoint *cp, uint8_t *out,
    size_t outmax, size_t *outlen)
{
	char b64[48];
	size_t ol, max;
	int n;

	*outlen = 0;
	if (cp == NULL || out == NULL)
		return TAFEL_EINVAL;
	ol = strnlen(cp->origin, sizeof(cp->origin));
	if (ol == 0 || ol > TAFEL_CKPT_ORIGIN_MAX ||
	    !text_chars_ok((const uint8_t *)cp->origin, ol) ||
	    memchr(cp->origin, '\n', ol) != NULL ||
	    cp->size > TAFEL_MERKLE_MAX_SIZE ||
	    (cp->size == 0 && memcmp(cp->root, empty_root, 32) != 0) ||
	    !ext_ok(cp->ext, cp->extlen))
		return TAFEL_EINVAL;
	if (!b64_encode(b64, sizeof(b64), cp->root, 32))
		return TAFEL_EINVAL;
	max = outmax < TAFEL_CKPT_TEXT_MAX ? outmax : TAFEL_CKPT_TEXT_MAX;
	n = snprintf((char *)out, outmax, "%s\n%" PRIu64 "\n%s\n", cp->origin,
	    cp->size, b64);
	if (n < 0 || (size_t)n >= outmax || (size_t)n > max ||
	    max - (size_t)n < cp->extlen)
		return TAFEL_EINVAL;
	if (cp->extlen > 0)
		memcpy(out + n, cp->ext, cp->extlen);
	*outlen = (size_t)n + cp->extlen;
	return 0;
}

int
tafel_checkpoint_parse(const uint8_t *text, size_t len,
    struct tafel_checkpoint *cp)
{
	const uint8_t *line;
	size_t off = 0, ll, got;

	memset(cp, 0, sizeof(*cp));
	if (text == NULL || len == 0)
		return TAFEL_EMALFORMED;
	if (len > TAFEL_CKPT_TEXT_MAX)
		return TAFEL_ETOOBIG;
	if (text[len - 1] != '\n' || !text_chars_ok(text, len))
		return TAFEL_EMALFORMED;
	/* Origin. */
	if (!next_line(text, len, &off, &line, &ll) || ll == 0)
		goto bad;
	if (ll > TAFEL_CKPT_ORIGIN_MAX) {
		memset(cp, 0, sizeof(*cp));
		return TAFEL_ETOOBIG;
	}
	memcpy(cp->origin, line, ll);
	/* Size. */
	if (!next_line(text, len, &off, &line, &ll) ||
	    !parse_dec(line, ll, TAFEL_MERKLE_MAX_SIZE, &cp->size))
		goto bad;
	/* Root. */
	if (!next_line(text, len, &off, &line, &ll) || ll != 44 ||
	    !b64_decode(line, ll, cp->root, 32, &got) || got != 32)
		goto bad;
	if (cp->size == 0 && memcmp(cp->root, empty_root, 32) != 0)
		goto bad;
	/* Extension lines. */
	if (off < len) {
		cp->ext = text + off;
		cp->extlen = len - off;
		if (!ext_ok(cp->ext, cp->extlen))
			goto bad;
	}
	return 0;
bad:
	memset(cp, 0, sizeof(*cp));
	return TAFEL_EMALFORMED;
}

/* ---- tlog-proof ---- */

struct wbuf {
	uint8_t	*p;
	size_t	 cap;
	size_t	 len;
	bool	 err;
};

static void
wput(struct wbuf *w, const void *data, size_t n)
{
	if (w->err || w->cap - w->len < n) {
		w->err = true;
		return;
	}
	memcpy(w->p + w->len, data, n);
	w->len += n;
}

static void
wputs(struct wbuf *w, const char *s)
{
	wput(w, s, strlen(s));
}

int
tafel_tlog_proof_encode(const uint8_t *extra, size_t extralen,
    uint64_t index, const uint8_t (*proof)[32], size_t nproof,
    const uint8_t *note, size_t notelen, uint8_t *out, size_t outmax,
    size_t *outlen)
{
	struct tafel_note n;
	struct tafel_checkpoint cp;
	struct wbuf w = { out, outmax, 0, out == NULL };
	char b64[sodium_base64_ENCODED_LEN(TAFEL_TLOG_PROOF_EXTRA_MAX, B64)];
	char num[24];
	size_t i;
	int k;

	*outlen = 0;
	if ((extra != NULL && extralen > TAFEL_TLOG_PROOF_EXTRA_MAX) ||
	    nproof > TAFEL_MERKLE_MAX_PROOF || (nproof > 0 && proof == NULL) ||
	    tafel_note_parse(note, notelen, &n) != 0 ||
	    tafel_checkpoint_parse(n.text, n.textlen, &cp) != 0 ||
	    index >= cp.size)
		return TAFEL_EINVAL;
	wputs(&w, TAFEL_TLOG_PROOF_HEADER "\n");
	if (extra != NULL) {
		if (!b64_encode(b64, sizeof(b64), extra, extralen))
			return TAFEL_EINVAL;
		wputs(&w, "extra ");
		wputs(&w, b64);
		wputs(&w, "\n");
	}
	k = snprintf(num, sizeof(num), "index %" PRIu64 "\n", index);
	if (k < 0 || (size_t)k >= sizeof(num))
		return TAFEL_EINVAL;
	wputs(&w, num);
	for (i = 0; i < nproof; i++) {
		if (!b64_encode(b64, sizeof(b64), proof[i], 32))
			return TAFEL_EINVAL;
		wputs(&w, b64);
		wputs(&w, "\n");
	}
	wputs(&w, "\n");
	wput(&w, note, notelen);
	if (w.err)
		return TAFEL_EINVAL;
	*outlen = w.len;
	return 0;
}

int
tafel_tlog_proof_parse(const uint8_t *buf, size_t len,
    struct tafel_tlog_proof *p)
{
	static const char hdr[] = TAFEL_TLOG_PROOF_HEADER;
	const uint8_t *line;
	size_t off = 0, ll, got;
	int rc = TAFEL_EMALFORMED;

	p->has_extra = false;
	p->extralen = 0;
	p->index = 0;
	p->nproof = 0;
	p->note = NULL;
	p->notelen = 0;
	if (buf == NULL)
		return TAFEL_EMALFORMED;
	if (len > TAFEL_TLOG_PROOF_MAX)
		return TAFEL_ETOOBIG;
	if (!next_line(buf, len, &off, &line, &ll) || ll != sizeof(hdr) - 1 ||
	    memcmp(line, hdr, ll) != 0)
		return TAFEL_EMALFORMED;
	if (!next_line(buf, len, &off, &line, &ll))
		return TAFEL_EMALFORMED;
	if (ll >= 6 && memcmp(line, "extra ", 6) == 0) {
		if (ll - 6 > sodium_base64_ENCODED_LEN(sizeof(p->extra), B64)) {
			rc = TAFEL_ETOOBIG;
			goto fail;
		}
		if (!b64_decode(line + 6, ll - 6, p->extra, sizeof(p->extra),
		    &p->extralen))
			goto fail;
		p->has_extra = true;
		if (!next_line(buf, len, &off, &line, &ll))
			goto fail;
	}
	if (ll < 6 || memcmp(line, "index ", 6) != 0 ||
	    !parse_dec(line + 6, ll - 6, TAFEL_MERKLE_MAX_SIZE, &p->index))
		goto fail;
	for (;;) {
		if (!next_line(buf, len, &off, &line, &ll))
			goto fail;
		if (ll == 0)
			break;
		if (p->nproof == TAFEL_MERKLE_MAX_PROOF) {
			rc = TAFEL_ETOOBIG;
			goto fail;
		}
		if (ll != 44 || !b64_decode(line, ll, p->proof[p->nproof], 32,
		    &got) || got != 32)
			goto fail;
		p->nproof++;
	}
	p->note = buf + off;
	p->notelen = len - off;
	if ((rc = tafel_note_parse(p->note, p->notelen, &p->n)) != 0 ||
	    (rc = tafel_checkpoint_parse(p->n.text, p->n.textlen,
	    &p->cp)) != 0)
		goto fail;
	rc = TAFEL_EMALFORMED;
	if (p->index >= p->cp.size)
		goto fail;
	return 0;
fail:
	p->has_extra = false;
	p->extralen = 0;
	p->nproof = 0;
	p->note = NULL;
	p->notelen = 0;
	return rc;
}

int
tafel_tlog_proof_verify(const struct tafel_tlog_proof *p,
    const uint8_t leaf_hash[32], struct tafel_note_verifier *v, size_t nv,
    size_t *nverified)
{
	int rc;

	*nverified = 0;
	if (p == NULL || p->note == NULL)
		return TAFEL_EINVAL;
	if ((rc = tafel_note_verify(&p->n, v, nv, nverified)) != 0)
		return rc;
	return tafel_merkle_verify_inclusion(p->index, p->cp.size, leaf_hash,
	    p->proof, p->nproof, p->cp.root);
}
