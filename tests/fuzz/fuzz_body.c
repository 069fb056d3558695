/*
 * libFuzzer harness: event headers and bodies, as decoded after
 * decryption and when reading the store.
 */
#include <stdint.h>

#include "tafel/envelope.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *buf, size_t len)
{
	static struct tafel_hdr h;
	const char *t;
	size_t n;

	(void)tafel_hdr_decode(buf, len, &h);
	(void)tafel_body_decode("record", buf, len, &t, &n);
	(void)tafel_body_decode("open", buf, len, &t, &n);
	return 0;
}
