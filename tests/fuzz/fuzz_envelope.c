/*
 * libFuzzer harness: envelope parsing (outer map, header, wraps), the
 * signature check and an open attempt with a fixed key; the header-only
 * parse must read the same header whenever the full parse succeeds.
 */
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tafel/envelope.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *buf, size_t len)
{
	static struct tafel_env e;
	static struct tafel_hdr h;
	static uint8_t body[TAFEL_MAX_BODY];
	uint8_t pk[32] = { 1 }, k[32] = { 2 };
	size_t n;
	int part;

	if (sodium_init() < 0)
		abort();
	part = tafel_env_parse_hdr(buf, len, &h);
	if (tafel_env_parse(buf, len, &e) != 0)
		return 0;
	if (part != 0 || memcmp(&h, &e.h, sizeof(h)) != 0)
		abort();	/* the two parses disagree */
	(void)tafel_env_verify(&e, pk);
	(void)tafel_env_addressed(&e, "politie-aalst");
	if (e.nwraps > 0)
		(void)tafel_env_open(&e, e.wrap[0].org, k, body, sizeof(body),
		    &n);
	return 0;
}
