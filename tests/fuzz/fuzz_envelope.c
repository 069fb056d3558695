/*
 * libFuzzer harness: envelope parsing (outer map, header, wraps), the
 * signature check and an open attempt with a fixed key.
 */
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>

#include "tafel/envelope.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *buf, size_t len)
{
	static struct tafel_env e;
	static uint8_t body[TAFEL_MAX_BODY];
	uint8_t pk[32] = { 1 }, k[32] = { 2 };
	size_t n;

	if (sodium_init() < 0)
		abort();
	if (tafel_env_parse(buf, len, &e) != 0)
		return 0;
	(void)tafel_env_verify(&e, pk);
	(void)tafel_env_addressed(&e, "politie-aalst");
	if (e.nwraps > 0)
		(void)tafel_env_open(&e, e.wrap[0].org, k, body, sizeof(body),
		    &n);
	return 0;
}
