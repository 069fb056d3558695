/*
 * tafel record add and tafel record import: the operation record.add of
 * the control socket (docs/protocol.md), for one record, or for one
 * record a file with many requests in flight.
 */
#include <sys/un.h>

#include <err.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "tafel/ctl.h"
#include "tafel/mp.h"
#include "tafel/table.h"
#include "tafel/tafel.h"

#define HEX_ID_LEN	(2 * TAFEL_ID_BYTES)
#define WHY_MAX		512
#define JOBS_DEFAULT	16
#define JOBS_MAX	64
/* Room for CR LF line ends, which become LF. */
#define READ_MAX	(2 * TAFEL_MAX_TEXT)

/* What every record of one command shares. */
struct recspec {
	char		 caseid[HEX_ID_LEN + 1];
	const char	*category;
	char		 to[TAFEL_MAX_RECIPIENTS][TAFEL_ORG_MAX + 1];
	size_t		 nto;
};

/*
 * Parses the options both commands take (CASE, --category, --to) into
 * *r; the others stay in o for the caller.  Exits 2 on bad ones.
 */
static int
recspec_parse(const char *cmd, int argc, char **argv, struct opt *o,
    size_t no, char **pos, int maxpos, struct recspec *r)
{
	char cats[256];
	int npos;

	memset(r, 0, sizeof(*r));
	npos = opt_parse(cmd, "record", argc, argv, 2, o, no, pos, maxpos);
	if (npos < 1)
		errx(EXIT_USAGE, "%s needs a CASE id (see: tafel case list)",
		    cmd);
	opt_case_id(pos[0], r->caseid);
	opt_require(cmd, &o[0], "CATEGORY");
	if (tafel_cat_index(o[0].val) < 0) {
		names_join(cats, sizeof(cats), tafel_categories, TAFEL_NCATS);
		errx(EXIT_USAGE, "unknown category '%s' (one of: %s)",
		    o[0].val, cats);
	}
	r->category = o[0].val;
	if (o[1].seen)
		r->nto = opt_org_list("--to", o[1].val, r->to,
		    TAFEL_MAX_RECIPIENTS);
	return npos;
}

/* Writes the record.add request for text into w. */
static void
recspec_request(const struct recspec *r, struct tafel_mpw *w,
    const char *text, size_t len)
{
	size_t i;

	tafel_ctl_req_begin(w, "record.add");
	tafel_mpw_map(w, r->nto > 0 ? 4 : 3);
	tafel_mpw_str(w, "case");
	tafel_mpw_str(w, r->caseid);
	tafel_mpw_str(w, "category");
	tafel_mpw_str(w, r->category);
	tafel_mpw_str(w, "text");
	tafel_mpw_strn(w, text, len);
	if (r->nto > 0) {
		/* Only these read it; the other members see that it exists. */
		tafel_mpw_str(w, "to");
		tafel_mpw_array(w, r->nto);
		for (i = 0; i < r->nto; i++)
			tafel_mpw_str(w, r->to[i]);
	}
}

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
 * the end are dropped.  Then checks size and encoding.  Returns 0 with
 * *len the new length, or -1 with why (WHY_MAX bytes) saying what is
 * wrong with it.
 */
static int
record_text_check(char *text, size_t *len, char *why)
{
	size_t i, o = 0;

	for (i = 0; i < *len; i++) {
		if (text[i] == '\r' && i + 1 < *len && text[i + 1] == '\n')
			continue;
		text[o++] = text[i];
	}
	while (o > 0 && text[o - 1] == '\n')
		o--;
	text[o] = '\0';
	*len = o;
	if (o == 0) {
		snprintf(why, WHY_MAX, "the record is empty");
		return -1;
	}
	if (o > TAFEL_MAX_TEXT) {
		snprintf(why, WHY_MAX, "the record is too long (%zu bytes; "
		    "at most %d)", o, TAFEL_MAX_TEXT);
		return -1;
	}
	if (text_valid(text, o, true))
		return 0;
	for (i = 0; i < o; i++) {
		unsigned char ch = (unsigned char)text[i];

		if ((ch < 0x20 && ch != '\t' && ch != '\n') || ch == 0x7f) {
			snprintf(why, WHY_MAX, "the record holds a control "
			    "character (byte %zu); only tabs and line ends are "
			    "allowed", i + 1);
			return -1;
		}
	}
	snprintf(why, WHY_MAX, "the record is not UTF-8 text; save it as "
	    "UTF-8 and try again");
	return -1;
}

static int
record_add(struct client *c, int argc, char **argv)
{
	struct opt o[] = {
		OPT("--category", OPT_VALUE),
		OPT("--to", OPT_VALUE),
		OPT("--text", OPT_TEXT),
		OPT("--file", OPT_VALUE),
	};
	struct recspec r;
	struct tafel_mpw w;
	struct ctl_reply rep;
	char *pos[1], *text, *id, why[WHY_MAX];
	size_t len;

	recspec_parse("record add", argc, argv, o, 4, pos, 1, &r);
	if (o[2].seen && o[3].seen)
		errx(EXIT_USAGE, "give --text or --file, not both");
	state_need(c);

	if (o[2].seen) {
		len = strlen(o[2].val);
		if (len > READ_MAX)
			errx(1, "the record is too long (at most %d bytes)",
			    TAFEL_MAX_TEXT);
		if ((text = strdup(o[2].val)) == NULL)
			err(1, NULL);
	} else if (o[3].seen)
		text = file_read(o[3].val, READ_MAX, "record", &len);
	else
		text = read_stdin(READ_MAX, &len);
	if (record_text_check(text, &len, why) != 0)
		errx(1, "%s", why);

	tafel_mpw_init(&w);
	recspec_request(&r, &w, text, len);
	free(text);
	ctl_call(c, &w, &rep);

	id = ctl_id(rep.data, "record");
	printf("shared record %s in case %s\n", id, r.caseid);
	free(id);
	ctl_reply_free(&rep);
	return 0;
}

/* tafel record import: one record a file, many in flight. */

enum fate {
	F_WAITING,
	F_SHARED,
	F_NOT_SHARED,
	F_UNKNOWN,			/* sent, no answer */
	F_CHECKED			/* a record, not sent: others are bad */
};

struct file_result {
	enum fate	 fate;
	char		*line;		/* the id, or why not; malloc'd */
};

struct import {
	const struct client	*c;
	const struct recspec	*r;
	char		       **files;
	struct file_result	*res;
	size_t			 nfiles;
	size_t			 printed;	/* results printed, in order */
	size_t			 nshared;
};

static char *
xstrdup(const char *s)
{
	char *p;

	if ((p = strdup(s)) == NULL)
		err(1, NULL);
	return p;
}

/* Prints the results that are complete up to the first still waiting. */
static void
import_print(struct import *im)
{
	struct file_result *fr;
	char *name;

	for (; im->printed < im->nfiles; im->printed++) {
		fr = &im->res[im->printed];
		if (fr->fate == F_WAITING)
			break;
		name = ctl_sanitize(im->files[im->printed]);
		switch (fr->fate) {
		case F_SHARED:
			printf("shared record %s from %s\n", fr->line, name);
			break;
		case F_NOT_SHARED:
			warnx("%s: not shared: %s", name, fr->line);
			break;
		case F_UNKNOWN:
			warnx("%s: not known whether shared (look with: tafel "
			    "case show %s): %s", name, im->r->caseid,
			    fr->line);
			break;
		default:
			break;		/* F_CHECKED: not named */
		}
		fflush(stdout);
		free(name);
		free(fr->line);
		fr->line = NULL;
	}
}

/*
 * Reads file and makes its text a record: returns it (malloc'd, *len
 * its length), or NULL with why saying what keeps it from being one.
 */
static char *
import_read(const char *file, size_t *len, char why[WHY_MAX])
{
	char *text;

	if ((text = file_load(file, READ_MAX, len)) == NULL) {
		if (errno == EISDIR)
			snprintf(why, WHY_MAX, "it is a directory");
		else if (errno == EFBIG)
			snprintf(why, WHY_MAX, "the file is too large for a "
			    "record (over %d bytes)", READ_MAX);
		else
			snprintf(why, WHY_MAX, "%s", strerror(errno));
		return NULL;
	}
	if (record_text_check(text, len, why) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

/*
 * Every file is read and checked before anything is sent, so that a
 * bad file among many leaves nothing half done: the same command runs
 * again once it is fixed.  Returns how many cannot be records.
 */
static size_t
import_check(struct import *im)
{
	char why[WHY_MAX], *text;
	size_t i, len, bad = 0;

	for (i = 0; i < im->nfiles; i++) {
		if ((text = import_read(im->files[i], &len, why)) != NULL) {
			free(text);
			continue;
		}
		im->res[i].fate = F_NOT_SHARED;
		im->res[i].line = xstrdup(why);
		bad++;
	}
	return bad;
}

static int
import_gen(void *arg, size_t i, struct tafel_mpw *w)
{
	struct import *im = arg;
	char why[WHY_MAX], *text;
	size_t len;

	/* Read again: the file may have changed since it was checked. */
	if ((text = import_read(im->files[i], &len, why)) == NULL) {
		im->res[i].fate = F_NOT_SHARED;
		im->res[i].line = xstrdup(why);
		return -1;
	}
	recspec_request(im->r, w, text, len);
	free(text);
	return 0;
}

static void
import_done(void *arg, size_t i, enum ctl_fate fate, int e,
    uint8_t *buf, size_t len)
{
	struct import *im = arg;
	struct file_result *fr = &im->res[i];
	struct ctl_reply rep;
	char why[WHY_MAX], id[HEX_ID_LEN + 1];

	switch (fate) {
	case CTL_SKIPPED:
		break;			/* import_gen said why */
	case CTL_NOT_SENT:
	case CTL_LOST:
		fr->fate = fate == CTL_LOST ? F_UNKNOWN : F_NOT_SHARED;
		fr->line = xstrdup(ctl_why(im->c, fate, e, why, sizeof(why)));
		break;
	case CTL_ANSWERED:
		if ((fr->line = ctl_answer(&rep, buf, len)) != NULL) {
			fr->fate = F_NOT_SHARED;
			break;
		}
		if (ctl_id_get(rep.data, "record", id) != 0) {
			/* ok, but not which record: it may be shared. */
			fr->fate = F_UNKNOWN;
			fr->line = xstrdup("the tafel daemon's answer does not "
			    "name the record (are tafel and tafeld the same "
			    "version?)");
		} else {
			fr->fate = F_SHARED;
			fr->line = xstrdup(id);
			im->nshared++;
		}
		ctl_reply_free(&rep);
		break;
	}
	import_print(im);
}

/*
 * Set by SIGINT, SIGTERM or SIGHUP during an import: no more files are
 * sent, those in flight are waited for, and every file still gets its
 * line.  A second signal ends the process at once.
 */
static volatile sig_atomic_t import_stop;

static void
import_signal(int sig)
{
	import_stop = 1;
}

static void
import_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = import_signal;
	sa.sa_flags = SA_RESETHAND;	/* not SA_RESTART: poll returns */
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) == -1 ||
	    sigaction(SIGTERM, &sa, NULL) == -1 ||
	    sigaction(SIGHUP, &sa, NULL) == -1)
		err(1, "sigaction");
}

static int
record_import(struct client *c, int argc, char **argv)
{
	struct opt o[] = {
		OPT("--category", OPT_VALUE),
		OPT("--to", OPT_VALUE),
		OPT("--jobs", OPT_VALUE),
	};
	char sock[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct ctl_batch b;
	struct recspec r;
	struct import im;
	char **pos;
	size_t bad, i;
	int npos;

	if ((pos = calloc(argc > 0 ? argc : 1, sizeof(*pos))) == NULL)
		err(1, NULL);
	npos = recspec_parse("record import", argc, argv, o, 3, pos, argc, &r);
	if (npos < 2)
		errx(EXIT_USAGE, "record import needs at least one FILE after "
		    "the CASE id");
	memset(&b, 0, sizeof(b));
	b.inflight = o[2].seen ? opt_number(&o[2], 1, JOBS_MAX) :
	    JOBS_DEFAULT;
	ctl_sock_path(c, sock, sizeof(sock));

	memset(&im, 0, sizeof(im));
	im.c = c;
	im.r = &r;
	im.files = pos + 1;
	im.nfiles = (size_t)npos - 1;
	if ((im.res = calloc(im.nfiles, sizeof(*im.res))) == NULL)
		err(1, NULL);
	if ((bad = import_check(&im)) > 0) {
		im.printed = 0;
		for (i = 0; i < im.nfiles; i++)
			if (im.res[i].fate == F_WAITING)
				im.res[i].fate = F_CHECKED;
		import_print(&im);
		free(im.res);
		free(pos);
		errx(1, "%zu of %zu files cannot be records; nothing was "
		    "shared", bad, im.nfiles);
	}
	b.sock = sock;
	b.n = im.nfiles;
	b.timeout_ms = CTL_TIMEOUT * 1000;
	b.gen = import_gen;
	b.done = import_done;
	b.arg = &im;
	b.stop = &import_stop;
	import_signals();
	if (ctl_batch_run(&b) != 0)
		err(1, "cannot call the tafel daemon");
	import_print(&im);

	free(im.res);
	free(pos);
	if (im.nshared == im.nfiles)
		return 0;
	warnx("%zu of %zu files shared in case %s; the others are named "
	    "above", im.nshared, im.nfiles, r.caseid);
	return 1;
}

int
record_main(struct client *c, int argc, char **argv)
{
	if (argc < 2)
		errx(EXIT_USAGE, "record needs a subcommand: add or import");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage_print(stdout, "record");
		return 0;
	}
	if (strcmp(argv[1], "add") == 0)
		return record_add(c, argc, argv);
	if (strcmp(argv[1], "import") == 0)
		return record_import(c, argc, argv);
	errx(EXIT_USAGE, "unknown subcommand 'record %s' (add or import)",
	    argv[1]);
}
