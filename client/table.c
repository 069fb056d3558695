/*
 * tafel table: draft, sign, fingerprint and adopt partner-table
 * documents (include/tafel/table.h).
 *
 * A draft is built in three steps, so that amendments (--from, a later
 * version of a current document) and custom rules (--rules) fit in
 * without changing the others: draft_start makes the table and its
 * lineage, draft_members adds the cards, draft_policy sets signers,
 * threshold, rules and validity.
 */
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client.h"
#include "tafel/card.h"
#include "tafel/ctl.h"
#include "tafel/keyfile.h"
#include "tafel/mp.h"
#include "tafel/table.h"
#include "tafel/tafel.h"
#include "tafel/util.h"

#define CARD_TEXT_MAX	(64 * 1024)
#define TABLE_TEXT_MAX	(2 * TAFEL_TABLE_DOC_MAX)
#define DAY		86400
#define DEFAULT_DAYS	365

/* What tafel table draft was asked for. */
struct draft {
	const char	 *table;	/* --table */
	char		**cards;	/* --cards, pointers into argv */
	int		  ncards;
	char		  signers[TAFEL_MAX_MEMBERS][TAFEL_ORG_MAX + 1];
	size_t		  nsigners;	/* --signers */
	const struct opt *threshold;	/* --threshold, checked later */
	uint64_t	  expires;	/* --expires, or 0 for the default */
	const char	 *out;		/* -o */
};

/*
 * Reads a table document in text form.  Caller owns the table and *doc
 * (the document bytes, free(3)).  Exits when it is not a valid one.
 */
static struct tafel_table *
table_read(const char *path, uint8_t **doc, size_t *doclen)
{
	struct tafel_table *t = NULL;
	char *text;
	size_t len;
	int r;

	text = file_read(path, TABLE_TEXT_MAX, "table document", &len);
	if ((r = tafel_table_from_text(text, len, doc, doclen)) != 0)
		errx(1, "%s is not a table document, or it was edited "
		    "(%s)", path, tafel_strerror(r));
	if ((r = tafel_table_decode(*doc, *doclen, &t)) != 0)
		errx(1, "%s is not a valid table document (%s)", path,
		    tafel_strerror(r));
	free(text);
	return t;
}

/* Writes t (body and signatures) to path in text form. */
static void
table_write(const struct tafel_table *t, const char *path, mode_t mode,
    bool replace)
{
	uint8_t *doc;
	size_t doclen;
	char *text;
	int r;

	if ((r = tafel_table_encode(t, &doc, &doclen)) != 0 ||
	    (r = tafel_table_to_text(doc, doclen, &text)) != 0)
		errx(1, "cannot encode the table document: %s",
		    tafel_strerror(r));
	file_write(path, text, strlen(text), mode, replace);
	free(text);
	free(doc);
}

static void
signer_list(const struct tafel_table *t, char *buf, size_t sz)
{
	const char *names[TAFEL_MAX_MEMBERS];
	size_t i;

	for (i = 0; i < t->nsigners; i++)
		names[i] = t->signers[i];
	names_join(buf, sz, names, t->nsigners);
}

static bool
is_signer(const struct tafel_table *t, const char *org)
{
	size_t i;

	for (i = 0; i < t->nsigners; i++)
		if (strcmp(t->signers[i], org) == 0)
			return true;
	return false;
}

/* tafel table draft */

static void
draft_parse(int argc, char **argv, struct draft *d, struct opt *o)
{
	enum { O_TABLE, O_CARDS, O_SIGNERS, O_THRESHOLD, O_OUT, O_EXPIRES };
	char date[11];
	struct stat st;
	uint64_t now = (uint64_t)time(NULL);

	(void)opt_parse("table draft", "table", argc, argv, 2, o, 6, NULL, 0);
	opt_require("table draft", &o[O_TABLE], "ID");
	opt_require("table draft", &o[O_CARDS], "CARD...");
	opt_require("table draft", &o[O_SIGNERS], "ORG[,ORG...]");
	opt_require("table draft", &o[O_THRESHOLD], "N");
	opt_require("table draft", &o[O_OUT], "FILE");

	memset(d, 0, sizeof(*d));
	d->table = o[O_TABLE].val;
	if (!tafel_id_valid(d->table))
		errx(EXIT_USAGE, "'%s' is not a table id: use lower-case "
		    "letters, digits and '-' (not first), e.g. aalst-livcr",
		    d->table);
	d->cards = o[O_CARDS].list;
	d->ncards = o[O_CARDS].nlist;
	if (d->ncards > TAFEL_MAX_MEMBERS)
		errx(EXIT_USAGE, "a table has at most %d members",
		    TAFEL_MAX_MEMBERS);
	d->nsigners = opt_org_list("--signers", o[O_SIGNERS].val, d->signers,
	    TAFEL_MAX_MEMBERS);
	d->threshold = &o[O_THRESHOLD];
	if (opt_number(d->threshold, 1, TAFEL_MAX_MEMBERS) > d->nsigners)
		errx(EXIT_USAGE, "--threshold %s is more than the number of "
		    "signers (%zu)", d->threshold->val, d->nsigners);
	if (o[O_EXPIRES].seen) {
		if (tafel_parse_date(o[O_EXPIRES].val, &d->expires) != 0)
			errx(EXIT_USAGE, "--expires '%s' is not a date: write "
			    "YYYY-MM-DD", o[O_EXPIRES].val);
		if (d->expires <= now) {
			tafel_date(date, d->expires);
			errx(EXIT_USAGE, "--expires %s is not in the future",
			    date);
		}
	}
	d->out = o[O_OUT].val;
	if (lstat(d->out, &st) == 0)
		errx(1, "%s already exists; refusing to overwrite it", d->out);
}

/* A new table with its lineage: version 1 with no predecessor. */
static struct tafel_table *
draft_start(const struct draft *d)
{
	struct tafel_table *t;
	int n;

	if ((t = tafel_table_new()) == NULL)
		err(1, NULL);
	n = snprintf(t->id, sizeof(t->id), "%s", d->table);
	if (n < 0 || (size_t)n >= sizeof(t->id))
		errx(EXIT_USAGE, "the table id is too long");
	t->version = 1;
	memset(t->prev, 0, sizeof(t->prev));
	return t;
}

static void
draft_members(struct tafel_table *t, const struct draft *d)
{
	struct tafel_card card;
	const struct tafel_member *m;
	uint8_t *bin;
	size_t len, binlen, i;
	char *text;
	int r, k;

	for (k = 0; k < d->ncards; k++) {
		const char *path = d->cards[k];

		text = file_read(path, CARD_TEXT_MAX, "member card", &len);
		if ((r = tafel_card_from_text(text, len, &bin, &binlen,
		    &card)) != 0)
			errx(1, "%s is not a member card, or it was edited "
			    "(%s)", path, tafel_strerror(r));
		if ((m = tafel_table_member(t, card.org)) != NULL) {
			for (i = 0; i < t->nmembers; i++)
				if (&t->members[i] == m)
					break;
			errx(1, "two cards for %s: %s and %s", card.org,
			    d->cards[i], path);
		}
		if ((r = tafel_table_add_member(t, bin, binlen)) != 0)
			errx(1, "cannot add the card %s: %s", path,
			    tafel_strerror(r));
		free(bin);
		free(text);
	}
}

static void
draft_policy(struct tafel_table *t, const struct draft *d)
{
	uint64_t now = (uint64_t)time(NULL);
	size_t i;

	for (i = 0; i < d->nsigners; i++) {
		if (tafel_table_member(t, d->signers[i]) == NULL)
			errx(1, "signer %s has no card among --cards",
			    d->signers[i]);
		memcpy(t->signers[i], d->signers[i], sizeof(t->signers[i]));
	}
	t->nsigners = d->nsigners;
	t->threshold = (unsigned)opt_number(d->threshold, 1, d->nsigners);
	tafel_rules_default(&t->rules);
	t->issued = now;
	t->expires = d->expires != 0 ? d->expires :
	    now + (uint64_t)DEFAULT_DAYS * DAY;
}

static int
table_draft(struct client *c, int argc, char **argv)
{
	struct opt o[] = {
		OPT("--table", OPT_VALUE),
		OPT("--cards", OPT_LIST),
		OPT("--signers", OPT_VALUE),
		OPT("--threshold", OPT_VALUE),
		OPT("-o", OPT_VALUE),
		OPT("--expires", OPT_VALUE),
	};
	struct draft d;
	struct tafel_table *t;
	char fpr[TAFEL_FPR_LEN + 1], date[11], signers[1024];
	int r;

	draft_parse(argc, argv, &d, o);
	t = draft_start(&d);
	draft_members(t, &d);
	draft_policy(t, &d);
	if ((r = tafel_table_seal_body(t)) != 0)
		errx(1, "cannot make the table document: %s",
		    tafel_strerror(r));
	table_write(t, d.out, 0644, false);

	tafel_fingerprint(fpr, t->hash);
	tafel_date(date, t->expires);
	signer_list(t, signers, sizeof(signers));
	printf("Drafted table %s version %" PRIu64 " with %zu members, "
	    "valid until %s: %s\n", t->id, t->version, t->nmembers, date,
	    d.out);
	printf("Fingerprint: %s\n", fpr);
	printf("It needs the signatures of %u of these %zu signers: %s\n",
	    t->threshold, t->nsigners, signers);
	printf("Each signer checks this fingerprint by phone, then runs:\n"
	    "    tafel -d DIR table sign %s\n", d.out);
	tafel_table_destroy(&t);
	return 0;
}

/* tafel table sign */

static int
table_sign(struct client *c, int argc, char **argv)
{
	struct opt o[] = {
		OPT("--passphrase-file", OPT_VALUE),
	};
	struct tafel_card card;
	struct tafel_secrets *s;
	struct tafel_table *t;
	const struct tafel_member *m;
	struct stat st;
	char *pos[1], signers[1024];
	uint8_t *doc;
	size_t doclen;
	int r;

	if (opt_parse("table sign", "table", argc, argv, 2, o, 1, pos,
	    1) != 1)
		errx(EXIT_USAGE, "table sign needs the FILE to sign");
	card_load(c, &card);
	t = table_read(pos[0], &doc, &doclen);
	free(doc);
	if (!is_signer(t, card.org)) {
		signer_list(t, signers, sizeof(signers));
		errx(1, "%s is not a signer of table %s (its signers: %s)",
		    card.org, t->id, signers);
	}
	if ((m = tafel_table_member(t, card.org)) == NULL ||
	    memcmp(m->card.sign_pk, card.sign_pk, sizeof(card.sign_pk)) != 0)
		errx(1, "the card of %s in %s is not the card in %s/card; "
		    "ask for a new draft with your current card", card.org,
		    pos[0], c->dir);
	if (stat(pos[0], &st) == -1)
		err(1, "%s", pos[0]);

	s = keys_load(c, o[0].val, &card);
	r = tafel_table_sign(t, card.org, s->sign_sk);
	keys_free(&s);
	if (r != 0)
		errx(1, "cannot sign %s: %s", pos[0], tafel_strerror(r));
	table_write(t, pos[0], st.st_mode & 0777, true);

	printf("signed by %s: %u of %zu signers have signed (threshold %u)\n",
	    card.org, tafel_table_valid_sigs(t, t), t->nsigners,
	    t->threshold);
	tafel_table_destroy(&t);
	return 0;
}

/* tafel table fingerprint */

static int
table_fingerprint(struct client *c, int argc, char **argv)
{
	struct tafel_table *t;
	char *pos[1], fpr[TAFEL_FPR_LEN + 1];
	uint8_t *doc;
	size_t doclen;

	if (opt_parse("table fingerprint", "table", argc, argv, 2, NULL, 0,
	    pos, 1) != 1)
		errx(EXIT_USAGE, "table fingerprint needs a FILE");
	t = table_read(pos[0], &doc, &doclen);
	tafel_fingerprint(fpr, t->hash);
	printf("%s\n", fpr);
	free(doc);
	tafel_table_destroy(&t);
	return 0;
}

/* tafel table adopt */

/* True when s is a fingerprint (30 digits, spaces anywhere) or 64 hex. */
static bool
expect_valid(const char *s)
{
	size_t digits = 0, hex = 0, other = 0;

	for (; *s != '\0'; s++) {
		if (*s == ' ')
			continue;
		if (*s >= '0' && *s <= '9')
			digits++;
		else if ((*s >= 'a' && *s <= 'f') || (*s >= 'A' && *s <= 'F'))
			hex++;
		else
			other++;
	}
	return other == 0 && ((hex == 0 && digits == 30) ||
	    digits + hex == 64);
}

static int
table_adopt(struct client *c, int argc, char **argv)
{
	struct opt o[] = {
		OPT("--expect", OPT_TEXT),
	};
	struct tafel_table *t;
	struct tafel_mpw w;
	struct ctl_reply rep;
	char *pos[1], *id;
	uint8_t *doc;
	size_t doclen;

	if (opt_parse("table adopt", "table", argc, argv, 2, o, 1, pos,
	    1) != 1)
		errx(EXIT_USAGE, "table adopt needs the FILE to adopt");
	opt_require("table adopt", &o[0], "FINGERPRINT");
	if (!expect_valid(o[0].val))
		errx(EXIT_USAGE, "--expect '%s' is not a fingerprint: give "
		    "the six groups of five digits you checked by phone",
		    o[0].val);
	state_need(c);
	t = table_read(pos[0], &doc, &doclen);
	tafel_table_destroy(&t);

	tafel_mpw_init(&w);
	tafel_ctl_req_begin(&w, "table.adopt");
	tafel_mpw_map(&w, 2);
	tafel_mpw_str(&w, "doc");
	tafel_mpw_bin(&w, doc, doclen);
	tafel_mpw_str(&w, "expect");
	tafel_mpw_str(&w, o[0].val);
	free(doc);
	ctl_call(c, &w, &rep);

	id = ctl_str(rep.data, "table", false);
	printf("adopted table %s version %" PRIu64 "\n", id,
	    ctl_uint(rep.data, "version"));
	free(id);
	ctl_reply_free(&rep);
	return 0;
}

static const struct {
	const char	*name;
	int		(*fn)(struct client *, int, char **);
} table_cmds[] = {
	{ "draft", table_draft },
	{ "sign", table_sign },
	{ "fingerprint", table_fingerprint },
	{ "adopt", table_adopt },
};

int
table_main(struct client *c, int argc, char **argv)
{
	size_t i;

	if (argc < 2)
		errx(EXIT_USAGE, "table needs a subcommand: draft, sign, "
		    "fingerprint or adopt");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage_print(stdout, "table");
		return 0;
	}
	for (i = 0; i < sizeof(table_cmds) / sizeof(table_cmds[0]); i++)
		if (strcmp(argv[1], table_cmds[i].name) == 0)
			return table_cmds[i].fn(c, argc, argv);
	errx(EXIT_USAGE, "unknown subcommand 'table %s' (draft, sign, "
	    "fingerprint or adopt)", argv[1]);
}
