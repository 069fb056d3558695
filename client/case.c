/*
 * tafel case: the operations case.* of the control socket
 * (docs/protocol.md).
 */
#include <err.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
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
		OPT("--minor", OPT_FLAG),
	};
	char members[TAFEL_MAX_MEMBERS][TAFEL_ORG_MAX + 1];
	const char *pseudonym;
	struct tafel_mpw w;
	struct ctl_reply rep;
	size_t nmembers, i;
	char *id;

	(void)opt_parse("case open", "case", argc, argv, 2, o, 4, NULL, 0);
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
	tafel_mpw_map(&w, o[3].seen ? 4 : 3);
	tafel_mpw_str(&w, "table");
	tafel_mpw_str(&w, o[0].val);
	tafel_mpw_str(&w, "members");
	tafel_mpw_array(&w, nmembers);
	for (i = 0; i < nmembers; i++)
		tafel_mpw_str(&w, members[i]);
	tafel_mpw_str(&w, "pseudonym");
	tafel_mpw_str(&w, pseudonym);
	if (o[3].seen) {
		tafel_mpw_str(&w, "minor");
		tafel_mpw_bool(&w, true);
	}
	ctl_call(c, &w, &rep);

	id = ctl_id(rep.data, "case");
	printf("opened case \"%s\"%s in table %s, shared with ", pseudonym,
	    o[3].seen ? " (about a minor)" : "", o[0].val);
	for (i = 0; i < nmembers; i++)
		printf("%s%s", i > 0 ? ", " : "", members[i]);
	printf("; its id:\n%s\n", id);
	free(id);
	ctl_reply_free(&rep);
	return 0;
}

/* tafel case list */

/*
 * On the agenda of the next partner table: a case not closed that is new
 * (no follow-up decided), in conflict, or whose review date has come.
 */
static bool
on_agenda(const msgpack_object *e, uint64_t now)
{
	uint64_t review = ctl_uint(e, "review");
	char *fu;
	bool due;

	if (ctl_uint(e, "closed") != 0)
		return false;
	fu = ctl_str(e, "followup", false);
	due = fu[0] == '\0' || strcmp(fu, "conflict") == 0 ||
	    (review != 0 && review <= now);
	free(fu);
	return due;
}

static int
case_list(struct client *c, int argc, char **argv)
{
	struct opt o[] = {
		OPT("--json", OPT_FLAG),
		OPT("--due", OPT_FLAG),
	};
	const msgpack_object *cases, *e;
	struct ctl_pages rep;
	char date[11], rdate[11], *id, *table, *pseudonym, *fu;
	size_t width = 5, n, shown = 0;
	uint64_t now = (uint64_t)time(NULL), review;
	uint32_t i;

	(void)opt_parse("case list", "case", argc, argv, 2, o, 2, NULL, 0);
	/* Many cases come in several answers; they are shown as one. */
	ctl_call_pages(c, "case.list", NULL, NULL, 0, "cases", "case", &rep);
	if (o[0].seen && !o[1].seen) {
		json_print(stdout, &rep.data);
		ctl_pages_free(&rep);
		return 0;
	}

	cases = ctl_field(&rep.data, "cases", MSGPACK_OBJECT_ARRAY);
	if (o[0].seen) {
		/* --due --json: the same objects, only those that are due. */
		printf("{\n  \"cases\": [");
		for (i = 0; i < cases->via.array.size; i++) {
			e = &cases->via.array.ptr[i];
			if (!on_agenda(e, now))
				continue;
			printf("%s\n", shown++ ? "," : "");
			json_print(stdout, e);
		}
		printf("%s]\n}\n", shown ? "\n  " : "");
		ctl_pages_free(&rep);
		return 0;
	}
	if (cases->via.array.size == 0) {
		printf("no cases yet\n");
		ctl_pages_free(&rep);
		return 0;
	}
	for (i = 0; i < cases->via.array.size; i++) {
		e = ctl_field(&cases->via.array.ptr[i], "table",
		    MSGPACK_OBJECT_STR);
		if ((n = e->via.str.size) > width)
			width = n;
	}
	printf("%-*s  %-*s  %7s  %-10s  %-9s  %-10s  %s\n", HEX_ID_LEN,
	    "CASE", (int)width, "TABLE", "RECORDS", "OPENED", "FOLLOW-UP",
	    "REVIEW", "PSEUDONYM");
	for (i = 0; i < cases->via.array.size; i++) {
		e = &cases->via.array.ptr[i];
		review = ctl_uint(e, "review");
		if (o[1].seen && !on_agenda(e, now))
			continue;
		id = ctl_id(e, "case");
		table = ctl_str(e, "table", false);
		pseudonym = ctl_str(e, "pseudonym", false);
		fu = ctl_str(e, "followup", false);
		tafel_date(date, ctl_uint(e, "opened"));
		if (review != 0)
			tafel_date(rdate, review);
		else
			snprintf(rdate, sizeof(rdate), "-");
		printf("%-*s  %-*s  %7" PRIu64 "  %-10s  %-9s  %-10s  %s\n",
		    HEX_ID_LEN, id, (int)width, table, ctl_uint(e, "records"),
		    date, ctl_uint(e, "closed") != 0 ? "closed" :
		    fu[0] != '\0' ? fu : "new", rdate, pseudonym);
		if (ctl_bool(e, "minor"))
			printf("%-*s  (about a minor)\n", HEX_ID_LEN, "");
		shown++;
		free(fu);
		free(id);
		free(table);
		free(pseudonym);
	}
	if (o[1].seen && shown == 0)
		printf("nothing on the agenda: no case is new, in conflict or "
		    "due for review\n");
	ctl_pages_free(&rep);
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
	if (!ctl_bool(e, "content") && strcmp(type, "open") == 0)
		printf(": opened the case\n");
	else if (!ctl_bool(e, "content") && strcmp(type, "record") != 0) {
		/* A member that joined later holds only the header (8.12). */
		printf(": %s\n    (the content is not shared with your "
		    "organisation)\n", strcmp(type, "decide") == 0 ?
		    "decided on the follow-up" : strcmp(type, "members") == 0 ?
		    "changed the members" : strcmp(type, "reveal") == 0 ?
		    "cleared a member for the identity records" :
		    strcmp(type, "close") == 0 ? "closed the case" :
		    strcmp(type, "decline") == 0 ? "declines to contribute" :
		    strcmp(type, "share") == 0 ? "re-shared earlier events" :
		    type);
	} else if (strcmp(type, "open") == 0)
		printf(": opened the case\n");
	else if (strcmp(type, "record") == 0) {
		printf(": %s\n", cat);
		if (text[0] != '\0')
			print_indented(text);
		else
			printf("    (the content is not shared with your "
			    "organisation)\n");
	} else if (strcmp(type, "decide") == 0) {
		char *fu = ctl_str(e, "followup", false), rd[11];
		uint64_t review = ctl_uint(e, "review");

		printf(": decided follow-up %s", fu);
		if (review != 0) {
			tafel_date(rd, review);
			printf(", review on %s", rd);
		}
		printf("%s\n", ctl_bool(e, "conflict") ?
		    "  (IN CONFLICT with another decision)" : "");
		print_indented(text);
		free(fu);
	} else if (strcmp(type, "members") == 0) {
		const msgpack_object *a = ctl_field(e, "add",
		    MSGPACK_OBJECT_ARRAY);
		const msgpack_object *r = ctl_field(e, "remove",
		    MSGPACK_OBJECT_ARRAY);

		printf(": changed the members");
		if (a->via.array.size > 0) {
			printf("; added ");
			print_names(a);
		}
		if (r->via.array.size > 0) {
			printf("; removed ");
			print_names(r);
		}
		printf("\n");
		if (text[0] != '\0')
			print_indented(text);
	} else if (strcmp(type, "reveal") == 0) {
		char *org = ctl_str(e, "org", false);

		printf(": cleared %s for the identity records\n", org);
		print_indented(text);
		free(org);
	} else if (strcmp(type, "close") == 0) {
		printf(": closed the case\n");
		print_indented(text);
	} else if (strcmp(type, "decline") == 0) {
		printf(": declines to contribute\n");
		print_indented(text);
	} else if (strcmp(type, "share") == 0) {
		char *org = ctl_str(e, "org", false);

		printf(": re-shared %u earlier event(s) with %s\n",
		    (unsigned)ctl_field(e, "shared",
		    MSGPACK_OBJECT_ARRAY)->via.array.size, org);
		free(org);
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

/* Under one of our own events: what became of it, per recipient. */
static void
print_delivery(const msgpack_object *e)
{
	static const char *const kinds[] = { "delivered", "pending",
	    "refused", "unknown" };
	const msgpack_object *a = NULL, *r;
	char *org, *st, *why;
	uint32_t i;
	size_t k, n;

	/* Only this organisation's own events carry it. */
	for (i = 0; i < e->via.map.size; i++)
		if (tafel_mp_streq(&e->via.map.ptr[i].key, "delivery"))
			a = ctl_field(e, "delivery", MSGPACK_OBJECT_ARRAY);
	if (a == NULL)
		return;
	for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		n = 0;
		for (i = 0; i < a->via.array.size; i++) {
			r = &a->via.array.ptr[i];
			st = ctl_str(r, "status", false);
			if (strcmp(st, kinds[k]) == 0) {
				org = ctl_str(r, "org", false);
				why = ctl_str(r, "why", false);
				if (k == 2)
					printf("%s%s (%s)", n++ ? "; " :
					    "    refused by: ", org, why);
				else
					printf("%s%s", n++ ? ", " : k == 0 ?
					    "    delivered to: " : k == 1 ?
					    "    pending: " : "    unknown: ",
					    org);
				free(org);
				free(why);
			}
			free(st);
		}
		if (n > 0)
			printf("\n");
	}
}

/* Is there a decision whose content this organisation does not hold? */
static bool
hidden_decision(const msgpack_object *events)
{
	const msgpack_object *e;
	uint32_t i;
	char *type;
	bool hidden = false;

	for (i = 0; i < events->via.array.size && !hidden; i++) {
		e = &events->via.array.ptr[i];
		type = ctl_str(e, "type", false);
		hidden = strcmp(type, "decide") == 0 && !ctl_bool(e, "content");
		free(type);
	}
	return hidden;
}

struct show_args {
	const char	*caseid;
	bool		 delivery;
};

static void
show_args(struct tafel_mpw *w, const void *arg)
{
	const struct show_args *a = arg;

	tafel_mpw_str(w, "case");
	tafel_mpw_str(w, a->caseid);
	tafel_mpw_str(w, "delivery");
	tafel_mpw_bool(w, a->delivery);
}

static int
case_show(struct client *c, int argc, char **argv)
{
	struct opt o[] = {
		OPT("--json", OPT_FLAG),
		OPT("--delivery", OPT_FLAG),
	};
	const msgpack_object *d, *events;
	struct ctl_pages sh;
	struct show_args sa;
	char caseid[HEX_ID_LEN + 1], when[32], *pos[1], *s;
	uint32_t i;

	if (opt_parse("case show", "case", argc, argv, 2, o, 2, pos, 1) != 1)
		errx(EXIT_USAGE, "case show needs a CASE id (see: tafel "
		    "case list)");
	opt_case_id(pos[0], caseid);
	/*
	 * Delivery differs between members (each sees its own), so --json
	 * leaves it out unless asked: the timelines stay byte-identical.
	 * A long case comes in several answers; they are shown as one.
	 */
	sa.caseid = caseid;
	sa.delivery = !o[0].seen || o[1].seen;
	ctl_call_pages(c, "case.show", show_args, &sa, 2, "events", "hash",
	    &sh);
	d = &sh.data;
	if (o[0].seen) {
		json_print(stdout, d);
		ctl_pages_free(&sh);
		return 0;
	}

	s = ctl_id(d, "case");
	printf("Case:      %s\n", s);
	free(s);
	s = ctl_str(d, "table", false);
	printf("Table:     %s\n", s);
	free(s);
	s = ctl_str(d, "pseudonym", false);
	printf("Pseudonym: %s\n", s);
	free(s);
	if (ctl_bool(d, "minor"))
		printf("Minor:     yes: the case concerns a minor\n");
	s = ctl_str(d, "owner", false);
	printf("Owner:     %s\n", s);
	free(s);
	printf("Members:   ");
	print_names(ctl_field(d, "members", MSGPACK_OBJECT_ARRAY));
	printf("\n");
	fmt_time(when, ctl_uint(d, "opened"));
	printf("Opened:    %s\n", when);
	s = ctl_str(d, "followup", false);
	if (ctl_uint(d, "closed") != 0) {
		fmt_time(when, ctl_uint(d, "closed"));
		printf("Closed:    %s\n", when);
	}
	if (strcmp(s, "conflict") == 0)
		printf("Follow-up: CONFLICT: two decisions were taken without "
		    "knowing of each other; decide again\n");
	else if (s[0] != '\0') {
		printf("Follow-up: %s", s);
		if (ctl_uint(d, "review") != 0) {
			char rd[11];

			tafel_date(rd, ctl_uint(d, "review"));
			printf(", review on %s", rd);
		}
		printf("\n");
	} else if (hidden_decision(ctl_field(d, "events",
	    MSGPACK_OBJECT_ARRAY)))
		printf("Follow-up: decided before your organisation joined; "
		    "not shared with it (a member can: tafel case "
		    "share-history)\n");
	else
		printf("Follow-up: not decided yet\n");
	free(s);

	events = ctl_field(d, "events", MSGPACK_OBJECT_ARRAY);
	for (i = 0; i < events->via.array.size; i++) {
		printf("\n");
		print_event(&events->via.array.ptr[i]);
		print_delivery(&events->via.array.ptr[i]);
	}
	ctl_pages_free(&sh);
	return 0;
}

/* tafel case decide / close / decline */

static int
case_event(struct client *c, int argc, char **argv, const char *op)
{
	struct opt o[] = {
		OPT("--reason", OPT_TEXT),
		OPT("--followup", OPT_VALUE),
		OPT("--review", OPT_VALUE),
	};
	bool decide = strcmp(op, "decide") == 0;
	char caseid[HEX_ID_LEN + 1], cmd[32], *pos[1], *ev;
	struct tafel_mpw w;
	struct ctl_reply rep;
	uint64_t review = 0;
	size_t len;

	snprintf(cmd, sizeof(cmd), "case %s", op);
	if (opt_parse(cmd, "case", argc, argv, 2, o, decide ? 3 : 1, pos,
	    1) != 1)
		errx(EXIT_USAGE, "%s needs a CASE id", cmd);
	opt_case_id(pos[0], caseid);
	opt_require(cmd, &o[0], "TEXT");
	len = strlen(o[0].val);
	if (len == 0 || len > TAFEL_REASON_MAX || !text_valid(o[0].val, len,
	    true))
		errx(EXIT_USAGE, "--reason: give a reason of 1 to %d bytes of "
		    "text", TAFEL_REASON_MAX);
	if (decide) {
		opt_require(cmd, &o[1], "none|latent|prominent|judicial");
		if (tafel_followup_index(o[1].val) < 0)
			errx(EXIT_USAGE, "--followup must be none, latent, "
			    "prominent or judicial");
		if (o[2].seen && tafel_parse_date(o[2].val, &review) != 0)
			errx(EXIT_USAGE, "--review '%s' is not a date: write "
			    "YYYY-MM-DD", o[2].val);
	}
	tafel_mpw_init(&w);
	snprintf(cmd, sizeof(cmd), "case.%s", op);
	tafel_ctl_req_begin(&w, cmd);
	tafel_mpw_map(&w, decide ? 4 : 2);
	tafel_mpw_str(&w, "case");
	tafel_mpw_str(&w, caseid);
	tafel_mpw_str(&w, "reason");
	tafel_mpw_str(&w, o[0].val);
	if (decide) {
		tafel_mpw_str(&w, "followup");
		tafel_mpw_str(&w, o[1].val);
		tafel_mpw_str(&w, "review");
		tafel_mpw_uint(&w, review);
	}
	ctl_call(c, &w, &rep);
	ev = ctl_id(rep.data, "event");
	if (decide)
		printf("decided follow-up %s for case %s (event %s)\n",
		    o[1].val, caseid, ev);
	else
		printf("%s case %s (event %s)\n", strcmp(op, "close") == 0 ?
		    "closed" : "declined to contribute to", caseid, ev);
	free(ev);
	ctl_reply_free(&rep);
	return 0;
}

static int
case_members(struct client *c, int argc, char **argv)
{
	struct opt o[] = {
		OPT("--add", OPT_VALUE),
		OPT("--remove", OPT_VALUE),
		OPT("--reason", OPT_TEXT),
	};
	char caseid[HEX_ID_LEN + 1], *pos[1], *ev;
	char add[TAFEL_MAX_RECIPIENTS][TAFEL_ORG_MAX + 1];
	char rem[TAFEL_MAX_RECIPIENTS][TAFEL_ORG_MAX + 1];
	struct tafel_mpw w;
	struct ctl_reply rep;
	size_t nadd = 0, nrem = 0, i, len = 0;

	if (opt_parse("case members", "case", argc, argv, 2, o, 3, pos,
	    1) != 1)
		errx(EXIT_USAGE, "case members needs a CASE id");
	opt_case_id(pos[0], caseid);
	if (!o[0].seen && !o[1].seen)
		errx(EXIT_USAGE, "case members needs --add ORG[,ORG...] or "
		    "--remove ORG[,ORG...]");
	if (o[0].seen)
		nadd = opt_org_list("--add", o[0].val, add,
		    TAFEL_MAX_RECIPIENTS);
	if (o[1].seen)
		nrem = opt_org_list("--remove", o[1].val, rem,
		    TAFEL_MAX_RECIPIENTS);
	if (o[2].seen && ((len = strlen(o[2].val)) > TAFEL_REASON_MAX ||
	    !text_valid(o[2].val, len, true)))
		errx(EXIT_USAGE, "--reason: at most %d bytes of text",
		    TAFEL_REASON_MAX);
	tafel_mpw_init(&w);
	tafel_ctl_req_begin(&w, "case.members");
	tafel_mpw_map(&w, 4);
	tafel_mpw_str(&w, "case");
	tafel_mpw_str(&w, caseid);
	tafel_mpw_str(&w, "add");
	tafel_mpw_array(&w, nadd);
	for (i = 0; i < nadd; i++)
		tafel_mpw_str(&w, add[i]);
	tafel_mpw_str(&w, "remove");
	tafel_mpw_array(&w, nrem);
	for (i = 0; i < nrem; i++)
		tafel_mpw_str(&w, rem[i]);
	tafel_mpw_str(&w, "reason");
	tafel_mpw_str(&w, o[2].seen ? o[2].val : "");
	ctl_call(c, &w, &rep);
	ev = ctl_id(rep.data, "event");
	printf("members of case %s changed (event %s)\n", caseid, ev);
	free(ev);
	ctl_reply_free(&rep);
	return 0;
}

static int
case_reveal(struct client *c, int argc, char **argv)
{
	struct opt o[] = {
		OPT("--to", OPT_VALUE),
		OPT("--reason", OPT_TEXT),
	};
	char caseid[HEX_ID_LEN + 1], *pos[1], *ev;
	struct tafel_mpw w;
	struct ctl_reply rep;
	size_t len;

	if (opt_parse("case reveal", "case", argc, argv, 2, o, 2, pos, 1) != 1)
		errx(EXIT_USAGE, "case reveal needs a CASE id");
	opt_case_id(pos[0], caseid);
	opt_require("case reveal", &o[0], "ORG");
	opt_require("case reveal", &o[1], "TEXT");
	if (!tafel_id_valid(o[0].val))
		errx(EXIT_USAGE, "--to '%s' is not an organisation id",
		    o[0].val);
	len = strlen(o[1].val);
	if (len == 0 || len > TAFEL_REASON_MAX || !text_valid(o[1].val, len,
	    true))
		errx(EXIT_USAGE, "--reason: give a reason of 1 to %d bytes of "
		    "text", TAFEL_REASON_MAX);
	tafel_mpw_init(&w);
	tafel_ctl_req_begin(&w, "case.reveal");
	tafel_mpw_map(&w, 3);
	tafel_mpw_str(&w, "case");
	tafel_mpw_str(&w, caseid);
	tafel_mpw_str(&w, "to");
	tafel_mpw_str(&w, o[0].val);
	tafel_mpw_str(&w, "reason");
	tafel_mpw_str(&w, o[1].val);
	ctl_call(c, &w, &rep);
	ev = ctl_id(rep.data, "event");
	printf("%s may now receive the identity records of case %s (event "
	    "%s)\n", o[0].val, caseid, ev);
	free(ev);
	ctl_reply_free(&rep);
	return 0;
}

static int
case_share_history(struct client *c, int argc, char **argv)
{
	struct opt o[] = {
		OPT("--to", OPT_VALUE),
	};
	char caseid[HEX_ID_LEN + 1], *pos[1], *ev;
	struct tafel_mpw w;
	struct ctl_reply rep;

	if (opt_parse("case share-history", "case", argc, argv, 2, o, 1, pos,
	    1) != 1)
		errx(EXIT_USAGE, "case share-history needs a CASE id");
	opt_case_id(pos[0], caseid);
	opt_require("case share-history", &o[0], "ORG");
	if (!tafel_id_valid(o[0].val))
		errx(EXIT_USAGE, "--to '%s' is not an organisation id",
		    o[0].val);
	tafel_mpw_init(&w);
	tafel_ctl_req_begin(&w, "case.share_history");
	tafel_mpw_map(&w, 2);
	tafel_mpw_str(&w, "case");
	tafel_mpw_str(&w, caseid);
	tafel_mpw_str(&w, "to");
	tafel_mpw_str(&w, o[0].val);
	ctl_call(c, &w, &rep);
	ev = ctl_id(rep.data, "event");
	printf("re-shared %" PRIu64 " earlier event(s) of case %s with %s "
	    "(event %s)\n", ctl_uint(rep.data, "shared"), caseid, o[0].val,
	    ev);
	free(ev);
	ctl_reply_free(&rep);
	return 0;
}

static int
case_decide(struct client *c, int argc, char **argv)
{
	return case_event(c, argc, argv, "decide");
}

static int
case_close(struct client *c, int argc, char **argv)
{
	return case_event(c, argc, argv, "close");
}

static int
case_decline(struct client *c, int argc, char **argv)
{
	return case_event(c, argc, argv, "decline");
}

static const struct {
	const char	*name;
	int		(*fn)(struct client *, int, char **);
} case_cmds[] = {
	{ "open", case_open },
	{ "list", case_list },
	{ "show", case_show },
	{ "decide", case_decide },
	{ "close", case_close },
	{ "decline", case_decline },
	{ "reveal", case_reveal },
	{ "members", case_members },
	{ "share-history", case_share_history },
};

int
case_main(struct client *c, int argc, char **argv)
{
	size_t i;

	if (argc < 2)
		errx(EXIT_USAGE, "case needs a subcommand: open, list, show, "
		    "decide, close, decline, reveal, members or share-history");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage_print(stdout, "case");
		return 0;
	}
	for (i = 0; i < sizeof(case_cmds) / sizeof(case_cmds[0]); i++)
		if (strcmp(argv[1], case_cmds[i].name) == 0)
			return case_cmds[i].fn(c, argc, argv);
	errx(EXIT_USAGE, "unknown subcommand 'case %s' (open, list, show, "
	    "decide, close, decline, reveal, members or share-history)",
	    argv[1]);
}
