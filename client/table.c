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
	const char	 *from;		/* --from: the version to amend */
	char		**cards;	/* --cards, pointers into argv */
	int		  ncards;
	char		**add;		/* --add-cards */
	int		  nadd;
	char		  remove[TAFEL_MAX_MEMBERS][TAFEL_ORG_MAX + 1];
	size_t		  nremove;	/* --remove */
	char		  signers[TAFEL_MAX_MEMBERS][TAFEL_ORG_MAX + 1];
	size_t		  nsigners;	/* --signers; 0: keep (--from) */
	const struct opt *threshold;	/* --threshold; NULL: keep */
	const char	 *rules;	/* --rules FILE */
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
	enum { O_TABLE, O_CARDS, O_SIGNERS, O_THRESHOLD, O_OUT, O_EXPIRES,
	    O_FROM, O_ADD, O_REMOVE, O_RULES };
	char date[11];
	struct stat st;
	uint64_t now = (uint64_t)time(NULL);

	(void)opt_parse("table draft", "table", argc, argv, 2, o, 10, NULL, 0);
	opt_require("table draft", &o[O_OUT], "FILE");
	memset(d, 0, sizeof(*d));
	d->from = o[O_FROM].val;
	if (d->from == NULL) {
		opt_require("table draft", &o[O_TABLE], "ID");
		opt_require("table draft", &o[O_CARDS], "CARD...");
		opt_require("table draft", &o[O_SIGNERS], "ORG[,ORG...]");
		opt_require("table draft", &o[O_THRESHOLD], "N");
		if (o[O_ADD].seen || o[O_REMOVE].seen)
			errx(EXIT_USAGE, "--add-cards and --remove amend a "
			    "table: use them with --from CURRENT_FILE");
	} else if (o[O_CARDS].seen && (o[O_ADD].seen || o[O_REMOVE].seen))
		errx(EXIT_USAGE, "--cards gives the whole member list; do not "
		    "combine it with --add-cards or --remove");
	d->table = o[O_TABLE].val;
	if (d->table != NULL && !tafel_id_valid(d->table))
		errx(EXIT_USAGE, "'%s' is not a table id: use lower-case "
		    "letters, digits and '-' (not first), e.g. aalst-livcr",
		    d->table);
	d->cards = o[O_CARDS].list;
	d->ncards = o[O_CARDS].nlist;
	d->add = o[O_ADD].list;
	d->nadd = o[O_ADD].nlist;
	if (d->ncards > TAFEL_MAX_MEMBERS || d->nadd > TAFEL_MAX_MEMBERS)
		errx(EXIT_USAGE, "a table has at most %d members",
		    TAFEL_MAX_MEMBERS);
	if (o[O_REMOVE].seen)
		d->nremove = opt_org_list("--remove", o[O_REMOVE].val,
		    d->remove, TAFEL_MAX_MEMBERS);
	if (o[O_SIGNERS].seen)
		d->nsigners = opt_org_list("--signers", o[O_SIGNERS].val,
		    d->signers, TAFEL_MAX_MEMBERS);
	if (o[O_THRESHOLD].seen) {
		d->threshold = &o[O_THRESHOLD];
		(void)opt_number(d->threshold, 1, TAFEL_MAX_MEMBERS);
	}
	d->rules = o[O_RULES].val;
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

/* True when the card file at path is org's card. */
static bool
card_org_is(const char *path, const char *org)
{
	struct tafel_card card;
	uint8_t *bin;
	size_t len, binlen;
	char *text;
	int r;

	text = file_read(path, CARD_TEXT_MAX, "member card", &len);
	if ((r = tafel_card_from_text(text, len, &bin, &binlen, &card)) != 0)
		errx(1, "%s is not a member card, or it was edited (%s)", path,
		    tafel_strerror(r));
	free(bin);
	free(text);
	return strcmp(card.org, org) == 0;
}

/*
 * The new table and its lineage: version 1 with no predecessor, or, with
 * --from, version N+1 naming version N's hash and starting from its
 * members, signers, threshold, rules and expiry.
 */
static struct tafel_table *
draft_start(const struct draft *d, struct tafel_table **curp)
{
	struct tafel_table *t, *cur;
	uint8_t *doc;
	size_t doclen, i;
	int n, r;

	*curp = NULL;
	if ((t = tafel_table_new()) == NULL)
		err(1, NULL);
	if (d->from == NULL) {
		n = snprintf(t->id, sizeof(t->id), "%s", d->table);
		if (n < 0 || (size_t)n >= sizeof(t->id))
			errx(EXIT_USAGE, "the table id is too long");
		t->version = 1;
		memset(t->prev, 0, sizeof(t->prev));
		return t;
	}
	cur = table_read(d->from, &doc, &doclen);
	free(doc);
	if (d->table != NULL && strcmp(d->table, cur->id) != 0)
		errx(EXIT_USAGE, "%s is table %s, not %s", d->from, cur->id,
		    d->table);
	memcpy(t->id, cur->id, sizeof(t->id));
	t->version = cur->version + 1;
	memcpy(t->prev, cur->hash, sizeof(t->prev));
	if (d->ncards == 0)
		for (i = 0; i < cur->nmembers; i++) {
			const struct tafel_member *m = &cur->members[i];
			size_t k;

			for (k = 0; k < d->nremove; k++)
				if (strcmp(d->remove[k], m->card.org) == 0)
					break;
			if (k < d->nremove)
				continue;
			for (k = 0; k < (size_t)d->nadd; k++)
				if (card_org_is(d->add[k], m->card.org))
					break;
			if (k < (size_t)d->nadd)
				continue;	/* replaced: a new card */
			if ((r = tafel_table_add_member(t, m->raw,
			    m->rawlen)) != 0)
				errx(1, "%s: cannot carry over the card of "
				    "%s: %s", d->from, m->card.org,
				    tafel_strerror(r));
		}
	for (i = 0; i < d->nremove; i++)
		if (tafel_table_member(cur, d->remove[i]) == NULL)
			errx(EXIT_USAGE, "--remove %s: not a member of table "
			    "%s version %" PRIu64, d->remove[i], cur->id,
			    cur->version);
	*curp = cur;
	return t;
}

static void
add_cards(struct tafel_table *t, char **paths, int n)
{
	struct tafel_card card;
	uint8_t *bin;
	size_t len, binlen;
	char *text;
	int r, k;

	for (k = 0; k < n; k++) {
		const char *path = paths[k];

		text = file_read(path, CARD_TEXT_MAX, "member card", &len);
		if ((r = tafel_card_from_text(text, len, &bin, &binlen,
		    &card)) != 0)
			errx(1, "%s is not a member card, or it was edited "
			    "(%s)", path, tafel_strerror(r));
		if (tafel_table_member(t, card.org) != NULL)
			errx(1, "two cards for %s (the second: %s)", card.org,
			    path);
		if ((r = tafel_table_add_member(t, bin, binlen)) != 0)
			errx(1, "cannot add the card %s: %s", path,
			    tafel_strerror(r));
		free(bin);
		free(text);
	}
}

static void
draft_members(struct tafel_table *t, const struct draft *d)
{
	add_cards(t, d->cards, d->ncards);
	add_cards(t, d->add, d->nadd);
	if (t->nmembers == 0)
		errx(1, "the table would have no members");
}

static void
draft_policy(struct tafel_table *t, const struct draft *d,
    const struct tafel_table *cur)
{
	uint64_t now = (uint64_t)time(NULL);
	unsigned line;
	const char *why;
	char *text;
	size_t i, len;

	if (d->nsigners > 0) {
		for (i = 0; i < d->nsigners; i++)
			memcpy(t->signers[i], d->signers[i],
			    sizeof(t->signers[i]));
		t->nsigners = d->nsigners;
	} else {
		/* --from without --signers: the signers that stay members. */
		for (i = 0; i < cur->nsigners; i++)
			if (tafel_table_member(t, cur->signers[i]) != NULL)
				memcpy(t->signers[t->nsigners++],
				    cur->signers[i], sizeof(t->signers[0]));
	}
	for (i = 0; i < t->nsigners; i++)
		if (tafel_table_member(t, t->signers[i]) == NULL)
			errx(1, "signer %s is not a member of the new version",
			    t->signers[i]);
	if (t->nsigners == 0)
		errx(1, "the table would have no signers: give --signers");
	t->threshold = d->threshold != NULL ?
	    (unsigned)opt_number(d->threshold, 1, TAFEL_MAX_MEMBERS) :
	    cur->threshold;
	if (t->threshold > t->nsigners)
		errx(EXIT_USAGE, "the threshold (%u) is more than the number "
		    "of signers (%zu)", t->threshold, t->nsigners);
	if (d->rules != NULL) {
		text = file_read(d->rules, 65536, "rules file", &len);
		if (tafel_rules_parse(text, len, &t->rules, &line, &why) != 0) {
			if (line > 0)
				errx(1, "%s:%u: %s", d->rules, line, why);
			errx(1, "%s: %s", d->rules, why);
		}
		free(text);
	} else if (cur != NULL)
		t->rules = cur->rules;
	else
		tafel_rules_default(&t->rules);
	t->issued = now;
	if (d->expires != 0)
		t->expires = d->expires;
	else if (cur != NULL && cur->expires > now)
		t->expires = cur->expires;
	else
		t->expires = now + (uint64_t)DEFAULT_DAYS * DAY;
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
		OPT("--from", OPT_VALUE),
		OPT("--add-cards", OPT_LIST),
		OPT("--remove", OPT_VALUE),
		OPT("--rules", OPT_VALUE),
	};
	struct draft d;
	struct tafel_table *t, *cur;
	char fpr[TAFEL_FPR_LEN + 1], date[11], signers[1024];
	int r;

	draft_parse(argc, argv, &d, o);
	t = draft_start(&d, &cur);
	draft_members(t, &d);
	draft_policy(t, &d, cur);
	if ((r = tafel_table_seal_body(t)) != 0)
		errx(1, "cannot make the table document: %s",
		    tafel_strerror(r));
	table_write(t, d.out, 0644, false);

	tafel_fingerprint(fpr, t->hash);
	tafel_date(date, t->expires);
	signer_list(t, signers, sizeof(signers));
	printf("Drafted table %s version %" PRIu64 " with %zu members, "
	    "expiring on %s at 00:00 UTC: %s\n", t->id, t->version,
	    t->nmembers, date, d.out);
	printf("Fingerprint: %s\n", fpr);
	printf("It needs the signatures of %u of these %zu signers: %s\n",
	    t->threshold, t->nsigners, signers);
	if (cur != NULL) {
		signer_list(cur, signers, sizeof(signers));
		printf("and, as an amendment of version %" PRIu64 ", of %u of "
		    "its signers: %s\n", cur->version, cur->threshold,
		    signers);
	}
	printf("Each signer checks this fingerprint by phone, then runs:\n"
	    "    tafel -d DIR table sign %s\n", d.out);
	tafel_table_destroy(&cur);
	tafel_table_destroy(&t);
	return 0;
}

/* tafel table sign */

/*
 * The version that t amends: from --from FILE, or else the version in
 * force at the daemon.  Caller destroys it.  Exits when there is none.
 */
static struct tafel_table *
prev_version(struct client *c, const struct tafel_table *t, const char *from)
{
	struct tafel_table *prev = NULL;
	struct tafel_mpw w;
	struct ctl_reply rep;
	const msgpack_object *a;
	uint8_t *doc;
	size_t doclen;

	if (from != NULL) {
		prev = table_read(from, &doc, &doclen);
		free(doc);
	} else {
		tafel_mpw_init(&w);
		tafel_ctl_req_begin(&w, "table.show");
		tafel_mpw_map(&w, 1);
		tafel_mpw_str(&w, "table");
		tafel_mpw_str(&w, t->id);
		ctl_call(c, &w, &rep);
		a = ctl_field(rep.data, "tables", MSGPACK_OBJECT_ARRAY);
		if (a->via.array.size != 1 ||
		    a->via.array.ptr[0].type != MSGPACK_OBJECT_BIN ||
		    tafel_table_decode((const uint8_t *)
		    a->via.array.ptr[0].via.bin.ptr,
		    a->via.array.ptr[0].via.bin.size, &prev) != 0)
			errx(1, "the daemon sent a table that does not decode");
		ctl_reply_free(&rep);
	}
	if (strcmp(prev->id, t->id) != 0 || prev->version + 1 != t->version ||
	    memcmp(prev->hash, t->prev, sizeof(prev->hash)) != 0)
		errx(1, "%s version %" PRIu64 " does not amend %s version %"
		    PRIu64 " in force%s", t->id, t->version, prev->id,
		    prev->version, from != NULL ? " in --from" : " here");
	return prev;
}

static int
table_sign(struct client *c, int argc, char **argv)
{
	struct opt o[] = {
		OPT("--passphrase-file", OPT_VALUE),
		OPT("--from", OPT_VALUE),
	};
	struct tafel_card card;
	struct tafel_secrets *s;
	struct tafel_table *t, *prev = NULL;
	const struct tafel_member *m;
	struct stat st;
	char *pos[1], signers[1024];
	uint8_t *doc;
	size_t doclen;
	bool now, before = false;
	int r;

	if (opt_parse("table sign", "table", argc, argv, 2, o, 2, pos,
	    1) != 1)
		errx(EXIT_USAGE, "table sign needs the FILE to sign");
	card_load(c, &card);
	t = table_read(pos[0], &doc, &doclen);
	free(doc);
	if (stat(pos[0], &st) == -1)
		err(1, "%s", pos[0]);
	/*
	 * A signer of this version signs for it; for an amendment, a signer
	 * of the version in force signs for that one's threshold too (one
	 * signature per organisation serves both when its key is the same).
	 */
	now = is_signer(t, card.org);
	if (t->version > 1 && (!now || o[1].seen)) {
		prev = prev_version(c, t, o[1].val);
		before = is_signer(prev, card.org);
	}
	if (!now && !before) {
		signer_list(t, signers, sizeof(signers));
		errx(1, "%s is not a signer of table %s (its signers: %s)",
		    card.org, t->id, signers);
	}
	m = tafel_table_member(now ? t : prev, card.org);
	if (m == NULL || memcmp(m->card.sign_pk, card.sign_pk,
	    sizeof(card.sign_pk)) != 0)
		errx(1, "the card of %s in %s is not the card in %s/card; "
		    "ask for a new draft with your current card", card.org,
		    pos[0], c->dir);

	s = keys_load(c, o[0].val, &card);
	r = now ? tafel_table_sign(t, card.org, s->sign_sk) :
	    tafel_table_sign_prev(t, prev, card.org, s->sign_sk);
	keys_free(&s);
	if (r != 0)
		errx(1, "cannot sign %s: %s", pos[0], tafel_strerror(r));
	table_write(t, pos[0], st.st_mode & 0777, true);

	printf("signed by %s: %u of %zu signers have signed (threshold %u)\n",
	    card.org, tafel_table_valid_sigs(t, t), t->nsigners,
	    t->threshold);
	if (prev != NULL)
		printf("and %u of the %zu signers of version %" PRIu64
		    " (threshold %u)\n", tafel_table_valid_sigs(t, prev),
		    prev->nsigners, prev->version, prev->threshold);
	tafel_table_destroy(&prev);
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
	/*
	 * A new table needs the fingerprint checked by phone (the daemon
	 * refuses it without); an amendment is authorised by the signatures
	 * of the version in force, so --expect is optional for it.
	 */
	if (o[0].seen && !expect_valid(o[0].val))
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
	tafel_mpw_str(&w, o[0].seen ? o[0].val : "");
	free(doc);
	ctl_call(c, &w, &rep);

	id = ctl_str(rep.data, "table", false);
	printf("adopted table %s version %" PRIu64 "\n", id,
	    ctl_uint(rep.data, "version"));
	free(id);
	ctl_reply_free(&rep);
	return 0;
}

/* tafel table show */

/* One table as a msgpack map, for --json (printed by json_print). */
static void
show_map(struct tafel_mpw *w, const struct tafel_table *t, bool adopted)
{
	char fpr[TAFEL_FPR_LEN + 1], hex[65];
	size_t i;
	int r, c, n, pass;

	tafel_fingerprint(fpr, t->hash);
	tafel_hex(hex, t->hash, 32);
	tafel_mpw_map(w, 11);
	tafel_mpw_str(w, "table");
	tafel_mpw_str(w, t->id);
	tafel_mpw_str(w, "version");
	tafel_mpw_uint(w, t->version);
	tafel_mpw_str(w, "adopted");
	tafel_mpw_bool(w, adopted);
	tafel_mpw_str(w, "fingerprint");
	tafel_mpw_str(w, fpr);
	tafel_mpw_str(w, "hash");
	tafel_mpw_str(w, hex);
	tafel_mpw_str(w, "issued");
	tafel_mpw_uint(w, t->issued);
	tafel_mpw_str(w, "expires");
	tafel_mpw_uint(w, t->expires);
	tafel_mpw_str(w, "threshold");
	tafel_mpw_uint(w, t->threshold);
	tafel_mpw_str(w, "signers");
	tafel_mpw_array(w, t->nsigners);
	for (i = 0; i < t->nsigners; i++)
		tafel_mpw_str(w, t->signers[i]);
	tafel_mpw_str(w, "members");
	tafel_mpw_array(w, t->nmembers);
	for (i = 0; i < t->nmembers; i++) {
		const struct tafel_card *m = &t->members[i].card;

		tafel_fingerprint(fpr, m->hash);
		tafel_mpw_map(w, 5);
		tafel_mpw_str(w, "org");
		tafel_mpw_str(w, m->org);
		tafel_mpw_str(w, "role");
		tafel_mpw_str(w, m->role);
		tafel_mpw_str(w, "name");
		tafel_mpw_str(w, m->name);
		tafel_mpw_str(w, "endpoint");
		tafel_mpw_str(w, m->endpoints[0]);
		tafel_mpw_str(w, "fingerprint");
		tafel_mpw_str(w, fpr);
	}
	tafel_mpw_str(w, "rules");
	tafel_mpw_map(w, 6);
	tafel_mpw_str(w, "open");
	for (r = 0, n = 0; r < TAFEL_NROLES; r++)
		n += (t->rules.open >> r) & 1;
	tafel_mpw_array(w, n);
	for (r = 0; r < TAFEL_NROLES; r++)
		if (t->rules.open & (1u << r))
			tafel_mpw_str(w, tafel_roles[r]);
	for (pass = 0; pass < 2; pass++) {
		const uint8_t *m = pass ? t->rules.recv : t->rules.send;

		tafel_mpw_str(w, pass ? "recv" : "send");
		for (r = 0, n = 0; r < TAFEL_NROLES; r++)
			n += m[r] != 0;
		tafel_mpw_map(w, n);
		for (r = 0; r < TAFEL_NROLES; r++) {
			if (m[r] == 0)
				continue;
			tafel_mpw_str(w, tafel_roles[r]);
			for (c = 0, n = 0; c < TAFEL_NCATS; c++)
				n += (m[r] >> c) & 1;
			tafel_mpw_array(w, n);
			for (c = 0; c < TAFEL_NCATS; c++)
				if (m[r] & (1u << c))
					tafel_mpw_str(w, tafel_categories[c]);
		}
	}
	tafel_mpw_str(w, "retention_days");
	tafel_mpw_uint(w, t->rules.retention_days);
	tafel_mpw_str(w, "max_record");
	tafel_mpw_uint(w, t->rules.max_record);
	/* In a case about a minor, what each role may not receive. */
	tafel_mpw_str(w, "minors");
	for (r = 0, n = 0; r < TAFEL_NROLES; r++)
		n += t->rules.minors[r] != 0;
	tafel_mpw_map(w, n);
	for (r = 0; r < TAFEL_NROLES; r++) {
		if (t->rules.minors[r] == 0)
			continue;
		tafel_mpw_str(w, tafel_roles[r]);
		for (c = 0, n = 0; c < TAFEL_NCATS; c++)
			n += (t->rules.minors[r] >> c) & 1;
		tafel_mpw_array(w, n);
		for (c = 0; c < TAFEL_NCATS; c++)
			if (t->rules.minors[r] & (1u << c))
				tafel_mpw_str(w, tafel_categories[c]);
	}
}

/* Prints {"tables": [...]} from the maps written after the header. */
static void
show_json_print(struct tafel_mpw *w)
{
	msgpack_unpacked u;
	uint8_t *buf;
	size_t len, off = 0;

	if (tafel_mpw_finish(w, &buf, &len) != 0)
		errx(1, "out of memory");
	msgpack_unpacked_init(&u);
	if (msgpack_unpack_next(&u, (const char *)buf, len, &off) !=
	    MSGPACK_UNPACK_SUCCESS)
		errx(1, "internal error: cannot print JSON");
	json_print(stdout, &u.data);
	msgpack_unpacked_destroy(&u);
	free(buf);
}

static void
show_text(const struct tafel_table *t, bool adopted)
{
	char fpr[TAFEL_FPR_LEN + 1], date[11], date2[11], signers[1024];
	char *rules, *line, *save = NULL;
	uint64_t now = (uint64_t)time(NULL);
	size_t i;

	tafel_fingerprint(fpr, t->hash);
	tafel_date(date, t->issued);
	tafel_date(date2, t->expires);
	signer_list(t, signers, sizeof(signers));
	printf("Table %s, version %" PRIu64 "%s\n", t->id, t->version,
	    adopted ? " (in force here)" : "");
	printf("  Fingerprint: %s\n", fpr);
	printf("  Issued:      %s\n", date);
	if (t->expires <= now)
		printf("  Expires:     %s (EXPIRED: no new sharing)\n", date2);
	else if (t->expires - now <= 30 * (uint64_t)DAY)
		printf("  Expires:     %s (in %" PRIu64 " days: amend it in "
		    "time)\n", date2, (t->expires - now) / DAY);
	else
		printf("  Expires:     %s\n", date2);
	printf("  Signers:     %s (threshold %u)\n", signers, t->threshold);
	printf("  Signatures:  ");
	for (i = 0; i < t->nsigs; i++)
		printf("%s%s", i ? ", " : "", t->sigs[i].org);
	printf("%s\n", t->nsigs ? "" : "none");
	printf("  Members:\n");
	for (i = 0; i < t->nmembers; i++) {
		const struct tafel_card *m = &t->members[i].card;

		tafel_fingerprint(fpr, m->hash);
		printf("    %-24s %-13s %s\n", m->org, m->role, fpr);
		printf("    %-24s %-13s ", "", "");
		/* Card names are checked UTF-8 without control characters. */
		printf("%s, %s\n", m->name, m->endpoints[0]);
	}
	printf("  Rules:\n");
	if (tafel_rules_format(&t->rules, &rules) != 0)
		errx(1, "out of memory");
	for (line = strtok_r(rules, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save))
		printf("    %s\n", line);
	free(rules);
}

static int
table_show(struct client *c, int argc, char **argv)
{
	struct opt o[] = {
		OPT("--json", OPT_FLAG),
		OPT("--file", OPT_VALUE),
	};
	struct tafel_mpw w;
	struct ctl_reply rep;
	const msgpack_object *a;
	struct tafel_table *t;
	char *pos[1];
	uint8_t *doc;
	size_t doclen;
	uint32_t i;
	int npos;

	npos = opt_parse("table show", "table", argc, argv, 2, o, 2, pos, 1);
	if (o[1].seen) {
		if (npos != 0)
			errx(EXIT_USAGE, "table show: give a TABLE or --file "
			    "FILE, not both");
		t = table_read(o[1].val, &doc, &doclen);
		free(doc);
		if (o[0].seen) {
			tafel_mpw_init(&w);
			tafel_mpw_map(&w, 1);
			tafel_mpw_str(&w, "tables");
			tafel_mpw_array(&w, 1);
			show_map(&w, t, false);
			show_json_print(&w);
		} else
			show_text(t, false);
		tafel_table_destroy(&t);
		return 0;
	}
	if (npos == 1 && !tafel_id_valid(pos[0]))
		errx(EXIT_USAGE, "'%s' is not a table id", pos[0]);
	state_need(c);
	tafel_mpw_init(&w);
	tafel_ctl_req_begin(&w, "table.show");
	tafel_mpw_map(&w, 1);
	tafel_mpw_str(&w, "table");
	tafel_mpw_str(&w, npos == 1 ? pos[0] : "");
	ctl_call(c, &w, &rep);
	a = ctl_field(rep.data, "tables", MSGPACK_OBJECT_ARRAY);
	if (o[0].seen) {
		tafel_mpw_init(&w);
		tafel_mpw_map(&w, 1);
		tafel_mpw_str(&w, "tables");
		tafel_mpw_array(&w, a->via.array.size);
	}
	for (i = 0; i < a->via.array.size; i++) {
		const msgpack_object *d = &a->via.array.ptr[i];

		if (d->type != MSGPACK_OBJECT_BIN ||
		    tafel_table_decode((const uint8_t *)d->via.bin.ptr,
		    d->via.bin.size, &t) != 0)
			errx(1, "the daemon sent a table that does not decode");
		if (o[0].seen)
			show_map(&w, t, true);
		else {
			if (i > 0)
				printf("\n");
			show_text(t, true);
		}
		tafel_table_destroy(&t);
	}
	if (o[0].seen)
		show_json_print(&w);
	else if (a->via.array.size == 0)
		printf("No table adopted yet.\n");
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
	{ "show", table_show },
};

int
table_main(struct client *c, int argc, char **argv)
{
	size_t i;

	if (argc < 2)
		errx(EXIT_USAGE, "table needs a subcommand: draft, sign, "
		    "fingerprint, adopt or show");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage_print(stdout, "table");
		return 0;
	}
	for (i = 0; i < sizeof(table_cmds) / sizeof(table_cmds[0]); i++)
		if (strcmp(argv[1], table_cmds[i].name) == 0)
			return table_cmds[i].fn(c, argc, argv);
	errx(EXIT_USAGE, "unknown subcommand 'table %s' (draft, sign, "
	    "fingerprint, adopt or show)", argv[1]);
}
