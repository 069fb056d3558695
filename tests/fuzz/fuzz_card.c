/*
 * libFuzzer harness for proto/card.c.  The first byte picks a mode:
 *   0  the rest is a signed card
 *   1  the rest is the inner map; the harness signs it with a fixed key
 *      so that the inner decoder is reached
 *   2  the rest is the text form
 * A card that decodes must survive the text round trip unchanged.
 */
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tafel/card.h"
#include "tafel/mp.h"
#include "tafel/tafel.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static uint8_t	fuzz_pk[32], fuzz_sk[64];
static int	ready;

static void
init(void)
{
	uint8_t seed[32];

	if (ready)
		return;
	if (sodium_init() < 0)
		abort();
	memset(seed, 0x42, sizeof(seed));
	crypto_sign_seed_keypair(fuzz_pk, fuzz_sk, seed);
	ready = 1;
}

/* { "v": 1, "card": inner, "sig": sig over inner by the fixed key }. */
static int
wrap(const uint8_t *inner, size_t len, uint8_t **out, size_t *outlen)
{
	struct tafel_mpw w;
	uint8_t sig[64], *m;
	size_t dl = sizeof(TAFEL_CARD_DOMAIN);

	if ((m = malloc(dl + len)) == NULL)
		return -1;
	memcpy(m, TAFEL_CARD_DOMAIN, dl);
	memcpy(m + dl, inner, len);
	crypto_sign_detached(sig, NULL, m, dl + len, fuzz_sk);
	free(m);
	tafel_mpw_init(&w);
	tafel_mpw_map(&w, 3);
	tafel_mpw_str(&w, "v");
	tafel_mpw_uint(&w, 1);
	tafel_mpw_str(&w, "card");
	tafel_mpw_bin(&w, inner, len);
	tafel_mpw_str(&w, "sig");
	tafel_mpw_bin(&w, sig, sizeof(sig));
	return tafel_mpw_finish(&w, out, outlen);
}

/* A decoded card: text round trip, and re-encoding with the fixed key. */
static void
check(const uint8_t *card, size_t len, struct tafel_card *c)
{
	struct tafel_card c2;
	uint8_t *back, *again;
	size_t backlen, againlen;
	char *text;

	if (tafel_card_to_text(card, len, &text) != 0)
		abort();
	if (tafel_card_from_text(text, strlen(text), &back, &backlen,
	    &c2) != 0)
		abort();
	if (backlen != len || memcmp(back, card, len) != 0 ||
	    memcmp(c2.hash, c->hash, sizeof(c->hash)) != 0)
		abort();
	free(back);
	free(text);
	/* What decodes must encode (canonically) and decode the same. */
	if (memcmp(c->sign_pk, fuzz_pk, 32) == 0) {
		if (tafel_card_encode(c, fuzz_sk, &again, &againlen) != 0)
			abort();
		if (tafel_card_decode(again, againlen, &c2) != 0 ||
		    strcmp(c2.org, c->org) != 0 ||
		    strcmp(c2.name, c->name) != 0 ||
		    c2.nendpoints != c->nendpoints)
			abort();
		free(again);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tafel_card c;
	uint8_t *card = NULL;
	size_t len = 0;

	init();
	if (size < 1 || size > 4 * TAFEL_CARD_MAX)
		return 0;
	switch (data[0] % 3) {
	case 0:
		if (tafel_card_decode(data + 1, size - 1, &c) == 0)
			check(data + 1, size - 1, &c);
		break;
	case 1:
		if (size - 1 > TAFEL_CARD_MAX || wrap(data + 1, size - 1,
		    &card, &len) != 0)
			break;
		if (tafel_card_decode(card, len, &c) == 0)
			check(card, len, &c);
		free(card);
		break;
	case 2:
		if (tafel_card_from_text((const char *)data + 1, size - 1,
		    &card, &len, &c) == 0) {
			if (len == 0 || len > TAFEL_CARD_MAX)
				abort();
			free(card);
		}
		break;
	}
	return 0;
}
