/*
 * The client's plumbing: command-line options, the control socket to
 * tafeld (include/tafel/ctl.h), fields of the daemon's answers, and a
 * JSON printer for --json.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <ctype.h>
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
#include "tafel/mp.h"
#include "tafel/tafel.h"
#include "tafel/util.h"


/* Command-line options. */

static struct opt *
opt_find(struct opt *opts, size_t nopts, const char *a, size_t n)
{
	size_t i;

	for (i = 0; i < nopts; i++)
		if (strlen(opts[i].name) == n &&
		    strncmp(opts[i].name, a, n) == 0)
			return &opts[i];
	return NULL;
}

/* True when a ends the arguments of a list option. */
static bool
list_ends(struct opt *opts, size_t nopts, const char *a)
{
	return strncmp(a, "--", 2) == 0 ||
	    opt_find(opts, nopts, a, strlen(a)) != NULL;
}

int
opt_parse(const char *cmd, const char *group, int argc, char **argv,
    int first, struct opt *opts, size_t nopts, char **pos, int maxpos)
{
	struct opt *o;
	const char *a, *eq, *val;
	size_t namelen;
	bool dashdash = false;
	int i, npos = 0;

	for (i = first; i < argc; i++) {
		a = argv[i];
		if (dashdash || a[0] != '-' || strcmp(a, "-") == 0) {
			if (npos == maxpos)
				errx(EXIT_USAGE, "unexpected argument '%s' "
				    "for tafel %s (see: tafel help %s)", a,
				    cmd, group);
			pos[npos++] = argv[i];
			continue;
		}
		if (strcmp(a, "--") == 0) {
			dashdash = true;
			continue;
		}
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage_print(stdout, group);
			exit(0);
		}
		eq = strncmp(a, "--", 2) == 0 ? strchr(a, '=') : NULL;
		namelen = eq != NULL ? (size_t)(eq - a) : strlen(a);
		if ((o = opt_find(opts, nopts, a, namelen)) == NULL) {
			if (strcmp(a, "-d") == 0)
				errx(EXIT_USAGE, "-d DIR goes before the "
				    "command: tafel -d DIR %s ...", cmd);
			errx(EXIT_USAGE, "unknown option %.*s for tafel %s "
			    "(see: tafel help %s)", (int)namelen, a, cmd,
			    group);
		}
		if (o->seen)
			errx(EXIT_USAGE, "%s given twice", o->name);
		o->seen = true;
		switch (o->kind) {
		case OPT_FLAG:
			if (eq != NULL)
				errx(EXIT_USAGE, "%s takes no value", o->name);
			break;
		case OPT_VALUE:
		case OPT_TEXT:
			val = NULL;
			if (eq != NULL)
				val = eq + 1;
			else if (i + 1 < argc && (o->kind == OPT_TEXT ||
			    strncmp(argv[i + 1], "--", 2) != 0))
				val = argv[++i];
			if (val == NULL || (o->kind == OPT_VALUE &&
			    val[0] == '\0'))
				errx(EXIT_USAGE, "%s needs a value", o->name);
			o->val = val;
			break;
		case OPT_LIST:
			if (eq != NULL)
				errx(EXIT_USAGE, "give the files after %s "
				    "separated by spaces, not with =", o->name);
			o->list = argv + i + 1;
			o->nlist = 0;
			while (i + 1 < argc &&
			    !list_ends(opts, nopts, argv[i + 1])) {
				o->nlist++;
				i++;
			}
			if (o->nlist == 0)
				errx(EXIT_USAGE, "%s needs at least one file",
				    o->name);
			break;
		}
	}
	return npos;
}

void
opt_require(const char *cmd, const struct opt *o, const char *what)
{
	if (!o->seen)
		errx(EXIT_USAGE, "%s needs %s %s", cmd, o->name, what);
}

uint64_t
opt_number(const struct opt *o, uint64_t min, uint64_t max)
{
	unsigned long long v;
	const char *s = o->val;
	char *end;

	errno = 0;
	if (s == NULL || !isdigit((unsigned char)s[0]) ||
	    (v = strtoull(s, &end, 10), errno != 0) || *end != '\0' ||
	    v < min || v > max)
		errx(EXIT_USAGE, "%s must be a whole number from %" PRIu64
		    " to %" PRIu64, o->name, min, max);
	return v;
}

size_t
opt_org_list(const char *optname, const char *s,
    char out[][TAFEL_ORG_MAX + 1], size_t max)
{
	const char *p = s, *end;
	size_t n = 0, len, i;

	for (;;) {
		while (*p == ' ')
			p++;
		end = strchr(p, ',');
		if (end == NULL)
			end = p + strlen(p);
		len = end - p;
		while (len > 0 && p[len - 1] == ' ')
			len--;
		if (len == 0)
			errx(EXIT_USAGE, "%s has an empty name in '%s'",
			    optname, s);
		if (!tafel_id_validn(p, len))
			errx(EXIT_USAGE, "%s: '%.*s' is not an organisation "
			    "id (lower-case letters, digits and '-')",
			    optname, (int)len, p);
		if (n == max)
			errx(EXIT_USAGE, "%s names more than %zu "
			    "organisations", optname, max);
		memcpy(out[n], p, len);
		out[n][len] = '\0';
		for (i = 0; i < n; i++)
			if (strcmp(out[i], out[n]) == 0)
				errx(EXIT_USAGE, "%s names %s twice", optname,
				    out[n]);
		n++;
		if (*end == '\0')
			break;
		p = end + 1;
	}
	return n;
}

void
opt_case_id(const char *s, char out[2 * TAFEL_ID_BYTES + 1])
{
	size_t i;

	if (strlen(s) != 2 * TAFEL_ID_BYTES)
		goto bad;
	for (i = 0; i < 2 * TAFEL_ID_BYTES; i++) {
		if (!isxdigit((unsigned char)s[i]))
			goto bad;
		out[i] = (char)tolower((unsigned char)s[i]);
	}
	out[i] = '\0';
	return;
bad:
	errx(EXIT_USAGE, "'%s' is not a case id: a case id is 32 letters "
	    "and digits, as 'tafel case list' shows them", s);
}

bool
text_valid(const char *s, size_t n, bool multiline)
{
	msgpack_object o;

	if (n > UINT32_MAX)
		return false;
	o.type = MSGPACK_OBJECT_STR;
	o.via.str.ptr = s;
	o.via.str.size = (uint32_t)n;
	return tafel_mp_check(&o, multiline ? TAFEL_MP_TEXT : TAFEL_MP_STR, 0,
	    n);
}

void
names_join(char *buf, size_t sz, const char *const *names, size_t n)
{
	size_t i, off = 0;
	int k;

	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		k = snprintf(buf + off, sz - off, "%s%s", i > 0 ? ", " : "",
		    names[i]);
		if (k < 0 || (size_t)k >= sz - off) {
			/* Truncated: end with "..." where it fits. */
			if (sz >= 4)
				memcpy(buf + sz - 4, "...", 4);
			return;
		}
		off += (size_t)k;
	}
}

/*
 * Length of the UTF-8 sequence at s[0..n) and its code point, or 0 when
 * it is not a valid one (RFC 3629).
 */
static size_t
utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
	uint32_t c = s[0];
	size_t k, extra;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		extra = 1;
		c &= 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		extra = 2;
		c &= 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		extra = 3;
		c &= 0x07;
	} else
		return 0;
	if (extra >= n)
		return 0;
	for (k = 1; k <= extra; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[k] & 0x3f);
	}
	if ((extra == 2 && c < 0x800) || (extra == 3 && c < 0x10000) ||
	    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return 0;
	*cp = c;
	return extra + 1;
}

/*
 * A copy of s[0..n) that is safe to print on a terminal: invalid UTF-8
 * and control characters (but tab and newline when multiline) become
 * '?'.  Text from partners passes through here, so that nobody can send
 * escape sequences to a colleague's terminal.
 */
static char *
sanitize(const char *s, size_t n, bool multiline)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, o = 0, k;
	uint32_t cp;
	char *out;

	if ((out = malloc(n + 1)) == NULL)
		err(1, NULL);
	while (i < n) {
		k = utf8_next(p + i, n - i, &cp);
		if (k == 0 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) ||
		    (cp < 0x20 && !(multiline && (cp == '\n' || cp == '\t')))) {
			out[o++] = '?';
			i += k == 0 ? 1 : k;
			continue;
		}
		memcpy(out + o, p + i, k);
		o += k;
		i += k;
	}
	out[o] = '\0';
	return out;
}

/* The control socket. */

void
ctl_sock_path(const struct client *c, char *buf, size_t sz)
{
	int n;

	state_need(c);
	n = snprintf(buf, sz, "%s/%s", c->dir, TAFEL_CTL_SOCK);
	if (n < 0 || (size_t)n >= sz)
		errx(1, "the path %s/%s is too long for a socket (at most "
		    "%zu bytes); use a shorter state directory", c->dir,
		    TAFEL_CTL_SOCK, sz - 1);
}

const char *
ctl_why(const struct client *c, enum ctl_fate fate, int e, char *buf,
    size_t sz)
{
	if (fate == CTL_NOT_SENT && (e == ENOENT || e == ECONNREFUSED))
		snprintf(buf, sz, "the tafel daemon is not running for %s "
		    "(start it with: tafeld -d %s)", c->dir, c->dir);
	else if (fate == CTL_NOT_SENT && e == EACCES)
		snprintf(buf, sz, "no permission to use the tafel daemon of "
		    "%s (run tafel as the user that runs tafeld)", c->dir);
	else if (fate == CTL_NOT_SENT && e == EMSGSIZE)
		snprintf(buf, sz, "the request is too large to send (over %d "
		    "bytes)", TAFEL_MAX_FRAME);
	else if (fate == CTL_NOT_SENT && e == EINTR)
		snprintf(buf, sz, "interrupted before it was sent");
	else if (fate == CTL_NOT_SENT && e == ETIMEDOUT)
		snprintf(buf, sz, "the tafel daemon did not take the request "
		    "within %d seconds", CTL_TIMEOUT);
	else if (e == ETIMEDOUT)
		snprintf(buf, sz, "the tafel daemon did not answer within %d "
		    "seconds", CTL_TIMEOUT);
	else if (e == 0 || e == ECONNRESET || e == EPIPE)
		snprintf(buf, sz, "the tafel daemon closed the connection "
		    "without answering (see its log)");
	else if (e == EMSGSIZE)
		snprintf(buf, sz, "the tafel daemon sent an answer of a size "
		    "this client cannot take");
	else if (fate == CTL_NOT_SENT)
		snprintf(buf, sz, "cannot reach the tafel daemon: %s",
		    strerror(e));
	else
		snprintf(buf, sz, "cannot read the answer of the tafel "
		    "daemon: %s", strerror(e));
	return buf;
}

char *
ctl_answer(struct ctl_reply *r, uint8_t *buf, size_t len)
{
	const char *msg;
	char *why;

	memset(r, 0, sizeof(*r));
	if (tafel_ctl_resp_decode(&r->u, buf, len, &r->resp) != 0) {
		free(buf);
		if ((why = strdup("the tafel daemon sent an answer this "
		    "client does not understand (are tafel and tafeld the "
		    "same version?)")) == NULL)
			err(1, NULL);
		return why;
	}
	r->buf = buf;
	r->len = len;
	if (r->resp.ok) {
		r->data = r->resp.data;
		return NULL;
	}
	msg = r->resp.msg[0] != '\0' ? r->resp.msg : r->resp.code;
	why = sanitize(msg, strlen(msg), false);
	ctl_reply_free(r);
	return why;
}

/* ctl_call: one request of a batch of one. */
struct call {
	struct tafel_mpw	*w;
	enum ctl_fate	 fate;
	int			 err;
	uint8_t			*buf;
	size_t			 len;
};

static int
call_gen(void *arg, size_t i, struct tafel_mpw *w)
{
	struct call *k = arg;
	uint8_t *req;
	size_t len;

	if (tafel_mpw_finish(k->w, &req, &len) != 0)
		errx(1, "out of memory");
	tafel_mpw_raw(w, req, len);
	free(req);
	return 0;
}

static void
call_done(void *arg, size_t i, enum ctl_fate fate, int err,
    uint8_t *buf, size_t len)
{
	struct call *k = arg;

	k->fate = fate;
	k->err = err;
	k->buf = buf;
	k->len = len;
}

void
ctl_call(const struct client *c, struct tafel_mpw *w, struct ctl_reply *r)
{
	struct call k = { .w = w };
	struct ctl_batch b = {
		.n = 1, .inflight = 1, .timeout_ms = CTL_TIMEOUT * 1000,
		.gen = call_gen, .done = call_done, .arg = &k,
	};
	char sock[sizeof(((struct sockaddr_un *)0)->sun_path)], why[512];
	char *msg;

	ctl_sock_path(c, sock, sizeof(sock));
	b.sock = sock;
	if (ctl_batch_run(&b) != 0)
		err(1, "cannot call the tafel daemon");
	if (k.fate != CTL_ANSWERED)
		errx(1, "%s", ctl_why(c, k.fate, k.err, why, sizeof(why)));
	if ((msg = ctl_answer(r, k.buf, k.len)) != NULL)
		errx(1, "%s", msg);
}

void
ctl_reply_free(struct ctl_reply *r)
{
	if (r->buf != NULL) {
		msgpack_unpacked_destroy(&r->u);
		free(r->buf);
	}
	memset(r, 0, sizeof(*r));
}

static void	not_understood(const char *) __attribute__((noreturn));

/* Whether map has key "more" set to true (an older daemon has none). */
static bool
reply_more(const msgpack_object *map)
{
	uint32_t i;

	for (i = 0; i < map->via.map.size; i++)
		if (tafel_mp_streq(&map->via.map.ptr[i].key, "more"))
			return ctl_bool(map, "more");
	return false;
}

void
ctl_call_pages(const struct client *c, const char *op,
    void (*args)(struct tafel_mpw *, const void *), const void *arg,
    size_t nargs, const char *key, const char *cursor, struct ctl_pages *p)
{
	const msgpack_object *d, *a;
	struct tafel_mpw w;
	char *after = NULL;
	uint32_t i, k;
	bool more;

	memset(p, 0, sizeof(*p));
	do {
		tafel_mpw_init(&w);
		tafel_ctl_req_begin(&w, op);
		tafel_mpw_map(&w, nargs + (after != NULL));
		if (args != NULL)
			args(&w, arg);
		if (after != NULL) {
			tafel_mpw_str(&w, "after");
			tafel_mpw_str(&w, after);
			free(after);
			after = NULL;
		}
		if ((p->rep = reallocarray(p->rep, p->nrep + 1,
		    sizeof(*p->rep))) == NULL)
			err(1, "reallocarray");
		ctl_call(c, &w, &p->rep[p->nrep]);
		d = p->rep[p->nrep++].data;
		a = ctl_field(d, key, MSGPACK_OBJECT_ARRAY);
		if ((p->el = reallocarray(p->el, p->nel + a->via.array.size + 1,
		    sizeof(*p->el))) == NULL)
			err(1, "reallocarray");
		for (i = 0; i < a->via.array.size; i++)
			p->el[p->nel++] = a->via.array.ptr[i];
		if ((more = reply_more(d))) {
			if (a->via.array.size == 0)
				not_understood("more");
			after = ctl_str(&a->via.array.ptr[a->via.array.size -
			    1], cursor, false);
		}
	} while (more);

	/* The first page's map, with every element and without "more". */
	d = p->rep[0].data;
	if ((p->kv = calloc(d->via.map.size, sizeof(*p->kv))) == NULL)
		err(1, "calloc");
	for (i = 0, k = 0; i < d->via.map.size; i++) {
		if (tafel_mp_streq(&d->via.map.ptr[i].key, "more"))
			continue;
		p->kv[k] = d->via.map.ptr[i];
		if (tafel_mp_streq(&p->kv[k].key, key)) {
			p->kv[k].val.via.array.ptr = p->el;
			p->kv[k].val.via.array.size = (uint32_t)p->nel;
		}
		k++;
	}
	p->data = *d;
	p->data.via.map.ptr = p->kv;
	p->data.via.map.size = k;
}

void
ctl_pages_free(struct ctl_pages *p)
{
	size_t i;

	for (i = 0; i < p->nrep; i++)
		ctl_reply_free(&p->rep[i]);
	free(p->rep);
	free(p->el);
	free(p->kv);
	memset(p, 0, sizeof(*p));
}

/* Fields of the daemon's answers. */

static void __attribute__((noreturn))
not_understood(const char *key)
{
	errx(1, "the tafel daemon sent an answer this client does not "
	    "understand (field '%s'; are tafel and tafeld the same "
	    "version?)", key);
}

const msgpack_object *
ctl_field(const msgpack_object *map, const char *key,
    msgpack_object_type type)
{
	uint32_t i;

	if (map == NULL || map->type != MSGPACK_OBJECT_MAP)
		not_understood(key);
	for (i = 0; i < map->via.map.size; i++) {
		const msgpack_object_kv *kv = &map->via.map.ptr[i];

		if (!tafel_mp_streq(&kv->key, key))
			continue;
		if (kv->val.type != type)
			not_understood(key);
		return &kv->val;
	}
	not_understood(key);
}

uint64_t
ctl_uint(const msgpack_object *map, const char *key)
{
	return ctl_field(map, key, MSGPACK_OBJECT_POSITIVE_INTEGER)->via.u64;
}

bool
ctl_bool(const msgpack_object *map, const char *key)
{
	return ctl_field(map, key, MSGPACK_OBJECT_BOOLEAN)->via.boolean;
}

char *
ctl_str(const msgpack_object *map, const char *key, bool multiline)
{
	return ctl_strdup(ctl_field(map, key, MSGPACK_OBJECT_STR), multiline);
}

char *
ctl_strdup(const msgpack_object *o, bool multiline)
{
	if (o->type != MSGPACK_OBJECT_STR)
		not_understood("(string)");
	return sanitize(o->via.str.ptr, o->via.str.size, multiline);
}

int
ctl_id_get(const msgpack_object *map, const char *key,
    char out[2 * TAFEL_ID_BYTES + 1])
{
	const msgpack_object *o = NULL;
	uint32_t i;

	for (i = 0; map != NULL && map->type == MSGPACK_OBJECT_MAP &&
	    i < map->via.map.size; i++)
		if (tafel_mp_streq(&map->via.map.ptr[i].key, key))
			o = &map->via.map.ptr[i].val;
	if (o == NULL || o->type != MSGPACK_OBJECT_STR ||
	    o->via.str.size != 2 * TAFEL_ID_BYTES)
		return -1;
	for (i = 0; i < o->via.str.size; i++) {
		char ch = o->via.str.ptr[i];

		if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f')))
			return -1;
	}
	memcpy(out, o->via.str.ptr, o->via.str.size);
	out[o->via.str.size] = '\0';
	return 0;
}

char *
ctl_id(const msgpack_object *map, const char *key)
{
	char id[2 * TAFEL_ID_BYTES + 1], *s;

	if (ctl_id_get(map, key, id) != 0)
		errx(1, "the tafel daemon sent an answer this client does not "
		    "understand (field '%s' is not an id)", key);
	if ((s = strdup(id)) == NULL)
		err(1, NULL);
	return s;
}

char *
ctl_sanitize(const char *s)
{
	return sanitize(s, strlen(s), false);
}

void
fmt_time(char buf[32], uint64_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (t > INT64_MAX || gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, 32, "%Y-%m-%d %H:%M UTC", &tm) == 0)
		snprintf(buf, 32, "(time %" PRIu64 ")", t);
}

/* JSON. */

static void
json_indent(FILE *fp, int depth)
{
	int i;

	for (i = 0; i < depth; i++)
		fputs("  ", fp);
}

/*
 * A JSON string: escapes quote, backslash and control characters; bytes
 * that are not UTF-8 become U+FFFD so that the output is valid JSON.
 */
static void
json_str(FILE *fp, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, k;
	uint32_t cp;

	fputc('"', fp);
	while (i < n) {
		if ((k = utf8_next(p + i, n - i, &cp)) == 0) {
			fputs("\\ufffd", fp);
			i++;
			continue;
		}
		switch (cp) {
		case '"':
			fputs("\\\"", fp);
			break;
		case '\\':
			fputs("\\\\", fp);
			break;
		case '\b':
			fputs("\\b", fp);
			break;
		case '\f':
			fputs("\\f", fp);
			break;
		case '\n':
			fputs("\\n", fp);
			break;
		case '\r':
			fputs("\\r", fp);
			break;
		case '\t':
			fputs("\\t", fp);
			break;
		default:
			if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
				fprintf(fp, "\\u%04" PRIx32, cp);
			else
				fwrite(p + i, 1, k, fp);
			break;
		}
		i += k;
	}
	fputc('"', fp);
}

static void
json_value(FILE *fp, const msgpack_object *o, int depth)
{
	uint32_t i;

	switch (o->type) {
	case MSGPACK_OBJECT_NIL:
		fputs("null", fp);
		break;
	case MSGPACK_OBJECT_BOOLEAN:
		fputs(o->via.boolean ? "true" : "false", fp);
		break;
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		fprintf(fp, "%" PRIu64, o->via.u64);
		break;
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		fprintf(fp, "%" PRId64, o->via.i64);
		break;
	case MSGPACK_OBJECT_STR:
		json_str(fp, o->via.str.ptr, o->via.str.size);
		break;
	case MSGPACK_OBJECT_BIN:
		fputc('"', fp);
		for (i = 0; i < o->via.bin.size; i++)
			fprintf(fp, "%02x",
			    (unsigned char)o->via.bin.ptr[i]);
		fputc('"', fp);
		break;
	case MSGPACK_OBJECT_ARRAY:
		if (o->via.array.size == 0) {
			fputs("[]", fp);
			break;
		}
		fputs("[\n", fp);
		for (i = 0; i < o->via.array.size; i++) {
			json_indent(fp, depth + 1);
			json_value(fp, &o->via.array.ptr[i], depth + 1);
			fputs(i + 1 < o->via.array.size ? ",\n" : "\n", fp);
		}
		json_indent(fp, depth);
		fputc(']', fp);
		break;
	case MSGPACK_OBJECT_MAP:
		if (o->via.map.size == 0) {
			fputs("{}", fp);
			break;
		}
		fputs("{\n", fp);
		for (i = 0; i < o->via.map.size; i++) {
			const msgpack_object_kv *kv = &o->via.map.ptr[i];

			json_indent(fp, depth + 1);
			if (kv->key.type != MSGPACK_OBJECT_STR)
				not_understood("(map key)");
			json_str(fp, kv->key.via.str.ptr, kv->key.via.str.size);
			fputs(": ", fp);
			json_value(fp, &kv->val, depth + 1);
			fputs(i + 1 < o->via.map.size ? ",\n" : "\n", fp);
		}
		json_indent(fp, depth);
		fputc('}', fp);
		break;
	default:
		/* Floats and ext: tafel_mp_scan refuses them already. */
		not_understood("(value)");
	}
}

void
json_print(FILE *fp, const msgpack_object *o)
{
	json_value(fp, o, 0);
	fputc('\n', fp);
}
