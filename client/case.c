/*
 * tafel case open, list and show, and tafel record add: the operations
 * case.open, case.list, case.show and record.add of the control socket
 * (docs/control-ops.md).
 */
#include <err.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "tafel/ctl.h"
#include "tafel/envelope.h"
#include "tafel/mp.h"
#include "tafel/table.h"
#include "tafel/tafel.h"
#include "tafel/util.h"

#define PSEUDONYM_MAX	TAFEL_PSEUDONYM_MAX
#define HEX_ID_LEN	(2 * TAFEL_ID_BYTES)

/*
 * The value of key in map, which must be an id of 32 lower-case hex
 * digits.  Caller frees the copy.
 */
static char *
reply_id(const msgpack_object *map, const char *key)
{
	char *s = ctl_str(map, key, false);
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			break;
	if (i != HEX_ID_LEN || s[i] != '\0') {
		free(s);
		errx(1, "the tafel daemon sent an answer this client does not "
		    "understand (field '%s' is not an id)", key);
	}
	return s;
}

/* Prints an array of str, joined with ", ". */
static void
print_names(const msgpack_object *arr)
{
	uint32_t i;
	char *s;

	for (i = 0; i < arr->via.array.size; i++) {
		s = ctl_strdup(&arr->via.array.ptr[i], false);
		printf("%s%s", i > 0 ? ", " : "", s);
		free(s);
	}
}

/* tafel case open */

static int
case_open(struct client *c, int argc, char **argv)
{
	struct opt o[] = {
		OPT("--table", OPT_VALUE),
		OPT("--members", OPT_VALUE),
		OPT("--pseudonym", OPT_TEXT),
	};
	char members[TAFEL_MAX_MEMBERS][TAFEL_ORG_MAX + 1];
	const char *pseudonym;
	struct tafel_mpw w;
	struct ctl_reply rep;
	size_t nmembers, i;
	char *id;

	(void)opt_parse("case open", "case", argc, argv, 2, o, 3, NULL, 0);
	opt_require("case open", &o[0], "ID");
	opt_require("case open", &o[1], "ORG[,ORG...]");
	opt_require("case open", &o[2], "TEXT");
	if (!tafel_id_valid(o[0].val))
		errx(EXIT_USAGE, "'%s' is not a table id", o[0].val);
	nmembers = opt_org_list("--members", o[1].val, members,
	    TAFEL_MAX_RECIPIENTS - 1);
	pseudonym = o[2].val;
	if (pseudonym[0] == '\0')
		errx(EXIT_USAGE, "--pseudonym needs a value");
	if (strlen(pseudonym) > PSEUDONYM_MAX)
		errx(EXIT_USAGE, "the pseudonym is too long (at most %d "
		    "bytes)", PSEUDONYM_MAX);
	if (!text_valid(pseudonym, strlen(pseudonym), false))
		errx(EXIT_USAGE, "the pseudonym must be UTF-8 text on one "
		    "line");

	tafel_mpw_init(&w);
	tafel_ctl_req_begin(&w, "case.open");
	tafel_mpw_map(&w, 3);
	tafel_mpw_str(&w, "table");
	tafel_mpw_str(&w, o[0].val);
	tafel_mpw_str(&w, "members");
	tafel_mpw_array(&w, nmembers);
	for (i = 0; i < nmembers; i++)
		tafel_mpw_str(&w, members[i]);
	tafel_mpw_str(&w, "pseudonym");
	tafel_mpw_str(&w, pseudonym);
	ctl_call(c, &w, &rep);

	id = reply_id(rep.data, "case");
	printf("opened case \"%s\" in table %s, shared with ", pseudonym,
	    o[0].val);
	for (i = 0; i < nmembers; i++)
		printf("%s%s", i > 0 ? ", " : "", members[i]);
	printf("; its id:\n%s\n", id);
	free(id);
	ctl_reply_free(&rep);
	return 0;
}

/* tafel case list */

static int
case_list(struct client *c, int argc, char **argv)
{
	struct opt o[] = {
		OPT("--json", OPT_FLAG),
	};
	const msgpack_object *cases, *e;
	struct tafel_mpw w;
	struct ctl_reply rep;
	char date[11], *id, *table, *pseudonym;
	size_t width = 5, n;
	uint32_t i;

	(void)opt_parse("case list", "case", argc, argv, 2, o, 1, NULL, 0);
	tafel_mpw_init(&w);
	tafel_ctl_req_begin(&w, "case.list");
	tafel_mpw_map(&w, 0);
	ctl_call(c, &w, &rep);
	if (o[0].seen) {
		json_print(stdout, rep.data);
		ctl_reply_free(&rep);
		return 0;
	}

	cases = ctl_field(rep.data, "cases", MSGPACK_OBJECT_ARRAY);
	if (cases->via.array.size == 0) {
		printf("no cases yet\n");
		ctl_reply_free(&rep);
		return 0;
	}
	for (i = 0; i < cases->via.array.size; i++) {
		e = ctl_field(&cases->via.array.ptr[i], "table",
		    MSGPACK_OBJECT_STR);
		if ((n = e->via.str.size) > width)
			width = n;
	}
	printf("%-*s  %-*s  %7s  %-10s  %s\n", HEX_ID_LEN, "CASE", (int)width,
	    "TABLE", "RECORDS", "OPENED", "PSEUDONYM");
	for (i = 0; i < cases->via.array.size; i++) {
		e = &cases->via.array.ptr[i];
		id = reply_id(e, "case");
		table = ctl_str(e, "table", false);
		pseudonym = ctl_str(e, "pseudonym", false);
		tafel_date(date, ctl_uint(e, "opened"));
		printf("%-*s  %-*s  %7" PRIu64 "  %-10s  %s\n", HEX_ID_LEN, id,
		    (int)width, table, ctl_uint(e, "records"), date,
		    pseudonym);
		free(id);
		free(table);
		free(pseudonym);
	}
	ctl_reply_free(&rep);
	return 0;
}

/* tafel case show */

/* Prints text with every line indented by four spaces. */
static void
print_indented(const char *text)
{
	const char *p = text, *nl;

	while (*p != '\0') {
		nl = strchr(p, '\n');
		if (nl == NULL)
			nl = p + strlen(p);
		printf("    %.*s\n", (int)(nl - p), p);
		p = *nl == '\n' ? nl + 1 : nl;
	}
}

static void
print_event(const msgpack_object *e)
{
	char when[32], *type, *from, *by, *cat, *text;

	fmt_time(when, ctl_uint(e, "time"));
	type = ctl_str(e, "type", false);
	from = ctl_str(e, "from", false);
	by = ctl_str(e, "by", false);
	cat = ctl_str(e, "category", false);
	text = ctl_str(e, "text", true);

	printf("%s  %s", when, from);
	if (by[0] != '\0')
		printf(" (%s)", by);
	if (strcmp(type, "open") == 0)
		printf(": opened the case\n");
	else if (strcmp(type, "record") == 0) {
		printf(": %s\n", cat);
		if (text[0] != '\0')
			print_indented(text);
		else
			printf("    (the content is not shared with your "
			    "organisation)\n");
	} else {
		printf(": %s%s%s\n", type, cat[0] != '\0' ? " " : "", cat);
		if (text[0] != '\0')
			print_indented(text);
	}
	free(type);
	free(from);
	free(by);
	free(cat);
	free(text);
}

static int
case_show(struct client *c, int argc, char **argv)
{
	struct opt o[] = {
		OPT("--json", OPT_FLAG),
	};
	const msgpack_object *d, *events;
	struct tafel_mpw w;
	struct ctl_reply rep;
	char caseid[HEX_ID_LEN + 1], when[32], *pos[1], *s;
	uint32_t i;

	if (opt_parse("case show", "case", argc, argv, 2, o, 1, pos, 1) != 1)
		errx(EXIT_USAGE, "case show needs a CASE id (see: tafel "
		    "case list)");
	opt_case_id(pos[0], caseid);
	tafel_mpw_init(&w);
	tafel_ctl_req_begin(&w, "case.show");
	tafel_mpw_map(&w, 1);
	tafel_mpw_str(&w, "case");
	tafel_mpw_str(&w, caseid);
	ctl_call(c, &w, &rep);
	d = rep.data;
	if (o[0].seen) {
		json_print(stdout, d);
		ctl_reply_free(&rep);
		return 0;
	}

	s = reply_id(d, "case");
	printf("Case:      %s\n", s);
	free(s);
	s = ctl_str(d, "table", false);
	printf("Table:     %s\n", s);
	free(s);
	s = ctl_str(d, "pseudonym", false);
	printf("Pseudonym: %s\n", s);
	free(s);
	s = ctl_str(d, "owner", false);
	printf("Owner:     %s\n", s);
	free(s);
	printf("Members:   ");
	print_names(ctl_field(d, "members", MSGPACK_OBJECT_ARRAY));
	printf("\n");
	fmt_time(when, ctl_uint(d, "opened"));
	printf("Opened:    %s\n", when);

	events = ctl_field(d, "events", MSGPACK_OBJECT_ARRAY);
	for (i = 0; i < events->via.array.size; i++) {
		printf("\n");
		print_event(&events->via.array.ptr[i]);
	}
	ctl_reply_free(&rep);
	return 0;
}

static const struct {
	const char	*name;
	int		(*fn)(struct client *, int, char **);
} case_cmds[] = {
	{ "open", case_open },
	{ "list", case_list },
	{ "show", case_show },
};

int
case_main(struct client *c, int argc, char **argv)
{
	size_t i;

	if (argc < 2)
		errx(EXIT_USAGE, "case needs a subcommand: open, list or "
		    "show");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage_print(stdout, "case");
		return 0;
	}
	for (i = 0; i < sizeof(case_cmds) / sizeof(case_cmds[0]); i++)
		if (strcmp(argv[1], case_cmds[i].name) == 0)
			return case_cmds[i].fn(c, argc, argv);
	errx(EXIT_USAGE, "unknown subcommand 'case %s' (open, list or show)",
	    argv[1]);
}

/* tafel record add */

/* Reads all of standard input, up to max bytes. */
static char *
read_stdin(size_t max, size_t *len)
{
	char *buf;
	size_t off = 0;
	ssize_t n;

	if (isatty(STDIN_FILENO))
		fprintf(stderr, "Type the record; end it with Ctrl-D on a "
		    "line of its own.\n");
	if ((buf = malloc(max + 2)) == NULL)
		err(1, NULL);
	while (off <= max) {
		if ((n = read(STDIN_FILENO, buf + off, max + 1 - off)) == -1) {
			if (errno == EINTR)
				continue;
			err(1, "cannot read the record from standard input");
		}
		if (n == 0)
			break;
		off += (size_t)n;
	}
	if (off > max)
		errx(1, "the record is too long (at most %d bytes)",
		    TAFEL_MAX_TEXT);
	buf[off] = '\0';
	*len = off;
	return buf;
}

/*
 * Makes text ready to share: CR LF line ends become LF, and line ends at
 * the end are dropped.  Then checks size and encoding.
 */
static size_t
record_text_check(char *text, size_t len)
{
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		if (text[i] == '\r' && i + 1 < len && text[i + 1] == '\n')
			continue;
		text[o++] = text[i];
	}
	while (o > 0 && text[o - 1] == '\n')
		o--;
	text[o] = '\0';
	if (o == 0)
		errx(1, "the record is empty");
	if (o > TAFEL_MAX_TEXT)
		errx(1, "the record is too long (%zu bytes; at most %d)", o,
		    TAFEL_MAX_TEXT);
	if (text_valid(text, o, true))
		return o;
	for (i = 0; i < o; i++) {
		unsigned char ch = (unsigned char)text[i];

		if ((ch < 0x20 && ch != '\t' && ch != '\n') || ch == 0x7f)
			errx(1, "the record holds a control character (byte "
			    "%zu); only tabs and line ends are allowed",
			    i + 1);
	}
	errx(1, "the record is not UTF-8 text; save it as UTF-8 and try "
	    "again");
}

static int
record_add(struct client *c, int argc, char **argv)
{
	struct opt o[] = {
		OPT("--category", OPT_VALUE),
		OPT("--text", OPT_TEXT),
		OPT("--file", OPT_VALUE),
	};
	char caseid[HEX_ID_LEN + 1], cats[256], *pos[1], *text, *id;
	struct tafel_mpw w;
	struct ctl_reply rep;
	size_t len;

	if (opt_parse("record add", "record", argc, argv, 2, o, 3, pos,
	    1) != 1)
		errx(EXIT_USAGE, "record add needs a CASE id (see: tafel "
		    "case list)");
	opt_case_id(pos[0], caseid);
	opt_require("record add", &o[0], "CATEGORY");
	if (tafel_cat_index(o[0].val) < 0) {
		names_join(cats, sizeof(cats), tafel_categories, TAFEL_NCATS);
		errx(EXIT_USAGE, "unknown category '%s' (one of: %s)",
		    o[0].val, cats);
	}
	if (o[1].seen && o[2].seen)
		errx(EXIT_USAGE, "give --text or --file, not both");
	state_need(c);

	/* Room for CR LF line ends, which become LF. */
	if (o[1].seen) {
		len = strlen(o[1].val);
		if (len > 2 * TAFEL_MAX_TEXT)
			errx(1, "the record is too long (at most %d bytes)",
			    TAFEL_MAX_TEXT);
		if ((text = strdup(o[1].val)) == NULL)
			err(1, NULL);
	} else if (o[2].seen)
		text = file_read(o[2].val, 2 * TAFEL_MAX_TEXT, "record", &len);
	else
		text = read_stdin(2 * TAFEL_MAX_TEXT, &len);
	len = record_text_check(text, len);

	tafel_mpw_init(&w);
	tafel_ctl_req_begin(&w, "record.add");
	tafel_mpw_map(&w, 3);
	tafel_mpw_str(&w, "case");
	tafel_mpw_str(&w, caseid);
	tafel_mpw_str(&w, "category");
	tafel_mpw_str(&w, o[0].val);
	tafel_mpw_str(&w, "text");
	tafel_mpw_strn(&w, text, len);
	free(text);
	ctl_call(c, &w, &rep);

	id = reply_id(rep.data, "record");
	printf("shared record %s in case %s\n", id, caseid);
	free(id);
	ctl_reply_free(&rep);
	return 0;
}

int
record_main(struct client *c, int argc, char **argv)
{
	if (argc < 2)
		errx(EXIT_USAGE, "record needs a subcommand: add");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage_print(stdout, "record");
		return 0;
	}
	if (strcmp(argv[1], "add") == 0)
		return record_add(c, argc, argv);
	errx(EXIT_USAGE, "unknown subcommand 'record %s' (add)", argv[1]);
}
