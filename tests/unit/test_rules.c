/*
 * The rules text format: parse, format, round trip and refusals.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "tafel/table.h"

static int
parse(const char *text, struct tafel_rules *r, unsigned *line,
    const char **why)
{
	return tafel_rules_parse(text, strlen(text), r, line, why);
}

static void
test_default_round_trip(void **state)
{
	struct tafel_rules d, back;
	const char *why;
	unsigned line;
	char *text;

	tafel_rules_default(&d);
	assert_int_equal(tafel_rules_format(&d, &text), 0);
	/* The default: only the coordinator opens; the auditor gets nothing. */
	assert_non_null(strstr(text, "open coordinator\n"));
	assert_non_null(strstr(text, "send police all\n"));
	assert_null(strstr(text, "auditor"));
	assert_int_equal(parse(text, &back, &line, &why), 0);
	assert_memory_equal(&d, &back, sizeof(d));
	free(text);
}

static void
test_narrow_rules(void **state)
{
	struct tafel_rules r;
	const char *why;
	unsigned line;
	static const char text[] =
	    "# Only the police and the coordinator see identities.\r\n"
	    "open coordinator police\n"
	    "\n"
	    "send coordinator all\n"
	    "send school\tsignal   note   # schools only report\n"
	    "recv police all\n"
	    "recv school note\n"
	    "retention-days 730\n"
	    "max-record 4096\n";

	assert_int_equal(parse(text, &r, &line, &why), 0);
	assert_int_equal(r.open, (1u << tafel_role_index("coordinator")) |
	    (1u << tafel_role_index("police")));
	assert_int_equal(r.send[tafel_role_index("school")],
	    (1u << tafel_cat_index("signal")) | (1u << tafel_cat_index("note")));
	assert_int_equal(r.recv[tafel_role_index("school")],
	    1u << tafel_cat_index("note"));
	assert_int_equal(r.send[tafel_role_index("police")], 0);
	assert_int_equal(r.recv[tafel_role_index("caw")], 0);
	assert_int_equal(r.retention_days, 730);
	assert_int_equal(r.max_record, 4096);
}

static void
test_refusals(void **state)
{
	static const struct {
		const char	*text;
		unsigned	 line;
	} bad[] = {
		{ "open mayor\nretention-days 1\nmax-record 1\n", 1 },
		{ "open coordinator\nsend police gossip\nretention-days 1\n"
		    "max-record 1\n", 2 },
		{ "open coordinator\nsend police note\nsend police signal\n"
		    "retention-days 1\nmax-record 1\n", 3 },
		{ "open coordinator\nsend police note note\nretention-days 1\n"
		    "max-record 1\n", 2 },
		{ "open coordinator\nsend police\nretention-days 1\n"
		    "max-record 1\n", 2 },
		{ "open coordinator\nretention-days 0\nmax-record 1\n", 2 },
		{ "open coordinator\nretention-days 36501\nmax-record 1\n", 2 },
		{ "open coordinator\nretention-days 07\nmax-record 1\n", 2 },
		{ "open coordinator\nretention-days 1\nmax-record 262145\n", 3 },
		{ "open coordinator\nretention-days 1\nmax-record -1\n", 3 },
		{ "open coordinator\nretention-days 1 2\nmax-record 1\n", 2 },
		{ "open coordinator\nopen police\nretention-days 1\n"
		    "max-record 1\n", 2 },
		{ "open coordinator\nshare police all\nretention-days 1\n"
		    "max-record 1\n", 2 },
		{ "open coordinator coordinator\nretention-days 1\n"
		    "max-record 1\n", 1 },
		{ "retention-days 1\nmax-record 1\n", 0 },
		{ "open coordinator\nmax-record 1\n", 0 },
		{ "open coordinator\nretention-days 1\n", 0 },
		{ "open coordinator\nsend police all note\nretention-days 1\n"
		    "max-record 1\n", 2 },
	};
	struct tafel_rules r;
	const char *why;
	unsigned line;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		assert_int_not_equal(parse(bad[i].text, &r, &line, &why), 0);
		assert_non_null(why);
		assert_int_equal(line, bad[i].line);
	}
}

static void
test_nul_and_long_lines(void **state)
{
	struct tafel_rules r;
	const char *why;
	unsigned line;
	char *big;

	assert_int_not_equal(tafel_rules_parse("open coordinator\0x\n", 19, &r,
	    &line, &why), 0);
	big = malloc(70000);
	memset(big, ' ', 70000);
	assert_int_equal(tafel_rules_parse(big, 70000, &r, &line, &why),
	    TAFEL_ETOOBIG);
	assert_int_not_equal(tafel_rules_parse(big, 1000, &r, &line, &why), 0);
	assert_int_equal(line, 1);
	free(big);
}

static void
test_minors(void **state)
{
	struct tafel_rules r, back;
	const char *why;
	unsigned line;
	char *text;
	static const char ok[] =
	    "open coordinator\n"
	    "send coordinator all\n"
	    "recv school all\n"
	    "minors school identity assessment\n"
	    "minors youth all\n"
	    "retention-days 730\n"
	    "max-record 4096\n";

	assert_int_equal(parse(ok, &r, &line, &why), 0);
	assert_int_equal(r.minors[tafel_role_index("school")],
	    (1u << tafel_cat_index("identity")) |
	    (1u << tafel_cat_index("assessment")));
	assert_int_equal(r.minors[tafel_role_index("youth")], 0x3f);
	assert_int_equal(r.minors[tafel_role_index("police")], 0);
	assert_false(tafel_rules_minor_allows(&r, "school", "identity"));
	assert_true(tafel_rules_minor_allows(&r, "school", "note"));
	assert_false(tafel_rules_minor_allows(&r, "youth", "note"));
	assert_true(tafel_rules_minor_allows(&r, "police", "identity"));
	assert_int_equal(tafel_rules_format(&r, &text), 0);
	assert_non_null(strstr(text, "minors school identity assessment\n"));
	assert_non_null(strstr(text, "minors youth all\n"));
	assert_int_equal(parse(text, &back, &line, &why), 0);
	assert_memory_equal(&r, &back, sizeof(r));
	free(text);

	assert_int_not_equal(parse("open\nminors school\nretention-days 1\n"
	    "max-record 1\n", &r, &line, &why), 0);
	assert_int_equal(line, 2);
	assert_string_equal(why, "expected: minors ROLE CATEGORY... (or all)");
	assert_int_not_equal(parse("open\nminors mayor note\n"
	    "retention-days 1\nmax-record 1\n", &r, &line, &why), 0);
	assert_string_equal(why, "unknown role");
	assert_int_not_equal(parse("open\nminors school gossip\n"
	    "retention-days 1\nmax-record 1\n", &r, &line, &why), 0);
	assert_string_equal(why, "unknown record category");
	assert_int_not_equal(parse("open\nminors school note\n"
	    "minors school signal\nretention-days 1\nmax-record 1\n", &r,
	    &line, &why), 0);
	assert_int_equal(line, 3);
	assert_string_equal(why, "this role already has such a line");
	assert_int_not_equal(parse("open\nminors school note note\n"
	    "retention-days 1\nmax-record 1\n", &r, &line, &why), 0);
	assert_string_equal(why, "a category is listed twice");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_round_trip),
		cmocka_unit_test(test_narrow_rules),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_nul_and_long_lines),
		cmocka_unit_test(test_minors),
	};

	return cmocka_run_group_tests_name("rules", tests, NULL, NULL);
}
