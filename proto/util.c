/*
 * Identifiers, hex, fingerprints, armour, dates and error strings.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE		/* strptime(3), timegm(3), strnlen(3) */
#endif

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tafel/tafel.h"
#include "tafel/util.h"

const char *
tafel_strerror(int code)
{
	switch (code) {
	case TAFEL_OK:
		return "success";
	case TAFEL_EMALFORMED:
		return "malformed input";
	case TAFEL_ETOOBIG:
		return "input exceeds a size limit";
	case TAFEL_EVERSION:
		return "unsupported format version";
	case TAFEL_ESIG:
		return "signature does not verify";
	case TAFEL_EDECRYPT:
		return "decryption failed";
	case TAFEL_ENOTFOR:
		return "not addressed to this organisation";
	case TAFEL_ENOMEM:
		return "out of memory";
	case TAFEL_EINVAL:
		return "invalid argument";
	case TAFEL_EPOLICY:
		return "refused by policy";
	}
	return "unknown error";
}

bool
tafel_id_validn(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > TAFEL_ORG_MAX)
		return false;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			continue;
		if (c == '-' && i > 0)
			continue;
		return false;
	}
	return true;
}

bool
tafel_id_valid(const char *s)
{
	return s != NULL && tafel_id_validn(s, strnlen(s, TAFEL_ORG_MAX + 1));
}

void
tafel_hex(char *hex, const uint8_t *bin, size_t len)
{
	sodium_bin2hex(hex, 2 * len + 1, bin, len);
}

int
tafel_unhex(uint8_t *bin, size_t len, const char *hex)
{
	size_t got;
	const char *end;

	if (hex == NULL || strlen(hex) != 2 * len)
		return TAFEL_EMALFORMED;
	if (sodium_hex2bin(bin, len, hex, 2 * len, NULL, &got, &end) != 0 ||
	    got != len || *end != '\0')
		return TAFEL_EMALFORMED;
	return 0;
}

void
tafel_fingerprint(char out[TAFEL_FPR_LEN + 1], const uint8_t hash[32])
{
	char *p = out;
	int i;

	for (i = 0; i < 6; i++) {
		uint64_t v = 0;
		int k;

		for (k = 0; k < 5; k++)
			v = (v << 8) | hash[5 * i + k];
		/* 6 bytes: five digits and a space or the NUL. */
		snprintf(p, 6, "%05u", (unsigned)(v % 100000));
		p += 5;
		*p++ = i < 5 ? ' ' : '\0';
	}
}

#define ARMOR_COLS	64

int
tafel_armor_encode(const char *label, const char *comments,
    const uint8_t *bin, size_t len, char **out)
{
	size_t b64len, cap, off, i;
	char *b64, *s;
	int n;

	*out = NULL;
	if (label == NULL || bin == NULL || len == 0 || len > 16 * 1024 * 1024)
		return TAFEL_EINVAL;
	if (comments == NULL)
		comments = "";
	b64len = sodium_base64_ENCODED_LEN(len,
	    sodium_base64_VARIANT_ORIGINAL);
	if ((b64 = malloc(b64len)) == NULL)
		return TAFEL_ENOMEM;
	sodium_bin2base64(b64, b64len, bin, len,
	    sodium_base64_VARIANT_ORIGINAL);
	b64len = strlen(b64);
	cap = 2 * (strlen(label) + 32) + strlen(comments) + 2 + b64len +
	    b64len / ARMOR_COLS + 2;
	if ((s = malloc(cap)) == NULL) {
		free(b64);
		return TAFEL_ENOMEM;
	}
	n = snprintf(s, cap, "-----BEGIN TAFEL %s-----\n%s\n", label, comments);
	if (n < 0 || (size_t)n >= cap)
		goto toobig;
	off = n;
	for (i = 0; i < b64len; i += ARMOR_COLS) {
		size_t k = b64len - i < ARMOR_COLS ? b64len - i : ARMOR_COLS;

		if (off + k + 1 >= cap)
			goto toobig;
		memcpy(s + off, b64 + i, k);
		off += k;
		s[off++] = '\n';
	}
	n = snprintf(s + off, cap - off, "-----END TAFEL %s-----\n", label);
	if (n < 0 || (size_t)n >= cap - off)
		goto toobig;
	free(b64);
	*out = s;
	return 0;
toobig:
	free(b64);
	free(s);
	return TAFEL_EINVAL;
}

/* Next line of text[*off..len): sets *line, *n (without CR LF). */
static bool
next_line(const char *text, size_t len, size_t *off, const char **line,
    size_t *n)
{
	const char *nl;

	if (*off >= len)
		return false;
	*line = text + *off;
	nl = memchr(*line, '\n', len - *off);
	if (nl == NULL) {
		*n = len - *off;
		*off = len;
	} else {
		*n = nl - *line;
		*off += *n + 1;
	}
	if (*n > 0 && (*line)[*n - 1] == '\r')
		(*n)--;
	return true;
}

/*
 * Only the standard base64 alphabet and '=': libsodium 1.0.18 decodes
 * any byte from 0x80 up as '/', so it cannot be left to check this.
 */
static bool
b64_alphabet(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '='))
			return false;
	}
	return true;
}

static bool
line_is(const char *line, size_t n, const char *what, const char *label)
{
	char want[128];
	int k;

	k = snprintf(want, sizeof(want), "-----%s TAFEL %s-----", what, label);
	return k > 0 && (size_t)k < sizeof(want) && (size_t)k == n &&
	    memcmp(line, want, n) == 0;
}

int
tafel_armor_decode(const char *label, const char *text, size_t textlen,
    size_t maxlen, uint8_t **bin, size_t *len, char **comments)
{
	const char *line;
	size_t n, off = 0, coff = 0, boff = 0, got;
	char *c = NULL, *b64 = NULL;
	uint8_t *out = NULL;
	int r = TAFEL_EMALFORMED, state = 0;

	*bin = NULL;
	*len = 0;
	*comments = NULL;
	if (textlen > 4 * maxlen / 3 + maxlen / 32 + 65536)
		return TAFEL_ETOOBIG;
	if ((c = malloc(textlen + 1)) == NULL ||
	    (b64 = malloc(textlen + 1)) == NULL) {
		r = TAFEL_ENOMEM;
		goto out;
	}
	while (next_line(text, textlen, &off, &line, &n)) {
		switch (state) {
		case 0:		/* BEGIN */
			if (!line_is(line, n, "BEGIN", label))
				goto out;
			state = 1;
			break;
		case 1:		/* comments until a blank line */
			if (n == 0) {
				state = 2;
				break;
			}
			if (memchr(line, '\0', n) != NULL)
				goto out;
			memcpy(c + coff, line, n);
			coff += n;
			c[coff++] = '\n';
			break;
		case 2:		/* base64 until END */
			if (line_is(line, n, "END", label)) {
				state = 3;
				break;
			}
			if (n == 0 || n > ARMOR_COLS || !b64_alphabet(line, n))
				goto out;
			memcpy(b64 + boff, line, n);
			boff += n;
			break;
		case 3:		/* only empty lines after END */
			if (n != 0)
				goto out;
			break;
		}
	}
	if (state != 3 || boff == 0)
		goto out;
	c[coff] = '\0';
	if (boff / 4 * 3 > maxlen + 3) {
		r = TAFEL_ETOOBIG;
		goto out;
	}
	if ((out = malloc(boff / 4 * 3 + 3)) == NULL) {
		r = TAFEL_ENOMEM;
		goto out;
	}
	if (sodium_base642bin(out, boff / 4 * 3 + 3, b64, boff, NULL, &got,
	    NULL, sodium_base64_VARIANT_ORIGINAL) != 0 || got == 0)
		goto out;
	if (got > maxlen) {
		r = TAFEL_ETOOBIG;
		goto out;
	}
	*bin = out;
	*len = got;
	*comments = c;
	out = NULL;
	c = NULL;
	r = 0;
out:
	free(out);
	free(c);
	free(b64);
	return r;
}

void
tafel_date(char buf[11], uint64_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, 11, "%Y-%m-%d", &tm) != 10)
		memcpy(buf, "0000-00-00", 11);
}

int
tafel_parse_date(const char *s, uint64_t *t)
{
	struct tm tm;
	char back[11];
	time_t tt;

	memset(&tm, 0, sizeof(tm));
	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return TAFEL_EMALFORMED;
	if (strptime(s, "%Y-%m-%d", &tm) == NULL)
		return TAFEL_EMALFORMED;
	if ((tt = timegm(&tm)) == (time_t)-1 || tt < 0)
		return TAFEL_EMALFORMED;
	tafel_date(back, (uint64_t)tt);
	if (strcmp(back, s) != 0)	/* 2026-02-31 and the like */
		return TAFEL_EMALFORMED;
	*t = (uint64_t)tt;
	return 0;
}
