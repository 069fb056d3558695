/*
 * Unit tests for proto/util.c: identifiers, hex, fingerprints, armour,
 * dates and error strings.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tafel/tafel.h"
#include "tafel/util.h"

static void
test_id_valid(void **state)
{
	char s[80];

	assert_true(tafel_id_valid("politie-aalst"));
	assert_true(tafel_id_valid("a"));
	assert_true(tafel_id_valid("9"));
	assert_true(tafel_id_valid("caw-oost-vlaanderen-2"));
	assert_false(tafel_id_valid(NULL));
	assert_false(tafel_id_valid(""));
	assert_false(tafel_id_valid("-a"));
	assert_false(tafel_id_valid("A"));
	assert_false(tafel_id_valid("a_b"));
	assert_false(tafel_id_valid("a b"));
	assert_false(tafel_id_valid("a/b"));
	assert_false(tafel_id_valid("a\n"));
	assert_false(tafel_id_valid("caf\xc3\xa9"));
	memset(s, 'x', sizeof(s));
	s[TAFEL_ORG_MAX] = '\0';
	assert_true(tafel_id_valid(s));
	s[TAFEL_ORG_MAX] = 'x';
	s[TAFEL_ORG_MAX + 1] = '\0';
	assert_false(tafel_id_valid(s));
	/* Counted: the bytes after n do not matter, the ones before do. */
	assert_true(tafel_id_validn("abc!", 3));
	assert_false(tafel_id_validn("abc!", 4));
	assert_false(tafel_id_validn("ab\0c", 4));
	assert_false(tafel_id_validn("abc", 0));
}

static void
test_hex(void **state)
{
	const uint8_t bin[4] = { 0x00, 0x9a, 0xff, 0x10 };
	uint8_t back[4];
	char hex[9];

	tafel_hex(hex, bin, sizeof(bin));
	assert_string_equal(hex, "009aff10");
	assert_int_equal(tafel_unhex(back, sizeof(back), hex), 0);
	assert_memory_equal(back, bin, sizeof(bin));
	assert_int_equal(tafel_unhex(back, 4, "009aff1"), TAFEL_EMALFORMED);
	assert_int_equal(tafel_unhex(back, 4, "009aff100"), TAFEL_EMALFORMED);
	assert_int_equal(tafel_unhex(back, 4, "009aff1g"), TAFEL_EMALFORMED);
	assert_int_equal(tafel_unhex(back, 4, "009a ff1"), TAFEL_EMALFORMED);
	assert_int_equal(tafel_unhex(back, 4, NULL), TAFEL_EMALFORMED);
	tafel_hex(hex, bin, 0);
	assert_string_equal(hex, "");
}

static void
test_fingerprint(void **state)
{
	uint8_t h[32];
	char f[TAFEL_FPR_LEN + 1];
	int i;

	memset(h, 0, sizeof(h));
	tafel_fingerprint(f, h);
	assert_string_equal(f, "00000 00000 00000 00000 00000 00000");
	memset(h, 0xff, sizeof(h));
	tafel_fingerprint(f, h);
	/* 0xffffffffff = 1099511627775. */
	assert_string_equal(f, "27775 27775 27775 27775 27775 27775");
	for (i = 0; i < 32; i++)
		h[i] = (uint8_t)i;
	tafel_fingerprint(f, h);
	/* 0x0001020304 = 16909060, 0x0506070809 = 21575760585, ... */
	assert_string_equal(f, "09060 60585 12110 63635 15160 66685");
	assert_int_equal(strlen(f), TAFEL_FPR_LEN);
	/* Bytes 30 and 31 are not used; byte 29 is. */
	h[31] ^= 1;
	tafel_fingerprint(f, h);
	assert_string_equal(f, "09060 60585 12110 63635 15160 66685");
	h[29] ^= 1;
	tafel_fingerprint(f, h);
	assert_string_not_equal(f, "09060 60585 12110 63635 15160 66685");
}

static const uint8_t payload[100] = "The quick brown fox jumps over the lazy "
    "dog, and then some more bytes to make two lines of base64.";

static char *
armor(const char *comments)
{
	char *t = NULL;

	assert_int_equal(tafel_armor_encode("CARD", comments, payload,
	    sizeof(payload), &t), 0);
	assert_non_null(t);
	return t;
}

static int
unarmor(const char *label, const char *text, size_t maxlen, char **comments)
{
	uint8_t *bin = NULL;
	size_t len = 99;
	char *c = NULL;
	int r;

	r = tafel_armor_decode(label, text, strlen(text), maxlen, &bin, &len,
	    &c);
	if (r == 0) {
		assert_int_equal(len, sizeof(payload));
		assert_memory_equal(bin, payload, len);
		if (comments != NULL)
			*comments = c;
		else
			free(c);
	} else {
		assert_null(bin);
		assert_null(c);
		assert_int_equal(len, 0);
	}
	free(bin);
	return r;
}

static void
test_armor_roundtrip(void **state)
{
	char *t, *c = NULL, *p;

	t = armor("Org: a\nName: b\n");
	assert_true(strncmp(t, "-----BEGIN TAFEL CARD-----\nOrg: a\nName: b\n"
	    "\n", 43) == 0);
	p = strstr(t, "-----END TAFEL CARD-----\n");
	assert_non_null(p);
	assert_int_equal(p[25], '\0');
	/* 100 bytes: 136 base64 characters, lines of 64, 64 and 8. */
	assert_non_null(strstr(t, "\n\nVGhl"));
	assert_int_equal(unarmor("CARD", t, 4096, &c), 0);
	assert_string_equal(c, "Org: a\nName: b\n");
	free(c);
	free(t);

	t = armor(NULL);
	assert_true(strncmp(t, "-----BEGIN TAFEL CARD-----\n\n", 28) == 0);
	assert_int_equal(unarmor("CARD", t, 4096, &c), 0);
	assert_string_equal(c, "");
	free(c);
	free(t);
}

/* Replaces the first "from" in t by "to" into a new string. */
static char *
edit(const char *t, const char *from, const char *to)
{
	const char *p = strstr(t, from);
	size_t n;
	char *s;

	assert_non_null(p);
	n = strlen(t) - strlen(from) + strlen(to) + 1;
	s = malloc(n);
	assert_non_null(s);
	memcpy(s, t, p - t);
	memcpy(s + (p - t), to, strlen(to));
	memcpy(s + (p - t) + strlen(to), p + strlen(from),
	    strlen(p + strlen(from)) + 1);
	return s;
}

static void
test_armor_variants(void **state)
{
	char *t, *s, *crlf;
	size_t i, j;

	t = armor("Org: a\n");
	/* CRLF line ends. */
	crlf = malloc(2 * strlen(t) + 1);
	assert_non_null(crlf);
	for (i = j = 0; t[i] != '\0'; i++) {
		if (t[i] == '\n')
			crlf[j++] = '\r';
		crlf[j++] = t[i];
	}
	crlf[j] = '\0';
	assert_int_equal(unarmor("CARD", crlf, 4096, NULL), 0);
	free(crlf);
	/* Trailing blank lines; no final newline. */
	s = edit(t, "END TAFEL CARD-----\n", "END TAFEL CARD-----\n\n\n");
	assert_int_equal(unarmor("CARD", s, 4096, NULL), 0);
	free(s);
	s = strdup(t);
	s[strlen(s) - 1] = '\0';
	assert_int_equal(unarmor("CARD", s, 4096, NULL), 0);
	free(s);
	free(t);
}

static void
test_armor_refused(void **state)
{
	char *t, *s, *s2, *p;

	t = armor("Org: a\n");
	assert_int_equal(unarmor("TABLE", t, 4096, NULL), TAFEL_EMALFORMED);
	/* Text before BEGIN and after END. */
	s = edit(t, "-----BEGIN", "hello\n-----BEGIN");
	assert_int_equal(unarmor("CARD", s, 4096, NULL), TAFEL_EMALFORMED);
	free(s);
	s = edit(t, "-----BEGIN", "\n-----BEGIN");
	assert_int_equal(unarmor("CARD", s, 4096, NULL), TAFEL_EMALFORMED);
	free(s);
	s = edit(t, "END TAFEL CARD-----\n", "END TAFEL CARD-----\nbye\n");
	assert_int_equal(unarmor("CARD", s, 4096, NULL), TAFEL_EMALFORMED);
	free(s);
	/* No END, no blank line, damaged BEGIN. */
	s = edit(t, "-----END TAFEL CARD-----\n", "");
	assert_int_equal(unarmor("CARD", s, 4096, NULL), TAFEL_EMALFORMED);
	free(s);
	s = edit(t, "Org: a\n\n", "Org: a\n");
	assert_int_equal(unarmor("CARD", s, 4096, NULL), TAFEL_EMALFORMED);
	free(s);
	s = edit(t, "-----BEGIN TAFEL CARD-----", "----BEGIN TAFEL CARD-----");
	assert_int_equal(unarmor("CARD", s, 4096, NULL), TAFEL_EMALFORMED);
	free(s);
	/* Damaged base64: a bad character, a missing character. */
	s = edit(t, "VGhl", "VG!l");
	assert_int_equal(unarmor("CARD", s, 4096, NULL), TAFEL_EMALFORMED);
	free(s);
	s = edit(t, "VGhl", "VGh");
	assert_int_equal(unarmor("CARD", s, 4096, NULL), TAFEL_EMALFORMED);
	free(s);
	/* A blank line inside the base64, and a line over 64 columns. */
	s = strdup(t);
	assert_non_null(s);
	p = strstr(s, "\n\nVGhl") + 2 + 64;
	assert_int_equal(*p, '\n');
	/* Insert a newline after the first base64 line. */
	s2 = malloc(strlen(s) + 2);
	assert_non_null(s2);
	memcpy(s2, s, (size_t)(p - s));
	s2[p - s] = '\n';
	memcpy(s2 + (p - s) + 1, p, strlen(p) + 1);
	assert_int_equal(unarmor("CARD", s2, 4096, NULL), TAFEL_EMALFORMED);
	free(s2);
	*p = 'A';			/* joins lines 1 and 2 */
	assert_int_equal(unarmor("CARD", s, 4096, NULL), TAFEL_EMALFORMED);
	free(s);
	/* No base64 at all. */
	assert_int_equal(unarmor("CARD", "-----BEGIN TAFEL CARD-----\n\n"
	    "-----END TAFEL CARD-----\n", 4096, NULL), TAFEL_EMALFORMED);
	assert_int_equal(unarmor("CARD", "", 4096, NULL), TAFEL_EMALFORMED);
	/* Over maxlen. */
	assert_int_equal(unarmor("CARD", t, 99, NULL), TAFEL_ETOOBIG);
	assert_int_equal(unarmor("CARD", t, 100, NULL), 0);
	assert_int_equal(unarmor("CARD", t, 10, NULL), TAFEL_ETOOBIG);
	free(t);
}

static void
test_armor_encode_args(void **state)
{
	char *t = (char *)1;

	assert_int_equal(tafel_armor_encode("CARD", NULL, payload, 0, &t),
	    TAFEL_EINVAL);
	assert_null(t);
	assert_int_equal(tafel_armor_encode(NULL, NULL, payload, 1, &t),
	    TAFEL_EINVAL);
	assert_int_equal(tafel_armor_encode("CARD", NULL, NULL, 1, &t),
	    TAFEL_EINVAL);
}

static void
test_dates(void **state)
{
	char buf[11];
	uint64_t t;

	tafel_date(buf, 0);
	assert_string_equal(buf, "1970-01-01");
	tafel_date(buf, 1767225600);
	assert_string_equal(buf, "2026-01-01");
	tafel_date(buf, 1767225600 + 86399);
	assert_string_equal(buf, "2026-01-01");
	assert_int_equal(tafel_parse_date("2026-01-01", &t), 0);
	assert_int_equal(t, 1767225600);
	assert_int_equal(tafel_parse_date("2028-02-29", &t), 0);
	assert_int_equal(tafel_parse_date("2026-02-29", &t), TAFEL_EMALFORMED);
	assert_int_equal(tafel_parse_date("2026-02-31", &t), TAFEL_EMALFORMED);
	assert_int_equal(tafel_parse_date("2026-13-01", &t), TAFEL_EMALFORMED);
	assert_int_equal(tafel_parse_date("2026-1-01", &t), TAFEL_EMALFORMED);
	assert_int_equal(tafel_parse_date("2026/01/01", &t), TAFEL_EMALFORMED);
	assert_int_equal(tafel_parse_date("2026-01-01x", &t),
	    TAFEL_EMALFORMED);
	assert_int_equal(tafel_parse_date("1969-12-31", &t), TAFEL_EMALFORMED);
	assert_int_equal(tafel_parse_date("", &t), TAFEL_EMALFORMED);
	assert_int_equal(tafel_parse_date(NULL, &t), TAFEL_EMALFORMED);
	/* Absurd times do not crash and give a fixed text. */
	tafel_date(buf, UINT64_MAX);
	assert_int_equal(strlen(buf), 10);
}

static void
test_strerror(void **state)
{
	static const int codes[] = { TAFEL_OK, TAFEL_EMALFORMED, TAFEL_ETOOBIG,
	    TAFEL_EVERSION, TAFEL_ESIG, TAFEL_EDECRYPT, TAFEL_ENOTFOR,
	    TAFEL_ENOMEM, TAFEL_EINVAL, TAFEL_EPOLICY };
	size_t i, j, n = sizeof(codes) / sizeof(codes[0]);

	for (i = 0; i < n; i++) {
		assert_non_null(tafel_strerror(codes[i]));
		assert_string_not_equal(tafel_strerror(codes[i]),
		    "unknown error");
		for (j = 0; j < i; j++)
			assert_string_not_equal(tafel_strerror(codes[i]),
			    tafel_strerror(codes[j]));
	}
	assert_string_equal(tafel_strerror(-1000), "unknown error");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_id_valid),
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_fingerprint),
		cmocka_unit_test(test_armor_roundtrip),
		cmocka_unit_test(test_armor_variants),
		cmocka_unit_test(test_armor_refused),
		cmocka_unit_test(test_armor_encode_args),
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_strerror),
	};

	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
