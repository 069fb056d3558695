/*
 * libFuzzer harness for proto/table.c.  The first byte picks a mode:
 *   0  the rest is a table document
 *   1  the rest is a body, wrapped in a document without signatures
 *   2  the rest is the text form
 * A table that decodes is sealed again (canonical body), encoded and
 * decoded, and must come back with the same fields.
 */
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tafel/mp.h"
#include "tafel/table.h"
#include "tafel/tafel.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
wrap(const uint8_t *body, size_t len, uint8_t **out, size_t *outlen)
{
	struct tafel_mpw w;

	tafel_mpw_init(&w);
	tafel_mpw_map(&w, 3);
	tafel_mpw_str(&w, "v");
	tafel_mpw_uint(&w, 1);
	tafel_mpw_str(&w, "body");
	tafel_mpw_bin(&w, body, len);
	tafel_mpw_str(&w, "sigs");
	tafel_mpw_array(&w, 0);
	return tafel_mpw_finish(&w, out, outlen);
}

static void
check(const uint8_t *doc, size_t len, struct tafel_table *t)
{
	struct tafel_table *d;
	const char *why;
	uint8_t *enc, *back;
	size_t enclen, backlen, i;
	char *text;
	unsigned n;

	/* Acceptance never crashes and never passes below threshold. */
	n = tafel_table_valid_sigs(t, t);
	if (n > t->nsigners || n > t->nsigs)
		abort();
	if (tafel_table_accept_genesis(t, t->hash, &why) == 0 &&
	    n < t->threshold)
		abort();
	(void)tafel_table_accept_next(t, t, &why);

	/* The text round trip gives the same bytes. */
	if (tafel_table_to_text(doc, len, &text) != 0)
		abort();
	if (tafel_table_from_text(text, strlen(text), &back, &backlen) != 0 ||
	    backlen != len || memcmp(back, doc, len) != 0)
		abort();
	free(back);
	free(text);

	/* Sealed again, it encodes and decodes to the same fields. */
	if (tafel_table_seal_body(t) != 0 ||
	    tafel_table_encode(t, &enc, &enclen) != 0)
		abort();
	if (tafel_table_decode(enc, enclen, &d) != 0)
		abort();
	if (strcmp(d->id, t->id) != 0 || d->version != t->version ||
	    d->nmembers != t->nmembers || d->nsigners != t->nsigners ||
	    d->threshold != t->threshold || d->bodylen != t->bodylen ||
	    memcmp(d->body, t->body, t->bodylen) != 0 ||
	    memcmp(&d->rules, &t->rules, sizeof(t->rules)) != 0)
		abort();
	for (i = 0; i < d->nmembers; i++)
		if (memcmp(d->members[i].card.hash, t->members[i].card.hash,
		    32) != 0)
			abort();
	tafel_table_destroy(&d);
	free(enc);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tafel_table *t = NULL;
	uint8_t *doc = NULL;
	size_t len = 0;

	if (size < 1 || size > 2 * TAFEL_TABLE_DOC_MAX)
		return 0;
	if (sodium_init() < 0)
		abort();
	switch (data[0] % 3) {
	case 0:
		if (tafel_table_decode(data + 1, size - 1, &t) == 0)
			check(data + 1, size - 1, t);
		break;
	case 1:
		if (size - 1 > TAFEL_TABLE_DOC_MAX / 2 ||
		    wrap(data + 1, size - 1, &doc, &len) != 0)
			break;
		if (tafel_table_decode(doc, len, &t) == 0)
			check(doc, len, t);
		free(doc);
		break;
	case 2:
		if (tafel_table_from_text((const char *)data + 1, size - 1,
		    &doc, &len) == 0)
			free(doc);
		break;
	}
	tafel_table_destroy(&t);
	return 0;
}
