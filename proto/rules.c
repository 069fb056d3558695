/*
 * The rules of a partner table as plain text: what operators write in a
 * file for `tafel table draft --rules FILE`, and what `tafel table show`
 * prints.  See include/tafel/table.h for the format.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tafel/table.h"
#include "tafel/tafel.h"

#define RULES_TEXT_MAX	65536
#define LINE_MAX_WORDS	(TAFEL_NROLES + 2)
#define ALL_CATS	((1u << TAFEL_NCATS) - 1)

/* Splits line[0..n) into words; returns the count, or -1 if too many. */
static int
words(char *line, char *w[LINE_MAX_WORDS])
{
	int nw = 0;
	char *p = line;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			return nw;
		if (nw == LINE_MAX_WORDS)
			return -1;
		w[nw++] = p;
		while (*p != '\0' && *p != ' ' && *p != '\t')
			p++;
		if (*p != '\0')
			*p++ = '\0';
	}
}

static int
parse_uint(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	unsigned long long v = 0;
	const char *p;

	if (*s == '\0' || (s[0] == '0' && s[1] != '\0'))
		return -1;
	for (p = s; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (unsigned)(*p - '0');
		if (v > max)
			return -1;
	}
	if (v < min)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

/* Parses one line (NUL terminated, comment stripped). */
static int
parse_line(char *line, struct tafel_rules *r, unsigned *seen,
    uint16_t *sendseen, uint16_t *recvseen, uint16_t *minseen,
    const char **why)
{
	char *w[LINE_MAX_WORDS];
	int nw, i, role, cat;
	uint8_t mask = 0;

	if ((nw = words(line, w)) < 0) {
		*why = "too many words on the line";
		return -1;
	}
	if (nw == 0)
		return 0;
	if (strcmp(w[0], "open") == 0) {
		if (*seen & 1) {
			*why = "open appears twice";
			return -1;
		}
		*seen |= 1;
		for (i = 1; i < nw; i++) {
			if ((role = tafel_role_index(w[i])) < 0) {
				*why = "unknown role";
				return -1;
			}
			if (r->open & (1u << role)) {
				*why = "a role is listed twice";
				return -1;
			}
			r->open |= 1u << role;
		}
		return 0;
	}
	if (strcmp(w[0], "send") == 0 || strcmp(w[0], "recv") == 0 ||
	    strcmp(w[0], "minors") == 0) {
		bool send = w[0][0] == 's', minors = w[0][0] == 'm';
		uint16_t *done = minors ? minseen : send ? sendseen : recvseen;

		if (nw < 3) {
			*why = minors ? "expected: minors ROLE CATEGORY... (or "
			    "all)" : "expected: send|recv ROLE CATEGORY... (or "
			    "all)";
			return -1;
		}
		if ((role = tafel_role_index(w[1])) < 0) {
			*why = "unknown role";
			return -1;
		}
		if (*done & (1u << role)) {
			*why = "this role already has such a line";
			return -1;
		}
		*done |= 1u << role;
		if (nw == 3 && strcmp(w[2], "all") == 0)
			mask = ALL_CATS;
		else
			for (i = 2; i < nw; i++) {
				if ((cat = tafel_cat_index(w[i])) < 0) {
					*why = "unknown record category";
					return -1;
				}
				if (mask & (1u << cat)) {
					*why = "a category is listed twice";
					return -1;
				}
				mask |= 1u << cat;
			}
		if (minors)
			r->minors[role] = mask;
		else if (send)
			r->send[role] = mask;
		else
			r->recv[role] = mask;
		return 0;
	}
	if (strcmp(w[0], "retention-days") == 0 ||
	    strcmp(w[0], "max-record") == 0) {
		bool ret = w[0][0] == 'r';
		unsigned bit = ret ? 2 : 4;

		if (*seen & bit) {
			*why = ret ? "retention-days appears twice" :
			    "max-record appears twice";
			return -1;
		}
		*seen |= bit;
		if (nw != 2 || parse_uint(w[1], 1, ret ? 36500 : TAFEL_MAX_TEXT,
		    ret ? &r->retention_days : &r->max_record) != 0) {
			*why = ret ? "retention-days takes a number of days "
			    "from 1 to 36500" : "max-record takes a number of "
			    "bytes from 1 to 262144";
			return -1;
		}
		return 0;
	}
	*why = "unknown rule (expected open, send, recv, minors, "
	    "retention-days or max-record)";
	return -1;
}

int
tafel_rules_parse(const char *text, size_t len, struct tafel_rules *r,
    unsigned *line, const char **why)
{
	char buf[512];
	uint16_t sendseen = 0, recvseen = 0, minseen = 0;
	unsigned seen = 0;
	size_t off = 0, n;

	*line = 0;
	*why = NULL;
	memset(r, 0, sizeof(*r));
	if (len > RULES_TEXT_MAX) {
		*why = "the rules file is too large";
		return TAFEL_ETOOBIG;
	}
	while (off < len) {
		const char *nl = memchr(text + off, '\n', len - off);
		char *hash;

		n = nl != NULL ? (size_t)(nl - (text + off)) : len - off;
		(*line)++;
		if (n >= sizeof(buf)) {
			*why = "line too long";
			return TAFEL_EMALFORMED;
		}
		memcpy(buf, text + off, n);
		buf[n] = '\0';
		off += n + (nl != NULL);
		if (n > 0 && buf[n - 1] == '\r')
			buf[--n] = '\0';
		if (memchr(buf, '\0', n) != NULL) {
			*why = "a NUL byte in the text";
			return TAFEL_EMALFORMED;
		}
		if ((hash = strchr(buf, '#')) != NULL)
			*hash = '\0';
		if (parse_line(buf, r, &seen, &sendseen, &recvseen, &minseen,
		    why) != 0)
			return TAFEL_EMALFORMED;
	}
	*line = 0;
	if ((seen & 7) != 7) {
		*why = !(seen & 1) ? "no open line" : !(seen & 2) ?
		    "no retention-days line" : "no max-record line";
		return TAFEL_EMALFORMED;
	}
	return 0;
}

/* Appends to a growing string; returns -1 when out of memory. */
static int
put(char **s, size_t *len, size_t *cap, const char *a)
{
	size_t n = strlen(a);
	char *p;

	if (*len + n + 1 > *cap) {
		size_t nc = (*cap + n + 1) * 2;

		if ((p = realloc(*s, nc)) == NULL)
			return -1;
		*s = p;
		*cap = nc;
	}
	memcpy(*s + *len, a, n + 1);
	*len += n;
	return 0;
}

static int
put_mask(char **s, size_t *len, size_t *cap, const char *what,
    const char *role, uint8_t mask)
{
	int c, rc;

	if (mask == 0)
		return 0;
	rc = put(s, len, cap, what) | put(s, len, cap, " ") |
	    put(s, len, cap, role);
	if (mask == ALL_CATS)
		rc |= put(s, len, cap, " all");
	else
		for (c = 0; c < TAFEL_NCATS; c++)
			if (mask & (1u << c))
				rc |= put(s, len, cap, " ") |
				    put(s, len, cap, tafel_categories[c]);
	return rc | put(s, len, cap, "\n");
}

int
tafel_rules_format(const struct tafel_rules *r, char **text)
{
	char *s = NULL, num[32];
	size_t len = 0, cap = 0;
	int i, rc = 0;

	*text = NULL;
	rc |= put(&s, &len, &cap, "open");
	for (i = 0; i < TAFEL_NROLES; i++)
		if (r->open & (1u << i))
			rc |= put(&s, &len, &cap, " ") |
			    put(&s, &len, &cap, tafel_roles[i]);
	rc |= put(&s, &len, &cap, "\n");
	for (i = 0; i < TAFEL_NROLES; i++)
		rc |= put_mask(&s, &len, &cap, "send", tafel_roles[i],
		    r->send[i]);
	for (i = 0; i < TAFEL_NROLES; i++)
		rc |= put_mask(&s, &len, &cap, "recv", tafel_roles[i],
		    r->recv[i]);
	for (i = 0; i < TAFEL_NROLES; i++)
		rc |= put_mask(&s, &len, &cap, "minors", tafel_roles[i],
		    r->minors[i]);
	snprintf(num, sizeof(num), "retention-days %u\n", r->retention_days);
	rc |= put(&s, &len, &cap, num);
	snprintf(num, sizeof(num), "max-record %u\n", r->max_record);
	rc |= put(&s, &len, &cap, num);
	if (rc != 0) {
		free(s);
		return TAFEL_ENOMEM;
	}
	*text = s;
	return 0;
}
