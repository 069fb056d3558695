/*
 * tafel: the command-line client.  Private declarations, grouped by the
 * file that defines them.
 *
 * The client is a short-lived program: a function that meets an error it
 * cannot hand back usefully prints one line with err(3) or errx(3) and
 * exits.  Exit status 2 means the command line was wrong, 1 that the
 * command failed, 0 that it worked.
 */
#ifndef TAFEL_CLIENT_H
#define TAFEL_CLIENT_H

#include <sys/types.h>

#include <limits.h>
#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ctlbatch.h"
#include "tafel/card.h"
#include "tafel/ctl.h"
#include "tafel/keyfile.h"

#define EXIT_USAGE	2
#define CTL_TIMEOUT	30	/* seconds for one control request */

/* The global options, shared by every command. */
struct client {
	const char	*dir;		/* state directory, or NULL if none */
};

/* One command of the dispatch table in main.c. */
struct command {
	const char	*name;
	int		(*fn)(struct client *, int, char **);
	const char	*help;		/* synopsis lines for tafel help */
};

/* main.c */
/* Prints the synopsis of one command (or of all with NULL) to fp. */
void	usage_print(FILE *fp, const char *name);

/*
 * ctl.c: command-line options, the control socket, reading the daemon's
 * answers and printing them.
 */
enum opt_kind {
	OPT_FLAG,		/* --json */
	OPT_VALUE,		/* --org ID; the value may not start "--" */
	OPT_TEXT,		/* --text TEXT; the next argument, whatever */
	OPT_LIST		/* --cards A B ...; up to the next option */
};

struct opt {
	const char	 *name;		/* with its dashes: "--org", "-o" */
	enum opt_kind	  kind;
	bool		  seen;		/* out */
	const char	 *val;		/* out: OPT_VALUE, OPT_TEXT */
	char		**list;		/* out: OPT_LIST, points into argv */
	int		  nlist;	/* out: OPT_LIST */
};
#define OPT(n, k)	{ .name = (n), .kind = (k) }

/*
 * Parses argv[first..argc) against opts.  Positional arguments go to
 * pos (at most maxpos, pointers into argv); returns how many.  Exits
 * with status 2 and one line on an unknown option, a missing value, an
 * option given twice or too many arguments; "--help" prints the usage
 * of cmd and exits 0.  cmd is the command as people type it ("table
 * draft"); group is its entry in the dispatch table, for the usage.
 */
int	opt_parse(const char *cmd, const char *group, int argc, char **argv,
	    int first, struct opt *opts, size_t nopts, char **pos, int maxpos);
/* Exits with status 2 unless the option was given: "cmd needs --opt". */
void	opt_require(const char *cmd, const struct opt *o, const char *what);
/* A decimal number in [min, max], or exits with status 2. */
uint64_t opt_number(const struct opt *o, uint64_t min, uint64_t max);

/*
 * Splits "a,b,c" into org ids (copies into out, at most max), checking
 * each one and refusing duplicates.  Exits with status 2 on a bad list.
 * Returns the count.
 */
size_t	opt_org_list(const char *optname, const char *s,
	    char out[][TAFEL_ORG_MAX + 1], size_t max);
/* Checks a 32-hex case id and copies it in lower case, or exits 2. */
void	opt_case_id(const char *s, char out[2 * TAFEL_ID_BYTES + 1]);

/*
 * True when s[0..n) is UTF-8 without control characters (multiline:
 * tab and newline allowed).
 */
bool	text_valid(const char *s, size_t n, bool multiline);
/* Joins names with ", " into buf (truncated with "..." if need be). */
void	names_join(char *buf, size_t sz, const char *const *names, size_t n);

/* One request and its decoded answer; free with ctl_reply_free. */
struct ctl_reply {
	uint8_t			*buf;	/* the response bytes */
	size_t			 len;
	msgpack_unpacked	 u;
	struct tafel_ctl_resp	 resp;
	const msgpack_object	*data;	/* the "data" map; points into u */
};

/*
 * Finishes the request written into w (tafel_ctl_req_begin and one args
 * map), sends it to the daemon of c->dir and reads the answer into *r.
 * Exits with one clear line when the daemon is not running, does not
 * answer, or answers with an error (then "tafel: MSG", status 1).
 */
void	ctl_call(const struct client *c, struct tafel_mpw *w,
	    struct ctl_reply *r);
void	ctl_reply_free(struct ctl_reply *r);
/* The path of c's control socket into buf; exits when it does not fit. */
void	ctl_sock_path(const struct client *c, char *buf, size_t sz);
/*
 * For ctl_batch_run: one line into buf saying why a request got no
 * answer (fate NOT_SENT or LOST, err as it gave).  Returns buf.
 */
const char *ctl_why(const struct client *c, enum ctl_fate fate,
	    int err, char *buf, size_t sz);
/*
 * Decodes an answer that ctl_batch_run gave into *r, which takes
 * buf over.  Returns NULL when the daemon said ok; otherwise a malloc'd
 * line, safe to print, saying why (the daemon's message), and r is
 * left empty.
 */
char	*ctl_answer(struct ctl_reply *r, uint8_t *buf, size_t len);

/*
 * An answer that comes in pages (case.show, case.list; protocol.md 12.5):
 * asks op with the nargs arguments args writes, and again with "after"
 * set to the cursor key of the last element of the array key, while the
 * answer's "more" is true.  data is the first page's map with the
 * elements of every page in key, and no "more"; it points into the
 * pages, freed with ctl_pages_free.  Exits as ctl_call does.
 */
struct ctl_pages {
	struct ctl_reply	*rep;		/* one per page */
	size_t			 nrep;
	msgpack_object		*el;		/* every element, in order */
	size_t			 nel;
	msgpack_object_kv	*kv;		/* data's pairs */
	msgpack_object		 data;
};
void	ctl_call_pages(const struct client *c, const char *op,
	    void (*args)(struct tafel_mpw *, const void *), const void *arg,
	    size_t nargs, const char *key, const char *cursor,
	    struct ctl_pages *p);
void	ctl_pages_free(struct ctl_pages *p);

/*
 * Fields of the daemon's answer.  Each exits with status 1 and a line
 * saying the answer was not understood when the key is missing or of
 * another type.  Strings come back as malloc'd copies (caller frees)
 * with control characters replaced, safe to print on a terminal;
 * multiline keeps newlines and tabs.
 */
const msgpack_object *ctl_field(const msgpack_object *map, const char *key,
	    msgpack_object_type type);
uint64_t ctl_uint(const msgpack_object *map, const char *key);
bool	ctl_bool(const msgpack_object *map, const char *key);
char	*ctl_str(const msgpack_object *map, const char *key, bool multiline);
/* The same for one str object (an element of an array). */
char	*ctl_strdup(const msgpack_object *o, bool multiline);
/* A key whose value must be an id of 32 lower-case hex digits. */
char	*ctl_id(const msgpack_object *map, const char *key);
/* The same into out without exiting: 0, or -1 when it is not one. */
int	ctl_id_get(const msgpack_object *map, const char *key,
	    char out[2 * TAFEL_ID_BYTES + 1]);
/* A copy of s (a file name) safe to print on one line. */
char	*ctl_sanitize(const char *s);

/* Prints an object as JSON, indented, with a final newline. */
void	json_print(FILE *fp, const msgpack_object *o);

/* "YYYY-MM-DD HH:MM UTC" of seconds since the epoch; buf of 32. */
void	fmt_time(char buf[32], uint64_t t);

/* init.c: init, card, id, and the files of the state directory. */
int	init_main(struct client *, int, char **);
int	card_main(struct client *, int, char **);
int	id_main(struct client *, int, char **);

/*
 * Checks that the state directory was given and exists; exits with the
 * right message otherwise.
 */
void	state_need(const struct client *c);
/* DIR/name into buf (PATH_MAX), or exits when it is too long. */
void	state_path(const struct client *c, const char *name, char *buf,
	    size_t sz);

/*
 * Reads a whole file of at most max bytes.  what names the kind of file
 * for messages ("member card").  Caller owns the result (free(3)),
 * which is NUL terminated; *len excludes the NUL.  Exits on failure.
 */
char	*file_read(const char *path, size_t max, const char *what,
	    size_t *len);
/*
 * The same without exiting: NULL with errno set on failure, EISDIR for
 * a directory and EFBIG for a file over max bytes.
 */
char	*file_load(const char *path, size_t max, size_t *len);

/*
 * A file written in two steps: file_stage writes a temporary file
 * beside path (created with O_EXCL|O_NOFOLLOW, given mode) and syncs
 * it; file_commit moves it into place, replacing an existing path only
 * when replace is set, and syncs the directory.  file_abort removes the
 * temporary file.  Both return 0 or -1 with errno set.
 */
struct staged {
	char	path[PATH_MAX];
	char	tmp[PATH_MAX];
	bool	live;		/* the temporary file exists */
};

int	file_stage(struct staged *, const char *path, const void *buf,
	    size_t len, mode_t mode) __attribute__((warn_unused_result));
int	file_commit(struct staged *, bool replace)
	    __attribute__((warn_unused_result));
void	file_abort(struct staged *);
/* file_stage and file_commit in one; exits on failure. */
void	file_write(const char *path, const void *buf, size_t len, mode_t mode,
	    bool replace);

/*
 * Reads the passphrase from the first line of a file, or from the
 * terminal (echo off) when path is NULL.  Returns sodium_malloc memory
 * (free with pass_free) holding a NUL-terminated passphrase of *len
 * bytes.  Exits on failure.
 */
char	*pass_read(const char *path, const char *keyfile, size_t *len);
void	pass_free(char **pp);

/*
 * Loads DIR/card (verified) into *card.  Exits with a clear line when it
 * is missing or damaged.
 */
void	card_load(const struct client *c, struct tafel_card *card);

/*
 * Loads DIR/secret.key, asking for its passphrase if it has one (from
 * passfile when not NULL, else on the terminal), and checks that it
 * belongs to card.  Returns sodium_malloc memory; free with keys_free.
 */
struct tafel_secrets *keys_load(const struct client *c, const char *passfile,
	    const struct tafel_card *card);
void	keys_free(struct tafel_secrets **sp);

/* table.c */
int	table_main(struct client *, int, char **);

/* case.c: cases and records. */
int	case_main(struct client *, int, char **);
int	record_main(struct client *, int, char **);

/* audit.c: the exchange log. */
int	audit_main(struct client *, int, char **);

/* status.c */
int	status_main(struct client *, int, char **);
int	peers_main(struct client *, int, char **);

#endif
