/*
 * libFuzzer harness: signed receipts, decoded without and with a key.
 */
#include <stdint.h>
#include <stdlib.h>

#include "tafel/receipt.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *buf, size_t len)
{
	static const uint8_t pk[32] = { 0x3b, 0x6a, 0x27, 0xbc };
	struct tafel_rcpt r;

	if (tafel_rcpt_decode(buf, len, &r) == 0)
		free(r.items);
	if (tafel_rcpt_verify(buf, len, pk, &r) == 0)
		free(r.items);
	return 0;
}
